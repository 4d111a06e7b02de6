import Foundation
import IQCore
import SparseCNN
import Testing
import EARLClassifier

@Suite(.serialized) struct ClassifierTests {
    /// Coarse and small so training stays short: 6 mm voxels, 8-channel networks.
    static let input = InputSpecification(voxelSizeMM: 6, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge", "intensity"], activeStride: 1)
    static func architecture(_ classes: [String]) -> Architecture {
        Architecture(
            inputChannels: 2,
            layers: [
                .submanifold(inChannels: 2, outChannels: 8, kernelSize: 3), .relu, .downsample(inChannels: 8, outChannels: 8), .relu,
                .submanifold(inChannels: 8, outChannels: 8, kernelSize: 3), .relu, .globalPool, .dense(inFeatures: 16, outFeatures: 8), .relu,
                .dense(inFeatures: 8, outFeatures: classes.count),
            ], classes: classes)
    }
    static let configuration = EARLTrainingConfiguration(
        input: input, stage1Architecture: architecture(EARLModel.stage1Classes), stage2Architecture: architecture(EARLModel.stage2Classes),
        training: TrainingConfiguration(maxEpochs: 30, batchSize: 4, learningRate: 5e-3, patience: 8), validationFraction: 0.1, seed: 3)

    static func samples(_ seeds: Range<UInt64>) throws -> [EARLSample] {
        try seeds.flatMap { seed in
            try EARLLabel.allCases.map { label in
                try EARLTraining.sample(SyntheticScans.scan(seed: seed, label: label), name: "p\(seed)-\(label.rawValue)", group: "p\(seed)", label: label, input: input)
            }
        }
    }

    /// Trained on 10 anatomies (9 for training, 1 whole anatomy for early
    /// stopping), the two-stage classifier labels 4 unseen
    /// anatomies × 3 reconstructions at least 10 of 12 right (chance: 4).
    /// It also round-trips through its file with identical verdicts.
    @Test func learnsUnseenAnatomiesAndRoundTrips() throws {
        let training = try Self.samples(0..<10)
        let model = try EARLTraining.train(training, configuration: Self.configuration)
        let test = try Self.samples(100..<104)
        let results = test.map { model.classify($0.prepared, path: $0.name) }
        let correct = zip(test, results).filter { $0.label == $1.label }.count
        print("classifier on unseen anatomies: \(correct)/\(test.count); " + zip(test, results).map { "\($0.name)→\($1.label.rawValue)" }.joined(separator: " "))
        #expect(correct >= 10)
        for r in results {
            let p = r.probabilities
            #expect(abs(p.clinical + p.earl1 + p.earl2 - 1) < 1e-9)
        }
        // `classify` runs the stages side by side on shared input sites; each
        // stage predicted alone, in turn, on fresh sites gives the same
        // probabilities to the last bit.
        for (sample, r) in zip(test, results) {
            let fresh = { SparseTensor(sites: ActiveSet(coordinates: sample.prepared.tensor.sites.coordinates), channels: sample.prepared.tensor.channels, features: sample.prepared.tensor.features) }
            let slabs = { Self.input.slabSlices.map { fresh().zSlabs(thickness: $0) } ?? [fresh()] }
            #expect(model.stage1[0].predict(slabs: slabs())[1] == r.stage1Compliant)
            #expect(model.stage2[0].predict(slabs: slabs())[1] == r.stage2EARL2)
        }
        let path = NSTemporaryDirectory() + "earl-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.write(to: path)
        let back = try EARLModel.read(from: path)
        #expect(back.input == Self.input)
        #expect(test.map { back.classify($0.prepared, path: $0.name) } == results)
        // A prepared scan's result carries its edge noise, as `earl check`'s does (and CV folds' now).
        #expect(zip(test, results).allSatisfy { $0.prepared.edgeNoise == $1.edgeNoise })
        // The training scans' voxel sizes (4 mm cubes) and edge noise travel with the model.
        let noises = training.map(\.prepared.edgeNoise)
        #expect(noises.allSatisfy { $0 > 0.005 && $0 < 0.5 }, "\(noises)")
        #expect(model.domain == ScanDomain(inPlaneVoxelMM: 4...4, axialVoxelMM: 4...4, edgeNoise: noises.min()!...noises.max()!, scans: 30))
        #expect(back.domain == model.domain)
    }

    /// The domain of a model's training scans: ranges over x and y (in
    /// plane) and z, a warning only beyond 10 % outside them, a union for
    /// ensembles, and ranges that must be ordered in a file.
    @Test func scanDomainWarnsOutsideTheTrainingVoxelSizes() throws {
        let domain = try #require(ScanDomain(spacings: [SIMD3(2.05, 2.05, 3), SIMD3(4.19, 4.19, 2.06), SIMD3(3, 3, 4.17)]))
        #expect(domain == ScanDomain(inPlaneVoxelMM: 2.05...4.19, axialVoxelMM: 2.06...4.17, scans: 3))
        #expect(ScanDomain(spacings: []) == nil)
        // Inside, and within the 10 % margin (2.00 mm slices: 3 % under 2.06 mm; 4.6 mm: 9.8 % over 4.19).
        for spacing in [SIMD3(2.05, 4.19, 2.06), SIMD3(2.34, 2.34, 2.0), SIMD3(4.6, 4.6, 4.5)] { #expect(domain.warnings(spacing: spacing, edgeNoise: .nan).isEmpty, "\(spacing)") }
        #expect(
            domain.warnings(spacing: SIMD3(50, 50, 50), edgeNoise: .nan)
                == ["voxels 50.00×50.00×50.00 mm lie outside the model's training scans (2.05–4.19 mm in plane, 2.06–4.17 mm axially, ±10 %): the label is an extrapolation"])
        for spacing in [SIMD3(1.8, 2.5, 2.5), SIMD3(2.5, 4.7, 2.5), SIMD3(2.5, 2.5, 1.8), SIMD3(0.5, 0.5, 20)] { #expect(!domain.warnings(spacing: spacing, edgeNoise: .nan).isEmpty, "\(spacing)") }
        let other = ScanDomain(inPlaneVoxelMM: 1.5...2.5, axialVoxelMM: 3...5, scans: 7)
        #expect(domain.union(other) == ScanDomain(inPlaneVoxelMM: 1.5...4.19, axialVoxelMM: 2.06...5, scans: 10))
        let data = try JSONEncoder().encode(domain)
        #expect(try JSONDecoder().decode(ScanDomain.self, from: data) == domain)
        let reversed = #"{"inPlaneVoxelMM": [4.19, 2.05], "axialVoxelMM": [2, 4], "scans": 3}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ScanDomain.self, from: Data(reversed.utf8)) }
    }

    /// The edge noise of a model's training scans: recorded when every scan
    /// has one, a warning beyond 25 % outside (and for an undefined noise),
    /// one line per reason, kept by a union only when both sides know it,
    /// and absent from files written before it (nothing checked then).
    @Test func scanDomainWarnsOutsideTheTrainingNoise() throws {
        let spacings = [SIMD3(2.0, 2.0, 2.0), SIMD3(4.0, 4.0, 4.0), SIMD3(3.0, 3.0, 3.0)]
        let domain = try #require(ScanDomain(spacings: spacings, edgeNoises: [0.04, 0.10, 0.06]))
        #expect(domain == ScanDomain(inPlaneVoxelMM: 2...4, axialVoxelMM: 2...4, edgeNoise: 0.04...0.10, scans: 3))
        #expect(ScanDomain(spacings: spacings)?.edgeNoise == nil)
        #expect(ScanDomain(spacings: spacings, edgeNoises: [0.04, .nan, 0.06])?.edgeNoise == nil, "one scan's noise unknown")
        #expect(ScanDomain(spacings: spacings, edgeNoises: [0.04])?.edgeNoise == nil, "one noise per scan")
        let inside = SIMD3(3.0, 3.0, 3.0)
        // 0.031 and 0.124 lie within 25 % of 0.04 and 0.10; 0.029 and 0.126 do not.
        for noise in [0.04, 0.031, 0.07, 0.124] { #expect(domain.warnings(spacing: inside, edgeNoise: noise).isEmpty, "\(noise)") }
        #expect(
            domain.warnings(spacing: inside, edgeNoise: 0.5)
                == [
                    "edge-image noise 50.0 % of the body median lies outside the model's training scans (4.0 %–10.0 %, ±25 %): the label is an extrapolation (is this a PET image of a patient?)"
                ])
        for noise in [0.029, 0.126, .nan, .infinity, 0] { #expect(domain.warnings(spacing: inside, edgeNoise: noise).count == 1, "\(noise)") }
        #expect(domain.warnings(spacing: SIMD3(8, 8, 8), edgeNoise: 0.5).count == 2)
        #expect(
            domain.summary
                == "voxels 2.00–4.00 mm in plane, 2.00–4.00 mm axially (±10 %), edge-image noise 4.0 %–10.0 % of the body median (±25 %), from 3 scans")
        // Without a noise range only the voxel sizes are checked.
        let voxelsOnly = ScanDomain(inPlaneVoxelMM: 2...4, axialVoxelMM: 2...4, scans: 3)
        #expect(voxelsOnly.summary == "voxels 2.00–4.00 mm in plane, 2.00–4.00 mm axially (±10 %), from 3 scans")
        #expect(voxelsOnly.warnings(spacing: inside, edgeNoise: 0.5).isEmpty)
        #expect(domain.union(voxelsOnly).edgeNoise == nil)
        let louder = ScanDomain(inPlaneVoxelMM: 2...4, axialVoxelMM: 2...4, edgeNoise: 0.08...0.2, scans: 4)
        #expect(domain.union(louder).edgeNoise == 0.04...0.2)
        // In a file: "edgeNoise" beside the voxel ranges; a file without it reads as nil.
        let data = try JSONEncoder().encode(domain)
        #expect(String(decoding: data, as: UTF8.self).contains(#""edgeNoise":[0.04,0.1]"#))
        #expect(try JSONDecoder().decode(ScanDomain.self, from: data) == domain)
        let older = #"{"inPlaneVoxelMM": [2, 4], "axialVoxelMM": [2, 4], "scans": 3}"#
        #expect(try JSONDecoder().decode(ScanDomain.self, from: Data(older.utf8)) == voxelsOnly)
    }

    /// An ensemble of n networks per stage is n single-network runs with
    /// seeds s…s+n−1 joined: trained together or apart, the weights agree bit
    /// for bit. Its probabilities are its members' means (to rounding), it
    /// is written as format version 2 and reads back with identical
    /// verdicts, while a one-network model is still written as version 1.
    @Test func ensembleIsSeededRunsCombined() throws {
        let samples = try Self.samples(0..<4)
        var config = Self.configuration
        config.training.maxEpochs = 3
        config.ensembleSize = 2
        let ensemble = try EARLTraining.train(samples, configuration: config)
        #expect(ensemble.stage1.count == 2 && ensemble.stage2.count == 2)
        #expect(ensemble.histories.stage1.count == 2 && ensemble.histories.stage1.allSatisfy { $0 != nil })
        config.ensembleSize = 1
        let a = try EARLTraining.train(samples, configuration: config)
        config.seed += 1
        let b = try EARLTraining.train(samples, configuration: config)
        let joined = try EARLModel.combine([a, b])
        #expect(joined.domain == a.domain.map { $0.union(b.domain!) } && joined.domain?.scans == 24)
        let unknown = try EARLModel(stage1: b.stage1, stage2: b.stage2, input: Self.input)
        #expect(try EARLModel.combine([a, unknown]).domain == nil)
        let weights = { (m: EARLModel) in (m.stage1 + m.stage2).map { $0.parameters.map(\.value) } }
        #expect(weights(ensemble) == weights(joined))
        #expect(weights(a) != weights(b), "members trained with other seeds should differ")

        let test = try Self.samples(100..<102)
        let results = test.map { ensemble.classify($0.prepared, path: $0.name) }
        for (s, r) in zip(test, results) {
            let ra = a.classify(s.prepared, path: s.name), rb = b.classify(s.prepared, path: s.name)
            #expect(abs(r.stage1Compliant - (ra.stage1Compliant + rb.stage1Compliant) / 2) < 1e-12)
            #expect(abs(r.stage2EARL2 - (ra.stage2EARL2 + rb.stage2EARL2) / 2) < 1e-12)
        }

        let dir = NSTemporaryDirectory() + "earl-ensemble-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func version(_ path: String) throws -> Int? {
            (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])?["formatVersion"] as? Int
        }
        try ensemble.write(to: dir + "/ensemble.json")
        try a.write(to: dir + "/single.json")
        #expect(try version(dir + "/ensemble.json") == 2 && version(dir + "/single.json") == 1)
        let back = try EARLModel.read(from: dir + "/ensemble.json")
        #expect(weights(back) == weights(ensemble))
        #expect(test.map { back.classify($0.prepared, path: $0.name) } == results)
        // A prepared scan's result carries its edge noise, as `earl check`'s does (and CV folds' now).
        #expect(zip(test, results).allSatisfy { $0.prepared.edgeNoise == $1.edgeNoise })
        #expect(back.histories.stage2 == ensemble.histories.stage2)
        // A version-2 file whose stage holds no network, or networks expecting
        // other preprocessing, is refused with a line naming the file.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/ensemble.json"))) as? [String: Any])
        let members = try #require(object["stage2"] as? [[String: Any]])
        func refusal(_ edit: ([String: Any]) -> [String: Any]) throws -> String? {
            let path = dir + "/damaged.json"
            try JSONSerialization.data(withJSONObject: edit(object)).write(to: URL(fileURLWithPath: path))
            do { _ = try EARLModel.read(from: path) } catch let error as InputError { return error.description }
            return nil
        }
        #expect(try refusal { var o = $0; o["stage2"] = [Any](); return o }?.hasPrefix(dir + "/damaged.json: stage 2 has 0 networks") == true)
        var coarse = members[1]
        coarse["input"] = (coarse["input"] as? [String: Any]).map { var i = $0; i["voxelSizeMM"] = 9.0; return i }
        #expect(try refusal { var o = $0; o["stage2"] = [members[0], coarse]; return o }?.contains("the networks expect different preprocessing") == true)
        object["formatVersion"] = 3
        #expect(try refusal { $0 }?.contains("model format version 3; this iqkit reads versions 1…2") == true)

        // Models expecting other preprocessing do not join.
        var otherInput = Self.input
        otherInput.voxelSizeMM = 8
        let other = try EARLModel(stage1: a.stage1, stage2: a.stage2, input: otherInput)
        #expect(throws: InputError.self) { try EARLModel.combine([a, other]) }
        #expect(throws: InputError.self) { try EARLModel(stage1: [], stage2: a.stage2, input: Self.input) }
        config.ensembleSize = EARLModel.maxMembers + 1
        #expect(throws: InputError.self) { try EARLTraining.train(samples, configuration: config) }
    }

