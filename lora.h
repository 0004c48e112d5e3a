/* lora.h - v0.1.0 - LoRA fine-tuning primitives in one C99 header (docs: see below)

   (usage documentation is written in src/lora/header_docs.txt)
*/
#ifndef LORA_H
#define LORA_H

/* ---- lora/00_core.api.h ---- */
#include <stddef.h>
#include <stdint.h>

#ifndef LORA_API
#ifdef LORA_STATIC
#define LORA_API static
#else
#define LORA_API extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define LORA_VERSION_MAJOR 0
#define LORA_VERSION_MINOR 1
#define LORA_VERSION_PATCH 0
#define LORA_VERSION_STRING "0.1.0"

/* Result codes. Every fallible call returns one; LORA_OK is 0, errors are negative.
   On error, lora_last_error() returns a readable message for the calling thread
   (which file, which tensor, expected vs found). */
typedef enum lora_status {
    LORA_OK = 0,
    LORA_ERR_INVALID_ARG = -1,   /* bad argument: NULL pointer, r = 0, alpha <= 0, ... */
    LORA_ERR_OOM = -2,           /* allocation failed */
    LORA_ERR_IO = -3,            /* open/read/write/rename failed */
    LORA_ERR_FORMAT = -4,        /* malformed or truncated file, bad JSON, bad magic */
    LORA_ERR_SHAPE = -5,         /* tensor shape or size mismatch */
    LORA_ERR_NOT_FOUND = -6,     /* missing tensor / key / file, pattern that matches nothing */
    LORA_ERR_NUMERIC = -7,       /* NaN or Inf in loss, weights or gradients */
    LORA_ERR_UNSUPPORTED = -8,   /* valid input that this library does not implement */
    LORA_ERR_CANCELLED = -9,     /* a callback asked to stop */
    LORA_ERR_RANGE = -10         /* value out of range: token id >= vocab, T > n_positions */
} lora_status;

/* Short name of a status code, e.g. "LORA_ERR_FORMAT". */
LORA_API const char *lora_status_name(lora_status s);
/* Message describing the last error on the calling thread ("" when none). Valid
   until the next failing call on the same thread. */
LORA_API const char *lora_last_error(void);
LORA_API void lora_clear_error(void);

/* ---- Deterministic random numbers (xoshiro128** seeded by splitmix64) ---- */
typedef struct lora_rng { uint32_t s[4]; int has_spare; float spare; } lora_rng;
LORA_API void lora_rng_seed(lora_rng *rng, uint64_t seed);
LORA_API uint32_t lora_rng_u32(lora_rng *rng);
/* uniform in [0, 1) with 24 random bits */
LORA_API float lora_rng_uniform(lora_rng *rng);
/* standard normal (Box-Muller) */
LORA_API float lora_rng_normal(lora_rng *rng);

/* ---- float16 / bfloat16 conversion (round to nearest even, as torch) ---- */
LORA_API float lora_f16_to_f32(uint16_t h);
LORA_API uint16_t lora_f32_to_f16(float f);
LORA_API float lora_bf16_to_f32(uint16_t h);
LORA_API uint16_t lora_f32_to_bf16(float f);

/* ---- lora/10_threads.api.h ---- */
/* ---- Thread pool and compute context ----
   A lora_pool owns worker threads and the instruction set used by the kernels.
   Pass NULL wherever a pool is accepted to run on the calling thread with the
   best instruction set detected. Results are bit-identical whatever the thread
   count: work is split into tasks whose reduction order does not depend on it. */
typedef enum lora_isa {
    LORA_ISA_AUTO = 0,   /* best available (cpuid + XCR0 on x86, NEON on arm64) */
    LORA_ISA_SCALAR = 1,
    LORA_ISA_AVX2 = 2,   /* AVX2 + FMA */
    LORA_ISA_AVX512 = 3, /* AVX-512F (+ BW/DQ/VL) */
    LORA_ISA_NEON = 4
} lora_isa;

typedef struct lora_pool lora_pool;

/* n_threads <= 0 means the number of online cores. The environment variable
   LORA_ISA=scalar|avx2|avx512|neon, read here, forces an instruction set. */
