import Foundation
import IQCore
import Yams

/// A series of CT acquisitions of the vessel phantom, read from YAML.
///
/// ```yaml
/// acquisitions:
///   - path: fbp/dose0.2_rep1.nii.gz   # relative to the manifest's folder
///     ctdiVolMGy: 0.2
///     recon: FBP
///     repetition: 1
///     truthMask: truth/mask.nii.gz        # optional, evaluation only
///     truthRadius: truth/radius.nii.gz    # optional
///     truthCentreline: truth/centreline.nii.gz  # optional
/// settings:                            # optional
///   radiusBinsMM: [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]
///   binHalfWidthMM: 0.25
///   thresholdHU: -450
/// ```
public struct SeriesManifest: Sendable, Equatable {
    public struct Acquisition: Sendable, Equatable, Codable {
        /// The path as written in the manifest and its resolved absolute form.
        public var path: String
        public var resolvedPath: String
        public var ctdiVolMGy: Double
        public var recon: String
        public var repetition: Int
        public var truthMask: String?
        public var truthRadius: String?
        public var truthCentreline: String?
    }

    public var path: String
    public var acquisitions: [Acquisition]
    public var settings: AnalysisSettings

    /// Most YAML nodes a manifest may hold (aliases count every time they are
    /// used), which stops alias "billion laughs" expansions early.
    public static let nodeBudget = 100_000
    static let acquisitionKeys: Set<String> = ["path", "ctdiVolMGy", "recon", "repetition", "truthMask", "truthRadius", "truthCentreline"]
    static let settingKeys: Set<String> = [
        "radiusBinsMM", "binHalfWidthMM", "thresholdHU", "widthHU", "vesselnessWeight", "smoothness", "minComponentMM3", "holderMarginMM",
        "vesselnessScalesMM",
    ]

    /// Reads and validates a manifest; every problem is a one-line `InputError`.
    public static func read(_ path: String) throws -> SeriesManifest {
        let data = try FileChecks.readSmallFile(path, maxBytes: 4 << 20)
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError.invalidData(path: path, problem: "not UTF-8 text")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            let oneLine = "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "parse error"
            throw InputError.invalidData(path: path, problem: "not valid YAML: \(oneLine)")
        }
        guard let root else { throw InputError.invalidData(path: path, problem: "empty manifest") }
        var budget = nodeBudget
        try countNodes(root, budget: &budget, path: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath().path
        return try parse(root, path: path, folder: folder)
    }

    static func countNodes(_ node: Node, budget: inout Int, path: String) throws {
        budget -= 1
        if budget < 0 { throw InputError.invalidData(path: path, problem: "more than \(nodeBudget) YAML nodes (alias expansion?)") }
        switch node {
        case .scalar: break
        case .alias: throw InputError.invalidData(path: path, problem: "YAML aliases are not allowed")
        case .sequence(let s): for child in s { try countNodes(child, budget: &budget, path: path) }
        case .mapping(let m):
            for (k, v) in m {
                try countNodes(k, budget: &budget, path: path)
                try countNodes(v, budget: &budget, path: path)
            }
        }
    }

