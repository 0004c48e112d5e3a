/* ---- forward and backward ----
   Activations for a (B, T) batch live in one arena sized from one table (llama__act_sizes),
   which the memory estimate sums too. Row-wise ops run over the pool in fixed chunks
   (lora_parallel_rows), attention in one task per (batch, head) forward and per (batch, kv head)
   backward, so results do not depend on the thread count. */

typedef struct llama__layer_acts {
    float *ln1, *rstd1;            /* (N, C), (N) */
    float *q, *k, *v;              /* (N, QD), (N, KD), (N, KD): projections */
    float *qn, *kn, *rstd_q, *rstd_k; /* Qwen3: after q_norm / k_norm; (N, H), (N, KV) */
    float *qr, *kr;                /* after RoPE */
    float *att;                    /* (B, H, T, T) probabilities */
    float *atty;                   /* (N, QD) */
    float *res2;                   /* (N, C) */
    float *ln2, *rstd2;
    float *gate, *up;              /* (N, I) */
    float *res3;                   /* (N, C) layer output */
} llama__layer_acts;

struct llama__acts {
    int B, T;
    size_t n_floats;
    float *arena;
    unsigned char *mask_arena;
    size_t mask_bytes;
    float *embed;                  /* (N, C) */
    llama__layer_acts *layers;
    float *normf, *rstdf;
    float *logits;                 /* (N, V), outside the arena, allocated by the first forward that keeps
                                      logits (not by LoRA training steps: they use the fused output layer);
                                      dlogits in place after backward */
    size_t logits_floats;
    void *ws;                      /* the fused output layer's scratch (lora_lm_head_ce_scratch) */
    size_t ws_bytes;
    int32_t *targets;              /* (N) the label each row predicts, or -1 (fused path) */
    int fused;                     /* the last forward ran the fused output layer: d_ln holds its input gradient */
    float *row_loss;
    float *cos, *sin;              /* (N, D/2) RoPE tables of the batch's positions */
    float *act;                    /* (N, I) silu(gate) * up of the current layer */
    float *scratch_in;             /* (N, max in) */
    float *d_res, *d_ln, *d_tmp;   /* (N, C) */
    float *d_atty, *dq, *dq2;      /* (N, QD) */
    float *dk, *dv, *dk2;          /* (N, KD) */
    float *d_act, *d_gate, *d_up;  /* (N, I) */
    float *d_h;                    /* (N, R) */
    float *att_scratch;            /* threads x T x T */
    int att_threads;
    float **lora_h;                /* per module (N, R) */
    unsigned char **mask;          /* per module (N, in) or NULL */
    int lora_r;
    int32_t *inputs, *labels;
    int has_forward, has_labels, cur_B, cur_T;
    float loss;
    int count;
};

static void llama__acts_free(llama__acts *a) {
    if (!a) return;
    lora_free_aligned(a->arena);
    lora_free_aligned(a->logits);
    lora_free_aligned(a->ws);
    lora_free(a->targets);
    lora_free(a->mask_arena);
    lora_free(a->layers);
    lora_free(a->lora_h);
    lora_free(a->mask);
    lora_free(a->inputs);
    lora_free(a->labels);
    lora_free(a);
}

static int llama__adapter_rank(const lora_adapter *ad) {
    int r, i;
    if (!ad) return 0;
    r = ad->config.r;
    for (i = 0; i < ad->n_modules; i++) if (ad->modules[i].r > r) r = ad->modules[i].r;
    return r;
}

typedef struct { float **ptr; size_t floats; } llama__act_size;
#define LLAMA__ROUND(n) (((n) + 15) & ~(size_t)15)

static int llama__act_sizes(llama__acts *a, const llama_config *c, int n_linears, int B, int T, int r, int threads,
                            llama__act_size *t) {
    const size_t N = (size_t)B * T, C = (size_t)c->hidden_size, I = (size_t)c->intermediate_size;
    const size_t D = (size_t)c->head_dim, H = (size_t)c->n_head, KV = (size_t)c->n_kv_head, QD = H * D, KD = KV * D;
    const size_t R = (size_t)(r > 0 ? r : 1), qk = llama__qk_norm(c) ? 1 : 0;
    size_t maxin = I > C ? I : C;
    int k = 0, l, i;
    if (QD > maxin) maxin = QD;
#define LLAMA__ACT(buf, count) do { if (t) { t[k].ptr = a ? &(buf) : NULL; t[k].floats = (count); } k++; } while (0)
    LLAMA__ACT(a->embed, N * C);
    for (l = 0; l < c->n_layer; l++) {
        llama__layer_acts *la = a ? &a->layers[l] : NULL;
#define LLAMA__LA(field, count) LLAMA__ACT(la->field, count)
        LLAMA__LA(ln1, N * C); LLAMA__LA(rstd1, N);
        LLAMA__LA(q, N * QD); LLAMA__LA(k, N * KD); LLAMA__LA(v, N * KD);
        LLAMA__LA(qn, qk * N * QD); LLAMA__LA(kn, qk * N * KD); LLAMA__LA(rstd_q, qk * N * H); LLAMA__LA(rstd_k, qk * N * KV);
        LLAMA__LA(qr, N * QD); LLAMA__LA(kr, N * KD);
        LLAMA__LA(att, (size_t)B * H * T * T);
        LLAMA__LA(atty, N * QD);
        LLAMA__LA(res2, N * C);
        LLAMA__LA(ln2, N * C); LLAMA__LA(rstd2, N);
        LLAMA__LA(gate, N * I); LLAMA__LA(up, N * I);
        LLAMA__LA(res3, N * C);
#undef LLAMA__LA
    }
    LLAMA__ACT(a->normf, N * C); LLAMA__ACT(a->rstdf, N);
    LLAMA__ACT(a->row_loss, N);
    LLAMA__ACT(a->cos, N * (D / 2)); LLAMA__ACT(a->sin, N * (D / 2));
    LLAMA__ACT(a->act, N * I);
    LLAMA__ACT(a->scratch_in, N * maxin);
    LLAMA__ACT(a->d_res, N * C); LLAMA__ACT(a->d_ln, N * C); LLAMA__ACT(a->d_tmp, N * C);
    LLAMA__ACT(a->d_atty, N * QD); LLAMA__ACT(a->dq, N * QD); LLAMA__ACT(a->dq2, qk * N * QD);
    LLAMA__ACT(a->dk, N * KD); LLAMA__ACT(a->dv, N * KD); LLAMA__ACT(a->dk2, qk * N * KD);
    LLAMA__ACT(a->d_act, N * I); LLAMA__ACT(a->d_gate, N * I); LLAMA__ACT(a->d_up, N * I);
    LLAMA__ACT(a->d_h, N * R);
    LLAMA__ACT(a->att_scratch, (size_t)threads * T * T);
    for (i = 0; i < n_linears; i++) LLAMA__ACT(a->lora_h[i], N * R);
#undef LLAMA__ACT
    return k;
}

