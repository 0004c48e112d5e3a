/* ---- GGUF reader and writer ----
   The reader parses from one buffer (the mapped or read file) with a cursor that checks every
   length against the bytes left before it is used, so a count can never allocate more than
   the file could describe. Numbers are assembled byte by byte (little-endian whatever the
   host). The writer builds the header in a lora_buf and streams the tensors through the
   atomic file API, converting float32 to the stored type in small chunks. */

typedef struct lora__ggml_tinfo { const char *name; uint32_t blck, size; } lora__ggml_tinfo;
/* ggml's type table (ggml.h, gguf-py GGML_QUANT_SIZES): block size in elements, bytes per block;
   NULL name = an id ggml removed or never used */
static const lora__ggml_tinfo lora__ggml_types[] = {
    {"F32", 1, 4}, {"F16", 1, 2}, {"Q4_0", 32, 18}, {"Q4_1", 32, 20}, {NULL, 0, 0}, {NULL, 0, 0},
    {"Q5_0", 32, 22}, {"Q5_1", 32, 24}, {"Q8_0", 32, 34}, {"Q8_1", 32, 36},
    {"Q2_K", 256, 84}, {"Q3_K", 256, 110}, {"Q4_K", 256, 144}, {"Q5_K", 256, 176}, {"Q6_K", 256, 210},
    {"Q8_K", 256, 292}, {"IQ2_XXS", 256, 66}, {"IQ2_XS", 256, 74}, {"IQ3_XXS", 256, 98}, {"IQ1_S", 256, 50},
    {"IQ4_NL", 32, 18}, {"IQ3_S", 256, 110}, {"IQ2_S", 256, 82}, {"IQ4_XS", 256, 136},
    {"I8", 1, 1}, {"I16", 1, 2}, {"I32", 1, 4}, {"I64", 1, 8}, {"F64", 1, 8}, {"IQ1_M", 256, 56},
    {"BF16", 1, 2}, {NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0}, {"TQ1_0", 256, 54}, {"TQ2_0", 256, 66}
};
#define LORA__GGML_NTYPES (sizeof lora__ggml_types / sizeof lora__ggml_types[0])

LORA_API const char *lora_ggml_type_name(uint32_t type) {
    return type < LORA__GGML_NTYPES ? lora__ggml_types[type].name : NULL;
}

static const char *lora__gguf_type_name(uint32_t t) {
    static const char *const names[] = {"UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32",
                                        "BOOL", "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64"};
    return t < 13 ? names[t] : "unknown";
}
/* bytes of one value of a fixed-size type, 0 for STRING / ARRAY / unknown */
static size_t lora__gguf_type_size(uint32_t t) {
    static const unsigned char sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return t < 13 ? sizes[t] : 0;
}

typedef struct lora__gguf_impl {
    int kind;                      /* 0: caller's memory, 1: mmap, 2: malloc'd copy */
    void *owned;
    size_t owned_size;
} lora__gguf_impl;

static void lora__gguf_free_contents(lora_gguf *g) {
    size_t i, k;
    lora__gguf_impl *im = (lora__gguf_impl *)g->impl_;
    for (i = 0; i < g->n_kv; i++) {
        lora_gguf_kv *kv = &g->kv[i];
        LORA_FREE(kv->key); LORA_FREE(kv->str); LORA_FREE(kv->arr);
        if (kv->strs) for (k = 0; k < kv->n; k++) LORA_FREE(kv->strs[k]);
        LORA_FREE(kv->strs); LORA_FREE(kv->str_lens);
    }
    LORA_FREE(g->kv);
    for (i = 0; i < g->n_tensors; i++) LORA_FREE(g->tensors[i].name);
    LORA_FREE(g->tensors);
    LORA_FREE(g->path);
    if (im) {
#ifdef LORA__ST_MMAP
        if (im->kind == 1) munmap(im->owned, im->owned_size);
#endif
        if (im->kind == 2) LORA_FREE(im->owned);
        LORA_FREE(im);
    }
    memset(g, 0, sizeof *g);
}

LORA_API void lora_gguf_close(lora_gguf *g) {
    if (!g) return;
    lora__gguf_free_contents(g);
    LORA_FREE(g);
}

/* ---- the cursor ---- */
typedef struct lora__gguf_rd {
    const unsigned char *p;
    size_t size, pos;
    const char *file;
} lora__gguf_rd;

