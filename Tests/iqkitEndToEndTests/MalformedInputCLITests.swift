import Foundation
import IQTestSupport
import Testing

/// The robustness contract at the command line: every malformed input gets
/// exit code 2 and exactly one line on stderr naming the file, nothing on
/// stdout, no output file, and the input untouched.
@Suite struct MalformedInputCLITests {
    /// (name, how to make it) — files are generated so the corpus stays small.
    static func corpus(in dir: String) throws -> [(String, String)] {
        var cases: [(String, String)] = []
        func add(_ name: String, _ change: (inout CraftedNIfTI) -> Void, values: [Double] = (0..<24).map(Double.init)) throws {
            var c = CraftedNIfTI()
            change(&c)
            try c.write(values, to: dir + "/" + name)
            cases.append((name, dir + "/" + name))
        }
        func raw(_ name: String, _ bytes: [UInt8]) throws {
            try CraftedNIfTI.writeBytes(bytes, to: dir + "/" + name)
            cases.append((name, dir + "/" + name))
        }
        try raw("empty.nii", [])
        try raw("not-nifti.nii", Array("P5\n4 4\n255\n".utf8) + [UInt8](repeating: 7, count: 400))
        try raw("truncated-header.nii", Array(CraftedNIfTI().headerBytes(singleFile: true).prefix(100)))
        try raw("truncated-header.nii.gz", Array(CraftedNIfTI().headerBytes(singleFile: true).prefix(300)))
        try add("truncated-data.nii", { _ in }, values: [1, 2, 3])
        try add("truncated-data.nii.gz", { _ in }, values: [1, 2, 3])
        try add("wrong-magic.nii", { $0.magicOverride = Array("n+9\0".utf8) })
        try add("zero-dim.nii", { $0.dim[3] = 0 })
        try add("negative-dim.nii", { $0.dim[1] = -1 })
        try add("huge-dims.nii", { $0.dim = [3, 32767, 32767, 32767, 1, 1, 1, 1] })
        try add("overflow-dims.nii", { $0.version = .nifti2; $0.dim = [3, Int64.max / 2, 4, 4, 1, 1, 1, 1] })
        try add("offset-past-end.nii", { $0.voxOffset = 123_456 })
        try add("unsupported-datatype.nii", { $0.datatype = 1536; $0.bitpix = 128 })
        try add("nan-slope.nii", { $0.sclSlope = .nan })
        try add("inf-slope.nii", { $0.sclSlope = .infinity })
        try add("zero-spacing.nii", { $0.pixdim[2] = 0 })
        try add("negative-spacing.nii", { $0.pixdim[1] = -1 })
        try add("nan-spacing.nii", { $0.pixdim[3] = .nan })
        try add("four-d-no-frame.nii", { $0.dim = [4, 2, 2, 2, 3, 1, 1, 1] })
        try add("five-d.nii", { $0.dim = [5, 2, 2, 2, 1, 3, 1, 1] })
        try CraftedNIfTI().writePair((0..<24).map(Double.init), header: dir + "/no-image.hdr", image: dir + "/no-image.img")
        try FileManager.default.removeItem(atPath: dir + "/no-image.img")
        cases.append(("hdr-without-img", dir + "/no-image.hdr"))
        try FileManager.default.createDirectory(atPath: dir + "/a-folder.nii", withIntermediateDirectories: true)
        cases.append(("directory", dir + "/a-folder.nii"))
        cases.append(("missing", dir + "/does-not-exist.nii.gz"))
        return cases
    }

