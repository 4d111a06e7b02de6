import EARLClassifier
import Foundation
import IQCore

/// Report sections for `iqkit earl evaluate` results: a model's accuracies
/// on a labelled test set with their exact 95 % intervals, the confusion
/// matrices, the misclassified scans, and the targets as checks.
public enum EarlEvaluationReportReader: ResultReader {
    public static let kind = "earl-evaluation"

    public static func recognises(_ object: [String: Any]) -> Bool { object["kind"] as? String == kind }

    public static func sections(from data: Data, path: String) throws -> [ReportSection] {
        let report = try ResultJSON.decode(EvaluationReport.self, from: data, path: path)
        guard let provenance = report.provenance else {
            throw InputError.invalidData(path: path, problem: "an evaluation without provenance (written by an older iqkit); run `iqkit earl evaluate` again")
        }
        let scores = report.scores
        let checks = EarlScoreTables.checks(report.outcomes)
        let wrong = report.predictions.filter(\.isMisclassified)
        return [
            ReportSection(
                kind: kind, title: "EARL classifier on a labelled test set — \(path)", subject: path, checks: checks,
                keyFigures: [("scans", String(scores.overall.total))] + EarlScoreTables.accuracies(stage1: scores.stage1, stage2: scores.stage2, overall: scores.overall),
                paragraphs: [
                    "The model's labels against the truth of \(scores.overall.total) scans it was not trained on. \(EarlScoreTables.intervalNote) "
                        + (wrong.isEmpty ? "No scan is misclassified." : "\(wrong.count) scans are misclassified (table below).")
                        + (checks.isEmpty ? " No targets were set: scores only." : "")
                ],
                tables: EarlScoreTables.tables(stage1: scores.stage1, stage2: scores.stage2, overall: scores.overall, predictions: report.predictions),
                provenance: provenance)
        ]
    }
}

/// The tables and figures both EARL score reports show (a test set's
/// evaluation, a cross-validation): the three confusion matrices with
/// their accuracies, stage 1 by the phantom's edge distance when the
/// labels gave it, both stages' calibration, and the misclassified scans.
enum EarlScoreTables {
    static let intervalNote =
        "Intervals are exact (Clopper–Pearson) 95 % intervals: what a set of this size can show, not a property of the model alone."

    static func checks(_ outcomes: [AccuracyTargets.Outcome]) -> [Check] {
        outcomes.map { Check(name: $0.name, passed: $0.passed, measured: $0.measured, criterion: $0.criterion) }
    }

    static func summary(_ m: ConfusionMatrix) -> String { m.accuracyInterval()?.summary ?? "no scans" }

    static func accuracies(stage1: ConfusionMatrix, stage2: ConfusionMatrix, overall: ConfusionMatrix) -> [(String, String)] {
        [("stage 1 accuracy", summary(stage1)), ("stage 2 accuracy", summary(stage2)), ("overall accuracy", summary(overall))]
    }

    static func tables(
        stage1: ConfusionMatrix, stage2: ConfusionMatrix, overall: ConfusionMatrix, predictions: [CrossValidationReport.Prediction]
    ) -> [ReportTable] {
        let matrices: [(String, ConfusionMatrix)] = [
            ("Stage 1, clinical vs compliant", stage1), ("Stage 2, EARL1 vs EARL2 (truly compliant scans)", stage2), ("Final label", overall),
        ]
        var tables = matrices.map { caption, m in
            let (header, rows) = m.table
            return ReportTable(caption: "\(caption): accuracy \(summary(m))", header: header, rows: rows.map { $0.map { .init($0) } })
        }
        let bins = EdgeDistanceBin.bins(predictions)
        if !bins.isEmpty {
            // A bin's "stage 1 correct" (fifth column) is marked when it misses a scan.
            let rows = bins.map { b in
                b.tableRow.enumerated().map { ReportTable.Cell($1, mark: $0 == 4 && b.stage1Correct < b.scans ? .fail : .none) }
            }
            tables.append(ReportTable(caption: EdgeDistanceBin.caption(predictions), header: EdgeDistanceBin.tableHeader, rows: rows))
        }
        for c in Calibration.stages(predictions) {
            tables.append(
                ReportTable(
                    caption: "\(c.heading); scans binned by predicted probability, beside the fraction truly \(c.event)",
                    header: c.tableHeader, rows: c.tableRows.map { $0.map { .init($0) } }))
        }
        let wrong = predictions.filter(\.isMisclassified)
        if !wrong.isEmpty {
            // The predicted label (third column) is marked wrong.
            let rows = wrong.map { w in w.tableRow.enumerated().map { ReportTable.Cell($1, mark: $0 == 2 ? .fail : .none) } }
            tables.append(ReportTable(caption: "Misclassified scans", header: CrossValidationReport.Prediction.tableHeader, rows: rows))
        }
        return tables
    }
}