LORA_API lora_status lora_pool_create(lora_pool **out, int n_threads);
LORA_API void lora_pool_destroy(lora_pool *pool);
LORA_API int lora_pool_threads(const lora_pool *pool);       /* 1 for NULL */
/* Forces an instruction set; fails with LORA_ERR_UNSUPPORTED if this CPU or build lacks it. */
LORA_API lora_status lora_pool_set_isa(lora_pool *pool, lora_isa isa);
LORA_API lora_isa lora_pool_isa(const lora_pool *pool);      /* resolved, never AUTO */
LORA_API const char *lora_isa_name(lora_isa isa);
LORA_API lora_isa lora_detect_isa(void);                      /* best this CPU + build supports */

/* Runs fn(ctx, task, thread) for task = 0 .. n_tasks-1 across the pool and the
   calling thread, and returns when all are done. `thread` is in [0, threads). */
typedef void (*lora_task_fn)(void *ctx, int task, int thread);
LORA_API void lora_pool_run(lora_pool *pool, lora_task_fn fn, void *ctx, int n_tasks);

/* ---- lora/20_matmul.api.h ---- */
/* ---- Matrix multiply ----
   Row-major single-precision GEMM: C = alpha * op(A) @ op(B) + beta * C, where
   op(A) is M x K (A stored M x K with leading dimension lda, or K x M when transA),
   op(B) is K x N (B stored K x N, or N x K when transB), C is M x N (ldc).
   beta == 0 overwrites C without reading it. Threads over the pool; the result
   does not depend on the thread count. With -DLORA_BLAS it calls cblas_sgemm. */
LORA_API void lora_sgemm(lora_pool *pool, int transA, int transB, int M, int N, int K,
                         float alpha, const float *A, int lda, const float *B, int ldb,
                         float beta, float *C, int ldc);

/* ---- lora/30_json.api.h ---- */
/* ---- JSON (RFC 8259, strict) ----
   A small DOM reader used for config.json, adapter_config.json, tokenizer vocabularies
   and jsonl data, plus helpers for writing. Strings are UTF-8, NUL-terminated, with
   their byte length (they may contain NUL via \u0000). Object member order is kept. */
typedef enum lora_json_type {
    LORA_JSON_NULL, LORA_JSON_FALSE, LORA_JSON_TRUE, LORA_JSON_NUMBER,
    LORA_JSON_STRING, LORA_JSON_ARRAY, LORA_JSON_OBJECT
} lora_json_type;

typedef struct lora_json lora_json;
struct lora_json {
    lora_json_type type;
    double number;          /* LORA_JSON_NUMBER */
    char *str;              /* LORA_JSON_STRING: value; */
    size_t len;             /*   its length in bytes */
    size_t n;               /* ARRAY/OBJECT: number of items */
    lora_json *items;       /* ARRAY/OBJECT: the n values */
    char **keys;            /* OBJECT: the n keys (NUL-terminated) */
    size_t *key_lens;       /* OBJECT: key lengths */
};

/* Parses text[0..len). On failure returns LORA_ERR_FORMAT with "<source>:<line>:<col>: reason"
   (source names the file or data for the message). Nesting depth is limited to 512. */
LORA_API lora_status lora_json_parse(const char *text, size_t len, const char *source, lora_json **out);
LORA_API void lora_json_free(lora_json *v);
/* Object member lookup (last duplicate wins); NULL if v is not an object or key is absent. */
LORA_API const lora_json *lora_json_get(const lora_json *v, const char *key);
/* Typed accessors: return 1 and store the value if present with the right type, else 0. */
LORA_API int lora_json_get_number(const lora_json *obj, const char *key, double *out);
LORA_API int lora_json_get_bool(const lora_json *obj, const char *key, int *out);
LORA_API const char *lora_json_get_string(const lora_json *obj, const char *key);

/* ---- lora/40_safetensors.api.h ---- */
/* ---- safetensors ----
   Reader (mmap where available, else read into memory) and atomic writer. The reader
   checks everything: header size limit (100 MB), strict JSON, dtype x shape = byte
   length, offsets in bounds, tensors non-overlapping and tiling the data section. */
