import Foundation
import IQCore

/// A randomised anthropomorphic FDG-like PET activity map: body outline
/// (torso, neck, head, thighs, optional arms), lungs, liver, spleen, heart
/// (myocardium around a blood pool), kidneys, bladder, brain, spinal marrow
/// and spherical lesions.
///
/// Coordinates are in mm: x left–right, y anterior (−) to posterior (+), z
/// feet (−) to head (+), with z = 0 near the pelvic floor. Regions are drawn
/// in order, each over the previous ones (painter's order), so an organ
/// replaces the body background it lies in. Activities are in Bq/mL.
///
/// The output of `render` is a noise-free `Volume` of true activity; a
/// reconstruction model (resolution, PSF overshoot, noise) is applied after it.
public struct AnthropomorphicPhantom: Sendable, Codable {
    /// A solid whose inside holds one activity concentration.
    public enum Shape: Sendable, Codable, Equatable {
        /// Axis-aligned ellipsoid.
        case ellipsoid(centerMM: SIMD3<Double>, semiAxesMM: SIMD3<Double>)
        /// Elliptic cylinder along z from `zMinMM` to `zMaxMM`.
        case cylinder(centerXYMM: SIMD2<Double>, semiAxesMM: SIMD2<Double>, zMinMM: Double, zMaxMM: Double)

        @inline(__always)
        func contains(_ p: SIMD3<Double>) -> Bool {
            switch self {
            case .ellipsoid(let c, let s):
                let d = (p - c) / s
                return (d * d).sum() <= 1
            case .cylinder(let c, let s, let z0, let z1):
                if p.z < z0 || p.z > z1 { return false }
                let d = (SIMD2(p.x, p.y) - c) / s
                return (d * d).sum() <= 1
            }
        }

        /// Extent along z in mm.
        var zRangeMM: ClosedRange<Double> {
            switch self {
            case .ellipsoid(let c, let s): return (c.z - s.z)...(c.z + s.z)
            case .cylinder(_, _, let z0, let z1): return z0...z1
            }
        }

        /// The solid's own volume in mL (ignoring what is drawn over it).
        public var volumeML: Double {
            switch self {
            case .ellipsoid(_, let s): return 4.0 / 3.0 * Double.pi * s.x * s.y * s.z / 1000
            case .cylinder(_, let s, let z0, let z1): return Double.pi * s.x * s.y * (z1 - z0) / 1000
            }
        }
    }

    public struct Region: Sendable, Codable, Equatable {
        public var name: String
        public var shape: Shape
        /// Activity concentration in Bq/mL.
        public var activityBqML: Double
        public init(name: String, shape: Shape, activityBqML: Double) {
            self.name = name
            self.shape = shape
            self.activityBqML = activityBqML
        }
    }

    /// What `random` varies.
    public struct Options: Sendable, Codable, Equatable {
        /// Draw arms beside the torso (arms down).
        public var arms: Bool
        /// Number of lesions, inclusive range.
        public var lesionCount: ClosedRange<Int>
        /// Lesion diameters in mm.
        public var lesionDiameterMM: ClosedRange<Double>
        /// Lesion-to-local-background uptake ratio.
        public var lesionContrast: ClosedRange<Double>
        public init(arms: Bool = false, lesionCount: ClosedRange<Int> = 2...10, lesionDiameterMM: ClosedRange<Double> = 6...30, lesionContrast: ClosedRange<Double> = 2...12) {
            self.arms = arms
            self.lesionCount = lesionCount
            self.lesionDiameterMM = lesionDiameterMM
            self.lesionContrast = lesionContrast
        }
    }

    /// Regions in drawing order.
    public var regions: [Region]
    /// The seed the anatomy came from (nil when built by hand).
    public var seed: UInt64?

    public init(regions: [Region], seed: UInt64? = nil) {
        self.regions = regions
        self.seed = seed
    }

