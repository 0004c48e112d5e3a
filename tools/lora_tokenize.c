/* gpt2-tokenize: GPT-2 byte-level BPE from the command line.

     gpt2-tokenize [--tokenizer DIR] [--special] < text     prints the ids, space-separated, on one line
     gpt2-tokenize [--tokenizer DIR] --decode < ids         writes the bytes the ids stand for

   DIR holds encoder.json + vocab.bpe (or vocab.json + merges.txt); default data/gpt2-tokenizer.
   --special maps the text "<|endoftext|>" to its id 50256 (otherwise it is encoded as text).
   The whole of standard input is read as bytes; invalid UTF-8 is kept (see gpt2.h). */
#include "lora.h"
#include "gpt2.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gpt2-tokenize [--tokenizer DIR] [--special] [--decode] < input\n"
    "  encodes standard input (bytes) to GPT-2 token ids printed space-separated on one line;\n"
    "  --decode reads ids (separated by spaces, commas or newlines; [ ] ignored) and writes their bytes.\n"
    "  --tokenizer DIR  encoder.json + vocab.bpe or vocab.json + merges.txt (default data/gpt2-tokenizer)\n"
    "  --special        encode the text <|endoftext|> as the special token 50256\n";

static int read_all(FILE *f, char **out, size_t *len) {
    size_t cap = 1 << 16, n = 0, got;
    char *buf = (char *)malloc(cap + 1), *p;
    if (!buf) return 0;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            p = (char *)realloc(buf, cap + 1);
            if (!p) { free(buf); return 0; }
            buf = p;
        }
    }
    if (ferror(f)) { free(buf); return 0; }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 1;
}

int main(int argc, char **argv) {
    const char *dir = "data/gpt2-tokenizer";
    int special = 0, decode = 0, i, rc = 0;
    lora_tokenizer *tok = NULL;
    char *in = NULL;
    size_t in_len = 0;
    lora_status st;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tokenizer") && i + 1 < argc) dir = argv[++i];
        else if (!strncmp(argv[i], "--tokenizer=", 12)) dir = argv[i] + 12;
        else if (!strcmp(argv[i], "--special")) special = 1;
        else if (!strcmp(argv[i], "--decode")) decode = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(usage, stdout); return 0; }
        else { fprintf(stderr, "gpt2-tokenize: unknown argument '%s'\n%s", argv[i], usage); return 2; }
    }
    st = lora_tokenizer_load(dir, &tok);
    if (st != LORA_OK) { fprintf(stderr, "gpt2-tokenize: %s\n", lora_last_error()); return 1; }
    if (!read_all(stdin, &in, &in_len)) { fprintf(stderr, "gpt2-tokenize: cannot read standard input\n"); rc = 1; goto out; }
    if (decode) {
        int32_t *ids = NULL;
        size_t n = 0, cap = 0;
        char *p = in, *text = NULL;
        size_t text_len = 0;
        for (;;) {
            char *end;
            long v;
            while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',' || *p == '[' || *p == ']') p++;
            if (!*p) break;
            v = strtol(p, &end, 10);
            if (end == p || v < 0 || v > 0x7FFFFFFFL) {
                fprintf(stderr, "gpt2-tokenize: --decode: expected a token id at input offset %ld\n", (long)(p - in));
                rc = 1;
                break;
            }
            if (n == cap) {
                int32_t *q;
                cap = cap ? 2 * cap : 1024;
                q = (int32_t *)realloc(ids, cap * sizeof *ids);
                if (!q) { fprintf(stderr, "gpt2-tokenize: out of memory\n"); rc = 1; break; }
                ids = q;
            }
            ids[n++] = (int32_t)v;
            p = end;
        }
        if (!rc) {
            st = lora_decode(tok, ids, n, &text, &text_len);
            if (st != LORA_OK) { fprintf(stderr, "gpt2-tokenize: %s\n", lora_last_error()); rc = 1; }
            else if (fwrite(text, 1, text_len, stdout) != text_len) rc = 1;
            lora_free(text);
        }
        free(ids);
    } else {
        int32_t *ids = NULL;
        size_t n = 0, k;
        st = lora_encode(tok, in, in_len, special, &ids, &n);
        if (st != LORA_OK) { fprintf(stderr, "gpt2-tokenize: %s\n", lora_last_error()); rc = 1; }
        else {
            for (k = 0; k < n; k++) printf(k ? " %ld" : "%ld", (long)ids[k]);
            putchar('\n');
        }
        lora_free(ids);
    }
    if (fflush(stdout) != 0) rc = 1;
out:
    free(in);
    lora_tokenizer_free(tok);
    return rc;
}
