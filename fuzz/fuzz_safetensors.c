/* libFuzzer target for the safetensors reader (and writer, by round trip).
   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_safetensors.c -lm -lpthread -o fuzz-safetensors
   ./fuzz-safetensors fuzz/corpus/safetensors
   Properties: no crash or leak; failures name the file; accepted files have every tensor inside
   the buffer with nbytes = numel * dtype size; float tensors convert; the writer's serialisation
   of an accepted file parses back to the same tensors and metadata, and serialises identically. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define LORA_STATIC
#define LORA_IMPLEMENTATION
#include "lora.h"
#include <stdio.h>
#include <stdlib.h>

static void check(int ok, const char *what) {
    if (!ok) { fprintf(stderr, "fuzz_safetensors: property violated: %s (%s)\n", what, lora_last_error()); abort(); }
}

/* Serialises st in memory exactly as lora_st_write lays out a file. */
static unsigned char *serialise(const lora_safetensors *st, size_t *size) {
    lora_st_entry *e = (lora_st_entry *)calloc(st->n_tensors + 1, sizeof *e);
    const lora_st_entry **order = NULL;
    lora__buf hdr = {0, 0, 0, 0};
    uint64_t data_len = 0;
    unsigned char *out = NULL;
    size_t i, pos;
    int k;
    for (i = 0; i < st->n_tensors; i++) {
        const lora_st_tensor *t = &st->tensors[i];
        e[i].name = t->name; e[i].dtype = t->dtype; e[i].ndim = t->ndim;
        memcpy(e[i].shape, t->shape, sizeof t->shape);
        e[i].data = t->data;
        e[i].little_endian = 1;
    }
    check(lora__st_build_header("fuzz.out", e, st->n_tensors, (const char *const *)st->meta_keys,
                                (const char *const *)st->meta_values, st->n_meta, &hdr, &order, &data_len) == LORA_OK,
          "an accepted file can be written");
    *size = 8 + hdr.len + (size_t)data_len;
    out = (unsigned char *)malloc(*size);
    for (k = 0; k < 8; k++) out[k] = (unsigned char)((uint64_t)hdr.len >> (8 * k));
    memcpy(out + 8, hdr.data, hdr.len);
    pos = 8 + hdr.len;
    for (i = 0; i < st->n_tensors; i++) {
        size_t nb = (size_t)lora_st_find(st, order[i]->name)->nbytes;
        if (nb) memcpy(out + pos, order[i]->data, nb);
        pos += nb;
    }
    check(pos == *size, "data length");
    LORA_FREE(order);
    lora__buf_free(&hdr);
    free(e);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lora_safetensors *st = NULL, *st2 = NULL;
    unsigned char *img, *img2;
    size_t n, n2, i;
    lora_status s = lora_st_open_memory(data, size, "fuzz.safetensors", &st);
    if (s != LORA_OK) {
        check(st == NULL && (s == LORA_ERR_FORMAT || s == LORA_ERR_UNSUPPORTED), "failure code");
        check(!strncmp(lora_last_error(), "fuzz.safetensors: ", 18), "message names the file");
        return 0;
    }
    for (i = 0; i < st->n_tensors; i++) {
        const lora_st_tensor *t = &st->tensors[i];
        const uint8_t *p = (const uint8_t *)t->data;
        check(p >= data && p + t->nbytes <= data + size, "tensor inside the buffer");
        check(t->nbytes == (uint64_t)t->numel * lora_dtype_size(t->dtype), "nbytes = numel * size");
        check(lora_st_find(st, t->name) == t, "find by name");
        if (t->numel <= 4096 && (t->dtype == LORA_DT_F32 || t->dtype == LORA_DT_F16 || t->dtype == LORA_DT_BF16 || t->dtype == LORA_DT_F64)) {
            float buf[4096];
            check(lora_st_read_f32(st, t, buf, t->numel) == LORA_OK, "float tensor converts");
        }
    }
    img = serialise(st, &n);
    check(lora_st_open_memory(img, n, "fuzz.out", &st2) == LORA_OK, "serialised file parses");
    check(st2->n_tensors == st->n_tensors && st2->n_meta == st->n_meta, "same counts");
    for (i = 0; i < st->n_tensors; i++) {
        const lora_st_tensor *a = &st->tensors[i], *b = lora_st_find(st2, a->name);
        check(b != NULL, "tensor survives");
        check(a->dtype == b->dtype && a->ndim == b->ndim && !memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim), "same dtype and shape");
        check(a->nbytes == b->nbytes && (!a->nbytes || !memcmp(a->data, b->data, (size_t)a->nbytes)), "same bytes");
    }
    for (i = 0; i < st->n_meta; i++) {
        const char *v = lora_st_meta(st2, st->meta_keys[i]);
        check(v && !strcmp(v, st->meta_values[i]), "same metadata");
    }
    img2 = serialise(st2, &n2);
    check(n == n2 && !memcmp(img, img2, n), "serialisation is stable");
    free(img); free(img2);
    lora_st_close(st2);
    lora_st_close(st);
    return 0;
}
