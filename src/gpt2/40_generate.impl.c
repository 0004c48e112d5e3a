/* ---- text generation: KV cache, matrix-vector products, sampling ----
   Decoding one token is a pass over all the weights with a single activation row: memory
   bound. The engine's matrix-vector kernels (lora_gemv) stream each weight matrix once
   (Conv1D layout, y = x W; up to GPT2__GEMV_MAX_ROWS activation rows share each load), or
   as row dot products (lm_head, y = W x). Every output element is reduced in a fixed order
   whatever the column range of its task and the number of rows, so results do not depend
   on the thread count. Longer prefills use lora_sgemm as gpt2_forward does, over
   chunks of GPT2__PREFILL_CHUNK rows. Keys are cached transposed, so that a new token's
   attention scores are a matrix-vector product as well. */

#define GPT2__PREFILL_CHUNK 256
#define GPT2__GEMV_TASKS_PER_THREAD 4
#define GPT2__GEMV_MAX_ROWS LORA_GEMV_MAX_ROWS /* up to this many new rows: matrix-vector kernels, else GEMM */

/* ---- the cache ---- */
struct gpt2_kv_cache {
    gpt2_config cfg;
    int max_T, len, chunk;
    const gpt2_model *model;     /* model and adapter the cached tokens were computed with */
    const lora_adapter *adapter;
    float *k;                    /* keys, transposed: (n_layer, n_head, head_dim, max_T) */
    float *v;                    /* values: (n_layer, n_head, max_T, head_dim) */
    float *work;                 /* chunk rows: x, res, ln, atty (C), qkv (3C), fch (F); mean, rstd; scores */
    float *x, *res, *ln, *atty, *qkv, *fch, *mean, *rstd;
    float *scores;               /* chunk x max_T attention probabilities (prefill) */
    float *h;                    /* LoRA hidden: chunk x h_r */
    int h_r;
    float *att;                  /* per thread: max_T attention scores (row-wise attention) */
    int att_threads;
    lora_pool *solo;             /* a 1-thread pool for models without one (keeps the GEMM workspace) */
    size_t bytes;
    lora_isa isa;                /* matrix-vector kernels for the current call (lora_gemv) */
    void *wscratch;              /* bf16 weights: lora_wmat_mul's scratch for chunk rows */
    size_t wscratch_bytes;
    const lora_vecops *vec;
};

LORA_API void gpt2_kv_free(gpt2_kv_cache *kv) {
    if (!kv) return;
    lora_free_aligned(kv->k);
    lora_free_aligned(kv->v);
    lora_free_aligned(kv->work);
    lora_free_aligned(kv->h);
    lora_free_aligned(kv->att);
    lora_free_aligned(kv->wscratch);
    lora_pool_destroy(kv->solo);
    lora_free(kv);
}

