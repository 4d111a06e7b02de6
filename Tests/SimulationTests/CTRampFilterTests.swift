import Foundation
import IQCore
import Simulation
import Testing

/// The FFT ramp filter (FFTW, Float32) against the direct O(n²) sum (Double),
/// and the whole FBP through both: same image to well under 1 HU.
@Suite struct CTRampFilterTests {
    @Test(arguments: [1, 7, 64, 183])
    func fftMatchesDirectSum(detectors: Int) {
        var rng = SplitMix64(seed: UInt64(detectors))
        let views = 5
        let sino = (0..<(views * detectors)).map { _ in 3 * rng.nextUniform() }
        var direct = sino, fft = sino
        CTAcquisition.rampFilter(&direct, detectors: detectors, views: views, method: .direct)
        CTAcquisition.rampFilter(&fft, detectors: detectors, views: views, method: .fft)
        let scale = direct.map(abs).max() ?? 1
        let maxDiff = zip(direct, fft).map { abs($0 - $1) }.max() ?? 0
        #expect(maxDiff <= 1e-5 * max(scale, 1), "max |Δ| \(maxDiff) for values up to \(scale)")
    }

    @Test func fbpSameImageBothWays() {
        var voxels = [Float](repeating: -1000, count: 40 * 36 * 2)
        for y in 0..<36 {
            for x in 0..<40 {
                let dx = Double(x) - 19.5, dy = Double(y) - 17.5
                if dx * dx / 300 + dy * dy / 250 < 1 { voxels[x + 40 * y] = 0 }
                if dx * dx + (dy - 4) * (dy - 4) < 9 { voxels[x + 40 * y] = 100 }
            }
        }
        for i in 0..<(40 * 36) { voxels[40 * 36 + i] = voxels[i] }
        let image = Volume(nx: 40, ny: 36, nz: 2, spacingMM: SIMD3(0.8, 0.8, 0.8), voxels: voxels)
        var fast = CTAcquisition(), reference = CTAcquisition()
        reference.rampMethod = .direct
        fast.rampMethod = .fft
        for dose in [nil, 1.0] as [Double?] {
            let a = fast.fbp(image, ctdiVolMGy: dose, seed: 3)
            let b = reference.fbp(image, ctdiVolMGy: dose, seed: 3)
            let maxDiff = zip(a.voxels, b.voxels).map { abs($0 - $1) }.max() ?? 0
            #expect(maxDiff < 0.5, "max |Δ| \(maxDiff) HU at dose \(String(describing: dose))")
        }
    }
}