static llama__act_size *llama__act_table(llama__acts *a, const llama_config *c, int n_linears, int B, int T, int r,
                                         int threads, int *n) {
    llama__act_size *t;
    *n = llama__act_sizes(NULL, c, n_linears, B, T, r, threads, NULL);
    t = (llama__act_size *)lora_malloc(sizeof *t * (size_t)*n, "activation table");
    if (t) llama__act_sizes(a, c, n_linears, B, T, r, threads, t);
    return t;
}
static size_t llama__act_total(const llama__act_size *t, int n) {
    size_t total = 0;
    int i;
    for (i = 0; i < n; i++) total += LLAMA__ROUND(t[i].floats);
    return total;
}

static lora_status llama__acts_ensure(llama_model *m, int B, int T) {
    llama__acts *a = m->acts;
    const llama_config *c = &m->cfg;
    size_t N = (size_t)B * T, mask_bytes = 0;
    int threads = lora_pool_threads(m->pool), r = llama__adapter_rank(m->adapter), i, need_mask;
    need_mask = m->adapter && m->training && m->adapter->config.dropout > 0.0f;
    if (need_mask)
        for (i = 0; i < m->adapter->n_modules; i++) mask_bytes += N * (size_t)m->adapter->modules[i].in;
    if (!(a && a->B * a->T >= B * T && a->T >= T && a->B >= B && a->att_threads >= threads && a->lora_r >= r &&
          a->mask_bytes >= mask_bytes)) {
        llama__act_size *t;
        size_t off = 0;
        int n;
        if (a) { llama__acts_free(a); m->acts = NULL; }
        a = (llama__acts *)lora_calloc(1, sizeof *a, "activations");
        if (!a) return LORA_ERR_OOM;
        a->B = B; a->T = T;
        a->layers = (llama__layer_acts *)lora_calloc((size_t)c->n_layer, sizeof *a->layers, "activations");
        a->lora_h = (float **)lora_calloc((size_t)m->n_linears, sizeof *a->lora_h, "activations");
        a->mask = (unsigned char **)lora_calloc((size_t)m->n_linears, sizeof *a->mask, "activations");
        if (!a->layers || !a->lora_h || !a->mask) { llama__acts_free(a); return LORA_ERR_OOM; }
        t = llama__act_table(a, c, m->n_linears, B, T, r, threads, &n);
        if (!t) { llama__acts_free(a); return LORA_ERR_OOM; }
        a->n_floats = llama__act_total(t, n);
        a->arena = (float *)lora_alloc_aligned(a->n_floats * sizeof(float), "activations");
        a->inputs = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        a->labels = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        a->targets = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        if (mask_bytes) a->mask_arena = (unsigned char *)lora_malloc(mask_bytes, "dropout masks");
        if (!a->arena || !a->inputs || !a->labels || !a->targets || (mask_bytes && !a->mask_arena)) {
            lora_free(t);
            llama__acts_free(a);
            return LORA_ERR_OOM;
        }
        for (i = 0; i < n; i++) { *t[i].ptr = a->arena + off; off += LLAMA__ROUND(t[i].floats); }
        lora_free(t);
        a->mask_bytes = mask_bytes;
        a->att_threads = threads;
        a->lora_r = r;
        m->acts = a;
    }
    {
        size_t moff = 0;
        for (i = 0; i < m->n_linears; i++) {
            lora_module *lm = lora_adapter_module(m->adapter, i);
            a->mask[i] = NULL;
            if (need_mask && lm) { a->mask[i] = a->mask_arena + moff; moff += N * (size_t)lm->in; }
        }
    }
    a->cur_B = B; a->cur_T = T;
    return LORA_OK;
}

