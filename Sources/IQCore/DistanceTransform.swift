/// Exact Euclidean distance transform on anisotropic grids.
///
/// Felzenszwalb & Huttenlocher, "Distance transforms of sampled functions",
/// Theory of Computing 8 (2012): three 1D lower-envelope passes of parabolas,
/// one per axis, each weighted by that axis' squared spacing, give the exact
/// squared distance in mm² between voxel centres.
public enum DistanceTransform {
    /// Distance in mm from every foreground voxel centre to the nearest
    /// background voxel centre; 0 on background, +∞ when there is no background.
    /// - Parameters:
    ///   - mask: x-fastest foreground flags (`true` = object).
    public static func distanceMM(mask: [Bool], nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>) -> [Float] {
        precondition(mask.count == nx * ny * nz)
        var d = mask.map { $0 ? Double.infinity : 0 }
        let dims = [nx, ny, nz]
        let strides = [1, nx, nx * ny]
        for axis in 0..<3 {
            let n = dims[axis]
            let stride = strides[axis]
            let w2 = spacingMM[axis] * spacingMM[axis]
            // Lines along `axis`: enumerate their starting indices.
            let others = (0..<3).filter { $0 != axis }
            let na = dims[others[0]], nb = dims[others[1]]
            let sa = strides[others[0]], sb = strides[others[1]]
            d.withUnsafeMutableBufferPointer { buf in
                guard let base = buf.baseAddress else { return }
                let shared = SharedBuffer(base, count: buf.count)
                parallelFor(nb) { b in
                    var f = [Double](repeating: 0, count: n)
                    var out = [Double](repeating: 0, count: n)
                    var v = [Int](repeating: 0, count: n)
                    var z = [Double](repeating: 0, count: n + 1)
                    for a in 0..<na {
                        let start = a * sa + b * sb
                        for i in 0..<n { f[i] = shared[start + i * stride] }
                        envelope(f, n: n, w2: w2, v: &v, z: &z, out: &out)
                        for i in 0..<n { shared[start + i * stride] = out[i] }
                    }
                }
            }
        }
        return d.map { Float($0.squareRoot()) }
    }

    /// 1D squared distance of sampled function `f` (∞ = no source) with
    /// sample spacing² `w2`.
    static func envelope(_ f: [Double], n: Int, w2: Double, v: inout [Int], z: inout [Double], out: inout [Double]) {
        var k = -1
        for q in 0..<n where f[q].isFinite {
            if k < 0 {
                k = 0
                v[0] = q
                z[0] = -.infinity
                z[1] = .infinity
                continue
            }
            var s = 0.0
            while true {
                let p = v[k]
                // Intersection of the parabolas rooted at p and q, in index units.
                s = ((f[q] + w2 * Double(q * q)) - (f[p] + w2 * Double(p * p))) / (2 * w2 * Double(q - p))
                if s <= z[k] && k > 0 { k -= 1 } else { break }
            }
            if s <= z[k] && k == 0 {
                v[0] = q
                z[0] = -.infinity
                z[1] = .infinity
                continue
            }
            k += 1
            v[k] = q
            z[k] = s
            z[k + 1] = .infinity
        }
        if k < 0 {
            for q in 0..<n { out[q] = .infinity }
            return
        }
        var j = 0
        for q in 0..<n {
            while z[j + 1] < Double(q) { j += 1 }
            let dq = Double(q - v[j])
            out[q] = w2 * dq * dq + f[v[j]]
        }
    }
}