    static func parse(_ root: Node, path: String, folder: String) throws -> SeriesManifest {
        func fail(_ problem: String) -> InputError { .invalidData(path: path, problem: problem) }
        guard case .mapping(let top) = root else { throw fail("the top level must be a mapping with `acquisitions`") }
        for key in top.keys {
            guard let k = key.scalar?.string, k == "acquisitions" || k == "settings" else {
                throw fail("unknown top-level field `\(key.scalar?.string ?? "?")` (expected acquisitions, settings)")
            }
        }
        guard let list = top["acquisitions"] else { throw fail("missing `acquisitions`") }
        guard case .sequence(let items) = list else { throw fail("`acquisitions` must be a list") }
        if items.isEmpty { throw fail("`acquisitions` is empty") }
        var acquisitions: [Acquisition] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let at = "acquisitions[\(index)]"
            guard case .mapping(let m) = item else { throw fail("\(at) must be a mapping") }
            var keys = Set<String>()
            for key in m.keys {
                guard let k = key.scalar?.string, acquisitionKeys.contains(k) else {
                    throw fail("\(at): unknown field `\(key.scalar?.string ?? "?")`")
                }
                if !keys.insert(k).inserted { throw fail("\(at): field `\(k)` given twice") }
            }
            func string(_ key: String, required: Bool) throws -> String? {
                guard let node = m[key] else {
                    if required { throw fail("\(at): missing `\(key)`") }
                    return nil
                }
                guard case .scalar(let s) = node, !s.string.isEmpty else { throw fail("\(at).\(key) must be a non-empty string") }
                return s.string
            }
            func number(_ key: String) throws -> Double {
                guard let node = m[key] else { throw fail("\(at): missing `\(key)`") }
                guard case .scalar(let s) = node, let value = Double(s.string), value.isFinite else {
                    throw fail("\(at).\(key) must be a number")
                }
                return value
            }
            guard let rel = try string("path", required: true), let recon = try string("recon", required: true) else {
                throw fail("\(at): missing `path` or `recon`")
            }
            let dose = try number("ctdiVolMGy")
            if dose <= 0 { throw fail("\(at).ctdiVolMGy must be > 0 mGy, got \(dose)") }
            guard let repAny = m["repetition"] else { throw fail("\(at): missing `repetition` (an integer)") }
            guard case .scalar(let repNode) = repAny, let repetition = Int(repNode.string), repetition >= 0 else {
                throw fail("\(at).repetition must be an integer ≥ 0")
            }
            let resolved = try resolve(rel, field: "\(at).path", folder: folder, path: path)
            let key = "\(recon)|\(dose)|\(repetition)"
            if let first = seen[key] {
                throw fail("\(at) duplicates acquisitions[\(first)] (recon \(recon), \(dose) mGy, repetition \(repetition))")
            }
            seen[key] = index
            var acq = Acquisition(path: rel, resolvedPath: resolved, ctdiVolMGy: dose, recon: recon, repetition: repetition)
            if let t = try string("truthMask", required: false) { acq.truthMask = try resolve(t, field: "\(at).truthMask", folder: folder, path: path) }
            if let t = try string("truthRadius", required: false) { acq.truthRadius = try resolve(t, field: "\(at).truthRadius", folder: folder, path: path) }
            if let t = try string("truthCentreline", required: false) {
                acq.truthCentreline = try resolve(t, field: "\(at).truthCentreline", folder: folder, path: path)
            }
            if (acq.truthMask == nil) != (acq.truthRadius == nil) { throw fail("\(at): give truthMask and truthRadius together") }
            acquisitions.append(acq)
        }
        var settings = AnalysisSettings()
        if let s = top["settings"] {
            guard case .mapping(let m) = s else { throw fail("`settings` must be a mapping") }
            for (keyNode, value) in m {
                guard let key = keyNode.scalar?.string, settingKeys.contains(key) else {
                    throw fail("settings: unknown field `\(keyNode.scalar?.string ?? "?")`")
                }
                func num(_ node: Node) throws -> Double {
                    guard case .scalar(let sc) = node, let v = Double(sc.string), v.isFinite else { throw fail("settings.\(key) must be a number") }
                    return v
                }
                func list(_ node: Node) throws -> [Double] {
                    guard case .sequence(let seq) = node, !seq.isEmpty else { throw fail("settings.\(key) must be a non-empty list of numbers") }
                    let values = try seq.map(num)
                    if values.contains(where: { $0 <= 0 }) { throw fail("settings.\(key) must hold positive numbers (mm)") }
                    return values
                }
                switch key {
                case "radiusBinsMM": settings.radiusBinsMM = try list(value).sorted()
                case "vesselnessScalesMM": settings.segmenter.vesselness.scalesMM = try list(value).sorted()
                case "binHalfWidthMM": settings.binHalfWidthMM = try num(value)
                case "thresholdHU": settings.segmenter.thresholdHU = try num(value)
                case "widthHU": settings.segmenter.widthHU = try num(value)
                case "vesselnessWeight": settings.segmenter.vesselnessWeight = try num(value)
                case "smoothness": settings.segmenter.smoothness = try num(value)
                case "minComponentMM3": settings.segmenter.minComponentMM3 = try num(value)
                case "holderMarginMM": settings.segmenter.holderMarginMM = try num(value)
                default: break
                }
            }
            if settings.binHalfWidthMM <= 0 { throw fail("settings.binHalfWidthMM must be > 0 mm") }
            if settings.segmenter.widthHU <= 0 { throw fail("settings.widthHU must be > 0 HU") }
            if settings.segmenter.smoothness < 0 || settings.segmenter.vesselnessWeight < 0 || settings.segmenter.minComponentMM3 < 0
                || settings.segmenter.holderMarginMM < 0
            {
                throw fail("settings: smoothness, vesselnessWeight, minComponentMM3 and holderMarginMM must be ≥ 0")
            }
        }
        return SeriesManifest(path: path, acquisitions: acquisitions, settings: settings)
    }

    /// Resolves a manifest-relative path, refusing anything outside the
    /// manifest's folder (after resolving `..` and symbolic links) and
    /// missing files.
    static func resolve(_ relative: String, field: String, folder: String, path: String) throws -> String {
        if relative.hasPrefix("/") || relative.contains("\0") {
            throw InputError.invalidData(path: path, problem: "\(field): `\(relative)` must be relative to the manifest's folder")
        }
        let joined = URL(fileURLWithPath: folder).appendingPathComponent(relative).standardizedFileURL
        let resolved = joined.resolvingSymlinksInPath().path
        guard resolved == folder || resolved.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else {
            throw InputError.invalidData(path: path, problem: "\(field): `\(relative)` points outside the manifest's folder")
        }
        do {
            try FileChecks.requireReadableFile(resolved)
        } catch let error as InputError {
            throw InputError.invalidData(path: path, problem: "\(field): \(error)")
        }
        return resolved
    }
}

/// How a series is analysed; every field is recorded in the result.
public struct AnalysisSettings: Sendable, Codable, Equatable {
    /// Centres of the radius bins in mm: the study's 3 mm example within a
    /// 0.5 mm sweep over 0.5…4 mm (the study's range ends at 4.25 mm).
    public var radiusBinsMM: [Double] = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
    /// A voxel of radius r falls in the bin of centre c when c − w ≤ r < c + w.
    public var binHalfWidthMM: Double = 0.25
    public var segmenter = VesselSegmenter()
    public init() {}
}
