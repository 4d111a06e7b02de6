import EARLClassifier
import Foundation
import IQCore
import PETQuality
import Simulation

/// One reconstruction setting of a simulated scanner: the reconstruction
/// model (resolution, PSF overshoot, noise) and the voxel size it writes.
public struct ReconstructionSetting: Codable, Sendable, Equatable {
    public var fwhmMM: Double
    public var psfOvershoot: Double
    /// Voxel COV at the reference concentration (see `PETReconstructionModel`).
    public var noiseCOV: Double
    public var voxelMM: [Double]
    /// FWHM (mm) of the noise's texture when it is not the resolution's (see
    /// `PETReconstructionModel.noiseTextureFWHMMM`); nil in corpora made
    /// without `PatientCorpus.Options.noiseTextureSpread`.
    public var noiseTextureFWHMMM: Double?

    public init(fwhmMM: Double, psfOvershoot: Double, noiseCOV: Double, voxelMM: SIMD3<Double>) {
        self.fwhmMM = fwhmMM
        self.psfOvershoot = psfOvershoot
        self.noiseCOV = noiseCOV
        self.voxelMM = [voxelMM.x, voxelMM.y, voxelMM.z]
    }

    public var voxel: SIMD3<Double> { SIMD3(voxelMM[0], voxelMM[1], voxelMM[2]) }

    /// Voxel sizes a setting may have, in mm (those `simulate nema` allows).
    public static let voxelRangeMM = 0.5...10.0

    /// What is wrong with a setting read from a file, or nil: it needs three
    /// voxel sizes in `voxelRangeMM` and a reconstruction model that
    /// `PETReconstructionModel.validate` accepts.
    public var problem: String? {
        guard voxelMM.count == 3 else { return "\(voxelMM.count) voxel sizes where 3 are needed" }
        guard voxelMM.allSatisfy({ Self.voxelRangeMM.contains($0) }) else {
            return String(format: "voxel sizes must be %g…%g mm", Self.voxelRangeMM.lowerBound, Self.voxelRangeMM.upperBound)
        }
        do { try model(seed: 0).validate() } catch { return "reconstruction \(error)" }
        return nil
    }

    /// The reconstruction model with a noise seed.
    public func model(seed: UInt64) -> PETReconstructionModel {
        PETReconstructionModel(fwhmMM: fwhmMM, psfOvershoot: psfOvershoot, noiseCOV: noiseCOV, noiseTextureFWHMMM: noiseTextureFWHMMM, seed: seed)
    }

    public var summary: String {
        let text = String(
            format: "FWHM %.2f mm, overshoot %.2f, noise %.3f, voxel %@ mm", fwhmMM, psfOvershoot, noiseCOV,
            voxelMM.map { String(format: "%.2f", $0) }.joined(separator: "×"))
        return noiseTextureFWHMMM.map { text + String(format: ", noise texture %.2f mm", $0) } ?? text
    }
}

/// What the EARL bands say about a setting, from its digital IEC phantom.
public struct SettingLabel: Codable, Sendable, Equatable {
    /// How the phantom fared against the two band sets.
    public enum Category: String, Codable, Sendable, CaseIterable {
        /// Meets EARL1 only.
        case earl1
        /// Meets EARL2 only.
        case earl2
        /// Meets both band sets (possible: the bands overlap for some spheres).
        case both
        /// Meets neither and recovers more than EARL2 allows for some sphere:
        /// a sharper, non-harmonized (clinical) reconstruction.
        case overRecovering = "over-recovering"
        /// Meets neither and recovers less than EARL1 requires for some sphere
        /// without over-recovering: too smooth for either band set.
        case underRecovering = "under-recovering"
        /// Meets neither, with every RC between EARL1's lower and EARL2's upper
        /// edges: some spheres recover like EARL1, others like EARL2, so the
        /// reconstruction is harmonized to neither.
        case between
        /// Meets neither: above EARL2 for some sphere and below EARL1 for another.
        case mixed

        /// The classifier's label of a phantom in this category; nil for the
        /// categories kept out of corpora (both, under-recovering, between, mixed).
        public var label: EARLLabel? {
            switch self {
            case .earl1: return .earl1
            case .earl2: return .earl2
            case .overRecovering: return .clinical
            case .both, .underRecovering, .between, .mixed: return nil
            }
        }
    }

