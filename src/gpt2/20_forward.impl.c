/* ---- forward and backward, one pair of functions per layer ----
   Activations for a (B, T) batch live in one arena (gpt2__acts), sized on first use and
   regrown when a larger batch arrives. Row-wise ops run over the pool in fixed chunks so
   results do not depend on the thread count. */

#define GPT2__IGNORE (-100)
#define GPT2__ROWS_PER_TASK 16

typedef struct gpt2__layer_acts {
    float *ln1_mean, *ln1_rstd;        /* (N), (N): ln_1's output is recomputed where backward needs it */
    float *qkv;                        /* (N, 3C) */
    float *atty;                       /* (N, C) attention output before c_proj */
    float *res2;                       /* (N, C) residual after attention */
    float *ln2_mean, *ln2_rstd;
    float *fch;                        /* (N, F) c_fc output before gelu */
    float *res3;                       /* (N, C) layer output */
} gpt2__layer_acts;

typedef struct gpt2__lora_acts {
    float *h;                          /* (N, r): dropout(x) @ A^T */
    unsigned char *mask;               /* (N, in) dropout keep mask, or NULL */
} gpt2__lora_acts;

struct gpt2__acts {
    int B, T, V;                       /* sized for B*T rows */
    size_t n_floats;
    float *arena;
    unsigned char *mask_arena;
    size_t mask_bytes;
    float *encoded;                    /* (N, C) */
    gpt2__layer_acts *layers;
    float *lnf, *lnf_mean, *lnf_rstd;
    float *ln;                         /* (N, C) ln_1 / ln_2 output of the current block (forward), recomputed
                                          from the block's input and kept statistics in backward when a
                                          module reads it (LoRA, full fine-tuning): 2 N C floats a block saved */
    float *logits;                     /* (N, V), outside the arena, allocated by the first forward that keeps
                                          logits (not by training steps: they use the fused output layer);
                                          dlogits in place after backward */
    size_t logits_floats;
    void *ws;                          /* scratch of the frozen-weight products and the fused output layer */
    size_t ws_bytes;
    int32_t *targets;                  /* (N) the label each row predicts, or -1 (fused path) */
    int fused;                         /* the last forward ran the fused output layer: d_ln holds its input gradient */
    float *row_loss;                   /* (N) */
    float *gelu;                       /* (N, F) scratch: gelu(fch) of the current layer */
    float *scratch_in;                 /* (N, max(in)) scratch: dropout input, gradient of a LoRA input */
    float *d_res, *d_ln, *d_atty;      /* (N, C) backward buffers */
    float *d_qkv;                      /* (N, 3C) */
    float *d_fch;                      /* (N, F) */
    float *d_h;                        /* (N, max r) */
    float *att_scratch;                /* threads x 2 x T x T: a (batch, head)'s attention probabilities (never
                                          kept: backward recomputes them, the same bits) and their gradient */
    int att_scratch_threads;
    gpt2__lora_acts *lora;             /* per model module */
    int lora_r;                        /* r the lora buffers were sized for */
    int32_t *inputs, *labels;          /* copies of the last batch */
    int has_forward, has_labels;
    int cur_B, cur_T;
    float loss;
    float count;                       /* number of predicted (non-ignored) targets */
};

static void gpt2__acts_free(gpt2__acts *a) {
    if (!a) return;
    lora_free_aligned(a->arena);
    lora_free_aligned(a->logits);
    lora_free_aligned(a->ws);
    lora_free(a->targets);
    lora_free(a->mask_arena);
    lora_free(a->layers);
    lora_free(a->lora);
    lora_free(a->inputs);
    lora_free(a->labels);
    lora_free(a);
}

/* The largest LoRA rank of an adapter (0 without one): the LoRA buffers are sized for it. */
static int gpt2__adapter_rank(const lora_adapter *ad) {
    int r = 0, i;
    if (!ad) return 0;
    r = ad->config.r;
    for (i = 0; i < ad->n_modules; i++) if (ad->modules[i].r > r) r = ad->modules[i].r;
    return r;
}

/* The activation arena as one size table (llm.c's act_sizes): an entry per buffer, with where
   its address goes and how many floats it holds, filled from B, T, the config, the largest LoRA
   rank r and the thread count. The arena's size and its carving both come from the table, and
   gpt2_estimate_memory sums the same table. Every buffer starts on a 64-byte boundary. */
typedef struct gpt2__act_size {
    float **ptr;                       /* where the buffer's address goes (NULL: sizes only) */
    size_t floats;
} gpt2__act_size;

#define GPT2__ACT_ROUND(n) (((n) + 15) & ~(size_t)15) /* floats, rounded up to 64 bytes */

/* Fills t (NULL: only counts) for the buffers of a (NULL: sizes only, for estimates); returns
   the number of entries. */
static int gpt2__act_sizes(gpt2__acts *a, const gpt2_config *c, int n_linears, int B, int T, int r, int threads,
                           gpt2__act_size *t) {
    const size_t N = (size_t)B * T, C = (size_t)c->n_embd, F = (size_t)gpt2__inner(c), V = (size_t)c->vocab_size;
    const size_t H = (size_t)c->n_head, R = (size_t)(r > 0 ? r : 1), maxin = F > C ? F : C;
    (void)V;
    int k = 0, l, i;
#define GPT2__ACT(buf, count) do { if (t) { t[k].ptr = a ? &(buf) : NULL; t[k].floats = (count); } k++; } while (0)
    GPT2__ACT(a->encoded, N * C);
    for (l = 0; l < c->n_layer; l++) {
        GPT2__ACT(a->layers[l].ln1_mean, N); GPT2__ACT(a->layers[l].ln1_rstd, N);
        GPT2__ACT(a->layers[l].qkv, N * 3 * C);
        GPT2__ACT(a->layers[l].atty, N * C);
        GPT2__ACT(a->layers[l].res2, N * C);
        GPT2__ACT(a->layers[l].ln2_mean, N); GPT2__ACT(a->layers[l].ln2_rstd, N);
        GPT2__ACT(a->layers[l].fch, N * F);
        GPT2__ACT(a->layers[l].res3, N * C);
    }
    GPT2__ACT(a->lnf, N * C); GPT2__ACT(a->lnf_mean, N); GPT2__ACT(a->lnf_rstd, N);
    GPT2__ACT(a->ln, N * C);
    GPT2__ACT(a->row_loss, N);
    GPT2__ACT(a->gelu, N * F);
    GPT2__ACT(a->scratch_in, N * maxin);
    GPT2__ACT(a->d_res, N * C); GPT2__ACT(a->d_ln, N * C); GPT2__ACT(a->d_atty, N * C);
    GPT2__ACT(a->d_qkv, N * 3 * C);
    GPT2__ACT(a->d_fch, N * F);
    GPT2__ACT(a->d_h, N * R);
    GPT2__ACT(a->att_scratch, (size_t)threads * 2 * T * T);
    (void)H;
    for (i = 0; i < n_linears; i++) GPT2__ACT(a->lora[i].h, N * R);
#undef GPT2__ACT
    return k;
}

