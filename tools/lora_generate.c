/* gpt2-generate: text generation with a GPT-2 (and optionally a LoRA adapter) on the CPU.

     gpt2-generate --model model.safetensors [--adapter DIR] --prompt "Hello" --max-new 50
     gpt2-generate --preset gpt2 --prompt-ids "50256" --max-new 100 --greedy     (random weights)

   Prints the prompt, then streams the generated text as it comes; a last line on stderr gives
   the prefill and decode speeds. Sampling is reproducible: the same --seed gives the same text. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "lora.h"
#include "gpt2.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>

static const char usage[] =
    "usage: gpt2-generate (--model PATH [--config PATH] | --preset NAME [--seed-init S])\n"
    "                     (--prompt TEXT | --prompt-ids \"ID ID ...\") [options]\n"
    "  --model PATH        model.safetensors (HF) or an llm.c checkpoint\n"
    "  --config PATH       config.json (default: beside the model)\n"
    "  --preset NAME       random weights for a preset (gpt2, gpt2-medium, ..., tiny), for trying without weights\n"
    "  --seed-init S       seed of the random weights (default 0)\n"
    "  --adapter DIR       PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors)\n"
    "  --prompt TEXT       prompt text (needs the tokenizer); an empty prompt starts from <|endoftext|>\n"
    "  --prompt-ids IDS    prompt as token ids separated by spaces or commas\n"
    "  --max-new N         tokens to generate (default 50)\n"
    "  --temperature T     default 1.0; 0 = greedy\n"
    "  --top-k K           keep the K most likely tokens (default 0 = off)\n"
    "  --top-p P           nucleus sampling (default 1.0 = off)\n"
    "  --seed S            sampling seed (default 0)\n"
    "  --greedy            always take the most likely token\n"
    "  --ignore-eot        keep going after <|endoftext|>\n"
    "  --ids               print token ids instead of text\n"
    "  --tokenizer DIR     encoder.json + vocab.bpe or vocab.json + merges.txt (default data/gpt2-tokenizer)\n"
    "  --threads N         worker threads (default: all cores)\n";

static double now_sec(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}
static int parse_u64(const char *s, uint64_t *out) {
    char *end;
    unsigned long long v;
    errno = 0;
    if (*s == '-') return 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end) return 0;
    *out = (uint64_t)v;
    return 1;
}
static int parse_float(const char *s, float *out) {
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || v != v) return 0;
    *out = (float)v;
    return 1;
}

/* "1 2, 3" -> ids; returns the count or -1 */
static int parse_ids(const char *s, int32_t **out) {
    int n = 0, cap = 16;
    int32_t *ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)cap);
    if (!ids) return -1;
    while (*s) {
        char *end;
        long v;
        if (*s == ' ' || *s == ',' || *s == '\t' || *s == '\n') { s++; continue; }
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || v < 0 || v > 0x7fffffffL) { free(ids); return -1; }
        if (n == cap) {
            int32_t *p = (int32_t *)realloc(ids, sizeof(int32_t) * (size_t)(cap *= 2));
            if (!p) { free(ids); return -1; }
            ids = p;
        }
        ids[n++] = (int32_t)v;
        s = end;
    }
    *out = ids;
    return n;
}

typedef struct {
    const lora_tokenizer *tok;   /* NULL: print ids */
    double t_first, t_last;
    int n;
} stream_state;

static void print_token(const lora_tokenizer *tok, int32_t id, int first) {
    size_t len = 0;
    const char *b = tok ? lora_token_bytes(tok, id, &len) : NULL;
    if (b) fwrite(b, 1, len, stdout);
    else printf(first ? "%ld" : " %ld", (long)id);
}

