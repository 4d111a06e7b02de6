import EARLClassifier
import Foundation
import IQCore
import Simulation

/// A labelled corpus of simulated patient PET scans for training and
/// testing the EARL classifier.
///
/// Every scan is an `AnthropomorphicPhantom` (its own anatomy seed)
/// reconstructed with a `ReconstructionSetting`; the setting's label comes
/// from `SettingLabeller` (its digital IEC phantom against the EARL bands).
/// Settings whose phantom meets both band sets, is too smooth for either
/// (under-recovering), fails in mixed ways, or lies within `minimumMargin`
/// band widths of the edge that decides its label, are not used; their
/// counts are reported in the manifest so nothing is silently dropped.
///
/// The `train` and `test` splits draw from disjoint anatomy seeds and
/// disjoint voxel-size sets, so a test scan's anatomy and scanner grid were
/// never seen in training.
///
/// With `pairedAnatomies` every anatomy is rendered once per label (one
/// clinical, one EARL1 and one EARL2 setting, as the seed study
/// reconstructed each patient's data three ways). A network trained on such
/// a corpus cannot tell the labels apart by anatomy, lesion pattern or body
/// size, only by what the reconstruction did to them; without pairing each
/// anatomy appears once, and a small stage-2 training set is learnt by heart.
public struct PatientCorpus {
    public enum Split: String, Codable, Sendable, CaseIterable {
        case train, test

        /// Voxel sizes (x, y, z in mm) of the split's simulated scanners.
        public var voxelSizes: [SIMD3<Double>] {
            switch self {
            case .train: return [SIMD3(2, 2, 2), SIMD3(2.73, 2.73, 2), SIMD3(3, 3, 3), SIMD3(4, 4, 4), SIMD3(3.27, 3.27, 3.27)]
            case .test: return [SIMD3(2.34, 2.34, 2.34), SIMD3(3.65, 3.65, 2), SIMD3(4.07, 4.07, 4.07), SIMD3(2.8, 2.8, 3.0)]
            }
        }

        /// Smallest and largest voxel edge (mm) of `continuousVoxels` draws.
        public static let continuousVoxelRangeMM: ClosedRange<Double> = 2.0...4.2

        /// Continuous draws closer than this (mm, on every axis) to a test
        /// voxel size are drawn again, so test grids stay unseen.
        public static let testGridExclusionMM = 0.05

        /// First anatomy seed: the splits never share an anatomy.
        public var anatomySeedBase: UInt64 { self == .train ? 1 : 1_000_001 }

        /// The anatomy seeds the split may use (train below the test base).
        public var anatomySeedRange: ClosedRange<UInt64> { self == .train ? 1...1_000_000 : 1_000_001...UInt64(Int64.max) }
    }