    /// The z range in mm that holds the body (for whole-body fields of view).
    public var bodyZRangeMM: ClosedRange<Double> {
        let ranges = regions.map(\.shape.zRangeMM)
        return (ranges.map(\.lowerBound).min() ?? 0)...(ranges.map(\.upperBound).max() ?? 0)
    }

    /// The first region of a name.
    public func region(named name: String) -> Region? { regions.first { $0.name == name } }

    /// A random patient: body size and girth, organ sizes and positions,
    /// uptake levels and lesions all drawn from `seed` (same seed, same patient).
    public static func random(seed: UInt64, options: Options = Options()) -> AnthropomorphicPhantom {
        var r = SimulationRandom(seed: seed)
        let s = r.uniform(0.88...1.12)  // height scale
        let w = r.uniform(0.85...1.25)  // girth scale
        let suv1 = r.uniform(2500...6000)  // Bq/mL of SUV 1: injected activity / weight after decay
        func j(_ range: ClosedRange<Double>) -> Double { r.uniform(range) }
        let torsoA = 165 * w, torsoB = 105 * w
        let shoulder = 620 * s
        var regions: [Region] = []
        func add(_ name: String, _ shape: Shape, suv: Double) { regions.append(Region(name: name, shape: shape, activityBqML: suv * suv1)) }
        let bodySUV = j(0.8...1.2)
        add("torso", .cylinder(centerXYMM: .zero, semiAxesMM: SIMD2(torsoA, torsoB), zMinMM: -60, zMaxMM: shoulder), suv: bodySUV)
        for side in [-1.0, 1.0] {
            add("thigh", .cylinder(centerXYMM: SIMD2(side * 80 * w, 0), semiAxesMM: SIMD2(72 * w, 72 * w), zMinMM: -460 * s, zMaxMM: -40), suv: bodySUV * 0.9)
        }
        if options.arms {
            for side in [-1.0, 1.0] {
                add("arm", .cylinder(centerXYMM: SIMD2(side * (torsoA + 48), 0), semiAxesMM: SIMD2(40, 42), zMinMM: 120 * s, zMaxMM: shoulder - 10), suv: bodySUV * 0.8)
            }
        }
        add("neck", .cylinder(centerXYMM: SIMD2(0, 10), semiAxesMM: SIMD2(55, 55), zMinMM: shoulder - 20, zMaxMM: shoulder + 90 * s), suv: bodySUV)
        let headZ = shoulder + 180 * s
        add("head", .ellipsoid(centerMM: SIMD3(0, 10, headZ), semiAxesMM: SIMD3(74, 94, 108) * s), suv: bodySUV * 0.8)
        add("brain", .ellipsoid(centerMM: SIMD3(0, 10, headZ + 10 * s), semiAxesMM: SIMD3(60, 78, 70) * s * j(0.92...1.08)), suv: j(5...9))
        add("marrow", .cylinder(centerXYMM: SIMD2(0, torsoB - 30), semiAxesMM: SIMD2(15, 15), zMinMM: 0, zMaxMM: shoulder + 60 * s), suv: j(1.4...2.4))
        let lungZ = shoulder - 150 * s + j(-15...15)
        for side in [-1.0, 1.0] {
            add("lung", .ellipsoid(centerMM: SIMD3(side * 72 * w, 5, lungZ), semiAxesMM: SIMD3(52 * w * j(0.9...1.1), 72 * w, 125 * s * j(0.9...1.1))), suv: j(0.25...0.45))
        }
        let heart = SIMD3(22 * w + j(-10...10), -25 * w, lungZ - 40 * s + j(-10...10))
        let heartScale = j(0.85...1.15)
        add("myocardium", .ellipsoid(centerMM: heart, semiAxesMM: SIMD3(50, 45, 55) * heartScale), suv: j(1.5...9))
        add("blood pool", .ellipsoid(centerMM: heart, semiAxesMM: SIMD3(33, 29, 38) * heartScale), suv: j(1.3...2.0))
        let liverZ = lungZ - 140 * s + j(-15...15)
        add("liver", .ellipsoid(centerMM: SIMD3(-65 * w, -5, liverZ), semiAxesMM: SIMD3(85 * w.squareRoot(), 70 * w.squareRoot(), 62 * s) * j(0.92...1.08)), suv: j(1.8...2.8))
        add("spleen", .ellipsoid(centerMM: SIMD3(85 * w, 40 * w, liverZ + 10), semiAxesMM: SIMD3(32, 48, 55) * j(0.8...1.2)), suv: j(1.6...2.6))
        let kidneyZ = liverZ - 80 * s
        let kidneySUV = j(2...5)
        for side in [-1.0, 1.0] {
            add("kidney", .ellipsoid(centerMM: SIMD3(side * 72 * w, 55 * w, kidneyZ + j(-10...10)), semiAxesMM: SIMD3(30, 27, 55) * j(0.85...1.15)), suv: kidneySUV)
        }
        add("bladder", .ellipsoid(centerMM: SIMD3(0, -20 * w, 30), semiAxesMM: SIMD3(45, 40, 40) * j(0.6...1.3)), suv: j(8...40))

        // Lesions in the lungs, the liver or soft tissue, with uptake relative to where they sit.
        let hosts = regions.filter { ["lung", "liver", "torso"].contains($0.name) }
        let count = Int(r.uniform(Double(options.lesionCount.lowerBound)...(Double(options.lesionCount.upperBound) + 0.999)))
        for i in 0..<count {
            guard let host = hosts.isEmpty ? nil : hosts[Int(r.next() % UInt64(hosts.count))] else { break }
            let centre = r.point(inside: host.shape)
            let radius = r.uniform(options.lesionDiameterMM) / 2
            let contrast = r.uniform(options.lesionContrast)
            // Against a lung's low activity, the ratio is taken to the soft-tissue level.
            let local = host.name == "lung" ? bodySUV * suv1 : host.activityBqML
            regions.append(Region(name: "lesion \(i + 1)", shape: .ellipsoid(centerMM: centre, semiAxesMM: SIMD3(repeating: radius)), activityBqML: local * contrast))
        }
        return AnthropomorphicPhantom(regions: regions, seed: seed)
    }

