import ArgumentParser
import EARLClassifier
import Foundation
import IQCore
import SparseCNN

/// Timings for `make bench`: preprocessing, the default two-stage network on
/// the scan's active set, and the same convolutions run densely (every voxel
/// of the resampled grid active), so the sparse speed-up is measured on the
/// same kernels and the same BLAS.
struct EarlProfile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Time preprocessing and sparse vs dense convolution on a scan (JSON to stdout).", shouldDisplay: false)

    @Argument(help: "PET scan.") var scan: String
    @Option(help: "Voxel size of the network input in mm.") var voxelMM: Double = ScanPreprocessor.defaultInput.voxelSizeMM
    @Option(help: "Repetitions of the sparse runs (the minimum time is reported); the dense run is timed once after a warm-up.") var repeats: Int = 3
    @Flag(help: "Skip the dense comparison (it needs memory for every voxel of the grid).") var noDense = false
    @OptionGroup var read: ReadOptions

    struct Timing: Codable {
        var scan: String
        var gridVoxels: Int
        var activeVoxels: Int
        var preprocessSeconds: Double
        /// First run on the scan: includes building the neighbour lists (what `earl check` pays).
        var twoStageColdSeconds: Double
        /// Later runs (neighbour lists cached on the active set): the arithmetic alone.
        var twoStageSparseSeconds: Double
        var fullResolutionSparseSeconds: Double
        var fullResolutionDenseSeconds: Double?
        var speedUp: Double?
        var threads: Int
    }

    func run() throws {
        var input = ScanPreprocessor.defaultInput
        input.voxelSizeMM = voxelMM
        let volume = try loadFinite(scan, read.nifti)
        let pre = try ScanPreprocessor(input: input)
        var t0 = Date()
        let prepared = try pre.prepare(volume, path: scan)
        let preprocess = Date().timeIntervalSince(t0)
        let channels = input.features.count
        let model = try EARLModel(
            stage1: Network(architecture: .earlDefault(inputChannels: channels, classes: EARLModel.stage1Classes), seed: 1),
            stage2: Network(architecture: .earlDefault(inputChannels: channels, classes: EARLModel.stage2Classes), seed: 2), input: input)
        func best(_ body: () -> Void) -> Double {
            var m = Double.infinity
            for _ in 0..<max(1, repeats) {
                t0 = Date()
                body()
                m = min(m, Date().timeIntervalSince(t0))
            }
            return m
        }
        t0 = Date()
        _ = model.classify(prepared, path: scan)
        let cold = Date().timeIntervalSince(t0)
        let twoStage = best { _ = model.classify(prepared, path: scan) }
        let net = model.stage1[0]
        // Layers 0…3: submanifold 3³ 2→8, ReLU, stride-2 8→16, ReLU (all the full-resolution arithmetic).
        let sparse = best { _ = net.activation(of: prepared.tensor, throughLayers: 4) }
        let grid = Resampler.resampledCount(volume.nx, spacingMM: volume.spacingMM.x, newSpacingMM: voxelMM)
            * Resampler.resampledCount(volume.ny, spacingMM: volume.spacingMM.y, newSpacingMM: voxelMM)
            * Resampler.resampledCount(volume.nz, spacingMM: volume.spacingMM.z, newSpacingMM: voxelMM)
        var dense: Double?
        if !noDense {
            let nx = Resampler.resampledCount(volume.nx, spacingMM: volume.spacingMM.x, newSpacingMM: voxelMM)
            let ny = Resampler.resampledCount(volume.ny, spacingMM: volume.spacingMM.y, newSpacingMM: voxelMM)
            let nz = Resampler.resampledCount(volume.nz, spacingMM: volume.spacingMM.z, newSpacingMM: voxelMM)
            var coordinates: [SIMD3<Int32>] = []
            coordinates.reserveCapacity(nx * ny * nz)
            for z in 0..<nz { for y in 0..<ny { for x in 0..<nx { coordinates.append(SIMD3(Int32(x), Int32(y), Int32(z))) } } }
            let full = SparseTensor(sites: ActiveSet(coordinates: coordinates), channels: channels, features: [Float](repeating: 0.5, count: coordinates.count * channels))
            // One warm-up run builds the rulebooks; the second is timed (dense runs take tens of seconds).
            _ = net.activation(of: full, throughLayers: 4)
            t0 = Date()
            _ = net.activation(of: full, throughLayers: 4)
            dense = Date().timeIntervalSince(t0)
        }
        let timing = Timing(
            scan: scan, gridVoxels: grid, activeVoxels: prepared.tensor.count, preprocessSeconds: preprocess, twoStageColdSeconds: cold, twoStageSparseSeconds: twoStage,
            fullResolutionSparseSeconds: sparse, fullResolutionDenseSeconds: dense, speedUp: dense.map { $0 / sparse },
            threads: ProcessInfo.processInfo.activeProcessorCount)
        let data = try ResultJSON.encoder().encode(timing)
        print(String(decoding: data, as: UTF8.self))
    }
}
