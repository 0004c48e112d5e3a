/* lora-eval: mean next-token loss and perplexity of a model (optionally with a LoRA adapter)
   over a token file or a jsonl data file (loss on the completions only, as in training), in
   batches of B rows of T tokens; or, with --exact-match, the share of QA / prompt-completion
   lines whose greedy answer equals the expected one up to the end-of-text token.
   Any model family the tools are built with (tools/models.h).
     build/lora-eval --model M.safetensors [--adapter DIR] --tokens F.bin --batch 4 --seq 128 [--json]
     build/lora-eval --model M.safetensors --adapter DIR --data qa_val.jsonl --exact-match [--show 8] */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* readlink: the bundled tokenizer beside the executable */
#endif
#include "lora.h"
#include "models.h"

typedef struct { const lora_tokenizer *tok; long show; } show_ctx;

static void print_ids(const lora_tokenizer *tok, const int32_t *ids, int n) {
    char *text = NULL;
    size_t len;
    if (lora_decode(tok, ids, (size_t)n, &text, &len) == LORA_OK) fwrite(text, 1, len, stdout);
    lora_free(text);
}

static int show_item(void *user, int64_t index, const int32_t *prompt, int n_prompt, const int32_t *expected, int n_expected,
                     const int32_t *got, int n_got, int correct) {
    show_ctx *c = (show_ctx *)user;
    if (index >= c->show) return 0;
    printf("%s ", correct ? "[ok]  " : "[miss]");
    print_ids(c->tok, prompt, n_prompt);
    fputs(" ->", stdout);
    print_ids(c->tok, got, n_got);
    if (!correct) { fputs("   (expected:", stdout); print_ids(c->tok, expected, n_expected); fputs(")", stdout); }
    fputs("\n", stdout);
    return 0;
}

