import CBLAS
import Foundation

/// The few OpenBLAS calls the CNN makes, in one place (see the CBLAS shim
/// for why it calls the Fortran `sgemm_`).
///
/// Matrices are row-major Float32. OpenBLAS partitions a GEMM over the rows
/// and columns of C, never over the shared dimension, so a product is
/// bit-identical from run to run for a given thread count and kernel.
/// OpenBLAS picks the kernel by CPU (`OPENBLAS_CORETYPE` pins it), and
/// kernels round differently: training on another CPU is another draw.
public enum BLAS {
    /// OpenBLAS's version, build options and the kernel it runs on this CPU,
    /// recorded with trained models.
    public static var configuration: String {
        let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        return config.localizedCaseInsensitiveContains(core) ? config : "\(config) (kernel \(core))"
    }

    /// Sets OpenBLAS's worker threads, at once. One network trains on one
    /// thread, so BLAS may use every core; networks training side by side
    /// (`EARLTraining.train`) set 1 first, after which no product touches the
    /// shared thread setting. Call it only while no network is computing.
    public static func setThreads(_ count: Int) {
        maxThreads = max(1, count)
        openblas_set_num_threads(Int32(maxThreads))
        currentThreads = maxThreads
    }

    /// The thread count `setThreads` last set (default: the cores this process may use).
    public static var threads: Int { maxThreads }

    /// Threads for large products; small ones run on one thread, because
    /// waking OpenBLAS's pool costs more than a product of a few MFLOP
    /// (measured: 3× slower training on 2 cores with the pool always on).
    nonisolated(unsafe) static var maxThreads = ProcessInfo.processInfo.activeProcessorCount
    nonisolated(unsafe) private static var currentThreads = -1
    /// Products of at least this many multiply-adds use `maxThreads`.
    static let parallelWork = 1 << 22

    /// C = alpha · op(A) · op(B) + beta · C, row-major; op(A) is m×k, op(B) k×n.
    @inline(__always)
    static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>?, lda: Int, b: UnsafePointer<Float>?, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>?, ldc: Int
    ) {
        // Empty buffers have no base address; an empty product changes nothing.
        guard m > 0, n > 0, k > 0, let a, let b, let c else { return }
        let threads = m * n * k >= parallelWork ? maxThreads : 1
        if threads != currentThreads {
            openblas_set_num_threads(Int32(threads))
            currentThreads = threads
        }
        iqkit_sgemm_row_major(
            transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
