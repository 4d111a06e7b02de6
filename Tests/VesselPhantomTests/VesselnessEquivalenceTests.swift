import Foundation
import IQCore
import Simulation
import Testing
import VesselPhantom

/// The optimised vesselness (symmetric Float32 smoothing, eigen-analysis
/// pruned by exact bounds) against a straightforward reference kept here:
/// `GaussianFilter(.direct)` per scale, central-difference Hessian, closed-form
/// eigenvalues and Frangi's measure at every voxel.
@Suite struct VesselnessEquivalenceTests {
    static func reference(_ f: Vesselness, _ volume: Volume, roi: [Bool]? = nil) -> (value: [Float], bestScale: [Int8]) {
        let nx = volume.nx, ny = volume.ny, nz = volume.nz
        var best = [Float](repeating: 0, count: volume.count)
        var bestScale = [Int8](repeating: -1, count: volume.count)
        let inv = SIMD3<Double>(1 / volume.spacingMM.x, 1 / volume.spacingMM.y, 1 / volume.spacingMM.z)
        for (s, sigma) in f.scalesMM.enumerated() {
            let smoothed = GaussianFilter(fwhmMM: sigma * GaussianKernel.fwhmPerSigma, method: .direct)
                .apply(volume.voxels, nx: nx, ny: ny, nz: nz, spacingMM: volume.spacingMM)
            let n = sigma * sigma
            smoothed.withUnsafeBufferPointer { p in
                for z in 0..<nz {
                    for y in 0..<ny {
                        for x in 0..<nx {
                            let i = x + nx * (y + ny * z)
                            if let roi, !roi[i] { continue }
                            let h = Hessian.secondDerivatives(p.baseAddress!, nx: nx, ny: ny, nz: nz, x: x, y: y, z: z, inverseSpacingMM: inv)
                            let l = Hessian.eigenvalues(xx: h.xx * n, yy: h.yy * n, zz: h.zz * n, xy: h.xy * n, xz: h.xz * n, yz: h.yz * n)
                            let r = Float(f.response(l))
                            if r > best[i] {
                                best[i] = r
                                bestScale[i] = Int8(s)
                            }
                        }
                    }
                }
            }
        }
        return (best, bestScale)
    }

    /// Tubes of radius 0.6, 1.5 and 3 mm in air with 60 HU white noise, on an
    /// anisotropic grid (0.7 × 0.7 × 0.9 mm) so that every axis path is used.
    static func tubes() -> Volume {
        let segments = [
            VesselTreePhantom.Segment(startMM: SIMD3(-14, -6, -4), endMM: SIMD3(14, -4, -3), radiusMM: 0.6),
            VesselTreePhantom.Segment(startMM: SIMD3(-12, 6, -6), endMM: SIMD3(12, 2, 6), radiusMM: 1.5),
            VesselTreePhantom.Segment(startMM: SIMD3(0, -10, 4), endMM: SIMD3(3, 10, 2), radiusMM: 3),
        ]
        let (image, _) = VesselTreePhantom().render(nx: 44, ny: 36, nz: 22, spacingMM: SIMD3(0.7, 0.7, 0.9), segments: segments, holder: false)
        var rng = SplitMix64(seed: 7)
        var noisy = image.voxels
        for i in noisy.indices { noisy[i] += Float(60 * rng.nextNormal()) }
        return image.with(voxels: noisy)
    }

    /// Stated tolerance: 1e-4 absolute on the vesselness (0…1). The only
    /// differences are Float32 round-off of the smoothing (taps summed in
    /// another order); the winning scale may differ only where two scales
    /// tie within that tolerance.
    @Test func matchesReferenceEverywhere() {
        let volume = Self.tubes()
        let f = Vesselness()
        let (ref, refScale) = Self.reference(f, volume)
        let (fast, fastScale) = f.apply(volume)
        var maxDiff: Float = 0
        var scaleMismatches = 0
        for i in ref.indices {
            maxDiff = max(maxDiff, abs(ref[i] - fast[i]))
            if ref[i] > 1e-3 && refScale[i] != fastScale[i] { scaleMismatches += 1 }
        }
        #expect(maxDiff < 1e-4, "max |Δ vesselness| \(maxDiff)")
        #expect(scaleMismatches <= ref.count / 10_000, "\(scaleMismatches) winning-scale mismatches")
        #expect(ref.contains { $0 > 0.5 })
    }

