/* ---- the model: tensor table, module table, creation ---- */
typedef struct llama__tensor {
    char name[72];           /* HF name ("model.layers.0.self_attn.q_proj.weight") */
    int ndim;
    int64_t shape[2];
    size_t offset;           /* floats into the parameter arena */
    int64_t numel;
} llama__tensor;

/* a layer's tensors (tensor index, -1 when the architecture has none) */
enum { LLAMA__QW, LLAMA__QB, LLAMA__KW, LLAMA__KB, LLAMA__VW, LLAMA__VB, LLAMA__OW, LLAMA__OB, LLAMA__QN, LLAMA__KN,
       LLAMA__GW, LLAMA__GB, LLAMA__UW, LLAMA__UB, LLAMA__DW, LLAMA__DB, LLAMA__LN1, LLAMA__LN2, LLAMA__PER_LAYER };

typedef struct llama__acts llama__acts;

struct llama_model {
    lora_model base;         /* first: the engine's view */
    char *name_or_path;
    char summary[256];
    llama_config cfg;
    lora_pool *pool;
    int n_tensors;
    llama__tensor *tensors;
    int *lt;                 /* (n_layer, LLAMA__PER_LAYER) tensor indices */
    int t_embed, t_norm, t_head;  /* t_head = t_embed when tied */
    float *params;
    float *grads;            /* full fine-tuning */
    size_t n_floats;
    int n_linears;
    char (*lin_names)[72];
    lora_module_desc *descs;
    int *module_layer;
    int *lin_w, *lin_b;      /* weight / bias tensor of each linear module (-1: no bias) */
    float *rope_inv_freq;    /* (head_dim / 2) */
    lora_adapter *adapter;
    int training, full;
    uint64_t dropout_seed, dropout_step;
    int32_t *pos;            /* packed positions of the last forward, or NULL */
    int32_t *pos_buf;
    size_t pos_cap;
    llama__acts *acts;
};

static float *llama__t(const llama_model *m, int idx) { return m->params + m->tensors[idx].offset; }
static int llama__L(const llama_model *m, int l, int which) { return m->lt[l * LLAMA__PER_LAYER + which]; }

static void llama__acts_free(llama__acts *a);
static lora_status llama__base_init(llama_model *m);

LORA_API void llama_model_free(llama_model *m) {
    if (!m) return;
    llama__acts_free(m->acts);
    lora_free_aligned(m->params);
    lora_free_aligned(m->grads);
    lora_free(m->tensors);
    lora_free(m->lt);
    lora_free(m->lin_names);
    lora_free(m->descs);
    lora_free(m->module_layer);
    lora_free(m->lin_w);
    lora_free(m->lin_b);
    lora_free(m->rope_inv_freq);
    lora_free(m->name_or_path);
    lora_free(m->pos_buf);
    lora_free(m);
}

static int llama__add(llama_model *m, size_t *off, const char *name, int ndim, int64_t d0, int64_t d1) {
    llama__tensor *t = &m->tensors[m->n_tensors];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim; t->shape[0] = d0; t->shape[1] = ndim > 1 ? d1 : 1;
    t->numel = d0 * (ndim > 1 ? d1 : 1);
    t->offset = *off;
    *off += ((size_t)t->numel + 15) & ~(size_t)15;
    return m->n_tensors++;
}

/* inv_freq as Hugging Face computes it in float32 (modeling_rope_utils) */
static void llama__rope_init(llama_model *m) {
    const llama_config *c = &m->cfg;
    int D = c->head_dim, i;
    for (i = 0; i < D / 2; i++) {
        float expo = (float)(2 * i) / (float)D;
        /* torch: 1.0 / (base ** (arange(0, D, 2).float() / D)), computed in float32 */
        float inv = 1.0f / powf((float)c->rope_theta, expo);
        if (c->rope_type == LLAMA_ROPE_LINEAR) inv = inv / (float)c->rope_factor;
        else if (c->rope_type == LLAMA_ROPE_LLAMA3) {
            float factor = (float)c->rope_factor, lo = (float)c->rope_low_freq_factor, hi = (float)c->rope_high_freq_factor;
            float old = (float)c->rope_original_max_position;
            float lo_wl = old / lo, hi_wl = old / hi;
            float wavelen = 2.0f * 3.14159265358979323846f / inv;
            float llama = wavelen > lo_wl ? inv / factor : inv;
            if (!(wavelen < hi_wl) && !(wavelen > lo_wl)) {
                float smooth = (old / wavelen - lo) / (hi - lo);
                llama = (1.0f - smooth) * llama / factor + smooth * llama;
            }
            inv = llama;
        }
        m->rope_inv_freq[i] = inv;
    }
}

