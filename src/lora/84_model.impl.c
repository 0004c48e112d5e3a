/* ---- models: the engine's side of the model interface ---- */

#define LORA__NEED_OP(m, op, what)                                                                              \
    do {                                                                                                       \
        if (!(m)) return lora__fail(LORA_ERR_INVALID_ARG, "%s: model is NULL", what);                          \
        if (!(m)->ops->op)                                                                                     \
            return lora__fail(LORA_ERR_UNSUPPORTED, "%s: the %s model does not implement it", what,            \
                              (m)->info.family ? (m)->info.family : "(unnamed)");                              \
    } while (0)

LORA_API const lora_model_info *lora_model_get_info(const lora_model *m) { return m ? &m->info : NULL; }
LORA_API void lora_model_free(lora_model *m) { if (m && m->ops->destroy) m->ops->destroy(m); }
LORA_API lora_pool *lora_model_pool(const lora_model *m) { return m && m->ops->pool ? m->ops->pool(m) : NULL; }
LORA_API void lora_model_set_pool(lora_model *m, lora_pool *pool) { if (m && m->ops->set_pool) m->ops->set_pool(m, pool); }

static int lora__spec_empty(const lora_target_spec *t) {
    return !t->all_linear && t->n_targets == 0 && !(t->target_regex && t->target_regex[0]);
}

LORA_API lora_status lora_model_adapter_create(const lora_model *m, const lora_config *cfg, lora_adapter **out) {
    lora_config c;
    lora_status s;
    if (out) *out = NULL;
    LORA__NEED_OP(m, adapter_create, "lora_model_adapter_create");
    if (!cfg || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_adapter_create: NULL argument");
    c = *cfg;
    if (lora__spec_empty(&c.target)) {
        if (m->info.n_default_targets <= 0)
            return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_adapter_create: no target modules given and the %s "
                              "model has no default targets", m->info.family);
        c.target.targets = m->info.default_targets;
        c.target.n_targets = m->info.n_default_targets;
    }
    if ((s = m->ops->adapter_create(m, &c, out)) != LORA_OK) return s;
    if ((s = lora_adapter_set_base_model(*out, m->info.name_or_path)) != LORA_OK) {
        lora_adapter_free(*out);
        *out = NULL;
    }
    return s;
}

LORA_API lora_status lora_model_adapter_load(const lora_model *m, const char *dir, lora_adapter **out, char **warnings) {
    if (out) *out = NULL;
    if (warnings) *warnings = NULL;
    LORA__NEED_OP(m, adapter_load, "lora_model_adapter_load");
    return m->ops->adapter_load(m, dir, out, warnings);
}

LORA_API lora_status lora_model_adapter_save(const lora_model *m, const lora_adapter *ad, const char *dir) {
    if (!m) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_adapter_save: model is NULL");
    return lora_adapter_save(ad, dir, m->info.fan_in_fan_out);
}

LORA_API lora_status lora_model_set_adapter(lora_model *m, lora_adapter *ad) {
    LORA__NEED_OP(m, set_adapter, "lora_model_set_adapter");
    return m->ops->set_adapter(m, ad);
}

LORA_API lora_adapter *lora_model_adapter(const lora_model *m) {
    return m && m->ops->adapter ? m->ops->adapter(m) : NULL;
}

LORA_API lora_status lora_model_merge(lora_model *m, lora_adapter *ad, int sign) {
    LORA__NEED_OP(m, merge, "lora_model_merge");
    return m->ops->merge(m, ad, sign);
}

LORA_API lora_status lora_model_set_full_finetune(lora_model *m, int on) {
    LORA__NEED_OP(m, set_full_finetune, "lora_model_set_full_finetune");
    return m->ops->set_full_finetune(m, on);
}

LORA_API void lora_model_set_training(lora_model *m, int training, uint64_t dropout_seed) {
    if (m && m->ops->set_training) m->ops->set_training(m, training, dropout_seed);
}
LORA_API uint64_t lora_model_dropout_step(const lora_model *m) {
    return m && m->ops->dropout_step ? m->ops->dropout_step(m) : 0;
}
LORA_API void lora_model_set_dropout_step(lora_model *m, uint64_t step) {
    if (m && m->ops->set_dropout_step) m->ops->set_dropout_step(m, step);
}

