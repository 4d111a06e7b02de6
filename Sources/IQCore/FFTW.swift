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

    /// An in-place real-to-complex / complex-to-real 3D transform pair over a
    /// buffer laid out as FFTW expects (x padded to 2·(Lx/2+1) floats).
    final class RealPlan3D: @unchecked Sendable {
        let lx: Int, ly: Int, lz: Int
        let buffer: UnsafeMutablePointer<Float>
        let floatCount: Int
        private let forward: fftwf_plan
        private let inverse: fftwf_plan

        /// - Returns: nil when FFTW cannot allocate or plan.
        init?(lx: Int, ly: Int, lz: Int, threads: Int) {
            self.lx = lx
            self.ly = ly
            self.lz = lz
            floatCount = lz * ly * 2 * (lx / 2 + 1)
            guard let raw = fftwf_alloc_real(floatCount) else { return nil }
            buffer = raw
            FFTW.plannerLock.lock()
            defer { FFTW.plannerLock.unlock() }
            if FFTW.threadsReady { fftwf_plan_with_nthreads(Int32(threads)) }
            let complex = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: fftwf_complex.self)
            // FFTW_ESTIMATE: planning must not touch (or take longer than) the data.
            let flags = UInt32(FFTW_ESTIMATE)
            guard let f = fftwf_plan_dft_r2c_3d(Int32(lz), Int32(ly), Int32(lx), raw, complex, flags),
                let i = fftwf_plan_dft_c2r_3d(Int32(lz), Int32(ly), Int32(lx), complex, raw, flags)
            else {
                fftwf_free(raw)
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
            fftwf_free(buffer)
        }

        func executeForward() { fftwf_execute(forward) }
        func executeInverse() { fftwf_execute(inverse) }
    }

    /// Band-limited resampling of lines of `inputLength` samples to
    /// `outputLength` samples over the same extent, by a DCT-II of the input
    /// (even extension about the outer sample faces), truncation or zero
    /// padding of the spectrum to the output's length, and a DCT-III.
    /// Lines go through in blocks of `blockLines` (one FFTW plan of many
    /// transforms), gathered into contiguous buffers so that strided lines
    /// are read a cache line at a time.
    ///
    /// Thread-safe: `apply` uses the caller's buffers with FFTW's new-array execute.
    final class DCTLineResampler: @unchecked Sendable {
        let inputLength: Int, outputLength: Int, blockLines: Int
        private let forward: fftwf_plan
        private let inverse: fftwf_plan

        /// - Returns: nil when FFTW cannot allocate or plan.
        init?(inputLength n: Int, outputLength m: Int, blockLines: Int = 32) {
            guard n > 0, m > 0, blockLines > 0 else { return nil }
            inputLength = n
            outputLength = m
            self.blockLines = blockLines
            guard let buffers = Buffers(n: n, m: m, lines: blockLines) else { return nil }
            FFTW.plannerLock.lock()
            defer { FFTW.plannerLock.unlock() }
            fftwf_plan_with_nthreads(1)
            let flags = UInt32(FFTW_ESTIMATE)
            var nn = Int32(n), mm = Int32(m)
            var kindII = FFTW_REDFT10, kindIII = FFTW_REDFT01
            guard
                let f = fftwf_plan_many_r2r(1, &nn, Int32(blockLines), buffers.line, nil, 1, nn, buffers.spectrum, nil, 1, nn, &kindII, flags),
                let i = fftwf_plan_many_r2r(1, &mm, Int32(blockLines), buffers.padded, nil, 1, mm, buffers.result, nil, 1, mm, &kindIII, flags)
            else { return nil }
            forward = f
            inverse = i
        }

        deinit {
            FFTW.plannerLock.lock()
            fftwf_destroy_plan(forward)
            fftwf_destroy_plan(inverse)
            FFTW.plannerLock.unlock()
        }

        /// Working buffers for `apply`, one set per worker.
        final class Buffers {
            let line: UnsafeMutablePointer<Float>, spectrum: UnsafeMutablePointer<Float>
            let padded: UnsafeMutablePointer<Float>, result: UnsafeMutablePointer<Float>
            init?(n: Int, m: Int, lines: Int) {
                guard let a = fftwf_alloc_real(n * lines) else { return nil }
                guard let b = fftwf_alloc_real(n * lines) else {
                    fftwf_free(a)
                    return nil
                }
                guard let c = fftwf_alloc_real(m * lines) else {
                    fftwf_free(a)
                    fftwf_free(b)
                    return nil
                }
                guard let d = fftwf_alloc_real(m * lines) else {
                    fftwf_free(a)
                    fftwf_free(b)
                    fftwf_free(c)
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
        /// Non-finite samples are read as 0. With `outputIsZero` (the caller's
        /// promise that the output lines hold zeros), blocks of all-zero
        /// input lines are skipped.
        func apply(
            _ input: UnsafePointer<Float>, inputStride: Int, inputLineStride: Int,
            _ output: UnsafeMutablePointer<Float>, outputStride: Int, outputLineStride: Int,
            count: Int, buffers: Buffers, outputIsZero: Bool = false
        ) {
            let n = inputLength, m = outputLength, lines = min(count, blockLines)
            let line = buffers.line, padded = buffers.padded, spectrum = buffers.spectrum, result = buffers.result
            // Gather, reading along whichever index is contiguous in memory.
            var largest: Float = 0
            if inputLineStride == 1 {
                for i in 0..<n {
                    let row = input + i * inputStride
                    for b in 0..<lines {
                        let v = row[b]
                        let x: Float = v.isFinite ? v : 0
                        line[b * n + i] = x
                        largest = max(largest, abs(x))
                    }
                }
            } else {
                for b in 0..<lines {
                    let row = input + b * inputLineStride
                    for i in 0..<n {
                        let v = row[i * inputStride]
                        let x: Float = v.isFinite ? v : 0
                        line[b * n + i] = x
                        largest = max(largest, abs(x))
                    }
                }
            }
            // All-zero lines (air outside a scanner's reconstructed field of
            // view) resample to zeros, which `output` holds already.
            if largest == 0 && outputIsZero { return }
            for k in (lines * n)..<(blockLines * n) { line[k] = 0 }
            fftwf_execute_r2r(forward, line, spectrum)
            // DCT-II then DCT-III of the same length is 2n × the identity.
            let scale = Float(1 / (2 * Double(n)))
            let kept = min(n, m)
            for b in 0..<blockLines {
                let from = spectrum + b * n, to = padded + b * m
                for k in 0..<kept { to[k] = from[k] * scale }
                for k in kept..<m { to[k] = 0 }
            }
            fftwf_execute_r2r(inverse, padded, result)
            if outputLineStride == 1 {
                for j in 0..<m {
                    let row = output + j * outputStride
                    for b in 0..<lines { row[b] = result[b * m + j] }
                }
            } else {
                for b in 0..<lines {
                    let row = output + b * outputLineStride
                    for j in 0..<m { row[j * outputStride] = result[b * m + j] }
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
    private let forward: fftwf_plan
    private let inverse: fftwf_plan

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
        FFTW.plannerLock.lock()
        defer { FFTW.plannerLock.unlock() }
        fftwf_plan_with_nthreads(1)
        let flags = UInt32(FFTW_ESTIMATE)
        guard let f = fftwf_plan_dft_r2c_1d(Int32(l), real, complex, flags),
            let i = fftwf_plan_dft_c2r_1d(Int32(l), complex, real, flags)
        else { return nil }
        forward = f
        inverse = i
    }

    deinit {
        FFTW.plannerLock.lock()
        fftwf_destroy_plan(forward)
        fftwf_destroy_plan(inverse)
        FFTW.plannerLock.unlock()
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
                fftwf_execute_dft_r2c(forward, real, raw)
                for f in 0..<bins {
                    spectrum[2 * f] *= t[f]
                    spectrum[2 * f + 1] *= t[f]
                }
                fftwf_execute_dft_c2r(inverse, raw, real)
                for d in 0..<length { p[d] = Double(real[d]) }
            }
        }
    }
}
