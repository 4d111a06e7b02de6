import EARLClassifier
import EARLCorpus
import Foundation
import IQCore

/// Report sections for `iqkit simulate relabel --json` results: how far a
/// corpus's labels, each set by one phantom scan of its setting, hold over
/// further phantom scans, and what that costs a classifier scored against
/// them (the stage-1 label-noise floor).
public enum EarlRelabellingReportReader: ResultReader {
    public static let kind = "earl-corpus-relabelling"

    public static func recognises(_ object: [String: Any]) -> Bool {
        object["kind"] as? String == kind
    }

    public static func sections(from data: Data, path: String) throws -> [ReportSection] {
        let result = try ResultJSON.decode(CorpusRelabelling.self, from: data, path: path)
        if let target = result.stage1Target, !(target > 0 && target <= 1) {
            throw InputError.invalidData(path: path, problem: "stage1Target is \(target); expected a fraction in (0, 1]")
        }
        guard let provenance = result.provenance else {
            throw InputError.invalidData(path: path, problem: "a relabelling without provenance (written by an older iqkit); run `iqkit simulate relabel --json` again")
        }
        func number(_ v: Double) -> String { String(format: "%.2f", v) }
        let n = result.summary
        var figures: [(name: String, value: String)] = [
            ("settings", String(n.settings)),
            ("phantom scans per setting", "\(result.phantomScans) (\(result.placement.rawValue) placement)"),
            ("one category throughout", "\(n.reproducible) of \(n.settings) settings"),
            ("changed category", "\(n.changed) settings, \(n.stage1) across the clinical line"),
            ("scans relabelled by majority", "\(n.scansRelabelled) of \(result.scans.count)"),
            ("scans without a majority label", String(n.scansUnlabelled)),
        ]
        if let floor = result.stage1LabelNoiseFloor {
            let share = 100 * floor / Double(max(1, result.scans.count))
            figures.append(("stage-1 label-noise floor", String(format: "%.1f of %d scans (%.1f %%)", floor, result.scans.count, share)))
        }
        let target = result.stage1Target ?? 0.99
        if let reach = result.stage1ReachProbability(accuracy: target) {
            figures.append(
                (String(format: "P(ideal classifier ≥ %g %% on stage 1)", 100 * target), "\(number(reach.probability)) (\(CorpusRelabelling.allowedMissesText(reach.allowedMisses)))"))
        }
        let changed = result.settings.filter { !$0.reproducible }
        let settings = ReportTable(
            caption: "Settings whose phantom scans disagree (margin: band widths from the deciding edge; d: distance from EARL2's upper edge, > 0 over-recovering, mean ± SD over all phantom scans)",
            header: ["setting", "reconstruction", "corpus's phantom scan", "margin", "further scans", "majority label", "d"],
            rows: changed.map { s in
                [
                    .init(String(s.id)), .init(s.summary), .init(s.firstScan.rawValue), .init(number(s.firstMargin)), .init(tally(s.repeats)),
                    .init(s.label?.rawValue ?? "none"), .init(s.edgeDistances.map(meanAndSD) ?? "–"),
                ]
            })
        let relabelled = result.scans.filter { $0.majorityLabel != $0.corpusLabel }
        let scans = ReportTable(
            caption: "Scans whose majority label differs from the corpus's", header: ["scan", "group", "setting", "corpus label", "majority label"],
            rows: relabelled.map { s in
                [.init(s.file), .init(s.group), .init(String(s.settingID)), .init(s.corpusLabel.rawValue), .init(s.majorityLabel?.rawValue ?? "none")]
            })
        let paragraphs = [
            "The corpus labels each reconstruction setting by one scan of its digital IEC phantom. Here every setting's phantom was scanned "
                + "\(result.phantomScans - 1) more times, each with noise of its own"
                + (result.placement == .random ? " and placed anew" : "")
                + ", and labelled by the category more than half of its \(result.phantomScans) scans give. "
                + "A setting whose scans give no majority, or whose majority category is not a label, labels no scan.",
            "The label-noise floor is the number of the corpus's own stage-1 labels (clinical or compliant) that a classifier knowing each "
                + "reconstruction perfectly would still miss on average: a patient scan shows the reconstruction, not the noise of the one phantom "
                + "scan that labelled it. A setting's scans share that phantom scan, so they are missed together. Its chance of crossing the "
                + "clinical line is counted over the further phantom scans the corpus would have accepted (a label and a margin of at least "
                + "\(number(result.minimumMargin)) band widths), so a setting none of whose further scans crossed counts as never crossing.",
        ]
        return [
            ReportSection(
                kind: kind, title: "Corpus labels over repeated phantom scans — \(path)", subject: path, checks: [], keyFigures: figures,
                paragraphs: paragraphs, tables: [settings] + (relabelled.isEmpty ? [] : [scans]), provenance: provenance)
        ]
    }

    /// "earl2 ×6, over-recovering ×2": categories in order of first appearance.
    static func tally(_ categories: [SettingLabel.Category]) -> String {
        var order: [SettingLabel.Category] = []
        var counts: [SettingLabel.Category: Int] = [:]
        for c in categories {
            if counts[c] == nil { order.append(c) }
            counts[c, default: 0] += 1
        }
        return order.map { "\($0.rawValue) ×\(counts[$0]!)" }.joined(separator: ", ")
    }

    static func meanAndSD(_ values: [Double]) -> String {
        guard !values.isEmpty else { return "–" }
        let d = MeanSD(values)
        return values.count > 1 ? String(format: "%.2f ± %.2f", d.mean, d.sd) : String(format: "%.2f", d.mean)
    }
}