    /// The activity at a point (Bq/mL): the last region that contains it.
    @inline(__always)
    func activity(at p: SIMD3<Double>, candidates: [Region]) -> Double {
        var v = 0.0
        for region in candidates where region.shape.contains(p) { v = region.activityBqML }
        return v
    }

    /// Renders the activity map on a grid centred on x = y = 0.
    ///
    /// - Parameters:
    ///   - spacingMM: voxel size (x, y, z) in mm.
    ///   - matrix: in-plane voxels (nx = ny); the field of view is `matrix · spacing`.
    ///   - zRangeMM: axial extent (whole body: `bodyZRangeMM`; bed positions: a part of it).
    ///   - supersampling: sub-samples per axis for partial-volume voxels (≥ 1).
    /// - Returns: Bq/mL, unit "Bq/mL", axis-aligned geometry placing voxel (0,0,0) at its world position.
    public func render(spacingMM: SIMD3<Double>, matrix: Int, zRangeMM: ClosedRange<Double>, supersampling: Int = 2) -> Volume {
        render(spacingMM: spacingMM, matrix: matrix, zRangeMM: zRangeMM, supersampling: supersampling, regions: regions)
    }

    /// The fraction of each voxel inside one region's solid (0…1), ignoring
    /// what is drawn over it: `sum · voxel volume` estimates the solid's volume.
    public func occupancy(of name: String, spacingMM: SIMD3<Double>, matrix: Int, zRangeMM: ClosedRange<Double>, supersampling: Int = 2) -> Volume {
        let only = regions.filter { $0.name == name }.map { Region(name: $0.name, shape: $0.shape, activityBqML: 1) }
        var v = render(spacingMM: spacingMM, matrix: matrix, zRangeMM: zRangeMM, supersampling: supersampling, regions: only)
        v.unit = nil
        return v
    }

