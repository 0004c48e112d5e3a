static const char *const lora__bias_names[] = {"none", "all", "lora_only"};
static const char *const lora__init_names[] = {"default", "gaussian", "none"};

static int lora__name_index(const char *const *names, int n, const char *name) {
    int i;
    for (i = 0; name && i < n; i++) if (strcmp(names[i], name) == 0) return i;
    return -1;
}
LORA_API const char *lora_bias_mode_name(lora_bias_mode mode) {
    return (int)mode >= 0 && (int)mode < 3 ? lora__bias_names[mode] : NULL;
}
LORA_API int lora_bias_mode_from_name(const char *name) { return lora__name_index(lora__bias_names, 3, name); }
LORA_API const char *lora_init_mode_name(lora_init_mode mode) {
    return (int)mode >= 0 && (int)mode < 3 ? lora__init_names[mode] : NULL;
}
LORA_API int lora_init_mode_from_name(const char *name) { return lora__name_index(lora__init_names, 3, name); }

LORA_API lora_config lora_config_init(void) {
    lora_config c;
    memset(&c, 0, sizeof c);
    c.r = 8;
    c.alpha = 8.0f;
    c.dropout = 0.0f;
    c.bias = LORA_BIAS_NONE;
    c.init = LORA_INIT_DEFAULT;
    c.seed = 42;
    return c;
}

/* Strings and arrays the adapter owns (deep copies of the config's pointers). */
typedef struct lora__adapter_impl {
    char **targets, **exclude;
    char *target_regex, *exclude_regex, *layers_pattern;
    int *layers;
} lora__adapter_impl;

static void lora__strv_free(char **v, int n) {
    int i;
    if (!v) return;
    for (i = 0; i < n; i++) LORA_FREE(v[i]);
    LORA_FREE(v);
}
static char **lora__strv_dup(const char *const *v, int n) {
    char **out;
    int i;
    if (!v || n <= 0) return NULL;
    out = (char **)lora__calloc((size_t)n, sizeof *out, "string list");
    if (!out) return NULL;
    for (i = 0; i < n; i++) {
        out[i] = lora__strdup(v[i] ? v[i] : "", "string list");
        if (!out[i]) { lora__strv_free(out, i); return NULL; }
    }
    return out;
}

LORA_API void lora_adapter_free(lora_adapter *ad) {
    int i;
    if (!ad) return;
    for (i = 0; i < ad->n_modules; i++) {
        lora_module *m = &ad->modules[i];
        LORA_FREE(m->name); LORA_FREE(m->name_A); LORA_FREE(m->name_B);
        lora__free_aligned(m->A); lora__free_aligned(m->B);
        lora__free_aligned(m->dA); lora__free_aligned(m->dB);
    }
    for (i = 0; i < ad->n_biases; i++) {
        LORA_FREE(ad->biases[i].name);
        LORA_FREE(ad->biases[i].value);
        LORA_FREE(ad->biases[i].grad);
    }
    LORA_FREE(ad->biases);
    LORA_FREE(ad->modules);
    LORA_FREE(ad->module_of);
    LORA_FREE(ad->base_model_name);
    if (ad->impl_) {
        lora__adapter_impl *im = (lora__adapter_impl *)ad->impl_;
        lora__strv_free(im->targets, ad->config.target.n_targets);
        lora__strv_free(im->exclude, ad->config.target.n_exclude);
        LORA_FREE(im->target_regex); LORA_FREE(im->exclude_regex); LORA_FREE(im->layers_pattern);
        LORA_FREE(im->layers);
        LORA_FREE(im);
    }
    LORA_FREE(ad);
}

static int lora__opt_strdup(const char *s, char **dst) {
    *dst = NULL;
    if (!s) return 1;
    *dst = lora__strdup(s, "config string");
    return *dst != NULL;
}

