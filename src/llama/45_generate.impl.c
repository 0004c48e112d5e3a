/* ---- KV-cache inference: new tokens appended to a cache of keys (after q/k norm and RoPE) and
   values, the same computation as the forward for those positions ---- */
#define LLAMA__KV_CHUNK 64
typedef struct llama__kv {
    llama_config cfg;
    int max_T, len, chunk;
    float *k, *v;                  /* (L, KV, max_T, D) */
    float *work;
    float *x, *res, *ln, *q, *kn, *vn, *atty, *gate, *up, *act, *rstd, *cos, *sin, *h, *d_unused;
    float *scores;                 /* (H, max_T) */
    int h_r;
    const llama_model *model;
    const lora_adapter *adapter;
    size_t bytes;
} llama__kv;

static void llama__kv_free(llama__kv *kv) {
    if (!kv) return;
    lora_free_aligned(kv->k);
    lora_free_aligned(kv->v);
    lora_free_aligned(kv->work);
    lora_free_aligned(kv->h);
    lora_free(kv);
}

static lora_status llama__kv_create(const llama_model *m, int max_T, llama__kv **out) {
    const llama_config *c = &m->cfg;
    llama__kv *kv;
    size_t rows, C, I, QD, KD, kvf, wf, off = 0;
    *out = NULL;
    if (max_T <= 0) max_T = c->max_position_embeddings;
    if (max_T > c->max_position_embeddings)
        return lora_fail(LORA_ERR_RANGE, "llama KV cache: length %d exceeds max_position_embeddings %d", max_T, c->max_position_embeddings);
    if (!(kv = (llama__kv *)lora_calloc(1, sizeof *kv, "KV cache"))) return LORA_ERR_OOM;
    kv->cfg = *c;
    kv->max_T = max_T;
    kv->chunk = max_T < LLAMA__KV_CHUNK ? max_T : LLAMA__KV_CHUNK;
    rows = (size_t)kv->chunk; C = (size_t)c->hidden_size; I = (size_t)c->intermediate_size;
    QD = (size_t)c->n_head * c->head_dim; KD = (size_t)c->n_kv_head * c->head_dim;
    kvf = (size_t)c->n_layer * (size_t)max_T * KD;
#define LLAMA__R16(n) (((n) + 15) & ~(size_t)15)
    wf = 3 * LLAMA__R16(rows * C) + 2 * LLAMA__R16(rows * QD) + 2 * LLAMA__R16(rows * KD) + 3 * LLAMA__R16(rows * I) +
         LLAMA__R16(rows * (size_t)c->n_head) + 2 * LLAMA__R16(rows * (size_t)(c->head_dim / 2)) + LLAMA__R16((size_t)c->n_head * max_T);
    kv->k = (float *)lora_alloc_aligned(kvf * sizeof(float), "KV cache keys");
    kv->v = (float *)lora_alloc_aligned(kvf * sizeof(float), "KV cache values");
    kv->work = (float *)lora_alloc_aligned(wf * sizeof(float), "KV cache work buffers");
    if (!kv->k || !kv->v || !kv->work) { llama__kv_free(kv); return LORA_ERR_OOM; }
#define LLAMA__W(p, n) (p = kv->work + off, off += LLAMA__R16(n))
    LLAMA__W(kv->x, rows * C); LLAMA__W(kv->res, rows * C); LLAMA__W(kv->ln, rows * C);
    LLAMA__W(kv->q, rows * QD); LLAMA__W(kv->atty, rows * QD); LLAMA__W(kv->kn, rows * KD); LLAMA__W(kv->vn, rows * KD);
    LLAMA__W(kv->gate, rows * I); LLAMA__W(kv->up, rows * I); LLAMA__W(kv->act, rows * I);
    LLAMA__W(kv->rstd, rows * (size_t)c->n_head);
    LLAMA__W(kv->cos, rows * (size_t)(c->head_dim / 2)); LLAMA__W(kv->sin, rows * (size_t)(c->head_dim / 2));
    LLAMA__W(kv->scores, (size_t)c->n_head * max_T);
#undef LLAMA__W
#undef LLAMA__R16
    kv->bytes = sizeof *kv + (2 * kvf + wf) * sizeof(float);
    *out = kv;
    return LORA_OK;
}

