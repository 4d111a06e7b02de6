import Foundation
import IQCore

/// Finds the IEC phantom's spheres and pose in an image automatically, or
/// takes them from a manual override.
///
/// Automatic: smooth, estimate the background level (median of the body),
/// threshold the hot objects, label them, take the largest sphere-sized
/// objects as the largest spheres, fit the ring template to their centroids
/// (Kabsch, reflections allowed for mirrored storage), predict the small
/// spheres from the fit, refine every centre by a matched filter, and refit.
/// A poor fit is refused rather than measured.
public struct NEMALocalizer: Sendable {
    public var geometry: IECPhantomGeometry
    /// A fit whose RMS residual exceeds this (mm) means "not an IEC phantom".
    public var maxFitRMSMM = 6.0

    public init(geometry: IECPhantomGeometry) {
        self.geometry = geometry
    }

    public struct Found: Sendable {
        /// Sphere centres in grid mm, in geometry order.
        public var centersMM: [SIMD3<Double>]
        public var pose: PhantomPose
        public var fitRMSMM: Double
        public var spheresDetected: Int
        public var method: String
    }

    /// - Throws: `InputError.invalidData` naming the image when it does not look like an IEC phantom.
    public func locate(_ v: Volume, path: String) throws -> Found {
        func refuse(_ why: String) -> InputError {
            .invalidData(path: path, problem: "does not look like a NEMA IEC body phantom (\(why)); give the sphere centres with --centers")
        }
        let spacing = v.spacingMM
        let smoothed = GaussianFilter(fwhmMM: max(6, 1.5 * spacing.max())).apply(to: v)
        let finite = smoothed.voxels.filter(\.isFinite)
        guard let top = Statistics.quantiles(finite, [0.9999]).first, top > 0 else { throw refuse("no positive activity") }
        let body = finite.filter { Double($0) > 0.05 * top }
        let level = Statistics.median(body)
        guard level.isFinite, level > 0, top > 2 * level else { throw refuse("no hot objects above the background") }
        let threshold = Float(level + 0.4 * (top - level))
        let mask = smoothed.voxels.map { $0 > threshold }
        let voxelML = v.voxelVolumeML
        let diameters = geometry.spheres.map(\.diameterMM).sorted(by: >)
        // Objects of a plausible sphere size, largest first.
        let maxML = 4.0 / 3.0 * Double.pi * pow((diameters[0] / 2 + 8) / 10, 3)
        let components = ConnectedComponents.components(mask, nx: v.nx, ny: v.ny, nz: v.nz, minimumSize: 2)
            .filter { Double($0.count) * voxelML <= maxML }
        guard components.count >= 3 else { throw refuse("found \(components.count) hot object(s) of sphere size, need at least 3") }

        func centroid(_ c: ConnectedComponents.Component) -> SIMD3<Double> {
            var sum = SIMD3<Double>.zero
            var weight = 0.0
            for i in c.voxels {
                let w = Double(smoothed.voxels[i]) - level
                let p = SIMD3<Double>(Double(i % v.nx), Double((i / v.nx) % v.ny), Double(i / (v.nx * v.ny))) * spacing
                sum += p * w
                weight += w
            }
            return sum / max(weight, 1e-12)
        }
        let template = geometry.sphereCentersMM
        let orderBySize = geometry.spheres.indices.sorted { geometry.spheres[$0].diameterMM > geometry.spheres[$1].diameterMM }
        let used = min(4, components.count)
        let measured = components.prefix(used).map(centroid)
        guard var fit = RigidFit.fit(from: orderBySize.prefix(used).map { template[$0] }, to: Array(measured), allowReflection: true) else {
            throw refuse("the hot objects are collinear")
        }
        if fit.rms > maxFitRMSMM && used == 4 {
            // The fourth object may be noise or a stem: retry with the three largest.
            if let three = RigidFit.fit(from: orderBySize.prefix(3).map { template[$0] }, to: Array(measured.prefix(3)), allowReflection: true),
                three.rms < fit.rms
            {
                fit = three
            }
        }
        guard fit.rms <= maxFitRMSMM else {
            throw refuse(String(format: "the largest hot objects do not sit on the sphere ring (fit error %.1f mm)", fit.rms))
        }
        var pose = PhantomPose(rotation: fit.rotation, translationMM: [fit.translation.x, fit.translation.y, fit.translation.z])
        // Refine every sphere (small ones predicted by the fit) with a matched filter, then refit on all six.
        let refined = geometry.spheres.indices.map { i in
            refine(smoothed, near: pose.toWorld(template[i]), radiusMM: geometry.spheres[i].radiusMM, background: level)
        }
        if let all = RigidFit.fit(from: template, to: refined, allowReflection: true) {
            pose = PhantomPose(rotation: all.rotation, translationMM: [all.translation.x, all.translation.y, all.translation.z])
            guard all.rms <= maxFitRMSMM else {
                throw refuse(String(format: "the spheres do not sit on the ring (fit error %.1f mm)", all.rms))
            }
            fit.rms = all.rms
        }
        return Found(centersMM: refined, pose: pose, fitRMSMM: fit.rms, spheresDetected: used, method: "automatic")
    }

