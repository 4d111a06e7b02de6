import Foundation
import IQCore
import VesselPhantom

/// Report sections for `iqkit phantom analyze` results (CT lung-vessel
/// phantom series): the study's tables per recon × dose, the measures
/// against dose, and a projection of one acquisition with its segmentation.
/// Computes no metric: every number comes from the result's summary.
public enum VesselReportReader: ResultReader {
    public static let kind = "ct-vessel-phantom-series"

    /// Largest relative deviation of the detected tree volume at the highest
    /// dose from the truth volume that passes (the study's criterion).
    public static let volumeTolerance = 0.10
    /// The radius bin shown in the charts: the study's 3 mm example.
    public static let chartRadiusMM = 3.0

    public static func recognises(_ object: [String: Any]) -> Bool {
        object["kind"] as? String == kind
    }

    public static func sections(from data: Data, path: String) throws -> [ReportSection] {
        let result = try ResultJSON.decode(SeriesResult.self, from: data, path: path)
        if result.acquisitions.isEmpty || result.summary.isEmpty {
            throw InputError.invalidData(path: path, problem: "the series result has no acquisitions or no summary")
        }
        let subject = result.manifest ?? path
        return [section(result, subject: subject, figureStem: "vessel-" + ReportNames.stem(subject))]
    }

    public static func section(_ r: SeriesResult, subject: String, figureStem: String) -> ReportSection {
        let layout = Layout(r.summary)
        var figures = [
            ReportFigure(
                name: figureStem + "-mpv", caption: "MPV of the \(mm(layout.chartRadius)) radius bin against CTDIvol, mean ± SD over repetitions, one line per recon",
                content: .svg(chart(layout, title: "MPV, radius \(mm(layout.chartRadius))", yLabel: "MPV (HU)") { layout.bin($0)?.mpvHU })),
            ReportFigure(
                name: figureStem + "-iqr", caption: "IQR (noise) of the \(mm(layout.chartRadius)) radius bin against CTDIvol, mean ± SD over repetitions, one line per recon",
                content: .svg(chart(layout, title: "IQR, radius \(mm(layout.chartRadius))", yLabel: "IQR (HU)") { layout.bin($0)?.iqrHU })),
            ReportFigure(
                name: figureStem + "-volume",
                caption: "Detected vessel-tree volume against CTDIvol, mean ± SD over repetitions"
                    + (layout.truthVolume.map { String(format: "; the truth %.2f mL ± %.0f %% is shaded", $0, 100 * volumeTolerance) } ?? ""),
                content: .svg(chart(layout, title: "Vessel-tree volume", yLabel: "volume (mL)", truthBand: layout.truthVolume) { $0.volumeML })),
        ]
        var paragraphs = [
            "Per-radius MPV (median HU) and IQR (inter-quartile range, a noise measure) of the centreline voxels, and the detected vessel-tree volume, "
                + "of \(r.acquisitions.count) acquisitions: \(layout.recons.count) recon(s) × \(layout.doses.count) dose(s), "
                + "mean ± SD over the repetitions of each recon and dose (n in the volume table).",
        ]
        switch projection(r) {
        case .success(let (png, caption)): figures.append(ReportFigure(name: figureStem + "-mip", caption: caption, content: .png(png)))
        case .failure(let why): paragraphs.append("No projection image: \(why.message).")
        }
        return ReportSection(
            kind: "vessel", title: "CT lung-vessel phantom series — \(subject)", subject: subject, checks: checks(layout),
            keyFigures: [
                ("acquisitions", String(r.acquisitions.count)), ("recons", layout.recons.joined(separator: ", ")),
                ("doses", layout.doses.map(mGy).joined(separator: ", ")),
            ],
            paragraphs: paragraphs, tables: tables(layout), figures: figures, provenance: r.provenance)
    }

    // MARK: - Layout

    /// The summary arranged as the study's tables: recons in order of first
    /// appearance, doses ascending, radius bins ascending.
    struct Layout {
        var recons: [String] = []
        var doses: [Double]
        var radii: [Double]
        var rows: [String: [Double: SummaryRow]] = [:]
        var chartRadius: Double
        var truthVolume: Double?

        init(_ summary: [SummaryRow]) {
            let radii = Set(summary.flatMap { $0.bins.map(\.radiusMM) }).sorted()
            let target = VesselReportReader.chartRadiusMM
            self.radii = radii
            doses = Set(summary.map(\.ctdiVolMGy)).sorted()
            chartRadius = radii.min { abs($0 - target) < abs($1 - target) } ?? target
            truthVolume = summary.lazy.compactMap(\.truthVolumeML).first
            for s in summary where !recons.contains(s.recon) { recons.append(s.recon) }
            for s in summary where rows[s.recon]?[s.ctdiVolMGy] == nil { rows[s.recon, default: [:]][s.ctdiVolMGy] = s }
        }

