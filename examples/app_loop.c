/* Embed training in an application's loop: a progress callback reports each step and can
   cancel (a UI's "stop" button, a time budget, a battery level...). The adapter keeps what it
   learnt so far and can be saved after a cancel.
     cc -O2 app_loop.c -lm -lpthread && ./a.out */
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"
#include <stdio.h>

typedef struct app_state { int stop_after; float first_loss, last_loss; } app_state;

static int progress(void *user, const lora_train_progress *p) {
    app_state *app = (app_state *)user;
    int percent = (int)(100 * p->step / p->total_steps);
    if (p->event != LORA_TRAIN_STEP) return 0;   /* steps only */
    if (p->step == 1) app->first_loss = p->loss;
    app->last_loss = p->loss;
    printf("\r[%-20.*s] %3d%%  step %lld  loss %.3f  %.0f tok/s", percent / 5, "####################", percent,
           (long long)p->step, p->loss, p->tokens_per_s);
    fflush(stdout);
    return p->step >= app->stop_after;   /* nonzero = cancel */
}

int main(void) {
    gpt2_config cfg;
    gpt2_model *m;
    lora_adapter *ad;
    lora_dataset *ds;
    lora_config lc = lora_config_init();
    lora_train_config tc = lora_train_config_init();
    app_state app = {25, 0, 0};
    int32_t ids[2048];
    lora_status s;
    int i;
    static const char *const targets[] = {"c_attn"};
    for (i = 0; i < 2048; i++) ids[i] = (i * 7) % 97;    /* a repeating pattern to learn */
    cfg.n_layer = 2; cfg.n_head = 2; cfg.n_embd = 32; cfg.n_positions = 64; cfg.vocab_size = 97;
    cfg.n_inner = 0; cfg.layer_norm_eps = 1e-5f;
    if (gpt2_model_create(&cfg, NULL, &m) != LORA_OK || lora_data_from_tokens(ids, NULL, 2048, GPT2_EOT, &ds) != LORA_OK) {
        fprintf(stderr, "%s\n", lora_last_error());
        return 1;
    }
    gpt2_model_init_random(m, 3);
    lc.r = 4; lc.alpha = 8; lc.target.targets = targets; lc.target.n_targets = 1;
    if (gpt2_lora_create(m, &lc, &ad) != LORA_OK || gpt2_model_set_adapter(m, ad) != LORA_OK) return 1;
    tc.batch = 4; tc.seq = 32; tc.steps = 100; tc.optim.lr = 3e-2;
    tc.on_progress = progress; tc.user = &app;
    s = lora_train(gpt2_model_base(m), ds, &tc, NULL);
    printf("\n%s: %s\n", s == LORA_ERR_CANCELLED ? "stopped by the app" : "finished", s == LORA_OK ? "ok" : lora_last_error());
    printf("loss %.3f -> %.3f\n", app.first_loss, app.last_loss);
    lora_data_free(ds); lora_adapter_free(ad); gpt2_model_free(m);
    return (s == LORA_OK || s == LORA_ERR_CANCELLED) ? 0 : 1;
}
