/* bench-train: GPT-2 124M (random weights) training and inference speed and peak memory.
     build/bench-train [--threads 2] [--steps 5] [--json build/bench-train.json] [--quick]
   Each mode runs in its own process (so peak RSS is per mode):
     lora      LoRA r=8, alpha=16, c_attn+c_proj, AdamW, batch 4 x 128     (the reference LoRA step)
     full      full fine-tuning, AdamW on all 124M weights, batch 4 x 64
     infer     forward with logits for every position, batch 4 x 128
     generate  KV-cache generation: 16-token prompt + 128 new tokens (greedy); a "step" is the
               whole generation, tokens/s counts the new tokens
     lora-bf16 the lora step with the frozen weights in bf16 (gpt2_model_create_as)
     qa-all    LoRA step on the bundled QA set (data/qa_train.jsonl, prompt masking, packed
               samples), batch 16 x 64, every position's logits (training mode off: the unfused
               output layer, as before labelled-only logits)
     qa-lab    the same batches, labelled rows only (training mode: lora_lm_head_ce)
     xl-bf16   gpt2-xl LoRA r8 c_attn+c_proj, batch 1 x 256, frozen weights in bf16 (2 steps)
   --batch / --seq override a mode's shape.
   Prints a table and writes JSON. Compare with ../shared/oracle/bench_torch.py. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "lora.h"
#include "gpt2.h"
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
static double peak_rss_mib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One mode in this process; prints one JSON object line on stdout. */
static int run_mode(const char *mode, int threads, int steps, int warmup, const char *preset, int B_opt, int T_opt) {
    gpt2_config cfg;
    lora_pool *pool = NULL;
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_adamw *opt = NULL;
    lora_param *params = NULL;
    lora_adamw_config oc = lora_adamw_config_init();
    int n_params = 0, B = 4, T = strcmp(mode, "full") == 0 ? 64 : 128, i, s, gen = strcmp(mode, "generate") == 0;
    int qa = strncmp(mode, "qa-", 3) == 0, xl = strcmp(mode, "xl-bf16") == 0;
    int bf16 = strcmp(mode, "lora-bf16") == 0 || xl, lora = strcmp(mode, "lora") == 0 || bf16 || qa;
    int32_t *labels = NULL, *pos = NULL;
    lora_tokenizer *tok = NULL;
    lora_dataset *ds = NULL;
    lora_batcher *bt = NULL;
    int32_t out_ids[128];
    lora_sampler sc = lora_sampler_init();
    int32_t *ids;
    double times[64], med, t0, mn;
    lora_rng rng;
    if (steps > 64) steps = 64;
    if (qa) { B = 16; T = 64; }
    if (xl) { preset = "gpt2-xl"; B = 1; T = 256; }
    if (B_opt > 0) B = B_opt;
    if (T_opt > 0) T = T_opt;
    if (gpt2_config_preset(preset, &cfg) != LORA_OK || lora_pool_create(&pool, threads) != LORA_OK ||
        gpt2_model_create_as(&cfg, pool, bf16 ? LORA_DT_BF16 : LORA_DT_F32, &m) != LORA_OK) {
        fprintf(stderr, "bench-train: %s\n", lora_last_error());
        return 1;
    }
    gpt2_model_init_random(m, 1);
    ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)B * T);
    lora_rng_seed(&rng, 7);
    for (i = 0; i < B * T; i++) ids[i] = (int32_t)(lora_rng_u32(&rng) % (uint32_t)cfg.vocab_size);
    oc.lr = 1e-4; oc.weight_decay = 0;
    labels = (int32_t *)malloc(sizeof(int32_t) * (size_t)B * T);
    pos = (int32_t *)malloc(sizeof(int32_t) * (size_t)B * T);
    memcpy(labels, ids, sizeof(int32_t) * (size_t)B * T);
    if (qa) {   /* prompt-masked QA rows, packed separate samples, as lora-finetune --data feeds them */
        if (lora_tokenizer_load("data/gpt2-tokenizer", &tok) != LORA_OK ||
            lora_data_load_jsonl("data/qa_train.jsonl", tok, NULL, &ds) != LORA_OK ||
            lora_batcher_create(ds, B, T, 0, 1, &bt) != LORA_OK) goto fail;
    }
    if (lora) {
        static const char *const targets[] = {"c_attn", "c_proj"};
        lora_config lc = lora_config_init();
        lc.r = 8; lc.alpha = 16; lc.target.targets = targets; lc.target.n_targets = 2;
        if (gpt2_lora_create(m, &lc, &ad) != LORA_OK || gpt2_model_set_adapter(m, ad) != LORA_OK) goto fail;
    } else if (strcmp(mode, "full") == 0) {
        if (gpt2_model_set_full_finetune(m, 1) != LORA_OK) goto fail;
    }
    if (ad || strcmp(mode, "full") == 0) {
        if (gpt2_trainable_params(m, &params, &n_params) != LORA_OK || lora_adamw_create(&oc, params, n_params, &opt) != LORA_OK) goto fail;
        gpt2_model_set_training(m, strcmp(mode, "qa-all") != 0, 1);
    }
    for (s = 0; s < warmup + steps; s++) {
        float loss;
        t0 = now();
        if (gen) {
            int n_out = 0;
            sc.greedy = 1;
            if (lora_generate(gpt2_model_base(m), ids, 16, 128, &sc, 0, out_ids, &n_out, NULL, NULL) != LORA_OK) goto fail;
        } else if (opt) {
            if (bt && lora_batcher_next(bt, ids, labels, pos) != LORA_OK) goto fail;
            gpt2_zero_grad(m);
            if (gpt2_forward_positions(m, ids, labels, bt ? pos : NULL, B, T, &loss) != LORA_OK || gpt2_backward(m) != LORA_OK ||
                lora_adamw_step(opt, pool, NULL, NULL) != LORA_OK) goto fail;
        } else if (gpt2_forward(m, ids, NULL, B, T, NULL) != LORA_OK) goto fail;
        if (s >= warmup) times[s - warmup] = now() - t0;
    }
    qsort(times, (size_t)steps, sizeof times[0], cmp_double);
    med = times[steps / 2]; mn = times[0];
    printf("{\"mode\": \"%s\", \"preset\": \"%s\", \"batch\": %d, \"seq\": %d, \"threads\": %d, \"isa\": \"%s\", \"steps\": %d, "
           "\"median_ms\": %.2f, \"min_ms\": %.2f, \"tokens_per_s\": %.1f, \"peak_rss_mib\": %.1f}\n",
           mode, preset, gen ? 1 : B, gen ? 128 : T, lora_pool_threads(pool), lora_wmat_kernel_name(pool, bf16 ? LORA_DT_BF16 : LORA_DT_F32), steps, 1000 * med,
           1000 * mn, (gen ? 128.0 : (double)B * T) / med, peak_rss_mib());
    lora_adamw_free(opt); free(params); lora_adapter_free(ad); gpt2_model_free(m); lora_pool_destroy(pool); free(ids);
    free(labels); free(pos); lora_batcher_free(bt); lora_data_free(ds); lora_tokenizer_free(tok);
    return 0;