typedef enum lora_dtype {
    LORA_DT_F64, LORA_DT_F32, LORA_DT_F16, LORA_DT_BF16,
    LORA_DT_I64, LORA_DT_I32, LORA_DT_I16, LORA_DT_I8, LORA_DT_U8, LORA_DT_BOOL,
    LORA_DT_U64, LORA_DT_U32, LORA_DT_U16
} lora_dtype;
LORA_API const char *lora_dtype_name(lora_dtype dt);   /* "F32", ... */
LORA_API size_t lora_dtype_size(lora_dtype dt);        /* bytes per element */

#define LORA_ST_MAX_DIMS 8
typedef struct lora_st_tensor {
    char *name;
    lora_dtype dtype;
    int ndim;
    int64_t shape[LORA_ST_MAX_DIMS];
    int64_t numel;
    uint64_t nbytes;
    const void *data;        /* points into the mapped file (not aligned in general) */
} lora_st_tensor;

typedef struct lora_safetensors {
    char *path;
    size_t n_tensors;
    lora_st_tensor *tensors; /* in header order */
    size_t n_meta;           /* __metadata__ entries */
    char **meta_keys, **meta_values;
    void *impl_;             /* mapping details */
} lora_safetensors;

LORA_API lora_status lora_st_open(const char *path, lora_safetensors **out);
/* Parses an in-memory file; `name` is used in messages; data must outlive the result. */
LORA_API lora_status lora_st_open_memory(const void *data, size_t size, const char *name, lora_safetensors **out);
LORA_API void lora_st_close(lora_safetensors *st);
LORA_API const lora_st_tensor *lora_st_find(const lora_safetensors *st, const char *name);
LORA_API const char *lora_st_meta(const lora_safetensors *st, const char *key);
/* Converts a floating tensor (F64/F32/F16/BF16) to float32 into dst (numel floats).
   Fails with LORA_ERR_SHAPE if numel != t->numel, LORA_ERR_UNSUPPORTED for integer dtypes. */
LORA_API lora_status lora_st_read_f32(const lora_safetensors *st, const lora_st_tensor *t, float *dst, int64_t numel);
/* Finds `name`, checks its shape equals shape[0..ndim) and converts it into dst:
   the one-call form loaders use; errors name the file, tensor, expected and found shapes. */
LORA_API lora_status lora_st_load_f32(const lora_safetensors *st, const char *name, int ndim, const int64_t *shape, float *dst);

typedef struct lora_st_entry {
    const char *name;
    lora_dtype dtype;        /* data is in this dtype already */
    int ndim;
    int64_t shape[LORA_ST_MAX_DIMS];
    const void *data;
} lora_st_entry;
/* Writes a file the reference implementation accepts: tensors ordered by dtype width
   (widest first) then name, compact JSON with __metadata__ first, header padded with
   spaces to a multiple of 8. meta is n_meta key/value pairs (may be NULL). Atomic:
   written to a temporary file and renamed, so the previous file survives any error. */
LORA_API lora_status lora_st_write(const char *path, const lora_st_entry *tensors, size_t n,
                                   const char *const *meta_keys, const char *const *meta_values, size_t n_meta);

/* ---- lora/50_pattern.api.h ---- */
/* ---- Module-name patterns (PEFT's target_modules rules) ----
   A small backtracking regular-expression engine for the subset people write in
   target_modules: literals, . * + ? {m} {m,} {m,n} (greedy and lazy), [] [^] ranges,
   ( ) (?: ) groups, |, anchors ^ $, escapes \. \d \D \w \W \s \S. Patterns are
   matched against the whole name (Python's re.fullmatch). */
typedef struct lora_regex lora_regex;
LORA_API lora_status lora_regex_compile(const char *pattern, lora_regex **out);
LORA_API int lora_regex_fullmatch(const lora_regex *re, const char *text);
LORA_API int lora_regex_search(const lora_regex *re, const char *text); /* match anywhere */
LORA_API void lora_regex_free(lora_regex *re);

