/* bf16 frozen-weight products (src/lora/26_wmat.impl.c) on every path this machine runs:
   vdpbf16ps (when the CPU has AVX512-BF16) and the widening fallback on every ISA (scalar, AVX2,
   AVX-512 without the BF16 instructions), both orientations, shapes around the tile sizes, one
   and two threads, accumulate or overwrite. Reference: bf16(X) . bf16(W) in double (the oracle's
   bf16_ref.py), rounded once to fp32; a kernel differs from it by its fp32 summation order only.
   The result must not depend on the thread count (bit for bit). Then the fused output layer +
   cross-entropy over labelled rows against the unfused product + softmax. */
#define LORA_IMPLEMENTATION
#include "lora.h"
#include "test.h"
#include <math.h>
#include <stdint.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float rnd_value(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((double)(rng % 2000001) / 1000000.0 - 1.0);
}

static void *xalloc(size_t n) { void *p = lora_alloc_aligned(n ? n : 64, "test"); if (p) memset(p, 0, n ? n : 64); return p; }

/* one product on one path; returns the max error relative to the row's sum of |terms| */
static double run_case(lora_pool *pool, int native, int M, int K, int N, int transW, int accumulate, float *out) {
    float *X = (float *)xalloc(sizeof(float) * (size_t)M * (K + 3)), *Y = (float *)xalloc(sizeof(float) * (size_t)M * (N + 5));
    uint16_t *w = (uint16_t *)xalloc(2 * (size_t)K * N);
    lora_wmat W;
    size_t ws_bytes;
    void *ws;
    int ldx = K + 3, ldy = N + 5, i, k, n;
    double worst = 0;
    for (i = 0; i < M * ldx; i++) X[i] = rnd_value();
    for (i = 0; i < K * N; i++) w[i] = lora_f32_to_bf16(rnd_value());
    for (i = 0; i < M * ldy; i++) Y[i] = accumulate ? rnd_value() : 12345.0f;
    W.dtype = LORA_DT_BF16; W.rows = transW ? N : K; W.cols = transW ? K : N; W.data = w;
    ws_bytes = lora__wmat_scratch(native, lora_pool_threads(pool), M, K, N);
    ws = xalloc(ws_bytes);
    {
        float *Y0 = (float *)xalloc(sizeof(float) * (size_t)M * ldy);
        memcpy(Y0, Y, sizeof(float) * (size_t)M * ldy);
        CHECK_OK(lora__wmat_mul_impl(pool, native, M, X, ldx, &W, transW, accumulate, Y, ldy, ws, ws_bytes));
        for (i = 0; i < M; i++)
            for (n = 0; n < ldy; n++) {
                double ref = accumulate ? Y0[(size_t)i * ldy + n] : 0.0, mag = fabs(ref);
                float got = Y[(size_t)i * ldy + n];
                if (n >= N) { if (got != Y0[(size_t)i * ldy + n]) worst = 1e9; continue; }
                for (k = 0; k < K; k++) {
                    double a = lora_bf16_round(X[(size_t)i * ldx + k]);
                    double b = lora_bf16_to_f32(transW ? w[(size_t)n * K + k] : w[(size_t)k * N + n]);
                    ref += a * b;
                    mag += fabs(a * b);
                }
                if (fabs(got - ref) / (mag + 1e-30) > worst) worst = fabs(got - ref) / (mag + 1e-30);
            }
        lora_free_aligned(Y0);
    }
    if (out) memcpy(out, Y, sizeof(float) * (size_t)M * ldy);
    lora_free_aligned(X); lora_free_aligned(Y); lora_free_aligned(w); lora_free_aligned(ws);
    return worst;
}

