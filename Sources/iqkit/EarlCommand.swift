import ArgumentParser
import EARLClassifier
import Foundation
import IQCore
import PETQuality
import SparseCNN

struct Earl: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "EARL compliance of patient PET scans: edge image + two sparse CNNs (clinical / EARL1 / EARL2).",
        subcommands: [EarlCheck.self, EarlLabel.self, EarlTrain.self, EarlEvaluate.self, EarlCrossValidationMerge.self, EarlCombine.self, EarlProfile.self])
}

extension EARLRequirement: ExpressibleByArgument {}
extension TrainingConfiguration.LearningRateSchedule: ExpressibleByArgument {}

/// Where the model comes from when --model is not given.
enum DefaultEARLModel {
    static let environmentVariable = "IQKIT_EARL_MODEL"

    /// The shipped model's name inside iqkit's data folder (`Phantoms/`).
    static let shippedModel = "models/earl-classifier.json"

    /// `$IQKIT_EARL_MODEL`, else the model shipped in iqkit's data folder
    /// (`Phantoms/models/earl-classifier.json`, found as the NEMA band files are).
    static func path() throws -> String {
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty { return env }
        let folder = try PhantomData.folder()
        let path = folder + "/" + shippedModel
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError.invalidSetting(name: "--model", problem: "no EARL model at \(path) or in $\(environmentVariable); pass --model FILE")
        }
        return path
    }
}

struct EarlCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Label each scan clinical, earl1 or earl2 with both stages' probabilities.",
        discussion: "Exit 1 when a scan does not meet --require (earl1, earl2 or any compliant), 2 on bad input.")

    @Argument(help: "PET scans (NIfTI, Bq/mL or SUV).") var scans: [String]
    @Option(help: "Model file (default: $IQKIT_EARL_MODEL or the installed model).") var model: String?
    @Option(help: "Write the results as JSON here.") var json: String?
    @Option(help: "The band set every scan must meet: earl1, earl2 or any.") var require: EARLRequirement?
    @OptionGroup var read: ReadOptions

    func validate() throws {
        if scans.isEmpty { throw ValidationError("give at least one scan") }
    }

    /// "; stage 1 estimates fwhm_mm 5.21, …" for a model with regression
    /// outputs (names sorted), "" without.
    static func estimatesText(_ estimates: [String: Double]?) -> String {
        guard let estimates, !estimates.isEmpty else { return "" }
        return "; stage 1 estimates " + estimates.sorted { $0.key < $1.key }.map { String(format: "%@ %.3g", $0.key, $0.value) }.joined(separator: ", ")
    }

    func run() throws {
        if let json { try FileChecks.requireOutput(json, inputs: scans + [model].compactMap { $0 }) }
        let modelPath = try model ?? DefaultEARLModel.path()
        let classifier = try EARLModel.read(from: modelPath)
        // The provenance record's SHA-256 of every input (≈ 0.35 s for a
        // 509 MB scan) is worked out while the scans are classified.
        let inputs = json.map { _ in
            BackgroundWork { [scans] isCancelled in
                try (scans + [modelPath]).map { path in
                    if isCancelled() { throw CancellationError() }
                    return try Provenance.Input.hashing(path)
                }
            }
        }
        // A refused scan's error must not leave while hashing still runs (after `value()`, a no-op).
        defer { inputs?.cancel() }
        var results: [EARLCheckResult] = []
        let timer = PhaseTimer()
        for path in scans {
            let volume = try loadFinite(path, read.nifti)
            timer.lap("read")
            let r = try classifier.classify(volume, path: path)
            timer.lap("classify")
            results.append(r)
            for warning in r.warnings ?? [] { warn("\(path): \(warning)") }
            let p = r.probabilities
            print(
                String(
                    format: "%@: %@ (clinical %.3f, earl1 %.3f, earl2 %.3f; stage 1 compliant %.3f, stage 2 earl2 %.3f)", path, r.label.rawValue, p.clinical, p.earl1,
                    p.earl2, r.stage1Compliant, r.stage2EARL2) + Self.estimatesText(r.estimates))
        }
        if let json, let inputs {
            let report = EARLCheckReport(
                provenance: Provenance(
                    inputs: try inputs.value(),
                    settings: ["model": modelPath, "require": require?.rawValue ?? "none"]),
                require: require?.rawValue, results: results, modelDomain: classifier.domain)
            try ResultJSON.write(report, to: json)
        }
        if let require {
            let failing = results.filter { !require.isMet(by: $0.label) }
            if !failing.isEmpty {
                throw QAFailure(message: "\(failing.count) of \(results.count) scans do not meet \(require.rawValue): " + failing.map { "\($0.path) (\($0.label.rawValue))" }.joined(separator: ", "))
            }
        }
    }
}