static void llama__estimate(const llama_config *cfg, const lora_adapter *ad, int full, int B, int T, int threads,
                            lora_memory_estimate *out) {
    int r = llama__adapter_rank(ad), i, n, n_lin;
    size_t lora_vals = 0, masks = 0, weights_f, trainable, N = (size_t)B * T, V, extra;
    lora_wmat w;
    llama__act_size *t;
    memset(out, 0, sizeof *out);
    if (!cfg || B <= 0 || T <= 0) return;
    n_lin = cfg->n_layer * LLAMA_LINEARS_PER_LAYER + 1;
    if (threads < 1) threads = 1;
    weights_f = (size_t)llama_config_num_params(cfg);
    if (ad) {
        lora_vals = (size_t)lora_adapter_num_params(ad);
        if (ad->config.dropout > 0)
            for (i = 0; i < ad->n_modules; i++) masks += (size_t)B * T * (size_t)ad->modules[i].in;
    }
    if (!(t = llama__act_table(NULL, cfg, n_lin, B, T, r, threads, &n))) return;
    trainable = full ? weights_f : lora_vals;
    /* full fine-tuning and lm_head as a LoRA target keep every logit (the unfused output layer);
       LoRA training runs the fused one (a chunk of logits at a time, one thread's share counted) */
    V = (size_t)cfg->vocab_size;
    w.dtype = LORA_DT_F32; w.rows = cfg->vocab_size; w.cols = cfg->hidden_size; w.data = NULL;
    if (full || (ad && lora_adapter_find(ad, "lm_head"))) extra = N * V * sizeof(float);
    else extra = lora_lm_head_ce_scratch(NULL, B * T, &w);
    out->weights = weights_f * sizeof(float);
    out->activations = llama__act_total(t, n) * sizeof(float) + masks + extra;
    out->adapter = lora_vals * sizeof(float);
    out->gradients = trainable * sizeof(float);
    out->optimizer = 2 * trainable * sizeof(float);
    out->total = out->weights + out->activations + out->adapter + out->gradients + out->optimizer;
    lora_free(t);
}

/* ---- tensors in use: an adapter's trainable copy of a bias replaces the model's ---- */
static lora_bias_param *llama__adapter_bias(const llama_model *m, int ti) {
    if (ti < 0 || !m->adapter || !m->adapter->n_biases) return NULL;
    return lora_adapter_find_bias(m->adapter, m->tensors[ti].name);
}
static const float *llama__value(const llama_model *m, int ti) {
    lora_bias_param *bp;
    if (ti < 0) return NULL;
    bp = llama__adapter_bias(m, ti);
    return bp ? bp->value : llama__t(m, ti);
}
static float *llama__grad(llama_model *m, int ti) {
    lora_bias_param *bp;
    if (ti < 0) return NULL;
    bp = llama__adapter_bias(m, ti);
    if (bp) return bp->grad;
    return m->grads ? m->grads + m->tensors[ti].offset : NULL;
}
static uint64_t llama__dropout_seed(const llama_model *m, int mi) {
    uint64_t s = m->dropout_seed * 0xD1B54A32D192ED03ull + m->dropout_step * 0x9E3779B97F4A7C15ull + (uint64_t)mi * 0xBF58476D1CE4E5B9ull;
    return lora_splitmix64(&s);
}
/* linear module mi as the engine's lora_linear, over the activation arena */
static void llama__linear(const llama_model *m, int mi, lora_linear *L) {
    const lora_module_desc *d = &m->descs[mi];
    llama__acts *a = m->acts;
    memset(L, 0, sizeof *L);
    L->W = llama__t(m, m->lin_w[mi]);
    L->w_in_out = 0;
    L->in = d->in; L->out = d->out;
    L->bias = llama__value(m, m->lin_b[mi]);
    L->lm = lora_adapter_module(m->adapter, mi);
    if (a) {
        L->h = a->lora_h[mi]; L->d_h = a->d_h; L->mask = a->mask[mi]; L->scratch_in = a->scratch_in;
        if (L->lm && L->mask) { L->dropout = m->adapter->config.dropout; L->dropout_seed = llama__dropout_seed(m, mi); }
    }
}
static void llama__linear_forward(llama_model *m, int mi, const float *x, float *y, int N) {
    lora_linear L;
    llama__linear(m, mi, &L);
    lora_linear_forward(m->pool, &L, x, y, N);
}
static void llama__linear_backward(llama_model *m, int mi, const float *x, const float *dy, float *dx, int N) {
    lora_linear L;
    llama__linear(m, mi, &L);
    lora_linear_backward(m->pool, &L, x, dy, dx, m->grads ? m->grads + m->tensors[m->lin_w[mi]].offset : NULL,
                         llama__grad(m, m->lin_b[mi]), N);
}

