/* The model families the tools are built with, and opening a model from the usual options
   (--model M [--config C] | --preset NAME [--init-seed S]). A new family is one more header
   and one more line in cli_families. */
#ifndef LORA_TOOLS_MODELS_H
#define LORA_TOOLS_MODELS_H
#include "lora.h"
#include "gpt2.h"
#include "cli.h"

#define CLI_MAX_FAMILIES 8

CLI_FN int cli_families(const lora_model_family **out) {
    int n = 0;
    out[n++] = gpt2_family();
    return n;
}

/* Opens the model the options name; prints the error and returns NULL on failure. */
CLI_FN lora_model *cli_open_model(const char *prog, const char *model_path, const char *config, const char *preset,
                                  uint64_t init_seed, lora_pool *pool) {
    const lora_model_family *fams[CLI_MAX_FAMILIES];
    int n = cli_families(fams);
    lora_model *m = NULL;
    if (!!model_path == !!preset) {
        fprintf(stderr, "%s: give exactly one of --model or --preset\n", prog);
        return NULL;
    }
    if (lora_model_open(fams, n, model_path, config, preset, init_seed, pool, &m) != LORA_OK) {
        fprintf(stderr, "%s: %s\n", prog, lora_last_error());
        return NULL;
    }
    return m;
}

/* The tokenizer: --tokenizer DIR, else the model's directory when it holds one (vocab.json +
   merges.txt or encoder.json + vocab.bpe, as a Hugging Face folder), else the bundled GPT-2
   vocabulary in data/gpt2-tokenizer. */
CLI_FN lora_tokenizer *cli_open_tokenizer(const char *prog, const char *tok_dir, const char *model_path) {
    lora_tokenizer *tok = NULL;
    if (tok_dir) {
        if (lora_tokenizer_load(tok_dir, &tok) != LORA_OK) { fprintf(stderr, "%s: %s\n", prog, lora_last_error()); return NULL; }
        return tok;
    }
    if (model_path) {
        char dir[4096];
        const char *slash = strrchr(model_path, '/');
        if (lora_tokenizer_load(model_path, &tok) == LORA_OK) return tok;          /* a model directory */
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - model_path) : 1, slash ? model_path : ".");
        if (lora_tokenizer_load(dir, &tok) == LORA_OK) return tok;
    }
    if (lora_tokenizer_load("data/gpt2-tokenizer", &tok) != LORA_OK) {
        fprintf(stderr, "%s: %s (pass --tokenizer DIR)\n", prog, lora_last_error());
        return NULL;
    }
    return tok;
}
/* ---- models that only describe themselves (lora-inspect) ----
   A preset from cli_open_model is allocated and randomly initialised: for gpt2-xl that is
   6 GB and about 50 s on the development VM (30 s of it only touching the pages), to count
   modules. cli_open_model_shape opens what the options name like cli_open_model, except
   that a preset of a family listed below comes without weights: the same lora_model_info
   (modules, layers, parameter count), lora_model_adapter_create (with the family's target
   checks and bias modes), set_adapter / adapter, lora_model_trainable_line and
   lora_model_estimate_memory; everything else answers LORA_ERR_UNSUPPORTED. A family
   without such a path here is opened with its weights. */
typedef struct cli__gpt2_shape {
    lora_model base;             /* first member: the engine passes &base */
    gpt2_config cfg;
    gpt2_linear_info *lin;
    lora_module_desc *descs;
    int *layer;
    lora_adapter *ad;            /* attached, not owned */
    char name[32];
} cli__gpt2_shape;

CLI_FN cli__gpt2_shape *cli__gpt2_shape_of(lora_model *b) { return (cli__gpt2_shape *)(void *)b; }
CLI_FN const cli__gpt2_shape *cli__gpt2_shape_ofc(const lora_model *b) { return (const cli__gpt2_shape *)(const void *)b; }

