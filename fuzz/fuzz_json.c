/* libFuzzer target for the JSON parser.
   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_json.c -lm -lpthread -o fuzz-json
   ./fuzz-json fuzz/corpus/json
   Properties: no crash or leak; failures carry "source:line:col: "; accepted documents hold
   valid UTF-8 strings, re-serialise (compact writer) to text that parses to the same tree and
   serialises identically again; lookups find the last duplicate key. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define LORA_STATIC
#define LORA_IMPLEMENTATION
#include "lora.h"
#include <stdio.h>
#include <stdlib.h>

static void check(int ok, const char *what) {
    if (!ok) { fprintf(stderr, "fuzz_json: property violated: %s (%s)\n", what, lora_last_error()); abort(); }
}

static int same_tree(const lora_json *a, const lora_json *b) {
    size_t i;
    if (a->type != b->type) return 0;
    switch (a->type) {
    case LORA_JSON_NUMBER: return !memcmp(&a->number, &b->number, sizeof a->number) && a->len == b->len && !memcmp(a->str, b->str, a->len);
    case LORA_JSON_STRING: return a->len == b->len && !memcmp(a->str, b->str, a->len) && a->str[a->len] == 0;
    case LORA_JSON_ARRAY: case LORA_JSON_OBJECT:
        if (a->n != b->n) return 0;
        for (i = 0; i < a->n; i++) {
            if (a->type == LORA_JSON_OBJECT && (a->key_lens[i] != b->key_lens[i] || memcmp(a->keys[i], b->keys[i], a->key_lens[i]) || a->keys[i][a->key_lens[i]]))
                return 0;
            if (!same_tree(&a->items[i], &b->items[i])) return 0;
        }
        return 1;
    default: return 1;
    }
}

static void walk(const lora_json *v) {
    size_t i;
    if (v->type == LORA_JSON_STRING) check(lora__utf8_valid(v->str, v->len), "string is valid UTF-8");
    if (v->type == LORA_JSON_NUMBER) check(v->number - v->number == 0, "number is finite");
    if (v->type == LORA_JSON_OBJECT)
        for (i = 0; i < v->n; i++) {
            const lora_json *g;
            check(lora__utf8_valid(v->keys[i], v->key_lens[i]), "key is valid UTF-8");
            if (strlen(v->keys[i]) == v->key_lens[i]) {
                size_t k, last = i;
                for (k = i + 1; k < v->n; k++)
                    if (v->key_lens[k] == v->key_lens[i] && !memcmp(v->keys[k], v->keys[i], v->key_lens[i])) last = k;
                g = lora_json_get(v, v->keys[i]);
                check(g == &v->items[last], "lookup returns the last duplicate");
            }
        }
    if (v->type == LORA_JSON_ARRAY || v->type == LORA_JSON_OBJECT)
        for (i = 0; i < v->n; i++) walk(&v->items[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lora_json *j = NULL, *j2 = NULL;
    lora__buf b1 = {0, 0, 0, 0}, b2 = {0, 0, 0, 0};
    lora_status s = lora_json_parse((const char *)data, size, "fuzz", &j);
    if (s != LORA_OK) {
        check(s == LORA_ERR_FORMAT && j == NULL, "failure is LORA_ERR_FORMAT");
        check(!strncmp(lora_last_error(), "fuzz:", 5), "message names the source");
        return 0;
    }
    walk(j);
    lora__json_write_value(&b1, j);
    check(!b1.failed, "writer");
    check(lora_json_parse(b1.data, b1.len, "rt", &j2) == LORA_OK, "written text parses");
    check(same_tree(j, j2), "round trip keeps the tree");
    lora__json_write_value(&b2, j2);
    check(b1.len == b2.len && !memcmp(b1.data, b2.data, b1.len), "writing is stable");
    lora__buf_free(&b1);
    lora__buf_free(&b2);
    lora_json_free(j);
    lora_json_free(j2);
    return 0;
}
