/* ---- config ---- */
LORA_API lora_status gpt2_config_preset(const char *name, gpt2_config *out) {
    static const struct { const char *name; int L, H, C; } presets[] = {
        {"gpt2", 12, 12, 768}, {"gpt2-medium", 24, 16, 1024}, {"gpt2-large", 36, 20, 1280},
        {"gpt2-xl", 48, 25, 1600}, {"distilgpt2", 6, 12, 768}, {"tiny", 2, 2, 64}, {"small", 4, 4, 128}};
    size_t i;
    if (!name || !out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_config_preset: NULL argument");
    for (i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            memset(out, 0, sizeof *out);
            out->n_layer = presets[i].L;
            out->n_head = presets[i].H;
            out->n_embd = presets[i].C;
            out->n_positions = strcmp(name, "tiny") == 0 ? 64 : strcmp(name, "small") == 0 ? 256 : 1024;
            out->vocab_size = 50257;
            out->n_inner = 0;
            out->layer_norm_eps = 1e-5f;
            return LORA_OK;
        }
    }
    return lora_fail(LORA_ERR_NOT_FOUND, "unknown preset '%s' (known: gpt2, gpt2-medium, gpt2-large, gpt2-xl, distilgpt2, tiny, small)", name);
}

static int gpt2__inner(const gpt2_config *c) { return c->n_inner > 0 ? c->n_inner : 4 * c->n_embd; }

LORA_API lora_status gpt2_config_check(const gpt2_config *c) {
    if (!c) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2 config is NULL");
    if (c->n_layer <= 0 || c->n_head <= 0 || c->n_embd <= 0 || c->n_positions <= 0 || c->vocab_size <= 0 || c->n_inner < 0)
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2 config: sizes must be positive (n_layer %d, n_head %d, n_embd %d, n_positions %d, vocab_size %d, n_inner %d)",
                         c->n_layer, c->n_head, c->n_embd, c->n_positions, c->vocab_size, c->n_inner);
    if (c->n_embd % c->n_head != 0)
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2 config: n_embd %d is not divisible by n_head %d", c->n_embd, c->n_head);
    if (c->n_layer > 4096 || c->n_embd > 65536 || c->vocab_size > (1 << 24) || c->n_positions > (1 << 20) || gpt2__inner(c) > (1 << 20))
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2 config: sizes out of the supported range");
    if (!(c->layer_norm_eps > 0.0f)) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2 config: layer_norm_epsilon must be > 0");
    return LORA_OK;
}

LORA_API int64_t gpt2_config_num_params(const gpt2_config *c) {
    int64_t C, F, L, per_layer;
    if (!c) return 0;
    C = c->n_embd; F = gpt2__inner(c); L = c->n_layer;
    per_layer = 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + 2 * C + (C * F + F) + (F * C + C);
    return (int64_t)c->vocab_size * C + (int64_t)c->n_positions * C + L * per_layer + 2 * C;
}

LORA_API int gpt2_config_num_linears(const gpt2_config *c) { return c ? c->n_layer * GPT2_LINEARS_PER_LAYER + 1 : 0; }

