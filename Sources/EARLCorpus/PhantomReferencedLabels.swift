import EARLClassifier
import Foundation
import IQCore
import PETQuality

/// Labels for a site's own patient scans, taken from the IEC phantom scan of
/// each scan's reconstruction protocol: the rule that labels the synthetic
/// corpora (`SettingLabeller.categorise`: the phantom's RCmax and RCmean
/// against EARL1 and EARL2), applied to `nema analyze` results of real
/// phantom scans. So a user's training labels, like iqkit's own, are what
/// the standard says of the protocol, not what the protocol was meant to be.
public enum PhantomReferencedLabels {
    /// One record of a pairs file: a patient scan and the `nema analyze`
    /// result of the phantom scan reconstructed the same way.
    public struct Pair: Equatable, Sendable {
        /// As written in the file; copied to the labels file unchanged.
        public var scan: String
        /// As written in the file (relative paths are read from the pairs file's folder).
        public var phantomResult: String
        /// Keeps one patient's scans in one cross-validation fold (default: the scan).
        public var group: String

        public init(scan: String, phantomResult: String, group: String) {
            self.scan = scan
            self.phantomResult = phantomResult
            self.group = group
        }
    }

    /// What one phantom result says, and whether its scans are used.
    public struct PhantomVerdict: Codable, Sendable, Equatable {
        /// The result file, as named in the pairs file.
        public var result: String
        /// The phantom image that result analysed.
        public var image: String
        public var category: SettingLabel.Category
        /// Distance from the deciding band edge, in band widths (≥ 0).
        public var margin: Double
        /// Signed distance from EARL2's upper band edge (> 0: over-recovering).
        public var edgeDistance: Double
        /// The label its scans get; nil when they are left out.
        public var label: EARLLabel?
        /// Why its scans are left out.
        public var leftOut: String?
        /// Whether the sphere and background activities were estimated from
        /// the image (no `--sphere-activity`): the RCs then rest on the assumed ratio.
        public var activitiesEstimated: Bool
        /// Scans paired with it.
        public var scans: Int
    }

    public struct Outcome: Codable, Sendable {
        public var kind = "earl-labels"
        public var minimumMargin: Double
        /// The band sets, "name (version)".
        public var standards: [String]
        public var phantoms: [PhantomVerdict]
        /// The labelled scans, in the pairs file's order.
        public var entries: [LabelsCSV.Entry]
        /// Scans left out, with their phantom's reason.
        public var leftOut: [String: String]
        /// The files the labels came from (pairs file, phantom results,
        /// band files) with their SHA-256: the audit trail.
        public var provenance: Provenance
    }

    /// Reads a pairs file (see `parsePairs(_:path:)`).
    public static func parsePairs(path: String) throws -> [Pair] {
        try parsePairs(try DataFile.readText(path), path: path)
    }

    /// Parses a pairs file: `scan,phantom_result[,group]` per line (a header
    /// line starting `scan` is allowed; `#` starts a comment; fields may be
    /// quoted as in `LabelsCSV.records`).
    /// - Throws: `InputError.invalidData` naming the file and line.
    public static func parsePairs(_ text: String, path: String) throws -> [Pair] {
        var pairs: [Pair] = []
        var seen = Set<String>()
        for (n, fields) in try LabelsCSV.records(text, header: "scan", path: path) {
            let at = "\(path):\(n)"
            guard (2...3).contains(fields.count) else {
                throw InputError.invalidData(path: at, problem: "expected scan,phantom_result[,group], got \(fields.count) fields")
            }
            guard !fields[0].isEmpty, !fields[1].isEmpty else { throw InputError.invalidData(path: at, problem: "empty scan or phantom result") }
            guard seen.insert(fields[0]).inserted else { throw InputError.invalidData(path: at, problem: "\(fields[0]) is listed twice") }
            pairs.append(Pair(scan: fields[0], phantomResult: fields[1], group: fields.count == 3 && !fields[2].isEmpty ? fields[2] : fields[0]))
        }
        if pairs.isEmpty { throw InputError.invalidData(path: path, problem: "no scan,phantom_result pairs") }
        return pairs
    }