static uint64_t lora__gguf_le(const unsigned char *p, size_t n) {
    uint64_t v = 0;
    size_t i;
    for (i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
}
/* n bytes as a little-endian unsigned number; 0 (and a message naming what) at the end of the file */
static int lora__gguf_num(lora__gguf_rd *r, size_t n, uint64_t *out, const char *what) {
    if (r->size - r->pos < n) {
        lora__fail(LORA_ERR_FORMAT, "%s: truncated at byte %zu: %s needs %zu bytes, %zu left", r->file, r->pos, what, n,
                   r->size - r->pos);
        return 0;
    }
    *out = lora__gguf_le(r->p + r->pos, n);
    r->pos += n;
    return 1;
}
/* a string: u64 length, bytes (a NUL-terminated copy in *out) */
static lora_status lora__gguf_str(lora__gguf_rd *r, char **out, size_t *len, const char *what) {
    uint64_t n;
    *out = NULL;
    if (!lora__gguf_num(r, 8, &n, what)) return LORA_ERR_FORMAT;
    if (n > r->size - r->pos)
        return lora__fail(LORA_ERR_FORMAT, "%s: %s at byte %zu: length %llu runs past the end of the file (%zu bytes left)",
                          r->file, what, r->pos - 8, (unsigned long long)n, r->size - r->pos);
    if (!(*out = (char *)lora__malloc((size_t)n + 1, what))) return LORA_ERR_OOM;
    memcpy(*out, r->p + r->pos, (size_t)n);
    (*out)[n] = 0;
    if (len) *len = (size_t)n;
    r->pos += (size_t)n;
    return LORA_OK;
}

static void lora__gguf_set_scalar(lora_gguf_kv *kv, uint32_t t, uint64_t raw) {
    switch (t) {
    case LORA_GGUF_UINT8: case LORA_GGUF_UINT16: case LORA_GGUF_UINT32: case LORA_GGUF_UINT64: case LORA_GGUF_BOOL:
        kv->u = raw; kv->i = (int64_t)raw; kv->f = (double)raw; break;
    case LORA_GGUF_INT8: kv->i = (int8_t)(uint8_t)raw; break;
    case LORA_GGUF_INT16: kv->i = (int16_t)(uint16_t)raw; break;
    case LORA_GGUF_INT32: kv->i = (int32_t)(uint32_t)raw; break;
    case LORA_GGUF_INT64: kv->i = (int64_t)raw; break;
    case LORA_GGUF_FLOAT32: { uint32_t b = (uint32_t)raw; float f; memcpy(&f, &b, 4); kv->f = f; return; }
    case LORA_GGUF_FLOAT64: memcpy(&kv->f, &raw, 8); return;
    default: return;
    }
    if (t == LORA_GGUF_INT8 || t == LORA_GGUF_INT16 || t == LORA_GGUF_INT32 || t == LORA_GGUF_INT64) {
        kv->u = (uint64_t)kv->i;
        kv->f = (double)kv->i;
    }
}

static lora_status lora__gguf_read_kv(lora__gguf_rd *r, lora_gguf_kv *kv, size_t idx) {
    uint64_t t, n, raw;
    lora_status s;
    char what[64];
    size_t klen;
    snprintf(what, sizeof what, "key %zu", idx);
    if ((s = lora__gguf_str(r, &kv->key, &klen, what)) != LORA_OK) return s;
    if (klen == 0 || strlen(kv->key) != klen)
        return lora__fail(LORA_ERR_FORMAT, "%s: key %zu is %s", r->file, idx, klen ? "holding a NUL byte" : "empty");
    if (!lora__gguf_num(r, 4, &t, "a value type")) return LORA_ERR_FORMAT;
    if (t > LORA_GGUF_FLOAT64)
        return lora__fail(LORA_ERR_FORMAT, "%s: key '%s': unknown value type %llu (GGUF defines 0..12)", r->file, kv->key,
                          (unsigned long long)t);
    kv->type = kv->elem_type = (lora_gguf_type)t;
    kv->n = 1;
    if (t == LORA_GGUF_STRING) return lora__gguf_str(r, &kv->str, &kv->str_len, kv->key);
    if (t != LORA_GGUF_ARRAY) {
        if (!lora__gguf_num(r, lora__gguf_type_size((uint32_t)t), &raw, kv->key)) return LORA_ERR_FORMAT;
        if (t == LORA_GGUF_BOOL && raw > 1)
            return lora__fail(LORA_ERR_FORMAT, "%s: key '%s' is not a bool (%u)", r->file, kv->key, (unsigned)raw);
        lora__gguf_set_scalar(kv, (uint32_t)t, raw);
        return LORA_OK;
    }
    if (!lora__gguf_num(r, 4, &t, "an array element type") || !lora__gguf_num(r, 8, &n, "an array length")) return LORA_ERR_FORMAT;
    if (t > LORA_GGUF_FLOAT64 || t == LORA_GGUF_ARRAY)
        return lora__fail(LORA_ERR_FORMAT, "%s: key '%s': %s array element type %llu", r->file, kv->key,
                          t == LORA_GGUF_ARRAY ? "unsupported (nested)" : "unknown", (unsigned long long)t);
    kv->elem_type = (lora_gguf_type)t;
    {
        /* every element needs at least es bytes (strings: their u64 length) */
        size_t es = t == LORA_GGUF_STRING ? 8 : lora__gguf_type_size((uint32_t)t);
        if (n > (r->size - r->pos) / es)
            return lora__fail(LORA_ERR_FORMAT, "%s: key '%s': array of %llu %s values needs at least %llu bytes, %zu left",
                              r->file, kv->key, (unsigned long long)n, lora__gguf_type_name((uint32_t)t),
                              (unsigned long long)n * es, r->size - r->pos);
        kv->n = n;
        if (t == LORA_GGUF_STRING) {
            uint64_t k;
            kv->strs = (char **)lora__calloc((size_t)n ? (size_t)n : 1, sizeof(char *), "GGUF string array");
            kv->str_lens = (size_t *)lora__calloc((size_t)n ? (size_t)n : 1, sizeof(size_t), "GGUF string array");
            if (!kv->strs || !kv->str_lens) return LORA_ERR_OOM;
            for (k = 0; k < n; k++)
                if ((s = lora__gguf_str(r, &kv->strs[k], &kv->str_lens[k], kv->key)) != LORA_OK) return s;
        } else {
            unsigned char *dst = (unsigned char *)lora__malloc((size_t)n * es + 1, "GGUF array");
            uint64_t k;
            if (!dst) return LORA_ERR_OOM;
            kv->arr = dst;
            memcpy(dst, r->p + r->pos, (size_t)n * es);
            r->pos += (size_t)n * es;
            if (t == LORA_GGUF_BOOL)
                for (k = 0; k < n; k++)
                    if (dst[k] > 1)
                        return lora__fail(LORA_ERR_FORMAT, "%s: key '%s': element %llu is not a bool (%u)", r->file, kv->key,
                                          (unsigned long long)k, dst[k]);
            lora__le_swap(dst, (size_t)n * es, es);
        }
    }
    return LORA_OK;
}

typedef struct lora__gguf_span { uint64_t start, end; size_t idx; } lora__gguf_span;
static int lora__gguf_cmp_span(const void *a, const void *b) {
    const lora__gguf_span *x = (const lora__gguf_span *)a, *y = (const lora__gguf_span *)b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}
typedef struct lora__gguf_nameref { const char *s; size_t idx; } lora__gguf_nameref;
static int lora__gguf_cmp_name(const void *a, const void *b) {
    const lora__gguf_nameref *x = (const lora__gguf_nameref *)a, *y = (const lora__gguf_nameref *)b;
    int c = strcmp(x->s, y->s);
    return c ? c : (x->idx < y->idx ? -1 : x->idx > y->idx);
}
/* the first name used twice among n (NULL when all differ) */
static lora_status lora__gguf_dups(const char *file, const char *what, const char *const *names, size_t stride, size_t n) {
    lora__gguf_nameref *refs;
    size_t i;
    lora_status s = LORA_OK;
    if (n < 2) return LORA_OK;
    if (!(refs = (lora__gguf_nameref *)lora__malloc(n * sizeof *refs, "GGUF names"))) return LORA_ERR_OOM;
    for (i = 0; i < n; i++) {
        refs[i].s = *(const char *const *)((const char *)names + i * stride);
        refs[i].idx = i;
    }
    qsort(refs, n, sizeof *refs, lora__gguf_cmp_name);
    for (i = 1; i < n; i++)
        if (strcmp(refs[i - 1].s, refs[i].s) == 0) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: duplicate %s '%s' (entries %zu and %zu)", file, what, refs[i].s,
                           refs[i - 1].idx, refs[i].idx);
            break;
        }
    LORA_FREE(refs);
    return s;
}

