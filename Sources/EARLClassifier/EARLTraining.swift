import Foundation
import IQCore
import SparseCNN

/// A prepared scan with its label, and the group it belongs to (patient,
/// anatomy or scanner) so that cross-validation never splits a group.
public struct EARLSample {
    public var name: String
    public var group: String
    public var label: EARLLabel
    public var prepared: PreparedScan
    /// Where the scan's reconstruction setting lies from EARL2's upper band
    /// edge, from its IEC phantom: the largest (RC − upper limit) / band
    /// width over spheres and RC metrics (`SettingLabel.edgeDistance`);
    /// > 0 over-recovering (clinical). Optional; used for soft stage-1
    /// targets (`EARLTrainingConfiguration.stage1EdgeSD`).
    public var edgeDistance: Double?
    /// Known properties of the scan's reconstruction (e.g. its resolution),
    /// in the order of `EARLTrainingConfiguration.stage1Auxiliary`: targets
    /// of stage 1's regression outputs. Needed for every sample when that
    /// is set.
    public var auxiliary: [Double]?
    public init(name: String, group: String, label: EARLLabel, prepared: PreparedScan, edgeDistance: Double? = nil, auxiliary: [Double]? = nil) {
        self.auxiliary = auxiliary
        self.name = name
        self.group = group
        self.label = label
        self.prepared = prepared
        self.edgeDistance = edgeDistance
    }
}

/// Settings of a two-stage training run.
public struct EARLTrainingConfiguration: Codable, Sendable, Equatable {
    public var input: InputSpecification
    public var stage1Architecture: Architecture
    public var stage2Architecture: Architecture
    public var training: TrainingConfiguration
    /// Fraction of each label held out for early stopping.
    public var validationFraction: Double
    /// With slab input (`input.slabSlices`): slabs drawn per scan, at seeded
    /// random positions, as training samples (validation uses every slab of
    /// a held-out scan, as inference does).
    public var slabsPerScan: Int
    /// Seeds the weights, shuffles and validation splits (and the folds of a
    /// cross-validation).
    public var seed: UInt64
    /// Networks per stage. Member k is the network a run with seed
    /// `seed + k` trains (its own initial weights, shuffles and validation
    /// split), so an ensemble of n equals n single-network runs with seeds
    /// seed…seed+n−1 joined by `EARLModel.combine`.
    public var ensembleSize: Int
    /// Seeds the cross-validation folds when set (nil: `seed`), so runs
    /// with other training seeds can be scored on the same folds.
    public var foldSeed: UInt64?
    /// Soft stage-1 targets when set: a scan's training target is
    /// P(clinical) = Φ(d / sd), d its `edgeDistance`, the chance that a
    /// repeated phantom scan of its setting, with phantom-measurement noise
    /// of standard deviation `sd` band widths, falls on the same side of
    /// the EARL2 upper edge. Every sample then needs an edge distance on
    /// its label's side. nil: one-hot targets. Validation and early
    /// stopping score against the labels either way.
    public var stage1EdgeSD: Double?
    /// Names of the quantities stage 1 learns to estimate beside its two
    /// classes (auxiliary supervision: one regression output each, trained
    /// by squared error towards the samples' standardised `auxiliary`
    /// values with weight `training.regressionWeight`). They shape the
    /// features the classifier reads but not its decision rule. nil: none.
    public var stage1Auxiliary: [String]?
    /// Stage 2's own optimiser settings (epochs, patience, …) when set;
    /// nil: `training`, as stage 1. Stage 2 learns a finer distinction
    /// (EARL1 vs EARL2) from a third fewer scans and may need longer.
    /// Each stage's network depends only on its own settings and seed, so
    /// this changes stage 2 and leaves stage 1 as it was, bit for bit.
    public var stage2Training: TrainingConfiguration?
    /// The convergence warning's limit for this run's networks
    /// (`EARLTraining.convergenceWarnings`); nil: `convergenceLossLimit`.
    public var convergenceLossLimit: Double?
    /// Stage 2's own `validationFraction` when set. 0 holds nothing out:
    /// stage 2 trains on every compliant scan for all its epochs and keeps
    /// the last. Stage 2 sees a third fewer scans than stage 1, so its
    /// held-out fifth is small (13 scans in a CV fold of `make model`'s
    /// corpus), and the epoch with the lowest loss on so few can be an
    /// undertrained one.
    public var stage2ValidationFraction: Double?

    /// The optimiser settings stage `stage` (1 or 2) trains with.
    public func training(stage: Int) -> TrainingConfiguration { stage == 2 ? stage2Training ?? training : training }

