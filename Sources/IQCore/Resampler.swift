import Foundation

/// Resampling of volumes to another voxel size.
public enum Resampler {
    /// The grid size along one axis that keeps the field of view `n · spacing`
    /// when the spacing becomes `newSpacingMM` (at least 1 voxel).
    public static func resampledCount(_ n: Int, spacingMM: Double, newSpacingMM: Double) -> Int {
        max(1, Int((Double(n) * spacingMM / newSpacingMM).rounded()))
    }

    /// The grid every resampler here writes: voxel counts from
    /// `resampledCount`, the spacing those counts give the unchanged field
    /// of view, and where new index i sits on the old grid (`i · ratio + shift`).
    struct Grid {
        let counts: SIMD3<Int>, spacing: SIMD3<Double>, ratio: SIMD3<Double>, shift: SIMD3<Double>

        init(_ volume: Volume, spacingMM newSpacing: SIMD3<Double>) {
            let old = volume.spacingMM
            counts = SIMD3(
                resampledCount(volume.nx, spacingMM: old.x, newSpacingMM: newSpacing.x),
                resampledCount(volume.ny, spacingMM: old.y, newSpacingMM: newSpacing.y),
                resampledCount(volume.nz, spacingMM: old.z, newSpacingMM: newSpacing.z))
            // New spacing after rounding the count, so the field of view is kept exactly.
            spacing = SIMD3(Double(volume.nx), Double(volume.ny), Double(volume.nz)) * old / SIMD3<Double>(counts)
            ratio = spacing / old
            shift = 0.5 * ratio - 0.5
        }

        /// Where new index j sits on the old axis, in old index units,
        /// clamped to the outer old centres `0…oldCount − 1`.
        func position(_ j: Int, axis: Int, oldCount: Int) -> Double {
            min(max(Double(j) * ratio[axis] + shift[axis], 0), Double(oldCount - 1))
        }

        func volume(_ voxels: [Float], from volume: Volume) -> Volume {
            Volume(
                nx: counts.x, ny: counts.y, nz: counts.z, spacingMM: spacing, voxels: voxels,
                geometry: resampledGeometry(volume.geometry, oldSpacingMM: volume.spacingMM, ratio: ratio, shift: shift),
                unit: volume.unit, descrip: volume.descrip)
        }
    }

    /// Trilinear resampling onto a grid of `spacingMM` covering the same field of view.
    ///
    /// The new grid's outer voxel faces coincide with the old ones (up to the
    /// rounding of the voxel count): new voxel i's centre lies at old index
    /// `(i + 0.5) · s'/s − 0.5`. Samples beyond the outer old voxel centres
    /// take the edge value (clamped). Point sampling: when the voxels grow a
    /// lot, smooth first if aliasing matters. The geometry (sform and qform)
    /// is updated so that every new voxel keeps its world position in mm.
    /// Non-finite voxels are read as 0.
    public static func trilinear(_ volume: Volume, spacingMM newSpacing: SIMD3<Double>) -> Volume {
        resample(volume, spacingMM: newSpacing, nearest: false)
    }

    /// Nearest-voxel resampling onto the grid `trilinear` uses (same voxel
    /// count, spacing and geometry): each new voxel takes the value of the
    /// old voxel whose centre is nearest (ties away from zero). Values are
    /// copied, never averaged, so noise and edge sharpness per voxel stay
    /// those of the native grid whatever its spacing; positions are off by at
    /// most half an old voxel. Non-finite voxels are read as 0.
    public static func nearest(_ volume: Volume, spacingMM newSpacing: SIMD3<Double>) -> Volume {
        resample(volume, spacingMM: newSpacing, nearest: true)
    }

