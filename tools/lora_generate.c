/* lora-generate: text generation with a model of any family the tools are built with
   (tools/models.h), optionally with a LoRA adapter, on the CPU.

     lora-generate --model model.safetensors [--adapter DIR] --prompt "Hello" --max-new 50
     lora-generate --preset gpt2 --prompt-ids "50256" --max-new 100 --greedy     (random weights)

   Prints the prompt, then streams the generated text as it comes; a last line on stderr gives
   the prefill and decode speeds. Sampling is reproducible: the same --seed gives the same text. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "lora.h"
#include "models.h"
#include <time.h>

static const char usage[] =
    "usage: lora-generate (--model PATH [--config PATH] | --preset NAME [--init-seed S])\n"
    "                     (--prompt TEXT | --prompt-ids \"ID ID ...\") [options]\n"
    "  --model PATH        model.safetensors (HF, or its directory), an llm.c checkpoint or a GGUF file\n"
    "  --config PATH       config.json (default: beside the model); its model_type picks the family\n"
    "  --preset NAME       random weights for a preset (gpt2, gpt2-medium, ..., tiny), for trying without weights\n"
    "  --init-seed S       seed of the random weights (default 0)\n"
    "  --adapter DIR       PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors)\n"
    "  --prompt TEXT       prompt text (needs the tokenizer); an empty prompt starts from the end-of-text token\n"
    "  --prompt-ids IDS    prompt as token ids separated by spaces or commas\n"
    "  --chat              the prompt is a user turn: rendered with the tokenizer's chat template (ChatML, Llama 3)\n"
    "                      up to the assistant's answer, as apply_chat_template(add_generation_prompt=True)\n"
    "  --chat-template T   auto (default: the tokenizer's), plain, chatml or llama3 (implies --chat)\n"
    "  --system-prompt S   the system turn with --chat (default: the template's own, \"\" = none)\n"
    "  --max-new N         tokens to generate (default 50)\n"
    "  --temperature T     default 1.0; 0 = greedy\n"
    "  --top-k K           keep the K most likely tokens (default 0 = off)\n"
    "  --top-p P           nucleus sampling (default 1.0 = off)\n"
    "  --seed S            sampling seed (default 0)\n"
    "  --greedy            always take the most likely token\n"
    "  --ignore-eot        keep going after the end-of-text token\n"
    "  --ids               print token ids instead of text\n"
    "  --tokenizer DIR     encoder.json + vocab.bpe or vocab.json + merges.txt (default: the one inside a GGUF\n"
    "                      model, else the model's directory when it holds one, else data/gpt2-tokenizer)\n"
    "  --threads N         worker threads (default: all cores)\n"
    "  --base-dtype f32|bf16  frozen weights in bf16: half the memory\n";

/* --chat: the prompt as the user turn of a conversation, rendered by the data loader exactly as a
   training line {"question": prompt, "answer": "."} is; the generation prompt is every token before
   the first one that carries a label (the answer). */
static lora_status chat_prompt(const lora_tokenizer *tok, const char *prompt, int chat, const char *system, int32_t **ids,
                               size_t *n) {
    lora_data_config dc = lora_data_config_init();
    lora_dataset *ds = NULL;
    lora_status s;
    size_t i, len = 0, cap = strlen(prompt) * 6 + 64;
    char *line = (char *)malloc(cap);
    if (!line) return lora_fail(LORA_ERR_OOM, "lora-generate: out of memory");
    len += (size_t)sprintf(line, "{\"question\": \"");
    for (i = 0; prompt[i]; i++) {
        unsigned char c = (unsigned char)prompt[i];
        if (c == '"' || c == '\\') { line[len++] = '\\'; line[len++] = (char)c; }
        else if (c < 0x20) len += (size_t)sprintf(line + len, "\\u%04x", c);
        else line[len++] = (char)c;
    }
    len += (size_t)sprintf(line + len, "\", \"answer\": \".\"}\n");
    dc.format = LORA_DATA_QA;
    dc.chat = (lora_chat_template)chat;
    dc.system_prompt = system;
    dc.pack = 0;
    s = lora_data_load_jsonl_memory(line, len, "--prompt", tok, &dc, &ds);
    free(line);
    if (s != LORA_OK) return s;
    for (i = 0; i < ds->n_tokens && ds->labels[i] == LORA_IGNORE_LABEL; i++) {}
    *n = i;
    *ids = (int32_t *)lora_malloc(sizeof(int32_t) * (i ? i : 1), "chat prompt");
    if (!*ids) { lora_data_free(ds); return LORA_ERR_OOM; }
    memcpy(*ids, ds->tokens, sizeof(int32_t) * i);
    lora_data_free(ds);
    return LORA_OK;
}

