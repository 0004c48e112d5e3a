/* The LLaMA family's row kernels (src/lora/22_vecmath.impl.c: rms_scale, rms_back, swiglu,
   swiglu_back, rope) of every ISA the machine runs, against the scalar table and a double
   reference, and their backward against central finite differences of the double forward:
   - rms_scale (y = x * rstd * w) and swiglu (silu(g) * u) near the double forward;
   - rms_back, swiglu_back and rope's inverse (its backward) near the double finite-difference
     gradient of sum(d * forward(x)) (step 1e-6 in double), so each backward is the derivative
     of its forward, not only equal to another implementation;
   - rope forward then inverse gives x back; no kernel writes past n (guard cells).
   Lengths around every vector width and the models' widths (64, 576, 1536). */
#define LORA_IMPLEMENTATION
#include "lora.h"
#include "test.h"
#include <math.h>
#include <stdint.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float rnd(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((int)(rng % 20001) - 10000) / 5000.0f;
}
static const float guard = -9191.5f;
#define G 9

static float *row(int n) {
    float *p = (float *)malloc(sizeof(float) * (size_t)(n + G));
    int i;
    for (i = 0; i < n; i++) p[i] = rnd();
    for (i = n; i < n + G; i++) p[i] = guard;
    return p;
}
static int intact(const float *p, int n) {
    int i;
    for (i = n; i < n + G; i++) if (p[i] != guard) return 0;
    return 1;
}
static double rel(const double *ref, const float *x, int n) {
    double num = 0, den = 0;
    int i;
    for (i = 0; i < n; i++) { num += (x[i] - ref[i]) * (x[i] - ref[i]); den += ref[i] * ref[i]; }
    return sqrt(num / (den > 0 ? den : 1));
}

/* double forwards */
static double rms_rstd(const double *x, int n, double eps) {
    double s = 0;
    int i;
    for (i = 0; i < n; i++) s += x[i] * x[i];
    return 1.0 / sqrt(s / n + eps);
}
static double rms_obj(const double *x, const float *w, const float *d, int n, double eps) {
    double r = rms_rstd(x, n, eps), o = 0;
    int i;
    for (i = 0; i < n; i++) o += d[i] * x[i] * r * w[i];
    return o;
}
static double silu(double g) { return g / (1.0 + exp(-g)); }

