import Foundation
import IQCore
import Simulation
import Testing

/// The CT acquisition model against closed forms and a straightforward
/// reference of its fast back-projector.
@Suite struct CTProjectorTests {
    /// The textbook per-pixel back-projection in Double, the reference for the tiled Float32 one.
    static func referenceBackProject(_ sino: [Double], _ g: CTAcquisition.SliceGeometry) -> [Double] {
        let (cx, cy, cd) = g.centre
        var image = [Double](repeating: 0, count: g.nx * g.ny)
        for a in 0..<g.views {
            let (c, s) = g.angle(a)
            for y in 0..<g.ny {
                for x in 0..<g.nx {
                    let t = (Double(x) - cx) * c + (Double(y) - cy) * s + cd
                    let k = Int(t.rounded(.down))
                    let f = t - Double(k)
                    image[x + g.nx * y] += sino[a * g.detectors + k] * (1 - f) + sino[a * g.detectors + k + 1] * f
                }
            }
        }
        return image
    }

    static func random(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in rng.nextUniform() - 0.5 }
    }

    /// Tiled Float32 back-projection equals the per-pixel Double formula to
    /// 3e-5 of the image's range on a white-noise sinogram, the worst case
    /// for the Float32 detector coordinate (its round-off, up to 3e-5 bins at
    /// t ≈ 300, times a jump of the full range between bins); measured
    /// 1.8e-6 and 8.2e-6. Non-square grids, tiles not dividing the rows.
    @Test func backProjectionMatchesReference() {
        for (nx, ny) in [(64, 48), (37, 300)] {
            let g = CTAcquisition.SliceGeometry(nx: nx, ny: ny)
            let sino = Self.random(g.views * g.detectors, seed: UInt64(nx))
            let fast = CTAcquisition.backProject(sino, g), slow = Self.referenceBackProject(sino, g)
            let range = (slow.max() ?? 0) - (slow.min() ?? 0)
            let diff = zip(fast, slow).map { abs($0 - $1) }.max() ?? .infinity
            print("back-projection \(nx)×\(ny): max |Δ| / range \(diff / range)")
            #expect(diff < 3e-5 * range, "\(nx)×\(ny): max |Δ| \(diff), range \(range)")
        }
    }

    /// The projector and back-projector are a matched pair: ⟨P μ, s⟩ = ⟨μ, Pᵀ s⟩.
    @Test func projectorPairIsAdjoint() {
        let g = CTAcquisition.SliceGeometry(nx: 40, ny: 52)
        let mu = Self.random(g.nx * g.ny, seed: 1), s = Self.random(g.views * g.detectors, seed: 2)
        let lhs = zip(CTAcquisition.forwardProject(mu, g), s).reduce(0) { $0 + $1.0 * $1.1 }
        let rhs = zip(mu, CTAcquisition.backProject(s, g)).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(lhs - rhs) < 1e-5 * max(abs(lhs), 1), "⟨Pμ,s⟩ \(lhs) vs ⟨μ,Pᵀs⟩ \(rhs)")
    }

    /// A water cylinder in air (radius 40 pixels of 0.8 mm): noise-free FBP
    /// gives 0 ± 5 HU inside (mean over radius < 30) and −1000 ± 15 HU in
    /// the air ring 46–56 pixels out; every line integral of the projection
    /// equals μ · chord length, 2 μ √(R² − t²), to 2 % at the centre.
    @Test func waterCylinderNoiseFree() {
        let n = 128
        let image = Self.cylinder(n: n, radius: 40)
        let ct = CTAcquisition()
        let sino = ct.project(image)
        let g = sino.geometry
        let centreBin = Int(g.centre.detector)
        let chord = 2 * 40 * ct.muWaterPerMM * 0.8
        for a in [0, g.views / 3] {
            let measured = Double(sino.lineIntegrals[a * g.detectors + centreBin])
            #expect(abs(measured - chord) < 0.02 * chord, "view \(a): \(measured) vs \(chord)")
        }
        let recon = ct.reconstruct(sino, ctdiVolMGy: nil, seed: 0)
        let (inside, air) = Self.regions(recon, n: n)
        print("water cylinder: water \(Statistics.mean(inside)) HU, air \(Statistics.mean(air)) HU")
        #expect(abs(Statistics.mean(inside)) < 5, "water \(Statistics.mean(inside)) HU")
        #expect(abs(Statistics.mean(air) + 1000) < 15, "air \(Statistics.mean(air)) HU")
    }

    /// Quantum noise: the noise SD in water falls as 1/√dose (Poisson counts
    /// ∝ CTDIvol; the electronic noise is negligible at these counts):
    /// SD(1 mGy) / SD(4 mGy) = 2 ± 10 %.
    @Test func noiseFallsAsInverseRootDose() {
        let n = 128
        let image = Self.cylinder(n: n, radius: 40)
        let ct = CTAcquisition()
        let sino = ct.project(image)
        func sd(_ dose: Double) -> Double {
            let clean = ct.reconstruct(sino, ctdiVolMGy: nil, seed: 0)
            let noisy = ct.reconstruct(sino, ctdiVolMGy: dose, seed: 9)
            let diff = image.with(voxels: zip(noisy.voxels, clean.voxels).map { $0 - $1 })
            return Statistics.standardDeviation(Self.regions(diff, n: n).inside)
        }
        let ratio = sd(1) / sd(4)
        print("noise SD ratio 1 mGy / 4 mGy: \(ratio)")
        #expect(abs(ratio - 2) < 0.2, "SD ratio \(ratio)")
    }

    static func cylinder(n: Int, radius: Double) -> Volume {
        var voxels = [Float](repeating: -1000, count: n * n)
        let c = Double(n - 1) / 2
        for y in 0..<n {
            for x in 0..<n where (Double(x) - c) * (Double(x) - c) + (Double(y) - c) * (Double(y) - c) < radius * radius { voxels[x + n * y] = 0 }
        }
        return Volume(nx: n, ny: n, nz: 1, spacingMM: SIMD3(0.8, 0.8, 0.8), voxels: voxels)
    }

    static func regions(_ v: Volume, n: Int) -> (inside: [Float], air: [Float]) {
        let c = Double(n - 1) / 2
        var inside: [Float] = [], air: [Float] = []
        for y in 0..<n {
            for x in 0..<n {
                let r = ((Double(x) - c) * (Double(x) - c) + (Double(y) - c) * (Double(y) - c)).squareRoot()
                if r < 30 { inside.append(v.voxels[x + n * y]) }
                if r > 46 && r < 56 { air.append(v.voxels[x + n * y]) }
            }
        }
        return (inside, air)
    }
}
