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
