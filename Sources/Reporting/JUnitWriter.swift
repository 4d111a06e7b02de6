/// JUnit XML, so CI systems show QA failures natively: one test suite per
/// report section (input), one test case per check.
public enum JUnitWriter {
    public static func render(_ document: ReportDocument) -> String {
        let total = document.sections.reduce(0) { $0 + $1.checks.count }
        let failures = document.sections.reduce(0) { $0 + $1.checks.filter { !$0.passed }.count }
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuites name=\"\(Escape.html(document.title))\" tests=\"\(total)\" failures=\"\(failures)\">\n"
        for section in document.sections {
            let failed = section.checks.filter { !$0.passed }.count
            x += "  <testsuite name=\"\(Escape.html(section.kind + ": " + section.subject))\" tests=\"\(section.checks.count)\" failures=\"\(failed)\" errors=\"0\" timestamp=\"\(Escape.html(section.provenance.createdAt))\">\n"
            for check in section.checks {
                let open = "    <testcase classname=\"\(Escape.html("iqkit." + section.kind))\" name=\"\(Escape.html(check.name))\""
                if check.passed {
                    x += open + ">\n      <system-out>\(Escape.html(check.measured + " within " + check.criterion))</system-out>\n    </testcase>\n"
                } else {
                    x += open + ">\n      <failure message=\"\(Escape.html(check.measured + " outside " + check.criterion))\" type=\"QAFailure\"/>\n    </testcase>\n"
                }
            }
            x += "  </testsuite>\n"
        }
        x += "</testsuites>\n"
        return x
    }
}

/// One row per input: kind, subject, verdict, checks failed, key figures.
public enum TSVWriter {
    public static func render(_ document: ReportDocument) -> String {
        let keyNames = orderedKeyNames(document)
        var lines = [(["kind", "input", "verdict", "checks", "failed"] + keyNames).joined(separator: "\t")]
        for s in document.sections {
            let figures = Dictionary(s.keyFigures.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            let row = [s.kind, s.subject, s.verdict.rawValue, String(s.checks.count), String(s.checks.filter { !$0.passed }.count)]
                + keyNames.map { figures[$0] ?? "" }
            lines.append(row.map(clean).joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func orderedKeyNames(_ document: ReportDocument) -> [String] {
        var seen = Set<String>()
        var names: [String] = []
        for s in document.sections { for k in s.keyFigures where seen.insert(k.name).inserted { names.append(k.name) } }
        return names
    }

    /// Tabs and newlines would break the format: replace them by spaces.
    private static func clean(_ field: String) -> String {
        String(field.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
