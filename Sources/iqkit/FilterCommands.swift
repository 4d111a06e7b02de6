import ArgumentParser
import Foundation
import IQCore

struct Smooth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Gaussian-smooth an image with a FWHM in mm; writes Float32 NIfTI with the input's geometry.",
        discussion: "Boundaries reflect (scipy mode 'reflect'); NaN/Inf voxels are treated as 0 and counted in a warning.")

    @Argument(help: "Input image.") var input: String
    @Argument(help: "Output image (.nii, .nii.gz or .hdr).") var output: String
    @Option(help: "Full width at half maximum in mm.") var fwhmMM: Double
    @Option(help: "automatic, direct or fft.") var method: GaussianFilter.Method = .automatic
    @OptionGroup var read: ReadOptions

    func run() throws {
        let filter = GaussianFilter(fwhmMM: fwhmMM, method: method)
        try filter.validate()
        try FileChecks.requireOutput(output, inputs: [input])
        let timer = PhaseTimer()
        let volume = try loadFinite(input, read.nifti)
        timer.lap("read")
        let smoothed = filter.apply(to: volume)
        timer.lap("smooth")
        try NIfTIWriter.write(smoothed, to: output)
        timer.lap("write")
    }
}

struct Edge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Edge image E = G(I) − I, the input of the EARL CNN; writes Float32 NIfTI with the input's geometry.")

    @Argument(help: "Input image.") var input: String
    @Argument(help: "Output image (.nii, .nii.gz or .hdr).") var output: String
    @Option(help: "FWHM of the smoothing in mm.") var fwhmMM: Double = EdgeImage.defaultFWHMMM
    @Option(help: "automatic, direct or fft.") var method: GaussianFilter.Method = .automatic
    @OptionGroup var read: ReadOptions

    func run() throws {
        try GaussianFilter(fwhmMM: fwhmMM).validate()
        try FileChecks.requireOutput(output, inputs: [input])
        let timer = PhaseTimer()
        let volume = try loadFinite(input, read.nifti)
        timer.lap("read")
        let edge = EdgeImage.compute(volume, fwhmMM: fwhmMM, method: method)
        timer.lap("edge")
        try NIfTIWriter.write(edge, to: output)
        timer.lap("write")
    }
}

/// Reads an image and sets its non-finite voxels to 0, with a warning: the
/// policy every command states, applied once here so that no analysis (a
/// graph cut's weights, a phantom's search) meets a NaN. An image with no
/// finite voxel at all holds nothing to analyse and is refused.
func loadFinite(_ path: String, _ options: NIfTIReadOptions) throws -> Volume {
    let loaded = try NIfTIReader.read(path, options: options)
    var volume = loaded.volume
    // The reader counted them on all cores; no second pass over a clean scan.
    if loaded.source.nonFiniteVoxels == volume.count {
        throw InputError.invalidData(path: path, problem: "every voxel is NaN or infinite")
    }
    if loaded.source.nonFiniteVoxels > 0 {
        volume.replaceNonFinite(with: 0)
        warn("\(path): \(loaded.source.nonFiniteVoxels) NaN/Inf voxels are treated as 0")
    }
    return volume
}

/// Prints phase timings to stderr when IQKIT_TIMINGS=1 (used by `make bench`).
final class PhaseTimer {
    private let enabled = ProcessInfo.processInfo.environment["IQKIT_TIMINGS"] == "1"
    private var last = DispatchTime.now()

    func lap(_ phase: String) {
        guard enabled else { return }
        let now = DispatchTime.now()
        let seconds = Double(now.uptimeNanoseconds - last.uptimeNanoseconds) / 1e9
        warnRaw(String(format: "timing %@ %.4f s", phase, seconds))
        last = now
    }
}

func warnRaw(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