    /// The fraction of its scans stage `stage` (1 or 2) holds out for early stopping.
    public func validationFraction(stage: Int) -> Double { stage == 2 ? stage2ValidationFraction ?? validationFraction : validationFraction }

    /// The convergence warning's limit this run's networks are judged by.
    public var convergenceLimit: Double { convergenceLossLimit ?? EARLTraining.convergenceLossLimit }

    public init(
        input: InputSpecification = ScanPreprocessor.defaultInput, stage1Architecture: Architecture? = nil, stage2Architecture: Architecture? = nil,
        training: TrainingConfiguration = TrainingConfiguration(), validationFraction: Double = 0.2, slabsPerScan: Int = 2, seed: UInt64 = 1,
        ensembleSize: Int = 1, foldSeed: UInt64? = nil, stage1EdgeSD: Double? = nil
    ) {
        self.stage1EdgeSD = stage1EdgeSD
        self.ensembleSize = ensembleSize
        self.foldSeed = foldSeed
        self.slabsPerScan = slabsPerScan
        self.input = input
        self.stage1Architecture = stage1Architecture ?? .earlDefault(inputChannels: input.features.count, classes: EARLModel.stage1Classes)
        self.stage2Architecture = stage2Architecture ?? .earlDefault(inputChannels: input.features.count, classes: EARLModel.stage2Classes)
        self.training = training
        self.validationFraction = validationFraction
        self.seed = seed
    }
}

/// The k-fold cross-validation report of the seed study's kind.
///
/// JSON `kind` "earl-cross-validation" (`earl train --cv-json`, `earl
/// cv-merge --json`; `iqkit report` renders it). Files written before the
/// kind and the provenance were recorded still decode.
public struct CrossValidationReport: Codable, Sendable {
    public var kind = "earl-cross-validation"
    /// The labels file and the training settings; nil in reports written
    /// before iqkit recorded them.
    public var provenance: Provenance? = nil
    /// Targets the pooled scores were held to (`earl train`/`cv-merge
    /// --min-stage1 …`); nil: reported, not judged.
    public var targets: AccuracyTargets? = nil
    public struct Fold: Codable, Sendable {
        public var testNames: [String]
        public var stage1: ConfusionMatrix
        public var stage2: ConfusionMatrix
        public var overall: ConfusionMatrix
        /// `EARLTraining.convergenceWarnings` of the fold's model (nil in
        /// reports written before they were kept).
        public var warnings: [String]?

        /// Scores one classified scan: stage 1 always, stage 2 when the scan is truly compliant (as the seed study reports CNN 2).
        public mutating func add(truth: EARLLabel, result: EARLCheckResult) {
            stage1.add(truth: truth.isCompliant ? 1 : 0, prediction: result.stage1CallsCompliant ? 1 : 0)
            if truth.isCompliant { stage2.add(truth: truth == .earl2 ? 1 : 0, prediction: result.stage2EARL2 > 0.5 ? 1 : 0) }
            overall.add(truth: EARLTraining.index(truth), prediction: EARLTraining.index(result.label))
        }
    }
    public var folds: [Fold]
    /// Stage 1 on every scan: clinical vs compliant.
    public var stage1: ConfusionMatrix
    /// Stage 2 on the truly compliant scans: EARL1 vs EARL2 (as the seed study reports CNN 2).
    public var stage2: ConfusionMatrix
    /// The final three-way label against the truth.
    public var overall: ConfusionMatrix
    /// Per scan: name, truth, prediction.
    public var predictions: [Prediction]

    public struct Prediction: Codable, Sendable {
        public var name: String
        public var truth: EARLLabel
        public var result: EARLCheckResult
        /// The scan's phantom distance from EARL2's upper band edge, when the
        /// labels file gives it (`LabelsCSV.Entry.edgeDistance`).
        public var edgeDistance: Double? = nil

        public init(name: String, truth: EARLLabel, result: EARLCheckResult, edgeDistance: Double? = nil) {
            self.name = name
            self.truth = truth
            self.result = result
            self.edgeDistance = edgeDistance
        }

        /// The final label is not the truth.
        public var isMisclassified: Bool { result.label != truth }
        /// Stage 1 put the scan on the right side of the clinical line.
        public var stage1Correct: Bool { result.stage1CallsCompliant == truth.isCompliant }

        /// Columns of a table of predictions (Markdown here, HTML in Reporting).
        public static let tableHeader = ["scan", "truth", "predicted", "P(clinical)", "stage 1: P(compliant)", "stage 2: P(earl2)"]
        /// This prediction's cells under `tableHeader`.
        public var tableRow: [String] {
            [name, truth.rawValue, result.label.rawValue] + [result.probabilities.clinical, result.stage1Compliant, result.stage2EARL2].map { String(format: "%.3f", $0) }
        }
    }

