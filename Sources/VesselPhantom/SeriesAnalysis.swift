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
    /// The segmentation mask (0/1 NIfTI with the image's geometry) when the
    /// analysis was asked to keep it, as a path relative to the working
    /// folder of the run (like `manifest`).
    public var maskPath: String?
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
    /// The manifest as the user named it; acquisition paths are relative to its folder.
    public var manifest: String?
    public var provenance: Provenance
    public var settings: AnalysisSettings
    public var acquisitions: [AcquisitionResult]
    public var summary: [SummaryRow]
}

public enum SeriesAnalysis {
    /// Analyses one acquisition.
    /// - Parameter maskFile: where to write the segmentation (0/1, the
    ///   image's geometry), atomically; nil writes nothing. `maskPath` of the
    ///   result is left for the caller to set.
    public static func analyze(
        _ acq: SeriesManifest.Acquisition, settings: AnalysisSettings, writingMaskTo maskFile: String? = nil
    ) throws -> AcquisitionResult {
        let volume = try readFinite(acq.resolvedPath)
        let seg = settings.segmenter.segment(volume)
        if let maskFile { try NIfTIWriter.write(volume.with(voxels: seg.mask.map { $0 ? 1 : 0 }, unit: .some(nil)), to: maskFile) }
        let m = VesselMetrics.measure(volume, mask: seg.mask, settings: settings)
        var truth: TruthEvaluation?
        if let tm = acq.truthMask, let tr = acq.truthRadius {
            let mask = try readFinite(tm)
            let radius = try readFinite(tr)
            let line = try acq.truthCentreline.map { try readFinite($0) }
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

    /// Reads a volume of the series, refusing NaN/Inf voxels: a CT
    /// acquisition's HU and a truth map are finite everywhere, and the
    /// medians and IQRs a series reports would silently change if the
    /// segmentation's 0 HU stood in for them (`phantom segment` on a single
    /// volume accepts them with a warning; a series result has no place for
    /// one).
    static func readFinite(_ path: String) throws -> Volume {
        let loaded = try NIfTIReader.read(path)
        let bad = loaded.source.nonFiniteVoxels
        guard bad == 0 else { throw InputError.invalidData(path: path, problem: "\(bad) NaN/Inf voxels; every voxel of a series volume must be finite") }
        return loaded.volume
    }

    /// How `run` works; neither option changes the numbers.
    public struct RunOptions: Sendable {
        /// Folder for each acquisition's segmentation mask; nil keeps none.
        /// The masks appear only when every acquisition was analysed.
        public var masksFolder: String?
        /// One acquisition at a time instead of one per core.
        public var serial = false
        public init(masksFolder: String? = nil, serial: Bool = false) {
            self.masksFolder = masksFolder
            self.serial = serial
        }
    }

    /// Analyses every acquisition (one per core unless `options.serial`;
    /// each analysis is deterministic and independent of the others, so the
    /// results do not depend on the order) and aggregates the repetitions.
    /// After a failure no further acquisition is started; the error of the
    /// first failed acquisition (in manifest order) is thrown, and no mask is
    /// left behind.
    /// - Parameter progress: called after each acquisition with (done, total).
    public static func run(
        _ manifest: SeriesManifest, options: RunOptions = RunOptions(), progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> SeriesResult {
        let n = manifest.acquisitions.count
        let box = ResultBox(count: n)
        let settings = manifest.settings
        let acquisitions = manifest.acquisitions
        let masks = try options.masksFolder.map { try MaskStaging(folder: $0, manifest: manifest) }
        let body: @Sendable (Int) -> Void = { k in
            if box.failed { return }
            let r: Result<AcquisitionResult, Error> = Result {
                try analyze(acquisitions[k], settings: settings, writingMaskTo: masks?.stagedPath(k))
            }
            let done = box.set(k, r)
            progress?(done, n)
        }
        if options.serial {
            for k in 0..<n { body(k) }
        } else {
            parallelFor(n, body)
        }
        var results: [AcquisitionResult] = []
        do {
            let slots = box.results()
            for slot in slots {
                if case .failure(let e)? = slot { throw e }
            }
            for slot in slots {
                guard case .success(let a)? = slot else {
                    throw InputError.invalidData(path: manifest.path, problem: "an acquisition was not analysed")
                }
                results.append(a)
            }
            if let masks {
                try masks.commit()
                for k in results.indices { results[k].maskPath = masks.finalPath(k) }
            }
        } catch {
            masks?.discard()
            throw error
        }
        var settingsText: [String: String] = [:]
        if let data = try? ResultJSON.encoder().encode(settings) { settingsText["analysis"] = String(decoding: data, as: UTF8.self) }
        let provenance = Provenance(
            inputs: [Provenance.Input(path: manifest.path, sha256: (try? SHA256.hex(ofFile: manifest.path)) ?? "")]
                + results.map { Provenance.Input(path: $0.path, sha256: $0.sha256) },
            settings: settingsText)
        return SeriesResult(
            manifest: manifest.path, provenance: provenance, settings: settings, acquisitions: results,
            summary: summarize(results, settings: settings))
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
    private var anyFailed = false
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ r: Result<AcquisitionResult, Error>) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[k] = r
        if case .failure = r { anyFailed = true }
        done += 1
        return done
    }
    /// Whether some acquisition has failed (later ones need not start).
    var failed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return anyFailed
    }
    func results() -> [Result<AcquisitionResult, Error>?] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
