/* ---- frozen weight matrices (fp32 or bf16) and the fused output layer + cross-entropy ----
   A lora_wmat is a view of a row-major weight matrix a model never trains (LoRA's frozen base).
   In fp32, products go to lora_sgemm unchanged (the same bits as before). In bf16 the activation
   operand is rounded to bf16 (round-to-nearest-even on the bits, as the oracle's bf16()) and the
   products accumulate in fp32:
   - AVX512-BF16 (vdpbf16ps): op(W) packed per (K block, column block) into pairs of k per column,
     X packed into row panels of 12 rows x pairs of k; a 12 x 32 micro-kernel of 24 accumulators.
     Every element of Y is reduced over k in one fixed order whatever the task split.
   - every other ISA: X rounded to bf16 values kept as fp32, op(W) widened to fp32 a block of
     columns at a time (never the whole matrix), multiplied by lora_sgemm.
   The caller passes a scratch area (64-byte aligned) of lora_wmat_mul_scratch bytes: the model
   keeps it with its activations, so no call allocates. */

/* g++ 12 and its own _mm*_undefined_* intrinsics: see 20_matmul.impl.c */
#if defined(__GNUC__) && !defined(__clang__) && defined(__cplusplus)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define LORA__WMAT_DIAG_PUSHED
#endif

#define LORA__BF_MR 12      /* rows of a micro-tile */
#define LORA__BF_NR 32      /* columns of a micro-tile (two vectors of 16 fp32) */
#define LORA__BF_KC 256     /* k pairs per K block */
#define LORA__BF_NB 256     /* columns per task */
#define LORA__BF_WIDE 512   /* columns widened at once by the fallback */
#define LORA__BF_FEW 8      /* up to this many rows (decoding): W streamed once, widened in registers (AVX-512) */
#define LORA__BF_FEW_COLS 64 /* columns per task of the few-rows kernels */

#if defined(LORA__HAVE_AVX512) && !defined(LORA_NO_BF16)
#define LORA__HAVE_BF16 1
#define LORA__TARGET_BF16 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,avx512bf16")))
#endif

static uint16_t lora__bf16_of(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FC0;
    u += 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}
