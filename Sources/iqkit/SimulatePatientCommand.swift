import ArgumentParser
import IQCore
import Simulation

struct SimulatePatient: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patient",
        abstract: "A randomised anthropomorphic PET scan (Bq/mL): activity map, optionally reconstructed (resolution, PSF overshoot, noise); whole body or a few bed positions.")

    @Argument(help: "Output image (.nii, .nii.gz or .hdr).") var output: String
    @Option(help: "Anatomy seed (same seed, same patient).") var seed: UInt64 = 1
    @Option(help: "Voxel size in mm (isotropic).") var voxelMM: Double = 4
    @Option(help: "In-plane matrix (field of view = matrix × voxel size).") var matrix: Int = 150
    @Option(help: "Bed positions of 160 mm centred on the chest (0 = whole body).") var bedPositions: Int = 0
    @Option(help: "Partial-volume sub-samples per axis.") var supersampling: Int = 2
    @Option(help: "Reconstruction resolution: Gaussian FWHM in mm (0 for none).") var fwhmMM: Double = 0
    @Option(help: "PSF-reconstruction edge overshoot (0 = none), as in `simulate nema`.") var psfOvershoot: Double = 0
    @Option(help: "Noise: voxel COV at the soft-tissue (torso) concentration (0 = noise-free).") var noise: Double = 0
    @Option(help: "FWHM in mm of the noise's texture (default: the resolution's --fwhm-mm); another value makes noise finer or coarser than the resolution, as some reconstructions' is.")
    var noiseTextureFwhmMM: Double?
    @Option(help: "Seed of the noise.") var noiseSeed: UInt64 = 1
    @Flag(help: "Draw arms beside the torso.") var arms = false

    func validate() throws {
        guard voxelMM.isFinite, voxelMM >= 0.5, voxelMM <= 20 else { throw ValidationError("--voxel-mm must be 0.5…20") }
        guard (16...1024).contains(matrix) else { throw ValidationError("--matrix must be 16…1024") }
        guard (0...10).contains(bedPositions), (1...6).contains(supersampling) else { throw ValidationError("--bed-positions must be 0…10 and --supersampling 1…6") }
    }

    func run() throws {
        try FileChecks.requireOutput(output, inputs: [])
        let model = PETReconstructionModel(fwhmMM: fwhmMM, psfOvershoot: psfOvershoot, noiseCOV: noise, noiseTextureFWHMMM: noiseTextureFwhmMM, seed: noiseSeed)
        try model.validate()
        let phantom = AnthropomorphicPhantom.random(seed: seed, options: .init(arms: arms))
        let z = bedPositions == 0 ? phantom.bodyZRangeMM : phantom.bedPositionsZRangeMM(count: bedPositions)
        var volume = phantom.render(spacingMM: SIMD3(repeating: voxelMM), matrix: matrix, zRangeMM: z, supersampling: supersampling)
        if fwhmMM > 0 || noise > 0 {
            volume = model.apply(to: volume, referenceBqML: phantom.region(named: "torso")?.activityBqML ?? 5000)
        }
        try NIfTIWriter.write(volume, to: output)
    }
}
