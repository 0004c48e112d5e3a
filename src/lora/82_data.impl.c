/* ---- training data ---- */


LORA_API lora_data_config lora_data_config_init(void) {
    lora_data_config c;
    c.format = LORA_DATA_AUTO;
    c.mask_prompt = 1;
    c.add_eot = 1;
    c.pack = 1;
    c.seq = 1024;
    c.eos = -1;
    c.chat = LORA_CHAT_AUTO;
    c.system_prompt = NULL;
    return c;
}

LORA_API void lora_data_free(lora_dataset *ds) {
    if (!ds) return;
    LORA_FREE(ds->tokens);
    LORA_FREE(ds->labels);
    LORA_FREE(ds->sample_start);
    LORA_FREE(ds);
}

/* Growable dataset under construction. */
typedef struct lora__dsb {
    lora_dataset *ds;
    size_t cap, scap;
} lora__dsb;

static lora_status lora__dsb_init(lora__dsb *b, size_t cap, size_t scap) {
    lora_dataset *ds;
    memset(b, 0, sizeof *b);
    if (cap == 0) cap = 1;
    if (scap == 0) scap = 1;
    if (cap > (size_t)-1 / sizeof(int32_t) || scap >= (size_t)-1 / sizeof(size_t))
        return lora__fail(LORA_ERR_OOM, "dataset of %zu tokens is too large", cap);
    ds = (lora_dataset *)lora__calloc(1, sizeof *ds, "dataset");
    if (!ds) return LORA_ERR_OOM;
    ds->tokens = (int32_t *)lora__malloc(cap * sizeof(int32_t), "dataset tokens");
    ds->labels = (int32_t *)lora__malloc(cap * sizeof(int32_t), "dataset labels");
    ds->sample_start = (size_t *)lora__malloc((scap + 1) * sizeof(size_t), "dataset sample offsets");
    if (!ds->tokens || !ds->labels || !ds->sample_start) { lora_data_free(ds); return LORA_ERR_OOM; }
    ds->sample_start[0] = 0;
    b->ds = ds; b->cap = cap; b->scap = scap;
    return LORA_OK;
}

static lora_status lora__dsb_reserve(lora__dsb *b, size_t extra) {
    size_t need, cap;
    int32_t *p;
    if (extra > (size_t)-1 / sizeof(int32_t) - b->ds->n_tokens)
        return lora__fail(LORA_ERR_OOM, "dataset too large (%zu + %zu tokens)", b->ds->n_tokens, extra);
    need = b->ds->n_tokens + extra;
    if (need <= b->cap) return LORA_OK;
    cap = b->cap;
    while (cap < need) cap = cap > (size_t)-1 / (2 * sizeof(int32_t)) ? need : cap * 2;
    p = (int32_t *)lora__realloc(b->ds->tokens, cap * sizeof(int32_t), "dataset tokens");
    if (!p) return LORA_ERR_OOM;
    b->ds->tokens = p;
    p = (int32_t *)lora__realloc(b->ds->labels, cap * sizeof(int32_t), "dataset labels");
    if (!p) return LORA_ERR_OOM;
    b->ds->labels = p;
    b->cap = cap;
    return LORA_OK;
}

/* Appends n ids; labels are the ids, or -100 when masked. */
static LORA__UNUSED lora_status lora__dsb_push(lora__dsb *b, const int32_t *ids, size_t n, int masked) {
    size_t i, at;
    lora_status s = lora__dsb_reserve(b, n);
    if (s != LORA_OK) return s;
    at = b->ds->n_tokens;
    for (i = 0; i < n; i++) {
        b->ds->tokens[at + i] = ids[i];
        b->ds->labels[at + i] = masked ? LORA_IGNORE_LABEL : ids[i];
    }
    b->ds->n_tokens += n;
    return LORA_OK;
}

/* Closes the current sample (tokens since the last boundary). */
static LORA__UNUSED lora_status lora__dsb_end_sample(lora__dsb *b) {
    lora_dataset *ds = b->ds;
    if (ds->n_samples + 1 > b->scap) {
        size_t scap = b->scap * 2;
        size_t *p;
        if (scap >= (size_t)-1 / sizeof(size_t)) return lora__fail(LORA_ERR_OOM, "too many samples");
        p = (size_t *)lora__realloc(ds->sample_start, (scap + 1) * sizeof(size_t), "dataset sample offsets");
        if (!p) return LORA_ERR_OOM;
        ds->sample_start = p;
        b->scap = scap;
    }
    ds->n_samples++;
    ds->sample_start[ds->n_samples] = ds->n_tokens;
    return LORA_OK;
}

/* Hands the dataset out (arrays kept at their capacity). */
static lora_dataset *lora__dsb_finish(lora__dsb *b) {
    lora_dataset *ds = b->ds;
    b->ds = NULL;
    return ds;
}
static void lora__dsb_abort(lora__dsb *b) { lora_data_free(b->ds); b->ds = NULL; }

/* Builds a dataset from ids (+ optional labels), one sample ending after each EOT. */
static lora_status lora__ds_from_ids(const int32_t *ids, const int32_t *labels, size_t n, int32_t eos, lora_dataset **out) {
    lora__dsb b;
    size_t i, n_eot = 0;
    lora_status s;
    for (i = 0; i < n; i++) n_eot += eos >= 0 && ids[i] == eos;
    s = lora__dsb_init(&b, n, n_eot + 1);
    if (s != LORA_OK) return s;
    if (n) memcpy(b.ds->tokens, ids, n * sizeof(int32_t));
    if (n) memcpy(b.ds->labels, labels ? labels : ids, n * sizeof(int32_t));
    b.ds->n_tokens = n;
    for (i = 0; i < n; i++) {
        if ((eos >= 0 && ids[i] == eos) || i + 1 == n) {
            b.ds->n_samples++;
            b.ds->sample_start[b.ds->n_samples] = i + 1;
        }
    }
    *out = lora__dsb_finish(&b);
    return LORA_OK;
}

LORA_API lora_status lora_data_from_tokens(const int32_t *ids, const int32_t *labels, size_t n, int32_t eos,
                                           lora_dataset **out) {
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_from_tokens: out is NULL");
    *out = NULL;
    if (!ids && n) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_from_tokens: ids is NULL");
    return lora__ds_from_ids(ids, labels, n, eos, out);
}

