import ArgumentParser
import EARLClassifier
import EARLCorpus
import Foundation
import IQCore
import PETQuality

struct EarlLabel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label your own patient scans for `earl train` from the IEC phantom scan of each scan's reconstruction protocol.",
        discussion: """
            The pairs file has lines `scan,phantom_result[,group]`: scan as `earl train --data` will find it, phantom_result a \
            `nema analyze --json` result of the phantom scan reconstructed with the same protocol (relative paths are read from \
            the pairs file's folder), group (optional) the patient, kept in one cross-validation fold. Each phantom is judged \
            against EARL1 and EARL2 as iqkit's synthetic corpora are: clinical when it recovers more than EARL2 allows, earl1 \
            or earl2 when it meets exactly that band set. Scans whose phantom meets both band sets, neither without \
            over-recovering, lies within --minimum-margin band widths of the deciding edge or failed its calibration check are \
            left out and listed. Writes labels.csv (file,label,group,edge_distance). Exit 2 on bad input or when no scan \
            gets a label.
            """)

    @Option(help: "Pairs file: scan,phantom_result[,group] per line.") var pairs: String
    @Option(help: "Output labels file (the format of `earl train --labels`).") var out: String
    @Option(help: "Also write every phantom's verdict and every scan's label as JSON here.") var json: String?
    @Option(help: "Check every scan in this folder (the --data of `earl train`): it must be a readable NIfTI, and a voxel size other than its phantom's is warned about.")
    var data: String?
    @Option(help: "Leave out phantoms closer than this to the band edge deciding their label, in band widths.")
    var minimumMargin: Double = 0.1
    @Option(help: "The EARL1 band set: earl1 (shipped) or a band file (.yaml).") var earl1 = "earl1"
    @Option(help: "The EARL2 band set: earl2 (shipped) or a band file (.yaml).") var earl2 = "earl2"
    @OptionGroup var read: ReadOptions

    func validate() throws {
        guard minimumMargin.isFinite, minimumMargin >= 0 else { throw ValidationError("--minimum-margin must be ≥ 0") }
    }

    func run() throws {
        let list = try PhantomReferencedLabels.parsePairs(path: pairs)
        let folder = URL(fileURLWithPath: pairs).deletingLastPathComponent()
        func resolved(_ path: String) -> String { path.hasPrefix("/") ? path : folder.appendingPathComponent(path).path }
        let resultPaths = Set(list.map { resolved($0.phantomResult) }).sorted()
        let scanPaths = data.map { data in list.map { data + "/" + $0.scan } } ?? []
        try FileChecks.requireOutputs([out, json], inputs: [pairs] + resultPaths + scanPaths)
        var spacings: [String: SIMD3<Double>] = [:]
        if let data {
            for pair in list { spacings[pair.scan] = try NIfTIReader.spacingMM(data + "/" + pair.scan, options: read.nifti) }
        }
        var results: [String: NEMAResult] = [:]
        for pair in list where results[pair.phantomResult] == nil {
            let path = resolved(pair.phantomResult)
            let result = try ResultJSON.read(NEMAResult.self, from: path)
            guard result.kind == "nema" else { throw InputError.invalidData(path: path, problem: "kind is \(result.kind), not a `nema analyze` result") }
            results[pair.phantomResult] = result
        }
        let bandFiles = [try PhantomData.standardPath(earl1), try PhantomData.standardPath(earl2)]
        let provenance = Provenance(
            inputs: try ([pairs] + resultPaths + bandFiles).map(Provenance.Input.hashing),
            settings: ["minimumMargin": String(minimumMargin), "earl1": earl1, "earl2": earl2, "data": data ?? "not checked"])
        let outcome = try PhantomReferencedLabels.label(
            list, results: results, earl1: try EARLStandard.load(bandFiles[0]), earl2: try EARLStandard.load(bandFiles[1]), minimumMargin: minimumMargin,
            provenance: provenance)
        print(Self.table(outcome))
        for (scan, problem) in PhantomReferencedLabels.voxelMismatches(list, scanSpacingMM: spacings, results: results).sorted(by: { $0.key < $1.key }) {
            warn("\(scan): \(problem)")
        }
        guard !outcome.entries.isEmpty else {
            throw InputError.invalidData(path: pairs, problem: "no scan could be labelled: every phantom is left out (see above)")
        }
        try AtomicOutput.write(LabelsCSV.render(outcome.entries), to: out)
        if let json { try ResultJSON.write(outcome, to: json) }
        let counts = EARLLabel.allCases.map { label in "\(label.rawValue) \(outcome.entries.filter { $0.label == label }.count)" }
        print("\(out): \(outcome.entries.count) of \(list.count) scans labelled (\(counts.joined(separator: ", "))); \(outcome.leftOut.count) left out")
    }

    static func table(_ outcome: PhantomReferencedLabels.Outcome) -> String {
        let earl2 = outcome.standards.last?.components(separatedBy: " (").first ?? "EARL2"
        var lines = ["phantom result: category, margin from the deciding edge, distance above \(earl2)'s upper edge (band widths) → label (scans)"]
        for p in outcome.phantoms {
            let what = p.label.map { "\($0.rawValue) (\(p.scans))" } ?? "left out (\(p.scans)): \(p.leftOut ?? "")"
            let estimated = p.activitiesEstimated ? "; activities estimated from the image" : ""
            lines.append(String(format: "  %@: %@, %.2f, %+.2f → %@%@", p.result, p.category.rawValue, p.margin, p.edgeDistance, what, estimated))
        }
        return lines.joined(separator: "\n")
    }
}
