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

    /// Reads and decodes, mapping any failure to a one-line `InputError`.
    public static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        let data = try FileChecks.readSmallFile(path)
        do {
            return try decoder().decode(type, from: data)
        } catch {
            throw InputError.invalidData(path: path, problem: DataFile.describe(error))
        }
    }
}
