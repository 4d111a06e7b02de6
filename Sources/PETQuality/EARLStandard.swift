import Foundation
import IQCore

/// A band set that accredits a reconstruction: per sphere, the ranges its
/// recovery coefficients must fall in. Read from a YAML file that names its
/// source and version (Phantoms/standards/earl1.yaml, earl2.yaml, or a user's).
public struct EARLStandard: Codable, Sendable, Equatable {
    public struct SphereBands: Codable, Sendable, Equatable {
        public var diameterMM: Double
        /// RCmean (A50) lower and upper limit.
        public var rcMean: [Double]
        /// RCmax lower and upper limit.
        public var rcMax: [Double]
        /// RCpeak limits, when the band set defines them.
        public var rcPeak: [Double]?

        public init(from decoder: Decoder) throws {
            try StrictKeys.check(decoder, allowed: ["diameterMM", "rcMean", "rcMax", "rcPeak"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            diameterMM = try c.decode(Double.self, forKey: .diameterMM)
            rcMean = try c.decode([Double].self, forKey: .rcMean)
            rcMax = try c.decode([Double].self, forKey: .rcMax)
            rcPeak = try c.decodeIfPresent([Double].self, forKey: .rcPeak)
        }

        public init(diameterMM: Double, rcMean: [Double], rcMax: [Double], rcPeak: [Double]? = nil) {
            self.diameterMM = diameterMM
            self.rcMean = rcMean
            self.rcMax = rcMax
            self.rcPeak = rcPeak
        }
    }

    public var name: String
    public var version: String
    public var source: String
    public var spheres: [SphereBands]

    public init(name: String, version: String, source: String, spheres: [SphereBands]) {
        self.name = name
        self.version = version
        self.source = source
        self.spheres = spheres
    }

    public init(from decoder: Decoder) throws {
        try StrictKeys.check(decoder, allowed: ["name", "version", "source", "spheres"])
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        version = try c.decode(String.self, forKey: .version)
        source = try c.decode(String.self, forKey: .source)
        spheres = try c.decode([SphereBands].self, forKey: .spheres)
    }

    /// The bands for a sphere diameter (matched within 0.5 mm).
    public func bands(diameterMM: Double) -> SphereBands? {
        spheres.first { abs($0.diameterMM - diameterMM) < 0.5 }
    }

    /// Reads and checks a band file.
    /// - Throws: `InputError` naming the file: unreadable, not YAML, unknown or
    ///   missing fields, limits that are not two finite ascending numbers.
    public static func load(_ path: String) throws -> EARLStandard {
        let standard = try DataFile.decodeYAML(EARLStandard.self, from: path)
        guard !standard.spheres.isEmpty else { throw InputError.invalidData(path: path, problem: "spheres: empty") }
        for (i, s) in standard.spheres.enumerated() {
            guard s.diameterMM.isFinite, s.diameterMM > 0 else {
                throw InputError.invalidData(path: path, problem: "spheres[\(i)].diameterMM must be a positive number")
            }
            for (name, band) in [("rcMean", s.rcMean), ("rcMax", s.rcMax), ("rcPeak", s.rcPeak ?? [0, 1])] {
                guard band.count == 2, band.allSatisfy(\.isFinite), band[0] <= band[1] else {
                    throw InputError.invalidData(path: path, problem: "spheres[\(i)].\(name) must be [lower, upper] with lower ≤ upper")
                }
            }
        }
        let diameters = standard.spheres.map(\.diameterMM)
        if Set(diameters).count != diameters.count {
            throw InputError.invalidData(path: path, problem: "a sphere diameter is listed twice")
        }
        return standard
    }
}

/// Finds iqkit's data folder (`Phantoms/`): `$IQKIT_PHANTOMS`, the
/// installation's `share/iqkit/Phantoms`, the source tree above the binary,
/// then `./Phantoms`.
public enum PhantomData {
    public static func folder(executable: String = CommandLine.arguments.first ?? "") throws -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["IQKIT_PHANTOMS"] { candidates.append(env) }
        let exe = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(exe.appendingPathComponent("../share/iqkit/Phantoms").standardized.path)
        var dir = exe
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("Phantoms").standardized.path)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/Phantoms")
        for c in candidates where FileManager.default.fileExists(atPath: c + "/iec-body.yaml") { return c }
        throw InputError.invalidSetting(
            name: "Phantoms folder", problem: "iec-body.yaml not found (looked in \(candidates.joined(separator: ", "))); set IQKIT_PHANTOMS")
    }

    /// A standard by name (`earl1`, `earl2`: files in Phantoms/standards) or by path to a YAML file.
    public static func standard(_ nameOrPath: String) throws -> EARLStandard {
        try EARLStandard.load(try standardPath(nameOrPath))
    }

    /// The band file `standard(nameOrPath)` reads (for provenance records).
    public static func standardPath(_ nameOrPath: String) throws -> String {
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") || nameOrPath.contains("/") { return nameOrPath }
        let path = try folder() + "/standards/\(nameOrPath.lowercased()).yaml"
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError.invalidSetting(name: "--standard", problem: "no band set named '\(nameOrPath)' (expected earl1, earl2, all or a .yaml file)")
        }
        return path
    }

    /// The IEC body phantom geometry from Phantoms/iec-body.yaml.
    public static func iecGeometry() throws -> IECPhantomGeometry {
        try IECPhantomGeometry.load(try folder() + "/iec-body.yaml")
    }
}