    /// The largest native voxel of each new voxel, on the grid `trilinear`
    /// uses (same voxel count, spacing and geometry): the maximum over the
    /// old voxels whose centres lie inside the new voxel (faces at
    /// `[j, j + 1) · s'`), or, when none does (voxels shrinking), the old
    /// voxel nearest the new centre, per axis.
    ///
    /// What it keeps is what an RCmax measures: the hottest voxel of the
    /// scan's own grid, which depends on how finely that grid samples a small
    /// hot object. Non-finite voxels are read as 0.
    ///
    /// One pass over the old voxels, in memory order: each task takes one
    /// (y, z) row of the new grid, folds the old rows of its block into one
    /// row maximum, then pools that along x. No intermediate volume is
    /// allocated (a 2 mm whole-body scan pooled to 4 mm would otherwise
    /// allocate and clear twice its own size).
    public static func maxPool(_ volume: Volume, spacingMM newSpacing: SIMD3<Double>) -> Volume {
        let grid = Grid(volume, spacingMM: newSpacing)
        let n = SIMD3(volume.nx, volume.ny, volume.nz), m = grid.counts
        // Old index range of each new voxel along each axis.
        let ranges: [[ClosedRange<Int>]] = (0..<3).map { axis in
            (0..<m[axis]).map { j in
                // Same length: each new voxel holds exactly its old one.
                if n[axis] == m[axis] { return j...j }
                let r = grid.ratio[axis]
                let lo = Int((Double(j) * r - 0.5).rounded(.up)), hi = Int((Double(j + 1) * r - 0.5).rounded(.up)) - 1
                if lo <= hi { return max(0, lo)...min(n[axis] - 1, hi) }
                let nearest = Int(grid.position(j, axis: axis, oldCount: n[axis]).rounded())
                return nearest...nearest
            }
        }
        let (xRanges, yRanges, zRanges) = (ranges[0], ranges[1], ranges[2])
        var out = [Float](repeating: 0, count: m.x * m.y * m.z)
        sharingStorage(of: volume.voxels, and: &out) { source, target in
            parallelFor(m.y * m.z) { task in
                let (jy, jz) = (task % m.y, task / m.y)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: n.x) { row in
                    row.initialize(repeating: -.infinity)
                    for iz in zRanges[jz] {
                        for iy in yRanges[jy] {
                            let from = source.base + n.x * (iy + n.y * iz)
                            for a in 0..<n.x { row[a] = Swift.max(row[a], from[a].isFinite ? from[a] : 0) }
                        }
                    }
                    let to = target.base + m.x * (jy + m.y * jz)
                    for (jx, range) in xRanges.enumerated() {
                        var best = -Float.infinity
                        for i in range { best = Swift.max(best, row[i]) }
                        to[jx] = best
                    }
                }
            }
        }
        return grid.volume(out, from: volume)
    }

    /// Band-limited (DCT) resampling onto the grid `trilinear` uses (same
    /// voxel count, spacing and geometry), one axis after the other.
    ///
    /// Along each axis the samples are taken as the band-limited function
    /// whose even extension about the outer voxel faces they sample (a
    /// DCT-II); its spectrum is truncated to the new grid's Nyquist frequency
    /// when the voxels grow, zero-padded when they shrink, and the function is
    /// sampled at the new voxel centres (a DCT-III). A grid's own samples are
    /// reproduced exactly; a cosine of the DCT basis below both grids'
    /// Nyquist frequencies is resampled exactly; the mean is kept.
    ///
    /// Unlike trilinear or nearest-voxel resampling, the result does not
    /// depend on where the new sample points fall between the old ones: a
    /// stationary band-limited signal or noise keeps its variance at every
    /// new voxel, so a 4.07 mm grid resampled to 4 mm is neither smoothed
    /// (trilinear) nor jittered (nearest) relative to a 4 mm grid. Content
    /// above the new grid's Nyquist frequency is removed rather than aliased.
    /// Near steps (e.g. a body edge against air) the truncation rings
    /// (Gibbs), so values can fall slightly outside the input's range.
    /// Non-finite voxels are read as 0.
    ///
    /// - Returns: nil when FFTW cannot plan or allocate.
    public static func bandLimited(_ volume: Volume, spacingMM newSpacing: SIMD3<Double>) -> Volume? {
        let grid = Grid(volume, spacingMM: newSpacing)
        var shape = (volume.nx, volume.ny, volume.nz)
        var data = volume.voxels
        // Only the first pass reads the caller's voxels; later ones read finite transforms.
        var cleaned = false
        var firstAxis = 0
        if shape.0 != grid.counts.x && shape.1 != grid.counts.y {
            // Both in-plane axes change: one transverse plane at a time, so the
            // intermediate grid after the x pass never exists whole (on a 2 mm
            // whole-body scan it is the largest array of the resampling, and
            // fresh pages are costly to fault in). Each line goes through the
            // same transform in the same blocks as below, so the result is the
            // same to the bit.
            guard let planes = resampleInPlane(data, shape: shape, to: (grid.counts.x, grid.counts.y)) else { return nil }
            data = planes
            shape = (grid.counts.x, grid.counts.y, shape.2)
            cleaned = true
            firstAxis = 2
        }
        for axis in firstAxis..<3 {
            let n = [shape.0, shape.1, shape.2][axis]
            let m = grid.counts[axis]
            // Same length: DCT-III ∘ DCT-II is the identity.
            if n == m { continue }
            guard let resampler = FFTW.DCTLineResampler(inputLength: n, outputLength: m) else { return nil }
            var newShape = shape
            switch axis {
            case 0: newShape.0 = m
            case 1: newShape.1 = m
            default: newShape.2 = m
            }
            // Lines along `axis` have sample stride `inStride` (`outStride`
            // after resampling). Blocks of adjacent lines run along the
            // fastest other axis (line stride `inLine` / `outLine`, so strided
            // gathers read whole cache lines); the remaining axis (`outer`)
            // and the blocks are the tasks shared between workers.
            let (sx, sy) = (shape.0, shape.0 * shape.1)
            let (tx, ty) = (newShape.0, newShape.0 * newShape.1)
            let (inStride, outStride): (Int, Int) = axis == 0 ? (1, 1) : axis == 1 ? (sx, tx) : (sy, ty)
            let (inLine, outLine): (Int, Int) = axis == 0 ? (sx, tx) : (1, 1)
            let blockCount = axis == 0 ? shape.1 : shape.0
            let outerCount = axis == 2 ? shape.1 : shape.2
            let (inOuter, outOuter): (Int, Int) = axis == 2 ? (sx, tx) : (sy, ty)
            let block = resampler.blockLines
            let blocksPerRow = (blockCount + block - 1) / block
            let tasks = outerCount * blocksPerRow
            // One set of working buffers per worker, allocated before the work starts.
            let workers = parallelWorkerCount(tasks)
            let pool = (0..<workers).compactMap { _ in FFTW.DCTLineResampler.Buffers(resampler) }
            guard pool.count == workers else { return nil }
            let finiteInput = cleaned
            var out = [Float](repeating: 0, count: newShape.0 * newShape.1 * newShape.2)
            sharingStorage(of: data, and: &out) { src, dst in
                parallelForWorkers(tasks, workers: workers) { w, mine in
                    for task in mine {
                        let (c, first) = (task / blocksPerRow, (task % blocksPerRow) * block)
                        resampler.apply(
                            src.base + c * inOuter + first * inLine, inputStride: inStride, inputLineStride: inLine,
                            dst.base + c * outOuter + first * outLine, outputStride: outStride, outputLineStride: outLine,
                            count: min(block, blockCount - first), buffers: pool[w], finiteInput: finiteInput, outputIsZero: true)
                    }
                }
            }
            data = out
            shape = newShape
            cleaned = true
        }
        if !cleaned { data = data.map { $0.isFinite ? $0 : 0 } }
        return grid.volume(data, from: volume)
    }

    /// `bandLimited`'s x and y passes, plane by plane: each worker resamples
    /// a plane's rows into its own plane buffer, then that buffer's columns
    /// into the output. - Returns: nil when FFTW cannot plan or allocate.
    private static func resampleInPlane(_ data: [Float], shape: (Int, Int, Int), to counts: (x: Int, y: Int)) -> [Float]? {
        let (nx, ny, nz) = shape
        let (mx, my) = counts
        guard let rows = FFTW.DCTLineResampler(inputLength: nx, outputLength: mx),
            let columns = FFTW.DCTLineResampler(inputLength: ny, outputLength: my)
        else { return nil }
        let workers = parallelWorkerCount(nz)
        let rowBuffers = (0..<workers).compactMap { _ in FFTW.DCTLineResampler.Buffers(rows) }
        let columnBuffers = (0..<workers).compactMap { _ in FFTW.DCTLineResampler.Buffers(columns) }
        guard rowBuffers.count == workers, columnBuffers.count == workers else { return nil }
        var out = [Float](repeating: 0, count: mx * my * nz)
        sharingStorage(of: data, and: &out) { src, dst in
            parallelForWorkers(nz, workers: workers) { w, planes in
                // The plane after the x pass: mx × ny, zeroed for each plane
                // (`apply` skips all-zero blocks and relies on zeros).
                let plane = UnsafeMutablePointer<Float>.allocate(capacity: mx * ny)
                defer { plane.deallocate() }
                for z in planes {
                    plane.initialize(repeating: 0, count: mx * ny)
                    let from = src.base + z * nx * ny
                    for first in Swift.stride(from: 0, to: ny, by: rows.blockLines) {
                        rows.apply(
                            from + first * nx, inputStride: 1, inputLineStride: nx, plane + first * mx, outputStride: 1, outputLineStride: mx,
                            count: min(rows.blockLines, ny - first), buffers: rowBuffers[w], finiteInput: false, outputIsZero: true)
                    }
                    let to = dst.base + z * mx * my
                    for first in Swift.stride(from: 0, to: mx, by: columns.blockLines) {
                        columns.apply(
                            plane + first, inputStride: mx, inputLineStride: 1, to + first, outputStride: mx, outputLineStride: 1,
                            count: min(columns.blockLines, mx - first), buffers: columnBuffers[w], finiteInput: true, outputIsZero: true)
                    }
                }
            }
        }
        return out
    }

    /// `body` with the storage of `source` and of `target` as buffers that
    /// parallel workers may share (each writing its own part of `target`).
    private static func sharingStorage(of source: [Float], and target: inout [Float], _ body: (SharedBuffer<Float>, SharedBuffer<Float>) -> Void) {
        source.withUnsafeBufferPointer { sourceBuffer in
            target.withUnsafeMutableBufferPointer { targetBuffer in
                guard let sourceBase = sourceBuffer.baseAddress, let targetBase = targetBuffer.baseAddress else { return }
                body(SharedBuffer(UnsafeMutablePointer(mutating: sourceBase), count: sourceBuffer.count), SharedBuffer(targetBase, count: targetBuffer.count))
            }
        }
    }

    private static func resample(_ volume: Volume, spacingMM newSpacing: SIMD3<Double>, nearest: Bool) -> Volume {
        let grid = Grid(volume, spacingMM: newSpacing)
        let (nx, ny, nz) = (grid.counts.x, grid.counts.y, grid.counts.z)
        let (ox, oy, oz) = (volume.nx, volume.ny, volume.nz)
        func axis(_ n: Int, _ oldN: Int, _ a: Int) -> (lo: [Int], hi: [Int], w: [Float]) {
            var lo = [Int](repeating: 0, count: n), hi = lo
            var w = [Float](repeating: 0, count: n)
            for i in 0..<n {
                let p = grid.position(i, axis: a, oldCount: oldN)
                if nearest {
                    lo[i] = Int(p.rounded())
                    continue
                }
                let f = min(Int(p), max(oldN - 2, 0))
                lo[i] = f
                hi[i] = min(f + 1, oldN - 1)
                w[i] = Float(p - Double(f))
            }
            return (lo, hi, w)
        }
        let ax = axis(nx, ox, 0), ay = axis(ny, oy, 1), az = axis(nz, oz, 2)
        var out = [Float](repeating: 0, count: nx * ny * nz)
        sharingStorage(of: volume.voxels, and: &out) { src, dst in
            parallelFor(nz) { z in
                @inline(__always) func v(_ i: Int) -> Float {
                    let x = src[i]
                    return x.isFinite ? x : 0
                }
                if nearest {
                    let z0 = az.lo[z] * ox * oy
                    for y in 0..<ny {
                        let y0 = z0 + ay.lo[y] * ox
                        for x in 0..<nx { dst[x + nx * (y + ny * z)] = v(y0 + ax.lo[x]) }
                    }
                    return
                }
                let z0 = az.lo[z] * ox * oy, z1 = az.hi[z] * ox * oy, wz = az.w[z]
                for y in 0..<ny {
                    let y0 = ay.lo[y] * ox, y1 = ay.hi[y] * ox, wy = ay.w[y]
                    for x in 0..<nx {
                        let x0 = ax.lo[x], x1 = ax.hi[x], wx = ax.w[x]
                        let c00 = v(z0 + y0 + x0) * (1 - wx) + v(z0 + y0 + x1) * wx
                        let c01 = v(z0 + y1 + x0) * (1 - wx) + v(z0 + y1 + x1) * wx
                        let c10 = v(z1 + y0 + x0) * (1 - wx) + v(z1 + y0 + x1) * wx
                        let c11 = v(z1 + y1 + x0) * (1 - wx) + v(z1 + y1 + x1) * wx
                        let c0 = c00 * (1 - wy) + c01 * wy
                        let c1 = c10 * (1 - wy) + c11 * wy
                        dst[x + nx * (y + ny * z)] = c0 * (1 - wz) + c1 * wz
                    }
                }
            }
        }
        return grid.volume(out, from: volume)
    }

    /// The geometry of a grid whose index i sits at old index `i · ratio + shift`.
    static func resampledGeometry(_ g: VolumeGeometry, oldSpacingMM: SIMD3<Double>, ratio: SIMD3<Double>, shift: SIMD3<Double>) -> VolumeGeometry {
        var new = g
        if g.sformCode > 0 {
            new.srowMM = g.srowMM.map { row in
                [row[0] * ratio.x, row[1] * ratio.y, row[2] * ratio.z, row[0] * shift.x + row[1] * shift.y + row[2] * shift.z + row[3]]
            }
        }
        if g.qformCode > 0 {
            var qOnly = g
            qOnly.sformCode = 0
            let a = qOnly.affine(spacingMM: oldSpacingMM)
            new.qoffsetMM = (0..<3).map { a[$0][0] * shift.x + a[$0][1] * shift.y + a[$0][2] * shift.z + a[$0][3] }
        }
        return new
    }
}