static double now_sec(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
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
    cli_args a;
    const char *model_path, *config_path, *preset, *adapter_dir, *prompt, *prompt_ids, *tok_dir, *chat_s, *system_prompt;
    uint64_t init_seed;
    long max_new, threads, top_k;
    double temperature, top_p;
    int print_ids, chat, stop_eot, base_dtype, i, rc = 1, n_prompt = 0, n_out = 0;
    lora_sampler samp = lora_sampler_init();
    lora_pool *pool = NULL;
    lora_model *m = NULL;
    const lora_model_info *info;
    lora_adapter *ad = NULL;
    lora_tokenizer *tok = NULL;
    int32_t *ids = NULL, *out = NULL;
    stream_state st;
    lora_status s;
    double t0, t_end;

    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) { fputs(usage, stdout); cli_free(&a); return 0; }
    model_path = cli_str(&a, "--model", NULL);
    config_path = cli_str(&a, "--config", NULL);
    preset = cli_str(&a, "--preset", NULL);
    init_seed = cli_u64(&a, "--init-seed", 0);
    adapter_dir = cli_str(&a, "--adapter", NULL);
    prompt = cli_str(&a, "--prompt", NULL);
    prompt_ids = cli_str(&a, "--prompt-ids", NULL);
    tok_dir = cli_str(&a, "--tokenizer", NULL);
    chat_s = cli_str(&a, "--chat-template", NULL);
    system_prompt = cli_str(&a, "--system-prompt", NULL);
    chat = cli_flag(&a, "--chat") || chat_s;
    max_new = (long)cli_int(&a, "--max-new", 50, 0, 1L << 24);
    threads = (long)cli_int(&a, "--threads", 0, 0, 1024);
    top_k = (long)cli_int(&a, "--top-k", 0, 0, 1L << 30);
    temperature = cli_real(&a, "--temperature", 1.0, 0.0, 100.0);
    top_p = cli_real(&a, "--top-p", 1.0, 1e-6, 1.0);
    samp.seed = cli_u64(&a, "--seed", 0);
    samp.greedy = cli_flag(&a, "--greedy");
    stop_eot = !cli_flag(&a, "--ignore-eot");
    print_ids = cli_flag(&a, "--ids");
    base_dtype = cli_base_dtype("lora-generate", cli_str(&a, "--base-dtype", "f32"));
    if (!cli_done(&a) || base_dtype < 0) { cli_free(&a); return 2; }
    cli_free(&a);
    if (temperature > 0.0 && temperature < 0.01) {
        fprintf(stderr, "lora-generate: --temperature expects 0 (greedy) or a number in [0.01, 100], got %g\n", temperature);
        return 2;
    }
    samp.top_k = (int)top_k;
    samp.temperature = (float)temperature;
    samp.top_p = (float)top_p;
    if (!model_path == !preset) { fprintf(stderr, "lora-generate: give exactly one of --model and --preset\n%s", usage); return 2; }
    if (chat_s && cli_chat_template(chat_s) < 0) { fprintf(stderr, "lora-generate: --chat-template must be auto, plain, chatml or llama3\n"); return 2; }
    if ((chat || system_prompt) && !prompt) { fprintf(stderr, "lora-generate: --chat and --system-prompt need --prompt\n"); return 2; }
    if (system_prompt && !chat) { fprintf(stderr, "lora-generate: --system-prompt needs --chat\n"); return 2; }
    if (!prompt == !prompt_ids) { fprintf(stderr, "lora-generate: give exactly one of --prompt and --prompt-ids\n%s", usage); return 2; }

    if ((s = lora_pool_create(&pool, (int)threads)) != LORA_OK) goto fail;
    if (!(m = cli_open_model_as("lora-generate", model_path, config_path, preset, init_seed, pool, (lora_dtype)base_dtype))) goto out;
    info = lora_model_get_info(m);
    if (adapter_dir) {
        char *warnings = NULL;
        if ((s = lora_model_adapter_load(m, adapter_dir, &ad, &warnings)) != LORA_OK) goto fail;
        if (warnings && *warnings) fprintf(stderr, "lora-generate: adapter: ignored keys:\n%s\n", warnings);
        lora_free(warnings);
        if ((s = lora_model_set_adapter(m, ad)) != LORA_OK) goto fail;
    }

    /* the tokenizer: needed for --prompt, and to print text */
    if (prompt || !print_ids) {
        tok = cli_open_tokenizer("lora-generate", tok_dir, model_path);
        if (!tok) {
            if (prompt) goto out;
            if (!print_ids) fprintf(stderr, "lora-generate: no tokenizer; printing token ids\n");
            print_ids = 1;
        }
    }
    if (prompt) {
        int32_t *enc = NULL;
        size_t n = 0;
        if (chat) s = chat_prompt(tok, prompt, chat_s ? cli_chat_template(chat_s) : LORA_CHAT_AUTO, system_prompt, &enc, &n);
        else s = lora_encode(tok, prompt, strlen(prompt), 1, &enc, &n);
        if (s != LORA_OK) goto fail;
        if (!n && info->eos < 0) {
            fprintf(stderr, "lora-generate: an empty prompt starts from the end-of-text token, which this model has not "
                            "(give --prompt-ids)\n");
            lora_free(enc);
            goto out;
        }
        n_prompt = n ? (int)n : 1; /* an empty prompt starts from the end-of-text token */
        ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)n_prompt);
        if (!ids) { lora_free(enc); fprintf(stderr, "lora-generate: out of memory\n"); goto out; }
        if (n) memcpy(ids, enc, sizeof(int32_t) * n);
        else ids[0] = info->eos;
        lora_free(enc);
    } else {
        int32_t *p = NULL;
        n_prompt = parse_ids(prompt_ids, &p);
        if (n_prompt <= 0) { fprintf(stderr, "lora-generate: --prompt-ids: expected token ids, got '%s'\n", prompt_ids); free(p); goto out; }
        ids = p;
    }
    out = (int32_t *)malloc(sizeof(int32_t) * (size_t)(max_new > 0 ? max_new : 1));
    if (!out) { fprintf(stderr, "lora-generate: out of memory\n"); goto out; }

    /* the prompt as given (or its ids) */
    if (prompt && !print_ids && !chat) fputs(prompt, stdout);
    else for (i = 0; i < n_prompt; i++) print_token(print_ids ? NULL : tok, ids[i], i == 0);
    fflush(stdout);

    memset(&st, 0, sizeof st);
    st.tok = print_ids ? NULL : tok;
    t0 = now_sec();
    s = lora_generate(m, ids, n_prompt, (int)max_new, &samp, stop_eot, out, &n_out, on_token, &st);
    t_end = now_sec();
    fputc('\n', stdout);
    fflush(stdout);
    if (s != LORA_OK) goto fail;
    {
        double pre = (st.n ? st.t_first : t_end) - t0, dec = st.t_last - st.t_first;
        fprintf(stderr, "lora-generate: %s, %d thread%s, %s: prefill %d tokens in %.1f ms (%.1f tokens/s), "
                        "decode %d tokens in %.1f ms (%.1f tokens/s)",
                preset ? preset : "model", lora_pool_threads(pool), lora_pool_threads(pool) == 1 ? "" : "s",
                lora_wmat_kernel_name(pool, (lora_dtype)base_dtype), n_prompt, 1e3 * pre, pre > 0 ? n_prompt / pre : 0.0,
                st.n > 1 ? st.n - 1 : 0, 1e3 * dec, st.n > 1 && dec > 0 ? (st.n - 1) / dec : 0.0);
        if (n_out < max_new && n_prompt + n_out >= info->max_seq) fprintf(stderr, "; stopped at the context length %d", info->max_seq);
        fputc('\n', stderr);
    }
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "lora-generate: %s: %s\n", lora_status_name(s), lora_last_error());
out:
    free(out);
    free(ids);
    lora_tokenizer_free(tok);
    lora_model_free(m);
    lora_adapter_free(ad);
    lora_pool_destroy(pool);
    return rc;
}