LORA_API lora_status gpt2_kv_create(const gpt2_model *m, int max_T, gpt2_kv_cache **out) {
    gpt2_kv_cache *kv;
    lora_status s;
    size_t C, F, L, kvf, rows, wf;
    if (!out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_kv_create: out is NULL");
    *out = NULL;
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_kv_create: model is NULL");
    if (max_T <= 0) max_T = m->cfg.n_positions;
    if (max_T > m->cfg.n_positions)
        return lora_fail(LORA_ERR_RANGE, "gpt2_kv_create: cache length %d exceeds the model's n_positions %d", max_T, m->cfg.n_positions);
    kv = (gpt2_kv_cache *)lora_calloc(1, sizeof *kv, "KV cache");
    if (!kv) return LORA_ERR_OOM;
    kv->cfg = m->cfg;
    kv->max_T = max_T;
    kv->chunk = max_T < GPT2__PREFILL_CHUNK ? max_T : GPT2__PREFILL_CHUNK;
    C = (size_t)m->cfg.n_embd; F = (size_t)gpt2__inner(&m->cfg); L = (size_t)m->cfg.n_layer;
    kvf = L * (size_t)max_T * C;
    rows = (size_t)kv->chunk;
    /* every buffer a multiple of 16 floats so all stay 64-byte aligned */
#define GPT2__R16(n) (((n) + 15) & ~(size_t)15)
    wf = 4 * GPT2__R16(rows * C) + GPT2__R16(rows * 3 * C) + GPT2__R16(rows * F) + 2 * GPT2__R16(rows) + GPT2__R16(rows * max_T);
    kv->k = (float *)lora_alloc_aligned(kvf * sizeof(float), "KV cache keys");
    kv->v = (float *)lora_alloc_aligned(kvf * sizeof(float), "KV cache values");
    kv->work = (float *)lora_alloc_aligned(wf * sizeof(float), "KV cache work buffers");
    if (!kv->k || !kv->v || !kv->work) { gpt2_kv_free(kv); return LORA_ERR_OOM; }
    kv->x = kv->work;
    kv->res = kv->x + GPT2__R16(rows * C);
    kv->ln = kv->res + GPT2__R16(rows * C);
    kv->atty = kv->ln + GPT2__R16(rows * C);
    kv->qkv = kv->atty + GPT2__R16(rows * C);
    kv->fch = kv->qkv + GPT2__R16(rows * 3 * C);
    kv->mean = kv->fch + GPT2__R16(rows * F);
    kv->rstd = kv->mean + GPT2__R16(rows);
    kv->scores = kv->rstd + GPT2__R16(rows);
#undef GPT2__R16
    if ((s = lora_pool_create(&kv->solo, 1)) != LORA_OK) { gpt2_kv_free(kv); return s; }
    kv->bytes = sizeof *kv + (2 * kvf + wf) * sizeof(float);
    *out = kv;
    return LORA_OK;
}

LORA_API void gpt2_kv_reset(gpt2_kv_cache *kv) {
    if (!kv) return;
    kv->len = 0;
    kv->model = NULL;
    kv->adapter = NULL;
}
LORA_API lora_status gpt2_kv_truncate(gpt2_kv_cache *kv, int n) {
    if (!kv) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_kv_truncate: cache is NULL");
    if (n < 0 || n > kv->len) return lora_fail(LORA_ERR_RANGE, "gpt2_kv_truncate: %d is outside [0, %d] (tokens cached)", n, kv->len);
    kv->len = n;
    if (n == 0) gpt2_kv_reset(kv);
    return LORA_OK;
}
LORA_API int gpt2_kv_length(const gpt2_kv_cache *kv) { return kv ? kv->len : 0; }
LORA_API int gpt2_kv_capacity(const gpt2_kv_cache *kv) { return kv ? kv->max_T : 0; }
LORA_API size_t gpt2_kv_memory(const gpt2_kv_cache *kv) { return kv ? kv->bytes : 0; }

/* Scratch that depends on the adapter's rank and the pool's thread count. */
static lora_status gpt2__kv_scratch(gpt2_kv_cache *kv, const gpt2_model *m) {
    int r = 0, i, threads = lora_pool_threads(m->pool);
    if (m->adapter)
        for (i = 0; i < m->adapter->n_modules; i++) if (m->adapter->modules[i].r > r) r = m->adapter->modules[i].r;
    if (r > kv->h_r) {
        float *h = (float *)lora_alloc_aligned((size_t)kv->chunk * r * sizeof(float), "KV cache LoRA buffer");
        if (!h) return LORA_ERR_OOM;
        lora_free_aligned(kv->h);
        kv->bytes += (size_t)kv->chunk * (r - kv->h_r) * sizeof(float);
        kv->h = h; kv->h_r = r;
    }
    if (threads > kv->att_threads) {
        size_t per = ((size_t)kv->max_T + 15) & ~(size_t)15;
        float *a = (float *)lora_alloc_aligned((size_t)threads * per * sizeof(float), "KV cache attention scores");
        if (!a) return LORA_ERR_OOM;
        lora_free_aligned(kv->att);
        kv->bytes += (size_t)(threads - kv->att_threads) * per * sizeof(float);
        kv->att = a; kv->att_threads = threads;
    }
    if (m->base_dtype == LORA_DT_BF16) {   /* products through bf16 weights: lora_wmat_mul's scratch */
        size_t need = 0, b;
        lora_pool *pool = m->pool ? m->pool : kv->solo;
        for (i = 0; i < m->n_linears; i++) {
            int tr;
            lora_wmat w = gpt2__module_wmat(m, i, &tr);
            if ((b = lora_wmat_mul_scratch(pool, kv->chunk, &w, tr)) > need) need = b;
        }
        if (need > kv->wscratch_bytes) {
            void *ws = lora_alloc_aligned(need, "KV cache bf16 scratch");
            if (!ws) return LORA_ERR_OOM;
            lora_free_aligned(kv->wscratch);
            kv->bytes += need - kv->wscratch_bytes;
            kv->wscratch = ws; kv->wscratch_bytes = need;
        }
    }
    return LORA_OK;
}

/* The pool for GEMMs: the model's, or the cache's own 1-thread one (which keeps its
   workspace between calls instead of allocating it each time). */
static lora_pool *gpt2__kv_pool(const gpt2_kv_cache *kv, const gpt2_model *m) { return m->pool ? m->pool : kv->solo; }

/* ---- a linear layer over a few rows: matrix-vector kernels over column tasks ---- */
typedef struct {
    lora_isa isa;
    const lora_vecops *v;
    int tr;                      /* W is (out, in): dot products */
    const float *x, *W;          /* x (N, in) */
    int N, in, out, chunk;
    const float *bias;
    const lora_module *lm;       /* with h (N, r) = x A^T */
    const float *h;
    const float *resid;          /* y = resid + y */
    int gelu;
    float *y;                    /* (N, out) */
} gpt2__gv_job;

static void gpt2__gv_task(void *vctx, int task, int thread) {
    gpt2__gv_job *g = (gpt2__gv_job *)vctx;
    int j0 = task * g->chunk, j1 = j0 + g->chunk, j, row;
    (void)thread;
    if (j1 > g->out) j1 = g->out;
    if (j0 >= j1) return;
    lora_gemv(g->isa, g->tr, g->N, g->in, g->x, g->in, g->W, g->tr ? g->in : g->out, j0, j1, g->y, g->out);
    for (row = 0; row < g->N; row++) {
        float *y = g->y + (size_t)row * g->out;
        if (g->bias) for (j = j0; j < j1; j++) y[j] += g->bias[j];
        if (g->lm) {
            const float *h = g->h + (size_t)row * g->lm->r;
            int r = g->lm->r;
            float s = g->lm->scaling;
            for (j = j0; j < j1; j++) y[j] += s * g->v->dot(g->lm->B + (size_t)j * r, h, r);
        }
        if (g->gelu) g->v->gelu(y + j0, y + j0, (size_t)(j1 - j0));
        if (g->resid) {
            const float *rs = g->resid + (size_t)row * g->out;
            for (j = j0; j < j1; j++) y[j] = rs[j] + y[j];
        }
    }
}

/* y (N, out) = x (N, in) W + b (+ LoRA), then gelu or + resid; N rows of the current chunk.
   Up to GPT2__GEMV_MAX_ROWS rows stream W once with the matrix-vector kernels; more use
   lora_sgemm as gpt2_forward does. */
static lora_status gpt2__gen_linear(gpt2_model *m, gpt2_kv_cache *kv, int mi, const float *x, float *y, int N,
                                    const float *resid, int gelu) {
    const gpt2_linear_info *li = &m->linears[mi];
    int tr, bi = gpt2__module_bias_tensor(m, mi);
    lora_wmat w = gpt2__module_wmat(m, mi, &tr);
    const float *W = (const float *)w.data;
    const float *bias = bi >= 0 ? gpt2__tensor_value(m, bi) : NULL;
    const lora_module *lm = lora_adapter_module(m->adapter, mi);
    lora_pool *pool = gpt2__kv_pool(kv, m);
    lora_status s;
    if (N <= GPT2__GEMV_MAX_ROWS && w.dtype == LORA_DT_F32) {
        gpt2__gv_job g;
        int threads = lora_pool_threads(m->pool), n_tasks = 1;
        if (lm) lora_gemv(kv->isa, 1, N, li->in, x, li->in, lm->A, li->in, 0, lm->r, kv->h, lm->r);
        g.isa = kv->isa; g.v = kv->vec; g.tr = tr; g.x = x; g.W = W; g.N = N; g.in = li->in; g.out = li->out;
        g.bias = bias; g.lm = lm; g.h = kv->h; g.resid = resid; g.gelu = gelu; g.y = y;
        g.chunk = li->out;
        if (threads > 1 && (double)li->in * li->out >= 65536.0) {
            int want = GPT2__GEMV_TASKS_PER_THREAD * threads;
            g.chunk = ((li->out + want - 1) / want + 15) & ~15;
            n_tasks = (li->out + g.chunk - 1) / g.chunk;
        }
        lora_pool_run(m->pool, gpt2__gv_task, &g, n_tasks);
        return LORA_OK;
    }
    if ((s = lora_wmat_mul(pool, N, x, li->in, &w, tr, 0, y, li->out, kv->wscratch, kv->wscratch_bytes)) != LORA_OK) return s;
    if (bias) {
        gpt2__bias_ctx b;
        b.y = y; b.b = bias; b.W = li->out; b.v = lora_vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__bias_rows, &b);
    }
    if (lm) {
        lora_sgemm(pool, 0, 1, N, lm->r, li->in, 1.0f, x, li->in, lm->A, li->in, 0.0f, kv->h, lm->r);
        lora_sgemm(pool, 0, 1, N, li->out, lm->r, lm->scaling, kv->h, lm->r, lm->B, lm->r, 1.0f, y, li->out);
    }
    if (gelu) gpt2__gelu_forward(m, y, y, N, li->out);
    if (resid) gpt2__residual_forward(m, resid, y, y, N);
    return LORA_OK;
}

