/* ---- adapters, training switches, parameter lists ---- */

/* PEFT refuses targets that hit modules it cannot adapt (LayerNorms, attention blocks,
   dropouts, embeddings): name GPT-2's non-linear modules so the same patterns fail here too. */
LORA_API lora_status gpt2_config_check_targets(const gpt2_config *cfg, const lora_target_spec *spec) {
    static const char *const per_layer[] = {"", ".ln_1", ".attn", ".attn.attn_dropout", ".attn.resid_dropout",
                                            ".ln_2", ".mlp", ".mlp.act", ".mlp.dropout"};
    static const char *const top[] = {"transformer", "transformer.wte", "transformer.wpe", "transformer.drop", "transformer.h",
                                      "transformer.ln_f"};
    size_t n_per = sizeof per_layer / sizeof per_layer[0], n_top = sizeof top / sizeof top[0], i, k = 0;
    size_t n = n_top + (size_t)cfg->n_layer * n_per;
    char **names = (char **)lora_calloc(n, sizeof *names, "module names");
    lora_status s = LORA_OK;
    int l;
    if (!names) return LORA_ERR_OOM;
    for (i = 0; i < n_top && s == LORA_OK; i++) if (!(names[k++] = lora_strdup(top[i]))) s = LORA_ERR_OOM;
    for (l = 0; l < cfg->n_layer && s == LORA_OK; l++)
        for (i = 0; i < n_per && s == LORA_OK; i++) {
            char buf[96];
            snprintf(buf, sizeof buf, "transformer.h.%d%s", l, per_layer[i]);
            if (!(names[k++] = lora_strdup(buf))) s = LORA_ERR_OOM;
        }
    if (s == LORA_OK) s = lora_check_unsupported_targets(spec, (const char *const *)names, (int)k);
    for (i = 0; i < k; i++) lora_free(names[i]);
    lora_free(names);
    return s;
}

/* The block a bias belongs to, from the tensor table (wte, wpe, then GPT2__PER_LAYER per block). */
static void gpt2__set_bias_layer(const gpt2_model *m, lora_bias_param *b) {
    int ti = b ? gpt2__find_tensor(m, b->name) : -1;
    if (b) b->layer = ti >= 2 && ti < 2 + m->cfg.n_layer * GPT2__PER_LAYER ? (ti - 2) / GPT2__PER_LAYER : -1;
}

LORA_API lora_status gpt2_lora_create(const gpt2_model *m, const lora_config *cfg, lora_adapter **out) {
    lora_status s;
    lora_adapter *ad;
    int i;
    if (!m || !cfg || !out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_lora_create: NULL argument");
    *out = NULL;
    if ((s = gpt2_config_check_targets(&m->cfg, &cfg->target)) != LORA_OK) return s;
    if ((s = lora_adapter_create(cfg, m->descs, m->n_linears, &ad)) != LORA_OK) return s;
    /* bias modes: "all" trains every bias of the model (LayerNorm biases included, as PEFT
       selects every parameter whose name contains "bias"); "lora_only" those of adapted modules */
    if (cfg->bias != LORA_BIAS_NONE) {
        for (i = 0; i < m->n_tensors && s == LORA_OK; i++) {
            const gpt2__tensor *t = &m->tensors[i];
            const char *dot = strrchr(t->name, '.');
            char full[80];
            int take = 0;
            if (!dot || strcmp(dot, ".bias") != 0) continue;
            snprintf(full, sizeof full, "transformer.%s", t->name);
            if (cfg->bias == LORA_BIAS_ALL) take = 1;
            else {
                char mod[80];
                size_t n = (size_t)(strrchr(full, '.') - full);
                memcpy(mod, full, n); mod[n] = 0;
                take = lora_adapter_find(ad, mod) != NULL;
            }
            if (take && !m->params) {   /* a shape-only model: the biases' number and names, zero values */
                float *zero = (float *)lora_calloc((size_t)t->numel, sizeof(float), "bias");
                s = zero ? lora_adapter_add_bias(ad, full, zero, (int)t->numel) : LORA_ERR_OOM;
                lora_free(zero);
            } else if (take) {
                s = lora_adapter_add_bias(ad, full, gpt2__t(m, i), (int)t->numel);
            }
            if (take && s == LORA_OK) gpt2__set_bias_layer(m, lora_adapter_find_bias(ad, full));
        }
        if (s != LORA_OK) { lora_adapter_free(ad); return s; }
    }
    *out = ad;
    return LORA_OK;
}

/* Checks that an adapter was made for modules of these shapes. */
static lora_status gpt2__check_adapter(const gpt2_model *m, const lora_adapter *ad) {
    int i;
    if (ad->n_model_modules != m->n_linears)
        return lora_fail(LORA_ERR_SHAPE, "adapter was made for a model with %d linear modules, this model has %d",
                          ad->n_model_modules, m->n_linears);
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *lm = &ad->modules[i];
        const gpt2_linear_info *li = &m->linears[lm->index];
        if (strcmp(lm->name, li->name) != 0 || lm->in != li->in || lm->out != li->out)
            return lora_fail(LORA_ERR_SHAPE, "adapter module %s (%d -> %d) does not fit this model's %s (%d -> %d)",
                              lm->name, lm->in, lm->out, li->name, li->in, li->out);
    }
    for (i = 0; i < ad->n_biases; i++) {
        int ti = gpt2__find_tensor(m, ad->biases[i].name);
        if (ti < 0 || m->tensors[ti].numel != ad->biases[i].n)
            return lora_fail(LORA_ERR_SHAPE, "adapter bias %s (%d values) does not fit this model", ad->biases[i].name, ad->biases[i].n);
    }
    return LORA_OK;
}