        func row(_ recon: String, _ dose: Double) -> SummaryRow? { rows[recon]?[dose] }
        func bin(_ row: SummaryRow, radius: Double) -> SummaryBin? { row.bins.first { $0.radiusMM == radius } }
        func bin(_ row: SummaryRow) -> SummaryBin? { bin(row, radius: chartRadius) }
        /// Doses at which this recon was measured.
        func doses(of recon: String) -> [Double] { doses.filter { row(recon, $0) != nil } }
    }

    static func mm(_ v: Double) -> String { String(format: "%g mm", v) }
    static func mGy(_ v: Double) -> String { String(format: "%g mGy", v) }
    static func cell(_ m: MeanSD?, digits: Int) -> ReportTable.Cell {
        guard let m, m.mean.isFinite else { return .init("n/a") }
        let mean = String(format: "%.\(digits)f", m.mean)
        return .init(m.sd.isFinite && m.n > 1 ? mean + " ± " + String(format: "%.\(digits)f", m.sd) : mean)
    }

    // MARK: - Tables

    static func tables(_ l: Layout) -> [ReportTable] {
        let doseHeader = l.doses.map(mGy)
        func perBin(_ caption: String, _ pick: (SummaryBin) -> MeanSD) -> ReportTable {
            var rows: [[ReportTable.Cell]] = []
            for recon in l.recons {
                for radius in l.radii {
                    let head: [ReportTable.Cell] = [.init(recon), .init(String(format: "%g", radius))]
                    rows.append(head + l.doses.map { d in cell(l.row(recon, d).flatMap { l.bin($0, radius: radius) }.map(pick), digits: 0) })
                }
            }
            return ReportTable(caption: caption, header: ["recon", "radius (mm)"] + doseHeader, rows: rows)
        }
        let repetitions = Set(l.rows.values.flatMap { $0.values.map(\.repetitions) }).sorted()
        let n = repetitions.count == 1 ? "n = \(repetitions[0])" : "n = \(repetitions.first ?? 0)–\(repetitions.last ?? 0)"
        var tables = [
            ReportTable(
                caption: "Detected vessel-tree volume (mL), mean ± SD over repetitions (\(n))"
                    + (l.truthVolume.map { String(format: "; truth %.2f mL", $0) } ?? ""),
                header: ["recon"] + doseHeader,
                rows: l.recons.map { recon -> [ReportTable.Cell] in [.init(recon)] + l.doses.map { cell(l.row(recon, $0)?.volumeML, digits: 2) } }),
            perBin("MPV (HU) of the centreline voxels per radius bin, mean ± SD over repetitions", \.mpvHU),
            perBin("IQR (HU) of the centreline voxels per radius bin, mean ± SD over repetitions", \.iqrHU),
        ]
        if l.rows.values.contains(where: { $0.values.contains { $0.dice != nil } }) {
            tables.append(ReportTable(
                caption: "Dice overlap with the truth mask, mean ± SD over repetitions", header: ["recon"] + doseHeader,
                rows: l.recons.map { recon -> [ReportTable.Cell] in [.init(recon)] + l.doses.map { cell(l.row(recon, $0)?.dice, digits: 3) } }))
        }
        return tables
    }

    // MARK: - Checks

    /// Per recon: noise falls with dose; with a truth, the volume at the
    /// highest dose is within the tolerance.
    static func checks(_ l: Layout) -> [Check] {
        var checks: [Check] = []
        for recon in l.recons {
            let doses = l.doses(of: recon)
            guard let lo = doses.first, let hi = doses.last, lo < hi, let low = l.row(recon, lo), let high = l.row(recon, hi) else { continue }
            // Pool the bins measured at both doses: one bin alone holds few centreline voxels.
            let common = l.radii.filter { r in
                [low, high].allSatisfy { (l.bin($0, radius: r)?.iqrHU.mean ?? .nan).isFinite }
            }
            let criterion = "IQR at \(mGy(hi)) < IQR at \(mGy(lo)) (mean over the radius bins measured at both doses)"
            if common.isEmpty {
                checks.append(Check(name: "\(recon): IQR falls with dose", passed: false, measured: "no radius bin measured at both doses", criterion: criterion))
                continue
            }
            func pooled(_ row: SummaryRow) -> Double {
                common.map { l.bin(row, radius: $0)?.iqrHU.mean ?? 0 }.reduce(0, +) / Double(common.count)
            }
            let a = pooled(low), b = pooled(high)
            checks.append(Check(
                name: "\(recon): IQR falls with dose", passed: b < a,
                measured: String(format: "%.0f HU at %@ → %.0f HU at %@ (%d bin%@)", a, mGy(lo), b, mGy(hi), common.count, common.count == 1 ? "" : "s"),
                criterion: criterion))
        }
        if let truth = l.truthVolume, truth > 0 {
            for recon in l.recons {
                guard let hi = l.doses(of: recon).last, let row = l.row(recon, hi) else { continue }
                let v = row.volumeML.mean
                let deviation = v / truth - 1
                checks.append(Check(
                    name: "\(recon): tree volume at \(mGy(hi)) matches the truth", passed: v.isFinite && abs(deviation) <= volumeTolerance,
                    measured: v.isFinite ? String(format: "%.2f mL (%+.1f %%)", v, 100 * deviation) : "n/a",
                    criterion: String(format: "±%.0f %% of the truth %.2f mL", 100 * volumeTolerance, truth)))
            }
        }
        return checks
    }

