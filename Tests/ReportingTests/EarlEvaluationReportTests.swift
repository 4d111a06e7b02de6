import EARLClassifier
import Foundation
import IQCore
import Reporting
import Testing

/// The report section of an `earl evaluate` result: accuracies with their
/// intervals as key figures, targets as checks, confusion matrices and the
/// misclassified scans as tables.
@Suite struct EarlEvaluationReportTests {
    static func result(_ label: EARLLabel, clinical: Double, earl2: Double) -> EARLCheckResult {
        // The label follows from the probabilities; `label` only says which one the call site expects.
        let r = EARLCheckResult(path: "x", stage1: [clinical, 1 - clinical], stage2: [1 - earl2, earl2], activeVoxels: 10)
        #expect(r.label == label, "test helper: the probabilities give \(r.label), not \(label)")
        return r
    }

    /// 3 of 4 right: one clinical scan called EARL2.
    static func evaluation(targets: AccuracyTargets?, provenance: Provenance? = ReportFixtures.provenance("labels.csv")) -> EvaluationReport {
        var report = EvaluationReport(targets: targets, provenance: provenance)
        report.add(name: "a.nii", truth: .clinical, result: result(.clinical, clinical: 0.9, earl2: 0.5))
        report.add(name: "b.nii", truth: .clinical, result: result(.earl2, clinical: 0.06, earl2: 0.8))
        report.add(name: "c.nii", truth: .earl1, result: result(.earl1, clinical: 0.01, earl2: 0.1))
        report.add(name: "d.nii", truth: .earl2, result: result(.earl2, clinical: 0.02, earl2: 0.9))
        return report
    }

    static func section(_ report: EvaluationReport) throws -> ReportSection {
        let sections = try EarlEvaluationReportReader.sections(from: try ResultJSON.encoder().encode(report), path: "eval.json")
        return try #require(sections.first)
    }

    /// `earl check` results of a model with auxiliary outputs: one column
    /// per estimated quantity ("–" for a result without it), a sentence
    /// saying they are estimates; results without any keep the plain table
    /// and JSON without the key.
    @Test func checkReportShowsStage1Estimates() throws {
        let plain = EARLCheckResult(path: "a.nii", stage1: [0.9, 0.1], stage2: [0.5, 0.5], activeVoxels: 10)
        let estimated = EARLCheckResult(path: "b.nii", stage1: [0.1, 0.9], stage2: [0.2, 0.8], activeVoxels: 10, estimates: ["fwhm_mm": 5.234, "noise_cov": 0.1234])
        #expect(!String(decoding: try ResultJSON.encoder().encode(plain), as: UTF8.self).contains("estimates"))
        func section(_ results: [EARLCheckResult]) throws -> ReportSection {
            let data = try ResultJSON.encoder().encode(EARLCheckReport(provenance: ReportFixtures.provenance("a.nii"), require: nil, results: results))
            return try #require(try EarlReportReader.sections(from: data, path: "check.json").first)
        }
        let withEstimates = try section([plain, estimated])
        let table = try #require(withEstimates.tables.first)
        #expect(Array(table.header.suffix(2)) == ["stage 1 estimate: fwhm_mm", "stage 1 estimate: noise_cov"])
        #expect(table.rows.map { $0.suffix(2).map(\.text) } == [["–", "–"], ["5.23", "0.123"]])
        #expect(withEstimates.paragraphs.contains { $0.contains("estimate fwhm_mm, noise_cov") && $0.contains("not measurements") })
        let without = try section([plain])
        #expect(without.tables.first?.header.count == 7 && without.paragraphs.count == 1)
    }