LORA_API void gpt2_config_linears(const gpt2_config *c, gpt2_linear_info *out) {
    static const char *const kinds[GPT2_LINEARS_PER_LAYER] = {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"};
    int C, F, l, k;
    if (!c || !out) return;
    C = c->n_embd; F = gpt2__inner(c);
    for (l = 0; l < c->n_layer; l++) {
        int ins[4], outs[4];
        ins[0] = C; outs[0] = 3 * C;
        ins[1] = C; outs[1] = C;
        ins[2] = C; outs[2] = F;
        ins[3] = F; outs[3] = C;
        for (k = 0; k < GPT2_LINEARS_PER_LAYER; k++) {
            gpt2_linear_info *li = &out[l * GPT2_LINEARS_PER_LAYER + k];
            snprintf(li->name, sizeof li->name, "transformer.h.%d.%s", l, kinds[k]);
            li->layer = l; li->in = ins[k]; li->out = outs[k]; li->has_bias = 1;
            li->params = (int64_t)ins[k] * outs[k] + outs[k];
        }
    }
    {
        gpt2_linear_info *li = &out[c->n_layer * GPT2_LINEARS_PER_LAYER];
        snprintf(li->name, sizeof li->name, "lm_head");
        li->layer = -1; li->in = C; li->out = c->vocab_size; li->has_bias = 0;
        li->params = (int64_t)C * c->vocab_size;
    }
}

LORA_API void gpt2_config_module_descs(const gpt2_linear_info *infos, int n, lora_module_desc *out) {
    int i;
    if (!infos || !out) return;
    for (i = 0; i < n; i++) {
        out[i].name = infos[i].name;
        out[i].in = infos[i].in;
        out[i].out = infos[i].out;
        out[i].has_bias = infos[i].has_bias;
        out[i].is_output = infos[i].layer < 0;
    }
}

/* ---- the model ---- */
typedef struct gpt2__tensor {
    char name[48];           /* HF name without prefix */
    int ndim;
    int64_t shape[2];
    size_t offset;           /* floats into the parameter arena, or (bf16) values into the bf16 arena */
    int64_t numel;
    int bf16;                /* a frozen matrix stored in bf16 (gpt2_model_load_as / create_as) */
} gpt2__tensor;

/* Indices of a layer's tensors in the tensor table, in named_parameters() order. */
enum { GPT2__LN1W, GPT2__LN1B, GPT2__ATTW, GPT2__ATTB, GPT2__APRW, GPT2__APRB, GPT2__LN2W, GPT2__LN2B,
       GPT2__FCW, GPT2__FCB, GPT2__FPRW, GPT2__FPRB, GPT2__PER_LAYER };

typedef struct gpt2__acts gpt2__acts;

struct gpt2_model {
    lora_model base;         /* first: the engine's view of this model (gpt2_model_base) */
    char *name_or_path;      /* base_model_name_or_path for adapters (NULL: unknown) */
    int *module_layer;       /* layer of each linear module, -1 for lm_head */
    char summary[192];       /* lora_model_info.summary */
    int32_t *pos;            /* position ids of the last forward (packed rows), or NULL: 0 .. T-1 */
    int32_t *pos_buf;        /* their storage */
    size_t pos_cap;
    gpt2_config cfg;
    lora_pool *pool;
    int n_tensors;
    gpt2__tensor *tensors;   /* wte, wpe, per layer GPT2__PER_LAYER, ln_f.weight, ln_f.bias */
    float *params;           /* one arena (the fp32 tensors) */
    uint16_t *params_bf16;   /* the matrices when the frozen weights are bf16, else NULL */
    size_t n_bf16;
    lora_dtype base_dtype;   /* LORA_DT_F32 or LORA_DT_BF16 */
    float *grads;            /* full fine-tuning: same layout, else NULL */
    size_t n_floats;
    int n_linears;
    gpt2_linear_info *linears;
    lora_module_desc *descs;
    lora_adapter *adapter;
    int training, full;
    uint64_t dropout_seed;
    uint64_t dropout_step;
    gpt2__acts *acts;
};

static float *gpt2__t(const gpt2_model *m, int idx) { return m->tensors[idx].bf16 ? NULL : m->params + m->tensors[idx].offset; }
static const uint16_t *gpt2__tb(const gpt2_model *m, int idx) { return m->tensors[idx].bf16 ? m->params_bf16 + m->tensors[idx].offset : NULL; }
/* Writes n values of tensor idx from element at on (rounded to nearest even when it is bf16). */
static void gpt2__store(gpt2_model *m, int idx, size_t at, const float *src, size_t n) {
    if (m->tensors[idx].bf16) lora_f32_to_bf16_n(src, m->params_bf16 + m->tensors[idx].offset + at, n);
    else memcpy(m->params + m->tensors[idx].offset + at, src, n * sizeof(float));
}
/* The matrix of tensor idx as the engine's frozen-weight view. */
static lora_wmat gpt2__wmat(const gpt2_model *m, int idx) {
    lora_wmat w;
    const gpt2__tensor *t = &m->tensors[idx];
    w.dtype = t->bf16 ? LORA_DT_BF16 : LORA_DT_F32;
    w.rows = (int)t->shape[0]; w.cols = (int)t->shape[1];
    w.data = t->bf16 ? (const void *)gpt2__tb(m, idx) : (const void *)gpt2__t(m, idx);
    return w;
}
static int gpt2__lt(int layer, int which) { return 2 + layer * GPT2__PER_LAYER + which; }

static void gpt2__acts_free(gpt2__acts *a);

/* The weight arenas, zeroed. */
static lora_status gpt2__alloc_weights(gpt2_model *m) {
    m->params = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "gpt2 weights");
    if (!m->params) return LORA_ERR_OOM;
    memset(m->params, 0, m->n_floats * sizeof(float));
    if (m->n_bf16) {
        m->params_bf16 = (uint16_t *)lora_alloc_aligned(m->n_bf16 * sizeof(uint16_t), "gpt2 weights (bf16)");
        if (!m->params_bf16) return LORA_ERR_OOM;
        memset(m->params_bf16, 0, m->n_bf16 * sizeof(uint16_t));
    }
    return LORA_OK;
}
static lora_status gpt2__base_init(gpt2_model *m); /* 50_model.impl.c */

