/* g++ 12 warns falsely (-Wuninitialized) inside its own _mm512_undefined_* helpers used by
   the AVX-512 intrinsics below. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/* ---- matrix-vector products (lora_gemv) ----
   Products with a few activation rows (decoding one token, short prefills) are memory bound:
   the kernels stream W once. Plain W (K x N, y = x W): four rows of W at a time, up to
   LORA_GEMV_MAX_ROWS rows of X sharing each load (two rows at a time with their broadcasts in
   registers). Transposed W (N x K, y = W x): row dot products, four rows of W at a time, each
   with its own accumulator (one vector of 8 lanes on AVX2, 16 on AVX-512, two of 4 on NEON)
   and one horizontal sum at the end.
   Every output element is reduced over k in one fixed order whatever M and the column range:
   plain W, y = fma(x[k], w[k][j], y) for k = 0, 1, ... (the first from zero; fused on the SIMD
   ISAs, masked or fused-scalar column tails); transposed W, lanes by k modulo the vector width,
   a zero-padded last vector, then the ISA's fixed horizontal sum. So results never depend on
   how callers split columns between threads. */

/* Y[m][j] = sum_k X[m][k] * W[k * ldw + j] for m < M, j in [j0, j1) (overwrites). */
typedef void (*lora__gemv_n_fn)(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                float *Y, long ldy);
/* y[r] = sum_k W[r * ldw + k] * x[k] for r in [r0, r1) */
typedef void (*lora__gemv_t_fn)(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y);

static void lora__gemv_n_scalar(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                float *Y, long ldy) {
    int k, j, mm;
    for (mm = 0; mm < M; mm++) {
        float *y = Y + (size_t)mm * ldy;
        for (j = j0; j < j1; j++) y[j] = 0.0f;
        for (k = 0; k < K; k++) {
            const float *w = W + (size_t)k * ldw;
            float xk = X[(size_t)mm * ldx + k];
            for (j = j0; j < j1; j++) y[j] += xk * w[j];
        }
    }
}
static void lora__gemv_t_scalar(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r, k;
    for (r = r0; r < r1; r++) {
        const float *w = W + (size_t)r * ldw;
        float s = 0.0f;
        for (k = 0; k < K; k++) s += w[k] * x[k];
        y[r] = s;
    }
}

#ifdef LORA__X86
LORA__TARGET_AVX2 static LORA__UNUSED __m256i lora__gemv_mask8(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
LORA__TARGET_AVX2 static LORA__UNUSED float lora__gemv_hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#endif

#ifdef LORA__HAVE_AVX2
/* one row of x, four rows of W at a time */
LORA__TARGET_AVX2 static void lora__gemv_n1_avx2(const float *x, const float *W, long ldw, int K, int j0, int j1, float *y) {
    int k = 0, j;
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m256 x0 = _mm256_set1_ps(x[k]), x1 = _mm256_set1_ps(x[k + 1]), x2 = _mm256_set1_ps(x[k + 2]), x3 = _mm256_set1_ps(x[k + 3]);
        for (j = j0; j + 8 <= j1; j += 8) {
            __m256 v = k ? _mm256_loadu_ps(y + j) : _mm256_setzero_ps();
            v = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + j), v);
            v = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + j), v);
            v = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w2 + j), v);
            v = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w3 + j), v);
            _mm256_storeu_ps(y + j, v);
        }
        if (j < j1) {
            __m256i mk = lora__gemv_mask8(j1 - j);
            __m256 v = k ? _mm256_maskload_ps(y + j, mk) : _mm256_setzero_ps();
            v = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w0 + j, mk), v);
            v = _mm256_fmadd_ps(x1, _mm256_maskload_ps(w1 + j, mk), v);
            v = _mm256_fmadd_ps(x2, _mm256_maskload_ps(w2 + j, mk), v);
            v = _mm256_fmadd_ps(x3, _mm256_maskload_ps(w3 + j, mk), v);
            _mm256_maskstore_ps(y + j, mk, v);
        }
    }
    for (; k < K; k++) {
        const float *w0 = W + (size_t)k * ldw;
        __m256 x0 = _mm256_set1_ps(x[k]);
        for (j = j0; j + 8 <= j1; j += 8) {
            __m256 v = k ? _mm256_loadu_ps(y + j) : _mm256_setzero_ps();
            _mm256_storeu_ps(y + j, _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + j), v));
        }
        if (j < j1) {
            __m256i mk = lora__gemv_mask8(j1 - j);
            __m256 v = k ? _mm256_maskload_ps(y + j, mk) : _mm256_setzero_ps();
            _mm256_maskstore_ps(y + j, mk, _mm256_fmadd_ps(x0, _mm256_maskload_ps(w0 + j, mk), v));
        }
    }
}
/* several rows of x share each load of W, two rows at a time with their broadcasts in
   registers (the same arithmetic per element as one row; masks only for a column tail) */