    /// With a floor: exact (within the tolerance) wherever the reference is
    /// ≥ floor or the voxel is brighter than the floor intensity; below the
    /// floor on the other voxels, and never above the reference there.
    @Test func floorKeepsWhatTheSegmentationNeeds() {
        let volume = Self.tubes()
        let f = Vesselness()
        let seg = VesselSegmenter()
        var roi = [Bool](repeating: true, count: volume.count)
        for i in stride(from: 0, to: roi.count, by: 7) { roi[i] = false }
        let ref = Self.reference(f, volume, roi: roi).value
        let floorHU = seg.floorIntensityHU
        let fast = f.apply(volume, roi: roi, floor: seg.vesselnessFloor, floorAtOrBelowHU: floorHU).value
        var skipped = 0
        for i in ref.indices {
            if !roi[i] {
                #expect(fast[i] == 0)
            } else if Double(volume.voxels[i]) > floorHU || Double(ref[i]) >= seg.vesselnessFloor {
                #expect(abs(ref[i] - fast[i]) < 1e-4, "voxel \(i): \(fast[i]) vs \(ref[i])")
            } else {
                #expect(Double(fast[i]) < seg.vesselnessFloor && fast[i] <= ref[i] + 1e-4)
                if fast[i] != ref[i] { skipped += 1 }
            }
        }
        // The floor must actually save work on this mostly-air volume.
        #expect(skipped > 0)
    }

    /// The segmentation from the floored vesselness equals the one from the
    /// exact vesselness.
    @Test func segmentationUnchangedByFloor() {
        let volume = Self.tubes()
        let seg = VesselSegmenter()
        let roi = seg.regionOfInterest(volume)
        let exact = seg.segment(volume, vesselness: seg.vesselness.apply(volume, roi: roi).value, roi: roi)
        let floored = seg.segment(volume, vesselness: seg.vesselnessForSegmentation(volume, roi: roi), roi: roi)
        #expect(exact.mask == floored.mask)
        #expect(exact.bandVoxels == floored.bandVoxels)
    }

    /// NaN voxels count as 0 HU in the graph cut: the same mask as with
    /// zeros there, for the same vesselness and region (a NaN in the
    /// background once made a graph weight NaN and trapped, 2026-12-07),
    /// and the one-call `segment` runs through them.
    @Test func graphCutReadsNaNAsZero() {
        let volume = Self.tubes()
        var withNaN = volume.voxels, withZero = volume.voxels
        for z in 0..<volume.nz {
            for x in 2..<6 {
                let i = x + volume.nx * (30 + volume.ny * z)  // a background strip far from the tubes
                withNaN[i] = .nan
                withZero[i] = 0
            }
        }
        let seg = VesselSegmenter()
        let zero = volume.with(voxels: withZero)
        let roi = seg.regionOfInterest(zero)
        let v = seg.vesselness.apply(zero, roi: roi).value
        let expected = seg.segment(zero, vesselness: v, roi: roi)
        let got = seg.segment(volume.with(voxels: withNaN), vesselness: v, roi: roi)
        #expect(expected.bandVoxels > 0 && got.mask == expected.mask && got.bandVoxels == expected.bandVoxels)
        #expect(seg.segment(volume.with(voxels: withNaN)).mask.count == volume.count)
    }

    /// The bounded dilation equals the distance-transform test on random
    /// objects, isotropic and anisotropic, with windows of 0…4 voxels.
    @Test(arguments: [(3.0, SIMD3(0.7, 0.7, 0.7)), (2.0, SIMD3(0.5, 0.8, 1.1)), (0.6, SIMD3(1.0, 1.0, 1.0)), (1.0, SIMD3(0.4, 2.0, 0.9))])
    func marginMaskMatchesDistanceTransform(marginMM: Double, spacing: SIMD3<Double>) {
        let nx = 23, ny = 19, nz = 17
        var rng = SplitMix64(seed: 11)
        let object = (0..<(nx * ny * nz)).map { _ in rng.nextUniform() < 0.01 }
        let d = DistanceTransform.distanceMM(mask: object.map { !$0 }, nx: nx, ny: ny, nz: nz, spacingMM: spacing)
        let expected = d.map { $0 > Float(marginMM) }
        let got = MarginMask.fartherThan(marginMM, from: object, nx: nx, ny: ny, nz: nz, spacingMM: spacing)
        #expect(got == expected)
    }
}
