/* ---- single-precision GEMM ----
   BLIS-style: op(A) and op(B) are packed into micro-panels (the packing absorbs
   the transposes, so one register-blocked micro-kernel per ISA serves NN, NT, TN
   and TT), the K dimension is cut into blocks of kc (a function of K only), and
   every element of C is reduced over k in the same order whatever the thread
   count: threads only split C. */

#if defined(__GNUC__) || defined(__clang__)
#define LORA__RESTRICT __restrict__
#define LORA__ALIGNED64 __attribute__((aligned(64)))
#else
#define LORA__RESTRICT
#define LORA__ALIGNED64
#endif

/* g++ 12 flags the `__Y = __Y` idiom of its own _mm*_undefined_* intrinsics once they
   are inlined into C++ code (-Wuninitialized); silence that here, restored at the end. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__cplusplus)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define LORA__MATMUL_DIAG_PUSHED
#endif

/* the engine's one set of x86 target attributes: every part (and model header) uses these */
#ifdef LORA__X86
#define LORA__TARGET_AVX2 __attribute__((target("avx2,fma")))
#define LORA__TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#endif

#define LORA__SIDE_G 4 /* A panels packed per side job (see lora__kern_avx512_body) */
/* What a kernel call copies besides computing its C tile: packing a later A group costs a
   loop of its own that mostly waits on its strided source, and rides almost free on the load
   and store slots the FMAs leave idle (see lora__kern_avx512_body and lora__side_job). */
enum lora__side_kind {
    LORA__SIDE_NONE,    /* a plain kernel call */
    LORA__SIDE_TRANS_A, /* transposed A (a_ri == 1): source rows of 48 floats across 4 panels */
    LORA__SIDE_ROWS_A   /* rows of A contiguous along k (a_ck == 1): 16-k blocks of one panel */
};
/* How an AVX-512 kernel stores its C tile, picked once per call so that each row costs one
   branch: whole vectors or masked ones (a partial tile), and by beta: 0 (C is not read),
   1 (C + alpha * acc, no multiply), other. The FULL modes are the MASKED ones + FULL_BETA0.
   The kernels hold it in an int: an enum-typed local moved d1's register allocation. */
enum lora__store_mode {
    LORA__STORE_MASKED_BETA0, LORA__STORE_MASKED_BETA1, LORA__STORE_MASKED_BETAX,
    LORA__STORE_FULL_BETA0, LORA__STORE_FULL_BETA1, LORA__STORE_FULL_BETAX
};
#define LORA__STORE_MODE(beta, full) ((enum lora__store_mode)(((beta) == 0.0f ? LORA__STORE_MASKED_BETA0 : \
        (beta) == 1.0f ? LORA__STORE_MASKED_BETA1 : LORA__STORE_MASKED_BETAX) + ((full) ? LORA__STORE_FULL_BETA0 : 0)))
static int lora__ceil_div(int a, int b) { return (a + b - 1) / b; }
static int lora__round_up(int a, int b) { return lora__ceil_div(a, b) * b; }

/* Prefetch every cache line of the n floats at p, into L1 (_l1) or towards L2 (_l2). Lines,
   not 16-float steps: a run that does not start on a 64-byte boundary spans one more line
   (malloc'ed matrices usually do not), and missing that line stalls the loads after it. */
#if defined(__GNUC__) || defined(__clang__)
#define LORA__PREFETCH_LINES(p, n, loc) do { \
        const char *lora__pl_ = (const char *)((uintptr_t)(p) & ~(uintptr_t)63), *lora__pe_ = (const char *)((p) + (n)); \
        for (; lora__pl_ < lora__pe_; lora__pl_ += 64) __builtin_prefetch(lora__pl_, 0, loc); } while (0)
#else
#define LORA__PREFETCH_LINES(p, n, loc) ((void)(p), (void)(n))
#endif
/* prefetch the line `bytes` past p into L1 (or L2); the address may lie past the end of p's
   array (a prefetch never faults), so it is formed as an integer, not by pointer arithmetic */
#define LORA__PREFETCH_AHEAD(p, bytes) _mm_prefetch((const char *)((uintptr_t)(p) + (bytes)), _MM_HINT_T0)
#define LORA__PREFETCH_AHEAD_L2(p, bytes) _mm_prefetch((const char *)((uintptr_t)(p) + (bytes)), _MM_HINT_T1)
/* the lines of the 48 floats after the 48 at p (4 lines when p is not line-aligned): the next
   48-column strip of a row of C, which the direct kernels fetch a strip ahead */
#define LORA__PREFETCH_NEXT_STRIP(p) do { LORA__PREFETCH_AHEAD(p, 192); LORA__PREFETCH_AHEAD(p, 256); \
        LORA__PREFETCH_AHEAD(p, 320); LORA__PREFETCH_AHEAD(p, 383); } while (0)
static LORA__UNUSED void lora__prefetch_l1(const float *p, long n) { LORA__PREFETCH_LINES(p, n, 3); }
static LORA__UNUSED void lora__prefetch_l2(const float *p, long n) { LORA__PREFETCH_LINES(p, n, 2); }

/* kernel: C[m x n] (strides rs_c, cs_c) = alpha * Ap^T Bp + beta * C, over kc */
typedef void (*lora__kern_fn)(int kc, const float *Ap, const float *Bp, float *C, long rs_c, long cs_c,
                              int m, int n, float alpha, float beta);
/* pack ceil(nx / W) panels of W x kc (panel p at out + p * kc * W):
   out[p * kc * W + k * W + x % W] = S[x * sx + k * sk] for x < nx, zero up to the next multiple of W */
typedef void (*lora__pack_fn)(const float *S, long sx, long sk, int nx, int kc, int W, float *out);

typedef struct lora__gemm_cfg {
    int mr, nr;      /* micro-tile */
    int kc;          /* max K block */
    int nb;          /* max columns of the per-thread packed B block (multiple of nr) */
    int mcb, ncb;    /* macro block of C handled per dispatch */
    lora__kern_fn kern;
    lora__pack_fn pack;
    /* optional direct kernels for skinny shapes (see lora__d1_avx512 / lora__d2_avx512) */
    void (*d1)(int K, const float *U, long u_ri, long u_ck, const float *V, long v_rk,
               float *C, long rs_c, long cs_c, int m, int n, float alpha, float beta);
    int d1_mr, d1_nr;
    void (*d2)(int K, const float *A, long lda, const float *Bt, long ldbt,
               float *C, long ldc, int m, int n, float alpha, float beta);
    int d2_mr, d2_nr;
    /* optional d1 for K <= 8 that keeps V in registers (see lora__d3_avx512) */
    void (*d3)(int K, const float *U, long u_ri, long u_ck, const float *V, long v_rk,
               float *C, long ldc, int m, int n, float alpha, float beta);
    int d3_mr, d3_nr;
    /* optional kernel that also packs part of a later A panel group: LORA__SIDE_TRANS_A rows of
       transposed A, LORA__SIDE_ROWS_A 16-k blocks of rows contiguous along k (see lora__kern_avx512_body) */
    void (*kern_side)(enum lora__side_kind kind, int kc, const float *Ap, const float *Bp, float *C, long rs_c, long cs_c, int m, int n,
                      float alpha, float beta, const float *src, long stride, int rows, float *dst, long pstride);
} lora__gemm_cfg;

/* ---------------- scalar ---------------- */
#define LORA__S_MR 4
#define LORA__S_NR 8
static void lora__kern_scalar(int kc, const float *Ap, const float *Bp, float *C, long rs_c, long cs_c,
                              int m, int n, float alpha, float beta) {
    float acc[LORA__S_MR][LORA__S_NR];
    int i, j, k;
    memset(acc, 0, sizeof acc);
    for (k = 0; k < kc; k++) {
        for (i = 0; i < LORA__S_MR; i++) {
            float a = Ap[i];
            for (j = 0; j < LORA__S_NR; j++) acc[i][j] += a * Bp[j];
        }
        Ap += LORA__S_MR; Bp += LORA__S_NR;
    }
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            float *c = C + i * rs_c + j * cs_c;
            *c = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *c;
        }
}

static void lora__pack_scalar(const float *S, long sx, long sk, int nx, int kc, int W, float *out) {
    int x, k, p;
    for (p = 0; p < nx; p += W, out += (long)kc * W, S += W * sx) {
        int w = nx - p < W ? nx - p : W;
        for (k = 0; k < kc; k++) {
            float *o = out + (long)k * W;
            for (x = 0; x < w; x++) o[x] = S[x * sx + k * sk];
            for (; x < W; x++) o[x] = 0.0f;
        }
    }
}

static const lora__gemm_cfg lora__cfg_scalar = { LORA__S_MR, LORA__S_NR, 256, 256, 256, 4096, lora__kern_scalar, lora__pack_scalar, NULL, 0, 0, NULL, 0, 0, NULL, 0, 0, NULL };

/* ---------------- x86 shared: packing with 8x8 / 4x4 transposes ---------------- */
#ifdef LORA__X86
LORA__TARGET_AVX2 static void lora__tr8x8_avx(const float *s, long sx, float *o, long W) {
    __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + sx), r2 = _mm256_loadu_ps(s + 2 * sx),
           r3 = _mm256_loadu_ps(s + 3 * sx), r4 = _mm256_loadu_ps(s + 4 * sx), r5 = _mm256_loadu_ps(s + 5 * sx),
           r6 = _mm256_loadu_ps(s + 6 * sx), r7 = _mm256_loadu_ps(s + 7 * sx);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
           t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
           t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
           u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
           u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
           u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(o + 0 * W, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(o + 1 * W, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(o + 2 * W, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(o + 3 * W, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(o + 4 * W, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(o + 5 * W, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(o + 6 * W, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(o + 7 * W, _mm256_permute2f128_ps(u3, u7, 0x31));
}

LORA__TARGET_AVX2 static void lora__tr4x4_sse(const float *s, long sx, float *o, long W) {
    __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + sx), r2 = _mm_loadu_ps(s + 2 * sx), r3 = _mm_loadu_ps(s + 3 * sx);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(o, r0); _mm_storeu_ps(o + W, r1); _mm_storeu_ps(o + 2 * W, r2); _mm_storeu_ps(o + 3 * W, r3);
}

/* one panel (nx <= W) from rows of S that are contiguous along k */
LORA__TARGET_AVX2 static void lora__pack_panel_t_avx(const float *S, long sx, int nx, int kc, int W, float *out) {
    int x = 0, k;
    for (; x + 8 <= nx; x += 8) {
        const float *s = S + x * sx;
        for (k = 0; k + 8 <= kc; k += 8) lora__tr8x8_avx(s + k, sx, out + (long)k * W + x, W);
        for (; k < kc; k++) {
            int i;
            for (i = 0; i < 8; i++) out[(long)k * W + x + i] = s[i * sx + k];
        }
    }
    for (; x + 4 <= nx; x += 4) {
        const float *s = S + x * sx;
        for (k = 0; k + 4 <= kc; k += 4) lora__tr4x4_sse(s + k, sx, out + (long)k * W + x, W);
        for (; k < kc; k++) {
            int i;
            for (i = 0; i < 4; i++) out[(long)k * W + x + i] = s[i * sx + k];
        }
    }
    for (; x < nx; x++) {
        const float *s = S + x * sx;
        for (k = 0; k < kc; k++) out[(long)k * W + x] = s[k];
    }
    for (; x < W; x++)
        for (k = 0; k < kc; k++) out[(long)k * W + x] = 0.0f;
}

LORA__TARGET_AVX2 static void lora__pack_avx(const float *S, long sx, long sk, int nx, int kc, int W, float *out) {
    int x, k, p;
    if (sx == 1) {
        /* rows of op(S) contiguous along x: walk each source row once, left to right */
        for (k = 0; k < kc; k++) {
            const float *s = S + k * sk;
            float *o = out + (long)k * W;
            if (k + 4 < kc) lora__prefetch_l1(s + 4 * sk, nx); /* the rows are far apart: a few rows ahead */
            for (p = 0; p < nx; p += W, o += (long)kc * W, s += W) {
                int w = nx - p < W ? nx - p : W;
                if (w == 6 && W == 6) { /* the 6-row A panels: 4 + 2 floats, not 6 scalar copies */
                    _mm_storeu_ps(o, _mm_loadu_ps(s));
                    _mm_storel_pi((__m64 *)(void *)(o + 4), _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(const void *)(s + 4)));
                    continue;
                }
                x = 0;
                for (; x + 8 <= w; x += 8) _mm256_storeu_ps(o + x, _mm256_loadu_ps(s + x));
                for (; x < w; x++) o[x] = s[x];
                for (; x < W; x++) o[x] = 0.0f;
            }
        }
        return;
    }
    if (sk != 1) { lora__pack_scalar(S, sx, sk, nx, kc, W, out); return; }
    for (p = 0; p < nx; p += W, out += (long)kc * W, S += W * sx)
        lora__pack_panel_t_avx(S, sx, nx - p < W ? nx - p : W, kc, W, out);
}

/* C = alpha * acc + beta * C for a tile held in memory (general strides), with one
   rounding per element as in the vector paths: fma(alpha, acc, beta * c). */
LORA__TARGET_AVX2 static void lora__store_tile_fma(const float *acc, int ldacc, float *C, long rs_c, long cs_c,
                                                   int m, int n, float alpha, float beta) {
    int i, j;
    __m128 va = _mm_set_ss(alpha);
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            float *c = C + i * rs_c + j * cs_c;
            __m128 t = _mm_mul_ss(va, _mm_set_ss(acc[i * ldacc + j]));
            if (beta != 0.0f) t = _mm_fmadd_ss(va, _mm_set_ss(acc[i * ldacc + j]), _mm_set_ss(beta * *c));
            *c = _mm_cvtss_f32(t);
        }
}
#endif /* LORA__X86 */

/* ---------------- AVX2 + FMA: 6 x 16 ---------------- */
#ifdef LORA__HAVE_AVX2
#define LORA__A2_MR 6
#define LORA__A2_NR 16
#define LORA__A2_CPF 64 /* k steps before the end when the C tile is fetched into L1 */
LORA__TARGET_AVX2 static void lora__kern_avx2(int kc, const float *LORA__RESTRICT Ap, const float *LORA__RESTRICT Bp,
                                              float *C, long rs_c, long cs_c, int m, int n, float alpha, float beta) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    int k, k_c = kc > LORA__A2_CPF ? kc - LORA__A2_CPF : 0, i;
    if (cs_c == 1) /* the C tile: towards L2 now, into L1 near the end (as in the AVX-512 kernel) */
        for (i = 0; i < m; i++) lora__prefetch_l2(C + i * rs_c, n);
#define LORA__A2_STEP { \
        __m256 b0 = _mm256_load_ps(Bp), b1 = _mm256_load_ps(Bp + 8), a; \
        _mm_prefetch((const char *)(Bp + 16 * 8), _MM_HINT_T0); \
        _mm_prefetch((const char *)(Ap + 384), _MM_HINT_T0); \
        a = _mm256_broadcast_ss(Ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01); \
        a = _mm256_broadcast_ss(Ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11); \
        a = _mm256_broadcast_ss(Ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21); \
        a = _mm256_broadcast_ss(Ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31); \
        a = _mm256_broadcast_ss(Ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41); \
        a = _mm256_broadcast_ss(Ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51); \
        Ap += LORA__A2_MR; Bp += LORA__A2_NR; }
    for (k = 0; k < k_c; k++) LORA__A2_STEP
    if (cs_c == 1)
        for (i = 0; i < m; i++) lora__prefetch_l1(C + i * rs_c, n);
    for (; k < kc; k++) LORA__A2_STEP
#undef LORA__A2_STEP
    if (m == LORA__A2_MR && n == LORA__A2_NR && cs_c == 1) {
        __m256 va = _mm256_set1_ps(alpha);
        float *r0 = C, *r1 = C + rs_c, *r2 = C + 2 * rs_c, *r3 = C + 3 * rs_c, *r4 = C + 4 * rs_c, *r5 = C + 5 * rs_c;
        if (beta == 0.0f) {
#define LORA__A2_ST0(r, x0, x1) _mm256_storeu_ps(r, _mm256_mul_ps(va, x0)); _mm256_storeu_ps(r + 8, _mm256_mul_ps(va, x1));
            LORA__A2_ST0(r0, c00, c01) LORA__A2_ST0(r1, c10, c11) LORA__A2_ST0(r2, c20, c21)
            LORA__A2_ST0(r3, c30, c31) LORA__A2_ST0(r4, c40, c41) LORA__A2_ST0(r5, c50, c51)
        } else if (beta == 1.0f) {
#define LORA__A2_ST1(r, x0, x1) _mm256_storeu_ps(r, _mm256_fmadd_ps(va, x0, _mm256_loadu_ps(r))); \
            _mm256_storeu_ps(r + 8, _mm256_fmadd_ps(va, x1, _mm256_loadu_ps(r + 8)));
            LORA__A2_ST1(r0, c00, c01) LORA__A2_ST1(r1, c10, c11) LORA__A2_ST1(r2, c20, c21)
            LORA__A2_ST1(r3, c30, c31) LORA__A2_ST1(r4, c40, c41) LORA__A2_ST1(r5, c50, c51)
        } else {
            __m256 vb = _mm256_set1_ps(beta);
#define LORA__A2_STB(r, x0, x1) _mm256_storeu_ps(r, _mm256_fmadd_ps(va, x0, _mm256_mul_ps(vb, _mm256_loadu_ps(r)))); \
            _mm256_storeu_ps(r + 8, _mm256_fmadd_ps(va, x1, _mm256_mul_ps(vb, _mm256_loadu_ps(r + 8))));
            LORA__A2_STB(r0, c00, c01) LORA__A2_STB(r1, c10, c11) LORA__A2_STB(r2, c20, c21)
            LORA__A2_STB(r3, c30, c31) LORA__A2_STB(r4, c40, c41) LORA__A2_STB(r5, c50, c51)
        }
    } else {
        float t[LORA__A2_MR * LORA__A2_NR] LORA__ALIGNED64;
#define LORA__A2_T(i, x0, x1) _mm256_store_ps(t + (i) * 16, x0); _mm256_store_ps(t + (i) * 16 + 8, x1);
        LORA__A2_T(0, c00, c01) LORA__A2_T(1, c10, c11) LORA__A2_T(2, c20, c21)
        LORA__A2_T(3, c30, c31) LORA__A2_T(4, c40, c41) LORA__A2_T(5, c50, c51)
        lora__store_tile_fma(t, LORA__A2_NR, C, rs_c, cs_c, m, n, alpha, beta);
    }
}

/* Direct kernels for skinny products (the AVX-512 d1 / d2 with 16 registers).
   d1: C[m x n] (m <= 4, any n, in 24-column pieces) = alpha * sum_k U(i,k) V[k * v_rk + j] + beta * C.
   Partial pieces load V with a mask and store through lora__store_tile_fma (no masked stores,
   which are slow on some cores). */
LORA__TARGET_AVX2 static void lora__d1_avx2(int K, const float *U, long u_ri, long u_ck, const float *V0, long v_rk,
                                            float *C0, long rs_c, long cs_c, int m, int n_all, float alpha, float beta) {
    const float *u0 = U, *u1 = U + (m > 1 ? 1 : 0) * u_ri, *u2 = U + (m > 2 ? 2 : 0) * u_ri, *u3 = U + (m > 3 ? 3 : 0) * u_ri;
    int j0;
    for (j0 = 0; j0 < n_all; j0 += 24) {
        const float *V = V0 + j0;
        float *C = C0 + j0 * cs_c;
        const int n = n_all - j0 < 24 ? n_all - j0 : 24;
        __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00,
               c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00, b0, b1, b2, a;
        long ko = 0;
        int k;
        if (n == 24) {
            for (k = 0; k < K; k++, V += v_rk, ko += u_ck) {
                b0 = _mm256_loadu_ps(V); b1 = _mm256_loadu_ps(V + 8); b2 = _mm256_loadu_ps(V + 16);
#define LORA__D1A2_ROW(u, x0, x1, x2) a = _mm256_broadcast_ss(u + ko); x0 = _mm256_fmadd_ps(a, b0, x0); \
                x1 = _mm256_fmadd_ps(a, b1, x1); x2 = _mm256_fmadd_ps(a, b2, x2);
                LORA__D1A2_ROW(u0, c00, c01, c02) LORA__D1A2_ROW(u1, c10, c11, c12)
                LORA__D1A2_ROW(u2, c20, c21, c22) LORA__D1A2_ROW(u3, c30, c31, c32)
            }
        } else {
            const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane), m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - 8), lane),
                          m2 = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - 16), lane);
            for (k = 0; k < K; k++, V += v_rk, ko += u_ck) {
                b0 = _mm256_maskload_ps(V, m0); b1 = _mm256_maskload_ps(V + 8, m1); b2 = _mm256_maskload_ps(V + 16, m2);
                LORA__D1A2_ROW(u0, c00, c01, c02) LORA__D1A2_ROW(u1, c10, c11, c12)
                LORA__D1A2_ROW(u2, c20, c21, c22) LORA__D1A2_ROW(u3, c30, c31, c32)
            }
        }
