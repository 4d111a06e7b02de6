import Foundation
import IQCore

/// A model of what a PET reconstruction does to an activity distribution:
/// resolution, the edge overshoot of PSF (resolution-modelling)
/// reconstructions, and noise whose level follows the scan duration and
/// whose texture follows the reconstruction's smoothing.
///
/// - Resolution: convolution with a Gaussian of `fwhmMM`.
/// - PSF overshoot: `(1 + a)·G(fwhm) − a·G(k·fwhm)` with a = `psfOvershoot`,
///   k = `overshootWidthFactor`: a difference of Gaussians that sharpens
///   edges and rings around them, lifting RCmax of mid-sized spheres above 1
///   as clinical PSF reconstructions do.
/// - Noise: white Gaussian noise smoothed by a Gaussian of the resolution's
///   FWHM (the texture; `noiseTextureFWHMMM` sets another), scaled so that
///   a region at the reference concentration has coefficient of variation
///   `noiseCOV · √(referenceDuration / duration)`, and growing with
///   √(local concentration) as counting noise does.
public struct PETReconstructionModel: Codable, Sendable, Equatable {
    public var fwhmMM: Double
    public var psfOvershoot: Double
    public var overshootWidthFactor: Double
    /// Voxel coefficient of variation at the reference concentration and duration (0 = noise-free).
    public var noiseCOV: Double
    /// FWHM (mm) of the Gaussian that gives the noise its texture; nil: the
    /// resolution's `fwhmMM`. Real reconstructions' noise can be finer or
    /// coarser than their resolution (OSEM iterations, PSF modelling); this
    /// lets a study separate the two.
    public var noiseTextureFWHMMM: Double?
    public var scanDurationS: Double
    public var referenceDurationS: Double
    public var seed: UInt64

    public init(
        fwhmMM: Double, psfOvershoot: Double = 0, overshootWidthFactor: Double = 2, noiseCOV: Double = 0, noiseTextureFWHMMM: Double? = nil,
        scanDurationS: Double = 120, referenceDurationS: Double = 120, seed: UInt64 = 1
    ) {
        self.fwhmMM = fwhmMM
        self.psfOvershoot = psfOvershoot
        self.overshootWidthFactor = overshootWidthFactor
        self.noiseCOV = noiseCOV
        self.noiseTextureFWHMMM = noiseTextureFWHMMM
        self.scanDurationS = scanDurationS
        self.referenceDurationS = referenceDurationS
        self.seed = seed
    }

    /// Throws for settings outside the physical range.
    public func validate() throws {
        guard fwhmMM.isFinite, fwhmMM >= 0, fwhmMM <= 30 else { throw InputError.invalidSetting(name: "--fwhm-mm", problem: "must be 0…30 mm") }
        guard psfOvershoot.isFinite, psfOvershoot >= 0, psfOvershoot <= 2 else {
            throw InputError.invalidSetting(name: "--psf-overshoot", problem: "must be 0…2")
        }
        guard overshootWidthFactor.isFinite, overshootWidthFactor > 1 else {
            throw InputError.invalidSetting(name: "overshoot width factor", problem: "must be > 1")
        }
        guard noiseCOV.isFinite, noiseCOV >= 0, noiseCOV <= 2 else { throw InputError.invalidSetting(name: "--noise", problem: "must be 0…2") }
        if let texture = noiseTextureFWHMMM, !(texture.isFinite && texture >= 0 && texture <= 30) {
            throw InputError.invalidSetting(name: "--noise-texture-fwhm-mm", problem: "must be 0…30 mm")
        }
        guard scanDurationS.isFinite, scanDurationS > 0 else { throw InputError.invalidSetting(name: "--duration-s", problem: "must be positive") }
    }

    /// The effective noise COV at the reference concentration.
    public var effectiveNoiseCOV: Double { noiseCOV * (referenceDurationS / scanDurationS).squareRoot() }

    /// Reconstructs an activity map (Bq/mL).
    /// - Parameter referenceBqML: the concentration at which the noise COV is specified (e.g. the background).
    public func apply(to activity: Volume, referenceBqML: Double) -> Volume {
        var image = GaussianFilter(fwhmMM: fwhmMM).apply(to: activity)
        if psfOvershoot > 0 {
            let wide = GaussianFilter(fwhmMM: fwhmMM * overshootWidthFactor).apply(to: activity)
            let a = Float(psfOvershoot)
            for i in image.voxels.indices { image.voxels[i] = (1 + a) * image.voxels[i] - a * wide.voxels[i] }
        }
        let cov = effectiveNoiseCOV
        guard cov > 0, referenceBqML > 0 else { return image }
        // Correlated noise: white noise through the texture's kernel, rescaled to unit variance.
        var white = [Float](repeating: 0, count: image.count)
        let seed = self.seed
        let nx = image.nx, ny = image.ny
        white.withUnsafeMutableBufferPointer { buffer in
            let out = SharedBuffer(buffer.baseAddress!, count: buffer.count)
            parallelFor(image.nz) { z in
                var rng = SplitMix64.stream(seed: seed, index: z)
                for i in (z * nx * ny)..<((z + 1) * nx * ny) { out[i] = Float(rng.nextNormal()) }
            }
        }
        let texture = GaussianFilter(fwhmMM: max(noiseTextureFWHMMM ?? fwhmMM, 0.01))
        let textured = texture.apply(white, nx: image.nx, ny: image.ny, nz: image.nz, spacingMM: image.spacingMM)
        // Variance of smoothed unit white noise = Σ kernel weights² (per axis, separable).
        let gain = texture.kernels(spacingMM: image.spacingMM).reduce(1.0) { acc, k in acc * k.weights.reduce(0) { $0 + $1 * $1 } }.squareRoot()
        let scale = Float(cov * referenceBqML / gain)
        let reference = Float(referenceBqML)
        for i in image.voxels.indices {
            let mean = max(image.voxels[i], 0)
            image.voxels[i] += scale * textured[i] * (mean / reference).squareRoot()
        }
        return image
    }
}
