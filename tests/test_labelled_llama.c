/* Logits only where there are labels, for llama.h: a LoRA training-mode forward runs the output
   layer, softmax, loss and the output layer's input gradient on the labelled rows only, a chunk
   at a time (lora_lm_head_ce). It must give the loss and LoRA gradients of the all-positions path
   (a forward outside training mode, which keeps every logit) up to fp32 summation order: on
   prompt-masked rows, padded rows, a batch with a single label, a fully labelled batch and more
   labelled rows than one chunk, with a tied and an untied lm_head (and q/k biases). lm_head as a
   LoRA target and full fine-tuning keep the all-positions path (logits kept). */
#include "lora.h"
#include "llama.h"
#include "test.h"
#include <math.h>

enum { B = 3, T = 24, BIG_B = 8, BIG_T = 40, VOCAB = 301 };

static uint64_t rng = 0x1234567887654321ull;
static unsigned rnd(unsigned n) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (unsigned)(rng % n); }

/* loss and the flattened gradients of every trainable tensor */
static int run(lora_model *m, int training, const int32_t *ids, const int32_t *labels, int b, int t, float *loss, float *g,
               int *fused) {
    lora_param *p = NULL;
    int n = 0, i, k = 0;
    lora_model_set_training(m, training, 7);
    lora_model_zero_grad(m);
    if (lora_model_forward(m, ids, labels, b, t, loss) != LORA_OK) return -1;
    *fused = lora_model_logits(m) == NULL;
    if (lora_model_backward(m) != LORA_OK || lora_model_trainable_params(m, &p, &n) != LORA_OK) return -1;
    for (i = 0; i < n; i++) { memcpy(g + k, p[i].grad, sizeof(float) * (size_t)p[i].n); k += (int)p[i].n; }
    lora_free(p);
    return k;
}

static void compare(lora_model *m, const llama_config *cfg, const int32_t *ids, const int32_t *labels, int b, int t,
                    const char *what, int expect_fused) {
    size_t cap = (size_t)llama_config_num_params(cfg) + 4096;
    float *g0 = (float *)malloc(sizeof(float) * cap), *g1 = (float *)malloc(sizeof(float) * cap);
    float l0 = NAN, l1 = NAN;
    int f0 = 0, f1 = 0, n0 = run(m, 0, ids, labels, b, t, &l0, g0, &f0), n1 = run(m, 1, ids, labels, b, t, &l1, g1, &f1);
    double rel;
    CHECK_MSG(n0 > 0 && n0 == n1, "%s: %s", what, lora_last_error());
    if (n0 <= 0 || n0 != n1) { free(g0); free(g1); return; }
    CHECK_MSG(!f0 && f1 == expect_fused, "%s: fused %d / %d", what, f0, f1);
    rel = test_rel_l2(g1, g0, n0);
    CHECK_MSG(fabs(l1 - l0) <= 1e-6 * fabs(l0) && isfinite(l0), "%s: loss %.9g (labelled-only) vs %.9g", what, l1, l0);
    CHECK_MSG(rel < 1e-5, "%s: gradients differ by %g (relative L2)", what, rel);
    printf("  %-44s loss %.7f vs %.7f, gradients %.1e\n", what, l1, l0, rel);
    free(g0); free(g1);
}

static void randomize(lora_model *m) {
    lora_param *p = NULL;
    int n = 0, i;
    int64_t j;
    CHECK_OK(lora_model_trainable_params(m, &p, &n));
    for (i = 0; i < n; i++)
        for (j = 0; j < p[i].n; j++) p[i].value[j] = 0.05f * ((float)rnd(2001) / 1000.0f - 1.0f);
    lora_free(p);
}

static void batches(lora_model *m, const llama_config *cfg, const char *kind, int expect_fused) {
    static int32_t ids[BIG_B * BIG_T], lab[BIG_B * BIG_T];
    char what[96];
    int i, r;
    for (i = 0; i < B * T; i++) ids[i] = (int32_t)rnd(VOCAB);
    /* prompt masking: each row's first positions carry no label */
    for (r = 0; r < B; r++)
        for (i = 0; i < T; i++) lab[r * T + i] = i < 6 + 4 * r ? -100 : ids[r * T + i];
    snprintf(what, sizeof what, "%s, prompt-masked", kind);
    compare(m, cfg, ids, lab, B, T, what, expect_fused);
    /* padding: the last row ends in 9 padding tokens without labels */
    for (i = 0; i < B * T; i++) lab[i] = ids[i];
    for (i = T - 9; i < T; i++) { ids[2 * T + i] = VOCAB - 1; lab[2 * T + i] = -100; }
    snprintf(what, sizeof what, "%s, padded", kind);
    compare(m, cfg, ids, lab, B, T, what, expect_fused);
    /* every position masked but one */
    for (i = 0; i < B * T; i++) lab[i] = -100;
    lab[T + 11] = ids[T + 11];
    snprintf(what, sizeof what, "%s, one label", kind);
    compare(m, cfg, ids, lab, B, T, what, expect_fused);
    /* every label present */
    snprintf(what, sizeof what, "%s, all labelled", kind);
    compare(m, cfg, ids, ids, B, T, what, expect_fused);
    /* more labelled rows than one chunk (LORA_CE_CHUNK_ROWS), with masked runs */
    for (i = 0; i < BIG_B * BIG_T; i++) { ids[i] = (int32_t)rnd(VOCAB); lab[i] = (i % BIG_T) % 7 == 3 ? -100 : ids[i]; }
    snprintf(what, sizeof what, "%s, %d x %d", kind, BIG_B, BIG_T);
    compare(m, cfg, ids, lab, BIG_B, BIG_T, what, expect_fused);
}

static void model(const char *preset, int tied, const char *targets0, int full) {
    llama_config cfg;
    llama_model *lm = NULL;
    lora_model *m;
    lora_adapter *ad = NULL;
    char kind[64];
    const char *targets[2];
    CHECK_OK(llama_config_preset(preset, &cfg));
    cfg.vocab_size = VOCAB; cfg.hidden_size = 32; cfg.n_head = 4; cfg.n_kv_head = 2; cfg.intermediate_size = 40;
    cfg.n_layer = 2; cfg.tie_word_embeddings = tied; cfg.initializer_range = 0.1f;
    CHECK_OK(llama_model_create(&cfg, NULL, &lm));
    if (!lm) return;
    m = llama_model_base(lm);
    llama_model_init_random(lm, 3);
    if (full) CHECK_OK(lora_model_set_full_finetune(m, 1));
    else {
        lora_config lc = lora_config_init();
        targets[0] = targets0; targets[1] = "o_proj";
        lc.r = 4; lc.alpha = 8; lc.target.targets = targets; lc.target.n_targets = 2;
        CHECK_OK(lora_model_adapter_create(m, &lc, &ad));
        CHECK_OK(lora_model_set_adapter(m, ad));
        randomize(m);
    }
    snprintf(kind, sizeof kind, "%s %s %s", preset, tied ? "tied" : "untied", full ? "full" : targets0);
    batches(m, &cfg, kind, !full && strcmp(targets0, "lm_head") != 0);
    lora_model_free(m);
    lora_adapter_free(ad);
}

int main(void) {
    model("tiny-llama3", 0, "q_proj", 0);
    model("tiny-qwen2", 1, "v_proj", 0);   /* tied lm_head, q/k/v biases */
    model("tiny-llama3", 0, "lm_head", 0); /* a LoRA on the output layer: the all-positions path */
    model("tiny-qwen2", 1, "", 1);         /* full fine-tuning: the all-positions path */
    return TEST_END();
}