static int lora__has_suffix(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- token files ---- */
#define LORA__LLMC_MAGIC 20240520
#define LORA__LLMC_HEADER_BYTES 1024
#define LORA__LLMC_MAGIC_U32 20240801 /* llm.c's llama-3 token files: version 7, uint32 ids */

static uint32_t lora__le32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

LORA_API lora_status lora_data_load_tokens(const char *path, int vocab, int32_t eos, lora_dataset **out) {
    char *buf = NULL;
    size_t len = 0, off = 0, n, i, n_eot = 0;
    const unsigned char *u;
    uint32_t magic = 0;
    size_t width = 2;           /* bytes per id */
    lora_status s;
    lora__dsb b;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_load_tokens: out is NULL");
    *out = NULL;
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_load_tokens: path is NULL");
    s = lora__read_file(path, &buf, &len);
    if (s != LORA_OK) return s;
    u = (const unsigned char *)buf;
    if (len >= 4) magic = lora__le32(u);
    if (magic == LORA__LLMC_MAGIC || magic == LORA__LLMC_MAGIC_U32) {
        uint32_t version, ntok, want_version = magic == LORA__LLMC_MAGIC ? 1 : 7;
        if (len < LORA__LLMC_HEADER_BYTES) {
            LORA_FREE(buf);
            return lora__fail(LORA_ERR_FORMAT, "%s: llm.c token file (magic %lu) with a truncated header: "
                              "%zu of %d bytes", path, (unsigned long)magic, len, LORA__LLMC_HEADER_BYTES);
        }
        version = lora__le32(u + 4);
        ntok = lora__le32(u + 8);
        width = magic == LORA__LLMC_MAGIC ? 2 : 4;
        if (version != want_version) {
            LORA_FREE(buf);
            return lora__fail(LORA_ERR_UNSUPPORTED, "%s: llm.c token file (magic %lu) version %ld, expected %lu (%s tokens)",
                              path, (unsigned long)magic, (long)(int32_t)version, (unsigned long)want_version,
                              width == 2 ? "uint16 GPT-2" : "uint32 llama-3");
        }
        if ((int32_t)ntok < 0 || (len - LORA__LLMC_HEADER_BYTES) / width != (size_t)ntok || (len - LORA__LLMC_HEADER_BYTES) % width) {
            LORA_FREE(buf);
            return lora__fail(LORA_ERR_FORMAT, "%s: llm.c header says %ld tokens (%ld bytes after the %d-byte header), "
                              "found %zu bytes", path, (long)(int32_t)ntok, (long)width * (long)(int32_t)ntok,
                              LORA__LLMC_HEADER_BYTES, len - LORA__LLMC_HEADER_BYTES);
        }
        off = LORA__LLMC_HEADER_BYTES;
    } else if (magic == 20240522u) {
        LORA_FREE(buf);
        return lora__fail(LORA_ERR_FORMAT, "%s: this is an llm.c eval file (magic %lu), not a token file (magic %d or %d)", path,
                          (unsigned long)magic, LORA__LLMC_MAGIC, LORA__LLMC_MAGIC_U32);
    } else if (len % 2) {
        LORA_FREE(buf);
        return lora__fail(LORA_ERR_FORMAT, "%s: raw token file has an odd size (%zu bytes); expected little-endian "
                          "uint16 ids (or an llm.c file with magic %d or %d)", path, len, LORA__LLMC_MAGIC, LORA__LLMC_MAGIC_U32);
    }
    n = (len - off) / width;
    if (n == 0) {
        LORA_FREE(buf);
        return lora__fail(LORA_ERR_FORMAT, "%s: no tokens", path);
    }
    for (i = 0; i < n; i++) {
        int64_t id = width == 2 ? (int64_t)(u[off + 2 * i] | (u[off + 2 * i + 1] << 8)) : (int64_t)lora__le32(u + off + 4 * i);
        if (id > INT32_MAX) {
            LORA_FREE(buf);
            return lora__fail(LORA_ERR_RANGE, "%s: token %zu (byte offset %zu) is %lld, outside the int32 range of token ids", path, i,
                              off + width * i, (long long)id);
        }
        if (vocab > 0 && id >= vocab) {
            LORA_FREE(buf);
            if (off == 0 && i < 2 && len >= 4)
                return lora__fail(LORA_ERR_RANGE, "%s: token %zu (byte offset %zu) is %ld, outside the vocabulary of %d "
                                  "(read as raw uint16 ids; if this is an llm.c token file, its magic is wrong: "
                                  "found %lu, expected %d)", path, i, 2 * i, (long)id, vocab, (unsigned long)magic,
                                  LORA__LLMC_MAGIC);
            return lora__fail(LORA_ERR_RANGE, "%s: token %zu (byte offset %zu) is %ld, outside the vocabulary of %d",
                              path, i, off + width * i, (long)id, vocab);
        }
        n_eot += eos >= 0 && id == eos;
    }
    s = lora__dsb_init(&b, n, n_eot + 1);
    if (s != LORA_OK) { LORA_FREE(buf); return s; }
    for (i = 0; i < n; i++) {
        int32_t id = width == 2 ? (int32_t)(u[off + 2 * i] | (u[off + 2 * i + 1] << 8)) : (int32_t)lora__le32(u + off + 4 * i);
        b.ds->tokens[i] = b.ds->labels[i] = id;
        if ((eos >= 0 && id == eos) || i + 1 == n) {
            b.ds->n_samples++;
            b.ds->sample_start[b.ds->n_samples] = i + 1;
        }
    }
    b.ds->n_tokens = n;
    LORA_FREE(buf);
    *out = lora__dsb_finish(&b);
    return LORA_OK;
}

LORA_API lora_status lora_data_save_tokens(const char *path, const int32_t *ids, size_t n) {
    lora_atomic_file af;
    int32_t header[256];
    size_t i, done;
    int wide = 0;
    lora_status s;
    if (!path || (!ids && n)) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_save_tokens: NULL argument");
    if (n == 0 || n > (size_t)INT32_MAX)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: a token file holds 1 to %ld ids, got %zu", path, (long)INT32_MAX, n);
    for (i = 0; i < n; i++) {
        if (ids[i] < 0) return lora__fail(LORA_ERR_INVALID_ARG, "%s: id %zu is %ld: token ids are >= 0", path, i, (long)ids[i]);
        wide |= ids[i] > 65535;
    }
    memset(header, 0, sizeof header);
    header[0] = wide ? LORA__LLMC_MAGIC_U32 : LORA__LLMC_MAGIC;
    header[1] = wide ? 7 : 1;
    header[2] = (int32_t)n;
    if ((s = lora__atomic_open(&af, path)) != LORA_OK) return s;
    lora__atomic_write_le(&af, header, sizeof header, 4);
    if (wide) lora__atomic_write_le(&af, ids, n * sizeof(int32_t), 4);
    else {
        uint16_t chunk[4096];
        for (done = 0; done < n;) {
            size_t k, m = n - done < 4096 ? n - done : 4096;
            for (k = 0; k < m; k++) chunk[k] = (uint16_t)ids[done + k];
            lora__atomic_write_le(&af, chunk, m * sizeof(uint16_t), 2);
            done += m;
        }
    }
    return lora__atomic_commit(&af);
}

/* Fisher-Yates over order[0..n) driven by lora_rng seeded with seed (the same on every platform). */
static void lora__shuffle(size_t *order, size_t n, uint64_t seed) {
    lora_rng rng;
    size_t i;
    if (n < 2) return;
    lora_rng_seed(&rng, seed);
    for (i = n - 1; i > 0; i--) {
        uint64_t r = (uint64_t)lora_rng_u32(&rng) << 32;
        size_t j, t;
        r |= lora_rng_u32(&rng);
        j = (size_t)(r % (uint64_t)(i + 1));
        t = order[i];
        order[i] = order[j]; order[j] = t;
    }
}

/* ---- split ---- */
LORA_API lora_status lora_data_split(const lora_dataset *ds, double val_frac, uint64_t seed,
                                     lora_dataset **train, lora_dataset **val) {
    size_t n, n_val, i, k, *order;
    lora__dsb parts[2];
    lora_status s = LORA_OK;
    if (train) *train = NULL;
    if (val) *val = NULL;
    if (!ds || !train || !val) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_split: NULL argument");
    if (!(val_frac >= 0.0 && val_frac <= 1.0))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_split: val_frac = %g, expected a value in [0, 1]", val_frac);
    n = ds->n_samples;
    n_val = (size_t)floor(val_frac * (double)n + 0.5);
    if (n_val > n) n_val = n;
    order = (size_t *)lora__calloc(n ? n : 1, sizeof(size_t), "split order");
    if (!order) return LORA_ERR_OOM;
    for (i = 0; i < n; i++) order[i] = i;
    if (seed != 0) lora__shuffle(order, n, seed);
    for (k = 0; k < 2; k++) {
        size_t lo = k ? n - n_val : 0, hi = k ? n : n - n_val, tok = 0;
        for (i = lo; i < hi; i++) tok += ds->sample_start[order[i] + 1] - ds->sample_start[order[i]];
        s = lora__dsb_init(&parts[k], tok, hi - lo);
        if (s != LORA_OK) { if (k) lora__dsb_abort(&parts[0]); LORA_FREE(order); return s; }
        for (i = lo; i < hi; i++) {
            size_t a = ds->sample_start[order[i]], e = ds->sample_start[order[i] + 1];
            lora_dataset *d = parts[k].ds;
            memcpy(d->tokens + d->n_tokens, ds->tokens + a, (e - a) * sizeof(int32_t));
            memcpy(d->labels + d->n_tokens, ds->labels + a, (e - a) * sizeof(int32_t));
            d->n_tokens += e - a;
            d->n_samples++;
            d->sample_start[d->n_samples] = d->n_tokens;
        }
        parts[k].ds->separate = ds->separate;
        parts[k].ds->pad = ds->pad;
    }
    LORA_FREE(order);
    *train = lora__dsb_finish(&parts[0]);
    *val = lora__dsb_finish(&parts[1]);
    return LORA_OK;
}

/* ---- batches ---- */
LORA_API lora_status lora_data_batch(const lora_dataset *ds, size_t *pos, int B, int T,
                                     int32_t *inputs, int32_t *labels) {
    size_t bt, p;
    if (!ds || !pos || !inputs || !labels) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_batch: NULL argument");
    if (B <= 0 || T <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_batch: B = %d, T = %d must be positive", B, T);
    bt = (size_t)B * (size_t)T;
    if (ds->n_tokens < bt)
        return lora__fail(LORA_ERR_RANGE, "lora_data_batch: the dataset has %zu tokens, fewer than one batch "
                          "(B*T = %d*%d = %zu)", ds->n_tokens, B, T, bt);
    p = *pos;
    if (p > ds->n_tokens - bt) p = 0;
    memcpy(inputs, ds->tokens + p, bt * sizeof(int32_t));
    memcpy(labels, ds->labels + p, bt * sizeof(int32_t));
    p += bt;
    if (p > ds->n_tokens - bt) p = 0;
    *pos = p;
    return LORA_OK;
}

LORA_API size_t lora_data_batches_per_epoch(const lora_dataset *ds, int B, int T) {
    size_t n;
    if (!ds || B <= 0 || T <= 0) return 0;
    n = ds->n_tokens / ((size_t)B * (size_t)T);
    return n ? n : 1;
}

/* ---- jsonl ---- */
typedef struct lora__jl {
    const char *src;            /* names the data in messages */
    size_t line;                /* 1-based line number */
    const lora_tokenizer *tok;
    lora_data_config cfg;
    lora__dsb b;
    lora__buf piece;            /* scratch for assembled pieces */
    int32_t eos;                /* end-of-text id appended / padded with */
    lora_chat_template chat;    /* the template of chat and QA lines */
    const char *system;         /* the system prompt a conversation without one gets, or NULL */
    int think;                  /* Qwen3: an empty think block opens the last answer */
    int32_t t_start, t_end, t_hstart, t_hend, t_bos; /* <|im_start|> <|im_end|> | <|start_header_id|> <|end_header_id|> <|eot_id|> bos */
    int32_t t_think, t_unthink; /* <think> </think> */
} lora__jl;

static const char *lora__json_type(const lora_json *v) {
    switch (v->type) {
    case LORA_JSON_NULL: return "null";
    case LORA_JSON_FALSE: case LORA_JSON_TRUE: return "a boolean";
    case LORA_JSON_NUMBER: return "a number";
    case LORA_JSON_STRING: return "a string";
    case LORA_JSON_ARRAY: return "an array";
    case LORA_JSON_OBJECT: return "an object";
    }
    return "a value";
}

/* Fails with "src:line: " + the formatted reason. */
static LORA__PRINTF(3, 4) lora_status lora__jl_fail(const lora__jl *j, lora_status s, const char *fmt, ...) {
    char reason[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return lora__fail(s, "%s:%zu: %s", j->src, j->line, reason);
}

/* Encodes len bytes and appends them (labels -100 when masked). */
static lora_status lora__jl_encode(lora__jl *j, const char *text, size_t len, int masked) {
    int32_t *ids = NULL;
    size_t n = 0;
    lora_status s = lora_encode(j->tok, text, len, 0, &ids, &n);
    if (s != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        return lora__jl_fail(j, s, "cannot tokenize: %s", msg);
    }
    s = lora__dsb_push(&j->b, ids, n, masked);
    LORA_FREE(ids);
    return s;
}
/* Encodes pre + value + post as one piece. */
static lora_status lora__jl_encode3(lora__jl *j, const char *pre, const lora_json *v, const char *post, int masked) {
    j->piece.len = 0;
    lora__buf_puts(&j->piece, pre);
    lora__buf_append(&j->piece, v->str, v->len);
    lora__buf_puts(&j->piece, post);
    if (j->piece.failed) return LORA_ERR_OOM;
    return lora__jl_encode(j, j->piece.data, j->piece.len, masked);
}

/* The string member key of obj; fails when it is missing, not a string, or empty
   (unless allow_empty). */
static lora_status lora__jl_string(const lora__jl *j, const lora_json *obj, const char *key, int allow_empty,
                                   const lora_json **out) {
    const lora_json *v = lora_json_get(obj, key);
    *out = NULL;
    if (!v) {
        if (j->cfg.format != LORA_DATA_AUTO)
            return lora__jl_fail(j, LORA_ERR_FORMAT, "missing key \"%s\" (format forced to %s)", key,
                                 j->cfg.format == LORA_DATA_TEXT ? "text" :
                                 j->cfg.format == LORA_DATA_PROMPT_COMPLETION ? "prompt/completion" :
                                 j->cfg.format == LORA_DATA_QA ? "question/answer" : "chat");
        return lora__jl_fail(j, LORA_ERR_FORMAT, "missing key \"%s\"", key);
    }
    if (v->type != LORA_JSON_STRING)
        return lora__jl_fail(j, LORA_ERR_FORMAT, "\"%s\" must be a string, found %s", key, lora__json_type(v));
    if (v->len == 0 && !allow_empty) return lora__jl_fail(j, LORA_ERR_FORMAT, "\"%s\" is an empty string", key);
    *out = v;
    return LORA_OK;
}

/* Appends one id (label = the id, or -100 when masked). */
static lora_status lora__jl_id(lora__jl *j, int32_t id, int masked) { return lora__dsb_push(&j->b, &id, 1, masked); }

/* Encodes head[0..hl) + body[0..bl) as one text, as the tokenizer sees a rendered template
   (a token may not start at the boundary: HF tokenizes the whole string), and appends it:
   tokens inside head get -100 when mask_head, the others when mask_body. */
static lora_status lora__jl_encode_split(lora__jl *j, const char *head, size_t hl, const char *body, size_t bl,
                                         int mask_head, int mask_body) {
    int32_t *ids = NULL;
    size_t n = 0, i, pos = 0, at;
    lora_status s;
    j->piece.len = 0;
    lora__buf_append(&j->piece, head, hl);
    lora__buf_append(&j->piece, body, bl);
    if (j->piece.failed) return LORA_ERR_OOM;
    s = lora_encode(j->tok, j->piece.data ? j->piece.data : "", j->piece.len, 0, &ids, &n);
    if (s != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        return lora__jl_fail(j, s, "cannot tokenize: %s", msg);
    }
    for (i = 0; i < n; i++) { size_t tl = 0; lora_token_bytes(j->tok, ids[i], &tl); pos += tl; }
    if (pos != hl + bl) { /* the normalizer changed the text (NFC): encode the two parts apart */
        LORA_FREE(ids);
        if (hl && (s = lora__jl_encode(j, head, hl, mask_head)) != LORA_OK) return s;
        return bl ? lora__jl_encode(j, body, bl, mask_body) : LORA_OK;
    }
    if ((s = lora__dsb_reserve(&j->b, n)) != LORA_OK) { LORA_FREE(ids); return s; }
    at = j->b.ds->n_tokens;
    for (i = 0, pos = 0; i < n; i++) {
        size_t tl = 0;
        lora_token_bytes(j->tok, ids[i], &tl);
        pos += tl;
        j->b.ds->tokens[at + i] = ids[i];
        j->b.ds->labels[at + i] = (pos <= hl ? mask_head : mask_body) ? LORA_IGNORE_LABEL : ids[i];
    }
    j->b.ds->n_tokens += n;
    LORA_FREE(ids);
    return LORA_OK;
}

/* Python's str.strip() as Jinja's trim filter applies it (whitespace: the tokenizer's class). */
static void lora__jl_trim(const char **s, size_t *n) {
    size_t a = lora__leading_space((const unsigned char *)*s, *n), b;
    *s += a; *n -= a;
    b = lora__trailing_space((const unsigned char *)*s, *n);
    *n -= b;
}

/* One turn of a templated conversation. role r: 0 system, 1 user, 2 assistant. think: Qwen3's
   empty think block before the content. */
static lora_status lora__jl_turn(lora__jl *j, int r, const char *content, size_t cl, int think) {
    static const char *const roles[3] = { "system", "user", "assistant" };
    int mask = j->cfg.mask_prompt, m_head = mask, m_body = mask && r != 2;
    lora_status s;
    if (j->chat == LORA_CHAT_CHATML) {
        /* <|im_start|>role\n[<think>\n\n</think>\n\n]content<|im_end|>\n */
        if ((s = lora__jl_id(j, j->t_start, m_head)) != LORA_OK) return s;
        if (think) {
            static const char nl2[] = "\n\n";
            int32_t open = j->t_think, close = j->t_unthink;
            while (cl && (content[0] == '\n')) { content++; cl--; } /* content.lstrip('\n') */
            j->piece.len = 0;
            lora__buf_puts(&j->piece, roles[r]);
            lora__buf_puts(&j->piece, "\n");
            if (j->piece.failed) return LORA_ERR_OOM;
            if (open < 0 || close < 0)
                return lora__jl_fail(j, LORA_ERR_FORMAT, "the chat template wants <think> and </think>, which the tokenizer lacks");
            {
                char head[16];
                size_t hl = j->piece.len;
                memcpy(head, j->piece.data, hl);
                if ((s = lora__jl_encode(j, head, hl, m_head)) != LORA_OK) return s;
            }
            if ((s = lora__jl_id(j, open, m_head)) != LORA_OK) return s;
            if ((s = lora__jl_encode(j, nl2, 2, m_head)) != LORA_OK) return s;
            if ((s = lora__jl_id(j, close, m_head)) != LORA_OK) return s;
            if ((s = lora__jl_encode_split(j, nl2, 2, content, cl, m_head, m_body)) != LORA_OK) return s;
        } else {
            char head[16];
            size_t hl = strlen(roles[r]);
            memcpy(head, roles[r], hl);
            head[hl++] = '\n';
            if ((s = lora__jl_encode_split(j, head, hl, content, cl, m_head, m_body)) != LORA_OK) return s;
        }
        if ((s = lora__jl_id(j, j->t_end, m_body)) != LORA_OK) return s;
        return lora__jl_encode(j, "\n", 1, mask);
    }
    /* Llama 3: <|start_header_id|>role<|end_header_id|>\n\ncontent|trim<|eot_id|> */
    lora__jl_trim(&content, &cl);
    if ((s = lora__jl_id(j, j->t_hstart, m_head)) != LORA_OK) return s;
    if ((s = lora__jl_encode(j, roles[r], strlen(roles[r]), m_head)) != LORA_OK) return s;
    if ((s = lora__jl_id(j, j->t_hend, m_head)) != LORA_OK) return s;
    if ((s = lora__jl_encode_split(j, "\n\n", 2, content, cl, m_head, m_body)) != LORA_OK) return s;
    return lora__jl_id(j, j->t_end, m_body);
}

/* A conversation (roles 0/1/2 and contents) with the template: the default system prompt when
   the first turn is not a system turn, Llama 3's BOS first, Qwen3's think block on the last
   turn when it is an answer after the last user turn. */
static lora_status lora__jl_conversation(lora__jl *j, const int *roles, const char *const *texts, const size_t *lens, size_t n) {
    size_t i, last_user = (size_t)-1;
    lora_status s;
    if (j->chat == LORA_CHAT_LLAMA3 && j->t_bos >= 0 && (s = lora__jl_id(j, j->t_bos, j->cfg.mask_prompt)) != LORA_OK) return s;
    if (j->system && *j->system && (n == 0 || roles[0] != 0) &&
        (s = lora__jl_turn(j, 0, j->system, strlen(j->system), 0)) != LORA_OK) return s;
    for (i = 0; i < n; i++) if (roles[i] == 1) last_user = i;
    for (i = 0; i < n; i++) {
        int think = j->think && roles[i] == 2 && i + 1 == n && (last_user == (size_t)-1 || i > last_user);
        if ((s = lora__jl_turn(j, roles[i], texts[i], lens[i], think)) != LORA_OK) return s;
    }
    return LORA_OK;
}

static lora_status lora__jl_chat(lora__jl *j, const lora_json *obj) {
    static const char *const roles[3] = { "system", "user", "assistant" };
    const lora_json *msgs = lora_json_get(obj, "messages");
    size_t i;
    lora_status s;
    if (!msgs) return lora__jl_fail(j, LORA_ERR_FORMAT, "missing key \"messages\" (format forced to chat)");
    if (msgs->type != LORA_JSON_ARRAY)
        return lora__jl_fail(j, LORA_ERR_FORMAT, "\"messages\" must be an array, found %s", lora__json_type(msgs));
    if (msgs->n == 0) return lora__jl_fail(j, LORA_ERR_FORMAT, "\"messages\" is an empty array");
    for (i = 0; i < msgs->n; i++) {
        const lora_json *m = &msgs->items[i], *role, *content;
        int r;
        if (m->type != LORA_JSON_OBJECT)
            return lora__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu] must be an object, found %s", i, lora__json_type(m));
        role = lora_json_get(m, "role");
        content = lora_json_get(m, "content");
        if (!role) return lora__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu]: missing key \"role\"", i);
        if (role->type != LORA_JSON_STRING)
            return lora__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu].role must be a string, found %s", i, lora__json_type(role));
        for (r = 0; r < 3; r++)
            if (role->len == strlen(roles[r]) && memcmp(role->str, roles[r], role->len) == 0) break;
        if (r == 3)
            return lora__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu].role is \"%.40s\", expected \"system\", \"user\" or "
                                 "\"assistant\"", i, role->str);
        if (!content) return lora__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu]: missing key \"content\"", i);
        if (content->type != LORA_JSON_STRING)
            return lora__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu].content must be a string, found %s", i,
                                 lora__json_type(content));
        if (j->chat != LORA_CHAT_PLAIN) continue; /* templated below, once all turns are checked */
        /* "role:" then " content\n"; only assistant content carries loss when masking */
        j->piece.len = 0;
        lora__buf_puts(&j->piece, roles[r]);
        lora__buf_puts(&j->piece, ":");
        if (j->piece.failed) return LORA_ERR_OOM;
        s = lora__jl_encode(j, j->piece.data, j->piece.len, j->cfg.mask_prompt);
        if (s != LORA_OK) return s;
        s = lora__jl_encode3(j, " ", content, "\n", j->cfg.mask_prompt && r != 2);
        if (s != LORA_OK) return s;
    }
    if (j->chat != LORA_CHAT_PLAIN) {
        int *rs = (int *)lora__malloc(msgs->n * sizeof(int), "chat roles");
        const char **ts = (const char **)lora__malloc(msgs->n * sizeof(char *), "chat texts");
        size_t *ls = (size_t *)lora__malloc(msgs->n * sizeof(size_t), "chat lengths");
        if (!rs || !ts || !ls) s = LORA_ERR_OOM;
        else {
            for (i = 0; i < msgs->n; i++) {
                const lora_json *role = lora_json_get(&msgs->items[i], "role"), *content = lora_json_get(&msgs->items[i], "content");
                rs[i] = role->str[0] == 's' ? 0 : role->str[0] == 'u' ? 1 : 2;
                ts[i] = content->str;
                ls[i] = content->len;
            }
            s = lora__jl_conversation(j, rs, ts, ls, msgs->n);
        }
        LORA_FREE(rs); LORA_FREE(ts); LORA_FREE(ls);
        return s;
    }
    return LORA_OK;
}

