import IQCore
/// A sparse 3D convolution by gather-GEMM-scatter (cblas_sgemm per kernel offset).
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

    func forward(_ activation: Activation) -> Activation {
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
        var gathered = [Float](repeating: 0, count: book.maxPairs * cin)
        var product = [Float](repeating: 0, count: book.maxPairs * cout)
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
        input = x
        rulebook = book
        return .sparse(SparseTensor(sites: sites, channels: cout, features: y))
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
