import CFFTW
import Foundation

/// Every call into FFTW lives here.
///
/// FFTW's planner is not thread-safe: plan creation and destruction are
/// serialised by one lock; executing different plans concurrently is safe.
enum FFTW {
    private static let plannerLock = NSLock()
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
