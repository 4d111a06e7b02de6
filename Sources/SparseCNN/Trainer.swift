import IQCore
/// An input with its class index and, optionally, a soft training target
/// and targets for the network's regression outputs.
public struct LabelledTensor {
    public var tensor: SparseTensor
    public var label: Int
    /// Class probabilities the training loss aims at instead of the one-hot
    /// `label` (nil: one-hot). Validation always scores against `label`.
    public var target: [Double]?
    /// Standardised targets of the network's regression outputs, one per
    /// output (`Architecture.regression`); nil: none, or not known for this
    /// input (its regression outputs then get no gradient).
    public var regression: [Double]?
    public init(tensor: SparseTensor, label: Int, target: [Double]? = nil, regression: [Double]? = nil) {
        self.tensor = tensor
        self.label = label
        self.target = target
        self.regression = regression
    }
}

/// Settings of a training run.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    public var maxEpochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var weightDecay: Double
    /// Stop after this many epochs without a lower validation loss; the
    /// weights of the best epoch are kept.
    public var patience: Int
    /// Seeds the shuffling (weights are seeded by the `Network`).
    public var seed: UInt64
    /// Weight each class by n / (classes · n_class) so an unbalanced set
    /// does not teach the majority class.
    public var balanceClasses: Bool
    /// When set, each update's gradient (the batch mean) is rescaled so its
    /// global L2 norm is at most this value: one outlying batch cannot throw
    /// the weights far (nil: no clipping).
    public var maxGradientNorm: Double?
    /// Early stopping is not considered before this many epochs have run
    /// (the best epoch is still chosen among all of them).
    public var minEpochs: Int
    /// How the learning rate changes over the epochs.
    public var schedule: LearningRateSchedule
    /// Weight of the regression outputs' squared error (½ Σ (y − t)² per
    /// input, targets standardised) beside the cross-entropy.
    public var regressionWeight: Double

    /// The learning rate of each epoch as a multiple of `learningRate`.
    public enum LearningRateSchedule: String, Codable, Equatable, Sendable, CaseIterable {
        /// The same rate throughout.
        case constant
        /// Half a cosine from 1 at the first epoch to 0.05 at the last
        /// (`maxEpochs`), so late epochs take small steps and the
        /// validation loss settles instead of jumping from epoch to epoch.
        case cosine

        public func factor(epoch: Int, of epochs: Int) -> Double {
            switch self {
            case .constant: return 1
            case .cosine:
                guard epochs > 1 else { return 1 }
                let t = Double(min(max(epoch, 0), epochs - 1)) / Double(epochs - 1)
                return 0.05 + 0.95 * 0.5 * (1 + cos(Double.pi * t))
            }
        }
    }

    public init(
        maxEpochs: Int = 60, batchSize: Int = 8, learningRate: Double = 3e-3, weightDecay: Double = 1e-4,
        patience: Int = 10, seed: UInt64 = 1, balanceClasses: Bool = true, maxGradientNorm: Double? = nil,
        minEpochs: Int = 0, schedule: LearningRateSchedule = .constant, regressionWeight: Double = 1
    ) {
        self.regressionWeight = regressionWeight
        self.minEpochs = minEpochs
        self.schedule = schedule
        self.maxGradientNorm = maxGradientNorm
        self.maxEpochs = maxEpochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.patience = patience
        self.seed = seed
        self.balanceClasses = balanceClasses
    }
}

/// Losses and accuracy per epoch, and the epoch whose weights were kept.
public struct TrainingHistory: Codable, Equatable, Sendable {
    public struct Epoch: Codable, Equatable, Sendable {
        public var trainingLoss: Double
        public var validationLoss: Double?
        public var validationAccuracy: Double?
    }
    public var epochs: [Epoch] = []
    /// 0-based index into `epochs` of the kept weights.
    public var bestEpoch: Int = 0
    public var stoppedEarly = false
    /// With soft targets on the validation set: the validation loss a
    /// network that reproduced those targets exactly would score (mean
    /// −log target[label]), the floor its hard-label validation loss
    /// approaches. nil for one-hot targets, whose floor is 0.
    public var validationTargetLoss: Double?
}