    /// Labels every pair by its phantom result.
    ///
    /// A phantom's scans are left out when its category has no label (meets
    /// both band sets, or neither without over-recovering), when it lies
    /// within `minimumMargin` band widths of the edge deciding its category
    /// (one phantom scan's noise can cross such an edge), or when its
    /// calibration check failed (its RCs are then biased by the calibration).
    /// - Parameter results: each pair's `phantomResult` → its decoded result.
    /// - Throws: `InputError.invalidData` for a result without one of the
    ///   band sets' spheres.
    public static func label(
        _ pairs: [Pair], results: [String: NEMAResult], earl1: EARLStandard, earl2: EARLStandard, minimumMargin: Double, provenance: Provenance
    ) throws -> Outcome {
        var verdicts: [String: PhantomVerdict] = [:]
        var order: [String] = []
        for pair in pairs where verdicts[pair.phantomResult] == nil {
            guard let result = results[pair.phantomResult] else {
                throw InputError.invalidData(path: pair.phantomResult, problem: "no result given for it")
            }
            let diameters = result.spheres.map(\.diameterMM)
            for standard in [earl1, earl2] {
                for sphere in standard.spheres where !diameters.contains(where: { abs($0 - sphere.diameterMM) < 0.5 }) {
                    throw InputError.invalidData(path: pair.phantomResult, problem: "has no \(sphere.diameterMM) mm sphere, which \(standard.name) bands")
                }
            }
            let label = SettingLabeller.categorise(
                rcMax: result.spheres.map(\.rcMax), rcMean: result.spheres.map(\.rcMean), diameters: diameters, earl1: earl1, earl2: earl2)
            var leftOut: String?
            if label.label == nil {
                leftOut = reason(label.category, earl1: earl1.name, earl2: earl2.name)
            } else if label.margin < minimumMargin {
                leftOut = String(format: "%.2f band widths from the deciding edge (under --minimum-margin %.2f)", label.margin, minimumMargin)
            } else if let calibration = result.calibration, !calibration.pass {
                leftOut = String(format: "calibration check failed (bias %+.1f %%)", calibration.biasPercent)
            }
            verdicts[pair.phantomResult] = PhantomVerdict(
                result: pair.phantomResult, image: result.input, category: label.category, margin: label.margin, edgeDistance: label.edgeDistance ?? 0,
                label: leftOut == nil ? label.label : nil, leftOut: leftOut, activitiesEstimated: result.activities.estimatedFromImage, scans: 0)
            order.append(pair.phantomResult)
        }
        var entries: [LabelsCSV.Entry] = []
        var leftOut: [String: String] = [:]
        for pair in pairs {
            verdicts[pair.phantomResult]!.scans += 1
            let verdict = verdicts[pair.phantomResult]!
            if let label = verdict.label {
                entries.append(LabelsCSV.Entry(file: pair.scan, label: label, group: pair.group, edgeDistance: verdict.edgeDistance))
            } else {
                leftOut[pair.scan] = verdict.leftOut
            }
        }
        return Outcome(
            minimumMargin: minimumMargin, standards: [earl1, earl2].map { "\($0.name) (\($0.version))" }, phantoms: order.map { verdicts[$0]! },
            entries: entries, leftOut: leftOut, provenance: provenance)
    }

    /// Scans whose voxel size differs from their phantom's by more than
    /// `toleranceMM` on some axis, with a line saying so. A phantom's
    /// recovery, and so the label, depends on the grid it was reconstructed
    /// on: the label is the patient scan's only if both share it.
    public static func voxelMismatches(
        _ pairs: [Pair], scanSpacingMM: [String: SIMD3<Double>], results: [String: NEMAResult], toleranceMM: Double = 0.05
    ) -> [String: String] {
        var found: [String: String] = [:]
        func text(_ v: [Double]) -> String { v.map { String(format: "%.2f", $0) }.joined(separator: "×") }
        for pair in pairs {
            guard let scan = scanSpacingMM[pair.scan], let phantom = results[pair.phantomResult]?.spacingMM, phantom.count == 3 else { continue }
            let s = [scan.x, scan.y, scan.z]
            if zip(s, phantom).contains(where: { abs($0 - $1) > toleranceMM }) {
                found[pair.scan] = "voxels \(text(s)) mm, its phantom's (\(pair.phantomResult)) \(text(phantom)) mm: the label is the phantom grid's"
            }
        }
        return found
    }

    static func reason(_ category: SettingLabel.Category, earl1: String, earl2: String) -> String {
        switch category {
        case .both: return "meets both \(earl1) and \(earl2)"
        case .underRecovering: return "recovers less than \(earl1) requires: too smooth for either"
        case .between: return "between \(earl1) and \(earl2): harmonized to neither"
        case .mixed: return "above \(earl2) for one sphere and below \(earl1) for another"
        case .earl1, .earl2, .overRecovering: return "labelled"
        }
    }
}
