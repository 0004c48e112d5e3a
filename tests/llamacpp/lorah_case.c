/* The lora.h side of tests/llamacpp/run.sh (not part of make test).
     lorah-case make DIR L H C P F SEED TARGETS R ALPHA RSLORA T
        writes DIR/model (model.safetensors + config.json: a GPT-2 with GPT-2's vocabulary and
        the given widths, weights drawn larger than Hugging Face's init so that the
        predictions are far from uniform), DIR/adapter (PEFT, B drawn at random, not zero, so
        the adapter changes the loss) and DIR/ids.txt (T random ids)
     lorah-case loss MODEL [ADAPTER_DIR] IDS.txt
        prints lora.h's mean next-token loss of the ids (MODEL may be a .gguf file) */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "../../tools/models.h"

static int make(char **argv) {
    const char *dir = argv[0];
    gpt2_config cfg;
    gpt2_model *g = NULL;
    lora_model *m;
    lora_config lc = lora_config_init();
    lora_adapter *ad = NULL;
    lora_rng rng;
    char path[4096], **targets;
    int n_targets, i, T;
    int64_t j;
    FILE *f;
    memset(&cfg, 0, sizeof cfg);
    cfg.n_layer = atoi(argv[1]); cfg.n_head = atoi(argv[2]); cfg.n_embd = atoi(argv[3]);
    cfg.n_positions = atoi(argv[4]); cfg.n_inner = atoi(argv[5]); cfg.vocab_size = 50257; cfg.layer_norm_eps = 1e-5f;
    lora_rng_seed(&rng, (uint64_t)atoll(argv[6]) + 1000);
    targets = cli_split(argv[7], &n_targets);
    lc.r = atoi(argv[8]); lc.alpha = (float)atof(argv[9]); lc.use_rslora = atoi(argv[10]);
    lc.target.targets = (const char *const *)targets; lc.target.n_targets = n_targets;
    T = atoi(argv[11]);
    if (gpt2_model_create(&cfg, NULL, &g) != LORA_OK) goto fail;
    gpt2_model_init_random(g, (uint64_t)atoll(argv[6]));
    for (i = 0; i < gpt2_model_num_tensors(g); i++) {
        int nd;
        int64_t shape[2];
        float *d;
        const char *name = gpt2_model_tensor(g, i, &nd, shape, &d);
        int64_t n = shape[0] * (nd > 1 ? shape[1] : 1);
        int ln = strstr(name, "ln_") != NULL, bias = strstr(name, ".bias") != NULL;
        for (j = 0; j < n; j++) {
            if (ln && !bias) d[j] = 1.0f + 0.2f * lora_rng_normal(&rng);
            else if (bias) d[j] = 0.05f * lora_rng_normal(&rng);
            else d[j] *= strncmp(name, "wte", 3) == 0 ? 10.0f : 4.0f;
        }
    }
    m = gpt2_model_base(g);
    if (gpt2_model_set_name(g, "lorah-case") != LORA_OK) goto fail;
    snprintf(path, sizeof path, "%s/model/model.safetensors", dir);
    if (lora_model_save(m, path) != LORA_OK) goto fail;
    if (lora_model_adapter_create(m, &lc, &ad) != LORA_OK) goto fail;
    for (i = 0; i < ad->n_modules; i++)
        for (j = 0; j < (int64_t)ad->modules[i].out * ad->modules[i].r; j++) ad->modules[i].B[j] = 0.2f * lora_rng_normal(&rng);
    snprintf(path, sizeof path, "%s/adapter", dir);
    if (lora_model_adapter_save(m, ad, path) != LORA_OK) goto fail;
    snprintf(path, sizeof path, "%s/ids.txt", dir);
    if (!(f = fopen(path, "w"))) { perror(path); goto fail2; }
    for (i = 0; i < T; i++) fprintf(f, "%u%c", lora_rng_u32(&rng) % 50257u, i + 1 < T ? ' ' : '\n');
    fclose(f);
    printf("%s: %d modules adapted, scaling %g\n", dir, ad->n_modules, (double)ad->modules[0].scaling);
    lora_adapter_free(ad);
    gpt2_model_free(g);
    free(targets);
    return 0;
fail:
    fprintf(stderr, "lorah-case: %s\n", lora_last_error());
fail2:
    lora_adapter_free(ad);
    gpt2_model_free(g);
    free(targets);
    return 1;
}

static int loss(int argc, char **argv) {
    const lora_model_family *fams[CLI_MAX_FAMILIES];
    int nf = cli_families(fams), n = 0;
    lora_model *m = NULL;
    lora_adapter *ad = NULL;
    int32_t ids[4096];
    float l;
    FILE *f = fopen(argv[argc - 1], "r");
    if (!f) { perror(argv[argc - 1]); return 1; }
    while (n < 4096 && fscanf(f, "%d", &ids[n]) == 1) n++;
    fclose(f);
    if (lora_model_open(fams, nf, argv[0], NULL, NULL, 0, NULL, &m) != LORA_OK) goto fail;
    if (argc == 3) {
        if (lora_model_adapter_load(m, argv[1], &ad, NULL) != LORA_OK || lora_model_set_adapter(m, ad) != LORA_OK) goto fail;
    }
    if (lora_model_forward(m, ids, ids, 1, n, &l) != LORA_OK) goto fail;
    printf("%.9f\n", (double)l);
    lora_model_free(m);
    lora_adapter_free(ad);
    return 0;
fail:
    fprintf(stderr, "lorah-case: %s\n", lora_last_error());
    lora_model_free(m);
    lora_adapter_free(ad);
    return 1;
}

int main(int argc, char **argv) {
    if (argc == 14 && strcmp(argv[1], "make") == 0) return make(argv + 2);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "loss") == 0) return loss(argc - 2, argv + 2);
    fprintf(stderr, "usage: lorah-case make DIR L H C P F SEED TARGETS R ALPHA RSLORA T | loss MODEL [ADAPTER] IDS.txt\n");
    return 2;
}
