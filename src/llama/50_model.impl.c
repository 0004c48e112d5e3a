/* ---- adapters, training switches, the engine's model interface, the family ---- */

/* PEFT refuses targets that hit modules it cannot adapt (norms, attention and MLP blocks,
   the embedding, rotary_emb, act_fn): name the family's other modules so those fail too. */
static lora_status llama__check_targets(const llama_model *m, const lora_target_spec *spec) {
    static const char *const per_layer[] = {"", ".self_attn", ".self_attn.q_norm", ".self_attn.k_norm", ".mlp", ".mlp.act_fn",
                                            ".input_layernorm", ".post_attention_layernorm"};
    static const char *const top[] = {"model", "model.embed_tokens", "model.layers", "model.norm", "model.rotary_emb"};
    size_t n_per = sizeof per_layer / sizeof per_layer[0], n_top = sizeof top / sizeof top[0], i, k = 0;
    size_t n = n_top + (size_t)m->cfg.n_layer * n_per;
    char **names = (char **)lora_calloc(n, sizeof *names, "module names");
    lora_status s = LORA_OK;
    int l, qk = llama__qk_norm(&m->cfg);
    if (!names) return LORA_ERR_OOM;
    for (i = 0; i < n_top && s == LORA_OK; i++) if (!(names[k++] = lora_strdup(top[i]))) s = LORA_ERR_OOM;
    for (l = 0; l < m->cfg.n_layer && s == LORA_OK; l++)
        for (i = 0; i < n_per && s == LORA_OK; i++) {
            char buf[96];
            if (!qk && (i == 2 || i == 3)) continue;
            snprintf(buf, sizeof buf, "model.layers.%d%s", l, per_layer[i]);
            if (!(names[k++] = lora_strdup(buf))) s = LORA_ERR_OOM;
        }
    if (s == LORA_OK) s = lora_check_unsupported_targets(spec, (const char *const *)names, (int)k);
    for (i = 0; i < k; i++) lora_free(names[i]);
    lora_free(names);
    return s;
}

static int llama__bias_layer(const llama_model *m, const char *name) {
    int l;
    if (sscanf(name, "model.layers.%d.", &l) == 1 && l >= 0 && l < m->cfg.n_layer) return l;
    return -1;
}

static lora_status llama__check_adapter(const llama_model *m, const lora_adapter *ad) {
    int i;
    if (ad->n_model_modules != m->n_linears)
        return lora_fail(LORA_ERR_SHAPE, "adapter was made for a model with %d linear modules, this model has %d", ad->n_model_modules, m->n_linears);
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *lm = &ad->modules[i];
        const lora_module_desc *d = &m->descs[lm->index];
        if (strcmp(lm->name, d->name) != 0 || lm->in != d->in || lm->out != d->out)
            return lora_fail(LORA_ERR_SHAPE, "adapter module %s (%d -> %d) does not fit this model's %s (%d -> %d)",
                             lm->name, lm->in, lm->out, d->name, d->in, d->out);
    }
    for (i = 0; i < ad->n_biases; i++) {
        int ti = llama__find_tensor(m, ad->biases[i].name);
        if (ti < 0 || m->tensors[ti].numel != ad->biases[i].n)
            return lora_fail(LORA_ERR_SHAPE, "adapter bias %s (%d values) does not fit this model", ad->biases[i].name, ad->biases[i].n);
    }
    return LORA_OK;
}

static lora_status llama__adapter_create(const llama_model *m, const lora_config *cfg, lora_adapter **out) {
    lora_status s;
    lora_adapter *ad;
    int i;
    *out = NULL;
    if ((s = llama__check_targets(m, &cfg->target)) != LORA_OK) return s;
    if ((s = lora_adapter_create(cfg, m->descs, m->n_linears, &ad)) != LORA_OK) return s;
    if (cfg->bias != LORA_BIAS_NONE) {
        for (i = 0; i < m->n_tensors && s == LORA_OK; i++) {
            const llama__tensor *t = &m->tensors[i];
            const char *dot = strrchr(t->name, '.');
            int take;
            if (!dot || strcmp(dot, ".bias") != 0) continue;
            if (cfg->bias == LORA_BIAS_ALL) take = 1;
            else {
                char mod[80];
                size_t n = (size_t)(dot - t->name);
                memcpy(mod, t->name, n); mod[n] = 0;
                take = lora_adapter_find(ad, mod) != NULL;
            }
            if (!take) continue;
            if (!m->params) {
                float *zero = (float *)lora_calloc((size_t)t->numel, sizeof(float), "bias");
                s = zero ? lora_adapter_add_bias(ad, t->name, zero, (int)t->numel) : LORA_ERR_OOM;
                lora_free(zero);
            } else s = lora_adapter_add_bias(ad, t->name, llama__t(m, i), (int)t->numel);
            if (s == LORA_OK) lora_adapter_find_bias(ad, t->name)->layer = llama__bias_layer(m, t->name);
        }
        if (s != LORA_OK) { lora_adapter_free(ad); return s; }
    }
    *out = ad;
    return LORA_OK;
}