/* PEFT's list rule: name equals key, or ends with "." + key. */
LORA_API int lora_name_matches_key(const char *name, const char *key);

/* Which modules to adapt, as PEFT's LoraConfig says it. */
typedef struct lora_target_spec {
    const char *const *targets;    /* list form of target_modules (n_targets entries) */
    int n_targets;
    const char *target_regex;      /* string form of target_modules (fullmatch), or NULL */
    int all_linear;                /* "all-linear": every linear module except the output layer */
    const char *const *exclude;    /* exclude_modules, list form */
    int n_exclude;
    const char *exclude_regex;     /* exclude_modules, string form, or NULL */
    const int *layers;             /* layers_to_transform (n_layers entries), or NULL = all */
    int n_layers;
    const char *layers_pattern;    /* layers_pattern, e.g. "h"; NULL = PEFT's default list */
} lora_target_spec;

/* Decides, for each of n module names, whether it is targeted (selected[i] = 0/1).
   is_output[i] marks the output layer (lm_head) that "all-linear" leaves out; may be NULL.
   Fails like PEFT when nothing matches: LORA_ERR_NOT_FOUND with a message naming the
   targets and listing the module-name suffixes that exist. */
LORA_API lora_status lora_select_targets(const lora_target_spec *spec, const char *const *names, int n,
                                         const unsigned char *is_output, unsigned char *selected);
/* Layer index in a module name per PEFT (".h.3." -> 3 with pattern "h"); -1 if none. */
LORA_API int lora_layer_index(const char *name, const char *layers_pattern);

/* ---- lora/99_end.api.h ---- */
#ifdef __cplusplus
}
#endif

#endif /* LORA_H */

#ifdef LORA_IMPLEMENTATION
#ifndef LORA_IMPLEMENTATION_DONE
#define LORA_IMPLEMENTATION_DONE

/* ---- lora/00_core.impl.c ---- */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <stdarg.h>
#include <math.h>
#include <errno.h>

/* Allocation hooks: define all three before including the implementation to route
   every allocation of the library through your allocator. */
#if !defined(LORA_MALLOC) || !defined(LORA_FREE) || !defined(LORA_REALLOC)
#undef LORA_MALLOC
#undef LORA_FREE
#undef LORA_REALLOC
#define LORA_MALLOC(sz) malloc(sz)
#define LORA_FREE(p) free(p)
#define LORA_REALLOC(p, sz) realloc(p, sz)
#endif

#if defined(__cplusplus) && __cplusplus >= 201103L
#define LORA__TLS thread_local
#elif defined(_MSC_VER)
#define LORA__TLS __declspec(thread)
#elif defined(__GNUC__) || defined(__clang__)
#define LORA__TLS __thread
#else
#define LORA__TLS /* no thread-local storage: the message is shared by all threads */
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LORA__PRINTF(a, b) __attribute__((format(printf, a, b)))
#define LORA__UNUSED __attribute__((unused))
#else
#define LORA__PRINTF(a, b)
#define LORA__UNUSED
#endif

#define LORA__ERRLEN 1024
static LORA__TLS char lora__errbuf[LORA__ERRLEN];

LORA_API const char *lora_status_name(lora_status s) {
    switch (s) {
    case LORA_OK: return "LORA_OK";
    case LORA_ERR_INVALID_ARG: return "LORA_ERR_INVALID_ARG";
    case LORA_ERR_OOM: return "LORA_ERR_OOM";
    case LORA_ERR_IO: return "LORA_ERR_IO";
    case LORA_ERR_FORMAT: return "LORA_ERR_FORMAT";
    case LORA_ERR_SHAPE: return "LORA_ERR_SHAPE";
    case LORA_ERR_NOT_FOUND: return "LORA_ERR_NOT_FOUND";
    case LORA_ERR_NUMERIC: return "LORA_ERR_NUMERIC";
    case LORA_ERR_UNSUPPORTED: return "LORA_ERR_UNSUPPORTED";
    case LORA_ERR_CANCELLED: return "LORA_ERR_CANCELLED";
    case LORA_ERR_RANGE: return "LORA_ERR_RANGE";
    }
    return "LORA_ERR_UNKNOWN";
}

