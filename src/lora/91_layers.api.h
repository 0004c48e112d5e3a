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
