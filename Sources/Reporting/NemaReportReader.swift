import Foundation
import IQCore
import PETQuality

/// Report sections for `iqkit nema analyze` results.
public enum NemaReportReader: ResultReader {
    public static let kind = "nema"

    public static func recognises(_ object: [String: Any]) -> Bool {
        object["kind"] as? String == "nema" || (object["spheres"] != nil && object["verdicts"] != nil)
    }

    public static func sections(from data: Data, path: String) throws -> [ReportSection] {
        let result = try ResultJSON.decode(NEMAResult.self, from: data, path: path)
        try checkStructure(result, path: path)
        return [section(result, figureStem: "nema-" + ReportNames.stem(result.input))]
    }

    /// What the section indexes or converts must be there and finite: a
    /// file that decodes but was not written by `nema analyze` (edited,
    /// truncated, made up) is refused in one line instead of trapping.
    static func checkStructure(_ r: NEMAResult, path: String) throws {
        func refuse(_ problem: String) -> InputError { InputError.invalidData(path: path, problem: problem + " (not as `iqkit nema analyze` writes it)") }
        guard r.activities.sphereBqML.isFinite, r.activities.sphereBqML > 0 else { throw refuse("sphere activity \(r.activities.sphereBqML) Bq/mL") }
        guard !r.spheres.isEmpty else { throw refuse("no spheres") }
        for s in r.spheres {
            guard s.diameterMM.isFinite, s.diameterMM > 0, s.diameterMM <= 1000 else { throw refuse("a sphere diameter of \(s.diameterMM) mm") }
            guard s.centerVoxel.count == 3, s.centerVoxel.allSatisfy({ abs($0) < 1e6 }) else { throw refuse("sphere centre \(s.centerVoxel) (voxels)") }
            for (name, p) in s.pass {
                for band in [p.rcMaxBand, p.rcMeanBand] + [p.rcPeakBand].compactMap({ $0 }) where band.count != 2 {
                    throw refuse("a \(name) band of \(band.count) values, not 2")
                }
            }
        }
    }

    static func f2(_ v: Double) -> String { String(format: "%.2f", v) }
    static func band(_ b: [Double]) -> String { "\(f2(b[0]))–\(f2(b[1]))" }

    public static func section(_ r: NEMAResult, figureStem: String) -> ReportSection {
        let names = r.standards.map(\.name)
        var checks: [Check] = []
        if r.requirement == "any" {
            // Classifying a protocol: one check, "compliant with at least one band set".
            checks.append(Check(
                name: "EARL compliance (any of \(names.joined(separator: ", ")))", passed: !r.compliantWith.isEmpty,
                measured: r.compliantWith.isEmpty ? "none" : r.compliantWith.joined(separator: " + "),
                criterion: "every sphere's RCmax and RCmean inside one band set"))
        }
        for name in names where r.requirement != "any" {
            for s in r.spheres {
                guard let p = s.pass[name] else { continue }
                let d = "\(Int(s.diameterMM)) mm"
                checks.append(Check(name: "\(name) \(d) RCmax", passed: p.rcMax, measured: f2(s.rcMax), criterion: "\(name) RCmax \(band(p.rcMaxBand))"))
                checks.append(Check(name: "\(name) \(d) RCmean (A50)", passed: p.rcMean, measured: f2(s.rcMean), criterion: "\(name) RCmean \(band(p.rcMeanBand))"))
                if let ok = p.rcPeak, let b = p.rcPeakBand {
                    checks.append(Check(name: "\(name) \(d) RCpeak", passed: ok, measured: f2(s.rcPeak), criterion: "\(name) RCpeak \(band(b))"))
                }
            }
        }
        if let c = r.calibration {
            checks.append(Check(
                name: "calibration bias", passed: c.pass, measured: String(format: "%+.1f %%", c.biasPercent),
                criterion: String(format: "±%.0f %% of %.0f Bq/mL", c.tolerancePercent, c.expectedBackgroundBqML)))
        }
        var header = ["sphere (mm)", "RCmax", "RCmean (A50)", "RCpeak"]
        header += names
        let rows: [[ReportTable.Cell]] = r.spheres.map { s in
            [.init(String(Int(s.diameterMM))), .init(f2(s.rcMax)), .init(f2(s.rcMean)), .init(f2(s.rcPeak))]
                + names.map { n in
                    guard let p = s.pass[n] else { return .init("—") }
                    return .init(p.all ? "pass" : "fail", mark: p.all ? .pass : .fail)
                }
        }
        let table = ReportTable(caption: "Recovery coefficients (true sphere concentration \(String(format: "%.0f", r.activities.sphereBqML)) Bq/mL)", header: header, rows: rows)
        var figures = [ReportFigure(name: figureStem + "-rc", caption: "Recovery coefficients against sphere diameter, with the EARL bands shaded", content: .svg(rcChart(r)))]
        if let voi = VOIOverlay.render(r) {
            figures.append(ReportFigure(name: figureStem + "-vois", caption: "Sphere VOIs (true diameters) drawn on the slice through the sphere centres", content: .png(voi)))
        }
        let verdict = r.compliantWith.isEmpty ? "none" : r.compliantWith.joined(separator: " + ")
        var keys: [(name: String, value: String)] = [("compliant with", verdict)]
        if let f = r.effectiveFWHMMM { keys.append(("effective FWHM", String(format: "%.1f mm", f))) }
        keys.append(("background COV", String(format: "%.1f %%", 100 * r.background.cov)))
        var paragraphs = [
            "Compliant with: \(verdict). " + r.activities.note + ".",
            String(format: "Background %.4g %@ (voxel COV %.1f %%, NEMA ROI-mean variability %.1f %% over %d ROIs of %.0f mm).",
                r.background.mean, r.unit ?? "", 100 * r.background.cov, 100 * r.background.roiMeanCOV, r.background.roiCount, r.background.roiDiameterMM),
            "Localisation: \(r.localisation.method), spheres fitted to the ring with \(String(format: "%.2f", r.localisation.fitRMSMM)) mm RMS. RCpeak: \(r.rcPeakDefinition).",
        ]
        if let f = r.effectiveFWHMMM { paragraphs.append(String(format: "Effective resolution (walled sphere ⊗ Gaussian fit): %.1f mm FWHM.", f)) }
        return ReportSection(
            kind: kind, title: "NEMA IEC phantom — \(r.input)", subject: r.input, checks: checks, keyFigures: keys,
            paragraphs: paragraphs, tables: [table], figures: figures, provenance: r.provenance)
    }

