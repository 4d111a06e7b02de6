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

    /// The three scores against the targets that are set, in that order.
    public func judge(stage1 s1: ConfusionMatrix, stage2 s2: ConfusionMatrix, overall all: ConfusionMatrix) -> [Outcome] {
        [("stage 1 accuracy", stage1, s1), ("stage 2 accuracy", stage2, s2), ("overall accuracy", overall, all)]
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

    /// - Parameter edgeDistance: the scan's phantom distance from EARL2's
    ///   upper band edge, when the labels file gives it.
    public mutating func add(name: String, truth: EARLLabel, result: EARLCheckResult, edgeDistance: Double? = nil) {
        scores.testNames.append(name)
        scores.add(truth: truth, result: result)
        predictions.append(.init(name: name, truth: truth, result: result, edgeDistance: edgeDistance))
    }

    /// The targets that are set, judged.
    public var outcomes: [AccuracyTargets.Outcome] { targets?.judge(stage1: scores.stage1, stage2: scores.stage2, overall: scores.overall) ?? [] }

    public var markdown: String {
        CrossValidationReport.markdown(stage1: scores.stage1, stage2: scores.stage2, overall: scores.overall) + "\n\n"
            + CrossValidationReport.misclassifiedMarkdown(predictions) + EdgeDistanceBin.markdown(predictions)
            + Calibration.markdown(predictions) + AccuracyTargets.markdown(outcomes)
    }
}

extension AccuracyTargets {
    /// A Markdown table of judged scores, after a blank line; empty when none was judged.
    public static func markdown(_ judged: [Outcome]) -> String {
        guard !judged.isEmpty else { return "" }
        return "\n\nTargets:\n\n| score | measured | target | verdict |\n|---|---|---|---|\n"
            + judged.map { "| \($0.name) | \($0.measured) | \($0.criterion) | \($0.passed ? "met" : "missed") |" }.joined(separator: "\n")
    }

    /// The one-line QA failure message for the missed targets; nil when every judged target is met.
    public static func failureMessage(_ judged: [Outcome]) -> String? {
        let missed = judged.filter { !$0.passed }
        return missed.isEmpty ? nil : missed.map { "\($0.name) \($0.measured) is outside the target \($0.criterion)" }.joined(separator: "; ")
    }
}

/// Stage 1 on the scans whose phantom lies in one range of distance d from
/// EARL2's upper band edge (band widths; d > 0: the phantom over-recovers
/// above EARL2, the scan is clinical). Where a model errs relative to the
/// standard's edge: a boundary placed on the clinical side shows as misses
/// in 0 < d ≤ 0.3, one placed inside EARL2 as misses in −0.3 < d ≤ 0.
public struct EdgeDistanceBin: Sendable, Equatable {
    /// Bounds: lower < d ≤ upper; nil is unbounded.
    public var lower: Double?
    public var upper: Double?
    public var scans = 0
    /// Truly clinical scans among them.
    public var clinical = 0
    public var stage1Correct = 0

    /// Bin edges of `bins`: far inside the bands, near the edge inside,
    /// near the edge outside (the margin where one phantom scan's noise
    /// decides), clearly over, far over.
    public static let edges: [Double] = [-0.3, 0, 0.3, 1]

    /// "−0.3 < d ≤ 0"
    public var range: String {
        func f(_ x: Double) -> String { String(format: "%g", x).replacingOccurrences(of: "-", with: "−") }
        switch (lower, upper) {
        case let (l?, u?): return "\(f(l)) < d ≤ \(f(u))"
        case let (nil, u?): return "d ≤ \(f(u))"
        case let (l?, nil): return "d > \(f(l))"
        case (nil, nil): return "all"
        }
    }

    public var accuracy: ProportionInterval? { Statistics.clopperPearson(successes: stage1Correct, trials: scans) }

    /// The non-empty bins of the predictions that carry a distance (empty
    /// when none does).
    public static func bins(_ predictions: [CrossValidationReport.Prediction]) -> [EdgeDistanceBin] {
        let bounds: [Double?] = [nil] + edges.map(Optional.some) + [nil]
        var bins = (0..<(bounds.count - 1)).map { EdgeDistanceBin(lower: bounds[$0], upper: bounds[$0 + 1]) }
        for p in predictions {
            guard let d = p.edgeDistance, d.isFinite else { continue }
            let i = edges.firstIndex { d <= $0 } ?? edges.count
            bins[i].scans += 1
            if !p.truth.isCompliant { bins[i].clinical += 1 }
            if p.stage1Correct { bins[i].stage1Correct += 1 }
        }
        return bins.filter { $0.scans > 0 }
    }

    /// Columns of the bins' table (Markdown here, HTML in Reporting).
    public static let tableHeader = ["phantom's distance d", "scans", "clinical", "compliant", "stage 1 correct"]
    public var tableRow: [String] {
        [range, String(scans), String(clinical), String(scans - clinical), accuracy?.summary ?? "–"]
    }

    /// The bins as a Markdown table with a lead-in, or "" when no prediction carries a distance.
    static func markdown(_ predictions: [CrossValidationReport.Prediction]) -> String {
        let bins = bins(predictions)
        guard !bins.isEmpty else { return "" }
        return "\n\n" + caption(predictions) + ":\n\n"
            + markdownTable(header: tableHeader, rows: bins.map(\.tableRow), leftColumns: 1)
    }

    /// What the bins' table shows, and how many of the predictions it leaves out for want of a distance.
    public static func caption(_ predictions: [CrossValidationReport.Prediction]) -> String {
        let without = predictions.filter { $0.edgeDistance?.isFinite != true }.count
        return "Stage 1 by the phantom's distance d from EARL2's upper band edge (band widths; d > 0: over-recovering, clinical)"
            + (without > 0 ? "; not counted: scans without a distance (\(without))" : "")
    }
}
