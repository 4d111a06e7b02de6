import Foundation
import IQCore

/// The result of `iqkit harmonize`: which Gaussian post-filters bring a
/// reconstruction's phantom RCs into a band set. `kind` is "harmonize".
public struct HarmonizationResult: Codable, Sendable {
    public struct SweepPoint: Codable, Sendable {
        public var fwhmMM: Double
        public var rcMax: [Double]
        public var rcMean: [Double]
        public var rcPeak: [Double]
        /// Smallest distance of any RC to its band edge, as a fraction of the band width (< 0: outside).
        public var margin: Double
        public var pass: Bool
    }
    public struct Applied: Codable, Sendable {
        public var input: String
        public var output: String
        public var inputSHA256: String
        public init(input: String, output: String, inputSHA256: String) {
            self.input = input
            self.output = output
            self.inputSHA256 = inputSHA256
        }
    }

    public var kind = "harmonize"
    public var phantom: String
    public var standard: NEMAResult.StandardInfo
    public var diametersMM: [Double]
    public var stepMM: Double
    public var maxFWHMMM: Double
    /// The widest contiguous range of passing filter FWHMs, or nil when none passes.
    public var feasibleFWHMMM: [Double]?
    public var feasibleIntervals: [[Double]]
    /// The passing FWHM with the largest margin to every band edge.
    public var recommendedFWHMMM: Double?
    public var reason: String
    /// Effective resolution of the phantom image before filtering, mm.
    public var effectiveFWHMMM: Double?
    public var sweep: [SweepPoint]
    public var applied: [Applied]
    public var provenance: Provenance
}

/// Finds the Gaussian post-filter that harmonizes a reconstruction: filters
/// the phantom image with FWHM 0…max in steps, re-measures every sphere
/// (localisation and background from the unfiltered image) and checks the
/// band set at each step.
public struct Harmonizer: Sendable {
    public var analyzer: NEMAAnalyzer
    public var stepMM = 0.1
    public var maxFWHMMM = 15.0

    public init(analyzer: NEMAAnalyzer) {
        self.analyzer = analyzer
    }

    public func search(_ v: Volume, path: String, standard: EARLStandard, provenance: Provenance) throws -> HarmonizationResult {
        let m = try analyzer.measure(v, path: path)
        let g = analyzer.geometry
        let diameters = g.spheres.map(\.diameterMM)
        // Work on a crop around the spheres: every sphere with 50 mm around it,
        // more than the reach of the widest kernel (4 sigma of 15 mm = 25.5 mm) plus the sphere.
        let s = v.spacingMM
        let margin = 50.0 + (diameters.max() ?? 37) / 2
        var lo = SIMD3<Int>(repeating: Int.max), hi = SIMD3<Int>(repeating: 0)
        for c in m.found.centersMM {
            for axis in 0..<3 {
                lo[axis] = min(lo[axis], max(0, Int(floor((c[axis] - margin) / s[axis]))))
                hi[axis] = max(hi[axis], min(v.dimensions[axis] - 1, Int(ceil((c[axis] + margin) / s[axis]))))
            }
        }
        let crop = Self.crop(v, lo: lo, hi: hi)
        let offset = SIMD3<Double>(Double(lo.x), Double(lo.y), Double(lo.z)) * s
        let centres = m.found.centersMM.map { $0 - offset }
        let truth = m.sphereTruth, background = m.background.mean
        let steps = Int((maxFWHMMM / stepMM).rounded()) + 1
        var points = [HarmonizationResult.SweepPoint?](repeating: nil, count: steps)
        let stepMM = self.stepMM
        points.withUnsafeMutableBufferPointer { buffer in
            let out = SharedBuffer(buffer.baseAddress!, count: buffer.count)
            parallelFor(steps) { k in
                let fwhm = Double(k) * stepMM
                let filtered = fwhm > 0 ? GaussianFilter(fwhmMM: fwhm, method: .direct).apply(to: crop) : crop
                let measured = g.spheres.indices.map {
                    SphereMeasurement.measure(filtered, centerMM: centres[$0], radiusMM: g.spheres[$0].radiusMM, background: background)
                }
                let rcMax = measured.map { $0.maxValue / truth }
                let rcMean = measured.map { $0.a50Mean / truth }
                let rcPeak = measured.map { $0.peakMean / truth }
                let margin = Self.margin(diameters: diameters, rcMax: rcMax, rcMean: rcMean, rcPeak: rcPeak, standard: standard)
                out[k] = .init(fwhmMM: fwhm, rcMax: rcMax, rcMean: rcMean, rcPeak: rcPeak, margin: margin, pass: margin >= 0)
            }
        }
        let sweep = points.compactMap { $0 }
        var intervals: [[Double]] = []
        var start: Double?
        for (i, p) in sweep.enumerated() {
            if p.pass && start == nil { start = p.fwhmMM }
            if let s0 = start, !p.pass || i == sweep.count - 1 {
                intervals.append([s0, p.pass ? p.fwhmMM : sweep[i - 1].fwhmMM])
                start = nil
            }
        }
        let widest = intervals.max { ($0[1] - $0[0]) < ($1[1] - $1[0]) }
        let recommended = sweep.filter(\.pass).max { $0.margin < $1.margin }?.fwhmMM
        let reason: String
        if let widest, let recommended {
            reason = String(format: "filters of %.1f–%.1f mm FWHM bring every RC into %@; %.1f mm keeps the largest margin to the band edges", widest[0], widest[1], standard.name, recommended)
        } else {
            reason = Self.explainInfeasible(sweep.first, diameters: diameters, standard: standard, maxFWHM: maxFWHMMM)
        }
        let fwhm = ResolutionFit.effectiveFWHM(
            v, centersMM: m.found.centersMM, radiiMM: g.spheres.map(\.radiusMM), wallMM: g.sphereWallMM, background: background)
        return HarmonizationResult(
            phantom: path, standard: .init(name: standard.name, version: standard.version, source: standard.source), diametersMM: diameters,
            stepMM: stepMM, maxFWHMMM: maxFWHMMM, feasibleFWHMMM: widest, feasibleIntervals: intervals, recommendedFWHMMM: recommended,
            reason: reason, effectiveFWHMMM: fwhm, sweep: sweep, applied: [], provenance: provenance)
    }

