import CFFTW
import Foundation

/// Every call into FFTW lives here.
///
/// FFTW's planner is not thread-safe: plan creation and destruction are
/// serialised by one lock; executing different plans concurrently is safe.
enum FFTW {
    fileprivate static let plannerLock = NSLock()
    private static let threadsReady: Bool = {
        fftwf_init_threads() != 0
    }()

    /// A forward and an inverse plan made together under the planner lock
    /// (FFTW_ESTIMATE: planning never touches, or takes longer than, the
    /// data) and destroyed together under it.
    final class PlanPair: @unchecked Sendable {
        let forward: fftwf_plan, inverse: fftwf_plan

        /// - Parameters:
        ///   - threads: threads each plan may use (more than 1 only when
        ///     FFTW's threads initialised).
        ///   - make: plans the pair from FFTW's flags.
        /// - Returns: nil when FFTW cannot plan either.
        init?(threads: Int = 1, _ make: (UInt32) -> (fftwf_plan?, fftwf_plan?)) {
            FFTW.plannerLock.lock()
            defer { FFTW.plannerLock.unlock() }
            if threads == 1 {
                fftwf_plan_with_nthreads(1)
            } else if FFTW.threadsReady {
                fftwf_plan_with_nthreads(Int32(threads))
            }
            let (f, i) = make(UInt32(FFTW_ESTIMATE))
            guard let f, let i else {
                if let f { fftwf_destroy_plan(f) }
                if let i { fftwf_destroy_plan(i) }
                return nil
            }
            forward = f
            inverse = i
        }

        deinit {
            FFTW.plannerLock.lock()
            fftwf_destroy_plan(forward)
            fftwf_destroy_plan(inverse)
            FFTW.plannerLock.unlock()
        }
    }

    /// An in-place real-to-complex / complex-to-real 3D transform pair over a
    /// buffer laid out as FFTW expects (x padded to 2·(Lx/2+1) floats).
    final class RealPlan3D: @unchecked Sendable {
        let lx: Int, ly: Int, lz: Int
        let buffer: UnsafeMutablePointer<Float>
        let floatCount: Int
        private let plans: PlanPair

        /// - Returns: nil when FFTW cannot allocate or plan.
        init?(lx: Int, ly: Int, lz: Int, threads: Int) {
            self.lx = lx
            self.ly = ly
            self.lz = lz
            floatCount = lz * ly * 2 * (lx / 2 + 1)
            guard let raw = fftwf_alloc_real(floatCount) else { return nil }
            let complex = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: fftwf_complex.self)
            guard
                let plans = PlanPair(
                    threads: threads,
                    { flags in
                        (
                            fftwf_plan_dft_r2c_3d(Int32(lz), Int32(ly), Int32(lx), raw, complex, flags),
                            fftwf_plan_dft_c2r_3d(Int32(lz), Int32(ly), Int32(lx), complex, raw, flags)
                        )
                    })
            else {
                fftwf_free(raw)
                return nil
            }
            buffer = raw
            self.plans = plans
        }

        deinit { fftwf_free(buffer) }

