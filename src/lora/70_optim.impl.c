/* g++ 12 warns falsely (-Wuninitialized) inside its own _mm512_undefined_* helpers used by
   the AVX-512 intrinsics below. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
static const char *const lora__sched_names[] = {"constant", "linear", "cosine"};
LORA_API const char *lora_schedule_name(lora_schedule s) {
    return (int)s >= 0 && (int)s < 3 ? lora__sched_names[s] : NULL;
}
LORA_API int lora_schedule_from_name(const char *name) {
    int i;
    for (i = 0; name && i < 3; i++) if (strcmp(lora__sched_names[i], name) == 0) return i;
    return -1;
}

LORA_API lora_adamw_config lora_adamw_config_init(void) {
    lora_adamw_config c;
    memset(&c, 0, sizeof c);
    c.lr = 1e-3;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.eps = 1e-8;
    c.weight_decay = 0.01;
    c.grad_clip = 0.0;
    c.warmup = 0;
    c.total_steps = 0;
    c.schedule = LORA_SCHED_CONSTANT;
    return c;
}

LORA_API void lora_adamw_free(lora_adamw *opt) {
    int i;
    if (!opt) return;
    for (i = 0; i < opt->n_params; i++) {
        if (opt->m) lora__free_aligned(opt->m[i]);
        if (opt->v) lora__free_aligned(opt->v[i]);
    }
    LORA_FREE(opt->m); LORA_FREE(opt->v); LORA_FREE(opt->params);
    LORA_FREE(opt);
}

LORA_API lora_status lora_adamw_create(const lora_adamw_config *cfg, const lora_param *params, int n_params, lora_adamw **out) {
    lora_adamw *o;
    int i;
    if (!cfg || !out || (n_params > 0 && !params) || n_params < 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_adamw_create: bad arguments");
    *out = NULL;
    if (!(cfg->lr >= 0 && cfg->lr < INFINITY) || !(cfg->beta1 >= 0 && cfg->beta1 < 1) || !(cfg->beta2 >= 0 && cfg->beta2 < 1) ||
        !(cfg->eps >= 0 && cfg->eps < INFINITY) || !(cfg->weight_decay >= 0 && cfg->weight_decay < INFINITY) ||
        !(cfg->grad_clip >= 0 && cfg->grad_clip < INFINITY) || cfg->warmup < 0 || cfg->total_steps < 0 ||
        (int)cfg->schedule < 0 || (int)cfg->schedule > 2)
        return lora__fail(LORA_ERR_INVALID_ARG, "AdamW: invalid settings (lr %g, betas (%g, %g), eps %g, weight_decay %g, clip %g, warmup %d)",
                          cfg->lr, cfg->beta1, cfg->beta2, cfg->eps, cfg->weight_decay, cfg->grad_clip, cfg->warmup);
    o = (lora_adamw *)lora__calloc(1, sizeof *o, "optimizer");
    if (!o) return LORA_ERR_OOM;
    o->config = *cfg;
    o->n_params = n_params;
    o->params = (lora_param *)lora__malloc(sizeof *o->params * (size_t)(n_params ? n_params : 1), "optimizer");
    o->m = (float **)lora__calloc((size_t)(n_params ? n_params : 1), sizeof(float *), "optimizer");
    o->v = (float **)lora__calloc((size_t)(n_params ? n_params : 1), sizeof(float *), "optimizer");
    if (!o->params || !o->m || !o->v) { lora_adamw_free(o); return LORA_ERR_OOM; }
    if (n_params) memcpy(o->params, params, sizeof *params * (size_t)n_params);
    for (i = 0; i < n_params; i++) {
        size_t bytes = sizeof(float) * (size_t)params[i].n;
        o->m[i] = (float *)lora__alloc_aligned(bytes, "AdamW first moment");
        o->v[i] = (float *)lora__alloc_aligned(bytes, "AdamW second moment");
        if (!o->m[i] || !o->v[i]) { lora_adamw_free(o); return LORA_ERR_OOM; }
        memset(o->m[i], 0, bytes); memset(o->v[i], 0, bytes);
    }
    *out = o;
    return LORA_OK;
}

LORA_API double lora_schedule_lr(const lora_adamw_config *c, int64_t s) {
    double lambda = 1.0, W, N;
    if (!c) return 0.0;
    W = c->warmup; N = c->total_steps;
    if (s < c->warmup) return c->lr * ((double)s / (W > 1 ? W : 1));
    switch (c->schedule) {
    case LORA_SCHED_CONSTANT: lambda = 1.0; break;
    case LORA_SCHED_LINEAR: lambda = (N - (double)s) / (N - W > 1 ? N - W : 1); break;
    case LORA_SCHED_COSINE: {
        double progress = ((double)s - W) / (N - W > 1 ? N - W : 1);
        lambda = 0.5 * (1.0 + cos(3.141592653589793 * progress));
        break;
    }
    }
    if (lambda < 0) lambda = 0;
    return c->lr * lambda;
}

/* Gradient norm: fixed chunks summed in double, partial sums added in order, so the value
   does not depend on the thread count. */