struct EarlTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the two-stage classifier on your own labelled scans, with a k-fold cross-validation report.",
        discussion: """
            The labels CSV has lines `file,label[,group[,edge_distance]]`: file relative to --data, label clinical, earl1 or earl2, \
            group (optional) keeps scans of one patient in one fold, edge_distance (optional, for --soft-stage1) is the setting's \
            phantom distance from EARL2's upper band edge in band widths (> 0 over-recovering; `simulate pet-patients` writes it). \
            A header line `file,label…` is allowed; # starts a comment; a field may be "quoted" (CSV style) to hold commas. \
            Exit 1 with --require-convergence when a network may not have converged, 2 on bad input.
            """)

    @Option(help: "Folder holding the scans.") var data: String
    @Option(help: "Labels CSV.") var labels: String
    @Option(help: "Output model file (JSON); may be left out with --folds ≥ 2 to cross-validate only.") var out: String?
    @Option(help: "Cross-validation folds (0 to skip).") var folds: Int = 5
    @Option(help: "Write the cross-validation report (Markdown) here.") var report: String?
    @Option(help: ArgumentHelp("Run only these folds (1-based) of the --folds split; pool single-fold runs with `earl cv-merge`.", valueName: "k"))
    var fold: [Int] = []
    @Option(help: "Write the cross-validation report (JSON, per-scan predictions included) here.") var cvJSON: String?
    @Option(help: "Maximum epochs per stage.") var epochs: Int = 60
    @Option(help: "Seed of weights, shuffles and folds.") var seed: UInt64 = 1
    @Option(help: "Seed of the cross-validation folds alone (default: --seed): runs with other --seed values then share their folds.")
    var foldSeed: UInt64?
    @Option(
        help: ArgumentHelp(
            "Networks per stage, trained with seeds --seed, --seed+1, …; their probabilities are averaged (costs n times the training and inference).",
            valueName: "n"))
    var ensemble: Int = 1
    @Option(help: "Voxel size the scans are resampled to, in mm.") var voxelMM: Double = ScanPreprocessor.defaultInput.voxelSizeMM
    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Input channels, in order, space- or comma-separated (\(ScanPreprocessor.supportedFeatures.sorted().joined(separator: ", "))).", valueName: "feature"))
    var features: [String] = ScanPreprocessor.defaultInput.features
    @Option(
        help: "How scans are brought to --voxel-mm: trilinear, nearest (values of the nearest native voxel, not averaged) or band-limited (DCT; smooths no native grid more than another)."
    )
    var resampling: String = ScanPreprocessor.defaultInput.resampling
    @Option(help: "AdamW learning rate.") var learningRate: Double = TrainingConfiguration().learningRate
    @Option(help: "Scans per mini-batch (slabs with slab input).") var batchSize: Int = TrainingConfiguration().batchSize
    @Option(help: "Clip each update's gradient to this global L2 norm (0: no clipping).") var maxGradientNorm: Double = 1
    @Option(help: "Stop a stage after this many epochs without a lower validation loss.") var patience: Int = 10
    @Option(help: "Never stop a stage early before this many epochs.") var minEpochs: Int = 30
    @Option(help: ArgumentHelp("Maximum epochs of stage 2 (EARL1 vs EARL2) alone (default: --epochs).", valueName: "epochs"))
    var stage2Epochs: Int?
    @Option(help: ArgumentHelp("--patience of stage 2 alone (default: --patience).", valueName: "epochs"))
    var stage2Patience: Int?
    @Option(
        help: ArgumentHelp(
            "Fraction of stage 2's scans held out to pick its epoch and stop it early (default: \(EARLTrainingConfiguration().validationFraction), as stage 1); 0: none, it trains on every compliant scan for all its epochs and keeps the last.",
            valueName: "fraction"))
    var stage2Validation: Double?
    @Option(help: "Learning-rate schedule: cosine (decays to 5 % at the last epoch) or constant.")
    var schedule: TrainingConfiguration.LearningRateSchedule = .cosine
    @Option(
        help: ArgumentHelp(
            "Soft stage-1 targets: P(clinical) = Φ(edge_distance / sd), the chance a repeated phantom scan lands on the same side of EARL2's upper edge given phantom noise of sd band widths (every scan needs an edge_distance on its label's side).",
            valueName: "sd"))
    var softStage1: Double?
    @Option(
        help: ArgumentHelp(
            "CSV of known reconstruction properties per scan (header file,<quantity>…, e.g. `simulate pet-patients`' auxiliary.csv): stage 1 also learns to estimate them (auxiliary regression outputs), which shapes its features; every scan needs a row.",
            valueName: "csv"))
    var auxiliary: String?
    @Option(help: ArgumentHelp("Weight of --auxiliary's squared error (standardised units) beside stage 1's cross-entropy.", valueName: "w"))
    var auxiliaryWeight: Double = TrainingConfiguration().regressionWeight
    @Option(help: ArgumentHelp("Channels of stage 1's first convolution (later layers 2×, 4×, 4×); training and inference cost grow about as its square.", valueName: "n"))
    var stage1Width: Int = Architecture.earlDefaultWidth
    @Flag(
        help: """
            Exit 1 when a network trained in this run kept a validation loss above --convergence-limit \
            (with --soft-stage1: above the soft targets' own loss plus that; without a validation set, \
            --stage2-validation 0: its training loss; the convergence warning); \
            a final model with such a network is then not written to --out. Cross-validation reports are written either way.
            """)
    var requireConvergence = false
    @Option(
        help: ArgumentHelp(
            "Validation loss (nats) above which a network's kept epoch draws the convergence warning; a coin toss scores ln 2 ≈ 0.69.", valueName: "nats"))
    var convergenceLimit: Double = EARLTraining.convergenceLossLimit
    @Flag(help: "Print each epoch's losses to stderr.") var verbose = false
    @OptionGroup(title: "Cross-validation targets (exit 1 when the pooled held-out scores miss one; the outputs are written either way)")
    var minimum: AccuracyTargetOptions
    @OptionGroup var read: ReadOptions

    func validate() throws {
        if minimum.targets != nil && folds < 2 { throw ValidationError("--min-stage1/--min-stage2/--min-overall judge a cross-validation: give --folds ≥ 2") }
        if patience < 1 { throw ValidationError("--patience must be ≥ 1") }
        if let stage2Patience, stage2Patience < 1 { throw ValidationError("--stage2-patience must be ≥ 1") }
        if let stage2Epochs, stage2Epochs < 1 { throw ValidationError("--stage2-epochs must be ≥ 1") }
        if let stage2Validation, !(stage2Validation.isFinite && (0...0.5).contains(stage2Validation)) {
            throw ValidationError("--stage2-validation must be a fraction 0…0.5")
        }
        if !(convergenceLimit.isFinite && convergenceLimit > 0 && convergenceLimit <= 1) { throw ValidationError("--convergence-limit must be in (0, 1]") }
        if minEpochs < 0 { throw ValidationError("--min-epochs must be ≥ 0") }
        if folds == 1 || folds < 0 { throw ValidationError("--folds must be 0 (none) or ≥ 2") }
        if out == nil && folds < 2 { throw ValidationError("give --out, or --folds ≥ 2 to cross-validate only") }
        if let bad = fold.first(where: { !(1...max(1, folds)).contains($0) }) { throw ValidationError("--fold \(bad) is not in 1…\(folds)") }
        if !fold.isEmpty && out != nil { throw ValidationError("--fold runs part of a cross-validation; leave out --out") }
        if epochs < 1 { throw ValidationError("--epochs must be ≥ 1") }
        if !(1...EARLModel.maxMembers).contains(ensemble) { throw ValidationError("--ensemble must be 1…\(EARLModel.maxMembers)") }
        if !(learningRate.isFinite && learningRate > 0 && learningRate < 1) { throw ValidationError("--learning-rate must be in (0, 1)") }
        if !(1...256).contains(batchSize) { throw ValidationError("--batch-size must be 1…256") }
        if !(maxGradientNorm.isFinite && maxGradientNorm >= 0) { throw ValidationError("--max-gradient-norm must be ≥ 0") }
        if !InputSpecification.voxelSizeRangeMM.contains(voxelMM) {
            let range = InputSpecification.voxelSizeRangeMM
            throw ValidationError(String(format: "--voxel-mm must be %g…%g", range.lowerBound, range.upperBound))
        }
        if !(2...64).contains(stage1Width) { throw ValidationError("--stage1-width must be 2…64") }
        if let softStage1, !(softStage1.isFinite && softStage1 > 0 && softStage1 <= 10) { throw ValidationError("--soft-stage1 must be in (0, 10]") }
        if !(auxiliaryWeight.isFinite && auxiliaryWeight > 0 && auxiliaryWeight <= 100) { throw ValidationError("--auxiliary-weight must be in (0, 100]") }
    }

    func run() throws {
        let (entries, scanPaths) = try readLabelledScans(labels, in: data, outputs: [out, report, cvJSON], inputs: [labels] + [auxiliary].compactMap { $0 })
        let auxiliaryTable = try auxiliary.map { try AuxiliaryCSV.parse(path: $0) }
        if let auxiliary, let auxiliaryTable, let missing = entries.first(where: { auxiliaryTable.values[$0.file] == nil }) {
            throw InputError.invalidData(path: auxiliary, problem: "no row for \(missing.file), which \(labels) lists")
        }
        // The labels as read, for the cross-validation's provenance (not
        // as they may stand after a long run).
        let labelsInput = try Provenance.Input.hashing(labels)
        let auxiliaryInput = try auxiliary.map { try Provenance.Input.hashing($0) }
        let log: ((String) -> Void)? = verbose ? { note($0) } : nil
        var input = ScanPreprocessor.defaultInput
        input.voxelSizeMM = voxelMM
        input.features = features.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        input.resampling = resampling
        _ = try ScanPreprocessor(input: input)
        if softStage1 != nil {
            // Checked before any scan is read, so a bad labels file fails at once.
            for e in entries {
                if let problem = EARLTraining.softTargetProblem(label: e.label, edgeDistance: e.edgeDistance) {
                    throw InputError.invalidData(path: labels, problem: "\(e.file): " + problem)
                }
            }
        }
        var samples: [EARLSample] = []
        for (e, path) in zip(entries, scanPaths) {
            let volume = try loadFinite(path, read.nifti)
            var sample = try EARLTraining.sample(volume, name: e.file, group: e.group, label: e.label, input: input)
            sample.edgeDistance = e.edgeDistance
            sample.auxiliary = auxiliaryTable?.values[e.file]
            samples.append(sample)
            log?("prepared \(e.file): \(samples.last?.prepared.tensor.count ?? 0) active voxels")
        }
        var configuration = EARLTrainingConfiguration(input: input, training: TrainingConfiguration(
                maxEpochs: epochs, batchSize: batchSize, learningRate: learningRate, patience: patience, seed: seed,
                maxGradientNorm: maxGradientNorm > 0 ? maxGradientNorm : nil, minEpochs: minEpochs, schedule: schedule, regressionWeight: auxiliaryWeight),
            seed: seed, ensembleSize: ensemble, foldSeed: foldSeed, stage1EdgeSD: softStage1)
        configuration.stage1Auxiliary = auxiliaryTable?.names
        configuration.convergenceLossLimit = convergenceLimit
        if stage2Epochs != nil || stage2Patience != nil {
            var stage2 = configuration.training
            stage2.maxEpochs = stage2Epochs ?? epochs
            stage2.patience = stage2Patience ?? patience
            configuration.stage2Training = stage2
        }
        configuration.stage2ValidationFraction = stage2Validation
        configuration.stage1Architecture = .earlDefault(inputChannels: input.features.count, classes: EARLModel.stage1Classes, width: stage1Width)
        // What --require-convergence turns into exit 1, collected over the CV and the final model.
        var unconverged: [String] = []
        var missedTargets: String?
        if folds >= 2 {
            var cv = try EARLTraining.crossValidate(samples, folds: folds, only: fold.isEmpty ? nil : Set(fold), configuration: configuration, log: log)
            cv.provenance = Provenance(inputs: [labelsInput] + [auxiliaryInput].compactMap { $0 }, settings: cvSettings(input: input, scans: samples.count, foldsRun: cv.foldsRun))
            cv.targets = minimum.targets
            print("\(folds)-fold cross-validation on \(samples.count) scans\n\n\(cv.markdown)")
            if let report { try AtomicOutput.write(cv.markdown + "\n", to: report) }
            if let cvJSON { try ResultJSON.write(cv, to: cvJSON) }
            for line in cv.warnings { note("warning: " + line) }
            if !cv.warnings.isEmpty { unconverged.append("\(cv.warnings.count) cross-validation network(s)") }
            missedTargets = AccuracyTargets.failureMessage(cv.outcomes).map { "cross-validation " + $0 }
        }
        if let out {
            let model = try EARLTraining.train(samples, configuration: configuration, log: log)
            let warnings = EARLTraining.convergenceWarnings(model, limit: configuration.convergenceLimit)
            for line in warnings { note("warning: \(out): " + line) }
            if requireConvergence && !warnings.isEmpty {
                unconverged.insert("\(out): not written: \(warnings.count) network(s) of the model", at: 0)
            } else {
                try model.write(to: out)
                if let domain = model.domain { note("\(out): `earl check` warns about scans outside its training scans' \(domain.summary)") }
            }
        }
        var failures = [missedTargets].compactMap { $0 }
        if requireConvergence && !unconverged.isEmpty {
            failures.append(unconverged.joined(separator: "; ") + " may not have converged (--require-convergence)")
        }
        if !failures.isEmpty { throw QAFailure(message: failures.joined(separator: "; ")) }
    }
}

