/* bench-tokenizer: GPT-2 encode / decode throughput, single thread.
     build/bench-tokenizer [out.json]      (run from the repository root)
   Texts, each repeated to 8 MB: the English prose, numbers and code at the start of the test
   corpus; its whole hand-written part (adds some 50 languages, emoji, symbols); the whole test
   corpus (adds random Unicode and long pre-tokens).
   Prints one line per text and a JSON summary (also written to out.json when given). */
#include "lora.h"
#include "gpt2.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { return (double)clock() / CLOCKS_PER_SEC; } /* CPU time: one thread */

/* The file (up to the first line starting with `stop`, if given) repeated to target bytes. */
static char *repeat_file(const char *path, const char *stop, size_t target, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *src, *out;
    long n;
    size_t o = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    src = (char *)malloc((size_t)n);
    if (!src || n <= 0 || fread(src, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(src); return NULL; }
    fclose(f);
    if (stop) {
        long i;
        for (i = 0; i + (long)strlen(stop) < n; i++)
            if ((i == 0 || src[i - 1] == '\n') && memcmp(src + i, stop, strlen(stop)) == 0) { n = i; break; }
    }
    out = (char *)malloc(target + (size_t)n);
    if (!out) { free(src); return NULL; }
    while (o < target) { memcpy(out + o, src, (size_t)n); o += (size_t)n; }
    free(src);
    *len = o;
    return out;
}

int main(int argc, char **argv) {
    static const char *const names[3] = { "english+code", "handwritten", "corpus" };
    static const char *const paths[3] = { "tests/fixtures/tokenizer/corpus_src.txt", "tests/fixtures/tokenizer/corpus_src.txt",
                                          "tests/fixtures/tokenizer/corpus.txt" };
    static const char *const stops[3] = { "Fran", NULL, NULL };
    lora_tokenizer *tok = NULL;
    double t0, load_ms, enc[3], dec[3], bytes_per_tok[3];
    char json[768];
    int k;
    t0 = now();
    if (lora_tokenizer_load("data/gpt2-tokenizer", &tok) != LORA_OK) {
        fprintf(stderr, "bench-tokenizer: %s\n", lora_last_error());
        return 1;
    }
    load_ms = 1e3 * (now() - t0);
    printf("load: %.1f ms\n", load_ms);
    for (k = 0; k < 3; k++) {
        size_t len = 0, n = 0, back_len = 0;
        char *text = repeat_file(paths[k], stops[k], (size_t)8 << 20, &len), *back = NULL;
        int32_t *ids = NULL;
        double best_e = 1e30, best_d = 1e30;
        int r;
        if (!text) { fprintf(stderr, "bench-tokenizer: cannot read %s\n", paths[k]); return 1; }
        for (r = 0; r < 3; r++) {
            t0 = now();
            if (lora_encode(tok, text, len, 0, &ids, &n) != LORA_OK) { fprintf(stderr, "%s\n", lora_last_error()); return 1; }
            if (now() - t0 < best_e) best_e = now() - t0;
            t0 = now();
            if (lora_decode(tok, ids, n, &back, &back_len) != LORA_OK) { fprintf(stderr, "%s\n", lora_last_error()); return 1; }
            if (now() - t0 < best_d) best_d = now() - t0;
            if (back_len != len || memcmp(back, text, len) != 0) { fprintf(stderr, "round trip failed\n"); return 1; }
            lora_free(ids);
            lora_free(back);
        }
        enc[k] = (double)len / best_e / 1e6;
        dec[k] = (double)len / best_d / 1e6;
        bytes_per_tok[k] = (double)len / (double)n;
        printf("%-12s %6.2f MB, %8zu tokens (%.2f bytes/token): encode %6.1f MB/s (%5.2f M tokens/s), decode %7.1f MB/s\n",
               names[k], (double)len / 1e6, n, bytes_per_tok[k], enc[k], (double)n / best_e / 1e6, dec[k]);
        free(text);
    }
    snprintf(json, sizeof json,
             "{\"bench\": \"tokenizer\", \"load_ms\": %.1f, "
             "\"encode_mb_s\": {\"english_code\": %.1f, \"handwritten\": %.1f, \"corpus\": %.1f}, "
             "\"decode_mb_s\": {\"english_code\": %.1f, \"handwritten\": %.1f, \"corpus\": %.1f}}\n",
             load_ms, enc[0], enc[1], enc[2], dec[0], dec[1], dec[2]);
    fputs(json, stdout);
    if (argc > 1) {
        FILE *f = fopen(argv[1], "wb");
        if (!f || fputs(json, f) < 0 || fclose(f) != 0) { fprintf(stderr, "bench-tokenizer: cannot write %s\n", argv[1]); return 1; }
    }
    lora_tokenizer_free(tok);
    return 0;
}
