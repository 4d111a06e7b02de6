import IQCore

/// The result of `iqkit nema analyze`: recovery coefficients of the six
/// spheres, background, calibration, resolution and EARL verdicts.
/// Encoded as camelCase JSON; `kind` is "nema".
public struct NEMAResult: Codable, Sendable {
    public struct BandCheck: Codable, Sendable, Equatable {
        public var rcMax: Bool
        public var rcMean: Bool
        /// Nil when the band set defines no RCpeak limits.
        public var rcPeak: Bool?
        public var all: Bool
        public var rcMaxBand: [Double]
        public var rcMeanBand: [Double]
        public var rcPeakBand: [Double]?
    }

    public struct Sphere: Codable, Sendable {
        public var diameterMM: Double
        /// Centre in grid millimetres (voxel index × spacing).
        public var centerMM: [Double]
        /// Centre in (fractional) voxel indices i, j, k.
        public var centerVoxel: [Double]
        public var rcMax: Double
        /// Mean inside the background-corrected 50 % isocontour (A50).
        public var rcMean: Double
        /// Mean of a 1 mL sphere (radius 6.2 mm) placed to maximise the mean; see `rcPeakDefinition`.
        public var rcPeak: Double
        public var maxBqML: Double
        public var a50MeanBqML: Double
        public var peakBqML: Double
        public var a50Voxels: Int
        /// Per band-set name.
        public var pass: [String: BandCheck]
    }

    public struct Background: Codable, Sendable {
        /// Mean of the background ROIs, Bq/mL (or the image's unit).
        public var mean: Double
        /// Voxel coefficient of variation inside the background ROIs.
        public var cov: Double
        /// NEMA background variability: SD of the ROI means / their mean.
        public var roiMeanCOV: Double
        public var roiCount: Int
        public var roiDiameterMM: Double
    }

    public struct Activities: Codable, Sendable {
        public var sphereBqML: Double
        public var backgroundBqML: Double
        public var estimatedFromImage: Bool
        public var note: String
    }

    public struct Calibration: Codable, Sendable {
        public var expectedBackgroundBqML: Double
        public var measuredBackgroundBqML: Double
        /// (measured / expected − 1) × 100.
        public var biasPercent: Double
        public var tolerancePercent: Double
        public var pass: Bool
    }

    public struct Localisation: Codable, Sendable {
        /// "automatic" or "manual".
        public var method: String
        /// RMS distance between the found sphere centres and the fitted ring, mm.
        public var fitRMSMM: Double
        public var spheresDetected: Int
        public var pose: PhantomPose
    }

    public struct StandardInfo: Codable, Sendable {
        public var name: String
        public var version: String
        public var source: String
    }

    public var kind = "nema"
    public var input: String
    public var unit: String?
    public var spacingMM: [Double]
    public var spheres: [Sphere]
    public var background: Background
    public var activities: Activities
    public var calibration: Calibration?
    /// Effective resolution of the reconstruction: FWHM of the Gaussian that
    /// best explains the sphere profiles (walled sphere ⊗ Gaussian), mm.
    public var effectiveFWHMMM: Double?
    public var rcPeakDefinition: String
    public var standards: [StandardInfo]
    /// Band-set name → every sphere's RCmax and RCmean (and RCpeak when banded) inside the bands.
    public var verdicts: [String: Bool]
    /// The band sets passed, in the order asked: e.g. ["EARL1"], ["EARL1", "EARL2"] or [].
    public var compliantWith: [String]
    /// "all": every band set must pass (accreditation against named
    /// standards); "any": passing one is enough (classifying a protocol).
    public var requirement: String
    /// Whether the requirement and the calibration check (when made) are met.
    public var passed: Bool
    public var localisation: Localisation
    public var provenance: Provenance
}