    /// Stage 2's own training settings change stage 2 alone: stage 1's
    /// weights and history stay bit for bit those of a run without them,
    /// stage 2 trains for its own number of epochs, and the model says so.
    /// (With a constant rate and a kept epoch among the first three, the
    /// two stage-2 networks may well be equal: the histories tell them apart.)
    @Test func stage2TrainingChangesStage2Only() throws {
        let samples = try Self.samples(0..<4)
        var config = Self.configuration
        config.training.maxEpochs = 3
        config.training.minEpochs = 3
        let plain = try EARLTraining.train(samples, configuration: config)
        #expect(config.training(stage: 2) == config.training)
        var longer = config.training
        longer.maxEpochs = 5
        longer.minEpochs = 5
        config.stage2Training = longer
        #expect(config.training(stage: 1) == config.training && config.training(stage: 2) == longer)
        let split = try EARLTraining.train(samples, configuration: config)
        let weights = { (networks: [Network]) in networks.map { $0.parameters.map(\.value) } }
        #expect(weights(split.stage1) == weights(plain.stage1))
        #expect(split.histories.stage1 == plain.histories.stage1)
        // The same stage-2 run, two epochs longer (a constant learning rate:
        // its first three epochs are those of the shorter run).
        let short = try #require(plain.histories.stage2.first ?? nil), long = try #require(split.histories.stage2.first ?? nil)
        #expect(short.epochs.count == 3 && long.epochs.count == 5)
        #expect(Array(long.epochs.prefix(3)) == short.epochs)
        #expect(split.notes["stage2Training"] == "at most 5 epochs, patience 8 (stage 1: 3, 8)")
        #expect(plain.notes["stage2Training"] == nil)
    }