LORA__TARGET_AVX2 static void lora__gemv_n_avx2(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                                float *Y, long ldy) {
    int k = 0, j, mm, jt = j0 + ((j1 - j0) & ~7);
    __m256i mt = lora__gemv_mask8((j1 - j0) & 7);
    if (M == 1) { lora__gemv_n1_avx2(X, W, ldw, K, j0, j1, Y); return; }
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        for (mm = 0; mm < M; mm += 2) {
            const float *xa = X + (size_t)mm * ldx + k, *xb = mm + 1 < M ? xa + ldx : xa;
            float *ya = Y + (size_t)mm * ldy, *yb = mm + 1 < M ? ya + ldy : ya;
            __m256 a0 = _mm256_set1_ps(xa[0]), a1 = _mm256_set1_ps(xa[1]), a2 = _mm256_set1_ps(xa[2]), a3 = _mm256_set1_ps(xa[3]);
            __m256 b0 = _mm256_set1_ps(xb[0]), b1 = _mm256_set1_ps(xb[1]), b2 = _mm256_set1_ps(xb[2]), b3 = _mm256_set1_ps(xb[3]);
            for (j = j0; j < jt; j += 8) {
                __m256 q0 = _mm256_loadu_ps(w0 + j), q1 = _mm256_loadu_ps(w1 + j), q2 = _mm256_loadu_ps(w2 + j), q3 = _mm256_loadu_ps(w3 + j);
                __m256 u = k ? _mm256_loadu_ps(ya + j) : _mm256_setzero_ps(), v = k ? _mm256_loadu_ps(yb + j) : _mm256_setzero_ps();
                u = _mm256_fmadd_ps(a0, q0, u); v = _mm256_fmadd_ps(b0, q0, v);
                u = _mm256_fmadd_ps(a1, q1, u); v = _mm256_fmadd_ps(b1, q1, v);
                u = _mm256_fmadd_ps(a2, q2, u); v = _mm256_fmadd_ps(b2, q2, v);
                u = _mm256_fmadd_ps(a3, q3, u); v = _mm256_fmadd_ps(b3, q3, v);
                _mm256_storeu_ps(ya + j, u); _mm256_storeu_ps(yb + j, v);
            }
            if (jt < j1) {
                __m256 q0 = _mm256_maskload_ps(w0 + jt, mt), q1 = _mm256_maskload_ps(w1 + jt, mt),
                       q2 = _mm256_maskload_ps(w2 + jt, mt), q3 = _mm256_maskload_ps(w3 + jt, mt);
                __m256 u = k ? _mm256_maskload_ps(ya + jt, mt) : _mm256_setzero_ps(), v = k ? _mm256_maskload_ps(yb + jt, mt) : _mm256_setzero_ps();
                u = _mm256_fmadd_ps(a0, q0, u); v = _mm256_fmadd_ps(b0, q0, v);
                u = _mm256_fmadd_ps(a1, q1, u); v = _mm256_fmadd_ps(b1, q1, v);
                u = _mm256_fmadd_ps(a2, q2, u); v = _mm256_fmadd_ps(b2, q2, v);
                u = _mm256_fmadd_ps(a3, q3, u); v = _mm256_fmadd_ps(b3, q3, v);
                _mm256_maskstore_ps(ya + jt, mt, u); _mm256_maskstore_ps(yb + jt, mt, v);
            }
        }
    }
    for (; k < K; k++)
        for (mm = 0; mm < M; mm++) {
            const float *w0 = W + (size_t)k * ldw;
            float *y = Y + (size_t)mm * ldy;
            __m256 a0 = _mm256_set1_ps(X[(size_t)mm * ldx + k]);
            for (j = j0; j < jt; j += 8) {
                __m256 u = k ? _mm256_loadu_ps(y + j) : _mm256_setzero_ps();
                _mm256_storeu_ps(y + j, _mm256_fmadd_ps(a0, _mm256_loadu_ps(w0 + j), u));
            }
            if (jt < j1) {
                __m256 u = k ? _mm256_maskload_ps(y + jt, mt) : _mm256_setzero_ps();
                _mm256_maskstore_ps(y + jt, mt, _mm256_fmadd_ps(a0, _mm256_maskload_ps(w0 + jt, mt), u));
            }
        }
}
LORA__TARGET_AVX2 static void lora__gemv_t_avx2(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r = r0, k, tail = K & 7;
    __m256i mk = lora__gemv_mask8(tail);
    for (; r + 4 <= r1; r += 4) {
        const float *w0 = W + (size_t)r * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (k = 0; k + 8 <= K; k += 8) {
            __m256 xv = _mm256_loadu_ps(x + k);
            a0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w0 + k), a0);
            a1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w1 + k), a1);
            a2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w2 + k), a2);
            a3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w3 + k), a3);
        }
        if (tail) {
            __m256 xv = _mm256_maskload_ps(x + k, mk);
            a0 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w0 + k, mk), a0);
            a1 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w1 + k, mk), a1);
            a2 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w2 + k, mk), a2);
            a3 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w3 + k, mk), a3);
        }
        y[r] = lora__gemv_hsum8(a0); y[r + 1] = lora__gemv_hsum8(a1); y[r + 2] = lora__gemv_hsum8(a2); y[r + 3] = lora__gemv_hsum8(a3);
    }
    for (; r < r1; r++) {
        const float *w0 = W + (size_t)r * ldw;
        __m256 a0 = _mm256_setzero_ps();
        for (k = 0; k + 8 <= K; k += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + k), _mm256_loadu_ps(w0 + k), a0);
        if (tail) a0 = _mm256_fmadd_ps(_mm256_maskload_ps(x + k, mk), _mm256_maskload_ps(w0 + k, mk), a0);
        y[r] = lora__gemv_hsum8(a0);
    }
}
#endif

