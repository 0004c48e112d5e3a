/* ---- safetensors reader and writer ----
   Format: [u64 LE header length N][N bytes of JSON][data]; data_offsets are relative to
   the start of the data section. The reader validates as the reference implementation
   does (and a bit more: it also rejects unknown keys in tensor entries, duplicate keys,
   and NUL characters in names, which the C API could not represent). */
#if defined(__unix__) || defined(__unix) || defined(__APPLE__)
#define LORA__ST_MMAP 1
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#endif
#include <float.h>

#define LORA__ST_MAX_HEADER 100000000ull

typedef struct lora__st_dtinfo { const char *name; size_t size; int rank; } lora__st_dtinfo;
/* Indexed by lora_dtype. rank: position in the reference crate's Dtype enum (the writer
   orders tensors by it, descending: U64, I64, F64, F32, U32, I32, BF16, F16, U16, I16, I8, U8, BOOL). */
static const lora__st_dtinfo lora__st_dtypes[] = {
    {"F64", 8, 10}, {"F32", 4, 9}, {"F16", 2, 5}, {"BF16", 2, 6}, {"I64", 8, 11}, {"I32", 4, 7},
    {"I16", 2, 3}, {"I8", 1, 2}, {"U8", 1, 1}, {"BOOL", 1, 0}, {"U64", 8, 12}, {"U32", 4, 8}, {"U16", 2, 4}
};
#define LORA__ST_NDT ((int)(sizeof lora__st_dtypes / sizeof lora__st_dtypes[0]))
/* dtypes of the reference implementation that this library does not handle */
static const char *const lora__st_unsupported[] = {
    "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64", "C128", NULL
};

LORA_API const char *lora_dtype_name(lora_dtype dt) {
    return (int)dt >= 0 && (int)dt < LORA__ST_NDT ? lora__st_dtypes[dt].name : "?";
}
LORA_API size_t lora_dtype_size(lora_dtype dt) {
    return (int)dt >= 0 && (int)dt < LORA__ST_NDT ? lora__st_dtypes[dt].size : 0;
}

typedef struct lora__st_impl {
    int kind;                      /* 0: caller's memory, 1: mmap, 2: malloc'd copy */
    void *owned;
    size_t owned_size;
    lora_st_tensor **by_name;      /* tensors sorted by name, for lora_st_find */
} lora__st_impl;