/* The table for B x T, in a new array of *n entries (lora_free it); NULL when out of memory. */
static gpt2__act_size *gpt2__act_table(gpt2__acts *a, const gpt2_config *c, int n_linears, int B, int T, int r,
                                       int threads, int *n) {
    gpt2__act_size *t;
    *n = gpt2__act_sizes(NULL, c, n_linears, B, T, r, threads, NULL);
    t = (gpt2__act_size *)lora_malloc(sizeof *t * (size_t)*n, "activation table");
    if (t) gpt2__act_sizes(a, c, n_linears, B, T, r, threads, t);
    return t;
}

/* Floats in the arena the table describes. */
static size_t gpt2__act_total(const gpt2__act_size *t, int n) {
    size_t total = 0;
    int i;
    for (i = 0; i < n; i++) total += GPT2__ACT_ROUND(t[i].floats);
    return total;
}

static lora_wmat gpt2__module_wmat(const gpt2_model *m, int mi, int *transposed);

/* Scratch of the frozen-weight products over N rows (forward and input gradient of every
   module) and of the fused output layer. */
static size_t gpt2__ws_size(const gpt2_config *c, lora_dtype dtype, const lora_pool *pool, int N, int fused) {
    size_t need = 0, b;
    int i, C = c->n_embd, F = gpt2__inner(c);
    const int rows[4] = {C, C, C, F}, cols[4] = {3 * C, C, F, C};
    lora_wmat w;
    w.dtype = dtype; w.data = NULL;
    for (i = 0; i < 4; i++) {   /* a block's Conv1D weights (in, out) */
        w.rows = rows[i]; w.cols = cols[i];
        if ((b = lora_wmat_mul_scratch(pool, N, &w, 0)) > need) need = b;
        if ((b = lora_wmat_mul_scratch(pool, N, &w, 1)) > need) need = b;
    }
    w.rows = c->vocab_size; w.cols = C;   /* the tied lm_head (V, C); its input gradient in chunks of rows */
    if ((b = lora_wmat_mul_scratch(pool, N, &w, 1)) > need) need = b;
    if ((b = lora_wmat_mul_scratch(pool, N < LORA_CE_CHUNK_ROWS ? N : LORA_CE_CHUNK_ROWS, &w, 0)) > need) need = b;
    if (fused && (b = lora_lm_head_ce_scratch(pool, N, &w)) > need) need = b;
    return need;
}
static size_t gpt2__ws_bytes(const gpt2_model *m, const lora_pool *pool, int N) {
    return gpt2__ws_size(&m->cfg, m->base_dtype, pool, N, !m->full);
}

/* Sizes the activation arena for B x T (and the active adapter's rank and dropout). */
static lora_status gpt2__acts_ensure(gpt2_model *m, int B, int T) {
    gpt2__acts *a = m->acts;
    const gpt2_config *c = &m->cfg;
    size_t N = (size_t)B * T, mask_bytes = 0;
    int threads = lora_pool_threads(m->pool), r = gpt2__adapter_rank(m->adapter), i, need_mask;
    need_mask = m->adapter && m->training && m->adapter->config.dropout > 0.0f;
    if (need_mask)
        for (i = 0; i < m->adapter->n_modules; i++) mask_bytes += N * (size_t)m->adapter->modules[i].in;
    if (a && a->B * a->T >= B * T && a->T >= T && a->att_scratch_threads >= threads && a->lora_r >= r &&
        a->mask_bytes >= mask_bytes && a->B >= B && a->ws_bytes >= gpt2__ws_bytes(m, m->pool, B * T)) {
        /* big enough; but lora pointers depend on the adapter layout: recompute below */
    } else {
        gpt2__act_size *t;
        size_t off = 0;
        int n;
        if (a) { gpt2__acts_free(a); m->acts = NULL; }
        a = (gpt2__acts *)lora_calloc(1, sizeof *a, "activations");
        if (!a) return LORA_ERR_OOM;
        a->B = B; a->T = T; a->V = c->vocab_size;
        a->layers = (gpt2__layer_acts *)lora_calloc((size_t)c->n_layer, sizeof *a->layers, "activations");
        a->lora = (gpt2__lora_acts *)lora_calloc((size_t)m->n_linears, sizeof *a->lora, "activations");
        if (!a->layers || !a->lora) { gpt2__acts_free(a); return LORA_ERR_OOM; }
        t = gpt2__act_table(a, c, m->n_linears, B, T, r, threads, &n);
        if (!t) { gpt2__acts_free(a); return LORA_ERR_OOM; }
        a->n_floats = gpt2__act_total(t, n);
        a->arena = (float *)lora_alloc_aligned(a->n_floats * sizeof(float), "activations");
        a->inputs = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        a->labels = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        a->targets = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        a->ws_bytes = gpt2__ws_bytes(m, m->pool, B * T);
        a->ws = a->ws_bytes ? lora_alloc_aligned(a->ws_bytes, "frozen-weight product scratch") : NULL;
        if (mask_bytes) a->mask_arena = (unsigned char *)lora_malloc(mask_bytes, "dropout masks");
        if (!a->arena || !a->inputs || !a->labels || !a->targets || (a->ws_bytes && !a->ws) || (mask_bytes && !a->mask_arena)) {
            lora_free(t);
            gpt2__acts_free(a);
            return LORA_ERR_OOM;
        }
        for (i = 0; i < n; i++) { *t[i].ptr = a->arena + off; off += GPT2__ACT_ROUND(t[i].floats); }
        lora_free(t);
        a->mask_bytes = mask_bytes;
        a->att_scratch_threads = threads;
        a->lora_r = r;
        m->acts = a;
    }
    /* per-module dropout masks follow the adapter's layout */
    {
        size_t moff = 0;
        for (i = 0; i < m->n_linears; i++) {
            lora_module *lm = lora_adapter_module(m->adapter, i);
            a->lora[i].mask = NULL;
            if (need_mask && lm) { a->lora[i].mask = a->mask_arena + moff; moff += N * (size_t)lm->in; }
        }
    }
    a->cur_B = B; a->cur_T = T;
    return LORA_OK;
}

/* From the activation size table (all zero in the unlikely case that its few bytes per buffer
   cannot be allocated). */
static void gpt2__estimate(const gpt2_config *cfg, lora_dtype dtype, const lora_adapter *ad, int full, int B, int T,
                           int threads, lora_memory_estimate *out);
LORA_API void gpt2_estimate_memory(const gpt2_config *cfg, const lora_adapter *ad, int full, int B, int T, int threads,
                                   lora_memory_estimate *out) {
    gpt2__estimate(cfg, LORA_DT_F32, ad, full, B, T, threads, out);
}

/* The estimate for frozen weights in dtype: the matrices in bf16 halve the weights; the
   fused output layer's chunk and the products' scratch (one thread's share) are counted. */