/* Copies the config with its strings and arrays into adapter-owned memory. */
static lora_status lora__adapter_own_config(lora_adapter *ad, const lora_config *cfg) {
    lora__adapter_impl *im = (lora__adapter_impl *)lora__calloc(1, sizeof *im, "adapter");
    const lora_target_spec *t = &cfg->target;
    if (!im) return LORA_ERR_OOM;
    ad->impl_ = im;
    ad->config = *cfg;
    ad->config.target.n_targets = 0;
    ad->config.target.n_exclude = 0;
    if (t->n_targets > 0) {
        if (!(im->targets = lora__strv_dup(t->targets, t->n_targets))) return LORA_ERR_OOM;
        ad->config.target.n_targets = t->n_targets;
    }
    if (t->n_exclude > 0) {
        if (!(im->exclude = lora__strv_dup(t->exclude, t->n_exclude))) return LORA_ERR_OOM;
        ad->config.target.n_exclude = t->n_exclude;
    }
    if (!lora__opt_strdup(t->target_regex, &im->target_regex) || !lora__opt_strdup(t->exclude_regex, &im->exclude_regex) ||
        !lora__opt_strdup(t->layers_pattern, &im->layers_pattern))
        return LORA_ERR_OOM;
    if (t->layers && t->n_layers > 0) {
        im->layers = (int *)lora__malloc(sizeof(int) * (size_t)t->n_layers, "layers_to_transform");
        if (!im->layers) return LORA_ERR_OOM;
        memcpy(im->layers, t->layers, sizeof(int) * (size_t)t->n_layers);
    }
    ad->config.target.targets = (const char *const *)im->targets;
    ad->config.target.exclude = (const char *const *)im->exclude;
    ad->config.target.target_regex = im->target_regex;
    ad->config.target.exclude_regex = im->exclude_regex;
    ad->config.target.layers_pattern = im->layers_pattern;
    ad->config.target.layers = im->layers;
    if (!im->layers) ad->config.target.n_layers = 0;
    return LORA_OK;
}

static lora_status lora__check_config(const lora_config *cfg) {
    if (!cfg) return lora__fail(LORA_ERR_INVALID_ARG, "lora config is NULL");
    if (cfg->r <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "LoRA rank r must be a positive integer, got %d", cfg->r);
    if (!(cfg->alpha > 0.0f) || !isfinite(cfg->alpha))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_alpha must be > 0, got %g", (double)cfg->alpha);
    if (!(cfg->dropout >= 0.0f && cfg->dropout < 1.0f))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_dropout must be in [0, 1), got %g", (double)cfg->dropout);
    if ((int)cfg->bias < 0 || (int)cfg->bias > 2) return lora__fail(LORA_ERR_INVALID_ARG, "unknown bias mode %d", (int)cfg->bias);
    if ((int)cfg->init < 0 || (int)cfg->init > 2) return lora__fail(LORA_ERR_INVALID_ARG, "unknown init mode %d", (int)cfg->init);
    return LORA_OK;
}

static float lora__scaling(const lora_config *cfg) {
    return cfg->use_rslora ? (float)(cfg->alpha / sqrt((double)cfg->r)) : cfg->alpha / (float)cfg->r;
}

/* Allocates the adapter for the modules chosen in selected[] (no initialisation). */
static lora_status lora__adapter_alloc(const lora_config *cfg, const lora_module_desc *modules, int n_modules,
                                       const unsigned char *selected, lora_adapter **out) {
    lora_adapter *ad;
    lora_status s;
    int i, k = 0, n_sel = 0;
    *out = NULL;
    for (i = 0; i < n_modules; i++) n_sel += selected[i] != 0;
    ad = (lora_adapter *)lora__calloc(1, sizeof *ad, "adapter");
    if (!ad) return LORA_ERR_OOM;
    if ((s = lora__adapter_own_config(ad, cfg)) != LORA_OK) { lora_adapter_free(ad); return s; }
    ad->modules = (lora_module *)lora__calloc((size_t)(n_sel ? n_sel : 1), sizeof *ad->modules, "adapter modules");
    ad->module_of = (int *)lora__malloc(sizeof(int) * (size_t)(n_modules ? n_modules : 1), "adapter module map");
    if (!ad->modules || !ad->module_of) { lora_adapter_free(ad); return LORA_ERR_OOM; }
    ad->n_model_modules = n_modules;
    for (i = 0; i < n_modules; i++) {
        lora_module *m;
        size_t na, nb;
        ad->module_of[i] = -1;
        if (!selected[i]) continue;
        m = &ad->modules[k];
        ad->n_modules = k + 1;
        m->index = i;
        m->in = modules[i].in; m->out = modules[i].out; m->r = cfg->r;
        m->scaling = lora__scaling(cfg);
        na = (size_t)cfg->r * (size_t)m->in;
        nb = (size_t)m->out * (size_t)cfg->r;
        m->name = lora__strdup(modules[i].name, "module name");
        m->name_A = (char *)lora__malloc(strlen(modules[i].name) + 16, "module name");
        m->name_B = (char *)lora__malloc(strlen(modules[i].name) + 16, "module name");
        if (m->name_A) sprintf(m->name_A, "%s.lora_A.weight", modules[i].name);
        if (m->name_B) sprintf(m->name_B, "%s.lora_B.weight", modules[i].name);
        m->A = (float *)lora__alloc_aligned(na * sizeof(float), "lora_A");
        m->B = (float *)lora__alloc_aligned(nb * sizeof(float), "lora_B");
        m->dA = (float *)lora__alloc_aligned(na * sizeof(float), "lora_A gradient");
        m->dB = (float *)lora__alloc_aligned(nb * sizeof(float), "lora_B gradient");
        if (!m->name || !m->name_A || !m->name_B || !m->A || !m->B || !m->dA || !m->dB) { lora_adapter_free(ad); return LORA_ERR_OOM; }
        memset(m->A, 0, na * sizeof(float)); memset(m->B, 0, nb * sizeof(float));
        memset(m->dA, 0, na * sizeof(float)); memset(m->dB, 0, nb * sizeof(float));
        ad->module_of[i] = k++;
    }
    *out = ad;
    return LORA_OK;
}

