/* A LLaMA-family model (llama.h) through the engine: a tiny Qwen3 preset with random weights,
   LoRA on the attention projections, 30 AdamW steps on a repeating pattern, then greedy
   generation with the KV cache. With real weights, open a Hugging Face folder instead:
       lora_model_open(fams, 1, "SmolLM2-135M", NULL, NULL, 0, pool, &m);
     cc -O2 llama_lora.c -lm -lpthread && ./a.out */
#define LORA_IMPLEMENTATION
#include "lora.h"
#define LLAMA_IMPLEMENTATION
#include "llama.h"
#include <stdio.h>

#define CHECK(call) do { if ((call) != LORA_OK) { fprintf(stderr, "%s\n", lora_last_error()); return 1; } } while (0)

int main(void) {
    enum { B = 2, T = 32, STEPS = 30 };
    const char *targets[] = {"q_proj", "k_proj", "v_proj", "o_proj"};
    const lora_model_family *fams[1];
    lora_model *m;
    lora_adapter *ad;
    lora_config lc = lora_config_init();
    lora_adamw_config oc = lora_adamw_config_init();
    lora_sampler sc = lora_sampler_init();
    lora_adamw *opt;
    lora_param *params;
    int32_t ids[B * T], out[8];
    int n_params, n_out = 0, i, step;
    float first = 0, loss = 0;
    char line[128];

    fams[0] = llama_family();
    CHECK(lora_model_open(fams, 1, NULL, NULL, "tiny-qwen3", 1, NULL, &m));  /* a preset, random init (seed 1) */
    printf("%s\n", lora_model_get_info(m)->summary);
    lc.r = 8; lc.alpha = 16;
    lc.target.targets = targets; lc.target.n_targets = 4;
    CHECK(lora_model_adapter_create(m, &lc, &ad));
    CHECK(lora_model_set_adapter(m, ad));
    lora_model_trainable_line(m, line, sizeof line);
    printf("%s\n", line);

    CHECK(lora_model_trainable_params(m, &params, &n_params));
    oc.lr = 1e-2; oc.weight_decay = 0; oc.total_steps = STEPS;
    CHECK(lora_adamw_create(&oc, params, n_params, &opt));
    for (i = 0; i < B * T; i++) ids[i] = 3 + (i * 7) % 50;
    lora_model_set_training(m, 1, 42);
    for (step = 0; step < STEPS; step++) {
        lora_model_zero_grad(m);
        CHECK(lora_model_forward(m, ids, ids, B, T, &loss));
        CHECK(lora_model_backward(m));
        CHECK(lora_adamw_step(opt, NULL, NULL, NULL));
        if (step == 0) first = loss;
    }
    printf("loss %.4f -> %.4f\n", first, loss);
    lora_model_set_training(m, 0, 0);
    sc.greedy = 1;
    CHECK(lora_generate(m, ids, 4, 8, &sc, 0, out, &n_out, NULL, NULL));
    printf("after %d %d %d %d it continues:", (int)ids[0], (int)ids[1], (int)ids[2], (int)ids[3]);
    for (i = 0; i < n_out; i++) printf(" %d", (int)out[i]);
    printf("\n");
    lora_adamw_free(opt);
    lora_free(params);
    lora_model_set_adapter(m, NULL);
    lora_adapter_free(ad);
    lora_model_free(m);
    return loss < first ? 0 : 1;
}