    /// The position near `start` that maximises the mean inside a ball of the
    /// sphere's radius, searched on the voxel grid ±1 voxel around the start,
    /// then refined per axis by a parabola through the neighbours.
    func refine(_ v: Volume, near start: SIMD3<Double>, radiusMM r: Double, background: Double) -> SIMD3<Double> {
        let s = v.spacingMM
        func ballMean(_ c: SIMD3<Double>) -> Double {
            let lo = SIMD3<Int>((0..<3).map { max(0, Int(floor((c[$0] - r) / s[$0]))) })
            let hi = SIMD3<Int>((0..<3).map { min(v.dimensions[$0] - 1, Int(ceil((c[$0] + r) / s[$0]))) })
            guard lo.x <= hi.x, lo.y <= hi.y, lo.z <= hi.z else { return -.infinity }
            var sum = 0.0
            var n = 0
            for z in lo.z...hi.z {
                for y in lo.y...hi.y {
                    for x in lo.x...hi.x {
                        let d = SIMD3<Double>(Double(x), Double(y), Double(z)) * s - c
                        if (d * d).sum() <= r * r {
                            sum += Double(v[x, y, z])
                            n += 1
                        }
                    }
                }
            }
            return n > 0 ? sum / Double(n) : -.infinity
        }
        var best = start
        var bestValue = ballMean(start)
        for _ in 0..<4 {
            var moved = false
            for axis in 0..<3 {
                for step in [-1.0, 1.0] {
                    var c = best
                    c[axis] += step * s[axis]
                    let value = ballMean(c)
                    if value > bestValue {
                        bestValue = value
                        best = c
                        moved = true
                    }
                }
            }
            if !moved { break }
        }
        // Sub-voxel: a parabola through best ± half a voxel on each axis.
        var refined = best
        for axis in 0..<3 {
            var minus = best, plus = best
            minus[axis] -= 0.5 * s[axis]
            plus[axis] += 0.5 * s[axis]
            let a = ballMean(minus), b = bestValue, c = ballMean(plus)
            let denominator = a - 2 * b + c
            if denominator < 0 {
                let offset = 0.5 * (a - c) / denominator
                refined[axis] += min(max(offset, -1), 1) * 0.5 * s[axis]
            }
        }
        return refined
    }

    /// Centres given by the user. The file lists, per sphere, `diameterMM`
    /// and either `voxel: [i, j, k]` (0-based indices) or `mm: [x, y, z]`
    /// (grid millimetres, index × spacing).
    public struct ManualCenters: Codable, Sendable {
        public struct Entry: Codable, Sendable {
            public var diameterMM: Double
            public var voxel: [Double]?
            public var mm: [Double]?
        }
        public var spheres: [Entry]
    }

    public func manual(_ file: String, volume v: Volume) throws -> Found {
        let spec = try DataFile.decodeYAML(ManualCenters.self, from: file)
        var centres: [SIMD3<Double>] = []
        for sphere in geometry.spheres {
            guard let entry = spec.spheres.first(where: { abs($0.diameterMM - sphere.diameterMM) < 0.5 }) else {
                throw InputError.invalidData(path: file, problem: "no centre for the \(Int(sphere.diameterMM)) mm sphere")
            }
            if let voxel = entry.voxel, voxel.count == 3, voxel.allSatisfy(\.isFinite) {
                centres.append(SIMD3(voxel[0], voxel[1], voxel[2]) * v.spacingMM)
            } else if let mm = entry.mm, mm.count == 3, mm.allSatisfy(\.isFinite) {
                centres.append(SIMD3(mm[0], mm[1], mm[2]))
            } else {
                throw InputError.invalidData(path: file, problem: "the \(Int(sphere.diameterMM)) mm sphere needs voxel: [i, j, k] or mm: [x, y, z]")
            }
            let c = centres.last!
            for axis in 0..<3 where c[axis] < 0 || c[axis] > Double(v.dimensions[axis] - 1) * v.spacingMM[axis] {
                throw InputError.invalidData(path: file, problem: "the \(Int(sphere.diameterMM)) mm sphere's centre lies outside the image")
            }
        }
        guard let fit = RigidFit.fit(from: geometry.sphereCentersMM, to: centres, allowReflection: true) else {
            throw InputError.invalidData(path: file, problem: "the centres are collinear")
        }
        return Found(
            centersMM: centres, pose: PhantomPose(rotation: fit.rotation, translationMM: [fit.translation.x, fit.translation.y, fit.translation.z]),
            fitRMSMM: fit.rms, spheresDetected: centres.count, method: "manual")
    }
}
