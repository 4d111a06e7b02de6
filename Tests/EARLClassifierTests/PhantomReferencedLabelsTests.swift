import EARLClassifier
import EARLCorpus
import Foundation
import IQCore
import PETQuality
import Testing

/// `earl label`: a site's own scans labelled by its phantom results.
@Suite struct PhantomReferencedLabelsTests {
    static let labeller = try! SettingLabeller.standard()
    static let provenance = Provenance(inputs: [], settings: [:])

    /// One real `nema analyze` result: the digital IEC phantom reconstructed
    /// at 7 mm FWHM, 4 mm voxels, analysed like a user's phantom scan.
    static let result: NEMAResult = {
        let setting = ReconstructionSetting(fwhmMM: 7, psfOvershoot: 0, noiseCOV: 0.02, voxelMM: SIMD3(repeating: 4))
        let image = labeller.phantom(setting, seed: 3)
        let analyzer = NEMAAnalyzer(
            geometry: labeller.geometry, standards: [labeller.earl1, labeller.earl2], settings: NEMASettings(sphereActivityBqML: 20000, backgroundActivityBqML: 2000))
        return try! analyzer.analyze(image, path: "phantom.nii", provenance: Provenance(inputs: [], settings: [:]))
    }()

    /// The result with every RC scaled: sharper (> 1) or smoother (< 1) recovery.
    static func scaled(_ factor: Double) -> NEMAResult {
        var r = result
        for i in r.spheres.indices {
            r.spheres[i].rcMax *= factor
            r.spheres[i].rcMean *= factor
        }
        return r
    }

    static func category(_ r: NEMAResult) -> SettingLabel {
        SettingLabeller.categorise(
            rcMax: r.spheres.map(\.rcMax), rcMean: r.spheres.map(\.rcMean), diameters: r.spheres.map(\.diameterMM), earl1: labeller.earl1, earl2: labeller.earl2)
    }