/// Reads the labels file of a run that reads the scans it lists under
/// `data` and writes `outputs` (nil: not asked for). The outputs are checked
/// against `inputs` and each other before the file is read, and against the
/// listed scans after, so that no output lands on anything the run reads.
/// - Returns: the entries and their scans' paths, in the file's order.
func readLabelledScans(_ labels: String, in data: String, outputs: [String?], inputs: [String]) throws -> (entries: [LabelsCSV.Entry], paths: [String]) {
    try FileChecks.requireOutputs(outputs, inputs: inputs)
    let entries = try LabelsCSV.parse(path: labels)
    let paths = entries.map { URL(fileURLWithPath: data).appendingPathComponent($0.file).path }
    for output in outputs.compactMap({ $0 }) { try FileChecks.requireDistinct(output: output, inputs: paths) }
    return (entries, paths)
}

extension EarlTrain {
    /// What shaped a cross-validation run, for its report's provenance.
    func cvSettings(input: InputSpecification, scans: Int, foldsRun: String) -> [String: String] {
        var settings = [
            "data": data, "scans": String(scans), "folds": String(folds), CrossValidationReport.foldSeedSetting: String(foldSeed ?? seed),
            CrossValidationReport.foldsRunSetting: foldsRun, "seed": String(seed), "epochs": String(epochs),
            "learning rate": String(learningRate), "batch size": String(batchSize), "schedule": schedule.rawValue,
            "input": "\(input.voxelSizeMM) mm, \(input.features.joined(separator: " + ")), \(input.resampling)",
            "blas": BLAS.configuration,
        ]
        if ensemble > 1 { settings["ensemble"] = String(ensemble) }
        if let stage2Epochs { settings["stage 2 epochs"] = String(stage2Epochs) }
        if let stage2Patience { settings["stage 2 patience"] = String(stage2Patience) }
        if let stage2Validation { settings["stage 2 validation"] = String(stage2Validation) }
        if convergenceLimit != EARLTraining.convergenceLossLimit { settings["convergence limit"] = String(convergenceLimit) }
        if stage1Width != Architecture.earlDefaultWidth { settings["stage 1 width"] = String(stage1Width) }
        if let softStage1 { settings["soft stage 1"] = "sd \(softStage1)" }
        if let auxiliary { settings["stage 1 auxiliary"] = "\(auxiliary), weight \(auxiliaryWeight)" }
        return settings
    }
}

