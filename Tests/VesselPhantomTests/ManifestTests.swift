import Foundation
import IQCore
import Testing
import VesselPhantom

@Suite struct ManifestTests {
    /// A folder with one (empty, never read here) image file and a manifest.
    static func folder(_ manifest: String, bytes: Data? = nil) throws -> String {
        let dir = NSTemporaryDirectory() + "iqkit-manifest-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/img", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/img/a.nii.gz", contents: Data([0]))
        _ = FileManager.default.createFile(atPath: dir + "/m.yaml", contents: bytes ?? Data(manifest.utf8))
        return dir + "/m.yaml"
    }

    static let good = """
        acquisitions:
          - path: img/a.nii.gz
            ctdiVolMGy: 0.2
            recon: FBP
            repetition: 1
        """

    @Test func readsAValidManifest() throws {
        let path = try Self.folder(Self.good + "\nsettings:\n  radiusBinsMM: [3, 1]\n  thresholdHU: -400\n")
        let m = try SeriesManifest.read(path)
        #expect(m.acquisitions.count == 1)
        #expect(m.acquisitions[0].ctdiVolMGy == 0.2 && m.acquisitions[0].recon == "FBP" && m.acquisitions[0].repetition == 1)
        #expect(m.acquisitions[0].resolvedPath.hasSuffix("/img/a.nii.gz"))
        #expect(m.settings.radiusBinsMM == [1, 3] && m.settings.segmenter.thresholdHU == -400)
    }

    /// Every bad manifest is one InputError line that names the file and the problem.
    @Test(arguments: [
        ("unknown field", good + "\n    colour: red", "unknown field `colour`"),
        ("wrong type", good.replacingOccurrences(of: "ctdiVolMGy: 0.2", with: "ctdiVolMGy: [1]"), "ctdiVolMGy must be a number"),
        ("negative dose", good.replacingOccurrences(of: "0.2", with: "-1"), "must be > 0"),
        ("bad repetition", good.replacingOccurrences(of: "repetition: 1", with: "repetition: one"), "repetition must be an integer"),
        ("missing file", good.replacingOccurrences(of: "img/a.nii.gz", with: "img/b.nii.gz"), "no such file"),
        ("traversal", good.replacingOccurrences(of: "img/a.nii.gz", with: "../../etc/passwd"), "outside the manifest's folder"),
        ("absolute", good.replacingOccurrences(of: "img/a.nii.gz", with: "/etc/passwd"), "must be relative"),
        ("duplicate", good + "\n" + good.replacingOccurrences(of: "acquisitions:\n", with: ""), "duplicates acquisitions[0]"),
        ("not a list", "acquisitions: 3", "must be a list"),
        ("top level", "- 1\n- 2", "top level must be a mapping"),
        ("unknown setting", good + "\nsettings:\n  speed: 3", "unknown field `speed`"),
        ("bad yaml", "acquisitions: [", "not valid YAML"),
        ("unknown top-level field", good + "\nversion: 2", "unknown top-level field `version`"),
        ("recon not a string", good.replacingOccurrences(of: "recon: FBP", with: "recon: [FBP]"), "recon must be a non-empty string"),
        ("repetition a list", good.replacingOccurrences(of: "repetition: 1", with: "repetition: [1]"), "repetition must be an integer"),
        ("missing repetition", good.replacingOccurrences(of: "repetition: 1", with: ""), "missing `repetition`"),
        ("field twice", good + "\n    recon: DL", "recon"),
        ("empty list", "acquisitions: []", "`acquisitions` is empty"),
    ])
    func rejects(_ c: (String, String, String)) throws {
        let path = try Self.folder(c.1)
        do {
            _ = try SeriesManifest.read(path)
            Issue.record("\(c.0): accepted")
        } catch let error as InputError {
            let text = "\(error)"
            #expect(text.contains(c.2), "\(c.0): \(text)")
            #expect(text.contains(path) && !text.contains("\n"), "\(c.0): \(text)")
        }
    }

    /// A "billion laughs" document: nine levels of ten aliases each.
    @Test func refusesAliasBomb() throws {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for k in 1...9 { yaml += "a\(k): &a\(k) [" + Array(repeating: "*a\(k - 1)", count: 10).joined(separator: ", ") + "]\n" }
        yaml += "acquisitions: *a9\n"
        let path = try Self.folder(yaml)
        #expect(throws: InputError.invalidData(path: path, problem: "more than 100000 YAML nodes (alias expansion?)")) { _ = try SeriesManifest.read(path) }
    }

    /// A symbolic link inside the folder that points out of it is traversal too.
    @Test func refusesSymlinkOutOfTheFolder() throws {
        let path = try Self.folder(Self.good.replacingOccurrences(of: "img/a.nii.gz", with: "img/link.nii"))
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createSymbolicLink(atPath: dir + "/img/link.nii", withDestinationPath: "/etc/passwd")
        #expect(throws: InputError.invalidData(path: path, problem: "acquisitions[0].path: `img/link.nii` points outside the manifest's folder")) {
            _ = try SeriesManifest.read(path)
        }
    }

    @Test func refusesNonUTF8() throws {
        let path = try Self.folder("", bytes: Data([0x61, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]))
        #expect(throws: InputError.invalidData(path: path, problem: "not UTF-8 text")) { _ = try SeriesManifest.read(path) }
    }
}