static void check_products(lora_pool *p1, lora_pool *p2, int native, const char *name) {
    static const int shapes[][3] = {{1, 1, 1}, {1, 64, 768}, {12, 32, 32}, {13, 33, 31}, {7, 767, 65}, {40, 512, 300},
                                    {25, 600, 257}, {3, 1030, 40}, {64, 96, 1000}};
    size_t s;
    int transW, acc;
    for (s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (transW = 0; transW < 2; transW++)
            for (acc = 0; acc < 2; acc++) {
                int M = shapes[s][0], K = shapes[s][1], N = shapes[s][2];
                size_t n = (size_t)M * (N + 5);
                float *a = (float *)malloc(sizeof(float) * n), *b = (float *)malloc(sizeof(float) * n);
                uint64_t seed = rng;
                double e1 = run_case(p1, native, M, K, N, transW, acc, a), e2;
                rng = seed;
                e2 = run_case(p2, native, M, K, N, transW, acc, b);
                CHECK_MSG(e1 < 1e-6, "%s M %d K %d N %d transW %d acc %d: error %g", name, M, K, N, transW, acc, e1);
                CHECK_MSG(e2 < 1e-6 && memcmp(a, b, sizeof(float) * n) == 0, "%s M %d K %d N %d transW %d: 2 threads differ", name,
                          M, K, N, transW);
                free(a); free(b);
            }
}

/* fused lm_head + CE vs a double reference of the same rounded operands: loss, dX and (fp32) dW,
   on every labelled pattern: all rows, every third, a single row, none */
static void check_ce(lora_pool *pool, int native, int bf16, const char *name) {
    enum { R = 300, C = 40, V = 333 };
    static float X[R * C], Wf[V * C], loss[R], dX[R * C], dW[V * C], dWref[V * C];
    static uint16_t Wb[V * C];
    static int32_t tg[R];
    static double lg[V];
    lora_wmat W;
    int pat, i, j, k;
    for (i = 0; i < R * C; i++) X[i] = 3.0f * rnd_value();
    for (i = 0; i < V * C; i++) { Wf[i] = rnd_value(); Wb[i] = lora_f32_to_bf16(Wf[i]); }
    W.dtype = bf16 ? LORA_DT_BF16 : LORA_DT_F32; W.rows = V; W.cols = C; W.data = bf16 ? (const void *)Wb : (const void *)Wf;
    for (pat = 0; pat < 4; pat++) {
        size_t bytes = lora__ce_scratch(native, lora_pool_threads(pool), R, &W);
        void *ws = xalloc(bytes);
        int count = 0;
        double worst_l = 0, worst_dx = 0, worst_dw = 0, scale;
        for (i = 0; i < R; i++) {
            int lab = pat == 0 ? 1 : pat == 1 ? i % 3 == 1 : pat == 2 ? i == 177 : 0;
            tg[i] = lab ? (int32_t)((i * 7919) % V) : -100;
            count += lab;
        }
        scale = count ? 1.0 / count : 0.0;
        memset(dW, 0, sizeof dW); memset(dWref, 0, sizeof dWref);
        for (i = 0; i < R * C; i++) dX[i] = 999.0f;
        CHECK_OK(lora__lm_head_ce_impl(pool, native, &W, R, X, C, tg, (float)scale, loss, dX, C, bf16 ? NULL : dW, ws, bytes));
        for (i = 0; i < R; i++) {
            double mx = -1e300, sum = 0, l;
            if (tg[i] < 0) {
                CHECK(loss[i] == 0.0f);
                for (k = 0; k < C; k++) if (dX[(size_t)i * C + k] != 0.0f) worst_dx = 1e9;
                continue;
            }
            for (j = 0; j < V; j++) {
                double d = 0;
                for (k = 0; k < C; k++) {
                    double a = bf16 ? lora_bf16_round(X[i * C + k]) : X[i * C + k], b = bf16 ? lora_bf16_to_f32(Wb[j * C + k]) : Wf[j * C + k];
                    d += a * b;
                }
                lg[j] = d;
                if (d > mx) mx = d;
            }
            for (j = 0; j < V; j++) sum += exp(lg[j] - mx);
            l = mx + log(sum) - lg[tg[i]];
            if (fabs(loss[i] - l) / (fabs(l) + 1.0) > worst_l) worst_l = fabs(loss[i] - l) / (fabs(l) + 1.0);
            for (k = 0; k < C; k++) {
                double d = 0, mag = 0;
                for (j = 0; j < V; j++) {
                    double g = (exp(lg[j] - mx) / sum - (j == tg[i])) * scale;
                    double b = bf16 ? lora_bf16_to_f32(Wb[j * C + k]) : Wf[j * C + k];
                    if (bf16) g = lora_bf16_round((float)g);
                    d += g * b; mag += fabs(g * b);
                    if (!bf16) dWref[j * C + k] += (float)(g * X[i * C + k]);
                }
                if (fabs(dX[i * C + k] - d) / (mag + 1e-30) > worst_dx) worst_dx = fabs(dX[i * C + k] - d) / (mag + 1e-30);
            }
        }
        if (!bf16)
            for (i = 0; i < V * C; i++) {
                double e = fabs(dW[i] - dWref[i]);
                if (e > worst_dw) worst_dw = e;
            }
        CHECK_MSG(worst_l < 2e-5, "%s pattern %d: loss off by %g (relative)", name, pat, worst_l);
        CHECK_MSG(worst_dx < (bf16 ? 2e-2 : 2e-4), "%s pattern %d: dX off by %g", name, pat, worst_dx);
        CHECK_MSG(worst_dw < 1e-5, "%s pattern %d: dW off by %g", name, pat, worst_dw);
        lora_free_aligned(ws);
    }
}

int main(void) {
    static const lora_isa isas[] = {LORA_ISA_SCALAR, LORA_ISA_AVX2, LORA_ISA_AVX512, LORA_ISA_NEON};
    size_t v;
    int native;
    lora_pool *p1 = NULL, *p2 = NULL;
    CHECK_OK(lora_pool_create(&p1, 1));
    CHECK_OK(lora_pool_create(&p2, 2));
    for (v = 0; v < sizeof isas / sizeof isas[0]; v++) {
        char name[64];
        if (lora_pool_set_isa(p1, isas[v]) != LORA_OK || lora_pool_set_isa(p2, isas[v]) != LORA_OK) continue;
        for (native = 0; native < 2; native++) {
            if (native && !lora__wmat_native(p1)) continue;
            snprintf(name, sizeof name, "%s%s", lora_isa_name(isas[v]), native ? "-bf16" : " widened");
            printf("%s\n", name);
            check_products(p1, p2, native, name);
            check_ce(p2, native, 1, name);
        }
        check_ce(p2, 0, 0, lora_isa_name(isas[v]));
    }
    lora_pool_destroy(p1);
    lora_pool_destroy(p2);
    return TEST_END();
}
