import EARLClassifier
import EARLCorpus
import Foundation
import IQCore
import PETQuality
import SparseCNN
import Testing

/// The labels of the training corpus come from the EARL bands, not from intent.
@Suite struct SettingCategoryTests {
    static let earl1 = try! PhantomData.standard("earl1")
    static let earl2 = try! PhantomData.standard("earl2")
    static let diameters = [37.0, 28, 22, 17, 13, 10]

    /// RCs at fraction f of each band (0 = lower edge, 1 = upper edge).
    static func at(_ standard: EARLStandard, _ f: Double) -> (rcMax: [Double], rcMean: [Double]) {
        let bands = diameters.map { d in standard.spheres.first { abs($0.diameterMM - d) < 0.5 }! }
        return (bands.map { $0.rcMax[0] + f * ($0.rcMax[1] - $0.rcMax[0]) }, bands.map { $0.rcMean[0] + f * ($0.rcMean[1] - $0.rcMean[0]) })
    }

    static func categorise(_ rc: (rcMax: [Double], rcMean: [Double]), e1: EARLStandard = earl1, e2: EARLStandard = earl2) -> SettingLabel {
        SettingLabeller.categorise(rcMax: rc.rcMax, rcMean: rc.rcMean, diameters: diameters, earl1: e1, earl2: e2)
    }

    @Test func bandCentresAndOutside() {
        // EARL1's band centres lie outside EARL2 for at least one sphere (EARL2's 37 mm RCmax band starts at 1.05 > 1.055? no: check the label).
        let c1 = Self.categorise(Self.at(Self.earl1, 0.5))
        #expect(c1.verdicts["EARL1"] == true)
        #expect(c1.category == (c1.verdicts["EARL2"] == true ? .both : .earl1))
        let c2 = Self.categorise(Self.at(Self.earl2, 0.5))
        #expect(c2.verdicts["EARL2"] == true)
        #expect(c2.category == (c2.verdicts["EARL1"] == true ? .both : .earl2))
        // Every RC a quarter band width above EARL2: sharper than harmonized.
        let sharp = Self.categorise(Self.at(Self.earl2, 1.25))
        #expect(sharp.category == .overRecovering)
        #expect(sharp.label == .clinical)
        #expect(abs(sharp.margin - 0.25) < 1e-9)
        // A quarter band width below EARL1: too smooth for either, not used.
        let smooth = Self.categorise(Self.at(Self.earl1, -0.25))
        #expect(smooth.category == .underRecovering)
        #expect(smooth.label == nil)
    }