static void gpt2__estimate(const gpt2_config *cfg, lora_dtype dtype, const lora_adapter *ad, int full, int B, int T,
                           int threads, lora_memory_estimate *out) {
    int r = gpt2__adapter_rank(ad), i, n, n_lin = gpt2_config_num_linears(cfg);
    size_t trainable = 0, lora_vals = 0, masks = 0, weights_f = 0, mats = 0, ws;
    int keeps;
    gpt2__act_size *t;
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!cfg) return;
    if (threads < 1) threads = 1;
    weights_f = (size_t)gpt2_config_num_params(cfg);
    if (ad) {
        lora_vals = (size_t)lora_adapter_num_params(ad);
        if (ad->config.dropout > 0)
            for (i = 0; i < ad->n_modules; i++) masks += (size_t)B * T * (size_t)ad->modules[i].in;
    }
    if (!(t = gpt2__act_table(NULL, cfg, n_lin, B, T, r, threads, &n))) return;
    trainable = full ? weights_f : lora_vals;
    {
        /* the matrices: wte (tied lm_head) and four per block */
        size_t C = (size_t)cfg->n_embd, F = (size_t)gpt2__inner(cfg), N = (size_t)B * T, V = (size_t)cfg->vocab_size;
        mats = dtype == LORA_DT_BF16 ? V * C + (size_t)cfg->n_layer * (3 * C * C + C * C + 2 * C * F) : 0;
        /* the products' scratch (the fused output layer's chunk of logits included; sized for one
           thread's packing buffers), and full fine-tuning keeps every logit */
        keeps = full || (ad && lora_adapter_find(ad, "lm_head"));   /* the unfused output layer */
        ws = gpt2__ws_size(cfg, dtype, NULL, B * T, !full) + (keeps ? N * V * sizeof(float) : 0);
    }
    out->weights = weights_f * sizeof(float) - mats * 2;
    out->activations = gpt2__act_total(t, n) * sizeof(float) + masks + ws;
    out->adapter = lora_vals * sizeof(float);
    out->gradients = trainable * sizeof(float);
    out->optimizer = 2 * trainable * sizeof(float);
    out->total = out->weights + out->activations + out->adapter + out->gradients + out->optimizer;
    lora_free(t);
}

/* ---- parallel helpers ---- */
typedef void (*gpt2__rows_fn)(void *ctx, int row0, int row1);
typedef struct { gpt2__rows_fn fn; void *ctx; int n; } gpt2__rows_job;
static void gpt2__rows_task(void *ctx, int task, int thread) {
    gpt2__rows_job *j = (gpt2__rows_job *)ctx;
    int r0 = task * GPT2__ROWS_PER_TASK, r1 = r0 + GPT2__ROWS_PER_TASK;
    (void)thread;
    if (r1 > j->n) r1 = j->n;
    j->fn(j->ctx, r0, r1);
}
/* Runs fn over rows [0, n) in fixed chunks across the pool. */
static void gpt2__parallel_rows(lora_pool *pool, int n, gpt2__rows_fn fn, void *ctx) {
    gpt2__rows_job j;
    j.fn = fn; j.ctx = ctx; j.n = n;
    lora_pool_run(pool, gpt2__rows_task, &j, (n + GPT2__ROWS_PER_TASK - 1) / GPT2__ROWS_PER_TASK);
}

/* ---- embedding ---- */
typedef struct { gpt2_model *m; const int32_t *inputs; int T; float *out; const lora_vecops *v; } gpt2__enc_ctx;
static void gpt2__encoder_rows(void *vctx, int r0, int r1) {
    gpt2__enc_ctx *e = (gpt2__enc_ctx *)vctx;
    int C = e->m->cfg.n_embd, r;
    const float *wte = gpt2__t(e->m, 0), *wpe = gpt2__t(e->m, 1);
    for (r = r0; r < r1; r++) {
        const float *p = wpe + (size_t)(e->m->pos ? e->m->pos[r] : r % e->T) * C;
        float *o = e->out + (size_t)r * C;
        if (wte) e->v->add(wte + (size_t)e->inputs[r] * C, p, o, (size_t)C);
        else { lora_bf16_to_f32_n(gpt2__tb(e->m, 0) + (size_t)e->inputs[r] * C, o, (size_t)C); e->v->acc(o, p, (size_t)C); }
    }
}
static void gpt2__encoder_forward(gpt2_model *m, const int32_t *inputs, int B, int T, float *out) {
    gpt2__enc_ctx e;
    e.m = m; e.inputs = inputs; e.T = T; e.out = out; e.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, B * T, gpt2__encoder_rows, &e);
}
/* Full fine-tuning: dwte[id] += d, dwpe[t] += d (sequential: rows may share a token). */
static void gpt2__encoder_backward(gpt2_model *m, const float *dout, const int32_t *inputs, int B, int T) {
    int C = m->cfg.n_embd, r;
    float *dwte = m->grads + m->tensors[0].offset, *dwpe = m->grads + m->tensors[1].offset;
    const lora_vecops *v = lora_vec(m->pool);
    for (r = 0; r < B * T; r++) {
        const float *d = dout + (size_t)r * C;
        v->acc(dwte + (size_t)inputs[r] * C, d, (size_t)C);
        v->acc(dwpe + (size_t)(m->pos ? m->pos[r] : r % T) * C, d, (size_t)C);
    }
}

/* ---- layernorm ---- */
typedef struct { const float *x, *w, *b; float *out, *mean, *rstd; int C; float eps; const lora_vecops *v; } gpt2__ln_ctx;
static void gpt2__layernorm_rows(void *vctx, int r0, int r1) {
    gpt2__ln_ctx *l = (gpt2__ln_ctx *)vctx;
    int C = l->C, r;
    for (r = r0; r < r1; r++) {
        const float *x = l->x + (size_t)r * C;
        float mu = l->v->sum(x, C) / (float)C;
        float var = l->v->sumsq_centered(x, C, mu) / (float)C, rs = 1.0f / sqrtf(var + l->eps);
        l->v->norm_affine(x, l->out + (size_t)r * C, l->w, l->b, C, mu, rs);
        l->mean[r] = mu; l->rstd[r] = rs;
    }
}
static void gpt2__layernorm_forward(gpt2_model *m, const float *x, const float *w, const float *b, float *out,
                                    float *mean, float *rstd, int N) {
    gpt2__ln_ctx l;
    l.x = x; l.w = w; l.b = b; l.out = out; l.mean = mean; l.rstd = rstd; l.C = m->cfg.n_embd; l.eps = m->cfg.layer_norm_eps;
    l.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__layernorm_rows, &l);
}
typedef struct { const float *dout, *x, *w, *mean, *rstd; float *dx; int C; const lora_vecops *v; } gpt2__lnb_ctx;
static void gpt2__layernorm_back_rows(void *vctx, int r0, int r1) {
    gpt2__lnb_ctx *l = (gpt2__lnb_ctx *)vctx;
    int C = l->C, r;
    for (r = r0; r < r1; r++)
        l->v->ln_back(l->x + (size_t)r * C, l->dout + (size_t)r * C, l->w, l->dx + (size_t)r * C, C, l->mean[r], l->rstd[r]);
}
/* Column sums for weight/bias gradients: dw[i] += sum_r dout[r,i] * norm[r,i], db[i] += sum_r dout[r,i].
   Split by columns so every sum runs over rows in order (thread-count independent). */