    /// With the scans' edge noise and the model's training domain in the
    /// JSON, the table gains an edge-noise column (a value outside the
    /// domain's ±25 % marked) and a paragraph states the domain.
    @Test func checkReportShowsEdgeNoiseAgainstTheModelsDomain() throws {
        var inside = EARLCheckResult(path: "a.nii", stage1: [0.1, 0.9], stage2: [0.5, 0.5], activeVoxels: 10)
        inside.edgeNoise = 0.041
        var outside = EARLCheckResult(path: "b.nii", stage1: [0.9, 0.1], stage2: [0.5, 0.5], activeVoxels: 10)
        outside.edgeNoise = 0.5
        outside.warnings = ["edge-image noise 50.0 % …"]
        let domain = ScanDomain(inPlaneVoxelMM: 2...4, axialVoxelMM: 2...4, edgeNoise: 0.03...0.12, scans: 9)
        let report = EARLCheckReport(provenance: ReportFixtures.provenance("a.nii"), require: nil, results: [inside, outside], modelDomain: domain)
        let data = try ResultJSON.encoder().encode(report)
        let section = try #require(try EarlReportReader.sections(from: data, path: "check.json").first)
        let table = try #require(section.tables.first)
        #expect(table.header.last == "edge-image noise")
        #expect(table.rows.map { $0.last?.text } == ["4.1 %", "50.0 %"])
        #expect(table.rows.map { $0.last?.mark } == [ReportTable.Mark.none, .fail])
        #expect(section.paragraphs.contains { $0.hasPrefix("The model was trained on scans with \(domain.summary);") }, "\(section.paragraphs)")
        // A file without them (iqkit before 2026-12-07) keeps the plain table.
        let plain = EARLCheckReport(provenance: ReportFixtures.provenance("a.nii"), require: nil, results: [EARLCheckResult(path: "a.nii", stage1: [0.1, 0.9], stage2: [0.5, 0.5], activeVoxels: 10)])
        let json = String(decoding: try ResultJSON.encoder().encode(plain), as: UTF8.self)
        #expect(!json.contains("edgeNoise") && !json.contains("modelDomain"))
        let old = try #require(try EarlReportReader.sections(from: Data(json.utf8), path: "old.json").first)
        #expect(old.tables.first?.header.count == 7 && !old.paragraphs.contains { $0.contains("was trained on") })
    }

    @Test func targetsBecomeChecks() throws {
        let section = try Self.section(Self.evaluation(targets: AccuracyTargets(stage1: 0.99, stage2: 0.95)))
        #expect(section.kind == "earl-evaluation" && section.subject == "eval.json")
        #expect(section.checks.map(\.name) == ["stage 1 accuracy", "stage 2 accuracy"])
        #expect(section.checks.map(\.passed) == [false, true])
        // 3/4: SciPy's beta quantiles give 19.4–99.4 %.
        #expect(section.checks[0].measured == "75.0 % (3/4; 95 % CI 19.4–99.4 %)" && section.checks[0].criterion == "99.0–100 %")
        #expect(section.verdict == .fail)
        #expect(section.keyFigures.map(\.name) == ["scans", "stage 1 accuracy", "stage 2 accuracy", "overall accuracy"])
        #expect(section.keyFigures[0].value == "4")
        #expect(section.tables[0].caption.hasPrefix("Stage 1, clinical vs compliant: accuracy 75.0 %"))
        let stage1 = section.tables[0]
        #expect(stage1.header == ["truth \\ predicted", "clinical", "compliant", "recall"])
        #expect(stage1.rows.map { $0.map(\.text) } == [["clinical", "1", "1", "50.0 %"], ["compliant", "0", "2", "100.0 %"]])
        let missed = try #require(section.tables.last)
        #expect(missed.caption == "Misclassified scans")
        #expect(missed.rows.map { $0.map(\.text) } == [["b.nii", "clinical", "earl2", "0.060", "0.940", "0.800"]])
        // The same figures reach the HTML page and JUnit.
        let document = ReportDocument(title: "t", createdAt: "2026-12-02T00:00:00Z", toolVersion: "0.1.0", sections: [section])
        let junit = JUnitWriter.render(document)
        #expect(junit.contains("failure message=\"75.0 % (3/4; 95 % CI 19.4–99.4 %) outside 99.0–100 %\""), "\(junit)")
        #expect(try HTMLReport(templates: ReportFixtures.templates).render(document).contains("Misclassified scans"))
    }

