/* lora-inspect: list a model's linear modules, their name patterns and shapes, and what a
   LoRA configuration would train, before training anything. Works for every model family
   the tools are built with (tools/models.h); presets are inspected without their weights.
     build/lora-inspect --preset gpt2 --targets c_attn,c_proj --r 8
     build/lora-inspect --model model.safetensors --target-regex '.*\.h\.(10|11)\.attn\.c_attn' --batch 4 --seq 128 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* readlink: the bundled tokenizer beside the executable */
#endif
#include "lora.h"
#include "models.h"

static void usage(void) {
    const lora_model_family *fams[CLI_MAX_FAMILIES];
    int n = cli_families(fams), i, k;
    puts("usage: lora-inspect (--preset NAME | --model M [--config C]) [--targets LIST | --target-regex RE | --targets all-linear]\n"
         "                    [--exclude LIST] [--layers 0,1,..] [--r 8] [--alpha 16] [--rslora] [--bias none|all|lora_only]\n"
         "                    [--batch B --seq T [--full] [--threads N]]   (training-memory estimate)");
    printf("presets:");
    for (i = 0; i < n; i++)
        for (k = 0; fams[i]->presets && fams[i]->presets[k]; k++) printf("%s %s", i || k ? "," : "", fams[i]->presets[k]);
    printf("\n");
}

static void mib(const char *what, size_t bytes) { printf("  %-34s %10.1f MiB\n", what, (double)bytes / (1024.0 * 1024.0)); }

