import IQCore
import Numerics
import PETQuality
import Simulation
import Testing

/// Noise-free spheres against the closed form of a Gaussian-blurred ball.
@Suite struct RecoveryClosedFormTests {
    /// The closed form itself: limits and a hand-computed value.
    @Test func closedFormLimitsAndValue() {
        #expect(RecoveryModels.centreRC(radiusMM: 18.5, sigmaMM: 0.01) == 1)
        #expect(RecoveryModels.centreRC(radiusMM: 1, sigmaMM: 100) < 1e-5)
        // R = s: erf(1/√2) − √(2/π)·e^{−1/2} = 0.682689 − 0.483941 = 0.198748.
        #expect(RecoveryModels.centreRC(radiusMM: 3, sigmaMM: 3).isApproximatelyEqual(to: 0.198748, absoluteTolerance: 1e-6))
        // The profile at d → 0 meets the centre value, and far away tends to 0.
        #expect(RecoveryModels.ballProfile(radiusMM: 5, sigmaMM: 2, distanceMM: 1e-4).isApproximatelyEqual(
            to: RecoveryModels.centreRC(radiusMM: 5, sigmaMM: 2), absoluteTolerance: 1e-6))
        #expect(RecoveryModels.ballProfile(radiusMM: 5, sigmaMM: 2, distanceMM: 30) < 1e-9)
    }

    /// A sphere centred on a voxel centre, voxelized with 5³ sub-samples and
    /// blurred by the reconstruction model: its centre voxel matches the
    /// closed form for a Gaussian of variance s² + Δ²/12.
    ///
    /// Why that variance, and the tolerance: box-averaging the truth over a
    /// voxel of size Δ adds variance Δ²/12 per axis, which the closed form
    /// must include. The box is not a Gaussian, so the approximation holds
    /// while the sphere spans several voxels. Measured on this grid (run of
    /// 2026-11-23): |error| ≤ 0.009 whenever R ≥ 2Δ (all spheres at 2 mm, all
    /// but the 10 mm sphere at 3 mm, 17 mm and larger at 4.1 mm); 0.010–0.041
    /// when the sphere is under four voxels across (10 mm at 3 and 4.1 mm,
    /// 13 mm at 4.1 mm), where the sub-voxel position of its surface decides
    /// the partial volume. Tolerance: 0.01 where R ≥ 2Δ, 0.045 otherwise.
    @Test(arguments: [2.0, 3.0, 4.1], [3.0, 6.0, 10.0])
    func centreMatchesClosedForm(voxelMM: Double, fwhmMM: Double) {
        for diameter in [10.0, 13.0, 17.0, 22.0, 28.0, 37.0] {
            let r = diameter / 2
            let n = 2 * Int(((r + 3 * fwhmMM) / voxelMM).rounded(.up)) + 1  // odd: the centre is a voxel centre
            let scene = SphereScene(cylinderRadiusMM: 0, background: 0, spheres: [.init(centerMM: .zero, radiusMM: r, value: 1)])
            let truth = scene.render(nx: n, ny: n, nz: n, spacingMM: SIMD3(repeating: voxelMM), supersampling: 5)
            let image = PETReconstructionModel(fwhmMM: fwhmMM).apply(to: truth, referenceBqML: 1)
            let measured = Double(image[n / 2, n / 2, n / 2])
            let sigma = RecoveryModels.sigma(fwhmMM: fwhmMM)
            let expected = RecoveryModels.centreRC(radiusMM: r, sigmaMM: (sigma * sigma + voxelMM * voxelMM / 12).squareRoot())
            let tolerance = r >= 2 * voxelMM ? 0.01 : 0.045
            #expect(abs(measured - expected) <= tolerance, "d \(diameter) mm, voxel \(voxelMM) mm, FWHM \(fwhmMM) mm: \(measured) vs \(expected)")
        }
    }
}
