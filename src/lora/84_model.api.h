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
