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