static uint64_t lora__st_le64(const unsigned char *p) {
    uint64_t v = 0;
    int i;
    for (i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* "(3, 5)", "()" for scalars, "(5,)" for one dimension (Python's tuple notation). */
static const char *lora__st_shape_str(char *buf, size_t cap, const int64_t *shape, int ndim) {
    size_t k = 0;
    int i;
    buf[0] = 0;
    k += (size_t)snprintf(buf, cap, "(");
    for (i = 0; i < ndim && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (k < cap) snprintf(buf + k, cap - k, ndim == 1 ? ",)" : ")");
    return buf;
}

static void lora__st_free_contents(lora_safetensors *st) {
    size_t i;
    lora__st_impl *im = (lora__st_impl *)st->impl_;
    for (i = 0; i < st->n_tensors; i++) LORA_FREE(st->tensors[i].name);
    LORA_FREE(st->tensors);
    for (i = 0; i < st->n_meta; i++) { LORA_FREE(st->meta_keys[i]); LORA_FREE(st->meta_values[i]); }
    LORA_FREE(st->meta_keys); LORA_FREE(st->meta_values);
    LORA_FREE(st->path);
    if (im) {
#ifdef LORA__ST_MMAP
        if (im->kind == 1) munmap(im->owned, im->owned_size);
#endif
        if (im->kind == 2) LORA_FREE(im->owned);
        LORA_FREE(im->by_name);
        LORA_FREE(im);
    }
    memset(st, 0, sizeof *st);
}

LORA_API void lora_st_close(lora_safetensors *st) {
    if (!st) return;
    lora__st_free_contents(st);
    LORA_FREE(st);
}

/* qsort comparators */
typedef struct lora__st_keyref { const char *s; size_t len; size_t idx; } lora__st_keyref;
static int lora__st_cmp_keyref(const void *a, const void *b) {
    const lora__st_keyref *x = (const lora__st_keyref *)a, *y = (const lora__st_keyref *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}
static int lora__st_cmp_name(const void *a, const void *b) {
    const lora_st_tensor *x = *(const lora_st_tensor *const *)a, *y = *(const lora_st_tensor *const *)b;
    return strcmp(x->name, y->name);
}
static int lora__st_cmp_span(const void *a, const void *b) {
    const lora_st_tensor *x = *(const lora_st_tensor *const *)a, *y = *(const lora_st_tensor *const *)b;
    const unsigned char *xd = (const unsigned char *)x->data, *yd = (const unsigned char *)y->data;
    if (xd != yd) return xd < yd ? -1 : 1;
    if (x->nbytes != y->nbytes) return x->nbytes < y->nbytes ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Finds a duplicate key of an object (sorting: headers may hold many keys): *dup = the key or NULL. */
static lora_status lora__st_find_dup(const lora_json *obj, const char **dup) {
    lora__st_keyref *refs;
    size_t i;
    *dup = NULL;
    if (obj->n < 2) return LORA_OK;
    refs = (lora__st_keyref *)lora__calloc(obj->n, sizeof *refs, "safetensors header");
    if (!refs) return LORA_ERR_OOM;
    for (i = 0; i < obj->n; i++) { refs[i].s = obj->keys[i]; refs[i].len = obj->key_lens[i]; refs[i].idx = i; }
    qsort(refs, obj->n, sizeof *refs, lora__st_cmp_keyref);
    for (i = 1; i < obj->n && !*dup; i++)
        if (refs[i].len == refs[i - 1].len && !memcmp(refs[i].s, refs[i - 1].s, refs[i].len)) *dup = refs[i].s;
    LORA_FREE(refs);
    return LORA_OK;
}

/* Copies a JSON string into a new C string; fails if it holds a NUL. */
static lora_status lora__st_cstr(const char *file, const char *what, const char *s, size_t len, char **out) {
    *out = NULL;
    if (strlen(s) != len)
        return lora__fail(LORA_ERR_FORMAT, "%s: %s '%s' contains a NUL character (not supported)", file, what, s);
    *out = (char *)lora__malloc(len + 1, "safetensors name");
    if (!*out) return LORA_ERR_OOM;
    memcpy(*out, s, len + 1);
    return LORA_OK;
}

/* Reads a non-negative integer literal (int64 range). */
static int lora__st_uint(const lora_json *v, int64_t *out) {
    return lora_json_int64(v, out) && *out >= 0 && !(v->len && v->str && v->str[0] == '-');
}

/* Validates one tensor entry and fills t (name already set). */
static lora_status lora__st_entry(const char *file, const lora_json *e, uint64_t data_len,
                                  const unsigned char *data0, lora_st_tensor *t) {
    const lora_json *jd = NULL, *js = NULL, *jo = NULL;
    const char *name = t->name;
    char sbuf[256];
    int64_t off[2];
    uint64_t numel = 1, nbytes, esize;
    size_t i;
    int dt, k;
    if (e->type != LORA_JSON_OBJECT)
        return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': entry is %s, expected an object with dtype, shape, data_offsets",
                          file, name, lora__json_a_type(e->type));
    for (i = 0; i < e->n; i++) {
        const lora_json **slot = NULL;
        const char *key = e->keys[i];
        if (!strcmp(key, "dtype")) slot = &jd;
        else if (!strcmp(key, "shape")) slot = &js;
        else if (!strcmp(key, "data_offsets")) slot = &jo;
        if (!slot || e->key_lens[i] != strlen(key))
            return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': unexpected key \"%s\" (expected dtype, shape, data_offsets)", file, name, key);
        if (*slot) return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': duplicate key \"%s\"", file, name, key);
        *slot = &e->items[i];
    }
    if (!jd || !js || !jo)
        return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': missing \"%s\"", file, name, !jd ? "dtype" : !js ? "shape" : "data_offsets");
    if (jd->type != LORA_JSON_STRING)
        return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': dtype is %s, expected a string", file, name, lora__json_a_type(jd->type));
    for (dt = 0; dt < LORA__ST_NDT; dt++)
        if (!strcmp(jd->str, lora__st_dtypes[dt].name) && jd->len == strlen(jd->str)) break;
    if (dt == LORA__ST_NDT) {
        for (k = 0; lora__st_unsupported[k]; k++)
            if (!strcmp(jd->str, lora__st_unsupported[k]))
                return lora__fail(LORA_ERR_UNSUPPORTED, "%s: tensor '%s': dtype %s is not supported by this library", file, name, jd->str);
        return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': unknown dtype \"%.40s\"", file, name, jd->str);
    }
    t->dtype = (lora_dtype)dt;
    esize = lora__st_dtypes[dt].size;
    if (js->type != LORA_JSON_ARRAY)
        return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': shape is %s, expected an array of integers", file, name, lora__json_a_type(js->type));
    if (js->n > LORA_ST_MAX_DIMS)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: tensor '%s': shape has %zu dimensions, at most %d are supported", file, name, js->n, LORA_ST_MAX_DIMS);
    t->ndim = (int)js->n;
    for (i = 0; i < js->n; i++) {
        const lora_json *d = &js->items[i];
        if (!lora__st_uint(d, &t->shape[i])) {
            int big = d->type == LORA_JSON_NUMBER && d->str && !strpbrk(d->str, ".eE-");
            return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': shape[%zu] is %.40s%s, expected a non-negative integer",
                              file, name, i, d->type == LORA_JSON_NUMBER && d->str ? d->str : lora__json_a_type(d->type),
                              big ? " (too large)" : "");
        }
    }
    for (i = 0; i < js->n; i++) {   /* checked product in order, as the reference does */
        uint64_t d = (uint64_t)t->shape[i];
        if (d && numel > (uint64_t)INT64_MAX / d)
            return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': shape %s has too many elements (overflow)",
                              file, name, lora__st_shape_str(sbuf, sizeof sbuf, t->shape, t->ndim));
        numel *= d;
    }
    if (numel && esize > UINT64_MAX / numel)
        return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': shape %s is too large in bytes (overflow)",
                          file, name, lora__st_shape_str(sbuf, sizeof sbuf, t->shape, t->ndim));
    nbytes = numel * esize;
    t->numel = (int64_t)numel;
    t->nbytes = nbytes;
    if (jo->type != LORA_JSON_ARRAY || jo->n != 2)
        return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': data_offsets must be an array of two integers [begin, end]", file, name);
    for (k = 0; k < 2; k++)
        if (!lora__st_uint(&jo->items[k], &off[k]))
            return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': data_offsets[%d] is not a non-negative integer (or is too large)", file, name, k);
    if (off[1] < off[0])
        return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': data_offsets [%lld, %lld) end before they begin", file, name,
                          (long long)off[0], (long long)off[1]);
    if ((uint64_t)(off[1] - off[0]) != nbytes)
        return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': data_offsets [%lld, %lld) is %lld bytes but %s shape %s needs %llu",
                          file, name, (long long)off[0], (long long)off[1], (long long)(off[1] - off[0]),
                          lora__st_dtypes[dt].name, lora__st_shape_str(sbuf, sizeof sbuf, t->shape, t->ndim),
                          (unsigned long long)nbytes);
    if ((uint64_t)off[1] > data_len)
        return lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': data_offsets [%lld, %lld) extend past the end of the data section (%llu bytes)",
                          file, name, (long long)off[0], (long long)off[1], (unsigned long long)data_len);
    t->data = data0 + off[0];
    return LORA_OK;
}

