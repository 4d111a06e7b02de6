import IQCore
import Simulation
import SparseCNN
import EARLClassifier

/// Test scans: anthropomorphic activity blurred by a Gaussian and given
/// Gaussian noise. A stand-in for the issue-3 reconstruction model, used only
/// to exercise the pipeline; the FWHM per label is a test assumption, not a
/// label derived from the EARL bands.
enum SyntheticScans {
    static func fwhmMM(_ label: EARLLabel) -> Double {
        switch label {
        case .clinical: return 3
        case .earl2: return 8
        case .earl1: return 13
        }
    }

    static func scan(seed: UInt64, label: EARLLabel, spacingMM: Double = 4, bedPositions: Int = 1, noise: Double = 0.08) -> Volume {
        let phantom = AnthropomorphicPhantom.random(seed: seed)
        let fov = 400.0
        let activity = phantom.render(
            spacingMM: SIMD3(repeating: spacingMM), matrix: Int(fov / spacingMM), zRangeMM: phantom.bedPositionsZRangeMM(count: bedPositions), supersampling: 1)
        var image = GaussianFilter(fwhmMM: fwhmMM(label)).apply(to: activity)
        let level = Float(phantom.region(named: "torso")?.activityBqML ?? 1)
        var random = SplitMix64(seed: seed &* 31 &+ UInt64(EARLLabel.allCases.firstIndex(of: label) ?? 0))
        for i in image.voxels.indices where image.voxels[i] > 0.01 * level {
            // Noise sd ∝ sqrt(value): count-like statistics at `noise` relative sd at the body level.
            let sd = Double(noise) * Double((image.voxels[i] * level).squareRoot())
            image.voxels[i] = max(0, image.voxels[i] + Float(random.nextNormal() * sd))
        }
        return image
    }
}