    public var category: Category
    /// The classifier's label, nil for categories kept out of the corpus (both, under-recovering, between, mixed).
    public var label: EARLLabel?
    /// Distance of the phantom from the nearest band edge that decides its
    /// category, in units of that band's width (≥ 0; small = borderline).
    public var margin: Double
    public var rcMax: [Double]
    public var rcMean: [Double]
    public var verdicts: [String: Bool]
    /// Signed distance from EARL2's upper band edge: the largest (RC − upper
    /// limit) / band width over spheres and both RC metrics, > 0 when some
    /// sphere over-recovers (for an over-recovering phantom it equals
    /// `margin`). The stage-1 classifier's boundary is where this is 0. nil
    /// in corpus files written before it was kept.
    public var edgeDistance: Double?

    public init(
        category: Category, label: EARLLabel?, margin: Double, rcMax: [Double], rcMean: [Double], verdicts: [String: Bool], edgeDistance: Double? = nil
    ) {
        self.edgeDistance = edgeDistance
        self.category = category
        self.label = label
        self.margin = margin
        self.rcMax = rcMax
        self.rcMean = rcMean
        self.verdicts = verdicts
    }
}

/// Labels reconstruction settings the way the standard does: the digital
/// IEC body phantom (10:1) is reconstructed with the setting and analysed
/// against EARL1 and EARL2 by the same `NEMAAnalyzer` users run on real
/// phantom scans. The label is what the bands say, never the setting's intent.
public struct SettingLabeller: Sendable {
    public var geometry: IECPhantomGeometry
    public var earl1: EARLStandard
    public var earl2: EARLStandard
    public var backgroundBqML = 2000.0
    public var ratio = 10.0
    public var supersampling = 3

    public init(geometry: IECPhantomGeometry, earl1: EARLStandard, earl2: EARLStandard) {
        self.geometry = geometry
        self.earl1 = earl1
        self.earl2 = earl2
    }

    /// Loads the geometry and EARL1/EARL2 band files from iqkit's Phantoms folder.
    public static func standard() throws -> SettingLabeller {
        SettingLabeller(geometry: try PhantomData.iecGeometry(), earl1: try PhantomData.standard("earl1"), earl2: try PhantomData.standard("earl2"))
    }

    /// The phantom image of a setting (330 mm field of view): centred and
    /// unrotated by default, else rotated by `axialDeg` about the scanner
    /// axis with its centre `shiftVoxels` voxels off the grid's centre.
    public func phantom(_ setting: ReconstructionSetting, seed: UInt64, axialDeg: Double = 0, shiftVoxels: SIMD3<Double> = .zero) -> Volume {
        let voxel = setting.voxel
        let grid = IECPhantomSimulator.grid(voxelMM: voxel)
        let simulator = IECPhantomSimulator(
            geometry: geometry, sphereActivity: backgroundBqML * ratio, backgroundActivity: backgroundBqML, supersampling: supersampling)
        let centre = (SIMD3<Double>(Double(grid.nx - 1), Double(grid.ny - 1), Double(grid.nz - 1)) / 2 + shiftVoxels) * voxel
        let truth = simulator.render(nx: grid.nx, ny: grid.ny, nz: grid.nz, spacingMM: voxel, pose: PhantomPose(axialDeg: axialDeg, tiltDeg: 0, translationMM: centre))
        return setting.model(seed: seed).apply(to: truth, referenceBqML: backgroundBqML)
    }

    /// Analyses the setting's phantom with the true activities and categorises it.
    public func label(_ setting: ReconstructionSetting, seed: UInt64, axialDeg: Double = 0, shiftVoxels: SIMD3<Double> = .zero) throws -> SettingLabel {
        let image = phantom(setting, seed: seed, axialDeg: axialDeg, shiftVoxels: shiftVoxels)
        let analyzer = NEMAAnalyzer(
            geometry: geometry, standards: [earl1, earl2],
            settings: NEMASettings(sphereActivityBqML: backgroundBqML * ratio, backgroundActivityBqML: backgroundBqML))
        let result = try analyzer.analyze(image, path: "digital IEC phantom (\(setting.summary))", provenance: Provenance(inputs: [], settings: [:]))
        let rcMax = result.spheres.map(\.rcMax), rcMean = result.spheres.map(\.rcMean)
        return Self.categorise(rcMax: rcMax, rcMean: rcMean, diameters: result.spheres.map(\.diameterMM), earl1: earl1, earl2: earl2)
    }

    /// Where repeat phantom scans put the phantom.
    public enum Placement: String, Codable, Sendable, CaseIterable {
        /// Placed anew each time: axial rotation 0–360°, centre shifted 0–1
        /// voxel along each axis (as a site repeating its scan would).
        case random
        /// Centred and unrotated, as the corpus's own phantom scan: only the
        /// noise changes.
        case centred
    }