static void llama__kv_linear(llama_model *m, llama__kv *kv, int mi, const float *x, float *y, int n) {
    lora_linear L;
    memset(&L, 0, sizeof L);
    L.W = llama__t(m, m->lin_w[mi]);
    L.in = m->descs[mi].in; L.out = m->descs[mi].out;
    L.bias = llama__value(m, m->lin_b[mi]);
    L.lm = lora_adapter_module(m->adapter, mi);
    L.h = kv->h;
    lora_linear_forward(m->pool, &L, x, y, n);
}

typedef struct { llama_model *m; llama__kv *kv; int layer, n, pos0, window; const lora_vecops *v; lora_isa isa; } llama__katt_ctx;
static void llama__kv_att_task(void *vctx, int h, int thread) {
    llama__katt_ctx *c = (llama__katt_ctx *)vctx;
    llama__kv *kv = c->kv;
    const llama_config *cf = &kv->cfg;
    int D = cf->head_dim, KV = cf->n_kv_head, g = h / (cf->n_head / KV), i;
    size_t base = ((size_t)c->layer * KV + g) * kv->max_T * D;
    float scale = (float)pow((double)D, -0.5), *S = kv->scores + (size_t)h * kv->max_T;
    (void)thread;
    for (i = 0; i < c->n; i++) {
        int qpos = c->pos0 + i, lo = 0, L;
        const float *q = kv->q + ((size_t)i * cf->n_head + h) * D;
        float *o = kv->atty + ((size_t)i * cf->n_head + h) * D, mx, inv;
        if (c->window > 0 && qpos - c->window + 1 > lo) lo = qpos - c->window + 1;
        L = qpos + 1 - lo;
        /* scores = (k_t . q) * scale for the allowed keys, softmax, then o = sum_t p_t v_t */
        lora_gemv(c->isa, 1, 1, D, q, D, kv->k + base + (size_t)lo * D, D, 0, L, S, L);
        c->v->scale(S, L, scale);
        mx = c->v->max(S, L);
        inv = 1.0f / c->v->exp_sum(S, S, L, mx);
        c->v->scale(S, L, inv);
        lora_gemv(c->isa, 0, 1, L, S, L, kv->v + base + (size_t)lo * D, D, 0, D, o, D);
    }
}

static void llama__kv_chunk(llama_model *m, llama__kv *kv, const int32_t *tokens, int n) {
    const llama_config *c = &m->cfg;
    const lora_vecops *v = lora_vec(m->pool);
    int C = c->hidden_size, D = c->head_dim, H = c->n_head, KV = c->n_kv_head, half = D / 2, pos0 = kv->len, l, r, h, i;
    const float *E = llama__t(m, m->t_embed);
    for (r = 0; r < n; r++) {
        memcpy(kv->x + (size_t)r * C, E + (size_t)tokens[r] * C, sizeof(float) * (size_t)C);
        for (i = 0; i < half; i++) {
            float f = (float)(pos0 + r) * m->rope_inv_freq[i];
            kv->cos[(size_t)r * half + i] = cosf(f);
            kv->sin[(size_t)r * half + i] = sinf(f);
        }
    }
    for (l = 0; l < c->n_layer; l++) {
        int mi = l * LLAMA_LINEARS_PER_LAYER;
        llama__katt_ctx ac;
        llama__rms_forward(m, kv->x, llama__t(m, llama__L(m, l, LLAMA__LN1)), kv->ln, kv->rstd, n, C);
        llama__kv_linear(m, kv, mi + 0, kv->ln, kv->q, n);
        llama__kv_linear(m, kv, mi + 1, kv->ln, kv->kn, n);
        llama__kv_linear(m, kv, mi + 2, kv->ln, kv->vn, n);
        if (llama__qk_norm(c)) {
            llama__rms_forward(m, kv->q, llama__t(m, llama__L(m, l, LLAMA__QN)), kv->q, kv->rstd, n * H, D);
            llama__rms_forward(m, kv->kn, llama__t(m, llama__L(m, l, LLAMA__KN)), kv->kn, kv->rstd, n * KV, D);
        }
        for (r = 0; r < n; r++) {
            const float *cs = kv->cos + (size_t)r * half, *sn = kv->sin + (size_t)r * half;
            for (h = 0; h < H; h++) v->rope(kv->q + ((size_t)r * H + h) * D, kv->q + ((size_t)r * H + h) * D, cs, sn, half, 0);
            for (h = 0; h < KV; h++) {
                size_t dst = (((size_t)l * KV + h) * kv->max_T + (size_t)(pos0 + r)) * D;
                v->rope(kv->kn + ((size_t)r * KV + h) * D, kv->k + dst, cs, sn, half, 0);
                memcpy(kv->v + dst, kv->vn + ((size_t)r * KV + h) * D, sizeof(float) * (size_t)D);
            }
        }
        ac.m = m; ac.kv = kv; ac.layer = l; ac.n = n; ac.pos0 = pos0; ac.window = llama_config_layer_window(c, l); ac.v = v; ac.isa = lora_pool_isa(m->pool);
        lora_pool_run(m->pool, llama__kv_att_task, &ac, H);
        llama__kv_linear(m, kv, mi + 3, kv->atty, kv->res, n);
        llama__addrows(m, kv->x, kv->res, kv->res, n, C);
        llama__rms_forward(m, kv->res, llama__t(m, llama__L(m, l, LLAMA__LN2)), kv->ln, kv->rstd, n, C);
        llama__kv_linear(m, kv, mi + 4, kv->ln, kv->gate, n);
        llama__kv_linear(m, kv, mi + 5, kv->ln, kv->up, n);
        llama__swiglu(m, kv->gate, kv->up, kv->act, n);
        llama__kv_linear(m, kv, mi + 6, kv->act, kv->x, n);
        llama__addrows(m, kv->res, kv->x, kv->x, n, C);
    }
    kv->len += n;
}

