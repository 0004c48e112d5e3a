/* Gradient checker (in the spirit of kann's kad_check_grad) for every backward function of
   gpt2.h and for the optimiser of lora.h, independent of PyTorch.

   Method. Every layer forward is transcribed below in double precision (ref_*). For each
   layer function we check
     1. the float forward against the double transcription (so the transcription is the very
        function the backward has to differentiate): max |float - double| <= FWD_RTOL * max(1, max |double|);
     2. the float backward of L = <g, f(x, params)> (g a fixed random projection of the output)
        against central differences of the double transcription, dL/dp ~ (L(p+h) - L(p-h)) / 2h
        with h = 1e-5: every coordinate of small tensors, the largest-gradient coordinate and
        random ones of larger tensors, and random directions over the whole tensor.
   In double the finite difference is accurate to ~1e-10 (truncation ~h^2, rounding ~1e-16 |L| / h),
   so the comparison measures only the float error of the analytic gradient, which is ~1e-7 of
   the gradient's scale. Tolerances (strict, and far from flaky: everything is seeded):
     coordinate i:  |analytic_i - fd_i| <= rtol * max_j |analytic_j| + 1e-9
     direction u:   |<analytic, u> - fd_u| <= rtol * ||analytic|| ||u|| + 1e-9
   with rtol = 2e-5 for single layers (observed worst ~3e-7) and 1e-4 for the whole model
   (observed worst ~1.5e-6); the observed worst ratios are printed at the end.
   The whole model (gpt2_forward + gpt2_backward) is checked the same way against a double
   transcription of GPT-2 built from the same weights (adapter A/B/biases, the same dropout
   masks), and additionally against finite differences of the float loss itself (public API
   only): along the gradient and along the gradient restricted to random halves of the
   parameters, with a step of length 2e-3: |dL_measured - dL_predicted| <= 5e-3 |dL_predicted|
   (float noise of the loss ~1e-6 against changes ~3e-2; third-order truncation ~5e-4).
   The optimiser is checked against a double transcription of torch.optim.AdamW (one step from
   the float state and a 12-step trajectory, with clipping, weight decay, warm-up + cosine),
   the schedules against Hugging Face's get_*_schedule_with_warmup formulas.
   Accumulating outputs (parameter gradients, LayerNorm dx) are pre-filled with random junk and
   the delta is checked; overwritten outputs (linear dx, gelu dx, attention dqkv) are pre-filled
   with NaN. Everything runs under every instruction set the CPU has (scalar, AVX2, AVX-512 /
   NEON); layer checks also on a 3-thread pool (N = B*T = 21 rows spans two row chunks of 16). */
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"
#include "test.h"
#include <stdlib.h>

enum { NB = 3, NT = 7, NN = NB * NT, NC = 12, NH = 3, NF = 20, NV = 17, NL = 2, NPOS = 9, NR = 3 };

#define FD_H 1e-5
#define GRAD_RTOL_LAYER 2e-5 /* single layers: observed worst ~3e-7 */
#define GRAD_RTOL_MODEL 1e-4 /* whole model (two layers deep): observed worst ~1.5e-6 */
#define FWD_RTOL 2e-5
#define FLOAT_FD_RTOL 5e-3  /* observed worst ~5e-4 (third-order truncation of the 2e-3 step) */

static lora_rng rng;
static double worst_layer, worst_e2e, worst_float_fd; /* observed error ratios, for the summary line */
static double *worst_now = &worst_layer;
static double grad_rtol = GRAD_RTOL_LAYER;
static int e2e_probes = 12; /* random coordinates per tensor in the whole-model checks (plus 2 directions) */

