import Foundation
import IQCore
import Numerics
import PETQuality
import Simulation
import Testing

@Suite struct NEMAAnalysisTests {
    /// Automatic localisation finds every sphere within 1.5 mm (well under
    /// one 2.5 mm voxel) of the truth, for shifted, rotated, tilted and noisy
    /// phantoms.
    @Test(arguments: [
        (SIMD3<Double>(0, 0, 0), 0.0, 0.0, 0.0),
        (SIMD3<Double>(23, -17, 12), 0.0, 0.0, 0.0),
        (SIMD3<Double>(0, 0, 0), 37.0, 0.0, 0.0),
        (SIMD3<Double>(-8, 10, -5), 205.0, 4.0, 0.0),
        (SIMD3<Double>(5, 5, 0), 90.0, 3.0, 0.15),
    ])
    func localisesSpheres(shift: SIMD3<Double>, axialDeg: Double, tiltDeg: Double, noise: Double) throws {
        let model = PETReconstructionModel(fwhmMM: 6, noiseCOV: noise, seed: 11)
        let (image, pose) = PhantomFixtures.phantom(model: model, axialDeg: axialDeg, tiltDeg: tiltDeg, shiftMM: shift)
        let found = try NEMALocalizer(geometry: PhantomFixtures.geometry).locate(image, path: "phantom.nii")
        for (i, centre) in found.centersMM.enumerated() {
            let truth = pose.toWorld(PhantomFixtures.geometry.sphereCentersMM[i])
            let error = ((centre - truth) * (centre - truth)).sum().squareRoot()
            #expect(error <= 1.5, "sphere \(i): \(error) mm off")
        }
    }

    /// An image that is not an IEC phantom is refused with a clear error, not measured.
    @Test func refusesNonPhantoms() throws {
        let empty = Volume(nx: 40, ny: 40, nz: 20, spacingMM: SIMD3(3, 3, 3), voxels: [Float](repeating: 100, count: 32000))
        let blob = SphereScene(cylinderRadiusMM: 50, background: 100, spheres: [.init(centerMM: SIMD3(10, 0, 0), radiusMM: 12, value: 1000)])
            .render(nx: 60, ny: 60, nz: 30, spacingMM: SIMD3(3, 3, 3))
        // Three hot spheres on a line: collinear, no ring.
        let line = SphereScene(
            cylinderRadiusMM: 120, background: 100,
            spheres: [-60.0, 0, 60].map { .init(centerMM: SIMD3($0, 0, 0), radiusMM: 14, value: 1000) }
        ).render(nx: 100, ny: 100, nz: 30, spacingMM: SIMD3(3, 3, 3))
        for (name, image) in [("uniform", empty), ("one blob", blob), ("collinear", line)] {
            do {
                _ = try NEMALocalizer(geometry: PhantomFixtures.geometry).locate(image, path: "\(name).nii")
                Issue.record("\(name): localised a non-phantom")
            } catch let error as InputError {
                #expect(error.description.contains("\(name).nii") && error.description.contains("IEC"), "\(error)")
            }
        }
    }

    /// The effective FWHM fit recovers the simulated resolution within
    /// 0.3 mm (about 5 % at 6 mm), noise-free and with 10 % noise.
    @Test(arguments: [(4.0, 0.0), (6.0, 0.0), (9.0, 0.0), (6.0, 0.1)])
    func fitsEffectiveFWHM(fwhm: Double, noise: Double) throws {
        let (image, _) = PhantomFixtures.phantom(model: PETReconstructionModel(fwhmMM: fwhm, noiseCOV: noise, seed: 3))
        let result = try PhantomFixtures.analyzer().analyze(image, path: "p.nii", provenance: PhantomFixtures.provenance)
        let measured = try #require(result.effectiveFWHMMM)
        #expect(abs(measured - fwhm) <= 0.3, "\(measured) mm for \(fwhm) mm")
    }

