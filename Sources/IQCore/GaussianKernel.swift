import Foundation

/// A sampled, truncated, normalised 1D Gaussian.
///
/// Matches `scipy.ndimage.gaussian_filter` (truncate = 4): radius
/// `Int(truncate · sigma + 0.5)` voxels, weights `exp(-x²/(2 sigma²))`
/// divided by their sum.
public struct GaussianKernel: Sendable, Equatable {
    /// FWHM = sigma · 2 √(2 ln 2) (≈ 2.35482).
    public static let fwhmPerSigma = 2.0 * (2.0 * log(2.0)).squareRoot()
    /// Truncation in sigmas, as scipy's default.
    public static let truncate = 4.0

    /// Sigma in voxels.
    public let sigmaVoxels: Double
    /// Weights for offsets -radius...radius.
    public let weights: [Double]
    public var radius: Int { weights.count / 2 }

    public init(sigmaVoxels: Double) {
        self.sigmaVoxels = sigmaVoxels
        guard sigmaVoxels > 0 else {
            weights = [1]
            return
        }
        let radius = Int(Self.truncate * sigmaVoxels + 0.5)
        var w = (-radius...radius).map { x in exp(-0.5 * Double(x * x) / (sigmaVoxels * sigmaVoxels)) }
        let sum = w.reduce(0, +)
        w = w.map { $0 / sum }
        weights = w
    }

    /// Sigma in voxels for a FWHM in mm on an axis of the given spacing.
    public static func sigmaVoxels(fwhmMM: Double, spacingMM: Double) -> Double {
        fwhmMM / fwhmPerSigma / spacingMM
    }
}
