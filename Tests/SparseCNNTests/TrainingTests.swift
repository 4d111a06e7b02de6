import Foundation
import IQCore
import Testing
import SparseCNN

@Suite struct TrainingTests {
    /// Class 0: white noise on a random blob; class 1: the same noise averaged
    /// over each voxel's active 3×3×3 neighbourhood and rescaled to unit
    /// variance. Both have zero mean and unit variance per voxel, so only a
    /// spatial convolution can tell them apart.
    static func toySample(seed: UInt64, label: Int) -> LabelledTensor {
        let base = randomTensor(seed: seed, box: 8, fill: 0.6, channels: 1)
        guard label == 1 else { return LabelledTensor(tensor: base, label: 0) }
        var smooth = [Float](repeating: 0, count: base.count)
        for (i, c) in base.sites.coordinates.enumerated() {
            var s: Float = 0
            for dz in Int32(-1)...1 { for dy in Int32(-1)...1 { for dx in Int32(-1)...1 {
                if let j = base.sites.row(of: c &+ SIMD3(dx, dy, dz)) { s += base.features[j] }
            } } }
            smooth[i] = s
        }
        let sd = Float(Statistics.standardDeviation(smooth))
        return LabelledTensor(tensor: SparseTensor(sites: base.sites, channels: 1, features: smooth.map { $0 / sd }), label: 1)
    }

    static let toyArchitecture = Architecture(
        inputChannels: 1,
        layers: [
            .submanifold(inChannels: 1, outChannels: 8, kernelSize: 3), .relu, .downsample(inChannels: 8, outChannels: 8), .relu, .globalPool,
            .dense(inFeatures: 16, outFeatures: 8), .relu, .dense(inFeatures: 8, outFeatures: 2),
        ], classes: ["white", "smooth"])

    static func set(_ range: Range<UInt64>) -> [LabelledTensor] { range.map { toySample(seed: $0, label: Int($0 % 2)) } }

    /// A toy problem training must solve: ≥ 90 % on 40 unseen samples (chance is 50 %).
    /// The EARL networks' width: a valid chain at any width, whose weight
    /// count is the sum over layers of (kernel volume × in + 1) × out.
    @Test(arguments: [4, 8, 16])
    func earlArchitectureWidth(width w: Int) {
        let a = Architecture.earlDefault(inputChannels: 4, classes: ["a", "b"], width: w)
        #expect(a.problem == nil)
        let convolutions = [(27, 4, w), (8, w, 2 * w), (27, 2 * w, 2 * w), (8, 2 * w, 4 * w), (27, 4 * w, 4 * w), (8, 4 * w, 4 * w)]
        let dense = [(1, 8 * w, 4 * w), (1, 4 * w, 2)]
        let expected = (convolutions + dense).reduce(0) { $0 + ($1.0 * $1.1 + 1) * $1.2 }
        #expect(Network(architecture: a, seed: 1).parameterCount == expected)
    }

    @Test func learnsToyProblem() {
        let net = Network(architecture: Self.toyArchitecture, seed: 1)
        let config = TrainingConfiguration(maxEpochs: 60, batchSize: 4, learningRate: 1e-2, patience: 15, seed: 2)
        let history = Trainer.train(net, training: Self.set(0..<100), validation: Self.set(100..<130), configuration: config)
        let (_, accuracy) = Trainer.evaluate(net, Self.set(200..<240))
        print("toy problem: test accuracy \(accuracy) after \(history.epochs.count) epochs (best \(history.bestEpoch))")
        #expect(accuracy >= 0.9)
        #expect(history.epochs[history.bestEpoch].validationLoss ?? .infinity < history.epochs[0].validationLoss ?? 0)
    }

