import Foundation
import IQCore

/// Closed forms for a uniform sphere blurred by an isotropic 3D Gaussian.
public enum RecoveryModels {
    /// Value at the centre of a ball of radius `radiusMM` (concentration 1)
    /// convolved with a Gaussian of standard deviation `sigmaMM`:
    /// `erf(R/(s√2)) − √(2/π)·(R/s)·exp(−R²/(2s²))` (shared/reference/pet-earl.md).
    public static func centreRC(radiusMM r: Double, sigmaMM s: Double) -> Double {
        guard s > 0 else { return 1 }
        return Statistics.erf(r / (s * 2.0.squareRoot())) - (2.0 / Double.pi).squareRoot() * (r / s) * exp(-r * r / (2 * s * s))
    }

    /// The blurred ball's value at distance `distanceMM` from its centre:
    /// ½[erf((R−d)/(s√2)) + erf((R+d)/(s√2))] − s/(d√(2π))·[e^{−(R−d)²/2s²} − e^{−(R+d)²/2s²}].
    public static func ballProfile(radiusMM r: Double, sigmaMM s: Double, distanceMM d: Double) -> Double {
        if s <= 0 { return d <= r ? 1 : 0 }
        if d < 1e-6 * s { return centreRC(radiusMM: r, sigmaMM: s) }
        let k = 2.0.squareRoot() * s
        // libm's erf here: this runs in the resolution fit's inner loop, where GSL's
        // error-estimating erf costs several times more (same values to 1e-15).
        let erfs = 0.5 * (Foundation.erf((r - d) / k) + Foundation.erf((r + d) / k))
        let gauss = s / (d * (2 * Double.pi).squareRoot()) * (exp(-(r - d) * (r - d) / (2 * s * s)) - exp(-(r + d) * (r + d) / (2 * s * s)))
        return erfs - gauss
    }

    /// FWHM in mm for a Gaussian sigma in mm.
    public static func fwhm(sigmaMM: Double) -> Double { sigmaMM * GaussianKernel.fwhmPerSigma }
    public static func sigma(fwhmMM: Double) -> Double { fwhmMM / GaussianKernel.fwhmPerSigma }
}