static lora_status llama__model_new(const llama_config *cfg, lora_pool *pool, int alloc_weights, llama_model **out) {
    llama_model *m;
    lora_status s;
    size_t off = 0;
    int l, C, I, QD, KD, D, maxt, k;
    char nm[72];
    *out = NULL;
    if ((s = llama_config_check(cfg)) != LORA_OK) return s;
    m = (llama_model *)lora_calloc(1, sizeof *m, "llama model");
    if (!m) return LORA_ERR_OOM;
    m->cfg = *cfg;
    m->pool = pool;
    C = cfg->hidden_size; I = cfg->intermediate_size; D = cfg->head_dim; QD = cfg->n_head * D; KD = cfg->n_kv_head * D;
    maxt = 3 + cfg->n_layer * LLAMA__PER_LAYER;
    m->n_linears = cfg->n_layer * LLAMA_LINEARS_PER_LAYER + 1;
    m->tensors = (llama__tensor *)lora_calloc((size_t)maxt, sizeof *m->tensors, "tensor table");
    m->lt = (int *)lora_malloc(sizeof(int) * (size_t)cfg->n_layer * LLAMA__PER_LAYER, "tensor table");
    m->lin_names = (char (*)[72])lora_calloc((size_t)m->n_linears, sizeof *m->lin_names, "module table");
    m->descs = (lora_module_desc *)lora_calloc((size_t)m->n_linears, sizeof *m->descs, "module table");
    m->module_layer = (int *)lora_calloc((size_t)m->n_linears, sizeof(int), "module table");
    m->lin_w = (int *)lora_calloc((size_t)m->n_linears, sizeof(int), "module table");
    m->lin_b = (int *)lora_calloc((size_t)m->n_linears, sizeof(int), "module table");
    m->rope_inv_freq = (float *)lora_calloc((size_t)D / 2 + 1, sizeof(float), "rope");
    if (!m->tensors || !m->lt || !m->lin_names || !m->descs || !m->module_layer || !m->lin_w || !m->lin_b || !m->rope_inv_freq) {
        llama_model_free(m);
        return LORA_ERR_OOM;
    }
    for (k = 0; k < cfg->n_layer * LLAMA__PER_LAYER; k++) m->lt[k] = -1;
    /* named_parameters() order */
    m->t_embed = llama__add(m, &off, "model.embed_tokens.weight", 2, cfg->vocab_size, C);
    for (l = 0; l < cfg->n_layer; l++) {
        int *t = m->lt + l * LLAMA__PER_LAYER, qkvb = llama__qkv_bias(cfg), ob = llama__o_bias(cfg), mb = llama__mlp_bias(cfg);
#define LLAMA__ADD(slot, suffix, nd, a, b) (snprintf(nm, sizeof nm, "model.layers.%d.%s", l, suffix), t[slot] = llama__add(m, &off, nm, nd, a, b))
        LLAMA__ADD(LLAMA__QW, "self_attn.q_proj.weight", 2, QD, C);
        if (qkvb) LLAMA__ADD(LLAMA__QB, "self_attn.q_proj.bias", 1, QD, 0);
        LLAMA__ADD(LLAMA__KW, "self_attn.k_proj.weight", 2, KD, C);
        if (qkvb) LLAMA__ADD(LLAMA__KB, "self_attn.k_proj.bias", 1, KD, 0);
        LLAMA__ADD(LLAMA__VW, "self_attn.v_proj.weight", 2, KD, C);
        if (qkvb) LLAMA__ADD(LLAMA__VB, "self_attn.v_proj.bias", 1, KD, 0);
        LLAMA__ADD(LLAMA__OW, "self_attn.o_proj.weight", 2, C, QD);
        if (ob) LLAMA__ADD(LLAMA__OB, "self_attn.o_proj.bias", 1, C, 0);
        if (llama__qk_norm(cfg)) {
            LLAMA__ADD(LLAMA__QN, "self_attn.q_norm.weight", 1, D, 0);
            LLAMA__ADD(LLAMA__KN, "self_attn.k_norm.weight", 1, D, 0);
        }
        LLAMA__ADD(LLAMA__GW, "mlp.gate_proj.weight", 2, I, C);
        if (mb) LLAMA__ADD(LLAMA__GB, "mlp.gate_proj.bias", 1, I, 0);
        LLAMA__ADD(LLAMA__UW, "mlp.up_proj.weight", 2, I, C);
        if (mb) LLAMA__ADD(LLAMA__UB, "mlp.up_proj.bias", 1, I, 0);
        LLAMA__ADD(LLAMA__DW, "mlp.down_proj.weight", 2, C, I);
        if (mb) LLAMA__ADD(LLAMA__DB, "mlp.down_proj.bias", 1, C, 0);
        LLAMA__ADD(LLAMA__LN1, "input_layernorm.weight", 1, C, 0);
        LLAMA__ADD(LLAMA__LN2, "post_attention_layernorm.weight", 1, C, 0);
#undef LLAMA__ADD
    }
    m->t_norm = llama__add(m, &off, "model.norm.weight", 1, C, 0);
    m->t_head = cfg->tie_word_embeddings ? m->t_embed : llama__add(m, &off, "lm_head.weight", 2, cfg->vocab_size, C);
    m->n_floats = off;
    /* linear modules */
    for (l = 0; l < cfg->n_layer; l++) {
        static const char *const kinds[LLAMA_LINEARS_PER_LAYER] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                                                   "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
        static const int ws[LLAMA_LINEARS_PER_LAYER] = {LLAMA__QW, LLAMA__KW, LLAMA__VW, LLAMA__OW, LLAMA__GW, LLAMA__UW, LLAMA__DW};
        static const int bs[LLAMA_LINEARS_PER_LAYER] = {LLAMA__QB, LLAMA__KB, LLAMA__VB, LLAMA__OB, LLAMA__GB, LLAMA__UB, LLAMA__DB};
        for (k = 0; k < LLAMA_LINEARS_PER_LAYER; k++) {
            int mi = l * LLAMA_LINEARS_PER_LAYER + k, wt = llama__L(m, l, ws[k]);
            snprintf(m->lin_names[mi], sizeof m->lin_names[mi], "model.layers.%d.%s", l, kinds[k]);
            m->lin_w[mi] = wt;
            m->lin_b[mi] = llama__L(m, l, bs[k]);
            m->module_layer[mi] = l;
            m->descs[mi].name = m->lin_names[mi];
            m->descs[mi].out = (int)m->tensors[wt].shape[0];
            m->descs[mi].in = (int)m->tensors[wt].shape[1];
            m->descs[mi].has_bias = m->lin_b[mi] >= 0;
            m->descs[mi].is_output = 0;
        }
    }
    k = m->n_linears - 1;
    snprintf(m->lin_names[k], sizeof m->lin_names[k], "lm_head");
    m->lin_w[k] = m->t_head; m->lin_b[k] = -1; m->module_layer[k] = -1;
    m->descs[k].name = m->lin_names[k]; m->descs[k].in = C; m->descs[k].out = cfg->vocab_size; m->descs[k].is_output = 1;
    llama__rope_init(m);
    if (alloc_weights) {
        m->params = (float *)lora_alloc_aligned(off * sizeof(float), "llama weights");
        if (!m->params) { llama_model_free(m); return LORA_ERR_OOM; }
        memset(m->params, 0, off * sizeof(float));
    }
    if ((s = llama__base_init(m)) != LORA_OK) { llama_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}

LORA_API lora_status llama_model_create(const llama_config *cfg, lora_pool *pool, llama_model **out) {
    if (!out) return lora_fail(LORA_ERR_INVALID_ARG, "llama_model_create: out is NULL");
    return llama__model_new(cfg, pool, 1, out);
}

LORA_API const llama_config *llama_model_config(const llama_model *m) { return m ? &m->cfg : NULL; }
LORA_API int llama_model_num_tensors(const llama_model *m) { return m ? m->n_tensors : 0; }
LORA_API const char *llama_model_tensor(const llama_model *m, int i, int *ndim, int64_t shape[2], float **data) {
    const llama__tensor *t;
    if (!m || i < 0 || i >= m->n_tensors) return NULL;
    t = &m->tensors[i];
    if (ndim) *ndim = t->ndim;
    if (shape) { shape[0] = t->shape[0]; shape[1] = t->shape[1]; }
    if (data) *data = m->params ? m->params + t->offset : NULL;
    return t->name;
}
static int llama__find_tensor(const llama_model *m, const char *name) {
    int i;
    for (i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) return i;
    return -1;
}
LORA_API float *llama_model_param(llama_model *m, const char *name, int64_t *numel) {
    int i;
    if (!m || !name || !m->params || (i = llama__find_tensor(m, name)) < 0) return NULL;
    if (numel) *numel = m->tensors[i].numel;
    return llama__t(m, i);
}
LORA_API float *llama_model_grad(llama_model *m, const char *name) {
    int i;
    if (!m || !name || !m->grads || (i = llama__find_tensor(m, name)) < 0) return NULL;
    return m->grads + m->tensors[i].offset;
}

LORA_API void llama_model_init_random(llama_model *m, uint64_t seed) {
    lora_rng rng;
    int i;
    if (!m || !m->params) return;
    lora_rng_seed(&rng, seed);
    for (i = 0; i < m->n_tensors; i++) {
        llama__tensor *t = &m->tensors[i];
        float *p = llama__t(m, i);
        int64_t j;
        const char *dot = strrchr(t->name, '.');
        if (t->ndim == 1 && dot && strcmp(dot, ".bias") == 0) memset(p, 0, sizeof(float) * (size_t)t->numel);
        else if (t->ndim == 1) for (j = 0; j < t->numel; j++) p[j] = 1.0f;
        else for (j = 0; j < t->numel; j++) p[j] = (float)(m->cfg.initializer_range * lora_rng_normal(&rng));
    }
    if (m->cfg.pad_token_id >= 0)
        memset(llama__t(m, m->t_embed) + (size_t)m->cfg.pad_token_id * m->cfg.hidden_size, 0, sizeof(float) * (size_t)m->cfg.hidden_size);
}
