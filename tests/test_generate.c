/* KV-cache inference, sampling and generation (src/gpt2/40_generate.*): cached logits equal
   gpt2_forward's at every position (base model, LoRA adapter with carried biases on every
   linear including lm_head, dropout-in-training ignored), prefill chunking, thread-count
   independence, greedy = argmax of a full re-forward, seeded sampling, error cases. */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <stdlib.h>

#define TOL 1e-5

static gpt2_config tiny_config(int n_positions) {
    gpt2_config c;
    memset(&c, 0, sizeof c);
    c.n_layer = 2; c.n_head = 3; c.n_embd = 48; c.n_positions = n_positions; c.vocab_size = 101;
    c.n_inner = 0; c.layer_norm_eps = 1e-5f;
    return c;
}

/* random init plus nonzero biases and LayerNorm affine, so every parameter matters */
static gpt2_model *make_model(const gpt2_config *c, uint64_t seed) {
    gpt2_model *m = NULL;
    lora_rng rng;
    int i, nt;
    CHECK_OK(gpt2_model_create(c, NULL, &m));
    if (!m) return NULL;
    gpt2_model_init_random(m, seed);
    lora_rng_seed(&rng, seed + 1);
    nt = gpt2_model_num_tensors(m);
    for (i = 0; i < nt; i++) {
        int nd;
        int64_t shape[2], j;
        float *d;
        const char *name = gpt2_model_tensor(m, i, &nd, shape, &d);
        if (nd == 1 || strstr(name, "wpe")) {
            for (j = 0; j < shape[0] * (nd > 1 ? shape[1] : 1); j++) d[j] += 0.1f * lora_rng_normal(&rng);
        }
    }
    return m;
}

static lora_adapter *make_adapter(gpt2_model *m, float dropout) {
    static const char *const targets[] = {"c_attn", "c_proj", "c_fc", "lm_head"};
    lora_config lc = lora_config_init();
    lora_adapter *ad = NULL;
    lora_rng rng;
    int i, j;
    lc.r = 4; lc.alpha = 8.0f; lc.dropout = dropout; lc.bias = LORA_BIAS_ALL;
    lc.target.targets = targets; lc.target.n_targets = 4;
    CHECK_OK(gpt2_lora_create(m, &lc, &ad));
    if (!ad) return NULL;
    lora_rng_seed(&rng, 7);
    for (i = 0; i < ad->n_modules; i++) {
        lora_module *lm = &ad->modules[i];
        for (j = 0; j < lm->out * lm->r; j++) lm->B[j] = 0.05f * lora_rng_normal(&rng);
    }
    for (i = 0; i < ad->n_biases; i++)
        for (j = 0; j < ad->biases[i].n; j++) ad->biases[i].value[j] += 0.05f * lora_rng_normal(&rng);
    return ad;
}

static void random_tokens(int32_t *t, int n, int V, uint64_t seed) {
    lora_rng rng;
    int i;
    lora_rng_seed(&rng, seed);
    for (i = 0; i < n; i++) t[i] = (int32_t)(lora_rng_u32(&rng) % (uint32_t)V);
}

/* Reference logits (T, V) from gpt2_forward (training off). */
static float *ref_logits(gpt2_model *m, const int32_t *tok, int T) {
    int V = gpt2_model_config(m)->vocab_size;
    float *out = (float *)malloc(sizeof(float) * (size_t)T * V);
    CHECK_OK(gpt2_forward(m, tok, NULL, 1, T, NULL));
    memcpy(out, gpt2_logits(m), sizeof(float) * (size_t)T * V);
    return out;
}

/* Feeds the sequence in calls of sizes steps[] (cycled) and compares the last logits of
   each call with the reference; records every call's logits in got (T, V) rows when non-NULL. */