LORA_API lora_status lora_model_forward(lora_model *m, const int32_t *inputs, const int32_t *labels, int B, int T,
                                        float *loss) {
    LORA__NEED_OP(m, forward, "lora_model_forward");
    return m->ops->forward(m, inputs, labels, NULL, B, T, loss);
}
LORA_API lora_status lora_model_forward_positions(lora_model *m, const int32_t *inputs, const int32_t *labels,
                                                  const int32_t *positions, int B, int T, float *loss) {
    LORA__NEED_OP(m, forward, "lora_model_forward_positions");
    return m->ops->forward(m, inputs, labels, positions, B, T, loss);
}
LORA_API const float *lora_model_logits(const lora_model *m) { return m && m->ops->logits ? m->ops->logits(m) : NULL; }
LORA_API lora_status lora_model_backward(lora_model *m) {
    LORA__NEED_OP(m, backward, "lora_model_backward");
    return m->ops->backward(m);
}
LORA_API void lora_model_zero_grad(lora_model *m) { if (m && m->ops->zero_grad) m->ops->zero_grad(m); }
LORA_API lora_status lora_model_trainable_params(lora_model *m, lora_param **params, int *n) {
    LORA__NEED_OP(m, trainable_params, "lora_model_trainable_params");
    return m->ops->trainable_params(m, params, n);
}
LORA_API lora_status lora_model_save(const lora_model *m, const char *path) {
    LORA__NEED_OP(m, save, "lora_model_save");
    return m->ops->save(m, path);
}
/* ---- GGUF export ---- */
static const char *lora__model_gguf_name(const lora_model *m) {
    const char *n = m->info.name_or_path, *slash;
    if (!n || !n[0] || strcmp(n, ".") == 0) return m->info.family ? m->info.family : "model";
    slash = strrchr(n, '/');
    return slash && slash[1] ? slash + 1 : n;
}
static lora_status lora__gguf_dtype_ok(lora_ggml_type t, const char *what) {
    if (t == LORA_GGML_F32 || t == LORA_GGML_F16 || t == LORA_GGML_BF16) return LORA_OK;
    return lora__fail(LORA_ERR_INVALID_ARG, "%s: dtype %d: F32, F16 or BF16", what, (int)t);
}

LORA_API lora_status lora_model_save_gguf(const lora_model *m, const lora_tokenizer *tok, const lora_adapter *ad,
                                          const char *path, lora_ggml_type dtype) {
    lora_gguf_writer *w = NULL;
    lora_status s;
    LORA__NEED_OP(m, gguf_write, "lora_model_save_gguf");
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_save_gguf: path is NULL");
    if (!tok) return lora__fail(LORA_ERR_INVALID_ARG, "%s: a GGUF model needs its tokenizer (llama.cpp reads it from the file)", path);
    if ((s = lora__gguf_dtype_ok(dtype, "lora_model_save_gguf")) != LORA_OK) return s;
    if ((s = lora_gguf_writer_create(&w)) != LORA_OK) return s;
    /* general.* first, as gguf-py writes them */
    if ((s = lora_gguf_set_str(w, "general.architecture", m->info.gguf_arch ? m->info.gguf_arch : m->info.family)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "general.type", "model")) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "general.name", lora__model_gguf_name(m))) != LORA_OK) goto done;
    if ((s = lora_gguf_set_u32(w, "general.file_type", dtype == LORA_GGML_F32 ? 0u : dtype == LORA_GGML_F16 ? 1u : 32u)) != LORA_OK)
        goto done;
    if ((s = m->ops->gguf_write(m, tok, ad, w, dtype)) != LORA_OK) goto done;
    s = lora_gguf_write(w, path);
done:
    lora_gguf_writer_free(w);
    return s;
}

