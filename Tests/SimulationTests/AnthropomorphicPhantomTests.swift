import IQCore
import Testing
import Simulation

@Suite struct AnthropomorphicPhantomTests {
    /// Organ volumes of adult-like anatomy (ICRP 89 reference adults: liver
    /// 1.4–1.8 L, brain 1.2–1.5 L, kidneys ≈ 0.14 L each, lungs of several
    /// litres); ranges widened for the body-size variation the generator draws.
    @Test(arguments: [UInt64(1), 2, 3, 42, 1234])
    func organVolumesArePlausible(seed: UInt64) {
        let p = AnthropomorphicPhantom.random(seed: seed)
        func total(_ name: String) -> Double { p.regions.filter { $0.name == name }.reduce(0) { $0 + $1.shape.volumeML } }
        #expect((2500...8000).contains(total("lung")), "lungs \(total("lung")) mL")
        #expect((1000...3000).contains(total("liver")), "liver \(total("liver")) mL")
        #expect((900...2000).contains(total("brain")), "brain \(total("brain")) mL")
        #expect((150...500).contains(total("kidney")), "kidneys \(total("kidney")) mL")
        #expect(p.regions.filter { $0.name.hasPrefix("lesion") }.count >= 2)
    }

    /// The rendered occupancy of a solid sums to its analytic volume within
    /// 2 %: with 4³ sub-samples per voxel each boundary voxel's fraction is
    /// off by at most 1/64, and boundary errors of both signs largely cancel.
    @Test func occupancyMatchesAnalyticVolume() throws {
        let p = AnthropomorphicPhantom.random(seed: 7)
        let liver = try #require(p.region(named: "liver"))
        let occupancy = p.occupancy(of: "liver", spacingMM: SIMD3(4, 4, 4), matrix: 150, zRangeMM: liver.shape.zRange(paddingMM: 10), supersampling: 4)
        let rendered = occupancy.voxels.reduce(0.0) { $0 + Double($1) } * occupancy.voxelVolumeML
        #expect(abs(rendered / liver.shape.volumeML - 1) < 0.02, "rendered \(rendered) mL, analytic \(liver.shape.volumeML) mL")
    }

    /// Same seed, same image (bit for bit); another seed, another patient.
    @Test func deterministicPerSeed() {
        let a = AnthropomorphicPhantom.random(seed: 5).render(spacingMM: SIMD3(8, 8, 8), matrix: 64, zRangeMM: 300...600)
        let b = AnthropomorphicPhantom.random(seed: 5).render(spacingMM: SIMD3(8, 8, 8), matrix: 64, zRangeMM: 300...600)
        let c = AnthropomorphicPhantom.random(seed: 6).render(spacingMM: SIMD3(8, 8, 8), matrix: 64, zRangeMM: 300...600)
        #expect(a.voxels.map(\.bitPattern) == b.voxels.map(\.bitPattern))
        #expect(a.voxels != c.voxels)
    }

    /// Activities are in the right places: lungs colder than soft tissue,
    /// liver and brain hotter, air zero; unit Bq/mL.
    @Test func uptakeOrdering() throws {
        let p = AnthropomorphicPhantom.random(seed: 11, options: .init(lesionCount: 0...0))
        let v = p.render(spacingMM: SIMD3(4, 4, 4), matrix: 150, zRangeMM: p.bodyZRangeMM, supersampling: 1)
        #expect(v.unit == "Bq/mL")
        func value(at region: String) throws -> Float {
            let r = try #require(p.region(named: region))
            guard case .ellipsoid(let c, _) = r.shape else { return .nan }
            let i = (c - v.worldMM(.zero)) / v.spacingMM
            return v[Int(i.x.rounded()), Int(i.y.rounded()), Int(i.z.rounded())]
        }
        let torso = try #require(p.region(named: "torso"))
        #expect(try value(at: "lung") < Float(torso.activityBqML))
        #expect(try value(at: "liver") > Float(torso.activityBqML))
        #expect(try value(at: "brain") > Float(torso.activityBqML))
        #expect(v[0, 0, v.nz / 2] == 0)
    }
}

extension AnthropomorphicPhantom.Shape {
    func zRange(paddingMM: Double) -> ClosedRange<Double> {
        switch self {
        case .ellipsoid(let c, let s): return (c.z - s.z - paddingMM)...(c.z + s.z + paddingMM)
        case .cylinder(_, _, let z0, let z1): return (z0 - paddingMM)...(z1 + paddingMM)
        }
    }
}
