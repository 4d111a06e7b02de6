import EARLClassifier
import EARLCorpus
import Foundation
import IQCore
import SparseCNN
import Testing

@Suite struct EarlCLITests {
    /// A model with untrained (seeded) weights: enough to test the command's
    /// plumbing, exit codes and JSON; what it answers is arbitrary but fixed.
    static func writeModel(_ path: String, seed: UInt64 = 1, voxelMM: Double = 8) throws {
        let input = InputSpecification(voxelSizeMM: voxelMM, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge", "intensity"], activeStride: 1)
        let model = try EARLModel(
            stage1: Network(architecture: .earlDefault(inputChannels: 2, classes: EARLModel.stage1Classes), seed: seed),
            stage2: Network(architecture: .earlDefault(inputChannels: 2, classes: EARLModel.stage2Classes), seed: seed + 1), input: input)
        try model.write(to: path)
    }

    /// A small labelled test-split corpus (one bed position, one scan per setting).
    static func simulateCorpus(_ folder: String, count: Int) throws {
        let sim = try CLIRunner.run([
            "simulate", "pet-patients", folder, "--count", "\(count)", "--bed-positions", "1", "--scans-per-setting", "1", "--split", "test", "--seed", "7",
        ])
        #expect(sim.status == 0, "\(sim.stderr)")
    }

    @Test func checkPrintsLabelsWritesJSONAndExitsByRequirement() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = dir + "/model.json", scan = dir + "/patient.nii.gz", json = dir + "/out.json"
        try Self.writeModel(model)
        let sim = try CLIRunner.run(["simulate", "patient", scan, "--voxel-mm", "8", "--matrix", "50", "--bed-positions", "1", "--fwhm-mm", "6", "--supersampling", "1"])
        #expect(sim.status == 0, "\(sim.stderr)")
        let check = try CLIRunner.run(["earl", "check", scan, "--model", model, "--json", json])
        #expect(check.status == 0, "\(check.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        let result = try #require((report?["results"] as? [[String: Any]])?.first)
        #expect(result["path"] as? String == scan)
        let label = try #require((result["label"] as? String).flatMap(EARLLabel.init(rawValue:)))
        let p = try #require(result["probabilities"] as? [String: Double])
        #expect(abs((p["clinical"] ?? 0) + (p["earl1"] ?? 0) + (p["earl2"] ?? 0) - 1) < 1e-9)
        #expect(check.stdout.hasPrefix("\(scan): \(label.rawValue) (clinical "))
        for requirement in EARLRequirement.allCases {
            let r = try CLIRunner.run(["earl", "check", scan, "--model", model, "--require", requirement.rawValue])
            #expect(r.status == (requirement.isMet(by: label) ? 0 : 1), "--require \(requirement.rawValue) with label \(label.rawValue): \(r.stderr)")
        }

        // The report renders the labels, probabilities and an edge-image mosaic.
        let required = dir + "/required.json"
        try CLIRunner.run(["earl", "check", scan, "--model", model, "--json", required, "--require", "any"])
        let rendered = try CLIRunner.run(["report", required, "--out", dir + "/report"])
        #expect(rendered.status == (EARLRequirement.any.isMet(by: label) ? 0 : 1), "\(rendered.stderr)")
        let html = try String(contentsOfFile: dir + "/report/index.html", encoding: .utf8)
        #expect(html.contains("P(clinical)") && html.contains(label.rawValue))
        #expect(html.contains("data:image/png;base64,"), "edge-image mosaic missing")
    }

