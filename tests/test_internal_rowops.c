/* The elementwise row kernels of every ISA the machine runs (src/lora/22_vecmath.impl.c),
   against the scalar table and a double-precision reference:
   - add (y = a + b, also in place: y == a, y == b) and acc (y += x) are exact, so every ISA must
     give the scalar result bit for bit, and touch nothing past n (guard cells after y; the
     inputs are allocated to their exact extent, so AddressSanitizer stops any stray read);
   - ln_back (layernorm's backward row) sums in another order per ISA: within a few float ulps
     of the double reference, scaled to the row's magnitude; guard cells untouched;
   - ln_wgrad (column sums of layernorm and bias gradients, dw or db NULL): near the double
     reference, and bit for bit the same whether a row goes in one call or in chunks starting
     anywhere (threads split the columns: the sums must not depend on where a chunk starts);
   - mask_scale (dropout: y = mask ? x * scale : 0, also in place) is exact: bit for bit scalar;
   - lora_rng_keep_mask (dropout masks with the generator's state in registers) gives exactly
     the bytes of (lora_rng_uniform(&rng) >= p), and leaves the generator where those draws do,
     for p at and next to the 2^-24 steps of a uniform, 0, 1, negative and NaN.
   Lengths around every vector width (8, 16) and GPT-2's widths (768, 3072). */
#define LORA_IMPLEMENTATION
#include "lora.h"
#include "test.h"
#include <math.h>
#include <stdint.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float rnd_value(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((int)(rng % 20001) - 10000) / 5000.0f;
}
static const float guard_value = -9191.5f;

/* a buffer of n floats followed by `guard` guard cells (n may be 0) */
static float *alloc_row(int n, int guard) {
    float *p = (float *)malloc(sizeof(float) * (size_t)(n + guard > 0 ? n + guard : 1));
    int i;
    if (!p) return NULL;
    for (i = 0; i < n; i++) p[i] = rnd_value();
    for (i = n; i < n + guard; i++) p[i] = guard_value;
    return p;
}
static int guards_intact(const float *p, int n, int guard) {
    int i;
    for (i = n; i < n + guard; i++) if (p[i] != guard_value) return 0;
    return 1;
}

/* add and acc of one ISA against the scalar kernels, bit for bit; returns the mismatches */
static int check_add_acc(const lora_vecops *v, int n) {
    const int G = 17;
    float *a = alloc_row(n, 0), *b = alloc_row(n, 0), *y = alloc_row(n, G), *ref = alloc_row(n, 0);
    int i, bad = 0;
    if (!a || !b || !y || !ref) { free(a); free(b); free(y); free(ref); return 1; }
    /* y = a + b */
    lora__vec_scalar.add(a, b, ref, (size_t)n);
    v->add(a, b, y, (size_t)n);
    bad += memcmp(y, ref, sizeof(float) * (size_t)n) != 0 || !guards_intact(y, n, G);
    /* y += a, and in place both ways: y = y + b, y = a + y */
    memcpy(ref, y, sizeof(float) * (size_t)n);
    for (i = 0; i < n; i++) ref[i] += a[i];
    v->acc(y, a, (size_t)n);
    bad += memcmp(y, ref, sizeof(float) * (size_t)n) != 0 || !guards_intact(y, n, G);
    for (i = 0; i < n; i++) ref[i] += b[i];
    v->add(y, b, y, (size_t)n);
    bad += memcmp(y, ref, sizeof(float) * (size_t)n) != 0 || !guards_intact(y, n, G);
    for (i = 0; i < n; i++) ref[i] = a[i] + ref[i];
    v->add(a, y, y, (size_t)n);
    bad += memcmp(y, ref, sizeof(float) * (size_t)n) != 0 || !guards_intact(y, n, G);
    free(a); free(b); free(y); free(ref);
    return bad;
}

/* ln_back against the double reference; returns the worst error / the row's scale */
static double check_ln_back(const lora_vecops *v, int n, int *guards_ok) {
    const int G = 17;
    float *x = alloc_row(n, 0), *d = alloc_row(n, 0), *w = alloc_row(n, 0), *dx = alloc_row(n, G);
    double *ref = (double *)malloc(sizeof(double) * (size_t)n), mu = 0, var = 0, dmean = 0, dnm = 0, scale = 0, worst = 0;
    float rstd;
    int i;
    if (!x || !d || !w || !dx || !ref) { *guards_ok = 0; free(x); free(d); free(w); free(dx); free(ref); return 1.0; }
    for (i = 0; i < n; i++) mu += x[i];
    mu /= n;
    for (i = 0; i < n; i++) var += (x[i] - mu) * (x[i] - mu);
    rstd = (float)(1.0 / sqrt(var / n + 1e-5));
    for (i = 0; i < n; i++) {
        double nrm = ((double)x[i] - (float)mu) * rstd, dn = (double)d[i] * w[i];
        dmean += dn; dnm += dn * nrm;
    }
    dmean /= n; dnm /= n;
    for (i = 0; i < n; i++) {
        double nrm = ((double)x[i] - (float)mu) * rstd, dn = (double)d[i] * w[i];
        double g = (dn - dmean - nrm * dnm) * rstd;
        ref[i] = dx[i] + g;
        scale = fmax(scale, fabs(dx[i]) + fabs(dn * rstd) + fabs(dmean * rstd) + fabs(nrm * dnm * rstd));
    }
    v->ln_back(x, d, w, dx, n, (float)mu, rstd);
    for (i = 0; i < n; i++) worst = fmax(worst, fabs(dx[i] - ref[i]));
    *guards_ok = guards_intact(dx, n, G);
    free(x); free(d); free(w); free(dx); free(ref);
    return worst / (scale > 0 ? scale : 1.0);
}