LORA_API lora_status gpt2_model_set_adapter(gpt2_model *m, lora_adapter *ad) {
    lora_status s;
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_set_adapter: model is NULL");
    if (ad && (s = gpt2__check_adapter(m, ad)) != LORA_OK) return s;
    m->adapter = ad;
    if (m->acts) m->acts->has_forward = 0;
    return LORA_OK;
}
LORA_API lora_adapter *gpt2_model_adapter(const gpt2_model *m) { return m ? m->adapter : NULL; }

LORA_API lora_status gpt2_model_merge(gpt2_model *m, lora_adapter *ad, int sign) {
    lora_status s;
    int i;
    if (!m || !ad || (sign != 1 && sign != -1)) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_merge: bad arguments");
    if ((s = gpt2__check_adapter(m, ad)) != LORA_OK) return s;
    if (m->base_dtype != LORA_DT_F32 && ad->n_modules)
        /* W + s B A rounded back to bf16 would lose most of the update (and unmerging could not
           restore W): merge into an fp32 base (load with base dtype F32), then save or convert */
        return lora_fail(LORA_ERR_UNSUPPORTED, "gpt2_model_merge: the base weights are bf16; merging an adapter needs fp32 base "
                         "weights (open the model with base dtype f32)");
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *lm = &ad->modules[i];
        int tr;
        float *W = (float *)gpt2__module_weight(m, lm->index, &tr);
        lora_module_merge(lm, W, !tr, (float)sign);
    }
    /* trained biases replace the base ones when merged; unmerging cannot restore them */
    if (sign > 0)
        for (i = 0; i < ad->n_biases; i++) {
            int ti = gpt2__find_tensor(m, ad->biases[i].name);
            memcpy(gpt2__t(m, ti), ad->biases[i].value, sizeof(float) * (size_t)ad->biases[i].n);
        }
    if (m->acts) m->acts->has_forward = 0;
    return LORA_OK;
}

LORA_API void gpt2_model_set_training(gpt2_model *m, int training, uint64_t dropout_seed) {
    if (!m) return;
    m->training = training != 0;
    m->dropout_seed = dropout_seed;
    m->dropout_step = 0;
}

LORA_API lora_status gpt2_model_set_full_finetune(gpt2_model *m, int on) {
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_set_full_finetune: model is NULL");
    if (on && m->base_dtype != LORA_DT_F32)
        return lora_fail(LORA_ERR_UNSUPPORTED, "full fine-tuning trains every weight in fp32; this model's base weights are bf16 "
                         "(frozen, for LoRA): open it with base dtype f32");
    if (on && !m->grads) {
        m->grads = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "gradients for full fine-tuning");
        if (!m->grads) return LORA_ERR_OOM;
        memset(m->grads, 0, m->n_floats * sizeof(float));
    } else if (!on && m->grads) {
        lora_free_aligned(m->grads);
        m->grads = NULL;
    }
    m->full = on != 0;
    return LORA_OK;
}

LORA_API void gpt2_zero_grad(gpt2_model *m) {
    if (!m) return;
    if (m->grads) memset(m->grads, 0, m->n_floats * sizeof(float));
    lora_adapter_zero_grad(m->adapter);
}

/* Appends an adapter-carried bias (if any) to a parameter list. */
static void gpt2__push_bias(lora_param *p, int *k, const lora_bias_param *bp) {
    if (!bp) return;
    p[*k].name = bp->name; p[*k].value = bp->value; p[*k].grad = bp->grad; p[*k].n = bp->n;
    (*k)++;
}