#ifdef LORA__HAVE_AVX512
LORA__TARGET_AVX512 static void lora__gemv_n1_avx512(const float *x, const float *W, long ldw, int K, int j0, int j1, float *y) {
    int k = 0, j;
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 x0 = _mm512_set1_ps(x[k]), x1 = _mm512_set1_ps(x[k + 1]), x2 = _mm512_set1_ps(x[k + 2]), x3 = _mm512_set1_ps(x[k + 3]);
        for (j = j0; j + 16 <= j1; j += 16) {
            __m512 v = k ? _mm512_loadu_ps(y + j) : _mm512_setzero_ps();
            v = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + j), v);
            v = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w1 + j), v);
            v = _mm512_fmadd_ps(x2, _mm512_loadu_ps(w2 + j), v);
            v = _mm512_fmadd_ps(x3, _mm512_loadu_ps(w3 + j), v);
            _mm512_storeu_ps(y + j, v);
        }
        if (j < j1) {
            __mmask16 mk = (__mmask16)((1u << (j1 - j)) - 1);
            __m512 v = k ? _mm512_maskz_loadu_ps(mk, y + j) : _mm512_setzero_ps();
            v = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mk, w0 + j), v);
            v = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(mk, w1 + j), v);
            v = _mm512_fmadd_ps(x2, _mm512_maskz_loadu_ps(mk, w2 + j), v);
            v = _mm512_fmadd_ps(x3, _mm512_maskz_loadu_ps(mk, w3 + j), v);
            _mm512_mask_storeu_ps(y + j, mk, v);
        }
    }
    for (; k < K; k++) {
        const float *w0 = W + (size_t)k * ldw;
        __m512 x0 = _mm512_set1_ps(x[k]);
        for (j = j0; j + 16 <= j1; j += 16) {
            __m512 v = k ? _mm512_loadu_ps(y + j) : _mm512_setzero_ps();
            _mm512_storeu_ps(y + j, _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + j), v));
        }
        if (j < j1) {
            __mmask16 mk = (__mmask16)((1u << (j1 - j)) - 1);
            __m512 v = k ? _mm512_maskz_loadu_ps(mk, y + j) : _mm512_setzero_ps();
            _mm512_mask_storeu_ps(y + j, mk, _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mk, w0 + j), v));
        }
    }
}
LORA__TARGET_AVX512 static void lora__gemv_n_avx512(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                                    float *Y, long ldy) {
    int k = 0, j, mm, jt = j0 + ((j1 - j0) & ~15);
    __mmask16 mt = (__mmask16)((1u << ((j1 - j0) & 15)) - 1);
    if (M == 1) { lora__gemv_n1_avx512(X, W, ldw, K, j0, j1, Y); return; }
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        for (mm = 0; mm < M; mm += 2) {
            const float *xa = X + (size_t)mm * ldx + k, *xb = mm + 1 < M ? xa + ldx : xa;
            float *ya = Y + (size_t)mm * ldy, *yb = mm + 1 < M ? ya + ldy : ya;
            __m512 a0 = _mm512_set1_ps(xa[0]), a1 = _mm512_set1_ps(xa[1]), a2 = _mm512_set1_ps(xa[2]), a3 = _mm512_set1_ps(xa[3]);
            __m512 b0 = _mm512_set1_ps(xb[0]), b1 = _mm512_set1_ps(xb[1]), b2 = _mm512_set1_ps(xb[2]), b3 = _mm512_set1_ps(xb[3]);
            for (j = j0; j < jt; j += 16) {
                __m512 q0 = _mm512_loadu_ps(w0 + j), q1 = _mm512_loadu_ps(w1 + j), q2 = _mm512_loadu_ps(w2 + j), q3 = _mm512_loadu_ps(w3 + j);
                __m512 u = k ? _mm512_loadu_ps(ya + j) : _mm512_setzero_ps(), v = k ? _mm512_loadu_ps(yb + j) : _mm512_setzero_ps();
                u = _mm512_fmadd_ps(a0, q0, u); v = _mm512_fmadd_ps(b0, q0, v);
                u = _mm512_fmadd_ps(a1, q1, u); v = _mm512_fmadd_ps(b1, q1, v);
                u = _mm512_fmadd_ps(a2, q2, u); v = _mm512_fmadd_ps(b2, q2, v);
                u = _mm512_fmadd_ps(a3, q3, u); v = _mm512_fmadd_ps(b3, q3, v);
                _mm512_storeu_ps(ya + j, u); _mm512_storeu_ps(yb + j, v);
            }
            if (jt < j1) {
                __m512 q0 = _mm512_maskz_loadu_ps(mt, w0 + jt), q1 = _mm512_maskz_loadu_ps(mt, w1 + jt),
                       q2 = _mm512_maskz_loadu_ps(mt, w2 + jt), q3 = _mm512_maskz_loadu_ps(mt, w3 + jt);
                __m512 u = k ? _mm512_maskz_loadu_ps(mt, ya + jt) : _mm512_setzero_ps(), v = k ? _mm512_maskz_loadu_ps(mt, yb + jt) : _mm512_setzero_ps();
                u = _mm512_fmadd_ps(a0, q0, u); v = _mm512_fmadd_ps(b0, q0, v);
                u = _mm512_fmadd_ps(a1, q1, u); v = _mm512_fmadd_ps(b1, q1, v);
                u = _mm512_fmadd_ps(a2, q2, u); v = _mm512_fmadd_ps(b2, q2, v);
                u = _mm512_fmadd_ps(a3, q3, u); v = _mm512_fmadd_ps(b3, q3, v);
                _mm512_mask_storeu_ps(ya + jt, mt, u); _mm512_mask_storeu_ps(yb + jt, mt, v);
            }
        }
    }
    for (; k < K; k++)
        for (mm = 0; mm < M; mm++) {
            const float *w0 = W + (size_t)k * ldw;
            float *y = Y + (size_t)mm * ldy;
            __m512 a0 = _mm512_set1_ps(X[(size_t)mm * ldx + k]);
            for (j = j0; j < jt; j += 16) {
                __m512 u = k ? _mm512_loadu_ps(y + j) : _mm512_setzero_ps();
                _mm512_storeu_ps(y + j, _mm512_fmadd_ps(a0, _mm512_loadu_ps(w0 + j), u));
            }
            if (jt < j1) {
                __m512 u = k ? _mm512_maskz_loadu_ps(mt, y + jt) : _mm512_setzero_ps();
                _mm512_mask_storeu_ps(y + jt, mt, _mm512_fmadd_ps(a0, _mm512_maskz_loadu_ps(mt, w0 + jt), u));
            }
        }
}
/* horizontal sum through memory (g++ 12 warns inside the 512-bit extract/shuffle intrinsics) */
LORA__TARGET_AVX512 static float lora__gemv_hsum16(__m512 v) {
    float t[16] LORA__ALIGNED64;
    _mm512_store_ps(t, v);
    return lora__gemv_hsum8(_mm256_add_ps(_mm256_load_ps(t), _mm256_load_ps(t + 8)));
}
LORA__TARGET_AVX512 static void lora__gemv_t_avx512(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r = r0, k, tail = K & 15;
    __mmask16 mk = (__mmask16)((1u << tail) - 1);
    for (; r + 4 <= r1; r += 4) {
        const float *w0 = W + (size_t)r * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (k = 0; k + 16 <= K; k += 16) {
            __m512 xv = _mm512_loadu_ps(x + k);
            a0 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w0 + k), a0);
            a1 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w1 + k), a1);
            a2 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w2 + k), a2);
            a3 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w3 + k), a3);
        }
        if (tail) {
            __m512 xv = _mm512_maskz_loadu_ps(mk, x + k);
            a0 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w0 + k), a0);
            a1 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w1 + k), a1);
            a2 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w2 + k), a2);
            a3 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w3 + k), a3);
        }
        y[r] = lora__gemv_hsum16(a0); y[r + 1] = lora__gemv_hsum16(a1);
        y[r + 2] = lora__gemv_hsum16(a2); y[r + 3] = lora__gemv_hsum16(a3);
    }
    for (; r < r1; r++) {
        const float *w0 = W + (size_t)r * ldw;
        __m512 a0 = _mm512_setzero_ps();
        for (k = 0; k + 16 <= K; k += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + k), _mm512_loadu_ps(w0 + k), a0);
        if (tail) a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + k), _mm512_maskz_loadu_ps(mk, w0 + k), a0);
        y[r] = lora__gemv_hsum16(a0);
    }
}
#endif

