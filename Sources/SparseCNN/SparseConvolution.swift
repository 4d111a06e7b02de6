import IQCore
/// A sparse 3D convolution by gather-GEMM-scatter (cblas_sgemm per kernel
/// offset); in inference, layers with few channels accumulate each
/// input/output pair in place instead (`ForwardMode`).
///
/// Two kinds share the arithmetic:
/// - `.submanifold(kernelSize:)`: outputs only on the input sites, odd cubic
///   kernel, zero padding (inactive neighbours contribute nothing). On the
///   active set it equals a dense convolution of the zero-filled image.
/// - `.downsample`: 2×2×2 kernel, stride 2; an output site for each 2×2×2
///   block that holds an active input.
///
/// Weights are `[offset][inChannel][outChannel]`; a bias per output channel.
final class SparseConvolution: Layer {
    enum Kind { case submanifold(kernelSize: Int), downsample }

    let kind: Kind
    let inChannels: Int
    let outChannels: Int
    let weight: Parameter
    let bias: Parameter
    private var input: SparseTensor?
    private var rulebook: Rulebook?

    var parameters: [Parameter] { [weight, bias] }

    init(kind: Kind, inChannels: Int, outChannels: Int, name: String, random: inout SplitMix64) {
        self.kind = kind
        self.inChannels = inChannels
        self.outChannels = outChannels
        let offsets: Int
        switch kind {
        case .submanifold(let k): offsets = k * k * k
        case .downsample: offsets = 8
        }
        // He initialisation for ReLU networks: std = sqrt(2 / fan-in).
        let std = (2.0 / Double(offsets * inChannels)).squareRoot()
        let w = (0..<(offsets * inChannels * outChannels)).map { _ in Float(random.nextNormal() * std) }
        weight = Parameter(name: "\(name).weight", shape: [offsets, inChannels, outChannels], value: w)
        bias = Parameter(name: "\(name).bias", shape: [outChannels], value: [Float](repeating: 0, count: outChannels))
    }

    func releaseCache() {
        input = nil
        rulebook = nil
    }

    func forward(_ activation: Activation, mode: ForwardMode) -> Activation {
        guard case .sparse(let x) = activation else { preconditionFailure("sparse convolution after pooling") }
        precondition(x.channels == inChannels)
        let book: Rulebook
        let sites: ActiveSet
        switch kind {
        case .submanifold(let k):
            book = x.sites.submanifoldRulebook(kernelSize: k)
            sites = x.sites
        case .downsample:
            (sites, book) = x.sites.downsampling()
        }
        let cin = inChannels, cout = outChannels
        var y = [Float](repeating: 0, count: sites.count * cout)
        for r in 0..<sites.count {
            for c in 0..<cout { y[r * cout + c] = bias.value[c] }
        }
        // In inference, narrow layers accumulate each pair's product in
        // place: for a GEMM this small, gathering its rows into scratch
        // matrices and scattering the products back costs more than the
        // arithmetic (`earl profile`'s full-resolution block, 4→8 and 8→16
        // channels, ran 3–4× faster). Training keeps the GEMM, whose
        // rounding the shipped model's weights were made with.
        let direct = mode == .inference && cin * cout <= Self.directProductLimit
        let scratchRows = direct ? 0 : book.maxPairs
        var gathered = [Float](repeating: 0, count: scratchRows * cin)
        var product = [Float](repeating: 0, count: scratchRows * cout)
        x.features.withUnsafeBufferPointer { xf in
            weight.value.withUnsafeBufferPointer { w in
                y.withUnsafeMutableBufferPointer { yp in
                    gathered.withUnsafeMutableBufferPointer { g in
                        product.withUnsafeMutableBufferPointer { p in
                            for k in 0..<book.offsetCount {
                                let ins = book.inputRows[k], outs = book.outputRows[k]
                                let m = ins.count
                                if m == 0 { continue }
                                let wk = w.baseAddress.map { $0 + k * cin * cout }
                                if k == book.identityOffset {
                                    BLAS.sgemm(
                                        transA: false, transB: false, m: m, n: cout, k: cin, alpha: 1, a: xf.baseAddress, lda: cin,
                                        b: wk, ldb: cout, beta: 1, c: yp.baseAddress, ldc: cout)
                                    continue
                                }
                                if direct, let xb = xf.baseAddress, let wb = wk, let yb = yp.baseAddress {
                                    Self.accumulate(pairs: m, inputRows: ins, outputRows: outs, x: xb, weights: wb, y: yb, inChannels: cin, outChannels: cout)
                                    continue
                                }
                                for p in 0..<m {
                                    let src = Int(ins[p]) * cin
                                    for c in 0..<cin { g[p * cin + c] = xf[src + c] }
                                }
                                BLAS.sgemm(
                                    transA: false, transB: false, m: m, n: cout, k: cin, alpha: 1, a: g.baseAddress, lda: cin,
                                    b: wk, ldb: cout, beta: 0, c: p.baseAddress, ldc: cout)
                                for q in 0..<m {
                                    let dst = Int(outs[q]) * cout
                                    for c in 0..<cout { yp[dst + c] += p[q * cout + c] }
                                }
                            }
                        }
                    }
                }
            }
        }
        if mode == .training {
            input = x
            rulebook = book
        }
        return .sparse(SparseTensor(sites: sites, channels: cout, features: y))
    }

    /// `inChannels × outChannels` up to which `forward` (in `.inference`)
    /// accumulates pairs in place instead of by gather-GEMM-scatter.
    static let directProductLimit = 128

