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