static double run_cached(gpt2_model *m, gpt2_kv_cache *kv, const int32_t *tok, int T, const int *steps, int n_steps,
                         const float *ref, float *got) {
    int V = gpt2_model_config(m)->vocab_size, pos = 0, s = 0;
    double worst = 0.0;
    float *lg = (float *)malloc(sizeof(float) * V);
    gpt2_kv_reset(kv);
    while (pos < T) {
        int n = steps[s++ % n_steps];
        double d;
        if (n > T - pos) n = T - pos;
        CHECK_OK(gpt2_forward_cached(m, kv, tok + pos, n, lg));
        pos += n;
        CHECK(gpt2_kv_length(kv) == pos);
        d = test_max_abs_diff(lg, ref + (size_t)(pos - 1) * V, V);
        if (d > worst) worst = d;
        if (got) memcpy(got + (size_t)(pos - 1) * V, lg, sizeof(float) * V);
    }
    free(lg);
    return worst;
}

/* every position: prefill k tokens then one at a time, for every k; plus mixed call sizes */
static void check_cached_equals_forward(gpt2_model *m, const int32_t *tok, int T, const char *what) {
    static const int ones[] = {1}, mixed[] = {3, 1, 6, 1, 1, 10, 2};
    float *ref = ref_logits(m, tok, T);
    gpt2_kv_cache *kv = NULL;
    double worst = 0.0;
    int k;
    CHECK_OK(gpt2_kv_create(m, 0, &kv));
    for (k = 1; k <= T; k++) {
        int steps[2];
        double d;
        steps[0] = k; steps[1] = 1;
        d = run_cached(m, kv, tok, T, steps, 2, ref, NULL);
        if (d > worst) worst = d;
    }
    {
        double d1 = run_cached(m, kv, tok, T, ones, 1, ref, NULL), d2 = run_cached(m, kv, tok, T, mixed, 7, ref, NULL);
        if (d1 > worst) worst = d1;
        if (d2 > worst) worst = d2;
    }
    CHECK_MSG(worst <= TOL, "%s: cached logits differ from gpt2_forward by %g", what, worst);
    printf("%s: max |cached - forward| = %.3g\n", what, worst);
    gpt2_kv_free(kv);
    free(ref);
}

/* greedy generation equals the argmax of a full re-forward after each token */
static void check_greedy(gpt2_model *m, const int32_t *prompt, int n_prompt, int max_new) {
    const gpt2_config *c = gpt2_model_config(m);
    lora_sampler g = lora_sampler_init();
    int32_t *out = (int32_t *)malloc(sizeof(int32_t) * max_new), *seq = (int32_t *)malloc(sizeof(int32_t) * c->n_positions);
    int n = 0, i, ok = 1;
    g.greedy = 1;
    CHECK_OK(lora_generate(gpt2_model_base(m), prompt, n_prompt, max_new, &g, 0, out, &n, NULL, NULL));
    CHECK(n == (max_new < c->n_positions - n_prompt ? max_new : c->n_positions - n_prompt));
    memcpy(seq, prompt, sizeof(int32_t) * n_prompt);
    for (i = 0; i < n; i++) {
        const float *lg;
        int T = n_prompt + i, v, best = 0, second = -1;
        CHECK_OK(gpt2_forward(m, seq, NULL, 1, T, NULL));
        lg = gpt2_logits(m) + (size_t)(T - 1) * c->vocab_size;
        for (v = 1; v < c->vocab_size; v++) if (lg[v] > lg[best]) best = v;
        for (v = 0; v < c->vocab_size; v++) if (v != best && (second < 0 || lg[v] > lg[second])) second = v;
        /* a near tie could flip on rounding: only compare clear winners */
        if (lg[best] - lg[second] > 1e-4 && out[i] != best) ok = 0;
        seq[T] = out[i];
    }
    CHECK_MSG(ok, "greedy generation differs from the argmax of gpt2_forward");
    free(out);
    free(seq);
}

static int count_cb(void *user, int32_t id, int index) {
    int *calls = (int *)user;
    (void)id;
    calls[0]++;
    if (index != calls[0] - 1) calls[1] = 1; /* indices must be 0, 1, 2, ... */
    return calls[0] >= calls[2];             /* stop after calls[2] tokens */
}