static float lora__f32_of_bf16(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

LORA_API void lora_f32_to_bf16_n(const float *x, uint16_t *y, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = lora__bf16_of(x[i]);
}
LORA_API void lora_bf16_to_f32_n(const uint16_t *x, float *y, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = lora__f32_of_bf16(x[i]);
}
LORA_API float lora_bf16_round(float x) { return lora__f32_of_bf16(lora__bf16_of(x)); }

/* Whether the bf16 products run on vdpbf16ps for this pool. */
static int lora__wmat_native(const lora_pool *pool) {
#ifdef LORA__HAVE_BF16
    if (lora_pool_isa(pool) != LORA_ISA_AVX512) return 0;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") != 0;
#else
    (void)pool;
    return 0;
#endif
}

LORA_API const char *lora_wmat_kernel_name(const lora_pool *pool, lora_dtype dtype) {
    if (dtype != LORA_DT_BF16) return lora_isa_name(lora_pool_isa(pool));
    if (lora__wmat_native(pool)) return "avx512-bf16";
    switch (lora_pool_isa(pool)) {
    case LORA_ISA_AVX512: return "avx512 (bf16 widened)";
    case LORA_ISA_AVX2: return "avx2 (bf16 widened)";
    case LORA_ISA_NEON: return "neon (bf16 widened)";
    default: return "scalar (bf16 widened)";
    }
}

/* op(W) is K x N: W stored K x N (transW 0) or N x K (transW 1). */
static void lora__wmat_kn(const lora_wmat *W, int transW, int *K, int *N) {
    *K = transW ? W->cols : W->rows;
    *N = transW ? W->rows : W->cols;
}

#define LORA__ALIGN64(n) (((n) + 63) & ~(size_t)63)

static size_t lora__wmat_scratch(int native, int threads, int M, int K, int N) {
    if (M <= 0 || K <= 0 || N <= 0) return 0;
    if (native && M <= LORA__BF_FEW) return LORA__ALIGN64((size_t)M * K * 4);
    if (native) {
        size_t kp = (size_t)(K + 1) / 2, mp = (size_t)lora__round_up(M, LORA__BF_MR);
        size_t kc = kp < LORA__BF_KC ? kp : LORA__BF_KC;
        return LORA__ALIGN64(mp * kp * 4) + (size_t)threads * LORA__ALIGN64(kc * LORA__BF_NB * 4);
    } else {
        size_t wide = (size_t)(N < LORA__BF_WIDE ? N : LORA__BF_WIDE);
        return LORA__ALIGN64((size_t)M * K * 4) + LORA__ALIGN64((size_t)K * wide * 4);
    }
}

LORA_API size_t lora_wmat_mul_scratch(const lora_pool *pool, int M, const lora_wmat *W, int transW) {
    int K, N;
    if (!W || W->dtype != LORA_DT_BF16) return 0;
    lora__wmat_kn(W, transW, &K, &N);
    return lora__wmat_scratch(lora__wmat_native(pool), lora_pool_threads(pool), M, K, N);
}

/* ---- the fallback: X rounded (kept fp32), op(W) widened a block of columns at a time ---- */
typedef struct { const float *X; int ldx, K; float *Xr; } lora__round_ctx;
static void lora__round_rows(void *vctx, int task, int thread) {
    lora__round_ctx *c = (lora__round_ctx *)vctx;
    const float *x = c->X + (size_t)task * c->ldx;
    float *y = c->Xr + (size_t)task * c->K;
    int k;
    (void)thread;
    for (k = 0; k < c->K; k++) y[k] = lora__f32_of_bf16(lora__bf16_of(x[k]));
}

static void lora__wmat_mul_widen(lora_pool *pool, int M, const float *X, int ldx, const lora_wmat *W, int transW,
                                 int accumulate, float *Y, int ldy, void *scratch) {
    int K, N, n0;
    const uint16_t *w = (const uint16_t *)W->data;
    float *Xr = (float *)scratch, *Wt;
    lora__round_ctx rc;
    lora__wmat_kn(W, transW, &K, &N);
    Wt = (float *)((char *)scratch + LORA__ALIGN64((size_t)M * K * 4));
    rc.X = X; rc.ldx = ldx; rc.K = K; rc.Xr = Xr;
    lora_pool_run(pool, lora__round_rows, &rc, M);
    for (n0 = 0; n0 < N; n0 += LORA__BF_WIDE) {
        int nc = N - n0 < LORA__BF_WIDE ? N - n0 : LORA__BF_WIDE, k, j;
        if (transW) {        /* rows n0 .. n0+nc of W (N x K): contiguous */
            lora_bf16_to_f32_n(w + (size_t)n0 * K, Wt, (size_t)nc * K);
            lora_sgemm(pool, 0, 1, M, nc, K, 1.0f, Xr, K, Wt, K, accumulate ? 1.0f : 0.0f, Y + n0, ldy);
        } else {             /* columns n0 .. n0+nc of W (K x N) */
            for (k = 0; k < K; k++)
                for (j = 0; j < nc; j++) Wt[(size_t)k * nc + j] = lora__f32_of_bf16(w[(size_t)k * N + n0 + j]);
            lora_sgemm(pool, 0, 0, M, nc, K, 1.0f, Xr, K, Wt, nc, accumulate ? 1.0f : 0.0f, Y + n0, ldy);
        }
    }
}

#ifdef LORA__HAVE_BF16
static void lora__round_rows_all(lora__round_ctx *c, int M) {
    int m;
    for (m = 0; m < M; m++) lora__round_rows(c, m, 0);
}

/* ---- a few rows (decoding): every weight read once, widened to fp32 in registers, fp32 FMAs on
   the rounded activations (Xr, M x K) ---- */
typedef struct { const float *Xr; const uint16_t *w; int M, K, N, transW, accumulate; float *Y; int ldy; } lora__few_job;
LORA__TARGET_AVX512 static __m512 lora__widen16(const uint16_t *p, __mmask16 m) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16));
}
LORA__TARGET_AVX512 static void lora__few_task(void *vctx, int task, int thread) {
    lora__few_job *j = (lora__few_job *)vctx;
    int n0 = task * LORA__BF_FEW_COLS, n1 = n0 + LORA__BF_FEW_COLS, m, k, n;
    (void)thread;
    if (n1 > j->N) n1 = j->N;
    if (!j->transW) {        /* W is K x N: rows of 16 columns, a vector per row of X */
        for (n = n0; n < n1; n += 16) {
            __mmask16 cm = n1 - n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n1 - n)) - 1u);
            __m512 acc[LORA__BF_FEW];
            for (m = 0; m < j->M; m++) acc[m] = _mm512_setzero_ps();
            for (k = 0; k < j->K; k++) {
                __m512 w = lora__widen16(j->w + (size_t)k * j->N + n, cm);
                for (m = 0; m < j->M; m++) acc[m] = _mm512_fmadd_ps(_mm512_set1_ps(j->Xr[(size_t)m * j->K + k]), w, acc[m]);
            }
            for (m = 0; m < j->M; m++) {
                float *y = j->Y + (size_t)m * j->ldy + n;
                if (j->accumulate) acc[m] = _mm512_add_ps(acc[m], _mm512_maskz_loadu_ps(cm, y));
                _mm512_mask_storeu_ps(y, cm, acc[m]);
            }
        }
    } else {                 /* W is N x K: a dot product along k per column */
        for (n = n0; n < n1; n++) {
            const uint16_t *wr = j->w + (size_t)n * j->K;
            __m512 acc[LORA__BF_FEW];
            for (m = 0; m < j->M; m++) acc[m] = _mm512_setzero_ps();
            for (k = 0; k < j->K; k += 16) {
                __mmask16 km = j->K - k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (j->K - k)) - 1u);
                __m512 w = lora__widen16(wr + k, km);
                for (m = 0; m < j->M; m++) acc[m] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(km, j->Xr + (size_t)m * j->K + k), w, acc[m]);
            }
            for (m = 0; m < j->M; m++) {
                float v = _mm512_reduce_add_ps(acc[m]);
                float *y = j->Y + (size_t)m * j->ldy + n;
                *y = j->accumulate ? *y + v : v;
            }
        }
    }
}

