import Foundation

/// The native voxel sizes of the scans a model was trained on: what it has
/// been shown to read. `earl check` labels a scan outside them all the
/// same, with a warning that the label is an extrapolation (a 50 mm voxel
/// image got "earl2" at P = 1.000 from the shipped model without one).
///
/// In the model file: `"domain": {"inPlaneVoxelMM": [lo, hi],
/// "axialVoxelMM": [lo, hi], "scans": n}`; models written before it have
/// none, and then nothing is checked.
public struct ScanDomain: Codable, Equatable, Sendable {
    /// Smallest and largest in-plane (x and y) voxel size of the training scans, mm.
    public var inPlaneVoxelMM: ClosedRange<Double>
    /// Smallest and largest slice spacing (z) of the training scans, mm.
    public var axialVoxelMM: ClosedRange<Double>
    /// Training scans the ranges come from.
    public var scans: Int

    /// How far outside the training ranges a voxel size may lie, as a
    /// fraction of the range's ends, before a warning: the test corpora's
    /// 2.00 mm slices lie 3 % under the shipped corpus's smallest, 2.06 mm,
    /// and the robustness tests read them alike.
    public static let tolerance = 0.10

    public init(inPlaneVoxelMM: ClosedRange<Double>, axialVoxelMM: ClosedRange<Double>, scans: Int) {
        self.inPlaneVoxelMM = inPlaneVoxelMM
        self.axialVoxelMM = axialVoxelMM
        self.scans = scans
    }

    /// The domain of these scans' voxel sizes; nil for none.
    public init?(spacings: [SIMD3<Double>]) {
        guard !spacings.isEmpty else { return nil }
        let inPlane = spacings.flatMap { [$0.x, $0.y] }, axial = spacings.map(\.z)
        self.init(inPlaneVoxelMM: inPlane.min()!...inPlane.max()!, axialVoxelMM: axial.min()!...axial.max()!, scans: spacings.count)
    }

    /// The domain covering both (models joined into an ensemble).
    public func union(_ other: ScanDomain) -> ScanDomain {
        ScanDomain(
            inPlaneVoxelMM: min(inPlaneVoxelMM.lowerBound, other.inPlaneVoxelMM.lowerBound)...max(inPlaneVoxelMM.upperBound, other.inPlaneVoxelMM.upperBound),
            axialVoxelMM: min(axialVoxelMM.lowerBound, other.axialVoxelMM.lowerBound)...max(axialVoxelMM.upperBound, other.axialVoxelMM.upperBound),
            scans: scans + other.scans)
    }

    /// Why a scan with these voxel sizes lies outside the domain (beyond
    /// `tolerance`), or nil when it lies inside.
    public func warning(for spacing: SIMD3<Double>) -> String? {
        func widened(_ r: ClosedRange<Double>) -> ClosedRange<Double> { r.lowerBound * (1 - Self.tolerance)...r.upperBound * (1 + Self.tolerance) }
        func text(_ r: ClosedRange<Double>) -> String { String(format: "%.2f–%.2f mm", r.lowerBound, r.upperBound) }
        let inside = widened(inPlaneVoxelMM).contains(spacing.x) && widened(inPlaneVoxelMM).contains(spacing.y) && widened(axialVoxelMM).contains(spacing.z)
        guard !inside else { return nil }
        return String(format: "voxels %.2f×%.2f×%.2f mm", spacing.x, spacing.y, spacing.z)
            + " lie outside the model's training scans (\(text(inPlaneVoxelMM)) in plane, \(text(axialVoxelMM)) axially, "
            + "±\(Int((Self.tolerance * 100).rounded())) %): the label is an extrapolation"
    }
}
