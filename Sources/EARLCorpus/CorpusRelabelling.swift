import EARLClassifier
import Foundation
import IQCore

/// A corpus's labels checked against further phantom scans of each setting.
///
/// A corpus labels a setting by one scan of its digital IEC phantom. Near a
/// band edge the next phantom scan of the same reconstruction (placed a
/// little differently, with noise of its own) can give another verdict, as
/// a site repeating its accreditation scan may see. `PatientCorpus.relabel`
/// scans every setting's phantom `phantomScans − 1` more times and labels it
/// by majority: the category more than half of all its phantom scans (the
/// corpus's own included) agree on. A setting whose scans hold no majority,
/// or whose majority category is not a label (between, under-recovering,
/// both, mixed), has no majority label and its scans are left out of the
/// majority labels file.
public struct CorpusRelabelling: Codable, Sendable {
    /// One setting's phantom scans.
    public struct Setting: Codable, Sendable, Equatable {
        public var id: Int
        public var summary: String
        /// The corpus's own phantom scan: its category and margin (band widths).
        public var firstScan: SettingLabel.Category
        public var firstMargin: Double
        /// Categories of the further phantom scans, in order, and their margins (band widths).
        public var repeats: [SettingLabel.Category]
        public var repeatMargins: [Double]
        /// The category more than half of the phantom scans gave, if any.
        public var majority: SettingLabel.Category?
        /// The majority category's label; nil when there is no majority or it is not a label.
        public var label: EARLLabel?
        /// `SettingLabel.edgeDistance` of every phantom scan, the corpus's
        /// own first (nil when the corpus file has none).
        public var edgeDistances: [Double]?

        /// The mean edge distance over the phantom scans when it lies on
        /// the side of EARL2's upper edge the majority label says (the
        /// value `earl train --soft-stage1` reads), else nil.
        public var meanEdgeDistance: Double? {
            guard let label, let d = edgeDistances, !d.isEmpty else { return nil }
            let mean = d.reduce(0, +) / Double(d.count)
            return (mean > 0) == (label == .clinical) ? mean : nil
        }

        /// Every phantom scan gave the same category.
        public var reproducible: Bool { repeats.allSatisfy { $0 == firstScan } }
        /// Some phantom scan fell on the other side of the clinical line
        /// (over-recovering or not) from the corpus's own.
        public var changesStage1: Bool { repeats.contains { ($0 == .overRecovering) != (firstScan == .overRecovering) } }
    }

    /// One scan: its label in the corpus and by majority.
    public struct Scan: Codable, Sendable, Equatable {
        public var file: String
        public var group: String
        public var settingID: Int
        public var corpusLabel: EARLLabel
        public var majorityLabel: EARLLabel?
        /// The setting's `meanEdgeDistance`.
        public var edgeDistance: Double?
    }

    public var kind = "earl-corpus-relabelling"
    public var phantomScans: Int
    /// Where the further phantom scans put the phantom.
    public var placement: SettingLabeller.Placement
    /// The corpus's `--minimum-margin`: a phantom scan closer than this to
    /// the edge deciding its label would not have been accepted.
    public var minimumMargin: Double
    public var settings: [Setting]
    public var scans: [Scan]
    /// The stage-1 accuracy whose reach by an ideal classifier `simulate
    /// relabel` reported (`--stage1-target`); nil in files of older iqkits.
    public var stage1Target: Double?
    /// What was read and how; nil in files of older iqkits.
    public var provenance: Provenance?

    /// `labels.csv` rows (file,label,group,edge_distance) for the scans
    /// with a majority label; the edge distance is empty where unknown.
    public var majorityLabelsCSV: String {
        LabelsCSV.render(scans.compactMap { s in s.majorityLabel.map { LabelsCSV.Entry(file: s.file, label: $0, group: s.group, edgeDistance: s.edgeDistance) } })
    }

