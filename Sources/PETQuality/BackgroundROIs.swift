import Foundation
import IQCore

/// NEMA-style background regions: 37 mm circles in the sphere plane and on
/// the planes ±10 mm and ±20 mm from it, at least 15 mm from the body's edge,
/// the spheres and the lung insert; twelve positions per plane spread out by
/// farthest-point sampling over the allowed area.
public enum BackgroundROIs {
    public static let roiDiameterMM = 37.0
    public static let planeOffsetsMM: [Double] = [-20, -10, 0, 10, 20]
    public static let marginMM = 15.0
    public static let perPlane = 12

    /// ROI centres (x, y) in the phantom frame.
    public static func centres(_ g: IECPhantomGeometry) -> [SIMD2<Double>] {
        let r = roiDiameterMM / 2
        let sphereCentres = g.sphereCentersMM
        var candidates: [SIMD2<Double>] = []
        let extent = g.body.semicircleRadiusMM
        var y = -g.body.lowerDepthMM
        while y <= extent {
            var x = -extent
            while x <= extent {
                if allowed(SIMD2(x, y), g: g, radius: r, sphereCentres: sphereCentres) { candidates.append(SIMD2(x, y)) }
                x += 4
            }
            y += 4
        }
        guard !candidates.isEmpty else { return [] }
        // Start from the candidate nearest the anterior midline, then farthest-point sampling.
        var chosen = [candidates.min { ($0 - SIMD2(0, extent)).squaredLength < ($1 - SIMD2(0, extent)).squaredLength }!]
        while chosen.count < perPlane {
            guard let next = candidates.max(by: { a, b in
                chosen.map { ($0 - a).squaredLength }.min()! < chosen.map { ($0 - b).squaredLength }.min()!
            }) else { break }
            if chosen.contains(next) { break }
            chosen.append(next)
        }
        return chosen
    }

    static func allowed(_ p: SIMD2<Double>, g: IECPhantomGeometry, radius r: Double, sphereCentres: [SIMD3<Double>]) -> Bool {
        let reach = r + marginMM
        for k in 0..<16 {
            let a = Double(k) * Double.pi / 8
            if !g.bodyContains(x: p.x + reach * cos(a), y: p.y + reach * sin(a)) { return false }
        }
        for (i, s) in g.spheres.enumerated() {
            let d = (p - SIMD2(sphereCentres[i].x, sphereCentres[i].y)).length
            if d < r + marginMM + s.radiusMM + g.sphereWallMM { return false }
        }
        let lung = SIMD2(g.lungInsert.centerMM[0], g.lungInsert.centerMM[1])
        return (p - lung).length >= r + marginMM + g.lungInsert.diameterMM / 2
    }

    public struct Measurement: Sendable {
        public var roiMeans: [Double]
        public var mean: Double
        public var voxelCOV: Double
        public var roiMeanCOV: Double
    }

    /// Measures the ROIs in an image, given the phantom's pose in grid mm.
    /// A voxel belongs to an ROI when its centre, mapped to the phantom
    /// frame, is within the circle and within half a voxel of the plane.
    public static func measure(_ v: Volume, geometry g: IECPhantomGeometry, pose: PhantomPose) -> Measurement {
        let centres = centres(g)
        let r = roiDiameterMM / 2
        let s = v.spacingMM
        let halfThickness = 0.5 * max(s.z, min(s.x, s.y))
        var roiMeans: [Double] = []
        var all: [Float] = []
        for dz in planeOffsetsMM {
            for c in centres {
                // Bounding box of the ROI in the grid.
                let world = pose.toWorld(SIMD3(c.x, c.y, dz))
                let reach = r + 2 * max(s.x, s.y, s.z)
                let lo = SIMD3<Int>((0..<3).map { max(0, Int(floor((world[$0] - reach) / s[$0]))) })
                let hi = SIMD3<Int>((0..<3).map { min(v.dimensions[$0] - 1, Int(ceil((world[$0] + reach) / s[$0]))) })
                guard lo.x <= hi.x, lo.y <= hi.y, lo.z <= hi.z else { continue }
                var values: [Float] = []
                for z in lo.z...hi.z {
                    for y in lo.y...hi.y {
                        for x in lo.x...hi.x {
                            let p = pose.toPhantom(SIMD3<Double>(Double(x), Double(y), Double(z)) * s)
                            let dx = p.x - c.x, dy = p.y - c.y
                            if abs(p.z - dz) <= halfThickness && dx * dx + dy * dy <= r * r {
                                let value = v[x, y, z]
                                if value.isFinite { values.append(value) }
                            }
                        }
                    }
                }
                if values.count >= 3 {
                    roiMeans.append(Statistics.mean(values))
                    all += values
                }
            }
        }
        let mean = Statistics.mean(roiMeans)
        return Measurement(
            roiMeans: roiMeans, mean: mean, voxelCOV: Statistics.standardDeviation(all) / Statistics.mean(all),
            roiMeanCOV: Statistics.standardDeviation(roiMeans) / mean)
    }
}

extension SIMD2 where Scalar == Double {
    var squaredLength: Double { (self * self).sum() }
    var length: Double { squaredLength.squareRoot() }
}
