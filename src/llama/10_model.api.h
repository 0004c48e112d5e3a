/* ---- The LLaMA family (Hugging Face LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM,
   Qwen3ForCausalLM numerics, eager attention, float32) ---- */
#define LLAMA_MAX_LAYERS 1024
typedef enum llama_arch { LLAMA_ARCH_LLAMA = 0, LLAMA_ARCH_MISTRAL = 1, LLAMA_ARCH_QWEN2 = 2, LLAMA_ARCH_QWEN3 = 3 } llama_arch;
typedef enum llama_rope_type { LLAMA_ROPE_DEFAULT = 0, LLAMA_ROPE_LINEAR = 1, LLAMA_ROPE_LLAMA3 = 2, LLAMA_ROPE_DYNAMIC = 3 } llama_rope_type;
typedef struct llama_config {
    llama_arch arch;                 /* config.json "model_type" */
    int vocab_size, hidden_size, intermediate_size, n_layer;
    int n_head, n_kv_head, head_dim; /* head_dim: config's, else hidden / heads */
    int max_position_embeddings;
    double rms_norm_eps;
    double rope_theta;
    llama_rope_type rope_type;
    double rope_factor, rope_low_freq_factor, rope_high_freq_factor; /* llama3 / linear / dynamic */
    int rope_original_max_position;
    int tie_word_embeddings;
    int attention_bias, mlp_bias;    /* Llama (attention_bias also Qwen3) */
    /* sliding window: the window of layer i (0 = full causal attention), from Mistral's
       sliding_window or Qwen's use_sliding_window / max_window_layers / layer_types */
    int sliding_window;
    int use_sliding_window, max_window_layers;
    unsigned char layer_sliding[LLAMA_MAX_LAYERS];   /* 1: layer i uses the window */
    int n_eos;                       /* eos_token_id (an id or a list), up to 4 */
    int32_t eos[4];
    int32_t bos_token_id, pad_token_id;   /* -1 if none; pad's embedding row gets no gradient */
    double initializer_range;
    char name_or_path[128];          /* "_name_or_path" / the preset's hub id */
} llama_config;

/* Presets with the published config.json of the hub models: "smollm2-135m", "smollm2-360m",
   "qwen2.5-0.5b", "qwen3-0.6b", "llama-3.2-1b", "tinyllama-1.1b", "mistral-7b"; tests use
   "tiny-llama", "tiny-llama3", "tiny-qwen2", "tiny-qwen3", "tiny-mistral" (2 layers, hidden 64). */
LORA_API lora_status llama_config_preset(const char *name, llama_config *out);
/* Reads a Hugging Face config.json (model_type llama / mistral / qwen2 / qwen3). Fields that
   change the math and are not implemented (other rope_scaling types, partial rotary factors,
   interleaved RoPE, soft-capping, quantisation, other activations) are refused. */
LORA_API lora_status llama_config_read(const char *path, llama_config *out);
/* Checks sizes and consistency (heads divisible by kv heads, even head_dim, ...). */
LORA_API lora_status llama_config_check(const llama_config *cfg);
/* Window of layer l: 0 = full causal attention. */
LORA_API int llama_config_layer_window(const llama_config *cfg, int l);
/* Parameters, tied lm_head counted once (smollm2-135m: 134,515,008). */
LORA_API int64_t llama_config_num_params(const llama_config *cfg);
/* "llama", "mistral", "qwen2", "qwen3" */
LORA_API const char *llama_arch_name(llama_arch a);

/* Linear modules in PEFT's named_modules() order: per layer model.layers.{i}.self_attn.q_proj,
   k_proj, v_proj, o_proj, model.layers.{i}.mlp.gate_proj, up_proj, down_proj; then lm_head. */
#define LLAMA_LINEARS_PER_LAYER 7

typedef struct llama_model llama_model;
LORA_API lora_model *llama_model_base(llama_model *m);
LORA_API llama_model *llama_model_from_base(lora_model *b);
/* The family for lora_model_open: model_types llama, mistral, qwen2, qwen3 and the presets. */
LORA_API const lora_model_family *llama_family(void);

/* A model with zeroed weights (pool may be NULL; not owned). */
LORA_API lora_status llama_model_create(const llama_config *cfg, lora_pool *pool, llama_model **out);
/* Hugging Face's distribution: Linear and Embedding weights N(0, initializer_range), biases 0,
   RMSNorm weights 1 (lora.h's random numbers, in named_parameters() order). */
LORA_API void llama_model_init_random(llama_model *m, uint64_t seed);
/* Loads model.safetensors (F32/F16/BF16), or the shards of model.safetensors.index.json, with
   the config from config_path (NULL: config.json beside the weights). Strict: every tensor
   with its shape, nothing unknown (rotary inv_freq buffers ignored; lm_head.weight of a tied
   model only when equal to the embedding). */
LORA_API lora_status llama_model_load(const char *path, const char *config_path, lora_pool *pool, llama_model **out);
/* Writes model.safetensors (F32, save_pretrained's names) and config.json beside it. */
LORA_API lora_status llama_model_save(const llama_model *m, const char *path);
LORA_API void llama_model_free(llama_model *m);
LORA_API const llama_config *llama_model_config(const llama_model *m);
/* base_model_name_or_path recorded in adapters (copied). */
LORA_API lora_status llama_model_set_name(llama_model *m, const char *name_or_path);
/* A parameter by its HF name ("model.layers.0.self_attn.q_proj.weight", ...) or NULL. */
LORA_API float *llama_model_param(llama_model *m, const char *name, int64_t *numel);
/* Its gradient after backward with full fine-tuning, or NULL. */
LORA_API float *llama_model_grad(llama_model *m, const char *name);
LORA_API int llama_model_num_tensors(const llama_model *m);
LORA_API const char *llama_model_tensor(const llama_model *m, int i, int *ndim, int64_t shape[2], float **data);
