import Foundation
import IQCore
import SparseCNN

/// The two-stage EARL classifier of the seed study: CNN 1 decides clinical
/// vs EARL-compliant; for compliant scans CNN 2 decides EARL1 vs EARL2.
///
/// Each stage is one network or an ensemble of several (trained with other
/// seeds, `EARLTrainingConfiguration.ensembleSize`, or joined with
/// `EARLModel.combine`): a stage's probabilities are the mean of its
/// members' probabilities.
///
/// File (JSON): `{"format": "iqkit-earl-classifier", "formatVersion": 1,
/// "stage1": <ModelFile classes [clinical, compliant]>, "stage2": <ModelFile
/// classes [earl1, earl2]>, "notes": {…}}` when each stage has one network;
/// version 2 has an array of `ModelFile`s per stage and is written only for
/// ensembles, so single-network models stay readable by older iqkit. Every
/// network carries the same `InputSpecification` (the preprocessing the
/// model expects).
public final class EARLModel {
    public static let formatName = "iqkit-earl-classifier"
    /// The newest version this iqkit reads and writes (2: ensembles).
    public static let currentVersion = 2
    public static let stage1Classes = ["clinical", "compliant"]
    public static let stage2Classes = ["earl1", "earl2"]
    /// A decision threshold: stage 1 calls a scan clinical when P(clinical) ≥ 0.5.
    public static let threshold = 0.5
    /// At most this many networks per stage (a file with more is refused).
    public static let maxMembers = 16

    struct File: Codable {
        var format: String
        var formatVersion: Int
        var stage1: [ModelFile]
        var stage2: [ModelFile]
        var notes: [String: String]
        /// Absent from files written before it (older readers ignore it).
        var domain: ScanDomain?

        enum CodingKeys: String, CodingKey { case format, formatVersion, stage1, stage2, notes, domain }

        init(stage1: [ModelFile], stage2: [ModelFile], notes: [String: String], domain: ScanDomain?) {
            format = EARLModel.formatName
            formatVersion = stage1.count == 1 && stage2.count == 1 ? 1 : 2
            self.stage1 = stage1
            self.stage2 = stage2
            self.notes = notes
            self.domain = domain
        }