static int check_isa(const lora_vecops *v, int n, double *worst) {
    float *x = row(n), *w = row(n), *d = row(n), *y = row(n), *dx = row(n), *u = row(n), *dg = row(n), *du = row(n);
    double *ref = (double *)malloc(sizeof(double) * (size_t)n * 2), *xd = (double *)malloc(sizeof(double) * (size_t)n);
    double e, eps = 1e-5, h = 1e-6, r;
    float rs;
    int i, bad = 0, half = n / 2;
    for (i = 0; i < n; i++) xd[i] = x[i];
    /* rms forward */
    r = rms_rstd(xd, n, eps);
    rs = (float)r;
    v->rms_scale(x, y, w, n, rs);
    for (i = 0; i < n; i++) ref[i] = xd[i] * r * w[i];
    e = rel(ref, y, n); if (e > worst[0]) worst[0] = e;
    bad += e > 1e-6 || !intact(y, n);
    /* rms backward: the finite-difference gradient of sum(d * y) */
    for (i = 0; i < n; i++) {
        double p, m, keep = xd[i];
        xd[i] = keep + h; p = rms_obj(xd, w, d, n, eps);
        xd[i] = keep - h; m = rms_obj(xd, w, d, n, eps);
        xd[i] = keep;
        ref[i] = (p - m) / (2 * h);
        dx[i] = 0.0f;
    }
    v->rms_back(x, d, w, dx, n, rs);
    {
        /* relative to the size of the terms (d * w * rstd): the gradient itself may cancel to ~0 (n = 1) */
        double num = 0, den = 0;
        for (i = 0; i < n; i++) { num += (dx[i] - ref[i]) * (dx[i] - ref[i]); den += (double)d[i] * w[i] * r * d[i] * w[i] * r; }
        e = sqrt(num / den);
    } if (e > worst[1]) worst[1] = e;
    bad += e > 2e-5 || !intact(dx, n);
    /* swiglu forward and backward */
    v->swiglu(x, u, y, (size_t)n);
    for (i = 0; i < n; i++) ref[i] = silu(x[i]) * u[i];
    e = rel(ref, y, n); if (e > worst[2]) worst[2] = e;
    bad += e > 1e-6 || !intact(y, n);
    v->swiglu_back(x, u, d, dg, du, (size_t)n);
    for (i = 0; i < n; i++) {
        ref[i] = d[i] * u[i] * (silu(x[i] + h) - silu(x[i] - h)) / (2 * h);
        ref[n + i] = d[i] * silu(x[i]);
    }
    e = rel(ref, dg, n); if (rel(ref + n, du, n) > e) e = rel(ref + n, du, n);
    if (e > worst[3]) worst[3] = e;
    bad += e > 2e-5 || !intact(dg, n) || !intact(du, n);
    /* rope over a head of n values (n even): forward near double; inverse = the backward
       (the map is linear: the gradient of sum(d * rope(x)) is rope^T d = rope_inverse(d)) */
    if (n % 2 == 0 && n > 0) {
        float *c = row(half), *s = row(half);
        for (i = 0; i < half; i++) { double a = 0.37 * i + 0.1 * x[i]; c[i] = (float)cos(a); s[i] = (float)sin(a); }
        v->rope(x, y, c, s, half, 0);
        for (i = 0; i < half; i++) { ref[i] = (double)x[i] * c[i] - (double)x[i + half] * s[i]; ref[i + half] = (double)x[i + half] * c[i] + (double)x[i] * s[i]; }
        e = rel(ref, y, n); if (e > worst[4]) worst[4] = e;
        bad += e > 1e-6 || !intact(y, n);
        v->rope(d, dx, c, s, half, 1);
        for (i = 0; i < n; i++) {
            /* d/dx_i of sum_j d_j rope(x)_j, by central differences (exact for a linear map) */
            double p = 0, m = 0;
            int j;
            float keep = x[i];
            x[i] = (float)(keep + 0.5f); v->rope(x, y, c, s, half, 0); for (j = 0; j < n; j++) p += (double)d[j] * y[j];
            x[i] = (float)(keep - 0.5f); v->rope(x, y, c, s, half, 0); for (j = 0; j < n; j++) m += (double)d[j] * y[j];
            x[i] = keep;
            ref[i] = (p - m) / ((double)(keep + 0.5f) - (double)(keep - 0.5f));
        }
        e = rel(ref, dx, n); if (e > worst[4]) worst[4] = e;
        bad += e > 1e-5 || !intact(dx, n);
        /* in place, and back again */
        memcpy(y, x, sizeof(float) * (size_t)n);
        v->rope(y, y, c, s, half, 0);
        v->rope(y, y, c, s, half, 1);
        for (i = 0; i < n; i++) ref[i] = x[i];
        e = rel(ref, y, n); if (e > worst[4]) worst[4] = e;
        bad += e > 1e-6;
        free(c); free(s);
    }
    free(x); free(w); free(d); free(y); free(dx); free(u); free(dg); free(du); free(ref); free(xd);
    return bad;
}

int main(void) {
    static const lora_isa isas[] = {LORA_ISA_SCALAR, LORA_ISA_AVX2, LORA_ISA_AVX512, LORA_ISA_NEON};
    static const int lengths[] = {1, 2, 6, 7, 8, 9, 10, 12, 15, 16, 17, 30, 32, 33, 48, 64, 65, 128, 576, 1536};
    lora_pool *pool = NULL;
    int v, a;
    CHECK_OK(lora_pool_create(&pool, 1));
    if (!pool) return TEST_END();
    for (v = 0; v < 4; v++) {
        double worst[5] = {0, 0, 0, 0, 0};
        const lora_vecops *ops;
        if (lora_pool_set_isa(pool, isas[v]) != LORA_OK) continue;
        ops = lora_vec(pool);
        for (a = 0; a < (int)(sizeof lengths / sizeof lengths[0]); a++) {
            int bad = check_isa(ops, lengths[a], worst);
            CHECK_MSG(bad == 0, "%s: n = %d: %d kernel checks failed", lora_isa_name(isas[v]), lengths[a], bad);
        }
        /* the same kernels as the scalar table up to rounding: swiglu of a long row */
        {
            float *g = row(1000), *u = row(1000), *y1 = row(1000), *y2 = row(1000);
            double e = 0;
            int i;
            ops->swiglu(g, u, y1, 1000);
            lora__vec_scalar.swiglu(g, u, y2, 1000);
            for (i = 0; i < 1000; i++) { double d = fabs(y1[i] - y2[i]) / (fabs(y2[i]) + 1e-3); if (d > e) e = d; }
            CHECK_MSG(e < 1e-5, "%s: swiglu vs scalar %g", lora_isa_name(isas[v]), e);
            free(g); free(u); free(y1); free(y2);
        }
        printf("%s: relative errors rms_scale %.2g, rms_back %.2g (vs finite differences, scaled), swiglu %.2g, swiglu_back %.2g, rope %.2g\n",
               lora_isa_name(isas[v]), worst[0], worst[1], worst[2], worst[3], worst[4]);
    }
    lora_pool_destroy(pool);
    return TEST_END();
}