/* ln_wgrad over `rows` rows of width n: one call per row vs chunks of random widths; returns 0
   when chunked == whole bit for bit, guards intact, and both near the double reference */
static int check_ln_wgrad(const lora_vecops *v, int n, int with_dw, int with_db) {
    const int G = 17, rows = 5;
    float *d = alloc_row(rows * n, 0), *x = alloc_row(rows * n, 0), *dw1 = alloc_row(n, G), *db1 = alloc_row(n, G);
    float *dw2 = alloc_row(n, G), *db2 = alloc_row(n, G);
    double *rw = (double *)malloc(sizeof(double) * (size_t)n), *rb = (double *)malloc(sizeof(double) * (size_t)n);
    float mu[5], rs[5];
    int r, i, bad = 0;
    if (!d || !x || !dw1 || !db1 || !dw2 || !db2 || !rw || !rb) bad = 1;
    for (r = 0; !bad && r < rows; r++) { mu[r] = rnd_value() * 0.1f; rs[r] = 1.0f + (float)r * 0.37f; }
    if (!bad) {
        memcpy(dw2, dw1, sizeof(float) * (size_t)(n + G));
        memcpy(db2, db1, sizeof(float) * (size_t)(n + G));
        for (i = 0; i < n; i++) { rw[i] = dw1[i]; rb[i] = db1[i]; }
        for (r = 0; r < rows; r++) {
            const float *dr = d + (size_t)r * n, *xr = x + (size_t)r * n;
            int c0 = 0;
            for (i = 0; i < n; i++) { rw[i] += (double)dr[i] * (((double)xr[i] - mu[r]) * rs[r]); rb[i] += dr[i]; }
            v->ln_wgrad(dr, xr, with_dw ? dw1 : NULL, with_db ? db1 : NULL, n, mu[r], rs[r]);
            while (c0 < n) { /* chunks of 1-40 columns */
                int w = 1 + (int)((unsigned)(rnd_value() * 5000.0f + 10000.0f) % 40u);
                if (w > n - c0) w = n - c0;
                v->ln_wgrad(dr + c0, xr + c0, with_dw ? dw2 + c0 : NULL, with_db ? db2 + c0 : NULL, w, mu[r], rs[r]);
                c0 += w;
            }
        }
        bad += memcmp(dw1, dw2, sizeof(float) * (size_t)(n + G)) != 0 || memcmp(db1, db2, sizeof(float) * (size_t)(n + G)) != 0;
        bad += !guards_intact(dw1, n, G) || !guards_intact(db1, n, G);
        for (i = 0; i < n; i++) {
            if (with_dw && fabs(dw1[i] - rw[i]) > 1e-5 * (1.0 + fabs(rw[i]) + 20.0)) bad++;
            if (with_db && fabs(db1[i] - rb[i]) > 1e-5 * (1.0 + fabs(rb[i]) + 10.0)) bad++;
            if (!with_dw && dw1[i] != dw2[i]) bad++;
        }
    }
    free(d); free(x); free(dw1); free(db1); free(dw2); free(db2); free(rw); free(rb);
    return bad;
}

/* mask_scale of one ISA against the scalar kernel (masks of 0, 1 and other nonzero bytes) */
static int check_mask_scale(const lora_vecops *v, int n) {
    const int G = 17;
    float *x = alloc_row(n, 0), *y = alloc_row(n, G), *ref = alloc_row(n, 0);
    unsigned char *mk = (unsigned char *)malloc((size_t)(n > 0 ? n : 1));
    int i, bad = 0;
    if (!x || !y || !ref || !mk) { free(x); free(y); free(ref); free(mk); return 1; }
    for (i = 0; i < n; i++) mk[i] = (unsigned char)(i % 3 == 0 ? 0 : i % 5 == 0 ? 0x80 : 1);
    lora__vec_scalar.mask_scale(x, mk, ref, (size_t)n, 1.0f / 0.95f);
    v->mask_scale(x, mk, y, (size_t)n, 1.0f / 0.95f);
    bad += memcmp(y, ref, sizeof(float) * (size_t)n) != 0 || !guards_intact(y, n, G);
    v->mask_scale(x, mk, x, (size_t)n, 1.0f / 0.95f); /* in place */
    bad += memcmp(x, ref, sizeof(float) * (size_t)n) != 0;
    free(x); free(y); free(ref); free(mk);
    return bad;
}

