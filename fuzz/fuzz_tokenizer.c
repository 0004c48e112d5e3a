/* libFuzzer target: lora_encode / lora_decode with the real GPT-2 vocabulary.
   Build and run from the repository root:
     clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_tokenizer.c -lm -lpthread -o build/fuzz-tokenizer
     build/fuzz-tokenizer fuzz/corpus/tokenizer
   The tokenizer is loaded once from data/gpt2-tokenizer (or $GPT2_TOKENIZER_DIR).
   Input: the first byte's bit 0 sets allow_special; the rest is the text (any bytes).
   (The target includes the implementation, so it also calls internals: lora__bpe_short,
   lora__bpe_long, lora__word_find.)
   Checks: decode(encode(x)) == x; every id is in the vocabulary; the pre-tokens cover the
   text; for every pre-token the short (rank array) and the long (heap) BPE loops agree,
   and the whole-word fast path gives what BPE gives. */
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
        fprintf(stderr, "fuzz_tokenizer: cannot load the tokenizer: %s\n", lora_last_error());
        abort();
    }
    return 0;
}

/* Runs both BPE loops (and the fast path) on w[0..n) and compares them; a and b are
   reserved for at least n + LORA__LONG_WORD symbols, so that the heap arrays exist. */
static void check_bpe(const lora_tokenizer *tok, lora__scratch *a, lora__scratch *b, const unsigned char *w, size_t n) {
    size_t i, na, nb;
    int32_t fast;
    if (n < 2) return;
    for (i = 0; i < n; i++) a->sym[i] = b->sym[i] = tok->byte_id[w[i]];
    na = lora__bpe_short(tok, a, n);
    nb = lora__bpe_long(tok, b, n);
    FUZZ_REQUIRE(na == nb && memcmp(a->sym, b->sym, na * sizeof(int32_t)) == 0);
    fast = tok->word_slot ? lora__word_find(tok, w, n) : -1;
    FUZZ_REQUIRE(fast < 0 || (na == 1 && a->sym[0] == fast));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text;
    size_t len, n_ids = 0, back_len = 0, i, k;
    int32_t *ids = NULL;
    char *back = NULL;
    int special;
    lora__scratch a, b;
    if (size == 0) return 0;
    special = data[0] & 1;
    text = (const char *)data + 1;
    len = size - 1;
    FUZZ_REQUIRE(lora_encode(fuzz_tok, text, len, special, &ids, &n_ids) == LORA_OK);
    FUZZ_REQUIRE(n_ids <= len);
    for (i = 0; i < n_ids; i++) FUZZ_REQUIRE(ids[i] >= 0 && ids[i] < lora_tokenizer_vocab_size(fuzz_tok));
    FUZZ_REQUIRE(lora_decode(fuzz_tok, ids, n_ids, &back, &back_len) == LORA_OK);
    FUZZ_REQUIRE(back_len == len && memcmp(back, text, len) == 0 && back[len] == 0);
    lora_free(ids);
    lora_free(back);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    FUZZ_REQUIRE(lora__scratch_reserve(&a, len + LORA__LONG_WORD) == LORA_OK);
    FUZZ_REQUIRE(lora__scratch_reserve(&b, len + LORA__LONG_WORD) == LORA_OK);
    for (i = 0; i < len; i += k) {
        k = lora_pretoken_length(text + i, len - i);
        FUZZ_REQUIRE(k > 0 && k <= len - i);
        check_bpe(fuzz_tok, &a, &b, (const unsigned char *)text + i, k);
    }
    lora__scratch_free(&a);
    lora__scratch_free(&b);
    return 0;
}
