import EARLClassifier
import Foundation
import IQCore

/// Report sections for cross-validation results (`iqkit earl train --cv-json`,
/// `iqkit earl cv-merge --json`): the pooled held-out accuracies with their
/// intervals, the per-fold scores, the confusion matrices, the misclassified
/// scans and the networks that may not have converged; the targets it was
/// held to (`--min-stage1 …`), if any, as checks.
public enum EarlCrossValidationReportReader: ResultReader {
    public static let kind = "earl-cross-validation"

    /// Reports written before the kind was recorded are recognised by their
    /// folds, so that they get the rerun message below.
    public static func recognises(_ object: [String: Any]) -> Bool {
        object["kind"] as? String == kind || (object["kind"] == nil && object["folds"] != nil && object["foldCount"] != nil)
    }

    public static func sections(from data: Data, path: String) throws -> [ReportSection] {
        let report = try ResultJSON.decode(CrossValidationReport.self, from: data, path: path)
        guard let provenance = report.provenance else {
            throw InputError.invalidData(path: path, problem: "a cross-validation without provenance (written by an older iqkit); run `iqkit earl train --cv-json` again")
        }
        let folds = report.foldNumbers.count == report.foldCount
            ? "\(report.foldCount)" : "\(report.foldsRun) of \(report.foldCount)"
        var paragraphs = [
            "Each of the \(report.overall.total) scans was classified by a model trained on the other folds only; the folds keep each scan's group (anatomy, patient) together. "
                + EarlScoreTables.intervalNote + (report.targets == nil ? " No targets were set: scores only." : "")
        ]
        if report.foldNumbers.count < report.foldCount {
            paragraphs.append("Only folds \(folds) were run: pool the other folds' reports with `iqkit earl cv-merge` for the whole split.")
        }
        let warnings = report.warnings
        if !warnings.isEmpty {
            paragraphs.append("Networks that may not have converged (\(warnings.count)): " + warnings.joined(separator: "; ") + ".")
        }
        let perFold = ReportTable(
            caption: "Per fold, correct / total", header: ["fold", "held-out scans", "stage 1", "stage 2", "overall"],
            rows: zip(report.foldNumbers, report.folds).map { n, f in
                [String(n), String(f.testNames.count)] + [f.stage1, f.stage2, f.overall].map { "\($0.correct)/\($0.total)" }
            }.map { $0.map { ReportTable.Cell($0) } })
        return [
            ReportSection(
                kind: kind, title: "EARL classifier, cross-validation — \(path)", subject: path,
                checks: EarlScoreTables.checks(report.outcomes),
                keyFigures: [("scans", String(report.overall.total)), ("folds", folds)]
                    + EarlScoreTables.accuracies(stage1: report.stage1, stage2: report.stage2, overall: report.overall),
                paragraphs: paragraphs,
                tables: [perFold] + EarlScoreTables.tables(stage1: report.stage1, stage2: report.stage2, overall: report.overall, predictions: report.predictions),
                provenance: provenance)
        ]
    }
}