LORA_API const char *lora_last_error(void) { return lora__errbuf; }
LORA_API void lora_clear_error(void) { lora__errbuf[0] = 0; }

/* Records a formatted message for the calling thread and returns s, so that
   failures read: return lora__fail(LORA_ERR_FORMAT, "%s: ...", path); */
static LORA__UNUSED LORA__PRINTF(2, 3) lora_status lora__fail(lora_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lora__errbuf, sizeof lora__errbuf, fmt, ap);
    va_end(ap);
    return s;
}

/* Allocation that records an out-of-memory message naming what was allocated. */
static LORA__UNUSED void *lora__malloc(size_t n, const char *what) {
    void *p = LORA_MALLOC(n ? n : 1);
    if (!p) lora__fail(LORA_ERR_OOM, "out of memory allocating %zu bytes for %s", n, what);
    return p;
}
static LORA__UNUSED void *lora__calloc(size_t count, size_t size, const char *what) {
    void *p;
    if (size && count > (size_t)-1 / size) {
        lora__fail(LORA_ERR_OOM, "allocation size overflow for %s", what);
        return NULL;
    }
    p = lora__malloc(count * size, what);
    if (p) memset(p, 0, count * size);
    return p;
}
static LORA__UNUSED void *lora__realloc(void *old, size_t n, const char *what) {
    void *p = LORA_REALLOC(old, n ? n : 1);
    if (!p) lora__fail(LORA_ERR_OOM, "out of memory growing %s to %zu bytes", what, n);
    return p;
}
static LORA__UNUSED char *lora__strdup(const char *s, const char *what) {
    size_t n = strlen(s) + 1;
    char *p = (char *)lora__malloc(n, what);
    if (p) memcpy(p, s, n);
    return p;
}

/* 64-byte aligned allocation built on the hooks (the offset is stored just before
   the returned pointer), so SIMD kernels can use aligned loads on arenas. */
#define LORA__ALIGN 64
static LORA__UNUSED void *lora__alloc_aligned(size_t n, const char *what) {
    unsigned char *raw, *p;
    if (n > (size_t)-1 - LORA__ALIGN - sizeof(void *)) {
        lora__fail(LORA_ERR_OOM, "allocation size overflow for %s", what);
        return NULL;
    }
    raw = (unsigned char *)lora__malloc(n + LORA__ALIGN + sizeof(void *), what);
    if (!raw) return NULL;
    p = raw + sizeof(void *);
    p += (LORA__ALIGN - ((uintptr_t)p % LORA__ALIGN)) % LORA__ALIGN;
    memcpy(p - sizeof(void *), &raw, sizeof raw);
    return p;
}
static LORA__UNUSED void lora__free_aligned(void *p) {
    void *raw;
    if (!p) return;
    memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof raw);
    LORA_FREE(raw);
}

/* ---- growable byte buffer, used by writers (JSON, safetensors headers) ---- */
typedef struct lora__buf { char *data; size_t len, cap; int failed; } lora__buf;
static LORA__UNUSED int lora__buf_reserve(lora__buf *b, size_t extra) {
    size_t need, cap;
    char *p;
    if (b->failed) return 0;
    need = b->len + extra + 1;
    if (need <= b->cap) return 1;
    cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    p = (char *)lora__realloc(b->data, cap, "text buffer");
    if (!p) { b->failed = 1; return 0; }
    b->data = p; b->cap = cap;
    return 1;
}
static LORA__UNUSED void lora__buf_append(lora__buf *b, const void *s, size_t n) {
    if (!lora__buf_reserve(b, n)) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}
static LORA__UNUSED void lora__buf_puts(lora__buf *b, const char *s) { lora__buf_append(b, s, strlen(s)); }
static LORA__UNUSED LORA__PRINTF(2, 3) void lora__buf_printf(lora__buf *b, const char *fmt, ...) {
    va_list ap;
    int n;
    char small[256];
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) { b->failed = 1; return; }
    if ((size_t)n < sizeof small) { lora__buf_append(b, small, (size_t)n); return; }
    if (!lora__buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}
