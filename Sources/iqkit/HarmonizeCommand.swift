import ArgumentParser
import Foundation
import IQCore
import PETQuality

struct Harmonize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the Gaussian post-filter (FWHM 0–15 mm) that brings a reconstruction's IEC phantom RCs into a band set, and optionally apply it to scans.",
        discussion: "Exits 1 when no filter reaches the band set, 2 on bad input.")

    @Option(help: "The IEC phantom image reconstructed with the protocol to harmonize.") var phantom: String
    @Option(help: "earl1, earl2 or a band file (.yaml).") var standard: String
    @Option(help: "Write the result as JSON here.") var json: String?
    @Option(parsing: .upToNextOption, help: "Scans to filter with the recommended FWHM.") var apply: [String] = []
    @Option(help: "Folder for the filtered scans (same file names).") var out: String?
    @OptionGroup var options: PhantomOptions

    func validate() throws {
        if !apply.isEmpty && out == nil { throw ValidationError("--apply needs --out DIR") }
    }

    func run() throws {
        let band = try PhantomData.standard(standard)
        let inputs = [phantom] + apply
        // The filtered scans' paths too, before the search: the folder is made later.
        let targets = out.map { out in apply.map { out + "/" + URL(fileURLWithPath: $0).lastPathComponent } } ?? []
        for target in targets { try FileChecks.requireDistinct(output: target, inputs: inputs) }
        if Set(targets).count < targets.count {
            throw InputError.invalidSetting(name: "--apply", problem: "two scans share a file name; their filtered copies in \(out ?? "") would overwrite each other")
        }
        try FileChecks.requireDistinct(outputs: [json, out] + targets)
        if let json { try FileChecks.requireOutput(json, inputs: inputs) }
        if let out { try FileChecks.requireOutputFolder(out) }
        let volume = try loadFinite(phantom, options.read.nifti)
        // Check the scans before the search so bad input fails fast and writes nothing.
        for scan in apply { _ = try NIfTIReader.readHeader(scan) }
        let analyzer = NEMAAnalyzer(geometry: try PhantomData.iecGeometry(), standards: [band], settings: options.settings)
        var settings = options.settingsText
        settings["standard"] = "\(band.name) (\(band.version))"
        let provenance = Provenance(inputs: try options.provenanceInputs(phantom) + apply.map(Provenance.Input.hashing), settings: settings)
        var result = try Harmonizer(analyzer: analyzer).search(volume, path: phantom, standard: band, provenance: provenance)
        if let fwhm = result.recommendedFWHMMM, let out {
            // All the filtered scans or none: a scan whose voxels turn out unreadable leaves no others behind.
            result.applied = try StagedFolder.write(to: out) { staged in
                try zip(apply, targets).map { scan, target in
                    let image = try loadFinite(scan, options.read.nifti)
                    var filtered = GaussianFilter(fwhmMM: fwhm).apply(to: image)
                    filtered.descrip = String(format: "iqkit harmonized to %@: %.1f mm FWHM", band.name, fwhm)
                    try NIfTIWriter.write(filtered, to: staged.stagedPath(URL(fileURLWithPath: target).lastPathComponent))
                    let hash = try Provenance.Input.hashing(scan).sha256
                    return HarmonizationResult.Applied(input: scan, output: target, inputSHA256: hash)
                }
            }
        }
        if let json { try ResultJSON.write(result, to: json) }
        print("\(phantom): \(result.reason)")
        if let range = result.feasibleFWHMMM, let fwhm = result.recommendedFWHMMM {
            print(String(format: "  feasible FWHM %.1f–%.1f mm; recommended %.1f mm", range[0], range[1], fwhm))
            for a in result.applied { print("  wrote \(a.output)") }
        } else {
            throw QAFailure(message: "\(phantom): no post-filter reaches \(band.name)")
        }
    }
}