/// `--min-stage1`, `--min-stage2`, `--min-overall`: accuracies the scores
/// must reach (fractions), judged after the outputs are written; exit 1
/// when a point estimate misses one.
struct AccuracyTargetOptions: ParsableArguments {
    @Option(name: .customLong("min-stage1"), help: ArgumentHelp("Stage 1 accuracy the scores must reach (a fraction: 0.99 = 99 %).", valueName: "fraction"))
    var stage1: Double?
    @Option(name: .customLong("min-stage2"), help: ArgumentHelp("Stage 2 accuracy (EARL1 vs EARL2 on the compliant scans) they must reach.", valueName: "fraction"))
    var stage2: Double?
    @Option(name: .customLong("min-overall"), help: ArgumentHelp("Accuracy of the final label they must reach.", valueName: "fraction"))
    var overall: Double?

    func validate() throws {
        for (name, value) in [("--min-stage1", stage1), ("--min-stage2", stage2), ("--min-overall", overall)] {
            if let value, !(value > 0 && value <= 1) { throw ValidationError("\(name) must be a fraction in (0, 1] (0.99 = 99 %), got \(value)") }
        }
    }

    /// The targets given; nil when none is.
    var targets: AccuracyTargets? {
        let t = AccuracyTargets(stage1: stage1, stage2: stage2, overall: overall)
        return t.isEmpty ? nil : t
    }
}