/// Mini-batch training with AdamW and early stopping on a validation set.
///
/// Deterministic for a seed: one seeded shuffle per epoch, inputs processed
/// in order, gradients accumulated in that order, BLAS partitioned the same way.
public enum Trainer {
    /// Trains `network` in place and returns its history; with an empty
    /// validation set it runs `maxEpochs` and keeps the last weights.
    public static func train(
        _ network: Network, training: [LabelledTensor], validation: [LabelledTensor], configuration: TrainingConfiguration,
        progress: ((Int, TrainingHistory.Epoch) -> Void)? = nil
    ) -> TrainingHistory {
        train(network, epochSamples: { _ in training }, validation: validation, configuration: configuration, progress: progress)
    }

    /// As `train(_:training:…)`, with each epoch's training samples given by
    /// `epochSamples(epoch)` (for augmentation: a new draw of crops per
    /// epoch; samples not kept by the caller are freed after their epoch).
    /// Class weights come from the first epoch's samples.
    /// - Parameter freshSamples: every epoch's samples are new tensors, each
    ///   used once: their sites' rulebooks are released right after their
    ///   backward pass instead of living until the epoch ends (the results
    ///   do not change; the memory of a whole epoch's rulebooks is saved).
    public static func train(
        _ network: Network, epochSamples: (Int) -> [LabelledTensor], freshSamples: Bool = false, validation: [LabelledTensor],
        configuration: TrainingConfiguration, progress: ((Int, TrainingHistory.Epoch) -> Void)? = nil
    ) -> TrainingHistory {
        var random = SplitMix64(seed: configuration.seed)
        var optimiser = AdamW(learningRate: configuration.learningRate, weightDecay: configuration.weightDecay)
        var training = epochSamples(0)
        let weights = classWeights(training.map(\.label), classes: network.architecture.classes.count, balance: configuration.balanceClasses)
        var history = TrainingHistory()
        if validation.contains(where: { $0.target != nil }) {
            history.validationTargetLoss =
                validation.reduce(0.0) { sum, s in sum - log(max(s.target?[s.label] ?? 1, 1e-300)) } / Double(validation.count)
        }
        var best = (loss: Double.infinity, weights: network.snapshot())
        let classes = network.architecture.classes.count
        let batch = max(1, configuration.batchSize)
        for epoch in 0..<max(1, configuration.maxEpochs) {
            if epoch > 0 { training = epochSamples(epoch) }
            optimiser.learningRate = configuration.learningRate * configuration.schedule.factor(epoch: epoch, of: max(1, configuration.maxEpochs))
            var order = Array(training.indices)
            random.shuffle(&order)
            var total = 0.0
            var start = 0
            while start < order.count {
                let end = min(start + batch, order.count)
                network.zeroGradients()
                for i in order[start..<end] {
                    let sample = training[i]
                    let (loss, g) = Self.loss(network.forward(sample.tensor), sample, classes: classes, classWeight: weights[sample.label], regressionWeight: configuration.regressionWeight)
                    total += loss
                    network.backward(g)
                    if freshSamples { sample.tensor.sites.releaseCaches() }
                }
                var scale = 1 / Double(end - start)
                if let limit = configuration.maxGradientNorm {
                    let norm = network.parameters.reduce(0.0) { acc, p in acc + p.gradient.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot() * scale
                    if norm > limit { scale *= limit / norm }
                }
                optimiser.update(network.parameters, gradientScale: scale)
                start = end
            }
            var record = TrainingHistory.Epoch(trainingLoss: total / Double(max(1, order.count)))
            if !validation.isEmpty {
                let (loss, accuracy) = evaluate(network, validation)
                record.validationLoss = loss
                record.validationAccuracy = accuracy
                if loss < best.loss {
                    best = (loss, network.snapshot())
                    history.bestEpoch = epoch
                }
            } else {
                history.bestEpoch = epoch
            }
            history.epochs.append(record)
            progress?(epoch, record)
            if !validation.isEmpty && epoch + 1 >= configuration.minEpochs && epoch - history.bestEpoch >= configuration.patience {
                history.stoppedEarly = true
                break
            }
        }
        if !validation.isEmpty { network.restore(best.weights) }
        network.releaseCaches()
        return history
    }

    /// The training loss of one input and its gradient by the network's
    /// outputs: the (class-weighted) cross-entropy of the class logits plus,
    /// with regression targets, `regressionWeight` · ½ Σ (y − t)².
    public static func loss(_ outputs: [Float], _ sample: LabelledTensor, classes: Int, classWeight: Double = 1, regressionWeight: Double = 1) -> (
        loss: Double, gradient: [Float]
    ) {
        let logits = Array(outputs[..<classes])
        var (loss, g) =
            if let target = sample.target {
                SoftmaxCrossEntropy.loss(logits: logits, target: target, weight: classWeight)
            } else {
                SoftmaxCrossEntropy.loss(logits: logits, label: sample.label, weight: classWeight)
            }
        let extra = outputs.count - classes
        if let targets = sample.regression, extra > 0 {
            let r = SquaredError.loss(outputs: outputs[classes...], targets: targets, weight: regressionWeight)
            loss += r.loss
            g += r.gradient
        } else {
            g += [Float](repeating: 0, count: extra)
        }
        return (loss, g)
    }

    /// Mean unweighted cross-entropy and accuracy (argmax) on a set, in
    /// training arithmetic (`.training`), so early stopping sees what it
    /// always saw and a seed gives the weights it always gave.
    public static func evaluate(_ network: Network, _ samples: [LabelledTensor]) -> (loss: Double, accuracy: Double) {
        var loss = 0.0
        var correct = 0
        for s in samples {
            let p = network.predict(s.tensor, mode: .training)
            loss -= log(max(p[s.label], 1e-300))
            if argmax(p) == s.label { correct += 1 }
        }
        let n = Double(max(1, samples.count))
        return (loss / n, Double(correct) / n)
    }

    /// A stratified split that never separates a group (one patient's or
    /// anatomy's scans; give every sample its own group for a plain
    /// stratified split): groups are taken in a seeded random order and each
    /// goes to validation while no class would exceed its share
    /// (`fraction` of its members, at least one for classes of two or more),
    /// to training otherwise. `fraction` 0 holds nothing out: every sample
    /// trains, in its given order.
    public static func groupedStratifiedSplit(labels: [Int], groups: [String], fraction: Double, seed: UInt64) -> (training: [Int], validation: [Int]) {
        precondition(labels.count == groups.count, "one group per label")
        guard fraction > 0 else { return (Array(labels.indices), []) }
        var random = SplitMix64(seed: seed)
        var members: [String: [Int]] = [:]
        for (i, g) in groups.enumerated() { members[g, default: []].append(i) }
        var order = members.keys.sorted()
        random.shuffle(&order)
        var share: [Int: Int] = [:]
        for c in Set(labels) {
            let n = labels.filter { $0 == c }.count
            share[c] = n >= 2 ? max(1, Int((Double(n) * fraction).rounded())) : 0
        }
        var taken: [Int: Int] = [:]
        var training: [Int] = []
        var validation: [Int] = []
        for g in order {
            let indices = members[g] ?? []
            var counts: [Int: Int] = [:]
            for i in indices { counts[labels[i], default: 0] += 1 }
            if counts.allSatisfy({ c, n in (taken[c] ?? 0) + n <= (share[c] ?? 0) }) {
                for (c, n) in counts { taken[c, default: 0] += n }
                validation += indices
            } else {
                training += indices
            }
        }
        return (training.sorted(), validation.sorted())
    }

    static func classWeights(_ labels: [Int], classes: Int, balance: Bool) -> [Double] {
        guard balance, !labels.isEmpty else { return [Double](repeating: 1, count: classes) }
        var counts = [Int](repeating: 0, count: classes)
        for l in labels { counts[l] += 1 }
        return counts.map { $0 > 0 ? Double(labels.count) / Double(classes * $0) : 1 }
    }
}

/// The index of the largest value (the first one on ties).
public func argmax<T: Comparable>(_ values: [T]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}

import Foundation