static lora_status lora__gguf_parse(const unsigned char *base, size_t size, lora_gguf *g) {
    lora__gguf_rd r;
    uint64_t v, n_tensors, n_kv, data_start;
    lora__gguf_span *spans = NULL;
    lora_status s;
    size_t i;
    r.p = base; r.size = size; r.pos = 0; r.file = g->path;
    if (size < 4 || memcmp(base, "GGUF", 4) != 0)
        return lora__fail(LORA_ERR_FORMAT, "%s: not a GGUF file (expected the magic \"GGUF\" in the first 4 bytes)", g->path);
    r.pos = 4;
    if (!lora__gguf_num(&r, 4, &v, "the version")) return LORA_ERR_FORMAT;
    if (v == 0x03000000u || v == 0x02000000u)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: a big-endian GGUF file (version %u byte-swapped); only little-endian "
                          "files are supported", g->path, (unsigned)(v >> 24));
    if (v == 1) return lora__fail(LORA_ERR_UNSUPPORTED, "%s: GGUF version 1 is not supported (2 and 3 are)", g->path);
    if (v != 2 && v != 3) return lora__fail(LORA_ERR_FORMAT, "%s: unknown GGUF version %llu (expected 3)", g->path, (unsigned long long)v);
    g->version = (uint32_t)v;
    if (!lora__gguf_num(&r, 8, &n_tensors, "the tensor count") || !lora__gguf_num(&r, 8, &n_kv, "the key-value count"))
        return LORA_ERR_FORMAT;
    /* a key-value takes at least 13 bytes (key length, type, one byte), a tensor info 24 */
    if (n_kv > (size - r.pos) / 13)
        return lora__fail(LORA_ERR_FORMAT, "%s: %llu key-values cannot fit in the %zu bytes that follow", g->path,
                          (unsigned long long)n_kv, size - r.pos);
    if (n_tensors > (size - r.pos) / 24)
        return lora__fail(LORA_ERR_FORMAT, "%s: %llu tensor infos cannot fit in the %zu bytes that follow", g->path,
                          (unsigned long long)n_tensors, size - r.pos);
    g->kv = (lora_gguf_kv *)lora__calloc((size_t)n_kv ? (size_t)n_kv : 1, sizeof *g->kv, "GGUF key-values");
    g->tensors = (lora_gguf_tensor *)lora__calloc((size_t)n_tensors ? (size_t)n_tensors : 1, sizeof *g->tensors, "GGUF tensors");
    if (!g->kv || !g->tensors) return LORA_ERR_OOM;
    for (i = 0; i < (size_t)n_kv; i++) {
        g->n_kv = i + 1;
        if ((s = lora__gguf_read_kv(&r, &g->kv[i], i)) != LORA_OK) return s;
    }
    if ((s = lora__gguf_dups(g->path, "key", (const char *const *)&g->kv[0].key, sizeof(lora_gguf_kv), g->n_kv)) != LORA_OK)
        return s;
    g->alignment = LORA_GGUF_DEFAULT_ALIGNMENT;
    {
        const lora_gguf_kv *al = lora_gguf_find_kv(g, "general.alignment");
        if (al) {
            if (al->type != LORA_GGUF_UINT32 || al->u == 0 || (al->u & (al->u - 1)) != 0)
                return lora__fail(LORA_ERR_FORMAT, "%s: general.alignment must be a UINT32 power of two, found %s %llu",
                                  g->path, lora__gguf_type_name(al->type), (unsigned long long)al->u);
            g->alignment = (uint32_t)al->u;
        }
    }
    for (i = 0; i < (size_t)n_tensors; i++) {
        lora_gguf_tensor *t = &g->tensors[i];
        size_t len;
        uint64_t nd, type, k;
        const lora__ggml_tinfo *ti;
        char what[64];
        g->n_tensors = i + 1;
        snprintf(what, sizeof what, "the name of tensor %zu", i);
        if ((s = lora__gguf_str(&r, &t->name, &len, what)) != LORA_OK) return s;
        if (len == 0 || len >= LORA_GGUF_MAX_NAME || strlen(t->name) != len)
            return lora__fail(LORA_ERR_FORMAT, "%s: tensor %zu: name of %zu bytes%s (expected 1 to %d bytes, no NUL)", g->path, i,
                              len, strlen(t->name) != len ? " holding a NUL" : "", LORA_GGUF_MAX_NAME - 1);
        if (!lora__gguf_num(&r, 4, &nd, "a dimension count")) return LORA_ERR_FORMAT;
        if (nd > LORA_GGUF_MAX_DIMS)
            return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': %llu dimensions (at most %d)", g->path, t->name,
                              (unsigned long long)nd, LORA_GGUF_MAX_DIMS);
        t->n_dims = (int)nd;
        t->numel = 1;
        for (k = 0; k < LORA_GGUF_MAX_DIMS; k++) {
            uint64_t d = 1;
            if (k < nd && !lora__gguf_num(&r, 8, &d, "a dimension")) return LORA_ERR_FORMAT;
            if (d > (uint64_t)INT64_MAX || (d && (uint64_t)t->numel > (uint64_t)INT64_MAX / d))
                return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': dimension %llu of size %llu overflows the element count",
                                  g->path, t->name, (unsigned long long)k, (unsigned long long)d);
            t->ne[k] = (int64_t)d;
            t->numel *= (int64_t)d;
        }
        if (!lora__gguf_num(&r, 4, &type, "a tensor type") || !lora__gguf_num(&r, 8, &t->offset, "a tensor offset"))
            return LORA_ERR_FORMAT;
        if (type >= LORA__GGML_NTYPES || !lora__ggml_types[type].name)
            return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': unknown ggml type %llu", g->path, t->name, (unsigned long long)type);
        t->type = (uint32_t)type;
        ti = &lora__ggml_types[type];
        if (t->ne[0] % ti->blck != 0)
            return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': %lld elements per row is not a whole number of %s blocks of %u",
                              g->path, t->name, (long long)t->ne[0], ti->name, ti->blck);
        /* numel / blck blocks of size bytes: at most 2^63 / 1 * 292 could overflow */
        if ((uint64_t)(t->numel / ti->blck) > UINT64_MAX / ti->size)
            return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': byte size overflows", g->path, t->name);
        t->nbytes = (uint64_t)(t->numel / ti->blck) * ti->size;
        if (t->offset % g->alignment != 0)
            return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': offset %llu is not a multiple of the alignment %u", g->path,
                              t->name, (unsigned long long)t->offset, (unsigned)g->alignment);
    }
    if ((s = lora__gguf_dups(g->path, "tensor name", (const char *const *)&g->tensors[0].name, sizeof(lora_gguf_tensor),
                             g->n_tensors)) != LORA_OK)
        return s;
    data_start = ((uint64_t)r.pos + g->alignment - 1) / g->alignment * g->alignment;
    g->data_offset = data_start;
    if (g->n_tensors == 0) return LORA_OK;
    if (data_start > size)
        return lora__fail(LORA_ERR_FORMAT, "%s: truncated: the data section would start at byte %llu, the file has %zu", g->path,
                          (unsigned long long)data_start, size);
    spans = (lora__gguf_span *)lora__malloc(g->n_tensors * sizeof *spans, "GGUF tensor spans");
    if (!spans) return LORA_ERR_OOM;
    for (i = 0; i < g->n_tensors; i++) {
        lora_gguf_tensor *t = &g->tensors[i];
        uint64_t avail = size - data_start;
        if (t->offset > avail || t->nbytes > avail - t->offset) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': bytes %llu..%llu of the data section run past the end of the file "
                           "(%llu data bytes)", g->path, t->name, (unsigned long long)t->offset,
                           (unsigned long long)(t->offset + t->nbytes), (unsigned long long)avail);
            LORA_FREE(spans);
            return s;
        }
        t->data = base + data_start + t->offset;
        spans[i].start = t->offset; spans[i].end = t->offset + t->nbytes; spans[i].idx = i;
    }
    qsort(spans, g->n_tensors, sizeof *spans, lora__gguf_cmp_span);
    {
        /* sorted by start: a tensor overlaps an earlier one iff it starts before the furthest end so
           far (empty tensors overlap nothing) */
        size_t far = (size_t)-1;
        for (i = 0; i < g->n_tensors; i++) {
            if (spans[i].end == spans[i].start) continue;
            if (far != (size_t)-1 && spans[i].start < spans[far].end) {
                s = lora__fail(LORA_ERR_FORMAT, "%s: tensors '%s' and '%s' overlap (data bytes %llu..%llu and %llu..%llu)", g->path,
                               g->tensors[spans[far].idx].name, g->tensors[spans[i].idx].name,
                               (unsigned long long)spans[far].start, (unsigned long long)spans[far].end,
                               (unsigned long long)spans[i].start, (unsigned long long)spans[i].end);
                break;
            }
            if (far == (size_t)-1 || spans[i].end > spans[far].end) far = i;
        }
    }
    LORA_FREE(spans);
    return s;
}