typedef struct { const float *dout, *x, *mean, *rstd; float *dw, *db; int N, C; const lora_vecops *v; } gpt2__lnw_ctx;
static void gpt2__layernorm_wgrad_cols(void *vctx, int c0, int c1) {
    gpt2__lnw_ctx *l = (gpt2__lnw_ctx *)vctx;
    int r, C = l->C;
    for (r = 0; r < l->N; r++) {
        const size_t o = (size_t)r * C + (size_t)c0;
        l->v->ln_wgrad(l->dout + o, l->x + o, l->dw ? l->dw + c0 : NULL, l->db ? l->db + c0 : NULL, c1 - c0,
                       l->mean ? l->mean[r] : 0.0f, l->rstd ? l->rstd[r] : 1.0f);
    }
}
static void gpt2__layernorm_backward(gpt2_model *m, const float *dout, const float *x, const float *w,
                                     const float *mean, const float *rstd, float *dx, float *dw, float *db, int N) {
    gpt2__lnb_ctx l;
    l.dout = dout; l.x = x; l.w = w; l.mean = mean; l.rstd = rstd; l.dx = dx; l.C = m->cfg.n_embd; l.v = lora_vec(m->pool);
    if (dx) gpt2__parallel_rows(m->pool, N, gpt2__layernorm_back_rows, &l);
    if (dw || db) {
        gpt2__lnw_ctx g;
        g.dout = dout; g.x = x; g.mean = mean; g.rstd = rstd; g.dw = dw; g.db = db; g.N = N; g.C = m->cfg.n_embd;
        g.v = lora_vec(m->pool);
        gpt2__parallel_rows(m->pool, m->cfg.n_embd, gpt2__layernorm_wgrad_cols, &g);
    }
}
/* db[i] += sum over rows of dout[r, i] (bias gradient of a linear layer). */
static void gpt2__bias_backward(gpt2_model *m, const float *dout, float *db, int N, int width) {
    gpt2__lnw_ctx g;
    g.dout = dout; g.x = dout; g.mean = NULL; g.rstd = NULL; g.dw = NULL; g.db = db; g.N = N; g.C = width;
    g.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, width, gpt2__layernorm_wgrad_cols, &g);
}

/* ---- gelu_new (tanh approximation), vectorised in lora.h ---- */
typedef struct { const float *x; float *y; const float *dy; float *dx; int W; const lora_vecops *v; } gpt2__gelu_ctx;
static void gpt2__gelu_rows(void *vctx, int r0, int r1) {
    gpt2__gelu_ctx *g = (gpt2__gelu_ctx *)vctx;
    size_t o = (size_t)r0 * g->W;
    g->v->gelu(g->x + o, g->y + o, (size_t)(r1 - r0) * g->W);
}
static void gpt2__gelu_back_rows(void *vctx, int r0, int r1) {
    gpt2__gelu_ctx *g = (gpt2__gelu_ctx *)vctx;
    size_t o = (size_t)r0 * g->W;
    g->v->gelu_back(g->x + o, g->dy + o, g->dx + o, (size_t)(r1 - r0) * g->W);
}
static void gpt2__gelu_forward(gpt2_model *m, const float *x, float *y, int N, int W) {
    gpt2__gelu_ctx g;
    g.x = x; g.y = y; g.dy = NULL; g.dx = NULL; g.W = W; g.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__gelu_rows, &g);
}
static void gpt2__gelu_backward(gpt2_model *m, const float *x, const float *dy, float *dx, int N, int W) {
    gpt2__gelu_ctx g;
    g.x = x; g.y = NULL; g.dy = dy; g.dx = dx; g.W = W; g.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__gelu_back_rows, &g);
}

/* ---- residual add ---- */
typedef struct { const float *a, *b; float *out; int W; const lora_vecops *v; } gpt2__add_ctx;
static void gpt2__add_rows(void *vctx, int r0, int r1) {
    gpt2__add_ctx *g = (gpt2__add_ctx *)vctx;
    size_t o = (size_t)r0 * g->W;
    g->v->add(g->a + o, g->b + o, g->out + o, (size_t)(r1 - r0) * g->W);
}
static void gpt2__residual_forward(gpt2_model *m, const float *a, const float *b, float *out, int N) {
    gpt2__add_ctx g;
    g.a = a; g.b = b; g.out = out; g.W = m->cfg.n_embd; g.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__add_rows, &g);
}

/* ---- linear (Conv1D) with an optional LoRA branch ---- */

/* Weight and bias of model module mi: Conv1D weight (in, out), or for lm_head wte (out, in). */
static const float *gpt2__module_weight(const gpt2_model *m, int mi, int *transposed) {
    int l = mi / GPT2_LINEARS_PER_LAYER, k = mi % GPT2_LINEARS_PER_LAYER;
    static const int wt[GPT2_LINEARS_PER_LAYER] = {GPT2__ATTW, GPT2__APRW, GPT2__FCW, GPT2__FPRW};
    if (mi == m->n_linears - 1) { *transposed = 1; return gpt2__t(m, 0); }
    *transposed = 0;
    return gpt2__t(m, gpt2__lt(l, wt[k]));
}
/* The same as the engine's frozen-weight view (fp32 or bf16). */
static lora_wmat gpt2__module_wmat(const gpt2_model *m, int mi, int *transposed) {
    int l = mi / GPT2_LINEARS_PER_LAYER, k = mi % GPT2_LINEARS_PER_LAYER;
    static const int wt[GPT2_LINEARS_PER_LAYER] = {GPT2__ATTW, GPT2__APRW, GPT2__FCW, GPT2__FPRW};
    *transposed = mi == m->n_linears - 1;
    return gpt2__wmat(m, *transposed ? 0 : gpt2__lt(l, wt[k]));
}
static int gpt2__module_bias_tensor(const gpt2_model *m, int mi) {
    static const int bt[GPT2_LINEARS_PER_LAYER] = {GPT2__ATTB, GPT2__APRB, GPT2__FCB, GPT2__FPRB};
    if (mi == m->n_linears - 1) return -1;
    return gpt2__lt(mi / GPT2_LINEARS_PER_LAYER, bt[mi % GPT2_LINEARS_PER_LAYER]);
}
/* The adapter's trainable copy of model tensor ti (bias modes "all" / "lora_only"), or NULL. */
static lora_bias_param *gpt2__adapter_bias(const gpt2_model *m, int ti) {
    char full[80];
    if (!m->adapter || !m->adapter->n_biases) return NULL;
    snprintf(full, sizeof full, "transformer.%s", m->tensors[ti].name);
    return lora_adapter_find_bias(m->adapter, full);
}
/* The bias in use: the adapter's trainable copy when it carries one. */
static const float *gpt2__tensor_value(const gpt2_model *m, int ti) {
    lora_bias_param *bp = gpt2__adapter_bias(m, ti);
    return bp ? bp->value : gpt2__t(m, ti);
}
static float *gpt2__tensor_grad(gpt2_model *m, int ti) {
    lora_bias_param *bp = gpt2__adapter_bias(m, ti);
    if (bp) return bp->grad;
    return m->grads ? m->grads + m->tensors[ti].offset : NULL;
}