LORA_API void gpt2_model_free(gpt2_model *m) {
    if (!m) return;
    gpt2__acts_free(m->acts);
    lora_free_aligned(m->params);
    lora_free_aligned(m->params_bf16);
    lora_free_aligned(m->grads);
    lora_free(m->tensors);
    lora_free(m->linears);
    lora_free(m->descs);
    lora_free(m->name_or_path);
    lora_free(m->module_layer);
    lora_free(m->pos_buf);
    lora_free(m);
}

/* bf16 set: the matrices (wte, tied to lm_head, and the four Conv1D weights of a block) go in
   the bf16 arena, at offset *off_b; everything else in the fp32 arena at *off. */
static void gpt2__add_tensor(gpt2_model *m, size_t *off, size_t *off_b, int bf16, const char *name, int ndim, int64_t d0,
                             int64_t d1) {
    gpt2__tensor *t = &m->tensors[m->n_tensors++];
    size_t *o;
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim; t->shape[0] = d0; t->shape[1] = ndim > 1 ? d1 : 1;
    t->numel = d0 * (ndim > 1 ? d1 : 1);
    t->bf16 = bf16 && ndim == 2 && strcmp(name, "wpe.weight") != 0;
    o = t->bf16 ? off_b : off;
    t->offset = *o;
    *o += ((size_t)t->numel + 31) & ~(size_t)31; /* keep every tensor 64-byte aligned */
}

/* Builds the model's tensor table; allocates the weights only when alloc_weights (loaders
   check a file against the table before committing gigabytes). */
