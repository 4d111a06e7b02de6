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
        for (n, fields) in records(text, header: "file") {
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
    /// fields trimmed of spaces), without empty lines, `#` comments and a
    /// first record whose first field is `header` (any case). Lines may end
    /// in LF, CRLF or CR; a leading byte-order mark is ignored. No quoting.
    public static func records(_ text: String, header: String) -> [(line: Int, fields: [String])] {
        var result: [(line: Int, fields: [String])] = []
        let body = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : Substring(text)
        for (n, raw) in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if result.isEmpty && fields.first?.lowercased() == header { continue }
            result.append((n + 1, fields))
        }
        return result
    }

    /// A labels file's text: the header, then a line per entry (the edge
    /// distance with six decimals, empty when unknown). File names and
    /// groups must not hold commas or line breaks (the format has no quoting).
    public static func render(_ entries: [Entry]) -> String {
        "file,label,group,edge_distance\n" + entries.map { "\($0.file),\($0.label.rawValue),\($0.group),\(edgeDistanceField($0.edgeDistance))\n" }.joined()
    }

    /// A labels file's edge distance: six decimals, empty when unknown.
    public static func edgeDistanceField(_ d: Double?) -> String {
        d.map { String(format: "%.6f", $0) } ?? ""
    }
}
