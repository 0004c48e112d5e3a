/* libFuzzer target: lora_tokenizer_load_memory on arbitrary vocabulary / merges text.
   Build and run from the repository root:
     clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_tokenizer_load.c -lm -lpthread -o build/fuzz-tokenizer-load
     build/fuzz-tokenizer-load fuzz/corpus/tokenizer_load
   Input: the vocabulary JSON, a 0xFF byte (never in UTF-8 text), the merges text, optionally
   another 0xFF and more text (no 0xFF at all: the whole input is the JSON). Checks: a failure
   leaves *out NULL with a message; a tokenizer that loads encodes the whole input and decodes
   it back exactly, with the short
   and the long BPE loops agreeing on every pre-token (arbitrary merge tables reach orders
   that the GPT-2 table never does), and the fast path agreeing with BPE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"

#define FUZZ_REQUIRE(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    const uint8_t *sep = (const uint8_t *)memchr(data, 0xFF, size);
    size_t vlen = sep ? (size_t)(sep - data) : size;
    const char *merges = sep ? (const char *)sep + 1 : "";
    const uint8_t *sep2 = sep ? (const uint8_t *)memchr(sep + 1, 0xFF, size - vlen - 1) : NULL;
    size_t mlen = sep ? (sep2 ? (size_t)(sep2 - sep) - 1 : size - vlen - 1) : 0, n_ids = 0, back_len = 0, i, k;
    lora_tokenizer *tok = (lora_tokenizer *)&size; /* must be reset to NULL on failure */
    lora_status s;
    int32_t *ids = NULL;
    char *back = NULL;
    lora__scratch a, b;
    lora_clear_error();
    s = lora_tokenizer_load_memory((const char *)data, vlen, merges, mlen, &tok);
    if (s != LORA_OK) {
        FUZZ_REQUIRE(tok == NULL);
        FUZZ_REQUIRE(lora_last_error()[0] != 0);
        return 0;
    }
    FUZZ_REQUIRE(tok != NULL && lora_tokenizer_vocab_size(tok) >= 256);
    FUZZ_REQUIRE(lora_encode(tok, (const char *)data, size, (int)(size & 1), &ids, &n_ids) == LORA_OK);
    for (i = 0; i < n_ids; i++) FUZZ_REQUIRE(ids[i] >= 0 && ids[i] < lora_tokenizer_vocab_size(tok));
    FUZZ_REQUIRE(lora_decode(tok, ids, n_ids, &back, &back_len) == LORA_OK);
    FUZZ_REQUIRE(back_len == size && memcmp(back, data, size) == 0);
    lora_free(ids);
    lora_free(back);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    FUZZ_REQUIRE(lora__scratch_reserve(&a, size + LORA__LONG_WORD) == LORA_OK);
    FUZZ_REQUIRE(lora__scratch_reserve(&b, size + LORA__LONG_WORD) == LORA_OK);
    for (i = 0; i < size; i += k) {
        k = lora_pretoken_length((const char *)data + i, size - i);
        FUZZ_REQUIRE(k > 0 && k <= size - i);
        check_bpe(tok, &a, &b, data + i, k);
    }
    check_bpe(tok, &a, &b, data, size); /* the whole input as one word: the heap loop on long inputs */
    lora__scratch_free(&a);
    lora__scratch_free(&b);
    lora_tokenizer_free(tok);
    return 0;
}