static void check_sampling(gpt2_model *m, const int32_t *prompt, int n_prompt) {
    lora_sampler s = lora_sampler_init(), g = lora_sampler_init();
    int32_t a[20], b[20], gr[20], c1[20];
    int na = 0, nb = 0, ng = 0, nc = 0, calls[3];
    s.temperature = 0.9f; s.top_k = 30; s.top_p = 0.95f; s.seed = 1234;
    CHECK_OK(lora_generate(gpt2_model_base(m), prompt, n_prompt, 20, &s, 0, a, &na, NULL, NULL));
    CHECK_OK(lora_generate(gpt2_model_base(m), prompt, n_prompt, 20, &s, 0, b, &nb, NULL, NULL));
    CHECK(na == 20 && nb == 20 && memcmp(a, b, sizeof a) == 0);
    g.greedy = 1;
    CHECK_OK(lora_generate(gpt2_model_base(m), prompt, n_prompt, 20, &g, 0, gr, &ng, NULL, NULL));
    s = lora_sampler_init(); s.top_k = 1; s.seed = 99;
    CHECK_OK(lora_generate(gpt2_model_base(m), prompt, n_prompt, 20, &s, 0, c1, &nc, NULL, NULL));
    CHECK(nc == ng && memcmp(c1, gr, sizeof gr) == 0);
    s = lora_sampler_init(); s.top_p = 1e-6f; s.seed = 5; s.temperature = 1.5f;
    CHECK_OK(lora_generate(gpt2_model_base(m), prompt, n_prompt, 20, &s, 0, c1, &nc, NULL, NULL));
    CHECK(nc == ng && memcmp(c1, gr, sizeof gr) == 0);
    s = lora_sampler_init(); s.temperature = 0.0f;
    CHECK_OK(lora_generate(gpt2_model_base(m), prompt, n_prompt, 20, &s, 0, c1, &nc, NULL, NULL));
    CHECK(nc == ng && memcmp(c1, gr, sizeof gr) == 0);
    /* the callback sees every token and can stop */
    calls[0] = 0; calls[1] = 0; calls[2] = 7;
    CHECK_OK(lora_generate(gpt2_model_base(m), prompt, n_prompt, 20, &g, 0, c1, &nc, count_cb, calls));
    CHECK(nc == 7 && calls[0] == 7 && calls[1] == 0 && memcmp(c1, gr, 7 * sizeof *gr) == 0);
}

