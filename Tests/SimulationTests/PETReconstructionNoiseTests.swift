import IQCore
import Simulation
import Testing

/// The reconstruction model's noise: its level and its texture, against
/// closed forms on a uniform activity.
@Suite struct PETReconstructionNoiseTests {
    /// A uniform 1000 Bq/mL cube on 2 mm voxels, reconstructed noisily.
    static func noise(_ model: PETReconstructionModel) -> (sd: Double, lag1: Double) {
        let n = 64
        let activity = Volume(nx: n, ny: n, nz: n, spacingMM: SIMD3(repeating: 2), voxels: [Float](repeating: 1000, count: n * n * n))
        let image = model.apply(to: activity, referenceBqML: 1000)
        // Interior voxels only, clear of the filters' borders; the noise-free
        // image of a uniform activity is the activity itself there.
        var sum2 = 0.0, cross = 0.0, count = 0
        for z in 16..<48 {
            for y in 16..<48 {
                for x in 16..<48 {
                    let i = x + n * (y + n * z)
                    let a = Double(image.voxels[i]) - 1000, b = Double(image.voxels[i + 1]) - 1000
                    sum2 += a * a
                    cross += a * b
                    count += 1
                }
            }
        }
        return ((sum2 / Double(count)).squareRoot(), cross / sum2)
    }

    /// Lag-1 correlation of white noise through a sampled Gaussian kernel
    /// (per axis, so the x kernel alone decides it along x).
    static func lag1(fwhmMM: Double) -> Double {
        let w = GaussianFilter(fwhmMM: fwhmMM).kernels(spacingMM: SIMD3(repeating: 2))[0].weights
        let cross = zip(w.dropLast(), w.dropFirst()).reduce(0.0) { $0 + $1.0 * $1.1 }
        return cross / w.reduce(0.0) { $0 + $1 * $1 }
    }

    /// Texture follows the resolution by default and `noiseTextureFWHMMM`
    /// when set; the level (COV 0.1 at the reference concentration) does
    /// not depend on either. Tolerances: the SD within 3 %, the lag-1
    /// correlation within 0.02 (32³ correlated samples).
    @Test(arguments: [(4.0, nil), (4.0, 8.0), (6.0, 3.0)] as [(Double, Double?)])
    func textureAndLevel(fwhmMM: Double, textureMM: Double?) {
        let model = PETReconstructionModel(fwhmMM: fwhmMM, noiseCOV: 0.1, noiseTextureFWHMMM: textureMM, seed: 3)
        let measured = Self.noise(model)
        let expected = Self.lag1(fwhmMM: textureMM ?? fwhmMM)
        #expect(abs(measured.sd / 100 - 1) < 0.03, "SD \(measured.sd), expected 100")
        #expect(abs(measured.lag1 - expected) < 0.02, "lag-1 correlation \(measured.lag1), closed form \(expected)")
        if let textureMM {
            // Distinguishable from the resolution's texture: the test can fail.
            #expect(abs(Self.lag1(fwhmMM: textureMM) - Self.lag1(fwhmMM: fwhmMM)) > 0.1)
        }
    }

    @Test func textureOutsideItsRangeIsRefused() {
        for bad in [-1.0, 31, .nan] {
            #expect(throws: InputError.self) { try PETReconstructionModel(fwhmMM: 5, noiseCOV: 0.1, noiseTextureFWHMMM: bad).validate() }
        }
    }
}
