/// One layer of a network, as stored in a model file.
public enum LayerSpec: Codable, Equatable, Sendable {
    /// Submanifold convolution with an odd cubic kernel (voxels), stride 1.
    case submanifold(inChannels: Int, outChannels: Int, kernelSize: Int)
    /// 2×2×2 convolution with stride 2 (halves the resolution).
    case downsample(inChannels: Int, outChannels: Int)
    case relu
    /// Mean and max over the active set: C channels → 2C values.
    case globalPool
    /// Mean over the active set: C channels → C values.
    case globalMeanPool
    case dense(inFeatures: Int, outFeatures: Int)

    /// Weights and biases (the shapes `Network` gives them).
    public var parameterCount: Int {
        switch self {
        case .submanifold(let cin, let cout, let k): k * k * k * cin * cout + cout
        case .downsample(let cin, let cout): 8 * cin * cout + cout
        case .dense(let fin, let fout): fin * fout + fout
        case .relu, .globalPool, .globalMeanPool: 0
        }
    }
}

/// A quantity a network estimates beside its classes (an auxiliary
/// regression output), e.g. the reconstruction's resolution. The network
/// outputs it standardised; the estimate is `mean + scale · output`.
public struct RegressionOutput: Codable, Equatable, Sendable {
    public var name: String
    /// The training targets' mean and standard deviation, which map the
    /// network's output back to the quantity's units.
    public var mean: Double
    public var scale: Double

    public init(name: String, mean: Double, scale: Double) {
        self.name = name
        self.mean = mean
        self.scale = scale
    }
}

/// A network's layers, the names of its output classes and any regression
/// outputs it has besides.
public struct Architecture: Codable, Equatable, Sendable {
    public var inputChannels: Int
    public var layers: [LayerSpec]
    public var classes: [String]
    /// Outputs after the class logits, trained by squared error towards
    /// standardised targets (auxiliary supervision); nil or empty: none.
    /// Absent from files of networks without them.
    public var regression: [RegressionOutput]?

    public init(inputChannels: Int, layers: [LayerSpec], classes: [String], regression: [RegressionOutput]? = nil) {
        self.inputChannels = inputChannels
        self.layers = layers
        self.classes = classes
        self.regression = regression
    }

    /// Class logits plus regression outputs: the last layer's width.
    public var outputCount: Int { classes.count + (regression?.count ?? 0) }

    /// This architecture with `outputs` as its regression outputs: the last
    /// (dense) layer widened to the classes plus them; nil when the last
    /// layer is not dense.
    public func withRegression(_ outputs: [RegressionOutput]) -> Architecture? {
        guard case .dense(let fin, _)? = layers.last else { return nil }
        var a = self
        a.regression = outputs.isEmpty ? nil : outputs
        a.layers[a.layers.count - 1] = .dense(inFeatures: fin, outFeatures: a.outputCount)
        return a
    }

    /// The trainable values of its layers; defined when `problem` is nil.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// The most channels, or features, one layer may have.
    public static let maxWidth = 1 << 16
    /// The most trainable values a network may have: 2^26 Float32 (256 MiB),
    /// more than the largest model file iqkit reads (256 MiB of base64) holds.
    public static let maxParameters = 1 << 26