/* lora_sample on hand-made logits */
static void check_sample_unit(void) {
    float lg[6] = {1.0f, 3.0f, 3.0f, 0.5f, -2.0f, 2.0f};
    lora_sampler s = lora_sampler_init();
    lora_rng rng;
    int counts[6] = {0, 0, 0, 0, 0, 0}, i, bad = 0;
    double p[6], z = 0.0;
    lora_rng_seed(&rng, 3);
    s.greedy = 1;
    CHECK(lora_sample(lg, 6, &s, NULL) == 1); /* ties: the lower id */
    s = lora_sampler_init(); s.top_k = 1;
    CHECK(lora_sample(lg, 6, &s, &rng) == 1);
    s = lora_sampler_init();
    for (i = 0; i < 6; i++) { p[i] = exp(lg[i]); z += p[i]; }
    for (i = 0; i < 20000; i++) {
        int32_t id = lora_sample(lg, 6, &s, &rng);
        if (id < 0 || id >= 6) { bad = 1; break; }
        counts[id]++;
    }
    CHECK(!bad);
    for (i = 0; i < 6; i++) CHECK_NEAR(counts[i] / 20000.0, p[i] / z, 0.015);
    /* top-k 3: ids 1, 2, 5 only; top-p: 1 and 2 (0.34 each of the whole) reach 0.6 */
    s.top_k = 3;
    memset(counts, 0, sizeof counts);
    for (i = 0; i < 3000; i++) counts[lora_sample(lg, 6, &s, &rng)]++;
    CHECK(counts[0] == 0 && counts[3] == 0 && counts[4] == 0 && counts[1] > 0 && counts[2] > 0 && counts[5] > 0);
    s = lora_sampler_init(); s.top_p = 0.6f;
    memset(counts, 0, sizeof counts);
    for (i = 0; i < 3000; i++) counts[lora_sample(lg, 6, &s, &rng)]++;
    CHECK(counts[1] > 1300 && counts[2] > 1300 && counts[1] + counts[2] == 3000);
    s = lora_sampler_init(); s.top_p = 1e-7f;
    CHECK(lora_sample(lg, 6, &s, &rng) == 1);
    /* a temperature close to 0 is (almost) greedy, a high one flattens */
    s = lora_sampler_init(); s.temperature = 1e-3f;
    for (i = 0; i < 100; i++) { int32_t id = lora_sample(lg, 6, &s, &rng); if (id != 1 && id != 2) bad = 1; }
    CHECK(!bad);
    /* top-k selection with many ties: only the k first in (logit desc, id asc) order */
    {
        enum { NV = 500 };
        float big[NV];
        int order[NV], ks[5] = {2, 5, 37, 120, 499}, t, j, q;
        lora_rng r2;
        lora_rng_seed(&r2, 17);
        for (i = 0; i < NV; i++) { big[i] = (float)(lora_rng_u32(&r2) % 40); order[i] = i; }
        for (i = 1; i < NV; i++) /* insertion sort by (value desc, id asc) */
            for (j = i; j > 0 && (big[order[j]] > big[order[j - 1]] ||
                                  (big[order[j]] == big[order[j - 1]] && order[j] < order[j - 1])); j--) {
                q = order[j]; order[j] = order[j - 1]; order[j - 1] = q;
            }
        for (t = 0; t < 5; t++) {
            unsigned char allowed[NV], seen[NV];
            int nseen = 0;
            memset(allowed, 0, sizeof allowed);
            memset(seen, 0, sizeof seen);
            for (i = 0; i < ks[t]; i++) allowed[order[i]] = 1;
            s = lora_sampler_init(); s.top_k = ks[t]; s.temperature = 1000.0f;
            bad = 0;
            for (i = 0; i < (ks[t] > 200 ? 8 : 15) * ks[t]; i++) {
                int32_t id = lora_sample(big, NV, &s, &rng);
                if (id < 0 || id >= NV || !allowed[id]) { bad = 1; break; }
                if (!seen[id]) { seen[id] = 1; nseen++; }
            }
            CHECK_MSG(!bad && nseen == ks[t], "top_k %d: drew outside the top k or missed some (%d seen)", ks[t], nseen);
        }
    }
    /* top-p over a wide vocabulary (the nucleus grows past the first selection): every draw is
       inside the nucleus computed by sorting everything */
    {
        enum { NW = 3000 };
        static float wl[NW];
        static int ord[NW];
        unsigned char in[NW];
        double pr[NW], z = 0.0, cum = 0.0;
        int j, q, nin = 0;
        lora_rng r3;
        lora_rng_seed(&r3, 23);
        for (i = 0; i < NW; i++) { wl[i] = 2.0f * lora_rng_normal(&r3); ord[i] = i; }
        for (i = 1; i < NW; i++)
            for (j = i; j > 0 && wl[ord[j]] > wl[ord[j - 1]]; j--) { q = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = q; }
        for (i = 0; i < NW; i++) { pr[i] = exp((double)wl[i] - wl[ord[0]]); z += pr[i]; }
        memset(in, 0, sizeof in);
        for (i = 0; i < NW && cum < 0.902 * z; i++) { in[ord[i]] = 1; cum += pr[ord[i]]; nin++; }
        s = lora_sampler_init(); s.top_p = 0.9f;
        bad = 0;
        for (i = 0; i < 400; i++) {
            int32_t id = lora_sample(wl, NW, &s, &rng);
            if (id < 0 || id >= NW || !in[id]) { bad = 1; break; }
        }
        CHECK_MSG(!bad && nin > 300, "top_p 0.9 over %d tokens: drew outside the nucleus (%d tokens)", NW, nin);
    }
    /* errors */
    s = lora_sampler_init(); s.top_p = 0.0f;
    CHECK(lora_sample(lg, 6, &s, &rng) == LORA_ERR_INVALID_ARG);
    s = lora_sampler_init(); s.temperature = -1.0f;
    CHECK(lora_sample(lg, 6, &s, &rng) == LORA_ERR_INVALID_ARG);
    s = lora_sampler_init(); s.top_k = -2;
    CHECK(lora_sample(lg, 6, &s, &rng) == LORA_ERR_INVALID_ARG);
    CHECK(lora_sample(lg, 6, NULL, NULL) == LORA_ERR_INVALID_ARG);
    CHECK(lora_sample(NULL, 6, NULL, &rng) == LORA_ERR_INVALID_ARG);
    CHECK(lora_sample(lg, 0, NULL, &rng) == LORA_ERR_INVALID_ARG);
}