/* ---- RMSNorm over rows of width W (hidden size, or head_dim for q/k norms) ---- */
typedef struct { const float *x, *w; float *y, *rstd; const float *d; float *dx; int W, wrows; float eps; const lora_vecops *v; } llama__rms_ctx;
static void llama__rms_rows(void *vctx, int r0, int r1) {
    llama__rms_ctx *c = (llama__rms_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) {
        const float *x = c->x + (size_t)r * c->W;
        float rs = 1.0f / sqrtf(c->v->sumsq_centered(x, c->W, 0.0f) / (float)c->W + c->eps);
        c->v->rms_scale(x, c->y + (size_t)r * c->W, c->w, c->W, rs);
        c->rstd[r] = rs;
    }
}
static void llama__rms_back_rows(void *vctx, int r0, int r1) {
    llama__rms_ctx *c = (llama__rms_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++)
        c->v->rms_back(c->x + (size_t)r * c->W, c->d + (size_t)r * c->W, c->w, c->dx + (size_t)r * c->W, c->W, c->rstd[r]);
}
/* weight gradient: dw[i] += sum_r d[r, i] * x[r, i] * rstd[r], split by columns (same sums for any thread count) */
static void llama__rms_wgrad_cols(void *vctx, int c0, int c1) {
    llama__rms_ctx *c = (llama__rms_ctx *)vctx;
    int r;
    for (r = 0; r < c->wrows; r++) {
        size_t o = (size_t)r * c->W + (size_t)c0;
        c->v->ln_wgrad(c->d + o, c->x + o, c->dx + c0, NULL, c1 - c0, 0.0f, c->rstd[r]);
    }
}
static void llama__rms_forward(llama_model *m, const float *x, const float *w, float *y, float *rstd, int rows, int W) {
    llama__rms_ctx c;
    memset(&c, 0, sizeof c);
    c.x = x; c.w = w; c.y = y; c.rstd = rstd; c.W = W; c.eps = (float)m->cfg.rms_norm_eps; c.v = lora_vec(m->pool);
    lora_parallel_rows(m->pool, rows, llama__rms_rows, &c);
}
/* dx += d(input) (dx may be NULL), dw += the weight's gradient (may be NULL) */
static void llama__rms_backward(llama_model *m, const float *d, const float *x, const float *w, const float *rstd, float *dx,
                                float *dw, int rows, int W) {
    llama__rms_ctx c;
    memset(&c, 0, sizeof c);
    c.x = x; c.w = w; c.rstd = (float *)rstd; c.d = d; c.W = W; c.v = lora_vec(m->pool); c.wrows = rows;
    if (dx) { c.dx = dx; lora_parallel_rows(m->pool, rows, llama__rms_back_rows, &c); }
    if (dw) { c.dx = dw; lora_parallel_rows(m->pool, W, llama__rms_wgrad_cols, &c); }
}

/* ---- RoPE ---- */
typedef struct { const llama_model *m; const int32_t *pos; int T; float *cos, *sin; float *x; int heads, width, inverse; const lora_vecops *v; } llama__rope_ctx;
static void llama__rope_table_rows(void *vctx, int r0, int r1) {
    llama__rope_ctx *c = (llama__rope_ctx *)vctx;
    int half = c->m->cfg.head_dim / 2, r, i;
    for (r = r0; r < r1; r++) {
        float p = (float)(c->pos ? c->pos[r] : r % c->T);
        for (i = 0; i < half; i++) {
            float f = p * c->m->rope_inv_freq[i];
            c->cos[(size_t)r * half + i] = cosf(f);
            c->sin[(size_t)r * half + i] = sinf(f);
        }
    }
}
static void llama__rope_rows(void *vctx, int r0, int r1) {
    llama__rope_ctx *c = (llama__rope_ctx *)vctx;
    int D = c->m->cfg.head_dim, half = D / 2, r, h;
    for (r = r0; r < r1; r++)
        for (h = 0; h < c->heads; h++) {
            float *x = c->x + (size_t)r * c->width + (size_t)h * D;
            c->v->rope(x, x, c->cos + (size_t)r * half, c->sin + (size_t)r * half, half, c->inverse);
        }
}
/* in place on x (rows, heads * head_dim) */
static void llama__rope(llama_model *m, float *x, int rows, int heads, int inverse) {
    llama__rope_ctx c;
    memset(&c, 0, sizeof c);
    c.m = m; c.cos = m->acts->cos; c.sin = m->acts->sin; c.x = x; c.heads = heads; c.width = heads * m->cfg.head_dim;
    c.inverse = inverse; c.v = lora_vec(m->pool);
    lora_parallel_rows(m->pool, rows, llama__rope_rows, &c);
}

