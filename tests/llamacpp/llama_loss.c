/* Mean next-token loss of an id sequence under llama.cpp (its C API), for checking lora.h's
   GGUF files against llama.cpp itself (tests/llamacpp/run.sh; not part of make test).
     llama-loss MODEL.gguf [--lora ADAPTER.gguf] IDS.txt       (ids separated by spaces)
   prints the loss: mean over t of -log softmax(logits[t])[ids[t+1]], in double. The KV cache is
   F32 so that the comparison measures the files, not the cache's rounding. */
#include "llama.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet(enum ggml_log_level level, const char *text, void *user) {
    (void)user;
    if (level >= GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static bool no_progress(float progress, void *user) { (void)progress; (void)user; return true; }

int main(int argc, char **argv) {
    const char *model_path = NULL, *lora_path = NULL, *ids_path = NULL;
    int32_t ids[4096];
    int n = 0, i, v, n_vocab;
    double total = 0;
    FILE *f;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lora") == 0 && i + 1 < argc) lora_path = argv[++i];
        else if (!model_path) model_path = argv[i];
        else ids_path = argv[i];
    }
    if (!model_path || !ids_path) { fprintf(stderr, "usage: llama-loss MODEL.gguf [--lora A.gguf] IDS.txt\n"); return 2; }
    if (!(f = fopen(ids_path, "r"))) { perror(ids_path); return 1; }
    while (n < 4096 && fscanf(f, "%d", &ids[n]) == 1) n++;
    fclose(f);
    if (n < 2) { fprintf(stderr, "need at least 2 ids\n"); return 1; }
    llama_log_set(quiet, NULL);
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    mp.progress_callback = no_progress;
    struct llama_model *model = llama_model_load_from_file(model_path, mp);
    if (!model) { fprintf(stderr, "llama.cpp could not load %s\n", model_path); return 1; }
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t)n; cp.n_batch = (uint32_t)n; cp.n_ubatch = (uint32_t)n;
    cp.type_k = GGML_TYPE_F32; cp.type_v = GGML_TYPE_F32;
    cp.n_threads = 1; cp.n_threads_batch = 1;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "llama.cpp could not create a context\n"); return 1; }
    if (lora_path) {
        struct llama_adapter_lora *ad = llama_adapter_lora_init(model, lora_path);
        if (!ad || llama_set_adapter_lora(ctx, ad, 1.0f) != 0) { fprintf(stderr, "llama.cpp could not apply %s\n", lora_path); return 1; }
    }
    struct llama_batch batch = llama_batch_init(n, 0, 1);
    for (i = 0; i < n; i++) {
        batch.token[i] = ids[i]; batch.pos[i] = i; batch.n_seq_id[i] = 1; batch.seq_id[i][0] = 0; batch.logits[i] = 1;
    }
    batch.n_tokens = n;
    if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "llama_decode failed\n"); return 1; }
    n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    for (i = 0; i + 1 < n; i++) {
        const float *lg = llama_get_logits_ith(ctx, i);
        double mx = lg[0], se = 0;
        for (v = 1; v < n_vocab; v++) if (lg[v] > mx) mx = lg[v];
        for (v = 0; v < n_vocab; v++) se += exp((double)lg[v] - mx);
        total += mx + log(se) - (double)lg[ids[i + 1]];
    }
    printf("%.9f\n", total / (n - 1));
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