static LORA__UNUSED void lora__buf_free(lora__buf *b) { LORA_FREE(b->data); b->data = NULL; b->len = b->cap = 0; }

/* ---- files ---- */

/* Reads a whole file into a NUL-terminated buffer (LORA_FREE it). */
static LORA__UNUSED lora_status lora__read_file(const char *path, char **out, size_t *len) {
    FILE *f;
    long sz;
    char *buf;
    size_t got;
    *out = NULL; *len = 0;
    f = fopen(path, "rb");
    if (!f) return lora__fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return lora__fail(LORA_ERR_IO, "%s: cannot determine file size", path);
    }
    buf = (char *)lora__malloc((size_t)sz + 1, path);
    if (!buf) { fclose(f); return LORA_ERR_OOM; }
    got = fread(buf, 1, (size_t)sz, f);
    fclose(f);
    if (got != (size_t)sz) {
        LORA_FREE(buf);
        return lora__fail(LORA_ERR_IO, "%s: short read (%zu of %ld bytes)", path, got, sz);
    }
    buf[sz] = 0;
    *out = buf; *len = (size_t)sz;
    return LORA_OK;
}

/* Atomic file replacement: write to "<path>.tmp.<n>", then rename over path, so a
   crash, a full disk or an error never leaves a half-written file where the user's
   previous one was. */
typedef struct lora__atomic_file { FILE *f; char *final_path; char *tmp_path; int failed; } lora__atomic_file;

static LORA__UNUSED lora_status lora__atomic_open(lora__atomic_file *af, const char *path) {
    size_t n = strlen(path);
    static const char suffix[] = ".tmp-lora";
    memset(af, 0, sizeof *af);
    af->final_path = lora__strdup(path, "file path");
    af->tmp_path = (char *)lora__malloc(n + sizeof suffix, "file path");
    if (!af->final_path || !af->tmp_path) {
        LORA_FREE(af->final_path); LORA_FREE(af->tmp_path);
        memset(af, 0, sizeof *af);
        return LORA_ERR_OOM;
    }
    memcpy(af->tmp_path, path, n);
    memcpy(af->tmp_path + n, suffix, sizeof suffix);
    af->f = fopen(af->tmp_path, "wb");
    if (!af->f) {
        lora_status s = lora__fail(LORA_ERR_IO, "%s: cannot create temporary file %s: %s", path, af->tmp_path, strerror(errno));
        LORA_FREE(af->final_path); LORA_FREE(af->tmp_path);
        memset(af, 0, sizeof *af);
        return s;
    }
    return LORA_OK;
}
static LORA__UNUSED void lora__atomic_write(lora__atomic_file *af, const void *data, size_t n) {
    if (af->failed || n == 0) return;
    if (fwrite(data, 1, n, af->f) != n) af->failed = errno ? errno : EIO;
}
/* Aborts the write: removes the temporary file, keeps the previous file intact. */
static LORA__UNUSED void lora__atomic_abort(lora__atomic_file *af) {
    if (af->f) fclose(af->f);
    if (af->tmp_path) remove(af->tmp_path);
    LORA_FREE(af->final_path); LORA_FREE(af->tmp_path);
    memset(af, 0, sizeof *af);
}
static LORA__UNUSED lora_status lora__atomic_commit(lora__atomic_file *af) {
    lora_status s = LORA_OK;
    int err = af->failed;
    if (fflush(af->f) != 0 && !err) err = errno ? errno : EIO;
    if (fclose(af->f) != 0 && !err) err = errno ? errno : EIO;
    af->f = NULL;
    if (err) {
        s = lora__fail(LORA_ERR_IO, "%s: write failed: %s (previous file left intact)", af->final_path, strerror(err));
    } else if (rename(af->tmp_path, af->final_path) != 0) {
        s = lora__fail(LORA_ERR_IO, "%s: cannot rename %s into place: %s", af->final_path, af->tmp_path, strerror(errno));
    }
    if (s != LORA_OK) remove(af->tmp_path);
    LORA_FREE(af->final_path); LORA_FREE(af->tmp_path);
    memset(af, 0, sizeof *af);
    return s;
}
/* Writes a whole buffer atomically. */
static LORA__UNUSED lora_status lora__write_file_atomic(const char *path, const void *data, size_t n) {
    lora__atomic_file af;
    lora_status s = lora__atomic_open(&af, path);
    if (s != LORA_OK) return s;
    lora__atomic_write(&af, data, n);
    return lora__atomic_commit(&af);
}