    /// Categories of `scans` further phantom scans of a setting, as a site
    /// would repeat its accreditation scan: each with noise of its own and,
    /// with `.random` placement, the phantom placed anew (axial rotation
    /// 0–360°, centre shifted 0–1 voxel along each axis), all drawn from
    /// `seed`. `.centred` draws the same noise seeds and keeps the phantom
    /// centred, so the two placements compare scan by scan. With `expected`,
    /// stops after the first scan whose category differs from it. Near a
    /// band edge the verdict of one phantom scan is not always the verdict of
    /// the next.
    public func repeatCategories(
        _ setting: ReconstructionSetting, scans: Int, seed: UInt64, placement: Placement = .random,
        stoppingAtFirstDifferenceFrom expected: SettingLabel.Category? = nil
    ) throws -> [SettingLabel.Category] {
        try repeatLabels(setting, scans: scans, seed: seed, placement: placement, stoppingAtFirstDifferenceFrom: expected).map(\.category)
    }

    /// `repeatCategories` with each scan's whole verdict (category, margin, RCs).
    public func repeatLabels(
        _ setting: ReconstructionSetting, scans: Int, seed: UInt64, placement: Placement = .random,
        stoppingAtFirstDifferenceFrom expected: SettingLabel.Category? = nil
    ) throws -> [SettingLabel] {
        var random = SplitMix64(seed: seed)
        var labels: [SettingLabel] = []
        for _ in 0..<scans {
            var angle = 360 * random.nextUniform()
            var shift = SIMD3(random.nextUniform(), random.nextUniform(), random.nextUniform())
            if placement == .centred { (angle, shift) = (0, .zero) }
            let verdict = try label(setting, seed: random.next(), axialDeg: angle, shiftVoxels: shift)
            labels.append(verdict)
            if let expected, verdict.category != expected { break }
        }
        return labels
    }

    /// The category from measured RCs (pure function of the RCs and bands).
    public static func categorise(rcMax: [Double], rcMean: [Double], diameters: [Double], earl1: EARLStandard, earl2: EARLStandard) -> SettingLabel {
        // Signed distances in band widths: > 0 inside, < 0 outside; for each metric and sphere.
        func distances(_ standard: EARLStandard) -> (inside: Double, above: Double, below: Double) {
            var inside = Double.infinity, above = -Double.infinity, below = -Double.infinity
            for (i, d) in diameters.enumerated() {
                guard let bands = standard.spheres.first(where: { abs($0.diameterMM - d) < 0.5 }) else { continue }
                for (value, band) in [(rcMax[i], bands.rcMax), (rcMean[i], bands.rcMean)] {
                    let width = band[1] - band[0]
                    inside = min(inside, min(value - band[0], band[1] - value) / width)
                    above = max(above, (value - band[1]) / width)
                    below = max(below, (band[0] - value) / width)
                }
            }
            return (inside, above, below)
        }
        let d1 = distances(earl1), d2 = distances(earl2)
        let pass1 = d1.inside >= 0, pass2 = d2.inside >= 0
        let verdicts = [earl1.name: pass1, earl2.name: pass2]
        let category: SettingLabel.Category
        let margin: Double
        switch (pass1, pass2) {
        case (true, true): (category, margin) = (.both, min(d1.inside, d2.inside))
        case (true, false): (category, margin) = (.earl1, min(d1.inside, -d2.inside.clampedNegative))
        case (false, true): (category, margin) = (.earl2, min(d2.inside, -d1.inside.clampedNegative))
        case (false, false):
            // Sharper than EARL2 allows somewhere and never below EARL1: a
            // non-harmonized (clinical) reconstruction, even if some sphere
            // also falls below EARL2's lower edge.
            if d2.above > 0 && d1.below <= 0 {
                (category, margin) = (.overRecovering, d2.above)
            } else if d1.below > 0 && d2.above <= 0 {
                (category, margin) = (.underRecovering, d1.below)
            } else if d1.below <= 0 && d2.above <= 0 {
                (category, margin) = (.between, 0)
            } else {
                (category, margin) = (.mixed, 0)
            }
        }
        return SettingLabel(category: category, label: category.label, margin: max(0, margin), rcMax: rcMax, rcMean: rcMean, verdicts: verdicts,
            edgeDistance: d2.above)
    }
}

extension Double {
    /// min(self, 0): how far outside (negative) a band a value is, 0 when inside.
    fileprivate var clampedNegative: Double { Swift.min(self, 0) }
}
