/* libFuzzer target: Hugging Face tokenizer.json files, loaded and used.
   Build and run from the repository root:
     clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_tokenizer_hf.c -lm -lpthread -o build/fuzz-tokenizer-hf
     build/fuzz-tokenizer-hf fuzz/corpus/tokenizer_hf
   Input: the first byte selects the mode.
     even: the rest is a tokenizer.json (seeds: small valid files); loading must fail cleanly or
           give a tokenizer that encodes a fixed ASCII text so that decoding gives it back (unless its
           alphabet lacks bytes, which BPE then drops).
     odd:  the rest is text, encoded with the committed compact Qwen3 (NFC, Qwen2 pattern) and
           Llama 3 (\p{N}{1,3}, ignore_merges) files (bit 1: allow_special); every id is in the
           vocabulary, the pre-tokens cover each section, and decode(encode(x)) == x, or for Qwen
           when x is not in NFC, encode(decode(encode(x))) == encode(x).
   (The target includes the implementation, so it calls internals: lora__load_hf, lora__is_nfc,
   lora__pretoken_split.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define LORA_IMPLEMENTATION
#include "lora.h"

#define FUZZ_REQUIRE(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static lora_tokenizer *fuzz_qwen, *fuzz_llama;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    if (lora_tokenizer_load("tests/fixtures/tokenizer/hf/qwen3", &fuzz_qwen) != LORA_OK ||
        lora_tokenizer_load("tests/fixtures/tokenizer/hf/llama3", &fuzz_llama) != LORA_OK) {
        fprintf(stderr, "fuzz_tokenizer_hf: cannot load the fixtures: %s\n", lora_last_error());
        abort();
    }
    return 0;
}

static void check_text(const lora_tokenizer *tok, const char *text, size_t len, int special) {
    int32_t *ids = NULL, *again = NULL;
    size_t n = 0, bl = 0, na = 0, i;
    char *back = NULL;
    if (lora_encode(tok, text, len, special, &ids, &n) != LORA_OK) return; /* OOM only */
    for (i = 0; i < n; i++) FUZZ_REQUIRE(ids[i] >= 0 && ids[i] < lora_tokenizer_vocab_size(tok));
    FUZZ_REQUIRE(lora_decode(tok, ids, n, &back, &bl) == LORA_OK);
    if (tok->byte_gaps) {
        /* a restricted alphabet drops bytes: nothing to compare */
    } else if (!tok->nfc || lora__is_nfc((const unsigned char *)text, len)) {
        FUZZ_REQUIRE(bl == len && memcmp(back, text, len) == 0);
    } else {
        FUZZ_REQUIRE(lora_encode(tok, back, bl, special, &again, &na) == LORA_OK);
        FUZZ_REQUIRE(na == n && memcmp(again, ids, n * sizeof *ids) == 0);
    }
    if (tok->pretok != LORA__PRE_GPT2) { /* the pre-tokens tile the text */
        size_t at = 0;
        while (at < len) {
            size_t k = lora__pretoken_split((const unsigned char *)text + at, len - at, tok->pretok == LORA__PRE_LLAMA3 ? 3 : 1);
            FUZZ_REQUIRE(k >= 1 && k <= len - at);
            at += k;
        }
    }
    lora_free(ids); lora_free(again); lora_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    if (data[0] & 1) {
        check_text(fuzz_qwen, (const char *)data + 1, size - 1, (data[0] >> 1) & 1);
        check_text(fuzz_llama, (const char *)data + 1, size - 1, (data[0] >> 1) & 1);
    } else {
        static const char text[] = "Hello world! It's 12345 <|im_end|>\n\n  x\ty";
        lora_tokenizer *tok = NULL;
        if (lora__load_hf((const char *)data + 1, size - 1, "fuzz", NULL, 0, NULL, &tok) == LORA_OK) {
            check_text(tok, text, sizeof text - 1, 1);
            check_text(tok, text, sizeof text - 1, 0);
            lora_tokenizer_free(tok);
        }
    }
    return 0;
}