    @Test func marginIsDistanceToTheDecidingEdge() {
        // EARL2 band centres: half a band width inside EARL2; the distance outside EARL1 may be smaller.
        let c = Self.categorise(Self.at(Self.earl2, 0.5))
        if c.category == .earl2 { #expect(c.margin <= 0.5 + 1e-9 && c.margin > 0) }
        // Just inside EARL2's lower edge for every sphere: borderline margin 0.02 at most.
        let edge = Self.categorise(Self.at(Self.earl2, 0.02))
        #expect(edge.margin <= 0.02 + 1e-9)
    }

    /// The edge distance is each RC's signed distance from EARL2's upper
    /// limit in band widths, the largest over spheres and metrics: f − 1 for
    /// RCs at fraction f of every EARL2 band, the one raised sphere when
    /// only one sticks out, and the margin of an over-recovering phantom.
    @Test func edgeDistanceIsTheLargestExcessOverEARL2() throws {
        for f in [0.1, 0.5, 0.9, 1.25] {
            let c = Self.categorise(Self.at(Self.earl2, f))
            #expect(abs(try #require(c.edgeDistance) - (f - 1)) < 1e-9, "f = \(f)")
        }
        var rc = Self.at(Self.earl2, 0.5)
        let band = try #require(Self.earl2.bands(diameterMM: 10)).rcMax
        rc.rcMax[5] = band[1] + 0.3 * (band[1] - band[0])
        let raised = Self.categorise(rc)
        #expect(abs(try #require(raised.edgeDistance) - 0.3) < 1e-9)
        #expect(raised.category == .overRecovering)
        #expect(abs(raised.margin - 0.3) < 1e-9)
        let earl1 = Self.categorise(Self.at(Self.earl1, 0.5))
        #expect(try #require(earl1.edgeDistance) < 0)
    }

    @Test func overlappingBandsMeetBoth() {
        // A band set identical to EARL1 under another name: every EARL1 phantom meets both.
        var twin = Self.earl1
        twin.name = "EARL2"
        let c = Self.categorise(Self.at(Self.earl1, 0.5), e2: twin)
        #expect(c.category == .both)
        #expect(c.label == nil)
    }

    @Test func aboveEARL2ForSomeAndBelowEARL1ForOthersIsMixed() {
        var rc = Self.at(Self.earl2, 1.5)
        let low = Self.at(Self.earl1, -0.5)
        rc.rcMax[5] = low.rcMax[5]
        rc.rcMean[5] = low.rcMean[5]
        #expect(Self.categorise(rc).category == .mixed)
    }

    /// A majority is more than half of the phantom scans: ties and pluralities are none.
    @Test func majorityOfPhantomScans() {
        typealias C = SettingLabel.Category
        let cases: [([C], C?)] = [
            ([.earl2], .earl2), ([.earl2, .overRecovering], nil), ([.earl2, .overRecovering, .earl2], .earl2),
            ([.earl1, .between, .underRecovering], nil), ([.between, .earl1, .between, .between, .earl1], .between), ([], nil),
        ]
        for (categories, expected) in cases { #expect(CorpusRelabelling.majority(of: categories) == expected, "\(categories)") }
    }

    /// The label-noise floor by hand. Setting 0's further scans: over-recovering
    /// at margin 0.3, EARL2 at 0.2, between, and EARL2 at 0.05 (under the
    /// corpus's minimum margin 0.1, so not a scan the corpus would have
    /// accepted): p = 1/2 among accepted scans, 0.5 expected misses on each of
    /// its two scans (1/4 over all four repeats would give 0.25 each).
    /// Setting 1 over-recovers in every accepted scan: none. Without further
    /// scans there is no estimate.
    @Test func stage1LabelNoiseFloor() throws {
        func relabelling(scans: Int, repeats0: [String], repeats1: [String], margins0: [Double] = [], margins1: [Double] = []) throws -> CorpusRelabelling {
            func quoted(_ c: [String]) -> String { "[" + c.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
            func list(_ m: [Double]) -> String { "[" + m.map { "\($0)" }.joined(separator: ",") + "]" }
            let json = """
                {"kind": "earl-corpus-relabelling", "phantomScans": \(scans), "placement": "centred", "minimumMargin": 0.1,
                 "settings": [
                   {"id": 0, "summary": "a", "firstScan": "earl2", "firstMargin": 0.2, "repeats": \(quoted(repeats0)), "repeatMargins": \(list(margins0)),
                    "majority": "earl2", "label": "earl2"},
                   {"id": 1, "summary": "b", "firstScan": "over-recovering", "firstMargin": 0.5, "repeats": \(quoted(repeats1)), "repeatMargins": \(list(margins1)),
                    "majority": "over-recovering", "label": "clinical"}],
                 "scans": [
                   {"file": "s0", "group": "g0", "settingID": 0, "corpusLabel": "earl2", "majorityLabel": "earl2"},
                   {"file": "s1", "group": "g1", "settingID": 0, "corpusLabel": "earl2", "majorityLabel": "earl2"},
                   {"file": "s2", "group": "g2", "settingID": 1, "corpusLabel": "clinical", "majorityLabel": "clinical"}]}
                """
            return try JSONDecoder().decode(CorpusRelabelling.self, from: Data(json.utf8))
        }
        let four = try relabelling(
            scans: 5, repeats0: ["over-recovering", "earl2", "between", "earl2"], repeats1: ["over-recovering", "over-recovering", "over-recovering", "over-recovering"],
            margins0: [0.3, 0.2, 0, 0.05], margins1: [0.4, 0.4, 0.05, 0.4])
        #expect(abs(try #require(four.stage1LabelNoiseFloor) - 1.0) < 1e-12)
        #expect(four.summary.changed == 1 && four.summary.stage1 == 1)
        #expect(try relabelling(scans: 1, repeats0: [], repeats1: []).stage1LabelNoiseFloor == nil)
    }

    /// The by-hand corpus above: setting 0's two scans are missed together
    /// with probability 1/2, so an ideal classifier misses none or both of the
    /// three scans, never one; 99 % of three scans allows no miss.
    @Test func stage1MissesOfTheByHandCorpus() throws {
        let r = try Self.relabelling([(scans: 2, overRecovering: 2, of: 4), (scans: 1, overRecovering: 4, of: 4)])
        let misses = try #require(r.stage1LabelNoiseMisses)
        #expect(misses.count == 3)
        for (k, expected) in [0.5, 0, 0.5].enumerated() { #expect(abs(misses[k] - expected) < 1e-15) }
        let strict = try #require(r.stage1ReachProbability(accuracy: 0.99))
        #expect(strict.allowedMisses == 0 && abs(strict.probability - 0.5) < 1e-15)
        #expect(try #require(r.stage1ReachProbability(accuracy: 0.5)).allowedMisses == 1)
        #expect(abs(try #require(r.stage1ReachProbability(accuracy: 1.0 / 3)).probability - 1) < 1e-15)
    }

    /// The distribution against brute force over every pattern of which
    /// settings' phantom scans fell on their minority side, for settings of
    /// 1–4 scans crossing in 0–8 of 8 further scans; its mean is the floor,
    /// and 99 % of 300 scans allows three misses, not two.
    @Test func stage1MissesAgainstEnumeration() throws {
        var random = SplitMix64(seed: 7)
        let settings = (0..<11).map { _ in
            (scans: 1 + Int(random.next() % 4), overRecovering: Int(random.next() % 9), of: 8)
        }
        let r = try Self.relabelling(settings)
        let misses = try #require(r.stage1LabelNoiseMisses)
        let q = settings.map { s -> Double in let p = Double(s.overRecovering) / 8; return min(p, 1 - p) }
        var expected = [Double](repeating: 0, count: settings.reduce(0) { $0 + $1.scans } + 1)
        for pattern in 0..<(1 << settings.count) {
            var probability = 1.0
            var missed = 0
            for (i, s) in settings.enumerated() {
                if pattern & (1 << i) != 0 {
                    probability *= q[i]
                    missed += s.scans
                } else {
                    probability *= 1 - q[i]
                }
            }
            expected[missed] += probability
        }
        #expect(misses.count <= expected.count)
        for k in expected.indices { #expect(abs((k < misses.count ? misses[k] : 0) - expected[k]) < 1e-12, "k = \(k)") }
        let mean = misses.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }
        #expect(abs(mean - (try #require(r.stage1LabelNoiseFloor))) < 1e-12)

        let three = try Self.relabelling((0..<300).map { _ in (scans: 1, overRecovering: 8, of: 8) })
        #expect(try #require(three.stage1ReachProbability(accuracy: 0.99)).allowedMisses == 3)
    }

    /// A relabelling whose settings' first scans are EARL2 and whose further
    /// scans, all accepted (margin 0.4), over-recover `overRecovering` times
    /// of `of`; each setting has `scans` scans.
    static func relabelling(_ settings: [(scans: Int, overRecovering: Int, of: Int)]) throws -> CorpusRelabelling {
        var settingObjects: [[String: Any]] = []
        var scanObjects: [[String: Any]] = []
        for (id, s) in settings.enumerated() {
            let repeats = (0..<s.of).map { $0 < s.overRecovering ? "over-recovering" : "earl2" }
            settingObjects.append([
                "id": id, "summary": "s\(id)", "firstScan": "earl2", "firstMargin": 0.4, "repeats": repeats,
                "repeatMargins": [Double](repeating: 0.4, count: s.of),
            ])
            for k in 0..<s.scans {
                scanObjects.append(["file": "scan-\(id)-\(k)", "group": "g\(id)", "settingID": id, "corpusLabel": "earl2"])
            }
        }
        let object: [String: Any] = [
            "kind": "earl-corpus-relabelling", "phantomScans": (settings.map(\.of).max() ?? 0) + 1, "placement": "centred",
            "minimumMargin": 0.1, "settings": settingObjects, "scans": scanObjects,
        ]
        return try JSONDecoder().decode(CorpusRelabelling.self, from: JSONSerialization.data(withJSONObject: object))
    }
}

/// The digital IEC phantom labels the demo's three protocols as the NEMA analysis does.
@Suite struct SettingLabellerTests {
    @Test(arguments: [
        (4.0, 0.4, EARLLabel.clinical), (7.5, 0.0, EARLLabel.earl1), (5.8, 0.3, EARLLabel.earl2),
    ])
    func demoProtocols(fwhm: Double, overshoot: Double, expected: EARLLabel) throws {
        let labeller = try SettingLabeller.standard()
        let setting = ReconstructionSetting(fwhmMM: fwhm, psfOvershoot: overshoot, noiseCOV: 0.1, voxelMM: SIMD3(2.73, 2.73, 2))
        let label = try labeller.label(setting, seed: 5)
        #expect(label.label == expected, "\(setting.summary): \(label.category) RCmax \(label.rcMax)")
        #expect(label.rcMax.count == 6)
    }

    /// Repeat phantom scans place the phantom anew on the grid. Without
    /// noise, a shift by whole voxels samples the spheres exactly as before
    /// (same RCs), a half-voxel shift does not (the 10 mm sphere's RCmax
    /// moves), centred noise-free repeats give the corpus's own category;
    /// and a far-from-edge setting keeps its category in every repeat, while
    /// an expected category it does not have stops the repeats at the first
    /// scan.
    @Test func repeatPhantomScans() throws {
        let labeller = try SettingLabeller.standard()
        let quiet = ReconstructionSetting(fwhmMM: 6, psfOvershoot: 0, noiseCOV: 0, voxelMM: SIMD3(repeating: 3))
        let centred = try labeller.label(quiet, seed: 1)
        let whole = try labeller.label(quiet, seed: 1, shiftVoxels: SIMD3(1, -1, 1))
        let half = try labeller.label(quiet, seed: 1, shiftVoxels: SIMD3(0.5, 0.5, 0.5))
        for (a, b) in zip(centred.rcMax + centred.rcMean, whole.rcMax + whole.rcMean) { #expect(abs(a - b) < 1e-6, "\(centred.rcMax) vs \(whole.rcMax)") }
        #expect(abs(centred.rcMax[5] - half.rcMax[5]) > 0.005, "10 mm sphere RCmax \(centred.rcMax[5]) centred, \(half.rcMax[5]) half a voxel off")
        // Centred repeats of a noise-free setting are the corpus's own scan again.
        #expect(try labeller.repeatCategories(quiet, scans: 1, seed: 3, placement: .centred) == [centred.category])
        let sharp = ReconstructionSetting(fwhmMM: 3, psfOvershoot: 0.4, noiseCOV: 0.08, voxelMM: SIMD3(repeating: 3))
        let repeats = try labeller.repeatCategories(sharp, scans: 2, seed: 7, stoppingAtFirstDifferenceFrom: .overRecovering)
        #expect(repeats == [.overRecovering, .overRecovering])
        #expect(try labeller.repeatCategories(sharp, scans: 2, seed: 7) == repeats)
        #expect(try labeller.repeatCategories(sharp, scans: 3, seed: 7, stoppingAtFirstDifferenceFrom: .earl2) == [.overRecovering])
    }

    /// Far too smooth for EARL1 is not given a label.
    @Test func verySmoothIsUnderRecovering() throws {
        let label = try SettingLabeller.standard().label(ReconstructionSetting(fwhmMM: 14, psfOvershoot: 0, noiseCOV: 0.05, voxelMM: SIMD3(repeating: 4)), seed: 1)
        #expect(label.category == .underRecovering)
        #expect(label.label == nil)
    }
}

@Suite struct CorpusPlanTests {
    /// `n` settings at one 4 mm reconstruction, labelled clinical, EARL1, EARL2 in turn.
    static func labelledSettings(_ n: Int) -> [PatientCorpus.LabelledSetting] {
        let setting = ReconstructionSetting(fwhmMM: 7, psfOvershoot: 0, noiseCOV: 0.1, voxelMM: SIMD3(repeating: 4))
        return (0..<n).map { i in
            PatientCorpus.LabelledSetting(
                id: i, setting: setting,
                phantom: SettingLabel(category: .earl1, label: EARLLabel.allCases[i % 3], margin: 1, rcMax: [], rcMean: [], verdicts: [:]))
        }
    }

    /// Quotas split the count evenly; the train and test splits share no anatomy and no voxel size.
    @Test func quotasAndDisjointSplits() throws {
        let labeller = try SettingLabeller.standard()
        let train = try PatientCorpus(options: .init(count: 10, split: .train), labeller: labeller)
        #expect(train.quotas == [.clinical: 4, .earl1: 3, .earl2: 3])
        #expect(Set(PatientCorpus.Split.train.voxelSizes.map { [$0.x, $0.y, $0.z] }).isDisjoint(with: Set(PatientCorpus.Split.test.voxelSizes.map { [$0.x, $0.y, $0.z] })))
        let setting = ReconstructionSetting(fwhmMM: 7, psfOvershoot: 0, noiseCOV: 0.1, voxelMM: SIMD3(repeating: 4))
        let labelled = EARLLabel.allCases.enumerated().map { i, l in
            PatientCorpus.LabelledSetting(
                id: i, setting: setting,
                phantom: SettingLabel(category: .earl1, label: l, margin: 1, rcMax: [], rcMean: [], verdicts: [:]))
        }
        let a = train.plan(labelled)
        let b = try PatientCorpus(options: .init(count: 10, split: .test), labeller: labeller).plan(labelled)
        #expect(a.count == 6)  // 3 settings × 2 scans each
        #expect(Set(a.map(\.anatomySeed)).isDisjoint(with: Set(b.map(\.anatomySeed))))
        #expect(Set(a.map(\.group)).count == a.count)
    }

    /// Paired corpus: every anatomy carries one scan of each label, all with
    /// the same group (so cross-validation keeps them together), and the
    /// settings are the unpaired plan's, in the same numbers.
    @Test func pairedAnatomiesCarryEveryLabel() throws {
        let labeller = try SettingLabeller.standard()
        let labelled = Self.labelledSettings(15)
        let unpaired = try PatientCorpus(options: .init(count: 30, split: .train), labeller: labeller).plan(labelled)
        let paired = try PatientCorpus(options: .init(count: 30, split: .train, pairedAnatomies: true), labeller: labeller).plan(labelled)
        #expect(paired.count == 30)
        let byAnatomy = Dictionary(grouping: paired, by: \.anatomySeed)
        #expect(byAnatomy.count == 10)
        for (anatomy, scans) in byAnatomy {
            #expect(Set(scans.map(\.label)) == Set(EARLLabel.allCases), "anatomy \(anatomy)")
            #expect(Set(scans.map(\.group)) == ["anatomy-\(anatomy)"])
        }
        #expect(paired.map(\.settingID).sorted() == unpaired.map(\.settingID).sorted())
        #expect(Set(paired.map(\.file)).count == 30)
        // Shuffled within labels: the anatomies do not all get the settings in proposal order.
        let earl1Settings = paired.filter { $0.label == .earl1 }.map(\.settingID)
        #expect(earl1Settings != earl1Settings.sorted())
    }

    /// The corpus seed does not move the anatomies; `firstAnatomy` does, and
    /// changes nothing else of the plan. Paired or not, a corpus stays inside
    /// its split's anatomy range; old manifests read without a first anatomy.
    @Test func firstAnatomyMovesOnlyTheAnatomies() throws {
        let labeller = try SettingLabeller.standard()
        let labelled = Self.labelledSettings(15)
        func plan(seed: UInt64, first: UInt64?, paired: Bool = false) throws -> [PatientCorpus.Scan] {
            try PatientCorpus(options: .init(count: 30, seed: seed, split: .test, pairedAnatomies: paired, firstAnatomy: first), labeller: labeller).plan(labelled)
        }
        // Why the option exists: two seeds, the same patients.
        #expect(Set(try plan(seed: 4, first: nil).map(\.anatomySeed)) == Set(try plan(seed: 5, first: nil).map(\.anatomySeed)))
        for paired in [false, true] {
            let base = try plan(seed: 5, first: nil, paired: paired)
            let moved = try plan(seed: 5, first: 2_000_001, paired: paired)
            #expect(base.map(\.anatomySeed).min() == 1_000_001)
            #expect(moved.map(\.anatomySeed) == base.map { $0.anatomySeed + 1_000_000 })
            #expect(moved.map(\.group) == moved.map { "anatomy-\($0.anatomySeed)" })
            #expect(moved.map(\.settingID) == base.map(\.settingID) && moved.map(\.noiseSeed) == base.map(\.noiseSeed))
            #expect(moved.map(\.file) == base.map(\.file))
        }
        for (split, first) in [(PatientCorpus.Split.test, UInt64(1)), (.test, 1_000_000), (.train, 999_972), (.train, 0), (.test, UInt64.max - 3)] {
            #expect(throws: InputError.self, "\(split) from \(first)") {
                try PatientCorpus(options: .init(count: 30, split: split, firstAnatomy: first), labeller: labeller)
            }
        }
        _ = try PatientCorpus(options: .init(count: 30, split: .train, firstAnatomy: 999_971), labeller: labeller)
        let old = #"{"count": 120, "seed": 1, "split": "test", "bedPositions": 2, "fieldOfViewMM": 500, "scansPerSetting": 2, "minimumMargin": 0.1, "supersampling": 2}"#
        let decoded = try JSONDecoder().decode(PatientCorpus.Options.self, from: Data(old.utf8))
        #expect(decoded.firstAnatomy == nil && decoded.firstAnatomySeed == 1_000_001)
        let round = try JSONDecoder().decode(PatientCorpus.Options.self, from: JSONEncoder().encode(PatientCorpus.Options(count: 9, firstAnatomy: 17)))
        #expect(round.firstAnatomy == 17)
    }

    @Test func refusesBadOptions() throws {
        let labeller = try SettingLabeller.standard()
        #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 2), labeller: labeller) }
        #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 9, bedPositions: 0), labeller: labeller) }
        #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 9, minimumMargin: .nan), labeller: labeller) }
        #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 9, nearEdgeClinical: 1.5), labeller: labeller) }
        #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 9, nearEdgeClinical: .nan), labeller: labeller) }
    }

    /// Near-edge clinical proposals come only when asked for, in the asked
    /// fraction and ranges.
    @Test func nearEdgeClinicalProposals() {
        func draw(_ fraction: Double, _ n: Int) -> [ReconstructionSetting] {
            var r = SplitMix64.stream(seed: 7, index: 0)
            return (0..<n).map { _ in PatientCorpus.propose(.clinical, voxel: SIMD3(repeating: 4), nearEdgeClinical: fraction, random: &r) }
        }
        // Ordinary clinical proposals stay at or below 4.5 mm.
        let nearEdge = { (s: ReconstructionSetting) in s.fwhmMM > 4.5 }
        #expect(!draw(0, 3000).contains(where: nearEdge))
        #expect(draw(1, 500).allSatisfy { (4.5...5.6).contains($0.fwhmMM) && (0.2...0.45).contains($0.psfOvershoot) && $0.noiseCOV >= 0.05 })
        // Binomial(3000, 1/3): the fraction's standard deviation is 0.0086; 5 of them.
        let third = Double(draw(1.0 / 3, 3000).filter(nearEdge).count) / 3000
        #expect(abs(third - 1.0 / 3) < 0.043)
    }

    /// With a voxel limit, near-edge clinical proposals come only on grids
    /// no coarser in plane than it; on those grids, and without a limit, the
    /// proposals are those of the fraction alone.
    @Test func nearEdgeClinicalOnlyOnFineGrids() throws {
        func draw(_ voxel: SIMD3<Double>, limit: Double?, _ n: Int = 2000) -> [ReconstructionSetting] {
            var r = SplitMix64.stream(seed: 9, index: 0)
            return (0..<n).map { _ in PatientCorpus.propose(.clinical, voxel: voxel, nearEdgeClinical: 0.5, nearEdgeMaxVoxelMM: limit, random: &r) }
        }
        let nearEdge = { (s: ReconstructionSetting) in s.fwhmMM > 4.5 }
        let fine = SIMD3<Double>(2.5, 2.5, 4), coarse = SIMD3<Double>(3.2, 2.8, 2)
        #expect(!draw(coarse, limit: 3).contains(where: nearEdge))  // the coarser in-plane axis decides
        #expect(draw(fine, limit: 3) == draw(fine, limit: nil))
        #expect(draw(fine, limit: 2.5) == draw(fine, limit: nil))  // the limit is inclusive
        // Binomial(2000, 1/2): SD of the share 0.011; 5 of them.
        let share = Double(draw(fine, limit: 3).filter(nearEdge).count) / 2000
        #expect(abs(share - 0.5) < 0.056)
        let labeller = try SettingLabeller.standard()
        for limit in [0, -1, .nan, .infinity] {
            #expect(throws: InputError.self) {
                try PatientCorpus(options: .init(count: 9, nearEdgeClinical: 0.5, nearEdgeMaxVoxelMM: limit), labeller: labeller)
            }
        }
        #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 9, nearEdgeMaxVoxelMM: 3), labeller: labeller) }
    }

    /// Continuous voxel draws cover the range, are half isotropic, and never
    /// come within the exclusion window of a test grid on every axis.
    @Test func continuousVoxelDraws() {
        var r = SplitMix64.stream(seed: 11, index: 0)
        let draws = (0..<4000).map { _ in PatientCorpus.continuousVoxel(random: &r) }
        let range = PatientCorpus.Split.continuousVoxelRangeMM
        #expect(draws.allSatisfy { v in (0..<3).allSatisfy { range.contains(v[$0]) } && v.x == v.y })
        for t in PatientCorpus.Split.test.voxelSizes {
            let closest = draws.map { v in (0..<3).map { abs(v[$0] - t[$0]) }.max()! }.min()!
            #expect(closest >= PatientCorpus.Split.testGridExclusionMM, "\(t): \(closest)")
        }
        // Binomial(4000, 1/2), less the few isotropic draws redrawn near 2.34 and 4.07 mm: SD 0.008.
        let isotropic = Double(draws.filter { $0.x == $0.z }.count) / Double(draws.count)
        #expect(abs(isotropic - 0.5) < 0.04)
        // Both ends of the range are reached (uniform: 4000 draws leave no 0.1 mm gap at either end).
        #expect(draws.map(\.x).min()! < range.lowerBound + 0.1 && draws.map(\.x).max()! > range.upperBound - 0.1)
    }

    /// Continuous voxels are a train-split option; manifests from before the option decode with it off.
    @Test func continuousVoxelOption() throws {
        let labeller = try SettingLabeller.standard()
        #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 9, split: .test, continuousVoxels: 0.5), labeller: labeller) }
        #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 9, continuousVoxels: 1.5), labeller: labeller) }
        #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 9, continuousVoxels: .nan), labeller: labeller) }
        let old = #"{"count": 120, "seed": 1, "split": "train", "bedPositions": 2, "fieldOfViewMM": 500, "scansPerSetting": 2, "minimumMargin": 0.1, "supersampling": 2}"#
        let decoded = try JSONDecoder().decode(PatientCorpus.Options.self, from: Data(old.utf8))
        #expect(decoded == PatientCorpus.Options(count: 120))
        let round = try JSONDecoder().decode(PatientCorpus.Options.self, from: JSONEncoder().encode(PatientCorpus.Options(count: 9, continuousVoxels: 0.5)))
        #expect(round.continuousVoxels == 0.5)
    }

    /// Manifests from before `phantomScans` read as one phantom scan per setting; 1…16 are accepted.
    @Test func phantomScansOption() throws {
        let labeller = try SettingLabeller.standard()
        for bad in [0, 17] { #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 9, phantomScans: bad), labeller: labeller) } }
        let old = #"{"count": 120, "seed": 1, "split": "train", "bedPositions": 2, "fieldOfViewMM": 500, "scansPerSetting": 2, "minimumMargin": 0.1, "supersampling": 2}"#
        #expect(try JSONDecoder().decode(PatientCorpus.Options.self, from: Data(old.utf8)).phantomScans == 1)
        let round = try JSONDecoder().decode(PatientCorpus.Options.self, from: JSONEncoder().encode(PatientCorpus.Options(count: 9, phantomScans: 5)))
        #expect(round.phantomScans == 5)
    }

    /// Noise texture decoupled from resolution: refused outside 1…3; old
    /// manifests read as tied; the factor stays within 1/S…S and fills it
    /// log-uniformly; at S = 1 no texture is set. A labelled corpus carries
    /// the texture in its settings, and the phantom that labels a setting is
    /// reconstructed with it.
    @Test func noiseTextureSpreadOption() throws {
        let labeller = try SettingLabeller.standard()
        for bad in [0.5, 3.5, .nan] { #expect(throws: InputError.self) { try PatientCorpus(options: .init(count: 9, noiseTextureSpread: bad), labeller: labeller) } }
        let old = #"{"count": 120, "seed": 1, "split": "train", "bedPositions": 2, "fieldOfViewMM": 500, "scansPerSetting": 2, "minimumMargin": 0.1, "supersampling": 2}"#
        #expect(try JSONDecoder().decode(PatientCorpus.Options.self, from: Data(old.utf8)).noiseTextureSpread == 1)
        #expect(PatientCorpus.noiseTexture(fwhmMM: 5, spread: 1, labelSeed: 7) == nil)
        let logFactors = (0..<4000).map { log(PatientCorpus.noiseTexture(fwhmMM: 5, spread: 1.6, labelSeed: UInt64($0))! / 5) / log(1.6) }
        #expect(logFactors.allSatisfy { abs($0) <= 1 })
        #expect(logFactors.min()! < -0.99 && logFactors.max()! > 0.99)
        // Uniform on −1…1: mean 0 and SD 1/√3, each within 4 standard errors.
        let mean = logFactors.reduce(0, +) / 4000
        let sd = (logFactors.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3999).squareRoot()
        #expect(abs(mean) < 4 * (1 / 3.0).squareRoot() / 4000.0.squareRoot() && abs(sd - (1 / 3.0).squareRoot()) < 0.02, "mean \(mean), SD \(sd)")

        let corpus = try PatientCorpus(options: .init(count: 3, scansPerSetting: 1, noiseTextureSpread: 1.6), labeller: labeller)
        let (settings, _) = try corpus.labelSettings()
        #expect(settings.count == 3)
        for s in settings {
            let texture = try #require(s.setting.noiseTextureFWHMMM)
            #expect(abs(log(texture / s.setting.fwhmMM)) <= log(1.6) + 1e-12)
            #expect(s.setting.model(seed: 1).noiseTextureFWHMMM == texture)
            #expect(s.setting.summary.hasSuffix(String(format: ", noise texture %.2f mm", texture)))
        }
        let round = try JSONDecoder().decode(ReconstructionSetting.self, from: JSONEncoder().encode(settings[0].setting))
        #expect(round == settings[0].setting)
    }

    /// The continuous fraction is honoured; 0 draws exactly the listed-grid stream of earlier versions.
    @Test func continuousVoxelFraction() {
        let listed = PatientCorpus.Split.train.voxelSizes
        func draws(_ f: Double) -> [SIMD3<Double>] {
            var r = SplitMix64.stream(seed: 5, index: 0)
            return (0..<3000).map { _ in PatientCorpus.voxel(continuousFraction: f, listed: listed, random: &r) }
        }
        var r = SplitMix64.stream(seed: 5, index: 0)
        let old = (0..<3000).map { _ in listed[Int(r.next() % UInt64(listed.count))] }
        #expect(draws(0) == old)
        #expect(draws(1).allSatisfy { !listed.contains($0) })
        // Binomial(3000, 1/2): SD of the share 0.009; a continuous draw equals a listed grid with probability 0.
        let share = Double(draws(0.5).filter { !listed.contains($0) }.count) / 3000
        #expect(abs(share - 0.5) < 0.045)
    }

    /// Without near-edge proposals the stream is that of earlier versions,
    /// so `make model` reproduces the shipped model's corpora. Known answers
    /// from the version that shipped it (seed 1, stream 0).
    @Test func proposalStreamUnchanged() {
        var r = SplitMix64.stream(seed: 1, index: 0)
        let settings = [EARLLabel.clinical, .earl2, .earl1, .clinical].map { PatientCorpus.propose($0, voxel: SIMD3(repeating: 3), random: &r) }
        let got = settings.flatMap { [$0.fwhmMM, $0.psfOvershoot, $0.noiseCOV] }
        let expected = [
            3.1665388255836584, 0, 0.14695162844415116, 6.316023030146259, 0, 0.10775441110742655,
            7.5710173687939335, 0, 0.11799873338062758, 3.4098758149405795, 0.4120315990006356, 0.10253848197652934,
        ]
        #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }, "\(got)")
    }
}

@Suite struct SlabTests {
    static func tensor() -> SparseTensor {
        var coordinates: [SIMD3<Int32>] = []
        var features: [Float] = []
        for z in Int32(3)..<Int32(30) { for y in Int32(0)..<4 { for x in Int32(0)..<5 {
            coordinates.append(SIMD3(x, y, z))
            features.append(contentsOf: [Float(x + 10 * y), Float(z)])
        } } }
        return SparseTensor(sites: ActiveSet(coordinates: coordinates), channels: 2, features: features)
    }

    /// Slabs partition the sites (with no minimum), re-base z, and carry each site's features.
    @Test func partition() {
        let t = Self.tensor()
        let slabs = t.zSlabs(thickness: 8, minimumFraction: 0)
        #expect(slabs.count == 4)  // 27 slices: 8 + 8 + 8 + 3
        #expect(slabs.map(\.count).reduce(0, +) == t.count)
        for (k, s) in slabs.enumerated() {
            #expect(s.sites.coordinates.allSatisfy { $0.z >= 0 && $0.z < 8 })
            for (i, c) in s.sites.coordinates.enumerated() {
                #expect(s.features[2 * i] == Float(c.x + 10 * c.y))
                #expect(s.features[2 * i + 1] == Float(Int(c.z) + 3 + 8 * k))
            }
        }
        // The thin end slab (3 of 8 slices) is dropped at the default minimum fraction 0.3? 3/8 = 0.375 ≥ 0.3: kept; at 0.5 dropped.
        #expect(t.zSlabs(thickness: 8).count == 4)
        #expect(t.zSlabs(thickness: 8, minimumFraction: 0.5).count == 3)
        #expect(t.zSlabs(thickness: 100).count == 1)
        // The layout training draws from: as many slabs, each built alone
        // equal to zSlabs's; one slab is the tensor itself, not a copy.
        let layout = t.zSlabLayout(thickness: 8, minimumFraction: 0.5)
        #expect(layout.count == 3)
        let drawn = t.zSlab(2, of: layout), listed = t.zSlabs(thickness: 8, minimumFraction: 0.5)[2]
        #expect(drawn.sites.coordinates == listed.sites.coordinates && drawn.features == listed.features)
        #expect(t.zSlab(0, of: t.zSlabLayout(thickness: 100)).sites === t.sites)
    }

    /// A tensor whose sites are not ordered by z takes the general path:
    /// the same slabs, each with its sites in the tensor's own row order.
    @Test func unorderedSitesGiveTheSameSlabs() {
        let t = Self.tensor()
        let order = Array((0..<t.count).reversed())
        let reversed = SparseTensor(
            sites: ActiveSet(coordinates: order.map { t.sites.coordinates[$0] }), channels: 2,
            features: order.flatMap { t.features[(2 * $0)..<(2 * $0 + 2)] })
        let sorted = t.zSlabs(thickness: 8), unordered = reversed.zSlabs(thickness: 8)
        #expect(sorted.count == unordered.count)
        for (a, b) in zip(sorted, unordered) {
            let backwards = Array((0..<b.count).reversed())
            #expect(backwards.map { b.sites.coordinates[$0] } == a.sites.coordinates)
            #expect(backwards.flatMap { b.features[(2 * $0)..<(2 * $0 + 2)] } == a.features)
        }
    }

    /// Mirroring keeps the x range and the features, and twice is the identity.
    @Test func mirror() {
        let t = Self.tensor()
        let m = t.mirroredX()
        #expect(m.features == t.features)
        #expect(Set(m.sites.coordinates.map(\.x)) == Set(t.sites.coordinates.map(\.x)))
        #expect(m.sites.coordinates[0].x == 4 && t.sites.coordinates[0].x == 0)
        #expect(m.mirroredX().sites.coordinates == t.sites.coordinates)
    }

    /// One slab predicts as the tensor itself; identical slabs average to the same probabilities.
    @Test func predictionOverSlabs() {
        let network = Network(architecture: .earlDefault(inputChannels: 2, classes: ["a", "b"]), seed: 4)
        let slab = Self.tensor().zSlabs(thickness: 8)[0]
        let single = network.predict(slab)
        let twice = network.predict(slabs: [slab, slab])
        for k in 0..<2 { #expect(abs(single[k] - twice[k]) < 1e-9) }
        #expect(abs(network.predict(slabs: [slab]).reduce(0, +) - 1) < 1e-9)
    }
}