#ifdef LORA__HAVE_NEON
/* Plain W on NEON: the AVX2 scheme in 4-lane vectors (x broadcast from a lane with
   vfmaq_laneq_f32, fused like vfmaq_f32), eight columns per step, then four; the last
   1-3 columns of the range with fmaf, the same fused operation per element. */
#define LORA__GEMV_NE_C1(y, a, w, j, l) y = vfmaq_laneq_f32(y, vld1q_f32(w + j), a, l)
static void lora__gemv_n_neon(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                              float *Y, long ldy) {
    int k = 0, j, mm, jt = j0 + ((j1 - j0) & ~3);
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        for (mm = 0; mm < M; mm += 2) {
            const float *xa = X + (size_t)mm * ldx + k;
            float *ya = Y + (size_t)mm * ldy;
            float32x4_t a = vld1q_f32(xa);
            if (mm + 1 < M) { /* two rows share each load of W */
                const float *xb = xa + ldx;
                float *yb = ya + ldy;
                float32x4_t b = vld1q_f32(xb);
                for (j = j0; j + 8 <= jt; j += 8) {
                    float32x4_t q0 = vld1q_f32(w0 + j), q1 = vld1q_f32(w1 + j), q2 = vld1q_f32(w2 + j), q3 = vld1q_f32(w3 + j);
                    float32x4_t p0 = vld1q_f32(w0 + j + 4), p1 = vld1q_f32(w1 + j + 4), p2 = vld1q_f32(w2 + j + 4), p3 = vld1q_f32(w3 + j + 4);
                    float32x4_t u0 = k ? vld1q_f32(ya + j) : vdupq_n_f32(0.0f), u1 = k ? vld1q_f32(ya + j + 4) : vdupq_n_f32(0.0f);
                    float32x4_t v0 = k ? vld1q_f32(yb + j) : vdupq_n_f32(0.0f), v1 = k ? vld1q_f32(yb + j + 4) : vdupq_n_f32(0.0f);
                    u0 = vfmaq_laneq_f32(u0, q0, a, 0); u1 = vfmaq_laneq_f32(u1, p0, a, 0);
                    v0 = vfmaq_laneq_f32(v0, q0, b, 0); v1 = vfmaq_laneq_f32(v1, p0, b, 0);
                    u0 = vfmaq_laneq_f32(u0, q1, a, 1); u1 = vfmaq_laneq_f32(u1, p1, a, 1);
                    v0 = vfmaq_laneq_f32(v0, q1, b, 1); v1 = vfmaq_laneq_f32(v1, p1, b, 1);
                    u0 = vfmaq_laneq_f32(u0, q2, a, 2); u1 = vfmaq_laneq_f32(u1, p2, a, 2);
                    v0 = vfmaq_laneq_f32(v0, q2, b, 2); v1 = vfmaq_laneq_f32(v1, p2, b, 2);
                    u0 = vfmaq_laneq_f32(u0, q3, a, 3); u1 = vfmaq_laneq_f32(u1, p3, a, 3);
                    v0 = vfmaq_laneq_f32(v0, q3, b, 3); v1 = vfmaq_laneq_f32(v1, p3, b, 3);
                    vst1q_f32(ya + j, u0); vst1q_f32(ya + j + 4, u1);
                    vst1q_f32(yb + j, v0); vst1q_f32(yb + j + 4, v1);
                }
                for (; j < jt; j += 4) {
                    float32x4_t q0 = vld1q_f32(w0 + j), q1 = vld1q_f32(w1 + j), q2 = vld1q_f32(w2 + j), q3 = vld1q_f32(w3 + j);
                    float32x4_t u = k ? vld1q_f32(ya + j) : vdupq_n_f32(0.0f), v = k ? vld1q_f32(yb + j) : vdupq_n_f32(0.0f);
                    u = vfmaq_laneq_f32(u, q0, a, 0); v = vfmaq_laneq_f32(v, q0, b, 0);
                    u = vfmaq_laneq_f32(u, q1, a, 1); v = vfmaq_laneq_f32(v, q1, b, 1);
                    u = vfmaq_laneq_f32(u, q2, a, 2); v = vfmaq_laneq_f32(v, q2, b, 2);
                    u = vfmaq_laneq_f32(u, q3, a, 3); v = vfmaq_laneq_f32(v, q3, b, 3);
                    vst1q_f32(ya + j, u); vst1q_f32(yb + j, v);
                }
                for (; j < j1; j++) {
                    float u = k ? ya[j] : 0.0f, v = k ? yb[j] : 0.0f;
                    u = fmaf(xa[0], w0[j], u); v = fmaf(xb[0], w0[j], v);
                    u = fmaf(xa[1], w1[j], u); v = fmaf(xb[1], w1[j], v);
                    u = fmaf(xa[2], w2[j], u); v = fmaf(xb[2], w2[j], v);
                    u = fmaf(xa[3], w3[j], u); v = fmaf(xb[3], w3[j], v);
                    ya[j] = u; yb[j] = v;
                }
            } else {
                for (j = j0; j + 8 <= jt; j += 8) {
                    float32x4_t u0 = k ? vld1q_f32(ya + j) : vdupq_n_f32(0.0f), u1 = k ? vld1q_f32(ya + j + 4) : vdupq_n_f32(0.0f);
                    LORA__GEMV_NE_C1(u0, a, w0, j, 0); LORA__GEMV_NE_C1(u1, a, w0, j + 4, 0);
                    LORA__GEMV_NE_C1(u0, a, w1, j, 1); LORA__GEMV_NE_C1(u1, a, w1, j + 4, 1);
                    LORA__GEMV_NE_C1(u0, a, w2, j, 2); LORA__GEMV_NE_C1(u1, a, w2, j + 4, 2);
                    LORA__GEMV_NE_C1(u0, a, w3, j, 3); LORA__GEMV_NE_C1(u1, a, w3, j + 4, 3);
                    vst1q_f32(ya + j, u0); vst1q_f32(ya + j + 4, u1);
                }
                for (; j < jt; j += 4) {
                    float32x4_t u = k ? vld1q_f32(ya + j) : vdupq_n_f32(0.0f);
                    LORA__GEMV_NE_C1(u, a, w0, j, 0); LORA__GEMV_NE_C1(u, a, w1, j, 1);
                    LORA__GEMV_NE_C1(u, a, w2, j, 2); LORA__GEMV_NE_C1(u, a, w3, j, 3);
                    vst1q_f32(ya + j, u);
                }
                for (; j < j1; j++) {
                    float u = k ? ya[j] : 0.0f;
                    u = fmaf(xa[0], w0[j], u); u = fmaf(xa[1], w1[j], u);
                    u = fmaf(xa[2], w2[j], u); u = fmaf(xa[3], w3[j], u);
                    ya[j] = u;
                }
            }
        }
    }
    for (; k < K; k++)
        for (mm = 0; mm < M; mm++) {
            const float *w0 = W + (size_t)k * ldw;
            float *y = Y + (size_t)mm * ldy, xk = X[(size_t)mm * ldx + k];
            for (j = j0; j < jt; j += 4) {
                float32x4_t u = k ? vld1q_f32(y + j) : vdupq_n_f32(0.0f);
                vst1q_f32(y + j, vfmaq_n_f32(u, vld1q_f32(w0 + j), xk));
            }
            for (; j < j1; j++) y[j] = fmaf(xk, w0[j], k ? y[j] : 0.0f);
        }
}
#undef LORA__GEMV_NE_C1