    /// `y[outputRows[p]] += x[inputRows[p]] · W` for every pair p, W being
    /// `inChannels × outChannels` row-major. Each output element receives
    /// its terms in the order of the input channels, as the GEMM's inner
    /// loop would add them. 8 and 16 output channels (the EARL networks'
    /// narrow layers) keep W's rows in SIMD registers.
    private static func accumulate(
        pairs m: Int, inputRows: [Int32], outputRows: [Int32], x: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>, inChannels cin: Int, outChannels cout: Int
    ) {
        inputRows.withUnsafeBufferPointer { ins in
            outputRows.withUnsafeBufferPointer { outs in
                switch cout {
                case 8: accumulate(SIMD8<Float>.self, pairs: m, ins, outs, x, weights, y, cin)
                case 16: accumulate(SIMD16<Float>.self, pairs: m, ins, outs, x, weights, y, cin)
                default:
                    for p in 0..<m {
                        let xi = x + Int(ins[p]) * cin
                        let yo = y + Int(outs[p]) * cout
                        for ci in 0..<cin {
                            let v = xi[ci]
                            let wr = weights + ci * cout
                            for co in 0..<cout { yo[co] += v * wr[co] }
                        }
                    }
                }
            }
        }
    }

    /// `accumulate` with one SIMD vector per row of W (`Vector.scalarCount` output channels).
    @inline(__always)
    private static func accumulate<Vector: SIMD>(
        _: Vector.Type, pairs m: Int, _ ins: UnsafeBufferPointer<Int32>, _ outs: UnsafeBufferPointer<Int32>, _ x: UnsafePointer<Float>,
        _ weights: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ cin: Int
    ) where Vector.Scalar == Float {
        let cout = Vector.scalarCount
        let rows = (0..<cin).map { ci in UnsafeRawPointer(weights + ci * cout).loadUnaligned(as: Vector.self) }
        rows.withUnsafeBufferPointer { w in
            for p in 0..<m {
                let xi = x + Int(ins[p]) * cin
                let yo = UnsafeMutableRawPointer(y + Int(outs[p]) * cout)
                var acc = yo.loadUnaligned(as: Vector.self)
                for ci in 0..<cin { acc = acc + Vector(repeating: xi[ci]) * w[ci] }
                yo.storeBytes(of: acc, as: Vector.self)
            }
        }
    }

    func backward(_ dy: [Float]) -> [Float] {
        guard let x = input, let book = rulebook else { preconditionFailure("backward before forward") }
        let cin = inChannels, cout = outChannels
        var dx = [Float](repeating: 0, count: x.count * cin)
        let outCount = dy.count / cout
        for r in 0..<outCount {
            for c in 0..<cout { bias.gradient[c] += dy[r * cout + c] }
        }
        let maxPairs = book.maxPairs
        var gx = [Float](repeating: 0, count: maxPairs * cin)
        var gdy = [Float](repeating: 0, count: maxPairs * cout)
        var gdx = [Float](repeating: 0, count: maxPairs * cin)
        x.features.withUnsafeBufferPointer { xf in
            dy.withUnsafeBufferPointer { dyp in
                weight.value.withUnsafeBufferPointer { w in
                    weight.gradient.withUnsafeMutableBufferPointer { dw in
                        dx.withUnsafeMutableBufferPointer { dxp in
                            gx.withUnsafeMutableBufferPointer { a in
                                gdy.withUnsafeMutableBufferPointer { g in
                                    gdx.withUnsafeMutableBufferPointer { d in
                                        for k in 0..<book.offsetCount {
                                            let ins = book.inputRows[k], outs = book.outputRows[k]
                                            let m = ins.count
                                            if m == 0 { continue }
                                            let wk = w.baseAddress.map { $0 + k * cin * cout }
                                            let dwk = dw.baseAddress.map { $0 + k * cin * cout }
                                            if k == book.identityOffset {
                                                // dW_k += Xᵀ·dY ; dX += dY·W_kᵀ
                                                BLAS.sgemm(
                                                    transA: true, transB: false, m: cin, n: cout, k: m, alpha: 1, a: xf.baseAddress, lda: cin,
                                                    b: dyp.baseAddress, ldb: cout, beta: 1, c: dwk, ldc: cout)
                                                BLAS.sgemm(
                                                    transA: false, transB: true, m: m, n: cin, k: cout, alpha: 1, a: dyp.baseAddress, lda: cout,
                                                    b: wk, ldb: cout, beta: 1, c: dxp.baseAddress, ldc: cin)
                                                continue
                                            }
                                            for p in 0..<m {
                                                let src = Int(ins[p]) * cin
                                                for c in 0..<cin { a[p * cin + c] = xf[src + c] }
                                                let o = Int(outs[p]) * cout
                                                for c in 0..<cout { g[p * cout + c] = dyp[o + c] }
                                            }
                                            BLAS.sgemm(
                                                transA: true, transB: false, m: cin, n: cout, k: m, alpha: 1, a: a.baseAddress, lda: cin,
                                                b: g.baseAddress, ldb: cout, beta: 1, c: dwk, ldc: cout)
                                            BLAS.sgemm(
                                                transA: false, transB: true, m: m, n: cin, k: cout, alpha: 1, a: g.baseAddress, lda: cout,
                                                b: wk, ldb: cout, beta: 0, c: d.baseAddress, ldc: cin)
                                            for p in 0..<m {
                                                let dst = Int(ins[p]) * cin
                                                for c in 0..<cin { dxp[dst + c] += d[p * cin + c] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
