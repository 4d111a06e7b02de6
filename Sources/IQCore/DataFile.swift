import Foundation
import Yams

/// Reads the small YAML/JSON data files iqkit is configured with (standards,
/// phantom geometry, manifests), turning every failure into one line that
/// names the file and what is wrong.
public enum DataFile {
    /// Largest data file accepted, in bytes: real ones are a few kB.
    public static let maxBytes: Int64 = 1 << 20

    /// Decodes YAML (which includes JSON) into `T`.
    ///
    /// Refused before parsing: files over `maxBytes`, bytes that are not
    /// UTF-8, and YAML anchors/aliases (iqkit's files never need them, and
    /// alias expansion is how "billion laughs" files exhaust memory).
    public static func decodeYAML<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        let text = try readText(path, maxBytes: maxBytes)
        if let line = aliasLine(text) {
            throw InputError.invalidData(path: path, problem: "line \(line): YAML anchors and aliases are not accepted")
        }
        do {
            return try YAMLDecoder().decode(type, from: text)
        } catch let error as DecodingError {
            throw InputError.invalidData(path: path, problem: describe(error))
        } catch let error as YamlError {
            throw InputError.invalidData(path: path, problem: "not valid YAML: \(String(describing: error).split(separator: "\n").joined(separator: " "))")
        } catch {
            throw InputError.invalidData(path: path, problem: "cannot read: \(error)")
        }
    }

    /// A small text file's contents (band and manifest files, labels and
    /// pairs CSV files). - Throws: `InputError` when it is missing, too
    /// large or not UTF-8.
    public static func readText(_ path: String, maxBytes: Int64 = 64 << 20) throws -> String {
        guard let text = String(data: try FileChecks.readSmallFile(path, maxBytes: maxBytes), encoding: .utf8) else {
            throw InputError.invalidData(path: path, problem: "not UTF-8 text")
        }
        return text
    }

    /// The 1-based line of the first YAML anchor (`&x`) or alias (`*x`) outside quotes and comments.
    static func aliasLine(_ text: String) -> Int? {
        // Split at every line break (CRLF is one Character in Swift, not "\n").
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var inSingle = false, inDouble = false
            var previous: Character = " "
            for ch in line {
                if ch == "#" && !inSingle && !inDouble && (previous == " " || previous == "\t") { break }
                if ch == "'" && !inDouble { inSingle.toggle() }
                if ch == "\"" && !inSingle { inDouble.toggle() }
                if (ch == "&" || ch == "*") && !inSingle && !inDouble && " \t[{,:-".contains(previous) { return index + 1 }
                previous = ch
            }
        }
        return nil
    }

    /// One line for an error met while decoding a data or result file: for
    /// a `DecodingError` where (key path) and what, for anything else its
    /// description on one line.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error).replacingOccurrences(of: "\n", with: " ") }
        func path(_ keys: [CodingKey]) -> String {
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "top level" : String(text.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)): expected \(type), found nothing"
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0))" } ?? ""
            return "\(path(context.codingPath)): \(context.debugDescription)\(underlying)".replacingOccurrences(of: "\n", with: " ")
        @unknown default: return "cannot decode"
        }
    }
}

/// Rejects fields a data file is not supposed to have, so a typo in a key
/// ("rcmax" for "rcMax") is an error, not a silently ignored setting.
public struct StrictKeys: Decodable {
    public let keys: [String]
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    public init(from decoder: Decoder) throws {
        keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
    }

    /// Throws `DecodingError.dataCorrupted` for keys outside `allowed`.
    public static func check(_ decoder: Decoder, allowed: Set<String>) throws {
        let present = try StrictKeys(from: decoder).keys
        if let unknown = present.first(where: { !allowed.contains($0) }) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown field '\(unknown)' (allowed: \(allowed.sorted().joined(separator: ", ")))"))
        }
    }
}
