import CBLAS

/// The few OpenBLAS calls the CNN makes, in one place (see the CBLAS shim
/// for why it calls the Fortran `sgemm_`).
///
/// Matrices are row-major Float32. OpenBLAS partitions a GEMM over the rows
/// and columns of C, never over the shared dimension, so a product is
/// bit-identical from run to run for a given thread count.
public enum BLAS {
    /// Sets OpenBLAS's worker threads. The CNN calls BLAS only from one
    /// thread at a time (never inside `parallelFor`), so BLAS may use every core.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// C = alpha · op(A) · op(B) + beta · C, row-major; op(A) is m×k, op(B) k×n.
    @inline(__always)
    static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>?, lda: Int, b: UnsafePointer<Float>?, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>?, ldc: Int
    ) {
        // Empty buffers have no base address; an empty product changes nothing.
        guard m > 0, n > 0, k > 0, let a, let b, let c else { return }
        iqkit_sgemm_row_major(
            transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