typedef struct { float *y; const float *b; int W; const lora_vecops *v; } gpt2__bias_ctx;
static void gpt2__bias_rows(void *vctx, int r0, int r1) {
    gpt2__bias_ctx *g = (gpt2__bias_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) g->v->acc(g->y + (size_t)r * g->W, g->b, (size_t)g->W);
}

/* Dropout on the LoRA input: keep with probability 1-p, scale by 1/(1-p). The mask of
   row r of module mi at step s comes from its own seeded stream, so it does not depend
   on threads. */
typedef struct { const float *x; float *xd; unsigned char *mask; int W; float p; uint64_t seed; const lora_vecops *v; } gpt2__drop_ctx;
static void gpt2__dropout_rows(void *vctx, int r0, int r1) {
    gpt2__drop_ctx *d = (gpt2__drop_ctx *)vctx;
    float scale = 1.0f / (1.0f - d->p);
    int r;
    for (r = r0; r < r1; r++) {
        lora_rng rng;
        const size_t o = (size_t)r * d->W;
        lora_rng_seed(&rng, d->seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(r + 1)));
        lora_rng_keep_mask(&rng, d->mask + o, d->W, d->p); /* mask[i] = lora_rng_uniform(&rng) >= p */
        d->v->mask_scale(d->x + o, d->mask + o, d->xd + o, (size_t)d->W, scale);
    }
}
static void gpt2__mask_rows(void *vctx, int r0, int r1) {
    gpt2__drop_ctx *d = (gpt2__drop_ctx *)vctx; /* xd = x * mask * scale (recompute), or mask a gradient */
    const size_t o = (size_t)r0 * d->W;
    d->v->mask_scale(d->x + o, d->mask + o, d->xd + o, (size_t)(r1 - r0) * d->W, 1.0f / (1.0f - d->p));
}
static uint64_t gpt2__dropout_seed(const gpt2_model *m, int mi) {
    uint64_t s = m->dropout_seed * 0xD1B54A32D192ED03ull + m->dropout_step * 0x9E3779B97F4A7C15ull + (uint64_t)mi * 0xBF58476D1CE4E5B9ull;
    return lora_splitmix64(&s);
}

/* y (N, out) = x (N, in) @ W + b (+ LoRA). */
static lora_status gpt2__linear_forward(gpt2_model *m, int mi, const float *x, float *y, int N) {
    const gpt2_linear_info *li = &m->linears[mi];
    int tr, bi = gpt2__module_bias_tensor(m, mi);
    lora_wmat W = gpt2__module_wmat(m, mi, &tr);
    lora_module *lm = lora_adapter_module(m->adapter, mi);
    lora_status s = lora_wmat_mul(m->pool, N, x, li->in, &W, tr, 0, y, li->out, m->acts->ws, m->acts->ws_bytes);
    if (s != LORA_OK) return s;
    if (bi >= 0) {
        gpt2__bias_ctx g;
        g.y = y; g.b = gpt2__tensor_value(m, bi); g.W = li->out; g.v = lora_vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__bias_rows, &g);
    }
    if (lm) {
        gpt2__lora_acts *la = &m->acts->lora[mi];
        const float *xin = x;
        if (la->mask) {
            gpt2__drop_ctx d;
            d.x = x; d.xd = m->acts->scratch_in; d.mask = la->mask; d.W = li->in;
            d.p = m->adapter->config.dropout; d.seed = gpt2__dropout_seed(m, mi); d.v = lora_vec(m->pool);
            gpt2__parallel_rows(m->pool, N, gpt2__dropout_rows, &d);
            xin = m->acts->scratch_in;
        }
        lora_sgemm(m->pool, 0, 1, N, lm->r, li->in, 1.0f, xin, li->in, lm->A, li->in, 0.0f, la->h, lm->r);
        lora_sgemm(m->pool, 0, 1, N, li->out, lm->r, lm->scaling, la->h, lm->r, lm->B, lm->r, 1.0f, y, li->out);
    }
    return LORA_OK;
}

/* dx (N, in) = dy (N, out) @ W^T (+ LoRA branch); gradients of W, b, A, B as trainable.
   dx may be NULL when nothing below needs it. */
static lora_status gpt2__linear_backward(gpt2_model *m, int mi, const float *x, const float *dy, float *dx, int N) {
    const gpt2_linear_info *li = &m->linears[mi];
    int tr, bi = gpt2__module_bias_tensor(m, mi), in = li->in, out = li->out;
    lora_wmat W = gpt2__module_wmat(m, mi, &tr);
    lora_module *lm = lora_adapter_module(m->adapter, mi);
    gpt2__acts *a = m->acts;
    lora_status s;
    if (m->grads) {
        if (tr) lora_sgemm(m->pool, 1, 0, out, in, N, 1.0f, dy, out, x, in, 1.0f, m->grads + m->tensors[0].offset, in);
        else {
            int wt = gpt2__module_bias_tensor(m, mi) - 1; /* weight precedes its bias in the table */
            lora_sgemm(m->pool, 1, 0, in, out, N, 1.0f, x, in, dy, out, 1.0f, m->grads + m->tensors[wt].offset, out);
        }
    }
    if (bi >= 0) {
        float *db = gpt2__tensor_grad(m, bi);
        if (db) gpt2__bias_backward(m, dy, db, N, out);
    }
    if (dx && W.dtype != LORA_DT_F32 && mi == m->n_linears - 1) {
        /* bf16 output layer (V-long rows): LORA_CE_CHUNK_ROWS rows at a time, the scratch of the fused path */
        int r0;
        for (r0 = 0; r0 < N; r0 += LORA_CE_CHUNK_ROWS)
            if ((s = lora_wmat_mul(m->pool, N - r0 < LORA_CE_CHUNK_ROWS ? N - r0 : LORA_CE_CHUNK_ROWS, dy + (size_t)r0 * out, out,
                                   &W, !tr, 0, dx + (size_t)r0 * in, in, a->ws, a->ws_bytes)) != LORA_OK) return s;
    } else if (dx && (s = lora_wmat_mul(m->pool, N, dy, out, &W, !tr, 0, dx, in, a->ws, a->ws_bytes)) != LORA_OK) return s;
    if (lm) {
        gpt2__lora_acts *la = &a->lora[mi];
        const float *xin = x;
        gpt2__drop_ctx d;
        d.x = x; d.xd = a->scratch_in; d.mask = la->mask; d.W = in; d.p = m->adapter->config.dropout; d.seed = 0;
        d.v = lora_vec(m->pool);
        if (la->mask) { gpt2__parallel_rows(m->pool, N, gpt2__mask_rows, &d); xin = a->scratch_in; }
        lora_sgemm(m->pool, 1, 0, out, lm->r, N, lm->scaling, dy, out, la->h, lm->r, 1.0f, lm->dB, lm->r);
        lora_sgemm(m->pool, 0, 0, N, lm->r, out, lm->scaling, dy, out, lm->B, lm->r, 0.0f, a->d_h, lm->r);
        lora_sgemm(m->pool, 1, 0, lm->r, in, N, 1.0f, a->d_h, lm->r, xin, in, 1.0f, lm->dA, in);
        if (dx) {
            if (la->mask) {
                /* d(dropout input) = dh @ A, then through the mask: dx += mask * scale * that */
                lora_sgemm(m->pool, 0, 0, N, in, lm->r, 1.0f, a->d_h, lm->r, lm->A, in, 0.0f, a->scratch_in, in);
                d.x = a->scratch_in; d.xd = a->scratch_in;
                gpt2__parallel_rows(m->pool, N, gpt2__mask_rows, &d);
                {
                    gpt2__add_ctx g;
                    g.a = dx; g.b = a->scratch_in; g.out = dx; g.W = in; g.v = lora_vec(m->pool);
                    gpt2__parallel_rows(m->pool, N, gpt2__add_rows, &g);
                }
            } else {
                lora_sgemm(m->pool, 0, 0, N, in, lm->r, 1.0f, a->d_h, lm->r, lm->A, in, 1.0f, dx, in);
            }
        }
    }
    return LORA_OK;
}

