import Foundation
import IQCore

/// Per-voxel vessel radius from the distance transform along the centreline.
///
/// The centreline is the set of ridge voxels of the distance map (no
/// 26-neighbour is farther from the background). Every vessel voxel takes
/// the largest radius of the centreline balls that contain it (the local
/// thickness of Hildebrand & Rüegsegger, J Microsc 1997), so a wall voxel
/// gets its vessel's radius rather than its own distance to the wall.
public enum RadiusMap {
    /// Radii in mm (0 outside the mask) and the centreline flags.
    ///
    /// The distance transform measures centre to the nearest background
    /// voxel centre, so it is quantised to the grid: a tube whose wall falls
    /// between voxel planes is off by up to a voxel. With the image, each
    /// centreline radius is refined to sub-voxel precision: along the ray to
    /// the nearest background voxel the trilinearly interpolated image is
    /// followed to where it crosses `thresholdHU` (the wall of a
    /// partial-volume edge), searched within one voxel inside that
    /// background voxel. Without the image, half the mean in-plane spacing
    /// is subtracted (the wall's mean position).
    public static func compute(
        mask: [Bool], nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>, image: [Float]? = nil, thresholdHU: Double = -450
    ) -> (radiusMM: [Float], centreline: [Bool]) {
        let d = DistanceTransform.distanceMM(mask: mask, nx: nx, ny: ny, nz: nz, spacingMM: spacingMM)
        let n = mask.count
        var centre = [Bool](repeating: false, count: n)
        var radius = [Float](repeating: 0, count: n)
        let halfVoxel = Float((spacingMM.x + spacingMM.y) / 4)
        for z in 0..<nz {
            for y in 0..<ny {
                for x in 0..<nx {
                    let i = x + nx * (y + ny * z)
                    guard mask[i], d[i].isFinite else { continue }
                    var ridge = true
                    search: for dz in -1...1 {
                        for dy in -1...1 {
                            for dx in -1...1 {
                                let xx = x + dx, yy = y + dy, zz = z + dz
                                if xx < 0 || yy < 0 || zz < 0 || xx >= nx || yy >= ny || zz >= nz { continue }
                                if d[xx + nx * (yy + ny * zz)] > d[i] {
                                    ridge = false
                                    break search
                                }
                            }
                        }
                    }
                    centre[i] = ridge
                }
            }
        }
        // Paint balls, largest last so they win.
        var centres = (0..<n).filter { centre[$0] }
        var radiusAtCentre = [Float](repeating: 0, count: image == nil ? 0 : n)
        centres.sort { d[$0] < d[$1] }
        for c in centres {
            let r = Double(d[c])
            let cz = c / (nx * ny), cy = (c / nx) % ny, cx = c % nx
            let rx = Int(r / spacingMM.x), ry = Int(r / spacingMM.y), rz = Int(r / spacingMM.z)
            var value = max(d[c] - halfVoxel, 0)
            if let image {
                value = refine(image, mask: mask, nx: nx, ny: ny, nz: nz, spacingMM: spacingMM, centre: SIMD3(cx, cy, cz), dtMM: r, thresholdHU: thresholdHU)
                    ?? value
                radiusAtCentre[c] = value
            }
            for z in max(cz - rz, 0)...min(cz + rz, nz - 1) {
                let ez = Double(z - cz) * spacingMM.z
                for y in max(cy - ry, 0)...min(cy + ry, ny - 1) {
                    let ey = Double(y - cy) * spacingMM.y
                    for x in max(cx - rx, 0)...min(cx + rx, nx - 1) {
                        let ex = Double(x - cx) * spacingMM.x
                        // Strictly inside the ball of radius d: the voxels that define it.
                        if ex * ex + ey * ey + ez * ez < r * r {
                            let i = x + nx * (y + ny * z)
                            if mask[i] && value > radius[i] { radius[i] = value }
                        }
                    }
                }
            }
        }
        for i in 0..<n where mask[i] && radius[i] == 0 { radius[i] = max(d[i] - halfVoxel, 0) }
        // A centreline voxel keeps its own refined radius (a thicker parent's ball may cover it at a junction).
        if image != nil { for i in 0..<n where centre[i] { radius[i] = radiusAtCentre[i] } }
        return (radius, centre)
    }

