import Foundation
import IQCore
import Testing

@Suite struct NemaCLITests {
    /// simulate → analyze → harmonize --apply, through the binary: exit
    /// codes, JSON keys of the contract, and outputs with geometry.
    @Test func simulateAnalyzeHarmonize() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sharp = dir + "/sharp.nii.gz"
        var r = try CLIRunner.run(["simulate", "nema", sharp, "--fwhm-mm", "4.5", "--psf-overshoot", "0.3", "--noise", "0.1", "--voxel-mm", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/sharp.json"))

        // A sharp PSF reconstruction fails EARL1: exit 1, JSON written anyway.
        r = try CLIRunner.run(["nema", "analyze", sharp, "--standard", "earl1", "--json", dir + "/sharp-nema.json"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/sharp-nema.json"))) as? [String: Any]
        let spheres = json?["spheres"] as? [[String: Any]] ?? []
        #expect(spheres.count == 6)
        for key in ["diameterMM", "rcMax", "rcMean", "rcPeak", "pass"] { #expect(spheres.first?[key] != nil, "missing \(key)") }
        #expect((json?["background"] as? [String: Any])?["cov"] != nil)
        #expect(json?["effectiveFWHMMM"] as? Double != nil)
        #expect((json?["verdicts"] as? [String: Bool])?["EARL1"] == false)
        let provenance = json?["provenance"] as? [String: Any]
        #expect(((provenance?["inputs"] as? [[String: Any]])?.first?["sha256"] as? String)?.count == 64)

        // Harmonize to EARL1 and apply to the phantom itself; the filtered phantom passes.
        r = try CLIRunner.run(["harmonize", "--phantom", sharp, "--standard", "earl1", "--json", dir + "/h.json", "--apply", sharp, "--out", dir + "/harmonized"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let h = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/h.json"))) as? [String: Any]
        #expect((h?["feasibleFWHMMM"] as? [Double])?.count == 2)
        #expect(h?["recommendedFWHMMM"] as? Double != nil)
        r = try CLIRunner.run(["nema", "analyze", dir + "/harmonized/sharp.nii.gz", "--standard", "earl1", "--json", dir + "/after.json"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // A second scan whose voxels are cut short (its header reads fine): exit 2, and
        // neither filtered scan nor the folder is left (the first was written once).
        let full = try Data(contentsOf: URL(fileURLWithPath: sharp))
        try FileManager.default.createDirectory(atPath: dir + "/cut", withIntermediateDirectories: true)
        try NIfTIWriter.write(try NIfTIReader.read(sharp).volume, to: dir + "/cut/whole.nii")
        let whole = try Data(contentsOf: URL(fileURLWithPath: dir + "/cut/whole.nii"))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: dir + "/cut/half.nii"))
        r = try CLIRunner.run(["harmonize", "--phantom", sharp, "--standard", "earl1", "--apply", dir + "/cut/whole.nii", dir + "/cut/half.nii", "--out", dir + "/staged"])
        #expect(r.status == 2 && r.stderr.contains("half.nii: incomplete voxel data"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/staged"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: sharp)) == full)

        // Reports: passing results exit 0; a failing one exits 1 after writing HTML, TSV and JUnit.
        r = try CLIRunner.run(["report", dir + "/after.json", dir + "/h.json", "--out", dir + "/report-pass"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        r = try CLIRunner.run(["report", dir + "/sharp-nema.json", dir + "/after.json", "--out", dir + "/report", "--junit", dir + "/junit.xml"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let html = try String(contentsOfFile: dir + "/report/index.html", encoding: .utf8)
        #expect(html.contains("FAIL") && html.contains("sharp.nii.gz"))
        let junit = try String(contentsOfFile: dir + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("<failure") && junit.contains("EARL1 10 mm RCmax"))
        let tsv = try String(contentsOfFile: dir + "/report/results.tsv", encoding: .utf8)
        #expect(tsv.split(separator: "\n").count == 3)
        r = try CLIRunner.run(["report", dir + "/sharp.json", "--out", dir + "/report-bad"])
        #expect(r.status == 2 && r.stderr.contains("sharp.json"), "truth sidecar is not a result: \(r.stderr)")

        // Too smooth for EARL2: harmonize exits 1 and says why.
        let smooth = dir + "/smooth.nii"
        try CLIRunner.run(["simulate", "nema", smooth, "--fwhm-mm", "11", "--voxel-mm", "4"])
        r = try CLIRunner.run(["harmonize", "--phantom", smooth, "--standard", "earl2"])
        #expect(r.status == 1 && r.stdout.contains("too smooth"), "\(r.stdout)\(r.stderr)")
    }

    /// Negative rotations, tilts and shifts are values, not options: they
    /// were refused ("Missing value for '--rotate-deg'") unless written
    /// `--rotate-deg=-5`. The truth sidecar's pose moves by the shift given.
    @Test func negativePoseValues() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func pose(_ name: String, _ options: [String]) throws -> [String: [Double]] {
            let r = try CLIRunner.run(["simulate", "nema", dir + "/\(name).nii", "--voxel-mm", "4"] + options)
            #expect(r.status == 0, "\(options): \(r.stderr)")
            let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/\(name).json"))) as? [String: Any]
            return try #require(truth?["pose"] as? [String: [Double]])
        }
        let centred = try pose("centred", [])
        let moved = try pose("moved", ["--rotate-deg", "-5", "--tilt-deg", "-2", "--shift-mm", "-4,0,1.5"])
        let shift = zip(moved["translationMM"] ?? [], centred["translationMM"] ?? []).map { $0 - $1 }
        #expect(shift == [-4, 0, 1.5], "\(shift)")
        #expect(moved["rotation"] != centred["rotation"])
        #expect(try pose("equals", ["--rotate-deg=-5", "--tilt-deg=-2", "--shift-mm=-4,0,1.5"]) == moved)
    }

    @Test func badInputsExitTwo() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = dir + "/blob.nii"
        try CLIRunner.run(["simulate", "spheres", image, "--matrix", "32", "--slices", "8", "--voxel-mm", "4"])
        var r = try CLIRunner.run(["nema", "analyze", dir + "/missing.nii"])
        #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1)
        r = try CLIRunner.run(["nema", "analyze", image, "--standard", "earl9"])
        #expect(r.status == 2 && r.stderr.contains("earl9"))
        r = try CLIRunner.run(["nema", "analyze", image, "--sphere-activity", "-5"])
        #expect(r.status == 2)
        try Data("spheres: [".utf8).write(to: URL(fileURLWithPath: dir + "/bad.yaml"))
        r = try CLIRunner.run(["nema", "analyze", image, "--standard", dir + "/bad.yaml"])
        #expect(r.status == 2 && r.stderr.contains("bad.yaml"), "\(r.stderr)")
        r = try CLIRunner.run(["harmonize", "--phantom", image, "--standard", "earl1", "--apply", image])
        #expect(r.status == 2)
    }
}