    /// Folds, of `foldCount`, this report covers (1-based): all of them
    /// unless the run was split (`crossValidate(…, only:)`).
    public var foldNumbers: [Int]
    public var foldCount: Int

    enum CodingKeys: String, CodingKey {
        case kind, provenance, targets, folds, stage1, stage2, overall, predictions, foldNumbers, foldCount
    }

    /// The targets that are set, judged on the pooled scores of the folds run.
    public var outcomes: [AccuracyTargets.Outcome] { targets?.judge(stage1: stage1, stage2: stage2, overall: overall) ?? [] }

    /// The folds this report covers, as text: "1, 2, 3".
    public var foldsRun: String { foldNumbers.map(String.init).joined(separator: ", ") }

    /// The folds' convergence warnings, in fold order, each prefixed "fold k: ".
    public var warnings: [String] {
        zip(foldNumbers, folds).flatMap { n, f in (f.warnings ?? []).map { "fold \(n): " + $0 } }
    }

    public var markdown: String {
        var text = Self.markdown(stage1: stage1, stage2: stage2, overall: overall)
        if foldNumbers.count < foldCount {
            text = "Folds \(foldsRun) of \(foldCount) only.\n\n" + text
        }
        let perFold = zip(foldNumbers, folds).map { n, f in
            "| \(n) | \(f.testNames.count) | \(f.stage1.correct)/\(f.stage1.total) | \(f.stage2.correct)/\(f.stage2.total) | \(f.overall.correct)/\(f.overall.total) |"
        }
        text += "\n\nPer fold (correct / total):\n\n| fold | test scans | stage 1 | stage 2 | overall |\n|---:|---:|---:|---:|---:|\n"
            + perFold.joined(separator: "\n") + "\n\n" + Self.misclassifiedMarkdown(predictions) + EdgeDistanceBin.markdown(predictions)
            + Calibration.markdown(predictions)
        if !warnings.isEmpty {
            text += "\n\nNetworks that may not have converged (\(warnings.count)):\n\n" + warnings.map { "- " + $0 }.joined(separator: "\n")
        }
        return text + AccuracyTargets.markdown(outcomes)
    }

    /// Pools reports of disjoint folds of one k-fold split (runs of single folds).
    /// When every part records its provenance, the pool keeps the first's
    /// labels file and settings, with `folds run` covering the pool.
    /// - Throws: `InputError.invalidData` when the reports disagree on k,
    ///   share a fold, or record another labels file or fold seed.
    public static func merge(_ parts: [(path: String, report: CrossValidationReport)]) throws -> CrossValidationReport {
        guard let first = parts.first else { throw InputError.invalidSetting(name: "reports", problem: "none given") }
        var merged = CrossValidationReport(foldCount: first.report.foldCount)
        var byFold: [(Int, Fold)] = []
        for (path, part) in parts {
            guard part.foldCount == merged.foldCount else {
                throw InputError.invalidData(path: path, problem: "a \(part.foldCount)-fold report cannot be pooled with \(merged.foldCount)-fold ones")
            }
            if let mine = part.provenance, let theirs = first.report.provenance {
                // Folds come from one split only with the same labels (by content) and fold seed.
                guard mine.inputs.map(\.sha256) == theirs.inputs.map(\.sha256) else {
                    throw InputError.invalidData(path: path, problem: "trained on another labels file than \(first.path)")
                }
                guard mine.settings[Self.foldSeedSetting] == theirs.settings[Self.foldSeedSetting] else {
                    throw InputError.invalidData(path: path, problem: "its folds come from another fold seed than \(first.path)'s")
                }
            }
            for (n, fold) in zip(part.foldNumbers, part.folds) {
                guard !byFold.contains(where: { $0.0 == n }) else { throw InputError.invalidData(path: path, problem: "fold \(n) appears in two reports") }
                byFold.append((n, fold))
            }
            merged.predictions += part.predictions
        }
        for (n, fold) in byFold.sorted(by: { $0.0 < $1.0 }) {
            merged.foldNumbers.append(n)
            merged.folds.append(fold)
            merged.stage1.add(fold.stage1)
            merged.stage2.add(fold.stage2)
            merged.overall.add(fold.overall)
        }
        if var provenance = first.report.provenance, parts.allSatisfy({ $0.report.provenance != nil }) {
            provenance.settings[Self.foldsRunSetting] = merged.foldsRun
            merged.provenance = provenance
        }
        return merged
    }

    /// Provenance settings `merge` reads and writes: the fold seed the
    /// split was drawn with, and the folds a report covers.
    public static let foldSeedSetting = "fold seed"
    public static let foldsRunSetting = "folds run"

