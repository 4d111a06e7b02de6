import Foundation
import IQCore
import Reporting
import Testing
import VesselPhantom

/// The vessel-phantom section from a fixed `phantom analyze` result
/// (Golden/vessel-series.json: FBP and iterative at 0.5 and 4 mGy, two
/// repetitions, radius bins 1 and 3 mm, a truth of 12.5 mL; the iterative
/// volume is 13 % low, so one check fails).
@Suite struct VesselReportTests {
    static let fixturePath = ReportFixtures.goldenFolder + "/vessel-series.json"

    static func fixture() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: fixturePath)) }

    static func document(_ data: Data) throws -> ReportDocument {
        let sections = try VesselReportReader.sections(from: data, path: "vessel-series.json")
        return ReportDocument(title: "iqkit QA report", createdAt: "2026-11-23T00:00:00Z", toolVersion: "0.1.0", sections: sections)
    }

    @Test func htmlAndJUnitMatchGolden() throws {
        let document = try Self.document(try Self.fixture())
        try ReportFixtures.expectGolden(try HTMLReport(templates: ReportFixtures.templates).render(document), "vessel-report.html")
        try ReportFixtures.expectGolden(JUnitWriter.render(document), "vessel-junit.xml")
    }

    @Test func checksAndTables() throws {
        let section = try #require(try Self.document(try Self.fixture()).sections.first)
        #expect(section.kind == "vessel" && section.subject == "series/manifest.yaml")
        #expect(section.checks.map(\.name) == [
            "FBP: IQR falls with dose", "iterative: IQR falls with dose",
            "FBP: tree volume at 4 mGy matches the truth", "iterative: tree volume at 4 mGy matches the truth",
        ])
        #expect(section.checks.map(\.passed) == [true, true, true, false])
        // The iterative recon has no 1 mm value at 0.5 mGy: only the 3 mm bin is compared.
        #expect(section.checks[1].measured == "32 HU at 0.5 mGy → 12 HU at 4 mGy (1 bin)")
        #expect(section.checks[3].measured == "10.90 mL (-12.8 %)" && section.checks[3].criterion == "±10 % of the truth 12.50 mL")
        #expect(section.verdict == .fail)
        #expect(section.tables.map(\.header[0]) == ["recon", "recon", "recon", "recon"])
        let volume = section.tables[0]
        #expect(volume.header == ["recon", "0.5 mGy", "4 mGy"])
        #expect(volume.rows[0].map(\.text) == ["FBP", "13.20 ± 0.14", "12.50 ± 0.14"])
        let mpv = section.tables[1]
        #expect(mpv.rows.map { $0.map(\.text) } == [
            ["FBP", "1", "65 ± 7", "82 ± 3"], ["FBP", "3", "94 ± 3", "100 ± 1"],
            ["iterative", "1", "n/a", "52 ± 3"], ["iterative", "3", "72 ± 3", "81 ± 1"],
        ])
        #expect(section.figures.map(\.fileName) == ["vessel-manifest-mpv.svg", "vessel-manifest-iqr.svg", "vessel-manifest-volume.svg"])
        #expect(section.paragraphs.contains { $0.hasPrefix("No projection image: the image FBP/ctdi4.0_rep1.nii.gz") })
    }

    /// A recon named like a script (manifests are user text) is escaped
    /// everywhere: tables, checks, inline SVG legends, JUnit.
    @Test func hostileReconNameIsEscaped() throws {
        let hostile = "<script>alert(1)</script>"
        let text = String(decoding: try Self.fixture(), as: UTF8.self).replacingOccurrences(of: "\"recon\": \"FBP\"", with: "\"recon\": \"\(hostile)\"")
        let document = try Self.document(Data(text.utf8))
        #expect(document.sections[0].checks[0].name == hostile + ": IQR falls with dose")
        let html = try HTMLReport(templates: ReportFixtures.templates).render(document)
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        let junit = JUnitWriter.render(document)
        #expect(!junit.contains("<script") && junit.contains("&lt;script&gt;"))
        for figure in document.sections[0].figures {
            if case .svg(let svg) = figure.content { #expect(!svg.contains("<script"), "\(figure.name)") }
        }
    }

    @Test func refusesAnEmptySeries() throws {
        let text = #"{"kind": "ct-vessel-phantom-series", "provenance": {"tool": "iqkit", "toolVersion": "0", "createdAt": "", "inputs": [], "settings": {}}, "#
            + #""settings": {"binHalfWidthMM": 0.25, "radiusBinsMM": [1], "segmenter": {"holderMarginMM": 3, "minComponentMM3": 5, "smoothness": 0.5, "smoothnessSigmaHU": 200, "thresholdHU": -450, "#
            + #""vesselness": {"alpha": 0.5, "beta": 0.5, "cHU": 100, "scalesMM": [1]}, "vesselnessFloor": 0.05, "vesselnessWeight": 2, "widthHU": 150}}, "acquisitions": [], "summary": []}"#
        #expect(throws: InputError.invalidData(path: "r.json", problem: "the series result has no acquisitions or no summary")) {
            _ = try VesselReportReader.sections(from: Data(text.utf8), path: "r.json")
        }
        #expect(throws: InputError.self) { _ = try VesselReportReader.sections(from: Data(#"{"kind": "ct-vessel-phantom-series"}"#.utf8), path: "r.json") }
    }

    /// With the image and its mask on disk the section shows the axial MIP,
    /// plain and with the mask's shadow, of the highest dose of the first recon.
    @Test func projectionOfTheHighestDose() throws {
        let dir = NSTemporaryDirectory() + "iqkit-vessel-report-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/FBP", withIntermediateDirectories: true)
        var image = Volume(nx: 20, ny: 16, nz: 6, spacingMM: SIMD3(1, 1, 1), voxels: [Float](repeating: -1000, count: 20 * 16 * 6))
        for x in 4..<16 { image.voxels[image.index(x, 8, 3)] = 100 }
        try NIfTIWriter.write(image, to: dir + "/FBP/ctdi4.0_rep1.nii.gz")
        try NIfTIWriter.write(image.with(voxels: image.voxels.map { $0 > 0 ? 1 : 0 }), to: dir + "/mask.nii.gz")
        var result = try ResultJSON.decoder().decode(SeriesResult.self, from: try Self.fixture())
        result.manifest = dir + "/manifest.yaml"
        for k in result.acquisitions.indices { result.acquisitions[k].maskPath = dir + "/mask.nii.gz" }
        let section = VesselReportReader.section(result, subject: "m", figureStem: "v")
        let mip = try #require(section.figures.last)
        #expect(mip.fileName == "v-mip.png" && mip.caption.contains("FBP/ctdi4.0_rep1.nii.gz (FBP, 4 mGy, repetition 1)"))
        guard case .png(let png) = mip.content else { Issue.record("not a PNG"); return }
        // Two tiles of 20 × 16 pixels zoomed 18× side by side, 8 pixels apart.
        let bytes = [UInt8](png)
        let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 2 * 20 * 18 + 8 && height == 16 * 18)
        #expect(!section.paragraphs.contains { $0.hasPrefix("No projection image") })
    }

    @Test func axialProjections() {
        var v = Volume(nx: 3, ny: 2, nz: 2, spacingMM: SIMD3(1, 1, 1), voxels: [Float](repeating: 0, count: 12))
        v.voxels[v.index(1, 0, 0)] = 5
        v.voxels[v.index(1, 0, 1)] = 7
        v.voxels[v.index(2, 1, 1)] = 1
        #expect(VolumeRendering.axialMIP(v).values == [0, 7, 0, 0, 0, 1])
        #expect(VolumeRendering.axialShadow(v) == [false, true, false, false, false, true])
    }

    @Test func logTicks() {
        #expect(LineChart.logTicks(0.2, 4) == [0.2, 0.5, 1, 2, 5])
        #expect(LineChart.logTicks(1, 10) == [1, 2, 5, 10])
        #expect(LineChart.logTicks(0.01, 1000) == [0.01, 0.1, 1, 10, 100, 1000])
        let svg = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", points: [(0, 1), (0.5, 2), (4, 3)], color: "#000")], logX: true).svg()
        #expect(svg.contains(">0.5</text>") && svg.contains(">5</text>") && !svg.contains("nan"))
    }
}
