import Foundation
import IQCore

/// Simulates the study's acquisition series of the vessel phantom and
/// writes the volumes, the truth and a manifest for `iqkit phantom analyze`.
public struct VesselSeries: Sendable {
    public var phantom = VesselTreePhantom()
    public var acquisition = CTAcquisition()
    public var hybrid = HybridIterative()
    public var nx = 160, ny = 128, nz = 48
    public var voxelMM = SIMD3<Double>(0.8, 0.8, 0.8)
    public var dosesMGy: [Double] = [0.2, 0.5, 1.0, 2.1, 4.0]
    public var recons: [String] = ["FBP", "iterative", "DL"]
    public var repetitions = 4
    public var seed: UInt64 = 2024

    public init() {}

    public static let knownRecons: Set<String> = ["FBP", "iterative", "DL"]

    /// Writes the phantom's truth and `noisy.nii.gz`: the noise-free phantom
    /// plus white Gaussian noise (no CT model), for benchmarks of the
    /// analysis on large grids. Returns the image's path.
    public func writeNoisyPhantom(to folder: String, noiseSDHU: Double) throws -> String {
        try AtomicOutput.makeFolder(folder + "/truth")
        var ph = phantom
        ph.seed = seed
        let (image, truth) = ph.render(nx: nx, ny: ny, nz: nz, spacingMM: voxelMM, supersampling: 2)
        try NIfTIWriter.write(truth.fraction.with(voxels: truth.fraction.voxels.map { $0 >= 0.5 ? 1 : 0 }), to: folder + "/truth/mask.nii.gz")
        var voxels = image.voxels
        let nxy = nx * ny
        voxels.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            let out = SharedBuffer(base, count: buf.count)
            parallelFor(nz) { z in
                var rng = SplitMix64(seed: seed &+ UInt64(z) &* 7919)
                for k in (z * nxy)..<((z + 1) * nxy) { out[k] += Float(noiseSDHU * rng.nextNormal()) }
            }
        }
        let path = folder + "/noisy.nii"
        try NIfTIWriter.write(image.with(voxels: voxels), to: path)
        return path
    }

    /// The steps `write` reports: the learned denoiser's training (with DL)
    /// and each dose × repetition.
    public var progressSteps: Int { dosesMGy.count * repetitions + (recons.contains("DL") ? 1 : 0) }

    /// Writes everything under `folder`, all or nothing (`StagedFolder`);
    /// returns the manifest's path.
    /// - Parameter progress: called after each of the `progressSteps` steps
    ///   with a note on what was done.
    public func write(to folder: String, progress: ((String) -> Void)? = nil) throws -> String {
        try StagedFolder.write(to: folder) { staged in
            try writeFiles(into: staged.staging, progress: progress)
            return staged.folder + "/manifest.yaml"
        }
    }

    private func writeFiles(into folder: String, progress: ((String) -> Void)?) throws {
        try AtomicOutput.makeFolder(folder + "/truth")
        var ph = phantom
        ph.seed = seed
        let (image, truth) = ph.render(nx: nx, ny: ny, nz: nz, spacingMM: voxelMM)
        try NIfTIWriter.write(image, to: folder + "/truth/phantom_hu.nii.gz")
        let mask = truth.fraction.with(voxels: truth.fraction.voxels.map { $0 >= 0.5 ? 1 : 0 })
        try NIfTIWriter.write(mask, to: folder + "/truth/mask.nii.gz")
        try NIfTIWriter.write(truth.radiusMM, to: folder + "/truth/radius.nii.gz")
        try NIfTIWriter.write(truth.centreline, to: folder + "/truth/centreline.nii.gz")
        let radii = truth.segments.map(\.radiusMM)
        let info: [String: String] = [
            "truthVolumeML": String(format: "%.4f", truth.volumeML), "segments": "\(truth.segments.count)",
            "radiusRangeMM": String(format: "%.3f–%.3f", radii.min() ?? 0, radii.max() ?? 0),
            "dlStandIn": LearnedLinearDenoiser.name,
            "iterativeStandIn": "hybrid: FBP + guided edge-preserving image-domain denoising",
        ]
        try ResultJSON.write(info, to: folder + "/truth/phantom.json")

        // Learned filters: one per dose, fitted on a training phantom with another tree.
        var denoisers: [Double: LearnedLinearDenoiser] = [:]
        if recons.contains("DL") {
            var trainPhantom = phantom
            trainPhantom.seed = seed &+ 7_777
            let (trainImage, _) = trainPhantom.render(nx: nx, ny: ny, nz: max(8, nz / 4), spacingMM: voxelMM)
            let trainSinograms = acquisition.project(trainImage)
            let clean = acquisition.reconstruct(trainSinograms, ctdiVolMGy: nil, seed: 0)
            for (k, dose) in dosesMGy.enumerated() {
                let noisy = acquisition.reconstruct(trainSinograms, ctdiVolMGy: dose, seed: seed &+ 99_000 &+ UInt64(k))
                denoisers[dose] = LearnedLinearDenoiser.train(inputs: [noisy], targets: [clean])
            }
            progress?("trained the DL stand-in")
        }
        // The phantom is the same in every acquisition: project it once.
        let sinograms = acquisition.project(image)
        var lines = ["# iqkit simulate vessel-series: \(nx)×\(ny)×\(nz) voxels of \(voxelMM.x) mm", "acquisitions:"]
        for (d, dose) in dosesMGy.enumerated() {
            for rep in 1...repetitions {
                let fbp = acquisition.reconstruct(sinograms, ctdiVolMGy: dose, seed: seed &* 31 &+ UInt64(d * 1000 + rep))
                var outputs: [(path: String, volume: Volume)] = []
                for recon in recons {
                    let v: Volume
                    switch recon {
                    case "FBP": v = fbp
                    case "iterative": v = hybrid.apply(fbp)
                    default:
                        guard let den = denoisers[dose] else { throw InputError.invalidSetting(name: "--recons", problem: "unknown recon \(recon)") }
                        v = den.apply(fbp)
                    }
                    let name = String(format: "%@/ctdi%.1f_rep%d.nii.gz", recon, dose, rep)
                    try AtomicOutput.makeFolder(folder + "/" + recon)
                    outputs.append((folder + "/" + name, v))
                    lines += [
                        "  - path: \(name)", "    ctdiVolMGy: \(dose)", "    recon: \(recon)", "    repetition: \(rep)",
                        "    truthMask: truth/mask.nii.gz", "    truthRadius: truth/radius.nii.gz", "    truthCentreline: truth/centreline.nii.gz",
                    ]
                }
                try Self.writeConcurrently(outputs)
                progress?(String(format: "%g mGy, repetition %d", dose, rep))
            }
        }
        try AtomicOutput.write(lines.joined(separator: "\n") + "\n", to: folder + "/manifest.yaml")
    }

    /// Writes the recons of one acquisition side by side (gzip is single-threaded),
    /// stored as CT scanners store images, whole HU in 16 bits, gzip level 1.
    static func writeConcurrently(_ outputs: [(path: String, volume: Volume)]) throws {
        try parallelFor(outputs.count, throwing: { i in
            try NIfTIWriter.write(outputs[i].volume, to: outputs[i].path, storage: .int16, compressionLevel: 1)
        })
    }
}