    /// Counts for the summary line: settings whose scans all agreed, changed
    /// category, or changed across the clinical line; scans whose label
    /// changed, and scans left without a majority label.
    public var summary: (settings: Int, reproducible: Int, changed: Int, stage1: Int, scansRelabelled: Int, scansUnlabelled: Int) {
        let changed = settings.filter { !$0.reproducible }
        let relabelled = scans.filter { $0.majorityLabel != nil && $0.majorityLabel != $0.corpusLabel }.count
        return (
            settings.count, settings.count - changed.count, changed.count, changed.filter(\.changesStage1).count, relabelled,
            scans.filter { $0.majorityLabel == nil }.count
        )
    }

    /// Stage-1 errors to expect from an ideal classifier scored against the
    /// corpus's single-scan labels: a patient scan shows its reconstruction,
    /// not the noise of its setting's phantom scan, so for a setting whose
    /// accepted phantom scan over-recovers with probability p even a
    /// classifier that knows p misses min(p, 1 − p) of its scans on average.
    /// p is estimated from the further scans the corpus would have accepted
    /// (a label, and at least `minimumMargin` from the deciding edge): the
    /// corpus's own scan passed that test, and the test pushes p away from
    /// 1/2. The corpus's own scan is the label being scored, so it is not
    /// used. Settings without an accepted further scan add nothing; nil
    /// without further scans. Summed over scans; divide by `scans.count` for
    /// a rate. Quotas (a label no longer needed is rejected) are not modelled.
    public var stage1LabelNoiseFloor: Double? {
        stage1MissChances.map { $0.reduce(0) { $0 + Double($1.scans) * $1.chance } }
    }

    /// How likely an ideal classifier's stage-1 misses against the corpus's
    /// labels are: element k is the probability of exactly k misses. Its mean
    /// is `stage1LabelNoiseFloor`. The scans of one setting share that
    /// setting's phantom scan, so they are missed together: a setting of n
    /// scans whose accepted phantom scan lands on its minority side of the
    /// clinical line with probability q adds n misses with probability q.
    /// The q are the floor's plug-in estimates, so a setting none of whose
    /// further scans crossed the line counts as never crossing it. Nil
    /// without further scans.
    public var stage1LabelNoiseMisses: [Double]? {
        guard let chances = stage1MissChances else { return nil }
        var distribution = [1.0]
        for (n, q) in chances where q > 0 {
            var next = [Double](repeating: 0, count: distribution.count + n)
            for (k, probability) in distribution.enumerated() {
                next[k] += probability * (1 - q)
                next[k + n] += probability * q
            }
            distribution = next
        }
        return distribution
    }

    /// The probability that an ideal classifier reaches `accuracy` (a
    /// fraction) on stage 1 against the corpus's labels, and the most misses
    /// that accuracy allows among the corpus's scans. Nil without further
    /// scans, or for an accuracy outside (0, 1] (a file's value may be anything).
    public func stage1ReachProbability(accuracy: Double) -> (probability: Double, allowedMisses: Int)? {
        guard accuracy > 0, accuracy <= 1, let distribution = stage1LabelNoiseMisses else { return nil }
        // The tolerance keeps 0.99 × 300 from becoming 2.9999… allowed misses.
        let allowed = Int(((1 - accuracy) * Double(scans.count) + 1e-9).rounded(.down))
        return (min(1, distribution.prefix(max(0, allowed) + 1).reduce(0, +)), allowed)
    }

    /// "at most 1 miss", "at most 3 misses": the misses a stage-1 target
    /// allows (`stage1ReachProbability`), as the CLI and report say it.
    public static func allowedMissesText(_ misses: Int) -> String {
        "at most \(misses) " + (misses == 1 ? "miss" : "misses")
    }

