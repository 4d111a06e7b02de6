import Foundation
import IQCore

/// A digital copy of the CT lung-vessel phantom: a branching tree of
/// cylinders (radius 4.25 mm down to 0.1 mm, bifurcations following Murray's
/// law r0³ = r1³ + r2³) in air, inside an elliptic PMMA thorax-shaped holder.
public struct VesselTreePhantom: Sendable, Codable {
    /// One straight vessel segment (a capsule: cylinder with round ends, so
    /// that joints are smooth).
    public struct Segment: Sendable, Codable {
        public var startMM: SIMD3<Double>
        public var endMM: SIMD3<Double>
        public var radiusMM: Double
        public var generation: Int
        public init(startMM: SIMD3<Double>, endMM: SIMD3<Double>, radiusMM: Double, generation: Int = 0) {
            self.startMM = startMM
            self.endMM = endMM
            self.radiusMM = radiusMM
            self.generation = generation
        }
    }

    public var seed: UInt64 = 1
    public var trunkRadiusMM = 4.25
    public var minRadiusMM = 0.1
    public var maxGenerations = 10
    /// Segment length as a multiple of its radius, clamped to 3…30 mm.
    public var lengthPerRadius = 7.0
    /// HU of the printed material, PMMA and air.
    public var vesselHU = 100.0
    public var pmmaHU = 120.0
    public var airHU = -1000.0
    /// Holder wall thickness in mm; its outer ellipse fills this fraction of the field of view.
    public var wallMM = 8.0
    public var holderFraction = 0.92

    public init() {}

    /// The ground truth that comes with a rendered phantom.
    public struct Truth: Sendable {
        /// Vessel fraction per voxel (0…1).
        public var fraction: Volume
        /// Radius (mm) of the thickest segment whose capsule holds the voxel centre; 0 elsewhere.
        public var radiusMM: Volume
        /// True radius (mm) on voxels crossed by a segment axis; 0 elsewhere.
        public var centreline: Volume
        public var segments: [Segment]
        /// Σ fraction × voxel volume: the partial-volume integral of the tree, mL.
        public var volumeML: Double
    }

    /// Holder ellipse semi-axes (outer) for a field of view.
    func holderAxesMM(fovMM: SIMD2<Double>) -> SIMD2<Double> { fovMM * holderFraction / 2 }

    /// Grows the tree inside the holder's cavity.
    public func segments(fovMM: SIMD3<Double>) -> [Segment] {
        var rng = SplitMix64(seed: seed)
        let outer = holderAxesMM(fovMM: SIMD2(fovMM.x, fovMM.y))
        let inner = outer - wallMM - 4
        let halfZ = fovMM.z / 2 - 3
        func inside(_ p: SIMD3<Double>, _ r: Double) -> Bool {
            let ex = p.x / (inner.x - r), ey = p.y / (inner.y - r)
            return ex * ex + ey * ey <= 1 && abs(p.z) <= halfZ - r
        }
        var out: [Segment] = []
        // (start, direction, radius, generation)
        var stack: [(SIMD3<Double>, SIMD3<Double>, Double, Int)] = [(SIMD3(-inner.x + trunkRadiusMM + 2, 0, 0), SIMD3(1, 0, 0), trunkRadiusMM, 0)]
        while let (start, dir, r, gen) = stack.popLast() {
            if r < minRadiusMM || gen > maxGenerations || out.count > 4000 { continue }
            var length = min(max(lengthPerRadius * r, 3), 30)
            while length > 1.5 * r && !inside(start + dir * length, r) { length *= 0.8 }
            if length <= 1.5 * r && gen > 0 { continue }
            let end = start + dir * length
            out.append(Segment(startMM: start, endMM: end, radiusMM: r, generation: gen))
            // Murray's law with asymmetry k = r2/r1 in 0.45…1.
            let k = 0.45 + 0.55 * rng.nextUniform()
            let r1 = r / pow(1 + k * k * k, 1.0 / 3)
            let r2 = k * r1
            // Branch plane turns by about 90° per generation (as in lungs).
            let (u, v) = orthonormalPair(dir)
            let phi = Double(gen) * Double.pi / 2 + 0.6 * (rng.nextUniform() - 0.5)
            let n = u * cos(phi) + v * sin(phi)
            // Angles from Murray's optimum: the thinner child turns more.
            let a1 = 0.35 + 0.2 * rng.nextUniform()
            let a2 = 0.7 + 0.3 * rng.nextUniform()
            let d1 = normalize(dir * cos(a1) + n * sin(a1))
            let d2 = normalize(dir * cos(a2) - n * sin(a2))
            stack.append((end, d2, r2, gen + 1))
            stack.append((end, d1, r1, gen + 1))
        }
        return out
    }

