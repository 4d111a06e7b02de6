import Foundation
import IQCore

/// How far one stage's probabilities can be taken at their word, on scans
/// whose truth is known: the Brier score, the expected calibration error
/// and a reliability table (scans binned by their predicted probability,
/// each bin's mean prediction beside the fraction that truly was the
/// event). A stage whose errors are confident (P 0.9 and wrong) shows it
/// here, where an accuracy cannot.
///
/// Stage 1's event is "clinical" (P(clinical) against every scan), stage
/// 2's is "EARL2" (P(EARL2 | compliant) against the truly compliant scans).
public struct Calibration: Sendable, Equatable {
    /// Scans with predicted probability in lower < p ≤ upper (the first bin
    /// from 0 inclusive).
    public struct Bin: Sendable, Equatable {
        public var lower: Double
        public var upper: Double
        public var scans = 0
        /// Sum of the bin's predicted probabilities (its mean is `meanPredicted`).
        var predictedSum = 0.0
        /// Scans of the bin that truly were the event.
        public var events = 0

        public var meanPredicted: Double { scans > 0 ? predictedSum / Double(scans) : .nan }
        /// The fraction that truly was the event, with its exact 95 % interval.
        public var observed: ProportionInterval? { Statistics.clopperPearson(successes: events, trials: scans) }
    }

    /// Which stage, as a sentence's subject: "Stage 1, P(clinical)".
    public var name: String
    /// The event's name: "clinical".
    public var event: String
    public var scans: Int
    /// Mean squared difference between predicted probability and outcome (0 or 1):
    /// 0 is perfect, 0.25 what P = 0.5 for every scan scores.
    public var brier: Double
    /// Σ over bins of (scans in bin / scans) · |mean predicted − observed fraction|.
    public var expectedCalibrationError: Double
    /// The non-empty bins, in order.
    public var bins: [Bin]

    /// Inner bin edges: the extremes get their own bins, where a
    /// well-trained stage puts most scans and where a confident error costs most.
    public static let edges: [Double] = [0.05, 0.2, 0.5, 0.8, 0.95]

    /// - Parameters:
    ///   - probabilities: each scan's predicted probability of the event (0...1; others are clamped).
    ///   - events: whether each scan truly was the event.
    /// - Returns: nil for no scans or counts that differ.
    public init?(name: String, event: String, probabilities: [Double], events: [Bool]) {
        guard !probabilities.isEmpty, probabilities.count == events.count else { return nil }
        let bounds = [0] + Self.edges + [1]
        var bins = (0..<(bounds.count - 1)).map { Bin(lower: bounds[$0], upper: bounds[$0 + 1]) }
        var squared = 0.0
        for (raw, event) in zip(probabilities, events) {
            let p = raw.isNaN ? 0.5 : min(max(raw, 0), 1)
            let i = Self.edges.firstIndex { p <= $0 } ?? Self.edges.count
            bins[i].scans += 1
            bins[i].predictedSum += p
            if event { bins[i].events += 1 }
            squared += (p - (event ? 1 : 0)) * (p - (event ? 1 : 0))
        }
        let n = Double(probabilities.count)
        self.name = name
        self.event = event
        scans = probabilities.count
        brier = squared / n
        expectedCalibrationError = bins.reduce(0) { sum, b in
            b.scans == 0 ? sum : sum + Double(b.scans) / n * abs(b.meanPredicted - Double(b.events) / Double(b.scans))
        }
        self.bins = bins.filter { $0.scans > 0 }
    }

    /// Both stages' calibration on these predictions (stage 2 only over the
    /// truly compliant scans); a stage without scans is left out.
    public static func stages(_ predictions: [CrossValidationReport.Prediction]) -> [Calibration] {
        let compliant = predictions.filter(\.truth.isCompliant)
        return [
            Calibration(
                name: "Stage 1, P(clinical)", event: "clinical", probabilities: predictions.map(\.result.probabilities.clinical),
                events: predictions.map { !$0.truth.isCompliant }),
            Calibration(
                name: "Stage 2, P(EARL2 | compliant), truly compliant scans", event: "EARL2", probabilities: compliant.map(\.result.stage2EARL2),
                events: compliant.map { $0.truth == .earl2 }),
        ].compactMap { $0 }
    }

    /// "Brier score 0.021, expected calibration error 0.015 (300 scans)"
    public var summary: String {
        String(format: "Brier score %.4f, expected calibration error %.4f (%d scans)", brier, expectedCalibrationError, scans)
    }

    /// "Calibration, Stage 1, P(clinical): Brier score …": the table's caption.
    public var heading: String { "Calibration, \(name): \(summary)" }

    /// Columns of the reliability table (Markdown here, HTML in Reporting).
    public var tableHeader: [String] { ["predicted", "scans", "mean predicted", "observed \(event)"] }
    public static func rangeText(_ b: Bin) -> String {
        b.lower == 0 ? String(format: "0–%.2f", b.upper) : String(format: "%.2f–%.2f", b.lower, b.upper)
    }
    public var tableRows: [[String]] {
        bins.map { b in [Self.rangeText(b), String(b.scans), String(format: "%.3f", b.meanPredicted), b.observed?.summary ?? "–"] }
    }

    /// Both stages' reliability tables with their summaries, after a blank
    /// line; "" when there are no predictions.
    static func markdown(_ predictions: [CrossValidationReport.Prediction]) -> String {
        stages(predictions).map { c in
            "\n\n\(c.heading):\n\n" + markdownTable(header: c.tableHeader, rows: c.tableRows, leftColumns: 1)
        }.joined()
    }
}