    /// `stage2ValidationFraction` 0: stage 1 is the plain run's to the bit;
    /// stage 2 holds nothing out, runs every epoch, keeps the last (its
    /// weights are then those the run ended with) and says so in the notes.
    /// A fraction of 1 or more is refused.
    @Test func stage2WithoutValidation() throws {
        let samples = try Self.samples(0..<4)
        var config = Self.configuration
        config.training.maxEpochs = 3
        config.training.minEpochs = 0
        config.training.patience = 1
        let plain = try EARLTraining.train(samples, configuration: config)
        #expect(config.validationFraction(stage: 2) == config.validationFraction)
        config.stage2ValidationFraction = 0
        #expect(config.validationFraction(stage: 1) == config.validationFraction && config.validationFraction(stage: 2) == 0)
        let model = try EARLTraining.train(samples, configuration: config)
        let weights = { (networks: [Network]) in networks.map { $0.parameters.map(\.value) } }
        #expect(weights(model.stage1) == weights(plain.stage1))
        #expect(model.histories.stage1 == plain.histories.stage1)
        let withValidation = try #require(plain.histories.stage2.first ?? nil), without = try #require(model.histories.stage2.first ?? nil)
        #expect(withValidation.epochs.allSatisfy { $0.validationLoss != nil })
        #expect(without.epochs.count == 3 && without.bestEpoch == 2 && !without.stoppedEarly)
        #expect(without.epochs.allSatisfy { $0.validationLoss == nil && $0.validationAccuracy == nil })
        #expect(weights(model.stage2) != weights(plain.stage2))
        #expect(model.notes["stage2Validation"] == "none: trained on every compliant scan, last epoch kept")
        #expect(plain.notes["stage2Validation"] == nil)
        for bad in [1.0, 1.5, -0.1] {
            config.stage2ValidationFraction = bad
            #expect(throws: InputError.self, "\(bad)") { try EARLTraining.train(samples, configuration: config) }
        }
    }