static lora_status llama__adapter_load(const llama_model *m, const char *dir, lora_adapter **out, char **warnings) {
    lora_status s;
    int i;
    if ((s = lora_adapter_load_defaults(dir, m->descs, m->n_linears, m->base.info.default_targets, m->base.info.n_default_targets,
                                        out, warnings)) != LORA_OK)
        return s;
    if ((s = llama__check_targets(m, &(*out)->config.target)) != LORA_OK || (s = llama__check_adapter(m, *out)) != LORA_OK) {
        lora_adapter_free(*out);
        *out = NULL;
        return s;
    }
    for (i = 0; i < (*out)->n_biases; i++) (*out)->biases[i].layer = llama__bias_layer(m, (*out)->biases[i].name);
    return LORA_OK;
}

static lora_status llama__merge(llama_model *m, lora_adapter *ad, int sign) {
    lora_status s;
    int i;
    if (!ad || (sign != 1 && sign != -1)) return lora_fail(LORA_ERR_INVALID_ARG, "llama merge: bad arguments");
    if ((s = llama__check_adapter(m, ad)) != LORA_OK) return s;
    for (i = 0; i < ad->n_modules; i++)
        if (ad->modules[i].index == m->n_linears - 1 && m->cfg.tie_word_embeddings)
            return lora_fail(LORA_ERR_UNSUPPORTED, "merging into lm_head is refused: it is tied to model.embed_tokens.weight "
                             "(merging would change the input embedding too)");
    for (i = 0; i < ad->n_modules; i++)
        lora_module_merge(&ad->modules[i], llama__t(m, m->lin_w[ad->modules[i].index]), 0, (float)sign);
    if (sign > 0)
        for (i = 0; i < ad->n_biases; i++) {
            int ti = llama__find_tensor(m, ad->biases[i].name);
            memcpy(llama__t(m, ti), ad->biases[i].value, sizeof(float) * (size_t)ad->biases[i].n);
        }
    if (m->acts) m->acts->has_forward = 0;
    return LORA_OK;
}

static lora_status llama__trainable(llama_model *m, lora_param **params, int *n) {
    lora_param *p;
    int i, k = 0, cap;
    *params = NULL; *n = 0;
    if (m->full) {
        if (!(p = (lora_param *)lora_calloc((size_t)m->n_tensors, sizeof *p, "parameter list"))) return LORA_ERR_OOM;
        for (i = 0; i < m->n_tensors; i++) {
            p[i].name = m->tensors[i].name; p[i].value = llama__t(m, i);
            p[i].grad = m->grads + m->tensors[i].offset; p[i].n = m->tensors[i].numel;
        }
        *params = p; *n = m->n_tensors;
        return LORA_OK;
    }
    if (!m->adapter) return lora_fail(LORA_ERR_INVALID_ARG, "llama: no adapter attached and full fine-tuning off: nothing is trainable");
    cap = 2 * m->adapter->n_modules + m->adapter->n_biases;
    if (!(p = (lora_param *)lora_calloc((size_t)(cap ? cap : 1), sizeof *p, "parameter list"))) return LORA_ERR_OOM;
    /* named_parameters() order: base_layer.weight, base_layer.bias, lora_A, lora_B per module */
    for (i = 0; i < m->n_linears; i++) {
        lora_module *lm = lora_adapter_module(m->adapter, i);
        lora_bias_param *bp = llama__adapter_bias(m, m->lin_b[i]);
        if (bp) { p[k].name = bp->name; p[k].value = bp->value; p[k].grad = bp->grad; p[k].n = bp->n; k++; }
        if (lm) {
            p[k].name = lm->name_A; p[k].value = lm->A; p[k].grad = lm->dA; p[k].n = (int64_t)lm->r * lm->in; k++;
            p[k].name = lm->name_B; p[k].value = lm->B; p[k].grad = lm->dB; p[k].n = (int64_t)lm->r * lm->out; k++;
        }
    }
    *params = p; *n = k;
    return LORA_OK;
}

