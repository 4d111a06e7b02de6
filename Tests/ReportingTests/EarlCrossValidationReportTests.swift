import EARLClassifier
import Foundation
import IQCore
import Reporting
import Testing

/// The report section of a cross-validation (`earl train --cv-json`, `earl
/// cv-merge --json`): pooled accuracies as key figures, a per-fold table,
/// the confusion matrices and misclassified scans as for a test set, the
/// convergence warnings; no checks, since a cross-validation sets no targets.
@Suite struct EarlCrossValidationReportTests {
    /// Folds 1 and 3 of 3: four scans, one clinical scan called EARL2 in fold 3, whose stage 2 warned.
    static func report(provenance: Provenance? = ReportFixtures.provenance("labels.csv")) -> CrossValidationReport {
        typealias R = EarlEvaluationReportTests
        var report = CrossValidationReport(foldCount: 3)
        report.provenance = provenance
        let folds: [(Int, [(String, EARLLabel, EARLCheckResult)], [String])] = [
            (1, [("a.nii", .clinical, R.result(.clinical, clinical: 0.9, earl2: 0.5)), ("c.nii", .earl1, R.result(.earl1, clinical: 0.01, earl2: 0.1))], []),
            (3, [("b.nii", .clinical, R.result(.earl2, clinical: 0.06, earl2: 0.8)), ("d.nii", .earl2, R.result(.earl2, clinical: 0.02, earl2: 0.9))],
             ["stage 2 kept epoch 2 of 2 at validation loss 0.6"]),
        ]
        for (n, scans, warnings) in folds {
            var fold = CrossValidationReport.Fold(testNames: scans.map(\.0))
            fold.warnings = warnings
            for (name, truth, result) in scans {
                fold.add(truth: truth, result: result)
                report.predictions.append(.init(name: name, truth: truth, result: result))
            }
            report.folds.append(fold)
            report.foldNumbers.append(n)
            report.stage1.add(fold.stage1)
            report.stage2.add(fold.stage2)
            report.overall.add(fold.overall)
        }
        return report
    }

    static func section(_ report: CrossValidationReport) throws -> ReportSection {
        let data = try ResultJSON.encoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(EarlCrossValidationReportReader.recognises(object) && !EarlEvaluationReportReader.recognises(object) && !EarlReportReader.recognises(object))
        return try #require(try EarlCrossValidationReportReader.sections(from: data, path: "cv.json").first)
    }

    @Test func scoresFoldsAndWarnings() throws {
        let section = try Self.section(Self.report())
        #expect(section.kind == "earl-cross-validation" && section.subject == "cv.json")
        #expect(section.checks.isEmpty && section.verdict == .info)
        #expect(section.keyFigures.map(\.name) == ["scans", "folds", "stage 1 accuracy", "stage 2 accuracy", "overall accuracy"])
        #expect(section.keyFigures.map(\.value).prefix(2) == ["4", "1, 3 of 3"])
        #expect(section.keyFigures[2].value == "75.0 % (3/4; 95 % CI 19.4–99.4 %)")
        let perFold = section.tables[0]
        #expect(perFold.header == ["fold", "held-out scans", "stage 1", "stage 2", "overall"])
        #expect(perFold.rows.map { $0.map(\.text) } == [["1", "2", "2/2", "1/1", "2/2"], ["3", "2", "1/2", "1/1", "1/2"]])
        #expect(section.tables[1].caption.hasPrefix("Stage 1, clinical vs compliant: accuracy 75.0 %"))
        #expect(section.tables.last?.rows.map { $0.map(\.text) } == [["b.nii", "clinical", "earl2", "0.060", "0.940", "0.800"]])
        let text = section.paragraphs.joined(separator: "\n")
        #expect(text.contains("Only folds 1, 3 of 3 were run"))
        #expect(text.contains("Networks that may not have converged (1): fold 3: stage 2 kept epoch 2 of 2"))
        let document = ReportDocument(title: "t", createdAt: "2026-12-07T00:00:00Z", toolVersion: "0.1.0", sections: [section])
        #expect(try HTMLReport(templates: ReportFixtures.templates).render(document).contains("Per fold, correct / total"))
    }

    /// Targets become checks, judged on the pooled scores (3 of 4 right).
    @Test func targetsBecomeChecks() throws {
        var report = Self.report()
        report.targets = AccuracyTargets(stage1: 0.99, overall: 0.5)
        let section = try Self.section(report)
        #expect(section.checks.map(\.name) == ["stage 1 accuracy", "overall accuracy"] && section.checks.map(\.passed) == [false, true])
        #expect(section.verdict == .fail && !section.paragraphs.joined().contains("No targets were set"))
        #expect(report.markdown.contains("| stage 1 accuracy | 75.0 % (3/4; 95 % CI 19.4–99.4 %) | 99.0–100 % | missed |"), "\(report.markdown)")
        #expect(AccuracyTargets.failureMessage(report.outcomes) == "stage 1 accuracy 75.0 % (3/4; 95 % CI 19.4–99.4 %) is outside the target 99.0–100 %")
        #expect(try Self.section(Self.report()).paragraphs.joined().contains("No targets were set: scores only."))
    }

    /// A report from before the kind and provenance were recorded is
    /// recognised by its folds and refused with a rerun message.
    @Test func refusesAReportWithoutProvenance() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: ResultJSON.encoder().encode(Self.report(provenance: nil))) as? [String: Any])
        object["kind"] = nil
        #expect(EarlCrossValidationReportReader.recognises(object))
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: InputError.self) { try EarlCrossValidationReportReader.sections(from: data, path: "old.json") }
        let decoded = try ResultJSON.decode(CrossValidationReport.self, from: data, path: "old.json")
        #expect(decoded.kind == "earl-cross-validation" && decoded.provenance == nil && decoded.foldNumbers == [1, 3])
    }
}