struct EarlCombine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combine",
        abstract: "Join trained models (e.g. `earl train` runs with other seeds) into one ensemble whose stages average their networks' probabilities.",
        discussion: """
            The models must expect the same preprocessing. Joining runs with seeds s…s+n−1 gives the model `earl train --seed s --ensemble n` \
            trains, so the members can be trained in separate processes. Exit 2 on bad input.
            """)

    @Argument(help: "Model files (JSON), two or more.") var models: [String]
    @Option(help: "Output model file (JSON).") var out: String

    func validate() throws {
        if models.count < 2 { throw ValidationError("give two or more models to combine") }
    }

    func run() throws {
        try FileChecks.requireOutput(out, inputs: models)
        let loaded = try models.map { try EARLModel.read(from: $0) }
        let hashes = try models.map { try Provenance.Input.hashing($0) }
        var notes = ["tool": "iqkit \(IQKit.version)", "combinedFrom": hashes.map { "\($0.path) (sha256 \($0.sha256))" }.joined(separator: ", ")]
        for key in ["trainingScans", "blas"] {
            if let value = loaded[0].notes[key], loaded.allSatisfy({ $0.notes[key] == value }) { notes[key] = value }
        }
        let combined = try EARLModel.combine(loaded, names: models, notes: notes)
        try combined.write(to: out)
        print("\(out): \(combined.stage1.count) networks in stage 1, \(combined.stage2.count) in stage 2")
        for line in EARLTraining.convergenceWarnings(combined) { note("warning: \(out): " + line) }
    }
}