/* ---- attention of n new rows (positions pos0 ..) over the cache ---- */
typedef struct { gpt2_kv_cache *kv; int layer, n, pos0, L; float *S; } gpt2__gatt_ctx;

/* softmax over p[0..valid), zeros up to width (as gpt2_forward) */
static void gpt2__softmax_causal(const lora_vecops *v, float *p, int valid, int width) {
    int j;
    v->scale(p, valid, 1.0f / v->exp_sum(p, p, valid, v->max(p, valid)));
    for (j = valid; j < width; j++) p[j] = 0.0f;
}

/* a few rows: one task per head, row by row with the matrix-vector kernels */
static void gpt2__gen_att_task(void *vctx, int h, int thread) {
    gpt2__gatt_ctx *c = (gpt2__gatt_ctx *)vctx;
    gpt2_kv_cache *kv = c->kv;
    int H = kv->cfg.n_head, C = kv->cfg.n_embd, D = C / H, i;
    size_t hoff = ((size_t)c->layer * H + h) * kv->max_T * D;
    const float *Kh = kv->k + hoff, *Vh = kv->v + hoff;
    float *S = kv->att + (size_t)thread * (((size_t)kv->max_T + 15) & ~(size_t)15);
    float scale = 1.0f / sqrtf((float)D);
    for (i = 0; i < c->n; i++) {
        int L = c->pos0 + i + 1;
        lora_gemv(kv->isa, 0, 1, D, kv->qkv + (size_t)i * 3 * C + (size_t)h * D, D, Kh, kv->max_T, 0, L, S, L);
        kv->vec->scale(S, L, scale);
        gpt2__softmax_causal(kv->vec, S, L, L);
        lora_gemv(kv->isa, 0, 1, L, S, L, Vh, D, 0, D, kv->atty + (size_t)i * C + (size_t)h * D, C);
    }
}
static void gpt2__gen_softmax_rows(void *vctx, int r0, int r1) {
    gpt2__gatt_ctx *c = (gpt2__gatt_ctx *)vctx;
    int i;
    for (i = r0; i < r1; i++) gpt2__softmax_causal(c->kv->vec, c->S + (size_t)i * c->L, c->pos0 + i + 1, c->L);
}
static void gpt2__gen_attention(gpt2_model *m, gpt2_kv_cache *kv, int layer, int n, int pos0) {
    int H = m->cfg.n_head, C = m->cfg.n_embd, D = C / H, L = pos0 + n, h;
    gpt2__gatt_ctx c;
    lora_pool *pool = gpt2__kv_pool(kv, m);
    c.kv = kv; c.layer = layer; c.n = n; c.pos0 = pos0; c.L = L; c.S = kv->scores;
    if (n <= GPT2__GEMV_MAX_ROWS) {
        lora_pool_run(m->pool, gpt2__gen_att_task, &c, H);
        return;
    }
    /* many rows: per head, GEMMs over the pool (as gpt2_forward) */
    for (h = 0; h < H; h++) {
        size_t hoff = ((size_t)layer * H + h) * kv->max_T * D;
        lora_sgemm(pool, 0, 0, n, L, D, 1.0f / sqrtf((float)D), kv->qkv + (size_t)h * D, 3 * C, kv->k + hoff, kv->max_T, 0.0f, c.S, L);
        gpt2__parallel_rows(m->pool, n, gpt2__gen_softmax_rows, &c);
        lora_sgemm(pool, 0, 0, n, D, L, 1.0f, c.S, L, kv->v + hoff, D, 0.0f, kv->atty + (size_t)h * D, C);
    }
}