/* ---- attention ---- */
typedef struct { llama_model *m; const float *q, *k, *v; float *att, *out; const float *dout; float *dq, *dk, *dv; int B, T, window; const lora_vecops *vec; } llama__att_ctx;
/* allowed keys of query i (row b): [lo, i] */
static int llama__att_lo(const llama_model *m, int b, int T, int i, int window) {
    int lo = m->pos ? i - m->pos[(size_t)b * T + i] : 0;
    if (window > 0 && i - window + 1 > lo) lo = i - window + 1;
    return lo;
}
static void llama__att_task(void *vctx, int task, int thread) {
    llama__att_ctx *c = (llama__att_ctx *)vctx;
    const llama_config *cf = &c->m->cfg;
    int H = cf->n_head, D = cf->head_dim, QD = H * D, KD = cf->n_kv_head * D, T = c->T, b = task / H, h = task % H;
    int g = h / (H / cf->n_kv_head), i, j;
    const float *q = c->q + (size_t)b * T * QD + (size_t)h * D, *k = c->k + (size_t)b * T * KD + (size_t)g * D;
    const float *v = c->v + (size_t)b * T * KD + (size_t)g * D;
    float *P = c->att + (size_t)task * T * T, scale = (float)pow((double)D, -0.5); /* head_dim ** -0.5 */
    (void)thread;
    lora_sgemm(NULL, 0, 1, T, T, D, scale, q, QD, k, KD, 0.0f, P, T);
    for (i = 0; i < T; i++) {
        int lo = llama__att_lo(c->m, b, T, i, c->window);
        float *p = P + (size_t)i * T, mx = c->vec->max(p + lo, i + 1 - lo);
        c->vec->scale(p + lo, i + 1 - lo, 1.0f / c->vec->exp_sum(p + lo, p + lo, i + 1 - lo, mx));
        for (j = 0; j < lo; j++) p[j] = 0.0f;
        for (j = i + 1; j < T; j++) p[j] = 0.0f;
    }
    lora_sgemm(NULL, 0, 0, T, D, T, 1.0f, P, T, v, KD, 0.0f, c->out + (size_t)b * T * QD + (size_t)h * D, QD);
}
/* one task per (batch, kv head): the group's query heads in order, so dk and dv sum in a fixed order */
static void llama__att_back_task(void *vctx, int task, int thread) {
    llama__att_ctx *c = (llama__att_ctx *)vctx;
    const llama_config *cf = &c->m->cfg;
    int H = cf->n_head, KV = cf->n_kv_head, D = cf->head_dim, QD = H * D, KD = KV * D, T = c->T, b = task / KV, g = task % KV;
    int grp = H / KV, hh, i, j;
    size_t kb = (size_t)b * T * KD + (size_t)g * D;
    const float *k = c->k + kb, *v = c->v + kb;
    float *dk = c->dk + kb, *dv = c->dv + kb, *dP = c->m->acts->att_scratch + (size_t)thread * T * T;
    float scale = (float)pow((double)D, -0.5);
    for (hh = 0; hh < grp; hh++) {
        int h = g * grp + hh;
        size_t qb = (size_t)b * T * QD + (size_t)h * D;
        const float *q = c->q + qb, *dy = c->dout + qb, *P = c->att + ((size_t)b * H + h) * T * T;
        float *dq = c->dq + qb, beta = hh ? 1.0f : 0.0f;
        lora_sgemm(NULL, 0, 1, T, T, D, 1.0f, dy, QD, v, KD, 0.0f, dP, T);
        lora_sgemm(NULL, 1, 0, T, D, T, 1.0f, P, T, dy, QD, beta, dv, KD);
        for (i = 0; i < T; i++) {
            int lo = llama__att_lo(c->m, b, T, i, c->window);
            const float *p = P + (size_t)i * T;
            float *dp = dP + (size_t)i * T, dot = c->vec->dot(p + lo, dp + lo, i + 1 - lo);
            for (j = 0; j < lo; j++) dp[j] = 0.0f;
            for (j = lo; j <= i; j++) dp[j] = p[j] * (dp[j] - dot);
            for (j = i + 1; j < T; j++) dp[j] = 0.0f;
        }
        lora_sgemm(NULL, 0, 0, T, D, T, scale, dP, T, k, KD, 0.0f, dq, QD);
        lora_sgemm(NULL, 1, 0, T, D, T, scale, dP, T, q, QD, beta, dk, KD);
    }
}

/* ---- SwiGLU and residuals ---- */
typedef struct { const float *g, *u, *dy; float *y, *dg, *du; int W; const lora_vecops *v; } llama__glu_ctx;
static void llama__glu_rows(void *vctx, int r0, int r1) {
    llama__glu_ctx *c = (llama__glu_ctx *)vctx;
    size_t o = (size_t)r0 * c->W, n = (size_t)(r1 - r0) * c->W;
    c->v->swiglu(c->g + o, c->u + o, c->y + o, n);
}
static void llama__glu_back_rows(void *vctx, int r0, int r1) {
    llama__glu_ctx *c = (llama__glu_ctx *)vctx;
    size_t o = (size_t)r0 * c->W, n = (size_t)(r1 - r0) * c->W;
    c->v->swiglu_back(c->g + o, c->u + o, c->dy + o, c->dg + o, c->du + o, n);
}
static void llama__swiglu(llama_model *m, const float *g, const float *u, float *y, int N) {
    llama__glu_ctx c;
    memset(&c, 0, sizeof c);
    c.g = g; c.u = u; c.y = y; c.W = m->cfg.intermediate_size; c.v = lora_vec(m->pool);
    lora_parallel_rows(m->pool, N, llama__glu_rows, &c);
}
typedef struct { const float *a, *b; float *y; int W; const lora_vecops *v; } llama__add_ctx;
static void llama__add_rows(void *vctx, int r0, int r1) {
    llama__add_ctx *c = (llama__add_ctx *)vctx;
    size_t o = (size_t)r0 * c->W;
    c->v->add(c->a + o, c->b + o, c->y + o, (size_t)(r1 - r0) * c->W);
}
static void llama__addrows(llama_model *m, const float *a, const float *b, float *y, int N, int W) {
    llama__add_ctx c;
    c.a = a; c.b = b; c.y = y; c.W = W; c.v = lora_vec(m->pool);
    lora_parallel_rows(m->pool, N, llama__add_rows, &c);
}