    /// The three confusion matrices, each headed by its accuracy with the
    /// exact 95 % interval (what a test set of this size can show).
    static func markdown(stage1: ConfusionMatrix, stage2: ConfusionMatrix, overall: ConfusionMatrix) -> String {
        func accuracy(_ m: ConfusionMatrix) -> String { m.accuracyInterval()?.summary ?? "–" }
        return """
        Stage 1 (clinical vs compliant), accuracy \(accuracy(stage1)):

        \(stage1.markdown)

        Stage 2 (EARL1 vs EARL2, compliant scans), accuracy \(accuracy(stage2)):

        \(stage2.markdown)

        Overall, accuracy \(accuracy(overall)):

        \(overall.markdown)
        """
    }

    /// A Markdown table of the scans whose final label is wrong, with both
    /// stages' probabilities (so a near miss can be told from a confident
    /// one), or a line saying there are none.
    static func misclassifiedMarkdown(_ predictions: [Prediction]) -> String {
        let wrong = predictions.filter(\.isMisclassified)
        guard !wrong.isEmpty else { return "No scan misclassified." }
        return "Misclassified scans (\(wrong.count)):\n\n" + markdownTable(header: Prediction.tableHeader, rows: wrong.map(\.tableRow), leftColumns: 3)
    }
}

extension CrossValidationReport.Fold {
    /// No scans scored yet: empty stage-1, stage-2 and three-way matrices.
    public init(testNames: [String]) {
        self.init(
            testNames: testNames, stage1: ConfusionMatrix(classes: EARLModel.stage1Classes), stage2: ConfusionMatrix(classes: EARLModel.stage2Classes),
            overall: ConfusionMatrix(classes: EARLLabel.allCases.map(\.rawValue)))
    }
}

extension CrossValidationReport {
    /// Decodes reports with or without `kind` and `provenance`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "earl-cross-validation"
        provenance = try c.decodeIfPresent(Provenance.self, forKey: .provenance)
        targets = try c.decodeIfPresent(AccuracyTargets.self, forKey: .targets)
        folds = try c.decode([Fold].self, forKey: .folds)
        stage1 = try c.decode(ConfusionMatrix.self, forKey: .stage1)
        stage2 = try c.decode(ConfusionMatrix.self, forKey: .stage2)
        overall = try c.decode(ConfusionMatrix.self, forKey: .overall)
        predictions = try c.decode([Prediction].self, forKey: .predictions)
        foldNumbers = try c.decode([Int].self, forKey: .foldNumbers)
        foldCount = try c.decode(Int.self, forKey: .foldCount)
        // Pooling (`merge`) adds matrices cell by cell and pairs folds with
        // their numbers: refuse what `earl train` does not write.
        let expected = Fold(testNames: [])
        func stagesMatch(_ m: (ConfusionMatrix, ConfusionMatrix, ConfusionMatrix)) -> Bool {
            m.0.classes == expected.stage1.classes && m.1.classes == expected.stage2.classes && m.2.classes == expected.overall.classes
        }
        guard stagesMatch((stage1, stage2, overall)), folds.allSatisfy({ stagesMatch(($0.stage1, $0.stage2, $0.overall)) }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .folds, in: c, debugDescription: "confusion matrices over other classes than stage 1's, stage 2's and the three labels")
        }
        guard foldCount >= 2, foldNumbers.count == folds.count, Set(foldNumbers).count == folds.count,
            foldNumbers.allSatisfy({ (1...foldCount).contains($0) })
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .foldNumbers, in: c, debugDescription: "fold numbers \(foldNumbers) for \(folds.count) folds of a \(foldCount)-fold split")
        }
    }

    /// A report of a k-fold split with no fold run yet.
    public init(foldCount: Int) {
        let empty = Fold(testNames: [])
        self.init(
            folds: [], stage1: empty.stage1, stage2: empty.stage2, overall: empty.overall, predictions: [], foldNumbers: [], foldCount: foldCount)
    }
}

/// The inputs and results of the networks to train (each stage's members),
/// shared with the workers that train them: each worker reads its own job's
/// inputs and writes only its own result slot; log lines are serialised by a lock.
private final class StageRuns: @unchecked Sendable {
    /// `name` prefixes the job's log lines ("stage 1", "stage 2 member 3");
    /// `stage` (1 or 2) picks the configuration's settings for it.
    typealias Stage = (
        name: String, stage: Int, tensors: [SparseTensor], labels: [Int], targets: [[Double]]?, regression: [[Double]]?, groups: [String], architecture: Architecture,
        seed: UInt64
    )
    let stages: [Stage]
    var results: [(network: Network, history: TrainingHistory)?]
    private let log: ((String) -> Void)?
    private let lock = NSLock()

