/* g++ 12 warns falsely (-Wuninitialized) inside its own _mm512_undefined_* helpers used by
   the AVX-512 reductions below. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/* ---- vectorised row kernels for the non-matmul ops ----
   exp (Cephes-style range reduction + degree-6 polynomial, ~1 ulp), row max, exp-and-sum,
   scale, sum / centred sum of squares / dot with fixed lane and accumulation order (so a
   row's result never depends on threads), gelu_new forward and backward
   (0.5 x (1 + tanh u) = x * sigmoid(2u)), elementwise add and accumulate (biases, residuals,
   embeddings: exact, so the same on every ISA), layernorm's backward row and the column sums of
   its weight gradients, dropout's mask-and-scale, and AdamW's elementwise update. One table of
   function pointers per instruction set, picked once per call site from the pool's ISA. */

/* The table type, lora_vecops, is public (lora.h, "For model authors"). */

/* ---- scalar ---- */
static float lora__max_scalar(const float *x, int n) {
    float m = x[0];
    int i;
    for (i = 1; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}
static float lora__exp_sum_scalar(const float *x, float *y, int n, float sub) {
    float s = 0.0f;
    int i;
    for (i = 0; i < n; i++) { float e = expf(x[i] - sub); if (y) y[i] = e; s += e; }
    return s;
}
static void lora__scale_scalar(float *y, int n, float s) { int i; for (i = 0; i < n; i++) y[i] *= s; }
static float lora__sum_scalar(const float *x, int n) { float s = 0.0f; int i; for (i = 0; i < n; i++) s += x[i]; return s; }
static float lora__sumsq_centered_scalar(const float *x, int n, float mu) {
    float s = 0.0f;
    int i;
    for (i = 0; i < n; i++) { float d = x[i] - mu; s += d * d; }
    return s;
}
static float lora__dot_scalar(const float *a, const float *b, int n) { float s = 0.0f; int i; for (i = 0; i < n; i++) s += a[i] * b[i]; return s; }
static void lora__norm_affine_scalar(const float *x, float *y, const float *w, const float *b, int n, float mu, float rstd) {
    int i;
    for (i = 0; i < n; i++) y[i] = (x[i] - mu) * rstd * w[i] + b[i];
}
#define LORA__GELU_K 0.7978845608028654f /* sqrt(2/pi) */
#define LORA__GELU_C 0.044715f
static void lora__gelu_scalar(const float *x, float *y, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(LORA__GELU_K * (v + LORA__GELU_C * v * v * v)));
    }
}
static void lora__gelu_back_scalar(const float *x, const float *dy, float *dx, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        float v = x[i], t = tanhf(LORA__GELU_K * (v + LORA__GELU_C * v * v * v));
        float du = LORA__GELU_K * (1.0f + 3.0f * LORA__GELU_C * v * v);
        dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du);
    }
}
static void lora__add_scalar(const float *a, const float *b, float *y, size_t n) { size_t i; for (i = 0; i < n; i++) y[i] = a[i] + b[i]; }
static void lora__acc_scalar(float *y, const float *x, size_t n) { size_t i; for (i = 0; i < n; i++) y[i] += x[i]; }
static void lora__ln_back_scalar(const float *x, const float *d, const float *w, float *dx, int n, float mu, float rstd) {
    float dmean = 0.0f, dnorm_mean = 0.0f;
    int i;
    for (i = 0; i < n; i++) {
        float nrm = (x[i] - mu) * rstd, dn = d[i] * w[i];
        dmean += dn; dnorm_mean += dn * nrm;
    }
    dmean /= (float)n; dnorm_mean /= (float)n;
    for (i = 0; i < n; i++) {
        float nrm = (x[i] - mu) * rstd, dn = d[i] * w[i];
        dx[i] += (dn - dmean - nrm * dnorm_mean) * rstd;
    }
}
static void lora__ln_wgrad_scalar(const float *d, const float *x, float *dw, float *db, int n, float mu, float rstd) {
    int i;
    if (dw) for (i = 0; i < n; i++) dw[i] += d[i] * ((x[i] - mu) * rstd);
    if (db) for (i = 0; i < n; i++) db[i] += d[i];
}
static void lora__mask_scale_scalar(const float *x, const unsigned char *mask, float *y, size_t n, float scale) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = mask[i] ? x[i] * scale : 0.0f;
}
static void lora__rms_scale_scalar(const float *x, float *y, const float *w, int n, float rstd) {
    int i;
    for (i = 0; i < n; i++) y[i] = (x[i] * rstd) * w[i];
}
static void lora__rms_back_scalar(const float *x, const float *d, const float *w, float *dx, int n, float rstd) {
    float dot = 0.0f, mean;
    int i;
    for (i = 0; i < n; i++) dot += d[i] * w[i] * (x[i] * rstd);
    mean = dot / (float)n;
    for (i = 0; i < n; i++) dx[i] += (d[i] * w[i] - (x[i] * rstd) * mean) * rstd;
}
static void lora__swiglu_scalar(const float *g, const float *u, float *y, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}
static void lora__swiglu_back_scalar(const float *g, const float *u, const float *dy, float *dg, float *du, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        float gv = g[i], uv = u[i], s = 1.0f / (1.0f + expf(-gv)), d = dy[i];
        dg[i] = d * uv * (s * (1.0f + gv * (1.0f - s)));
        du[i] = d * (gv * s);
    }
}
static void lora__rope_scalar(const float *x, float *y, const float *c, const float *sn, int half, int inverse) {
    int i;
    for (i = 0; i < half; i++) {
        float a = x[i], b = x[i + half], s = inverse ? -sn[i] : sn[i];
        y[i] = a * c[i] - b * s;
        y[i + half] = b * c[i] + a * s;
    }
}
static const lora_vecops lora__vec_scalar = {
    lora__max_scalar, lora__exp_sum_scalar, lora__scale_scalar, lora__sum_scalar, lora__sumsq_centered_scalar,
    lora__dot_scalar, lora__norm_affine_scalar, lora__gelu_scalar, lora__gelu_back_scalar,
    lora__add_scalar, lora__acc_scalar, lora__ln_back_scalar, lora__ln_wgrad_scalar, lora__mask_scale_scalar,
    lora__rms_scale_scalar, lora__rms_back_scalar, lora__swiglu_scalar, lora__swiglu_back_scalar, lora__rope_scalar};

