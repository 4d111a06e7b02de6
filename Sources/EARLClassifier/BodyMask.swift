import IQCore

/// The patient's body in a PET image: a threshold relative to the body's
/// own uptake, the largest 6-connected component, and holes filled slice by
/// slice (so the cold lungs and bowel gas count as body).
///
/// Unit-free: the threshold is a fraction of a robust statistic of the
/// image, so Bq/mL and SUV images give the same mask.
public enum BodyMask {
    /// Fraction of the median of the bright voxels that separates body from air.
    public static let defaultThresholdFraction = 0.25

    /// - Returns: one Bool per voxel (x fastest), and the threshold used (in the image's unit).
    public static func compute(_ volume: Volume, thresholdFraction: Double = defaultThresholdFraction) -> (mask: [Bool], threshold: Float) {
        let threshold = Float(thresholdFraction * brightMedian(volume.voxels))
        var mask = volume.voxels.map { $0.isFinite && $0 > threshold }
        mask = largestComponent(mask, nx: volume.nx, ny: volume.ny, nz: volume.nz)
        fillHolesPerSlice(&mask, nx: volume.nx, ny: volume.ny, nz: volume.nz)
        return (mask, threshold)
    }

    /// The median of the voxels above 5 % of the 99th percentile of the
    /// positive voxels: the typical soft-tissue level, whatever the unit and
    /// however much air surrounds the body. Uses at most ~1 M voxels (a
    /// regular subsample) to stay fast on 440² × 600 grids.
    public static func brightMedian(_ voxels: [Float]) -> Double {
        let step = max(1, voxels.count / 1_000_000)
        var positive: [Float] = []
        positive.reserveCapacity(voxels.count / step)
        var i = 0
        while i < voxels.count {
            let v = voxels[i]
            if v.isFinite && v > 0 { positive.append(v) }
            i += step
        }
        guard !positive.isEmpty else { return 0 }
        let p99 = Statistics.quantiles(positive, [0.99])[0]
        let bright = positive.filter { Double($0) > 0.05 * p99 }
        return bright.isEmpty ? p99 : Statistics.median(bright)
    }

    /// Keeps the largest 6-connected component (first found on ties).
    ///
    /// Two floods over one visited array instead of a label per voxel: the
    /// first finds each component's size and where its raster scan first
    /// met it, the second floods the winner again into the cleared array,
    /// which is the result (a quarter of an Int32 label volume's memory,
    /// which on a 3 mm whole-body grid is 70 MB of fresh pages).
    static func largestComponent(_ mask: [Bool], nx: Int, ny: Int, nz: Int) -> [Bool] {
        var visited = [Bool](repeating: false, count: mask.count)
        var stack: [Int] = []
        /// Marks the component of `start` in `visited`. - Returns: its size.
        func flood(from start: Int) -> Int {
            visited[start] = true
            stack.append(start)
            var size = 0
            while let i = stack.popLast() {
                size += 1
                let x = i % nx, y = (i / nx) % ny, z = i / (nx * ny)
                @inline(__always) func visit(_ j: Int) {
                    if mask[j] && !visited[j] {
                        visited[j] = true
                        stack.append(j)
                    }
                }
                if x > 0 { visit(i - 1) }
                if x < nx - 1 { visit(i + 1) }
                if y > 0 { visit(i - nx) }
                if y < ny - 1 { visit(i + nx) }
                if z > 0 { visit(i - nx * ny) }
                if z < nz - 1 { visit(i + nx * ny) }
            }
            return size
        }
        var best: (start: Int, size: Int) = (-1, 0)
        for start in mask.indices where mask[start] && !visited[start] {
            let size = flood(from: start)
            if size > best.size { best = (start, size) }
        }
        visited.withUnsafeMutableBufferPointer { $0.update(repeating: false) }
        if best.size > 0 { _ = flood(from: best.start) }
        return visited
    }

    /// In every transverse slice, background not 4-connected to the slice
    /// border becomes body. Slices are independent, so they are filled on
    /// all cores, each worker writing only its own slices with scratch of its own.
    static func fillHolesPerSlice(_ mask: inout [Bool], nx: Int, ny: Int, nz: Int) {
        let sliceCount = nx * ny
        guard sliceCount > 0 else { return }
        mask.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let shared = SharedBuffer(base, count: buffer.count)
            parallelForWorkers(nz) { _, slices in
                var outside = [Bool](repeating: false, count: sliceCount)
                var stack: [Int] = []
                for z in slices {
                    let slice = z * sliceCount
                    for i in outside.indices { outside[i] = false }
                    func seed(_ i: Int) {
                        if !shared[slice + i] && !outside[i] {
                            outside[i] = true
                            stack.append(i)
                        }
                    }
                    for x in 0..<nx { seed(x); seed(x + nx * (ny - 1)) }
                    for y in 0..<ny { seed(nx * y); seed(nx - 1 + nx * y) }
                    while let i = stack.popLast() {
                        let x = i % nx, y = i / nx
                        if x > 0 { seed(i - 1) }
                        if x < nx - 1 { seed(i + 1) }
                        if y > 0 { seed(i - nx) }
                        if y < ny - 1 { seed(i + nx) }
                    }
                    for i in 0..<sliceCount where !outside[i] { shared[slice + i] = true }
                }
            }
        }
    }
}
