/// The edge image of the EARL-compliance CNN: the image subtracted from its
/// Gaussian-smoothed copy, `E = G_fwhm(I) − I` (seed abstract: "subtracting a
/// PET image from the 6 mm FWHM Gaussian smoothed image").
///
/// Flat regions give E ≈ 0; a hot spot gives a negative core and a positive
/// rim, whose depth grows with the sharpness of the reconstruction.
public enum EdgeImage {
    /// The FWHM of the seed study, in mm.
    public static let defaultFWHMMM = 6.0

    /// - Parameters:
    ///   - volume: the image; non-finite voxels are treated as 0.
    ///   - fwhmMM: the smoothing FWHM in mm.
    /// - Returns: a volume on the same grid, in the input's unit.
    public static func compute(_ volume: Volume, fwhmMM: Double = defaultFWHMMM, method: GaussianFilter.Method = .automatic) -> Volume {
        var smoothed = GaussianFilter(fwhmMM: fwhmMM, method: method).apply(volume.voxels, nx: volume.nx, ny: volume.ny, nz: volume.nz, spacingMM: volume.spacingMM)
        volume.voxels.withUnsafeBufferPointer { src in
            smoothed.withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count {
                    let v = src[i]
                    dst[i] -= v.isFinite ? v : 0
                }
            }
        }
        return volume.with(voxels: smoothed)
    }
}