fail:
    fprintf(stderr, "bench-train: %s\n", lora_last_error());
    return 1;
}

int main(int argc, char **argv) {
    const char *mode = NULL, *json = "build/bench-train.json", *preset = "gpt2";
    int threads = 2, steps = 5, warmup = 2, i, B_opt = 0, T_opt = 0, quick = 0;
    static const char *const modes[] = {"lora", "lora-bf16", "lora", "lora-bf16", "full", "infer", "generate",
                                        "qa-all", "qa-lab", "qa-all", "qa-lab", "xl-bf16"};
    FILE *out;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) mode = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) steps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc) warmup = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) json = argv[++i];
        else if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc) preset = argv[++i];
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) B_opt = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seq") == 0 && i + 1 < argc) T_opt = atoi(argv[++i]);
        else if (strcmp(argv[i], "--quick") == 0) { steps = 2; warmup = 1; quick = 1; }
        else if (argv[i][0] != '-') json = argv[i];   /* bench/run.sh passes the JSON path */
        else { fprintf(stderr, "usage: bench-train [--threads N] [--steps N] [--warmup N] [--json F] [--preset P] [--batch B] [--seq T] [--mode lora|lora-bf16|full|infer|generate|qa-all|qa-lab|xl-bf16]\n"); return 2; }
    }
    if (steps < 1) steps = 1;
    if (mode) return run_mode(mode, threads, steps, warmup, preset, B_opt, T_opt);
    out = fopen(json, "w");
    if (!out) { fprintf(stderr, "bench-train: cannot write %s\n", json); return 1; }
    fprintf(out, "[\n");
    printf("GPT-2 %s, random weights, %d threads, median of %d steps after %d warm-up\n", preset, threads, steps, warmup);
    printf("(lora / lora-bf16 and qa-all / qa-lab run twice, alternating: the machine drifts)\n");
    printf("%-9s %5s %5s %12s %12s %12s %14s\n", "mode", "batch", "seq", "median ms", "min ms", "tokens/s", "peak RSS MiB");
    for (i = 0; i < (int)(sizeof modes / sizeof modes[0]); i++) {
        char cmd[1024], line[1024];
        FILE *p;
        int xl = strcmp(modes[i], "xl-bf16") == 0;
        if (xl && quick) continue;
        snprintf(cmd, sizeof cmd, "%s --mode %s --threads %d --steps %d --warmup %d --preset %s", argv[0], modes[i], threads,
                 xl ? 2 : steps, xl ? 1 : warmup, preset);
        p = popen(cmd, "r");
        if (!p || !fgets(line, sizeof line, p)) { fprintf(stderr, "bench-train: mode %s failed\n", modes[i]); if (p) pclose(p); continue; }
        pclose(p);
        {
            char m[16] = "";
            int b = 0, t = 0;
            double med = 0, mn = 0, tps = 0, rss = 0;
            const char *q;
            if ((q = strstr(line, "\"mode\": \""))) sscanf(q + 9, "%15[^\"]", m);
            if ((q = strstr(line, "\"batch\": "))) b = atoi(q + 9);
            if ((q = strstr(line, "\"seq\": "))) t = atoi(q + 7);
            if ((q = strstr(line, "\"median_ms\": "))) med = atof(q + 13);
            if ((q = strstr(line, "\"min_ms\": "))) mn = atof(q + 10);
            if ((q = strstr(line, "\"tokens_per_s\": "))) tps = atof(q + 16);
            if ((q = strstr(line, "\"peak_rss_mib\": "))) rss = atof(q + 16);
            printf("%-9s %5d %5d %12.1f %12.1f %12.1f %14.1f\n", m, b, t, med, mn, tps, rss);
            fflush(stdout);
        }
        line[strcspn(line, "\n")] = 0;
        fprintf(out, "%s  %s\n", i ? "," : " ", line);
    }
    fprintf(out, "]\n");
    fclose(out);
    printf("wrote %s\n", json);
    return 0;
}
