/* ---- GPT-2 model (Hugging Face GPT2LMHeadModel numerics) ---- */
#define GPT2_EOT 50256   /* "<|endoftext|>": GPT-2's end-of-text token */
typedef struct gpt2_config {
    int n_layer, n_head, n_embd;
    int n_positions;         /* context length */
    int vocab_size;
    int n_inner;             /* MLP width; 0 = 4 * n_embd */
    float layer_norm_eps;    /* 1e-5 */
} gpt2_config;

/* Presets: "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2"; for tests and demos
   "tiny" (2 layers, 2 heads, width 64, 64 positions) and "small" (4 layers, 4 heads, width
   128, 256 positions), both with GPT-2's vocabulary. */
LORA_API lora_status gpt2_config_preset(const char *name, gpt2_config *out);
/* Checks a config: positive sizes, n_embd divisible by n_head. */
LORA_API lora_status gpt2_config_check(const gpt2_config *cfg);
/* Parameter count, tied lm_head counted once (gpt2: 124,439,808). */
LORA_API int64_t gpt2_config_num_params(const gpt2_config *cfg);

/* Linear modules as PEFT names them: per layer transformer.h.{i}.attn.c_attn,
   .attn.c_proj, .mlp.c_fc, .mlp.c_proj, then lm_head (tied to wte, no bias). */
#define GPT2_LINEARS_PER_LAYER 4
typedef struct gpt2_linear_info {
    char name[64];
    int layer;               /* -1 for lm_head */
    int in, out;
    int has_bias;
    int64_t params;          /* weight + bias */
} gpt2_linear_info;
LORA_API int gpt2_config_num_linears(const gpt2_config *cfg);
LORA_API void gpt2_config_linears(const gpt2_config *cfg, gpt2_linear_info *out);
/* PEFT refuses target patterns that also hit modules it cannot adapt (ln_1, attn, mlp.act,
   wte, ...): LORA_ERR_INVALID_ARG naming the module. gpt2_lora_create/load call this. */
LORA_API lora_status gpt2_config_check_targets(const gpt2_config *cfg, const lora_target_spec *spec);
/* The same as lora_module_desc (names point into `infos`), for lora_adapter_create. */
LORA_API void gpt2_config_module_descs(const gpt2_linear_info *infos, int n, lora_module_desc *out);

typedef struct gpt2_model gpt2_model;

/* The engine's view of the model (lora_model_*, lora_train, lora_evaluate, lora_generate
   take it); it lives as long as m. gpt2_model_from_base gives m back (NULL for a model of
   another family). */
LORA_API lora_model *gpt2_model_base(gpt2_model *m);
LORA_API gpt2_model *gpt2_model_from_base(lora_model *b);
/* base_model_name_or_path that adapters made for this model record (copied; NULL = null).
   gpt2_family()'s loader sets the weights' directory, its presets the preset name. */
LORA_API lora_status gpt2_model_set_name(gpt2_model *m, const char *name_or_path);
/* GPT-2 for lora_model_open: model_type "gpt2", the presets below, llm.c checkpoints. */
LORA_API const lora_model_family *gpt2_family(void);

/* Allocates a model with zeroed weights; pool may be NULL (single thread) and is not owned. */
LORA_API lora_status gpt2_model_create(const gpt2_config *cfg, lora_pool *pool, gpt2_model **out);
/* Hugging Face's initialisation: N(0, 0.02) for weights and embeddings, c_proj weights
   N(0, 0.02/sqrt(2 n_layer)), biases 0, LayerNorm weight 1 / bias 0. */
LORA_API void gpt2_model_init_random(gpt2_model *m, uint64_t seed);
/* Loads weights: HF model.safetensors (F32/F16/BF16, bare or "transformer."-prefixed names;
   config from config_path, else config.json beside the file, else inferred from shapes)
   or an llm.c checkpoint (detected by its magic), or a GGUF file of architecture "gpt2" (llama.cpp's
   names and layout; F32, F16, BF16 or Q8_0 tensors, dequantized; config from its gpt2.* keys). */
LORA_API lora_status gpt2_model_load(const char *path, const char *config_path, lora_pool *pool, gpt2_model **out);
/* The same with the frozen matrices (wte, tied to lm_head, and every block's c_attn, attn.c_proj,
   c_fc, mlp.c_proj weights) stored as base_dtype: LORA_DT_BF16 halves the weights' memory (BF16
   files as they are, F32/F16 rounded to nearest even, one tensor at a time; never upcast) and
   multiplies through them with lora_wmat_mul (bf16 activations, fp32 sums). Norms, biases and wpe
   stay fp32. Such a model trains LoRA adapters only: full fine-tuning and merging refuse
   (LORA_ERR_UNSUPPORTED), gpt2_model_param / gpt2_model_tensor give NULL data for the bf16
   matrices, gpt2_model_save writes them as BF16. LORA_DT_F32: gpt2_model_load. */
LORA_API lora_status gpt2_model_load_as(const char *path, const char *config_path, lora_pool *pool, lora_dtype base_dtype,
                                        gpt2_model **out);