static lora_status lora__select(const lora_config *cfg, const lora_module_desc *modules, int n_modules,
                                unsigned char **selected_out) {
    const char **names;
    unsigned char *is_output, *selected;
    lora_status s;
    int i;
    *selected_out = NULL;
    if (n_modules <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "the model has no linear modules to adapt");
    names = (const char **)lora__malloc(sizeof *names * (size_t)n_modules, "module names");
    is_output = (unsigned char *)lora__malloc((size_t)n_modules, "module flags");
    selected = (unsigned char *)lora__calloc((size_t)n_modules, 1, "module flags");
    if (!names || !is_output || !selected) {
        LORA_FREE(names); LORA_FREE(is_output); LORA_FREE(selected);
        return LORA_ERR_OOM;
    }
    for (i = 0; i < n_modules; i++) { names[i] = modules[i].name; is_output[i] = (unsigned char)(modules[i].is_output != 0); }
    s = lora_select_targets(&cfg->target, names, n_modules, is_output, selected);
    LORA_FREE(names); LORA_FREE(is_output);
    if (s != LORA_OK) { LORA_FREE(selected); return s; }
    *selected_out = selected;
    return LORA_OK;
}

LORA_API lora_status lora_adapter_create(const lora_config *cfg, const lora_module_desc *modules, int n_modules,
                                         lora_adapter **out) {
    unsigned char *selected;
    lora_adapter *ad;
    lora_rng rng;
    lora_status s;
    int i;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_create: out is NULL");
    *out = NULL;
    if ((s = lora__check_config(cfg)) != LORA_OK) return s;
    if (!modules && n_modules > 0) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_create: modules is NULL");
    if ((s = lora__select(cfg, modules, n_modules, &selected)) != LORA_OK) return s;
    s = lora__adapter_alloc(cfg, modules, n_modules, selected, &ad);
    LORA_FREE(selected);
    if (s != LORA_OK) return s;
    lora_rng_seed(&rng, cfg->seed);
    for (i = 0; i < ad->n_modules; i++) {
        lora_module *m = &ad->modules[i];
        size_t j, na = (size_t)m->r * (size_t)m->in, nb = (size_t)m->out * (size_t)m->r;
        /* kaiming_uniform_(a=sqrt(5)) on an (r, in) weight: bound = 1/sqrt(in) */
        float bound = 1.0f / sqrtf((float)m->in);
        if (cfg->init == LORA_INIT_GAUSSIAN) {
            for (j = 0; j < na; j++) m->A[j] = lora_rng_normal(&rng) / (float)m->r;
        } else {
            for (j = 0; j < na; j++) m->A[j] = (2.0f * lora_rng_uniform(&rng) - 1.0f) * bound;
        }
        if (cfg->init == LORA_INIT_NONE) {
            float bb = 1.0f / sqrtf((float)m->r);
            for (j = 0; j < nb; j++) m->B[j] = (2.0f * lora_rng_uniform(&rng) - 1.0f) * bb;
        }
    }
    *out = ad;
    return LORA_OK;
}

