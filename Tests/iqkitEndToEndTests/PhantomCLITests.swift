import Foundation
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
    }
}
