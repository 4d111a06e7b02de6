import IQCore

/// Gaussian smoothing for the vesselness scales: Float32, separable, with
/// the half-sample reflecting boundary of `GaussianFilter` and its kernel
/// (`GaussianKernel`, truncated at 4σ), but using the kernel's symmetry
/// (one multiply per pair of taps) and loops whose inner index runs over
/// contiguous x so that every pass vectorises. Equals
/// `GaussianFilter(method: .direct)` to Float32 round-off (the taps are
/// summed in another order).
///
/// Non-finite input voxels are treated as 0, as in `GaussianFilter`.
enum SymmetricSmoothing {
    static func apply(_ input: [Float], nx: Int, ny: Int, nz: Int, sigmaVoxels: SIMD3<Double>) -> [Float] {
        var output = [Float](repeating: 0, count: nx * ny * nz)
        apply(input, into: &output, nx: nx, ny: ny, nz: nz, sigmaVoxels: sigmaVoxels)
        return output
    }

    /// Smooths `input` into `output` (same count, every element overwritten),
    /// so that one buffer serves several scales.
    static func apply(_ input: [Float], into output: inout [Float], nx: Int, ny: Int, nz: Int, sigmaVoxels: SIMD3<Double>) {
        let count = nx * ny * nz
        precondition(input.count == count && output.count == count)
        let w = (0..<3).map { GaussianKernel(sigmaVoxels: sigmaVoxels[$0]).weights.map(Float.init) }
        input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                let source = SharedBuffer(UnsafeMutablePointer(mutating: s), count: count)
                let target = SharedBuffer(d, count: count)
                passX(source, target, nx: nx, ny: ny, nz: nz, w: w[0])
                if w[1].count > 1 { passY(target, nx: nx, ny: ny, nz: nz, w: w[1]) }
                if w[2].count > 1 { passZ(target, nx: nx, ny: ny, nz: nz, w: w[2]) }
            }
        }
    }

    /// out[x] = w[r]·in[x+r] + Σ_{k<r} w[k]·(in[x+k] + in[x+2r−k]) for a
    /// padded line `inp` of n + 2r samples; k outer so that x vectorises.
    @inline(__always)
    private static func convolveLine(_ inp: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, n: Int, w: UnsafePointer<Float>, r: Int) {
        let c = w[r]
        for x in 0..<n { out[x] = c * inp[x + r] }
        for k in 0..<r {
            let wk = w[k]
            let a = inp + k, b = inp + 2 * r - k
            for x in 0..<n { out[x] += wk * (a[x] + b[x]) }
        }
    }

    /// x pass, out of place: each row is copied into a reflected, padded line.
    private static func passX(_ s: SharedBuffer<Float>, _ d: SharedBuffer<Float>, nx: Int, ny: Int, nz: Int, w: [Float]) {
        let r = w.count / 2
        parallelFor(nz) { z in
            let line = UnsafeMutablePointer<Float>.allocate(capacity: nx + 2 * r)
            defer { line.deallocate() }
            w.withUnsafeBufferPointer { wp in
                guard let wb = wp.baseAddress else { return }
                for y in 0..<ny {
                    let row = (z * ny + y) * nx
                    for i in 0..<(nx + 2 * r) {
                        let v = s[row + Reflect.index(i - r, nx)]
                        line[i] = v.isFinite ? v : 0
                    }
                    convolveLine(line, d.base + row, n: nx, w: wb, r: r)
                }
            }
        }
    }

    /// y pass, in place slice by slice, whole rows at a time.
    private static func passY(_ d: SharedBuffer<Float>, nx: Int, ny: Int, nz: Int, w: [Float]) {
        let r = w.count / 2
        parallelFor(nz) { z in
            let slice = UnsafeMutablePointer<Float>.allocate(capacity: nx * ny)
            defer { slice.deallocate() }
            let base = d.base + z * nx * ny
            for y in 0..<ny {
                let out = slice + y * nx
                let centre = base + y * nx, c = w[r]
                for x in 0..<nx { out[x] = c * centre[x] }
                for k in 0..<r {
                    let wk = w[k]
                    let a = base + Reflect.index(y + k - r, ny) * nx
                    let b = base + Reflect.index(y + r - k, ny) * nx
                    for x in 0..<nx { out[x] += wk * (a[x] + b[x]) }
                }
            }
            base.update(from: slice, count: nx * ny)
        }
    }

    /// z pass, in place one y at a time through an (x, z) scratch plane.
    private static func passZ(_ d: SharedBuffer<Float>, nx: Int, ny: Int, nz: Int, w: [Float]) {
        let r = w.count / 2
        let planeStride = nx * ny
        parallelFor(ny) { y in
            let plane = UnsafeMutablePointer<Float>.allocate(capacity: nx * nz)
            defer { plane.deallocate() }
            let column = d.base + y * nx
            for z in 0..<nz {
                let out = plane + z * nx
                let centre = column + z * planeStride, c = w[r]
                for x in 0..<nx { out[x] = c * centre[x] }
                for k in 0..<r {
                    let wk = w[k]
                    let a = column + Reflect.index(z + k - r, nz) * planeStride
                    let b = column + Reflect.index(z + r - k, nz) * planeStride
                    for x in 0..<nx { out[x] += wk * (a[x] + b[x]) }
                }
            }
            for z in 0..<nz { (column + z * planeStride).update(from: plane + z * nx, count: nx) }
        }
    }
}