    @Test func everyMalformedInputExitsTwoWithOneLine() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, path) in try Self.corpus(in: dir) {
            let before = FileManager.default.contents(atPath: path)
            for args in [["info", path], ["edge", path, dir + "/out-\(name).nii.gz"], ["smooth", path, dir + "/out-\(name).nii", "--fwhm-mm", "4"]] {
                let r = try CLIRunner.run(args)
                #expect(r.status == 2, "\(name) \(args[0]): exit \(r.status), \(r.stderr)")
                let lines = r.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(name) \(args[0]): \(r.stderr)")
                #expect(r.stderr.contains(path), "\(name) \(args[0]): does not name the file: \(r.stderr)")
                #expect(r.stdout.isEmpty, "\(name) \(args[0]): printed \(r.stdout)")
            }
            #expect(FileManager.default.contents(atPath: path) == before, "\(name): input changed")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("out-") || $0.contains(".iqkit-") }
        #expect(leftovers.isEmpty, "partial outputs: \(leftovers)")
    }

    /// NaN/Inf voxels are a documented policy, not an error: `info` counts
    /// them; filters treat them as 0 and warn with the count. An image with
    /// no finite voxel is bad input: one line naming it, exit 2, no output
    /// (it drew the count's warning and then an error, two lines).
    @Test func nonFiniteVoxelsArePolicyNotError() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var values = (0..<24).map(Double.init)
        values[5] = .nan
        values[6] = -.infinity
        try CraftedNIfTI().write(values, to: dir + "/nan.nii")
        var r = try CLIRunner.run(["info", dir + "/nan.nii", "--json"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("\"nonFiniteVoxels\" : 2"))
        // Mean and range over the 22 finite voxels: (0 + … + 23 − 5 − 6) / 22.
        let info = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(abs((info?["mean"] as? Double ?? 0) - Double(276 - 5 - 6) / 22) < 1e-9)
        #expect(info?["min"] as? Double == 0 && info?["max"] as? Double == 23)
        r = try CLIRunner.run(["edge", dir + "/nan.nii", dir + "/edge.nii"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("2 NaN/Inf voxels are treated as 0"))
        try CraftedNIfTI().write([Double](repeating: .nan, count: 24), to: dir + "/all-nan.nii")
        for command in [["edge", dir + "/all-nan.nii", dir + "/out-edge.nii"], ["smooth", dir + "/all-nan.nii", dir + "/out-smooth.nii", "--fwhm-mm", "6"], ["earl", "check", dir + "/all-nan.nii"]] {
            r = try CLIRunner.run(command)
            #expect(r.status == 2 && r.stderr == "iqkit: error: \(dir)/all-nan.nii: every voxel is NaN or infinite\n", "\(command[0]): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out-edge.nii") && !FileManager.default.fileExists(atPath: dir + "/out-smooth.nii"))
    }

    @Test func voxelBudgetIsEnforcedFromTheCommandLineAndEnvironment() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CraftedNIfTI().write((0..<24).map(Double.init), to: dir + "/a.nii")
        var r = try CLIRunner.run(["info", dir + "/a.nii", "--max-voxels", "10"])
        #expect(r.status == 2 && r.stderr.contains("voxel budget"))
        r = try CLIRunner.run(["info", dir + "/a.nii"], environment: ["IQKIT_MAX_VOXELS": "10"])
        #expect(r.status == 2 && r.stderr.contains("voxel budget"))
        r = try CLIRunner.run(["info", dir + "/a.nii", "--max-voxels", "24"])
        #expect(r.status == 0)
    }

    @Test func outputIntoMissingFolderIsRefusedCleanly() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CraftedNIfTI().write((0..<24).map(Double.init), to: dir + "/a.nii")
        let r = try CLIRunner.run(["edge", dir + "/a.nii", dir + "/no/such/folder/out.nii"])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    /// Every command checks its output paths before it reads or computes
    /// anything: an output in a missing folder fails at once with one line
    /// naming it, prints no result and writes nothing, where it used to
    /// fail only when the result was written (after a whole `earl train`).
    @Test func outputPathsAreCheckedBeforeAnyWork() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scan = dir + "/patient.nii.gz", model = dir + "/model.json"
        let sim = try CLIRunner.run(["simulate", "patient", scan, "--voxel-mm", "8", "--matrix", "50", "--bed-positions", "1", "--fwhm-mm", "6", "--supersampling", "1"])
        #expect(sim.status == 0, "\(sim.stderr)")
        try EarlCLITests.writeModel(model)
        let result = dir + "/result.json"
        try Data("{}".utf8).write(to: URL(fileURLWithPath: result))
        let before = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let missing = dir + "/no/such/folder"
        let cases: [[String]] = [
            ["earl", "check", scan, "--model", model, "--json", missing + "/check.json"],
            ["earl", "train", "--data", dir, "--labels", dir + "/labels.csv", "--out", missing + "/model.json"],
            ["earl", "train", "--data", dir, "--labels", dir + "/labels.csv", "--folds", "2", "--cv-json", missing + "/cv.json"],
            ["earl", "evaluate", "--data", dir, "--labels", dir + "/labels.csv", "--model", model, "--json", missing + "/e.json"],
            ["earl", "combine", model, model, "--out", missing + "/joined.json"],
            ["earl", "cv-merge", result, "--json", missing + "/merged.json"],
            ["nema", "analyze", scan, "--json", missing + "/nema.json"],
            ["harmonize", "--phantom", scan, "--standard", "earl1", "--json", missing + "/h.json"],
            ["report", result, "--out", dir + "/report", "--junit", missing + "/junit.xml"],
            ["phantom", "segment", scan, missing + "/mask.nii"],
            ["simulate", "spheres", missing + "/spheres.nii", "--matrix", "16", "--slices", "4"],
            ["simulate", "patient", missing + "/patient.nii", "--voxel-mm", "8", "--matrix", "50"],
            ["simulate", "nema", missing + "/nema.nii"],
        ]
        for args in cases {
            let r = try CLIRunner.run(args)
            let name = args.prefix(2).joined(separator: " ")
            #expect(r.status == 2, "\(name): exit \(r.status), \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(missing) && r.stderr.contains("does not exist"), "\(name): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(name) printed \(r.stdout)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == before, "outputs were written")
        // A report folder that is a file, and two filtered scans that would
        // land on one name, are refused before any work too.
        for args in [["report", result, "--out", scan], ["simulate", "pet-patients", scan, "--count", "3"], ["simulate", "vessel-series", scan]] {
            let r = try CLIRunner.run(args)
            // pet-patients used to exit 1 with Foundation's raw error.
            #expect(r.status == 2 && r.stderr.contains("expected a folder") && r.stderr.split(separator: "\n").count == 1, "\(args[0...1]): \(r.stderr)")
        }
        try FileManager.default.createDirectory(atPath: dir + "/other", withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: scan, toPath: dir + "/other/patient.nii.gz")
        let r = try CLIRunner.run(["harmonize", "--phantom", scan, "--standard", "earl1", "--apply", scan, dir + "/other/patient.nii.gz", "--out", dir + "/h"])
        #expect(r.status == 2 && r.stderr.contains("share a file name") && r.stdout.isEmpty, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/h"))
    }

    /// No output lands on an input or on another output of the same run,
    /// checked before anything is written: `phantom segment --vesselness`
    /// overwrote its input, and `report --junit` naming the report folder
    /// failed only after the report was written (2026-12-07).
    @Test func outputsLandOnNeitherInputsNorEachOther() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scan = dir + "/patient.nii.gz", model = dir + "/model.json", result = dir + "/result.json"
        let sim = try CLIRunner.run(["simulate", "patient", scan, "--voxel-mm", "8", "--matrix", "50", "--bed-positions", "1", "--fwhm-mm", "6", "--supersampling", "1"])
        #expect(sim.status == 0, "\(sim.stderr)")
        try EarlCLITests.writeModel(model)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: result))
        try "patient.nii.gz,clinical\n".write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
        let original = try Data(contentsOf: URL(fileURLWithPath: scan))
        let before = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let cases: [([String], String)] = [
            (["phantom", "segment", scan, dir + "/mask.nii", "--vesselness", scan], "inputs are never overwritten"),
            (["phantom", "segment", scan, dir + "/mask.nii", "--vesselness", dir + "/mask.nii"], "is written there too"),
            (["report", result, "--out", dir + "/report", "--junit", dir + "/report"], "is written there too"),
            (["report", result, "--out", dir + "/report", "--junit", dir + "/report/index.html"], "is written there too"),
            (["earl", "train", "--data", dir, "--labels", dir + "/labels.csv", "--out", scan], "inputs are never overwritten"),
            (["earl", "train", "--data", dir, "--labels", dir + "/labels.csv", "--out", dir + "/m.json", "--report", dir + "/m.json"], "is written there too"),
            (["earl", "evaluate", "--data", dir, "--labels", dir + "/labels.csv", "--model", model, "--json", scan], "inputs are never overwritten"),
            (["earl", "evaluate", "--data", dir, "--labels", dir + "/labels.csv", "--model", model, "--json", dir + "/e", "--report", dir + "/e"], "is written there too"),
            (["harmonize", "--phantom", scan, "--standard", "earl1", "--apply", scan, "--out", dir + "/h", "--json", dir + "/h/patient.nii.gz"], "is written there too"),
        ]
        for (args, problem) in cases {
            let r = try CLIRunner.run(args)
            #expect(r.status == 2 && r.stderr.contains(problem) && r.stderr.split(separator: "\n").count == 1, "\(args.prefix(2)): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == before, "outputs were written")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scan)) == original)
    }
}