LORA_API lora_status lora_model_save_adapter_gguf(const lora_model *m, const lora_adapter *ad, const char *path,
                                                  lora_ggml_type dtype) {
    lora_gguf_writer *w = NULL;
    lora_status s;
    double alpha;
    int i;
    LORA__NEED_OP(m, gguf_module, "lora_model_save_adapter_gguf");
    if (!ad || !path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_save_adapter_gguf: NULL argument");
    if ((s = lora__gguf_dtype_ok(dtype, "lora_model_save_adapter_gguf")) != LORA_OK) return s;
    if (ad->n_modules <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "%s: the adapter adapts no module", path);
    if (ad->n_biases > 0)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: the adapter trains %d biases (bias \"%s\", e.g. %s); llama.cpp's LoRA "
                          "adapters carry only A and B: export the merged model instead", path, ad->n_biases,
                          lora_bias_mode_name(ad->config.bias) ? lora_bias_mode_name(ad->config.bias) : "?", ad->biases[0].name);
    if (ad->n_model_modules != m->info.n_modules)
        return lora__fail(LORA_ERR_SHAPE, "%s: the adapter was made for %d modules, the model has %d", path, ad->n_model_modules,
                          m->info.n_modules);
    alpha = (double)ad->modules[0].scaling * ad->modules[0].r;
    if (!(alpha > 0) || alpha > 3.0e38)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: scaling %g of %s cannot be written as llama.cpp's alpha", path,
                          (double)ad->modules[0].scaling, ad->modules[0].name);
    if ((s = lora_gguf_writer_create(&w)) != LORA_OK) return s;
    if ((s = lora_gguf_set_str(w, "general.architecture", m->info.gguf_arch ? m->info.gguf_arch : m->info.family)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "general.type", "adapter")) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "general.name", lora__model_gguf_name(m))) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "adapter.type", "lora")) != LORA_OK) goto done;
    if ((s = lora_gguf_set_f32(w, "adapter.lora.alpha", (float)alpha)) != LORA_OK) goto done;
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *md = &ad->modules[i];
        char base[LORA_GGUF_MAX_NAME], name[LORA_GGUF_MAX_NAME + 16];
        int perm = 0, flags = 0;
        int64_t ne[2];
        const float *B = md->B;
        float *tmp = NULL;
        double ratio = (double)md->scaling * md->r / alpha;
        if (md->index < 0 || md->index >= m->info.n_modules) {
            s = lora__fail(LORA_ERR_SHAPE, "%s: module %s has index %d outside the model's %d modules", path, md->name, md->index,
                           m->info.n_modules);
            goto done;
        }
        base[0] = 0;
        if ((s = m->ops->gguf_module(m, md->index, base, &perm)) != LORA_OK) {
            s = lora__fail(s, "%s: %s", path, lora_last_error());
            goto done;
        }
        if (strlen(base) + 8 >= LORA_GGUF_MAX_NAME) {
            s = lora__fail(LORA_ERR_UNSUPPORTED, "%s: GGUF tensor name '%s.lora_a' is too long for llama.cpp", path, base);
            goto done;
        }
        if (perm > 0 || ratio != 1.0) {
            size_t n = (size_t)md->out * (size_t)md->r, k;
            if (!(tmp = (float *)lora__malloc(n * sizeof(float), "adapter B copy"))) { s = LORA_ERR_OOM; goto done; }
            if (perm > 0) {
                if ((s = lora_gguf_permute_rows(md->B, tmp, md->out, md->r, perm, 0)) != LORA_OK) { LORA_FREE(tmp); goto done; }
            } else memcpy(tmp, md->B, n * sizeof(float));
            if (ratio != 1.0) for (k = 0; k < n; k++) tmp[k] = (float)(tmp[k] * ratio);
            B = tmp;
            flags = LORA_GGUF_COPY;
        }
        snprintf(name, sizeof name, "%s.lora_a", base);
        ne[0] = md->in; ne[1] = md->r;
        s = lora_gguf_add_tensor(w, name, 2, ne, dtype, md->A, 0);
        if (s == LORA_OK) {
            snprintf(name, sizeof name, "%s.lora_b", base);
            ne[0] = md->r; ne[1] = md->out;
            s = lora_gguf_add_tensor(w, name, 2, ne, dtype, B, flags);
        }
        LORA_FREE(tmp);
        if (s != LORA_OK) goto done;
    }
    s = lora_gguf_write(w, path);
done:
    lora_gguf_writer_free(w);
    return s;
}

LORA_API void lora_model_estimate_memory(const lora_model *m, const lora_adapter *ad, int full, int B, int T,
                                         int threads, lora_memory_estimate *out) {
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (m && m->ops->estimate_memory) m->ops->estimate_memory(m, ad, full, B, T, threads, out);
}
LORA_API size_t lora_model_memory(const lora_model *m) { return m && m->ops->memory ? m->ops->memory(m) : 0; }