/* Runs n (<= chunk) tokens through the layers, appending their keys and values; the last
   hidden states are left in kv->x. */
static lora_status gpt2__gen_chunk(gpt2_model *m, gpt2_kv_cache *kv, const int32_t *tokens, int n) {
    int C = m->cfg.n_embd, H = m->cfg.n_head, D = C / H, pos0 = kv->len, l, r, h;
    const float *wte = gpt2__t(m, 0), *wpe = gpt2__t(m, 1);
    lora_status s;
    for (r = 0; r < n; r++) {
        const float *b = wpe + (size_t)(pos0 + r) * C;
        float *o = kv->x + (size_t)r * C;
        int i;
        if (wte) { const float *a = wte + (size_t)tokens[r] * C; for (i = 0; i < C; i++) o[i] = a[i] + b[i]; }
        else { lora_bf16_to_f32_n(gpt2__tb(m, 0) + (size_t)tokens[r] * C, o, (size_t)C); for (i = 0; i < C; i++) o[i] += b[i]; }
    }
    for (l = 0; l < m->cfg.n_layer; l++) {
        int mi = l * GPT2_LINEARS_PER_LAYER;
        gpt2__layernorm_forward(m, kv->x, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1B)),
                                kv->ln, kv->mean, kv->rstd, n);
        if ((s = gpt2__gen_linear(m, kv, mi + 0, kv->ln, kv->qkv, n, NULL, 0)) != LORA_OK) return s;
        for (r = 0; r < n; r++)
            for (h = 0; h < H; h++) {
                size_t head = ((size_t)l * H + h) * kv->max_T * D, t = (size_t)(pos0 + r);
                const float *src = kv->qkv + (size_t)r * 3 * C + (size_t)h * D;
                float *kt = kv->k + head + t;
                int d;
                for (d = 0; d < D; d++) kt[(size_t)d * kv->max_T] = src[C + d];
                memcpy(kv->v + head + t * D, src + 2 * C, sizeof(float) * (size_t)D);
            }
        gpt2__gen_attention(m, kv, l, n, pos0);
        if ((s = gpt2__gen_linear(m, kv, mi + 1, kv->atty, kv->res, n, kv->x, 0)) != LORA_OK) return s;
        gpt2__layernorm_forward(m, kv->res, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2B)),
                                kv->ln, kv->mean, kv->rstd, n);
        if ((s = gpt2__gen_linear(m, kv, mi + 2, kv->ln, kv->fch, n, NULL, 1)) != LORA_OK) return s;
        if ((s = gpt2__gen_linear(m, kv, mi + 3, kv->fch, kv->x, n, kv->res, 0)) != LORA_OK) return s;
    }
    kv->len += n;
    return LORA_OK;
}