    public struct Options: Codable, Sendable, Equatable {
        public var count: Int
        public var seed: UInt64
        public var split: Split
        /// Bed positions of 160 mm (25 % overlap) centred on the chest.
        public var bedPositions: Int
        /// Transverse field of view in mm (matrix = FOV / voxel size).
        public var fieldOfViewMM: Double
        /// Scans drawn per labelled setting (each with its own anatomy and noise).
        public var scansPerSetting: Int
        /// Settings closer than this many band widths to their deciding band edge are not used.
        public var minimumMargin: Double
        /// Partial-volume sub-samples per axis when rendering anatomies.
        public var supersampling: Int
        /// Render each anatomy once per label (see the type's note) instead of once.
        public var pairedAnatomies: Bool
        /// Fraction of clinical proposals that are PSF reconstructions with an
        /// EARL2-like post-filter (see `propose`): the clinical scans hardest
        /// to tell from EARL2. 0 keeps the proposals of earlier versions.
        public var nearEdgeClinical: Double
        /// Near-edge clinical proposals only on grids whose coarser in-plane
        /// axis is at most this many mm (nil: on every grid): a near-edge
        /// filter over-recovers the phantom mostly on fine grids. What such
        /// corpora did to the classifier: experiments FG and FG3 in
        /// docs/benchmarks/earl-model.md.
        public var nearEdgeMaxVoxelMM: Double?
        /// Train split only: the fraction (0–1) of settings whose voxel size
        /// is drawn from `Split.continuousVoxelRangeMM` (`continuousVoxel`:
        /// half isotropic, half with a slice thickness of its own, never
        /// within `Split.testGridExclusionMM` of a test grid); the others take
        /// one of the split's listed grids. `make model` uses 1 with one scan
        /// per setting (120 grids). With trilinear resampling to the network
        /// grid, models trained at 0, 0.5 and 1 each erred on 4.07 mm or on
        /// exact 4 mm grids; band-limited resampling removed that
        /// (docs/benchmarks/earl-model.md). At 0 and 1 no extra random draw
        /// is made, so 0 keeps the proposals of earlier versions.
        public var continuousVoxels: Double
        /// Phantom scans that must agree on a setting's category before it is
        /// used: the first (centred) plus `phantomScans − 1` repeats placed
        /// anew with noise of their own (`SettingLabeller.repeatCategories`).
        /// Settings whose verdict changes between phantom scans are left out
        /// as irreproducible. 1 (the default) keeps the single-scan labels of
        /// earlier versions, bit for bit.
        public var phantomScans: Int
        /// Decouples the noise's texture from the resolution: with S > 1 each
        /// setting's noise texture FWHM is its resolution FWHM times a factor
        /// drawn log-uniformly from 1/S…S (the phantom that labels it is
        /// reconstructed so too). Real reconstructions' noise is finer or
        /// coarser than their resolution (OSEM iterations, PSF modelling),
        /// and a network trained with the two tied reads resolution from the
        /// noise (docs/benchmarks/earl-model.md, "Noise texture"). 1 (the
        /// default) ties them and makes no extra draw, so earlier corpora are
        /// reproduced exactly.
        public var noiseTextureSpread: Double
        /// Anatomy seed of the corpus' first anatomy (nil: the split's
        /// `anatomySeedBase`). The corpus seed draws settings and noise, not
        /// anatomies: corpora of one split with different seeds share their
        /// anatomies unless they start elsewhere, so a fresh test set with
        /// unseen patients needs a first anatomy past the earlier sets'.
        public var firstAnatomy: UInt64?

        /// The anatomy seed of the corpus' first anatomy.
        public var firstAnatomySeed: UInt64 { firstAnatomy ?? split.anatomySeedBase }

        public init(
            count: Int, seed: UInt64 = 1, split: Split = .train, bedPositions: Int = 2, fieldOfViewMM: Double = 500, scansPerSetting: Int = 2,
            minimumMargin: Double = 0.1, supersampling: Int = 2, pairedAnatomies: Bool = false, nearEdgeClinical: Double = 0,
            nearEdgeMaxVoxelMM: Double? = nil, continuousVoxels: Double = 0, phantomScans: Int = 1,
            noiseTextureSpread: Double = 1, firstAnatomy: UInt64? = nil
        ) {
            self.firstAnatomy = firstAnatomy
            self.noiseTextureSpread = noiseTextureSpread
            self.nearEdgeMaxVoxelMM = nearEdgeMaxVoxelMM
            self.continuousVoxels = continuousVoxels
            self.phantomScans = phantomScans
            self.pairedAnatomies = pairedAnatomies
            self.nearEdgeClinical = nearEdgeClinical
            self.count = count
            self.seed = seed
            self.split = split
            self.bedPositions = bedPositions
            self.fieldOfViewMM = fieldOfViewMM
            self.scansPerSetting = scansPerSetting
            self.minimumMargin = minimumMargin
            self.supersampling = supersampling
        }

