/* Inspect GPT-2's linear layers and choose LoRA targets before training anything.
   No weights needed: shapes come from the config.
     cc -O2 inspect_targets.c -lm -lpthread && ./a.out */
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"
#include <stdio.h>

/* Builds an adapter for these targets on the config's modules and prints PEFT's line. */
static void try_targets(const gpt2_config *cfg, const char *const *targets, int n) {
    gpt2_linear_info lin[256];
    lora_module_desc desc[256];
    lora_config lc = lora_config_init();
    lora_adapter *ad;
    int n_lin = gpt2_config_num_linears(cfg), i;
    int64_t trainable;
    char line[160];
    gpt2_config_linears(cfg, lin);
    gpt2_config_module_descs(lin, n_lin, desc);
    lc.r = 8; lc.alpha = 16;
    lc.target.targets = targets; lc.target.n_targets = n;
    if (lora_adapter_create(&lc, desc, n_lin, &ad) != LORA_OK) { printf("  error: %s\n", lora_last_error()); return; }
    trainable = lora_adapter_num_params(ad);
    lora_format_trainable(trainable, gpt2_config_num_params(cfg) + trainable, line, sizeof line);
    printf("targets");
    for (i = 0; i < n; i++) printf(" %s", targets[i]);
    printf(" -> %d modules\n  %s\n", ad->n_modules, line);
    lora_adapter_free(ad);
}

int main(void) {
    gpt2_config cfg;
    gpt2_linear_info lin[256];
    int i, n;
    static const char *const attn[] = {"c_attn", "c_proj"};
    static const char *const attn_mlp[] = {"c_attn", "c_proj", "c_fc"};
    static const char *const wrong[] = {"q_proj", "v_proj"};
    if (gpt2_config_preset("gpt2", &cfg) != LORA_OK) return 1;
    n = gpt2_config_num_linears(&cfg);
    gpt2_config_linears(&cfg, lin);
    printf("first block's linear layers (of %d):\n", n);
    for (i = 0; i < 4; i++) printf("  %-28s in %4d  out %4d\n", lin[i].name, lin[i].in, lin[i].out);
    printf("  ...\n  %-28s in %4d  out %5d (tied to wte)\n\n", lin[n - 1].name, lin[n - 1].in, lin[n - 1].out);
    try_targets(&cfg, attn, 2);      /* start attention-only: c_proj also matches mlp.c_proj */
    try_targets(&cfg, attn_mlp, 3);  /* add the MLP when quality needs it */
    try_targets(&cfg, wrong, 2);     /* LLaMA names do not exist in GPT-2: a clear error */
    return 0;
}