        /// Version 1 holds one `ModelFile` per stage, version 2 an array; a
        /// version this iqkit does not know is left to `read` to refuse.
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            format = try c.decode(String.self, forKey: .format)
            formatVersion = try c.decode(Int.self, forKey: .formatVersion)
            notes = try c.decodeIfPresent([String: String].self, forKey: .notes) ?? [:]
            domain = try c.decodeIfPresent(ScanDomain.self, forKey: .domain)
            switch formatVersion {
            case 1:
                stage1 = [try c.decode(ModelFile.self, forKey: .stage1)]
                stage2 = [try c.decode(ModelFile.self, forKey: .stage2)]
            case 2:
                stage1 = try c.decode([ModelFile].self, forKey: .stage1)
                stage2 = try c.decode([ModelFile].self, forKey: .stage2)
            default:
                stage1 = []
                stage2 = []
            }
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(format, forKey: .format)
            try c.encode(formatVersion, forKey: .formatVersion)
            try c.encode(notes, forKey: .notes)
            try c.encodeIfPresent(domain, forKey: .domain)
            if formatVersion == 1, let s1 = stage1.first, let s2 = stage2.first {
                try c.encode(s1, forKey: .stage1)
                try c.encode(s2, forKey: .stage2)
            } else {
                try c.encode(stage1, forKey: .stage1)
                try c.encode(stage2, forKey: .stage2)
            }
        }
    }

    /// Stage 1's networks (clinical vs compliant), one or more.
    public let stage1: [Network]
    /// Stage 2's networks (EARL1 vs EARL2), one or more.
    public let stage2: [Network]
    public let preprocessor: ScanPreprocessor
    public var notes: [String: String]
    /// The training scans' voxel sizes and edge noise, when the file records them.
    public var domain: ScanDomain?
    /// The training history of each network, in the order of `stage1` and `stage2`.
    public var histories: (stage1: [TrainingHistory?], stage2: [TrainingHistory?])

    /// - Throws: `InputError.invalidSetting` when a stage has no network or
    ///   more than `maxMembers`, or a network's classes or input channels do
    ///   not fit its stage.
    public init(
        stage1: [Network], stage2: [Network], input: InputSpecification, notes: [String: String] = [:],
        histories: ([TrainingHistory?], [TrainingHistory?])? = nil, domain: ScanDomain? = nil
    ) throws {
        for (name, networks, classes) in [("stage 1", stage1, Self.stage1Classes), ("stage 2", stage2, Self.stage2Classes)] {
            guard (1...Self.maxMembers).contains(networks.count) else {
                throw InputError.invalidSetting(name: "model", problem: "\(name) has \(networks.count) networks; 1…\(Self.maxMembers) are allowed")
            }
            guard networks.allSatisfy({ $0.architecture.classes == classes }) else {
                throw InputError.invalidSetting(name: "model", problem: "\(name) classes must be \(classes)")
            }
            guard networks.allSatisfy({ $0.architecture.inputChannels == input.features.count }) else {
                throw InputError.invalidSetting(
                    name: "model", problem: "\(name) networks take a different number of input channels than the \(input.features.count) features")
            }
        }
        let histories = histories ?? (stage1.map { _ in nil }, stage2.map { _ in nil })
        guard histories.0.count == stage1.count, histories.1.count == stage2.count else {
            throw InputError.invalidSetting(name: "model", problem: "one training history per network is needed")
        }
        self.stage1 = stage1
        self.stage2 = stage2
        self.preprocessor = try ScanPreprocessor(input: input)
        self.notes = notes
        self.histories = histories
        self.domain = domain
    }

    /// A model of one network per stage.
    public convenience init(
        stage1: Network, stage2: Network, input: InputSpecification, notes: [String: String] = [:],
        histories: (TrainingHistory?, TrainingHistory?) = (nil, nil)
    ) throws {
        try self.init(stage1: [stage1], stage2: [stage2], input: input, notes: notes, histories: ([histories.0], [histories.1]))
    }

    /// One model whose stages hold every network of `models`' stages, in
    /// order (their probabilities averaged), e.g. models trained with
    /// different seeds.
    /// - Parameter names: what errors call the models (their files); "model k" when left out.
    /// - Throws: `InputError.invalidData` naming the first model that expects
    ///   other preprocessing than the first one; `InputError.invalidSetting`
    ///   when the ensemble would exceed `maxMembers`.
    public static func combine(_ models: [EARLModel], names: [String]? = nil, notes: [String: String] = [:]) throws -> EARLModel {
        guard let first = models.first else { throw InputError.invalidSetting(name: "models", problem: "none given") }
        if let i = models.firstIndex(where: { $0.input != first.input }) {
            let name = { (k: Int) in names.flatMap { $0.indices.contains(k) ? $0[k] : nil } ?? "model \(k + 1)" }
            throw InputError.invalidData(path: name(i), problem: "expects other preprocessing than \(name(0))")
        }
        // Every member's domain or none: a member without one says nothing of what it was shown.
        let domains = models.compactMap(\.domain)
        return try EARLModel(
            stage1: models.flatMap(\.stage1), stage2: models.flatMap(\.stage2), input: first.input, notes: notes,
            histories: (models.flatMap(\.histories.stage1), models.flatMap(\.histories.stage2)),
            domain: domains.count == models.count ? domains.dropFirst().reduce(domains[0]) { $0.union($1) } : nil)
    }

    public var input: InputSpecification { preprocessor.input }

    /// Classifies a prepared scan, with its edge noise, and warnings when its
    /// voxel sizes or noise lie outside the model's `domain` (so a
    /// cross-validation fold's predictions carry them as `earl check`'s do).
    ///
    /// Both stages always run (their probabilities are reported). Every
    /// network of both stages runs on its own worker, two at a time on two
    /// cores: independent networks on shared input sites, BLAS on one thread
    /// each meanwhile (restored afterwards). BLAS's thread setting is
    /// process-wide, so one model classifies one scan at a time; callers run
    /// scans in turn.
    public func classify(_ prepared: PreparedScan, path: String) -> EARLCheckResult {
        let inputs = input.slabSlices.map { prepared.tensor.zSlabs(thickness: $0) } ?? [prepared.tensor]
        let runs = StagePredictions(networks: stage1 + stage2, inputs: inputs)
        let previous = BLAS.threads
        BLAS.setThreads(1)
        defer { BLAS.setThreads(previous) }
        let results = parallelMap(runs.networks.count) { runs.outputs($0) }
        var result = EARLCheckResult(
            path: path, stage1: Self.memberMean(results[..<stage1.count].map(\.probabilities)),
            stage2: Self.memberMean(results[stage1.count...].map(\.probabilities)), activeVoxels: prepared.tensor.count,
            estimates: stage1Estimates(results[..<stage1.count].map(\.estimates)))
        result.edgeNoise = prepared.edgeNoise.isFinite ? prepared.edgeNoise : nil
        if let warnings = domain?.warnings(for: prepared), !warnings.isEmpty { result.warnings = warnings }
        return result
    }

    /// Stage 1's regression estimates by name, averaged over its members;
    /// nil unless every member has the same regression outputs.
    func stage1Estimates(_ members: [[Double]]) -> [String: Double]? {
        guard let names = stage1.first?.architecture.regression?.map(\.name), !names.isEmpty,
            stage1.allSatisfy({ $0.architecture.regression?.map(\.name) == names })
        else { return nil }
        let mean = Self.memberMean(members)
        return Dictionary(uniqueKeysWithValues: zip(names, mean))
    }

    /// The element-wise mean of members' vectors (probabilities, estimates), added in member
    /// order (so a one-member stage gives its member's values bit for bit).
    static func memberMean<Members: Collection<[Double]>>(_ members: Members) -> [Double] {
        guard let first = members.first, members.count > 1 else { return members.first ?? [] }
        var sum = first
        for m in members.dropFirst() { for k in sum.indices { sum[k] += m[k] } }
        return sum.map { $0 / Double(members.count) }
    }

    /// Preprocesses and classifies a scan (`classify(_:path:)` of the
    /// prepared scan). - Throws: `InputError` when the scan holds no body or
    /// is too small to read.
    public func classify(_ volume: Volume, path: String) throws -> EARLCheckResult {
        classify(try preprocessor.prepare(volume, path: path), path: path)
    }

    public func write(to path: String) throws {
        let file = File(
            stage1: zip(stage1, histories.stage1).map { ModelFile(network: $0, input: input, history: $1) },
            stage2: zip(stage2, histories.stage2).map { ModelFile(network: $0, input: input, history: $1) }, notes: notes, domain: domain)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(file) } catch { throw InputError.cannotWrite(path: path, problem: "\(error)") }
        try AtomicOutput.write(data, to: path)
    }

    /// Reads and validates a model file. - Throws: `InputError` naming the file.
    public static func read(from path: String) throws -> EARLModel {
        let file = try ResultJSON.read(File.self, from: path, kind: "an iqkit EARL classifier model", maxBytes: 256 << 20)
        guard file.format == formatName else { throw InputError.invalidData(path: path, problem: "format \"\(file.format)\" is not \(formatName)") }
        guard (1...currentVersion).contains(file.formatVersion) else {
            throw InputError.invalidData(path: path, problem: "model format version \(file.formatVersion); this iqkit reads versions 1…\(currentVersion)")
        }
        for (name, members) in [("stage 1", file.stage1), ("stage 2", file.stage2)] where !(1...maxMembers).contains(members.count) {
            throw InputError.invalidData(path: path, problem: "\(name) has \(members.count) networks; 1…\(maxMembers) are allowed")
        }
        let input = file.stage1[0].input
        guard (file.stage1 + file.stage2).allSatisfy({ $0.input == input }) else {
            throw InputError.invalidData(path: path, problem: "the networks expect different preprocessing")
        }
        let s1 = try file.stage1.map { try $0.makeNetwork(path: path) }, s2 = try file.stage2.map { try $0.makeNetwork(path: path) }
        do {
            return try EARLModel(
                stage1: s1, stage2: s2, input: input, notes: file.notes, histories: (file.stage1.map(\.history), file.stage2.map(\.history)), domain: file.domain)
        } catch let error as InputError {
            throw InputError.invalidData(path: path, problem: error.description)
        }
    }
}

/// The networks and the input of one scan, shared by `parallelMap`'s workers:
/// each worker uses only its own network; the shared input sites lock their
/// rulebook caches.
private final class StagePredictions: @unchecked Sendable {
    let networks: [Network]
    let inputs: [SparseTensor]

    init(networks: [Network], inputs: [SparseTensor]) {
        self.networks = networks
        self.inputs = inputs
    }

    func outputs(_ i: Int) -> (probabilities: [Double], estimates: [Double]) { networks[i].outputs(slabs: inputs) }
}
