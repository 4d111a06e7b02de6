import Foundation
import IQCore

/// Settings of a NEMA IEC phantom analysis.
public struct NEMASettings: Sendable {
    /// True sphere concentration (Bq/mL); estimated from the background and `assumedRatio` when nil.
    public var sphereActivityBqML: Double?
    /// Expected background concentration (Bq/mL); enables the calibration check.
    public var backgroundActivityBqML: Double?
    /// Sphere-to-background ratio assumed when the sphere activity is not given (EARL: 10).
    public var assumedRatio: Double
    /// Allowed calibration bias in percent (EARL: ±10 %).
    public var calibrationTolerancePercent: Double
    /// A manual centres file, overriding automatic localisation.
    public var centersFile: String?
    /// Whether every band set must pass (`all`) or one is enough (`any`).
    public var requirement: Requirement

    public enum Requirement: String, Sendable, Codable, CaseIterable { case all, any }

    public init(
        sphereActivityBqML: Double? = nil, backgroundActivityBqML: Double? = nil, assumedRatio: Double = 10,
        calibrationTolerancePercent: Double = 10, centersFile: String? = nil, requirement: Requirement = .all
    ) {
        self.requirement = requirement
        self.sphereActivityBqML = sphereActivityBqML
        self.backgroundActivityBqML = backgroundActivityBqML
        self.assumedRatio = assumedRatio
        self.calibrationTolerancePercent = calibrationTolerancePercent
        self.centersFile = centersFile
    }

    public func validate() throws {
        for (name, value) in [("--sphere-activity", sphereActivityBqML), ("--background-activity", backgroundActivityBqML)] {
            if let value, !(value.isFinite && value > 0) { throw InputError.invalidSetting(name: name, problem: "must be a positive concentration in Bq/mL") }
        }
        guard assumedRatio.isFinite, assumedRatio > 1 else { throw InputError.invalidSetting(name: "--ratio", problem: "must be > 1") }
    }
}

/// The NEMA IEC body phantom analysis: localise, measure, judge.
public struct NEMAAnalyzer: Sendable {
    public var geometry: IECPhantomGeometry
    public var standards: [EARLStandard]
    public var settings: NEMASettings

    public init(geometry: IECPhantomGeometry, standards: [EARLStandard], settings: NEMASettings = NEMASettings()) {
        self.geometry = geometry
        self.standards = standards
        self.settings = settings
    }

    /// Everything measured on one image, before it is judged.
    public struct Measured: Sendable {
        public var found: NEMALocalizer.Found
        public var background: BackgroundROIs.Measurement
        public var spheres: [SphereMeasurement]
        public var sphereTruth: Double
        public var backgroundTruth: Double
        public var estimated: Bool
    }

    /// Localises the phantom and measures spheres and background.
    public func measure(_ v: Volume, path: String) throws -> Measured {
        try settings.validate()
        let localizer = NEMALocalizer(geometry: geometry)
        let found = try settings.centersFile.map { try localizer.manual($0, volume: v) } ?? localizer.locate(v, path: path)
        let background = BackgroundROIs.measure(v, geometry: geometry, pose: found.pose)
        guard background.mean.isFinite, background.mean > 0, background.roiMeans.count >= 6 else {
            throw InputError.invalidData(path: path, problem: "fewer than 6 background ROIs fit inside the image around the sphere plane")
        }
        let spheres = geometry.spheres.indices.map {
            SphereMeasurement.measure(v, centerMM: found.centersMM[$0], radiusMM: geometry.spheres[$0].radiusMM, background: background.mean)
        }
        let backgroundTruth = settings.backgroundActivityBqML ?? background.mean
        let sphereTruth = settings.sphereActivityBqML ?? settings.assumedRatio * backgroundTruth
        return Measured(
            found: found, background: background, spheres: spheres, sphereTruth: sphereTruth, backgroundTruth: backgroundTruth,
            estimated: settings.sphereActivityBqML == nil)
    }

    /// Judges recovery coefficients against one band set; spheres the band set does not list are skipped.
    public static func judge(diameters: [Double], rcMax: [Double], rcMean: [Double], rcPeak: [Double], standard: EARLStandard) -> [NEMAResult.BandCheck?] {
        diameters.indices.map { i in
            guard let bands = standard.bands(diameterMM: diameters[i]) else { return nil }
            func inside(_ value: Double, _ band: [Double]) -> Bool { value >= band[0] && value <= band[1] }
            let maxOK = inside(rcMax[i], bands.rcMax)
            let meanOK = inside(rcMean[i], bands.rcMean)
            let peakOK = bands.rcPeak.map { inside(rcPeak[i], $0) }
            return NEMAResult.BandCheck(
                rcMax: maxOK, rcMean: meanOK, rcPeak: peakOK, all: maxOK && meanOK && (peakOK ?? true), rcMaxBand: bands.rcMax,
                rcMeanBand: bands.rcMean, rcPeakBand: bands.rcPeak)
        }
    }