CLI_FN void cli__gpt2_shape_destroy(lora_model *b) {
    cli__gpt2_shape *m = cli__gpt2_shape_of(b);
    free(m->lin); free(m->descs); free(m->layer); free(m);
}

/* gpt2_lora_create without the weights: the same target checks, modules and biases (their
   values are zeros here; only their number and names matter without weights) */
CLI_FN lora_status cli__gpt2_shape_adapter_create(const lora_model *b, const lora_config *cfg, lora_adapter **out) {
    const cli__gpt2_shape *m = cli__gpt2_shape_ofc(b);
    const gpt2_config *c = &m->cfg;
    int C = c->n_embd, F = c->n_inner ? c->n_inner : 4 * c->n_embd, n = m->base.info.n_modules, i;
    lora_adapter *ad = NULL;
    float *zero = NULL;
    char name[96];
    lora_status s;
    *out = NULL;
    if ((s = gpt2_config_check_targets(c, &cfg->target)) != LORA_OK) return s;
    if ((s = lora_adapter_create(cfg, m->descs, n, &ad)) != LORA_OK) return s;
    if (cfg->bias != LORA_BIAS_NONE) {
        zero = (float *)calloc((size_t)(3 * C > F ? 3 * C : F), sizeof(float));
        if (!zero) { lora_adapter_free(ad); return LORA_ERR_OOM; }
        /* GPT-2's tensor order: ln_1.bias before c_attn, ln_2.bias before c_fc, ln_f.bias last
           ("all" trains the LayerNorm biases too, as PEFT does) */
        for (i = 0; i < n && s == LORA_OK; i++) {
            int l = m->lin[i].layer, k = i % GPT2_LINEARS_PER_LAYER;
            if (cfg->bias == LORA_BIAS_ALL && l >= 0 && (k == 0 || k == 2)) {
                snprintf(name, sizeof name, "transformer.h.%d.%s.bias", l, k == 0 ? "ln_1" : "ln_2");
                s = lora_adapter_add_bias(ad, name, zero, C);
            }
            if (s != LORA_OK || !m->lin[i].has_bias) continue;
            if (cfg->bias == LORA_BIAS_ALL || lora_adapter_find(ad, m->lin[i].name)) {
                snprintf(name, sizeof name, "%s.bias", m->lin[i].name);
                s = lora_adapter_add_bias(ad, name, zero, m->lin[i].out);
            }
        }
        if (s == LORA_OK && cfg->bias == LORA_BIAS_ALL) s = lora_adapter_add_bias(ad, "transformer.ln_f.bias", zero, C);
        free(zero);
        if (s != LORA_OK) { lora_adapter_free(ad); return s; }
    }
    *out = ad;
    return LORA_OK;
}
CLI_FN lora_status cli__gpt2_shape_set_adapter(lora_model *b, lora_adapter *ad) {
    cli__gpt2_shape_of(b)->ad = ad;
    return LORA_OK;
}
CLI_FN lora_adapter *cli__gpt2_shape_adapter(const lora_model *b) { return cli__gpt2_shape_ofc(b)->ad; }
CLI_FN void cli__gpt2_shape_estimate(const lora_model *b, const lora_adapter *ad, int full, int B, int T, int threads,
                                     lora_memory_estimate *out) {
    gpt2_estimate_memory(&cli__gpt2_shape_ofc(b)->cfg, ad, full, B, T, threads, out);
}

static const lora_model_ops cli__gpt2_shape_ops = {
    .destroy = cli__gpt2_shape_destroy,
    .adapter_create = cli__gpt2_shape_adapter_create,
    .set_adapter = cli__gpt2_shape_set_adapter,
    .adapter = cli__gpt2_shape_adapter,
    .estimate_memory = cli__gpt2_shape_estimate
};

