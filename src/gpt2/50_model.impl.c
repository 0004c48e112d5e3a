/* ---- GPT-2 as an engine model: lora_model_ops and the family ---- */

static gpt2_model *gpt2__of(lora_model *b) { return (gpt2_model *)(void *)b; }
static const gpt2_model *gpt2__ofc(const lora_model *b) { return (const gpt2_model *)(const void *)b; }

/* A shape-only model (gpt2__family_shape) has no weights to compute with. */
static lora_status gpt2__weights(const gpt2_model *m, const char *what) {
    if (m->params) return LORA_OK;
    return lora_fail(LORA_ERR_INVALID_ARG, "%s: this GPT-2 was opened as a shape only (no weights)", what);
}

static void gpt2__op_destroy(lora_model *b) { gpt2_model_free(gpt2__of(b)); }
static void gpt2__op_set_pool(lora_model *b, lora_pool *pool) { gpt2_model_set_pool(gpt2__of(b), pool); }
static lora_pool *gpt2__op_pool(const lora_model *b) { return gpt2__ofc(b)->pool; }
static lora_status gpt2__op_adapter_create(const lora_model *b, const lora_config *cfg, lora_adapter **out) {
    return gpt2_lora_create(gpt2__ofc(b), cfg, out);
}
static lora_status gpt2__op_adapter_load(const lora_model *b, const char *dir, lora_adapter **out, char **warnings) {
    return gpt2_lora_load(gpt2__ofc(b), dir, out, warnings);
}
static lora_status gpt2__op_set_adapter(lora_model *b, lora_adapter *ad) { return gpt2_model_set_adapter(gpt2__of(b), ad); }
static lora_adapter *gpt2__op_adapter(const lora_model *b) { return gpt2_model_adapter(gpt2__ofc(b)); }
static lora_status gpt2__op_merge(lora_model *b, lora_adapter *ad, int sign) {
    lora_status s = gpt2__weights(gpt2__of(b), "lora_model_merge");
    return s != LORA_OK ? s : gpt2_model_merge(gpt2__of(b), ad, sign);
}
static lora_status gpt2__op_set_full(lora_model *b, int on) {
    lora_status s = gpt2__weights(gpt2__of(b), "lora_model_set_full_finetune");
    return s != LORA_OK ? s : gpt2_model_set_full_finetune(gpt2__of(b), on);
}
static void gpt2__op_set_training(lora_model *b, int training, uint64_t seed) { gpt2_model_set_training(gpt2__of(b), training, seed); }
static uint64_t gpt2__op_dropout_step(const lora_model *b) { return gpt2_model_dropout_step(gpt2__ofc(b)); }
static void gpt2__op_set_dropout_step(lora_model *b, uint64_t s) { gpt2_model_set_dropout_step(gpt2__of(b), s); }
static lora_status gpt2__op_forward(lora_model *b, const int32_t *in, const int32_t *lab, const int32_t *pos, int B, int T,
                                    float *loss) {
    lora_status s = gpt2__weights(gpt2__of(b), "lora_model_forward");
    return s != LORA_OK ? s : gpt2_forward_positions(gpt2__of(b), in, lab, pos, B, T, loss);
}
static const float *gpt2__op_logits(const lora_model *b) { return gpt2_logits(gpt2__ofc(b)); }
static lora_status gpt2__op_backward(lora_model *b) { return gpt2_backward(gpt2__of(b)); }
static void gpt2__op_zero_grad(lora_model *b) { gpt2_zero_grad(gpt2__of(b)); }
static lora_status gpt2__op_params(lora_model *b, lora_param **p, int *n) { return gpt2_trainable_params(gpt2__of(b), p, n); }
static lora_status gpt2__op_save(const lora_model *b, const char *path) {
    lora_status s = gpt2__weights(gpt2__ofc(b), "lora_model_save");
    return s != LORA_OK ? s : gpt2_model_save(gpt2__ofc(b), path);
}
static void gpt2__op_estimate(const lora_model *b, const lora_adapter *ad, int full, int B, int T, int threads,
                              lora_memory_estimate *out) {
    gpt2__estimate(&gpt2__ofc(b)->cfg, gpt2__ofc(b)->base_dtype, ad, full, B, T, threads, out);
}
static size_t gpt2__op_memory(const lora_model *b) { return gpt2_model_memory(gpt2__ofc(b)); }
static lora_status gpt2__op_kv_create(const lora_model *b, int max_T, lora_kv **out) {
    lora_status s = gpt2__weights(gpt2__ofc(b), "lora_kv_create");
    return s != LORA_OK ? s : gpt2_kv_create(gpt2__ofc(b), max_T, (gpt2_kv_cache **)out);
}
static void gpt2__op_kv_free(lora_kv *kv) { gpt2_kv_free((gpt2_kv_cache *)kv); }
static void gpt2__op_kv_reset(lora_kv *kv) { gpt2_kv_reset((gpt2_kv_cache *)kv); }
static lora_status gpt2__op_kv_truncate(lora_kv *kv, int n) { return gpt2_kv_truncate((gpt2_kv_cache *)kv, n); }
static int gpt2__op_kv_length(const lora_kv *kv) { return gpt2_kv_length((const gpt2_kv_cache *)kv); }
static int gpt2__op_kv_capacity(const lora_kv *kv) { return gpt2_kv_capacity((const gpt2_kv_cache *)kv); }
static size_t gpt2__op_kv_memory(const lora_kv *kv) { return gpt2_kv_memory((const gpt2_kv_cache *)kv); }
static lora_status gpt2__op_forward_cached(lora_model *b, lora_kv *kv, const int32_t *tokens, int n, float *logits) {
    return gpt2_forward_cached(gpt2__of(b), (gpt2_kv_cache *)kv, tokens, n, logits);
}