static lora_status gpt2__model_new(const gpt2_config *cfg, lora_pool *pool, int alloc_weights, lora_dtype dtype,
                                   gpt2_model **out) {
    gpt2_model *m;
    lora_status s;
    size_t off = 0, off_b = 0;
    int bf = dtype == LORA_DT_BF16;
    int l, C, F;
    char nm[48];
    *out = NULL;
    if ((s = gpt2_config_check(cfg)) != LORA_OK) return s;
    if (dtype != LORA_DT_F32 && dtype != LORA_DT_BF16)
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2: base weights in %s: expected F32 or BF16", lora_dtype_name(dtype));
    m = (gpt2_model *)lora_calloc(1, sizeof *m, "gpt2 model");
    if (!m) return LORA_ERR_OOM;
    m->cfg = *cfg;
    m->pool = pool;
    m->base_dtype = dtype;
    C = cfg->n_embd; F = gpt2__inner(cfg);
    m->tensors = (gpt2__tensor *)lora_calloc((size_t)(2 + cfg->n_layer * GPT2__PER_LAYER + 2), sizeof *m->tensors, "tensor table");
    m->n_linears = gpt2_config_num_linears(cfg);
    m->linears = (gpt2_linear_info *)lora_calloc((size_t)m->n_linears, sizeof *m->linears, "module table");
    m->descs = (lora_module_desc *)lora_calloc((size_t)m->n_linears, sizeof *m->descs, "module table");
    if (!m->tensors || !m->linears || !m->descs) { gpt2_model_free(m); return LORA_ERR_OOM; }
    gpt2_config_linears(cfg, m->linears);
    gpt2_config_module_descs(m->linears, m->n_linears, m->descs);
    gpt2__add_tensor(m, &off, &off_b, bf, "wte.weight", 2, cfg->vocab_size, C);
    gpt2__add_tensor(m, &off, &off_b, bf, "wpe.weight", 2, cfg->n_positions, C);
    for (l = 0; l < cfg->n_layer; l++) {
#define GPT2__ADD(suffix, nd, a, b) (snprintf(nm, sizeof nm, "h.%d.%s", l, suffix), gpt2__add_tensor(m, &off, &off_b, bf, nm, nd, a, b))
        GPT2__ADD("ln_1.weight", 1, C, 0);
        GPT2__ADD("ln_1.bias", 1, C, 0);
        GPT2__ADD("attn.c_attn.weight", 2, C, 3 * C);
        GPT2__ADD("attn.c_attn.bias", 1, 3 * C, 0);
        GPT2__ADD("attn.c_proj.weight", 2, C, C);
        GPT2__ADD("attn.c_proj.bias", 1, C, 0);
        GPT2__ADD("ln_2.weight", 1, C, 0);
        GPT2__ADD("ln_2.bias", 1, C, 0);
        GPT2__ADD("mlp.c_fc.weight", 2, C, F);
        GPT2__ADD("mlp.c_fc.bias", 1, F, 0);
        GPT2__ADD("mlp.c_proj.weight", 2, F, C);
        GPT2__ADD("mlp.c_proj.bias", 1, C, 0);
#undef GPT2__ADD
    }
    gpt2__add_tensor(m, &off, &off_b, bf, "ln_f.weight", 1, C, 0);
    gpt2__add_tensor(m, &off, &off_b, bf, "ln_f.bias", 1, C, 0);
    m->n_floats = off;
    m->n_bf16 = off_b;
    if (alloc_weights && (s = gpt2__alloc_weights(m)) != LORA_OK) { gpt2_model_free(m); return s; }
    if ((s = gpt2__base_init(m)) != LORA_OK) { gpt2_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}

LORA_API lora_status gpt2_model_create(const gpt2_config *cfg, lora_pool *pool, gpt2_model **out) {
    if (!out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_create: out is NULL");
    return gpt2__model_new(cfg, pool, 1, LORA_DT_F32, out);
}
LORA_API lora_status gpt2_model_create_as(const gpt2_config *cfg, lora_pool *pool, lora_dtype base_dtype, gpt2_model **out) {
    if (!out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_create_as: out is NULL");
    return gpt2__model_new(cfg, pool, 1, base_dtype, out);
}
LORA_API lora_dtype gpt2_model_base_dtype(const gpt2_model *m) { return m ? m->base_dtype : LORA_DT_F32; }

LORA_API const gpt2_config *gpt2_model_config(const gpt2_model *m) { return m ? &m->cfg : NULL; }
LORA_API void gpt2_model_set_pool(gpt2_model *m, lora_pool *pool) { if (m) m->pool = pool; }
LORA_API int gpt2_model_num_tensors(const gpt2_model *m) { return m ? m->n_tensors : 0; }

LORA_API const char *gpt2_model_tensor(const gpt2_model *m, int i, int *ndim, int64_t shape[2], float **data) {
    const gpt2__tensor *t;
    if (!m || i < 0 || i >= m->n_tensors) return NULL;
    t = &m->tensors[i];
    if (ndim) *ndim = t->ndim;
    if (shape) { shape[0] = t->shape[0]; shape[1] = t->shape[1]; }
    if (data) *data = gpt2__t(m, i);
    return t->name;
}

static int gpt2__find_tensor(const gpt2_model *m, const char *name) {
    int i;
    if (strncmp(name, "transformer.", 12) == 0) name += 12;
    for (i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) return i;
    return -1;
}

LORA_API float *gpt2_model_param(gpt2_model *m, const char *name, int64_t *numel) {
    int i;
    if (!m || !name) return NULL;
    i = gpt2__find_tensor(m, name);
    if (i < 0) return NULL;
    if (numel) *numel = m->tensors[i].numel;
    return gpt2__t(m, i);
}

LORA_API float *gpt2_model_grad(gpt2_model *m, const char *name) {
    int i;
    if (!m || !name || !m->grads) return NULL;
    i = gpt2__find_tensor(m, name);
    return i < 0 ? NULL : m->grads + m->tensors[i].offset;
}

LORA_API void gpt2_model_init_random(gpt2_model *m, uint64_t seed) {
    lora_rng rng;
    int i;
    double proj_std;
    if (!m) return;
    proj_std = 0.02 / sqrt(2.0 * m->cfg.n_layer);
    lora_rng_seed(&rng, seed);
    for (i = 0; i < m->n_tensors; i++) {
        gpt2__tensor *t = &m->tensors[i];
        float *p = gpt2__t(m, i), v;
        int64_t j;
        const char *dot = strrchr(t->name, '.');
        int is_ln = strstr(t->name, "ln_") != NULL;
        if (dot && strcmp(dot, ".bias") == 0) {
            memset(p, 0, sizeof(float) * (size_t)t->numel);
        } else if (is_ln) {
            for (j = 0; j < t->numel; j++) p[j] = 1.0f;
        } else {
            double sd = strstr(t->name, "c_proj.weight") ? proj_std : 0.02;
            if (p) for (j = 0; j < t->numel; j++) p[j] = (float)(sd * lora_rng_normal(&rng));
            else for (j = 0; j < t->numel; j++) { v = (float)(sd * lora_rng_normal(&rng)); gpt2__store(m, i, (size_t)j, &v, 1); }
        }
    }
}