/* ---- lora_model_ops ---- */
static llama_model *llama__of(lora_model *b) { return (llama_model *)(void *)b; }
static const llama_model *llama__ofc(const lora_model *b) { return (const llama_model *)(const void *)b; }
static lora_status llama__weights(const llama_model *m, const char *what) {
    if (m->params) return LORA_OK;
    return lora_fail(LORA_ERR_INVALID_ARG, "%s: this %s model was opened as a shape only (no weights)", what, llama_arch_name(m->cfg.arch));
}
static void llama__op_destroy(lora_model *b) { llama_model_free(llama__of(b)); }
static void llama__op_set_pool(lora_model *b, lora_pool *pool) { llama__of(b)->pool = pool; }
static lora_pool *llama__op_pool(const lora_model *b) { return llama__ofc(b)->pool; }
static lora_status llama__op_adapter_create(const lora_model *b, const lora_config *cfg, lora_adapter **out) {
    return llama__adapter_create(llama__ofc(b), cfg, out);
}
static lora_status llama__op_adapter_load(const lora_model *b, const char *dir, lora_adapter **out, char **warnings) {
    return llama__adapter_load(llama__ofc(b), dir, out, warnings);
}
static lora_status llama__op_set_adapter(lora_model *b, lora_adapter *ad) {
    llama_model *m = llama__of(b);
    lora_status s;
    if (ad && (s = llama__check_adapter(m, ad)) != LORA_OK) return s;
    m->adapter = ad;
    if (m->acts) m->acts->has_forward = 0;
    return LORA_OK;
}
static lora_adapter *llama__op_adapter(const lora_model *b) { return llama__ofc(b)->adapter; }
static lora_status llama__op_merge(lora_model *b, lora_adapter *ad, int sign) {
    lora_status s = llama__weights(llama__of(b), "lora_model_merge");
    return s != LORA_OK ? s : llama__merge(llama__of(b), ad, sign);
}
static lora_status llama__op_set_full(lora_model *b, int on) {
    llama_model *m = llama__of(b);
    lora_status s = llama__weights(m, "lora_model_set_full_finetune");
    if (s != LORA_OK) return s;
    if (on && !m->grads) {
        if (!(m->grads = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "gradients for full fine-tuning"))) return LORA_ERR_OOM;
        memset(m->grads, 0, m->n_floats * sizeof(float));
    } else if (!on && m->grads) {
        lora_free_aligned(m->grads);
        m->grads = NULL;
    }
    m->full = on != 0;
    return LORA_OK;
}
static void llama__op_set_training(lora_model *b, int training, uint64_t seed) {
    llama_model *m = llama__of(b);
    m->training = training != 0; m->dropout_seed = seed; m->dropout_step = 0;
}
static uint64_t llama__op_dropout_step(const lora_model *b) { return llama__ofc(b)->dropout_step; }
static void llama__op_set_dropout_step(lora_model *b, uint64_t s) { llama__of(b)->dropout_step = s; }
static lora_status llama__op_forward(lora_model *b, const int32_t *in, const int32_t *lab, const int32_t *pos, int B, int T, float *loss) {
    lora_status s = llama__weights(llama__of(b), "lora_model_forward");
    if (loss) *loss = NAN;
    return s != LORA_OK ? s : llama__forward(llama__of(b), in, lab, pos, B, T, loss);
}
static const float *llama__op_logits(const lora_model *b) {
    const llama_model *m = llama__ofc(b);
    return m->acts && m->acts->has_forward && !m->acts->fused ? m->acts->logits : NULL;
}
static lora_status llama__op_backward(lora_model *b) { return llama__backward(llama__of(b)); }
static void llama__op_zero_grad(lora_model *b) {
    llama_model *m = llama__of(b);
    if (m->grads) memset(m->grads, 0, m->n_floats * sizeof(float));
    lora_adapter_zero_grad(m->adapter);
}
static lora_status llama__op_params(lora_model *b, lora_param **p, int *n) { return llama__trainable(llama__of(b), p, n); }
static lora_status llama__op_save(const lora_model *b, const char *path) { return llama_model_save(llama__ofc(b), path); }
static void llama__op_estimate(const lora_model *b, const lora_adapter *ad, int full, int B, int T, int threads, lora_memory_estimate *out) {
    llama__estimate(&llama__ofc(b)->cfg, ad, full, B, T, threads, out);
}
static size_t llama__op_memory(const lora_model *b) {
    const llama_model *m = llama__ofc(b);
    size_t n = 0;
    if (m->params) n += m->n_floats * sizeof(float);
    if (m->grads) n += m->n_floats * sizeof(float);
    if (m->acts) n += (m->acts->n_floats + m->acts->logits_floats) * sizeof(float) + m->acts->mask_bytes + m->acts->ws_bytes;
    return n;
}
static lora_status llama__op_kv_create(const lora_model *b, int max_T, lora_kv **out) {
    lora_status s = llama__weights(llama__ofc(b), "lora_kv_create");
    return s != LORA_OK ? s : llama__kv_create(llama__ofc(b), max_T, (llama__kv **)(void *)out);
}
static void llama__op_kv_free(lora_kv *kv) { llama__kv_free((llama__kv *)(void *)kv); }
static void llama__op_kv_reset(lora_kv *kv) {
    llama__kv *k = (llama__kv *)(void *)kv;
    if (k) { k->len = 0; k->model = NULL; k->adapter = NULL; }
}
static lora_status llama__op_kv_truncate(lora_kv *kv, int n) {
    llama__kv *k = (llama__kv *)(void *)kv;
    if (!k) return lora_fail(LORA_ERR_INVALID_ARG, "lora_kv_truncate: cache is NULL");
    if (n < 0 || n > k->len) return lora_fail(LORA_ERR_RANGE, "lora_kv_truncate: %d is outside [0, %d] (tokens cached)", n, k->len);
    k->len = n;
    if (n == 0) llama__op_kv_reset(kv);
    return LORA_OK;
}
static int llama__op_kv_length(const lora_kv *kv) { return kv ? ((const llama__kv *)(const void *)kv)->len : 0; }
static int llama__op_kv_capacity(const lora_kv *kv) { return kv ? ((const llama__kv *)(const void *)kv)->max_T : 0; }
static size_t llama__op_kv_memory(const lora_kv *kv) { return kv ? ((const llama__kv *)(const void *)kv)->bytes : 0; }
static lora_status llama__op_forward_cached(lora_model *b, lora_kv *kv, const int32_t *tokens, int n, float *logits) {
    return llama__forward_cached(llama__of(b), (llama__kv *)(void *)kv, tokens, n, logits);
}