struct EarlCrossValidationMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cv-merge",
        abstract: "Pool the JSON reports of single-fold cross-validation runs (`earl train --fold k --cv-json F`) into one report.",
        discussion: "The runs must share --folds, the fold seed (--fold-seed, else --seed) and the labels file, so that their folds come from one split. Exit 2 on bad input.")

    @Argument(help: "Reports written by `earl train --cv-json`.") var reports: [String]
    @Option(help: "Write the pooled report (Markdown) here.") var report: String?
    @Option(help: "Write the pooled report (JSON) here.") var json: String?
    @OptionGroup(title: "Targets (exit 1 when the pooled scores miss one; the outputs are written either way)") var minimum: AccuracyTargetOptions

    func run() throws {
        try FileChecks.requireOutputs([report, json], inputs: reports)
        let parts = try reports.map { path in (path: path, report: try ResultJSON.read(CrossValidationReport.self, from: path, kind: "a cross-validation report")) }
        var merged = try CrossValidationReport.merge(parts)
        merged.targets = minimum.targets
        print(merged.markdown)
        if let report { try AtomicOutput.write(merged.markdown + "\n", to: report) }
        if let json { try ResultJSON.write(merged, to: json) }
        if let missed = AccuracyTargets.failureMessage(merged.outcomes) { throw QAFailure(message: missed) }
    }
}

