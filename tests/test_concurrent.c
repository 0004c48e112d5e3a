/* No global mutable state: two applications' worth of work (each its own pool, model, LoRA adapter
   with dropout, optimiser and data) run on two threads at once and give bit-for-bit the losses of
   the same work run alone, and each thread's lora_last_error() is its own. make test-tsan runs
   this test, the pool and the matmul tests under ThreadSanitizer. */
#define _POSIX_C_SOURCE 200809L
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <pthread.h>
#include <string.h>

#define STEPS 6

typedef struct job {
    uint64_t seed;
    float losses[STEPS];
    int n;
    lora_status status;
    int own_error;      /* lora_last_error() named this job's file after a failure */
} job;

static int record(void *user, const lora_train_progress *p) {
    job *j = (job *)user;
    if (p->event != LORA_TRAIN_STEP) return 0;   /* steps only (no validation or checkpoints here) */
    if (j->n < STEPS) j->losses[j->n++] = p->loss;
    return 0;
}

static void *run_job(void *arg) {
    job *j = (job *)arg;
    gpt2_config cfg;
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_dataset *ds = NULL;
    lora_pool *pool = NULL;
    lora_config lc = lora_config_init();
    lora_train_config tc = lora_train_config_init();
    int32_t ids[1024];
    char missing[64];
    static const char *const targets[] = {"c_attn", "c_proj"};
    int i;
    for (i = 0; i < 1024; i++) ids[i] = (int32_t)((i * 7 + (int)j->seed) % 61);
    memset(&cfg, 0, sizeof cfg);
    cfg.n_layer = 2; cfg.n_head = 2; cfg.n_embd = 24; cfg.n_positions = 32; cfg.vocab_size = 61;
    cfg.layer_norm_eps = 1e-5f;
    j->status = lora_pool_create(&pool, 2);
    if (j->status == LORA_OK) j->status = gpt2_model_create(&cfg, pool, &m);
    if (j->status == LORA_OK) j->status = lora_data_from_tokens(ids, NULL, 1024, GPT2_EOT, &ds);
    if (j->status == LORA_OK) {
        gpt2_model_init_random(m, j->seed);
        lc.r = 4; lc.alpha = 8; lc.dropout = 0.1f; lc.target.targets = targets; lc.target.n_targets = 2;
        j->status = gpt2_lora_create(m, &lc, &ad);
    }
    if (j->status == LORA_OK) j->status = gpt2_model_set_adapter(m, ad);
    if (j->status == LORA_OK) {
        tc.batch = 2; tc.seq = 16; tc.steps = STEPS; tc.optim.lr = 1e-2; tc.seed = j->seed;
        tc.on_progress = record; tc.user = j;
        j->status = lora_train(gpt2_model_base(m), ds, &tc, NULL);
    }
    /* a failure on this thread leaves this thread's message, whatever the other thread does */
    snprintf(missing, sizeof missing, "build/no-such-model-%llu.safetensors", (unsigned long long)j->seed);
    {
        gpt2_model *none = NULL;
        if (gpt2_model_load(missing, NULL, NULL, &none) != LORA_OK) j->own_error = strstr(lora_last_error(), missing) != NULL;
        gpt2_model_free(none);
    }
    lora_data_free(ds);
    lora_adapter_free(ad);
    gpt2_model_free(m);
    lora_pool_destroy(pool);
    return NULL;
}

int main(void) {
    job alone[2], together[2];
    pthread_t th[2];
    int i, k;
    memset(alone, 0, sizeof alone);
    memset(together, 0, sizeof together);
    for (i = 0; i < 2; i++) {
        alone[i].seed = together[i].seed = (uint64_t)(11 + 20 * i);
        run_job(&alone[i]);
        CHECK_OK(alone[i].status);
        CHECK(alone[i].n == STEPS && alone[i].own_error);
    }
    CHECK(memcmp(alone[0].losses, alone[1].losses, sizeof alone[0].losses) != 0);   /* different work */
    for (i = 0; i < 2; i++) CHECK(pthread_create(&th[i], NULL, run_job, &together[i]) == 0);
    for (i = 0; i < 2; i++) pthread_join(th[i], NULL);
    for (i = 0; i < 2; i++) {
        CHECK_OK(together[i].status);
        CHECK(together[i].n == STEPS && together[i].own_error);
        for (k = 0; k < STEPS; k++)
            CHECK_MSG(memcmp(&together[i].losses[k], &alone[i].losses[k], sizeof(float)) == 0,
                      "job %d step %d: loss %.9g concurrently, %.9g alone", i, k, together[i].losses[k], alone[i].losses[k]);
    }
    printf("two jobs at once: %d steps each, losses identical to running alone (%.4f -> %.4f, %.4f -> %.4f)\n", STEPS,
           alone[0].losses[0], alone[0].losses[STEPS - 1], alone[1].losses[0], alone[1].losses[STEPS - 1]);
    return TEST_END();
}
