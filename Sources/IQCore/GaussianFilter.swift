import Foundation

/// Gaussian smoothing of volumes, given a FWHM in mm.
///
/// Per-axis sigma in voxels is `fwhmMM / 2.35482 / spacingMM[axis]`, so
/// anisotropic voxels are smoothed isotropically in mm. Boundaries reflect
/// (see `Reflect`); non-finite voxels are treated as 0. Two paths give the
/// same result: a direct separable convolution and an FFT convolution; the
/// filter picks the faster one for the kernel and grid.
public struct GaussianFilter: Sendable {
    public enum Method: String, Sendable, CaseIterable, Codable {
        case automatic, direct, fft
    }

    /// Full width at half maximum in mm, per axis (x, y, z).
    public let fwhmMM: SIMD3<Double>
    public var method: Method

    /// An isotropic filter.
    public init(fwhmMM: Double, method: Method = .automatic) {
        self.init(fwhmMM: SIMD3(repeating: fwhmMM), method: method)
    }

    public init(fwhmMM: SIMD3<Double>, method: Method = .automatic) {
        self.fwhmMM = fwhmMM
        self.method = method
    }

    /// The widest filter accepted, in mm: beyond any body's size (a 10¹⁸ mm
    /// FWHM trapped converting its kernel radius to Int).
    public static let maxFWHMMM = 1000.0

    /// Throws unless every FWHM is within 0…`maxFWHMMM` (so finite).
    public func validate() throws {
        for axis in 0..<3 where !(0...Self.maxFWHMMM).contains(fwhmMM[axis]) {
            throw InputError.invalidSetting(name: "--fwhm-mm", problem: "FWHM must be 0…\(Int(Self.maxFWHMMM)) mm, got \(fwhmMM[axis])")
        }
    }

    /// The three 1D kernels for a grid spacing.
    public func kernels(spacingMM: SIMD3<Double>) -> [GaussianKernel] {
        (0..<3).map { GaussianKernel(sigmaVoxels: GaussianKernel.sigmaVoxels(fwhmMM: fwhmMM[$0], spacingMM: spacingMM[$0])) }
    }

    /// The path `.automatic` resolves to for a grid.
    ///
    /// Cost model: the direct path costs the sum of the kernel lengths in
    /// multiply-adds per voxel; the FFT path about `c · log2(padded size)`
    /// per padded voxel, with c = 2.3 fitted to the edge-image benchmark
    /// (FFT 1.9× slower than 33 direct taps on a 400×400×300 grid; BENCHMARKS.md).
    public func resolvedMethod(nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>) -> Method {
        if method != .automatic { return method }
        let k = kernels(spacingMM: spacingMM)
        let taps = Double(k.reduce(0) { $0 + $1.weights.count })
        let dims = [nx, ny, nz]
        let padded = (0..<3).reduce(1.0) { $0 * Double(FFTW.fastSize(dims[$1] + 2 * k[$1].radius)) }
        let fftCost = 2.3 * log2(padded) * padded / Double(nx * ny * nz)
        return taps <= fftCost ? .direct : .fft
    }

    /// The smoothed copy of a volume (same grid and geometry).
    public func apply(to volume: Volume) -> Volume {
        volume.with(voxels: apply(volume.voxels, nx: volume.nx, ny: volume.ny, nz: volume.nz, spacingMM: volume.spacingMM))
    }

    /// Smooths raw voxels in x-fastest order.
    public func apply(_ voxels: [Float], nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>) -> [Float] {
        let k = kernels(spacingMM: spacingMM)
        switch resolvedMethod(nx: nx, ny: ny, nz: nz, spacingMM: spacingMM) {
        case .fft:
            if let result = FFTConvolution.apply(voxels, nx: nx, ny: ny, nz: nz, kernels: k) { return result }
            // FFTW could not allocate its padded buffer: the direct path needs less memory.
            return SeparableConvolution.apply(voxels, nx: nx, ny: ny, nz: nz, kernels: k)
        case .direct, .automatic:
            return SeparableConvolution.apply(voxels, nx: nx, ny: ny, nz: nz, kernels: k)
        }
    }
}
