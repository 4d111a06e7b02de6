import Foundation
import IQCore
import PETQuality
import Testing

/// Band files are data: every way of getting one wrong is a one-line error naming the file.
@Suite struct StandardFileTests {
    @Test func shippedStandardsLoad() {
        #expect(PhantomFixtures.earl1.spheres.count == 6)
        #expect(PhantomFixtures.earl2.bands(diameterMM: 10)?.rcMax == [0.52, 0.88])
        #expect(PhantomFixtures.earl1.source.contains("Boellaard"))
        #expect(PhantomFixtures.earl2.spheres.allSatisfy { $0.rcPeak == nil })
    }

    @Test func malformedFilesAreRefused() throws {
        let dir = NSTemporaryDirectory() + "iqkit-bands-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let header = "name: X\nversion: \"1\"\nsource: test\n"
        let cases: [(String, Data)] = [
            ("unknown-field", Data((header + "spheres:\n  - { diameterMM: 10, rcMean: [0.2, 0.4], rcMax: [0.3, 0.5], rcmin: [0, 1] }\n").utf8)),
            ("missing-field", Data((header + "spheres:\n  - { diameterMM: 10, rcMax: [0.3, 0.5] }\n").utf8)),
            ("wrong-type", Data((header + "spheres:\n  - { diameterMM: ten, rcMean: [0.2, 0.4], rcMax: [0.3, 0.5] }\n").utf8)),
            ("reversed-band", Data((header + "spheres:\n  - { diameterMM: 10, rcMean: [0.4, 0.2], rcMax: [0.3, 0.5] }\n").utf8)),
            ("duplicate", Data((header + "spheres:\n  - { diameterMM: 10, rcMean: [0.2, 0.4], rcMax: [0.3, 0.5] }\n  - { diameterMM: 10, rcMean: [0.2, 0.4], rcMax: [0.3, 0.5] }\n").utf8)),
            ("alias-bomb", Data((header + "a: &a [1, 1]\nb: &b [*a, *a]\nc: [*b, *b]\nspheres: []\n").utf8)),
            ("not-utf8", Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xFF, 0xFE, 0x0A])),
            ("not-yaml", Data("name: [unclosed\n".utf8)),
            ("empty", Data()),
        ]
        for (name, data) in cases {
            let path = dir + "/\(name).yaml"
            try data.write(to: URL(fileURLWithPath: path))
            do {
                _ = try EARLStandard.load(path)
                Issue.record("\(name): accepted")
            } catch let error as InputError {
                #expect(error.description.hasPrefix(path), "\(name): \(error)")
                #expect(!error.description.contains("\n"), "\(name): not one line: \(error)")
            }
        }
        #expect(throws: InputError.self) { try EARLStandard.load(dir + "/missing.yaml") }
    }

    /// Files saved with Windows line ends: a valid one loads, and an alias
    /// is still found (Swift reads CRLF as one Character, so splitting at
    /// "\n" once saw the whole file as one line, and a comment on its first
    /// line hid every alias after it).
    @Test func crlfFiles() throws {
        let dir = NSTemporaryDirectory() + "iqkit-bands-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = ["# a band file", "name: X", "version: \"1\"", "source: test", "spheres:", "  - { diameterMM: 10, rcMean: [0.2, 0.4], rcMax: [0.3, 0.5] }"]
        let valid = dir + "/valid.yaml", aliased = dir + "/aliased.yaml"
        try Data(lines.joined(separator: "\r\n").utf8).write(to: URL(fileURLWithPath: valid))
        #expect(try EARLStandard.load(valid).bands(diameterMM: 10)?.rcMax == [0.3, 0.5])
        try Data((lines + ["a: &a [1, 1]", "b: [*a, *a]"]).joined(separator: "\r\n").utf8).write(to: URL(fileURLWithPath: aliased))
        #expect(throws: InputError.invalidData(path: aliased, problem: "line 7: YAML anchors and aliases are not accepted")) { try EARLStandard.load(aliased) }
    }
}