/* ---- causal self-attention, one task per (batch, head) ---- */
typedef struct { gpt2_model *m; const float *qkv; float *out; const float *dout; float *dqkv; int B, T; const lora_vecops *v; } gpt2__att_ctx;
/* The softmax probabilities P (T x T) of (batch b, head h), zero outside each row's keys. */
static void gpt2__attention_probs(gpt2__att_ctx *c, int b, int h, float *P) {
    int H = c->m->cfg.n_head, C = c->m->cfg.n_embd, D = C / H, T = c->T, i, j;
    const float *q = c->qkv + (size_t)b * T * 3 * C + (size_t)h * D, *k = q + C;
    float scale = 1.0f / sqrtf((float)D);
    lora_sgemm(NULL, 0, 1, T, T, D, scale, q, 3 * C, k, 3 * C, 0.0f, P, T);
    for (i = 0; i < T; i++) {
        /* keys from the start of row i's sequence (a packed sample sees only itself) to i */
        int s0 = c->m->pos ? i - c->m->pos[(size_t)b * T + i] : 0;
        float *p = P + (size_t)i * T, mx = c->v->max(p + s0, i + 1 - s0);
        c->v->scale(p + s0, i + 1 - s0, 1.0f / c->v->exp_sum(p + s0, p + s0, i + 1 - s0, mx));
        for (j = 0; j < s0; j++) p[j] = 0.0f;
        for (j = i + 1; j < T; j++) p[j] = 0.0f;
    }
}
static void gpt2__attention_task(void *vctx, int task, int thread) {
    gpt2__att_ctx *c = (gpt2__att_ctx *)vctx;
    int H = c->m->cfg.n_head, C = c->m->cfg.n_embd, D = C / H, T = c->T, b = task / H, h = task % H;
    const float *v = c->qkv + (size_t)b * T * 3 * C + (size_t)h * D + 2 * C;
    float *P = c->m->acts->att_scratch + (size_t)thread * 2 * T * T;
    gpt2__attention_probs(c, b, h, P);
    lora_sgemm(NULL, 0, 0, T, D, T, 1.0f, P, T, v, 3 * C, 0.0f, c->out + (size_t)b * T * C + (size_t)h * D, C);
}
static void gpt2__attention_forward(gpt2_model *m, const float *qkv, float *out, int B, int T) {
    gpt2__att_ctx c;
    c.m = m; c.qkv = qkv; c.out = out; c.dout = NULL; c.dqkv = NULL; c.B = B; c.T = T; c.v = lora_vec(m->pool);
    lora_pool_run(m->pool, gpt2__attention_task, &c, B * m->cfg.n_head);
}
static void gpt2__attention_back_task(void *vctx, int task, int thread) {
    gpt2__att_ctx *c = (gpt2__att_ctx *)vctx;
    int H = c->m->cfg.n_head, C = c->m->cfg.n_embd, D = C / H, T = c->T, b = task / H, h = task % H, i, j;
    size_t base = (size_t)b * T * 3 * C + (size_t)h * D;
    const float *q = c->qkv + base, *k = q + C, *v = q + 2 * C;
    float *P = c->m->acts->att_scratch + (size_t)thread * 2 * T * T;
    const float *dy = c->dout + (size_t)b * T * C + (size_t)h * D;
    float *dq = c->dqkv + base, *dk = dq + C, *dv = dq + 2 * C;
    float *dP = P + (size_t)T * T, scale = 1.0f / sqrtf((float)D);
    gpt2__attention_probs(c, b, h, P);
    lora_sgemm(NULL, 0, 1, T, T, D, 1.0f, dy, C, v, 3 * C, 0.0f, dP, T);
    lora_sgemm(NULL, 1, 0, T, D, T, 1.0f, P, T, dy, C, 0.0f, dv, 3 * C);
    for (i = 0; i < T; i++) {
        int s0 = c->m->pos ? i - c->m->pos[(size_t)b * T + i] : 0;
        const float *p = P + (size_t)i * T;
        float *dp = dP + (size_t)i * T, dot = c->v->dot(p + s0, dp + s0, i + 1 - s0);
        for (j = 0; j < s0; j++) dp[j] = 0.0f;
        for (j = s0; j <= i; j++) dp[j] = p[j] * (dp[j] - dot);
        for (j = i + 1; j < T; j++) dp[j] = 0.0f;
    }
    lora_sgemm(NULL, 0, 0, T, D, T, scale, dP, T, k, 3 * C, 0.0f, dq, 3 * C);
    lora_sgemm(NULL, 1, 0, T, D, T, scale, dP, T, q, 3 * C, 0.0f, dk, 3 * C);
}
static void gpt2__attention_backward(gpt2_model *m, const float *qkv, const float *dout, float *dqkv, int B, int T) {
    gpt2__att_ctx c;
    c.m = m; c.qkv = qkv; c.out = NULL; c.dout = dout; c.dqkv = dqkv; c.B = B; c.T = T; c.v = lora_vec(m->pool);
    lora_pool_run(m->pool, gpt2__attention_back_task, &c, B * m->cfg.n_head);
}

/* ---- cross-entropy over the vocabulary (HF shift: logits[t] predicts labels[t+1]) ---- */
typedef struct { float *logits, *row_loss; const int32_t *labels, *pos; int T, V; float inv_count; const lora_vecops *v; } gpt2__ce_ctx;
/* the label row r predicts: none at a row's end or before a packed sequence's start */
static int gpt2__target(const int32_t *labels, const int32_t *pos, int r, int T) {
    return (r % T == T - 1 || (pos && pos[r + 1] == 0)) ? GPT2__IGNORE : labels[r + 1];
}
static void gpt2__ce_rows(void *vctx, int r0, int r1) {
    gpt2__ce_ctx *c = (gpt2__ce_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) {
        const float *x = c->logits + (size_t)r * c->V;
        int t = gpt2__target(c->labels, c->pos, r, c->T);
        float mx;
        if (t == GPT2__IGNORE) { c->row_loss[r] = 0.0f; continue; }
        mx = c->v->max(x, c->V);
        c->row_loss[r] = (float)((double)mx + log((double)c->v->exp_sum(x, NULL, c->V, mx)) - (double)x[t]);
    }
}
/* In place: logits -> (softmax - onehot) / count on predicted rows, 0 elsewhere. */
static void gpt2__ce_back_rows(void *vctx, int r0, int r1) {
    gpt2__ce_ctx *c = (gpt2__ce_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) {
        float *x = c->logits + (size_t)r * c->V, mx;
        int t = gpt2__target(c->labels, c->pos, r, c->T);
        if (t == GPT2__IGNORE) { memset(x, 0, sizeof(float) * (size_t)c->V); continue; }
        mx = c->v->max(x, c->V);
        c->v->scale(x, c->V, c->inv_count / c->v->exp_sum(x, x, c->V, mx));
        x[t] -= c->inv_count;
    }
}

