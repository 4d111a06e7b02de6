import IQCore
/// max(0, x) on sparse features or on a vector. The gradient at exactly 0 is taken as 0.
final class ReLU: Layer {
    private var mask: [Bool] = []
    var parameters: [Parameter] { [] }

    func releaseCache() { mask = [] }

    func forward(_ input: Activation, mode: ForwardMode) -> Activation {
        switch input {
        case .sparse(var t):
            rectify(&t.features, mode: mode)
            return .sparse(t)
        case .dense(var v):
            rectify(&v, mode: mode)
            return .dense(v)
        }
    }

    private func rectify(_ values: inout [Float], mode: ForwardMode) {
        switch mode {
        case .training: mask = Self.rectifyKeepingMask(&values)
        case .inference:
            values.withUnsafeMutableBufferPointer { v in
                for i in v.indices where !(v[i] > 0) { v[i] = 0 }
            }
        }
    }

    /// Zeroes the values that are not > 0 in one pass. - Returns: which were kept.
    private static func rectifyKeepingMask(_ values: inout [Float]) -> [Bool] {
        [Bool](unsafeUninitializedCapacity: values.count) { kept, initialised in
            values.withUnsafeMutableBufferPointer { v in
                for i in v.indices {
                    let positive = v[i] > 0
                    kept[i] = positive
                    if !positive { v[i] = 0 }
                }
            }
            initialised = values.count
        }
    }

    func backward(_ gradient: [Float]) -> [Float] {
        var g = gradient
        for i in g.indices where !mask[i] { g[i] = 0 }
        return g
    }
}

/// Pools features over the whole active set into one vector:
/// `[mean of channel 0…C-1, max of channel 0…C-1]` (2C values), or the
/// means alone when `includeMax` is false. The mean is
/// summed in Double in row order (fixed reduction order, so deterministic);
/// the max's gradient goes to the first row that attains it.
final class GlobalPooling: Layer {
    private var count = 0
    private var channels = 0
    private var argmax: [Int] = []
    let includeMax: Bool
    var parameters: [Parameter] { [] }

    init(includeMax: Bool) { self.includeMax = includeMax }

    func releaseCache() { argmax = [] }

    func forward(_ input: Activation, mode: ForwardMode) -> Activation {
        guard case .sparse(let t) = input else { preconditionFailure("global pooling of a vector") }
        count = t.count
        channels = t.channels
        let c = t.channels
        var sums = [Double](repeating: 0, count: c)
        var maxima = [Float](repeating: -.infinity, count: c)
        argmax = [Int](repeating: 0, count: c)
        for r in 0..<t.count {
            for ch in 0..<c {
                let v = t.features[r * c + ch]
                sums[ch] += Double(v)
                if v > maxima[ch] {
                    maxima[ch] = v
                    argmax[ch] = r
                }
            }
        }
        let n = Double(max(t.count, 1))
        if t.count == 0 { maxima = [Float](repeating: 0, count: c) }
        let means = sums.map { Float($0 / n) }
        return .dense(includeMax ? means + maxima : means)
    }

    func backward(_ gradient: [Float]) -> [Float] {
        let c = channels
        var dx = [Float](repeating: 0, count: count * c)
        guard count > 0 else { return dx }
        let inv = 1 / Float(count)
        for r in 0..<count {
            for ch in 0..<c { dx[r * c + ch] = gradient[ch] * inv }
        }
        if includeMax {
            for ch in 0..<c { dx[argmax[ch] * c + ch] += gradient[c + ch] }
        }
        return dx
    }
}

/// A fully connected layer y = W x + b on a vector; W is [out][in].
final class Dense: Layer {
    let inFeatures: Int
    let outFeatures: Int
    let weight: Parameter
    let bias: Parameter
    private var input: [Float] = []
    var parameters: [Parameter] { [weight, bias] }

    init(inFeatures: Int, outFeatures: Int, name: String, random: inout SplitMix64) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let std = (2.0 / Double(inFeatures)).squareRoot()
        weight = Parameter(
            name: "\(name).weight", shape: [outFeatures, inFeatures],
            value: (0..<(inFeatures * outFeatures)).map { _ in Float(random.nextNormal() * std) })
        bias = Parameter(name: "\(name).bias", shape: [outFeatures], value: [Float](repeating: 0, count: outFeatures))
    }

    func releaseCache() { input = [] }

    func forward(_ activation: Activation, mode: ForwardMode) -> Activation {
        guard case .dense(let x) = activation else { preconditionFailure("dense layer before pooling") }
        precondition(x.count == inFeatures)
        if mode == .training { input = x }
        var y = bias.value
        for o in 0..<outFeatures {
            var s: Float = 0
            for i in 0..<inFeatures { s += weight.value[o * inFeatures + i] * x[i] }
            y[o] += s
        }
        return .dense(y)
    }

    func backward(_ dy: [Float]) -> [Float] {
        var dx = [Float](repeating: 0, count: inFeatures)
        for o in 0..<outFeatures {
            bias.gradient[o] += dy[o]
            for i in 0..<inFeatures {
                weight.gradient[o * inFeatures + i] += dy[o] * input[i]
                dx[i] += dy[o] * weight.value[o * inFeatures + i]
            }
        }
        return dx
    }
}

/// Softmax and the cross-entropy loss of logits against a class index.
public enum SoftmaxCrossEntropy {
    /// Probabilities from logits (max-subtracted for stability).
    public static func softmax(_ logits: [Float]) -> [Double] {
        let m = Double(logits.max() ?? 0)
        let e = logits.map { _exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// - Returns: the loss −log p[label] (natural log) times `weight`, and dL/dlogits.
    public static func loss(logits: [Float], label: Int, weight: Double = 1) -> (loss: Double, gradient: [Float]) {
        let p = softmax(logits)
        let loss = -_log(max(p[label], 1e-300)) * weight
        var g = p.map { Float($0 * weight) }
        g[label] -= Float(weight)
        return (loss, g)
    }

    /// Cross-entropy against a target distribution `target` (non-negative,
    /// summing to 1, one entry per logit): −Σ target[k] log p[k] times
    /// `weight`, and its gradient (p − target) · weight. A one-hot target
    /// gives `loss(logits:label:weight:)`.
    public static func loss(logits: [Float], target: [Double], weight: Double = 1) -> (loss: Double, gradient: [Float]) {
        precondition(target.count == logits.count, "one target probability per logit")
        let p = softmax(logits)
        var loss = 0.0
        for k in p.indices where target[k] > 0 { loss -= target[k] * _log(max(p[k], 1e-300)) }
        return (loss * weight, p.indices.map { Float((p[$0] - target[$0]) * weight) })
    }
}

/// Half the squared error of regression outputs against their targets.
public enum SquaredError {
    /// - Returns: `weight` · ½ Σ (output − target)² and its gradient
    ///   `weight` · (output − target).
    public static func loss(outputs: ArraySlice<Float>, targets: [Double], weight: Double = 1) -> (loss: Double, gradient: [Float]) {
        precondition(outputs.count == targets.count, "one target per regression output")
        var loss = 0.0
        var gradient: [Float] = []
        gradient.reserveCapacity(targets.count)
        for (y, t) in zip(outputs, targets) {
            let e = Double(y) - t
            loss += 0.5 * e * e
            gradient.append(Float(e * weight))
        }
        return (loss * weight, gradient)
    }
}

import Foundation
@inline(__always) private func _exp(_ x: Double) -> Double { Foundation.exp(x) }
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
