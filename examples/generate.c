/* Load a LoRA adapter and generate text with it (KV cache, greedy or sampled).
     cc -O2 generate.c -lm -lpthread
     ./a.out gpt2/model.safetensors my-adapter "Question: What is the capital of Kenya?
     Answer:"
   With no arguments it runs on a small random model (so the text is gibberish) to show the API. */
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"
#include <stdio.h>
#include <string.h>

/* Prints each token as it arrives. */
static int print_token(void *user, int32_t id, int index) {
    size_t len;
    const char *bytes = lora_token_bytes((const lora_tokenizer *)user, id, &len);
    (void)index;
    if (bytes) fwrite(bytes, 1, len, stdout);
    fflush(stdout);
    return 0;                                  /* nonzero would stop generation */
}

int main(int argc, char **argv) {
    const char *prompt = argc > 3 ? argv[3] : "Question: What colour is the sky?\nAnswer:";
    lora_pool *pool = NULL;
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_tokenizer *tok = NULL;
    lora_sampler sc = lora_sampler_init();
    int32_t *ids = NULL, out[64];
    size_t n_ids = 0;
    int n_out = 0;
    lora_status s;
    if ((s = lora_pool_create(&pool, 0)) != LORA_OK) goto fail;
    if ((s = lora_tokenizer_load(argc > 4 ? argv[4] : "data/gpt2-tokenizer", &tok)) != LORA_OK) goto fail;
    if (argc > 2) {
        if ((s = gpt2_model_load(argv[1], NULL, pool, &m)) != LORA_OK) goto fail;
        if ((s = gpt2_lora_load(m, argv[2], &ad, NULL)) != LORA_OK) goto fail;
        if ((s = gpt2_model_set_adapter(m, ad)) != LORA_OK) goto fail;   /* NULL would give the base model */
    } else {
        gpt2_config cfg;
        if ((s = gpt2_config_preset("tiny", &cfg)) != LORA_OK || (s = gpt2_model_create(&cfg, pool, &m)) != LORA_OK) goto fail;
        gpt2_model_init_random(m, 1);
    }
    if ((s = lora_encode(tok, prompt, strlen(prompt), 0, &ids, &n_ids)) != LORA_OK) goto fail;
    sc.temperature = 0.8f; sc.top_k = 40; sc.top_p = 0.95f; sc.seed = 7;   /* or sc.greedy = 1 */
    printf("%s", prompt);
    if ((s = lora_generate(gpt2_model_base(m), ids, (int)n_ids, 32, &sc, 1, out, &n_out, print_token, tok)) != LORA_OK) goto fail;
    printf("\n[%d tokens]\n", n_out);
    lora_free(ids); lora_tokenizer_free(tok); lora_adapter_free(ad); gpt2_model_free(m); lora_pool_destroy(pool);
    return 0;
fail:
    fprintf(stderr, "error: %s\n", lora_last_error());
    lora_free(ids); lora_tokenizer_free(tok); lora_adapter_free(ad); gpt2_model_free(m); lora_pool_destroy(pool);
    return 1;
}