static lora_status lora__gguf_new(const char *name, lora_gguf **out) {
    lora_gguf *g = (lora_gguf *)lora__calloc(1, sizeof *g, "GGUF file");
    if (!g) return LORA_ERR_OOM;
    g->path = lora__strdup(name, "GGUF path");
    g->impl_ = lora__calloc(1, sizeof(lora__gguf_impl), "GGUF file");
    if (!g->path || !g->impl_) { lora_gguf_close(g); return LORA_ERR_OOM; }
    *out = g;
    return LORA_OK;
}

LORA_API lora_status lora_gguf_open_memory(const void *data, size_t size, const char *name, lora_gguf **out) {
    lora_gguf *g;
    lora_status s;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_open_memory: out is NULL");
    *out = NULL;
    if (!data && size) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_open_memory: data is NULL");
    if ((s = lora__gguf_new(name ? name : "<memory>", &g)) != LORA_OK) return s;
    if ((s = lora__gguf_parse((const unsigned char *)(data ? data : ""), size, g)) != LORA_OK) { lora_gguf_close(g); return s; }
    *out = g;
    return LORA_OK;
}

LORA_API lora_status lora_gguf_open(const char *path, lora_gguf **out) {
    lora_gguf *g;
    lora__gguf_impl *im;
    lora_status s;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_open: out is NULL");
    *out = NULL;
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_open: path is NULL");
    if ((s = lora__gguf_new(path, &g)) != LORA_OK) return s;
    im = (lora__gguf_impl *)g->impl_;
    if ((s = lora__file_view(path, &im->kind, &im->owned, &im->owned_size)) != LORA_OK ||
        (s = lora__gguf_parse((const unsigned char *)im->owned, im->owned_size, g)) != LORA_OK) {
        lora_gguf_close(g);
        return s;
    }
    *out = g;
    return LORA_OK;
}