/* Parses and validates a whole file image; st->path must be set already. */
static lora_status lora__st_parse(const unsigned char *base, size_t size, lora_safetensors *st) {
    const char *file = st->path;
    lora__st_impl *im = (lora__st_impl *)st->impl_;
    uint64_t hlen, data_len;
    const unsigned char *data0;
    lora_json *root = NULL;
    const lora_json *meta = NULL;
    const char *dup = NULL;
    lora_st_tensor **order = NULL;
    lora__buf src = {0, 0, 0, 0};
    lora_status s = LORA_OK;
    size_t i, nt = 0, expect;

    if (size < 8) {
        if (size == 0) return lora__fail(LORA_ERR_FORMAT, "%s: empty file (0 bytes), not a safetensors file", file);
        return lora__fail(LORA_ERR_FORMAT, "%s: file is %zu bytes, too short for a safetensors file (8-byte header length + JSON header)", file, size);
    }
    hlen = lora__st_le64(base);
    if (hlen > LORA__ST_MAX_HEADER)
        return lora__fail(LORA_ERR_FORMAT, "%s: header length %llu exceeds the limit of %llu bytes (corrupt or not a safetensors file)",
                          file, (unsigned long long)hlen, LORA__ST_MAX_HEADER);
    if (hlen > (uint64_t)size - 8)
        return lora__fail(LORA_ERR_FORMAT, "%s: header length %llu exceeds the file size (%zu bytes; file truncated?)",
                          file, (unsigned long long)hlen, size);
    data0 = base + 8 + hlen;
    data_len = (uint64_t)size - 8 - hlen;
    lora__buf_printf(&src, "%s: header", file);
    if (src.failed) return LORA_ERR_OOM;
    s = lora_json_parse((const char *)base + 8, (size_t)hlen, src.data, &root);
    lora__buf_free(&src);
    if (s != LORA_OK) return s;
    if (root->type != LORA_JSON_OBJECT) {
        s = lora__fail(LORA_ERR_FORMAT, "%s: header is %s, expected a JSON object", file, lora__json_a_type(root->type));
        goto done;
    }
    if ((s = lora__st_find_dup(root, &dup)) != LORA_OK) goto done;
    if (dup) {
        s = lora__fail(LORA_ERR_FORMAT, "%s: duplicate %s '%s' in header", file,
                       strcmp(dup, "__metadata__") ? "tensor name" : "key", dup);
        goto done;
    }
    for (i = 0; i < root->n; i++) {
        if (root->key_lens[i] == 12 && !memcmp(root->keys[i], "__metadata__", 12)) meta = &root->items[i];
        else nt++;
    }
    if (meta) {
        if (meta->type != LORA_JSON_OBJECT) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: __metadata__ is %s, expected an object of string -> string", file, lora__json_a_type(meta->type));
            goto done;
        }
        for (i = 0; i < meta->n; i++) {
            if (meta->items[i].type != LORA_JSON_STRING) {
                s = lora__fail(LORA_ERR_FORMAT, "%s: __metadata__ '%s' is %s, expected a string", file, meta->keys[i],
                               lora__json_a_type(meta->items[i].type));
                goto done;
            }
        }
        if (meta->n) {
            st->meta_keys = (char **)lora__calloc(meta->n, sizeof(char *), "safetensors metadata");
            st->meta_values = (char **)lora__calloc(meta->n, sizeof(char *), "safetensors metadata");
            if (!st->meta_keys || !st->meta_values) { s = LORA_ERR_OOM; goto done; }
        }
        if ((s = lora__st_find_dup(meta, &dup)) != LORA_OK) goto done;
        if (dup) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: duplicate __metadata__ key '%s'", file, dup);
            goto done;
        }
        for (i = 0; i < meta->n; i++) {
            if ((s = lora__st_cstr(file, "__metadata__ key", meta->keys[i], meta->key_lens[i], &st->meta_keys[i])) != LORA_OK) goto done;
            st->n_meta = i + 1;
            if ((s = lora__st_cstr(file, "__metadata__ value", meta->items[i].str, meta->items[i].len, &st->meta_values[i])) != LORA_OK) goto done;
        }
    }
    if (nt) {
        st->tensors = (lora_st_tensor *)lora__calloc(nt, sizeof(lora_st_tensor), "safetensors tensors");
        im->by_name = (lora_st_tensor **)lora__calloc(nt, sizeof(lora_st_tensor *), "safetensors tensors");
        order = (lora_st_tensor **)lora__calloc(nt, sizeof(lora_st_tensor *), "safetensors tensors");
        if (!st->tensors || !im->by_name || !order) { s = LORA_ERR_OOM; goto done; }
    }
    nt = 0;
    for (i = 0; i < root->n; i++) {
        lora_st_tensor *t;
        if (&root->items[i] == meta) continue;
        t = &st->tensors[nt];
        if ((s = lora__st_cstr(file, "tensor name", root->keys[i], root->key_lens[i], &t->name)) != LORA_OK) goto done;
        st->n_tensors = ++nt;
        if ((s = lora__st_entry(file, &root->items[i], data_len, data0, t)) != LORA_OK) goto done;
        order[nt - 1] = t;
        im->by_name[nt - 1] = t;
    }
    /* the tensors must tile the data section: sorted by offset, each starts where the last ended */
    if (nt) qsort(order, nt, sizeof *order, lora__st_cmp_span);
    expect = 0;
    for (i = 0; i < nt; i++) {
        size_t b = (size_t)((const unsigned char *)order[i]->data - data0);
        if (b != expect) {
            if (b > expect)
                s = lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': data starts at byte %zu but the previous tensor ends at %zu (gap of %zu bytes; tensors must tile the data section)",
                               file, order[i]->name, b, expect, b - expect);
            else
                s = lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s': data [%zu, %zu) overlaps tensor '%s' ending at %zu",
                               file, order[i]->name, b, b + (size_t)order[i]->nbytes, order[i - 1]->name, expect);
            goto done;
        }
        expect = b + (size_t)order[i]->nbytes;
    }
    if ((uint64_t)expect != data_len) {
        s = lora__fail(LORA_ERR_FORMAT, "%s: tensors cover %zu bytes but the data section is %llu bytes (%llu unused bytes at the end)",
                       file, expect, (unsigned long long)data_len, (unsigned long long)(data_len - expect));
        goto done;
    }
    if (nt) qsort(im->by_name, nt, sizeof *im->by_name, lora__st_cmp_name);