static void check_errors(gpt2_model *m, const int32_t *tok) {
    const gpt2_config *c = gpt2_model_config(m);
    gpt2_kv_cache *kv = NULL, *small = NULL;
    float *lg = (float *)malloc(sizeof(float) * c->vocab_size);
    int32_t bad = c->vocab_size, out[8];
    int n = -1;
    lora_sampler g = lora_sampler_init();
    g.greedy = 1;
    CHECK_ERR(gpt2_kv_create(m, c->n_positions + 1, &kv), LORA_ERR_RANGE);
    CHECK(kv == NULL);
    CHECK_OK(gpt2_kv_create(m, 0, &kv));
    CHECK(gpt2_kv_capacity(kv) == c->n_positions && gpt2_kv_memory(kv) > 0);
    CHECK_OK(gpt2_forward_cached(m, kv, tok, c->n_positions - 1, NULL));
    CHECK_ERR(gpt2_forward_cached(m, kv, tok, 2, lg), LORA_ERR_RANGE);
    CHECK(gpt2_kv_length(kv) == c->n_positions - 1);
    CHECK_OK(gpt2_forward_cached(m, kv, tok, 1, lg));
    CHECK_ERR(gpt2_forward_cached(m, kv, tok, 1, lg), LORA_ERR_RANGE);
    CHECK(gpt2_kv_length(kv) == c->n_positions);
    CHECK_ERR(gpt2_kv_truncate(kv, c->n_positions + 1), LORA_ERR_RANGE);
    CHECK_OK(gpt2_kv_truncate(kv, 3));
    CHECK_ERR(gpt2_forward_cached(m, kv, &bad, 1, lg), LORA_ERR_RANGE);
    CHECK(gpt2_kv_length(kv) == 3);
    CHECK_ERR(gpt2_forward_cached(m, kv, tok, 0, lg), LORA_ERR_INVALID_ARG);
    /* a small cache */
    CHECK_OK(gpt2_kv_create(m, 4, &small));
    CHECK_OK(gpt2_forward_cached(m, small, tok, 4, lg));
    CHECK_ERR(gpt2_forward_cached(m, small, tok, 1, lg), LORA_ERR_RANGE);
    /* generation: prompt too long; output stops when the context is full */
    CHECK_ERR(lora_generate(gpt2_model_base(m), tok, c->n_positions + 1, 4, &g, 0, out, &n, NULL, NULL), LORA_ERR_RANGE);
    CHECK_OK(lora_generate(gpt2_model_base(m), tok, c->n_positions - 3, 8, &g, 0, out, &n, NULL, NULL));
    CHECK(n == 3);
    CHECK_OK(lora_generate(gpt2_model_base(m), tok, c->n_positions, 8, &g, 0, out, &n, NULL, NULL));
    CHECK(n == 0);
    CHECK_ERR(lora_generate(gpt2_model_base(m), tok, 0, 8, &g, 0, out, &n, NULL, NULL), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_generate(gpt2_model_base(m), &bad, 1, 8, &g, 0, out, &n, NULL, NULL), LORA_ERR_RANGE);
    gpt2_kv_free(small);
    gpt2_kv_free(kv);
    free(lg);
}