LORA_API int lora_gguf_probe(const char *path) {
    unsigned char b[4];
    FILE *f;
    size_t got;
    if (!path || lora__check_not_dir(path) != LORA_OK) { lora_clear_error(); return 0; }
    if (!(f = fopen(path, "rb"))) return 0;
    got = fread(b, 1, 4, f);
    fclose(f);
    return got == 4 && memcmp(b, "GGUF", 4) == 0;
}

LORA_API const lora_gguf_kv *lora_gguf_find_kv(const lora_gguf *g, const char *key) {
    size_t i;
    if (!g || !key) return NULL;
    for (i = 0; i < g->n_kv; i++)
        if (g->kv[i].key && strcmp(g->kv[i].key, key) == 0) return &g->kv[i];
    return NULL;
}
LORA_API const lora_gguf_tensor *lora_gguf_find_tensor(const lora_gguf *g, const char *name) {
    size_t i;
    if (!g || !name) return NULL;
    for (i = 0; i < g->n_tensors; i++)
        if (g->tensors[i].name && strcmp(g->tensors[i].name, name) == 0) return &g->tensors[i];
    return NULL;
}

static lora_status lora__gguf_need(const lora_gguf *g, const char *key, const void *out, const lora_gguf_kv **kv) {
    if (!g || !key || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_get: NULL argument");
    if (!(*kv = lora_gguf_find_kv(g, key))) return lora__fail(LORA_ERR_NOT_FOUND, "%s: no key '%s'", g->path, key);
    return LORA_OK;
}
LORA_API lora_status lora_gguf_get_str(const lora_gguf *g, const char *key, const char **out) {
    const lora_gguf_kv *kv;
    lora_status s = lora__gguf_need(g, key, out, &kv);
    if (s != LORA_OK) return s;
    if (kv->type != LORA_GGUF_STRING)
        return lora__fail(LORA_ERR_FORMAT, "%s: key '%s': expected a STRING, found %s", g->path, key, lora__gguf_type_name(kv->type));
    *out = kv->str;
    return LORA_OK;
}
static int lora__gguf_is_int(uint32_t t) {
    return t <= LORA_GGUF_INT32 || t == LORA_GGUF_BOOL || t == LORA_GGUF_UINT64 || t == LORA_GGUF_INT64;
}
LORA_API lora_status lora_gguf_get_int(const lora_gguf *g, const char *key, int64_t *out) {
    const lora_gguf_kv *kv;
    lora_status s = lora__gguf_need(g, key, out, &kv);
    if (s != LORA_OK) return s;
    if (!lora__gguf_is_int(kv->type))
        return lora__fail(LORA_ERR_FORMAT, "%s: key '%s': expected an integer, found %s", g->path, key, lora__gguf_type_name(kv->type));
    if (kv->type == LORA_GGUF_UINT64 && kv->u > (uint64_t)INT64_MAX)
        return lora__fail(LORA_ERR_FORMAT, "%s: key '%s': %llu is out of range", g->path, key, (unsigned long long)kv->u);
    *out = kv->i;
    return LORA_OK;
}
LORA_API lora_status lora_gguf_get_float(const lora_gguf *g, const char *key, double *out) {
    const lora_gguf_kv *kv;
    lora_status s = lora__gguf_need(g, key, out, &kv);
    if (s != LORA_OK) return s;
    if (kv->type != LORA_GGUF_FLOAT32 && kv->type != LORA_GGUF_FLOAT64 && !lora__gguf_is_int(kv->type))
        return lora__fail(LORA_ERR_FORMAT, "%s: key '%s': expected a number, found %s", g->path, key, lora__gguf_type_name(kv->type));
    *out = kv->f;
    return LORA_OK;
}

LORA_API lora_status lora_gguf_tensor_f32(const lora_gguf *g, const lora_gguf_tensor *t, float *dst, int64_t numel) {
    const unsigned char *p;
    int64_t i;
    if (!g || !t || (!dst && numel)) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_tensor_f32: NULL argument");
    if (numel != t->numel)
        return lora__fail(LORA_ERR_SHAPE, "%s: tensor '%s': %lld values, the destination holds %lld", g->path, t->name,
                          (long long)t->numel, (long long)numel);
    p = (const unsigned char *)t->data;
    switch (t->type) {
    case LORA_GGML_F32:
        for (i = 0; i < numel; i++) { uint32_t b = (uint32_t)lora__gguf_le(p + 4 * i, 4); memcpy(&dst[i], &b, 4); }
        return LORA_OK;
    case LORA_GGML_F16:
        for (i = 0; i < numel; i++) dst[i] = lora_f16_to_f32((uint16_t)lora__gguf_le(p + 2 * i, 2));
        return LORA_OK;
    case LORA_GGML_BF16:
        for (i = 0; i < numel; i++) dst[i] = lora_bf16_to_f32((uint16_t)lora__gguf_le(p + 2 * i, 2));
        return LORA_OK;
    case LORA_GGML_Q8_0:
        /* blocks of 32: an f16 scale d, then 32 int8 q; value = d * q (ggml's dequantize_row_q8_0) */
        for (i = 0; i < numel; i += 32) {
            const unsigned char *blk = p + (size_t)(i / 32) * 34;
            float d = lora_f16_to_f32((uint16_t)lora__gguf_le(blk, 2));
            int k;
            for (k = 0; k < 32; k++) dst[i + k] = d * (float)(int8_t)blk[2 + k];
        }
        return LORA_OK;
    default:
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: tensor '%s': type %s cannot be converted (F32, F16, BF16 and Q8_0 can)",
                          g->path, t->name, lora_ggml_type_name(t->type) ? lora_ggml_type_name(t->type) : "?");
    }
}

