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
    /// - Returns: vesselness (x-fastest) and the scale index that won (−1 where 0).
    public func apply(_ volume: Volume, roi: [Bool]? = nil) -> (value: [Float], bestScale: [Int8]) {
        let nx = volume.nx, ny = volume.ny, nz = volume.nz
        var best = [Float](repeating: 0, count: volume.count)
        var bestScale = [Int8](repeating: -1, count: volume.count)
        let inv = SIMD3<Double>(1 / volume.spacingMM.x, 1 / volume.spacingMM.y, 1 / volume.spacingMM.z)
        for (s, sigma) in scalesMM.enumerated() {
            let smoothed = GaussianFilter(fwhmMM: sigma * 2.35482).apply(volume.voxels, nx: nx, ny: ny, nz: nz, spacingMM: volume.spacingMM)
            let norm = sigma * sigma
            let me = self
            smoothed.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                let input = SharedBuffer(UnsafeMutablePointer(mutating: base), count: src.count)
                best.withUnsafeMutableBufferPointer { bb in
                    bestScale.withUnsafeMutableBufferPointer { sb in
                        guard let outBase = bb.baseAddress, let scaleBase = sb.baseAddress else { return }
                        let out = SharedBuffer(outBase, count: bb.count)
                        let outScale = SharedBuffer(scaleBase, count: sb.count)
                        let roiFlags = roi
                        parallelFor(nz) { z in
                            for y in 0..<ny {
                                for x in 0..<nx {
                                    let i = x + nx * (y + ny * z)
                                    if let roiFlags, !roiFlags[i] { continue }
                                    let h = Hessian.secondDerivatives(UnsafePointer(input.base), nx: nx, ny: ny, nz: nz, x: x, y: y, z: z, inverseSpacingMM: inv)
                                    let l = Hessian.eigenvalues(
                                        xx: h.xx * norm, yy: h.yy * norm, zz: h.zz * norm, xy: h.xy * norm, xz: h.xz * norm, yz: h.yz * norm)
                                    let r = Float(me.response(l))
                                    if r > out[i] {
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
        return (best, bestScale)
    }
}
