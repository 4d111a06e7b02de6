import EARLClassifier
import IQCore
import Testing

/// The auxiliary-targets file of `earl train --auxiliary`.
@Suite struct AuxiliaryCSVTests {
    @Test func parsesAndRendersBack() throws {
        let text = "\u{FEFF}file,fwhm_mm,\"noise, cov\"\r\n# comment\r\na.nii,5.5,0.1\r\n\r\n\"b,c.nii\", 7 ,-0.25\r\n"
        let table = try AuxiliaryCSV.parse(text, path: "x.csv")
        #expect(table.names == ["fwhm_mm", "noise, cov"])
        #expect(table.values == ["a.nii": [5.5, 0.1], "b,c.nii": [7, -0.25]])
        let rendered = table.render(order: ["b,c.nii", "missing.nii", "a.nii"])
        #expect(rendered == "file,fwhm_mm,\"noise, cov\"\n\"b,c.nii\",7.0,-0.25\na.nii,5.5,0.1\n")
        #expect(try AuxiliaryCSV.parse(rendered, path: "x.csv") == table)
    }

    @Test(arguments: [
        ("", "x.csv: empty: expected a header file,<quantity>…"),
        ("a.nii,1\n", "x.csv:1: expected a header file,<quantity>… naming at least one quantity"),
        ("file\na.nii\n", "x.csv:1: expected a header file,<quantity>… naming at least one quantity"),
        ("file,,b\n", "x.csv:1: column 2 has no name"),
        ("file,a,a\n", "x.csv:1: a quantity is named twice"),
        ("file,a\n", "x.csv: no scans listed"),
        ("file,a,b\nx.nii,1\n", "x.csv:2: expected 3 fields (file and a, b), got 2"),
        ("file,a\nx.nii,nan\n", "x.csv:2: a \"nan\" is not a finite number"),
        ("file,a\nx.nii,\n", "x.csv:2: a \"\" is not a finite number"),
        ("file,a\n,1\n", "x.csv:2: empty file name"),
        ("file,a\nx.nii,1\n\nx.nii,2\n", "x.csv:4: x.nii is listed twice"),
    ])
    func errorsNameTheFileAndLine(text: String, message: String) {
        do {
            _ = try AuxiliaryCSV.parse(text, path: "x.csv")
            Issue.record("accepted \(text.debugDescription)")
        } catch let error as InputError {
            #expect(error.description == message)
        } catch {
            Issue.record("\(error)")
        }
    }
}
