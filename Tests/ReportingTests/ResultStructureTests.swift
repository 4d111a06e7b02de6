import Foundation
import IQCore
import Reporting
import Testing

/// Result files that decode but were not written by iqkit (edited,
/// truncated, made up) are refused in one line naming the file, never
/// trapped on. The inputs are `nema analyze`'s output with one field
/// changed; the first case is what the `results` fuzz target found (a
/// diameter beyond Int's range).
@Suite struct ResultStructureTests {
    static var nema: [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/results/nema.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
    }

    static func nema(changingFirstSphere change: (inout [String: Any]) -> Void) throws -> Data {
        var object = Self.nema
        var spheres = try #require(object["spheres"] as? [[String: Any]])
        change(&spheres[0])
        object["spheres"] = spheres
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test func nemaResultsOutsideWhatIqkitWritesAreRefused() throws {
        #expect(try NemaReportReader.sections(from: JSONSerialization.data(withJSONObject: Self.nema), path: "n.json").count == 1)
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("a sphere diameter of 3.7e+57 mm", { $0["diameterMM"] = 3.7e57 }),
            ("a sphere diameter of nan mm", { $0["diameterMM"] = "NaN" }),
            ("a sphere diameter of 0.0 mm", { $0["diameterMM"] = 0 }),
            ("sphere centre [1.0, 2.0] (voxels)", { $0["centerVoxel"] = [1, 2] }),
            ("a EARL1 band of 1 values, not 2", { s in
                var pass = s["pass"] as! [String: [String: Any]]
                pass["EARL1"]!["rcMaxBand"] = [0.9]
                s["pass"] = pass
            }),
        ]
        for (problem, change) in cases {
            #expect {
                _ = try NemaReportReader.sections(from: Self.nema(changingFirstSphere: change), path: "n.json")
            } throws: { error in
                let text = "\(error)"
                return text.contains("n.json") && text.contains(problem) && !text.contains("\n")
            }
        }
        var empty = Self.nema
        empty["spheres"] = [[String: Any]]()
        #expect(throws: InputError.self) { try NemaReportReader.sections(from: JSONSerialization.data(withJSONObject: empty), path: "n.json") }
        var negative = Self.nema
        var activities = try #require(negative["activities"] as? [String: Any])
        activities["sphereBqML"] = -1
        negative["activities"] = activities
        #expect(throws: InputError.self) { try NemaReportReader.sections(from: JSONSerialization.data(withJSONObject: negative), path: "n.json") }
    }

    /// The same for `harmonize` results (a 10-point sweep of `iqkit harmonize`'s output).
    @Test func harmonizeResultsOutsideWhatIqkitWritesAreRefused() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/results/harmonize.json")
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        #expect(try HarmonizeReportReader.sections(from: JSONSerialization.data(withJSONObject: original), path: "h.json").count == 1)
        var sweep = try #require(original["sweep"] as? [[String: Any]])
        sweep[1]["rcMean"] = [0.5]
        let cases: [(String, String, Any)] = [
            ("diametersMM", "sphere diameters [1e+300", [1e300, 28, 22, 17, 13, 10]),
            ("sweep", "a sweep point without one RCmean per sphere", sweep),
            ("feasibleFWHMMM", "a feasible range of 1 values, not 2", [4.0]),
        ]
        for (key, problem, value) in cases {
            var changed = original
            changed[key] = value
            #expect {
                _ = try HarmonizeReportReader.sections(from: JSONSerialization.data(withJSONObject: changed), path: "h.json")
            } throws: { error in
                "\(error)".contains("h.json") && "\(error)".contains(problem)
            }
        }
    }
}
