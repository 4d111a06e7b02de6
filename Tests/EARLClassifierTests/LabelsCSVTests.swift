import EARLClassifier
import IQCore
import Testing

/// The labels file of `earl train` and `earl evaluate`.
@Suite struct LabelsCSVTests {
    private let expected = [
        LabelsCSV.Entry(file: "a.nii", label: .earl1, group: "p1"),
        LabelsCSV.Entry(file: "b.nii", label: .clinical, group: "b.nii", edgeDistance: 0.25),
    ]

    @Test func lineEndsAndByteOrderMark() throws {
        let lines = ["file,label,group,edge_distance", "# a comment", "a.nii, EARL1 ,p1", "", "b.nii,clinical,,0.25"]
        for (name, text) in [
            ("LF", lines.joined(separator: "\n") + "\n"),
            ("CRLF", lines.joined(separator: "\r\n") + "\r\n"),
            ("BOM + CRLF (spreadsheet export)", "\u{FEFF}" + lines.joined(separator: "\r\n")),
            ("CR", lines.joined(separator: "\r")),
        ] {
            #expect(try LabelsCSV.parse(text, path: "l.csv") == expected, "\(name)")
        }
    }

    /// Errors name the line as it is numbered in an editor, whatever the line ends.
    @Test func errorsNameTheLine() {
        for separator in ["\n", "\r\n"] {
            let text = ["file,label", "a.nii,earl1", "b.nii,earl3"].joined(separator: separator)
            #expect(throws: InputError.invalidData(path: "l.csv:3", problem: "label \"earl3\" is not clinical, earl1 or earl2")) {
                try LabelsCSV.parse(text, path: "l.csv")
            }
            let twice = ["a.nii,earl1", "a.nii,earl2"].joined(separator: separator)
            #expect(throws: InputError.invalidData(path: "l.csv:2", problem: "a.nii is listed twice")) { try LabelsCSV.parse(twice, path: "l.csv") }
        }
        #expect(throws: InputError.invalidData(path: "l.csv:1", problem: "expected file,label[,group[,edge_distance]], got 5 fields")) {
            try LabelsCSV.parse("a,earl1,g,0.1,x", path: "l.csv")
        }
        #expect(throws: InputError.invalidData(path: "l.csv", problem: "no labelled scans")) { try LabelsCSV.parse("\u{FEFF}file,label\r\n# none\r\n", path: "l.csv") }
    }
}