/* cache of one model used with another model / adapter */
static void check_binding(gpt2_model *m, lora_adapter *ad, const int32_t *tok) {
    gpt2_kv_cache *kv = NULL;
    float *lg = (float *)malloc(sizeof(float) * gpt2_model_config(m)->vocab_size);
    CHECK_OK(gpt2_model_set_adapter(m, NULL));
    CHECK_OK(gpt2_kv_create(m, 0, &kv));
    CHECK_OK(gpt2_forward_cached(m, kv, tok, 3, lg));
    CHECK_OK(gpt2_model_set_adapter(m, ad));
    CHECK_ERR(gpt2_forward_cached(m, kv, tok, 1, lg), LORA_ERR_INVALID_ARG);
    gpt2_kv_reset(kv);
    CHECK_OK(gpt2_forward_cached(m, kv, tok, 1, lg));
    CHECK_OK(gpt2_model_set_adapter(m, NULL));
    gpt2_kv_free(kv);
    free(lg);
}

/* 1 vs 2 threads: bit-identical cached logits and generations (a model wide enough for the
   matrix-vector products to be split across tasks) */
static void check_threads(void) {
    gpt2_config c = tiny_config(40);
    gpt2_model *m;
    lora_adapter *ad;
    lora_pool *pool = NULL;
    int32_t tok[40], g1[16], g2[16];
    static const int mixed[] = {5, 1, 1, 20, 1, 2};
    float *ref, *got1, *got2;
    gpt2_kv_cache *kv = NULL;
    lora_sampler s = lora_sampler_init();
    int n1 = 0, n2 = 0, V;
    double d;
    c.n_embd = 128; c.n_head = 4; c.vocab_size = 1500;
    m = make_model(&c, 11);
    ad = make_adapter(m, 0.0f);
    V = c.vocab_size;
    CHECK_OK(gpt2_model_set_adapter(m, ad));
    random_tokens(tok, 40, V, 5);
    ref = ref_logits(m, tok, 40);
    got1 = (float *)calloc((size_t)40 * V, sizeof(float));
    got2 = (float *)calloc((size_t)40 * V, sizeof(float));
    CHECK_OK(gpt2_kv_create(m, 0, &kv));
    d = run_cached(m, kv, tok, 40, mixed, 6, ref, got1);
    CHECK_MSG(d <= TOL, "wide model: cached logits differ from gpt2_forward by %g", d);
    s.temperature = 0.8f; s.top_k = 50; s.top_p = 0.9f; s.seed = 77;
    CHECK_OK(lora_generate(gpt2_model_base(m), tok, 10, 16, &s, 0, g1, &n1, NULL, NULL));
    CHECK_OK(lora_pool_create(&pool, 2));
    gpt2_model_set_pool(m, pool);
    d = run_cached(m, kv, tok, 40, mixed, 6, ref, got2);
    CHECK_MSG(d <= TOL, "wide model, 2 threads: cached logits differ from gpt2_forward by %g", d);
    CHECK_MSG(memcmp(got1, got2, sizeof(float) * (size_t)40 * V) == 0, "cached logits depend on the thread count");
    CHECK_OK(lora_generate(gpt2_model_base(m), tok, 10, 16, &s, 0, g2, &n2, NULL, NULL));
    CHECK(n1 == 16 && n2 == 16 && memcmp(g1, g2, sizeof g1) == 0);
    {   /* every instruction set this CPU has: the same model to rounding */
        static const lora_isa isas[] = {LORA_ISA_SCALAR, LORA_ISA_AVX2, LORA_ISA_AVX512, LORA_ISA_NEON};
        int i;
        for (i = 0; i < 4; i++) {
            if (lora_pool_set_isa(pool, isas[i]) != LORA_OK) continue;
            d = run_cached(m, kv, tok, 40, mixed, 6, ref, NULL);
            CHECK_MSG(d <= TOL, "%s: cached logits differ from gpt2_forward by %g", lora_isa_name(isas[i]), d);
        }
        lora_clear_error();
    }
    gpt2_model_set_pool(m, NULL);
    lora_pool_destroy(pool);
    gpt2_kv_free(kv);
    gpt2_model_free(m);
    lora_adapter_free(ad);
    free(ref); free(got1); free(got2);
}