done:
    LORA_FREE(order);
    lora_json_free(root);
    return s;
}

static lora_status lora__st_new(const char *name, lora_safetensors **out) {
    lora_safetensors *st = (lora_safetensors *)lora__calloc(1, sizeof *st, "safetensors");
    if (!st) return LORA_ERR_OOM;
    st->path = lora__strdup(name, "safetensors path");
    st->impl_ = lora__calloc(1, sizeof(lora__st_impl), "safetensors");
    if (!st->path || !st->impl_) { lora_st_close(st); return LORA_ERR_OOM; }
    *out = st;
    return LORA_OK;
}

LORA_API lora_status lora_st_open_memory(const void *data, size_t size, const char *name, lora_safetensors **out) {
    lora_safetensors *st;
    lora_status s;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_st_open_memory: out is NULL");
    *out = NULL;
    if (!data && size) return lora__fail(LORA_ERR_INVALID_ARG, "lora_st_open_memory: data is NULL");
    if (!name) name = "<memory>";
    if ((s = lora__st_new(name, &st)) != LORA_OK) return s;
    if ((s = lora__st_parse((const unsigned char *)(data ? data : ""), size, st)) != LORA_OK) { lora_st_close(st); return s; }
    *out = st;
    return LORA_OK;
}

/* A whole file's bytes, read-only, for a parser: mapped where mmap exists (*kind 1, release with
   munmap), else read into memory once (*kind 2, release with LORA_FREE); also an empty file. */
