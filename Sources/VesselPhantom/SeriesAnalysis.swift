import Foundation
import IQCore

/// The result of one acquisition of a series.
public struct AcquisitionResult: Codable, Sendable, Equatable {
    public var path: String
    public var sha256: String
    public var ctdiVolMGy: Double
    public var recon: String
    public var repetition: Int
    /// Detected vessel-tree volume in mL.
    public var volumeML: Double
    public var bins: [RadiusBinResult]
    /// Graph nodes of the cut (the uncertain band), for diagnostics.
    public var bandVoxels: Int
    public var truth: TruthEvaluation?
}

/// Mean ± SD over repetitions of one bin.
public struct SummaryBin: Codable, Sendable, Equatable {
    public var radiusMM: Double
    public var mpvHU: MeanSD
    public var iqrHU: MeanSD
    public var voxels: MeanSD
    public var detectionRate: MeanSD?
    public var medianRadiusErrorMM: MeanSD?
}

/// One cell of the study's tables: a reconstruction at a dose.
public struct SummaryRow: Codable, Sendable, Equatable {
    public var recon: String
    public var ctdiVolMGy: Double
    public var repetitions: Int
    public var volumeML: MeanSD
    public var bins: [SummaryBin]
    public var dice: MeanSD?
    public var truthVolumeML: Double?
}

/// What `iqkit phantom analyze` writes.
public struct SeriesResult: Codable, Sendable {
    public var kind = "ct-vessel-phantom-series"
    public var provenance: Provenance
    public var settings: AnalysisSettings
    public var acquisitions: [AcquisitionResult]
    public var summary: [SummaryRow]
}

public enum SeriesAnalysis {
    /// Analyses one acquisition.
    public static func analyze(_ acq: SeriesManifest.Acquisition, settings: AnalysisSettings) throws -> AcquisitionResult {
        let volume = try NIfTIReader.read(acq.resolvedPath).volume
        let seg = settings.segmenter.segment(volume)
        let m = VesselMetrics.measure(volume, mask: seg.mask, settings: settings)
        var truth: TruthEvaluation?
        if let tm = acq.truthMask, let tr = acq.truthRadius {
            let mask = try NIfTIReader.read(tm).volume
            let radius = try NIfTIReader.read(tr).volume
            let line = try acq.truthCentreline.map { try NIfTIReader.read($0).volume }
            for (name, v) in [(tm, mask), (tr, radius)] + (line.map { [(acq.truthCentreline ?? "", $0)] } ?? []) where v.dimensions != volume.dimensions {
                throw InputError.invalidData(path: name, problem: "grid \(v.dimensions) differs from the acquisition's \(volume.dimensions)")
            }
            truth = VesselMetrics.evaluate(
                mask: seg.mask, radiusMM: m.radiusMM, truthMask: mask, truthRadius: radius, truthCentreline: line, settings: settings)
        }
        return AcquisitionResult(
            path: acq.path, sha256: try SHA256.hex(ofFile: acq.resolvedPath), ctdiVolMGy: acq.ctdiVolMGy, recon: acq.recon,
            repetition: acq.repetition, volumeML: m.volumeML, bins: m.bins, bandVoxels: seg.bandVoxels, truth: truth)
    }

