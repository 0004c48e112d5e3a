/* ---- A training loop for embedding in applications ----
   gpt2_train runs `steps` optimiser steps over a dataset (the active adapter, or every
   weight with full fine-tuning on), calling on_step after each one. Returning nonzero from
   on_step stops cleanly with LORA_ERR_CANCELLED: the adapter keeps the progress made so far.
   A NaN/Inf loss stops with LORA_ERR_NUMERIC before any weight is changed by that step. */
typedef struct gpt2_train_progress {
    int64_t step, total_steps;   /* step just finished (1-based) and the total */
    float loss;                  /* mean training loss of this step */
    double lr, grad_norm;        /* learning rate used, gradient norm before clipping */
    double tokens_per_s, elapsed_s;
} gpt2_train_progress;

typedef struct gpt2_train_config {
    int batch, seq;              /* default 4 x 128 */
    int64_t steps;               /* default 100 */
    int grad_accum;              /* micro-batches per step, default 1 */
    lora_adamw_config optim;     /* lora_adamw_config_init(), lr 2e-4, weight decay 0, total_steps = steps */
    uint64_t seed;               /* dropout seed, default 42 */
    int (*on_step)(void *user, const gpt2_train_progress *p);
    void *user;
} gpt2_train_config;
LORA_API gpt2_train_config gpt2_train_config_init(void);
/* *pos (may be NULL) is the position in the dataset, advanced as batches are taken. */
LORA_API lora_status gpt2_train(gpt2_model *m, const lora_dataset *train, const gpt2_train_config *cfg, size_t *pos);