    // MARK: - Figures

    static func chart(_ l: Layout, title: String, yLabel: String, truthBand: Double? = nil, _ pick: (SummaryRow) -> MeanSD?) -> String {
        let series = l.recons.enumerated().map { k, recon -> LineChart.Series in
            var points: [(x: Double, y: Double)] = []
            var errors: [Double] = []
            for d in l.doses(of: recon) {
                guard let row = l.row(recon, d), let m = pick(row), m.mean.isFinite else { continue }
                points.append((d, m.mean))
                errors.append(m.sd.isFinite ? m.sd : 0)
            }
            return LineChart.Series(name: recon, points: points, errors: errors, color: LineChart.palette[k % LineChart.palette.count], dashed: k >= LineChart.palette.count)
        }
        var bands: [LineChart.Band] = []
        if let t = truthBand, let lo = l.doses.first, let hi = l.doses.last {
            let x = lo < hi ? [lo, hi] : [lo * 0.9, hi * 1.1]
            bands.append(.init(
                name: String(format: "truth ±%.0f %%", 100 * volumeTolerance), x: x, lo: [t * (1 - volumeTolerance), t * (1 - volumeTolerance)],
                hi: [t * (1 + volumeTolerance), t * (1 + volumeTolerance)], color: LineChart.palette[2]))
        }
        return LineChart(title: title, xLabel: "CTDIvol (mGy, log scale)", yLabel: yLabel, series: series, bands: bands, logX: true).svg()
    }

    struct Unavailable: Error {
        var message: String
    }

    /// The acquisition shown: highest dose, first recon, first repetition.
    static func shownAcquisition(_ r: SeriesResult) -> AcquisitionResult? {
        guard let firstRecon = r.acquisitions.first?.recon else { return nil }
        let ofRecon = r.acquisitions.filter { $0.recon == firstRecon }
        guard let dose = ofRecon.map(\.ctdiVolMGy).max() else { return nil }
        return ofRecon.filter { $0.ctdiVolMGy == dose }.min { $0.repetition < $1.repetition }
    }

    /// Axial MIP of the shown acquisition, plain and with the segmentation's
    /// shadow tinted, side by side; needs the image and the mask on disk.
    static func projection(_ r: SeriesResult) -> Result<(Data, String), Unavailable> {
        guard let acq = shownAcquisition(r) else { return .failure(Unavailable(message: "no acquisition")) }
        guard let maskPath = acq.maskPath else {
            return .failure(Unavailable(message: "the result records no segmentation masks (analyse with `iqkit phantom analyze --masks DIR`)"))
        }
        guard let manifest = r.manifest else { return .failure(Unavailable(message: "the result does not name its manifest")) }
        let imagePath = URL(fileURLWithPath: manifest).deletingLastPathComponent().appendingPathComponent(acq.path).path
        guard FileManager.default.fileExists(atPath: imagePath), let image = try? NIfTIReader.read(imagePath).volume else {
            return .failure(Unavailable(message: "the image \(acq.path) is not readable beside the manifest any more"))
        }
        guard FileManager.default.fileExists(atPath: maskPath), let mask = try? NIfTIReader.read(maskPath).volume else {
            return .failure(Unavailable(message: "the mask \(maskPath) is not readable any more"))
        }
        guard mask.dimensions == image.dimensions else {
            return .failure(Unavailable(message: "the mask \(maskPath) does not have the image's grid"))
        }
        let mip = VolumeRendering.axialMIP(image)
        let zoom = max(1, Int((360.0 / Double(max(image.nx, image.ny))).rounded()))
        let plain = VolumeRendering.grey(mip, window: -1000...200, zoom: zoom)
        var tinted = plain
        VolumeRendering.overlay(&tinted, mask: VolumeRendering.axialShadow(mask), width: image.nx, zoom: zoom, color: (255, 120, 0), alpha: 0.55)
        let png = VolumeRendering.mosaic([plain, tinted], columns: 2, gap: 8).pngData()
        let caption = "Axial maximum-intensity projection (window −1000…200 HU) of \(acq.path) (\(acq.recon), \(mGy(acq.ctdiVolMGy)), repetition \(acq.repetition)); "
            + "right: the segmentation's projection in orange"
        return .success((png, caption))
    }
}