    /// Renders the phantom in HU with partial-volume supersampling
    /// (`supersampling`³ points per voxel near surfaces) and its truth.
    /// - Parameters:
    ///   - segments: the tube segments in mm about the grid centre; nil grows the tree.
    ///   - holder: draw the PMMA holder.
    public func render(
        nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>, supersampling: Int = 3, segments given: [Segment]? = nil, holder: Bool = true
    ) -> (image: Volume, truth: Truth) {
        let fov = SIMD3<Double>(Double(nx), Double(ny), Double(nz)) * spacingMM
        let origin = -SIMD3<Double>(Double(nx - 1), Double(ny - 1), Double(nz - 1)) * spacingMM / 2
        let segs = given ?? segments(fovMM: fov)
        let count = nx * ny * nz
        let s = max(1, min(supersampling, 4))
        let samples = s * s * s
        let full = samples == 64 ? UInt64.max : (UInt64(1) << UInt64(samples)) - 1
        var bits = [UInt64](repeating: 0, count: count)
        var radius = [Float](repeating: 0, count: count)
        var centre = [Float](repeating: 0, count: count)
        let halfDiagonal = (spacingMM * spacingMM).sum().squareRoot() / 2
        for seg in segs {
            let lo = pointwiseMin(seg.startMM, seg.endMM) - seg.radiusMM - halfDiagonal
            let hi = pointwiseMax(seg.startMM, seg.endMM) + seg.radiusMM + halfDiagonal
            let i0 = SIMD3<Int>(((lo - origin) / spacingMM).rounded(.down)), i1 = SIMD3<Int>(((hi - origin) / spacingMM).rounded(.up))
            let b0 = pointwiseMax(i0, .zero), b1 = pointwiseMin(i1, SIMD3(nx - 1, ny - 1, nz - 1))
            if any(b0 .> b1) { continue }
            for z in b0.z...b1.z {
                for y in b0.y...b1.y {
                    for x in b0.x...b1.x {
                        let c = origin + SIMD3(Double(x), Double(y), Double(z)) * spacingMM
                        let d = distanceToSegment(c, seg.startMM, seg.endMM)
                        let i = x + nx * (y + ny * z)
                        if d <= seg.radiusMM && Float(seg.radiusMM) > radius[i] { radius[i] = Float(seg.radiusMM) }
                        if d <= seg.radiusMM - halfDiagonal {
                            bits[i] = full
                        } else if d < seg.radiusMM + halfDiagonal && bits[i] != full {
                            var b: UInt64 = 0
                            var k = 0
                            for sz in 0..<s {
                                for sy in 0..<s {
                                    for sx in 0..<s {
                                        let o = (SIMD3(Double(sx), Double(sy), Double(sz)) + 0.5) / Double(s) - 0.5
                                        if distanceToSegment(c + o * spacingMM, seg.startMM, seg.endMM) <= seg.radiusMM { b |= UInt64(1) << UInt64(k) }
                                        k += 1
                                    }
                                }
                            }
                            bits[i] |= b
                        }
                    }
                }
            }
            // Centreline: sample the axis every quarter voxel.
            let len = ((seg.endMM - seg.startMM) * (seg.endMM - seg.startMM)).sum().squareRoot()
            let steps = max(1, Int(len / (spacingMM.min() / 4)))
            for t in 0...steps {
                let p = seg.startMM + (seg.endMM - seg.startMM) * (Double(t) / Double(steps))
                let idx = SIMD3<Int>(((p - origin) / spacingMM).rounded(.toNearestOrAwayFromZero))
                if idx.x < 0 || idx.y < 0 || idx.z < 0 || idx.x >= nx || idx.y >= ny || idx.z >= nz { continue }
                let i = idx.x + nx * (idx.y + ny * idx.z)
                if Float(seg.radiusMM) > centre[i] { centre[i] = Float(seg.radiusMM) }
            }
        }
        let outer = holderAxesMM(fovMM: SIMD2(fov.x, fov.y))
        let inner = outer - wallMM
        var image = [Float](repeating: 0, count: count)
        var fraction = [Float](repeating: 0, count: count)
        var total = 0.0
        for z in 0..<nz {
            for y in 0..<ny {
                for x in 0..<nx {
                    let i = x + nx * (y + ny * z)
                    let f = Double(bits[i].nonzeroBitCount) / Double(samples)
                    // Holder fraction by supersampling in-plane (the holder is a prism along z).
                    var inWall = 0
                    for sy in 0..<s {
                        for sx in 0..<s {
                            let px = origin.x + (Double(x) + (Double(sx) + 0.5) / Double(s) - 0.5) * spacingMM.x
                            let py = origin.y + (Double(y) + (Double(sy) + 0.5) / Double(s) - 0.5) * spacingMM.y
                            let eo = (px / outer.x) * (px / outer.x) + (py / outer.y) * (py / outer.y)
                            let ei = (px / inner.x) * (px / inner.x) + (py / inner.y) * (py / inner.y)
                            if holder && eo <= 1 && ei > 1 { inWall += 1 }
                        }
                    }
                    let w = Double(inWall) / Double(s * s)
                    image[i] = Float(airHU + f * (vesselHU - airHU) + w * (pmmaHU - airHU))
                    fraction[i] = Float(f)
                    total += f
                }
            }
        }
        let geometry = VolumeGeometry.axisAligned(spacingMM: spacingMM, originMM: origin)
        func vol(_ v: [Float], _ unit: String?, _ d: String) -> Volume {
            Volume(nx: nx, ny: ny, nz: nz, spacingMM: spacingMM, voxels: v, geometry: geometry, unit: unit, descrip: d)
        }
        let truth = Truth(
            fraction: vol(fraction, nil, "iqkit vessel phantom: vessel fraction"), radiusMM: vol(radius, "mm", "iqkit vessel phantom: radius"),
            centreline: vol(centre, "mm", "iqkit vessel phantom: centreline radius"), segments: segs,
            volumeML: total * spacingMM.x * spacingMM.y * spacingMM.z / 1000)
        return (vol(image, "HU", "iqkit vessel phantom (noise-free)"), truth)
    }
}

func distanceToSegment(_ p: SIMD3<Double>, _ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
    let ab = b - a
    let l2 = (ab * ab).sum()
    let t = l2 > 0 ? min(max(((p - a) * ab).sum() / l2, 0), 1) : 0
    let d = p - (a + ab * t)
    return (d * d).sum().squareRoot()
}

func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> { v / (v * v).sum().squareRoot() }

/// Two unit vectors orthogonal to `d` and to each other.
func orthonormalPair(_ d: SIMD3<Double>) -> (SIMD3<Double>, SIMD3<Double>) {
    let helper: SIMD3<Double> = abs(d.z) < 0.9 ? SIMD3(0, 0, 1) : SIMD3(1, 0, 0)
    let u = normalize(cross(d, helper))
    return (u, cross(d, u))
}

func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}