    /// min over checks of min(v − lo, hi − v) / (hi − lo); negative when any RC is outside its band.
    static func margin(diameters: [Double], rcMax: [Double], rcMean: [Double], rcPeak: [Double], standard: EARLStandard) -> Double {
        var worst = Double.infinity
        for i in diameters.indices {
            guard let b = standard.bands(diameterMM: diameters[i]) else { continue }
            var pairs = [(rcMax[i], b.rcMax), (rcMean[i], b.rcMean)]
            if let peak = b.rcPeak { pairs.append((rcPeak[i], peak)) }
            for (value, band) in pairs {
                let width = max(band[1] - band[0], 1e-9)
                worst = min(worst, min(value - band[0], band[1] - value) / width)
            }
        }
        return worst
    }

    static func explainInfeasible(_ unfiltered: HarmonizationResult.SweepPoint?, diameters: [Double], standard: EARLStandard, maxFWHM: Double) -> String {
        guard let p = unfiltered else { return "no filter was evaluated" }
        for i in diameters.indices {
            guard let b = standard.bands(diameterMM: diameters[i]) else { continue }
            if p.rcMean[i] < b.rcMean[0] || p.rcMax[i] < b.rcMax[0] {
                return String(
                    format: "no post-filter can reach %@: the reconstruction is already too smooth (without filtering the %.0f mm sphere has RCmax %.2f, RCmean %.2f, below the bands' lower limits %.2f, %.2f) and filtering only lowers RCs",
                    standard.name, diameters[i], p.rcMax[i], p.rcMean[i], b.rcMax[0], b.rcMean[0])
            }
        }
        return String(format: "no Gaussian filter of 0–%.0f mm FWHM brings every RC into %@ at once: the spheres' RCs cross their bands at different filter widths", maxFWHM, standard.name)
    }

    /// A copy of the voxels in lo...hi (inclusive), with the same spacing.
    static func crop(_ v: Volume, lo: SIMD3<Int>, hi: SIMD3<Int>) -> Volume {
        let nx = hi.x - lo.x + 1, ny = hi.y - lo.y + 1, nz = hi.z - lo.z + 1
        var voxels = [Float](repeating: 0, count: nx * ny * nz)
        for z in 0..<nz {
            for y in 0..<ny {
                let src = v.index(lo.x, lo.y + y, lo.z + z)
                let dst = nx * (y + ny * z)
                for x in 0..<nx { voxels[dst + x] = v.voxels[src + x] }
            }
        }
        return Volume(nx: nx, ny: ny, nz: nz, spacingMM: v.spacingMM, voxels: voxels, unit: v.unit)
    }
}
