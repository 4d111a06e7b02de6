import Foundation
import IQCore
import Reporting
import Testing

/// The report section of a `simulate relabel --json` result: the summary
/// counts, the label-noise floor and its reach as key figures, the settings
/// whose phantom scans disagree and the scans relabelled as tables.
@Suite struct EarlRelabellingReportTests {
    /// Three settings, five phantom scans each. Setting 0 (two scans) is
    /// EARL2 by its own scan and by majority, but two further scans
    /// over-recover, one of them too close to the edge for the corpus to
    /// accept: q = 1/3. Setting 1 over-recovers throughout. Setting 2 is
    /// EARL1 by its own scan and EARL2 by majority, never near the clinical
    /// line. Floor: 2 × 1/3 of 4 scans; 99 % allows no miss: P = 2/3.
    static func json(provenance: Bool = true, target: String = "0.99") throws -> Data {
        let p = try String(decoding: ResultJSON.encoder().encode(ReportFixtures.provenance("corpus/corpus.json")), as: UTF8.self)
        return Data(
            """
            {"kind": "earl-corpus-relabelling", "phantomScans": 5, "placement": "random", "minimumMargin": 0.1, "stage1Target": \(target),
             \(provenance ? "\"provenance\": \(p)," : "")
             "settings": [
              {"id": 0, "summary": "5.3 mm + PSF 0.25", "firstScan": "earl2", "firstMargin": 0.15,
               "repeats": ["earl2", "over-recovering", "over-recovering", "earl2"], "repeatMargins": [0.2, 0.12, 0.05, 0.3],
               "majority": "earl2", "label": "earl2", "edgeDistances": [-0.15, -0.2, 0.12, 0.05, -0.3]},
              {"id": 1, "summary": "4 mm + PSF 0.4", "firstScan": "over-recovering", "firstMargin": 0.4,
               "repeats": ["over-recovering", "over-recovering", "over-recovering", "over-recovering"], "repeatMargins": [0.4, 0.5, 0.45, 0.35],
               "majority": "over-recovering", "label": "clinical", "edgeDistances": [0.4, 0.4, 0.5, 0.45, 0.35]},
              {"id": 2, "summary": "7 mm", "firstScan": "earl1", "firstMargin": 0.11,
               "repeats": ["earl2", "earl2", "earl1", "earl2"], "repeatMargins": [0.2, 0.2, 0.2, 0.2], "majority": "earl2", "label": "earl2"}],
             "scans": [
              {"file": "s0.nii", "group": "g0", "settingID": 0, "corpusLabel": "earl2", "majorityLabel": "earl2"},
              {"file": "s1.nii", "group": "g1", "settingID": 0, "corpusLabel": "earl2", "majorityLabel": "earl2"},
              {"file": "s2.nii", "group": "g2", "settingID": 1, "corpusLabel": "clinical", "majorityLabel": "clinical"},
              {"file": "s3.nii", "group": "g3", "settingID": 2, "corpusLabel": "earl1", "majorityLabel": "earl2"}]}
            """.utf8)
    }

    @Test func summaryFloorAndTables() throws {
        let section = try #require(try EarlRelabellingReportReader.sections(from: Self.json(), path: "relabel.json").first)
        #expect(section.kind == "earl-corpus-relabelling" && section.checks.isEmpty && section.verdict == .info)
        let figures = Dictionary(uniqueKeysWithValues: section.keyFigures.map { ($0.name, $0.value) })
        #expect(figures["settings"] == "3")
        #expect(figures["phantom scans per setting"] == "5 (random placement)")
        #expect(figures["one category throughout"] == "1 of 3 settings")
        #expect(figures["changed category"] == "2 settings, 1 across the clinical line")
        #expect(figures["scans relabelled by majority"] == "1 of 4")
        #expect(figures["scans without a majority label"] == "0")
        #expect(figures["stage-1 label-noise floor"] == "0.7 of 4 scans (16.7 %)")
        #expect(figures["P(ideal classifier ≥ 99 % on stage 1)"] == "0.67 (at most 0 misses)")
        #expect(section.tables.count == 2)
        // Mean and sample SD of setting 0's five edge distances: −0.096, 0.1756.
        #expect(section.tables[0].rows.map { $0.map(\.text) } == [
            ["0", "5.3 mm + PSF 0.25", "earl2", "0.15", "earl2 ×2, over-recovering ×2", "earl2", "-0.10 ± 0.18"],
            ["2", "7 mm", "earl1", "0.11", "earl2 ×3, earl1 ×1", "earl2", "–"],
        ])
        #expect(section.tables[1].rows.map { $0.map(\.text) } == [["s3.nii", "g3", "2", "earl1", "earl2"]])
        #expect(section.provenance.inputs.map(\.path) == ["corpus/corpus.json"])
    }

    /// A file of an older iqkit (no provenance), or one whose target is not
    /// a fraction (NaN once trapped converting the allowed misses to Int), is
    /// refused in one line naming it.
    @Test func badFilesAreRefused() throws {
        for (data, problem) in [
            (try Self.json(provenance: false), "without provenance"), (try Self.json(target: "\"NaN\""), "stage1Target is nan"),
            (try Self.json(target: "99"), "stage1Target is 99.0"), (try Self.json(target: "0"), "stage1Target is 0.0"),
        ] {
            #expect {
                _ = try EarlRelabellingReportReader.sections(from: data, path: "old.json")
            } throws: { error in
                "\(error)".contains("old.json") && "\(error)".contains(problem)
            }
        }
    }
}