    /// A scan whose voxels lie outside the model's training scans still gets
    /// its label (exit 0), with one warning line on stderr and the same
    /// words in the JSON; a model without a recorded domain warns of nothing.
    @Test func checkWarnsOutsideTheTrainingVoxelSizes() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = dir + "/plain.json", bounded = dir + "/bounded.json", scan = dir + "/patient.nii.gz"
        try Self.writeModel(plain)
        let model = try EARLModel.read(from: plain)
        model.domain = ScanDomain(inPlaneVoxelMM: 2...4.1, axialVoxelMM: 2...4.1, scans: 9)
        try model.write(to: bounded)
        let sim = try CLIRunner.run(["simulate", "patient", scan, "--voxel-mm", "8", "--matrix", "50", "--bed-positions", "1", "--fwhm-mm", "6", "--supersampling", "1"])
        #expect(sim.status == 0, "\(sim.stderr)")
        let quiet = try CLIRunner.run(["earl", "check", scan, "--model", plain])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        let check = try CLIRunner.run(["earl", "check", scan, "--model", bounded, "--json", dir + "/c.json"])
        let warning = "voxels 8.00×8.00×8.00 mm lie outside the model's training scans (2.00–4.10 mm in plane, 2.00–4.10 mm axially, ±10 %): the label is an extrapolation"
        #expect(check.status == 0 && check.stderr == "iqkit: warning: \(scan): \(warning)\n", "\(check.stderr)")
        #expect(check.stdout == quiet.stdout)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/c.json"))) as? [String: Any]
        #expect((report?["results"] as? [[String: Any]])?.first?["warnings"] as? [String] == [warning])
        // The scan's edge noise and the model's domain travel with the JSON.
        #expect(((report?["results"] as? [[String: Any]])?.first?["edgeNoise"] as? Double).map { $0 > 0 && $0 < 1 } == true, "\(report ?? [:])")
        #expect((report?["modelDomain"] as? [String: Any])?["scans"] as? Int == 9)
        let rendered = try CLIRunner.run(["report", dir + "/c.json", "--out", dir + "/report"])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let html = try String(contentsOfFile: dir + "/report/index.html", encoding: .utf8)
        #expect(html.contains("the label is an extrapolation"))
        // `earl evaluate` says how many of its scans lie outside, once.
        try "patient.nii.gz,clinical\n".write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
        let evaluate = try CLIRunner.run(["earl", "evaluate", "--data", dir, "--labels", dir + "/labels.csv", "--model", bounded])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(
            evaluate.stderr.split(separator: "\n").filter { $0.hasPrefix("iqkit: warning:") }
                == ["iqkit: warning: 1 of 1 scans (patient.nii.gz) lie outside the model's training scans (voxel sizes or noise): their scores measure extrapolation"],
            "\(evaluate.stderr)")
    }

    /// `earl combine` joins models into an ensemble that `earl check` reads
    /// and whose P(clinical) is the mean of its members'; models expecting
    /// other preprocessing, a single model or an output that is an input
    /// exit 2 without writing anything.
    @Test func combineJoinsModels() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = dir + "/a.json", b = dir + "/b.json", coarse = dir + "/coarse.json", joined = dir + "/joined.json", scan = dir + "/patient.nii.gz"
        try Self.writeModel(a)
        try Self.writeModel(b, seed: 5)
        try Self.writeModel(coarse, voxelMM: 10)
        let combine = try CLIRunner.run(["earl", "combine", a, b, "--out", joined])
        #expect(combine.status == 0, "\(combine.stderr)")
        #expect(combine.stdout.contains("2 networks in stage 1, 2 in stage 2"), "\(combine.stdout)")
        let sim = try CLIRunner.run(["simulate", "patient", scan, "--voxel-mm", "8", "--matrix", "50", "--bed-positions", "1", "--fwhm-mm", "6", "--supersampling", "1"])
        #expect(sim.status == 0, "\(sim.stderr)")
        func pClinical(_ model: String) throws -> Double {
            let json = dir + "/check-\(URL(fileURLWithPath: model).lastPathComponent)"
            let run = try CLIRunner.run(["earl", "check", scan, "--model", model, "--json", json])
            #expect(run.status == 0, "\(run.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
            let result = (report?["results"] as? [[String: Any]])?.first
            return try #require((result?["probabilities"] as? [String: Double])?["clinical"])
        }
        let pa = try pClinical(a), pb = try pClinical(b), pj = try pClinical(joined)
        #expect(abs(pj - (pa + pb) / 2) < 1e-9, "ensemble \(pj), members \(pa) and \(pb)")

        let other = dir + "/other.json"
        let mismatch = try CLIRunner.run(["earl", "combine", a, coarse, "--out", other])
        #expect(mismatch.status == 2)
        #expect(mismatch.stderr.contains("coarse.json: expects other preprocessing"), "\(mismatch.stderr)")
        let alone = try CLIRunner.run(["earl", "combine", a, "--out", other])
        #expect(alone.status == 2)
        let overwrite = try CLIRunner.run(["earl", "combine", a, b, "--out", a])
        #expect(overwrite.status == 2)
        #expect(!FileManager.default.fileExists(atPath: other))
        let unchanged = dir + "/a-again.json"
        try Self.writeModel(unchanged)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: unchanged)))
    }

    @Test func badInputsExitTwo() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("{\"format\": \"something else\"}".utf8).write(to: URL(fileURLWithPath: dir + "/bad.json"))
        let missing = try CLIRunner.run(["earl", "check", dir + "/nothing.nii", "--model", dir + "/bad.json"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("bad.json"))
        let noModel = try CLIRunner.run(["earl", "check", dir + "/nothing.nii"], environment: ["IQKIT_EARL_MODEL": dir + "/absent.json"])
        #expect(noModel.status == 2)
        try Data("file,label\na.nii,earl1\nb.nii,earl3\n".utf8).write(to: URL(fileURLWithPath: dir + "/labels.csv"))
        let csv = try CLIRunner.run(["earl", "train", "--data", dir, "--labels", dir + "/labels.csv", "--out", dir + "/m.json"])
        #expect(csv.status == 2)
        #expect(csv.stderr.contains("labels.csv:3: label \"earl3\" is not clinical, earl1 or earl2"), "\(csv.stderr)")
        // Feature lists may be comma-separated: each name is checked, and a
        // good list goes on to read the scans (here missing).
        try Data("file,label\na.nii,earl1\n".utf8).write(to: URL(fileURLWithPath: dir + "/one.csv"))
        let train = ["earl", "train", "--data", dir, "--labels", dir + "/one.csv", "--out", dir + "/m.json", "--features"]
        let badFeature = try CLIRunner.run(train + ["edge,bogus"])
        #expect(badFeature.status == 2)
        #expect(badFeature.stderr.contains("unknown feature \"bogus\""), "\(badFeature.stderr)")
        let goodList = try CLIRunner.run(train + ["edge,native-max", "intensity"])
        #expect(goodList.status == 2)
        #expect(goodList.stderr.contains("a.nii") && !goodList.stderr.contains("feature"), "\(goodList.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.json"))
        // The edge distance column: a number or empty; --soft-stage1 needs it
        // on every row, on its label's side, and says so before reading scans.
        try Data("file,label,group,edge_distance\na.nii,earl1,g,-0.5\nb.nii,clinical,g,lots\n".utf8).write(to: URL(fileURLWithPath: dir + "/d.csv"))
        /// Exit 2 with `message` in the one-line error.
        func expectRefused(_ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let r = try CLIRunner.run(arguments)
            #expect(r.status == 2 && r.stderr.contains(message), "\(r.stderr)", sourceLocation: sourceLocation)
        }
        try expectRefused(["earl", "train", "--data", dir, "--labels", dir + "/d.csv", "--out", dir + "/m.json"], "d.csv:3: edge distance \"lots\" is not a finite number")
        let soft = ["earl", "train", "--data", dir, "--out", dir + "/m.json", "--soft-stage1", "0.1", "--labels"]
        try expectRefused(soft + [dir + "/one.csv"], "one.csv: a.nii: no edge distance (soft stage-1 targets need one for every scan)")
        try Data("a.nii,earl2,g,0.3\n".utf8).write(to: URL(fileURLWithPath: dir + "/side.csv"))
        try expectRefused(soft + [dir + "/side.csv"], "side.csv: a.nii: edge distance 0.3 is on the other side of EARL2's upper edge from its label earl2")
        try expectRefused(soft + [dir + "/side.csv", "--soft-stage1", "0"], "--soft-stage1 must be in (0, 10]")
        // --auxiliary: a well-formed file with a row for every labelled scan,
        // checked before any scan is read.
        try Data("file,fwhm_mm\nb.nii,6\n".utf8).write(to: URL(fileURLWithPath: dir + "/aux.csv"))
        try Data("file,fwhm_mm\na.nii,wide\n".utf8).write(to: URL(fileURLWithPath: dir + "/aux2.csv"))
        let auxiliary = ["earl", "train", "--data", dir, "--labels", dir + "/one.csv", "--out", dir + "/m.json", "--auxiliary"]
        try expectRefused(auxiliary + [dir + "/aux.csv"], "aux.csv: no row for a.nii, which \(dir)/one.csv lists")
        try expectRefused(auxiliary + [dir + "/aux2.csv"], "aux2.csv:2: fwhm_mm \"wide\" is not a finite number")
        try expectRefused(auxiliary + [dir + "/aux.csv", "--auxiliary-weight", "0"], "--auxiliary-weight must be in (0, 100]")
        try expectRefused(["earl", "train", "--data", dir, "--labels", dir + "/one.csv", "--out", dir + "/m.json", "--stage1-width", "1"], "--stage1-width must be 2…64")
        try expectRefused(["earl", "train", "--data", dir, "--labels", dir + "/one.csv", "--out", dir + "/m.json", "--convergence-limit", "0"], "--convergence-limit must be in (0, 1]")
        for (option, value, problem) in [
            ("--stage2-epochs", "0", "must be ≥ 1"), ("--stage2-patience", "0", "must be ≥ 1"),
            ("--stage2-validation", "0.9", "must be a fraction 0…0.5"), ("--stage2-validation", "nan", "must be a fraction 0…0.5"),
        ] {
            try expectRefused(["earl", "train", "--data", dir, "--labels", dir + "/one.csv", "--out", dir + "/m.json", option, value], "\(option) \(problem)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.json"))
    }

    /// `--require-convergence`: one epoch from seeded weights cannot bring a
    /// validation loss down to the convergence limit, so the run warns; with
    /// the flag it exits 1 and leaves --out alone (a model already there
    /// stays as it was), without it the model is written and the run succeeds.
    @Test func requireConvergenceRefusesAnUnconvergedModel() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.simulateCorpus(dir + "/corpus", count: 6)
        let out = dir + "/model.json"
        let train = [
            "earl", "train", "--data", dir + "/corpus", "--labels", dir + "/corpus/labels.csv", "--out", out, "--folds", "0", "--epochs", "1",
            "--min-epochs", "0", "--voxel-mm", "8",
        ]
        try Self.writeModel(out)
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        let strict = try CLIRunner.run(train + ["--require-convergence"])
        #expect(strict.status == 1, "\(strict.stderr)")
        #expect(strict.stderr.contains("may not have converged"), "\(strict.stderr)")
        #expect(strict.stderr.contains("model.json: not written"), "\(strict.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == before)
        try FileManager.default.removeItem(atPath: out)
        let lenient = try CLIRunner.run(train)
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stderr.contains("may not have converged"), "\(lenient.stderr)")
        let model = try EARLModel.read(from: out)
        #expect(!EARLTraining.convergenceWarnings(model).isEmpty)
        // The written model's training domain is stated once.
        let domain = try #require(model.domain)
        #expect(domain.edgeNoise != nil && domain.scans == 6)
        #expect(lenient.stderr.contains("iqkit: \(out): `earl check` warns about scans outside its training scans' \(domain.summary)\n"), "\(lenient.stderr)")
        // The corpus's auxiliary.csv trains stage 1's regression outputs,
        // which the model file keeps and `earl check` runs past.
        let auxiliary = try AuxiliaryCSV.parse(path: dir + "/corpus/auxiliary.csv")
        #expect(auxiliary.names == ["fwhm_mm", "psf_overshoot", "noise_cov", "edge_distance"])
        #expect(Set(auxiliary.values.keys) == Set(try LabelsCSV.parse(path: dir + "/corpus/labels.csv").map(\.file)))
        try FileManager.default.removeItem(atPath: out)
        let withAuxiliary = try CLIRunner.run(train + ["--auxiliary", dir + "/corpus/auxiliary.csv"])
        #expect(withAuxiliary.status == 0, "\(withAuxiliary.stderr)")
        let trained = try EARLModel.read(from: out)
        #expect(trained.stage1[0].architecture.regression?.map(\.name) == auxiliary.names)
        let scan = try #require(auxiliary.values.keys.sorted().first)
        let check = try CLIRunner.run(["earl", "check", dir + "/corpus/" + scan, "--model", out])
        #expect(check.status <= 1 && check.stdout.contains(scan), "\(check.stderr)")
        #expect(check.stdout.contains("; stage 1 estimates edge_distance "), "\(check.stdout)")
    }

    /// Two single-fold runs pooled by `cv-merge` render in `iqkit report`:
    /// the JSON records the labels file's hash and the split, the pool the
    /// folds it covers, and the page shows the per-fold table.
    @Test func crossValidationReportRenders() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.simulateCorpus(dir + "/corpus", count: 6)
        let labels = dir + "/corpus/labels.csv"
        for k in ["1", "2"] {
            let run = try CLIRunner.run([
                "earl", "train", "--data", dir + "/corpus", "--labels", labels, "--folds", "2", "--fold", k, "--epochs", "1", "--min-epochs", "0",
                "--voxel-mm", "8", "--cv-json", dir + "/f\(k).json",
            ])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let one = try ResultJSON.read(CrossValidationReport.self, from: dir + "/f1.json")
        let provenance = try #require(one.provenance)
        #expect(provenance.inputs == [try Provenance.Input.hashing(labels)])
        #expect(provenance.settings["fold seed"] == "1" && provenance.settings["folds run"] == "1" && provenance.settings["folds"] == "2")
        let merge = try CLIRunner.run(["earl", "cv-merge", dir + "/f2.json", dir + "/f1.json", "--json", dir + "/cv.json"])
        #expect(merge.status == 0, "\(merge.stderr)")
        let pooled = try ResultJSON.read(CrossValidationReport.self, from: dir + "/cv.json")
        #expect(pooled.kind == "earl-cross-validation" && pooled.foldNumbers == [1, 2] && pooled.overall.total == 6)
        #expect(pooled.provenance?.settings["folds run"] == "1, 2")
        let report = try CLIRunner.run(["report", dir + "/cv.json", "--out", dir + "/report"])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: dir + "/report/index.html", encoding: .utf8)
        #expect(html.contains("EARL classifier, cross-validation") && html.contains("Per fold, correct / total"))

        // Targets: exit 1 exactly when a pooled score misses one, after the
        // outputs are written; held to its own accuracy, the pool passes.
        let perfect = try CLIRunner.run([
            "earl", "cv-merge", dir + "/f1.json", dir + "/f2.json", "--json", dir + "/judged.json", "--min-stage1", "1", "--min-stage2", "1", "--min-overall", "1",
        ])
        let judged = try ResultJSON.read(CrossValidationReport.self, from: dir + "/judged.json")
        #expect(judged.outcomes.count == 3 && judged.targets == AccuracyTargets(stage1: 1, stage2: 1, overall: 1))
        let allMet = judged.outcomes.allSatisfy(\.passed)
        #expect(perfect.status == (allMet ? 0 : 1), "\(perfect.stderr)")
        #expect(allMet || perfect.stderr.contains("is outside the target 100.0–100 %"), "\(perfect.stderr)")
        let own = String(Double(pooled.overall.correct) / Double(pooled.overall.total))
        let met = try CLIRunner.run(["earl", "cv-merge", dir + "/f1.json", dir + "/f2.json", "--min-overall", own])
        #expect(met.status == 0 && met.stdout.contains("| overall accuracy |") && met.stdout.contains("| met |"), "\(met.stdout)\(met.stderr)")
        let noFolds = try CLIRunner.run(["earl", "train", "--data", dir + "/corpus", "--labels", labels, "--folds", "0", "--out", dir + "/m.json", "--min-stage1", "0.9"])
        #expect(noFolds.status == 2 && noFolds.stderr.contains("judge a cross-validation"), "\(noFolds.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.json"))
    }

    /// A small labelled corpus, scored by the shipped model found by default.
    @Test func corpusEvaluateAndDefaultModel() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.simulateCorpus(dir + "/corpus", count: 3)
        let csv = try String(contentsOfFile: dir + "/corpus/labels.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == 4 && rows[0] == ["file", "label", "group", "edge_distance"])
        for label in ["clinical", "earl1", "earl2"] { #expect(csv.contains(",\(label),anatomy-")) }
        // Each scan's edge distance is its setting's phantom's, on its label's side.
        for row in rows.dropFirst() {
            let d = try #require(Double(row[3]))
            #expect((d > 0) == (row[1] == "clinical"), "\(row)")
        }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/corpus/corpus.json"))) as? [String: Any]
        #expect(manifest?["kind"] as? String == "earl-corpus")
        let evaluation = try CLIRunner.run(["earl", "evaluate", "--data", dir + "/corpus", "--labels", dir + "/corpus/labels.csv", "--json", dir + "/e.json"])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        #expect(evaluation.stdout.contains("Stage 1 (clinical vs compliant), accuracy ") && evaluation.stdout.contains("; 95 % CI "))
        // Targets: the same scans under rotated labels (clinical → earl1 → earl2 → clinical) cannot all be
        // right, so --min-overall 1 fails with exit 1 after the JSON is written, and the report of it fails too.
        let rotated = csv.replacingOccurrences(of: ",clinical,", with: ",x1,").replacingOccurrences(of: ",earl1,", with: ",x2,")
            .replacingOccurrences(of: ",earl2,", with: ",clinical,").replacingOccurrences(of: ",x1,", with: ",earl1,").replacingOccurrences(of: ",x2,", with: ",earl2,")
        try Data(rotated.utf8).write(to: URL(fileURLWithPath: dir + "/rotated.csv"))
        let judged = try CLIRunner.run([
            "earl", "evaluate", "--data", dir + "/corpus", "--labels", dir + "/rotated.csv", "--json", dir + "/r.json", "--min-overall", "1", "--min-stage2", "0.5",
        ])
        #expect(judged.status == 1, "\(judged.stderr)")
        #expect(judged.stderr.contains("overall accuracy") && judged.stderr.contains("is outside the target 100.0–100 %"), "\(judged.stderr)")
        #expect(judged.stdout.contains("| overall accuracy |") && judged.stdout.contains("| missed |"))
        #expect(FileManager.default.fileExists(atPath: dir + "/r.json"))
        let report = try CLIRunner.run(["report", dir + "/r.json", "--out", dir + "/report", "--junit", dir + "/junit.xml"])
        #expect(report.status == 1, "\(report.stderr)")
        #expect(try String(contentsOfFile: dir + "/junit.xml", encoding: .utf8).contains("name=\"overall accuracy\""))
        let badTarget = try CLIRunner.run(["earl", "evaluate", "--data", dir + "/corpus", "--labels", dir + "/corpus/labels.csv", "--min-stage1", "99"])
        #expect(badTarget.status == 2 && badTarget.stderr.contains("--min-stage1 must be a fraction"), "\(badTarget.stderr)")
        let check = try CLIRunner.run(["earl", "check", dir + "/corpus/scan-0000.nii.gz"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("scan-0000.nii.gz: "))
        let badCount = try CLIRunner.run(["simulate", "pet-patients", dir + "/x", "--count", "1"])
        #expect(badCount.status == 2)
        #expect(badCount.stderr.contains("--count"))
    }

    /// `simulate relabel`: one phantom scan per setting gives the corpus's own labels back byte for byte;
    /// three give each setting two further categories and a label by majority; the corpus is never touched.
    /// A site's own scans labelled by its phantom results: a sharp PSF
    /// protocol's phantom over-recovers (clinical), an 8 mm one meets EARL1,
    /// a 12 mm one is too smooth for either and its scan is left out.
    @Test func labelOwnScansFromPhantomResults() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, fwhm, overshoot) in [("sharp", "4.5", "0.3"), ("earl1", "8", "0"), ("smooth", "12", "0")] {
            let sim = try CLIRunner.run(["simulate", "nema", dir + "/\(name).nii.gz", "--fwhm-mm", fwhm, "--psf-overshoot", overshoot, "--noise", "0.05", "--voxel-mm", "3"])
            #expect(sim.status == 0, "\(sim.stderr)")
            let nema = try CLIRunner.run(["nema", "analyze", dir + "/\(name).nii.gz", "--json", dir + "/\(name).json"])
            #expect(FileManager.default.fileExists(atPath: dir + "/\(name).json"), "\(nema.stderr)")
        }
        // Spreadsheet-style: CRLF, paths relative to the pairs file.
        let pairs = ["scan,phantom_result,group", "p1-a.nii,sharp.json,p1", "p1-b.nii,earl1.json,p1", "p2-a.nii,sharp.json,p2", "p2-c.nii,smooth.json,p2"]
        try Data(pairs.joined(separator: "\r\n").utf8).write(to: URL(fileURLWithPath: dir + "/pairs.csv"))
        let r = try CLIRunner.run(["earl", "label", "--pairs", dir + "/pairs.csv", "--out", dir + "/labels.csv", "--json", dir + "/labels.json"], in: "/")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("sharp.json: over-recovering") && r.stdout.contains("smooth.json: under-recovering"), "\(r.stdout)")
        #expect(r.stdout.contains("3 of 4 scans labelled (clinical 2, earl1 1, earl2 0); 1 left out"), "\(r.stdout)")
        let rows = try String(contentsOfFile: dir + "/labels.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").prefix(3).joined(separator: ",") }
        #expect(rows == ["file,label,group", "p1-a.nii,clinical,p1", "p1-b.nii,earl1,p1", "p2-a.nii,clinical,p2"])
        // Band files named explicitly give the same labels; a missing one is bad input.
        let bands = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/Phantoms/standards"
        let explicit = try CLIRunner.run([
            "earl", "label", "--pairs", dir + "/pairs.csv", "--out", dir + "/explicit.csv", "--earl1", bands + "/earl1.yaml", "--earl2", bands + "/earl2.yaml",
        ])
        #expect(explicit.status == 0 && FileManager.default.contents(atPath: dir + "/explicit.csv") == FileManager.default.contents(atPath: dir + "/labels.csv"))
        let noBands = try CLIRunner.run(["earl", "label", "--pairs", dir + "/pairs.csv", "--out", dir + "/x.csv", "--earl2", dir + "/none.yaml"])
        #expect(noBands.status == 2 && noBands.stderr.contains("none.yaml"), "\(noBands.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/labels.json"))) as? [String: Any]
        #expect(json?["kind"] as? String == "earl-labels")
        let hashed = ((json?["provenance"] as? [String: Any])?["inputs"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? []
        #expect(hashed.map { URL(fileURLWithPath: $0).lastPathComponent } == ["pairs.csv", "earl1.json", "sharp.json", "smooth.json", "earl1.yaml", "earl2.yaml"], "\(hashed)")
        #expect((json?["leftOut"] as? [String: String])?["p2-c.nii"]?.contains("too smooth") == true)
        // `iqkit report` renders the audit trail: each phantom's verdict,
        // the labelled scans, the scan left out and why.
        let report = try CLIRunner.run(["report", dir + "/labels.json", "--out", dir + "/report"])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: dir + "/report/index.html", encoding: .utf8)
        #expect(html.contains("Labels from phantom scans") && html.contains("Scans left out") && html.contains("over-recovering"), "\(html.count)")
        #expect(html.contains("p2-c.nii") && html.contains("too smooth"))

        // Nothing to label: exit 2, no file; a result that is not a NEMA one: exit 2.
        try Data("p2-c.nii,smooth.json\n".utf8).write(to: URL(fileURLWithPath: dir + "/none.csv"))
        let none = try CLIRunner.run(["earl", "label", "--pairs", dir + "/none.csv", "--out", dir + "/none-labels.csv"])
        #expect(none.status == 2 && none.stderr.contains("no scan could be labelled"), "\(none.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/none-labels.csv"))
        try Data("a.nii,pairs.csv\n".utf8).write(to: URL(fileURLWithPath: dir + "/bad.csv"))
        let bad = try CLIRunner.run(["earl", "label", "--pairs", dir + "/bad.csv", "--out", dir + "/bad-labels.csv"])
        #expect(bad.status == 2 && bad.stderr.contains("pairs.csv") && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        let missing = try CLIRunner.run(["earl", "label", "--pairs", dir + "/pairs.csv", "--out", dir + "/x.csv", "--data", dir])
        #expect(missing.status == 2 && missing.stderr.contains("p1-a.nii: no such file"), "\(missing.stderr)")
        // With --data, a scan on another grid than its phantom (3 mm) is warned about.
        for (scan, voxel) in [("p1-a.nii", "3"), ("p1-b.nii", "4"), ("p2-a.nii", "3"), ("p2-c.nii", "3")] {
            try CLIRunner.run(["simulate", "spheres", dir + "/" + scan, "--matrix", "16", "--slices", "4", "--voxel-mm", voxel])
        }
        let checked = try CLIRunner.run(["earl", "label", "--pairs", dir + "/pairs.csv", "--out", dir + "/checked.csv", "--data", dir])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stderr == "iqkit: warning: p1-b.nii: voxels 4.00×4.00×4.00 mm, its phantom's (earl1.json) 3.00×3.00×3.00 mm: the label is the phantom grid's\n")
    }

    @Test func relabelByMajorityOfPhantomScans() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let corpus = dir + "/corpus"
        try Self.simulateCorpus(corpus, count: 3)
        let labels = try Data(contentsOf: URL(fileURLWithPath: corpus + "/labels.csv"))
        let manifest = try Data(contentsOf: URL(fileURLWithPath: corpus + "/corpus.json"))

        let same = try CLIRunner.run(["simulate", "relabel", corpus, "--phantom-scans", "1", "--out", dir + "/one.csv"])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/one.csv")) == labels)
        #expect(same.stdout.contains("3 settings, 1 phantom scans each (random placement): 3 gave one category throughout, 0 changed"), "\(same.stdout)")

        let three = try CLIRunner.run(["simulate", "relabel", corpus, "--phantom-scans", "3", "--out", dir + "/three.csv", "--json", dir + "/three.json"])
        #expect(three.status == 0, "\(three.stderr)")
        #expect(three.stdout.contains("stage-1 label-noise floor: an ideal classifier would miss about ") && !same.stdout.contains("label-noise floor"))
        #expect(three.stdout.contains("an ideal classifier reaches 99 % on stage 1 (at most 0 misses) with probability "), "\(three.stdout)")
        #expect(!same.stdout.contains("an ideal classifier reaches"))
        let result = try ResultJSON.decoder().decode(CorpusRelabelling.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/three.json")))
        #expect(result.settings.count == 3 && result.scans.count == 3 && result.placement == .random)
        for setting in result.settings {
            #expect(setting.repeats.count == 2)
            #expect(setting.majority == CorpusRelabelling.majority(of: [setting.firstScan] + setting.repeats))
        }
        for scan in result.scans {
            #expect(scan.majorityLabel == result.settings.first { $0.id == scan.settingID }?.label)
        }
        #expect(try String(contentsOfFile: dir + "/three.csv", encoding: .utf8) == result.majorityLabelsCSV)
        #expect(result.stage1Target == 0.99 && result.provenance?.inputs.map(\.path) == [corpus + "/corpus.json"])
        // `iqkit report` renders it: the summary counts and the floor's reach.
        let report = try CLIRunner.run(["report", dir + "/three.json", "--out", dir + "/report"])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: dir + "/report/index.html", encoding: .utf8)
        #expect(html.contains("Corpus labels over repeated phantom scans") && html.contains("P(ideal classifier ≥ 99 % on stage 1)"), "\(html.count)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: corpus + "/labels.csv")) == labels)
        #expect(try Data(contentsOf: URL(fileURLWithPath: corpus + "/corpus.json")) == manifest)

        // Bad input: exit 2, one line naming the file or option, nothing written, the corpus untouched.
        let overwrite = try CLIRunner.run(["simulate", "relabel", corpus, "--phantom-scans", "1", "--out", corpus + "/labels.csv"])
        #expect(overwrite.status == 2 && overwrite.stderr.contains("inputs are never overwritten"), "\(overwrite.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: corpus + "/labels.csv")) == labels)
        let scans = try CLIRunner.run(["simulate", "relabel", corpus, "--phantom-scans", "0", "--out", dir + "/zero.csv"])
        #expect(scans.status == 2 && scans.stderr.contains("--phantom-scans: must be 1…16"), "\(scans.stderr)")
        let target = try CLIRunner.run(["simulate", "relabel", corpus, "--stage1-target", "99", "--out", dir + "/x.csv"])
        #expect(target.status == 2 && target.stderr.contains("--stage1-target: must be a fraction in (0, 1]"), "\(target.stderr)")
        let missing = try CLIRunner.run(["simulate", "relabel", dir + "/nowhere", "--out", dir + "/x.csv"])
        #expect(missing.status == 2 && missing.stderr.contains("nowhere/corpus.json: no such file"), "\(missing.stderr)")
        try Data("{\"kind\": 3}".utf8).write(to: URL(fileURLWithPath: dir + "/corpus.json"))
        let garbage = try CLIRunner.run(["simulate", "relabel", dir, "--out", dir + "/x.csv"])
        #expect(garbage.status == 2 && garbage.stderr.contains("corpus.json: not a pet-patients corpus manifest"), "\(garbage.stderr)")
        for run in [scans, target, missing, garbage] { #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)") }
        for file in ["zero.csv", "x.csv"] { #expect(!FileManager.default.fileExists(atPath: dir + "/" + file)) }

        // Edited manifests that crashed `simulate relabel` (2026-12-07): a setting listed twice,
        // a setting with one voxel size, one on a 0.001 mm grid, one with a negative FWHM.
        let edits: [(String, (inout [String: Any]) -> Void)] = [
            ("setting 0 is listed twice", { m in m["settings"] = (m["settings"] as! [Any]) + [(m["settings"] as! [Any])[0]] }),
            ("setting 0: 1 voxel sizes where 3 are needed", { m in Self.editFirstSetting(&m) { $0["voxelMM"] = [2.0] } }),
            ("setting 0: voxel sizes must be 0.5…10 mm", { m in Self.editFirstSetting(&m) { $0["voxelMM"] = [0.001, 0.001, 0.001] } }),
            ("setting 0: reconstruction --fwhm-mm: must be 0…30 mm", { m in Self.editFirstSetting(&m) { $0["fwhmMM"] = -1.0 } }),
        ]
        let original = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
        for (problem, edit) in edits {
            var edited = original
            edit(&edited)
            let folder = dir + "/edited"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: folder + "/corpus.json"))
            let run = try CLIRunner.run(["simulate", "relabel", folder, "--phantom-scans", "3", "--out", dir + "/x.csv"])
            #expect(run.status == 2 && run.stderr == "iqkit: error: \(folder)/corpus.json: \(problem)\n", "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/x.csv"))
        }
    }

    /// Applies `edit` to the reconstruction setting of a decoded manifest's first setting.
    private static func editFirstSetting(_ manifest: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var settings = manifest["settings"] as! [[String: Any]]
        var setting = settings[0]["setting"] as! [String: Any]
        edit(&setting)
        settings[0]["setting"] = setting
        manifest["settings"] = settings
    }
}
