/* Your own training loop with the public API only: the model's forward and backward through
   the engine's model interface, the trainable tensors, one AdamW step. (lora_train does the
   same with validation, checkpoints and resume; see app_loop.c.)
     cc -O2 custom_loop.c -lm -lpthread && ./a.out */
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"
#include <stdio.h>

#define CHECK(call) do { if ((call) != LORA_OK) { fprintf(stderr, "%s\n", lora_last_error()); return 1; } } while (0)

int main(void) {
    enum { B = 2, T = 32, STEPS = 30 };
    const char *targets[] = {"c_attn", "c_proj"};
    gpt2_config cfg;
    gpt2_model *g;
    lora_model *m;
    lora_adapter *ad;
    lora_config lc = lora_config_init();
    lora_adamw_config oc = lora_adamw_config_init();
    lora_adamw *opt;
    lora_param *params;
    int32_t ids[B * T];
    int n_params, i, step;
    float first = 0, loss = 0;
    char line[128];

    CHECK(gpt2_config_preset("tiny", &cfg));
    CHECK(gpt2_model_create(&cfg, NULL, &g));
    gpt2_model_init_random(g, 1);
    m = gpt2_model_base(g);                     /* from here on: the engine's model interface */
    lc.r = 8; lc.alpha = 16;
    lc.target.targets = targets; lc.target.n_targets = 2;
    CHECK(lora_model_adapter_create(m, &lc, &ad));
    CHECK(lora_model_set_adapter(m, ad));
    lora_model_trainable_line(m, line, sizeof line);
    printf("%s\n", line);

    CHECK(lora_model_trainable_params(m, &params, &n_params));
    oc.lr = 1e-2; oc.weight_decay = 0; oc.total_steps = STEPS;
    CHECK(lora_adamw_create(&oc, params, n_params, &opt));
    for (i = 0; i < B * T; i++) ids[i] = (i * 7) % 50;   /* a repeating pattern to memorise */

    lora_model_set_training(m, 1, 42);
    for (step = 0; step < STEPS; step++) {
        double grad_norm, lr;
        lora_model_zero_grad(m);
        CHECK(lora_model_forward(m, ids, ids, B, T, &loss));   /* labels = inputs (HF convention) */
        CHECK(lora_model_backward(m));
        CHECK(lora_adamw_step(opt, NULL, &grad_norm, &lr));
        if (step == 0) first = loss;
        if (step % 10 == 9) printf("step %2d  loss %.4f  grad_norm %.3f\n", step + 1, loss, grad_norm);
    }
    printf("loss %.4f -> %.4f\n", first, loss);
    lora_adamw_free(opt);
    lora_free(params);
    lora_adapter_free(ad);
    lora_model_free(m);
    return loss < first ? 0 : 1;
}