    init(log: ((String) -> Void)?, stages: [Stage]) {
        self.log = log
        self.stages = stages
        self.results = Array(repeating: nil, count: stages.count)
    }

    func run(_ i: Int, configuration: EARLTrainingConfiguration) {
        let s = stages[i]
        let write: ((String) -> Void)? = log.map { l in
            { line in
                self.lock.lock()
                l(s.name + " " + line)
                self.lock.unlock()
            }
        }
        let result = EARLTraining.trainStage(
            s.tensors, labels: s.labels, targets: s.targets, regression: s.regression, groups: s.groups, architecture: s.architecture, stage: s.stage,
            configuration: configuration, seed: s.seed, log: write)
        lock.lock()
        results[i] = result
        lock.unlock()
    }
}

/// Training and cross-validation of the two-stage classifier from labelled scans.
public enum EARLTraining {
    /// Which class a stage would train without ("stage 1 (clinical/compliant)
    /// needs samples of both classes; there are no clinical scans"), or nil
    /// when both stages have both of theirs.
    static func missingClasses(_ samples: [EARLSample]) -> String? {
        let labels = Set(samples.map(\.label))
        let stages: [(String, [Set<EARLLabel>])] = [
            ("stage 1 (clinical/compliant)", [[.clinical], [.earl1, .earl2]]), ("stage 2 (earl1/earl2)", [[.earl1], [.earl2]]),
        ]
        for (name, classes) in stages {
            if let absent = classes.first(where: { labels.isDisjoint(with: $0) }) {
                let names = absent.map(\.rawValue).sorted().joined(separator: " or ")
                return "\(name) needs samples of both classes; there are no \(names) scans"
            }
        }
        return nil
    }

    /// Preprocesses one labelled scan.
    public static func sample(_ volume: Volume, name: String, group: String? = nil, label: EARLLabel, input: InputSpecification) throws -> EARLSample {
        let prepared = try ScanPreprocessor(input: input).prepare(volume, path: name)
        return EARLSample(name: name, group: group ?? name, label: label, prepared: prepared)
    }

    /// Trains both stages: stage 1 on every sample (clinical vs compliant),
    /// stage 2 on the compliant ones (EARL1 vs EARL2), each with a stratified
    /// validation split of whole groups for early stopping.
    /// - Throws: `InputError.invalidData` when a stage lacks one of its classes.
    public static func train(_ samples: [EARLSample], configuration: EARLTrainingConfiguration, log: ((String) -> Void)? = nil) throws -> EARLModel {
        if let problem = missingClasses(samples) { throw InputError.invalidData(path: "training set", problem: problem) }
        let stage1Labels = samples.map { $0.label.isCompliant ? 1 : 0 }
        let compliant = samples.filter { $0.label.isCompliant }
        let stage2Labels = compliant.map { $0.label == .earl2 ? 1 : 0 }
        let stage1Targets = try configuration.stage1EdgeSD.map { sd in try samples.map { try stage1Target($0, sd: sd) } }
        var stage1Architecture = configuration.stage1Architecture
        var stage1Regression: [[Double]]?
        if let names = configuration.stage1Auxiliary, !names.isEmpty {
            let (outputs, standardised) = try auxiliaryOutputs(samples, names: names)
            guard let widened = stage1Architecture.withRegression(outputs) else {
                throw InputError.invalidSetting(name: "stage 1 architecture", problem: "auxiliary targets need a dense last layer")
            }
            stage1Architecture = widened
            stage1Regression = standardised
        }
        let members = configuration.ensembleSize
        guard (1...EARLModel.maxMembers).contains(members) else {
            throw InputError.invalidSetting(name: "ensemble", problem: "\(members) networks per stage; 1…\(EARLModel.maxMembers) are allowed")
        }
        for stage in 1...2 where !(0..<1).contains(configuration.validationFraction(stage: stage)) {
            throw InputError.invalidSetting(name: "stage \(stage) validation fraction", problem: "\(configuration.validationFraction(stage: stage)) is not in 0…1 (1 excluded)")
        }
        // Member k's stages are seeded as a run with seed + k seeds its own:
        // stage 1 with that seed, stage 2 with the next.
        let stages = StageRuns(
            log: log,
            stages: (0..<members).flatMap { k -> [StageRuns.Stage] in
                let seed = configuration.seed &+ UInt64(k)
                let suffix = members > 1 ? " member \(k + 1)" : ""
                return [
                    ("stage 1" + suffix, 1, samples.map(\.prepared.tensor), stage1Labels, stage1Targets, stage1Regression, samples.map(\.group), stage1Architecture, seed),
                    ("stage 2" + suffix, 2, compliant.map(\.prepared.tensor), stage2Labels, nil, nil, compliant.map(\.group), configuration.stage2Architecture, seed &+ 1),
                ]
            })
        // The networks are independent and the CNN itself runs on one thread
        // (BLAS aside), so they train side by side, as many at a time as
        // there are cores (`parallelFor`), BLAS on one thread each.
        let previous = BLAS.threads
        BLAS.setThreads(1)
        defer { BLAS.setThreads(previous) }
        parallelFor(stages.stages.count) { stages.run($0, configuration: configuration) }
        let results = stages.results.map { r -> (network: Network, history: TrainingHistory) in
            guard let r else { preconditionFailure("a stage did not run") }
            return r
        }
        let stage1 = stride(from: 0, to: results.count, by: 2).map { results[$0] }, stage2 = stride(from: 1, to: results.count, by: 2).map { results[$0] }
        // The BLAS kernel shapes the rounding, hence the weights (`BLAS`).
        var notes = ["trainingScans": "\(samples.count)", "tool": "iqkit \(IQKit.version)", "blas": BLAS.configuration]
        if let sd = configuration.stage1EdgeSD { notes["stage1Targets"] = "soft: P(clinical) = Φ(edge distance / \(sd))" }
        if let names = stage1Architecture.regression?.map(\.name) {
            notes["stage1Auxiliary"] = names.joined(separator: ", ") + " (weight \(configuration.training.regressionWeight))"
        }
        if let t = configuration.stage2Training, t != configuration.training {
            notes["stage2Training"] = "at most \(t.maxEpochs) epochs, patience \(t.patience) (stage 1: \(configuration.training.maxEpochs), \(configuration.training.patience))"
        }
        if let f = configuration.stage2ValidationFraction, f != configuration.validationFraction {
            notes["stage2Validation"] = f == 0 ? "none: trained on every compliant scan, last epoch kept" : "\(f) of its scans held out (stage 1: \(configuration.validationFraction))"
        }
        if members > 1 { notes["ensemble"] = "\(members) networks per stage, seeds \(configuration.seed)…\(configuration.seed &+ UInt64(members - 1))" }
        return try EARLModel(
            stage1: stage1.map(\.network), stage2: stage2.map(\.network), input: configuration.input, notes: notes,
            histories: (stage1.map(\.history), stage2.map(\.history)), domain: ScanDomain(scans: samples.map(\.prepared)))
    }