/* Transposed W on NEON: per row two 4-lane accumulators (lanes k mod 8, as the AVX2 kernel's
   one 8-lane vector), the last 1-7 values zero-padded, summed as (a + b) then pairwise. */
static float lora__gemv_hsum_neon(float32x4_t a, float32x4_t b) {
    float32x4_t s = vaddq_f32(a, b);
    return vaddvq_f32(s);
}
static void lora__gemv_t_neon(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r = r0, k, i, tail = K & 7, kt = K - tail;
    float xt[8] = { 0 };
    for (i = 0; i < tail; i++) xt[i] = x[kt + i];
    for (; r + 4 <= r1; r += 4) {
        const float *w0 = W + (size_t)r * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        float32x4_t a0 = vdupq_n_f32(0.0f), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        for (k = 0; k < kt; k += 8) {
            float32x4_t xl = vld1q_f32(x + k), xh = vld1q_f32(x + k + 4);
            a0 = vfmaq_f32(a0, xl, vld1q_f32(w0 + k)); b0 = vfmaq_f32(b0, xh, vld1q_f32(w0 + k + 4));
            a1 = vfmaq_f32(a1, xl, vld1q_f32(w1 + k)); b1 = vfmaq_f32(b1, xh, vld1q_f32(w1 + k + 4));
            a2 = vfmaq_f32(a2, xl, vld1q_f32(w2 + k)); b2 = vfmaq_f32(b2, xh, vld1q_f32(w2 + k + 4));
            a3 = vfmaq_f32(a3, xl, vld1q_f32(w3 + k)); b3 = vfmaq_f32(b3, xh, vld1q_f32(w3 + k + 4));
        }
        if (tail) {
            float t[4][8] = { { 0 } };
            float32x4_t xl = vld1q_f32(xt), xh = vld1q_f32(xt + 4);
            for (i = 0; i < tail; i++) { t[0][i] = w0[kt + i]; t[1][i] = w1[kt + i]; t[2][i] = w2[kt + i]; t[3][i] = w3[kt + i]; }
            a0 = vfmaq_f32(a0, xl, vld1q_f32(t[0])); b0 = vfmaq_f32(b0, xh, vld1q_f32(t[0] + 4));
            a1 = vfmaq_f32(a1, xl, vld1q_f32(t[1])); b1 = vfmaq_f32(b1, xh, vld1q_f32(t[1] + 4));
            a2 = vfmaq_f32(a2, xl, vld1q_f32(t[2])); b2 = vfmaq_f32(b2, xh, vld1q_f32(t[2] + 4));
            a3 = vfmaq_f32(a3, xl, vld1q_f32(t[3])); b3 = vfmaq_f32(b3, xh, vld1q_f32(t[3] + 4));
        }
        y[r] = lora__gemv_hsum_neon(a0, b0); y[r + 1] = lora__gemv_hsum_neon(a1, b1);
        y[r + 2] = lora__gemv_hsum_neon(a2, b2); y[r + 3] = lora__gemv_hsum_neon(a3, b3);
    }
    for (; r < r1; r++) {
        const float *w0 = W + (size_t)r * ldw;
        float32x4_t a0 = vdupq_n_f32(0.0f), b0 = a0;
        for (k = 0; k < kt; k += 8) {
            a0 = vfmaq_f32(a0, vld1q_f32(x + k), vld1q_f32(w0 + k));
            b0 = vfmaq_f32(b0, vld1q_f32(x + k + 4), vld1q_f32(w0 + k + 4));
        }
        if (tail) {
            float t[8] = { 0 };
            for (i = 0; i < tail; i++) t[i] = w0[kt + i];
            a0 = vfmaq_f32(a0, vld1q_f32(xt), vld1q_f32(t));
            b0 = vfmaq_f32(b0, vld1q_f32(xt + 4), vld1q_f32(t + 4));
        }
        y[r] = lora__gemv_hsum_neon(a0, b0);
    }
}
#endif