    /// Each setting's scan count and the chance q = min(p, 1 − p) that its
    /// accepted phantom scan falls on its minority side of the clinical line.
    private var stage1MissChances: [(scans: Int, chance: Double)]? {
        guard phantomScans > 1 else { return nil }
        var scanCounts: [Int: Int] = [:]
        for scan in scans { scanCounts[scan.settingID, default: 0] += 1 }
        return settings.compactMap { setting in
            guard let n = scanCounts[setting.id] else { return nil }
            // The test `PatientCorpus.labelSettings` puts a candidate's phantom scan to.
            let accepted = zip(setting.repeats, setting.repeatMargins).filter { $0.0.label != nil && $0.1 >= minimumMargin }
            guard !accepted.isEmpty else { return nil }
            let p = Double(accepted.filter { $0.0 == .overRecovering }.count) / Double(accepted.count)
            return (n, min(p, 1 - p))
        }
    }

    /// The category held by more than half of `categories`, if any.
    public static func majority(of categories: [SettingLabel.Category]) -> SettingLabel.Category? {
        var counts: [SettingLabel.Category: Int] = [:]
        for c in categories { counts[c, default: 0] += 1 }
        return counts.first { 2 * $0.value > categories.count }?.key
    }
}

extension PatientCorpus {
    /// The seed of setting `id`'s further phantom scans when relabelling a
    /// corpus made with `options`: the same command draws the same scans.
    static func relabelSeed(options: Options, settingID id: Int) -> UInt64 {
        var stream = SplitMix64.stream(seed: options.seed ^ 0x2E1A_BE11_0F5C_A115, index: 2 * id + (options.split == .train ? 0 : 1))
        return stream.next()
    }

    /// Scans each setting's phantom `phantomScans − 1` more times
    /// (`SettingLabeller.repeatLabels`, placed as `placement` says) and labels
    /// it by majority over all `phantomScans` scans. Settings run in
    /// parallel; the result does not depend on scheduling.
    public static func relabel(
        _ manifest: Manifest, phantomScans: Int, placement: SettingLabeller.Placement = .random, labeller: SettingLabeller,
        manifestPath: String = "corpus.json", progress: ProgressReporter? = nil
    ) throws -> CorpusRelabelling {
        try checkPhantomScans(phantomScans)
        if let problem = manifest.problem { throw InputError.invalidData(path: manifestPath, problem: problem) }
        let settings = manifest.settingsInUse
        let checked = try parallelMap(settings.count) { i -> CorpusRelabelling.Setting in
            let s = settings[i]
            let verdicts = try labeller.repeatLabels(
                s.setting, scans: phantomScans - 1, seed: relabelSeed(options: manifest.options, settingID: s.id), placement: placement)
            let repeats = verdicts.map(\.category)
            let majority = CorpusRelabelling.majority(of: [s.phantom.category] + repeats)
            progress?.advance(note: "setting \(s.id): " + ([s.phantom.category] + repeats).map(\.rawValue).joined(separator: ", "))
            return CorpusRelabelling.Setting(
                id: s.id, summary: s.setting.summary, firstScan: s.phantom.category, firstMargin: s.phantom.margin, repeats: repeats,
                repeatMargins: verdicts.map(\.margin), majority: majority, label: majority?.label,
                edgeDistances: s.phantom.edgeDistance.flatMap { first in
                    let more = verdicts.compactMap(\.edgeDistance)
                    return more.count == verdicts.count ? [first] + more : nil
                })
        }
        let byID = Dictionary(uniqueKeysWithValues: checked.map { ($0.id, $0) })
        // Every scan names a listed setting (`Manifest.problem`, checked above).
        let scans = manifest.scans.compactMap { scan in
            byID[scan.settingID].map { setting in
                CorpusRelabelling.Scan(
                    file: scan.file, group: scan.group, settingID: scan.settingID, corpusLabel: scan.label, majorityLabel: setting.label,
                    edgeDistance: setting.meanEdgeDistance)
            }
        }
        return CorpusRelabelling(
            phantomScans: phantomScans, placement: placement, minimumMargin: manifest.options.minimumMargin, settings: checked, scans: scans)
    }
}