LORA_API void lora_model_trainable_line(const lora_model *m, char *buf, size_t size) {
    const lora_adapter *ad;
    int64_t trainable = 0, lora_ab = 0;
    lora_param *params = NULL;
    int i, n = 0;
    if (!buf || size == 0) return;
    buf[0] = 0;
    if (!m) return;
    ad = lora_model_adapter(m);
    if (ad) {
        /* biases carried by the adapter are model parameters made trainable: counted in
           "trainable" but already in "all" */
        trainable = lora_adapter_num_params(ad);
        lora_ab = trainable;
        for (i = 0; i < ad->n_biases; i++) lora_ab -= ad->biases[i].n;
    }
    if (!ad && m->ops->trainable_params && m->ops->trainable_params((lora_model *)m, &params, &n) == LORA_OK) {
        for (i = 0; i < n; i++) trainable += params[i].n;   /* full fine-tuning: every weight */
        LORA_FREE(params);
    }
    lora_format_trainable(trainable, m->info.num_params + lora_ab, buf, size);
}

/* ---- KV cache ---- */
#define LORA__NEED_KV(m, op, what)                                                                              \
    do {                                                                                                       \
        LORA__NEED_OP(m, op, what);                                                                            \
        if (!kv) return lora__fail(LORA_ERR_INVALID_ARG, "%s: cache is NULL", what);                          \
    } while (0)

LORA_API lora_status lora_kv_create(const lora_model *m, int max_T, lora_kv **out) {
    if (out) *out = NULL;
    LORA__NEED_OP(m, kv_create, "lora_kv_create");
    return m->ops->kv_create(m, max_T, out);
}
LORA_API void lora_kv_free(const lora_model *m, lora_kv *kv) { if (m && kv && m->ops->kv_free) m->ops->kv_free(kv); }
LORA_API void lora_kv_reset(const lora_model *m, lora_kv *kv) { if (m && kv && m->ops->kv_reset) m->ops->kv_reset(kv); }
LORA_API lora_status lora_kv_truncate(const lora_model *m, lora_kv *kv, int n) {
    LORA__NEED_KV(m, kv_truncate, "lora_kv_truncate");
    return m->ops->kv_truncate(kv, n);
}
LORA_API int lora_kv_length(const lora_model *m, const lora_kv *kv) {
    return m && kv && m->ops->kv_length ? m->ops->kv_length(kv) : 0;
}
LORA_API int lora_kv_capacity(const lora_model *m, const lora_kv *kv) {
    return m && kv && m->ops->kv_capacity ? m->ops->kv_capacity(kv) : 0;
}
LORA_API size_t lora_kv_memory(const lora_model *m, const lora_kv *kv) {
    return m && kv && m->ops->kv_memory ? m->ops->kv_memory(kv) : 0;
}
LORA_API lora_status lora_forward_cached(lora_model *m, lora_kv *kv, const int32_t *tokens, int n_new, float *logits_last) {
    LORA__NEED_KV(m, forward_cached, "lora_forward_cached");
    return m->ops->forward_cached(m, kv, tokens, n_new, logits_last);
}

/* ---- opening a model of any known family ---- */
static int lora__is_dir(const char *path) {
#ifdef LORA__HAVE_STAT
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
#else
    (void)path;
    return 0;
#endif
}

