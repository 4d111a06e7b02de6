import Foundation

/// What the scans a model was trained on looked like: their native voxel
/// sizes and their noise. `earl check` labels a scan outside them all the
/// same, with a warning that the label is an extrapolation (a 50 mm voxel
/// image got "earl2" at P = 1.000 from the shipped model without one, and
/// a cube of uniform noise "clinical" at P = 1.000).
///
/// In the model file: `"domain": {"inPlaneVoxelMM": [lo, hi],
/// "axialVoxelMM": [lo, hi], "edgeNoise": [lo, hi], "scans": n}`. Models
/// written before it have none, and then nothing is checked; models written
/// before `edgeNoise` have voxel sizes only, and only those are checked.
public struct ScanDomain: Codable, Equatable, Sendable {
    /// Smallest and largest in-plane (x and y) voxel size of the training scans, mm.
    public var inPlaneVoxelMM: ClosedRange<Double>
    /// Smallest and largest slice spacing (z) of the training scans, mm.
    public var axialVoxelMM: ClosedRange<Double>
    /// Smallest and largest `PreparedScan.edgeNoise` of the training scans
    /// (the edge image's robust spread over the body median); nil when unknown.
    public var edgeNoise: ClosedRange<Double>?
    /// Training scans the ranges come from.
    public var scans: Int

    /// How far outside the training ranges a voxel size may lie, as a
    /// fraction of the range's ends, before a warning: the test corpora's
    /// 2.00 mm slices lie 3 % under the shipped corpus's smallest, 2.06 mm,
    /// and the robustness tests read them alike.
    public static let tolerance = 0.10

    /// The same for the edge noise, wider because 120 training scans do
    /// not reach the ends of the noise levels they were drawn from: the
    /// shipped model's training scans span 2.66–12.9 %, and its three test
    /// corpora, drawn from the same protocols and noise levels (660 scans),
    /// reach 11 % below and 19 % above that; 25 % keeps them all quiet.
    public static let noiseTolerance = 0.25

    public init(inPlaneVoxelMM: ClosedRange<Double>, axialVoxelMM: ClosedRange<Double>, edgeNoise: ClosedRange<Double>? = nil, scans: Int) {
        self.inPlaneVoxelMM = inPlaneVoxelMM
        self.axialVoxelMM = axialVoxelMM
        self.edgeNoise = edgeNoise
        self.scans = scans
    }

    /// The domain of these scans' voxel sizes and, when every scan's is
    /// known, edge noise; nil for none.
    public init?(spacings: [SIMD3<Double>], edgeNoises: [Double]? = nil) {
        guard !spacings.isEmpty else { return nil }
        let inPlane = spacings.flatMap { [$0.x, $0.y] }, axial = spacings.map(\.z)
        let noise = edgeNoises.flatMap { n in n.count == spacings.count && n.allSatisfy(\.isFinite) ? n.min()!...n.max()! : nil }
        self.init(inPlaneVoxelMM: inPlane.min()!...inPlane.max()!, axialVoxelMM: axial.min()!...axial.max()!, edgeNoise: noise, scans: spacings.count)
    }

    /// The domain of these prepared scans.
    public init?(scans: [PreparedScan]) {
        self.init(spacings: scans.map(\.nativeSpacingMM), edgeNoises: scans.map(\.edgeNoise))
    }

    /// The domain covering both (models joined into an ensemble); the edge
    /// noise only when both know theirs.
    public func union(_ other: ScanDomain) -> ScanDomain {
        func join(_ a: ClosedRange<Double>, _ b: ClosedRange<Double>) -> ClosedRange<Double> { min(a.lowerBound, b.lowerBound)...max(a.upperBound, b.upperBound) }
        return ScanDomain(
            inPlaneVoxelMM: join(inPlaneVoxelMM, other.inPlaneVoxelMM), axialVoxelMM: join(axialVoxelMM, other.axialVoxelMM),
            edgeNoise: edgeNoise.flatMap { a in other.edgeNoise.map { join(a, $0) } }, scans: scans + other.scans)
    }

    /// "2.05–4.19 mm in plane, 2.06–4.17 mm axially"
    var voxelText: String {
        func text(_ r: ClosedRange<Double>) -> String { String(format: "%.2f–%.2f mm", r.lowerBound, r.upperBound) }
        return "\(text(inPlaneVoxelMM)) in plane, \(text(axialVoxelMM)) axially"
    }

    /// "2.7 %–12.9 %", or nil without a noise range.
    var noiseText: String? { edgeNoise.map { "\(Self.percentText($0.lowerBound))–\(Self.percentText($0.upperBound))" } }

    static func percentText(_ v: Double) -> String { v.isFinite ? String(format: "%.1f %%", v * 100) : "undefined" }

    /// What the domain holds, for people: "voxels 2.05–4.19 mm in plane,
    /// 2.06–4.17 mm axially (±10 %), edge-image noise 2.7 %–12.9 % of the
    /// body median (±25 %), from 120 scans".
    public var summary: String {
        "voxels \(voxelText) (\(Self.toleranceText(Self.tolerance)))"
            + (noiseText.map { ", edge-image noise \($0) of the body median (\(Self.toleranceText(Self.noiseTolerance)))" } ?? "")
            + ", from \(scans) scans"
    }

    static func toleranceText(_ t: Double) -> String { "±\(Int((t * 100).rounded())) %" }

    /// Why a scan with these voxel sizes and this edge noise lies outside
    /// the domain (beyond the tolerances), one line per reason; empty when
    /// it lies inside. A NaN edge noise (a flat edge image) is outside any
    /// known noise range.
    public func warnings(spacing: SIMD3<Double>, edgeNoise noise: Double) -> [String] {
        var lines: [String] = []
        let voxels = Self.widened(inPlaneVoxelMM, Self.tolerance), slices = Self.widened(axialVoxelMM, Self.tolerance)
        if !(voxels.contains(spacing.x) && voxels.contains(spacing.y) && slices.contains(spacing.z)) {
            lines.append(
                String(format: "voxels %.2f×%.2f×%.2f mm", spacing.x, spacing.y, spacing.z)
                    + " lie outside the model's training scans (\(voxelText), \(Self.toleranceText(Self.tolerance))): the label is an extrapolation")
        }
        if let noiseText, edgeNoiseIsInside(noise) == false {
            lines.append(
                "edge-image noise \(Self.percentText(noise)) of the body median lies outside the model's training scans "
                    + "(\(noiseText), \(Self.toleranceText(Self.noiseTolerance))): the label is an extrapolation (is this a PET image of a patient?)")
        }
        return lines
    }

    /// Whether an edge noise lies within the training scans' (± `noiseTolerance`;
    /// NaN never does); nil when the domain has no noise range.
    public func edgeNoiseIsInside(_ noise: Double) -> Bool? {
        edgeNoise.map { noise.isFinite && Self.widened($0, Self.noiseTolerance).contains(noise) }
    }

    /// The range with each end moved outwards by the fraction `t` of itself.
    static func widened(_ r: ClosedRange<Double>, _ t: Double) -> ClosedRange<Double> { r.lowerBound * (1 - t)...r.upperBound * (1 + t) }

    /// `warnings(spacing:edgeNoise:)` of a prepared scan.
    public func warnings(for scan: PreparedScan) -> [String] {
        warnings(spacing: scan.nativeSpacingMM, edgeNoise: scan.edgeNoise)
    }
}
