/* gpt2-inspect: list a GPT-2's linear modules, their name patterns and shapes, and what a
   LoRA configuration would train, before training anything.
     build/gpt2-inspect --preset gpt2 --targets c_attn,c_proj --r 8
     build/gpt2-inspect --model model.safetensors --target-regex '.*\.h\.(10|11)\.attn\.c_attn' --batch 4 --seq 128 */
#include "lora.h"
#include "gpt2.h"
#include "cli.h"

static void usage(void) {
    puts("usage: gpt2-inspect (--preset NAME | --model M [--config C]) [--targets LIST | --target-regex RE | --targets all-linear]\n"
         "                    [--exclude LIST] [--layers 0,1,..] [--r 8] [--alpha 16] [--rslora] [--bias none|all|lora_only]\n"
         "                    [--batch B --seq T [--full] [--threads N]]   (training-memory estimate)\n"
         "presets: gpt2, gpt2-medium, gpt2-large, gpt2-xl, distilgpt2, tiny");
}

static void mib(const char *what, size_t bytes) { printf("  %-34s %10.1f MiB\n", what, (double)bytes / (1024.0 * 1024.0)); }

int main(int argc, char **argv) {
    cli_args a;
    gpt2_config cfg;
    gpt2_linear_info *lin;
    lora_module_desc *descs;
    lora_config lc = lora_config_init();
    lora_adapter *ad = NULL;
    const char *preset, *model, *targets, *regex, *exclude, *layers, *bias;
    char **tv = NULL, **ev = NULL, line[256], num[3][48];
    int *lv = NULL, n_lin, i, j, nt = 0, ne = 0, nl = 0, B, T, full, threads, want_lora;
    lora_status s;
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) { usage(); return 0; }
    preset = cli_str(&a, "--preset", NULL);
    model = cli_str(&a, "--model", NULL);
    {
        const char *config = cli_str(&a, "--config", NULL);
        targets = cli_str(&a, "--targets", NULL);
        regex = cli_str(&a, "--target-regex", NULL);
        exclude = cli_str(&a, "--exclude", NULL);
        layers = cli_str(&a, "--layers", NULL);
        bias = cli_str(&a, "--bias", "none");
        lc.r = (int)cli_long(&a, "--r", 8);
        lc.alpha = (float)cli_double(&a, "--alpha", 2.0 * lc.r);
        lc.use_rslora = cli_flag(&a, "--rslora");
        B = (int)cli_long(&a, "--batch", 0);
        T = (int)cli_long(&a, "--seq", 0);
        full = cli_flag(&a, "--full");
        threads = (int)cli_long(&a, "--threads", 2);
        if (!cli_done(&a)) return 2;
        if (!!preset == !!model) { fprintf(stderr, "gpt2-inspect: give exactly one of --preset or --model\n"); usage(); return 2; }
        if (preset) s = gpt2_config_preset(preset, &cfg);
        else {
            gpt2_model *m = NULL;
            s = gpt2_model_load(model, config, NULL, &m);
            if (s == LORA_OK) { cfg = *gpt2_model_config(m); gpt2_model_free(m); }
        }
        if (s != LORA_OK) { fprintf(stderr, "gpt2-inspect: %s\n", lora_last_error()); return 1; }
    }
    if (strcmp(bias, "none") == 0) lc.bias = LORA_BIAS_NONE;
    else if (strcmp(bias, "all") == 0) lc.bias = LORA_BIAS_ALL;
    else if (strcmp(bias, "lora_only") == 0) lc.bias = LORA_BIAS_LORA_ONLY;
    else { fprintf(stderr, "gpt2-inspect: --bias must be none, all or lora_only\n"); return 2; }
    want_lora = targets || regex;
    if (targets && strcmp(targets, "all-linear") == 0) lc.target.all_linear = 1;
    else if (targets) { tv = cli_split(targets, &nt); lc.target.targets = (const char *const *)tv; lc.target.n_targets = nt; }
    lc.target.target_regex = regex;
    if (exclude) { ev = cli_split(exclude, &ne); lc.target.exclude = (const char *const *)ev; lc.target.n_exclude = ne; }
    if (layers) {
        lv = cli_split_ints(layers, &nl);
        if (!lv) { fprintf(stderr, "gpt2-inspect: --layers expects a comma list of layer numbers\n"); return 2; }
        lc.target.layers = lv; lc.target.n_layers = nl;
    }

    n_lin = gpt2_config_num_linears(&cfg);
    lin = (gpt2_linear_info *)calloc((size_t)n_lin, sizeof *lin);
    descs = (lora_module_desc *)calloc((size_t)n_lin, sizeof *descs);
    if (!lin || !descs) { fprintf(stderr, "gpt2-inspect: out of memory\n"); return 1; }
    gpt2_config_linears(&cfg, lin);
    gpt2_config_module_descs(lin, n_lin, descs);
    if (want_lora) {
        s = gpt2_config_check_targets(&cfg, &lc.target);
        if (s == LORA_OK) s = lora_adapter_create(&lc, descs, n_lin, &ad);
        if (s != LORA_OK) { fprintf(stderr, "gpt2-inspect: %s\n", lora_last_error()); return 1; }
    }

    lora_format_count(gpt2_config_num_params(&cfg), num[0], sizeof num[0]);
    printf("GPT-2: %d layers, %d heads, width %d, MLP %d, %d positions, vocab %d: %s parameters%s\n\n", cfg.n_layer, cfg.n_head,
           cfg.n_embd, cfg.n_inner ? cfg.n_inner : 4 * cfg.n_embd, cfg.n_positions, cfg.vocab_size, num[0],
           " (lm_head tied to wte)");
    printf("%-30s %6s %6s %12s", "linear module", "in", "out", "params");
    if (ad) printf("   %-12s %-12s %10s", "LoRA A", "LoRA B", "LoRA params");
    printf("\n");
    for (i = 0; i < n_lin; i++) {
        lora_module *lm = ad ? lora_adapter_module(ad, i) : NULL;
        lora_format_count(lin[i].params, num[0], sizeof num[0]);
        printf("%-30s %6d %6d %12s", lin[i].name, lin[i].in, lin[i].out, num[0]);
        if (lm) {
            char sa[32], sb[32];
            snprintf(sa, sizeof sa, "(%d, %d)", lm->r, lm->in);
            snprintf(sb, sizeof sb, "(%d, %d)", lm->out, lm->r);
            lora_format_count((int64_t)lm->r * (lm->in + lm->out), num[1], sizeof num[1]);
            printf("   %-12s %-12s %10s", sa, sb, num[1]);
        }
        if (lin[i].layer < 0) printf("   (tied to wte)");
        printf("\n");
    }
    /* name patterns: how many modules each list-form key would match */
    printf("\nname patterns (a target_modules entry matches names equal to it or ending in \".\" + it):\n");
    for (j = 1; j <= 2; j++) {
        for (i = 0; i < n_lin; i++) {
            const char *name = lin[i].name, *p = name + strlen(name);
            int dots = 0, k, seen = 0, count = 0;
            while (p > name) { if (p[-1] == '.' && ++dots == j) break; p--; }
            if (dots < j && j > 1) continue;
            for (k = 0; k < i; k++) {
                const char *q = lin[k].name + strlen(lin[k].name) - strlen(p);
                if (q >= lin[k].name && strcmp(q, p) == 0 && (q == lin[k].name || q[-1] == '.')) seen = 1;
            }
            if (seen) continue;
            for (k = 0; k < n_lin; k++) count += lora_name_matches_key(lin[k].name, p);
            printf("  %-16s %3d\n", p, count);
        }
    }
    if (ad) {
        double scaling = ad->n_modules ? ad->modules[0].scaling : 0;
        printf("\nLoRA: r=%d alpha=%g scaling=%g%s, %d modules adapted", lc.r, (double)lc.alpha, scaling,
               lc.use_rslora ? " (rsLoRA)" : "", ad->n_modules);
        if (ad->n_biases) printf(", %d biases trained", ad->n_biases);
        printf("\n");
    }
    {
        int64_t base = gpt2_config_num_params(&cfg), t = ad ? lora_adapter_num_params(ad) : 0, ab = t;
        for (i = 0; ad && i < ad->n_biases; i++) ab -= ad->biases[i].n;
        if (full) t = base, ab = 0;
        lora_format_trainable(t, base + ab, line, sizeof line);
        printf("%s\n", line);
    }
    if (B > 0 && T > 0) {
        gpt2_memory_estimate e;
        if (T > cfg.n_positions) { fprintf(stderr, "gpt2-inspect: --seq %d exceeds n_positions %d\n", T, cfg.n_positions); return 1; }
        gpt2_estimate_memory(&cfg, full ? NULL : ad, full, B, T, threads, &e);
        printf("\ntraining memory estimate, batch %d x seq %d%s:\n", B, T, full ? ", full fine-tuning" : "");
        mib("frozen weights", e.weights);
        mib("activations (incl. logits)", e.activations);
        mib("LoRA weights", e.adapter);
        mib(full ? "gradients (all weights)" : "LoRA gradients", e.gradients);
        mib("AdamW state", e.optimizer);
        mib("total", e.total);
    }
    lora_adapter_free(ad);
    free(lin); free(descs); free(tv); free(ev); free(lv);
    return 0;
}