    static func passed(verdicts: [String: Bool], requirement: NEMASettings.Requirement) -> Bool {
        switch requirement {
        case .all: return !verdicts.isEmpty && verdicts.values.allSatisfy { $0 }
        case .any: return verdicts.values.contains(true)
        }
    }

    /// The full analysis of one image.
    public func analyze(_ v: Volume, path: String, provenance: Provenance) throws -> NEMAResult {
        let m = try measure(v, path: path)
        let truth = m.sphereTruth
        let diameters = geometry.spheres.map(\.diameterMM)
        let rcMax = m.spheres.map { $0.maxValue / truth }
        let rcMean = m.spheres.map { $0.a50Mean / truth }
        let rcPeak = m.spheres.map { $0.peakMean / truth }
        var checks: [String: [NEMAResult.BandCheck?]] = [:]
        var verdicts: [String: Bool] = [:]
        for standard in standards {
            let judged = Self.judge(diameters: diameters, rcMax: rcMax, rcMean: rcMean, rcPeak: rcPeak, standard: standard)
            checks[standard.name] = judged
            verdicts[standard.name] = judged.compactMap { $0 }.allSatisfy(\.all) && judged.contains { $0 != nil }
        }
        let spheres = geometry.spheres.indices.map { i -> NEMAResult.Sphere in
            let c = m.found.centersMM[i]
            var pass: [String: NEMAResult.BandCheck] = [:]
            for (name, list) in checks { if let check = list[i] { pass[name] = check } }
            return NEMAResult.Sphere(
                diameterMM: diameters[i], centerMM: [c.x, c.y, c.z], centerVoxel: (0..<3).map { c[$0] / v.spacingMM[$0] },
                rcMax: rcMax[i], rcMean: rcMean[i], rcPeak: rcPeak[i], maxBqML: m.spheres[i].maxValue, a50MeanBqML: m.spheres[i].a50Mean,
                peakBqML: m.spheres[i].peakMean, a50Voxels: m.spheres[i].a50Voxels, pass: pass)
        }
        let calibration = settings.backgroundActivityBqML.map { expected -> NEMAResult.Calibration in
            let bias = (m.background.mean / expected - 1) * 100
            return NEMAResult.Calibration(
                expectedBackgroundBqML: expected, measuredBackgroundBqML: m.background.mean, biasPercent: bias,
                tolerancePercent: settings.calibrationTolerancePercent, pass: abs(bias) <= settings.calibrationTolerancePercent)
        }
        let note: String
        switch (settings.sphereActivityBqML, settings.backgroundActivityBqML) {
        case (.some, .some): note = "sphere and background activities given by the user"
        case (.some, .none): note = "sphere activity given; background measured in the image"
        case (.none, .some): note = "background activity given; spheres assumed at \(settings.assumedRatio):1 of it"
        case (.none, .none):
            note = "activities estimated from the image: background from the background ROIs, spheres assumed at \(settings.assumedRatio):1 (EARL filling)"
        }
        let fwhm = ResolutionFit.effectiveFWHM(
            v, centersMM: m.found.centersMM, radiiMM: geometry.spheres.map(\.radiusMM), wallMM: geometry.sphereWallMM, background: m.background.mean)
        return NEMAResult(
            input: path, unit: v.unit, spacingMM: [v.spacingMM.x, v.spacingMM.y, v.spacingMM.z], spheres: spheres,
            background: .init(
                mean: m.background.mean, cov: m.background.voxelCOV, roiMeanCOV: m.background.roiMeanCOV, roiCount: m.background.roiMeans.count,
                roiDiameterMM: BackgroundROIs.roiDiameterMM),
            activities: .init(sphereBqML: truth, backgroundBqML: m.backgroundTruth, estimatedFromImage: settings.sphereActivityBqML == nil, note: note),
            calibration: calibration, effectiveFWHMMM: fwhm, rcPeakDefinition: SphereMeasurement.peakDefinition,
            standards: standards.map { .init(name: $0.name, version: $0.version, source: $0.source) }, verdicts: verdicts,
            compliantWith: standards.map(\.name).filter { verdicts[$0] == true },
            requirement: settings.requirement.rawValue,
            passed: Self.passed(verdicts: verdicts, requirement: settings.requirement) && (calibration?.pass ?? true),
            localisation: .init(method: m.found.method, fitRMSMM: m.found.fitRMSMM, spheresDetected: m.found.spheresDetected, pose: m.found.pose),
            provenance: provenance)
    }
}