    /// The problem with the layer chain (channel counts that do not meet,
    /// layers on the wrong side of the pooling, a layer wider than
    /// `maxWidth` or more than `maxParameters` in all…), or nil when it is valid.
    public var problem: String? {
        var width = inputChannels
        var pooled = false
        // A layer's count is below 2^41 once its widths are checked (7³ · 2^16 · 2^17 at
        // most), and the sum stops at maxParameters, so nothing here can overflow.
        var parameters = 0
        if inputChannels < 1 || inputChannels > Self.maxWidth { return "inputChannels must be 1…\(Self.maxWidth)" }
        if classes.count < 2 { return "a classifier needs at least 2 classes" }
        for (i, layer) in layers.enumerated() {
            switch layer {
            case .submanifold(let cin, let cout, let k):
                if pooled { return "layer \(i): convolution after pooling" }
                if cin != width { return "layer \(i): expects \(cin) channels, gets \(width)" }
                if k < 1 || k % 2 == 0 || k > 7 { return "layer \(i): kernel size must be odd and ≤ 7" }
                if cout < 1 || cout > Self.maxWidth { return "layer \(i): output channels must be 1…\(Self.maxWidth)" }
                width = cout
            case .downsample(let cin, let cout):
                if pooled { return "layer \(i): convolution after pooling" }
                if cin != width { return "layer \(i): expects \(cin) channels, gets \(width)" }
                if cout < 1 || cout > Self.maxWidth { return "layer \(i): output channels must be 1…\(Self.maxWidth)" }
                width = cout
            case .relu:
                break
            case .globalPool, .globalMeanPool:
                if pooled { return "layer \(i): second pooling" }
                pooled = true
                if layer == .globalPool { width *= 2 }
            case .dense(let fin, let fout):
                if !pooled { return "layer \(i): dense layer before pooling" }
                if fin != width { return "layer \(i): expects \(fin) features, gets \(width)" }
                if fout < 1 || fout > Self.maxWidth { return "layer \(i): outputs must be 1…\(Self.maxWidth)" }
                width = fout
            }
            parameters += layer.parameterCount
            if parameters > Self.maxParameters { return "more than \(Self.maxParameters) parameters by layer \(i)" }
        }
        if !pooled { return "no global pooling layer" }
        for r in regression ?? [] where !(r.mean.isFinite && r.scale.isFinite && r.scale > 0) {
            return "regression output \(r.name): mean and scale must be finite, scale > 0"
        }
        if width != outputCount {
            let regressions = regression.map { $0.isEmpty ? "" : " and \($0.count) regression outputs" } ?? ""
            return "the last layer gives \(width) outputs for \(classes.count) classes\(regressions)"
        }
        return nil
    }

    /// The default EARL network: one submanifold 3³ convolution at the input
    /// resolution, then three stride-2 stages (16, 32, 32 channels) each
    /// followed by a 3³ submanifold convolution, mean+max pooling and a
    /// 64→32→classes head. Small on purpose: the decisive features are edge
    /// profiles a few voxels wide, and training sets are tens to hundreds of
    /// scans. A second full-resolution convolution was dropped: it cost 80 %
    /// of the full-resolution arithmetic (27·8·8 vs 27·2·8 per voxel) and put
    /// whole-body inference above 2 s on 2 cores.
    /// The shipped networks' `earlDefault` width.
    public static let earlDefaultWidth = 8

    /// - Parameter width: channels of the first convolution; the later
    ///   ones have 2×, 4× and 4× as many.
    public static func earlDefault(inputChannels: Int, classes: [String], width w: Int = earlDefaultWidth) -> Architecture {
        Architecture(
            inputChannels: inputChannels,
            layers: [
                .submanifold(inChannels: inputChannels, outChannels: w, kernelSize: 3), .relu,
                .downsample(inChannels: w, outChannels: 2 * w), .relu,
                .submanifold(inChannels: 2 * w, outChannels: 2 * w, kernelSize: 3), .relu,
                .downsample(inChannels: 2 * w, outChannels: 4 * w), .relu,
                .submanifold(inChannels: 4 * w, outChannels: 4 * w, kernelSize: 3), .relu,
                .downsample(inChannels: 4 * w, outChannels: 4 * w), .relu,
                .globalPool,
                .dense(inFeatures: 8 * w, outFeatures: 4 * w), .relu,
                .dense(inFeatures: 4 * w, outFeatures: classes.count),
            ],
            classes: classes)
    }
}