/* Turns one parsed line into tokens. */
static lora_status lora__jl_sample(lora__jl *j, const lora_json *obj) {
    lora_data_format f = j->cfg.format;
    const lora_json *a, *c;
    lora_status s;
    int mask = j->cfg.mask_prompt;
    if (obj->type != LORA_JSON_OBJECT)
        return lora__jl_fail(j, LORA_ERR_FORMAT, "expected a JSON object, found %s", lora__json_type(obj));
    if (f == LORA_DATA_AUTO) {
        static const char *const kinds[4] = { "\"text\"", "\"prompt\"/\"completion\"", "\"question\"/\"answer\"", "\"messages\"" };
        int has[4], k, n = 0, first = -1, second = -1;
        has[0] = lora_json_get(obj, "text") != NULL;
        has[1] = lora_json_get(obj, "prompt") || lora_json_get(obj, "completion");
        has[2] = lora_json_get(obj, "question") || lora_json_get(obj, "answer");
        has[3] = lora_json_get(obj, "messages") != NULL;
        for (k = 0; k < 4; k++) if (has[k]) { n++; if (first < 0) first = k; else if (second < 0) second = k; }
        if (n == 0)
            return lora__jl_fail(j, LORA_ERR_FORMAT, "unknown format: no \"text\", \"prompt\"/\"completion\", "
                                 "\"question\"/\"answer\" or \"messages\" key");
        if (n > 1)
            return lora__jl_fail(j, LORA_ERR_FORMAT, "ambiguous format: the line has both %s and %s keys",
                                 kinds[first], kinds[second]);
        f = first == 0 ? LORA_DATA_TEXT : first == 1 ? LORA_DATA_PROMPT_COMPLETION : first == 2 ? LORA_DATA_QA : LORA_DATA_CHAT;
    }
    switch (f) {
    case LORA_DATA_TEXT:
        if ((s = lora__jl_string(j, obj, "text", 0, &a)) != LORA_OK) return s;
        return lora__jl_encode(j, a->str, a->len, 0);
    case LORA_DATA_PROMPT_COMPLETION:
        if ((s = lora__jl_string(j, obj, "prompt", 1, &a)) != LORA_OK) return s;
        if ((s = lora__jl_string(j, obj, "completion", 0, &c)) != LORA_OK) return s;
        if (a->len && (s = lora__jl_encode(j, a->str, a->len, mask)) != LORA_OK) return s;
        return lora__jl_encode(j, c->str, c->len, 0);
    case LORA_DATA_QA:
        if ((s = lora__jl_string(j, obj, "question", 0, &a)) != LORA_OK) return s;
        if ((s = lora__jl_string(j, obj, "answer", 0, &c)) != LORA_OK) return s;
        if (j->chat != LORA_CHAT_PLAIN) { /* a user turn and an answer */
            static const int roles[2] = { 1, 2 };
            const char *texts[2];
            size_t lens[2];
            texts[0] = a->str; lens[0] = a->len; texts[1] = c->str; lens[1] = c->len;
            return lora__jl_conversation(j, roles, texts, lens, 2);
        }
        if ((s = lora__jl_encode3(j, "Question: ", a, "\nAnswer:", mask)) != LORA_OK) return s;
        return lora__jl_encode3(j, " ", c, "", 0);
    case LORA_DATA_CHAT:
        return lora__jl_chat(j, obj);
    default:
        break;
    }
    return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_load_jsonl: unknown format %d", (int)f);
}

