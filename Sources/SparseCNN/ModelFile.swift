import Foundation
import IQCore

/// The on-disk form of a trained network (JSON):
///
/// ```
/// { "format": "iqkit-sparse-cnn", "formatVersion": 1,
///   "architecture": {…}, "input": {…preprocessing…},
///   "parameters": [{"name", "shape", "float32LE": base64}], "history": {…}, "notes": {…} }
/// ```
///
/// Weights are stored as the little-endian bytes of each Float32 in base64,
/// so a model reads back bit for bit (decimal text could not promise that).
public struct ModelFile: Codable, Equatable, Sendable {
    public static let formatName = "iqkit-sparse-cnn"
    public static let currentVersion = 1

    public struct Tensor: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var float32LE: String
    }

    public var format: String
    public var formatVersion: Int
    public var architecture: Architecture
    public var input: InputSpecification
    public var parameters: [Tensor]
    public var history: TrainingHistory?
    /// Free-form provenance (training data, command, tool version).
    public var notes: [String: String]

    /// The file form of a network.
    public init(network: Network, input: InputSpecification, history: TrainingHistory? = nil, notes: [String: String] = [:]) {
        format = Self.formatName
        formatVersion = Self.currentVersion
        architecture = network.architecture
        self.input = input
        parameters = network.parameters.map { p in
            var bytes = [UInt8]()
            bytes.reserveCapacity(p.value.count * 4)
            for v in p.value {
                let b = v.bitPattern.littleEndian
                bytes += [UInt8(truncatingIfNeeded: b), UInt8(truncatingIfNeeded: b >> 8), UInt8(truncatingIfNeeded: b >> 16), UInt8(truncatingIfNeeded: b >> 24)]
            }
            return Tensor(name: p.name, shape: p.shape, float32LE: Data(bytes).base64EncodedString())
        }
        self.history = history
        self.notes = notes
    }

    /// Rebuilds the network, checking everything a damaged or foreign file could get wrong.
    /// - Parameter path: named in errors.
    /// - Throws: `InputError.invalidData`.
    public func makeNetwork(path: String) throws -> Network {
        guard format == Self.formatName else { throw InputError.invalidData(path: path, problem: "not an iqkit sparse CNN model (format \"\(format)\")") }
        guard formatVersion == Self.currentVersion else {
            throw InputError.invalidData(path: path, problem: "model format version \(formatVersion); this iqkit reads version \(Self.currentVersion)")
        }
        if let problem = architecture.problem { throw InputError.invalidData(path: path, problem: "architecture: \(problem)") }
        guard input.features.count == architecture.inputChannels else {
            throw InputError.invalidData(path: path, problem: "\(input.features.count) input features for \(architecture.inputChannels) input channels")
        }
        if let problem = input.problem { throw InputError.invalidData(path: path, problem: "input: \(problem)") }
        // Base64 holds 3 bytes per 4 characters: refuse a file whose weights cannot fill the
        // architecture before building (and allocating) the network it declares.
        let storedValues = parameters.reduce(0) { $0 + $1.float32LE.utf8.count / 4 * 3 / 4 }
        guard storedValues >= architecture.parameterCount else {
            throw InputError.invalidData(path: path, problem: "the architecture has \(architecture.parameterCount) parameters, the file holds at most \(storedValues) weights")
        }
        let network = Network(architecture: architecture, seed: 0)
        let targets = network.parameters
        guard targets.count == parameters.count else {
            throw InputError.invalidData(path: path, problem: "\(parameters.count) parameter arrays, the architecture needs \(targets.count)")
        }
        for (p, t) in zip(targets, parameters) {
            guard p.name == t.name, p.shape == t.shape else {
                throw InputError.invalidData(path: path, problem: "parameter \(t.name) \(t.shape) where \(p.name) \(p.shape) was expected")
            }
            guard let data = Data(base64Encoded: t.float32LE), data.count == p.value.count * 4 else {
                throw InputError.invalidData(path: path, problem: "parameter \(t.name): weights are not \(p.value.count) base64 Float32 values")
            }
            var values = [Float](repeating: 0, count: p.value.count)
            data.withUnsafeBytes { raw in
                for i in values.indices {
                    var bits: UInt32 = 0
                    for b in 0..<4 { bits |= UInt32(raw[i * 4 + b]) << (8 * b) }
                    values[i] = Float(bitPattern: bits)
                }
            }
            guard values.allSatisfy(\.isFinite) else { throw InputError.invalidData(path: path, problem: "parameter \(t.name) holds NaN or infinite weights") }
            p.value = values
        }
        return network
    }

    /// Writes the file atomically (temporary file + rename).
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch { throw InputError.cannotWrite(path: path, problem: "\(error)") }
        try AtomicOutput.write(data, to: path)
    }

    /// Reads and decodes a model file (not yet validated: see `makeNetwork`).
    public static func read(from path: String) throws -> ModelFile {
        try ResultJSON.read(ModelFile.self, from: path, kind: "a readable model file", maxBytes: 256 << 20)
    }
}