#undef LORA__D1A2_ROW
        if (n == 24 && cs_c == 1) {
            const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#define LORA__D1A2_ONE(r, x) if (beta == 0.0f) _mm256_storeu_ps(r, _mm256_mul_ps(va, x)); \
            else if (beta == 1.0f) _mm256_storeu_ps(r, _mm256_fmadd_ps(va, x, _mm256_loadu_ps(r))); \
            else _mm256_storeu_ps(r, _mm256_fmadd_ps(va, x, _mm256_mul_ps(vb, _mm256_loadu_ps(r))));
#define LORA__D1A2_ST(i, x0, x1, x2) if ((i) < m) { float *r = C + (i) * rs_c; LORA__D1A2_ONE(r, x0) \
            LORA__D1A2_ONE(r + 8, x1) LORA__D1A2_ONE(r + 16, x2) }
            LORA__D1A2_ST(0, c00, c01, c02) LORA__D1A2_ST(1, c10, c11, c12)
            LORA__D1A2_ST(2, c20, c21, c22) LORA__D1A2_ST(3, c30, c31, c32)
#undef LORA__D1A2_ST
#undef LORA__D1A2_ONE
        } else {
            float t[4 * 24] LORA__ALIGNED64;
#define LORA__D1A2_T(i, x0, x1, x2) _mm256_store_ps(t + (i) * 24, x0); _mm256_store_ps(t + (i) * 24 + 8, x1); \
            _mm256_store_ps(t + (i) * 24 + 16, x2);
            LORA__D1A2_T(0, c00, c01, c02) LORA__D1A2_T(1, c10, c11, c12) LORA__D1A2_T(2, c20, c21, c22) LORA__D1A2_T(3, c30, c31, c32)
#undef LORA__D1A2_T
            lora__store_tile_fma(t, 24, C, rs_c, cs_c, m, n, alpha, beta);
        }
    }
}

/* 4 vectors -> their 4 horizontal sums, in a fixed order */
LORA__TARGET_AVX2 static __m128 lora__hsum4_avx2(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* d2 (dot products): C[m x n] (m <= 3, n <= 4) = alpha * sum_k A[i * lda + k] Bt[j * ldbt + k] + beta * C,
   both operands contiguous along k. */
LORA__TARGET_AVX2 static void lora__d2_avx2(int K, const float *A, long lda, const float *Bt, long ldbt,
                                            float *C, long ldc, int m, int n, float alpha, float beta) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
           c20 = c00, c21 = c00, c22 = c00, c23 = c00, x0, x1, x2, y;
    const float *a0 = A, *a1 = A + (m > 1 ? 1 : 0) * lda, *a2 = A + (m > 2 ? 2 : 0) * lda;
    const float *b0 = Bt, *b1 = Bt + (n > 1 ? 1 : 0) * ldbt, *b2 = Bt + (n > 2 ? 2 : 0) * ldbt, *b3 = Bt + (n > 3 ? 3 : 0) * ldbt;
    float t[3 * 4];
    int k = 0;
#define LORA__D2A2_COL(b, z0, z1, z2, LOAD) y = LOAD(b + k); z0 = _mm256_fmadd_ps(x0, y, z0); \
    z1 = _mm256_fmadd_ps(x1, y, z1); z2 = _mm256_fmadd_ps(x2, y, z2);
    for (; k + 8 <= K; k += 8) {
        x0 = _mm256_loadu_ps(a0 + k); x1 = _mm256_loadu_ps(a1 + k); x2 = _mm256_loadu_ps(a2 + k);
        LORA__D2A2_COL(b0, c00, c10, c20, _mm256_loadu_ps) LORA__D2A2_COL(b1, c01, c11, c21, _mm256_loadu_ps)
        LORA__D2A2_COL(b2, c02, c12, c22, _mm256_loadu_ps) LORA__D2A2_COL(b3, c03, c13, c23, _mm256_loadu_ps)
    }
    if (k < K) {
        const __m256i mk = _mm256_cmpgt_epi32(_mm256_set1_epi32(K - k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
#define LORA__D2A2_ML(p) _mm256_maskload_ps(p, mk)
        x0 = LORA__D2A2_ML(a0 + k); x1 = LORA__D2A2_ML(a1 + k); x2 = LORA__D2A2_ML(a2 + k);
        LORA__D2A2_COL(b0, c00, c10, c20, LORA__D2A2_ML) LORA__D2A2_COL(b1, c01, c11, c21, LORA__D2A2_ML)
        LORA__D2A2_COL(b2, c02, c12, c22, LORA__D2A2_ML) LORA__D2A2_COL(b3, c03, c13, c23, LORA__D2A2_ML)
#undef LORA__D2A2_ML
    }
#undef LORA__D2A2_COL
    _mm_storeu_ps(t, lora__hsum4_avx2(c00, c01, c02, c03));
    _mm_storeu_ps(t + 4, lora__hsum4_avx2(c10, c11, c12, c13));
    _mm_storeu_ps(t + 8, lora__hsum4_avx2(c20, c21, c22, c23));
    lora__store_tile_fma(t, 4, C, ldc, 1, m, n, alpha, beta);
}

static const lora__gemm_cfg lora__cfg_avx2 = { LORA__A2_MR, LORA__A2_NR, 512, 256, 768, 4096, lora__kern_avx2, lora__pack_avx,
    lora__d1_avx2, 4, 384, lora__d2_avx2, 3, 4, NULL, 0, 0, NULL };
#endif

/* ---------------- AVX-512: 12 x 32 ---------------- */
#ifdef LORA__HAVE_AVX512
#define LORA__A5_MR 12
#define LORA__A5_NR 32
#define LORA__A5_CPF 48 /* k steps (~12 cycles each) before the end when the C tile is fetched into L1 */
/* One 12-row panel from rows contiguous along k (A of X W and X W^T):
   out[k * 12 + x] = S[x * sx + k] for x < nx (<= 12), zero for x >= nx. 16 k at a time: a
   128-bit block transpose of each 4 rows gives, per 4 k, three registers holding rows 0-3,
   4-7 and 8-11 (lane 4 * (x % 4) + k % 4); two permutes make each of the 3 output registers
   (4 k x 12 rows). Per 16 k: 12 loads, 12 stores and 48 shuffles, where the 8x8 + 4x4 AVX
   transposes took 32, 32 (unaligned, half split across lines) and about 80. */
/* the 16 k (km: those to read) from S (rows x < nx, sx apart) into o[k * 12 + x], 192 floats */
LORA__TARGET_AVX512 static inline __attribute__((always_inline)) void lora__t12_block_avx512(const float *S, long sx, int nx,
                                                                                         __mmask16 km, float *o) {
    /* lane l of output register j is flat index f = 16 j + l of the 4 k x 12 block: k = f / 12,
       row x = f % 12, found in group register x / 4 at lane 4 (x % 4) + k; i_ab picks from
       groups 0 and 1 (index + 16 for group 1), then m_c's lanes are taken from group 2 */
    const __m512i i_ab0 = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 1, 5, 9, 13),
                  i_ab1 = _mm512_setr_epi32(17, 21, 25, 29, 0, 0, 0, 0, 2, 6, 10, 14, 18, 22, 26, 30),
                  i_ab2 = _mm512_setr_epi32(0, 0, 0, 0, 3, 7, 11, 15, 19, 23, 27, 31, 0, 0, 0, 0);
    const __m512i i_c0 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 12, 0, 0, 0, 0),
                  i_c1 = _mm512_setr_epi32(0, 0, 0, 0, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0),
                  i_c2 = _mm512_setr_epi32(2, 6, 10, 14, 0, 0, 0, 0, 0, 0, 0, 0, 3, 7, 11, 15);
    __m512 r0, r1, r2, r3, t0, t1, t2, t3, a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3;
/* row x (zero past nx: a fully masked load reads nothing) */
#define LORA__T12_LD(x) _mm512_maskz_loadu_ps((x) < nx ? km : 0, S + (long)((x) < nx ? (x) : 0) * sx)
/* 128-bit block transpose of 4 rows: g_l = rows' k-block l */
#define LORA__T12_GRP(x, g0, g1, g2, g3) \
    r0 = LORA__T12_LD(x); r1 = LORA__T12_LD(x + 1); r2 = LORA__T12_LD(x + 2); r3 = LORA__T12_LD(x + 3); \
    t0 = _mm512_shuffle_f32x4(r0, r1, 0x44); t1 = _mm512_shuffle_f32x4(r0, r1, 0xee); \
    t2 = _mm512_shuffle_f32x4(r2, r3, 0x44); t3 = _mm512_shuffle_f32x4(r2, r3, 0xee); \
    g0 = _mm512_shuffle_f32x4(t0, t2, 0x88); g1 = _mm512_shuffle_f32x4(t0, t2, 0xdd); \
    g2 = _mm512_shuffle_f32x4(t1, t3, 0x88); g3 = _mm512_shuffle_f32x4(t1, t3, 0xdd);
#define LORA__T12_OUT1(p, ab, mc, ic, a, b, c) \
    _mm512_storeu_ps(p, _mm512_mask_permutexvar_ps(_mm512_permutex2var_ps(a, ab, b), mc, ic, c));
#define LORA__T12_OUT(l, a, b, c) LORA__T12_OUT1(o + 48 * (l), i_ab0, 0x0f00, i_c0, a, b, c) \
    LORA__T12_OUT1(o + 48 * (l) + 16, i_ab1, 0x00f0, i_c1, a, b, c) LORA__T12_OUT1(o + 48 * (l) + 32, i_ab2, 0xf00f, i_c2, a, b, c)
    LORA__T12_GRP(0, a0, a1, a2, a3)
    LORA__T12_GRP(4, b0, b1, b2, b3)
    LORA__T12_GRP(8, c0, c1, c2, c3)
    LORA__T12_OUT(0, a0, b0, c0) LORA__T12_OUT(1, a1, b1, c1) LORA__T12_OUT(2, a2, b2, c2) LORA__T12_OUT(3, a3, b3, c3)
#undef LORA__T12_LD
#undef LORA__T12_GRP
#undef LORA__T12_OUT1
#undef LORA__T12_OUT
}
LORA__TARGET_AVX512 static void lora__pack_panel_t12_avx512(const float *S, long sx, int nx, int kc, float *out) {
    int k;
    for (k = 0; k < kc; k += 16) {
        const int kr = kc - k < 16 ? kc - k : 16;
        float tmp[192] LORA__ALIGNED64;
        lora__t12_block_avx512(S + k, sx, nx, (__mmask16)(kr == 16 ? 0xffff : (1u << kr) - 1), kr == 16 ? out + (long)k * 12 : tmp);
        if (kr < 16) memcpy(out + (long)k * 12, tmp, (size_t)kr * 12 * sizeof(float));
    }
}
/* one source row of a side job: 4 panels' 12 floats (48 contiguous floats, 3 whole cache
   lines when aligned) into the 4 panels, pstride floats apart */
