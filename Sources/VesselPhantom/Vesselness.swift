import Foundation
import IQCore

/// Multi-scale Hessian vesselness for bright tubes (Frangi et al., "Multiscale
/// vessel enhancement filtering", MICCAI 1998), with γ = 2 scale
/// normalisation: the Hessian at scale σ is multiplied by σ² (Lindeberg 1998),
/// so that a tube's response does not favour the smallest scale.
public struct Vesselness: Sendable, Codable, Equatable {
    /// Gaussian scales σ in mm. A cylinder of radius r answers best near
    /// σ ≈ r/√2, so the default 0.5…3 mm covers radii of about 0.7…4.25 mm;
    /// thinner vessels still respond at the smallest scale.
    public var scalesMM: [Double]
    /// Frangi's α (plate vs line) and β (blob vs line).
    public var alpha: Double
    public var beta: Double
    /// Frangi's c in HU: the structure strength (σ²-normalised Frobenius
    /// norm of the Hessian) at which the response is half saturated.
    /// An absolute value keeps the vesselness comparable across scans.
    public var cHU: Double

    public init(scalesMM: [Double] = [0.5, 0.9, 1.6, 3.0], alpha: Double = 0.5, beta: Double = 0.5, cHU: Double = 100) {
        self.scalesMM = scalesMM
        self.alpha = alpha
        self.beta = beta
        self.cHU = cHU
    }

    /// Frangi's measure for eigenvalues sorted |λ1| ≤ |λ2| ≤ |λ3| (already σ²-scaled).
    @inline(__always)
    public func response(_ l: SIMD3<Double>) -> Double {
        // Bright tube on dark background: λ2 and λ3 strongly negative.
        if l.y >= 0 || l.z >= 0 { return 0 }
        let a2 = abs(l.y), a3 = abs(l.z)
        let ra = a2 / a3
        let rb = abs(l.x) / (a2 * a3).squareRoot()
        let s2 = (l * l).sum()
        return (1 - exp(-ra * ra / (2 * alpha * alpha))) * exp(-rb * rb / (2 * beta * beta)) * (1 - exp(-s2 / (2 * cHU * cHU)))
    }

