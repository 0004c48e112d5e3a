/* libFuzzer target: llama.h's config.json reader (llama_config_read) and what a config builds.
   Build and run from the repository root:
     clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_llama_config.c -lm -lpthread -o build-fuzz/fuzz_llama_config
     build-fuzz/fuzz_llama_config fuzz/corpus/llama_config
   Each input is written to ($TMPDIR or /tmp)/fuzz_llama_config.<pid>/config.json and read.
   Checks: a failure sets a message naming the file (or is an OOM); an accepted config passes
   llama_config_check, has a parameter count >= 0 and, when small (under 200,000 parameters and 64
   positions' worth of attention), builds a model whose forward, full backward and KV step run on a
   few tokens (any size, head_dim, window, rope scaling the reader accepts must compute), and saves
   and reloads with the same config values. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#define LORA_IMPLEMENTATION
#include "lora.h"
#define LLAMA_IMPLEMENTATION
#include "llama.h"

#define FUZZ_REQUIRE(c) do { if (!(c)) { fprintf(stderr, "fuzz_llama_config: invariant failed: %s (line %d): %s\n", #c, __LINE__, lora_last_error()); abort(); } } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[512], fuzz_cfg[600], fuzz_model[600];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    const char *tmp = getenv("TMPDIR");
    (void)argc; (void)argv;
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/fuzz_llama_config.%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
    mkdir(fuzz_dir, 0700);
    snprintf(fuzz_cfg, sizeof fuzz_cfg, "%s/config.json", fuzz_dir);
    snprintf(fuzz_model, sizeof fuzz_model, "%s/out/model.safetensors", fuzz_dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FILE *f = fopen(fuzz_cfg, "wb");
    llama_config c, c2;
    lora_status s;
    if (!f) return 0;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    memset(&c, 0, sizeof c);
    s = llama_config_read(fuzz_cfg, &c);
    if (s != LORA_OK) {
        FUZZ_REQUIRE(s == LORA_ERR_OOM || strstr(lora_last_error(), "config.json") != NULL);
        return 0;
    }
    FUZZ_REQUIRE(llama_config_check(&c) == LORA_OK);
    FUZZ_REQUIRE(llama_config_num_params(&c) >= 0);
    if (llama_config_num_params(&c) < 200000 && (int64_t)c.n_head * c.head_dim <= 4096 && c.intermediate_size <= 4096) {
        llama_model *m = NULL;
        int32_t ids[6];
        float loss, logits_dummy;
        int i, T = 3;
        lora_kv *kv = NULL;
        lora_model *b;
        (void)logits_dummy;
        if (llama_model_create(&c, NULL, &m) != LORA_OK) return 0;
        b = llama_model_base(m);
        llama_model_init_random(m, 1);
        for (i = 0; i < 2 * T; i++) ids[i] = i % c.vocab_size;
        s = lora_model_forward(b, ids, ids, 2, T, &loss);
        FUZZ_REQUIRE(s == LORA_OK || s == LORA_ERR_UNSUPPORTED || s == LORA_ERR_OOM);
        if (s == LORA_OK && lora_model_set_full_finetune(b, 1) == LORA_OK) {
            s = lora_model_backward(b);
            FUZZ_REQUIRE(s == LORA_OK || s == LORA_ERR_NUMERIC);
        }
        if (c.max_position_embeddings >= T && lora_kv_create(b, T, &kv) == LORA_OK) {
            float *lg = (float *)malloc(sizeof(float) * (size_t)c.vocab_size);
            if (lg) FUZZ_REQUIRE(lora_forward_cached(b, kv, ids, T, lg) == LORA_OK || c.rope_type == LLAMA_ROPE_DYNAMIC);
            free(lg);
            lora_kv_free(b, kv);
        }
        if (llama_model_save(m, fuzz_model) == LORA_OK) {
            char cpath[700];
            snprintf(cpath, sizeof cpath, "%s/out/config.json", fuzz_dir);
            FUZZ_REQUIRE(llama_config_read(cpath, &c2) == LORA_OK);
            FUZZ_REQUIRE(c2.arch == c.arch && c2.n_layer == c.n_layer && c2.hidden_size == c.hidden_size &&
                         c2.n_head == c.n_head && c2.n_kv_head == c.n_kv_head && c2.head_dim == c.head_dim &&
                         c2.rope_type == c.rope_type && c2.rms_norm_eps == c.rms_norm_eps && c2.rope_theta == c.rope_theta &&
                         c2.tie_word_embeddings == c.tie_word_embeddings);
            for (i = 0; i < c.n_layer; i++) FUZZ_REQUIRE(llama_config_layer_window(&c2, i) == llama_config_layer_window(&c, i));
        }
        llama_model_free(m);
    }
    return 0;
}