LORA__TARGET_AVX512 static inline __attribute__((always_inline)) void lora__side_row_avx512(const float *src, float *dst, long pstride) {
#define LORA__ALIGNR(b, a, s) _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(b), _mm512_castps_si512(a), s))
    const __m512 x0 = _mm512_loadu_ps(src), x1 = _mm512_loadu_ps(src + 16), x2 = _mm512_loadu_ps(src + 32);
    _mm512_mask_storeu_ps(dst, 0x0fff, x0);
    _mm512_mask_storeu_ps(dst + pstride, 0x0fff, LORA__ALIGNR(x1, x0, 12));
    _mm512_mask_storeu_ps(dst + 2 * pstride, 0x0fff, LORA__ALIGNR(x2, x1, 8));
    _mm512_mask_storeu_ps(dst + 3 * pstride, 0x0fff, LORA__ALIGNR(x2, x2, 4));
#undef LORA__ALIGNR
}
#ifndef LORA__SIDE_PF1
#define LORA__SIDE_PF1 6  /* side job rows prefetched into L1 ahead (rows 4 KB apart share a set) */
#endif
#ifndef LORA__SIDE_PF2
#define LORA__SIDE_PF2 40 /* ... and towards L2 */
#endif
#ifndef LORA__SIDE_PF3
#define LORA__SIDE_PF3 2  /* 16-k blocks of rows contiguous along k prefetched ahead */
#endif
/* The kernel may also carry a side job (see lora__side_job): copy `rows` source rows of a
   group of 4 transposed-A panels into their packed form, row j being the 48 floats at
   src + j * stride, which go to row j (dst + j * 12) of the 4 panels, pstride floats apart;
   one row every kc / rows k steps, so that the loads are spread over the call. The copies use
   load and store slots the FMAs leave idle and their rows are prefetched ahead: packing
   transposed A, 5-8 % of a 3072 x 768 x 512 TN product as a loop of its own (mostly waiting
   for the strided source), then costs about 1 % of the kernel calls that carry it (that is
   LORA__SIDE_TRANS_A). LORA__SIDE_ROWS_A copies `rows` 16-k blocks of one 12-row panel whose rows are contiguous along k instead (A
   of X W and dY W^T): block j is the 16 k at src + 16 j of the rows src + x * stride (x < 12),
   written as the packed panel's rows 16 j ... 16 j + 15 (dst + 192 j); pstride unused.
   LORA__SIDE_NONE / rows = 0: none (the compiler drops it from the plain kernel). */
LORA__TARGET_AVX512 static inline __attribute__((always_inline)) void lora__kern_avx512_body(
        int kc, const float *LORA__RESTRICT Ap, const float *LORA__RESTRICT Bp, float *C, long rs_c, long cs_c,
        int m, int n, float alpha, float beta, enum lora__side_kind kind, const float *src, long stride, int rows, float *dst,
        long pstride) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00,
           c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00,
           c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
    int k, k_c = kc > LORA__A5_CPF ? kc - LORA__A5_CPF : 0, i;
    /* The C tile: towards L2 now, into L1 LORA__A5_CPF steps before the end (fetched into L1
       now, the A and B streams would evict it before use; with beta != 0 its loads then stall) */
    if (cs_c == 1)
        for (i = 0; i < m; i++) lora__prefetch_l2(C + i * rs_c, n);
#define LORA__A5_STEP { \
        __m512 b0 = _mm512_load_ps(Bp), b1 = _mm512_load_ps(Bp + 16), a; \
        _mm_prefetch((const char *)(Bp + 32 * 8), _MM_HINT_T0); \
        _mm_prefetch((const char *)(Bp + 32 * 8 + 16), _MM_HINT_T0); \
        _mm_prefetch((const char *)(Ap + 768), _MM_HINT_T0); /* A panel (L1 after the first call, not always) */ \
        LORA__A5_ROW(0, c00, c01) LORA__A5_ROW(1, c10, c11) LORA__A5_ROW(2, c20, c21) \
        LORA__A5_ROW(3, c30, c31) LORA__A5_ROW(4, c40, c41) LORA__A5_ROW(5, c50, c51) \
        LORA__A5_ROW(6, c60, c61) LORA__A5_ROW(7, c70, c71) LORA__A5_ROW(8, c80, c81) \
        LORA__A5_ROW(9, c90, c91) LORA__A5_ROW(10, ca0, ca1) LORA__A5_ROW(11, cb0, cb1) \
        Ap += LORA__A5_MR; Bp += LORA__A5_NR; }
#define LORA__A5_ROW(i, x0, x1) a = _mm512_set1_ps(Ap[i]); x0 = _mm512_fmadd_ps(a, b0, x0); x1 = _mm512_fmadd_ps(a, b1, x1);
#define LORA__A5_SIDE { \
        if (kind == LORA__SIDE_TRANS_A) { \
            lora__side_row_avx512(src, dst, pstride); \
            lora__prefetch_l2((const float *)((uintptr_t)src + (uintptr_t)(LORA__SIDE_PF2 * stride * 4)), 12 * LORA__SIDE_G); \
            lora__prefetch_l1((const float *)((uintptr_t)src + (uintptr_t)(LORA__SIDE_PF1 * stride * 4)), 12 * LORA__SIDE_G); \
            src += stride; dst += 12; \
        } else { /* LORA__SIDE_ROWS_A */ \
            int x_; \
            lora__t12_block_avx512(src, stride, 12, 0xffff, dst); \
            for (x_ = 0; x_ < 12; x_++) LORA__PREFETCH_AHEAD(src + x_ * stride, 64 * LORA__SIDE_PF3); \
            src += 16; dst += 192; \
        } }
    if (rows > 0) {
        /* one side row every `every` k steps: the source rows are spread over the call */
        const int every = rows < kc ? kc / rows : 1;
        int done = 0, cpf = 0;
        for (k = 0; k < kc;) {
            const int k_end = kc - k < every ? kc : k + every;
            if (done < rows) { LORA__A5_SIDE done++; }
            if (!cpf && k_end > k_c) {
                if (cs_c == 1)
                    for (i = 0; i < m; i++) lora__prefetch_l1(C + i * rs_c, n);
                cpf = 1;
            }
            for (; k < k_end; k++) LORA__A5_STEP
        }
        for (; done < rows; done++) LORA__A5_SIDE
    } else {
        for (k = 0; k < k_c; k++) LORA__A5_STEP
        if (cs_c == 1)
            for (i = 0; i < m; i++) lora__prefetch_l1(C + i * rs_c, n);
        for (; k < kc; k++) LORA__A5_STEP
    }
#undef LORA__A5_SIDE
#undef LORA__A5_STEP
    if (cs_c == 1) {
        __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
        __mmask16 k0 = (__mmask16)(n >= 16 ? 0xffff : (1u << n) - 1);
        __mmask16 k1 = (__mmask16)(n >= 32 ? 0xffff : n <= 16 ? 0 : (1u << (n - 16)) - 1);
        const int mode = LORA__STORE_MODE(beta, n == LORA__A5_NR);
#define LORA__A5_ST(i, x0, x1) if ((i) < m) { float *r = C + (i) * rs_c; \
            if (mode == LORA__STORE_FULL_BETA0) { _mm512_storeu_ps(r, _mm512_mul_ps(va, x0)); \
                _mm512_storeu_ps(r + 16, _mm512_mul_ps(va, x1)); } \
            else if (mode == LORA__STORE_FULL_BETA1) { _mm512_storeu_ps(r, _mm512_fmadd_ps(va, x0, _mm512_loadu_ps(r))); \
                _mm512_storeu_ps(r + 16, _mm512_fmadd_ps(va, x1, _mm512_loadu_ps(r + 16))); } \
            else if (mode == LORA__STORE_FULL_BETAX) { _mm512_storeu_ps(r, _mm512_fmadd_ps(va, x0, _mm512_mul_ps(vb, _mm512_loadu_ps(r)))); \
                _mm512_storeu_ps(r + 16, _mm512_fmadd_ps(va, x1, _mm512_mul_ps(vb, _mm512_loadu_ps(r + 16)))); } \
            else if (mode == LORA__STORE_MASKED_BETA0) { _mm512_mask_storeu_ps(r, k0, _mm512_mul_ps(va, x0)); \
                _mm512_mask_storeu_ps(r + 16, k1, _mm512_mul_ps(va, x1)); } \
            else if (mode == LORA__STORE_MASKED_BETA1) { _mm512_mask_storeu_ps(r, k0, _mm512_fmadd_ps(va, x0, _mm512_maskz_loadu_ps(k0, r))); \
                _mm512_mask_storeu_ps(r + 16, k1, _mm512_fmadd_ps(va, x1, _mm512_maskz_loadu_ps(k1, r + 16))); } \
            else { /* LORA__STORE_MASKED_BETAX */ \
                _mm512_mask_storeu_ps(r, k0, _mm512_fmadd_ps(va, x0, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(k0, r)))); \
                _mm512_mask_storeu_ps(r + 16, k1, _mm512_fmadd_ps(va, x1, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(k1, r + 16)))); } }
        LORA__A5_ST(0, c00, c01) LORA__A5_ST(1, c10, c11) LORA__A5_ST(2, c20, c21)
        LORA__A5_ST(3, c30, c31) LORA__A5_ST(4, c40, c41) LORA__A5_ST(5, c50, c51)
        LORA__A5_ST(6, c60, c61) LORA__A5_ST(7, c70, c71) LORA__A5_ST(8, c80, c81)
        LORA__A5_ST(9, c90, c91) LORA__A5_ST(10, ca0, ca1) LORA__A5_ST(11, cb0, cb1)
    } else {
        float t[LORA__A5_MR * LORA__A5_NR] LORA__ALIGNED64;
#define LORA__A5_T(i, x0, x1) _mm512_store_ps(t + (i) * 32, x0); _mm512_store_ps(t + (i) * 32 + 16, x1);
        LORA__A5_T(0, c00, c01) LORA__A5_T(1, c10, c11) LORA__A5_T(2, c20, c21)
        LORA__A5_T(3, c30, c31) LORA__A5_T(4, c40, c41) LORA__A5_T(5, c50, c51)
        LORA__A5_T(6, c60, c61) LORA__A5_T(7, c70, c71) LORA__A5_T(8, c80, c81)
        LORA__A5_T(9, c90, c91) LORA__A5_T(10, ca0, ca1) LORA__A5_T(11, cb0, cb1)
        lora__store_tile_fma(t, LORA__A5_NR, C, rs_c, cs_c, m, n, alpha, beta);
    }
}
LORA__TARGET_AVX512 static void lora__kern_avx512(int kc, const float *LORA__RESTRICT Ap, const float *LORA__RESTRICT Bp,
                                                  float *C, long rs_c, long cs_c, int m, int n, float alpha, float beta) {
    lora__kern_avx512_body(kc, Ap, Bp, C, rs_c, cs_c, m, n, alpha, beta, LORA__SIDE_NONE, NULL, 0, 0, NULL, 0);
}
LORA__TARGET_AVX512 static void lora__kern_side_avx512(enum lora__side_kind kind, int kc, const float *Ap, const float *Bp, float *C,
                                                       long rs_c, long cs_c, int m, int n, float alpha, float beta,
                                                       const float *src, long stride, int rows, float *dst, long pstride) {
    lora__kern_avx512_body(kc, Ap, Bp, C, rs_c, cs_c, m, n, alpha, beta, kind, src, stride, rows, dst, pstride);
}
/* packing with 512-bit copies (the transposing case reuses the AVX code) */
#define LORA__PFD 16 /* rows of S prefetched ahead when copying */
/* source rows are far apart: while copying row k, fetch row k + LORA__PFD */
static void lora__prefetch_row_ahead(const float *s, long sk, int nx, int k, int kc) {
    if (k + LORA__PFD < kc) lora__prefetch_l1(s + LORA__PFD * sk, nx);
}
LORA__TARGET_AVX512 static void lora__pack_avx512(const float *S, long sx, long sk, int nx, int kc, int W, float *out) {
    int k, p, k_first = 0; /* rows before k_first packed already (W == 12) */
    if (sx != 1 && sk == 1 && W == 12) {
        for (p = 0; p < nx; p += 12, out += (long)kc * 12, S += 12 * sx)
            lora__pack_panel_t12_avx512(S, sx, nx - p < 12 ? nx - p : 12, kc, out);
        return;
    }
    if (sx != 1) { lora__pack_avx(S, sx, sk, nx, kc, W, out); return; }
    if (W == 12) {
        /* the 12-row A panels: 4 panel rows (48 floats, whole cache lines when kc % 4 == 0)
           as 3 16-float stores, put together with two-source permutes (a 16-float store per
           row would split 3 in 4 across cache lines: measured 2 % of a whole 3072x768x512 TN
           product); the last kc % 4 rows go through the narrow-panel loop below */
        const __m512i i0 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19);
        const __m512i i1 = _mm512_setr_epi32(4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23);
        const __m512i i2 = _mm512_setr_epi32(8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27);
        const int k4 = kc & ~3;
        for (k = 0; k < k4; k += 4) {
            const float *s = S + k * sk;
            float *o = out + (long)k * 12;
            lora__prefetch_row_ahead(s, sk, nx, k, kc);
            lora__prefetch_row_ahead(s + sk, sk, nx, k + 1, kc);
            lora__prefetch_row_ahead(s + 2 * sk, sk, nx, k + 2, kc);
            lora__prefetch_row_ahead(s + 3 * sk, sk, nx, k + 3, kc);
            for (p = 0; p < nx; p += 12, o += (long)kc * 12) {
                int v = nx - p;
                const __mmask16 lm = (__mmask16)(v >= 12 ? 0x0fff : (1u << v) - 1);
                __m512 r0 = _mm512_maskz_loadu_ps(lm, s + p), r1 = _mm512_maskz_loadu_ps(lm, s + sk + p),
                       r2 = _mm512_maskz_loadu_ps(lm, s + 2 * sk + p), r3 = _mm512_maskz_loadu_ps(lm, s + 3 * sk + p);
                _mm512_storeu_ps(o, _mm512_permutex2var_ps(r0, i0, r1));
                _mm512_storeu_ps(o + 16, _mm512_permutex2var_ps(r1, i1, r2));
                _mm512_storeu_ps(o + 32, _mm512_permutex2var_ps(r2, i2, r3));
            }
        }
        k_first = k4;
    }
    if (W < 16) {
        /* other narrow panels: one 16-float store per panel row; its extra lanes spill into
           the next rows of the panel, which later k overwrite (masked stores, slow on some
           cores, only for the last rows, whose spill would leave the panel: the last one for
           W >= 8, more below; tests/test_internal_pack.c caught W < 8 overwriting the next
           panel's first rows) */
        const __mmask16 wm = (__mmask16)((1u << W) - 1);
        const int spill_rows = (16 - 1) / W; /* rows after this one that a 16-float store reaches */
        for (k = k_first; k < kc; k++) {
            const float *s = S + k * sk;
            float *o = out + (long)k * W;
            lora__prefetch_row_ahead(s, sk, nx, k, kc);
            for (p = 0; p < nx; p += W, o += (long)kc * W) {
                int v = nx - p;
                __m512 x = _mm512_maskz_loadu_ps(v >= W ? wm : (__mmask16)((1u << v) - 1), s + p);
                if (k + spill_rows < kc) _mm512_storeu_ps(o, x);
                else _mm512_mask_storeu_ps(o, wm, x);
            }
        }
        return;
    }
    if (W != 32 && W != 16) {
        /* any width: each panel row as masked 16-float pieces (zero beyond nx) */
        for (k = 0; k < kc; k++) {
            const float *s = S + k * sk;
            float *o = out + (long)k * W;
            lora__prefetch_row_ahead(s, sk, nx, k, kc);
            for (p = 0; p < nx; p += W, o += (long)kc * W) {
                int x;
                for (x = 0; x < W; x += 16) {
                    int w = W - x < 16 ? W - x : 16, v = nx - p - x;
                    __mmask16 ms = (__mmask16)((1u << w) - 1), ml = (__mmask16)(v >= w ? ms : v <= 0 ? 0 : (1u << v) - 1);
                    _mm512_mask_storeu_ps(o + x, ms, _mm512_maskz_loadu_ps(ml, s + p + x));
                }
            }
        }
        return;
    }
    for (k = 0; k < kc; k++) {
        const float *s = S + k * sk;
        float *o = out + (long)k * W;
        lora__prefetch_row_ahead(s, sk, nx, k, kc);
        if (W == 32) {
            for (p = 0; p + 32 <= nx; p += 32, o += (long)kc * 32) {
                __m512 a = _mm512_loadu_ps(s + p), b = _mm512_loadu_ps(s + p + 16);
                _mm512_store_ps(o, a);
                _mm512_store_ps(o + 16, b);
            }
            if (p < nx) {
                int w = nx - p;
                __mmask16 m0 = (__mmask16)(w >= 16 ? 0xffff : (1u << w) - 1), m1 = (__mmask16)(w <= 16 ? 0 : (1u << (w - 16)) - 1);
                _mm512_store_ps(o, _mm512_maskz_loadu_ps(m0, s + p));
                _mm512_store_ps(o + 16, _mm512_maskz_loadu_ps(m1, s + p + 16));
            }
        } else {
            for (p = 0; p + 16 <= nx; p += 16, o += (long)kc * 16) _mm512_store_ps(o, _mm512_loadu_ps(s + p));
            if (p < nx) _mm512_store_ps(o, _mm512_maskz_loadu_ps((__mmask16)((1u << (nx - p)) - 1), s + p));
        }
    }
}
/* Direct (unpacked) kernels for skinny products, where packing does not pay.
   d1: C[m x n] (m <= 8, any n, in tiles of 8 x 48) = alpha * sum_k U(i,k) V[k * v_rk + j] + beta * C,
       with U(i,k) = U[i * u_ri + k * u_ck] broadcast and V read in place (rows
       contiguous along j). Rows past m and columns past n are never read.
       V is usually cold (an activation or gradient last touched many products ago, 1.5-6 MB):
       K goes in chunks of LORA__D1_KB rows, each chunk over every 48-column tile of the call
       (up to 384 columns) with the tile's sums carried in acc, so V is fetched in whole row
       runs, a chunk ahead (prefetched towards L2 while the chunk before computes). Every sum
       still runs over k in order, in one accumulator: the results do not change. */
