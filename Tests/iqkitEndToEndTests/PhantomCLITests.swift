import Foundation
import IQTestSupport
import Testing

/// The vertical slice as a user runs it: simulate a tiny series, analyse it, read the JSON.
@Suite struct PhantomCLITests {
    @Test func simulateThenAnalyze() throws {
        let dir = CLIRunner.temporaryFolder()
        let sim = try CLIRunner.run([
            "simulate", "vessel-series", dir + "/series", "--doses", "0.5", "4", "--recons", "FBP", "iterative", "DL",
            "--repetitions", "2", "--matrix", "72", "--matrix", "60", "--matrix", "16", "--voxel-mm", "1.2",
        ])
        #expect(sim.status == 0, "\(sim.stderr)")
        let manifest = dir + "/series/manifest.yaml"
        let run = try CLIRunner.run(["phantom", "analyze", manifest, "--json", dir + "/r.json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("IQR (HU)") && run.stdout.contains("tree volume (ml)"))
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/r.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let acquisitions = try #require(json["acquisitions"] as? [[String: Any]])
        #expect(acquisitions.count == 12)
        let first = try #require(acquisitions.first)
        for key in ["path", "ctdiVolMGy", "recon", "repetition", "volumeML", "bins"] { #expect(first[key] != nil, "acquisitions[].\(key)") }
        let bin = try #require((first["bins"] as? [[String: Any]])?.first)
        for key in ["radiusMM", "mpvHU", "iqrHU", "voxels"] { #expect(bin[key] != nil, "bins[].\(key)") }
        let summary = try #require(json["summary"] as? [[String: Any]])
        // 3 recons × 2 doses, each over 2 repetitions.
        #expect(summary.count == 6)
        let row = try #require(summary.first)
        let volume = try #require(row["volumeML"] as? [String: Any])
        #expect(volume["mean"] is Double && volume["sd"] is Double)
        #expect((row["repetitions"] as? Int) == 2)
        let sbin = try #require((row["bins"] as? [[String: Any]])?.first)
        #expect(sbin["mpvHU"] is [String: Any] && sbin["iqrHU"] is [String: Any])
    }

    @Test func badManifestExitsTwoWithOneLine() throws {
        let dir = CLIRunner.temporaryFolder()
        try "acquisitions:\n  - path: ../x.nii\n    ctdiVolMGy: 1\n    recon: FBP\n    repetition: 1\n".write(
            toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
        let run = try CLIRunner.run(["phantom", "analyze", dir + "/m.yaml"])
        #expect(run.status == 2)
        #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("m.yaml"), "\(run.stderr)")
        let missing = try CLIRunner.run(["phantom", "analyze", dir + "/none.yaml"])
        #expect(missing.status == 2 && missing.stderr.contains("no such file"))
        // A dose whose file name cannot be written once left truth/ and empty folders behind.
        let dose = try CLIRunner.run(["simulate", "vessel-series", dir + "/series", "--doses", "1e308"])
        #expect(dose.status == 2 && dose.stderr.contains("--doses must be CTDIvol values in (0, 1000] mGy"), "\(dose.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/series"))
    }

    /// A CT volume with NaN voxels around a vessel (the graph cut's weights
    /// came out NaN and trapped, 2026-12-07): `phantom segment` sets them to
    /// 0 HU with a warning, as every command states; a series refuses the
    /// acquisition in one line, having no place to say what it changed.
    @Test func nonFiniteHUAreSetToZeroOrRefused() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let n = 24
        var values = [Double](repeating: -900, count: n * n * n)
        for z in 0..<n {
            for y in 10...13 { for x in 10...13 { values[x + n * (y + n * z)] = 40 } }
            values[3 + n * (3 + n * z)] = .nan  // in the lung background, where it trapped
        }
        var image = CraftedNIfTI()
        image.dim = [3, Int64(n), Int64(n), Int64(n), 1, 1, 1, 1]
        image.pixdim = [1, 0.8, 0.8, 0.8, 1, 1, 1, 1]
        try image.write(values, to: dir + "/nan.nii")
        let segment = try CLIRunner.run(["phantom", "segment", dir + "/nan.nii", dir + "/mask.nii"])
        #expect(segment.status == 0, "\(segment.stderr)")
        #expect(segment.stderr == "iqkit: warning: \(dir)/nan.nii: \(n) NaN/Inf voxels are treated as 0\n")
        #expect(FileManager.default.fileExists(atPath: dir + "/mask.nii"))

        try "acquisitions:\n  - path: nan.nii\n    ctdiVolMGy: 1\n    recon: FBP\n    repetition: 1\n".write(
            toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
        let series = try CLIRunner.run(["phantom", "analyze", dir + "/m.yaml", "--json", dir + "/r.json"])
        #expect(series.status == 2, "\(series.stderr)")
        #expect(series.stderr == "iqkit: error: \(dir)/nan.nii: \(n) NaN/Inf voxels; every voxel of a series volume must be finite\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/r.json"))
    }

    /// The whole vessel path as a user runs it: simulate, analyse with masks,
    /// report; a recon named like a script is escaped in every output.
    @Test func reportOfASeriesEscapesReconNames() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sim = try CLIRunner.run([
            "simulate", "vessel-series", dir + "/series", "--doses", "0.5", "4", "--recons", "FBP", "iterative",
            "--repetitions", "1", "--matrix", "72", "--matrix", "60", "--matrix", "16", "--voxel-mm", "1.2",
        ])
        #expect(sim.status == 0, "\(sim.stderr)")
        // Not a terminal: no progress line.
        #expect(sim.stderr.isEmpty, "\(sim.stderr)")
        let manifest = dir + "/series/manifest.yaml"
        let hostile = "<script>alert(1)</script>"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: "recon: FBP", with: "recon: \"\(hostile)\"").write(toFile: manifest, atomically: true, encoding: .utf8)
        let run = try CLIRunner.run(["phantom", "analyze", manifest, "--json", dir + "/r.json", "--masks", dir + "/masks"])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json"))) as? [String: Any])
        #expect(json["kind"] as? String == "ct-vessel-phantom-series" && json["manifest"] as? String == manifest)
        let acquisitions = try #require(json["acquisitions"] as? [[String: Any]])
        for a in acquisitions {
            let mask = try #require(a["maskPath"] as? String)
            #expect(mask.hasPrefix(dir + "/masks/") && FileManager.default.fileExists(atPath: mask))
        }
        let report = try CLIRunner.run(["report", dir + "/r.json", "--out", dir + "/report", "--junit", dir + "/junit.xml"])
        #expect([0, 1].contains(report.status), "\(report.stderr)")
        let html = try String(contentsOfFile: dir + "/report/index.html", encoding: .utf8)
        #expect(!html.contains("<script") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("IQR falls with dose") && html.contains("data:image/png;base64,"))
        for name in ["vessel-manifest-mpv.svg", "vessel-manifest-iqr.svg", "vessel-manifest-volume.svg"] {
            let svg = try String(contentsOfFile: dir + "/report/" + name, encoding: .utf8)
            #expect(!svg.contains("<script"), "\(name)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/report/vessel-manifest-mip.png"))
        let junit = try String(contentsOfFile: dir + "/junit.xml", encoding: .utf8)
        #expect(!junit.contains("<script") && junit.contains("iqkit.vessel"))
    }

    static let goodManifest = """
        acquisitions:
          - path: img/a.nii.gz
            ctdiVolMGy: 0.2
            recon: FBP
            repetition: 1

        """

    /// "Billion laughs": nine levels of ten aliases each (10⁹ nodes expanded).
    static let aliasBomb: String = {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for k in 1...9 { yaml += "a\(k): &a\(k) [" + Array(repeating: "*a\(k - 1)", count: 10).joined(separator: ", ") + "]\n" }
        return yaml + "acquisitions: *a9\n"
    }()

    /// Malformed manifests and images through the CLI: exit 2, one line on
    /// stderr naming the file, and neither the JSON nor the masks folder.
    @Test(arguments: [
        ("missing file", goodManifest.replacingOccurrences(of: "img/a.nii.gz", with: "img/none.nii.gz"), "no such file"),
        ("unknown field", goodManifest + "    colour: red\n", "unknown field `colour`"),
        ("unknown top-level field", goodManifest + "version: 2\n", "unknown top-level field `version`"),
        ("wrong type", goodManifest.replacingOccurrences(of: "repetition: 1", with: "repetition: [1]"), "repetition must be an integer"),
        ("recon not a string", goodManifest.replacingOccurrences(of: "recon: FBP", with: "recon: {a: 1}"), "recon must be a non-empty string"),
        ("duplicate", goodManifest + goodManifest.replacingOccurrences(of: "acquisitions:\n", with: ""), "duplicates acquisitions[0]"),
        ("path traversal", goodManifest.replacingOccurrences(of: "img/a.nii.gz", with: "img/../../x.nii"), "outside the manifest's folder"),
        ("symlink out", goodManifest.replacingOccurrences(of: "img/a.nii.gz", with: "img/link.nii"), "outside the manifest's folder"),
        ("alias bomb", aliasBomb, "YAML nodes (alias expansion?)"),
        ("non-UTF-8", "acquisitions: \u{FFFD}\n", "not UTF-8 text"),
        ("empty", "", "empty manifest"),
        ("not an image", goodManifest.replacingOccurrences(of: "img/a.nii.gz", with: "img/text.nii"), "img/text.nii"),
    ])
    func malformedInputExitsTwo(_ c: (String, String, String)) throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/img", withIntermediateDirectories: true)
        // An image (never read: every case fails before), a text file named
        // like one, a symbolic link out of the folder.
        try Data([0]).write(to: URL(fileURLWithPath: dir + "/img/a.nii.gz"))
        try Data("this is not a NIfTI image".utf8).write(to: URL(fileURLWithPath: dir + "/img/text.nii"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/img/link.nii", withDestinationPath: "/etc/passwd")
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        let manifest = dir + "/m.yaml"
        var bytes = Data(c.1.utf8)
        if c.0 == "non-UTF-8" { bytes = Data("acquisitions: ".utf8) + Data([0xFF, 0xFE, 0x0A]) }
        try bytes.write(to: URL(fileURLWithPath: manifest))
        let r = try CLIRunner.run(["phantom", "analyze", manifest, "--json", dir + "/out/r.json", "--masks", dir + "/out/masks"])
        #expect(r.status == 2, "\(c.0): status \(r.status), \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(c.0): \(r.stderr)")
        #expect(r.stderr.contains(c.2), "\(c.0): \(r.stderr)")
        #expect(r.stderr.contains(c.0 == "not an image" ? dir + "/img/text.nii" : manifest), "\(c.0): \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(c.0): \(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/r.json"), "\(c.0)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/masks"), "\(c.0)")
    }
}