    /// The validation loss (mean cross-entropy, nats) above which a
    /// network's kept epoch counts as not converged: a network that has
    /// learned a task without label noise gets near 0, one that has not
    /// stays near ln 2 ≈ 0.69 (a coin toss).
    /// Networks trained towards soft targets are allowed this much above
    /// their targets' own loss (`TrainingHistory.validationTargetLoss`).
    /// The default; a corpus whose validation scans sit near a band edge
    /// (label noise no network can learn) keeps good networks above it,
    /// and a run may set its own (`EARLTrainingConfiguration`).
    public static let convergenceLossLimit = 0.2

    /// One line per network of `model` whose kept epoch has a validation
    /// loss above `limit` (plus the soft targets' own loss, if any), naming
    /// its stage, member, epoch and loss. A network trained without a
    /// validation set is judged by its kept epoch's training loss, which
    /// only catches one that has not even learnt its own scans.
    public static func convergenceWarnings(_ model: EARLModel, limit lossLimit: Double = convergenceLossLimit) -> [String] {
        var lines: [String] = []
        for (name, histories) in [("stage 1", model.histories.stage1), ("stage 2", model.histories.stage2)] {
            for (k, history) in histories.enumerated() {
                guard let history, history.epochs.indices.contains(history.bestEpoch) else { continue }
                let kept = history.epochs[history.bestEpoch]
                let (kind, loss, floor) =
                    kept.validationLoss.map { ("validation", $0, history.validationTargetLoss) } ?? ("training (no validation set)", kept.trainingLoss, nil)
                guard loss > (floor ?? 0) + lossLimit else { continue }
                let member = histories.count > 1 ? " member \(k + 1)" : ""
                let limit = floor.map { String(format: "the soft targets' own %.3f + \(lossLimit)", $0) } ?? "\(lossLimit)"
                lines.append(
                    "\(name)\(member) kept epoch \(history.bestEpoch + 1) of \(history.epochs.count) at \(kind) loss "
                        + String(format: "%.3f", loss) + " (above \(limit)): it may not have converged; "
                        + "train with other seeds (--seed, --ensemble) and compare")
            }
        }
        return lines
    }