#define LORA__D1_KB 32
LORA__TARGET_AVX512 static void lora__d1_avx512(int K, const float *U, long u_ri, long u_ck, const float *V0, long v_rk,
                                                float *C0, long rs_c, long cs_c, int m, int n_all, float alpha, float beta) {
    const float *u0 = U, *u1 = U + (m > 1 ? 1 : 0) * u_ri, *u2 = U + (m > 2 ? 2 : 0) * u_ri, *u3 = U + (m > 3 ? 3 : 0) * u_ri,
                *u4 = U + (m > 4 ? 4 : 0) * u_ri, *u5 = U + (m > 5 ? 5 : 0) * u_ri, *u6 = U + (m > 6 ? 6 : 0) * u_ri,
                *u7 = U + (m > 7 ? 7 : 0) * u_ri;
    float acc[8 * 384] LORA__ALIGNED64;
    int nb, kb0, j0, k;
    for (nb = 0; nb < n_all; nb += 384) { /* column blocks of at most 384 (the acc buffer) */
    const int n_blk = n_all - nb < 384 ? n_all - nb : 384;
    /* the first chunk of V towards L2 (cold V, e.g. activations read once); with K in one chunk
       V is small and reused by every row tile (a rank-r update), so already cached */
    if (K > LORA__D1_KB) for (k = 0; k < LORA__D1_KB; k++) lora__prefetch_l2(V0 + (long)k * v_rk + nb, n_blk);
    for (kb0 = 0; kb0 < K; kb0 += LORA__D1_KB) {
    const int kb1 = K - kb0 < LORA__D1_KB ? K : kb0 + LORA__D1_KB, last = kb1 == K;
    for (j0 = nb; j0 < nb + n_blk; j0 += 48) { /* 48-column tiles */
    const float *V = V0 + (long)kb0 * v_rk + j0;
    float *C = C0 + j0 * cs_c, *a_t = acc + (j0 - nb) * 8;
    int n = nb + n_blk - j0 < 48 ? nb + n_blk - j0 : 48;
    __m512 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52,
           c60, c61, c62, c70, c71, c72;
    __mmask16 k0 = (__mmask16)(n >= 16 ? 0xffff : (1u << n) - 1);
    __mmask16 k1 = (__mmask16)(n >= 32 ? 0xffff : n <= 16 ? 0 : (1u << (n - 16)) - 1);
    __mmask16 k2 = (__mmask16)(n >= 48 ? 0xffff : n <= 32 ? 0 : (1u << (n - 32)) - 1);
    /* the next chunk's rows of this tile: prefetched one row per k step */
    const long pf_rows = K - kb1 < LORA__D1_KB ? K - kb1 : LORA__D1_KB;
    long ko = (long)kb0 * u_ck;
    if (kb0 == 0) {
        c00 = _mm512_setzero_ps(); c01 = c00; c02 = c00; c10 = c00; c11 = c00; c12 = c00; c20 = c00; c21 = c00;
        c22 = c00; c30 = c00; c31 = c00; c32 = c00; c40 = c00; c41 = c00; c42 = c00; c50 = c00; c51 = c00;
        c52 = c00; c60 = c00; c61 = c00; c62 = c00; c70 = c00; c71 = c00; c72 = c00;
    } else {
#define LORA__D1_LD(i, x0, x1, x2) x0 = _mm512_load_ps(a_t + (i) * 48); x1 = _mm512_load_ps(a_t + (i) * 48 + 16); \
        x2 = _mm512_load_ps(a_t + (i) * 48 + 32);
        LORA__D1_LD(0, c00, c01, c02) LORA__D1_LD(1, c10, c11, c12) LORA__D1_LD(2, c20, c21, c22)
        LORA__D1_LD(3, c30, c31, c32) LORA__D1_LD(4, c40, c41, c42) LORA__D1_LD(5, c50, c51, c52)
        LORA__D1_LD(6, c60, c61, c62) LORA__D1_LD(7, c70, c71, c72)
    }
    if (last && cs_c == 1) {
        /* the C tile into L1. With K in one chunk (a rank-r update, K <= 32: few k steps per
           tile) that is too late when C comes from L3 or memory: there, fetch this tile before
           the first strip and the next strip's lines during each (+15-29 % for K = 12-16) */
        int i;
        if (j0 == nb || K > LORA__D1_KB) for (i = 0; i < m; i++) lora__prefetch_l1(C + i * rs_c, n);
        if (K <= LORA__D1_KB)
            for (i = 0; i < m; i++) LORA__PREFETCH_NEXT_STRIP(C + i * rs_c);
    }
    for (k = kb0; k < kb1; k++, V += v_rk, ko += u_ck) {
        __m512 b0 = _mm512_maskz_loadu_ps(k0, V), b1 = _mm512_maskz_loadu_ps(k1, V + 16), b2 = _mm512_maskz_loadu_ps(k2, V + 32), a;
        /* (past the next chunk's last row: V itself again, in cache, cheaper than a branch) */
        const float *pf = k - kb0 < pf_rows ? V + LORA__D1_KB * v_rk : V;
        LORA__PREFETCH_AHEAD_L2(pf, 0); LORA__PREFETCH_AHEAD_L2(pf, 64); LORA__PREFETCH_AHEAD_L2(pf, 128);
#define LORA__D1_ROW(u, x0, x1, x2) a = _mm512_set1_ps(u[ko]); x0 = _mm512_fmadd_ps(a, b0, x0); \
        x1 = _mm512_fmadd_ps(a, b1, x1); x2 = _mm512_fmadd_ps(a, b2, x2);
        LORA__D1_ROW(u0, c00, c01, c02) LORA__D1_ROW(u1, c10, c11, c12) LORA__D1_ROW(u2, c20, c21, c22)
        LORA__D1_ROW(u3, c30, c31, c32) LORA__D1_ROW(u4, c40, c41, c42) LORA__D1_ROW(u5, c50, c51, c52)
        LORA__D1_ROW(u6, c60, c61, c62) LORA__D1_ROW(u7, c70, c71, c72)
    }
    if (!last || cs_c != 1) {
        /* the sums to acc: carried to the next chunk, or (transposed C) stored from there */
#define LORA__D1_T(i, x0, x1, x2) _mm512_store_ps(a_t + (i) * 48, x0); _mm512_store_ps(a_t + (i) * 48 + 16, x1); \
        _mm512_store_ps(a_t + (i) * 48 + 32, x2);
        LORA__D1_T(0, c00, c01, c02) LORA__D1_T(1, c10, c11, c12) LORA__D1_T(2, c20, c21, c22)
        LORA__D1_T(3, c30, c31, c32) LORA__D1_T(4, c40, c41, c42) LORA__D1_T(5, c50, c51, c52)
        LORA__D1_T(6, c60, c61, c62) LORA__D1_T(7, c70, c71, c72)
        if (last) lora__store_tile_fma(a_t, 48, C, rs_c, cs_c, m, n, alpha, beta);
    } else {
        __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
        const int mode = LORA__STORE_MODE(beta, n == 48);
#define LORA__D1_ONE(r, x, km) if (mode == LORA__STORE_FULL_BETA0) _mm512_storeu_ps(r, _mm512_mul_ps(va, x)); \
        else if (mode == LORA__STORE_FULL_BETA1) _mm512_storeu_ps(r, _mm512_fmadd_ps(va, x, _mm512_loadu_ps(r))); \
        else if (mode == LORA__STORE_FULL_BETAX) _mm512_storeu_ps(r, _mm512_fmadd_ps(va, x, _mm512_mul_ps(vb, _mm512_loadu_ps(r)))); \
        else if (mode == LORA__STORE_MASKED_BETA0) _mm512_mask_storeu_ps(r, km, _mm512_mul_ps(va, x)); \
        else if (mode == LORA__STORE_MASKED_BETA1) _mm512_mask_storeu_ps(r, km, _mm512_fmadd_ps(va, x, _mm512_maskz_loadu_ps(km, r))); \
        else /* LORA__STORE_MASKED_BETAX */ _mm512_mask_storeu_ps(r, km, _mm512_fmadd_ps(va, x, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(km, r))));
#define LORA__D1_ST(i, x0, x1, x2) if ((i) < m) { float *r = C + (i) * rs_c; LORA__D1_ONE(r, x0, k0) \
        if (k1) { LORA__D1_ONE(r + 16, x1, k1) } if (k2) { LORA__D1_ONE(r + 32, x2, k2) } }
        LORA__D1_ST(0, c00, c01, c02) LORA__D1_ST(1, c10, c11, c12) LORA__D1_ST(2, c20, c21, c22)
        LORA__D1_ST(3, c30, c31, c32) LORA__D1_ST(4, c40, c41, c42) LORA__D1_ST(5, c50, c51, c52)
        LORA__D1_ST(6, c60, c61, c62) LORA__D1_ST(7, c70, c71, c72)
    }
    }
    }
    }
}

/* 8 vectors -> their 8 horizontal sums, in a fixed order */
LORA__TARGET_AVX512 static __m256 lora__hsum8_avx512(__m512 v0, __m512 v1, __m512 v2, __m512 v3, __m512 v4, __m512 v5, __m512 v6, __m512 v7) {
#define LORA__FOLD(v) _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_castps512_ps256(_mm512_shuffle_f32x4(v, v, 0xee)))
    __m256 y0 = LORA__FOLD(v0), y1 = LORA__FOLD(v1), y2 = LORA__FOLD(v2), y3 = LORA__FOLD(v3),
           y4 = LORA__FOLD(v4), y5 = LORA__FOLD(v5), y6 = LORA__FOLD(v6), y7 = LORA__FOLD(v7);
    __m256 h01 = _mm256_hadd_ps(y0, y1), h23 = _mm256_hadd_ps(y2, y3), h45 = _mm256_hadd_ps(y4, y5), h67 = _mm256_hadd_ps(y6, y7);
    __m256 h0123 = _mm256_hadd_ps(h01, h23), h4567 = _mm256_hadd_ps(h45, h67);
    return _mm256_add_ps(_mm256_permute2f128_ps(h0123, h4567, 0x20), _mm256_permute2f128_ps(h0123, h4567, 0x31));
}

/* d2 (dot products): C[m x n] (m <= 3, n <= 8) = alpha * sum_k A[i * lda + k] Bt[j * ldbt + k] + beta * C,
   both operands contiguous along k. */
LORA__TARGET_AVX512 static void lora__d2_avx512(int K, const float *A, long lda, const float *Bt, long ldbt,
                                                float *C, long ldc, int m, int n, float alpha, float beta) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00, c06 = c00, c07 = c00,
           c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00, c16 = c00, c17 = c00,
           c20 = c00, c21 = c00, c22 = c00, c23 = c00, c24 = c00, c25 = c00, c26 = c00, c27 = c00;
    const float *a0 = A, *a1 = A + (m > 1 ? 1 : 0) * lda, *a2 = A + (m > 2 ? 2 : 0) * lda;
    const float *b0 = Bt, *b1 = Bt + (n > 1 ? 1 : 0) * ldbt, *b2 = Bt + (n > 2 ? 2 : 0) * ldbt, *b3 = Bt + (n > 3 ? 3 : 0) * ldbt,
                *b4 = Bt + (n > 4 ? 4 : 0) * ldbt, *b5 = Bt + (n > 5 ? 5 : 0) * ldbt, *b6 = Bt + (n > 6 ? 6 : 0) * ldbt,
                *b7 = Bt + (n > 7 ? 7 : 0) * ldbt;
    __mmask8 km = (__mmask8)(n >= 8 ? 0xff : (1u << n) - 1);
    int k;
    for (k = 0; k < K; k += 16) {
        __mmask16 kk = (__mmask16)(K - k >= 16 ? 0xffff : (1u << (K - k)) - 1);
        __m512 x0 = _mm512_maskz_loadu_ps(kk, a0 + k), x1 = _mm512_maskz_loadu_ps(kk, a1 + k), x2 = _mm512_maskz_loadu_ps(kk, a2 + k), y;
        /* the A rows are usually cold (h = X A^T reads the layer input once): 1 KB ahead,
           1.3-1.6x at 2 threads when they come from memory, no change when cached (the
           hardware stream prefetcher alone runs 3 rows too slowly) */
        LORA__PREFETCH_AHEAD(a0 + k, 1024); LORA__PREFETCH_AHEAD(a1 + k, 1024); LORA__PREFETCH_AHEAD(a2 + k, 1024);
#define LORA__D2_COL(b, z0, z1, z2) y = _mm512_maskz_loadu_ps(kk, b + k); z0 = _mm512_fmadd_ps(x0, y, z0); \
        z1 = _mm512_fmadd_ps(x1, y, z1); z2 = _mm512_fmadd_ps(x2, y, z2);
        LORA__D2_COL(b0, c00, c10, c20) LORA__D2_COL(b1, c01, c11, c21) LORA__D2_COL(b2, c02, c12, c22)
        LORA__D2_COL(b3, c03, c13, c23) LORA__D2_COL(b4, c04, c14, c24) LORA__D2_COL(b5, c05, c15, c25)
        LORA__D2_COL(b6, c06, c16, c26) LORA__D2_COL(b7, c07, c17, c27)
    }
    {
        __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta), s[3];
        int i;
        s[0] = lora__hsum8_avx512(c00, c01, c02, c03, c04, c05, c06, c07);
        s[1] = lora__hsum8_avx512(c10, c11, c12, c13, c14, c15, c16, c17);
        s[2] = lora__hsum8_avx512(c20, c21, c22, c23, c24, c25, c26, c27);
        for (i = 0; i < m; i++) {
            float *r = C + i * ldc;
            __m256 v = _mm256_mul_ps(va, s[i]);
            if (beta == 1.0f) v = _mm256_fmadd_ps(va, s[i], _mm256_maskz_loadu_ps(km, r));
            else if (beta != 0.0f) v = _mm256_fmadd_ps(va, s[i], _mm256_mul_ps(vb, _mm256_maskz_loadu_ps(km, r)));
            _mm256_mask_storeu_ps(r, km, v);
        }
    }
}
/* d3 (rank-r updates, K <= 8): C[m x n] = alpha * sum_k U(i,k) V[k * v_rk + j] + beta * C, rows of C
   contiguous. Each 48-column strip of V (K x 3 vectors) stays in registers while the strip walks
   down the rows of C, so a row costs K broadcasts, 3K FMAs and one pass over its 48 floats of C:
   the product runs at the speed C streams through the core (y += h B^T, dx += dh A in LoRA). */
