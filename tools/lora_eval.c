/* gpt2-eval: mean next-token loss and perplexity of a model (optionally with a LoRA adapter)
   over a token file, in batches of B rows of T tokens (labels = inputs, HF convention).
     build/gpt2-eval --model M.safetensors [--adapter DIR] --tokens F.bin --batch 4 --seq 128 [--json] */
#include "lora.h"
#include "gpt2.h"
#include "cli.h"
#include <math.h>

int main(int argc, char **argv) {
    cli_args a;
    const char *model_path, *config, *adapter_dir, *tokens_path;
    int B, T, json, threads;
    long max_batches;
    lora_pool *pool = NULL;
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_dataset *ds = NULL;
    int32_t *in = NULL, *lab = NULL;
    double sum = 0.0, count = 0.0;
    size_t pos = 0, nb, b;
    lora_status s;
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) {
        puts("usage: gpt2-eval --model M [--config C] [--adapter DIR] --tokens F.bin --batch B --seq T [--max-batches N] [--threads N] [--json]");
        return 0;
    }
    model_path = cli_str(&a, "--model", NULL);
    config = cli_str(&a, "--config", NULL);
    adapter_dir = cli_str(&a, "--adapter", NULL);
    tokens_path = cli_str(&a, "--tokens", NULL);
    B = (int)cli_long(&a, "--batch", 1);
    T = (int)cli_long(&a, "--seq", 0);
    max_batches = cli_long(&a, "--max-batches", 0);
    threads = (int)cli_long(&a, "--threads", 0);
    json = cli_flag(&a, "--json");
    if (!cli_done(&a)) return 2;
    if (!model_path || !tokens_path) { fprintf(stderr, "gpt2-eval: --model and --tokens are required\n"); return 2; }
    if ((s = lora_pool_create(&pool, threads)) != LORA_OK) goto fail;
    if ((s = gpt2_model_load(model_path, config, pool, &m)) != LORA_OK) goto fail;
    if (T <= 0) T = gpt2_model_config(m)->n_positions;
    if (adapter_dir) {
        if ((s = gpt2_lora_load(m, adapter_dir, &ad, NULL)) != LORA_OK) goto fail;
        if ((s = gpt2_model_set_adapter(m, ad)) != LORA_OK) goto fail;
    }
    if ((s = lora_data_load_tokens(tokens_path, gpt2_model_config(m)->vocab_size, GPT2_EOT, &ds)) != LORA_OK) goto fail;
    if (ds->n_tokens < (size_t)B * (size_t)T) {
        fprintf(stderr, "gpt2-eval: %s has %zu tokens, fewer than one batch of %d x %d\n", tokens_path, ds->n_tokens, B, T);
        goto cleanup_fail;
    }
    in = (int32_t *)malloc(sizeof(int32_t) * (size_t)B * T);
    lab = (int32_t *)malloc(sizeof(int32_t) * (size_t)B * T);
    if (!in || !lab) { fprintf(stderr, "gpt2-eval: out of memory\n"); goto cleanup_fail; }
    nb = ds->n_tokens / ((size_t)B * T);
    if (max_batches > 0 && (size_t)max_batches < nb) nb = (size_t)max_batches;
    for (b = 0; b < nb; b++) {
        float loss;
        int r, t, n = 0;
        if ((s = lora_data_batch(ds, &pos, B, T, in, lab)) != LORA_OK) goto fail;
        if ((s = gpt2_forward(m, in, lab, B, T, &loss)) != LORA_OK) goto fail;
        for (r = 0; r < B; r++)
            for (t = 1; t < T; t++) n += lab[r * T + t] != -100;
        if (n) { sum += (double)loss * n; count += n; }
    }
    if (count == 0) { fprintf(stderr, "gpt2-eval: no predicted tokens (every label is -100)\n"); goto cleanup_fail; }
    if (json) printf("{\"loss\": %.9g, \"perplexity\": %.9g, \"tokens\": %.0f, \"batches\": %zu}\n", sum / count, exp(sum / count), count, nb);
    else printf("loss %.6f  perplexity %.4f  (%.0f predicted tokens in %zu batches of %d x %d)\n", sum / count, exp(sum / count), count, nb, B, T);
    free(in); free(lab);
    lora_data_free(ds); lora_adapter_free(ad); gpt2_model_free(m); lora_pool_destroy(pool);
    return 0;
fail:
    fprintf(stderr, "gpt2-eval: %s\n", lora_last_error());
cleanup_fail:
    free(in); free(lab);
    lora_data_free(ds); lora_adapter_free(ad); gpt2_model_free(m); lora_pool_destroy(pool);
    return 1;
}
