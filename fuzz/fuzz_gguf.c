/* libFuzzer target for the GGUF reader (and the tokenizer built from GGUF keys).
   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_gguf.c -lm -lpthread -o fuzz-gguf
   ./fuzz-gguf fuzz/corpus/gguf
   Properties: no crash or leak; failures leave *out NULL with a message naming the file;
   accepted files have every tensor inside the buffer, at an aligned offset of the data section,
   nbytes consistent with the type's blocks, no two tensors overlapping, names unique and found
   by lora_gguf_find_tensor, keys unique and found; F32/F16/BF16/Q8_0 tensors convert; a file
   with tokenizer keys either gives a tokenizer that decodes its own tokens or an error. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define LORA_STATIC
#define LORA_IMPLEMENTATION
#include "lora.h"
#include <stdio.h>
#include <stdlib.h>

static void check(int ok, const char *what) {
    if (!ok) { fprintf(stderr, "fuzz_gguf: property violated: %s (%s)\n", what, lora_last_error()); abort(); }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lora_gguf *g = (lora_gguf *)1;
    lora_tokenizer *tok = (lora_tokenizer *)1;
    size_t i, j;
    lora_status s = lora_gguf_open_memory(data, size, "fuzz.gguf", &g);
    if (s != LORA_OK) {
        check(g == NULL && (s == LORA_ERR_FORMAT || s == LORA_ERR_UNSUPPORTED || s == LORA_ERR_OOM), "failure code");
        check(!strncmp(lora_last_error(), "fuzz.gguf: ", 11) || s == LORA_ERR_OOM, "message names the file");
        return 0;
    }
    check(g->alignment && !(g->alignment & (g->alignment - 1)) && g->data_offset % g->alignment == 0, "alignment");
    for (i = 0; i < g->n_kv; i++) check(lora_gguf_find_kv(g, g->kv[i].key) == &g->kv[i], "keys unique and found");
    for (i = 0; i < g->n_tensors; i++) {
        const lora_gguf_tensor *t = &g->tensors[i];
        const uint8_t *p = (const uint8_t *)t->data;
        int64_t numel = 1;
        int k;
        for (k = 0; k < LORA_GGUF_MAX_DIMS; k++) numel *= t->ne[k];
        check(numel == t->numel && lora_ggml_type_name(t->type) != NULL, "element count and type");
        check(t->offset % g->alignment == 0, "aligned offset");
        check(p >= data && (uint64_t)(p - data) == g->data_offset + t->offset && t->nbytes <= size - (size_t)(p - data), "inside the buffer");
        check(lora_gguf_find_tensor(g, t->name) == t, "names unique and found");
        for (j = 0; j < i; j++) {
            const lora_gguf_tensor *u = &g->tensors[j];
            check(!t->nbytes || !u->nbytes || t->offset >= u->offset + u->nbytes || u->offset >= t->offset + t->nbytes, "no overlap");
        }
        if (t->numel <= 4096 && (t->type == LORA_GGML_F32 || t->type == LORA_GGML_F16 || t->type == LORA_GGML_BF16 ||
                                 t->type == LORA_GGML_Q8_0)) {
            float buf[4096];
            check(lora_gguf_tensor_f32(g, t, buf, t->numel) == LORA_OK, "convertible tensor converts");
        }
    }
    s = lora_tokenizer_from_gguf(g, &tok);
    if (s == LORA_OK) {
        int32_t id;
        for (id = 0; id < lora_tokenizer_vocab_size(tok) && id < 512; id++) {
            size_t n;
            const char *b = lora_token_bytes(tok, id, &n);
            if (b) {
                int32_t *ids = NULL;
                size_t n_ids = 0;
                check(lora_encode(tok, b, n, 0, &ids, &n_ids) == LORA_OK && n_ids >= 1, "a token's bytes encode");
                lora_free(ids);
            }
        }
        lora_tokenizer_free(tok);
    } else {
        check(tok == NULL, "failed tokenizer leaves *out NULL");
    }
    lora_gguf_close(g);
    return 0;
}