LORA__TARGET_AVX512 static void lora__d3_avx512(int K, const float *U, long u_ri, long u_ck, const float *V0, long v_rk,
                                                float *C0, long ldc, int m, int n_all, float alpha, float beta) {
    const __m512 z = _mm512_setzero_ps(), va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    int j0;
    for (j0 = 0; j0 < n_all; j0 += 48) {
        const int n = n_all - j0 < 48 ? n_all - j0 : 48;
        const __mmask16 k0 = (__mmask16)(n >= 16 ? 0xffff : (1u << n) - 1);
        const __mmask16 k1 = (__mmask16)(n >= 32 ? 0xffff : n <= 16 ? 0 : (1u << (n - 16)) - 1);
        const __mmask16 k2 = (__mmask16)(n >= 48 ? 0xffff : n <= 32 ? 0 : (1u << (n - 32)) - 1);
        const float *V = V0 + j0;
        float *C = C0 + j0;
        int i;
#define LORA__D3_V(k, x0, x1, x2) const __m512 x0 = K > k ? _mm512_maskz_loadu_ps(k0, V + k * v_rk) : z, \
            x1 = K > k ? _mm512_maskz_loadu_ps(k1, V + k * v_rk + 16) : z, x2 = K > k ? _mm512_maskz_loadu_ps(k2, V + k * v_rk + 32) : z;
        LORA__D3_V(0, v00, v01, v02) LORA__D3_V(1, v10, v11, v12) LORA__D3_V(2, v20, v21, v22) LORA__D3_V(3, v30, v31, v32)
        LORA__D3_V(4, v40, v41, v42) LORA__D3_V(5, v50, v51, v52) LORA__D3_V(6, v60, v61, v62) LORA__D3_V(7, v70, v71, v72)
#undef LORA__D3_V
        for (i = 0; i < m; i++) {
            const float *u = U + i * u_ri;
            float *r = C + i * ldc;
            __m512 a = _mm512_set1_ps(u[0]), c0 = _mm512_mul_ps(a, v00), c1 = _mm512_mul_ps(a, v01), c2 = _mm512_mul_ps(a, v02);
            /* C rows are far apart, and each 48-column strip reads new lines of them, from L3 or
               memory (in a training step C was last written many products earlier): fetch this
               row's next 48 columns one strip pass (m rows) ahead; the next tile's first strip is
               the same row's next columns. The first strip's own lines: 12 rows ahead (6 for the
               first 12 rows). Cold C: +50-80 % at 1 thread; cached: +3-6 %. */
            if (j0 == 0) {
                if (i + 12 < m) lora__prefetch_l1(r + 12 * ldc, n);
                if (i < 12 && i + 6 < m) lora__prefetch_l1(r + 6 * ldc, n);
            }
            LORA__PREFETCH_NEXT_STRIP(r);
#define LORA__D3_K(k, x0, x1, x2) if (K > k) { a = _mm512_set1_ps(u[k * u_ck]); c0 = _mm512_fmadd_ps(a, x0, c0); \
            c1 = _mm512_fmadd_ps(a, x1, c1); c2 = _mm512_fmadd_ps(a, x2, c2); }
            LORA__D3_K(1, v10, v11, v12) LORA__D3_K(2, v20, v21, v22) LORA__D3_K(3, v30, v31, v32) LORA__D3_K(4, v40, v41, v42)
            LORA__D3_K(5, v50, v51, v52) LORA__D3_K(6, v60, v61, v62) LORA__D3_K(7, v70, v71, v72)
#undef LORA__D3_K
            if (n == 48) {
                if (beta == 0.0f) {
                    _mm512_storeu_ps(r, _mm512_mul_ps(va, c0)); _mm512_storeu_ps(r + 16, _mm512_mul_ps(va, c1));
                    _mm512_storeu_ps(r + 32, _mm512_mul_ps(va, c2));
                } else if (beta == 1.0f) {
                    _mm512_storeu_ps(r, _mm512_fmadd_ps(va, c0, _mm512_loadu_ps(r)));
                    _mm512_storeu_ps(r + 16, _mm512_fmadd_ps(va, c1, _mm512_loadu_ps(r + 16)));
                    _mm512_storeu_ps(r + 32, _mm512_fmadd_ps(va, c2, _mm512_loadu_ps(r + 32)));
                } else {
                    _mm512_storeu_ps(r, _mm512_fmadd_ps(va, c0, _mm512_mul_ps(vb, _mm512_loadu_ps(r))));
                    _mm512_storeu_ps(r + 16, _mm512_fmadd_ps(va, c1, _mm512_mul_ps(vb, _mm512_loadu_ps(r + 16))));
                    _mm512_storeu_ps(r + 32, _mm512_fmadd_ps(va, c2, _mm512_mul_ps(vb, _mm512_loadu_ps(r + 32))));
                }
            } else {
#define LORA__D3_ST(off, x, km) if (km) { \
                if (beta == 0.0f) _mm512_mask_storeu_ps(r + off, km, _mm512_mul_ps(va, x)); \
                else if (beta == 1.0f) _mm512_mask_storeu_ps(r + off, km, _mm512_fmadd_ps(va, x, _mm512_maskz_loadu_ps(km, r + off))); \
                else _mm512_mask_storeu_ps(r + off, km, _mm512_fmadd_ps(va, x, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(km, r + off)))); }
                LORA__D3_ST(0, c0, k0) LORA__D3_ST(16, c1, k1) LORA__D3_ST(32, c2, k2)
#undef LORA__D3_ST
            }
        }
    }
}

static const lora__gemm_cfg lora__cfg_avx512 = { LORA__A5_MR, LORA__A5_NR, 512, 256, 3072, 4096, lora__kern_avx512, lora__pack_avx512,
    lora__d1_avx512, 8, 384, lora__d2_avx512, 3, 8, lora__d3_avx512, 32, 384, lora__kern_side_avx512 };
#endif

/* ---------------- NEON: 8 x 12 ---------------- */
#ifdef LORA__HAVE_NEON
#define LORA__N_MR 8
#define LORA__N_NR 12
/* C[m x n] = alpha * c + beta * C for an 8 x 12 tile of accumulators (m <= 8, n <= 12), one
   rounding per element: vectors for whole rows of contiguous C, a temporary tile otherwise */
static void lora__store_tile_neon(float32x4_t c[LORA__N_MR][3], float *C, long rs_c, long cs_c, int m, int n,
                                  float alpha, float beta) {
    int i, j;
    if (n == LORA__N_NR && cs_c == 1) {
        for (i = 0; i < m; i++) {
            float *r = C + i * rs_c;
            for (j = 0; j < 3; j++) {
                float32x4_t v = vmulq_n_f32(c[i][j], alpha);
                if (beta == 1.0f) v = vfmaq_n_f32(vld1q_f32(r + 4 * j), c[i][j], alpha);
                else if (beta != 0.0f) v = vfmaq_n_f32(vmulq_n_f32(vld1q_f32(r + 4 * j), beta), c[i][j], alpha);
                vst1q_f32(r + 4 * j, v);
            }
        }
    } else {
        float t[LORA__N_MR * LORA__N_NR];
        for (i = 0; i < LORA__N_MR; i++)
            for (j = 0; j < 3; j++) vst1q_f32(t + i * LORA__N_NR + 4 * j, c[i][j]);
        for (i = 0; i < m; i++)
            for (j = 0; j < n; j++) {
                float *p = C + i * rs_c + j * cs_c;
                *p = beta == 0.0f ? alpha * t[i * LORA__N_NR + j] : fmaf(alpha, t[i * LORA__N_NR + j], beta * *p);
            }
    }
}

static void lora__kern_neon(int kc, const float *LORA__RESTRICT Ap, const float *LORA__RESTRICT Bp,
                            float *C, long rs_c, long cs_c, int m, int n, float alpha, float beta) {
    float32x4_t c[LORA__N_MR][3];
    int i, k;
    for (i = 0; i < LORA__N_MR; i++) c[i][0] = c[i][1] = c[i][2] = vdupq_n_f32(0.0f);
    for (k = 0; k < kc; k++) {
        float32x4_t a0 = vld1q_f32(Ap), a1 = vld1q_f32(Ap + 4);
        float32x4_t b0 = vld1q_f32(Bp), b1 = vld1q_f32(Bp + 4), b2 = vld1q_f32(Bp + 8);
#define LORA__NE_ROW(i, av, l) c[i][0] = vfmaq_laneq_f32(c[i][0], b0, av, l); \
        c[i][1] = vfmaq_laneq_f32(c[i][1], b1, av, l); c[i][2] = vfmaq_laneq_f32(c[i][2], b2, av, l);
        LORA__NE_ROW(0, a0, 0) LORA__NE_ROW(1, a0, 1) LORA__NE_ROW(2, a0, 2) LORA__NE_ROW(3, a0, 3)
        LORA__NE_ROW(4, a1, 0) LORA__NE_ROW(5, a1, 1) LORA__NE_ROW(6, a1, 2) LORA__NE_ROW(7, a1, 3)
        Ap += LORA__N_MR; Bp += LORA__N_NR;
    }
    lora__store_tile_neon(c, C, rs_c, cs_c, m, n, alpha, beta);
}

static void lora__pack_panel_t_neon(const float *S, long sx, int nx, int kc, int W, float *out) {
    int x = 0, k;
    for (; x + 4 <= nx; x += 4) {
        const float *s = S + x * sx;
        for (k = 0; k + 4 <= kc; k += 4) {
            float32x4_t r0 = vld1q_f32(s + k), r1 = vld1q_f32(s + sx + k), r2 = vld1q_f32(s + 2 * sx + k), r3 = vld1q_f32(s + 3 * sx + k);
            float32x4_t t0 = vtrn1q_f32(r0, r1), t1 = vtrn2q_f32(r0, r1), t2 = vtrn1q_f32(r2, r3), t3 = vtrn2q_f32(r2, r3);
            float *o = out + (long)k * W + x;
            vst1q_f32(o, vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2))));
            vst1q_f32(o + W, vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3))));
            vst1q_f32(o + 2 * W, vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2))));
            vst1q_f32(o + 3 * W, vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3))));
        }
        for (; k < kc; k++) {
            int i;
            for (i = 0; i < 4; i++) out[(long)k * W + x + i] = s[i * sx + k];
        }
    }
    for (; x < nx; x++) {
        const float *s = S + x * sx;
        for (k = 0; k < kc; k++) out[(long)k * W + x] = s[k];
    }
    for (; x < W; x++)
        for (k = 0; k < kc; k++) out[(long)k * W + x] = 0.0f;
}

static void lora__pack_neon(const float *S, long sx, long sk, int nx, int kc, int W, float *out) {
    int x, k, p;
    if (sx == 1) {
        for (k = 0; k < kc; k++) {
            const float *s = S + k * sk;
            float *o = out + (long)k * W;
            for (p = 0; p < nx; p += W, o += (long)kc * W, s += W) {
                int w = nx - p < W ? nx - p : W;
                x = 0;
                for (; x + 4 <= w; x += 4) vst1q_f32(o + x, vld1q_f32(s + x));
                for (; x < w; x++) o[x] = s[x];
                for (; x < W; x++) o[x] = 0.0f;
            }
        }
        return;
    }
    if (sk != 1) { lora__pack_scalar(S, sx, sk, nx, kc, W, out); return; }
    for (p = 0; p < nx; p += W, out += (long)kc * W, S += W * sx)
        lora__pack_panel_t_neon(S, sx, nx - p < W ? nx - p : W, kc, W, out);
}
/* Direct kernels for skinny products (the AVX-512 d1 / d2 in 128-bit vectors).
   d1: C[m x n] (m <= 8, any n, in 12-column pieces) = alpha * sum_k U(i,k) V[k * v_rk + j] + beta * C. */
static void lora__d1_neon(int K, const float *U, long u_ri, long u_ck, const float *V0, long v_rk,
                          float *C0, long rs_c, long cs_c, int m, int n_all, float alpha, float beta) {
    const float *u[8];
    int i, j, j0, k;
    for (i = 0; i < 8; i++) u[i] = U + (i < m ? i : 0) * u_ri;
    for (j0 = 0; j0 < n_all; j0 += 12) {
        const int n = n_all - j0 < 12 ? n_all - j0 : 12;
        const float *V = V0 + j0;
        float *C = C0 + j0 * cs_c;
        float32x4_t c[LORA__N_MR][3];
        long ko = 0;
        for (i = 0; i < 8; i++) c[i][0] = c[i][1] = c[i][2] = vdupq_n_f32(0.0f);
        for (k = 0; k < K; k++, V += v_rk, ko += u_ck) {
            float32x4_t b0, b1, b2;
            if (n == 12) { b0 = vld1q_f32(V); b1 = vld1q_f32(V + 4); b2 = vld1q_f32(V + 8); }
            else { /* never read past the last column */
                float row[12] = { 0 };
                for (j = 0; j < n; j++) row[j] = V[j];
                b0 = vld1q_f32(row); b1 = vld1q_f32(row + 4); b2 = vld1q_f32(row + 8);
            }
            for (i = 0; i < 8; i++) {
                float32x4_t a = vdupq_n_f32(u[i][ko]);
                c[i][0] = vfmaq_f32(c[i][0], a, b0); c[i][1] = vfmaq_f32(c[i][1], a, b1); c[i][2] = vfmaq_f32(c[i][2], a, b2);
            }
        }
        lora__store_tile_neon(c, C, rs_c, cs_c, m, n, alpha, beta);
    }
}

/* d2 (dot products): C[m x n] (m <= 3, n <= 4) = alpha * sum_k A[i * lda + k] Bt[j * ldbt + k] + beta * C. */
static void lora__d2_neon(int K, const float *A, long lda, const float *Bt, long ldbt,
                          float *C, long ldc, int m, int n, float alpha, float beta) {
    const float *a[3], *b[4];
    float32x4_t acc[3][4], x[3], y;
    int i, j, k = 0;
    for (i = 0; i < 3; i++) a[i] = A + (i < m ? i : 0) * lda;
    for (j = 0; j < 4; j++) b[j] = Bt + (j < n ? j : 0) * ldbt;
    for (i = 0; i < 3; i++)
        for (j = 0; j < 4; j++) acc[i][j] = vdupq_n_f32(0.0f);
    for (; k + 4 <= K; k += 4) {
        for (i = 0; i < 3; i++) x[i] = vld1q_f32(a[i] + k);
        for (j = 0; j < 4; j++) {
            y = vld1q_f32(b[j] + k);
            for (i = 0; i < 3; i++) acc[i][j] = vfmaq_f32(acc[i][j], x[i], y);
        }
    }
    if (k < K) { /* the last 1-3 values, zero-padded */
        float t[4];
        int r;
        for (i = 0; i < 3; i++) {
            for (r = 0; r < 4; r++) t[r] = k + r < K ? a[i][k + r] : 0.0f;
            x[i] = vld1q_f32(t);
        }
        for (j = 0; j < 4; j++) {
            for (r = 0; r < 4; r++) t[r] = k + r < K ? b[j][k + r] : 0.0f;
            y = vld1q_f32(t);
            for (i = 0; i < 3; i++) acc[i][j] = vfmaq_f32(acc[i][j], x[i], y);
        }
    }
    for (i = 0; i < m; i++) {
        float s[4];
        vst1q_f32(s, vpaddq_f32(vpaddq_f32(acc[i][0], acc[i][1]), vpaddq_f32(acc[i][2], acc[i][3])));
        for (j = 0; j < n; j++) {
            float *p = C + i * ldc + j;
            *p = beta == 0.0f ? alpha * s[j] : fmaf(alpha, s[j], beta * *p);
        }
    }
}

static const lora__gemm_cfg lora__cfg_neon = { LORA__N_MR, LORA__N_NR, 256, 384, 768, 4096, lora__kern_neon, lora__pack_neon,
    lora__d1_neon, 8, 384, lora__d2_neon, 3, 4, NULL, 0, 0, NULL };
#endif

static LORA__UNUSED const lora__gemm_cfg *lora__gemm_config(lora_isa isa) {
    switch (isa) {
#ifdef LORA__HAVE_AVX512
    case LORA_ISA_AVX512: return &lora__cfg_avx512;
#endif
#ifdef LORA__HAVE_AVX2
    case LORA_ISA_AVX2: return &lora__cfg_avx2;
#endif
#ifdef LORA__HAVE_NEON
    case LORA_ISA_NEON: return &lora__cfg_neon;
#endif
    default: return &lora__cfg_scalar;
    }
}