static lora_status lora__file_view(const char *path, int *kind, void **owned, size_t *size) {
    lora_status s;
    char *buf;
    size_t len;
    *kind = 0; *owned = NULL; *size = 0;
#ifdef LORA__ST_MMAP
    {
        struct stat sb;
        int fd = open(path, O_RDONLY);
        if (fd < 0) return lora__fail(errno == ENOENT ? LORA_ERR_NOT_FOUND : LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) { close(fd); return lora__fail(LORA_ERR_IO, "%s: not a regular file", path); }
        if ((uint64_t)sb.st_size > (uint64_t)((size_t)-1)) {
            close(fd);
            return lora__fail(LORA_ERR_IO, "%s: file too large to map on this system", path);
        }
        if (sb.st_size > 0) {
            void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (m != MAP_FAILED) {
                close(fd);
                *kind = 1; *owned = m; *size = (size_t)sb.st_size;
                return LORA_OK;
            }
        }
        close(fd);
    }
#endif
    if ((s = lora__read_file(path, &buf, &len)) != LORA_OK) return s;   /* no mmap, or an empty file */
    *kind = 2; *owned = buf; *size = len;
    return LORA_OK;
}

LORA_API lora_status lora_st_open(const char *path, lora_safetensors **out) {
    lora_safetensors *st;
    lora__st_impl *im;
    lora_status s;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_st_open: out is NULL");
    *out = NULL;
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_st_open: path is NULL");
    if ((s = lora__st_new(path, &st)) != LORA_OK) return s;
    im = (lora__st_impl *)st->impl_;
    if ((s = lora__file_view(path, &im->kind, &im->owned, &im->owned_size)) != LORA_OK ||
        (s = lora__st_parse((const unsigned char *)im->owned, im->owned_size, st)) != LORA_OK) {
        lora_st_close(st);
        return s;
    }
    *out = st;
    return LORA_OK;
}

