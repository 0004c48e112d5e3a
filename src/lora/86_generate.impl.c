/* ---- sampling ---- */
LORA_API lora_sampler lora_sampler_init(void) {
    lora_sampler s;
    memset(&s, 0, sizeof s);
    s.temperature = 1.0f;
    s.top_k = 0;
    s.top_p = 1.0f;
    s.greedy = 0;
    s.seed = 0;
    return s;
}

typedef struct { float v; int32_t i; } lora__cand;

/* a before b: larger value first, then lower id */
static int lora__cand_before(const lora__cand *a, const lora__cand *b) { return a->v > b->v || (a->v == b->v && a->i < b->i); }
static int lora__cand_cmp(const void *pa, const void *pb) {
    const lora__cand *a = (const lora__cand *)pa, *b = (const lora__cand *)pb;
    return lora__cand_before(a, b) ? -1 : lora__cand_before(b, a) ? 1 : 0;
}
/* Moves the k first candidates (in that order) to c[0..k), unordered (Hoare quickselect). */
static void lora__select_top(lora__cand *c, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, i = lo, j = hi;
        lora__cand a = c[lo], b = c[mid], d = c[hi], piv, t;
        /* median of three */
        if (lora__cand_before(&b, &a)) { t = a; a = b; b = t; }
        if (lora__cand_before(&d, &b)) { b = d; if (lora__cand_before(&b, &a)) b = a; }
        piv = b;
        while (i <= j) {
            while (lora__cand_before(&c[i], &piv)) i++;
            while (lora__cand_before(&piv, &c[j])) j--;
            if (i <= j) { t = c[i]; c[i] = c[j]; c[j] = t; i++; j--; }
        }
        if (k - 1 <= j) hi = j;
        else if (k - 1 >= i) lo = i;
        else break;
    }
}

/* The k first tokens in (logit desc, id asc) order, unordered, into c[0..k): one pass with a
   heap whose root is the last of those kept (NaN counts as -inf). */
static void lora__heap_sift(lora__cand *c, int k, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, w = i;
        lora__cand t;
        if (l < k && lora__cand_before(&c[w], &c[l])) w = l;
        if (r < k && lora__cand_before(&c[w], &c[r])) w = r;
        if (w == i) return;
        t = c[i]; c[i] = c[w]; c[w] = t;
        i = w;
    }
}
static void lora__top_k(const float *logits, int V, int k, lora__cand *c) {
    int i;
    for (i = 0; i < k; i++) { c[i].v = logits[i] == logits[i] ? logits[i] : -INFINITY; c[i].i = (int32_t)i; }
    for (i = k / 2 - 1; i >= 0; i--) lora__heap_sift(c, k, i);
    for (i = k; i < V; i++) {
        lora__cand x;
        x.v = logits[i] == logits[i] ? logits[i] : -INFINITY; x.i = (int32_t)i;
        if (lora__cand_before(&x, &c[0])) { c[0] = x; lora__heap_sift(c, k, 0); }
    }
}

static int32_t lora__argmax(const float *x, int n) {
    int i, best = 0;
    for (i = 1; i < n; i++) if (x[i] > x[best] || (x[best] != x[best] && x[i] == x[i])) best = i;
    return (int32_t)best;
}

static lora_status lora__check_sampler(const lora_sampler *s) {
    if (!(s->temperature >= 0.0f) || s->temperature != s->temperature)
        return lora__fail(LORA_ERR_INVALID_ARG, "sampler: temperature %g must be >= 0", (double)s->temperature);
    if (s->top_k < 0) return lora__fail(LORA_ERR_INVALID_ARG, "sampler: top_k %d must be >= 0", s->top_k);
    if (!(s->top_p > 0.0f && s->top_p <= 1.0f))
        return lora__fail(LORA_ERR_INVALID_ARG, "sampler: top_p %g must be in (0, 1]", (double)s->top_p);
    return LORA_OK;
}
static int lora__is_greedy(const lora_sampler *s) { return s->greedy || s->temperature == 0.0f || s->top_k == 1; }