#define LORA__OPT_CHUNK 65536
typedef struct { const lora_param *params; int n; double *partial; int64_t *chunk_start; int *chunk_param; lora_isa isa; } lora__norm_ctx;
#ifdef LORA__HAVE_AVX512
/* sum of squares in double, 8 lanes x 2 accumulators, fixed order */
LORA__TARGET_AVX512 static double lora__sumsq_f64_avx512(const float *g, int64_t n) {
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    double tail = 0.0, lanes[8];
    int64_t i = 0;
    int k;
    for (; i + 16 <= n; i += 16) {
        __m512d x0 = _mm512_cvtps_pd(_mm256_loadu_ps(g + i)), x1 = _mm512_cvtps_pd(_mm256_loadu_ps(g + i + 8));
        a0 = _mm512_fmadd_pd(x0, x0, a0);
        a1 = _mm512_fmadd_pd(x1, x1, a1);
    }
    for (; i < n; i++) tail += (double)g[i] * (double)g[i];
    _mm512_storeu_pd(lanes, _mm512_add_pd(a0, a1));
    for (k = 0; k < 8; k++) tail += lanes[k];
    return tail;
}
#endif
static void lora__norm_task(void *vctx, int task, int thread) {
    lora__norm_ctx *c = (lora__norm_ctx *)vctx;
    const lora_param *p = &c->params[c->chunk_param[task]];
    int64_t i0 = c->chunk_start[task], i1 = i0 + LORA__OPT_CHUNK, i;
    double acc = 0.0;
    (void)thread;
    if (i1 > p->n) i1 = p->n;
#ifdef LORA__HAVE_AVX512
    if (c->isa == LORA_ISA_AVX512) { c->partial[task] = lora__sumsq_f64_avx512(p->grad + i0, i1 - i0); return; }
#endif
    for (i = i0; i < i1; i++) acc += (double)p->grad[i] * (double)p->grad[i];
    c->partial[task] = acc;
}

/* Splits the parameters into chunks; returns the count (and fills the arrays when non-NULL). */
static int lora__opt_chunks(const lora_param *params, int n, int64_t *start, int *which) {
    int i, k = 0;
    int64_t j;
    for (i = 0; i < n; i++)
        for (j = 0; j < params[i].n; j += LORA__OPT_CHUNK) {
            if (start) { start[k] = j; which[k] = i; }
            k++;
        }
    return k;
}

static double lora__grad_norm_pool(const lora_param *params, int n, lora_pool *pool, int *ok) {
    lora__norm_ctx c;
    int k = lora__opt_chunks(params, n, NULL, NULL), i;
    double total = 0.0;
    *ok = 1;
    if (k == 0) return 0.0;
    c.params = params; c.n = n; c.isa = lora_pool_isa(pool);
    c.partial = (double *)lora__malloc(sizeof(double) * (size_t)k, "gradient norm");
    c.chunk_start = (int64_t *)lora__malloc(sizeof(int64_t) * (size_t)k, "gradient norm");
    c.chunk_param = (int *)lora__malloc(sizeof(int) * (size_t)k, "gradient norm");
    if (!c.partial || !c.chunk_start || !c.chunk_param) {
        LORA_FREE(c.partial); LORA_FREE(c.chunk_start); LORA_FREE(c.chunk_param);
        *ok = 0;
        return 0.0;
    }
    lora__opt_chunks(params, n, c.chunk_start, c.chunk_param);
    lora_pool_run(pool, lora__norm_task, &c, k);
    for (i = 0; i < k; i++) total += c.partial[i];
    LORA_FREE(c.partial); LORA_FREE(c.chunk_start); LORA_FREE(c.chunk_param);
    return sqrt(total);
}

LORA_API double lora_grad_norm(const lora_param *params, int n_params) {
    int ok;
    double r;
    if (!params || n_params <= 0) return 0.0;
    r = lora__grad_norm_pool(params, n_params, NULL, &ok);
    return ok ? r : NAN;
}

typedef struct {
    lora_adamw *o; int64_t *chunk_start; int *chunk_param;
    float clip_coef, b1, b2, one_b1, one_b2, decay, eps;
    float step_size, bc2_sqrt;
    lora_isa isa;
} lora__adam_ctx;
/* The update of elements [0, n) of one chunk; scalar and SIMD forms compute the same
   float operations in the same order, as torch's single-tensor AdamW does per element. */