/* ---- vdpbf16ps ---- */
/* X (M x K) -> row panels of 12 rows: panel[p * 12 + i] = bf16(x[i][2p]) | bf16(x[i][2p+1]) << 16. */
typedef struct { const float *X; int ldx, M, K, kp; uint32_t *A; } lora__bfa_ctx;
static void lora__bf16_pack_a(void *vctx, int task, int thread) {
    lora__bfa_ctx *c = (lora__bfa_ctx *)vctx;
    uint32_t *panel = c->A + (size_t)task * LORA__BF_MR * c->kp;
    int i, p;
    (void)thread;
    for (i = 0; i < LORA__BF_MR; i++) {
        int m = task * LORA__BF_MR + i;
        const float *x = c->X + (size_t)m * c->ldx;
        if (m >= c->M) { for (p = 0; p < c->kp; p++) panel[(size_t)p * LORA__BF_MR + i] = 0; continue; }
        for (p = 0; p < c->K / 2; p++)
            panel[(size_t)p * LORA__BF_MR + i] = (uint32_t)lora__bf16_of(x[2 * p]) | (uint32_t)lora__bf16_of(x[2 * p + 1]) << 16;
        if (c->K & 1) panel[(size_t)p * LORA__BF_MR + i] = lora__bf16_of(x[2 * p]);
    }
}