int main(int argc, char **argv) {
    cli_args a;
    lora_config lc = lora_config_init();
    lora_model *m = NULL;
    const lora_model_info *info;
    const lora_module_desc *mods;
    lora_adapter *ad = NULL;
    const char *preset, *model, *config, *targets, *regex, *exclude, *layers, *bias, *output_note;
    char **tv = NULL, **ev = NULL, line[256], num[3][48];
    int *lv = NULL, n_lin, i, j, nt = 0, ne = 0, nl = 0, B, T, full, threads, want_lora, rc = 1;
    lora_status s;
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) { usage(); cli_free(&a); return 0; }
    preset = cli_str(&a, "--preset", NULL);
    model = cli_str(&a, "--model", NULL);
    config = cli_str(&a, "--config", NULL);
    targets = cli_str(&a, "--targets", NULL);
    regex = cli_str(&a, "--target-regex", NULL);
    exclude = cli_str(&a, "--exclude", NULL);
    layers = cli_str(&a, "--layers", NULL);
    bias = cli_str(&a, "--bias", "none");
    lc.r = (int)cli_int(&a, "--r", 8, 1, 65536);
    lc.alpha = (float)cli_real(&a, "--alpha", 2.0 * lc.r, 1e-6, 1e6);
    lc.use_rslora = cli_flag(&a, "--rslora");
    B = (int)cli_int(&a, "--batch", 0, 1, 65536);
    T = (int)cli_int(&a, "--seq", 0, 2, 1 << 20);
    full = cli_flag(&a, "--full");
    threads = (int)cli_int(&a, "--threads", 2, 1, 1024);
    if (!cli_done(&a)) { cli_free(&a); return 2; }
    cli_free(&a);
    if (!!preset == !!model) { fprintf(stderr, "lora-inspect: give exactly one of --preset or --model\n"); usage(); return 2; }
    if (lora_bias_mode_from_name(bias) >= 0) lc.bias = (lora_bias_mode)lora_bias_mode_from_name(bias);
    else { fprintf(stderr, "lora-inspect: --bias must be none, all or lora_only\n"); return 2; }
    want_lora = targets || regex;
    if (targets && strcmp(targets, "all-linear") == 0) lc.target.all_linear = 1;
    else if (targets) { tv = cli_split(targets, &nt); lc.target.targets = (const char *const *)tv; lc.target.n_targets = nt; }
    lc.target.target_regex = regex;
    if (exclude) { ev = cli_split(exclude, &ne); lc.target.exclude = (const char *const *)ev; lc.target.n_exclude = ne; }
    if (layers) {
        lv = cli_split_ints(layers, &nl, 0, 1 << 20);
        if (!lv) { fprintf(stderr, "lora-inspect: --layers expects a comma list of layer numbers\n"); rc = 2; goto out; }
        lc.target.layers = lv; lc.target.n_layers = nl;
    }

    /* the model's structure (a preset without its weights) */
    if (!(m = cli_open_model_shape("lora-inspect", model, config, preset, NULL))) goto out;
    info = lora_model_get_info(m);
    mods = info->modules;
    n_lin = info->n_modules;
    if (want_lora) {
        s = lora_model_adapter_create(m, &lc, &ad);
        if (s == LORA_OK) s = lora_model_set_adapter(m, ad);
        if (s != LORA_OK) { fprintf(stderr, "lora-inspect: %s\n", lora_last_error()); goto out; }
    }

    cli_describe_model(m, line, sizeof line, &output_note);
    printf("%s\n\n", line);
    printf("%-30s %6s %6s %12s", "linear module", "in", "out", "params");
    if (ad) printf("   %-12s %-12s %10s", "LoRA A", "LoRA B", "LoRA params");
    printf("\n");
    for (i = 0; i < n_lin; i++) {
        lora_module *lm = ad ? lora_adapter_module(ad, i) : NULL;
        lora_format_count((int64_t)mods[i].in * mods[i].out + (mods[i].has_bias ? mods[i].out : 0), num[0], sizeof num[0]);
        printf("%-30s %6d %6d %12s", mods[i].name, mods[i].in, mods[i].out, num[0]);
        if (lm) {
            char sa[32], sb[32];
            snprintf(sa, sizeof sa, "(%d, %d)", lm->r, lm->in);
            snprintf(sb, sizeof sb, "(%d, %d)", lm->out, lm->r);
            lora_format_count((int64_t)lm->r * (lm->in + lm->out), num[1], sizeof num[1]);
            printf("   %-12s %-12s %10s", sa, sb, num[1]);
        }
        if (output_note && info->module_layer && info->module_layer[i] < 0) printf("   %s", output_note);
        printf("\n");
    }
    /* name patterns: how many modules each list-form key would match (the last one and the
       last two components of the names) */
    printf("\nname patterns (a target_modules entry matches names equal to it or ending in \".\" + it):\n");
    for (j = 1; j <= 2; j++) {
        for (i = 0; i < n_lin; i++) {
            const char *name = mods[i].name, *p = name + strlen(name);
            int dots = 0, k, seen = 0, count = 0;
            while (p > name) { if (p[-1] == '.' && ++dots == j) break; p--; }
            if (dots < j && j > 1) continue;
            for (k = 0; k < i; k++) {
                const char *q = mods[k].name + strlen(mods[k].name) - strlen(p);
                if (q >= mods[k].name && strcmp(q, p) == 0 && (q == mods[k].name || q[-1] == '.')) seen = 1;
            }
            if (seen) continue;
            for (k = 0; k < n_lin; k++) count += lora_name_matches_key(mods[k].name, p);
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
    /* PEFT's line; full fine-tuning trains every weight */
    if (full) lora_format_trainable(info->num_params, info->num_params, line, sizeof line);
    else lora_model_trainable_line(m, line, sizeof line);
    printf("%s\n", line);
    if (B > 0 && T > 0) {
        lora_memory_estimate e;
        if (T > info->max_seq) {
            fprintf(stderr, "lora-inspect: --seq %d exceeds the context length %d\n", T, info->max_seq);
            goto out;
        }
        lora_model_estimate_memory(m, full ? NULL : ad, full, B, T, threads, &e);
        printf("\ntraining memory estimate, batch %d x seq %d%s:\n", B, T, full ? ", full fine-tuning" : "");
        mib("frozen weights", e.weights);
        mib("activations (incl. logits)", e.activations);
        mib("LoRA weights", e.adapter);
        mib(full ? "gradients (all weights)" : "LoRA gradients", e.gradients);
        mib("AdamW state", e.optimizer);
        mib("total", e.total);
    }
    rc = 0;
out:
    if (m) lora_model_set_adapter(m, NULL);
    lora_model_free(m);
    lora_adapter_free(ad);
    free(tv); free(ev); free(lv);
    return rc;
}