LORA_API const lora_st_tensor *lora_st_find(const lora_safetensors *st, const char *name) {
    const lora__st_impl *im;
    size_t lo = 0, hi;
    if (!st || !name || !st->n_tensors) return NULL;
    im = (const lora__st_impl *)st->impl_;
    hi = st->n_tensors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(im->by_name[mid]->name, name);
        if (c == 0) return im->by_name[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

LORA_API const char *lora_st_meta(const lora_safetensors *st, const char *key) {
    size_t i;
    if (!st || !key) return NULL;
    for (i = 0; i < st->n_meta; i++)
        if (!strcmp(st->meta_keys[i], key)) return st->meta_values[i];
    return NULL;
}

/* double -> float with round-to-nearest and overflow to +-inf, without the undefined
   behaviour of converting an out-of-range double. */
static float lora__st_d2f(double d) {
    const double lim = 3.4028235677973366e38; /* FLT_MAX + half an ulp: rounds to inf (ties to even) */
    if (d >= lim) return (float)HUGE_VAL;
    if (d <= -lim) return -(float)HUGE_VAL;
    if (d > FLT_MAX) return FLT_MAX;
    if (d < -FLT_MAX) return -FLT_MAX;
    return (float)d;
}

LORA_API lora_status lora_st_read_f32(const lora_safetensors *st, const lora_st_tensor *t, float *dst, int64_t numel) {
    const unsigned char *p;
    int64_t i;
    const char *file = st && st->path ? st->path : "<safetensors>";
    if (!t || (!dst && numel > 0)) return lora__fail(LORA_ERR_INVALID_ARG, "%s: lora_st_read_f32: NULL tensor or destination", file);
    if (numel != t->numel)
        return lora__fail(LORA_ERR_SHAPE, "%s: tensor '%s' has %lld elements but the destination holds %lld",
                          file, t->name, (long long)t->numel, (long long)numel);
    p = (const unsigned char *)t->data;
    switch (t->dtype) {
    case LORA_DT_F32:
        if (numel) memcpy(dst, p, (size_t)numel * 4);
        lora__le_swap(dst, (size_t)numel * 4, 4);
        break;
    case LORA_DT_F64:
        for (i = 0; i < numel; i++) {
            double d;
            memcpy(&d, p + 8 * i, 8);
            lora__le_swap(&d, 8, 8);
            dst[i] = lora__st_d2f(d);
        }
        break;
    case LORA_DT_F16:
    case LORA_DT_BF16:
        for (i = 0; i < numel; i++) {
            uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
            dst[i] = t->dtype == LORA_DT_F16 ? lora_f16_to_f32(h) : lora_bf16_to_f32(h);
        }
        break;
    default:
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: tensor '%s' is %s, not a floating-point dtype (F64/F32/F16/BF16)",
                          file, t->name, lora_dtype_name(t->dtype));
    }
    return LORA_OK;
}

LORA_API lora_status lora_st_load_f32(const lora_safetensors *st, const char *name, int ndim, const int64_t *shape, float *dst) {
    const lora_st_tensor *t;
    char a[256], b[256];
    int i, same;
    if (!st || !name || ndim < 0 || (ndim > 0 && !shape))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_st_load_f32: bad arguments");
    t = lora_st_find(st, name);
    if (!t) return lora__fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found (the file has %zu tensors)", st->path, name, st->n_tensors);
    same = t->ndim == ndim;
    for (i = 0; same && i < ndim; i++) same = t->shape[i] == shape[i];
    if (!same)
        return lora__fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected shape %s, found %s", st->path, name,
                          lora__st_shape_str(a, sizeof a, shape, ndim > LORA_ST_MAX_DIMS ? LORA_ST_MAX_DIMS : ndim),
                          lora__st_shape_str(b, sizeof b, t->shape, t->ndim));
    return lora_st_read_f32(st, t, dst, t->numel);
}