    /// Soft targets are what the network learns: trained towards 0.8 on
    /// the labelled class of the toy problem, its held-out probability of
    /// the true class settles near 0.8, where one-hot training of the same
    /// network goes near 1. The soft training loss can never fall below the
    /// targets' entropy H(0.8) = 0.500 nats (Gibbs' inequality).
    @Test func softTargetsAreLearnt() {
        func train(soft: Bool) -> (meanTrueClass: Double, losses: [Double], history: TrainingHistory) {
            let net = Network(architecture: Self.toyArchitecture, seed: 1)
            func softened(_ samples: [LabelledTensor]) -> [LabelledTensor] {
                samples.map { s in
                    var s = s
                    if soft { s.target = s.label == 0 ? [0.8, 0.2] : [0.2, 0.8] }
                    return s
                }
            }
            let config = TrainingConfiguration(maxEpochs: 60, batchSize: 4, learningRate: 1e-2, patience: 15, seed: 2)
            let history = Trainer.train(net, training: softened(Self.set(0..<100)), validation: softened(Self.set(100..<130)), configuration: config)
            let test = Self.set(200..<240)
            let mean = test.reduce(0.0) { $0 + net.predict($1.tensor)[$1.label] } / Double(test.count)
            return (mean, history.epochs.map(\.trainingLoss), history)
        }
        let soft = train(soft: true), hard = train(soft: false)
        print("toy problem: mean P(true class) \(soft.meanTrueClass) soft, \(hard.meanTrueClass) one-hot")
        let entropy = -(0.8 * log(0.8) + 0.2 * log(0.2))
        #expect(soft.losses.allSatisfy { $0 >= entropy - 1e-9 })
        #expect(abs(soft.meanTrueClass - 0.8) < 0.1)
        #expect(hard.meanTrueClass > 0.9)
        // The validation set's own floor: every target gives its label 0.8,
        // so a network that learnt the targets scores −log 0.8 there; the
        // kept epoch is close to it (the validation loss still scores the
        // hard labels). One-hot targets record no floor.
        #expect(abs((soft.history.validationTargetLoss ?? .nan) + log(0.8)) < 1e-12)
        let kept = soft.history.epochs[soft.history.bestEpoch].validationLoss ?? .nan
        #expect(abs(kept + log(0.8)) < 0.1, "kept validation loss \(kept)")
        #expect(hard.history.validationTargetLoss == nil)
    }

