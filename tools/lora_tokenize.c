/* lora-tokenize: the engine's byte-level BPE tokenizer (lora_tokenizer) from the command line.

     lora-tokenize [--tokenizer PATH] [--special] < text     prints the ids, space-separated, on one line
     lora-tokenize [--tokenizer PATH] --decode < ids         writes the bytes the ids stand for

   PATH is a Hugging Face tokenizer.json (SmolLM2, Qwen2/2.5/3, Llama 3; tokenizer_config.json beside
   it is read too) or a directory holding one, or encoder.json + vocab.bpe, or vocab.json +
   merges.txt; default data/gpt2-tokenizer. --special maps the text of the special tokens
   ("<|endoftext|>", GPT-2's 50256; "<|im_start|>", ...) to their ids (otherwise they are encoded
   as text; added tokens not marked special, e.g. Qwen3's "<think>", are always matched). No BOS is
   added. The whole of standard input is read as bytes; invalid UTF-8 is kept (see lora.h); with
   an NFC normalizer (Qwen) --decode gives back NFC(input). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* readlink: the bundled tokenizer beside the executable */
#endif
#include "lora.h"
#include "models.h"

static const char usage[] =
    "usage: lora-tokenize [--tokenizer PATH] [--special] [--decode] [--out F.bin] < input\n"
    "  encodes standard input (bytes) to token ids printed space-separated on one line;\n"
    "  --out F.bin writes them instead as a token file for --tokens (llm.c's format: uint16 ids, or\n"
    "              uint32 ids for vocabularies past 65536, e.g. Qwen's and Llama 3's)\n"
    "  --decode reads ids (separated by spaces, commas or newlines; [ ] ignored) and writes their bytes.\n"
    "  --tokenizer PATH tokenizer.json (or a directory with it), or a directory with encoder.json + vocab.bpe\n"
    "                   or vocab.json + merges.txt (default data/gpt2-tokenizer)\n"
    "  --special        encode the text of special tokens (<|endoftext|>, <|im_start|>, ...) as their ids\n";

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
    cli_args a;
    const char *dir;
    const char *out_path;
    int special, decode, rc = 0;
    lora_tokenizer *tok = NULL;
    char *in = NULL;
    size_t in_len = 0;
    lora_status st;
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) { fputs(usage, stdout); cli_free(&a); return 0; }
    dir = cli_str(&a, "--tokenizer", NULL);
    special = cli_flag(&a, "--special");
    decode = cli_flag(&a, "--decode");
    out_path = cli_str(&a, "--out", NULL);
    if (!cli_done(&a)) { fputs(usage, stderr); cli_free(&a); return 2; }
    cli_free(&a);
    if (decode && out_path) { fprintf(stderr, "lora-tokenize: --out writes encoded ids; it does not go with --decode\n"); return 2; }
    if (!(tok = cli_open_tokenizer("lora-tokenize", dir, NULL))) return 1;
    if (!read_all(stdin, &in, &in_len)) { fprintf(stderr, "lora-tokenize: cannot read standard input\n"); rc = 1; goto out; }
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
                fprintf(stderr, "lora-tokenize: --decode: expected a token id at input offset %ld\n", (long)(p - in));
                rc = 1;
                break;
            }
            if (n == cap) {
                int32_t *q;
                cap = cap ? 2 * cap : 1024;
                q = (int32_t *)realloc(ids, cap * sizeof *ids);
                if (!q) { fprintf(stderr, "lora-tokenize: out of memory\n"); rc = 1; break; }
                ids = q;
            }
            ids[n++] = (int32_t)v;
            p = end;
        }
        if (!rc) {
            st = lora_decode(tok, ids, n, &text, &text_len);
            if (st != LORA_OK) { fprintf(stderr, "lora-tokenize: %s\n", lora_last_error()); rc = 1; }
            else if (fwrite(text, 1, text_len, stdout) != text_len) rc = 1;
            lora_free(text);
        }
        free(ids);
    } else {
        int32_t *ids = NULL;
        size_t n = 0, k;
        st = lora_encode(tok, in, in_len, special, &ids, &n);
        if (st != LORA_OK) { fprintf(stderr, "lora-tokenize: %s\n", lora_last_error()); rc = 1; }
        else if (out_path) {
            if (lora_data_save_tokens(out_path, ids, n) != LORA_OK) { fprintf(stderr, "lora-tokenize: %s\n", lora_last_error()); rc = 1; }
        } else {
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
