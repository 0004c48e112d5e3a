/* ---- shared layer pieces for model headers (rows over the pool, linear + LoRA, loss) ---- */
typedef struct { lora_rows_fn fn; void *ctx; int n; } lora__rows_job;
static void lora__rows_task(void *ctx, int task, int thread) {
    lora__rows_job *j = (lora__rows_job *)ctx;
    int r0 = task * LORA_ROWS_PER_TASK, r1 = r0 + LORA_ROWS_PER_TASK;
    (void)thread;
    if (r1 > j->n) r1 = j->n;
    j->fn(j->ctx, r0, r1);
}
LORA_API void lora_parallel_rows(lora_pool *pool, int n, lora_rows_fn fn, void *ctx) {
    lora__rows_job j;
    if (n <= 0 || !fn) return;
    j.fn = fn; j.ctx = ctx; j.n = n;
    lora_pool_run(pool, lora__rows_task, &j, (n + LORA_ROWS_PER_TASK - 1) / LORA_ROWS_PER_TASK);
}

typedef struct { float *y; const float *b; int W; const lora_vecops *v; } lora__lbias_ctx;
static void lora__lbias_rows(void *vctx, int r0, int r1) {
    lora__lbias_ctx *g = (lora__lbias_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) g->v->acc(g->y + (size_t)r * g->W, g->b, (size_t)g->W);
}
/* dropout of the LoRA input: the mask of row r comes from its own stream (thread independent) */
typedef struct { const float *x; float *xd; unsigned char *mask; int W; float p; uint64_t seed; const lora_vecops *v; } lora__ldrop_ctx;
static void lora__ldrop_rows(void *vctx, int r0, int r1) {
    lora__ldrop_ctx *d = (lora__ldrop_ctx *)vctx;
    float scale = 1.0f / (1.0f - d->p);
    int r;
    for (r = r0; r < r1; r++) {
        lora_rng rng;
        const size_t o = (size_t)r * d->W;
        lora_rng_seed(&rng, d->seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(r + 1)));
        lora_rng_keep_mask(&rng, d->mask + o, d->W, d->p);
        d->v->mask_scale(d->x + o, d->mask + o, d->xd + o, (size_t)d->W, scale);
    }
}
static void lora__lmask_rows(void *vctx, int r0, int r1) {
    lora__ldrop_ctx *d = (lora__ldrop_ctx *)vctx;
    const size_t o = (size_t)r0 * d->W;
    d->v->mask_scale(d->x + o, d->mask + o, d->xd + o, (size_t)(r1 - r0) * d->W, 1.0f / (1.0f - d->p));
}

/* a few rows (decoding): the weight streamed once by the matrix-vector kernels, columns split
   between tasks (each element's sum has one fixed order, so any split gives the same bits) */
typedef struct { const lora_linear *L; const float *x, *h; float *y; int N, chunk; lora_isa isa; const lora_vecops *v; } lora__gv_job;
static void lora__gv_task(void *vctx, int task, int thread) {
    lora__gv_job *g = (lora__gv_job *)vctx;
    const lora_linear *L = g->L;
    int j0 = task * g->chunk, j1 = j0 + g->chunk, j, row, tr = !L->w_in_out;
    (void)thread;
    if (j1 > L->out) j1 = L->out;
    if (j0 >= j1) return;
    lora_gemv(g->isa, tr, g->N, L->in, g->x, L->in, L->W, tr ? L->in : L->out, j0, j1, g->y, L->out);
    for (row = 0; row < g->N; row++) {
        float *y = g->y + (size_t)row * L->out;
        if (L->bias) for (j = j0; j < j1; j++) y[j] += L->bias[j];
        if (L->lm) {
            const float *h = g->h + (size_t)row * L->lm->r;
            for (j = j0; j < j1; j++) y[j] += L->lm->scaling * g->v->dot(L->lm->B + (size_t)j * L->lm->r, h, L->lm->r);
        }
    }
}

LORA_API lora_wmat lora_linear_wmat(const lora_linear *L) {
    lora_wmat w;
    int tr = !L->w_in_out;
    w.dtype = L->W_bf16 ? LORA_DT_BF16 : LORA_DT_F32;
    w.rows = tr ? L->out : L->in;
    w.cols = tr ? L->in : L->out;
    w.data = L->W_bf16 ? (const void *)L->W_bf16 : (const void *)L->W;
    return w;
}
LORA_API size_t lora_linear_scratch(const lora_pool *pool, const lora_linear *L, int N) {
    lora_wmat w = lora_linear_wmat(L);
    size_t f, b;
    int tr = !L->w_in_out;
    if (!L->W_bf16 || N <= 0) return 0;
    f = lora_wmat_mul_scratch(pool, N, &w, tr);
    b = lora_wmat_mul_scratch(pool, N, &w, !tr);
    return f > b ? f : b;
}