    @Test func pairsFile() throws {
        let text = "\u{FEFF}scan,phantom_result,group\r\n# protocol A\r\na.nii, pA.json ,p1\r\nb.nii,pA.json\r\n\r\nc.nii,pB.json,p1\r\n"
        let pairs = try PhantomReferencedLabels.parsePairs(text, path: "pairs.csv")
        #expect(pairs == [.init(scan: "a.nii", phantomResult: "pA.json", group: "p1"), .init(scan: "b.nii", phantomResult: "pA.json", group: "b.nii"),
            .init(scan: "c.nii", phantomResult: "pB.json", group: "p1")])
        #expect(throws: InputError.invalidData(path: "pairs.csv:3", problem: "a.nii is listed twice")) {
            try PhantomReferencedLabels.parsePairs("scan,phantom\na.nii,p.json\na.nii,q.json", path: "pairs.csv")
        }
        #expect(throws: InputError.invalidData(path: "pairs.csv:1", problem: "expected scan,phantom_result[,group], got 1 fields")) {
            try PhantomReferencedLabels.parsePairs("a.nii", path: "pairs.csv")
        }
        let quoted = try PhantomReferencedLabels.parsePairs("\"site A, pt 1.nii\",\"phantoms/A, 2026.json\"\n", path: "pairs.csv")
        #expect(quoted == [.init(scan: "site A, pt 1.nii", phantomResult: "phantoms/A, 2026.json", group: "site A, pt 1.nii")])
        #expect(throws: InputError.invalidData(path: "pairs.csv:2", problem: "unterminated quoted field")) {
            try PhantomReferencedLabels.parsePairs("a.nii,p.json\n\"b.nii,p.json", path: "pairs.csv")
        }
        #expect(throws: InputError.invalidData(path: "pairs.csv", problem: "no scan,phantom_result pairs")) {
            try PhantomReferencedLabels.parsePairs("scan,phantom_result\r\n", path: "pairs.csv")
        }
    }

    @Test func labelsFollowThePhantomAndLeaveOutWhatTheBandsDoNotDecide() throws {
        // Sharper, as measured and smoother versions of one protocol's phantom.
        let sharp = Self.scaled(1.35), measured = Self.result, smooth = Self.scaled(0.6)
        let expected = [sharp, measured, smooth].map(Self.category)
        #expect(expected[0].category == .overRecovering && expected[1].label == .earl1 && expected[2].category == .underRecovering, "\(expected.map(\.category))")
        let pairs: [PhantomReferencedLabels.Pair] = [
            .init(scan: "s1.nii", phantomResult: "sharp.json", group: "p1"), .init(scan: "m1.nii", phantomResult: "measured.json", group: "p1"),
            .init(scan: "o1.nii", phantomResult: "smooth.json", group: "p1"), .init(scan: "s2.nii", phantomResult: "sharp.json", group: "p2"),
        ]
        let results = ["sharp.json": sharp, "measured.json": measured, "smooth.json": smooth]
        let outcome = try PhantomReferencedLabels.label(pairs, results: results, earl1: Self.labeller.earl1, earl2: Self.labeller.earl2, minimumMargin: 0, provenance: Self.provenance)
        #expect(outcome.phantoms.map(\.result) == ["sharp.json", "measured.json", "smooth.json"])
        #expect(outcome.phantoms.map(\.scans) == [2, 1, 1])
        #expect(outcome.phantoms.map(\.category) == expected.map(\.category))
        #expect(outcome.phantoms.map(\.edgeDistance) == expected.map { $0.edgeDistance! })
        let labelled = pairs.filter { expected[["sharp.json", "measured.json", "smooth.json"].firstIndex(of: $0.phantomResult)!].label != nil }
        #expect(outcome.entries.map(\.file) == labelled.map(\.scan))
        #expect(outcome.entries.filter { $0.file.hasPrefix("s") }.allSatisfy { $0.label == .clinical && $0.edgeDistance == expected[0].edgeDistance })
        #expect(outcome.entries.map(\.group) == labelled.map(\.group))
        #expect(outcome.leftOut["o1.nii"] == "recovers less than EARL1 requires: too smooth for either")

        // The margin rule: a phantom nearer its deciding edge than asked is left out.
        let strict = try PhantomReferencedLabels.label(
            pairs, results: results, earl1: Self.labeller.earl1, earl2: Self.labeller.earl2, minimumMargin: expected[0].margin + 0.01, provenance: Self.provenance)
        #expect(!strict.entries.contains { $0.file == "s1.nii" })
        #expect(strict.leftOut["s2.nii"]?.contains("band widths from the deciding edge") == true, "\(strict.leftOut)")

        // A failed calibration check leaves the phantom out.
        var miscalibrated = sharp
        #expect(miscalibrated.calibration?.pass == true)
        miscalibrated.calibration?.biasPercent = 12
        miscalibrated.calibration?.pass = false
        let calibrated = try PhantomReferencedLabels.label(
            pairs, results: results.merging(["sharp.json": miscalibrated]) { $1 }, earl1: Self.labeller.earl1, earl2: Self.labeller.earl2, minimumMargin: 0, provenance: Self.provenance)
        #expect(calibrated.leftOut["s1.nii"] == "calibration check failed (bias +12.0 %)")
    }

    /// The phantom was reconstructed on 4 mm voxels; scans within 0.05 mm of that on every axis share its grid.
    @Test func voxelSizeMismatches() {
        #expect(Self.result.spacingMM == [4, 4, 4])
        let pairs = ["same", "close", "thin", "coarse", "unread"].map { PhantomReferencedLabels.Pair(scan: $0, phantomResult: "p.json", group: $0) }
        let spacings: [String: SIMD3<Double>] = ["same": SIMD3(4, 4, 4), "close": SIMD3(4.04, 3.96, 4), "thin": SIMD3(4, 4, 2), "coarse": SIMD3(4.07, 4.07, 4)]
        let found = PhantomReferencedLabels.voxelMismatches(pairs, scanSpacingMM: spacings, results: ["p.json": Self.result])
        #expect(found.keys.sorted() == ["coarse", "thin"])
        #expect(found["thin"] == "voxels 4.00×4.00×2.00 mm, its phantom's (p.json) 4.00×4.00×4.00 mm: the label is the phantom grid's")
    }

    @Test func resultWithoutABandedSphereIsBadInput() {
        var partial = Self.result
        partial.spheres.removeAll { abs($0.diameterMM - 10) < 0.5 }
        #expect(throws: InputError.invalidData(path: "p.json", problem: "has no 10.0 mm sphere, which EARL1 bands")) {
            try PhantomReferencedLabels.label(
                [.init(scan: "a.nii", phantomResult: "p.json", group: "a")], results: ["p.json": partial], earl1: Self.labeller.earl1, earl2: Self.labeller.earl2,
                minimumMargin: 0.1, provenance: Self.provenance)
        }
    }
}