/* ---- AVX2 + FMA and AVX-512: the same algorithms, 8 or 16 lanes ---- */
#if defined(LORA__HAVE_AVX2) || defined(LORA__HAVE_AVX512)
/* exp constants (Cephes expf) */
#define LORA__EXP_HI 88.3762626647949f
#define LORA__EXP_LO (-87.3365478515625f)
#define LORA__LOG2E 1.44269504088896341f
#define LORA__LN2_HI 0.693359375f
#define LORA__LN2_LO (-2.12194440e-4f)
#define LORA__EXP_P0 1.9875691500e-4f
#define LORA__EXP_P1 1.3981999507e-3f
#define LORA__EXP_P2 8.3334519073e-3f
#define LORA__EXP_P3 4.1665795894e-2f
#define LORA__EXP_P4 1.6666665459e-1f
#define LORA__EXP_P5 5.0000001201e-1f
#endif

#ifdef LORA__HAVE_AVX2
static LORA__TARGET_AVX2 __m256 lora__exp8(__m256 x) {
    __m256 fx, z, y;
    __m256i e;
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(LORA__EXP_LO)), _mm256_set1_ps(LORA__EXP_HI));
    fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LORA__LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(LORA__LN2_HI), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(LORA__LN2_LO), x);
    z = _mm256_mul_ps(x, x);
    y = _mm256_set1_ps(LORA__EXP_P0);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(LORA__EXP_P1));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(LORA__EXP_P2));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(LORA__EXP_P3));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(LORA__EXP_P4));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(LORA__EXP_P5));
    y = _mm256_fmadd_ps(y, z, _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}
static LORA__TARGET_AVX2 float lora__hsum8(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}
static LORA__TARGET_AVX2 float lora__hmax8(__m256 v) {
    __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_max_ps(a, _mm_movehl_ps(a, a));
    a = _mm_max_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}
