import Foundation

/// Where a result came from: enough to tell whether a report still matches
/// its inputs and to rerun the analysis the same way.
public struct Provenance: Codable, Sendable, Equatable {
    public struct Input: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
        /// Hashes the file at `path` (both files of a .hdr/.img pair).
        public static func hashing(_ path: String) throws -> Input {
            if let layout = try? NIfTIFileLayout(path: path), layout.isPair {
                let joined = try SHA256.hex(ofFile: layout.headerPath) + SHA256.hex(ofFile: layout.imagePath)
                return Input(path: path, sha256: SHA256.hex(Data(joined.utf8)))
            }
            return Input(path: path, sha256: try SHA256.hex(ofFile: path))
        }
    }

    public var tool: String
    public var toolVersion: String
    /// ISO 8601 time of the run.
    public var createdAt: String
    public var inputs: [Input]
    /// The settings that shaped the result, as text.
    public var settings: [String: String]

    public init(inputs: [Input], settings: [String: String], createdAt: Date = Date()) {
        tool = "iqkit"
        toolVersion = IQKit.version
        self.createdAt = ISO8601DateFormatter().string(from: createdAt)
        self.inputs = inputs
        self.settings = settings
    }
}

/// JSON as iqkit writes it: camelCase keys (the Swift names), sorted, indented.
public enum ResultJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }

    /// Encodes and writes atomically.
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        let data: Data
        do {
            data = try encoder().encode(value)
        } catch {
            throw InputError.cannotWrite(path: path, problem: "cannot encode JSON: \(error)")
        }
        try AtomicOutput.write(data + Data("\n".utf8), to: path)
    }

    /// Reads and decodes a JSON file (a result, a report, a model), mapping
    /// any failure to one `InputError` line naming it. With `kind` ("a
    /// cross-validation report") the line says what the file is not:
    /// "not a cross-validation report: missing field folds".
    public static func read<T: Decodable>(_ type: T.Type, from path: String, kind: String? = nil, maxBytes: Int64 = 64 << 20) throws -> T {
        try decode(type, from: try FileChecks.readSmallFile(path, maxBytes: maxBytes), path: path, kind: kind)
    }

    /// Decodes JSON bytes read from `path`, as `read` does.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, path: String, kind: String? = nil) throws -> T {
        do {
            return try decoder().decode(type, from: data)
        } catch {
            throw InputError.invalidData(path: path, problem: (kind.map { "not \($0): " } ?? "") + DataFile.describe(error))
        }
    }
}