static const char *lora__gguf_ne_str(char *buf, size_t cap, const int64_t *ne, int n) {
    size_t k = 0;
    int i;
    k += (size_t)snprintf(buf, cap, "(");
    for (i = 0; i < n && k < cap; i++) k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? ", " : "", (long long)ne[i]);
    if (k < cap) snprintf(buf + k, cap - k, ")");
    return buf;
}

LORA_API lora_status lora_gguf_load_f32(const lora_gguf *g, const char *name, int n_dims, const int64_t *ne, float *dst) {
    const lora_gguf_tensor *t;
    int64_t numel = 1;
    int k, ok = 1;
    char a[128], b[128];
    if (!g || !name || !ne || n_dims < 0 || n_dims > LORA_GGUF_MAX_DIMS)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_load_f32: bad argument");
    if (!(t = lora_gguf_find_tensor(g, name))) return lora__fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found", g->path, name);
    for (k = 0; k < LORA_GGUF_MAX_DIMS; k++) {
        int64_t want = k < n_dims ? ne[k] : 1;
        if (t->ne[k] != want) ok = 0;
        numel *= want;
    }
    if (!ok || t->n_dims > n_dims)
        return lora__fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected ne %s, found %s", g->path, name,
                          lora__gguf_ne_str(a, sizeof a, ne, n_dims), lora__gguf_ne_str(b, sizeof b, t->ne, t->n_dims));
    return lora_gguf_tensor_f32(g, t, dst, numel);
}

/* ---- writer ---- */
typedef struct lora__gguf_wtensor {
    char *name;
    int n_dims, flags;
    int64_t ne[LORA_GGUF_MAX_DIMS], numel;
    lora_ggml_type type;
    const float *data;
    float *owned;
} lora__gguf_wtensor;

struct lora_gguf_writer {
    lora__buf kv;              /* the encoded key-values */
    size_t n_kv;
    char **keys;               /* for duplicate checks */
    size_t keys_cap;
    lora__gguf_wtensor *t;
    size_t n_t, t_cap;
    uint32_t alignment;
};

LORA_API lora_status lora_gguf_writer_create(lora_gguf_writer **out) {
    lora_gguf_writer *w;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_writer_create: out is NULL");
    if (!(w = (lora_gguf_writer *)lora__calloc(1, sizeof *w, "GGUF writer"))) { *out = NULL; return LORA_ERR_OOM; }
    w->alignment = LORA_GGUF_DEFAULT_ALIGNMENT;
    *out = w;
    return LORA_OK;
}
LORA_API void lora_gguf_writer_free(lora_gguf_writer *w) {
    size_t i;
    if (!w) return;
    lora__buf_free(&w->kv);
    for (i = 0; i < w->n_kv; i++) LORA_FREE(w->keys[i]);
    LORA_FREE(w->keys);
    for (i = 0; i < w->n_t; i++) { LORA_FREE(w->t[i].name); LORA_FREE(w->t[i].owned); }
    LORA_FREE(w->t);
    LORA_FREE(w);
}

static void lora__gguf_put(lora__buf *b, uint64_t v, size_t n) {
    unsigned char x[8];
    size_t i;
    for (i = 0; i < n; i++) x[i] = (unsigned char)(v >> (8 * i));
    lora__buf_append(b, x, n);
}
static void lora__gguf_put_str(lora__buf *b, const char *s, size_t n) {
    lora__gguf_put(b, n, 8);
    lora__buf_append(b, s, n);
}

