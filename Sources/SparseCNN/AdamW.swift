/// Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight
/// Decay Regularization", ICLR 2019): θ ← θ − lr·(m̂/(√v̂+ε) + λ·θ).
/// Biases (1-D parameters) are not decayed.
public struct AdamW {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    private var step = 0
    private var m: [[Float]] = []
    private var v: [[Float]] = []

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 1e-4) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// One update from the accumulated gradients, scaled by `gradientScale`
    /// (1 / batch size for a mean over the batch).
    public mutating func update(_ parameters: [Parameter], gradientScale: Double = 1) {
        if m.isEmpty {
            m = parameters.map { [Float](repeating: 0, count: $0.value.count) }
            v = m
        }
        step += 1
        let b1 = Float(beta1), b2 = Float(beta2)
        let c1 = Float(1 - pow(beta1, Double(step)))
        let c2 = Float(1 - pow(beta2, Double(step)))
        let lr = Float(learningRate), eps = Float(epsilon), scale = Float(gradientScale)
        for (pi, p) in parameters.enumerated() {
            let decay = p.shape.count > 1 ? Float(weightDecay) : 0
            for i in p.value.indices {
                let g = p.gradient[i] * scale
                m[pi][i] = b1 * m[pi][i] + (1 - b1) * g
                v[pi][i] = b2 * v[pi][i] + (1 - b2) * g * g
                let mHat = m[pi][i] / c1
                let vHat = v[pi][i] / c2
                p.value[i] -= lr * (mHat / (vHat.squareRoot() + eps) + decay * p.value[i])
            }
        }
    }
}

import Foundation