    private func render(spacingMM: SIMD3<Double>, matrix: Int, zRangeMM: ClosedRange<Double>, supersampling: Int, regions: [Region]) -> Volume {
        let n = max(1, matrix)
        let nz = max(1, Int(((zRangeMM.upperBound - zRangeMM.lowerBound) / spacingMM.z).rounded(.up)))
        let origin = SIMD3(-Double(n - 1) / 2 * spacingMM.x, -Double(n - 1) / 2 * spacingMM.y, zRangeMM.lowerBound + spacingMM.z / 2)
        let s = max(1, supersampling)
        let inv = 1.0 / Double(s * s * s)
        var voxels = [Float](repeating: 0, count: n * n * nz)
        voxels.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let out = SharedBuffer(base, count: buffer.count)
            parallelFor(nz) { z in
                let zc = origin.z + Double(z) * spacingMM.z
                // Only the regions that reach this slice.
                let slab = (zc - spacingMM.z)...(zc + spacingMM.z)
                let candidates = regions.filter { $0.shape.zRangeMM.overlaps(slab) }
                if candidates.isEmpty { return }
                for y in 0..<n {
                    for x in 0..<n {
                        let centre = origin + SIMD3(Double(x), Double(y), Double(z)) * spacingMM
                        var sum = 0.0
                        for sz in 0..<s {
                            for sy in 0..<s {
                                for sx in 0..<s {
                                    let offset = (SIMD3(Double(sx), Double(sy), Double(sz)) + 0.5) / Double(s) - 0.5
                                    sum += activity(at: centre + offset * spacingMM, candidates: candidates)
                                }
                            }
                        }
                        out[x + n * (y + n * z)] = Float(sum * inv)
                    }
                }
            }
        }
        return Volume(
            nx: n, ny: n, nz: nz, spacingMM: spacingMM, voxels: voxels,
            geometry: .axisAligned(spacingMM: spacingMM, originMM: origin), unit: "Bq/mL",
            descrip: "iqkit anthropomorphic phantom seed \(seed.map(String.init) ?? "none")")
    }

    /// The axial range of `count` bed positions of `axialFOVMM` each with
    /// `overlap` (0…1) between neighbours, centred on the chest.
    public func bedPositionsZRangeMM(count: Int, axialFOVMM: Double = 160, overlap: Double = 0.25) -> ClosedRange<Double> {
        let length = axialFOVMM * (1 + Double(max(1, count) - 1) * (1 - overlap))
        let lungs = region(named: "lung")?.shape.zRangeMM ?? bodyZRangeMM
        let centre = (lungs.lowerBound + lungs.upperBound) / 2
        return (centre - length / 2)...(centre + length / 2)
    }
}

/// The generator's random draws: iqkit's SplitMix64 on a seed of its own,
/// with the shape-sampling helpers the anatomy needs.
struct SimulationRandom {
    private var base: SplitMix64
    init(seed: UInt64) { base = SplitMix64(seed: seed ^ 0x5EED_A11A_7013_0001) }

    mutating func next() -> UInt64 { base.next() }

    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform point inside a shape (rejection sampling in its bounding box), kept 70 % from its surface.
    mutating func point(inside shape: AnthropomorphicPhantom.Shape) -> SIMD3<Double> {
        switch shape {
        case .ellipsoid(let c, let s):
            while true {
                let u = SIMD3(uniform(-1...1), uniform(-1...1), uniform(-1...1))
                if (u * u).sum() <= 0.49 { return c + u * s }
            }
        case .cylinder(let c, let s, let z0, let z1):
            while true {
                let u = SIMD2(uniform(-1...1), uniform(-1...1))
                if (u * u).sum() <= 0.49 { return SIMD3(c.x + u.x * s.x, c.y + u.y * s.y, uniform((z0 + 0.2 * (z1 - z0))...(z1 - 0.2 * (z1 - z0)))) }
            }
        }
    }
}
