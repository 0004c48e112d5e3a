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
