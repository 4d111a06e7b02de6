import IQCore
import SparseCNN

/// A random blob of active voxels in a small box, with random features.
func randomTensor(seed: UInt64, box: Int32 = 7, fill: Double = 0.45, channels: Int) -> SparseTensor {
    var random = SplitMix64(seed: seed)
    var coordinates: [SIMD3<Int32>] = []
    for z in 0..<box { for y in 0..<box { for x in 0..<box where random.nextUniform() < fill { coordinates.append(SIMD3(x, y, z)) } } }
    let sites = ActiveSet(coordinates: coordinates)
    let features = (0..<(coordinates.count * channels)).map { _ in Float(random.nextNormal()) }
    return SparseTensor(sites: sites, channels: channels, features: features)
}

/// A dense reference convolution of the zero-filled image (kept independent
/// of the sparse code: plain loops over every voxel and every tap).
/// Weights are `[offset][in][out]` with offset `(dx+r) + K((dy+r) + K(dz+r))`.
func denseSubmanifoldReference(_ x: SparseTensor, weights: [Float], bias: [Float], kernelSize: Int, outChannels: Int) -> [Float] {
    let cin = x.channels
    let r = kernelSize / 2
    var lo = SIMD3<Int32>(repeating: .max), hi = SIMD3<Int32>(repeating: .min)
    for c in x.sites.coordinates { lo = pointwiseMin(lo, c); hi = pointwiseMax(hi, c) }
    let d = hi &- lo &+ 1
    let nx = Int(d.x), ny = Int(d.y), nz = Int(d.z)
    var image = [Float](repeating: 0, count: nx * ny * nz * cin)
    for (i, c) in x.sites.coordinates.enumerated() {
        let p = c &- lo
        let v = Int(p.x) + nx * (Int(p.y) + ny * Int(p.z))
        for ch in 0..<cin { image[v * cin + ch] = x.features[i * cin + ch] }
    }
    var out = [Float](repeating: 0, count: nx * ny * nz * outChannels)
    for z in 0..<nz { for y in 0..<ny { for xx in 0..<nx {
        let v = xx + nx * (y + ny * z)
        for o in 0..<outChannels {
            var s = Double(bias[o])
            for dz in -r...r { for dy in -r...r { for dx in -r...r {
                let (qx, qy, qz) = (xx + dx, y + dy, z + dz)
                if qx < 0 || qy < 0 || qz < 0 || qx >= nx || qy >= ny || qz >= nz { continue }
                let k = (dx + r) + kernelSize * ((dy + r) + kernelSize * (dz + r))
                let q = qx + nx * (qy + ny * qz)
                for ch in 0..<cin { s += Double(weights[(k * cin + ch) * outChannels + o]) * Double(image[q * cin + ch]) }
            } } }
            out[v * outChannels + o] = Float(s)
        }
    } } }
    // Back onto the active set, in the sparse tensor's row order.
    var result = [Float](repeating: 0, count: x.count * outChannels)
    for (i, c) in x.sites.coordinates.enumerated() {
        let p = c &- lo
        let v = Int(p.x) + nx * (Int(p.y) + ny * Int(p.z))
        for o in 0..<outChannels { result[i * outChannels + o] = out[v * outChannels + o] }
    }
    return result
}
