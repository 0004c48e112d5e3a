/* gpt2_estimate_memory (what gpt2-inspect --batch --seq prints) against the measured peak
   memory of real training steps: within 15%, for LoRA and for full fine-tuning. Its activation
   part is the arena the model then holds, to the byte (both come from one size table). */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <stdio.h>
#include <stdlib.h>

/* Resident set size now, from /proc (bytes); 0 where unavailable. */
static double rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return (double)resident * 4096.0;
}

static void check_mode(int full, int B, int T) {
    gpt2_config cfg;
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_param *p = NULL;
    lora_adamw *opt = NULL;
    lora_adamw_config oc = lora_adamw_config_init();
    lora_memory_estimate e;
    int np = 0, i, s;
    int32_t *ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)B * T);
    double before, peak = 0, measured, rel;
    size_t held;
    static const char *const targets[] = {"c_attn", "c_proj"};
    gpt2_config_preset("tiny", &cfg);
    cfg.n_embd = 128; cfg.n_head = 4; cfg.n_layer = 3; cfg.n_positions = 128;
    for (i = 0; i < B * T; i++) ids[i] = (i * 7919) % cfg.vocab_size;
    before = rss_bytes();
    CHECK_OK(gpt2_model_create(&cfg, NULL, &m));
    if (!m) return;
    gpt2_model_init_random(m, 1);
    if (full) CHECK_OK(gpt2_model_set_full_finetune(m, 1));
    else {
        lora_config lc = lora_config_init();
        lc.r = 8; lc.alpha = 16; lc.dropout = 0.1f; lc.target.targets = targets; lc.target.n_targets = 2;
        CHECK_OK(gpt2_lora_create(m, &lc, &ad));
        CHECK_OK(gpt2_model_set_adapter(m, ad));
        gpt2_model_set_training(m, 1, 1);
    }
    held = gpt2_model_memory(m); /* weights (and gradients), no activations yet */
    CHECK_OK(gpt2_trainable_params(m, &p, &np));
    CHECK_OK(lora_adamw_create(&oc, p, np, &opt));
    for (s = 0; s < 2; s++) {
        float loss;
        gpt2_zero_grad(m);
        CHECK_OK(gpt2_forward(m, ids, ids, B, T, &loss));
        CHECK_OK(gpt2_backward(m));
        CHECK_OK(lora_adamw_step(opt, NULL, NULL, NULL));
        if (rss_bytes() > peak) peak = rss_bytes();
    }
    gpt2_estimate_memory(&cfg, ad, full, B, T, 1, &e);
    measured = peak - before;
    rel = fabs(measured - (double)e.total) / (double)e.total;
    printf("  %s B=%d T=%d: estimate %.1f MiB, measured %.1f MiB (%.1f%%)\n", full ? "full" : "lora", B, T,
           e.total / 1048576.0, measured / 1048576.0, 100 * rel);
    if (before > 0) CHECK_MSG(rel < 0.15, "estimate %.1f MiB vs measured %.1f MiB", e.total / 1048576.0, measured / 1048576.0);
    CHECK_MSG(gpt2_model_memory(m) - held == e.activations, "activations: estimate %zu bytes, the model holds %zu",
              e.activations, gpt2_model_memory(m) - held);
    lora_adamw_free(opt); free(p); lora_adapter_free(ad); gpt2_model_free(m); free(ids);
}

int main(void) {
    check_mode(0, 4, 64);
    check_mode(1, 4, 64);
    check_mode(0, 2, 128);
    return TEST_END();
}
