/* lora-eval: mean next-token loss and perplexity of a model (optionally with a LoRA adapter)
   over a token file, in batches of B rows of T tokens (labels = inputs, HF convention).
   Any model family the tools are built with (tools/models.h).
     build/lora-eval --model M.safetensors [--adapter DIR] --tokens F.bin --batch 4 --seq 128 [--json] */
#include "lora.h"
#include "models.h"

int main(int argc, char **argv) {
    cli_args a;
    const char *model_path, *config, *preset, *adapter_dir, *tokens_path;
    int B, T, json, threads, rc = 1;
    long max_batches;
    uint64_t init_seed;
    lora_pool *pool = NULL;
    lora_model *m = NULL;
    const lora_model_info *info;
    lora_adapter *ad = NULL;
    lora_dataset *ds = NULL;
    lora_eval_result r;
    lora_status s;
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) {
        puts("usage: lora-eval (--model M [--config C] | --preset P [--init-seed S]) [--adapter DIR] --tokens F.bin --batch B --seq T\n"
             "                 [--max-batches N] [--threads N] [--json]");
        return 0;
    }
    model_path = cli_str(&a, "--model", NULL);
    config = cli_str(&a, "--config", NULL);
    preset = cli_str(&a, "--preset", NULL);
    init_seed = cli_u64(&a, "--init-seed", 0);
    adapter_dir = cli_str(&a, "--adapter", NULL);
    tokens_path = cli_str(&a, "--tokens", NULL);
    B = (int)cli_long(&a, "--batch", 1);
    T = (int)cli_long(&a, "--seq", 0);
    max_batches = cli_long(&a, "--max-batches", 0);
    threads = (int)cli_long(&a, "--threads", 0);
    json = cli_flag(&a, "--json");
    if (!cli_done(&a)) return 2;
    if ((!model_path && !preset) || !tokens_path) { fprintf(stderr, "lora-eval: --model (or --preset) and --tokens are required\n"); return 2; }
    if ((s = lora_pool_create(&pool, threads)) != LORA_OK) goto fail;
    if (!(m = cli_open_model("lora-eval", model_path, config, preset, init_seed, pool))) goto out;
    info = lora_model_get_info(m);
    if (T <= 0) T = info->max_seq;
    if (adapter_dir) {
        if ((s = lora_model_adapter_load(m, adapter_dir, &ad, NULL)) != LORA_OK) goto fail;
        if ((s = lora_model_set_adapter(m, ad)) != LORA_OK) goto fail;
    }
    if ((s = lora_data_load_tokens(tokens_path, info->vocab_size, info->eos, &ds)) != LORA_OK) goto fail;
    if (B <= 0 || ds->n_tokens < (size_t)B * (size_t)T) {
        fprintf(stderr, "lora-eval: %s has %zu tokens, fewer than one batch of %d x %d\n", tokens_path, ds->n_tokens, B, T);
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
    lora_model_free(m);
    lora_adapter_free(ad);
    lora_pool_destroy(pool);
    return rc;
}
