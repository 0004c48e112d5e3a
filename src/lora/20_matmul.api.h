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