/* lora_rng_keep_mask against lora_rng_uniform draw by draw; returns the mismatches */
static int check_keep_mask(void) {
    const float ps[] = { 0.0f, 0.05f, 0.1f, 0.5f, 0.999f, 1.0f, -0.5f, 1.5f, 1.0f / 16777216.0f, 3.0f / 16777216.0f,
                         0.25f + 1.0f / 16777216.0f, 0.25f - 1.0f / 33554432.0f, 0.7f };
    unsigned char mk[1000], ref[1000];
    int a, i, bad = 0, n;
    float nan_p = 0.0f;
    nan_p = nan_p / nan_p;
    for (a = 0; a <= (int)(sizeof ps / sizeof ps[0]); a++) {
        float p = a < (int)(sizeof ps / sizeof ps[0]) ? ps[a] : nan_p;
        lora_rng r1, r2;
        n = 1 + (a * 97) % 1000;
        lora_rng_seed(&r1, 1000 + (uint64_t)a);
        lora_rng_seed(&r2, 1000 + (uint64_t)a);
        for (i = 0; i < n; i++) ref[i] = (unsigned char)(lora_rng_uniform(&r1) >= p);
        lora_rng_keep_mask(&r2, mk, n, p);
        bad += memcmp(mk, ref, (size_t)n) != 0;
        bad += lora_rng_u32(&r1) != lora_rng_u32(&r2); /* the stream continues in step */
    }
    /* thresholds right at a draw u = a / 2^24: p = u keeps it, the next float up drops it, and
       p = u -+ 1/4 of a step (exact floats when u < 1/4) keeps / drops it */
    for (a = 0; a < 200; a++) {
        lora_rng r1, r2;
        float u, p[4];
        int j;
        lora_rng_seed(&r1, 99 + (uint64_t)a);
        r2 = r1;
        u = lora_rng_uniform(&r1);
        p[0] = u; p[1] = nextafterf(u, 2.0f);
        p[2] = u + 0.25f / 16777216.0f; p[3] = u - 0.25f / 16777216.0f;
        for (j = 0; j < 4; j++) {
            lora_rng r3 = r2;
            if (j >= 2 && (double)p[j] != (double)u + (j == 2 ? 0.25 : -0.25) / 16777216.0) continue; /* not exact */
            lora_rng_keep_mask(&r3, mk, 1, p[j]);
            bad += mk[0] != (unsigned char)(u >= p[j]);
        }
    }
    return bad;
}

int main(void) {
    static const lora_isa isas[] = { LORA_ISA_SCALAR, LORA_ISA_AVX2, LORA_ISA_AVX512, LORA_ISA_NEON };
    static const int lengths[] = { 1, 2, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 47, 48, 63, 64, 65, 100, 767, 768, 769, 1000, 3072 };
    lora_pool *pool = NULL;
    int v, a;
    CHECK_OK(lora_pool_create(&pool, 1));
    if (!pool) return TEST_END();
    CHECK(check_add_acc(&lora__vec_scalar, 0) == 0); /* n = 0: nothing written */
    CHECK_MSG(check_keep_mask() == 0, "dropout keep masks differ from lora_rng_uniform >= p");
    for (v = 0; v < 4; v++) {
        const lora_vecops *ops;
        double worst = 0;
        int bad = 0;
        if (lora_pool_set_isa(pool, isas[v]) != LORA_OK) continue; /* not on this machine */
        ops = lora_vec(pool);
        for (a = 0; a < (int)(sizeof lengths / sizeof lengths[0]); a++) {
            int n = lengths[a], guards_ok, r;
            int mism = check_add_acc(ops, n);
            CHECK_MSG(mism == 0, "%s: add/acc differ from scalar at n = %d", lora_isa_name(isas[v]), n);
            bad += mism;
            r = check_mask_scale(ops, n);
            CHECK_MSG(r == 0, "%s: mask_scale differs from scalar at n = %d", lora_isa_name(isas[v]), n);
            bad += r;
            for (r = 0; r < 3; r++) {
                int wg = check_ln_wgrad(ops, n, r != 1, r != 2);
                CHECK_MSG(wg == 0, "%s: ln_wgrad n = %d (dw %d, db %d): %d wrong", lora_isa_name(isas[v]), n, r != 1, r != 2, wg);
                bad += wg;
            }
            for (r = 0; r < 3; r++) {
                double e = check_ln_back(ops, n, &guards_ok);
                /* a few ulps of the row's scale (float sums of n terms, in any order) */
                CHECK_MSG(e <= 4e-7 * sqrt((double)n) + 1e-6, "%s: ln_back n = %d: relative error %.3g",
                          lora_isa_name(isas[v]), n, e);
                CHECK_MSG(guards_ok, "%s: ln_back wrote past n = %d", lora_isa_name(isas[v]), n);
                if (e > worst) worst = e;
            }
        }
        printf("%s: add/acc/ln_wgrad/mask_scale %d mismatches, ln_back worst relative error %.2g\n", lora_isa_name(isas[v]), bad, worst);
    }
    lora_pool_destroy(pool);
    return TEST_END();
}
