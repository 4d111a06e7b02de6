#ifndef IQKIT_CBLAS_SHIM_H
#define IQKIT_CBLAS_SHIM_H
/* OpenBLAS through its Fortran-77 entry point rather than <cblas.h>: GSL's
   headers (CGSL) declare the cblas_* enums and functions with their own
   definitions, and clang modules refuse two different definitions of
   CBLAS_TRANSPOSE in one Swift module. sgemm_ and openblas_set_num_threads
   clash with nothing. CGSL links the same libopenblas instead of
   libgslcblas, so the process holds one BLAS. */

void sgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const float *alpha, const float *a, const int *lda, const float *b, const int *ldb,
            const float *beta, float *c, const int *ldc);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
/* Build options and the kernel chosen for this CPU, e.g.
   "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64". */
char *openblas_get_config(void);
char *openblas_get_corename(void);

/* Row-major C = alpha op(A) op(B) + beta C with op(A) m x k and op(B) k x n.
   Row-major C is column-major C^T = op(B)^T op(A)^T, so the Fortran routine
   is called with the operands swapped. */
static inline void iqkit_sgemm_row_major(int transA, int transB, int m, int n, int k, float alpha,
                                         const float *a, int lda, const float *b, int ldb,
                                         float beta, float *c, int ldc) {
    const char ta = transA ? 'T' : 'N';
    const char tb = transB ? 'T' : 'N';
    sgemm_(&tb, &ta, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
}
#endif