LORA_API lora_status gpt2_trainable_params(gpt2_model *m, lora_param **params, int *n) {
    lora_param *p;
    int i, k = 0, cap;
    if (!m || !params || !n) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_trainable_params: NULL argument");
    *params = NULL; *n = 0;
    if (m->full) {
        p = (lora_param *)lora_calloc((size_t)m->n_tensors, sizeof *p, "parameter list");
        if (!p) return LORA_ERR_OOM;
        for (i = 0; i < m->n_tensors; i++) {
            p[i].name = m->tensors[i].name;
            p[i].value = gpt2__t(m, i);
            p[i].grad = m->grads + m->tensors[i].offset;
            p[i].n = m->tensors[i].numel;
        }
        *params = p; *n = m->n_tensors;
        return LORA_OK;
    }
    if (!m->adapter) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_trainable_params: no adapter attached and full fine-tuning off");
    cap = 2 * m->adapter->n_modules + m->adapter->n_biases;
    p = (lora_param *)lora_calloc((size_t)(cap ? cap : 1), sizeof *p, "parameter list");
    if (!p) return LORA_ERR_OOM;
    /* named_parameters() order: walk the model's tensors; a module's bias comes before its
       lora_A / lora_B (PEFT registers base_layer.weight, base_layer.bias, lora_A, lora_B) */
    for (i = 0; i < m->n_linears; i++) {
        lora_module *lm = lora_adapter_module(m->adapter, i);
        int bi = gpt2__module_bias_tensor(m, i);
        if (bi >= 0) {
            /* the LayerNorm bias before this module (bias "all"), then the module's own */
            int t0 = i % GPT2_LINEARS_PER_LAYER == 0 ? gpt2__lt(i / GPT2_LINEARS_PER_LAYER, GPT2__LN1B)
                   : i % GPT2_LINEARS_PER_LAYER == 2 ? gpt2__lt(i / GPT2_LINEARS_PER_LAYER, GPT2__LN2B) : -1;
            if (t0 >= 0) gpt2__push_bias(p, &k, gpt2__adapter_bias(m, t0));
            gpt2__push_bias(p, &k, gpt2__adapter_bias(m, bi));
        }
        if (lm) {
            p[k].name = lm->name_A; p[k].value = lm->A; p[k].grad = lm->dA; p[k].n = (int64_t)lm->r * lm->in; k++;
            p[k].name = lm->name_B; p[k].value = lm->B; p[k].grad = lm->dB; p[k].n = (int64_t)lm->r * lm->out; k++;
        }
        if (i == m->n_linears - 2) gpt2__push_bias(p, &k, gpt2__adapter_bias(m, m->n_tensors - 1)); /* ln_f.bias before lm_head */
    }
    *params = p; *n = k;
    return LORA_OK;
}

LORA_API size_t gpt2_model_memory(const gpt2_model *m) {
    size_t b = 0;
    if (!m) return 0;
    b += m->n_floats * sizeof(float) * (m->grads ? 2 : 1) + m->n_bf16 * sizeof(uint16_t);
    if (m->acts) b += m->acts->n_floats * sizeof(float) + m->acts->mask_bytes + m->acts->logits_floats * sizeof(float) + m->acts->ws_bytes;
    return b;
}

LORA_API lora_status gpt2_lora_load(const gpt2_model *m, const char *dir, lora_adapter **out, char **warnings) {
    lora_status s;
    int i;
    if (!m || !dir || !out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_lora_load: NULL argument");
    if ((s = lora_adapter_load_defaults(dir, m->descs, m->n_linears, m->base.info.default_targets,
                                        m->base.info.n_default_targets, out, warnings)) != LORA_OK)
        return s;
    if ((s = gpt2_config_check_targets(&m->cfg, &(*out)->config.target)) != LORA_OK ||
        (s = gpt2__check_adapter(m, *out)) != LORA_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        s = lora_fail(s, "%s: %s", dir, msg);   /* the adapter directory the mismatch comes from */
        lora_adapter_free(*out);
        *out = NULL;
        return s;
    }
    for (i = 0; i < (*out)->n_biases; i++) gpt2__set_bias_layer(m, &(*out)->biases[i]);
    return s;
}

LORA_API uint64_t gpt2_model_dropout_step(const gpt2_model *m) { return m ? m->dropout_step : 0; }
LORA_API void gpt2_model_set_dropout_step(gpt2_model *m, uint64_t step) { if (m) m->dropout_step = step; }