static const lora_model_ops gpt2__ops = {
    gpt2__op_destroy, gpt2__op_set_pool, gpt2__op_pool,
    gpt2__op_adapter_create, gpt2__op_adapter_load, gpt2__op_set_adapter, gpt2__op_adapter, gpt2__op_merge,
    gpt2__op_set_full, gpt2__op_set_training, gpt2__op_dropout_step, gpt2__op_set_dropout_step,
    gpt2__op_forward, gpt2__op_logits, gpt2__op_backward, gpt2__op_zero_grad, gpt2__op_params,
    gpt2__op_save, gpt2__op_estimate, gpt2__op_memory,
    gpt2__op_kv_create, gpt2__op_kv_free, gpt2__op_kv_reset, gpt2__op_kv_truncate, gpt2__op_kv_length,
    gpt2__op_kv_capacity, gpt2__op_kv_memory, gpt2__op_forward_cached,
    gpt2__op_gguf_write, gpt2__op_gguf_module
};

/* PEFT's default target_modules for GPT-2 (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
static const char *const gpt2__default_targets[] = {"c_attn"};

static lora_status gpt2__base_init(gpt2_model *m) {
    lora_model_info *in = &m->base.info;
    int i;
    m->module_layer = (int *)lora_malloc(sizeof(int) * (size_t)m->n_linears, "module table");
    if (!m->module_layer) return LORA_ERR_OOM;
    for (i = 0; i < m->n_linears; i++) m->module_layer[i] = m->linears[i].layer;
    m->base.ops = &gpt2__ops;
    memset(in, 0, sizeof *in);
    in->family = "gpt2";
    in->name_or_path = m->name_or_path;
    in->vocab_size = m->cfg.vocab_size;
    in->max_seq = m->cfg.n_positions;
    in->n_layer = m->cfg.n_layer;
    in->eos = m->cfg.vocab_size > GPT2_EOT ? GPT2_EOT : -1;
    in->fan_in_fan_out = 1;
    in->num_params = gpt2_config_num_params(&m->cfg);
    in->n_modules = m->n_linears;
    in->modules = m->descs;
    in->module_layer = m->module_layer;
    in->n_default_targets = 1;
    in->default_targets = gpt2__default_targets;
    in->tied_output = 1;
    snprintf(m->summary, sizeof m->summary, "GPT-2: %d layers, %d heads, width %d, MLP %d, %d positions, vocab %d "
             "(lm_head tied to wte)", m->cfg.n_layer, m->cfg.n_head, m->cfg.n_embd, gpt2__inner(&m->cfg),
             m->cfg.n_positions, m->cfg.vocab_size);
    in->summary = m->summary;
    in->gguf_arch = "gpt2";
    return LORA_OK;
}

LORA_API lora_model *gpt2_model_base(gpt2_model *m) { return m ? &m->base : NULL; }
LORA_API gpt2_model *gpt2_model_from_base(lora_model *b) { return b && b->ops == &gpt2__ops ? gpt2__of(b) : NULL; }

LORA_API lora_status gpt2_model_set_name(gpt2_model *m, const char *name_or_path) {
    char *copy = NULL;
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_set_name: model is NULL");
    if (name_or_path && !(copy = lora_strdup(name_or_path))) return LORA_ERR_OOM;
    lora_free(m->name_or_path);
    m->name_or_path = copy;
    m->base.info.name_or_path = copy;
    return LORA_OK;
}

/* ---- the family, for lora_model_open ---- */
static const char *const gpt2__model_types[] = {"gpt2", NULL};
static const char *const gpt2__presets[] = {"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2", "tiny", "small", NULL};