/* ---- the model ---- */
static lora_status llama__check_batch(const llama_model *m, const int32_t *inputs, const int32_t *labels, const int32_t *positions,
                                      int B, int T) {
    const llama_config *c = &m->cfg;
    long i, n = (long)B * T;
    if (!inputs) return lora_fail(LORA_ERR_INVALID_ARG, "llama forward: inputs is NULL");
    if (B <= 0 || T <= 0) return lora_fail(LORA_ERR_INVALID_ARG, "llama forward: batch %d x sequence %d must be positive", B, T);
    if ((long)B * T > (long)(1 << 26) || T > (1 << 20)) return lora_fail(LORA_ERR_RANGE, "llama forward: batch %d x %d is too large", B, T);
    for (i = 0; i < n; i++)
        if (inputs[i] < 0 || inputs[i] >= c->vocab_size)
            return lora_fail(LORA_ERR_RANGE, "token id %ld at position %ld is outside the vocabulary [0, %d)", (long)inputs[i], i, c->vocab_size);
    if (labels)
        for (i = 0; i < n; i++)
            if (labels[i] != LORA_IGNORE_LABEL && (labels[i] < 0 || labels[i] >= c->vocab_size))
                return lora_fail(LORA_ERR_RANGE, "label %ld at position %ld is outside the vocabulary [0, %d) and not -100", (long)labels[i], i, c->vocab_size);
    if (c->rope_type == LLAMA_ROPE_DYNAMIC) {
        /* dynamic NTK scaling equals the default below max_position_embeddings; beyond it, not implemented */
        int maxp = T - 1;
        if (positions) for (i = 0, maxp = 0; i < n; i++) if (positions[i] > maxp) maxp = positions[i];
        if (maxp + 1 > c->max_position_embeddings)
            return lora_fail(LORA_ERR_UNSUPPORTED, "dynamic rope_scaling beyond max_position_embeddings %d (position %d) is not implemented",
                             c->max_position_embeddings, maxp);
    }
    return LORA_OK;
}

static lora_status llama__set_positions(llama_model *m, const int32_t *positions, int B, int T) {
    size_t n = (size_t)B * (size_t)T;
    int plain;
    lora_status s;
    m->pos = NULL;
    if ((s = lora_check_positions(positions, B, T, &plain, "llama forward")) != LORA_OK) return s;
    if (!positions || plain) return LORA_OK;
    if (n > m->pos_cap) {
        int32_t *nb = (int32_t *)lora_realloc(m->pos_buf, n * sizeof(int32_t), "position ids");
        if (!nb) return LORA_ERR_OOM;
        m->pos_buf = nb;
        m->pos_cap = n;
    }
    memcpy(m->pos_buf, positions, n * sizeof(int32_t));
    m->pos = m->pos_buf;
    return LORA_OK;
}

static const float *llama__layer_input(const llama_model *m, int l) { return l == 0 ? m->acts->embed : m->acts->layers[l - 1].res3; }

typedef struct { const llama_model *m; const int32_t *in; float *out; } llama__emb_ctx;
static void llama__emb_rows(void *vctx, int r0, int r1) {
    llama__emb_ctx *e = (llama__emb_ctx *)vctx;
    int C = e->m->cfg.hidden_size, r;
    const float *E = llama__t(e->m, e->m->t_embed);
    for (r = r0; r < r1; r++) memcpy(e->out + (size_t)r * C, E + (size_t)e->in[r] * C, sizeof(float) * (size_t)C);
}