/* ---- small helpers ---- */
static double rnd_normal(void) { return (double)lora_rng_normal(&rng); }
static long rnd_index(long n) { return (long)(lora_rng_u32(&rng) % (uint32_t)n); }
static void fill(float *x, long n, double mean, double sd) {
    long i;
    for (i = 0; i < n; i++) x[i] = (float)(mean + sd * rnd_normal());
}
static float *falloc(long n) { return (float *)malloc(sizeof(float) * (size_t)(n > 0 ? n : 1)); }
static double *dalloc(long n) { return (double *)calloc((size_t)(n > 0 ? n : 1), sizeof(double)); }
static float *fdup(const float *x, long n) { float *y = falloc(n); memcpy(y, x, sizeof(float) * (size_t)n); return y; }
static double *to_d(const float *x, long n) {
    double *d = dalloc(n);
    long i;
    for (i = 0; i < n; i++) d[i] = x[i];
    return d;
}
static void fill_nan(float *x, long n) { long i; for (i = 0; i < n; i++) x[i] = NAN; }
/* out = after - before (gradient that an accumulating backward added) */
static float *delta(const float *after, const float *before, long n) {
    float *d = falloc(n);
    long i;
    for (i = 0; i < n; i++) d[i] = after[i] - before[i];
    return d;
}
static double dotd(const double *a, const double *b, long n) {
    double s = 0;
    long i;
    for (i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
/* float forward output vs the double transcription */
static void check_forward(const char *what, const float *got, const double *ref, long n) {
    double m = 0, scale = 1;
    long i, worst = 0;
    for (i = 0; i < n; i++) if (fabs(ref[i]) > scale) scale = fabs(ref[i]);
    for (i = 0; i < n; i++) {
        double d = fabs((double)got[i] - ref[i]);
        if (d > m || d != d) { m = d; worst = i; }
    }
    CHECK_MSG(m <= FWD_RTOL * scale, "%s forward: max |float - double| = %g at %ld (%.9g vs %.9g), scale %g", what, m, worst,
              (double)got[worst], ref[worst], scale);
}

/* ---- the gradient checker ---- */
typedef double (*loss_fn)(void *ctx);

static double fd_coord(loss_fn f, void *ctx, double *p, long i) {
    double s = p[i], a, b;
    p[i] = s + FD_H; a = f(ctx);
    p[i] = s - FD_H; b = f(ctx);
    p[i] = s;
    return (a - b) / (2 * FD_H);
}

/* Compares the float gradient ga (n values) of the double parameter p (read by f through ctx)
   with central differences of f. Only elements i with (i % period) in [c0, c0 + nc) are
   checked (q/k/v parts of an interleaved tensor); pass period = n, c0 = 0, nc = n for all. */
static void gradcheck_sel(const char *what, loss_fn f, void *ctx, double *p, const float *ga, long n, long period, long c0,
                          long nc, int max_probes) {
    long i, nsel = 0, bad = 0, first_bad = -1, amax = -1, k;
    double gmax = 0, gnorm = 0, fd_first = 0, worst = 0;
    int d, dir_bad = 0;
    double *u = dalloc(n), *save = dalloc(n);
#define GC_SEL(i) (((i) % period) >= c0 && ((i) % period) < c0 + nc)
    for (i = 0; i < n; i++)
        if (GC_SEL(i)) {
            nsel++;
            if (fabs(ga[i]) > gmax || ga[i] != ga[i]) { gmax = fabs(ga[i]); amax = i; }
            gnorm += (double)ga[i] * ga[i];
        }
    gnorm = sqrt(gnorm);
    for (k = 0; k < (nsel <= max_probes ? n : max_probes); k++) {
        double fd, err;
        if (nsel <= max_probes) { i = k; if (!GC_SEL(i)) continue; }
        else if (k == 0 && amax >= 0) i = amax;
        else do i = rnd_index(n); while (!GC_SEL(i));
        fd = fd_coord(f, ctx, p, i);
        err = fabs((double)ga[i] - fd);
        if (gmax > 0 && err / gmax > worst) worst = err / gmax;
        if (!(err <= grad_rtol * gmax + 1e-9)) {
            if (!bad++) { first_bad = i; fd_first = fd; }
        }
    }
    for (d = 0; d < 2; d++) {
        double an = 0, un = 0, fp, fm, fd, err;
        for (i = 0; i < n; i++) {
            u[i] = GC_SEL(i) ? rnd_normal() : 0.0;
            an += (double)ga[i] * u[i]; un += u[i] * u[i];
            save[i] = p[i];
        }
        un = sqrt(un);
        for (i = 0; i < n; i++) p[i] = save[i] + FD_H * u[i];
        fp = f(ctx);
        for (i = 0; i < n; i++) p[i] = save[i] - FD_H * u[i];
        fm = f(ctx);
        for (i = 0; i < n; i++) p[i] = save[i];
        fd = (fp - fm) / (2 * FD_H);
        err = fabs(an - fd);
        if (gnorm > 0 && err / (gnorm * un) > worst) worst = err / (gnorm * un);
        if (!(err <= grad_rtol * gnorm * un + 1e-9)) {
            dir_bad++;
            fprintf(stderr, "%s: direction %d: <analytic, u> = %.9g, finite difference %.9g\n", what, d, an, fd);
        }
    }
#undef GC_SEL
    CHECK_MSG(bad == 0, "%s: %ld probes off; first at %ld: analytic %.9g, finite difference %.9g (max |grad| %g)", what, bad,
              first_bad, first_bad >= 0 ? (double)ga[first_bad] : 0.0, fd_first, gmax);
    CHECK_MSG(dir_bad == 0, "%s: %d random directions off", what, dir_bad);
    CHECK_MSG(gmax > 0, "%s: gradient is all zero (nothing checked)", what);
    if (worst > *worst_now) *worst_now = worst;
    if (getenv("GC_VERBOSE")) fprintf(stderr, "%s: worst ratio %.3g\n", what, worst);
    free(u); free(save);
}
static void gradcheck(const char *what, loss_fn f, void *ctx, double *p, const float *ga, long n, int max_probes) {
    gradcheck_sel(what, f, ctx, p, ga, n, n, 0, n, max_probes);
}

/* ---- double-precision transcriptions of the layers ---- */
static void ref_layernorm(const double *x, const double *w, const double *b, double *out, int N, int C, double eps) {
    int r, i;
    for (r = 0; r < N; r++) {
        const double *xr = x + (size_t)r * C;
        double mu = 0, var = 0, rs;
        for (i = 0; i < C; i++) mu += xr[i];
        mu /= C;
        for (i = 0; i < C; i++) var += (xr[i] - mu) * (xr[i] - mu);
        var /= C;
        rs = 1.0 / sqrt(var + eps);
        for (i = 0; i < C; i++) out[(size_t)r * C + i] = (xr[i] - mu) * rs * w[i] + b[i];
    }
}
static double ref_gelu(double x) {
    return 0.5 * x * (1.0 + tanh(sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
}
/* y = x @ W (+ b) + s * (dropout(x) @ A^T) @ B^T; W is (in, out), or (out, in) when tr (lm_head = wte) */
typedef struct {
    int in, out, tr, r;
    const double *W, *b, *A, *Bm;
    double s, p;
    const unsigned char *mask; /* (N, in) keep mask, or NULL */
} ref_lin;
static void ref_linear(const ref_lin *l, const double *x, double *y, int N) {
    int n, i, o, k;
    double xd[64], h[16];
    for (n = 0; n < N; n++) {
        const double *xr = x + (size_t)n * l->in;
        double *yr = y + (size_t)n * l->out;
        for (o = 0; o < l->out; o++) {
            double acc = l->b ? l->b[o] : 0.0;
            for (i = 0; i < l->in; i++) acc += xr[i] * (l->tr ? l->W[(size_t)o * l->in + i] : l->W[(size_t)i * l->out + o]);
            yr[o] = acc;
        }
        if (!l->A) continue;
        for (i = 0; i < l->in; i++)
            xd[i] = l->mask ? (l->mask[(size_t)n * l->in + i] ? xr[i] / (1.0 - l->p) : 0.0) : xr[i];
        for (k = 0; k < l->r; k++) {
            h[k] = 0;
            for (i = 0; i < l->in; i++) h[k] += xd[i] * l->A[(size_t)k * l->in + i];
        }
        for (o = 0; o < l->out; o++) {
            double acc = 0;
            for (k = 0; k < l->r; k++) acc += l->Bm[(size_t)o * l->r + k] * h[k];
            yr[o] += l->s * acc;
        }
    }
}
/* causal self-attention over qkv (N, 3C); P (B, H, T, T) may be NULL */
static void ref_attention(const double *qkv, double *out, double *P, int B, int T, int C, int H) {
    int D = C / H, b, h, i, j, d;
    double scale = 1.0 / sqrt((double)D), s[64];
    for (b = 0; b < B; b++)
        for (h = 0; h < H; h++)
            for (i = 0; i < T; i++) {
                const double *q = qkv + ((size_t)b * T + i) * 3 * C + (size_t)h * D;
                double mx = -1e300, sum = 0;
                for (j = 0; j <= i; j++) {
                    const double *k = qkv + ((size_t)b * T + j) * 3 * C + C + (size_t)h * D;
                    s[j] = 0;
                    for (d = 0; d < D; d++) s[j] += q[d] * k[d];
                    s[j] *= scale;
                    if (s[j] > mx) mx = s[j];
                }
                for (j = 0; j <= i; j++) { s[j] = exp(s[j] - mx); sum += s[j]; }
                for (j = 0; j <= i; j++) s[j] /= sum;
                if (P)
                    for (j = 0; j < T; j++) P[(((size_t)b * H + h) * T + i) * T + j] = j <= i ? s[j] : 0.0;
                for (d = 0; d < D; d++) {
                    double acc = 0;
                    for (j = 0; j <= i; j++) acc += s[j] * qkv[((size_t)b * T + j) * 3 * C + 2 * C + (size_t)h * D + d];
                    out[((size_t)b * T + i) * C + (size_t)h * D + d] = acc;
                }
            }
}
/* mean cross-entropy, Hugging Face shift (logits[t] predicts labels[t+1]), -100 ignored */
static double ref_ce(const double *logits, const int32_t *labels, int N, int T, int V) {
    double total = 0;
    int r, i, count = 0;
    for (r = 0; r < N; r++) {
        const double *x = logits + (size_t)r * V;
        int t = r % T == T - 1 ? -100 : labels[r + 1];
        double mx = x[0], sum = 0;
        if (t == -100) continue;
        for (i = 1; i < V; i++) if (x[i] > mx) mx = x[i];
        for (i = 0; i < V; i++) sum += exp(x[i] - mx);
        total += mx + log(sum) - x[t];
        count++;
    }
    return total / count;
}

/* ---- models ---- */
static gpt2_model *make_model(uint64_t seed, lora_pool *pool) {
    gpt2_config cfg;
    gpt2_model *m = NULL;
    int i;
    memset(&cfg, 0, sizeof cfg);
    cfg.n_layer = NL; cfg.n_head = NH; cfg.n_embd = NC; cfg.n_positions = NPOS; cfg.vocab_size = NV; cfg.n_inner = NF;
    cfg.layer_norm_eps = 1e-5f;
    CHECK_OK(gpt2_model_create(&cfg, pool, &m));
    if (!m) return NULL;
    gpt2_model_init_random(m, seed);
    /* HF's init (std 0.02, LayerNorm 1/0, biases 0) makes a nearly linear network: scale the
       matrices up so gelu and softmax work in their nonlinear range, and move LayerNorm weights
       and every bias away from 1 / 0 so their gradients are exercised */
    for (i = 0; i < m->n_tensors; i++) {
        gpt2__tensor *t = &m->tensors[i];
        float *p = gpt2__t(m, i);
        int64_t j;
        int is_bias = strstr(t->name, ".bias") != NULL, is_ln = strstr(t->name, "ln_") != NULL;
        for (j = 0; j < t->numel; j++) {
            if (is_bias) p[j] = (float)(0.1 * rnd_normal());
            else if (is_ln) p[j] = (float)(1.0 + 0.3 * rnd_normal());
            else p[j] *= 15.0f;
        }
    }
    return m;
}

static lora_adapter *make_adapter(gpt2_model *m, float dropout, lora_bias_mode bias, int rslora, const int *layers, int n_layers) {
    static const char *const targets[] = {"c_attn", "c_proj", "c_fc", "lm_head"};
    lora_config cfg = lora_config_init();
    lora_adapter *ad = NULL;
    int i;
    cfg.r = NR; cfg.alpha = 6.0f; cfg.dropout = dropout; cfg.use_rslora = rslora; cfg.bias = bias; cfg.seed = 7;
    cfg.target.targets = targets; cfg.target.n_targets = 4;
    cfg.target.layers = layers; cfg.target.n_layers = n_layers;
    CHECK_OK(gpt2_lora_create(m, &cfg, &ad));
    if (!ad) return NULL;
    for (i = 0; i < ad->n_modules; i++) {
        lora_module *lm = &ad->modules[i];
        double want = rslora ? 6.0 / sqrt((double)NR) : 6.0 / NR;
        CHECK_NEAR(lm->scaling, want, 1e-6);
        fill(lm->B, (long)lm->out * lm->r, 0.0, 0.2); /* B = 0 at init would leave dA = 0 */
    }
    for (i = 0; i < ad->n_biases; i++) { /* differ from the model's own biases */
        long j;
        for (j = 0; j < ad->biases[i].n; j++) ad->biases[i].value[j] += (float)(0.1 * rnd_normal());
    }
    return ad;
}

static void make_batch(int32_t *inputs, int32_t *labels) {
    int r;
    for (r = 0; r < NN; r++) {
        inputs[r] = (int32_t)rnd_index(NV);
        labels[r] = rnd_index(5) == 0 ? -100 : (int32_t)rnd_index(NV);
    }
    inputs[3] = inputs[9] = inputs[15]; /* repeated tokens: embedding gradients accumulate */
    labels[2] = -100;
}

/* ======================================================================
   Single layers
   ====================================================================== */

/* ---- embedding ---- */
typedef struct { double *wte, *wpe, *g; const int32_t *in; } enc_ctx;
static double enc_loss(void *v) {
    enc_ctx *c = (enc_ctx *)v;
    double s = 0;
    int r, i;
    for (r = 0; r < NN; r++)
        for (i = 0; i < NC; i++) s += c->g[r * NC + i] * (c->wte[c->in[r] * NC + i] + c->wpe[(r % NT) * NC + i]);
    return s;
}
static void test_encoder(gpt2_model *m) {
    int32_t inputs[NN], labels[NN];
    float out[NN * NC], g[NN * NC], *dwte = m->grads + m->tensors[0].offset, *dwpe = m->grads + m->tensors[1].offset;
    float *w0, *p0, *ga;
    double ref[NN * NC];
    enc_ctx c;
    int r, i;
    make_batch(inputs, labels);
    fill(g, NN * NC, 0, 1);
    gpt2__encoder_forward(m, inputs, NB, NT, out);
    c.wte = to_d(gpt2__t(m, 0), NV * NC); c.wpe = to_d(gpt2__t(m, 1), NPOS * NC); c.g = to_d(g, NN * NC); c.in = inputs;
    for (r = 0; r < NN; r++)
        for (i = 0; i < NC; i++) ref[r * NC + i] = c.wte[inputs[r] * NC + i] + c.wpe[(r % NT) * NC + i];
    check_forward("encoder", out, ref, NN * NC);
    fill(dwte, NV * NC, 0, 1); fill(dwpe, NPOS * NC, 0, 1);
    w0 = fdup(dwte, NV * NC); p0 = fdup(dwpe, NPOS * NC);
    gpt2__encoder_backward(m, g, inputs, NB, NT);
    ga = delta(dwte, w0, NV * NC); gradcheck("encoder dwte", enc_loss, &c, c.wte, ga, NV * NC, 1000); free(ga);
    ga = delta(dwpe, p0, NPOS * NC); gradcheck("encoder dwpe", enc_loss, &c, c.wpe, ga, NPOS * NC, 1000); free(ga);
    free(w0); free(p0); free(c.wte); free(c.wpe); free(c.g);
}

/* ---- layernorm ---- */
typedef struct { double eps, *x, *w, *b, *g, *out; } ln_ctx;
static double ln_loss(void *v) {
    ln_ctx *c = (ln_ctx *)v;
    ref_layernorm(c->x, c->w, c->b, c->out, NN, NC, c->eps);
    return dotd(c->g, c->out, NN * NC);
}
static void test_layernorm(gpt2_model *m) {
    float x[NN * NC], w[NC], b[NC], out[NN * NC], mean[NN], rstd[NN], g[NN * NC], dx[NN * NC], dx0[NN * NC];
    float dw[NC], dw0[NC], db[NC], db0[NC], dw2[NC], *ga;
    ln_ctx c;
    int r, i;
    for (r = 0; r < NN; r++) /* rows with different means and spreads */
        for (i = 0; i < NC; i++) x[r * NC + i] = (float)(0.3 * (r % 5) - 0.5 + (0.5 + 0.2 * (r % 4)) * rnd_normal());
    fill(w, NC, 1.0, 0.5); fill(b, NC, 0.0, 0.3); fill(g, NN * NC, 0, 1);
    fill(dx0, NN * NC, 0, 1); fill(dw0, NC, 0, 1); fill(db0, NC, 0, 1);
    gpt2__layernorm_forward(m, x, w, b, out, mean, rstd, NN);
    c.eps = m->cfg.layer_norm_eps; c.x = to_d(x, NN * NC); c.w = to_d(w, NC); c.b = to_d(b, NC); c.g = to_d(g, NN * NC);
    c.out = dalloc(NN * NC);
    ln_loss(&c);
    check_forward("layernorm", out, c.out, NN * NC);
    memcpy(dx, dx0, sizeof dx); memcpy(dw, dw0, sizeof dw); memcpy(db, db0, sizeof db);
    gpt2__layernorm_backward(m, g, x, w, mean, rstd, dx, dw, db, NN);
    ga = delta(dx, dx0, NN * NC); gradcheck("layernorm dx", ln_loss, &c, c.x, ga, NN * NC, 64); free(ga);
    ga = delta(dw, dw0, NC); gradcheck("layernorm dweight", ln_loss, &c, c.w, ga, NC, 64); free(ga);
    ga = delta(db, db0, NC); gradcheck("layernorm dbias", ln_loss, &c, c.b, ga, NC, 64); free(ga);
    /* dx = NULL (lowest trained layer): parameter gradients alone, same values */
    memcpy(dw2, dw0, sizeof dw2);
    gpt2__layernorm_backward(m, g, x, w, mean, rstd, NULL, dw2, NULL, NN);
    CHECK(memcmp(dw2, dw, sizeof dw) == 0);
    free(c.x); free(c.w); free(c.b); free(c.g); free(c.out);
}

/* ---- gelu ---- */
typedef struct { double *x, *g; } gelu_ctx;
static double gelu_loss(void *v) {
    gelu_ctx *c = (gelu_ctx *)v;
    double s = 0;
    int i;
    for (i = 0; i < NN * NF; i++) s += c->g[i] * ref_gelu(c->x[i]);
    return s;
}
static void test_gelu(gpt2_model *m) {
    float x[NN * NF], y[NN * NF], g[NN * NF], dx[NN * NF], d2[NN * NF];
    double ref[NN * NF];
    gelu_ctx c;
    int i;
    fill(x, NN * NF, 0, 2.5); x[0] = 0.0f; x[1] = 6.0f; x[2] = -6.0f;
    fill(g, NN * NF, 0, 1);
    fill_nan(y, NN * NF); fill_nan(dx, NN * NF);
    gpt2__gelu_forward(m, x, y, NN, NF);
    c.x = to_d(x, NN * NF); c.g = to_d(g, NN * NF);
    for (i = 0; i < NN * NF; i++) ref[i] = ref_gelu(c.x[i]);
    check_forward("gelu", y, ref, NN * NF);
    gpt2__gelu_backward(m, x, g, dx, NN, NF);
    gradcheck("gelu dx", gelu_loss, &c, c.x, dx, NN * NF, 64);
    memcpy(d2, g, sizeof d2); /* in place, as gpt2_backward calls it */
    gpt2__gelu_backward(m, x, d2, d2, NN, NF);
    CHECK(memcmp(d2, dx, sizeof dx) == 0);
    free(c.x); free(c.g);
}

/* ---- linear with the LoRA branch ---- */
typedef struct { ref_lin l; double *x, *W, *b, *A, *Bm, *g, *y; } lin_ctx;
static double lin_loss(void *v) {
    lin_ctx *c = (lin_ctx *)v;
    ref_linear(&c->l, c->x, c->y, NN);
    return dotd(c->g, c->y, (long)NN * c->l.out);
}
static void check_linear(gpt2_model *m, int mi, const char *mode) {
    const gpt2_linear_info *li = &m->linears[mi];
    int in = li->in, out = li->out, tr, bi = gpt2__module_bias_tensor(m, mi);
    const float *W = gpt2__module_weight(m, mi, &tr);
    lora_module *lm = lora_adapter_module(m->adapter, mi);
    float *x = falloc(NN * in), *y = falloc(NN * out), *g = falloc(NN * out), *dx = falloc(NN * in), *ga;
    float *dW = NULL, *dW0 = NULL, *db = NULL, *db0 = NULL, *dA0 = NULL, *dB0 = NULL;
    unsigned char *mask = NULL;
    char what[160];
    lin_ctx c;
    memset(&c, 0, sizeof c);
    fill(x, NN * in, 0, 1); fill(g, NN * out, 0, 1);
    fill_nan(y, NN * out); fill_nan(dx, NN * in);
    gpt2__linear_forward(m, mi, x, y, NN);
    if (lm && m->acts->lora[mi].mask) {
        mask = (unsigned char *)malloc((size_t)NN * in);
        memcpy(mask, m->acts->lora[mi].mask, (size_t)NN * in);
    }
    c.l.in = in; c.l.out = out; c.l.tr = tr;
    c.x = to_d(x, NN * in); c.g = to_d(g, NN * out); c.y = dalloc(NN * out);
    c.W = to_d(W, (long)in * out); c.l.W = c.W;
    if (bi >= 0) { c.b = to_d(gpt2__tensor_value(m, bi), out); c.l.b = c.b; }
    if (lm) {
        c.A = to_d(lm->A, (long)lm->r * in); c.Bm = to_d(lm->B, (long)out * lm->r);
        c.l.A = c.A; c.l.Bm = c.Bm; c.l.r = lm->r; c.l.s = lm->scaling; c.l.mask = mask; c.l.p = m->adapter->config.dropout;
    }
    lin_loss(&c);
    snprintf(what, sizeof what, "linear %s [%s]", li->name, mode);
    check_forward(what, y, c.y, (long)NN * out);
    /* accumulating gradients start from junk */
    if (m->grads) {
        dW = m->grads + m->tensors[tr ? 0 : bi - 1].offset;
        fill(dW, (long)in * out, 0, 1); dW0 = fdup(dW, (long)in * out);
    }
    if (bi >= 0 && (db = gpt2__tensor_grad(m, bi)) != NULL) { fill(db, out, 0, 1); db0 = fdup(db, out); }
    if (lm) {
        fill(lm->dA, (long)lm->r * in, 0, 1); dA0 = fdup(lm->dA, (long)lm->r * in);
        fill(lm->dB, (long)out * lm->r, 0, 1); dB0 = fdup(lm->dB, (long)out * lm->r);
    }
    gpt2__linear_backward(m, mi, x, g, dx, NN);
    snprintf(what, sizeof what, "linear %s [%s] dx", li->name, mode);
    gradcheck(what, lin_loss, &c, c.x, dx, (long)NN * in, 64);
    if (dW) {
        snprintf(what, sizeof what, "linear %s [%s] dweight", li->name, mode);
        ga = delta(dW, dW0, (long)in * out); gradcheck(what, lin_loss, &c, c.W, ga, (long)in * out, 64); free(ga);
    }
    if (db) {
        snprintf(what, sizeof what, "linear %s [%s] dbias", li->name, mode);
        ga = delta(db, db0, out); gradcheck(what, lin_loss, &c, c.b, ga, out, 64); free(ga);
    }
    if (lm) {
        snprintf(what, sizeof what, "linear %s [%s] dlora_A", li->name, mode);
        ga = delta(lm->dA, dA0, (long)lm->r * in); gradcheck(what, lin_loss, &c, c.A, ga, (long)lm->r * in, 64); free(ga);
        snprintf(what, sizeof what, "linear %s [%s] dlora_B", li->name, mode);
        ga = delta(lm->dB, dB0, (long)out * lm->r); gradcheck(what, lin_loss, &c, c.Bm, ga, (long)out * lm->r, 64); free(ga);
    }
    free(x); free(y); free(g); free(dx); free(dW0); free(db0); free(dA0); free(dB0); free(mask);
    free(c.x); free(c.g); free(c.y); free(c.W); free(c.b); free(c.A); free(c.Bm);
}

static void test_linears(lora_pool *pool) {
    gpt2_model *m = make_model(11, pool);
    lora_adapter *ad;
    int mods[5], k, i, kept = 0, total = 0;
    if (!m) return;
    mods[0] = 0; mods[1] = 1; mods[2] = 2; mods[3] = 3; mods[4] = m->n_linears - 1; /* layer 0 and lm_head */
    /* full fine-tuning, no adapter: dx, W, b */
    CHECK_OK(gpt2_model_set_full_finetune(m, 1));
    CHECK_OK(gpt2__acts_ensure(m, NB, NT));
    for (k = 0; k < 5; k++) check_linear(m, mods[k], "full");
    /* adapter (rsLoRA, bias "all": the bias in use and its gradient are the adapter's), eval mode:
       dropout 0.3 configured but off */
    ad = make_adapter(m, 0.3f, LORA_BIAS_ALL, 1, NULL, 0);
    if (!ad) { gpt2_model_free(m); return; }
    CHECK_OK(gpt2_model_set_full_finetune(m, 0));
    CHECK_OK(gpt2_model_set_adapter(m, ad));
    gpt2_model_set_training(m, 0, 99);
    CHECK_OK(gpt2__acts_ensure(m, NB, NT));
    CHECK(m->acts->lora[0].mask == NULL);
    for (k = 0; k < 5; k++) check_linear(m, mods[k], "lora");
    /* training: dropout-masked LoRA input (fixed mask), with full fine-tuning at the same time */
    CHECK_OK(gpt2_model_set_full_finetune(m, 1));
    gpt2_model_set_training(m, 1, 99);
    CHECK_OK(gpt2__acts_ensure(m, NB, NT));
    CHECK(m->acts->lora[0].mask != NULL);
    for (k = 0; k < 5; k++) {
        check_linear(m, mods[k], "lora dropout 0.3 + full");
        for (i = 0; i < NN * m->linears[mods[k]].in; i++) kept += m->acts->lora[mods[k]].mask[i], total++;
    }
    CHECK_MSG(fabs(1.0 - (double)kept / total - 0.3) < 0.04, "dropped fraction %g, expected about 0.3", 1.0 - (double)kept / total);
    gpt2_model_free(m);
    lora_adapter_free(ad);
}

/* ---- attention ---- */
typedef struct { double *qkv, *g, *out; } att_ctx;
static double att_loss(void *v) {
    att_ctx *c = (att_ctx *)v;
    ref_attention(c->qkv, c->out, NULL, NB, NT, NC, NH);
    return dotd(c->g, c->out, NN * NC);
}
static void test_attention(gpt2_model *m) {
    float qkv[NN * 3 * NC], att[NB * NH * NT * NT], out[NN * NC], g[NN * NC], dqkv[NN * 3 * NC];
    double P[NB * NH * NT * NT];
    att_ctx c;
    CHECK_OK(gpt2__acts_ensure(m, NB, NT)); /* per-thread scratch */
    fill(qkv, NN * 3 * NC, 0, 1.3); fill(g, NN * NC, 0, 1);
    fill_nan(att, NB * NH * NT * NT); fill_nan(out, NN * NC); fill_nan(dqkv, NN * 3 * NC);
    gpt2__attention_forward(m, qkv, out, NB, NT);
    {   /* the probabilities are not kept: the forward and backward compute them with this */
        gpt2__att_ctx ac;
        int t;
        memset(&ac, 0, sizeof ac);
        ac.m = m; ac.qkv = qkv; ac.B = NB; ac.T = NT; ac.v = lora_vec(m->pool);
        for (t = 0; t < NB * NH; t++) gpt2__attention_probs(&ac, t / NH, t % NH, att + (size_t)t * NT * NT);
    }
    c.qkv = to_d(qkv, NN * 3 * NC); c.g = to_d(g, NN * NC); c.out = dalloc(NN * NC);
    ref_attention(c.qkv, c.out, P, NB, NT, NC, NH);
    check_forward("attention", out, c.out, NN * NC);
    check_forward("attention probabilities", att, P, NB * NH * NT * NT);
    gpt2__attention_backward(m, qkv, g, dqkv, NB, NT);
    gradcheck_sel("attention dq", att_loss, &c, c.qkv, dqkv, NN * 3 * NC, 3 * NC, 0, NC, 64);
    gradcheck_sel("attention dk", att_loss, &c, c.qkv, dqkv, NN * 3 * NC, 3 * NC, NC, NC, 64);
    gradcheck_sel("attention dv", att_loss, &c, c.qkv, dqkv, NN * 3 * NC, 3 * NC, 2 * NC, NC, 64);
    free(c.qkv); free(c.g); free(c.out);
}

/* ---- cross-entropy rows ---- */
typedef struct { double *logits; const int32_t *labels; } ce_ctx;
static double ce_loss(void *v) {
    ce_ctx *c = (ce_ctx *)v;
    return ref_ce(c->logits, c->labels, NN, NT, NV);
}
static void test_ce(gpt2_model *m) {
    float logits[NN * NV], row_loss[NN];
    int32_t inputs[NN], labels[NN];
    gpt2__ce_ctx cc;
    ce_ctx c;
    double sum = 0;
    int r, i, count = 0, zero_ok = 1;
    make_batch(inputs, labels);
    labels[NT + 1] = -100; labels[2 * NT + 4] = -100; /* -100 labels at several places */
    fill(logits, NN * NV, 0, 2);
    for (i = 0; i < NV; i++) logits[4 * NV + i] *= 20.0f; /* a row with large logits (softmax stability) */
    c.logits = to_d(logits, NN * NV); c.labels = labels;
    for (r = 0; r < NN; r++) count += gpt2__target(labels, NULL, r, NT) != GPT2__IGNORE;
    memset(&cc, 0, sizeof cc);
    cc.logits = logits; cc.row_loss = row_loss; cc.labels = labels; cc.T = NT; cc.V = NV; cc.inv_count = 0.0f;
    cc.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, NN, gpt2__ce_rows, &cc);
    for (r = 0; r < NN; r++) sum += row_loss[r];
    CHECK_NEAR(sum / count, ce_loss(&c), 1e-6 * ce_loss(&c));
    cc.inv_count = 1.0f / (float)count;
    gpt2__parallel_rows(m->pool, NN, gpt2__ce_back_rows, &cc); /* logits -> dlogits in place */
    gradcheck("cross-entropy dlogits", ce_loss, &c, c.logits, logits, NN * NV, 64);
    for (r = 0; r < NN; r++)
        if (gpt2__target(labels, NULL, r, NT) == GPT2__IGNORE)
            for (i = 0; i < NV; i++) zero_ok &= logits[r * NV + i] == 0.0f;
    CHECK(zero_ok);
    free(c.logits);
}

static void test_layers(lora_pool *pool) {
    gpt2_model *m = make_model(5, pool);
    if (!m) return;
    CHECK_OK(gpt2_model_set_full_finetune(m, 1));
    test_encoder(m);
    test_layernorm(m);
    test_gelu(m);
    test_attention(m);
    test_ce(m);
    gpt2_model_free(m);
    test_linears(pool);
}

/* ======================================================================
   The whole model: gpt2_forward + gpt2_backward
   ====================================================================== */
typedef struct {
    gpt2_model *m;
    double eps, p;
    double **t;                /* every tensor: the values in use (the adapter's copy of a bias it carries) */
    double **A, **Bm;          /* per model module, NULL when not adapted */
    unsigned char **mask;      /* per model module: dropout keep mask of the last float forward, or NULL */
    const int32_t *inputs, *labels;
    double *x, *h, *qkv, *atty, *tmp, *fc, *logits;
} ref_model;

static void rm_init(ref_model *rm, gpt2_model *m, const int32_t *inputs, const int32_t *labels) {
    int i;
    memset(rm, 0, sizeof *rm);
    rm->m = m; rm->eps = m->cfg.layer_norm_eps; rm->inputs = inputs; rm->labels = labels;
    rm->p = m->adapter ? m->adapter->config.dropout : 0.0;
    rm->t = (double **)calloc((size_t)m->n_tensors, sizeof(double *));
    for (i = 0; i < m->n_tensors; i++) rm->t[i] = to_d(gpt2__tensor_value(m, i), (long)m->tensors[i].numel);
    rm->A = (double **)calloc((size_t)m->n_linears, sizeof(double *));
    rm->Bm = (double **)calloc((size_t)m->n_linears, sizeof(double *));
    rm->mask = (unsigned char **)calloc((size_t)m->n_linears, sizeof(unsigned char *));
    for (i = 0; i < m->n_linears; i++) {
        lora_module *lm = lora_adapter_module(m->adapter, i);
        if (!lm) continue;
        rm->A[i] = to_d(lm->A, (long)lm->r * lm->in);
        rm->Bm[i] = to_d(lm->B, (long)lm->out * lm->r);
        if (m->acts && m->acts->lora[i].mask) {
            rm->mask[i] = (unsigned char *)malloc((size_t)NN * lm->in);
            memcpy(rm->mask[i], m->acts->lora[i].mask, (size_t)NN * lm->in);
        }
    }
    rm->x = dalloc(NN * NC); rm->h = dalloc(NN * NC); rm->qkv = dalloc(NN * 3 * NC); rm->atty = dalloc(NN * NC);
    rm->tmp = dalloc(NN * NC); rm->fc = dalloc(NN * NF); rm->logits = dalloc(NN * NV);
}
static void rm_free(ref_model *rm) {
    int i;
    for (i = 0; i < rm->m->n_tensors; i++) free(rm->t[i]);
    for (i = 0; i < rm->m->n_linears; i++) { free(rm->A[i]); free(rm->Bm[i]); free(rm->mask[i]); }
    free(rm->t); free(rm->A); free(rm->Bm); free(rm->mask);
    free(rm->x); free(rm->h); free(rm->qkv); free(rm->atty); free(rm->tmp); free(rm->fc); free(rm->logits);
}
static void rm_linear(ref_model *rm, int mi, const double *x, double *y) {
    gpt2_model *m = rm->m;
    lora_module *lm = lora_adapter_module(m->adapter, mi);
    int bi = gpt2__module_bias_tensor(m, mi), tr;
    ref_lin l;
    gpt2__module_weight(m, mi, &tr);
    memset(&l, 0, sizeof l);
    l.in = m->linears[mi].in; l.out = m->linears[mi].out; l.tr = tr;
    l.W = rm->t[tr ? 0 : bi - 1]; /* lm_head is tied to wte */
    l.b = bi >= 0 ? rm->t[bi] : NULL;
    if (lm) { l.A = rm->A[mi]; l.Bm = rm->Bm[mi]; l.r = lm->r; l.s = lm->scaling; l.mask = rm->mask[mi]; l.p = rm->p; }
    ref_linear(&l, x, y, NN);
}
static double rm_loss(void *v) {
    ref_model *rm = (ref_model *)v;
    gpt2_model *m = rm->m;
    int r, i, l;
    for (r = 0; r < NN; r++)
        for (i = 0; i < NC; i++) rm->x[r * NC + i] = rm->t[0][rm->inputs[r] * NC + i] + rm->t[1][(r % NT) * NC + i];
    for (l = 0; l < NL; l++) {
        int mi = l * GPT2_LINEARS_PER_LAYER;
        ref_layernorm(rm->x, rm->t[gpt2__lt(l, GPT2__LN1W)], rm->t[gpt2__lt(l, GPT2__LN1B)], rm->h, NN, NC, rm->eps);
        rm_linear(rm, mi + 0, rm->h, rm->qkv);
        ref_attention(rm->qkv, rm->atty, NULL, NB, NT, NC, NH);
        rm_linear(rm, mi + 1, rm->atty, rm->tmp);
        for (i = 0; i < NN * NC; i++) rm->x[i] += rm->tmp[i];
        ref_layernorm(rm->x, rm->t[gpt2__lt(l, GPT2__LN2W)], rm->t[gpt2__lt(l, GPT2__LN2B)], rm->h, NN, NC, rm->eps);
        rm_linear(rm, mi + 2, rm->h, rm->fc);
        for (i = 0; i < NN * NF; i++) rm->fc[i] = ref_gelu(rm->fc[i]);
        rm_linear(rm, mi + 3, rm->fc, rm->tmp);
        for (i = 0; i < NN * NC; i++) rm->x[i] += rm->tmp[i];
    }
    ref_layernorm(rm->x, rm->t[m->n_tensors - 2], rm->t[m->n_tensors - 1], rm->h, NN, NC, rm->eps);
    rm_linear(rm, m->n_linears - 1, rm->h, rm->logits);
    return ref_ce(rm->logits, rm->labels, NN, NT, NV);
}

static double float_loss(gpt2_model *m, const int32_t *inputs, const int32_t *labels, int training, uint64_t seed) {
    float loss = NAN;
    if (training) gpt2_model_set_training(m, 1, seed); /* step counter back to 0: the same masks */
    CHECK_OK(gpt2_forward(m, inputs, labels, NB, NT, &loss));
    return loss;
}

/* Finite differences of the float loss (public API only) along the gradient and along the
   gradient restricted to random halves of the trainable parameters. */
static void float_fd(const char *tag, gpt2_model *m, const int32_t *inputs, const int32_t *labels, int training, uint64_t seed) {
    lora_param *ps = NULL;
    int np = 0, i, d;
    long j;
    float **v0, **gr;
    CHECK_OK(gpt2_trainable_params(m, &ps, &np));
    if (!ps) return;
    v0 = (float **)calloc((size_t)np, sizeof(float *));
    gr = (float **)calloc((size_t)np, sizeof(float *));
    for (i = 0; i < np; i++) { v0[i] = fdup(ps[i].value, (long)ps[i].n); gr[i] = fdup(ps[i].grad, (long)ps[i].n); }
    for (d = 0; d < 3; d++) {
        double un = 0, h = 2e-3, pred = 0, lp, lm, meas;
        uint32_t sel_seed = lora_rng_u32(&rng);
        lora_rng srng;
        /* u = gradient (d = 0) or gradient on a random half (d > 0), scaled to length h */
        lora_rng_seed(&srng, sel_seed);
        for (i = 0; i < np; i++)
            for (j = 0; j < ps[i].n; j++) {
                int on = d == 0 || (lora_rng_u32(&srng) & 1);
                if (on) un += (double)gr[i][j] * gr[i][j];
            }
        un = sqrt(un);
        if (!(un > 0)) { CHECK_MSG(0, "%s: zero gradient", tag); break; }
        lora_rng_seed(&srng, sel_seed);
        for (i = 0; i < np; i++)
            for (j = 0; j < ps[i].n; j++) {
                int on = d == 0 || (lora_rng_u32(&srng) & 1);
                double step = on ? h * gr[i][j] / un : 0.0;
                float xp = (float)(v0[i][j] + step), xm = (float)(v0[i][j] - step);
                pred += (double)gr[i][j] * ((double)xp - (double)xm); /* the perturbation actually applied */
                ps[i].value[j] = xp;
            }
        lp = float_loss(m, inputs, labels, training, seed);
        lora_rng_seed(&srng, sel_seed);
        for (i = 0; i < np; i++)
            for (j = 0; j < ps[i].n; j++) {
                int on = d == 0 || (lora_rng_u32(&srng) & 1);
                double step = on ? h * gr[i][j] / un : 0.0;
                ps[i].value[j] = (float)(v0[i][j] - step);
            }
        lm = float_loss(m, inputs, labels, training, seed);
        for (i = 0; i < np; i++) memcpy(ps[i].value, v0[i], sizeof(float) * (size_t)ps[i].n);
        meas = lp - lm;
        if (fabs(meas - pred) / fabs(pred) > worst_float_fd) worst_float_fd = fabs(meas - pred) / fabs(pred);
        if (getenv("GC_VERBOSE")) fprintf(stderr, "%s d%d pred %.6g meas %.6g rel %.3g\n", tag, d, pred, meas, fabs(meas - pred) / fabs(pred));
        CHECK_MSG(fabs(meas - pred) <= FLOAT_FD_RTOL * fabs(pred), "%s: float loss difference %.9g, gradient predicts %.9g (direction %d)",
                  tag, meas, pred, d);
    }
    for (i = 0; i < np; i++) { free(v0[i]); free(gr[i]); }
    free(v0); free(gr); LORA_FREE(ps);
}

/* Forward + backward on the float model, then every trainable gradient against finite
   differences of the double transcription and of the float loss. */
static void check_model(const char *tag, gpt2_model *m, int training, uint64_t seed) {
    int32_t inputs[NN], labels[NN];
    float loss = NAN, *ga;
    ref_model rm;
    double ref_loss, *ref_logits;
    char what[200];
    int i, np = 0;
    lora_param *ps = NULL;
    float **g1;
    make_batch(inputs, labels);
    gpt2_zero_grad(m);
    loss = (float)float_loss(m, inputs, labels, training, seed);
    rm_init(&rm, m, inputs, labels);
    ref_loss = rm_loss(&rm);
    ref_logits = rm.logits;
    snprintf(what, sizeof what, "%s: logits", tag);
    check_forward(what, gpt2_logits(m), ref_logits, NN * NV);
    CHECK_MSG(fabs(loss - ref_loss) <= 1e-5 * ref_loss, "%s: loss %.9g, double transcription %.9g", tag, (double)loss, ref_loss);
    CHECK_OK(gpt2_backward(m));
    worst_now = &worst_e2e; grad_rtol = GRAD_RTOL_MODEL;
    for (i = 0; i < m->n_linears; i++) {
        lora_module *lm = lora_adapter_module(m->adapter, i);
        if (!lm) continue;
        snprintf(what, sizeof what, "%s: %s lora_A", tag, lm->name);
        gradcheck(what, rm_loss, &rm, rm.A[i], lm->dA, (long)lm->r * lm->in, e2e_probes);
        snprintf(what, sizeof what, "%s: %s lora_B", tag, lm->name);
        gradcheck(what, rm_loss, &rm, rm.Bm[i], lm->dB, (long)lm->out * lm->r, e2e_probes);
    }
    for (i = 0; m->adapter && i < m->adapter->n_biases; i++) {
        lora_bias_param *bp = &m->adapter->biases[i];
        int ti = gpt2__find_tensor(m, bp->name);
        CHECK(ti >= 0);
        if (ti < 0) continue;
        snprintf(what, sizeof what, "%s: adapter bias %s", tag, bp->name);
        gradcheck(what, rm_loss, &rm, rm.t[ti], bp->grad, bp->n, e2e_probes);
    }
    if (m->full)
        for (i = 0; i < m->n_tensors; i++) {
            char full[80];
            snprintf(full, sizeof full, "transformer.%s", m->tensors[i].name);
            if (lora_adapter_find_bias(m->adapter, full)) continue; /* its gradient is the adapter's */
            ga = m->grads + m->tensors[i].offset;
            snprintf(what, sizeof what, "%s: %s", tag, m->tensors[i].name);
            gradcheck(what, rm_loss, &rm, rm.t[i], ga, (long)m->tensors[i].numel, e2e_probes);
        }
    worst_now = &worst_layer; grad_rtol = GRAD_RTOL_LAYER;
    /* gradients accumulate: a second forward + backward without zero_grad doubles them */
    CHECK_OK(gpt2_trainable_params(m, &ps, &np));
    g1 = (float **)calloc((size_t)(np ? np : 1), sizeof(float *));
    for (i = 0; i < np; i++) g1[i] = fdup(ps[i].grad, (long)ps[i].n);
    float_loss(m, inputs, labels, training, seed);
    CHECK_OK(gpt2_backward(m));
    {
        double worst = 0, gmax = 0;
        long j;
        for (i = 0; i < np; i++)
            for (j = 0; j < ps[i].n; j++) {
                double d = fabs((double)ps[i].grad[j] - 2.0 * g1[i][j]);
                if (d > worst) worst = d;
                if (fabs(g1[i][j]) > gmax) gmax = fabs(g1[i][j]);
            }
        CHECK_MSG(worst <= 1e-6 * gmax, "%s: second backward does not accumulate: max |g2 - 2 g1| = %g (max |g1| %g)", tag, worst, gmax);
        /* back to the single gradient for the float finite differences */
        for (i = 0; i < np; i++) memcpy(ps[i].grad, g1[i], sizeof(float) * (size_t)ps[i].n);
    }
    snprintf(what, sizeof what, "%s: float finite differences", tag);
    float_fd(what, m, inputs, labels, training, seed);
    for (i = 0; i < np; i++) free(g1[i]);
    free(g1); LORA_FREE(ps);
    rm_free(&rm);
}

static void test_model(lora_pool *pool) {
    gpt2_model *m = make_model(21, pool);
    lora_adapter *ad, *ad2, *ad3;
    static const int layer1[] = {1};
    if (!m) return;
    /* 1. adapter on every linear incl. lm_head, rsLoRA, bias "all" (LayerNorm and linear
          biases train through the adapter), no dropout */
    ad = make_adapter(m, 0.0f, LORA_BIAS_ALL, 1, NULL, 0);
    CHECK_OK(gpt2_model_set_adapter(m, ad));
    if (ad) { /* PEFT's "all": every parameter named *bias, LayerNorm biases included */
        CHECK(ad->n_modules == 4 * NL + 1);
        CHECK(ad->n_biases == 6 * NL + 1);
        CHECK(lora_adapter_find_bias(ad, "transformer.h.0.ln_1.bias") != NULL);
        CHECK(lora_adapter_find_bias(ad, "transformer.ln_f.bias") != NULL);
    }
    check_model("lora rslora bias=all", m, 0, 0);
    /* 2. adapter on layer 1 only (layers_to_transform), plain scaling, bias "lora_only":
          backward stops above layer 0 */
    ad2 = make_adapter(m, 0.0f, LORA_BIAS_LORA_ONLY, 0, layer1, 1);
    CHECK_OK(gpt2_model_set_adapter(m, ad2));
    if (ad2) CHECK(ad2->n_biases == 4); /* c_attn, attn.c_proj, c_fc, mlp.c_proj of layer 1 */
    CHECK(gpt2__lowest_trainable_layer(m) == 1);
    check_model("lora layer 1 bias=lora_only", m, 0, 0);
    lora_adapter_free(ad2);
    /* 2b. the same with bias "none": only A/B of layer 1 (and lm_head) train */
    ad2 = make_adapter(m, 0.0f, LORA_BIAS_NONE, 1, layer1, 1);
    CHECK_OK(gpt2_model_set_adapter(m, ad2));
    CHECK(gpt2__lowest_trainable_layer(m) == 1);
    check_model("lora layer 1 bias=none", m, 0, 0);
    /* 3. full fine-tuning: every base tensor (wte through the embedding and the tied lm_head) */
    CHECK_OK(gpt2_model_set_adapter(m, NULL));
    CHECK_OK(gpt2_model_set_full_finetune(m, 1));
    check_model("full fine-tune", m, 0, 0);
    /* 4. full fine-tuning with an adapter (bias none) attached: base and LoRA gradients together */
    ad3 = make_adapter(m, 0.0f, LORA_BIAS_NONE, 0, NULL, 0);
    CHECK_OK(gpt2_model_set_adapter(m, ad3));
    check_model("full fine-tune + lora", m, 0, 0);
    CHECK_OK(gpt2_model_set_full_finetune(m, 0));
    CHECK_OK(gpt2_model_set_adapter(m, NULL));
    gpt2_model_free(m);
    lora_adapter_free(ad); lora_adapter_free(ad2); lora_adapter_free(ad3);
}

/* ---- LoRA dropout ---- */
static void test_dropout(lora_pool *pool) {
    gpt2_model *m = make_model(31, pool);
    lora_adapter *ad, *ad0;
    int32_t inputs[NN], labels[NN];
    unsigned char *mask1;
    size_t mbytes;
    float loss_train, loss_eval, loss0, *logits_eval;
    long kept = 0, k;
    int i, same;
    const uint64_t seed = 1234;
    if (!m) return;
    ad = make_adapter(m, 0.3f, LORA_BIAS_ALL, 0, NULL, 0);
    if (!ad) { gpt2_model_free(m); return; }
    CHECK_OK(gpt2_model_set_adapter(m, ad));
    /* gradient under the mask of the step == finite differences with that same mask */
    check_model("lora dropout 0.3", m, 1, seed);
    /* the masks: deterministic in (seed, step), about p dropped, different per step and module */
    make_batch(inputs, labels);
    loss_train = (float)float_loss(m, inputs, labels, 1, seed);
    mbytes = m->acts->mask_bytes;
    CHECK(mbytes > 0);
    mask1 = (unsigned char *)malloc(mbytes);
    memcpy(mask1, m->acts->mask_arena, mbytes);
    for (k = 0; k < (long)mbytes; k++) kept += mask1[k];
    CHECK_MSG(fabs(1.0 - (double)kept / (double)mbytes - 0.3) < 0.03, "dropped fraction %g of %ld, expected about 0.3",
              1.0 - (double)kept / (double)mbytes, (long)mbytes);
    same = memcmp(m->acts->lora[0].mask, m->acts->lora[1].mask, (size_t)NN * NC) == 0;
    CHECK(!same);                                   /* modules draw different masks */
    CHECK(float_loss(m, inputs, labels, 1, seed) == loss_train);
    CHECK(memcmp(mask1, m->acts->mask_arena, mbytes) == 0); /* set_training reset the step: same masks */
    float_loss(m, inputs, labels, 0, 0);            /* next step, no reset */
    CHECK(memcmp(mask1, m->acts->mask_arena, mbytes) != 0);
    float_loss(m, inputs, labels, 1, seed + 1);     /* another seed */
    CHECK(memcmp(mask1, m->acts->mask_arena, mbytes) != 0);
    /* eval mode: no dropout; logits identical to the same adapter with dropout 0 */
    gpt2_model_set_training(m, 0, seed);
    loss_eval = (float)float_loss(m, inputs, labels, 0, 0);
    CHECK(loss_eval != loss_train);
    for (i = 0; i < m->n_linears; i++) CHECK(m->acts->lora[i].mask == NULL);
    logits_eval = fdup(gpt2_logits(m), NN * NV);
    ad0 = make_adapter(m, 0.0f, LORA_BIAS_ALL, 0, NULL, 0);
    if (ad0) {
        for (i = 0; i < ad->n_modules; i++) {
            lora_module *a = &ad->modules[i], *b = &ad0->modules[i];
            memcpy(b->A, a->A, sizeof(float) * (size_t)a->r * a->in);
            memcpy(b->B, a->B, sizeof(float) * (size_t)a->r * a->out);
        }
        for (i = 0; i < ad->n_biases; i++) memcpy(ad0->biases[i].value, ad->biases[i].value, sizeof(float) * (size_t)ad->biases[i].n);
        CHECK_OK(gpt2_model_set_adapter(m, ad0));
        gpt2_model_set_training(m, 1, seed);          /* training mode, but p = 0 */
        loss0 = (float)float_loss(m, inputs, labels, 0, 0);
        CHECK(loss0 == loss_eval);
        CHECK(test_max_abs_diff(gpt2_logits(m), logits_eval, NN * NV) == 0.0);
        CHECK(test_rel_l2(gpt2_logits(m), logits_eval, NN * NV) == 0.0);
    }
    free(mask1); free(logits_eval);
    gpt2_model_free(m);
    lora_adapter_free(ad); lora_adapter_free(ad0);
}

/* ======================================================================
   AdamW, clipping, schedules
   ====================================================================== */
/* Hugging Face's get_{constant,linear,cosine}_schedule_with_warmup multiplier (num_cycles 0.5) */
static double hf_lambda(lora_schedule s, int W, int N, long step) {
    double progress;
    if (step < W) return (double)step / (W > 1 ? W : 1);
    if (s == LORA_SCHED_CONSTANT) return 1.0;
    if (s == LORA_SCHED_LINEAR) { double v = (double)(N - step) / (N - W > 1 ? N - W : 1); return v > 0 ? v : 0; }
    progress = (double)(step - W) / (N - W > 1 ? N - W : 1);
    progress = 0.5 * (1.0 + cos(3.14159265358979323846 * 0.5 * 2.0 * progress));
    return progress > 0 ? progress : 0;
}

static void test_schedules(void) {
    lora_adamw_config c = lora_adamw_config_init();
    static const long steps[] = {0, 1, 5, 9, 10, 11, 35, 60, 85, 109, 110, 111, 120, 300};
    lora_schedule s;
    int wi, k;
    static const int warm[] = {0, 1, 10};
    c.lr = 1e-3; c.total_steps = 110;
    for (s = LORA_SCHED_CONSTANT; s <= LORA_SCHED_COSINE; s = (lora_schedule)(s + 1))
        for (wi = 0; wi < 3; wi++)
            for (k = 0; k < (int)(sizeof steps / sizeof steps[0]); k++) {
                c.schedule = s; c.warmup = warm[wi];
                CHECK_MSG(fabs(lora_schedule_lr(&c, steps[k]) - 1e-3 * hf_lambda(s, warm[wi], 110, steps[k])) <= 1e-15,
                          "schedule %d warmup %d step %ld: %.17g vs %.17g", (int)s, warm[wi], steps[k], lora_schedule_lr(&c, steps[k]),
                          1e-3 * hf_lambda(s, warm[wi], 110, steps[k]));
            }
    /* literal values (warmup 10 of 110 steps, lr 1e-3) */
    c.warmup = 10;
    c.schedule = LORA_SCHED_COSINE;
    CHECK(lora_schedule_lr(&c, 0) == 0.0);                      /* HF: step 0 with warmup has lr 0 */
    CHECK_NEAR(lora_schedule_lr(&c, 5), 5e-4, 1e-15);
    CHECK_NEAR(lora_schedule_lr(&c, 10), 1e-3, 1e-15);
    CHECK_NEAR(lora_schedule_lr(&c, 35), 1e-3 * 0.85355339059327373, 1e-15);
    CHECK_NEAR(lora_schedule_lr(&c, 60), 5e-4, 1e-15);
    CHECK_NEAR(lora_schedule_lr(&c, 110), 0.0, 1e-18);
    CHECK_NEAR(lora_schedule_lr(&c, 120), 1e-3 * 0.024471741852423234, 1e-15); /* HF does not clamp progress */
    c.schedule = LORA_SCHED_LINEAR;
    CHECK_NEAR(lora_schedule_lr(&c, 35), 7.5e-4, 1e-15);
    CHECK(lora_schedule_lr(&c, 120) == 0.0);
    c.schedule = LORA_SCHED_CONSTANT;
    CHECK_NEAR(lora_schedule_lr(&c, 3), 3e-4, 1e-15);
    CHECK(lora_schedule_lr(&c, 50) == 1e-3);
    c.warmup = 0; c.schedule = LORA_SCHED_COSINE;
    CHECK(lora_schedule_lr(&c, 0) == 1e-3);
}

/* double shadow of one parameter tensor */
typedef struct { long n; double *w, *m, *v; } shadow;

/* torch.optim.AdamW step t (1-based) with learning rate lr, gradient g * coef */
static void torch_adamw(shadow *s, const float *g, double coef, double lr, const lora_adamw_config *c, long t) {
    long i;
    double bc1 = 1.0 - pow(c->beta1, (double)t), bc2 = 1.0 - pow(c->beta2, (double)t), step_size = lr / bc1;
    for (i = 0; i < s->n; i++) {
        double gi = g[i] * coef, denom;
        s->w[i] *= 1.0 - lr * c->weight_decay;
        s->m[i] = c->beta1 * s->m[i] + (1.0 - c->beta1) * gi;
        s->v[i] = c->beta2 * s->v[i] + (1.0 - c->beta2) * gi * gi;
        denom = sqrt(s->v[i]) / sqrt(bc2) + c->eps;
        s->w[i] -= step_size * s->m[i] / denom;
    }
}

static void test_adamw(lora_pool *pool) {
    enum { NP = 2 };
    const long sizes[NP] = {7, 70001}; /* the second spans two 65536-element chunks */
    lora_param ps[NP];
    shadow tr[NP], one[NP];
    lora_adamw_config c = lora_adamw_config_init();
    lora_adamw *opt = NULL;
    float *w0[NP], *m0[NP], *v0[NP];
    double worst_step = 0, worst_traj = 0;
    int i, t;
    long j;
    c.lr = 1e-2; c.beta1 = 0.9; c.beta2 = 0.99; c.eps = 1e-8; c.weight_decay = 0.1;
    c.grad_clip = 1.0; c.warmup = 3; c.total_steps = 12; c.schedule = LORA_SCHED_COSINE;
    for (i = 0; i < NP; i++) {
        ps[i].name = i ? "big" : "small"; ps[i].n = sizes[i];
        ps[i].value = falloc(sizes[i]); ps[i].grad = falloc(sizes[i]);
        fill(ps[i].value, sizes[i], 0, 1);
        tr[i].n = one[i].n = sizes[i];
        tr[i].w = to_d(ps[i].value, sizes[i]); tr[i].m = dalloc(sizes[i]); tr[i].v = dalloc(sizes[i]);
        one[i].w = dalloc(sizes[i]); one[i].m = dalloc(sizes[i]); one[i].v = dalloc(sizes[i]);
        w0[i] = falloc(sizes[i]); m0[i] = falloc(sizes[i]); v0[i] = falloc(sizes[i]);
    }
    CHECK_OK(lora_adamw_create(&c, ps, NP, &opt));
    if (!opt) return;
    for (t = 1; t <= 12; t++) {
        /* gradient scale alternates so clipping is active on some steps only */
        double scale = (t % 3 == 0) ? 1e-3 : (t % 3 == 1 ? 0.02 : 5e-5), norm = 0, coef = 1.0, got_norm = -1, got_lr = -1, lr;
        lora_status st;
        for (i = 0; i < NP; i++) {
            fill(ps[i].grad, sizes[i], 0, scale);
            for (j = 0; j < sizes[i]; j++) norm += (double)ps[i].grad[j] * ps[i].grad[j];
            memcpy(w0[i], ps[i].value, sizeof(float) * (size_t)sizes[i]);
            memcpy(m0[i], opt->m[i], sizeof(float) * (size_t)sizes[i]);
            memcpy(v0[i], opt->v[i], sizeof(float) * (size_t)sizes[i]);
        }
        norm = sqrt(norm);
        CHECK((norm > c.grad_clip) == (t % 3 == 1));
        if (c.grad_clip / (norm + 1e-6) < 1.0) coef = c.grad_clip / (norm + 1e-6);
        lr = 1e-2 * hf_lambda(LORA_SCHED_COSINE, 3, 12, t - 1);
        if (t == 4) { /* a NaN (then an Inf) gradient: LORA_ERR_NUMERIC, nothing changes */
            float keep = ps[1].grad[68000];
            ps[1].grad[68000] = NAN;
            CHECK_ERR(lora_adamw_step(opt, pool, NULL, NULL), LORA_ERR_NUMERIC);
            ps[1].grad[68000] = INFINITY;
            CHECK_ERR(lora_adamw_step(opt, pool, NULL, NULL), LORA_ERR_NUMERIC);
            ps[1].grad[68000] = keep;
            CHECK(opt->step == 3);
            for (i = 0; i < NP; i++) {
                CHECK(memcmp(w0[i], ps[i].value, sizeof(float) * (size_t)sizes[i]) == 0);
                CHECK(memcmp(m0[i], opt->m[i], sizeof(float) * (size_t)sizes[i]) == 0);
                CHECK(memcmp(v0[i], opt->v[i], sizeof(float) * (size_t)sizes[i]) == 0);
            }
        }
        st = lora_adamw_step(opt, pool, &got_norm, &got_lr);
        CHECK_OK(st);
        CHECK_NEAR(got_norm, norm, 1e-12 * norm);
        CHECK_NEAR(got_lr, lr, 1e-18);
        CHECK(opt->step == t);
        for (i = 0; i < NP; i++) {
            /* one step from the float state before it (tight) ... */
            for (j = 0; j < sizes[i]; j++) { one[i].w[j] = w0[i][j]; one[i].m[j] = m0[i][j]; one[i].v[j] = v0[i][j]; }
            torch_adamw(&one[i], ps[i].grad, coef, lr, &c, t);
            /* ... and the whole trajectory in double from the start */
            torch_adamw(&tr[i], ps[i].grad, coef, lr, &c, t);
            for (j = 0; j < sizes[i]; j++) {
                double gc = fabs(ps[i].grad[j] * coef);
                double e1 = fabs(ps[i].value[j] - one[i].w[j]) / (3e-7 * fabs(one[i].w[j]) + 1e-5 * c.lr);
                double e2 = fabs(ps[i].value[j] - tr[i].w[j]) / (1e-6 * fabs(tr[i].w[j]) + 1e-4 * c.lr);
                double em = fabs(opt->m[i][j] - one[i].m[j]) / (1e-6 * (c.beta1 * fabs(m0[i][j]) + (1 - c.beta1) * gc) + 1e-30);
                double ev = fabs(opt->v[i][j] - one[i].v[j]) / (1e-6 * fabs(one[i].v[j]) + 1e-36);
                if (e1 > worst_step) worst_step = e1;
                if (e2 > worst_traj) worst_traj = e2;
                if (em > worst_step) worst_step = em;
                if (ev > worst_step) worst_step = ev;
            }
        }
        if (t == 1) CHECK(memcmp(w0[0], ps[0].value, sizeof(float) * 7) == 0); /* warm-up step 0: lr 0, decay 1 */
    }
    /* tolerances: one step |w - w_torch| <= 3e-7 |w| + 1e-5 lr, m and v within 1e-6 relative;
       12-step trajectory vs pure double within 1e-6 |w| + 1e-4 lr */
    CHECK_MSG(worst_step <= 1.0, "AdamW single step off torch's formula: worst error / tolerance %g", worst_step);
    CHECK_MSG(worst_traj <= 1.0, "AdamW trajectory off torch's formula: worst error / tolerance %g", worst_traj);
    lora_adamw_free(opt);
    for (i = 0; i < NP; i++) {
        free(ps[i].value); free(ps[i].grad); free(w0[i]); free(m0[i]); free(v0[i]);
        free(tr[i].w); free(tr[i].m); free(tr[i].v); free(one[i].w); free(one[i].m); free(one[i].v);
    }
}

/* one step, defaults but no decay and no clipping, against hand arithmetic */
static void test_adamw_one_step(void) {
    float w[3] = {1.0f, -2.0f, 0.5f}, g[3] = {0.5f, -0.25f, 0.0f};
    lora_param p;
    lora_adamw_config c = lora_adamw_config_init();
    lora_adamw *opt = NULL;
    double norm = 0, lr = 0;
    p.name = "p"; p.value = w; p.grad = g; p.n = 3;
    c.lr = 0.1; c.weight_decay = 0.5;
    CHECK_OK(lora_adamw_create(&c, &p, 1, &opt));
    if (!opt) return;
    CHECK_OK(lora_adamw_step(opt, NULL, &norm, &lr));
    /* step 1: m_hat = g, v_hat = g^2, update = lr * g / (|g| + eps) = lr * sign(g); decay first */
    CHECK_NEAR(w[0], 1.0 * (1 - 0.05) - 0.1 * 0.5 / (0.5 + 1e-8), 1e-7);
    CHECK_NEAR(w[1], -2.0 * (1 - 0.05) + 0.1 * 0.25 / (0.25 + 1e-8), 1e-7);
    CHECK_NEAR(w[2], 0.5 * (1 - 0.05), 1e-7);
    CHECK_NEAR(norm, sqrt(0.25 + 0.0625), 1e-12);
    CHECK(lr == 0.1);
    lora_adamw_free(opt);
}

/* clipping: torch's coef = clip / (norm + 1e-6), visible when the norm is tiny and eps is
   comparable to the clipped gradient (Adam is otherwise nearly scale-invariant) */
static void test_clip_coef(void) {
    float w[4] = {0.5f, -0.25f, 1.0f, 2.0f}, g[4] = {5e-6f, -5e-6f, 5e-6f, 5e-6f}; /* norm 1e-5 */
    double ref[4], norm = sqrt(4 * 25e-12), coef, lr_used = -1;
    lora_param p;
    lora_adamw_config c = lora_adamw_config_init();
    lora_adamw *opt = NULL;
    int i;
    p.name = "p"; p.value = w; p.grad = g; p.n = 4;
    c.lr = 0.1; c.weight_decay = 0.0; c.eps = 1e-6; c.grad_clip = 5e-6;
    coef = c.grad_clip / (norm + 1e-6); /* 0.4545..., not 0.5 */
    for (i = 0; i < 4; i++) {
        double gi = (double)g[i] * coef; /* step 1: m_hat = gi, v_hat = gi^2 */
        ref[i] = w[i] - c.lr * gi / (fabs(gi) + c.eps);
    }
    CHECK_OK(lora_adamw_create(&c, &p, 1, &opt));
    if (!opt) return;
    CHECK_OK(lora_adamw_step(opt, NULL, NULL, &lr_used));
    for (i = 0; i < 4; i++) CHECK_NEAR(w[i], ref[i], 1e-6 * c.lr);
    lora_adamw_free(opt);
}

int main(void) {
    lora_pool *pool = NULL;
    lora_isa isas[5];
    int i;
    lora_rng_seed(&rng, 20240611);
    test_layers(NULL); /* the calling thread, best instruction set */
    /* every instruction set this CPU and build have (the row kernels are vectorised), the best
       one first with more probes: single layers on 3 threads (row chunks, per-thread attention
       scratch), the whole model on 1 (thousands of tiny pool runs are slow on a busy machine) */
    isas[0] = lora_detect_isa(); isas[1] = LORA_ISA_SCALAR; isas[2] = LORA_ISA_AVX2; isas[3] = LORA_ISA_AVX512; isas[4] = LORA_ISA_NEON;
    for (i = 0; i < 5; i++) {
        int t;
        if (i > 0 && isas[i] == isas[0]) continue;
        for (t = 0; t < 2; t++) {
            CHECK_OK(lora_pool_create(&pool, t ? 1 : 3));
            if (pool && lora_pool_set_isa(pool, isas[i]) == LORA_OK) {
                e2e_probes = i == 0 ? 12 : 4;
                if (!t) test_layers(pool);
                if (!t && i == 0) test_dropout(pool); /* one whole-model check on 3 threads */
                if (t) { test_model(pool); test_dropout(pool); }
            }
            lora_pool_destroy(pool);
            pool = NULL;
        }
    }
    CHECK_OK(lora_pool_create(&pool, 3));
    test_schedules();
    test_adamw_one_step();
    test_clip_coef();
    test_adamw(pool);
    lora_pool_destroy(pool);
    printf("gradcheck: worst |analytic - finite difference| / gradient scale: layers %.2g (tolerance %g), whole model %.2g "
           "(tolerance %g); float-loss finite differences worst relative error %.2g (tolerance %g)\n",
           worst_layer, GRAD_RTOL_LAYER, worst_e2e, GRAD_RTOL_MODEL, worst_float_fd, FLOAT_FD_RTOL);
    return TEST_END();
}