LORA_API lora_status lora_linear_forward(lora_pool *pool, const lora_linear *L, const float *x, float *y, int N) {
    const lora_module *lm = L->lm;
    int tr = !L->w_in_out;
    if (L->W_bf16) {
        lora_wmat w = lora_linear_wmat(L);
        lora_status s = lora_wmat_mul(pool, N, x, L->in, &w, tr, 0, y, L->out, L->ws, L->ws_bytes);
        if (s != LORA_OK) return s;   /* then the bias and the LoRA branch as below */
    } else if (N <= LORA_GEMV_MAX_ROWS && !(L->dropout > 0.0f && L->mask)) {
        lora__gv_job g;
        int threads = lora_pool_threads(pool), n_tasks = 1;
        g.L = L; g.x = x; g.h = L->h; g.y = y; g.N = N; g.isa = lora_pool_isa(pool); g.v = lora_vec(pool);
        if (lm) lora_gemv(g.isa, 1, N, L->in, x, L->in, lm->A, L->in, 0, lm->r, L->h, lm->r);
        g.chunk = L->out;
        if (threads > 1 && (double)L->in * L->out >= 65536.0) {
            int want = 4 * threads;
            g.chunk = ((L->out + want - 1) / want + 15) & ~15;
            n_tasks = (L->out + g.chunk - 1) / g.chunk;
        }
        lora_pool_run(pool, lora__gv_task, &g, n_tasks);
        return LORA_OK;
    } else {
        lora_sgemm(pool, 0, tr, N, L->out, L->in, 1.0f, x, L->in, L->W, tr ? L->in : L->out, 0.0f, y, L->out);
    }
    if (L->bias) {
        lora__lbias_ctx g;
        g.y = y; g.b = L->bias; g.W = L->out; g.v = lora_vec(pool);
        lora_parallel_rows(pool, N, lora__lbias_rows, &g);
    }
    if (lm) {
        const float *xin = x;
        if (L->dropout > 0.0f && L->mask) {
            lora__ldrop_ctx d;
            d.x = x; d.xd = L->scratch_in; d.mask = L->mask; d.W = L->in; d.p = L->dropout; d.seed = L->dropout_seed;
            d.v = lora_vec(pool);
            lora_parallel_rows(pool, N, lora__ldrop_rows, &d);
            xin = L->scratch_in;
        }
        lora_sgemm(pool, 0, 1, N, lm->r, L->in, 1.0f, xin, L->in, lm->A, L->in, 0.0f, L->h, lm->r);
        lora_sgemm(pool, 0, 1, N, L->out, lm->r, lm->scaling, L->h, lm->r, lm->B, lm->r, 1.0f, y, L->out);
    }
    return LORA_OK;
}

typedef struct { const float *dy; float *db; int N, W; const lora_vecops *v; } lora__bgrad_ctx;
static void lora__bgrad_cols(void *vctx, int c0, int c1) {
    lora__bgrad_ctx *g = (lora__bgrad_ctx *)vctx;
    int r;
    for (r = 0; r < g->N; r++) g->v->ln_wgrad(g->dy + (size_t)r * g->W + c0, g->dy, NULL, g->db + c0, c1 - c0, 0.0f, 1.0f);
}
LORA_API void lora_bias_grad(lora_pool *pool, const float *dy, float *db, int N, int width) {
    lora__bgrad_ctx g;
    if (!db) return;
    g.dy = dy; g.db = db; g.N = N; g.W = width; g.v = lora_vec(pool);
    lora_parallel_rows(pool, width, lora__bgrad_cols, &g);
}

LORA_API lora_status lora_linear_backward(lora_pool *pool, const lora_linear *L, const float *x, const float *dy, float *dx,
                                          float *dW, float *db, int N) {
    const lora_module *lm = L->lm;
    int tr = !L->w_in_out, in = L->in, out = L->out;
    if (L->W_bf16 && dW)
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_linear_backward: a bf16 weight has no gradient (frozen weights only)");
    if (L->W_bf16 && dx) {   /* before anything accumulates: a failure changes nothing */
        lora_wmat w = lora_linear_wmat(L);
        lora_status s = lora_wmat_mul(pool, N, dy, out, &w, !tr, 0, dx, in, L->ws, L->ws_bytes);
        if (s != LORA_OK) return s;
    }
    if (dW) {
        if (tr) lora_sgemm(pool, 1, 0, out, in, N, 1.0f, dy, out, x, in, 1.0f, dW, in);
        else lora_sgemm(pool, 1, 0, in, out, N, 1.0f, x, in, dy, out, 1.0f, dW, out);
    }
    if (db) lora_bias_grad(pool, dy, db, N, out);
    if (dx && !L->W_bf16) lora_sgemm(pool, 0, tr ? 0 : 1, N, in, out, 1.0f, dy, out, L->W, tr ? in : out, 0.0f, dx, in);
    if (lm) {
        const float *xin = x;
        int masked = L->dropout > 0.0f && L->mask;
        lora__ldrop_ctx d;
        d.x = x; d.xd = L->scratch_in; d.mask = L->mask; d.W = in; d.p = L->dropout; d.seed = 0; d.v = lora_vec(pool);
        if (masked) { lora_parallel_rows(pool, N, lora__lmask_rows, &d); xin = L->scratch_in; }
        lora_sgemm(pool, 1, 0, out, lm->r, N, lm->scaling, dy, out, L->h, lm->r, 1.0f, lm->dB, lm->r);
        lora_sgemm(pool, 0, 0, N, lm->r, out, lm->scaling, dy, out, lm->B, lm->r, 0.0f, L->d_h, lm->r);
        lora_sgemm(pool, 1, 0, lm->r, in, N, 1.0f, L->d_h, lm->r, xin, in, 1.0f, lm->dA, in);
        if (dx) {
            if (masked) {
                lora_sgemm(pool, 0, 0, N, in, lm->r, 1.0f, L->d_h, lm->r, lm->A, in, 0.0f, L->scratch_in, in);
                d.x = L->scratch_in; d.xd = L->scratch_in;
                lora_parallel_rows(pool, N, lora__lmask_rows, &d);
                {
                    const lora_vecops *v = lora_vec(pool);
                    v->acc(dx, L->scratch_in, (size_t)N * in);
                }
            } else {
                lora_sgemm(pool, 0, 0, N, in, lm->r, 1.0f, L->d_h, lm->r, lm->A, in, 1.0f, dx, in);
            }
        }
    }
    return LORA_OK;
}