    /// Sub-voxel wall distance from a centreline voxel: see `compute`.
    static func refine(
        _ image: [Float], mask: [Bool], nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>, centre c: SIMD3<Int>, dtMM: Double, thresholdHU: Double
    ) -> Float? {
        // The nearest background voxel (the one that set the distance).
        let rx = Int(dtMM / spacingMM.x) + 1, ry = Int(dtMM / spacingMM.y) + 1, rz = Int(dtMM / spacingMM.z) + 1
        var best = Double.infinity
        var dir = SIMD3<Double>.zero
        for z in max(c.z - rz, 0)...min(c.z + rz, nz - 1) {
            for y in max(c.y - ry, 0)...min(c.y + ry, ny - 1) {
                for x in max(c.x - rx, 0)...min(c.x + rx, nx - 1) where !mask[x + nx * (y + ny * z)] {
                    let e = SIMD3(Double(x - c.x), Double(y - c.y), Double(z - c.z)) * spacingMM
                    let dd = (e * e).sum()
                    if dd < best {
                        best = dd
                        dir = e
                    }
                }
            }
        }
        guard best.isFinite, best > 0 else { return nil }
        let length = best.squareRoot()
        let u = dir / length
        let step = (u * u * spacingMM).sum()  // about one voxel along u
        let start = SIMD3<Double>(Double(c.x), Double(c.y), Double(c.z))
        func sample(_ t: Double) -> Double {
            let p = start + u * t / spacingMM
            return trilinear(image, nx: nx, ny: ny, nz: nz, p)
        }
        // March from one voxel inside the background voxel to it; the wall is where the value drops below the threshold.
        let samples = 20
        let t0 = max(length - step, 0)
        var previousT = t0
        var previous = sample(t0)
        if previous < thresholdHU { return Float(t0) }
        for k in 1...samples {
            let t = t0 + (length - t0) * Double(k) / Double(samples)
            let v = sample(t)
            if v < thresholdHU {
                let f = (previous - thresholdHU) / (previous - v)
                return Float(previousT + f * (t - previousT))
            }
            previousT = t
            previous = v
        }
        return Float(length)
    }

    static func trilinear(_ v: [Float], nx: Int, ny: Int, nz: Int, _ p: SIMD3<Double>) -> Double {
        let x = min(max(p.x, 0), Double(nx - 1)), y = min(max(p.y, 0), Double(ny - 1)), z = min(max(p.z, 0), Double(nz - 1))
        let x0 = min(Int(x), nx - 2 < 0 ? 0 : nx - 2), y0 = min(Int(y), ny - 2 < 0 ? 0 : ny - 2), z0 = min(Int(z), nz - 2 < 0 ? 0 : nz - 2)
        let x1 = min(x0 + 1, nx - 1), y1 = min(y0 + 1, ny - 1), z1 = min(z0 + 1, nz - 1)
        let fx = x - Double(x0), fy = y - Double(y0), fz = z - Double(z0)
        @inline(__always) func at(_ a: Int, _ b: Int, _ c: Int) -> Double { Double(v[a + nx * (b + ny * c)]) }
        let c00 = at(x0, y0, z0) * (1 - fx) + at(x1, y0, z0) * fx
        let c10 = at(x0, y1, z0) * (1 - fx) + at(x1, y1, z0) * fx
        let c01 = at(x0, y0, z1) * (1 - fx) + at(x1, y0, z1) * fx
        let c11 = at(x0, y1, z1) * (1 - fx) + at(x1, y1, z1) * fx
        return (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz
    }
}
