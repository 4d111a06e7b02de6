import Foundation
import IQCore
import PETQuality
import Simulation

/// Shared set-up for the PET tests: the repository's phantom data and
/// simulated phantoms.
enum PhantomFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let geometry: IECPhantomGeometry = try! IECPhantomGeometry.load(root + "/Phantoms/iec-body.yaml")
    static let earl1: EARLStandard = try! EARLStandard.load(root + "/Phantoms/standards/earl1.yaml")
    static let earl2: EARLStandard = try! EARLStandard.load(root + "/Phantoms/standards/earl2.yaml")
    static let provenance = Provenance(inputs: [], settings: [:])

    /// A reconstructed phantom on a grid centred on the phantom (plus `shiftMM`).
    static func phantom(
        voxelMM: Double = 2.5, model: PETReconstructionModel, axialDeg: Double = 0, tiltDeg: Double = 0, shiftMM: SIMD3<Double> = .zero,
        geometry: IECPhantomGeometry = geometry, fieldOfViewMM: Double = 330, axialLengthMM: Double = 160
    ) -> (image: Volume, pose: PhantomPose) {
        let spacing = SIMD3<Double>(repeating: voxelMM)
        let grid = IECPhantomSimulator.grid(voxelMM: spacing, fieldOfViewMM: fieldOfViewMM, axialLengthMM: axialLengthMM)
        let centre = SIMD3<Double>(Double(grid.nx - 1), Double(grid.ny - 1), Double(grid.nz - 1)) * spacing / 2
        let pose = PhantomPose(axialDeg: axialDeg, tiltDeg: tiltDeg, translationMM: centre + shiftMM)
        let truth = IECPhantomSimulator(geometry: geometry).render(nx: grid.nx, ny: grid.ny, nz: grid.nz, spacingMM: spacing, pose: pose)
        return (model.apply(to: truth, referenceBqML: 2000), pose)
    }

    static func analyzer(_ standards: [EARLStandard] = [earl1, earl2], settings: NEMASettings = NEMASettings()) -> NEMAAnalyzer {
        NEMAAnalyzer(geometry: geometry, standards: standards, settings: settings)
    }
}