/* Sampling with a workspace of vocab candidates and vocab floats (lora__sample_ws_bytes). */
static size_t lora__sample_ws_bytes(int V) { return (size_t)V * (sizeof(lora__cand) + sizeof(float)); }
static int32_t lora__sample_ws(const float *logits, int V, const lora_sampler *s, lora_rng *rng, void *ws,
                               const lora_vecops *vo) {
    lora__cand *c = (lora__cand *)ws;
    float *e = (float *)(c + V), mx = -INFINITY, invT = 1.0f / s->temperature;
    int n = 0, i;
    double sum = 0.0, acc, u;
    for (i = 0; i < V; i++) if (logits[i] > mx) mx = logits[i];
    if (!(mx > -INFINITY) || mx == INFINITY) { (void)lora_rng_uniform(rng); return lora__argmax(logits, V); }
    /* a temperature so small (a float denormal) that 1/T overflows: its limit, the greedy choice
       ((l - max) * Inf would be NaN for the best token) */
    if (!(invT < INFINITY)) { (void)lora_rng_uniform(rng); return lora__argmax(logits, V); }
    if (s->top_k > 0 && s->top_k < V) {
        /* the k largest logits, sorted, then their weights */
        n = s->top_k;
        lora__top_k(logits, V, n, c);
        qsort(c, (size_t)n, sizeof *c, lora__cand_cmp);
        for (i = 0; i < n; i++) { c[i].v = expf((c[i].v - mx) * invT); sum += c[i].v; }
    } else {
        /* every token: weights exp((l - max) / T) with the vectorised exp */
        for (i = 0; i < V; i++) e[i] = logits[i] == logits[i] ? (logits[i] - mx) * invT : -INFINITY;
        sum = (double)vo->exp_sum(e, e, V, 0.0f);
        if (s->top_p >= 1.0f) {
            u = (double)lora_rng_uniform(rng) * sum;
            acc = 0.0;
            for (i = 0; i < V; i++) {
                acc += e[i];
                if (u < acc) return (int32_t)i;
            }
            for (i = V - 1; i > 0 && !(e[i] > 0.0f); i--) {}
            return (int32_t)i;
        }
        /* a token of the nucleus has probability > (1 - top_p) / V: keep only those */
        {
            float cut = (float)((1.0 - (double)s->top_p) * sum / V * (1.0 - 1e-4));
            for (i = 0; i < V; i++) if (e[i] >= cut) { c[n].v = e[i]; c[n].i = (int32_t)i; n++; }
        }
    }
    if (s->top_p < 1.0f) {
        /* the smallest prefix (most likely first) reaching top_p: select the top m, growing m
           until they hold enough mass, then sort just those */
        double want = (double)s->top_p * sum;
        int m = n < 64 ? n : 64, keep;
        for (;;) {
            lora__select_top(c, n, m);
            acc = 0.0;
            for (i = 0; i < m; i++) acc += c[i].v;
            if (acc >= want || m == n) break;
            m = n / 4 < m ? n : 4 * m;
        }
        qsort(c, (size_t)m, sizeof *c, lora__cand_cmp);
        acc = 0.0;
        keep = m;
        for (i = 0; i < m; i++) {
            acc += c[i].v;
            if (acc >= want) { keep = i + 1; break; }
        }
        n = keep;
        sum = 0.0;
        for (i = 0; i < n; i++) sum += c[i].v;
    }
    u = (double)lora_rng_uniform(rng) * sum;
    acc = 0.0;
    for (i = 0; i < n; i++) {
        acc += c[i].v;
        if (u < acc) return c[i].i;
    }
    for (i = n - 1; i > 0 && !(c[i].v > 0.0f); i--) {}
    return c[i].i;
}

