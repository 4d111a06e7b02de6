import Foundation
import IQCore

/// The effective resolution of a reconstruction from its sphere images: the
/// FWHM of the Gaussian that, convolved with walled spheres, best explains
/// the voxel values around the four largest spheres.
///
/// Model per sphere: `v(d) = B·(1 − P(d; R + w, s)) + A·P(d; R, s)` with P
/// the blurred-ball profile (`RecoveryModels.ballProfile`), w the cold wall,
/// B the background, A a free amplitude per sphere (so calibration and PSF
/// overshoot do not bias the width), one s for all spheres. The voxel grid
/// itself blurs by its box: s² = s_recon² + mean(Δ²)/12, and the reported
/// FWHM is that of s_recon.
public enum ResolutionFit {
    public static func effectiveFWHM(
        _ v: Volume, centersMM: [SIMD3<Double>], radiiMM: [Double], wallMM: Double, background: Double, spheres: Int = 4
    ) -> Double? {
        let order = radiiMM.indices.sorted { radiiMM[$0] > radiiMM[$1] }.prefix(spheres)
        var samples: [(sphere: Int, d: Double, value: Double)] = []
        let s = v.spacingMM
        for (k, i) in order.enumerated() {
            let c = centersMM[i]
            let reach = radiiMM[i] + 15
            let lo = SIMD3<Int>((0..<3).map { max(0, Int(floor((c[$0] - reach) / s[$0]))) })
            let hi = SIMD3<Int>((0..<3).map { min(v.dimensions[$0] - 1, Int(ceil((c[$0] + reach) / s[$0]))) })
            guard lo.x <= hi.x, lo.y <= hi.y, lo.z <= hi.z else { continue }
            for z in lo.z...hi.z {
                for y in lo.y...hi.y {
                    for x in lo.x...hi.x {
                        let d = (SIMD3<Double>(Double(x), Double(y), Double(z)) * s - c)
                        let dist = (d * d).sum().squareRoot()
                        let value = Double(v[x, y, z])
                        if dist <= reach && value.isFinite { samples.append((k, dist, value)) }
                    }
                }
            }
        }
        guard samples.count > 20 else { return nil }
        let radii = order.map { radiiMM[$0] }
        let boxVariance = (s.x * s.x + s.y * s.y + s.z * s.z) / 3 / 12
        // Sum of squared residuals with the best amplitude per sphere (linear in A).
        func cost(_ sigma: Double) -> Double {
            var num = [Double](repeating: 0, count: radii.count), den = num
            var p = [Double](repeating: 0, count: samples.count), q = p
            for (n, sample) in samples.enumerated() {
                let r = radii[sample.sphere]
                p[n] = RecoveryModels.ballProfile(radiusMM: r, sigmaMM: sigma, distanceMM: sample.d)
                q[n] = background * (1 - RecoveryModels.ballProfile(radiusMM: r + wallMM, sigmaMM: sigma, distanceMM: sample.d))
                num[sample.sphere] += p[n] * (sample.value - q[n])
                den[sample.sphere] += p[n] * p[n]
            }
            let amplitude = zip(num, den).map { $1 > 0 ? $0 / $1 : 0 }
            var total = 0.0
            for (n, sample) in samples.enumerated() {
                let e = sample.value - q[n] - amplitude[sample.sphere] * p[n]
                total += e * e
            }
            return total
        }
        // Coarse scan of the total blur, then golden-section refinement.
        let sMin = max(boxVariance.squareRoot() * 0.5, 0.2)
        let grid = stride(from: sMin, through: 12.0, by: 0.25).map { $0 }
        let costs = grid.map(cost)
        guard let best = costs.indices.min(by: { costs[$0] < costs[$1] }) else { return nil }
        var a = grid[max(best - 1, 0)], b = grid[min(best + 1, grid.count - 1)]
        let phi = (5.0.squareRoot() - 1) / 2
        var c = b - phi * (b - a), d = a + phi * (b - a)
        var fc = cost(c), fd = cost(d)
        for _ in 0..<30 {
            if fc < fd {
                b = d; d = c; fd = fc
                c = b - phi * (b - a); fc = cost(c)
            } else {
                a = c; c = d; fc = fd
                d = a + phi * (b - a); fd = cost(d)
            }
        }
        let total = (a + b) / 2
        let recon = max(total * total - boxVariance, 0).squareRoot()
        return RecoveryModels.fwhm(sigmaMM: recon)
    }
}