static const lora_model_ops llama__ops = {
    llama__op_destroy, llama__op_set_pool, llama__op_pool,
    llama__op_adapter_create, llama__op_adapter_load, llama__op_set_adapter, llama__op_adapter, llama__op_merge,
    llama__op_set_full, llama__op_set_training, llama__op_dropout_step, llama__op_set_dropout_step,
    llama__op_forward, llama__op_logits, llama__op_backward, llama__op_zero_grad, llama__op_params,
    llama__op_save, llama__op_estimate, llama__op_memory,
    llama__op_kv_create, llama__op_kv_free, llama__op_kv_reset, llama__op_kv_truncate, llama__op_kv_length,
    llama__op_kv_capacity, llama__op_kv_memory, llama__op_forward_cached,
    llama__op_gguf_write, llama__op_gguf_module
};

/* PEFT's default target_modules for llama / mistral / qwen2 / qwen3 */
static const char *const llama__default_targets[] = {"q_proj", "v_proj"};

static lora_status llama__base_init(llama_model *m) {
    lora_model_info *in = &m->base.info;
    const llama_config *c = &m->cfg;
    static const char *const pretty[] = {"Llama", "Mistral", "Qwen2", "Qwen3"};
    int l, nwin = 0;
    m->base.ops = &llama__ops;
    memset(in, 0, sizeof *in);
    in->family = "llama";
    in->name_or_path = m->name_or_path;
    in->vocab_size = c->vocab_size;
    in->max_seq = c->max_position_embeddings;
    in->n_layer = c->n_layer;
    in->eos = c->n_eos > 0 && c->eos[0] < c->vocab_size ? c->eos[0] : -1;
    in->fan_in_fan_out = 0;
    in->num_params = llama_config_num_params(c);
    in->n_modules = m->n_linears;
    in->modules = m->descs;
    in->module_layer = m->module_layer;
    in->n_default_targets = 2;
    in->default_targets = llama__default_targets;
    in->tied_output = c->tie_word_embeddings;
    in->n_stop = c->n_eos;
    in->stop_ids = c->eos;
    in->gguf_arch = llama__gguf_arch_of(c);
    for (l = 0; l < c->n_layer; l++) nwin += llama_config_layer_window(c, l) > 0;
    snprintf(m->summary, sizeof m->summary, "%s: %d layers, hidden %d, %d heads / %d kv heads of %d, MLP %d, vocab %d, "
             "%d positions, rope theta %g%s%s%s", pretty[c->arch], c->n_layer, c->hidden_size, c->n_head, c->n_kv_head,
             c->head_dim, c->intermediate_size, c->vocab_size, c->max_position_embeddings, c->rope_theta,
             c->rope_type == LLAMA_ROPE_LLAMA3 ? " (llama3 scaling)" : c->rope_type == LLAMA_ROPE_LINEAR ? " (linear scaling)" :
             c->rope_type == LLAMA_ROPE_DYNAMIC ? " (dynamic scaling)" : "",
             nwin ? ", sliding window" : "", c->tie_word_embeddings ? " (lm_head tied)" : "");
    in->summary = m->summary;
    if (c->name_or_path[0]) return llama_model_set_name(m, c->name_or_path);
    return LORA_OK;
}