static lora_status llama__forward(llama_model *m, const int32_t *inputs, const int32_t *labels, const int32_t *positions,
                                  int B, int T, float *loss) {
    llama__acts *a;
    lora_status s;
    const llama_config *c = &m->cfg;
    int N = B * T, l, C = c->hidden_size, D = c->head_dim, H = c->n_head, KV = c->n_kv_head, I = c->intermediate_size;
    if (loss) *loss = NAN;
    if ((s = llama__check_batch(m, inputs, labels, positions, B, T)) != LORA_OK) return s;
    if ((s = llama__set_positions(m, positions, B, T)) != LORA_OK) { if (m->acts) m->acts->has_forward = 0; return s; }
    if ((s = llama__acts_ensure(m, B, T)) != LORA_OK) return s;
    a = m->acts;
    a->has_forward = 0;
    a->fused = labels && m->training && !m->full && !lora_adapter_module(m->adapter, m->n_linears - 1);
    /* before any product: a failure leaves nothing behind */
    if (!a->fused && (size_t)N * c->vocab_size > a->logits_floats) {   /* logits for every row (inference, evaluation,
                                                                          full fine-tuning, lm_head as a LoRA target) */
        lora_free_aligned(a->logits);
        a->logits_floats = 0;
        if (!(a->logits = (float *)lora_alloc_aligned((size_t)N * c->vocab_size * sizeof(float), "logits"))) return LORA_ERR_OOM;
        a->logits_floats = (size_t)N * c->vocab_size;
    }
    if (a->fused) {
        lora_wmat w;
        size_t need;
        w.dtype = LORA_DT_F32; w.rows = c->vocab_size; w.cols = C; w.data = NULL;
        need = lora_lm_head_ce_scratch(m->pool, N, &w);
        if (need > a->ws_bytes) {
            lora_free_aligned(a->ws);
            a->ws_bytes = 0;
            if (!(a->ws = lora_alloc_aligned(need, "output layer scratch"))) return LORA_ERR_OOM;
            a->ws_bytes = need;
        }
    }
    memcpy(a->inputs, inputs, sizeof(int32_t) * (size_t)N);
    if (m->training) m->dropout_step++;
    {
        llama__emb_ctx e;
        llama__rope_ctx rc;
        e.m = m; e.in = inputs; e.out = a->embed;
        lora_parallel_rows(m->pool, N, llama__emb_rows, &e);
        memset(&rc, 0, sizeof rc);
        rc.m = m; rc.pos = m->pos; rc.T = T; rc.cos = a->cos; rc.sin = a->sin;
        lora_parallel_rows(m->pool, N, llama__rope_table_rows, &rc);
    }
    for (l = 0; l < c->n_layer; l++) {
        llama__layer_acts *la = &a->layers[l];
        const float *x = llama__layer_input(m, l);
        int mi = l * LLAMA_LINEARS_PER_LAYER;
        llama__att_ctx ac;
        llama__rms_forward(m, x, llama__t(m, llama__L(m, l, LLAMA__LN1)), la->ln1, la->rstd1, N, C);
        llama__linear_forward(m, mi + 0, la->ln1, la->q, N);
        llama__linear_forward(m, mi + 1, la->ln1, la->k, N);
        llama__linear_forward(m, mi + 2, la->ln1, la->v, N);
        if (llama__qk_norm(c)) {
            llama__rms_forward(m, la->q, llama__t(m, llama__L(m, l, LLAMA__QN)), la->qn, la->rstd_q, N * H, D);
            llama__rms_forward(m, la->k, llama__t(m, llama__L(m, l, LLAMA__KN)), la->kn, la->rstd_k, N * KV, D);
            memcpy(la->qr, la->qn, sizeof(float) * (size_t)N * H * D);
            memcpy(la->kr, la->kn, sizeof(float) * (size_t)N * KV * D);
        } else {
            memcpy(la->qr, la->q, sizeof(float) * (size_t)N * H * D);
            memcpy(la->kr, la->k, sizeof(float) * (size_t)N * KV * D);
        }
        llama__rope(m, la->qr, N, H, 0);
        llama__rope(m, la->kr, N, KV, 0);
        memset(&ac, 0, sizeof ac);
        ac.m = m; ac.q = la->qr; ac.k = la->kr; ac.v = la->v; ac.att = la->att; ac.out = la->atty; ac.B = B; ac.T = T;
        ac.window = llama_config_layer_window(c, l); ac.vec = lora_vec(m->pool);
        lora_pool_run(m->pool, llama__att_task, &ac, B * H);
        llama__linear_forward(m, mi + 3, la->atty, la->res2, N);
        llama__addrows(m, x, la->res2, la->res2, N, C);
        llama__rms_forward(m, la->res2, llama__t(m, llama__L(m, l, LLAMA__LN2)), la->ln2, la->rstd2, N, C);
        llama__linear_forward(m, mi + 4, la->ln2, la->gate, N);
        llama__linear_forward(m, mi + 5, la->ln2, la->up, N);
        llama__swiglu(m, la->gate, la->up, a->act, N);
        llama__linear_forward(m, mi + 6, a->act, la->res3, N);
        llama__addrows(m, la->res2, la->res3, la->res3, N, C);
    }
    llama__rms_forward(m, llama__layer_input(m, c->n_layer), llama__t(m, m->t_norm), a->normf, a->rstdf, N, C);
    a->loss = NAN;
    a->count = 0;
    (void)I;
    if (a->fused) {
        /* a LoRA training step: logits, loss and the output layer's input gradient only on the rows
           with a label, LORA_CE_CHUNK_ROWS at a time (lora_lm_head_ce); d_ln keeps that gradient */
        int r, count = 0;
        double sum = 0.0;
        lora_wmat W;
        W.dtype = LORA_DT_F32; W.rows = c->vocab_size; W.cols = C; W.data = llama__t(m, m->t_head);
        memcpy(a->labels, labels, sizeof(int32_t) * (size_t)N);
        for (r = 0; r < N; r++) {
            int32_t t = lora_target_label(labels, m->pos, r, T);
            a->targets[r] = t == LORA_IGNORE_LABEL ? -1 : t;
            count += t != LORA_IGNORE_LABEL;
        }
        if ((s = lora_lm_head_ce(m->pool, &W, N, a->normf, C, a->targets, count ? 1.0f / (float)count : 0.0f, a->row_loss,
                                 count ? a->d_ln : NULL, C, NULL, a->ws, a->ws_bytes)) != LORA_OK)
            return s;
        for (r = 0; r < N; r++) sum += a->row_loss[r];
        a->count = count;
        a->loss = count ? (float)(sum / count) : NAN;
        if (loss) *loss = a->loss;
        a->has_forward = 1;
        a->has_labels = 1;
        return LORA_OK;
    }
    llama__linear_forward(m, m->n_linears - 1, a->normf, a->logits, N);
    a->has_forward = 1;
    a->has_labels = labels != NULL;
    if (labels) {
        double sum = 0.0;
        memcpy(a->labels, labels, sizeof(int32_t) * (size_t)N);
        a->count = lora_cross_entropy(m->pool, a->logits, labels, m->pos, B, T, c->vocab_size, a->row_loss, &sum);
        a->loss = a->count ? (float)(sum / a->count) : NAN;
        if (loss) *loss = a->loss;
    }
    return LORA_OK;
}

static int llama__lowest_trainable_layer(const llama_model *m) {
    int low = m->cfg.n_layer, i;
    if (m->full) return 0;
    if (!m->adapter) return low;
    for (i = 0; i < m->adapter->n_modules; i++) {
        int l = m->module_layer[m->adapter->modules[i].index];
        if (l >= 0 && l < low) low = l;
    }
    for (i = 0; i < m->adapter->n_biases; i++) {
        int l = m->adapter->biases[i].layer;
        if (l >= 0 && l < low) low = l;
    }
    return low;
}

/* full fine-tuning: dE[id] += d (sequential: rows may share a token); the padding row gets none */
static void llama__embed_backward(llama_model *m, const float *d, int N) {
    int C = m->cfg.hidden_size, r;
    float *dE = m->grads + m->tensors[m->t_embed].offset;
    const lora_vecops *v = lora_vec(m->pool);
    for (r = 0; r < N; r++) {
        int id = m->acts->inputs[r];
        if (id == m->cfg.pad_token_id) continue;
        v->acc(dE + (size_t)id * C, d + (size_t)r * C, (size_t)C);
    }
}

