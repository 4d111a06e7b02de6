import Foundation
import IQCore

/// The labels file of `earl train`.
public enum LabelsCSV {
    public struct Entry: Codable, Equatable, Sendable {
        public var file: String
        public var label: EARLLabel
        public var group: String
        /// The optional fourth field: the setting's signed distance from
        /// EARL2's upper band edge (`SettingLabel.edgeDistance`).
        public var edgeDistance: Double? = nil

        public init(file: String, label: EARLLabel, group: String, edgeDistance: Double? = nil) {
            self.file = file
            self.label = label
            self.group = group
            self.edgeDistance = edgeDistance
        }
    }

    /// Reads a labels file. - Throws: `InputError.invalidData` naming the file and line.
    public static func parse(path: String) throws -> [Entry] {
        try parse(try DataFile.readText(path), path: path)
    }

    /// Parses a labels file's text (`path` names it in errors). Lines may
    /// end in LF or CRLF, and a leading byte-order mark is ignored, as
    /// spreadsheet programs write CSV both ways.
    public static func parse(_ text: String, path: String) throws -> [Entry] {
        var entries: [Entry] = []
        var seen = Set<String>()
        for (n, fields) in try records(text, header: "file", path: path) {
            let at = "\(path):\(n)"
            guard (2...4).contains(fields.count) else {
                throw InputError.invalidData(path: at, problem: "expected file,label[,group[,edge_distance]], got \(fields.count) fields")
            }
            guard !fields[0].isEmpty else { throw InputError.invalidData(path: at, problem: "empty file name") }
            guard let label = EARLLabel(rawValue: fields[1].lowercased()) else {
                throw InputError.invalidData(path: at, problem: "label \"\(fields[1])\" is not clinical, earl1 or earl2")
            }
            guard seen.insert(fields[0]).inserted else { throw InputError.invalidData(path: at, problem: "\(fields[0]) is listed twice") }
            var edgeDistance: Double?
            if fields.count == 4 && !fields[3].isEmpty {
                guard let d = Double(fields[3]), d.isFinite else {
                    throw InputError.invalidData(path: at, problem: "edge distance \"\(fields[3])\" is not a finite number")
                }
                edgeDistance = d
            }
            entries.append(
                Entry(file: fields[0], label: label, group: fields.count >= 3 && !fields[2].isEmpty ? fields[2] : fields[0], edgeDistance: edgeDistance))
        }
        if entries.isEmpty { throw InputError.invalidData(path: path, problem: "no labelled scans") }
        return entries
    }

    /// The records of a small comma-separated file: (1-based line number,
    /// fields), without empty lines, `#` comments and a first record whose
    /// first field is `header` (any case, unquoted; nil: a first record is
    /// kept whatever it holds, for files whose header is data to read).
    /// Lines may end in LF,
    /// CRLF or CR; a leading byte-order mark is ignored. A field may be
    /// quoted as in RFC 4180 (`"a, b.nii"`, `""` for a quote inside), so
    /// file names may hold commas; a quoted field cannot span lines.
    /// Unquoted fields are trimmed of spaces, quoted ones kept as written.
    /// - Throws: `InputError.invalidData` naming `path` and the line, for an
    ///   unterminated quote or text after a closing quote.
    public static func records(_ text: String, header: String?, path: String) throws -> [(line: Int, fields: [String])] {
        var result: [(line: Int, fields: [String])] = []
        let body = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : Substring(text)
        for (n, raw) in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let (fields, firstQuoted) = try splitFields(line, at: "\(path):\(n + 1)")
            if let header, result.isEmpty && !firstQuoted && fields.first?.lowercased() == header { continue }
            result.append((n + 1, fields))
        }
        return result
    }

    /// One line's fields, and whether the first was quoted.
    private static func splitFields(_ line: String, at location: String) throws -> (fields: [String], firstQuoted: Bool) {
        var fields: [String] = []
        var firstQuoted = false
        var rest = Substring(line)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            if rest.first == "\"" {
                if fields.isEmpty { firstQuoted = true }
                var value = ""
                var i = rest.index(after: rest.startIndex)
                var closed = false
                while i < rest.endIndex {
                    let c = rest[i]
                    i = rest.index(after: i)
                    if c != "\"" {
                        value.append(c)
                    } else if i < rest.endIndex, rest[i] == "\"" {
                        value.append("\"")
                        i = rest.index(after: i)
                    } else {
                        closed = true
                        break
                    }
                }
                guard closed else { throw InputError.invalidData(path: location, problem: "unterminated quoted field") }
                rest = rest[i...].drop { $0 == " " || $0 == "\t" }
                fields.append(value)
                guard let next = rest.first else { return (fields, firstQuoted) }
                guard next == "," else { throw InputError.invalidData(path: location, problem: "text after a closing quote") }
                rest = rest.dropFirst()
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                fields.append(rest[..<end].trimmingCharacters(in: .whitespaces))
                guard end < rest.endIndex else { return (fields, firstQuoted) }
                rest = rest[rest.index(after: end)...]
            }
        }
    }

    /// A field as `records` reads it back: quoted when it holds a comma, a
    /// quote, leading or trailing spaces, or starts with `#` (which would
    /// make its line a comment).
    public static func field(_ value: String) -> String {
        let needsQuotes =
            value.contains(",") || value.contains("\"") || value.hasPrefix("#") || value.first?.isWhitespace == true
            || value.last?.isWhitespace == true
        return needsQuotes ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }

    /// A labels file's text: the header, then a line per entry (file names
    /// and groups quoted where `field` needs it; the edge distance with six
    /// decimals, empty when unknown). Names must not hold line breaks.
    public static func render(_ entries: [Entry]) -> String {
        "file,label,group,edge_distance\n"
            + entries.map { "\(field($0.file)),\($0.label.rawValue),\(field($0.group)),\(edgeDistanceField($0.edgeDistance))\n" }.joined()
    }

    /// A labels file's edge distance: six decimals, empty when unknown.
    public static func edgeDistanceField(_ d: Double?) -> String {
        d.map { String(format: "%.6f", $0) } ?? ""
    }
}
