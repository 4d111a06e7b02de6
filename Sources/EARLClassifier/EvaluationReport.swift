import Foundation
import IQCore

/// Minimum accuracies a model must reach on a test set (fractions, 0...1);
/// nil leaves a score unjudged. `iqkit earl evaluate --min-stage1 0.99 …`.
public struct AccuracyTargets: Codable, Sendable, Equatable {
    public var stage1: Double?
    public var stage2: Double?
    public var overall: Double?

    public init(stage1: Double? = nil, stage2: Double? = nil, overall: Double? = nil) {
        self.stage1 = stage1
        self.stage2 = stage2
        self.overall = overall
    }

    public var isEmpty: Bool { stage1 == nil && stage2 == nil && overall == nil }

    /// One judged score: its name, the accuracy with its interval, the target, the verdict.
    public struct Outcome: Sendable, Equatable {
        public var name: String
        public var accuracy: ProportionInterval?
        public var target: Double
        /// The point estimate reaches the target (an empty matrix does not).
        public var passed: Bool
        /// "99.0–100 %", read as "measured within/outside criterion".
        public var criterion: String { String(format: "%.1f–100 %%", 100 * target) }
        public var measured: String { accuracy?.summary ?? "no scans" }
    }

    /// The scores against the targets that are set, in the order stage 1, stage 2, overall.
    public func judge(_ scores: CrossValidationReport.Fold) -> [Outcome] {
        [("stage 1 accuracy", stage1, scores.stage1), ("stage 2 accuracy", stage2, scores.stage2), ("overall accuracy", overall, scores.overall)]
            .compactMap { name, target, matrix in
                guard let target else { return nil }
                let ci = matrix.accuracyInterval()
                return Outcome(name: name, accuracy: ci, target: target, passed: ci.map { $0.estimate >= target } ?? false)
            }
    }
}

/// A trained model scored on a labelled test set (`iqkit earl evaluate`).
///
/// JSON `kind` "earl-evaluation": the scores (confusion matrices with
/// their accuracies and intervals), every prediction, the targets held to
/// (if any) and the provenance (model and labels file).
public struct EvaluationReport: Codable, Sendable {
    public var kind = "earl-evaluation"
    public var scores: CrossValidationReport.Fold
    public var predictions: [CrossValidationReport.Prediction]
    /// Targets the scores were held to; nil: reported, not judged.
    public var targets: AccuracyTargets?
    /// Nil in files written before iqkit recorded it.
    public var provenance: Provenance?

    /// - Parameter targets: nil or empty: the scores are not judged.
    public init(targets: AccuracyTargets? = nil, provenance: Provenance? = nil) {
        scores = .init(testNames: [])
        predictions = []
        self.targets = targets?.isEmpty == false ? targets : nil
        self.provenance = provenance
    }

    public mutating func add(name: String, truth: EARLLabel, result: EARLCheckResult) {
        scores.testNames.append(name)
        scores.add(truth: truth, result: result)
        predictions.append(.init(name: name, truth: truth, result: result))
    }

    /// The targets that are set, judged.
    public var outcomes: [AccuracyTargets.Outcome] { targets?.judge(scores) ?? [] }

    public var markdown: String {
        var text = CrossValidationReport.markdown(stage1: scores.stage1, stage2: scores.stage2, overall: scores.overall) + "\n\n"
            + CrossValidationReport.misclassifiedMarkdown(predictions)
        let judged = outcomes
        if !judged.isEmpty {
            text += "\n\nTargets:\n\n| score | measured | target | verdict |\n|---|---|---|---|\n"
                + judged.map { "| \($0.name) | \($0.measured) | \($0.criterion) | \($0.passed ? "met" : "missed") |" }.joined(separator: "\n")
        }
        return text
    }
}