/* ---- the model ---- */
static lora_status gpt2__check_batch(const gpt2_model *m, const int32_t *inputs, const int32_t *labels, int B, int T) {
    const gpt2_config *c = &m->cfg;
    long i, n = (long)B * T;
    if (!inputs) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward: inputs is NULL");
    if (B <= 0 || T <= 0) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward: batch %d x sequence %d must be positive", B, T);
    if (T > c->n_positions)
        return lora_fail(LORA_ERR_RANGE, "sequence length %d exceeds the model's n_positions %d", T, c->n_positions);
    if ((long)B * T > (long)(1 << 26)) return lora_fail(LORA_ERR_RANGE, "batch %d x %d is too large", B, T);
    for (i = 0; i < n; i++)
        if (inputs[i] < 0 || inputs[i] >= c->vocab_size)
            return lora_fail(LORA_ERR_RANGE, "token id %ld at position %ld is outside the vocabulary [0, %d)", (long)inputs[i], i, c->vocab_size);
    if (labels)
        for (i = 0; i < n; i++)
            if (labels[i] != GPT2__IGNORE && (labels[i] < 0 || labels[i] >= c->vocab_size))
                return lora_fail(LORA_ERR_RANGE, "label %ld at position %ld is outside the vocabulary [0, %d) and not -100", (long)labels[i], i, c->vocab_size);
    return LORA_OK;
}

static const float *gpt2__layer_input(const gpt2_model *m, int l) {
    return l == 0 ? m->acts->encoded : m->acts->layers[l - 1].res3;
}

/* Checks position ids (each row starts at 0, then +1 or a new 0) and keeps a copy; NULL when
   they are the plain 0 .. T-1 of every row, so that path stays the unpacked one. */
static lora_status gpt2__set_positions(gpt2_model *m, const int32_t *positions, int B, int T) {
    size_t n = (size_t)B * (size_t)T, i;
    int plain = 1;
    m->pos = NULL;
    if (!positions) return LORA_OK;
    for (i = 0; i < n; i++) {
        int t = (int)(i % (size_t)T), p = positions[i];
        if (p != 0 && (t == 0 || p != positions[i - 1] + 1))
            return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward_positions: position %ld at row %d, column %d: expected 0%s "
                              "(a row starts at 0; each position is 0 or the previous one + 1)", (long)p, (int)(i / (size_t)T), t,
                              t ? " or the previous position + 1" : "");
        plain &= p == t;
    }
    if (plain) return LORA_OK;
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

LORA_API lora_status gpt2_forward(gpt2_model *m, const int32_t *inputs, const int32_t *labels, int B, int T, float *loss) {
    return gpt2_forward_positions(m, inputs, labels, NULL, B, T, loss);
}

LORA_API lora_status gpt2_forward_positions(gpt2_model *m, const int32_t *inputs, const int32_t *labels,
                                            const int32_t *positions, int B, int T, float *loss) {
    gpt2__acts *a;
    lora_status s;
    int N = B * T, C, F, V, l;
    if (loss) *loss = NAN;
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward: model is NULL");
    if ((s = gpt2__check_batch(m, inputs, labels, B, T)) != LORA_OK) return s;
    if ((s = gpt2__set_positions(m, positions, B, T)) != LORA_OK) { if (m->acts) m->acts->has_forward = 0; return s; }
    if ((s = gpt2__acts_ensure(m, B, T)) != LORA_OK) return s;
    a = m->acts;
    C = m->cfg.n_embd; F = gpt2__inner(&m->cfg); V = m->cfg.vocab_size;
    a->has_forward = 0;
    a->fused = labels && m->training && !m->full && !lora_adapter_module(m->adapter, m->n_linears - 1);
    /* before any product: a failure leaves nothing behind */
    if (!a->fused && (size_t)N * V > a->logits_floats) {   /* logits for every row (inference, evaluation, full fine-tuning) */
        lora_free_aligned(a->logits);
        a->logits_floats = 0;
        if (!(a->logits = (float *)lora_alloc_aligned((size_t)N * V * sizeof(float), "logits"))) {
            gpt2__acts_free(a);   /* nothing left behind: the next forward sizes them again */
            m->acts = NULL;
            return LORA_ERR_OOM;
        }
        a->logits_floats = (size_t)N * V;
    }
    memcpy(a->inputs, inputs, sizeof(int32_t) * (size_t)N);
    if (m->training) m->dropout_step++;
    gpt2__encoder_forward(m, inputs, B, T, a->encoded);
    for (l = 0; l < m->cfg.n_layer; l++) {
        gpt2__layer_acts *la = &a->layers[l];
        const float *x = gpt2__layer_input(m, l);
        int mi = l * GPT2_LINEARS_PER_LAYER;
        gpt2__layernorm_forward(m, x, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1B)),
                                a->ln, la->ln1_mean, la->ln1_rstd, N);
        if ((s = gpt2__linear_forward(m, mi + 0, a->ln, la->qkv, N)) != LORA_OK) return s;
        gpt2__attention_forward(m, la->qkv, la->atty, B, T);
        if ((s = gpt2__linear_forward(m, mi + 1, la->atty, la->res2, N)) != LORA_OK) return s;
        gpt2__residual_forward(m, x, la->res2, la->res2, N);
        gpt2__layernorm_forward(m, la->res2, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2B)),
                                a->ln, la->ln2_mean, la->ln2_rstd, N);
        if ((s = gpt2__linear_forward(m, mi + 2, a->ln, la->fch, N)) != LORA_OK) return s;
        gpt2__gelu_forward(m, la->fch, a->gelu, N, F);
        if ((s = gpt2__linear_forward(m, mi + 3, a->gelu, la->res3, N)) != LORA_OK) return s;
        gpt2__residual_forward(m, la->res2, la->res3, la->res3, N);
    }
    gpt2__layernorm_forward(m, gpt2__layer_input(m, m->cfg.n_layer), gpt2__tensor_value(m, m->n_tensors - 2),
                            gpt2__tensor_value(m, m->n_tensors - 1), a->lnf, a->lnf_mean, a->lnf_rstd, N);
    a->loss = NAN;
    if (a->fused) {
        /* a training step: logits, loss and the output layer's input gradient only on the rows
           with a label, LORA_CE_CHUNK_ROWS at a time (lora_lm_head_ce); d_ln keeps that gradient */
        int tr, r, count = 0;
        double sum = 0.0;
        lora_wmat W = gpt2__module_wmat(m, m->n_linears - 1, &tr);
        memcpy(a->labels, labels, sizeof(int32_t) * (size_t)N);
        for (r = 0; r < N; r++) {
            int t = gpt2__target(labels, m->pos, r, T);
            a->targets[r] = t == GPT2__IGNORE ? -1 : t;
            count += t != GPT2__IGNORE;
        }
        if ((s = lora_lm_head_ce(m->pool, &W, N, a->lnf, C, a->targets, count ? 1.0f / (float)count : 0.0f, a->row_loss,
                                 count ? a->d_ln : NULL, C, NULL, a->ws, a->ws_bytes)) != LORA_OK)
            return s;
        for (r = 0; r < N; r++) sum += a->row_loss[r];
        a->count = (float)count;
        a->loss = count ? (float)(sum / count) : NAN;
        if (loss) *loss = a->loss;
        a->has_forward = 1;
        a->has_labels = 1;
        return LORA_OK;
    }
    if ((s = gpt2__linear_forward(m, m->n_linears - 1, a->lnf, a->logits, N)) != LORA_OK) return s;
    a->has_forward = 1;
    a->has_labels = labels != NULL;
    if (labels) {
        gpt2__ce_ctx c;
        double sum = 0.0;
        int r, count = 0;
        memcpy(a->labels, labels, sizeof(int32_t) * (size_t)N);
        for (r = 0; r < N; r++) count += gpt2__target(labels, m->pos, r, T) != GPT2__IGNORE;
        c.logits = a->logits; c.row_loss = a->row_loss; c.labels = labels; c.pos = m->pos; c.T = T; c.V = V; c.inv_count = 0.0f; c.v = lora_vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__ce_rows, &c);
        for (r = 0; r < N; r++) sum += a->row_loss[r];
        a->count = (float)count;
        a->loss = count ? (float)(sum / count) : NAN;
        if (loss) *loss = a->loss;
    }
    (void)C;
    return LORA_OK;
}