LORA_API lora_model *llama_model_base(llama_model *m) { return m ? &m->base : NULL; }
LORA_API llama_model *llama_model_from_base(lora_model *b) { return b && b->ops == &llama__ops ? llama__of(b) : NULL; }

LORA_API lora_status llama_model_set_name(llama_model *m, const char *name_or_path) {
    char *copy = NULL;
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "llama_model_set_name: model is NULL");
    if (name_or_path && !(copy = lora_strdup(name_or_path))) return LORA_ERR_OOM;
    lora_free(m->name_or_path);
    m->name_or_path = copy;
    m->base.info.name_or_path = copy;
    return LORA_OK;
}

/* ---- the family ---- */
static const char *const llama__model_types[] = {"llama", "mistral", "qwen2", "qwen3", NULL};
static const char *const llama__preset_names[] = {"smollm2-135m", "smollm2-360m", "qwen2.5-0.5b", "qwen3-0.6b", "llama-3.2-1b",
                                                  "tinyllama-1.1b", "mistral-7b", "tiny-llama", "tiny-llama3", "tiny-qwen2",
                                                  "tiny-qwen3", "tiny-mistral", NULL};

/* What Hugging Face records for from_pretrained(dir): the directory of the weights. */
static lora_status llama__name_from_path(llama_model *m, const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    size_t n;
    if (!slash) return llama_model_set_name(m, ".");
    n = slash == path ? 1 : (size_t)(slash - path);
    if (!(dir = (char *)lora_malloc(n + 1, "model name"))) return LORA_ERR_OOM;
    memcpy(dir, path, n);
    dir[n] = 0;
    s = llama_model_set_name(m, dir);
    lora_free(dir);
    return s;
}
static lora_status llama__family_load(const char *path, const char *config_path, lora_pool *pool, lora_model **out) {
    llama_model *m;
    lora_status s = llama_model_load(path, config_path, pool, &m);
    if (s != LORA_OK) return s;
    if ((s = llama__name_from_path(m, path)) != LORA_OK) { llama_model_free(m); return s; }
    *out = &m->base;
    return LORA_OK;
}
static lora_status llama__family_preset(const char *preset, uint64_t seed, lora_pool *pool, lora_model **out) {
    llama_config cfg;
    llama_model *m;
    lora_status s;
    if ((s = llama_config_preset(preset, &cfg)) != LORA_OK) return s;
    if ((s = llama_model_create(&cfg, pool, &m)) != LORA_OK) return s;
    llama_model_init_random(m, seed);
    *out = &m->base;
    return LORA_OK;
}
static lora_status llama__family_shape(const char *preset, lora_model **out) {
    llama_config cfg;
    llama_model *m;
    lora_status s;
    if ((s = llama_config_preset(preset, &cfg)) != LORA_OK) return s;
    if ((s = llama__model_new(&cfg, NULL, 0, &m)) != LORA_OK) return s;
    *out = &m->base;
    return LORA_OK;
}
static const lora_model_family llama__family = {
    "llama", llama__model_types, llama__preset_names, NULL, llama__family_load, llama__family_preset, llama__family_shape,
    NULL, NULL  /* bf16 frozen weights: not yet (lora_model_open_as refuses them for this family) */
};
LORA_API const lora_model_family *llama_family(void) { return &llama__family; }