static LORA__TARGET_AVX2 float lora__max_avx2(const float *x, int n) {
    int i = 0;
    float m;
    if (n >= 8) {
        __m256 v = _mm256_loadu_ps(x);
        for (i = 8; i + 8 <= n; i += 8) v = _mm256_max_ps(v, _mm256_loadu_ps(x + i));
        m = lora__hmax8(v);
    } else m = x[i++];
    for (; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}
static LORA__TARGET_AVX2 float lora__exp_sum_avx2(const float *x, float *y, int n, float sub) {
    __m256 acc = _mm256_setzero_ps(), s = _mm256_set1_ps(sub);
    float tail = 0.0f;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = lora__exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        if (y) _mm256_storeu_ps(y + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    for (; i < n; i++) { float e = expf(x[i] - sub); if (y) y[i] = e; tail += e; }
    return lora__hsum8(acc) + tail;
}
static LORA__TARGET_AVX2 void lora__scale_avx2(float *y, int n, float s) {
    __m256 v = _mm256_set1_ps(s);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), v));
    for (; i < n; i++) y[i] *= s;
}
static LORA__TARGET_AVX2 float lora__sum_avx2(const float *x, int n) {
    __m256 acc = _mm256_setzero_ps();
    float tail = 0.0f;
    int i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + i));
    for (; i < n; i++) tail += x[i];
    return lora__hsum8(acc) + tail;
}
static LORA__TARGET_AVX2 float lora__sumsq_centered_avx2(const float *x, int n, float mu) {
    __m256 acc = _mm256_setzero_ps(), m = _mm256_set1_ps(mu);
    float tail = 0.0f;
    int i = 0;
    for (; i + 8 <= n; i += 8) { __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), m); acc = _mm256_fmadd_ps(d, d, acc); }
    for (; i < n; i++) { float d = x[i] - mu; tail += d * d; }
    return lora__hsum8(acc) + tail;
}
static LORA__TARGET_AVX2 float lora__dot_avx2(const float *a, const float *b, int n) {
    __m256 acc = _mm256_setzero_ps();
    float tail = 0.0f;
    int i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
    for (; i < n; i++) tail += a[i] * b[i];
    return lora__hsum8(acc) + tail;
}
static LORA__TARGET_AVX2 void lora__norm_affine_avx2(const float *x, float *y, const float *w, const float *b, int n, float mu, float rstd) {
    __m256 m = _mm256_set1_ps(mu), r = _mm256_set1_ps(rstd);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 t = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), m), r), _mm256_loadu_ps(w + i));
        _mm256_storeu_ps(y + i, _mm256_add_ps(t, _mm256_loadu_ps(b + i)));
    }
    for (; i < n; i++) y[i] = (x[i] - mu) * rstd * w[i] + b[i];
}
/* sigmoid(2u) with u = k (x + c x^3): gelu = x * s, tanh u = 2 s - 1 */
static LORA__TARGET_AVX2 __m256 lora__gelu_sig8(__m256 x) {
    __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    __m256 u2 = _mm256_mul_ps(_mm256_set1_ps(-2.0f * LORA__GELU_K), _mm256_fmadd_ps(_mm256_set1_ps(LORA__GELU_C), x3, x));
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), lora__exp8(u2)));
}
static LORA__TARGET_AVX2 void lora__gelu_avx2(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { __m256 v = _mm256_loadu_ps(x + i); _mm256_storeu_ps(y + i, _mm256_mul_ps(v, lora__gelu_sig8(v))); }
    if (i < n) lora__gelu_scalar(x + i, y + i, n - i);
}
static LORA__TARGET_AVX2 void lora__gelu_back_avx2(const float *x, const float *dy, float *dx, size_t n) {
    size_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f), k = _mm256_set1_ps(LORA__GELU_K);
    const __m256 k3c = _mm256_set1_ps(3.0f * LORA__GELU_C);
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i), s = lora__gelu_sig8(v);
        __m256 t = _mm256_fmsub_ps(_mm256_set1_ps(2.0f), s, one);                    /* tanh u */
        __m256 du = _mm256_mul_ps(k, _mm256_fmadd_ps(k3c, _mm256_mul_ps(v, v), one)); /* du/dx */
        __m256 g = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_fnmadd_ps(t, t, one)), du, s); /* 0.5(1+t) = s */
        _mm256_storeu_ps(dx + i, _mm256_mul_ps(_mm256_loadu_ps(dy + i), g));
    }
    if (i < n) lora__gelu_back_scalar(x + i, dy + i, dx + i, n - i);
}
static LORA__TARGET_AVX2 void lora__add_avx2(const float *a, const float *b, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    for (; i < n; i++) y[i] = a[i] + b[i];
}
static LORA__TARGET_AVX2 void lora__acc_avx2(float *y, const float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
    for (; i < n; i++) y[i] += x[i];
}
static LORA__TARGET_AVX2 void lora__ln_back_avx2(const float *x, const float *d, const float *w, float *dx, int n, float mu, float rstd) {
    const __m256 m = _mm256_set1_ps(mu), r = _mm256_set1_ps(rstd);
    __m256 s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), vdm, vdnm;
    float t1 = 0.0f, t2 = 0.0f, dmean, dnorm_mean;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 nrm = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), m), r);
        __m256 dn = _mm256_mul_ps(_mm256_loadu_ps(d + i), _mm256_loadu_ps(w + i));
        s1 = _mm256_add_ps(s1, dn);
        s2 = _mm256_fmadd_ps(dn, nrm, s2);
    }
    for (; i < n; i++) { float nrm = (x[i] - mu) * rstd, dn = d[i] * w[i]; t1 += dn; t2 += dn * nrm; }
    dmean = (lora__hsum8(s1) + t1) / (float)n;
    dnorm_mean = (lora__hsum8(s2) + t2) / (float)n;
    vdm = _mm256_set1_ps(dmean); vdnm = _mm256_set1_ps(dnorm_mean);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 nrm = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), m), r);
        __m256 dn = _mm256_mul_ps(_mm256_loadu_ps(d + i), _mm256_loadu_ps(w + i));
        __m256 g = _mm256_fnmadd_ps(nrm, vdnm, _mm256_sub_ps(dn, vdm));
        _mm256_storeu_ps(dx + i, _mm256_fmadd_ps(g, r, _mm256_loadu_ps(dx + i)));
    }
    for (; i < n; i++) { float nrm = (x[i] - mu) * rstd, dn = d[i] * w[i]; dx[i] += (dn - dmean - nrm * dnorm_mean) * rstd; }
}
static LORA__TARGET_AVX2 void lora__ln_wgrad_avx2(const float *d, const float *x, float *dw, float *db, int n, float mu, float rstd) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 m = _mm256_set1_ps(mu), r = _mm256_set1_ps(rstd);
    int i;
    for (i = 0; i < n; i += 8) {
        const __m256i k = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - i), lane);
        const __m256 vd = _mm256_maskload_ps(d + i, k);
        if (dw) {
            __m256 nrm = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, k), m), r);
            _mm256_maskstore_ps(dw + i, k, _mm256_add_ps(_mm256_maskload_ps(dw + i, k), _mm256_mul_ps(vd, nrm)));
        }
        if (db) _mm256_maskstore_ps(db + i, k, _mm256_add_ps(_mm256_maskload_ps(db + i, k), vd));
    }
}
static LORA__TARGET_AVX2 void lora__mask_scale_avx2(const float *x, const unsigned char *mask, float *y, size_t n, float scale) {
    const __m256 s = _mm256_set1_ps(scale);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i mb = _mm_loadl_epi64((const __m128i *)(const void *)(mask + i));
        __m256 keep = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_cvtepu8_epi32(mb), _mm256_setzero_si256()));
        _mm256_storeu_ps(y + i, _mm256_and_ps(keep, _mm256_mul_ps(_mm256_loadu_ps(x + i), s)));
    }
    for (; i < n; i++) y[i] = mask[i] ? x[i] * scale : 0.0f;
}
static LORA__TARGET_AVX2 void lora__rms_scale_avx2(const float *x, float *y, const float *w, int n, float rstd) {
    const __m256 r = _mm256_set1_ps(rstd);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), r), _mm256_loadu_ps(w + i)));
    for (; i < n; i++) y[i] = (x[i] * rstd) * w[i];
}
static LORA__TARGET_AVX2 void lora__rms_back_avx2(const float *x, const float *d, const float *w, float *dx, int n, float rstd) {
    const __m256 r = _mm256_set1_ps(rstd);
    __m256 s = _mm256_setzero_ps(), vm;
    float t = 0.0f, mean;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 dn = _mm256_mul_ps(_mm256_loadu_ps(d + i), _mm256_loadu_ps(w + i));
        s = _mm256_fmadd_ps(dn, _mm256_mul_ps(_mm256_loadu_ps(x + i), r), s);
    }
    for (; i < n; i++) t += d[i] * w[i] * (x[i] * rstd);
    mean = (lora__hsum8(s) + t) / (float)n;
    vm = _mm256_set1_ps(mean);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 dn = _mm256_mul_ps(_mm256_loadu_ps(d + i), _mm256_loadu_ps(w + i));
        __m256 g = _mm256_fnmadd_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), r), vm, dn);
        _mm256_storeu_ps(dx + i, _mm256_fmadd_ps(g, r, _mm256_loadu_ps(dx + i)));
    }
    for (; i < n; i++) dx[i] += (d[i] * w[i] - (x[i] * rstd) * mean) * rstd;
}
static LORA__TARGET_AVX2 __m256 lora__sigmoid8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, lora__exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}
static LORA__TARGET_AVX2 void lora__swiglu_avx2(const float *g, const float *u, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(g + i);
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(v, lora__sigmoid8(v)), _mm256_loadu_ps(u + i)));
    }
    if (i < n) lora__swiglu_scalar(g + i, u + i, y + i, n - i);
}
static LORA__TARGET_AVX2 void lora__swiglu_back_avx2(const float *g, const float *u, const float *dy, float *dg, float *du, size_t n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gv = _mm256_loadu_ps(g + i), uv = _mm256_loadu_ps(u + i), d = _mm256_loadu_ps(dy + i), s = lora__sigmoid8(gv);
        __m256 ds = _mm256_mul_ps(s, _mm256_fmadd_ps(gv, _mm256_sub_ps(one, s), one));
        _mm256_storeu_ps(dg + i, _mm256_mul_ps(_mm256_mul_ps(d, uv), ds));
        _mm256_storeu_ps(du + i, _mm256_mul_ps(d, _mm256_mul_ps(gv, s)));
    }
    if (i < n) lora__swiglu_back_scalar(g + i, u + i, dy + i, dg + i, du + i, n - i);
}
static LORA__TARGET_AVX2 void lora__rope_avx2(const float *x, float *y, const float *c, const float *sn, int half, int inverse) {
    const __m256 sg = _mm256_set1_ps(inverse ? -1.0f : 1.0f);
    int i = 0;
    for (; i + 8 <= half; i += 8) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + half), cv = _mm256_loadu_ps(c + i);
        __m256 s = _mm256_mul_ps(_mm256_loadu_ps(sn + i), sg);
        _mm256_storeu_ps(y + i, _mm256_sub_ps(_mm256_mul_ps(a, cv), _mm256_mul_ps(b, s)));
        _mm256_storeu_ps(y + i + half, _mm256_add_ps(_mm256_mul_ps(b, cv), _mm256_mul_ps(a, s)));
    }
    if (i < half) {
        int j;
        for (j = i; j < half; j++) {
            float a = x[j], b = x[j + half], s = inverse ? -sn[j] : sn[j];
            y[j] = a * c[j] - b * s;
            y[j + half] = b * c[j] + a * s;
        }
    }
}
static const lora_vecops lora__vec_avx2 = {
    lora__max_avx2, lora__exp_sum_avx2, lora__scale_avx2, lora__sum_avx2, lora__sumsq_centered_avx2,
    lora__dot_avx2, lora__norm_affine_avx2, lora__gelu_avx2, lora__gelu_back_avx2,
    lora__add_avx2, lora__acc_avx2, lora__ln_back_avx2, lora__ln_wgrad_avx2, lora__mask_scale_avx2,
    lora__rms_scale_avx2, lora__rms_back_avx2, lora__swiglu_avx2, lora__swiglu_back_avx2, lora__rope_avx2};