static lora_status llama__forward_cached(llama_model *m, llama__kv *kv, const int32_t *tokens, int n_new, float *logits_last) {
    const llama_config *c = &m->cfg;
    int i, done, n = 0, r = llama__adapter_rank(m->adapter);
    if (!kv || !tokens) return lora_fail(LORA_ERR_INVALID_ARG, "llama forward_cached: NULL argument");
    if (n_new <= 0) return lora_fail(LORA_ERR_INVALID_ARG, "llama forward_cached: n_new %d must be positive", n_new);
    if (kv->cfg.n_layer != c->n_layer || kv->cfg.hidden_size != c->hidden_size || kv->cfg.n_kv_head != c->n_kv_head ||
        kv->cfg.head_dim != c->head_dim || kv->cfg.n_head != c->n_head || kv->cfg.intermediate_size != c->intermediate_size ||
        kv->cfg.vocab_size != c->vocab_size)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama forward_cached: the cache was made for a model of other shapes");
    if (kv->len > 0 && (kv->model != m || kv->adapter != m->adapter))
        return lora_fail(LORA_ERR_INVALID_ARG, "llama forward_cached: the cached tokens were computed with another %s; reset the cache",
                         kv->model != m ? "model" : "adapter");
    if (n_new > kv->max_T - kv->len)
        return lora_fail(LORA_ERR_RANGE, "llama forward_cached: %d cached + %d new tokens exceed the cache length %d", kv->len, n_new, kv->max_T);
    for (i = 0; i < n_new; i++)
        if (tokens[i] < 0 || tokens[i] >= c->vocab_size)
            return lora_fail(LORA_ERR_RANGE, "llama forward_cached: token id %ld at position %d is outside the vocabulary [0, %d)",
                             (long)tokens[i], i, c->vocab_size);
    if (r > kv->h_r) {
        float *h = (float *)lora_alloc_aligned((size_t)kv->chunk * r * sizeof(float), "KV cache LoRA buffer");
        if (!h) return LORA_ERR_OOM;
        lora_free_aligned(kv->h);
        kv->bytes += (size_t)kv->chunk * (size_t)(r - kv->h_r) * sizeof(float);
        kv->h = h; kv->h_r = r;
    }
    kv->model = m;
    kv->adapter = m->adapter;
    for (done = 0; done < n_new; done += n) {
        n = n_new - done < kv->chunk ? n_new - done : kv->chunk;
        llama__kv_chunk(m, kv, tokens + done, n);
    }
    if (logits_last) {
        const float *last = kv->x + (size_t)(n - 1) * c->hidden_size;
        llama__rms_forward(m, last, llama__t(m, m->t_norm), kv->ln, kv->rstd, 1, c->hidden_size);
        llama__kv_linear(m, kv, m->n_linears - 1, kv->ln, logits_last, 1);
    }
    return LORA_OK;
}
