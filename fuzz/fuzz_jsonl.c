/* libFuzzer target: lora_data_load_jsonl_memory with the real GPT-2 tokenizer.
   Build and run from the repository root:
     clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_jsonl.c -lm -lpthread -o build/fuzz-jsonl
     build/fuzz-jsonl fuzz/corpus/jsonl
   The tokenizer is loaded once from data/gpt2-tokenizer (or $GPT2_TOKENIZER_DIR).
   Input: the first byte picks the configuration (bits 0-2: format % 5, bit 3: no prompt
   masking, bit 4: no EOT, bit 5: pack = 0, bits 6-7: seq = 1, 6, 11, 16), the rest is the
   jsonl text. Besides the sanitizers, the target checks the dataset's invariants (offsets,
   labels, ids), that errors carry a "source:" message, and exercises split and batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"

static lora_tokenizer *fuzz_tok;

#define FUZZ_REQUIRE(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    const char *dir = getenv("GPT2_TOKENIZER_DIR");
    (void)argc; (void)argv;
    if (lora_tokenizer_load(dir && *dir ? dir : "data/gpt2-tokenizer", &fuzz_tok) != LORA_OK) {
        fprintf(stderr, "fuzz_jsonl: cannot load the tokenizer: %s\n", lora_last_error());
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lora_data_config cfg = lora_data_config_init();
    lora_dataset *ds = NULL;
    char *text;
    size_t len, i;
    lora_status s;
    int vocab = lora_tokenizer_vocab_size(fuzz_tok);
    if (size == 0) return 0;
    cfg.format = (lora_data_format)((data[0] & 7) % 5);
    cfg.mask_prompt = !(data[0] & 8);
    cfg.add_eot = !(data[0] & 16);
    cfg.pack = !(data[0] & 32);
    cfg.seq = 1 + 5 * (data[0] >> 6);
    len = size - 1;
    text = (char *)malloc(len ? len : 1); /* exactly len bytes, no terminator: overreads are caught */
    if (!text) return 0;
    if (len) memcpy(text, data + 1, len);
    s = lora_data_load_jsonl_memory(text, len, "fuzz.jsonl", fuzz_tok, &cfg, &ds);
    free(text);
    if (s != LORA_OK) {
        FUZZ_REQUIRE(ds == NULL);
        FUZZ_REQUIRE(strncmp(lora_last_error(), "fuzz.jsonl", 10) == 0 || s == LORA_ERR_OOM);
        return 0;
    }
    FUZZ_REQUIRE(ds && ds->n_samples > 0 && ds->sample_start[0] == 0 && ds->sample_start[ds->n_samples] == ds->n_tokens);
    for (i = 0; i < ds->n_samples; i++) {
        FUZZ_REQUIRE(ds->sample_start[i] < ds->sample_start[i + 1]);
        if (!cfg.pack) FUZZ_REQUIRE(ds->sample_start[i + 1] - ds->sample_start[i] == (size_t)cfg.seq);
    }
    for (i = 0; i < ds->n_tokens; i++) {
        FUZZ_REQUIRE(ds->tokens[i] >= 0 && ds->tokens[i] < vocab);
        FUZZ_REQUIRE(ds->labels[i] == -100 || ds->labels[i] == ds->tokens[i]);
        if (!cfg.mask_prompt && cfg.pack) FUZZ_REQUIRE(ds->labels[i] == ds->tokens[i]);
    }
    if (cfg.add_eot && cfg.pack)
        for (i = 0; i < ds->n_samples; i++) FUZZ_REQUIRE(ds->labels[ds->sample_start[i + 1] - 1] == GPT2_EOT);
    { /* split and batch on the result */
        lora_dataset *tr = NULL, *va = NULL;
        int32_t in[8], lab[8];
        size_t pos = 0;
        FUZZ_REQUIRE(lora_data_split(ds, 0.5, size, &tr, &va) == LORA_OK);
        FUZZ_REQUIRE(tr->n_tokens + va->n_tokens == ds->n_tokens && tr->n_samples + va->n_samples == ds->n_samples);
        lora_data_free(tr); lora_data_free(va);
        if (ds->n_tokens >= 8) {
            for (i = 0; i < 4; i++) {
                FUZZ_REQUIRE(lora_data_batch(ds, &pos, 2, 4, in, lab) == LORA_OK);
                FUZZ_REQUIRE(pos + 8 <= ds->n_tokens);
            }
        } else {
            FUZZ_REQUIRE(lora_data_batch(ds, &pos, 2, 4, in, lab) == LORA_ERR_RANGE);
        }
    }
    lora_data_free(ds);
    return 0;
}
