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
        try FileChecks.requireDistinct(output: output, inputs: [input])
        let volume = try loadFinite(input, read.nifti)
        try NIfTIWriter.write(filter.apply(to: volume), to: output)
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
        try FileChecks.requireDistinct(output: output, inputs: [input])
        let volume = try loadFinite(input, read.nifti)
        try NIfTIWriter.write(EdgeImage.compute(volume, fwhmMM: fwhmMM, method: method), to: output)
    }
}

/// Reads an image and warns about non-finite voxels (which filters treat as 0).
func loadFinite(_ path: String, _ options: NIfTIReadOptions) throws -> Volume {
    let loaded = try NIfTIReader.read(path, options: options)
    if loaded.source.nonFiniteVoxels > 0 {
        warn("\(path): \(loaded.source.nonFiniteVoxels) NaN/Inf voxels are treated as 0")
    }
    return loaded.volume
}