        public func validate() throws {
            guard (3...100_000).contains(count) else { throw InputError.invalidSetting(name: "--count", problem: "must be 3…100000 (at least one scan per label)") }
            guard (1...10).contains(bedPositions) else { throw InputError.invalidSetting(name: "--bed-positions", problem: "must be 1…10") }
            guard fieldOfViewMM.isFinite, (200...800).contains(fieldOfViewMM) else { throw InputError.invalidSetting(name: "--fov-mm", problem: "must be 200…800 mm") }
            guard (1...20).contains(scansPerSetting) else { throw InputError.invalidSetting(name: "--scans-per-setting", problem: "must be 1…20") }
            guard minimumMargin.isFinite, (0...0.5).contains(minimumMargin) else { throw InputError.invalidSetting(name: "--minimum-margin", problem: "must be 0…0.5") }
            guard (1...6).contains(supersampling) else { throw InputError.invalidSetting(name: "--supersampling", problem: "must be 1…6") }
            guard nearEdgeClinical.isFinite, (0...1).contains(nearEdgeClinical) else {
                throw InputError.invalidSetting(name: "--near-edge-clinical", problem: "must be 0…1")
            }
            if let limit = nearEdgeMaxVoxelMM {
                guard limit.isFinite, limit > 0 else { throw InputError.invalidSetting(name: "--near-edge-max-voxel-mm", problem: "must be a positive size in mm") }
                guard nearEdgeClinical > 0 else {
                    throw InputError.invalidSetting(name: "--near-edge-max-voxel-mm", problem: "needs --near-edge-clinical above 0")
                }
            }
            guard continuousVoxels.isFinite, (0...1).contains(continuousVoxels) else {
                throw InputError.invalidSetting(name: "--continuous-voxels", problem: "must be a fraction 0…1")
            }
            try PatientCorpus.checkPhantomScans(phantomScans)
            guard noiseTextureSpread.isFinite, (1...3).contains(noiseTextureSpread) else {
                throw InputError.invalidSetting(name: "--noise-texture-spread", problem: "must be 1…3 (1: texture follows resolution)")
            }
            guard continuousVoxels == 0 || split == .train else {
                throw InputError.invalidSetting(name: "--continuous-voxels", problem: "only for the train split (the test split keeps its listed grids)")
            }
            if let firstAnatomy {
                // At most `count` anatomies are used, paired or not.
                let range = split.anatomySeedRange
                let (last, overflow) = firstAnatomy.addingReportingOverflow(UInt64(count - 1))
                guard range.contains(firstAnatomy), !overflow, range.contains(last) else {
                    throw InputError.invalidSetting(
                        name: "--first-anatomy", problem: "the \(split.rawValue) split's anatomies are \(range.lowerBound)…\(range.upperBound); \(count) from \(firstAnatomy) do not fit")
                }
            }
        }

        private enum CodingKeys: String, CodingKey {
            case count, seed, split, bedPositions, fieldOfViewMM, scansPerSetting, minimumMargin, supersampling, pairedAnatomies, nearEdgeClinical
            case nearEdgeMaxVoxelMM, continuousVoxels, phantomScans, noiseTextureSpread, firstAnatomy
        }