    /// The maximum response over scales, 0…1, at every voxel; voxels where
    /// `roi` is false get 0 and are not computed.
    ///
    /// Each scale smooths the volume (`SymmetricSmoothing`, the Gaussian
    /// kernel of `GaussianFilter`), takes the Hessian by central differences
    /// and evaluates Frangi's measure; the eigen-analysis is skipped where it
    /// cannot change the result:
    /// - trace ≥ 0: a bright tube needs λ2, λ3 < 0 and |λ1| ≤ |λ2|, so the
    ///   trace is negative; the response is 0;
    /// - the structure factor 1 − exp(−S²/2c²), with S² = Σλ² the squared
    ///   Frobenius norm of the Hessian (no eigenvalues needed), bounds the
    ///   response from above: if it does not exceed the best response of
    ///   the earlier scales, this scale cannot win;
    /// - on voxels whose raw intensity is at or below `floorAtOrBelowHU`, the
    ///   caller only needs to know whether the vesselness reaches `floor`:
    ///   a scale whose bound is below `floor` is skipped there. Such voxels
    ///   get their exact vesselness if it is ≥ `floor`, and otherwise a value
    ///   that is still below `floor` (possibly 0, with scale −1).
    /// With the defaults (`floor` 0) every voxel's value is exact.
    /// - Returns: vesselness (x-fastest) and the scale index that won (−1 where 0).
    public func apply(_ volume: Volume, roi: [Bool]? = nil, floor: Double = 0, floorAtOrBelowHU: Double = -.infinity) -> (value: [Float], bestScale: [Int8]) {
        let nx = volume.nx, ny = volume.ny, nz = volume.nz
        var best = [Float](repeating: 0, count: volume.count)
        var bestScale = [Int8](repeating: -1, count: volume.count)
        let inv = SIMD3<Double>(1 / volume.spacingMM.x, 1 / volume.spacingMM.y, 1 / volume.spacingMM.z)
        let hxx = inv.x * inv.x, hyy = inv.y * inv.y, hzz = inv.z * inv.z
        let hxy = 0.25 * inv.x * inv.y, hxz = 0.25 * inv.x * inv.z, hyz = 0.25 * inv.y * inv.z
        // Upper bound of the response without eigenvalues: Ra = |λ2|/|λ3| ≤ 1,
        // so the plate factor is at most k = 1 − exp(−1/2α²); the blob factor
        // is at most 1; the structure factor is 1 − exp(−S²/2c²).
        // k (1 − exp(−S²/2c²)) < floor ⇔ S² < −2c² ln(1 − floor/k); shrunk by
        // 1e-6 so that Float rounding of the response cannot reach `floor`.
        let twoC2 = 2 * cHU * cHU
        let plateMax = -expm1(-1 / (2 * alpha * alpha))
        let floorS2 = floor > 0 ? -twoC2 * log1p(-min(floor * (1 - 1e-6) / plateMax, 1)) : 0
        let floorHU = Float(floorAtOrBelowHU)
        let plane = nx * ny
        // One smoothing buffer for all scales (fewer page faults than a fresh one each).
        var smoothed = [Float](repeating: 0, count: volume.count)
        for (s, sigma) in scalesMM.enumerated() {
            let sigmaVoxels = SIMD3(sigma / volume.spacingMM.x, sigma / volume.spacingMM.y, sigma / volume.spacingMM.z)
            SymmetricSmoothing.apply(volume.voxels, into: &smoothed, nx: nx, ny: ny, nz: nz, sigmaVoxels: sigmaVoxels)
            let norm = sigma * sigma
            let me = self
            smoothed.withUnsafeBufferPointer { src in
                volume.voxels.withUnsafeBufferPointer { raw in
                    best.withUnsafeMutableBufferPointer { bb in
                        bestScale.withUnsafeMutableBufferPointer { sb in
                            guard let base = src.baseAddress, let rawBase = raw.baseAddress,
                                  let outBase = bb.baseAddress, let scaleBase = sb.baseAddress else { return }
                            let input = SharedBuffer(UnsafeMutablePointer(mutating: base), count: src.count)
                            let intensity = SharedBuffer(UnsafeMutablePointer(mutating: rawBase), count: raw.count)
                            let out = SharedBuffer(outBase, count: bb.count)
                            let outScale = SharedBuffer(scaleBase, count: sb.count)
                            let roiFlags = roi
                            parallelFor(nz) { z in
                                let p = UnsafePointer(input.base)
                                let zm = max(z - 1, 0) - z, zp = min(z + 1, nz - 1) - z
                                for y in 0..<ny {
                                    let ym = max(y - 1, 0) - y, yp = min(y + 1, ny - 1) - y
                                    let row = nx * (y + ny * z)
                                    for x in 0..<nx {
                                        let i = row + x
                                        if let roiFlags, !roiFlags[i] { continue }
                                        let xm = max(x - 1, 0) - x, xp = min(x + 1, nx - 1) - x
                                        // Offsets of the neighbours (replicated at the border).
                                        let dxm = xm, dxp = xp, dym = ym * nx, dyp = yp * nx, dzm = zm * plane, dzp = zp * plane
                                        @inline(__always) func v(_ o: Int) -> Double { Double(p[i + o]) }
                                        let c2 = 2 * v(0)
                                        let xx = (v(dxp) - c2 + v(dxm)) * hxx * norm
                                        let yy = (v(dyp) - c2 + v(dym)) * hyy * norm
                                        let zz = (v(dzp) - c2 + v(dzm)) * hzz * norm
                                        if xx + yy + zz >= 0 { continue }
                                        let xy = (v(dxp + dyp) - v(dxp + dym) - v(dxm + dyp) + v(dxm + dym)) * hxy * norm
                                        let xz = (v(dxp + dzp) - v(dxp + dzm) - v(dxm + dzp) + v(dxm + dzm)) * hxz * norm
                                        let yz = (v(dyp + dzp) - v(dyp + dzm) - v(dym + dzp) + v(dym + dzm)) * hyz * norm
                                        let s2 = xx * xx + yy * yy + zz * zz + 2 * (xy * xy + xz * xz + yz * yz)
                                        if s2 < floorS2 && intensity[i] <= floorHU { continue }
                                        let current = out[i]
                                        if current > 0 && Float(plateMax * -expm1(-s2 / twoC2)) * (1 + 1e-6) <= current { continue }
                                        let l = Hessian.eigenvalues(xx: xx, yy: yy, zz: zz, xy: xy, xz: xz, yz: yz)
                                        let r = Float(me.response(l))
                                        if r > current {
                                            out[i] = r
                                            outScale[i] = Int8(s)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (best, bestScale)
    }
}