/* ---- rng ---- */
static LORA__UNUSED uint64_t lora__splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
LORA_API void lora_rng_seed(lora_rng *rng, uint64_t seed) {
    uint64_t a = lora__splitmix64(&seed), b = lora__splitmix64(&seed);
    rng->s[0] = (uint32_t)a; rng->s[1] = (uint32_t)(a >> 32);
    rng->s[2] = (uint32_t)b; rng->s[3] = (uint32_t)(b >> 32);
    if (!(rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3])) rng->s[0] = 1;
    rng->has_spare = 0; rng->spare = 0.0f;
}
static LORA__UNUSED uint32_t lora__rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
LORA_API uint32_t lora_rng_u32(lora_rng *rng) {
    uint32_t *s = rng->s;
    uint32_t result = lora__rotl32(s[1] * 5, 7) * 9, t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = lora__rotl32(s[3], 11);
    return result;
}
LORA_API float lora_rng_uniform(lora_rng *rng) { return (float)(lora_rng_u32(rng) >> 8) * (1.0f / 16777216.0f); }
LORA_API float lora_rng_normal(lora_rng *rng) {
    double u1, u2, r;
    if (rng->has_spare) { rng->has_spare = 0; return rng->spare; }
    do { u1 = ((double)(lora_rng_u32(rng) >> 8) + 0.5) / 16777216.0; } while (u1 <= 0.0);
    u2 = (double)(lora_rng_u32(rng) >> 8) / 16777216.0;
    r = sqrt(-2.0 * log(u1));
    rng->spare = (float)(r * sin(6.283185307179586 * u2));
    rng->has_spare = 1;
    return (float)(r * cos(6.283185307179586 * u2));
}

/* ---- half precision ---- */
LORA_API float lora_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    float f;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { /* subnormal: value = man * 2^-24 */
            f = (float)man * (1.0f / 16777216.0f);
            return (h & 0x8000) ? -f : f;
        }
    } else if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
    else bits = sign | ((exp + 112) << 23) | (man << 13);
    memcpy(&f, &bits, 4);
    return f;
}
LORA_API uint16_t lora_f32_to_f16(float f) {
    uint32_t x, sign, absx;
    memcpy(&x, &f, 4);
    sign = (x >> 16) & 0x8000; absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u) return (uint16_t)(sign | 0x7e00); /* NaN */
    if (absx >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* overflow (rounds to >= 65520) -> inf */
    if (absx < 0x38800000u) { /* subnormal or zero in half: round(|f| * 2^24) to nearest even */
        float a; double v; uint32_t m; double fl;
        memcpy(&a, &absx, 4);
        v = (double)a * 16777216.0;
        fl = floor(v); m = (uint32_t)fl;
        if (v - fl > 0.5 || (v - fl == 0.5 && (m & 1))) m++;
        return (uint16_t)(sign | m);
    }
    { /* normal: rebias and round mantissa to nearest even */
        uint32_t e = ((absx >> 23) - 112) << 10, m = (absx >> 13) & 0x3ff, rest = absx & 0x1fff;
        uint32_t h = e | m;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;
        return (uint16_t)(sign | h);
    }
}
LORA_API float lora_bf16_to_f32(uint16_t h) { uint32_t b = (uint32_t)h << 16; float f; memcpy(&f, &b, 4); return f; }
LORA_API uint16_t lora_f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;
    x += 0x7fff + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

#endif /* LORA_IMPLEMENTATION_DONE */
#endif /* LORA_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
This software is available under the MIT License (see LICENSE).
------------------------------------------------------------------------------
*/
