/* ---- Matrix multiply ----
   Row-major single-precision GEMM: C = alpha * op(A) @ op(B) + beta * C, where
   op(A) is M x K (A stored M x K with leading dimension lda, or K x M when transA),
   op(B) is K x N (B stored K x N, or N x K when transB), C is M x N (ldc).
   beta == 0 overwrites C without reading it. Threads over the pool; the result
   does not depend on the thread count (products under ~3 MFLOP stay on the calling
   thread). With -DLORA_BLAS it calls cblas_sgemm instead: link a CBLAS, e.g.
   -lopenblas (the prototype is declared internally; define LORA_BLAS_INCLUDE_CBLAS_H
   to take it from <cblas.h>). */
LORA_API void lora_sgemm(lora_pool *pool, int transA, int transB, int M, int N, int K,
                         float alpha, const float *A, int lda, const float *B, int ldb,
                         float beta, float *C, int ldc);

/* Matrix-vector products: a few rows of activations times a weight matrix streamed once (the
   memory-bound products of decoding). Y is overwritten for m < M, j in [j0, j1), nothing else:
     transW = 0: Y[m * ldy + j] = sum_k X[m * ldx + k] * W[k * ldw + j]   (W is K x N, row-major)
     transW = 1: Y[m * ldy + j] = sum_k W[j * ldw + k] * X[m * ldx + k]   (W is N x K, row-major)
   Up to LORA_GEMV_MAX_ROWS rows of X share each load of W (more rows are correct too, done in
   groups of that many). Every element is reduced over k in one fixed order whatever M, j0 and
   j1, so callers may split [j0, j1) between threads (lora_pool_run) and get the same bits; the
   function itself runs on the calling thread. isa picks the kernels: LORA_ISA_AUTO as for a
   NULL pool (the best detected, or LORA_ISA), usually lora_pool_isa(pool); one this build or
   CPU lacks falls back to the best lower one (AVX-512 -> AVX2 -> scalar, NEON -> scalar).
   Results differ between instruction sets (fused or not, lane order) by rounding only.
   M <= 0, K <= 0, j0 < 0, j0 >= j1 or a NULL pointer: nothing is done. */
#define LORA_GEMV_MAX_ROWS 16
LORA_API void lora_gemv(lora_isa isa, int transW, int M, int K, const float *X, long ldx,
                        const float *W, long ldw, int j0, int j1, float *Y, long ldy);
