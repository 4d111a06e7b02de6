import Foundation
import IQCore
import SparseCNN

/// The two-stage EARL classifier of the seed study: CNN 1 decides clinical
/// vs EARL-compliant; for compliant scans CNN 2 decides EARL1 vs EARL2.
///
/// File (JSON): `{"format": "iqkit-earl-classifier", "formatVersion": 1,
/// "stage1": <ModelFile classes [clinical, compliant]>, "stage2": <ModelFile
/// classes [earl1, earl2]>, "notes": {…}}`; both stages carry the same
/// `InputSpecification` (the preprocessing the model expects).
public final class EARLModel {
    public static let formatName = "iqkit-earl-classifier"
    public static let currentVersion = 1
    public static let stage1Classes = ["clinical", "compliant"]
    public static let stage2Classes = ["earl1", "earl2"]
    /// A decision threshold: stage 1 calls a scan clinical when P(clinical) ≥ 0.5.
    public static let threshold = 0.5

    struct File: Codable {
        var format: String
        var formatVersion: Int
        var stage1: ModelFile
        var stage2: ModelFile
        var notes: [String: String]
    }

    public let stage1: Network
    public let stage2: Network
    public let preprocessor: ScanPreprocessor
    public var notes: [String: String]
    public var histories: (stage1: TrainingHistory?, stage2: TrainingHistory?)

    /// - Throws: `InputError.invalidSetting` when the networks' classes do not fit the stages.
    public init(stage1: Network, stage2: Network, input: InputSpecification, notes: [String: String] = [:], histories: (TrainingHistory?, TrainingHistory?) = (nil, nil)) throws {
        guard stage1.architecture.classes == Self.stage1Classes, stage2.architecture.classes == Self.stage2Classes else {
            throw InputError.invalidSetting(name: "model", problem: "stage classes must be \(Self.stage1Classes) and \(Self.stage2Classes)")
        }
        guard stage1.architecture.inputChannels == input.features.count, stage2.architecture.inputChannels == input.features.count else {
            throw InputError.invalidSetting(name: "model", problem: "networks take a different number of input channels than the \(input.features.count) features")
        }
        self.stage1 = stage1
        self.stage2 = stage2
        self.preprocessor = try ScanPreprocessor(input: input)
        self.notes = notes
        self.histories = histories
    }

    public var input: InputSpecification { preprocessor.input }

    /// Classifies a prepared scan.
    ///
    /// Both stages always run (their probabilities are reported), side by
    /// side when two cores are free: independent networks on shared input
    /// sites, BLAS on one thread each meanwhile (restored afterwards). BLAS's
    /// thread setting is process-wide, so one model classifies one scan at a
    /// time; callers run scans in turn.
    public func classify(_ prepared: PreparedScan, path: String) -> EARLCheckResult {
        let inputs = input.slabSlices.map { prepared.tensor.zSlabs(thickness: $0) } ?? [prepared.tensor]
        let runs = StagePredictions(networks: [stage1, stage2], inputs: inputs)
        let previous = BLAS.threads
        BLAS.setThreads(1)
        defer { BLAS.setThreads(previous) }
        parallelFor(2) { runs.run($0) }
        return EARLCheckResult(path: path, stage1: runs.results[0], stage2: runs.results[1], activeVoxels: prepared.tensor.count)
    }

    /// Preprocesses and classifies a scan. - Throws: `InputError` when the scan holds no body.
    public func classify(_ volume: Volume, path: String) throws -> EARLCheckResult {
        classify(try preprocessor.prepare(volume, path: path), path: path)
    }

    public func write(to path: String) throws {
        let file = File(
            format: Self.formatName, formatVersion: Self.currentVersion,
            stage1: ModelFile(network: stage1, input: input, history: histories.stage1),
            stage2: ModelFile(network: stage2, input: input, history: histories.stage2), notes: notes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(file) } catch { throw InputError.cannotWrite(path: path, problem: "\(error)") }
        try AtomicOutput.write(data, to: path)
    }

    /// Reads and validates a model file. - Throws: `InputError` naming the file.
    public static func read(from path: String) throws -> EARLModel {
        let data = try FileChecks.readSmallFile(path, maxBytes: 256 << 20)
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw InputError.invalidData(path: path, problem: "not an iqkit EARL classifier model (\(error))")
        }
        guard file.format == formatName else { throw InputError.invalidData(path: path, problem: "format \"\(file.format)\" is not \(formatName)") }
        guard file.formatVersion == currentVersion else {
            throw InputError.invalidData(path: path, problem: "model format version \(file.formatVersion); this iqkit reads version \(currentVersion)")
        }
        guard file.stage1.input == file.stage2.input else { throw InputError.invalidData(path: path, problem: "the two stages expect different preprocessing") }
        let s1 = try file.stage1.makeNetwork(path: path), s2 = try file.stage2.makeNetwork(path: path)
        do {
            return try EARLModel(stage1: s1, stage2: s2, input: file.stage1.input, notes: file.notes, histories: (file.stage1.history, file.stage2.history))
        } catch let error as InputError {
            throw InputError.invalidData(path: path, problem: error.description)
        }
    }
}

/// The two stages' predictions on one scan, computed by `parallelFor`
/// workers: each worker uses only its own network and writes only its own
/// slot; the shared input sites lock their rulebook caches.
private final class StagePredictions: @unchecked Sendable {
    let networks: [Network]
    let inputs: [SparseTensor]
    var results: [[Double]]

    init(networks: [Network], inputs: [SparseTensor]) {
        self.networks = networks
        self.inputs = inputs
        self.results = Array(repeating: [], count: networks.count)
    }

    func run(_ stage: Int) { results[stage] = networks[stage].predict(slabs: inputs) }
}