int main(int argc, char **argv) {
    cli_args a;
    const char *model_path, *config, *preset, *adapter_dir, *tokens_path, *data_path, *tok_dir, *chat_s, *system_prompt;
    int B, T, json, threads, exact, base_dtype, rc = 1;
    long max_batches, max_items, show;
    uint64_t init_seed;
    lora_pool *pool = NULL;
    lora_model *m = NULL;
    const lora_model_info *info;
    lora_adapter *ad = NULL;
    lora_dataset *ds = NULL;
    lora_tokenizer *tok = NULL;
    lora_eval_result r;
    lora_status s;
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) {
        puts("usage: lora-eval (--model M [--config C] | --preset P [--init-seed S]) [--adapter DIR]\n"
             "                 (--tokens F.bin | --data F.jsonl [--tokenizer DIR]) --batch B --seq T [--max-batches N]\n"
             "                 [--threads N] [--json] [--chat-template auto|plain|chatml|llama3] [--system-prompt TEXT]\n"
             "                 [--base-dtype f32|bf16]\n"
             "       lora-eval ... --data qa.jsonl --exact-match [--max-items N] [--show N] [--json]\n"
             "  --exact-match: greedy answers of the QA / prompt-completion lines against the expected ones");
        cli_free(&a);
        return 0;
    }
    model_path = cli_str(&a, "--model", NULL);
    config = cli_str(&a, "--config", NULL);
    preset = cli_str(&a, "--preset", NULL);
    init_seed = cli_u64(&a, "--init-seed", 0);
    adapter_dir = cli_str(&a, "--adapter", NULL);
    tokens_path = cli_str(&a, "--tokens", NULL);
    data_path = cli_str(&a, "--data", NULL);
    tok_dir = cli_str(&a, "--tokenizer", NULL);
    chat_s = cli_str(&a, "--chat-template", "auto");
    system_prompt = cli_str(&a, "--system-prompt", NULL);
    exact = cli_flag(&a, "--exact-match");
    max_items = (long)cli_int(&a, "--max-items", 0, 0, INT_MAX);
    show = (long)cli_int(&a, "--show", 0, 0, INT_MAX);
    B = (int)cli_int(&a, "--batch", 1, 1, 65536);
    T = (int)cli_int(&a, "--seq", 0, 2, 1 << 20);
    max_batches = (long)cli_int(&a, "--max-batches", 0, 0, INT_MAX);
    threads = (int)cli_int(&a, "--threads", 0, 0, 1024);
    json = cli_flag(&a, "--json");
    base_dtype = cli_base_dtype("lora-eval", cli_str(&a, "--base-dtype", "f32"));
    if (!cli_done(&a) || base_dtype < 0) { cli_free(&a); return 2; }
    cli_free(&a);
    if (!model_path && !preset) { fprintf(stderr, "lora-eval: --model (or --preset) is required\n"); return 2; }
    if (!!tokens_path == !!data_path) { fprintf(stderr, "lora-eval: give exactly one of --tokens and --data\n"); return 2; }
    if (cli_chat_template(chat_s) < 0) { fprintf(stderr, "lora-eval: --chat-template must be auto, plain, chatml or llama3\n"); return 2; }
    if (exact && !data_path) { fprintf(stderr, "lora-eval: --exact-match needs --data (QA or prompt-completion jsonl)\n"); return 2; }
    if (max_items < 0 || show < 0 || max_batches < 0) { fprintf(stderr, "lora-eval: --max-items, --show and --max-batches must be >= 0\n"); return 2; }
    if ((s = lora_pool_create(&pool, threads)) != LORA_OK) goto fail;
    if (!(m = cli_open_model_as("lora-eval", model_path, config, preset, init_seed, pool, (lora_dtype)base_dtype))) goto out;
    info = lora_model_get_info(m);
    if (T <= 0) T = info->max_seq;
    if (adapter_dir) {
        if ((s = lora_model_adapter_load(m, adapter_dir, &ad, NULL)) != LORA_OK) goto fail;
        if ((s = lora_model_set_adapter(m, ad)) != LORA_OK) goto fail;
    }
    if (data_path) {
        lora_data_config dc = lora_data_config_init();
        if (!(tok = cli_open_tokenizer("lora-eval", tok_dir, model_path))) goto out;
        dc.seq = T;
        dc.chat = (lora_chat_template)cli_chat_template(chat_s);
        dc.system_prompt = system_prompt;
        if ((s = lora_data_load_jsonl(data_path, tok, &dc, &ds)) != LORA_OK) goto fail;
    } else if ((s = lora_data_load_tokens(tokens_path, info->vocab_size, info->eos, &ds)) != LORA_OK) goto fail;
    if (exact) {
        lora_exact_match_result em;
        show_ctx sc;
        sc.tok = tok; sc.show = show;
        if ((s = lora_exact_match(m, ds, max_items, show > 0 ? show_item : NULL, &sc, &em)) != LORA_OK) goto fail;
        if (em.items == 0) { fprintf(stderr, "lora-eval: %s has no lines with a prompt and an answer\n", data_path); goto out; }
        if (json) printf("{\"exact_match\": %lld, \"items\": %lld}\n", (long long)em.correct, (long long)em.items);
        else printf("exact match: %lld/%lld (%.1f%%)\n", (long long)em.correct, (long long)em.items, 100.0 * (double)em.correct / (double)em.items);
        rc = 0;
        goto out;
    }
    if (B <= 0 || ds->n_tokens < (size_t)B * (size_t)T) {
        fprintf(stderr, "lora-eval: %s has %zu tokens, fewer than one batch of %d x %d\n", tokens_path ? tokens_path : data_path, ds->n_tokens, B, T);
        goto out;
    }
    if ((s = lora_evaluate(m, ds, B, T, max_batches, &r)) != LORA_OK) goto fail;
    if (r.tokens == 0) { fprintf(stderr, "lora-eval: no predicted tokens (every label is -100)\n"); goto out; }
    if (json) printf("{\"loss\": %.9g, \"perplexity\": %.9g, \"tokens\": %.0f, \"batches\": %zu}\n", r.loss, r.perplexity,
                     (double)r.tokens, (size_t)r.batches);
    else printf("loss %.6f  perplexity %.4f  (%.0f predicted tokens in %zu batches of %d x %d)\n", r.loss, r.perplexity,
                (double)r.tokens, (size_t)r.batches, B, T);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "lora-eval: %s\n", lora_last_error());
out:
    lora_data_free(ds);
    lora_tokenizer_free(tok);
    lora_model_free(m);
    lora_adapter_free(ad);
    lora_pool_destroy(pool);
    return rc;
}