LORA_API int32_t lora_sample(const float *logits, int vocab, const lora_sampler *cfg, lora_rng *rng) {
    lora_sampler def = lora_sampler_init();
    lora__cand *c;
    int32_t id;
    lora_status s;
    if (!cfg) cfg = &def;
    if (!logits || vocab <= 0) return (int32_t)lora__fail(LORA_ERR_INVALID_ARG, "lora_sample: logits is NULL or vocab %d <= 0", vocab);
    if ((s = lora__check_sampler(cfg)) != LORA_OK) return (int32_t)s;
    if (lora__is_greedy(cfg)) return lora__argmax(logits, vocab);
    if (!rng) return (int32_t)lora__fail(LORA_ERR_INVALID_ARG, "lora_sample: rng is NULL (needed unless greedy)");
    c = (lora__cand *)lora__malloc(lora__sample_ws_bytes(vocab), "sampling workspace");
    if (!c) return (int32_t)LORA_ERR_OOM;
    id = lora__sample_ws(logits, vocab, cfg, rng, c, lora_vec(NULL));
    LORA_FREE(c);
    return id;
}

LORA_API lora_status lora_generate(lora_model *m, const int32_t *prompt, int n_prompt, int max_new,
                                   const lora_sampler *cfg, int stop_at_eot, int32_t *out_ids, int *n_out,
                                   lora_token_fn on_token, void *user) {
    lora_sampler def = lora_sampler_init();
    lora_kv *kv = NULL;
    lora_pool *pool;
    int32_t eos;
    lora__cand *c = NULL;
    float *logits = NULL;
    lora_rng rng;
    lora_status s;
    int n = 0, cap, V, greedy;
    if (n_out) *n_out = 0;
    if (!cfg) cfg = &def;
    if (!m || !prompt || !n_out || (max_new > 0 && !out_ids))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_generate: NULL argument");
    if (n_prompt <= 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_generate: the prompt is empty (start it with the end-of-text token %d)", (int)m->info.eos);
    if (max_new < 0) return lora__fail(LORA_ERR_INVALID_ARG, "lora_generate: max_new %d is negative", max_new);
    if ((s = lora__check_sampler(cfg)) != LORA_OK) return s;
    if (n_prompt > m->info.max_seq)
        return lora__fail(LORA_ERR_RANGE, "lora_generate: the prompt has %d tokens, more than the model's context length %d",
                          n_prompt, m->info.max_seq);
    if (max_new == 0 || n_prompt == m->info.max_seq) return LORA_OK;
    V = m->info.vocab_size;
    eos = m->info.eos;
    pool = m->ops->pool ? m->ops->pool(m) : NULL;
    greedy = lora__is_greedy(cfg);
    cap = max_new > m->info.max_seq - n_prompt ? m->info.max_seq : n_prompt + max_new;
    if ((s = lora_kv_create(m, cap, &kv)) != LORA_OK) return s;
    logits = (float *)lora__malloc(sizeof(float) * (size_t)V, "logits");
    if (!greedy) c = (lora__cand *)lora__malloc(lora__sample_ws_bytes(V), "sampling workspace");
    if (!logits || (!greedy && !c)) { s = LORA_ERR_OOM; goto done; }
    lora_rng_seed(&rng, cfg->seed);
    if ((s = lora_forward_cached(m, kv, prompt, n_prompt, logits)) != LORA_OK) goto done;
    for (;;) {
        int32_t id = greedy ? lora__argmax(logits, V) : lora__sample_ws(logits, V, cfg, &rng, c, lora_vec(pool));
        if (stop_at_eot && eos >= 0 && id == eos) break;
        if (stop_at_eot && m->info.stop_ids) {
            int k, stop = 0;
            for (k = 0; k < m->info.n_stop; k++) stop |= id == m->info.stop_ids[k];
            if (stop) break;
        }
        out_ids[n++] = id;
        *n_out = n;
        if (on_token && on_token(user, id, n - 1)) break;
        if (n == max_new || n_prompt + n >= m->info.max_seq) break;
        if ((s = lora_forward_cached(m, kv, &id, 1, logits)) != LORA_OK) break;
    }
done:
    LORA_FREE(c);
    LORA_FREE(logits);
    lora_kv_free(m, kv);
    return s;
}
