import EARLClassifier
import EARLCorpus
import Foundation
import IQCore

/// Report sections for `iqkit earl label --json` results: which phantom
/// result labelled which scans, how far each lay from the band edge that
/// decided it, and the scans left out with the reason: the audit trail of
/// a training set labelled from its own phantom scans.
public enum EarlLabelsReportReader: ResultReader {
    public static let kind = "earl-labels"

    public static func recognises(_ object: [String: Any]) -> Bool {
        object["kind"] as? String == kind
    }

    public static func sections(from data: Data, path: String) throws -> [ReportSection] {
        let outcome = try ResultJSON.decode(PhantomReferencedLabels.Outcome.self, from: data, path: path)
        func number(_ v: Double) -> String { String(format: "%.2f", v) }
        let phantoms = ReportTable(
            caption: "Phantom results (margin: band widths from the edge deciding the category; d: signed distance from EARL2's upper edge, > 0 over-recovering)",
            header: ["phantom result", "image", "category", "margin", "d", "label", "scans", "activities", "left out because"],
            rows: outcome.phantoms.map { p in
                [
                    .init(p.result), .init(p.image), .init(p.category.rawValue), .init(number(p.margin)), .init(number(p.edgeDistance)),
                    .init(p.label?.rawValue ?? "–"), .init(String(p.scans)),
                    .init(p.activitiesEstimated ? "estimated from the image" : "given"), .init(p.leftOut ?? ""),
                ]
            })
        let labels = ReportTable(
            caption: "Labelled scans (the labels file's rows)", header: ["scan", "label", "group", "d"],
            rows: outcome.entries.map { e in [.init(e.file), .init(e.label.rawValue), .init(e.group), .init(e.edgeDistance.map(number) ?? "–")] })
        let leftOut = ReportTable(
            caption: "Scans left out", header: ["scan", "reason"], rows: outcome.leftOut.sorted { $0.key < $1.key }.map { [.init($0.key), .init($0.value)] })
        let summary = EARLLabel.countSummary(outcome.entries.map(\.label))
        var paragraphs = [
            "Each scan gets the category of the IEC phantom scan reconstructed with its protocol, judged against \(outcome.standards.joined(separator: " and ")): "
                + "clinical when the phantom recovers more than EARL2 allows, earl1 or earl2 when it meets exactly that band set. "
                + "Phantoms meeting both or neither band set, or lying within \(number(outcome.minimumMargin)) band widths of the deciding edge, label no scan."
        ]
        let estimated = outcome.phantoms.filter(\.activitiesEstimated).count
        if estimated > 0 {
            paragraphs.append(
                "\(estimated) of \(outcome.phantoms.count) phantom results estimated the sphere and background activities from the image: their recovery coefficients rest on the assumed activity ratio.")
        }
        return [
            ReportSection(
                kind: kind, title: "Labels from phantom scans — \(path)", subject: path, checks: [],
                keyFigures: [
                    ("scans labelled", "\(outcome.entries.count) (\(summary))"), ("scans left out", String(outcome.leftOut.count)),
                    ("phantom results", String(outcome.phantoms.count)), ("minimum margin", number(outcome.minimumMargin) + " band widths"),
                ],
                paragraphs: paragraphs, tables: [phantoms, labels] + (outcome.leftOut.isEmpty ? [] : [leftOut]), provenance: outcome.provenance)
        ]
    }
}
