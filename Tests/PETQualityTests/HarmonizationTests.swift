import Foundation
import IQCore
import PETQuality
import Simulation
import Testing

@Suite struct HarmonizationTests {
    /// Two routes to the same physics agree: simulating a noise-free
    /// Gaussian system at FWHM F, and post-filtering a 3 mm system with f
    /// where F² = 3² + f². Each F's EARL1 verdict from direct simulation must
    /// match the harmonizer's sweep at f, except within 0.4 mm of a
    /// transition (the two routes voxelize differently, so band crossings
    /// may shift by a few tenths of a mm).
    @Test func verdictSweepMatchesHarmonizer() throws {
        let sharp = PhantomFixtures.phantom(model: PETReconstructionModel(fwhmMM: 3)).image
        let analyzer = PhantomFixtures.analyzer([PhantomFixtures.earl1])
        let result = try Harmonizer(analyzer: analyzer).search(sharp, path: "sharp.nii", standard: PhantomFixtures.earl1, provenance: PhantomFixtures.provenance)
        var transitions: [Double] = []
        for (a, b) in zip(result.sweep, result.sweep.dropFirst()) where a.pass != b.pass {
            let f = a.fwhmMM
            transitions.append((f * f + 9).squareRoot())
        }
        #expect(!transitions.isEmpty, "EARL1 must be reached somewhere between 3 and 15 mm")
        var verdicts: [Double: Bool] = [:]
        for total in stride(from: 4.0, through: 10.0, by: 1.0) {
            let image = PhantomFixtures.phantom(model: PETReconstructionModel(fwhmMM: total)).image
            let direct = try analyzer.analyze(image, path: "p.nii", provenance: PhantomFixtures.provenance).verdicts["EARL1"] ?? false
            verdicts[total] = direct
            if transitions.contains(where: { abs($0 - total) < 0.4 }) { continue }
            let f = (total * total - 9).squareRoot()
            let nearest = result.sweep.min { abs($0.fwhmMM - f) < abs($1.fwhmMM - f) }!
            #expect(nearest.pass == direct, "F = \(total) mm: direct \(direct), harmonizer at f = \(nearest.fwhmMM) says \(nearest.pass)")
        }
        // The bands say where: sharp systems fail EARL1, ~8 mm systems pass, very smooth ones fail.
        #expect(verdicts[4] == false && verdicts[8] == true && verdicts[10] == false, "\(verdicts)")
    }

    /// Harmonizing a sharp PSF reconstruction to EARL1 and to EARL2, then
    /// filtering the phantom with the recommended FWHM and analysing it
    /// again, passes the target band set.
    @Test(arguments: ["EARL1", "EARL2"])
    func harmonizedPhantomPasses(target: String) throws {
        let standard = target == "EARL1" ? PhantomFixtures.earl1 : PhantomFixtures.earl2
        let model = PETReconstructionModel(fwhmMM: 4.5, psfOvershoot: 0.3, noiseCOV: 0.1, seed: 5)
        let (image, _) = PhantomFixtures.phantom(model: model)
        let analyzer = PhantomFixtures.analyzer([standard])
        #expect(try analyzer.analyze(image, path: "sharp.nii", provenance: PhantomFixtures.provenance).verdicts[target] == false)
        let result = try Harmonizer(analyzer: analyzer).search(image, path: "sharp.nii", standard: standard, provenance: PhantomFixtures.provenance)
        let fwhm = try #require(result.recommendedFWHMMM, "\(result.reason)")
        let range = try #require(result.feasibleFWHMMM)
        #expect(range[0] <= fwhm && fwhm <= range[1])
        let filtered = GaussianFilter(fwhmMM: fwhm).apply(to: image)
        let after = try analyzer.analyze(filtered, path: "harmonized.nii", provenance: PhantomFixtures.provenance)
        #expect(after.verdicts[target] == true, "after \(fwhm) mm: \(after.spheres.map { ($0.diameterMM, $0.rcMax, $0.rcMean) })")
    }

    /// A reconstruction that is already too smooth cannot be harmonized, and says why.
    @Test func tooSmoothIsInfeasible() throws {
        let (image, _) = PhantomFixtures.phantom(model: PETReconstructionModel(fwhmMM: 12))
        let analyzer = PhantomFixtures.analyzer([PhantomFixtures.earl2])
        let result = try Harmonizer(analyzer: analyzer).search(image, path: "smooth.nii", standard: PhantomFixtures.earl2, provenance: PhantomFixtures.provenance)
        #expect(result.feasibleFWHMMM == nil && result.recommendedFWHMMM == nil)
        #expect(result.reason.contains("too smooth"), "\(result.reason)")
    }
}