/* op(W) columns [n0, n0 + nc) and k pairs [p0, p0 + np) -> panels of 32 columns, each np x 32 words. */
LORA__TARGET_BF16 static void lora__bf16_pack_b(const lora_wmat *W, int transW, int K, int N, int n0, int nc, int p0, int np,
                                                uint32_t *out) {
    const uint16_t *w = (const uint16_t *)W->data;
    int j, p, i;
    for (j = 0; j < nc; j += LORA__BF_NR) {
        uint32_t *o = out + (size_t)(j / LORA__BF_NR) * np * LORA__BF_NR;
        int cols = nc - j < LORA__BF_NR ? nc - j : LORA__BF_NR;
        if (!transW) {       /* W is K x N: rows k and k + 1, 32 columns each, interleaved */
            __mmask32 cm = cols == 32 ? 0xFFFFFFFFu : ((1u << cols) - 1u);
            for (p = 0; p < np; p++) {
                int k = 2 * (p0 + p);
                const uint16_t *r0 = w + (size_t)k * N + n0 + j;
                __m512i lo = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16((__mmask16)cm, r0));
                __m512i hi = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16((__mmask16)(cm >> 16), r0 + 16));
                if (k + 1 < K) {
                    const uint16_t *r1 = r0 + N;
                    lo = _mm512_or_si512(lo, _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16((__mmask16)cm, r1)), 16));
                    hi = _mm512_or_si512(hi, _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16((__mmask16)(cm >> 16), r1 + 16)), 16));
                }
                _mm512_store_si512((void *)(o + (size_t)p * LORA__BF_NR), lo);
                _mm512_store_si512((void *)(o + (size_t)p * LORA__BF_NR + 16), hi);
            }
        } else if (!(K & 1) && cols == LORA__BF_NR) {   /* W is N x K: the pair is one word of row n */
            const int *base = (const int *)(const void *)(w + (size_t)(n0 + j) * K);
            __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(K / 2));
            const int *b16 = base + (size_t)16 * (K / 2);
            for (p = 0; p < np; p++) {
                _mm512_store_si512((void *)(o + (size_t)p * LORA__BF_NR), _mm512_i32gather_epi32(idx, base + p0 + p, 4));
                _mm512_store_si512((void *)(o + (size_t)p * LORA__BF_NR + 16), _mm512_i32gather_epi32(idx, b16 + p0 + p, 4));
            }
        } else {
            for (p = 0; p < np; p++) {
                int k = 2 * (p0 + p);
                for (i = 0; i < LORA__BF_NR; i++) {
                    uint32_t v = 0;
                    if (i < cols) {
                        const uint16_t *r = w + (size_t)(n0 + j + i) * K + k;
                        v = r[0];
                        if (k + 1 < K) v |= (uint32_t)r[1] << 16;
                    }
                    o[(size_t)p * LORA__BF_NR + i] = v;
                }
            }
        }
    }
}

/* C (rows x cols of the 12 x 32 tile) = (load ? C : 0) + A panel . B panel over np pairs. */
LORA__TARGET_BF16 static void lora__bf16_kernel(int np, const uint32_t *a, const uint32_t *b, float *c, int ldc, int rows,
                                                int cols, int load) {
    __m512 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71, c80, c81, c90, c91, ca0, ca1, cb0, cb1;
    __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1u);
    __mmask16 m1 = cols >= 32 ? (__mmask16)0xFFFF : cols <= 16 ? (__mmask16)0 : (__mmask16)((1u << (cols - 16)) - 1u);
    int p;
#define LORA__BFZ(i) c##i##0 = _mm512_setzero_ps(); c##i##1 = _mm512_setzero_ps();
    LORA__BFZ(0) LORA__BFZ(1) LORA__BFZ(2) LORA__BFZ(3) LORA__BFZ(4) LORA__BFZ(5)
    LORA__BFZ(6) LORA__BFZ(7) LORA__BFZ(8) LORA__BFZ(9) LORA__BFZ(a) LORA__BFZ(b)
#undef LORA__BFZ
    for (p = 0; p < np; p++) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512((const void *)(b + (size_t)p * 32));
        const __m512bh b1 = (__m512bh)_mm512_load_si512((const void *)(b + (size_t)p * 32 + 16));
        const uint32_t *ap = a + (size_t)p * LORA__BF_MR;