static void lora__adam_scalar(const lora__adam_ctx *c, float *w, float *m, float *v, const float *g, int64_t n) {
    int64_t i;
    for (i = 0; i < n; i++) {
        float gi = g[i] * c->clip_coef, denom;
        w[i] = w[i] * c->decay;
        m[i] = m[i] * c->b1 + gi * c->one_b1;
        v[i] = v[i] * c->b2 + gi * gi * c->one_b2;
        denom = sqrtf(v[i]) / c->bc2_sqrt + c->eps;
        w[i] = w[i] + (-c->step_size) * (m[i] / denom);
    }
}
#ifdef LORA__HAVE_AVX512
LORA__TARGET_AVX512 static void lora__adam_avx512(const lora__adam_ctx *c, float *w, float *m,
                                                  float *v, const float *g, int64_t n) {
    const __m512 clip = _mm512_set1_ps(c->clip_coef), decay = _mm512_set1_ps(c->decay), b1 = _mm512_set1_ps(c->b1);
    const __m512 ob1 = _mm512_set1_ps(c->one_b1), b2 = _mm512_set1_ps(c->b2), ob2 = _mm512_set1_ps(c->one_b2);
    const __m512 bc2 = _mm512_set1_ps(c->bc2_sqrt), eps = _mm512_set1_ps(c->eps), nstep = _mm512_set1_ps(-c->step_size);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        /* no FMA contraction: separate mul and add round like the scalar code */
        __m512 gi = _mm512_mul_ps(_mm512_loadu_ps(g + i), clip);
        __m512 wi = _mm512_mul_ps(_mm512_loadu_ps(w + i), decay);
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(m + i), b1), _mm512_mul_ps(gi, ob1));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(v + i), b2), _mm512_mul_ps(_mm512_mul_ps(gi, gi), ob2));
        __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), bc2), eps);
        wi = _mm512_add_ps(wi, _mm512_mul_ps(nstep, _mm512_div_ps(mi, denom)));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        _mm512_storeu_ps(w + i, wi);
    }
    if (i < n) lora__adam_scalar(c, w + i, m + i, v + i, g + i, n - i);
}
#endif
static void lora__adam_task(void *vctx, int task, int thread) {
    lora__adam_ctx *c = (lora__adam_ctx *)vctx;
    int pi = c->chunk_param[task];
    const lora_param *p = &c->o->params[pi];
    int64_t i0 = c->chunk_start[task], i1 = i0 + LORA__OPT_CHUNK;
    (void)thread;
    if (i1 > p->n) i1 = p->n;
#ifdef LORA__HAVE_AVX512
    if (c->isa == LORA_ISA_AVX512) { lora__adam_avx512(c, p->value + i0, c->o->m[pi] + i0, c->o->v[pi] + i0, p->grad + i0, i1 - i0); return; }
#endif
    lora__adam_scalar(c, p->value + i0, c->o->m[pi] + i0, c->o->v[pi] + i0, p->grad + i0, i1 - i0);
}

LORA_API lora_status lora_adamw_step(lora_adamw *o, lora_pool *pool, double *grad_norm_out, double *lr_out) {
    const lora_adamw_config *cfg;
    lora__adam_ctx c;
    double norm, lr, bc1, bc2;
    int ok, k;
    if (!o) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adamw_step: optimizer is NULL");
    cfg = &o->config;
    norm = lora__grad_norm_pool(o->params, o->n_params, pool, &ok);
    if (!ok) return LORA_ERR_OOM;
    if (grad_norm_out) *grad_norm_out = norm;
    if (!isfinite(norm)) return lora__fail(LORA_ERR_NUMERIC, "gradient norm is %g (NaN or Inf in the gradients); the step was skipped and no weight changed", norm);
    lr = lora_schedule_lr(cfg, o->step);
    if (lr_out) *lr_out = lr;
    o->step++;
    bc1 = 1.0 - pow(cfg->beta1, (double)o->step);
    bc2 = 1.0 - pow(cfg->beta2, (double)o->step);
    c.o = o;
    c.isa = lora_pool_isa(pool);
    c.clip_coef = 1.0f;
    if (cfg->grad_clip > 0) {
        double coef = cfg->grad_clip / (norm + 1e-6);
        if (coef < 1.0) c.clip_coef = (float)coef;
    }
    c.b1 = (float)cfg->beta1; c.b2 = (float)cfg->beta2;
    c.one_b1 = (float)(1.0 - cfg->beta1); c.one_b2 = (float)(1.0 - cfg->beta2);
    c.decay = (float)(1.0 - lr * cfg->weight_decay);
    c.eps = (float)cfg->eps;
    c.step_size = (float)(lr / bc1);
    c.bc2_sqrt = (float)sqrt(bc2);
    k = lora__opt_chunks(o->params, o->n_params, NULL, NULL);
    if (k == 0) return LORA_OK;
    c.chunk_start = (int64_t *)lora__malloc(sizeof(int64_t) * (size_t)k, "optimizer step");
    c.chunk_param = (int *)lora__malloc(sizeof(int) * (size_t)k, "optimizer step");
    if (!c.chunk_start || !c.chunk_param) { LORA_FREE(c.chunk_start); LORA_FREE(c.chunk_param); o->step--; return LORA_ERR_OOM; }
    lora__opt_chunks(o->params, o->n_params, c.chunk_start, c.chunk_param);
    lora_pool_run(pool, lora__adam_task, &c, k);
    LORA_FREE(c.chunk_start); LORA_FREE(c.chunk_param);
    return LORA_OK;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