/* starts a key: checks it is new, records it, encodes it and the type */
static lora_status lora__gguf_key(lora_gguf_writer *w, const char *key, uint32_t type) {
    size_t i;
    if (!w || !key || !key[0]) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_set: NULL writer or empty key");
    for (i = 0; i < w->n_kv; i++)
        if (strcmp(w->keys[i], key) == 0) return lora__fail(LORA_ERR_INVALID_ARG, "GGUF writer: key '%s' set twice", key);
    if (w->n_kv == w->keys_cap) {
        size_t cap = w->keys_cap ? 2 * w->keys_cap : 32;
        char **k = (char **)lora__realloc(w->keys, cap * sizeof *k, "GGUF keys");
        if (!k) return LORA_ERR_OOM;
        w->keys = k; w->keys_cap = cap;
    }
    if (!(w->keys[w->n_kv] = lora__strdup(key, "GGUF key"))) return LORA_ERR_OOM;
    w->n_kv++;
    lora__gguf_put_str(&w->kv, key, strlen(key));
    lora__gguf_put(&w->kv, type, 4);
    return w->kv.failed ? LORA_ERR_OOM : LORA_OK;
}
static lora_status lora__gguf_scalar(lora_gguf_writer *w, const char *key, uint32_t type, uint64_t raw) {
    lora_status s = lora__gguf_key(w, key, type);
    if (s != LORA_OK) return s;
    lora__gguf_put(&w->kv, raw, lora__gguf_type_size(type));
    return w->kv.failed ? LORA_ERR_OOM : LORA_OK;
}
LORA_API lora_status lora_gguf_set_u32(lora_gguf_writer *w, const char *key, uint32_t v) { return lora__gguf_scalar(w, key, LORA_GGUF_UINT32, v); }
LORA_API lora_status lora_gguf_set_i32(lora_gguf_writer *w, const char *key, int32_t v) { return lora__gguf_scalar(w, key, LORA_GGUF_INT32, (uint32_t)v); }
LORA_API lora_status lora_gguf_set_u64(lora_gguf_writer *w, const char *key, uint64_t v) { return lora__gguf_scalar(w, key, LORA_GGUF_UINT64, v); }
LORA_API lora_status lora_gguf_set_bool(lora_gguf_writer *w, const char *key, int v) { return lora__gguf_scalar(w, key, LORA_GGUF_BOOL, v ? 1u : 0u); }
LORA_API lora_status lora_gguf_set_f32(lora_gguf_writer *w, const char *key, float v) {
    uint32_t b;
    memcpy(&b, &v, 4);
    return lora__gguf_scalar(w, key, LORA_GGUF_FLOAT32, b);
}
LORA_API lora_status lora_gguf_set_str(lora_gguf_writer *w, const char *key, const char *value) {
    lora_status s;
    if (!value) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_set_str: value of '%s' is NULL", key ? key : "?");
    if ((s = lora__gguf_key(w, key, LORA_GGUF_STRING)) != LORA_OK) return s;
    lora__gguf_put_str(&w->kv, value, strlen(value));
    return w->kv.failed ? LORA_ERR_OOM : LORA_OK;
}
LORA_API lora_status lora_gguf_set_str_array(lora_gguf_writer *w, const char *key, const char *const *strs,
                                             const size_t *lens, size_t n) {
    lora_status s;
    size_t i;
    if (!strs && n) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_set_str_array: strings of '%s' are NULL", key ? key : "?");
    if ((s = lora__gguf_key(w, key, LORA_GGUF_ARRAY)) != LORA_OK) return s;
    lora__gguf_put(&w->kv, LORA_GGUF_STRING, 4);
    lora__gguf_put(&w->kv, n, 8);
    for (i = 0; i < n; i++) lora__gguf_put_str(&w->kv, strs[i], lens ? lens[i] : strlen(strs[i]));
    return w->kv.failed ? LORA_ERR_OOM : LORA_OK;
}
LORA_API lora_status lora_gguf_set_array(lora_gguf_writer *w, const char *key, lora_gguf_type elem, const void *values, size_t n) {
    lora_status s;
    size_t es = lora__gguf_type_size((uint32_t)elem), i;
    if (!es) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_set_array: '%s': element type %d is not numeric", key ? key : "?", (int)elem);
    if (!values && n) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_set_array: values of '%s' are NULL", key ? key : "?");
    if ((s = lora__gguf_key(w, key, LORA_GGUF_ARRAY)) != LORA_OK) return s;
    lora__gguf_put(&w->kv, (uint32_t)elem, 4);
    lora__gguf_put(&w->kv, n, 8);
    for (i = 0; i < n; i++) {
        uint64_t raw = 0;
        const unsigned char *p = (const unsigned char *)values + i * es;
        switch (es) {
        case 1: raw = p[0]; break;
        case 2: { uint16_t v; memcpy(&v, p, 2); raw = v; break; }
        case 4: { uint32_t v; memcpy(&v, p, 4); raw = v; break; }
        default: memcpy(&raw, p, 8); break;
        }
        lora__gguf_put(&w->kv, raw, es);
    }
    return w->kv.failed ? LORA_ERR_OOM : LORA_OK;
}
LORA_API lora_status lora_gguf_set_alignment(lora_gguf_writer *w, uint32_t alignment) {
    if (!w) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_set_alignment: writer is NULL");
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_set_alignment: %u is not a power of two", (unsigned)alignment);
    w->alignment = alignment;
    return LORA_OK;
}

LORA_API lora_status lora_gguf_add_tensor(lora_gguf_writer *w, const char *name, int n_dims, const int64_t *ne,
                                          lora_ggml_type type, const float *data, int flags) {
    lora__gguf_wtensor *t;
    size_t i, len;
    int k;
    int64_t numel = 1;
    if (!w || !name || !ne || (!data)) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_add_tensor: NULL argument");
    len = strlen(name);
    if (len == 0 || len >= LORA_GGUF_MAX_NAME)
        return lora__fail(LORA_ERR_INVALID_ARG, "GGUF writer: tensor name '%s' has %zu bytes (llama.cpp takes 1 to %d)", name, len,
                          LORA_GGUF_MAX_NAME - 1);
    if (n_dims < 1 || n_dims > LORA_GGUF_MAX_DIMS || ((flags & LORA_GGUF_TRANSPOSE) && n_dims != 2))
        return lora__fail(LORA_ERR_INVALID_ARG, "GGUF writer: tensor '%s': %d dimensions%s", name, n_dims,
                          (flags & LORA_GGUF_TRANSPOSE) ? " (transposing needs 2)" : " (1 to 4)");
    if (type != LORA_GGML_F32 && type != LORA_GGML_F16 && type != LORA_GGML_BF16)
        return lora__fail(LORA_ERR_UNSUPPORTED, "GGUF writer: tensor '%s': type %s cannot be written (F32, F16, BF16 can)", name,
                          lora_ggml_type_name((uint32_t)type) ? lora_ggml_type_name((uint32_t)type) : "?");
    for (k = 0; k < n_dims; k++) {
        if (ne[k] <= 0 || numel > INT64_MAX / ne[k])
            return lora__fail(LORA_ERR_INVALID_ARG, "GGUF writer: tensor '%s': dimension %d of size %lld", name, k, (long long)ne[k]);
        numel *= ne[k];
    }
    if ((uint64_t)numel > (uint64_t)((size_t)-1) / sizeof(float))
        return lora__fail(LORA_ERR_INVALID_ARG, "GGUF writer: tensor '%s' is too large", name);
    for (i = 0; i < w->n_t; i++)
        if (strcmp(w->t[i].name, name) == 0) return lora__fail(LORA_ERR_INVALID_ARG, "GGUF writer: tensor '%s' added twice", name);
    if (w->n_t == w->t_cap) {
        size_t cap = w->t_cap ? 2 * w->t_cap : 64;
        lora__gguf_wtensor *nt = (lora__gguf_wtensor *)lora__realloc(w->t, cap * sizeof *nt, "GGUF tensors");
        if (!nt) return LORA_ERR_OOM;
        w->t = nt; w->t_cap = cap;
    }
    t = &w->t[w->n_t];
    memset(t, 0, sizeof *t);
    if (!(t->name = lora__strdup(name, "GGUF tensor name"))) return LORA_ERR_OOM;
    if (flags & LORA_GGUF_COPY) {
        if (!(t->owned = (float *)lora__malloc((size_t)numel * sizeof(float), name))) { LORA_FREE(t->name); return LORA_ERR_OOM; }
        memcpy(t->owned, data, (size_t)numel * sizeof(float));
        data = t->owned;
    }
    t->n_dims = n_dims;
    for (k = 0; k < LORA_GGUF_MAX_DIMS; k++) t->ne[k] = k < n_dims ? ne[k] : 1;
    t->numel = numel;
    t->type = type;
    t->data = data;
    t->flags = flags;
    w->n_t++;
    return LORA_OK;
}

