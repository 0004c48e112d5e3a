/* Train a LoRA adapter from a C array of strings.
     cc -O2 train_strings.c -lm -lpthread && ./a.out [data/gpt2-tokenizer] [out-adapter]
   Uses a small randomly initialised GPT-2 so it runs in seconds without weights; load a real
   one with gpt2_model_load("gpt2/model.safetensors", NULL, pool, &m) instead. */
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"
#include <stdio.h>
#include <string.h>

static const char *const texts[] = {
    "Question: What is the capital of France?\nAnswer: Paris.",
    "Question: What is the capital of Italy?\nAnswer: Rome.",
    "Question: What is the capital of Spain?\nAnswer: Madrid.",
    "Question: What colour is a banana?\nAnswer: Yellow.",
    "Question: What colour is the sky?\nAnswer: Blue.",
    "Question: What is 2 plus 3?\nAnswer: 5.",
};

static int on_step(void *user, const lora_train_progress *p) {
    (void)user;
    if (p->event != LORA_TRAIN_STEP) return 0;   /* steps only (no validation or checkpoints here) */
    if (p->step % 10 == 0) printf("step %3lld/%lld  loss %.4f  lr %.2e\n", (long long)p->step, (long long)p->total_steps, p->loss, p->lr);
    return 0;
}

#define CHECK(call) do { if ((call) != LORA_OK) { fprintf(stderr, "%s\n", lora_last_error()); return 1; } } while (0)

int main(int argc, char **argv) {
    const char *tok_dir = argc > 1 ? argv[1] : "data/gpt2-tokenizer", *out = argc > 2 ? argv[2] : "example-adapter";
    lora_pool *pool;
    lora_tokenizer *tok;
    gpt2_config cfg;
    gpt2_model *m;
    lora_adapter *ad;
    lora_dataset *ds;
    lora_config lc = lora_config_init();
    lora_train_config tc = lora_train_config_init();
    static const char *const targets[] = {"c_attn", "c_proj", "c_fc"};
    int32_t ids[4096];
    size_t n = 0, i, j;
    char line[160];
    CHECK(lora_pool_create(&pool, 0));
    CHECK(lora_tokenizer_load(tok_dir, &tok));
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {   /* tokens of every text, each ended by <|endoftext|> */
        int32_t *t;
        size_t nt;
        CHECK(lora_encode(tok, texts[i], strlen(texts[i]), 0, &t, &nt));
        for (j = 0; j < nt && n < 4095; j++) ids[n++] = t[j];
        ids[n++] = GPT2_EOT;
        lora_free(t);
    }
    CHECK(lora_data_from_tokens(ids, NULL, n, GPT2_EOT, &ds));
    CHECK(gpt2_config_preset("tiny", &cfg));
    CHECK(gpt2_model_create(&cfg, pool, &m));
    gpt2_model_init_random(m, 1);
    lc.r = 8; lc.alpha = 16;
    lc.target.targets = targets; lc.target.n_targets = 3;
    CHECK(gpt2_lora_create(m, &lc, &ad));
    CHECK(gpt2_model_set_adapter(m, ad));
    lora_model_trainable_line(gpt2_model_base(m), line, sizeof line);
    printf("%s\n", line);
    tc.batch = 2; tc.seq = 32; tc.steps = 40; tc.optim.lr = 1e-2;
    tc.on_progress = on_step;
    CHECK(lora_train(gpt2_model_base(m), ds, &tc, NULL));
    CHECK(lora_adapter_save(ad, out, 1));
    printf("saved %s/adapter_model.safetensors and adapter_config.json\n", out);
    lora_data_free(ds); lora_adapter_free(ad); gpt2_model_free(m); lora_tokenizer_free(tok); lora_pool_destroy(pool);
    return 0;
}