LORA_API lora_status gpt2_forward_cached(gpt2_model *m, gpt2_kv_cache *kv, const int32_t *tokens, int n_new,
                                         float *logits_last) {
    const gpt2_config *c;
    lora_status s;
    int i, done, n = 0;
    if (!m || !kv || !tokens) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: NULL argument");
    c = &m->cfg;
    if (n_new <= 0) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: n_new %d must be positive", n_new);
    if (kv->cfg.n_layer != c->n_layer || kv->cfg.n_head != c->n_head || kv->cfg.n_embd != c->n_embd ||
        kv->cfg.vocab_size != c->vocab_size || gpt2__inner(&kv->cfg) != gpt2__inner(c) || kv->max_T > c->n_positions)
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: the cache was made for a model of other shapes");
    if (kv->len > 0 && (kv->model != m || kv->adapter != m->adapter))
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: the cached tokens were computed with another %s; call gpt2_kv_reset",
                          kv->model != m ? "model" : "adapter");
    if (n_new > kv->max_T - kv->len)
        return lora_fail(LORA_ERR_RANGE, "gpt2_forward_cached: %d cached + %d new tokens exceed the cache length %d (n_positions %d)",
                          kv->len, n_new, kv->max_T, c->n_positions);
    for (i = 0; i < n_new; i++)
        if (tokens[i] < 0 || tokens[i] >= c->vocab_size)
            return lora_fail(LORA_ERR_RANGE, "gpt2_forward_cached: token id %ld at position %d is outside the vocabulary [0, %d)",
                              (long)tokens[i], i, c->vocab_size);
    if ((s = gpt2__kv_scratch(kv, m)) != LORA_OK) return s;
    kv->isa = lora_pool_isa(gpt2__kv_pool(kv, m));
    kv->vec = lora_vec(gpt2__kv_pool(kv, m));
    kv->model = m;
    kv->adapter = m->adapter;
    for (done = 0; done < n_new; done += n) {
        n = n_new - done < kv->chunk ? n_new - done : kv->chunk;
        if ((s = gpt2__gen_chunk(m, kv, tokens + done, n)) != LORA_OK) return s;
    }
    if (logits_last) {
        const float *last = kv->x + (size_t)(n - 1) * c->n_embd;
        gpt2__layernorm_forward(m, last, gpt2__tensor_value(m, m->n_tensors - 2), gpt2__tensor_value(m, m->n_tensors - 1),
                                kv->ln, kv->mean, kv->rstd, 1);
        if ((s = gpt2__gen_linear(m, kv, m->n_linears - 1, kv->ln, logits_last, 1, NULL, 0)) != LORA_OK) return s;
    }
    return LORA_OK;
}