    /// The soft stage-1 target of a sample (`stage1EdgeSD`): [P(clinical),
    /// P(compliant)] with P(clinical) = Φ(edgeDistance / sd).
    /// - Throws: `InputError.invalidData` naming the sample when it has no
    ///   edge distance or one on the other side of the edge from its label.
    public static func stage1Target(_ sample: EARLSample, sd: Double) throws -> [Double] {
        if let problem = softTargetProblem(label: sample.label, edgeDistance: sample.edgeDistance) {
            throw InputError.invalidData(path: sample.name, problem: problem)
        }
        let clinical = 0.5 * erfc(-(sample.edgeDistance ?? 0) / (sd * 2.0.squareRoot()))
        return [clinical, 1 - clinical]
    }

    /// Why a scan cannot have a soft stage-1 target (nil: it can): it needs
    /// a finite edge distance, > 0 exactly when its label is clinical.
    public static func softTargetProblem(label: EARLLabel, edgeDistance: Double?) -> String? {
        guard let d = edgeDistance, d.isFinite else { return "no edge distance (soft stage-1 targets need one for every scan)" }
        guard (d > 0) == (label == .clinical) else { return "edge distance \(d) is on the other side of EARL2's upper edge from its label \(label.rawValue)" }
        return nil
    }

    /// Stage 1's regression outputs for `names` (mean and standard
    /// deviation of the samples' values) and every sample's values
    /// standardised by them.
    /// - Throws: `InputError.invalidData` naming a sample without finite
    ///   values for every name, or a name whose values are all equal.
    static func auxiliaryOutputs(_ samples: [EARLSample], names: [String]) throws -> (outputs: [RegressionOutput], standardised: [[Double]]) {
        for s in samples {
            guard let values = s.auxiliary, values.count == names.count, values.allSatisfy(\.isFinite) else {
                throw InputError.invalidData(path: s.name, problem: "no auxiliary values for \(names.joined(separator: ", ")) (every training scan needs them)")
            }
        }
        let columns = names.indices.map { k in samples.map { $0.auxiliary?[k] ?? 0 } }
        var outputs: [RegressionOutput] = []
        for (name, values) in zip(names, columns) {
            let sd = Statistics.standardDeviation(values), mean = Statistics.mean(values)
            // Equal values can leave a rounding residue of the mean, not 0.
            guard sd.isFinite, sd > 1e-9 * max(1, abs(mean)) else {
                throw InputError.invalidData(path: "training set", problem: "auxiliary \(name) has the same value for every scan; there is nothing to learn from it")
            }
            outputs.append(RegressionOutput(name: name, mean: mean, scale: sd))
        }
        let standardised = samples.map { s in zip(outputs, s.auxiliary ?? []).map { r, v in (v - r.mean) / r.scale } }
        return (outputs, standardised)
    }

    static func trainStage(
        _ tensors: [SparseTensor], labels: [Int], targets: [[Double]]? = nil, regression: [[Double]]? = nil, groups: [String], architecture: Architecture, stage: Int,
        configuration: EARLTrainingConfiguration, seed: UInt64, log: ((String) -> Void)?
    ) -> (network: Network, history: TrainingHistory) {
        // Validation scans share no group (anatomy, patient) with training
        // scans, so early stopping is not fooled by anatomies seen in training.
        let split = Trainer.groupedStratifiedSplit(labels: labels, groups: groups, fraction: configuration.validationFraction(stage: stage), seed: seed)
        let network = Network(architecture: architecture, seed: seed)
        var config = configuration.training(stage: stage)
        config.seed = seed
        // Slab input: each epoch draws `slabsPerScan` slabs of every training
        // scan afresh (seeded by epoch), randomly mirrored left-right; the
        // validation set is a fixed draw of up to 3 slabs per held-out scan.
        // Every scan's cuts are worked out once; only the drawn slabs are
        // built (each builds its sites' coordinate map), and the draw
        // shuffles slab indices, the permutation a shuffle of slabs would make.
        let layouts = configuration.input.slabSlices.map { thickness in tensors.map { $0.zSlabLayout(thickness: thickness) } }
        func slabs(_ indices: [Int], perScan: Int, stream: Int, mirror: Bool) -> [LabelledTensor] {
            var random = SplitMix64.stream(seed: seed, index: stream)
            return indices.flatMap { i -> [LabelledTensor] in
                guard let layout = layouts?[i] else {
                    return [LabelledTensor(tensor: tensors[i], label: labels[i], target: targets?[i], regression: regression?[i])]
                }
                var order = Array(0..<layout.count)
                random.shuffle(&order)
                return order.prefix(perScan).map { k in
                    let slab = tensors[i].zSlab(k, of: layout)
                    return LabelledTensor(
                        tensor: mirror && random.nextUniform() < 0.5 ? slab.mirroredX() : slab, label: labels[i], target: targets?[i], regression: regression?[i])
                }
            }
        }
        let validation = slabs(split.validation, perScan: 3, stream: 1_000_000, mirror: false)
        let perScan = max(1, configuration.slabsPerScan)
        let history = Trainer.train(
            network, epochSamples: { epoch in slabs(split.training, perScan: perScan, stream: epoch, mirror: true) },
            freshSamples: configuration.input.slabSlices != nil, validation: validation, configuration: config,
            progress: log.map { l in { epoch, e in
                l("epoch \(epoch + 1): loss \(e.trainingLoss)" + (e.validationLoss.map { " validation loss \($0) accuracy \(e.validationAccuracy ?? .nan)" } ?? ""))
            } })
        return (network, history)
    }