#define LORA__BFS(i, n) { const __m512bh ai = (__m512bh)_mm512_set1_epi32((int)ap[n]); \
            c##i##0 = _mm512_dpbf16_ps(c##i##0, ai, b0); c##i##1 = _mm512_dpbf16_ps(c##i##1, ai, b1); }
        LORA__BFS(0, 0) LORA__BFS(1, 1) LORA__BFS(2, 2) LORA__BFS(3, 3) LORA__BFS(4, 4) LORA__BFS(5, 5)
        LORA__BFS(6, 6) LORA__BFS(7, 7) LORA__BFS(8, 8) LORA__BFS(9, 9) LORA__BFS(a, 10) LORA__BFS(b, 11)
#undef LORA__BFS
    }
#define LORA__BFST(i, n) if (n < rows) { float *cr = c + (size_t)(n) * ldc; \
        if (load) { c##i##0 = _mm512_add_ps(c##i##0, _mm512_maskz_loadu_ps(m0, cr)); \
                    c##i##1 = _mm512_add_ps(c##i##1, _mm512_maskz_loadu_ps(m1, cr + 16)); } \
        _mm512_mask_storeu_ps(cr, m0, c##i##0); _mm512_mask_storeu_ps(cr + 16, m1, c##i##1); }
    LORA__BFST(0, 0) LORA__BFST(1, 1) LORA__BFST(2, 2) LORA__BFST(3, 3) LORA__BFST(4, 4) LORA__BFST(5, 5)
    LORA__BFST(6, 6) LORA__BFST(7, 7) LORA__BFST(8, 8) LORA__BFST(9, 9) LORA__BFST(a, 10) LORA__BFST(b, 11)
#undef LORA__BFST
}

typedef struct {
    const lora_wmat *W;
    int transW, M, K, N, kp, n_col_tasks, row_panels_per_task, accumulate;
    const uint32_t *A;
    char *bpack;               /* per thread */
    size_t bpack_bytes;
    float *Y;
    int ldy;
} lora__bf16_job;

LORA__TARGET_BF16 static void lora__bf16_task(void *vctx, int task, int thread) {
    lora__bf16_job *j = (lora__bf16_job *)vctx;
    int ct = task % j->n_col_tasks, rt = task / j->n_col_tasks;
    int n0 = ct * LORA__BF_NB, nc = j->N - n0 < LORA__BF_NB ? j->N - n0 : LORA__BF_NB;
    int rp0 = rt * j->row_panels_per_task, rp1 = rp0 + j->row_panels_per_task, n_rp = lora__ceil_div(j->M, LORA__BF_MR);
    uint32_t *B = (uint32_t *)(void *)(j->bpack + (size_t)thread * j->bpack_bytes);
    int p0, rp, jc;
    if (rp1 > n_rp) rp1 = n_rp;
    for (p0 = 0; p0 < j->kp; p0 += LORA__BF_KC) {
        int np = j->kp - p0 < LORA__BF_KC ? j->kp - p0 : LORA__BF_KC, load = p0 > 0 || j->accumulate;
        lora__bf16_pack_b(j->W, j->transW, j->K, j->N, n0, nc, p0, np, B);
        for (rp = rp0; rp < rp1; rp++) {
            const uint32_t *a = j->A + (size_t)rp * LORA__BF_MR * j->kp + (size_t)p0 * LORA__BF_MR;
            int rows = j->M - rp * LORA__BF_MR < LORA__BF_MR ? j->M - rp * LORA__BF_MR : LORA__BF_MR;
            for (jc = 0; jc < nc; jc += LORA__BF_NR)
                lora__bf16_kernel(np, a, B + (size_t)(jc / LORA__BF_NR) * np * LORA__BF_NR,
                                  j->Y + (size_t)rp * LORA__BF_MR * j->ldy + n0 + jc, j->ldy, rows,
                                  nc - jc < LORA__BF_NR ? nc - jc : LORA__BF_NR, load);
        }
    }
}

static void lora__wmat_mul_native(lora_pool *pool, int M, const float *X, int ldx, const lora_wmat *W, int transW,
                                  int accumulate, float *Y, int ldy, void *scratch) {
    lora__bf16_job j;
    lora__bfa_ctx ac;
    int K, N, n_rp, threads = lora_pool_threads(pool), n_row_tasks;
    size_t kc;
    lora__wmat_kn(W, transW, &K, &N);
    if (M <= LORA__BF_FEW) {
        lora__few_job f;
        lora__round_ctx rc;
        rc.X = X; rc.ldx = ldx; rc.K = K; rc.Xr = (float *)scratch;
        lora__round_rows_all(&rc, M);
        f.Xr = (const float *)scratch; f.w = (const uint16_t *)W->data; f.M = M; f.K = K; f.N = N; f.transW = transW;
        f.accumulate = accumulate; f.Y = Y; f.ldy = ldy;
        lora_pool_run(pool, lora__few_task, &f, lora__ceil_div(N, LORA__BF_FEW_COLS));
        return;
    }
    j.W = W; j.transW = transW; j.M = M; j.K = K; j.N = N; j.kp = (K + 1) / 2; j.accumulate = accumulate;
    j.Y = Y; j.ldy = ldy;
    n_rp = lora__ceil_div(M, LORA__BF_MR);
    kc = (size_t)(j.kp < LORA__BF_KC ? j.kp : LORA__BF_KC);
    j.A = (const uint32_t *)scratch;
    j.bpack = (char *)scratch + LORA__ALIGN64((size_t)n_rp * LORA__BF_MR * j.kp * 4);
    j.bpack_bytes = LORA__ALIGN64(kc * LORA__BF_NB * 4);
    ac.X = X; ac.ldx = ldx; ac.M = M; ac.K = K; ac.kp = j.kp; ac.A = (uint32_t *)scratch;
    lora_pool_run(pool, lora__bf16_pack_a, &ac, n_rp);
    j.n_col_tasks = lora__ceil_div(N, LORA__BF_NB);
    /* split rows too when there are few column blocks (each row task packs its own B) */
    n_row_tasks = j.n_col_tasks >= 4 * threads ? 1 : lora__ceil_div(4 * threads, j.n_col_tasks);
    if (n_row_tasks > n_rp) n_row_tasks = n_rp;
    j.row_panels_per_task = lora__ceil_div(n_rp, n_row_tasks);
    n_row_tasks = lora__ceil_div(n_rp, j.row_panels_per_task);
    lora_pool_run(pool, lora__bf16_task, &j, j.n_col_tasks * n_row_tasks);
}
#endif

static lora_status lora__wmat_mul_impl(lora_pool *pool, int native, int M, const float *X, int ldx, const lora_wmat *W,
                                       int transW, int accumulate, float *Y, int ldy, void *scratch, size_t scratch_bytes) {
    int K, N;
    if (!W || !W->data || !X || !Y || M < 0 || W->rows <= 0 || W->cols <= 0)
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_wmat_mul: bad arguments");
    lora__wmat_kn(W, transW, &K, &N);
    if (ldx < K || ldy < N)
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_wmat_mul: leading dimensions %d (X) and %d (Y) must be at least %d and %d",
                         ldx, ldy, K, N);
    if (M == 0) return LORA_OK;
    if (W->dtype == LORA_DT_F32) {
        lora_sgemm(pool, 0, transW, M, N, K, 1.0f, X, ldx, (const float *)W->data, W->cols, accumulate ? 1.0f : 0.0f, Y, ldy);
        return LORA_OK;
    }
    if (W->dtype != LORA_DT_BF16) return lora_fail(LORA_ERR_INVALID_ARG, "lora_wmat_mul: unknown dtype %d", (int)W->dtype);
    if (scratch_bytes < lora__wmat_scratch(native, lora_pool_threads(pool), M, K, N) || ((uintptr_t)scratch & 63))
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_wmat_mul: scratch of %lu bytes, expected %lu at a 64-byte boundary",
                         (unsigned long)scratch_bytes, (unsigned long)lora__wmat_scratch(native, lora_pool_threads(pool), M, K, N));