static uint64_t lora__gguf_tbytes(const lora__gguf_wtensor *t) { return (uint64_t)t->numel * (t->type == LORA_GGML_F32 ? 4u : 2u); }

/* Streams a tensor's values in GGUF order, converted to its type. */
static void lora__gguf_write_data(lora__atomic_file *af, const lora__gguf_wtensor *t) {
    union { float f[2048]; uint16_t h[2048]; } buf;
    const size_t chunk = 2048;
    int64_t done = 0;
    const int tr = (t->flags & LORA_GGUF_TRANSPOSE) != 0;
    const int64_t n0 = t->ne[0], n1 = t->ne[1];
    while (done < t->numel) {
        size_t n = (size_t)(t->numel - done < (int64_t)chunk ? t->numel - done : (int64_t)chunk), i;
        for (i = 0; i < n; i++) {
            int64_t e = done + (int64_t)i;
            /* element (i0, i1) of GGUF order sits at e = i1 * n0 + i0; transposed source: i0 * n1 + i1 */
            float v = tr ? t->data[(e % n0) * n1 + e / n0] : t->data[e];
            if (t->type == LORA_GGML_F32) buf.f[i] = v;
            else buf.h[i] = t->type == LORA_GGML_F16 ? lora_f32_to_f16(v) : lora_f32_to_bf16(v);
        }
        lora__atomic_write_le(af, &buf, n * (t->type == LORA_GGML_F32 ? 4u : 2u), t->type == LORA_GGML_F32 ? 4u : 2u);
        done += (int64_t)n;
    }
}

LORA_API lora_status lora_gguf_write(lora_gguf_writer *w, const char *path) {
    lora__buf h;
    lora__atomic_file af;
    lora_status s;
    uint64_t off = 0;
    size_t i, n_kv;
    static const unsigned char zeros[256] = {0};
    int k;
    if (!w || !path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_write: NULL argument");
    if (w->kv.failed) return lora__fail(LORA_ERR_OOM, "%s: out of memory while collecting the key-values", path);
    memset(&h, 0, sizeof h);
    n_kv = w->n_kv + (w->alignment != LORA_GGUF_DEFAULT_ALIGNMENT);
    lora__buf_append(&h, "GGUF", 4);
    lora__gguf_put(&h, 3, 4);
    lora__gguf_put(&h, w->n_t, 8);
    lora__gguf_put(&h, n_kv, 8);
    lora__buf_append(&h, w->kv.data ? w->kv.data : "", w->kv.len);
    if (w->alignment != LORA_GGUF_DEFAULT_ALIGNMENT) {
        lora__gguf_put_str(&h, "general.alignment", 17);
        lora__gguf_put(&h, LORA_GGUF_UINT32, 4);
        lora__gguf_put(&h, w->alignment, 4);
    }
    for (i = 0; i < w->n_t; i++) {
        const lora__gguf_wtensor *t = &w->t[i];
        lora__gguf_put_str(&h, t->name, strlen(t->name));
        lora__gguf_put(&h, (uint64_t)t->n_dims, 4);
        for (k = 0; k < t->n_dims; k++) lora__gguf_put(&h, (uint64_t)t->ne[k], 8);
        lora__gguf_put(&h, (uint64_t)t->type, 4);
        lora__gguf_put(&h, off, 8);
        off += (lora__gguf_tbytes(t) + w->alignment - 1) / w->alignment * w->alignment;
    }
    while (h.len % w->alignment) lora__buf_append(&h, zeros, 1);
    if (h.failed) { lora__buf_free(&h); return lora__fail(LORA_ERR_OOM, "%s: out of memory building the GGUF header", path); }
    if ((s = lora__atomic_open(&af, path)) != LORA_OK) { lora__buf_free(&h); return s; }
    lora__atomic_write(&af, h.data, h.len);
    lora__buf_free(&h);
    for (i = 0; i < w->n_t; i++) {
        uint64_t nb = lora__gguf_tbytes(&w->t[i]), pad = (w->alignment - nb % w->alignment) % w->alignment;
        lora__gguf_write_data(&af, &w->t[i]);
        while (pad) {
            size_t c = pad < sizeof zeros ? (size_t)pad : sizeof zeros;
            lora__atomic_write(&af, zeros, c);
            pad -= c;
        }
    }
    return lora__atomic_commit(&af);
}

LORA_API lora_status lora_gguf_permute_rows(const float *w, float *dst, int64_t rows, int64_t cols, int n_head, int inverse) {
    int64_t d, half, h, i, c;
    if (!w || !dst || w == dst || rows <= 0 || cols <= 0 || n_head <= 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_permute_rows: bad argument");
    if (rows % (2 * (int64_t)n_head) != 0)
        return lora__fail(LORA_ERR_SHAPE, "lora_gguf_permute_rows: %lld rows are not a multiple of 2 x %d heads", (long long)rows, n_head);
    d = rows / n_head;
    half = d / 2;
    for (h = 0; h < n_head; h++)
        for (i = 0; i < half; i++)
            for (c = 0; c < 2; c++) {
                /* HF row h*d + c*half + i  <->  GGUF row h*d + 2*i + c */
                int64_t hf = h * d + c * half + i, gg = h * d + 2 * i + c;
                const float *src = w + (inverse ? gg : hf) * cols;
                memcpy(dst + (inverse ? hf : gg) * cols, src, (size_t)cols * sizeof(float));
            }
    return LORA_OK;
}