    /// k-fold cross-validation with folds made of whole groups, stratified by
    /// label as far as groups allow (groups sorted by label, then dealt round-robin after a seeded shuffle).
    /// - Parameter only: 1-based fold numbers to run (nil: all); the split is
    ///   the same whichever folds run, so single-fold runs can be pooled
    ///   with `CrossValidationReport.merge`.
    public static func crossValidate(
        _ samples: [EARLSample], folds k: Int, only: Set<Int>? = nil, configuration: EARLTrainingConfiguration, log: ((String) -> Void)? = nil
    ) throws -> CrossValidationReport {
        guard k >= 2 else { throw InputError.invalidSetting(name: "folds", problem: "need at least 2 folds, got \(k)") }
        if let only, let bad = only.first(where: { !(1...k).contains($0) }) {
            throw InputError.invalidSetting(name: "fold", problem: "fold \(bad) is not in 1…\(k)")
        }
        let fold = foldAssignment(samples, folds: k, seed: configuration.foldSeed ?? configuration.seed)
        // The folds to run (a fold without scans has nothing to test), each
        // checked before the first trains, so that a split too fine for the
        // scans is refused at once, naming the fold.
        let runs = (0..<k).filter { f in only?.contains(f + 1) ?? true }.map { f in
            (f, samples.indices.filter { fold[$0] != f }.map { samples[$0] }, samples.indices.filter { fold[$0] == f }.map { samples[$0] })
        }.filter { !$0.2.isEmpty }
        for (f, trainSet, _) in runs {
            if let problem = missingClasses(trainSet) {
                throw InputError.invalidData(
                    path: "training set", problem: "fold \(f + 1) of \(k) would train without a class: \(problem) among its training scans; give more scans or fewer folds")
            }
        }
        var report = CrossValidationReport(foldCount: k)
        for (f, trainSet, test) in runs {
            log?("fold \(f + 1)/\(k): \(trainSet.count) training, \(test.count) test scans")
            let model = try train(trainSet, configuration: configuration, log: log)
            var record = CrossValidationReport.Fold(testNames: test.map(\.name))
            record.warnings = convergenceWarnings(model, limit: configuration.convergenceLimit)
            for s in test {
                let result = model.classify(s.prepared, path: s.name)
                record.add(truth: s.label, result: result)
                report.predictions.append(.init(name: s.name, truth: s.label, result: result, edgeDistance: s.edgeDistance))
            }
            log?(
                "fold \(f + 1)/\(k) scores: stage 1 \(record.stage1.correct)/\(record.stage1.total), stage 2 \(record.stage2.correct)/\(record.stage2.total), overall \(record.overall.correct)/\(record.overall.total)"
            )
            report.stage1.add(record.stage1)
            report.stage2.add(record.stage2)
            report.overall.add(record.overall)
            report.folds.append(record)
            report.foldNumbers.append(f + 1)
        }
        return report
    }

    static func index(_ label: EARLLabel) -> Int { EARLLabel.allCases.firstIndex(of: label) ?? 0 }

    /// Fold of each sample: groups are shuffled (seeded), ordered by their
    /// majority label, and dealt to folds in turn.
    static func foldAssignment(_ samples: [EARLSample], folds k: Int, seed: UInt64) -> [Int] {
        var groups = Array(Set(samples.map(\.group))).sorted()
        var random = SplitMix64(seed: seed)
        random.shuffle(&groups)
        func majority(_ g: String) -> Int {
            let labels = samples.filter { $0.group == g }.map { index($0.label) }
            return (0..<3).max { a, b in labels.filter { $0 == a }.count < labels.filter { $0 == b }.count } ?? 0
        }
        let ordered = groups.enumerated().sorted { (majority($0.element), $0.offset) < (majority($1.element), $1.offset) }.map(\.element)
        var foldOf: [String: Int] = [:]
        for (i, g) in ordered.enumerated() { foldOf[g] = i % k }
        return samples.map { foldOf[$0.group] ?? 0 }
    }
}