        func executeForward() { fftwf_execute(plans.forward) }
        func executeInverse() { fftwf_execute(plans.inverse) }
    }

    /// Band-limited resampling of lines of `inputLength` samples to
    /// `outputLength` samples over the same extent: a DCT-II of the input
    /// (even extension about the outer sample faces), truncation or zero
    /// padding of the spectrum to the output's length, and a DCT-III.
    ///
    /// Both DCTs go through real FFTs of the same length (Makhoul's
    /// reordering: even samples forward, odd ones backward, then a twiddle),
    /// which FFTW runs several times faster than its own REDFT10/01 kinds.
    /// Lines go through in blocks of `blockLines` (one FFTW plan of many
    /// transforms), gathered into contiguous buffers so that strided lines
    /// are read a cache line at a time.
    ///
    /// Thread-safe: `apply` uses the caller's buffers with FFTW's new-array execute.
    final class DCTLineResampler: @unchecked Sendable {
        let inputLength: Int, outputLength: Int, blockLines: Int
        private let plans: PlanPair
        /// Where input sample i goes in the reordered line, and where output
        /// sample j comes from.
        private let gatherIndex: [Int], scatterIndex: [Int]
        /// e^{−iπk/2n}/n for the kept coefficients k < min(n, m), and
        /// e^{+iπk/2m} for k ≤ m/2.
        private let forwardTwiddle: [(Float, Float)], inverseTwiddle: [(Float, Float)]

        /// - Returns: nil when FFTW cannot allocate or plan.
        init?(inputLength n: Int, outputLength m: Int, blockLines: Int = 32) {
            guard n > 0, m > 0, blockLines > 0 else { return nil }
            inputLength = n
            outputLength = m
            self.blockLines = blockLines
            func reorder(_ length: Int) -> [Int] {
                // Sample 2q sits at q, sample 2q + 1 at length − 1 − q.
                (0..<length).map { $0 % 2 == 0 ? $0 / 2 : length - 1 - $0 / 2 }
            }
            gatherIndex = reorder(n)
            scatterIndex = reorder(m)
            forwardTwiddle = (0..<min(n, m)).map { k in
                let a = -Double.pi * Double(k) / (2 * Double(n))
                return (Float(cos(a) / Double(n)), Float(sin(a) / Double(n)))
            }
            inverseTwiddle = (0...(m / 2)).map { k in
                let a = Double.pi * Double(k) / (2 * Double(m))
                return (Float(cos(a)), Float(sin(a)))
            }
            guard let buffers = Buffers(n: n, m: m, lines: blockLines) else { return nil }
            var nn = Int32(n), mm = Int32(m)
            let lines = Int32(blockLines)
            guard
                let plans = PlanPair({ flags in
                    (
                        fftwf_plan_many_dft_r2c(1, &nn, lines, buffers.line, nil, 1, nn, buffers.spectrum, nil, 1, nn / 2 + 1, flags),
                        fftwf_plan_many_dft_c2r(1, &mm, lines, buffers.padded, nil, 1, mm / 2 + 1, buffers.result, nil, 1, mm, flags)
                    )
                })
            else { return nil }
            self.plans = plans
        }

        /// Working buffers for `apply`, one set per worker (which alone
        /// touches them, hence the unchecked Sendable).
        final class Buffers: @unchecked Sendable {
            let line: UnsafeMutablePointer<Float>, result: UnsafeMutablePointer<Float>
            let spectrum: UnsafeMutablePointer<fftwf_complex>, padded: UnsafeMutablePointer<fftwf_complex>
            init?(n: Int, m: Int, lines: Int) {
                let a = fftwf_alloc_real(n * lines), b = fftwf_alloc_complex((n / 2 + 1) * lines)
                let c = fftwf_alloc_complex((m / 2 + 1) * lines), d = fftwf_alloc_real(m * lines)
                guard let a, let b, let c, let d else {
                    fftwf_free(a)
                    fftwf_free(b)
                    fftwf_free(c)
                    fftwf_free(d)
                    return nil
                }
                (line, spectrum, padded, result) = (a, b, c, d)
            }
            convenience init?(_ r: DCTLineResampler) { self.init(n: r.inputLength, m: r.outputLength, lines: r.blockLines) }
            deinit {
                fftwf_free(line)
                fftwf_free(spectrum)
                fftwf_free(padded)
                fftwf_free(result)
            }
        }

        /// Resamples `count` ≤ `blockLines` lines: line b's sample i is at
        /// `input[i · inputStride + b · inputLineStride]`, its output sample
        /// j goes to `output[j · outputStride + b · outputLineStride]`.
        /// Non-finite samples are read as 0 unless `finiteInput` (the
        /// caller's promise that there are none, e.g. the output of an
        /// earlier pass). With `outputIsZero` (the caller's promise that the
        /// output lines hold zeros), blocks of all-zero input lines are skipped.
        func apply(
            _ input: UnsafePointer<Float>, inputStride: Int, inputLineStride: Int,
            _ output: UnsafeMutablePointer<Float>, outputStride: Int, outputLineStride: Int,
            count: Int, buffers: Buffers, finiteInput: Bool = false, outputIsZero: Bool = false
        ) {
            let n = inputLength, m = outputLength, lines = min(count, blockLines)
            let line = buffers.line, result = buffers.result
            // Gather in Makhoul's order, reading along whichever index is contiguous in memory.
            // `magnitudes` ORs the samples' bits without the sign: 0 exactly when every sample
            // is ±0. (A running `max(largest, abs(x))` made the same test through a
            // compare-and-select chained from sample to sample; the 440-matrix check is
            // about 1 % faster without it.)
            var magnitudes: UInt32 = 0
            gatherIndex.withUnsafeBufferPointer { to in
                if inputLineStride == 1 {
                    for i in 0..<n {
                        let row = input + i * inputStride, at = to[i]
                        for b in 0..<lines {
                            let v = row[b]
                            let x: Float = finiteInput || v.isFinite ? v : 0
                            line[b * n + at] = x
                            magnitudes |= x.bitPattern & 0x7FFF_FFFF
                        }
                    }
                } else {
                    for b in 0..<lines {
                        let row = input + b * inputLineStride, dst = line + b * n
                        for i in 0..<n {
                            let v = row[i * inputStride]
                            let x: Float = finiteInput || v.isFinite ? v : 0
                            dst[to[i]] = x
                            magnitudes |= x.bitPattern & 0x7FFF_FFFF
                        }
                    }
                }
            }
            // All-zero lines (air outside a scanner's reconstructed field of
            // view) resample to zeros, which `output` holds already.
            if magnitudes == 0 && outputIsZero { return }
            for k in (lines * n)..<(blockLines * n) { line[k] = 0 }
            fftwf_execute_dft_r2c(plans.forward, line, buffers.spectrum)
            let kept = min(n, m), half = n / 2, outHalf = m / 2
            let spectrum = UnsafeMutableRawPointer(buffers.spectrum).assumingMemoryBound(to: Float.self)
            let padded = UnsafeMutableRawPointer(buffers.padded).assumingMemoryBound(to: Float.self)
            forwardTwiddle.withUnsafeBufferPointer { ft in
                inverseTwiddle.withUnsafeBufferPointer { it in
                    for b in 0..<lines {
                        let v = spectrum + b * 2 * (half + 1), w = padded + b * 2 * (outHalf + 1)
                        // Y_k = Re(e^{−iπk/2n} V_k) / n, the DCT-II over 2n; V_k for k > n/2 is conj(V_{n−k}).
                        @inline(__always) func coefficient(_ k: Int) -> Float {
                            guard k < kept else { return 0 }
                            let (re, im) = k <= half ? (v[2 * k], v[2 * k + 1]) : (v[2 * (n - k)], -v[2 * (n - k) + 1])
                            return ft[k].0 * re - ft[k].1 * im
                        }
                        // W_k = e^{iπk/2m} (Y_k − i Y_{m−k}), Y_m = 0; the inverse real FFT of W is the DCT-III in Makhoul's order.
                        for k in 0...outHalf {
                            let a = coefficient(k), c = k == 0 ? 0 : coefficient(m - k)
                            let (cr, ci) = it[k]
                            w[2 * k] = cr * a + ci * c
                            w[2 * k + 1] = ci * a - cr * c
                        }
                    }
                }
            }
            fftwf_execute_dft_c2r(plans.inverse, buffers.padded, result)
            scatterIndex.withUnsafeBufferPointer { from in
                if outputLineStride == 1 {
                    for j in 0..<m {
                        let row = output + j * outputStride, at = from[j]
                        for b in 0..<lines { row[b] = result[b * m + at] }
                    }
                } else {
                    for b in 0..<lines {
                        let row = output + b * outputLineStride, src = result + b * m
                        for j in 0..<m { row[j * outputStride] = src[from[j]] }
                    }
                }
            }
        }
    }

    /// The smallest n' ≥ n whose prime factors are 2, 3, 5 and 7 (fast FFTW sizes).
    static func fastSize(_ n: Int) -> Int {
        var m = max(n, 1)
        while true {
            var r = m
            for p in [2, 3, 5, 7] { while r % p == 0 { r /= p } }
            if r == 1 { return m }
            m += 1
        }
    }
}