struct EarlEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a model on labelled scans it was not trained on: confusion matrices of both stages and the final label.",
        discussion: """
            Same labels CSV as `earl train`. Every accuracy comes with its exact (Clopper–Pearson) 95 % interval, and the \
            misclassified scans are listed. With --min-stage1/--min-stage2/--min-overall the scores are judged after \
            the outputs are written: exit 1 when one misses its target. Exit 2 on bad input.
            """)

    @Option(help: "Folder holding the scans.") var data: String
    @Option(help: "Labels CSV (file,label[,group]).") var labels: String
    @Option(help: "Model file (default: $IQKIT_EARL_MODEL or the shipped model).") var model: String?
    @Option(help: "Write the scores and per-scan predictions as JSON here (`iqkit report` renders it).") var json: String?
    @Option(help: "Write the confusion matrices (Markdown) here.") var report: String?
    @OptionGroup var minimum: AccuracyTargetOptions
    @OptionGroup var read: ReadOptions

    func run() throws {
        let (entries, scanPaths) = try readLabelledScans(labels, in: data, outputs: [json, report], inputs: [labels] + [model].compactMap { $0 })
        let modelPath = try model ?? DefaultEARLModel.path()
        let classifier = try EARLModel.read(from: modelPath)
        var evaluation = EvaluationReport(
            targets: minimum.targets,
            provenance: Provenance(
                inputs: try [modelPath, labels].map(Provenance.Input.hashing), settings: ["model": modelPath, "data": data, "scans": String(entries.count)]))
        let progress = ProgressReporter("classifying", total: entries.count)
        var outside: [String] = []
        for (e, path) in zip(entries, scanPaths) {
            let result = try classifier.classify(try loadFinite(path, read.nifti), path: e.file)
            evaluation.add(name: e.file, truth: e.label, result: result, edgeDistance: e.edgeDistance)
            if result.warnings != nil { outside.append(e.file) }
            progress.advance(note: "\(e.file): \(result.label.rawValue) (truth \(e.label.rawValue))")
        }
        progress.finish()
        if let first = outside.first {
            warn("\(outside.count) of \(entries.count) scans (\(first)\(outside.count > 1 ? ", …" : "")) lie outside the model's training scans (voxel sizes or noise): their scores measure extrapolation")
        }
        let text = "\(entries.count) scans\n\n\(evaluation.markdown)"
        print(text)
        if let report { try AtomicOutput.write(text + "\n", to: report) }
        if let json { try ResultJSON.write(evaluation, to: json) }
        if let missed = AccuracyTargets.failureMessage(evaluation.outcomes) { throw QAFailure(message: missed) }
    }
}