    /// The cosine schedule against its closed form: 1 at the first epoch,
    /// 0.05 at the last, 0.525 halfway, monotone in between; constant is 1.
    @Test func cosineScheduleMatchesClosedForm() {
        let cosine = TrainingConfiguration.LearningRateSchedule.cosine
        #expect(abs(cosine.factor(epoch: 0, of: 61) - 1) < 1e-12)
        #expect(abs(cosine.factor(epoch: 60, of: 61) - 0.05) < 1e-12)
        #expect(abs(cosine.factor(epoch: 30, of: 61) - 0.525) < 1e-12)
        for e in 0..<60 { #expect(cosine.factor(epoch: e + 1, of: 61) < cosine.factor(epoch: e, of: 61)) }
        #expect(TrainingConfiguration.LearningRateSchedule.constant.factor(epoch: 17, of: 61) == 1)
        #expect(cosine.factor(epoch: 0, of: 1) == 1)
    }

    /// With a learning rate so small nothing improves after the first
    /// epochs, patience 2 stops early; minEpochs holds it to the minimum.
    @Test func minEpochsDelaysEarlyStopping() {
        func epochs(minEpochs: Int) -> Int {
            let net = Network(architecture: Self.toyArchitecture, seed: 5)
            let config = TrainingConfiguration(maxEpochs: 40, batchSize: 4, learningRate: 1e-9, patience: 2, seed: 6, minEpochs: minEpochs)
            return Trainer.train(net, training: Self.set(0..<8), validation: Self.set(60..<64), configuration: config).epochs.count
        }
        let free = epochs(minEpochs: 0)
        #expect(free < 12)
        #expect(epochs(minEpochs: 12) == 12)
    }

    /// Same seeds, same data: bit-identical weights after training.
    @Test func trainingIsDeterministic() {
        func run() -> [[UInt32]] {
            let net = Network(architecture: Self.toyArchitecture, seed: 3)
            _ = Trainer.train(net, training: Self.set(0..<16), validation: Self.set(50..<56), configuration: TrainingConfiguration(maxEpochs: 3, batchSize: 4, seed: 4))
            return net.parameters.map { $0.value.map(\.bitPattern) }
        }
        #expect(run() == run())
        let other = Network(architecture: Self.toyArchitecture, seed: 99)
        #expect(other.parameters[0].value != Network(architecture: Self.toyArchitecture, seed: 3).parameters[0].value)
    }

    /// Fresh samples each epoch (as slab crops are): releasing their sites'
    /// rulebooks right after use changes nothing, bit for bit.
    @Test func releasingFreshSamplesCachesKeepsTheWeights() {
        func run(fresh: Bool) -> [[UInt32]] {
            let net = Network(architecture: Self.toyArchitecture, seed: 3)
            _ = Trainer.train(
                net, epochSamples: { epoch in Self.set(UInt64(epoch * 3)..<UInt64(epoch * 3 + 12)) }, freshSamples: fresh,
                validation: Self.set(50..<56), configuration: TrainingConfiguration(maxEpochs: 3, batchSize: 4, seed: 4))
            return net.parameters.map { $0.value.map(\.bitPattern) }
        }
        #expect(run(fresh: true) == run(fresh: false))
    }

    /// Write, read back: every weight bit-identical, the same outputs, and the spec intact.
    @Test func modelFileRoundTripsBitExactly() throws {
        let net = Network(architecture: .earlDefault(inputChannels: 2, classes: ["clinical", "compliant"]), seed: 21)
        _ = Trainer.train(net, training: Self.set(0..<4).map { s in
            LabelledTensor(tensor: SparseTensor(sites: s.tensor.sites, channels: 2, features: s.tensor.features.flatMap { [$0, -$0 * 0.3] }), label: s.label)
        }, validation: [], configuration: TrainingConfiguration(maxEpochs: 1, batchSize: 2, seed: 1))
        let spec = InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge", "intensity"], activeStride: 1)
        let path = NSTemporaryDirectory() + "sparsecnn-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile(network: net, input: spec, notes: ["purpose": "test"]).write(to: path)
        let file = try ModelFile.read(from: path)
        let back = try file.makeNetwork(path: path)
        #expect(file.input == spec)
        #expect(back.architecture == net.architecture)
        #expect(back.parameters.map { $0.value.map(\.bitPattern) } == net.parameters.map { $0.value.map(\.bitPattern) })
        let x = randomTensor(seed: 5, channels: 2)
        #expect(back.forward(x).map(\.bitPattern) == net.forward(x).map(\.bitPattern))
        #expect(back.predict(x).map(\.bitPattern) == net.predict(x).map(\.bitPattern))
    }

    /// Auxiliary regression is learnt: the toy problem's inputs scaled by a
    /// gain g = exp(u), u uniform in ±0.7 (SD 0.40), with target u. Held
    /// out, the network's estimates of u are within 0.28 rms (R² ≥ 0.5; a
    /// network that ignored the targets would be off by at least their SD),
    /// and the classes
    /// are still told apart (≥ 90 %). Written to a file and read back, the
    /// estimates are the same bits, in u's units.
    @Test func regressionOutputsAreLearnt() throws {
        func sample(_ seed: UInt64) -> (LabelledTensor, u: Double) {
            var s = Self.toySample(seed: seed, label: Int(seed % 2))
            var random = SplitMix64(seed: seed &+ 1000)
            let u = 1.4 * random.nextUniform() - 0.7
            s.tensor.features = s.tensor.features.map { $0 * Float(exp(u)) }
            s.regression = [u / 0.4]
            return (s, u)
        }
        let architecture = try #require(Self.toyArchitecture.withRegression([RegressionOutput(name: "log gain", mean: 0, scale: 0.4)]))
        #expect(architecture.problem == nil && architecture.outputCount == 3)
        let net = Network(architecture: architecture, seed: 1)
        let config = TrainingConfiguration(maxEpochs: 60, batchSize: 4, learningRate: 1e-2, patience: 15, seed: 2)
        _ = Trainer.train(net, training: (0..<100).map { sample($0).0 }, validation: (100..<130).map { sample($0).0 }, configuration: config)
        let test = (200..<240).map(sample)
        let (_, accuracy) = Trainer.evaluate(net, test.map(\.0))
        let errors = test.map { net.outputs($0.0.tensor).estimates[0] - $0.u }
        let rms = (errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)).squareRoot()
        print("toy regression: estimate rms error \(rms) (targets' SD 0.40), class accuracy \(accuracy)")
        #expect(rms < 0.28)
        #expect(accuracy >= 0.9)
        #expect(net.predict(test[0].0.tensor).count == 2)

        let path = NSTemporaryDirectory() + "sparsecnn-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile(network: net, input: InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge"], activeStride: 1))
            .write(to: path)
        let back = try ModelFile.read(from: path).makeNetwork(path: path)
        #expect(back.architecture == architecture)
        #expect(back.outputs(test[0].0.tensor).estimates.map(\.bitPattern) == net.outputs(test[0].0.tensor).estimates.map(\.bitPattern))
    }

    /// An architecture without regression outputs is written without the
    /// key (files of such networks are unchanged) and one with them is
    /// checked: the last layer must give classes + outputs, scales > 0.
    @Test func regressionOutputsInTheArchitecture() throws {
        let plain = Architecture.earlDefault(inputChannels: 1, classes: ["a", "b"])
        let text = String(decoding: try JSONEncoder().encode(plain), as: UTF8.self)
        #expect(!text.contains("regression"))
        #expect(try JSONDecoder().decode(Architecture.self, from: Data(text.utf8)) == plain)
        let outputs = [RegressionOutput(name: "fwhm", mean: 6, scale: 1.5), RegressionOutput(name: "noise", mean: 0.1, scale: 0.03)]
        let extended = try #require(plain.withRegression(outputs))
        #expect(extended.problem == nil)
        var endsInReLU = plain
        endsInReLU.layers.append(.relu)
        #expect(endsInReLU.problem == nil && endsInReLU.withRegression(outputs) == nil)
        #expect(extended.layers.last == .dense(inFeatures: 32, outFeatures: 4))
        #expect(extended.withRegression([]) == plain)
        #expect(Network(architecture: extended, seed: 1).parameterCount == Network(architecture: plain, seed: 1).parameterCount + 2 * 33)
        var mismatched = plain
        mismatched.regression = outputs
        #expect(mismatched.problem == "the last layer gives 2 outputs for 2 classes and 2 regression outputs")
        var badScale = extended
        badScale.regression?[1].scale = 0
        #expect(badScale.problem == "regression output noise: mean and scale must be finite, scale > 0")
    }

    /// Inference (narrow layers accumulated in place, no caches) gives the
    /// training pass's logits up to Float32 rounding, on the EARL networks'
    /// own architecture, whose first layers are the narrow ones; and the
    /// same bits on every run. Tolerance 1e-4 relative to the largest logit:
    /// the two orders of addition differ by a few ulps per layer, and seven
    /// layers pass them on.
    @Test func inferenceMatchesTrainingArithmetic() {
        let net = Network(architecture: .earlDefault(inputChannels: 4, classes: ["a", "b"]), seed: 3)
        let x = randomTensor(seed: 21, box: 12, fill: 0.6, channels: 4)
        let training = net.forward(x, mode: .training), inference = net.forward(x, mode: .inference)
        let scale = training.map(abs).max() ?? 1
        let worst = zip(training, inference).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-4 * scale, "max |training − inference| = \(worst), scale \(scale)")
        #expect(net.forward(x, mode: .inference).map(\.bitPattern) == inference.map(\.bitPattern))
    }

    /// A damaged file is refused with a one-line error naming the file.
    @Test func damagedModelFileIsRefused() throws {
        let net = Network(architecture: Self.toyArchitecture, seed: 1)
        var file = ModelFile(network: net, input: InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge"], activeStride: 1))
        file.parameters[0].float32LE = "AAAA"
        #expect(throws: InputError.self) { try file.makeNetwork(path: "m.json") }
        file = ModelFile(network: net, input: InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge"], activeStride: 1))
        file.formatVersion = 99
        do {
            _ = try file.makeNetwork(path: "m.json")
            Issue.record("version 99 accepted")
        } catch let error as InputError {
            #expect(error.description.hasPrefix("m.json: model format version 99"))
        }
    }

    /// A file whose architecture or input would make iqkit allocate without
    /// bound is refused before anything is built. These are the shapes of
    /// the model files that crashed `earl check` (2026-12-07): a consistent
    /// chain of 10¹² or 2⁶¹ channels, a 2⁴⁰-wide hidden layer, a 0.001 mm
    /// grid, a 10⁹ mm edge filter, a stride of 10¹⁵.
    @Test func oversizedModelFileIsRefused() throws {
        func chain(_ width: Int) -> Architecture {
            Architecture(
                inputChannels: 1, layers: [.submanifold(inChannels: 1, outChannels: width, kernelSize: 3), .downsample(inChannels: width, outChannels: 2), .globalPool, .dense(inFeatures: 4, outFeatures: 2)],
                classes: ["a", "b"])
        }
        #expect(chain(8).problem == nil)
        // The count the checks bound is the one the network builds.
        for architecture in [chain(8), .earlDefault(inputChannels: 4, classes: ["a", "b"]), Self.toyArchitecture] {
            #expect(architecture.parameterCount == Network(architecture: architecture, seed: 1).parameterCount)
        }
        #expect(chain(1 << 16).problem == nil)  // 2^16 channels: 2.9 M parameters
        #expect(chain(1 << 16 + 1).problem == "layer 0: output channels must be 1…65536")
        #expect(chain(1_000_000_000_000).problem == "layer 0: output channels must be 1…65536")
        #expect(chain(1 << 61).problem == "layer 0: output channels must be 1…65536")
        let wideHidden = Architecture(
            inputChannels: 1, layers: [.submanifold(inChannels: 1, outChannels: 2, kernelSize: 1), .globalPool, .dense(inFeatures: 4, outFeatures: 1 << 40), .dense(inFeatures: 1 << 40, outFeatures: 2)],
            classes: ["a", "b"])
        #expect(wideHidden.problem == "layer 2: outputs must be 1…65536")
        // Widths each within bounds whose product is not: 7³ · 2¹⁶ · 2¹⁶ weights.
        let tooMany = Architecture(
            inputChannels: 1 << 16, layers: [.submanifold(inChannels: 1 << 16, outChannels: 1 << 16, kernelSize: 7), .globalPool, .dense(inFeatures: 1 << 17, outFeatures: 2)],
            classes: ["a", "b"])
        #expect(tooMany.problem == "more than 67108864 parameters by layer 0")

        let good = InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge"], activeStride: 1, slabSlices: 8)
        #expect(good.problem == nil)
        let bad: [(WritableKeyPath<InputSpecification, Double>, Double)] = [(\.voxelSizeMM, 1e-3), (\.voxelSizeMM, .nan), (\.voxelSizeMM, 1e6), (\.edgeFWHMMM, 1e9), (\.edgeFWHMMM, -1)]
        for (key, value) in bad {
            var input = good
            input[keyPath: key] = value
            #expect(input.problem != nil, "\(value) accepted")
        }
        var strided = good
        strided.activeStride = 1_000_000_000_000_000
        #expect(strided.problem == "active stride 1000000000000000 is outside 1…16")
        var file = ModelFile(network: Network(architecture: Self.toyArchitecture, seed: 1), input: good)
        file.input.voxelSizeMM = 1e-3
        do {
            _ = try file.makeNetwork(path: "m.json")
            Issue.record("a 0.001 mm grid accepted")
        } catch let error as InputError {
            #expect(error.description == "m.json: input: voxel size 0.001 mm is outside 1…12 mm")
        }
        file.input = good
        file.architecture = chain(1 << 61)
        #expect(throws: InputError.self) { try file.makeNetwork(path: "m.json") }
        // Within the bounds, but more parameters than the file's weights could fill: refused before building.
        file.architecture = chain(1 << 16)
        do {
            _ = try file.makeNetwork(path: "m.json")
            Issue.record("2.9 M parameters accepted from a toy network's weights")
        } catch let error as InputError {
            #expect(error.description.hasPrefix("m.json: the architecture has 2883596 parameters, the file holds at most"))
        }
    }
}

@Suite struct ValidationSplitTests {
    /// Groups of three (one scan per class) and single-scan groups: no group
    /// is split, each class gets its share (half of 14 = 7), and the split is
    /// a partition that depends only on the seed.
    @Test func groupedSplitKeepsGroupsWholeAndStratifies() {
        var labels: [Int] = []
        var groups: [String] = []
        for g in 0..<8 { for c in 0..<3 { labels.append(c); groups.append("triple-\(g)") } }
        for i in 0..<18 { labels.append(i % 3); groups.append("single-\(i)") }
        let (training, validation) = Trainer.groupedStratifiedSplit(labels: labels, groups: groups, fraction: 0.5, seed: 7)
        #expect((training + validation).sorted() == Array(labels.indices))
        #expect(Set(training).isDisjoint(with: Set(validation)))
        #expect(Set(training.map { groups[$0] }).isDisjoint(with: Set(validation.map { groups[$0] })))
        for c in 0..<3 { #expect(validation.filter { labels[$0] == c }.count == 7, "class \(c)") }
        let again = Trainer.groupedStratifiedSplit(labels: labels, groups: groups, fraction: 0.5, seed: 7)
        #expect(again.validation == validation)
        let other = Trainer.groupedStratifiedSplit(labels: labels, groups: groups, fraction: 0.5, seed: 8)
        #expect(other.validation != validation)
        // Fraction 0 holds nothing out (a tiny positive fraction still takes one per class), in the given order.
        let none = Trainer.groupedStratifiedSplit(labels: labels, groups: groups, fraction: 0, seed: 7)
        #expect(none.validation.isEmpty && none.training == Array(labels.indices))
        let tiny = Trainer.groupedStratifiedSplit(labels: labels, groups: groups, fraction: 0.001, seed: 7)
        for c in 0..<3 { #expect(tiny.validation.filter { labels[$0] == c }.count == 1, "class \(c)") }
    }
}
