/// The input/output row pairs of a sparse convolution, one list per kernel
/// offset: output row `outputRows[k][p]` receives input row `inputRows[k][p]`
/// through the weights of offset k. Gather-GEMM-scatter runs one GEMM per offset.
struct Rulebook {
    var inputRows: [[Int32]]
    var outputRows: [[Int32]]
    /// The offset whose pairs are the identity (row i → row i), if any: its
    /// GEMM runs on the feature matrix directly, without gathering.
    var identityOffset: Int?

    var offsetCount: Int { inputRows.count }
    var maxPairs: Int { inputRows.reduce(0) { max($0, $1.count) } }

    /// Submanifold convolution (Graham & van der Maaten 2017): outputs on the
    /// input sites only; offset index `(dx+r) + K·((dy+r) + K·(dz+r))`.
    ///
    /// Pairs are listed by output row. Offsets o and −o hold the same pairs
    /// with input and output swapped; when the sites are in raster order
    /// (which a translation preserves), the swapped lists are also ordered by
    /// output row, so the second half of the offsets shares the first half's
    /// arrays instead of holding copies (half the memory of the largest
    /// rulebooks, which a training set keeps for every scan).
    static func submanifold(_ sites: ActiveSet, kernelSize: Int) -> Rulebook {
        let r = Int32(kernelSize / 2)
        var offsets: [SIMD3<Int32>] = []
        for dz in -r...r { for dy in -r...r { for dx in -r...r { offsets.append(SIMD3(dx, dy, dz)) } } }
        var inputs = [[Int32]](repeating: [], count: offsets.count)
        var outputs = [[Int32]](repeating: [], count: offsets.count)
        let centre = offsets.count / 2
        let mirrored = sites.isInRasterOrder
        for (k, o) in offsets.enumerated() where k != centre {
            let mirror = offsets.count - 1 - k
            if mirrored && k > centre {
                inputs[k] = outputs[mirror]
                outputs[k] = inputs[mirror]
                continue
            }
            var ins: [Int32] = []
            var outs: [Int32] = []
            for (i, c) in sites.coordinates.enumerated() {
                if let j = sites.map.lookup(c &+ o) {
                    ins.append(j)
                    outs.append(Int32(i))
                }
            }
            inputs[k] = ins
            outputs[k] = outs
        }
        let all = (0..<Int32(sites.count)).map { $0 }
        inputs[centre] = all
        outputs[centre] = all
        return Rulebook(inputRows: inputs, outputRows: outputs, identityOffset: centre)
    }

    /// 2×2×2 convolution with stride 2: site c feeds output `c >> 1` through
    /// offset `(c & 1)` (x bit first). Output sites are ordered by first
    /// appearance, so the order is a function of the input order alone.
    static func downsampling(_ sites: ActiveSet) -> (sites: ActiveSet, rulebook: Rulebook) {
        var coarse: [SIMD3<Int32>] = []
        var inputs = [[Int32]](repeating: [], count: 8)
        var outputs = [[Int32]](repeating: [], count: 8)
        // Coarse site of each block: a dense grid over the coarse bounding box
        // when it is small (the usual case; much faster than hashing), else a hash table.
        var lo = SIMD3<Int32>(repeating: .max), hi = SIMD3<Int32>(repeating: .min)
        for c in sites.coordinates {
            lo = pointwiseMin(lo, c &>> 1)
            hi = pointwiseMax(hi, c &>> 1)
        }
        let d = hi &- lo &+ 1
        let cells = sites.count == 0 ? 0 : Int(d.x) * Int(d.y) * Int(d.z)
        let useGrid = cells <= CoordinateMap.denseLimit
        var grid = [Int32](repeating: -1, count: useGrid ? cells : 0)
        var seen = [SIMD3<Int32>: Int32]()
        for (i, c) in sites.coordinates.enumerated() {
            let p = c &>> 1
            var j: Int32
            if useGrid {
                let r = p &- lo
                let cell = Int(r.x) + Int(d.x) * (Int(r.y) + Int(d.y) * Int(r.z))
                j = grid[cell]
                if j < 0 {
                    j = Int32(coarse.count)
                    grid[cell] = j
                    coarse.append(p)
                }
            } else if let existing = seen[p] {
                j = existing
            } else {
                j = Int32(coarse.count)
                seen[p] = j
                coarse.append(p)
            }
            let bits = c & 1
            let k = Int(bits.x) + 2 * Int(bits.y) + 4 * Int(bits.z)
            inputs[k].append(Int32(i))
            outputs[k].append(j)
        }
        return (ActiveSet(coordinates: coarse), Rulebook(inputRows: inputs, outputRows: outputs, identityOffset: nil))
    }
}
