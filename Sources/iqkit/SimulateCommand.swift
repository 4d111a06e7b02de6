import ArgumentParser
import Foundation
import IQCore
import Simulation

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write digital phantoms with known ground truth.",
        subcommands: [SimulateSpheres.self, SimulateNema.self, SimulatePatient.self, SimulatePetPatients.self, SimulateRelabel.self, SimulateVesselSeries.self])
}

struct SimulateSpheres: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spheres",
        abstract: "Six hot spheres (IEC diameters, 10:1) in a warm cylinder, noise-free, in Bq/mL.")

    @Argument(help: "Output image (.nii, .nii.gz or .hdr).") var output: String
    @Option(help: "Voxel size in mm (isotropic).") var voxelMM: Double = 2.0
    @Option(help: "Grid size in voxels along x and y.") var matrix: Int = 128
    @Option(help: "Number of slices.") var slices: Int = 48
    @Option(help: "Gaussian resolution FWHM in mm applied after sampling (0 for none).") var fwhmMM: Double = 0

    func validate() throws {
        guard voxelMM.isFinite, voxelMM > 0 else { throw ValidationError("--voxel-mm must be positive") }
        guard (8...1024).contains(matrix), (1...1024).contains(slices) else { throw ValidationError("--matrix must be 8…1024 and --slices 1…1024") }
    }

    func run() throws {
        try FileChecks.requireOutput(output, inputs: [])
        let filter = GaussianFilter(fwhmMM: fwhmMM)
        try filter.validate()
        let spacing = SIMD3<Double>(repeating: voxelMM)
        var volume = SphereScene.iecLike.render(nx: matrix, ny: matrix, nz: slices, spacingMM: spacing, unit: "Bq/mL")
        if fwhmMM > 0 { volume = filter.apply(to: volume) }
        try NIfTIWriter.write(volume, to: output)
    }
}