/* gpt2_model_create with the frozen matrices in base_dtype (see gpt2_model_load_as). */
LORA_API lora_status gpt2_model_create_as(const gpt2_config *cfg, lora_pool *pool, lora_dtype base_dtype, gpt2_model **out);
LORA_API lora_dtype gpt2_model_base_dtype(const gpt2_model *m);
/* Writes model.safetensors with HF names (no prefix) and config.json beside it. */
LORA_API lora_status gpt2_model_save(const gpt2_model *m, const char *path);
/* Writes an llm.c checkpoint (gpt2_124M.bin layout, float32, version 3). */
LORA_API lora_status gpt2_model_save_llmc(const gpt2_model *m, const char *path);
LORA_API void gpt2_model_free(gpt2_model *m);
LORA_API const gpt2_config *gpt2_model_config(const gpt2_model *m);
LORA_API void gpt2_model_set_pool(gpt2_model *m, lora_pool *pool);

/* Named access to a parameter by its HF name ("h.0.attn.c_attn.weight", "wte.weight", ...,
   also accepted with "transformer." prefix). Conv1D weights are (in, out). */
LORA_API float *gpt2_model_param(gpt2_model *m, const char *name, int64_t *numel);
LORA_API int gpt2_model_num_tensors(const gpt2_model *m);
/* i-th tensor: its HF name, shape (ndim <= 2) and data. */
LORA_API const char *gpt2_model_tensor(const gpt2_model *m, int i, int *ndim, int64_t shape[2], float **data);

/* ---- adapters ---- */
/* Creates a LoRA adapter for this model's modules (PEFT's matching; bias modes add the
   trainable biases). The adapter is not attached. */
LORA_API lora_status gpt2_lora_create(const gpt2_model *m, const lora_config *cfg, lora_adapter **out);
LORA_API lora_status gpt2_lora_load(const gpt2_model *m, const char *dir, lora_adapter **out, char **warnings);
/* Attaches an adapter (NULL detaches: plain base model). Several adapters may be loaded;
   one is active at a time. The adapter must have been made for this model's shapes. */
LORA_API lora_status gpt2_model_set_adapter(gpt2_model *m, lora_adapter *ad);
LORA_API lora_adapter *gpt2_model_adapter(const gpt2_model *m);
/* Merges the active adapter into the weights (+1) or removes it again (-1); biases the
   adapter carries are copied in / restored. */
LORA_API lora_status gpt2_model_merge(gpt2_model *m, lora_adapter *ad, int sign);

/* ---- training ---- */
/* Training mode enables LoRA dropout (seeded: the mask of step s is a function of seed
   and s only). */
LORA_API void gpt2_model_set_training(gpt2_model *m, int training, uint64_t dropout_seed);
/* Full fine-tuning: backward also computes the gradient of every base weight
   (allocates the gradient arena). */
LORA_API lora_status gpt2_model_set_full_finetune(gpt2_model *m, int on);
/* Forward pass over inputs (B, T). labels (B, T), may be NULL = no loss; -100 = ignored;
   logits at t predict labels[t+1] (Hugging Face labels = input_ids convention).
   *loss (may be NULL) receives the mean cross-entropy over non-ignored targets (NaN if none). */
LORA_API lora_status gpt2_forward(gpt2_model *m, const int32_t *inputs, const int32_t *labels, int B, int T, float *loss);
/* Logits (B, T, vocab) of the last forward. Valid until backward or the next forward. NULL after
   a training-mode forward with labels (gpt2_model_set_training on, no LoRA on lm_head, not full
   fine-tuning): that one computes the logits of the labelled rows only, a chunk at a time, fused
   with the loss and the output layer's gradient (lora_lm_head_ce), and keeps none. */
/* The same with position ids (B, T) (NULL: 0 .. T-1 in every row). Each position 0 starts a
   sequence that attends only to itself, with its own position embeddings from 0, and the
   token before it predicts nothing: several samples packed in a row give the same logits and
   losses as each one alone (Hugging Face's flattened packing). In a row, every position is 0
   or the previous one + 1, and the first is 0 (else LORA_ERR_INVALID_ARG). */
LORA_API lora_status gpt2_forward_positions(gpt2_model *m, const int32_t *inputs, const int32_t *labels,
                                            const int32_t *positions, int B, int T, float *loss);
LORA_API const float *gpt2_logits(const gpt2_model *m);
/* Backward of the last forward (which must have had labels): accumulates gradients into
   the active adapter (A, B, biases) and, with full fine-tuning, the model's gradients. */
LORA_API lora_status gpt2_backward(gpt2_model *m);
LORA_API void gpt2_zero_grad(gpt2_model *m);
/* Trainable parameters (adapter tensors, or every weight in full mode) for the optimiser,
   in PEFT's named_parameters() order. *params is allocated (free it with lora_free). */
LORA_API lora_status gpt2_trainable_params(gpt2_model *m, lora_param **params, int *n);
/* Gradient of a base tensor after backward in full mode (HF name), or NULL. */
LORA_API float *gpt2_model_grad(gpt2_model *m, const char *name);
/* Bytes currently held by the model for weights, gradients and activations. */
LORA_API size_t gpt2_model_memory(const gpt2_model *m);

/* Memory a training (or inference) step needs, in bytes, computed from the same sizes the
   library allocates: pick targets that fit the device before loading anything. ad may be
   NULL (no adapter); full = full fine-tuning. */
LORA_API void gpt2_estimate_memory(const gpt2_config *cfg, const lora_adapter *ad, int full, int B, int T, int threads,
                                   lora_memory_estimate *out);

/* Dropout counter: the LoRA dropout mask of a forward is a function of the seed given to
   gpt2_model_set_training and this counter (incremented by every training forward). Save
   it in checkpoints and restore it to resume with the same masks. */
LORA_API uint64_t gpt2_model_dropout_step(const gpt2_model *m);
LORA_API void gpt2_model_set_dropout_step(gpt2_model *m, uint64_t step);