/* ---------------- driver ---------------- */
/* The state of a packing flag (an A group's in aflags, a shared op(B) block's in bflags), an int
   for the atomics. It only grows within a dispatch, so waiting for a packer is
   lora__wait_flag_ge(flag, LORA__PACK_READY), and zeroing the flags resets them. */
enum lora__pack_state {
    LORA__PACK_TODO,  /* nobody has claimed it */
    LORA__PACK_BUSY,  /* claimed (lora__aflag_claim): being packed, plainly or by a side job */
    LORA__PACK_READY  /* packed: readable by every task */
};
#ifdef LORA__THREADS
#define LORA__AFLAG_LOAD(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define LORA__AFLAG_STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
static int lora__aflag_claim(int *p) {
    int e = LORA__PACK_TODO;
    return __atomic_compare_exchange_n(p, &e, LORA__PACK_BUSY, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
static int lora__aflag_inc(int *p) { return __atomic_add_fetch(p, 1, __ATOMIC_ACQ_REL); }
/* waits until another thread has raised *p to v or more (packed a group, released a slot,
   finished a tile's K block; each flag only grows within a dispatch): spin, then yield the CPU */
static void lora__wait_flag_ge(int *p, int v) {
    int spins = 0;
    while (LORA__AFLAG_LOAD(p) < v) {
        if (++spins < 1000) lora__cpu_relax();
        else sched_yield();
    }
}
#else
#define LORA__AFLAG_LOAD(p) (*(p))
#define LORA__AFLAG_STORE(p, v) (*(p) = (v))
static int lora__aflag_claim(int *p) { if (*p != LORA__PACK_TODO) return 0; *p = LORA__PACK_BUSY; return 1; }
static int lora__aflag_inc(int *p) { return ++*p; }
static void lora__wait_flag_ge(int *p, int v) { (void)p; (void)v; }
#endif
/* most mr panels in a macro block of rows (cfg->mcb / cfg->mr, for every config) */
#define LORA__MAX_PANELS 256

typedef struct lora__gemm {
    const lora__gemm_cfg *cfg;
    int M, N, K;
    float alpha;
    const float *A; long a_ri, a_ck;   /* op(A)(i,k) = A[i * a_ri + k * a_ck] */
    const float *B; long b_rk, b_cj;   /* op(B)(k,j) = B[k * b_rk + j * b_cj] */
    float *C; long rs_c, cs_c;
    /* current dispatch: columns [j0, j0 + ncb); K blocks step0 .. step0 + n_steps - 1 of kc_max
       (the last may be shorter); C = beta0 * C + ... on the first K block, accumulated after */
    int j0, ncb, kc_max, step0, n_steps;
    float beta0;
    int n_jc, n_ir;                    /* task grid per row block: n_jc column blocks x n_ir row chunks (in mr panels) */
    /* Units, one per (K block, row block of mcb_full rows), K block major, run in one pool
       dispatch with no barrier between them; unit u uses slot u % 2: packed A (ceil(mcb/mr)
       panels of mr x kc) and its group flags (lora__pack_state). A slot passes
       to unit u + 2 when the last task of unit u finishes (owner, finished), so the next unit's
       tasks start while this one's end. A C tile accumulates its K blocks in order: a task
       waits until its tile's previous K block is done (tile_steps: K blocks done per tile;
       tasks are claimed in order, so this only waits for a task already running). */
    int mcb_full, n_blocks;
    float *Ap[2];
    int *aflags[2];
    int owner[2], finished[2];
    int *tile_steps;
    int a_group;
    enum lora__side_kind side;         /* how side jobs of the kernel pack A, if they do (see lora__side_job) */
    float *Bp;                         /* per thread: kc x nb */
    long bp_stride;
    /* shared_b: the n_jc column blocks of op(B) are packed once per K step into Bsh (kc x ncb),
       each by the first task that needs it (bflags: lora__pack_state), for every row
       chunk and row block; otherwise each task packs its own block into its thread's Bp */
    int shared_b;
    float *Bsh;
    int *bflags;
    /* with threads, tasks publish their spans so that idle threads take their panels (see
       lora__gemm_span): one per thread; started / published count this dispatch's tasks
       that have begun / published their span or had no panels */
    struct lora__gemm_span *spans;
    int nthreads, stealing, started, published;
    int *panels_taken;                 /* the pool's count of panels taken from other tasks */
    int *side_groups;                  /* the pool's count of A groups packed by side jobs (or NULL) */
} lora__gemm;

/* One task's share of a unit: row panels [r_begin, r_begin + n) of one column block, taken
   one at a time (in the rotated order) from `next`. With threads every task in progress
   publishes its span, and a thread that has no task left takes the panels nobody has taken
   yet, so that the threads end together: a call no longer waits at its end for the rest of
   one thread's last task (70-200 us of 6 ms in a 3072 x 768 x 512 product), nor for all of
   a task whose thread the OS has paused, but for one panel (a few us). Whoever computes a
   panel, the kernel, its operands and the order over k are the same: so are the results. */
typedef struct lora__gemm_span {
    int next, done;                    /* panels taken / finished by other threads (atomic while live;
                                          the owner counts its own: no locked add per panel) */
    int live;                          /* 1 while others may take panels (set after the fields below) */
    int n, r_begin, rot;
    int p0, kc, i0, mcb, j, nbw;
    float beta;
    const float *Bp;                   /* the task's packed op(B) block */
    float *Ap_blk;                     /* the unit's packed A slot and its group flags */
    int *aflags;
    char pad[64];                      /* next / done of two threads' spans not on one line */
} lora__gemm_span;

#ifdef LORA__THREADS
static int lora__aflag_take(int *p) { return __atomic_fetch_add(p, 1, __ATOMIC_ACQ_REL); }
#else
static int lora__aflag_take(int *p) { return (*p)++; }
#endif

/* A group of panel r ready to use: 1 if packed (now, by this thread, or before), 0 when
   another thread is packing it and wait is 0 (with wait, until it is done) */
static int lora__gemm_group_ready(lora__gemm *g, const lora__gemm_span *s, int grp, int wait) {
    const lora__gemm_cfg *cfg = g->cfg;
    int st = LORA__AFLAG_LOAD(&s->aflags[grp]);
    if (st == LORA__PACK_READY) return 1;
    if (st == LORA__PACK_TODO && lora__aflag_claim(&s->aflags[grp])) {
        /* pack the whole group of panels (source rows are walked once) */
        int gi = grp * g->a_group * cfg->mr, grows = s->mcb - gi < g->a_group * cfg->mr ? s->mcb - gi : g->a_group * cfg->mr;
        cfg->pack(g->A + (long)(s->i0 + gi) * g->a_ri + (long)s->p0 * g->a_ck, g->a_ri, g->a_ck, grows, s->kc, cfg->mr,
                  s->Ap_blk + (long)gi * s->kc);
        LORA__AFLAG_STORE(&s->aflags[grp], LORA__PACK_READY);
        return 1;
    }
    if (!wait) return 0;
    lora__wait_flag_ge(&s->aflags[grp], LORA__PACK_READY);
    return 1;
}

/* A side job in progress (see lora__kern_avx512_body): a task that starts a group of a_group
   panels claims the next group, if it is whole and nobody has, and the kernel calls of the
   panels it computes meanwhile copy the group's source into its packed panels, an a_group-th
   of it per panel, in units: with transposed A (LORA__SIDE_TRANS_A, a_ri = 1, as in dW = X^T dY;
   groups of 4 panels) a unit is one source row of the group, with rows of A contiguous along k
   (LORA__SIDE_ROWS_A, X W and dY W^T; groups of one panel, K blocks of 256 or more: below, the source is small and
   cached, and the side job cost more than it saved) a unit is 16 k of the panel's 12 rows.
   Units [k, kc / unit) are left, and the group is flagged LORA__PACK_BUSY until all are
   copied. The task finishes the rest plainly before it needs the group itself and before
   anything that may wait, so that no thread waits for a group whose packer waits too. The
   first group of each task's run and a last partial group are packed plainly
   (lora__gemm_group_ready). With threads, the first tasks start at evenly spread groups
   (s->rot), so that they pack different halves of A instead of leapfrogging (each plainly
   packing the group the other's side job holds). Results do not depend on who packs: the
   packed values are the same. grp < 0: none. */
typedef struct lora__side_job { int grp, k; } lora__side_job;

/* the rest of a side job's rows, copied now (before the group is needed or a wait) */
static void lora__side_finish(lora__gemm *g, const lora__gemm_span *s, lora__side_job *sj) {
    const int mr = g->cfg->mr, ku = g->side == LORA__SIDE_TRANS_A ? 1 : 16, k = sj->k * ku;
    int p;
    if (sj->grp < 0) return;
    for (p = 0; p < g->a_group && k < s->kc; p++) {
        const int gi = (sj->grp * g->a_group + p) * mr;
        g->cfg->pack(g->A + (long)(s->i0 + gi) * g->a_ri + (long)(s->p0 + k) * g->a_ck, g->a_ri, g->a_ck, mr, s->kc - k, mr,
                     s->Ap_blk + (long)gi * s->kc + (long)k * mr);
    }
    LORA__AFLAG_STORE(&s->aflags[sj->grp], LORA__PACK_READY);
    sj->grp = -1;
}

/* row panel r of span s (its A group ready) times the span's columns of op(B); sj (if not
   NULL and in progress) a side job to advance by an a_group-th of its units */
static void lora__gemm_panel(lora__gemm *g, const lora__gemm_span *s, int r, lora__side_job *sj) {
    const lora__gemm_cfg *cfg = g->cfg;
    const int mr = cfg->mr, nr = cfg->nr, grp = r / g->a_group, n_panels = (s->mcb + mr - 1) / mr;
    const float *Ap = s->Ap_blk + (long)r * mr * s->kc;
    const int i = r * mr, mrows = s->mcb - i < mr ? s->mcb - i : mr;
    float *Crow = g->C + (long)(s->i0 + i) * g->rs_c + (long)(g->j0 + s->j) * g->cs_c;
    /* With a side job, this panel's share of its units is copied by the kernel calls, spread
       over them. Without side jobs (AVX2, NEON, scalar), transposed A is packed by groups,
       reading a short run from each of kc rows: that is latency bound, so while this panel
       computes, prefetch (towards L2) this panel's share [k_lo, k_hi) of the source rows of
       the next group, if nobody packed it yet; spread over the panel's kernel calls. */
    int gn = grp + 1, nq = (s->nbw + nr - 1) / nr, qi = 0, k_lo = 0, k_hi = 0, q, ku = 1, units = 0, n_units = 0;
    long run = 0, sstride = 0;
    const float *src = g->A, *ssrc = NULL;
    float *sdst = NULL;
    if (sj && sj->grp >= 0) {
        /* a side job: units are source rows (transposed A) or 16-k blocks (rows contiguous along k) */
        const int gi = sj->grp * g->a_group * mr;
        ku = g->side == LORA__SIDE_TRANS_A ? 1 : 16;
        n_units = s->kc / ku;
        units = lora__ceil_div(n_units, g->a_group) < n_units - sj->k ? lora__ceil_div(n_units, g->a_group) : n_units - sj->k;
        sstride = g->side == LORA__SIDE_TRANS_A ? g->a_ck : g->a_ri;
        ssrc = g->A + (long)(s->i0 + gi) * g->a_ri + (long)(s->p0 + sj->k * ku) * g->a_ck;
        sdst = s->Ap_blk + (long)gi * s->kc + (long)sj->k * ku * mr;
    } else if (g->a_ri == 1 && g->a_group > 1 && g->side == LORA__SIDE_NONE && gn * g->a_group < n_panels &&
               LORA__AFLAG_LOAD(&s->aflags[gn]) == LORA__PACK_TODO) {
        int gp = r - grp * g->a_group, gi = gn * g->a_group * mr;
        k_lo = (int)((long)gp * s->kc / g->a_group);
        k_hi = (int)((long)(gp + 1) * s->kc / g->a_group);
        run = s->mcb - gi < g->a_group * mr ? s->mcb - gi : (long)g->a_group * mr;
        src = g->A + (long)(s->i0 + gi) + (long)s->p0 * g->a_ck;
    }
    for (q = 0; q < s->nbw; q += nr, qi++) {
        const float *Bq = s->Bp + (long)q * s->kc;
        float *Cq = Crow + (long)q * g->cs_c;
        const int nq_cols = s->nbw - q < nr ? s->nbw - q : nr;
        if (ssrc) {
            const int u_a = (int)((long)qi * units / nq), u_b = (int)((long)(qi + 1) * units / nq);
            cfg->kern_side(g->side, s->kc, Ap, Bq, Cq, g->rs_c, g->cs_c, mrows, nq_cols, g->alpha, s->beta,
                           ssrc + (long)u_a * ku * g->a_ck, sstride, u_b - u_a, sdst + (long)u_a * ku * mr, (long)mr * s->kc);
        } else {
            int kk, k_a = k_lo + (int)((long)qi * (k_hi - k_lo) / nq), k_b = k_lo + (int)((long)(qi + 1) * (k_hi - k_lo) / nq);
            for (kk = k_a; kk < k_b; kk++) lora__prefetch_l2(src + (long)kk * g->a_ck, run);
            cfg->kern(s->kc, Ap, Bq, Cq, g->rs_c, g->cs_c, mrows, nq_cols, g->alpha, s->beta);
        }
    }
    if (ssrc) {
        sj->k += units;
        if (sj->k >= n_units) {
            LORA__AFLAG_STORE(&s->aflags[sj->grp], LORA__PACK_READY);
            sj->grp = -1;
            if (g->side_groups) lora__aflag_inc(g->side_groups);
        }
    }
}

/* returns 1 if it published a span (with threads), 0 if it had no panels */
static int lora__gemm_block_task(lora__gemm *g, int unit, int task, int thread) {
    const lora__gemm_cfg *cfg = g->cfg;
    const int blk = unit % g->n_blocks, nr = cfg->nr;
    lora__gemm_span *s = &g->spans[thread];
    int jcb = task % g->n_jc, irc = task / g->n_jc, n_panels, jp = (g->ncb + nr - 1) / nr, r_end, n_skipped = 0, c, own = 0;
    int skipped[LORA__MAX_PANELS];
    lora__side_job sj = { -1, 0 };
    float *Bp;
    const float *Bsrc;
    s->p0 = (g->step0 + unit / g->n_blocks) * g->kc_max;
    s->kc = g->K - s->p0 < g->kc_max ? g->K - s->p0 : g->kc_max;
    s->i0 = blk * g->mcb_full;
    s->mcb = g->M - s->i0 < g->mcb_full ? g->M - s->i0 : g->mcb_full;
    s->beta = s->p0 == 0 ? g->beta0 : 1.0f;
    s->aflags = g->aflags[unit & 1];
    s->Ap_blk = g->Ap[unit & 1];
    n_panels = (s->mcb + cfg->mr - 1) / cfg->mr;
    s->j = (int)((long)jcb * jp / g->n_jc) * nr;
    s->nbw = (int)((long)(jcb + 1) * jp / g->n_jc) * nr - s->j;
    if (s->j + s->nbw > g->ncb) s->nbw = g->ncb - s->j;
    s->r_begin = (int)((long)irc * n_panels / g->n_ir);
    r_end = (int)((long)(irc + 1) * n_panels / g->n_ir);
    if (s->nbw <= 0 || s->r_begin >= r_end) return 0;
    s->n = r_end - s->r_begin;
    /* this task's block of op(B): kc x nbw, in panels of nr columns (shared: unless packed already) */
    Bp = g->shared_b ? g->Bsh + (long)s->j * s->kc : g->Bp + (long)thread * g->bp_stride;
    Bsrc = g->B + (long)s->p0 * g->b_rk + (long)(g->j0 + s->j) * g->b_cj;
    if (!g->shared_b) cfg->pack(Bsrc, g->b_cj, g->b_rk, s->nbw, s->kc, nr, Bp);
    else if (LORA__AFLAG_LOAD(&g->bflags[jcb]) != LORA__PACK_READY) {
        if (lora__aflag_claim(&g->bflags[jcb])) {
            cfg->pack(Bsrc, g->b_cj, g->b_rk, s->nbw, s->kc, nr, Bp);
            LORA__AFLAG_STORE(&g->bflags[jcb], LORA__PACK_READY);
        } else {
            lora__wait_flag_ge(&g->bflags[jcb], LORA__PACK_READY);
        }
    }
    s->Bp = Bp;
    /* tasks sharing rows start at different panels, so that they pack different A panels at once
       (with side jobs: the first nthreads tasks at groups spread evenly, see lora__side_job) */
    s->rot = g->side != LORA__SIDE_NONE ? g->a_group * (int)((long)(jcb % g->nthreads) * (s->n / g->a_group) / g->nthreads)
                     : g->a_group * (int)((long)jcb * lora__ceil_div(s->n, g->a_group) / g->n_jc);
    LORA__AFLAG_STORE(&s->next, 0);
    LORA__AFLAG_STORE(&s->done, 0);
    if (g->stealing) {
        LORA__AFLAG_STORE(&s->live, 1);
        lora__aflag_inc(&g->published);
    }
    /* Panels whose group another thread is still packing (it may have been descheduled) are
       left for after the others, then waited for if needed. */
    while ((c = g->stealing ? lora__aflag_take(&s->next) : s->next++) < s->n) {
        int r = s->r_begin + (c + s->rot) % s->n, grp = r / g->a_group;
        if (sj.grp == grp) lora__side_finish(g, s, &sj);
        if (!lora__gemm_group_ready(g, s, grp, 0)) { skipped[n_skipped++] = r; continue; }
        /* at the start of a group, take the next whole group as a side job if nobody has */
        if (g->side != LORA__SIDE_NONE && sj.grp < 0 && r % g->a_group == 0 && (grp + 2) * g->a_group * cfg->mr <= s->mcb &&
            (g->side == LORA__SIDE_TRANS_A || (s->kc % 16 == 0 && s->kc >= 256)) &&
            LORA__AFLAG_LOAD(&s->aflags[grp + 1]) == LORA__PACK_TODO && lora__aflag_claim(&s->aflags[grp + 1])) {
            sj.grp = grp + 1;
            sj.k = 0;
        }
        lora__gemm_panel(g, s, r, &sj);
        own++;
    }
    lora__side_finish(g, s, &sj);
    for (c = 0; c < n_skipped; c++) {
        lora__gemm_group_ready(g, s, skipped[c] / g->a_group, 1);
        lora__gemm_panel(g, s, skipped[c], NULL);
        own++;
    }
    if (g->stealing) {
        /* panels others took still use this thread's packed B, and the tile ends with them */
        lora__wait_flag_ge(&s->done, s->n - own);
        LORA__AFLAG_STORE(&s->live, 0);
    }
    return 1;
}

#ifdef LORA__THREADS
/* Every task claimed (none will start): take the panels other threads have not taken yet
   from their tasks in progress, until there are none and no task is still being set up. */
static void lora__gemm_take_panels(lora__gemm *g, int thread, int n_tasks) {
    int spins = 0;
    for (;;) {
        int t, found = 0;
        for (t = 0; t < g->nthreads; t++) {
            lora__gemm_span *s = &g->spans[t];
            int c;
            if (t == thread || !LORA__AFLAG_LOAD(&s->live) || LORA__AFLAG_LOAD(&s->next) >= s->n) continue;
            while ((c = lora__aflag_take(&s->next)) < s->n) {
                int r = s->r_begin + (c + s->rot) % s->n;
                lora__gemm_group_ready(g, s, r / g->a_group, 1);
                lora__gemm_panel(g, s, r, NULL);
                lora__aflag_inc(&s->done);
                lora__aflag_inc(g->panels_taken);
                found = 1;
            }
        }
        if (found) { spins = 0; continue; }
        /* a task that has started but not yet published its span (packing its op(B)) */
        if (LORA__AFLAG_LOAD(&g->published) >= n_tasks || ++spins > 20000) return;
        lora__cpu_relax();
    }
}
#else
static void lora__gemm_take_panels(lora__gemm *g, int thread, int n_tasks) { (void)g; (void)thread; (void)n_tasks; }
#endif

static void lora__gemm_task(void *vctx, int task, int thread) {
    lora__gemm *g = (lora__gemm *)vctx;
    const int tpb = g->n_jc * g->n_ir, unit = task / tpb, slot = unit & 1, step = unit / g->n_blocks;
    const int tile = task % (tpb * g->n_blocks), n_tasks = tpb * g->n_blocks * g->n_steps;
    int published;
    if (g->stealing) lora__aflag_inc(&g->started);
    /* the slot is unit u - 2's until its last task is done (rarely still running) */
    if (unit >= 2) lora__wait_flag_ge(&g->owner[slot], unit);
    /* this tile's previous K block (done unless a thread was descheduled) */
    if (step > 0) lora__wait_flag_ge(&g->tile_steps[tile], step);
    published = lora__gemm_block_task(g, unit, task % tpb, thread);
    if (g->n_steps > 1) LORA__AFLAG_STORE(&g->tile_steps[tile], step + 1);
    if (lora__aflag_inc(&g->finished[slot]) == tpb && unit + 2 < g->n_blocks * g->n_steps) {
        memset(g->aflags[slot], 0, (size_t)lora__ceil_div(g->mcb_full, g->cfg->mr) * sizeof(int)); /* LORA__PACK_TODO */
        LORA__AFLAG_STORE(&g->finished[slot], 0);
        LORA__AFLAG_STORE(&g->owner[slot], unit + 2);
    }
    if (g->stealing) {
        if (!published) lora__aflag_inc(&g->published);
        if (LORA__AFLAG_LOAD(&g->started) >= n_tasks) lora__gemm_take_panels(g, thread, n_tasks);
    }
}

/* Reference (used when the workspace cannot be allocated). */
static void lora__sgemm_ref(int M, int N, int K, float alpha, const float *A, long a_ri, long a_ck,
                            const float *B, long b_rk, long b_cj, float beta, float *C, long ldc) {
    int i, j, k;
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            float s = 0.0f, *c = C + (long)i * ldc + j;
            for (k = 0; k < K; k++) s += A[i * a_ri + k * a_ck] * B[k * b_rk + j * b_cj];
            *c = beta == 0.0f ? alpha * s : alpha * s + beta * *c;
        }
}

/* C = beta * C (beta == 0 writes zeros without reading C) */
static void lora__scale_c(int M, int N, float beta, float *C, long ldc) {
    int i, j;
    if (beta == 1.0f) return;
    for (i = 0; i < M; i++) {
        float *c = C + (long)i * ldc;
        if (beta == 0.0f) memset(c, 0, (size_t)N * sizeof *c);
        else for (j = 0; j < N; j++) c[j] *= beta;
    }
}

#ifdef LORA_BLAS
#ifdef LORA_BLAS_INCLUDE_CBLAS_H
#include <cblas.h>
#else
#ifdef __cplusplus
extern "C" {
#endif
/* CBLAS prototype (enums passed as int: CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112) */
void cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
#ifdef __cplusplus
}
#endif
#endif
#endif

/* ---- direct paths for skinny products (no packing; tasks are tiles of C) ---- */
/* Which direct kernel of lora__gemm_cfg a skinny product runs. Each reads its operands in
   place, in the one layout it streams well; lora__direct_pick chooses by that layout. */
enum lora__direct_kind {
    LORA__DIRECT_NONE,      /* none: the packed path */
    LORA__DIRECT_BROADCAST, /* d1: elements of U broadcast against rows of V contiguous along j */
    LORA__DIRECT_DOT,       /* d2: dot products of rows of A and of Bt, both contiguous along k */
    LORA__DIRECT_RANK       /* d3: K <= 8 (a rank-r update), the rows of V held in registers */
};
/* The copy of op(B) a direct kernel reads when B's own layout is the wrong one: cheaper than
   the packed path while the copy (K x N floats) stays small. */
enum lora__direct_copy {
    LORA__COPY_NONE,        /* B read in place */
    LORA__COPY_B_ALONG_K,   /* for d2: tmp[j * K + k] = op(B)(k, j) (B stored K x N) */
    LORA__COPY_B_ALONG_N    /* for d1: tmp[k * N + j] = op(B)(k, j) (B stored N x K) */
};
typedef struct lora__direct {
    const lora__gemm_cfg *cfg;
    enum lora__direct_kind kind;
    int M, N, K, tiles_n, n_tiles, chunk;
    int n_head, tail_chunk;          /* tasks < n_head: chunk tiles each; then tail_chunk tiles each */
    const float *U; long u_ri, u_ck; /* d1: broadcast operand; d2: A rows (u_ri = lda) */
    const float *V; long v_rk;       /* d1: V[k * v_rk + j]; d2: Bt rows (v_rk = ldbt) */
    float *C; long rs_c, cs_c;
    float alpha, beta;
} lora__direct;

static void lora__direct_task(void *vctx, int task, int thread) {
    const lora__direct *d = (const lora__direct *)vctx;
    int t = task < d->n_head ? task * d->chunk : d->n_head * d->chunk + (task - d->n_head) * d->tail_chunk;
    int t_end = t + (task < d->n_head ? d->chunk : d->tail_chunk);
    (void)thread;
    if (t_end > d->n_tiles) t_end = d->n_tiles;
    for (; t < t_end; t++) {
        int ti = t / d->tiles_n, tj = t % d->tiles_n;
        if (d->kind == LORA__DIRECT_RANK) {
            int i = ti * d->cfg->d3_mr, j = tj * d->cfg->d3_nr;
            d->cfg->d3(d->K, d->U + i * d->u_ri, d->u_ri, d->u_ck, d->V + j, d->v_rk, d->C + i * d->rs_c + j, d->rs_c,
                       d->M - i < d->cfg->d3_mr ? d->M - i : d->cfg->d3_mr, d->N - j < d->cfg->d3_nr ? d->N - j : d->cfg->d3_nr,
                       d->alpha, d->beta);
        } else if (d->kind == LORA__DIRECT_BROADCAST) {
            int i = ti * d->cfg->d1_mr, j = tj * d->cfg->d1_nr;
            d->cfg->d1(d->K, d->U + i * d->u_ri, d->u_ri, d->u_ck, d->V + j, d->v_rk, d->C + i * d->rs_c + j * d->cs_c,
                       d->rs_c, d->cs_c, d->M - i < d->cfg->d1_mr ? d->M - i : d->cfg->d1_mr,
                       d->N - j < d->cfg->d1_nr ? d->N - j : d->cfg->d1_nr, d->alpha, d->beta);
        } else { /* LORA__DIRECT_DOT */
            int i = ti * d->cfg->d2_mr, j = tj * d->cfg->d2_nr;
            d->cfg->d2(d->K, d->U + i * d->u_ri, d->u_ri, d->V + j * d->v_rk, d->v_rk, d->C + i * d->rs_c + j,
                       d->rs_c, d->M - i < d->cfg->d2_mr ? d->M - i : d->cfg->d2_mr,
                       d->N - j < d->cfg->d2_nr ? d->N - j : d->cfg->d2_nr, d->alpha, d->beta);
        }
    }
}

/* runs d over the pool (held) or serially */
static void lora__direct_run(lora__direct *d, lora_pool *pool, int nthreads) {
    int mr = d->kind == LORA__DIRECT_BROADCAST ? d->cfg->d1_mr : d->kind == LORA__DIRECT_RANK ? d->cfg->d3_mr : d->cfg->d2_mr;
    int nr = d->kind == LORA__DIRECT_BROADCAST ? d->cfg->d1_nr : d->kind == LORA__DIRECT_RANK ? d->cfg->d3_nr : d->cfg->d2_nr,
        n_tasks, t;
    double tile_flops = 2.0 * mr * nr * (double)d->K;
    d->tiles_n = lora__ceil_div(d->N, nr);
    d->n_tiles = lora__ceil_div(d->M, mr) * d->tiles_n;
    /* about 64 kFLOP per task at least, and 8 tasks per thread at most; with threads the
       last nthreads of those tasks are cut into 64 kFLOP ones, so that the threads end
       together (these calls take 10-500 us; +1-2 % on the rank-8 updates at 2 threads) */
    d->tail_chunk = d->chunk = (int)(65536.0 / tile_flops) + 1;
    if (nthreads > 1 && lora__ceil_div(d->n_tiles, d->chunk) > 8 * nthreads) d->chunk = lora__ceil_div(d->n_tiles, 8 * nthreads);
    d->n_head = nthreads > 1 ? d->n_tiles / d->chunk - nthreads : 0;
    if (d->n_head < 0) d->n_head = 0;
    n_tasks = d->n_head + lora__ceil_div(d->n_tiles - d->n_head * d->chunk, d->tail_chunk);
    if (nthreads > 1 && n_tasks > 1) lora__pool_run_held(pool, lora__direct_task, d, n_tasks);
    else for (t = 0; t < n_tasks; t++) lora__direct_task(d, t, 0);
}

/* The direct kernel for a product, if one beats the packed path: d2 when N is small and the
   rows of A run along k; d1 when M or K is small and op(B)'s rows run along j, or (*swap: C^T
   = op(B)^T op(A)^T) when A is transposed; *copy when B must first be laid out for it. Shape
   and ISA only, never the thread count: the kernel, and so every bit of C, must not change
   with the threads. */
static enum lora__direct_kind lora__direct_pick(const lora__gemm_cfg *cfg, int transA, int transB, int M, int N, int K,
                                                int *swap, enum lora__direct_copy *copy) {
    const int small_m = M <= 16, small_n = N <= 16, small_k = K <= 16;
    enum lora__direct_kind kind = LORA__DIRECT_NONE;
    *swap = 0;
    *copy = LORA__COPY_NONE;
    if (!cfg->d1 || !cfg->d2) return LORA__DIRECT_NONE;
    if (!transA && small_n && (transB || (long)K * N <= (1L << 22))) {
        kind = LORA__DIRECT_DOT;
        *copy = transB ? LORA__COPY_NONE : LORA__COPY_B_ALONG_K;
    } else if (!transB && (small_m || small_k)) {
        kind = LORA__DIRECT_BROADCAST;
    } else if (transA && (small_n || small_k)) {
        kind = LORA__DIRECT_BROADCAST;
        *swap = 1;
    } else if (transB && small_k && (long)K * N <= (1L << 20)) {
        kind = LORA__DIRECT_BROADCAST;
        *copy = LORA__COPY_B_ALONG_N;
    }
    if (kind == LORA__DIRECT_BROADCAST && !*swap && K <= 8 && cfg->d3) kind = LORA__DIRECT_RANK;
    return kind;
}

/* Runs a skinny product on a direct kernel; returns 0 when the packed path is better (or the
   copy of B could not be allocated). */
static LORA__UNUSED int lora__sgemm_direct(const lora__gemm_cfg *cfg, lora_pool *pool, int transA, int transB, int M, int N, int K,
                              float alpha, const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    lora__direct d;
    const long a_ri = transA ? 1 : lda, a_ck = transA ? lda : 1, b_rk = transB ? 1 : ldb, b_cj = transB ? ldb : 1;
    enum lora__direct_copy copy;
    int held, nthreads, swap;
    const enum lora__direct_kind kind = lora__direct_pick(cfg, transA, transB, M, N, K, &swap, &copy);
    float *tmp = NULL;
    if (kind == LORA__DIRECT_NONE) return 0;
    if (copy != LORA__COPY_NONE) {
        tmp = (float *)lora__alloc_aligned((size_t)K * N * sizeof(float), "matrix multiply workspace");
        if (!tmp) return 0;
        /* transposed copies through the packing routine (one panel as wide as the matrix) */
        if (copy == LORA__COPY_B_ALONG_K) cfg->pack(B, ldb, 1, K, N, K, tmp);  /* tmp[j * K + k] = B[k * ldb + j] */
        else cfg->pack(B, ldb, 1, N, K, N, tmp);                               /* tmp[k * N + j] = B[j * ldb + k] */
    }
    memset(&d, 0, sizeof d);
    d.cfg = cfg; d.kind = kind; d.K = K; d.alpha = alpha; d.beta = beta; d.C = C;
    if (kind == LORA__DIRECT_DOT) {
        d.M = M; d.N = N; d.U = A; d.u_ri = lda; d.rs_c = ldc; d.cs_c = 1;
        if (tmp) { d.V = tmp; d.v_rk = K; } else { d.V = B; d.v_rk = ldb; }
    } else if (!swap) { /* LORA__DIRECT_BROADCAST or LORA__DIRECT_RANK */
        d.M = M; d.N = N; d.U = A; d.u_ri = a_ri; d.u_ck = a_ck; d.rs_c = ldc; d.cs_c = 1;
        if (tmp) { d.V = tmp; d.v_rk = N; } else { d.V = B; d.v_rk = ldb; }
    } else { /* C^T = op(B)^T op(A)^T, vectors along M read from the rows of A (stored K x M) */
        d.M = N; d.N = M; d.U = B; d.u_ri = b_cj; d.u_ck = b_rk; d.V = A; d.v_rk = lda; d.rs_c = 1; d.cs_c = ldc;
    }
    held = lora__pool_acquire(pool);
    nthreads = held ? lora__pool_nthreads(pool) : 1;
    if (2.0 * M * N * (double)K < 2e6) nthreads = 1;
    lora__direct_run(&d, pool, nthreads);
    if (held) lora__pool_release(pool);
    lora__free_aligned(tmp);   /* aligned: the pack routines store whole 64-byte lines */
    return 1;
}

#define LORA__SHARED_B_COLS 1024 /* widest column block whose packed op(B) is shared by row tasks */
#define LORA__TASKS_PER_THREAD 6 /* fewest tasks per thread in a dispatch (see lora__gemm_plan_tasks) */

/* Orientation: computes C^T = op(B)^T op(A)^T when that wastes less of the micro-tile (e.g.
   N = 8 with nr = 32); the driver then only ever sees "A" (packed in mr panels) and "B". Depends
   on the shape only. */
static void lora__gemm_orient(lora__gemm *g, int M, int N, int K, const float *A, long a_ri, long a_ck,
                              const float *B, long b_rk, long b_cj, float *C, int ldc) {
    const lora__gemm_cfg *cfg = g->cfg;
    const double eff_n = (double)M / lora__round_up(M, cfg->mr) * ((double)N / lora__round_up(N, cfg->nr));
    const double eff_t = (double)N / lora__round_up(N, cfg->mr) * ((double)M / lora__round_up(M, cfg->nr));
    if (!(eff_t > 1.15 * eff_n)) {
        g->M = M; g->N = N; g->A = A; g->a_ri = a_ri; g->a_ck = a_ck; g->B = B; g->b_rk = b_rk; g->b_cj = b_cj;
        g->rs_c = ldc; g->cs_c = 1;
    } else {
        g->M = N; g->N = M; g->A = B; g->a_ri = b_cj; g->a_ck = b_rk; g->B = A; g->b_rk = a_ck; g->b_cj = a_ri;
        g->rs_c = 1; g->cs_c = ldc;
    }
    g->K = K; g->C = C;
}

/* Task-grid policy, the part fixed for the whole product; returns the number of K blocks. The
   K blocks are a function of K only: every element of C sums its k in the same blocks, in the
   same order, whatever the thread count. Row blocks of mcb_full rows bound the packed-A slot
   (op(A) is packed once per K block and row block, for all its column tasks). A is packed by
   groups of panels: with transposed A (rows along i) 8, so that each source row is read in one
   longer run, or LORA__SIDE_G when side jobs pack it; otherwise panel by panel. */
static int lora__gemm_plan_blocks(lora__gemm *g, float beta) {
    const lora__gemm_cfg *cfg = g->cfg;
    int n_kb = lora__ceil_div(g->K, cfg->kc);
    g->kc_max = lora__round_up(lora__ceil_div(g->K, n_kb), 4);
    n_kb = lora__ceil_div(g->K, g->kc_max);
    g->beta0 = beta;
    g->mcb_full = g->M < cfg->mcb ? g->M : cfg->mcb;
    g->n_blocks = lora__ceil_div(g->M, g->mcb_full);
    g->side = !cfg->kern_side ? LORA__SIDE_NONE : g->a_ri == 1 ? LORA__SIDE_TRANS_A : g->a_ck == 1 ? LORA__SIDE_ROWS_A : LORA__SIDE_NONE;
    g->a_group = g->a_ri != 1 ? 1 : g->side != LORA__SIDE_NONE ? LORA__SIDE_G : 8;
    return n_kb;
}

/* A shared op(B) (lora__gemm.shared_b) is there to split rows between threads without
   shrinking the column blocks (see lora__gemm_plan_tasks): it needs threads and several row
   blocks (with one, the column split alone is as fast). */
static int lora__gemm_may_share_b(const lora__gemm *g) { return g->nthreads > 1 && g->n_blocks > 1; }

/* The workspace of one packed product: one block (the pool's scratch when the pool is held,
   which stays allocated from call to call), sized once for the largest grid any column block
   may use. In order: n_slots packed-A slots, one op(B) block per thread, the shared op(B)
   block, the spans, then the ints (n_slots A group-flag arrays, bflags, tile_steps). The block
   is 64-byte aligned and every piece a multiple of 64 bytes, so each starts on a cache line:
   packed op(B) is read and written with aligned vector loads and stores, and a span's atomics
   must not share a line with another thread's. */
typedef struct lora__gemm_ws {
    int n_slots;         /* packed-A slots: two when one dispatch runs several units (lora__gemm) */
    int n_panels_max;    /* mr panels of a full row block (group flags per slot) */
    size_t ap_floats, bp_floats, bsh_floats, span_bytes, flag_ints, bflag_ints, tile_ints, bytes;
} lora__gemm_ws;

/* sizes each piece for the largest grid lora__gemm_plan_tasks may pick for any column block,
   so that one allocation serves the whole product */
static void lora__gemm_ws_plan(const lora__gemm *g, int n_kb, lora__gemm_ws *w) {
    const lora__gemm_cfg *cfg = g->cfg;
    const int nthreads = g->nthreads, may_share_b = lora__gemm_may_share_b(g);
    int jp_max;
    /* two A slots when one dispatch has several units (row blocks, or K blocks with threads) */
    w->n_slots = g->n_blocks > 1 || (nthreads > 1 && n_kb > 1) ? 2 : 1;
    w->n_panels_max = lora__ceil_div(g->mcb_full, cfg->mr);
    w->ap_floats = (size_t)lora__round_up(w->n_panels_max * cfg->mr * g->kc_max, 16);
    w->bp_floats = (size_t)lora__round_up(g->kc_max * cfg->nb, 16);
    w->flag_ints = (size_t)lora__round_up(w->n_panels_max, 16);
    /* shared op(B): at most LORA__SHARED_B_COLS columns */
    w->bsh_floats = may_share_b ? (size_t)g->kc_max * (size_t)lora__round_up(g->N < LORA__SHARED_B_COLS ? g->N : LORA__SHARED_B_COLS, cfg->nr) : 0;
    w->bflag_ints = may_share_b ? (size_t)lora__round_up(LORA__SHARED_B_COLS / cfg->nr + 1, 16) : 0;
    /* K blocks in one dispatch (threads, op(B) not shared): one K-block counter per C tile;
       a tile is a task of a row block, at most jp_max column blocks x nthreads row chunks */
    jp_max = lora__ceil_div(g->N < cfg->ncb ? g->N : cfg->ncb, cfg->nr);
    w->tile_ints = nthreads > 1 && n_kb > 1
                   ? (size_t)lora__round_up(g->n_blocks * jp_max * (nthreads < w->n_panels_max ? nthreads : w->n_panels_max), 16) : 0;
    w->span_bytes = (size_t)lora__round_up((int)sizeof(lora__gemm_span), 64) * (size_t)nthreads;
    w->bytes = ((size_t)w->n_slots * w->ap_floats + (size_t)nthreads * w->bp_floats + w->bsh_floats) * sizeof(float) + w->span_bytes +
               ((size_t)w->n_slots * w->flag_ints + w->bflag_ints + w->tile_ints) * sizeof(int);
}

/* points g's buffers into the block, in the order above (the only place that knows it) */
static void lora__gemm_ws_carve(lora__gemm *g, const lora__gemm_ws *w, unsigned char *ws) {
    g->Ap[0] = (float *)ws;
    g->Ap[1] = g->Ap[0] + (w->n_slots - 1) * w->ap_floats;
    g->Bp = g->Ap[0] + w->n_slots * w->ap_floats;
    g->bp_stride = (long)w->bp_floats;
    g->Bsh = g->Bp + (size_t)g->nthreads * w->bp_floats;
    g->spans = (lora__gemm_span *)(void *)(g->Bsh + w->bsh_floats);
    g->aflags[0] = (int *)(void *)((unsigned char *)g->spans + w->span_bytes);
    g->aflags[1] = g->aflags[0] + (w->n_slots - 1) * w->flag_ints;
    g->bflags = g->aflags[0] + w->n_slots * w->flag_ints;
    g->tile_steps = g->bflags + w->bflag_ints;
}

/* Task-grid policy for the column block at g->j0 (ncb columns): the tasks of one row block are
   n_jc column blocks (whole nr panels, at most nb columns, panels split evenly) x n_ir row
   chunks. With threads, at least LORA__TASKS_PER_THREAD tasks per thread: dynamic scheduling
   then evens out threads that start late or run slower (a shared machine), and the idle tail at
   the end of a step is at most one small task. Few columns (N = 768 has 3 blocks of nb) and
   several row blocks: the rows are split, with op(B) packed once for all row blocks and shared,
   so that each A panel, streamed from L3, still meets a whole nb block of B (splitting the
   columns finer leaves it 2 B panels: 3-6 % slower at M = 4096-50257, N = 768, 2 threads).
   With one row block its packed A stays in cache and the column split is as fast. Also sets
   n_steps, the K blocks run per dispatch (see lora__gemm_dispatch). */
static void lora__gemm_plan_tasks(lora__gemm *g, int n_kb, int n_panels_max) {
    const lora__gemm_cfg *cfg = g->cfg;
    const int nthreads = g->nthreads, min_tasks = LORA__TASKS_PER_THREAD * nthreads;
    int jp, n_jc;
    g->ncb = g->N - g->j0 < cfg->ncb ? g->N - g->j0 : cfg->ncb;
    jp = lora__ceil_div(g->ncb, cfg->nr);
    n_jc = lora__ceil_div(jp, cfg->nb / cfg->nr);
    g->shared_b = lora__gemm_may_share_b(g) && n_jc < min_tasks && g->ncb <= LORA__SHARED_B_COLS;
    if (g->shared_b) {
        g->n_jc = n_jc;
        g->n_ir = lora__ceil_div(min_tasks, n_jc);
        if (g->n_ir > n_panels_max) g->n_ir = n_panels_max;
    } else {
        if (nthreads > 1) n_jc = lora__round_up(n_jc > min_tasks ? n_jc : min_tasks, nthreads);
        g->n_jc = n_jc < jp ? n_jc : jp;
        /* otherwise split the rows too */
        g->n_ir = 1;
        if (nthreads > 1 && g->n_jc % nthreads) g->n_ir = nthreads < n_panels_max ? nthreads : n_panels_max;
    }
    g->n_steps = nthreads > 1 && !g->shared_b ? n_kb : 1;
}

/* Runs the column block at g->j0 over the pool (held) or serially. With threads and op(B) not
   shared, every K block of every row block goes in one dispatch: a barrier per K block idled a
   thread for most of a task at each one, while the other finished the block's last task (0-9 %
   at 2 threads for K = 768-50257). Otherwise one dispatch per K block, over every row block
   (a shared op(B) block is packed per K block). Each dispatch starts its flags and counters
   from zero: they only grow within one (see lora__wait_flag_ge). */
static void lora__gemm_dispatch(lora__gemm *g, lora_pool *pool, int n_kb, const lora__gemm_ws *w) {
    for (g->step0 = 0; g->step0 < n_kb; g->step0 += g->n_steps) {
        int n_tasks = g->n_jc * g->n_ir * g->n_blocks * g->n_steps, t;
        if (g->shared_b) memset(g->bflags, 0, (size_t)g->n_jc * sizeof(int)); /* LORA__PACK_TODO */
        if (g->n_steps > 1) memset(g->tile_steps, 0, (size_t)g->n_jc * g->n_ir * g->n_blocks * sizeof(int));
        g->started = g->published = 0;
        for (t = 0; t < g->nthreads; t++) g->spans[t].live = 0;
        for (t = 0; t < w->n_slots; t++) {
            memset(g->aflags[t], 0, (size_t)w->n_panels_max * sizeof(int)); /* LORA__PACK_TODO */
            g->owner[t] = t;
            g->finished[t] = 0;
        }
        if (g->nthreads > 1) lora__pool_run_held(pool, lora__gemm_task, g, n_tasks);
        else for (t = 0; t < n_tasks; t++) lora__gemm_task(g, t, 0);
    }
}

/* The packed path: orientation, the product-wide grid, one workspace, then for each column
   block of at most ncb columns its task grid and dispatches. Without a workspace it falls back
   to the reference loop: lora_sgemm has no status to report the failure with. */
static LORA__UNUSED void lora__sgemm_packed(const lora__gemm_cfg *cfg, lora_pool *pool, int transA, int transB,
                                            int M, int N, int K, float alpha, const float *A, int lda,
                                            const float *B, int ldb, float beta, float *C, int ldc) {
    const long a_ri = transA ? 1 : lda, a_ck = transA ? lda : 1, b_rk = transB ? 1 : ldb, b_cj = transB ? ldb : 1;
    lora__gemm g;
    lora__gemm_ws w;
    unsigned char *ws;
    int held, n_kb;

    memset(&g, 0, sizeof g);
    g.cfg = cfg;
    g.alpha = alpha;
    lora__gemm_orient(&g, M, N, K, A, a_ri, a_ck, B, b_rk, b_cj, C, ldc);
    held = lora__pool_acquire(pool);
    g.nthreads = held ? lora__pool_nthreads(pool) : 1;
    if (2.0 * M * N * (double)K < 1e6) g.nthreads = 1;
    g.stealing = g.nthreads > 1;
    g.panels_taken = held ? &pool->gemm_panels_taken : NULL; /* held whenever nthreads > 1 */
    g.side_groups = held ? &pool->gemm_side_groups : NULL;
    n_kb = lora__gemm_plan_blocks(&g, beta);

    lora__gemm_ws_plan(&g, n_kb, &w);
    ws = held ? (unsigned char *)lora__pool_scratch(pool, w.bytes)
              : (unsigned char *)lora__alloc_aligned(w.bytes, "matrix multiply workspace");
    if (!ws) {
        if (held) lora__pool_release(pool);
        lora__sgemm_ref(M, N, K, alpha, A, a_ri, a_ck, B, b_rk, b_cj, beta, C, ldc);
        return;
    }
    lora__gemm_ws_carve(&g, &w, ws);

    for (g.j0 = 0; g.j0 < g.N; g.j0 += cfg->ncb) {
        lora__gemm_plan_tasks(&g, n_kb, w.n_panels_max);
        lora__gemm_dispatch(&g, pool, n_kb, &w);
    }
    if (held) lora__pool_release(pool);
    else lora__free_aligned(ws);
}

LORA_API void lora_sgemm(lora_pool *pool, int transA, int transB, int M, int N, int K,
                         float alpha, const float *A, int lda, const float *B, int ldb,
                         float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0 || !C) return;   /* invalid shapes or a NULL C: nothing to do */
    if (K <= 0 || alpha == 0.0f) { lora__scale_c(M, N, beta, C, ldc); return; }
    if (!A || !B) return;
#ifdef LORA_BLAS
    (void)pool;
    cblas_sgemm(101, transA ? 112 : 111, transB ? 112 : 111, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    {
        const lora__gemm_cfg *cfg = lora__gemm_config(pool ? pool->isa : lora__null_pool_isa());
        if (!lora__sgemm_direct(cfg, pool, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))
            lora__sgemm_packed(cfg, pool, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
#endif
}

#ifdef LORA__MATMUL_DIAG_PUSHED
#pragma GCC diagnostic pop
#undef LORA__MATMUL_DIAG_PUSHED
#endif