    /// Analyses every acquisition (two at a time on two cores; each
    /// analysis is itself serial per acquisition, so results do not depend
    /// on the order) and aggregates the repetitions.
    /// - Parameter progress: called after each acquisition with (done, total).
    public static func run(_ manifest: SeriesManifest, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> SeriesResult {
        let n = manifest.acquisitions.count
        let box = ResultBox(count: n)
        let settings = manifest.settings
        let acquisitions = manifest.acquisitions
        parallelFor(n) { k in
            let r: Result<AcquisitionResult, Error> = Result { try analyze(acquisitions[k], settings: settings) }
            let done = box.set(k, r)
            progress?(done, n)
        }
        var results: [AcquisitionResult] = []
        for r in box.results() {
            switch r {
            case .success(let a): results.append(a)
            case .failure(let e): throw e
            case nil: throw InputError.invalidData(path: manifest.path, problem: "an acquisition was not analysed")
            }
        }
        var settingsText: [String: String] = [:]
        if let data = try? ResultJSON.encoder().encode(settings) { settingsText["analysis"] = String(decoding: data, as: UTF8.self) }
        let provenance = Provenance(
            inputs: [Provenance.Input(path: manifest.path, sha256: (try? SHA256.hex(ofFile: manifest.path)) ?? "")]
                + results.map { Provenance.Input(path: $0.path, sha256: $0.sha256) },
            settings: settingsText)
        return SeriesResult(provenance: provenance, settings: settings, acquisitions: results, summary: summarize(results, settings: settings))
    }

    /// Mean ± SD over repetitions per recon × dose, recons in order of first
    /// appearance and doses ascending.
    public static func summarize(_ results: [AcquisitionResult], settings: AnalysisSettings) -> [SummaryRow] {
        var recons: [String] = []
        for r in results where !recons.contains(r.recon) { recons.append(r.recon) }
        var rows: [SummaryRow] = []
        for recon in recons {
            let doses = Set(results.filter { $0.recon == recon }.map(\.ctdiVolMGy)).sorted()
            for dose in doses {
                let group = results.filter { $0.recon == recon && $0.ctdiVolMGy == dose }
                func finite(_ xs: [Double]) -> MeanSD { MeanSD(xs.filter(\.isFinite)) }
                let bins = settings.radiusBinsMM.indices.map { b in
                    let truthBins = group.compactMap { $0.truth?.bins[b] }
                    return SummaryBin(
                        radiusMM: settings.radiusBinsMM[b],
                        mpvHU: finite(group.map { $0.bins[b].mpvHU }),
                        iqrHU: finite(group.map { $0.bins[b].iqrHU }),
                        voxels: MeanSD(group.map { Double($0.bins[b].voxels) }),
                        detectionRate: truthBins.isEmpty ? nil : finite(truthBins.map(\.detectionRate)),
                        medianRadiusErrorMM: truthBins.isEmpty ? nil : finite(truthBins.map(\.medianRadiusErrorMM)))
                }
                let truths = group.compactMap(\.truth)
                rows.append(
                    SummaryRow(
                        recon: recon, ctdiVolMGy: dose, repetitions: group.count, volumeML: MeanSD(group.map(\.volumeML)), bins: bins,
                        dice: truths.isEmpty ? nil : finite(truths.map(\.dice)), truthVolumeML: truths.first?.truthVolumeML))
            }
        }
        return rows
    }

    /// The study's layout as text: one table per measure, recon rows × dose columns.
    public static func tables(_ summary: [SummaryRow], radiusMM: Double) -> String {
        let doses = Set(summary.map(\.ctdiVolMGy)).sorted()
        var recons: [String] = []
        for r in summary where !recons.contains(r.recon) { recons.append(r.recon) }
        func cell(_ m: MeanSD?, _ digits: Int) -> String {
            guard let m, m.mean.isFinite else { return "n/a" }
            return String(format: "%.\(digits)f±%.\(digits)f", m.mean, m.sd.isFinite ? m.sd : 0)
        }
        var out = ""
        let header = "| recon | " + doses.map { String(format: "%g mGy", $0) }.joined(separator: " | ") + " |\n|---|" + doses.map { _ in "---|" }.joined() + "\n"
        for (title, digits, pick) in [
            ("MPV (HU), radius \(radiusMM) mm", 0, { (r: SummaryRow) -> MeanSD? in r.bins.first { $0.radiusMM == radiusMM }?.mpvHU }),
            ("IQR (HU), radius \(radiusMM) mm", 0, { (r: SummaryRow) -> MeanSD? in r.bins.first { $0.radiusMM == radiusMM }?.iqrHU }),
            ("tree volume (ml)", 2, { (r: SummaryRow) -> MeanSD? in r.volumeML }),
        ] as [(String, Int, (SummaryRow) -> MeanSD?)] {
            out += "\(title)\n\n" + header
            for recon in recons {
                out += "| \(recon) | "
                out += doses.map { d in cell(summary.first { $0.recon == recon && $0.ctdiVolMGy == d }.flatMap(pick), digits) }.joined(separator: " | ")
                out += " |\n"
            }
            out += "\n"
        }
        return out
    }
}

/// Results written by parallel workers, each to its own slot.
private final class ResultBox: @unchecked Sendable {
    private var slots: [Result<AcquisitionResult, Error>?]
    private var done = 0
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ r: Result<AcquisitionResult, Error>) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[k] = r
        done += 1
        return done
    }
    func results() -> [Result<AcquisitionResult, Error>?] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