static int gpt2__probe(const char *path) {
    unsigned char b[4];
    FILE *f;
    size_t got;
    f = fopen(path, "rb");
    if (!f) return 0;
    got = fread(b, 1, 4, f);
    fclose(f);
    return got == 4 && (b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24) == (uint32_t)GPT2__LLMC_CKPT_MAGIC;
}

/* What Hugging Face records for from_pretrained(dir): the directory of the weights. */
static lora_status gpt2__name_from_path(gpt2_model *m, const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    size_t n;
    if (!slash) return gpt2_model_set_name(m, ".");
    n = slash == path ? 1 : (size_t)(slash - path);
    if (!(dir = (char *)lora_malloc(n + 1, "model name"))) return LORA_ERR_OOM;
    memcpy(dir, path, n);
    dir[n] = 0;
    s = gpt2_model_set_name(m, dir);
    lora_free(dir);
    return s;
}

static lora_status gpt2__family_load_as(const char *path, const char *config_path, lora_pool *pool, lora_dtype dtype,
                                        lora_model **out) {
    gpt2_model *m;
    lora_status s = gpt2_model_load_as(path, config_path, pool, dtype, &m);
    if (s != LORA_OK) return s;
    if ((s = gpt2__name_from_path(m, path)) != LORA_OK) { gpt2_model_free(m); return s; }
    *out = &m->base;
    return LORA_OK;
}

static lora_status gpt2__family_load(const char *path, const char *config_path, lora_pool *pool, lora_model **out) {
    return gpt2__family_load_as(path, config_path, pool, LORA_DT_F32, out);
}

static lora_status gpt2__family_preset_as(const char *preset, uint64_t seed, lora_pool *pool, lora_dtype dtype, lora_model **out) {
    gpt2_config cfg;
    gpt2_model *m;
    lora_status s;
    if ((s = gpt2_config_preset(preset, &cfg)) != LORA_OK) return s;
    if ((s = gpt2_model_create_as(&cfg, pool, dtype, &m)) != LORA_OK) return s;
    gpt2_model_init_random(m, seed);
    if ((s = gpt2_model_set_name(m, preset)) != LORA_OK) { gpt2_model_free(m); return s; }
    *out = &m->base;
    return LORA_OK;
}

static lora_status gpt2__family_preset(const char *preset, uint64_t seed, lora_pool *pool, lora_model **out) {
    return gpt2__family_preset_as(preset, seed, pool, LORA_DT_F32, out);
}

static lora_status gpt2__family_shape(const char *preset, lora_model **out) {
    gpt2_config cfg;
    gpt2_model *m;
    lora_status s;
    if ((s = gpt2_config_preset(preset, &cfg)) != LORA_OK) return s;
    if ((s = gpt2__model_new(&cfg, NULL, 0, LORA_DT_F32, &m)) != LORA_OK) return s;
    if ((s = gpt2_model_set_name(m, preset)) != LORA_OK) { gpt2_model_free(m); return s; }
    *out = &m->base;
    return LORA_OK;
}

static const lora_model_family gpt2__family = {
    "gpt2", gpt2__model_types, gpt2__presets, gpt2__probe, gpt2__family_load, gpt2__family_preset, gpt2__family_shape,
    gpt2__family_load_as, gpt2__family_preset_as
};
LORA_API const lora_model_family *gpt2_family(void) { return &gpt2__family; }