/// The preprocessing a model expects of its input, stored with its weights so
/// a model is never fed scans prepared differently from its training scans.
public struct InputSpecification: Codable, Equatable, Sendable {
    /// Isotropic voxel size the scan is resampled to, in mm.
    public var voxelSizeMM: Double
    /// FWHM of the edge image's Gaussian, in mm (E = G(I) − I).
    public var edgeFWHMMM: Double
    /// How intensities are made unit-free, e.g. "body-median": divided by the
    /// median inside the body mask (Bq/mL and SUV then give the same input).
    public var normalisation: String
    /// The input channels in order, e.g. ["edge"] or ["edge", "intensity"].
    public var features: [String]
    /// Keep every n-th active voxel along each axis (1 = all).
    public var activeStride: Int
    /// When set, the network sees the scan as transverse slabs of this many
    /// slices (after resampling), each classified on its own, and a scan's
    /// probabilities are the normalised geometric mean over its slabs. Training
    /// and inference then see inputs of one size whatever the scan's axial
    /// extent (whole body or a few bed positions). nil: the whole scan at once.
    public var slabSlices: Int?
    /// How the scan is brought to `voxelSizeMM`: "trilinear" (also what a
    /// model file without the field gets), "nearest" (values copied from
    /// the nearest native voxel) or "band-limited" (DCT resampling, whose
    /// noise transfer does not depend on where the native samples fall on
    /// the new grid, so no native grid is smoothed more than another).
    public var resampling: String

    public init(
        voxelSizeMM: Double, edgeFWHMMM: Double, normalisation: String, features: [String], activeStride: Int, slabSlices: Int? = nil,
        resampling: String = "trilinear"
    ) {
        self.resampling = resampling
        self.voxelSizeMM = voxelSizeMM
        self.edgeFWHMMM = edgeFWHMMM
        self.normalisation = normalisation
        self.features = features
        self.activeStride = activeStride
        self.slabSlices = slabSlices
    }

    /// The network grids, edge-filter widths and strides a model file may ask
    /// for: wide enough for any model `earl train` makes (1–12 mm grids, the
    /// 6 mm edge, stride 1), narrow enough that no file can make preprocessing
    /// allocate without bound (a 0.001 mm grid) or keep no voxel at all.
    public static let voxelSizeRangeMM = 1.0...12.0
    public static let edgeFWHMRangeMM = 0.0...30.0
    public static let activeStrideRange = 1...16
    public static let slabSlicesRange = 1...4096

    /// What is wrong with these numbers, or nil when they are usable.
    public var problem: String? {
        func text(_ r: ClosedRange<Double>) -> String { String(format: "%g…%g", r.lowerBound, r.upperBound) }
        func text(_ r: ClosedRange<Int>) -> String { "\(r.lowerBound)…\(r.upperBound)" }
        if !Self.voxelSizeRangeMM.contains(voxelSizeMM) { return "voxel size \(voxelSizeMM) mm is outside \(text(Self.voxelSizeRangeMM)) mm" }
        if !Self.edgeFWHMRangeMM.contains(edgeFWHMMM) { return "edge FWHM \(edgeFWHMMM) mm is outside \(text(Self.edgeFWHMRangeMM)) mm" }
        if !Self.activeStrideRange.contains(activeStride) { return "active stride \(activeStride) is outside \(text(Self.activeStrideRange))" }
        if let slabSlices, !Self.slabSlicesRange.contains(slabSlices) { return "\(slabSlices) slices per slab is outside \(text(Self.slabSlicesRange))" }
        return nil
    }

    /// As synthesised, except that files written before `resampling` existed
    /// (their models were trained on trilinear input) decode as "trilinear".
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            voxelSizeMM: try c.decode(Double.self, forKey: .voxelSizeMM), edgeFWHMMM: try c.decode(Double.self, forKey: .edgeFWHMMM),
            normalisation: try c.decode(String.self, forKey: .normalisation), features: try c.decode([String].self, forKey: .features),
            activeStride: try c.decode(Int.self, forKey: .activeStride), slabSlices: try c.decodeIfPresent(Int.self, forKey: .slabSlices),
            resampling: try c.decodeIfPresent(String.self, forKey: .resampling) ?? "trilinear")
    }
}
