import IQCore

/// What a reconstruction is, in the EARL sense.
public enum EARLLabel: String, Codable, Sendable, CaseIterable, Comparable {
    /// A clinical reconstruction that meets neither EARL band set as used here.
    case clinical
    /// Meets the EARL1 recovery-coefficient bands.
    case earl1
    /// Meets the EARL2 recovery-coefficient bands.
    case earl2

    public static func < (a: EARLLabel, b: EARLLabel) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }

    public var isCompliant: Bool { self != .clinical }

    /// "2 clinical, 1 earl1, 0 earl2": how many of `labels` are of each
    /// label, every label named.
    public static func countSummary(_ labels: some Sequence<EARLLabel>) -> String {
        var counts: [EARLLabel: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        return allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
    }
}

/// The band set a scan must meet (`--require`).
public enum EARLRequirement: String, Codable, Sendable, CaseIterable {
    case earl1, earl2, any

    /// Whether a scan with `label` satisfies the requirement.
    public func isMet(by label: EARLLabel) -> Bool {
        switch self {
        case .earl1: return label == .earl1
        case .earl2: return label == .earl2
        case .any: return label.isCompliant
        }
    }
}

/// Probabilities of the three labels (summing to 1).
public struct EARLProbabilities: Codable, Sendable, Equatable {
    public var clinical: Double
    public var earl1: Double
    public var earl2: Double
    public init(clinical: Double, earl1: Double, earl2: Double) {
        self.clinical = clinical
        self.earl1 = earl1
        self.earl2 = earl2
    }
}

/// One scan's verdict, as printed and written to JSON.
public struct EARLCheckResult: Codable, Sendable, Equatable {
    /// The scan's path as given.
    public var path: String
    public var label: EARLLabel
    /// P(clinical) = stage 1's clinical probability; P(earlN) = stage 1's
    /// compliant probability × stage 2's probability of earlN.
    public var probabilities: EARLProbabilities
    /// Stage 1 (clinical vs compliant): probability that the scan is EARL-compliant.
    public var stage1Compliant: Double
    /// Stage 2 (EARL1 vs EARL2): probability of EARL2, given compliance.
    public var stage2EARL2: Double
    /// Active voxels the CNN saw.
    public var activeVoxels: Int
    /// What stage 1 estimates of the reconstruction beside its classes, by
    /// name in the quantity's units (a model trained with auxiliary
    /// targets, e.g. "fwhm_mm"); nil for models without. Estimates of a
    /// network trained on simulated reconstructions, not measurements.
    public var estimates: [String: Double]?
    /// Why the label may not hold (a scan outside the model's `ScanDomain`); nil when none.
    public var warnings: [String]?
    /// The scan's edge-image noise over its body median (`PreparedScan.edgeNoise`),
    /// the quantity `ScanDomain.edgeNoise` bounds; nil when not measured.
    public var edgeNoise: Double?

    /// The verdict from the two stages' class probabilities: P(clinical) is
    /// stage 1's, P(earlN) stage 1's compliant × stage 2's earlN; the label
    /// is clinical when P(clinical) ≥ `EARLModel.threshold`, else stage 2's
    /// more probable class.
    /// - Parameters:
    ///   - stage1: [P(clinical), P(compliant)].
    ///   - stage2: [P(earl1), P(earl2)].
    public init(path: String, stage1: [Double], stage2: [Double], activeVoxels: Int, estimates: [String: Double]? = nil) {
        self.estimates = estimates
        let compliant = stage1[1]
        self.path = path
        probabilities = EARLProbabilities(clinical: stage1[0], earl1: compliant * stage2[0], earl2: compliant * stage2[1])
        label = stage1[0] >= EARLModel.threshold ? .clinical : (stage2[1] > 0.5 ? .earl2 : .earl1)
        stage1Compliant = compliant
        stage2EARL2 = stage2[1]
        self.activeVoxels = activeVoxels
    }

    /// Stage 1's call, as the confusion matrices score it: compliant when
    /// P(compliant) > 1 − `EARLModel.threshold`.
    public var stage1CallsCompliant: Bool { stage1Compliant > 1 - EARLModel.threshold }
}

/// The JSON of `iqkit earl check`: one result per scan, the requirement the
/// scans were held to (nil: classification only) and provenance. `kind` is "earl-check".
public struct EARLCheckReport: Codable, Sendable {
    public var kind = "earl-check"
    public var provenance: Provenance
    /// "earl1", "earl2", "any" or nil.
    public var require: String?
    public var results: [EARLCheckResult]
    /// The training scans the model records (`EARLModel.domain`), against
    /// which the results' warnings were judged; nil for a model without one
    /// and in files written before it.
    public var modelDomain: ScanDomain?

    public init(provenance: Provenance, require: String?, results: [EARLCheckResult], modelDomain: ScanDomain? = nil) {
        self.provenance = provenance
        self.require = require
        self.results = results
        self.modelDomain = modelDomain
    }
}