    /// A network whose kept epoch has a validation loss above the limit is
    /// named (stage, member, epoch, loss); converged ones and networks
    /// without a history are not.
    @Test func convergenceWarningsNameTheNetwork() throws {
        func history(best: Int, losses: [Double]) throws -> TrainingHistory {
            let epochs = losses.map { "{\"trainingLoss\": 0.1, \"validationLoss\": \($0), \"validationAccuracy\": 0.9}" }.joined(separator: ",")
            return try JSONDecoder().decode(TrainingHistory.self, from: Data("{\"epochs\": [\(epochs)], \"bestEpoch\": \(best), \"stoppedEarly\": true}".utf8))
        }
        let net = { (classes: [String], seed: UInt64) in Network(architecture: Self.architecture(classes), seed: seed) }
        let converged = try history(best: 1, losses: [0.6, 0.01, 0.3])
        let stuck = try history(best: 0, losses: [0.47, 0.9, 1.3])
        let model = try EARLModel(
            stage1: [net(EARLModel.stage1Classes, 1), net(EARLModel.stage1Classes, 2)], stage2: [net(EARLModel.stage2Classes, 3)], input: Self.input,
            histories: ([converged, stuck], [nil]))
        let warnings = EARLTraining.convergenceWarnings(model)
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("stage 1 member 2 kept epoch 1 of 3 at validation loss 0.470") == true, "\(warnings)")
        // A run's own limit: 0.47 is under 0.5, and the line names 0.3.
        #expect(EARLTraining.convergenceWarnings(model, limit: 0.5).isEmpty)
        #expect(EARLTraining.convergenceWarnings(model, limit: 0.3).first?.contains("(above 0.3)") == true)
        let single = try EARLModel(stage1: net(EARLModel.stage1Classes, 1), stage2: net(EARLModel.stage2Classes, 3), input: Self.input, histories: (converged, stuck))
        #expect(EARLTraining.convergenceWarnings(single).map { $0.prefix(28) } == ["stage 2 kept epoch 1 of 3 at"])
        // Soft targets: the limit sits above the targets' own loss. A kept
        // loss of 0.47 is 0.17 above a floor of 0.30 (no warning) and 0.27
        // above one of 0.20 (a warning that names the floor).
        var softOK = stuck, softStuck = stuck
        softOK.validationTargetLoss = 0.30
        softStuck.validationTargetLoss = 0.20
        let soft = try EARLModel(stage1: [net(EARLModel.stage1Classes, 1), net(EARLModel.stage1Classes, 2)], stage2: [net(EARLModel.stage2Classes, 3)],
            input: Self.input, histories: ([softOK, softStuck], [nil]))
        let softWarnings = EARLTraining.convergenceWarnings(soft)
        #expect(softWarnings.count == 1)
        #expect(softWarnings.first?.hasPrefix("stage 1 member 2 kept epoch 1 of 3 at validation loss 0.470 (above the soft targets' own 0.200 + 0.2)") == true, "\(softWarnings)")
        // Without a validation set (`stage2ValidationFraction` 0) the kept
        // (last) epoch's training loss is judged: 0.05 passes, 0.6 does not.
        func unvalidated(_ losses: [Double]) throws -> TrainingHistory {
            let epochs = losses.map { "{\"trainingLoss\": \($0)}" }.joined(separator: ",")
            return try JSONDecoder().decode(TrainingHistory.self, from: Data("{\"epochs\": [\(epochs)], \"bestEpoch\": \(losses.count - 1), \"stoppedEarly\": false}".utf8))
        }
        let learnt = try EARLModel(stage1: net(EARLModel.stage1Classes, 1), stage2: net(EARLModel.stage2Classes, 3), input: Self.input, histories: (converged, try unvalidated([0.7, 0.05])))
        #expect(EARLTraining.convergenceWarnings(learnt).isEmpty)
        let notLearnt = try EARLModel(stage1: net(EARLModel.stage1Classes, 1), stage2: net(EARLModel.stage2Classes, 3), input: Self.input, histories: (converged, try unvalidated([0.7, 0.6])))
        #expect(EARLTraining.convergenceWarnings(notLearnt) == [
            "stage 2 kept epoch 2 of 2 at training (no validation set) loss 0.600 (above 0.2): it may not have converged; train with other seeds (--seed, --ensemble) and compare"
        ])
    }

    /// Soft stage-1 targets: Φ(d / sd) against its closed form, refused
    /// (naming the scan) without an edge distance or with one on the other
    /// side of the edge from the label; trained with them, stage 1 differs
    /// from one-hot training while stage 2, untouched, is the same to the bit.
    @Test func softStage1Targets() throws {
        func sample(_ label: EARLLabel, _ d: Double?) throws -> EARLSample {
            var s = try Self.samples(0..<1).first { $0.label == label }!
            s.edgeDistance = d
            return s
        }
        let phi1 = 0.841_344_746_068_542_9  // Φ(1)
        let t = try EARLTraining.stage1Target(try sample(.clinical, 0.2), sd: 0.2)
        #expect(abs(t[0] - phi1) < 1e-12 && abs(t[0] + t[1] - 1) < 1e-15)
        let u = try EARLTraining.stage1Target(try sample(.earl2, -0.4), sd: 0.2)
        #expect(abs(u[0] - (1 - 0.977_249_868_051_820_8)) < 1e-12)  // 1 − Φ(2)
        for (label, d) in [(EARLLabel.earl2, 0.1), (.clinical, -0.1), (.earl1, nil)] {
            #expect(throws: InputError.self) { try EARLTraining.stage1Target(try sample(label, d), sd: 0.2) }
        }
        var samples = try Self.samples(0..<4)
        for i in samples.indices { samples[i].edgeDistance = [EARLLabel.clinical: 0.15, .earl1: -0.9, .earl2: -0.2][samples[i].label] }
        var config = Self.configuration
        config.training.maxEpochs = 3
        let hard = try EARLTraining.train(samples, configuration: config)
        config.stage1EdgeSD = 0.12
        let soft = try EARLTraining.train(samples, configuration: config)
        #expect(soft.notes["stage1Targets"] == "soft: P(clinical) = Φ(edge distance / 0.12)")
        #expect(hard.notes["stage1Targets"] == nil)
        // The BLAS build and kernel the weights were computed with.
        #expect(hard.notes["blas"] == BLAS.configuration)
        #expect(BLAS.configuration.hasPrefix("OpenBLAS"))
        let x = samples[0].prepared.tensor
        #expect(soft.stage1[0].predict(x) != hard.stage1[0].predict(x))
        #expect(soft.stage2[0].predict(x) == hard.stage2[0].predict(x))
        samples[1].edgeDistance = nil
        #expect(throws: InputError.invalidData(path: samples[1].name, problem: "no edge distance (soft stage-1 targets need one for every scan)")) {
            try EARLTraining.train(samples, configuration: config)
        }
    }

    /// Auxiliary stage-1 targets: stage 1 gains one regression output per
    /// quantity, standardised by the training samples' mean and SD (so its
    /// estimates come back in the quantity's units); stage 2 is trained as
    /// without them, to the bit. A sample without values, or a quantity
    /// that never varies, is refused naming it.
    @Test func auxiliaryTargetsAddRegressionOutputsToStage1() throws {
        var samples = try Self.samples(0..<4)
        for i in samples.indices {
            let fwhm = [EARLLabel.clinical: 4.5, .earl1: 8, .earl2: 6.5][samples[i].label]! + 0.1 * Double(i % 4)
            samples[i].auxiliary = [fwhm, 0.05 * Double(i % 3)]
        }
        var config = Self.configuration
        config.training.maxEpochs = 3
        let plain = try EARLTraining.train(samples, configuration: config)
        config.stage1Auxiliary = ["fwhm_mm", "psf_overshoot"]
        config.training.regressionWeight = 0.5
        let model = try EARLTraining.train(samples, configuration: config)
        let outputs = try #require(model.stage1[0].architecture.regression)
        #expect(outputs.map(\.name) == ["fwhm_mm", "psf_overshoot"])
        for (k, r) in outputs.enumerated() {
            let values = samples.map { $0.auxiliary![k] }
            #expect(abs(r.mean - Statistics.mean(values)) < 1e-12 && abs(r.scale - Statistics.standardDeviation(values)) < 1e-12)
        }
        #expect(model.stage1[0].architecture.outputCount == 4)
        #expect(model.notes["stage1Auxiliary"] == "fwhm_mm, psf_overshoot (weight 0.5)")
        #expect(model.stage2[0].architecture.regression == nil)
        let x = samples[0].prepared.tensor
        #expect(model.stage2[0].predict(x) == plain.stage2[0].predict(x))
        #expect(model.stage1[0].outputs(x).estimates.count == 2)
        #expect(model.stage1[0].predict(x).count == 2)
        // `classify` reports the estimates by name; over slabs they are the
        // slabs' mean.
        let result = model.classify(samples[0].prepared, path: samples[0].name)
        let estimates = model.stage1[0].outputs(x).estimates
        #expect(result.estimates == ["fwhm_mm": estimates[0], "psf_overshoot": estimates[1]])
        #expect(plain.classify(samples[0].prepared, path: samples[0].name).estimates == nil)
        let slabs = x.zSlabs(thickness: 4)
        #expect(slabs.count >= 2)
        let perSlab = slabs.map { model.stage1[0].outputs($0).estimates }
        let mean = (0..<2).map { k in perSlab.reduce(0.0) { $0 + $1[k] / Double(perSlab.count) } }
        let pooled = model.stage1[0].outputs(slabs: slabs)
        #expect(zip(pooled.estimates, mean).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
        #expect(pooled.probabilities == model.stage1[0].predict(slabs: slabs))

        var missing = samples
        missing[2].auxiliary = [1]
        #expect(throws: InputError.invalidData(path: samples[2].name, problem: "no auxiliary values for fwhm_mm, psf_overshoot (every training scan needs them)")) {
            try EARLTraining.train(missing, configuration: config)
        }
        var constant = samples
        for i in constant.indices { constant[i].auxiliary?[1] = 0.2 }
        #expect(throws: InputError.invalidData(path: "training set", problem: "auxiliary psf_overshoot has the same value for every scan; there is nothing to learn from it")) {
            try EARLTraining.train(constant, configuration: config)
        }
    }

    /// Cross-validation keeps each anatomy in one fold, tests every scan once,
    /// and reports consistent confusion matrices.
    @Test func crossValidationReport() throws {
        let samples = try Self.samples(0..<4)
        var config = Self.configuration
        config.training.maxEpochs = 2
        let report = try EARLTraining.crossValidate(samples, folds: 3, configuration: config)
        #expect(report.overall.total == samples.count)
        #expect(report.stage1.total == samples.count)
        #expect(report.stage2.total == samples.filter { $0.label.isCompliant }.count)
        #expect(Set(report.predictions.map(\.name)) == Set(samples.map(\.name)))
        for fold in report.folds {
            let groups = Set(fold.testNames.map { $0.split(separator: "-")[0] })
            for other in report.folds where other.testNames != fold.testNames {
                #expect(groups.isDisjoint(with: Set(other.testNames.map { $0.split(separator: "-")[0] })))
            }
        }
        #expect(report.markdown.contains("| clinical |"))
        // Two epochs do not train stage 2 on these scans: the report names its networks.
        #expect(report.warnings.contains { $0.hasPrefix("fold 1: stage 2 kept epoch 2 of 2") }, "\(report.warnings)")
        #expect(report.markdown.contains("Networks that may not have converged (\(report.warnings.count)):"))
    }

    /// Folds run separately (training is deterministic), written as JSON and
    /// pooled, give the full run's matrices and predictions; pooling refuses
    /// a fold twice and reports of another k.
    @Test func singleFoldRunsPoolToTheFullRun() throws {
        let samples = try Self.samples(0..<4)
        var config = Self.configuration
        config.training.maxEpochs = 2
        let full = try EARLTraining.crossValidate(samples, folds: 3, configuration: config)
        func roundTrip(_ r: CrossValidationReport) throws -> CrossValidationReport {
            try JSONDecoder().decode(CrossValidationReport.self, from: try JSONEncoder().encode(r))
        }
        let a = try roundTrip(try EARLTraining.crossValidate(samples, folds: 3, only: [2], configuration: config))
        let b = try roundTrip(try EARLTraining.crossValidate(samples, folds: 3, only: [1, 3], configuration: config))
        #expect(a.foldNumbers == [2] && b.foldNumbers == [1, 3])
        #expect(a.markdown.hasPrefix("Folds 2 of 3 only."))
        let merged = try CrossValidationReport.merge([("b.json", b), ("a.json", a)])
        #expect(merged.foldNumbers == [1, 2, 3])
        #expect(merged.stage1 == full.stage1 && merged.stage2 == full.stage2 && merged.overall == full.overall)
        let byName = { (r: CrossValidationReport) in Dictionary(uniqueKeysWithValues: r.predictions.map { ($0.name, $0.result.label) }) }
        #expect(byName(merged) == byName(full))
        #expect(merged.warnings == full.warnings)
        #expect(!merged.markdown.contains("only."))
        #expect(throws: InputError.self) { try CrossValidationReport.merge([("a.json", a), ("again.json", a)]) }
        var other = a
        other.foldCount = 5
        #expect(throws: InputError.self) { try CrossValidationReport.merge([("b.json", b), ("five.json", other)]) }
        #expect(throws: InputError.self) { try EARLTraining.crossValidate(samples, folds: 3, only: [4], configuration: config) }

        // With provenance: the pool keeps it and says which folds it covers;
        // another labels file or fold seed is refused.
        func recorded(_ r: CrossValidationReport, labels: String = "ab", foldSeed: String = "1") -> CrossValidationReport {
            var r = r
            r.provenance = Provenance(
                inputs: [.init(path: "labels.csv", sha256: labels)],
                settings: [CrossValidationReport.foldSeedSetting: foldSeed, CrossValidationReport.foldsRunSetting: r.foldNumbers.map(String.init).joined(separator: ", ")])
            return r
        }
        let pooled = try CrossValidationReport.merge([("b.json", recorded(b)), ("a.json", recorded(a))])
        #expect(pooled.provenance?.settings[CrossValidationReport.foldsRunSetting] == "1, 2, 3")
        #expect(pooled.provenance?.inputs == recorded(b).provenance?.inputs)
        #expect(merged.provenance == nil)
        #expect(throws: InputError.self) { try CrossValidationReport.merge([("b.json", recorded(b)), ("a.json", recorded(a, labels: "cd"))]) }
        #expect(throws: InputError.self) { try CrossValidationReport.merge([("b.json", recorded(b)), ("a.json", recorded(a, foldSeed: "2"))]) }
        #expect(try CrossValidationReport.merge([("b.json", recorded(b)), ("a.json", a)]).provenance == nil)

        // Another training seed on the same folds (`foldSeed`): the same test scans per fold.
        var reseeded = config
        reseeded.seed += 7
        reseeded.foldSeed = config.seed
        let same = try EARLTraining.crossValidate(samples, folds: 3, only: [2], configuration: reseeded)
        #expect(same.folds.map(\.testNames) == a.folds.map(\.testNames))
        reseeded.foldSeed = nil
        let moved = try EARLTraining.crossValidate(samples, folds: 3, only: [2], configuration: reseeded)
        #expect(moved.folds.map(\.testNames) != a.folds.map(\.testNames), "this seed should draw other folds, or the check above shows nothing")
    }

    /// Stage 1 by the phantom's distance from EARL2's upper edge: each scan
    /// in the bin lower < d ≤ upper, bins without scans left out, scans
    /// without a distance counted apart; the distance survives the JSON, and
    /// reports written before it existed still decode.
    @Test func stage1ByEdgeDistance() throws {
        func result(clinical: Double) -> EARLCheckResult {
            EARLCheckResult(path: "x", stage1: [clinical, 1 - clinical], stage2: [0.4, 0.6], activeVoxels: 10)
        }
        var report = EvaluationReport()
        report.add(name: "e1.nii", truth: .earl1, result: result(clinical: 0.01), edgeDistance: -0.8)
        report.add(name: "e2.nii", truth: .earl2, result: result(clinical: 0.7), edgeDistance: -0.1)  // called clinical: wrong
        report.add(name: "e2b.nii", truth: .earl2, result: result(clinical: 0.2), edgeDistance: 0)  // at the edge: inside
        report.add(name: "c1.nii", truth: .clinical, result: result(clinical: 0.1), edgeDistance: 0.2)  // called compliant: wrong
        report.add(name: "c2.nii", truth: .clinical, result: result(clinical: 0.9), edgeDistance: 0.3)
        report.add(name: "c3.nii", truth: .clinical, result: result(clinical: 0.9), edgeDistance: 1.5)
        report.add(name: "c4.nii", truth: .clinical, result: result(clinical: 0.9))
        let bins = EdgeDistanceBin.bins(report.predictions)
        #expect(bins.map(\.range) == ["d ≤ −0.3", "−0.3 < d ≤ 0", "0 < d ≤ 0.3", "d > 1"])
        #expect(bins.map(\.scans) == [1, 2, 2, 1])
        #expect(bins.map(\.clinical) == [0, 0, 2, 1])
        #expect(bins.map(\.stage1Correct) == [1, 1, 1, 1])
        #expect(bins[2].tableRow == ["0 < d ≤ 0.3", "2", "2", "0", "50.0 % (1/2; 95 % CI 1.3–98.7 %)"])
        let text = report.markdown
        #expect(text.contains("(band widths; d > 0: over-recovering, clinical); not counted: scans without a distance (1):"), "\(text)")
        #expect(text.contains("| −0.3 < d ≤ 0 | 2 | 0 | 2 | 50.0 % (1/2; 95 % CI 1.3–98.7 %) |"), "\(text)")
        let data = try JSONEncoder().encode(report)
        let back = try JSONDecoder().decode(EvaluationReport.self, from: data)
        #expect(back.predictions.map(\.edgeDistance) == [-0.8, -0.1, 0, 0.2, 0.3, 1.5, nil])
        // Without distances (older files, labels without the fourth field) there is no table.
        var plain = EvaluationReport()
        plain.add(name: "a.nii", truth: .earl1, result: result(clinical: 0.01))
        #expect(!plain.markdown.contains("distance"))
        #expect(EdgeDistanceBin.bins(plain.predictions).isEmpty)
    }

    /// Calibration against closed forms. Six scans, one per bin: Brier
    /// (0 + 0.01 + 0.09 + 0.16 + 0.01 + 0) / 6 = 0.045 with the events as
    /// below, and the expected calibration error the bins' mean |p − outcome|,
    /// (0 + 0.1 + 0.3 + 0.4 + 0.1 + 0) / 6 = 0.15. Then a calibrated stage by
    /// construction (events drawn with probability p, p uniform on 0…1): Brier
    /// E[p(1 − p)] = 1/6 within 3 standard errors, and an expected
    /// calibration error under 0.02 for 20 000 scans (its bias for 6 bins is
    /// about 0.004).
    @Test func calibrationMatchesClosedForms() throws {
        let small = try #require(
            Calibration(name: "s", event: "clinical", probabilities: [0, 0.1, 0.3, 0.6, 0.9, 1], events: [false, false, false, true, true, true]))
        #expect(abs(small.brier - 0.045) < 1e-12 && abs(small.expectedCalibrationError - 0.15) < 1e-12, "\(small.summary)")
        #expect(small.bins.map(\.scans) == [1, 1, 1, 1, 1, 1] && small.bins.map(\.events) == [0, 0, 0, 1, 1, 1])
        #expect(small.tableRows.first == ["0–0.05", "1", "0.000", "0.0 % (0/1; 95 % CI 0.0–97.5 %)"])
        #expect(small.tableRows[2] == ["0.20–0.50", "1", "0.300", "0.0 % (0/1; 95 % CI 0.0–97.5 %)"])
        // Bin edges belong to the lower bin; out-of-range values are clamped, NaN read as 0.5.
        let edges = try #require(Calibration(name: "e", event: "x", probabilities: [0.05, 0.2, 0.5, -1, 2, .nan], events: [true, true, true, false, true, false]))
        #expect(edges.bins.map(\.upper) == [0.05, 0.2, 0.5, 1] && edges.bins.map(\.scans) == [2, 1, 2, 1])
        #expect(Calibration(name: "n", event: "x", probabilities: [], events: []) == nil)
        #expect(Calibration(name: "n", event: "x", probabilities: [0.5], events: []) == nil)
        var rng = SplitMix64(seed: 17)
        let n = 20_000
        let p = (0..<n).map { _ in rng.nextUniform() }
        let events = p.map { rng.nextUniform() < $0 }
        let calibrated = try #require(Calibration(name: "c", event: "x", probabilities: p, events: events))
        // Var[(p − y)²] for p uniform, y ~ Bernoulli(p): E[p(1 − p)⁴ + p⁴(1 − p)] − (1/6)² = 2·B(2, 5) − 1/36 = 1/15 − 1/36.
        let se = ((1.0 / 15 - 1.0 / 36) / Double(n)).squareRoot()
        #expect(abs(calibrated.brier - 1.0 / 6) < 3 * se, "Brier \(calibrated.brier), closed form 1/6 ± \(se)")
        #expect(calibrated.expectedCalibrationError < 0.02, "\(calibrated.summary)")
        // The same probabilities against the opposite outcomes: Brier E[p³ + (1 − p)³] = 1/2, and each
        // bin off by |2p̄ − 1|, which these bins weigh to 0.5.
        let flipped = try #require(Calibration(name: "f", event: "x", probabilities: p, events: events.map { !$0 }))
        #expect(abs(flipped.brier - 0.5) < 0.01 && abs(flipped.expectedCalibrationError - 0.5) < 0.02, "\(flipped.summary)")
    }

    /// Both stages' calibration in an evaluation: stage 1 on every scan
    /// (event: clinical), stage 2 on the truly compliant scans only (event:
    /// EARL2), in the Markdown after the edge-distance table.
    @Test func evaluationReportsCalibration() throws {
        func result(clinical: Double, earl2: Double) -> EARLCheckResult {
            EARLCheckResult(path: "x", stage1: [clinical, 1 - clinical], stage2: [1 - earl2, earl2], activeVoxels: 10)
        }
        var report = EvaluationReport()
        report.add(name: "c.nii", truth: .clinical, result: result(clinical: 0.9, earl2: 0.5))
        report.add(name: "e1.nii", truth: .earl1, result: result(clinical: 0.1, earl2: 0.3))
        report.add(name: "e2.nii", truth: .earl2, result: result(clinical: 0.3, earl2: 0.97))
        let stages = Calibration.stages(report.predictions)
        #expect(stages.map(\.scans) == [3, 2])
        #expect(abs(stages[0].brier - (0.01 + 0.01 + 0.09) / 3) < 1e-12)
        #expect(abs(stages[1].brier - (0.09 + 0.0009) / 2) < 1e-12)
        let text = report.markdown
        #expect(text.contains("Calibration, Stage 1, P(clinical): Brier score 0.0367, expected calibration error 0.1667 (3 scans):"), "\(text)")
        #expect(text.contains("| 0.80–0.95 | 1 | 0.900 | 100.0 % (1/1; 95 % CI 2.5–100.0 %) |"), "\(text)")
        #expect(text.contains("Calibration, Stage 2, P(EARL2 | compliant), truly compliant scans:"), "\(text)")
    }

    /// Training refuses a stage without both of its classes, naming the
    /// class; a cross-validation refuses, before any fold trains, a split
    /// that leaves some fold's training scans without one, naming the fold.
    @Test func missingClassesAreNamed() throws {
        var samples = try Self.samples(0..<1)  // one anatomy: a clinical, an EARL1 and an EARL2 scan
        for i in samples.indices { samples[i].group = "g\(i)" }
        var config = Self.configuration
        config.training.maxEpochs = 1
        func refusal(_ body: () throws -> Void) -> String? {
            do { try body() } catch let error as InputError { return error.description } catch { return "\(error)" }
            return nil
        }
        #expect(
            refusal { _ = try EARLTraining.train(samples.filter { $0.label != .clinical }, configuration: config) }
                == "training set: stage 1 (clinical/compliant) needs samples of both classes; there are no clinical scans")
        #expect(
            refusal { _ = try EARLTraining.train(samples.filter { $0.label != .earl2 }, configuration: config) }
                == "training set: stage 2 (earl1/earl2) needs samples of both classes; there are no earl2 scans")
        let cv = refusal { _ = try EARLTraining.crossValidate(samples, folds: 3, configuration: config) }
        #expect(cv?.hasPrefix("training set: fold ") == true && cv?.hasSuffix(" of 3 would train without a class: stage 1 (clinical/compliant) needs samples of both classes; there are no clinical scans among its training scans; give more scans or fewer folds") == true, "\(cv ?? "accepted")")
    }

    /// A check result with these probabilities. The label follows from them;
    /// `label` only says which one the call site expects.
    static func result(_ label: EARLLabel, clinical: Double, earl2: Double) -> EARLCheckResult {
        let r = EARLCheckResult(path: "x", stage1: [clinical, 1 - clinical], stage2: [1 - earl2, earl2], activeVoxels: 10)
        #expect(r.label == label, "test helper: the probabilities give \(r.label), not \(label)")
        return r
    }

    /// An evaluation report gives each accuracy with its exact 95 % interval
    /// (2/3 correct: 9.4–99.2 %, SciPy's beta quantiles), lists the
    /// misclassified scans with both stages' probabilities, and writes the
    /// scores to JSON for pipelines (decoding reads the counts back).
    @Test func evaluationReportGivesIntervalsAndMisses() throws {
        var report = EvaluationReport()
        report.add(name: "a.nii", truth: .clinical, result: Self.result(.clinical, clinical: 0.9, earl2: 0.5))
        report.add(name: "b.nii", truth: .clinical, result: Self.result(.earl2, clinical: 0.06, earl2: 0.8))
        report.add(name: "c.nii", truth: .earl1, result: Self.result(.earl1, clinical: 0.01, earl2: 0.1))
        let text = report.markdown
        #expect(text.contains("Stage 1 (clinical vs compliant), accuracy 66.7 % (2/3; 95 % CI 9.4–99.2 %)"), "\(text)")
        #expect(text.contains("Stage 2 (EARL1 vs EARL2, compliant scans), accuracy 100.0 % (1/1; 95 % CI 2.5–100.0 %)"), "\(text)")
        #expect(text.contains("Misclassified scans (1):"))
        #expect(text.contains("| b.nii | clinical | earl2 | 0.060 | 0.940 | 0.800 |"), "\(text)")
        #expect(!text.contains("| a.nii |") && !text.contains("| c.nii |"))
        let data = try JSONEncoder().encode(report)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let stage1 = (object?["scores"] as? [String: Any])?["stage1"] as? [String: Any]
        #expect(stage1?["correct"] as? Int == 2 && stage1?["total"] as? Int == 3)
        let ci = stage1?["accuracyCI95"] as? [String: Double]
        #expect(abs((ci?["lower"] ?? 0) - 0.09429932405024609) < 1e-9 && abs((ci?["upper"] ?? 0) - 0.9915962413403874) < 1e-9)
        let back = try JSONDecoder().decode(EvaluationReport.self, from: data)
        #expect(back.scores.stage1 == report.scores.stage1 && back.scores.overall == report.scores.overall)
        // An empty matrix has no accuracy to write (JSON has no NaN).
        let empty = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(ConfusionMatrix(classes: ["a", "b"]))) as? [String: Any]
        #expect(empty?["accuracy"] == nil && empty?["total"] as? Int == 0)
        // A matrix iqkit cannot have written (found by the `results` fuzz
        // target: readers indexed rows by class and trapped) does not decode.
        for bad in [
            #"{"classes": ["a", "b"], "counts": [[1, 0], [0]]}"#, #"{"classes": ["a", "b", "c"], "counts": [[1, 0], [0, 1]]}"#,
            #"{"classes": ["a"], "counts": [[-1]]}"#, #"{"classes": ["a", "b"], "counts": [[9223372036854775807, 0], [1, 0]]}"#,
        ] {
            #expect(throws: DecodingError.self, "\(bad)") { try JSONDecoder().decode(ConfusionMatrix.self, from: Data(bad.utf8)) }
        }
        #expect(try JSONDecoder().decode(ConfusionMatrix.self, from: Data(#"{"classes": ["a", "b"], "counts": [[1, 2], [0, 3]]}"#.utf8)).correct == 4)
        var perfect = EvaluationReport()
        perfect.add(name: "c.nii", truth: .earl1, result: Self.result(.earl1, clinical: 0.01, earl2: 0.1))
        #expect(perfect.markdown.contains("No scan misclassified.\n\nCalibration, Stage 1, P(clinical): Brier score 0.0001"), "\(perfect.markdown)")
    }

    /// A cross-validation report iqkit cannot have written does not decode:
    /// `cv-merge` adds its matrices cell by cell and trapped on a fold whose
    /// stage-1 matrix had one class (2026-12-07); fold numbers must pair with
    /// the folds and lie in the split.
    @Test func crossValidationReportStructureIsChecked() throws {
        var report = CrossValidationReport(foldCount: 5)
        for n in [2, 4] {
            var fold = CrossValidationReport.Fold(testNames: ["s\(n).nii"])
            fold.add(truth: .earl2, result: Self.result(.earl2, clinical: 0.1, earl2: 0.8))
            report.folds.append(fold)
            report.foldNumbers.append(n)
        }
        let data = try JSONEncoder().encode(report)
        let back = try JSONDecoder().decode(CrossValidationReport.self, from: data)
        #expect(back.foldNumbers == [2, 4] && back.folds.count == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let edits: [(String, (inout [String: Any]) -> Void)] = [
            ("one-class fold matrix", { o in
                var folds = o["folds"] as! [[String: Any]]
                folds[0]["stage1"] = ["classes": ["x"], "counts": [[1]]]
                o["folds"] = folds
            }),
            ("stage 1 and 2 swapped", { o in (o["stage1"], o["stage2"]) = (o["stage2"], o["stage1"]) }),
            ("a fold number twice", { o in o["foldNumbers"] = [2, 2] }),
            ("more numbers than folds", { o in o["foldNumbers"] = [2, 4, 5] }),
            ("a number outside the split", { o in o["foldNumbers"] = [2, 6] }),
            ("a one-fold split", { o in o["foldCount"] = 1 }),
        ]
        for (what, edit) in edits {
            var edited = object
            edit(&edited)
            let bytes = try JSONSerialization.data(withJSONObject: edited)
            #expect(throws: DecodingError.self, "\(what)") { try JSONDecoder().decode(CrossValidationReport.self, from: bytes) }
        }
        // What decodes pools: folds 2 and 4 with a report of fold 1.
        var other = CrossValidationReport(foldCount: 5)
        var fold = CrossValidationReport.Fold(testNames: ["s1.nii"])
        fold.add(truth: .clinical, result: Self.result(.clinical, clinical: 0.9, earl2: 0.5))
        other.folds = [fold]
        other.foldNumbers = [1]
        let merged = try CrossValidationReport.merge([("a.json", back), ("b.json", other)])
        #expect(merged.foldNumbers == [1, 2, 4] && merged.overall.total == 3 && merged.overall.correct == 3)
    }
}
