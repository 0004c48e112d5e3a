/* Logits only where there are labels: a training-mode forward (gpt2_model_set_training on) runs
   the output layer, softmax, loss and the output layer's input gradient on the labelled rows
   only, a chunk at a time (lora_lm_head_ce). It must give the loss and LoRA gradients of the
   all-positions path (a forward outside training mode, which keeps every logit) up to fp32
   summation order: on prompt-masked rows, padded rows, a batch with a single label, a fully
   labelled batch, with fp32 and bf16 frozen weights, and more labelled rows than one chunk.
   lm_head as a LoRA target and full fine-tuning keep the all-positions path (logits kept). */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <math.h>

enum { B = 3, T = 24, BIG_B = 8, BIG_T = 40 };

static uint64_t rng = 0x1234567887654321ull;
static unsigned rnd(unsigned n) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (unsigned)(rng % n); }

/* loss and the flattened gradients of every trainable tensor */
static int run(gpt2_model *m, int training, const int32_t *ids, const int32_t *labels, int b, int t, float *loss, float *g,
               int *fused) {
    lora_param *p = NULL;
    int n = 0, i, k = 0;
    gpt2_model_set_training(m, training, 7);
    gpt2_zero_grad(m);
    if (gpt2_forward(m, ids, labels, b, t, loss) != LORA_OK) return -1;
    *fused = gpt2_logits(m) == NULL;
    if (gpt2_backward(m) != LORA_OK || gpt2_trainable_params(m, &p, &n) != LORA_OK) return -1;
    for (i = 0; i < n; i++) { memcpy(g + k, p[i].grad, sizeof(float) * (size_t)p[i].n); k += (int)p[i].n; }
    lora_free(p);
    return k;
}

static void compare(gpt2_model *m, const int32_t *ids, const int32_t *labels, int b, int t, const char *what, int expect_fused) {
    size_t cap = (size_t)gpt2_config_num_params(gpt2_model_config(m)) + 4096;
    float *g0 = (float *)malloc(sizeof(float) * cap), *g1 = (float *)malloc(sizeof(float) * cap);
    float l0 = NAN, l1 = NAN;
    int f0 = 0, f1 = 0, n0 = run(m, 0, ids, labels, b, t, &l0, g0, &f0), n1 = run(m, 1, ids, labels, b, t, &l1, g1, &f1);
    double rel;
    CHECK_MSG(n0 > 0 && n0 == n1, "%s: %s", what, lora_last_error());
    if (n0 <= 0 || n0 != n1) { free(g0); free(g1); return; }
    CHECK_MSG(!f0 && f1 == expect_fused, "%s: fused %d / %d", what, f0, f1);
    rel = test_rel_l2(g1, g0, n0);
    CHECK_MSG(fabs(l1 - l0) <= 1e-6 * fabs(l0) && isfinite(l0), "%s: loss %.9g (labelled-only) vs %.9g", what, l1, l0);
    /* bf16: a logit that differs in its last fp32 bit (another summation order) can round its
       gradient to a neighbouring bf16 value before dY.W^T; the oracle tolerance of the bf16 path */
    CHECK_MSG(rel < (gpt2_model_base_dtype(m) == LORA_DT_BF16 ? 2e-3 : 1e-5), "%s: gradients differ by %g (relative L2)", what, rel);
    printf("  %-44s loss %.7f vs %.7f, gradients %.1e\n", what, l1, l0, rel);
    free(g0); free(g1);
}

static void randomize(gpt2_model *m) {
    lora_param *p = NULL;
    int n = 0, i;
    int64_t j;
    CHECK_OK(gpt2_trainable_params(m, &p, &n));
    for (i = 0; i < n; i++)
        for (j = 0; j < p[i].n; j++) p[i].value[j] = 0.05f * ((float)rnd(2001) / 1000.0f - 1.0f);
    lora_free(p);
}

static void batches(gpt2_model *m, const char *kind, int expect_fused) {
    static int32_t ids[BIG_B * BIG_T], lab[BIG_B * BIG_T];
    char what[96];
    int i, r;
    for (i = 0; i < B * T; i++) ids[i] = (int32_t)rnd(50257);
    /* prompt masking: each row's first positions carry no label */
    for (r = 0; r < B; r++)
        for (i = 0; i < T; i++) lab[r * T + i] = i < 6 + 4 * r ? -100 : ids[r * T + i];
    snprintf(what, sizeof what, "%s, prompt-masked", kind);
    compare(m, ids, lab, B, T, what, expect_fused);
    /* padding: the last row ends in 9 padding tokens without labels */
    for (i = 0; i < B * T; i++) lab[i] = ids[i];
    for (i = T - 9; i < T; i++) { ids[2 * T + i] = 50256; lab[2 * T + i] = -100; }
    snprintf(what, sizeof what, "%s, padded", kind);
    compare(m, ids, lab, B, T, what, expect_fused);
    /* every position masked but one */
    for (i = 0; i < B * T; i++) lab[i] = -100;
    lab[T + 11] = ids[T + 11];
    snprintf(what, sizeof what, "%s, one label", kind);
    compare(m, ids, lab, B, T, what, expect_fused);
    /* every label present */
    snprintf(what, sizeof what, "%s, all labelled", kind);
    compare(m, ids, ids, B, T, what, expect_fused);
    /* more labelled rows than one chunk (LORA_CE_CHUNK_ROWS), with masked runs */
    for (i = 0; i < BIG_B * BIG_T; i++) { ids[i] = (int32_t)rnd(50257); lab[i] = (i % BIG_T) % 7 == 3 ? -100 : ids[i]; }
    snprintf(what, sizeof what, "%s, %d x %d", kind, BIG_B, BIG_T);
    compare(m, ids, lab, BIG_B, BIG_T, what, expect_fused);
}

static void model(lora_dtype dt, const char *targets0, int full) {
    gpt2_config cfg;
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    char kind[64];
    const char *targets[2];
    gpt2_config_preset("tiny", &cfg);
    CHECK_OK(gpt2_model_create_as(&cfg, NULL, dt, &m));
    if (!m) return;
    gpt2_model_init_random(m, 3);
    if (full) CHECK_OK(gpt2_model_set_full_finetune(m, 1));
    else {
        lora_config lc = lora_config_init();
        targets[0] = targets0; targets[1] = "c_proj";
        lc.r = 4; lc.alpha = 8; lc.target.targets = targets; lc.target.n_targets = 2;
        CHECK_OK(gpt2_lora_create(m, &lc, &ad));
        CHECK_OK(gpt2_model_set_adapter(m, ad));
        randomize(m);
    }
    snprintf(kind, sizeof kind, "%s %s", dt == LORA_DT_BF16 ? "bf16" : "fp32", full ? "full" : targets0);
    batches(m, kind, !full && strcmp(targets0, "lm_head") != 0);
    gpt2_model_free(m);
    lora_adapter_free(ad);
}

int main(void) {
    model(LORA_DT_F32, "c_attn", 0);
    model(LORA_DT_BF16, "c_attn", 0);
    model(LORA_DT_F32, "lm_head", 0);  /* a LoRA on the output layer: the all-positions path */
    model(LORA_DT_F32, "", 1);         /* full fine-tuning: the all-positions path */
    return TEST_END();
}