        /// Manifests written before `continuousVoxels` existed decode with it off.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            count = try c.decode(Int.self, forKey: .count)
            seed = try c.decode(UInt64.self, forKey: .seed)
            split = try c.decode(Split.self, forKey: .split)
            bedPositions = try c.decode(Int.self, forKey: .bedPositions)
            fieldOfViewMM = try c.decode(Double.self, forKey: .fieldOfViewMM)
            scansPerSetting = try c.decode(Int.self, forKey: .scansPerSetting)
            minimumMargin = try c.decode(Double.self, forKey: .minimumMargin)
            supersampling = try c.decode(Int.self, forKey: .supersampling)
            pairedAnatomies = try c.decodeIfPresent(Bool.self, forKey: .pairedAnatomies) ?? false
            nearEdgeClinical = try c.decodeIfPresent(Double.self, forKey: .nearEdgeClinical) ?? 0
            nearEdgeMaxVoxelMM = try c.decodeIfPresent(Double.self, forKey: .nearEdgeMaxVoxelMM)
            continuousVoxels = try c.decodeIfPresent(Double.self, forKey: .continuousVoxels) ?? 0
            phantomScans = try c.decodeIfPresent(Int.self, forKey: .phantomScans) ?? 1
            noiseTextureSpread = try c.decodeIfPresent(Double.self, forKey: .noiseTextureSpread) ?? 1
            firstAnatomy = try c.decodeIfPresent(UInt64.self, forKey: .firstAnatomy)
        }
    }

    /// A setting's voxel size: continuous (`continuousVoxel`) with
    /// probability `continuousFraction`, else one of the `listed` grids.
    /// Fractions 0 and 1 make no extra draw.
    public static func voxel(continuousFraction f: Double, listed: [SIMD3<Double>], random r: inout SplitMix64) -> SIMD3<Double> {
        let continuous = f >= 1 || (f > 0 && r.nextUniform() < f)
        return continuous ? continuousVoxel(random: &r) : listed[Int(r.next() % UInt64(listed.count))]
    }

    /// A voxel size drawn from `Split.continuousVoxelRangeMM`: in-plane size
    /// uniform over the range; half the draws isotropic, half with a slice
    /// thickness of its own from the same range; redrawn while it lies within
    /// `Split.testGridExclusionMM` of a test grid on every axis.
    public static func continuousVoxel(random r: inout SplitMix64) -> SIMD3<Double> {
        let range = Split.continuousVoxelRangeMM
        func u() -> Double { range.lowerBound + (range.upperBound - range.lowerBound) * r.nextUniform() }
        while true {
            let inPlane = u()
            let isotropic = r.nextUniform() < 0.5
            let voxel = SIMD3(inPlane, inPlane, isotropic ? inPlane : u())
            let nearTest = Split.test.voxelSizes.contains { t in
                (0..<3).allSatisfy { abs(voxel[$0] - t[$0]) < Split.testGridExclusionMM }
            }
            if !nearTest { return voxel }
        }
    }

    /// A setting with the label the bands gave it.
    public struct LabelledSetting: Codable, Sendable {
        public var id: Int
        public var setting: ReconstructionSetting
        public var phantom: SettingLabel
        public init(id: Int, setting: ReconstructionSetting, phantom: SettingLabel) {
            self.id = id
            self.setting = setting
            self.phantom = phantom
        }
    }

    /// One scan of the corpus.
    public struct Scan: Codable, Sendable {
        public var file: String
        public var label: EARLLabel
        /// Cross-validation group: the anatomy.
        public var group: String
        public var anatomySeed: UInt64
        public var noiseSeed: UInt64
        public var settingID: Int

        public init(file: String, label: EARLLabel, group: String, anatomySeed: UInt64, noiseSeed: UInt64, settingID: Int) {
            self.file = file
            self.label = label
            self.group = group
            self.anatomySeed = anatomySeed
            self.noiseSeed = noiseSeed
            self.settingID = settingID
        }
    }

    /// The corpus manifest (`corpus.json`).
    public struct Manifest: Codable, Sendable {
        public var kind = "earl-corpus"
        public var options: Options
        public var settings: [LabelledSetting]
        public var scans: [Scan]
        /// Candidate settings not used, by reason (category, "borderline", "quota full").
        public var rejectedSettings: [String: Int]
        public var labelCounts: [String: Int]

        /// The settings some scan uses, in manifest order.
        public var settingsInUse: [LabelledSetting] {
            let used = Set(scans.map(\.settingID))
            return settings.filter { used.contains($0.id) }
        }

        /// What is wrong with a manifest read from a file (one that was edited,
        /// truncated or written by something else), or nil: what relabelling
        /// relies on, namely valid options, settings listed once each with
        /// usable reconstructions and voxel sizes, and scans that name them.
        public var problem: String? {
            guard kind == "earl-corpus" else { return "kind is \(kind), not earl-corpus" }
            do { try options.validate() } catch { return "options: \(error)" }
            var ids = Set<Int>()
            for s in settings {
                guard ids.insert(s.id).inserted else { return "setting \(s.id) is listed twice" }
                if let problem = s.setting.problem { return "setting \(s.id): \(problem)" }
            }
            if let scan = scans.first(where: { !ids.contains($0.settingID) }) {
                return "scan \(scan.file) names setting \(scan.settingID), which is not listed"
            }
            return nil
        }

        /// Reads a corpus's `corpus.json` and checks it (`problem`). - Throws: `InputError` naming the file.
        public static func read(from path: String) throws -> Manifest {
            let manifest = try ResultJSON.read(Manifest.self, from: path, kind: "a pet-patients corpus manifest")
            if let problem = manifest.problem { throw InputError.invalidData(path: path, problem: problem) }
            return manifest
        }
    }

    /// Phantom scans per setting that `--phantom-scans` (corpora and relabelling) allows.
    public static let phantomScansRange = 1...16

    /// Throws the `--phantom-scans` error when `count` is outside `phantomScansRange`.
    static func checkPhantomScans(_ count: Int) throws {
        guard phantomScansRange.contains(count) else {
            throw InputError.invalidSetting(name: "--phantom-scans", problem: "must be \(phantomScansRange.lowerBound)…\(phantomScansRange.upperBound)")
        }
    }

    public let options: Options
    public let labeller: SettingLabeller

    public init(options: Options, labeller: SettingLabeller) throws {
        try options.validate()
        self.options = options
        self.labeller = labeller
    }

    /// Scans wanted per label: as equal as the count allows.
    public var quotas: [EARLLabel: Int] {
        let labels = EARLLabel.allCases
        var q: [EARLLabel: Int] = [:]
        for (i, l) in labels.enumerated() { q[l] = options.count / labels.count + (i < options.count % labels.count ? 1 : 0) }
        return q
    }

    /// Proposal distribution of candidate settings: three families of
    /// protocols as found in practice (clinical: PSF reconstructions with
    /// little or no post-filter, or non-PSF ones with a light filter; EARL2-
    /// and EARL1-style: moderate and strong post-filters). The bands, not the
    /// family, decide each setting's label; settings between the families
    /// are not proposed, so the classifier is not trained or tested on them.
    ///
    /// With `nearEdgeClinical` > 0 that fraction of clinical proposals are
    /// PSF reconstructions with an EARL2-like filter (FWHM 4.5–5.6 mm,
    /// overshoot 0.2–0.45); those the phantom scores above the EARL2 band are
    /// clinical scans that look almost like EARL2 ones. At 0 no extra random
    /// draw is made, so earlier corpora are reproduced exactly. With
    /// `nearEdgeMaxVoxelMM` they are made only on grids no coarser in plane
    /// than that (the fraction's draw is still made on coarser grids, so
    /// without a limit the proposals are those of `nearEdgeClinical` alone).
    public static func propose(
        _ family: EARLLabel, voxel: SIMD3<Double>, nearEdgeClinical: Double = 0, nearEdgeMaxVoxelMM: Double? = nil, random r: inout SplitMix64
    ) -> ReconstructionSetting {
        func u(_ a: Double, _ b: Double) -> Double { a + (b - a) * r.nextUniform() }
        let noise = u(0.05, 0.18)
        switch family {
        case .clinical:
            if nearEdgeClinical > 0, r.nextUniform() < nearEdgeClinical, max(voxel.x, voxel.y) <= nearEdgeMaxVoxelMM ?? .infinity {
                return ReconstructionSetting(fwhmMM: u(4.5, 5.6), psfOvershoot: u(0.2, 0.45), noiseCOV: noise, voxelMM: voxel)
            }
            let psf = r.nextUniform() < 0.7
            return ReconstructionSetting(fwhmMM: psf ? u(2.5, 4.5) : u(2.5, 4.0), psfOvershoot: psf ? u(0.2, 0.6) : 0, noiseCOV: noise, voxelMM: voxel)
        case .earl2:
            let psf = r.nextUniform() < 0.6
            return ReconstructionSetting(fwhmMM: u(5.0, 6.5), psfOvershoot: psf ? u(0.05, 0.3) : 0, noiseCOV: noise, voxelMM: voxel)
        case .earl1:
            return ReconstructionSetting(fwhmMM: u(7.0, 9.0), psfOvershoot: r.nextUniform() < 0.3 ? u(0, 0.1) : 0, noiseCOV: noise, voxelMM: voxel)
        }
    }

    /// A setting's noise texture FWHM under `Options.noiseTextureSpread`:
    /// `fwhmMM` times a factor log-uniform in 1/spread…spread, or nil at
    /// spread 1. Drawn from the setting's label seed, so the main stream, and
    /// with it every proposal, stays that of a corpus with texture tied.
    public static func noiseTexture(fwhmMM: Double, spread: Double, labelSeed: UInt64) -> Double? {
        guard spread > 1 else { return nil }
        var random = SplitMix64(seed: labelSeed ^ 0x7E47_03E5_F1C7_0A2B)
        return fwhmMM * exp(log(spread) * (2 * random.nextUniform() - 1))
    }

    /// Settings needed to fill every label's quota.
    public var settingsNeeded: Int { quotas.values.reduce(0) { $0 + ($1 + options.scansPerSetting - 1) / options.scansPerSetting } }

    /// Draws and labels settings until every label has the settings its quota needs.
    public func labelSettings(progress: ProgressReporter? = nil) throws -> (settings: [LabelledSetting], rejected: [String: Int]) {
        var random = SplitMix64.stream(seed: options.seed, index: options.split == .train ? 0 : 1)
        let perSetting = options.scansPerSetting
        var needed: [EARLLabel: Int] = quotas.mapValues { ($0 + perSetting - 1) / perSetting }
        var settings: [LabelledSetting] = []
        var rejected: [String: Int] = [:]
        var attempts = 0
        let families = EARLLabel.allCases
        let voxels = options.split.voxelSizes
        while needed.values.contains(where: { $0 > 0 }) {
            attempts += 1
            guard attempts <= 40 * max(1, options.count) else {
                throw InputError.invalidSetting(name: "corpus", problem: "could not find settings for every label after \(attempts - 1) candidates; lower --minimum-margin")
            }
            // Propose from the families still short of settings, in turn.
            let open = families.filter { (needed[$0] ?? 0) > 0 }
            let family = open[attempts % open.count]
            let voxel = Self.voxel(continuousFraction: options.continuousVoxels, listed: voxels, random: &random)
            var setting = Self.propose(
                family, voxel: voxel, nearEdgeClinical: options.nearEdgeClinical, nearEdgeMaxVoxelMM: options.nearEdgeMaxVoxelMM, random: &random)
            let labelSeed = random.next()
            setting.noiseTextureFWHMMM = Self.noiseTexture(fwhmMM: setting.fwhmMM, spread: options.noiseTextureSpread, labelSeed: labelSeed)
            let phantom = try labeller.label(setting, seed: labelSeed)
            let note = "\(setting.summary): \(phantom.category.rawValue)"
            guard let label = phantom.label else {
                progress?.advance(by: 0, note: note)
                rejected[phantom.category.rawValue, default: 0] += 1
                continue
            }
            guard phantom.margin >= options.minimumMargin else {
                progress?.advance(by: 0, note: note)
                rejected["borderline (\(label.rawValue))", default: 0] += 1
                continue
            }
            guard (needed[label] ?? 0) > 0 else {
                progress?.advance(by: 0, note: note)
                rejected["quota full (\(label.rawValue))", default: 0] += 1
                continue
            }
            if options.phantomScans > 1 {
                // Repeats drawn from the label's seed: the main stream, and so
                // every later setting, stays what it is with one phantom scan.
                let repeats = try labeller.repeatCategories(
                    setting, scans: options.phantomScans - 1, seed: labelSeed ^ 0x5DEE_CE66_D1CE_4E5B, stoppingAtFirstDifferenceFrom: phantom.category)
                if let other = repeats.first(where: { $0 != phantom.category }) {
                    progress?.advance(by: 0, note: note + ", \(other.rawValue) in a repeat phantom scan")
                    rejected["irreproducible (\(label.rawValue))", default: 0] += 1
                    continue
                }
            }
            needed[label, default: 0] -= 1
            progress?.advance(note: note)
            settings.append(LabelledSetting(id: settings.count, setting: setting, phantom: phantom))
        }
        return (settings, rejected)
    }

    /// Which setting and anatomy each scan gets (no rendering).
    ///
    /// Unpaired: scan i gets anatomy `firstAnatomySeed + i`. Paired: the scans of each
    /// label are shuffled (seeded, so that one anatomy's three settings are
    /// not the same triple as its neighbour's) and the k-th scan of every
    /// label gets anatomy `firstAnatomySeed + k`.
    public func plan(_ settings: [LabelledSetting]) -> [Scan] {
        var remaining = quotas
        var scans: [Scan] = []
        var random = SplitMix64.stream(seed: options.seed, index: options.split == .train ? 2 : 3)
        for s in settings {
            guard let label = s.phantom.label else { continue }
            for _ in 0..<options.scansPerSetting where (remaining[label] ?? 0) > 0 {
                remaining[label, default: 0] -= 1
                let anatomy = options.firstAnatomySeed + UInt64(scans.count)
                scans.append(
                    Scan(
                        file: String(format: "scan-%04d.nii.gz", scans.count), label: label, group: "anatomy-\(anatomy)", anatomySeed: anatomy,
                        noiseSeed: random.next(), settingID: s.id))
            }
        }
        guard options.pairedAnatomies else { return scans }
        var pairing = SplitMix64.stream(seed: options.seed, index: options.split == .train ? 4 : 5)
        var paired: [Scan] = []
        for label in EARLLabel.allCases {
            var ofLabel = scans.filter { $0.label == label }
            pairing.shuffle(&ofLabel)
            for (k, var scan) in ofLabel.enumerated() {
                scan.anatomySeed = options.firstAnatomySeed + UInt64(k)
                scan.group = "anatomy-\(scan.anatomySeed)"
                paired.append(scan)
            }
        }
        // Anatomy by anatomy, labels in a fixed order within each.
        let order = Dictionary(uniqueKeysWithValues: EARLLabel.allCases.enumerated().map { ($1, $0) })
        paired.sort { ($0.anatomySeed, order[$0.label] ?? 0) < ($1.anatomySeed, order[$1.label] ?? 0) }
        for i in paired.indices { paired[i].file = String(format: "scan-%04d.nii.gz", i) }
        return paired
    }

    /// The scan image: the anatomy rendered at the setting's voxel size and reconstructed with it (Bq/mL).
    public func render(_ scan: Scan, setting: ReconstructionSetting) -> Volume {
        var anatomyRandom = SplitMix64(seed: scan.anatomySeed ^ 0x5EED_A4A7)
        let arms = anatomyRandom.nextUniform() < 0.5
        let phantom = AnthropomorphicPhantom.random(seed: scan.anatomySeed, options: .init(arms: arms))
        let voxel = setting.voxel
        let matrix = Int((options.fieldOfViewMM / voxel.x).rounded())
        let activity = phantom.render(
            spacingMM: voxel, matrix: matrix, zRangeMM: phantom.bedPositionsZRangeMM(count: options.bedPositions), supersampling: options.supersampling)
        let reference = phantom.region(named: "torso")?.activityBqML ?? 5000
        var image = setting.model(seed: scan.noiseSeed).apply(to: activity, referenceBqML: reference)
        image.descrip = String("iqkit simulated patient, \(setting.summary)".prefix(79))
        return image
    }

    /// Labels settings, renders every scan into `folder` (with `extension`
    /// ".nii" or ".nii.gz"), and writes `labels.csv` (the format of `iqkit
    /// earl train`) and `corpus.json`. The folder is checked before the
    /// labelling and made after it; the files appear only once all of them
    /// were written (`StagedFolder`).
    public func write(to folder: String, fileExtension: String = ".nii.gz", progress: Bool? = nil) throws -> Manifest {
        try FileChecks.requireOutputFolder(folder)
        let labelling = ProgressReporter("labelling settings (IEC phantom vs EARL bands)", total: settingsNeeded, enabled: progress)
        let (settings, rejected) = try labelSettings(progress: labelling)
        labelling.finish()
        var scans = plan(settings)
        for i in scans.indices { scans[i].file = String(format: "scan-%04d", i) + fileExtension }
        var counts: [String: Int] = [:]
        for s in scans { counts[s.label.rawValue, default: 0] += 1 }
        let manifest = Manifest(options: options, settings: settings, scans: scans, rejectedSettings: rejected, labelCounts: counts)
        // All or nothing: a run that fails part-way leaves no scans behind.
        try StagedFolder.write(to: folder) { staged in
            let rendering = ProgressReporter("rendering \(options.split.rawValue) scans", total: scans.count, enabled: progress)
            defer { rendering.finish() }
            for scan in scans {
                let image = render(scan, setting: settings[scan.settingID].setting)
                try NIfTIWriter.write(image, to: staged.stagedPath(scan.file))
                rendering.advance(note: scan.file)
            }
            try AtomicOutput.write(Self.labelsCSV(scans, settings: settings), to: staged.stagedPath("labels.csv"))
            try AtomicOutput.write(Self.auxiliaryCSV(scans, settings: settings).render(order: scans.map(\.file)), to: staged.stagedPath("auxiliary.csv"))
            try ResultJSON.write(manifest, to: staged.stagedPath("corpus.json"))
        }
        return manifest
    }

    /// `labels.csv`: file,label,group and each scan's setting's
    /// `edgeDistance` (for `earl train --soft-stage1`).
    static func labelsCSV(_ scans: [Scan], settings: [LabelledSetting]) -> String {
        LabelsCSV.render(scans.map { LabelsCSV.Entry(file: $0.file, label: $0.label, group: $0.group, edgeDistance: settings[$0.settingID].phantom.edgeDistance) })
    }

    /// `auxiliary.csv` (for `earl train --auxiliary`): each scan's
    /// reconstruction setting (resolution, PSF overshoot, noise) and its
    /// phantom's edge distance, the properties stage 1 can learn to
    /// estimate. Scans of settings without an edge distance are left out.
    static func auxiliaryCSV(_ scans: [Scan], settings: [LabelledSetting]) -> AuxiliaryCSV {
        var values: [String: [Double]] = [:]
        for scan in scans {
            let s = settings[scan.settingID]
            guard let d = s.phantom.edgeDistance else { continue }
            values[scan.file] = [s.setting.fwhmMM, s.setting.psfOvershoot, s.setting.noiseCOV, d]
        }
        return AuxiliaryCSV(names: ["fwhm_mm", "psf_overshoot", "noise_cov", "edge_distance"], values: values)
    }
}
