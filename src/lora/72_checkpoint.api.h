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
