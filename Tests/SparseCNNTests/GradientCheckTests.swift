import Foundation
import IQCore
import Testing
import SparseCNN

/// Every layer's backward pass against central finite differences of the
/// cross-entropy loss, through a network built around the layer under test.
///
/// Tolerance: |numeric − analytic| ≤ 1e-2 · max(|numeric|, |analytic|) + 3e-4.
/// The networks are Float32. With step h = 1e-2 the truncation error of a
/// central difference is O(h²) of the (smooth) softmax loss, ~1e-4; the
/// rounding error of the loss is ~1e-6, divided by 2h gives ~5e-5. Networks
/// around convolutions and dense layers use mean pooling so the loss is
/// smooth in every parameter; ReLU and max pooling are checked on inputs
/// whose kinks lie further than h from every probe.
@Suite struct GradientCheckTests {
    struct Check {
        var worstRelative: Double = 0
        var failures: [String] = []
    }

    /// Compares analytic and numeric gradients of parameters and input
    /// features, of the cross-entropy against `label` or, when given, of
    /// `objective` (a loss of the network's outputs and its gradient).
    static func check(
        _ net: Network, _ x: SparseTensor, label: Int = 1, h: Float = 1e-2, probes: Int = 24, perturbInput: Bool = true,
        objective: (([Float]) -> (loss: Double, gradient: [Float]))? = nil
    ) -> Check {
        let objective = objective ?? { SoftmaxCrossEntropy.loss(logits: $0, label: label) }
        func loss(_ net: Network, _ x: SparseTensor, label: Int) -> Double { objective(net.forward(x)).loss }
        net.zeroGradients()
        let (_, g) = objective(net.forward(x))
        let inputGradient = net.backward(g)
        var result = Check()
        func compare(_ name: String, _ numeric: Double, _ analytic: Double) {
            let error = abs(numeric - analytic)
            let scale = max(abs(numeric), abs(analytic))
            if scale > 1e-3 { result.worstRelative = max(result.worstRelative, error / scale) }
            if error > 1e-2 * scale + 3e-4 { result.failures.append("\(name): numeric \(numeric) analytic \(analytic)") }
        }
        var random = SplitMix64(seed: 77)
        for p in net.parameters {
            let analytic = p.gradient
            let picks = Set((0..<min(probes, p.value.count)).map { _ in Int(random.next() % UInt64(p.value.count)) })
            for i in picks.sorted() {
                let v = p.value[i]
                p.value[i] = v + h
                let plus = loss(net, x, label: label)
                p.value[i] = v - h
                let minus = loss(net, x, label: label)
                p.value[i] = v
                compare("\(p.name)[\(i)]", (plus - minus) / Double(2 * h), Double(analytic[i]))
            }
        }
        if perturbInput {
            for _ in 0..<probes {
                let i = Int(random.next() % UInt64(x.features.count))
                var xp = x, xm = x
                xp.features[i] += h
                xm.features[i] -= h
                compare("input[\(i)]", (loss(net, xp, label: label) - loss(net, xm, label: label)) / Double(2 * h), Double(inputGradient[i]))
            }
        }
        return result
    }

    @Test func submanifoldConvolution() {
        let x = randomTensor(seed: 3, channels: 2)
        let arch = Architecture(
            inputChannels: 2, layers: [.submanifold(inChannels: 2, outChannels: 3, kernelSize: 3), .globalMeanPool, .dense(inFeatures: 3, outFeatures: 2)],
            classes: ["a", "b"])
        let r = Self.check(Network(architecture: arch, seed: 4), x)
        #expect(r.failures.isEmpty, "\(r.failures)")
        print("gradient check submanifold: worst relative error \(r.worstRelative)")
    }

    @Test func downsamplingConvolution() {
        let x = randomTensor(seed: 5, channels: 2)
        let arch = Architecture(
            inputChannels: 2, layers: [.downsample(inChannels: 2, outChannels: 3), .globalMeanPool, .dense(inFeatures: 3, outFeatures: 2)],
            classes: ["a", "b"])
        let r = Self.check(Network(architecture: arch, seed: 6), x)
        #expect(r.failures.isEmpty, "\(r.failures)")
        print("gradient check downsample: worst relative error \(r.worstRelative)")
    }

    @Test func denseLayers() {
        let x = randomTensor(seed: 7, channels: 4)
        let arch = Architecture(
            inputChannels: 4, layers: [.globalMeanPool, .dense(inFeatures: 4, outFeatures: 5), .dense(inFeatures: 5, outFeatures: 3)], classes: ["a", "b", "c"])
        let r = Self.check(Network(architecture: arch, seed: 8), x, label: 2)
        #expect(r.failures.isEmpty, "\(r.failures)")
        print("gradient check dense: worst relative error \(r.worstRelative)")
    }

    /// ReLU on inputs at least 0.1 from zero, so no probe of size 1e-2 crosses the kink.
    @Test func relu() {
        var x = randomTensor(seed: 9, channels: 2)
        x.features = x.features.map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        let arch = Architecture(inputChannels: 2, layers: [.relu, .globalMeanPool, .dense(inFeatures: 2, outFeatures: 2)], classes: ["a", "b"])
        let r = Self.check(Network(architecture: arch, seed: 10), x)
        #expect(r.failures.isEmpty, "\(r.failures)")
        print("gradient check relu: worst relative error \(r.worstRelative)")
    }