/* 1 if the (valid) line is a conversation or a QA pair, which a chat template closes itself */
static int lora__jl_templated(const lora__jl *j, const lora_json *obj) {
    if (j->cfg.format == LORA_DATA_CHAT || j->cfg.format == LORA_DATA_QA) return 1;
    if (j->cfg.format != LORA_DATA_AUTO) return 0;
    return lora_json_get(obj, "messages") || lora_json_get(obj, "question") || lora_json_get(obj, "answer");
}

/* "src:1:COL: reason" from the JSON parser -> "src:LINE: invalid JSON at column COL: reason". */
static lora_status lora__jl_json_error(const lora__jl *j, lora_status s) {
    char msg[LORA__ERRLEN];
    const char *m = msg, *col = NULL, *rest;
    size_t sl = strlen(j->src), cl = 0;
    snprintf(msg, sizeof msg, "%s", lora_last_error());
    if (strncmp(m, j->src, sl) == 0 && strncmp(m + sl, ":1:", 3) == 0) {
        col = m + sl + 3;
        while (col[cl] >= '0' && col[cl] <= '9') cl++;
        rest = col + cl;
        if (cl > 0 && rest[0] == ':') {
            rest++;
            while (*rest == ' ') rest++;
            return lora__jl_fail(j, s, "invalid JSON at column %.*s: %s", (int)cl, col, rest);
        }
    }
    return lora__jl_fail(j, s, "invalid JSON: %s", msg);
}

