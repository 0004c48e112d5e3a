/* lora.h - v0.1.0 - LoRA fine-tuning primitives in one C99 header. MIT licence (end of file).

   Part of lora.h / gpt2.h: fine-tune GPT-2 with LoRA adapters on a CPU, exact to
   PyTorch + PEFT, with no dependency beyond libc, libm and pthreads.

   USAGE
     In exactly one C or C++ file:
         #define LORA_IMPLEMENTATION
         #include "lora.h"
     everywhere else just #include "lora.h". gpt2.h builds on it (see there).
     Compile with plain cc:   cc -O2 app.c -lm -lpthread
     SIMD kernels are chosen at run time (AVX-512, AVX2+FMA, NEON on arm64, scalar), so one
     binary runs on any CPU of its architecture; no -march flag is needed. Every file format
     (safetensors, GGUF, PEFT adapters, checkpoints) is little-endian on any host, big-endian included.

   CONFIGURATION (define before the implementation)
     LORA_MALLOC(sz) / LORA_FREE(p) / LORA_REALLOC(p, sz)   allocation hooks (define all three)
     LORA_STATIC          make every function static (private copy per translation unit)
     LORA_NO_SIMD, LORA_NO_AVX512, LORA_NO_AVX2             compile out SIMD paths
     LORA_NO_THREADS      no pthreads: pools run on the calling thread
     LORA_BLAS            route big matrix products to cblas_sgemm (link -lopenblas or any CBLAS)
     Run time: LORA_ISA=scalar|avx2|avx512|neon forces an instruction set for new pools.

   ERRORS
     Every fallible call returns lora_status (LORA_OK = 0, errors < 0). lora_last_error()
     gives a readable message for the calling thread: which file, which tensor, expected vs
     found. The library never exits, aborts or prints. Files are written to a temporary name
     and renamed, so an error or a full disk never destroys the previous file.

   THREAD SAFETY
     Functions are re-entrant: different objects may be used from different threads at once.
     One object (pool, adapter, optimiser, model) must not be used by two threads at the same
     time, except lora_pool_run, which is itself the way to run work on a pool. Error
     messages are per thread.

   WHAT IS IN HERE
     lora_pool_*        thread pool + instruction-set choice          (threads.api)
     lora_sgemm         packed, register-blocked SGEMM, all transposes (matmul.api)
     lora_gemv          matrix-vector products (decoding), W read once (matmul.api)
     lora_json_*        strict JSON reader                             (json.api)
     lora_st_*          safetensors reader (mmap) and atomic writer    (safetensors.api)
     lora_gguf_*        GGUF (llama.cpp) reader (F32/F16/BF16/Q8_0) and writer (gguf.api);
                        lora_model_save_gguf / _save_adapter_gguf export for llama.cpp (model.api)
     lora_regex_*, lora_select_targets   PEFT's target_modules rules   (pattern.api)
     lora_adapter_*     LoRA adapters: create by pattern, PEFT save/load, merge/unmerge
     lora_adamw_*       AdamW identical to torch.optim.AdamW, clipping, LR schedules
     lora_checkpoint_*  resumable training state
     lora_model_*       the model interface a model header fills in (lora_model_ops):
                        forward/backward, adapters, KV cache; lora_model_open by family (model.api)
     lora_tokenizer_*, lora_encode, lora_decode   byte-level BPE (GPT-2's files)  (tokenizer.api)
     lora_data_*, lora_batcher_*   jsonl / token data, prompt masking, packing,
                        per-epoch shuffling                             (data.api)
     lora_generate, lora_sample   KV-cache decoding, greedy/temperature/top-k/top-p (generate.api)
     lora_train, lora_evaluate, lora_exact_match   the training loop (validation, checkpoints,
                        cancel, exact resume), loss/perplexity, QA exact match  (train.api)
     lora_fail, lora_malloc, lora_atomic_*, lora_buf_*, lora_vec, ...
                        for model authors: what a model header (gpt2.h, llama.h) needs from
                        the engine, all public (row kernels incl. RMSNorm, RoPE, SwiGLU) (authors.api)
     lora_linear_*, lora_parallel_rows, lora_cross_entropy   layers every model shares:
                        linear + LoRA branch + dropout, rows over the pool, the loss (layers.api)
     lora_wmat_mul, lora_lm_head_ce   for model authors: products through frozen weights
                        in fp32 or bf16 (vdpbf16ps on AVX512-BF16), the output layer fused
                        with cross-entropy on labelled rows only       (authors.api)

   MINIMAL EXAMPLE (any model that can describe its linear layers)
       lora_module_desc mods[] = {{"encoder.layer.0.query", 768, 768, 1, 0}, ...};
       lora_config cfg = lora_config_init();          // PEFT defaults: r 8, alpha 8
       const char *targets[] = {"query", "value"};
       cfg.r = 8; cfg.alpha = 16;
       cfg.target.targets = targets; cfg.target.n_targets = 2;
       lora_adapter *ad;
       if (lora_adapter_create(&cfg, mods, n_mods, &ad) != LORA_OK)
           fprintf(stderr, "%s\n", lora_last_error());
       ... forward: y = x W + (x A^T) B^T * scaling; backward fills ad->modules[i].dA/dB ...
       lora_adapter_save(ad, "out/adapter", 1);       // adapter_model.safetensors + adapter_config.json

   LoRA MATH (as PEFT)
     A is (r, in), B is (out, r); delta W = B @ A * scaling, scaling = alpha / r (alpha/sqrt(r)
     with rsLoRA). A starts kaiming-uniform U(-1/sqrt(in), 1/sqrt(in)), B at zero, so a new
     adapter changes nothing until trained. Dropout applies to the LoRA branch's input only,
     in training only.
*/
#ifndef LORA_H
#define LORA_H

/* ---- lora/00_core.api.h ---- */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* FILE, in the model authors' file functions */

#ifndef LORA_API
#ifdef LORA_STATIC
/* a private copy per translation unit: functions it does not call are not worth a warning */
#if defined(__GNUC__) || defined(__clang__)
#define LORA_API static __attribute__((unused))
#else
#define LORA_API static
#endif
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
/* Frees memory the library allocated for the caller (lora_encode's ids, lora_decode's text,
   parameter lists, warnings, ...): LORA_FREE with the allocation hooks of the library. */
LORA_API void lora_free(void *p);

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
   count: work is split into tasks whose reduction order does not depend on it.
   Build options: -DLORA_NO_SIMD (scalar kernels only), -DLORA_NO_AVX512 and
   -DLORA_NO_AVX2 (leave those x86 kernels out), -DLORA_NO_THREADS (no pthreads:
   pools run every task on the calling thread, as on _WIN32). x86 kernels are
   compiled with per-function target attributes: no -march flag is needed and one
   binary picks AVX-512 / AVX2 / scalar at run time.
   A pool runs one job at a time: lora_pool_run (or lora_sgemm) on a pool that is
   already busy, e.g. from inside one of its own tasks or from another thread, runs
   serially on the calling thread (thread index 0). Inside tasks, pass NULL. */
typedef enum lora_isa {
    LORA_ISA_AUTO = 0,   /* best available (cpuid + XCR0 on x86, NEON on arm64) */
    LORA_ISA_SCALAR = 1,
    LORA_ISA_AVX2 = 2,   /* AVX2 + FMA */
    LORA_ISA_AVX512 = 3, /* AVX-512F (+ BW/DQ/VL) */
    LORA_ISA_NEON = 4
} lora_isa;

typedef struct lora_pool lora_pool;

/* n_threads <= 0 means lora_default_threads(), and then fewer if the system refuses to start
   that many threads; an explicit count that cannot be started is an error. The environment
   variable LORA_ISA=scalar|avx2|avx512|neon, read here, forces an instruction set. */
LORA_API lora_status lora_pool_create(lora_pool **out, int n_threads);
/* The cores this process can use: online cores, limited (on Linux) by its CPU affinity mask
   (taskset, container cpusets) and its cgroup CPU quota (docker --cpus); the count nproc prints. */
LORA_API int lora_default_threads(void);
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
   does not depend on the thread count (products under ~3 MFLOP stay on the calling
   thread). With -DLORA_BLAS it calls cblas_sgemm instead: link a CBLAS, e.g.
   -lopenblas (the prototype is declared internally; define LORA_BLAS_INCLUDE_CBLAS_H
   to take it from <cblas.h>). */
LORA_API void lora_sgemm(lora_pool *pool, int transA, int transB, int M, int N, int K,
                         float alpha, const float *A, int lda, const float *B, int ldb,
                         float beta, float *C, int ldc);

/* Matrix-vector products: a few rows of activations times a weight matrix streamed once (the
   memory-bound products of decoding). Y is overwritten for m < M, j in [j0, j1), nothing else:
     transW = 0: Y[m * ldy + j] = sum_k X[m * ldx + k] * W[k * ldw + j]   (W is K x N, row-major)
     transW = 1: Y[m * ldy + j] = sum_k W[j * ldw + k] * X[m * ldx + k]   (W is N x K, row-major)
   Up to LORA_GEMV_MAX_ROWS rows of X share each load of W (more rows are correct too, done in
   groups of that many). Every element is reduced over k in one fixed order whatever M, j0 and
   j1, so callers may split [j0, j1) between threads (lora_pool_run) and get the same bits; the
   function itself runs on the calling thread. isa picks the kernels: LORA_ISA_AUTO as for a
   NULL pool (the best detected, or LORA_ISA), usually lora_pool_isa(pool); one this build or
   CPU lacks falls back to the best lower one (AVX-512 -> AVX2 -> scalar, NEON -> scalar).
   Results differ between instruction sets (fused or not, lane order) by rounding only.
   M <= 0, K <= 0, j0 < 0, j0 >= j1 or a NULL pointer: nothing is done. */
#define LORA_GEMV_MAX_ROWS 16
LORA_API void lora_gemv(lora_isa isa, int transW, int M, int K, const float *X, long ldx,
                        const float *W, long ldw, int j0, int j1, float *Y, long ldy);

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
    double number;          /* LORA_JSON_NUMBER (correctly rounded) */
    char *str;              /* LORA_JSON_STRING: value; LORA_JSON_NUMBER: the literal as written */
    size_t len;             /*   its length in bytes */
    size_t n;               /* ARRAY/OBJECT: number of items */
    lora_json *items;       /* ARRAY/OBJECT: the n values */
    char **keys;            /* OBJECT: the n keys (NUL-terminated) */
    size_t *key_lens;       /* OBJECT: key lengths */
};

/* Parses text[0..len). Strict: the input must be valid UTF-8 (no BOM), strings may not hold raw
   control characters, escapes \uD800-\uDFFF must form surrogate pairs (lone surrogates are
   rejected, unlike Python's json, since they cannot be stored as UTF-8), numbers follow the
   grammar (no leading zeros, '+', NaN or Infinity; numbers beyond the double range are rejected),
   one value with only whitespace around it. Columns in messages count characters (code points).
   Nesting depth is limited to 512. On failure returns LORA_ERR_FORMAT with
   "<source>:<line>:<col>: reason" (source names the file or data for the message).
   Free the result with lora_json_free (on the returned root only: children live in
   their parent's allocation). */
LORA_API lora_status lora_json_parse(const char *text, size_t len, const char *source, lora_json **out);
LORA_API void lora_json_free(lora_json *v);
/* Object member lookup (last duplicate wins); NULL if v is not an object or key is absent. */
LORA_API const lora_json *lora_json_get(const lora_json *v, const char *key);
/* Typed accessors: return 1 and store the value if present with the right type, else 0. */
LORA_API int lora_json_get_number(const lora_json *obj, const char *key, double *out);
LORA_API int lora_json_get_bool(const lora_json *obj, const char *key, int *out);
LORA_API const char *lora_json_get_string(const lora_json *obj, const char *key);
/* Exact value of a number written as an integer literal (no fraction, no exponent) that fits
   in int64 (token ids, seeds, sizes beyond 2^53): returns 1 and stores it, else 0. */
LORA_API int lora_json_int64(const lora_json *v, int64_t *out);
/* "null", "boolean", "number", "string", "array", "object": for messages. */
LORA_API const char *lora_json_type_name(lora_json_type t);

/* ---- lora/40_safetensors.api.h ---- */
/* ---- safetensors ----
   Reader (mmap where available, else read into memory) and atomic writer. The reader
   checks everything: header size limit (100 MB), strict JSON, dtype x shape = byte
   length, offsets in bounds, tensors non-overlapping and tiling the data section.
   Also rejected (LORA_ERR_FORMAT, message "<file>: ..."): duplicate tensor names or entry
   keys, keys other than dtype/shape/data_offsets in an entry, shapes or offsets that are not
   non-negative integer literals (1.0, 1e2, -0), __metadata__ that is not string -> string,
   names or metadata holding NUL (\u0000). Valid dtypes this library does not handle (F8_*,
   F4, F6_*) and more than LORA_ST_MAX_DIMS dimensions give LORA_ERR_UNSUPPORTED. */
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
    const void *data;        /* the file's bytes, little-endian whatever the host (read values with
                                lora_st_read_f32); points into the mapped file, not aligned in general */
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

/* Drops the pages of a tensor of a memory-mapped file from this process after it has been
   copied or converted, so that loading a model holds one copy of the weights at a time (peak
   memory ~ the model, not twice it). t->data must not be read afterwards. No-op for files
   that were read into memory. */
LORA_API void lora_st_release(const lora_safetensors *st, const lora_st_tensor *t);

typedef struct lora_st_entry {
    const char *name;
    lora_dtype dtype;        /* data is in this dtype already */
    int ndim;
    int64_t shape[LORA_ST_MAX_DIMS];
    const void *data;        /* host byte order, or little-endian when little_endian is set */
    int little_endian;       /* 1: data is already in file order (e.g. t->data of a file being
                                rewritten), written as is; 0: host order, byte-swapped on big-endian */
} lora_st_entry;
/* Writes a file the reference implementation accepts: tensors ordered by dtype width
   (widest first) then name, compact JSON with __metadata__ first, header padded with
   spaces to a multiple of 8. meta is n_meta key/value pairs (may be NULL). Atomic:
   written to a temporary file and renamed, so the previous file survives any error. */
LORA_API lora_status lora_st_write(const char *path, const lora_st_entry *tensors, size_t n,
                                   const char *const *meta_keys, const char *const *meta_values, size_t n_meta);

/* ---- lora/45_gguf.api.h ---- */
/* ---- GGUF (llama.cpp's file format) ----
   Layout (version 3, little-endian on every host): "GGUF", u32 version, u64 tensor count,
   u64 key-value count; the key-values (string key, u32 type, value; arrays: u32 element
   type, u64 count, elements; strings: u64 length + bytes); the tensor infos (name, u32 n_dims,
   u64 ne[n_dims] with ne[0] the fastest-varying dimension, i.e. a weight's in-features,
   u32 ggml type, u64 offset into the data section); padding to general.alignment (u32,
   default 32); the data section, every tensor at a multiple of the alignment.

   The reader treats every byte as untrusted and answers LORA_ERR_FORMAT naming the file and
   the item for: a bad magic, a truncated file, counts larger than the bytes that follow could
   hold, unknown value or tensor types, empty, over-long (64 bytes and more, llama.cpp's limit)
   or duplicate tensor names, duplicate keys, more than 4 dimensions, element counts that
   overflow, rows that are not whole blocks, general.alignment that is not a u32 power of two,
   offsets that are not aligned, tensors past the end of the file or overlapping another.
   Big-endian GGUF files and version 1 are LORA_ERR_UNSUPPORTED. Values are converted to host
   order, so the same file reads the same on every host. The file is memory-mapped where
   available (tensor data points into it), else read once. */
typedef enum lora_gguf_type {
    LORA_GGUF_UINT8 = 0, LORA_GGUF_INT8 = 1, LORA_GGUF_UINT16 = 2, LORA_GGUF_INT16 = 3,
    LORA_GGUF_UINT32 = 4, LORA_GGUF_INT32 = 5, LORA_GGUF_FLOAT32 = 6, LORA_GGUF_BOOL = 7,
    LORA_GGUF_STRING = 8, LORA_GGUF_ARRAY = 9, LORA_GGUF_UINT64 = 10, LORA_GGUF_INT64 = 11,
    LORA_GGUF_FLOAT64 = 12
} lora_gguf_type;

/* ggml tensor types this library writes (F32, F16, BF16) or dequantizes (also Q8_0). The
   reader knows the sizes of every type of ggml's table, so files holding other types open;
   converting such a tensor is LORA_ERR_UNSUPPORTED. */
typedef enum lora_ggml_type {
    LORA_GGML_F32 = 0, LORA_GGML_F16 = 1, LORA_GGML_Q8_0 = 8, LORA_GGML_BF16 = 30
} lora_ggml_type;
/* "F32", "Q4_K", ...; NULL for a type ggml does not define. */
LORA_API const char *lora_ggml_type_name(uint32_t type);

#define LORA_GGUF_MAX_DIMS 4
#define LORA_GGUF_MAX_NAME 64          /* tensor names are shorter (llama.cpp's GGML_MAX_NAME) */
#define LORA_GGUF_DEFAULT_ALIGNMENT 32

typedef struct lora_gguf_kv {
    char *key;
    lora_gguf_type type;       /* LORA_GGUF_ARRAY for arrays */
    lora_gguf_type elem_type;  /* arrays: the element type; scalars: = type */
    uint64_t n;                /* arrays: number of elements; scalars: 1 */
    /* numeric scalars (and bool): the value as each of these (u for unsigned and bool, i for
       signed, f for every number) */
    uint64_t u;
    int64_t i;
    double f;
    char *str;                 /* STRING: NUL-terminated copy (str_len bytes; may hold NULs) */
    size_t str_len;
    void *arr;                 /* numeric arrays: n values of the element type, host order */
    char **strs;               /* string arrays: n NUL-terminated copies, lengths in str_lens */
    size_t *str_lens;
} lora_gguf_kv;

typedef struct lora_gguf_tensor {
    char *name;
    int n_dims;
    int64_t ne[LORA_GGUF_MAX_DIMS];  /* ne[0] fastest; unused dimensions are 1 */
    uint32_t type;                   /* a ggml type (lora_ggml_type for the common ones) */
    int64_t numel;
    uint64_t offset;                 /* into the data section */
    uint64_t nbytes;
    const void *data;                /* the file's bytes (little-endian), not aligned in general */
} lora_gguf_tensor;

typedef struct lora_gguf {
    char *path;
    uint32_t version;
    uint32_t alignment;
    size_t n_kv;
    lora_gguf_kv *kv;                /* in file order */
    size_t n_tensors;
    lora_gguf_tensor *tensors;       /* in file order */
    uint64_t data_offset;            /* where the data section starts in the file */
    void *impl_;
} lora_gguf;

/* Nonzero when the file at path starts with the GGUF magic. */
LORA_API int lora_gguf_probe(const char *path);
LORA_API lora_status lora_gguf_open(const char *path, lora_gguf **out);
/* Parses an in-memory file; name is used in messages; data must outlive the result. */
LORA_API lora_status lora_gguf_open_memory(const void *data, size_t size, const char *name, lora_gguf **out);
LORA_API void lora_gguf_close(lora_gguf *g);
LORA_API const lora_gguf_kv *lora_gguf_find_kv(const lora_gguf *g, const char *key);
LORA_API const lora_gguf_tensor *lora_gguf_find_tensor(const lora_gguf *g, const char *name);
/* Typed getters: LORA_ERR_NOT_FOUND when the key is absent, LORA_ERR_FORMAT naming the file,
   key, expected and found type otherwise. get_int takes any integer type (or bool), get_float
   FLOAT32 / FLOAT64 (or an integer). */
LORA_API lora_status lora_gguf_get_str(const lora_gguf *g, const char *key, const char **out);
LORA_API lora_status lora_gguf_get_int(const lora_gguf *g, const char *key, int64_t *out);
LORA_API lora_status lora_gguf_get_float(const lora_gguf *g, const char *key, double *out);
/* Converts a tensor (F32, F16, BF16, Q8_0) to float32 in the file's element order (numel
   values); LORA_ERR_SHAPE if numel differs, LORA_ERR_UNSUPPORTED for other types. */
LORA_API lora_status lora_gguf_tensor_f32(const lora_gguf *g, const lora_gguf_tensor *t, float *dst, int64_t numel);
/* Finds name, checks that its ne[0 .. n_dims) equals ne and converts it: the one-call form
   loaders use; errors name the file, the tensor, the expected and found shapes. */
LORA_API lora_status lora_gguf_load_f32(const lora_gguf *g, const char *name, int n_dims, const int64_t *ne, float *dst);

/* ---- GGUF writer ----
   Collects key-values and tensors, then lora_gguf_write writes the file atomically (the
   previous file survives any error): version 3, keys in the order they were set, tensors in
   the order they were added, each at the next multiple of the alignment, padded after (as
   llama.cpp's and gguf-py's writers do). Setting a key twice or adding a tensor name twice is
   LORA_ERR_INVALID_ARG. Tensor values are float32 in host order, converted when written
   (F16 / BF16 round to nearest even); the writer keeps the pointer, so the data must live
   until lora_gguf_write, unless LORA_GGUF_COPY is given. */
typedef struct lora_gguf_writer lora_gguf_writer;
LORA_API lora_status lora_gguf_writer_create(lora_gguf_writer **out);
LORA_API void lora_gguf_writer_free(lora_gguf_writer *w);
/* Alignment of the data (a power of two, default 32; other values write general.alignment). */
LORA_API lora_status lora_gguf_set_alignment(lora_gguf_writer *w, uint32_t alignment);
LORA_API lora_status lora_gguf_set_str(lora_gguf_writer *w, const char *key, const char *value);
LORA_API lora_status lora_gguf_set_u32(lora_gguf_writer *w, const char *key, uint32_t value);
LORA_API lora_status lora_gguf_set_i32(lora_gguf_writer *w, const char *key, int32_t value);
LORA_API lora_status lora_gguf_set_u64(lora_gguf_writer *w, const char *key, uint64_t value);
LORA_API lora_status lora_gguf_set_f32(lora_gguf_writer *w, const char *key, float value);
LORA_API lora_status lora_gguf_set_bool(lora_gguf_writer *w, const char *key, int value);
/* Array of n strings (lens may be NULL: NUL-terminated), copied. */
LORA_API lora_status lora_gguf_set_str_array(lora_gguf_writer *w, const char *key, const char *const *strs,
                                             const size_t *lens, size_t n);
/* Array of n numbers of type elem (any numeric lora_gguf_type), host order, copied. */
LORA_API lora_status lora_gguf_set_array(lora_gguf_writer *w, const char *key, lora_gguf_type elem, const void *values,
                                         size_t n);
#define LORA_GGUF_COPY 1        /* copy the values now (the caller may free them at once) */
#define LORA_GGUF_TRANSPOSE 2   /* 2-D: data is row-major (ne[0], ne[1]), i.e. ne[1] fastest; written
                                   transposed into GGUF's order (a Conv1D (in, out) weight as ne (in, out)) */
/* Adds a tensor of n_dims (1..4) dimensions ne (ne[0] fastest) stored as type (F32, F16, BF16)
   from data: numel float32 values in host order, in GGUF's element order unless TRANSPOSE. */
LORA_API lora_status lora_gguf_add_tensor(lora_gguf_writer *w, const char *name, int n_dims, const int64_t *ne,
                                          lora_ggml_type type, const float *data, int flags);
LORA_API lora_status lora_gguf_write(lora_gguf_writer *w, const char *path);

/* llama.cpp's row permutation of q_proj / k_proj for its `llama` architecture (what
   convert_hf_to_gguf.py's LlamaModel.permute does): within each of n_head heads of
   rows / n_head rows, the halves are interleaved, HF's rotate-half RoPE becoming ggml's
   adjacent-pair RoPE. w is (rows, cols) row-major (nn.Linear layout, or LoRA's B with cols = r);
   dst gets the permuted rows (not w). inverse = 1 undoes it (GGUF -> HF). rows must be a
   multiple of 2 * n_head (LORA_ERR_SHAPE). */
LORA_API lora_status lora_gguf_permute_rows(const float *w, float *dst, int64_t rows, int64_t cols, int n_head, int inverse);

/* ---- lora/50_pattern.api.h ---- */
/* ---- Module-name patterns (PEFT's target_modules rules) ----
   A small regular-expression engine for the subset people write in target_modules, with
   Python's `re` syntax and results: literals, . (any character but \n) * + ? {m} {m,} {,n}
   {m,n} (greedy and lazy ?), [] [^] ranges and escapes in classes, ( ) (?: ) groups, |,
   anchors ^ $ \A \Z \b \B, escapes \. \\ \d \D \w \W \s \S \n \t \r \f \v \a \xhh \uhhhh
   \Uhhhhhhhh \ooo and any escaped punctuation. A '{' that is not a quantifier is a literal
   (as in Python). Patterns are matched against the whole name (Python's re.fullmatch).
   Matching is a Pike VM: time O(len(pattern) * len(text)), no catastrophic backtracking.
   Text and pattern are UTF-8 (one character = one code point; any other byte is a character of
   its own, so no input crashes); \d \w \s \b use ASCII definitions.
   Rejected with LORA_ERR_INVALID_ARG and a message naming the pattern and the position (a byte
   offset; Python's position when Python rejects it too and the pattern is ASCII): Python's syntax errors (nothing to repeat, multiple
   repeat, unbalanced parentheses, bad ranges, bad escapes, ...) and what is not supported here:
   backreferences, lookarounds, named groups, inline flags, comments, atomic groups, conditionals,
   possessive quantifiers, \N{...}; limits: 65536 bytes of pattern, counts in {m,n} <= 1000,
   200000 instructions after expanding counted repetitions, 200 nested groups. */
typedef struct lora_regex lora_regex;
LORA_API lora_status lora_regex_compile(const char *pattern, lora_regex **out);
/* 1 if the whole text matches, 0 if not, -1 on a NULL argument or out of memory. Thread-safe
   (the compiled regex is read-only). */
LORA_API int lora_regex_fullmatch(const lora_regex *re, const char *text);
LORA_API int lora_regex_search(const lora_regex *re, const char *text); /* match anywhere (re.search); 1/0/-1 */
LORA_API void lora_regex_free(lora_regex *re);

/* PEFT's list rule: name equals key, or ends with "." + key. */
LORA_API int lora_name_matches_key(const char *name, const char *key);

/* Which modules to adapt, as PEFT's LoraConfig says it. Exactly one of targets (a non-empty
   list), target_regex or all_linear. target_regex "all-linear" (any case) means all_linear, as
   in PEFT. An exclude_modules match wins over everything. layers_to_transform (list form of
   target_modules only, as PEFT requires) keeps a module whose layer index is in the list; a module
   without a layer index is dropped, and one named exactly in targets is kept (PEFT). */
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
   Fails like PEFT when nothing matches: LORA_ERR_NOT_FOUND with PEFT's message ("Target modules
   {'query'} not found in the base model. ...", "All modules were excluded. ...", "No modules were
   targeted for adaptation. ...") followed by the module-name suffixes that exist ("Module names in
   the base model end with: q_proj, k_proj, v_proj, lm_head."). LORA_ERR_INVALID_ARG for what PEFT's
   LoraConfig rejects (empty target list, layers_to_transform/layers_pattern with a regex string,
   layers_pattern without layers_to_transform), NULL names or entries, and invalid regexes. */
LORA_API lora_status lora_select_targets(const lora_target_spec *spec, const char *const *names, int n,
                                         const unsigned char *is_output, unsigned char *selected);
/* PEFT also fails when target_modules matches a module it cannot adapt (e.g. the regex
   ".*\.mlp\..*" matches transformer.h.0.mlp.act). Pass the names of the model's modules that are
   NOT Conv1D/Linear (transformer.h.0.attn, transformer.h.0.mlp.act, transformer.wte, ...): returns
   LORA_ERR_INVALID_ARG naming the first one the spec targets, LORA_OK if none. */
LORA_API lora_status lora_check_unsupported_targets(const lora_target_spec *spec, const char *const *names, int n);
/* Layer index in a module name per PEFT: the first number of re.match(r".*?\.{p}\.(\d+)\.", name)
   where p = layers_pattern (a regex fragment, e.g. "h" or "layers"), or r"[^.]*" when
   layers_pattern is NULL or "" ("model.layers.3.self_attn.q_proj" -> 3). -1 if none (also for an
   invalid layers_pattern or an index above INT_MAX). */
LORA_API int lora_layer_index(const char *name, const char *layers_pattern);

/* ---- lora/60_lora.api.h ---- */
/* ---- LoRA adapters ----
   A lora_adapter is a set of low-rank updates for named linear modules of any model:
   for a module with `in` inputs and `out` outputs, A is (r, in), B is (out, r) and
       y = base(x) + dropout(x) A^T B^T * scaling,   scaling = alpha / r  (alpha / sqrt(r) with rsLoRA)
   The model describes its linear modules (lora_module_desc); lora_adapter_create picks
   the targets with PEFT's rules (see lora_target_spec) and initialises A and B as PEFT
   does (A ~ kaiming-uniform U(-1/sqrt(in), 1/sqrt(in)), B = 0). Adapters save and load
   in PEFT's file layout (adapter_model.safetensors + adapter_config.json). */
typedef enum lora_bias_mode {
    LORA_BIAS_NONE = 0,      /* "none": biases frozen */
    LORA_BIAS_ALL = 1,       /* "all": every bias of the model is trained and saved with the adapter */
    LORA_BIAS_LORA_ONLY = 2  /* "lora_only": biases of the adapted modules are trained and saved */
} lora_bias_mode;

typedef enum lora_init_mode {
    LORA_INIT_DEFAULT = 0,   /* PEFT init_lora_weights=True: A kaiming-uniform, B = 0 */
    LORA_INIT_GAUSSIAN = 1,  /* "gaussian": A ~ N(0, 1/r), B = 0 */
    LORA_INIT_NONE = 2       /* init_lora_weights=False: A kaiming-uniform, B kaiming-uniform too (no-op test mode) */
} lora_init_mode;

typedef struct lora_config {
    int r;                   /* rank, default 8 */
    float alpha;             /* lora_alpha, default 8 (PEFT's default) */
    float dropout;           /* lora_dropout on the LoRA branch input, training only; default 0 */
    int use_rslora;          /* scaling = alpha / sqrt(r) */
    lora_bias_mode bias;
    lora_init_mode init;
    uint64_t seed;           /* initialisation seed */
    lora_target_spec target; /* which modules (target_modules, exclude_modules, layers_to_transform) */
} lora_config;
/* Names as PEFT writes them: "none" / "all" / "lora_only"; init "default" (true) / "gaussian" /
   "none" (false). *_from_name returns -1 for an unknown name; *_name returns NULL for a value
   outside the enum. */
LORA_API const char *lora_bias_mode_name(lora_bias_mode mode);
LORA_API int lora_bias_mode_from_name(const char *name);
LORA_API const char *lora_init_mode_name(lora_init_mode mode);
LORA_API int lora_init_mode_from_name(const char *name);

/* PEFT's LoraConfig defaults: r 8, alpha 8, dropout 0, no rsLoRA, bias none, default init. */
LORA_API lora_config lora_config_init(void);

/* What a model says about each of its linear modules. */
typedef struct lora_module_desc {
    const char *name;        /* full module name as PEFT sees it, e.g. "model.layers.0.self_attn.q_proj" */
    int in, out;             /* in/out features */
    int has_bias;
    int is_output;           /* the output layer (lm_head): left out by "all-linear" */
} lora_module_desc;

/* One adapted module. Weights and gradients are float32, row-major. */
typedef struct lora_module {
    char *name;
    int index;               /* index into the model's module list */
    int in, out, r;
    float scaling;
    float *A, *B;            /* (r, in), (out, r) */
    float *dA, *dB;          /* gradients (same shapes), accumulated by backward */
    char *name_A, *name_B;   /* "<name>.lora_A.weight", "<name>.lora_B.weight" (PEFT's parameter names) */
} lora_module;

/* A trainable bias carried by the adapter (bias modes "all" / "lora_only"): the model uses
   `value` instead of its own bias while the adapter is active. */
typedef struct lora_bias_param {
    char *name;              /* model parameter name, e.g. "model.layers.0.self_attn.q_proj.bias" */
    int n;
    float *value, *grad;
    int layer;               /* the model's block of this bias, -1 outside the blocks (set by the model) */
} lora_bias_param;

typedef struct lora_adapter {
    lora_config config;      /* copy; string/array fields point into adapter-owned memory */
    int n_modules;
    lora_module *modules;    /* in the model's module order */
    int n_model_modules;     /* length of the model's module list */
    int *module_of;          /* model module index -> index in modules[], or -1 */
    int n_biases;
    lora_bias_param *biases;
    char *base_model_name;   /* base_model_name_or_path (NULL: written as null); lora_model_adapter_create
                                sets the model's hub id or path */
    void *impl_;             /* owned strings */
} lora_adapter;

/* Selects targets among the model's modules and creates the adapter. Errors: r <= 0,
   alpha <= 0, dropout outside [0, 1), targets that match nothing (PEFT's message with the
   module names that exist). Bias names (for bias modes) are "<module>.bias"; models whose
   other biases are trainable under "all" pass them via lora_adapter_add_bias. */
LORA_API lora_status lora_adapter_create(const lora_config *cfg, const lora_module_desc *modules, int n_modules,
                                         lora_adapter **out);
LORA_API void lora_adapter_free(lora_adapter *ad);
/* Adds a trainable bias (copying `initial`); used by models for bias modes. */
LORA_API lora_status lora_adapter_add_bias(lora_adapter *ad, const char *name, const float *initial, int n);
/* Sets base_model_name_or_path (copied; NULL clears it). */
LORA_API lora_status lora_adapter_set_base_model(lora_adapter *ad, const char *name);
LORA_API lora_bias_param *lora_adapter_find_bias(const lora_adapter *ad, const char *name);
/* The module adapting model module `index`, or NULL. */
LORA_API lora_module *lora_adapter_module(const lora_adapter *ad, int index);
LORA_API lora_module *lora_adapter_find(const lora_adapter *ad, const char *name);
LORA_API int64_t lora_adapter_num_params(const lora_adapter *ad); /* trainable: A, B and biases */
LORA_API void lora_adapter_zero_grad(lora_adapter *ad);

/* PEFT's print_trainable_parameters() line, e.g.
   "trainable params: 811,008 || all params: 125,250,816 || trainable%: 0.6475".
   all = model parameters (tied weights once) + LoRA parameters. */
LORA_API void lora_format_trainable(int64_t trainable, int64_t all, char *buf, size_t size);
/* Integer with thousands separators ("811,008"). */
LORA_API void lora_format_count(int64_t n, char *buf, size_t size);

/* Saves dir/adapter_model.safetensors and dir/adapter_config.json exactly as PEFT's
   save_pretrained does for a GPT-2 (fan_in_fan_out true for Conv1D models). dir is
   created if missing. Both files are written atomically. */
LORA_API lora_status lora_adapter_save(const lora_adapter *ad, const char *dir, int fan_in_fan_out);
/* Loads a PEFT adapter directory for a model with these modules: reads adapter_config.json
   (unknown keys ignored, older configs with fewer keys accepted; unsupported features such as
   use_dora rejected), matches the targets, and loads A/B (keys with or without
   "base_model.model." and with or without ".default"); F16/BF16/F64 tensors are converted.
   Missing, extra or mis-shaped tensors are errors naming the key. `warnings` (may be NULL)
   receives a newline-separated list of ignored keys (free with lora_free). */
LORA_API lora_status lora_adapter_load(const char *dir, const lora_module_desc *modules, int n_modules,
                                       lora_adapter **out, char **warnings);
/* The same, where a null "target_modules" means default_targets (PEFT's per-model defaults;
   lora_adapter_load refuses a null list). */
LORA_API lora_status lora_adapter_load_defaults(const char *dir, const lora_module_desc *modules, int n_modules,
                                                const char *const *default_targets, int n_default,
                                                lora_adapter **out, char **warnings);

/* W (in, out) row-major (Conv1D layout, fan_in_fan_out) += sign * scaling * (B @ A)^T.
   sign = +1 merges, -1 unmerges. For Linear layout (out, in) pass fan_in_fan_out = 0. */
LORA_API void lora_module_merge(const lora_module *m, float *W, int fan_in_fan_out, float sign);

/* ---- lora/70_optim.api.h ---- */
/* ---- Optimiser: AdamW exactly as torch.optim.AdamW ----
   Per tensor, step t = 1, 2, ...:
     p = p * (1 - lr * wd);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
     p = p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
   Learning-rate schedules are Hugging Face's get_*_schedule_with_warmup. */
typedef struct lora_param {
    const char *name;
    float *value, *grad;
    int64_t n;
} lora_param;

typedef enum lora_schedule { LORA_SCHED_CONSTANT = 0, LORA_SCHED_LINEAR = 1, LORA_SCHED_COSINE = 2 } lora_schedule;
/* "constant" / "linear" / "cosine"; from_name returns -1 for an unknown name, name NULL for a bad value. */
LORA_API const char *lora_schedule_name(lora_schedule s);
LORA_API int lora_schedule_from_name(const char *name);

typedef struct lora_adamw_config {
    double lr;               /* default 1e-3 (torch's default) */
    double beta1, beta2;     /* 0.9, 0.999 */
    double eps;              /* 1e-8 */
    double weight_decay;     /* 0.01 (torch's default; PEFT/Trainer users usually set 0) */
    double grad_clip;        /* max global L2 norm, 0 = off */
    int warmup;              /* warm-up steps */
    int total_steps;         /* for linear/cosine decay */
    lora_schedule schedule;
} lora_adamw_config;
LORA_API lora_adamw_config lora_adamw_config_init(void);

typedef struct lora_adamw {
    lora_adamw_config config;
    int n_params;
    lora_param *params;      /* copy of the list (names not owned) */
    float **m, **v;          /* moment buffers, one pair per parameter */
    int64_t step;            /* number of steps taken */
} lora_adamw;

LORA_API lora_status lora_adamw_create(const lora_adamw_config *cfg, const lora_param *params, int n_params,
                                       lora_adamw **out);
LORA_API void lora_adamw_free(lora_adamw *opt);
/* Learning rate of 0-based step s under the schedule: lr * lambda(s). */
LORA_API double lora_schedule_lr(const lora_adamw_config *cfg, int64_t s);
/* Global L2 norm of all gradients (computed in double). */
LORA_API double lora_grad_norm(const lora_param *params, int n_params);
/* One update: optional clipping (torch's clip_grad_norm_: coef = clip / (norm + 1e-6),
   applied when < 1), then AdamW with lr = lora_schedule_lr(cfg, step). Returns
   LORA_ERR_NUMERIC (and changes nothing) if a gradient is NaN/Inf. *grad_norm_out (may be
   NULL) receives the norm before clipping, *lr_out the learning rate used. */
LORA_API lora_status lora_adamw_step(lora_adamw *opt, lora_pool *pool, double *grad_norm_out, double *lr_out);

/* ---- lora/72_checkpoint.api.h ---- */
/* ---- Training checkpoints ----
   One file: a header, the training position, then for every optimised tensor its name,
   values and AdamW moments as raw little-endian floats. Written atomically (temporary file +
   rename): an interrupted save never damages the previous checkpoint. Loading checks that
   the tensors match the optimiser's by name and size, then restores values, moments and step. */
typedef struct lora_train_state {
    int64_t step;            /* optimiser steps taken */
    uint64_t data_pos;       /* position in the training stream */
    uint64_t epoch;
    uint64_t seed;           /* run seed (dropout, shuffling) */
    uint64_t dropout_step;   /* model dropout counter (gpt2_model_dropout_step) */
    double best_val_loss;
    double elapsed_seconds;
} lora_train_state;

LORA_API lora_status lora_checkpoint_save(const char *path, const lora_adamw *opt, const lora_train_state *state);
LORA_API lora_status lora_checkpoint_load(const char *path, lora_adamw *opt, lora_train_state *state);

/* ---- lora/80_tokenizer.api.h ---- */
/* ---- Byte-level BPE tokenizer: GPT-2's files and Hugging Face tokenizer.json ----
   Exactly OpenAI's encoder (and Hugging Face's GPT2Tokenizer): the pre-tokenisation
   pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   with a built-in Unicode letter/number/space table, bytes-to-unicode, ranked merges.
   The character classes are JavaScript's (the npm encoders gpt-3-encoder and gpt-tokenizer
   are the reference, Unicode 17); Python's `regex` module (encoder.py) differs in \s only at
   U+0085 (a space there, not here) and U+FEFF (a space here, not there), and in the Unicode
   version of its tables.
   Hugging Face tokenizer.json (SmolLM2, Qwen2 / Qwen2.5 / Qwen3, Llama 3.x, GPT-2): model.type
   BPE with model.vocab over the bytes_to_unicode alphabet and model.merges ("a b" strings or
   ["a", "b"] pairs, ranked by order), model.ignore_merges (Llama 3: a pre-token that is itself a
   vocabulary token is that token), model.byte_fallback (byte tokens "<0xXX>" if a plain byte
   token is missing), a vocabulary without some single-byte tokens (SmolLM2's restricted
   alphabet: such bytes are dropped, or become model.unk_token, fused with fuse_unk, as HF's BPE
   does; then decode(encode(x)) lacks them); the pre_tokenizer ByteLevel (the GPT-2 pattern
   above), a Sequence of Digits and ByteLevel (SmolLM2: every \p{N} character apart, HF's
   char::is_numeric, then the GPT-2 pattern on the text between; individual_digits false keeps
   runs of them together), or a Sequence of a Split (behavior Isolated) and ByteLevel, where the
   Split's pattern is one of
       Llama 3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
       Qwen2:   the same with \p{N} in place of \p{N}{1,3} (Qwen2, Qwen2.5, Qwen3)
       GPT-2:   the pattern above
   (any other pattern, normalizer, model type or decoder fails with LORA_ERR_UNSUPPORTED naming
   it, rather than tokenizing differently); the normalizer NFC (Qwen: text is put in NFC before
   pre-tokenization, so decode(encode(x)) == NFC(x)); added_tokens, matched in the raw text before
   anything else (leftmost, longest first; lstrip/rstrip drop the whitespace before/after them,
   single_word is refused). The character classes and the ASCII-only case-insensitive
   contractions are those of the JavaScript port of HF tokenizers (@lenml/tokenizers /
   transformers.js), the reference of the tests (Python's tokenizers uses Oniguruma, whose
   (?i:'s) also matches "'\u017F" (long s) and whose \s differs at U+0085 / U+FEFF).
   tokenizer_config.json beside tokenizer.json, when present, names eos_token and bos_token and
   holds the chat template (see lora_tokenizer_chat).
   A tokenizer is read-only once loaded: share it between threads freely. */
typedef struct lora_tokenizer lora_tokenizer;
/* dir holds encoder.json + vocab.bpe (OpenAI's names, tried first), or vocab.json + merges.txt
   (Hugging Face's); LORA_ERR_NOT_FOUND if it has neither. The vocabulary is a JSON object
   {token: id} over the bytes_to_unicode alphabet, with all 256 single bytes, unique tokens and
   ids (integers below 2^24; gaps allowed). The merges file has one "left right" pair per line in
   rank order; lines starting with "#version" and empty lines are skipped, CRLF is accepted; both
   symbols and their concatenation must be tokens; a pair listed twice keeps its last rank.
   Errors are LORA_ERR_FORMAT naming the file and the entry ("encoder.json: entry 12 (...)") or
   line ("vocab.bpe:17: ..."). load_memory names them "vocab JSON" and "merges". */
/* path is a directory or a tokenizer.json file. A directory with tokenizer.json uses it (and its
   tokenizer_config.json); otherwise encoder.json + vocab.bpe, then vocab.json + merges.txt. */
LORA_API lora_status lora_tokenizer_load(const char *dir, lora_tokenizer **out);
LORA_API lora_status lora_tokenizer_load_files(const char *vocab_json_path, const char *merges_path, lora_tokenizer **out);
LORA_API lora_status lora_tokenizer_load_memory(const char *vocab_json, size_t vocab_len,
                                                const char *merges, size_t merges_len, lora_tokenizer **out);
/* A Hugging Face tokenizer.json from memory; config_json (tokenizer_config.json) may be NULL.
   Messages name them "tokenizer.json" and "tokenizer_config.json". */
LORA_API lora_status lora_tokenizer_load_hf_memory(const char *tokenizer_json, size_t len, const char *config_json,
                                                   size_t config_len, lora_tokenizer **out);
LORA_API void lora_tokenizer_free(lora_tokenizer *tok);
LORA_API int lora_tokenizer_vocab_size(const lora_tokenizer *tok);
/* The end-of-text id: tokenizer_config.json's eos_token (Qwen3: "<|im_end|>", Llama 3:
   "<|end_of_text|>"), else "<|endoftext|>" (GPT-2: 50256), else "<|end_of_text|>"; -1 if none.
   (vocab_size counts the added tokens too: it is the largest id + 1.) */
LORA_API int32_t lora_tokenizer_eos(const lora_tokenizer *tok);
/* The beginning-of-text id: tokenizer_config.json's bos_token (Llama 3: "<|begin_of_text|>";
   without a config file "<|begin_of_text|>" if present); -1 if none. lora_encode never adds it. */
LORA_API int32_t lora_tokenizer_bos(const lora_tokenizer *tok);
/* The id of the added token or vocabulary token whose text is text[0..len), -1 if none. */
LORA_API int32_t lora_tokenizer_find(const lora_tokenizer *tok, const char *text, size_t len);
/* The chat template the data loader uses for this tokenizer (lora_data_config.chat):
   CHATML when <|im_start|> and <|im_end|> are tokens (Qwen, SmolLM2-Instruct), LLAMA3 when
   <|start_header_id|>, <|end_header_id|> and <|eot_id|> are, else PLAIN (GPT-2's "role: text").
   *default_system (may be NULL) receives the system prompt the model's chat template inserts
   when a conversation has none (read from tokenizer_config.json's chat_template, e.g. Qwen2.5's
   "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."), or NULL; *think (may
   be NULL) is 1 for Qwen3's template (the answer after the last user turn opens with an empty
   "<think>\n\n</think>\n\n"). */
typedef enum lora_chat_template {
    LORA_CHAT_AUTO = 0,     /* lora_data_config: the tokenizer's */
    LORA_CHAT_PLAIN,        /* "role: content\n" (GPT-2; no special tokens) */
    LORA_CHAT_CHATML,       /* <|im_start|>role\ncontent<|im_end|>\n */
    LORA_CHAT_LLAMA3        /* <|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|> */
} lora_chat_template;
LORA_API lora_chat_template lora_tokenizer_chat(const lora_tokenizer *tok, const char **default_system, int *think);

/* Encodes len bytes. Valid UTF-8 gives exactly the ids of the reference encoders (OpenAI's
   encoder.py, Hugging Face's GPT2Tokenizer, the npm gpt-3-encoder / gpt-tokenizer). Invalid UTF-8
   is not replaced: each byte that does not start a well-formed sequence is split like the U+FFFD
   a decoder would put there, and encoded as its own bytes, so lora_decode(lora_encode(x)) == x for
   every byte string x.
   allow_special = 1 maps the text of every added token to its id (GPT-2's files: "<|endoftext|>";
   the text between is encoded separately, as tiktoken and HF do); 0 does so only for added tokens
   not marked special (e.g. Qwen3's "<think>"), as HF's split_special_tokens = True: special tokens
   in the text are encoded as text. No BOS/EOS is ever added.
   *ids is allocated by the library (free with lora_free). */
LORA_API lora_status lora_encode(const lora_tokenizer *tok, const char *text, size_t len, int allow_special,
                                 int32_t **ids, size_t *n_ids);
/* Decodes ids back to bytes (NUL-terminated, *len excludes the NUL). Fails with
   LORA_ERR_RANGE on an id outside the vocabulary. */
LORA_API lora_status lora_decode(const lora_tokenizer *tok, const int32_t *ids, size_t n_ids, char **text, size_t *len);
/* The bytes of one token (not NUL-terminated); NULL for an invalid id. */
LORA_API const char *lora_token_bytes(const lora_tokenizer *tok, int32_t id, size_t *len);
/* Length in bytes of the first pre-token of text[0..len) (the split pattern above; 0 when len
   is 0). Walking a text with it yields the pieces that BPE sees, e.g. "Hello", " world", "!". */
LORA_API size_t lora_pretoken_length(const char *text, size_t len);

/* ---- lora/82_data.api.h ---- */
/* ---- Training data ----
   A dataset is one long stream of token ids with a parallel label stream (label -100 =
   no loss on that position, e.g. prompt tokens). Sources: jsonl files with {"text"},
   {"prompt","completion"}, {"question","answer"} or chat {"messages":[{"role","content"}]}
   lines, token files (raw little-endian uint16 ids, or llm.c's token files with a
   256 x int32 header, magic 20240520), or token arrays. Batches are cut from the
   stream: step s views [pos, pos + B*T) as B rows of T (labels likewise); pos
   advances by B*T and wraps to 0 when fewer than B*T remain.

   Labels are aligned with the tokens: labels[i] is tokens[i] or -100. The loss uses the
   logits at position t to predict labels[t+1] (Hugging Face's convention: the shift happens
   inside the loss), so labels[i] = -100 means "no loss for predicting token i".

   jsonl: one JSON object per line. A UTF-8 BOM at the start, CRLF line ends and blank
   (whitespace-only) lines are accepted; extra keys (e.g. "id") are ignored; every other
   problem fails with "source:LINE: reason" (invalid JSON, not an object, missing or
   wrong-typed key, empty text/completion/question/answer, empty "messages", unknown role,
   keys of two kinds, no known key); no line is skipped.
   Strings are encoded with lora_encode(allow_special = 0), so a literal "<|endoftext|>"
   in the data is plain text. Each piece below is encoded separately and the ids are
   concatenated ("+" below); "[masked]" pieces get label -100 when mask_prompt is set:
     {"text": t}                      tokens(t)
     {"prompt": p, "completion": c}   [masked] tokens(p) + tokens(c)   (no separator is added;
                                      p may be empty, c may not)
     {"question": q, "answer": a}     [masked] tokens("Question: " q "\nAnswer:") + tokens(" " a)
                                      e.g. "Question: What is 2 plus 3?\nAnswer:" + " 5."
     {"messages": [{"role": r, "content": x}, ...]}   per turn, r in system|user|assistant:
                                      [masked] tokens(r ":") + tokens(" " x "\n")
                                      where the content piece is masked too unless r is
                                      "assistant" (content may be empty);
                                      e.g. "user: Hi\nassistant: Hello!\n"
   then add_eot appends the end-of-text token EOS ("<|endoftext|>", 50256 for GPT-2) with label
   EOS, so the model learns to stop.
   Chat templates. With a tokenizer whose chat template (lora_tokenizer_chat, or the override
   lora_data_config.chat) is ChatML or Llama 3, "messages" and "question"/"answer" lines (the
   latter as a user turn and an assistant turn) are rendered as Hugging Face's apply_chat_template
   renders them for Qwen2.5 / Qwen3 / SmolLM2-Instruct and Llama 3 (no generation prompt), and
   tokenized as HF tokenizes the rendered string (each stretch of text between two special tokens
   encoded as one text), except that special-token text inside a content stays text:
     ChatML:  [<|im_start|>system\n SYSTEM <|im_end|>\n]  when the first turn is not "system" and
              the template has a default system prompt (Qwen2.5: "You are Qwen, created by Alibaba
              Cloud. You are a helpful assistant.", SmolLM2: "You are a helpful AI assistant named
              SmolLM, trained by Hugging Face"; lora_data_config.system_prompt overrides it, "" =
              none), then per turn  <|im_start|>ROLE\nCONTENT<|im_end|>\n ; with Qwen3's template
              the last turn, when it is an answer after the last user turn, is
              <|im_start|>assistant\n<think>\n\n</think>\n\nCONTENT<|im_end|>\n  (CONTENT's
              leading newlines dropped), as apply_chat_template writes it.
     Llama 3: <|begin_of_text|> then per turn
              <|start_header_id|>ROLE<|end_header_id|>\n\nTRIMMED CONTENT<|eot_id|>
   Labels (mask_prompt): only the content of assistant turns and the token that closes them
   (<|im_end|>, <|eot_id|>) carry loss; the header tokens, the think block, the "\n" after
   <|im_end|> and every other turn get -100 (a token holding both the header's last "\n" and the
   content's leading newlines is labelled, as HF's assistant mask marks every token that holds a
   character of the answer). add_eot is not applied to these lines (the template's
   end-of-turn token closes them); "text" and "prompt"/"completion" lines are not templated.
   A GPT-2 tokenizer (no <|im_start|>, no header tokens) keeps the plain formats above.
   With format AUTO the kind is chosen per line by its keys: "messages", "text",
   "prompt"/"completion" or "question"/"answer" (more than one kind on a line is an error);
   a forced format requires that kind's keys on every line.
   pack = 1: samples are concatenated. pack = 0: sample i occupies tokens
   [i*seq, (i+1)*seq): truncated to seq, or padded with EOS tokens labelled -100
   (use seq == T so that rows line up with batches).

   Token files: if the first int32 is 20240520 the file is llm.c's format: a 256 x int32
   little-endian header (magic 20240520, version 1 = uint16 tokens, header[2] = number of
   tokens) then the uint16 tokens, and the file size must match exactly. Otherwise the
   whole file is raw little-endian uint16 ids (its size must be even). The detection is
   unambiguous: read as raw ids, the magic would start with id 55432 >= vocab. llm.c's
   llama-3 token files (magic 20240801, version 7: uint32 ids, for vocabularies past 65536,
   e.g. Qwen's or Llama 3's) are read the same way; its eval files (20240522) are rejected.

   Samples (used by lora_data_split): jsonl lines (pack = 1), rows (pack = 0); for token
   files and token arrays, a sample ends after each EOS token given to the loader (and at the end). */
#define LORA_IGNORE_LABEL (-100) /* label of a position without loss (PyTorch's ignore_index) */
typedef enum lora_data_format {
    LORA_DATA_AUTO = 0,         /* detected per line from its keys */
    LORA_DATA_TEXT,             /* {"text": ...}: loss on every token */
    LORA_DATA_PROMPT_COMPLETION,/* {"prompt", "completion"} */
    LORA_DATA_QA,               /* {"question", "answer"}: prompt "Question: q\nAnswer:", completion " a" */
    LORA_DATA_CHAT              /* {"messages": [...]}: loss on assistant turns */
} lora_data_format;

typedef struct lora_data_config {
    lora_data_format format;    /* default AUTO */
    int mask_prompt;            /* default 1: no loss on prompt tokens (prompt/completion, QA, chat) */
    int add_eot;                /* default 1: append EOS after each sample */
    int pack;                   /* default 1: samples are concatenated into the stream; 0: each sample
                                   gets its own row of `seq` tokens (truncated, padded with EOT and label -100) */
    int seq;                    /* row length used when pack == 0 (default 1024) */
    int32_t eos;                /* end-of-text id appended by add_eot and used as padding; -1 (default) =
                                   the tokenizer's (lora_tokenizer_eos) */
    lora_chat_template chat;    /* template of chat / QA lines: LORA_CHAT_AUTO (default) = the tokenizer's,
                                   or PLAIN, CHATML, LLAMA3 (the tokenizer must have that template's tokens) */
    const char *system_prompt;  /* system turn added to conversations without one: NULL (default) = the
                                   tokenizer's chat template default (if any), "" = none */
} lora_data_config;
LORA_API lora_data_config lora_data_config_init(void);

typedef struct lora_dataset {
    int32_t *tokens;            /* n_tokens ids */
    int32_t *labels;            /* n_tokens labels (-100 = ignored) */
    size_t n_tokens;
    size_t n_samples;
    size_t *sample_start;       /* n_samples + 1 offsets into tokens */
    int separate;               /* samples are separate sequences (jsonl with pack = 1): a batcher packs
                                   whole samples into rows where each attends only to itself */
    int32_t pad;                /* token used to pad rows of separate samples (label ignored) */
} lora_dataset;

/* Loads a jsonl file. Malformed lines fail with "path:line: reason" (nothing is skipped
   silently); blank lines are allowed. A file without any sample fails (LORA_ERR_FORMAT).
   cfg may be NULL (defaults). */
LORA_API lora_status lora_data_load_jsonl(const char *path, const lora_tokenizer *tok,
                                          const lora_data_config *cfg, lora_dataset **out);
/* Same from memory (source names it in messages). */
LORA_API lora_status lora_data_load_jsonl_memory(const char *text, size_t len, const char *source,
                                                 const lora_tokenizer *tok, const lora_data_config *cfg,
                                                 lora_dataset **out);
/* Loads a token file (raw uint16, or llm.c format by its magic); labels = ids. Ids >= vocab
   fail with LORA_ERR_RANGE (pass vocab <= 0 to skip the check). Errors name the file and
   the byte offset; an empty file fails (LORA_ERR_FORMAT). A sample ends after each id eos
   (pass -1 for one sample). */
LORA_API lora_status lora_data_load_tokens(const char *path, int vocab, int32_t eos, lora_dataset **out);
/* Writes n ids as an llm.c token file that lora_data_load_tokens (and llm.c) read: uint16 ids
   (magic 20240520, version 1) when every id is below 65536, else uint32 ids (llama-3 format, magic
   20240801, version 7). Atomic (a previous file stays intact on any error). */
LORA_API lora_status lora_data_save_tokens(const char *path, const int32_t *ids, size_t n);
/* Loads path by its name: "*.jsonl" / "*.json" with lora_data_load_jsonl, anything else
   with lora_data_load_tokens (vocab = the tokenizer's, or no check when tok is NULL). */
LORA_API lora_status lora_data_load(const char *path, const lora_tokenizer *tok,
                                    const lora_data_config *cfg, lora_dataset **out);
/* Wraps a copy of ids (labels = ids when labels is NULL); samples end after each id eos (-1: none). */
LORA_API lora_status lora_data_from_tokens(const int32_t *ids, const int32_t *labels, size_t n, int32_t eos,
                                           lora_dataset **out);
/* Splits by samples: the last round(frac * n_samples) samples (after a seeded shuffle when
   seed != 0) go to *val, the rest to *train; both keep the (shuffled) sample order and either
   may be empty. val_frac must be in [0, 1]. The shuffle is Fisher-Yates driven by lora_rng
   seeded with seed, so it is the same on every platform. */
LORA_API lora_status lora_data_split(const lora_dataset *ds, double val_frac, uint64_t seed,
                                     lora_dataset **train, lora_dataset **val);
LORA_API void lora_data_free(lora_dataset *ds);

/* Copies the batch at *pos into inputs/labels (B*T each) and advances *pos (wrapping as
   described above: a *pos with fewer than B*T tokens after it reads from 0, and the
   advanced *pos is set to 0 when fewer than B*T tokens remain after it). Fails with
   LORA_ERR_RANGE if the dataset has fewer than B*T tokens, LORA_ERR_INVALID_ARG if
   B or T <= 0. */
LORA_API lora_status lora_data_batch(const lora_dataset *ds, size_t *pos, int B, int T,
                                     int32_t *inputs, int32_t *labels);
/* Number of batches in one pass (epoch) over the dataset: n_tokens / (B*T), at least 1
   (0 for a NULL dataset or B, T <= 0). */
LORA_API size_t lora_data_batches_per_epoch(const lora_dataset *ds, int B, int T);

/* ---- The training stream ----
   A batcher cuts batches of B rows of T tokens from the dataset's samples, epoch after epoch:
   in file order, or with shuffle in a new order every epoch (Fisher-Yates seeded by seed and
   the epoch number, the same on every platform).
   - A stream (token files, token arrays): the samples of an epoch are concatenated and cut
     into batches, as lora_data_batch does with file order; the last partial batch of an
     epoch is dropped; positions are 0 .. T-1 in every row.
   - Separate samples (ds->separate, jsonl data packed): each row is filled with whole samples
     while they fit (a sample longer than T is cut into rows of its own), the rest of the row
     padded (label LORA_IGNORE_LABEL, position 0); positions restart at 0 with every sample and
     the first token of a sample has no label, so a model given the positions computes each
     sample as if alone (Hugging Face's flattening collator) and a row's loss is the sum of its
     samples'. The last batch of an epoch is padded, never mixed with the next epoch.
   The position (epoch, tokens taken in that epoch) is all that resuming needs:
   lora_batcher_seek(epoch, pos) continues exactly. */
typedef struct lora_batcher lora_batcher;
LORA_API lora_status lora_batcher_create(const lora_dataset *ds, int B, int T, int shuffle, uint64_t seed,
                                         lora_batcher **out);
LORA_API void lora_batcher_free(lora_batcher *b);
/* The next batch into inputs / labels / positions (B*T each; positions may be NULL for a
   stream, where they are 0 .. T-1 in every row). */
LORA_API lora_status lora_batcher_next(lora_batcher *b, int32_t *inputs, int32_t *labels, int32_t *positions);
/* Batches in one epoch (separate samples: counted by packing them in file order). */
LORA_API size_t lora_batcher_epoch_batches(const lora_batcher *b);
LORA_API void lora_batcher_position(const lora_batcher *b, uint64_t *epoch, uint64_t *pos);
/* pos must be a position lora_batcher_position gave for this data and batch shape. */
LORA_API lora_status lora_batcher_seek(lora_batcher *b, uint64_t epoch, uint64_t pos);

/* ---- lora/83_tokenizer_gguf.api.h ---- */
/* ---- tokenizers in GGUF files (llama.cpp's tokenizer.ggml.* keys) ---- */
/* A byte-level BPE tokenizer from a GGUF file's keys: tokenizer.ggml.model "gpt2",
   tokenizer.ggml.tokens (strings over the bytes_to_unicode alphabet, the id is the index),
   tokenizer.ggml.merges ("left right" in rank order), tokenizer.ggml.token_type (optional;
   UNUSED (5) tokens, the padding of a vocabulary, are left out). Errors name the file and
   the key (or the token / merge through lora_tokenizer_load_memory's messages). */
LORA_API lora_status lora_tokenizer_from_gguf(const lora_gguf *g, lora_tokenizer **out);
LORA_API lora_status lora_tokenizer_load_gguf(const char *path, lora_tokenizer **out);
/* Writes tok as tokenizer.ggml.model = model ("gpt2"), .pre = pre (llama.cpp's
   pre-tokenizer name, "gpt-2" for GPT-2), .tokens, .token_type (NORMAL, CONTROL for
   "<|endoftext|>"), .merges, and bos/eos ids = "<|endoftext|>" when the vocabulary has it.
   n_vocab >= the tokenizer's size: the model's embedding rows; ids the tokenizer lacks are
   written as "[PAD<id>]" UNUSED tokens (as convert_hf_to_gguf.py pads). */
LORA_API lora_status lora_gguf_set_tokenizer(lora_gguf_writer *w, const lora_tokenizer *tok, const char *model,
                                             const char *pre, int n_vocab);

/* ---- lora/84_model.api.h ---- */
/* ---- Models: the interface a model header fills in ----
   The engine trains, evaluates and generates with any model that describes itself with a
   lora_model_info and implements lora_model_ops; gpt2.h (and each further family) is one
   such header. A model object starts with a lora_model (its first member), so the engine
   passes lora_model pointers and the model casts back. Users call the lora_model_* functions
   below (or the family's own typed API); model authors fill in the ops.

   Conventions every model keeps:
   - forward(inputs (B, T), labels (B, T) or NULL, ...): labels are aligned with the inputs
     and the logits at t predict labels[t + 1] (Hugging Face's labels = input_ids convention);
     LORA_IGNORE_LABEL positions have no loss; *loss is the mean over the rest (NaN if none).
   - backward accumulates into the active adapter's gradients (or the model's, full mode).
   - The forward, backward and KV step give the same bits for any thread count.
   - Linear modules are listed in the model's module order with PEFT's names; adapters are
     created and loaded against that list. */
typedef struct lora_model lora_model;
typedef struct lora_kv lora_kv;          /* a model's KV cache for one sequence (opaque) */

/* What the model is, for the engine and the tools. Strings and arrays belong to the model. */
typedef struct lora_model_info {
    const char *family;                  /* the family name, e.g. "llama" */
    const char *name_or_path;            /* recorded as base_model_name_or_path in adapters */
    int vocab_size;
    int max_seq;                         /* context length (n_positions / max_position_embeddings) */
    int n_layer;
    int32_t eos;                         /* end-of-text id (generation stops there), -1 if none */
    int fan_in_fan_out;                  /* 1: weights stored (in, out) like GPT-2's Conv1D; 0: nn.Linear (out, in) */
    int64_t num_params;                  /* parameters, tied weights once */
    int n_modules;
    const lora_module_desc *modules;     /* linear modules in model order, PEFT names */
    const int *module_layer;             /* layer of each module, -1 outside the blocks (lm_head) */
    int n_default_targets;
    const char *const *default_targets;  /* PEFT's default target_modules for this family */
    int tied_output;                     /* the output layer shares the input embedding's weight */
    const char *summary;                 /* one line for people: "GPT-2: 12 layers, ..." */
    const char *gguf_arch;               /* llama.cpp's general.architecture ("gpt2", "llama", ...), NULL if none */
    int n_stop;                          /* every end-of-generation id (eos first; config.json's eos_token_id */
    const int32_t *stop_ids;             /*   list, e.g. Llama 3's <|end_of_text|> and <|eot_id|>); 0 / NULL: eos only */
} lora_model_info;

/* Memory a training (or inference) step needs, computed from the sizes the model allocates. */
typedef struct lora_memory_estimate {
    size_t weights;          /* model weights (shared, never copied) */
    size_t activations;      /* activation arena for B x T, logits included */
    size_t adapter;          /* LoRA A/B and trainable biases */
    size_t gradients;        /* gradients of the trainable tensors */
    size_t optimizer;        /* AdamW moments (2 per trainable value) */
    size_t total;
} lora_memory_estimate;

/* The functions a model provides. Optional ones may be NULL (the engine then answers
   LORA_ERR_UNSUPPORTED naming the family). */
typedef struct lora_model_ops {
    void (*destroy)(lora_model *m);
    void (*set_pool)(lora_model *m, lora_pool *pool);
    lora_pool *(*pool)(const lora_model *m);   /* the pool it computes on (NULL: one thread) */
    /* adapters: create (PEFT matching over info.modules, bias modes), load a PEFT directory,
       attach (NULL detaches), merge into the weights (+1) or out again (-1) */
    lora_status (*adapter_create)(const lora_model *m, const lora_config *cfg, lora_adapter **out);
    lora_status (*adapter_load)(const lora_model *m, const char *dir, lora_adapter **out, char **warnings);
    lora_status (*set_adapter)(lora_model *m, lora_adapter *ad);
    lora_adapter *(*adapter)(const lora_model *m);
    lora_status (*merge)(lora_model *m, lora_adapter *ad, int sign);
    /* training */
    lora_status (*set_full_finetune)(lora_model *m, int on);
    void (*set_training)(lora_model *m, int training, uint64_t dropout_seed);
    uint64_t (*dropout_step)(const lora_model *m);
    void (*set_dropout_step)(lora_model *m, uint64_t step);
    /* positions (B, T) may be NULL (0 .. T-1 in every row); a position 0 inside a row starts a
       new sequence that attends only to itself (packed separate samples) */
    lora_status (*forward)(lora_model *m, const int32_t *inputs, const int32_t *labels, const int32_t *positions,
                           int B, int T, float *loss);
    const float *(*logits)(const lora_model *m);
    lora_status (*backward)(lora_model *m);
    void (*zero_grad)(lora_model *m);
    lora_status (*trainable_params)(lora_model *m, lora_param **params, int *n);
    /* files: the weights in the family's Hugging Face layout (model.safetensors + config.json) */
    lora_status (*save)(const lora_model *m, const char *path);
    /* memory */
    void (*estimate_memory)(const lora_model *m, const lora_adapter *ad, int full, int B, int T, int threads,
                            lora_memory_estimate *out);
    size_t (*memory)(const lora_model *m);
    /* KV-cache inference (generation) */
    lora_status (*kv_create)(const lora_model *m, int max_T, lora_kv **out);
    void (*kv_free)(lora_kv *kv);
    void (*kv_reset)(lora_kv *kv);
    lora_status (*kv_truncate)(lora_kv *kv, int n);
    int (*kv_length)(const lora_kv *kv);
    int (*kv_capacity)(const lora_kv *kv);
    size_t (*kv_memory)(const lora_kv *kv);
    lora_status (*forward_cached)(lora_model *m, lora_kv *kv, const int32_t *tokens, int n_new, float *logits_last);
    /* GGUF for llama.cpp (optional). gguf_write adds to w the family's hyper-parameter keys,
       tokenizer (lora_gguf_set_tokenizer) and tensors with llama.cpp's names and layouts, 2-D
       weights as dtype (1-D ones F32), from the model's weights with ad (may be NULL) merged
       into the written copies (m is not changed; a tied output layer gets its own merged
       output tensor where the architecture has one). gguf_module names the GGUF weight that linear
       module i (of info.modules) maps to, e.g. "blk.0.attn_qkv.weight", and sets
       *permute_heads > 0 when llama.cpp's graph stores that weight with its rows permuted per
       head (the `llama` architecture's q/k: lora_gguf_permute_rows with that head count), else
       0; a module llama.cpp cannot adapt (say lm_head tied to the embedding) is an error that
       says so. */
    lora_status (*gguf_write)(const lora_model *m, const lora_tokenizer *tok, const lora_adapter *ad, lora_gguf_writer *w,
                              lora_ggml_type dtype);
    lora_status (*gguf_module)(const lora_model *m, int module, char name[LORA_GGUF_MAX_NAME], int *permute_heads);
} lora_model_ops;

/* The head of every model object. */
struct lora_model {
    const lora_model_ops *ops;
    lora_model_info info;
};

LORA_API const lora_model_info *lora_model_get_info(const lora_model *m);
LORA_API void lora_model_free(lora_model *m);
LORA_API void lora_model_set_pool(lora_model *m, lora_pool *pool);
LORA_API lora_pool *lora_model_pool(const lora_model *m);

/* Adapters for this model. cfg's targets empty (no list, no regex, not all-linear) means the
   family's default targets, as PEFT does. */
LORA_API lora_status lora_model_adapter_create(const lora_model *m, const lora_config *cfg, lora_adapter **out);
LORA_API lora_status lora_model_adapter_load(const lora_model *m, const char *dir, lora_adapter **out, char **warnings);
/* Saves the adapter as a PEFT directory with this model's layout (fan_in_fan_out) and name. */
LORA_API lora_status lora_model_adapter_save(const lora_model *m, const lora_adapter *ad, const char *dir);
LORA_API lora_status lora_model_set_adapter(lora_model *m, lora_adapter *ad);
LORA_API lora_adapter *lora_model_adapter(const lora_model *m);
LORA_API lora_status lora_model_merge(lora_model *m, lora_adapter *ad, int sign);
/* PEFT's print_trainable_parameters line for the active adapter (or full fine-tuning). */
LORA_API void lora_model_trainable_line(const lora_model *m, char *buf, size_t size);

LORA_API lora_status lora_model_set_full_finetune(lora_model *m, int on);
LORA_API void lora_model_set_training(lora_model *m, int training, uint64_t dropout_seed);
LORA_API uint64_t lora_model_dropout_step(const lora_model *m);
LORA_API void lora_model_set_dropout_step(lora_model *m, uint64_t step);
LORA_API lora_status lora_model_forward(lora_model *m, const int32_t *inputs, const int32_t *labels, int B, int T,
                                        float *loss);
/* The same with position ids (B, T): each row may hold several sequences, each starting at
   position 0 and attending only to itself, as lora_batcher packs separate samples. */
LORA_API lora_status lora_model_forward_positions(lora_model *m, const int32_t *inputs, const int32_t *labels,
                                                  const int32_t *positions, int B, int T, float *loss);
LORA_API const float *lora_model_logits(const lora_model *m);
LORA_API lora_status lora_model_backward(lora_model *m);
LORA_API void lora_model_zero_grad(lora_model *m);
/* Trainable tensors in PEFT's named_parameters() order; free *params with lora_free. */
LORA_API lora_status lora_model_trainable_params(lora_model *m, lora_param **params, int *n);
/* Saves the weights (the active adapter not merged) in the family's Hugging Face layout. */
LORA_API lora_status lora_model_save(const lora_model *m, const char *path);
/* Saves the weights as a GGUF model file llama.cpp runs as it is: the family's architecture,
   keys and tensor names, general.type "model", general.name, general.file_type, and the
   tokenizer tok (required: llama.cpp needs one). ad (may be NULL; need not be the active one)
   is merged into the written weights, m is left as it is: with an adapter on a tied lm_head the
   file gets the merged output layer and the unchanged embedding, i.e. exactly the adapted
   model (merging into the tied weight would change the embedding too). dtype (F32, F16, BF16)
   is the type of the 2-D weights. */
LORA_API lora_status lora_model_save_gguf(const lora_model *m, const lora_tokenizer *tok, const lora_adapter *ad,
                                          const char *path, lora_ggml_type dtype);
/* Saves an adapter as llama.cpp's LoRA GGUF (llama_adapter_lora_init): general.type "adapter",
   adapter.type "lora", adapter.lora.alpha (f32), general.architecture of the model, and per
   adapted module "<GGUF weight>.lora_a" with ne (in, r) and ".lora_b" with ne (r, out).
   llama.cpp scales by alpha / r: alpha is written as scaling * r, so rsLoRA's alpha / sqrt(r)
   comes out the same; a module whose scaling * r differs from the first module's (rank or
   alpha patterns) gets the ratio folded into its lora_b. Adapters that train biases, and
   modules llama.cpp cannot adapt, are LORA_ERR_UNSUPPORTED naming them. */
LORA_API lora_status lora_model_save_adapter_gguf(const lora_model *m, const lora_adapter *ad, const char *path,
                                                  lora_ggml_type dtype);
LORA_API void lora_model_estimate_memory(const lora_model *m, const lora_adapter *ad, int full, int B, int T,
                                         int threads, lora_memory_estimate *out);
LORA_API size_t lora_model_memory(const lora_model *m);

/* KV cache for one sequence of up to max_T tokens (<= 0: the context length). Appending
   tokens with lora_forward_cached equals lora_model_forward's logits of the whole sequence
   at those positions (to float rounding); see the model header for its error cases. */
LORA_API lora_status lora_kv_create(const lora_model *m, int max_T, lora_kv **out);
LORA_API void lora_kv_free(const lora_model *m, lora_kv *kv);
LORA_API void lora_kv_reset(const lora_model *m, lora_kv *kv);
LORA_API lora_status lora_kv_truncate(const lora_model *m, lora_kv *kv, int n);
LORA_API int lora_kv_length(const lora_model *m, const lora_kv *kv);
LORA_API int lora_kv_capacity(const lora_model *m, const lora_kv *kv);
LORA_API size_t lora_kv_memory(const lora_model *m, const lora_kv *kv);
LORA_API lora_status lora_forward_cached(lora_model *m, lora_kv *kv, const int32_t *tokens, int n_new,
                                         float *logits_last);

/* ---- Model families: how the tools open any model the program was built with ----
   A family header exports one of these (gpt2.h: gpt2_family()); a program passes the list
   of families it knows to lora_model_open. */
typedef struct lora_model_family {
    const char *name;                    /* the family name, as in lora_model_info */
    const char *const *model_types;      /* config.json "model_type" values it loads, NULL-terminated */
    const char *const *presets;          /* preset names, NULL-terminated */
    /* nonzero when path is a weights file of this family that needs no config.json (llm.c's) */
    int (*probe)(const char *path);
    lora_status (*load)(const char *path, const char *config_path, lora_pool *pool, lora_model **out);
    /* a preset with Hugging Face's random initialisation from seed */
    lora_status (*create_preset)(const char *preset, uint64_t seed, lora_pool *pool, lora_model **out);
    /* a preset's structure without weights (optional): info, adapters, the memory estimate */
    lora_status (*preset_shape)(const char *preset, lora_model **out);
    /* load and create_preset with the frozen base weights stored as base_dtype (optional: NULL
       means fp32 only; LORA_DT_BF16 for the bf16 products of lora_wmat_mul) */
    lora_status (*load_as)(const char *path, const char *config_path, lora_pool *pool, lora_dtype base_dtype, lora_model **out);
    lora_status (*create_preset_as)(const char *preset, uint64_t seed, lora_pool *pool, lora_dtype base_dtype, lora_model **out);
} lora_model_family;

/* Opens a model: a preset by name (randomly initialised from init_seed) when preset is set,
   else the weights at path: a GGUF file (magic "GGUF") goes to the family whose model_types
   list its general.architecture (else whose probe accepts it); other files to the family of
   config_path's (or config.json's beside the weights, or in the directory when path is one)
   "model_type", else to a family whose probe accepts them.
   Errors name the file and the model types / presets that are known. */
LORA_API lora_status lora_model_open(const lora_model_family *const *families, int n_families, const char *path,
                                     const char *config_path, const char *preset, uint64_t init_seed,
                                     lora_pool *pool, lora_model **out);
/* The same with the frozen base weights stored as base_dtype: LORA_DT_F32 (lora_model_open) or
   LORA_DT_BF16 (half the memory; LoRA only: full fine-tuning and merging refuse). A family
   without load_as / create_preset_as answers LORA_ERR_UNSUPPORTED for bf16. */
LORA_API lora_status lora_model_open_as(const lora_model_family *const *families, int n_families, const char *path,
                                        const char *config_path, const char *preset, uint64_t init_seed,
                                        lora_pool *pool, lora_dtype base_dtype, lora_model **out);
/* A preset's structure without allocating its weights, for planning (lora-inspect prints
   gpt2-xl's table at once): lora_model_info, adapter creation, the trainable line and the
   memory estimate work; forward, backward, generation and saving fail with
   LORA_ERR_INVALID_ARG. Families without the hook are opened with weights (seed 0). */
LORA_API lora_status lora_model_open_shape(const lora_model_family *const *families, int n_families,
                                           const char *preset, lora_model **out);

/* ---- lora/86_generate.api.h ---- */
/* ---- text generation: sampling and the decoding loop over a model's KV step ---- */
/* Sampling settings. Order as Hugging Face's generate: temperature, then top-k, then top-p. */
typedef struct lora_sampler {
    float temperature;       /* 1.0; 0 means greedy */
    int top_k;               /* 0 = off; keep the k most likely tokens (ties: the lower ids) */
    float top_p;             /* 1.0 = off; in (0, 1]: keep the smallest set of most likely tokens
                                whose probability reaches top_p (at least one) */
    int greedy;              /* nonzero: argmax (lowest id among equal maxima), the rest is ignored */
    uint64_t seed;           /* gpt2_generate seeds its lora_rng with this (default 0) */
} lora_sampler;
/* Defaults: temperature 1, top_k 0, top_p 1, greedy 0, seed 0 (plain sampling). */
LORA_API lora_sampler lora_sampler_init(void);

/* Draws a token id from logits (vocab values; cfg NULL = defaults). Greedy (greedy flag,
   temperature 0 or top_k 1) is the argmax and does not use rng; otherwise exactly one
   lora_rng_uniform is drawn, so a seeded rng gives a reproducible sequence. Ties are broken
   towards the lower id. Allocates a 12 * vocab byte workspace per call (lora_generate keeps
   one). Returns the id, or a negative lora_status: LORA_ERR_INVALID_ARG (NULL logits or rng,
   vocab <= 0, temperature < 0 or NaN, top_k < 0, top_p outside (0, 1]), LORA_ERR_OOM. */
LORA_API int32_t lora_sample(const float *logits, int vocab, const lora_sampler *cfg, lora_rng *rng);

/* Called with each generated token (index 0, 1, ...); returning nonzero stops generation. */
typedef int (*lora_token_fn)(void *user, int32_t id, int index);

/* Generates up to max_new tokens after prompt (n_prompt >= 1 ids; an empty prompt is usually
   started with the end-of-text id, e.g. GPT-2's 50256, as Hugging Face does) with a KV cache
   of its own, through the model's KV step. out_ids (room for max_new) receives the generated
   ids and *n_out their number. Generation stops after max_new tokens, when the callback
   returns nonzero (that token is kept; the result is LORA_OK), at the first end-of-text token
   (the model's info.eos, or any of info.stop_ids) when stop_at_eot (which is not stored nor passed to the callback),
   or when prompt + output fill the context (info.max_seq). cfg NULL =
   defaults (plain sampling, seed 0). The same arguments give the same tokens. Errors:
   LORA_ERR_RANGE when the prompt is longer than the context or holds an id outside the
   vocabulary; LORA_ERR_INVALID_ARG, LORA_ERR_OOM. */
LORA_API lora_status lora_generate(lora_model *m, const int32_t *prompt, int n_prompt, int max_new,
                                   const lora_sampler *cfg, int stop_at_eot, int32_t *out_ids, int *n_out,
                                   lora_token_fn on_token, void *user);

/* ---- lora/88_train.api.h ---- */
/* ---- Evaluation and the training loop ----
   Both work through the model interface, for any model family.

   lora_evaluate: mean next-token loss and perplexity over a dataset, in batches of B rows of
   T tokens taken from its start (max_batches > 0 limits them; else every whole batch, at
   least one). The mean is over predicted (non-ignored) targets, weighting each batch by its
   count, so it equals one forward over all of them. Training mode (dropout) is not touched:
   call with the model in eval mode for deterministic results. */
typedef struct lora_eval_result {
    double loss;                 /* mean loss per predicted token (NaN when none) */
    double perplexity;           /* exp(loss) */
    int64_t tokens;              /* predicted (non-ignored) targets */
    int64_t batches;
} lora_eval_result;
LORA_API lora_status lora_evaluate(lora_model *m, const lora_dataset *ds, int B, int T, int64_t max_batches,
                                   lora_eval_result *out);

/* lora_exact_match: greedy answers against the expected ones, as a QA benchmark scores them.
   Every sample of ds (loaded from jsonl with prompt masking and add_eot, e.g. QA or
   prompt/completion lines, or QA lines through a chat template, whose answer ends with the
   end-of-turn token: the completion is the first labelled run, what follows it is ignored)
   that has a masked prompt and a labelled completion is one item:
   the model generates greedily from the prompt (through its KV step) until the end-of-text
   token, and the item is correct when the generated tokens equal the completion's and the
   model then stops (the completion's last token is the end-of-text token). Samples without
   a prompt or a completion are skipped. max_items > 0 limits the items (the first ones).
   on_item (may be NULL) sees each item; returning nonzero stops early (LORA_ERR_CANCELLED). */
typedef struct lora_exact_match_result {
    int64_t items;               /* items scored */
    int64_t correct;
} lora_exact_match_result;
typedef int (*lora_exact_match_fn)(void *user, int64_t index, const int32_t *prompt, int n_prompt,
                                   const int32_t *expected, int n_expected, const int32_t *got, int n_got,
                                   int correct);
LORA_API lora_status lora_exact_match(lora_model *m, const lora_dataset *ds, int64_t max_items,
                                      lora_exact_match_fn on_item, void *user, lora_exact_match_result *out);

/* lora_train: optimiser steps of AdamW over the active adapter's tensors (or every weight
   with full fine-tuning on), with gradient accumulation and clipping, validation,
   checkpoints every save_every steps, when the callback cancels and (checkpoint_at_end) at
   the end, and exact resume from a checkpoint (same losses and bits
   as an uninterrupted run: the data position, optimiser moments and dropout counter are in
   the checkpoint).

   Validation runs before training, every eval_every steps and after the last step.
   A checkpoint directory holds the adapter (PEFT files) or, in full mode, model.safetensors,
   plus trainer_state.bin (lora_checkpoint_save). Every file is written atomically.

   A NaN/Inf training loss stops with LORA_ERR_NUMERIC before any weight is changed by that
   step (the last checkpoint stays as it was). A callback returning nonzero stops with
   LORA_ERR_CANCELLED after saving a checkpoint (when checkpoint_dir is set): the model keeps
   the progress made so far, and the result says where it was saved. */
typedef enum lora_train_event {
    LORA_TRAIN_BEGIN = 3,        /* training starts (step = the step resumed from, else 0) */
    LORA_TRAIN_STEP = 0,         /* an optimiser step finished (with val_loss when validated after it) */
    LORA_TRAIN_VALIDATION = 1,   /* the validation pass before training finished */
    LORA_TRAIN_CHECKPOINT = 2    /* a checkpoint was written to `checkpoint` */
} lora_train_event;

typedef struct lora_train_progress {
    lora_train_event event;
    int64_t step, total_steps;   /* optimiser steps done (1-based after a step) and the total */
    float loss;                  /* STEP: mean training loss of this step */
    double lr, grad_norm;        /* STEP: learning rate used, gradient norm before clipping */
    double step_ms;              /* STEP: wall time of the step */
    double val_loss;             /* mean validation loss: VALIDATION, and STEP every eval_every steps and after
                                    the last step; NaN otherwise */
    double tokens_per_s;         /* training tokens per second of this run so far */
    double elapsed_s;            /* this run's training time so far */
    const char *checkpoint;      /* CHECKPOINT: the directory written */
} lora_train_progress;

typedef struct lora_train_config {
    int batch, seq;              /* default 4 x 128 */
    int64_t steps;               /* optimiser steps (default 100) */
    int grad_accum;              /* micro-batches per step, default 1 */
    lora_adamw_config optim;     /* lora_adamw_config_init() with lr 2e-4, weight decay 0; total_steps 0 = steps */
    uint64_t seed;               /* dropout and shuffling seed, default 42 */
    int shuffle;                 /* default 1: a new seeded sample order every epoch (lora_batcher); 0: file order */
    const lora_dataset *val;     /* validation data or NULL */
    int64_t val_batches;         /* 0: every whole batch of val */
    int64_t eval_every;          /* 0: validate only before and after training */
    const char *checkpoint_dir;  /* where checkpoints go (NULL: none) */
    int64_t save_every;          /* 0: no periodic checkpoints */
    int checkpoint_at_end;       /* also write a checkpoint after the last step */
    const char *resume_dir;      /* continue from this checkpoint (trainer_state.bin) */
    int (*on_progress)(void *user, const lora_train_progress *p);   /* nonzero cancels */
    void *user;
} lora_train_config;
LORA_API lora_train_config lora_train_config_init(void);

typedef struct lora_train_result {
    lora_train_state state;      /* where training ended (steps taken, data position, ...) */
    double val_before, val_after;/* validation losses (NaN without validation data) */
    float loss;                  /* the last training loss computed (the NaN/Inf one after LORA_ERR_NUMERIC) */
    double tokens;               /* training tokens processed by this run */
    double elapsed_s;
    const char *checkpoint;      /* the last checkpoint written by this run (points into cfg), or NULL */
} lora_train_result;
/* out may be NULL. */
LORA_API lora_status lora_train(lora_model *m, const lora_dataset *train, const lora_train_config *cfg,
                                lora_train_result *out);

/* ---- lora/90_authors.api.h ---- */
/* ---- For model authors ----
   What a model header (gpt2.h, or a family of your own) needs from the engine beyond the
   user API above: error messages, memory through the allocation hooks, atomic little-endian
   files, a text buffer for writers, the row kernels and dropout's random streams. A model
   header's implementation uses only public names, so it compiles in a translation unit of
   its own: #include "lora.h" without LORA_IMPLEMENTATION (with LORA_STATIC, put both
   implementations in the same file). It keeps the engine's conventions: every fallible call
   returns a lora_status and sets the calling thread's message, never exits or prints, and
   leaves the previous file in place when a save fails. */
#ifndef LORA_PRINTF_FORMAT
#if defined(__GNUC__) || defined(__clang__)
/* printf-style argument checking: the format is parameter fmt, its arguments start at first */
#define LORA_PRINTF_FORMAT(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define LORA_PRINTF_FORMAT(fmt, first)
#endif
#endif

/* Sets the calling thread's error message (what lora_last_error() returns) and returns status:
       return lora_fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected (%d, %d), found (%d, %d)", path, ...);
   Name the file, the item, expected vs found. The arguments may include lora_last_error(), to
   put context in front of the message of a call that failed. */
LORA_API lora_status lora_fail(lora_status status, const char *fmt, ...) LORA_PRINTF_FORMAT(2, 3);

/* Memory through the library's allocation hooks (LORA_MALLOC / LORA_REALLOC / LORA_FREE). On
   failure these return NULL with the message set ("out of memory allocating N bytes for
   <what>"): the caller cleans up and returns LORA_ERR_OOM. Free with lora_free. */
LORA_API void *lora_malloc(size_t n, const char *what);
/* n * size bytes set to zero; an overflowing product fails like an allocation */
LORA_API void *lora_calloc(size_t n, size_t size, const char *what);
/* resizes p (NULL: allocates); on failure p is untouched and still yours */
LORA_API void *lora_realloc(void *p, size_t n, const char *what);
/* a copy of the NUL-terminated string s (not NULL) */
LORA_API char *lora_strdup(const char *s);
/* n bytes at a 64-byte boundary (arenas read by the SIMD kernels), not zeroed; free them with
   lora_free_aligned (which ignores NULL), never with lora_free */
LORA_API void *lora_alloc_aligned(size_t n, const char *what);
LORA_API void lora_free_aligned(void *p);

/* ---- For model authors: files (atomic writes, little-endian on every host) ----
   A lora_atomic_file writes to a temporary file with a unique name beside path (created with
   O_CREAT|O_EXCL, so never through a symlink and never shared with another writer), fsyncs it,
   renames it over path on commit and fsyncs the directory, so an error, a full disk, a crash or a
   concurrent writer never leaves a half-written or mixed file where the previous one was. An empty
   path, one ending in '/' or naming a directory is LORA_ERR_INVALID_ARG.
       lora_atomic_file af;
       if ((s = lora_atomic_open(&af, path)) != LORA_OK) return s;
       lora_atomic_write_le(&af, header, sizeof header, 4);    // int32 values
       lora_atomic_write_le(&af, w, n * sizeof(float), 4);     // floats
       return lora_atomic_commit(&af);                         // or lora_atomic_abort(&af)
   Write errors are remembered and reported by finish / commit (one check at the end). Two
   files that change together: lora_atomic_finish the first (complete on disk, not renamed),
   write the second, then lora_atomic_commit the first, or lora_atomic_abort it if the second
   failed. The fields are private. */
typedef struct lora_atomic_file { FILE *f; int fd; char *final_path; char *tmp_path; int failed; } lora_atomic_file;
/* creates the temporary file; LORA_ERR_IO naming it when that fails */
LORA_API lora_status lora_atomic_open(lora_atomic_file *af, const char *path);
/* n bytes as they are */
LORA_API void lora_atomic_write(lora_atomic_file *af, const void *data, size_t n);
/* n bytes holding elements of elem_size bytes (2, 4, 8; 1 = bytes), stored little-endian whatever
   the host's byte order (on big-endian hosts swapped through a small buffer; data is not changed) */
LORA_API void lora_atomic_write_le(lora_atomic_file *af, const void *data, size_t n, size_t elem_size);
/* closes the temporary file and checks that every byte reached it, without renaming it; on
   error it is removed (nothing left to commit or abort) and LORA_ERR_IO names the file */
LORA_API lora_status lora_atomic_finish(lora_atomic_file *af);
/* finishes if needed, then renames the file into place; on any error the previous file stays */
LORA_API lora_status lora_atomic_commit(lora_atomic_file *af);
/* removes the temporary file, keeping the previous one; does nothing on a file already done */
LORA_API void lora_atomic_abort(lora_atomic_file *af);

/* A directory whose files change together (an adapter, a checkpoint): lora_dir_begin creates a
   new empty directory with a unique name beside dir; write every file into lora_dir_path(&t)
   (through lora_atomic_*); lora_dir_commit swaps it in (entries of the old directory that the new
   one lacks, such as a checkpoint/ folder, are carried over), lora_dir_abort removes it. The old
   directory is untouched until the new one is complete. dir must not be empty, "/", "." or "..".
       lora_dir_txn t;
       if ((s = lora_dir_begin(&t, dir)) != LORA_OK) return s;
       s = write_files_into(lora_dir_path(&t));
       return s == LORA_OK ? lora_dir_commit(&t) : (lora_dir_abort(&t), s); */
typedef struct lora_dir_txn { char *final_dir; char *tmp_dir; } lora_dir_txn;
LORA_API lora_status lora_dir_begin(lora_dir_txn *t, const char *dir);
LORA_API const char *lora_dir_path(const lora_dir_txn *t);
LORA_API lora_status lora_dir_commit(lora_dir_txn *t);
LORA_API void lora_dir_abort(lora_dir_txn *t);

/* A whole file in a NUL-terminated buffer of *len bytes (+ the NUL); free it with lora_free. */
LORA_API lora_status lora_read_file(const char *path, char **out, size_t *len);
/* fread of count little-endian elements of elem_size bytes, converted to host order; returns
   the number of elements read, as fread. */
LORA_API size_t lora_fread_le(void *dst, size_t elem_size, size_t count, FILE *f);
/* Creates directory dir and its missing parents (mkdir -p); LORA_ERR_IO names the one that failed. */
LORA_API lora_status lora_ensure_dir(const char *dir);

/* ---- For model authors: a text buffer for writers (JSON, file headers) ----
   Start from all zeros (memset, or lora_buf b = {0} in C), append, check b.failed once at the end
   (an allocation failed: the message is set and later appends did nothing), then lora_buf_free.
   data holds len bytes and a NUL. */
typedef struct lora_buf { char *data; size_t len, cap; int failed; } lora_buf;
LORA_API void lora_buf_append(lora_buf *b, const void *data, size_t n);
LORA_API void lora_buf_puts(lora_buf *b, const char *s);
LORA_API void lora_buf_printf(lora_buf *b, const char *fmt, ...) LORA_PRINTF_FORMAT(2, 3);
LORA_API void lora_buf_free(lora_buf *b);
/* A number as JSON: whole values below 1e16 as integers ("3", "-0"), others with the shortest
   digits that read back to the same double, with an exponent below 1e-4 or from 1e16 as
   Python writes them ("0.1", "1e-05"); NaN and infinities as null. */
LORA_API void lora_json_write_number(lora_buf *b, double x);
/* a float with the fewest digits that read back to the same float ("0.05" for 0.05f) */
LORA_API void lora_json_write_float(lora_buf *b, float x);

/* ---- For model authors: row kernels for the non-matmul ops ----
   One table of function pointers per instruction set (AVX-512, AVX2 + FMA, scalar; NEON uses
   the scalar table, which compilers vectorise where the order allows), chosen by lora_vec from
   a pool's instruction set: a model's hot loops (softmax, layernorm, gelu, biases, residuals,
   dropout) go through one of them rather than through plain C loops that -O2 leaves scalar.
   Same bits on every thread split: a kernel's result depends only on its arguments and the
   table, never on the thread that runs it, and reductions (sum, dot, ...) add in a fixed order.
   So work split between threads in chunks whose bounds do not depend on the thread count (say
   16 rows per task) gives the same bits for any number of threads. add, acc and mask_scale are
   exact (the same bits on every instruction set), and ln_wgrad treats every element alike
   (masked tails), so its columns may be split anywhere. */
typedef struct lora_vecops {
    float (*max)(const float *x, int n);
    /* y[i] = exp(x[i] - sub) (y may be NULL: only the sum); returns the sum */
    float (*exp_sum)(const float *x, float *y, int n, float sub);
    void (*scale)(float *y, int n, float s);
    float (*sum)(const float *x, int n);
    float (*sumsq_centered)(const float *x, int n, float mu);
    float (*dot)(const float *a, const float *b, int n);
    /* y = (x - mu) * rstd * w + b */
    void (*norm_affine)(const float *x, float *y, const float *w, const float *b, int n, float mu, float rstd);
    /* gelu_new (GPT-2's tanh form) and its backward: dx = dy * gelu'(x) */
    void (*gelu)(const float *x, float *y, size_t n);
    void (*gelu_back)(const float *x, const float *dy, float *dx, size_t n);
    /* y = a + b (y may be a or b) */
    void (*add)(const float *a, const float *b, float *y, size_t n);
    /* y += x */
    void (*acc)(float *y, const float *x, size_t n);
    /* layernorm backward of one row (norm = (x - mu) * rstd, dn = d * w):
       dx += (dn - mean(dn) - norm * mean(dn * norm)) * rstd */
    void (*ln_back)(const float *x, const float *d, const float *w, float *dx, int n, float mu, float rstd);
    /* column sums for layernorm and bias gradients, one row at a time (dw or db may be NULL):
       dw += d * ((x - mu) * rstd), db += d. Callers split columns between threads, so every
       element goes through the same instructions wherever its chunk starts (masked, no
       scalar tail), which keeps the sums independent of the thread count. */
    void (*ln_wgrad)(const float *d, const float *x, float *dw, float *db, int n, float mu, float rstd);
    /* dropout: y = mask ? x * scale : 0 (y may be x); exact, the same on every ISA */
    void (*mask_scale)(const float *x, const unsigned char *mask, float *y, size_t n, float scale);
    /* RMSNorm (LLaMA family) of one row, rstd = 1 / sqrt(mean(x^2) + eps) from sumsq_centered(x, n, 0):
       y = (x * rstd) * w (normalise, then weight, in that order as Hugging Face does) */
    void (*rms_scale)(const float *x, float *y, const float *w, int n, float rstd);
    /* its backward (y = x * rstd, dn = d * w): dx += (dn - y * mean(dn * y)) * rstd; the weight's
       gradient is ln_wgrad with mu = 0 */
    void (*rms_back)(const float *x, const float *d, const float *w, float *dx, int n, float rstd);
    /* SwiGLU: y = silu(g) * u with silu(g) = g / (1 + exp(-g)) */
    void (*swiglu)(const float *g, const float *u, float *y, size_t n);
    /* its backward: dg = dy * u * silu'(g), du = dy * silu(g) (dg, du may alias g, u) */
    void (*swiglu_back)(const float *g, const float *u, const float *dy, float *dg, float *du, size_t n);
    /* rotary embedding of one head in Hugging Face's rotate_half layout (pairs i, i + half):
       y[i] = x[i] cos[i] - x[i+half] sin[i], y[i+half] = x[i+half] cos[i] + x[i] sin[i]
       (cos, sin: half values); inverse = 1 rotates back by the same angle (RoPE's backward).
       y may be x. */
    void (*rope)(const float *x, float *y, const float *cos, const float *sin, int half, int inverse);
} lora_vecops;
/* The kernels for pool's instruction set (NULL pool: the best one detected). */
LORA_API const lora_vecops *lora_vec(const lora_pool *pool);

/* ---- For model authors: random streams for dropout ---- */
/* splitmix64: advances *state and returns its next output (seeds and per-stream keys). */
LORA_API uint64_t lora_splitmix64(uint64_t *state);
/* mask[i] = (lora_rng_uniform(rng) >= p) for i < n: the same draws and the same final state
   as n calls of lora_rng_uniform, several times faster (the state stays in registers). */
LORA_API void lora_rng_keep_mask(lora_rng *rng, unsigned char *mask, int n, float p);

/* ---- For model authors: frozen weight matrices in fp32 or bf16 ----
   The weights LoRA never trains may be stored in bf16 (half the memory). A lora_wmat is a view
   of such a row-major matrix (the model owns the data). Products through it:
     lora_wmat_mul: Y (M x N) = X (M x K) . op(W) (+ Y when accumulate), op(W) = W when transW is 0
     (W stored K x N, GPT-2's Conv1D (in, out)), W^T when 1 (W stored N x K, nn.Linear (out, in)).
   fp32: exactly lora_sgemm(pool, 0, transW, ...) (the same bits). bf16: the activation X is rounded
   to bf16 (nearest even) and the products accumulate in fp32: vdpbf16ps on AVX512-BF16, elsewhere
   bf16 widened to fp32 a block of columns at a time (never the whole matrix); the result does not
   depend on the thread count. The forward is x.W, an input gradient dY.W^T with the other transW.
   scratch: lora_wmat_mul_scratch(pool, M, W, transW) bytes at a 64-byte boundary (0 for fp32;
   keep it with the activations, so the step allocates nothing). */
typedef struct lora_wmat {
    lora_dtype dtype;        /* LORA_DT_F32 or LORA_DT_BF16 */
    int rows, cols;          /* stored row-major, leading dimension cols */
    const void *data;        /* float, or uint16_t bf16 bit patterns */
} lora_wmat;
LORA_API size_t lora_wmat_mul_scratch(const lora_pool *pool, int M, const lora_wmat *W, int transW);
LORA_API lora_status lora_wmat_mul(lora_pool *pool, int M, const float *X, int ldx, const lora_wmat *W, int transW,
                                   int accumulate, float *Y, int ldy, void *scratch, size_t scratch_bytes);
/* "avx512-bf16", or the ISA that multiplies widened bf16 ("avx2 (bf16 widened)"); fp32: the ISA */
LORA_API const char *lora_wmat_kernel_name(const lora_pool *pool, lora_dtype dtype);
/* arrays of fp32 <-> bf16 bit patterns (lora_f32_to_bf16 / lora_bf16_to_f32 element-wise) */
LORA_API void lora_f32_to_bf16_n(const float *x, uint16_t *y, size_t n);
LORA_API void lora_bf16_to_f32_n(const uint16_t *x, float *y, size_t n);
/* x rounded to the nearest bf16 value (ties to even), as a float */
LORA_API float lora_bf16_round(float x);

/* ---- For model authors: the output layer fused with cross-entropy, labelled rows only ----
   W is the output layer's weight (V, C) (nn.Linear's layout, or a tied embedding); X (n_rows, C)
   the final hidden states. For every row with targets[r] >= 0 (the class it predicts; < 0: no
   label) it computes the logits X[r] . W^T, row_loss[r] = logsumexp - logit[target] (0 for the
   other rows) and, when dX is not NULL, dX[r] = d(grad_scale * loss)/dX[r] (0 for unlabelled
   rows), and with dW (fp32 W only) dW += the weight gradient. The logits of at most
   LORA_CE_CHUNK_ROWS labelled rows exist at a time: never n_rows x V. The same arithmetic as the
   unfused product + softmax + gradient up to fp32 summation order. scratch: lora_lm_head_ce_scratch
   bytes at a 64-byte boundary. A LoRA branch on the output layer is not covered: use the unfused
   path there. */
#define LORA_CE_CHUNK_ROWS 128
LORA_API size_t lora_lm_head_ce_scratch(const lora_pool *pool, int n_rows, const lora_wmat *W);
LORA_API lora_status lora_lm_head_ce(lora_pool *pool, const lora_wmat *W, int n_rows, const float *X, int ldx,
                                     const int32_t *targets, float grad_scale, float *row_loss, float *dX, int lddx,
                                     float *dW, void *scratch, size_t scratch_bytes);

/* ---- lora/91_layers.api.h ---- */
/* ---- For model authors: rows over the pool, linear layers with LoRA, cross-entropy ----
   The pieces every model's forward and backward share, so a family header writes only what is
   its own (attention, norms, the block order). All of them give the same bits for any thread
   count: rows go to tasks in fixed chunks of LORA_ROWS_PER_TASK, and column sums are split by
   columns. */
#define LORA_ROWS_PER_TASK 16
typedef void (*lora_rows_fn)(void *ctx, int row0, int row1);
/* fn(ctx, r0, r1) over rows [0, n) in chunks of LORA_ROWS_PER_TASK across the pool. */
LORA_API void lora_parallel_rows(lora_pool *pool, int n, lora_rows_fn fn, void *ctx);

/* A linear layer y = x W^T + b (nn.Linear, W (out, in)) or y = x W + b (Conv1D, W (in, out)),
   with an optional LoRA branch + dropout(x) A^T B^T * scaling. The buffers belong to the model
   (its activation arena); h keeps x A^T from the forward for the backward. The frozen weight may
   be held in bf16 (W_bf16, W unused): its products (forward x.W, input gradient dY.W^T) then go
   through lora_wmat_mul (activation rounded to bf16, fp32 accumulation) with scratch ws of at
   least lora_linear_scratch bytes; with W (fp32) they are exactly what they were (ws unused). */
typedef struct lora_linear {
    const float *W;
    const uint16_t *W_bf16;      /* when not NULL: W in bf16 bit patterns, in W's layout (no dW then) */
    void *ws;                    /* scratch of the bf16 products (64-byte aligned), or NULL for fp32 */
    size_t ws_bytes;
    int w_in_out;                /* 1: W is (in, out) (Conv1D); 0: (out, in) (nn.Linear) */
    int in, out;
    const float *bias;           /* (out), or NULL */
    const lora_module *lm;       /* the LoRA branch, or NULL */
    float *h;                    /* (N, r): dropout(x) A^T, written by forward, read by backward */
    float *d_h;                  /* (N, r) scratch for backward */
    float dropout;               /* LoRA dropout p (training only; 0 = none) */
    unsigned char *mask;         /* (N, in) keep mask when dropout > 0 (written by forward) */
    uint64_t dropout_seed;       /* the mask's random stream: a function of the model's seed, step and module */
    float *scratch_in;           /* (N, in) scratch when dropout > 0 */
} lora_linear;
/* The view of L's frozen weight as a lora_wmat (fp32 or bf16), and the scratch its forward and
   input-gradient products need over N rows (0 for fp32). */
LORA_API lora_wmat lora_linear_wmat(const lora_linear *L);
LORA_API size_t lora_linear_scratch(const lora_pool *pool, const lora_linear *L, int N);
/* y (N, out) = the layer applied to x (N, in). fp32: up to LORA_GEMV_MAX_ROWS rows (decoding)
   stream W once with the matrix-vector kernels (lora_gemv), more go through lora_sgemm; bf16:
   lora_wmat_mul. Fails (LORA_ERR_INVALID_ARG) only when a bf16 weight's scratch is too small. */
LORA_API lora_status lora_linear_forward(lora_pool *pool, const lora_linear *L, const float *x, float *y, int N);
/* Backward: dx (N, in) = dy W (+ the LoRA branch's), overwritten (may be NULL); dW (W's layout)
   and db accumulate when not NULL (dW must be NULL for a bf16 weight: LORA_ERR_INVALID_ARG); the
   LoRA gradients accumulate into lm->dA, lm->dB. */
LORA_API lora_status lora_linear_backward(lora_pool *pool, const lora_linear *L, const float *x, const float *dy, float *dx,
                                          float *dW, float *db, int N);
/* Column sums: db[i] += sum over the N rows of dy[r, i] (a bias's gradient). */
LORA_API void lora_bias_grad(lora_pool *pool, const float *dy, float *db, int N, int width);

/* Hugging Face's causal-LM loss over logits (B*T, V): row r predicts labels[r + 1] in its row
   (none at a row's end, nor before a packed sequence's start: positions[r + 1] == 0),
   LORA_IGNORE_LABEL targets skipped. lora_target_label gives that label. */
LORA_API int32_t lora_target_label(const int32_t *labels, const int32_t *positions, int r, int T);
/* Per-row losses into row_loss (N); returns the number of predicted rows (*sum gets the sum). */
LORA_API int lora_cross_entropy(lora_pool *pool, const float *logits, const int32_t *labels, const int32_t *positions,
                                int B, int T, int V, float *row_loss, double *sum);
/* In place: logits -> (softmax - onehot) / count on predicted rows, 0 elsewhere. */
LORA_API void lora_cross_entropy_backward(lora_pool *pool, float *logits, const int32_t *labels,
                                          const int32_t *positions, int B, int T, int V, int count);
/* Checks position ids (B, T): each row starts at 0, every position is 0 or the previous + 1.
   *plain = 1 when they are 0 .. T-1 in every row. LORA_ERR_INVALID_ARG naming row and column. */
LORA_API lora_status lora_check_positions(const int32_t *positions, int B, int T, int *plain, const char *what);

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
#include <limits.h>
#include <time.h>
#if defined(__unix__) || defined(__unix) || defined(__APPLE__)
#include <sys/stat.h>
#define LORA__HAVE_STAT 1
#endif

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

/* The engine's parts spell the public helpers of the model authors' block (lora.h, "For model
   authors") with their internal names: these are the same functions, not copies. */
#define lora__fail lora_fail
#define lora__malloc lora_malloc
#define lora__calloc lora_calloc
#define lora__realloc lora_realloc
#define lora__alloc_aligned lora_alloc_aligned
#define lora__free_aligned lora_free_aligned
typedef lora_buf lora__buf;
#define lora__buf_append lora_buf_append
#define lora__buf_puts lora_buf_puts
#define lora__buf_printf lora_buf_printf
#define lora__buf_free lora_buf_free
typedef lora_atomic_file lora__atomic_file;
#define lora__atomic_open lora_atomic_open
#define lora__atomic_write lora_atomic_write
#define lora__atomic_write_le lora_atomic_write_le
#define lora__atomic_finish lora_atomic_finish
#define lora__atomic_commit lora_atomic_commit
#define lora__atomic_abort lora_atomic_abort
#define lora__read_file lora_read_file
#define lora__fread_le lora_fread_le
#define lora__ensure_dir lora_ensure_dir
#define lora__json_write_number lora_json_write_number
#define lora__splitmix64 lora_splitmix64
#define lora__rng_keep_mask lora_rng_keep_mask

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
LORA_API void lora_free(void *p) { LORA_FREE(p); }

LORA_API void lora_clear_error(void) { lora__errbuf[0] = 0; }

/* Records a formatted message for the calling thread and returns status, so that failures read:
   return lora__fail(LORA_ERR_FORMAT, "%s: ...", path). The message is formatted aside first, so
   lora_last_error() may be one of the arguments. */
LORA_API lora_status lora_fail(lora_status status, const char *fmt, ...) {
    char msg[LORA__ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0) msg[0] = 0;
    va_end(ap);
    memcpy(lora__errbuf, msg, sizeof msg);
    return status;
}

/* Allocation that records an out-of-memory message naming what was allocated. */
LORA_API void *lora_malloc(size_t n, const char *what) {
    void *p = LORA_MALLOC(n ? n : 1);
    if (!p) lora__fail(LORA_ERR_OOM, "out of memory allocating %zu bytes for %s", n, what);
    return p;
}
LORA_API void *lora_calloc(size_t n, size_t size, const char *what) {
    void *p;
    if (size && n > (size_t)-1 / size) {
        lora__fail(LORA_ERR_OOM, "allocation size overflow for %s", what);
        return NULL;
    }
    p = lora__malloc(n * size, what);
    if (p) memset(p, 0, n * size);
    return p;
}
LORA_API void *lora_realloc(void *p, size_t n, const char *what) {
    void *q = LORA_REALLOC(p, n ? n : 1);
    if (!q) lora__fail(LORA_ERR_OOM, "out of memory growing %s to %zu bytes", what, n);
    return q;
}
/* lora_strdup with the name of what is copied in the out-of-memory message */
static LORA__UNUSED char *lora__strdup(const char *s, const char *what) {
    size_t n = strlen(s) + 1;
    char *p = (char *)lora__malloc(n, what);
    if (p) memcpy(p, s, n);
    return p;
}
LORA_API char *lora_strdup(const char *s) { return lora__strdup(s, "a string copy"); }

/* 64-byte aligned allocation built on the hooks (the offset is stored just before
   the returned pointer), so SIMD kernels can use aligned loads on arenas. */
#define LORA__ALIGN 64
LORA_API void *lora_alloc_aligned(size_t n, const char *what) {
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
LORA_API void lora_free_aligned(void *p) {
    void *raw;
    if (!p) return;
    memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof raw);
    LORA_FREE(raw);
}

/* ---- growable byte buffer, used by writers (JSON, safetensors headers) ---- */
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
LORA_API void lora_buf_append(lora_buf *b, const void *data, size_t n) {
    if (!lora__buf_reserve(b, n)) return;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
}
LORA_API void lora_buf_puts(lora_buf *b, const char *s) { lora__buf_append(b, s, strlen(s)); }
LORA_API void lora_buf_printf(lora_buf *b, const char *fmt, ...) {
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
LORA_API void lora_buf_free(lora_buf *b) { LORA_FREE(b->data); memset(b, 0, sizeof *b); }

/* ---- files ---- */

/* LORA_ERR_IO "is a directory" when path names one (fopen succeeds on directories). */
static LORA__UNUSED lora_status lora__check_not_dir(const char *path) {
#ifdef LORA__HAVE_STAT
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return lora__fail(LORA_ERR_IO, "%s: is a directory, not a file", path);
#else
    (void)path;
#endif
    return LORA_OK;
}

/* Reads a whole file into a NUL-terminated buffer (LORA_FREE it). */
LORA_API lora_status lora_read_file(const char *path, char **out, size_t *len) {
    FILE *f;
    long sz;
    char *buf;
    size_t got;
    lora_status s;
    *out = NULL; *len = 0;
    if ((s = lora__check_not_dir(path)) != LORA_OK) return s;
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

/* Atomic file replacement (SQLite's commit is the model): the bytes go to a temporary file with a
   unique name in the destination's directory, created with O_CREAT|O_EXCL (never an existing file,
   never through a planted symlink), flushed to disk with fsync, renamed over the destination, and
   the directory is fsynced so that the rename itself survives a crash. An error, a full disk, a
   crash or a concurrent writer never leaves a half-written or mixed file where the previous one
   was: the destination holds the old file or one writer's complete new file. */
#ifdef LORA__HAVE_STAT
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#endif
/* Forgets the file (its paths freed, af zeroed: abort and commit then have nothing to do). */
static void lora__atomic_release(lora_atomic_file *af) {
    LORA_FREE(af->final_path); LORA_FREE(af->tmp_path);
    memset(af, 0, sizeof *af);
    af->fd = -1;
}
/* LORA_ERR_INVALID_ARG unless path names a file that can be written: not empty, not ending in '/',
   not "." or ".." or a directory. */
static lora_status lora__check_output_path(const char *path, const char *what) {
    const char *base;
    size_t n;
    (void)what;
    if (!path || !*path) return lora__fail(LORA_ERR_INVALID_ARG, "the output path is empty (give a file name)");
    n = strlen(path);
    if (path[n - 1] == '/') return lora__fail(LORA_ERR_INVALID_ARG, "%s: names a directory, not a file (output path)", path);
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: names a directory, not a file (output path)", path);
#ifdef LORA__HAVE_STAT
    {
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return lora__fail(LORA_ERR_IO, "%s: is a directory, not a file (output path)", path);
    }
#endif
    return LORA_OK;
}
/* A name no other writer uses: "<dir>/.<base>.<tag>-<pid>-<random>" (the random part mixes the
   clock, the pid, a stack address and the attempt number through splitmix64). */
static char *lora__unique_sibling(const char *path, const char *tag, unsigned attempt) {
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path + 1) : 0, n = strlen(path) + strlen(tag) + 64;
    char *p = (char *)lora__malloc(n, "file path");
    uint64_t st = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)&n << 16) ^ ((uint64_t)clock() << 40) ^ ((uint64_t)attempt * 0x9E3779B97F4A7C15ull);
    uint64_t r, z;
    long pid = 0;
#ifdef LORA__HAVE_STAT
    pid = (long)getpid();
#endif
    st ^= (uint64_t)pid << 24;
    z = (st += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    r = z ^ (z >> 31);
    if (!p) return NULL;
    memcpy(p, path, dir);
    snprintf(p + dir, n - dir, ".%s.%s-%ld-%08lx", path + dir, tag, pid, (unsigned long)(r & 0xffffffffu));
    return p;
}
/* fsync of a directory (makes a rename or a new entry durable); errors ignored where the
   file system cannot sync directories. */
static void lora__fsync_dir_of(const char *path, int is_dir) {
#ifdef LORA__HAVE_STAT
    char *d;
    int fd;
    if (is_dir) d = lora__strdup(path, "path");
    else {
        const char *slash = strrchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : 1;
        d = (char *)lora__malloc(n + 1, "path");
        if (d) {
            if (!slash) memcpy(d, ".", 1);
            else if (n == 0) { memcpy(d, "/", 1); n = 1; }
            else memcpy(d, path, n);
            d[n] = 0;
        }
    }
    if (!d) return;
    fd = open(d, O_RDONLY);
    if (fd >= 0) { (void)fsync(fd); close(fd); }
    LORA_FREE(d);
#else
    (void)path; (void)is_dir;
#endif
}
LORA_API lora_status lora_atomic_open(lora_atomic_file *af, const char *path) {
    lora_status s;
    unsigned attempt;
    memset(af, 0, sizeof *af);
    af->fd = -1;
    if ((s = lora__check_output_path(path, "lora_atomic_open")) != LORA_OK) return s;
    af->final_path = lora__strdup(path, "file path");
    if (!af->final_path) { lora__atomic_release(af); return LORA_ERR_OOM; }
    for (attempt = 0; attempt < 64; attempt++) {
        int err;
        af->tmp_path = lora__unique_sibling(path, "tmp-lora", attempt);
        if (!af->tmp_path) { lora__atomic_release(af); return LORA_ERR_OOM; }
#ifdef LORA__HAVE_STAT
        {
            int flags = O_WRONLY | O_CREAT | O_EXCL; /* O_EXCL: never an existing file, never through a symlink */
#ifdef O_NOFOLLOW
            flags |= O_NOFOLLOW;
#endif
#ifdef O_CLOEXEC
            flags |= O_CLOEXEC;
#endif
            af->fd = open(af->tmp_path, flags, 0644);
            if (af->fd >= 0) return LORA_OK;
        }
#else
        af->f = fopen(af->tmp_path, "wbx");
        if (af->f) return LORA_OK;
#endif
        err = errno;
        if (err != EEXIST) {
            s = lora__fail(LORA_ERR_IO, "%s: cannot create a temporary file beside it: %s", path, strerror(err));
            lora__atomic_release(af);
            return s;
        }
        LORA_FREE(af->tmp_path);
        af->tmp_path = NULL;
    }
    s = lora__fail(LORA_ERR_IO, "%s: cannot create a unique temporary file beside it", path);
    lora__atomic_release(af);
    return s;
}
LORA_API void lora_atomic_write(lora_atomic_file *af, const void *data, size_t n) {
    const char *p = (const char *)data;
    if (af->failed || n == 0 || !af->tmp_path) return;
#ifdef LORA__HAVE_STAT
    if (af->fd < 0) return;
    while (n > 0) {
        size_t chunk = n < ((size_t)1 << 30) ? n : ((size_t)1 << 30);
        ssize_t w = write(af->fd, p, chunk);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { af->failed = w < 0 && errno ? errno : EIO; return; }
        p += w; n -= (size_t)w;
    }
#else
    if (!af->f) return;
    if (fwrite(p, 1, n, af->f) != n) af->failed = errno ? errno : EIO;
#endif
}
/* First phase of a two-file save: flushes the temporary file to disk (fsync), closes it and checks
   that everything reached it, without renaming it yet (lora__atomic_commit does, lora__atomic_abort
   drops it). */
LORA_API lora_status lora_atomic_finish(lora_atomic_file *af) {
    int err = af->failed;
    if (!af->tmp_path) return LORA_OK; /* never opened (a zeroed struct), failed or released */
#ifdef LORA__HAVE_STAT
    if (af->fd < 0) return LORA_OK; /* already finished */
    if (fsync(af->fd) != 0 && !err) err = errno ? errno : EIO;
    if (close(af->fd) != 0 && !err) err = errno ? errno : EIO;
    af->fd = -1;
#else
    if (!af->f) return LORA_OK;
    if (fflush(af->f) != 0 && !err) err = errno ? errno : EIO;
    if (fclose(af->f) != 0 && !err) err = errno ? errno : EIO;
    af->f = NULL;
#endif
    if (err) {
        lora_status s = lora__fail(LORA_ERR_IO, "%s: write failed: %s (previous file left intact)", af->final_path, strerror(err));
        remove(af->tmp_path);
        lora__atomic_release(af);
        return s;
    }
    return LORA_OK;
}
LORA_API lora_status lora_atomic_commit(lora_atomic_file *af) {
    lora_status s;
    if (!af->tmp_path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_atomic_commit: no file open (already committed, aborted or failed)");
    if ((s = lora_atomic_finish(af)) != LORA_OK) return s;
    if (rename(af->tmp_path, af->final_path) != 0) {
        s = lora__fail(LORA_ERR_IO, "%s: cannot rename the temporary file into place: %s", af->final_path, strerror(errno));
        remove(af->tmp_path);
    } else lora__fsync_dir_of(af->final_path, 0);
    lora__atomic_release(af);
    return s;
}
/* Aborts the write: removes the temporary file, keeps the previous file intact. */
LORA_API void lora_atomic_abort(lora_atomic_file *af) {
    if (!af->tmp_path) return;
#ifdef LORA__HAVE_STAT
    if (af->fd >= 0) close(af->fd);
#else
    if (af->f) fclose(af->f);
#endif
    remove(af->tmp_path);
    lora__atomic_release(af);
}

/* ---- directories that change as a whole (an adapter, a checkpoint) ----
   lora_dir_begin makes a new, empty directory with a unique name beside dir; the caller writes every
   file into lora_dir_path(t) (with lora_atomic_*, so each is fsynced); lora_dir_commit puts it in
   place: by one rename when dir does not exist, else by renaming the old directory aside, the new
   one in, and moving over the entries of the old one the new one does not have (a checkpoint/
   folder inside an adapter directory, the user's own files), then deleting the rest of the old one.
   Until the new directory is complete the old one is untouched; a crash between the two renames
   leaves the complete old directory as "<dir>/../.<name>.old-lora-*". lora_dir_abort removes the new
   directory and what was written in it. */
static lora_status lora__dir_check(const char *dir, const char *what, char **norm) {
    size_t n;
    char *d;
    const char *base;
    *norm = NULL;
    (void)what;
    if (!dir || !*dir) return lora__fail(LORA_ERR_INVALID_ARG, "the output directory path is empty (give a directory name)");
    d = lora__strdup(dir, "path");
    if (!d) return LORA_ERR_OOM;
    n = strlen(d);
    while (n > 1 && d[n - 1] == '/') d[--n] = 0;
    base = strrchr(d, '/');
    base = base ? base + 1 : d;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        LORA_FREE(d);
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: cannot be replaced as a whole (give a directory name, not '/', '.' or '..')", dir);
    }
    *norm = d;
    return LORA_OK;
}
static void lora__dir_release(lora_dir_txn *t) {
    LORA_FREE(t->final_dir); LORA_FREE(t->tmp_dir);
    memset(t, 0, sizeof *t);
}
static LORA__UNUSED lora_status lora__ensure_parent_dir(const char *path);
LORA_API lora_status lora_dir_begin(lora_dir_txn *t, const char *dir) {
    lora_status s;
    unsigned attempt;
    memset(t, 0, sizeof *t);
    if ((s = lora__dir_check(dir, "lora_dir_begin", &t->final_dir)) != LORA_OK) return s;
#ifdef LORA__HAVE_STAT
    {
        struct stat sb;
        if (stat(t->final_dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
            s = lora__fail(LORA_ERR_IO, "%s: exists and is not a directory", dir);
            lora__dir_release(t);
            return s;
        }
    }
    if ((s = lora__ensure_parent_dir(t->final_dir)) != LORA_OK) { lora__dir_release(t); return s; }
    for (attempt = 0; attempt < 64; attempt++) {
        if (!(t->tmp_dir = lora__unique_sibling(t->final_dir, "tmp-lora", attempt))) { lora__dir_release(t); return LORA_ERR_OOM; }
        if (mkdir(t->tmp_dir, 0755) == 0) return LORA_OK;
        if (errno != EEXIST) {
            s = lora__fail(LORA_ERR_IO, "%s: cannot create a temporary directory beside it: %s", dir, strerror(errno));
            lora__dir_release(t);
            return s;
        }
        LORA_FREE(t->tmp_dir);
        t->tmp_dir = NULL;
    }
    s = lora__fail(LORA_ERR_IO, "%s: cannot create a unique temporary directory beside it", dir);
    lora__dir_release(t);
    return s;
#else
    (void)attempt;
    if ((s = lora_ensure_dir(t->final_dir)) != LORA_OK) { lora__dir_release(t); return s; }
    if (!(t->tmp_dir = lora__strdup(t->final_dir, "path"))) { lora__dir_release(t); return LORA_ERR_OOM; }
    return LORA_OK;
#endif
}
LORA_API const char *lora_dir_path(const lora_dir_txn *t) { return t->tmp_dir; }
#ifdef LORA__HAVE_STAT
/* removes the regular files (and symlinks) directly inside dir, then dir itself if empty */
static void lora__dir_remove_files(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t dl = strlen(dir);
    if (d) {
        while ((e = readdir(d)) != NULL) {
            size_t n = strlen(e->d_name);
            char *p;
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            p = (char *)LORA_MALLOC(dl + n + 2);
            if (!p) continue;
            memcpy(p, dir, dl); p[dl] = '/'; memcpy(p + dl + 1, e->d_name, n + 1);
            {
                struct stat sb;
                if (stat(p, &sb) == 0 && !S_ISDIR(sb.st_mode)) unlink(p);
            }
            LORA_FREE(p);
        }
        closedir(d);
    }
    rmdir(dir);
}
#endif
LORA_API lora_status lora_dir_commit(lora_dir_txn *t) {
    lora_status s = LORA_OK;
    if (!t->tmp_dir) return lora__fail(LORA_ERR_INVALID_ARG, "lora_dir_commit: no directory open");
#ifdef LORA__HAVE_STAT
    lora__fsync_dir_of(t->tmp_dir, 1);
    if (rename(t->tmp_dir, t->final_dir) == 0) {   /* dir did not exist (or was empty) */
        lora__fsync_dir_of(t->final_dir, 0);
        lora__dir_release(t);
        return LORA_OK;
    }
    if (errno != EEXIST && errno != ENOTEMPTY) {
        s = lora__fail(LORA_ERR_IO, "%s: cannot rename the new directory into place: %s", t->final_dir, strerror(errno));
        lora__dir_remove_files(t->tmp_dir);
        lora__dir_release(t);
        return s;
    }
    {
        char *old = NULL;
        unsigned attempt;
        for (attempt = 0; attempt < 64 && !old; attempt++) {
            struct stat sb;
            if (!(old = lora__unique_sibling(t->final_dir, "old-lora", attempt))) { lora_dir_abort(t); return LORA_ERR_OOM; }
            if (stat(old, &sb) == 0 || errno != ENOENT) { LORA_FREE(old); old = NULL; }
        }
        if (!old || rename(t->final_dir, old) != 0) {
            s = lora__fail(LORA_ERR_IO, "%s: cannot move the previous directory aside: %s", t->final_dir, strerror(errno));
            LORA_FREE(old);
            lora_dir_abort(t);
            return s;
        }
        if (rename(t->tmp_dir, t->final_dir) != 0) {
            int err = errno;
            if (rename(old, t->final_dir) != 0 && err == ENOTEMPTY) err = EBUSY; /* another writer published meanwhile */
            s = lora__fail(LORA_ERR_IO, "%s: cannot rename the new directory into place: %s (another process saving to the same directory?)",
                           t->final_dir, strerror(err));
            LORA_FREE(old);
            lora_dir_abort(t);
            return s;
        }
        lora__fsync_dir_of(t->final_dir, 0);
        {   /* carry over what the new directory does not replace */
            DIR *d = opendir(old);
            struct dirent *e;
            size_t ol = strlen(old), fl = strlen(t->final_dir);
            if (d) {
                while ((e = readdir(d)) != NULL) {
                    size_t n = strlen(e->d_name);
                    char *from, *to;
                    struct stat sb;
                    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
                    from = (char *)LORA_MALLOC(ol + n + 2);
                    to = (char *)LORA_MALLOC(fl + n + 2);
                    if (from && to) {
                        memcpy(from, old, ol); from[ol] = '/'; memcpy(from + ol + 1, e->d_name, n + 1);
                        memcpy(to, t->final_dir, fl); to[fl] = '/'; memcpy(to + fl + 1, e->d_name, n + 1);
                        if (stat(to, &sb) != 0 && errno == ENOENT) (void)rename(from, to);
                    }
                    LORA_FREE(from); LORA_FREE(to);
                }
                closedir(d);
            }
            lora__fsync_dir_of(t->final_dir, 1);
        }
        lora__dir_remove_files(old);
        LORA_FREE(old);
    }
#endif
    lora__dir_release(t);
    return s;
}
LORA_API void lora_dir_abort(lora_dir_txn *t) {
    if (!t->tmp_dir) return;
    {   /* messages about files in the new directory name the directory they were for */
        char msg[LORA__ERRLEN];
        const char *at = strstr(lora__errbuf, t->tmp_dir);
        if (at && strcmp(t->tmp_dir, t->final_dir) != 0) {
            snprintf(msg, sizeof msg, "%.*s%s%s", (int)(at - lora__errbuf), lora__errbuf, t->final_dir, at + strlen(t->tmp_dir));
            memcpy(lora__errbuf, msg, sizeof msg);
        }
    }
#ifdef LORA__HAVE_STAT
    lora__dir_remove_files(t->tmp_dir);
#endif
    lora__dir_release(t);
}

/* ---- byte order: every file format here is little-endian, whatever the host ---- */
static LORA__UNUSED int lora__host_is_le(void) {
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 1;
}
/* Reverses the bytes of each of the n / es elements of size es in p (a no-op on
   little-endian hosts): file order <-> host order. */
static LORA__UNUSED void lora__le_swap(void *p, size_t n, size_t es) {
    unsigned char *b = (unsigned char *)p;
    size_t i, k;
    if (es <= 1 || lora__host_is_le()) return;
    for (i = 0; i + es <= n; i += es)
        for (k = 0; k < es / 2; k++) {
            unsigned char t = b[i + k];
            b[i + k] = b[i + es - 1 - k];
            b[i + es - 1 - k] = t;
        }
}
/* fread of count elements of size es stored little-endian, into host order */
LORA_API size_t lora_fread_le(void *dst, size_t elem_size, size_t count, FILE *f) {
    size_t got = fread(dst, elem_size, count, f);
    lora__le_swap(dst, got * elem_size, elem_size);
    return got;
}
/* Writes n bytes (a whole number of elements of size es) in little-endian order (on big-endian
   hosts a byte swap through a small buffer, whose size is a multiple of every es: tensors are
   never copied whole; es = 1 writes bytes as they are). */
LORA_API void lora_atomic_write_le(lora_atomic_file *af, const void *data, size_t n, size_t elem_size) {
    unsigned char tmp[8192];
    const unsigned char *p = (const unsigned char *)data;
    const size_t es = elem_size;
    size_t done = 0;
    if (es <= 1 || lora__host_is_le()) { lora__atomic_write(af, data, n); return; }
    while (done < n) {
        size_t chunk = n - done < sizeof tmp ? n - done : sizeof tmp;
        memcpy(tmp, p + done, chunk);
        lora__le_swap(tmp, chunk, es);
        lora__atomic_write(af, tmp, chunk);
        done += chunk;
    }
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
LORA_API uint64_t lora_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
LORA_API void lora_rng_seed(lora_rng *rng, uint64_t seed) {
    uint64_t a, b;
    if (!rng) return;
    a = lora__splitmix64(&seed);
    b = lora__splitmix64(&seed);
    rng->s[0] = (uint32_t)a; rng->s[1] = (uint32_t)(a >> 32);
    rng->s[2] = (uint32_t)b; rng->s[3] = (uint32_t)(b >> 32);
    if (!(rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3])) rng->s[0] = 1;
    rng->has_spare = 0; rng->spare = 0.0f;
}
static LORA__UNUSED uint32_t lora__rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
/* one xoshiro128** step: the output, and s advanced */
static uint32_t lora__xoshiro_next(uint32_t s[4]) {
    const uint32_t result = lora__rotl32(s[1] * 5, 7) * 9, t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = lora__rotl32(s[3], 11);
    return result;
}
LORA_API uint32_t lora_rng_u32(lora_rng *rng) { return rng ? lora__xoshiro_next(rng->s) : 0; }
LORA_API float lora_rng_uniform(lora_rng *rng) { return rng ? (float)(lora_rng_u32(rng) >> 8) * (1.0f / 16777216.0f) : 0.0f; }
/* mk[i] = (lora_rng_uniform(rng) >= p) for i < n: the same draws and the same outcome, with the
   state in registers (dropout masks: a call per element kept the state in memory, reloaded after
   every mask byte store, which may alias it). uniform = (u >> 8) / 2^24 exactly, so the test is
   (u >> 8) >= ceil(p * 2^24) (p NaN: never, as the float comparison). The state is copied to a
   local array whose address never escapes, so the compiler keeps it in registers. */
LORA_API void lora_rng_keep_mask(lora_rng *rng, unsigned char *mask, int n, float p) {
    uint32_t s[4], thr;
    int i;
    memcpy(s, rng->s, sizeof s);
    if (p != p) thr = 16777217u;
    else if (p <= 0.0f) thr = 0;
    else if (p >= 1.0f) thr = 16777216u;
    else thr = (uint32_t)ceil((double)p * 16777216.0);
    for (i = 0; i < n; i++) mask[i] = (unsigned char)((lora__xoshiro_next(s) >> 8) >= thr);
    memcpy(rng->s, s, sizeof s);
}
/* Marsaglia's polar method: two normals per accepted pair, one log and no trig. */
LORA_API float lora_rng_normal(lora_rng *rng) {
    double u, v, q, f;
    if (!rng) return 0.0f;
    if (rng->has_spare) { rng->has_spare = 0; return rng->spare; }
    do {
        u = 2.0 * ((double)(lora_rng_u32(rng) >> 8) + 0.5) / 16777216.0 - 1.0;
        v = 2.0 * ((double)(lora_rng_u32(rng) >> 8) + 0.5) / 16777216.0 - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    f = sqrt(-2.0 * log(q) / q);
    rng->spare = (float)(v * f);
    rng->has_spare = 1;
    return (float)(u * f);
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

/* ---- lora/10_threads.impl.c ---- */
/* ---- thread pool, ISA detection ----
   Workers are persistent. lora_pool_run publishes (fn, ctx, n_tasks) under a new
   generation number; workers spin briefly on the generation, then block on a
   condition variable. Tasks are claimed (dynamic scheduling) with a CAS on a 64-bit
   ticket holding (generation << 32 | next task), so a worker that wakes late can
   never claim a task of a later run (see lora__pool_work). The caller runs tasks too
   and waits until the number of finished tasks reaches n_tasks (it never waits for
   workers that are asleep). The pool also owns the GEMM workspace (no globals). */

#if !defined(LORA_NO_SIMD) && (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define LORA__X86 1
#include <immintrin.h>
#include <cpuid.h>
#endif
#if defined(LORA__X86) && !defined(LORA_NO_AVX512)
#define LORA__HAVE_AVX512 1
#endif
#if defined(LORA__X86) && !defined(LORA_NO_AVX2)
#define LORA__HAVE_AVX2 1
#endif
#if !defined(LORA_NO_SIMD) && defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER))
#define LORA__HAVE_NEON 1
#include <arm_neon.h>
#endif

#if !defined(_WIN32) && (defined(__GNUC__) || defined(__clang__)) && !defined(LORA_NO_THREADS)
#define LORA__THREADS 1
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#endif

LORA_API const char *lora_isa_name(lora_isa isa) {
    switch (isa) {
    case LORA_ISA_AUTO: return "auto";
    case LORA_ISA_SCALAR: return "scalar";
    case LORA_ISA_AVX2: return "avx2";
    case LORA_ISA_AVX512: return "avx512";
    case LORA_ISA_NEON: return "neon";
    }
    return "unknown";
}

#ifdef LORA__X86
/* XCR0: bit 1 SSE, bit 2 AVX (YMM), bits 5-7 opmask / ZMM_Hi256 / Hi16_ZMM. */
static unsigned lora__xcr0(void) {
    unsigned lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return lo;
}
#endif

/* Full detection with CPUID + XGETBV (CPUID traps to the hypervisor in VMs and
   costs microseconds there, so pools detect once, at creation). */
LORA_API lora_isa lora_detect_isa(void) {
#ifdef LORA__X86
    unsigned a, b, c, d, max_leaf, xcr0;
    int avx2 = 0, avx512 = 0;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return LORA_ISA_SCALAR;
    max_leaf = a;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return LORA_ISA_SCALAR;
    /* OSXSAVE (27), AVX (28), FMA (12) */
    if (!(c & (1u << 27)) || !(c & (1u << 28)) || !(c & (1u << 12)) || max_leaf < 7) return LORA_ISA_SCALAR;
    xcr0 = lora__xcr0();
    if ((xcr0 & 0x6) != 0x6) return LORA_ISA_SCALAR;
    __cpuid_count(7, 0, a, b, c, d);
    avx2 = (b >> 5) & 1;
    /* AVX-512 F (16), DQ (17), BW (30), VL (31) and the OS saving opmask/ZMM state */
    avx512 = avx2 && ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1) && (xcr0 & 0xe6) == 0xe6;
#ifdef LORA__HAVE_AVX512
    if (avx512) return LORA_ISA_AVX512;
#endif
#ifdef LORA__HAVE_AVX2
    if (avx2) return LORA_ISA_AVX2;
#endif
    (void)avx512; (void)avx2;
    return LORA_ISA_SCALAR;
#elif defined(LORA__HAVE_NEON)
    return LORA_ISA_NEON;
#else
    return LORA_ISA_SCALAR;
#endif
}

/* Cheap detection for calls without a pool: the compiler runtime (libgcc /
   compiler-rt) ran CPUID + XGETBV once at start-up and keeps the answer; its
   AVX / AVX-512 feature bits are only set when the OS saves the YMM / ZMM state. */
static lora_isa lora__detect_isa_fast(void) {
#ifdef LORA__X86
    __builtin_cpu_init();
#ifdef LORA__HAVE_AVX512
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2"))
        return LORA_ISA_AVX512;
#endif
#ifdef LORA__HAVE_AVX2
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return LORA_ISA_AVX2;
#endif
    return LORA_ISA_SCALAR;
#else
    return lora_detect_isa();
#endif
}

/* Whether `isa` can run here given the best detected one. */
static int lora__isa_ok(lora_isa isa, lora_isa best) {
    switch (isa) {
    case LORA_ISA_SCALAR: return 1;
    case LORA_ISA_AVX2:
#ifdef LORA__HAVE_AVX2
        return best == LORA_ISA_AVX2 || best == LORA_ISA_AVX512;
#else
        return 0;
#endif
    case LORA_ISA_AVX512: return best == LORA_ISA_AVX512;
    case LORA_ISA_NEON: return best == LORA_ISA_NEON;
    default: return 0;
    }
}

/* LORA_ISA=scalar|avx2|avx512|neon; AUTO when unset, unknown or unsupported. */
static lora_isa lora__env_isa(lora_isa best) {
    const char *e = getenv("LORA_ISA");
    lora_isa want = LORA_ISA_AUTO;
    if (!e || !*e) return LORA_ISA_AUTO;
    if (!strcmp(e, "scalar")) want = LORA_ISA_SCALAR;
    else if (!strcmp(e, "avx2")) want = LORA_ISA_AVX2;
    else if (!strcmp(e, "avx512")) want = LORA_ISA_AVX512;
    else if (!strcmp(e, "neon")) want = LORA_ISA_NEON;
    return (want != LORA_ISA_AUTO && lora__isa_ok(want, best)) ? want : LORA_ISA_AUTO;
}

/* ISA used without a pool: LORA_ISA if set and supported, else the best one. */
static lora_isa lora__null_pool_isa(void) {
    lora_isa best = lora__detect_isa_fast(), env = lora__env_isa(best);
    return env != LORA_ISA_AUTO ? env : best;
}

struct lora_pool {
    int n_threads;
    lora_isa isa, best;
    void *scratch;          /* kernel workspace, used while the pool is held (see lora__pool_acquire) */
    size_t scratch_size;
    int gemm_panels_taken;  /* row panels of a product computed by a thread other than their task's
                               (see lora__gemm_span; a statistic that tests read) */
    int gemm_side_groups;   /* A groups packed by side jobs of the kernel (see lora__side_job; read by tests) */
#ifdef LORA__THREADS
    lora_task_fn fn;        /* current job (atomic accesses) */
    void *ctx;
    int n_tasks;
    uint64_t ticket;        /* gen << 32 | next task (0xffffffff: closed while a job is written) */
    int done;               /* tasks finished in the current run */
    unsigned gen;
    int sleepers;           /* workers blocked on cv_work */
    int caller_waiting;
    int stop;
    int busy;               /* 1 while a run (or a GEMM) owns the pool */
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    pthread_t *threads;
    struct lora__worker *workers;
    int n_started;
#endif
};

#ifdef LORA__THREADS
#define LORA__LOAD(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define LORA__STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define LORA__LOAD_SC(p) __atomic_load_n(p, __ATOMIC_SEQ_CST)
#define LORA__STORE_SC(p, v) __atomic_store_n(p, v, __ATOMIC_SEQ_CST)
/* A store that must be ordered before the load that follows it (the two sides of a wait/wake
   handshake): an atomic exchange, a full barrier on every target. A sequentially consistent
   store is enough on hardware, but qemu's arm64 emulation lets the next load pass it on an x86
   host, and the wake-up was then lost (a caller waited for ever on finished tasks). */
#define LORA__STORE_FENCED(p, v) ((void)__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST))

typedef struct lora__worker { lora_pool *pool; int index; } lora__worker;

static void lora__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

/* Spin counts before blocking (a pause is ~30 ns on recent x86, so ~100 us for idle
   workers and ~50 us for a caller waiting for stragglers; spinning longer only
   steals the CPU from the stragglers when the machine is shared). */
#define LORA__SPIN_WORKER 4000
#define LORA__SPIN_CALLER 2000

/* Claims and runs tasks of generation `gen`; returns when none is left.
   The job (fn, ctx, n_tasks) is read after a ticket of generation `gen` was seen, and
   a claim is a CAS on that exact ticket value. Publishing a job first closes the
   ticket of the new generation (index 0xffffffff), so a worker still holding a ticket
   value of an older generation can never claim a task with the new job's fields. */
static void lora__pool_work(lora_pool *p, unsigned gen, int thread) {
    for (;;) {
        uint64_t t = __atomic_load_n(&p->ticket, __ATOMIC_ACQUIRE);
        lora_task_fn fn;
        void *ctx;
        uint32_t n, idx = (uint32_t)t;
        int finished;
        if ((unsigned)(t >> 32) != gen) return;
        n = (uint32_t)__atomic_load_n(&p->n_tasks, __ATOMIC_ACQUIRE);
        fn = __atomic_load_n(&p->fn, __ATOMIC_ACQUIRE);
        ctx = __atomic_load_n(&p->ctx, __ATOMIC_ACQUIRE);
        if (idx >= n) return;
        if (!__atomic_compare_exchange_n(&p->ticket, &t, t + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
        fn(ctx, (int)idx, thread);
        finished = __atomic_add_fetch(&p->done, 1, __ATOMIC_SEQ_CST);
        if (finished == (int)n && LORA__LOAD_SC(&p->caller_waiting)) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->cv_done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

static void *lora__worker_main(void *arg) {
    lora__worker *w = (lora__worker *)arg;
    lora_pool *p = w->pool;
    unsigned seen = 0; /* the generation at creation: a run or destroy may happen before this thread starts */
    for (;;) {
        unsigned g = LORA__LOAD(&p->gen);
        int spins;
        for (spins = 0; g == seen && spins < LORA__SPIN_WORKER; spins++) {
            lora__cpu_relax();
            g = LORA__LOAD(&p->gen);
        }
        if (g == seen) {
            pthread_mutex_lock(&p->mu);
            __atomic_add_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
            while ((g = LORA__LOAD_SC(&p->gen)) == seen) pthread_cond_wait(&p->cv_work, &p->mu);
            __atomic_sub_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&p->mu);
        }
        seen = g;
        if (LORA__LOAD(&p->stop)) break;
        lora__pool_work(p, g, w->index);
    }
    return NULL;
}

/* Runs a job on a pool that the caller holds (busy == 1). */
static void lora__pool_run_held(lora_pool *p, lora_task_fn fn, void *ctx, int n_tasks) {
    unsigned gen;
    int spins;
    if (n_tasks <= 0) return;
    if (p->n_threads <= 1 || n_tasks == 1) {
        int t;
        for (t = 0; t < n_tasks; t++) fn(ctx, t, 0);
        return;
    }
    gen = LORA__LOAD(&p->gen) + 1;
    /* close the ticket first (see lora__pool_work), then the job, then open it */
    __atomic_store_n(&p->ticket, ((uint64_t)gen << 32) | 0xffffffffu, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->fn, fn, __ATOMIC_RELEASE);
    __atomic_store_n(&p->ctx, ctx, __ATOMIC_RELEASE);
    __atomic_store_n(&p->n_tasks, n_tasks, __ATOMIC_RELEASE);
    __atomic_store_n(&p->done, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&p->ticket, (uint64_t)gen << 32, __ATOMIC_RELEASE);
    LORA__STORE_FENCED(&p->gen, gen);
    if (LORA__LOAD_SC(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv_work);
        pthread_mutex_unlock(&p->mu);
    }
    lora__pool_work(p, gen, 0);
    for (spins = 0; LORA__LOAD(&p->done) < n_tasks && spins < LORA__SPIN_CALLER; spins++) lora__cpu_relax();
    if (LORA__LOAD(&p->done) < n_tasks) {
        pthread_mutex_lock(&p->mu);
        LORA__STORE_FENCED(&p->caller_waiting, 1);
        while (LORA__LOAD_SC(&p->done) < n_tasks) {
            /* woken by the worker that finishes the last task; the timeout (1-2 s) is only a
               safety net against a lost wake-up */
            struct timespec until;
            until.tv_sec = time(NULL) + 2;
            until.tv_nsec = 0;
            pthread_cond_timedwait(&p->cv_done, &p->mu, &until);
        }
        LORA__STORE_SC(&p->caller_waiting, 0);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Takes exclusive use of the pool; 0 when it is already running something
   (a nested call from one of its tasks, or another thread using it). */
static int lora__pool_acquire(lora_pool *p) {
    int expected = 0;
    if (!p) return 0;
    return __atomic_compare_exchange_n(&p->busy, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
static void lora__pool_release(lora_pool *p) { LORA__STORE(&p->busy, 0); }

#else /* no threads: serial pool */

static void lora__pool_run_held(lora_pool *p, lora_task_fn fn, void *ctx, int n_tasks) {
    int t;
    (void)p;
    for (t = 0; t < n_tasks; t++) fn(ctx, t, 0);
}
static int lora__pool_acquire(lora_pool *p) { return p != NULL; }
static void lora__pool_release(lora_pool *p) { (void)p; }

#endif /* LORA__THREADS */

/* Number of threads a held pool runs on (1 for NULL). */
static int lora__pool_nthreads(const lora_pool *p) { return p ? p->n_threads : 1; }

/* Workspace of at least `size` bytes owned by a held pool (NULL on OOM). */
static void *lora__pool_scratch(lora_pool *p, size_t size) {
    if (p->scratch_size < size) {
        void *s = lora__alloc_aligned(size, "thread pool workspace");
        if (!s) return NULL;
        lora__free_aligned(p->scratch);
        p->scratch = s;
        p->scratch_size = size;
    }
    return p->scratch;
}

LORA_API void lora_pool_run(lora_pool *pool, lora_task_fn fn, void *ctx, int n_tasks) {
    int t;
    if (!fn || n_tasks <= 0) return;
    if (lora__pool_acquire(pool)) {
        lora__pool_run_held(pool, fn, ctx, n_tasks);
        lora__pool_release(pool);
        return;
    }
    /* NULL pool, or a pool that is already busy (nested use): run here. */
    for (t = 0; t < n_tasks; t++) fn(ctx, t, 0);
}

LORA_API void lora_pool_destroy(lora_pool *pool) {
    if (!pool) return;
#ifdef LORA__THREADS
    if (pool->n_started > 0) {
        int i;
        pthread_mutex_lock(&pool->mu);
        LORA__STORE_SC(&pool->stop, 1);
        LORA__STORE_SC(&pool->gen, pool->gen + 1);
        pthread_cond_broadcast(&pool->cv_work);
        pthread_mutex_unlock(&pool->mu);
        for (i = 0; i < pool->n_started; i++) pthread_join(pool->threads[i], NULL);
    }
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->cv_work);
    pthread_cond_destroy(&pool->cv_done);
    LORA_FREE(pool->threads);
    LORA_FREE(pool->workers);
#endif
    lora__free_aligned(pool->scratch);
    LORA_FREE(pool);
}

#if defined(LORA__THREADS) && defined(__linux__)
/* Reads a small text file (/proc, /sys) into buf; returns its length or -1. */
static int lora__read_small(const char *path, char *buf, int cap) {
    FILE *f = fopen(path, "r");
    size_t n;
    if (!f) return -1;
    n = fread(buf, 1, (size_t)cap - 1, f);
    fclose(f);
    buf[n] = 0;
    return (int)n;
}
/* CPUs this process may run on: the bits of "Cpus_allowed:" in /proc/self/status (what
   taskset, docker --cpuset-cpus and CI runners restrict); 0 when unknown. */
static int lora__linux_cpus_allowed(void) {
    char buf[8192];
    const char *s;
    int n = 0;
    if (lora__read_small("/proc/self/status", buf, (int)sizeof buf) <= 0) return 0;
    s = strstr(buf, "\nCpus_allowed:");
    if (!s) return 0;
    for (s += 14; *s && *s != '\n'; s++) {
        int v = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
        if (v > 0) n += (v & 1) + ((v >> 1) & 1) + ((v >> 2) & 1) + ((v >> 3) & 1);
    }
    return n;
}
/* CPU time quota of the process's cgroup (docker --cpus, Kubernetes limits), rounded up:
   cgroup v2 "cpu.max" ("max 100000" = none), else v1 cfs_quota_us / cfs_period_us; 0 when none. */
static int lora__linux_cpu_quota(void) {
    char buf[128];
    double quota = -1, period = 0;
    if (lora__read_small("/sys/fs/cgroup/cpu.max", buf, (int)sizeof buf) > 0) {
        if (sscanf(buf, "%lf %lf", &quota, &period) != 2) quota = -1;
    } else if (lora__read_small("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", buf, (int)sizeof buf) > 0) {
        quota = atof(buf);
        if (lora__read_small("/sys/fs/cgroup/cpu/cpu.cfs_period_us", buf, (int)sizeof buf) > 0) period = atof(buf);
    }
    if (quota <= 0 || period <= 0) return 0;
    return (int)ceil(quota / period);
}
#endif

/* The default thread count: the cores this process can actually use (online cores, limited
   by its CPU affinity mask and its cgroup's CPU quota), so a container or CI runner pinned to
   2 of a host's 128 cores gets 2 threads, as nproc reports. */
static int lora__default_threads(void) {
#ifdef LORA__THREADS
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#ifdef __linux__
    int allowed = lora__linux_cpus_allowed(), quota = lora__linux_cpu_quota();
    if (allowed > 0 && (n <= 0 || allowed < n)) n = allowed;
    if (quota > 0 && quota < n) n = quota;
#endif
    return n > 0 ? (int)(n > 1024 ? 1024 : n) : 1;
#else
    return 1;
#endif
}

LORA_API int lora_default_threads(void) { return lora__default_threads(); }

LORA_API lora_status lora_pool_create(lora_pool **out, int n_threads) {
    lora_pool *p;
    lora_isa env;
    int by_default = n_threads <= 0;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_pool_create: out is NULL");
    *out = NULL;
    if (n_threads <= 0) n_threads = lora__default_threads();
#ifndef LORA__THREADS
    n_threads = 1;
    (void)by_default;
#endif
    if (n_threads > 1024) n_threads = 1024;
    p = (lora_pool *)lora__calloc(1, sizeof *p, "thread pool");
    if (!p) return LORA_ERR_OOM;
    p->n_threads = n_threads;
    p->best = lora_detect_isa();
    env = lora__env_isa(p->best);
    p->isa = env != LORA_ISA_AUTO ? env : p->best;
#ifdef LORA__THREADS
    if (pthread_mutex_init(&p->mu, NULL) != 0) { LORA_FREE(p); return lora__fail(LORA_ERR_OOM, "lora_pool_create: pthread_mutex_init failed"); }
    if (pthread_cond_init(&p->cv_work, NULL) != 0) {
        pthread_mutex_destroy(&p->mu); LORA_FREE(p);
        return lora__fail(LORA_ERR_OOM, "lora_pool_create: pthread_cond_init failed");
    }
    if (pthread_cond_init(&p->cv_done, NULL) != 0) {
        pthread_cond_destroy(&p->cv_work); pthread_mutex_destroy(&p->mu); LORA_FREE(p);
        return lora__fail(LORA_ERR_OOM, "lora_pool_create: pthread_cond_init failed");
    }
    if (n_threads > 1) {
        int i;
        p->threads = (pthread_t *)lora__calloc((size_t)n_threads, sizeof *p->threads, "thread pool threads");
        p->workers = (lora__worker *)lora__calloc((size_t)n_threads, sizeof *p->workers, "thread pool workers");
        if (!p->threads || !p->workers) { lora_pool_destroy(p); return LORA_ERR_OOM; }
        for (i = 1; i < n_threads; i++) {
            int rc;
            p->workers[i].pool = p;
            p->workers[i].index = i;
            rc = pthread_create(&p->threads[p->n_started], NULL, lora__worker_main, &p->workers[i]);
            if (rc != 0) {
                int started = p->n_started + 1;
                lora_pool_destroy(p);
                /* the default count is a wish: run with the threads the system would give us */
                if (by_default && started >= 1) return lora_pool_create(out, started);
                return lora__fail(LORA_ERR_OOM, "lora_pool_create: cannot start thread %d of %d: %s", i, n_threads, strerror(rc));
            }
            p->n_started++;
        }
    }
#endif
    *out = p;
    return LORA_OK;
}

LORA_API int lora_pool_threads(const lora_pool *pool) { return pool ? pool->n_threads : 1; }

LORA_API lora_status lora_pool_set_isa(lora_pool *pool, lora_isa isa) {
    if (!pool) return lora__fail(LORA_ERR_INVALID_ARG, "lora_pool_set_isa: pool is NULL");
    if (isa == LORA_ISA_AUTO) { pool->isa = pool->best; return LORA_OK; }
    if (isa < LORA_ISA_SCALAR || isa > LORA_ISA_NEON)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_pool_set_isa: unknown instruction set %d", (int)isa);
    if (!lora__isa_ok(isa, pool->best))
        return lora__fail(LORA_ERR_UNSUPPORTED, "lora_pool_set_isa: instruction set '%s' is not supported by this CPU or build (best: '%s')",
                          lora_isa_name(isa), lora_isa_name(pool->best));
    pool->isa = isa;
    return LORA_OK;
}

LORA_API lora_isa lora_pool_isa(const lora_pool *pool) { return pool ? pool->isa : lora__null_pool_isa(); }

/* ---- lora/20_matmul.impl.c ---- */
/* ---- single-precision GEMM ----
   BLIS-style: op(A) and op(B) are packed into micro-panels (the packing absorbs
   the transposes, so one register-blocked micro-kernel per ISA serves NN, NT, TN
   and TT), the K dimension is cut into blocks of kc (a function of K only), and
   every element of C is reduced over k in the same order whatever the thread
   count: threads only split C. */

#if defined(__GNUC__) || defined(__clang__)
#define LORA__RESTRICT __restrict__
#define LORA__ALIGNED64 __attribute__((aligned(64)))
#else
#define LORA__RESTRICT
#define LORA__ALIGNED64
#endif

/* g++ 12 flags the `__Y = __Y` idiom of its own _mm*_undefined_* intrinsics once they
   are inlined into C++ code (-Wuninitialized); silence that here, restored at the end. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__cplusplus)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define LORA__MATMUL_DIAG_PUSHED
#endif

/* the engine's one set of x86 target attributes: every part (and model header) uses these */
#ifdef LORA__X86
#define LORA__TARGET_AVX2 __attribute__((target("avx2,fma")))
#define LORA__TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#endif

#define LORA__SIDE_G 4 /* A panels packed per side job (see lora__kern_avx512_body) */
/* What a kernel call copies besides computing its C tile: packing a later A group costs a
   loop of its own that mostly waits on its strided source, and rides almost free on the load
   and store slots the FMAs leave idle (see lora__kern_avx512_body and lora__side_job). */
enum lora__side_kind {
    LORA__SIDE_NONE,    /* a plain kernel call */
    LORA__SIDE_TRANS_A, /* transposed A (a_ri == 1): source rows of 48 floats across 4 panels */
    LORA__SIDE_ROWS_A   /* rows of A contiguous along k (a_ck == 1): 16-k blocks of one panel */
};
/* How an AVX-512 kernel stores its C tile, picked once per call so that each row costs one
   branch: whole vectors or masked ones (a partial tile), and by beta: 0 (C is not read),
   1 (C + alpha * acc, no multiply), other. The FULL modes are the MASKED ones + FULL_BETA0.
   The kernels hold it in an int: an enum-typed local moved d1's register allocation. */
enum lora__store_mode {
    LORA__STORE_MASKED_BETA0, LORA__STORE_MASKED_BETA1, LORA__STORE_MASKED_BETAX,
    LORA__STORE_FULL_BETA0, LORA__STORE_FULL_BETA1, LORA__STORE_FULL_BETAX
};
#define LORA__STORE_MODE(beta, full) ((enum lora__store_mode)(((beta) == 0.0f ? LORA__STORE_MASKED_BETA0 : \
        (beta) == 1.0f ? LORA__STORE_MASKED_BETA1 : LORA__STORE_MASKED_BETAX) + ((full) ? LORA__STORE_FULL_BETA0 : 0)))
static int lora__ceil_div(int a, int b) { return (a + b - 1) / b; }
static int lora__round_up(int a, int b) { return lora__ceil_div(a, b) * b; }

/* Prefetch every cache line of the n floats at p, into L1 (_l1) or towards L2 (_l2). Lines,
   not 16-float steps: a run that does not start on a 64-byte boundary spans one more line
   (malloc'ed matrices usually do not), and missing that line stalls the loads after it. */
#if defined(__GNUC__) || defined(__clang__)
#define LORA__PREFETCH_LINES(p, n, loc) do { \
        const char *lora__pl_ = (const char *)((uintptr_t)(p) & ~(uintptr_t)63), *lora__pe_ = (const char *)((p) + (n)); \
        for (; lora__pl_ < lora__pe_; lora__pl_ += 64) __builtin_prefetch(lora__pl_, 0, loc); } while (0)
#else
#define LORA__PREFETCH_LINES(p, n, loc) ((void)(p), (void)(n))
#endif
/* prefetch the line `bytes` past p into L1 (or L2); the address may lie past the end of p's
   array (a prefetch never faults), so it is formed as an integer, not by pointer arithmetic */
#define LORA__PREFETCH_AHEAD(p, bytes) _mm_prefetch((const char *)((uintptr_t)(p) + (bytes)), _MM_HINT_T0)
#define LORA__PREFETCH_AHEAD_L2(p, bytes) _mm_prefetch((const char *)((uintptr_t)(p) + (bytes)), _MM_HINT_T1)
/* the lines of the 48 floats after the 48 at p (4 lines when p is not line-aligned): the next
   48-column strip of a row of C, which the direct kernels fetch a strip ahead */
#define LORA__PREFETCH_NEXT_STRIP(p) do { LORA__PREFETCH_AHEAD(p, 192); LORA__PREFETCH_AHEAD(p, 256); \
        LORA__PREFETCH_AHEAD(p, 320); LORA__PREFETCH_AHEAD(p, 383); } while (0)
static LORA__UNUSED void lora__prefetch_l1(const float *p, long n) { LORA__PREFETCH_LINES(p, n, 3); }
static LORA__UNUSED void lora__prefetch_l2(const float *p, long n) { LORA__PREFETCH_LINES(p, n, 2); }

/* kernel: C[m x n] (strides rs_c, cs_c) = alpha * Ap^T Bp + beta * C, over kc */
typedef void (*lora__kern_fn)(int kc, const float *Ap, const float *Bp, float *C, long rs_c, long cs_c,
                              int m, int n, float alpha, float beta);
/* pack ceil(nx / W) panels of W x kc (panel p at out + p * kc * W):
   out[p * kc * W + k * W + x % W] = S[x * sx + k * sk] for x < nx, zero up to the next multiple of W */
typedef void (*lora__pack_fn)(const float *S, long sx, long sk, int nx, int kc, int W, float *out);

typedef struct lora__gemm_cfg {
    int mr, nr;      /* micro-tile */
    int kc;          /* max K block */
    int nb;          /* max columns of the per-thread packed B block (multiple of nr) */
    int mcb, ncb;    /* macro block of C handled per dispatch */
    lora__kern_fn kern;
    lora__pack_fn pack;
    /* optional direct kernels for skinny shapes (see lora__d1_avx512 / lora__d2_avx512) */
    void (*d1)(int K, const float *U, long u_ri, long u_ck, const float *V, long v_rk,
               float *C, long rs_c, long cs_c, int m, int n, float alpha, float beta);
    int d1_mr, d1_nr;
    void (*d2)(int K, const float *A, long lda, const float *Bt, long ldbt,
               float *C, long ldc, int m, int n, float alpha, float beta);
    int d2_mr, d2_nr;
    /* optional d1 for K <= 8 that keeps V in registers (see lora__d3_avx512) */
    void (*d3)(int K, const float *U, long u_ri, long u_ck, const float *V, long v_rk,
               float *C, long ldc, int m, int n, float alpha, float beta);
    int d3_mr, d3_nr;
    /* optional kernel that also packs part of a later A panel group: LORA__SIDE_TRANS_A rows of
       transposed A, LORA__SIDE_ROWS_A 16-k blocks of rows contiguous along k (see lora__kern_avx512_body) */
    void (*kern_side)(enum lora__side_kind kind, int kc, const float *Ap, const float *Bp, float *C, long rs_c, long cs_c, int m, int n,
                      float alpha, float beta, const float *src, long stride, int rows, float *dst, long pstride);
} lora__gemm_cfg;

/* ---------------- scalar ---------------- */
#define LORA__S_MR 4
#define LORA__S_NR 8
static void lora__kern_scalar(int kc, const float *Ap, const float *Bp, float *C, long rs_c, long cs_c,
                              int m, int n, float alpha, float beta) {
    float acc[LORA__S_MR][LORA__S_NR];
    int i, j, k;
    memset(acc, 0, sizeof acc);
    for (k = 0; k < kc; k++) {
        for (i = 0; i < LORA__S_MR; i++) {
            float a = Ap[i];
            for (j = 0; j < LORA__S_NR; j++) acc[i][j] += a * Bp[j];
        }
        Ap += LORA__S_MR; Bp += LORA__S_NR;
    }
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            float *c = C + i * rs_c + j * cs_c;
            *c = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *c;
        }
}

static void lora__pack_scalar(const float *S, long sx, long sk, int nx, int kc, int W, float *out) {
    int x, k, p;
    for (p = 0; p < nx; p += W, out += (long)kc * W, S += W * sx) {
        int w = nx - p < W ? nx - p : W;
        for (k = 0; k < kc; k++) {
            float *o = out + (long)k * W;
            for (x = 0; x < w; x++) o[x] = S[x * sx + k * sk];
            for (; x < W; x++) o[x] = 0.0f;
        }
    }
}

static const lora__gemm_cfg lora__cfg_scalar = { LORA__S_MR, LORA__S_NR, 256, 256, 256, 4096, lora__kern_scalar, lora__pack_scalar, NULL, 0, 0, NULL, 0, 0, NULL, 0, 0, NULL };

/* ---------------- x86 shared: packing with 8x8 / 4x4 transposes ---------------- */
#ifdef LORA__X86
LORA__TARGET_AVX2 static void lora__tr8x8_avx(const float *s, long sx, float *o, long W) {
    __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + sx), r2 = _mm256_loadu_ps(s + 2 * sx),
           r3 = _mm256_loadu_ps(s + 3 * sx), r4 = _mm256_loadu_ps(s + 4 * sx), r5 = _mm256_loadu_ps(s + 5 * sx),
           r6 = _mm256_loadu_ps(s + 6 * sx), r7 = _mm256_loadu_ps(s + 7 * sx);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
           t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
           t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
           u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
           u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
           u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(o + 0 * W, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(o + 1 * W, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(o + 2 * W, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(o + 3 * W, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(o + 4 * W, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(o + 5 * W, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(o + 6 * W, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(o + 7 * W, _mm256_permute2f128_ps(u3, u7, 0x31));
}

LORA__TARGET_AVX2 static void lora__tr4x4_sse(const float *s, long sx, float *o, long W) {
    __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + sx), r2 = _mm_loadu_ps(s + 2 * sx), r3 = _mm_loadu_ps(s + 3 * sx);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(o, r0); _mm_storeu_ps(o + W, r1); _mm_storeu_ps(o + 2 * W, r2); _mm_storeu_ps(o + 3 * W, r3);
}

/* one panel (nx <= W) from rows of S that are contiguous along k */
LORA__TARGET_AVX2 static void lora__pack_panel_t_avx(const float *S, long sx, int nx, int kc, int W, float *out) {
    int x = 0, k;
    for (; x + 8 <= nx; x += 8) {
        const float *s = S + x * sx;
        for (k = 0; k + 8 <= kc; k += 8) lora__tr8x8_avx(s + k, sx, out + (long)k * W + x, W);
        for (; k < kc; k++) {
            int i;
            for (i = 0; i < 8; i++) out[(long)k * W + x + i] = s[i * sx + k];
        }
    }
    for (; x + 4 <= nx; x += 4) {
        const float *s = S + x * sx;
        for (k = 0; k + 4 <= kc; k += 4) lora__tr4x4_sse(s + k, sx, out + (long)k * W + x, W);
        for (; k < kc; k++) {
            int i;
            for (i = 0; i < 4; i++) out[(long)k * W + x + i] = s[i * sx + k];
        }
    }
    for (; x < nx; x++) {
        const float *s = S + x * sx;
        for (k = 0; k < kc; k++) out[(long)k * W + x] = s[k];
    }
    for (; x < W; x++)
        for (k = 0; k < kc; k++) out[(long)k * W + x] = 0.0f;
}

LORA__TARGET_AVX2 static void lora__pack_avx(const float *S, long sx, long sk, int nx, int kc, int W, float *out) {
    int x, k, p;
    if (sx == 1) {
        /* rows of op(S) contiguous along x: walk each source row once, left to right */
        for (k = 0; k < kc; k++) {
            const float *s = S + k * sk;
            float *o = out + (long)k * W;
            if (k + 4 < kc) lora__prefetch_l1(s + 4 * sk, nx); /* the rows are far apart: a few rows ahead */
            for (p = 0; p < nx; p += W, o += (long)kc * W, s += W) {
                int w = nx - p < W ? nx - p : W;
                if (w == 6 && W == 6) { /* the 6-row A panels: 4 + 2 floats, not 6 scalar copies */
                    _mm_storeu_ps(o, _mm_loadu_ps(s));
                    _mm_storel_pi((__m64 *)(void *)(o + 4), _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(const void *)(s + 4)));
                    continue;
                }
                x = 0;
                for (; x + 8 <= w; x += 8) _mm256_storeu_ps(o + x, _mm256_loadu_ps(s + x));
                for (; x < w; x++) o[x] = s[x];
                for (; x < W; x++) o[x] = 0.0f;
            }
        }
        return;
    }
    if (sk != 1) { lora__pack_scalar(S, sx, sk, nx, kc, W, out); return; }
    for (p = 0; p < nx; p += W, out += (long)kc * W, S += W * sx)
        lora__pack_panel_t_avx(S, sx, nx - p < W ? nx - p : W, kc, W, out);
}

/* C = alpha * acc + beta * C for a tile held in memory (general strides), with one
   rounding per element as in the vector paths: fma(alpha, acc, beta * c). */
LORA__TARGET_AVX2 static void lora__store_tile_fma(const float *acc, int ldacc, float *C, long rs_c, long cs_c,
                                                   int m, int n, float alpha, float beta) {
    int i, j;
    __m128 va = _mm_set_ss(alpha);
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            float *c = C + i * rs_c + j * cs_c;
            __m128 t = _mm_mul_ss(va, _mm_set_ss(acc[i * ldacc + j]));
            if (beta != 0.0f) t = _mm_fmadd_ss(va, _mm_set_ss(acc[i * ldacc + j]), _mm_set_ss(beta * *c));
            *c = _mm_cvtss_f32(t);
        }
}
#endif /* LORA__X86 */

/* ---------------- AVX2 + FMA: 6 x 16 ---------------- */
#ifdef LORA__HAVE_AVX2
#define LORA__A2_MR 6
#define LORA__A2_NR 16
#define LORA__A2_CPF 64 /* k steps before the end when the C tile is fetched into L1 */
LORA__TARGET_AVX2 static void lora__kern_avx2(int kc, const float *LORA__RESTRICT Ap, const float *LORA__RESTRICT Bp,
                                              float *C, long rs_c, long cs_c, int m, int n, float alpha, float beta) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    int k, k_c = kc > LORA__A2_CPF ? kc - LORA__A2_CPF : 0, i;
    if (cs_c == 1) /* the C tile: towards L2 now, into L1 near the end (as in the AVX-512 kernel) */
        for (i = 0; i < m; i++) lora__prefetch_l2(C + i * rs_c, n);
#define LORA__A2_STEP { \
        __m256 b0 = _mm256_load_ps(Bp), b1 = _mm256_load_ps(Bp + 8), a; \
        _mm_prefetch((const char *)(Bp + 16 * 8), _MM_HINT_T0); \
        _mm_prefetch((const char *)(Ap + 384), _MM_HINT_T0); \
        a = _mm256_broadcast_ss(Ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01); \
        a = _mm256_broadcast_ss(Ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11); \
        a = _mm256_broadcast_ss(Ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21); \
        a = _mm256_broadcast_ss(Ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31); \
        a = _mm256_broadcast_ss(Ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41); \
        a = _mm256_broadcast_ss(Ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51); \
        Ap += LORA__A2_MR; Bp += LORA__A2_NR; }
    for (k = 0; k < k_c; k++) LORA__A2_STEP
    if (cs_c == 1)
        for (i = 0; i < m; i++) lora__prefetch_l1(C + i * rs_c, n);
    for (; k < kc; k++) LORA__A2_STEP
#undef LORA__A2_STEP
    if (m == LORA__A2_MR && n == LORA__A2_NR && cs_c == 1) {
        __m256 va = _mm256_set1_ps(alpha);
        float *r0 = C, *r1 = C + rs_c, *r2 = C + 2 * rs_c, *r3 = C + 3 * rs_c, *r4 = C + 4 * rs_c, *r5 = C + 5 * rs_c;
        if (beta == 0.0f) {
#define LORA__A2_ST0(r, x0, x1) _mm256_storeu_ps(r, _mm256_mul_ps(va, x0)); _mm256_storeu_ps(r + 8, _mm256_mul_ps(va, x1));
            LORA__A2_ST0(r0, c00, c01) LORA__A2_ST0(r1, c10, c11) LORA__A2_ST0(r2, c20, c21)
            LORA__A2_ST0(r3, c30, c31) LORA__A2_ST0(r4, c40, c41) LORA__A2_ST0(r5, c50, c51)
        } else if (beta == 1.0f) {
#define LORA__A2_ST1(r, x0, x1) _mm256_storeu_ps(r, _mm256_fmadd_ps(va, x0, _mm256_loadu_ps(r))); \
            _mm256_storeu_ps(r + 8, _mm256_fmadd_ps(va, x1, _mm256_loadu_ps(r + 8)));
            LORA__A2_ST1(r0, c00, c01) LORA__A2_ST1(r1, c10, c11) LORA__A2_ST1(r2, c20, c21)
            LORA__A2_ST1(r3, c30, c31) LORA__A2_ST1(r4, c40, c41) LORA__A2_ST1(r5, c50, c51)
        } else {
            __m256 vb = _mm256_set1_ps(beta);
#define LORA__A2_STB(r, x0, x1) _mm256_storeu_ps(r, _mm256_fmadd_ps(va, x0, _mm256_mul_ps(vb, _mm256_loadu_ps(r)))); \
            _mm256_storeu_ps(r + 8, _mm256_fmadd_ps(va, x1, _mm256_mul_ps(vb, _mm256_loadu_ps(r + 8))));
            LORA__A2_STB(r0, c00, c01) LORA__A2_STB(r1, c10, c11) LORA__A2_STB(r2, c20, c21)
            LORA__A2_STB(r3, c30, c31) LORA__A2_STB(r4, c40, c41) LORA__A2_STB(r5, c50, c51)
        }
    } else {
        float t[LORA__A2_MR * LORA__A2_NR] LORA__ALIGNED64;
#define LORA__A2_T(i, x0, x1) _mm256_store_ps(t + (i) * 16, x0); _mm256_store_ps(t + (i) * 16 + 8, x1);
        LORA__A2_T(0, c00, c01) LORA__A2_T(1, c10, c11) LORA__A2_T(2, c20, c21)
        LORA__A2_T(3, c30, c31) LORA__A2_T(4, c40, c41) LORA__A2_T(5, c50, c51)
        lora__store_tile_fma(t, LORA__A2_NR, C, rs_c, cs_c, m, n, alpha, beta);
    }
}

/* Direct kernels for skinny products (the AVX-512 d1 / d2 with 16 registers).
   d1: C[m x n] (m <= 4, any n, in 24-column pieces) = alpha * sum_k U(i,k) V[k * v_rk + j] + beta * C.
   Partial pieces load V with a mask and store through lora__store_tile_fma (no masked stores,
   which are slow on some cores). */
LORA__TARGET_AVX2 static void lora__d1_avx2(int K, const float *U, long u_ri, long u_ck, const float *V0, long v_rk,
                                            float *C0, long rs_c, long cs_c, int m, int n_all, float alpha, float beta) {
    const float *u0 = U, *u1 = U + (m > 1 ? 1 : 0) * u_ri, *u2 = U + (m > 2 ? 2 : 0) * u_ri, *u3 = U + (m > 3 ? 3 : 0) * u_ri;
    int j0;
    for (j0 = 0; j0 < n_all; j0 += 24) {
        const float *V = V0 + j0;
        float *C = C0 + j0 * cs_c;
        const int n = n_all - j0 < 24 ? n_all - j0 : 24;
        __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00,
               c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00, b0, b1, b2, a;
        long ko = 0;
        int k;
        if (n == 24) {
            for (k = 0; k < K; k++, V += v_rk, ko += u_ck) {
                b0 = _mm256_loadu_ps(V); b1 = _mm256_loadu_ps(V + 8); b2 = _mm256_loadu_ps(V + 16);
#define LORA__D1A2_ROW(u, x0, x1, x2) a = _mm256_broadcast_ss(u + ko); x0 = _mm256_fmadd_ps(a, b0, x0); \
                x1 = _mm256_fmadd_ps(a, b1, x1); x2 = _mm256_fmadd_ps(a, b2, x2);
                LORA__D1A2_ROW(u0, c00, c01, c02) LORA__D1A2_ROW(u1, c10, c11, c12)
                LORA__D1A2_ROW(u2, c20, c21, c22) LORA__D1A2_ROW(u3, c30, c31, c32)
            }
        } else {
            const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane), m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - 8), lane),
                          m2 = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - 16), lane);
            for (k = 0; k < K; k++, V += v_rk, ko += u_ck) {
                b0 = _mm256_maskload_ps(V, m0); b1 = _mm256_maskload_ps(V + 8, m1); b2 = _mm256_maskload_ps(V + 16, m2);
                LORA__D1A2_ROW(u0, c00, c01, c02) LORA__D1A2_ROW(u1, c10, c11, c12)
                LORA__D1A2_ROW(u2, c20, c21, c22) LORA__D1A2_ROW(u3, c30, c31, c32)
            }
        }
#undef LORA__D1A2_ROW
        if (n == 24 && cs_c == 1) {
            const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#define LORA__D1A2_ONE(r, x) if (beta == 0.0f) _mm256_storeu_ps(r, _mm256_mul_ps(va, x)); \
            else if (beta == 1.0f) _mm256_storeu_ps(r, _mm256_fmadd_ps(va, x, _mm256_loadu_ps(r))); \
            else _mm256_storeu_ps(r, _mm256_fmadd_ps(va, x, _mm256_mul_ps(vb, _mm256_loadu_ps(r))));
#define LORA__D1A2_ST(i, x0, x1, x2) if ((i) < m) { float *r = C + (i) * rs_c; LORA__D1A2_ONE(r, x0) \
            LORA__D1A2_ONE(r + 8, x1) LORA__D1A2_ONE(r + 16, x2) }
            LORA__D1A2_ST(0, c00, c01, c02) LORA__D1A2_ST(1, c10, c11, c12)
            LORA__D1A2_ST(2, c20, c21, c22) LORA__D1A2_ST(3, c30, c31, c32)
#undef LORA__D1A2_ST
#undef LORA__D1A2_ONE
        } else {
            float t[4 * 24] LORA__ALIGNED64;
#define LORA__D1A2_T(i, x0, x1, x2) _mm256_store_ps(t + (i) * 24, x0); _mm256_store_ps(t + (i) * 24 + 8, x1); \
            _mm256_store_ps(t + (i) * 24 + 16, x2);
            LORA__D1A2_T(0, c00, c01, c02) LORA__D1A2_T(1, c10, c11, c12) LORA__D1A2_T(2, c20, c21, c22) LORA__D1A2_T(3, c30, c31, c32)
#undef LORA__D1A2_T
            lora__store_tile_fma(t, 24, C, rs_c, cs_c, m, n, alpha, beta);
        }
    }
}

/* 4 vectors -> their 4 horizontal sums, in a fixed order */
LORA__TARGET_AVX2 static __m128 lora__hsum4_avx2(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* d2 (dot products): C[m x n] (m <= 3, n <= 4) = alpha * sum_k A[i * lda + k] Bt[j * ldbt + k] + beta * C,
   both operands contiguous along k. */
LORA__TARGET_AVX2 static void lora__d2_avx2(int K, const float *A, long lda, const float *Bt, long ldbt,
                                            float *C, long ldc, int m, int n, float alpha, float beta) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
           c20 = c00, c21 = c00, c22 = c00, c23 = c00, x0, x1, x2, y;
    const float *a0 = A, *a1 = A + (m > 1 ? 1 : 0) * lda, *a2 = A + (m > 2 ? 2 : 0) * lda;
    const float *b0 = Bt, *b1 = Bt + (n > 1 ? 1 : 0) * ldbt, *b2 = Bt + (n > 2 ? 2 : 0) * ldbt, *b3 = Bt + (n > 3 ? 3 : 0) * ldbt;
    float t[3 * 4];
    int k = 0;
#define LORA__D2A2_COL(b, z0, z1, z2, LOAD) y = LOAD(b + k); z0 = _mm256_fmadd_ps(x0, y, z0); \
    z1 = _mm256_fmadd_ps(x1, y, z1); z2 = _mm256_fmadd_ps(x2, y, z2);
    for (; k + 8 <= K; k += 8) {
        x0 = _mm256_loadu_ps(a0 + k); x1 = _mm256_loadu_ps(a1 + k); x2 = _mm256_loadu_ps(a2 + k);
        LORA__D2A2_COL(b0, c00, c10, c20, _mm256_loadu_ps) LORA__D2A2_COL(b1, c01, c11, c21, _mm256_loadu_ps)
        LORA__D2A2_COL(b2, c02, c12, c22, _mm256_loadu_ps) LORA__D2A2_COL(b3, c03, c13, c23, _mm256_loadu_ps)
    }
    if (k < K) {
        const __m256i mk = _mm256_cmpgt_epi32(_mm256_set1_epi32(K - k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
#define LORA__D2A2_ML(p) _mm256_maskload_ps(p, mk)
        x0 = LORA__D2A2_ML(a0 + k); x1 = LORA__D2A2_ML(a1 + k); x2 = LORA__D2A2_ML(a2 + k);
        LORA__D2A2_COL(b0, c00, c10, c20, LORA__D2A2_ML) LORA__D2A2_COL(b1, c01, c11, c21, LORA__D2A2_ML)
        LORA__D2A2_COL(b2, c02, c12, c22, LORA__D2A2_ML) LORA__D2A2_COL(b3, c03, c13, c23, LORA__D2A2_ML)
#undef LORA__D2A2_ML
    }
#undef LORA__D2A2_COL
    _mm_storeu_ps(t, lora__hsum4_avx2(c00, c01, c02, c03));
    _mm_storeu_ps(t + 4, lora__hsum4_avx2(c10, c11, c12, c13));
    _mm_storeu_ps(t + 8, lora__hsum4_avx2(c20, c21, c22, c23));
    lora__store_tile_fma(t, 4, C, ldc, 1, m, n, alpha, beta);
}

static const lora__gemm_cfg lora__cfg_avx2 = { LORA__A2_MR, LORA__A2_NR, 512, 256, 768, 4096, lora__kern_avx2, lora__pack_avx,
    lora__d1_avx2, 4, 384, lora__d2_avx2, 3, 4, NULL, 0, 0, NULL };
#endif

/* ---------------- AVX-512: 12 x 32 ---------------- */
#ifdef LORA__HAVE_AVX512
#define LORA__A5_MR 12
#define LORA__A5_NR 32
#define LORA__A5_CPF 48 /* k steps (~12 cycles each) before the end when the C tile is fetched into L1 */
/* One 12-row panel from rows contiguous along k (A of X W and X W^T):
   out[k * 12 + x] = S[x * sx + k] for x < nx (<= 12), zero for x >= nx. 16 k at a time: a
   128-bit block transpose of each 4 rows gives, per 4 k, three registers holding rows 0-3,
   4-7 and 8-11 (lane 4 * (x % 4) + k % 4); two permutes make each of the 3 output registers
   (4 k x 12 rows). Per 16 k: 12 loads, 12 stores and 48 shuffles, where the 8x8 + 4x4 AVX
   transposes took 32, 32 (unaligned, half split across lines) and about 80. */
/* the 16 k (km: those to read) from S (rows x < nx, sx apart) into o[k * 12 + x], 192 floats */
LORA__TARGET_AVX512 static inline __attribute__((always_inline)) void lora__t12_block_avx512(const float *S, long sx, int nx,
                                                                                         __mmask16 km, float *o) {
    /* lane l of output register j is flat index f = 16 j + l of the 4 k x 12 block: k = f / 12,
       row x = f % 12, found in group register x / 4 at lane 4 (x % 4) + k; i_ab picks from
       groups 0 and 1 (index + 16 for group 1), then m_c's lanes are taken from group 2 */
    const __m512i i_ab0 = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 1, 5, 9, 13),
                  i_ab1 = _mm512_setr_epi32(17, 21, 25, 29, 0, 0, 0, 0, 2, 6, 10, 14, 18, 22, 26, 30),
                  i_ab2 = _mm512_setr_epi32(0, 0, 0, 0, 3, 7, 11, 15, 19, 23, 27, 31, 0, 0, 0, 0);
    const __m512i i_c0 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 12, 0, 0, 0, 0),
                  i_c1 = _mm512_setr_epi32(0, 0, 0, 0, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0),
                  i_c2 = _mm512_setr_epi32(2, 6, 10, 14, 0, 0, 0, 0, 0, 0, 0, 0, 3, 7, 11, 15);
    __m512 r0, r1, r2, r3, t0, t1, t2, t3, a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3;
/* row x (zero past nx: a fully masked load reads nothing) */
#define LORA__T12_LD(x) _mm512_maskz_loadu_ps((x) < nx ? km : 0, S + (long)((x) < nx ? (x) : 0) * sx)
/* 128-bit block transpose of 4 rows: g_l = rows' k-block l */
#define LORA__T12_GRP(x, g0, g1, g2, g3) \
    r0 = LORA__T12_LD(x); r1 = LORA__T12_LD(x + 1); r2 = LORA__T12_LD(x + 2); r3 = LORA__T12_LD(x + 3); \
    t0 = _mm512_shuffle_f32x4(r0, r1, 0x44); t1 = _mm512_shuffle_f32x4(r0, r1, 0xee); \
    t2 = _mm512_shuffle_f32x4(r2, r3, 0x44); t3 = _mm512_shuffle_f32x4(r2, r3, 0xee); \
    g0 = _mm512_shuffle_f32x4(t0, t2, 0x88); g1 = _mm512_shuffle_f32x4(t0, t2, 0xdd); \
    g2 = _mm512_shuffle_f32x4(t1, t3, 0x88); g3 = _mm512_shuffle_f32x4(t1, t3, 0xdd);
#define LORA__T12_OUT1(p, ab, mc, ic, a, b, c) \
    _mm512_storeu_ps(p, _mm512_mask_permutexvar_ps(_mm512_permutex2var_ps(a, ab, b), mc, ic, c));
#define LORA__T12_OUT(l, a, b, c) LORA__T12_OUT1(o + 48 * (l), i_ab0, 0x0f00, i_c0, a, b, c) \
    LORA__T12_OUT1(o + 48 * (l) + 16, i_ab1, 0x00f0, i_c1, a, b, c) LORA__T12_OUT1(o + 48 * (l) + 32, i_ab2, 0xf00f, i_c2, a, b, c)
    LORA__T12_GRP(0, a0, a1, a2, a3)
    LORA__T12_GRP(4, b0, b1, b2, b3)
    LORA__T12_GRP(8, c0, c1, c2, c3)
    LORA__T12_OUT(0, a0, b0, c0) LORA__T12_OUT(1, a1, b1, c1) LORA__T12_OUT(2, a2, b2, c2) LORA__T12_OUT(3, a3, b3, c3)
#undef LORA__T12_LD
#undef LORA__T12_GRP
#undef LORA__T12_OUT1
#undef LORA__T12_OUT
}
LORA__TARGET_AVX512 static void lora__pack_panel_t12_avx512(const float *S, long sx, int nx, int kc, float *out) {
    int k;
    for (k = 0; k < kc; k += 16) {
        const int kr = kc - k < 16 ? kc - k : 16;
        float tmp[192] LORA__ALIGNED64;
        lora__t12_block_avx512(S + k, sx, nx, (__mmask16)(kr == 16 ? 0xffff : (1u << kr) - 1), kr == 16 ? out + (long)k * 12 : tmp);
        if (kr < 16) memcpy(out + (long)k * 12, tmp, (size_t)kr * 12 * sizeof(float));
    }
}
/* one source row of a side job: 4 panels' 12 floats (48 contiguous floats, 3 whole cache
   lines when aligned) into the 4 panels, pstride floats apart */
LORA__TARGET_AVX512 static inline __attribute__((always_inline)) void lora__side_row_avx512(const float *src, float *dst, long pstride) {
#define LORA__ALIGNR(b, a, s) _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(b), _mm512_castps_si512(a), s))
    const __m512 x0 = _mm512_loadu_ps(src), x1 = _mm512_loadu_ps(src + 16), x2 = _mm512_loadu_ps(src + 32);
    _mm512_mask_storeu_ps(dst, 0x0fff, x0);
    _mm512_mask_storeu_ps(dst + pstride, 0x0fff, LORA__ALIGNR(x1, x0, 12));
    _mm512_mask_storeu_ps(dst + 2 * pstride, 0x0fff, LORA__ALIGNR(x2, x1, 8));
    _mm512_mask_storeu_ps(dst + 3 * pstride, 0x0fff, LORA__ALIGNR(x2, x2, 4));
#undef LORA__ALIGNR
}
#ifndef LORA__SIDE_PF1
#define LORA__SIDE_PF1 6  /* side job rows prefetched into L1 ahead (rows 4 KB apart share a set) */
#endif
#ifndef LORA__SIDE_PF2
#define LORA__SIDE_PF2 40 /* ... and towards L2 */
#endif
#ifndef LORA__SIDE_PF3
#define LORA__SIDE_PF3 2  /* 16-k blocks of rows contiguous along k prefetched ahead */
#endif
/* The kernel may also carry a side job (see lora__side_job): copy `rows` source rows of a
   group of 4 transposed-A panels into their packed form, row j being the 48 floats at
   src + j * stride, which go to row j (dst + j * 12) of the 4 panels, pstride floats apart;
   one row every kc / rows k steps, so that the loads are spread over the call. The copies use
   load and store slots the FMAs leave idle and their rows are prefetched ahead: packing
   transposed A, 5-8 % of a 3072 x 768 x 512 TN product as a loop of its own (mostly waiting
   for the strided source), then costs about 1 % of the kernel calls that carry it (that is
   LORA__SIDE_TRANS_A). LORA__SIDE_ROWS_A copies `rows` 16-k blocks of one 12-row panel whose rows are contiguous along k instead (A
   of X W and dY W^T): block j is the 16 k at src + 16 j of the rows src + x * stride (x < 12),
   written as the packed panel's rows 16 j ... 16 j + 15 (dst + 192 j); pstride unused.
   LORA__SIDE_NONE / rows = 0: none (the compiler drops it from the plain kernel). */
LORA__TARGET_AVX512 static inline __attribute__((always_inline)) void lora__kern_avx512_body(
        int kc, const float *LORA__RESTRICT Ap, const float *LORA__RESTRICT Bp, float *C, long rs_c, long cs_c,
        int m, int n, float alpha, float beta, enum lora__side_kind kind, const float *src, long stride, int rows, float *dst,
        long pstride) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00,
           c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00,
           c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
    int k, k_c = kc > LORA__A5_CPF ? kc - LORA__A5_CPF : 0, i;
    /* The C tile: towards L2 now, into L1 LORA__A5_CPF steps before the end (fetched into L1
       now, the A and B streams would evict it before use; with beta != 0 its loads then stall) */
    if (cs_c == 1)
        for (i = 0; i < m; i++) lora__prefetch_l2(C + i * rs_c, n);
#define LORA__A5_STEP { \
        __m512 b0 = _mm512_load_ps(Bp), b1 = _mm512_load_ps(Bp + 16), a; \
        _mm_prefetch((const char *)(Bp + 32 * 8), _MM_HINT_T0); \
        _mm_prefetch((const char *)(Bp + 32 * 8 + 16), _MM_HINT_T0); \
        _mm_prefetch((const char *)(Ap + 768), _MM_HINT_T0); /* A panel (L1 after the first call, not always) */ \
        LORA__A5_ROW(0, c00, c01) LORA__A5_ROW(1, c10, c11) LORA__A5_ROW(2, c20, c21) \
        LORA__A5_ROW(3, c30, c31) LORA__A5_ROW(4, c40, c41) LORA__A5_ROW(5, c50, c51) \
        LORA__A5_ROW(6, c60, c61) LORA__A5_ROW(7, c70, c71) LORA__A5_ROW(8, c80, c81) \
        LORA__A5_ROW(9, c90, c91) LORA__A5_ROW(10, ca0, ca1) LORA__A5_ROW(11, cb0, cb1) \
        Ap += LORA__A5_MR; Bp += LORA__A5_NR; }
#define LORA__A5_ROW(i, x0, x1) a = _mm512_set1_ps(Ap[i]); x0 = _mm512_fmadd_ps(a, b0, x0); x1 = _mm512_fmadd_ps(a, b1, x1);
#define LORA__A5_SIDE { \
        if (kind == LORA__SIDE_TRANS_A) { \
            lora__side_row_avx512(src, dst, pstride); \
            lora__prefetch_l2((const float *)((uintptr_t)src + (uintptr_t)(LORA__SIDE_PF2 * stride * 4)), 12 * LORA__SIDE_G); \
            lora__prefetch_l1((const float *)((uintptr_t)src + (uintptr_t)(LORA__SIDE_PF1 * stride * 4)), 12 * LORA__SIDE_G); \
            src += stride; dst += 12; \
        } else { /* LORA__SIDE_ROWS_A */ \
            int x_; \
            lora__t12_block_avx512(src, stride, 12, 0xffff, dst); \
            for (x_ = 0; x_ < 12; x_++) LORA__PREFETCH_AHEAD(src + x_ * stride, 64 * LORA__SIDE_PF3); \
            src += 16; dst += 192; \
        } }
    if (rows > 0) {
        /* one side row every `every` k steps: the source rows are spread over the call */
        const int every = rows < kc ? kc / rows : 1;
        int done = 0, cpf = 0;
        for (k = 0; k < kc;) {
            const int k_end = kc - k < every ? kc : k + every;
            if (done < rows) { LORA__A5_SIDE done++; }
            if (!cpf && k_end > k_c) {
                if (cs_c == 1)
                    for (i = 0; i < m; i++) lora__prefetch_l1(C + i * rs_c, n);
                cpf = 1;
            }
            for (; k < k_end; k++) LORA__A5_STEP
        }
        for (; done < rows; done++) LORA__A5_SIDE
    } else {
        for (k = 0; k < k_c; k++) LORA__A5_STEP
        if (cs_c == 1)
            for (i = 0; i < m; i++) lora__prefetch_l1(C + i * rs_c, n);
        for (; k < kc; k++) LORA__A5_STEP
    }
#undef LORA__A5_SIDE
#undef LORA__A5_STEP
    if (cs_c == 1) {
        __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
        __mmask16 k0 = (__mmask16)(n >= 16 ? 0xffff : (1u << n) - 1);
        __mmask16 k1 = (__mmask16)(n >= 32 ? 0xffff : n <= 16 ? 0 : (1u << (n - 16)) - 1);
        const int mode = LORA__STORE_MODE(beta, n == LORA__A5_NR);
#define LORA__A5_ST(i, x0, x1) if ((i) < m) { float *r = C + (i) * rs_c; \
            if (mode == LORA__STORE_FULL_BETA0) { _mm512_storeu_ps(r, _mm512_mul_ps(va, x0)); \
                _mm512_storeu_ps(r + 16, _mm512_mul_ps(va, x1)); } \
            else if (mode == LORA__STORE_FULL_BETA1) { _mm512_storeu_ps(r, _mm512_fmadd_ps(va, x0, _mm512_loadu_ps(r))); \
                _mm512_storeu_ps(r + 16, _mm512_fmadd_ps(va, x1, _mm512_loadu_ps(r + 16))); } \
            else if (mode == LORA__STORE_FULL_BETAX) { _mm512_storeu_ps(r, _mm512_fmadd_ps(va, x0, _mm512_mul_ps(vb, _mm512_loadu_ps(r)))); \
                _mm512_storeu_ps(r + 16, _mm512_fmadd_ps(va, x1, _mm512_mul_ps(vb, _mm512_loadu_ps(r + 16)))); } \
            else if (mode == LORA__STORE_MASKED_BETA0) { _mm512_mask_storeu_ps(r, k0, _mm512_mul_ps(va, x0)); \
                _mm512_mask_storeu_ps(r + 16, k1, _mm512_mul_ps(va, x1)); } \
            else if (mode == LORA__STORE_MASKED_BETA1) { _mm512_mask_storeu_ps(r, k0, _mm512_fmadd_ps(va, x0, _mm512_maskz_loadu_ps(k0, r))); \
                _mm512_mask_storeu_ps(r + 16, k1, _mm512_fmadd_ps(va, x1, _mm512_maskz_loadu_ps(k1, r + 16))); } \
            else { /* LORA__STORE_MASKED_BETAX */ \
                _mm512_mask_storeu_ps(r, k0, _mm512_fmadd_ps(va, x0, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(k0, r)))); \
                _mm512_mask_storeu_ps(r + 16, k1, _mm512_fmadd_ps(va, x1, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(k1, r + 16)))); } }
        LORA__A5_ST(0, c00, c01) LORA__A5_ST(1, c10, c11) LORA__A5_ST(2, c20, c21)
        LORA__A5_ST(3, c30, c31) LORA__A5_ST(4, c40, c41) LORA__A5_ST(5, c50, c51)
        LORA__A5_ST(6, c60, c61) LORA__A5_ST(7, c70, c71) LORA__A5_ST(8, c80, c81)
        LORA__A5_ST(9, c90, c91) LORA__A5_ST(10, ca0, ca1) LORA__A5_ST(11, cb0, cb1)
    } else {
        float t[LORA__A5_MR * LORA__A5_NR] LORA__ALIGNED64;
#define LORA__A5_T(i, x0, x1) _mm512_store_ps(t + (i) * 32, x0); _mm512_store_ps(t + (i) * 32 + 16, x1);
        LORA__A5_T(0, c00, c01) LORA__A5_T(1, c10, c11) LORA__A5_T(2, c20, c21)
        LORA__A5_T(3, c30, c31) LORA__A5_T(4, c40, c41) LORA__A5_T(5, c50, c51)
        LORA__A5_T(6, c60, c61) LORA__A5_T(7, c70, c71) LORA__A5_T(8, c80, c81)
        LORA__A5_T(9, c90, c91) LORA__A5_T(10, ca0, ca1) LORA__A5_T(11, cb0, cb1)
        lora__store_tile_fma(t, LORA__A5_NR, C, rs_c, cs_c, m, n, alpha, beta);
    }
}
LORA__TARGET_AVX512 static void lora__kern_avx512(int kc, const float *LORA__RESTRICT Ap, const float *LORA__RESTRICT Bp,
                                                  float *C, long rs_c, long cs_c, int m, int n, float alpha, float beta) {
    lora__kern_avx512_body(kc, Ap, Bp, C, rs_c, cs_c, m, n, alpha, beta, LORA__SIDE_NONE, NULL, 0, 0, NULL, 0);
}
LORA__TARGET_AVX512 static void lora__kern_side_avx512(enum lora__side_kind kind, int kc, const float *Ap, const float *Bp, float *C,
                                                       long rs_c, long cs_c, int m, int n, float alpha, float beta,
                                                       const float *src, long stride, int rows, float *dst, long pstride) {
    lora__kern_avx512_body(kc, Ap, Bp, C, rs_c, cs_c, m, n, alpha, beta, kind, src, stride, rows, dst, pstride);
}
/* packing with 512-bit copies (the transposing case reuses the AVX code) */
#define LORA__PFD 16 /* rows of S prefetched ahead when copying */
/* source rows are far apart: while copying row k, fetch row k + LORA__PFD */
static void lora__prefetch_row_ahead(const float *s, long sk, int nx, int k, int kc) {
    if (k + LORA__PFD < kc) lora__prefetch_l1(s + LORA__PFD * sk, nx);
}
LORA__TARGET_AVX512 static void lora__pack_avx512(const float *S, long sx, long sk, int nx, int kc, int W, float *out) {
    int k, p, k_first = 0; /* rows before k_first packed already (W == 12) */
    if (sx != 1 && sk == 1 && W == 12) {
        for (p = 0; p < nx; p += 12, out += (long)kc * 12, S += 12 * sx)
            lora__pack_panel_t12_avx512(S, sx, nx - p < 12 ? nx - p : 12, kc, out);
        return;
    }
    if (sx != 1) { lora__pack_avx(S, sx, sk, nx, kc, W, out); return; }
    if (W == 12) {
        /* the 12-row A panels: 4 panel rows (48 floats, whole cache lines when kc % 4 == 0)
           as 3 16-float stores, put together with two-source permutes (a 16-float store per
           row would split 3 in 4 across cache lines: measured 2 % of a whole 3072x768x512 TN
           product); the last kc % 4 rows go through the narrow-panel loop below */
        const __m512i i0 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19);
        const __m512i i1 = _mm512_setr_epi32(4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23);
        const __m512i i2 = _mm512_setr_epi32(8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27);
        const int k4 = kc & ~3;
        for (k = 0; k < k4; k += 4) {
            const float *s = S + k * sk;
            float *o = out + (long)k * 12;
            lora__prefetch_row_ahead(s, sk, nx, k, kc);
            lora__prefetch_row_ahead(s + sk, sk, nx, k + 1, kc);
            lora__prefetch_row_ahead(s + 2 * sk, sk, nx, k + 2, kc);
            lora__prefetch_row_ahead(s + 3 * sk, sk, nx, k + 3, kc);
            for (p = 0; p < nx; p += 12, o += (long)kc * 12) {
                int v = nx - p;
                const __mmask16 lm = (__mmask16)(v >= 12 ? 0x0fff : (1u << v) - 1);
                __m512 r0 = _mm512_maskz_loadu_ps(lm, s + p), r1 = _mm512_maskz_loadu_ps(lm, s + sk + p),
                       r2 = _mm512_maskz_loadu_ps(lm, s + 2 * sk + p), r3 = _mm512_maskz_loadu_ps(lm, s + 3 * sk + p);
                _mm512_storeu_ps(o, _mm512_permutex2var_ps(r0, i0, r1));
                _mm512_storeu_ps(o + 16, _mm512_permutex2var_ps(r1, i1, r2));
                _mm512_storeu_ps(o + 32, _mm512_permutex2var_ps(r2, i2, r3));
            }
        }
        k_first = k4;
    }
    if (W < 16) {
        /* other narrow panels: one 16-float store per panel row; its extra lanes spill into
           the next rows of the panel, which later k overwrite (masked stores, slow on some
           cores, only for the last rows, whose spill would leave the panel: the last one for
           W >= 8, more below; tests/test_internal_pack.c caught W < 8 overwriting the next
           panel's first rows) */
        const __mmask16 wm = (__mmask16)((1u << W) - 1);
        const int spill_rows = (16 - 1) / W; /* rows after this one that a 16-float store reaches */
        for (k = k_first; k < kc; k++) {
            const float *s = S + k * sk;
            float *o = out + (long)k * W;
            lora__prefetch_row_ahead(s, sk, nx, k, kc);
            for (p = 0; p < nx; p += W, o += (long)kc * W) {
                int v = nx - p;
                __m512 x = _mm512_maskz_loadu_ps(v >= W ? wm : (__mmask16)((1u << v) - 1), s + p);
                if (k + spill_rows < kc) _mm512_storeu_ps(o, x);
                else _mm512_mask_storeu_ps(o, wm, x);
            }
        }
        return;
    }
    if (W != 32 && W != 16) {
        /* any width: each panel row as masked 16-float pieces (zero beyond nx) */
        for (k = 0; k < kc; k++) {
            const float *s = S + k * sk;
            float *o = out + (long)k * W;
            lora__prefetch_row_ahead(s, sk, nx, k, kc);
            for (p = 0; p < nx; p += W, o += (long)kc * W) {
                int x;
                for (x = 0; x < W; x += 16) {
                    int w = W - x < 16 ? W - x : 16, v = nx - p - x;
                    __mmask16 ms = (__mmask16)((1u << w) - 1), ml = (__mmask16)(v >= w ? ms : v <= 0 ? 0 : (1u << v) - 1);
                    _mm512_mask_storeu_ps(o + x, ms, _mm512_maskz_loadu_ps(ml, s + p + x));
                }
            }
        }
        return;
    }
    for (k = 0; k < kc; k++) {
        const float *s = S + k * sk;
        float *o = out + (long)k * W;
        lora__prefetch_row_ahead(s, sk, nx, k, kc);
        if (W == 32) {
            for (p = 0; p + 32 <= nx; p += 32, o += (long)kc * 32) {
                __m512 a = _mm512_loadu_ps(s + p), b = _mm512_loadu_ps(s + p + 16);
                _mm512_store_ps(o, a);
                _mm512_store_ps(o + 16, b);
            }
            if (p < nx) {
                int w = nx - p;
                __mmask16 m0 = (__mmask16)(w >= 16 ? 0xffff : (1u << w) - 1), m1 = (__mmask16)(w <= 16 ? 0 : (1u << (w - 16)) - 1);
                _mm512_store_ps(o, _mm512_maskz_loadu_ps(m0, s + p));
                _mm512_store_ps(o + 16, _mm512_maskz_loadu_ps(m1, s + p + 16));
            }
        } else {
            for (p = 0; p + 16 <= nx; p += 16, o += (long)kc * 16) _mm512_store_ps(o, _mm512_loadu_ps(s + p));
            if (p < nx) _mm512_store_ps(o, _mm512_maskz_loadu_ps((__mmask16)((1u << (nx - p)) - 1), s + p));
        }
    }
}
/* Direct (unpacked) kernels for skinny products, where packing does not pay.
   d1: C[m x n] (m <= 8, any n, in tiles of 8 x 48) = alpha * sum_k U(i,k) V[k * v_rk + j] + beta * C,
       with U(i,k) = U[i * u_ri + k * u_ck] broadcast and V read in place (rows
       contiguous along j). Rows past m and columns past n are never read.
       V is usually cold (an activation or gradient last touched many products ago, 1.5-6 MB):
       K goes in chunks of LORA__D1_KB rows, each chunk over every 48-column tile of the call
       (up to 384 columns) with the tile's sums carried in acc, so V is fetched in whole row
       runs, a chunk ahead (prefetched towards L2 while the chunk before computes). Every sum
       still runs over k in order, in one accumulator: the results do not change. */
#define LORA__D1_KB 32
LORA__TARGET_AVX512 static void lora__d1_avx512(int K, const float *U, long u_ri, long u_ck, const float *V0, long v_rk,
                                                float *C0, long rs_c, long cs_c, int m, int n_all, float alpha, float beta) {
    const float *u0 = U, *u1 = U + (m > 1 ? 1 : 0) * u_ri, *u2 = U + (m > 2 ? 2 : 0) * u_ri, *u3 = U + (m > 3 ? 3 : 0) * u_ri,
                *u4 = U + (m > 4 ? 4 : 0) * u_ri, *u5 = U + (m > 5 ? 5 : 0) * u_ri, *u6 = U + (m > 6 ? 6 : 0) * u_ri,
                *u7 = U + (m > 7 ? 7 : 0) * u_ri;
    float acc[8 * 384] LORA__ALIGNED64;
    int nb, kb0, j0, k;
    for (nb = 0; nb < n_all; nb += 384) { /* column blocks of at most 384 (the acc buffer) */
    const int n_blk = n_all - nb < 384 ? n_all - nb : 384;
    /* the first chunk of V towards L2 (cold V, e.g. activations read once); with K in one chunk
       V is small and reused by every row tile (a rank-r update), so already cached */
    if (K > LORA__D1_KB) for (k = 0; k < LORA__D1_KB; k++) lora__prefetch_l2(V0 + (long)k * v_rk + nb, n_blk);
    for (kb0 = 0; kb0 < K; kb0 += LORA__D1_KB) {
    const int kb1 = K - kb0 < LORA__D1_KB ? K : kb0 + LORA__D1_KB, last = kb1 == K;
    for (j0 = nb; j0 < nb + n_blk; j0 += 48) { /* 48-column tiles */
    const float *V = V0 + (long)kb0 * v_rk + j0;
    float *C = C0 + j0 * cs_c, *a_t = acc + (j0 - nb) * 8;
    int n = nb + n_blk - j0 < 48 ? nb + n_blk - j0 : 48;
    __m512 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52,
           c60, c61, c62, c70, c71, c72;
    __mmask16 k0 = (__mmask16)(n >= 16 ? 0xffff : (1u << n) - 1);
    __mmask16 k1 = (__mmask16)(n >= 32 ? 0xffff : n <= 16 ? 0 : (1u << (n - 16)) - 1);
    __mmask16 k2 = (__mmask16)(n >= 48 ? 0xffff : n <= 32 ? 0 : (1u << (n - 32)) - 1);
    /* the next chunk's rows of this tile: prefetched one row per k step */
    const long pf_rows = K - kb1 < LORA__D1_KB ? K - kb1 : LORA__D1_KB;
    long ko = (long)kb0 * u_ck;
    if (kb0 == 0) {
        c00 = _mm512_setzero_ps(); c01 = c00; c02 = c00; c10 = c00; c11 = c00; c12 = c00; c20 = c00; c21 = c00;
        c22 = c00; c30 = c00; c31 = c00; c32 = c00; c40 = c00; c41 = c00; c42 = c00; c50 = c00; c51 = c00;
        c52 = c00; c60 = c00; c61 = c00; c62 = c00; c70 = c00; c71 = c00; c72 = c00;
    } else {
#define LORA__D1_LD(i, x0, x1, x2) x0 = _mm512_load_ps(a_t + (i) * 48); x1 = _mm512_load_ps(a_t + (i) * 48 + 16); \
        x2 = _mm512_load_ps(a_t + (i) * 48 + 32);
        LORA__D1_LD(0, c00, c01, c02) LORA__D1_LD(1, c10, c11, c12) LORA__D1_LD(2, c20, c21, c22)
        LORA__D1_LD(3, c30, c31, c32) LORA__D1_LD(4, c40, c41, c42) LORA__D1_LD(5, c50, c51, c52)
        LORA__D1_LD(6, c60, c61, c62) LORA__D1_LD(7, c70, c71, c72)
    }
    if (last && cs_c == 1) {
        /* the C tile into L1. With K in one chunk (a rank-r update, K <= 32: few k steps per
           tile) that is too late when C comes from L3 or memory: there, fetch this tile before
           the first strip and the next strip's lines during each (+15-29 % for K = 12-16) */
        int i;
        if (j0 == nb || K > LORA__D1_KB) for (i = 0; i < m; i++) lora__prefetch_l1(C + i * rs_c, n);
        if (K <= LORA__D1_KB)
            for (i = 0; i < m; i++) LORA__PREFETCH_NEXT_STRIP(C + i * rs_c);
    }
    for (k = kb0; k < kb1; k++, V += v_rk, ko += u_ck) {
        __m512 b0 = _mm512_maskz_loadu_ps(k0, V), b1 = _mm512_maskz_loadu_ps(k1, V + 16), b2 = _mm512_maskz_loadu_ps(k2, V + 32), a;
        /* (past the next chunk's last row: V itself again, in cache, cheaper than a branch) */
        const float *pf = k - kb0 < pf_rows ? V + LORA__D1_KB * v_rk : V;
        LORA__PREFETCH_AHEAD_L2(pf, 0); LORA__PREFETCH_AHEAD_L2(pf, 64); LORA__PREFETCH_AHEAD_L2(pf, 128);
#define LORA__D1_ROW(u, x0, x1, x2) a = _mm512_set1_ps(u[ko]); x0 = _mm512_fmadd_ps(a, b0, x0); \
        x1 = _mm512_fmadd_ps(a, b1, x1); x2 = _mm512_fmadd_ps(a, b2, x2);
        LORA__D1_ROW(u0, c00, c01, c02) LORA__D1_ROW(u1, c10, c11, c12) LORA__D1_ROW(u2, c20, c21, c22)
        LORA__D1_ROW(u3, c30, c31, c32) LORA__D1_ROW(u4, c40, c41, c42) LORA__D1_ROW(u5, c50, c51, c52)
        LORA__D1_ROW(u6, c60, c61, c62) LORA__D1_ROW(u7, c70, c71, c72)
    }
    if (!last || cs_c != 1) {
        /* the sums to acc: carried to the next chunk, or (transposed C) stored from there */
#define LORA__D1_T(i, x0, x1, x2) _mm512_store_ps(a_t + (i) * 48, x0); _mm512_store_ps(a_t + (i) * 48 + 16, x1); \
        _mm512_store_ps(a_t + (i) * 48 + 32, x2);
        LORA__D1_T(0, c00, c01, c02) LORA__D1_T(1, c10, c11, c12) LORA__D1_T(2, c20, c21, c22)
        LORA__D1_T(3, c30, c31, c32) LORA__D1_T(4, c40, c41, c42) LORA__D1_T(5, c50, c51, c52)
        LORA__D1_T(6, c60, c61, c62) LORA__D1_T(7, c70, c71, c72)
        if (last) lora__store_tile_fma(a_t, 48, C, rs_c, cs_c, m, n, alpha, beta);
    } else {
        __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
        const int mode = LORA__STORE_MODE(beta, n == 48);
#define LORA__D1_ONE(r, x, km) if (mode == LORA__STORE_FULL_BETA0) _mm512_storeu_ps(r, _mm512_mul_ps(va, x)); \
        else if (mode == LORA__STORE_FULL_BETA1) _mm512_storeu_ps(r, _mm512_fmadd_ps(va, x, _mm512_loadu_ps(r))); \
        else if (mode == LORA__STORE_FULL_BETAX) _mm512_storeu_ps(r, _mm512_fmadd_ps(va, x, _mm512_mul_ps(vb, _mm512_loadu_ps(r)))); \
        else if (mode == LORA__STORE_MASKED_BETA0) _mm512_mask_storeu_ps(r, km, _mm512_mul_ps(va, x)); \
        else if (mode == LORA__STORE_MASKED_BETA1) _mm512_mask_storeu_ps(r, km, _mm512_fmadd_ps(va, x, _mm512_maskz_loadu_ps(km, r))); \
        else /* LORA__STORE_MASKED_BETAX */ _mm512_mask_storeu_ps(r, km, _mm512_fmadd_ps(va, x, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(km, r))));
#define LORA__D1_ST(i, x0, x1, x2) if ((i) < m) { float *r = C + (i) * rs_c; LORA__D1_ONE(r, x0, k0) \
        if (k1) { LORA__D1_ONE(r + 16, x1, k1) } if (k2) { LORA__D1_ONE(r + 32, x2, k2) } }
        LORA__D1_ST(0, c00, c01, c02) LORA__D1_ST(1, c10, c11, c12) LORA__D1_ST(2, c20, c21, c22)
        LORA__D1_ST(3, c30, c31, c32) LORA__D1_ST(4, c40, c41, c42) LORA__D1_ST(5, c50, c51, c52)
        LORA__D1_ST(6, c60, c61, c62) LORA__D1_ST(7, c70, c71, c72)
    }
    }
    }
    }
}

/* 8 vectors -> their 8 horizontal sums, in a fixed order */
LORA__TARGET_AVX512 static __m256 lora__hsum8_avx512(__m512 v0, __m512 v1, __m512 v2, __m512 v3, __m512 v4, __m512 v5, __m512 v6, __m512 v7) {
#define LORA__FOLD(v) _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_castps512_ps256(_mm512_shuffle_f32x4(v, v, 0xee)))
    __m256 y0 = LORA__FOLD(v0), y1 = LORA__FOLD(v1), y2 = LORA__FOLD(v2), y3 = LORA__FOLD(v3),
           y4 = LORA__FOLD(v4), y5 = LORA__FOLD(v5), y6 = LORA__FOLD(v6), y7 = LORA__FOLD(v7);
    __m256 h01 = _mm256_hadd_ps(y0, y1), h23 = _mm256_hadd_ps(y2, y3), h45 = _mm256_hadd_ps(y4, y5), h67 = _mm256_hadd_ps(y6, y7);
    __m256 h0123 = _mm256_hadd_ps(h01, h23), h4567 = _mm256_hadd_ps(h45, h67);
    return _mm256_add_ps(_mm256_permute2f128_ps(h0123, h4567, 0x20), _mm256_permute2f128_ps(h0123, h4567, 0x31));
}

/* d2 (dot products): C[m x n] (m <= 3, n <= 8) = alpha * sum_k A[i * lda + k] Bt[j * ldbt + k] + beta * C,
   both operands contiguous along k. */
LORA__TARGET_AVX512 static void lora__d2_avx512(int K, const float *A, long lda, const float *Bt, long ldbt,
                                                float *C, long ldc, int m, int n, float alpha, float beta) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00, c06 = c00, c07 = c00,
           c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00, c16 = c00, c17 = c00,
           c20 = c00, c21 = c00, c22 = c00, c23 = c00, c24 = c00, c25 = c00, c26 = c00, c27 = c00;
    const float *a0 = A, *a1 = A + (m > 1 ? 1 : 0) * lda, *a2 = A + (m > 2 ? 2 : 0) * lda;
    const float *b0 = Bt, *b1 = Bt + (n > 1 ? 1 : 0) * ldbt, *b2 = Bt + (n > 2 ? 2 : 0) * ldbt, *b3 = Bt + (n > 3 ? 3 : 0) * ldbt,
                *b4 = Bt + (n > 4 ? 4 : 0) * ldbt, *b5 = Bt + (n > 5 ? 5 : 0) * ldbt, *b6 = Bt + (n > 6 ? 6 : 0) * ldbt,
                *b7 = Bt + (n > 7 ? 7 : 0) * ldbt;
    __mmask8 km = (__mmask8)(n >= 8 ? 0xff : (1u << n) - 1);
    int k;
    for (k = 0; k < K; k += 16) {
        __mmask16 kk = (__mmask16)(K - k >= 16 ? 0xffff : (1u << (K - k)) - 1);
        __m512 x0 = _mm512_maskz_loadu_ps(kk, a0 + k), x1 = _mm512_maskz_loadu_ps(kk, a1 + k), x2 = _mm512_maskz_loadu_ps(kk, a2 + k), y;
        /* the A rows are usually cold (h = X A^T reads the layer input once): 1 KB ahead,
           1.3-1.6x at 2 threads when they come from memory, no change when cached (the
           hardware stream prefetcher alone runs 3 rows too slowly) */
        LORA__PREFETCH_AHEAD(a0 + k, 1024); LORA__PREFETCH_AHEAD(a1 + k, 1024); LORA__PREFETCH_AHEAD(a2 + k, 1024);
#define LORA__D2_COL(b, z0, z1, z2) y = _mm512_maskz_loadu_ps(kk, b + k); z0 = _mm512_fmadd_ps(x0, y, z0); \
        z1 = _mm512_fmadd_ps(x1, y, z1); z2 = _mm512_fmadd_ps(x2, y, z2);
        LORA__D2_COL(b0, c00, c10, c20) LORA__D2_COL(b1, c01, c11, c21) LORA__D2_COL(b2, c02, c12, c22)
        LORA__D2_COL(b3, c03, c13, c23) LORA__D2_COL(b4, c04, c14, c24) LORA__D2_COL(b5, c05, c15, c25)
        LORA__D2_COL(b6, c06, c16, c26) LORA__D2_COL(b7, c07, c17, c27)
    }
    {
        __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta), s[3];
        int i;
        s[0] = lora__hsum8_avx512(c00, c01, c02, c03, c04, c05, c06, c07);
        s[1] = lora__hsum8_avx512(c10, c11, c12, c13, c14, c15, c16, c17);
        s[2] = lora__hsum8_avx512(c20, c21, c22, c23, c24, c25, c26, c27);
        for (i = 0; i < m; i++) {
            float *r = C + i * ldc;
            __m256 v = _mm256_mul_ps(va, s[i]);
            if (beta == 1.0f) v = _mm256_fmadd_ps(va, s[i], _mm256_maskz_loadu_ps(km, r));
            else if (beta != 0.0f) v = _mm256_fmadd_ps(va, s[i], _mm256_mul_ps(vb, _mm256_maskz_loadu_ps(km, r)));
            _mm256_mask_storeu_ps(r, km, v);
        }
    }
}
/* d3 (rank-r updates, K <= 8): C[m x n] = alpha * sum_k U(i,k) V[k * v_rk + j] + beta * C, rows of C
   contiguous. Each 48-column strip of V (K x 3 vectors) stays in registers while the strip walks
   down the rows of C, so a row costs K broadcasts, 3K FMAs and one pass over its 48 floats of C:
   the product runs at the speed C streams through the core (y += h B^T, dx += dh A in LoRA). */
LORA__TARGET_AVX512 static void lora__d3_avx512(int K, const float *U, long u_ri, long u_ck, const float *V0, long v_rk,
                                                float *C0, long ldc, int m, int n_all, float alpha, float beta) {
    const __m512 z = _mm512_setzero_ps(), va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    int j0;
    for (j0 = 0; j0 < n_all; j0 += 48) {
        const int n = n_all - j0 < 48 ? n_all - j0 : 48;
        const __mmask16 k0 = (__mmask16)(n >= 16 ? 0xffff : (1u << n) - 1);
        const __mmask16 k1 = (__mmask16)(n >= 32 ? 0xffff : n <= 16 ? 0 : (1u << (n - 16)) - 1);
        const __mmask16 k2 = (__mmask16)(n >= 48 ? 0xffff : n <= 32 ? 0 : (1u << (n - 32)) - 1);
        const float *V = V0 + j0;
        float *C = C0 + j0;
        int i;
#define LORA__D3_V(k, x0, x1, x2) const __m512 x0 = K > k ? _mm512_maskz_loadu_ps(k0, V + k * v_rk) : z, \
            x1 = K > k ? _mm512_maskz_loadu_ps(k1, V + k * v_rk + 16) : z, x2 = K > k ? _mm512_maskz_loadu_ps(k2, V + k * v_rk + 32) : z;
        LORA__D3_V(0, v00, v01, v02) LORA__D3_V(1, v10, v11, v12) LORA__D3_V(2, v20, v21, v22) LORA__D3_V(3, v30, v31, v32)
        LORA__D3_V(4, v40, v41, v42) LORA__D3_V(5, v50, v51, v52) LORA__D3_V(6, v60, v61, v62) LORA__D3_V(7, v70, v71, v72)
#undef LORA__D3_V
        for (i = 0; i < m; i++) {
            const float *u = U + i * u_ri;
            float *r = C + i * ldc;
            __m512 a = _mm512_set1_ps(u[0]), c0 = _mm512_mul_ps(a, v00), c1 = _mm512_mul_ps(a, v01), c2 = _mm512_mul_ps(a, v02);
            /* C rows are far apart, and each 48-column strip reads new lines of them, from L3 or
               memory (in a training step C was last written many products earlier): fetch this
               row's next 48 columns one strip pass (m rows) ahead; the next tile's first strip is
               the same row's next columns. The first strip's own lines: 12 rows ahead (6 for the
               first 12 rows). Cold C: +50-80 % at 1 thread; cached: +3-6 %. */
            if (j0 == 0) {
                if (i + 12 < m) lora__prefetch_l1(r + 12 * ldc, n);
                if (i < 12 && i + 6 < m) lora__prefetch_l1(r + 6 * ldc, n);
            }
            LORA__PREFETCH_NEXT_STRIP(r);
#define LORA__D3_K(k, x0, x1, x2) if (K > k) { a = _mm512_set1_ps(u[k * u_ck]); c0 = _mm512_fmadd_ps(a, x0, c0); \
            c1 = _mm512_fmadd_ps(a, x1, c1); c2 = _mm512_fmadd_ps(a, x2, c2); }
            LORA__D3_K(1, v10, v11, v12) LORA__D3_K(2, v20, v21, v22) LORA__D3_K(3, v30, v31, v32) LORA__D3_K(4, v40, v41, v42)
            LORA__D3_K(5, v50, v51, v52) LORA__D3_K(6, v60, v61, v62) LORA__D3_K(7, v70, v71, v72)
#undef LORA__D3_K
            if (n == 48) {
                if (beta == 0.0f) {
                    _mm512_storeu_ps(r, _mm512_mul_ps(va, c0)); _mm512_storeu_ps(r + 16, _mm512_mul_ps(va, c1));
                    _mm512_storeu_ps(r + 32, _mm512_mul_ps(va, c2));
                } else if (beta == 1.0f) {
                    _mm512_storeu_ps(r, _mm512_fmadd_ps(va, c0, _mm512_loadu_ps(r)));
                    _mm512_storeu_ps(r + 16, _mm512_fmadd_ps(va, c1, _mm512_loadu_ps(r + 16)));
                    _mm512_storeu_ps(r + 32, _mm512_fmadd_ps(va, c2, _mm512_loadu_ps(r + 32)));
                } else {
                    _mm512_storeu_ps(r, _mm512_fmadd_ps(va, c0, _mm512_mul_ps(vb, _mm512_loadu_ps(r))));
                    _mm512_storeu_ps(r + 16, _mm512_fmadd_ps(va, c1, _mm512_mul_ps(vb, _mm512_loadu_ps(r + 16))));
                    _mm512_storeu_ps(r + 32, _mm512_fmadd_ps(va, c2, _mm512_mul_ps(vb, _mm512_loadu_ps(r + 32))));
                }
            } else {
#define LORA__D3_ST(off, x, km) if (km) { \
                if (beta == 0.0f) _mm512_mask_storeu_ps(r + off, km, _mm512_mul_ps(va, x)); \
                else if (beta == 1.0f) _mm512_mask_storeu_ps(r + off, km, _mm512_fmadd_ps(va, x, _mm512_maskz_loadu_ps(km, r + off))); \
                else _mm512_mask_storeu_ps(r + off, km, _mm512_fmadd_ps(va, x, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(km, r + off)))); }
                LORA__D3_ST(0, c0, k0) LORA__D3_ST(16, c1, k1) LORA__D3_ST(32, c2, k2)
#undef LORA__D3_ST
            }
        }
    }
}

static const lora__gemm_cfg lora__cfg_avx512 = { LORA__A5_MR, LORA__A5_NR, 512, 256, 3072, 4096, lora__kern_avx512, lora__pack_avx512,
    lora__d1_avx512, 8, 384, lora__d2_avx512, 3, 8, lora__d3_avx512, 32, 384, lora__kern_side_avx512 };
#endif

/* ---------------- NEON: 8 x 12 ---------------- */
#ifdef LORA__HAVE_NEON
#define LORA__N_MR 8
#define LORA__N_NR 12
/* C[m x n] = alpha * c + beta * C for an 8 x 12 tile of accumulators (m <= 8, n <= 12), one
   rounding per element: vectors for whole rows of contiguous C, a temporary tile otherwise */
static void lora__store_tile_neon(float32x4_t c[LORA__N_MR][3], float *C, long rs_c, long cs_c, int m, int n,
                                  float alpha, float beta) {
    int i, j;
    if (n == LORA__N_NR && cs_c == 1) {
        for (i = 0; i < m; i++) {
            float *r = C + i * rs_c;
            for (j = 0; j < 3; j++) {
                float32x4_t v = vmulq_n_f32(c[i][j], alpha);
                if (beta == 1.0f) v = vfmaq_n_f32(vld1q_f32(r + 4 * j), c[i][j], alpha);
                else if (beta != 0.0f) v = vfmaq_n_f32(vmulq_n_f32(vld1q_f32(r + 4 * j), beta), c[i][j], alpha);
                vst1q_f32(r + 4 * j, v);
            }
        }
    } else {
        float t[LORA__N_MR * LORA__N_NR];
        for (i = 0; i < LORA__N_MR; i++)
            for (j = 0; j < 3; j++) vst1q_f32(t + i * LORA__N_NR + 4 * j, c[i][j]);
        for (i = 0; i < m; i++)
            for (j = 0; j < n; j++) {
                float *p = C + i * rs_c + j * cs_c;
                *p = beta == 0.0f ? alpha * t[i * LORA__N_NR + j] : fmaf(alpha, t[i * LORA__N_NR + j], beta * *p);
            }
    }
}

static void lora__kern_neon(int kc, const float *LORA__RESTRICT Ap, const float *LORA__RESTRICT Bp,
                            float *C, long rs_c, long cs_c, int m, int n, float alpha, float beta) {
    float32x4_t c[LORA__N_MR][3];
    int i, k;
    for (i = 0; i < LORA__N_MR; i++) c[i][0] = c[i][1] = c[i][2] = vdupq_n_f32(0.0f);
    for (k = 0; k < kc; k++) {
        float32x4_t a0 = vld1q_f32(Ap), a1 = vld1q_f32(Ap + 4);
        float32x4_t b0 = vld1q_f32(Bp), b1 = vld1q_f32(Bp + 4), b2 = vld1q_f32(Bp + 8);
#define LORA__NE_ROW(i, av, l) c[i][0] = vfmaq_laneq_f32(c[i][0], b0, av, l); \
        c[i][1] = vfmaq_laneq_f32(c[i][1], b1, av, l); c[i][2] = vfmaq_laneq_f32(c[i][2], b2, av, l);
        LORA__NE_ROW(0, a0, 0) LORA__NE_ROW(1, a0, 1) LORA__NE_ROW(2, a0, 2) LORA__NE_ROW(3, a0, 3)
        LORA__NE_ROW(4, a1, 0) LORA__NE_ROW(5, a1, 1) LORA__NE_ROW(6, a1, 2) LORA__NE_ROW(7, a1, 3)
        Ap += LORA__N_MR; Bp += LORA__N_NR;
    }
    lora__store_tile_neon(c, C, rs_c, cs_c, m, n, alpha, beta);
}

static void lora__pack_panel_t_neon(const float *S, long sx, int nx, int kc, int W, float *out) {
    int x = 0, k;
    for (; x + 4 <= nx; x += 4) {
        const float *s = S + x * sx;
        for (k = 0; k + 4 <= kc; k += 4) {
            float32x4_t r0 = vld1q_f32(s + k), r1 = vld1q_f32(s + sx + k), r2 = vld1q_f32(s + 2 * sx + k), r3 = vld1q_f32(s + 3 * sx + k);
            float32x4_t t0 = vtrn1q_f32(r0, r1), t1 = vtrn2q_f32(r0, r1), t2 = vtrn1q_f32(r2, r3), t3 = vtrn2q_f32(r2, r3);
            float *o = out + (long)k * W + x;
            vst1q_f32(o, vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2))));
            vst1q_f32(o + W, vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3))));
            vst1q_f32(o + 2 * W, vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2))));
            vst1q_f32(o + 3 * W, vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3))));
        }
        for (; k < kc; k++) {
            int i;
            for (i = 0; i < 4; i++) out[(long)k * W + x + i] = s[i * sx + k];
        }
    }
    for (; x < nx; x++) {
        const float *s = S + x * sx;
        for (k = 0; k < kc; k++) out[(long)k * W + x] = s[k];
    }
    for (; x < W; x++)
        for (k = 0; k < kc; k++) out[(long)k * W + x] = 0.0f;
}

static void lora__pack_neon(const float *S, long sx, long sk, int nx, int kc, int W, float *out) {
    int x, k, p;
    if (sx == 1) {
        for (k = 0; k < kc; k++) {
            const float *s = S + k * sk;
            float *o = out + (long)k * W;
            for (p = 0; p < nx; p += W, o += (long)kc * W, s += W) {
                int w = nx - p < W ? nx - p : W;
                x = 0;
                for (; x + 4 <= w; x += 4) vst1q_f32(o + x, vld1q_f32(s + x));
                for (; x < w; x++) o[x] = s[x];
                for (; x < W; x++) o[x] = 0.0f;
            }
        }
        return;
    }
    if (sk != 1) { lora__pack_scalar(S, sx, sk, nx, kc, W, out); return; }
    for (p = 0; p < nx; p += W, out += (long)kc * W, S += W * sx)
        lora__pack_panel_t_neon(S, sx, nx - p < W ? nx - p : W, kc, W, out);
}
/* Direct kernels for skinny products (the AVX-512 d1 / d2 in 128-bit vectors).
   d1: C[m x n] (m <= 8, any n, in 12-column pieces) = alpha * sum_k U(i,k) V[k * v_rk + j] + beta * C. */
static void lora__d1_neon(int K, const float *U, long u_ri, long u_ck, const float *V0, long v_rk,
                          float *C0, long rs_c, long cs_c, int m, int n_all, float alpha, float beta) {
    const float *u[8];
    int i, j, j0, k;
    for (i = 0; i < 8; i++) u[i] = U + (i < m ? i : 0) * u_ri;
    for (j0 = 0; j0 < n_all; j0 += 12) {
        const int n = n_all - j0 < 12 ? n_all - j0 : 12;
        const float *V = V0 + j0;
        float *C = C0 + j0 * cs_c;
        float32x4_t c[LORA__N_MR][3];
        long ko = 0;
        for (i = 0; i < 8; i++) c[i][0] = c[i][1] = c[i][2] = vdupq_n_f32(0.0f);
        for (k = 0; k < K; k++, V += v_rk, ko += u_ck) {
            float32x4_t b0, b1, b2;
            if (n == 12) { b0 = vld1q_f32(V); b1 = vld1q_f32(V + 4); b2 = vld1q_f32(V + 8); }
            else { /* never read past the last column */
                float row[12] = { 0 };
                for (j = 0; j < n; j++) row[j] = V[j];
                b0 = vld1q_f32(row); b1 = vld1q_f32(row + 4); b2 = vld1q_f32(row + 8);
            }
            for (i = 0; i < 8; i++) {
                float32x4_t a = vdupq_n_f32(u[i][ko]);
                c[i][0] = vfmaq_f32(c[i][0], a, b0); c[i][1] = vfmaq_f32(c[i][1], a, b1); c[i][2] = vfmaq_f32(c[i][2], a, b2);
            }
        }
        lora__store_tile_neon(c, C, rs_c, cs_c, m, n, alpha, beta);
    }
}

/* d2 (dot products): C[m x n] (m <= 3, n <= 4) = alpha * sum_k A[i * lda + k] Bt[j * ldbt + k] + beta * C. */
static void lora__d2_neon(int K, const float *A, long lda, const float *Bt, long ldbt,
                          float *C, long ldc, int m, int n, float alpha, float beta) {
    const float *a[3], *b[4];
    float32x4_t acc[3][4], x[3], y;
    int i, j, k = 0;
    for (i = 0; i < 3; i++) a[i] = A + (i < m ? i : 0) * lda;
    for (j = 0; j < 4; j++) b[j] = Bt + (j < n ? j : 0) * ldbt;
    for (i = 0; i < 3; i++)
        for (j = 0; j < 4; j++) acc[i][j] = vdupq_n_f32(0.0f);
    for (; k + 4 <= K; k += 4) {
        for (i = 0; i < 3; i++) x[i] = vld1q_f32(a[i] + k);
        for (j = 0; j < 4; j++) {
            y = vld1q_f32(b[j] + k);
            for (i = 0; i < 3; i++) acc[i][j] = vfmaq_f32(acc[i][j], x[i], y);
        }
    }
    if (k < K) { /* the last 1-3 values, zero-padded */
        float t[4];
        int r;
        for (i = 0; i < 3; i++) {
            for (r = 0; r < 4; r++) t[r] = k + r < K ? a[i][k + r] : 0.0f;
            x[i] = vld1q_f32(t);
        }
        for (j = 0; j < 4; j++) {
            for (r = 0; r < 4; r++) t[r] = k + r < K ? b[j][k + r] : 0.0f;
            y = vld1q_f32(t);
            for (i = 0; i < 3; i++) acc[i][j] = vfmaq_f32(acc[i][j], x[i], y);
        }
    }
    for (i = 0; i < m; i++) {
        float s[4];
        vst1q_f32(s, vpaddq_f32(vpaddq_f32(acc[i][0], acc[i][1]), vpaddq_f32(acc[i][2], acc[i][3])));
        for (j = 0; j < n; j++) {
            float *p = C + i * ldc + j;
            *p = beta == 0.0f ? alpha * s[j] : fmaf(alpha, s[j], beta * *p);
        }
    }
}

static const lora__gemm_cfg lora__cfg_neon = { LORA__N_MR, LORA__N_NR, 256, 384, 768, 4096, lora__kern_neon, lora__pack_neon,
    lora__d1_neon, 8, 384, lora__d2_neon, 3, 4, NULL, 0, 0, NULL };
#endif

static LORA__UNUSED const lora__gemm_cfg *lora__gemm_config(lora_isa isa) {
    switch (isa) {
#ifdef LORA__HAVE_AVX512
    case LORA_ISA_AVX512: return &lora__cfg_avx512;
#endif
#ifdef LORA__HAVE_AVX2
    case LORA_ISA_AVX2: return &lora__cfg_avx2;
#endif
#ifdef LORA__HAVE_NEON
    case LORA_ISA_NEON: return &lora__cfg_neon;
#endif
    default: return &lora__cfg_scalar;
    }
}

/* ---------------- driver ---------------- */
/* The state of a packing flag (an A group's in aflags, a shared op(B) block's in bflags), an int
   for the atomics. It only grows within a dispatch, so waiting for a packer is
   lora__wait_flag_ge(flag, LORA__PACK_READY), and zeroing the flags resets them. */
enum lora__pack_state {
    LORA__PACK_TODO,  /* nobody has claimed it */
    LORA__PACK_BUSY,  /* claimed (lora__aflag_claim): being packed, plainly or by a side job */
    LORA__PACK_READY  /* packed: readable by every task */
};
#ifdef LORA__THREADS
#define LORA__AFLAG_LOAD(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define LORA__AFLAG_STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
static int lora__aflag_claim(int *p) {
    int e = LORA__PACK_TODO;
    return __atomic_compare_exchange_n(p, &e, LORA__PACK_BUSY, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
static int lora__aflag_inc(int *p) { return __atomic_add_fetch(p, 1, __ATOMIC_ACQ_REL); }
/* waits until another thread has raised *p to v or more (packed a group, released a slot,
   finished a tile's K block; each flag only grows within a dispatch): spin, then yield the CPU */
static void lora__wait_flag_ge(int *p, int v) {
    int spins = 0;
    while (LORA__AFLAG_LOAD(p) < v) {
        if (++spins < 1000) lora__cpu_relax();
        else sched_yield();
    }
}
#else
#define LORA__AFLAG_LOAD(p) (*(p))
#define LORA__AFLAG_STORE(p, v) (*(p) = (v))
static int lora__aflag_claim(int *p) { if (*p != LORA__PACK_TODO) return 0; *p = LORA__PACK_BUSY; return 1; }
static int lora__aflag_inc(int *p) { return ++*p; }
static void lora__wait_flag_ge(int *p, int v) { (void)p; (void)v; }
#endif
/* most mr panels in a macro block of rows (cfg->mcb / cfg->mr, for every config) */
#define LORA__MAX_PANELS 256

typedef struct lora__gemm {
    const lora__gemm_cfg *cfg;
    int M, N, K;
    float alpha;
    const float *A; long a_ri, a_ck;   /* op(A)(i,k) = A[i * a_ri + k * a_ck] */
    const float *B; long b_rk, b_cj;   /* op(B)(k,j) = B[k * b_rk + j * b_cj] */
    float *C; long rs_c, cs_c;
    /* current dispatch: columns [j0, j0 + ncb); K blocks step0 .. step0 + n_steps - 1 of kc_max
       (the last may be shorter); C = beta0 * C + ... on the first K block, accumulated after */
    int j0, ncb, kc_max, step0, n_steps;
    float beta0;
    int n_jc, n_ir;                    /* task grid per row block: n_jc column blocks x n_ir row chunks (in mr panels) */
    /* Units, one per (K block, row block of mcb_full rows), K block major, run in one pool
       dispatch with no barrier between them; unit u uses slot u % 2: packed A (ceil(mcb/mr)
       panels of mr x kc) and its group flags (lora__pack_state). A slot passes
       to unit u + 2 when the last task of unit u finishes (owner, finished), so the next unit's
       tasks start while this one's end. A C tile accumulates its K blocks in order: a task
       waits until its tile's previous K block is done (tile_steps: K blocks done per tile;
       tasks are claimed in order, so this only waits for a task already running). */
    int mcb_full, n_blocks;
    float *Ap[2];
    int *aflags[2];
    int owner[2], finished[2];
    int *tile_steps;
    int a_group;
    enum lora__side_kind side;         /* how side jobs of the kernel pack A, if they do (see lora__side_job) */
    float *Bp;                         /* per thread: kc x nb */
    long bp_stride;
    /* shared_b: the n_jc column blocks of op(B) are packed once per K step into Bsh (kc x ncb),
       each by the first task that needs it (bflags: lora__pack_state), for every row
       chunk and row block; otherwise each task packs its own block into its thread's Bp */
    int shared_b;
    float *Bsh;
    int *bflags;
    /* with threads, tasks publish their spans so that idle threads take their panels (see
       lora__gemm_span): one per thread; started / published count this dispatch's tasks
       that have begun / published their span or had no panels */
    struct lora__gemm_span *spans;
    int nthreads, stealing, started, published;
    int *panels_taken;                 /* the pool's count of panels taken from other tasks */
    int *side_groups;                  /* the pool's count of A groups packed by side jobs (or NULL) */
} lora__gemm;

/* One task's share of a unit: row panels [r_begin, r_begin + n) of one column block, taken
   one at a time (in the rotated order) from `next`. With threads every task in progress
   publishes its span, and a thread that has no task left takes the panels nobody has taken
   yet, so that the threads end together: a call no longer waits at its end for the rest of
   one thread's last task (70-200 us of 6 ms in a 3072 x 768 x 512 product), nor for all of
   a task whose thread the OS has paused, but for one panel (a few us). Whoever computes a
   panel, the kernel, its operands and the order over k are the same: so are the results. */
typedef struct lora__gemm_span {
    int next, done;                    /* panels taken / finished by other threads (atomic while live;
                                          the owner counts its own: no locked add per panel) */
    int live;                          /* 1 while others may take panels (set after the fields below) */
    int n, r_begin, rot;
    int p0, kc, i0, mcb, j, nbw;
    float beta;
    const float *Bp;                   /* the task's packed op(B) block */
    float *Ap_blk;                     /* the unit's packed A slot and its group flags */
    int *aflags;
    char pad[64];                      /* next / done of two threads' spans not on one line */
} lora__gemm_span;

#ifdef LORA__THREADS
static int lora__aflag_take(int *p) { return __atomic_fetch_add(p, 1, __ATOMIC_ACQ_REL); }
#else
static int lora__aflag_take(int *p) { return (*p)++; }
#endif

/* A group of panel r ready to use: 1 if packed (now, by this thread, or before), 0 when
   another thread is packing it and wait is 0 (with wait, until it is done) */
static int lora__gemm_group_ready(lora__gemm *g, const lora__gemm_span *s, int grp, int wait) {
    const lora__gemm_cfg *cfg = g->cfg;
    int st = LORA__AFLAG_LOAD(&s->aflags[grp]);
    if (st == LORA__PACK_READY) return 1;
    if (st == LORA__PACK_TODO && lora__aflag_claim(&s->aflags[grp])) {
        /* pack the whole group of panels (source rows are walked once) */
        int gi = grp * g->a_group * cfg->mr, grows = s->mcb - gi < g->a_group * cfg->mr ? s->mcb - gi : g->a_group * cfg->mr;
        cfg->pack(g->A + (long)(s->i0 + gi) * g->a_ri + (long)s->p0 * g->a_ck, g->a_ri, g->a_ck, grows, s->kc, cfg->mr,
                  s->Ap_blk + (long)gi * s->kc);
        LORA__AFLAG_STORE(&s->aflags[grp], LORA__PACK_READY);
        return 1;
    }
    if (!wait) return 0;
    lora__wait_flag_ge(&s->aflags[grp], LORA__PACK_READY);
    return 1;
}

/* A side job in progress (see lora__kern_avx512_body): a task that starts a group of a_group
   panels claims the next group, if it is whole and nobody has, and the kernel calls of the
   panels it computes meanwhile copy the group's source into its packed panels, an a_group-th
   of it per panel, in units: with transposed A (LORA__SIDE_TRANS_A, a_ri = 1, as in dW = X^T dY;
   groups of 4 panels) a unit is one source row of the group, with rows of A contiguous along k
   (LORA__SIDE_ROWS_A, X W and dY W^T; groups of one panel, K blocks of 256 or more: below, the source is small and
   cached, and the side job cost more than it saved) a unit is 16 k of the panel's 12 rows.
   Units [k, kc / unit) are left, and the group is flagged LORA__PACK_BUSY until all are
   copied. The task finishes the rest plainly before it needs the group itself and before
   anything that may wait, so that no thread waits for a group whose packer waits too. The
   first group of each task's run and a last partial group are packed plainly
   (lora__gemm_group_ready). With threads, the first tasks start at evenly spread groups
   (s->rot), so that they pack different halves of A instead of leapfrogging (each plainly
   packing the group the other's side job holds). Results do not depend on who packs: the
   packed values are the same. grp < 0: none. */
typedef struct lora__side_job { int grp, k; } lora__side_job;

/* the rest of a side job's rows, copied now (before the group is needed or a wait) */
static void lora__side_finish(lora__gemm *g, const lora__gemm_span *s, lora__side_job *sj) {
    const int mr = g->cfg->mr, ku = g->side == LORA__SIDE_TRANS_A ? 1 : 16, k = sj->k * ku;
    int p;
    if (sj->grp < 0) return;
    for (p = 0; p < g->a_group && k < s->kc; p++) {
        const int gi = (sj->grp * g->a_group + p) * mr;
        g->cfg->pack(g->A + (long)(s->i0 + gi) * g->a_ri + (long)(s->p0 + k) * g->a_ck, g->a_ri, g->a_ck, mr, s->kc - k, mr,
                     s->Ap_blk + (long)gi * s->kc + (long)k * mr);
    }
    LORA__AFLAG_STORE(&s->aflags[sj->grp], LORA__PACK_READY);
    sj->grp = -1;
}

/* row panel r of span s (its A group ready) times the span's columns of op(B); sj (if not
   NULL and in progress) a side job to advance by an a_group-th of its units */
static void lora__gemm_panel(lora__gemm *g, const lora__gemm_span *s, int r, lora__side_job *sj) {
    const lora__gemm_cfg *cfg = g->cfg;
    const int mr = cfg->mr, nr = cfg->nr, grp = r / g->a_group, n_panels = (s->mcb + mr - 1) / mr;
    const float *Ap = s->Ap_blk + (long)r * mr * s->kc;
    const int i = r * mr, mrows = s->mcb - i < mr ? s->mcb - i : mr;
    float *Crow = g->C + (long)(s->i0 + i) * g->rs_c + (long)(g->j0 + s->j) * g->cs_c;
    /* With a side job, this panel's share of its units is copied by the kernel calls, spread
       over them. Without side jobs (AVX2, NEON, scalar), transposed A is packed by groups,
       reading a short run from each of kc rows: that is latency bound, so while this panel
       computes, prefetch (towards L2) this panel's share [k_lo, k_hi) of the source rows of
       the next group, if nobody packed it yet; spread over the panel's kernel calls. */
    int gn = grp + 1, nq = (s->nbw + nr - 1) / nr, qi = 0, k_lo = 0, k_hi = 0, q, ku = 1, units = 0, n_units = 0;
    long run = 0, sstride = 0;
    const float *src = g->A, *ssrc = NULL;
    float *sdst = NULL;
    if (sj && sj->grp >= 0) {
        /* a side job: units are source rows (transposed A) or 16-k blocks (rows contiguous along k) */
        const int gi = sj->grp * g->a_group * mr;
        ku = g->side == LORA__SIDE_TRANS_A ? 1 : 16;
        n_units = s->kc / ku;
        units = lora__ceil_div(n_units, g->a_group) < n_units - sj->k ? lora__ceil_div(n_units, g->a_group) : n_units - sj->k;
        sstride = g->side == LORA__SIDE_TRANS_A ? g->a_ck : g->a_ri;
        ssrc = g->A + (long)(s->i0 + gi) * g->a_ri + (long)(s->p0 + sj->k * ku) * g->a_ck;
        sdst = s->Ap_blk + (long)gi * s->kc + (long)sj->k * ku * mr;
    } else if (g->a_ri == 1 && g->a_group > 1 && g->side == LORA__SIDE_NONE && gn * g->a_group < n_panels &&
               LORA__AFLAG_LOAD(&s->aflags[gn]) == LORA__PACK_TODO) {
        int gp = r - grp * g->a_group, gi = gn * g->a_group * mr;
        k_lo = (int)((long)gp * s->kc / g->a_group);
        k_hi = (int)((long)(gp + 1) * s->kc / g->a_group);
        run = s->mcb - gi < g->a_group * mr ? s->mcb - gi : (long)g->a_group * mr;
        src = g->A + (long)(s->i0 + gi) + (long)s->p0 * g->a_ck;
    }
    for (q = 0; q < s->nbw; q += nr, qi++) {
        const float *Bq = s->Bp + (long)q * s->kc;
        float *Cq = Crow + (long)q * g->cs_c;
        const int nq_cols = s->nbw - q < nr ? s->nbw - q : nr;
        if (ssrc) {
            const int u_a = (int)((long)qi * units / nq), u_b = (int)((long)(qi + 1) * units / nq);
            cfg->kern_side(g->side, s->kc, Ap, Bq, Cq, g->rs_c, g->cs_c, mrows, nq_cols, g->alpha, s->beta,
                           ssrc + (long)u_a * ku * g->a_ck, sstride, u_b - u_a, sdst + (long)u_a * ku * mr, (long)mr * s->kc);
        } else {
            int kk, k_a = k_lo + (int)((long)qi * (k_hi - k_lo) / nq), k_b = k_lo + (int)((long)(qi + 1) * (k_hi - k_lo) / nq);
            for (kk = k_a; kk < k_b; kk++) lora__prefetch_l2(src + (long)kk * g->a_ck, run);
            cfg->kern(s->kc, Ap, Bq, Cq, g->rs_c, g->cs_c, mrows, nq_cols, g->alpha, s->beta);
        }
    }
    if (ssrc) {
        sj->k += units;
        if (sj->k >= n_units) {
            LORA__AFLAG_STORE(&s->aflags[sj->grp], LORA__PACK_READY);
            sj->grp = -1;
            if (g->side_groups) lora__aflag_inc(g->side_groups);
        }
    }
}

/* returns 1 if it published a span (with threads), 0 if it had no panels */
static int lora__gemm_block_task(lora__gemm *g, int unit, int task, int thread) {
    const lora__gemm_cfg *cfg = g->cfg;
    const int blk = unit % g->n_blocks, nr = cfg->nr;
    lora__gemm_span *s = &g->spans[thread];
    int jcb = task % g->n_jc, irc = task / g->n_jc, n_panels, jp = (g->ncb + nr - 1) / nr, r_end, n_skipped = 0, c, own = 0;
    int skipped[LORA__MAX_PANELS];
    lora__side_job sj = { -1, 0 };
    float *Bp;
    const float *Bsrc;
    s->p0 = (g->step0 + unit / g->n_blocks) * g->kc_max;
    s->kc = g->K - s->p0 < g->kc_max ? g->K - s->p0 : g->kc_max;
    s->i0 = blk * g->mcb_full;
    s->mcb = g->M - s->i0 < g->mcb_full ? g->M - s->i0 : g->mcb_full;
    s->beta = s->p0 == 0 ? g->beta0 : 1.0f;
    s->aflags = g->aflags[unit & 1];
    s->Ap_blk = g->Ap[unit & 1];
    n_panels = (s->mcb + cfg->mr - 1) / cfg->mr;
    s->j = (int)((long)jcb * jp / g->n_jc) * nr;
    s->nbw = (int)((long)(jcb + 1) * jp / g->n_jc) * nr - s->j;
    if (s->j + s->nbw > g->ncb) s->nbw = g->ncb - s->j;
    s->r_begin = (int)((long)irc * n_panels / g->n_ir);
    r_end = (int)((long)(irc + 1) * n_panels / g->n_ir);
    if (s->nbw <= 0 || s->r_begin >= r_end) return 0;
    s->n = r_end - s->r_begin;
    /* this task's block of op(B): kc x nbw, in panels of nr columns (shared: unless packed already) */
    Bp = g->shared_b ? g->Bsh + (long)s->j * s->kc : g->Bp + (long)thread * g->bp_stride;
    Bsrc = g->B + (long)s->p0 * g->b_rk + (long)(g->j0 + s->j) * g->b_cj;
    if (!g->shared_b) cfg->pack(Bsrc, g->b_cj, g->b_rk, s->nbw, s->kc, nr, Bp);
    else if (LORA__AFLAG_LOAD(&g->bflags[jcb]) != LORA__PACK_READY) {
        if (lora__aflag_claim(&g->bflags[jcb])) {
            cfg->pack(Bsrc, g->b_cj, g->b_rk, s->nbw, s->kc, nr, Bp);
            LORA__AFLAG_STORE(&g->bflags[jcb], LORA__PACK_READY);
        } else {
            lora__wait_flag_ge(&g->bflags[jcb], LORA__PACK_READY);
        }
    }
    s->Bp = Bp;
    /* tasks sharing rows start at different panels, so that they pack different A panels at once
       (with side jobs: the first nthreads tasks at groups spread evenly, see lora__side_job) */
    s->rot = g->side != LORA__SIDE_NONE ? g->a_group * (int)((long)(jcb % g->nthreads) * (s->n / g->a_group) / g->nthreads)
                     : g->a_group * (int)((long)jcb * lora__ceil_div(s->n, g->a_group) / g->n_jc);
    LORA__AFLAG_STORE(&s->next, 0);
    LORA__AFLAG_STORE(&s->done, 0);
    if (g->stealing) {
        LORA__AFLAG_STORE(&s->live, 1);
        lora__aflag_inc(&g->published);
    }
    /* Panels whose group another thread is still packing (it may have been descheduled) are
       left for after the others, then waited for if needed. */
    while ((c = g->stealing ? lora__aflag_take(&s->next) : s->next++) < s->n) {
        int r = s->r_begin + (c + s->rot) % s->n, grp = r / g->a_group;
        if (sj.grp == grp) lora__side_finish(g, s, &sj);
        if (!lora__gemm_group_ready(g, s, grp, 0)) { skipped[n_skipped++] = r; continue; }
        /* at the start of a group, take the next whole group as a side job if nobody has */
        if (g->side != LORA__SIDE_NONE && sj.grp < 0 && r % g->a_group == 0 && (grp + 2) * g->a_group * cfg->mr <= s->mcb &&
            (g->side == LORA__SIDE_TRANS_A || (s->kc % 16 == 0 && s->kc >= 256)) &&
            LORA__AFLAG_LOAD(&s->aflags[grp + 1]) == LORA__PACK_TODO && lora__aflag_claim(&s->aflags[grp + 1])) {
            sj.grp = grp + 1;
            sj.k = 0;
        }
        lora__gemm_panel(g, s, r, &sj);
        own++;
    }
    lora__side_finish(g, s, &sj);
    for (c = 0; c < n_skipped; c++) {
        lora__gemm_group_ready(g, s, skipped[c] / g->a_group, 1);
        lora__gemm_panel(g, s, skipped[c], NULL);
        own++;
    }
    if (g->stealing) {
        /* panels others took still use this thread's packed B, and the tile ends with them */
        lora__wait_flag_ge(&s->done, s->n - own);
        LORA__AFLAG_STORE(&s->live, 0);
    }
    return 1;
}

#ifdef LORA__THREADS
/* Every task claimed (none will start): take the panels other threads have not taken yet
   from their tasks in progress, until there are none and no task is still being set up. */
static void lora__gemm_take_panels(lora__gemm *g, int thread, int n_tasks) {
    int spins = 0;
    for (;;) {
        int t, found = 0;
        for (t = 0; t < g->nthreads; t++) {
            lora__gemm_span *s = &g->spans[t];
            int c;
            if (t == thread || !LORA__AFLAG_LOAD(&s->live) || LORA__AFLAG_LOAD(&s->next) >= s->n) continue;
            while ((c = lora__aflag_take(&s->next)) < s->n) {
                int r = s->r_begin + (c + s->rot) % s->n;
                lora__gemm_group_ready(g, s, r / g->a_group, 1);
                lora__gemm_panel(g, s, r, NULL);
                lora__aflag_inc(&s->done);
                lora__aflag_inc(g->panels_taken);
                found = 1;
            }
        }
        if (found) { spins = 0; continue; }
        /* a task that has started but not yet published its span (packing its op(B)) */
        if (LORA__AFLAG_LOAD(&g->published) >= n_tasks || ++spins > 20000) return;
        lora__cpu_relax();
    }
}
#else
static void lora__gemm_take_panels(lora__gemm *g, int thread, int n_tasks) { (void)g; (void)thread; (void)n_tasks; }
#endif

static void lora__gemm_task(void *vctx, int task, int thread) {
    lora__gemm *g = (lora__gemm *)vctx;
    const int tpb = g->n_jc * g->n_ir, unit = task / tpb, slot = unit & 1, step = unit / g->n_blocks;
    const int tile = task % (tpb * g->n_blocks), n_tasks = tpb * g->n_blocks * g->n_steps;
    int published;
    if (g->stealing) lora__aflag_inc(&g->started);
    /* the slot is unit u - 2's until its last task is done (rarely still running) */
    if (unit >= 2) lora__wait_flag_ge(&g->owner[slot], unit);
    /* this tile's previous K block (done unless a thread was descheduled) */
    if (step > 0) lora__wait_flag_ge(&g->tile_steps[tile], step);
    published = lora__gemm_block_task(g, unit, task % tpb, thread);
    if (g->n_steps > 1) LORA__AFLAG_STORE(&g->tile_steps[tile], step + 1);
    if (lora__aflag_inc(&g->finished[slot]) == tpb && unit + 2 < g->n_blocks * g->n_steps) {
        memset(g->aflags[slot], 0, (size_t)lora__ceil_div(g->mcb_full, g->cfg->mr) * sizeof(int)); /* LORA__PACK_TODO */
        LORA__AFLAG_STORE(&g->finished[slot], 0);
        LORA__AFLAG_STORE(&g->owner[slot], unit + 2);
    }
    if (g->stealing) {
        if (!published) lora__aflag_inc(&g->published);
        if (LORA__AFLAG_LOAD(&g->started) >= n_tasks) lora__gemm_take_panels(g, thread, n_tasks);
    }
}

/* Reference (used when the workspace cannot be allocated). */
static void lora__sgemm_ref(int M, int N, int K, float alpha, const float *A, long a_ri, long a_ck,
                            const float *B, long b_rk, long b_cj, float beta, float *C, long ldc) {
    int i, j, k;
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            float s = 0.0f, *c = C + (long)i * ldc + j;
            for (k = 0; k < K; k++) s += A[i * a_ri + k * a_ck] * B[k * b_rk + j * b_cj];
            *c = beta == 0.0f ? alpha * s : alpha * s + beta * *c;
        }
}

/* C = beta * C (beta == 0 writes zeros without reading C) */
static void lora__scale_c(int M, int N, float beta, float *C, long ldc) {
    int i, j;
    if (beta == 1.0f) return;
    for (i = 0; i < M; i++) {
        float *c = C + (long)i * ldc;
        if (beta == 0.0f) memset(c, 0, (size_t)N * sizeof *c);
        else for (j = 0; j < N; j++) c[j] *= beta;
    }
}

#ifdef LORA_BLAS
#ifdef LORA_BLAS_INCLUDE_CBLAS_H
#include <cblas.h>
#else
#ifdef __cplusplus
extern "C" {
#endif
/* CBLAS prototype (enums passed as int: CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112) */
void cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
#ifdef __cplusplus
}
#endif
#endif
#endif

/* ---- direct paths for skinny products (no packing; tasks are tiles of C) ---- */
/* Which direct kernel of lora__gemm_cfg a skinny product runs. Each reads its operands in
   place, in the one layout it streams well; lora__direct_pick chooses by that layout. */
enum lora__direct_kind {
    LORA__DIRECT_NONE,      /* none: the packed path */
    LORA__DIRECT_BROADCAST, /* d1: elements of U broadcast against rows of V contiguous along j */
    LORA__DIRECT_DOT,       /* d2: dot products of rows of A and of Bt, both contiguous along k */
    LORA__DIRECT_RANK       /* d3: K <= 8 (a rank-r update), the rows of V held in registers */
};
/* The copy of op(B) a direct kernel reads when B's own layout is the wrong one: cheaper than
   the packed path while the copy (K x N floats) stays small. */
enum lora__direct_copy {
    LORA__COPY_NONE,        /* B read in place */
    LORA__COPY_B_ALONG_K,   /* for d2: tmp[j * K + k] = op(B)(k, j) (B stored K x N) */
    LORA__COPY_B_ALONG_N    /* for d1: tmp[k * N + j] = op(B)(k, j) (B stored N x K) */
};
typedef struct lora__direct {
    const lora__gemm_cfg *cfg;
    enum lora__direct_kind kind;
    int M, N, K, tiles_n, n_tiles, chunk;
    int n_head, tail_chunk;          /* tasks < n_head: chunk tiles each; then tail_chunk tiles each */
    const float *U; long u_ri, u_ck; /* d1: broadcast operand; d2: A rows (u_ri = lda) */
    const float *V; long v_rk;       /* d1: V[k * v_rk + j]; d2: Bt rows (v_rk = ldbt) */
    float *C; long rs_c, cs_c;
    float alpha, beta;
} lora__direct;

static void lora__direct_task(void *vctx, int task, int thread) {
    const lora__direct *d = (const lora__direct *)vctx;
    int t = task < d->n_head ? task * d->chunk : d->n_head * d->chunk + (task - d->n_head) * d->tail_chunk;
    int t_end = t + (task < d->n_head ? d->chunk : d->tail_chunk);
    (void)thread;
    if (t_end > d->n_tiles) t_end = d->n_tiles;
    for (; t < t_end; t++) {
        int ti = t / d->tiles_n, tj = t % d->tiles_n;
        if (d->kind == LORA__DIRECT_RANK) {
            int i = ti * d->cfg->d3_mr, j = tj * d->cfg->d3_nr;
            d->cfg->d3(d->K, d->U + i * d->u_ri, d->u_ri, d->u_ck, d->V + j, d->v_rk, d->C + i * d->rs_c + j, d->rs_c,
                       d->M - i < d->cfg->d3_mr ? d->M - i : d->cfg->d3_mr, d->N - j < d->cfg->d3_nr ? d->N - j : d->cfg->d3_nr,
                       d->alpha, d->beta);
        } else if (d->kind == LORA__DIRECT_BROADCAST) {
            int i = ti * d->cfg->d1_mr, j = tj * d->cfg->d1_nr;
            d->cfg->d1(d->K, d->U + i * d->u_ri, d->u_ri, d->u_ck, d->V + j, d->v_rk, d->C + i * d->rs_c + j * d->cs_c,
                       d->rs_c, d->cs_c, d->M - i < d->cfg->d1_mr ? d->M - i : d->cfg->d1_mr,
                       d->N - j < d->cfg->d1_nr ? d->N - j : d->cfg->d1_nr, d->alpha, d->beta);
        } else { /* LORA__DIRECT_DOT */
            int i = ti * d->cfg->d2_mr, j = tj * d->cfg->d2_nr;
            d->cfg->d2(d->K, d->U + i * d->u_ri, d->u_ri, d->V + j * d->v_rk, d->v_rk, d->C + i * d->rs_c + j,
                       d->rs_c, d->M - i < d->cfg->d2_mr ? d->M - i : d->cfg->d2_mr,
                       d->N - j < d->cfg->d2_nr ? d->N - j : d->cfg->d2_nr, d->alpha, d->beta);
        }
    }
}

/* runs d over the pool (held) or serially */
static void lora__direct_run(lora__direct *d, lora_pool *pool, int nthreads) {
    int mr = d->kind == LORA__DIRECT_BROADCAST ? d->cfg->d1_mr : d->kind == LORA__DIRECT_RANK ? d->cfg->d3_mr : d->cfg->d2_mr;
    int nr = d->kind == LORA__DIRECT_BROADCAST ? d->cfg->d1_nr : d->kind == LORA__DIRECT_RANK ? d->cfg->d3_nr : d->cfg->d2_nr,
        n_tasks, t;
    double tile_flops = 2.0 * mr * nr * (double)d->K;
    d->tiles_n = lora__ceil_div(d->N, nr);
    d->n_tiles = lora__ceil_div(d->M, mr) * d->tiles_n;
    /* about 64 kFLOP per task at least, and 8 tasks per thread at most; with threads the
       last nthreads of those tasks are cut into 64 kFLOP ones, so that the threads end
       together (these calls take 10-500 us; +1-2 % on the rank-8 updates at 2 threads) */
    d->tail_chunk = d->chunk = (int)(65536.0 / tile_flops) + 1;
    if (nthreads > 1 && lora__ceil_div(d->n_tiles, d->chunk) > 8 * nthreads) d->chunk = lora__ceil_div(d->n_tiles, 8 * nthreads);
    d->n_head = nthreads > 1 ? d->n_tiles / d->chunk - nthreads : 0;
    if (d->n_head < 0) d->n_head = 0;
    n_tasks = d->n_head + lora__ceil_div(d->n_tiles - d->n_head * d->chunk, d->tail_chunk);
    if (nthreads > 1 && n_tasks > 1) lora__pool_run_held(pool, lora__direct_task, d, n_tasks);
    else for (t = 0; t < n_tasks; t++) lora__direct_task(d, t, 0);
}

/* The direct kernel for a product, if one beats the packed path: d2 when N is small and the
   rows of A run along k; d1 when M or K is small and op(B)'s rows run along j, or (*swap: C^T
   = op(B)^T op(A)^T) when A is transposed; *copy when B must first be laid out for it. Shape
   and ISA only, never the thread count: the kernel, and so every bit of C, must not change
   with the threads. */
static enum lora__direct_kind lora__direct_pick(const lora__gemm_cfg *cfg, int transA, int transB, int M, int N, int K,
                                                int *swap, enum lora__direct_copy *copy) {
    const int small_m = M <= 16, small_n = N <= 16, small_k = K <= 16;
    enum lora__direct_kind kind = LORA__DIRECT_NONE;
    *swap = 0;
    *copy = LORA__COPY_NONE;
    if (!cfg->d1 || !cfg->d2) return LORA__DIRECT_NONE;
    if (!transA && small_n && (transB || (long)K * N <= (1L << 22))) {
        kind = LORA__DIRECT_DOT;
        *copy = transB ? LORA__COPY_NONE : LORA__COPY_B_ALONG_K;
    } else if (!transB && (small_m || small_k)) {
        kind = LORA__DIRECT_BROADCAST;
    } else if (transA && (small_n || small_k)) {
        kind = LORA__DIRECT_BROADCAST;
        *swap = 1;
    } else if (transB && small_k && (long)K * N <= (1L << 20)) {
        kind = LORA__DIRECT_BROADCAST;
        *copy = LORA__COPY_B_ALONG_N;
    }
    if (kind == LORA__DIRECT_BROADCAST && !*swap && K <= 8 && cfg->d3) kind = LORA__DIRECT_RANK;
    return kind;
}

/* Runs a skinny product on a direct kernel; returns 0 when the packed path is better (or the
   copy of B could not be allocated). */
static LORA__UNUSED int lora__sgemm_direct(const lora__gemm_cfg *cfg, lora_pool *pool, int transA, int transB, int M, int N, int K,
                              float alpha, const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    lora__direct d;
    const long a_ri = transA ? 1 : lda, a_ck = transA ? lda : 1, b_rk = transB ? 1 : ldb, b_cj = transB ? ldb : 1;
    enum lora__direct_copy copy;
    int held, nthreads, swap;
    const enum lora__direct_kind kind = lora__direct_pick(cfg, transA, transB, M, N, K, &swap, &copy);
    float *tmp = NULL;
    if (kind == LORA__DIRECT_NONE) return 0;
    if (copy != LORA__COPY_NONE) {
        tmp = (float *)lora__alloc_aligned((size_t)K * N * sizeof(float), "matrix multiply workspace");
        if (!tmp) return 0;
        /* transposed copies through the packing routine (one panel as wide as the matrix) */
        if (copy == LORA__COPY_B_ALONG_K) cfg->pack(B, ldb, 1, K, N, K, tmp);  /* tmp[j * K + k] = B[k * ldb + j] */
        else cfg->pack(B, ldb, 1, N, K, N, tmp);                               /* tmp[k * N + j] = B[j * ldb + k] */
    }
    memset(&d, 0, sizeof d);
    d.cfg = cfg; d.kind = kind; d.K = K; d.alpha = alpha; d.beta = beta; d.C = C;
    if (kind == LORA__DIRECT_DOT) {
        d.M = M; d.N = N; d.U = A; d.u_ri = lda; d.rs_c = ldc; d.cs_c = 1;
        if (tmp) { d.V = tmp; d.v_rk = K; } else { d.V = B; d.v_rk = ldb; }
    } else if (!swap) { /* LORA__DIRECT_BROADCAST or LORA__DIRECT_RANK */
        d.M = M; d.N = N; d.U = A; d.u_ri = a_ri; d.u_ck = a_ck; d.rs_c = ldc; d.cs_c = 1;
        if (tmp) { d.V = tmp; d.v_rk = N; } else { d.V = B; d.v_rk = ldb; }
    } else { /* C^T = op(B)^T op(A)^T, vectors along M read from the rows of A (stored K x M) */
        d.M = N; d.N = M; d.U = B; d.u_ri = b_cj; d.u_ck = b_rk; d.V = A; d.v_rk = lda; d.rs_c = 1; d.cs_c = ldc;
    }
    held = lora__pool_acquire(pool);
    nthreads = held ? lora__pool_nthreads(pool) : 1;
    if (2.0 * M * N * (double)K < 2e6) nthreads = 1;
    lora__direct_run(&d, pool, nthreads);
    if (held) lora__pool_release(pool);
    lora__free_aligned(tmp);   /* aligned: the pack routines store whole 64-byte lines */
    return 1;
}

#define LORA__SHARED_B_COLS 1024 /* widest column block whose packed op(B) is shared by row tasks */
#define LORA__TASKS_PER_THREAD 6 /* fewest tasks per thread in a dispatch (see lora__gemm_plan_tasks) */

/* Orientation: computes C^T = op(B)^T op(A)^T when that wastes less of the micro-tile (e.g.
   N = 8 with nr = 32); the driver then only ever sees "A" (packed in mr panels) and "B". Depends
   on the shape only. */
static void lora__gemm_orient(lora__gemm *g, int M, int N, int K, const float *A, long a_ri, long a_ck,
                              const float *B, long b_rk, long b_cj, float *C, int ldc) {
    const lora__gemm_cfg *cfg = g->cfg;
    const double eff_n = (double)M / lora__round_up(M, cfg->mr) * ((double)N / lora__round_up(N, cfg->nr));
    const double eff_t = (double)N / lora__round_up(N, cfg->mr) * ((double)M / lora__round_up(M, cfg->nr));
    if (!(eff_t > 1.15 * eff_n)) {
        g->M = M; g->N = N; g->A = A; g->a_ri = a_ri; g->a_ck = a_ck; g->B = B; g->b_rk = b_rk; g->b_cj = b_cj;
        g->rs_c = ldc; g->cs_c = 1;
    } else {
        g->M = N; g->N = M; g->A = B; g->a_ri = b_cj; g->a_ck = b_rk; g->B = A; g->b_rk = a_ck; g->b_cj = a_ri;
        g->rs_c = 1; g->cs_c = ldc;
    }
    g->K = K; g->C = C;
}

/* Task-grid policy, the part fixed for the whole product; returns the number of K blocks. The
   K blocks are a function of K only: every element of C sums its k in the same blocks, in the
   same order, whatever the thread count. Row blocks of mcb_full rows bound the packed-A slot
   (op(A) is packed once per K block and row block, for all its column tasks). A is packed by
   groups of panels: with transposed A (rows along i) 8, so that each source row is read in one
   longer run, or LORA__SIDE_G when side jobs pack it; otherwise panel by panel. */
static int lora__gemm_plan_blocks(lora__gemm *g, float beta) {
    const lora__gemm_cfg *cfg = g->cfg;
    int n_kb = lora__ceil_div(g->K, cfg->kc);
    g->kc_max = lora__round_up(lora__ceil_div(g->K, n_kb), 4);
    n_kb = lora__ceil_div(g->K, g->kc_max);
    g->beta0 = beta;
    g->mcb_full = g->M < cfg->mcb ? g->M : cfg->mcb;
    g->n_blocks = lora__ceil_div(g->M, g->mcb_full);
    g->side = !cfg->kern_side ? LORA__SIDE_NONE : g->a_ri == 1 ? LORA__SIDE_TRANS_A : g->a_ck == 1 ? LORA__SIDE_ROWS_A : LORA__SIDE_NONE;
    g->a_group = g->a_ri != 1 ? 1 : g->side != LORA__SIDE_NONE ? LORA__SIDE_G : 8;
    return n_kb;
}

/* A shared op(B) (lora__gemm.shared_b) is there to split rows between threads without
   shrinking the column blocks (see lora__gemm_plan_tasks): it needs threads and several row
   blocks (with one, the column split alone is as fast). */
static int lora__gemm_may_share_b(const lora__gemm *g) { return g->nthreads > 1 && g->n_blocks > 1; }

/* The workspace of one packed product: one block (the pool's scratch when the pool is held,
   which stays allocated from call to call), sized once for the largest grid any column block
   may use. In order: n_slots packed-A slots, one op(B) block per thread, the shared op(B)
   block, the spans, then the ints (n_slots A group-flag arrays, bflags, tile_steps). The block
   is 64-byte aligned and every piece a multiple of 64 bytes, so each starts on a cache line:
   packed op(B) is read and written with aligned vector loads and stores, and a span's atomics
   must not share a line with another thread's. */
typedef struct lora__gemm_ws {
    int n_slots;         /* packed-A slots: two when one dispatch runs several units (lora__gemm) */
    int n_panels_max;    /* mr panels of a full row block (group flags per slot) */
    size_t ap_floats, bp_floats, bsh_floats, span_bytes, flag_ints, bflag_ints, tile_ints, bytes;
} lora__gemm_ws;

/* sizes each piece for the largest grid lora__gemm_plan_tasks may pick for any column block,
   so that one allocation serves the whole product */
static void lora__gemm_ws_plan(const lora__gemm *g, int n_kb, lora__gemm_ws *w) {
    const lora__gemm_cfg *cfg = g->cfg;
    const int nthreads = g->nthreads, may_share_b = lora__gemm_may_share_b(g);
    int jp_max;
    /* two A slots when one dispatch has several units (row blocks, or K blocks with threads) */
    w->n_slots = g->n_blocks > 1 || (nthreads > 1 && n_kb > 1) ? 2 : 1;
    w->n_panels_max = lora__ceil_div(g->mcb_full, cfg->mr);
    w->ap_floats = (size_t)lora__round_up(w->n_panels_max * cfg->mr * g->kc_max, 16);
    w->bp_floats = (size_t)lora__round_up(g->kc_max * cfg->nb, 16);
    w->flag_ints = (size_t)lora__round_up(w->n_panels_max, 16);
    /* shared op(B): at most LORA__SHARED_B_COLS columns */
    w->bsh_floats = may_share_b ? (size_t)g->kc_max * (size_t)lora__round_up(g->N < LORA__SHARED_B_COLS ? g->N : LORA__SHARED_B_COLS, cfg->nr) : 0;
    w->bflag_ints = may_share_b ? (size_t)lora__round_up(LORA__SHARED_B_COLS / cfg->nr + 1, 16) : 0;
    /* K blocks in one dispatch (threads, op(B) not shared): one K-block counter per C tile;
       a tile is a task of a row block, at most jp_max column blocks x nthreads row chunks */
    jp_max = lora__ceil_div(g->N < cfg->ncb ? g->N : cfg->ncb, cfg->nr);
    w->tile_ints = nthreads > 1 && n_kb > 1
                   ? (size_t)lora__round_up(g->n_blocks * jp_max * (nthreads < w->n_panels_max ? nthreads : w->n_panels_max), 16) : 0;
    w->span_bytes = (size_t)lora__round_up((int)sizeof(lora__gemm_span), 64) * (size_t)nthreads;
    w->bytes = ((size_t)w->n_slots * w->ap_floats + (size_t)nthreads * w->bp_floats + w->bsh_floats) * sizeof(float) + w->span_bytes +
               ((size_t)w->n_slots * w->flag_ints + w->bflag_ints + w->tile_ints) * sizeof(int);
}

/* points g's buffers into the block, in the order above (the only place that knows it) */
static void lora__gemm_ws_carve(lora__gemm *g, const lora__gemm_ws *w, unsigned char *ws) {
    g->Ap[0] = (float *)ws;
    g->Ap[1] = g->Ap[0] + (w->n_slots - 1) * w->ap_floats;
    g->Bp = g->Ap[0] + w->n_slots * w->ap_floats;
    g->bp_stride = (long)w->bp_floats;
    g->Bsh = g->Bp + (size_t)g->nthreads * w->bp_floats;
    g->spans = (lora__gemm_span *)(void *)(g->Bsh + w->bsh_floats);
    g->aflags[0] = (int *)(void *)((unsigned char *)g->spans + w->span_bytes);
    g->aflags[1] = g->aflags[0] + (w->n_slots - 1) * w->flag_ints;
    g->bflags = g->aflags[0] + w->n_slots * w->flag_ints;
    g->tile_steps = g->bflags + w->bflag_ints;
}

/* Task-grid policy for the column block at g->j0 (ncb columns): the tasks of one row block are
   n_jc column blocks (whole nr panels, at most nb columns, panels split evenly) x n_ir row
   chunks. With threads, at least LORA__TASKS_PER_THREAD tasks per thread: dynamic scheduling
   then evens out threads that start late or run slower (a shared machine), and the idle tail at
   the end of a step is at most one small task. Few columns (N = 768 has 3 blocks of nb) and
   several row blocks: the rows are split, with op(B) packed once for all row blocks and shared,
   so that each A panel, streamed from L3, still meets a whole nb block of B (splitting the
   columns finer leaves it 2 B panels: 3-6 % slower at M = 4096-50257, N = 768, 2 threads).
   With one row block its packed A stays in cache and the column split is as fast. Also sets
   n_steps, the K blocks run per dispatch (see lora__gemm_dispatch). */
static void lora__gemm_plan_tasks(lora__gemm *g, int n_kb, int n_panels_max) {
    const lora__gemm_cfg *cfg = g->cfg;
    const int nthreads = g->nthreads, min_tasks = LORA__TASKS_PER_THREAD * nthreads;
    int jp, n_jc;
    g->ncb = g->N - g->j0 < cfg->ncb ? g->N - g->j0 : cfg->ncb;
    jp = lora__ceil_div(g->ncb, cfg->nr);
    n_jc = lora__ceil_div(jp, cfg->nb / cfg->nr);
    g->shared_b = lora__gemm_may_share_b(g) && n_jc < min_tasks && g->ncb <= LORA__SHARED_B_COLS;
    if (g->shared_b) {
        g->n_jc = n_jc;
        g->n_ir = lora__ceil_div(min_tasks, n_jc);
        if (g->n_ir > n_panels_max) g->n_ir = n_panels_max;
    } else {
        if (nthreads > 1) n_jc = lora__round_up(n_jc > min_tasks ? n_jc : min_tasks, nthreads);
        g->n_jc = n_jc < jp ? n_jc : jp;
        /* otherwise split the rows too */
        g->n_ir = 1;
        if (nthreads > 1 && g->n_jc % nthreads) g->n_ir = nthreads < n_panels_max ? nthreads : n_panels_max;
    }
    g->n_steps = nthreads > 1 && !g->shared_b ? n_kb : 1;
}

/* Runs the column block at g->j0 over the pool (held) or serially. With threads and op(B) not
   shared, every K block of every row block goes in one dispatch: a barrier per K block idled a
   thread for most of a task at each one, while the other finished the block's last task (0-9 %
   at 2 threads for K = 768-50257). Otherwise one dispatch per K block, over every row block
   (a shared op(B) block is packed per K block). Each dispatch starts its flags and counters
   from zero: they only grow within one (see lora__wait_flag_ge). */
static void lora__gemm_dispatch(lora__gemm *g, lora_pool *pool, int n_kb, const lora__gemm_ws *w) {
    for (g->step0 = 0; g->step0 < n_kb; g->step0 += g->n_steps) {
        int n_tasks = g->n_jc * g->n_ir * g->n_blocks * g->n_steps, t;
        if (g->shared_b) memset(g->bflags, 0, (size_t)g->n_jc * sizeof(int)); /* LORA__PACK_TODO */
        if (g->n_steps > 1) memset(g->tile_steps, 0, (size_t)g->n_jc * g->n_ir * g->n_blocks * sizeof(int));
        g->started = g->published = 0;
        for (t = 0; t < g->nthreads; t++) g->spans[t].live = 0;
        for (t = 0; t < w->n_slots; t++) {
            memset(g->aflags[t], 0, (size_t)w->n_panels_max * sizeof(int)); /* LORA__PACK_TODO */
            g->owner[t] = t;
            g->finished[t] = 0;
        }
        if (g->nthreads > 1) lora__pool_run_held(pool, lora__gemm_task, g, n_tasks);
        else for (t = 0; t < n_tasks; t++) lora__gemm_task(g, t, 0);
    }
}

/* The packed path: orientation, the product-wide grid, one workspace, then for each column
   block of at most ncb columns its task grid and dispatches. Without a workspace it falls back
   to the reference loop: lora_sgemm has no status to report the failure with. */
static LORA__UNUSED void lora__sgemm_packed(const lora__gemm_cfg *cfg, lora_pool *pool, int transA, int transB,
                                            int M, int N, int K, float alpha, const float *A, int lda,
                                            const float *B, int ldb, float beta, float *C, int ldc) {
    const long a_ri = transA ? 1 : lda, a_ck = transA ? lda : 1, b_rk = transB ? 1 : ldb, b_cj = transB ? ldb : 1;
    lora__gemm g;
    lora__gemm_ws w;
    unsigned char *ws;
    int held, n_kb;

    memset(&g, 0, sizeof g);
    g.cfg = cfg;
    g.alpha = alpha;
    lora__gemm_orient(&g, M, N, K, A, a_ri, a_ck, B, b_rk, b_cj, C, ldc);
    held = lora__pool_acquire(pool);
    g.nthreads = held ? lora__pool_nthreads(pool) : 1;
    if (2.0 * M * N * (double)K < 1e6) g.nthreads = 1;
    g.stealing = g.nthreads > 1;
    g.panels_taken = held ? &pool->gemm_panels_taken : NULL; /* held whenever nthreads > 1 */
    g.side_groups = held ? &pool->gemm_side_groups : NULL;
    n_kb = lora__gemm_plan_blocks(&g, beta);

    lora__gemm_ws_plan(&g, n_kb, &w);
    ws = held ? (unsigned char *)lora__pool_scratch(pool, w.bytes)
              : (unsigned char *)lora__alloc_aligned(w.bytes, "matrix multiply workspace");
    if (!ws) {
        if (held) lora__pool_release(pool);
        lora__sgemm_ref(M, N, K, alpha, A, a_ri, a_ck, B, b_rk, b_cj, beta, C, ldc);
        return;
    }
    lora__gemm_ws_carve(&g, &w, ws);

    for (g.j0 = 0; g.j0 < g.N; g.j0 += cfg->ncb) {
        lora__gemm_plan_tasks(&g, n_kb, w.n_panels_max);
        lora__gemm_dispatch(&g, pool, n_kb, &w);
    }
    if (held) lora__pool_release(pool);
    else lora__free_aligned(ws);
}

LORA_API void lora_sgemm(lora_pool *pool, int transA, int transB, int M, int N, int K,
                         float alpha, const float *A, int lda, const float *B, int ldb,
                         float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0 || !C) return;   /* invalid shapes or a NULL C: nothing to do */
    if (K <= 0 || alpha == 0.0f) { lora__scale_c(M, N, beta, C, ldc); return; }
    if (!A || !B) return;
#ifdef LORA_BLAS
    (void)pool;
    cblas_sgemm(101, transA ? 112 : 111, transB ? 112 : 111, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    {
        const lora__gemm_cfg *cfg = lora__gemm_config(pool ? pool->isa : lora__null_pool_isa());
        if (!lora__sgemm_direct(cfg, pool, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))
            lora__sgemm_packed(cfg, pool, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
#endif
}

#ifdef LORA__MATMUL_DIAG_PUSHED
#pragma GCC diagnostic pop
#undef LORA__MATMUL_DIAG_PUSHED
#endif

/* ---- lora/22_vecmath.impl.c ---- */
/* g++ 12 warns falsely (-Wuninitialized) inside its own _mm512_undefined_* helpers used by
   the AVX-512 reductions below. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/* ---- vectorised row kernels for the non-matmul ops ----
   exp (Cephes-style range reduction + degree-6 polynomial, ~1 ulp), row max, exp-and-sum,
   scale, sum / centred sum of squares / dot with fixed lane and accumulation order (so a
   row's result never depends on threads), gelu_new forward and backward
   (0.5 x (1 + tanh u) = x * sigmoid(2u)), elementwise add and accumulate (biases, residuals,
   embeddings: exact, so the same on every ISA), layernorm's backward row and the column sums of
   its weight gradients, dropout's mask-and-scale, and AdamW's elementwise update. One table of
   function pointers per instruction set, picked once per call site from the pool's ISA. */

/* The table type, lora_vecops, is public (lora.h, "For model authors"). */

/* ---- scalar ---- */
static float lora__max_scalar(const float *x, int n) {
    float m = x[0];
    int i;
    for (i = 1; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}
static float lora__exp_sum_scalar(const float *x, float *y, int n, float sub) {
    float s = 0.0f;
    int i;
    for (i = 0; i < n; i++) { float e = expf(x[i] - sub); if (y) y[i] = e; s += e; }
    return s;
}
static void lora__scale_scalar(float *y, int n, float s) { int i; for (i = 0; i < n; i++) y[i] *= s; }
static float lora__sum_scalar(const float *x, int n) { float s = 0.0f; int i; for (i = 0; i < n; i++) s += x[i]; return s; }
static float lora__sumsq_centered_scalar(const float *x, int n, float mu) {
    float s = 0.0f;
    int i;
    for (i = 0; i < n; i++) { float d = x[i] - mu; s += d * d; }
    return s;
}
static float lora__dot_scalar(const float *a, const float *b, int n) { float s = 0.0f; int i; for (i = 0; i < n; i++) s += a[i] * b[i]; return s; }
static void lora__norm_affine_scalar(const float *x, float *y, const float *w, const float *b, int n, float mu, float rstd) {
    int i;
    for (i = 0; i < n; i++) y[i] = (x[i] - mu) * rstd * w[i] + b[i];
}
#define LORA__GELU_K 0.7978845608028654f /* sqrt(2/pi) */
#define LORA__GELU_C 0.044715f
static void lora__gelu_scalar(const float *x, float *y, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(LORA__GELU_K * (v + LORA__GELU_C * v * v * v)));
    }
}
static void lora__gelu_back_scalar(const float *x, const float *dy, float *dx, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        float v = x[i], t = tanhf(LORA__GELU_K * (v + LORA__GELU_C * v * v * v));
        float du = LORA__GELU_K * (1.0f + 3.0f * LORA__GELU_C * v * v);
        dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du);
    }
}
static void lora__add_scalar(const float *a, const float *b, float *y, size_t n) { size_t i; for (i = 0; i < n; i++) y[i] = a[i] + b[i]; }
static void lora__acc_scalar(float *y, const float *x, size_t n) { size_t i; for (i = 0; i < n; i++) y[i] += x[i]; }
static void lora__ln_back_scalar(const float *x, const float *d, const float *w, float *dx, int n, float mu, float rstd) {
    float dmean = 0.0f, dnorm_mean = 0.0f;
    int i;
    for (i = 0; i < n; i++) {
        float nrm = (x[i] - mu) * rstd, dn = d[i] * w[i];
        dmean += dn; dnorm_mean += dn * nrm;
    }
    dmean /= (float)n; dnorm_mean /= (float)n;
    for (i = 0; i < n; i++) {
        float nrm = (x[i] - mu) * rstd, dn = d[i] * w[i];
        dx[i] += (dn - dmean - nrm * dnorm_mean) * rstd;
    }
}
static void lora__ln_wgrad_scalar(const float *d, const float *x, float *dw, float *db, int n, float mu, float rstd) {
    int i;
    if (dw) for (i = 0; i < n; i++) dw[i] += d[i] * ((x[i] - mu) * rstd);
    if (db) for (i = 0; i < n; i++) db[i] += d[i];
}
static void lora__mask_scale_scalar(const float *x, const unsigned char *mask, float *y, size_t n, float scale) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = mask[i] ? x[i] * scale : 0.0f;
}
static void lora__rms_scale_scalar(const float *x, float *y, const float *w, int n, float rstd) {
    int i;
    for (i = 0; i < n; i++) y[i] = (x[i] * rstd) * w[i];
}
static void lora__rms_back_scalar(const float *x, const float *d, const float *w, float *dx, int n, float rstd) {
    float dot = 0.0f, mean;
    int i;
    for (i = 0; i < n; i++) dot += d[i] * w[i] * (x[i] * rstd);
    mean = dot / (float)n;
    for (i = 0; i < n; i++) dx[i] += (d[i] * w[i] - (x[i] * rstd) * mean) * rstd;
}
static void lora__swiglu_scalar(const float *g, const float *u, float *y, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}
static void lora__swiglu_back_scalar(const float *g, const float *u, const float *dy, float *dg, float *du, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        float gv = g[i], uv = u[i], s = 1.0f / (1.0f + expf(-gv)), d = dy[i];
        dg[i] = d * uv * (s * (1.0f + gv * (1.0f - s)));
        du[i] = d * (gv * s);
    }
}
static void lora__rope_scalar(const float *x, float *y, const float *c, const float *sn, int half, int inverse) {
    int i;
    for (i = 0; i < half; i++) {
        float a = x[i], b = x[i + half], s = inverse ? -sn[i] : sn[i];
        y[i] = a * c[i] - b * s;
        y[i + half] = b * c[i] + a * s;
    }
}
static const lora_vecops lora__vec_scalar = {
    lora__max_scalar, lora__exp_sum_scalar, lora__scale_scalar, lora__sum_scalar, lora__sumsq_centered_scalar,
    lora__dot_scalar, lora__norm_affine_scalar, lora__gelu_scalar, lora__gelu_back_scalar,
    lora__add_scalar, lora__acc_scalar, lora__ln_back_scalar, lora__ln_wgrad_scalar, lora__mask_scale_scalar,
    lora__rms_scale_scalar, lora__rms_back_scalar, lora__swiglu_scalar, lora__swiglu_back_scalar, lora__rope_scalar};

/* ---- AVX2 + FMA and AVX-512: the same algorithms, 8 or 16 lanes ---- */
#if defined(LORA__HAVE_AVX2) || defined(LORA__HAVE_AVX512)
/* exp constants (Cephes expf) */
#define LORA__EXP_HI 88.3762626647949f
#define LORA__EXP_LO (-87.3365478515625f)
#define LORA__LOG2E 1.44269504088896341f
#define LORA__LN2_HI 0.693359375f
#define LORA__LN2_LO (-2.12194440e-4f)
#define LORA__EXP_P0 1.9875691500e-4f
#define LORA__EXP_P1 1.3981999507e-3f
#define LORA__EXP_P2 8.3334519073e-3f
#define LORA__EXP_P3 4.1665795894e-2f
#define LORA__EXP_P4 1.6666665459e-1f
#define LORA__EXP_P5 5.0000001201e-1f
#endif

#ifdef LORA__HAVE_AVX2
static LORA__TARGET_AVX2 __m256 lora__exp8(__m256 x) {
    __m256 fx, z, y;
    __m256i e;
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(LORA__EXP_LO)), _mm256_set1_ps(LORA__EXP_HI));
    fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LORA__LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(LORA__LN2_HI), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(LORA__LN2_LO), x);
    z = _mm256_mul_ps(x, x);
    y = _mm256_set1_ps(LORA__EXP_P0);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(LORA__EXP_P1));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(LORA__EXP_P2));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(LORA__EXP_P3));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(LORA__EXP_P4));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(LORA__EXP_P5));
    y = _mm256_fmadd_ps(y, z, _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}
static LORA__TARGET_AVX2 float lora__hsum8(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}
static LORA__TARGET_AVX2 float lora__hmax8(__m256 v) {
    __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_max_ps(a, _mm_movehl_ps(a, a));
    a = _mm_max_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}
static LORA__TARGET_AVX2 float lora__max_avx2(const float *x, int n) {
    int i = 0;
    float m;
    if (n >= 8) {
        __m256 v = _mm256_loadu_ps(x);
        for (i = 8; i + 8 <= n; i += 8) v = _mm256_max_ps(v, _mm256_loadu_ps(x + i));
        m = lora__hmax8(v);
    } else m = x[i++];
    for (; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}
static LORA__TARGET_AVX2 float lora__exp_sum_avx2(const float *x, float *y, int n, float sub) {
    __m256 acc = _mm256_setzero_ps(), s = _mm256_set1_ps(sub);
    float tail = 0.0f;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = lora__exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        if (y) _mm256_storeu_ps(y + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    for (; i < n; i++) { float e = expf(x[i] - sub); if (y) y[i] = e; tail += e; }
    return lora__hsum8(acc) + tail;
}
static LORA__TARGET_AVX2 void lora__scale_avx2(float *y, int n, float s) {
    __m256 v = _mm256_set1_ps(s);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), v));
    for (; i < n; i++) y[i] *= s;
}
static LORA__TARGET_AVX2 float lora__sum_avx2(const float *x, int n) {
    __m256 acc = _mm256_setzero_ps();
    float tail = 0.0f;
    int i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + i));
    for (; i < n; i++) tail += x[i];
    return lora__hsum8(acc) + tail;
}
static LORA__TARGET_AVX2 float lora__sumsq_centered_avx2(const float *x, int n, float mu) {
    __m256 acc = _mm256_setzero_ps(), m = _mm256_set1_ps(mu);
    float tail = 0.0f;
    int i = 0;
    for (; i + 8 <= n; i += 8) { __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), m); acc = _mm256_fmadd_ps(d, d, acc); }
    for (; i < n; i++) { float d = x[i] - mu; tail += d * d; }
    return lora__hsum8(acc) + tail;
}
static LORA__TARGET_AVX2 float lora__dot_avx2(const float *a, const float *b, int n) {
    __m256 acc = _mm256_setzero_ps();
    float tail = 0.0f;
    int i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
    for (; i < n; i++) tail += a[i] * b[i];
    return lora__hsum8(acc) + tail;
}
static LORA__TARGET_AVX2 void lora__norm_affine_avx2(const float *x, float *y, const float *w, const float *b, int n, float mu, float rstd) {
    __m256 m = _mm256_set1_ps(mu), r = _mm256_set1_ps(rstd);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 t = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), m), r), _mm256_loadu_ps(w + i));
        _mm256_storeu_ps(y + i, _mm256_add_ps(t, _mm256_loadu_ps(b + i)));
    }
    for (; i < n; i++) y[i] = (x[i] - mu) * rstd * w[i] + b[i];
}
/* sigmoid(2u) with u = k (x + c x^3): gelu = x * s, tanh u = 2 s - 1 */
static LORA__TARGET_AVX2 __m256 lora__gelu_sig8(__m256 x) {
    __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    __m256 u2 = _mm256_mul_ps(_mm256_set1_ps(-2.0f * LORA__GELU_K), _mm256_fmadd_ps(_mm256_set1_ps(LORA__GELU_C), x3, x));
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), lora__exp8(u2)));
}
static LORA__TARGET_AVX2 void lora__gelu_avx2(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { __m256 v = _mm256_loadu_ps(x + i); _mm256_storeu_ps(y + i, _mm256_mul_ps(v, lora__gelu_sig8(v))); }
    if (i < n) lora__gelu_scalar(x + i, y + i, n - i);
}
static LORA__TARGET_AVX2 void lora__gelu_back_avx2(const float *x, const float *dy, float *dx, size_t n) {
    size_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f), k = _mm256_set1_ps(LORA__GELU_K);
    const __m256 k3c = _mm256_set1_ps(3.0f * LORA__GELU_C);
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i), s = lora__gelu_sig8(v);
        __m256 t = _mm256_fmsub_ps(_mm256_set1_ps(2.0f), s, one);                    /* tanh u */
        __m256 du = _mm256_mul_ps(k, _mm256_fmadd_ps(k3c, _mm256_mul_ps(v, v), one)); /* du/dx */
        __m256 g = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_fnmadd_ps(t, t, one)), du, s); /* 0.5(1+t) = s */
        _mm256_storeu_ps(dx + i, _mm256_mul_ps(_mm256_loadu_ps(dy + i), g));
    }
    if (i < n) lora__gelu_back_scalar(x + i, dy + i, dx + i, n - i);
}
static LORA__TARGET_AVX2 void lora__add_avx2(const float *a, const float *b, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    for (; i < n; i++) y[i] = a[i] + b[i];
}
static LORA__TARGET_AVX2 void lora__acc_avx2(float *y, const float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
    for (; i < n; i++) y[i] += x[i];
}
static LORA__TARGET_AVX2 void lora__ln_back_avx2(const float *x, const float *d, const float *w, float *dx, int n, float mu, float rstd) {
    const __m256 m = _mm256_set1_ps(mu), r = _mm256_set1_ps(rstd);
    __m256 s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), vdm, vdnm;
    float t1 = 0.0f, t2 = 0.0f, dmean, dnorm_mean;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 nrm = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), m), r);
        __m256 dn = _mm256_mul_ps(_mm256_loadu_ps(d + i), _mm256_loadu_ps(w + i));
        s1 = _mm256_add_ps(s1, dn);
        s2 = _mm256_fmadd_ps(dn, nrm, s2);
    }
    for (; i < n; i++) { float nrm = (x[i] - mu) * rstd, dn = d[i] * w[i]; t1 += dn; t2 += dn * nrm; }
    dmean = (lora__hsum8(s1) + t1) / (float)n;
    dnorm_mean = (lora__hsum8(s2) + t2) / (float)n;
    vdm = _mm256_set1_ps(dmean); vdnm = _mm256_set1_ps(dnorm_mean);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 nrm = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), m), r);
        __m256 dn = _mm256_mul_ps(_mm256_loadu_ps(d + i), _mm256_loadu_ps(w + i));
        __m256 g = _mm256_fnmadd_ps(nrm, vdnm, _mm256_sub_ps(dn, vdm));
        _mm256_storeu_ps(dx + i, _mm256_fmadd_ps(g, r, _mm256_loadu_ps(dx + i)));
    }
    for (; i < n; i++) { float nrm = (x[i] - mu) * rstd, dn = d[i] * w[i]; dx[i] += (dn - dmean - nrm * dnorm_mean) * rstd; }
}
static LORA__TARGET_AVX2 void lora__ln_wgrad_avx2(const float *d, const float *x, float *dw, float *db, int n, float mu, float rstd) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 m = _mm256_set1_ps(mu), r = _mm256_set1_ps(rstd);
    int i;
    for (i = 0; i < n; i += 8) {
        const __m256i k = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - i), lane);
        const __m256 vd = _mm256_maskload_ps(d + i, k);
        if (dw) {
            __m256 nrm = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, k), m), r);
            _mm256_maskstore_ps(dw + i, k, _mm256_add_ps(_mm256_maskload_ps(dw + i, k), _mm256_mul_ps(vd, nrm)));
        }
        if (db) _mm256_maskstore_ps(db + i, k, _mm256_add_ps(_mm256_maskload_ps(db + i, k), vd));
    }
}
static LORA__TARGET_AVX2 void lora__mask_scale_avx2(const float *x, const unsigned char *mask, float *y, size_t n, float scale) {
    const __m256 s = _mm256_set1_ps(scale);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i mb = _mm_loadl_epi64((const __m128i *)(const void *)(mask + i));
        __m256 keep = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_cvtepu8_epi32(mb), _mm256_setzero_si256()));
        _mm256_storeu_ps(y + i, _mm256_and_ps(keep, _mm256_mul_ps(_mm256_loadu_ps(x + i), s)));
    }
    for (; i < n; i++) y[i] = mask[i] ? x[i] * scale : 0.0f;
}
static LORA__TARGET_AVX2 void lora__rms_scale_avx2(const float *x, float *y, const float *w, int n, float rstd) {
    const __m256 r = _mm256_set1_ps(rstd);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), r), _mm256_loadu_ps(w + i)));
    for (; i < n; i++) y[i] = (x[i] * rstd) * w[i];
}
static LORA__TARGET_AVX2 void lora__rms_back_avx2(const float *x, const float *d, const float *w, float *dx, int n, float rstd) {
    const __m256 r = _mm256_set1_ps(rstd);
    __m256 s = _mm256_setzero_ps(), vm;
    float t = 0.0f, mean;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 dn = _mm256_mul_ps(_mm256_loadu_ps(d + i), _mm256_loadu_ps(w + i));
        s = _mm256_fmadd_ps(dn, _mm256_mul_ps(_mm256_loadu_ps(x + i), r), s);
    }
    for (; i < n; i++) t += d[i] * w[i] * (x[i] * rstd);
    mean = (lora__hsum8(s) + t) / (float)n;
    vm = _mm256_set1_ps(mean);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 dn = _mm256_mul_ps(_mm256_loadu_ps(d + i), _mm256_loadu_ps(w + i));
        __m256 g = _mm256_fnmadd_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), r), vm, dn);
        _mm256_storeu_ps(dx + i, _mm256_fmadd_ps(g, r, _mm256_loadu_ps(dx + i)));
    }
    for (; i < n; i++) dx[i] += (d[i] * w[i] - (x[i] * rstd) * mean) * rstd;
}
static LORA__TARGET_AVX2 __m256 lora__sigmoid8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, lora__exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}
static LORA__TARGET_AVX2 void lora__swiglu_avx2(const float *g, const float *u, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(g + i);
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(v, lora__sigmoid8(v)), _mm256_loadu_ps(u + i)));
    }
    if (i < n) lora__swiglu_scalar(g + i, u + i, y + i, n - i);
}
static LORA__TARGET_AVX2 void lora__swiglu_back_avx2(const float *g, const float *u, const float *dy, float *dg, float *du, size_t n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gv = _mm256_loadu_ps(g + i), uv = _mm256_loadu_ps(u + i), d = _mm256_loadu_ps(dy + i), s = lora__sigmoid8(gv);
        __m256 ds = _mm256_mul_ps(s, _mm256_fmadd_ps(gv, _mm256_sub_ps(one, s), one));
        _mm256_storeu_ps(dg + i, _mm256_mul_ps(_mm256_mul_ps(d, uv), ds));
        _mm256_storeu_ps(du + i, _mm256_mul_ps(d, _mm256_mul_ps(gv, s)));
    }
    if (i < n) lora__swiglu_back_scalar(g + i, u + i, dy + i, dg + i, du + i, n - i);
}
static LORA__TARGET_AVX2 void lora__rope_avx2(const float *x, float *y, const float *c, const float *sn, int half, int inverse) {
    const __m256 sg = _mm256_set1_ps(inverse ? -1.0f : 1.0f);
    int i = 0;
    for (; i + 8 <= half; i += 8) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + half), cv = _mm256_loadu_ps(c + i);
        __m256 s = _mm256_mul_ps(_mm256_loadu_ps(sn + i), sg);
        _mm256_storeu_ps(y + i, _mm256_sub_ps(_mm256_mul_ps(a, cv), _mm256_mul_ps(b, s)));
        _mm256_storeu_ps(y + i + half, _mm256_add_ps(_mm256_mul_ps(b, cv), _mm256_mul_ps(a, s)));
    }
    if (i < half) {
        int j;
        for (j = i; j < half; j++) {
            float a = x[j], b = x[j + half], s = inverse ? -sn[j] : sn[j];
            y[j] = a * c[j] - b * s;
            y[j + half] = b * c[j] + a * s;
        }
    }
}
static const lora_vecops lora__vec_avx2 = {
    lora__max_avx2, lora__exp_sum_avx2, lora__scale_avx2, lora__sum_avx2, lora__sumsq_centered_avx2,
    lora__dot_avx2, lora__norm_affine_avx2, lora__gelu_avx2, lora__gelu_back_avx2,
    lora__add_avx2, lora__acc_avx2, lora__ln_back_avx2, lora__ln_wgrad_avx2, lora__mask_scale_avx2,
    lora__rms_scale_avx2, lora__rms_back_avx2, lora__swiglu_avx2, lora__swiglu_back_avx2, lora__rope_avx2};
#endif

#ifdef LORA__HAVE_AVX512
static LORA__TARGET_AVX512 __m512 lora__exp16(__m512 x) {
    __m512 fx, z, y;
    __m512i e;
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(LORA__EXP_LO)), _mm512_set1_ps(LORA__EXP_HI));
    fx = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(LORA__LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(LORA__LN2_HI), x);
    x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(LORA__LN2_LO), x);
    z = _mm512_mul_ps(x, x);
    y = _mm512_set1_ps(LORA__EXP_P0);
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(LORA__EXP_P1));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(LORA__EXP_P2));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(LORA__EXP_P3));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(LORA__EXP_P4));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(LORA__EXP_P5));
    y = _mm512_fmadd_ps(y, z, _mm512_add_ps(x, _mm512_set1_ps(1.0f)));
    e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(fx), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
}
static LORA__TARGET_AVX512 float lora__max_avx512(const float *x, int n) {
    __m512 v = _mm512_set1_ps(-INFINITY);
    int i = 0;
    for (; i + 16 <= n; i += 16) v = _mm512_max_ps(v, _mm512_loadu_ps(x + i));
    if (i < n) v = _mm512_max_ps(v, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), (__mmask16)((1u << (n - i)) - 1), x + i));
    return _mm512_reduce_max_ps(v);
}
static LORA__TARGET_AVX512 float lora__exp_sum_avx512(const float *x, float *y, int n, float sub) {
    __m512 acc = _mm512_setzero_ps(), s = _mm512_set1_ps(sub);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = lora__exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), s));
        if (y) _mm512_storeu_ps(y + i, e);
        acc = _mm512_add_ps(acc, e);
    }
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        __m512 e = _mm512_maskz_mov_ps(k, lora__exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), s)));
        if (y) _mm512_mask_storeu_ps(y + i, k, e);
        acc = _mm512_add_ps(acc, e);
    }
    return _mm512_reduce_add_ps(acc);
}
static LORA__TARGET_AVX512 void lora__scale_avx512(float *y, int n, float s) {
    __m512 v = _mm512_set1_ps(s);
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(y + i), v));
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, y + i), v));
    }
}
static LORA__TARGET_AVX512 float lora__sum_avx512(const float *x, int n) {
    __m512 acc = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) acc = _mm512_add_ps(acc, _mm512_loadu_ps(x + i));
    if (i < n) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps((__mmask16)((1u << (n - i)) - 1), x + i));
    return _mm512_reduce_add_ps(acc);
}
static LORA__TARGET_AVX512 float lora__sumsq_centered_avx512(const float *x, int n, float mu) {
    __m512 acc = _mm512_setzero_ps(), m = _mm512_set1_ps(mu);
    int i = 0;
    for (; i + 16 <= n; i += 16) { __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i), m); acc = _mm512_fmadd_ps(d, d, acc); }
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + i), m);
        acc = _mm512_fmadd_ps(d, d, acc);
    }
    return _mm512_reduce_add_ps(acc);
}
static LORA__TARGET_AVX512 float lora__dot_avx512(const float *a, const float *b, int n) {
    __m512 acc = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc);
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i), acc);
    }
    return _mm512_reduce_add_ps(acc);
}
static LORA__TARGET_AVX512 void lora__norm_affine_avx512(const float *x, float *y, const float *w, const float *b, int n, float mu, float rstd) {
    __m512 m = _mm512_set1_ps(mu), r = _mm512_set1_ps(rstd);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 t = _mm512_mul_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), m), r), _mm512_loadu_ps(w + i));
        _mm512_storeu_ps(y + i, _mm512_add_ps(t, _mm512_loadu_ps(b + i)));
    }
    for (; i < n; i++) y[i] = (x[i] - mu) * rstd * w[i] + b[i];
}
static LORA__TARGET_AVX512 __m512 lora__gelu_sig16(__m512 x) {
    __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
    __m512 u2 = _mm512_mul_ps(_mm512_set1_ps(-2.0f * LORA__GELU_K), _mm512_fmadd_ps(_mm512_set1_ps(LORA__GELU_C), x3, x));
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), lora__exp16(u2)));
}
static LORA__TARGET_AVX512 void lora__gelu_avx512(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) { __m512 v = _mm512_loadu_ps(x + i); _mm512_storeu_ps(y + i, _mm512_mul_ps(v, lora__gelu_sig16(v))); }
    if (i < n) lora__gelu_scalar(x + i, y + i, n - i);
}
static LORA__TARGET_AVX512 void lora__gelu_back_avx512(const float *x, const float *dy, float *dx, size_t n) {
    size_t i = 0;
    const __m512 one = _mm512_set1_ps(1.0f), half = _mm512_set1_ps(0.5f), k = _mm512_set1_ps(LORA__GELU_K);
    const __m512 k3c = _mm512_set1_ps(3.0f * LORA__GELU_C);
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i), s = lora__gelu_sig16(v);
        __m512 t = _mm512_fmsub_ps(_mm512_set1_ps(2.0f), s, one);
        __m512 du = _mm512_mul_ps(k, _mm512_fmadd_ps(k3c, _mm512_mul_ps(v, v), one));
        __m512 g = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_fnmadd_ps(t, t, one)), du, s);
        _mm512_storeu_ps(dx + i, _mm512_mul_ps(_mm512_loadu_ps(dy + i), g));
    }
    if (i < n) lora__gelu_back_scalar(x + i, dy + i, dx + i, n - i);
}
/* (tails through masked vector operations, not scalar code) */
static LORA__TARGET_AVX512 void lora__add_avx512(const float *a, const float *b, float *y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
    if (i < n) {
        const __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i)));
    }
}
static LORA__TARGET_AVX512 void lora__acc_avx512(float *y, const float *x, size_t n) { lora__add_avx512(y, x, y, n); }
static LORA__TARGET_AVX512 void lora__ln_back_avx512(const float *x, const float *d, const float *w, float *dx, int n, float mu, float rstd) {
    const __m512 m = _mm512_set1_ps(mu), r = _mm512_set1_ps(rstd);
    __m512 s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), vdm, vdnm;
    int i;
    /* masked-off lanes load 0: dn = 0 adds nothing to either sum */
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
        __m512 nrm = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), m), r);
        __m512 dn = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, d + i), _mm512_maskz_loadu_ps(k, w + i));
        s1 = _mm512_add_ps(s1, dn);
        s2 = _mm512_fmadd_ps(dn, nrm, s2);
    }
    vdm = _mm512_set1_ps(_mm512_reduce_add_ps(s1) / (float)n);
    vdnm = _mm512_set1_ps(_mm512_reduce_add_ps(s2) / (float)n);
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
        __m512 nrm = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), m), r);
        __m512 dn = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, d + i), _mm512_maskz_loadu_ps(k, w + i));
        __m512 g = _mm512_fnmadd_ps(nrm, vdnm, _mm512_sub_ps(dn, vdm));
        _mm512_mask_storeu_ps(dx + i, k, _mm512_fmadd_ps(g, r, _mm512_maskz_loadu_ps(k, dx + i)));
    }
}
static LORA__TARGET_AVX512 void lora__ln_wgrad_avx512(const float *d, const float *x, float *dw, float *db, int n, float mu, float rstd) {
    const __m512 m = _mm512_set1_ps(mu), r = _mm512_set1_ps(rstd);
    int i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
        const __m512 vd = _mm512_maskz_loadu_ps(k, d + i);
        if (dw) {
            __m512 nrm = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), m), r);
            _mm512_mask_storeu_ps(dw + i, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, dw + i), _mm512_mul_ps(vd, nrm)));
        }
        if (db) _mm512_mask_storeu_ps(db + i, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, db + i), vd));
    }
}
static LORA__TARGET_AVX512 void lora__mask_scale_avx512(const float *x, const unsigned char *mask, float *y, size_t n, float scale) {
    const __m512 s = _mm512_set1_ps(scale);
    size_t i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
        const __mmask16 keep = _mm512_test_epi32_mask(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, mask + i)),
                                                      _mm512_set1_epi32(0xff));
        _mm512_mask_storeu_ps(y + i, k, _mm512_maskz_mul_ps(keep, _mm512_maskz_loadu_ps(k, x + i), s));
    }
}
#define LORA__M16(n, i) ((__mmask16)((n) - (i) >= 16 ? 0xffff : (1u << ((n) - (i))) - 1))
static LORA__TARGET_AVX512 void lora__rms_scale_avx512(const float *x, float *y, const float *w, int n, float rstd) {
    const __m512 r = _mm512_set1_ps(rstd);
    int i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = LORA__M16(n, i);
        _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), r), _mm512_maskz_loadu_ps(k, w + i)));
    }
}
static LORA__TARGET_AVX512 void lora__rms_back_avx512(const float *x, const float *d, const float *w, float *dx, int n, float rstd) {
    const __m512 r = _mm512_set1_ps(rstd);
    __m512 s = _mm512_setzero_ps(), vm;
    int i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = LORA__M16(n, i);
        __m512 dn = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, d + i), _mm512_maskz_loadu_ps(k, w + i));
        s = _mm512_fmadd_ps(dn, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), r), s);
    }
    vm = _mm512_set1_ps(_mm512_reduce_add_ps(s) / (float)n);
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = LORA__M16(n, i);
        __m512 dn = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, d + i), _mm512_maskz_loadu_ps(k, w + i));
        __m512 g = _mm512_fnmadd_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), r), vm, dn);
        _mm512_mask_storeu_ps(dx + i, k, _mm512_fmadd_ps(g, r, _mm512_maskz_loadu_ps(k, dx + i)));
    }
}
static LORA__TARGET_AVX512 __m512 lora__sigmoid16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, lora__exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}
static LORA__TARGET_AVX512 void lora__swiglu_avx512(const float *g, const float *u, float *y, size_t n) {
    size_t i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = LORA__M16(n, i);
        __m512 v = _mm512_maskz_loadu_ps(k, g + i);
        _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(_mm512_mul_ps(v, lora__sigmoid16(v)), _mm512_maskz_loadu_ps(k, u + i)));
    }
}
static LORA__TARGET_AVX512 void lora__swiglu_back_avx512(const float *g, const float *u, const float *dy, float *dg, float *du, size_t n) {
    const __m512 one = _mm512_set1_ps(1.0f);
    size_t i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = LORA__M16(n, i);
        __m512 gv = _mm512_maskz_loadu_ps(k, g + i), uv = _mm512_maskz_loadu_ps(k, u + i), d = _mm512_maskz_loadu_ps(k, dy + i);
        __m512 s = lora__sigmoid16(gv);
        __m512 ds = _mm512_mul_ps(s, _mm512_fmadd_ps(gv, _mm512_sub_ps(one, s), one));
        _mm512_mask_storeu_ps(dg + i, k, _mm512_mul_ps(_mm512_mul_ps(d, uv), ds));
        _mm512_mask_storeu_ps(du + i, k, _mm512_mul_ps(d, _mm512_mul_ps(gv, s)));
    }
}
static LORA__TARGET_AVX512 void lora__rope_avx512(const float *x, float *y, const float *c, const float *sn, int half, int inverse) {
    const __m512 sg = _mm512_set1_ps(inverse ? -1.0f : 1.0f);
    int i;
    for (i = 0; i < half; i += 16) {
        const __mmask16 k = LORA__M16(half, i);
        __m512 a = _mm512_maskz_loadu_ps(k, x + i), b = _mm512_maskz_loadu_ps(k, x + i + half), cv = _mm512_maskz_loadu_ps(k, c + i);
        __m512 s = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, sn + i), sg);
        _mm512_mask_storeu_ps(y + i, k, _mm512_sub_ps(_mm512_mul_ps(a, cv), _mm512_mul_ps(b, s)));
        _mm512_mask_storeu_ps(y + i + half, k, _mm512_add_ps(_mm512_mul_ps(b, cv), _mm512_mul_ps(a, s)));
    }
}
#undef LORA__M16
static const lora_vecops lora__vec_avx512 = {
    lora__max_avx512, lora__exp_sum_avx512, lora__scale_avx512, lora__sum_avx512, lora__sumsq_centered_avx512,
    lora__dot_avx512, lora__norm_affine_avx512, lora__gelu_avx512, lora__gelu_back_avx512,
    lora__add_avx512, lora__acc_avx512, lora__ln_back_avx512, lora__ln_wgrad_avx512, lora__mask_scale_avx512,
    lora__rms_scale_avx512, lora__rms_back_avx512, lora__swiglu_avx512, lora__swiglu_back_avx512, lora__rope_avx512};
#endif

/* The kernels for a pool's instruction set (NEON uses the scalar table, which compilers
   vectorise where the order of operations allows). */
LORA_API const lora_vecops *lora_vec(const lora_pool *pool) {
    lora_isa isa = lora_pool_isa(pool);
    (void)isa;
#ifdef LORA__HAVE_AVX512
    if (isa == LORA_ISA_AVX512) return &lora__vec_avx512;
#endif
#ifdef LORA__HAVE_AVX2
    if (isa == LORA_ISA_AVX2 || isa == LORA_ISA_AVX512) return &lora__vec_avx2;
#endif
    return &lora__vec_scalar;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* ---- lora/24_gemv.impl.c ---- */
/* g++ 12 warns falsely (-Wuninitialized) inside its own _mm512_undefined_* helpers used by
   the AVX-512 intrinsics below. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/* ---- matrix-vector products (lora_gemv) ----
   Products with a few activation rows (decoding one token, short prefills) are memory bound:
   the kernels stream W once. Plain W (K x N, y = x W): four rows of W at a time, up to
   LORA_GEMV_MAX_ROWS rows of X sharing each load (two rows at a time with their broadcasts in
   registers). Transposed W (N x K, y = W x): row dot products, four rows of W at a time, each
   with its own accumulator (one vector of 8 lanes on AVX2, 16 on AVX-512, two of 4 on NEON)
   and one horizontal sum at the end.
   Every output element is reduced over k in one fixed order whatever M and the column range:
   plain W, y = fma(x[k], w[k][j], y) for k = 0, 1, ... (the first from zero; fused on the SIMD
   ISAs, masked or fused-scalar column tails); transposed W, lanes by k modulo the vector width,
   a zero-padded last vector, then the ISA's fixed horizontal sum. So results never depend on
   how callers split columns between threads. */

/* Y[m][j] = sum_k X[m][k] * W[k * ldw + j] for m < M, j in [j0, j1) (overwrites). */
typedef void (*lora__gemv_n_fn)(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                float *Y, long ldy);
/* y[r] = sum_k W[r * ldw + k] * x[k] for r in [r0, r1) */
typedef void (*lora__gemv_t_fn)(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y);

static void lora__gemv_n_scalar(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                float *Y, long ldy) {
    int k, j, mm;
    for (mm = 0; mm < M; mm++) {
        float *y = Y + (size_t)mm * ldy;
        for (j = j0; j < j1; j++) y[j] = 0.0f;
        for (k = 0; k < K; k++) {
            const float *w = W + (size_t)k * ldw;
            float xk = X[(size_t)mm * ldx + k];
            for (j = j0; j < j1; j++) y[j] += xk * w[j];
        }
    }
}
static void lora__gemv_t_scalar(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r, k;
    for (r = r0; r < r1; r++) {
        const float *w = W + (size_t)r * ldw;
        float s = 0.0f;
        for (k = 0; k < K; k++) s += w[k] * x[k];
        y[r] = s;
    }
}

#ifdef LORA__X86
LORA__TARGET_AVX2 static LORA__UNUSED __m256i lora__gemv_mask8(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
LORA__TARGET_AVX2 static LORA__UNUSED float lora__gemv_hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#endif

#ifdef LORA__HAVE_AVX2
/* one row of x, four rows of W at a time */
LORA__TARGET_AVX2 static void lora__gemv_n1_avx2(const float *x, const float *W, long ldw, int K, int j0, int j1, float *y) {
    int k = 0, j;
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m256 x0 = _mm256_set1_ps(x[k]), x1 = _mm256_set1_ps(x[k + 1]), x2 = _mm256_set1_ps(x[k + 2]), x3 = _mm256_set1_ps(x[k + 3]);
        for (j = j0; j + 8 <= j1; j += 8) {
            __m256 v = k ? _mm256_loadu_ps(y + j) : _mm256_setzero_ps();
            v = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + j), v);
            v = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + j), v);
            v = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w2 + j), v);
            v = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w3 + j), v);
            _mm256_storeu_ps(y + j, v);
        }
        if (j < j1) {
            __m256i mk = lora__gemv_mask8(j1 - j);
            __m256 v = k ? _mm256_maskload_ps(y + j, mk) : _mm256_setzero_ps();
            v = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w0 + j, mk), v);
            v = _mm256_fmadd_ps(x1, _mm256_maskload_ps(w1 + j, mk), v);
            v = _mm256_fmadd_ps(x2, _mm256_maskload_ps(w2 + j, mk), v);
            v = _mm256_fmadd_ps(x3, _mm256_maskload_ps(w3 + j, mk), v);
            _mm256_maskstore_ps(y + j, mk, v);
        }
    }
    for (; k < K; k++) {
        const float *w0 = W + (size_t)k * ldw;
        __m256 x0 = _mm256_set1_ps(x[k]);
        for (j = j0; j + 8 <= j1; j += 8) {
            __m256 v = k ? _mm256_loadu_ps(y + j) : _mm256_setzero_ps();
            _mm256_storeu_ps(y + j, _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + j), v));
        }
        if (j < j1) {
            __m256i mk = lora__gemv_mask8(j1 - j);
            __m256 v = k ? _mm256_maskload_ps(y + j, mk) : _mm256_setzero_ps();
            _mm256_maskstore_ps(y + j, mk, _mm256_fmadd_ps(x0, _mm256_maskload_ps(w0 + j, mk), v));
        }
    }
}
/* several rows of x share each load of W, two rows at a time with their broadcasts in
   registers (the same arithmetic per element as one row; masks only for a column tail) */
LORA__TARGET_AVX2 static void lora__gemv_n_avx2(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                                float *Y, long ldy) {
    int k = 0, j, mm, jt = j0 + ((j1 - j0) & ~7);
    __m256i mt = lora__gemv_mask8((j1 - j0) & 7);
    if (M == 1) { lora__gemv_n1_avx2(X, W, ldw, K, j0, j1, Y); return; }
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        for (mm = 0; mm < M; mm += 2) {
            const float *xa = X + (size_t)mm * ldx + k, *xb = mm + 1 < M ? xa + ldx : xa;
            float *ya = Y + (size_t)mm * ldy, *yb = mm + 1 < M ? ya + ldy : ya;
            __m256 a0 = _mm256_set1_ps(xa[0]), a1 = _mm256_set1_ps(xa[1]), a2 = _mm256_set1_ps(xa[2]), a3 = _mm256_set1_ps(xa[3]);
            __m256 b0 = _mm256_set1_ps(xb[0]), b1 = _mm256_set1_ps(xb[1]), b2 = _mm256_set1_ps(xb[2]), b3 = _mm256_set1_ps(xb[3]);
            for (j = j0; j < jt; j += 8) {
                __m256 q0 = _mm256_loadu_ps(w0 + j), q1 = _mm256_loadu_ps(w1 + j), q2 = _mm256_loadu_ps(w2 + j), q3 = _mm256_loadu_ps(w3 + j);
                __m256 u = k ? _mm256_loadu_ps(ya + j) : _mm256_setzero_ps(), v = k ? _mm256_loadu_ps(yb + j) : _mm256_setzero_ps();
                u = _mm256_fmadd_ps(a0, q0, u); v = _mm256_fmadd_ps(b0, q0, v);
                u = _mm256_fmadd_ps(a1, q1, u); v = _mm256_fmadd_ps(b1, q1, v);
                u = _mm256_fmadd_ps(a2, q2, u); v = _mm256_fmadd_ps(b2, q2, v);
                u = _mm256_fmadd_ps(a3, q3, u); v = _mm256_fmadd_ps(b3, q3, v);
                _mm256_storeu_ps(ya + j, u); _mm256_storeu_ps(yb + j, v);
            }
            if (jt < j1) {
                __m256 q0 = _mm256_maskload_ps(w0 + jt, mt), q1 = _mm256_maskload_ps(w1 + jt, mt),
                       q2 = _mm256_maskload_ps(w2 + jt, mt), q3 = _mm256_maskload_ps(w3 + jt, mt);
                __m256 u = k ? _mm256_maskload_ps(ya + jt, mt) : _mm256_setzero_ps(), v = k ? _mm256_maskload_ps(yb + jt, mt) : _mm256_setzero_ps();
                u = _mm256_fmadd_ps(a0, q0, u); v = _mm256_fmadd_ps(b0, q0, v);
                u = _mm256_fmadd_ps(a1, q1, u); v = _mm256_fmadd_ps(b1, q1, v);
                u = _mm256_fmadd_ps(a2, q2, u); v = _mm256_fmadd_ps(b2, q2, v);
                u = _mm256_fmadd_ps(a3, q3, u); v = _mm256_fmadd_ps(b3, q3, v);
                _mm256_maskstore_ps(ya + jt, mt, u); _mm256_maskstore_ps(yb + jt, mt, v);
            }
        }
    }
    for (; k < K; k++)
        for (mm = 0; mm < M; mm++) {
            const float *w0 = W + (size_t)k * ldw;
            float *y = Y + (size_t)mm * ldy;
            __m256 a0 = _mm256_set1_ps(X[(size_t)mm * ldx + k]);
            for (j = j0; j < jt; j += 8) {
                __m256 u = k ? _mm256_loadu_ps(y + j) : _mm256_setzero_ps();
                _mm256_storeu_ps(y + j, _mm256_fmadd_ps(a0, _mm256_loadu_ps(w0 + j), u));
            }
            if (jt < j1) {
                __m256 u = k ? _mm256_maskload_ps(y + jt, mt) : _mm256_setzero_ps();
                _mm256_maskstore_ps(y + jt, mt, _mm256_fmadd_ps(a0, _mm256_maskload_ps(w0 + jt, mt), u));
            }
        }
}
LORA__TARGET_AVX2 static void lora__gemv_t_avx2(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r = r0, k, tail = K & 7;
    __m256i mk = lora__gemv_mask8(tail);
    for (; r + 4 <= r1; r += 4) {
        const float *w0 = W + (size_t)r * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (k = 0; k + 8 <= K; k += 8) {
            __m256 xv = _mm256_loadu_ps(x + k);
            a0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w0 + k), a0);
            a1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w1 + k), a1);
            a2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w2 + k), a2);
            a3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w3 + k), a3);
        }
        if (tail) {
            __m256 xv = _mm256_maskload_ps(x + k, mk);
            a0 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w0 + k, mk), a0);
            a1 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w1 + k, mk), a1);
            a2 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w2 + k, mk), a2);
            a3 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w3 + k, mk), a3);
        }
        y[r] = lora__gemv_hsum8(a0); y[r + 1] = lora__gemv_hsum8(a1); y[r + 2] = lora__gemv_hsum8(a2); y[r + 3] = lora__gemv_hsum8(a3);
    }
    for (; r < r1; r++) {
        const float *w0 = W + (size_t)r * ldw;
        __m256 a0 = _mm256_setzero_ps();
        for (k = 0; k + 8 <= K; k += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + k), _mm256_loadu_ps(w0 + k), a0);
        if (tail) a0 = _mm256_fmadd_ps(_mm256_maskload_ps(x + k, mk), _mm256_maskload_ps(w0 + k, mk), a0);
        y[r] = lora__gemv_hsum8(a0);
    }
}
#endif

#ifdef LORA__HAVE_AVX512
LORA__TARGET_AVX512 static void lora__gemv_n1_avx512(const float *x, const float *W, long ldw, int K, int j0, int j1, float *y) {
    int k = 0, j;
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 x0 = _mm512_set1_ps(x[k]), x1 = _mm512_set1_ps(x[k + 1]), x2 = _mm512_set1_ps(x[k + 2]), x3 = _mm512_set1_ps(x[k + 3]);
        for (j = j0; j + 16 <= j1; j += 16) {
            __m512 v = k ? _mm512_loadu_ps(y + j) : _mm512_setzero_ps();
            v = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + j), v);
            v = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w1 + j), v);
            v = _mm512_fmadd_ps(x2, _mm512_loadu_ps(w2 + j), v);
            v = _mm512_fmadd_ps(x3, _mm512_loadu_ps(w3 + j), v);
            _mm512_storeu_ps(y + j, v);
        }
        if (j < j1) {
            __mmask16 mk = (__mmask16)((1u << (j1 - j)) - 1);
            __m512 v = k ? _mm512_maskz_loadu_ps(mk, y + j) : _mm512_setzero_ps();
            v = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mk, w0 + j), v);
            v = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(mk, w1 + j), v);
            v = _mm512_fmadd_ps(x2, _mm512_maskz_loadu_ps(mk, w2 + j), v);
            v = _mm512_fmadd_ps(x3, _mm512_maskz_loadu_ps(mk, w3 + j), v);
            _mm512_mask_storeu_ps(y + j, mk, v);
        }
    }
    for (; k < K; k++) {
        const float *w0 = W + (size_t)k * ldw;
        __m512 x0 = _mm512_set1_ps(x[k]);
        for (j = j0; j + 16 <= j1; j += 16) {
            __m512 v = k ? _mm512_loadu_ps(y + j) : _mm512_setzero_ps();
            _mm512_storeu_ps(y + j, _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + j), v));
        }
        if (j < j1) {
            __mmask16 mk = (__mmask16)((1u << (j1 - j)) - 1);
            __m512 v = k ? _mm512_maskz_loadu_ps(mk, y + j) : _mm512_setzero_ps();
            _mm512_mask_storeu_ps(y + j, mk, _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mk, w0 + j), v));
        }
    }
}
LORA__TARGET_AVX512 static void lora__gemv_n_avx512(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                                    float *Y, long ldy) {
    int k = 0, j, mm, jt = j0 + ((j1 - j0) & ~15);
    __mmask16 mt = (__mmask16)((1u << ((j1 - j0) & 15)) - 1);
    if (M == 1) { lora__gemv_n1_avx512(X, W, ldw, K, j0, j1, Y); return; }
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        for (mm = 0; mm < M; mm += 2) {
            const float *xa = X + (size_t)mm * ldx + k, *xb = mm + 1 < M ? xa + ldx : xa;
            float *ya = Y + (size_t)mm * ldy, *yb = mm + 1 < M ? ya + ldy : ya;
            __m512 a0 = _mm512_set1_ps(xa[0]), a1 = _mm512_set1_ps(xa[1]), a2 = _mm512_set1_ps(xa[2]), a3 = _mm512_set1_ps(xa[3]);
            __m512 b0 = _mm512_set1_ps(xb[0]), b1 = _mm512_set1_ps(xb[1]), b2 = _mm512_set1_ps(xb[2]), b3 = _mm512_set1_ps(xb[3]);
            for (j = j0; j < jt; j += 16) {
                __m512 q0 = _mm512_loadu_ps(w0 + j), q1 = _mm512_loadu_ps(w1 + j), q2 = _mm512_loadu_ps(w2 + j), q3 = _mm512_loadu_ps(w3 + j);
                __m512 u = k ? _mm512_loadu_ps(ya + j) : _mm512_setzero_ps(), v = k ? _mm512_loadu_ps(yb + j) : _mm512_setzero_ps();
                u = _mm512_fmadd_ps(a0, q0, u); v = _mm512_fmadd_ps(b0, q0, v);
                u = _mm512_fmadd_ps(a1, q1, u); v = _mm512_fmadd_ps(b1, q1, v);
                u = _mm512_fmadd_ps(a2, q2, u); v = _mm512_fmadd_ps(b2, q2, v);
                u = _mm512_fmadd_ps(a3, q3, u); v = _mm512_fmadd_ps(b3, q3, v);
                _mm512_storeu_ps(ya + j, u); _mm512_storeu_ps(yb + j, v);
            }
            if (jt < j1) {
                __m512 q0 = _mm512_maskz_loadu_ps(mt, w0 + jt), q1 = _mm512_maskz_loadu_ps(mt, w1 + jt),
                       q2 = _mm512_maskz_loadu_ps(mt, w2 + jt), q3 = _mm512_maskz_loadu_ps(mt, w3 + jt);
                __m512 u = k ? _mm512_maskz_loadu_ps(mt, ya + jt) : _mm512_setzero_ps(), v = k ? _mm512_maskz_loadu_ps(mt, yb + jt) : _mm512_setzero_ps();
                u = _mm512_fmadd_ps(a0, q0, u); v = _mm512_fmadd_ps(b0, q0, v);
                u = _mm512_fmadd_ps(a1, q1, u); v = _mm512_fmadd_ps(b1, q1, v);
                u = _mm512_fmadd_ps(a2, q2, u); v = _mm512_fmadd_ps(b2, q2, v);
                u = _mm512_fmadd_ps(a3, q3, u); v = _mm512_fmadd_ps(b3, q3, v);
                _mm512_mask_storeu_ps(ya + jt, mt, u); _mm512_mask_storeu_ps(yb + jt, mt, v);
            }
        }
    }
    for (; k < K; k++)
        for (mm = 0; mm < M; mm++) {
            const float *w0 = W + (size_t)k * ldw;
            float *y = Y + (size_t)mm * ldy;
            __m512 a0 = _mm512_set1_ps(X[(size_t)mm * ldx + k]);
            for (j = j0; j < jt; j += 16) {
                __m512 u = k ? _mm512_loadu_ps(y + j) : _mm512_setzero_ps();
                _mm512_storeu_ps(y + j, _mm512_fmadd_ps(a0, _mm512_loadu_ps(w0 + j), u));
            }
            if (jt < j1) {
                __m512 u = k ? _mm512_maskz_loadu_ps(mt, y + jt) : _mm512_setzero_ps();
                _mm512_mask_storeu_ps(y + jt, mt, _mm512_fmadd_ps(a0, _mm512_maskz_loadu_ps(mt, w0 + jt), u));
            }
        }
}
/* horizontal sum through memory (g++ 12 warns inside the 512-bit extract/shuffle intrinsics) */
LORA__TARGET_AVX512 static float lora__gemv_hsum16(__m512 v) {
    float t[16] LORA__ALIGNED64;
    _mm512_store_ps(t, v);
    return lora__gemv_hsum8(_mm256_add_ps(_mm256_load_ps(t), _mm256_load_ps(t + 8)));
}
LORA__TARGET_AVX512 static void lora__gemv_t_avx512(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r = r0, k, tail = K & 15;
    __mmask16 mk = (__mmask16)((1u << tail) - 1);
    for (; r + 4 <= r1; r += 4) {
        const float *w0 = W + (size_t)r * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (k = 0; k + 16 <= K; k += 16) {
            __m512 xv = _mm512_loadu_ps(x + k);
            a0 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w0 + k), a0);
            a1 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w1 + k), a1);
            a2 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w2 + k), a2);
            a3 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w3 + k), a3);
        }
        if (tail) {
            __m512 xv = _mm512_maskz_loadu_ps(mk, x + k);
            a0 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w0 + k), a0);
            a1 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w1 + k), a1);
            a2 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w2 + k), a2);
            a3 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w3 + k), a3);
        }
        y[r] = lora__gemv_hsum16(a0); y[r + 1] = lora__gemv_hsum16(a1);
        y[r + 2] = lora__gemv_hsum16(a2); y[r + 3] = lora__gemv_hsum16(a3);
    }
    for (; r < r1; r++) {
        const float *w0 = W + (size_t)r * ldw;
        __m512 a0 = _mm512_setzero_ps();
        for (k = 0; k + 16 <= K; k += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + k), _mm512_loadu_ps(w0 + k), a0);
        if (tail) a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + k), _mm512_maskz_loadu_ps(mk, w0 + k), a0);
        y[r] = lora__gemv_hsum16(a0);
    }
}
#endif

#ifdef LORA__HAVE_NEON
/* Plain W on NEON: the AVX2 scheme in 4-lane vectors (x broadcast from a lane with
   vfmaq_laneq_f32, fused like vfmaq_f32), eight columns per step, then four; the last
   1-3 columns of the range with fmaf, the same fused operation per element. */
#define LORA__GEMV_NE_C1(y, a, w, j, l) y = vfmaq_laneq_f32(y, vld1q_f32(w + j), a, l)
static void lora__gemv_n_neon(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                              float *Y, long ldy) {
    int k = 0, j, mm, jt = j0 + ((j1 - j0) & ~3);
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        for (mm = 0; mm < M; mm += 2) {
            const float *xa = X + (size_t)mm * ldx + k;
            float *ya = Y + (size_t)mm * ldy;
            float32x4_t a = vld1q_f32(xa);
            if (mm + 1 < M) { /* two rows share each load of W */
                const float *xb = xa + ldx;
                float *yb = ya + ldy;
                float32x4_t b = vld1q_f32(xb);
                for (j = j0; j + 8 <= jt; j += 8) {
                    float32x4_t q0 = vld1q_f32(w0 + j), q1 = vld1q_f32(w1 + j), q2 = vld1q_f32(w2 + j), q3 = vld1q_f32(w3 + j);
                    float32x4_t p0 = vld1q_f32(w0 + j + 4), p1 = vld1q_f32(w1 + j + 4), p2 = vld1q_f32(w2 + j + 4), p3 = vld1q_f32(w3 + j + 4);
                    float32x4_t u0 = k ? vld1q_f32(ya + j) : vdupq_n_f32(0.0f), u1 = k ? vld1q_f32(ya + j + 4) : vdupq_n_f32(0.0f);
                    float32x4_t v0 = k ? vld1q_f32(yb + j) : vdupq_n_f32(0.0f), v1 = k ? vld1q_f32(yb + j + 4) : vdupq_n_f32(0.0f);
                    u0 = vfmaq_laneq_f32(u0, q0, a, 0); u1 = vfmaq_laneq_f32(u1, p0, a, 0);
                    v0 = vfmaq_laneq_f32(v0, q0, b, 0); v1 = vfmaq_laneq_f32(v1, p0, b, 0);
                    u0 = vfmaq_laneq_f32(u0, q1, a, 1); u1 = vfmaq_laneq_f32(u1, p1, a, 1);
                    v0 = vfmaq_laneq_f32(v0, q1, b, 1); v1 = vfmaq_laneq_f32(v1, p1, b, 1);
                    u0 = vfmaq_laneq_f32(u0, q2, a, 2); u1 = vfmaq_laneq_f32(u1, p2, a, 2);
                    v0 = vfmaq_laneq_f32(v0, q2, b, 2); v1 = vfmaq_laneq_f32(v1, p2, b, 2);
                    u0 = vfmaq_laneq_f32(u0, q3, a, 3); u1 = vfmaq_laneq_f32(u1, p3, a, 3);
                    v0 = vfmaq_laneq_f32(v0, q3, b, 3); v1 = vfmaq_laneq_f32(v1, p3, b, 3);
                    vst1q_f32(ya + j, u0); vst1q_f32(ya + j + 4, u1);
                    vst1q_f32(yb + j, v0); vst1q_f32(yb + j + 4, v1);
                }
                for (; j < jt; j += 4) {
                    float32x4_t q0 = vld1q_f32(w0 + j), q1 = vld1q_f32(w1 + j), q2 = vld1q_f32(w2 + j), q3 = vld1q_f32(w3 + j);
                    float32x4_t u = k ? vld1q_f32(ya + j) : vdupq_n_f32(0.0f), v = k ? vld1q_f32(yb + j) : vdupq_n_f32(0.0f);
                    u = vfmaq_laneq_f32(u, q0, a, 0); v = vfmaq_laneq_f32(v, q0, b, 0);
                    u = vfmaq_laneq_f32(u, q1, a, 1); v = vfmaq_laneq_f32(v, q1, b, 1);
                    u = vfmaq_laneq_f32(u, q2, a, 2); v = vfmaq_laneq_f32(v, q2, b, 2);
                    u = vfmaq_laneq_f32(u, q3, a, 3); v = vfmaq_laneq_f32(v, q3, b, 3);
                    vst1q_f32(ya + j, u); vst1q_f32(yb + j, v);
                }
                for (; j < j1; j++) {
                    float u = k ? ya[j] : 0.0f, v = k ? yb[j] : 0.0f;
                    u = fmaf(xa[0], w0[j], u); v = fmaf(xb[0], w0[j], v);
                    u = fmaf(xa[1], w1[j], u); v = fmaf(xb[1], w1[j], v);
                    u = fmaf(xa[2], w2[j], u); v = fmaf(xb[2], w2[j], v);
                    u = fmaf(xa[3], w3[j], u); v = fmaf(xb[3], w3[j], v);
                    ya[j] = u; yb[j] = v;
                }
            } else {
                for (j = j0; j + 8 <= jt; j += 8) {
                    float32x4_t u0 = k ? vld1q_f32(ya + j) : vdupq_n_f32(0.0f), u1 = k ? vld1q_f32(ya + j + 4) : vdupq_n_f32(0.0f);
                    LORA__GEMV_NE_C1(u0, a, w0, j, 0); LORA__GEMV_NE_C1(u1, a, w0, j + 4, 0);
                    LORA__GEMV_NE_C1(u0, a, w1, j, 1); LORA__GEMV_NE_C1(u1, a, w1, j + 4, 1);
                    LORA__GEMV_NE_C1(u0, a, w2, j, 2); LORA__GEMV_NE_C1(u1, a, w2, j + 4, 2);
                    LORA__GEMV_NE_C1(u0, a, w3, j, 3); LORA__GEMV_NE_C1(u1, a, w3, j + 4, 3);
                    vst1q_f32(ya + j, u0); vst1q_f32(ya + j + 4, u1);
                }
                for (; j < jt; j += 4) {
                    float32x4_t u = k ? vld1q_f32(ya + j) : vdupq_n_f32(0.0f);
                    LORA__GEMV_NE_C1(u, a, w0, j, 0); LORA__GEMV_NE_C1(u, a, w1, j, 1);
                    LORA__GEMV_NE_C1(u, a, w2, j, 2); LORA__GEMV_NE_C1(u, a, w3, j, 3);
                    vst1q_f32(ya + j, u);
                }
                for (; j < j1; j++) {
                    float u = k ? ya[j] : 0.0f;
                    u = fmaf(xa[0], w0[j], u); u = fmaf(xa[1], w1[j], u);
                    u = fmaf(xa[2], w2[j], u); u = fmaf(xa[3], w3[j], u);
                    ya[j] = u;
                }
            }
        }
    }
    for (; k < K; k++)
        for (mm = 0; mm < M; mm++) {
            const float *w0 = W + (size_t)k * ldw;
            float *y = Y + (size_t)mm * ldy, xk = X[(size_t)mm * ldx + k];
            for (j = j0; j < jt; j += 4) {
                float32x4_t u = k ? vld1q_f32(y + j) : vdupq_n_f32(0.0f);
                vst1q_f32(y + j, vfmaq_n_f32(u, vld1q_f32(w0 + j), xk));
            }
            for (; j < j1; j++) y[j] = fmaf(xk, w0[j], k ? y[j] : 0.0f);
        }
}
#undef LORA__GEMV_NE_C1

/* Transposed W on NEON: per row two 4-lane accumulators (lanes k mod 8, as the AVX2 kernel's
   one 8-lane vector), the last 1-7 values zero-padded, summed as (a + b) then pairwise. */
static float lora__gemv_hsum_neon(float32x4_t a, float32x4_t b) {
    float32x4_t s = vaddq_f32(a, b);
    return vaddvq_f32(s);
}
static void lora__gemv_t_neon(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r = r0, k, i, tail = K & 7, kt = K - tail;
    float xt[8] = { 0 };
    for (i = 0; i < tail; i++) xt[i] = x[kt + i];
    for (; r + 4 <= r1; r += 4) {
        const float *w0 = W + (size_t)r * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        float32x4_t a0 = vdupq_n_f32(0.0f), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        for (k = 0; k < kt; k += 8) {
            float32x4_t xl = vld1q_f32(x + k), xh = vld1q_f32(x + k + 4);
            a0 = vfmaq_f32(a0, xl, vld1q_f32(w0 + k)); b0 = vfmaq_f32(b0, xh, vld1q_f32(w0 + k + 4));
            a1 = vfmaq_f32(a1, xl, vld1q_f32(w1 + k)); b1 = vfmaq_f32(b1, xh, vld1q_f32(w1 + k + 4));
            a2 = vfmaq_f32(a2, xl, vld1q_f32(w2 + k)); b2 = vfmaq_f32(b2, xh, vld1q_f32(w2 + k + 4));
            a3 = vfmaq_f32(a3, xl, vld1q_f32(w3 + k)); b3 = vfmaq_f32(b3, xh, vld1q_f32(w3 + k + 4));
        }
        if (tail) {
            float t[4][8] = { { 0 } };
            float32x4_t xl = vld1q_f32(xt), xh = vld1q_f32(xt + 4);
            for (i = 0; i < tail; i++) { t[0][i] = w0[kt + i]; t[1][i] = w1[kt + i]; t[2][i] = w2[kt + i]; t[3][i] = w3[kt + i]; }
            a0 = vfmaq_f32(a0, xl, vld1q_f32(t[0])); b0 = vfmaq_f32(b0, xh, vld1q_f32(t[0] + 4));
            a1 = vfmaq_f32(a1, xl, vld1q_f32(t[1])); b1 = vfmaq_f32(b1, xh, vld1q_f32(t[1] + 4));
            a2 = vfmaq_f32(a2, xl, vld1q_f32(t[2])); b2 = vfmaq_f32(b2, xh, vld1q_f32(t[2] + 4));
            a3 = vfmaq_f32(a3, xl, vld1q_f32(t[3])); b3 = vfmaq_f32(b3, xh, vld1q_f32(t[3] + 4));
        }
        y[r] = lora__gemv_hsum_neon(a0, b0); y[r + 1] = lora__gemv_hsum_neon(a1, b1);
        y[r + 2] = lora__gemv_hsum_neon(a2, b2); y[r + 3] = lora__gemv_hsum_neon(a3, b3);
    }
    for (; r < r1; r++) {
        const float *w0 = W + (size_t)r * ldw;
        float32x4_t a0 = vdupq_n_f32(0.0f), b0 = a0;
        for (k = 0; k < kt; k += 8) {
            a0 = vfmaq_f32(a0, vld1q_f32(x + k), vld1q_f32(w0 + k));
            b0 = vfmaq_f32(b0, vld1q_f32(x + k + 4), vld1q_f32(w0 + k + 4));
        }
        if (tail) {
            float t[8] = { 0 };
            for (i = 0; i < tail; i++) t[i] = w0[kt + i];
            a0 = vfmaq_f32(a0, vld1q_f32(xt), vld1q_f32(t));
            b0 = vfmaq_f32(b0, vld1q_f32(xt + 4), vld1q_f32(t + 4));
        }
        y[r] = lora__gemv_hsum_neon(a0, b0);
    }
}
#endif

typedef struct lora__gemv_ops { lora__gemv_n_fn n; lora__gemv_t_fn t; } lora__gemv_ops;
static lora__gemv_ops lora__gemv_select(lora_isa isa) {
    lora__gemv_ops o;
    o.n = lora__gemv_n_scalar; o.t = lora__gemv_t_scalar;
#ifdef LORA__HAVE_AVX512
    if (isa == LORA_ISA_AVX512) { o.n = lora__gemv_n_avx512; o.t = lora__gemv_t_avx512; }
#endif
#ifdef LORA__HAVE_AVX2
    if (isa == LORA_ISA_AVX2) { o.n = lora__gemv_n_avx2; o.t = lora__gemv_t_avx2; }
#endif
#ifdef LORA__HAVE_NEON
    if (isa == LORA_ISA_NEON) { o.n = lora__gemv_n_neon; o.t = lora__gemv_t_neon; }
#endif
    (void)isa;
    return o;
}

/* The instruction set lora_gemv runs: AUTO as for a NULL pool (the best detected, or the one
   LORA_ISA names); one this build or CPU lacks falls back to the best lower one (AVX-512 to
   AVX2 when available, anything else to scalar). */
static lora_isa lora__gemv_isa(lora_isa isa) {
    lora_isa best;
    if (isa == LORA_ISA_SCALAR) return isa;
    if (isa == LORA_ISA_AUTO) return lora__null_pool_isa();
    best = lora__detect_isa_fast();
    if (lora__isa_ok(isa, best)) return isa;
    if (isa == LORA_ISA_AVX512 && lora__isa_ok(LORA_ISA_AVX2, best)) return LORA_ISA_AVX2;
    return LORA_ISA_SCALAR;
}

LORA_API void lora_gemv(lora_isa isa, int transW, int M, int K, const float *X, long ldx, const float *W, long ldw,
                        int j0, int j1, float *Y, long ldy) {
    lora__gemv_ops o;
    int m;
    if (M <= 0 || K <= 0 || j0 < 0 || j0 >= j1 || !X || !W || !Y) return;
    o = lora__gemv_select(lora__gemv_isa(isa));
    if (transW) {
        for (m = 0; m < M; m++) o.t(X + (size_t)m * ldx, W, ldw, K, j0, j1, Y + (size_t)m * ldy);
    } else {
        for (m = 0; m < M; m += LORA_GEMV_MAX_ROWS)
            o.n(X + (size_t)m * ldx, ldx, M - m < LORA_GEMV_MAX_ROWS ? M - m : LORA_GEMV_MAX_ROWS, W, ldw, K, j0, j1,
                Y + (size_t)m * ldy, ldy);
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* ---- lora/26_wmat.impl.c ---- */
/* ---- frozen weight matrices (fp32 or bf16) and the fused output layer + cross-entropy ----
   A lora_wmat is a view of a row-major weight matrix a model never trains (LoRA's frozen base).
   In fp32, products go to lora_sgemm unchanged (the same bits as before). In bf16 the activation
   operand is rounded to bf16 (round-to-nearest-even on the bits, as the oracle's bf16()) and the
   products accumulate in fp32:
   - AVX512-BF16 (vdpbf16ps): op(W) packed per (K block, column block) into pairs of k per column,
     X packed into row panels of 12 rows x pairs of k; a 12 x 32 micro-kernel of 24 accumulators.
     Every element of Y is reduced over k in one fixed order whatever the task split.
   - every other ISA: X rounded to bf16 values kept as fp32, op(W) widened to fp32 a block of
     columns at a time (never the whole matrix), multiplied by lora_sgemm.
   The caller passes a scratch area (64-byte aligned) of lora_wmat_mul_scratch bytes: the model
   keeps it with its activations, so no call allocates. */

/* g++ 12 and its own _mm*_undefined_* intrinsics: see 20_matmul.impl.c */
#if defined(__GNUC__) && !defined(__clang__) && defined(__cplusplus)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define LORA__WMAT_DIAG_PUSHED
#endif

#define LORA__BF_MR 12      /* rows of a micro-tile */
#define LORA__BF_NR 32      /* columns of a micro-tile (two vectors of 16 fp32) */
#define LORA__BF_KC 256     /* k pairs per K block */
#define LORA__BF_NB 256     /* columns per task */
#define LORA__BF_WIDE 512   /* columns widened at once by the fallback */
#define LORA__BF_FEW 8      /* up to this many rows (decoding): W streamed once, widened in registers (AVX-512) */
#define LORA__BF_FEW_COLS 64 /* columns per task of the few-rows kernels */

#if defined(LORA__HAVE_AVX512) && !defined(LORA_NO_BF16)
#define LORA__HAVE_BF16 1
#define LORA__TARGET_BF16 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,avx512bf16")))
#endif

static uint16_t lora__bf16_of(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FC0;
    u += 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}
static float lora__f32_of_bf16(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

LORA_API void lora_f32_to_bf16_n(const float *x, uint16_t *y, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = lora__bf16_of(x[i]);
}
LORA_API void lora_bf16_to_f32_n(const uint16_t *x, float *y, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = lora__f32_of_bf16(x[i]);
}
LORA_API float lora_bf16_round(float x) { return lora__f32_of_bf16(lora__bf16_of(x)); }

/* Whether the bf16 products run on vdpbf16ps for this pool. */
static int lora__wmat_native(const lora_pool *pool) {
#ifdef LORA__HAVE_BF16
    if (lora_pool_isa(pool) != LORA_ISA_AVX512) return 0;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") != 0;
#else
    (void)pool;
    return 0;
#endif
}

LORA_API const char *lora_wmat_kernel_name(const lora_pool *pool, lora_dtype dtype) {
    if (dtype != LORA_DT_BF16) return lora_isa_name(lora_pool_isa(pool));
    if (lora__wmat_native(pool)) return "avx512-bf16";
    switch (lora_pool_isa(pool)) {
    case LORA_ISA_AVX512: return "avx512 (bf16 widened)";
    case LORA_ISA_AVX2: return "avx2 (bf16 widened)";
    case LORA_ISA_NEON: return "neon (bf16 widened)";
    default: return "scalar (bf16 widened)";
    }
}

/* op(W) is K x N: W stored K x N (transW 0) or N x K (transW 1). */
static void lora__wmat_kn(const lora_wmat *W, int transW, int *K, int *N) {
    *K = transW ? W->cols : W->rows;
    *N = transW ? W->rows : W->cols;
}

#define LORA__ALIGN64(n) (((n) + 63) & ~(size_t)63)

static size_t lora__wmat_scratch(int native, int threads, int M, int K, int N) {
    if (M <= 0 || K <= 0 || N <= 0) return 0;
    if (native && M <= LORA__BF_FEW) return LORA__ALIGN64((size_t)M * K * 4);
    if (native) {
        size_t kp = (size_t)(K + 1) / 2, mp = (size_t)lora__round_up(M, LORA__BF_MR);
        size_t kc = kp < LORA__BF_KC ? kp : LORA__BF_KC;
        return LORA__ALIGN64(mp * kp * 4) + (size_t)threads * LORA__ALIGN64(kc * LORA__BF_NB * 4);
    } else {
        size_t wide = (size_t)(N < LORA__BF_WIDE ? N : LORA__BF_WIDE);
        return LORA__ALIGN64((size_t)M * K * 4) + LORA__ALIGN64((size_t)K * wide * 4);
    }
}

LORA_API size_t lora_wmat_mul_scratch(const lora_pool *pool, int M, const lora_wmat *W, int transW) {
    int K, N;
    if (!W || W->dtype != LORA_DT_BF16) return 0;
    lora__wmat_kn(W, transW, &K, &N);
    return lora__wmat_scratch(lora__wmat_native(pool), lora_pool_threads(pool), M, K, N);
}

/* ---- the fallback: X rounded (kept fp32), op(W) widened a block of columns at a time ---- */
typedef struct { const float *X; int ldx, K; float *Xr; } lora__round_ctx;
static void lora__round_rows(void *vctx, int task, int thread) {
    lora__round_ctx *c = (lora__round_ctx *)vctx;
    const float *x = c->X + (size_t)task * c->ldx;
    float *y = c->Xr + (size_t)task * c->K;
    int k;
    (void)thread;
    for (k = 0; k < c->K; k++) y[k] = lora__f32_of_bf16(lora__bf16_of(x[k]));
}

static void lora__wmat_mul_widen(lora_pool *pool, int M, const float *X, int ldx, const lora_wmat *W, int transW,
                                 int accumulate, float *Y, int ldy, void *scratch) {
    int K, N, n0;
    const uint16_t *w = (const uint16_t *)W->data;
    float *Xr = (float *)scratch, *Wt;
    lora__round_ctx rc;
    lora__wmat_kn(W, transW, &K, &N);
    Wt = (float *)((char *)scratch + LORA__ALIGN64((size_t)M * K * 4));
    rc.X = X; rc.ldx = ldx; rc.K = K; rc.Xr = Xr;
    lora_pool_run(pool, lora__round_rows, &rc, M);
    for (n0 = 0; n0 < N; n0 += LORA__BF_WIDE) {
        int nc = N - n0 < LORA__BF_WIDE ? N - n0 : LORA__BF_WIDE, k, j;
        if (transW) {        /* rows n0 .. n0+nc of W (N x K): contiguous */
            lora_bf16_to_f32_n(w + (size_t)n0 * K, Wt, (size_t)nc * K);
            lora_sgemm(pool, 0, 1, M, nc, K, 1.0f, Xr, K, Wt, K, accumulate ? 1.0f : 0.0f, Y + n0, ldy);
        } else {             /* columns n0 .. n0+nc of W (K x N) */
            for (k = 0; k < K; k++)
                for (j = 0; j < nc; j++) Wt[(size_t)k * nc + j] = lora__f32_of_bf16(w[(size_t)k * N + n0 + j]);
            lora_sgemm(pool, 0, 0, M, nc, K, 1.0f, Xr, K, Wt, nc, accumulate ? 1.0f : 0.0f, Y + n0, ldy);
        }
    }
}

#ifdef LORA__HAVE_BF16
static void lora__round_rows_all(lora__round_ctx *c, int M) {
    int m;
    for (m = 0; m < M; m++) lora__round_rows(c, m, 0);
}

/* ---- a few rows (decoding): every weight read once, widened to fp32 in registers, fp32 FMAs on
   the rounded activations (Xr, M x K) ---- */
typedef struct { const float *Xr; const uint16_t *w; int M, K, N, transW, accumulate; float *Y; int ldy; } lora__few_job;
LORA__TARGET_AVX512 static __m512 lora__widen16(const uint16_t *p, __mmask16 m) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16));
}
LORA__TARGET_AVX512 static void lora__few_task(void *vctx, int task, int thread) {
    lora__few_job *j = (lora__few_job *)vctx;
    int n0 = task * LORA__BF_FEW_COLS, n1 = n0 + LORA__BF_FEW_COLS, m, k, n;
    (void)thread;
    if (n1 > j->N) n1 = j->N;
    if (!j->transW) {        /* W is K x N: rows of 16 columns, a vector per row of X */
        for (n = n0; n < n1; n += 16) {
            __mmask16 cm = n1 - n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n1 - n)) - 1u);
            __m512 acc[LORA__BF_FEW];
            for (m = 0; m < j->M; m++) acc[m] = _mm512_setzero_ps();
            for (k = 0; k < j->K; k++) {
                __m512 w = lora__widen16(j->w + (size_t)k * j->N + n, cm);
                for (m = 0; m < j->M; m++) acc[m] = _mm512_fmadd_ps(_mm512_set1_ps(j->Xr[(size_t)m * j->K + k]), w, acc[m]);
            }
            for (m = 0; m < j->M; m++) {
                float *y = j->Y + (size_t)m * j->ldy + n;
                if (j->accumulate) acc[m] = _mm512_add_ps(acc[m], _mm512_maskz_loadu_ps(cm, y));
                _mm512_mask_storeu_ps(y, cm, acc[m]);
            }
        }
    } else {                 /* W is N x K: a dot product along k per column */
        for (n = n0; n < n1; n++) {
            const uint16_t *wr = j->w + (size_t)n * j->K;
            __m512 acc[LORA__BF_FEW];
            for (m = 0; m < j->M; m++) acc[m] = _mm512_setzero_ps();
            for (k = 0; k < j->K; k += 16) {
                __mmask16 km = j->K - k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (j->K - k)) - 1u);
                __m512 w = lora__widen16(wr + k, km);
                for (m = 0; m < j->M; m++) acc[m] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(km, j->Xr + (size_t)m * j->K + k), w, acc[m]);
            }
            for (m = 0; m < j->M; m++) {
                float v = _mm512_reduce_add_ps(acc[m]);
                float *y = j->Y + (size_t)m * j->ldy + n;
                *y = j->accumulate ? *y + v : v;
            }
        }
    }
}

/* ---- vdpbf16ps ---- */
/* X (M x K) -> row panels of 12 rows: panel[p * 12 + i] = bf16(x[i][2p]) | bf16(x[i][2p+1]) << 16. */
typedef struct { const float *X; int ldx, M, K, kp; uint32_t *A; } lora__bfa_ctx;
static void lora__bf16_pack_a(void *vctx, int task, int thread) {
    lora__bfa_ctx *c = (lora__bfa_ctx *)vctx;
    uint32_t *panel = c->A + (size_t)task * LORA__BF_MR * c->kp;
    int i, p;
    (void)thread;
    for (i = 0; i < LORA__BF_MR; i++) {
        int m = task * LORA__BF_MR + i;
        const float *x = c->X + (size_t)m * c->ldx;
        if (m >= c->M) { for (p = 0; p < c->kp; p++) panel[(size_t)p * LORA__BF_MR + i] = 0; continue; }
        for (p = 0; p < c->K / 2; p++)
            panel[(size_t)p * LORA__BF_MR + i] = (uint32_t)lora__bf16_of(x[2 * p]) | (uint32_t)lora__bf16_of(x[2 * p + 1]) << 16;
        if (c->K & 1) panel[(size_t)p * LORA__BF_MR + i] = lora__bf16_of(x[2 * p]);
    }
}

/* op(W) columns [n0, n0 + nc) and k pairs [p0, p0 + np) -> panels of 32 columns, each np x 32 words. */
LORA__TARGET_BF16 static void lora__bf16_pack_b(const lora_wmat *W, int transW, int K, int N, int n0, int nc, int p0, int np,
                                                uint32_t *out) {
    const uint16_t *w = (const uint16_t *)W->data;
    int j, p, i;
    for (j = 0; j < nc; j += LORA__BF_NR) {
        uint32_t *o = out + (size_t)(j / LORA__BF_NR) * np * LORA__BF_NR;
        int cols = nc - j < LORA__BF_NR ? nc - j : LORA__BF_NR;
        if (!transW) {       /* W is K x N: rows k and k + 1, 32 columns each, interleaved */
            __mmask32 cm = cols == 32 ? 0xFFFFFFFFu : ((1u << cols) - 1u);
            for (p = 0; p < np; p++) {
                int k = 2 * (p0 + p);
                const uint16_t *r0 = w + (size_t)k * N + n0 + j;
                __m512i lo = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16((__mmask16)cm, r0));
                __m512i hi = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16((__mmask16)(cm >> 16), r0 + 16));
                if (k + 1 < K) {
                    const uint16_t *r1 = r0 + N;
                    lo = _mm512_or_si512(lo, _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16((__mmask16)cm, r1)), 16));
                    hi = _mm512_or_si512(hi, _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16((__mmask16)(cm >> 16), r1 + 16)), 16));
                }
                _mm512_store_si512((void *)(o + (size_t)p * LORA__BF_NR), lo);
                _mm512_store_si512((void *)(o + (size_t)p * LORA__BF_NR + 16), hi);
            }
        } else if (!(K & 1) && cols == LORA__BF_NR) {   /* W is N x K: the pair is one word of row n */
            const int *base = (const int *)(const void *)(w + (size_t)(n0 + j) * K);
            __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(K / 2));
            const int *b16 = base + (size_t)16 * (K / 2);
            for (p = 0; p < np; p++) {
                _mm512_store_si512((void *)(o + (size_t)p * LORA__BF_NR), _mm512_i32gather_epi32(idx, base + p0 + p, 4));
                _mm512_store_si512((void *)(o + (size_t)p * LORA__BF_NR + 16), _mm512_i32gather_epi32(idx, b16 + p0 + p, 4));
            }
        } else {
            for (p = 0; p < np; p++) {
                int k = 2 * (p0 + p);
                for (i = 0; i < LORA__BF_NR; i++) {
                    uint32_t v = 0;
                    if (i < cols) {
                        const uint16_t *r = w + (size_t)(n0 + j + i) * K + k;
                        v = r[0];
                        if (k + 1 < K) v |= (uint32_t)r[1] << 16;
                    }
                    o[(size_t)p * LORA__BF_NR + i] = v;
                }
            }
        }
    }
}

/* C (rows x cols of the 12 x 32 tile) = (load ? C : 0) + A panel . B panel over np pairs. */
LORA__TARGET_BF16 static void lora__bf16_kernel(int np, const uint32_t *a, const uint32_t *b, float *c, int ldc, int rows,
                                                int cols, int load) {
    __m512 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71, c80, c81, c90, c91, ca0, ca1, cb0, cb1;
    __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1u);
    __mmask16 m1 = cols >= 32 ? (__mmask16)0xFFFF : cols <= 16 ? (__mmask16)0 : (__mmask16)((1u << (cols - 16)) - 1u);
    int p;
#define LORA__BFZ(i) c##i##0 = _mm512_setzero_ps(); c##i##1 = _mm512_setzero_ps();
    LORA__BFZ(0) LORA__BFZ(1) LORA__BFZ(2) LORA__BFZ(3) LORA__BFZ(4) LORA__BFZ(5)
    LORA__BFZ(6) LORA__BFZ(7) LORA__BFZ(8) LORA__BFZ(9) LORA__BFZ(a) LORA__BFZ(b)
#undef LORA__BFZ
    for (p = 0; p < np; p++) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512((const void *)(b + (size_t)p * 32));
        const __m512bh b1 = (__m512bh)_mm512_load_si512((const void *)(b + (size_t)p * 32 + 16));
        const uint32_t *ap = a + (size_t)p * LORA__BF_MR;
#define LORA__BFS(i, n) { const __m512bh ai = (__m512bh)_mm512_set1_epi32((int)ap[n]); \
            c##i##0 = _mm512_dpbf16_ps(c##i##0, ai, b0); c##i##1 = _mm512_dpbf16_ps(c##i##1, ai, b1); }
        LORA__BFS(0, 0) LORA__BFS(1, 1) LORA__BFS(2, 2) LORA__BFS(3, 3) LORA__BFS(4, 4) LORA__BFS(5, 5)
        LORA__BFS(6, 6) LORA__BFS(7, 7) LORA__BFS(8, 8) LORA__BFS(9, 9) LORA__BFS(a, 10) LORA__BFS(b, 11)
#undef LORA__BFS
    }
#define LORA__BFST(i, n) if (n < rows) { float *cr = c + (size_t)(n) * ldc; \
        if (load) { c##i##0 = _mm512_add_ps(c##i##0, _mm512_maskz_loadu_ps(m0, cr)); \
                    c##i##1 = _mm512_add_ps(c##i##1, _mm512_maskz_loadu_ps(m1, cr + 16)); } \
        _mm512_mask_storeu_ps(cr, m0, c##i##0); _mm512_mask_storeu_ps(cr + 16, m1, c##i##1); }
    LORA__BFST(0, 0) LORA__BFST(1, 1) LORA__BFST(2, 2) LORA__BFST(3, 3) LORA__BFST(4, 4) LORA__BFST(5, 5)
    LORA__BFST(6, 6) LORA__BFST(7, 7) LORA__BFST(8, 8) LORA__BFST(9, 9) LORA__BFST(a, 10) LORA__BFST(b, 11)
#undef LORA__BFST
}

typedef struct {
    const lora_wmat *W;
    int transW, M, K, N, kp, n_col_tasks, row_panels_per_task, accumulate;
    const uint32_t *A;
    char *bpack;               /* per thread */
    size_t bpack_bytes;
    float *Y;
    int ldy;
} lora__bf16_job;

LORA__TARGET_BF16 static void lora__bf16_task(void *vctx, int task, int thread) {
    lora__bf16_job *j = (lora__bf16_job *)vctx;
    int ct = task % j->n_col_tasks, rt = task / j->n_col_tasks;
    int n0 = ct * LORA__BF_NB, nc = j->N - n0 < LORA__BF_NB ? j->N - n0 : LORA__BF_NB;
    int rp0 = rt * j->row_panels_per_task, rp1 = rp0 + j->row_panels_per_task, n_rp = lora__ceil_div(j->M, LORA__BF_MR);
    uint32_t *B = (uint32_t *)(void *)(j->bpack + (size_t)thread * j->bpack_bytes);
    int p0, rp, jc;
    if (rp1 > n_rp) rp1 = n_rp;
    for (p0 = 0; p0 < j->kp; p0 += LORA__BF_KC) {
        int np = j->kp - p0 < LORA__BF_KC ? j->kp - p0 : LORA__BF_KC, load = p0 > 0 || j->accumulate;
        lora__bf16_pack_b(j->W, j->transW, j->K, j->N, n0, nc, p0, np, B);
        for (rp = rp0; rp < rp1; rp++) {
            const uint32_t *a = j->A + (size_t)rp * LORA__BF_MR * j->kp + (size_t)p0 * LORA__BF_MR;
            int rows = j->M - rp * LORA__BF_MR < LORA__BF_MR ? j->M - rp * LORA__BF_MR : LORA__BF_MR;
            for (jc = 0; jc < nc; jc += LORA__BF_NR)
                lora__bf16_kernel(np, a, B + (size_t)(jc / LORA__BF_NR) * np * LORA__BF_NR,
                                  j->Y + (size_t)rp * LORA__BF_MR * j->ldy + n0 + jc, j->ldy, rows,
                                  nc - jc < LORA__BF_NR ? nc - jc : LORA__BF_NR, load);
        }
    }
}

static void lora__wmat_mul_native(lora_pool *pool, int M, const float *X, int ldx, const lora_wmat *W, int transW,
                                  int accumulate, float *Y, int ldy, void *scratch) {
    lora__bf16_job j;
    lora__bfa_ctx ac;
    int K, N, n_rp, threads = lora_pool_threads(pool), n_row_tasks;
    size_t kc;
    lora__wmat_kn(W, transW, &K, &N);
    if (M <= LORA__BF_FEW) {
        lora__few_job f;
        lora__round_ctx rc;
        rc.X = X; rc.ldx = ldx; rc.K = K; rc.Xr = (float *)scratch;
        lora__round_rows_all(&rc, M);
        f.Xr = (const float *)scratch; f.w = (const uint16_t *)W->data; f.M = M; f.K = K; f.N = N; f.transW = transW;
        f.accumulate = accumulate; f.Y = Y; f.ldy = ldy;
        lora_pool_run(pool, lora__few_task, &f, lora__ceil_div(N, LORA__BF_FEW_COLS));
        return;
    }
    j.W = W; j.transW = transW; j.M = M; j.K = K; j.N = N; j.kp = (K + 1) / 2; j.accumulate = accumulate;
    j.Y = Y; j.ldy = ldy;
    n_rp = lora__ceil_div(M, LORA__BF_MR);
    kc = (size_t)(j.kp < LORA__BF_KC ? j.kp : LORA__BF_KC);
    j.A = (const uint32_t *)scratch;
    j.bpack = (char *)scratch + LORA__ALIGN64((size_t)n_rp * LORA__BF_MR * j.kp * 4);
    j.bpack_bytes = LORA__ALIGN64(kc * LORA__BF_NB * 4);
    ac.X = X; ac.ldx = ldx; ac.M = M; ac.K = K; ac.kp = j.kp; ac.A = (uint32_t *)scratch;
    lora_pool_run(pool, lora__bf16_pack_a, &ac, n_rp);
    j.n_col_tasks = lora__ceil_div(N, LORA__BF_NB);
    /* split rows too when there are few column blocks (each row task packs its own B) */
    n_row_tasks = j.n_col_tasks >= 4 * threads ? 1 : lora__ceil_div(4 * threads, j.n_col_tasks);
    if (n_row_tasks > n_rp) n_row_tasks = n_rp;
    j.row_panels_per_task = lora__ceil_div(n_rp, n_row_tasks);
    n_row_tasks = lora__ceil_div(n_rp, j.row_panels_per_task);
    lora_pool_run(pool, lora__bf16_task, &j, j.n_col_tasks * n_row_tasks);
}
#endif

static lora_status lora__wmat_mul_impl(lora_pool *pool, int native, int M, const float *X, int ldx, const lora_wmat *W,
                                       int transW, int accumulate, float *Y, int ldy, void *scratch, size_t scratch_bytes) {
    int K, N;
    if (!W || !W->data || !X || !Y || M < 0 || W->rows <= 0 || W->cols <= 0)
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_wmat_mul: bad arguments");
    lora__wmat_kn(W, transW, &K, &N);
    if (ldx < K || ldy < N)
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_wmat_mul: leading dimensions %d (X) and %d (Y) must be at least %d and %d",
                         ldx, ldy, K, N);
    if (M == 0) return LORA_OK;
    if (W->dtype == LORA_DT_F32) {
        lora_sgemm(pool, 0, transW, M, N, K, 1.0f, X, ldx, (const float *)W->data, W->cols, accumulate ? 1.0f : 0.0f, Y, ldy);
        return LORA_OK;
    }
    if (W->dtype != LORA_DT_BF16) return lora_fail(LORA_ERR_INVALID_ARG, "lora_wmat_mul: unknown dtype %d", (int)W->dtype);
    if (scratch_bytes < lora__wmat_scratch(native, lora_pool_threads(pool), M, K, N) || ((uintptr_t)scratch & 63))
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_wmat_mul: scratch of %lu bytes, expected %lu at a 64-byte boundary",
                         (unsigned long)scratch_bytes, (unsigned long)lora__wmat_scratch(native, lora_pool_threads(pool), M, K, N));
#ifdef LORA__HAVE_BF16
    if (native) { lora__wmat_mul_native(pool, M, X, ldx, W, transW, accumulate, Y, ldy, scratch); return LORA_OK; }
#endif
    (void)native;
    lora__wmat_mul_widen(pool, M, X, ldx, W, transW, accumulate, Y, ldy, scratch);
    return LORA_OK;
}

LORA_API lora_status lora_wmat_mul(lora_pool *pool, int M, const float *X, int ldx, const lora_wmat *W, int transW,
                                   int accumulate, float *Y, int ldy, void *scratch, size_t scratch_bytes) {
    return lora__wmat_mul_impl(pool, lora__wmat_native(pool), M, X, ldx, W, transW, accumulate, Y, ldy, scratch, scratch_bytes);
}

/* ---- fused output layer + cross-entropy over the labelled rows ---- */
static int lora__ce_chunk(int n_rows) { return n_rows < LORA_CE_CHUNK_ROWS ? (n_rows > 0 ? n_rows : 1) : LORA_CE_CHUNK_ROWS; }

static size_t lora__ce_scratch(int native, int threads, int n_rows, const lora_wmat *W) {
    size_t R = (size_t)lora__ce_chunk(n_rows), V = (size_t)W->rows, C = (size_t)W->cols, mul, mul2;
    mul = W->dtype == LORA_DT_BF16 ? lora__wmat_scratch(native, threads, (int)R, (int)C, (int)V) : 0;
    mul2 = W->dtype == LORA_DT_BF16 ? lora__wmat_scratch(native, threads, (int)R, (int)V, (int)C) : 0;
    return LORA__ALIGN64((size_t)n_rows * 4) + LORA__ALIGN64(R * C * 4) * 2 + LORA__ALIGN64(R * V * 4) + (mul > mul2 ? mul : mul2);
}

LORA_API size_t lora_lm_head_ce_scratch(const lora_pool *pool, int n_rows, const lora_wmat *W) {
    if (!W || n_rows <= 0) return 0;
    return lora__ce_scratch(lora__wmat_native(pool), lora_pool_threads(pool), n_rows, W);
}

typedef struct { float *logits; const int32_t *t; float *loss; int V; float scale; int grad; const lora_vecops *v; } lora__ce_job;
static void lora__ce_task(void *vctx, int task, int thread) {
    lora__ce_job *c = (lora__ce_job *)vctx;
    float *x = c->logits + (size_t)task * c->V, mx;
    int t = c->t[task];
    (void)thread;
    mx = c->v->max(x, c->V);
    if (!c->grad) {
        c->loss[task] = (float)((double)mx + log((double)c->v->exp_sum(x, NULL, c->V, mx)) - (double)x[t]);
        return;
    }
    {
        float xt = x[t], s = c->v->exp_sum(x, x, c->V, mx);
        c->loss[task] = (float)((double)mx + log((double)s) - (double)xt);
        c->v->scale(x, c->V, c->scale / s);
        x[t] -= c->scale;
    }
}

static lora_status lora__lm_head_ce_impl(lora_pool *pool, int native, const lora_wmat *W, int n_rows, const float *X, int ldx,
                                         const int32_t *targets, float grad_scale, float *row_loss, float *dX, int lddx,
                                         float *dW, void *scratch, size_t scratch_bytes) {
    int V, C, R, n_lab = 0, i, c0, threads = lora_pool_threads(pool);
    int32_t *idx;
    float *Xc, *dXc, *logits;
    char *mulws;
    size_t need, mul_bytes;
    lora__ce_job job;
    lora_status s;
    if (!W || !W->data || !X || !targets || !row_loss || n_rows < 0 || W->rows <= 0 || W->cols <= 0 || ldx < W->cols ||
        (dX && lddx < W->cols))
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_lm_head_ce: bad arguments");
    if (dW && W->dtype != LORA_DT_F32)
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_lm_head_ce: a weight gradient needs an fp32 weight (bf16 weights are frozen)");
    if (n_rows == 0) return LORA_OK;
    V = W->rows; C = W->cols; R = lora__ce_chunk(n_rows);
    need = lora__ce_scratch(native, threads, n_rows, W);
    if (scratch_bytes < need || ((uintptr_t)scratch & 63))
        return lora_fail(LORA_ERR_INVALID_ARG, "lora_lm_head_ce: scratch of %lu bytes, expected %lu at a 64-byte boundary",
                         (unsigned long)scratch_bytes, (unsigned long)need);
    for (i = 0; i < n_rows; i++)
        if (targets[i] >= V) return lora_fail(LORA_ERR_RANGE, "lora_lm_head_ce: target %ld of row %d is outside [0, %d)", (long)targets[i], i, V);
    idx = (int32_t *)scratch;
    Xc = (float *)((char *)scratch + LORA__ALIGN64((size_t)n_rows * 4));
    dXc = Xc + LORA__ALIGN64((size_t)R * C * 4) / 4;
    logits = dXc + LORA__ALIGN64((size_t)R * C * 4) / 4;
    mulws = (char *)(logits + LORA__ALIGN64((size_t)R * V * 4) / 4);
    mul_bytes = need - (size_t)(mulws - (char *)scratch);
    for (i = 0; i < n_rows; i++) {
        row_loss[i] = 0.0f;
        if (targets[i] >= 0) idx[n_lab++] = i;
        else if (dX) memset(dX + (size_t)i * lddx, 0, sizeof(float) * (size_t)C);
    }
    job.V = V; job.scale = grad_scale; job.grad = dX != NULL || dW != NULL; job.v = lora_vec(pool);
    for (c0 = 0; c0 < n_lab; c0 += R) {
        int rc = n_lab - c0 < R ? n_lab - c0 : R, r;
        int32_t tbuf[LORA_CE_CHUNK_ROWS];
        float lbuf[LORA_CE_CHUNK_ROWS];
        for (r = 0; r < rc; r++) {
            memcpy(Xc + (size_t)r * C, X + (size_t)idx[c0 + r] * ldx, sizeof(float) * (size_t)C);
            tbuf[r] = targets[idx[c0 + r]];
        }
        if ((s = lora__wmat_mul_impl(pool, native, rc, Xc, C, W, 1, 0, logits, V, mulws, mul_bytes)) != LORA_OK) return s;
        job.logits = logits; job.t = tbuf; job.loss = lbuf;
        lora_pool_run(pool, lora__ce_task, &job, rc);
        for (r = 0; r < rc; r++) row_loss[idx[c0 + r]] = lbuf[r];
        if (dW) lora_sgemm(pool, 1, 0, V, C, rc, 1.0f, logits, V, Xc, C, 1.0f, dW, C);
        if (dX) {
            if ((s = lora__wmat_mul_impl(pool, native, rc, logits, V, W, 0, 0, dXc, C, mulws, mul_bytes)) != LORA_OK) return s;
            for (r = 0; r < rc; r++) memcpy(dX + (size_t)idx[c0 + r] * lddx, dXc + (size_t)r * C, sizeof(float) * (size_t)C);
        }
    }
    return LORA_OK;
}

LORA_API lora_status lora_lm_head_ce(lora_pool *pool, const lora_wmat *W, int n_rows, const float *X, int ldx,
                                     const int32_t *targets, float grad_scale, float *row_loss, float *dX, int lddx,
                                     float *dW, void *scratch, size_t scratch_bytes) {
    return lora__lm_head_ce_impl(pool, lora__wmat_native(pool), W, n_rows, X, ldx, targets, grad_scale, row_loss, dX, lddx,
                                 dW, scratch, scratch_bytes);
}

#ifdef LORA__WMAT_DIAG_PUSHED
#pragma GCC diagnostic pop
#undef LORA__WMAT_DIAG_PUSHED
#endif

/* ---- lora/30_json.impl.c ---- */
/* ---- JSON: strict RFC 8259 DOM parser and writing helpers ----

   Memory layout: every container owns one block holding its items, (objects) the key
   pointer and key length arrays, and the bytes of its direct children's keys, strings
   and number literals. The root node is its own block (with its bytes if it is a
   scalar). So a parse makes one allocation per container plus one, and lora_json_free
   walks the containers only.

   Parsing is iterative (explicit frame stack), so deep nesting never recurses on the C
   stack. Pending children live on a value stack; their text bytes on a byte stack sized
   once to len + 1 (decoded text is never longer than its source: escapes shrink, every
   number's NUL terminator is paid for by the delimiter after it, or by the + 1). */
#include <locale.h>

#define LORA__JSON_MAX_DEPTH 512

typedef struct lora__jkey { size_t off, len; } lora__jkey;
typedef struct lora__jframe { size_t val0, key0, chr0; int is_obj; } lora__jframe;

typedef struct lora__jparser {
    const unsigned char *start, *p, *end;
    const char *source;
    lora_json *vals; size_t nvals, capvals;      /* pending children (scalars: n = byte offset) */
    lora__jkey *keys; size_t nkeys, capkeys;    /* pending object keys */
    char *chars; size_t nchars, capchars;       /* pending text bytes */
    int depth;
    lora__jframe frames[LORA__JSON_MAX_DEPTH];
} lora__jparser;

LORA_API const char *lora_json_type_name(lora_json_type t) {
    switch (t) {
    case LORA_JSON_NULL: return "null";
    case LORA_JSON_FALSE: case LORA_JSON_TRUE: return "boolean";
    case LORA_JSON_NUMBER: return "number";
    case LORA_JSON_STRING: return "string";
    case LORA_JSON_ARRAY: return "array";
    case LORA_JSON_OBJECT: return "object";
    }
    return "unknown";
}

/* "a number", "an array", "null", ...: for messages ("... is a number, expected ..."). */
static LORA__UNUSED const char *lora__json_a_type(lora_json_type t) {
    switch (t) {
    case LORA_JSON_NULL: return "null";
    case LORA_JSON_FALSE: return "false";
    case LORA_JSON_TRUE: return "true";
    case LORA_JSON_NUMBER: return "a number";
    case LORA_JSON_STRING: return "a string";
    case LORA_JSON_ARRAY: return "an array";
    case LORA_JSON_OBJECT: return "an object";
    }
    return "an unknown value";
}

/* Decodes one UTF-8 sequence at p (strict: no overlongs, no surrogates, <= U+10FFFF).
   Returns its length, or 0 if invalid or truncated. */
static size_t lora__utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp) {
    unsigned c = p[0];
    size_t avail = (size_t)(end - p);
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        if (avail < 2 || (p[1] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (p[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (avail < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        return 3;
    }
    if (c < 0xF5) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (avail < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
              ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
        return 4;
    }
    return 0;
}

/* 1 if s[0..n) is valid UTF-8. */
static LORA__UNUSED int lora__utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    uint32_t cp;
    while (p < end) {
        size_t k;
        if (*p < 0x80) { p++; continue; }
        k = lora__utf8_decode(p, end, &cp);
        if (!k) return 0;
        p += k;
    }
    return 1;
}

static size_t lora__utf8_encode(char *q, uint32_t cp) {
    if (cp < 0x80) { q[0] = (char)cp; return 1; }
    if (cp < 0x800) { q[0] = (char)(0xC0 | (cp >> 6)); q[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        q[0] = (char)(0xE0 | (cp >> 12)); q[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        q[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    q[0] = (char)(0xF0 | (cp >> 18)); q[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    q[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); q[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Records "source:line:col: reason" for the byte at pos; always returns LORA_ERR_FORMAT. */
static LORA__PRINTF(3, 4) lora_status lora__jerr(const lora__jparser *P, const unsigned char *pos, const char *fmt, ...) {
    char reason[512];
    const unsigned char *q;
    unsigned long line = 1, col = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (pos > P->end) pos = P->end;
    for (q = P->start; q < pos; q++) {
        if (*q == '\n') { line++; col = 1; }
        else if ((*q & 0xC0) != 0x80) col++;
    }
    return lora__fail(LORA_ERR_FORMAT, "%s:%lu:%lu: %s", P->source, line, col, reason);
}

/* Describes the byte at p for messages: 'x', byte 0xNN, or end of input. */
static const char *lora__jdesc(const lora__jparser *P, const unsigned char *p, char *buf, size_t n) {
    if (p >= P->end) return "end of input";
    if (*p >= 0x20 && *p < 0x7F) snprintf(buf, n, "'%c'", *p);
    else snprintf(buf, n, "byte 0x%02X", *p);
    return buf;
}

#define LORA__JWS(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')

static int lora__jhex(unsigned c) {
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    return -1;
}
static long lora__jhex4(const unsigned char *p, const unsigned char *end) {
    long v = 0;
    int i;
    if (end - p < 4) return -1;
    for (i = 0; i < 4; i++) {
        int h = lora__jhex(p[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Bytes that end a plain run inside a string: '"', '\\', controls, non-ASCII. */
static const unsigned char lora__jstop[256] = {
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1
};

/* Parses the string starting at P->p (a '"'), appends its decoded bytes + NUL to the
   byte stack; *off and *len receive where. Leaves P->p after the closing quote. */
static lora_status lora__jstring(lora__jparser *P, size_t *off, size_t *len) {
    const unsigned char *p = P->p + 1, *end = P->end;
    char *q;
    if (P->nchars + (size_t)(end - P->p) + 1 > P->capchars)
        return lora__fail(LORA_ERR_FORMAT, "%s: internal error: JSON text buffer too small", P->source);
    q = P->chars + P->nchars;
    *off = P->nchars;
    for (;;) {
        const unsigned char *run = p;
        unsigned c;
        while (p < end && !lora__jstop[*p]) p++;
        if (p > run) { memcpy(q, run, (size_t)(p - run)); q += p - run; }
        if (p >= end) return lora__jerr(P, P->p, "unterminated string");
        c = *p;
        if (c == '"') { p++; break; }
        if (c == '\\') {
            const unsigned char *esc = p;
            if (p + 1 >= end) return lora__jerr(P, P->p, "unterminated string");
            c = p[1];
            p += 2;
            switch (c) {
            case '"': *q++ = '"'; break;
            case '\\': *q++ = '\\'; break;
            case '/': *q++ = '/'; break;
            case 'b': *q++ = '\b'; break;
            case 'f': *q++ = '\f'; break;
            case 'n': *q++ = '\n'; break;
            case 'r': *q++ = '\r'; break;
            case 't': *q++ = '\t'; break;
            case 'u': {
                long u = lora__jhex4(p, end);
                uint32_t cp;
                if (u < 0) return lora__jerr(P, esc, "invalid \\u escape (needs 4 hex digits)");
                p += 4;
                cp = (uint32_t)u;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    long lo = -1;
                    if (end - p >= 6 && p[0] == '\\' && p[1] == 'u') lo = lora__jhex4(p + 2, end);
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return lora__jerr(P, esc, "lone surrogate \\u%04lX (a high surrogate must be followed by a \\uDC00-\\uDFFF low surrogate)", u);
                    p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return lora__jerr(P, esc, "lone surrogate \\u%04lX (a low surrogate without a high one before it)", u);
                }
                q += lora__utf8_encode(q, cp);
                break;
            }
            default: {
                char d[16];
                return lora__jerr(P, esc, "invalid escape '\\' followed by %s", lora__jdesc(P, esc + 1, d, sizeof d));
            }
            }
        } else if (c < 0x20) {
            return lora__jerr(P, p, "control character U+%04X in string (must be escaped)", c);
        } else {
            uint32_t cp;
            size_t k = lora__utf8_decode(p, end, &cp);
            if (!k) return lora__jerr(P, p, "invalid UTF-8 in string (byte 0x%02X)", c);
            memcpy(q, p, k);
            q += k; p += k;
        }
    }
    *len = (size_t)(q - (P->chars + *off));
    *q++ = 0;
    P->nchars = (size_t)(q - P->chars);
    P->p = p;
    return LORA_OK;
}

static const double lora__pow10[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* strtod in the "C" locale whatever the current locale's decimal point is. */
static double lora__strtod_c(const char *s, size_t len) {
    const char *dp = localeconv()->decimal_point, *dot;
    char small[64], *tmp = small;
    size_t dl, pre;
    double d;
    if (!dp || (dp[0] == '.' && dp[1] == 0) || !(dot = strchr(s, '.'))) return strtod(s, NULL);
    dl = strlen(dp);
    if (len + dl + 1 > sizeof small) {
        tmp = (char *)LORA_MALLOC(len + dl + 1);
        if (!tmp) return strtod(s, NULL);
    }
    pre = (size_t)(dot - s);
    memcpy(tmp, s, pre);
    memcpy(tmp + pre, dp, dl);
    memcpy(tmp + pre + dl, dot + 1, len - pre);   /* includes the NUL */
    d = strtod(tmp, NULL);
    if (tmp != small) LORA_FREE(tmp);
    return d;
}

/* Parses the number at P->p into v (literal bytes appended to the byte stack). */
static lora_status lora__jnumber(lora__jparser *P, lora_json *v) {
    const unsigned char *s = P->p, *p = s, *end = P->end;
    uint64_t mant = 0;
    int ndig = 0, truncated = 0, neg = 0;
    long exp10 = 0;
    size_t n;
    char *lit;
    char d[16];
    if (*p == '-') { neg = 1; p++; }
    if (p >= end || *p < '0' || *p > '9')
        return lora__jerr(P, p, "invalid number: expected a digit after '-', found %s", lora__jdesc(P, p, d, sizeof d));
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9') return lora__jerr(P, s, "invalid number: leading zeros are not allowed");
    } else {
        while (p < end && *p >= '0' && *p <= '9') {
            if (ndig < 19) { mant = mant * 10 + (uint64_t)(*p - '0'); ndig++; }
            else { exp10++; if (*p != '0') truncated = 1; }
            p++;
        }
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9')
            return lora__jerr(P, p, "invalid number: expected a digit after '.', found %s", lora__jdesc(P, p, d, sizeof d));
        while (p < end && *p >= '0' && *p <= '9') {
            if (ndig < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                if (mant) ndig++;
                exp10--;
            } else if (*p != '0') truncated = 1;
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int eneg = 0;
        long e = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) { eneg = *p == '-'; p++; }
        if (p >= end || *p < '0' || *p > '9')
            return lora__jerr(P, p, "invalid number: expected a digit in the exponent, found %s", lora__jdesc(P, p, d, sizeof d));
        while (p < end && *p >= '0' && *p <= '9') {
            if (e < 100000000L) e = e * 10 + (*p - '0');
            p++;
        }
        exp10 += eneg ? -e : e;
    }
    n = (size_t)(p - s);
    if (P->nchars + n + 1 > P->capchars)
        return lora__fail(LORA_ERR_FORMAT, "%s: internal error: JSON text buffer too small", P->source);
    lit = P->chars + P->nchars;
    memcpy(lit, s, n);
    lit[n] = 0;
    if (!truncated && mant <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        /* Clinger's fast path: exact mantissa and power of ten, one rounding. */
        double x = (double)mant;
        x = exp10 < 0 ? x / lora__pow10[-exp10] : x * lora__pow10[exp10];
        v->number = neg ? -x : x;
    } else if (mant == 0 && !truncated) {
        v->number = neg ? -0.0 : 0.0;
    } else {
        v->number = lora__strtod_c(lit, n);
        if (v->number == HUGE_VAL || v->number == -HUGE_VAL)
            return lora__jerr(P, s, "number %.*s is out of the double range", n > 40 ? 40 : (int)n, lit);
    }
    v->type = LORA_JSON_NUMBER;
    v->n = P->nchars;   /* byte offset until the parent container is built */
    v->len = n;
    P->nchars += n + 1;
    P->p = p;
    return LORA_OK;
}

/* Frees what a node owns (not the node itself). */
static void lora__json_free_children(lora_json *v) {
    size_t i;
    if (v->type != LORA_JSON_ARRAY && v->type != LORA_JSON_OBJECT) return;
    for (i = 0; i < v->n; i++) lora__json_free_children(&v->items[i]);
    LORA_FREE(v->items);
    v->items = NULL;
    v->n = 0;
}

/* Builds the container of the innermost frame from the pending children into *v, pops it. */
static lora_status lora__jfinish(lora__jparser *P, lora_json *v) {
    lora__jframe *f = &P->frames[P->depth - 1];
    size_t n = P->nvals - f->val0, nch = P->nchars - f->chr0, i, per;
    memset(v, 0, sizeof *v);
    v->type = f->is_obj ? LORA_JSON_OBJECT : LORA_JSON_ARRAY;
    if (n) {
        char *block, *cb;
        lora_json *items;
        per = sizeof(lora_json) + (f->is_obj ? sizeof(char *) + sizeof(size_t) : 0);
        if (n > ((size_t)-1 - nch) / per) return lora__fail(LORA_ERR_OOM, "%s: JSON value too large", P->source);
        block = (char *)lora__malloc(n * per + nch, "JSON value");
        if (!block) return LORA_ERR_OOM;
        items = (lora_json *)block;
        memcpy(items, P->vals + f->val0, n * sizeof(lora_json));
        cb = block + n * per;
        memcpy(cb, P->chars + f->chr0, nch);
        for (i = 0; i < n; i++) {
            if (items[i].type == LORA_JSON_STRING || items[i].type == LORA_JSON_NUMBER) {
                items[i].str = cb + (items[i].n - f->chr0);
                items[i].n = 0;
            }
        }
        if (f->is_obj) {
            char **keys = (char **)(void *)(block + n * sizeof(lora_json));
            size_t *lens = (size_t *)(void *)(block + n * (sizeof(lora_json) + sizeof(char *)));
            const lora__jkey *pk = P->keys + f->key0;
            for (i = 0; i < n; i++) { keys[i] = cb + (pk[i].off - f->chr0); lens[i] = pk[i].len; }
            v->keys = keys;
            v->key_lens = lens;
        }
        v->items = items;
        v->n = n;
    }
    P->nvals = f->val0;
    P->nkeys = f->key0;
    P->nchars = f->chr0;
    P->depth--;
    return LORA_OK;
}

static lora_status lora__jpush(lora__jparser *P, const lora_json *v) {
    if (P->nvals == P->capvals) {
        size_t cap = P->capvals ? P->capvals * 2 : 64;
        lora_json *nv = (lora_json *)lora__realloc(P->vals, cap * sizeof(lora_json), "JSON parser stack");
        if (!nv) return LORA_ERR_OOM;
        P->vals = nv; P->capvals = cap;
    }
    P->vals[P->nvals++] = *v;
    return LORA_OK;
}

/* Parses `"key" :` at P->p (after whitespace), pushing the key. */
static lora_status lora__jkey_colon(lora__jparser *P) {
    lora_status s;
    lora__jkey k;
    char d[16];
    while (P->p < P->end && LORA__JWS(*P->p)) P->p++;
    if (P->p >= P->end || *P->p != '"') {
        if (P->p < P->end && *P->p == '}') return lora__jerr(P, P->p, "trailing comma before '}' is not allowed");
        return lora__jerr(P, P->p, "expected a string key, found %s", lora__jdesc(P, P->p, d, sizeof d));
    }
    if ((s = lora__jstring(P, &k.off, &k.len)) != LORA_OK) return s;
    if (P->nkeys == P->capkeys) {
        size_t cap = P->capkeys ? P->capkeys * 2 : 64;
        lora__jkey *nk = (lora__jkey *)lora__realloc(P->keys, cap * sizeof(lora__jkey), "JSON parser stack");
        if (!nk) return LORA_ERR_OOM;
        P->keys = nk; P->capkeys = cap;
    }
    P->keys[P->nkeys++] = k;
    while (P->p < P->end && LORA__JWS(*P->p)) P->p++;
    if (P->p >= P->end || *P->p != ':')
        return lora__jerr(P, P->p, "expected ':' after object key, found %s", lora__jdesc(P, P->p, d, sizeof d));
    P->p++;
    return LORA_OK;
}

LORA_API lora_status lora_json_parse(const char *text, size_t len, const char *source, lora_json **out) {
    lora__jparser *P;
    lora_status s = LORA_OK;
    lora_json v, *root = NULL;
    const unsigned char *p;
    char d[16];
    size_t i;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_json_parse: out is NULL");
    *out = NULL;
    if (!text && len) return lora__fail(LORA_ERR_INVALID_ARG, "lora_json_parse: text is NULL");
    if (!source) source = "<json>";
    if (len > (size_t)-1 - 16) return lora__fail(LORA_ERR_OOM, "%s: JSON text too large", source);
    P = (lora__jparser *)lora__malloc(sizeof *P, "JSON parser");
    if (!P) return LORA_ERR_OOM;
    memset(P, 0, offsetof(lora__jparser, frames));
    P->source = source;
    P->start = P->p = (const unsigned char *)(text ? text : "");
    P->end = P->start + len;
    P->capchars = len + 1;
    P->chars = (char *)lora__malloc(P->capchars, "JSON text");
    if (!P->chars) { LORA_FREE(P); return LORA_ERR_OOM; }
    memset(&v, 0, sizeof v);

    if (len >= 3 && P->start[0] == 0xEF && P->start[1] == 0xBB && P->start[2] == 0xBF) {
        s = lora__jerr(P, P->start, "UTF-8 byte order mark is not allowed");
        goto fail;
    }
    for (;;) {
        /* a value starts here */
        p = P->p;
        while (p < P->end && LORA__JWS(*p)) p++;
        P->p = p;
        memset(&v, 0, sizeof v);
        if (p >= P->end) {
            s = lora__jerr(P, p, P->depth ? "unexpected end of input, expected a value" : "empty input, expected a JSON value");
            goto fail;
        }
        switch (*p) {
        case '[': case '{': {
            lora__jframe *f;
            int obj = *p == '{';
            if (P->depth >= LORA__JSON_MAX_DEPTH) {
                s = lora__jerr(P, p, "nesting deeper than %d levels", LORA__JSON_MAX_DEPTH);
                goto fail;
            }
            f = &P->frames[P->depth++];
            f->val0 = P->nvals; f->key0 = P->nkeys; f->chr0 = P->nchars; f->is_obj = obj;
            p++;
            while (p < P->end && LORA__JWS(*p)) p++;
            P->p = p;
            if (p < P->end && *p == (obj ? '}' : ']')) {
                P->p++;
                if ((s = lora__jfinish(P, &v)) != LORA_OK) goto fail;
                break;
            }
            if (obj && (s = lora__jkey_colon(P)) != LORA_OK) goto fail;
            continue;
        }
        case '"': {
            size_t off, n;
            if ((s = lora__jstring(P, &off, &n)) != LORA_OK) goto fail;
            v.type = LORA_JSON_STRING; v.n = off; v.len = n;
            break;
        }
        case 't':
            if (P->end - p >= 4 && !memcmp(p, "true", 4)) { v.type = LORA_JSON_TRUE; P->p += 4; break; }
            s = lora__jerr(P, p, "invalid literal (expected true, false or null)");
            goto fail;
        case 'f':
            if (P->end - p >= 5 && !memcmp(p, "false", 5)) { v.type = LORA_JSON_FALSE; P->p += 5; break; }
            s = lora__jerr(P, p, "invalid literal (expected true, false or null)");
            goto fail;
        case 'n':
            if (P->end - p >= 4 && !memcmp(p, "null", 4)) { v.type = LORA_JSON_NULL; P->p += 4; break; }
            s = lora__jerr(P, p, "invalid literal (expected true, false or null)");
            goto fail;
        default:
            if (*p == '-' || (*p >= '0' && *p <= '9')) {
                if ((s = lora__jnumber(P, &v)) != LORA_OK) goto fail;
                break;
            }
            {
                const unsigned char *b = p;
                while (b > P->start && LORA__JWS(b[-1])) b--;
                if (P->depth && (*p == ']' || *p == '}') && b > P->start && b[-1] == ',') {
                    s = lora__jerr(P, p, "trailing comma before '%c' is not allowed", *p);
                    goto fail;
                }
            }
            if (0) ;
            else if (*p == '+' || *p == '.' || *p == 'N' || *p == 'I')
                s = lora__jerr(P, p, "expected a value, found %s (JSON numbers have no '+', leading '.', NaN or Infinity)", lora__jdesc(P, p, d, sizeof d));
            else
                s = lora__jerr(P, p, "expected a value, found %s", lora__jdesc(P, p, d, sizeof d));
            goto fail;
        }
        /* v is complete: attach it to its container, closing containers as they end */
        for (;;) {
            lora__jframe *f;
            if (P->depth == 0) goto done;
            if ((s = lora__jpush(P, &v)) != LORA_OK) goto fail;
            memset(&v, 0, sizeof v);
            f = &P->frames[P->depth - 1];
            p = P->p;
            while (p < P->end && LORA__JWS(*p)) p++;
            P->p = p;
            if (p < P->end && *p == ',') {
                P->p++;
                if (f->is_obj && (s = lora__jkey_colon(P)) != LORA_OK) goto fail;
                break;
            }
            if (p < P->end && *p == (f->is_obj ? '}' : ']')) {
                P->p++;
                if ((s = lora__jfinish(P, &v)) != LORA_OK) goto fail;
                continue;
            }
            s = lora__jerr(P, p, f->is_obj ? "expected ',' or '}' after object member, found %s"
                                           : "expected ',' or ']' after array element, found %s",
                           lora__jdesc(P, p, d, sizeof d));
            goto fail;
        }
    }
done:
    p = P->p;
    while (p < P->end && LORA__JWS(*p)) p++;
    if (p < P->end) {
        s = lora__jerr(P, p, "unexpected %s after the JSON value", lora__jdesc(P, p, d, sizeof d));
        goto fail;
    }
    if (v.type == LORA_JSON_STRING || v.type == LORA_JSON_NUMBER) {
        root = (lora_json *)lora__malloc(sizeof(lora_json) + v.len + 1, "JSON value");
        if (!root) { s = LORA_ERR_OOM; goto fail; }
        *root = v;
        root->str = (char *)(root + 1);
        memcpy(root->str, P->chars + v.n, v.len + 1);
        root->n = 0;
    } else {
        root = (lora_json *)lora__malloc(sizeof(lora_json), "JSON value");
        if (!root) { s = LORA_ERR_OOM; goto fail; }
        *root = v;
    }
    LORA_FREE(P->vals); LORA_FREE(P->keys); LORA_FREE(P->chars); LORA_FREE(P);
    *out = root;
    return LORA_OK;
fail:
    lora__json_free_children(&v);
    for (i = 0; i < P->nvals; i++) lora__json_free_children(&P->vals[i]);
    LORA_FREE(P->vals); LORA_FREE(P->keys); LORA_FREE(P->chars); LORA_FREE(P);
    return s;
}

LORA_API void lora_json_free(lora_json *v) {
    if (!v) return;
    lora__json_free_children(v);
    LORA_FREE(v);
}

LORA_API const lora_json *lora_json_get(const lora_json *v, const char *key) {
    size_t i, n;
    if (!v || !key || v->type != LORA_JSON_OBJECT) return NULL;
    n = strlen(key);
    for (i = v->n; i-- > 0;)
        if (v->key_lens[i] == n && !memcmp(v->keys[i], key, n)) return &v->items[i];
    return NULL;
}
LORA_API int lora_json_get_number(const lora_json *obj, const char *key, double *out) {
    const lora_json *v = lora_json_get(obj, key);
    if (!v || v->type != LORA_JSON_NUMBER) return 0;
    if (out) *out = v->number;
    return 1;
}
LORA_API int lora_json_get_bool(const lora_json *obj, const char *key, int *out) {
    const lora_json *v = lora_json_get(obj, key);
    if (!v || (v->type != LORA_JSON_TRUE && v->type != LORA_JSON_FALSE)) return 0;
    if (out) *out = v->type == LORA_JSON_TRUE;
    return 1;
}
LORA_API const char *lora_json_get_string(const lora_json *obj, const char *key) {
    const lora_json *v = lora_json_get(obj, key);
    return v && v->type == LORA_JSON_STRING ? v->str : NULL;
}
LORA_API int lora_json_int64(const lora_json *v, int64_t *out) {
    const char *s;
    size_t i = 0, n;
    uint64_t x = 0, lim;
    int neg = 0;
    if (!v || v->type != LORA_JSON_NUMBER) return 0;
    s = v->str; n = v->len;
    if (!s || !n) {   /* node not made by the parser: accept exact integral doubles */
        if (!(v->number >= -9223372036854775808.0 && v->number < 9223372036854775808.0) ||
            v->number != floor(v->number)) return 0;
        if (out) *out = (int64_t)v->number;
        return 1;
    }
    if (s[0] == '-') { neg = 1; i = 1; }
    if (i >= n) return 0;
    lim = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
    for (; i < n; i++) {
        unsigned dgt;
        if (s[i] < '0' || s[i] > '9') return 0;
        dgt = (unsigned)(s[i] - '0');
        if (x > (lim - dgt) / 10) return 0;
        x = x * 10 + dgt;
    }
    if (out) *out = neg ? (x == ((uint64_t)1 << 63) ? INT64_MIN : -(int64_t)x) : (int64_t)x;
    return 1;
}

/* ---- JSON writing helpers (for the library's writers) ----
   Strings are escaped as Python's json.dumps(..., ensure_ascii=False) does: '"', '\\'
   and control characters (\b \f \n \r \t short forms, others \u00xx lowercase), every
   other byte (UTF-8 included) as is. Numbers: integral values below 1e16 as integers,
   others in the shortest form that reads back to the same double, laid out like
   Python's repr (1e-05, 0.1, 1.5e+300); non-finite values as null (JSON has none). */
static LORA__UNUSED void lora__json_write_stringn(lora__buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
    lora__buf_append(b, "\"", 1);
    while (p < end) {
        unsigned c;
        run = p;
        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\') p++;
        if (p > run) lora__buf_append(b, run, (size_t)(p - run));
        if (p >= end) break;
        c = *p++;
        switch (c) {
        case '"': lora__buf_append(b, "\\\"", 2); break;
        case '\\': lora__buf_append(b, "\\\\", 2); break;
        case '\b': lora__buf_append(b, "\\b", 2); break;
        case '\f': lora__buf_append(b, "\\f", 2); break;
        case '\n': lora__buf_append(b, "\\n", 2); break;
        case '\r': lora__buf_append(b, "\\r", 2); break;
        case '\t': lora__buf_append(b, "\\t", 2); break;
        default: {
            char e[6];
            e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[c >> 4]; e[5] = hex[c & 15];
            lora__buf_append(b, e, 6);
        }
        }
    }
    lora__buf_append(b, "\"", 1);
}
static LORA__UNUSED void lora__json_write_string(lora__buf *b, const char *s) {
    lora__json_write_stringn(b, s, strlen(s));
}
static LORA__UNUSED void lora__json_write_int(lora__buf *b, int64_t x) {
    char tmp[24], *q = tmp + sizeof tmp;
    uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    do { *--q = (char)('0' + u % 10); u /= 10; } while (u);
    if (x < 0) *--q = '-';
    lora__buf_append(b, q, (size_t)(tmp + sizeof tmp - q));
}
/* Shortest round-trip digits of x (finite, nonzero): digits (no dot) and decimal exponent
   of the first digit, as printf("%.*e") gives them. Returns the digit count. */
static int lora__shortest_digits(double x, char *digits, int *exp10) {
    char buf[64];
    int prec, nd = 0;
    const char *q;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        if (prec == 17 || strtod(buf, NULL) == x) break;
    }
    for (q = buf; *q && *q != 'e' && *q != 'E'; q++)
        if (*q >= '0' && *q <= '9') digits[nd++] = *q;
    *exp10 = *q ? atoi(q + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = 0;
    return nd;
}
LORA_API void lora_json_write_number(lora_buf *b, double x) {
    char digits[32], out[64];
    int nd, e, k = 0, i;
    if (x != x || x - x != 0) { lora__buf_puts(b, "null"); return; }
    if (x == floor(x) && fabs(x) < 1e16) {
        if (x == 0) { lora__buf_puts(b, signbit(x) ? "-0" : "0"); return; }
        lora__json_write_int(b, (int64_t)x);
        return;
    }
    nd = lora__shortest_digits(x, digits, &e);
    if (x < 0) out[k++] = '-';
    if (e >= -4 && e < 16) {
        if (e < 0) {
            out[k++] = '0'; out[k++] = '.';
            for (i = 0; i < -e - 1; i++) out[k++] = '0';
            for (i = 0; i < nd; i++) out[k++] = digits[i];
        } else {
            for (i = 0; i <= e; i++) out[k++] = i < nd ? digits[i] : '0';
            if (nd > e + 1) {
                out[k++] = '.';
                for (i = e + 1; i < nd; i++) out[k++] = digits[i];
            }
        }
        out[k] = 0;
    } else {
        out[k++] = digits[0];
        if (nd > 1) {
            out[k++] = '.';
            for (i = 1; i < nd; i++) out[k++] = digits[i];
        }
        snprintf(out + k, sizeof out - (size_t)k, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    }
    lora__buf_puts(b, out);
}

/* A float with the fewest decimal digits that read back (as a float) to the same value: 0.05f is
   written "0.05", not "0.05000000074505806" (its exact double value). */
LORA_API void lora_json_write_float(lora_buf *b, float x) {
    double d = (double)x;
    int p;
    if (x != x || x - x != 0 || x == 0 || d == floor(d)) { lora_json_write_number(b, d); return; }
    for (p = 1; p <= 9; p++) {
        int e = (int)floor(log10(fabs(d))), k = p - 1 - e;
        double r;
        if (k >= 0 && k <= 22) r = floor(d * pow(10.0, k) + 0.5) / pow(10.0, k);
        else if (k < 0 && -k <= 22) r = floor(d / pow(10.0, -k) + 0.5) * pow(10.0, -k);
        else break;
        if ((float)r == x) { lora_json_write_number(b, r); return; }
    }
    lora_json_write_number(b, d);
}
/* Compact JSON of a parsed value (numbers keep their literal when they have one). */
static LORA__UNUSED void lora__json_write_value(lora__buf *b, const lora_json *v) {
    size_t i;
    switch (v->type) {
    case LORA_JSON_NULL: lora__buf_puts(b, "null"); break;
    case LORA_JSON_FALSE: lora__buf_puts(b, "false"); break;
    case LORA_JSON_TRUE: lora__buf_puts(b, "true"); break;
    case LORA_JSON_NUMBER:
        if (v->str && v->len) lora__buf_append(b, v->str, v->len);
        else lora__json_write_number(b, v->number);
        break;
    case LORA_JSON_STRING: lora__json_write_stringn(b, v->str, v->len); break;
    case LORA_JSON_ARRAY:
        lora__buf_append(b, "[", 1);
        for (i = 0; i < v->n; i++) {
            if (i) lora__buf_append(b, ",", 1);
            lora__json_write_value(b, &v->items[i]);
        }
        lora__buf_append(b, "]", 1);
        break;
    case LORA_JSON_OBJECT:
        lora__buf_append(b, "{", 1);
        for (i = 0; i < v->n; i++) {
            if (i) lora__buf_append(b, ",", 1);
            lora__json_write_stringn(b, v->keys[i], v->key_lens[i]);
            lora__buf_append(b, ":", 1);
            lora__json_write_value(b, &v->items[i]);
        }
        lora__buf_append(b, "}", 1);
        break;
    }
}

/* ---- lora/40_safetensors.impl.c ---- */
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

/* ---- lora/45_gguf.impl.c ---- */
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

/* ---- lora/50_pattern.impl.c ---- */
/* ---- module-name patterns: a small regex engine + PEFT's target_modules rules ----

   Regex: parsed (Python's re syntax rules, incl. its error positions) into a small AST, compiled
   to a Thompson NFA program and run by a Pike VM: O(len(program) * len(text)) time, no
   backtracking, no recursion on the text. Text and pattern are decoded as UTF-8 (a byte that is
   not part of valid UTF-8 is its own "character" 0x110000 + byte), so `.` and classes see whole
   characters like Python's str patterns do; \d \w \s and \b use ASCII definitions. */

#define LORA__RE_MAX_PATTERN 65536   /* bytes of pattern */
#define LORA__RE_MAX_REPEAT 1000     /* m, n in {m,n} */
#define LORA__RE_MAX_INST 200000     /* instructions after expanding counted repetitions */
#define LORA__RE_MAX_DEPTH 200       /* nested groups */
#define LORA__RE_MAXCP 0x1100FFu     /* largest "character": 0x110000 + byte for invalid UTF-8 */
#define LORA__RE_INF (-1)

enum { LORA__RN_EMPTY, LORA__RN_CHAR, LORA__RN_ANY, LORA__RN_CLASS, LORA__RN_ASSERT, LORA__RN_CAT, LORA__RN_ALT,
       LORA__RN_REPEAT, LORA__RN_GROUP };
enum { LORA__RA_BOL, LORA__RA_EOL, LORA__RA_EOT, LORA__RA_WORDB, LORA__RA_NWORDB };
enum { LORA__RO_CHAR, LORA__RO_ANY, LORA__RO_CLASS, LORA__RO_ASSERT, LORA__RO_SPLIT, LORA__RO_JMP, LORA__RO_SAVE,
       LORA__RO_MATCH };
enum { LORA__RM_FULL, LORA__RM_SEARCH, LORA__RM_PREFIX };

typedef struct lora__rnode {
    int type, child, next; /* CAT/ALT: children linked by next; REPEAT/GROUP: child */
    int min, max, greedy;  /* REPEAT (max LORA__RE_INF = unbounded) */
    uint32_t val;          /* CHAR: code point; CLASS: class index; ASSERT: kind; GROUP: group number */
} lora__rnode;

typedef struct lora__rclass {
    uint32_t ascii[4]; /* membership of 0..127 (negation applied) */
    int negate;        /* applies to the ranges */
    int off, n;        /* sorted, disjoint ranges of characters >= 128 in the regex's range pool */
} lora__rclass;

typedef struct lora__rinst {
    int op, x, y; /* SPLIT: x preferred, y other; JMP: x; SAVE: x = slot; ASSERT: x = kind; CLASS: x = index */
    uint32_t c;   /* CHAR */
} lora__rinst;

struct lora_regex {
    lora__rinst *prog;
    int ninst;
    lora__rclass *classes;
    int nclasses;
    uint32_t *ranges; /* pairs lo, hi */
    int ngroups;
};

typedef struct lora__rparse {
    const unsigned char *s;
    size_t n, i;
    const char *pattern;
    lora__rnode *nodes;
    int nnodes, capnodes;
    lora__rclass *classes;
    int nclasses, capclasses;
    uint32_t *ranges; /* pool of final ranges (pairs) */
    int nranges, capranges;
    uint32_t *tmp;    /* ranges of the class being parsed (pairs) */
    int ntmp, captmp;
    int ngroups, depth;
    unsigned char *gclosed; /* gclosed[g]: group g is closed */
    int capg;
    size_t unsup_pos;       /* first deferred "not supported" (reported if the pattern is valid Python) */
    char unsup[96];
    lora_status err;
    lora__rinst *prog;
    int ninst, capinst;
} lora__rparse;

/* Strict UTF-8 decoding; anything else is one byte b -> 0x110000 + b. */
static uint32_t lora__re_decode(const unsigned char *s, size_t n, size_t *len) {
    uint32_t c = s[0], cp;
    if (c < 0x80) { *len = 1; return c; }
    if (c >= 0xC2 && c <= 0xDF && n >= 2 && (s[1] & 0xC0) == 0x80) {
        *len = 2;
        return ((c & 0x1F) << 6) | (s[1] & 0x3Fu);
    }
    if (c >= 0xE0 && c <= 0xEF && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        cp = ((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) { *len = 3; return cp; }
    }
    if (c >= 0xF0 && c <= 0xF4 && n >= 4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
        cp = ((c & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
        if (cp >= 0x10000 && cp <= 0x10FFFF) { *len = 4; return cp; }
    }
    *len = 1;
    return 0x110000u + c;
}

static int lora__re_isword(unsigned char b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
}

/* Records "invalid pattern '<pattern>': <what> at position <pos>" (INVALID_ARG). Returns -1. */
static LORA__PRINTF(3, 4) int lora__re_error(lora__rparse *P, size_t pos, const char *fmt, ...) {
    char what[256];
    va_list ap;
    int plen = (int)(P->n > 200 ? 200 : P->n);
    if (P->err != LORA_OK) return -1;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    P->err = lora__fail(LORA_ERR_INVALID_ARG, "invalid pattern '%.*s%s': %s at position %d", plen, P->pattern,
                        P->n > 200 ? "..." : "", what, (int)pos);
    return -1;
}
/* Notes syntax that Python accepts but this engine does not; parsing goes on so that Python's own
   errors (reported first, with Python's position) take precedence. */
static void lora__re_unsupported(lora__rparse *P, size_t pos, const char *what) {
    if (P->unsup[0]) return;
    P->unsup_pos = pos;
    snprintf(P->unsup, sizeof P->unsup, "%s", what);
}
static int lora__re_oom(lora__rparse *P) {
    if (P->err == LORA_OK) P->err = LORA_ERR_OOM;
    return -1;
}

static int lora__re_grow(lora__rparse *P, void **p, int *cap, int need, size_t elem, const char *what) {
    void *q;
    int nc;
    if (need <= *cap) return 1;
    nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    q = lora__realloc(*p, (size_t)nc * elem, what);
    if (!q) { lora__re_oom(P); return 0; }
    *p = q;
    *cap = nc;
    return 1;
}

static int lora__re_node(lora__rparse *P, int type) {
    lora__rnode *nd;
    if (!lora__re_grow(P, (void **)&P->nodes, &P->capnodes, P->nnodes + 1, sizeof *P->nodes, "regex nodes")) return -1;
    nd = &P->nodes[P->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->type = type;
    nd->child = nd->next = -1;
    return P->nnodes++;
}

static int lora__re_tmp_add(lora__rparse *P, uint32_t lo, uint32_t hi) {
    if (!lora__re_grow(P, (void **)&P->tmp, &P->captmp, P->ntmp * 2 + 2, sizeof *P->tmp, "regex class")) return 0;
    P->tmp[P->ntmp * 2] = lo;
    P->tmp[P->ntmp * 2 + 1] = hi;
    P->ntmp++;
    return 1;
}

/* Category escapes: d D s S w W as ranges over all characters (ASCII definitions). */
static int lora__re_tmp_category(lora__rparse *P, int cat) {
    static const uint32_t digit[] = {'0', '9'};
    static const uint32_t word[] = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
    static const uint32_t space[] = {0x09, 0x0D, 0x1C, 0x20};
    const uint32_t *r;
    int k, nr, neg = (cat >= 'A' && cat <= 'Z');
    uint32_t prev = 0;
    switch (cat | 0x20) {
    case 'd': r = digit; nr = 1; break;
    case 'w': r = word; nr = 4; break;
    default: r = space; nr = 2; break;
    }
    for (k = 0; k < nr; k++) {
        if (!neg) {
            if (!lora__re_tmp_add(P, r[2 * k], r[2 * k + 1])) return 0;
        } else {
            if (r[2 * k] > prev && !lora__re_tmp_add(P, prev, r[2 * k] - 1)) return 0;
            prev = r[2 * k + 1] + 1;
        }
    }
    if (neg && !lora__re_tmp_add(P, prev, LORA__RE_MAXCP)) return 0;
    return 1;
}

static int lora__re_cmp_range(const void *a, const void *b) {
    uint32_t x = ((const uint32_t *)a)[0], y = ((const uint32_t *)b)[0];
    return x < y ? -1 : x > y;
}

/* Turns the pending ranges into a class; returns its index. */
static int lora__re_finish_class(lora__rparse *P, int negate) {
    lora__rclass *k;
    int i, m = 0;
    uint32_t c;
    if (!lora__re_grow(P, (void **)&P->classes, &P->capclasses, P->nclasses + 1, sizeof *P->classes, "regex classes"))
        return -1;
    if (P->ntmp > 1) qsort(P->tmp, (size_t)P->ntmp, 2 * sizeof *P->tmp, lora__re_cmp_range);
    for (i = 0; i < P->ntmp; i++) { /* merge overlapping / adjacent */
        uint32_t lo = P->tmp[2 * i], hi = P->tmp[2 * i + 1];
        if (m > 0 && lo <= P->tmp[2 * m - 1] + 1) {
            if (hi > P->tmp[2 * m - 1]) P->tmp[2 * m - 1] = hi;
        } else {
            P->tmp[2 * m] = lo;
            P->tmp[2 * m + 1] = hi;
            m++;
        }
    }
    k = &P->classes[P->nclasses];
    memset(k, 0, sizeof *k);
    k->negate = negate;
    k->off = P->nranges;
    for (i = 0; i < m; i++) {
        uint32_t lo = P->tmp[2 * i], hi = P->tmp[2 * i + 1];
        for (c = lo; c <= hi && c < 128; c++) k->ascii[c >> 5] |= 1u << (c & 31);
        if (hi >= 128) {
            if (!lora__re_grow(P, (void **)&P->ranges, &P->capranges, P->nranges * 2 + 2, sizeof *P->ranges,
                               "regex classes"))
                return -1;
            P->ranges[P->nranges * 2] = lo < 128 ? 128 : lo;
            P->ranges[P->nranges * 2 + 1] = hi;
            P->nranges++;
            k->n++;
        }
    }
    if (negate)
        for (i = 0; i < 4; i++) k->ascii[i] = ~k->ascii[i];
    P->ntmp = 0;
    return P->nclasses++;
}

static int lora__re_hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parses the escape at P->i (a backslash). in_class: inside [...]. Result: *cp for a single
   character (returns 1), *cat = d/D/s/S/w/W for a category (returns 2), *cat = assertion kind
   (returns 3, outside classes only). Returns -1 on error. */
static int lora__re_escape(lora__rparse *P, int in_class, uint32_t *cp, int *cat) {
    size_t at = P->i, len;
    unsigned char e;
    if (P->i + 1 >= P->n) return lora__re_error(P, at, "bad escape (end of pattern)");
    e = P->s[P->i + 1];
    P->i += 2;
    switch (e) {
    case 'd': case 'D': case 's': case 'S': case 'w': case 'W': *cat = e; return 2;
    case 'a': *cp = 7; return 1;
    case 'f': *cp = 12; return 1;
    case 'n': *cp = 10; return 1;
    case 'r': *cp = 13; return 1;
    case 't': *cp = 9; return 1;
    case 'v': *cp = 11; return 1;
    case '\\': *cp = '\\'; return 1;
    case 'b':
        if (in_class) { *cp = 8; return 1; }
        *cat = LORA__RA_WORDB; return 3;
    case 'B': case 'A': case 'Z':
        if (in_class) break;
        *cat = e == 'B' ? LORA__RA_NWORDB : e == 'A' ? LORA__RA_BOL : LORA__RA_EOT;
        return 3;
    case 'x': case 'u': case 'U': {
        int want = e == 'x' ? 2 : e == 'u' ? 4 : 8, k, h;
        uint32_t v = 0;
        for (k = 0; k < want && P->i < P->n && (h = lora__re_hexval(P->s[P->i])) >= 0; k++, P->i++) v = v * 16 + (uint32_t)h;
        if (k != want)
            return lora__re_error(P, at, "incomplete escape \\%c%.*s", e, (int)(P->i - at - 2), (const char *)P->s + at + 2);
        if (v > 0x10FFFF) return lora__re_error(P, at, "bad escape \\%c%.*s", e, want, (const char *)P->s + at + 2);
        *cp = v;
        return 1;
    }
    case 'N':
        return lora__re_error(P, at, "named character escapes \\N{...} are not supported");
    default: break;
    }
    if (e >= '0' && e <= '9') {
        uint32_t v;
        if (in_class) {
            int k;
            if (e > '7') return lora__re_error(P, at, "bad escape \\%c", e);
            v = (uint32_t)(e - '0');
            for (k = 0; k < 2 && P->i < P->n && P->s[P->i] >= '0' && P->s[P->i] <= '7'; k++, P->i++)
                v = v * 8 + (uint32_t)(P->s[P->i] - '0');
        } else if (e == '0') {
            int k;
            v = 0;
            for (k = 0; k < 2 && P->i < P->n && P->s[P->i] >= '0' && P->s[P->i] <= '7'; k++, P->i++)
                v = v * 8 + (uint32_t)(P->s[P->i] - '0');
        } else if (e <= '7' && P->i + 1 < P->n && P->s[P->i] >= '0' && P->s[P->i] <= '7' && P->s[P->i + 1] >= '0' &&
                   P->s[P->i + 1] <= '7') {
            v = (uint32_t)((e - '0') * 64 + (P->s[P->i] - '0') * 8 + (P->s[P->i + 1] - '0'));
            P->i += 2;
        } else { /* a group reference (Python's errors first) */
            int g = e - '0';
            if (P->i < P->n && P->s[P->i] >= '0' && P->s[P->i] <= '9') g = g * 10 + (P->s[P->i++] - '0');
            if (g > P->ngroups) return lora__re_error(P, at + 1, "invalid group reference %d", g);
            if (!P->gclosed[g]) return lora__re_error(P, at, "cannot refer to an open group");
            lora__re_unsupported(P, at, "backreferences are not supported");
            *cp = 0;
            return 1;
        }
        if (v > 0377)
            return lora__re_error(P, at, "octal escape value %.*s outside of range 0-0o377", (int)(P->i - at),
                                  (const char *)P->s + at);
        *cp = v;
        return 1;
    }
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) return lora__re_error(P, at, "bad escape \\%c", e);
    P->i = at + 1; /* any other character, escaped, is itself */
    *cp = lora__re_decode(P->s + P->i, P->n - P->i, &len);
    P->i += len;
    return 1;
}

/* [...] at P->i; returns a class index. Python's rules: ']' first is literal, '-' first/last
   is literal, ranges need single characters on both sides and lo <= hi. */
static int lora__re_parse_class(lora__rparse *P) {
    size_t here = P->i, start, len;
    int negate = 0, nitems = 0, r1, r2, cat1 = 0, cat2 = 0;
    uint32_t c1 = 0, c2 = 0;
    P->i++;
    P->ntmp = 0;
    if (P->i < P->n && P->s[P->i] == '^') { negate = 1; P->i++; }
    for (;;) {
        if (P->i >= P->n) return lora__re_error(P, here, "unterminated character set");
        start = P->i;
        if (P->s[P->i] == ']' && nitems > 0) { P->i++; break; }
        if (P->s[P->i] == '\\') {
            if ((r1 = lora__re_escape(P, 1, &c1, &cat1)) < 0) return -1;
        } else {
            c1 = lora__re_decode(P->s + P->i, P->n - P->i, &len);
            P->i += len;
            r1 = 1;
        }
        nitems++;
        if (P->i < P->n && P->s[P->i] == '-') {
            P->i++;
            if (P->i >= P->n) return lora__re_error(P, here, "unterminated character set");
            if (P->s[P->i] == ']') { /* trailing '-': literal */
                P->i++;
                if (!(r1 == 1 ? lora__re_tmp_add(P, c1, c1) : lora__re_tmp_category(P, cat1))) return -1;
                if (!lora__re_tmp_add(P, '-', '-')) return -1;
                break;
            }
            if (P->s[P->i] == '\\') {
                if ((r2 = lora__re_escape(P, 1, &c2, &cat2)) < 0) return -1;
            } else {
                c2 = lora__re_decode(P->s + P->i, P->n - P->i, &len);
                P->i += len;
                r2 = 1;
            }
            if (r1 != 1 || r2 != 1 || c2 < c1)
                return lora__re_error(P, start, "bad character range %.*s", (int)(P->i - start),
                                      (const char *)P->s + start);
            if (!lora__re_tmp_add(P, c1, c2)) return -1;
        } else if (!(r1 == 1 ? lora__re_tmp_add(P, c1, c1) : lora__re_tmp_category(P, cat1))) {
            return -1;
        }
    }
    return lora__re_finish_class(P, negate);
}

/* Is there a quantifier at P->i? Fills min/max (LORA__RE_INF) and its length; a '{' that is not
   {m}, {m,}, {,n}, {m,n} or {,} is a literal (Python). Counts saturate at LORA__RE_MAX_REPEAT+1. */
static int lora__re_quantifier(const lora__rparse *P, int *min, int *max, size_t *qlen) {
    size_t j;
    int lo = 0, hi = 0, have_lo = 0, have_hi = 0, comma = 0;
    if (P->i >= P->n) return 0;
    switch (P->s[P->i]) {
    case '*': *min = 0; *max = LORA__RE_INF; *qlen = 1; return 1;
    case '+': *min = 1; *max = LORA__RE_INF; *qlen = 1; return 1;
    case '?': *min = 0; *max = 1; *qlen = 1; return 1;
    case '{': break;
    default: return 0;
    }
    j = P->i + 1;
    if (j < P->n && P->s[j] == '}') return 0;
    for (; j < P->n && P->s[j] >= '0' && P->s[j] <= '9'; j++) {
        have_lo = 1;
        if (lo <= LORA__RE_MAX_REPEAT) lo = lo * 10 + (P->s[j] - '0');
    }
    if (j < P->n && P->s[j] == ',') {
        comma = 1;
        for (j++; j < P->n && P->s[j] >= '0' && P->s[j] <= '9'; j++) {
            have_hi = 1;
            if (hi <= LORA__RE_MAX_REPEAT) hi = hi * 10 + (P->s[j] - '0');
        }
    }
    if (j >= P->n || P->s[j] != '}') return 0;
    *min = have_lo ? lo : 0;
    *max = comma ? (have_hi ? hi : LORA__RE_INF) : *min;
    *qlen = j + 1 - P->i;
    return 1;
}

/* Checks the counts of the quantifier at P->i (Python reports min > max first). */
static int lora__re_check_counts(lora__rparse *P, int min, int max) {
    if (min > LORA__RE_MAX_REPEAT || max > LORA__RE_MAX_REPEAT)
        return lora__re_error(P, P->i, "repetition count too large (the limit is %d)", LORA__RE_MAX_REPEAT);
    if (max != LORA__RE_INF && max < min) return lora__re_error(P, P->i + 1, "min repeat greater than max repeat");
    return 0;
}

static int lora__re_parse_alt(lora__rparse *P);

/* '(' at P->i. */
static int lora__re_parse_group(lora__rparse *P) {
    size_t start = P->i;
    int capture = 1, inner, g = 0, nd;
    P->i++;
    if (P->i < P->n && P->s[P->i] == '?') {
        unsigned char c;
        P->i++;
        if (P->i >= P->n) return lora__re_error(P, P->n, "unexpected end of pattern");
        c = P->s[P->i];
        if (c == ':') {
            capture = 0;
            P->i++;
        } else if (c == 'P') {
            P->i++;
            if (P->i >= P->n) return lora__re_error(P, P->n, "unexpected end of pattern");
            if (P->s[P->i] == '<') return lora__re_error(P, start, "named groups (?P<name>...) are not supported");
            if (P->s[P->i] == '=') return lora__re_error(P, start, "backreferences (?P=name) are not supported");
            return lora__re_error(P, start + 1, "unknown extension ?P%c", P->s[P->i]);
        } else if (c == '=' || c == '!') {
            return lora__re_error(P, start, "lookahead assertions (?%c...) are not supported", c);
        } else if (c == '<') {
            P->i++;
            if (P->i >= P->n) return lora__re_error(P, P->n, "unexpected end of pattern");
            if (P->s[P->i] == '=' || P->s[P->i] == '!')
                return lora__re_error(P, start, "lookbehind assertions (?<%c...) are not supported", P->s[P->i]);
            return lora__re_error(P, start + 1, "unknown extension ?<%c", P->s[P->i]);
        } else if (c == '#') {
            return lora__re_error(P, start, "comments (?#...) are not supported");
        } else if (c == '>') {
            return lora__re_error(P, start, "atomic groups (?>...) are not supported");
        } else if (c == '(') {
            return lora__re_error(P, start, "conditional groups (?(...)...) are not supported");
        } else if (strchr("aiLmsux-", c) && c) {
            return lora__re_error(P, start, "inline flags (?%c...) are not supported", c);
        } else {
            return lora__re_error(P, start + 1, "unknown extension ?%c", c);
        }
    }
    if (P->depth >= LORA__RE_MAX_DEPTH)
        return lora__re_error(P, start, "groups nested too deeply (the limit is %d)", LORA__RE_MAX_DEPTH);
    if (capture) {
        g = ++P->ngroups;
        if (!lora__re_grow(P, (void **)&P->gclosed, &P->capg, g + 1, 1, "regex groups")) return -1;
        P->gclosed[g] = 0;
    }
    P->depth++;
    inner = lora__re_parse_alt(P);
    P->depth--;
    if (inner < 0) return -1;
    if (P->i >= P->n || P->s[P->i] != ')') return lora__re_error(P, start, "missing ), unterminated subpattern");
    P->i++;
    if (!capture) return inner;
    P->gclosed[g] = 1;
    if ((nd = lora__re_node(P, LORA__RN_GROUP)) < 0) return -1;
    P->nodes[nd].child = inner;
    P->nodes[nd].val = (uint32_t)g;
    return nd;
}

/* One atom and its quantifiers. */
static int lora__re_parse_atom(lora__rparse *P) {
    int nd = -1, kind = 0, min, max, r; /* kind: 0 item, 1 anchor, 2 repeat */
    size_t qlen, len;
    unsigned char c = P->s[P->i];
    uint32_t cp;
    int cat;
    if (lora__re_quantifier(P, &min, &max, &qlen)) {
        if (lora__re_check_counts(P, min, max) < 0) return -1;
        return lora__re_error(P, P->i, "nothing to repeat");
    }
    if (c == '(') {
        nd = lora__re_parse_group(P);
    } else if (c == '[') {
        if ((r = lora__re_parse_class(P)) < 0) return -1;
        if ((nd = lora__re_node(P, LORA__RN_CLASS)) >= 0) P->nodes[nd].val = (uint32_t)r;
    } else if (c == '.') {
        P->i++;
        nd = lora__re_node(P, LORA__RN_ANY);
    } else if (c == '^' || c == '$') {
        P->i++;
        if ((nd = lora__re_node(P, LORA__RN_ASSERT)) >= 0) P->nodes[nd].val = c == '^' ? LORA__RA_BOL : LORA__RA_EOL;
        kind = 1;
    } else if (c == '\\') {
        if ((r = lora__re_escape(P, 0, &cp, &cat)) < 0) return -1;
        if (r == 1) {
            if ((nd = lora__re_node(P, LORA__RN_CHAR)) >= 0) P->nodes[nd].val = cp;
        } else if (r == 2) {
            P->ntmp = 0;
            if (!lora__re_tmp_category(P, cat) || (r = lora__re_finish_class(P, 0)) < 0) return -1;
            if ((nd = lora__re_node(P, LORA__RN_CLASS)) >= 0) P->nodes[nd].val = (uint32_t)r;
        } else {
            if ((nd = lora__re_node(P, LORA__RN_ASSERT)) >= 0) P->nodes[nd].val = (uint32_t)cat;
            kind = 1;
        }
    } else {
        cp = lora__re_decode(P->s + P->i, P->n - P->i, &len);
        P->i += len;
        if ((nd = lora__re_node(P, LORA__RN_CHAR)) >= 0) P->nodes[nd].val = cp;
    }
    if (nd < 0) return -1;
    while (lora__re_quantifier(P, &min, &max, &qlen)) {
        int rep, greedy = 1;
        if (lora__re_check_counts(P, min, max) < 0) return -1;
        if (kind == 1) return lora__re_error(P, P->i, "nothing to repeat");
        if (kind == 2) return lora__re_error(P, P->i, "multiple repeat");
        P->i += qlen;
        if (P->i < P->n && P->s[P->i] == '?') {
            greedy = 0;
            P->i++;
        } else if (P->i < P->n && P->s[P->i] == '+') {
            lora__re_unsupported(P, P->i, "possessive quantifiers are not supported");
            P->i++;
        }
        if ((rep = lora__re_node(P, LORA__RN_REPEAT)) < 0) return -1;
        P->nodes[rep].child = nd;
        P->nodes[rep].min = min;
        P->nodes[rep].max = max;
        P->nodes[rep].greedy = greedy;
        nd = rep;
        kind = 2;
    }
    return nd;
}

static int lora__re_parse_seq(lora__rparse *P) {
    int head = -1, tail = -1, count = 0, nd;
    while (P->i < P->n && P->s[P->i] != '|' && P->s[P->i] != ')') {
        if ((nd = lora__re_parse_atom(P)) < 0) return -1;
        if (tail < 0) head = nd; else P->nodes[tail].next = nd;
        tail = nd;
        count++;
    }
    if (count == 1) return head;
    if ((nd = lora__re_node(P, count ? LORA__RN_CAT : LORA__RN_EMPTY)) < 0) return -1;
    P->nodes[nd].child = head;
    return nd;
}

static int lora__re_parse_alt(lora__rparse *P) {
    int first, alt, tail, nd;
    if ((first = lora__re_parse_seq(P)) < 0) return -1;
    if (P->i >= P->n || P->s[P->i] != '|') return first;
    if ((alt = lora__re_node(P, LORA__RN_ALT)) < 0) return -1;
    P->nodes[alt].child = tail = first;
    while (P->i < P->n && P->s[P->i] == '|') {
        P->i++;
        if ((nd = lora__re_parse_seq(P)) < 0) return -1;
        P->nodes[tail].next = nd;
        tail = nd;
    }
    return alt;
}

/* Upper bound of the program size, saturating above the limit. */
static long lora__re_size(const lora__rparse *P, int nd) {
    const lora__rnode *x = &P->nodes[nd];
    long s = 0, c;
    int k;
    switch (x->type) {
    case LORA__RN_EMPTY: return 0;
    case LORA__RN_CAT: case LORA__RN_ALT:
        for (k = x->child; k >= 0; k = P->nodes[k].next) {
            s += lora__re_size(P, k) + (x->type == LORA__RN_ALT ? 2 : 0);
            if (s > LORA__RE_MAX_INST) return LORA__RE_MAX_INST + 1;
        }
        return s;
    case LORA__RN_GROUP: return lora__re_size(P, x->child) + 2;
    case LORA__RN_REPEAT:
        c = lora__re_size(P, x->child) + 1;
        s = x->max == LORA__RE_INF ? (long)(x->min + 1) * c : (long)x->max * c;
        return s > LORA__RE_MAX_INST ? LORA__RE_MAX_INST + 1 : s + 1;
    default: return 1;
    }
}

static int lora__re_emit(lora__rparse *P, int op, int x, int y, uint32_t c) {
    lora__rinst *in;
    if (!lora__re_grow(P, (void **)&P->prog, &P->capinst, P->ninst + 1, sizeof *P->prog, "regex program")) return -1;
    in = &P->prog[P->ninst];
    in->op = op; in->x = x; in->y = y; in->c = c;
    return P->ninst++;
}

static int lora__re_compile_node(lora__rparse *P, int nd) {
    const lora__rnode x = P->nodes[nd];
    int k, pc = 0, jmps = -1, i;
    switch (x.type) {
    case LORA__RN_EMPTY: return 0;
    case LORA__RN_CHAR: return lora__re_emit(P, LORA__RO_CHAR, 0, 0, x.val) < 0 ? -1 : 0;
    case LORA__RN_ANY: return lora__re_emit(P, LORA__RO_ANY, 0, 0, 0) < 0 ? -1 : 0;
    case LORA__RN_CLASS: return lora__re_emit(P, LORA__RO_CLASS, (int)x.val, 0, 0) < 0 ? -1 : 0;
    case LORA__RN_ASSERT: return lora__re_emit(P, LORA__RO_ASSERT, (int)x.val, 0, 0) < 0 ? -1 : 0;
    case LORA__RN_CAT:
        for (k = x.child; k >= 0; k = P->nodes[k].next)
            if (lora__re_compile_node(P, k) < 0) return -1;
        return 0;
    case LORA__RN_ALT:
        for (k = x.child; k >= 0; k = P->nodes[k].next) {
            if (P->nodes[k].next < 0) { /* last alternative */
                if (lora__re_compile_node(P, k) < 0) return -1;
                break;
            }
            if ((pc = lora__re_emit(P, LORA__RO_SPLIT, 0, 0, 0)) < 0) return -1;
            P->prog[pc].x = pc + 1;
            if (lora__re_compile_node(P, k) < 0) return -1;
            if ((i = lora__re_emit(P, LORA__RO_JMP, jmps, 0, 0)) < 0) return -1; /* chained, patched below */
            jmps = i;
            P->prog[pc].y = P->ninst;
        }
        while (jmps >= 0) { i = P->prog[jmps].x; P->prog[jmps].x = P->ninst; jmps = i; }
        return 0;
    case LORA__RN_GROUP:
        if (x.val == 1 && lora__re_emit(P, LORA__RO_SAVE, 0, 0, 0) < 0) return -1;
        if (lora__re_compile_node(P, x.child) < 0) return -1;
        if (x.val == 1 && lora__re_emit(P, LORA__RO_SAVE, 1, 0, 0) < 0) return -1;
        return 0;
    case LORA__RN_REPEAT:
        if (x.max == LORA__RE_INF && x.min == 0) { /* L: split body, out; body; jmp L */
            if ((pc = lora__re_emit(P, LORA__RO_SPLIT, 0, 0, 0)) < 0) return -1;
            if (lora__re_compile_node(P, x.child) < 0) return -1;
            if (lora__re_emit(P, LORA__RO_JMP, pc, 0, 0) < 0) return -1;
            P->prog[pc].x = x.greedy ? pc + 1 : P->ninst;
            P->prog[pc].y = x.greedy ? P->ninst : pc + 1;
            return 0;
        }
        for (k = 0; k < x.min; k++) {
            pc = P->ninst;
            if (lora__re_compile_node(P, x.child) < 0) return -1;
        }
        if (x.max == LORA__RE_INF) { /* last mandatory copy loops: L: body; split L, out */
            if ((i = lora__re_emit(P, LORA__RO_SPLIT, 0, 0, 0)) < 0) return -1;
            P->prog[i].x = x.greedy ? pc : i + 1;
            P->prog[i].y = x.greedy ? i + 1 : pc;
            return 0;
        }
        { /* optional copies: split body_k, end; body_k; ... end */
            int first = P->ninst, csize = 0;
            for (k = x.min; k < x.max; k++) {
                if ((pc = lora__re_emit(P, LORA__RO_SPLIT, 0, 0, 0)) < 0) return -1;
                if (lora__re_compile_node(P, x.child) < 0) return -1;
                csize = P->ninst - pc;
            }
            for (k = 0; k < x.max - x.min; k++) {
                pc = first + k * csize;
                P->prog[pc].x = x.greedy ? pc + 1 : P->ninst;
                P->prog[pc].y = x.greedy ? P->ninst : pc + 1;
            }
        }
        return 0;
    default: return 0;
    }
}

LORA_API void lora_regex_free(lora_regex *re) {
    if (!re) return;
    LORA_FREE(re->prog);
    LORA_FREE(re->classes);
    LORA_FREE(re->ranges);
    LORA_FREE(re);
}

LORA_API lora_status lora_regex_compile(const char *pattern, lora_regex **out) {
    lora__rparse P;
    lora_regex *re = NULL;
    int root;
    long size;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_regex_compile: out is NULL");
    *out = NULL;
    if (!pattern) return lora__fail(LORA_ERR_INVALID_ARG, "lora_regex_compile: pattern is NULL");
    memset(&P, 0, sizeof P);
    P.s = (const unsigned char *)pattern;
    P.n = strlen(pattern);
    P.pattern = pattern;
    P.err = LORA_OK;
    if (P.n > LORA__RE_MAX_PATTERN)
        return lora__fail(LORA_ERR_INVALID_ARG, "invalid pattern '%.200s...': pattern is %zu bytes long (the limit is %d)",
                          pattern, P.n, LORA__RE_MAX_PATTERN);
    root = lora__re_parse_alt(&P);
    if (root >= 0 && P.i < P.n) root = lora__re_error(&P, P.i, "unbalanced parenthesis"); /* a stray ')' */
    if (root >= 0 && P.unsup[0]) root = lora__re_error(&P, P.unsup_pos, "%s", P.unsup);
    if (root >= 0 && (size = lora__re_size(&P, root)) > LORA__RE_MAX_INST)
        root = lora__re_error(&P, 0, "pattern too large: counted repetitions expand to more than %d instructions",
                              LORA__RE_MAX_INST);
    if (root >= 0 && (lora__re_compile_node(&P, root) < 0 || lora__re_emit(&P, LORA__RO_MATCH, 0, 0, 0) < 0)) root = -1;
    if (root >= 0) {
        re = (lora_regex *)lora__calloc(1, sizeof *re, "regex");
        if (!re) root = lora__re_oom(&P);
    }
    LORA_FREE(P.nodes);
    LORA_FREE(P.tmp);
    LORA_FREE(P.gclosed);
    if (root < 0) {
        LORA_FREE(P.prog); LORA_FREE(P.classes); LORA_FREE(P.ranges);
        return P.err != LORA_OK ? P.err : LORA_ERR_OOM;
    }
    re->prog = P.prog;
    re->ninst = P.ninst;
    re->classes = P.classes;
    re->nclasses = P.nclasses;
    re->ranges = P.ranges;
    re->ngroups = P.ngroups;
    *out = re;
    return LORA_OK;
}

static int lora__re_class_has(const lora_regex *re, const lora__rclass *k, uint32_t c) {
    int lo = 0, hi = k->n - 1, in = 0;
    const uint32_t *r;
    if (c < 128) return (int)((k->ascii[c >> 5] >> (c & 31)) & 1u);
    if (k->n == 0) return k->negate;
    r = re->ranges + 2 * k->off;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c < r[2 * mid]) hi = mid - 1;
        else if (c > r[2 * mid + 1]) lo = mid + 1;
        else { in = 1; break; }
    }
    return in ^ k->negate;
}

/* ---- Pike VM ---- */
typedef struct lora__rthread { int pc; size_t cap[2]; } lora__rthread;
typedef struct lora__rstack { int pc, slot; size_t val; } lora__rstack; /* slot >= 0: restore cap[slot] = val */
typedef struct lora__rvm {
    const lora_regex *re;
    const unsigned char *t;
    size_t len;
    size_t *mark;
    lora__rstack *stack;
} lora__rvm;

static int lora__re_assert(const lora__rvm *vm, int kind, size_t p) {
    int before, after;
    switch (kind) {
    case LORA__RA_BOL: return p == 0;
    case LORA__RA_EOL: return p == vm->len || (p + 1 == vm->len && vm->t[p] == '\n');
    case LORA__RA_EOT: return p == vm->len;
    default:
        before = p > 0 && lora__re_isword(vm->t[p - 1]);
        after = p < vm->len && lora__re_isword(vm->t[p]);
        if (kind == LORA__RA_WORDB) return before != after;
        return vm->len > 0 && before == after; /* Python: \B never matches an empty string */
    }
}

/* Adds the threads reachable from pc at text position p (epsilon closure, in priority order). */
static void lora__re_addthread(lora__rvm *vm, lora__rthread *list, int *nlist, int pc0, size_t p, const size_t *cap0) {
    const lora__rinst *prog = vm->re->prog;
    size_t cap[2], gen = p + 1;
    int sp = 0, pc;
    cap[0] = cap0[0];
    cap[1] = cap0[1];
    vm->stack[sp].pc = pc0;
    vm->stack[sp].slot = -1;
    sp++;
    while (sp > 0) {
        lora__rstack e = vm->stack[--sp];
        if (e.slot >= 0) { cap[e.slot] = e.val; continue; }
        pc = e.pc;
        for (;;) {
            const lora__rinst *in;
            if (vm->mark[pc] == gen) break;
            vm->mark[pc] = gen;
            in = &prog[pc];
            if (in->op == LORA__RO_JMP) { pc = in->x; continue; }
            if (in->op == LORA__RO_SPLIT) {
                vm->stack[sp].pc = in->y;
                vm->stack[sp].slot = -1;
                sp++;
                pc = in->x;
                continue;
            }
            if (in->op == LORA__RO_SAVE) {
                vm->stack[sp].pc = 0;
                vm->stack[sp].slot = in->x;
                vm->stack[sp].val = cap[in->x];
                sp++;
                cap[in->x] = p;
                pc++;
                continue;
            }
            if (in->op == LORA__RO_ASSERT) {
                if (!lora__re_assert(vm, in->x, p)) break;
                pc++;
                continue;
            }
            list[*nlist].pc = pc;
            list[*nlist].cap[0] = cap[0];
            list[*nlist].cap[1] = cap[1];
            (*nlist)++;
            break;
        }
    }
}

/* Runs the program. FULL: the whole text; SEARCH: anywhere; PREFIX: from the start, first match
   by Python's priorities, group 1 in cap. Returns 1 / 0, or -1 when out of memory. */
static int lora__re_exec(const lora_regex *re, const char *text, size_t len, int mode, size_t cap_out[2]) {
    lora__rvm vm;
    lora__rthread *clist, *nlist, *tmp;
    int nc = 0, nn, i, result = 0, m = re->ninst;
    size_t p = 0, clen = 0, unset[2];
    uint32_t c = 0;
    unsigned char *mem;
    size_t bytes = (size_t)m * (2 * sizeof(lora__rthread) + sizeof(size_t)) + (size_t)(2 * m + 2) * sizeof(lora__rstack);
    mem = (unsigned char *)lora__malloc(bytes, "regex matcher");
    if (!mem) return -1;
    clist = (lora__rthread *)mem;
    nlist = clist + m;
    vm.stack = (lora__rstack *)(nlist + m);
    vm.mark = (size_t *)(vm.stack + 2 * m + 2);
    for (i = 0; i < m; i++) vm.mark[i] = 0;
    vm.re = re;
    vm.t = (const unsigned char *)text;
    vm.len = len;
    unset[0] = unset[1] = (size_t)-1;
    if (cap_out) cap_out[0] = cap_out[1] = (size_t)-1;
    lora__re_addthread(&vm, clist, &nc, 0, 0, unset);
    for (;;) {
        if (p < len) c = lora__re_decode(vm.t + p, len - p, &clen);
        nn = 0;
        for (i = 0; i < nc; i++) {
            const lora__rthread *th = &clist[i];
            const lora__rinst *in = &re->prog[th->pc];
            int ok = 0;
            switch (in->op) {
            case LORA__RO_MATCH:
                if (mode == LORA__RM_SEARCH || (mode == LORA__RM_FULL && p == len)) { result = 1; goto done; }
                if (mode == LORA__RM_PREFIX) {
                    result = 1;
                    if (cap_out) { cap_out[0] = th->cap[0]; cap_out[1] = th->cap[1]; }
                    i = nc; /* lower-priority threads lose */
                }
                continue;
            case LORA__RO_CHAR: ok = p < len && c == in->c; break;
            case LORA__RO_ANY: ok = p < len && c != '\n'; break;
            case LORA__RO_CLASS: ok = p < len && lora__re_class_has(re, &re->classes[in->x], c); break;
            default: break;
            }
            if (ok) lora__re_addthread(&vm, nlist, &nn, th->pc + 1, p + clen, th->cap);
        }
        if (p >= len) break;
        p += clen;
        if (mode == LORA__RM_SEARCH) lora__re_addthread(&vm, nlist, &nn, 0, p, unset);
        tmp = clist; clist = nlist; nlist = tmp;
        nc = nn;
        if (nc == 0 && mode != LORA__RM_SEARCH) break;
    }
done:
    LORA_FREE(mem);
    return result;
}

LORA_API int lora_regex_fullmatch(const lora_regex *re, const char *text) {
    if (!re || !text) return -1;
    return lora__re_exec(re, text, strlen(text), LORA__RM_FULL, NULL);
}

LORA_API int lora_regex_search(const lora_regex *re, const char *text) {
    if (!re || !text) return -1;
    return lora__re_exec(re, text, strlen(text), LORA__RM_SEARCH, NULL);
}

/* ---- PEFT's target_modules rules (peft/tuners/tuners_utils.py: check_target_module_exists,
   _maybe_include_all_linear_layers, inject_adapter's errors; peft/tuners/lora/config.py checks) ---- */

LORA_API int lora_name_matches_key(const char *name, const char *key) {
    size_t nl, kl;
    if (!name || !key) return 0;
    nl = strlen(name);
    kl = strlen(key);
    if (nl == kl) return memcmp(name, key, nl) == 0;
    return nl > kl && name[nl - kl - 1] == '.' && memcmp(name + nl - kl, key, kl) == 0;
}

/* Re-records an INVALID_ARG message with a prefix naming the config field. */
static lora_status lora__pattern_prefix_error(lora_status s, const char *what) {
    char msg[LORA__ERRLEN];
    if (s != LORA_ERR_INVALID_ARG) return s;
    memcpy(msg, lora_last_error(), sizeof msg);
    msg[sizeof msg - 1] = 0;
    return lora__fail(s, "%s: %s", what, msg);
}

/* PEFT's layer-index regex, used with re.match: r".*?\.[^.]*\.(\d+)\." by default, else
   rf".*?\.{layers_pattern}\.(\d+)\." (layers_pattern is a regex fragment, inserted as is). */
static lora_status lora__layer_regex(const char *layers_pattern, lora_regex **out) {
    lora__buf b;
    lora_status s;
    *out = NULL;
    if (!layers_pattern || !*layers_pattern) return lora_regex_compile(".*?\\.[^.]*\\.(\\d+)\\.", out);
    memset(&b, 0, sizeof b);
    lora__buf_puts(&b, ".*?\\.");
    lora__buf_puts(&b, layers_pattern);
    lora__buf_puts(&b, "\\.(\\d+)\\.");
    if (b.failed) { lora__buf_free(&b); return LORA_ERR_OOM; }
    s = lora_regex_compile(b.data, out);
    lora__buf_free(&b);
    return lora__pattern_prefix_error(s, "layers_pattern (PEFT matches r'.*?\\.{layers_pattern}\\.(\\d+)\\.')");
}

/* Group 1 of the layer regex as an int; -1 when there is none (or it does not fit), -2 on OOM. */
static int lora__layer_index_re(const lora_regex *re, const char *name) {
    size_t cap[2], k;
    long v = 0;
    int r = lora__re_exec(re, name, strlen(name), LORA__RM_PREFIX, cap);
    if (r < 0) return -2;
    if (r == 0 || cap[0] == (size_t)-1 || cap[1] == (size_t)-1 || cap[1] <= cap[0]) return -1;
    for (k = cap[0]; k < cap[1]; k++) {
        if (name[k] < '0' || name[k] > '9') return -1;
        v = v * 10 + (name[k] - '0');
        if (v > 0x7fffffffL) return -1;
    }
    return (int)v;
}

LORA_API int lora_layer_index(const char *name, const char *layers_pattern) {
    lora_regex *re;
    int r;
    if (!name || lora__layer_regex(layers_pattern, &re) != LORA_OK) return -1;
    r = lora__layer_index_re(re, name);
    lora_regex_free(re);
    return r < 0 ? -1 : r;
}

static int lora__ascii_ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
    }
    return *a == *b;
}

/* Python's repr() of a str (ASCII escapes; other bytes as they are). */
static void lora__buf_pyrepr(lora__buf *b, const char *s) {
    const unsigned char *p;
    char q = (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'';
    lora__buf_append(b, &q, 1);
    for (p = (const unsigned char *)s; *p; p++) {
        if (*p == (unsigned char)q || *p == '\\') lora__buf_printf(b, "\\%c", *p);
        else if (*p == '\n') lora__buf_puts(b, "\\n");
        else if (*p == '\r') lora__buf_puts(b, "\\r");
        else if (*p == '\t') lora__buf_puts(b, "\\t");
        else if (*p < 0x20 || *p == 0x7f) lora__buf_printf(b, "\\x%02x", *p);
        else lora__buf_append(b, p, 1);
    }
    lora__buf_append(b, &q, 1);
}

/* The error PEFT raises when nothing was targeted, plus the module-name suffixes that exist. */
static lora_status lora__targets_not_found(const lora_target_spec *spec, int regex_form, int all_linear, int n_cand,
                                           int n_excl, int n_unmatched, const char *const *names, int n) {
    lora__buf b;
    lora_status s;
    const char *suf[64];
    size_t suflen[64];
    int nsuf = 0, i, j;
    memset(&b, 0, sizeof b);
    if (n_excl && !n_unmatched) {
        lora__buf_puts(&b, "All modules were excluded. This is likely unintended. Check your `target_modules`, "
                           "`exclude_modules` and `modules_to_save` configuration.");
    } else if (!n_excl && n_unmatched && all_linear && n_cand == 0) {
        lora__buf_puts(&b, "No `target_modules` passed but also no `target_parameters` found. Please check the values "
                           "for these arguments. (\"all-linear\" found no linear module besides the output layer.)");
    } else {
        if (!n_excl && n_unmatched) {
            lora__buf_puts(&b, "Target modules ");
            if (regex_form) {
                lora__buf_puts(&b, spec->target_regex);
            } else if (all_linear) {
                lora__buf_puts(&b, "all-linear");
            } else { /* PEFT keeps a list as a set: {'q_proj', 'v_proj'} */
                lora__buf_puts(&b, "{");
                for (i = 0; i < spec->n_targets; i++) {
                    for (j = 0; j < i && strcmp(spec->targets[j], spec->targets[i]) != 0; j++) {}
                    if (j < i) continue;
                    if (b.len > 1 && b.data[b.len - 1] != '{') lora__buf_puts(&b, ", ");
                    lora__buf_pyrepr(&b, spec->targets[i]);
                }
                lora__buf_puts(&b, "}");
            }
            lora__buf_puts(&b, " not found in the base model. Please check the target modules and try again.");
        } else {
            lora__buf_puts(&b, "No modules were targeted for adaptation. This might be caused by a combination of "
                               "mismatched target modules and excluded modules. Please check your `target_modules` "
                               "and `exclude_modules` configuration. You may also have only targeted modules that "
                               "are marked to be saved (`modules_to_save`).");
        }
        if (spec->layers) {
            lora__buf_puts(&b, " Note: You specified 'layers_to_transform': [");
            for (i = 0; i < spec->n_layers; i++) lora__buf_printf(&b, "%s%d", i ? ", " : "", spec->layers[i]);
            lora__buf_puts(&b, "].");
        }
        if (spec->layers_pattern) lora__buf_printf(&b, " You also specified 'layers_pattern': %s.", spec->layers_pattern);
    }
    for (i = 0; i < n; i++) { /* distinct last components, in order of appearance */
        const char *last = strrchr(names[i], '.');
        size_t len;
        last = last ? last + 1 : names[i];
        len = strlen(last);
        if (!len) continue;
        for (j = 0; j < nsuf && !(suflen[j] == len && memcmp(suf[j], last, len) == 0); j++) {}
        if (j < nsuf) continue;
        if (nsuf == 64 || b.len + len > 960) {
            lora__buf_puts(&b, ", ...");
            break;
        }
        lora__buf_puts(&b, nsuf ? ", " : " Module names in the base model end with: ");
        lora__buf_append(&b, last, len);
        suf[nsuf] = last;
        suflen[nsuf++] = len;
    }
    if (nsuf) lora__buf_puts(&b, ".");
    if (b.failed) {
        lora__buf_free(&b);
        return lora__fail(LORA_ERR_NOT_FOUND, "Target modules not found in the base model.");
    }
    s = lora__fail(LORA_ERR_NOT_FOUND, "%s", b.data);
    lora__buf_free(&b);
    return s;
}

/* "all-linear": PEFT targets the set of linear-module names minus the output layer, matched with
   the list rule (so an output module is still hit if its name ends with "." + a targeted name). */
static int lora__all_linear_hit(const char *const *names, int n, const unsigned char *is_output, int i) {
    int j;
    if (!is_output || !is_output[i]) return 1;
    for (j = 0; j < n; j++)
        if (!is_output[j] && names[j][0] && lora_name_matches_key(names[i], names[j])) return 1;
    return 0;
}

/* A target_modules spec, checked and compiled once. */
typedef struct lora__targets {
    const lora_target_spec *spec;
    int regex_form, all_linear, use_layers;
    lora_regex *tre, *xre, *lre;
} lora__targets;

static void lora__targets_free(lora__targets *T) {
    lora_regex_free(T->tre);
    lora_regex_free(T->xre);
    lora_regex_free(T->lre);
    memset(T, 0, sizeof *T);
}

/* PEFT's LoraConfig checks + compiling the regexes. */
static lora_status lora__targets_init(lora__targets *T, const lora_target_spec *spec) {
    lora_status s;
    int list_form, i;
    memset(T, 0, sizeof *T);
    T->spec = spec;
    if (!spec) return lora__fail(LORA_ERR_INVALID_ARG, "target spec is NULL");
    if (spec->n_targets < 0 || (spec->n_targets > 0 && !spec->targets))
        return lora__fail(LORA_ERR_INVALID_ARG, "target_modules: n_targets = %d with targets %s", spec->n_targets,
                          spec->targets ? "given" : "NULL");
    if (spec->n_exclude < 0 || (spec->n_exclude > 0 && !spec->exclude))
        return lora__fail(LORA_ERR_INVALID_ARG, "exclude_modules: n_exclude = %d with exclude %s", spec->n_exclude,
                          spec->exclude ? "given" : "NULL");
    if (spec->n_layers < 0 || (spec->n_layers > 0 && !spec->layers))
        return lora__fail(LORA_ERR_INVALID_ARG, "layers_to_transform: n_layers = %d with layers %s", spec->n_layers,
                          spec->layers ? "given" : "NULL");
    for (i = 0; i < spec->n_targets; i++)
        if (!spec->targets[i]) return lora__fail(LORA_ERR_INVALID_ARG, "target_modules[%d] is NULL", i);
    for (i = 0; i < spec->n_exclude; i++)
        if (!spec->exclude[i]) return lora__fail(LORA_ERR_INVALID_ARG, "exclude_modules[%d] is NULL", i);

    list_form = spec->targets != NULL;
    T->all_linear = spec->all_linear || (spec->target_regex && lora__ascii_ieq(spec->target_regex, "all-linear"));
    T->regex_form = spec->target_regex != NULL && !lora__ascii_ieq(spec->target_regex, "all-linear");
    if (list_form + T->regex_form + (T->all_linear != 0) > 1)
        return lora__fail(LORA_ERR_INVALID_ARG, "target_modules: give only one of a list of names (targets), a regex "
                                                "string (target_regex) or all_linear");
    if ((list_form && spec->n_targets == 0) || (T->regex_form && !*spec->target_regex) ||
        !(list_form || T->regex_form || T->all_linear))
        return lora__fail(LORA_ERR_INVALID_ARG, "No `target_modules` passed but also no `target_parameters` found. Please "
                                                "check the values for these arguments. (target_modules must be a "
                                                "non-empty list of names, a regex string or \"all-linear\".)");
    if (spec->n_exclude > 0 && spec->exclude_regex)
        return lora__fail(LORA_ERR_INVALID_ARG, "exclude_modules: give either a list of names or a regex string, not both");
    if ((T->regex_form || T->all_linear) && spec->layers)
        return lora__fail(LORA_ERR_INVALID_ARG, "`layers_to_transform` cannot be used when `target_modules` is a str.");
    if ((T->regex_form || T->all_linear) && spec->layers_pattern)
        return lora__fail(LORA_ERR_INVALID_ARG, "`layers_pattern` cannot be used when `target_modules` is a str.");
    if (spec->layers_pattern && *spec->layers_pattern && spec->n_layers == 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "When `layers_pattern` is specified, `layers_to_transform` must also be "
                                                "specified.");
    T->use_layers = spec->layers && spec->n_layers > 0;
    if (T->regex_form &&
        (s = lora__pattern_prefix_error(lora_regex_compile(spec->target_regex, &T->tre), "target_modules")) != LORA_OK)
        goto fail;
    if (spec->exclude_regex && *spec->exclude_regex &&
        (s = lora__pattern_prefix_error(lora_regex_compile(spec->exclude_regex, &T->xre), "exclude_modules")) != LORA_OK)
        goto fail;
    if (T->use_layers && (s = lora__layer_regex(spec->layers_pattern, &T->lre)) != LORA_OK) goto fail;
    return LORA_OK;
fail:
    lora__targets_free(T);
    return s;
}

/* PEFT's check_target_module_exists for names[i]: 0 not targeted, 1 targeted, 2 excluded, -1 OOM. */
static int lora__targets_check(const lora__targets *T, const char *const *names, int n, const unsigned char *is_output,
                               int i) {
    const lora_target_spec *spec = T->spec;
    const char *name = names[i];
    int j, r, hit = 0;
    if (T->xre) {
        if ((r = lora_regex_fullmatch(T->xre, name)) != 0) return r < 0 ? -1 : 2;
    } else {
        for (j = 0; j < spec->n_exclude; j++)
            if (lora_name_matches_key(name, spec->exclude[j])) return 2;
    }
    if (T->regex_form) return lora_regex_fullmatch(T->tre, name);
    if (T->all_linear) return lora__all_linear_hit(names, n, is_output, i);
    for (j = 0; j < spec->n_targets; j++)
        if (strcmp(name, spec->targets[j]) == 0) return 1; /* named exactly: PEFT applies no layer filter */
    for (j = 0; j < spec->n_targets && !hit; j++) hit = lora_name_matches_key(name, spec->targets[j]);
    if (hit && T->use_layers) {
        int idx = lora__layer_index_re(T->lre, name);
        if (idx == -2) return -1;
        hit = 0;
        for (j = 0; idx >= 0 && j < spec->n_layers && !hit; j++) hit = spec->layers[j] == idx;
    }
    return hit;
}

static lora_status lora__check_names(const char *const *names, int n, const void *out, const char *fn) {
    int i;
    if (n < 0) return lora__fail(LORA_ERR_INVALID_ARG, "%s: n = %d modules", fn, n);
    if (n > 0 && (!names || !out))
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: %s is NULL", fn, names ? "selected" : "names");
    for (i = 0; i < n; i++)
        if (!names[i]) return lora__fail(LORA_ERR_INVALID_ARG, "%s: module name %d is NULL", fn, i);
    return LORA_OK;
}

LORA_API lora_status lora_select_targets(const lora_target_spec *spec, const char *const *names, int n,
                                         const unsigned char *is_output, unsigned char *selected) {
    lora__targets T;
    lora_status s;
    int i, r, n_sel = 0, n_excl = 0, n_unmatched = 0, n_cand = 0;
    if ((s = lora__check_names(names, n, selected, "lora_select_targets")) != LORA_OK) return s;
    if ((s = lora__targets_init(&T, spec)) != LORA_OK) return s;
    for (i = 0; i < n; i++) {
        selected[i] = 0;
        if (!names[i][0]) continue; /* PEFT skips the root module "" */
        if (T.all_linear && !(is_output && is_output[i])) n_cand++;
        r = lora__targets_check(&T, names, n, is_output, i);
        if (r < 0) { s = LORA_ERR_OOM; break; }
        if (r == 2) n_excl++;
        else if (r == 1) { selected[i] = 1; n_sel++; }
        else n_unmatched++;
    }
    if (s == LORA_OK && n_sel == 0)
        s = lora__targets_not_found(spec, T.regex_form, T.all_linear, n_cand, n_excl, n_unmatched, names, n);
    lora__targets_free(&T);
    return s;
}

LORA_API lora_status lora_check_unsupported_targets(const lora_target_spec *spec, const char *const *names, int n) {
    lora__targets T;
    lora_status s;
    int i, r;
    if ((s = lora__check_names(names, n, names, "lora_check_unsupported_targets")) != LORA_OK) return s;
    if ((s = lora__targets_init(&T, spec)) != LORA_OK) return s;
    for (i = 0; i < n && s == LORA_OK; i++) {
        if (!names[i][0] || T.all_linear) continue; /* all-linear only ever names linear modules */
        r = lora__targets_check(&T, names, n, NULL, i);
        if (r < 0) s = LORA_ERR_OOM;
        else if (r == 1)
            s = lora__fail(LORA_ERR_INVALID_ARG, "Target module %s is not supported: target_modules matches it, but "
                                                 "only Conv1D and nn.Linear modules can be adapted (PEFT raises here too).",
                           names[i]);
    }
    lora__targets_free(&T);
    return s;
}

/* ---- lora/60_lora.impl.c ---- */
static const char *const lora__bias_names[] = {"none", "all", "lora_only"};
static const char *const lora__init_names[] = {"default", "gaussian", "none"};

static int lora__name_index(const char *const *names, int n, const char *name) {
    int i;
    for (i = 0; name && i < n; i++) if (strcmp(names[i], name) == 0) return i;
    return -1;
}
LORA_API const char *lora_bias_mode_name(lora_bias_mode mode) {
    return (int)mode >= 0 && (int)mode < 3 ? lora__bias_names[mode] : NULL;
}
LORA_API int lora_bias_mode_from_name(const char *name) { return lora__name_index(lora__bias_names, 3, name); }
LORA_API const char *lora_init_mode_name(lora_init_mode mode) {
    return (int)mode >= 0 && (int)mode < 3 ? lora__init_names[mode] : NULL;
}
LORA_API int lora_init_mode_from_name(const char *name) { return lora__name_index(lora__init_names, 3, name); }

LORA_API lora_config lora_config_init(void) {
    lora_config c;
    memset(&c, 0, sizeof c);
    c.r = 8;
    c.alpha = 8.0f;
    c.dropout = 0.0f;
    c.bias = LORA_BIAS_NONE;
    c.init = LORA_INIT_DEFAULT;
    c.seed = 42;
    return c;
}

/* Strings and arrays the adapter owns (deep copies of the config's pointers). */
typedef struct lora__adapter_impl {
    char **targets, **exclude;
    char *target_regex, *exclude_regex, *layers_pattern;
    int *layers;
} lora__adapter_impl;

static void lora__strv_free(char **v, int n) {
    int i;
    if (!v) return;
    for (i = 0; i < n; i++) LORA_FREE(v[i]);
    LORA_FREE(v);
}
static char **lora__strv_dup(const char *const *v, int n) {
    char **out;
    int i;
    if (!v || n <= 0) return NULL;
    out = (char **)lora__calloc((size_t)n, sizeof *out, "string list");
    if (!out) return NULL;
    for (i = 0; i < n; i++) {
        out[i] = lora__strdup(v[i] ? v[i] : "", "string list");
        if (!out[i]) { lora__strv_free(out, i); return NULL; }
    }
    return out;
}

LORA_API void lora_adapter_free(lora_adapter *ad) {
    int i;
    if (!ad) return;
    for (i = 0; i < ad->n_modules; i++) {
        lora_module *m = &ad->modules[i];
        LORA_FREE(m->name); LORA_FREE(m->name_A); LORA_FREE(m->name_B);
        lora__free_aligned(m->A); lora__free_aligned(m->B);
        lora__free_aligned(m->dA); lora__free_aligned(m->dB);
    }
    for (i = 0; i < ad->n_biases; i++) {
        LORA_FREE(ad->biases[i].name);
        LORA_FREE(ad->biases[i].value);
        LORA_FREE(ad->biases[i].grad);
    }
    LORA_FREE(ad->biases);
    LORA_FREE(ad->modules);
    LORA_FREE(ad->module_of);
    LORA_FREE(ad->base_model_name);
    if (ad->impl_) {
        lora__adapter_impl *im = (lora__adapter_impl *)ad->impl_;
        lora__strv_free(im->targets, ad->config.target.n_targets);
        lora__strv_free(im->exclude, ad->config.target.n_exclude);
        LORA_FREE(im->target_regex); LORA_FREE(im->exclude_regex); LORA_FREE(im->layers_pattern);
        LORA_FREE(im->layers);
        LORA_FREE(im);
    }
    LORA_FREE(ad);
}

static int lora__opt_strdup(const char *s, char **dst) {
    *dst = NULL;
    if (!s) return 1;
    *dst = lora__strdup(s, "config string");
    return *dst != NULL;
}

/* Copies the config with its strings and arrays into adapter-owned memory. */
static lora_status lora__adapter_own_config(lora_adapter *ad, const lora_config *cfg) {
    lora__adapter_impl *im = (lora__adapter_impl *)lora__calloc(1, sizeof *im, "adapter");
    const lora_target_spec *t = &cfg->target;
    if (!im) return LORA_ERR_OOM;
    ad->impl_ = im;
    ad->config = *cfg;
    ad->config.target.n_targets = 0;
    ad->config.target.n_exclude = 0;
    if (t->n_targets > 0) {
        if (!(im->targets = lora__strv_dup(t->targets, t->n_targets))) return LORA_ERR_OOM;
        ad->config.target.n_targets = t->n_targets;
    }
    if (t->n_exclude > 0) {
        if (!(im->exclude = lora__strv_dup(t->exclude, t->n_exclude))) return LORA_ERR_OOM;
        ad->config.target.n_exclude = t->n_exclude;
    }
    if (!lora__opt_strdup(t->target_regex, &im->target_regex) || !lora__opt_strdup(t->exclude_regex, &im->exclude_regex) ||
        !lora__opt_strdup(t->layers_pattern, &im->layers_pattern))
        return LORA_ERR_OOM;
    if (t->layers && t->n_layers > 0) {
        im->layers = (int *)lora__malloc(sizeof(int) * (size_t)t->n_layers, "layers_to_transform");
        if (!im->layers) return LORA_ERR_OOM;
        memcpy(im->layers, t->layers, sizeof(int) * (size_t)t->n_layers);
    }
    ad->config.target.targets = (const char *const *)im->targets;
    ad->config.target.exclude = (const char *const *)im->exclude;
    ad->config.target.target_regex = im->target_regex;
    ad->config.target.exclude_regex = im->exclude_regex;
    ad->config.target.layers_pattern = im->layers_pattern;
    ad->config.target.layers = im->layers;
    if (!im->layers) ad->config.target.n_layers = 0;
    return LORA_OK;
}

static lora_status lora__check_config(const lora_config *cfg) {
    if (!cfg) return lora__fail(LORA_ERR_INVALID_ARG, "lora config is NULL");
    if (cfg->r <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "LoRA rank r must be a positive integer, got %d", cfg->r);
    if (!(cfg->alpha > 0.0f) || !isfinite(cfg->alpha))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_alpha must be > 0, got %g", (double)cfg->alpha);
    if (!(cfg->dropout >= 0.0f && cfg->dropout < 1.0f))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_dropout must be in [0, 1), got %g", (double)cfg->dropout);
    if ((int)cfg->bias < 0 || (int)cfg->bias > 2) return lora__fail(LORA_ERR_INVALID_ARG, "unknown bias mode %d", (int)cfg->bias);
    if ((int)cfg->init < 0 || (int)cfg->init > 2) return lora__fail(LORA_ERR_INVALID_ARG, "unknown init mode %d", (int)cfg->init);
    return LORA_OK;
}

static float lora__scaling(const lora_config *cfg) {
    return cfg->use_rslora ? (float)(cfg->alpha / sqrt((double)cfg->r)) : cfg->alpha / (float)cfg->r;
}

/* Allocates the adapter for the modules chosen in selected[] (no initialisation). */
static lora_status lora__adapter_alloc(const lora_config *cfg, const lora_module_desc *modules, int n_modules,
                                       const unsigned char *selected, lora_adapter **out) {
    lora_adapter *ad;
    lora_status s;
    int i, k = 0, n_sel = 0;
    *out = NULL;
    for (i = 0; i < n_modules; i++) n_sel += selected[i] != 0;
    ad = (lora_adapter *)lora__calloc(1, sizeof *ad, "adapter");
    if (!ad) return LORA_ERR_OOM;
    if ((s = lora__adapter_own_config(ad, cfg)) != LORA_OK) { lora_adapter_free(ad); return s; }
    ad->modules = (lora_module *)lora__calloc((size_t)(n_sel ? n_sel : 1), sizeof *ad->modules, "adapter modules");
    ad->module_of = (int *)lora__malloc(sizeof(int) * (size_t)(n_modules ? n_modules : 1), "adapter module map");
    if (!ad->modules || !ad->module_of) { lora_adapter_free(ad); return LORA_ERR_OOM; }
    ad->n_model_modules = n_modules;
    for (i = 0; i < n_modules; i++) {
        lora_module *m;
        size_t na, nb;
        ad->module_of[i] = -1;
        if (!selected[i]) continue;
        m = &ad->modules[k];
        ad->n_modules = k + 1;
        m->index = i;
        m->in = modules[i].in; m->out = modules[i].out; m->r = cfg->r;
        m->scaling = lora__scaling(cfg);
        na = (size_t)cfg->r * (size_t)m->in;
        nb = (size_t)m->out * (size_t)cfg->r;
        m->name = lora__strdup(modules[i].name, "module name");
        m->name_A = (char *)lora__malloc(strlen(modules[i].name) + 16, "module name");
        m->name_B = (char *)lora__malloc(strlen(modules[i].name) + 16, "module name");
        if (m->name_A) sprintf(m->name_A, "%s.lora_A.weight", modules[i].name);
        if (m->name_B) sprintf(m->name_B, "%s.lora_B.weight", modules[i].name);
        m->A = (float *)lora__alloc_aligned(na * sizeof(float), "lora_A");
        m->B = (float *)lora__alloc_aligned(nb * sizeof(float), "lora_B");
        m->dA = (float *)lora__alloc_aligned(na * sizeof(float), "lora_A gradient");
        m->dB = (float *)lora__alloc_aligned(nb * sizeof(float), "lora_B gradient");
        if (!m->name || !m->name_A || !m->name_B || !m->A || !m->B || !m->dA || !m->dB) { lora_adapter_free(ad); return LORA_ERR_OOM; }
        memset(m->A, 0, na * sizeof(float)); memset(m->B, 0, nb * sizeof(float));
        memset(m->dA, 0, na * sizeof(float)); memset(m->dB, 0, nb * sizeof(float));
        ad->module_of[i] = k++;
    }
    *out = ad;
    return LORA_OK;
}

static lora_status lora__select(const lora_config *cfg, const lora_module_desc *modules, int n_modules,
                                unsigned char **selected_out) {
    const char **names;
    unsigned char *is_output, *selected;
    lora_status s;
    int i;
    *selected_out = NULL;
    if (n_modules <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "the model has no linear modules to adapt");
    names = (const char **)lora__malloc(sizeof *names * (size_t)n_modules, "module names");
    is_output = (unsigned char *)lora__malloc((size_t)n_modules, "module flags");
    selected = (unsigned char *)lora__calloc((size_t)n_modules, 1, "module flags");
    if (!names || !is_output || !selected) {
        LORA_FREE(names); LORA_FREE(is_output); LORA_FREE(selected);
        return LORA_ERR_OOM;
    }
    for (i = 0; i < n_modules; i++) { names[i] = modules[i].name; is_output[i] = (unsigned char)(modules[i].is_output != 0); }
    s = lora_select_targets(&cfg->target, names, n_modules, is_output, selected);
    LORA_FREE(names); LORA_FREE(is_output);
    if (s != LORA_OK) { LORA_FREE(selected); return s; }
    *selected_out = selected;
    return LORA_OK;
}

LORA_API lora_status lora_adapter_create(const lora_config *cfg, const lora_module_desc *modules, int n_modules,
                                         lora_adapter **out) {
    unsigned char *selected;
    lora_adapter *ad;
    lora_rng rng;
    lora_status s;
    int i;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_create: out is NULL");
    *out = NULL;
    if ((s = lora__check_config(cfg)) != LORA_OK) return s;
    if (!modules && n_modules > 0) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_create: modules is NULL");
    if ((s = lora__select(cfg, modules, n_modules, &selected)) != LORA_OK) return s;
    s = lora__adapter_alloc(cfg, modules, n_modules, selected, &ad);
    LORA_FREE(selected);
    if (s != LORA_OK) return s;
    lora_rng_seed(&rng, cfg->seed);
    for (i = 0; i < ad->n_modules; i++) {
        lora_module *m = &ad->modules[i];
        size_t j, na = (size_t)m->r * (size_t)m->in, nb = (size_t)m->out * (size_t)m->r;
        /* kaiming_uniform_(a=sqrt(5)) on an (r, in) weight: bound = 1/sqrt(in) */
        float bound = 1.0f / sqrtf((float)m->in);
        if (cfg->init == LORA_INIT_GAUSSIAN) {
            for (j = 0; j < na; j++) m->A[j] = lora_rng_normal(&rng) / (float)m->r;
        } else {
            for (j = 0; j < na; j++) m->A[j] = (2.0f * lora_rng_uniform(&rng) - 1.0f) * bound;
        }
        if (cfg->init == LORA_INIT_NONE) {
            float bb = 1.0f / sqrtf((float)m->r);
            for (j = 0; j < nb; j++) m->B[j] = (2.0f * lora_rng_uniform(&rng) - 1.0f) * bb;
        }
    }
    *out = ad;
    return LORA_OK;
}

LORA_API lora_status lora_adapter_add_bias(lora_adapter *ad, const char *name, const float *initial, int n) {
    lora_bias_param *nb, *b;
    if (!ad || !name || !initial || n <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_add_bias: bad arguments");
    if (lora_adapter_find_bias(ad, name)) return LORA_OK;
    nb = (lora_bias_param *)lora__realloc(ad->biases, sizeof *nb * (size_t)(ad->n_biases + 1), "adapter biases");
    if (!nb) return LORA_ERR_OOM;
    ad->biases = nb;
    b = &nb[ad->n_biases];
    memset(b, 0, sizeof *b);
    b->n = n;
    b->layer = -1;
    b->name = lora__strdup(name, "bias name");
    b->value = (float *)lora__malloc(sizeof(float) * (size_t)n, "bias");
    b->grad = (float *)lora__calloc((size_t)n, sizeof(float), "bias gradient");
    if (!b->name || !b->value || !b->grad) {
        LORA_FREE(b->name); LORA_FREE(b->value); LORA_FREE(b->grad);
        return LORA_ERR_OOM;
    }
    memcpy(b->value, initial, sizeof(float) * (size_t)n);
    ad->n_biases++;
    return LORA_OK;
}

LORA_API lora_status lora_adapter_set_base_model(lora_adapter *ad, const char *name) {
    char *copy = NULL;
    if (!ad) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_set_base_model: adapter is NULL");
    if (name && !(copy = lora__strdup(name, "adapter base model name"))) return LORA_ERR_OOM;
    LORA_FREE(ad->base_model_name);
    ad->base_model_name = copy;
    return LORA_OK;
}

LORA_API lora_bias_param *lora_adapter_find_bias(const lora_adapter *ad, const char *name) {
    int i;
    if (!ad || !name) return NULL;
    for (i = 0; i < ad->n_biases; i++)
        if (strcmp(ad->biases[i].name, name) == 0) return &ad->biases[i];
    return NULL;
}

LORA_API lora_module *lora_adapter_module(const lora_adapter *ad, int index) {
    if (!ad || index < 0 || index >= ad->n_model_modules || ad->module_of[index] < 0) return NULL;
    return &ad->modules[ad->module_of[index]];
}

LORA_API lora_module *lora_adapter_find(const lora_adapter *ad, const char *name) {
    int i;
    if (!ad || !name) return NULL;
    for (i = 0; i < ad->n_modules; i++)
        if (strcmp(ad->modules[i].name, name) == 0) return &ad->modules[i];
    return NULL;
}

LORA_API int64_t lora_adapter_num_params(const lora_adapter *ad) {
    int64_t n = 0;
    int i;
    if (!ad) return 0;
    for (i = 0; i < ad->n_modules; i++)
        n += (int64_t)ad->modules[i].r * (ad->modules[i].in + ad->modules[i].out);
    for (i = 0; i < ad->n_biases; i++) n += ad->biases[i].n;
    return n;
}

LORA_API void lora_adapter_zero_grad(lora_adapter *ad) {
    int i;
    if (!ad) return;
    for (i = 0; i < ad->n_modules; i++) {
        lora_module *m = &ad->modules[i];
        memset(m->dA, 0, sizeof(float) * (size_t)m->r * (size_t)m->in);
        memset(m->dB, 0, sizeof(float) * (size_t)m->out * (size_t)m->r);
    }
    for (i = 0; i < ad->n_biases; i++) memset(ad->biases[i].grad, 0, sizeof(float) * (size_t)ad->biases[i].n);
}

LORA_API void lora_format_count(int64_t n, char *buf, size_t size) {
    char digits[32], out[48];
    int len, i, j = 0, neg = n < 0;
    uint64_t u = neg ? (uint64_t)(-(n + 1)) + 1 : (uint64_t)n;
    if (!buf || size == 0) return;
    len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
    if (neg) out[j++] = '-';
    for (i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0) out[j++] = ',';
        out[j++] = digits[i];
    }
    out[j] = 0;
    if (size) snprintf(buf, size, "%s", out);
}

LORA_API void lora_format_trainable(int64_t trainable, int64_t all, char *buf, size_t size) {
    char t[48], a[48];
    if (!buf || size == 0) return;
    lora_format_count(trainable, t, sizeof t);
    lora_format_count(all, a, sizeof a);
    snprintf(buf, size, "trainable params: %s || all params: %s || trainable%%: %.4f", t, a,
             all > 0 ? 100.0 * (double)trainable / (double)all : 0.0);
}

LORA_API void lora_module_merge(const lora_module *m, float *W, int fan_in_fan_out, float sign) {
    int i, o, k;
    if (!m || !W) return;
    /* delta[o][i] = (sum_k B[o][k] A[k][i]) * scaling in float32, as PEFT computes it
       (transpose(B @ A) * scaling), then W +/-= delta */
    for (o = 0; o < m->out; o++) {
        const float *Bo = m->B + (size_t)o * m->r;
        for (i = 0; i < m->in; i++) {
            float acc = 0.0f, d;
            for (k = 0; k < m->r; k++) acc += Bo[k] * m->A[(size_t)k * m->in + i];
            d = acc * m->scaling;
            if (sign < 0) d = -d;
            if (fan_in_fan_out) W[(size_t)i * m->out + o] += d;
            else W[(size_t)o * m->in + i] += d;
        }
    }
}

/* ---- lora/61_adapter_io.impl.c ---- */
/* ---- PEFT adapter files: adapter_model.safetensors + adapter_config.json ---- */
#if defined(_WIN32)
#include <direct.h>
#define lora__mkdir(p) _mkdir(p)
#else
#include <sys/stat.h>
#include <sys/types.h>
#define lora__mkdir(p) mkdir(p, 0755)
#endif

/* mkdir -p: creates dir and any missing parents. */
LORA_API lora_status lora_ensure_dir(const char *dir) {
    char *p = lora__strdup(dir, "path"), *q;
    lora_status s = LORA_OK;
    if (!p) return LORA_ERR_OOM;
    for (q = p + 1; ; q++) {
        if (*q == '/' || *q == 0) {
            char c = *q;
            *q = 0;
            if (lora__mkdir(p) != 0 && errno != EEXIST) {
                s = lora__fail(LORA_ERR_IO, "%s: cannot create directory %s: %s", dir, p, strerror(errno));
                break;
            }
            *q = c;
            if (c == 0) break;
        }
    }
    LORA_FREE(p);
    return s;
}

static char *lora__path_join(const char *dir, const char *file) {
    size_t a = strlen(dir), b = strlen(file);
    char *p = (char *)lora__malloc(a + b + 2, "path");
    if (!p) return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, file, b + 1);
    return p;
}

/* A float as Python's repr writes it: always with a '.' or an exponent ("0.0", "0.05"). */
static void lora__json_write_pyfloat(lora__buf *b, double x) {
    size_t start = b->len, i;
    int plain = 1;
    lora_json_write_float(b, (float)x);
    if (b->failed) return;
    for (i = start; i < b->len; i++)
        if (b->data[i] == '.' || b->data[i] == 'e' || b->data[i] == 'n') plain = 0;
    if (plain) lora__buf_puts(b, ".0");
}

static int lora__cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The distinct last name components of the adapted modules ("all-linear" is saved as
   the list it resolved to, as PEFT does). */
static lora_status lora__adapter_suffixes(const lora_adapter *ad, const char ***out, int *n_out) {
    const char **v = (const char **)lora__calloc((size_t)(ad->n_modules + 1), sizeof *v, "target list");
    int i, j, n = 0;
    if (!v) return LORA_ERR_OOM;
    for (i = 0; i < ad->n_modules; i++) {
        const char *dot = strrchr(ad->modules[i].name, '.');
        const char *suf = dot ? dot + 1 : ad->modules[i].name;
        for (j = 0; j < n; j++) if (strcmp(v[j], suf) == 0) break;
        if (j == n) v[n++] = suf;
    }
    qsort(v, (size_t)n, sizeof *v, lora__cmp_str);
    *out = v; *n_out = n;
    return LORA_OK;
}

/* A list of strings in json.dumps(indent=2) layout; `sorted` also drops duplicates (PEFT
   keeps target_modules as a set). */
static void lora__json_write_strlist(lora__buf *b, const char *const *v, int n, int sorted) {
    const char **tmp = NULL;
    int i, first = 1;
    if (n == 0) { lora__buf_puts(b, "[]"); return; }
    if (sorted) {
        tmp = (const char **)lora__malloc(sizeof *tmp * (size_t)n, "target list");
        if (!tmp) { b->failed = 1; return; }
        memcpy(tmp, v, sizeof *tmp * (size_t)n);
        qsort(tmp, (size_t)n, sizeof *tmp, lora__cmp_str);
        v = tmp;
    }
    lora__buf_puts(b, "[\n");
    for (i = 0; i < n; i++) {
        if (sorted && i > 0 && strcmp(v[i], v[i - 1]) == 0) continue;
        lora__buf_puts(b, first ? "    " : ",\n    ");
        first = 0;
        lora__json_write_string(b, v[i]);
    }
    lora__buf_puts(b, "\n  ]");
    LORA_FREE(tmp);
}

/* adapter_config.json as PEFT writes it: json.dumps(config, indent=2, sort_keys=True). */
static lora_status lora__adapter_config_json(const lora_adapter *ad, int fan_in_fan_out, lora__buf *b) {
    const lora_config *c = &ad->config;
    const lora_target_spec *t = &c->target;
    int i;
    lora__buf_puts(b, "{\n  \"alpha_pattern\": {},\n  \"auto_mapping\": null,\n  \"base_model_name_or_path\": ");
    if (ad->base_model_name) lora__json_write_string(b, ad->base_model_name);
    else lora__buf_puts(b, "null");
    lora__buf_printf(b, ",\n  \"bias\": \"%s\",\n", lora_bias_mode_name(c->bias));
    if (t->n_exclude > 0 || t->exclude_regex) {
        lora__buf_puts(b, "  \"exclude_modules\": ");
        if (t->exclude_regex) lora__json_write_string(b, t->exclude_regex);
        else lora__json_write_strlist(b, t->exclude, t->n_exclude, 1);
        lora__buf_puts(b, ",\n");
    }
    lora__buf_printf(b, "  \"fan_in_fan_out\": %s,\n  \"inference_mode\": true,\n  \"init_lora_weights\": %s,\n",
                     fan_in_fan_out ? "true" : "false",
                     c->init == LORA_INIT_GAUSSIAN ? "\"gaussian\"" : c->init == LORA_INIT_NONE ? "false" : "true");
    lora__buf_puts(b, "  \"layer_replication\": null,\n  \"layers_pattern\": ");
    if (t->layers_pattern) lora__json_write_string(b, t->layers_pattern); else lora__buf_puts(b, "null");
    lora__buf_puts(b, ",\n  \"layers_to_transform\": ");
    if (t->layers && t->n_layers > 0) {
        lora__buf_puts(b, "[\n");
        for (i = 0; i < t->n_layers; i++) lora__buf_printf(b, "%s    %d", i ? ",\n" : "", t->layers[i]);
        lora__buf_puts(b, "\n  ]");
    } else lora__buf_puts(b, "null");
    lora__buf_puts(b, ",\n  \"loftq_config\": {},\n  \"lora_alpha\": ");
    if ((double)c->alpha == floor((double)c->alpha)) lora__json_write_int(b, (int64_t)c->alpha);
    else lora_json_write_float(b, c->alpha);
    lora__buf_puts(b, ",\n  \"lora_dropout\": ");
    lora__json_write_pyfloat(b, (double)c->dropout);
    lora__buf_printf(b, ",\n  \"megatron_config\": null,\n  \"megatron_core\": \"megatron.core\",\n  \"modules_to_save\": null,\n"
                        "  \"peft_type\": \"LORA\",\n  \"r\": %d,\n  \"rank_pattern\": {},\n  \"revision\": null,\n  \"target_modules\": ",
                     c->r);
    if (t->target_regex) lora__json_write_string(b, t->target_regex);
    else if (t->all_linear || t->n_targets == 0) {
        const char **v;
        int n;
        if (lora__adapter_suffixes(ad, &v, &n) != LORA_OK) return LORA_ERR_OOM;
        lora__json_write_strlist(b, v, n, 1);
        LORA_FREE(v);
    } else lora__json_write_strlist(b, t->targets, t->n_targets, 1);
    lora__buf_printf(b, ",\n  \"task_type\": \"CAUSAL_LM\",\n  \"use_dora\": false,\n  \"use_rslora\": %s\n}",
                     c->use_rslora ? "true" : "false");
    return b->failed ? lora__fail(LORA_ERR_OOM, "out of memory writing adapter_config.json") : LORA_OK;
}

/* Creates the folder a file or directory will be made in (mkdir -p of its dirname). */
static LORA__UNUSED lora_status lora__ensure_parent_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    if (!slash || slash == path) return LORA_OK;
    dir = (char *)lora__malloc((size_t)(slash - path) + 1, "path");
    if (!dir) return LORA_ERR_OOM;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    s = lora_ensure_dir(dir);
    LORA_FREE(dir);
    return s;
}

/* Writes adapter_config.json and adapter_model.safetensors into dir (an existing directory; the
   callers give a fresh one from lora_dir_begin, so both files are published together). */
static lora_status lora__adapter_write_files(const lora_adapter *ad, const char *dir, int fan_in_fan_out) {
    lora_st_entry *e = NULL;
    char **names = NULL;
    char *path = NULL;
    lora__buf json;
    lora__atomic_file cfg_file;
    const char *mk = "format", *mv = "pt";
    lora_status s;
    int i, k = 0, n;
    memset(&json, 0, sizeof json);
    n = 2 * ad->n_modules + ad->n_biases;
    e = (lora_st_entry *)lora__calloc((size_t)(n ? n : 1), sizeof *e, "adapter tensors");
    names = (char **)lora__calloc((size_t)(n ? n : 1), sizeof *names, "adapter tensors");
    if (!e || !names) { s = LORA_ERR_OOM; goto done; }
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *m = &ad->modules[i];
        int ab;
        for (ab = 0; ab < 2; ab++) {
            size_t len = strlen(m->name) + 40;
            names[k] = (char *)lora__malloc(len, "tensor name");
            if (!names[k]) { s = LORA_ERR_OOM; goto done; }
            snprintf(names[k], len, "base_model.model.%s.lora_%c.weight", m->name, ab ? 'B' : 'A');
            e[k].name = names[k];
            e[k].dtype = LORA_DT_F32;
            e[k].ndim = 2;
            e[k].shape[0] = ab ? m->out : m->r;
            e[k].shape[1] = ab ? m->r : m->in;
            e[k].data = ab ? m->B : m->A;
            k++;
        }
    }
    for (i = 0; i < ad->n_biases; i++) {
        size_t len = strlen(ad->biases[i].name) + 24;
        names[k] = (char *)lora__malloc(len, "tensor name");
        if (!names[k]) { s = LORA_ERR_OOM; goto done; }
        snprintf(names[k], len, "base_model.model.%s", ad->biases[i].name);
        e[k].name = names[k]; e[k].dtype = LORA_DT_F32; e[k].ndim = 1; e[k].shape[0] = ad->biases[i].n;
        e[k].data = ad->biases[i].value;
        k++;
    }
    /* both files or neither: the config goes to a temporary file first, the weights are
       written and renamed, and only then is the config renamed into place */
    memset(&json, 0, sizeof json);
    memset(&cfg_file, 0, sizeof cfg_file);
    if ((s = lora__adapter_config_json(ad, fan_in_fan_out, &json)) != LORA_OK) goto done;
    if (!(path = lora__path_join(dir, "adapter_config.json"))) { s = LORA_ERR_OOM; goto done; }
    if ((s = lora__atomic_open(&cfg_file, path)) != LORA_OK) goto done;
    lora__atomic_write(&cfg_file, json.data, json.len);
    if ((s = lora__atomic_finish(&cfg_file)) != LORA_OK) goto done;
    LORA_FREE(path);
    path = NULL;
    if (!(path = lora__path_join(dir, "adapter_model.safetensors"))) { s = LORA_ERR_OOM; lora__atomic_abort(&cfg_file); goto done; }
    if ((s = lora_st_write(path, e, (size_t)k, &mk, &mv, 1)) != LORA_OK) { lora__atomic_abort(&cfg_file); goto done; }
    s = lora__atomic_commit(&cfg_file);
done:
    lora__buf_free(&json);
    if (names) for (i = 0; i < n; i++) LORA_FREE(names[i]);
    LORA_FREE(names);
    LORA_FREE(e);
    LORA_FREE(path);
    return s;
}

LORA_API lora_status lora_adapter_save(const lora_adapter *ad, const char *dir, int fan_in_fan_out) {
    lora_dir_txn t;
    lora_status s;
    if (!ad || !dir) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_save: NULL argument");
    if ((s = lora__check_config(&ad->config)) != LORA_OK) {   /* never write what cannot be loaded again */
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        return lora__fail(s, "%s: not saved: %s (this library and PEFT could not load it again)", dir, msg);
    }
    if ((s = lora_dir_begin(&t, dir)) != LORA_OK) return s;
    if ((s = lora__adapter_write_files(ad, lora_dir_path(&t), fan_in_fan_out)) != LORA_OK) { lora_dir_abort(&t); return s; }
    return lora_dir_commit(&t);
}

/* ---- loading ---- */
static const char *const lora__known_config_keys[] = {
    "alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "exclude_modules", "fan_in_fan_out",
    "inference_mode", "init_lora_weights", "layer_replication", "layers_pattern", "layers_to_transform",
    "loftq_config", "lora_alpha", "lora_dropout", "megatron_config", "megatron_core", "modules_to_save",
    "peft_type", "r", "rank_pattern", "revision", "target_modules", "task_type", "use_dora", "use_rslora",
    "eva_config", "corda_config", "lora_bias", "layers_pattern", "runtime_config", "peft_version",
    "trainable_token_indices", "qalora_group_size", "use_qalora", "target_parameters", "alora_invocation_tokens",
    "arrow_config", "ensure_weight_tying"};

/* Parsed adapter_config.json in the form lora_adapter_create takes; owns its strings. */
typedef struct lora__loaded_config {
    lora_config cfg;
    char **targets, **exclude;
    int *layers;
    char *base_name;
} lora__loaded_config;

static void lora__loaded_config_free(lora__loaded_config *lc) {
    lora__strv_free(lc->targets, lc->cfg.target.n_targets);
    lora__strv_free(lc->exclude, lc->cfg.target.n_exclude);
    LORA_FREE(lc->layers);
    LORA_FREE(lc->base_name);
}

/* A list of strings, or a single string (a regex): fills (list, n) or regex. */
static lora_status lora__json_str_or_list(const lora_json *v, const char *path, const char *key, char ***list, int *n,
                                          const char **regex) {
    size_t i;
    *list = NULL; *n = 0; *regex = NULL;
    if (!v || v->type == LORA_JSON_NULL) return LORA_OK;
    if (v->type == LORA_JSON_STRING) { *regex = v->str; return LORA_OK; }
    if (v->type != LORA_JSON_ARRAY) return lora__fail(LORA_ERR_FORMAT, "%s: \"%s\" must be a list of strings or a string", path, key);
    *list = (char **)lora__calloc(v->n ? v->n : 1, sizeof **list, "config list");
    if (!*list) return LORA_ERR_OOM;
    for (i = 0; i < v->n; i++) {
        if (v->items[i].type != LORA_JSON_STRING) {
            lora__strv_free(*list, (int)i); *list = NULL;
            return lora__fail(LORA_ERR_FORMAT, "%s: \"%s\" item %zu is not a string", path, key, i);
        }
        (*list)[i] = lora__strdup(v->items[i].str, "config list");
        if (!(*list)[i]) { lora__strv_free(*list, (int)i); *list = NULL; return LORA_ERR_OOM; }
        *n = (int)i + 1;
    }
    return LORA_OK;
}

static int lora__json_nonempty(const lora_json *v) {
    if (!v || v->type == LORA_JSON_NULL || v->type == LORA_JSON_FALSE) return 0;
    if (v->type == LORA_JSON_ARRAY || v->type == LORA_JSON_OBJECT) return v->n > 0;
    return 1;
}

/* Python's truthiness of a JSON value (PEFT tests these keys with a plain "if") */
static int lora__json_truthy(const lora_json *v) {
    if (!v) return 0;
    switch (v->type) {
    case LORA_JSON_NULL: case LORA_JSON_FALSE: return 0;
    case LORA_JSON_TRUE: return 1;
    case LORA_JSON_NUMBER: return v->number != 0;
    case LORA_JSON_STRING: return v->len > 0;
    default: return v->n > 0;
    }
}

static lora_status lora__parse_adapter_config(const char *path, const lora_json *j, lora__loaded_config *lc, lora__buf *warn) {
    lora_config *c = &lc->cfg;
    const lora_json *v;
    const char *str, *regex;
    double d;
    int64_t iv;
    size_t i, k;
    int dora = 0;
    lora_status s;
    memset(lc, 0, sizeof *lc);
    *c = lora_config_init();
    if (j->type != LORA_JSON_OBJECT) return lora__fail(LORA_ERR_FORMAT, "%s: expected a JSON object", path);
    for (i = 0; i < j->n; i++) {
        int known = 0;
        for (k = 0; k < sizeof lora__known_config_keys / sizeof lora__known_config_keys[0]; k++)
            if (strcmp(j->keys[i], lora__known_config_keys[k]) == 0) known = 1;
        if (!known) { lora__buf_printf(warn, "%s: unknown key \"%s\" ignored\n", path, j->keys[i]); }
    }
    if ((str = lora_json_get_string(j, "peft_type")) != NULL && strcmp(str, "LORA") != 0)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: peft_type is \"%s\"; only LORA adapters are supported", path, str);
    v = lora_json_get(j, "r");
    if (!v || !lora_json_int64(v, &iv) || iv <= 0 || iv > 65536)
        return lora__fail(LORA_ERR_FORMAT, "%s: \"r\" must be a positive integer", path);
    c->r = (int)iv;
    if ((v = lora_json_get(j, "lora_alpha")) != NULL) {
        if (v->type != LORA_JSON_NUMBER || !(v->number > 0)) return lora__fail(LORA_ERR_FORMAT, "%s: \"lora_alpha\" must be a number > 0", path);
        c->alpha = (float)v->number;
    }
    if ((v = lora_json_get(j, "lora_dropout")) != NULL && v->type != LORA_JSON_NULL) {
        if (!lora_json_get_number(j, "lora_dropout", &d) || !(d >= 0 && d < 1))
            return lora__fail(LORA_ERR_FORMAT, "%s: \"lora_dropout\" must be a number in [0, 1)", path);
        c->dropout = (float)d;
    }
    if ((v = lora_json_get(j, "use_rslora")) != NULL && v->type != LORA_JSON_NULL && !lora_json_get_bool(j, "use_rslora", &c->use_rslora))
        return lora__fail(LORA_ERR_FORMAT, "%s: \"use_rslora\" must be true or false", path);
    if ((str = lora_json_get_string(j, "bias")) != NULL) {
        int b = lora_bias_mode_from_name(str);
        if (b >= 0) c->bias = (lora_bias_mode)b;
        else return lora__fail(LORA_ERR_FORMAT, "%s: \"bias\" must be \"none\", \"all\" or \"lora_only\", found \"%s\"", path, str);
    }
    if ((v = lora_json_get(j, "init_lora_weights")) != NULL) {
        if (v->type == LORA_JSON_FALSE) c->init = LORA_INIT_NONE;
        else if (v->type == LORA_JSON_STRING && strcmp(v->str, "gaussian") == 0) c->init = LORA_INIT_GAUSSIAN;
    }
    (void)dora;
    if (lora__json_truthy(lora_json_get(j, "use_dora")))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: use_dora is set; DoRA adapters are not supported", path);
    {   /* more keys that PEFT honours and that change the adapter's math */
        static const char *const unsupported[] = {"target_parameters", "use_qalora", "trainable_token_indices", "alora_invocation_tokens",
                                                  "arrow_config", "megatron_config"};
        for (k = 0; k < sizeof unsupported / sizeof unsupported[0]; k++)
            if (lora__json_truthy(lora_json_get(j, unsupported[k])))
                return lora__fail(LORA_ERR_UNSUPPORTED, "%s: \"%s\" is set; this library does not implement it", path, unsupported[k]);
    }
    if (lora__json_nonempty(lora_json_get(j, "modules_to_save")))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: modules_to_save is set; full copies of modules are not supported", path);
    if (lora__json_nonempty(lora_json_get(j, "rank_pattern")) || lora__json_nonempty(lora_json_get(j, "alpha_pattern")))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: rank_pattern / alpha_pattern are not supported", path);
    if (lora__json_nonempty(lora_json_get(j, "layer_replication")))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: layer_replication is not supported", path);
    if (lora__json_nonempty(lora_json_get(j, "lora_bias")))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: lora_bias is not supported", path);
    /* target_modules: list, regex string, "all-linear", or null (PEFT then takes the model's default
       targets: filled in by lora__adapter_load) */
    s = lora__json_str_or_list(lora_json_get(j, "target_modules"), path, "target_modules", &lc->targets,
                               &c->target.n_targets, &regex);
    if (s != LORA_OK) return s;
    if (regex && strcmp(regex, "all-linear") == 0) c->target.all_linear = 1;
    else c->target.target_regex = regex;
    c->target.targets = (const char *const *)lc->targets;
    s = lora__json_str_or_list(lora_json_get(j, "exclude_modules"), path, "exclude_modules", &lc->exclude,
                               &c->target.n_exclude, &c->target.exclude_regex);
    if (s != LORA_OK) return s;
    c->target.exclude = (const char *const *)lc->exclude;
    if ((v = lora_json_get(j, "layers_to_transform")) != NULL && v->type != LORA_JSON_NULL) {
        size_t n = v->type == LORA_JSON_ARRAY ? v->n : 1;
        lc->layers = (int *)lora__malloc(sizeof(int) * (n ? n : 1), "layers_to_transform");
        if (!lc->layers) return LORA_ERR_OOM;
        for (i = 0; i < n; i++) {
            const lora_json *it = v->type == LORA_JSON_ARRAY ? &v->items[i] : v;
            if (!lora_json_int64(it, &iv) || iv < 0 || iv > 1000000)
                return lora__fail(LORA_ERR_FORMAT, "%s: \"layers_to_transform\" must be an integer or a list of integers", path);
            lc->layers[i] = (int)iv;
        }
        c->target.layers = lc->layers;
        c->target.n_layers = (int)n;
    }
    if ((v = lora_json_get(j, "layers_pattern")) != NULL && v->type != LORA_JSON_NULL) {
        if (v->type == LORA_JSON_STRING) c->target.layers_pattern = v->str;
        else if (v->type == LORA_JSON_ARRAY && v->n == 1 && v->items[0].type == LORA_JSON_STRING) c->target.layers_pattern = v->items[0].str;
        else return lora__fail(LORA_ERR_UNSUPPORTED, "%s: \"layers_pattern\" must be a string (or a one-item list)", path);
    }
    if ((str = lora_json_get_string(j, "base_model_name_or_path")) != NULL)
        if (!(lc->base_name = lora__strdup(str, "base model name"))) return LORA_ERR_OOM;
    return warn->failed ? LORA_ERR_OOM : LORA_OK;
}

/* Splits an adapter tensor key into module name and kind: 'A', 'B' or 'b' (bias). */
static int lora__parse_adapter_key(const char *key, char *module, size_t size, char *kind) {
    static const char *const suffixes[] = {".lora_A.weight", ".lora_A.default.weight", ".lora_B.weight", ".lora_B.default.weight"};
    size_t n, i;
    if (strncmp(key, "base_model.model.", 17) == 0) key += 17;
    n = strlen(key);
    for (i = 0; i < 4; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n > sl && strcmp(key + n - sl, suffixes[i]) == 0) {
            if (n - sl >= size) return 0;
            memcpy(module, key, n - sl); module[n - sl] = 0;
            *kind = i < 2 ? 'A' : 'B';
            return 1;
        }
    }
    if (n > 5 && strcmp(key + n - 5, ".bias") == 0 && n < size) {
        memcpy(module, key, n + 1);
        *kind = 'b';
        return 1;
    }
    return 0;
}

/* LORA_ERR_NUMERIC naming the file, the tensor and the first NaN/Inf element */
static lora_status lora__check_finite(const char *path, const char *name, const float *v, int64_t n) {
    int64_t i;
    for (i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return lora__fail(LORA_ERR_NUMERIC, "%s: tensor '%s': element %lld is %g: expected a finite number", path, name, (long long)i, (double)v[i]);
    return LORA_OK;
}

static lora_status lora__adapter_load(const char *dir, const lora_module_desc *modules, int n_modules,
                                      const char *const *def_targets, int n_def, lora_adapter **out, char **warnings) {
    char *cfg_path = NULL, *st_path = NULL, *text = NULL;
    size_t len, i;
    lora_json *j = NULL;
    lora__loaded_config lc;
    lora__buf warn;
    lora_safetensors *st = NULL;
    lora_adapter *ad = NULL;
    unsigned char *selected = NULL, *have = NULL;
    lora_status s;
    int k;
    memset(&lc, 0, sizeof lc);
    memset(&warn, 0, sizeof warn);
    if (warnings) *warnings = NULL;
    if (!dir || !modules || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_load: NULL argument");
    *out = NULL;
    cfg_path = lora__path_join(dir, "adapter_config.json");
    st_path = lora__path_join(dir, "adapter_model.safetensors");
    if (!cfg_path || !st_path) { s = LORA_ERR_OOM; goto done; }
    if ((s = lora__read_file(cfg_path, &text, &len)) != LORA_OK) goto done;
    if ((s = lora_json_parse(text, len, cfg_path, &j)) != LORA_OK) goto done;
    if ((s = lora__parse_adapter_config(cfg_path, j, &lc, &warn)) != LORA_OK) goto done;
    if (!lc.targets && !lc.cfg.target.target_regex && !lc.cfg.target.all_linear) {
        if (n_def <= 0 || !def_targets) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: \"target_modules\" is null and no default targets were given "
                           "(lora_model_adapter_load passes the model's)", cfg_path);
            goto done;
        }
        if (!(lc.targets = lora__strv_dup(def_targets, n_def))) { s = LORA_ERR_OOM; goto done; }
        lc.cfg.target.targets = (const char *const *)lc.targets;
        lc.cfg.target.n_targets = n_def;
    }
    if ((s = lora__check_config(&lc.cfg)) != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        s = lora__fail(s, "%s: %s", cfg_path, msg);
        goto done;
    }
    if ((s = lora__select(&lc.cfg, modules, n_modules, &selected)) != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        s = lora__fail(s, "%s: %s", cfg_path, msg);
        goto done;
    }
    if ((s = lora__adapter_alloc(&lc.cfg, modules, n_modules, selected, &ad)) != LORA_OK) goto done;
    if (lc.base_name) { LORA_FREE(ad->base_model_name); ad->base_model_name = lc.base_name; lc.base_name = NULL; }
    {
        FILE *f = fopen(st_path, "rb");
        if (!f) {
            char *bin = lora__path_join(dir, "adapter_model.bin");
            FILE *fb = bin ? fopen(bin, "rb") : NULL;
            if (fb) {
                fclose(fb);
                s = lora__fail(LORA_ERR_UNSUPPORTED, "%s: only adapter_model.safetensors is supported; %s is a PyTorch pickle "
                               "(convert it: load with PEFT and save_pretrained(..., safe_serialization=True))", dir, bin);
            } else {
                s = lora__fail(LORA_ERR_IO, "%s: cannot open: %s", st_path, strerror(errno));
            }
            LORA_FREE(bin);
            goto done;
        }
        fclose(f);
    }
    if ((s = lora_st_open(st_path, &st)) != LORA_OK) goto done;
    have = (unsigned char *)lora__calloc((size_t)(ad->n_modules ? ad->n_modules : 1), 2, "adapter tensors");
    if (!have) { s = LORA_ERR_OOM; goto done; }
    for (i = 0; i < st->n_tensors; i++) {
        const lora_st_tensor *t = &st->tensors[i];
        char mod[512], kind;
        lora_module *m;
        if (!lora__parse_adapter_key(t->name, mod, sizeof mod, &kind)) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (expected <module>.lora_A.weight, <module>.lora_B.weight%s)",
                           st_path, t->name, lc.cfg.bias ? " or <module>.bias" : "");
            goto done;
        }
        if (kind == 'b') {
            float *tmp;
            if (lc.cfg.bias == LORA_BIAS_NONE) {
                s = lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s' is a bias but adapter_config.json says bias \"none\"", st_path, t->name);
                goto done;
            }
            if (t->ndim != 1) { s = lora__fail(LORA_ERR_SHAPE, "%s: bias '%s' must be 1-dimensional", st_path, t->name); goto done; }
            if (t->numel <= 0 || t->numel > (1 << 26)) { s = lora__fail(LORA_ERR_SHAPE, "%s: bias '%s' has a bad size", st_path, t->name); goto done; }
            tmp = (float *)lora__malloc(sizeof(float) * (size_t)t->numel, "bias");
            if (!tmp) { s = LORA_ERR_OOM; goto done; }
            s = lora_st_read_f32(st, t, tmp, t->numel);
            if (s == LORA_OK) s = lora__check_finite(st_path, t->name, tmp, t->numel);
            if (s == LORA_OK && (s = lora_adapter_add_bias(ad, mod, tmp, (int)t->numel)) != LORA_OK) {
                char msg[LORA__ERRLEN];
                snprintf(msg, sizeof msg, "%s", lora_last_error());
                s = lora__fail(s, "%s: tensor '%s': %s", st_path, t->name, msg);
            }
            LORA_FREE(tmp);
            if (s != LORA_OK) goto done;
            continue;
        }
        m = lora_adapter_find(ad, mod);
        if (!m) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s' is for module '%s', which adapter_config.json's target_modules "
                           "does not select in this model", st_path, t->name, mod);
            goto done;
        }
        k = (int)(m - ad->modules);
        if (have[2 * k + (kind == 'B')]) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: module '%s' has two lora_%c tensors", st_path, mod, kind);
            goto done;
        }
        {
            int64_t e0 = kind == 'A' ? m->r : m->out, e1 = kind == 'A' ? m->in : m->r;
            if (t->ndim != 2) {
                s = lora__fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected shape (%lld, %lld), found a %d-dimensional tensor", st_path, t->name,
                               (long long)e0, (long long)e1, (int)t->ndim);
                goto done;
            }
            if (t->shape[0] != e0 || t->shape[1] != e1) {
                s = lora__fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected shape (%lld, %lld), found (%lld, %lld)", st_path, t->name,
                               (long long)e0, (long long)e1, (long long)t->shape[0], (long long)t->shape[1]);
                goto done;
            }
        }
        if ((s = lora_st_read_f32(st, t, kind == 'A' ? m->A : m->B, t->numel)) != LORA_OK) goto done;
        if ((s = lora__check_finite(st_path, t->name, kind == 'A' ? m->A : m->B, t->numel)) != LORA_OK) goto done;
        have[2 * k + (kind == 'B')] = 1;
    }
    for (k = 0; k < ad->n_modules; k++) {
        int ab;
        for (ab = 0; ab < 2; ab++)
            if (!have[2 * k + ab]) {
                s = lora__fail(LORA_ERR_FORMAT, "%s: missing tensor 'base_model.model.%s.lora_%c.weight' (adapter_config.json "
                               "targets this module)", st_path, ad->modules[k].name, ab ? 'B' : 'A');
                goto done;
            }
    }
    s = LORA_OK;
done:
    if (s == LORA_OK) {
        *out = ad;
        if (warnings && warn.len) { *warnings = warn.data; warn.data = NULL; }
    } else {
        lora_adapter_free(ad);
    }
    lora__buf_free(&warn);
    lora__loaded_config_free(&lc);
    lora_st_close(st);
    lora_json_free(j);
    LORA_FREE(text); LORA_FREE(cfg_path); LORA_FREE(st_path); LORA_FREE(selected); LORA_FREE(have);
    return s;
}

LORA_API lora_status lora_adapter_load(const char *dir, const lora_module_desc *modules, int n_modules,
                                       lora_adapter **out, char **warnings) {
    return lora__adapter_load(dir, modules, n_modules, NULL, 0, out, warnings);
}

LORA_API lora_status lora_adapter_load_defaults(const char *dir, const lora_module_desc *modules, int n_modules,
                                                const char *const *default_targets, int n_default,
                                                lora_adapter **out, char **warnings) {
    return lora__adapter_load(dir, modules, n_modules, default_targets, n_default, out, warnings);
}

/* ---- lora/70_optim.impl.c ---- */
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

/* ---- lora/72_checkpoint.impl.c ---- */
#define LORA__CKPT_MAGIC "LORACKPT"
#define LORA__CKPT_VERSION 1u

/* trainer_state.bin, little-endian: this header, then per trained tensor its name length (u32),
   name, value count (i64), values, AdamW first and second moments (float32 each) */
typedef struct lora__ckpt_header {
    char magic[8];
    uint32_t version, n_params;
    int64_t step;
    uint64_t data_pos, epoch, seed, dropout_step;
    double best_val_loss, elapsed_seconds;
} lora__ckpt_header;

/* header fields between host order and the file's little-endian order (either way) */
static void lora__ckpt_header_le(lora__ckpt_header *h) {
    lora__le_swap(&h->version, 4, 4); lora__le_swap(&h->n_params, 4, 4);
    lora__le_swap(&h->step, 8, 8); lora__le_swap(&h->data_pos, 8, 8); lora__le_swap(&h->epoch, 8, 8);
    lora__le_swap(&h->seed, 8, 8); lora__le_swap(&h->dropout_step, 8, 8);
    lora__le_swap(&h->best_val_loss, 8, 8); lora__le_swap(&h->elapsed_seconds, 8, 8);
}

LORA_API lora_status lora_checkpoint_save(const char *path, const lora_adamw *opt, const lora_train_state *state) {
    lora__atomic_file af;
    lora__ckpt_header h;
    lora_status s;
    int i;
    if (!path || !opt || !state) return lora__fail(LORA_ERR_INVALID_ARG, "lora_checkpoint_save: NULL argument");
    memset(&h, 0, sizeof h);
    memcpy(h.magic, LORA__CKPT_MAGIC, 8);
    h.version = LORA__CKPT_VERSION;
    h.n_params = (uint32_t)opt->n_params;
    h.step = opt->step;
    h.data_pos = state->data_pos; h.epoch = state->epoch; h.seed = state->seed; h.dropout_step = state->dropout_step;
    h.best_val_loss = state->best_val_loss; h.elapsed_seconds = state->elapsed_seconds;
    lora__ckpt_header_le(&h);
    if ((s = lora__atomic_open(&af, path)) != LORA_OK) return s;
    lora__atomic_write(&af, &h, sizeof h);
    for (i = 0; i < opt->n_params; i++) {
        const lora_param *p = &opt->params[i];
        uint32_t nl = (uint32_t)strlen(p->name ? p->name : "");
        int64_t n = p->n;
        lora__atomic_write_le(&af, &nl, sizeof nl, sizeof nl);
        lora__atomic_write(&af, p->name ? p->name : "", nl);
        lora__atomic_write_le(&af, &n, sizeof n, sizeof n);
        lora__atomic_write_le(&af, p->value, sizeof(float) * (size_t)n, sizeof(float));
        lora__atomic_write_le(&af, opt->m[i], sizeof(float) * (size_t)n, sizeof(float));
        lora__atomic_write_le(&af, opt->v[i], sizeof(float) * (size_t)n, sizeof(float));
    }
    return lora__atomic_commit(&af);
}

LORA_API lora_status lora_checkpoint_load(const char *path, lora_adamw *opt, lora_train_state *state) {
    FILE *f;
    lora__ckpt_header h;
    lora_status s = LORA_OK;
    int i, k;
    if (!path || !opt || !state) return lora__fail(LORA_ERR_INVALID_ARG, "lora_checkpoint_load: NULL argument");
    if ((s = lora__check_not_dir(path)) != LORA_OK) return s;
    f = fopen(path, "rb");
    if (!f) return lora__fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fread(&h, sizeof h, 1, f) != 1) { fclose(f); return lora__fail(LORA_ERR_FORMAT, "%s: truncated checkpoint header", path); }
    lora__ckpt_header_le(&h);
    if (memcmp(h.magic, LORA__CKPT_MAGIC, 8) != 0) { fclose(f); return lora__fail(LORA_ERR_FORMAT, "%s: not a lora.h checkpoint (bad magic)", path); }
    if (h.version != LORA__CKPT_VERSION) { fclose(f); return lora__fail(LORA_ERR_FORMAT, "%s: checkpoint version %u, expected %u", path, h.version, LORA__CKPT_VERSION); }
    if (h.n_params != (uint32_t)opt->n_params) {
        fclose(f);
        return lora__fail(LORA_ERR_SHAPE, "%s: checkpoint has %u tensors, the optimiser has %d (different targets or model?)", path, h.n_params, opt->n_params);
    }
    /* every field is input: checked before anything uses it */
    if (h.step < 0 || h.step > INT_MAX) {
        fclose(f);
        return lora__fail(LORA_ERR_FORMAT, "%s: step %lld: expected a step count in [0, %d]", path, (long long)h.step, INT_MAX);
    }
    if (h.epoch > (uint64_t)h.step * 65536u + 1u) {
        fclose(f);
        return lora__fail(LORA_ERR_FORMAT, "%s: epoch %llu after %lld steps: expected at most %llu", path, (unsigned long long)h.epoch,
                          (long long)h.step, (unsigned long long)h.step * 65536u + 1u);
    }
    if (!(h.best_val_loss != h.best_val_loss || (h.best_val_loss >= 0 && h.best_val_loss < 1e30))) {
        fclose(f);
        return lora__fail(LORA_ERR_FORMAT, "%s: best validation loss %g: expected NaN (none yet) or a finite value >= 0", path, h.best_val_loss);
    }
    if (!(h.elapsed_seconds >= 0 && h.elapsed_seconds < 1e12)) {
        fclose(f);
        return lora__fail(LORA_ERR_FORMAT, "%s: elapsed time %g s: expected a finite value >= 0", path, h.elapsed_seconds);
    }
    /* read everything into temporaries first: a bad file changes nothing */
    {
        float **vals = (float **)lora__calloc((size_t)(opt->n_params ? opt->n_params : 1), 3 * sizeof(float *), "checkpoint");
        if (!vals) { fclose(f); return LORA_ERR_OOM; }
        for (i = 0; i < opt->n_params && s == LORA_OK; i++) {
            const lora_param *p = &opt->params[i];
            uint32_t nl;
            int64_t n;
            char name[512];
            if (lora__fread_le(&nl, sizeof nl, 1, f) != 1) { s = lora__fail(LORA_ERR_FORMAT, "%s: truncated checkpoint (tensor %d)", path, i); break; }
            if (nl >= sizeof name) {
                s = lora__fail(LORA_ERR_FORMAT, "%s: tensor %d: name length %u, expected at most %u", path, i, nl, (unsigned)sizeof name - 1);
                break;
            }
            if (fread(name, 1, nl, f) != nl || lora__fread_le(&n, sizeof n, 1, f) != 1) {
                s = lora__fail(LORA_ERR_FORMAT, "%s: truncated checkpoint (tensor %d)", path, i);
                break;
            }
            name[nl] = 0;
            if (n != p->n || strcmp(name, p->name ? p->name : "") != 0) {
                s = lora__fail(LORA_ERR_SHAPE, "%s: tensor %d is '%s' with %lld values, expected '%s' with %lld", path, i, name,
                               (long long)n, p->name ? p->name : "", (long long)p->n);
                break;
            }
            for (k = 0; k < 3 && s == LORA_OK; k++) {
                float *buf = (float *)lora__malloc(sizeof(float) * (size_t)(n ? n : 1), "checkpoint");
                vals[3 * i + k] = buf;
                if (!buf) s = LORA_ERR_OOM;
                else if (lora__fread_le(buf, sizeof(float), (size_t)n, f) != (size_t)n) s = lora__fail(LORA_ERR_FORMAT, "%s: truncated checkpoint (tensor '%s')", path, name);
                else {
                    int64_t q;
                    static const char *const what[3] = {"value", "first moment", "second moment"};
                    for (q = 0; q < n; q++)
                        if (!isfinite(buf[q]) || (k == 2 && buf[q] < 0)) {
                            s = lora__fail(LORA_ERR_NUMERIC, "%s: tensor '%s': %s %lld is %g: expected a finite number%s", path, name, what[k],
                                           (long long)q, (double)buf[q], k == 2 ? " >= 0" : "");
                            break;
                        }
                }
            }
        }
        if (s == LORA_OK && fgetc(f) != EOF) s = lora__fail(LORA_ERR_FORMAT, "%s: trailing bytes after the last tensor", path);
        if (s == LORA_OK) {
            for (i = 0; i < opt->n_params; i++) {
                size_t bytes = sizeof(float) * (size_t)opt->params[i].n;
                memcpy(opt->params[i].value, vals[3 * i], bytes);
                memcpy(opt->m[i], vals[3 * i + 1], bytes);
                memcpy(opt->v[i], vals[3 * i + 2], bytes);
            }
            opt->step = h.step;
            state->step = h.step; state->data_pos = h.data_pos; state->epoch = h.epoch; state->seed = h.seed;
            state->dropout_step = h.dropout_step; state->best_val_loss = h.best_val_loss; state->elapsed_seconds = h.elapsed_seconds;
        }
        for (i = 0; i < 3 * opt->n_params; i++) LORA_FREE(vals[i]);
        LORA_FREE(vals);
    }
    fclose(f);
    return s;
}

/* ---- lora/80_tokenizer.impl.c ---- */
/* ---- GPT-2 byte-level BPE tokenizer ----

   Pre-tokenisation. The pattern
       's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   is run as a hand-written scanner over code points with JavaScript's (/u) classes for
   \p{L}, \p{N} and \s (51_unicode_tables.impl.c, generated from node), since the npm encoders
   gpt-3-encoder and gpt-tokenizer are the reference. (Python's `regex`, used by OpenAI's
   encoder.py, differs only in \s: it counts U+0085 and not U+FEFF; and in Unicode version.)

   Invalid UTF-8. The reference encoders take JavaScript strings; text that arrives as bytes is
   decoded first, each maximal ill-formed subsequence becoming U+FFFD. We do not replace
   anything: every byte that does not start a well-formed UTF-8 sequence (a stray continuation
   byte, a truncated sequence, an overlong form, a surrogate, a value above U+10FFFF) is one
   unit of class "other", i.e. it pre-tokenises exactly as U+FFFD would (U+FFFD is \p{So}), and
   the bytes themselves go through BPE (so they come out as byte tokens or merges of them).
   Pre-token boundaries are therefore the reference's; the ids differ from the reference only
   inside pre-tokens that hold invalid bytes; and decode(encode(x)) == x for every byte string.

   BPE. Ranked merges exactly as encoder.py: repeatedly take the adjacent pair with the lowest
   merge rank and merge all its non-overlapping occurrences left to right. Symbols are token
   ids (every merge result must be in the vocabulary), pairs are looked up in an open-addressing
   hash table. Short words use a rank array rescanned per pass; long words (a megabyte of
   letters) use a heap over a linked list, which keeps them O(n log n). No cache, no global
   state: a tokenizer is read-only after loading and may be shared between threads. */

static int lora__uclass(uint32_t cp); /* 81_unicode_tables.impl.c */
static int lora__is_nfc(const unsigned char *s, size_t n);
static lora_status lora__nfc(const unsigned char *s, size_t n, unsigned char **out, size_t *out_len);

enum { LORA__OTHER = 0, LORA__LETTER = 1, LORA__NUMBER = 2, LORA__SPACE = 3 };

/* Classes of ASCII code points (tools/gen_unicode_tables.js checks them against node). */
static const unsigned char lora__ascii_class[128] = {
    0,0,0,0,0,0,0,0,0,3,3,3,3,3,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    3,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 2,2,2,2,2,2,2,2,2,2,0,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0
};

#define LORA__NO_RANK 0xFFFFFFFFu
#define LORA__MAX_ID (1 << 24)      /* token ids must be below this */
#define LORA__LONG_WORD 64          /* words longer than this (bytes) use the heap merge */

typedef struct lora__merge_slot {
    uint64_t key;      /* (left id << 32) | right id; LORA__EMPTY_KEY when free */
    uint32_t rank;     /* line order in the merges file */
    int32_t id;        /* the merged token */
} lora__merge_slot;
#define LORA__EMPTY_KEY 0xFFFFFFFFFFFFFFFFull

typedef struct lora__added {
    int32_t id;
    unsigned char special, lstrip, rstrip;
} lora__added;
enum { LORA__PRE_GPT2 = 0, LORA__PRE_LLAMA3 = 1, LORA__PRE_QWEN2 = 2 };

struct lora_tokenizer {
    int32_t n_vocab;            /* largest id + 1 */
    char *blob;                 /* bytes of all tokens */
    uint32_t *off;              /* token i = blob[off[i] .. off[i+1]); empty = no token */
    int32_t byte_id[256];       /* the single-byte tokens */
    int32_t eot;                /* id of "<|endoftext|>", -1 if the vocabulary lacks it */
    lora__merge_slot *merges;   /* open addressing, power-of-two size */
    uint32_t merge_bits;
    size_t n_merges;
    /* fast path: the tokens that BPE turns their own bytes into (most of them), by bytes, so
       that a pre-token that is one of them needs a lookup instead of the merge loop */
    int32_t *word_slot;         /* open addressing over ids, -1 = free */
    uint32_t word_bits;
    size_t max_word;            /* longest such token, bytes */
    /* Hugging Face tokenizer.json (all zero / NULL for the GPT-2 files) */
    int pretok;                 /* LORA__PRE_GPT2, LORA__PRE_LLAMA3 or LORA__PRE_QWEN2 */
    int digits;                 /* a Digits pre-tokenizer first: 1 = each \p{N} alone, 2 = runs of them */
    int byte_gaps;              /* some byte_id are -1 (a restricted alphabet): BPE drops those bytes */
    int fuse_unk;               /* consecutive unknown bytes give one unk token */
    int32_t unk;                /* model.unk_token's id (unknown bytes), -1 if none */
    int nfc;                    /* the normalizer is NFC */
    int ignore_merges;          /* a pre-token that is a vocabulary token is that token (Llama 3) */
    int32_t *vocab_slot;        /* model vocabulary by bytes (open addressing over ids, -1 = free) */
    uint32_t vocab_bits;
    lora__added *added;         /* added tokens, longest first */
    size_t n_added;
    unsigned char added_first[256]; /* a byte that starts an added token */
    int32_t bos;                /* tokenizer_config.json's bos_token, -1 if none */
    int chat;                   /* lora_chat_template */
    int chat_think;             /* Qwen3's template: an empty <think> block before the last answer */
    char *chat_system;          /* the chat template's default system prompt, NULL if none */
};

/* ---- byte-level alphabet (bytes_to_unicode) ---- */
static int lora__byte_is_printable(int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174); }
/* code point -> byte, -1 for code points outside the alphabet (which is U+0021..U+0143) */
static void lora__unicode_to_byte_table(int16_t table[324]) {
    int b, n = 0;
    for (b = 0; b < 324; b++) table[b] = -1;
    for (b = 0; b < 256; b++) {
        if (lora__byte_is_printable(b)) table[b] = (int16_t)b;
        else table[256 + n++] = (int16_t)b;
    }
}

/* ---- UTF-8 ---- */
/* Length of the well-formed UTF-8 sequence at s[0..n) (n >= 1) and its code point, or 0 if
   s[0] does not start one. */
static size_t lora__tok_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;
        else if (c == 0xED) hi = 0x9F;
        if (n < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    if (c < 0xF5) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;
        else if (c == 0xF4) hi = 0x8F;
        if (n < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
              ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    return 0;
}

/* Class and length of the unit at s[0..n): a well-formed character, or one invalid byte
   (class "other", as the U+FFFD a UTF-8 decoder would put there). */
static size_t lora__unit(const unsigned char *s, size_t n, int *cls) {
    uint32_t cp;
    size_t k;
    if (s[0] < 0x80) { *cls = lora__ascii_class[s[0]]; return 1; }
    k = lora__tok_utf8_decode(s, n, &cp);
    if (!k) { *cls = LORA__OTHER; return 1; }
    *cls = lora__uclass(cp);
    return k;
}

/* End of the run of units of class cls starting at s[i] (i < n). */
static size_t lora__run_end(const unsigned char *s, size_t n, size_t i, int cls) {
    while (i < n) {
        int c;
        size_t k;
        if (s[i] < 0x80) {
            if (lora__ascii_class[s[i]] != cls) break;
            i++;
            continue;
        }
        k = lora__unit(s + i, n - i, &c);
        if (c != cls) break;
        i += k;
    }
    return i;
}

/* Length of the pre-token at s[0..n), n >= 1. */
static size_t lora__pretoken(const unsigned char *s, size_t n) {
    int c0, c1;
    size_t k0, i, last;
    if (s[0] == '\'' && n >= 2) {
        unsigned char a = s[1];
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
        if (n >= 3) {
            unsigned char b = s[2];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
        }
    }
    k0 = lora__unit(s, n, &c0);
    if (c0 != LORA__SPACE) return lora__run_end(s, n, k0, c0);
    if (s[0] == ' ' && n >= 2) { /* " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+" */
        size_t k1 = lora__unit(s + 1, n - 1, &c1);
        if (c1 != LORA__SPACE) return lora__run_end(s, n, 1 + k1, c1);
    }
    /* whitespace: \s+(?!\S) leaves the last whitespace character of a run that is followed
       by something else (so " word" stays together), unless the run is that one character */
    i = k0; last = 0;
    while (i < n) {
        int c;
        size_t k;
        if (s[i] < 0x80) {
            if (lora__ascii_class[s[i]] != LORA__SPACE) break;
            last = i++;
            continue;
        }
        k = lora__unit(s + i, n - i, &c);
        if (c != LORA__SPACE) break;
        last = i;
        i += k;
    }
    if (i == n || last == 0) return i;
    return last;
}

/* Length of the pre-token at s[0..n), n >= 1, for the Split pattern of Llama 3 (max_digits 3)
   and Qwen2 / Qwen2.5 / Qwen3 (max_digits 1):
       (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
   run as the first alternative that matches at s (the leftmost-first semantics of a backtracking
   engine). The case-insensitive contractions are ASCII only, as in the JavaScript reference
   (which rewrites (?i:...) to [sS]... classes). */
static size_t lora__pretoken_split(const unsigned char *s, size_t n, int max_digits) {
    int c0, c1;
    size_t k0, i, last, nl_end;
    if (s[0] == '\'' && n >= 2) {
        unsigned a = s[1] | 0x20u;
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
        if (n >= 3) {
            unsigned b = s[2] | 0x20u;
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
        }
    }
    k0 = lora__unit(s, n, &c0);
    if (c0 == LORA__LETTER) return lora__run_end(s, n, k0, LORA__LETTER); /* \p{L}+ */
    if (c0 != LORA__NUMBER && s[0] != '\r' && s[0] != '\n' && k0 < n) { /* [^\r\n\p{L}\p{N}]\p{L}+ */
        size_t k1 = lora__unit(s + k0, n - k0, &c1);
        if (c1 == LORA__LETTER) return lora__run_end(s, n, k0 + k1, LORA__LETTER);
    }
    if (c0 == LORA__NUMBER) { /* \p{N}{1,max_digits} */
        int d;
        for (i = k0, d = 1; d < max_digits && i < n; d++) {
            int c;
            size_t k = lora__unit(s + i, n - i, &c);
            if (c != LORA__NUMBER) break;
            i += k;
        }
        return i;
    }
    if (c0 == LORA__OTHER || (s[0] == ' ' && n >= 2 && (lora__unit(s + 1, n - 1, &c1), c1 == LORA__OTHER))) {
        i = lora__run_end(s, n, c0 == LORA__OTHER ? k0 : 1, LORA__OTHER); /* ' ?[^\s\p{L}\p{N}]+' */
        while (i < n && (s[i] == '\r' || s[i] == '\n')) i++;                /* [\r\n]* */
        return i;
    }
    /* whitespace: \s*[\r\n]+ ends after the run's last \r or \n; else \s+(?!\S), else \s+ */
    nl_end = (s[0] == '\r' || s[0] == '\n') ? 1 : 0;
    i = k0; last = 0;
    while (i < n) {
        int c;
        size_t k = lora__unit(s + i, n - i, &c);
        if (c != LORA__SPACE) break;
        if (s[i] == '\r' || s[i] == '\n') nl_end = i + 1;
        last = i;
        i += k;
    }
    if (nl_end) return nl_end;
    if (i == n || last == 0) return i;
    return last;
}

LORA_API size_t lora_pretoken_length(const char *text, size_t len) {
    return text && len ? lora__pretoken((const unsigned char *)text, len) : 0;
}

/* ---- merge table ---- */
static uint32_t lora__hash64(uint64_t key, uint32_t bits) {
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}
static uint32_t lora__hash_bytes(const unsigned char *s, size_t n, uint32_t bits) {
    uint64_t h = 0xCBF29CE484222325ull;
    size_t i;
    for (i = 0; i < n; i++) { h ^= s[i]; h *= 0x100000001B3ull; }
    return lora__hash64(h, bits);
}

/* the fast-path token whose bytes are w[0..n), or -1 */
static int32_t lora__word_find(const lora_tokenizer *tok, const unsigned char *w, size_t n) {
    uint32_t mask, h;
    if (n > tok->max_word) return -1;
    mask = (1u << tok->word_bits) - 1;
    h = lora__hash_bytes(w, n, tok->word_bits);
    for (;;) {
        int32_t id = tok->word_slot[h];
        if (id < 0) return -1;
        if (tok->off[id + 1] - tok->off[id] == n && memcmp(tok->blob + tok->off[id], w, n) == 0) return id;
        h = (h + 1) & mask;
    }
}

static const lora__merge_slot *lora__merge_find(const lora_tokenizer *tok, int32_t a, int32_t b) {
    uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    uint32_t mask = (1u << tok->merge_bits) - 1, h = lora__hash64(key, tok->merge_bits);
    for (;;) {
        const lora__merge_slot *s = &tok->merges[h];
        if (s->key == key) return s;
        if (s->key == LORA__EMPTY_KEY) return NULL;
        h = (h + 1) & mask;
    }
}

/* ---- BPE ---- */
typedef struct lora__heap_item { uint32_t rank; int32_t pos; } lora__heap_item;

/* Scratch memory for one encode call, grown as needed. */
typedef struct lora__scratch {
    int32_t *sym, *res, *next, *prev;
    uint32_t *rank;
    lora__heap_item *heap, *pending;
    size_t cap;
} lora__scratch;

static void lora__scratch_free(lora__scratch *sc) {
    LORA_FREE(sc->sym); LORA_FREE(sc->res); LORA_FREE(sc->next); LORA_FREE(sc->prev);
    LORA_FREE(sc->rank); LORA_FREE(sc->heap); LORA_FREE(sc->pending);
    memset(sc, 0, sizeof *sc);
}
static lora_status lora__scratch_reserve(lora__scratch *sc, size_t n) {
    size_t cap;
    if (n <= sc->cap) return LORA_OK;
    if (n > (size_t)0x7FFFFFFF) return lora__fail(LORA_ERR_UNSUPPORTED, "lora_encode: a pre-token of %zu bytes is too long (limit 2^31 - 1)", n);
    cap = sc->cap ? sc->cap : 256;
    while (cap < n) cap *= 2;
    if (cap > (size_t)0x7FFFFFFF) cap = (size_t)0x7FFFFFFF;
    lora__scratch_free(sc);
    sc->sym = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE symbols");
    sc->res = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE merge results");
    sc->rank = (uint32_t *)lora__malloc(cap * sizeof(uint32_t), "BPE pair ranks");
    if (!sc->sym || !sc->res || !sc->rank) { lora__scratch_free(sc); return LORA_ERR_OOM; }
    if (cap > LORA__LONG_WORD) {
        sc->next = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE links");
        sc->prev = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE links");
        /* at most n - 1 initial pairs plus two per merge, fewer than n merges */
        sc->heap = (lora__heap_item *)lora__calloc(cap, 3 * sizeof(lora__heap_item), "BPE heap");
        sc->pending = (lora__heap_item *)lora__calloc(cap, 2 * sizeof(lora__heap_item), "BPE heap");
        if (!sc->next || !sc->prev || !sc->heap || !sc->pending) { lora__scratch_free(sc); return LORA_ERR_OOM; }
    }
    sc->cap = cap;
    return LORA_OK;
}

static void lora__pair_rank(const lora_tokenizer *tok, const int32_t *sym, size_t i, uint32_t *rank, int32_t *res) {
    const lora__merge_slot *m = lora__merge_find(tok, sym[i], sym[i + 1]);
    if (m) { rank[i] = m->rank; res[i] = m->id; }
    else rank[i] = LORA__NO_RANK;
}

/* Short words: ranks of adjacent pairs in an array; each pass finds the lowest rank and merges
   its occurrences left to right, then re-ranks only the pairs next to merged symbols. */
static size_t lora__bpe_short(const lora_tokenizer *tok, lora__scratch *sc, size_t n) {
    int32_t *sym = sc->sym, *res = sc->res;
    uint32_t *rank = sc->rank;
    size_t i;
    int prev_merged;
    for (i = 0; i + 1 < n; i++) lora__pair_rank(tok, sym, i, rank, res);
    rank[n - 1] = LORA__NO_RANK;
    while (n > 1) {
        uint32_t best = LORA__NO_RANK;
        size_t out = 0, first = n;
        for (i = 0; i + 1 < n; i++) if (rank[i] < best) { best = rank[i]; first = i; }
        if (best == LORA__NO_RANK) break;
        /* rank[] doubles as "merged here" marker: the merged symbol gets LORA__NO_RANK - 1
           until re-ranked below (merge ranks are below 2^31) */
        for (out = first, i = first; i < n; out++) {
            if (i + 1 < n && rank[i] == best) {
                sym[out] = res[i];
                rank[out] = LORA__NO_RANK - 1;
                i += 2;
            } else {
                sym[out] = sym[i]; rank[out] = rank[i]; res[out] = res[i];
                i++;
            }
        }
        n = out;
        for (i = first, prev_merged = 0; i < n; i++) {
            if (rank[i] != LORA__NO_RANK - 1) { prev_merged = 0; continue; }
            if (i > 0 && !prev_merged) lora__pair_rank(tok, sym, i - 1, rank, res);
            if (i + 1 < n) lora__pair_rank(tok, sym, i, rank, res);
            else rank[i] = LORA__NO_RANK;
            prev_merged = 1;
        }
    }
    return n;
}

static int lora__heap_less(lora__heap_item a, lora__heap_item b) {
    return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos);
}
static void lora__heap_push(lora__heap_item *h, size_t *n, lora__heap_item x) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!lora__heap_less(x, h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}
static lora__heap_item lora__heap_pop(lora__heap_item *h, size_t *n) {
    lora__heap_item top = h[0], x = h[--*n];
    size_t i = 0, m = *n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && lora__heap_less(h[c + 1], h[c])) c++;
        if (!lora__heap_less(h[c], x)) break;
        h[i] = h[c];
        i = c;
    }
    if (m) h[i] = x;
    return top;
}

/* Long words: symbols in a linked list (a merged symbol keeps its left position), candidate
   pairs in a heap ordered by (rank, position). rank[p] is the rank of the pair currently
   starting at p, so stale heap entries are recognised (a pair at a position never comes
   back: its symbols only grow). Pairs created while the occurrences of one rank are being
   merged wait in `pending` until that pass is over, as in encoder.py, so the result is the
   same as lora__bpe_short's for any merge table. */
static size_t lora__bpe_long(const lora_tokenizer *tok, lora__scratch *sc, size_t n) {
    int32_t *sym = sc->sym, *res = sc->res, *next = sc->next, *prev = sc->prev;
    uint32_t *rank = sc->rank;
    lora__heap_item *heap = sc->heap, *pending = sc->pending;
    size_t nh = 0, np = 0, i, out;
    uint32_t pass = LORA__NO_RANK;
    int32_t p;
    for (i = 0; i < n; i++) {
        next[i] = i + 1 < n ? (int32_t)(i + 1) : -1;
        prev[i] = (int32_t)i - 1;
        rank[i] = LORA__NO_RANK;
        if (i + 1 < n) {
            lora__pair_rank(tok, sym, i, rank, res);
            if (rank[i] != LORA__NO_RANK) { heap[nh].rank = rank[i]; heap[nh].pos = (int32_t)i; nh++; }
        }
    }
    /* heapify: entries were added in position order, sift down from the middle */
    for (i = nh / 2; i-- > 0;) {
        lora__heap_item x = heap[i];
        size_t j = i;
        for (;;) {
            size_t c = 2 * j + 1;
            if (c >= nh) break;
            if (c + 1 < nh && lora__heap_less(heap[c + 1], heap[c])) c++;
            if (!lora__heap_less(heap[c], x)) break;
            heap[j] = heap[c];
            j = c;
        }
        heap[j] = x;
    }
    for (;;) {
        lora__heap_item top;
        int32_t q, r, l;
        if (np && (nh == 0 || heap[0].rank != pass)) { /* pass over: release the deferred pairs */
            for (i = 0; i < np; i++)
                if (rank[pending[i].pos] == pending[i].rank) lora__heap_push(heap, &nh, pending[i]);
            np = 0;
            continue;
        }
        if (nh == 0) break;
        top = lora__heap_pop(heap, &nh);
        if (rank[top.pos] != top.rank) continue; /* stale */
        pass = top.rank;
        p = top.pos; q = next[p]; r = next[q];
        sym[p] = res[p];
        next[p] = r;
        if (r >= 0) prev[r] = p;
        rank[q] = LORA__NO_RANK;
        rank[p] = LORA__NO_RANK;
        for (l = prev[p]; ; l = p) { /* the pairs (prev, p) and (p, next) are new */
            if (l >= 0 && next[l] >= 0) {
                const lora__merge_slot *m = lora__merge_find(tok, sym[l], sym[next[l]]);
                if (m) {
                    lora__heap_item x;
                    rank[l] = m->rank; res[l] = m->id;
                    x.rank = m->rank; x.pos = l;
                    /* a pair ranked above this pass cannot be popped before the pass ends;
                       one ranked below must wait for it (encoder.py merges all occurrences
                       of a pair before looking at any other) */
                    if (x.rank > pass) lora__heap_push(heap, &nh, x);
                    else pending[np++] = x;
                } else {
                    rank[l] = LORA__NO_RANK;
                }
            }
            if (l == p) break;
        }
    }
    out = 0;
    for (p = 0; p >= 0; p = next[p]) sym[out++] = sym[p];
    return out;
}

/* Encodes one pre-token, appending its ids. */
typedef struct lora__ids { int32_t *v; size_t n, cap; } lora__ids;
static lora_status lora__ids_reserve(lora__ids *ids, size_t extra) {
    size_t cap;
    int32_t *v;
    if (ids->n + extra <= ids->cap) return LORA_OK;
    cap = ids->cap ? ids->cap : 64;
    while (cap < ids->n + extra) cap *= 2;
    v = (int32_t *)lora__realloc(ids->v, cap * sizeof(int32_t), "token ids");
    if (!v) return LORA_ERR_OOM;
    ids->v = v; ids->cap = cap;
    return LORA_OK;
}

/* the model-vocabulary token whose bytes are w[0..n), or -1 (needs tok->vocab_slot) */
static int32_t lora__vocab_lookup(const lora_tokenizer *tok, const unsigned char *w, size_t n) {
    uint32_t mask = (1u << tok->vocab_bits) - 1, h = lora__hash_bytes(w, n, tok->vocab_bits);
    for (;;) {
        int32_t id = tok->vocab_slot[h];
        if (id < 0) return -1;
        if (tok->off[id + 1] - tok->off[id] == n && memcmp(tok->blob + tok->off[id], w, n) == 0) return id;
        h = (h + 1) & mask;
    }
}

static lora_status lora__bpe(const lora_tokenizer *tok, lora__scratch *sc, const unsigned char *w, size_t n, lora__ids *ids) {
    lora_status s;
    size_t i, m;
    if (n == 1 && !tok->byte_gaps) {
        if ((s = lora__ids_reserve(ids, 1)) != LORA_OK) return s;
        ids->v[ids->n++] = tok->byte_id[w[0]];
        return LORA_OK;
    }
    if (tok->ignore_merges) {
        int32_t id = lora__vocab_lookup(tok, w, n);
        if (id >= 0) {
            if ((s = lora__ids_reserve(ids, 1)) != LORA_OK) return s;
            ids->v[ids->n++] = id;
            return LORA_OK;
        }
    }
    if (tok->word_slot) {
        int32_t id = lora__word_find(tok, w, n);
        if (id >= 0) {
            if ((s = lora__ids_reserve(ids, 1)) != LORA_OK) return s;
            ids->v[ids->n++] = id;
            return LORA_OK;
        }
    }
    if ((s = lora__scratch_reserve(sc, n)) != LORA_OK) return s;
    if (tok->byte_gaps) { /* HF's BPE: a byte without a token is dropped, or unk (fused when fuse_unk) */
        size_t k = 0;
        for (i = 0; i < n; i++) {
            int32_t id = tok->byte_id[w[i]];
            if (id == -2) {
                if (tok->unk < 0 || (tok->fuse_unk && k && sc->sym[k - 1] == tok->unk && i && tok->byte_id[w[i - 1]] == -2)) continue;
                id = tok->unk;
            }
            sc->sym[k++] = id;
        }
        m = k < 2 ? k : k > LORA__LONG_WORD ? lora__bpe_long(tok, sc, k) : lora__bpe_short(tok, sc, k);
    } else {
        for (i = 0; i < n; i++) sc->sym[i] = tok->byte_id[w[i]];
        m = n > LORA__LONG_WORD ? lora__bpe_long(tok, sc, n) : lora__bpe_short(tok, sc, n);
    }
    if ((s = lora__ids_reserve(ids, m)) != LORA_OK) return s;
    memcpy(ids->v + ids->n, sc->sym, m * sizeof(int32_t));
    ids->n += m;
    return LORA_OK;
}

static lora_status lora__encode_text(const lora_tokenizer *tok, lora__scratch *sc, const unsigned char *s, size_t n, lora__ids *ids) {
    size_t i = 0;
    if (tok->digits) { /* Digits first (HF: char::is_numeric, i.e. \p{N}), then the pattern within the rest */
        while (i < n) {
            int c;
            size_t k = lora__unit(s + i, n - i, &c), e = i + k;
            lora_status st;
            if (c == LORA__NUMBER) {
                if (tok->digits == 2) e = lora__run_end(s, n, e, LORA__NUMBER);
                st = lora__bpe(tok, sc, s + i, e - i, ids);
            } else {
                while (e < n) {
                    size_t k2 = lora__unit(s + e, n - e, &c);
                    if (c == LORA__NUMBER) break;
                    e += k2;
                }
                for (; i < e; i += k) {
                    k = lora__pretoken(s + i, e - i);
                    if ((st = lora__bpe(tok, sc, s + i, k, ids)) != LORA_OK) return st;
                }
                continue;
            }
            if (st != LORA_OK) return st;
            i = e;
        }
        return LORA_OK;
    }
    while (i < n) {
        size_t k = tok->pretok == LORA__PRE_GPT2 ? lora__pretoken(s + i, n - i)
                 : lora__pretoken_split(s + i, n - i, tok->pretok == LORA__PRE_LLAMA3 ? 3 : 1);
        lora_status st = lora__bpe(tok, sc, s + i, k, ids);
        if (st != LORA_OK) return st;
        i += k;
    }
    return LORA_OK;
}

/* A section of text between added tokens: normalized (NFC when the file asks for it), then
   pre-tokenized and BPE-encoded. */
static lora_status lora__encode_section(const lora_tokenizer *tok, lora__scratch *sc, const unsigned char *s, size_t n,
                                        lora__ids *ids) {
    if (n && tok->nfc && !lora__is_nfc(s, n)) {
        unsigned char *norm = NULL;
        size_t m = 0;
        lora_status st = lora__nfc(s, n, &norm, &m);
        if (st != LORA_OK) return st;
        st = lora__encode_text(tok, sc, norm, m, ids);
        LORA_FREE(norm);
        return st;
    }
    return lora__encode_text(tok, sc, s, n, ids);
}

/* Whitespace (JavaScript's \s, the class table's) ending at s[n) / starting at s: its length. */
static size_t lora__trailing_space(const unsigned char *s, size_t n) {
    size_t i = 0, end = n;
    while (i < n) { /* forward scan: UTF-8 cannot be walked backwards safely if invalid */
        int c;
        size_t k = lora__unit(s + i, n - i, &c);
        if (c != LORA__SPACE) end = i + k;
        i += k;
    }
    return n - end;
}
static size_t lora__leading_space(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        int c;
        size_t k = lora__unit(s + i, n - i, &c);
        if (c != LORA__SPACE) break;
        i += k;
    }
    return i;
}

LORA_API lora_status lora_encode(const lora_tokenizer *tok, const char *text, size_t len, int allow_special,
                                 int32_t **ids_out, size_t *n_ids) {
    const unsigned char *s = (const unsigned char *)text;
    lora__scratch sc;
    lora__ids ids;
    lora_status st = LORA_OK;
    size_t start = 0, i = 0, skip = 0;
    if (ids_out) *ids_out = NULL;
    if (n_ids) *n_ids = 0;
    if (!tok || !ids_out || !n_ids || (!text && len))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_encode: NULL argument");
    memset(&sc, 0, sizeof sc);
    memset(&ids, 0, sizeof ids);
    if ((st = lora__ids_reserve(&ids, len / 4 + 16)) != LORA_OK) return st;
    /* added tokens: leftmost, longest first; special ones only with allow_special */
    while (tok->n_added && i < len) {
        const lora__added *hit = NULL;
        size_t k, hl = 0;
        if (tok->added_first[s[i]]) {
            for (k = 0; k < tok->n_added; k++) {
                const lora__added *a = &tok->added[k];
                size_t al = tok->off[a->id + 1] - tok->off[a->id];
                if ((a->special && !allow_special) || al > len - i) continue;
                if (memcmp(s + i, tok->blob + tok->off[a->id], al) == 0) { hit = a; hl = al; break; }
            }
        }
        if (!hit) { i++; continue; }
        {
            size_t a0 = start + skip, e = i;
            if (a0 > e) a0 = e;
            if (hit->lstrip) e -= lora__trailing_space(s + a0, e - a0);
            if ((st = lora__encode_section(tok, &sc, s + a0, e - a0, &ids)) != LORA_OK) goto done;
        }
        if ((st = lora__ids_reserve(&ids, 1)) != LORA_OK) goto done;
        ids.v[ids.n++] = hit->id;
        i += hl;
        start = i;
        skip = hit->rstrip ? lora__leading_space(s + i, len - i) : 0;
    }
    if (start + skip > len) skip = len - start;
    st = lora__encode_section(tok, &sc, s + start + skip, len - start - skip, &ids);
done:
    lora__scratch_free(&sc);
    if (st != LORA_OK) { LORA_FREE(ids.v); return st; }
    *ids_out = ids.v;
    *n_ids = ids.n;
    return LORA_OK;
}

LORA_API const char *lora_token_bytes(const lora_tokenizer *tok, int32_t id, size_t *len) {
    if (len) *len = 0;
    if (!tok || id < 0 || id >= tok->n_vocab || tok->off[id] == tok->off[id + 1]) return NULL;
    if (len) *len = tok->off[id + 1] - tok->off[id];
    return tok->blob + tok->off[id];
}

LORA_API lora_status lora_decode(const lora_tokenizer *tok, const int32_t *ids, size_t n_ids, char **text, size_t *len) {
    size_t i, total = 0;
    char *out;
    if (text) *text = NULL;
    if (len) *len = 0;
    if (!tok || !text || !len || (!ids && n_ids)) return lora__fail(LORA_ERR_INVALID_ARG, "lora_decode: NULL argument");
    for (i = 0; i < n_ids; i++) {
        int32_t id = ids[i];
        if (id < 0 || id >= tok->n_vocab || tok->off[id] == tok->off[id + 1])
            return lora__fail(LORA_ERR_RANGE, "lora_decode: id %ld at position %zu is not in the vocabulary (size %d)",
                              (long)id, i, (int)tok->n_vocab);
        total += tok->off[id + 1] - tok->off[id];
    }
    out = (char *)lora__malloc(total + 1, "decoded text");
    if (!out) return LORA_ERR_OOM;
    total = 0;
    for (i = 0; i < n_ids; i++) {
        uint32_t a = tok->off[ids[i]], b = tok->off[ids[i] + 1];
        memcpy(out + total, tok->blob + a, b - a);
        total += b - a;
    }
    out[total] = 0;
    *text = out;
    *len = total;
    return LORA_OK;
}

LORA_API int lora_tokenizer_vocab_size(const lora_tokenizer *tok) { return tok ? (int)tok->n_vocab : 0; }
LORA_API int32_t lora_tokenizer_eos(const lora_tokenizer *tok) { return tok ? tok->eot : -1; }
LORA_API int32_t lora_tokenizer_bos(const lora_tokenizer *tok) { return tok ? tok->bos : -1; }
LORA_API lora_chat_template lora_tokenizer_chat(const lora_tokenizer *tok, const char **default_system, int *think) {
    if (default_system) *default_system = tok ? tok->chat_system : NULL;
    if (think) *think = tok ? tok->chat_think : 0;
    return tok ? (lora_chat_template)tok->chat : LORA_CHAT_PLAIN;
}

LORA_API void lora_tokenizer_free(lora_tokenizer *tok) {
    if (!tok) return;
    LORA_FREE(tok->blob);
    LORA_FREE(tok->off);
    LORA_FREE(tok->merges);
    LORA_FREE(tok->word_slot);
    LORA_FREE(tok->vocab_slot);
    LORA_FREE(tok->added);
    LORA_FREE(tok->chat_system);
    LORA_FREE(tok);
}

/* ---- loading ---- */

/* Printable rendering of a symbol for error messages (at most ~60 bytes shown). */
static const char *lora__show(const char *s, size_t n, char *buf, size_t cap) {
    size_t i, o = 0;
    for (i = 0; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') buf[o++] = (char)c;
        else o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", c);
    }
    if (i < n && o + 4 <= cap) { memcpy(buf + o, "...", 3); o += 3; }
    buf[o] = 0;
    return buf;
}

/* Byte-level symbol (UTF-8 text over the bytes_to_unicode alphabet) -> bytes. out needs n
   bytes. Returns the byte length, or -1 if s holds a character outside the alphabet. */
static long lora__symbol_bytes(const int16_t *u2b, const char *s, size_t n, unsigned char *out) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = lora__tok_utf8_decode(p + i, n - i, &cp);
        if (!k || cp >= 324 || u2b[cp] < 0) return -1;
        out[o++] = (unsigned char)u2b[cp];
        i += k;
    }
    return (long)o;
}

/* bytes -> id map used while loading (open addressing over ids, -1 = free) */
typedef struct lora__vocab_map { int32_t *slot; uint32_t bits; const lora_tokenizer *tok; const uint32_t *len; } lora__vocab_map;
static int32_t *lora__vocab_slot(const lora__vocab_map *m, const unsigned char *s, size_t n) {
    uint32_t mask = (1u << m->bits) - 1, h = lora__hash_bytes(s, n, m->bits);
    for (;;) {
        int32_t *slot = &m->slot[h], id = *slot;
        if (id < 0) return slot;
        if (m->len[id] == n && memcmp(m->tok->blob + m->tok->off[id], s, n) == 0) return slot;
        h = (h + 1) & mask;
    }
}
static int32_t lora__vocab_find(const lora__vocab_map *m, const unsigned char *s, size_t n) { return *lora__vocab_slot(m, s, n); }

static uint32_t lora__bits_for(size_t n) { /* table size >= 2n, at least 16 */
    uint32_t bits = 4;
    while (bits < 31 && ((size_t)1 << bits) < 2 * n) bits++;
    return bits;
}

static lora_status lora__load_vocab_obj(lora_tokenizer *tok, const lora_json *root, const char *vname,
                                        const int16_t *u2b, lora__vocab_map *map, uint32_t **len_out) {
    lora_status st;
    size_t i, total = 0, pos = 0;
    int32_t max_id = -1;
    uint32_t *len = NULL;
    char show[96];
    *len_out = NULL;
    if (root->type != LORA_JSON_OBJECT)
        return lora__fail(LORA_ERR_FORMAT, "%s: expected a JSON object mapping token strings to ids", vname);
    if (root->n == 0) return lora__fail(LORA_ERR_FORMAT, "%s: the vocabulary is empty", vname);
    for (i = 0; i < root->n; i++) {
        const lora_json *v = &root->items[i];
        double d = v->number;
        if (v->type != LORA_JSON_NUMBER || !(d >= 0 && d < LORA__MAX_ID) || d != (double)(int32_t)d) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): expected an integer id in [0, %d)", vname, i + 1,
                            lora__show(root->keys[i], root->key_lens[i], show, sizeof show), LORA__MAX_ID);
            goto fail;
        }
        if (root->key_lens[i] == 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu: empty token string", vname, i + 1);
            goto fail;
        }
        if ((int32_t)d > max_id) max_id = (int32_t)d;
        total += root->key_lens[i];
    }
    tok->n_vocab = max_id + 1;
    tok->blob = (char *)lora__malloc(total, "vocabulary bytes");
    tok->off = (uint32_t *)lora__calloc((size_t)tok->n_vocab + 1, sizeof(uint32_t), "vocabulary offsets");
    len = (uint32_t *)lora__calloc((size_t)tok->n_vocab + 1, sizeof(uint32_t), "vocabulary lengths");
    map->bits = lora__bits_for(root->n);
    map->slot = (int32_t *)lora__malloc(((size_t)1 << map->bits) * sizeof(int32_t), "vocabulary hash table");
    map->tok = tok; map->len = len;
    if (!tok->blob || !tok->off || !len || !map->slot) { st = LORA_ERR_OOM; goto fail; }
    memset(map->slot, 0xFF, ((size_t)1 << map->bits) * sizeof(int32_t));
    for (i = 0; i < root->n; i++) {
        int32_t id = (int32_t)root->items[i].number, *slot;
        long n = lora__symbol_bytes(u2b, root->keys[i], root->key_lens[i], (unsigned char *)tok->blob + pos);
        if (n < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): not a byte-level BPE token (characters must be "
                            "bytes_to_unicode's)", vname, i + 1, lora__show(root->keys[i], root->key_lens[i], show, sizeof show));
            goto fail;
        }
        if (len[id]) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): id %ld is used twice", vname, i + 1,
                            lora__show(root->keys[i], root->key_lens[i], show, sizeof show), (long)id);
            goto fail;
        }
        tok->off[id] = (uint32_t)pos;
        len[id] = (uint32_t)n;
        slot = lora__vocab_slot(map, (const unsigned char *)tok->blob + pos, (size_t)n);
        if (*slot >= 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): duplicate token (ids %ld and %ld)", vname, i + 1,
                            lora__show(root->keys[i], root->key_lens[i], show, sizeof show), (long)*slot, (long)id);
            goto fail;
        }
        *slot = id;
        pos += (size_t)n;
    }
    *len_out = len;
    return LORA_OK;
fail:
    LORA_FREE(len);
    return st;
}

static lora_status lora__load_vocab(lora_tokenizer *tok, const char *vocab, size_t vocab_len, const char *vname,
                                    const int16_t *u2b, lora__vocab_map *map, uint32_t **len_out) {
    lora_json *root = NULL;
    lora_status st;
    *len_out = NULL;
    if (vocab_len >= 0xFFFFFFFFu) return lora__fail(LORA_ERR_UNSUPPORTED, "%s: vocabulary file too large (%zu bytes)", vname, vocab_len);
    st = lora_json_parse(vocab, vocab_len, vname, &root);
    if (st != LORA_OK) return st;
    st = lora__load_vocab_obj(tok, root, vname, u2b, map, len_out);
    lora_json_free(root);
    return st;
}

/* Allocates the merge table for up to n merges. */
static lora_status lora__merges_alloc(lora_tokenizer *tok, size_t n) {
    size_t i;
    tok->merge_bits = lora__bits_for(n);
    tok->merges = (lora__merge_slot *)lora__malloc(((size_t)1 << tok->merge_bits) * sizeof(lora__merge_slot), "merge table");
    if (!tok->merges) return LORA_ERR_OOM;
    for (i = 0; i < ((size_t)1 << tok->merge_bits); i++) tok->merges[i].key = LORA__EMPTY_KEY;
    return LORA_OK;
}

/* Adds the merge of symbols a[0..ka) and b[0..kb) with the next rank; buf holds ka + kb bytes.
   Returns 0, or what is wrong: 1/2 = a/b is not a byte-level symbol, 3/4 = a/b is not in the
   vocabulary, 5 = their concatenation is not. */
static int lora__merge_add(lora_tokenizer *tok, const lora__vocab_map *map, const int16_t *u2b, unsigned char *buf,
                           const char *a_s, size_t ka, const char *b_s, size_t kb) {
    long la = lora__symbol_bytes(u2b, a_s, ka, buf), lb;
    int32_t a, b, c;
    uint64_t key;
    uint32_t h, mask = (1u << tok->merge_bits) - 1;
    if (la < 0) return 1;
    lb = lora__symbol_bytes(u2b, b_s, kb, buf + la);
    if (lb < 0) return 2;
    a = lora__vocab_find(map, buf, (size_t)la);
    if (a < 0) return 3;
    b = lora__vocab_find(map, buf + la, (size_t)lb);
    if (b < 0) return 4;
    c = lora__vocab_find(map, buf, (size_t)(la + lb));
    if (c < 0) return 5;
    /* a pair listed twice keeps its last rank, as Python's dict(zip(merges, ranks)) */
    key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    h = lora__hash64(key, tok->merge_bits);
    while (tok->merges[h].key != LORA__EMPTY_KEY && tok->merges[h].key != key) h = (h + 1) & mask;
    tok->merges[h].key = key;
    tok->merges[h].rank = (uint32_t)tok->n_merges++;
    tok->merges[h].id = c;
    return 0;
}

static const char *lora__merge_problem(int e) {
    switch (e) {
    case 1: case 2: return "is not a byte-level BPE symbol";
    case 3: case 4: return "is not in the vocabulary";
    default: return "the merged symbol is not in the vocabulary";
    }
}

static lora_status lora__load_merges(lora_tokenizer *tok, const char *text, size_t n, const char *mname,
                                     const int16_t *u2b, const lora__vocab_map *map) {
    size_t i, lines = 1, line = 0, max_line = 0;
    unsigned char *buf;
    char show[96];
    lora_status st = LORA_OK;
    for (i = 0; i < n; i++) {
        if (text[i] == '\n') { lines++; line = 0; }
        else if (++line > max_line) max_line = line;
    }
    if ((st = lora__merges_alloc(tok, lines)) != LORA_OK) return st;
    buf = (unsigned char *)lora__malloc(2 * max_line + 1, "merge symbols");
    if (!buf) return LORA_ERR_OOM;
    line = 0;
    for (i = 0; i < n;) {
        const char *s = text + i, *nl = (const char *)memchr(s, '\n', n - i), *sp;
        size_t k = nl ? (size_t)(nl - s) : n - i, ka;
        int e;
        i += k + (nl != NULL);
        line++;
        if (k && s[k - 1] == '\r') k--;
        if (k == 0 || (k >= 8 && memcmp(s, "#version", 8) == 0)) continue;
        sp = (const char *)memchr(s, ' ', k);
        ka = sp ? (size_t)(sp - s) : 0;
        if (!sp || ka == 0 || ka + 1 == k || memchr(sp + 1, ' ', k - ka - 1)) {
            st = lora__fail(LORA_ERR_FORMAT, "%s:%zu: expected two symbols separated by one space, found \"%s\"", mname,
                            line, lora__show(s, k, show, sizeof show));
            break;
        }
        e = lora__merge_add(tok, map, u2b, buf, s, ka, sp + 1, k - ka - 1);
        if (e) {
            if (e == 5) lora__show(s, k, show, sizeof show);
            else if (e == 1 || e == 3) lora__show(s, ka, show, sizeof show);
            else lora__show(sp + 1, k - ka - 1, show, sizeof show);
            st = lora__fail(LORA_ERR_FORMAT, e == 3 || e == 4 ? "%s:%zu: symbol \"%s\" %s" :
                            e == 5 ? "%s:%zu: \"%s\": %s" : "%s:%zu: \"%s\" %s", mname, line, show, lora__merge_problem(e));
            break;
        }
    }
    LORA_FREE(buf);
    return st;
}

/* tokenizer.json's model.merges: "a b" strings or [a, b] pairs. */
static lora_status lora__load_merges_json(lora_tokenizer *tok, const lora_json *arr, const char *path,
                                          const int16_t *u2b, const lora__vocab_map *map) {
    size_t i, max_len = 0;
    unsigned char *buf;
    char show[96];
    lora_status st = LORA_OK;
    if (arr->type != LORA_JSON_ARRAY)
        return lora__fail(LORA_ERR_FORMAT, "%s: model.merges: expected an array, found %s", path, lora_json_type_name(arr->type));
    for (i = 0; i < arr->n; i++) {
        const lora_json *m = &arr->items[i];
        size_t l = m->type == LORA_JSON_STRING ? m->len
                 : (m->type == LORA_JSON_ARRAY && m->n == 2 && m->items[0].type == LORA_JSON_STRING &&
                    m->items[1].type == LORA_JSON_STRING) ? m->items[0].len + m->items[1].len : (size_t)-1;
        if (l == (size_t)-1)
            return lora__fail(LORA_ERR_FORMAT, "%s: model.merges[%zu]: expected \"left right\" or [\"left\", \"right\"], "
                              "found %s", path, i, lora_json_type_name(m->type));
        if (l > max_len) max_len = l;
    }
    if ((st = lora__merges_alloc(tok, arr->n)) != LORA_OK) return st;
    buf = (unsigned char *)lora__malloc(max_len + 1, "merge symbols");
    if (!buf) return LORA_ERR_OOM;
    for (i = 0; i < arr->n; i++) {
        const lora_json *m = &arr->items[i];
        const char *a, *b;
        size_t ka, kb;
        int e;
        if (m->type == LORA_JSON_STRING) {
            const char *sp = (const char *)memchr(m->str, ' ', m->len);
            ka = sp ? (size_t)(sp - m->str) : 0;
            if (!sp || ka == 0 || ka + 1 == m->len || memchr(sp + 1, ' ', m->len - ka - 1)) {
                st = lora__fail(LORA_ERR_FORMAT, "%s: model.merges[%zu]: expected two symbols separated by one space, "
                                "found \"%s\"", path, i, lora__show(m->str, m->len, show, sizeof show));
                break;
            }
            a = m->str; b = sp + 1; kb = m->len - ka - 1;
        } else {
            a = m->items[0].str; ka = m->items[0].len;
            b = m->items[1].str; kb = m->items[1].len;
            if (!ka || !kb) {
                st = lora__fail(LORA_ERR_FORMAT, "%s: model.merges[%zu]: empty symbol", path, i);
                break;
            }
        }
        e = lora__merge_add(tok, map, u2b, buf, a, ka, b, kb);
        if (e) {
            if (e == 1 || e == 3) lora__show(a, ka, show, sizeof show);
            else if (e == 2 || e == 4) lora__show(b, kb, show, sizeof show);
            else { size_t o = strlen(lora__show(a, ka, show, sizeof show)); if (o + 2 < sizeof show) { show[o] = ' '; lora__show(b, kb, show + o + 1, sizeof show - o - 1); } }
            st = lora__fail(LORA_ERR_FORMAT, "%s: model.merges[%zu]: \"%s\" %s", path, i, show, lora__merge_problem(e));
            break;
        }
    }
    LORA_FREE(buf);
    return st;
}

/* Finds the tokens that BPE maps their own bytes to, for lora__word_find. */
static lora_status lora__build_words(lora_tokenizer *tok) {
    lora__scratch sc;
    lora_status st = LORA_OK;
    size_t count = 0, i, m, n;
    int32_t id;
    unsigned char *whole = (unsigned char *)lora__calloc((size_t)tok->n_vocab, 1, "vocabulary flags");
    if (!whole) return LORA_ERR_OOM;
    memset(&sc, 0, sizeof sc);
    for (id = 0; id < tok->n_vocab; id++) {
        const unsigned char *w = (const unsigned char *)tok->blob + tok->off[id];
        n = tok->off[id + 1] - tok->off[id];
        if (n < 2) continue;
        if ((st = lora__scratch_reserve(&sc, n)) != LORA_OK) goto done;
        for (i = 0; i < n && tok->byte_id[w[i]] >= 0; i++) sc.sym[i] = tok->byte_id[w[i]];
        if (i < n) continue; /* holds a byte without a token */
        m = n > LORA__LONG_WORD ? lora__bpe_long(tok, &sc, n) : lora__bpe_short(tok, &sc, n);
        if (m == 1 && sc.sym[0] == id) { whole[id] = 1; count++; if (n > tok->max_word) tok->max_word = n; }
    }
    tok->word_bits = lora__bits_for(count);
    tok->word_slot = (int32_t *)lora__malloc(((size_t)1 << tok->word_bits) * sizeof(int32_t), "word table");
    if (!tok->word_slot) { st = LORA_ERR_OOM; goto done; }
    memset(tok->word_slot, 0xFF, ((size_t)1 << tok->word_bits) * sizeof(int32_t));
    for (id = 0; id < tok->n_vocab; id++) {
        uint32_t h, mask = (1u << tok->word_bits) - 1;
        if (!whole[id]) continue;
        h = lora__hash_bytes((const unsigned char *)tok->blob + tok->off[id], tok->off[id + 1] - tok->off[id], tok->word_bits);
        while (tok->word_slot[h] >= 0) h = (h + 1) & mask;
        tok->word_slot[h] = id;
    }
done:
    lora__scratch_free(&sc);
    LORA_FREE(whole);
    return st;
}

/* An added token as read from a file (content: its text, not byte-level symbols). */
typedef struct lora__added_src {
    int32_t id;
    const char *content;
    size_t len;
    int special, lstrip, rstrip;
} lora__added_src;

static int lora__added_cmp(const lora__added *x, const lora__added *y, const lora_tokenizer *tok) {
    uint32_t lx = tok->off[x->id + 1] - tok->off[x->id], ly = tok->off[y->id + 1] - tok->off[y->id];
    if (lx != ly) return lx > ly ? -1 : 1; /* longest first */
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Everything after the vocabulary and merges are read: the byte tokens, the layout in id order
   (with the added tokens' text), the lookup tables. Takes over len and map.slot. */
static lora_status lora__finish(lora_tokenizer *tok, lora__vocab_map *map, uint32_t *len, const char *vname,
                                const lora__added_src *add, size_t n_add, int byte_fallback, int allow_gaps) {
    lora_status st = LORA_OK;
    int32_t i, n_model = tok->n_vocab, n_all = tok->n_vocab;
    int32_t *added_at = NULL;
    size_t k, total = 0, pos = 0;
    char *blob = NULL;
    uint32_t *off = NULL;
    int b;
    for (b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        tok->byte_id[b] = lora__vocab_find(map, &c, 1);
        if (tok->byte_id[b] < 0 && byte_fallback) {
            char fb[8];
            snprintf(fb, sizeof fb, "<0x%02X>", b);
            tok->byte_id[b] = lora__vocab_find(map, (const unsigned char *)fb, 6);
        }
        if (tok->byte_id[b] < 0 && allow_gaps) { /* a restricted alphabet (SmolLM2): dropped or unk, as HF does */
            tok->byte_id[b] = -2;
            tok->byte_gaps = 1;
        } else if (tok->byte_id[b] < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: no token for the byte 0x%02X (a byte-level vocabulary needs all 256)", vname, b);
            goto done;
        }
    }
    tok->eot = lora__vocab_find(map, (const unsigned char *)"<|endoftext|>", 13);
    for (k = 0; k < n_add; k++) if (add[k].id + 1 > n_all) n_all = add[k].id + 1;
    added_at = (int32_t *)lora__malloc(((size_t)n_all + 1) * sizeof(int32_t), "added token index");
    if (!added_at) { st = LORA_ERR_OOM; goto done; }
    for (i = 0; i < n_all; i++) added_at[i] = -1;
    for (k = 0; k < n_add; k++) added_at[add[k].id] = (int32_t)k;
    /* the tokens were stored in file order; lay them out in id order, so that token i is
       blob[off[i] .. off[i + 1]) */
    for (i = 0; i < n_all; i++) total += added_at[i] >= 0 ? add[added_at[i]].len : i < n_model ? len[i] : 0;
    blob = (char *)lora__malloc(total ? total : 1, "vocabulary bytes");
    off = (uint32_t *)lora__malloc(((size_t)n_all + 1) * sizeof(uint32_t), "vocabulary offsets");
    if (!blob || !off) { st = LORA_ERR_OOM; goto done; }
    if (total >= 0xFFFFFFFFu) { st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: vocabulary too large", vname); goto done; }
    for (i = 0; i < n_all; i++) {
        off[i] = (uint32_t)pos;
        if (added_at[i] >= 0) {
            memcpy(blob + pos, add[added_at[i]].content, add[added_at[i]].len);
            pos += add[added_at[i]].len;
        } else if (i < n_model) {
            memcpy(blob + pos, tok->blob + tok->off[i], len[i]);
            pos += len[i];
        }
    }
    off[n_all] = (uint32_t)pos;
    LORA_FREE(tok->blob); LORA_FREE(tok->off);
    tok->blob = blob; tok->off = off; blob = NULL; off = NULL;
    tok->n_vocab = n_all;
    LORA_FREE(map->slot);
    map->slot = NULL;
    if (tok->ignore_merges) { /* the model vocabulary by bytes */
        uint32_t mask;
        size_t count = 0;
        for (i = 0; i < n_model; i++) count += len[i] != 0 && added_at[i] < 0;
        tok->vocab_bits = lora__bits_for(count);
        tok->vocab_slot = (int32_t *)lora__malloc(((size_t)1 << tok->vocab_bits) * sizeof(int32_t), "vocabulary table");
        if (!tok->vocab_slot) { st = LORA_ERR_OOM; goto done; }
        memset(tok->vocab_slot, 0xFF, ((size_t)1 << tok->vocab_bits) * sizeof(int32_t));
        mask = (1u << tok->vocab_bits) - 1;
        for (i = 0; i < n_model; i++) {
            uint32_t h;
            if (!len[i] || added_at[i] >= 0) continue;
            h = lora__hash_bytes((const unsigned char *)tok->blob + tok->off[i], len[i], tok->vocab_bits);
            while (tok->vocab_slot[h] >= 0) h = (h + 1) & mask;
            tok->vocab_slot[h] = i;
        }
    }
    if (n_add) {
        tok->added = (lora__added *)lora__malloc(n_add * sizeof(lora__added), "added tokens");
        if (!tok->added) { st = LORA_ERR_OOM; goto done; }
        for (k = 0; k < n_add; k++) { /* insertion sort: a few hundred at most */
            lora__added x;
            size_t j = k;
            x.id = add[k].id; x.special = (unsigned char)add[k].special;
            x.lstrip = (unsigned char)add[k].lstrip; x.rstrip = (unsigned char)add[k].rstrip;
            while (j > 0 && lora__added_cmp(&x, &tok->added[j - 1], tok) < 0) { tok->added[j] = tok->added[j - 1]; j--; }
            tok->added[j] = x;
            tok->added_first[(unsigned char)add[k].content[0]] = 1;
        }
        tok->n_added = n_add;
    }
    st = lora__build_words(tok);
done:
    LORA_FREE(added_at);
    LORA_FREE(blob);
    LORA_FREE(off);
    LORA_FREE(len);
    LORA_FREE(map->slot);
    map->slot = NULL;
    return st;
}

static lora_status lora__load(const char *vocab, size_t vocab_len, const char *vname, const char *merges,
                              size_t merges_len, const char *mname, lora_tokenizer **out) {
    lora_tokenizer *tok;
    lora__vocab_map map;
    uint32_t *len = NULL;
    int16_t u2b[324];
    lora_status st;
    lora__added_src eot;
    *out = NULL;
    memset(&map, 0, sizeof map);
    tok = (lora_tokenizer *)lora__calloc(1, sizeof *tok, "tokenizer");
    if (!tok) return LORA_ERR_OOM;
    tok->bos = -1;
    tok->unk = -1;
    lora__unicode_to_byte_table(u2b);
    st = lora__load_vocab(tok, vocab, vocab_len, vname, u2b, &map, &len);
    if (st == LORA_OK) st = lora__load_merges(tok, merges, merges_len, mname, u2b, &map);
    if (st != LORA_OK) { LORA_FREE(len); LORA_FREE(map.slot); lora_tokenizer_free(tok); return st; }
    /* "<|endoftext|>" is the one special token of the GPT-2 files */
    eot.id = lora__vocab_find(&map, (const unsigned char *)"<|endoftext|>", 13);
    eot.content = "<|endoftext|>"; eot.len = 13; eot.special = 1; eot.lstrip = eot.rstrip = 0;
    st = lora__finish(tok, &map, len, vname, &eot, eot.id >= 0, 0, 0);
    if (st != LORA_OK) { lora_tokenizer_free(tok); return st; }
    tok->chat = LORA_CHAT_PLAIN;
    *out = tok;
    return LORA_OK;
}

/* ---- Hugging Face tokenizer.json ---- */
static int lora__json_is(const lora_json *o, const char *key, const char *value) {
    const char *s = lora_json_get_string(o, key);
    return s && strcmp(s, value) == 0;
}
/* a boolean member, def when absent or null; -1 when of another type */
static int lora__json_flag(const lora_json *o, const char *key, int def) {
    const lora_json *v = lora_json_get(o, key);
    if (!v || v->type == LORA_JSON_NULL) return def;
    if (v->type == LORA_JSON_TRUE) return 1;
    if (v->type == LORA_JSON_FALSE) return 0;
    return -1;
}

static const char lora__re_llama3[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char lora__re_qwen2[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char lora__re_gpt2[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/* ByteLevel with add_prefix_space false; use_regex (default true) must be want_regex */
static lora_status lora__hf_bytelevel(const lora_json *p, int want_regex, const char *path) {
    int aps = lora__json_flag(p, "add_prefix_space", 1), ur = lora__json_flag(p, "use_regex", 1);
    if (aps != 0)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer ByteLevel with add_prefix_space true is not supported", path);
    if (ur != want_regex)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer ByteLevel with use_regex %s after %s is not supported", path,
                          ur ? "true" : "false", want_regex ? "nothing" : "a Split");
    return LORA_OK;
}

static lora_status lora__hf_pretokenizer(lora_tokenizer *tok, const lora_json *p, const char *path) {
    char show[96];
    const lora_json *seq, *split, *pat;
    const char *re;
    if (!p || p->type == LORA_JSON_NULL)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: no pre_tokenizer: only byte-level BPE (ByteLevel) is supported", path);
    if (p->type == LORA_JSON_OBJECT && lora__json_is(p, "type", "ByteLevel")) {
        tok->pretok = LORA__PRE_GPT2;
        return lora__hf_bytelevel(p, 1, path);
    }
    seq = lora__json_is(p, "type", "Sequence") ? lora_json_get(p, "pretokenizers") : NULL;
    if (!seq || seq->type != LORA_JSON_ARRAY || seq->n < 1 || seq->n > 2)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer: supported are ByteLevel, a Sequence of Digits and "
                          "ByteLevel, or a Sequence of a Split with the GPT-2, Llama 3 or Qwen2 pattern and ByteLevel", path);
    if (seq->n == 1) {
        if (!lora__json_is(&seq->items[0], "type", "ByteLevel"))
            return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer: a Sequence of one %s is not supported", path,
                              lora_json_get_string(&seq->items[0], "type") ? lora_json_get_string(&seq->items[0], "type") : "?");
        tok->pretok = LORA__PRE_GPT2;
        return lora__hf_bytelevel(&seq->items[0], 1, path);
    }
    split = &seq->items[0];
    if (lora__json_is(split, "type", "Digits") && lora__json_is(&seq->items[1], "type", "ByteLevel")) { /* SmolLM2 */
        int ind = lora__json_flag(split, "individual_digits", 0);
        if (ind < 0) return lora__fail(LORA_ERR_FORMAT, "%s: pre_tokenizer Digits: individual_digits must be a boolean", path);
        tok->digits = ind ? 1 : 2;
        tok->pretok = LORA__PRE_GPT2;
        return lora__hf_bytelevel(&seq->items[1], 1, path);
    }
    if (!lora__json_is(split, "type", "Split") || !lora__json_is(&seq->items[1], "type", "ByteLevel"))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer: expected a Sequence of Split and ByteLevel", path);
    pat = lora_json_get(split, "pattern");
    re = pat ? lora_json_get_string(pat, "Regex") : NULL;
    if (!re)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer Split: only a \"Regex\" pattern is supported", path);
    if (!lora__json_is(split, "behavior", "Isolated") || lora__json_flag(split, "invert", 0) != 0)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer Split: only behavior Isolated without invert is supported", path);
    if (strcmp(re, lora__re_llama3) == 0) tok->pretok = LORA__PRE_LLAMA3;
    else if (strcmp(re, lora__re_qwen2) == 0) tok->pretok = LORA__PRE_QWEN2;
    else if (strcmp(re, lora__re_gpt2) == 0) tok->pretok = LORA__PRE_GPT2;
    else
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer Split: the pattern \"%s\" is not supported (known: the "
                          "GPT-2, Llama 3 and Qwen2 patterns)", path, lora__show(re, strlen(re), show, sizeof show));
    return lora__hf_bytelevel(&seq->items[1], 0, path);
}

static lora_status lora__hf_normalizer(lora_tokenizer *tok, const lora_json *p, const char *path) {
    size_t i;
    const lora_json *seq;
    if (!p || p->type == LORA_JSON_NULL) return LORA_OK;
    if (lora__json_is(p, "type", "NFC")) { tok->nfc = 1; return LORA_OK; }
    seq = lora__json_is(p, "type", "Sequence") ? lora_json_get(p, "normalizers") : NULL;
    if (seq && seq->type == LORA_JSON_ARRAY) {
        for (i = 0; i < seq->n; i++) {
            if (!lora__json_is(&seq->items[i], "type", "NFC")) break;
            tok->nfc = 1;
        }
        if (i == seq->n) return LORA_OK;
    }
    return lora__fail(LORA_ERR_UNSUPPORTED, "%s: normalizer %s is not supported (only NFC)", path,
                      lora_json_get_string(p, "type") ? lora_json_get_string(p, "type") : "?");
}

/* "eos_token": "<|x|>" or {"content": "<|x|>", ...} */
static const char *lora__config_token(const lora_json *cfg, const char *key) {
    const lora_json *v = lora_json_get(cfg, key);
    if (!v) return NULL;
    if (v->type == LORA_JSON_STRING) return v->str;
    if (v->type == LORA_JSON_OBJECT) return lora_json_get_string(v, "content");
    return NULL;
}

LORA_API int32_t lora_tokenizer_find(const lora_tokenizer *tok, const char *text, size_t len) {
    size_t k;
    int32_t id;
    if (!tok || (!text && len)) return -1;
    for (k = 0; k < tok->n_added; k++) {
        id = tok->added[k].id;
        if (tok->off[id + 1] - tok->off[id] == len && memcmp(tok->blob + tok->off[id], text, len) == 0) return id;
    }
    for (id = 0; id < tok->n_vocab; id++)
        if (tok->off[id + 1] - tok->off[id] == len && memcmp(tok->blob + tok->off[id], text, len) == 0) return id;
    return -1;
}
static int32_t lora__find_str(const lora_tokenizer *tok, const char *s) { return s ? lora_tokenizer_find(tok, s, strlen(s)) : -1; }

/* The chat template of tokenizer_config.json: which family, its default system prompt (the text
   written as '<|im_start|>system\n...<|im_end|>' when the conversation has none, as in Qwen2.5's
   and SmolLM2's templates), Qwen3's empty think block. */
static lora_status lora__hf_chat(lora_tokenizer *tok, const char *tmpl) {
    static const char head[] = "<|im_start|>system";
    const char *p;
    if (lora__find_str(tok, "<|im_start|>") >= 0 && lora__find_str(tok, "<|im_end|>") >= 0) tok->chat = LORA_CHAT_CHATML;
    else if (lora__find_str(tok, "<|start_header_id|>") >= 0 && lora__find_str(tok, "<|end_header_id|>") >= 0 &&
             lora__find_str(tok, "<|eot_id|>") >= 0) tok->chat = LORA_CHAT_LLAMA3;
    else tok->chat = LORA_CHAT_PLAIN;
    if (!tmpl || tok->chat != LORA_CHAT_CHATML) return LORA_OK;
    tok->chat_think = strstr(tmpl, "reasoning_content") != NULL && strstr(tmpl, "</think>") != NULL;
    for (p = strstr(tmpl, head); p; p = strstr(p + 1, head)) {
        const char *q = p + sizeof head - 1, *e;
        if (q[0] == '\n') q += 1;
        else if (q[0] == '\\' && q[1] == 'n') q += 2;
        else continue;
        e = strstr(q, "<|im_end|>");
        if (!e || e == q) continue;
        {
            size_t n = (size_t)(e - q), i;
            for (i = 0; i < n; i++) if (q[i] == '\'' || q[i] == '"' || q[i] == '{' || q[i] == '}' || q[i] == '\\' || q[i] == '+') break;
            if (i < n) continue;
            tok->chat_system = (char *)lora__malloc(n + 1, "default system prompt");
            if (!tok->chat_system) return LORA_ERR_OOM;
            memcpy(tok->chat_system, q, n);
            tok->chat_system[n] = 0;
            return LORA_OK;
        }
    }
    return LORA_OK;
}

static lora_status lora__load_hf(const char *text, size_t n, const char *path, const char *cfg_text, size_t cfg_len,
                                 const char *cfg_path, lora_tokenizer **out) {
    lora_json *root = NULL, *cfg = NULL;
    const lora_json *model, *v, *added;
    lora_tokenizer *tok = NULL;
    lora__vocab_map map;
    lora__added_src *add = NULL;
    size_t n_add = 0, i;
    uint32_t *len = NULL;
    int16_t u2b[324];
    int byte_fallback, f;
    char vname[600];
    lora_status st;
    const char *s;
    *out = NULL;
    memset(&map, 0, sizeof map);
    if (n >= 0xFFFFFFFFu) return lora__fail(LORA_ERR_UNSUPPORTED, "%s: file too large (%zu bytes)", path, n);
    if ((st = lora_json_parse(text, n, path, &root)) != LORA_OK) return st;
    if (cfg_text && (st = lora_json_parse(cfg_text, cfg_len, cfg_path, &cfg)) != LORA_OK) goto fail;
    tok = (lora_tokenizer *)lora__calloc(1, sizeof *tok, "tokenizer");
    if (!tok) { st = LORA_ERR_OOM; goto fail; }
    tok->bos = -1;
    model = lora_json_get(root, "model");
    if (!model || model->type != LORA_JSON_OBJECT) { st = lora__fail(LORA_ERR_FORMAT, "%s: no \"model\" object", path); goto fail; }
    if (!lora__json_is(model, "type", "BPE")) {
        s = lora_json_get_string(model, "type");
        st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: model.type is \"%s\": only BPE (byte-level) is supported", path, s ? s : "?");
        goto fail;
    }
    if ((v = lora_json_get(model, "dropout")) && v->type != LORA_JSON_NULL) {
        st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: model.dropout is set: BPE dropout is not supported", path);
        goto fail;
    }
    if (((s = lora_json_get_string(model, "continuing_subword_prefix")) && *s) ||
        ((s = lora_json_get_string(model, "end_of_word_suffix")) && *s)) {
        st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: model: continuing_subword_prefix / end_of_word_suffix \"%s\" is not "
                        "supported", path, s);
        goto fail;
    }
    byte_fallback = lora__json_flag(model, "byte_fallback", 0);
    f = lora__json_flag(model, "ignore_merges", 0);
    if (byte_fallback < 0 || f < 0) {
        st = lora__fail(LORA_ERR_FORMAT, "%s: model.byte_fallback / model.ignore_merges must be booleans", path);
        goto fail;
    }
    tok->ignore_merges = f;
    if ((st = lora__hf_normalizer(tok, lora_json_get(root, "normalizer"), path)) != LORA_OK) goto fail;
    if ((st = lora__hf_pretokenizer(tok, lora_json_get(root, "pre_tokenizer"), path)) != LORA_OK) goto fail;
    v = lora_json_get(root, "decoder");
    if (v && v->type != LORA_JSON_NULL && !lora__json_is(v, "type", "ByteLevel")) {
        s = lora_json_get_string(v, "type");
        st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: decoder %s is not supported (only ByteLevel)", path, s ? s : "?");
        goto fail;
    }
    v = lora_json_get(model, "vocab");
    if (!v) { st = lora__fail(LORA_ERR_FORMAT, "%s: no model.vocab", path); goto fail; }
    snprintf(vname, sizeof vname, "%s: model.vocab", path);
    lora__unicode_to_byte_table(u2b);
    if ((st = lora__load_vocab_obj(tok, v, vname, u2b, &map, &len)) != LORA_OK) goto fail;
    v = lora_json_get(model, "merges");
    if (!v) { st = lora__fail(LORA_ERR_FORMAT, "%s: no model.merges", path); goto fail; }
    if ((st = lora__load_merges_json(tok, v, path, u2b, &map)) != LORA_OK) goto fail;
    tok->unk = -1;
    if ((s = lora_json_get_string(model, "unk_token")) != NULL) {
        tok->unk = lora__vocab_find(&map, (const unsigned char *)s, strlen(s));
        if (tok->unk < 0) { /* HF would fail on the first unknown byte: fail now */
            st = lora__fail(LORA_ERR_FORMAT, "%s: model.unk_token \"%s\" is not in the vocabulary", path, s);
            goto fail;
        }
    }
    tok->fuse_unk = lora__json_flag(model, "fuse_unk", 0) == 1;
    added = lora_json_get(root, "added_tokens");
    if (added && added->type != LORA_JSON_NULL) {
        if (added->type != LORA_JSON_ARRAY) { st = lora__fail(LORA_ERR_FORMAT, "%s: added_tokens: expected an array", path); goto fail; }
        add = (lora__added_src *)lora__calloc(added->n ? added->n : 1, sizeof *add, "added tokens");
        if (!add) { st = LORA_ERR_OOM; goto fail; }
        for (i = 0; i < added->n; i++) {
            const lora_json *a = &added->items[i], *c = lora_json_get(a, "content");
            int64_t id;
            int sw = lora__json_flag(a, "single_word", 0);
            if (!lora_json_get(a, "id") || !lora_json_int64(lora_json_get(a, "id"), &id) || id < 0 || id >= LORA__MAX_ID ||
                !c || c->type != LORA_JSON_STRING || c->len == 0) {
                st = lora__fail(LORA_ERR_FORMAT, "%s: added_tokens[%zu]: expected {\"id\": an integer in [0, %d), \"content\": "
                                "a non-empty string, ...}", path, i, LORA__MAX_ID);
                goto fail;
            }
            if (sw != 0) {
                st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: added_tokens[%zu] (\"%s\"): single_word is not supported", path, i, c->str);
                goto fail;
            }
            add[n_add].id = (int32_t)id;
            add[n_add].content = c->str;
            add[n_add].len = c->len;
            add[n_add].special = lora__json_flag(a, "special", 0) == 1;
            add[n_add].lstrip = lora__json_flag(a, "lstrip", 0) == 1;
            add[n_add].rstrip = lora__json_flag(a, "rstrip", 0) == 1;
            n_add++;
        }
    }
    st = lora__finish(tok, &map, len, vname, add, n_add, byte_fallback, 1);
    len = NULL;
    if (st != LORA_OK) goto fail;
    /* eos / bos: tokenizer_config.json, else the usual names */
    tok->eot = lora__find_str(tok, cfg ? lora__config_token(cfg, "eos_token") : NULL);
    if (tok->eot < 0) tok->eot = lora__find_str(tok, "<|endoftext|>");
    if (tok->eot < 0) tok->eot = lora__find_str(tok, "<|end_of_text|>");
    tok->bos = lora__find_str(tok, cfg ? lora__config_token(cfg, "bos_token") : NULL);
    if (tok->bos < 0 && !cfg) tok->bos = lora__find_str(tok, "<|begin_of_text|>");
    s = NULL;
    if (cfg && (v = lora_json_get(cfg, "chat_template")) != NULL) {
        if (v->type == LORA_JSON_STRING) s = v->str;
        else if (v->type == LORA_JSON_ARRAY)
            for (i = 0; i < v->n; i++)
                if (lora__json_is(&v->items[i], "name", "default")) s = lora_json_get_string(&v->items[i], "template");
    }
    if ((st = lora__hf_chat(tok, s)) != LORA_OK) goto fail;
    LORA_FREE(add);
    lora_json_free(root);
    lora_json_free(cfg);
    *out = tok;
    return LORA_OK;
fail:
    LORA_FREE(add);
    LORA_FREE(len);
    LORA_FREE(map.slot);
    lora_json_free(root);
    lora_json_free(cfg);
    lora_tokenizer_free(tok);
    return st;
}

LORA_API lora_status lora_tokenizer_load_memory(const char *vocab_json, size_t vocab_len, const char *merges,
                                                size_t merges_len, lora_tokenizer **out) {
    if (out) *out = NULL;
    if (!out || (!vocab_json && vocab_len) || (!merges && merges_len))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load_memory: NULL argument");
    return lora__load(vocab_json ? vocab_json : "", vocab_len, "vocab JSON", merges ? merges : "", merges_len, "merges", out);
}

LORA_API lora_status lora_tokenizer_load_files(const char *vocab_json_path, const char *merges_path, lora_tokenizer **out) {
    char *v = NULL, *m = NULL;
    size_t vn = 0, mn = 0;
    lora_status st;
    if (out) *out = NULL;
    if (!vocab_json_path || !merges_path || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load_files: NULL argument");
    st = lora__read_file(vocab_json_path, &v, &vn);
    if (st == LORA_OK) st = lora__read_file(merges_path, &m, &mn);
    if (st == LORA_OK) st = lora__load(v, vn, vocab_json_path, m, mn, merges_path, out);
    LORA_FREE(v);
    LORA_FREE(m);
    return st;
}

static int lora__file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

LORA_API lora_status lora_tokenizer_load_hf_memory(const char *tokenizer_json, size_t len, const char *config_json,
                                                   size_t config_len, lora_tokenizer **out) {
    if (out) *out = NULL;
    if (!out || (!tokenizer_json && len) || (!config_json && config_len))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load_hf_memory: NULL argument");
    return lora__load_hf(tokenizer_json ? tokenizer_json : "", len, "tokenizer.json", config_json, config_len,
                         "tokenizer_config.json", out);
}

/* tokenizer.json at path, with tokenizer_config.json beside it when present */
static lora_status lora__load_hf_file(const char *path, lora_tokenizer **out) {
    char *t = NULL, *c = NULL, *cpath = NULL;
    size_t tn = 0, cn = 0, dl;
    const char *slash = strrchr(path, '/');
    lora_status st = lora__read_file(path, &t, &tn);
#ifdef _WIN32
    if (strrchr(path, '\\') > slash) slash = strrchr(path, '\\');
#endif
    if (st != LORA_OK) return st;
    dl = slash ? (size_t)(slash - path) + 1 : 0;
    cpath = (char *)lora__malloc(dl + sizeof "tokenizer_config.json", "path");
    if (!cpath) { LORA_FREE(t); return LORA_ERR_OOM; }
    memcpy(cpath, path, dl);
    memcpy(cpath + dl, "tokenizer_config.json", sizeof "tokenizer_config.json");
    if (lora__file_exists(cpath) && (st = lora__read_file(cpath, &c, &cn)) != LORA_OK) goto done;
    st = lora__load_hf(t, tn, path, c, cn, cpath, out);
done:
    LORA_FREE(t);
    LORA_FREE(c);
    LORA_FREE(cpath);
    return st;
}

LORA_API lora_status lora_tokenizer_load(const char *dir, lora_tokenizer **out) {
    static const char *const names[2][2] = { { "encoder.json", "vocab.bpe" }, { "vocab.json", "merges.txt" } };
    int k;
    char *hf;
    size_t dl;
    if (out) *out = NULL;
    if (!dir || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load: NULL argument");
    dl = strlen(dir);
    if (dl >= 5 && strcmp(dir + dl - 5, ".json") == 0 && lora__file_exists(dir)) return lora__load_hf_file(dir, out);
    if (!(hf = lora__path_join(dir, "tokenizer.json"))) return LORA_ERR_OOM;
    if (lora__file_exists(hf)) {
        lora_status st = lora__load_hf_file(hf, out);
        LORA_FREE(hf);
        return st;
    }
    LORA_FREE(hf);
    for (k = 0; k < 2; k++) {
        char *v = lora__path_join(dir, names[k][0]), *m = lora__path_join(dir, names[k][1]);
        lora_status st = LORA_ERR_NOT_FOUND;
        if (!v || !m) st = LORA_ERR_OOM;
        else if (lora__file_exists(v)) st = lora_tokenizer_load_files(v, m, out);
        LORA_FREE(v);
        LORA_FREE(m);
        if (st != LORA_ERR_NOT_FOUND) return st;
    }
    return lora__fail(LORA_ERR_NOT_FOUND, "%s: no tokenizer found (expected tokenizer.json, encoder.json + vocab.bpe, or vocab.json + merges.txt)", dir);
}

/* ---- lora/81_unicode_tables.impl.c ---- */
/* GENERATED by tools/gen_unicode_tables.js from node v20.20.2 (Unicode 17.0); do not edit.
   Character classes of the GPT-2 pre-tokeniser as JavaScript's /\p{L}/u, /\p{N}/u and /\s/u
   define them: 1627 transitions, each (first code point << 2 | class), class
   0 = other, 1 = letter, 2 = number, 3 = whitespace. */
static const uint32_t lora__uclass_table[1627] = {
    0x0u, 0x27u, 0x38u, 0x83u, 0x84u, 0xc2u, 0xe8u, 0x105u,
    0x16cu, 0x185u, 0x1ecu, 0x283u, 0x284u, 0x2a9u, 0x2acu, 0x2cau,
    0x2d0u, 0x2d5u, 0x2d8u, 0x2e6u, 0x2e9u, 0x2ecu, 0x2f2u, 0x2fcu,
    0x301u, 0x35cu, 0x361u, 0x3dcu, 0x3e1u, 0xb08u, 0xb19u, 0xb48u,
    0xb81u, 0xb94u, 0xbb1u, 0xbb4u, 0xbb9u, 0xbbcu, 0xdc1u, 0xdd4u,
    0xdd9u, 0xde0u, 0xde9u, 0xdf8u, 0xdfdu, 0xe00u, 0xe19u, 0xe1cu,
    0xe21u, 0xe2cu, 0xe31u, 0xe34u, 0xe39u, 0xe88u, 0xe8du, 0xfd8u,
    0xfddu, 0x1208u, 0x1229u, 0x14c0u, 0x14c5u, 0x155cu, 0x1565u, 0x1568u,
    0x1581u, 0x1624u, 0x1741u, 0x17acu, 0x17bdu, 0x17ccu, 0x1881u, 0x192cu,
    0x1982u, 0x19a8u, 0x19b9u, 0x19c0u, 0x19c5u, 0x1b50u, 0x1b55u, 0x1b58u,
    0x1b95u, 0x1b9cu, 0x1bb9u, 0x1bc2u, 0x1be9u, 0x1bf4u, 0x1bfdu, 0x1c00u,
    0x1c41u, 0x1c44u, 0x1c49u, 0x1cc0u, 0x1d35u, 0x1e98u, 0x1ec5u, 0x1ec8u,
    0x1f02u, 0x1f29u, 0x1facu, 0x1fd1u, 0x1fd8u, 0x1fe9u, 0x1fecu, 0x2001u,
    0x2058u, 0x2069u, 0x206cu, 0x2091u, 0x2094u, 0x20a1u, 0x20a4u, 0x2101u,
    0x2164u, 0x2181u, 0x21acu, 0x21c1u, 0x2220u, 0x2225u, 0x2240u, 0x2281u,
    0x2328u, 0x2411u, 0x24e8u, 0x24f5u, 0x24f8u, 0x2541u, 0x2544u, 0x2561u,
    0x2588u, 0x259au, 0x25c0u, 0x25c5u, 0x2604u, 0x2615u, 0x2634u, 0x263du,
    0x2644u, 0x264du, 0x26a4u, 0x26a9u, 0x26c4u, 0x26c9u, 0x26ccu, 0x26d9u,
    0x26e8u, 0x26f5u, 0x26f8u, 0x2739u, 0x273cu, 0x2771u, 0x2778u, 0x277du,
    0x2788u, 0x279au, 0x27c1u, 0x27c8u, 0x27d2u, 0x27e8u, 0x27f1u, 0x27f4u,
    0x2815u, 0x282cu, 0x283du, 0x2844u, 0x284du, 0x28a4u, 0x28a9u, 0x28c4u,
    0x28c9u, 0x28d0u, 0x28d5u, 0x28dcu, 0x28e1u, 0x28e8u, 0x2965u, 0x2974u,
    0x2979u, 0x297cu, 0x299au, 0x29c0u, 0x29c9u, 0x29d4u, 0x2a15u, 0x2a38u,
    0x2a3du, 0x2a48u, 0x2a4du, 0x2aa4u, 0x2aa9u, 0x2ac4u, 0x2ac9u, 0x2ad0u,
    0x2ad5u, 0x2ae8u, 0x2af5u, 0x2af8u, 0x2b41u, 0x2b44u, 0x2b81u, 0x2b88u,
    0x2b9au, 0x2bc0u, 0x2be5u, 0x2be8u, 0x2c15u, 0x2c34u, 0x2c3du, 0x2c44u,
    0x2c4du, 0x2ca4u, 0x2ca9u, 0x2cc4u, 0x2cc9u, 0x2cd0u, 0x2cd5u, 0x2ce8u,
    0x2cf5u, 0x2cf8u, 0x2d71u, 0x2d78u, 0x2d7du, 0x2d88u, 0x2d9au, 0x2dc0u,
    0x2dc5u, 0x2dcau, 0x2de0u, 0x2e0du, 0x2e10u, 0x2e15u, 0x2e2cu, 0x2e39u,
    0x2e44u, 0x2e49u, 0x2e58u, 0x2e65u, 0x2e6cu, 0x2e71u, 0x2e74u, 0x2e79u,
    0x2e80u, 0x2e8du, 0x2e94u, 0x2ea1u, 0x2eacu, 0x2eb9u, 0x2ee8u, 0x2f41u,
    0x2f44u, 0x2f9au, 0x2fccu, 0x3015u, 0x3034u, 0x3039u, 0x3044u, 0x3049u,
    0x30a4u, 0x30a9u, 0x30e8u, 0x30f5u, 0x30f8u, 0x3161u, 0x316cu, 0x3171u,
    0x3178u, 0x3181u, 0x3188u, 0x319au, 0x31c0u, 0x31e2u, 0x31fcu, 0x3201u,
    0x3204u, 0x3215u, 0x3234u, 0x3239u, 0x3244u, 0x3249u, 0x32a4u, 0x32a9u,
    0x32d0u, 0x32d5u, 0x32e8u, 0x32f5u, 0x32f8u, 0x3371u, 0x337cu, 0x3381u,
    0x3388u, 0x339au, 0x33c0u, 0x33c5u, 0x33ccu, 0x3411u, 0x3434u, 0x3439u,
    0x3444u, 0x3449u, 0x34ecu, 0x34f5u, 0x34f8u, 0x3539u, 0x353cu, 0x3551u,
    0x355cu, 0x3562u, 0x357du, 0x3588u, 0x359au, 0x35e4u, 0x35e9u, 0x3600u,
    0x3615u, 0x365cu, 0x3669u, 0x36c8u, 0x36cdu, 0x36f0u, 0x36f5u, 0x36f8u,
    0x3701u, 0x371cu, 0x379au, 0x37c0u, 0x3805u, 0x38c4u, 0x38c9u, 0x38d0u,
    0x3901u, 0x391cu, 0x3942u, 0x3968u, 0x3a05u, 0x3a0cu, 0x3a11u, 0x3a14u,
    0x3a19u, 0x3a2cu, 0x3a31u, 0x3a90u, 0x3a95u, 0x3a98u, 0x3a9du, 0x3ac4u,
    0x3ac9u, 0x3ad0u, 0x3af5u, 0x3af8u, 0x3b01u, 0x3b14u, 0x3b19u, 0x3b1cu,
    0x3b42u, 0x3b68u, 0x3b71u, 0x3b80u, 0x3c01u, 0x3c04u, 0x3c82u, 0x3cd0u,
    0x3d01u, 0x3d20u, 0x3d25u, 0x3db4u, 0x3e21u, 0x3e34u, 0x4001u, 0x40acu,
    0x40fdu, 0x4102u, 0x4128u, 0x4141u, 0x4158u, 0x4169u, 0x4178u, 0x4185u,
    0x4188u, 0x4195u, 0x419cu, 0x41b9u, 0x41c4u, 0x41d5u, 0x4208u, 0x4239u,
    0x423cu, 0x4242u, 0x4268u, 0x4281u, 0x4318u, 0x431du, 0x4320u, 0x4335u,
    0x4338u, 0x4341u, 0x43ecu, 0x43f1u, 0x4924u, 0x4929u, 0x4938u, 0x4941u,
    0x495cu, 0x4961u, 0x4964u, 0x4969u, 0x4978u, 0x4981u, 0x4a24u, 0x4a29u,
    0x4a38u, 0x4a41u, 0x4ac4u, 0x4ac9u, 0x4ad8u, 0x4ae1u, 0x4afcu, 0x4b01u,
    0x4b04u, 0x4b09u, 0x4b18u, 0x4b21u, 0x4b5cu, 0x4b61u, 0x4c44u, 0x4c49u,
    0x4c58u, 0x4c61u, 0x4d6cu, 0x4da6u, 0x4df4u, 0x4e01u, 0x4e40u, 0x4e81u,
    0x4fd8u, 0x4fe1u, 0x4ff8u, 0x5005u, 0x59b4u, 0x59bdu, 0x5a03u, 0x5a05u,
    0x5a6cu, 0x5a81u, 0x5bacu, 0x5bbau, 0x5bc5u, 0x5be4u, 0x5c01u, 0x5c48u,
    0x5c7du, 0x5cc8u, 0x5d01u, 0x5d48u, 0x5d81u, 0x5db4u, 0x5db9u, 0x5dc4u,
    0x5e01u, 0x5ed0u, 0x5f5du, 0x5f60u, 0x5f71u, 0x5f74u, 0x5f82u, 0x5fa8u,
    0x5fc2u, 0x5fe8u, 0x6042u, 0x6068u, 0x6081u, 0x61e4u, 0x6201u, 0x6214u,
    0x621du, 0x62a4u, 0x62a9u, 0x62acu, 0x62c1u, 0x63d8u, 0x6401u, 0x647cu,
    0x651au, 0x6541u, 0x65b8u, 0x65c1u, 0x65d4u, 0x6601u, 0x66b0u, 0x66c1u,
    0x6728u, 0x6742u, 0x676cu, 0x6801u, 0x685cu, 0x6881u, 0x6954u, 0x6a02u,
    0x6a28u, 0x6a42u, 0x6a68u, 0x6a9du, 0x6aa0u, 0x6c15u, 0x6cd0u, 0x6d15u,
    0x6d34u, 0x6d42u, 0x6d68u, 0x6e0du, 0x6e84u, 0x6eb9u, 0x6ec2u, 0x6ee9u,
    0x6f98u, 0x7001u, 0x7090u, 0x7102u, 0x7128u, 0x7135u, 0x7142u, 0x7169u,
    0x71f8u, 0x7201u, 0x722cu, 0x7241u, 0x72ecu, 0x72f5u, 0x7300u, 0x73a5u,
    0x73b4u, 0x73b9u, 0x73d0u, 0x73d5u, 0x73dcu, 0x73e9u, 0x73ecu, 0x7401u,
    0x7700u, 0x7801u, 0x7c58u, 0x7c61u, 0x7c78u, 0x7c81u, 0x7d18u, 0x7d21u,
    0x7d38u, 0x7d41u, 0x7d60u, 0x7d65u, 0x7d68u, 0x7d6du, 0x7d70u, 0x7d75u,
    0x7d78u, 0x7d7du, 0x7df8u, 0x7e01u, 0x7ed4u, 0x7ed9u, 0x7ef4u, 0x7ef9u,
    0x7efcu, 0x7f09u, 0x7f14u, 0x7f19u, 0x7f34u, 0x7f41u, 0x7f50u, 0x7f59u,
    0x7f70u, 0x7f81u, 0x7fb4u, 0x7fc9u, 0x7fd4u, 0x7fd9u, 0x7ff4u, 0x8003u,
    0x802cu, 0x80a3u, 0x80a8u, 0x80bfu, 0x80c0u, 0x817fu, 0x8180u, 0x81c2u,
    0x81c5u, 0x81c8u, 0x81d2u, 0x81e8u, 0x81fdu, 0x8202u, 0x8228u, 0x8241u,
    0x8274u, 0x8409u, 0x840cu, 0x841du, 0x8420u, 0x8429u, 0x8450u, 0x8455u,
    0x8458u, 0x8465u, 0x8478u, 0x8491u, 0x8494u, 0x8499u, 0x849cu, 0x84a1u,
    0x84a4u, 0x84a9u, 0x84b8u, 0x84bdu, 0x84e8u, 0x84f1u, 0x8500u, 0x8515u,
    0x8528u, 0x8539u, 0x853cu, 0x8542u, 0x860du, 0x8616u, 0x8628u, 0x9182u,
    0x9270u, 0x93aau, 0x9400u, 0x9ddau, 0x9e50u, 0xb001u, 0xb394u, 0xb3adu,
    0xb3bcu, 0xb3c9u, 0xb3d0u, 0xb3f6u, 0xb3f8u, 0xb401u, 0xb498u, 0xb49du,
    0xb4a0u, 0xb4b5u, 0xb4b8u, 0xb4c1u, 0xb5a0u, 0xb5bdu, 0xb5c0u, 0xb601u,
    0xb65cu, 0xb681u, 0xb69cu, 0xb6a1u, 0xb6bcu, 0xb6c1u, 0xb6dcu, 0xb6e1u,
    0xb6fcu, 0xb701u, 0xb71cu, 0xb721u, 0xb73cu, 0xb741u, 0xb75cu, 0xb761u,
    0xb77cu, 0xb8bdu, 0xb8c0u, 0xc003u, 0xc004u, 0xc015u, 0xc01eu, 0xc020u,
    0xc086u, 0xc0a8u, 0xc0c5u, 0xc0d8u, 0xc0e2u, 0xc0edu, 0xc0f4u, 0xc105u,
    0xc25cu, 0xc275u, 0xc280u, 0xc285u, 0xc3ecu, 0xc3f1u, 0xc400u, 0xc415u,
    0xc4c0u, 0xc4c5u, 0xc63cu, 0xc64au, 0xc658u, 0xc681u, 0xc700u, 0xc7c1u,
    0xc800u, 0xc882u, 0xc8a8u, 0xc922u, 0xc940u, 0xc946u, 0xc980u, 0xca02u,
    0xca28u, 0xcac6u, 0xcb00u, 0xd001u, 0x13700u, 0x13801u, 0x29234u, 0x29341u,
    0x293f8u, 0x29401u, 0x29834u, 0x29841u, 0x29882u, 0x298a9u, 0x298b0u, 0x29901u,
    0x299bcu, 0x299fdu, 0x29a78u, 0x29a81u, 0x29b9au, 0x29bc0u, 0x29c5du, 0x29c80u,
    0x29c89u, 0x29e24u, 0x29e2du, 0x29f74u, 0x29fc5u, 0x2a008u, 0x2a00du, 0x2a018u,
    0x2a01du, 0x2a02cu, 0x2a031u, 0x2a08cu, 0x2a0c2u, 0x2a0d8u, 0x2a101u, 0x2a1d0u,
    0x2a209u, 0x2a2d0u, 0x2a342u, 0x2a368u, 0x2a3c9u, 0x2a3e0u, 0x2a3edu, 0x2a3f0u,
    0x2a3f5u, 0x2a3fcu, 0x2a402u, 0x2a429u, 0x2a498u, 0x2a4c1u, 0x2a51cu, 0x2a581u,
    0x2a5f4u, 0x2a611u, 0x2a6ccu, 0x2a73du, 0x2a742u, 0x2a768u, 0x2a781u, 0x2a794u,
    0x2a799u, 0x2a7c2u, 0x2a7e9u, 0x2a7fcu, 0x2a801u, 0x2a8a4u, 0x2a901u, 0x2a90cu,
    0x2a911u, 0x2a930u, 0x2a942u, 0x2a968u, 0x2a981u, 0x2a9dcu, 0x2a9e9u, 0x2a9ecu,
    0x2a9f9u, 0x2aac0u, 0x2aac5u, 0x2aac8u, 0x2aad5u, 0x2aadcu, 0x2aae5u, 0x2aaf8u,
    0x2ab01u, 0x2ab04u, 0x2ab09u, 0x2ab0cu, 0x2ab6du, 0x2ab78u, 0x2ab81u, 0x2abacu,
    0x2abc9u, 0x2abd4u, 0x2ac05u, 0x2ac1cu, 0x2ac25u, 0x2ac3cu, 0x2ac45u, 0x2ac5cu,
    0x2ac81u, 0x2ac9cu, 0x2aca1u, 0x2acbcu, 0x2acc1u, 0x2ad6cu, 0x2ad71u, 0x2ada8u,
    0x2adc1u, 0x2af8cu, 0x2afc2u, 0x2afe8u, 0x2b001u, 0x35e90u, 0x35ec1u, 0x35f1cu,
    0x35f2du, 0x35ff0u, 0x3e401u, 0x3e9b8u, 0x3e9c1u, 0x3eb68u, 0x3ec01u, 0x3ec1cu,
    0x3ec4du, 0x3ec60u, 0x3ec75u, 0x3ec78u, 0x3ec7du, 0x3eca4u, 0x3eca9u, 0x3ecdcu,
    0x3ece1u, 0x3ecf4u, 0x3ecf9u, 0x3ecfcu, 0x3ed01u, 0x3ed08u, 0x3ed0du, 0x3ed14u,
    0x3ed19u, 0x3eec8u, 0x3ef4du, 0x3f4f8u, 0x3f541u, 0x3f640u, 0x3f649u, 0x3f720u,
    0x3f7c1u, 0x3f7f0u, 0x3f9c1u, 0x3f9d4u, 0x3f9d9u, 0x3fbf4u, 0x3fbffu, 0x3fc00u,
    0x3fc42u, 0x3fc68u, 0x3fc85u, 0x3fcecu, 0x3fd05u, 0x3fd6cu, 0x3fd99u, 0x3fefcu,
    0x3ff09u, 0x3ff20u, 0x3ff29u, 0x3ff40u, 0x3ff49u, 0x3ff60u, 0x3ff69u, 0x3ff74u,
    0x40001u, 0x40030u, 0x40035u, 0x4009cu, 0x400a1u, 0x400ecu, 0x400f1u, 0x400f8u,
    0x400fdu, 0x40138u, 0x40141u, 0x40178u, 0x40201u, 0x403ecu, 0x4041eu, 0x404d0u,
    0x40502u, 0x405e4u, 0x4062au, 0x40630u, 0x40a01u, 0x40a74u, 0x40a81u, 0x40b44u,
    0x40b86u, 0x40bf0u, 0x40c01u, 0x40c82u, 0x40c90u, 0x40cb5u, 0x40d06u, 0x40d09u,
    0x40d2au, 0x40d2cu, 0x40d41u, 0x40dd8u, 0x40e01u, 0x40e78u, 0x40e81u, 0x40f10u,
    0x40f21u, 0x40f40u, 0x40f46u, 0x40f58u, 0x41001u, 0x41278u, 0x41282u, 0x412a8u,
    0x412c1u, 0x41350u, 0x41361u, 0x413f0u, 0x41401u, 0x414a0u, 0x414c1u, 0x41590u,
    0x415c1u, 0x415ecu, 0x415f1u, 0x4162cu, 0x41631u, 0x4164cu, 0x41651u, 0x41658u,
    0x4165du, 0x41688u, 0x4168du, 0x416c8u, 0x416cdu, 0x416e8u, 0x416edu, 0x416f4u,
    0x41701u, 0x417d0u, 0x41801u, 0x41cdcu, 0x41d01u, 0x41d58u, 0x41d81u, 0x41da0u,
    0x41e01u, 0x41e18u, 0x41e1du, 0x41ec4u, 0x41ec9u, 0x41eecu, 0x42001u, 0x42018u,
    0x42021u, 0x42024u, 0x42029u, 0x420d8u, 0x420ddu, 0x420e4u, 0x420f1u, 0x420f4u,
    0x420fdu, 0x42158u, 0x42162u, 0x42181u, 0x421dcu, 0x421e6u, 0x42201u, 0x4227cu,
    0x4229eu, 0x422c0u, 0x42381u, 0x423ccu, 0x423d1u, 0x423d8u, 0x423eeu, 0x42401u,
    0x4245au, 0x42470u, 0x42481u, 0x424e8u, 0x42501u, 0x42568u, 0x42601u, 0x426e0u,
    0x426f2u, 0x426f9u, 0x42702u, 0x42740u, 0x4274au, 0x42801u, 0x42804u, 0x42841u,
    0x42850u, 0x42855u, 0x42860u, 0x42865u, 0x428d8u, 0x42902u, 0x42924u, 0x42981u,
    0x429f6u, 0x429fcu, 0x42a01u, 0x42a76u, 0x42a80u, 0x42b01u, 0x42b20u, 0x42b25u,
    0x42b94u, 0x42baeu, 0x42bc0u, 0x42c01u, 0x42cd8u, 0x42d01u, 0x42d58u, 0x42d62u,
    0x42d81u, 0x42dccu, 0x42de2u, 0x42e01u, 0x42e48u, 0x42ea6u, 0x42ec0u, 0x43001u,
    0x43124u, 0x43201u, 0x432ccu, 0x43301u, 0x433ccu, 0x433eau, 0x43401u, 0x43490u,
    0x434c2u, 0x434e8u, 0x43502u, 0x43529u, 0x43598u, 0x435bdu, 0x43618u, 0x43982u,
    0x439fcu, 0x43a01u, 0x43aa8u, 0x43ac1u, 0x43ac8u, 0x43b09u, 0x43b20u, 0x43c01u,
    0x43c76u, 0x43c9du, 0x43ca0u, 0x43cc1u, 0x43d18u, 0x43d46u, 0x43d54u, 0x43dc1u,
    0x43e08u, 0x43ec1u, 0x43f16u, 0x43f30u, 0x43f81u, 0x43fdcu, 0x4400du, 0x440e0u,
    0x4414au, 0x441c0u, 0x441c5u, 0x441ccu, 0x441d5u, 0x441d8u, 0x4420du, 0x442c0u,
    0x44341u, 0x443a4u, 0x443c2u, 0x443e8u, 0x4440du, 0x4449cu, 0x444dau, 0x44500u,
    0x44511u, 0x44514u, 0x4451du, 0x44520u, 0x44541u, 0x445ccu, 0x445d9u, 0x445dcu,
    0x4460du, 0x446ccu, 0x44705u, 0x44714u, 0x44742u, 0x44769u, 0x4476cu, 0x44771u,
    0x44774u, 0x44786u, 0x447d4u, 0x44801u, 0x44848u, 0x4484du, 0x448b0u, 0x448fdu,
    0x44904u, 0x44a01u, 0x44a1cu, 0x44a21u, 0x44a24u, 0x44a29u, 0x44a38u, 0x44a3du,
    0x44a78u, 0x44a7du, 0x44aa4u, 0x44ac1u, 0x44b7cu, 0x44bc2u, 0x44be8u, 0x44c15u,
    0x44c34u, 0x44c3du, 0x44c44u, 0x44c4du, 0x44ca4u, 0x44ca9u, 0x44cc4u, 0x44cc9u,
    0x44cd0u, 0x44cd5u, 0x44ce8u, 0x44cf5u, 0x44cf8u, 0x44d41u, 0x44d44u, 0x44d75u,
    0x44d88u, 0x44e01u, 0x44e28u, 0x44e2du, 0x44e30u, 0x44e39u, 0x44e3cu, 0x44e41u,
    0x44ed8u, 0x44eddu, 0x44ee0u, 0x44f45u, 0x44f48u, 0x44f4du, 0x44f50u, 0x45001u,
    0x450d4u, 0x4511du, 0x4512cu, 0x45142u, 0x45168u, 0x4517du, 0x45188u, 0x45201u,
    0x452c0u, 0x45311u, 0x45318u, 0x4531du, 0x45320u, 0x45342u, 0x45368u, 0x45601u,
    0x456bcu, 0x45761u, 0x45770u, 0x45801u, 0x458c0u, 0x45911u, 0x45914u, 0x45942u,
    0x45968u, 0x45a01u, 0x45aacu, 0x45ae1u, 0x45ae4u, 0x45b02u, 0x45b28u, 0x45b42u,
    0x45b90u, 0x45c01u, 0x45c6cu, 0x45cc2u, 0x45cf0u, 0x45d01u, 0x45d1cu, 0x46001u,
    0x460b0u, 0x46281u, 0x46382u, 0x463ccu, 0x463fdu, 0x4641cu, 0x46425u, 0x46428u,
    0x46431u, 0x46450u, 0x46455u, 0x4645cu, 0x46461u, 0x464c0u, 0x464fdu, 0x46500u,
    0x46505u, 0x46508u, 0x46542u, 0x46568u, 0x46681u, 0x466a0u, 0x466a9u, 0x46744u,
    0x46785u, 0x46788u, 0x4678du, 0x46790u, 0x46801u, 0x46804u, 0x4682du, 0x468ccu,
    0x468e9u, 0x468ecu, 0x46941u, 0x46944u, 0x46971u, 0x46a28u, 0x46a75u, 0x46a78u,
    0x46ac1u, 0x46be4u, 0x46f01u, 0x46f84u, 0x46fc2u, 0x46fe8u, 0x47001u, 0x47024u,
    0x47029u, 0x470bcu, 0x47101u, 0x47104u, 0x47142u, 0x471b4u, 0x471c9u, 0x47240u,
    0x47401u, 0x4741cu, 0x47421u, 0x47428u, 0x4742du, 0x474c4u, 0x47519u, 0x4751cu,
    0x47542u, 0x47568u, 0x47581u, 0x47598u, 0x4759du, 0x475a4u, 0x475a9u, 0x47628u,
    0x47661u, 0x47664u, 0x47682u, 0x476a8u, 0x476c1u, 0x47770u, 0x47782u, 0x477a8u,
    0x47b81u, 0x47bccu, 0x47c09u, 0x47c0cu, 0x47c11u, 0x47c44u, 0x47c49u, 0x47cd0u,
    0x47d42u, 0x47d68u, 0x47ec1u, 0x47ec4u, 0x47f02u, 0x47f54u, 0x48001u, 0x48e68u,
    0x49002u, 0x491bcu, 0x49201u, 0x49510u, 0x4be41u, 0x4bfc4u, 0x4c001u, 0x4d0c0u,
    0x4d105u, 0x4d11cu, 0x4d181u, 0x50fecu, 0x51001u, 0x5191cu, 0x58401u, 0x58478u,
    0x584c2u, 0x584e8u, 0x5a001u, 0x5a8e4u, 0x5a901u, 0x5a97cu, 0x5a982u, 0x5a9a8u,
    0x5a9c1u, 0x5aafcu, 0x5ab02u, 0x5ab28u, 0x5ab41u, 0x5abb8u, 0x5ac01u, 0x5acc0u,
    0x5ad01u, 0x5ad10u, 0x5ad42u, 0x5ad68u, 0x5ad6eu, 0x5ad88u, 0x5ad8du, 0x5ade0u,
    0x5adf5u, 0x5ae40u, 0x5b501u, 0x5b5b4u, 0x5b5c2u, 0x5b5e8u, 0x5b901u, 0x5ba02u,
    0x5ba5cu, 0x5ba81u, 0x5bae4u, 0x5baedu, 0x5bb50u, 0x5bc01u, 0x5bd2cu, 0x5bd41u,
    0x5bd44u, 0x5be4du, 0x5be80u, 0x5bf81u, 0x5bf88u, 0x5bf8du, 0x5bf90u, 0x5bfc9u,
    0x5bfd2u, 0x5bfdcu, 0x5c001u, 0x63358u, 0x633fdu, 0x6347cu, 0x63601u, 0x637ccu,
    0x6bfc1u, 0x6bfd0u, 0x6bfd5u, 0x6bff0u, 0x6bff5u, 0x6bffcu, 0x6c001u, 0x6c48cu,
    0x6c4c9u, 0x6c4ccu, 0x6c541u, 0x6c54cu, 0x6c555u, 0x6c558u, 0x6c591u, 0x6c5a0u,
    0x6c5c1u, 0x6cbf0u, 0x6f001u, 0x6f1acu, 0x6f1c1u, 0x6f1f4u, 0x6f201u, 0x6f224u,
    0x6f241u, 0x6f268u, 0x733c2u, 0x733e8u, 0x74b02u, 0x74b50u, 0x74b82u, 0x74bd0u,
    0x74d82u, 0x74de4u, 0x75001u, 0x75154u, 0x75159u, 0x75274u, 0x75279u, 0x75280u,
    0x75289u, 0x7528cu, 0x75295u, 0x7529cu, 0x752a5u, 0x752b4u, 0x752b9u, 0x752e8u,
    0x752edu, 0x752f0u, 0x752f5u, 0x75310u, 0x75315u, 0x75418u, 0x7541du, 0x7542cu,
    0x75435u, 0x75454u, 0x75459u, 0x75474u, 0x75479u, 0x754e8u, 0x754edu, 0x754fcu,
    0x75501u, 0x75514u, 0x75519u, 0x7551cu, 0x75529u, 0x75544u, 0x75549u, 0x75a98u,
    0x75aa1u, 0x75b04u, 0x75b09u, 0x75b6cu, 0x75b71u, 0x75becu, 0x75bf1u, 0x75c54u,
    0x75c59u, 0x75cd4u, 0x75cd9u, 0x75d3cu, 0x75d41u, 0x75dbcu, 0x75dc1u, 0x75e24u,
    0x75e29u, 0x75ea4u, 0x75ea9u, 0x75f0cu, 0x75f11u, 0x75f30u, 0x75f3au, 0x76000u,
    0x77c01u, 0x77c7cu, 0x77c95u, 0x77cacu, 0x780c1u, 0x781b8u, 0x78401u, 0x784b4u,
    0x784ddu, 0x784f8u, 0x78502u, 0x78528u, 0x78539u, 0x7853cu, 0x78a41u, 0x78ab8u,
    0x78b01u, 0x78bb0u, 0x78bc2u, 0x78be8u, 0x79341u, 0x793b0u, 0x793c2u, 0x793e8u,
    0x79741u, 0x797b8u, 0x797c1u, 0x797c6u, 0x797ecu, 0x79b01u, 0x79b7cu, 0x79b81u,
    0x79b8cu, 0x79b91u, 0x79b98u, 0x79b9du, 0x79bb8u, 0x79bc1u, 0x79bd4u, 0x79bf9u,
    0x79c00u, 0x79f81u, 0x79f9cu, 0x79fa1u, 0x79fb0u, 0x79fb5u, 0x79fbcu, 0x79fc1u,
    0x79ffcu, 0x7a001u, 0x7a314u, 0x7a31eu, 0x7a340u, 0x7a401u, 0x7a510u, 0x7a52du,
    0x7a530u, 0x7a542u, 0x7a568u, 0x7b1c6u, 0x7b2b0u, 0x7b2b6u, 0x7b2c0u, 0x7b2c6u,
    0x7b2d4u, 0x7b406u, 0x7b4b8u, 0x7b4beu, 0x7b4f8u, 0x7b801u, 0x7b810u, 0x7b815u,
    0x7b880u, 0x7b885u, 0x7b88cu, 0x7b891u, 0x7b894u, 0x7b89du, 0x7b8a0u, 0x7b8a5u,
    0x7b8ccu, 0x7b8d1u, 0x7b8e0u, 0x7b8e5u, 0x7b8e8u, 0x7b8edu, 0x7b8f0u, 0x7b909u,
    0x7b90cu, 0x7b91du, 0x7b920u, 0x7b925u, 0x7b928u, 0x7b92du, 0x7b930u, 0x7b935u,
    0x7b940u, 0x7b945u, 0x7b94cu, 0x7b951u, 0x7b954u, 0x7b95du, 0x7b960u, 0x7b965u,
    0x7b968u, 0x7b96du, 0x7b970u, 0x7b975u, 0x7b978u, 0x7b97du, 0x7b980u, 0x7b985u,
    0x7b98cu, 0x7b991u, 0x7b994u, 0x7b99du, 0x7b9acu, 0x7b9b1u, 0x7b9ccu, 0x7b9d1u,
    0x7b9e0u, 0x7b9e5u, 0x7b9f4u, 0x7b9f9u, 0x7b9fcu, 0x7ba01u, 0x7ba28u, 0x7ba2du,
    0x7ba70u, 0x7ba85u, 0x7ba90u, 0x7ba95u, 0x7baa8u, 0x7baadu, 0x7baf0u, 0x7c402u,
    0x7c434u, 0x7efc2u, 0x7efe8u, 0x80001u, 0xa9b80u, 0xa9c01u, 0xae078u, 0xae081u,
    0xb3ab8u, 0xb3ac1u, 0xbaf84u, 0xbafc1u, 0xbb978u, 0xbe001u, 0xbe878u, 0xc0001u,
    0xc4d2cu, 0xc4d41u, 0xcd1e8u,
};
static int lora__uclass(uint32_t cp) {
    size_t lo = 0, hi = sizeof lora__uclass_table / sizeof lora__uclass_table[0];
    uint32_t key = cp << 2 | 3u;
    while (hi - lo > 1) { /* invariant: table[lo] <= key < table[hi] */
        size_t mid = lo + (hi - lo) / 2;
        if (lora__uclass_table[mid] <= key) lo = mid; else hi = mid;
    }
    return (int)(lora__uclass_table[lo] & 3u);
}

/* NFC (Unicode 17.0 as node v20.20.2 normalizes; combining classes from
   Python's unicodedata 14.0.0, 56 newer ones derived from node): canonical combining class
   transitions (first code point << 8 | class); quick-check transitions (first code point << 1 |
   flag: the character may change under NFC or change its neighbours); full canonical
   decompositions without Hangul (code point, offset << 8 | length into lora__nfd_pool);
   primary compositions (first, second, composite), sorted. */
static const uint32_t lora__ccc_table[606] = {
    0x0u, 0x300e6u, 0x315e8u, 0x316dcu, 0x31ae8u, 0x31bd8u, 0x31cdcu, 0x321cau,
    0x323dcu, 0x327cau, 0x329dcu, 0x33401u, 0x339dcu, 0x33de6u, 0x345f0u, 0x346e6u,
    0x347dcu, 0x34ae6u, 0x34ddcu, 0x34f00u, 0x350e6u, 0x353dcu, 0x357e6u, 0x358e8u,
    0x359dcu, 0x35be6u, 0x35ce9u, 0x35deau, 0x35fe9u, 0x360eau, 0x362e9u, 0x363e6u,
    0x37000u, 0x483e6u, 0x48800u, 0x591dcu, 0x592e6u, 0x596dcu, 0x597e6u, 0x59adeu,
    0x59bdcu, 0x59ce6u, 0x5a2dcu, 0x5a8e6u, 0x5aadcu, 0x5abe6u, 0x5addeu, 0x5aee4u,
    0x5afe6u, 0x5b00au, 0x5b10bu, 0x5b20cu, 0x5b30du, 0x5b40eu, 0x5b50fu, 0x5b610u,
    0x5b711u, 0x5b812u, 0x5b913u, 0x5bb14u, 0x5bc15u, 0x5bd16u, 0x5be00u, 0x5bf17u,
    0x5c000u, 0x5c118u, 0x5c219u, 0x5c300u, 0x5c4e6u, 0x5c5dcu, 0x5c600u, 0x5c712u,
    0x5c800u, 0x610e6u, 0x6181eu, 0x6191fu, 0x61a20u, 0x61b00u, 0x64b1bu, 0x64c1cu,
    0x64d1du, 0x64e1eu, 0x64f1fu, 0x65020u, 0x65121u, 0x65222u, 0x653e6u, 0x655dcu,
    0x657e6u, 0x65cdcu, 0x65de6u, 0x65fdcu, 0x66000u, 0x67023u, 0x67100u, 0x6d6e6u,
    0x6dd00u, 0x6dfe6u, 0x6e3dcu, 0x6e4e6u, 0x6e500u, 0x6e7e6u, 0x6e900u, 0x6eadcu,
    0x6ebe6u, 0x6eddcu, 0x6ee00u, 0x71124u, 0x71200u, 0x730e6u, 0x731dcu, 0x732e6u,
    0x734dcu, 0x735e6u, 0x737dcu, 0x73ae6u, 0x73bdcu, 0x73de6u, 0x73edcu, 0x73fe6u,
    0x742dcu, 0x743e6u, 0x744dcu, 0x745e6u, 0x746dcu, 0x747e6u, 0x748dcu, 0x749e6u,
    0x74b00u, 0x7ebe6u, 0x7f2dcu, 0x7f3e6u, 0x7f400u, 0x7fddcu, 0x7fe00u, 0x816e6u,
    0x81a00u, 0x81be6u, 0x82400u, 0x825e6u, 0x82800u, 0x829e6u, 0x82e00u, 0x859dcu,
    0x85c00u, 0x897e6u, 0x899dcu, 0x89ce6u, 0x8a000u, 0x8cae6u, 0x8cfdcu, 0x8d4e6u,
    0x8e200u, 0x8e3dcu, 0x8e4e6u, 0x8e6dcu, 0x8e7e6u, 0x8e9dcu, 0x8eae6u, 0x8eddcu,
    0x8f01bu, 0x8f11cu, 0x8f21du, 0x8f3e6u, 0x8f6dcu, 0x8f7e6u, 0x8f9dcu, 0x8fbe6u,
    0x90000u, 0x93c07u, 0x93d00u, 0x94d09u, 0x94e00u, 0x951e6u, 0x952dcu, 0x953e6u,
    0x95500u, 0x9bc07u, 0x9bd00u, 0x9cd09u, 0x9ce00u, 0x9fee6u, 0x9ff00u, 0xa3c07u,
    0xa3d00u, 0xa4d09u, 0xa4e00u, 0xabc07u, 0xabd00u, 0xacd09u, 0xace00u, 0xb3c07u,
    0xb3d00u, 0xb4d09u, 0xb4e00u, 0xbcd09u, 0xbce00u, 0xc3c07u, 0xc3d00u, 0xc4d09u,
    0xc4e00u, 0xc5554u, 0xc565bu, 0xc5700u, 0xcbc07u, 0xcbd00u, 0xccd09u, 0xcce00u,
    0xd3b09u, 0xd3d00u, 0xd4d09u, 0xd4e00u, 0xdca09u, 0xdcb00u, 0xe3867u, 0xe3a09u,
    0xe3b00u, 0xe486bu, 0xe4c00u, 0xeb876u, 0xeba09u, 0xebb00u, 0xec87au, 0xecc00u,
    0xf18dcu, 0xf1a00u, 0xf35dcu, 0xf3600u, 0xf37dcu, 0xf3800u, 0xf39d8u, 0xf3a00u,
    0xf7181u, 0xf7282u, 0xf7300u, 0xf7484u, 0xf7500u, 0xf7a82u, 0xf7e00u, 0xf8082u,
    0xf8100u, 0xf82e6u, 0xf8409u, 0xf8500u, 0xf86e6u, 0xf8800u, 0xfc6dcu, 0xfc700u,
    0x103707u, 0x103800u, 0x103909u, 0x103b00u, 0x108ddcu, 0x108e00u, 0x135de6u, 0x136000u,
    0x171409u, 0x171600u, 0x173409u, 0x173500u, 0x17d209u, 0x17d300u, 0x17dde6u, 0x17de00u,
    0x18a9e4u, 0x18aa00u, 0x1939deu, 0x193ae6u, 0x193bdcu, 0x193c00u, 0x1a17e6u, 0x1a18dcu,
    0x1a1900u, 0x1a6009u, 0x1a6100u, 0x1a75e6u, 0x1a7d00u, 0x1a7fdcu, 0x1a8000u, 0x1ab0e6u,
    0x1ab5dcu, 0x1abbe6u, 0x1abddcu, 0x1abe00u, 0x1abfdcu, 0x1ac1e6u, 0x1ac3dcu, 0x1ac5e6u,
    0x1acadcu, 0x1acbe6u, 0x1adddcu, 0x1ade00u, 0x1ae0e6u, 0x1ae6dcu, 0x1ae7e6u, 0x1aebeau,
    0x1aec00u, 0x1b3407u, 0x1b3500u, 0x1b4409u, 0x1b4500u, 0x1b6be6u, 0x1b6cdcu, 0x1b6de6u,
    0x1b7400u, 0x1baa09u, 0x1bac00u, 0x1be607u, 0x1be700u, 0x1bf209u, 0x1bf400u, 0x1c3707u,
    0x1c3800u, 0x1cd0e6u, 0x1cd300u, 0x1cd401u, 0x1cd5dcu, 0x1cdae6u, 0x1cdcdcu, 0x1ce0e6u,
    0x1ce100u, 0x1ce201u, 0x1ce900u, 0x1ceddcu, 0x1cee00u, 0x1cf4e6u, 0x1cf500u, 0x1cf8e6u,
    0x1cfa00u, 0x1dc0e6u, 0x1dc2dcu, 0x1dc3e6u, 0x1dcadcu, 0x1dcbe6u, 0x1dcdeau, 0x1dced6u,
    0x1dcfdcu, 0x1dd0cau, 0x1dd1e6u, 0x1df6e8u, 0x1df7e4u, 0x1df9dcu, 0x1dfadau, 0x1dfbe6u,
    0x1dfce9u, 0x1dfddcu, 0x1dfee6u, 0x1dffdcu, 0x1e0000u, 0x20d0e6u, 0x20d201u, 0x20d4e6u,
    0x20d801u, 0x20dbe6u, 0x20dd00u, 0x20e1e6u, 0x20e200u, 0x20e501u, 0x20e7e6u, 0x20e8dcu,
    0x20e9e6u, 0x20ea01u, 0x20ecdcu, 0x20f0e6u, 0x20f100u, 0x2cefe6u, 0x2cf200u, 0x2d7f09u,
    0x2d8000u, 0x2de0e6u, 0x2e0000u, 0x302adau, 0x302be4u, 0x302ce8u, 0x302ddeu, 0x302ee0u,
    0x303000u, 0x309908u, 0x309b00u, 0xa66fe6u, 0xa67000u, 0xa674e6u, 0xa67e00u, 0xa69ee6u,
    0xa6a000u, 0xa6f0e6u, 0xa6f200u, 0xa80609u, 0xa80700u, 0xa82c09u, 0xa82d00u, 0xa8c409u,
    0xa8c500u, 0xa8e0e6u, 0xa8f200u, 0xa92bdcu, 0xa92e00u, 0xa95309u, 0xa95400u, 0xa9b307u,
    0xa9b400u, 0xa9c009u, 0xa9c100u, 0xaab0e6u, 0xaab100u, 0xaab2e6u, 0xaab4dcu, 0xaab500u,
    0xaab7e6u, 0xaab900u, 0xaabee6u, 0xaac000u, 0xaac1e6u, 0xaac200u, 0xaaf609u, 0xaaf700u,
    0xabed09u, 0xabee00u, 0xfb1e1au, 0xfb1f00u, 0xfe20e6u, 0xfe27dcu, 0xfe2ee6u, 0xfe3000u,
    0x101fddcu, 0x101fe00u, 0x102e0dcu, 0x102e100u, 0x10376e6u, 0x1037b00u, 0x10a0ddcu, 0x10a0e00u,
    0x10a0fe6u, 0x10a1000u, 0x10a38e6u, 0x10a3901u, 0x10a3adcu, 0x10a3b00u, 0x10a3f09u, 0x10a4000u,
    0x10ae5e6u, 0x10ae6dcu, 0x10ae700u, 0x10d24e6u, 0x10d2800u, 0x10d69e6u, 0x10d6e00u, 0x10eabe6u,
    0x10ead00u, 0x10efadcu, 0x10efc00u, 0x10efddcu, 0x10f0000u, 0x10f46dcu, 0x10f48e6u, 0x10f4bdcu,
    0x10f4ce6u, 0x10f4ddcu, 0x10f5100u, 0x10f82e6u, 0x10f83dcu, 0x10f84e6u, 0x10f85dcu, 0x10f8600u,
    0x1104609u, 0x1104700u, 0x1107009u, 0x1107100u, 0x1107f09u, 0x1108000u, 0x110b909u, 0x110ba07u,
    0x110bb00u, 0x11100e6u, 0x1110300u, 0x1113309u, 0x1113500u, 0x1117307u, 0x1117400u, 0x111c009u,
    0x111c100u, 0x111ca07u, 0x111cb00u, 0x1123509u, 0x1123607u, 0x1123700u, 0x112e907u, 0x112ea09u,
    0x112eb00u, 0x1133b07u, 0x1133d00u, 0x1134d09u, 0x1134e00u, 0x11366e6u, 0x1136d00u, 0x11370e6u,
    0x1137500u, 0x113ce09u, 0x113d100u, 0x1144209u, 0x1144300u, 0x1144607u, 0x1144700u, 0x1145ee6u,
    0x1145f00u, 0x114c209u, 0x114c307u, 0x114c400u, 0x115bf09u, 0x115c007u, 0x115c100u, 0x1163f09u,
    0x1164000u, 0x116b609u, 0x116b707u, 0x116b800u, 0x1172b09u, 0x1172c00u, 0x1183909u, 0x1183a07u,
    0x1183b00u, 0x1193d09u, 0x1193f00u, 0x1194307u, 0x1194400u, 0x119e009u, 0x119e100u, 0x11a3409u,
    0x11a3500u, 0x11a4709u, 0x11a4800u, 0x11a9909u, 0x11a9a00u, 0x11c3f09u, 0x11c4000u, 0x11d4207u,
    0x11d4300u, 0x11d4409u, 0x11d4600u, 0x11d9709u, 0x11d9800u, 0x11f4109u, 0x11f4300u, 0x1612f09u,
    0x1613000u, 0x16af001u, 0x16af500u, 0x16b30e6u, 0x16b3700u, 0x16ff006u, 0x16ff200u, 0x1bc9e01u,
    0x1bc9f00u, 0x1d165d8u, 0x1d16701u, 0x1d16a00u, 0x1d16de2u, 0x1d16ed8u, 0x1d17300u, 0x1d17bdcu,
    0x1d18300u, 0x1d185e6u, 0x1d18adcu, 0x1d18c00u, 0x1d1aae6u, 0x1d1ae00u, 0x1d242e6u, 0x1d24500u,
    0x1e000e6u, 0x1e00700u, 0x1e008e6u, 0x1e01900u, 0x1e01be6u, 0x1e02200u, 0x1e023e6u, 0x1e02500u,
    0x1e026e6u, 0x1e02b00u, 0x1e08fe6u, 0x1e09000u, 0x1e130e6u, 0x1e13700u, 0x1e2aee6u, 0x1e2af00u,
    0x1e2ece6u, 0x1e2f000u, 0x1e4ece8u, 0x1e4eedcu, 0x1e4efe6u, 0x1e4f000u, 0x1e5eee6u, 0x1e5efdcu,
    0x1e5f000u, 0x1e6e3e6u, 0x1e6e400u, 0x1e6e6e6u, 0x1e6e700u, 0x1e6eee6u, 0x1e6f000u, 0x1e6f5e6u,
    0x1e6f600u, 0x1e8d0dcu, 0x1e8d700u, 0x1e944e6u, 0x1e94a07u, 0x1e94b00u,
};
static const uint32_t lora__nfcqc_table[591] = {
    0x0u, 0x601u, 0x69eu, 0x6a1u, 0x6e0u, 0x6e9u, 0x6eau, 0x6fdu,
    0x6feu, 0x70fu, 0x710u, 0x907u, 0x910u, 0xb23u, 0xb7cu, 0xb7fu,
    0xb80u, 0xb83u, 0xb86u, 0xb89u, 0xb8cu, 0xb8fu, 0xb90u, 0xc21u,
    0xc36u, 0xc97u, 0xcc0u, 0xce1u, 0xce2u, 0xdadu, 0xdbau, 0xdbfu,
    0xdcau, 0xdcfu, 0xdd2u, 0xdd5u, 0xddcu, 0xe23u, 0xe24u, 0xe61u,
    0xe96u, 0xfd7u, 0xfe8u, 0xffbu, 0xffcu, 0x102du, 0x1034u, 0x1037u,
    0x1048u, 0x104bu, 0x1050u, 0x1053u, 0x105cu, 0x10b3u, 0x10b8u, 0x112fu,
    0x1140u, 0x1195u, 0x11c4u, 0x11c7u, 0x1200u, 0x1279u, 0x127au, 0x129bu,
    0x129cu, 0x12a3u, 0x12aau, 0x12b1u, 0x12c0u, 0x1379u, 0x137au, 0x137du,
    0x137eu, 0x139bu, 0x139cu, 0x13afu, 0x13b0u, 0x13b9u, 0x13bcu, 0x13bfu,
    0x13c0u, 0x13fdu, 0x13feu, 0x1467u, 0x1468u, 0x146du, 0x146eu, 0x1479u,
    0x147au, 0x149bu, 0x149cu, 0x14b3u, 0x14b8u, 0x14bdu, 0x14beu, 0x1579u,
    0x157au, 0x159bu, 0x159cu, 0x1679u, 0x167au, 0x167du, 0x167eu, 0x169bu,
    0x169cu, 0x16adu, 0x16b0u, 0x16b9u, 0x16bcu, 0x177du, 0x177eu, 0x179bu,
    0x179cu, 0x17afu, 0x17b0u, 0x1879u, 0x187au, 0x189bu, 0x189cu, 0x18abu,
    0x18aeu, 0x1979u, 0x197au, 0x1985u, 0x1986u, 0x199bu, 0x199cu, 0x19abu,
    0x19aeu, 0x1a77u, 0x1a7au, 0x1a7du, 0x1a7eu, 0x1a9bu, 0x1a9cu, 0x1aafu,
    0x1ab0u, 0x1b95u, 0x1b96u, 0x1b9fu, 0x1ba0u, 0x1bbfu, 0x1bc0u, 0x1c71u,
    0x1c76u, 0x1c91u, 0x1c98u, 0x1d71u, 0x1d76u, 0x1d91u, 0x1d98u, 0x1e31u,
    0x1e34u, 0x1e6bu, 0x1e6cu, 0x1e6fu, 0x1e70u, 0x1e73u, 0x1e74u, 0x1e87u,
    0x1e88u, 0x1e9bu, 0x1e9cu, 0x1ea5u, 0x1ea6u, 0x1eafu, 0x1eb0u, 0x1eb9u,
    0x1ebau, 0x1ed3u, 0x1ed4u, 0x1ee3u, 0x1eeeu, 0x1ef1u, 0x1ef2u, 0x1ef5u,
    0x1efcu, 0x1f01u, 0x1f0au, 0x1f0du, 0x1f10u, 0x1f27u, 0x1f28u, 0x1f3bu,
    0x1f3cu, 0x1f45u, 0x1f46u, 0x1f4fu, 0x1f50u, 0x1f59u, 0x1f5au, 0x1f73u,
    0x1f74u, 0x1f8du, 0x1f8eu, 0x205du, 0x205eu, 0x206fu, 0x2070u, 0x2073u,
    0x2076u, 0x211bu, 0x211cu, 0x22c3u, 0x22ecu, 0x2351u, 0x2386u, 0x26bbu,
    0x26c0u, 0x2e29u, 0x2e2cu, 0x2e69u, 0x2e6au, 0x2fa5u, 0x2fa6u, 0x2fbbu,
    0x2fbcu, 0x3153u, 0x3154u, 0x3273u, 0x3278u, 0x342fu, 0x3432u, 0x34c1u,
    0x34c2u, 0x34ebu, 0x34fau, 0x34ffu, 0x3500u, 0x3561u, 0x357cu, 0x357fu,
    0x35bcu, 0x35c1u, 0x35d8u, 0x3669u, 0x366cu, 0x3689u, 0x368au, 0x36d7u,
    0x36e8u, 0x3755u, 0x3758u, 0x37cdu, 0x37ceu, 0x37e5u, 0x37e8u, 0x386fu,
    0x3870u, 0x39a1u, 0x39a6u, 0x39a9u, 0x39c2u, 0x39c5u, 0x39d2u, 0x39dbu,
    0x39dcu, 0x39e9u, 0x39eau, 0x39f1u, 0x39f4u, 0x3b81u, 0x3c00u, 0x3ee3u,
    0x3ee4u, 0x3ee7u, 0x3ee8u, 0x3eebu, 0x3eecu, 0x3eefu, 0x3ef0u, 0x3ef3u,
    0x3ef4u, 0x3ef7u, 0x3ef8u, 0x3efbu, 0x3efcu, 0x3f77u, 0x3f78u, 0x3f7du,
    0x3f7eu, 0x3f93u, 0x3f94u, 0x3f97u, 0x3f98u, 0x3fa7u, 0x3fa8u, 0x3fb7u,
    0x3fb8u, 0x3fc7u, 0x3fc8u, 0x3fd7u, 0x3fd8u, 0x3fddu, 0x3fe0u, 0x3ff3u,
    0x3ff4u, 0x3ff7u, 0x3ff8u, 0x3ffbu, 0x3ffcu, 0x4001u, 0x4004u, 0x41a1u,
    0x41bau, 0x41c3u, 0x41c4u, 0x41cbu, 0x41e2u, 0x424du, 0x424eu, 0x4255u,
    0x4258u, 0x4653u, 0x4656u, 0x55b9u, 0x55bau, 0x59dfu, 0x59e4u, 0x5affu,
    0x5b00u, 0x5bc1u, 0x5c00u, 0x6055u, 0x6060u, 0x6133u, 0x6136u, 0x14cdfu,
    0x14ce0u, 0x14ce9u, 0x14cfcu, 0x14d3du, 0x14d40u, 0x14de1u, 0x14de4u, 0x1500du,
    0x1500eu, 0x15059u, 0x1505au, 0x15189u, 0x1518au, 0x151c1u, 0x151e4u, 0x15257u,
    0x1525cu, 0x152a7u, 0x152a8u, 0x15367u, 0x15368u, 0x15381u, 0x15382u, 0x15561u,
    0x15562u, 0x15565u, 0x1556au, 0x1556fu, 0x15572u, 0x1557du, 0x15580u, 0x15583u,
    0x15584u, 0x155edu, 0x155eeu, 0x157dbu, 0x157dcu, 0x1f201u, 0x1f41cu, 0x1f421u,
    0x1f422u, 0x1f425u, 0x1f426u, 0x1f42bu, 0x1f43eu, 0x1f441u, 0x1f442u, 0x1f445u,
    0x1f446u, 0x1f44bu, 0x1f44eu, 0x1f455u, 0x1f4dcu, 0x1f4e1u, 0x1f5b4u, 0x1f63bu,
    0x1f640u, 0x1f655u, 0x1f66eu, 0x1f671u, 0x1f67au, 0x1f67du, 0x1f67eu, 0x1f681u,
    0x1f684u, 0x1f687u, 0x1f68au, 0x1f68du, 0x1f69eu, 0x1fc41u, 0x1fc60u, 0x203fbu,
    0x203fcu, 0x205c1u, 0x205c2u, 0x206edu, 0x206f6u, 0x2141bu, 0x2141cu, 0x2141fu,
    0x21420u, 0x21471u, 0x21476u, 0x2147fu, 0x21480u, 0x215cbu, 0x215ceu, 0x21a49u,
    0x21a50u, 0x21ad3u, 0x21adcu, 0x21d57u, 0x21d5au, 0x21df5u, 0x21df8u, 0x21dfbu,
    0x21e00u, 0x21e8du, 0x21ea2u, 0x21f05u, 0x21f0cu, 0x2208du, 0x2208eu, 0x220e1u,
    0x220e2u, 0x220ffu, 0x22100u, 0x22173u, 0x22176u, 0x22201u, 0x22206u, 0x2224fu,
    0x22250u, 0x22267u, 0x2226au, 0x222e7u, 0x222e8u, 0x22381u, 0x22382u, 0x22395u,
    0x22396u, 0x2246bu, 0x2246eu, 0x225d3u, 0x225d6u, 0x22677u, 0x2267au, 0x2267du,
    0x2267eu, 0x2269bu, 0x2269cu, 0x226afu, 0x226b0u, 0x226cdu, 0x226dau, 0x226e1u,
    0x226eau, 0x22771u, 0x22772u, 0x22777u, 0x22778u, 0x22785u, 0x22786u, 0x22793u,
    0x22794u, 0x2279du, 0x227a2u, 0x22885u, 0x22886u, 0x2288du, 0x2288eu, 0x228bdu,
    0x228beu, 0x22961u, 0x22962u, 0x22975u, 0x22976u, 0x2297bu, 0x2297cu, 0x22985u,
    0x22988u, 0x22b5fu, 0x22b60u, 0x22b7fu, 0x22b82u, 0x22c7fu, 0x22c80u, 0x22d6du,
    0x22d70u, 0x22e57u, 0x22e58u, 0x23073u, 0x23076u, 0x23261u, 0x23262u, 0x2327bu,
    0x2327eu, 0x23287u, 0x23288u, 0x233c1u, 0x233c2u, 0x23469u, 0x2346au, 0x2348fu,
    0x23490u, 0x23533u, 0x23534u, 0x2387fu, 0x23880u, 0x23a85u, 0x23a86u, 0x23a89u,
    0x23a8cu, 0x23b2fu, 0x23b30u, 0x23e83u, 0x23e86u, 0x2c23du, 0x2c242u, 0x2c253u,
    0x2c254u, 0x2c25fu, 0x2c260u, 0x2d5e1u, 0x2d5eau, 0x2d661u, 0x2d66eu, 0x2dacfu,
    0x2dad0u, 0x2dfe1u, 0x2dfe4u, 0x3793du, 0x3793eu, 0x3a2bdu, 0x3a2d4u, 0x3a2dbu,
    0x3a2e6u, 0x3a2f7u, 0x3a306u, 0x3a30bu, 0x3a318u, 0x3a355u, 0x3a35cu, 0x3a377u,
    0x3a382u, 0x3a485u, 0x3a48au, 0x3c001u, 0x3c00eu, 0x3c011u, 0x3c032u, 0x3c037u,
    0x3c044u, 0x3c047u, 0x3c04au, 0x3c04du, 0x3c056u, 0x3c11fu, 0x3c120u, 0x3c261u,
    0x3c26eu, 0x3c55du, 0x3c55eu, 0x3c5d9u, 0x3c5e0u, 0x3c9d9u, 0x3c9e0u, 0x3cbddu,
    0x3cbe0u, 0x3cdc7u, 0x3cdc8u, 0x3cdcdu, 0x3cdceu, 0x3cdddu, 0x3cde0u, 0x3cdebu,
    0x3cdecu, 0x3d1a1u, 0x3d1aeu, 0x3d289u, 0x3d296u, 0x5f001u, 0x5f43cu,
};
static const uint32_t lora__nfd_index[4162] = {
    0xc0u, 0x2u, 0xc1u, 0x202u, 0xc2u, 0x402u, 0xc3u, 0x602u,
    0xc4u, 0x802u, 0xc5u, 0xa02u, 0xc7u, 0xc02u, 0xc8u, 0xe02u,
    0xc9u, 0x1002u, 0xcau, 0x1202u, 0xcbu, 0x1402u, 0xccu, 0x1602u,
    0xcdu, 0x1802u, 0xceu, 0x1a02u, 0xcfu, 0x1c02u, 0xd1u, 0x1e02u,
    0xd2u, 0x2002u, 0xd3u, 0x2202u, 0xd4u, 0x2402u, 0xd5u, 0x2602u,
    0xd6u, 0x2802u, 0xd9u, 0x2a02u, 0xdau, 0x2c02u, 0xdbu, 0x2e02u,
    0xdcu, 0x3002u, 0xddu, 0x3202u, 0xe0u, 0x3402u, 0xe1u, 0x3602u,
    0xe2u, 0x3802u, 0xe3u, 0x3a02u, 0xe4u, 0x3c02u, 0xe5u, 0x3e02u,
    0xe7u, 0x4002u, 0xe8u, 0x4202u, 0xe9u, 0x4402u, 0xeau, 0x4602u,
    0xebu, 0x4802u, 0xecu, 0x4a02u, 0xedu, 0x4c02u, 0xeeu, 0x4e02u,
    0xefu, 0x5002u, 0xf1u, 0x5202u, 0xf2u, 0x5402u, 0xf3u, 0x5602u,
    0xf4u, 0x5802u, 0xf5u, 0x5a02u, 0xf6u, 0x5c02u, 0xf9u, 0x5e02u,
    0xfau, 0x6002u, 0xfbu, 0x6202u, 0xfcu, 0x6402u, 0xfdu, 0x6602u,
    0xffu, 0x6802u, 0x100u, 0x6a02u, 0x101u, 0x6c02u, 0x102u, 0x6e02u,
    0x103u, 0x7002u, 0x104u, 0x7202u, 0x105u, 0x7402u, 0x106u, 0x7602u,
    0x107u, 0x7802u, 0x108u, 0x7a02u, 0x109u, 0x7c02u, 0x10au, 0x7e02u,
    0x10bu, 0x8002u, 0x10cu, 0x8202u, 0x10du, 0x8402u, 0x10eu, 0x8602u,
    0x10fu, 0x8802u, 0x112u, 0x8a02u, 0x113u, 0x8c02u, 0x114u, 0x8e02u,
    0x115u, 0x9002u, 0x116u, 0x9202u, 0x117u, 0x9402u, 0x118u, 0x9602u,
    0x119u, 0x9802u, 0x11au, 0x9a02u, 0x11bu, 0x9c02u, 0x11cu, 0x9e02u,
    0x11du, 0xa002u, 0x11eu, 0xa202u, 0x11fu, 0xa402u, 0x120u, 0xa602u,
    0x121u, 0xa802u, 0x122u, 0xaa02u, 0x123u, 0xac02u, 0x124u, 0xae02u,
    0x125u, 0xb002u, 0x128u, 0xb202u, 0x129u, 0xb402u, 0x12au, 0xb602u,
    0x12bu, 0xb802u, 0x12cu, 0xba02u, 0x12du, 0xbc02u, 0x12eu, 0xbe02u,
    0x12fu, 0xc002u, 0x130u, 0xc202u, 0x134u, 0xc402u, 0x135u, 0xc602u,
    0x136u, 0xc802u, 0x137u, 0xca02u, 0x139u, 0xcc02u, 0x13au, 0xce02u,
    0x13bu, 0xd002u, 0x13cu, 0xd202u, 0x13du, 0xd402u, 0x13eu, 0xd602u,
    0x143u, 0xd802u, 0x144u, 0xda02u, 0x145u, 0xdc02u, 0x146u, 0xde02u,
    0x147u, 0xe002u, 0x148u, 0xe202u, 0x14cu, 0xe402u, 0x14du, 0xe602u,
    0x14eu, 0xe802u, 0x14fu, 0xea02u, 0x150u, 0xec02u, 0x151u, 0xee02u,
    0x154u, 0xf002u, 0x155u, 0xf202u, 0x156u, 0xf402u, 0x157u, 0xf602u,
    0x158u, 0xf802u, 0x159u, 0xfa02u, 0x15au, 0xfc02u, 0x15bu, 0xfe02u,
    0x15cu, 0x10002u, 0x15du, 0x10202u, 0x15eu, 0x10402u, 0x15fu, 0x10602u,
    0x160u, 0x10802u, 0x161u, 0x10a02u, 0x162u, 0x10c02u, 0x163u, 0x10e02u,
    0x164u, 0x11002u, 0x165u, 0x11202u, 0x168u, 0x11402u, 0x169u, 0x11602u,
    0x16au, 0x11802u, 0x16bu, 0x11a02u, 0x16cu, 0x11c02u, 0x16du, 0x11e02u,
    0x16eu, 0x12002u, 0x16fu, 0x12202u, 0x170u, 0x12402u, 0x171u, 0x12602u,
    0x172u, 0x12802u, 0x173u, 0x12a02u, 0x174u, 0x12c02u, 0x175u, 0x12e02u,
    0x176u, 0x13002u, 0x177u, 0x13202u, 0x178u, 0x13402u, 0x179u, 0x13602u,
    0x17au, 0x13802u, 0x17bu, 0x13a02u, 0x17cu, 0x13c02u, 0x17du, 0x13e02u,
    0x17eu, 0x14002u, 0x1a0u, 0x14202u, 0x1a1u, 0x14402u, 0x1afu, 0x14602u,
    0x1b0u, 0x14802u, 0x1cdu, 0x14a02u, 0x1ceu, 0x14c02u, 0x1cfu, 0x14e02u,
    0x1d0u, 0x15002u, 0x1d1u, 0x15202u, 0x1d2u, 0x15402u, 0x1d3u, 0x15602u,
    0x1d4u, 0x15802u, 0x1d5u, 0x15a03u, 0x1d6u, 0x15d03u, 0x1d7u, 0x16003u,
    0x1d8u, 0x16303u, 0x1d9u, 0x16603u, 0x1dau, 0x16903u, 0x1dbu, 0x16c03u,
    0x1dcu, 0x16f03u, 0x1deu, 0x17203u, 0x1dfu, 0x17503u, 0x1e0u, 0x17803u,
    0x1e1u, 0x17b03u, 0x1e2u, 0x17e02u, 0x1e3u, 0x18002u, 0x1e6u, 0x18202u,
    0x1e7u, 0x18402u, 0x1e8u, 0x18602u, 0x1e9u, 0x18802u, 0x1eau, 0x18a02u,
    0x1ebu, 0x18c02u, 0x1ecu, 0x18e03u, 0x1edu, 0x19103u, 0x1eeu, 0x19402u,
    0x1efu, 0x19602u, 0x1f0u, 0x19802u, 0x1f4u, 0x19a02u, 0x1f5u, 0x19c02u,
    0x1f8u, 0x19e02u, 0x1f9u, 0x1a002u, 0x1fau, 0x1a203u, 0x1fbu, 0x1a503u,
    0x1fcu, 0x1a802u, 0x1fdu, 0x1aa02u, 0x1feu, 0x1ac02u, 0x1ffu, 0x1ae02u,
    0x200u, 0x1b002u, 0x201u, 0x1b202u, 0x202u, 0x1b402u, 0x203u, 0x1b602u,
    0x204u, 0x1b802u, 0x205u, 0x1ba02u, 0x206u, 0x1bc02u, 0x207u, 0x1be02u,
    0x208u, 0x1c002u, 0x209u, 0x1c202u, 0x20au, 0x1c402u, 0x20bu, 0x1c602u,
    0x20cu, 0x1c802u, 0x20du, 0x1ca02u, 0x20eu, 0x1cc02u, 0x20fu, 0x1ce02u,
    0x210u, 0x1d002u, 0x211u, 0x1d202u, 0x212u, 0x1d402u, 0x213u, 0x1d602u,
    0x214u, 0x1d802u, 0x215u, 0x1da02u, 0x216u, 0x1dc02u, 0x217u, 0x1de02u,
    0x218u, 0x1e002u, 0x219u, 0x1e202u, 0x21au, 0x1e402u, 0x21bu, 0x1e602u,
    0x21eu, 0x1e802u, 0x21fu, 0x1ea02u, 0x226u, 0x1ec02u, 0x227u, 0x1ee02u,
    0x228u, 0x1f002u, 0x229u, 0x1f202u, 0x22au, 0x1f403u, 0x22bu, 0x1f703u,
    0x22cu, 0x1fa03u, 0x22du, 0x1fd03u, 0x22eu, 0x20002u, 0x22fu, 0x20202u,
    0x230u, 0x20403u, 0x231u, 0x20703u, 0x232u, 0x20a02u, 0x233u, 0x20c02u,
    0x340u, 0x20e01u, 0x341u, 0x20f01u, 0x343u, 0x21001u, 0x344u, 0x21102u,
    0x374u, 0x21301u, 0x37eu, 0x21401u, 0x385u, 0x21502u, 0x386u, 0x21702u,
    0x387u, 0x21901u, 0x388u, 0x21a02u, 0x389u, 0x21c02u, 0x38au, 0x21e02u,
    0x38cu, 0x22002u, 0x38eu, 0x22202u, 0x38fu, 0x22402u, 0x390u, 0x22603u,
    0x3aau, 0x22902u, 0x3abu, 0x22b02u, 0x3acu, 0x22d02u, 0x3adu, 0x22f02u,
    0x3aeu, 0x23102u, 0x3afu, 0x23302u, 0x3b0u, 0x23503u, 0x3cau, 0x23802u,
    0x3cbu, 0x23a02u, 0x3ccu, 0x23c02u, 0x3cdu, 0x23e02u, 0x3ceu, 0x24002u,
    0x3d3u, 0x24202u, 0x3d4u, 0x24402u, 0x400u, 0x24602u, 0x401u, 0x24802u,
    0x403u, 0x24a02u, 0x407u, 0x24c02u, 0x40cu, 0x24e02u, 0x40du, 0x25002u,
    0x40eu, 0x25202u, 0x419u, 0x25402u, 0x439u, 0x25602u, 0x450u, 0x25802u,
    0x451u, 0x25a02u, 0x453u, 0x25c02u, 0x457u, 0x25e02u, 0x45cu, 0x26002u,
    0x45du, 0x26202u, 0x45eu, 0x26402u, 0x476u, 0x26602u, 0x477u, 0x26802u,
    0x4c1u, 0x26a02u, 0x4c2u, 0x26c02u, 0x4d0u, 0x26e02u, 0x4d1u, 0x27002u,
    0x4d2u, 0x27202u, 0x4d3u, 0x27402u, 0x4d6u, 0x27602u, 0x4d7u, 0x27802u,
    0x4dau, 0x27a02u, 0x4dbu, 0x27c02u, 0x4dcu, 0x27e02u, 0x4ddu, 0x28002u,
    0x4deu, 0x28202u, 0x4dfu, 0x28402u, 0x4e2u, 0x28602u, 0x4e3u, 0x28802u,
    0x4e4u, 0x28a02u, 0x4e5u, 0x28c02u, 0x4e6u, 0x28e02u, 0x4e7u, 0x29002u,
    0x4eau, 0x29202u, 0x4ebu, 0x29402u, 0x4ecu, 0x29602u, 0x4edu, 0x29802u,
    0x4eeu, 0x29a02u, 0x4efu, 0x29c02u, 0x4f0u, 0x29e02u, 0x4f1u, 0x2a002u,
    0x4f2u, 0x2a202u, 0x4f3u, 0x2a402u, 0x4f4u, 0x2a602u, 0x4f5u, 0x2a802u,
    0x4f8u, 0x2aa02u, 0x4f9u, 0x2ac02u, 0x622u, 0x2ae02u, 0x623u, 0x2b002u,
    0x624u, 0x2b202u, 0x625u, 0x2b402u, 0x626u, 0x2b602u, 0x6c0u, 0x2b802u,
    0x6c2u, 0x2ba02u, 0x6d3u, 0x2bc02u, 0x929u, 0x2be02u, 0x931u, 0x2c002u,
    0x934u, 0x2c202u, 0x958u, 0x2c402u, 0x959u, 0x2c602u, 0x95au, 0x2c802u,
    0x95bu, 0x2ca02u, 0x95cu, 0x2cc02u, 0x95du, 0x2ce02u, 0x95eu, 0x2d002u,
    0x95fu, 0x2d202u, 0x9cbu, 0x2d402u, 0x9ccu, 0x2d602u, 0x9dcu, 0x2d802u,
    0x9ddu, 0x2da02u, 0x9dfu, 0x2dc02u, 0xa33u, 0x2de02u, 0xa36u, 0x2e002u,
    0xa59u, 0x2e202u, 0xa5au, 0x2e402u, 0xa5bu, 0x2e602u, 0xa5eu, 0x2e802u,
    0xb48u, 0x2ea02u, 0xb4bu, 0x2ec02u, 0xb4cu, 0x2ee02u, 0xb5cu, 0x2f002u,
    0xb5du, 0x2f202u, 0xb94u, 0x2f402u, 0xbcau, 0x2f602u, 0xbcbu, 0x2f802u,
    0xbccu, 0x2fa02u, 0xc48u, 0x2fc02u, 0xcc0u, 0x2fe02u, 0xcc7u, 0x30002u,
    0xcc8u, 0x30202u, 0xccau, 0x30402u, 0xccbu, 0x30603u, 0xd4au, 0x30902u,
    0xd4bu, 0x30b02u, 0xd4cu, 0x30d02u, 0xddau, 0x30f02u, 0xddcu, 0x31102u,
    0xdddu, 0x31303u, 0xddeu, 0x31602u, 0xf43u, 0x31802u, 0xf4du, 0x31a02u,
    0xf52u, 0x31c02u, 0xf57u, 0x31e02u, 0xf5cu, 0x32002u, 0xf69u, 0x32202u,
    0xf73u, 0x32402u, 0xf75u, 0x32602u, 0xf76u, 0x32802u, 0xf78u, 0x32a02u,
    0xf81u, 0x32c02u, 0xf93u, 0x32e02u, 0xf9du, 0x33002u, 0xfa2u, 0x33202u,
    0xfa7u, 0x33402u, 0xfacu, 0x33602u, 0xfb9u, 0x33802u, 0x1026u, 0x33a02u,
    0x1b06u, 0x33c02u, 0x1b08u, 0x33e02u, 0x1b0au, 0x34002u, 0x1b0cu, 0x34202u,
    0x1b0eu, 0x34402u, 0x1b12u, 0x34602u, 0x1b3bu, 0x34802u, 0x1b3du, 0x34a02u,
    0x1b40u, 0x34c02u, 0x1b41u, 0x34e02u, 0x1b43u, 0x35002u, 0x1e00u, 0x35202u,
    0x1e01u, 0x35402u, 0x1e02u, 0x35602u, 0x1e03u, 0x35802u, 0x1e04u, 0x35a02u,
    0x1e05u, 0x35c02u, 0x1e06u, 0x35e02u, 0x1e07u, 0x36002u, 0x1e08u, 0x36203u,
    0x1e09u, 0x36503u, 0x1e0au, 0x36802u, 0x1e0bu, 0x36a02u, 0x1e0cu, 0x36c02u,
    0x1e0du, 0x36e02u, 0x1e0eu, 0x37002u, 0x1e0fu, 0x37202u, 0x1e10u, 0x37402u,
    0x1e11u, 0x37602u, 0x1e12u, 0x37802u, 0x1e13u, 0x37a02u, 0x1e14u, 0x37c03u,
    0x1e15u, 0x37f03u, 0x1e16u, 0x38203u, 0x1e17u, 0x38503u, 0x1e18u, 0x38802u,
    0x1e19u, 0x38a02u, 0x1e1au, 0x38c02u, 0x1e1bu, 0x38e02u, 0x1e1cu, 0x39003u,
    0x1e1du, 0x39303u, 0x1e1eu, 0x39602u, 0x1e1fu, 0x39802u, 0x1e20u, 0x39a02u,
    0x1e21u, 0x39c02u, 0x1e22u, 0x39e02u, 0x1e23u, 0x3a002u, 0x1e24u, 0x3a202u,
    0x1e25u, 0x3a402u, 0x1e26u, 0x3a602u, 0x1e27u, 0x3a802u, 0x1e28u, 0x3aa02u,
    0x1e29u, 0x3ac02u, 0x1e2au, 0x3ae02u, 0x1e2bu, 0x3b002u, 0x1e2cu, 0x3b202u,
    0x1e2du, 0x3b402u, 0x1e2eu, 0x3b603u, 0x1e2fu, 0x3b903u, 0x1e30u, 0x3bc02u,
    0x1e31u, 0x3be02u, 0x1e32u, 0x3c002u, 0x1e33u, 0x3c202u, 0x1e34u, 0x3c402u,
    0x1e35u, 0x3c602u, 0x1e36u, 0x3c802u, 0x1e37u, 0x3ca02u, 0x1e38u, 0x3cc03u,
    0x1e39u, 0x3cf03u, 0x1e3au, 0x3d202u, 0x1e3bu, 0x3d402u, 0x1e3cu, 0x3d602u,
    0x1e3du, 0x3d802u, 0x1e3eu, 0x3da02u, 0x1e3fu, 0x3dc02u, 0x1e40u, 0x3de02u,
    0x1e41u, 0x3e002u, 0x1e42u, 0x3e202u, 0x1e43u, 0x3e402u, 0x1e44u, 0x3e602u,
    0x1e45u, 0x3e802u, 0x1e46u, 0x3ea02u, 0x1e47u, 0x3ec02u, 0x1e48u, 0x3ee02u,
    0x1e49u, 0x3f002u, 0x1e4au, 0x3f202u, 0x1e4bu, 0x3f402u, 0x1e4cu, 0x3f603u,
    0x1e4du, 0x3f903u, 0x1e4eu, 0x3fc03u, 0x1e4fu, 0x3ff03u, 0x1e50u, 0x40203u,
    0x1e51u, 0x40503u, 0x1e52u, 0x40803u, 0x1e53u, 0x40b03u, 0x1e54u, 0x40e02u,
    0x1e55u, 0x41002u, 0x1e56u, 0x41202u, 0x1e57u, 0x41402u, 0x1e58u, 0x41602u,
    0x1e59u, 0x41802u, 0x1e5au, 0x41a02u, 0x1e5bu, 0x41c02u, 0x1e5cu, 0x41e03u,
    0x1e5du, 0x42103u, 0x1e5eu, 0x42402u, 0x1e5fu, 0x42602u, 0x1e60u, 0x42802u,
    0x1e61u, 0x42a02u, 0x1e62u, 0x42c02u, 0x1e63u, 0x42e02u, 0x1e64u, 0x43003u,
    0x1e65u, 0x43303u, 0x1e66u, 0x43603u, 0x1e67u, 0x43903u, 0x1e68u, 0x43c03u,
    0x1e69u, 0x43f03u, 0x1e6au, 0x44202u, 0x1e6bu, 0x44402u, 0x1e6cu, 0x44602u,
    0x1e6du, 0x44802u, 0x1e6eu, 0x44a02u, 0x1e6fu, 0x44c02u, 0x1e70u, 0x44e02u,
    0x1e71u, 0x45002u, 0x1e72u, 0x45202u, 0x1e73u, 0x45402u, 0x1e74u, 0x45602u,
    0x1e75u, 0x45802u, 0x1e76u, 0x45a02u, 0x1e77u, 0x45c02u, 0x1e78u, 0x45e03u,
    0x1e79u, 0x46103u, 0x1e7au, 0x46403u, 0x1e7bu, 0x46703u, 0x1e7cu, 0x46a02u,
    0x1e7du, 0x46c02u, 0x1e7eu, 0x46e02u, 0x1e7fu, 0x47002u, 0x1e80u, 0x47202u,
    0x1e81u, 0x47402u, 0x1e82u, 0x47602u, 0x1e83u, 0x47802u, 0x1e84u, 0x47a02u,
    0x1e85u, 0x47c02u, 0x1e86u, 0x47e02u, 0x1e87u, 0x48002u, 0x1e88u, 0x48202u,
    0x1e89u, 0x48402u, 0x1e8au, 0x48602u, 0x1e8bu, 0x48802u, 0x1e8cu, 0x48a02u,
    0x1e8du, 0x48c02u, 0x1e8eu, 0x48e02u, 0x1e8fu, 0x49002u, 0x1e90u, 0x49202u,
    0x1e91u, 0x49402u, 0x1e92u, 0x49602u, 0x1e93u, 0x49802u, 0x1e94u, 0x49a02u,
    0x1e95u, 0x49c02u, 0x1e96u, 0x49e02u, 0x1e97u, 0x4a002u, 0x1e98u, 0x4a202u,
    0x1e99u, 0x4a402u, 0x1e9bu, 0x4a602u, 0x1ea0u, 0x4a802u, 0x1ea1u, 0x4aa02u,
    0x1ea2u, 0x4ac02u, 0x1ea3u, 0x4ae02u, 0x1ea4u, 0x4b003u, 0x1ea5u, 0x4b303u,
    0x1ea6u, 0x4b603u, 0x1ea7u, 0x4b903u, 0x1ea8u, 0x4bc03u, 0x1ea9u, 0x4bf03u,
    0x1eaau, 0x4c203u, 0x1eabu, 0x4c503u, 0x1eacu, 0x4c803u, 0x1eadu, 0x4cb03u,
    0x1eaeu, 0x4ce03u, 0x1eafu, 0x4d103u, 0x1eb0u, 0x4d403u, 0x1eb1u, 0x4d703u,
    0x1eb2u, 0x4da03u, 0x1eb3u, 0x4dd03u, 0x1eb4u, 0x4e003u, 0x1eb5u, 0x4e303u,
    0x1eb6u, 0x4e603u, 0x1eb7u, 0x4e903u, 0x1eb8u, 0x4ec02u, 0x1eb9u, 0x4ee02u,
    0x1ebau, 0x4f002u, 0x1ebbu, 0x4f202u, 0x1ebcu, 0x4f402u, 0x1ebdu, 0x4f602u,
    0x1ebeu, 0x4f803u, 0x1ebfu, 0x4fb03u, 0x1ec0u, 0x4fe03u, 0x1ec1u, 0x50103u,
    0x1ec2u, 0x50403u, 0x1ec3u, 0x50703u, 0x1ec4u, 0x50a03u, 0x1ec5u, 0x50d03u,
    0x1ec6u, 0x51003u, 0x1ec7u, 0x51303u, 0x1ec8u, 0x51602u, 0x1ec9u, 0x51802u,
    0x1ecau, 0x51a02u, 0x1ecbu, 0x51c02u, 0x1eccu, 0x51e02u, 0x1ecdu, 0x52002u,
    0x1eceu, 0x52202u, 0x1ecfu, 0x52402u, 0x1ed0u, 0x52603u, 0x1ed1u, 0x52903u,
    0x1ed2u, 0x52c03u, 0x1ed3u, 0x52f03u, 0x1ed4u, 0x53203u, 0x1ed5u, 0x53503u,
    0x1ed6u, 0x53803u, 0x1ed7u, 0x53b03u, 0x1ed8u, 0x53e03u, 0x1ed9u, 0x54103u,
    0x1edau, 0x54403u, 0x1edbu, 0x54703u, 0x1edcu, 0x54a03u, 0x1eddu, 0x54d03u,
    0x1edeu, 0x55003u, 0x1edfu, 0x55303u, 0x1ee0u, 0x55603u, 0x1ee1u, 0x55903u,
    0x1ee2u, 0x55c03u, 0x1ee3u, 0x55f03u, 0x1ee4u, 0x56202u, 0x1ee5u, 0x56402u,
    0x1ee6u, 0x56602u, 0x1ee7u, 0x56802u, 0x1ee8u, 0x56a03u, 0x1ee9u, 0x56d03u,
    0x1eeau, 0x57003u, 0x1eebu, 0x57303u, 0x1eecu, 0x57603u, 0x1eedu, 0x57903u,
    0x1eeeu, 0x57c03u, 0x1eefu, 0x57f03u, 0x1ef0u, 0x58203u, 0x1ef1u, 0x58503u,
    0x1ef2u, 0x58802u, 0x1ef3u, 0x58a02u, 0x1ef4u, 0x58c02u, 0x1ef5u, 0x58e02u,
    0x1ef6u, 0x59002u, 0x1ef7u, 0x59202u, 0x1ef8u, 0x59402u, 0x1ef9u, 0x59602u,
    0x1f00u, 0x59802u, 0x1f01u, 0x59a02u, 0x1f02u, 0x59c03u, 0x1f03u, 0x59f03u,
    0x1f04u, 0x5a203u, 0x1f05u, 0x5a503u, 0x1f06u, 0x5a803u, 0x1f07u, 0x5ab03u,
    0x1f08u, 0x5ae02u, 0x1f09u, 0x5b002u, 0x1f0au, 0x5b203u, 0x1f0bu, 0x5b503u,
    0x1f0cu, 0x5b803u, 0x1f0du, 0x5bb03u, 0x1f0eu, 0x5be03u, 0x1f0fu, 0x5c103u,
    0x1f10u, 0x5c402u, 0x1f11u, 0x5c602u, 0x1f12u, 0x5c803u, 0x1f13u, 0x5cb03u,
    0x1f14u, 0x5ce03u, 0x1f15u, 0x5d103u, 0x1f18u, 0x5d402u, 0x1f19u, 0x5d602u,
    0x1f1au, 0x5d803u, 0x1f1bu, 0x5db03u, 0x1f1cu, 0x5de03u, 0x1f1du, 0x5e103u,
    0x1f20u, 0x5e402u, 0x1f21u, 0x5e602u, 0x1f22u, 0x5e803u, 0x1f23u, 0x5eb03u,
    0x1f24u, 0x5ee03u, 0x1f25u, 0x5f103u, 0x1f26u, 0x5f403u, 0x1f27u, 0x5f703u,
    0x1f28u, 0x5fa02u, 0x1f29u, 0x5fc02u, 0x1f2au, 0x5fe03u, 0x1f2bu, 0x60103u,
    0x1f2cu, 0x60403u, 0x1f2du, 0x60703u, 0x1f2eu, 0x60a03u, 0x1f2fu, 0x60d03u,
    0x1f30u, 0x61002u, 0x1f31u, 0x61202u, 0x1f32u, 0x61403u, 0x1f33u, 0x61703u,
    0x1f34u, 0x61a03u, 0x1f35u, 0x61d03u, 0x1f36u, 0x62003u, 0x1f37u, 0x62303u,
    0x1f38u, 0x62602u, 0x1f39u, 0x62802u, 0x1f3au, 0x62a03u, 0x1f3bu, 0x62d03u,
    0x1f3cu, 0x63003u, 0x1f3du, 0x63303u, 0x1f3eu, 0x63603u, 0x1f3fu, 0x63903u,
    0x1f40u, 0x63c02u, 0x1f41u, 0x63e02u, 0x1f42u, 0x64003u, 0x1f43u, 0x64303u,
    0x1f44u, 0x64603u, 0x1f45u, 0x64903u, 0x1f48u, 0x64c02u, 0x1f49u, 0x64e02u,
    0x1f4au, 0x65003u, 0x1f4bu, 0x65303u, 0x1f4cu, 0x65603u, 0x1f4du, 0x65903u,
    0x1f50u, 0x65c02u, 0x1f51u, 0x65e02u, 0x1f52u, 0x66003u, 0x1f53u, 0x66303u,
    0x1f54u, 0x66603u, 0x1f55u, 0x66903u, 0x1f56u, 0x66c03u, 0x1f57u, 0x66f03u,
    0x1f59u, 0x67202u, 0x1f5bu, 0x67403u, 0x1f5du, 0x67703u, 0x1f5fu, 0x67a03u,
    0x1f60u, 0x67d02u, 0x1f61u, 0x67f02u, 0x1f62u, 0x68103u, 0x1f63u, 0x68403u,
    0x1f64u, 0x68703u, 0x1f65u, 0x68a03u, 0x1f66u, 0x68d03u, 0x1f67u, 0x69003u,
    0x1f68u, 0x69302u, 0x1f69u, 0x69502u, 0x1f6au, 0x69703u, 0x1f6bu, 0x69a03u,
    0x1f6cu, 0x69d03u, 0x1f6du, 0x6a003u, 0x1f6eu, 0x6a303u, 0x1f6fu, 0x6a603u,
    0x1f70u, 0x6a902u, 0x1f71u, 0x6ab02u, 0x1f72u, 0x6ad02u, 0x1f73u, 0x6af02u,
    0x1f74u, 0x6b102u, 0x1f75u, 0x6b302u, 0x1f76u, 0x6b502u, 0x1f77u, 0x6b702u,
    0x1f78u, 0x6b902u, 0x1f79u, 0x6bb02u, 0x1f7au, 0x6bd02u, 0x1f7bu, 0x6bf02u,
    0x1f7cu, 0x6c102u, 0x1f7du, 0x6c302u, 0x1f80u, 0x6c503u, 0x1f81u, 0x6c803u,
    0x1f82u, 0x6cb04u, 0x1f83u, 0x6cf04u, 0x1f84u, 0x6d304u, 0x1f85u, 0x6d704u,
    0x1f86u, 0x6db04u, 0x1f87u, 0x6df04u, 0x1f88u, 0x6e303u, 0x1f89u, 0x6e603u,
    0x1f8au, 0x6e904u, 0x1f8bu, 0x6ed04u, 0x1f8cu, 0x6f104u, 0x1f8du, 0x6f504u,
    0x1f8eu, 0x6f904u, 0x1f8fu, 0x6fd04u, 0x1f90u, 0x70103u, 0x1f91u, 0x70403u,
    0x1f92u, 0x70704u, 0x1f93u, 0x70b04u, 0x1f94u, 0x70f04u, 0x1f95u, 0x71304u,
    0x1f96u, 0x71704u, 0x1f97u, 0x71b04u, 0x1f98u, 0x71f03u, 0x1f99u, 0x72203u,
    0x1f9au, 0x72504u, 0x1f9bu, 0x72904u, 0x1f9cu, 0x72d04u, 0x1f9du, 0x73104u,
    0x1f9eu, 0x73504u, 0x1f9fu, 0x73904u, 0x1fa0u, 0x73d03u, 0x1fa1u, 0x74003u,
    0x1fa2u, 0x74304u, 0x1fa3u, 0x74704u, 0x1fa4u, 0x74b04u, 0x1fa5u, 0x74f04u,
    0x1fa6u, 0x75304u, 0x1fa7u, 0x75704u, 0x1fa8u, 0x75b03u, 0x1fa9u, 0x75e03u,
    0x1faau, 0x76104u, 0x1fabu, 0x76504u, 0x1facu, 0x76904u, 0x1fadu, 0x76d04u,
    0x1faeu, 0x77104u, 0x1fafu, 0x77504u, 0x1fb0u, 0x77902u, 0x1fb1u, 0x77b02u,
    0x1fb2u, 0x77d03u, 0x1fb3u, 0x78002u, 0x1fb4u, 0x78203u, 0x1fb6u, 0x78502u,
    0x1fb7u, 0x78703u, 0x1fb8u, 0x78a02u, 0x1fb9u, 0x78c02u, 0x1fbau, 0x78e02u,
    0x1fbbu, 0x79002u, 0x1fbcu, 0x79202u, 0x1fbeu, 0x79401u, 0x1fc1u, 0x79502u,
    0x1fc2u, 0x79703u, 0x1fc3u, 0x79a02u, 0x1fc4u, 0x79c03u, 0x1fc6u, 0x79f02u,
    0x1fc7u, 0x7a103u, 0x1fc8u, 0x7a402u, 0x1fc9u, 0x7a602u, 0x1fcau, 0x7a802u,
    0x1fcbu, 0x7aa02u, 0x1fccu, 0x7ac02u, 0x1fcdu, 0x7ae02u, 0x1fceu, 0x7b002u,
    0x1fcfu, 0x7b202u, 0x1fd0u, 0x7b402u, 0x1fd1u, 0x7b602u, 0x1fd2u, 0x7b803u,
    0x1fd3u, 0x7bb03u, 0x1fd6u, 0x7be02u, 0x1fd7u, 0x7c003u, 0x1fd8u, 0x7c302u,
    0x1fd9u, 0x7c502u, 0x1fdau, 0x7c702u, 0x1fdbu, 0x7c902u, 0x1fddu, 0x7cb02u,
    0x1fdeu, 0x7cd02u, 0x1fdfu, 0x7cf02u, 0x1fe0u, 0x7d102u, 0x1fe1u, 0x7d302u,
    0x1fe2u, 0x7d503u, 0x1fe3u, 0x7d803u, 0x1fe4u, 0x7db02u, 0x1fe5u, 0x7dd02u,
    0x1fe6u, 0x7df02u, 0x1fe7u, 0x7e103u, 0x1fe8u, 0x7e402u, 0x1fe9u, 0x7e602u,
    0x1feau, 0x7e802u, 0x1febu, 0x7ea02u, 0x1fecu, 0x7ec02u, 0x1fedu, 0x7ee02u,
    0x1feeu, 0x7f002u, 0x1fefu, 0x7f201u, 0x1ff2u, 0x7f303u, 0x1ff3u, 0x7f602u,
    0x1ff4u, 0x7f803u, 0x1ff6u, 0x7fb02u, 0x1ff7u, 0x7fd03u, 0x1ff8u, 0x80002u,
    0x1ff9u, 0x80202u, 0x1ffau, 0x80402u, 0x1ffbu, 0x80602u, 0x1ffcu, 0x80802u,
    0x1ffdu, 0x80a01u, 0x2000u, 0x80b01u, 0x2001u, 0x80c01u, 0x2126u, 0x80d01u,
    0x212au, 0x80e01u, 0x212bu, 0x80f02u, 0x219au, 0x81102u, 0x219bu, 0x81302u,
    0x21aeu, 0x81502u, 0x21cdu, 0x81702u, 0x21ceu, 0x81902u, 0x21cfu, 0x81b02u,
    0x2204u, 0x81d02u, 0x2209u, 0x81f02u, 0x220cu, 0x82102u, 0x2224u, 0x82302u,
    0x2226u, 0x82502u, 0x2241u, 0x82702u, 0x2244u, 0x82902u, 0x2247u, 0x82b02u,
    0x2249u, 0x82d02u, 0x2260u, 0x82f02u, 0x2262u, 0x83102u, 0x226du, 0x83302u,
    0x226eu, 0x83502u, 0x226fu, 0x83702u, 0x2270u, 0x83902u, 0x2271u, 0x83b02u,
    0x2274u, 0x83d02u, 0x2275u, 0x83f02u, 0x2278u, 0x84102u, 0x2279u, 0x84302u,
    0x2280u, 0x84502u, 0x2281u, 0x84702u, 0x2284u, 0x84902u, 0x2285u, 0x84b02u,
    0x2288u, 0x84d02u, 0x2289u, 0x84f02u, 0x22acu, 0x85102u, 0x22adu, 0x85302u,
    0x22aeu, 0x85502u, 0x22afu, 0x85702u, 0x22e0u, 0x85902u, 0x22e1u, 0x85b02u,
    0x22e2u, 0x85d02u, 0x22e3u, 0x85f02u, 0x22eau, 0x86102u, 0x22ebu, 0x86302u,
    0x22ecu, 0x86502u, 0x22edu, 0x86702u, 0x2329u, 0x86901u, 0x232au, 0x86a01u,
    0x2adcu, 0x86b02u, 0x304cu, 0x86d02u, 0x304eu, 0x86f02u, 0x3050u, 0x87102u,
    0x3052u, 0x87302u, 0x3054u, 0x87502u, 0x3056u, 0x87702u, 0x3058u, 0x87902u,
    0x305au, 0x87b02u, 0x305cu, 0x87d02u, 0x305eu, 0x87f02u, 0x3060u, 0x88102u,
    0x3062u, 0x88302u, 0x3065u, 0x88502u, 0x3067u, 0x88702u, 0x3069u, 0x88902u,
    0x3070u, 0x88b02u, 0x3071u, 0x88d02u, 0x3073u, 0x88f02u, 0x3074u, 0x89102u,
    0x3076u, 0x89302u, 0x3077u, 0x89502u, 0x3079u, 0x89702u, 0x307au, 0x89902u,
    0x307cu, 0x89b02u, 0x307du, 0x89d02u, 0x3094u, 0x89f02u, 0x309eu, 0x8a102u,
    0x30acu, 0x8a302u, 0x30aeu, 0x8a502u, 0x30b0u, 0x8a702u, 0x30b2u, 0x8a902u,
    0x30b4u, 0x8ab02u, 0x30b6u, 0x8ad02u, 0x30b8u, 0x8af02u, 0x30bau, 0x8b102u,
    0x30bcu, 0x8b302u, 0x30beu, 0x8b502u, 0x30c0u, 0x8b702u, 0x30c2u, 0x8b902u,
    0x30c5u, 0x8bb02u, 0x30c7u, 0x8bd02u, 0x30c9u, 0x8bf02u, 0x30d0u, 0x8c102u,
    0x30d1u, 0x8c302u, 0x30d3u, 0x8c502u, 0x30d4u, 0x8c702u, 0x30d6u, 0x8c902u,
    0x30d7u, 0x8cb02u, 0x30d9u, 0x8cd02u, 0x30dau, 0x8cf02u, 0x30dcu, 0x8d102u,
    0x30ddu, 0x8d302u, 0x30f4u, 0x8d502u, 0x30f7u, 0x8d702u, 0x30f8u, 0x8d902u,
    0x30f9u, 0x8db02u, 0x30fau, 0x8dd02u, 0x30feu, 0x8df02u, 0xf900u, 0x8e101u,
    0xf901u, 0x8e201u, 0xf902u, 0x8e301u, 0xf903u, 0x8e401u, 0xf904u, 0x8e501u,
    0xf905u, 0x8e601u, 0xf906u, 0x8e701u, 0xf907u, 0x8e801u, 0xf908u, 0x8e901u,
    0xf909u, 0x8ea01u, 0xf90au, 0x8eb01u, 0xf90bu, 0x8ec01u, 0xf90cu, 0x8ed01u,
    0xf90du, 0x8ee01u, 0xf90eu, 0x8ef01u, 0xf90fu, 0x8f001u, 0xf910u, 0x8f101u,
    0xf911u, 0x8f201u, 0xf912u, 0x8f301u, 0xf913u, 0x8f401u, 0xf914u, 0x8f501u,
    0xf915u, 0x8f601u, 0xf916u, 0x8f701u, 0xf917u, 0x8f801u, 0xf918u, 0x8f901u,
    0xf919u, 0x8fa01u, 0xf91au, 0x8fb01u, 0xf91bu, 0x8fc01u, 0xf91cu, 0x8fd01u,
    0xf91du, 0x8fe01u, 0xf91eu, 0x8ff01u, 0xf91fu, 0x90001u, 0xf920u, 0x90101u,
    0xf921u, 0x90201u, 0xf922u, 0x90301u, 0xf923u, 0x90401u, 0xf924u, 0x90501u,
    0xf925u, 0x90601u, 0xf926u, 0x90701u, 0xf927u, 0x90801u, 0xf928u, 0x90901u,
    0xf929u, 0x90a01u, 0xf92au, 0x90b01u, 0xf92bu, 0x90c01u, 0xf92cu, 0x90d01u,
    0xf92du, 0x90e01u, 0xf92eu, 0x90f01u, 0xf92fu, 0x91001u, 0xf930u, 0x91101u,
    0xf931u, 0x91201u, 0xf932u, 0x91301u, 0xf933u, 0x91401u, 0xf934u, 0x91501u,
    0xf935u, 0x91601u, 0xf936u, 0x91701u, 0xf937u, 0x91801u, 0xf938u, 0x91901u,
    0xf939u, 0x91a01u, 0xf93au, 0x91b01u, 0xf93bu, 0x91c01u, 0xf93cu, 0x91d01u,
    0xf93du, 0x91e01u, 0xf93eu, 0x91f01u, 0xf93fu, 0x92001u, 0xf940u, 0x92101u,
    0xf941u, 0x92201u, 0xf942u, 0x92301u, 0xf943u, 0x92401u, 0xf944u, 0x92501u,
    0xf945u, 0x92601u, 0xf946u, 0x92701u, 0xf947u, 0x92801u, 0xf948u, 0x92901u,
    0xf949u, 0x92a01u, 0xf94au, 0x92b01u, 0xf94bu, 0x92c01u, 0xf94cu, 0x92d01u,
    0xf94du, 0x92e01u, 0xf94eu, 0x92f01u, 0xf94fu, 0x93001u, 0xf950u, 0x93101u,
    0xf951u, 0x93201u, 0xf952u, 0x93301u, 0xf953u, 0x93401u, 0xf954u, 0x93501u,
    0xf955u, 0x93601u, 0xf956u, 0x93701u, 0xf957u, 0x93801u, 0xf958u, 0x93901u,
    0xf959u, 0x93a01u, 0xf95au, 0x93b01u, 0xf95bu, 0x93c01u, 0xf95cu, 0x93d01u,
    0xf95du, 0x93e01u, 0xf95eu, 0x93f01u, 0xf95fu, 0x94001u, 0xf960u, 0x94101u,
    0xf961u, 0x94201u, 0xf962u, 0x94301u, 0xf963u, 0x94401u, 0xf964u, 0x94501u,
    0xf965u, 0x94601u, 0xf966u, 0x94701u, 0xf967u, 0x94801u, 0xf968u, 0x94901u,
    0xf969u, 0x94a01u, 0xf96au, 0x94b01u, 0xf96bu, 0x94c01u, 0xf96cu, 0x94d01u,
    0xf96du, 0x94e01u, 0xf96eu, 0x94f01u, 0xf96fu, 0x95001u, 0xf970u, 0x95101u,
    0xf971u, 0x95201u, 0xf972u, 0x95301u, 0xf973u, 0x95401u, 0xf974u, 0x95501u,
    0xf975u, 0x95601u, 0xf976u, 0x95701u, 0xf977u, 0x95801u, 0xf978u, 0x95901u,
    0xf979u, 0x95a01u, 0xf97au, 0x95b01u, 0xf97bu, 0x95c01u, 0xf97cu, 0x95d01u,
    0xf97du, 0x95e01u, 0xf97eu, 0x95f01u, 0xf97fu, 0x96001u, 0xf980u, 0x96101u,
    0xf981u, 0x96201u, 0xf982u, 0x96301u, 0xf983u, 0x96401u, 0xf984u, 0x96501u,
    0xf985u, 0x96601u, 0xf986u, 0x96701u, 0xf987u, 0x96801u, 0xf988u, 0x96901u,
    0xf989u, 0x96a01u, 0xf98au, 0x96b01u, 0xf98bu, 0x96c01u, 0xf98cu, 0x96d01u,
    0xf98du, 0x96e01u, 0xf98eu, 0x96f01u, 0xf98fu, 0x97001u, 0xf990u, 0x97101u,
    0xf991u, 0x97201u, 0xf992u, 0x97301u, 0xf993u, 0x97401u, 0xf994u, 0x97501u,
    0xf995u, 0x97601u, 0xf996u, 0x97701u, 0xf997u, 0x97801u, 0xf998u, 0x97901u,
    0xf999u, 0x97a01u, 0xf99au, 0x97b01u, 0xf99bu, 0x97c01u, 0xf99cu, 0x97d01u,
    0xf99du, 0x97e01u, 0xf99eu, 0x97f01u, 0xf99fu, 0x98001u, 0xf9a0u, 0x98101u,
    0xf9a1u, 0x98201u, 0xf9a2u, 0x98301u, 0xf9a3u, 0x98401u, 0xf9a4u, 0x98501u,
    0xf9a5u, 0x98601u, 0xf9a6u, 0x98701u, 0xf9a7u, 0x98801u, 0xf9a8u, 0x98901u,
    0xf9a9u, 0x98a01u, 0xf9aau, 0x98b01u, 0xf9abu, 0x98c01u, 0xf9acu, 0x98d01u,
    0xf9adu, 0x98e01u, 0xf9aeu, 0x98f01u, 0xf9afu, 0x99001u, 0xf9b0u, 0x99101u,
    0xf9b1u, 0x99201u, 0xf9b2u, 0x99301u, 0xf9b3u, 0x99401u, 0xf9b4u, 0x99501u,
    0xf9b5u, 0x99601u, 0xf9b6u, 0x99701u, 0xf9b7u, 0x99801u, 0xf9b8u, 0x99901u,
    0xf9b9u, 0x99a01u, 0xf9bau, 0x99b01u, 0xf9bbu, 0x99c01u, 0xf9bcu, 0x99d01u,
    0xf9bdu, 0x99e01u, 0xf9beu, 0x99f01u, 0xf9bfu, 0x9a001u, 0xf9c0u, 0x9a101u,
    0xf9c1u, 0x9a201u, 0xf9c2u, 0x9a301u, 0xf9c3u, 0x9a401u, 0xf9c4u, 0x9a501u,
    0xf9c5u, 0x9a601u, 0xf9c6u, 0x9a701u, 0xf9c7u, 0x9a801u, 0xf9c8u, 0x9a901u,
    0xf9c9u, 0x9aa01u, 0xf9cau, 0x9ab01u, 0xf9cbu, 0x9ac01u, 0xf9ccu, 0x9ad01u,
    0xf9cdu, 0x9ae01u, 0xf9ceu, 0x9af01u, 0xf9cfu, 0x9b001u, 0xf9d0u, 0x9b101u,
    0xf9d1u, 0x9b201u, 0xf9d2u, 0x9b301u, 0xf9d3u, 0x9b401u, 0xf9d4u, 0x9b501u,
    0xf9d5u, 0x9b601u, 0xf9d6u, 0x9b701u, 0xf9d7u, 0x9b801u, 0xf9d8u, 0x9b901u,
    0xf9d9u, 0x9ba01u, 0xf9dau, 0x9bb01u, 0xf9dbu, 0x9bc01u, 0xf9dcu, 0x9bd01u,
    0xf9ddu, 0x9be01u, 0xf9deu, 0x9bf01u, 0xf9dfu, 0x9c001u, 0xf9e0u, 0x9c101u,
    0xf9e1u, 0x9c201u, 0xf9e2u, 0x9c301u, 0xf9e3u, 0x9c401u, 0xf9e4u, 0x9c501u,
    0xf9e5u, 0x9c601u, 0xf9e6u, 0x9c701u, 0xf9e7u, 0x9c801u, 0xf9e8u, 0x9c901u,
    0xf9e9u, 0x9ca01u, 0xf9eau, 0x9cb01u, 0xf9ebu, 0x9cc01u, 0xf9ecu, 0x9cd01u,
    0xf9edu, 0x9ce01u, 0xf9eeu, 0x9cf01u, 0xf9efu, 0x9d001u, 0xf9f0u, 0x9d101u,
    0xf9f1u, 0x9d201u, 0xf9f2u, 0x9d301u, 0xf9f3u, 0x9d401u, 0xf9f4u, 0x9d501u,
    0xf9f5u, 0x9d601u, 0xf9f6u, 0x9d701u, 0xf9f7u, 0x9d801u, 0xf9f8u, 0x9d901u,
    0xf9f9u, 0x9da01u, 0xf9fau, 0x9db01u, 0xf9fbu, 0x9dc01u, 0xf9fcu, 0x9dd01u,
    0xf9fdu, 0x9de01u, 0xf9feu, 0x9df01u, 0xf9ffu, 0x9e001u, 0xfa00u, 0x9e101u,
    0xfa01u, 0x9e201u, 0xfa02u, 0x9e301u, 0xfa03u, 0x9e401u, 0xfa04u, 0x9e501u,
    0xfa05u, 0x9e601u, 0xfa06u, 0x9e701u, 0xfa07u, 0x9e801u, 0xfa08u, 0x9e901u,
    0xfa09u, 0x9ea01u, 0xfa0au, 0x9eb01u, 0xfa0bu, 0x9ec01u, 0xfa0cu, 0x9ed01u,
    0xfa0du, 0x9ee01u, 0xfa10u, 0x9ef01u, 0xfa12u, 0x9f001u, 0xfa15u, 0x9f101u,
    0xfa16u, 0x9f201u, 0xfa17u, 0x9f301u, 0xfa18u, 0x9f401u, 0xfa19u, 0x9f501u,
    0xfa1au, 0x9f601u, 0xfa1bu, 0x9f701u, 0xfa1cu, 0x9f801u, 0xfa1du, 0x9f901u,
    0xfa1eu, 0x9fa01u, 0xfa20u, 0x9fb01u, 0xfa22u, 0x9fc01u, 0xfa25u, 0x9fd01u,
    0xfa26u, 0x9fe01u, 0xfa2au, 0x9ff01u, 0xfa2bu, 0xa0001u, 0xfa2cu, 0xa0101u,
    0xfa2du, 0xa0201u, 0xfa2eu, 0xa0301u, 0xfa2fu, 0xa0401u, 0xfa30u, 0xa0501u,
    0xfa31u, 0xa0601u, 0xfa32u, 0xa0701u, 0xfa33u, 0xa0801u, 0xfa34u, 0xa0901u,
    0xfa35u, 0xa0a01u, 0xfa36u, 0xa0b01u, 0xfa37u, 0xa0c01u, 0xfa38u, 0xa0d01u,
    0xfa39u, 0xa0e01u, 0xfa3au, 0xa0f01u, 0xfa3bu, 0xa1001u, 0xfa3cu, 0xa1101u,
    0xfa3du, 0xa1201u, 0xfa3eu, 0xa1301u, 0xfa3fu, 0xa1401u, 0xfa40u, 0xa1501u,
    0xfa41u, 0xa1601u, 0xfa42u, 0xa1701u, 0xfa43u, 0xa1801u, 0xfa44u, 0xa1901u,
    0xfa45u, 0xa1a01u, 0xfa46u, 0xa1b01u, 0xfa47u, 0xa1c01u, 0xfa48u, 0xa1d01u,
    0xfa49u, 0xa1e01u, 0xfa4au, 0xa1f01u, 0xfa4bu, 0xa2001u, 0xfa4cu, 0xa2101u,
    0xfa4du, 0xa2201u, 0xfa4eu, 0xa2301u, 0xfa4fu, 0xa2401u, 0xfa50u, 0xa2501u,
    0xfa51u, 0xa2601u, 0xfa52u, 0xa2701u, 0xfa53u, 0xa2801u, 0xfa54u, 0xa2901u,
    0xfa55u, 0xa2a01u, 0xfa56u, 0xa2b01u, 0xfa57u, 0xa2c01u, 0xfa58u, 0xa2d01u,
    0xfa59u, 0xa2e01u, 0xfa5au, 0xa2f01u, 0xfa5bu, 0xa3001u, 0xfa5cu, 0xa3101u,
    0xfa5du, 0xa3201u, 0xfa5eu, 0xa3301u, 0xfa5fu, 0xa3401u, 0xfa60u, 0xa3501u,
    0xfa61u, 0xa3601u, 0xfa62u, 0xa3701u, 0xfa63u, 0xa3801u, 0xfa64u, 0xa3901u,
    0xfa65u, 0xa3a01u, 0xfa66u, 0xa3b01u, 0xfa67u, 0xa3c01u, 0xfa68u, 0xa3d01u,
    0xfa69u, 0xa3e01u, 0xfa6au, 0xa3f01u, 0xfa6bu, 0xa4001u, 0xfa6cu, 0xa4101u,
    0xfa6du, 0xa4201u, 0xfa70u, 0xa4301u, 0xfa71u, 0xa4401u, 0xfa72u, 0xa4501u,
    0xfa73u, 0xa4601u, 0xfa74u, 0xa4701u, 0xfa75u, 0xa4801u, 0xfa76u, 0xa4901u,
    0xfa77u, 0xa4a01u, 0xfa78u, 0xa4b01u, 0xfa79u, 0xa4c01u, 0xfa7au, 0xa4d01u,
    0xfa7bu, 0xa4e01u, 0xfa7cu, 0xa4f01u, 0xfa7du, 0xa5001u, 0xfa7eu, 0xa5101u,
    0xfa7fu, 0xa5201u, 0xfa80u, 0xa5301u, 0xfa81u, 0xa5401u, 0xfa82u, 0xa5501u,
    0xfa83u, 0xa5601u, 0xfa84u, 0xa5701u, 0xfa85u, 0xa5801u, 0xfa86u, 0xa5901u,
    0xfa87u, 0xa5a01u, 0xfa88u, 0xa5b01u, 0xfa89u, 0xa5c01u, 0xfa8au, 0xa5d01u,
    0xfa8bu, 0xa5e01u, 0xfa8cu, 0xa5f01u, 0xfa8du, 0xa6001u, 0xfa8eu, 0xa6101u,
    0xfa8fu, 0xa6201u, 0xfa90u, 0xa6301u, 0xfa91u, 0xa6401u, 0xfa92u, 0xa6501u,
    0xfa93u, 0xa6601u, 0xfa94u, 0xa6701u, 0xfa95u, 0xa6801u, 0xfa96u, 0xa6901u,
    0xfa97u, 0xa6a01u, 0xfa98u, 0xa6b01u, 0xfa99u, 0xa6c01u, 0xfa9au, 0xa6d01u,
    0xfa9bu, 0xa6e01u, 0xfa9cu, 0xa6f01u, 0xfa9du, 0xa7001u, 0xfa9eu, 0xa7101u,
    0xfa9fu, 0xa7201u, 0xfaa0u, 0xa7301u, 0xfaa1u, 0xa7401u, 0xfaa2u, 0xa7501u,
    0xfaa3u, 0xa7601u, 0xfaa4u, 0xa7701u, 0xfaa5u, 0xa7801u, 0xfaa6u, 0xa7901u,
    0xfaa7u, 0xa7a01u, 0xfaa8u, 0xa7b01u, 0xfaa9u, 0xa7c01u, 0xfaaau, 0xa7d01u,
    0xfaabu, 0xa7e01u, 0xfaacu, 0xa7f01u, 0xfaadu, 0xa8001u, 0xfaaeu, 0xa8101u,
    0xfaafu, 0xa8201u, 0xfab0u, 0xa8301u, 0xfab1u, 0xa8401u, 0xfab2u, 0xa8501u,
    0xfab3u, 0xa8601u, 0xfab4u, 0xa8701u, 0xfab5u, 0xa8801u, 0xfab6u, 0xa8901u,
    0xfab7u, 0xa8a01u, 0xfab8u, 0xa8b01u, 0xfab9u, 0xa8c01u, 0xfabau, 0xa8d01u,
    0xfabbu, 0xa8e01u, 0xfabcu, 0xa8f01u, 0xfabdu, 0xa9001u, 0xfabeu, 0xa9101u,
    0xfabfu, 0xa9201u, 0xfac0u, 0xa9301u, 0xfac1u, 0xa9401u, 0xfac2u, 0xa9501u,
    0xfac3u, 0xa9601u, 0xfac4u, 0xa9701u, 0xfac5u, 0xa9801u, 0xfac6u, 0xa9901u,
    0xfac7u, 0xa9a01u, 0xfac8u, 0xa9b01u, 0xfac9u, 0xa9c01u, 0xfacau, 0xa9d01u,
    0xfacbu, 0xa9e01u, 0xfaccu, 0xa9f01u, 0xfacdu, 0xaa001u, 0xfaceu, 0xaa101u,
    0xfacfu, 0xaa201u, 0xfad0u, 0xaa301u, 0xfad1u, 0xaa401u, 0xfad2u, 0xaa501u,
    0xfad3u, 0xaa601u, 0xfad4u, 0xaa701u, 0xfad5u, 0xaa801u, 0xfad6u, 0xaa901u,
    0xfad7u, 0xaaa01u, 0xfad8u, 0xaab01u, 0xfad9u, 0xaac01u, 0xfb1du, 0xaad02u,
    0xfb1fu, 0xaaf02u, 0xfb2au, 0xab102u, 0xfb2bu, 0xab302u, 0xfb2cu, 0xab503u,
    0xfb2du, 0xab803u, 0xfb2eu, 0xabb02u, 0xfb2fu, 0xabd02u, 0xfb30u, 0xabf02u,
    0xfb31u, 0xac102u, 0xfb32u, 0xac302u, 0xfb33u, 0xac502u, 0xfb34u, 0xac702u,
    0xfb35u, 0xac902u, 0xfb36u, 0xacb02u, 0xfb38u, 0xacd02u, 0xfb39u, 0xacf02u,
    0xfb3au, 0xad102u, 0xfb3bu, 0xad302u, 0xfb3cu, 0xad502u, 0xfb3eu, 0xad702u,
    0xfb40u, 0xad902u, 0xfb41u, 0xadb02u, 0xfb43u, 0xadd02u, 0xfb44u, 0xadf02u,
    0xfb46u, 0xae102u, 0xfb47u, 0xae302u, 0xfb48u, 0xae502u, 0xfb49u, 0xae702u,
    0xfb4au, 0xae902u, 0xfb4bu, 0xaeb02u, 0xfb4cu, 0xaed02u, 0xfb4du, 0xaef02u,
    0xfb4eu, 0xaf102u, 0x105c9u, 0xaf302u, 0x105e4u, 0xaf502u, 0x1109au, 0xaf702u,
    0x1109cu, 0xaf902u, 0x110abu, 0xafb02u, 0x1112eu, 0xafd02u, 0x1112fu, 0xaff02u,
    0x1134bu, 0xb0102u, 0x1134cu, 0xb0302u, 0x11383u, 0xb0502u, 0x11385u, 0xb0702u,
    0x1138eu, 0xb0902u, 0x11391u, 0xb0b02u, 0x113c5u, 0xb0d02u, 0x113c7u, 0xb0f02u,
    0x113c8u, 0xb1102u, 0x114bbu, 0xb1302u, 0x114bcu, 0xb1502u, 0x114beu, 0xb1702u,
    0x115bau, 0xb1902u, 0x115bbu, 0xb1b02u, 0x11938u, 0xb1d02u, 0x16121u, 0xb1f02u,
    0x16122u, 0xb2102u, 0x16123u, 0xb2302u, 0x16124u, 0xb2502u, 0x16125u, 0xb2702u,
    0x16126u, 0xb2903u, 0x16127u, 0xb2c03u, 0x16128u, 0xb2f03u, 0x16d68u, 0xb3202u,
    0x16d69u, 0xb3402u, 0x16d6au, 0xb3603u, 0x1d15eu, 0xb3902u, 0x1d15fu, 0xb3b02u,
    0x1d160u, 0xb3d03u, 0x1d161u, 0xb4003u, 0x1d162u, 0xb4303u, 0x1d163u, 0xb4603u,
    0x1d164u, 0xb4903u, 0x1d1bbu, 0xb4c02u, 0x1d1bcu, 0xb4e02u, 0x1d1bdu, 0xb5003u,
    0x1d1beu, 0xb5303u, 0x1d1bfu, 0xb5603u, 0x1d1c0u, 0xb5903u, 0x2f800u, 0xb5c01u,
    0x2f801u, 0xb5d01u, 0x2f802u, 0xb5e01u, 0x2f803u, 0xb5f01u, 0x2f804u, 0xb6001u,
    0x2f805u, 0xb6101u, 0x2f806u, 0xb6201u, 0x2f807u, 0xb6301u, 0x2f808u, 0xb6401u,
    0x2f809u, 0xb6501u, 0x2f80au, 0xb6601u, 0x2f80bu, 0xb6701u, 0x2f80cu, 0xb6801u,
    0x2f80du, 0xb6901u, 0x2f80eu, 0xb6a01u, 0x2f80fu, 0xb6b01u, 0x2f810u, 0xb6c01u,
    0x2f811u, 0xb6d01u, 0x2f812u, 0xb6e01u, 0x2f813u, 0xb6f01u, 0x2f814u, 0xb7001u,
    0x2f815u, 0xb7101u, 0x2f816u, 0xb7201u, 0x2f817u, 0xb7301u, 0x2f818u, 0xb7401u,
    0x2f819u, 0xb7501u, 0x2f81au, 0xb7601u, 0x2f81bu, 0xb7701u, 0x2f81cu, 0xb7801u,
    0x2f81du, 0xb7901u, 0x2f81eu, 0xb7a01u, 0x2f81fu, 0xb7b01u, 0x2f820u, 0xb7c01u,
    0x2f821u, 0xb7d01u, 0x2f822u, 0xb7e01u, 0x2f823u, 0xb7f01u, 0x2f824u, 0xb8001u,
    0x2f825u, 0xb8101u, 0x2f826u, 0xb8201u, 0x2f827u, 0xb8301u, 0x2f828u, 0xb8401u,
    0x2f829u, 0xb8501u, 0x2f82au, 0xb8601u, 0x2f82bu, 0xb8701u, 0x2f82cu, 0xb8801u,
    0x2f82du, 0xb8901u, 0x2f82eu, 0xb8a01u, 0x2f82fu, 0xb8b01u, 0x2f830u, 0xb8c01u,
    0x2f831u, 0xb8d01u, 0x2f832u, 0xb8e01u, 0x2f833u, 0xb8f01u, 0x2f834u, 0xb9001u,
    0x2f835u, 0xb9101u, 0x2f836u, 0xb9201u, 0x2f837u, 0xb9301u, 0x2f838u, 0xb9401u,
    0x2f839u, 0xb9501u, 0x2f83au, 0xb9601u, 0x2f83bu, 0xb9701u, 0x2f83cu, 0xb9801u,
    0x2f83du, 0xb9901u, 0x2f83eu, 0xb9a01u, 0x2f83fu, 0xb9b01u, 0x2f840u, 0xb9c01u,
    0x2f841u, 0xb9d01u, 0x2f842u, 0xb9e01u, 0x2f843u, 0xb9f01u, 0x2f844u, 0xba001u,
    0x2f845u, 0xba101u, 0x2f846u, 0xba201u, 0x2f847u, 0xba301u, 0x2f848u, 0xba401u,
    0x2f849u, 0xba501u, 0x2f84au, 0xba601u, 0x2f84bu, 0xba701u, 0x2f84cu, 0xba801u,
    0x2f84du, 0xba901u, 0x2f84eu, 0xbaa01u, 0x2f84fu, 0xbab01u, 0x2f850u, 0xbac01u,
    0x2f851u, 0xbad01u, 0x2f852u, 0xbae01u, 0x2f853u, 0xbaf01u, 0x2f854u, 0xbb001u,
    0x2f855u, 0xbb101u, 0x2f856u, 0xbb201u, 0x2f857u, 0xbb301u, 0x2f858u, 0xbb401u,
    0x2f859u, 0xbb501u, 0x2f85au, 0xbb601u, 0x2f85bu, 0xbb701u, 0x2f85cu, 0xbb801u,
    0x2f85du, 0xbb901u, 0x2f85eu, 0xbba01u, 0x2f85fu, 0xbbb01u, 0x2f860u, 0xbbc01u,
    0x2f861u, 0xbbd01u, 0x2f862u, 0xbbe01u, 0x2f863u, 0xbbf01u, 0x2f864u, 0xbc001u,
    0x2f865u, 0xbc101u, 0x2f866u, 0xbc201u, 0x2f867u, 0xbc301u, 0x2f868u, 0xbc401u,
    0x2f869u, 0xbc501u, 0x2f86au, 0xbc601u, 0x2f86bu, 0xbc701u, 0x2f86cu, 0xbc801u,
    0x2f86du, 0xbc901u, 0x2f86eu, 0xbca01u, 0x2f86fu, 0xbcb01u, 0x2f870u, 0xbcc01u,
    0x2f871u, 0xbcd01u, 0x2f872u, 0xbce01u, 0x2f873u, 0xbcf01u, 0x2f874u, 0xbd001u,
    0x2f875u, 0xbd101u, 0x2f876u, 0xbd201u, 0x2f877u, 0xbd301u, 0x2f878u, 0xbd401u,
    0x2f879u, 0xbd501u, 0x2f87au, 0xbd601u, 0x2f87bu, 0xbd701u, 0x2f87cu, 0xbd801u,
    0x2f87du, 0xbd901u, 0x2f87eu, 0xbda01u, 0x2f87fu, 0xbdb01u, 0x2f880u, 0xbdc01u,
    0x2f881u, 0xbdd01u, 0x2f882u, 0xbde01u, 0x2f883u, 0xbdf01u, 0x2f884u, 0xbe001u,
    0x2f885u, 0xbe101u, 0x2f886u, 0xbe201u, 0x2f887u, 0xbe301u, 0x2f888u, 0xbe401u,
    0x2f889u, 0xbe501u, 0x2f88au, 0xbe601u, 0x2f88bu, 0xbe701u, 0x2f88cu, 0xbe801u,
    0x2f88du, 0xbe901u, 0x2f88eu, 0xbea01u, 0x2f88fu, 0xbeb01u, 0x2f890u, 0xbec01u,
    0x2f891u, 0xbed01u, 0x2f892u, 0xbee01u, 0x2f893u, 0xbef01u, 0x2f894u, 0xbf001u,
    0x2f895u, 0xbf101u, 0x2f896u, 0xbf201u, 0x2f897u, 0xbf301u, 0x2f898u, 0xbf401u,
    0x2f899u, 0xbf501u, 0x2f89au, 0xbf601u, 0x2f89bu, 0xbf701u, 0x2f89cu, 0xbf801u,
    0x2f89du, 0xbf901u, 0x2f89eu, 0xbfa01u, 0x2f89fu, 0xbfb01u, 0x2f8a0u, 0xbfc01u,
    0x2f8a1u, 0xbfd01u, 0x2f8a2u, 0xbfe01u, 0x2f8a3u, 0xbff01u, 0x2f8a4u, 0xc0001u,
    0x2f8a5u, 0xc0101u, 0x2f8a6u, 0xc0201u, 0x2f8a7u, 0xc0301u, 0x2f8a8u, 0xc0401u,
    0x2f8a9u, 0xc0501u, 0x2f8aau, 0xc0601u, 0x2f8abu, 0xc0701u, 0x2f8acu, 0xc0801u,
    0x2f8adu, 0xc0901u, 0x2f8aeu, 0xc0a01u, 0x2f8afu, 0xc0b01u, 0x2f8b0u, 0xc0c01u,
    0x2f8b1u, 0xc0d01u, 0x2f8b2u, 0xc0e01u, 0x2f8b3u, 0xc0f01u, 0x2f8b4u, 0xc1001u,
    0x2f8b5u, 0xc1101u, 0x2f8b6u, 0xc1201u, 0x2f8b7u, 0xc1301u, 0x2f8b8u, 0xc1401u,
    0x2f8b9u, 0xc1501u, 0x2f8bau, 0xc1601u, 0x2f8bbu, 0xc1701u, 0x2f8bcu, 0xc1801u,
    0x2f8bdu, 0xc1901u, 0x2f8beu, 0xc1a01u, 0x2f8bfu, 0xc1b01u, 0x2f8c0u, 0xc1c01u,
    0x2f8c1u, 0xc1d01u, 0x2f8c2u, 0xc1e01u, 0x2f8c3u, 0xc1f01u, 0x2f8c4u, 0xc2001u,
    0x2f8c5u, 0xc2101u, 0x2f8c6u, 0xc2201u, 0x2f8c7u, 0xc2301u, 0x2f8c8u, 0xc2401u,
    0x2f8c9u, 0xc2501u, 0x2f8cau, 0xc2601u, 0x2f8cbu, 0xc2701u, 0x2f8ccu, 0xc2801u,
    0x2f8cdu, 0xc2901u, 0x2f8ceu, 0xc2a01u, 0x2f8cfu, 0xc2b01u, 0x2f8d0u, 0xc2c01u,
    0x2f8d1u, 0xc2d01u, 0x2f8d2u, 0xc2e01u, 0x2f8d3u, 0xc2f01u, 0x2f8d4u, 0xc3001u,
    0x2f8d5u, 0xc3101u, 0x2f8d6u, 0xc3201u, 0x2f8d7u, 0xc3301u, 0x2f8d8u, 0xc3401u,
    0x2f8d9u, 0xc3501u, 0x2f8dau, 0xc3601u, 0x2f8dbu, 0xc3701u, 0x2f8dcu, 0xc3801u,
    0x2f8ddu, 0xc3901u, 0x2f8deu, 0xc3a01u, 0x2f8dfu, 0xc3b01u, 0x2f8e0u, 0xc3c01u,
    0x2f8e1u, 0xc3d01u, 0x2f8e2u, 0xc3e01u, 0x2f8e3u, 0xc3f01u, 0x2f8e4u, 0xc4001u,
    0x2f8e5u, 0xc4101u, 0x2f8e6u, 0xc4201u, 0x2f8e7u, 0xc4301u, 0x2f8e8u, 0xc4401u,
    0x2f8e9u, 0xc4501u, 0x2f8eau, 0xc4601u, 0x2f8ebu, 0xc4701u, 0x2f8ecu, 0xc4801u,
    0x2f8edu, 0xc4901u, 0x2f8eeu, 0xc4a01u, 0x2f8efu, 0xc4b01u, 0x2f8f0u, 0xc4c01u,
    0x2f8f1u, 0xc4d01u, 0x2f8f2u, 0xc4e01u, 0x2f8f3u, 0xc4f01u, 0x2f8f4u, 0xc5001u,
    0x2f8f5u, 0xc5101u, 0x2f8f6u, 0xc5201u, 0x2f8f7u, 0xc5301u, 0x2f8f8u, 0xc5401u,
    0x2f8f9u, 0xc5501u, 0x2f8fau, 0xc5601u, 0x2f8fbu, 0xc5701u, 0x2f8fcu, 0xc5801u,
    0x2f8fdu, 0xc5901u, 0x2f8feu, 0xc5a01u, 0x2f8ffu, 0xc5b01u, 0x2f900u, 0xc5c01u,
    0x2f901u, 0xc5d01u, 0x2f902u, 0xc5e01u, 0x2f903u, 0xc5f01u, 0x2f904u, 0xc6001u,
    0x2f905u, 0xc6101u, 0x2f906u, 0xc6201u, 0x2f907u, 0xc6301u, 0x2f908u, 0xc6401u,
    0x2f909u, 0xc6501u, 0x2f90au, 0xc6601u, 0x2f90bu, 0xc6701u, 0x2f90cu, 0xc6801u,
    0x2f90du, 0xc6901u, 0x2f90eu, 0xc6a01u, 0x2f90fu, 0xc6b01u, 0x2f910u, 0xc6c01u,
    0x2f911u, 0xc6d01u, 0x2f912u, 0xc6e01u, 0x2f913u, 0xc6f01u, 0x2f914u, 0xc7001u,
    0x2f915u, 0xc7101u, 0x2f916u, 0xc7201u, 0x2f917u, 0xc7301u, 0x2f918u, 0xc7401u,
    0x2f919u, 0xc7501u, 0x2f91au, 0xc7601u, 0x2f91bu, 0xc7701u, 0x2f91cu, 0xc7801u,
    0x2f91du, 0xc7901u, 0x2f91eu, 0xc7a01u, 0x2f91fu, 0xc7b01u, 0x2f920u, 0xc7c01u,
    0x2f921u, 0xc7d01u, 0x2f922u, 0xc7e01u, 0x2f923u, 0xc7f01u, 0x2f924u, 0xc8001u,
    0x2f925u, 0xc8101u, 0x2f926u, 0xc8201u, 0x2f927u, 0xc8301u, 0x2f928u, 0xc8401u,
    0x2f929u, 0xc8501u, 0x2f92au, 0xc8601u, 0x2f92bu, 0xc8701u, 0x2f92cu, 0xc8801u,
    0x2f92du, 0xc8901u, 0x2f92eu, 0xc8a01u, 0x2f92fu, 0xc8b01u, 0x2f930u, 0xc8c01u,
    0x2f931u, 0xc8d01u, 0x2f932u, 0xc8e01u, 0x2f933u, 0xc8f01u, 0x2f934u, 0xc9001u,
    0x2f935u, 0xc9101u, 0x2f936u, 0xc9201u, 0x2f937u, 0xc9301u, 0x2f938u, 0xc9401u,
    0x2f939u, 0xc9501u, 0x2f93au, 0xc9601u, 0x2f93bu, 0xc9701u, 0x2f93cu, 0xc9801u,
    0x2f93du, 0xc9901u, 0x2f93eu, 0xc9a01u, 0x2f93fu, 0xc9b01u, 0x2f940u, 0xc9c01u,
    0x2f941u, 0xc9d01u, 0x2f942u, 0xc9e01u, 0x2f943u, 0xc9f01u, 0x2f944u, 0xca001u,
    0x2f945u, 0xca101u, 0x2f946u, 0xca201u, 0x2f947u, 0xca301u, 0x2f948u, 0xca401u,
    0x2f949u, 0xca501u, 0x2f94au, 0xca601u, 0x2f94bu, 0xca701u, 0x2f94cu, 0xca801u,
    0x2f94du, 0xca901u, 0x2f94eu, 0xcaa01u, 0x2f94fu, 0xcab01u, 0x2f950u, 0xcac01u,
    0x2f951u, 0xcad01u, 0x2f952u, 0xcae01u, 0x2f953u, 0xcaf01u, 0x2f954u, 0xcb001u,
    0x2f955u, 0xcb101u, 0x2f956u, 0xcb201u, 0x2f957u, 0xcb301u, 0x2f958u, 0xcb401u,
    0x2f959u, 0xcb501u, 0x2f95au, 0xcb601u, 0x2f95bu, 0xcb701u, 0x2f95cu, 0xcb801u,
    0x2f95du, 0xcb901u, 0x2f95eu, 0xcba01u, 0x2f95fu, 0xcbb01u, 0x2f960u, 0xcbc01u,
    0x2f961u, 0xcbd01u, 0x2f962u, 0xcbe01u, 0x2f963u, 0xcbf01u, 0x2f964u, 0xcc001u,
    0x2f965u, 0xcc101u, 0x2f966u, 0xcc201u, 0x2f967u, 0xcc301u, 0x2f968u, 0xcc401u,
    0x2f969u, 0xcc501u, 0x2f96au, 0xcc601u, 0x2f96bu, 0xcc701u, 0x2f96cu, 0xcc801u,
    0x2f96du, 0xcc901u, 0x2f96eu, 0xcca01u, 0x2f96fu, 0xccb01u, 0x2f970u, 0xccc01u,
    0x2f971u, 0xccd01u, 0x2f972u, 0xcce01u, 0x2f973u, 0xccf01u, 0x2f974u, 0xcd001u,
    0x2f975u, 0xcd101u, 0x2f976u, 0xcd201u, 0x2f977u, 0xcd301u, 0x2f978u, 0xcd401u,
    0x2f979u, 0xcd501u, 0x2f97au, 0xcd601u, 0x2f97bu, 0xcd701u, 0x2f97cu, 0xcd801u,
    0x2f97du, 0xcd901u, 0x2f97eu, 0xcda01u, 0x2f97fu, 0xcdb01u, 0x2f980u, 0xcdc01u,
    0x2f981u, 0xcdd01u, 0x2f982u, 0xcde01u, 0x2f983u, 0xcdf01u, 0x2f984u, 0xce001u,
    0x2f985u, 0xce101u, 0x2f986u, 0xce201u, 0x2f987u, 0xce301u, 0x2f988u, 0xce401u,
    0x2f989u, 0xce501u, 0x2f98au, 0xce601u, 0x2f98bu, 0xce701u, 0x2f98cu, 0xce801u,
    0x2f98du, 0xce901u, 0x2f98eu, 0xcea01u, 0x2f98fu, 0xceb01u, 0x2f990u, 0xcec01u,
    0x2f991u, 0xced01u, 0x2f992u, 0xcee01u, 0x2f993u, 0xcef01u, 0x2f994u, 0xcf001u,
    0x2f995u, 0xcf101u, 0x2f996u, 0xcf201u, 0x2f997u, 0xcf301u, 0x2f998u, 0xcf401u,
    0x2f999u, 0xcf501u, 0x2f99au, 0xcf601u, 0x2f99bu, 0xcf701u, 0x2f99cu, 0xcf801u,
    0x2f99du, 0xcf901u, 0x2f99eu, 0xcfa01u, 0x2f99fu, 0xcfb01u, 0x2f9a0u, 0xcfc01u,
    0x2f9a1u, 0xcfd01u, 0x2f9a2u, 0xcfe01u, 0x2f9a3u, 0xcff01u, 0x2f9a4u, 0xd0001u,
    0x2f9a5u, 0xd0101u, 0x2f9a6u, 0xd0201u, 0x2f9a7u, 0xd0301u, 0x2f9a8u, 0xd0401u,
    0x2f9a9u, 0xd0501u, 0x2f9aau, 0xd0601u, 0x2f9abu, 0xd0701u, 0x2f9acu, 0xd0801u,
    0x2f9adu, 0xd0901u, 0x2f9aeu, 0xd0a01u, 0x2f9afu, 0xd0b01u, 0x2f9b0u, 0xd0c01u,
    0x2f9b1u, 0xd0d01u, 0x2f9b2u, 0xd0e01u, 0x2f9b3u, 0xd0f01u, 0x2f9b4u, 0xd1001u,
    0x2f9b5u, 0xd1101u, 0x2f9b6u, 0xd1201u, 0x2f9b7u, 0xd1301u, 0x2f9b8u, 0xd1401u,
    0x2f9b9u, 0xd1501u, 0x2f9bau, 0xd1601u, 0x2f9bbu, 0xd1701u, 0x2f9bcu, 0xd1801u,
    0x2f9bdu, 0xd1901u, 0x2f9beu, 0xd1a01u, 0x2f9bfu, 0xd1b01u, 0x2f9c0u, 0xd1c01u,
    0x2f9c1u, 0xd1d01u, 0x2f9c2u, 0xd1e01u, 0x2f9c3u, 0xd1f01u, 0x2f9c4u, 0xd2001u,
    0x2f9c5u, 0xd2101u, 0x2f9c6u, 0xd2201u, 0x2f9c7u, 0xd2301u, 0x2f9c8u, 0xd2401u,
    0x2f9c9u, 0xd2501u, 0x2f9cau, 0xd2601u, 0x2f9cbu, 0xd2701u, 0x2f9ccu, 0xd2801u,
    0x2f9cdu, 0xd2901u, 0x2f9ceu, 0xd2a01u, 0x2f9cfu, 0xd2b01u, 0x2f9d0u, 0xd2c01u,
    0x2f9d1u, 0xd2d01u, 0x2f9d2u, 0xd2e01u, 0x2f9d3u, 0xd2f01u, 0x2f9d4u, 0xd3001u,
    0x2f9d5u, 0xd3101u, 0x2f9d6u, 0xd3201u, 0x2f9d7u, 0xd3301u, 0x2f9d8u, 0xd3401u,
    0x2f9d9u, 0xd3501u, 0x2f9dau, 0xd3601u, 0x2f9dbu, 0xd3701u, 0x2f9dcu, 0xd3801u,
    0x2f9ddu, 0xd3901u, 0x2f9deu, 0xd3a01u, 0x2f9dfu, 0xd3b01u, 0x2f9e0u, 0xd3c01u,
    0x2f9e1u, 0xd3d01u, 0x2f9e2u, 0xd3e01u, 0x2f9e3u, 0xd3f01u, 0x2f9e4u, 0xd4001u,
    0x2f9e5u, 0xd4101u, 0x2f9e6u, 0xd4201u, 0x2f9e7u, 0xd4301u, 0x2f9e8u, 0xd4401u,
    0x2f9e9u, 0xd4501u, 0x2f9eau, 0xd4601u, 0x2f9ebu, 0xd4701u, 0x2f9ecu, 0xd4801u,
    0x2f9edu, 0xd4901u, 0x2f9eeu, 0xd4a01u, 0x2f9efu, 0xd4b01u, 0x2f9f0u, 0xd4c01u,
    0x2f9f1u, 0xd4d01u, 0x2f9f2u, 0xd4e01u, 0x2f9f3u, 0xd4f01u, 0x2f9f4u, 0xd5001u,
    0x2f9f5u, 0xd5101u, 0x2f9f6u, 0xd5201u, 0x2f9f7u, 0xd5301u, 0x2f9f8u, 0xd5401u,
    0x2f9f9u, 0xd5501u, 0x2f9fau, 0xd5601u, 0x2f9fbu, 0xd5701u, 0x2f9fcu, 0xd5801u,
    0x2f9fdu, 0xd5901u, 0x2f9feu, 0xd5a01u, 0x2f9ffu, 0xd5b01u, 0x2fa00u, 0xd5c01u,
    0x2fa01u, 0xd5d01u, 0x2fa02u, 0xd5e01u, 0x2fa03u, 0xd5f01u, 0x2fa04u, 0xd6001u,
    0x2fa05u, 0xd6101u, 0x2fa06u, 0xd6201u, 0x2fa07u, 0xd6301u, 0x2fa08u, 0xd6401u,
    0x2fa09u, 0xd6501u, 0x2fa0au, 0xd6601u, 0x2fa0bu, 0xd6701u, 0x2fa0cu, 0xd6801u,
    0x2fa0du, 0xd6901u, 0x2fa0eu, 0xd6a01u, 0x2fa0fu, 0xd6b01u, 0x2fa10u, 0xd6c01u,
    0x2fa11u, 0xd6d01u, 0x2fa12u, 0xd6e01u, 0x2fa13u, 0xd6f01u, 0x2fa14u, 0xd7001u,
    0x2fa15u, 0xd7101u, 0x2fa16u, 0xd7201u, 0x2fa17u, 0xd7301u, 0x2fa18u, 0xd7401u,
    0x2fa19u, 0xd7501u, 0x2fa1au, 0xd7601u, 0x2fa1bu, 0xd7701u, 0x2fa1cu, 0xd7801u,
    0x2fa1du, 0xd7901u,
};
static const uint32_t lora__nfd_pool[3450] = {
    0x41u, 0x300u, 0x41u, 0x301u, 0x41u, 0x302u, 0x41u, 0x303u,
    0x41u, 0x308u, 0x41u, 0x30au, 0x43u, 0x327u, 0x45u, 0x300u,
    0x45u, 0x301u, 0x45u, 0x302u, 0x45u, 0x308u, 0x49u, 0x300u,
    0x49u, 0x301u, 0x49u, 0x302u, 0x49u, 0x308u, 0x4eu, 0x303u,
    0x4fu, 0x300u, 0x4fu, 0x301u, 0x4fu, 0x302u, 0x4fu, 0x303u,
    0x4fu, 0x308u, 0x55u, 0x300u, 0x55u, 0x301u, 0x55u, 0x302u,
    0x55u, 0x308u, 0x59u, 0x301u, 0x61u, 0x300u, 0x61u, 0x301u,
    0x61u, 0x302u, 0x61u, 0x303u, 0x61u, 0x308u, 0x61u, 0x30au,
    0x63u, 0x327u, 0x65u, 0x300u, 0x65u, 0x301u, 0x65u, 0x302u,
    0x65u, 0x308u, 0x69u, 0x300u, 0x69u, 0x301u, 0x69u, 0x302u,
    0x69u, 0x308u, 0x6eu, 0x303u, 0x6fu, 0x300u, 0x6fu, 0x301u,
    0x6fu, 0x302u, 0x6fu, 0x303u, 0x6fu, 0x308u, 0x75u, 0x300u,
    0x75u, 0x301u, 0x75u, 0x302u, 0x75u, 0x308u, 0x79u, 0x301u,
    0x79u, 0x308u, 0x41u, 0x304u, 0x61u, 0x304u, 0x41u, 0x306u,
    0x61u, 0x306u, 0x41u, 0x328u, 0x61u, 0x328u, 0x43u, 0x301u,
    0x63u, 0x301u, 0x43u, 0x302u, 0x63u, 0x302u, 0x43u, 0x307u,
    0x63u, 0x307u, 0x43u, 0x30cu, 0x63u, 0x30cu, 0x44u, 0x30cu,
    0x64u, 0x30cu, 0x45u, 0x304u, 0x65u, 0x304u, 0x45u, 0x306u,
    0x65u, 0x306u, 0x45u, 0x307u, 0x65u, 0x307u, 0x45u, 0x328u,
    0x65u, 0x328u, 0x45u, 0x30cu, 0x65u, 0x30cu, 0x47u, 0x302u,
    0x67u, 0x302u, 0x47u, 0x306u, 0x67u, 0x306u, 0x47u, 0x307u,
    0x67u, 0x307u, 0x47u, 0x327u, 0x67u, 0x327u, 0x48u, 0x302u,
    0x68u, 0x302u, 0x49u, 0x303u, 0x69u, 0x303u, 0x49u, 0x304u,
    0x69u, 0x304u, 0x49u, 0x306u, 0x69u, 0x306u, 0x49u, 0x328u,
    0x69u, 0x328u, 0x49u, 0x307u, 0x4au, 0x302u, 0x6au, 0x302u,
    0x4bu, 0x327u, 0x6bu, 0x327u, 0x4cu, 0x301u, 0x6cu, 0x301u,
    0x4cu, 0x327u, 0x6cu, 0x327u, 0x4cu, 0x30cu, 0x6cu, 0x30cu,
    0x4eu, 0x301u, 0x6eu, 0x301u, 0x4eu, 0x327u, 0x6eu, 0x327u,
    0x4eu, 0x30cu, 0x6eu, 0x30cu, 0x4fu, 0x304u, 0x6fu, 0x304u,
    0x4fu, 0x306u, 0x6fu, 0x306u, 0x4fu, 0x30bu, 0x6fu, 0x30bu,
    0x52u, 0x301u, 0x72u, 0x301u, 0x52u, 0x327u, 0x72u, 0x327u,
    0x52u, 0x30cu, 0x72u, 0x30cu, 0x53u, 0x301u, 0x73u, 0x301u,
    0x53u, 0x302u, 0x73u, 0x302u, 0x53u, 0x327u, 0x73u, 0x327u,
    0x53u, 0x30cu, 0x73u, 0x30cu, 0x54u, 0x327u, 0x74u, 0x327u,
    0x54u, 0x30cu, 0x74u, 0x30cu, 0x55u, 0x303u, 0x75u, 0x303u,
    0x55u, 0x304u, 0x75u, 0x304u, 0x55u, 0x306u, 0x75u, 0x306u,
    0x55u, 0x30au, 0x75u, 0x30au, 0x55u, 0x30bu, 0x75u, 0x30bu,
    0x55u, 0x328u, 0x75u, 0x328u, 0x57u, 0x302u, 0x77u, 0x302u,
    0x59u, 0x302u, 0x79u, 0x302u, 0x59u, 0x308u, 0x5au, 0x301u,
    0x7au, 0x301u, 0x5au, 0x307u, 0x7au, 0x307u, 0x5au, 0x30cu,
    0x7au, 0x30cu, 0x4fu, 0x31bu, 0x6fu, 0x31bu, 0x55u, 0x31bu,
    0x75u, 0x31bu, 0x41u, 0x30cu, 0x61u, 0x30cu, 0x49u, 0x30cu,
    0x69u, 0x30cu, 0x4fu, 0x30cu, 0x6fu, 0x30cu, 0x55u, 0x30cu,
    0x75u, 0x30cu, 0x55u, 0x308u, 0x304u, 0x75u, 0x308u, 0x304u,
    0x55u, 0x308u, 0x301u, 0x75u, 0x308u, 0x301u, 0x55u, 0x308u,
    0x30cu, 0x75u, 0x308u, 0x30cu, 0x55u, 0x308u, 0x300u, 0x75u,
    0x308u, 0x300u, 0x41u, 0x308u, 0x304u, 0x61u, 0x308u, 0x304u,
    0x41u, 0x307u, 0x304u, 0x61u, 0x307u, 0x304u, 0xc6u, 0x304u,
    0xe6u, 0x304u, 0x47u, 0x30cu, 0x67u, 0x30cu, 0x4bu, 0x30cu,
    0x6bu, 0x30cu, 0x4fu, 0x328u, 0x6fu, 0x328u, 0x4fu, 0x328u,
    0x304u, 0x6fu, 0x328u, 0x304u, 0x1b7u, 0x30cu, 0x292u, 0x30cu,
    0x6au, 0x30cu, 0x47u, 0x301u, 0x67u, 0x301u, 0x4eu, 0x300u,
    0x6eu, 0x300u, 0x41u, 0x30au, 0x301u, 0x61u, 0x30au, 0x301u,
    0xc6u, 0x301u, 0xe6u, 0x301u, 0xd8u, 0x301u, 0xf8u, 0x301u,
    0x41u, 0x30fu, 0x61u, 0x30fu, 0x41u, 0x311u, 0x61u, 0x311u,
    0x45u, 0x30fu, 0x65u, 0x30fu, 0x45u, 0x311u, 0x65u, 0x311u,
    0x49u, 0x30fu, 0x69u, 0x30fu, 0x49u, 0x311u, 0x69u, 0x311u,
    0x4fu, 0x30fu, 0x6fu, 0x30fu, 0x4fu, 0x311u, 0x6fu, 0x311u,
    0x52u, 0x30fu, 0x72u, 0x30fu, 0x52u, 0x311u, 0x72u, 0x311u,
    0x55u, 0x30fu, 0x75u, 0x30fu, 0x55u, 0x311u, 0x75u, 0x311u,
    0x53u, 0x326u, 0x73u, 0x326u, 0x54u, 0x326u, 0x74u, 0x326u,
    0x48u, 0x30cu, 0x68u, 0x30cu, 0x41u, 0x307u, 0x61u, 0x307u,
    0x45u, 0x327u, 0x65u, 0x327u, 0x4fu, 0x308u, 0x304u, 0x6fu,
    0x308u, 0x304u, 0x4fu, 0x303u, 0x304u, 0x6fu, 0x303u, 0x304u,
    0x4fu, 0x307u, 0x6fu, 0x307u, 0x4fu, 0x307u, 0x304u, 0x6fu,
    0x307u, 0x304u, 0x59u, 0x304u, 0x79u, 0x304u, 0x300u, 0x301u,
    0x313u, 0x308u, 0x301u, 0x2b9u, 0x3bu, 0xa8u, 0x301u, 0x391u,
    0x301u, 0xb7u, 0x395u, 0x301u, 0x397u, 0x301u, 0x399u, 0x301u,
    0x39fu, 0x301u, 0x3a5u, 0x301u, 0x3a9u, 0x301u, 0x3b9u, 0x308u,
    0x301u, 0x399u, 0x308u, 0x3a5u, 0x308u, 0x3b1u, 0x301u, 0x3b5u,
    0x301u, 0x3b7u, 0x301u, 0x3b9u, 0x301u, 0x3c5u, 0x308u, 0x301u,
    0x3b9u, 0x308u, 0x3c5u, 0x308u, 0x3bfu, 0x301u, 0x3c5u, 0x301u,
    0x3c9u, 0x301u, 0x3d2u, 0x301u, 0x3d2u, 0x308u, 0x415u, 0x300u,
    0x415u, 0x308u, 0x413u, 0x301u, 0x406u, 0x308u, 0x41au, 0x301u,
    0x418u, 0x300u, 0x423u, 0x306u, 0x418u, 0x306u, 0x438u, 0x306u,
    0x435u, 0x300u, 0x435u, 0x308u, 0x433u, 0x301u, 0x456u, 0x308u,
    0x43au, 0x301u, 0x438u, 0x300u, 0x443u, 0x306u, 0x474u, 0x30fu,
    0x475u, 0x30fu, 0x416u, 0x306u, 0x436u, 0x306u, 0x410u, 0x306u,
    0x430u, 0x306u, 0x410u, 0x308u, 0x430u, 0x308u, 0x415u, 0x306u,
    0x435u, 0x306u, 0x4d8u, 0x308u, 0x4d9u, 0x308u, 0x416u, 0x308u,
    0x436u, 0x308u, 0x417u, 0x308u, 0x437u, 0x308u, 0x418u, 0x304u,
    0x438u, 0x304u, 0x418u, 0x308u, 0x438u, 0x308u, 0x41eu, 0x308u,
    0x43eu, 0x308u, 0x4e8u, 0x308u, 0x4e9u, 0x308u, 0x42du, 0x308u,
    0x44du, 0x308u, 0x423u, 0x304u, 0x443u, 0x304u, 0x423u, 0x308u,
    0x443u, 0x308u, 0x423u, 0x30bu, 0x443u, 0x30bu, 0x427u, 0x308u,
    0x447u, 0x308u, 0x42bu, 0x308u, 0x44bu, 0x308u, 0x627u, 0x653u,
    0x627u, 0x654u, 0x648u, 0x654u, 0x627u, 0x655u, 0x64au, 0x654u,
    0x6d5u, 0x654u, 0x6c1u, 0x654u, 0x6d2u, 0x654u, 0x928u, 0x93cu,
    0x930u, 0x93cu, 0x933u, 0x93cu, 0x915u, 0x93cu, 0x916u, 0x93cu,
    0x917u, 0x93cu, 0x91cu, 0x93cu, 0x921u, 0x93cu, 0x922u, 0x93cu,
    0x92bu, 0x93cu, 0x92fu, 0x93cu, 0x9c7u, 0x9beu, 0x9c7u, 0x9d7u,
    0x9a1u, 0x9bcu, 0x9a2u, 0x9bcu, 0x9afu, 0x9bcu, 0xa32u, 0xa3cu,
    0xa38u, 0xa3cu, 0xa16u, 0xa3cu, 0xa17u, 0xa3cu, 0xa1cu, 0xa3cu,
    0xa2bu, 0xa3cu, 0xb47u, 0xb56u, 0xb47u, 0xb3eu, 0xb47u, 0xb57u,
    0xb21u, 0xb3cu, 0xb22u, 0xb3cu, 0xb92u, 0xbd7u, 0xbc6u, 0xbbeu,
    0xbc7u, 0xbbeu, 0xbc6u, 0xbd7u, 0xc46u, 0xc56u, 0xcbfu, 0xcd5u,
    0xcc6u, 0xcd5u, 0xcc6u, 0xcd6u, 0xcc6u, 0xcc2u, 0xcc6u, 0xcc2u,
    0xcd5u, 0xd46u, 0xd3eu, 0xd47u, 0xd3eu, 0xd46u, 0xd57u, 0xdd9u,
    0xdcau, 0xdd9u, 0xdcfu, 0xdd9u, 0xdcfu, 0xdcau, 0xdd9u, 0xddfu,
    0xf42u, 0xfb7u, 0xf4cu, 0xfb7u, 0xf51u, 0xfb7u, 0xf56u, 0xfb7u,
    0xf5bu, 0xfb7u, 0xf40u, 0xfb5u, 0xf71u, 0xf72u, 0xf71u, 0xf74u,
    0xfb2u, 0xf80u, 0xfb3u, 0xf80u, 0xf71u, 0xf80u, 0xf92u, 0xfb7u,
    0xf9cu, 0xfb7u, 0xfa1u, 0xfb7u, 0xfa6u, 0xfb7u, 0xfabu, 0xfb7u,
    0xf90u, 0xfb5u, 0x1025u, 0x102eu, 0x1b05u, 0x1b35u, 0x1b07u, 0x1b35u,
    0x1b09u, 0x1b35u, 0x1b0bu, 0x1b35u, 0x1b0du, 0x1b35u, 0x1b11u, 0x1b35u,
    0x1b3au, 0x1b35u, 0x1b3cu, 0x1b35u, 0x1b3eu, 0x1b35u, 0x1b3fu, 0x1b35u,
    0x1b42u, 0x1b35u, 0x41u, 0x325u, 0x61u, 0x325u, 0x42u, 0x307u,
    0x62u, 0x307u, 0x42u, 0x323u, 0x62u, 0x323u, 0x42u, 0x331u,
    0x62u, 0x331u, 0x43u, 0x327u, 0x301u, 0x63u, 0x327u, 0x301u,
    0x44u, 0x307u, 0x64u, 0x307u, 0x44u, 0x323u, 0x64u, 0x323u,
    0x44u, 0x331u, 0x64u, 0x331u, 0x44u, 0x327u, 0x64u, 0x327u,
    0x44u, 0x32du, 0x64u, 0x32du, 0x45u, 0x304u, 0x300u, 0x65u,
    0x304u, 0x300u, 0x45u, 0x304u, 0x301u, 0x65u, 0x304u, 0x301u,
    0x45u, 0x32du, 0x65u, 0x32du, 0x45u, 0x330u, 0x65u, 0x330u,
    0x45u, 0x327u, 0x306u, 0x65u, 0x327u, 0x306u, 0x46u, 0x307u,
    0x66u, 0x307u, 0x47u, 0x304u, 0x67u, 0x304u, 0x48u, 0x307u,
    0x68u, 0x307u, 0x48u, 0x323u, 0x68u, 0x323u, 0x48u, 0x308u,
    0x68u, 0x308u, 0x48u, 0x327u, 0x68u, 0x327u, 0x48u, 0x32eu,
    0x68u, 0x32eu, 0x49u, 0x330u, 0x69u, 0x330u, 0x49u, 0x308u,
    0x301u, 0x69u, 0x308u, 0x301u, 0x4bu, 0x301u, 0x6bu, 0x301u,
    0x4bu, 0x323u, 0x6bu, 0x323u, 0x4bu, 0x331u, 0x6bu, 0x331u,
    0x4cu, 0x323u, 0x6cu, 0x323u, 0x4cu, 0x323u, 0x304u, 0x6cu,
    0x323u, 0x304u, 0x4cu, 0x331u, 0x6cu, 0x331u, 0x4cu, 0x32du,
    0x6cu, 0x32du, 0x4du, 0x301u, 0x6du, 0x301u, 0x4du, 0x307u,
    0x6du, 0x307u, 0x4du, 0x323u, 0x6du, 0x323u, 0x4eu, 0x307u,
    0x6eu, 0x307u, 0x4eu, 0x323u, 0x6eu, 0x323u, 0x4eu, 0x331u,
    0x6eu, 0x331u, 0x4eu, 0x32du, 0x6eu, 0x32du, 0x4fu, 0x303u,
    0x301u, 0x6fu, 0x303u, 0x301u, 0x4fu, 0x303u, 0x308u, 0x6fu,
    0x303u, 0x308u, 0x4fu, 0x304u, 0x300u, 0x6fu, 0x304u, 0x300u,
    0x4fu, 0x304u, 0x301u, 0x6fu, 0x304u, 0x301u, 0x50u, 0x301u,
    0x70u, 0x301u, 0x50u, 0x307u, 0x70u, 0x307u, 0x52u, 0x307u,
    0x72u, 0x307u, 0x52u, 0x323u, 0x72u, 0x323u, 0x52u, 0x323u,
    0x304u, 0x72u, 0x323u, 0x304u, 0x52u, 0x331u, 0x72u, 0x331u,
    0x53u, 0x307u, 0x73u, 0x307u, 0x53u, 0x323u, 0x73u, 0x323u,
    0x53u, 0x301u, 0x307u, 0x73u, 0x301u, 0x307u, 0x53u, 0x30cu,
    0x307u, 0x73u, 0x30cu, 0x307u, 0x53u, 0x323u, 0x307u, 0x73u,
    0x323u, 0x307u, 0x54u, 0x307u, 0x74u, 0x307u, 0x54u, 0x323u,
    0x74u, 0x323u, 0x54u, 0x331u, 0x74u, 0x331u, 0x54u, 0x32du,
    0x74u, 0x32du, 0x55u, 0x324u, 0x75u, 0x324u, 0x55u, 0x330u,
    0x75u, 0x330u, 0x55u, 0x32du, 0x75u, 0x32du, 0x55u, 0x303u,
    0x301u, 0x75u, 0x303u, 0x301u, 0x55u, 0x304u, 0x308u, 0x75u,
    0x304u, 0x308u, 0x56u, 0x303u, 0x76u, 0x303u, 0x56u, 0x323u,
    0x76u, 0x323u, 0x57u, 0x300u, 0x77u, 0x300u, 0x57u, 0x301u,
    0x77u, 0x301u, 0x57u, 0x308u, 0x77u, 0x308u, 0x57u, 0x307u,
    0x77u, 0x307u, 0x57u, 0x323u, 0x77u, 0x323u, 0x58u, 0x307u,
    0x78u, 0x307u, 0x58u, 0x308u, 0x78u, 0x308u, 0x59u, 0x307u,
    0x79u, 0x307u, 0x5au, 0x302u, 0x7au, 0x302u, 0x5au, 0x323u,
    0x7au, 0x323u, 0x5au, 0x331u, 0x7au, 0x331u, 0x68u, 0x331u,
    0x74u, 0x308u, 0x77u, 0x30au, 0x79u, 0x30au, 0x17fu, 0x307u,
    0x41u, 0x323u, 0x61u, 0x323u, 0x41u, 0x309u, 0x61u, 0x309u,
    0x41u, 0x302u, 0x301u, 0x61u, 0x302u, 0x301u, 0x41u, 0x302u,
    0x300u, 0x61u, 0x302u, 0x300u, 0x41u, 0x302u, 0x309u, 0x61u,
    0x302u, 0x309u, 0x41u, 0x302u, 0x303u, 0x61u, 0x302u, 0x303u,
    0x41u, 0x323u, 0x302u, 0x61u, 0x323u, 0x302u, 0x41u, 0x306u,
    0x301u, 0x61u, 0x306u, 0x301u, 0x41u, 0x306u, 0x300u, 0x61u,
    0x306u, 0x300u, 0x41u, 0x306u, 0x309u, 0x61u, 0x306u, 0x309u,
    0x41u, 0x306u, 0x303u, 0x61u, 0x306u, 0x303u, 0x41u, 0x323u,
    0x306u, 0x61u, 0x323u, 0x306u, 0x45u, 0x323u, 0x65u, 0x323u,
    0x45u, 0x309u, 0x65u, 0x309u, 0x45u, 0x303u, 0x65u, 0x303u,
    0x45u, 0x302u, 0x301u, 0x65u, 0x302u, 0x301u, 0x45u, 0x302u,
    0x300u, 0x65u, 0x302u, 0x300u, 0x45u, 0x302u, 0x309u, 0x65u,
    0x302u, 0x309u, 0x45u, 0x302u, 0x303u, 0x65u, 0x302u, 0x303u,
    0x45u, 0x323u, 0x302u, 0x65u, 0x323u, 0x302u, 0x49u, 0x309u,
    0x69u, 0x309u, 0x49u, 0x323u, 0x69u, 0x323u, 0x4fu, 0x323u,
    0x6fu, 0x323u, 0x4fu, 0x309u, 0x6fu, 0x309u, 0x4fu, 0x302u,
    0x301u, 0x6fu, 0x302u, 0x301u, 0x4fu, 0x302u, 0x300u, 0x6fu,
    0x302u, 0x300u, 0x4fu, 0x302u, 0x309u, 0x6fu, 0x302u, 0x309u,
    0x4fu, 0x302u, 0x303u, 0x6fu, 0x302u, 0x303u, 0x4fu, 0x323u,
    0x302u, 0x6fu, 0x323u, 0x302u, 0x4fu, 0x31bu, 0x301u, 0x6fu,
    0x31bu, 0x301u, 0x4fu, 0x31bu, 0x300u, 0x6fu, 0x31bu, 0x300u,
    0x4fu, 0x31bu, 0x309u, 0x6fu, 0x31bu, 0x309u, 0x4fu, 0x31bu,
    0x303u, 0x6fu, 0x31bu, 0x303u, 0x4fu, 0x31bu, 0x323u, 0x6fu,
    0x31bu, 0x323u, 0x55u, 0x323u, 0x75u, 0x323u, 0x55u, 0x309u,
    0x75u, 0x309u, 0x55u, 0x31bu, 0x301u, 0x75u, 0x31bu, 0x301u,
    0x55u, 0x31bu, 0x300u, 0x75u, 0x31bu, 0x300u, 0x55u, 0x31bu,
    0x309u, 0x75u, 0x31bu, 0x309u, 0x55u, 0x31bu, 0x303u, 0x75u,
    0x31bu, 0x303u, 0x55u, 0x31bu, 0x323u, 0x75u, 0x31bu, 0x323u,
    0x59u, 0x300u, 0x79u, 0x300u, 0x59u, 0x323u, 0x79u, 0x323u,
    0x59u, 0x309u, 0x79u, 0x309u, 0x59u, 0x303u, 0x79u, 0x303u,
    0x3b1u, 0x313u, 0x3b1u, 0x314u, 0x3b1u, 0x313u, 0x300u, 0x3b1u,
    0x314u, 0x300u, 0x3b1u, 0x313u, 0x301u, 0x3b1u, 0x314u, 0x301u,
    0x3b1u, 0x313u, 0x342u, 0x3b1u, 0x314u, 0x342u, 0x391u, 0x313u,
    0x391u, 0x314u, 0x391u, 0x313u, 0x300u, 0x391u, 0x314u, 0x300u,
    0x391u, 0x313u, 0x301u, 0x391u, 0x314u, 0x301u, 0x391u, 0x313u,
    0x342u, 0x391u, 0x314u, 0x342u, 0x3b5u, 0x313u, 0x3b5u, 0x314u,
    0x3b5u, 0x313u, 0x300u, 0x3b5u, 0x314u, 0x300u, 0x3b5u, 0x313u,
    0x301u, 0x3b5u, 0x314u, 0x301u, 0x395u, 0x313u, 0x395u, 0x314u,
    0x395u, 0x313u, 0x300u, 0x395u, 0x314u, 0x300u, 0x395u, 0x313u,
    0x301u, 0x395u, 0x314u, 0x301u, 0x3b7u, 0x313u, 0x3b7u, 0x314u,
    0x3b7u, 0x313u, 0x300u, 0x3b7u, 0x314u, 0x300u, 0x3b7u, 0x313u,
    0x301u, 0x3b7u, 0x314u, 0x301u, 0x3b7u, 0x313u, 0x342u, 0x3b7u,
    0x314u, 0x342u, 0x397u, 0x313u, 0x397u, 0x314u, 0x397u, 0x313u,
    0x300u, 0x397u, 0x314u, 0x300u, 0x397u, 0x313u, 0x301u, 0x397u,
    0x314u, 0x301u, 0x397u, 0x313u, 0x342u, 0x397u, 0x314u, 0x342u,
    0x3b9u, 0x313u, 0x3b9u, 0x314u, 0x3b9u, 0x313u, 0x300u, 0x3b9u,
    0x314u, 0x300u, 0x3b9u, 0x313u, 0x301u, 0x3b9u, 0x314u, 0x301u,
    0x3b9u, 0x313u, 0x342u, 0x3b9u, 0x314u, 0x342u, 0x399u, 0x313u,
    0x399u, 0x314u, 0x399u, 0x313u, 0x300u, 0x399u, 0x314u, 0x300u,
    0x399u, 0x313u, 0x301u, 0x399u, 0x314u, 0x301u, 0x399u, 0x313u,
    0x342u, 0x399u, 0x314u, 0x342u, 0x3bfu, 0x313u, 0x3bfu, 0x314u,
    0x3bfu, 0x313u, 0x300u, 0x3bfu, 0x314u, 0x300u, 0x3bfu, 0x313u,
    0x301u, 0x3bfu, 0x314u, 0x301u, 0x39fu, 0x313u, 0x39fu, 0x314u,
    0x39fu, 0x313u, 0x300u, 0x39fu, 0x314u, 0x300u, 0x39fu, 0x313u,
    0x301u, 0x39fu, 0x314u, 0x301u, 0x3c5u, 0x313u, 0x3c5u, 0x314u,
    0x3c5u, 0x313u, 0x300u, 0x3c5u, 0x314u, 0x300u, 0x3c5u, 0x313u,
    0x301u, 0x3c5u, 0x314u, 0x301u, 0x3c5u, 0x313u, 0x342u, 0x3c5u,
    0x314u, 0x342u, 0x3a5u, 0x314u, 0x3a5u, 0x314u, 0x300u, 0x3a5u,
    0x314u, 0x301u, 0x3a5u, 0x314u, 0x342u, 0x3c9u, 0x313u, 0x3c9u,
    0x314u, 0x3c9u, 0x313u, 0x300u, 0x3c9u, 0x314u, 0x300u, 0x3c9u,
    0x313u, 0x301u, 0x3c9u, 0x314u, 0x301u, 0x3c9u, 0x313u, 0x342u,
    0x3c9u, 0x314u, 0x342u, 0x3a9u, 0x313u, 0x3a9u, 0x314u, 0x3a9u,
    0x313u, 0x300u, 0x3a9u, 0x314u, 0x300u, 0x3a9u, 0x313u, 0x301u,
    0x3a9u, 0x314u, 0x301u, 0x3a9u, 0x313u, 0x342u, 0x3a9u, 0x314u,
    0x342u, 0x3b1u, 0x300u, 0x3b1u, 0x301u, 0x3b5u, 0x300u, 0x3b5u,
    0x301u, 0x3b7u, 0x300u, 0x3b7u, 0x301u, 0x3b9u, 0x300u, 0x3b9u,
    0x301u, 0x3bfu, 0x300u, 0x3bfu, 0x301u, 0x3c5u, 0x300u, 0x3c5u,
    0x301u, 0x3c9u, 0x300u, 0x3c9u, 0x301u, 0x3b1u, 0x313u, 0x345u,
    0x3b1u, 0x314u, 0x345u, 0x3b1u, 0x313u, 0x300u, 0x345u, 0x3b1u,
    0x314u, 0x300u, 0x345u, 0x3b1u, 0x313u, 0x301u, 0x345u, 0x3b1u,
    0x314u, 0x301u, 0x345u, 0x3b1u, 0x313u, 0x342u, 0x345u, 0x3b1u,
    0x314u, 0x342u, 0x345u, 0x391u, 0x313u, 0x345u, 0x391u, 0x314u,
    0x345u, 0x391u, 0x313u, 0x300u, 0x345u, 0x391u, 0x314u, 0x300u,
    0x345u, 0x391u, 0x313u, 0x301u, 0x345u, 0x391u, 0x314u, 0x301u,
    0x345u, 0x391u, 0x313u, 0x342u, 0x345u, 0x391u, 0x314u, 0x342u,
    0x345u, 0x3b7u, 0x313u, 0x345u, 0x3b7u, 0x314u, 0x345u, 0x3b7u,
    0x313u, 0x300u, 0x345u, 0x3b7u, 0x314u, 0x300u, 0x345u, 0x3b7u,
    0x313u, 0x301u, 0x345u, 0x3b7u, 0x314u, 0x301u, 0x345u, 0x3b7u,
    0x313u, 0x342u, 0x345u, 0x3b7u, 0x314u, 0x342u, 0x345u, 0x397u,
    0x313u, 0x345u, 0x397u, 0x314u, 0x345u, 0x397u, 0x313u, 0x300u,
    0x345u, 0x397u, 0x314u, 0x300u, 0x345u, 0x397u, 0x313u, 0x301u,
    0x345u, 0x397u, 0x314u, 0x301u, 0x345u, 0x397u, 0x313u, 0x342u,
    0x345u, 0x397u, 0x314u, 0x342u, 0x345u, 0x3c9u, 0x313u, 0x345u,
    0x3c9u, 0x314u, 0x345u, 0x3c9u, 0x313u, 0x300u, 0x345u, 0x3c9u,
    0x314u, 0x300u, 0x345u, 0x3c9u, 0x313u, 0x301u, 0x345u, 0x3c9u,
    0x314u, 0x301u, 0x345u, 0x3c9u, 0x313u, 0x342u, 0x345u, 0x3c9u,
    0x314u, 0x342u, 0x345u, 0x3a9u, 0x313u, 0x345u, 0x3a9u, 0x314u,
    0x345u, 0x3a9u, 0x313u, 0x300u, 0x345u, 0x3a9u, 0x314u, 0x300u,
    0x345u, 0x3a9u, 0x313u, 0x301u, 0x345u, 0x3a9u, 0x314u, 0x301u,
    0x345u, 0x3a9u, 0x313u, 0x342u, 0x345u, 0x3a9u, 0x314u, 0x342u,
    0x345u, 0x3b1u, 0x306u, 0x3b1u, 0x304u, 0x3b1u, 0x300u, 0x345u,
    0x3b1u, 0x345u, 0x3b1u, 0x301u, 0x345u, 0x3b1u, 0x342u, 0x3b1u,
    0x342u, 0x345u, 0x391u, 0x306u, 0x391u, 0x304u, 0x391u, 0x300u,
    0x391u, 0x301u, 0x391u, 0x345u, 0x3b9u, 0xa8u, 0x342u, 0x3b7u,
    0x300u, 0x345u, 0x3b7u, 0x345u, 0x3b7u, 0x301u, 0x345u, 0x3b7u,
    0x342u, 0x3b7u, 0x342u, 0x345u, 0x395u, 0x300u, 0x395u, 0x301u,
    0x397u, 0x300u, 0x397u, 0x301u, 0x397u, 0x345u, 0x1fbfu, 0x300u,
    0x1fbfu, 0x301u, 0x1fbfu, 0x342u, 0x3b9u, 0x306u, 0x3b9u, 0x304u,
    0x3b9u, 0x308u, 0x300u, 0x3b9u, 0x308u, 0x301u, 0x3b9u, 0x342u,
    0x3b9u, 0x308u, 0x342u, 0x399u, 0x306u, 0x399u, 0x304u, 0x399u,
    0x300u, 0x399u, 0x301u, 0x1ffeu, 0x300u, 0x1ffeu, 0x301u, 0x1ffeu,
    0x342u, 0x3c5u, 0x306u, 0x3c5u, 0x304u, 0x3c5u, 0x308u, 0x300u,
    0x3c5u, 0x308u, 0x301u, 0x3c1u, 0x313u, 0x3c1u, 0x314u, 0x3c5u,
    0x342u, 0x3c5u, 0x308u, 0x342u, 0x3a5u, 0x306u, 0x3a5u, 0x304u,
    0x3a5u, 0x300u, 0x3a5u, 0x301u, 0x3a1u, 0x314u, 0xa8u, 0x300u,
    0xa8u, 0x301u, 0x60u, 0x3c9u, 0x300u, 0x345u, 0x3c9u, 0x345u,
    0x3c9u, 0x301u, 0x345u, 0x3c9u, 0x342u, 0x3c9u, 0x342u, 0x345u,
    0x39fu, 0x300u, 0x39fu, 0x301u, 0x3a9u, 0x300u, 0x3a9u, 0x301u,
    0x3a9u, 0x345u, 0xb4u, 0x2002u, 0x2003u, 0x3a9u, 0x4bu, 0x41u,
    0x30au, 0x2190u, 0x338u, 0x2192u, 0x338u, 0x2194u, 0x338u, 0x21d0u,
    0x338u, 0x21d4u, 0x338u, 0x21d2u, 0x338u, 0x2203u, 0x338u, 0x2208u,
    0x338u, 0x220bu, 0x338u, 0x2223u, 0x338u, 0x2225u, 0x338u, 0x223cu,
    0x338u, 0x2243u, 0x338u, 0x2245u, 0x338u, 0x2248u, 0x338u, 0x3du,
    0x338u, 0x2261u, 0x338u, 0x224du, 0x338u, 0x3cu, 0x338u, 0x3eu,
    0x338u, 0x2264u, 0x338u, 0x2265u, 0x338u, 0x2272u, 0x338u, 0x2273u,
    0x338u, 0x2276u, 0x338u, 0x2277u, 0x338u, 0x227au, 0x338u, 0x227bu,
    0x338u, 0x2282u, 0x338u, 0x2283u, 0x338u, 0x2286u, 0x338u, 0x2287u,
    0x338u, 0x22a2u, 0x338u, 0x22a8u, 0x338u, 0x22a9u, 0x338u, 0x22abu,
    0x338u, 0x227cu, 0x338u, 0x227du, 0x338u, 0x2291u, 0x338u, 0x2292u,
    0x338u, 0x22b2u, 0x338u, 0x22b3u, 0x338u, 0x22b4u, 0x338u, 0x22b5u,
    0x338u, 0x3008u, 0x3009u, 0x2addu, 0x338u, 0x304bu, 0x3099u, 0x304du,
    0x3099u, 0x304fu, 0x3099u, 0x3051u, 0x3099u, 0x3053u, 0x3099u, 0x3055u,
    0x3099u, 0x3057u, 0x3099u, 0x3059u, 0x3099u, 0x305bu, 0x3099u, 0x305du,
    0x3099u, 0x305fu, 0x3099u, 0x3061u, 0x3099u, 0x3064u, 0x3099u, 0x3066u,
    0x3099u, 0x3068u, 0x3099u, 0x306fu, 0x3099u, 0x306fu, 0x309au, 0x3072u,
    0x3099u, 0x3072u, 0x309au, 0x3075u, 0x3099u, 0x3075u, 0x309au, 0x3078u,
    0x3099u, 0x3078u, 0x309au, 0x307bu, 0x3099u, 0x307bu, 0x309au, 0x3046u,
    0x3099u, 0x309du, 0x3099u, 0x30abu, 0x3099u, 0x30adu, 0x3099u, 0x30afu,
    0x3099u, 0x30b1u, 0x3099u, 0x30b3u, 0x3099u, 0x30b5u, 0x3099u, 0x30b7u,
    0x3099u, 0x30b9u, 0x3099u, 0x30bbu, 0x3099u, 0x30bdu, 0x3099u, 0x30bfu,
    0x3099u, 0x30c1u, 0x3099u, 0x30c4u, 0x3099u, 0x30c6u, 0x3099u, 0x30c8u,
    0x3099u, 0x30cfu, 0x3099u, 0x30cfu, 0x309au, 0x30d2u, 0x3099u, 0x30d2u,
    0x309au, 0x30d5u, 0x3099u, 0x30d5u, 0x309au, 0x30d8u, 0x3099u, 0x30d8u,
    0x309au, 0x30dbu, 0x3099u, 0x30dbu, 0x309au, 0x30a6u, 0x3099u, 0x30efu,
    0x3099u, 0x30f0u, 0x3099u, 0x30f1u, 0x3099u, 0x30f2u, 0x3099u, 0x30fdu,
    0x3099u, 0x8c48u, 0x66f4u, 0x8ecau, 0x8cc8u, 0x6ed1u, 0x4e32u, 0x53e5u,
    0x9f9cu, 0x9f9cu, 0x5951u, 0x91d1u, 0x5587u, 0x5948u, 0x61f6u, 0x7669u,
    0x7f85u, 0x863fu, 0x87bau, 0x88f8u, 0x908fu, 0x6a02u, 0x6d1bu, 0x70d9u,
    0x73deu, 0x843du, 0x916au, 0x99f1u, 0x4e82u, 0x5375u, 0x6b04u, 0x721bu,
    0x862du, 0x9e1eu, 0x5d50u, 0x6febu, 0x85cdu, 0x8964u, 0x62c9u, 0x81d8u,
    0x881fu, 0x5ecau, 0x6717u, 0x6d6au, 0x72fcu, 0x90ceu, 0x4f86u, 0x51b7u,
    0x52deu, 0x64c4u, 0x6ad3u, 0x7210u, 0x76e7u, 0x8001u, 0x8606u, 0x865cu,
    0x8defu, 0x9732u, 0x9b6fu, 0x9dfau, 0x788cu, 0x797fu, 0x7da0u, 0x83c9u,
    0x9304u, 0x9e7fu, 0x8ad6u, 0x58dfu, 0x5f04u, 0x7c60u, 0x807eu, 0x7262u,
    0x78cau, 0x8cc2u, 0x96f7u, 0x58d8u, 0x5c62u, 0x6a13u, 0x6ddau, 0x6f0fu,
    0x7d2fu, 0x7e37u, 0x964bu, 0x52d2u, 0x808bu, 0x51dcu, 0x51ccu, 0x7a1cu,
    0x7dbeu, 0x83f1u, 0x9675u, 0x8b80u, 0x62cfu, 0x6a02u, 0x8afeu, 0x4e39u,
    0x5be7u, 0x6012u, 0x7387u, 0x7570u, 0x5317u, 0x78fbu, 0x4fbfu, 0x5fa9u,
    0x4e0du, 0x6cccu, 0x6578u, 0x7d22u, 0x53c3u, 0x585eu, 0x7701u, 0x8449u,
    0x8aaau, 0x6bbau, 0x8fb0u, 0x6c88u, 0x62feu, 0x82e5u, 0x63a0u, 0x7565u,
    0x4eaeu, 0x5169u, 0x51c9u, 0x6881u, 0x7ce7u, 0x826fu, 0x8ad2u, 0x91cfu,
    0x52f5u, 0x5442u, 0x5973u, 0x5eecu, 0x65c5u, 0x6ffeu, 0x792au, 0x95adu,
    0x9a6au, 0x9e97u, 0x9eceu, 0x529bu, 0x66c6u, 0x6b77u, 0x8f62u, 0x5e74u,
    0x6190u, 0x6200u, 0x649au, 0x6f23u, 0x7149u, 0x7489u, 0x79cau, 0x7df4u,
    0x806fu, 0x8f26u, 0x84eeu, 0x9023u, 0x934au, 0x5217u, 0x52a3u, 0x54bdu,
    0x70c8u, 0x88c2u, 0x8aaau, 0x5ec9u, 0x5ff5u, 0x637bu, 0x6baeu, 0x7c3eu,
    0x7375u, 0x4ee4u, 0x56f9u, 0x5be7u, 0x5dbau, 0x601cu, 0x73b2u, 0x7469u,
    0x7f9au, 0x8046u, 0x9234u, 0x96f6u, 0x9748u, 0x9818u, 0x4f8bu, 0x79aeu,
    0x91b4u, 0x96b8u, 0x60e1u, 0x4e86u, 0x50dau, 0x5beeu, 0x5c3fu, 0x6599u,
    0x6a02u, 0x71ceu, 0x7642u, 0x84fcu, 0x907cu, 0x9f8du, 0x6688u, 0x962eu,
    0x5289u, 0x677bu, 0x67f3u, 0x6d41u, 0x6e9cu, 0x7409u, 0x7559u, 0x786bu,
    0x7d10u, 0x985eu, 0x516du, 0x622eu, 0x9678u, 0x502bu, 0x5d19u, 0x6deau,
    0x8f2au, 0x5f8bu, 0x6144u, 0x6817u, 0x7387u, 0x9686u, 0x5229u, 0x540fu,
    0x5c65u, 0x6613u, 0x674eu, 0x68a8u, 0x6ce5u, 0x7406u, 0x75e2u, 0x7f79u,
    0x88cfu, 0x88e1u, 0x91ccu, 0x96e2u, 0x533fu, 0x6ebau, 0x541du, 0x71d0u,
    0x7498u, 0x85fau, 0x96a3u, 0x9c57u, 0x9e9fu, 0x6797u, 0x6dcbu, 0x81e8u,
    0x7acbu, 0x7b20u, 0x7c92u, 0x72c0u, 0x7099u, 0x8b58u, 0x4ec0u, 0x8336u,
    0x523au, 0x5207u, 0x5ea6u, 0x62d3u, 0x7cd6u, 0x5b85u, 0x6d1eu, 0x66b4u,
    0x8f3bu, 0x884cu, 0x964du, 0x898bu, 0x5ed3u, 0x5140u, 0x55c0u, 0x585au,
    0x6674u, 0x51deu, 0x732au, 0x76cau, 0x793cu, 0x795eu, 0x7965u, 0x798fu,
    0x9756u, 0x7cbeu, 0x7fbdu, 0x8612u, 0x8af8u, 0x9038u, 0x90fdu, 0x98efu,
    0x98fcu, 0x9928u, 0x9db4u, 0x90deu, 0x96b7u, 0x4faeu, 0x50e7u, 0x514du,
    0x52c9u, 0x52e4u, 0x5351u, 0x559du, 0x5606u, 0x5668u, 0x5840u, 0x58a8u,
    0x5c64u, 0x5c6eu, 0x6094u, 0x6168u, 0x618eu, 0x61f2u, 0x654fu, 0x65e2u,
    0x6691u, 0x6885u, 0x6d77u, 0x6e1au, 0x6f22u, 0x716eu, 0x722bu, 0x7422u,
    0x7891u, 0x793eu, 0x7949u, 0x7948u, 0x7950u, 0x7956u, 0x795du, 0x798du,
    0x798eu, 0x7a40u, 0x7a81u, 0x7bc0u, 0x7df4u, 0x7e09u, 0x7e41u, 0x7f72u,
    0x8005u, 0x81edu, 0x8279u, 0x8279u, 0x8457u, 0x8910u, 0x8996u, 0x8b01u,
    0x8b39u, 0x8cd3u, 0x8d08u, 0x8fb6u, 0x9038u, 0x96e3u, 0x97ffu, 0x983bu,
    0x6075u, 0x242eeu, 0x8218u, 0x4e26u, 0x51b5u, 0x5168u, 0x4f80u, 0x5145u,
    0x5180u, 0x52c7u, 0x52fau, 0x559du, 0x5555u, 0x5599u, 0x55e2u, 0x585au,
    0x58b3u, 0x5944u, 0x5954u, 0x5a62u, 0x5b28u, 0x5ed2u, 0x5ed9u, 0x5f69u,
    0x5fadu, 0x60d8u, 0x614eu, 0x6108u, 0x618eu, 0x6160u, 0x61f2u, 0x6234u,
    0x63c4u, 0x641cu, 0x6452u, 0x6556u, 0x6674u, 0x6717u, 0x671bu, 0x6756u,
    0x6b79u, 0x6bbau, 0x6d41u, 0x6edbu, 0x6ecbu, 0x6f22u, 0x701eu, 0x716eu,
    0x77a7u, 0x7235u, 0x72afu, 0x732au, 0x7471u, 0x7506u, 0x753bu, 0x761du,
    0x761fu, 0x76cau, 0x76dbu, 0x76f4u, 0x774au, 0x7740u, 0x78ccu, 0x7ab1u,
    0x7bc0u, 0x7c7bu, 0x7d5bu, 0x7df4u, 0x7f3eu, 0x8005u, 0x8352u, 0x83efu,
    0x8779u, 0x8941u, 0x8986u, 0x8996u, 0x8abfu, 0x8af8u, 0x8acbu, 0x8b01u,
    0x8afeu, 0x8aedu, 0x8b39u, 0x8b8au, 0x8d08u, 0x8f38u, 0x9072u, 0x9199u,
    0x9276u, 0x967cu, 0x96e3u, 0x9756u, 0x97dbu, 0x97ffu, 0x980bu, 0x983bu,
    0x9b12u, 0x9f9cu, 0x2284au, 0x22844u, 0x233d5u, 0x3b9du, 0x4018u, 0x4039u,
    0x25249u, 0x25cd0u, 0x27ed3u, 0x9f43u, 0x9f8eu, 0x5d9u, 0x5b4u, 0x5f2u,
    0x5b7u, 0x5e9u, 0x5c1u, 0x5e9u, 0x5c2u, 0x5e9u, 0x5bcu, 0x5c1u,
    0x5e9u, 0x5bcu, 0x5c2u, 0x5d0u, 0x5b7u, 0x5d0u, 0x5b8u, 0x5d0u,
    0x5bcu, 0x5d1u, 0x5bcu, 0x5d2u, 0x5bcu, 0x5d3u, 0x5bcu, 0x5d4u,
    0x5bcu, 0x5d5u, 0x5bcu, 0x5d6u, 0x5bcu, 0x5d8u, 0x5bcu, 0x5d9u,
    0x5bcu, 0x5dau, 0x5bcu, 0x5dbu, 0x5bcu, 0x5dcu, 0x5bcu, 0x5deu,
    0x5bcu, 0x5e0u, 0x5bcu, 0x5e1u, 0x5bcu, 0x5e3u, 0x5bcu, 0x5e4u,
    0x5bcu, 0x5e6u, 0x5bcu, 0x5e7u, 0x5bcu, 0x5e8u, 0x5bcu, 0x5e9u,
    0x5bcu, 0x5eau, 0x5bcu, 0x5d5u, 0x5b9u, 0x5d1u, 0x5bfu, 0x5dbu,
    0x5bfu, 0x5e4u, 0x5bfu, 0x105d2u, 0x307u, 0x105dau, 0x307u, 0x11099u,
    0x110bau, 0x1109bu, 0x110bau, 0x110a5u, 0x110bau, 0x11131u, 0x11127u, 0x11132u,
    0x11127u, 0x11347u, 0x1133eu, 0x11347u, 0x11357u, 0x11382u, 0x113c9u, 0x11384u,
    0x113bbu, 0x1138bu, 0x113c2u, 0x11390u, 0x113c9u, 0x113c2u, 0x113c2u, 0x113c2u,
    0x113b8u, 0x113c2u, 0x113c9u, 0x114b9u, 0x114bau, 0x114b9u, 0x114b0u, 0x114b9u,
    0x114bdu, 0x115b8u, 0x115afu, 0x115b9u, 0x115afu, 0x11935u, 0x11930u, 0x1611eu,
    0x1611eu, 0x1611eu, 0x16129u, 0x1611eu, 0x1611fu, 0x16129u, 0x1611fu, 0x1611eu,
    0x16120u, 0x1611eu, 0x1611eu, 0x1611fu, 0x1611eu, 0x16129u, 0x1611fu, 0x1611eu,
    0x1611eu, 0x16120u, 0x16d67u, 0x16d67u, 0x16d63u, 0x16d67u, 0x16d63u, 0x16d67u,
    0x16d67u, 0x1d157u, 0x1d165u, 0x1d158u, 0x1d165u, 0x1d158u, 0x1d165u, 0x1d16eu,
    0x1d158u, 0x1d165u, 0x1d16fu, 0x1d158u, 0x1d165u, 0x1d170u, 0x1d158u, 0x1d165u,
    0x1d171u, 0x1d158u, 0x1d165u, 0x1d172u, 0x1d1b9u, 0x1d165u, 0x1d1bau, 0x1d165u,
    0x1d1b9u, 0x1d165u, 0x1d16eu, 0x1d1bau, 0x1d165u, 0x1d16eu, 0x1d1b9u, 0x1d165u,
    0x1d16fu, 0x1d1bau, 0x1d165u, 0x1d16fu, 0x4e3du, 0x4e38u, 0x4e41u, 0x20122u,
    0x4f60u, 0x4faeu, 0x4fbbu, 0x5002u, 0x507au, 0x5099u, 0x50e7u, 0x50cfu,
    0x349eu, 0x2063au, 0x514du, 0x5154u, 0x5164u, 0x5177u, 0x2051cu, 0x34b9u,
    0x5167u, 0x518du, 0x2054bu, 0x5197u, 0x51a4u, 0x4eccu, 0x51acu, 0x51b5u,
    0x291dfu, 0x51f5u, 0x5203u, 0x34dfu, 0x523bu, 0x5246u, 0x5272u, 0x5277u,
    0x3515u, 0x52c7u, 0x52c9u, 0x52e4u, 0x52fau, 0x5305u, 0x5306u, 0x5317u,
    0x5349u, 0x5351u, 0x535au, 0x5373u, 0x537du, 0x537fu, 0x537fu, 0x537fu,
    0x20a2cu, 0x7070u, 0x53cau, 0x53dfu, 0x20b63u, 0x53ebu, 0x53f1u, 0x5406u,
    0x549eu, 0x5438u, 0x5448u, 0x5468u, 0x54a2u, 0x54f6u, 0x5510u, 0x5553u,
    0x5563u, 0x5584u, 0x5584u, 0x5599u, 0x55abu, 0x55b3u, 0x55c2u, 0x5716u,
    0x5606u, 0x5717u, 0x5651u, 0x5674u, 0x5207u, 0x58eeu, 0x57ceu, 0x57f4u,
    0x580du, 0x578bu, 0x5832u, 0x5831u, 0x58acu, 0x214e4u, 0x58f2u, 0x58f7u,
    0x5906u, 0x591au, 0x5922u, 0x5962u, 0x216a8u, 0x216eau, 0x59ecu, 0x5a1bu,
    0x5a27u, 0x59d8u, 0x5a66u, 0x36eeu, 0x36fcu, 0x5b08u, 0x5b3eu, 0x5b3eu,
    0x219c8u, 0x5bc3u, 0x5bd8u, 0x5be7u, 0x5bf3u, 0x21b18u, 0x5bffu, 0x5c06u,
    0x5f53u, 0x5c22u, 0x3781u, 0x5c60u, 0x5c6eu, 0x5cc0u, 0x5c8du, 0x21de4u,
    0x5d43u, 0x21de6u, 0x5d6eu, 0x5d6bu, 0x5d7cu, 0x5de1u, 0x5de2u, 0x382fu,
    0x5dfdu, 0x5e28u, 0x5e3du, 0x5e69u, 0x3862u, 0x22183u, 0x387cu, 0x5eb0u,
    0x5eb3u, 0x5eb6u, 0x5ecau, 0x2a392u, 0x5efeu, 0x22331u, 0x22331u, 0x8201u,
    0x5f22u, 0x5f22u, 0x38c7u, 0x232b8u, 0x261dau, 0x5f62u, 0x5f6bu, 0x38e3u,
    0x5f9au, 0x5fcdu, 0x5fd7u, 0x5ff9u, 0x6081u, 0x393au, 0x391cu, 0x6094u,
    0x226d4u, 0x60c7u, 0x6148u, 0x614cu, 0x614eu, 0x614cu, 0x617au, 0x618eu,
    0x61b2u, 0x61a4u, 0x61afu, 0x61deu, 0x61f2u, 0x61f6u, 0x6210u, 0x621bu,
    0x625du, 0x62b1u, 0x62d4u, 0x6350u, 0x22b0cu, 0x633du, 0x62fcu, 0x6368u,
    0x6383u, 0x63e4u, 0x22bf1u, 0x6422u, 0x63c5u, 0x63a9u, 0x3a2eu, 0x6469u,
    0x647eu, 0x649du, 0x6477u, 0x3a6cu, 0x654fu, 0x656cu, 0x2300au, 0x65e3u,
    0x66f8u, 0x6649u, 0x3b19u, 0x6691u, 0x3b08u, 0x3ae4u, 0x5192u, 0x5195u,
    0x6700u, 0x669cu, 0x80adu, 0x43d9u, 0x6717u, 0x671bu, 0x6721u, 0x675eu,
    0x6753u, 0x233c3u, 0x3b49u, 0x67fau, 0x6785u, 0x6852u, 0x6885u, 0x2346du,
    0x688eu, 0x681fu, 0x6914u, 0x3b9du, 0x6942u, 0x69a3u, 0x69eau, 0x6aa8u,
    0x236a3u, 0x6adbu, 0x3c18u, 0x6b21u, 0x238a7u, 0x6b54u, 0x3c4eu, 0x6b72u,
    0x6b9fu, 0x6bbau, 0x6bbbu, 0x23a8du, 0x21d0bu, 0x23afau, 0x6c4eu, 0x23cbcu,
    0x6cbfu, 0x6ccdu, 0x6c67u, 0x6d16u, 0x6d3eu, 0x6d77u, 0x6d41u, 0x6d69u,
    0x6d78u, 0x6d85u, 0x23d1eu, 0x6d34u, 0x6e2fu, 0x6e6eu, 0x3d33u, 0x6ecbu,
    0x6ec7u, 0x23ed1u, 0x6df9u, 0x6f6eu, 0x23f5eu, 0x23f8eu, 0x6fc6u, 0x7039u,
    0x701eu, 0x701bu, 0x3d96u, 0x704au, 0x707du, 0x7077u, 0x70adu, 0x20525u,
    0x7145u, 0x24263u, 0x719cu, 0x243abu, 0x7228u, 0x7235u, 0x7250u, 0x24608u,
    0x7280u, 0x7295u, 0x24735u, 0x24814u, 0x737au, 0x738bu, 0x3eacu, 0x73a5u,
    0x3eb8u, 0x3eb8u, 0x7447u, 0x745cu, 0x7471u, 0x7485u, 0x74cau, 0x3f1bu,
    0x7524u, 0x24c36u, 0x753eu, 0x24c92u, 0x7570u, 0x2219fu, 0x7610u, 0x24fa1u,
    0x24fb8u, 0x25044u, 0x3ffcu, 0x4008u, 0x76f4u, 0x250f3u, 0x250f2u, 0x25119u,
    0x25133u, 0x771eu, 0x771fu, 0x771fu, 0x774au, 0x4039u, 0x778bu, 0x4046u,
    0x4096u, 0x2541du, 0x784eu, 0x788cu, 0x78ccu, 0x40e3u, 0x25626u, 0x7956u,
    0x2569au, 0x256c5u, 0x798fu, 0x79ebu, 0x412fu, 0x7a40u, 0x7a4au, 0x7a4fu,
    0x2597cu, 0x25aa7u, 0x25aa7u, 0x7aeeu, 0x4202u, 0x25babu, 0x7bc6u, 0x7bc9u,
    0x4227u, 0x25c80u, 0x7cd2u, 0x42a0u, 0x7ce8u, 0x7ce3u, 0x7d00u, 0x25f86u,
    0x7d63u, 0x4301u, 0x7dc7u, 0x7e02u, 0x7e45u, 0x4334u, 0x26228u, 0x26247u,
    0x4359u, 0x262d9u, 0x7f7au, 0x2633eu, 0x7f95u, 0x7ffau, 0x8005u, 0x264dau,
    0x26523u, 0x8060u, 0x265a8u, 0x8070u, 0x2335fu, 0x43d5u, 0x80b2u, 0x8103u,
    0x440bu, 0x813eu, 0x5ab5u, 0x267a7u, 0x267b5u, 0x23393u, 0x2339cu, 0x8201u,
    0x8204u, 0x8f9eu, 0x446bu, 0x8291u, 0x828bu, 0x829du, 0x52b3u, 0x82b1u,
    0x82b3u, 0x82bdu, 0x82e6u, 0x26b3cu, 0x82e5u, 0x831du, 0x8363u, 0x83adu,
    0x8323u, 0x83bdu, 0x83e7u, 0x8457u, 0x8353u, 0x83cau, 0x83ccu, 0x83dcu,
    0x26c36u, 0x26d6bu, 0x26cd5u, 0x452bu, 0x84f1u, 0x84f3u, 0x8516u, 0x273cau,
    0x8564u, 0x26f2cu, 0x455du, 0x4561u, 0x26fb1u, 0x270d2u, 0x456bu, 0x8650u,
    0x865cu, 0x8667u, 0x8669u, 0x86a9u, 0x8688u, 0x870eu, 0x86e2u, 0x8779u,
    0x8728u, 0x876bu, 0x8786u, 0x45d7u, 0x87e1u, 0x8801u, 0x45f9u, 0x8860u,
    0x8863u, 0x27667u, 0x88d7u, 0x88deu, 0x4635u, 0x88fau, 0x34bbu, 0x278aeu,
    0x27966u, 0x46beu, 0x46c7u, 0x8aa0u, 0x8aedu, 0x8b8au, 0x8c55u, 0x27ca8u,
    0x8cabu, 0x8cc1u, 0x8d1bu, 0x8d77u, 0x27f2fu, 0x20804u, 0x8dcbu, 0x8dbcu,
    0x8df0u, 0x208deu, 0x8ed4u, 0x8f38u, 0x285d2u, 0x285edu, 0x9094u, 0x90f1u,
    0x9111u, 0x2872eu, 0x911bu, 0x9238u, 0x92d7u, 0x92d8u, 0x927cu, 0x93f9u,
    0x9415u, 0x28bfau, 0x958bu, 0x4995u, 0x95b7u, 0x28d77u, 0x49e6u, 0x96c3u,
    0x5db2u, 0x9723u, 0x29145u, 0x2921au, 0x4a6eu, 0x4a76u, 0x97e0u, 0x2940au,
    0x4ab2u, 0x29496u, 0x980bu, 0x980bu, 0x9829u, 0x295b6u, 0x98e2u, 0x4b33u,
    0x9929u, 0x99a7u, 0x99c2u, 0x99feu, 0x4bceu, 0x29b30u, 0x9b12u, 0x9c40u,
    0x9cfdu, 0x4cceu, 0x4cedu, 0x9d67u, 0x2a0ceu, 0x4cf8u, 0x2a105u, 0x2a20eu,
    0x2a291u, 0x9ebbu, 0x4d56u, 0x9ef9u, 0x9efeu, 0x9f05u, 0x9f0fu, 0x9f16u,
    0x9f3bu, 0x2a600u,
};
static const uint32_t lora__nfc_pairs[2883] = {
    0x3cu, 0x338u, 0x226eu, 0x3du, 0x338u, 0x2260u, 0x3eu, 0x338u, 0x226fu,
    0x41u, 0x300u, 0xc0u, 0x41u, 0x301u, 0xc1u, 0x41u, 0x302u, 0xc2u,
    0x41u, 0x303u, 0xc3u, 0x41u, 0x304u, 0x100u, 0x41u, 0x306u, 0x102u,
    0x41u, 0x307u, 0x226u, 0x41u, 0x308u, 0xc4u, 0x41u, 0x309u, 0x1ea2u,
    0x41u, 0x30au, 0xc5u, 0x41u, 0x30cu, 0x1cdu, 0x41u, 0x30fu, 0x200u,
    0x41u, 0x311u, 0x202u, 0x41u, 0x323u, 0x1ea0u, 0x41u, 0x325u, 0x1e00u,
    0x41u, 0x328u, 0x104u, 0x42u, 0x307u, 0x1e02u, 0x42u, 0x323u, 0x1e04u,
    0x42u, 0x331u, 0x1e06u, 0x43u, 0x301u, 0x106u, 0x43u, 0x302u, 0x108u,
    0x43u, 0x307u, 0x10au, 0x43u, 0x30cu, 0x10cu, 0x43u, 0x327u, 0xc7u,
    0x44u, 0x307u, 0x1e0au, 0x44u, 0x30cu, 0x10eu, 0x44u, 0x323u, 0x1e0cu,
    0x44u, 0x327u, 0x1e10u, 0x44u, 0x32du, 0x1e12u, 0x44u, 0x331u, 0x1e0eu,
    0x45u, 0x300u, 0xc8u, 0x45u, 0x301u, 0xc9u, 0x45u, 0x302u, 0xcau,
    0x45u, 0x303u, 0x1ebcu, 0x45u, 0x304u, 0x112u, 0x45u, 0x306u, 0x114u,
    0x45u, 0x307u, 0x116u, 0x45u, 0x308u, 0xcbu, 0x45u, 0x309u, 0x1ebau,
    0x45u, 0x30cu, 0x11au, 0x45u, 0x30fu, 0x204u, 0x45u, 0x311u, 0x206u,
    0x45u, 0x323u, 0x1eb8u, 0x45u, 0x327u, 0x228u, 0x45u, 0x328u, 0x118u,
    0x45u, 0x32du, 0x1e18u, 0x45u, 0x330u, 0x1e1au, 0x46u, 0x307u, 0x1e1eu,
    0x47u, 0x301u, 0x1f4u, 0x47u, 0x302u, 0x11cu, 0x47u, 0x304u, 0x1e20u,
    0x47u, 0x306u, 0x11eu, 0x47u, 0x307u, 0x120u, 0x47u, 0x30cu, 0x1e6u,
    0x47u, 0x327u, 0x122u, 0x48u, 0x302u, 0x124u, 0x48u, 0x307u, 0x1e22u,
    0x48u, 0x308u, 0x1e26u, 0x48u, 0x30cu, 0x21eu, 0x48u, 0x323u, 0x1e24u,
    0x48u, 0x327u, 0x1e28u, 0x48u, 0x32eu, 0x1e2au, 0x49u, 0x300u, 0xccu,
    0x49u, 0x301u, 0xcdu, 0x49u, 0x302u, 0xceu, 0x49u, 0x303u, 0x128u,
    0x49u, 0x304u, 0x12au, 0x49u, 0x306u, 0x12cu, 0x49u, 0x307u, 0x130u,
    0x49u, 0x308u, 0xcfu, 0x49u, 0x309u, 0x1ec8u, 0x49u, 0x30cu, 0x1cfu,
    0x49u, 0x30fu, 0x208u, 0x49u, 0x311u, 0x20au, 0x49u, 0x323u, 0x1ecau,
    0x49u, 0x328u, 0x12eu, 0x49u, 0x330u, 0x1e2cu, 0x4au, 0x302u, 0x134u,
    0x4bu, 0x301u, 0x1e30u, 0x4bu, 0x30cu, 0x1e8u, 0x4bu, 0x323u, 0x1e32u,
    0x4bu, 0x327u, 0x136u, 0x4bu, 0x331u, 0x1e34u, 0x4cu, 0x301u, 0x139u,
    0x4cu, 0x30cu, 0x13du, 0x4cu, 0x323u, 0x1e36u, 0x4cu, 0x327u, 0x13bu,
    0x4cu, 0x32du, 0x1e3cu, 0x4cu, 0x331u, 0x1e3au, 0x4du, 0x301u, 0x1e3eu,
    0x4du, 0x307u, 0x1e40u, 0x4du, 0x323u, 0x1e42u, 0x4eu, 0x300u, 0x1f8u,
    0x4eu, 0x301u, 0x143u, 0x4eu, 0x303u, 0xd1u, 0x4eu, 0x307u, 0x1e44u,
    0x4eu, 0x30cu, 0x147u, 0x4eu, 0x323u, 0x1e46u, 0x4eu, 0x327u, 0x145u,
    0x4eu, 0x32du, 0x1e4au, 0x4eu, 0x331u, 0x1e48u, 0x4fu, 0x300u, 0xd2u,
    0x4fu, 0x301u, 0xd3u, 0x4fu, 0x302u, 0xd4u, 0x4fu, 0x303u, 0xd5u,
    0x4fu, 0x304u, 0x14cu, 0x4fu, 0x306u, 0x14eu, 0x4fu, 0x307u, 0x22eu,
    0x4fu, 0x308u, 0xd6u, 0x4fu, 0x309u, 0x1eceu, 0x4fu, 0x30bu, 0x150u,
    0x4fu, 0x30cu, 0x1d1u, 0x4fu, 0x30fu, 0x20cu, 0x4fu, 0x311u, 0x20eu,
    0x4fu, 0x31bu, 0x1a0u, 0x4fu, 0x323u, 0x1eccu, 0x4fu, 0x328u, 0x1eau,
    0x50u, 0x301u, 0x1e54u, 0x50u, 0x307u, 0x1e56u, 0x52u, 0x301u, 0x154u,
    0x52u, 0x307u, 0x1e58u, 0x52u, 0x30cu, 0x158u, 0x52u, 0x30fu, 0x210u,
    0x52u, 0x311u, 0x212u, 0x52u, 0x323u, 0x1e5au, 0x52u, 0x327u, 0x156u,
    0x52u, 0x331u, 0x1e5eu, 0x53u, 0x301u, 0x15au, 0x53u, 0x302u, 0x15cu,
    0x53u, 0x307u, 0x1e60u, 0x53u, 0x30cu, 0x160u, 0x53u, 0x323u, 0x1e62u,
    0x53u, 0x326u, 0x218u, 0x53u, 0x327u, 0x15eu, 0x54u, 0x307u, 0x1e6au,
    0x54u, 0x30cu, 0x164u, 0x54u, 0x323u, 0x1e6cu, 0x54u, 0x326u, 0x21au,
    0x54u, 0x327u, 0x162u, 0x54u, 0x32du, 0x1e70u, 0x54u, 0x331u, 0x1e6eu,
    0x55u, 0x300u, 0xd9u, 0x55u, 0x301u, 0xdau, 0x55u, 0x302u, 0xdbu,
    0x55u, 0x303u, 0x168u, 0x55u, 0x304u, 0x16au, 0x55u, 0x306u, 0x16cu,
    0x55u, 0x308u, 0xdcu, 0x55u, 0x309u, 0x1ee6u, 0x55u, 0x30au, 0x16eu,
    0x55u, 0x30bu, 0x170u, 0x55u, 0x30cu, 0x1d3u, 0x55u, 0x30fu, 0x214u,
    0x55u, 0x311u, 0x216u, 0x55u, 0x31bu, 0x1afu, 0x55u, 0x323u, 0x1ee4u,
    0x55u, 0x324u, 0x1e72u, 0x55u, 0x328u, 0x172u, 0x55u, 0x32du, 0x1e76u,
    0x55u, 0x330u, 0x1e74u, 0x56u, 0x303u, 0x1e7cu, 0x56u, 0x323u, 0x1e7eu,
    0x57u, 0x300u, 0x1e80u, 0x57u, 0x301u, 0x1e82u, 0x57u, 0x302u, 0x174u,
    0x57u, 0x307u, 0x1e86u, 0x57u, 0x308u, 0x1e84u, 0x57u, 0x323u, 0x1e88u,
    0x58u, 0x307u, 0x1e8au, 0x58u, 0x308u, 0x1e8cu, 0x59u, 0x300u, 0x1ef2u,
    0x59u, 0x301u, 0xddu, 0x59u, 0x302u, 0x176u, 0x59u, 0x303u, 0x1ef8u,
    0x59u, 0x304u, 0x232u, 0x59u, 0x307u, 0x1e8eu, 0x59u, 0x308u, 0x178u,
    0x59u, 0x309u, 0x1ef6u, 0x59u, 0x323u, 0x1ef4u, 0x5au, 0x301u, 0x179u,
    0x5au, 0x302u, 0x1e90u, 0x5au, 0x307u, 0x17bu, 0x5au, 0x30cu, 0x17du,
    0x5au, 0x323u, 0x1e92u, 0x5au, 0x331u, 0x1e94u, 0x61u, 0x300u, 0xe0u,
    0x61u, 0x301u, 0xe1u, 0x61u, 0x302u, 0xe2u, 0x61u, 0x303u, 0xe3u,
    0x61u, 0x304u, 0x101u, 0x61u, 0x306u, 0x103u, 0x61u, 0x307u, 0x227u,
    0x61u, 0x308u, 0xe4u, 0x61u, 0x309u, 0x1ea3u, 0x61u, 0x30au, 0xe5u,
    0x61u, 0x30cu, 0x1ceu, 0x61u, 0x30fu, 0x201u, 0x61u, 0x311u, 0x203u,
    0x61u, 0x323u, 0x1ea1u, 0x61u, 0x325u, 0x1e01u, 0x61u, 0x328u, 0x105u,
    0x62u, 0x307u, 0x1e03u, 0x62u, 0x323u, 0x1e05u, 0x62u, 0x331u, 0x1e07u,
    0x63u, 0x301u, 0x107u, 0x63u, 0x302u, 0x109u, 0x63u, 0x307u, 0x10bu,
    0x63u, 0x30cu, 0x10du, 0x63u, 0x327u, 0xe7u, 0x64u, 0x307u, 0x1e0bu,
    0x64u, 0x30cu, 0x10fu, 0x64u, 0x323u, 0x1e0du, 0x64u, 0x327u, 0x1e11u,
    0x64u, 0x32du, 0x1e13u, 0x64u, 0x331u, 0x1e0fu, 0x65u, 0x300u, 0xe8u,
    0x65u, 0x301u, 0xe9u, 0x65u, 0x302u, 0xeau, 0x65u, 0x303u, 0x1ebdu,
    0x65u, 0x304u, 0x113u, 0x65u, 0x306u, 0x115u, 0x65u, 0x307u, 0x117u,
    0x65u, 0x308u, 0xebu, 0x65u, 0x309u, 0x1ebbu, 0x65u, 0x30cu, 0x11bu,
    0x65u, 0x30fu, 0x205u, 0x65u, 0x311u, 0x207u, 0x65u, 0x323u, 0x1eb9u,
    0x65u, 0x327u, 0x229u, 0x65u, 0x328u, 0x119u, 0x65u, 0x32du, 0x1e19u,
    0x65u, 0x330u, 0x1e1bu, 0x66u, 0x307u, 0x1e1fu, 0x67u, 0x301u, 0x1f5u,
    0x67u, 0x302u, 0x11du, 0x67u, 0x304u, 0x1e21u, 0x67u, 0x306u, 0x11fu,
    0x67u, 0x307u, 0x121u, 0x67u, 0x30cu, 0x1e7u, 0x67u, 0x327u, 0x123u,
    0x68u, 0x302u, 0x125u, 0x68u, 0x307u, 0x1e23u, 0x68u, 0x308u, 0x1e27u,
    0x68u, 0x30cu, 0x21fu, 0x68u, 0x323u, 0x1e25u, 0x68u, 0x327u, 0x1e29u,
    0x68u, 0x32eu, 0x1e2bu, 0x68u, 0x331u, 0x1e96u, 0x69u, 0x300u, 0xecu,
    0x69u, 0x301u, 0xedu, 0x69u, 0x302u, 0xeeu, 0x69u, 0x303u, 0x129u,
    0x69u, 0x304u, 0x12bu, 0x69u, 0x306u, 0x12du, 0x69u, 0x308u, 0xefu,
    0x69u, 0x309u, 0x1ec9u, 0x69u, 0x30cu, 0x1d0u, 0x69u, 0x30fu, 0x209u,
    0x69u, 0x311u, 0x20bu, 0x69u, 0x323u, 0x1ecbu, 0x69u, 0x328u, 0x12fu,
    0x69u, 0x330u, 0x1e2du, 0x6au, 0x302u, 0x135u, 0x6au, 0x30cu, 0x1f0u,
    0x6bu, 0x301u, 0x1e31u, 0x6bu, 0x30cu, 0x1e9u, 0x6bu, 0x323u, 0x1e33u,
    0x6bu, 0x327u, 0x137u, 0x6bu, 0x331u, 0x1e35u, 0x6cu, 0x301u, 0x13au,
    0x6cu, 0x30cu, 0x13eu, 0x6cu, 0x323u, 0x1e37u, 0x6cu, 0x327u, 0x13cu,
    0x6cu, 0x32du, 0x1e3du, 0x6cu, 0x331u, 0x1e3bu, 0x6du, 0x301u, 0x1e3fu,
    0x6du, 0x307u, 0x1e41u, 0x6du, 0x323u, 0x1e43u, 0x6eu, 0x300u, 0x1f9u,
    0x6eu, 0x301u, 0x144u, 0x6eu, 0x303u, 0xf1u, 0x6eu, 0x307u, 0x1e45u,
    0x6eu, 0x30cu, 0x148u, 0x6eu, 0x323u, 0x1e47u, 0x6eu, 0x327u, 0x146u,
    0x6eu, 0x32du, 0x1e4bu, 0x6eu, 0x331u, 0x1e49u, 0x6fu, 0x300u, 0xf2u,
    0x6fu, 0x301u, 0xf3u, 0x6fu, 0x302u, 0xf4u, 0x6fu, 0x303u, 0xf5u,
    0x6fu, 0x304u, 0x14du, 0x6fu, 0x306u, 0x14fu, 0x6fu, 0x307u, 0x22fu,
    0x6fu, 0x308u, 0xf6u, 0x6fu, 0x309u, 0x1ecfu, 0x6fu, 0x30bu, 0x151u,
    0x6fu, 0x30cu, 0x1d2u, 0x6fu, 0x30fu, 0x20du, 0x6fu, 0x311u, 0x20fu,
    0x6fu, 0x31bu, 0x1a1u, 0x6fu, 0x323u, 0x1ecdu, 0x6fu, 0x328u, 0x1ebu,
    0x70u, 0x301u, 0x1e55u, 0x70u, 0x307u, 0x1e57u, 0x72u, 0x301u, 0x155u,
    0x72u, 0x307u, 0x1e59u, 0x72u, 0x30cu, 0x159u, 0x72u, 0x30fu, 0x211u,
    0x72u, 0x311u, 0x213u, 0x72u, 0x323u, 0x1e5bu, 0x72u, 0x327u, 0x157u,
    0x72u, 0x331u, 0x1e5fu, 0x73u, 0x301u, 0x15bu, 0x73u, 0x302u, 0x15du,
    0x73u, 0x307u, 0x1e61u, 0x73u, 0x30cu, 0x161u, 0x73u, 0x323u, 0x1e63u,
    0x73u, 0x326u, 0x219u, 0x73u, 0x327u, 0x15fu, 0x74u, 0x307u, 0x1e6bu,
    0x74u, 0x308u, 0x1e97u, 0x74u, 0x30cu, 0x165u, 0x74u, 0x323u, 0x1e6du,
    0x74u, 0x326u, 0x21bu, 0x74u, 0x327u, 0x163u, 0x74u, 0x32du, 0x1e71u,
    0x74u, 0x331u, 0x1e6fu, 0x75u, 0x300u, 0xf9u, 0x75u, 0x301u, 0xfau,
    0x75u, 0x302u, 0xfbu, 0x75u, 0x303u, 0x169u, 0x75u, 0x304u, 0x16bu,
    0x75u, 0x306u, 0x16du, 0x75u, 0x308u, 0xfcu, 0x75u, 0x309u, 0x1ee7u,
    0x75u, 0x30au, 0x16fu, 0x75u, 0x30bu, 0x171u, 0x75u, 0x30cu, 0x1d4u,
    0x75u, 0x30fu, 0x215u, 0x75u, 0x311u, 0x217u, 0x75u, 0x31bu, 0x1b0u,
    0x75u, 0x323u, 0x1ee5u, 0x75u, 0x324u, 0x1e73u, 0x75u, 0x328u, 0x173u,
    0x75u, 0x32du, 0x1e77u, 0x75u, 0x330u, 0x1e75u, 0x76u, 0x303u, 0x1e7du,
    0x76u, 0x323u, 0x1e7fu, 0x77u, 0x300u, 0x1e81u, 0x77u, 0x301u, 0x1e83u,
    0x77u, 0x302u, 0x175u, 0x77u, 0x307u, 0x1e87u, 0x77u, 0x308u, 0x1e85u,
    0x77u, 0x30au, 0x1e98u, 0x77u, 0x323u, 0x1e89u, 0x78u, 0x307u, 0x1e8bu,
    0x78u, 0x308u, 0x1e8du, 0x79u, 0x300u, 0x1ef3u, 0x79u, 0x301u, 0xfdu,
    0x79u, 0x302u, 0x177u, 0x79u, 0x303u, 0x1ef9u, 0x79u, 0x304u, 0x233u,
    0x79u, 0x307u, 0x1e8fu, 0x79u, 0x308u, 0xffu, 0x79u, 0x309u, 0x1ef7u,
    0x79u, 0x30au, 0x1e99u, 0x79u, 0x323u, 0x1ef5u, 0x7au, 0x301u, 0x17au,
    0x7au, 0x302u, 0x1e91u, 0x7au, 0x307u, 0x17cu, 0x7au, 0x30cu, 0x17eu,
    0x7au, 0x323u, 0x1e93u, 0x7au, 0x331u, 0x1e95u, 0xa8u, 0x300u, 0x1fedu,
    0xa8u, 0x301u, 0x385u, 0xa8u, 0x342u, 0x1fc1u, 0xc2u, 0x300u, 0x1ea6u,
    0xc2u, 0x301u, 0x1ea4u, 0xc2u, 0x303u, 0x1eaau, 0xc2u, 0x309u, 0x1ea8u,
    0xc4u, 0x304u, 0x1deu, 0xc5u, 0x301u, 0x1fau, 0xc6u, 0x301u, 0x1fcu,
    0xc6u, 0x304u, 0x1e2u, 0xc7u, 0x301u, 0x1e08u, 0xcau, 0x300u, 0x1ec0u,
    0xcau, 0x301u, 0x1ebeu, 0xcau, 0x303u, 0x1ec4u, 0xcau, 0x309u, 0x1ec2u,
    0xcfu, 0x301u, 0x1e2eu, 0xd4u, 0x300u, 0x1ed2u, 0xd4u, 0x301u, 0x1ed0u,
    0xd4u, 0x303u, 0x1ed6u, 0xd4u, 0x309u, 0x1ed4u, 0xd5u, 0x301u, 0x1e4cu,
    0xd5u, 0x304u, 0x22cu, 0xd5u, 0x308u, 0x1e4eu, 0xd6u, 0x304u, 0x22au,
    0xd8u, 0x301u, 0x1feu, 0xdcu, 0x300u, 0x1dbu, 0xdcu, 0x301u, 0x1d7u,
    0xdcu, 0x304u, 0x1d5u, 0xdcu, 0x30cu, 0x1d9u, 0xe2u, 0x300u, 0x1ea7u,
    0xe2u, 0x301u, 0x1ea5u, 0xe2u, 0x303u, 0x1eabu, 0xe2u, 0x309u, 0x1ea9u,
    0xe4u, 0x304u, 0x1dfu, 0xe5u, 0x301u, 0x1fbu, 0xe6u, 0x301u, 0x1fdu,
    0xe6u, 0x304u, 0x1e3u, 0xe7u, 0x301u, 0x1e09u, 0xeau, 0x300u, 0x1ec1u,
    0xeau, 0x301u, 0x1ebfu, 0xeau, 0x303u, 0x1ec5u, 0xeau, 0x309u, 0x1ec3u,
    0xefu, 0x301u, 0x1e2fu, 0xf4u, 0x300u, 0x1ed3u, 0xf4u, 0x301u, 0x1ed1u,
    0xf4u, 0x303u, 0x1ed7u, 0xf4u, 0x309u, 0x1ed5u, 0xf5u, 0x301u, 0x1e4du,
    0xf5u, 0x304u, 0x22du, 0xf5u, 0x308u, 0x1e4fu, 0xf6u, 0x304u, 0x22bu,
    0xf8u, 0x301u, 0x1ffu, 0xfcu, 0x300u, 0x1dcu, 0xfcu, 0x301u, 0x1d8u,
    0xfcu, 0x304u, 0x1d6u, 0xfcu, 0x30cu, 0x1dau, 0x102u, 0x300u, 0x1eb0u,
    0x102u, 0x301u, 0x1eaeu, 0x102u, 0x303u, 0x1eb4u, 0x102u, 0x309u, 0x1eb2u,
    0x103u, 0x300u, 0x1eb1u, 0x103u, 0x301u, 0x1eafu, 0x103u, 0x303u, 0x1eb5u,
    0x103u, 0x309u, 0x1eb3u, 0x112u, 0x300u, 0x1e14u, 0x112u, 0x301u, 0x1e16u,
    0x113u, 0x300u, 0x1e15u, 0x113u, 0x301u, 0x1e17u, 0x14cu, 0x300u, 0x1e50u,
    0x14cu, 0x301u, 0x1e52u, 0x14du, 0x300u, 0x1e51u, 0x14du, 0x301u, 0x1e53u,
    0x15au, 0x307u, 0x1e64u, 0x15bu, 0x307u, 0x1e65u, 0x160u, 0x307u, 0x1e66u,
    0x161u, 0x307u, 0x1e67u, 0x168u, 0x301u, 0x1e78u, 0x169u, 0x301u, 0x1e79u,
    0x16au, 0x308u, 0x1e7au, 0x16bu, 0x308u, 0x1e7bu, 0x17fu, 0x307u, 0x1e9bu,
    0x1a0u, 0x300u, 0x1edcu, 0x1a0u, 0x301u, 0x1edau, 0x1a0u, 0x303u, 0x1ee0u,
    0x1a0u, 0x309u, 0x1edeu, 0x1a0u, 0x323u, 0x1ee2u, 0x1a1u, 0x300u, 0x1eddu,
    0x1a1u, 0x301u, 0x1edbu, 0x1a1u, 0x303u, 0x1ee1u, 0x1a1u, 0x309u, 0x1edfu,
    0x1a1u, 0x323u, 0x1ee3u, 0x1afu, 0x300u, 0x1eeau, 0x1afu, 0x301u, 0x1ee8u,
    0x1afu, 0x303u, 0x1eeeu, 0x1afu, 0x309u, 0x1eecu, 0x1afu, 0x323u, 0x1ef0u,
    0x1b0u, 0x300u, 0x1eebu, 0x1b0u, 0x301u, 0x1ee9u, 0x1b0u, 0x303u, 0x1eefu,
    0x1b0u, 0x309u, 0x1eedu, 0x1b0u, 0x323u, 0x1ef1u, 0x1b7u, 0x30cu, 0x1eeu,
    0x1eau, 0x304u, 0x1ecu, 0x1ebu, 0x304u, 0x1edu, 0x226u, 0x304u, 0x1e0u,
    0x227u, 0x304u, 0x1e1u, 0x228u, 0x306u, 0x1e1cu, 0x229u, 0x306u, 0x1e1du,
    0x22eu, 0x304u, 0x230u, 0x22fu, 0x304u, 0x231u, 0x292u, 0x30cu, 0x1efu,
    0x391u, 0x300u, 0x1fbau, 0x391u, 0x301u, 0x386u, 0x391u, 0x304u, 0x1fb9u,
    0x391u, 0x306u, 0x1fb8u, 0x391u, 0x313u, 0x1f08u, 0x391u, 0x314u, 0x1f09u,
    0x391u, 0x345u, 0x1fbcu, 0x395u, 0x300u, 0x1fc8u, 0x395u, 0x301u, 0x388u,
    0x395u, 0x313u, 0x1f18u, 0x395u, 0x314u, 0x1f19u, 0x397u, 0x300u, 0x1fcau,
    0x397u, 0x301u, 0x389u, 0x397u, 0x313u, 0x1f28u, 0x397u, 0x314u, 0x1f29u,
    0x397u, 0x345u, 0x1fccu, 0x399u, 0x300u, 0x1fdau, 0x399u, 0x301u, 0x38au,
    0x399u, 0x304u, 0x1fd9u, 0x399u, 0x306u, 0x1fd8u, 0x399u, 0x308u, 0x3aau,
    0x399u, 0x313u, 0x1f38u, 0x399u, 0x314u, 0x1f39u, 0x39fu, 0x300u, 0x1ff8u,
    0x39fu, 0x301u, 0x38cu, 0x39fu, 0x313u, 0x1f48u, 0x39fu, 0x314u, 0x1f49u,
    0x3a1u, 0x314u, 0x1fecu, 0x3a5u, 0x300u, 0x1feau, 0x3a5u, 0x301u, 0x38eu,
    0x3a5u, 0x304u, 0x1fe9u, 0x3a5u, 0x306u, 0x1fe8u, 0x3a5u, 0x308u, 0x3abu,
    0x3a5u, 0x314u, 0x1f59u, 0x3a9u, 0x300u, 0x1ffau, 0x3a9u, 0x301u, 0x38fu,
    0x3a9u, 0x313u, 0x1f68u, 0x3a9u, 0x314u, 0x1f69u, 0x3a9u, 0x345u, 0x1ffcu,
    0x3acu, 0x345u, 0x1fb4u, 0x3aeu, 0x345u, 0x1fc4u, 0x3b1u, 0x300u, 0x1f70u,
    0x3b1u, 0x301u, 0x3acu, 0x3b1u, 0x304u, 0x1fb1u, 0x3b1u, 0x306u, 0x1fb0u,
    0x3b1u, 0x313u, 0x1f00u, 0x3b1u, 0x314u, 0x1f01u, 0x3b1u, 0x342u, 0x1fb6u,
    0x3b1u, 0x345u, 0x1fb3u, 0x3b5u, 0x300u, 0x1f72u, 0x3b5u, 0x301u, 0x3adu,
    0x3b5u, 0x313u, 0x1f10u, 0x3b5u, 0x314u, 0x1f11u, 0x3b7u, 0x300u, 0x1f74u,
    0x3b7u, 0x301u, 0x3aeu, 0x3b7u, 0x313u, 0x1f20u, 0x3b7u, 0x314u, 0x1f21u,
    0x3b7u, 0x342u, 0x1fc6u, 0x3b7u, 0x345u, 0x1fc3u, 0x3b9u, 0x300u, 0x1f76u,
    0x3b9u, 0x301u, 0x3afu, 0x3b9u, 0x304u, 0x1fd1u, 0x3b9u, 0x306u, 0x1fd0u,
    0x3b9u, 0x308u, 0x3cau, 0x3b9u, 0x313u, 0x1f30u, 0x3b9u, 0x314u, 0x1f31u,
    0x3b9u, 0x342u, 0x1fd6u, 0x3bfu, 0x300u, 0x1f78u, 0x3bfu, 0x301u, 0x3ccu,
    0x3bfu, 0x313u, 0x1f40u, 0x3bfu, 0x314u, 0x1f41u, 0x3c1u, 0x313u, 0x1fe4u,
    0x3c1u, 0x314u, 0x1fe5u, 0x3c5u, 0x300u, 0x1f7au, 0x3c5u, 0x301u, 0x3cdu,
    0x3c5u, 0x304u, 0x1fe1u, 0x3c5u, 0x306u, 0x1fe0u, 0x3c5u, 0x308u, 0x3cbu,
    0x3c5u, 0x313u, 0x1f50u, 0x3c5u, 0x314u, 0x1f51u, 0x3c5u, 0x342u, 0x1fe6u,
    0x3c9u, 0x300u, 0x1f7cu, 0x3c9u, 0x301u, 0x3ceu, 0x3c9u, 0x313u, 0x1f60u,
    0x3c9u, 0x314u, 0x1f61u, 0x3c9u, 0x342u, 0x1ff6u, 0x3c9u, 0x345u, 0x1ff3u,
    0x3cau, 0x300u, 0x1fd2u, 0x3cau, 0x301u, 0x390u, 0x3cau, 0x342u, 0x1fd7u,
    0x3cbu, 0x300u, 0x1fe2u, 0x3cbu, 0x301u, 0x3b0u, 0x3cbu, 0x342u, 0x1fe7u,
    0x3ceu, 0x345u, 0x1ff4u, 0x3d2u, 0x301u, 0x3d3u, 0x3d2u, 0x308u, 0x3d4u,
    0x406u, 0x308u, 0x407u, 0x410u, 0x306u, 0x4d0u, 0x410u, 0x308u, 0x4d2u,
    0x413u, 0x301u, 0x403u, 0x415u, 0x300u, 0x400u, 0x415u, 0x306u, 0x4d6u,
    0x415u, 0x308u, 0x401u, 0x416u, 0x306u, 0x4c1u, 0x416u, 0x308u, 0x4dcu,
    0x417u, 0x308u, 0x4deu, 0x418u, 0x300u, 0x40du, 0x418u, 0x304u, 0x4e2u,
    0x418u, 0x306u, 0x419u, 0x418u, 0x308u, 0x4e4u, 0x41au, 0x301u, 0x40cu,
    0x41eu, 0x308u, 0x4e6u, 0x423u, 0x304u, 0x4eeu, 0x423u, 0x306u, 0x40eu,
    0x423u, 0x308u, 0x4f0u, 0x423u, 0x30bu, 0x4f2u, 0x427u, 0x308u, 0x4f4u,
    0x42bu, 0x308u, 0x4f8u, 0x42du, 0x308u, 0x4ecu, 0x430u, 0x306u, 0x4d1u,
    0x430u, 0x308u, 0x4d3u, 0x433u, 0x301u, 0x453u, 0x435u, 0x300u, 0x450u,
    0x435u, 0x306u, 0x4d7u, 0x435u, 0x308u, 0x451u, 0x436u, 0x306u, 0x4c2u,
    0x436u, 0x308u, 0x4ddu, 0x437u, 0x308u, 0x4dfu, 0x438u, 0x300u, 0x45du,
    0x438u, 0x304u, 0x4e3u, 0x438u, 0x306u, 0x439u, 0x438u, 0x308u, 0x4e5u,
    0x43au, 0x301u, 0x45cu, 0x43eu, 0x308u, 0x4e7u, 0x443u, 0x304u, 0x4efu,
    0x443u, 0x306u, 0x45eu, 0x443u, 0x308u, 0x4f1u, 0x443u, 0x30bu, 0x4f3u,
    0x447u, 0x308u, 0x4f5u, 0x44bu, 0x308u, 0x4f9u, 0x44du, 0x308u, 0x4edu,
    0x456u, 0x308u, 0x457u, 0x474u, 0x30fu, 0x476u, 0x475u, 0x30fu, 0x477u,
    0x4d8u, 0x308u, 0x4dau, 0x4d9u, 0x308u, 0x4dbu, 0x4e8u, 0x308u, 0x4eau,
    0x4e9u, 0x308u, 0x4ebu, 0x627u, 0x653u, 0x622u, 0x627u, 0x654u, 0x623u,
    0x627u, 0x655u, 0x625u, 0x648u, 0x654u, 0x624u, 0x64au, 0x654u, 0x626u,
    0x6c1u, 0x654u, 0x6c2u, 0x6d2u, 0x654u, 0x6d3u, 0x6d5u, 0x654u, 0x6c0u,
    0x928u, 0x93cu, 0x929u, 0x930u, 0x93cu, 0x931u, 0x933u, 0x93cu, 0x934u,
    0x9c7u, 0x9beu, 0x9cbu, 0x9c7u, 0x9d7u, 0x9ccu, 0xb47u, 0xb3eu, 0xb4bu,
    0xb47u, 0xb56u, 0xb48u, 0xb47u, 0xb57u, 0xb4cu, 0xb92u, 0xbd7u, 0xb94u,
    0xbc6u, 0xbbeu, 0xbcau, 0xbc6u, 0xbd7u, 0xbccu, 0xbc7u, 0xbbeu, 0xbcbu,
    0xc46u, 0xc56u, 0xc48u, 0xcbfu, 0xcd5u, 0xcc0u, 0xcc6u, 0xcc2u, 0xccau,
    0xcc6u, 0xcd5u, 0xcc7u, 0xcc6u, 0xcd6u, 0xcc8u, 0xccau, 0xcd5u, 0xccbu,
    0xd46u, 0xd3eu, 0xd4au, 0xd46u, 0xd57u, 0xd4cu, 0xd47u, 0xd3eu, 0xd4bu,
    0xdd9u, 0xdcau, 0xddau, 0xdd9u, 0xdcfu, 0xddcu, 0xdd9u, 0xddfu, 0xddeu,
    0xddcu, 0xdcau, 0xdddu, 0x1025u, 0x102eu, 0x1026u, 0x1b05u, 0x1b35u, 0x1b06u,
    0x1b07u, 0x1b35u, 0x1b08u, 0x1b09u, 0x1b35u, 0x1b0au, 0x1b0bu, 0x1b35u, 0x1b0cu,
    0x1b0du, 0x1b35u, 0x1b0eu, 0x1b11u, 0x1b35u, 0x1b12u, 0x1b3au, 0x1b35u, 0x1b3bu,
    0x1b3cu, 0x1b35u, 0x1b3du, 0x1b3eu, 0x1b35u, 0x1b40u, 0x1b3fu, 0x1b35u, 0x1b41u,
    0x1b42u, 0x1b35u, 0x1b43u, 0x1e36u, 0x304u, 0x1e38u, 0x1e37u, 0x304u, 0x1e39u,
    0x1e5au, 0x304u, 0x1e5cu, 0x1e5bu, 0x304u, 0x1e5du, 0x1e62u, 0x307u, 0x1e68u,
    0x1e63u, 0x307u, 0x1e69u, 0x1ea0u, 0x302u, 0x1eacu, 0x1ea0u, 0x306u, 0x1eb6u,
    0x1ea1u, 0x302u, 0x1eadu, 0x1ea1u, 0x306u, 0x1eb7u, 0x1eb8u, 0x302u, 0x1ec6u,
    0x1eb9u, 0x302u, 0x1ec7u, 0x1eccu, 0x302u, 0x1ed8u, 0x1ecdu, 0x302u, 0x1ed9u,
    0x1f00u, 0x300u, 0x1f02u, 0x1f00u, 0x301u, 0x1f04u, 0x1f00u, 0x342u, 0x1f06u,
    0x1f00u, 0x345u, 0x1f80u, 0x1f01u, 0x300u, 0x1f03u, 0x1f01u, 0x301u, 0x1f05u,
    0x1f01u, 0x342u, 0x1f07u, 0x1f01u, 0x345u, 0x1f81u, 0x1f02u, 0x345u, 0x1f82u,
    0x1f03u, 0x345u, 0x1f83u, 0x1f04u, 0x345u, 0x1f84u, 0x1f05u, 0x345u, 0x1f85u,
    0x1f06u, 0x345u, 0x1f86u, 0x1f07u, 0x345u, 0x1f87u, 0x1f08u, 0x300u, 0x1f0au,
    0x1f08u, 0x301u, 0x1f0cu, 0x1f08u, 0x342u, 0x1f0eu, 0x1f08u, 0x345u, 0x1f88u,
    0x1f09u, 0x300u, 0x1f0bu, 0x1f09u, 0x301u, 0x1f0du, 0x1f09u, 0x342u, 0x1f0fu,
    0x1f09u, 0x345u, 0x1f89u, 0x1f0au, 0x345u, 0x1f8au, 0x1f0bu, 0x345u, 0x1f8bu,
    0x1f0cu, 0x345u, 0x1f8cu, 0x1f0du, 0x345u, 0x1f8du, 0x1f0eu, 0x345u, 0x1f8eu,
    0x1f0fu, 0x345u, 0x1f8fu, 0x1f10u, 0x300u, 0x1f12u, 0x1f10u, 0x301u, 0x1f14u,
    0x1f11u, 0x300u, 0x1f13u, 0x1f11u, 0x301u, 0x1f15u, 0x1f18u, 0x300u, 0x1f1au,
    0x1f18u, 0x301u, 0x1f1cu, 0x1f19u, 0x300u, 0x1f1bu, 0x1f19u, 0x301u, 0x1f1du,
    0x1f20u, 0x300u, 0x1f22u, 0x1f20u, 0x301u, 0x1f24u, 0x1f20u, 0x342u, 0x1f26u,
    0x1f20u, 0x345u, 0x1f90u, 0x1f21u, 0x300u, 0x1f23u, 0x1f21u, 0x301u, 0x1f25u,
    0x1f21u, 0x342u, 0x1f27u, 0x1f21u, 0x345u, 0x1f91u, 0x1f22u, 0x345u, 0x1f92u,
    0x1f23u, 0x345u, 0x1f93u, 0x1f24u, 0x345u, 0x1f94u, 0x1f25u, 0x345u, 0x1f95u,
    0x1f26u, 0x345u, 0x1f96u, 0x1f27u, 0x345u, 0x1f97u, 0x1f28u, 0x300u, 0x1f2au,
    0x1f28u, 0x301u, 0x1f2cu, 0x1f28u, 0x342u, 0x1f2eu, 0x1f28u, 0x345u, 0x1f98u,
    0x1f29u, 0x300u, 0x1f2bu, 0x1f29u, 0x301u, 0x1f2du, 0x1f29u, 0x342u, 0x1f2fu,
    0x1f29u, 0x345u, 0x1f99u, 0x1f2au, 0x345u, 0x1f9au, 0x1f2bu, 0x345u, 0x1f9bu,
    0x1f2cu, 0x345u, 0x1f9cu, 0x1f2du, 0x345u, 0x1f9du, 0x1f2eu, 0x345u, 0x1f9eu,
    0x1f2fu, 0x345u, 0x1f9fu, 0x1f30u, 0x300u, 0x1f32u, 0x1f30u, 0x301u, 0x1f34u,
    0x1f30u, 0x342u, 0x1f36u, 0x1f31u, 0x300u, 0x1f33u, 0x1f31u, 0x301u, 0x1f35u,
    0x1f31u, 0x342u, 0x1f37u, 0x1f38u, 0x300u, 0x1f3au, 0x1f38u, 0x301u, 0x1f3cu,
    0x1f38u, 0x342u, 0x1f3eu, 0x1f39u, 0x300u, 0x1f3bu, 0x1f39u, 0x301u, 0x1f3du,
    0x1f39u, 0x342u, 0x1f3fu, 0x1f40u, 0x300u, 0x1f42u, 0x1f40u, 0x301u, 0x1f44u,
    0x1f41u, 0x300u, 0x1f43u, 0x1f41u, 0x301u, 0x1f45u, 0x1f48u, 0x300u, 0x1f4au,
    0x1f48u, 0x301u, 0x1f4cu, 0x1f49u, 0x300u, 0x1f4bu, 0x1f49u, 0x301u, 0x1f4du,
    0x1f50u, 0x300u, 0x1f52u, 0x1f50u, 0x301u, 0x1f54u, 0x1f50u, 0x342u, 0x1f56u,
    0x1f51u, 0x300u, 0x1f53u, 0x1f51u, 0x301u, 0x1f55u, 0x1f51u, 0x342u, 0x1f57u,
    0x1f59u, 0x300u, 0x1f5bu, 0x1f59u, 0x301u, 0x1f5du, 0x1f59u, 0x342u, 0x1f5fu,
    0x1f60u, 0x300u, 0x1f62u, 0x1f60u, 0x301u, 0x1f64u, 0x1f60u, 0x342u, 0x1f66u,
    0x1f60u, 0x345u, 0x1fa0u, 0x1f61u, 0x300u, 0x1f63u, 0x1f61u, 0x301u, 0x1f65u,
    0x1f61u, 0x342u, 0x1f67u, 0x1f61u, 0x345u, 0x1fa1u, 0x1f62u, 0x345u, 0x1fa2u,
    0x1f63u, 0x345u, 0x1fa3u, 0x1f64u, 0x345u, 0x1fa4u, 0x1f65u, 0x345u, 0x1fa5u,
    0x1f66u, 0x345u, 0x1fa6u, 0x1f67u, 0x345u, 0x1fa7u, 0x1f68u, 0x300u, 0x1f6au,
    0x1f68u, 0x301u, 0x1f6cu, 0x1f68u, 0x342u, 0x1f6eu, 0x1f68u, 0x345u, 0x1fa8u,
    0x1f69u, 0x300u, 0x1f6bu, 0x1f69u, 0x301u, 0x1f6du, 0x1f69u, 0x342u, 0x1f6fu,
    0x1f69u, 0x345u, 0x1fa9u, 0x1f6au, 0x345u, 0x1faau, 0x1f6bu, 0x345u, 0x1fabu,
    0x1f6cu, 0x345u, 0x1facu, 0x1f6du, 0x345u, 0x1fadu, 0x1f6eu, 0x345u, 0x1faeu,
    0x1f6fu, 0x345u, 0x1fafu, 0x1f70u, 0x345u, 0x1fb2u, 0x1f74u, 0x345u, 0x1fc2u,
    0x1f7cu, 0x345u, 0x1ff2u, 0x1fb6u, 0x345u, 0x1fb7u, 0x1fbfu, 0x300u, 0x1fcdu,
    0x1fbfu, 0x301u, 0x1fceu, 0x1fbfu, 0x342u, 0x1fcfu, 0x1fc6u, 0x345u, 0x1fc7u,
    0x1ff6u, 0x345u, 0x1ff7u, 0x1ffeu, 0x300u, 0x1fddu, 0x1ffeu, 0x301u, 0x1fdeu,
    0x1ffeu, 0x342u, 0x1fdfu, 0x2190u, 0x338u, 0x219au, 0x2192u, 0x338u, 0x219bu,
    0x2194u, 0x338u, 0x21aeu, 0x21d0u, 0x338u, 0x21cdu, 0x21d2u, 0x338u, 0x21cfu,
    0x21d4u, 0x338u, 0x21ceu, 0x2203u, 0x338u, 0x2204u, 0x2208u, 0x338u, 0x2209u,
    0x220bu, 0x338u, 0x220cu, 0x2223u, 0x338u, 0x2224u, 0x2225u, 0x338u, 0x2226u,
    0x223cu, 0x338u, 0x2241u, 0x2243u, 0x338u, 0x2244u, 0x2245u, 0x338u, 0x2247u,
    0x2248u, 0x338u, 0x2249u, 0x224du, 0x338u, 0x226du, 0x2261u, 0x338u, 0x2262u,
    0x2264u, 0x338u, 0x2270u, 0x2265u, 0x338u, 0x2271u, 0x2272u, 0x338u, 0x2274u,
    0x2273u, 0x338u, 0x2275u, 0x2276u, 0x338u, 0x2278u, 0x2277u, 0x338u, 0x2279u,
    0x227au, 0x338u, 0x2280u, 0x227bu, 0x338u, 0x2281u, 0x227cu, 0x338u, 0x22e0u,
    0x227du, 0x338u, 0x22e1u, 0x2282u, 0x338u, 0x2284u, 0x2283u, 0x338u, 0x2285u,
    0x2286u, 0x338u, 0x2288u, 0x2287u, 0x338u, 0x2289u, 0x2291u, 0x338u, 0x22e2u,
    0x2292u, 0x338u, 0x22e3u, 0x22a2u, 0x338u, 0x22acu, 0x22a8u, 0x338u, 0x22adu,
    0x22a9u, 0x338u, 0x22aeu, 0x22abu, 0x338u, 0x22afu, 0x22b2u, 0x338u, 0x22eau,
    0x22b3u, 0x338u, 0x22ebu, 0x22b4u, 0x338u, 0x22ecu, 0x22b5u, 0x338u, 0x22edu,
    0x3046u, 0x3099u, 0x3094u, 0x304bu, 0x3099u, 0x304cu, 0x304du, 0x3099u, 0x304eu,
    0x304fu, 0x3099u, 0x3050u, 0x3051u, 0x3099u, 0x3052u, 0x3053u, 0x3099u, 0x3054u,
    0x3055u, 0x3099u, 0x3056u, 0x3057u, 0x3099u, 0x3058u, 0x3059u, 0x3099u, 0x305au,
    0x305bu, 0x3099u, 0x305cu, 0x305du, 0x3099u, 0x305eu, 0x305fu, 0x3099u, 0x3060u,
    0x3061u, 0x3099u, 0x3062u, 0x3064u, 0x3099u, 0x3065u, 0x3066u, 0x3099u, 0x3067u,
    0x3068u, 0x3099u, 0x3069u, 0x306fu, 0x3099u, 0x3070u, 0x306fu, 0x309au, 0x3071u,
    0x3072u, 0x3099u, 0x3073u, 0x3072u, 0x309au, 0x3074u, 0x3075u, 0x3099u, 0x3076u,
    0x3075u, 0x309au, 0x3077u, 0x3078u, 0x3099u, 0x3079u, 0x3078u, 0x309au, 0x307au,
    0x307bu, 0x3099u, 0x307cu, 0x307bu, 0x309au, 0x307du, 0x309du, 0x3099u, 0x309eu,
    0x30a6u, 0x3099u, 0x30f4u, 0x30abu, 0x3099u, 0x30acu, 0x30adu, 0x3099u, 0x30aeu,
    0x30afu, 0x3099u, 0x30b0u, 0x30b1u, 0x3099u, 0x30b2u, 0x30b3u, 0x3099u, 0x30b4u,
    0x30b5u, 0x3099u, 0x30b6u, 0x30b7u, 0x3099u, 0x30b8u, 0x30b9u, 0x3099u, 0x30bau,
    0x30bbu, 0x3099u, 0x30bcu, 0x30bdu, 0x3099u, 0x30beu, 0x30bfu, 0x3099u, 0x30c0u,
    0x30c1u, 0x3099u, 0x30c2u, 0x30c4u, 0x3099u, 0x30c5u, 0x30c6u, 0x3099u, 0x30c7u,
    0x30c8u, 0x3099u, 0x30c9u, 0x30cfu, 0x3099u, 0x30d0u, 0x30cfu, 0x309au, 0x30d1u,
    0x30d2u, 0x3099u, 0x30d3u, 0x30d2u, 0x309au, 0x30d4u, 0x30d5u, 0x3099u, 0x30d6u,
    0x30d5u, 0x309au, 0x30d7u, 0x30d8u, 0x3099u, 0x30d9u, 0x30d8u, 0x309au, 0x30dau,
    0x30dbu, 0x3099u, 0x30dcu, 0x30dbu, 0x309au, 0x30ddu, 0x30efu, 0x3099u, 0x30f7u,
    0x30f0u, 0x3099u, 0x30f8u, 0x30f1u, 0x3099u, 0x30f9u, 0x30f2u, 0x3099u, 0x30fau,
    0x30fdu, 0x3099u, 0x30feu, 0x105d2u, 0x307u, 0x105c9u, 0x105dau, 0x307u, 0x105e4u,
    0x11099u, 0x110bau, 0x1109au, 0x1109bu, 0x110bau, 0x1109cu, 0x110a5u, 0x110bau, 0x110abu,
    0x11131u, 0x11127u, 0x1112eu, 0x11132u, 0x11127u, 0x1112fu, 0x11347u, 0x1133eu, 0x1134bu,
    0x11347u, 0x11357u, 0x1134cu, 0x11382u, 0x113c9u, 0x11383u, 0x11384u, 0x113bbu, 0x11385u,
    0x1138bu, 0x113c2u, 0x1138eu, 0x11390u, 0x113c9u, 0x11391u, 0x113c2u, 0x113b8u, 0x113c7u,
    0x113c2u, 0x113c2u, 0x113c5u, 0x113c2u, 0x113c9u, 0x113c8u, 0x114b9u, 0x114b0u, 0x114bcu,
    0x114b9u, 0x114bau, 0x114bbu, 0x114b9u, 0x114bdu, 0x114beu, 0x115b8u, 0x115afu, 0x115bau,
    0x115b9u, 0x115afu, 0x115bbu, 0x11935u, 0x11930u, 0x11938u, 0x1611eu, 0x1611eu, 0x16121u,
    0x1611eu, 0x1611fu, 0x16123u, 0x1611eu, 0x16120u, 0x16125u, 0x1611eu, 0x16129u, 0x16122u,
    0x16121u, 0x1611fu, 0x16126u, 0x16121u, 0x16120u, 0x16128u, 0x16122u, 0x1611fu, 0x16127u,
    0x16129u, 0x1611fu, 0x16124u, 0x16d63u, 0x16d67u, 0x16d69u, 0x16d67u, 0x16d67u, 0x16d68u,
    0x16d69u, 0x16d67u, 0x16d6au,
};
/* NFC (appended to src/lora/81_unicode_tables.impl.c by tools/gen_unicode_tables.js) */
static int lora__table_lookup(const uint32_t *t, size_t n, uint32_t cp, unsigned shift) {
    size_t lo = 0, hi = n;
    uint32_t key = (cp << shift) | ((1u << shift) - 1u);
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid] <= key) lo = mid; else hi = mid;
    }
    return (int)(t[lo] & ((1u << shift) - 1u));
}
#define LORA__INVALID_BYTE 0x110000u /* + the byte: an ill-formed UTF-8 byte, kept as it is */
static int lora__ccc(uint32_t cp) {
    return cp >= LORA__INVALID_BYTE ? 0 : lora__table_lookup(lora__ccc_table, sizeof lora__ccc_table / sizeof lora__ccc_table[0], cp, 8);
}
/* 1 if text[0..n) is certainly in NFC: no character that NFC could change or that could change
   its neighbours (the quick check is conservative: on 0, lora__nfc decides). */
static int lora__is_nfc(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k;
        if (s[i] < 0xCC) { i++; continue; } /* below U+0300 nothing changes (a lead byte < 0xCC) */
        k = lora__tok_utf8_decode(s + i, n - i, &cp);
        if (!k) { i++; continue; }
        if (lora__table_lookup(lora__nfcqc_table, sizeof lora__nfcqc_table / sizeof lora__nfcqc_table[0], cp, 1)) return 0;
        i += k;
    }
    return 1;
}
static uint32_t lora__nfc_compose(uint32_t a, uint32_t b) {
    const uint32_t SB = 0xAC00, LB = 0x1100, VB = 0x1161, TB = 0x11A7, NC = 588, TC = 28;
    size_t lo = 0, hi = sizeof lora__nfc_pairs / sizeof lora__nfc_pairs[0] / 3;
    if (a >= LB && a < LB + 19 && b >= VB && b < VB + 21) return SB + ((a - LB) * 21 + (b - VB)) * TC;
    if (a >= SB && a < SB + 11172 && (a - SB) % TC == 0 && b > TB && b < TB + TC) return a + (b - TB);
    (void)NC;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const uint32_t *p = lora__nfc_pairs + 3 * mid;
        if (p[0] < a || (p[0] == a && p[1] < b)) lo = mid + 1;
        else if (p[0] == a && p[1] == b) return p[2];
        else hi = mid;
    }
    return 0;
}
/* NFC of s[0..n) into a new buffer (*out, *out_len; free with LORA_FREE). Ill-formed UTF-8 bytes
   are kept as they are, as starters that compose with nothing. */
static lora_status lora__nfc(const unsigned char *s, size_t n, unsigned char **out, size_t *out_len) {
    uint32_t *d;
    size_t i = 0, m = 0, j, o, sp;
    int last;
    unsigned char *w;
    *out = NULL; *out_len = 0;
    if (n > ((size_t)-1) / (4 * sizeof(uint32_t))) return lora__fail(LORA_ERR_OOM, "NFC: text too large");
    d = (uint32_t *)lora__malloc((4 * n + 1) * sizeof(uint32_t), "NFC buffer"); /* a byte decomposes to at most 4 */
    if (!d) return LORA_ERR_OOM;
    while (i < n) { /* decompose */
        uint32_t cp;
        size_t k = lora__tok_utf8_decode(s + i, n - i, &cp);
        if (!k) { d[m++] = LORA__INVALID_BYTE + s[i++]; continue; }
        i += k;
        if (cp >= 0xAC00 && cp < 0xAC00 + 11172) {
            uint32_t si = cp - 0xAC00;
            d[m++] = 0x1100 + si / 588;
            d[m++] = 0x1161 + (si % 588) / 28;
            if (si % 28) d[m++] = 0x11A7 + si % 28;
        } else {
            size_t lo = 0, hi = sizeof lora__nfd_index / sizeof lora__nfd_index[0] / 2;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (lora__nfd_index[2 * mid] < cp) lo = mid + 1; else hi = mid;
            }
            if (lo < sizeof lora__nfd_index / sizeof lora__nfd_index[0] / 2 && lora__nfd_index[2 * lo] == cp) {
                uint32_t e = lora__nfd_index[2 * lo + 1], len = e & 255u, q;
                for (q = 0; q < len; q++) d[m++] = lora__nfd_pool[(e >> 8) + q];
            } else {
                d[m++] = cp;
            }
        }
    }
    for (i = 1; i < m; i++) /* canonical order: stable sort of each run of marks by class */
        for (j = i; j > 0 && lora__ccc(d[j]) != 0 && lora__ccc(d[j - 1]) > lora__ccc(d[j]); j--) {
            uint32_t t = d[j]; d[j] = d[j - 1]; d[j - 1] = t;
        }
    if (m) { /* compose */
        sp = lora__ccc(d[0]) == 0 ? 0 : (size_t)-1;
        last = sp == 0 ? 0 : 256;
        for (i = 1, o = 1; i < m; i++) {
            uint32_t c = d[i], k = 0;
            int cc = lora__ccc(c);
            if (sp != (size_t)-1 && d[sp] < LORA__INVALID_BYTE && c < LORA__INVALID_BYTE) k = lora__nfc_compose(d[sp], c);
            if (k && (last < cc || last == 0)) { d[sp] = k; continue; }
            if (cc == 0) sp = o;
            last = cc;
            d[o++] = c;
        }
        m = o;
    }
    w = (unsigned char *)lora__malloc(4 * m + 1, "NFC text");
    if (!w) { LORA_FREE(d); return LORA_ERR_OOM; }
    for (i = 0, o = 0; i < m; i++) {
        uint32_t c = d[i];
        if (c >= LORA__INVALID_BYTE) w[o++] = (unsigned char)(c - LORA__INVALID_BYTE);
        else if (c < 0x80) w[o++] = (unsigned char)c;
        else if (c < 0x800) { w[o++] = (unsigned char)(0xC0 | (c >> 6)); w[o++] = (unsigned char)(0x80 | (c & 63)); }
        else if (c < 0x10000) {
            w[o++] = (unsigned char)(0xE0 | (c >> 12)); w[o++] = (unsigned char)(0x80 | ((c >> 6) & 63));
            w[o++] = (unsigned char)(0x80 | (c & 63));
        } else {
            w[o++] = (unsigned char)(0xF0 | (c >> 18)); w[o++] = (unsigned char)(0x80 | ((c >> 12) & 63));
            w[o++] = (unsigned char)(0x80 | ((c >> 6) & 63)); w[o++] = (unsigned char)(0x80 | (c & 63));
        }
    }
    LORA_FREE(d);
    *out = w;
    *out_len = o;
    return LORA_OK;
}

/* ---- lora/82_data.impl.c ---- */
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

/* ---- lora/83_tokenizer_gguf.impl.c ---- */
/* ---- tokenizers in GGUF files ----
   GGUF stores a byte-level BPE vocabulary as Hugging Face's vocab.json does: each token as the
   UTF-8 of its bytes mapped through bytes_to_unicode, and the merges as "left right" lines.
   Reading builds the vocab JSON and merges text and hands them to lora_tokenizer_load_memory
   (so every check of that loader applies); writing uses the public accessors, except for the
   merges in rank order, which only lora__tokenizer_merges reads from 80_tokenizer's table. */
#define LORA__TOKEN_NORMAL 1
#define LORA__TOKEN_CONTROL 3
#define LORA__TOKEN_USER_DEFINED 4
#define LORA__TOKEN_UNUSED 5

/* llama.cpp's tokenizer.ggml.pre for tok's pre-tokenizer, as convert_hf_to_gguf.py names them:
   Llama 3's split "llama-bpe", Qwen2's (Qwen2.5, Qwen3) "qwen2", GPT-2's with each digit alone
   first (SmolLM's) "smollm", GPT-2's "gpt-2"; NULL for one llama.cpp has no name for. */
static const char *lora__tokenizer_gguf_pre(const lora_tokenizer *tok) {
    if (tok->pretok == LORA__PRE_LLAMA3) return tok->digits ? NULL : "llama-bpe";
    if (tok->pretok == LORA__PRE_QWEN2) return tok->digits ? NULL : "qwen2";
    if (tok->digits == 1) return "smollm";
    return tok->digits ? NULL : "gpt-2";
}
/* convert_hf_to_gguf.py's does_token_look_special: added tokens written as control tokens
   although not marked special ("<|fim_prefix|>" in Qwen's files, ...) */
static int lora__token_looks_special(const char *t, size_t n) {
    static const char *const exact[] = {"<pad>", "<mask>", "<2mass>", "[@BOS@]"};
    size_t i;
    for (i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (n == strlen(exact[i]) && memcmp(t, exact[i], n) == 0) return 1;
    if (n >= 4 && memcmp(t, "<|", 2) == 0 && memcmp(t + n - 2, "|>", 2) == 0) return 1;
    if (n >= 6 && memcmp(t, "<\xef\xbd\x9c", 4) == 0 && memcmp(t + n - 4, "\xef\xbd\x9c>", 4) == 0) return 1;
    return n >= 8 && memcmp(t, "<unused", 7) == 0 && t[n - 1] == '>';
}
/* the added token entry of id, or NULL */
static const lora__added *lora__tokenizer_added(const lora_tokenizer *tok, int32_t id) {
    size_t i;
    for (i = 0; i < tok->n_added; i++)
        if (tok->added[i].id == id) return &tok->added[i];
    return NULL;
}

static int lora__gguf_printable(int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174; }
/* byte -> its bytes_to_unicode code point, as UTF-8 (1 or 2 bytes); returns the length */
static size_t lora__byte_symbol(int b, char out[2]) {
    int k, n = 0;
    uint32_t cp;
    if (lora__gguf_printable(b)) cp = (uint32_t)b;
    else {
        for (k = 0; k < b; k++) n += !lora__gguf_printable(k);
        cp = 256u + (uint32_t)n;
    }
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
}

/* the byte-level string of token id into b (appended) */
static void lora__token_symbol(const lora_tokenizer *tok, int32_t id, lora__buf *b, char sym[256][2], const size_t *slen) {
    size_t n, i;
    const unsigned char *p = (const unsigned char *)lora_token_bytes(tok, id, &n);
    for (i = 0; p && i < n; i++) lora__buf_append(b, sym[p[i]], slen[p[i]]);
}

typedef struct lora__merge_rank { uint32_t rank; int32_t a, b; } lora__merge_rank;
static int lora__cmp_merge_rank(const void *x, const void *y) {
    uint32_t a = ((const lora__merge_rank *)x)->rank, b = ((const lora__merge_rank *)y)->rank;
    return a < b ? -1 : a > b;
}
/* The merges (left id, right id) in rank order (*out allocated, n_merges + 1 entries): the one
   place that reads 80_tokenizer's internals. */
static lora_status lora__tokenizer_merges(const lora_tokenizer *tok, lora__merge_rank **out, size_t *n) {
    lora__merge_rank *mr = (lora__merge_rank *)lora__calloc(tok->n_merges + 1, sizeof *mr, "GGUF merges");
    size_t i, k = 0;
    *out = NULL;
    *n = 0;
    if (!mr) return LORA_ERR_OOM;
    for (i = 0; tok->merges && i < ((size_t)1 << tok->merge_bits); i++) {
        const lora__merge_slot *m = &tok->merges[i];
        if (m->key == LORA__EMPTY_KEY || k >= tok->n_merges) continue;
        mr[k].rank = m->rank;
        mr[k].a = (int32_t)(m->key >> 32);
        mr[k].b = (int32_t)(uint32_t)m->key;
        k++;
    }
    qsort(mr, k, sizeof *mr, lora__cmp_merge_rank);
    *out = mr;
    *n = k;
    return LORA_OK;
}

LORA_API lora_status lora_gguf_set_tokenizer(lora_gguf_writer *w, const lora_tokenizer *tok, const char *model,
                                             const char *pre, int n_vocab) {
    char sym[256][2];
    size_t slen[256], i, n_m = 0;
    lora__buf blob;
    size_t *offs = NULL, *lens = NULL, *moffs = NULL, *mlens = NULL;
    const char **strs = NULL, **mstrs = NULL;
    int32_t *types = NULL, id, eos;
    lora__merge_rank *mr = NULL;
    lora_status s = LORA_OK;
    int b, n_tok;
    if (!w || !tok || !model) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_set_tokenizer: NULL argument");
    if (!pre && !(pre = lora__tokenizer_gguf_pre(tok)))
        return lora__fail(LORA_ERR_UNSUPPORTED, "lora_gguf_set_tokenizer: the tokenizer's pre-tokenizer has no llama.cpp name");
    n_tok = lora_tokenizer_vocab_size(tok);
    eos = lora_tokenizer_eos(tok);
    if (n_vocab < n_tok)
        return lora__fail(LORA_ERR_SHAPE, "lora_gguf_set_tokenizer: the model has %d token rows, the tokenizer %d tokens",
                          n_vocab, n_tok);
    for (b = 0; b < 256; b++) slen[b] = lora__byte_symbol(b, sym[b]);
    memset(&blob, 0, sizeof blob);
    offs = (size_t *)lora__calloc((size_t)n_vocab + 1, sizeof(size_t), "GGUF tokens");
    lens = (size_t *)lora__calloc((size_t)n_vocab + 1, sizeof(size_t), "GGUF tokens");
    strs = (const char **)lora__calloc((size_t)n_vocab + 1, sizeof(char *), "GGUF tokens");
    types = (int32_t *)lora__calloc((size_t)n_vocab + 1, sizeof(int32_t), "GGUF token types");
    if (!offs || !lens || !strs || !types) { s = LORA_ERR_OOM; goto done; }
    if ((s = lora__tokenizer_merges(tok, &mr, &n_m)) != LORA_OK) goto done;
    for (id = 0; id < n_vocab; id++) {
        size_t nb = 0;
        offs[id] = blob.len;
        const lora__added *at = id < n_tok ? lora__tokenizer_added(tok, id) : NULL;
        const char *raw = id < n_tok ? lora_token_bytes(tok, id, &nb) : NULL;
        if (at && raw && nb) {
            /* added tokens as their text, as convert_hf_to_gguf.py writes them */
            lora__buf_append(&blob, raw, nb);
            types[id] = at->special || lora__token_looks_special(raw, nb) ? LORA__TOKEN_CONTROL : LORA__TOKEN_USER_DEFINED;
        } else if (raw && nb) {
            lora__token_symbol(tok, id, &blob, sym, slen);
            types[id] = id == eos ? LORA__TOKEN_CONTROL : LORA__TOKEN_NORMAL;
        } else {
            lora__buf_printf(&blob, "[PAD%ld]", (long)id);
            types[id] = LORA__TOKEN_UNUSED;
        }
        lens[id] = blob.len - offs[id];
    }
    moffs = (size_t *)lora__calloc(n_m + 1, sizeof(size_t), "GGUF merges");
    mlens = (size_t *)lora__calloc(n_m + 1, sizeof(size_t), "GGUF merges");
    mstrs = (const char **)lora__calloc(n_m + 1, sizeof(char *), "GGUF merges");
    if (!moffs || !mlens || !mstrs) { s = LORA_ERR_OOM; goto done; }
    for (i = 0; i < n_m; i++) {
        moffs[i] = blob.len;
        lora__token_symbol(tok, mr[i].a, &blob, sym, slen);
        lora__buf_append(&blob, " ", 1);
        lora__token_symbol(tok, mr[i].b, &blob, sym, slen);
        mlens[i] = blob.len - moffs[i];
    }
    if (blob.failed) { s = LORA_ERR_OOM; goto done; }
    for (id = 0; id < n_vocab; id++) strs[id] = blob.data + offs[id];
    for (i = 0; i < n_m; i++) mstrs[i] = blob.data + moffs[i];
    if ((s = lora_gguf_set_str(w, "tokenizer.ggml.model", model)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "tokenizer.ggml.pre", pre)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str_array(w, "tokenizer.ggml.tokens", strs, lens, (size_t)n_vocab)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_array(w, "tokenizer.ggml.token_type", LORA_GGUF_INT32, types, (size_t)n_vocab)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str_array(w, "tokenizer.ggml.merges", mstrs, mlens, n_m)) != LORA_OK) goto done;
    if (lora_tokenizer_bos(tok) >= 0) {
        /* a tokenizer with a bos_token; Llama 3's (its post-processor) puts <|begin_of_text|> first, the
           others (SmolLM2's <|endoftext|>) do not: add_bos_token false, as convert_hf_to_gguf.py writes for them */
        if ((s = lora_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)lora_tokenizer_bos(tok))) != LORA_OK) goto done;
        if (eos >= 0 && (s = lora_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)eos)) != LORA_OK) goto done;
        if ((s = lora_gguf_set_bool(w, "tokenizer.ggml.add_bos_token", tok->pretok == LORA__PRE_LLAMA3)) != LORA_OK) goto done;
    } else if (eos >= 0) {
        if ((s = lora_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)eos)) != LORA_OK) goto done;
        if ((s = lora_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)eos)) != LORA_OK) goto done;
    }
done:
    lora__buf_free(&blob);
    LORA_FREE(offs); LORA_FREE(lens); LORA_FREE(strs); LORA_FREE(types); LORA_FREE(mr);
    LORA_FREE(moffs); LORA_FREE(mlens); LORA_FREE(mstrs);
    return s;
}

/* s[0..n) as a JSON string */
static void lora__json_quote(lora__buf *b, const char *s, size_t n) {
    size_t i, start = 0;
    lora__buf_append(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        lora__buf_append(b, s + start, i - start);
        if (c == '"' || c == '\\') { char e[2]; e[0] = '\\'; e[1] = (char)c; lora__buf_append(b, e, 2); }
        else lora__buf_printf(b, "\\u%04x", c);
        start = i + 1;
    }
    lora__buf_append(b, s + start, n - start);
    lora__buf_append(b, "\"", 1);
}

/* A Hugging Face tokenizer.json (and tokenizer_config.json) for a GGUF tokenizer whose
   tokenizer.ggml.pre is llama-bpe (Llama 3's split, ignore_merges), qwen2 (Qwen2's split, NFC)
   or smollm (each digit alone, then GPT-2's pattern): control and user-defined tokens become
   added tokens (special for control), the others the BPE vocabulary; eos, and bos when the file
   has tokenizer.ggml.add_bos_token (true or false), name their tokens in the config. */
static lora_status lora__tokenizer_from_gguf_hf(const lora_gguf *g, const char *pre, const lora_gguf_kv *toks,
                                                const lora_gguf_kv *merges, const lora_gguf_kv *types, lora_tokenizer **out) {
    lora__buf j, c;
    lora_status s;
    uint64_t i;
    int first = 1, add_bos = 0;
    int64_t eos = -1, bos = -1, v;
    const int32_t *ty = types ? (const int32_t *)types->arr : NULL;
    memset(&j, 0, sizeof j);
    memset(&c, 0, sizeof c);
    lora__buf_printf(&j, "{\"model\":{\"type\":\"BPE\",\"ignore_merges\":%s,\"vocab\":{", strcmp(pre, "llama-bpe") == 0 ? "true" : "false");
    for (i = 0; i < toks->n; i++) {
        if (ty && (ty[i] == LORA__TOKEN_UNUSED || ty[i] == LORA__TOKEN_CONTROL || ty[i] == LORA__TOKEN_USER_DEFINED)) continue;
        if (!first) lora__buf_append(&j, ",", 1);
        first = 0;
        lora__json_quote(&j, toks->strs[i], toks->str_lens[i]);
        lora__buf_printf(&j, ":%llu", (unsigned long long)i);
    }
    lora__buf_puts(&j, "},\"merges\":[");
    for (i = 0; merges && i < merges->n; i++) {
        if (i) lora__buf_append(&j, ",", 1);
        lora__json_quote(&j, merges->strs[i], merges->str_lens[i]);
    }
    lora__buf_printf(&j, "]},\"normalizer\":%s,\"pre_tokenizer\":", strcmp(pre, "qwen2") == 0 ? "{\"type\":\"NFC\"}" : "null");
    if (strcmp(pre, "smollm") == 0)
        lora__buf_printf(&j, "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Digits\",\"individual_digits\":true},"
                             "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":true}]}");
    else {
        const char *re = strcmp(pre, "qwen2") == 0 ? lora__re_qwen2 : lora__re_llama3;
        lora__buf_printf(&j, "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":");
        lora__json_quote(&j, re, strlen(re));
        lora__buf_printf(&j, "},\"behavior\":\"Isolated\",\"invert\":false},{\"type\":\"ByteLevel\",\"add_prefix_space\":false,"
                             "\"use_regex\":false}]}");
    }
    lora__buf_printf(&j, ",\"decoder\":{\"type\":\"ByteLevel\"},\"added_tokens\":[");
    first = 1;
    for (i = 0; ty && i < toks->n; i++) {
        if (ty[i] != LORA__TOKEN_CONTROL && ty[i] != LORA__TOKEN_USER_DEFINED) continue;
        if (!first) lora__buf_append(&j, ",", 1);
        first = 0;
        lora__buf_printf(&j, "{\"id\":%llu,\"content\":", (unsigned long long)i);
        lora__json_quote(&j, toks->strs[i], toks->str_lens[i]);
        lora__buf_printf(&j, ",\"special\":%s}", ty[i] == LORA__TOKEN_CONTROL ? "true" : "false");
    }
    lora__buf_append(&j, "]}", 2);
    if (lora_gguf_get_int(g, "tokenizer.ggml.eos_token_id", &v) == LORA_OK && v >= 0 && (uint64_t)v < toks->n) eos = v;
    if (lora_gguf_get_int(g, "tokenizer.ggml.bos_token_id", &v) == LORA_OK && v >= 0 && (uint64_t)v < toks->n) bos = v;
    if (lora_gguf_get_int(g, "tokenizer.ggml.add_bos_token", &v) == LORA_OK) add_bos = 1;   /* either way: the file names a bos */
    lora__buf_append(&c, "{", 1);
    if (eos >= 0) {
        lora__buf_puts(&c, "\"eos_token\":");
        lora__json_quote(&c, toks->strs[eos], toks->str_lens[eos]);
    }
    if (bos >= 0 && add_bos) {
        lora__buf_puts(&c, eos >= 0 ? ",\"bos_token\":" : "\"bos_token\":");
        lora__json_quote(&c, toks->strs[bos], toks->str_lens[bos]);
    }
    lora__buf_append(&c, "}", 1);
    if (j.failed || c.failed) s = LORA_ERR_OOM;
    else {
        s = lora_tokenizer_load_hf_memory(j.data, j.len, c.data, c.len, out);
        if (s != LORA_OK) s = lora__fail(s, "%s: tokenizer (tokenizer.ggml.pre \"%s\"): %s", g->path, pre, lora_last_error());
    }
    lora__buf_free(&j);
    lora__buf_free(&c);
    return s;
}

LORA_API lora_status lora_tokenizer_from_gguf(const lora_gguf *g, lora_tokenizer **out) {
    const lora_gguf_kv *toks, *merges, *types;
    const char *model = NULL;
    lora__buf vj, mt;
    lora_status s;
    uint64_t i;
    int first = 1;
    if (out) *out = NULL;
    if (!g || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_from_gguf: NULL argument");
    if ((s = lora_gguf_get_str(g, "tokenizer.ggml.model", &model)) != LORA_OK) {
        if (s == LORA_ERR_NOT_FOUND) return lora__fail(LORA_ERR_NOT_FOUND, "%s: no tokenizer in the file (no tokenizer.ggml.model)", g->path);
        return s;
    }
    if (strcmp(model, "gpt2") != 0)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: tokenizer.ggml.model \"%s\": only byte-level BPE (\"gpt2\") tokenizers are supported",
                          g->path, model);
    toks = lora_gguf_find_kv(g, "tokenizer.ggml.tokens");
    merges = lora_gguf_find_kv(g, "tokenizer.ggml.merges");
    types = lora_gguf_find_kv(g, "tokenizer.ggml.token_type");
    if (!toks || toks->type != LORA_GGUF_ARRAY || toks->elem_type != LORA_GGUF_STRING)
        return lora__fail(LORA_ERR_FORMAT, "%s: tokenizer.ggml.tokens: expected an array of strings", g->path);
    /* no merges key: no merges (gguf-py leaves out an empty list) */
    if (merges && (merges->type != LORA_GGUF_ARRAY || merges->elem_type != LORA_GGUF_STRING))
        return lora__fail(LORA_ERR_FORMAT, "%s: tokenizer.ggml.merges: expected an array of strings", g->path);
    if (types && (types->type != LORA_GGUF_ARRAY || types->elem_type != LORA_GGUF_INT32 || types->n != toks->n))
        return lora__fail(LORA_ERR_FORMAT, "%s: tokenizer.ggml.token_type: expected %llu INT32 values", g->path,
                          (unsigned long long)toks->n);
    if (toks->n > (uint64_t)1 << 24)
        return lora__fail(LORA_ERR_FORMAT, "%s: tokenizer.ggml.tokens: %llu tokens (at most 2^24)", g->path,
                          (unsigned long long)toks->n);
    {
        const char *pre = NULL;
        if (lora_gguf_get_str(g, "tokenizer.ggml.pre", &pre) == LORA_OK && strcmp(pre, "gpt-2") != 0 && strcmp(pre, "default") != 0) {
            if (strcmp(pre, "llama-bpe") == 0 || strcmp(pre, "qwen2") == 0 || strcmp(pre, "smollm") == 0)
                return lora__tokenizer_from_gguf_hf(g, pre, toks, merges, types, out);
            return lora__fail(LORA_ERR_UNSUPPORTED, "%s: tokenizer.ggml.pre \"%s\": supported are gpt-2, llama-bpe, qwen2 and smollm",
                              g->path, pre);
        }
    }
    memset(&vj, 0, sizeof vj);
    memset(&mt, 0, sizeof mt);
    lora__buf_append(&vj, "{", 1);
    for (i = 0; i < toks->n; i++) {
        if (types && ((const int32_t *)types->arr)[i] == LORA__TOKEN_UNUSED) continue;
        if (!first) lora__buf_append(&vj, ",", 1);
        first = 0;
        lora__json_quote(&vj, toks->strs[i], toks->str_lens[i]);
        lora__buf_printf(&vj, ":%llu", (unsigned long long)i);
    }
    lora__buf_append(&vj, "}", 1);
    for (i = 0; merges && i < merges->n; i++) {
        if (memchr(merges->strs[i], '\n', merges->str_lens[i])) {
            lora__buf_free(&vj); lora__buf_free(&mt);
            return lora__fail(LORA_ERR_FORMAT, "%s: tokenizer.ggml.merges: entry %llu holds a newline", g->path, (unsigned long long)i);
        }
        lora__buf_append(&mt, merges->strs[i], merges->str_lens[i]);
        lora__buf_append(&mt, "\n", 1);
    }
    if (vj.failed || mt.failed) s = LORA_ERR_OOM;
    else {
        s = lora_tokenizer_load_memory(vj.data, vj.len, mt.data ? mt.data : "", mt.len, out);
        if (s != LORA_OK) s = lora__fail(s, "%s: %s", g->path, lora_last_error());
    }
    lora__buf_free(&vj);
    lora__buf_free(&mt);
    return s;
}

LORA_API lora_status lora_tokenizer_load_gguf(const char *path, lora_tokenizer **out) {
    lora_gguf *g = NULL;
    lora_status s;
    if (out) *out = NULL;
    if (!path || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load_gguf: NULL argument");
    if ((s = lora_gguf_open(path, &g)) != LORA_OK) return s;
    s = lora_tokenizer_from_gguf(g, out);
    lora_gguf_close(g);
    return s;
}

/* ---- lora/84_model.impl.c ---- */
/* ---- models: the engine's side of the model interface ---- */

#define LORA__NEED_OP(m, op, what)                                                                              \
    do {                                                                                                       \
        if (!(m)) return lora__fail(LORA_ERR_INVALID_ARG, "%s: model is NULL", what);                          \
        if (!(m)->ops->op)                                                                                     \
            return lora__fail(LORA_ERR_UNSUPPORTED, "%s: the %s model does not implement it", what,            \
                              (m)->info.family ? (m)->info.family : "(unnamed)");                              \
    } while (0)

LORA_API const lora_model_info *lora_model_get_info(const lora_model *m) { return m ? &m->info : NULL; }
LORA_API void lora_model_free(lora_model *m) { if (m && m->ops->destroy) m->ops->destroy(m); }
LORA_API lora_pool *lora_model_pool(const lora_model *m) { return m && m->ops->pool ? m->ops->pool(m) : NULL; }
LORA_API void lora_model_set_pool(lora_model *m, lora_pool *pool) { if (m && m->ops->set_pool) m->ops->set_pool(m, pool); }

static int lora__spec_empty(const lora_target_spec *t) {
    return !t->all_linear && t->n_targets == 0 && !(t->target_regex && t->target_regex[0]);
}

LORA_API lora_status lora_model_adapter_create(const lora_model *m, const lora_config *cfg, lora_adapter **out) {
    lora_config c;
    lora_status s;
    if (out) *out = NULL;
    LORA__NEED_OP(m, adapter_create, "lora_model_adapter_create");
    if (!cfg || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_adapter_create: NULL argument");
    c = *cfg;
    if (lora__spec_empty(&c.target)) {
        if (m->info.n_default_targets <= 0)
            return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_adapter_create: no target modules given and the %s "
                              "model has no default targets", m->info.family);
        c.target.targets = m->info.default_targets;
        c.target.n_targets = m->info.n_default_targets;
    }
    if ((s = m->ops->adapter_create(m, &c, out)) != LORA_OK) return s;
    if ((s = lora_adapter_set_base_model(*out, m->info.name_or_path)) != LORA_OK) {
        lora_adapter_free(*out);
        *out = NULL;
    }
    return s;
}

LORA_API lora_status lora_model_adapter_load(const lora_model *m, const char *dir, lora_adapter **out, char **warnings) {
    if (out) *out = NULL;
    if (warnings) *warnings = NULL;
    LORA__NEED_OP(m, adapter_load, "lora_model_adapter_load");
    return m->ops->adapter_load(m, dir, out, warnings);
}

LORA_API lora_status lora_model_adapter_save(const lora_model *m, const lora_adapter *ad, const char *dir) {
    if (!m) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_adapter_save: model is NULL");
    return lora_adapter_save(ad, dir, m->info.fan_in_fan_out);
}

LORA_API lora_status lora_model_set_adapter(lora_model *m, lora_adapter *ad) {
    LORA__NEED_OP(m, set_adapter, "lora_model_set_adapter");
    return m->ops->set_adapter(m, ad);
}

LORA_API lora_adapter *lora_model_adapter(const lora_model *m) {
    return m && m->ops->adapter ? m->ops->adapter(m) : NULL;
}

LORA_API lora_status lora_model_merge(lora_model *m, lora_adapter *ad, int sign) {
    LORA__NEED_OP(m, merge, "lora_model_merge");
    return m->ops->merge(m, ad, sign);
}

LORA_API lora_status lora_model_set_full_finetune(lora_model *m, int on) {
    LORA__NEED_OP(m, set_full_finetune, "lora_model_set_full_finetune");
    return m->ops->set_full_finetune(m, on);
}

LORA_API void lora_model_set_training(lora_model *m, int training, uint64_t dropout_seed) {
    if (m && m->ops->set_training) m->ops->set_training(m, training, dropout_seed);
}
LORA_API uint64_t lora_model_dropout_step(const lora_model *m) {
    return m && m->ops->dropout_step ? m->ops->dropout_step(m) : 0;
}
LORA_API void lora_model_set_dropout_step(lora_model *m, uint64_t step) {
    if (m && m->ops->set_dropout_step) m->ops->set_dropout_step(m, step);
}

LORA_API lora_status lora_model_forward(lora_model *m, const int32_t *inputs, const int32_t *labels, int B, int T,
                                        float *loss) {
    LORA__NEED_OP(m, forward, "lora_model_forward");
    return m->ops->forward(m, inputs, labels, NULL, B, T, loss);
}
LORA_API lora_status lora_model_forward_positions(lora_model *m, const int32_t *inputs, const int32_t *labels,
                                                  const int32_t *positions, int B, int T, float *loss) {
    LORA__NEED_OP(m, forward, "lora_model_forward_positions");
    return m->ops->forward(m, inputs, labels, positions, B, T, loss);
}
LORA_API const float *lora_model_logits(const lora_model *m) { return m && m->ops->logits ? m->ops->logits(m) : NULL; }
LORA_API lora_status lora_model_backward(lora_model *m) {
    LORA__NEED_OP(m, backward, "lora_model_backward");
    return m->ops->backward(m);
}
LORA_API void lora_model_zero_grad(lora_model *m) { if (m && m->ops->zero_grad) m->ops->zero_grad(m); }
LORA_API lora_status lora_model_trainable_params(lora_model *m, lora_param **params, int *n) {
    LORA__NEED_OP(m, trainable_params, "lora_model_trainable_params");
    return m->ops->trainable_params(m, params, n);
}
LORA_API lora_status lora_model_save(const lora_model *m, const char *path) {
    LORA__NEED_OP(m, save, "lora_model_save");
    return m->ops->save(m, path);
}
/* ---- GGUF export ---- */
static const char *lora__model_gguf_name(const lora_model *m) {
    const char *n = m->info.name_or_path, *slash;
    if (!n || !n[0] || strcmp(n, ".") == 0) return m->info.family ? m->info.family : "model";
    slash = strrchr(n, '/');
    return slash && slash[1] ? slash + 1 : n;
}
static lora_status lora__gguf_dtype_ok(lora_ggml_type t, const char *what) {
    if (t == LORA_GGML_F32 || t == LORA_GGML_F16 || t == LORA_GGML_BF16) return LORA_OK;
    return lora__fail(LORA_ERR_INVALID_ARG, "%s: dtype %d: F32, F16 or BF16", what, (int)t);
}

LORA_API lora_status lora_model_save_gguf(const lora_model *m, const lora_tokenizer *tok, const lora_adapter *ad,
                                          const char *path, lora_ggml_type dtype) {
    lora_gguf_writer *w = NULL;
    lora_status s;
    LORA__NEED_OP(m, gguf_write, "lora_model_save_gguf");
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_save_gguf: path is NULL");
    if (!tok) return lora__fail(LORA_ERR_INVALID_ARG, "%s: a GGUF model needs its tokenizer (llama.cpp reads it from the file)", path);
    if ((s = lora__gguf_dtype_ok(dtype, "lora_model_save_gguf")) != LORA_OK) return s;
    if ((s = lora_gguf_writer_create(&w)) != LORA_OK) return s;
    /* general.* first, as gguf-py writes them */
    if ((s = lora_gguf_set_str(w, "general.architecture", m->info.gguf_arch ? m->info.gguf_arch : m->info.family)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "general.type", "model")) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "general.name", lora__model_gguf_name(m))) != LORA_OK) goto done;
    if ((s = lora_gguf_set_u32(w, "general.file_type", dtype == LORA_GGML_F32 ? 0u : dtype == LORA_GGML_F16 ? 1u : 32u)) != LORA_OK)
        goto done;
    if ((s = m->ops->gguf_write(m, tok, ad, w, dtype)) != LORA_OK) goto done;
    s = lora_gguf_write(w, path);
done:
    lora_gguf_writer_free(w);
    return s;
}

LORA_API lora_status lora_model_save_adapter_gguf(const lora_model *m, const lora_adapter *ad, const char *path,
                                                  lora_ggml_type dtype) {
    lora_gguf_writer *w = NULL;
    lora_status s;
    double alpha;
    int i;
    LORA__NEED_OP(m, gguf_module, "lora_model_save_adapter_gguf");
    if (!ad || !path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_save_adapter_gguf: NULL argument");
    if ((s = lora__gguf_dtype_ok(dtype, "lora_model_save_adapter_gguf")) != LORA_OK) return s;
    if (ad->n_modules <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "%s: the adapter adapts no module", path);
    if (ad->n_biases > 0)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: the adapter trains %d biases (bias \"%s\", e.g. %s); llama.cpp's LoRA "
                          "adapters carry only A and B: export the merged model instead", path, ad->n_biases,
                          lora_bias_mode_name(ad->config.bias) ? lora_bias_mode_name(ad->config.bias) : "?", ad->biases[0].name);
    if (ad->n_model_modules != m->info.n_modules)
        return lora__fail(LORA_ERR_SHAPE, "%s: the adapter was made for %d modules, the model has %d", path, ad->n_model_modules,
                          m->info.n_modules);
    alpha = (double)ad->modules[0].scaling * ad->modules[0].r;
    if (!(alpha > 0) || alpha > 3.0e38)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: scaling %g of %s cannot be written as llama.cpp's alpha", path,
                          (double)ad->modules[0].scaling, ad->modules[0].name);
    if ((s = lora_gguf_writer_create(&w)) != LORA_OK) return s;
    if ((s = lora_gguf_set_str(w, "general.architecture", m->info.gguf_arch ? m->info.gguf_arch : m->info.family)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "general.type", "adapter")) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "general.name", lora__model_gguf_name(m))) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "adapter.type", "lora")) != LORA_OK) goto done;
    if ((s = lora_gguf_set_f32(w, "adapter.lora.alpha", (float)alpha)) != LORA_OK) goto done;
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *md = &ad->modules[i];
        char base[LORA_GGUF_MAX_NAME], name[LORA_GGUF_MAX_NAME + 16];
        int perm = 0, flags = 0;
        int64_t ne[2];
        const float *B = md->B;
        float *tmp = NULL;
        double ratio = (double)md->scaling * md->r / alpha;
        if (md->index < 0 || md->index >= m->info.n_modules) {
            s = lora__fail(LORA_ERR_SHAPE, "%s: module %s has index %d outside the model's %d modules", path, md->name, md->index,
                           m->info.n_modules);
            goto done;
        }
        base[0] = 0;
        if ((s = m->ops->gguf_module(m, md->index, base, &perm)) != LORA_OK) {
            s = lora__fail(s, "%s: %s", path, lora_last_error());
            goto done;
        }
        if (strlen(base) + 8 >= LORA_GGUF_MAX_NAME) {
            s = lora__fail(LORA_ERR_UNSUPPORTED, "%s: GGUF tensor name '%s.lora_a' is too long for llama.cpp", path, base);
            goto done;
        }
        if (perm > 0 || ratio != 1.0) {
            size_t n = (size_t)md->out * (size_t)md->r, k;
            if (!(tmp = (float *)lora__malloc(n * sizeof(float), "adapter B copy"))) { s = LORA_ERR_OOM; goto done; }
            if (perm > 0) {
                if ((s = lora_gguf_permute_rows(md->B, tmp, md->out, md->r, perm, 0)) != LORA_OK) { LORA_FREE(tmp); goto done; }
            } else memcpy(tmp, md->B, n * sizeof(float));
            if (ratio != 1.0) for (k = 0; k < n; k++) tmp[k] = (float)(tmp[k] * ratio);
            B = tmp;
            flags = LORA_GGUF_COPY;
        }
        snprintf(name, sizeof name, "%s.lora_a", base);
        ne[0] = md->in; ne[1] = md->r;
        s = lora_gguf_add_tensor(w, name, 2, ne, dtype, md->A, 0);
        if (s == LORA_OK) {
            snprintf(name, sizeof name, "%s.lora_b", base);
            ne[0] = md->r; ne[1] = md->out;
            s = lora_gguf_add_tensor(w, name, 2, ne, dtype, B, flags);
        }
        LORA_FREE(tmp);
        if (s != LORA_OK) goto done;
    }
    s = lora_gguf_write(w, path);
done:
    lora_gguf_writer_free(w);
    return s;
}

LORA_API void lora_model_estimate_memory(const lora_model *m, const lora_adapter *ad, int full, int B, int T,
                                         int threads, lora_memory_estimate *out) {
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (m && m->ops->estimate_memory) m->ops->estimate_memory(m, ad, full, B, T, threads, out);
}
LORA_API size_t lora_model_memory(const lora_model *m) { return m && m->ops->memory ? m->ops->memory(m) : 0; }

LORA_API void lora_model_trainable_line(const lora_model *m, char *buf, size_t size) {
    const lora_adapter *ad;
    int64_t trainable = 0, lora_ab = 0;
    lora_param *params = NULL;
    int i, n = 0;
    if (!buf || size == 0) return;
    buf[0] = 0;
    if (!m) return;
    ad = lora_model_adapter(m);
    if (ad) {
        /* biases carried by the adapter are model parameters made trainable: counted in
           "trainable" but already in "all" */
        trainable = lora_adapter_num_params(ad);
        lora_ab = trainable;
        for (i = 0; i < ad->n_biases; i++) lora_ab -= ad->biases[i].n;
    }
    if (!ad && m->ops->trainable_params && m->ops->trainable_params((lora_model *)m, &params, &n) == LORA_OK) {
        for (i = 0; i < n; i++) trainable += params[i].n;   /* full fine-tuning: every weight */
        LORA_FREE(params);
    }
    lora_format_trainable(trainable, m->info.num_params + lora_ab, buf, size);
}

/* ---- KV cache ---- */
#define LORA__NEED_KV(m, op, what)                                                                              \
    do {                                                                                                       \
        LORA__NEED_OP(m, op, what);                                                                            \
        if (!kv) return lora__fail(LORA_ERR_INVALID_ARG, "%s: cache is NULL", what);                          \
    } while (0)

LORA_API lora_status lora_kv_create(const lora_model *m, int max_T, lora_kv **out) {
    if (out) *out = NULL;
    LORA__NEED_OP(m, kv_create, "lora_kv_create");
    return m->ops->kv_create(m, max_T, out);
}
LORA_API void lora_kv_free(const lora_model *m, lora_kv *kv) { if (m && kv && m->ops->kv_free) m->ops->kv_free(kv); }
LORA_API void lora_kv_reset(const lora_model *m, lora_kv *kv) { if (m && kv && m->ops->kv_reset) m->ops->kv_reset(kv); }
LORA_API lora_status lora_kv_truncate(const lora_model *m, lora_kv *kv, int n) {
    LORA__NEED_KV(m, kv_truncate, "lora_kv_truncate");
    return m->ops->kv_truncate(kv, n);
}
LORA_API int lora_kv_length(const lora_model *m, const lora_kv *kv) {
    return m && kv && m->ops->kv_length ? m->ops->kv_length(kv) : 0;
}
LORA_API int lora_kv_capacity(const lora_model *m, const lora_kv *kv) {
    return m && kv && m->ops->kv_capacity ? m->ops->kv_capacity(kv) : 0;
}
LORA_API size_t lora_kv_memory(const lora_model *m, const lora_kv *kv) {
    return m && kv && m->ops->kv_memory ? m->ops->kv_memory(kv) : 0;
}
LORA_API lora_status lora_forward_cached(lora_model *m, lora_kv *kv, const int32_t *tokens, int n_new, float *logits_last) {
    LORA__NEED_KV(m, forward_cached, "lora_forward_cached");
    return m->ops->forward_cached(m, kv, tokens, n_new, logits_last);
}

/* ---- opening a model of any known family ---- */
static int lora__is_dir(const char *path) {
#ifdef LORA__HAVE_STAT
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
#else
    (void)path;
    return 0;
#endif
}

static int lora__readable(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

/* dir of path ("." when it has none) + "/" + name */
static char *lora__beside(const char *path, const char *name) {
    const char *slash = strrchr(path, '/');
    size_t d = slash ? (size_t)(slash - path) : 1, n = strlen(name);
    char *p = (char *)lora__malloc(d + n + 2, "path");
    if (!p) return NULL;
    if (slash) memcpy(p, path, d); else p[0] = '.';
    p[d] = '/';
    memcpy(p + d + 1, name, n + 1);
    return p;
}

static void lora__family_list(const lora_model_family *const *fams, int n, int presets, char *buf, size_t size) {
    size_t at = 0;
    int i, k;
    buf[0] = 0;
    for (i = 0; i < n; i++) {
        const char *const *list = fams[i] ? (presets ? fams[i]->presets : fams[i]->model_types) : NULL;
        for (k = 0; list && list[k]; k++) {
            int w = snprintf(buf + at, size - at, "%s%s", at ? ", " : "", list[k]);
            if (w < 0 || (size_t)w >= size - at) return;
            at += (size_t)w;
        }
    }
}

/* A family's load / create_preset with the base weights in dtype. */
static lora_status lora__family_load(const lora_model_family *f, const char *path, const char *cfg, lora_pool *pool,
                                     lora_dtype dtype, lora_model **out) {
    if (dtype == LORA_DT_F32) return f->load(path, cfg, pool, out);
    if (!f->load_as) return lora__fail(LORA_ERR_UNSUPPORTED, "%s: the %s family keeps its weights in F32 only (asked for %s)",
                                       path, f->name, lora_dtype_name(dtype));
    return f->load_as(path, cfg, pool, dtype, out);
}
static lora_status lora__family_preset(const lora_model_family *f, const char *preset, uint64_t seed, lora_pool *pool,
                                       lora_dtype dtype, lora_model **out) {
    if (dtype == LORA_DT_F32) return f->create_preset(preset, seed, pool, out);
    if (!f->create_preset_as) return lora__fail(LORA_ERR_UNSUPPORTED, "preset %s: the %s family keeps its weights in F32 only "
                                                "(asked for %s)", preset, f->name, lora_dtype_name(dtype));
    return f->create_preset_as(preset, seed, pool, dtype, out);
}

LORA_API lora_status lora_model_open(const lora_model_family *const *families, int n_families, const char *path,
                                     const char *config_path, const char *preset, uint64_t init_seed,
                                     lora_pool *pool, lora_model **out) {
    return lora_model_open_as(families, n_families, path, config_path, preset, init_seed, pool, LORA_DT_F32, out);
}

LORA_API lora_status lora_model_open_as(const lora_model_family *const *families, int n_families, const char *path,
                                        const char *config_path, const char *preset, uint64_t init_seed,
                                        lora_pool *pool, lora_dtype base_dtype, lora_model **out) {
    char known[512];
    char *weights = NULL, *cfg = NULL, *text = NULL;
    const char *type = NULL;
    lora_json *j = NULL;
    lora_status s;
    size_t len;
    int i, k;
    if (out) *out = NULL;
    if (base_dtype != LORA_DT_F32 && base_dtype != LORA_DT_BF16)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_open: base weights in %s: expected F32 or BF16", lora_dtype_name(base_dtype));
    if (!families || n_families <= 0 || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_open: no families or out is NULL");
    if (!!preset == !!path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_open: give exactly one of a path and a preset");
    if (preset) {
        for (i = 0; i < n_families; i++)
            for (k = 0; families[i] && families[i]->presets && families[i]->presets[k]; k++)
                if (strcmp(families[i]->presets[k], preset) == 0) return lora__family_preset(families[i], preset, init_seed, pool, base_dtype, out);
        lora__family_list(families, n_families, 1, known, sizeof known);
        return lora__fail(LORA_ERR_NOT_FOUND, "unknown preset '%s' (known: %s)", preset, known);
    }
    if (!path[0]) return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_open: the model path is empty");
    /* a directory holds model.safetensors (or the shards' index) and config.json */
    if (lora__is_dir(path)) {
        char *p = lora__path_join(path, "model.safetensors");
        if (!p) return LORA_ERR_OOM;
        if (!lora__readable(p)) {
            LORA_FREE(p);
            if (!(p = lora__path_join(path, "model.safetensors.index.json"))) return LORA_ERR_OOM;
            if (!lora__readable(p)) {
                LORA_FREE(p);
                return lora__fail(LORA_ERR_NOT_FOUND, "%s: a model directory must hold model.safetensors (or "
                                  "model.safetensors.index.json) and config.json", path);
            }
        }
        weights = p;
        path = weights;
    }
    if (lora_gguf_probe(path)) {
        /* a GGUF file names its architecture: the family listing it among its model types (llama.cpp's
           names: "gpt2", "llama", "qwen2", ...), else the family whose probe accepts the file */
        lora_gguf *g = NULL;
        const char *arch = NULL;
        const lora_model_family *fam = NULL;
        if ((s = lora_gguf_open(path, &g)) != LORA_OK) { LORA_FREE(weights); return s; }
        if ((s = lora_gguf_get_str(g, "general.architecture", &arch)) != LORA_OK) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: a GGUF file without general.architecture: %s", path, lora_last_error());
            lora_gguf_close(g);
            LORA_FREE(weights);
            return s;
        }
        for (i = 0; i < n_families && !fam; i++) {
            int k;
            for (k = 0; families[i] && families[i]->model_types && families[i]->model_types[k] && !fam; k++)
                if (strcmp(families[i]->model_types[k], arch) == 0) fam = families[i];
        }
        for (i = 0; i < n_families && !fam; i++)
            if (families[i] && families[i]->probe && families[i]->probe(path)) fam = families[i];
        if (fam) s = fam->load(path, NULL, pool, out);
        else {
            lora__family_list(families, n_families, 0, known, sizeof known);
            s = lora__fail(LORA_ERR_UNSUPPORTED, "%s: GGUF architecture \"%s\" is not one this program loads (known: %s)", path,
                           arch, known);
        }
        lora_gguf_close(g);
        LORA_FREE(weights);
        return s;
    }
    if (config_path) cfg = lora__strdup(config_path, "path");
    else {
        cfg = lora__beside(path, "config.json");
        if (cfg && !lora__readable(cfg)) { LORA_FREE(cfg); cfg = NULL; }
        if (!cfg) {
            /* no config.json: a family that recognises the file itself (llm.c checkpoints) */
            for (i = 0; i < n_families; i++)
                if (families[i] && families[i]->probe && families[i]->probe(path)) {
                    s = lora__family_load(families[i], path, NULL, pool, base_dtype, out);
                    LORA_FREE(weights);
                    return s;
                }
            /* single-family programs load what their family can infer */
            if (n_families == 1 && families[0]) {
                s = lora__family_load(families[0], path, NULL, pool, base_dtype, out);
                LORA_FREE(weights);
                return s;
            }
            s = lora__fail(LORA_ERR_NOT_FOUND, "%s: no config.json beside the weights, so the model family is unknown "
                           "(pass the config file)", path);
            LORA_FREE(weights);
            return s;
        }
    }
    if (!cfg) { LORA_FREE(weights); return LORA_ERR_OOM; }
    if ((s = lora__read_file(cfg, &text, &len)) != LORA_OK) goto done;
    if ((s = lora_json_parse(text, len, cfg, &j)) != LORA_OK) goto done;
    if (j->type != LORA_JSON_OBJECT) { s = lora__fail(LORA_ERR_FORMAT, "%s: expected a JSON object", cfg); goto done; }
    type = lora_json_get_string(j, "model_type");
    if (!type) {
        if (n_families == 1 && families[0]) { s = lora__family_load(families[0], path, cfg, pool, base_dtype, out); goto done; }
        s = lora__fail(LORA_ERR_FORMAT, "%s: no \"model_type\" string, so the model family is unknown", cfg);
        goto done;
    }
    for (i = 0; i < n_families; i++)
        for (k = 0; families[i] && families[i]->model_types && families[i]->model_types[k]; k++)
            if (strcmp(families[i]->model_types[k], type) == 0) { s = lora__family_load(families[i], path, cfg, pool, base_dtype, out); goto done; }
    lora__family_list(families, n_families, 0, known, sizeof known);
    s = lora__fail(LORA_ERR_UNSUPPORTED, "%s: model_type \"%s\" is not one this program knows (known: %s)", cfg, type, known);
done:
    lora_json_free(j);
    LORA_FREE(text);
    LORA_FREE(cfg);
    LORA_FREE(weights);
    return s;
}

LORA_API lora_status lora_model_open_shape(const lora_model_family *const *families, int n_families,
                                           const char *preset, lora_model **out) {
    int i, k;
    if (out) *out = NULL;
    if (!families || n_families <= 0 || !preset || !out)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_model_open_shape: NULL argument");
    for (i = 0; i < n_families; i++)
        for (k = 0; families[i] && families[i]->presets && families[i]->presets[k]; k++)
            if (strcmp(families[i]->presets[k], preset) == 0)
                return families[i]->preset_shape ? families[i]->preset_shape(preset, out)
                                                 : families[i]->create_preset(preset, 0, NULL, out);
    return lora_model_open(families, n_families, NULL, NULL, preset, 0, NULL, out);
}

/* ---- lora/86_generate.impl.c ---- */
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

/* ---- lora/88_train.impl.c ---- */
/* ---- evaluation and the training loop ---- */

static double lora__seconds(void) {
#if defined(CLOCK_MONOTONIC) && !defined(_WIN32)
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

static lora_status lora__evaluate(lora_model *m, const lora_dataset *ds, int B, int T, int64_t max_batches,
                                  int32_t *in, int32_t *lab, int32_t *pos, lora_eval_result *r) {
    lora_batcher *bt = NULL;
    size_t at = 0, nb, b;
    double sum = 0, count = 0;
    lora_status s = LORA_OK;
    /* separate samples go through a batcher in file order (positions per sample); a stream is
       cut from its start */
    if (ds->separate && (s = lora_batcher_create(ds, B, T, 0, 0, &bt)) != LORA_OK) return s;
    nb = bt ? lora_batcher_epoch_batches(bt) : lora_data_batches_per_epoch(ds, B, T);
    if (max_batches > 0 && nb > (size_t)max_batches) nb = (size_t)max_batches;
    for (b = 0; b < nb; b++) {
        float loss;
        int row, t, n = 0;
        if (bt) s = lora_batcher_next(bt, in, lab, pos);
        else s = lora_data_batch(ds, &at, B, T, in, lab);
        if (s != LORA_OK) break;
        if ((s = lora_model_forward_positions(m, in, lab, bt ? pos : NULL, B, T, &loss)) != LORA_OK) break;
        /* the logits at t predict labels[t + 1]: the first label of a row has no prediction */
        for (row = 0; row < B; row++)
            for (t = 1; t < T; t++) n += lab[row * T + t] != LORA_IGNORE_LABEL;
        if (n) { sum += (double)loss * n; count += n; }
    }
    lora_batcher_free(bt);
    if (s != LORA_OK) return s;
    r->loss = count ? sum / count : NAN;
    r->perplexity = exp(r->loss);
    r->tokens = (int64_t)count;
    r->batches = (int64_t)nb;
    return LORA_OK;
}

static lora_status lora__check_batch_shape(const char *what, const lora_dataset *ds, int B, int T) {
    if (B <= 0 || T <= 1)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: batch %d and seq %d must be positive (seq > 1)", what, B, T);
    if ((size_t)B > SIZE_MAX / (size_t)T / sizeof(int32_t))
        return lora__fail(LORA_ERR_RANGE, "%s: batch %d x seq %d is too large", what, B, T);
    if (ds && !ds->separate && ds->n_tokens < (size_t)B * (size_t)T)
        return lora__fail(LORA_ERR_RANGE, "%s: the data has %zu tokens, fewer than one batch of %d x %d", what,
                          ds->n_tokens, B, T);
    return LORA_OK;
}

LORA_API lora_status lora_evaluate(lora_model *m, const lora_dataset *ds, int B, int T, int64_t max_batches,
                                   lora_eval_result *out) {
    int32_t *in, *lab, *pos;
    lora_status s;
    if (out) memset(out, 0, sizeof *out);
    if (!m || !ds || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_evaluate: NULL argument");
    if ((s = lora__check_batch_shape("lora_evaluate", ds, B, T)) != LORA_OK) return s;
    if (T > m->info.max_seq)
        return lora__fail(LORA_ERR_RANGE, "lora_evaluate: seq %d exceeds the model's context length %d", T, m->info.max_seq);
    in = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)B * T, "evaluation batch");
    lab = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)B * T, "evaluation batch");
    pos = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)B * T, "evaluation batch");
    if (!in || !lab || !pos) s = LORA_ERR_OOM;
    else s = lora__evaluate(m, ds, B, T, max_batches, in, lab, pos, out);
    LORA_FREE(in);
    LORA_FREE(lab);
    LORA_FREE(pos);
    return s;
}

LORA_API lora_status lora_exact_match(lora_model *m, const lora_dataset *ds, int64_t max_items,
                                      lora_exact_match_fn on_item, void *user, lora_exact_match_result *out) {
    lora_sampler greedy = lora_sampler_init();
    int32_t *got = NULL;
    size_t k, cap = 0;
    lora_status s = LORA_OK;
    if (out) memset(out, 0, sizeof *out);
    if (!m || !ds || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_exact_match: NULL argument");
    if (m->info.eos < 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_exact_match: the %s model has no end-of-text token", m->info.family);
    greedy.greedy = 1;
    for (k = 0; k < ds->n_samples && (max_items <= 0 || out->items < max_items); k++) {
        size_t a = ds->sample_start[k], b = ds->sample_start[k + 1], p = a;
        int n_prompt, n_exp, n_got = 0, want, ok, i;
        while (p < b && ds->labels[p] == LORA_IGNORE_LABEL) p++;
        if (p == a || p == b) continue;                      /* no prompt, or nothing to answer */
        n_prompt = (int)(p - a);
        for (b = p; b < ds->sample_start[k + 1] && ds->labels[b] != LORA_IGNORE_LABEL; b++) {}
        n_exp = (int)(b - p);                                /* the labelled run: a chat template's answer
                                                                ends at its end-of-turn token */
        if (n_prompt >= m->info.max_seq) continue;          /* no room to answer */
        if (ds->tokens[b - 1] == m->info.eos) n_exp--;        /* compare the text; the stop is checked apart */
        want = n_exp + 1;                                   /* the answer, then the end-of-text token */
        if ((size_t)want > cap) {
            int32_t *g = (int32_t *)lora__realloc(got, sizeof(int32_t) * (size_t)want, "exact-match answer");
            if (!g) { s = LORA_ERR_OOM; break; }
            got = g;
            cap = (size_t)want;
        }
        if ((s = lora_generate(m, ds->tokens + a, n_prompt, want, &greedy, 1, got, &n_got, NULL, NULL)) != LORA_OK) break;
        /* stop_at_eot leaves the end-of-text token out: n_got < want means the model stopped there,
           unless the context was full */
        ok = n_got == n_exp && n_prompt + n_got < m->info.max_seq;
        for (i = 0; ok && i < n_exp; i++) ok = got[i] == ds->tokens[p + (size_t)i];
        out->items++;
        out->correct += ok;
        if (on_item && on_item(user, out->items - 1, ds->tokens + a, n_prompt, ds->tokens + p, n_exp, got, n_got, ok)) {
            s = lora__fail(LORA_ERR_CANCELLED, "lora_exact_match: stopped by the callback after %lld items",
                           (long long)out->items);
            break;
        }
    }
    LORA_FREE(got);
    return s;
}

LORA_API lora_train_config lora_train_config_init(void) {
    lora_train_config c;
    memset(&c, 0, sizeof c);
    c.batch = 4;
    c.seq = 128;
    c.steps = 100;
    c.grad_accum = 1;
    c.optim = lora_adamw_config_init();
    c.optim.lr = 2e-4;
    c.optim.weight_decay = 0.0;
    c.seed = 42;
    c.shuffle = 1;
    return c;
}

/* The training run's state shared by the loop's helpers. */
typedef struct lora__trainer {
    lora_model *m;
    const lora_train_config *cfg;
    const lora_dataset *train;
    lora_batcher *batches;
    lora_adamw *opt;
    lora_param *params;
    int n_params;
    int full;                    /* no adapter: the checkpoint holds the model's weights */
    int32_t *in, *lab, *pos;
    lora_train_state st;
    double t_start, tokens;
    lora_train_result *res;
} lora__trainer;

static void lora__trainer_progress(lora__trainer *tr, lora_train_progress *p, lora_train_event ev) {
    double el = lora__seconds() - tr->t_start;
    memset(p, 0, sizeof *p);
    p->event = ev;
    p->step = tr->st.step;
    p->total_steps = tr->cfg->steps;
    p->val_loss = NAN;
    p->elapsed_s = el;
    p->tokens_per_s = el > 0 ? tr->tokens / el : 0.0;
}

/* Writes the adapter (or the full model) and trainer_state.bin into the checkpoint directory. */
static lora_status lora__trainer_save(lora__trainer *tr, int *cancel) {
    const char *dir = tr->cfg->checkpoint_dir;
    char *path;
    lora_status s;
    lora_train_progress p;
    lora_dir_txn txn;
    double now = lora__seconds();
    tr->st.elapsed_seconds += now - tr->t_start;
    tr->t_start = now;
    tr->tokens = 0;
    /* the weights (or adapter) and trainer_state.bin go into a new directory that replaces the
       previous checkpoint as a whole: never a new adapter with an old trainer state */
    if ((s = lora_dir_begin(&txn, dir)) != LORA_OK) return s;
    if (tr->full) {
        if (!(path = lora__path_join(lora_dir_path(&txn), "model.safetensors"))) { lora_dir_abort(&txn); return LORA_ERR_OOM; }
        s = lora_model_save(tr->m, path);
        LORA_FREE(path);
    } else {
        s = lora__adapter_write_files(lora_model_adapter(tr->m), lora_dir_path(&txn), tr->m->info.fan_in_fan_out);
    }
    if (s == LORA_OK) {
        if (!(path = lora__path_join(lora_dir_path(&txn), "trainer_state.bin"))) s = LORA_ERR_OOM;
        else {
            s = lora_checkpoint_save(path, tr->opt, &tr->st);
            LORA_FREE(path);
        }
    }
    if (s != LORA_OK) { lora_dir_abort(&txn); return s; }
    if ((s = lora_dir_commit(&txn)) != LORA_OK) return s;
    if (tr->res) tr->res->checkpoint = dir;
    if (tr->cfg->on_progress) {
        lora__trainer_progress(tr, &p, LORA_TRAIN_CHECKPOINT);
        p.checkpoint = dir;
        if (tr->cfg->on_progress(tr->cfg->user, &p) && cancel) *cancel = 1;
    }
    return LORA_OK;
}

/* A validation pass in eval mode; the dropout stream continues where it was. */
static lora_status lora__trainer_validate(lora__trainer *tr, double *loss) {
    lora_eval_result r;
    lora_status s;
    lora_model_set_training(tr->m, 0, tr->st.seed);
    s = lora__evaluate(tr->m, tr->cfg->val, tr->cfg->batch, tr->cfg->seq, tr->cfg->val_batches, tr->in, tr->lab, tr->pos, &r);
    lora_model_set_training(tr->m, 1, tr->st.seed);
    lora_model_set_dropout_step(tr->m, tr->st.dropout_step);
    if (s != LORA_OK) return s;
    *loss = r.loss;
    if (!(r.loss >= tr->st.best_val_loss)) tr->st.best_val_loss = r.loss;
    return LORA_OK;
}

/* One optimiser step: grad_accum micro-batches, their mean gradient, AdamW. */
static lora_status lora__trainer_step(lora__trainer *tr, lora_train_progress *p) {
    const lora_train_config *c = tr->cfg;
    double t0 = lora__seconds(), loss_sum = 0.0;
    int k;
    lora_status s;
    lora_model_zero_grad(tr->m);
    for (k = 0; k < c->grad_accum; k++) {
        float loss;
        if ((s = lora_batcher_next(tr->batches, tr->in, tr->lab, tr->pos)) != LORA_OK) return s;
        lora_batcher_position(tr->batches, &tr->st.epoch, &tr->st.data_pos);
        if ((s = lora_model_forward_positions(tr->m, tr->in, tr->lab, tr->train->separate ? tr->pos : NULL, c->batch,
                                              c->seq, &loss)) != LORA_OK)
            return s;
        if (tr->res) tr->res->loss = loss;
        if (!isfinite(loss))
            return lora__fail(LORA_ERR_NUMERIC, "training loss is %g at step %lld; stopped before updating any weight",
                              (double)loss, (long long)tr->st.step);
        if ((s = lora_model_backward(tr->m)) != LORA_OK) return s;
        loss_sum += loss;
    }
    if (c->grad_accum > 1) {
        int i;
        int64_t j;
        for (i = 0; i < tr->n_params; i++)
            for (j = 0; j < tr->params[i].n; j++) tr->params[i].grad[j] /= (float)c->grad_accum;
    }
    lora__trainer_progress(tr, p, LORA_TRAIN_STEP);
    if ((s = lora_adamw_step(tr->opt, lora_model_pool(tr->m), &p->grad_norm, &p->lr)) != LORA_OK) return s;
    tr->st.step = tr->opt->step;
    tr->st.dropout_step = lora_model_dropout_step(tr->m);
    tr->tokens += (double)c->batch * c->seq * c->grad_accum;
    p->step = tr->st.step;
    p->loss = (float)(loss_sum / c->grad_accum);
    if (tr->res) tr->res->loss = p->loss;
    p->step_ms = 1000.0 * (lora__seconds() - t0);
    p->elapsed_s = lora__seconds() - tr->t_start;
    p->tokens_per_s = p->elapsed_s > 0 ? tr->tokens / p->elapsed_s : 0.0;
    return LORA_OK;
}

LORA_API lora_status lora_train(lora_model *m, const lora_dataset *train, const lora_train_config *cfg,
                                lora_train_result *out) {
    lora__trainer tr;
    lora_train_result local;
    lora_adamw_config oc;
    lora_status s;
    int cancel = 0;
    char *path = NULL;
    if (!out) out = &local;
    memset(out, 0, sizeof *out);
    out->val_before = out->val_after = NAN;
    if (!m || !train || !cfg) return lora__fail(LORA_ERR_INVALID_ARG, "lora_train: NULL argument");
    if ((s = lora__check_batch_shape("lora_train", train, cfg->batch, cfg->seq)) != LORA_OK) return s;
    if (cfg->val && (s = lora__check_batch_shape("lora_train: validation", cfg->val, cfg->batch, cfg->seq)) != LORA_OK) return s;
    if (cfg->steps <= 0 || cfg->steps > INT_MAX || cfg->grad_accum <= 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_train: steps %lld must be in [1, %d] and grad_accum %d positive",
                          (long long)cfg->steps, INT_MAX, cfg->grad_accum);
    if (cfg->seq > m->info.max_seq)
        return lora__fail(LORA_ERR_RANGE, "lora_train: seq %d exceeds the model's context length %d", cfg->seq, m->info.max_seq);
    if (cfg->eval_every < 0 || cfg->save_every < 0 || cfg->val_batches < 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_train: eval_every, save_every and val_batches must be >= 0");
    if ((cfg->save_every > 0 || cfg->checkpoint_at_end) && !cfg->checkpoint_dir)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_train: checkpoints asked for but checkpoint_dir is NULL");
    memset(&tr, 0, sizeof tr);
    tr.m = m; tr.cfg = cfg; tr.train = train; tr.res = out;
    tr.full = lora_model_adapter(m) == NULL;
    if (!tr.full && (s = lora__check_config(&lora_model_adapter(m)->config)) != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        return lora__fail(s, "lora_train: the adapter's settings: %s", msg);
    }
    if ((s = lora_model_trainable_params(m, &tr.params, &tr.n_params)) != LORA_OK) return s;
    oc = cfg->optim;
    if (oc.total_steps <= 0) oc.total_steps = (int)cfg->steps;
    if ((s = lora_adamw_create(&oc, tr.params, tr.n_params, &tr.opt)) != LORA_OK) goto done;
    tr.st.seed = cfg->seed;
    tr.st.best_val_loss = NAN;
    if (cfg->resume_dir) {
        if (!(path = lora__path_join(cfg->resume_dir, "trainer_state.bin"))) { s = LORA_ERR_OOM; goto done; }
        if ((s = lora_checkpoint_load(path, tr.opt, &tr.st)) != LORA_OK) goto done;
        if (tr.st.step > cfg->steps) {   /* checked against this run before anything uses it */
            s = lora__fail(LORA_ERR_RANGE, "%s: the checkpoint is at step %lld, past this run's %lld steps (resume with --steps >= %lld)", path,
                           (long long)tr.st.step, (long long)cfg->steps, (long long)tr.st.step);
            goto done;
        }
    }
    if ((s = lora_batcher_create(train, cfg->batch, cfg->seq, cfg->shuffle, tr.st.seed, &tr.batches)) != LORA_OK) goto done;
    if (cfg->resume_dir && (s = lora_batcher_seek(tr.batches, tr.st.epoch, tr.st.data_pos)) != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        s = lora__fail(s, "%s: %s (not a checkpoint of this data and batch shape)", path, msg);
        goto done;
    }
    tr.in = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)cfg->batch * cfg->seq, "training batch");
    tr.lab = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)cfg->batch * cfg->seq, "training batch");
    tr.pos = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)cfg->batch * cfg->seq, "training batch");
    if (!tr.in || !tr.lab || !tr.pos) { s = LORA_ERR_OOM; goto done; }
    lora_model_set_training(m, 1, tr.st.seed);
    lora_model_set_dropout_step(m, tr.st.dropout_step);
    tr.t_start = lora__seconds();
    if (cfg->on_progress) {
        lora_train_progress p;
        lora__trainer_progress(&tr, &p, LORA_TRAIN_BEGIN);
        if (cfg->on_progress(cfg->user, &p)) cancel = 1;
    }
    if (cfg->val && !cancel) {
        if ((s = lora__trainer_validate(&tr, &out->val_before)) != LORA_OK) goto done;
        if (tr.st.step >= cfg->steps) out->val_after = out->val_before;
        if (cfg->on_progress) {
            lora_train_progress p;
            lora__trainer_progress(&tr, &p, LORA_TRAIN_VALIDATION);
            p.val_loss = out->val_before;
            if (cfg->on_progress(cfg->user, &p)) cancel = 1;
        }
    }
    while (!cancel && tr.st.step < cfg->steps) {
        lora_train_progress p;
        int last;
        if ((s = lora__trainer_step(&tr, &p)) != LORA_OK) goto done;
        out->tokens += (double)cfg->batch * cfg->seq * cfg->grad_accum;
        last = tr.st.step >= cfg->steps;
        /* validation every eval_every steps and after the last one, reported with the step */
        if (cfg->val && (last || (cfg->eval_every > 0 && tr.st.step % cfg->eval_every == 0))) {
            if ((s = lora__trainer_validate(&tr, &p.val_loss)) != LORA_OK) goto done;
            if (last) out->val_after = p.val_loss;
        }
        if (cfg->on_progress && cfg->on_progress(cfg->user, &p)) cancel = 1;
        if (!cancel && !last && cfg->save_every > 0 && tr.st.step % cfg->save_every == 0 &&
            (s = lora__trainer_save(&tr, &cancel)) != LORA_OK)
            goto done;
    }
    if (cancel && tr.st.step < cfg->steps) {
        if (cfg->checkpoint_dir && (s = lora__trainer_save(&tr, NULL)) != LORA_OK) goto done;
        s = lora__fail(LORA_ERR_CANCELLED, "training cancelled after step %lld%s%s", (long long)tr.st.step,
                       cfg->checkpoint_dir ? "; checkpoint saved to " : "", cfg->checkpoint_dir ? cfg->checkpoint_dir : "");
        goto done;
    }
    if (cfg->checkpoint_at_end && (s = lora__trainer_save(&tr, NULL)) != LORA_OK) goto done;
    s = LORA_OK;
done:
    if (tr.opt) {
        double now = lora__seconds();
        if (tr.t_start > 0) tr.st.elapsed_seconds += now - tr.t_start;
        out->state = tr.st;
        out->elapsed_s = tr.st.elapsed_seconds;
    }
    lora_model_set_training(m, 0, tr.st.seed);
    lora_batcher_free(tr.batches);
    LORA_FREE(path);
    LORA_FREE(tr.in);
    LORA_FREE(tr.lab);
    LORA_FREE(tr.pos);
    lora_adamw_free(tr.opt);
    LORA_FREE(tr.params);
    return s;
}

/* ---- lora/91_layers.impl.c ---- */
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

#endif /* LORA_IMPLEMENTATION_DONE */
#endif /* LORA_IMPLEMENTATION */

/*
   VERSION HISTORY
     0.1.0 (2026-11-22)  first release: LoRA adapters by PEFT's rules, PEFT file format,
                         AdamW as torch, SIMD SGEMM with runtime dispatch, thread pool,
                         safetensors, JSON, checkpoints.

------------------------------------------------------------------------------
MIT License. Copyright (c) 2026 the lora.h / gpt2.h authors.
Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions: the above
copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT
HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.
------------------------------------------------------------------------------
*/