/* ---- writer ---- */
static int lora__st_cmp_write(const void *a, const void *b) {
    const lora_st_entry *x = *(const lora_st_entry *const *)a, *y = *(const lora_st_entry *const *)b;
    int rx = lora__st_dtypes[x->dtype].rank, ry = lora__st_dtypes[y->dtype].rank;
    if (rx != ry) return rx > ry ? -1 : 1;
    return strcmp(x->name, y->name);
}
static int lora__st_cmp_entry_name(const void *a, const void *b) {
    return strcmp((*(const lora_st_entry *const *)a)->name, (*(const lora_st_entry *const *)b)->name);
}
static int lora__st_cmp_cstr(const void *a, const void *b) {
    return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

/* Validates the entries and builds the header (padded, without the 8-byte length) and the
   write order. *order is allocated (LORA_FREE it); hdr must be zero-initialised. */
static lora_status lora__st_build_header(const char *path, const lora_st_entry *tensors, size_t n,
                                         const char *const *meta_keys, const char *const *meta_values, size_t n_meta,
                                         lora__buf *hdr, const lora_st_entry ***order_out, uint64_t *data_len) {
    const lora_st_entry **order = NULL;
    const char *const **mord = NULL;
    uint64_t off = 0;
    size_t i;
    int d;
    lora_status s = LORA_OK;
    *order_out = NULL;
    if (n && !tensors) return lora__fail(LORA_ERR_INVALID_ARG, "%s: tensors is NULL", path);
    if (n_meta && (!meta_keys || !meta_values)) return lora__fail(LORA_ERR_INVALID_ARG, "%s: metadata keys or values are NULL", path);
    order = (const lora_st_entry **)lora__calloc(n ? n : 1, sizeof *order, "safetensors writer");
    mord = (const char *const **)lora__calloc(n_meta ? n_meta : 1, sizeof *mord, "safetensors writer");
    if (!order || !mord) { s = LORA_ERR_OOM; goto fail; }
    for (i = 0; i < n; i++) {
        const lora_st_entry *e = &tensors[i];
        uint64_t numel = 1, esize;
        char sb[256];
        if (!e->name) { s = lora__fail(LORA_ERR_INVALID_ARG, "%s: tensor %zu has no name", path, i); goto fail; }
        if (!strcmp(e->name, "__metadata__")) { s = lora__fail(LORA_ERR_INVALID_ARG, "%s: '__metadata__' is reserved and cannot name a tensor", path); goto fail; }
        if (!lora__utf8_valid(e->name, strlen(e->name))) { s = lora__fail(LORA_ERR_INVALID_ARG, "%s: tensor name '%s' is not valid UTF-8", path, e->name); goto fail; }
        if ((int)e->dtype < 0 || (int)e->dtype >= LORA__ST_NDT) { s = lora__fail(LORA_ERR_INVALID_ARG, "%s: tensor '%s': invalid dtype %d", path, e->name, (int)e->dtype); goto fail; }
        if (e->ndim < 0 || e->ndim > LORA_ST_MAX_DIMS) { s = lora__fail(LORA_ERR_INVALID_ARG, "%s: tensor '%s': ndim %d out of range 0..%d", path, e->name, e->ndim, LORA_ST_MAX_DIMS); goto fail; }
        esize = lora__st_dtypes[e->dtype].size;
        for (d = 0; d < e->ndim; d++) {
            uint64_t dim = (uint64_t)e->shape[d];
            if (e->shape[d] < 0) { s = lora__fail(LORA_ERR_INVALID_ARG, "%s: tensor '%s': negative dimension in shape %s", path, e->name, lora__st_shape_str(sb, sizeof sb, e->shape, e->ndim)); goto fail; }
            if (dim && numel > (uint64_t)INT64_MAX / dim) { s = lora__fail(LORA_ERR_INVALID_ARG, "%s: tensor '%s': shape %s overflows", path, e->name, lora__st_shape_str(sb, sizeof sb, e->shape, e->ndim)); goto fail; }
            numel *= dim;
        }
        if (numel > ((uint64_t)INT64_MAX - off) / esize || numel * esize > (uint64_t)((size_t)-1)) {
            s = lora__fail(LORA_ERR_INVALID_ARG, "%s: tensor '%s': data too large", path, e->name); goto fail;
        }
        if (numel && !e->data) { s = lora__fail(LORA_ERR_INVALID_ARG, "%s: tensor '%s': data is NULL", path, e->name); goto fail; }
        off += numel * esize;
        order[i] = e;
    }
    for (i = 0; i < n_meta; i++) {
        if (!meta_keys[i] || !meta_values[i]) { s = lora__fail(LORA_ERR_INVALID_ARG, "%s: metadata entry %zu is NULL", path, i); goto fail; }
        if (!lora__utf8_valid(meta_keys[i], strlen(meta_keys[i])) || !lora__utf8_valid(meta_values[i], strlen(meta_values[i]))) {
            s = lora__fail(LORA_ERR_INVALID_ARG, "%s: metadata '%s' is not valid UTF-8", path, meta_keys[i]); goto fail;
        }
        mord[i] = &meta_keys[i];
    }
    /* names unique (checked on the name order), then the reference order: dtype rank desc, name */
    if (n > 1) {
        qsort(order, n, sizeof *order, lora__st_cmp_entry_name);
        for (i = 1; i < n; i++)
            if (!strcmp(order[i]->name, order[i - 1]->name)) {
                s = lora__fail(LORA_ERR_INVALID_ARG, "%s: duplicate tensor name '%s'", path, order[i]->name);
                goto fail;
            }
        qsort(order, n, sizeof *order, lora__st_cmp_write);
    }
    if (n_meta > 1) {
        qsort(mord, n_meta, sizeof *mord, lora__st_cmp_cstr);
        for (i = 1; i < n_meta; i++)
            if (!strcmp(*mord[i], *mord[i - 1])) { s = lora__fail(LORA_ERR_INVALID_ARG, "%s: duplicate metadata key '%s'", path, *mord[i]); goto fail; }
    }
    lora__buf_append(hdr, "{", 1);
    if (n_meta) {
        lora__buf_puts(hdr, "\"__metadata__\":{");
        for (i = 0; i < n_meta; i++) {
            size_t k = (size_t)(mord[i] - meta_keys);
            if (i) lora__buf_append(hdr, ",", 1);
            lora__json_write_string(hdr, meta_keys[k]);
            lora__buf_append(hdr, ":", 1);
            lora__json_write_string(hdr, meta_values[k]);
        }
        lora__buf_append(hdr, "}", 1);
    }
    off = 0;
    for (i = 0; i < n; i++) {
        const lora_st_entry *e = order[i];
        uint64_t nb = lora__st_dtypes[e->dtype].size;
        if (i || n_meta) lora__buf_append(hdr, ",", 1);
        lora__json_write_string(hdr, e->name);
        lora__buf_printf(hdr, ":{\"dtype\":\"%s\",\"shape\":[", lora__st_dtypes[e->dtype].name);
        for (d = 0; d < e->ndim; d++) {
            if (d) lora__buf_append(hdr, ",", 1);
            lora__json_write_int(hdr, e->shape[d]);
            nb *= (uint64_t)e->shape[d];
        }
        lora__buf_puts(hdr, "],\"data_offsets\":[");
        lora__json_write_int(hdr, (int64_t)off);
        lora__buf_append(hdr, ",", 1);
        lora__json_write_int(hdr, (int64_t)(off + nb));
        lora__buf_puts(hdr, "]}");
        off += nb;
    }
    lora__buf_append(hdr, "}", 1);
    while (!hdr->failed && hdr->len % 8) lora__buf_append(hdr, " ", 1);
    if (hdr->failed) { s = LORA_ERR_OOM; goto fail; }
    LORA_FREE(mord);
    *order_out = order;
    *data_len = off;
    return LORA_OK;
fail:
    LORA_FREE(order);
    LORA_FREE(mord);
    lora__buf_free(hdr);
    return s;
}

LORA_API lora_status lora_st_write(const char *path, const lora_st_entry *tensors, size_t n,
                                   const char *const *meta_keys, const char *const *meta_values, size_t n_meta) {
    lora__buf hdr = {0, 0, 0, 0};
    const lora_st_entry **order = NULL;
    lora__atomic_file af;
    unsigned char len8[8];
    uint64_t data_len = 0, hl;
    lora_status s;
    size_t i;
    int k;
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_st_write: path is NULL");
    s = lora__st_build_header(path, tensors, n, meta_keys, meta_values, n_meta, &hdr, &order, &data_len);
    if (s != LORA_OK) return s;
    if ((s = lora__atomic_open(&af, path)) != LORA_OK) { LORA_FREE(order); lora__buf_free(&hdr); return s; }
    hl = hdr.len;
    for (k = 0; k < 8; k++) len8[k] = (unsigned char)(hl >> (8 * k));
    lora__atomic_write(&af, len8, 8);
    lora__atomic_write(&af, hdr.data, hdr.len);
    for (i = 0; i < n && !af.failed; i++) {
        const lora_st_entry *e = order[i];
        size_t es = lora__st_dtypes[e->dtype].size, nb = es;
        int d;
        for (d = 0; d < e->ndim; d++) nb *= (size_t)e->shape[d];
        if (nb) lora__atomic_write_le(&af, e->data, nb, e->little_endian ? 1 : es);
    }
    LORA_FREE(order);
    lora__buf_free(&hdr);
    return lora__atomic_commit(&af);
}

LORA_API void lora_st_release(const lora_safetensors *st, const lora_st_tensor *t) {
#ifdef LORA__ST_MMAP
    const lora__st_impl *im;
    uintptr_t a, b, page;
    long ps;
    if (!st || !t || !t->data || !st->impl_) return;
    im = (const lora__st_impl *)st->impl_;
    if (im->kind != 1) return;
    ps = sysconf(_SC_PAGESIZE);
    page = ps > 0 ? (uintptr_t)ps : 4096u;
    /* only the pages wholly inside this tensor: neighbours keep theirs */
    a = ((uintptr_t)t->data + page - 1) / page * page;
    b = ((uintptr_t)t->data + (uintptr_t)t->nbytes) / page * page;
    if (b > a) munmap((void *)a, (size_t)(b - a));
#else
    (void)st; (void)t;
#endif
}