LORA_API lora_status lora_adapter_add_bias(lora_adapter *ad, const char *name, const float *initial, int n) {
    lora_bias_param *nb, *b;
    if (!ad || !name || !initial || n <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_add_bias: bad arguments");
    if (lora_adapter_find_bias(ad, name)) return LORA_OK;
    nb = (lora_bias_param *)lora__realloc(ad->biases, sizeof *nb * (size_t)(ad->n_biases + 1), "adapter biases");
    if (!nb) return LORA_ERR_OOM;
    ad->biases = nb;
    b = &nb[ad->n_biases];
    memset(b, 0, sizeof *b);
    b->n = n;
    b->layer = -1;
    b->name = lora__strdup(name, "bias name");
    b->value = (float *)lora__malloc(sizeof(float) * (size_t)n, "bias");
    b->grad = (float *)lora__calloc((size_t)n, sizeof(float), "bias gradient");
    if (!b->name || !b->value || !b->grad) {
        LORA_FREE(b->name); LORA_FREE(b->value); LORA_FREE(b->grad);
        return LORA_ERR_OOM;
    }
    memcpy(b->value, initial, sizeof(float) * (size_t)n);
    ad->n_biases++;
    return LORA_OK;
}

LORA_API lora_status lora_adapter_set_base_model(lora_adapter *ad, const char *name) {
    char *copy = NULL;
    if (!ad) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_set_base_model: adapter is NULL");
    if (name && !(copy = lora__strdup(name, "adapter base model name"))) return LORA_ERR_OOM;
    LORA_FREE(ad->base_model_name);
    ad->base_model_name = copy;
    return LORA_OK;
}

LORA_API lora_bias_param *lora_adapter_find_bias(const lora_adapter *ad, const char *name) {
    int i;
    if (!ad || !name) return NULL;
    for (i = 0; i < ad->n_biases; i++)
        if (strcmp(ad->biases[i].name, name) == 0) return &ad->biases[i];
    return NULL;
}

LORA_API lora_module *lora_adapter_module(const lora_adapter *ad, int index) {
    if (!ad || index < 0 || index >= ad->n_model_modules || ad->module_of[index] < 0) return NULL;
    return &ad->modules[ad->module_of[index]];
}

LORA_API lora_module *lora_adapter_find(const lora_adapter *ad, const char *name) {
    int i;
    if (!ad || !name) return NULL;
    for (i = 0; i < ad->n_modules; i++)
        if (strcmp(ad->modules[i].name, name) == 0) return &ad->modules[i];
    return NULL;
}

LORA_API int64_t lora_adapter_num_params(const lora_adapter *ad) {
    int64_t n = 0;
    int i;
    if (!ad) return 0;
    for (i = 0; i < ad->n_modules; i++)
        n += (int64_t)ad->modules[i].r * (ad->modules[i].in + ad->modules[i].out);
    for (i = 0; i < ad->n_biases; i++) n += ad->biases[i].n;
    return n;
}

LORA_API void lora_adapter_zero_grad(lora_adapter *ad) {
    int i;
    if (!ad) return;
    for (i = 0; i < ad->n_modules; i++) {
        lora_module *m = &ad->modules[i];
        memset(m->dA, 0, sizeof(float) * (size_t)m->r * (size_t)m->in);
        memset(m->dB, 0, sizeof(float) * (size_t)m->out * (size_t)m->r);
    }
    for (i = 0; i < ad->n_biases; i++) memset(ad->biases[i].grad, 0, sizeof(float) * (size_t)ad->biases[i].n);
}

LORA_API void lora_format_count(int64_t n, char *buf, size_t size) {
    char digits[32], out[48];
    int len, i, j = 0, neg = n < 0;
    uint64_t u = neg ? (uint64_t)(-(n + 1)) + 1 : (uint64_t)n;
    if (!buf || size == 0) return;
    len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
    if (neg) out[j++] = '-';
    for (i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0) out[j++] = ',';
        out[j++] = digits[i];
    }
    out[j] = 0;
    if (size) snprintf(buf, size, "%s", out);
}

LORA_API void lora_format_trainable(int64_t trainable, int64_t all, char *buf, size_t size) {
    char t[48], a[48];
    if (!buf || size == 0) return;
    lora_format_count(trainable, t, sizeof t);
    lora_format_count(all, a, sizeof a);
    snprintf(buf, size, "trainable params: %s || all params: %s || trainable%%: %.4f", t, a,
             all > 0 ? 100.0 * (double)trainable / (double)all : 0.0);
}

LORA_API void lora_module_merge(const lora_module *m, float *W, int fan_in_fan_out, float sign) {
    int i, o, k;
    if (!m || !W) return;
    /* delta[o][i] = (sum_k B[o][k] A[k][i]) * scaling in float32, as PEFT computes it
       (transpose(B @ A) * scaling), then W +/-= delta */
    for (o = 0; o < m->out; o++) {
        const float *Bo = m->B + (size_t)o * m->r;
        for (i = 0; i < m->in; i++) {
            float acc = 0.0f, d;
            for (k = 0; k < m->r; k++) acc += Bo[k] * m->A[(size_t)k * m->in + i];
            d = acc * m->scaling;
            if (sign < 0) d = -d;
            if (fan_in_fan_out) W[(size_t)i * m->out + o] += d;
            else W[(size_t)o * m->in + i] += d;
        }
    }
}