#ifdef LORA__HAVE_BF16
    if (native) { lora__wmat_mul_native(pool, M, X, ldx, W, transW, accumulate, Y, ldy, scratch); return LORA_OK; }
#endif
    (void)native;
    lora__wmat_mul_widen(pool, M, X, ldx, W, transW, accumulate, Y, ldy, scratch);
    return LORA_OK;
}

LORA_API lora_status lora_wmat_mul(lora_pool *pool, int M, const float *X, int ldx, const lora_wmat *W, int transW,
                                   int accumulate, float *Y, int ldy, void *scratch, size_t scratch_bytes) {
    return lora__wmat_mul_impl(pool, lora__wmat_native(pool), M, X, ldx, W, transW, accumulate, Y, ldy, scratch, scratch_bytes);
}

/* ---- fused output layer + cross-entropy over the labelled rows ---- */
static int lora__ce_chunk(int n_rows) { return n_rows < LORA_CE_CHUNK_ROWS ? (n_rows > 0 ? n_rows : 1) : LORA_CE_CHUNK_ROWS; }

static size_t lora__ce_scratch(int native, int threads, int n_rows, const lora_wmat *W) {
    size_t R = (size_t)lora__ce_chunk(n_rows), V = (size_t)W->rows, C = (size_t)W->cols, mul, mul2;
    mul = W->dtype == LORA_DT_BF16 ? lora__wmat_scratch(native, threads, (int)R, (int)C, (int)V) : 0;
    mul2 = W->dtype == LORA_DT_BF16 ? lora__wmat_scratch(native, threads, (int)R, (int)V, (int)C) : 0;
    return LORA__ALIGN64((size_t)n_rows * 4) + LORA__ALIGN64(R * C * 4) * 2 + LORA__ALIGN64(R * V * 4) + (mul > mul2 ? mul : mul2);
}