    /// With distances in the labels, a table of stage 1 by the phantom's
    /// distance from EARL2's upper edge, its misses marked.
    @Test func edgeDistanceTable() throws {
        var report = EvaluationReport(provenance: ReportFixtures.provenance("labels.csv"))
        report.add(name: "a.nii", truth: .clinical, result: Self.result(.clinical, clinical: 0.9, earl2: 0.5), edgeDistance: 1.2)
        report.add(name: "b.nii", truth: .clinical, result: Self.result(.earl2, clinical: 0.06, earl2: 0.8), edgeDistance: 0.15)
        report.add(name: "d.nii", truth: .earl2, result: Self.result(.earl2, clinical: 0.02, earl2: 0.9), edgeDistance: -0.4)
        let section = try Self.section(report)
        let table = try #require(section.tables.first { $0.caption.hasPrefix("Stage 1 by the phantom's distance") })
        #expect(table.rows.map { $0[0].text } == ["d ≤ −0.3", "0 < d ≤ 0.3", "d > 1"])
        #expect(table.rows.map { $0[4].mark } == [.none, .fail, .none])
        #expect(section.tables.last?.caption == "Misclassified scans")
        #expect(try Self.section(Self.evaluation(targets: nil)).tables.allSatisfy { !$0.caption.contains("distance") })
    }

    /// Both stages' calibration as tables before the misclassified scans:
    /// stage 1 over all four scans (a confident miss, b.nii at P(clinical)
    /// 0.06, sits in the 0.05–0.20 bin, wholly clinical), stage 2 over the
    /// two truly compliant ones; the HTML page carries them.
    @Test func calibrationTables() throws {
        let section = try Self.section(Self.evaluation(targets: nil))
        let tables = section.tables.filter { $0.caption.hasPrefix("Calibration, ") }
        #expect(tables.count == 2)
        let stage1 = try #require(tables.first)
        // Brier (0.1² + 0.94² + 0.01² + 0.02²) / 4 = 0.223525.
        #expect(stage1.caption.hasPrefix("Calibration, Stage 1, P(clinical): Brier score 0.2235,"), "\(stage1.caption)")
        #expect(stage1.header == ["predicted", "scans", "mean predicted", "observed clinical"])
        #expect(stage1.rows.map { $0.prefix(3).map(\.text) } == [["0–0.05", "2", "0.015"], ["0.05–0.20", "1", "0.060"], ["0.80–0.95", "1", "0.900"]])
        #expect(tables[1].caption.contains("EARL2") && tables[1].rows.map { $0[1].text } == ["1", "1"])
        #expect(section.tables.last?.caption == "Misclassified scans")
        let document = ReportDocument(title: "t", createdAt: "2026-12-02T00:00:00Z", toolVersion: "0.1.0", sections: [section])
        #expect(try HTMLReport(templates: ReportFixtures.templates).render(document).contains("observed clinical"))
    }

    @Test func withoutTargetsTheSectionInforms() throws {
        let section = try Self.section(Self.evaluation(targets: nil))
        #expect(section.checks.isEmpty && section.verdict == .info)
        #expect(section.paragraphs.joined().contains("No targets were set"))
    }

    @Test func refusesAnEvaluationWithoutProvenance() throws {
        let data = try ResultJSON.encoder().encode(Self.evaluation(targets: nil, provenance: nil))
        #expect(throws: InputError.self) { try EarlEvaluationReportReader.sections(from: data, path: "old.json") }
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(EarlEvaluationReportReader.recognises(object) && !EarlReportReader.recognises(object))
    }
}