typedef struct lora__gemv_ops { lora__gemv_n_fn n; lora__gemv_t_fn t; } lora__gemv_ops;
static lora__gemv_ops lora__gemv_select(lora_isa isa) {
    lora__gemv_ops o;
    o.n = lora__gemv_n_scalar; o.t = lora__gemv_t_scalar;
#ifdef LORA__HAVE_AVX512
    if (isa == LORA_ISA_AVX512) { o.n = lora__gemv_n_avx512; o.t = lora__gemv_t_avx512; }
#endif
#ifdef LORA__HAVE_AVX2
    if (isa == LORA_ISA_AVX2) { o.n = lora__gemv_n_avx2; o.t = lora__gemv_t_avx2; }
#endif
#ifdef LORA__HAVE_NEON
    if (isa == LORA_ISA_NEON) { o.n = lora__gemv_n_neon; o.t = lora__gemv_t_neon; }
#endif
    (void)isa;
    return o;
}

/* The instruction set lora_gemv runs: AUTO as for a NULL pool (the best detected, or the one
   LORA_ISA names); one this build or CPU lacks falls back to the best lower one (AVX-512 to
   AVX2 when available, anything else to scalar). */
static lora_isa lora__gemv_isa(lora_isa isa) {
    lora_isa best;
    if (isa == LORA_ISA_SCALAR) return isa;
    if (isa == LORA_ISA_AUTO) return lora__null_pool_isa();
    best = lora__detect_isa_fast();
    if (lora__isa_ok(isa, best)) return isa;
    if (isa == LORA_ISA_AVX512 && lora__isa_ok(LORA_ISA_AVX2, best)) return LORA_ISA_AVX2;
    return LORA_ISA_SCALAR;
}

LORA_API void lora_gemv(lora_isa isa, int transW, int M, int K, const float *X, long ldx, const float *W, long ldw,
                        int j0, int j1, float *Y, long ldy) {
    lora__gemv_ops o;
    int m;
    if (M <= 0 || K <= 0 || j0 < 0 || j0 >= j1 || !X || !W || !Y) return;
    o = lora__gemv_select(lora__gemv_isa(isa));
    if (transW) {
        for (m = 0; m < M; m++) o.t(X + (size_t)m * ldx, W, ldw, K, j0, j1, Y + (size_t)m * ldy);
    } else {
        for (m = 0; m < M; m += LORA_GEMV_MAX_ROWS)
            o.n(X + (size_t)m * ldx, ldx, M - m < LORA_GEMV_MAX_ROWS ? M - m : LORA_GEMV_MAX_ROWS, W, ldw, K, j0, j1,
                Y + (size_t)m * ldy, ldy);
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
