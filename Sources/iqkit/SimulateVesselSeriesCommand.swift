import ArgumentParser
import Foundation
import IQCore
import Simulation

struct SimulateVesselSeries: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vessel-series",
        abstract: "Simulate the CT lung-vessel phantom series (doses × recons × repetitions) with truth and a manifest.",
        discussion: """
            Recons: FBP (Shepp–Logan), iterative (hybrid stand-in: FBP + guided edge-preserving denoising) and DL \
            (stand-in: a learned linear 5×5 filter trained on simulated low/high-dose pairs of another phantom).
            """)

    @Argument(help: "Output folder.") var outdir: String
    @Option(parsing: .upToNextOption, help: "CTDIvol values in mGy.") var doses: [Double] = [0.2, 0.5, 1.0, 2.1, 4.0]
    @Option(parsing: .upToNextOption, help: "Reconstructions: FBP, iterative, DL.") var recons: [String] = ["FBP", "iterative", "DL"]
    @Option(help: "Repetitions per dose.") var repetitions: Int = 4
    @Option(parsing: .upToNextOption, help: "Grid size x y z in voxels (--matrix 512 512 100).") var matrix: [Int] = []
    @Option(help: "Voxel size in mm (isotropic).") var voxelMM: Double = 0.8
    @Option(help: "Random seed.") var seed: UInt64 = 2024
    @Option(help: ArgumentHelp("Write only truth/ plus one image with white Gaussian noise of this SD (HU) added to the noise-free phantom (no CT model; for benchmarks).", valueName: "HU"))
    var imageNoiseHU: Double?

    func validate() throws {
        guard !doses.isEmpty, doses.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 1000 }) else { throw ValidationError("--doses must be CTDIvol values in (0, 1000] mGy") }
        guard !recons.isEmpty, recons.allSatisfy(VesselSeries.knownRecons.contains) else { throw ValidationError("--recons must be among FBP, iterative, DL") }
        guard (1...20).contains(repetitions) else { throw ValidationError("--repetitions must be 1…20") }
        guard voxelMM.isFinite, (0.2...2).contains(voxelMM) else { throw ValidationError("--voxel-mm must be 0.2…2 mm") }
        guard matrix.isEmpty || (matrix.count == 3 && matrix.allSatisfy { (16...1024).contains($0) }) else {
            throw ValidationError("--matrix takes three sizes, each 16…1024")
        }
    }

    func run() throws {
        try FileChecks.requireOutputFolder(outdir)
        var series = VesselSeries()
        series.dosesMGy = doses
        series.recons = recons
        series.repetitions = repetitions
        series.seed = seed
        series.voxelMM = SIMD3(repeating: voxelMM)
        if matrix.count == 3 {
            series.nx = matrix[0]
            series.ny = matrix[1]
            series.nz = matrix[2]
        }
        if let sd = imageNoiseHU {
            guard sd.isFinite, sd >= 0 else { throw ValidationError("--image-noise-hu must be ≥ 0") }
            print(try series.writeNoisyPhantom(to: outdir, noiseSDHU: sd))
            return
        }
        let progress = ProgressReporter("simulated", total: series.progressSteps)
        let manifest: String
        do {
            defer { progress.finish() }
            manifest = try series.write(to: outdir) { note in progress.advance(note: note) }
        }
        print(manifest)
    }
}
