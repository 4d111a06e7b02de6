/// Resampling of volumes to another voxel size.
public enum Resampler {
    /// The grid size along one axis that keeps the field of view `n · spacing`
    /// when the spacing becomes `newSpacingMM` (at least 1 voxel).
    public static func resampledCount(_ n: Int, spacingMM: Double, newSpacingMM: Double) -> Int {
        max(1, Int((Double(n) * spacingMM / newSpacingMM).rounded()))
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

    private static func resample(_ volume: Volume, spacingMM newSpacing: SIMD3<Double>, nearest: Bool) -> Volume {
        let old = volume.spacingMM
        let nx = resampledCount(volume.nx, spacingMM: old.x, newSpacingMM: newSpacing.x)
        let ny = resampledCount(volume.ny, spacingMM: old.y, newSpacingMM: newSpacing.y)
        let nz = resampledCount(volume.nz, spacingMM: old.z, newSpacingMM: newSpacing.z)
        // New spacing after rounding the count, so the field of view is kept exactly.
        let spacing = SIMD3(
            Double(volume.nx) * old.x / Double(nx), Double(volume.ny) * old.y / Double(ny), Double(volume.nz) * old.z / Double(nz))
        let ratio = spacing / old
        let shift = 0.5 * ratio - 0.5
        let (ox, oy, oz) = (volume.nx, volume.ny, volume.nz)
        func axis(_ n: Int, _ oldN: Int, _ r: Double, _ s: Double) -> (lo: [Int], hi: [Int], w: [Float]) {
            var lo = [Int](repeating: 0, count: n), hi = lo
            var w = [Float](repeating: 0, count: n)
            for i in 0..<n {
                let p = min(max(Double(i) * r + s, 0), Double(oldN - 1))
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
        let ax = axis(nx, ox, ratio.x, shift.x), ay = axis(ny, oy, ratio.y, shift.y), az = axis(nz, oz, ratio.z, shift.z)
        var out = [Float](repeating: 0, count: nx * ny * nz)
        volume.voxels.withUnsafeBufferPointer { srcBuffer in
            out.withUnsafeMutableBufferPointer { dstBuffer in
                guard let srcBase = srcBuffer.baseAddress, let dstBase = dstBuffer.baseAddress else { return }
                let src = SharedBuffer(UnsafeMutablePointer(mutating: srcBase), count: srcBuffer.count)
                let dst = SharedBuffer(dstBase, count: dstBuffer.count)
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
        }
        return Volume(
            nx: nx, ny: ny, nz: nz, spacingMM: spacing, voxels: out,
            geometry: resampledGeometry(volume.geometry, oldSpacingMM: old, ratio: ratio, shift: shift),
            unit: volume.unit, descrip: volume.descrip)
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