/* prompts longer than the prefill chunk (128 rows) */
static void check_long_prefill(void) {
    gpt2_config c = tiny_config(300);
    gpt2_model *m = make_model(&c, 21);
    int32_t tok[300];
    static const int steps[] = {290, 1, 1, 1, 1};
    static const int steps2[] = {129, 128, 1, 40};
    float *ref;
    gpt2_kv_cache *kv = NULL;
    double d;
    random_tokens(tok, 300, c.vocab_size, 9);
    ref = ref_logits(m, tok, 300);
    CHECK_OK(gpt2_kv_create(m, 0, &kv));
    d = run_cached(m, kv, tok, 300, steps, 5, ref, NULL);
    CHECK_MSG(d <= TOL, "long prefill: %g", d);
    d = run_cached(m, kv, tok, 300, steps2, 4, ref, NULL);
    CHECK_MSG(d <= TOL, "long prefill (chunk boundaries): %g", d);
    gpt2_kv_free(kv);
    gpt2_model_free(m);
    free(ref);
}

static void run_suite(gpt2_model *m, lora_adapter *ad, lora_adapter *ad_drop, const char *label) {
    const gpt2_config *c = gpt2_model_config(m);
    int32_t tok[32];
    char what[96];
    random_tokens(tok, 32, c->vocab_size, 123);
    CHECK_OK(gpt2_model_set_adapter(m, NULL));
    snprintf(what, sizeof what, "%s base", label);
    check_cached_equals_forward(m, tok, 32, what);
    check_greedy(m, tok, 4, 12);
    check_greedy(m, tok, 29, 12); /* runs into n_positions */
    check_sampling(m, tok, 5);
    CHECK_OK(gpt2_model_set_adapter(m, ad));
    snprintf(what, sizeof what, "%s lora", label);
    check_cached_equals_forward(m, tok, 32, what);
    check_greedy(m, tok, 4, 12);
    check_sampling(m, tok, 5);
    /* training mode with LoRA dropout: the cached path never drops */
    if (ad_drop) {
        float *ref, *lg = (float *)malloc(sizeof(float) * c->vocab_size);
        gpt2_kv_cache *kv = NULL;
        int t;
        double worst = 0.0;
        CHECK_OK(gpt2_model_set_adapter(m, ad_drop));
        ref = ref_logits(m, tok, 32);
        gpt2_model_set_training(m, 1, 5);
        CHECK_OK(gpt2_kv_create(m, 0, &kv));
        for (t = 0; t < 32; t++) {
            double d;
            CHECK_OK(gpt2_forward_cached(m, kv, tok + t, 1, lg));
            d = test_max_abs_diff(lg, ref + (size_t)t * c->vocab_size, c->vocab_size);
            if (d > worst) worst = d;
        }
        CHECK_MSG(worst <= TOL, "%s: dropout leaked into cached inference (%g)", label, worst);
        gpt2_model_set_training(m, 0, 0);
        gpt2_kv_free(kv);
        free(ref);
        free(lg);
    }
    CHECK_OK(gpt2_model_set_adapter(m, NULL));
}

int main(void) {
    gpt2_config c = tiny_config(32);
    gpt2_model *m = make_model(&c, 42);
    lora_adapter *ad = make_adapter(m, 0.0f), *ad_drop = make_adapter(m, 0.3f);
    lora_pool *pool = NULL;
    int32_t tok[32];
    (void)test_rel_l2;
    random_tokens(tok, 32, c.vocab_size, 123);
    check_sample_unit();
    run_suite(m, ad, ad_drop, "1 thread");
    check_errors(m, tok);
    check_binding(m, ad, tok);
    CHECK_OK(lora_pool_create(&pool, 2));
    gpt2_model_set_pool(m, pool);
    run_suite(m, ad, NULL, "2 threads");
    gpt2_model_set_pool(m, NULL);
    lora_pool_destroy(pool);
    check_threads();
    check_long_prefill();
    gpt2_model_free(m);
    lora_adapter_free(ad);
    lora_adapter_free(ad_drop);
    return TEST_END();
}