static int lora__readable(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

/* dir of path ("." when it has none) + "/" + name */
static char *lora__beside(const char *path, const char *name) {
    const char *slash = strrchr(path, '/');
    size_t d = slash ? (size_t)(slash - path) : 1, n = strlen(name);
    char *p = (char *)lora__malloc(d + n + 2, "path");
    if (!p) return NULL;
    if (slash) memcpy(p, path, d); else p[0] = '.';
    p[d] = '/';
    memcpy(p + d + 1, name, n + 1);
    return p;
}

static void lora__family_list(const lora_model_family *const *fams, int n, int presets, char *buf, size_t size) {
    size_t at = 0;
    int i, k;
    buf[0] = 0;
    for (i = 0; i < n; i++) {
        const char *const *list = fams[i] ? (presets ? fams[i]->presets : fams[i]->model_types) : NULL;
        for (k = 0; list && list[k]; k++) {
            int w = snprintf(buf + at, size - at, "%s%s", at ? ", " : "", list[k]);
            if (w < 0 || (size_t)w >= size - at) return;
            at += (size_t)w;
        }
    }
}

/* A family's load / create_preset with the base weights in dtype. */
static lora_status lora__family_load(const lora_model_family *f, const char *path, const char *cfg, lora_pool *pool,
                                     lora_dtype dtype, lora_model **out) {
    if (dtype == LORA_DT_F32) return f->load(path, cfg, pool, out);
    if (!f->load_as) return lora__fail(LORA_ERR_UNSUPPORTED, "%s: the %s family keeps its weights in F32 only (asked for %s)",
                                       path, f->name, lora_dtype_name(dtype));
    return f->load_as(path, cfg, pool, dtype, out);
}
static lora_status lora__family_preset(const lora_model_family *f, const char *preset, uint64_t seed, lora_pool *pool,
                                       lora_dtype dtype, lora_model **out) {
    if (dtype == LORA_DT_F32) return f->create_preset(preset, seed, pool, out);
    if (!f->create_preset_as) return lora__fail(LORA_ERR_UNSUPPORTED, "preset %s: the %s family keeps its weights in F32 only "
                                                "(asked for %s)", preset, f->name, lora_dtype_name(dtype));
    return f->create_preset_as(preset, seed, pool, dtype, out);
}

LORA_API lora_status lora_model_open(const lora_model_family *const *families, int n_families, const char *path,
                                     const char *config_path, const char *preset, uint64_t init_seed,
                                     lora_pool *pool, lora_model **out) {
    return lora_model_open_as(families, n_families, path, config_path, preset, init_seed, pool, LORA_DT_F32, out);
}

LORA_API lora_status lora_model_open_as(const lora_model_family *const *families, int n_families, const char *path,
                                        const char *config_path, const char *preset, uint64_t init_seed,
                                        lora_pool *pool, lora_dtype base_dtype, lora_model **out) {
    char known[512];
    char *weights = NULL, *cfg = NULL, *text = NULL;
    const char *type = NULL;
    lora_json *j = NULL;
    lora_status s;
    size_t len;
    int i, k;
    if (out) *out = NULL;
    if (base_dtype != LORA_DT_F32 && base_dtype != LORA_DT_BF16)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_open: base weights in %s: expected F32 or BF16", lora_dtype_name(base_dtype));
    if (!families || n_families <= 0 || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_open: no families or out is NULL");
    if (!!preset == !!path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_open: give exactly one of a path and a preset");
    if (preset) {
        for (i = 0; i < n_families; i++)
            for (k = 0; families[i] && families[i]->presets && families[i]->presets[k]; k++)
                if (strcmp(families[i]->presets[k], preset) == 0) return lora__family_preset(families[i], preset, init_seed, pool, base_dtype, out);
        lora__family_list(families, n_families, 1, known, sizeof known);
        return lora__fail(LORA_ERR_NOT_FOUND, "unknown preset '%s' (known: %s)", preset, known);
    }
    if (!path[0]) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_open: the model path is empty");
    /* a directory holds model.safetensors (or the shards' index) and config.json */
    if (lora__is_dir(path)) {
        char *p = lora__path_join(path, "model.safetensors");
        if (!p) return LORA_ERR_OOM;
        if (!lora__readable(p)) {
            LORA_FREE(p);
            if (!(p = lora__path_join(path, "model.safetensors.index.json"))) return LORA_ERR_OOM;
            if (!lora__readable(p)) {
                LORA_FREE(p);
                return lora__fail(LORA_ERR_NOT_FOUND, "%s: a model directory must hold model.safetensors (or "
                                  "model.safetensors.index.json) and config.json", path);
            }
        }
        weights = p;
        path = weights;
    }
    if (lora_gguf_probe(path)) {
        /* a GGUF file names its architecture: the family listing it among its model types (llama.cpp's
           names: "gpt2", "llama", "qwen2", ...), else the family whose probe accepts the file */
        lora_gguf *g = NULL;
        const char *arch = NULL;
        const lora_model_family *fam = NULL;
        if ((s = lora_gguf_open(path, &g)) != LORA_OK) { LORA_FREE(weights); return s; }
        if ((s = lora_gguf_get_str(g, "general.architecture", &arch)) != LORA_OK) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: a GGUF file without general.architecture: %s", path, lora_last_error());
            lora_gguf_close(g);
            LORA_FREE(weights);
            return s;
        }
        for (i = 0; i < n_families && !fam; i++) {
            int k;
            for (k = 0; families[i] && families[i]->model_types && families[i]->model_types[k] && !fam; k++)
                if (strcmp(families[i]->model_types[k], arch) == 0) fam = families[i];
        }
        for (i = 0; i < n_families && !fam; i++)
            if (families[i] && families[i]->probe && families[i]->probe(path)) fam = families[i];
        if (fam) s = fam->load(path, NULL, pool, out);
        else {
            lora__family_list(families, n_families, 0, known, sizeof known);
            s = lora__fail(LORA_ERR_UNSUPPORTED, "%s: GGUF architecture \"%s\" is not one this program loads (known: %s)", path,
                           arch, known);
        }
        lora_gguf_close(g);
        LORA_FREE(weights);
        return s;
    }
    if (config_path) cfg = lora__strdup(config_path, "path");
    else {
        cfg = lora__beside(path, "config.json");
        if (cfg && !lora__readable(cfg)) { LORA_FREE(cfg); cfg = NULL; }
        if (!cfg) {
            /* no config.json: a family that recognises the file itself (llm.c checkpoints) */
            for (i = 0; i < n_families; i++)
                if (families[i] && families[i]->probe && families[i]->probe(path)) {
                    s = lora__family_load(families[i], path, NULL, pool, base_dtype, out);
                    LORA_FREE(weights);
                    return s;
                }
            /* single-family programs load what their family can infer */
            if (n_families == 1 && families[0]) {
                s = lora__family_load(families[0], path, NULL, pool, base_dtype, out);
                LORA_FREE(weights);
                return s;
            }
            s = lora__fail(LORA_ERR_NOT_FOUND, "%s: no config.json beside the weights, so the model family is unknown "
                           "(pass the config file)", path);
            LORA_FREE(weights);
            return s;
        }
    }
    if (!cfg) { LORA_FREE(weights); return LORA_ERR_OOM; }
    if ((s = lora__read_file(cfg, &text, &len)) != LORA_OK) goto done;
    if ((s = lora_json_parse(text, len, cfg, &j)) != LORA_OK) goto done;
    if (j->type != LORA_JSON_OBJECT) { s = lora__fail(LORA_ERR_FORMAT, "%s: expected a JSON object", cfg); goto done; }
    type = lora_json_get_string(j, "model_type");
    if (!type) {
        if (n_families == 1 && families[0]) { s = lora__family_load(families[0], path, cfg, pool, base_dtype, out); goto done; }
        s = lora__fail(LORA_ERR_FORMAT, "%s: no \"model_type\" string, so the model family is unknown", cfg);
        goto done;
    }
    for (i = 0; i < n_families; i++)
        for (k = 0; families[i] && families[i]->model_types && families[i]->model_types[k]; k++)
            if (strcmp(families[i]->model_types[k], type) == 0) { s = lora__family_load(families[i], path, cfg, pool, base_dtype, out); goto done; }
    lora__family_list(families, n_families, 0, known, sizeof known);
    s = lora__fail(LORA_ERR_UNSUPPORTED, "%s: model_type \"%s\" is not one this program knows (known: %s)", cfg, type, known);
done:
    lora_json_free(j);
    LORA_FREE(text);
    LORA_FREE(cfg);
    LORA_FREE(weights);
    return s;
}

LORA_API lora_status lora_model_open_shape(const lora_model_family *const *families, int n_families,
                                           const char *preset, lora_model **out) {
    int i, k;
    if (out) *out = NULL;
    if (!families || n_families <= 0 || !preset || !out)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_open_shape: NULL argument");
    for (i = 0; i < n_families; i++)
        for (k = 0; families[i] && families[i]->presets && families[i]->presets[k]; k++)
            if (strcmp(families[i]->presets[k], preset) == 0)
                return families[i]->preset_shape ? families[i]->preset_shape(preset, out)
                                                 : families[i]->create_preset(preset, 0, NULL, out);
    return lora_model_open(families, n_families, NULL, NULL, preset, 0, NULL, out);
}