#endif

#ifdef LORA__HAVE_AVX512
static LORA__TARGET_AVX512 __m512 lora__exp16(__m512 x) {
    __m512 fx, z, y;
    __m512i e;
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(LORA__EXP_LO)), _mm512_set1_ps(LORA__EXP_HI));
    fx = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(LORA__LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(LORA__LN2_HI), x);
    x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(LORA__LN2_LO), x);
    z = _mm512_mul_ps(x, x);
    y = _mm512_set1_ps(LORA__EXP_P0);
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(LORA__EXP_P1));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(LORA__EXP_P2));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(LORA__EXP_P3));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(LORA__EXP_P4));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(LORA__EXP_P5));
    y = _mm512_fmadd_ps(y, z, _mm512_add_ps(x, _mm512_set1_ps(1.0f)));
    e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(fx), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
}
static LORA__TARGET_AVX512 float lora__max_avx512(const float *x, int n) {
    __m512 v = _mm512_set1_ps(-INFINITY);
    int i = 0;
    for (; i + 16 <= n; i += 16) v = _mm512_max_ps(v, _mm512_loadu_ps(x + i));
    if (i < n) v = _mm512_max_ps(v, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), (__mmask16)((1u << (n - i)) - 1), x + i));
    return _mm512_reduce_max_ps(v);
}
static LORA__TARGET_AVX512 float lora__exp_sum_avx512(const float *x, float *y, int n, float sub) {
    __m512 acc = _mm512_setzero_ps(), s = _mm512_set1_ps(sub);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = lora__exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), s));
        if (y) _mm512_storeu_ps(y + i, e);
        acc = _mm512_add_ps(acc, e);
    }
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        __m512 e = _mm512_maskz_mov_ps(k, lora__exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), s)));
        if (y) _mm512_mask_storeu_ps(y + i, k, e);
        acc = _mm512_add_ps(acc, e);
    }
    return _mm512_reduce_add_ps(acc);
}
static LORA__TARGET_AVX512 void lora__scale_avx512(float *y, int n, float s) {
    __m512 v = _mm512_set1_ps(s);
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(y + i), v));
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, y + i), v));
    }
}
static LORA__TARGET_AVX512 float lora__sum_avx512(const float *x, int n) {
    __m512 acc = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) acc = _mm512_add_ps(acc, _mm512_loadu_ps(x + i));
    if (i < n) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps((__mmask16)((1u << (n - i)) - 1), x + i));
    return _mm512_reduce_add_ps(acc);
}
static LORA__TARGET_AVX512 float lora__sumsq_centered_avx512(const float *x, int n, float mu) {
    __m512 acc = _mm512_setzero_ps(), m = _mm512_set1_ps(mu);
    int i = 0;
    for (; i + 16 <= n; i += 16) { __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i), m); acc = _mm512_fmadd_ps(d, d, acc); }
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + i), m);
        acc = _mm512_fmadd_ps(d, d, acc);
    }
    return _mm512_reduce_add_ps(acc);
}
static LORA__TARGET_AVX512 float lora__dot_avx512(const float *a, const float *b, int n) {
    __m512 acc = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc);
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i), acc);
    }
    return _mm512_reduce_add_ps(acc);
}
static LORA__TARGET_AVX512 void lora__norm_affine_avx512(const float *x, float *y, const float *w, const float *b, int n, float mu, float rstd) {
    __m512 m = _mm512_set1_ps(mu), r = _mm512_set1_ps(rstd);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 t = _mm512_mul_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), m), r), _mm512_loadu_ps(w + i));
        _mm512_storeu_ps(y + i, _mm512_add_ps(t, _mm512_loadu_ps(b + i)));
    }
    for (; i < n; i++) y[i] = (x[i] - mu) * rstd * w[i] + b[i];
}
static LORA__TARGET_AVX512 __m512 lora__gelu_sig16(__m512 x) {
    __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
    __m512 u2 = _mm512_mul_ps(_mm512_set1_ps(-2.0f * LORA__GELU_K), _mm512_fmadd_ps(_mm512_set1_ps(LORA__GELU_C), x3, x));
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), lora__exp16(u2)));
}
static LORA__TARGET_AVX512 void lora__gelu_avx512(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) { __m512 v = _mm512_loadu_ps(x + i); _mm512_storeu_ps(y + i, _mm512_mul_ps(v, lora__gelu_sig16(v))); }
    if (i < n) lora__gelu_scalar(x + i, y + i, n - i);
}
static LORA__TARGET_AVX512 void lora__gelu_back_avx512(const float *x, const float *dy, float *dx, size_t n) {
    size_t i = 0;
    const __m512 one = _mm512_set1_ps(1.0f), half = _mm512_set1_ps(0.5f), k = _mm512_set1_ps(LORA__GELU_K);
    const __m512 k3c = _mm512_set1_ps(3.0f * LORA__GELU_C);
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i), s = lora__gelu_sig16(v);
        __m512 t = _mm512_fmsub_ps(_mm512_set1_ps(2.0f), s, one);
        __m512 du = _mm512_mul_ps(k, _mm512_fmadd_ps(k3c, _mm512_mul_ps(v, v), one));
        __m512 g = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_fnmadd_ps(t, t, one)), du, s);
        _mm512_storeu_ps(dx + i, _mm512_mul_ps(_mm512_loadu_ps(dy + i), g));
    }
    if (i < n) lora__gelu_back_scalar(x + i, dy + i, dx + i, n - i);
}
/* (tails through masked vector operations, not scalar code) */
static LORA__TARGET_AVX512 void lora__add_avx512(const float *a, const float *b, float *y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
    if (i < n) {
        const __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i)));
    }
}
static LORA__TARGET_AVX512 void lora__acc_avx512(float *y, const float *x, size_t n) { lora__add_avx512(y, x, y, n); }
static LORA__TARGET_AVX512 void lora__ln_back_avx512(const float *x, const float *d, const float *w, float *dx, int n, float mu, float rstd) {
    const __m512 m = _mm512_set1_ps(mu), r = _mm512_set1_ps(rstd);
    __m512 s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), vdm, vdnm;
    int i;
    /* masked-off lanes load 0: dn = 0 adds nothing to either sum */
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
        __m512 nrm = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), m), r);
        __m512 dn = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, d + i), _mm512_maskz_loadu_ps(k, w + i));
        s1 = _mm512_add_ps(s1, dn);
        s2 = _mm512_fmadd_ps(dn, nrm, s2);
    }
    vdm = _mm512_set1_ps(_mm512_reduce_add_ps(s1) / (float)n);
    vdnm = _mm512_set1_ps(_mm512_reduce_add_ps(s2) / (float)n);
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
        __m512 nrm = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), m), r);
        __m512 dn = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, d + i), _mm512_maskz_loadu_ps(k, w + i));
        __m512 g = _mm512_fnmadd_ps(nrm, vdnm, _mm512_sub_ps(dn, vdm));
        _mm512_mask_storeu_ps(dx + i, k, _mm512_fmadd_ps(g, r, _mm512_maskz_loadu_ps(k, dx + i)));
    }
}
static LORA__TARGET_AVX512 void lora__ln_wgrad_avx512(const float *d, const float *x, float *dw, float *db, int n, float mu, float rstd) {
    const __m512 m = _mm512_set1_ps(mu), r = _mm512_set1_ps(rstd);
    int i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
        const __m512 vd = _mm512_maskz_loadu_ps(k, d + i);
        if (dw) {
            __m512 nrm = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), m), r);
            _mm512_mask_storeu_ps(dw + i, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, dw + i), _mm512_mul_ps(vd, nrm)));
        }
        if (db) _mm512_mask_storeu_ps(db + i, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, db + i), vd));
    }
}
static LORA__TARGET_AVX512 void lora__mask_scale_avx512(const float *x, const unsigned char *mask, float *y, size_t n, float scale) {
    const __m512 s = _mm512_set1_ps(scale);
    size_t i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
        const __mmask16 keep = _mm512_test_epi32_mask(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, mask + i)),
                                                      _mm512_set1_epi32(0xff));
        _mm512_mask_storeu_ps(y + i, k, _mm512_maskz_mul_ps(keep, _mm512_maskz_loadu_ps(k, x + i), s));
    }
}
#define LORA__M16(n, i) ((__mmask16)((n) - (i) >= 16 ? 0xffff : (1u << ((n) - (i))) - 1))
static LORA__TARGET_AVX512 void lora__rms_scale_avx512(const float *x, float *y, const float *w, int n, float rstd) {
    const __m512 r = _mm512_set1_ps(rstd);
    int i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = LORA__M16(n, i);
        _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), r), _mm512_maskz_loadu_ps(k, w + i)));
    }
}
static LORA__TARGET_AVX512 void lora__rms_back_avx512(const float *x, const float *d, const float *w, float *dx, int n, float rstd) {
    const __m512 r = _mm512_set1_ps(rstd);
    __m512 s = _mm512_setzero_ps(), vm;
    int i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = LORA__M16(n, i);
        __m512 dn = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, d + i), _mm512_maskz_loadu_ps(k, w + i));
        s = _mm512_fmadd_ps(dn, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), r), s);
    }
    vm = _mm512_set1_ps(_mm512_reduce_add_ps(s) / (float)n);
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = LORA__M16(n, i);
        __m512 dn = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, d + i), _mm512_maskz_loadu_ps(k, w + i));
        __m512 g = _mm512_fnmadd_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), r), vm, dn);
        _mm512_mask_storeu_ps(dx + i, k, _mm512_fmadd_ps(g, r, _mm512_maskz_loadu_ps(k, dx + i)));
    }
}
static LORA__TARGET_AVX512 __m512 lora__sigmoid16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, lora__exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}
static LORA__TARGET_AVX512 void lora__swiglu_avx512(const float *g, const float *u, float *y, size_t n) {
    size_t i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = LORA__M16(n, i);
        __m512 v = _mm512_maskz_loadu_ps(k, g + i);
        _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(_mm512_mul_ps(v, lora__sigmoid16(v)), _mm512_maskz_loadu_ps(k, u + i)));
    }
}
static LORA__TARGET_AVX512 void lora__swiglu_back_avx512(const float *g, const float *u, const float *dy, float *dg, float *du, size_t n) {
    const __m512 one = _mm512_set1_ps(1.0f);
    size_t i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = LORA__M16(n, i);
        __m512 gv = _mm512_maskz_loadu_ps(k, g + i), uv = _mm512_maskz_loadu_ps(k, u + i), d = _mm512_maskz_loadu_ps(k, dy + i);
        __m512 s = lora__sigmoid16(gv);
        __m512 ds = _mm512_mul_ps(s, _mm512_fmadd_ps(gv, _mm512_sub_ps(one, s), one));
        _mm512_mask_storeu_ps(dg + i, k, _mm512_mul_ps(_mm512_mul_ps(d, uv), ds));
        _mm512_mask_storeu_ps(du + i, k, _mm512_mul_ps(d, _mm512_mul_ps(gv, s)));
    }
}
static LORA__TARGET_AVX512 void lora__rope_avx512(const float *x, float *y, const float *c, const float *sn, int half, int inverse) {
    const __m512 sg = _mm512_set1_ps(inverse ? -1.0f : 1.0f);
    int i;
    for (i = 0; i < half; i += 16) {
        const __mmask16 k = LORA__M16(half, i);
        __m512 a = _mm512_maskz_loadu_ps(k, x + i), b = _mm512_maskz_loadu_ps(k, x + i + half), cv = _mm512_maskz_loadu_ps(k, c + i);
        __m512 s = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, sn + i), sg);
        _mm512_mask_storeu_ps(y + i, k, _mm512_sub_ps(_mm512_mul_ps(a, cv), _mm512_mul_ps(b, s)));
        _mm512_mask_storeu_ps(y + i + half, k, _mm512_add_ps(_mm512_mul_ps(b, cv), _mm512_mul_ps(a, s)));
    }
}
#undef LORA__M16
static const lora_vecops lora__vec_avx512 = {
    lora__max_avx512, lora__exp_sum_avx512, lora__scale_avx512, lora__sum_avx512, lora__sumsq_centered_avx512,
    lora__dot_avx512, lora__norm_affine_avx512, lora__gelu_avx512, lora__gelu_back_avx512,
    lora__add_avx512, lora__acc_avx512, lora__ln_back_avx512, lora__ln_wgrad_avx512, lora__mask_scale_avx512,
    lora__rms_scale_avx512, lora__rms_back_avx512, lora__swiglu_avx512, lora__swiglu_back_avx512, lora__rope_avx512};
#endif

/* The kernels for a pool's instruction set (NEON uses the scalar table, which compilers
   vectorise where the order of operations allows). */
LORA_API const lora_vecops *lora_vec(const lora_pool *pool) {
    lora_isa isa = lora_pool_isa(pool);
    (void)isa;
#ifdef LORA__HAVE_AVX512
    if (isa == LORA_ISA_AVX512) return &lora__vec_avx512;
#endif
#ifdef LORA__HAVE_AVX2
    if (isa == LORA_ISA_AVX2 || isa == LORA_ISA_AVX512) return &lora__vec_avx2;
#endif
    return &lora__vec_scalar;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