static lora_status llama__backward(llama_model *m) {
    llama__acts *a;
    const llama_config *c = &m->cfg;
    int N, B, T, C = c->hidden_size, D = c->head_dim, H = c->n_head, KV = c->n_kv_head, I = c->intermediate_size, l, low;
    if (!m->acts || !m->acts->has_forward)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama backward: call forward first (the last forward's activations are used once)");
    a = m->acts;
    if (!a->has_labels) return lora_fail(LORA_ERR_INVALID_ARG, "llama backward: the last forward had no labels");
    if (a->count <= 0) return lora_fail(LORA_ERR_NUMERIC, "llama backward: every label is ignored (-100), the loss is undefined");
    if (!m->adapter && !m->full) return lora_fail(LORA_ERR_INVALID_ARG, "llama backward: nothing to train (no adapter attached and full fine-tuning off)");
    B = a->cur_B; T = a->cur_T; N = B * T;
    if (!a->fused) lora_cross_entropy_backward(m->pool, a->logits, a->labels, m->pos, B, T, c->vocab_size, a->count);
    a->has_forward = 0;
    low = llama__lowest_trainable_layer(m);
    memset(a->d_res, 0, sizeof(float) * (size_t)N * C);
    if (!a->fused) llama__linear_backward(m, m->n_linears - 1, a->normf, a->logits, a->d_ln, N);
    llama__rms_backward(m, a->d_ln, llama__layer_input(m, c->n_layer), llama__t(m, m->t_norm), a->rstdf,
                        low < c->n_layer ? a->d_res : NULL, llama__grad(m, m->t_norm), N, C);
    for (l = c->n_layer - 1; l >= low; l--) {
        llama__layer_acts *la = &a->layers[l];
        const float *x = llama__layer_input(m, l);
        int mi = l * LLAMA_LINEARS_PER_LAYER, need_dx = l > low || m->full;
        llama__att_ctx ac;
        llama__glu_ctx gc;
        const lora_vecops *v = lora_vec(m->pool);
        /* MLP */
        llama__swiglu(m, la->gate, la->up, a->act, N);
        llama__linear_backward(m, mi + 6, a->act, a->d_res, a->d_act, N);
        memset(&gc, 0, sizeof gc);
        gc.g = la->gate; gc.u = la->up; gc.dy = a->d_act; gc.dg = a->d_gate; gc.du = a->d_up; gc.W = I; gc.v = v;
        lora_parallel_rows(m->pool, N, llama__glu_back_rows, &gc);
        llama__linear_backward(m, mi + 4, la->ln2, a->d_gate, a->d_ln, N);
        llama__linear_backward(m, mi + 5, la->ln2, a->d_up, a->d_tmp, N);
        llama__addrows(m, a->d_ln, a->d_tmp, a->d_ln, N, C);
        llama__rms_backward(m, a->d_ln, la->res2, llama__t(m, llama__L(m, l, LLAMA__LN2)), la->rstd2, a->d_res,
                            llama__grad(m, llama__L(m, l, LLAMA__LN2)), N, C);
        /* attention */
        llama__linear_backward(m, mi + 3, la->atty, a->d_res, a->d_atty, N);
        memset(&ac, 0, sizeof ac);
        ac.m = m; ac.q = la->qr; ac.k = la->kr; ac.v = la->v; ac.att = la->att; ac.dout = a->d_atty;
        ac.dq = a->dq; ac.dk = a->dk; ac.dv = a->dv; ac.B = B; ac.T = T; ac.window = llama_config_layer_window(c, l); ac.vec = v;
        lora_pool_run(m->pool, llama__att_back_task, &ac, B * KV);
        llama__rope(m, a->dq, N, H, 1);
        llama__rope(m, a->dk, N, KV, 1);
        {
            float *dq = a->dq, *dk = a->dk;
            if (llama__qk_norm(c)) {
                memset(a->dq2, 0, sizeof(float) * (size_t)N * H * D);
                memset(a->dk2, 0, sizeof(float) * (size_t)N * KV * D);
                llama__rms_backward(m, a->dq, la->q, llama__t(m, llama__L(m, l, LLAMA__QN)), la->rstd_q, a->dq2,
                                    llama__grad(m, llama__L(m, l, LLAMA__QN)), N * H, D);
                llama__rms_backward(m, a->dk, la->k, llama__t(m, llama__L(m, l, LLAMA__KN)), la->rstd_k, a->dk2,
                                    llama__grad(m, llama__L(m, l, LLAMA__KN)), N * KV, D);
                dq = a->dq2; dk = a->dk2;
            }
            llama__linear_backward(m, mi + 0, la->ln1, dq, a->d_ln, N);
            llama__linear_backward(m, mi + 1, la->ln1, dk, a->d_tmp, N);
            llama__addrows(m, a->d_ln, a->d_tmp, a->d_ln, N, C);
            llama__linear_backward(m, mi + 2, la->ln1, a->dv, a->d_tmp, N);
            llama__addrows(m, a->d_ln, a->d_tmp, a->d_ln, N, C);
        }
        llama__rms_backward(m, a->d_ln, x, llama__t(m, llama__L(m, l, LLAMA__LN1)), la->rstd1, need_dx ? a->d_res : NULL,
                            llama__grad(m, llama__L(m, l, LLAMA__LN1)), N, C);
    }
    if (m->full) llama__embed_backward(m, a->d_res, N);
    return LORA_OK;
}