LORA_API int32_t lora_target_label(const int32_t *labels, const int32_t *positions, int r, int T) {
    return (r % T == T - 1 || (positions && positions[r + 1] == 0)) ? LORA_IGNORE_LABEL : labels[r + 1];
}

typedef struct { float *logits, *row_loss; const int32_t *labels, *pos; int T, V; float inv_count; const lora_vecops *v; } lora__ce_ctx;
static void lora__ce_rows(void *vctx, int r0, int r1) {
    lora__ce_ctx *c = (lora__ce_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) {
        const float *x = c->logits + (size_t)r * c->V;
        int t = lora_target_label(c->labels, c->pos, r, c->T);
        float mx;
        if (t == LORA_IGNORE_LABEL) { c->row_loss[r] = 0.0f; continue; }
        mx = c->v->max(x, c->V);
        c->row_loss[r] = (float)((double)mx + log((double)c->v->exp_sum(x, NULL, c->V, mx)) - (double)x[t]);
    }
}
static void lora__ce_back_rows(void *vctx, int r0, int r1) {
    lora__ce_ctx *c = (lora__ce_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) {
        float *x = c->logits + (size_t)r * c->V, mx;
        int t = lora_target_label(c->labels, c->pos, r, c->T);
        if (t == LORA_IGNORE_LABEL) { memset(x, 0, sizeof(float) * (size_t)c->V); continue; }
        mx = c->v->max(x, c->V);
        c->v->scale(x, c->V, c->inv_count / c->v->exp_sum(x, x, c->V, mx));
        x[t] -= c->inv_count;
    }
}
LORA_API int lora_cross_entropy(lora_pool *pool, const float *logits, const int32_t *labels, const int32_t *positions,
                                int B, int T, int V, float *row_loss, double *sum) {
    lora__ce_ctx c;
    int N = B * T, r, count = 0;
    double s = 0.0;
    for (r = 0; r < N; r++) count += lora_target_label(labels, positions, r, T) != LORA_IGNORE_LABEL;
    c.logits = (float *)logits; c.row_loss = row_loss; c.labels = labels; c.pos = positions; c.T = T; c.V = V;
    c.inv_count = 0.0f; c.v = lora_vec(pool);
    lora_parallel_rows(pool, N, lora__ce_rows, &c);
    for (r = 0; r < N; r++) s += row_loss[r];
    if (sum) *sum = s;
    return count;
}
LORA_API void lora_cross_entropy_backward(lora_pool *pool, float *logits, const int32_t *labels,
                                          const int32_t *positions, int B, int T, int V, int count) {
    lora__ce_ctx c;
    c.logits = logits; c.row_loss = NULL; c.labels = labels; c.pos = positions; c.T = T; c.V = V;
    c.inv_count = count > 0 ? 1.0f / (float)count : 0.0f; c.v = lora_vec(pool);
    lora_parallel_rows(pool, B * T, lora__ce_back_rows, &c);
}

LORA_API lora_status lora_check_positions(const int32_t *positions, int B, int T, int *plain, const char *what) {
    size_t n = (size_t)B * (size_t)T, i;
    int pl = 1;
    if (plain) *plain = 1;
    if (!positions) return LORA_OK;
    for (i = 0; i < n; i++) {
        int t = (int)(i % (size_t)T), p = positions[i];
        if (p != 0 && (t == 0 || p != positions[i - 1] + 1))
            return lora__fail(LORA_ERR_INVALID_ARG, "%s: position %ld at row %d, column %d: expected 0%s "
                              "(a row starts at 0; each position is 0 or the previous one + 1)", what ? what : "positions",
                              (long)p, (int)(i / (size_t)T), t, t ? " or the previous position + 1" : "");
        pl &= p == t;
    }
    if (plain) *plain = pl;
    return LORA_OK;
}