    static func rcChart(_ r: NEMAResult) -> String {
        let spheres = r.spheres.sorted { $0.diameterMM < $1.diameterMM }
        let x = spheres.map(\.diameterMM)
        var bands: [LineChart.Band] = []
        for (i, name) in r.standards.map(\.name).enumerated() {
            let checks = spheres.compactMap { $0.pass[name] }
            guard checks.count == spheres.count else { continue }
            let color = [LineChart.palette[2], LineChart.palette[3], LineChart.palette[4]][i % 3]
            bands.append(.init(name: "\(name) RCmax", x: x, lo: checks.map { $0.rcMaxBand[0] }, hi: checks.map { $0.rcMaxBand[1] }, color: color))
            bands.append(.init(name: "\(name) RCmean", x: x, lo: checks.map { $0.rcMeanBand[0] }, hi: checks.map { $0.rcMeanBand[1] }, color: color))
        }
        let chart = LineChart(
            title: "Recovery coefficients", xLabel: "sphere diameter (mm)", yLabel: "RC",
            series: [
                .init(name: "RCmax", points: spheres.map { ($0.diameterMM, $0.rcMax) }, color: LineChart.palette[0]),
                .init(name: "RCmean (A50)", points: spheres.map { ($0.diameterMM, $0.rcMean) }, color: LineChart.palette[1]),
                .init(name: "RCpeak", points: spheres.map { ($0.diameterMM, $0.rcPeak) }, color: LineChart.palette[5], dashed: true),
            ], bands: bands)
        return chart.svg()
    }
}

/// Draws the sphere VOIs over the phantom image, when the image is still
/// where the result says it was analysed.
enum VOIOverlay {
    static func render(_ r: NEMAResult) -> Data? {
        guard FileManager.default.fileExists(atPath: r.input), let loaded = try? NIfTIReader.read(r.input) else { return nil }
        let v = loaded.volume
        let z = Int((r.spheres.map { $0.centerVoxel[2] }.reduce(0, +) / Double(r.spheres.count)).rounded())
        let plane = VolumeRendering.axialSlice(v, z: z)
        let zoom = max(1, Int((400.0 / Double(max(v.nx, v.ny))).rounded()))
        var image = VolumeRendering.grey(plane, window: 0...Float(r.activities.sphereBqML * 1.1), zoom: zoom)
        for s in r.spheres {
            let radiusVoxels = s.diameterMM / 2 / v.spacingMM.x
            VolumeRendering.circle(&image, center: (s.centerVoxel[0], s.centerVoxel[1]), radius: radiusVoxels, zoom: zoom, color: (230, 60, 40))
        }
        return image.pngData()
    }
}

