/* libFuzzer target for the regex engine and PEFT's target rules (src/lora/50_pattern.*).
   Input: byte 0 = split point k; the next k bytes (mod what is left) are the pattern, the rest is
   the text. Pattern and text are cut at the first NUL (C strings). Compiles, runs fullmatch and
   search (must agree: a full match is a match), the layer index, and lora_select_targets with the
   pattern as target regex / exclude regex / layers_pattern over a few names including the text.
     clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_pattern.c -lm -lpthread -o build/fuzz-pattern
     build/fuzz-pattern -max_total_time=300 fuzz/corpus/pattern */
#define LORA_IMPLEMENTATION
#include "lora.h"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    char *pat, *text;
    size_t k, rest;
    lora_regex *re = NULL;
    lora_status s;
    if (size < 1 || size > 4096) return 0;
    rest = size - 1;
    k = rest ? data[0] % (rest + 1) : 0;
    pat = (char *)malloc(k + 1);
    text = (char *)malloc(rest - k + 1);
    if (!pat || !text) { free(pat); free(text); return 0; }
    memcpy(pat, data + 1, k);
    pat[k] = 0;
    memcpy(text, data + 1 + k, rest - k);
    text[rest - k] = 0;

    s = lora_regex_compile(pat, &re);
    if (s == LORA_OK) {
        int f = lora_regex_fullmatch(re, text), m = lora_regex_search(re, text);
        if (f < 0 || m < 0 || (f && !m)) abort(); /* fullmatch implies search */
        if (lora_regex_fullmatch(re, "") < 0) abort();
        lora_regex_free(re);
    } else if (re != NULL || s != LORA_ERR_INVALID_ARG || !strstr(lora_last_error(), "at position")) {
        abort(); /* failures: no regex, INVALID_ARG, a position in the message */
    }
    (void)lora_layer_index(text, pat);
    (void)lora_layer_index(text, NULL);
    {
        const char *names[5];
        const char *list[2];
        unsigned char sel[5], out[5] = {0, 0, 0, 1, 0};
        int layers[2] = {0, 1};
        lora_target_spec sp;
        names[0] = "transformer.h.0.attn.c_attn";
        names[1] = "transformer.h.1.mlp.c_proj";
        names[2] = text;
        names[3] = "lm_head";
        names[4] = "";
        memset(&sp, 0, sizeof sp);
        sp.target_regex = pat;
        (void)lora_select_targets(&sp, names, 5, out, sel);
        list[0] = text;
        list[1] = "c_attn";
        memset(&sp, 0, sizeof sp);
        sp.targets = list;
        sp.n_targets = 2;
        sp.exclude_regex = pat;
        (void)lora_select_targets(&sp, names, 5, NULL, sel);
        memset(&sp, 0, sizeof sp);
        sp.targets = list;
        sp.n_targets = 2;
        sp.layers = layers;
        sp.n_layers = 2;
        sp.layers_pattern = pat;
        (void)lora_select_targets(&sp, names, 5, NULL, sel);
        (void)lora_check_unsupported_targets(&sp, names, 5);
    }
    free(pat);
    free(text);
    return 0;
}
