/* Training gives bit-for-bit the same result whatever the thread count: a few AdamW steps of
   LoRA (c_attn, c_proj and c_fc, dropout on) and of full fine-tuning on a small GPT-2, on pools
   of 1, 2 and 3 threads, must produce the same losses and the same trained parameters, every
   bit. Every threaded reduction (matrix products, layernorm and bias gradient column sums,
   the vocabulary-wide softmax, the gradient norm) has a fixed order, so nothing here may
   depend on which thread ran what. The model is wide enough that products, row and column
   chunks really are split (B*T = 96 rows, width 80, not a multiple of the vector widths). */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <string.h>

#define STEPS 3

typedef struct run_result {
    float losses[STEPS];
    float *params; /* every trainable value after the last step, in named_parameters order */
    int64_t n_params;
} run_result;

static int record(void *user, const lora_train_progress *p) {
    run_result *r = (run_result *)user;
    if (p->event != LORA_TRAIN_STEP) return 0;   /* steps only (no validation or checkpoints here) */
    if (p->step >= 1 && p->step <= STEPS) r->losses[p->step - 1] = p->loss;
    return 0;
}

/* one training run: full = 0 (LoRA) or 1 (full fine-tuning) */
static lora_status train(int threads, int full, run_result *out) {
    gpt2_config cfg;
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_dataset *ds = NULL;
    lora_pool *pool = NULL;
    lora_param *params = NULL;
    lora_config lc = lora_config_init();
    lora_train_config tc = lora_train_config_init();
    static const char *const targets[] = {"c_attn", "c_proj", "c_fc"};
    int32_t ids[2048];
    int i, n = 0;
    lora_status s;
    memset(out, 0, sizeof *out);
    for (i = 0; i < 2048; i++) ids[i] = (int32_t)((i * 31 + (i >> 3) * 7) % 97);
    memset(&cfg, 0, sizeof cfg);
    cfg.n_layer = 2; cfg.n_head = 4; cfg.n_embd = 80; cfg.n_positions = 64; cfg.vocab_size = 97;
    cfg.layer_norm_eps = 1e-5f;
    s = lora_pool_create(&pool, threads);
    if (s == LORA_OK) s = gpt2_model_create(&cfg, pool, &m);
    if (s == LORA_OK) s = lora_data_from_tokens(ids, NULL, 2048, GPT2_EOT, &ds);
    if (s == LORA_OK) {
        gpt2_model_init_random(m, 1234);
        if (full) s = gpt2_model_set_full_finetune(m, 1);
        else {
            lc.r = 8; lc.alpha = 16; lc.dropout = 0.1f; lc.target.targets = targets; lc.target.n_targets = 3;
            s = gpt2_lora_create(m, &lc, &ad);
            if (s == LORA_OK) s = gpt2_model_set_adapter(m, ad);
        }
    }
    if (s == LORA_OK) {
        tc.batch = 3; tc.seq = 32; tc.steps = STEPS; tc.optim.lr = 1e-2; tc.optim.weight_decay = 0.01;
        tc.optim.grad_clip = 1.0; tc.seed = 77; tc.on_progress = record; tc.user = out;
        s = lora_train(gpt2_model_base(m), ds, &tc, NULL);
    }
    if (s == LORA_OK) s = gpt2_trainable_params(m, &params, &n);
    if (s == LORA_OK) {
        int64_t total = 0, at = 0;
        for (i = 0; i < n; i++) total += params[i].n;
        out->params = (float *)malloc(sizeof(float) * (size_t)total);
        if (!out->params) s = LORA_ERR_OOM;
        for (i = 0; out->params && i < n; i++) {
            memcpy(out->params + at, params[i].value, sizeof(float) * (size_t)params[i].n);
            at += params[i].n;
        }
        out->n_params = total;
    }
    free(params); /* (default allocation hooks) */
    lora_data_free(ds);
    lora_adapter_free(ad);
    gpt2_model_free(m);
    lora_pool_destroy(pool);
    return s;
}

int main(void) {
    int full, t;
    for (full = 0; full < 2; full++) {
        run_result base, other;
        CHECK_OK(train(1, full, &base));
        CHECK(base.n_params > 0);
        CHECK(base.losses[0] > 0.0f && base.losses[STEPS - 1] < base.losses[0]); /* it trains */
        for (t = 2; t <= 3; t++) {
            int64_t k, diff = 0;
            CHECK_OK(train(t, full, &other));
            CHECK_MSG(memcmp(base.losses, other.losses, sizeof base.losses) == 0,
                      "%s, %d threads: losses %.9g %.9g %.9g vs 1 thread %.9g %.9g %.9g", full ? "full" : "LoRA", t,
                      other.losses[0], other.losses[1], other.losses[2], base.losses[0], base.losses[1], base.losses[2]);
            CHECK(other.n_params == base.n_params);
            for (k = 0; other.params && base.params && k < base.n_params && k < other.n_params; k++)
                diff += memcmp(&base.params[k], &other.params[k], sizeof(float)) != 0;
            CHECK_MSG(diff == 0, "%s, %d threads: %lld of %lld trained values differ from 1 thread", full ? "full" : "LoRA",
                      t, (long long)diff, (long long)base.n_params);
            free(other.params);
        }
        printf("%s: %lld trainable values, losses %.4f -> %.4f, identical on 1, 2 and 3 threads\n",
               full ? "full fine-tuning" : "LoRA (dropout 0.1)", (long long)base.n_params, base.losses[0],
               base.losses[STEPS - 1]);
        free(base.params);
    }
    return TEST_END();
}