LORA_API const float *gpt2_logits(const gpt2_model *m) {
    return (m && m->acts && m->acts->has_forward && !m->acts->fused) ? m->acts->logits : NULL;
}

/* Whether module mi's backward reads its input (weight gradient, LoRA A gradient). */
static int gpt2__reads_input(const gpt2_model *m, int mi) {
    return m->grads != NULL || lora_adapter_module(m->adapter, mi) != NULL;
}

/* Lowest layer whose parameters train: backward stops there. */
static int gpt2__lowest_trainable_layer(const gpt2_model *m) {
    int low = m->cfg.n_layer, i;
    if (m->full) return 0;
    if (!m->adapter) return low;
    for (i = 0; i < m->adapter->n_modules; i++) {
        int l = m->linears[m->adapter->modules[i].index].layer;
        if (l >= 0 && l < low) low = l;
    }
    for (i = 0; i < m->adapter->n_biases; i++) {
        int l = m->adapter->biases[i].layer;
        if (l >= 0 && l < low) low = l;
    }
    return low;
}

LORA_API lora_status gpt2_backward(gpt2_model *m) {
    gpt2__acts *a;
    lora_status s;
    int N, B, T, C, F, l, low;
    if (!m || !m->acts || !m->acts->has_forward)
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_backward: call gpt2_forward first (the last forward's activations are used once)");
    a = m->acts;
    if (!a->has_labels) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_backward: the last forward had no labels");
    if (!(a->count > 0)) return lora_fail(LORA_ERR_NUMERIC, "gpt2_backward: every label is ignored (-100), the loss is undefined");
    if (!m->adapter && !m->full) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_backward: nothing to train (no adapter attached and full fine-tuning off)");
    B = a->cur_B; T = a->cur_T; N = B * T; C = m->cfg.n_embd; F = gpt2__inner(&m->cfg);
    if (!a->fused) {
        gpt2__ce_ctx c;
        c.logits = a->logits; c.row_loss = a->row_loss; c.labels = a->labels; c.pos = m->pos; c.T = T; c.V = m->cfg.vocab_size;
        c.inv_count = 1.0f / a->count;
        c.v = lora_vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__ce_back_rows, &c);
    }
    a->has_forward = 0;
    low = gpt2__lowest_trainable_layer(m);
    memset(a->d_res, 0, sizeof(float) * (size_t)N * C);
    if (!a->fused && (s = gpt2__linear_backward(m, m->n_linears - 1, a->lnf, a->logits, a->d_ln, N)) != LORA_OK) return s;
    {
        int tw = m->n_tensors - 2, tb = m->n_tensors - 1;
        gpt2__layernorm_backward(m, a->d_ln, gpt2__layer_input(m, m->cfg.n_layer), gpt2__tensor_value(m, tw), a->lnf_mean,
                                 a->lnf_rstd, low < m->cfg.n_layer ? a->d_res : NULL, gpt2__tensor_grad(m, tw), gpt2__tensor_grad(m, tb), N);
    }
    for (l = m->cfg.n_layer - 1; l >= low; l--) {
        gpt2__layer_acts *la = &a->layers[l];
        const float *x = gpt2__layer_input(m, l);
        int mi = l * GPT2_LINEARS_PER_LAYER, need_dx = l > low || m->full;
        gpt2__gelu_forward(m, la->fch, a->gelu, N, F);
        if ((s = gpt2__linear_backward(m, mi + 3, a->gelu, a->d_res, a->d_fch, N)) != LORA_OK) return s;
        gpt2__gelu_backward(m, la->fch, a->d_fch, a->d_fch, N, F);
        if (gpt2__reads_input(m, mi + 2))   /* the same bits as the forward's (same input, same code) */
            gpt2__layernorm_forward(m, la->res2, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2B)),
                                    a->ln, la->ln2_mean, la->ln2_rstd, N);
        if ((s = gpt2__linear_backward(m, mi + 2, a->ln, a->d_fch, a->d_ln, N)) != LORA_OK) return s;
        gpt2__layernorm_backward(m, a->d_ln, la->res2, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), la->ln2_mean, la->ln2_rstd,
                                 a->d_res, gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN2B)), N);
        if ((s = gpt2__linear_backward(m, mi + 1, la->atty, a->d_res, a->d_atty, N)) != LORA_OK) return s;
        gpt2__attention_backward(m, la->qkv, a->d_atty, a->d_qkv, B, T);
        /* the lowest block: no input gradient below c_attn unless ln_1's parameters train */
        if (gpt2__reads_input(m, mi + 0))
            gpt2__layernorm_forward(m, x, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1B)),
                                    a->ln, la->ln1_mean, la->ln1_rstd, N);
        if ((s = gpt2__linear_backward(m, mi + 0, a->ln, a->d_qkv,
                                       need_dx || gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1W)) || gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1B))
                                       ? a->d_ln : NULL, N)) != LORA_OK) return s;
        if (need_dx || gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1W)) || gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1B)))
            gpt2__layernorm_backward(m, a->d_ln, x, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1W)), la->ln1_mean, la->ln1_rstd,
                                     need_dx ? a->d_res : NULL, gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1W)),
                                     gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1B)), N);
    }
    if (m->full) gpt2__encoder_backward(m, a->d_res, a->inputs, B, T);
    return LORA_OK;
}
