/// A trainable array with its accumulated gradient.
///
/// A class because the optimiser and the layer that owns it must see the
/// same storage.
public final class Parameter {
    public let name: String
    /// Logical shape, outermost first (e.g. [offsets, inChannels, outChannels]).
    public let shape: [Int]
    public var value: [Float]
    public var gradient: [Float]

    init(name: String, shape: [Int], value: [Float]) {
        precondition(shape.reduce(1, *) == value.count)
        self.name = name
        self.shape = shape
        self.value = value
        self.gradient = [Float](repeating: 0, count: value.count)
    }

    public func zeroGradient() {
        for i in gradient.indices { gradient[i] = 0 }
    }
}

/// What flows between layers: features on sparse sites before the global
/// pooling, a plain vector after it.
public enum Activation {
    case sparse(SparseTensor)
    case dense([Float])

    /// The flat values (sparse features or the vector).
    public var values: [Float] {
        switch self {
        case .sparse(let t): return t.features
        case .dense(let v): return v
        }
    }
}

/// How a forward pass runs.
public enum ForwardMode: Sendable {
    /// Caches what `backward` needs; every convolution by gather-GEMM-scatter,
    /// so training (and the weights it produces) stays as it was.
    case training
    /// Keeps no cache; narrow convolutions accumulate in place. Results
    /// differ from `.training` only in Float32 rounding (the terms are added
    /// in another order).
    case inference
}

/// One layer: forward (in `.training` mode) caches what backward needs;
/// backward takes dL/d(output values) and returns dL/d(input values), adding
/// to its parameters' gradients.
protocol Layer: AnyObject {
    var parameters: [Parameter] { get }
    func forward(_ input: Activation, mode: ForwardMode) -> Activation
    func backward(_ gradient: [Float]) -> [Float]
    /// Drops cached activations (after inference, to free memory).
    func releaseCache()
}