LORA_API lora_status lora_data_load_jsonl_memory(const char *text, size_t len, const char *source,
                                                 const lora_tokenizer *tok, const lora_data_config *cfg,
                                                 lora_dataset **out) {
    lora__jl j;
    size_t at = 0;
    lora_status s = LORA_OK;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_load_jsonl: out is NULL");
    *out = NULL;
    if (!source) source = "<memory>";
    if (!tok) return lora__fail(LORA_ERR_INVALID_ARG, "%s: lora_data_load_jsonl: tokenizer is NULL", source);
    if (!text && len) return lora__fail(LORA_ERR_INVALID_ARG, "%s: lora_data_load_jsonl: text is NULL", source);
    memset(&j, 0, sizeof j);
    j.src = source;
    j.tok = tok;
    j.cfg = cfg ? *cfg : lora_data_config_init();
    if ((int)j.cfg.format < (int)LORA_DATA_AUTO || (int)j.cfg.format > (int)LORA_DATA_CHAT)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: unknown data format %d", source, (int)j.cfg.format);
    {
        const char *def_system = NULL;
        lora_chat_template own = lora_tokenizer_chat(tok, &def_system, &j.think);
        j.chat = j.cfg.chat == LORA_CHAT_AUTO ? own : j.cfg.chat;
        if ((int)j.chat < (int)LORA_CHAT_PLAIN || (int)j.chat > (int)LORA_CHAT_LLAMA3)
            return lora__fail(LORA_ERR_INVALID_ARG, "%s: unknown chat template %d", source, (int)j.cfg.chat);
        if (j.chat != own) { def_system = NULL; j.think = 0; }
        j.system = j.cfg.system_prompt ? j.cfg.system_prompt : def_system;
        j.t_bos = lora_tokenizer_bos(tok);
        if (j.chat == LORA_CHAT_CHATML) {
            j.t_start = lora_tokenizer_find(tok, "<|im_start|>", 12);
            j.t_end = lora_tokenizer_find(tok, "<|im_end|>", 10);
            if (j.t_start < 0 || j.t_end < 0)
                return lora__fail(LORA_ERR_INVALID_ARG, "%s: the ChatML template needs the tokens <|im_start|> and <|im_end|>, "
                                  "which the tokenizer lacks", source);
            if (j.think) {
                j.t_think = lora_tokenizer_find(tok, "<think>", 7);
                j.t_unthink = lora_tokenizer_find(tok, "</think>", 8);
            }
        } else if (j.chat == LORA_CHAT_LLAMA3) {
            j.t_hstart = lora_tokenizer_find(tok, "<|start_header_id|>", 19);
            j.t_hend = lora_tokenizer_find(tok, "<|end_header_id|>", 17);
            j.t_end = lora_tokenizer_find(tok, "<|eot_id|>", 10);
            if (j.t_hstart < 0 || j.t_hend < 0 || j.t_end < 0)
                return lora__fail(LORA_ERR_INVALID_ARG, "%s: the Llama 3 template needs the tokens <|start_header_id|>, "
                                  "<|end_header_id|> and <|eot_id|>, which the tokenizer lacks", source);
        }
    }
    j.eos = j.cfg.eos >= 0 ? j.cfg.eos : lora_tokenizer_eos(tok);
    if (j.eos < 0 && (j.cfg.add_eot || !j.cfg.pack))
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: the tokenizer has no end-of-text token (\"<|endoftext|>\"); set "
                          "lora_data_config.eos or turn add_eot and padding off", source);
    if (!j.cfg.pack && j.cfg.seq <= 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: pack = 0 needs seq > 0, got %d", source, j.cfg.seq);
    s = lora__dsb_init(&j.b, len / 4 + 16, len / 64 + 16);
    if (s != LORA_OK) return s;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
        at = 3; /* UTF-8 byte order mark */
    while (at < len) {
        const char *line = text + at, *nl = (const char *)memchr(line, '\n', len - at);
        size_t n = nl ? (size_t)(nl - line) : len - at, k, begin;
        lora_json *v = NULL;
        int templated;
        at += n + (nl != NULL);
        j.line++;
        if (n && line[n - 1] == '\r') n--;
        for (k = 0; k < n && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'); k++) {}
        if (k == n) continue; /* blank line */
        s = lora_json_parse(line, n, j.src, &v);
        if (s != LORA_OK) { s = lora__jl_json_error(&j, s); break; }
        begin = j.b.ds->n_tokens;
        s = lora__jl_sample(&j, v);
        templated = j.chat != LORA_CHAT_PLAIN && lora__jl_templated(&j, v);
        lora_json_free(v);
        if (s != LORA_OK) break;
        if (j.cfg.add_eot && !templated) {
            int32_t eot = j.eos;
            if ((s = lora__dsb_push(&j.b, &eot, 1, 0)) != LORA_OK) break;
        }
        if (!j.cfg.pack) {
            size_t seq = (size_t)j.cfg.seq, have = j.b.ds->n_tokens - begin;
            if (have > seq) j.b.ds->n_tokens = begin + seq;
            else {
                if ((s = lora__dsb_reserve(&j.b, seq - have)) != LORA_OK) break;
                for (k = have; k < seq; k++) {
                    j.b.ds->tokens[begin + k] = j.eos;
                    j.b.ds->labels[begin + k] = LORA_IGNORE_LABEL;
                }
                j.b.ds->n_tokens = begin + seq;
            }
        }
        if ((s = lora__dsb_end_sample(&j.b)) != LORA_OK) break;
    }
    lora__buf_free(&j.piece);
    if (s == LORA_OK && j.b.ds->n_samples == 0)
        s = lora__fail(LORA_ERR_FORMAT, "%s: no samples (%s)", source, len ? "only blank lines" : "empty data");
    if (s != LORA_OK) { lora__dsb_abort(&j.b); return s; }
    *out = lora__dsb_finish(&j.b);
    (*out)->separate = j.cfg.pack != 0;
    (*out)->pad = j.eos >= 0 ? j.eos : 0;
    return LORA_OK;
}

LORA_API lora_status lora_data_load_jsonl(const char *path, const lora_tokenizer *tok,
                                          const lora_data_config *cfg, lora_dataset **out) {
    char *buf;
    size_t len;
    lora_status s;
    if (out) *out = NULL;
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_load_jsonl: path is NULL");
    s = lora__read_file(path, &buf, &len);
    if (s != LORA_OK) return s;
    s = lora_data_load_jsonl_memory(buf, len, path, tok, cfg, out);
    LORA_FREE(buf);
    return s;
}

LORA_API lora_status lora_data_load(const char *path, const lora_tokenizer *tok,
                                    const lora_data_config *cfg, lora_dataset **out) {
    if (out) *out = NULL;
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_data_load: path is NULL");
    if (lora__has_suffix(path, ".jsonl") || lora__has_suffix(path, ".json"))
        return lora_data_load_jsonl(path, tok, cfg, out);
    return lora_data_load_tokens(path, tok ? lora_tokenizer_vocab_size(tok) : 0, tok ? lora_tokenizer_eos(tok) : -1, out);
}

/* ---- the training stream: epochs of (shuffled) samples ---- */
struct lora_batcher {
    const lora_dataset *ds;
    int B, T, shuffle;
    uint64_t seed;
    uint64_t epoch, pos;         /* position: tokens of this epoch's stream already taken */
    size_t *order;               /* this epoch's sample order */
    size_t at_sample, at_offset; /* the sample (index into order) and offset where pos lies */
};

/* The order of epoch e: file order, or a shuffle seeded by (seed, e). */
static void lora__batcher_order(lora_batcher *b) {
    size_t i, n = b->ds->n_samples;
    uint64_t x = b->seed ^ (0x9E3779B97F4A7C15ull * (b->epoch + 1));
    for (i = 0; i < n; i++) b->order[i] = i;
    if (b->shuffle) lora__shuffle(b->order, n, lora__splitmix64(&x));
}

static size_t lora__sample_len(const lora_dataset *ds, size_t k) { return ds->sample_start[k + 1] - ds->sample_start[k]; }

LORA_API lora_status lora_batcher_create(const lora_dataset *ds, int B, int T, int shuffle, uint64_t seed,
                                         lora_batcher **out) {
    lora_batcher *b;
    if (out) *out = NULL;
    if (!ds || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_batcher_create: NULL argument");
    if (B <= 0 || T <= 0 || (size_t)B > SIZE_MAX / (size_t)T)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_batcher_create: B = %d, T = %d must be positive", B, T);
    if (ds->n_samples == 0 || (!ds->separate && ds->n_tokens < (size_t)B * (size_t)T))
        return lora__fail(LORA_ERR_RANGE, "lora_batcher_create: the dataset has %zu tokens, fewer than one batch "
                          "(B*T = %d*%d = %zu)", ds->n_tokens, B, T, (size_t)B * (size_t)T);
    b = (lora_batcher *)lora__calloc(1, sizeof *b, "batcher");
    if (!b) return LORA_ERR_OOM;
    b->order = (size_t *)lora__malloc(sizeof(size_t) * (ds->n_samples ? ds->n_samples : 1), "epoch order");
    if (!b->order) { LORA_FREE(b); return LORA_ERR_OOM; }
    b->ds = ds; b->B = B; b->T = T; b->shuffle = shuffle != 0; b->seed = seed;
    lora__batcher_order(b);
    *out = b;
    return LORA_OK;
}

LORA_API void lora_batcher_free(lora_batcher *b) {
    if (!b) return;
    LORA_FREE(b->order);
    LORA_FREE(b);
}

LORA_API lora_status lora_batcher_seek(lora_batcher *b, uint64_t epoch, uint64_t pos) {
    size_t bt, k = 0, left;
    if (!b) return lora__fail(LORA_ERR_INVALID_ARG, "lora_batcher_seek: NULL argument");
    bt = (size_t)b->B * (size_t)b->T;
    if (b->ds->separate ? pos >= b->ds->n_tokens : (pos > b->ds->n_tokens - bt || pos % bt != 0))
        return lora__fail(LORA_ERR_RANGE, "lora_batcher_seek: position %llu is not the start of a batch within the %zu "
                          "tokens of the data (batches of %zu tokens)", (unsigned long long)pos, b->ds->n_tokens, bt);
    b->epoch = epoch;
    lora__batcher_order(b);
    left = (size_t)pos;
    while (k < b->ds->n_samples && left >= lora__sample_len(b->ds, b->order[k])) left -= lora__sample_len(b->ds, b->order[k++]);
    if (b->ds->separate && left % (size_t)b->T != 0)
        return lora__fail(LORA_ERR_RANGE, "lora_batcher_seek: position %llu falls inside a sample", (unsigned long long)pos);
    b->pos = pos;
    b->at_sample = k;
    b->at_offset = left;
    return LORA_OK;
}

LORA_API void lora_batcher_position(const lora_batcher *b, uint64_t *epoch, uint64_t *pos) {
    if (epoch) *epoch = b ? b->epoch : 0;
    if (pos) *pos = b ? b->pos : 0;
}

/* One row of whole samples (separate datasets); returns the tokens of the epoch consumed. */
static size_t lora__batcher_row(lora_batcher *b, int32_t *in, int32_t *lab, int32_t *pos) {
    const lora_dataset *ds = b->ds;
    size_t T = (size_t)b->T, used = 0, taken = 0;
    while (b->at_sample < ds->n_samples) {
        size_t k = b->order[b->at_sample], len = lora__sample_len(ds, k) - b->at_offset, n, i;
        size_t from = ds->sample_start[k] + b->at_offset;
        if (len > T - used) {
            if (used > 0) break;             /* the next row */
            n = T;                           /* longer than a row: cut */
        } else {
            n = len;
        }
        memcpy(in + used, ds->tokens + from, n * sizeof(int32_t));
        memcpy(lab + used, ds->labels + from, n * sizeof(int32_t));
        lab[used] = LORA_IGNORE_LABEL;       /* nothing before it in its sequence predicts it */
        for (i = 0; i < n; i++) pos[used + i] = (int32_t)i;
        used += n;
        taken += n;
        b->at_offset += n;
        if (b->at_offset == lora__sample_len(ds, k)) { b->at_sample++; b->at_offset = 0; }
    }
    for (; used < T; used++) { in[used] = ds->pad; lab[used] = LORA_IGNORE_LABEL; pos[used] = 0; }
    return taken;
}

static void lora__batcher_next_epoch(lora_batcher *b) {
    b->epoch++;
    b->pos = 0;
    b->at_sample = b->at_offset = 0;
    lora__batcher_order(b);
}

LORA_API size_t lora_batcher_epoch_batches(const lora_batcher *b) {
    size_t rows = 0, used = 0, k, T;
    if (!b) return 0;
    if (!b->ds->separate) return b->ds->n_tokens / ((size_t)b->B * (size_t)b->T);
    T = (size_t)b->T;
    for (k = 0; k < b->ds->n_samples; k++) {        /* the rows lora__batcher_row fills */
        size_t len = lora__sample_len(b->ds, k), off = 0;
        while (off < len) {
            size_t n = len - off;
            if (n > T - used) {
                if (used > 0) { rows++; used = 0; continue; }
                n = T;
            }
            used += n;
            off += n;
        }
    }
    rows += used > 0;
    return (rows + (size_t)b->B - 1) / (size_t)b->B;
}

LORA_API lora_status lora_batcher_next(lora_batcher *b, int32_t *inputs, int32_t *labels, int32_t *positions) {
    size_t bt, got = 0;
    const lora_dataset *ds;
    int r, t;
    if (!b || !inputs || !labels) return lora__fail(LORA_ERR_INVALID_ARG, "lora_batcher_next: NULL argument");
    ds = b->ds;
    bt = (size_t)b->B * (size_t)b->T;
    if (ds->separate) {
        if (!positions)
            return lora__fail(LORA_ERR_INVALID_ARG, "lora_batcher_next: the samples are separate sequences: positions are needed");
        for (r = 0; r < b->B; r++) {
            size_t o = (size_t)r * (size_t)b->T;
            b->pos += lora__batcher_row(b, inputs + o, labels + o, positions + o);
        }
        if (b->at_sample >= ds->n_samples) lora__batcher_next_epoch(b);
        return LORA_OK;
    }
    while (got < bt) {
        size_t k = b->order[b->at_sample], len = lora__sample_len(ds, k), n = len - b->at_offset;
        const size_t from = ds->sample_start[k] + b->at_offset;
        if (n > bt - got) n = bt - got;
        memcpy(inputs + got, ds->tokens + from, n * sizeof(int32_t));
        memcpy(labels + got, ds->labels + from, n * sizeof(int32_t));
        got += n;
        b->at_offset += n;
        if (b->at_offset == len) { b->at_sample++; b->at_offset = 0; }
    }
    if (positions)
        for (r = 0; r < b->B; r++)
            for (t = 0; t < b->T; t++) positions[(size_t)r * (size_t)b->T + (size_t)t] = t;
    b->pos += bt;
    /* fewer than a batch left in this epoch: the next epoch starts (in a new order) */
    if (b->pos > ds->n_tokens - bt) lora__batcher_next_epoch(b);
    return LORA_OK;
}
