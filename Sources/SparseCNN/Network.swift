import IQCore
/// A sparse CNN classifier: sparse layers, a global pooling, dense layers.
///
/// Runs one scan at a time (each has its own active set); training
/// accumulates gradients over a mini-batch of scans. Not thread-safe: layers
/// cache activations for the backward pass.
public final class Network {
    public let architecture: Architecture
    let layers: [any Layer]

    /// A network with freshly initialised weights (He normal, zero biases).
    /// - Precondition: `architecture.problem == nil` (check it first for user input).
    public init(architecture: Architecture, seed: UInt64) {
        precondition(architecture.problem == nil, architecture.problem ?? "")
        self.architecture = architecture
        var random = SplitMix64(seed: seed)
        var layers: [any Layer] = []
        for (i, spec) in architecture.layers.enumerated() {
            switch spec {
            case .submanifold(let cin, let cout, let k):
                layers.append(SparseConvolution(kind: .submanifold(kernelSize: k), inChannels: cin, outChannels: cout, name: "layer\(i)", random: &random))
            case .downsample(let cin, let cout):
                layers.append(SparseConvolution(kind: .downsample, inChannels: cin, outChannels: cout, name: "layer\(i)", random: &random))
            case .relu: layers.append(ReLU())
            case .globalPool: layers.append(GlobalPooling(includeMax: true))
            case .globalMeanPool: layers.append(GlobalPooling(includeMax: false))
            case .dense(let fin, let fout): layers.append(Dense(inFeatures: fin, outFeatures: fout, name: "layer\(i)", random: &random))
            }
        }
        self.layers = layers
    }

    /// Every trainable array, in layer order (the order of the model file).
    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// The logits for one input; with `.training` (the default) caches
    /// activations for `backward`.
    public func forward(_ input: SparseTensor, mode: ForwardMode = .training) -> [Float] {
        precondition(input.channels == architecture.inputChannels, "input has \(input.channels) channels, the network takes \(architecture.inputChannels)")
        var a = Activation.sparse(input)
        for layer in layers { a = layer.forward(a, mode: mode) }
        return a.values
    }

    /// The activation after the first `layerCount` layers, for inspection
    /// (e.g. comparing a convolution against a reference). Keeps no cache.
    public func activation(of input: SparseTensor, throughLayers layerCount: Int, mode: ForwardMode = .inference) -> Activation {
        var a = Activation.sparse(input)
        for layer in layers.prefix(layerCount) { a = layer.forward(a, mode: mode) }
        releaseCaches()
        return a
    }

    /// Class probabilities for one input (`.inference`: no activations kept).
    public func predict(_ input: SparseTensor, mode: ForwardMode = .inference) -> [Double] {
        outputs(input, mode: mode).probabilities
    }

    /// Class probabilities and the regression outputs' estimates, in their
    /// units (`RegressionOutput`; empty without them), from one forward pass.
    public func outputs(_ input: SparseTensor, mode: ForwardMode = .inference) -> (probabilities: [Double], estimates: [Double]) {
        let logits = forward(input, mode: mode)
        releaseCaches()
        let classes = architecture.classes.count
        let estimates = zip(architecture.regression ?? [], logits[classes...]).map { r, y in r.mean + r.scale * Double(y) }
        return (SoftmaxCrossEntropy.softmax(Array(logits[..<classes])), estimates)
    }

    /// Drops every layer's cached activations.
    func releaseCaches() {
        for layer in layers { layer.releaseCache() }
    }

    /// Back-propagates dL/dlogits of the last `forward`, adding to the
    /// parameters' gradients. - Returns: dL/d(input features).
    @discardableResult
    public func backward(_ gradientOfLogits: [Float]) -> [Float] {
        var g = gradientOfLogits
        for layer in layers.reversed() { g = layer.backward(g) }
        return g
    }

    public func zeroGradients() {
        for p in parameters { p.zeroGradient() }
    }

    /// A copy of every parameter's values (for early stopping).
    public func snapshot() -> [[Float]] { parameters.map { $0.value } }

    public func restore(_ values: [[Float]]) {
        for (p, v) in zip(parameters, values) { p.value = v }
    }
}
