import EARLClassifier
import Foundation
import IQCore

/// Report sections for `iqkit earl check` results: per-scan label and both
/// stages' probabilities, and a mosaic of the edge images the CNN sees.
public enum EarlReportReader: ResultReader {
    public static let kind = "earl-check"

    public static func recognises(_ object: [String: Any]) -> Bool {
        object["kind"] as? String == "earl-check" || ((object["results"] as? [[String: Any]])?.first?["probabilities"] != nil)
    }

    public static func sections(from data: Data, path: String) throws -> [ReportSection] {
        let report = try ResultJSON.decode(EARLCheckReport.self, from: data, path: path)
        let requirement = report.require.flatMap(EARLRequirement.init(rawValue:))
        let checks = requirement.map { req in
            report.results.map { r in
                Check(name: "\(r.path) meets \(req.rawValue)", passed: req.isMet(by: r.label), measured: r.label.rawValue, criterion: "label \(req == .any ? "earl1 or earl2" : req.rawValue)")
            }
        } ?? []
        func p(_ v: Double) -> String { String(format: "%.3f", v) }
        // Stage 1's estimates of the reconstruction (models trained with
        // auxiliary targets), one column per quantity any result has.
        let estimated = Set(report.results.flatMap { $0.estimates?.keys.map { $0 } ?? [] }).sorted()
        // The scans' edge-image noise, when measured (iqkit since 2026-12-07); marked outside the model's training scans'.
        let noise = report.results.contains { $0.edgeNoise != nil }
        func noiseMark(_ n: Double) -> ReportTable.Mark { report.modelDomain?.edgeNoiseIsInside(n) == false ? .fail : .none }
        let rows: [[ReportTable.Cell]] = report.results.map { r in
            let mark: ReportTable.Mark = requirement.map { $0.isMet(by: r.label) ? .pass : .fail } ?? .none
            return [
                .init(r.path), .init(r.label.rawValue, mark: mark), .init(p(r.probabilities.clinical)), .init(p(r.probabilities.earl1)),
                .init(p(r.probabilities.earl2)), .init(p(r.stage1Compliant)), .init(p(r.stage2EARL2)),
            ] + estimated.map { name in .init(r.estimates?[name].map { String(format: "%.3g", $0) } ?? "–") }
                + (noise ? [r.edgeNoise.map { .init(String(format: "%.1f %%", 100 * $0), mark: noiseMark($0)) } ?? .init("–")] : [])
        }
        let table = ReportTable(
            caption: "Labels and probabilities (P(earlN) = P(compliant) × P(earlN | compliant))",
            header: ["scan", "label", "P(clinical)", "P(earl1)", "P(earl2)", "stage 1: P(compliant)", "stage 2: P(earl2)"]
                + estimated.map { "stage 1 estimate: \($0)" } + (noise ? ["edge-image noise"] : []), rows: rows)
        var figures: [ReportFigure] = []
        if let mosaic = edgeMosaic(report.results.map(\.path)) {
            figures.append(ReportFigure(
                name: "earl-" + ReportNames.stem(path) + "-edges", caption: "Edge images (6 mm FWHM smoothed copy minus the image), coronal slice through the body centre; one tile per scan in table order",
                content: .png(mosaic)))
        }
        let summary = EARLLabel.countSummary(report.results.map(\.label))
        let warnings: [String] = report.results.flatMap { r in (r.warnings ?? []).map { "Warning, \(r.path): \($0)." } }
        return [
            ReportSection(
                kind: kind, title: "EARL compliance of patient scans — \(path)", subject: path, checks: checks,
                keyFigures: [("scans", String(report.results.count)), ("labels", summary)],
                paragraphs: [
                    "Each scan's edge image (6 mm FWHM Gaussian-smoothed copy minus the image) goes through two sparse CNNs: stage 1 clinical vs EARL-compliant, stage 2 EARL1 vs EARL2. Labels: \(summary)."
                        + (requirement.map { " Required: \($0.rawValue)." } ?? " No requirement was set: classification only.")
                ] + (estimated.isEmpty ? [] : [
                    "The model's stage 1 was also trained to estimate \(estimated.joined(separator: ", ")) of the reconstruction (auxiliary targets from simulated scans): estimates, not measurements; they do not enter the label."
                ]) + (report.modelDomain.map {
                    ["The model was trained on scans with \($0.summary); a scan outside these ranges is labelled all the same, with a warning that its label is an extrapolation."]
                } ?? []) + warnings,
                tables: [table], figures: figures, provenance: report.provenance)
        ]
    }

    /// Coronal edge-image slices of up to 8 scans that are still on disk.
    static func edgeMosaic(_ paths: [String]) -> Data? {
        var tiles: [RGBImage] = []
        for path in paths.prefix(8) {
            guard FileManager.default.fileExists(atPath: path), let v = try? NIfTIReader.read(path).volume else { continue }
            let edge = EdgeImage.compute(v)
            let y = v.ny / 2
            var values = [Float](repeating: 0, count: v.nx * v.nz)
            for z in 0..<v.nz { for x in 0..<v.nx { values[(v.nz - 1 - z) * v.nx + x] = edge[x, y, z] } }
            let plane = VolumeRendering.Plane(width: v.nx, height: v.nz, values: values)
            let q = Statistics.quantiles(values.map { abs($0) }, [0.995])[0]
            let w = Float(q > 0 ? q : 1)
            // Square pixels in mm: zoom so that the tile is about 200 px wide.
            let zoom = max(1, Int((200.0 / Double(v.nx)).rounded()))
            tiles.append(VolumeRendering.grey(plane, window: -w...w, zoom: zoom))
        }
        guard !tiles.isEmpty else { return nil }
        let width = tiles.map(\.width).max() ?? 1, height = tiles.map(\.height).max() ?? 1
        let padded = tiles.map { t -> RGBImage in
            var out = RGBImage(width: width, height: height, fill: (255, 255, 255))
            for y in 0..<t.height { for x in 0..<t.width { out[x, y] = t[x, y] } }
            return out
        }
        return VolumeRendering.mosaic(padded, columns: 4).pngData()
    }
}
