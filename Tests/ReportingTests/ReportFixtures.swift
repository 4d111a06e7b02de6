import Foundation
import IQCore
import Reporting
import Testing

/// A fixed report document: every field set, including hostile strings.
enum ReportFixtures {
    static let hostile = "<script>alert(\"x\")</script> & 'quotes'.nii"

    static func provenance(_ path: String) -> Provenance {
        var p = Provenance(inputs: [.init(path: path, sha256: String(repeating: "ab", count: 32))], settings: ["standard": "earl1", "note": hostile])
        p.createdAt = "2026-11-23T00:00:00Z"
        p.toolVersion = "0.1.0"
        return p
    }

    static func document() -> ReportDocument {
        let chart = LineChart(
            title: "RC curves", xLabel: "sphere diameter (mm)", yLabel: "RC",
            series: [.init(name: "RCmax", points: [(10, 0.5), (13, 0.7), (17, 0.9)], errors: [0.02, 0.02, 0.01], color: LineChart.palette[0])],
            bands: [.init(name: "EARL1 RCmax", x: [10, 13, 17], lo: [0.34, 0.59, 0.73], hi: [0.57, 0.85, 1.01], color: LineChart.palette[1])])
        var image = RGBImage(width: 4, height: 3, fill: (10, 20, 30))
        image[1, 1] = (255, 0, 0)
        let failing = ReportSection(
            kind: "nema", title: "NEMA IEC phantom: " + hostile, subject: hostile,
            checks: [
                Check(name: "10 mm RCmax (EARL1)", passed: true, measured: "0.50", criterion: "0.34–0.57"),
                Check(name: "13 mm RCmean <A50> (EARL1)", passed: false, measured: "0.70", criterion: "0.44–0.60"),
            ],
            keyFigures: [("effective FWHM", "6.1 mm"), ("verdict", "none")],
            paragraphs: ["Activities estimated from the image & stated so."],
            tables: [ReportTable(caption: "Spheres", header: ["d (mm)", "RCmax"], rows: [[.init("10"), .init("0.50", mark: .pass)], [.init("13"), .init("0.70", mark: .fail)]])],
            figures: [
                ReportFigure(name: "nema-1-rc", caption: "RC against diameter", content: .svg(chart.svg())),
                ReportFigure(name: "nema-1-vois", caption: "VOIs on the sphere slice", content: .png(image.pngData())),
            ],
            provenance: provenance(hostile))
        let info = ReportSection(
            kind: "vessel", title: "Vessel phantom series", subject: "series/manifest.yaml", checks: [],
            keyFigures: [("acquisitions", "60")], provenance: provenance("series/manifest.yaml"))
        return ReportDocument(title: "iqkit QA report", createdAt: "2026-11-23T00:00:00Z", toolVersion: "0.1.0", sections: [failing, info])
    }

    static let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    static let templates: ReportTemplates = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // The tests run against the repository's own templates.
        return (try? ReportTemplates.load(from: [root.appendingPathComponent("Reports/templates").path])) ?? ReportTemplates(page: "", css: "")
    }()

    /// Compares with a golden file; UPDATE_GOLDEN=1 rewrites it (then review the diff).
    static func expectGolden(_ text: String, _ name: String) throws {
        let path = goldenFolder + "/" + name
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        if text != golden {
            let a = text.split(separator: "\n", omittingEmptySubsequences: false)
            let b = golden.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("\(name) differs from golden at line \((first?.offset ?? min(a.count, b.count)) + 1): got «\(first.map { String($0.element.0) } ?? "")» expected «\(first.map { String($0.element.1) } ?? "")»")
        }
    }
}