static int on_token(void *user, int32_t id, int index) {
    stream_state *st = (stream_state *)user;
    double t = now_sec();
    if (index == 0) st->t_first = t;
    st->t_last = t;
    st->n = index + 1;
    print_token(st->tok, id, 0);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *config_path = NULL, *preset = NULL, *adapter_dir = NULL, *prompt = NULL,
               *prompt_ids = NULL, *tok_dir = "data/gpt2-tokenizer";
    uint64_t seed_init = 0;
    long max_new = 50, threads = 0, v;
    int print_ids = 0, stop_eot = 1, i, rc = 1, n_prompt = 0, n_out = 0;
    gpt2_sampler samp = gpt2_sampler_init();
    lora_pool *pool = NULL;
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_tokenizer *tok = NULL;
    int32_t *ids = NULL, *out = NULL;
    stream_state st;
    lora_status s;
    double t0, t_end;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(usage, stdout); return 0; }
        else if (!strcmp(a, "--greedy")) { samp.greedy = 1; takes = 0; }
        else if (!strcmp(a, "--ignore-eot")) { stop_eot = 0; takes = 0; }
        else if (!strcmp(a, "--ids")) { print_ids = 1; takes = 0; }
        else if (!val) { fprintf(stderr, "gpt2-generate: unknown argument or missing value: '%s'\n%s", a, usage); return 2; }
        else if (!strcmp(a, "--model")) model_path = val;
        else if (!strcmp(a, "--config")) config_path = val;
        else if (!strcmp(a, "--preset")) preset = val;
        else if (!strcmp(a, "--adapter")) adapter_dir = val;
        else if (!strcmp(a, "--prompt")) prompt = val;
        else if (!strcmp(a, "--prompt-ids")) prompt_ids = val;
        else if (!strcmp(a, "--tokenizer")) tok_dir = val;
        else if (!strcmp(a, "--seed-init")) { if (!parse_u64(val, &seed_init)) goto bad_value; }
        else if (!strcmp(a, "--seed")) { if (!parse_u64(val, &samp.seed)) goto bad_value; }
        else if (!strcmp(a, "--max-new")) { if (!parse_long(val, 0, 1L << 24, &max_new)) goto bad_value; }
        else if (!strcmp(a, "--threads")) { if (!parse_long(val, 0, 1024, &threads)) goto bad_value; }
        else if (!strcmp(a, "--top-k")) { if (!parse_long(val, 0, 1L << 30, &v)) goto bad_value; samp.top_k = (int)v; }
        else if (!strcmp(a, "--temperature")) { if (!parse_float(val, &samp.temperature) || samp.temperature < 0.0f) goto bad_value; }
        else if (!strcmp(a, "--top-p")) { if (!parse_float(val, &samp.top_p) || !(samp.top_p > 0.0f && samp.top_p <= 1.0f)) goto bad_value; }
        else { fprintf(stderr, "gpt2-generate: unknown argument '%s'\n%s", a, usage); return 2; }
        i += takes;
        continue;
    bad_value:
        fprintf(stderr, "gpt2-generate: bad value for %s: '%s'\n", a, val);
        return 2;
    }
    if (!model_path == !preset) { fprintf(stderr, "gpt2-generate: give exactly one of --model and --preset\n%s", usage); return 2; }
    if (!prompt == !prompt_ids) { fprintf(stderr, "gpt2-generate: give exactly one of --prompt and --prompt-ids\n%s", usage); return 2; }

    if ((s = lora_pool_create(&pool, (int)threads)) != LORA_OK) goto fail;
    if (model_path) {
        if ((s = gpt2_model_load(model_path, config_path, pool, &m)) != LORA_OK) goto fail;
    } else {
        gpt2_config cfg;
        if ((s = gpt2_config_preset(preset, &cfg)) != LORA_OK) goto fail;
        if ((s = gpt2_model_create(&cfg, pool, &m)) != LORA_OK) goto fail;
        gpt2_model_init_random(m, seed_init);
    }
    if (adapter_dir) {
        char *warnings = NULL;
        if ((s = gpt2_lora_load(m, adapter_dir, &ad, &warnings)) != LORA_OK) goto fail;
        if (warnings && *warnings) fprintf(stderr, "gpt2-generate: adapter: ignored keys:\n%s\n", warnings);
        lora_free(warnings);
        if ((s = gpt2_model_set_adapter(m, ad)) != LORA_OK) goto fail;
    }

    s = lora_tokenizer_load(tok_dir, &tok);
    if (s != LORA_OK) {
        if (prompt) goto fail;
        if (!print_ids) fprintf(stderr, "gpt2-generate: no tokenizer (%s); printing token ids\n", lora_last_error());
        tok = NULL;
        print_ids = 1;
    }
    if (prompt) {
        int32_t *enc = NULL;
        size_t n = 0;
        if ((s = lora_encode(tok, prompt, strlen(prompt), 1, &enc, &n)) != LORA_OK) goto fail;
        n_prompt = n ? (int)n : 1; /* an empty prompt starts from <|endoftext|> */
        ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)n_prompt);
        if (!ids) { lora_free(enc); fprintf(stderr, "gpt2-generate: out of memory\n"); goto out; }
        if (n) memcpy(ids, enc, sizeof(int32_t) * n);
        else ids[0] = GPT2_EOT;
        lora_free(enc);
    } else {
        int32_t *p = NULL;
        n_prompt = parse_ids(prompt_ids, &p);
        if (n_prompt <= 0) { fprintf(stderr, "gpt2-generate: --prompt-ids: expected token ids, got '%s'\n", prompt_ids); free(p); goto out; }
        ids = p;
    }
    out = (int32_t *)malloc(sizeof(int32_t) * (size_t)(max_new > 0 ? max_new : 1));
    if (!out) { fprintf(stderr, "gpt2-generate: out of memory\n"); goto out; }

    /* the prompt as given (or its ids) */
    if (prompt && !print_ids) fputs(prompt, stdout);
    else for (i = 0; i < n_prompt; i++) print_token(print_ids ? NULL : tok, ids[i], i == 0);
    fflush(stdout);

    memset(&st, 0, sizeof st);
    st.tok = print_ids ? NULL : tok;
    t0 = now_sec();
    s = gpt2_generate(m, ids, n_prompt, (int)max_new, &samp, stop_eot, out, &n_out, on_token, &st);
    t_end = now_sec();
    fputc('\n', stdout);
    fflush(stdout);
    if (s != LORA_OK) goto fail;
    {
        const gpt2_config *c = gpt2_model_config(m);
        double pre = (st.n ? st.t_first : t_end) - t0, dec = st.t_last - st.t_first;
        fprintf(stderr, "gpt2-generate: %s, %d thread%s, %s: prefill %d tokens in %.1f ms (%.1f tokens/s), "
                        "decode %d tokens in %.1f ms (%.1f tokens/s)",
                preset ? preset : "model", lora_pool_threads(pool), lora_pool_threads(pool) == 1 ? "" : "s",
                lora_isa_name(lora_pool_isa(pool)), n_prompt, 1e3 * pre, pre > 0 ? n_prompt / pre : 0.0,
                st.n > 1 ? st.n - 1 : 0, 1e3 * dec, st.n > 1 && dec > 0 ? (st.n - 1) / dec : 0.0);
        if (n_out < max_new && n_prompt + n_out >= c->n_positions) fprintf(stderr, "; stopped at the context length %d", c->n_positions);
        fputc('\n', stderr);
    }
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "gpt2-generate: %s: %s\n", lora_status_name(s), lora_last_error());
out:
    free(out);
    free(ids);
    lora_tokenizer_free(tok);
    gpt2_model_free(m);
    lora_adapter_free(ad);
    lora_pool_destroy(pool);
    return rc;
}