/* A GPT-2 preset's structure without weights (NULL with the error set when out of memory). */
CLI_FN lora_model *cli__gpt2_shape_open(const gpt2_config *cfg, const char *preset) {
    static const char *const default_targets[] = {"c_attn"};    /* PEFT's default for GPT-2 */
    cli__gpt2_shape *m = (cli__gpt2_shape *)calloc(1, sizeof *m);
    lora_model_info *in;
    int n = gpt2_config_num_linears(cfg), i;
    if (!m) return NULL;
    m->cfg = *cfg;
    m->lin = (gpt2_linear_info *)calloc((size_t)n, sizeof *m->lin);
    m->descs = (lora_module_desc *)calloc((size_t)n, sizeof *m->descs);
    m->layer = (int *)calloc((size_t)n, sizeof *m->layer);
    if (!m->lin || !m->descs || !m->layer) { free(m->lin); free(m->descs); free(m->layer); free(m); return NULL; }
    gpt2_config_linears(cfg, m->lin);
    gpt2_config_module_descs(m->lin, n, m->descs);
    for (i = 0; i < n; i++) m->layer[i] = m->lin[i].layer;
    snprintf(m->name, sizeof m->name, "%s", preset);
    m->base.ops = &cli__gpt2_shape_ops;
    in = &m->base.info;
    in->family = "gpt2";
    in->name_or_path = m->name;
    in->vocab_size = cfg->vocab_size;
    in->max_seq = cfg->n_positions;
    in->n_layer = cfg->n_layer;
    in->eos = cfg->vocab_size > GPT2_EOT ? GPT2_EOT : -1;
    in->fan_in_fan_out = 1;
    in->num_params = gpt2_config_num_params(cfg);
    in->n_modules = n;
    in->modules = m->descs;
    in->module_layer = m->layer;
    in->n_default_targets = 1;
    in->default_targets = default_targets;
    return &m->base;
}

CLI_FN lora_model *cli_open_model_shape(const char *prog, const char *model_path, const char *config, const char *preset,
                                        lora_pool *pool) {
    gpt2_config cfg;
    const char *const *p;
    for (p = gpt2_family()->presets; preset && !model_path && p && *p; p++)
        if (strcmp(*p, preset) == 0) {
            lora_model *m = NULL;
            if (gpt2_config_preset(preset, &cfg) == LORA_OK && !(m = cli__gpt2_shape_open(&cfg, preset)))
                fprintf(stderr, "%s: out of memory\n", prog);
            else if (!m) fprintf(stderr, "%s: %s\n", prog, lora_last_error());
            return m;
        }
    return cli_open_model(prog, model_path, config, preset, 0, pool);
}

/* A line saying what the model is (no newline): the family's own numbers where this file
   knows them, else lora_model_info's. *output_note: what to print after modules outside the
   blocks (GPT-2's lm_head: "(tied to wte)"), or NULL. */
CLI_FN void cli_describe_model(lora_model *m, char *buf, size_t size, const char **output_note) {
    const lora_model_info *in = lora_model_get_info(m);
    const gpt2_config *c = NULL;
    char num[48];
    gpt2_model *g = gpt2_model_from_base(m);
    lora_format_count(in->num_params, num, sizeof num);
    if (g) c = gpt2_model_config(g);
    else if (m->ops == &cli__gpt2_shape_ops) c = &cli__gpt2_shape_ofc(m)->cfg;
    *output_note = NULL;
    if (c) {
        snprintf(buf, size, "GPT-2: %d layers, %d heads, width %d, MLP %d, %d positions, vocab %d: %s parameters%s",
                 c->n_layer, c->n_head, c->n_embd, c->n_inner ? c->n_inner : 4 * c->n_embd, c->n_positions,
                 c->vocab_size, num, " (lm_head tied to wte)");
        *output_note = "(tied to wte)";
        return;
    }
    snprintf(buf, size, "%s: %d layers, %d positions, vocab %d: %s parameters", in->family ? in->family : "model",
             in->n_layer, in->max_seq, in->vocab_size, num);
}
#endif