    /// Background, activities and calibration: noise-free background equals
    /// the filling; a stated expected background gives the right bias.
    @Test func backgroundAndCalibration() throws {
        let (image, _) = PhantomFixtures.phantom(model: PETReconstructionModel(fwhmMM: 6))
        var analyzer = PhantomFixtures.analyzer()
        var result = try analyzer.analyze(image, path: "p.nii", provenance: PhantomFixtures.provenance)
        #expect(result.background.mean.isApproximatelyEqual(to: 2000, relativeTolerance: 1e-3))
        #expect(result.background.roiCount == 60)
        #expect(result.activities.estimatedFromImage)
        #expect(result.calibration == nil)
        analyzer.settings = NEMASettings(sphereActivityBqML: 20000, backgroundActivityBqML: 2200)
        result = try analyzer.analyze(image, path: "p.nii", provenance: PhantomFixtures.provenance)
        let calibration = try #require(result.calibration)
        #expect(calibration.biasPercent.isApproximatelyEqual(to: (2000.0 / 2200 - 1) * 100, absoluteTolerance: 0.1))
        #expect(calibration.pass)
        analyzer.settings = NEMASettings(sphereActivityBqML: 20000, backgroundActivityBqML: 1700)
        #expect(try analyzer.analyze(image, path: "p.nii", provenance: PhantomFixtures.provenance).calibration?.pass == false)
    }

    /// RC ordering physics: RCmax ≥ RCpeak and RCmax ≥ RCmean for every
    /// sphere, and all RCs fall with sphere size for a Gaussian system.
    @Test func recoveryCoefficientsBehave() throws {
        let (image, _) = PhantomFixtures.phantom(model: PETReconstructionModel(fwhmMM: 7))
        let r = try PhantomFixtures.analyzer().analyze(image, path: "p.nii", provenance: PhantomFixtures.provenance)
        let bySize = r.spheres.sorted { $0.diameterMM > $1.diameterMM }
        for s in bySize { #expect(s.rcMax >= s.rcMean && s.rcMax >= s.rcPeak - 1e-9, "\(s.diameterMM) mm") }
        for (a, b) in zip(bySize, bySize.dropFirst()) {
            #expect(a.rcMax >= b.rcMax - 0.005 && a.rcMean >= b.rcMean - 0.005, "\(a.diameterMM) vs \(b.diameterMM)")
        }
        // The largest sphere's centre is flat at 7 mm: RCmax within 1 % of 1.
        #expect(abs(bySize[0].rcMax - 1) < 0.01)
    }

    /// Manual centres give the same result as automatic localisation.
    @Test func manualCentresOverride() throws {
        let (image, pose) = PhantomFixtures.phantom(model: PETReconstructionModel(fwhmMM: 6), axialDeg: 20)
        let dir = NSTemporaryDirectory() + "iqkit-nema-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = PhantomFixtures.geometry.spheres.enumerated().map { i, s -> String in
            let c = pose.toWorld(PhantomFixtures.geometry.sphereCentersMM[i])
            return "  - { diameterMM: \(s.diameterMM), mm: [\(c.x), \(c.y), \(c.z)] }"
        }
        try ("spheres:\n" + lines.joined(separator: "\n") + "\n").write(toFile: dir + "/centres.yaml", atomically: true, encoding: .utf8)
        let manual = try PhantomFixtures.analyzer(settings: NEMASettings(centersFile: dir + "/centres.yaml"))
            .analyze(image, path: "p.nii", provenance: PhantomFixtures.provenance)
        let automatic = try PhantomFixtures.analyzer().analyze(image, path: "p.nii", provenance: PhantomFixtures.provenance)
        #expect(manual.localisation.method == "manual")
        for (a, b) in zip(manual.spheres, automatic.spheres) { #expect(abs(a.rcMax - b.rcMax) < 0.02 && abs(a.rcMean - b.rcMean) < 0.02) }
        try "spheres:\n  - { diameterMM: 37, voxel: [1, 2] }\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        #expect(throws: InputError.self) { try PhantomFixtures.analyzer(settings: NEMASettings(centersFile: dir + "/bad.yaml")).analyze(image, path: "p.nii", provenance: PhantomFixtures.provenance) }
    }
}
