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

    /// Names with commas, quotes, spaces or a leading `#` survive a round trip
    /// through `render` and `parse`, as a spreadsheet would quote them.
    @Test func quotedFieldsRoundTrip() throws {
        let entries = [
            LabelsCSV.Entry(file: "site A, scanner 2/pt 1.nii", label: .earl2, group: "pt \"one\""),
            LabelsCSV.Entry(file: "#7.nii.gz", label: .clinical, group: " padded ", edgeDistance: 0.125),
            LabelsCSV.Entry(file: "plain.nii", label: .earl1, group: "file"),
        ]
        let text = LabelsCSV.render(entries)
        #expect(text.contains("\"site A, scanner 2/pt 1.nii\",earl2,\"pt \"\"one\"\"\","))
        #expect(text.contains("\n\"#7.nii.gz\",clinical,\" padded \",0.125000\n"))
        #expect(try LabelsCSV.parse(text, path: "l.csv") == entries)
        #expect(try LabelsCSV.parse(text.replacingOccurrences(of: "\n", with: "\r\n"), path: "l.csv") == entries)
        // Spaces around a quoted field are not part of it; a quoted first
        // field is a scan even when it reads "file".
        #expect(try LabelsCSV.parse(" \"file\" , earl1 ,\"a,b\"", path: "l.csv") == [LabelsCSV.Entry(file: "file", label: .earl1, group: "a,b")])
        // A quote inside an unquoted field is kept as written.
        #expect(try LabelsCSV.parse("it\"s.nii,earl1", path: "l.csv") == [LabelsCSV.Entry(file: "it\"s.nii", label: .earl1, group: "it\"s.nii")])
    }

    @Test func malformedQuotesNameTheLine() {
        #expect(throws: InputError.invalidData(path: "l.csv:2", problem: "unterminated quoted field")) {
            try LabelsCSV.parse("file,label\n\"a.nii,earl1\n", path: "l.csv")
        }
        #expect(throws: InputError.invalidData(path: "l.csv:1", problem: "text after a closing quote")) {
            try LabelsCSV.parse("\"a\".nii,earl1", path: "l.csv")
        }
        #expect(throws: InputError.invalidData(path: "l.csv:1", problem: "unterminated quoted field")) { try LabelsCSV.parse("a.nii,\"", path: "l.csv") }
    }
}