LORA_API size_t lora_lm_head_ce_scratch(const lora_pool *pool, int n_rows, const lora_wmat *W) {
    if (!W || n_rows <= 0) return 0;
    return lora__ce_scratch(lora__wmat_native(pool), lora_pool_threads(pool), n_rows, W);
}

typedef struct { float *logits; const int32_t *t; float *loss; int V; float scale; int grad; const lora_vecops *v; } lora__ce_job;
static void lora__ce_task(void *vctx, int task, int thread) {
    lora__ce_job *c = (lora__ce_job *)vctx;
    float *x = c->logits + (size_t)task * c->V, mx;
    int t = c->t[task];
    (void)thread;
    mx = c->v->max(x, c->V);
    if (!c->grad) {
        c->loss[task] = (float)((double)mx + log((double)c->v->exp_sum(x, NULL, c->V, mx)) - (double)x[t]);
        return;
    }
    {
        float xt = x[t], s = c->v->exp_sum(x, x, c->V, mx);
        c->loss[task] = (float)((double)mx + log((double)s) - (double)xt);
        c->v->scale(x, c->V, c->scale / s);
        x[t] -= c->scale;
    }
}

static lora_status lora__lm_head_ce_impl(lora_pool *pool, int native, const lora_wmat *W, int n_rows, const float *X, int ldx,
                                         const int32_t *targets, float grad_scale, float *row_loss, float *dX, int lddx,
                                         float *dW, void *scratch, size_t scratch_bytes) {
    int V, C, R, n_lab = 0, i, c0, threads = lora_pool_threads(pool);
    int32_t *idx;
    float *Xc, *dXc, *logits;
    char *mulws;
    size_t need, mul_bytes;
    lora__ce_job job;
    lora_status s;
    if (!W || !W->data || !X || !targets || !row_loss || n_rows < 0 || W->rows <= 0 || W->cols <= 0 || ldx < W->cols ||
        (dX && lddx < W->cols))
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_lm_head_ce: bad arguments");
    if (dW && W->dtype != LORA_DT_F32)
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_lm_head_ce: a weight gradient needs an fp32 weight (bf16 weights are frozen)");
    if (n_rows == 0) return LORA_OK;
    V = W->rows; C = W->cols; R = lora__ce_chunk(n_rows);
    need = lora__ce_scratch(native, threads, n_rows, W);
    if (scratch_bytes < need || ((uintptr_t)scratch & 63))
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_lm_head_ce: scratch of %lu bytes, expected %lu at a 64-byte boundary",
                         (unsigned long)scratch_bytes, (unsigned long)need);
    for (i = 0; i < n_rows; i++)
        if (targets[i] >= V) return lora_fail(LORA_ERR_RANGE, "lora_lm_head_ce: target %ld of row %d is outside [0, %d)", (long)targets[i], i, V);
    idx = (int32_t *)scratch;
    Xc = (float *)((char *)scratch + LORA__ALIGN64((size_t)n_rows * 4));
    dXc = Xc + LORA__ALIGN64((size_t)R * C * 4) / 4;
    logits = dXc + LORA__ALIGN64((size_t)R * C * 4) / 4;
    mulws = (char *)(logits + LORA__ALIGN64((size_t)R * V * 4) / 4);
    mul_bytes = need - (size_t)(mulws - (char *)scratch);
    for (i = 0; i < n_rows; i++) {
        row_loss[i] = 0.0f;
        if (targets[i] >= 0) idx[n_lab++] = i;
        else if (dX) memset(dX + (size_t)i * lddx, 0, sizeof(float) * (size_t)C);
    }
    job.V = V; job.scale = grad_scale; job.grad = dX != NULL || dW != NULL; job.v = lora_vec(pool);
    for (c0 = 0; c0 < n_lab; c0 += R) {
        int rc = n_lab - c0 < R ? n_lab - c0 : R, r;
        int32_t tbuf[LORA_CE_CHUNK_ROWS];
        float lbuf[LORA_CE_CHUNK_ROWS];
        for (r = 0; r < rc; r++) {
            memcpy(Xc + (size_t)r * C, X + (size_t)idx[c0 + r] * ldx, sizeof(float) * (size_t)C);
            tbuf[r] = targets[idx[c0 + r]];
        }
        if ((s = lora__wmat_mul_impl(pool, native, rc, Xc, C, W, 1, 0, logits, V, mulws, mul_bytes)) != LORA_OK) return s;
        job.logits = logits; job.t = tbuf; job.loss = lbuf;
        lora_pool_run(pool, lora__ce_task, &job, rc);
        for (r = 0; r < rc; r++) row_loss[idx[c0 + r]] = lbuf[r];
        if (dW) lora_sgemm(pool, 1, 0, V, C, rc, 1.0f, logits, V, Xc, C, 1.0f, dW, C);
        if (dX) {
            if ((s = lora__wmat_mul_impl(pool, native, rc, logits, V, W, 0, 0, dXc, C, mulws, mul_bytes)) != LORA_OK) return s;
            for (r = 0; r < rc; r++) memcpy(dX + (size_t)idx[c0 + r] * lddx, dXc + (size_t)r * C, sizeof(float) * (size_t)C);
        }
    }
    return LORA_OK;
}

LORA_API lora_status lora_lm_head_ce(lora_pool *pool, const lora_wmat *W, int n_rows, const float *X, int ldx,
                                     const int32_t *targets, float grad_scale, float *row_loss, float *dX, int lddx,
                                     float *dW, void *scratch, size_t scratch_bytes) {
    return lora__lm_head_ce_impl(pool, lora__wmat_native(pool), W, n_rows, X, ldx, targets, grad_scale, row_loss, dX, lddx,
                                 dW, scratch, scratch_bytes);
}

#ifdef LORA__WMAT_DIAG_PUSHED
#pragma GCC diagnostic pop
#undef LORA__WMAT_DIAG_PUSHED
#endif