/// Linear convolution of many lines of `length` samples with one symmetric
/// kernel (odd length 2h+1, centred) by FFT: out[d] = Σ_j k[j]·in[d+j] over
/// in-range samples (zero outside the line), what the direct sum gives, in
/// O(L log L) per line instead of O(length · kernel). Lines are zero-padded to
/// a fast size L ≥ length + 2h so the circular convolution never wraps.
/// Computed in Float32 (FFTW single precision); the kernel's transfer
/// function is real because the kernel is symmetric.
///
/// Thread-safe: `apply` uses its own buffers with FFTW's new-array execute.
public final class FFTLineConvolution: @unchecked Sendable {
    public let length: Int
    let padded: Int
    private let transfer: [Float]
    private let plans: FFTW.PlanPair

    /// - Returns: nil for an even or asymmetric kernel, or when FFTW cannot plan.
    public init?(kernel: [Double], length: Int) {
        let h = kernel.count / 2
        guard kernel.count % 2 == 1, length > 0, (0..<h).allSatisfy({ kernel[$0] == kernel[kernel.count - 1 - $0] }) else { return nil }
        self.length = length
        let l = FFTW.fastSize(length + 2 * h)
        padded = l
        // Transfer function in Double: K(f) = k0 + 2 Σ_m k_m cos(2π f m / L).
        let bins = l / 2 + 1
        var t = [Float](repeating: 0, count: bins)
        for f in 0..<bins {
            var acc = kernel[h]
            for m in 1..<(h + 1) where m < l { acc += 2 * kernel[h + m] * cos(2 * Double.pi * Double(f * m % l) / Double(l)) }
            // FFTW's inverse is unnormalised.
            t[f] = Float(acc / Double(l))
        }
        transfer = t
        guard let real = fftwf_alloc_real(l), let complex = fftwf_alloc_complex(bins) else { return nil }
        defer {
            fftwf_free(real)
            fftwf_free(complex)
        }
        guard
            let plans = FFTW.PlanPair({ flags in
                (fftwf_plan_dft_r2c_1d(Int32(l), real, complex, flags), fftwf_plan_dft_c2r_1d(Int32(l), complex, real, flags))
            })
        else { return nil }
        self.plans = plans
    }

    /// Convolves `lines` lines stored one after another (each `length`
    /// samples) in place.
    public func apply(_ data: UnsafeMutablePointer<Double>, lines: Int) {
        let l = padded, bins = l / 2 + 1
        guard let real = fftwf_alloc_real(l), let raw = fftwf_alloc_complex(bins) else {
            fatalError("FFTW could not allocate \(l) floats")
        }
        defer {
            fftwf_free(real)
            fftwf_free(raw)
        }
        let spectrum = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: Float.self)
        transfer.withUnsafeBufferPointer { t in
            for line in 0..<lines {
                let p = data + line * length
                for d in 0..<length { real[d] = Float(p[d]) }
                for d in length..<l { real[d] = 0 }
                fftwf_execute_dft_r2c(plans.forward, real, raw)
                for f in 0..<bins {
                    spectrum[2 * f] *= t[f]
                    spectrum[2 * f + 1] *= t[f]
                }
                fftwf_execute_dft_c2r(plans.inverse, raw, real)
                for d in 0..<length { p[d] = Double(real[d]) }
            }
        }
    }
}
