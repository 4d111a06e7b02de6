import IQCore

/// The voxels farther than a margin (mm, between voxel centres) from every
/// voxel of an object, for margins of a few voxels: a Euclidean dilation by
/// separable min-plus passes over windows of ±⌊margin/spacing⌋ voxels.
///
/// Exact for this question: a voxel within the margin of the object has an
/// object voxel whose offset along every axis is at most the window, and the
/// squared distance is the sum of the three squared axis offsets, so three
/// 1D minimisations give the nearest one (as a squared distance ≤ margin²;
/// farther ones come out as +∞). The full distance transform
/// (`DistanceTransform`) gives the same answer with more memory and time;
/// it remains the path for wide windows.
public enum MarginMask {
    /// Windows wider than this (voxels each side) use the distance transform.
    public static let maxWindow = 12

    public static func fartherThan(_ marginMM: Double, from object: [Bool], nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>) -> [Bool] {
        let count = nx * ny * nz
        precondition(object.count == count)
        let window = (0..<3).map { Int((marginMM / spacingMM[$0]).rounded(.down)) }
        if window.max() ?? 0 > maxWindow {
            let d = DistanceTransform.distanceMM(mask: object.map { !$0 }, nx: nx, ny: ny, nz: nz, spacingMM: spacingMM)
            let margin = Float(marginMM)
            return d.map { $0 > margin }
        }
        // Squared axis offsets, Float: (k · spacing)² for k = 0…window.
        let square = (0..<3).map { axis in (0...window[axis]).map { Float((Double($0) * spacingMM[axis]) * (Double($0) * spacingMM[axis])) } }
        var d2 = [Float](repeating: .infinity, count: count)
        object.withUnsafeBufferPointer { ob in
            d2.withUnsafeMutableBufferPointer { db in
                guard let o = ob.baseAddress, let dBase = db.baseAddress else { return }
                let obj = SharedBuffer(UnsafeMutablePointer(mutating: o), count: count)
                let d = SharedBuffer(dBase, count: count)
                // x: distance to the nearest object voxel in the row, if within the window.
                let rx = window[0], sx = square[0]
                parallelFor(nz) { z in
                    for y in 0..<ny {
                        let row = (z * ny + y) * nx
                        var last = -1 - rx - 1  // last object x seen, far away at start
                        for x in 0..<nx {
                            if obj[row + x] { last = x }
                            let k = x - last
                            if k <= rx { d[row + x] = sx[k] }
                        }
                        last = nx + rx + 1
                        for x in stride(from: nx - 1, through: 0, by: -1) {
                            if obj[row + x] { last = x }
                            let k = last - x
                            if k <= rx && sx[k] < d[row + x] { d[row + x] = sx[k] }
                        }
                    }
                }
                // y, in place slice by slice; z, in place through (x, z) planes.
                let ry = window[1], sy = square[1]
                if ry > 0 {
                    parallelFor(nz) { z in
                        let slice = UnsafeMutablePointer<Float>.allocate(capacity: nx * ny)
                        defer { slice.deallocate() }
                        let base = d.base + z * nx * ny
                        for y in 0..<ny {
                            minPlus(out: slice + y * nx, n: nx, centre: base + y * nx, rows: { base + $0 * nx }, at: y, count: ny, window: ry, square: sy)
                        }
                        base.update(from: slice, count: nx * ny)
                    }
                }
                let rz = window[2], sz = square[2]
                if rz > 0 {
                    let planeStride = nx * ny
                    parallelFor(ny) { y in
                        let plane = UnsafeMutablePointer<Float>.allocate(capacity: nx * nz)
                        defer { plane.deallocate() }
                        let column = d.base + y * nx
                        for z in 0..<nz {
                            minPlus(out: plane + z * nx, n: nx, centre: column + z * planeStride, rows: { column + $0 * planeStride }, at: z, count: nz, window: rz, square: sz)
                        }
                        for z in 0..<nz { (column + z * planeStride).update(from: plane + z * nx, count: nx) }
                    }
                }
            }
        }
        let margin2 = Float(marginMM * marginMM)
        return d2.map { $0 > margin2 }
    }

    /// out[x] = min over |k| ≤ window (inside 0..<count) of rows(at + k)[x] + square[|k|].
    @inline(__always)
    private static func minPlus(
        out: UnsafeMutablePointer<Float>, n: Int, centre: UnsafeMutablePointer<Float>, rows: (Int) -> UnsafeMutablePointer<Float>,
        at: Int, count: Int, window: Int, square: [Float]
    ) {
        out.update(from: centre, count: n)
        for k in 1...window {
            let w = square[k]
            if at - k >= 0 {
                let a = rows(at - k)
                for x in 0..<n { out[x] = min(out[x], a[x] + w) }
            }
            if at + k < count {
                let b = rows(at + k)
                for x in 0..<n { out[x] = min(out[x], b[x] + w) }
            }
        }
    }
}
