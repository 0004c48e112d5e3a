/* bench-llama: the LoRA step of SmolLM2-135M (llama.h, random weights): r=8, alpha=16, targets
   q_proj,k_proj,v_proj,o_proj, AdamW, batch 4 x 128 (bench_torch.py's lora_smollm2 mode).
     build/bench-llama [--threads 2] [--steps 5] [--warmup 2] [--preset smollm2-135m] [--json F] [--quick]
   Prints one line and writes a JSON list with one object (mode "lora_smollm2"). */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "lora.h"
#include "llama.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const char *json = "build/bench-llama.json", *preset = "smollm2-135m";
    static const char *const targets[] = {"q_proj", "k_proj", "v_proj", "o_proj"};
    int threads = 2, steps = 5, warmup = 2, B = 4, T = 128, i, s, n_params = 0;
    const lora_model_family *fams[1];
    lora_pool *pool = NULL;
    lora_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_adamw *opt = NULL;
    lora_param *params = NULL;
    lora_adamw_config oc = lora_adamw_config_init();
    lora_config lc = lora_config_init();
    int32_t *ids;
    double times[64], med;
    lora_rng rng;
    struct rusage ru;
    FILE *out;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) steps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc) warmup = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) json = argv[++i];
        else if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc) preset = argv[++i];
        else if (strcmp(argv[i], "--quick") == 0) { steps = 2; warmup = 1; }
        else if (argv[i][0] != '-') json = argv[i];   /* bench/run.sh passes the JSON path */
        else { fprintf(stderr, "usage: bench-llama [--threads N] [--steps N] [--warmup N] [--json F] [--preset P] [--quick]\n"); return 2; }
    }
    if (steps < 1) steps = 1;
    if (steps > 64) steps = 64;
    fams[0] = llama_family();
    if (lora_pool_create(&pool, threads) != LORA_OK || lora_model_open(fams, 1, NULL, NULL, preset, 1, pool, &m) != LORA_OK) goto fail;
    lc.r = 8; lc.alpha = 16; lc.target.targets = targets; lc.target.n_targets = 4;
    if (lora_model_adapter_create(m, &lc, &ad) != LORA_OK || lora_model_set_adapter(m, ad) != LORA_OK) goto fail;
    oc.lr = 1e-4; oc.weight_decay = 0;
    if (lora_model_trainable_params(m, &params, &n_params) != LORA_OK || lora_adamw_create(&oc, params, n_params, &opt) != LORA_OK) goto fail;
    lora_model_set_training(m, 1, 1);
    ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)B * T);
    if (!ids) goto fail;
    lora_rng_seed(&rng, 7);
    for (i = 0; i < B * T; i++) ids[i] = (int32_t)(lora_rng_u32(&rng) % (uint32_t)lora_model_get_info(m)->vocab_size);
    for (s = 0; s < warmup + steps; s++) {
        float loss;
        double t0 = now();
        lora_model_zero_grad(m);
        if (lora_model_forward(m, ids, ids, B, T, &loss) != LORA_OK || lora_model_backward(m) != LORA_OK ||
            lora_adamw_step(opt, pool, NULL, NULL) != LORA_OK) { free(ids); goto fail; }
        if (s >= warmup) times[s - warmup] = now() - t0;
    }
    free(ids);
    qsort(times, (size_t)steps, sizeof times[0], cmp_double);
    med = times[steps / 2];
    getrusage(RUSAGE_SELF, &ru);
    printf("SmolLM2 %s LoRA r8 q,k,v,o, batch %d x %d, %d threads (%s): median %.1f ms, min %.1f ms, %.1f tokens/s, peak RSS %.1f MiB\n",
           preset, B, T, lora_pool_threads(pool), lora_isa_name(lora_pool_isa(pool)), 1000 * med, 1000 * times[0], B * T / med,
           (double)ru.ru_maxrss / 1024.0);
    out = fopen(json, "w");
    if (!out) { fprintf(stderr, "bench-llama: cannot write %s\n", json); return 1; }
    fprintf(out, "[\n  {\"mode\": \"lora_smollm2\", \"preset\": \"%s\", \"batch\": %d, \"seq\": %d, \"threads\": %d, \"isa\": \"%s\", "
            "\"steps\": %d, \"median_ms\": %.2f, \"min_ms\": %.2f, \"tokens_per_s\": %.1f, \"peak_rss_mib\": %.1f}\n]\n",
            preset, B, T, lora_pool_threads(pool), lora_isa_name(lora_pool_isa(pool)), steps, 1000 * med, 1000 * times[0],
            B * T / med, (double)ru.ru_maxrss / 1024.0);
    fclose(out);
    lora_adamw_free(opt); lora_free(params); lora_model_set_adapter(m, NULL); lora_adapter_free(ad); lora_model_free(m);
    lora_pool_destroy(pool);
    return 0;
fail:
    fprintf(stderr, "bench-llama: %s\n", lora_last_error());
    return 1;
}
