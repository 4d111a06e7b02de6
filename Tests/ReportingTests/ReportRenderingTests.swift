import CZlib
import Foundation
import IQCore
import Reporting
import Testing

@Suite struct ReportRenderingTests {
    func expectGolden(_ text: String, _ name: String) throws {
        try ReportFixtures.expectGolden(text, name)
    }

    @Test func htmlMatchesGolden() throws {
        let html = try HTMLReport(templates: ReportFixtures.templates).render(ReportFixtures.document())
        try expectGolden(html, "report.html")
    }

    @Test func junitMatchesGolden() throws {
        try expectGolden(JUnitWriter.render(ReportFixtures.document()), "junit.xml")
    }

    @Test func tsvHasOneRowPerInput() {
        let tsv = TSVWriter.render(ReportFixtures.document())
        let lines = tsv.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0] == "kind\tinput\tverdict\tchecks\tfailed\teffective FWHM\tverdict\tacquisitions")
        #expect(lines[1].hasPrefix("nema\t" + ReportFixtures.hostile + "\tfail\t2\t1\t6.1 mm"))
        #expect(lines[2] == "vessel\tseries/manifest.yaml\tinfo\t0\t0\t\t\t60")
    }

    /// Nothing in the page is fetched: no src/href to other hosts or files,
    /// no @import or url() in the CSS, no scripts.
    @Test func htmlReferencesNoExternalResource() throws {
        let html = try HTMLReport(templates: ReportFixtures.templates).render(ReportFixtures.document())
        let lower = html.lowercased()
        #expect(!lower.contains("<script"))
        #expect(!lower.contains("@import"))
        #expect(!lower.contains("url("))
        #expect(!lower.contains("<link"))
        #expect(!lower.contains("<iframe"))
        for attribute in ["src=\"", "href=\""] {
            var rest = Substring(lower)
            while let range = rest.range(of: attribute) {
                let value = rest[range.upperBound...].prefix { $0 != "\"" }
                #expect(value.hasPrefix("#") || value.hasPrefix("data:image/png;base64,"), "external reference: \(value.prefix(60))")
                rest = rest[range.upperBound...]
            }
        }
        // xmlns is a namespace name, not a fetch; it is the only http text allowed.
        #expect(lower.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http") == false)
    }

    /// Every user-supplied string is escaped: the hostile file name never
    /// appears raw in HTML, SVG or JUnit.
    @Test func userStringsAreEscaped() throws {
        let html = try HTMLReport(templates: ReportFixtures.templates).render(ReportFixtures.document())
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;"))
        let junit = JUnitWriter.render(ReportFixtures.document())
        #expect(!junit.contains("<script>"))
        let chart = LineChart(title: "<b>t</b>", xLabel: "a&b", yLabel: "\"y\"", series: [.init(name: "<s>", points: [(0, 1), (1, 2)], color: "#000")])
        let svg = chart.svg()
        #expect(!svg.contains("<b>") && !svg.contains("<s>") && svg.contains("a&amp;b"))
    }

    /// The PNG has a valid signature, IHDR, CRCs (zlib's crc32) and an IDAT
    /// that inflates back to the filtered scanlines.
    @Test func pngIsWellFormed() {
        var img = RGBImage(width: 3, height: 2, fill: (1, 2, 3))
        img[2, 1] = (200, 100, 50)
        let png = [UInt8](img.pngData())
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var offset = 8
        var idat: [UInt8] = []
        var types: [String] = []
        while offset + 12 <= png.count {
            let length = Int(png[offset]) << 24 | Int(png[offset + 1]) << 16 | Int(png[offset + 2]) << 8 | Int(png[offset + 3])
            let typed = Array(png[(offset + 4)..<(offset + 8 + length)])
            let crcBytes = png[(offset + 8 + length)..<(offset + 12 + length)]
            let crc = crcBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let computed = typed.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            #expect(crc == computed)
            let type = String(decoding: typed[0..<4], as: UTF8.self)
            types.append(type)
            if type == "IHDR" { #expect(Array(typed[4..<17]) == [0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0]) }
            if type == "IDAT" { idat += typed[4...] }
            offset += 12 + length
        }
        #expect(types == ["IHDR", "IDAT", "IEND"])
        var raw = [UInt8](repeating: 0, count: 64)
        var rawLength = uLong(raw.count)
        #expect(uncompress(&raw, &rawLength, idat, uLong(idat.count)) == Z_OK)
        #expect(Array(raw[0..<Int(rawLength)]) == [0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 0, 1, 2, 3, 1, 2, 3, 200, 100, 50])
    }

    @Test func niceTicksCoverTheRange() {
        #expect(LineChart.niceTicks(0.27, 1.38) == [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4])
        #expect(LineChart.niceTicks(0.2, 4.0) == [0, 1, 2, 3, 4])
        #expect(LineChart.niceTicks(-12, 130) == [-25, 0, 25, 50, 75, 100, 125, 150])
        let flat = LineChart.niceTicks(5, 5)
        #expect(flat.first! < 5 && flat.last! > 5)
    }

    @Test func writesFiguresBesideTheReport() throws {
        let dir = NSTemporaryDirectory() + "iqkit-report-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try HTMLReport(templates: ReportFixtures.templates).write(ReportFixtures.document(), to: dir)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: dir + "/nema-1-rc.svg"))
        #expect(FileManager.default.fileExists(atPath: dir + "/nema-1-vois.png"))
    }
}