    /// Mean+max pooling on features that are distinct multiples of 0.05, probed
    /// with h = 1e-3, so no probe changes which row holds a channel's maximum.
    @Test func meanMaxPooling() {
        var x = randomTensor(seed: 12, channels: 2)
        let n = x.count
        var random = SplitMix64(seed: 13)
        var ranks = Array(0..<(n * 2))
        random.shuffle(&ranks)
        x.features = ranks.map { Float($0) * 0.05 - Float(n) * 0.05 }
        let arch = Architecture(inputChannels: 2, layers: [.globalPool, .dense(inFeatures: 4, outFeatures: 2)], classes: ["a", "b"])
        let r = Self.check(Network(architecture: arch, seed: 14), x, h: 1e-3, probes: 40)
        #expect(r.failures.isEmpty, "\(r.failures)")
        print("gradient check mean+max pool: worst relative error \(r.worstRelative)")
    }

    /// A network with regression outputs under the training loss
    /// (cross-entropy of the class logits plus weighted half squared error
    /// of the regression outputs, `Trainer.loss`), through convolution,
    /// pooling and dense layers: the regression term's gradient reaches
    /// every layer. Same tolerance as above.
    @Test func regressionOutputs() {
        let x = randomTensor(seed: 15, channels: 2)
        let arch = Architecture(
            inputChannels: 2,
            layers: [.submanifold(inChannels: 2, outChannels: 3, kernelSize: 3), .globalMeanPool, .dense(inFeatures: 3, outFeatures: 4), .dense(inFeatures: 4, outFeatures: 4)],
            classes: ["a", "b"], regression: [RegressionOutput(name: "u", mean: 0, scale: 1), RegressionOutput(name: "v", mean: 2, scale: 3)])
        #expect(arch.problem == nil)
        let sample = LabelledTensor(tensor: x, label: 1, regression: [0.7, -1.3])
        let r = Self.check(Network(architecture: arch, seed: 16), x) { Trainer.loss($0, sample, classes: 2, classWeight: 1.2, regressionWeight: 2.5) }
        #expect(r.failures.isEmpty, "\(r.failures)")
        print("gradient check regression outputs: worst relative error \(r.worstRelative)")
        // Without regression targets the same outputs get no gradient and
        // the loss is the cross-entropy alone.
        let y: [Float] = [0.3, -0.2, 1.5, -0.4]
        let plain = Trainer.loss(y, LabelledTensor(tensor: x, label: 1), classes: 2)
        let ce = SoftmaxCrossEntropy.loss(logits: [0.3, -0.2], label: 1)
        #expect(plain.loss == ce.loss && plain.gradient == ce.gradient + [0, 0])
        let full = Trainer.loss(y, sample, classes: 2, regressionWeight: 2.5)
        #expect(abs(full.loss - ce.loss - 2.5 * 0.5 * (0.8 * 0.8 + 0.9 * 0.9)) < 1e-6)
    }

    /// The loss gradient p − onehot against central differences of the logits
    /// (h = 1e-2): tolerance 1e-4 covers the O(h²) truncation of a loss whose
    /// third derivative is below 1.
    @Test func softmaxCrossEntropy() {
        let logits: [Float] = [0.3, -1.2, 2.0]
        let (_, g) = SoftmaxCrossEntropy.loss(logits: logits, label: 0)
        for i in 0..<3 {
            var p = logits, m = logits
            p[i] += 1e-2
            m[i] -= 1e-2
            let numeric = (SoftmaxCrossEntropy.loss(logits: p, label: 0).loss - SoftmaxCrossEntropy.loss(logits: m, label: 0).loss) / 2e-2
            #expect(abs(numeric - Double(g[i])) < 1e-4, "logit \(i): \(numeric) vs \(g[i])")
        }
    }

    /// The soft-target loss: its gradient against central differences (same
    /// tolerance as above), a one-hot target gives the class-index loss and
    /// gradient, and the loss never falls below the target's entropy
    /// (Gibbs' inequality), reaching it when the softmax equals the target.
    @Test func softTargetCrossEntropy() {
        let logits: [Float] = [0.3, -1.2, 2.0]
        let target = [0.2, 0.1, 0.7]
        let (loss, g) = SoftmaxCrossEntropy.loss(logits: logits, target: target, weight: 1.5)
        for i in 0..<3 {
            var p = logits, m = logits
            p[i] += 1e-2
            m[i] -= 1e-2
            let numeric =
                (SoftmaxCrossEntropy.loss(logits: p, target: target, weight: 1.5).loss - SoftmaxCrossEntropy.loss(logits: m, target: target, weight: 1.5).loss) / 2e-2
            #expect(abs(numeric - Double(g[i])) < 1e-4, "logit \(i): \(numeric) vs \(g[i])")
        }
        let hard = SoftmaxCrossEntropy.loss(logits: logits, label: 2, weight: 1.5)
        let oneHot = SoftmaxCrossEntropy.loss(logits: logits, target: [0, 0, 1], weight: 1.5)
        #expect(abs(hard.loss - oneHot.loss) < 1e-12)
        for i in 0..<3 { #expect(abs(hard.gradient[i] - oneHot.gradient[i]) < 1e-6) }
        let entropy = -target.reduce(0) { $0 + $1 * log($1) }
        #expect(loss / 1.5 > entropy)
        let matching = target.map { Float(log($0)) }
        let atTarget = SoftmaxCrossEntropy.loss(logits: matching, target: target)
        #expect(abs(atTarget.loss - entropy) < 1e-6)
        for v in atTarget.gradient { #expect(abs(v) < 1e-6) }
    }
}
