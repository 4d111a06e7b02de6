import Foundation
import IQCore

/// Recovery-coefficient measurements of one sphere in an image.
///
/// Positions are grid millimetres (voxel index × spacing).
/// - RCmax: hottest voxel whose centre lies within the sphere's radius.
/// - RCmean (A50): mean of the voxels ≥ B + 0.5·(max − B), 26-connected to
///   the hottest voxel, within the radius plus two voxels (so the contour is
///   not clipped by the VOI).
/// - RCpeak: mean over the voxels whose centres lie within 6.2 mm (a 1 mL
///   sphere) of a voxel centre, maximised over voxel centres inside the
///   sphere's radius ("placed to maximise the mean", not "centred on the
///   hottest voxel").
public struct SphereMeasurement: Sendable {
    public var maxValue: Double
    public var a50Mean: Double
    public var a50Voxels: Int
    public var peakMean: Double
    /// Grid position of the hottest voxel.
    public var maxIndex: SIMD3<Int>

    public static let peakRadiusMM = 6.2
    public static let peakDefinition =
        "mean over voxels whose centres lie within 6.2 mm (1 mL sphere) of a voxel centre, maximised over voxel centres inside the sphere"

    /// Measures the sphere of `radiusMM` centred at `centerMM` over background `background`.
    public static func measure(_ v: Volume, centerMM c: SIMD3<Double>, radiusMM r: Double, background b: Double) -> SphereMeasurement {
        let s = v.spacingMM
        let reach = r + 2 * max(s.x, s.y, s.z)
        let lo = SIMD3<Int>((0..<3).map { max(0, Int(floor((c[$0] - reach) / s[$0]))) })
        let hi = SIMD3<Int>((0..<3).map { min(v.dimensions[$0] - 1, Int(ceil((c[$0] + reach) / s[$0]))) })
        func distance2(_ x: Int, _ y: Int, _ z: Int) -> Double {
            let d = SIMD3<Double>(Double(x), Double(y), Double(z)) * s - c
            return (d * d).sum()
        }
        // The voxels inside the sphere; at least the voxel nearest the centre.
        var inside: [SIMD3<Int>] = []
        if lo.x <= hi.x, lo.y <= hi.y, lo.z <= hi.z {
            for z in lo.z...hi.z { for y in lo.y...hi.y { for x in lo.x...hi.x where distance2(x, y, z) <= r * r { inside.append(SIMD3(x, y, z)) } } }
        }
        if inside.isEmpty {
            let nearest = SIMD3<Int>((0..<3).map { min(max(Int((c[$0] / s[$0]).rounded()), 0), v.dimensions[$0] - 1) })
            inside.append(nearest)
        }
        var best = inside[0]
        var maxValue = -Double.infinity
        for p in inside {
            let value = Double(v[p.x, p.y, p.z])
            if value.isFinite && value > maxValue {
                maxValue = value
                best = p
            }
        }
        if !maxValue.isFinite { maxValue = 0 }

        // A50: flood fill from the hottest voxel above the threshold, within reach.
        let threshold = b + 0.5 * (maxValue - b)
        var inRegion = Set<Int>()
        var stack = [best]
        var sum = 0.0
        inRegion.insert(v.index(best.x, best.y, best.z))
        while let p = stack.popLast() {
            sum += Double(v[p.x, p.y, p.z])
            for dz in -1...1 {
                for dy in -1...1 {
                    for dx in -1...1 {
                        let q = p &+ SIMD3(dx, dy, dz)
                        if q.x < lo.x || q.y < lo.y || q.z < lo.z || q.x > hi.x || q.y > hi.y || q.z > hi.z { continue }
                        if distance2(q.x, q.y, q.z) > reach * reach { continue }
                        let i = v.index(q.x, q.y, q.z)
                        if inRegion.contains(i) { continue }
                        let value = Double(v.voxels[i])
                        if value.isFinite && value >= threshold {
                            inRegion.insert(i)
                            stack.append(q)
                        }
                    }
                }
            }
        }
        let a50Mean = sum / Double(max(inRegion.count, 1))

        // Peak: 1 mL sphere maximised over centres inside the sphere.
        let pr = peakRadiusMM
        let ext = SIMD3<Int>((0..<3).map { Int(floor(pr / s[$0])) })
        var kernel: [SIMD3<Int>] = []
        for dz in -ext.z...ext.z {
            for dy in -ext.y...ext.y {
                for dx in -ext.x...ext.x {
                    let d = SIMD3<Double>(Double(dx), Double(dy), Double(dz)) * s
                    if (d * d).sum() <= pr * pr { kernel.append(SIMD3(dx, dy, dz)) }
                }
            }
        }
        var peak = -Double.infinity
        for p in inside {
            var total = 0.0
            var n = 0
            for k in kernel {
                let q = p &+ k
                if q.x < 0 || q.y < 0 || q.z < 0 || q.x >= v.nx || q.y >= v.ny || q.z >= v.nz { continue }
                let value = Double(v[q.x, q.y, q.z])
                if value.isFinite {
                    total += value
                    n += 1
                }
            }
            if n > 0 { peak = max(peak, total / Double(n)) }
        }
        return SphereMeasurement(maxValue: maxValue, a50Mean: a50Mean, a50Voxels: inRegion.count, peakMean: peak.isFinite ? peak : 0, maxIndex: best)
    }
}