/// Report sections for `iqkit harmonize` results.
public enum HarmonizeReportReader: ResultReader {
    public static let kind = "harmonize"

    /// What the section indexes or converts must be there and finite (see
    /// `NemaReportReader.checkStructure`).
    static func checkStructure(_ r: HarmonizationResult, path: String) throws {
        func refuse(_ problem: String) -> InputError { InputError.invalidData(path: path, problem: problem + " (not as `iqkit harmonize` writes it)") }
        guard r.diametersMM.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 1000 }) else { throw refuse("sphere diameters \(r.diametersMM) mm") }
        guard r.sweep.allSatisfy({ $0.rcMean.count == r.diametersMM.count }) else { throw refuse("a sweep point without one RCmean per sphere") }
        if let range = r.feasibleFWHMMM, range.count != 2 { throw refuse("a feasible range of \(range.count) values, not 2") }
    }

    public static func recognises(_ object: [String: Any]) -> Bool {
        object["kind"] as? String == "harmonize" || object["recommendedFWHMMM"] != nil
    }

    public static func sections(from data: Data, path: String) throws -> [ReportSection] {
        let r = try ResultJSON.decode(HarmonizationResult.self, from: data, path: path)
        try checkStructure(r, path: path)
        let stem = "harmonize-" + ReportNames.stem(r.phantom)
        let feasible = r.recommendedFWHMMM != nil
        let measured = r.recommendedFWHMMM.map { String(format: "recommended %.1f mm (feasible %.1f–%.1f mm)", $0, r.feasibleFWHMMM?[0] ?? 0, r.feasibleFWHMMM?[1] ?? 0) } ?? "no feasible filter"
        let check = Check(name: "post-filter reaches \(r.standard.name)", passed: feasible, measured: measured, criterion: String(format: "Gaussian FWHM 0–%.0f mm in %.1f mm steps", r.maxFWHMMM, r.stepMM))
        let series = r.diametersMM.indices.map { i in
            LineChart.Series(
                name: "\(Int(r.diametersMM[i])) mm RCmean", points: r.sweep.map { ($0.fwhmMM, $0.rcMean[i]) },
                color: LineChart.palette[i % LineChart.palette.count])
        }
        var bands: [LineChart.Band] = []
        if let range = r.feasibleFWHMMM {
            bands.append(.init(name: "feasible FWHM", x: [range[0], range[1]], lo: [0, 0], hi: [1.2, 1.2], color: LineChart.palette[2]))
        }
        let chart = LineChart(title: "RCmean against post-filter FWHM", xLabel: "Gaussian post-filter FWHM (mm)", yLabel: "RCmean (A50)", series: series, bands: bands, yRange: 0...1.2)
        var paragraphs = [r.reason + "."]
        if let f = r.effectiveFWHMMM { paragraphs.append(String(format: "Effective resolution of the unfiltered phantom: %.1f mm FWHM.", f)) }
        let table = ReportTable(
            caption: "Scans filtered with the recommended FWHM", header: ["input", "output", "input SHA-256"],
            rows: r.applied.map { [.init($0.input), .init($0.output), .init($0.inputSHA256)] })
        return [
            ReportSection(
                kind: kind, title: "Harmonization to \(r.standard.name) — \(r.phantom)", subject: r.phantom, checks: [check],
                keyFigures: [("recommended FWHM", r.recommendedFWHMMM.map { String(format: "%.1f mm", $0) } ?? "none")],
                paragraphs: paragraphs, tables: r.applied.isEmpty ? [] : [table],
                figures: [ReportFigure(name: stem + "-sweep", caption: "RCmean of each sphere against the post-filter FWHM; the feasible range is shaded", content: .svg(chart.svg()))],
                provenance: r.provenance)
        ]
    }
}

/// File-name stems for figures: letters, digits and dashes only.
enum ReportNames {
    static func stem(_ path: String) -> String {
        var name = URL(fileURLWithPath: path).lastPathComponent
        for ext in [".nii.gz", ".nii", ".hdr", ".json", ".yaml"] where name.hasSuffix(ext) { name = String(name.dropLast(ext.count)) }
        let cleaned = String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
        return cleaned.isEmpty ? "input" : cleaned
    }
}
