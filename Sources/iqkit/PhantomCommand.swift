import ArgumentParser
import Foundation
import IQCore
import VesselPhantom

struct Phantom: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "CT lung-vessel phantom analysis.",
        subcommands: [PhantomAnalyze.self, PhantomSegment.self])
}

struct PhantomAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Per-radius MPV and IQR (HU) and detected vessel-tree volume of every acquisition in a manifest, mean ± SD over repetitions.",
        discussion: "A measurement, not a pass/fail check: exits 0 on success and 2 on bad input.")

    @Argument(help: "Series manifest (YAML).") var manifest: String
    @Option(help: "Write the full result as JSON here.") var json: String?
    @Option(help: "Radius (mm) of the bin shown in the printed tables.") var tableRadiusMM: Double = 3.0
    @Option(help: ArgumentHelp("Also write each acquisition's segmentation (0/1 NIfTI) into this folder and record it as maskPath in the JSON (for the report's overlay).", valueName: "dir"))
    var masks: String?
    @Flag(help: "Analyse one acquisition at a time (same results, less memory).") var serial = false

    func run() throws {
        let m = try SeriesManifest.read(manifest)
        if let json {
            let truth = m.acquisitions.flatMap { [$0.truthMask, $0.truthRadius, $0.truthCentreline].compactMap { $0 } }
            try FileChecks.requireOutput(json, inputs: [manifest] + m.acquisitions.map(\.resolvedPath) + truth)
        }
        try FileChecks.requireDistinct(outputs: [json, masks])
        let progress = ProgressReporter("analysed", total: m.acquisitions.count)
        let result: SeriesResult
        do {
            defer { progress.finish() }
            result = try SeriesAnalysis.run(m, options: .init(masksFolder: masks, serial: serial)) { _, _ in progress.advance() }
        }
        if let json { try ResultJSON.write(result, to: json) }
        print(SeriesAnalysis.tables(result.summary, radiusMM: tableRadiusMM), terminator: "")
    }
}

struct PhantomSegment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Vesselness and graph-cut vessel segmentation of one CT volume (HU); writes the mask (0/1) with the input's geometry.")

    @Argument(help: "CT volume in HU.") var input: String
    @Argument(help: "Output mask (.nii or .nii.gz).") var output: String
    @Option(help: "Also write the vesselness (0…1) here.") var vesselness: String?
    @OptionGroup var read: ReadOptions

    func run() throws {
        try FileChecks.requireOutputs([output, vesselness], inputs: [input])
        let timer = PhaseTimer()
        let volume = try loadFinite(input, read.nifti)
        timer.lap("read")
        let segmenter = VesselSegmenter()
        let start = Date()
        let roi = segmenter.regionOfInterest(volume)
        timer.lap("region-of-interest")
        // The written vesselness map is exact everywhere; the segmentation
        // alone only needs it exact where it can change the mask.
        let v = vesselness == nil
            ? segmenter.vesselnessForSegmentation(volume, roi: roi)
            : segmenter.vesselness.apply(volume, roi: roi).value
        let afterVesselness = Date()
        timer.lap("vesselness")
        let seg = segmenter.segment(volume, vesselness: v, roi: roi)
        let end = Date()
        timer.lap("graph-cut")
        let voxels = seg.mask.reduce(0) { $0 + ($1 ? 1 : 0) }
        try NIfTIWriter.write(volume.with(voxels: seg.mask.map { $0 ? 1 : 0 }, unit: .some(nil)), to: output)
        if let vesselness { try NIfTIWriter.write(volume.with(voxels: v, unit: .some(nil)), to: vesselness) }
        timer.lap("write")
        print(String(
            format: "vesselness %.2f s, graph cut %.2f s, band %d nodes, vessel volume %.3f mL",
            afterVesselness.timeIntervalSince(start), end.timeIntervalSince(afterVesselness), seg.bandVoxels,
            Double(voxels) * volume.voxelVolumeML))
    }
}
