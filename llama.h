/* llama.h - v0.1.0 - the LLaMA family for lora.h: Llama, Mistral, Qwen2, Qwen3 (SmolLM2, Qwen2.5,
   Qwen3, Llama 3.x, TinyLlama, Mistral 7B): train, evaluate, merge and run LoRA adapters on a CPU.
   MIT licence (end of file).

   USAGE
     In one C or C++ file (llama.h uses only lora.h's public API, so its implementation may
     also sit in a file of its own, beside one that defines LORA_IMPLEMENTATION):
         #define LORA_IMPLEMENTATION
         #include "lora.h"
         #define LLAMA_IMPLEMENTATION
         #include "llama.h"
     Compile:  cc -O2 app.c -lm -lpthread
     llama_family() lets lora_model_open pick the model from config.json (model_type llama,
     mistral, qwen2, qwen3); llama_model_base(m) is the lora_model that lora_train,
     lora_evaluate, lora_generate and every lora_model_* call take.

   THE MODEL
     Exactly Hugging Face's LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM /
     Qwen3ForCausalLM (eager attention, float32): RMSNorm (rms_norm_eps), rotary embeddings in
     the rotate_half layout with rope_theta and rope_scaling llama3 / linear / dynamic (below
     max_position_embeddings), SwiGLU MLP, grouped-query attention, head_dim from the config,
     attention_bias / mlp_bias (Llama), q/k/v biases (Qwen2), q_norm / k_norm before RoPE
     (Qwen3), tied or untied lm_head, sliding windows (Mistral's sliding_window, Qwen's
     use_sliding_window + max_window_layers or layer_types). Packed rows: position ids restart
     at 0 for each sample, which attends only to itself.
     Weights: model.safetensors (F32/F16/BF16) or sharded (model.safetensors.index.json) with
     config.json, save_pretrained's names; or a GGUF file (llama.cpp's llama / qwen2 / qwen3,
     F32/F16/BF16/Q8_0, the q/k row permutation of "llama" undone, its tokenizer inside).
     GGUF export (lora_model_save_gguf, _save_adapter_gguf, lora-export): Llama and Mistral as
     llama.cpp's "llama" (q/k rows permuted as convert_hf_to_gguf.py does, on lora_b too),
     Qwen2 as "qwen2", llama3 rope as rope_freqs.weight, linear scaling as rope.scaling.*,
     output.weight left out when tied; Qwen3 is refused (the llama.cpp it was checked with,
     c392e509, has no qwen3), and so is a LoRA on a tied lm_head (llama.cpp cannot apply it:
     export the merged model). llama.cpp ignores sliding windows: such files equal the model on
     sequences within the window. Linear modules carry PEFT's names
     (model.layers.{i}.self_attn.q_proj, ..., mlp.down_proj, lm_head), nn.Linear layout
     (fan_in_fan_out false); default targets q_proj, v_proj; all-linear = the seven projections.

   OPENING AND TRAINING
       const lora_model_family *fams[] = {llama_family()};
       lora_model *m;
       lora_model_open(fams, 1, "SmolLM2-135M/", NULL, NULL, 0, pool, &m);
       lora_config lc = lora_config_init();       // then lora_model_adapter_create, lora_train ...
*/
#ifndef LLAMA_H
#define LLAMA_H

/* ---- llama/00_core.api.h ---- */
#include "lora.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- llama/10_model.api.h ---- */
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

/* ---- llama/99_end.api.h ---- */
#ifdef __cplusplus
}
#endif

#endif /* LLAMA_H */

#ifdef LLAMA_IMPLEMENTATION
#ifndef LLAMA_IMPLEMENTATION_DONE
#define LLAMA_IMPLEMENTATION_DONE

/* ---- llama/00_core.impl.c ---- */
/* llama.h's implementation uses only lora.h's public API (the user API and its "For model
   authors" block), so it may be compiled in a translation unit of its own, with lora.h's
   implementation in another (or in the same one). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- llama/10_config.impl.c ---- */
/* ---- config: presets, config.json, checks ---- */
static const char *const llama__arch_names[] = {"llama", "mistral", "qwen2", "qwen3"};
LORA_API const char *llama_arch_name(llama_arch a) { return (int)a >= 0 && (int)a < 4 ? llama__arch_names[a] : "?"; }

static void llama__config_defaults(llama_config *c, llama_arch a) {
    memset(c, 0, sizeof *c);
    c->arch = a;
    c->rms_norm_eps = 1e-6;
    c->rope_theta = 10000.0;
    c->initializer_range = 0.02;
    c->bos_token_id = -1; c->pad_token_id = -1;
    c->max_window_layers = 28;
    c->rope_factor = 1.0;
    switch (a) {
    case LLAMA_ARCH_LLAMA:
        c->vocab_size = 32000; c->hidden_size = 4096; c->intermediate_size = 11008; c->n_layer = 32; c->n_head = 32;
        c->max_position_embeddings = 2048; c->bos_token_id = 1; c->n_eos = 1; c->eos[0] = 2; break;
    case LLAMA_ARCH_MISTRAL:
        c->vocab_size = 32000; c->hidden_size = 4096; c->intermediate_size = 14336; c->n_layer = 32; c->n_head = 32;
        c->n_kv_head = 8; c->max_position_embeddings = 4096 * 32; c->sliding_window = 4096; c->bos_token_id = 1;
        c->n_eos = 1; c->eos[0] = 2; break;
    case LLAMA_ARCH_QWEN2:
    case LLAMA_ARCH_QWEN3:
        c->vocab_size = 151936; c->hidden_size = 4096; c->intermediate_size = 22016; c->n_layer = 32; c->n_head = 32;
        c->n_kv_head = 32; c->max_position_embeddings = 32768; c->sliding_window = 4096;
        if (a == LLAMA_ARCH_QWEN3) c->head_dim = 128;
        break;
    }
}

/* the per-layer windows from the config's fields (layer_types set them directly) */
static void llama__config_windows(llama_config *c) {
    int l;
    for (l = 0; l < c->n_layer && l < LLAMA_MAX_LAYERS; l++) {
        if (c->arch == LLAMA_ARCH_MISTRAL) c->layer_sliding[l] = c->sliding_window > 0;
        else if (c->arch == LLAMA_ARCH_LLAMA) c->layer_sliding[l] = 0;
        else c->layer_sliding[l] = c->use_sliding_window && c->sliding_window > 0 && l >= c->max_window_layers;
    }
}

LORA_API int llama_config_layer_window(const llama_config *c, int l) {
    if (!c || l < 0 || l >= c->n_layer || l >= LLAMA_MAX_LAYERS) return 0;
    return c->layer_sliding[l] ? c->sliding_window : 0;
}

typedef struct {
    const char *name, *hub;
    llama_arch arch;
    int L, C, H, KV, D, I, V, P;
    double theta;
    double eps, init;
    int tied, window, use_window, max_window_layers, llama3, bos, eos;
} llama__preset;
static const llama__preset llama__presets[] = {
    {"smollm2-135m", "HuggingFaceTB/SmolLM2-135M", LLAMA_ARCH_LLAMA, 30, 576, 9, 3, 64, 1536, 49152, 8192, 1e5, 1e-5, 0.041666666666666664, 1, 0, 0, 0, 0, 0, 0},
    {"smollm2-360m", "HuggingFaceTB/SmolLM2-360M", LLAMA_ARCH_LLAMA, 32, 960, 15, 5, 64, 2560, 49152, 8192, 1e5, 1e-5, 0.02, 1, 0, 0, 0, 0, 0, 0},
    {"qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B", LLAMA_ARCH_QWEN2, 24, 896, 14, 2, 64, 4864, 151936, 32768, 1e6, 1e-6, 0.02, 1, 32768, 0, 24, 0, 151643, 151643},
    {"qwen3-0.6b", "Qwen/Qwen3-0.6B", LLAMA_ARCH_QWEN3, 28, 1024, 16, 8, 128, 3072, 151936, 40960, 1e6, 1e-6, 0.02, 1, 0, 0, 28, 0, 151643, 151645},
    {"llama-3.2-1b", "meta-llama/Llama-3.2-1B", LLAMA_ARCH_LLAMA, 16, 2048, 32, 8, 64, 8192, 128256, 131072, 5e5, 1e-5, 0.02, 1, 0, 0, 0, 1, 128000, 128001},
    {"tinyllama-1.1b", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", LLAMA_ARCH_LLAMA, 22, 2048, 32, 4, 64, 5632, 32000, 2048, 1e4, 1e-5, 0.02, 0, 0, 0, 0, 0, 1, 2},
    {"mistral-7b", "mistralai/Mistral-7B-v0.1", LLAMA_ARCH_MISTRAL, 32, 4096, 32, 8, 128, 14336, 32000, 32768, 1e4, 1e-5, 0.02, 0, 4096, 0, 0, 0, 1, 2},
    {"tiny-llama", "tiny-llama", LLAMA_ARCH_LLAMA, 2, 64, 4, 2, 16, 160, 512, 64, 1e4, 1e-5, 0.02, 1, 0, 0, 0, 0, 1, 2},
    {"tiny-llama3", "tiny-llama3", LLAMA_ARCH_LLAMA, 2, 64, 4, 2, 16, 160, 512, 64, 1e4, 1e-5, 0.02, 1, 0, 0, 0, 2, 1, 2},
    {"tiny-qwen2", "tiny-qwen2", LLAMA_ARCH_QWEN2, 2, 64, 4, 2, 16, 160, 512, 64, 1e6, 1e-6, 0.02, 1, 64, 0, 2, 0, 0, 0},
    {"tiny-qwen3", "tiny-qwen3", LLAMA_ARCH_QWEN3, 2, 64, 4, 2, 32, 160, 512, 64, 1e6, 1e-6, 0.02, 1, 0, 0, 2, 0, 0, 0},
    {"tiny-mistral", "tiny-mistral", LLAMA_ARCH_MISTRAL, 2, 64, 4, 2, 16, 160, 512, 64, 1e4, 1e-5, 0.02, 0, 8, 0, 0, 0, 1, 2},
};
#define LLAMA__N_PRESETS ((int)(sizeof llama__presets / sizeof llama__presets[0]))

LORA_API lora_status llama_config_preset(const char *name, llama_config *out) {
    int i;
    if (!name || !out) return lora_fail(LORA_ERR_INVALID_ARG, "llama_config_preset: NULL argument");
    for (i = 0; i < LLAMA__N_PRESETS; i++) {
        const llama__preset *p = &llama__presets[i];
        if (strcmp(p->name, name) != 0) continue;
        llama__config_defaults(out, p->arch);
        out->n_layer = p->L; out->hidden_size = p->C; out->n_head = p->H; out->n_kv_head = p->KV; out->head_dim = p->D;
        out->intermediate_size = p->I; out->vocab_size = p->V; out->max_position_embeddings = p->P;
        out->rope_theta = p->theta; out->rms_norm_eps = p->eps; out->initializer_range = p->init;
        out->tie_word_embeddings = p->tied;
        out->sliding_window = p->window; out->use_sliding_window = p->use_window; out->max_window_layers = p->max_window_layers;
        out->bos_token_id = p->bos; out->n_eos = 1; out->eos[0] = p->eos;
        if (p->llama3) {
            out->rope_type = LLAMA_ROPE_LLAMA3;
            out->rope_factor = p->llama3 == 1 ? 32.0 : 8.0;
            out->rope_low_freq_factor = 1.0; out->rope_high_freq_factor = 4.0;
            out->rope_original_max_position = p->llama3 == 1 ? 8192 : 32;
        }
        snprintf(out->name_or_path, sizeof out->name_or_path, "%s", p->hub);
        llama__config_windows(out);
        return llama_config_check(out);
    }
    return lora_fail(LORA_ERR_NOT_FOUND, "unknown preset '%s' (known: smollm2-135m, smollm2-360m, qwen2.5-0.5b, qwen3-0.6b, "
                     "llama-3.2-1b, tinyllama-1.1b, mistral-7b, tiny-llama, tiny-llama3, tiny-qwen2, tiny-qwen3, tiny-mistral)", name);
}

LORA_API lora_status llama_config_check(const llama_config *c) {
    if (!c) return lora_fail(LORA_ERR_INVALID_ARG, "llama config is NULL");
    if ((int)c->arch < 0 || (int)c->arch > 3) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: unknown architecture %d", (int)c->arch);
    if (c->n_layer <= 0 || c->hidden_size <= 0 || c->n_head <= 0 || c->n_kv_head <= 0 || c->head_dim <= 0 ||
        c->intermediate_size <= 0 || c->vocab_size <= 0 || c->max_position_embeddings <= 0)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama config: sizes must be positive (num_hidden_layers %d, hidden_size %d, "
                         "num_attention_heads %d, num_key_value_heads %d, head_dim %d, intermediate_size %d, vocab_size %d, "
                         "max_position_embeddings %d)", c->n_layer, c->hidden_size, c->n_head, c->n_kv_head, c->head_dim,
                         c->intermediate_size, c->vocab_size, c->max_position_embeddings);
    if (c->n_layer > LLAMA_MAX_LAYERS || c->hidden_size > 65536 || c->intermediate_size > (1 << 20) || c->vocab_size > (1 << 24) ||
        c->n_head > 4096 || c->head_dim > 4096 || (int64_t)c->n_head * c->head_dim > 65536)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama config: sizes out of the supported range");
    if (c->n_head % c->n_kv_head != 0)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama config: num_attention_heads %d is not divisible by num_key_value_heads %d",
                         c->n_head, c->n_kv_head);
    if (c->head_dim % 2) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: head_dim %d must be even (RoPE)", c->head_dim);
    if (!(c->rms_norm_eps > 0.0)) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: rms_norm_eps must be > 0");
    if (!(c->rope_theta > 0.0)) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: rope_theta must be > 0");
    if (c->rope_type != LLAMA_ROPE_DEFAULT && !(c->rope_factor > 0.0))
        return lora_fail(LORA_ERR_INVALID_ARG, "llama config: rope_scaling factor must be > 0");
    if (c->rope_type == LLAMA_ROPE_LLAMA3 && (!(c->rope_high_freq_factor > c->rope_low_freq_factor) || !(c->rope_low_freq_factor > 0) ||
                                              c->rope_original_max_position <= 0))
        return lora_fail(LORA_ERR_INVALID_ARG, "llama config: llama3 rope_scaling needs high_freq_factor > low_freq_factor > 0 "
                         "and original_max_position_embeddings > 0");
    if (c->sliding_window < 0) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: sliding_window must be >= 0");
    if (c->pad_token_id >= c->vocab_size) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: pad_token_id %d outside the vocabulary", (int)c->pad_token_id);
    return LORA_OK;
}

static int llama__qkv_bias(const llama_config *c) {
    return c->arch == LLAMA_ARCH_QWEN2 ? 1 : c->arch == LLAMA_ARCH_MISTRAL ? 0 : c->attention_bias;
}
static int llama__o_bias(const llama_config *c) {
    return (c->arch == LLAMA_ARCH_LLAMA || c->arch == LLAMA_ARCH_QWEN3) ? c->attention_bias : 0;
}
static int llama__mlp_bias(const llama_config *c) { return c->arch == LLAMA_ARCH_LLAMA ? c->mlp_bias : 0; }
static int llama__qk_norm(const llama_config *c) { return c->arch == LLAMA_ARCH_QWEN3; }

LORA_API int64_t llama_config_num_params(const llama_config *c) {
    int64_t C, I, QD, KD, per, n;
    if (!c) return 0;
    C = c->hidden_size; I = c->intermediate_size; QD = (int64_t)c->n_head * c->head_dim; KD = (int64_t)c->n_kv_head * c->head_dim;
    per = C * QD + 2 * C * KD + QD * C + 3 * C * I + 2 * C;
    if (llama__qkv_bias(c)) per += QD + 2 * KD;
    if (llama__o_bias(c)) per += C;
    if (llama__mlp_bias(c)) per += 2 * I + C;
    if (llama__qk_norm(c)) per += 2 * (int64_t)c->head_dim;
    n = (int64_t)c->vocab_size * C + c->n_layer * per + C;
    if (!c->tie_word_embeddings) n += (int64_t)c->vocab_size * C;
    return n;
}

/* ---- config.json ---- */
static lora_status llama__json_int(const lora_json *j, const char *path, const char *key, int lo, int hi, int *out, int *present) {
    const lora_json *v = lora_json_get(j, key);
    int64_t iv;
    if (present) *present = 0;
    if (!v || v->type == LORA_JSON_NULL) return LORA_OK;
    if (!lora_json_int64(v, &iv) || iv < lo || iv > hi)
        return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": expected an integer in [%d, %d], found %s", path, key, lo, hi,
                         v->type == LORA_JSON_NUMBER ? v->str : lora_json_type_name(v->type));
    *out = (int)iv;
    if (present) *present = 1;
    return LORA_OK;
}
static lora_status llama__json_num(const lora_json *j, const char *path, const char *key, double *out) {
    const lora_json *v = lora_json_get(j, key);
    if (!v || v->type == LORA_JSON_NULL) return LORA_OK;
    if (v->type != LORA_JSON_NUMBER) return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": expected a number, found %s", path, key, lora_json_type_name(v->type));
    *out = v->number;
    return LORA_OK;
}
static lora_status llama__json_bool(const lora_json *j, const char *path, const char *key, int *out) {
    const lora_json *v = lora_json_get(j, key);
    if (!v || v->type == LORA_JSON_NULL) return LORA_OK;
    if (v->type != LORA_JSON_TRUE && v->type != LORA_JSON_FALSE)
        return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": expected true or false, found %s", path, key, lora_json_type_name(v->type));
    *out = v->type == LORA_JSON_TRUE;
    return LORA_OK;
}

/* rope_scaling (or transformers v5's rope_parameters) */
static lora_status llama__read_rope(const lora_json *rs, const char *path, const char *key, llama_config *c) {
    const char *type;
    double d;
    lora_status s;
    if (!rs || rs->type == LORA_JSON_NULL) return LORA_OK;
    if (rs->type != LORA_JSON_OBJECT) return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": expected an object or null", path, key);
    if (lora_json_get_number(rs, "rope_theta", &d)) c->rope_theta = d;
    type = lora_json_get_string(rs, "rope_type");
    if (!type) type = lora_json_get_string(rs, "type");
    if (!type || strcmp(type, "default") == 0) return LORA_OK;
    if (strcmp(type, "linear") == 0) c->rope_type = LLAMA_ROPE_LINEAR;
    else if (strcmp(type, "llama3") == 0) c->rope_type = LLAMA_ROPE_LLAMA3;
    else if (strcmp(type, "dynamic") == 0) c->rope_type = LLAMA_ROPE_DYNAMIC;
    else return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"%s\": rope type \"%s\" is not implemented (default, linear, llama3, dynamic are)",
                          path, key, type);
    if (!lora_json_get_number(rs, "factor", &c->rope_factor))
        return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": rope type \"%s\" needs a numeric \"factor\"", path, key, type);
    if (lora_json_get(rs, "attention_factor") && lora_json_get(rs, "attention_factor")->type != LORA_JSON_NULL)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"%s\": attention_factor is not implemented", path, key);
    if (c->rope_type == LLAMA_ROPE_LLAMA3) {
        c->rope_original_max_position = c->max_position_embeddings;
        if (!lora_json_get_number(rs, "low_freq_factor", &c->rope_low_freq_factor) ||
            !lora_json_get_number(rs, "high_freq_factor", &c->rope_high_freq_factor))
            return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": llama3 rope scaling needs low_freq_factor and high_freq_factor", path, key);
        if ((s = llama__json_int(rs, path, "original_max_position_embeddings", 1, 1 << 30, &c->rope_original_max_position, NULL)) != LORA_OK) return s;
    }
    return LORA_OK;
}

/* keys that would change the numerics and that this header does not implement */
static lora_status llama__refuse_keys(const lora_json *j, const char *path) {
    static const char *const refuse_non_null[] = {"quantization_config", "attn_logit_softcapping", "final_logit_softcapping",
                                                  "no_rope_layers", "sliding_window_pattern", "embedding_multiplier",
                                                  "logits_scaling", "residual_multiplier", "attention_multiplier"};
    size_t i;
    double d;
    int b;
    for (i = 0; i < sizeof refuse_non_null / sizeof refuse_non_null[0]; i++) {
        const lora_json *v = lora_json_get(j, refuse_non_null[i]);
        if (v && v->type != LORA_JSON_NULL)
            return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"%s\" is set: that changes the model's computation and is not implemented",
                             path, refuse_non_null[i]);
    }
    if (lora_json_get_number(j, "partial_rotary_factor", &d) && d != 1.0)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"partial_rotary_factor\" %g: only 1 (RoPE over the whole head) is implemented", path, d);
    if (lora_json_get_bool(j, "rope_interleaved", &b) && b)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"rope_interleaved\": true is not implemented (Hugging Face's rotate_half layout is)", path);
    if (lora_json_get_bool(j, "use_mrope", &b) && b)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"use_mrope\": true (multimodal RoPE) is not implemented", path);
    return LORA_OK;
}

LORA_API lora_status llama_config_read(const char *path, llama_config *c) {
    char *text = NULL;
    size_t len;
    lora_json *j = NULL;
    lora_status s;
    const char *mt, *act, *nm;
    const lora_json *v;
    int i, present;
    if (!path || !c) return lora_fail(LORA_ERR_INVALID_ARG, "llama_config_read: NULL argument");
    if ((s = lora_read_file(path, &text, &len)) != LORA_OK) return s;
    s = lora_json_parse(text, len, path, &j);
    lora_free(text);
    if (s != LORA_OK) return s;
    if (j->type != LORA_JSON_OBJECT) { lora_json_free(j); return lora_fail(LORA_ERR_FORMAT, "%s: expected a JSON object", path); }
    mt = lora_json_get_string(j, "model_type");
    if (!mt) { lora_json_free(j); return lora_fail(LORA_ERR_FORMAT, "%s: no \"model_type\" (llama, mistral, qwen2 or qwen3)", path); }
    for (i = 0; i < 4; i++) if (strcmp(mt, llama__arch_names[i]) == 0) break;
    if (i == 4) {
        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: model_type \"%s\" is not one of llama, mistral, qwen2, qwen3", path, mt);
        lora_json_free(j);
        return s;
    }
    llama__config_defaults(c, (llama_arch)i);
#define LLAMA__TRY(x) do { if ((s = (x)) != LORA_OK) goto done; } while (0)
    LLAMA__TRY(llama__refuse_keys(j, path));
    LLAMA__TRY(llama__json_int(j, path, "vocab_size", 1, 1 << 24, &c->vocab_size, NULL));
    LLAMA__TRY(llama__json_int(j, path, "hidden_size", 1, 65536, &c->hidden_size, NULL));
    LLAMA__TRY(llama__json_int(j, path, "intermediate_size", 1, 1 << 20, &c->intermediate_size, NULL));
    LLAMA__TRY(llama__json_int(j, path, "num_hidden_layers", 1, LLAMA_MAX_LAYERS, &c->n_layer, NULL));
    LLAMA__TRY(llama__json_int(j, path, "num_attention_heads", 1, 4096, &c->n_head, NULL));
    c->n_kv_head = c->arch == LLAMA_ARCH_MISTRAL ? 8 : (c->arch == LLAMA_ARCH_LLAMA ? c->n_head : 32);
    LLAMA__TRY(llama__json_int(j, path, "num_key_value_heads", 1, 4096, &c->n_kv_head, &present));
    if (!present && c->arch == LLAMA_ARCH_LLAMA) c->n_kv_head = c->n_head;
    if (c->arch != LLAMA_ARCH_QWEN3) c->head_dim = 0;
    LLAMA__TRY(llama__json_int(j, path, "head_dim", 1, 4096, &c->head_dim, NULL));
    if (c->head_dim == 0) c->head_dim = c->hidden_size / c->n_head;
    LLAMA__TRY(llama__json_int(j, path, "max_position_embeddings", 1, 1 << 30, &c->max_position_embeddings, NULL));
    LLAMA__TRY(llama__json_num(j, path, "rms_norm_eps", &c->rms_norm_eps));
    LLAMA__TRY(llama__json_num(j, path, "rope_theta", &c->rope_theta));
    LLAMA__TRY(llama__json_num(j, path, "initializer_range", &c->initializer_range));
    LLAMA__TRY(llama__json_bool(j, path, "tie_word_embeddings", &c->tie_word_embeddings));
    LLAMA__TRY(llama__json_bool(j, path, "attention_bias", &c->attention_bias));
    LLAMA__TRY(llama__json_bool(j, path, "mlp_bias", &c->mlp_bias));
    LLAMA__TRY(llama__json_bool(j, path, "use_sliding_window", &c->use_sliding_window));
    v = lora_json_get(j, "sliding_window");
    if (v && v->type == LORA_JSON_NULL) c->sliding_window = 0;
    else LLAMA__TRY(llama__json_int(j, path, "sliding_window", 0, 1 << 30, &c->sliding_window, NULL));
    LLAMA__TRY(llama__json_int(j, path, "max_window_layers", 0, 1 << 30, &c->max_window_layers, NULL));
    act = lora_json_get_string(j, "hidden_act");
    if (act && strcmp(act, "silu") != 0) { s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: hidden_act \"%s\" is not implemented (silu is)", path, act); goto done; }
    if ((v = lora_json_get(j, "hidden_act")) && v->type != LORA_JSON_STRING && v->type != LORA_JSON_NULL) {
        s = lora_fail(LORA_ERR_FORMAT, "%s: \"hidden_act\": expected a string", path); goto done;
    }
    LLAMA__TRY(llama__read_rope(lora_json_get(j, "rope_scaling"), path, "rope_scaling", c));
    LLAMA__TRY(llama__read_rope(lora_json_get(j, "rope_parameters"), path, "rope_parameters", c));
    {
        int b = -1, p = -1;
        LLAMA__TRY(llama__json_int(j, path, "bos_token_id", 0, 1 << 30, &b, &present)); c->bos_token_id = present ? b : (lora_json_get(j, "bos_token_id") ? -1 : c->bos_token_id);
        LLAMA__TRY(llama__json_int(j, path, "pad_token_id", 0, 1 << 30, &p, &present)); c->pad_token_id = present ? p : -1;
    }
    v = lora_json_get(j, "eos_token_id");
    if (v && v->type == LORA_JSON_ARRAY) {
        size_t k;
        c->n_eos = 0;
        for (k = 0; k < v->n; k++) {
            int64_t e;
            if (!lora_json_int64(&v->items[k], &e) || e < 0 || e > (1 << 30)) { s = lora_fail(LORA_ERR_FORMAT, "%s: \"eos_token_id\": item %zu is not a token id", path, k); goto done; }
            if (c->n_eos < 4) c->eos[c->n_eos++] = (int32_t)e;
        }
    } else if (v && v->type != LORA_JSON_NULL) {
        int e = 0;
        LLAMA__TRY(llama__json_int(j, path, "eos_token_id", 0, 1 << 30, &e, NULL));
        c->n_eos = 1; c->eos[0] = e;
    } else if (v) c->n_eos = 0;
    v = lora_json_get(j, "layer_types");
    llama__config_windows(c);
    if (v && v->type == LORA_JSON_ARRAY && (c->arch == LLAMA_ARCH_QWEN2 || c->arch == LLAMA_ARCH_QWEN3)) {
        size_t k;
        if (v->n != (size_t)c->n_layer) { s = lora_fail(LORA_ERR_FORMAT, "%s: \"layer_types\" has %zu entries, num_hidden_layers is %d", path, v->n, c->n_layer); goto done; }
        for (k = 0; k < v->n; k++) {
            const char *t = v->items[k].type == LORA_JSON_STRING ? v->items[k].str : "";
            if (strcmp(t, "sliding_attention") == 0) c->layer_sliding[k] = c->use_sliding_window && c->sliding_window > 0;
            else if (strcmp(t, "full_attention") == 0) c->layer_sliding[k] = 0;
            else { s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"layer_types\"[%zu] \"%s\": expected full_attention or sliding_attention", path, k, t); goto done; }
        }
    }
    nm = lora_json_get_string(j, "_name_or_path");
    if (nm) snprintf(c->name_or_path, sizeof c->name_or_path, "%s", nm);
    s = llama_config_check(c);
    if (s != LORA_OK) s = lora_fail(s, "%s: %s", path, lora_last_error());
#undef LLAMA__TRY
done:
    lora_json_free(j);
    return s;
}

/* ---- llama/20_model.impl.c ---- */
/* ---- the model: tensor table, module table, creation ---- */
typedef struct llama__tensor {
    char name[72];           /* HF name ("model.layers.0.self_attn.q_proj.weight") */
    int ndim;
    int64_t shape[2];
    size_t offset;           /* floats into the parameter arena */
    int64_t numel;
} llama__tensor;

/* a layer's tensors (tensor index, -1 when the architecture has none) */
enum { LLAMA__QW, LLAMA__QB, LLAMA__KW, LLAMA__KB, LLAMA__VW, LLAMA__VB, LLAMA__OW, LLAMA__OB, LLAMA__QN, LLAMA__KN,
       LLAMA__GW, LLAMA__GB, LLAMA__UW, LLAMA__UB, LLAMA__DW, LLAMA__DB, LLAMA__LN1, LLAMA__LN2, LLAMA__PER_LAYER };

typedef struct llama__acts llama__acts;

struct llama_model {
    lora_model base;         /* first: the engine's view */
    char *name_or_path;
    char summary[256];
    llama_config cfg;
    lora_pool *pool;
    int n_tensors;
    llama__tensor *tensors;
    int *lt;                 /* (n_layer, LLAMA__PER_LAYER) tensor indices */
    int t_embed, t_norm, t_head;  /* t_head = t_embed when tied */
    float *params;
    float *grads;            /* full fine-tuning */
    size_t n_floats;
    int n_linears;
    char (*lin_names)[72];
    lora_module_desc *descs;
    int *module_layer;
    int *lin_w, *lin_b;      /* weight / bias tensor of each linear module (-1: no bias) */
    float *rope_inv_freq;    /* (head_dim / 2) */
    lora_adapter *adapter;
    int training, full;
    uint64_t dropout_seed, dropout_step;
    int32_t *pos;            /* packed positions of the last forward, or NULL */
    int32_t *pos_buf;
    size_t pos_cap;
    llama__acts *acts;
};

static float *llama__t(const llama_model *m, int idx) { return m->params + m->tensors[idx].offset; }
static int llama__L(const llama_model *m, int l, int which) { return m->lt[l * LLAMA__PER_LAYER + which]; }

static void llama__acts_free(llama__acts *a);
static lora_status llama__base_init(llama_model *m);

LORA_API void llama_model_free(llama_model *m) {
    if (!m) return;
    llama__acts_free(m->acts);
    lora_free_aligned(m->params);
    lora_free_aligned(m->grads);
    lora_free(m->tensors);
    lora_free(m->lt);
    lora_free(m->lin_names);
    lora_free(m->descs);
    lora_free(m->module_layer);
    lora_free(m->lin_w);
    lora_free(m->lin_b);
    lora_free(m->rope_inv_freq);
    lora_free(m->name_or_path);
    lora_free(m->pos_buf);
    lora_free(m);
}

static int llama__add(llama_model *m, size_t *off, const char *name, int ndim, int64_t d0, int64_t d1) {
    llama__tensor *t = &m->tensors[m->n_tensors];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim; t->shape[0] = d0; t->shape[1] = ndim > 1 ? d1 : 1;
    t->numel = d0 * (ndim > 1 ? d1 : 1);
    t->offset = *off;
    *off += ((size_t)t->numel + 15) & ~(size_t)15;
    return m->n_tensors++;
}

/* inv_freq as Hugging Face computes it in float32 (modeling_rope_utils) */
static void llama__rope_init(llama_model *m) {
    const llama_config *c = &m->cfg;
    int D = c->head_dim, i;
    for (i = 0; i < D / 2; i++) {
        float expo = (float)(2 * i) / (float)D;
        /* torch: 1.0 / (base ** (arange(0, D, 2).float() / D)), computed in float32 */
        float inv = 1.0f / powf((float)c->rope_theta, expo);
        if (c->rope_type == LLAMA_ROPE_LINEAR) inv = inv / (float)c->rope_factor;
        else if (c->rope_type == LLAMA_ROPE_LLAMA3) {
            float factor = (float)c->rope_factor, lo = (float)c->rope_low_freq_factor, hi = (float)c->rope_high_freq_factor;
            float old = (float)c->rope_original_max_position;
            float lo_wl = old / lo, hi_wl = old / hi;
            float wavelen = 2.0f * 3.14159265358979323846f / inv;
            float llama = wavelen > lo_wl ? inv / factor : inv;
            if (!(wavelen < hi_wl) && !(wavelen > lo_wl)) {
                float smooth = (old / wavelen - lo) / (hi - lo);
                llama = (1.0f - smooth) * llama / factor + smooth * llama;
            }
            inv = llama;
        }
        m->rope_inv_freq[i] = inv;
    }
}

static lora_status llama__model_new(const llama_config *cfg, lora_pool *pool, int alloc_weights, llama_model **out) {
    llama_model *m;
    lora_status s;
    size_t off = 0;
    int l, C, I, QD, KD, D, maxt, k;
    char nm[72];
    *out = NULL;
    if ((s = llama_config_check(cfg)) != LORA_OK) return s;
    m = (llama_model *)lora_calloc(1, sizeof *m, "llama model");
    if (!m) return LORA_ERR_OOM;
    m->cfg = *cfg;
    m->pool = pool;
    C = cfg->hidden_size; I = cfg->intermediate_size; D = cfg->head_dim; QD = cfg->n_head * D; KD = cfg->n_kv_head * D;
    maxt = 3 + cfg->n_layer * LLAMA__PER_LAYER;
    m->n_linears = cfg->n_layer * LLAMA_LINEARS_PER_LAYER + 1;
    m->tensors = (llama__tensor *)lora_calloc((size_t)maxt, sizeof *m->tensors, "tensor table");
    m->lt = (int *)lora_malloc(sizeof(int) * (size_t)cfg->n_layer * LLAMA__PER_LAYER, "tensor table");
    m->lin_names = (char (*)[72])lora_calloc((size_t)m->n_linears, sizeof *m->lin_names, "module table");
    m->descs = (lora_module_desc *)lora_calloc((size_t)m->n_linears, sizeof *m->descs, "module table");
    m->module_layer = (int *)lora_calloc((size_t)m->n_linears, sizeof(int), "module table");
    m->lin_w = (int *)lora_calloc((size_t)m->n_linears, sizeof(int), "module table");
    m->lin_b = (int *)lora_calloc((size_t)m->n_linears, sizeof(int), "module table");
    m->rope_inv_freq = (float *)lora_calloc((size_t)D / 2 + 1, sizeof(float), "rope");
    if (!m->tensors || !m->lt || !m->lin_names || !m->descs || !m->module_layer || !m->lin_w || !m->lin_b || !m->rope_inv_freq) {
        llama_model_free(m);
        return LORA_ERR_OOM;
    }
    for (k = 0; k < cfg->n_layer * LLAMA__PER_LAYER; k++) m->lt[k] = -1;
    /* named_parameters() order */
    m->t_embed = llama__add(m, &off, "model.embed_tokens.weight", 2, cfg->vocab_size, C);
    for (l = 0; l < cfg->n_layer; l++) {
        int *t = m->lt + l * LLAMA__PER_LAYER, qkvb = llama__qkv_bias(cfg), ob = llama__o_bias(cfg), mb = llama__mlp_bias(cfg);
#define LLAMA__ADD(slot, suffix, nd, a, b) (snprintf(nm, sizeof nm, "model.layers.%d.%s", l, suffix), t[slot] = llama__add(m, &off, nm, nd, a, b))
        LLAMA__ADD(LLAMA__QW, "self_attn.q_proj.weight", 2, QD, C);
        if (qkvb) LLAMA__ADD(LLAMA__QB, "self_attn.q_proj.bias", 1, QD, 0);
        LLAMA__ADD(LLAMA__KW, "self_attn.k_proj.weight", 2, KD, C);
        if (qkvb) LLAMA__ADD(LLAMA__KB, "self_attn.k_proj.bias", 1, KD, 0);
        LLAMA__ADD(LLAMA__VW, "self_attn.v_proj.weight", 2, KD, C);
        if (qkvb) LLAMA__ADD(LLAMA__VB, "self_attn.v_proj.bias", 1, KD, 0);
        LLAMA__ADD(LLAMA__OW, "self_attn.o_proj.weight", 2, C, QD);
        if (ob) LLAMA__ADD(LLAMA__OB, "self_attn.o_proj.bias", 1, C, 0);
        if (llama__qk_norm(cfg)) {
            LLAMA__ADD(LLAMA__QN, "self_attn.q_norm.weight", 1, D, 0);
            LLAMA__ADD(LLAMA__KN, "self_attn.k_norm.weight", 1, D, 0);
        }
        LLAMA__ADD(LLAMA__GW, "mlp.gate_proj.weight", 2, I, C);
        if (mb) LLAMA__ADD(LLAMA__GB, "mlp.gate_proj.bias", 1, I, 0);
        LLAMA__ADD(LLAMA__UW, "mlp.up_proj.weight", 2, I, C);
        if (mb) LLAMA__ADD(LLAMA__UB, "mlp.up_proj.bias", 1, I, 0);
        LLAMA__ADD(LLAMA__DW, "mlp.down_proj.weight", 2, C, I);
        if (mb) LLAMA__ADD(LLAMA__DB, "mlp.down_proj.bias", 1, C, 0);
        LLAMA__ADD(LLAMA__LN1, "input_layernorm.weight", 1, C, 0);
        LLAMA__ADD(LLAMA__LN2, "post_attention_layernorm.weight", 1, C, 0);
#undef LLAMA__ADD
    }
    m->t_norm = llama__add(m, &off, "model.norm.weight", 1, C, 0);
    m->t_head = cfg->tie_word_embeddings ? m->t_embed : llama__add(m, &off, "lm_head.weight", 2, cfg->vocab_size, C);
    m->n_floats = off;
    /* linear modules */
    for (l = 0; l < cfg->n_layer; l++) {
        static const char *const kinds[LLAMA_LINEARS_PER_LAYER] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                                                   "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
        static const int ws[LLAMA_LINEARS_PER_LAYER] = {LLAMA__QW, LLAMA__KW, LLAMA__VW, LLAMA__OW, LLAMA__GW, LLAMA__UW, LLAMA__DW};
        static const int bs[LLAMA_LINEARS_PER_LAYER] = {LLAMA__QB, LLAMA__KB, LLAMA__VB, LLAMA__OB, LLAMA__GB, LLAMA__UB, LLAMA__DB};
        for (k = 0; k < LLAMA_LINEARS_PER_LAYER; k++) {
            int mi = l * LLAMA_LINEARS_PER_LAYER + k, wt = llama__L(m, l, ws[k]);
            snprintf(m->lin_names[mi], sizeof m->lin_names[mi], "model.layers.%d.%s", l, kinds[k]);
            m->lin_w[mi] = wt;
            m->lin_b[mi] = llama__L(m, l, bs[k]);
            m->module_layer[mi] = l;
            m->descs[mi].name = m->lin_names[mi];
            m->descs[mi].out = (int)m->tensors[wt].shape[0];
            m->descs[mi].in = (int)m->tensors[wt].shape[1];
            m->descs[mi].has_bias = m->lin_b[mi] >= 0;
            m->descs[mi].is_output = 0;
        }
    }
    k = m->n_linears - 1;
    snprintf(m->lin_names[k], sizeof m->lin_names[k], "lm_head");
    m->lin_w[k] = m->t_head; m->lin_b[k] = -1; m->module_layer[k] = -1;
    m->descs[k].name = m->lin_names[k]; m->descs[k].in = C; m->descs[k].out = cfg->vocab_size; m->descs[k].is_output = 1;
    llama__rope_init(m);
    if (alloc_weights) {
        m->params = (float *)lora_alloc_aligned(off * sizeof(float), "llama weights");
        if (!m->params) { llama_model_free(m); return LORA_ERR_OOM; }
        memset(m->params, 0, off * sizeof(float));
    }
    if ((s = llama__base_init(m)) != LORA_OK) { llama_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}

LORA_API lora_status llama_model_create(const llama_config *cfg, lora_pool *pool, llama_model **out) {
    if (!out) return lora_fail(LORA_ERR_INVALID_ARG, "llama_model_create: out is NULL");
    return llama__model_new(cfg, pool, 1, out);
}

LORA_API const llama_config *llama_model_config(const llama_model *m) { return m ? &m->cfg : NULL; }
LORA_API int llama_model_num_tensors(const llama_model *m) { return m ? m->n_tensors : 0; }
LORA_API const char *llama_model_tensor(const llama_model *m, int i, int *ndim, int64_t shape[2], float **data) {
    const llama__tensor *t;
    if (!m || i < 0 || i >= m->n_tensors) return NULL;
    t = &m->tensors[i];
    if (ndim) *ndim = t->ndim;
    if (shape) { shape[0] = t->shape[0]; shape[1] = t->shape[1]; }
    if (data) *data = m->params ? m->params + t->offset : NULL;
    return t->name;
}
static int llama__find_tensor(const llama_model *m, const char *name) {
    int i;
    for (i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) return i;
    return -1;
}
LORA_API float *llama_model_param(llama_model *m, const char *name, int64_t *numel) {
    int i;
    if (!m || !name || !m->params || (i = llama__find_tensor(m, name)) < 0) return NULL;
    if (numel) *numel = m->tensors[i].numel;
    return llama__t(m, i);
}
LORA_API float *llama_model_grad(llama_model *m, const char *name) {
    int i;
    if (!m || !name || !m->grads || (i = llama__find_tensor(m, name)) < 0) return NULL;
    return m->grads + m->tensors[i].offset;
}

LORA_API void llama_model_init_random(llama_model *m, uint64_t seed) {
    lora_rng rng;
    int i;
    if (!m || !m->params) return;
    lora_rng_seed(&rng, seed);
    for (i = 0; i < m->n_tensors; i++) {
        llama__tensor *t = &m->tensors[i];
        float *p = llama__t(m, i);
        int64_t j;
        const char *dot = strrchr(t->name, '.');
        if (t->ndim == 1 && dot && strcmp(dot, ".bias") == 0) memset(p, 0, sizeof(float) * (size_t)t->numel);
        else if (t->ndim == 1) for (j = 0; j < t->numel; j++) p[j] = 1.0f;
        else for (j = 0; j < t->numel; j++) p[j] = (float)(m->cfg.initializer_range * lora_rng_normal(&rng));
    }
    if (m->cfg.pad_token_id >= 0)
        memset(llama__t(m, m->t_embed) + (size_t)m->cfg.pad_token_id * m->cfg.hidden_size, 0, sizeof(float) * (size_t)m->cfg.hidden_size);
}

/* ---- llama/30_forward.impl.c ---- */
/* ---- forward and backward ----
   Activations for a (B, T) batch live in one arena sized from one table (llama__act_sizes),
   which the memory estimate sums too. Row-wise ops run over the pool in fixed chunks
   (lora_parallel_rows), attention in one task per (batch, head) forward and per (batch, kv head)
   backward, so results do not depend on the thread count. */

typedef struct llama__layer_acts {
    float *ln1, *rstd1;            /* (N, C), (N) */
    float *q, *k, *v;              /* (N, QD), (N, KD), (N, KD): projections */
    float *qn, *kn, *rstd_q, *rstd_k; /* Qwen3: after q_norm / k_norm; (N, H), (N, KV) */
    float *qr, *kr;                /* after RoPE */
    float *att;                    /* (B, H, T, T) probabilities */
    float *atty;                   /* (N, QD) */
    float *res2;                   /* (N, C) */
    float *ln2, *rstd2;
    float *gate, *up;              /* (N, I) */
    float *res3;                   /* (N, C) layer output */
} llama__layer_acts;

struct llama__acts {
    int B, T;
    size_t n_floats;
    float *arena;
    unsigned char *mask_arena;
    size_t mask_bytes;
    float *embed;                  /* (N, C) */
    llama__layer_acts *layers;
    float *normf, *rstdf;
    float *logits;                 /* (N, V), outside the arena, allocated by the first forward that keeps
                                      logits (not by LoRA training steps: they use the fused output layer);
                                      dlogits in place after backward */
    size_t logits_floats;
    void *ws;                      /* the fused output layer's scratch (lora_lm_head_ce_scratch) */
    size_t ws_bytes;
    int32_t *targets;              /* (N) the label each row predicts, or -1 (fused path) */
    int fused;                     /* the last forward ran the fused output layer: d_ln holds its input gradient */
    float *row_loss;
    float *cos, *sin;              /* (N, D/2) RoPE tables of the batch's positions */
    float *act;                    /* (N, I) silu(gate) * up of the current layer */
    float *scratch_in;             /* (N, max in) */
    float *d_res, *d_ln, *d_tmp;   /* (N, C) */
    float *d_atty, *dq, *dq2;      /* (N, QD) */
    float *dk, *dv, *dk2;          /* (N, KD) */
    float *d_act, *d_gate, *d_up;  /* (N, I) */
    float *d_h;                    /* (N, R) */
    float *att_scratch;            /* threads x T x T */
    int att_threads;
    float **lora_h;                /* per module (N, R) */
    unsigned char **mask;          /* per module (N, in) or NULL */
    int lora_r;
    int32_t *inputs, *labels;
    int has_forward, has_labels, cur_B, cur_T;
    float loss;
    int count;
};

static void llama__acts_free(llama__acts *a) {
    if (!a) return;
    lora_free_aligned(a->arena);
    lora_free_aligned(a->logits);
    lora_free_aligned(a->ws);
    lora_free(a->targets);
    lora_free(a->mask_arena);
    lora_free(a->layers);
    lora_free(a->lora_h);
    lora_free(a->mask);
    lora_free(a->inputs);
    lora_free(a->labels);
    lora_free(a);
}

static int llama__adapter_rank(const lora_adapter *ad) {
    int r, i;
    if (!ad) return 0;
    r = ad->config.r;
    for (i = 0; i < ad->n_modules; i++) if (ad->modules[i].r > r) r = ad->modules[i].r;
    return r;
}

typedef struct { float **ptr; size_t floats; } llama__act_size;
#define LLAMA__ROUND(n) (((n) + 15) & ~(size_t)15)

static int llama__act_sizes(llama__acts *a, const llama_config *c, int n_linears, int B, int T, int r, int threads,
                            llama__act_size *t) {
    const size_t N = (size_t)B * T, C = (size_t)c->hidden_size, I = (size_t)c->intermediate_size;
    const size_t D = (size_t)c->head_dim, H = (size_t)c->n_head, KV = (size_t)c->n_kv_head, QD = H * D, KD = KV * D;
    const size_t R = (size_t)(r > 0 ? r : 1), qk = llama__qk_norm(c) ? 1 : 0;
    size_t maxin = I > C ? I : C;
    int k = 0, l, i;
    if (QD > maxin) maxin = QD;
#define LLAMA__ACT(buf, count) do { if (t) { t[k].ptr = a ? &(buf) : NULL; t[k].floats = (count); } k++; } while (0)
    LLAMA__ACT(a->embed, N * C);
    for (l = 0; l < c->n_layer; l++) {
        llama__layer_acts *la = a ? &a->layers[l] : NULL;
#define LLAMA__LA(field, count) LLAMA__ACT(la->field, count)
        LLAMA__LA(ln1, N * C); LLAMA__LA(rstd1, N);
        LLAMA__LA(q, N * QD); LLAMA__LA(k, N * KD); LLAMA__LA(v, N * KD);
        LLAMA__LA(qn, qk * N * QD); LLAMA__LA(kn, qk * N * KD); LLAMA__LA(rstd_q, qk * N * H); LLAMA__LA(rstd_k, qk * N * KV);
        LLAMA__LA(qr, N * QD); LLAMA__LA(kr, N * KD);
        LLAMA__LA(att, (size_t)B * H * T * T);
        LLAMA__LA(atty, N * QD);
        LLAMA__LA(res2, N * C);
        LLAMA__LA(ln2, N * C); LLAMA__LA(rstd2, N);
        LLAMA__LA(gate, N * I); LLAMA__LA(up, N * I);
        LLAMA__LA(res3, N * C);
#undef LLAMA__LA
    }
    LLAMA__ACT(a->normf, N * C); LLAMA__ACT(a->rstdf, N);
    LLAMA__ACT(a->row_loss, N);
    LLAMA__ACT(a->cos, N * (D / 2)); LLAMA__ACT(a->sin, N * (D / 2));
    LLAMA__ACT(a->act, N * I);
    LLAMA__ACT(a->scratch_in, N * maxin);
    LLAMA__ACT(a->d_res, N * C); LLAMA__ACT(a->d_ln, N * C); LLAMA__ACT(a->d_tmp, N * C);
    LLAMA__ACT(a->d_atty, N * QD); LLAMA__ACT(a->dq, N * QD); LLAMA__ACT(a->dq2, qk * N * QD);
    LLAMA__ACT(a->dk, N * KD); LLAMA__ACT(a->dv, N * KD); LLAMA__ACT(a->dk2, qk * N * KD);
    LLAMA__ACT(a->d_act, N * I); LLAMA__ACT(a->d_gate, N * I); LLAMA__ACT(a->d_up, N * I);
    LLAMA__ACT(a->d_h, N * R);
    LLAMA__ACT(a->att_scratch, (size_t)threads * T * T);
    for (i = 0; i < n_linears; i++) LLAMA__ACT(a->lora_h[i], N * R);
#undef LLAMA__ACT
    return k;
}

static llama__act_size *llama__act_table(llama__acts *a, const llama_config *c, int n_linears, int B, int T, int r,
                                         int threads, int *n) {
    llama__act_size *t;
    *n = llama__act_sizes(NULL, c, n_linears, B, T, r, threads, NULL);
    t = (llama__act_size *)lora_malloc(sizeof *t * (size_t)*n, "activation table");
    if (t) llama__act_sizes(a, c, n_linears, B, T, r, threads, t);
    return t;
}
static size_t llama__act_total(const llama__act_size *t, int n) {
    size_t total = 0;
    int i;
    for (i = 0; i < n; i++) total += LLAMA__ROUND(t[i].floats);
    return total;
}

static lora_status llama__acts_ensure(llama_model *m, int B, int T) {
    llama__acts *a = m->acts;
    const llama_config *c = &m->cfg;
    size_t N = (size_t)B * T, mask_bytes = 0;
    int threads = lora_pool_threads(m->pool), r = llama__adapter_rank(m->adapter), i, need_mask;
    need_mask = m->adapter && m->training && m->adapter->config.dropout > 0.0f;
    if (need_mask)
        for (i = 0; i < m->adapter->n_modules; i++) mask_bytes += N * (size_t)m->adapter->modules[i].in;
    if (!(a && a->B * a->T >= B * T && a->T >= T && a->B >= B && a->att_threads >= threads && a->lora_r >= r &&
          a->mask_bytes >= mask_bytes)) {
        llama__act_size *t;
        size_t off = 0;
        int n;
        if (a) { llama__acts_free(a); m->acts = NULL; }
        a = (llama__acts *)lora_calloc(1, sizeof *a, "activations");
        if (!a) return LORA_ERR_OOM;
        a->B = B; a->T = T;
        a->layers = (llama__layer_acts *)lora_calloc((size_t)c->n_layer, sizeof *a->layers, "activations");
        a->lora_h = (float **)lora_calloc((size_t)m->n_linears, sizeof *a->lora_h, "activations");
        a->mask = (unsigned char **)lora_calloc((size_t)m->n_linears, sizeof *a->mask, "activations");
        if (!a->layers || !a->lora_h || !a->mask) { llama__acts_free(a); return LORA_ERR_OOM; }
        t = llama__act_table(a, c, m->n_linears, B, T, r, threads, &n);
        if (!t) { llama__acts_free(a); return LORA_ERR_OOM; }
        a->n_floats = llama__act_total(t, n);
        a->arena = (float *)lora_alloc_aligned(a->n_floats * sizeof(float), "activations");
        a->inputs = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        a->labels = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        a->targets = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        if (mask_bytes) a->mask_arena = (unsigned char *)lora_malloc(mask_bytes, "dropout masks");
        if (!a->arena || !a->inputs || !a->labels || !a->targets || (mask_bytes && !a->mask_arena)) {
            lora_free(t);
            llama__acts_free(a);
            return LORA_ERR_OOM;
        }
        for (i = 0; i < n; i++) { *t[i].ptr = a->arena + off; off += LLAMA__ROUND(t[i].floats); }
        lora_free(t);
        a->mask_bytes = mask_bytes;
        a->att_threads = threads;
        a->lora_r = r;
        m->acts = a;
    }
    {
        size_t moff = 0;
        for (i = 0; i < m->n_linears; i++) {
            lora_module *lm = lora_adapter_module(m->adapter, i);
            a->mask[i] = NULL;
            if (need_mask && lm) { a->mask[i] = a->mask_arena + moff; moff += N * (size_t)lm->in; }
        }
    }
    a->cur_B = B; a->cur_T = T;
    return LORA_OK;
}

static void llama__estimate(const llama_config *cfg, const lora_adapter *ad, int full, int B, int T, int threads,
                            lora_memory_estimate *out) {
    int r = llama__adapter_rank(ad), i, n, n_lin;
    size_t lora_vals = 0, masks = 0, weights_f, trainable, N = (size_t)B * T, V, extra;
    lora_wmat w;
    llama__act_size *t;
    memset(out, 0, sizeof *out);
    if (!cfg || B <= 0 || T <= 0) return;
    n_lin = cfg->n_layer * LLAMA_LINEARS_PER_LAYER + 1;
    if (threads < 1) threads = 1;
    weights_f = (size_t)llama_config_num_params(cfg);
    if (ad) {
        lora_vals = (size_t)lora_adapter_num_params(ad);
        if (ad->config.dropout > 0)
            for (i = 0; i < ad->n_modules; i++) masks += (size_t)B * T * (size_t)ad->modules[i].in;
    }
    if (!(t = llama__act_table(NULL, cfg, n_lin, B, T, r, threads, &n))) return;
    trainable = full ? weights_f : lora_vals;
    /* full fine-tuning and lm_head as a LoRA target keep every logit (the unfused output layer);
       LoRA training runs the fused one (a chunk of logits at a time, one thread's share counted) */
    V = (size_t)cfg->vocab_size;
    w.dtype = LORA_DT_F32; w.rows = cfg->vocab_size; w.cols = cfg->hidden_size; w.data = NULL;
    if (full || (ad && lora_adapter_find(ad, "lm_head"))) extra = N * V * sizeof(float);
    else extra = lora_lm_head_ce_scratch(NULL, B * T, &w);
    out->weights = weights_f * sizeof(float);
    out->activations = llama__act_total(t, n) * sizeof(float) + masks + extra;
    out->adapter = lora_vals * sizeof(float);
    out->gradients = trainable * sizeof(float);
    out->optimizer = 2 * trainable * sizeof(float);
    out->total = out->weights + out->activations + out->adapter + out->gradients + out->optimizer;
    lora_free(t);
}

/* ---- tensors in use: an adapter's trainable copy of a bias replaces the model's ---- */
static lora_bias_param *llama__adapter_bias(const llama_model *m, int ti) {
    if (ti < 0 || !m->adapter || !m->adapter->n_biases) return NULL;
    return lora_adapter_find_bias(m->adapter, m->tensors[ti].name);
}
static const float *llama__value(const llama_model *m, int ti) {
    lora_bias_param *bp;
    if (ti < 0) return NULL;
    bp = llama__adapter_bias(m, ti);
    return bp ? bp->value : llama__t(m, ti);
}
static float *llama__grad(llama_model *m, int ti) {
    lora_bias_param *bp;
    if (ti < 0) return NULL;
    bp = llama__adapter_bias(m, ti);
    if (bp) return bp->grad;
    return m->grads ? m->grads + m->tensors[ti].offset : NULL;
}
static uint64_t llama__dropout_seed(const llama_model *m, int mi) {
    uint64_t s = m->dropout_seed * 0xD1B54A32D192ED03ull + m->dropout_step * 0x9E3779B97F4A7C15ull + (uint64_t)mi * 0xBF58476D1CE4E5B9ull;
    return lora_splitmix64(&s);
}
/* linear module mi as the engine's lora_linear, over the activation arena */
static void llama__linear(const llama_model *m, int mi, lora_linear *L) {
    const lora_module_desc *d = &m->descs[mi];
    llama__acts *a = m->acts;
    memset(L, 0, sizeof *L);
    L->W = llama__t(m, m->lin_w[mi]);
    L->w_in_out = 0;
    L->in = d->in; L->out = d->out;
    L->bias = llama__value(m, m->lin_b[mi]);
    L->lm = lora_adapter_module(m->adapter, mi);
    if (a) {
        L->h = a->lora_h[mi]; L->d_h = a->d_h; L->mask = a->mask[mi]; L->scratch_in = a->scratch_in;
        if (L->lm && L->mask) { L->dropout = m->adapter->config.dropout; L->dropout_seed = llama__dropout_seed(m, mi); }
    }
}
static void llama__linear_forward(llama_model *m, int mi, const float *x, float *y, int N) {
    lora_linear L;
    llama__linear(m, mi, &L);
    lora_linear_forward(m->pool, &L, x, y, N);
}
static void llama__linear_backward(llama_model *m, int mi, const float *x, const float *dy, float *dx, int N) {
    lora_linear L;
    llama__linear(m, mi, &L);
    lora_linear_backward(m->pool, &L, x, dy, dx, m->grads ? m->grads + m->tensors[m->lin_w[mi]].offset : NULL,
                         llama__grad(m, m->lin_b[mi]), N);
}

/* ---- RMSNorm over rows of width W (hidden size, or head_dim for q/k norms) ---- */
typedef struct { const float *x, *w; float *y, *rstd; const float *d; float *dx; int W, wrows; float eps; const lora_vecops *v; } llama__rms_ctx;
static void llama__rms_rows(void *vctx, int r0, int r1) {
    llama__rms_ctx *c = (llama__rms_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) {
        const float *x = c->x + (size_t)r * c->W;
        float rs = 1.0f / sqrtf(c->v->sumsq_centered(x, c->W, 0.0f) / (float)c->W + c->eps);
        c->v->rms_scale(x, c->y + (size_t)r * c->W, c->w, c->W, rs);
        c->rstd[r] = rs;
    }
}
static void llama__rms_back_rows(void *vctx, int r0, int r1) {
    llama__rms_ctx *c = (llama__rms_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++)
        c->v->rms_back(c->x + (size_t)r * c->W, c->d + (size_t)r * c->W, c->w, c->dx + (size_t)r * c->W, c->W, c->rstd[r]);
}
/* weight gradient: dw[i] += sum_r d[r, i] * x[r, i] * rstd[r], split by columns (same sums for any thread count) */
static void llama__rms_wgrad_cols(void *vctx, int c0, int c1) {
    llama__rms_ctx *c = (llama__rms_ctx *)vctx;
    int r;
    for (r = 0; r < c->wrows; r++) {
        size_t o = (size_t)r * c->W + (size_t)c0;
        c->v->ln_wgrad(c->d + o, c->x + o, c->dx + c0, NULL, c1 - c0, 0.0f, c->rstd[r]);
    }
}
static void llama__rms_forward(llama_model *m, const float *x, const float *w, float *y, float *rstd, int rows, int W) {
    llama__rms_ctx c;
    memset(&c, 0, sizeof c);
    c.x = x; c.w = w; c.y = y; c.rstd = rstd; c.W = W; c.eps = (float)m->cfg.rms_norm_eps; c.v = lora_vec(m->pool);
    lora_parallel_rows(m->pool, rows, llama__rms_rows, &c);
}
/* dx += d(input) (dx may be NULL), dw += the weight's gradient (may be NULL) */
static void llama__rms_backward(llama_model *m, const float *d, const float *x, const float *w, const float *rstd, float *dx,
                                float *dw, int rows, int W) {
    llama__rms_ctx c;
    memset(&c, 0, sizeof c);
    c.x = x; c.w = w; c.rstd = (float *)rstd; c.d = d; c.W = W; c.v = lora_vec(m->pool); c.wrows = rows;
    if (dx) { c.dx = dx; lora_parallel_rows(m->pool, rows, llama__rms_back_rows, &c); }
    if (dw) { c.dx = dw; lora_parallel_rows(m->pool, W, llama__rms_wgrad_cols, &c); }
}

/* ---- RoPE ---- */
typedef struct { const llama_model *m; const int32_t *pos; int T; float *cos, *sin; float *x; int heads, width, inverse; const lora_vecops *v; } llama__rope_ctx;
static void llama__rope_table_rows(void *vctx, int r0, int r1) {
    llama__rope_ctx *c = (llama__rope_ctx *)vctx;
    int half = c->m->cfg.head_dim / 2, r, i;
    for (r = r0; r < r1; r++) {
        float p = (float)(c->pos ? c->pos[r] : r % c->T);
        for (i = 0; i < half; i++) {
            float f = p * c->m->rope_inv_freq[i];
            c->cos[(size_t)r * half + i] = cosf(f);
            c->sin[(size_t)r * half + i] = sinf(f);
        }
    }
}
static void llama__rope_rows(void *vctx, int r0, int r1) {
    llama__rope_ctx *c = (llama__rope_ctx *)vctx;
    int D = c->m->cfg.head_dim, half = D / 2, r, h;
    for (r = r0; r < r1; r++)
        for (h = 0; h < c->heads; h++) {
            float *x = c->x + (size_t)r * c->width + (size_t)h * D;
            c->v->rope(x, x, c->cos + (size_t)r * half, c->sin + (size_t)r * half, half, c->inverse);
        }
}
/* in place on x (rows, heads * head_dim) */
static void llama__rope(llama_model *m, float *x, int rows, int heads, int inverse) {
    llama__rope_ctx c;
    memset(&c, 0, sizeof c);
    c.m = m; c.cos = m->acts->cos; c.sin = m->acts->sin; c.x = x; c.heads = heads; c.width = heads * m->cfg.head_dim;
    c.inverse = inverse; c.v = lora_vec(m->pool);
    lora_parallel_rows(m->pool, rows, llama__rope_rows, &c);
}

/* ---- attention ---- */
typedef struct { llama_model *m; const float *q, *k, *v; float *att, *out; const float *dout; float *dq, *dk, *dv; int B, T, window; const lora_vecops *vec; } llama__att_ctx;
/* allowed keys of query i (row b): [lo, i] */
static int llama__att_lo(const llama_model *m, int b, int T, int i, int window) {
    int lo = m->pos ? i - m->pos[(size_t)b * T + i] : 0;
    if (window > 0 && i - window + 1 > lo) lo = i - window + 1;
    return lo;
}
static void llama__att_task(void *vctx, int task, int thread) {
    llama__att_ctx *c = (llama__att_ctx *)vctx;
    const llama_config *cf = &c->m->cfg;
    int H = cf->n_head, D = cf->head_dim, QD = H * D, KD = cf->n_kv_head * D, T = c->T, b = task / H, h = task % H;
    int g = h / (H / cf->n_kv_head), i, j;
    const float *q = c->q + (size_t)b * T * QD + (size_t)h * D, *k = c->k + (size_t)b * T * KD + (size_t)g * D;
    const float *v = c->v + (size_t)b * T * KD + (size_t)g * D;
    float *P = c->att + (size_t)task * T * T, scale = (float)pow((double)D, -0.5); /* head_dim ** -0.5 */
    (void)thread;
    lora_sgemm(NULL, 0, 1, T, T, D, scale, q, QD, k, KD, 0.0f, P, T);
    for (i = 0; i < T; i++) {
        int lo = llama__att_lo(c->m, b, T, i, c->window);
        float *p = P + (size_t)i * T, mx = c->vec->max(p + lo, i + 1 - lo);
        c->vec->scale(p + lo, i + 1 - lo, 1.0f / c->vec->exp_sum(p + lo, p + lo, i + 1 - lo, mx));
        for (j = 0; j < lo; j++) p[j] = 0.0f;
        for (j = i + 1; j < T; j++) p[j] = 0.0f;
    }
    lora_sgemm(NULL, 0, 0, T, D, T, 1.0f, P, T, v, KD, 0.0f, c->out + (size_t)b * T * QD + (size_t)h * D, QD);
}
/* one task per (batch, kv head): the group's query heads in order, so dk and dv sum in a fixed order */
static void llama__att_back_task(void *vctx, int task, int thread) {
    llama__att_ctx *c = (llama__att_ctx *)vctx;
    const llama_config *cf = &c->m->cfg;
    int H = cf->n_head, KV = cf->n_kv_head, D = cf->head_dim, QD = H * D, KD = KV * D, T = c->T, b = task / KV, g = task % KV;
    int grp = H / KV, hh, i, j;
    size_t kb = (size_t)b * T * KD + (size_t)g * D;
    const float *k = c->k + kb, *v = c->v + kb;
    float *dk = c->dk + kb, *dv = c->dv + kb, *dP = c->m->acts->att_scratch + (size_t)thread * T * T;
    float scale = (float)pow((double)D, -0.5);
    for (hh = 0; hh < grp; hh++) {
        int h = g * grp + hh;
        size_t qb = (size_t)b * T * QD + (size_t)h * D;
        const float *q = c->q + qb, *dy = c->dout + qb, *P = c->att + ((size_t)b * H + h) * T * T;
        float *dq = c->dq + qb, beta = hh ? 1.0f : 0.0f;
        lora_sgemm(NULL, 0, 1, T, T, D, 1.0f, dy, QD, v, KD, 0.0f, dP, T);
        lora_sgemm(NULL, 1, 0, T, D, T, 1.0f, P, T, dy, QD, beta, dv, KD);
        for (i = 0; i < T; i++) {
            int lo = llama__att_lo(c->m, b, T, i, c->window);
            const float *p = P + (size_t)i * T;
            float *dp = dP + (size_t)i * T, dot = c->vec->dot(p + lo, dp + lo, i + 1 - lo);
            for (j = 0; j < lo; j++) dp[j] = 0.0f;
            for (j = lo; j <= i; j++) dp[j] = p[j] * (dp[j] - dot);
            for (j = i + 1; j < T; j++) dp[j] = 0.0f;
        }
        lora_sgemm(NULL, 0, 0, T, D, T, scale, dP, T, k, KD, 0.0f, dq, QD);
        lora_sgemm(NULL, 1, 0, T, D, T, scale, dP, T, q, QD, beta, dk, KD);
    }
}

/* ---- SwiGLU and residuals ---- */
typedef struct { const float *g, *u, *dy; float *y, *dg, *du; int W; const lora_vecops *v; } llama__glu_ctx;
static void llama__glu_rows(void *vctx, int r0, int r1) {
    llama__glu_ctx *c = (llama__glu_ctx *)vctx;
    size_t o = (size_t)r0 * c->W, n = (size_t)(r1 - r0) * c->W;
    c->v->swiglu(c->g + o, c->u + o, c->y + o, n);
}
static void llama__glu_back_rows(void *vctx, int r0, int r1) {
    llama__glu_ctx *c = (llama__glu_ctx *)vctx;
    size_t o = (size_t)r0 * c->W, n = (size_t)(r1 - r0) * c->W;
    c->v->swiglu_back(c->g + o, c->u + o, c->dy + o, c->dg + o, c->du + o, n);
}
static void llama__swiglu(llama_model *m, const float *g, const float *u, float *y, int N) {
    llama__glu_ctx c;
    memset(&c, 0, sizeof c);
    c.g = g; c.u = u; c.y = y; c.W = m->cfg.intermediate_size; c.v = lora_vec(m->pool);
    lora_parallel_rows(m->pool, N, llama__glu_rows, &c);
}
typedef struct { const float *a, *b; float *y; int W; const lora_vecops *v; } llama__add_ctx;
static void llama__add_rows(void *vctx, int r0, int r1) {
    llama__add_ctx *c = (llama__add_ctx *)vctx;
    size_t o = (size_t)r0 * c->W;
    c->v->add(c->a + o, c->b + o, c->y + o, (size_t)(r1 - r0) * c->W);
}
static void llama__addrows(llama_model *m, const float *a, const float *b, float *y, int N, int W) {
    llama__add_ctx c;
    c.a = a; c.b = b; c.y = y; c.W = W; c.v = lora_vec(m->pool);
    lora_parallel_rows(m->pool, N, llama__add_rows, &c);
}

/* ---- the model ---- */
static lora_status llama__check_batch(const llama_model *m, const int32_t *inputs, const int32_t *labels, const int32_t *positions,
                                      int B, int T) {
    const llama_config *c = &m->cfg;
    long i, n = (long)B * T;
    if (!inputs) return lora_fail(LORA_ERR_INVALID_ARG, "llama forward: inputs is NULL");
    if (B <= 0 || T <= 0) return lora_fail(LORA_ERR_INVALID_ARG, "llama forward: batch %d x sequence %d must be positive", B, T);
    if ((long)B * T > (long)(1 << 26) || T > (1 << 20)) return lora_fail(LORA_ERR_RANGE, "llama forward: batch %d x %d is too large", B, T);
    for (i = 0; i < n; i++)
        if (inputs[i] < 0 || inputs[i] >= c->vocab_size)
            return lora_fail(LORA_ERR_RANGE, "token id %ld at position %ld is outside the vocabulary [0, %d)", (long)inputs[i], i, c->vocab_size);
    if (labels)
        for (i = 0; i < n; i++)
            if (labels[i] != LORA_IGNORE_LABEL && (labels[i] < 0 || labels[i] >= c->vocab_size))
                return lora_fail(LORA_ERR_RANGE, "label %ld at position %ld is outside the vocabulary [0, %d) and not -100", (long)labels[i], i, c->vocab_size);
    if (c->rope_type == LLAMA_ROPE_DYNAMIC) {
        /* dynamic NTK scaling equals the default below max_position_embeddings; beyond it, not implemented */
        int maxp = T - 1;
        if (positions) for (i = 0, maxp = 0; i < n; i++) if (positions[i] > maxp) maxp = positions[i];
        if (maxp + 1 > c->max_position_embeddings)
            return lora_fail(LORA_ERR_UNSUPPORTED, "dynamic rope_scaling beyond max_position_embeddings %d (position %d) is not implemented",
                             c->max_position_embeddings, maxp);
    }
    return LORA_OK;
}

static lora_status llama__set_positions(llama_model *m, const int32_t *positions, int B, int T) {
    size_t n = (size_t)B * (size_t)T;
    int plain;
    lora_status s;
    m->pos = NULL;
    if ((s = lora_check_positions(positions, B, T, &plain, "llama forward")) != LORA_OK) return s;
    if (!positions || plain) return LORA_OK;
    if (n > m->pos_cap) {
        int32_t *nb = (int32_t *)lora_realloc(m->pos_buf, n * sizeof(int32_t), "position ids");
        if (!nb) return LORA_ERR_OOM;
        m->pos_buf = nb;
        m->pos_cap = n;
    }
    memcpy(m->pos_buf, positions, n * sizeof(int32_t));
    m->pos = m->pos_buf;
    return LORA_OK;
}

static const float *llama__layer_input(const llama_model *m, int l) { return l == 0 ? m->acts->embed : m->acts->layers[l - 1].res3; }

typedef struct { const llama_model *m; const int32_t *in; float *out; } llama__emb_ctx;
static void llama__emb_rows(void *vctx, int r0, int r1) {
    llama__emb_ctx *e = (llama__emb_ctx *)vctx;
    int C = e->m->cfg.hidden_size, r;
    const float *E = llama__t(e->m, e->m->t_embed);
    for (r = r0; r < r1; r++) memcpy(e->out + (size_t)r * C, E + (size_t)e->in[r] * C, sizeof(float) * (size_t)C);
}

static lora_status llama__forward(llama_model *m, const int32_t *inputs, const int32_t *labels, const int32_t *positions,
                                  int B, int T, float *loss) {
    llama__acts *a;
    lora_status s;
    const llama_config *c = &m->cfg;
    int N = B * T, l, C = c->hidden_size, D = c->head_dim, H = c->n_head, KV = c->n_kv_head, I = c->intermediate_size;
    if (loss) *loss = NAN;
    if ((s = llama__check_batch(m, inputs, labels, positions, B, T)) != LORA_OK) return s;
    if ((s = llama__set_positions(m, positions, B, T)) != LORA_OK) { if (m->acts) m->acts->has_forward = 0; return s; }
    if ((s = llama__acts_ensure(m, B, T)) != LORA_OK) return s;
    a = m->acts;
    a->has_forward = 0;
    a->fused = labels && m->training && !m->full && !lora_adapter_module(m->adapter, m->n_linears - 1);
    /* before any product: a failure leaves nothing behind */
    if (!a->fused && (size_t)N * c->vocab_size > a->logits_floats) {   /* logits for every row (inference, evaluation,
                                                                          full fine-tuning, lm_head as a LoRA target) */
        lora_free_aligned(a->logits);
        a->logits_floats = 0;
        if (!(a->logits = (float *)lora_alloc_aligned((size_t)N * c->vocab_size * sizeof(float), "logits"))) return LORA_ERR_OOM;
        a->logits_floats = (size_t)N * c->vocab_size;
    }
    if (a->fused) {
        lora_wmat w;
        size_t need;
        w.dtype = LORA_DT_F32; w.rows = c->vocab_size; w.cols = C; w.data = NULL;
        need = lora_lm_head_ce_scratch(m->pool, N, &w);
        if (need > a->ws_bytes) {
            lora_free_aligned(a->ws);
            a->ws_bytes = 0;
            if (!(a->ws = lora_alloc_aligned(need, "output layer scratch"))) return LORA_ERR_OOM;
            a->ws_bytes = need;
        }
    }
    memcpy(a->inputs, inputs, sizeof(int32_t) * (size_t)N);
    if (m->training) m->dropout_step++;
    {
        llama__emb_ctx e;
        llama__rope_ctx rc;
        e.m = m; e.in = inputs; e.out = a->embed;
        lora_parallel_rows(m->pool, N, llama__emb_rows, &e);
        memset(&rc, 0, sizeof rc);
        rc.m = m; rc.pos = m->pos; rc.T = T; rc.cos = a->cos; rc.sin = a->sin;
        lora_parallel_rows(m->pool, N, llama__rope_table_rows, &rc);
    }
    for (l = 0; l < c->n_layer; l++) {
        llama__layer_acts *la = &a->layers[l];
        const float *x = llama__layer_input(m, l);
        int mi = l * LLAMA_LINEARS_PER_LAYER;
        llama__att_ctx ac;
        llama__rms_forward(m, x, llama__t(m, llama__L(m, l, LLAMA__LN1)), la->ln1, la->rstd1, N, C);
        llama__linear_forward(m, mi + 0, la->ln1, la->q, N);
        llama__linear_forward(m, mi + 1, la->ln1, la->k, N);
        llama__linear_forward(m, mi + 2, la->ln1, la->v, N);
        if (llama__qk_norm(c)) {
            llama__rms_forward(m, la->q, llama__t(m, llama__L(m, l, LLAMA__QN)), la->qn, la->rstd_q, N * H, D);
            llama__rms_forward(m, la->k, llama__t(m, llama__L(m, l, LLAMA__KN)), la->kn, la->rstd_k, N * KV, D);
            memcpy(la->qr, la->qn, sizeof(float) * (size_t)N * H * D);
            memcpy(la->kr, la->kn, sizeof(float) * (size_t)N * KV * D);
        } else {
            memcpy(la->qr, la->q, sizeof(float) * (size_t)N * H * D);
            memcpy(la->kr, la->k, sizeof(float) * (size_t)N * KV * D);
        }
        llama__rope(m, la->qr, N, H, 0);
        llama__rope(m, la->kr, N, KV, 0);
        memset(&ac, 0, sizeof ac);
        ac.m = m; ac.q = la->qr; ac.k = la->kr; ac.v = la->v; ac.att = la->att; ac.out = la->atty; ac.B = B; ac.T = T;
        ac.window = llama_config_layer_window(c, l); ac.vec = lora_vec(m->pool);
        lora_pool_run(m->pool, llama__att_task, &ac, B * H);
        llama__linear_forward(m, mi + 3, la->atty, la->res2, N);
        llama__addrows(m, x, la->res2, la->res2, N, C);
        llama__rms_forward(m, la->res2, llama__t(m, llama__L(m, l, LLAMA__LN2)), la->ln2, la->rstd2, N, C);
        llama__linear_forward(m, mi + 4, la->ln2, la->gate, N);
        llama__linear_forward(m, mi + 5, la->ln2, la->up, N);
        llama__swiglu(m, la->gate, la->up, a->act, N);
        llama__linear_forward(m, mi + 6, a->act, la->res3, N);
        llama__addrows(m, la->res2, la->res3, la->res3, N, C);
    }
    llama__rms_forward(m, llama__layer_input(m, c->n_layer), llama__t(m, m->t_norm), a->normf, a->rstdf, N, C);
    a->loss = NAN;
    a->count = 0;
    (void)I;
    if (a->fused) {
        /* a LoRA training step: logits, loss and the output layer's input gradient only on the rows
           with a label, LORA_CE_CHUNK_ROWS at a time (lora_lm_head_ce); d_ln keeps that gradient */
        int r, count = 0;
        double sum = 0.0;
        lora_wmat W;
        W.dtype = LORA_DT_F32; W.rows = c->vocab_size; W.cols = C; W.data = llama__t(m, m->t_head);
        memcpy(a->labels, labels, sizeof(int32_t) * (size_t)N);
        for (r = 0; r < N; r++) {
            int32_t t = lora_target_label(labels, m->pos, r, T);
            a->targets[r] = t == LORA_IGNORE_LABEL ? -1 : t;
            count += t != LORA_IGNORE_LABEL;
        }
        if ((s = lora_lm_head_ce(m->pool, &W, N, a->normf, C, a->targets, count ? 1.0f / (float)count : 0.0f, a->row_loss,
                                 count ? a->d_ln : NULL, C, NULL, a->ws, a->ws_bytes)) != LORA_OK)
            return s;
        for (r = 0; r < N; r++) sum += a->row_loss[r];
        a->count = count;
        a->loss = count ? (float)(sum / count) : NAN;
        if (loss) *loss = a->loss;
        a->has_forward = 1;
        a->has_labels = 1;
        return LORA_OK;
    }
    llama__linear_forward(m, m->n_linears - 1, a->normf, a->logits, N);
    a->has_forward = 1;
    a->has_labels = labels != NULL;
    if (labels) {
        double sum = 0.0;
        memcpy(a->labels, labels, sizeof(int32_t) * (size_t)N);
        a->count = lora_cross_entropy(m->pool, a->logits, labels, m->pos, B, T, c->vocab_size, a->row_loss, &sum);
        a->loss = a->count ? (float)(sum / a->count) : NAN;
        if (loss) *loss = a->loss;
    }
    return LORA_OK;
}

static int llama__lowest_trainable_layer(const llama_model *m) {
    int low = m->cfg.n_layer, i;
    if (m->full) return 0;
    if (!m->adapter) return low;
    for (i = 0; i < m->adapter->n_modules; i++) {
        int l = m->module_layer[m->adapter->modules[i].index];
        if (l >= 0 && l < low) low = l;
    }
    for (i = 0; i < m->adapter->n_biases; i++) {
        int l = m->adapter->biases[i].layer;
        if (l >= 0 && l < low) low = l;
    }
    return low;
}

/* full fine-tuning: dE[id] += d (sequential: rows may share a token); the padding row gets none */
static void llama__embed_backward(llama_model *m, const float *d, int N) {
    int C = m->cfg.hidden_size, r;
    float *dE = m->grads + m->tensors[m->t_embed].offset;
    const lora_vecops *v = lora_vec(m->pool);
    for (r = 0; r < N; r++) {
        int id = m->acts->inputs[r];
        if (id == m->cfg.pad_token_id) continue;
        v->acc(dE + (size_t)id * C, d + (size_t)r * C, (size_t)C);
    }
}

static lora_status llama__backward(llama_model *m) {
    llama__acts *a;
    const llama_config *c = &m->cfg;
    int N, B, T, C = c->hidden_size, D = c->head_dim, H = c->n_head, KV = c->n_kv_head, I = c->intermediate_size, l, low;
    if (!m->acts || !m->acts->has_forward)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama backward: call forward first (the last forward's activations are used once)");
    a = m->acts;
    if (!a->has_labels) return lora_fail(LORA_ERR_INVALID_ARG, "llama backward: the last forward had no labels");
    if (a->count <= 0) return lora_fail(LORA_ERR_NUMERIC, "llama backward: every label is ignored (-100), the loss is undefined");
    if (!m->adapter && !m->full) return lora_fail(LORA_ERR_INVALID_ARG, "llama backward: nothing to train (no adapter attached and full fine-tuning off)");
    B = a->cur_B; T = a->cur_T; N = B * T;
    if (!a->fused) lora_cross_entropy_backward(m->pool, a->logits, a->labels, m->pos, B, T, c->vocab_size, a->count);
    a->has_forward = 0;
    low = llama__lowest_trainable_layer(m);
    memset(a->d_res, 0, sizeof(float) * (size_t)N * C);
    if (!a->fused) llama__linear_backward(m, m->n_linears - 1, a->normf, a->logits, a->d_ln, N);
    llama__rms_backward(m, a->d_ln, llama__layer_input(m, c->n_layer), llama__t(m, m->t_norm), a->rstdf,
                        low < c->n_layer ? a->d_res : NULL, llama__grad(m, m->t_norm), N, C);
    for (l = c->n_layer - 1; l >= low; l--) {
        llama__layer_acts *la = &a->layers[l];
        const float *x = llama__layer_input(m, l);
        int mi = l * LLAMA_LINEARS_PER_LAYER, need_dx = l > low || m->full;
        llama__att_ctx ac;
        llama__glu_ctx gc;
        const lora_vecops *v = lora_vec(m->pool);
        /* MLP */
        llama__swiglu(m, la->gate, la->up, a->act, N);
        llama__linear_backward(m, mi + 6, a->act, a->d_res, a->d_act, N);
        memset(&gc, 0, sizeof gc);
        gc.g = la->gate; gc.u = la->up; gc.dy = a->d_act; gc.dg = a->d_gate; gc.du = a->d_up; gc.W = I; gc.v = v;
        lora_parallel_rows(m->pool, N, llama__glu_back_rows, &gc);
        llama__linear_backward(m, mi + 4, la->ln2, a->d_gate, a->d_ln, N);
        llama__linear_backward(m, mi + 5, la->ln2, a->d_up, a->d_tmp, N);
        llama__addrows(m, a->d_ln, a->d_tmp, a->d_ln, N, C);
        llama__rms_backward(m, a->d_ln, la->res2, llama__t(m, llama__L(m, l, LLAMA__LN2)), la->rstd2, a->d_res,
                            llama__grad(m, llama__L(m, l, LLAMA__LN2)), N, C);
        /* attention */
        llama__linear_backward(m, mi + 3, la->atty, a->d_res, a->d_atty, N);
        memset(&ac, 0, sizeof ac);
        ac.m = m; ac.q = la->qr; ac.k = la->kr; ac.v = la->v; ac.att = la->att; ac.dout = a->d_atty;
        ac.dq = a->dq; ac.dk = a->dk; ac.dv = a->dv; ac.B = B; ac.T = T; ac.window = llama_config_layer_window(c, l); ac.vec = v;
        lora_pool_run(m->pool, llama__att_back_task, &ac, B * KV);
        llama__rope(m, a->dq, N, H, 1);
        llama__rope(m, a->dk, N, KV, 1);
        {
            float *dq = a->dq, *dk = a->dk;
            if (llama__qk_norm(c)) {
                memset(a->dq2, 0, sizeof(float) * (size_t)N * H * D);
                memset(a->dk2, 0, sizeof(float) * (size_t)N * KV * D);
                llama__rms_backward(m, a->dq, la->q, llama__t(m, llama__L(m, l, LLAMA__QN)), la->rstd_q, a->dq2,
                                    llama__grad(m, llama__L(m, l, LLAMA__QN)), N * H, D);
                llama__rms_backward(m, a->dk, la->k, llama__t(m, llama__L(m, l, LLAMA__KN)), la->rstd_k, a->dk2,
                                    llama__grad(m, llama__L(m, l, LLAMA__KN)), N * KV, D);
                dq = a->dq2; dk = a->dk2;
            }
            llama__linear_backward(m, mi + 0, la->ln1, dq, a->d_ln, N);
            llama__linear_backward(m, mi + 1, la->ln1, dk, a->d_tmp, N);
            llama__addrows(m, a->d_ln, a->d_tmp, a->d_ln, N, C);
            llama__linear_backward(m, mi + 2, la->ln1, a->dv, a->d_tmp, N);
            llama__addrows(m, a->d_ln, a->d_tmp, a->d_ln, N, C);
        }
        llama__rms_backward(m, a->d_ln, x, llama__t(m, llama__L(m, l, LLAMA__LN1)), la->rstd1, need_dx ? a->d_res : NULL,
                            llama__grad(m, llama__L(m, l, LLAMA__LN1)), N, C);
    }
    if (m->full) llama__embed_backward(m, a->d_res, N);
    return LORA_OK;
}

/* ---- llama/40_io.impl.c ---- */
static lora_status llama__load_gguf(const char *path, lora_pool *pool, llama_model **out); /* 45_gguf.impl.c */
/* ---- loading and saving weights (Hugging Face layout) ---- */
static char *llama__sibling(const char *path, const char *name) {
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path + 1) : 0, n = strlen(name);
    char *p = (char *)lora_malloc(dir + n + 1, "path");
    if (!p) return NULL;
    memcpy(p, path, dir);
    memcpy(p + dir, name, n + 1);
    return p;
}
static int llama__ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* the open files: one, or the shards an index names */
typedef struct { int n; lora_safetensors **st; char **names; } llama__files;
static void llama__files_close(llama__files *f) {
    int i;
    for (i = 0; i < f->n; i++) { lora_st_close(f->st[i]); lora_free(f->names[i]); }
    lora_free(f->st); lora_free(f->names);
    memset(f, 0, sizeof *f);
}
static lora_status llama__files_open(const char *path, llama__files *f) {
    lora_status s;
    memset(f, 0, sizeof *f);
    if (!llama__ends_with(path, ".index.json")) {
        f->st = (lora_safetensors **)lora_calloc(1, sizeof *f->st, "files");
        f->names = (char **)lora_calloc(1, sizeof *f->names, "files");
        if (!f->st || !f->names) { llama__files_close(f); return LORA_ERR_OOM; }
        if ((s = lora_st_open(path, &f->st[0])) != LORA_OK) { llama__files_close(f); return s; }
        f->n = 1;
        return LORA_OK;
    } else {
        char *text = NULL;
        size_t len, k;
        lora_json *j = NULL;
        const lora_json *wm;
        if ((s = lora_read_file(path, &text, &len)) != LORA_OK) return s;
        s = lora_json_parse(text, len, path, &j);
        lora_free(text);
        if (s != LORA_OK) return s;
        wm = lora_json_get(j, "weight_map");
        if (!wm || wm->type != LORA_JSON_OBJECT || wm->n == 0) {
            lora_json_free(j);
            return lora_fail(LORA_ERR_FORMAT, "%s: expected an object \"weight_map\" (tensor name -> shard file)", path);
        }
        f->st = (lora_safetensors **)lora_calloc(wm->n, sizeof *f->st, "files");
        f->names = (char **)lora_calloc(wm->n, sizeof *f->names, "files");
        if (!f->st || !f->names) { lora_json_free(j); llama__files_close(f); return LORA_ERR_OOM; }
        for (k = 0; k < wm->n; k++) {
            const lora_json *v = &wm->items[k];
            int i, seen = 0;
            if (v->type != LORA_JSON_STRING || !v->str[0] || strchr(v->str, '/') || strstr(v->str, "..")) {
                s = lora_fail(LORA_ERR_FORMAT, "%s: weight_map[\"%s\"]: expected a file name beside the index", path, wm->keys[k]);
                break;
            }
            for (i = 0; i < f->n; i++) if (strcmp(f->names[i], v->str) == 0) seen = 1;
            if (seen) continue;
            if (!(f->names[f->n] = lora_strdup(v->str))) { s = LORA_ERR_OOM; break; }
            {
                char *p = llama__sibling(path, v->str);
                if (!p) { lora_free(f->names[f->n]); s = LORA_ERR_OOM; break; }
                s = lora_st_open(p, &f->st[f->n]);
                lora_free(p);
                if (s != LORA_OK) { lora_free(f->names[f->n]); break; }
            }
            f->n++;
        }
        lora_json_free(j);
        if (s != LORA_OK) { llama__files_close(f); return s; }
        return LORA_OK;
    }
}
/* a tensor by name in any file (keys with or without "model."), and the file it is in */
static const lora_st_tensor *llama__files_find(const llama__files *f, const char *name, int *which) {
    int i;
    for (i = 0; i < f->n; i++) {
        const lora_st_tensor *t = lora_st_find(f->st[i], name);
        if (!t && strncmp(name, "model.", 6) == 0) t = lora_st_find(f->st[i], name + 6);
        if (t) { if (which) *which = i; return t; }
    }
    return NULL;
}

static lora_status llama__load(const char *path, const char *config_path, lora_pool *pool, llama_model **out) {
    llama__files f;
    llama_model *m = NULL;
    llama_config cfg;
    lora_status s;
    char *cpath = NULL;
    int k, i;
    size_t j;
    *out = NULL;
    if (!config_path) {
        if (!(cpath = llama__sibling(path, "config.json"))) return LORA_ERR_OOM;
        config_path = cpath;
    }
    s = llama_config_read(config_path, &cfg);
    if (s != LORA_OK) { lora_free(cpath); return s; }
    if ((s = llama__files_open(path, &f)) != LORA_OK) { lora_free(cpath); return s; }
    if ((s = llama__model_new(&cfg, pool, 0, &m)) != LORA_OK) goto done;
    for (k = 0; k < m->n_tensors; k++) {
        const llama__tensor *t = &m->tensors[k];
        const lora_st_tensor *ft = llama__files_find(&f, t->name, NULL);
        if (!ft) {
            s = lora_fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found (a %s with %d layers%s needs it)", path, t->name,
                          llama_arch_name(cfg.arch), cfg.n_layer, cfg.tie_word_embeddings ? "" : " and an untied lm_head");
            goto done;
        }
        if (ft->ndim != t->ndim || ft->shape[0] != t->shape[0] || (t->ndim > 1 && ft->shape[1] != t->shape[1])) {
            s = lora_fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected shape (%lld%s%lld), found a %d-dimensional tensor (%lld%s%lld%s)",
                          path, t->name, (long long)t->shape[0], t->ndim > 1 ? ", " : "", t->ndim > 1 ? (long long)t->shape[1] : 0LL,
                          ft->ndim, (long long)(ft->ndim > 0 ? ft->shape[0] : 0), ft->ndim > 1 ? ", " : "",
                          ft->ndim > 1 ? (long long)ft->shape[1] : 0LL, ft->ndim > 2 ? ", ..." : "");
            goto done;
        }
    }
    /* every other tensor: a rotary buffer, or a tied lm_head equal to the embedding */
    for (i = 0; i < f.n; i++)
        for (j = 0; j < f.st[i]->n_tensors; j++) {
            const char *n = f.st[i]->tensors[j].name;
            char full[200];
            snprintf(full, sizeof full, "%s%s", (strncmp(n, "model.", 6) == 0 || strcmp(n, "lm_head.weight") == 0) ? "" : "model.", n);
            if (llama__find_tensor(m, full) >= 0) continue;
            if (llama__ends_with(n, "rotary_emb.inv_freq")) continue;
            if (strcmp(n, "lm_head.weight") == 0 && cfg.tie_word_embeddings) continue; /* checked below */
            s = lora_fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (not part of a %s with %d layers%s)", f.n > 1 ? f.names[i] : path, n,
                          llama_arch_name(cfg.arch), cfg.n_layer, cfg.tie_word_embeddings ? ", tied lm_head" : "");
            goto done;
        }
    m->params = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "llama weights");
    if (!m->params) { s = LORA_ERR_OOM; goto done; }
    memset(m->params, 0, m->n_floats * sizeof(float));
    for (k = 0; k < m->n_tensors; k++) {
        int w = 0;
        const lora_st_tensor *ft = llama__files_find(&f, m->tensors[k].name, &w);
        if ((s = lora_st_read_f32(f.st[w], ft, llama__t(m, k), m->tensors[k].numel)) != LORA_OK) goto done;
        lora_st_release(f.st[w], ft);
    }
    if (cfg.tie_word_embeddings) {
        int w = 0;
        const lora_st_tensor *ft = llama__files_find(&f, "lm_head.weight", &w);
        if (ft) {
            float *tmp;
            int64_t e;
            const float *E = llama__t(m, m->t_embed);
            if (ft->ndim != 2 || ft->shape[0] != cfg.vocab_size || ft->shape[1] != cfg.hidden_size) {
                s = lora_fail(LORA_ERR_SHAPE, "%s: lm_head.weight: expected shape (%d, %d)", path, cfg.vocab_size, cfg.hidden_size);
                goto done;
            }
            if (!(tmp = (float *)lora_malloc(sizeof(float) * (size_t)ft->numel, "lm_head check"))) { s = LORA_ERR_OOM; goto done; }
            if ((s = lora_st_read_f32(f.st[w], ft, tmp, ft->numel)) == LORA_OK)
                for (e = 0; e < ft->numel; e++)
                    if (tmp[e] != E[e]) {
                        s = lora_fail(LORA_ERR_FORMAT, "%s: lm_head.weight differs from model.embed_tokens.weight at element %lld, but "
                                      "tie_word_embeddings is true", path, (long long)e);
                        break;
                    }
            lora_free(tmp);
            if (s != LORA_OK) goto done;
        }
    }
done:
    llama__files_close(&f);
    lora_free(cpath);
    if (s != LORA_OK) { llama_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}

LORA_API lora_status llama_model_load(const char *path, const char *config_path, lora_pool *pool, llama_model **out) {
    if (!path || !out) return lora_fail(LORA_ERR_INVALID_ARG, "llama_model_load: NULL argument");
    if (lora_gguf_probe(path)) return llama__load_gguf(path, pool, out);
    return llama__load(path, config_path, pool, out);
}

static void llama__json_key_num(lora_buf *b, const char *key, double v, int last) {
    lora_buf_printf(b, "  \"%s\": ", key);
    lora_json_write_number(b, v);
    lora_buf_puts(b, last ? "\n" : ",\n");
}
/* config.json in the HF config class's fields (sorted), written to its temporary file */
static lora_status llama__write_config(const llama_model *m, const char *path, lora_atomic_file *af) {
    static const char *const arch_cls[] = {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"};
    const llama_config *c = &m->cfg;
    int a = (int)c->arch, k;
    lora_buf b;
    lora_status s;
    memset(&b, 0, sizeof b);
    lora_buf_puts(&b, "{\n");
    if (c->name_or_path[0]) {
        lora_buf_puts(&b, "  \"_name_or_path\": \"");
        for (k = 0; c->name_or_path[k]; k++) {
            char ch = c->name_or_path[k];
            if (ch == '"' || ch == '\\') lora_buf_printf(&b, "\\%c", ch);
            else if ((unsigned char)ch < 0x20) lora_buf_printf(&b, "\\u%04x", (unsigned)(unsigned char)ch);
            else lora_buf_append(&b, &ch, 1);
        }
        lora_buf_puts(&b, "\",\n");
    }
    lora_buf_printf(&b, "  \"architectures\": [\n    \"%s\"\n  ],\n", arch_cls[a]);
    if (a == LLAMA_ARCH_LLAMA || a == LLAMA_ARCH_QWEN3) lora_buf_printf(&b, "  \"attention_bias\": %s,\n", c->attention_bias ? "true" : "false");
    lora_buf_puts(&b, "  \"attention_dropout\": 0.0,\n");
    if (c->bos_token_id >= 0) lora_buf_printf(&b, "  \"bos_token_id\": %d,\n", (int)c->bos_token_id); else lora_buf_puts(&b, "  \"bos_token_id\": null,\n");
    if (c->n_eos == 1) lora_buf_printf(&b, "  \"eos_token_id\": %d,\n", (int)c->eos[0]);
    else if (c->n_eos == 0) lora_buf_puts(&b, "  \"eos_token_id\": null,\n");
    else {
        lora_buf_puts(&b, "  \"eos_token_id\": [");
        for (k = 0; k < c->n_eos; k++) lora_buf_printf(&b, "%s%d", k ? ", " : "", (int)c->eos[k]);
        lora_buf_puts(&b, "],\n");
    }
    if (a != LLAMA_ARCH_QWEN2 || c->head_dim != c->hidden_size / c->n_head) lora_buf_printf(&b, "  \"head_dim\": %d,\n", c->head_dim);
    lora_buf_printf(&b, "  \"hidden_act\": \"silu\",\n  \"hidden_size\": %d,\n", c->hidden_size);
    llama__json_key_num(&b, "initializer_range", c->initializer_range, 0);
    lora_buf_printf(&b, "  \"intermediate_size\": %d,\n  \"max_position_embeddings\": %d,\n", c->intermediate_size, c->max_position_embeddings);
    if (a == LLAMA_ARCH_QWEN2 || a == LLAMA_ARCH_QWEN3) lora_buf_printf(&b, "  \"max_window_layers\": %d,\n", c->max_window_layers);
    if (a == LLAMA_ARCH_LLAMA) lora_buf_printf(&b, "  \"mlp_bias\": %s,\n", c->mlp_bias ? "true" : "false");
    lora_buf_printf(&b, "  \"model_type\": \"%s\",\n", llama_arch_name(c->arch));
    lora_buf_printf(&b, "  \"num_attention_heads\": %d,\n  \"num_hidden_layers\": %d,\n  \"num_key_value_heads\": %d,\n",
                    c->n_head, c->n_layer, c->n_kv_head);
    if (c->pad_token_id >= 0) lora_buf_printf(&b, "  \"pad_token_id\": %d,\n", (int)c->pad_token_id);
    if (a == LLAMA_ARCH_LLAMA) lora_buf_puts(&b, "  \"pretraining_tp\": 1,\n");
    llama__json_key_num(&b, "rms_norm_eps", c->rms_norm_eps, 0);
    if (a != LLAMA_ARCH_MISTRAL) {
        if (c->rope_type == LLAMA_ROPE_DEFAULT) lora_buf_puts(&b, "  \"rope_scaling\": null,\n");
        else {
            static const char *const rt[] = {"default", "linear", "llama3", "dynamic"};
            lora_buf_puts(&b, "  \"rope_scaling\": {\n    \"factor\": ");
            lora_json_write_number(&b, c->rope_factor);
            if (c->rope_type == LLAMA_ROPE_LLAMA3) {
                lora_buf_puts(&b, ",\n    \"high_freq_factor\": "); lora_json_write_number(&b, c->rope_high_freq_factor);
                lora_buf_puts(&b, ",\n    \"low_freq_factor\": "); lora_json_write_number(&b, c->rope_low_freq_factor);
                lora_buf_printf(&b, ",\n    \"original_max_position_embeddings\": %d", c->rope_original_max_position);
            }
            lora_buf_printf(&b, ",\n    \"rope_type\": \"%s\"\n  },\n", rt[c->rope_type]);
        }
    }
    llama__json_key_num(&b, "rope_theta", c->rope_theta, 0);
    if (a != LLAMA_ARCH_LLAMA) {
        if (c->sliding_window > 0) lora_buf_printf(&b, "  \"sliding_window\": %d,\n", c->sliding_window);
        else lora_buf_puts(&b, "  \"sliding_window\": null,\n");
    }
    lora_buf_printf(&b, "  \"tie_word_embeddings\": %s,\n  \"torch_dtype\": \"float32\",\n  \"use_cache\": true,\n",
                    c->tie_word_embeddings ? "true" : "false");
    if (a == LLAMA_ARCH_QWEN2 || a == LLAMA_ARCH_QWEN3) lora_buf_printf(&b, "  \"use_sliding_window\": %s,\n", c->use_sliding_window ? "true" : "false");
    lora_buf_printf(&b, "  \"vocab_size\": %d\n}\n", c->vocab_size);
    if (b.failed) { lora_buf_free(&b); return lora_fail(LORA_ERR_OOM, "out of memory writing %s", path); }
    if ((s = lora_atomic_open(af, path)) == LORA_OK) {
        lora_atomic_write(af, b.data, b.len);
        s = lora_atomic_finish(af);
    }
    lora_buf_free(&b);
    return s;
}

static lora_status llama__ensure_parent(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    if (!slash || slash == path) return LORA_OK;
    if (!(dir = (char *)lora_malloc((size_t)(slash - path) + 1, "path"))) return LORA_ERR_OOM;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    s = lora_ensure_dir(dir);
    lora_free(dir);
    return s;
}

LORA_API lora_status llama_model_save(const llama_model *m, const char *path) {
    lora_st_entry *e;
    lora_atomic_file cf;
    const char *mk = "format", *mv = "pt";
    char *cpath;
    lora_status s;
    int i;
    if (!m || !path) return lora_fail(LORA_ERR_INVALID_ARG, "llama_model_save: NULL argument");
    if (!m->params) return lora_fail(LORA_ERR_INVALID_ARG, "llama_model_save: the model was opened as a shape only (no weights)");
    if ((s = llama__ensure_parent(path)) != LORA_OK) return s;
    if (!(e = (lora_st_entry *)lora_calloc((size_t)m->n_tensors, sizeof *e, "tensor list"))) return LORA_ERR_OOM;
    for (i = 0; i < m->n_tensors; i++) {
        const llama__tensor *t = &m->tensors[i];
        e[i].name = t->name; e[i].dtype = LORA_DT_F32; e[i].ndim = t->ndim;
        e[i].shape[0] = t->shape[0]; e[i].shape[1] = t->shape[1];
        e[i].data = llama__t(m, i);
    }
    if (!(cpath = llama__sibling(path, "config.json"))) { lora_free(e); return LORA_ERR_OOM; }
    s = llama__write_config(m, cpath, &cf);
    lora_free(cpath);
    if (s == LORA_OK) {
        s = lora_st_write(path, e, (size_t)m->n_tensors, &mk, &mv, 1);
        if (s == LORA_OK) s = lora_atomic_commit(&cf);
        else lora_atomic_abort(&cf);
    }
    lora_free(e);
    return s;
}

/* ---- llama/45_generate.impl.c ---- */
/* ---- KV-cache inference: new tokens appended to a cache of keys (after q/k norm and RoPE) and
   values, the same computation as the forward for those positions ---- */
#define LLAMA__KV_CHUNK 64
typedef struct llama__kv {
    llama_config cfg;
    int max_T, len, chunk;
    float *k, *v;                  /* (L, KV, max_T, D) */
    float *work;
    float *x, *res, *ln, *q, *kn, *vn, *atty, *gate, *up, *act, *rstd, *cos, *sin, *h, *d_unused;
    float *scores;                 /* (H, max_T) */
    int h_r;
    const llama_model *model;
    const lora_adapter *adapter;
    size_t bytes;
} llama__kv;

static void llama__kv_free(llama__kv *kv) {
    if (!kv) return;
    lora_free_aligned(kv->k);
    lora_free_aligned(kv->v);
    lora_free_aligned(kv->work);
    lora_free_aligned(kv->h);
    lora_free(kv);
}

static lora_status llama__kv_create(const llama_model *m, int max_T, llama__kv **out) {
    const llama_config *c = &m->cfg;
    llama__kv *kv;
    size_t rows, C, I, QD, KD, kvf, wf, off = 0;
    *out = NULL;
    if (max_T <= 0) max_T = c->max_position_embeddings;
    if (max_T > c->max_position_embeddings)
        return lora_fail(LORA_ERR_RANGE, "llama KV cache: length %d exceeds max_position_embeddings %d", max_T, c->max_position_embeddings);
    if (!(kv = (llama__kv *)lora_calloc(1, sizeof *kv, "KV cache"))) return LORA_ERR_OOM;
    kv->cfg = *c;
    kv->max_T = max_T;
    kv->chunk = max_T < LLAMA__KV_CHUNK ? max_T : LLAMA__KV_CHUNK;
    rows = (size_t)kv->chunk; C = (size_t)c->hidden_size; I = (size_t)c->intermediate_size;
    QD = (size_t)c->n_head * c->head_dim; KD = (size_t)c->n_kv_head * c->head_dim;
    kvf = (size_t)c->n_layer * (size_t)max_T * KD;
#define LLAMA__R16(n) (((n) + 15) & ~(size_t)15)
    wf = 3 * LLAMA__R16(rows * C) + 2 * LLAMA__R16(rows * QD) + 2 * LLAMA__R16(rows * KD) + 3 * LLAMA__R16(rows * I) +
         LLAMA__R16(rows * (size_t)c->n_head) + 2 * LLAMA__R16(rows * (size_t)(c->head_dim / 2)) + LLAMA__R16((size_t)c->n_head * max_T);
    kv->k = (float *)lora_alloc_aligned(kvf * sizeof(float), "KV cache keys");
    kv->v = (float *)lora_alloc_aligned(kvf * sizeof(float), "KV cache values");
    kv->work = (float *)lora_alloc_aligned(wf * sizeof(float), "KV cache work buffers");
    if (!kv->k || !kv->v || !kv->work) { llama__kv_free(kv); return LORA_ERR_OOM; }
#define LLAMA__W(p, n) (p = kv->work + off, off += LLAMA__R16(n))
    LLAMA__W(kv->x, rows * C); LLAMA__W(kv->res, rows * C); LLAMA__W(kv->ln, rows * C);
    LLAMA__W(kv->q, rows * QD); LLAMA__W(kv->atty, rows * QD); LLAMA__W(kv->kn, rows * KD); LLAMA__W(kv->vn, rows * KD);
    LLAMA__W(kv->gate, rows * I); LLAMA__W(kv->up, rows * I); LLAMA__W(kv->act, rows * I);
    LLAMA__W(kv->rstd, rows * (size_t)c->n_head);
    LLAMA__W(kv->cos, rows * (size_t)(c->head_dim / 2)); LLAMA__W(kv->sin, rows * (size_t)(c->head_dim / 2));
    LLAMA__W(kv->scores, (size_t)c->n_head * max_T);
#undef LLAMA__W
#undef LLAMA__R16
    kv->bytes = sizeof *kv + (2 * kvf + wf) * sizeof(float);
    *out = kv;
    return LORA_OK;
}

static void llama__kv_linear(llama_model *m, llama__kv *kv, int mi, const float *x, float *y, int n) {
    lora_linear L;
    memset(&L, 0, sizeof L);
    L.W = llama__t(m, m->lin_w[mi]);
    L.in = m->descs[mi].in; L.out = m->descs[mi].out;
    L.bias = llama__value(m, m->lin_b[mi]);
    L.lm = lora_adapter_module(m->adapter, mi);
    L.h = kv->h;
    lora_linear_forward(m->pool, &L, x, y, n);
}

typedef struct { llama_model *m; llama__kv *kv; int layer, n, pos0, window; const lora_vecops *v; lora_isa isa; } llama__katt_ctx;
static void llama__kv_att_task(void *vctx, int h, int thread) {
    llama__katt_ctx *c = (llama__katt_ctx *)vctx;
    llama__kv *kv = c->kv;
    const llama_config *cf = &kv->cfg;
    int D = cf->head_dim, KV = cf->n_kv_head, g = h / (cf->n_head / KV), i;
    size_t base = ((size_t)c->layer * KV + g) * kv->max_T * D;
    float scale = (float)pow((double)D, -0.5), *S = kv->scores + (size_t)h * kv->max_T;
    (void)thread;
    for (i = 0; i < c->n; i++) {
        int qpos = c->pos0 + i, lo = 0, L;
        const float *q = kv->q + ((size_t)i * cf->n_head + h) * D;
        float *o = kv->atty + ((size_t)i * cf->n_head + h) * D, mx, inv;
        if (c->window > 0 && qpos - c->window + 1 > lo) lo = qpos - c->window + 1;
        L = qpos + 1 - lo;
        /* scores = (k_t . q) * scale for the allowed keys, softmax, then o = sum_t p_t v_t */
        lora_gemv(c->isa, 1, 1, D, q, D, kv->k + base + (size_t)lo * D, D, 0, L, S, L);
        c->v->scale(S, L, scale);
        mx = c->v->max(S, L);
        inv = 1.0f / c->v->exp_sum(S, S, L, mx);
        c->v->scale(S, L, inv);
        lora_gemv(c->isa, 0, 1, L, S, L, kv->v + base + (size_t)lo * D, D, 0, D, o, D);
    }
}

static void llama__kv_chunk(llama_model *m, llama__kv *kv, const int32_t *tokens, int n) {
    const llama_config *c = &m->cfg;
    const lora_vecops *v = lora_vec(m->pool);
    int C = c->hidden_size, D = c->head_dim, H = c->n_head, KV = c->n_kv_head, half = D / 2, pos0 = kv->len, l, r, h, i;
    const float *E = llama__t(m, m->t_embed);
    for (r = 0; r < n; r++) {
        memcpy(kv->x + (size_t)r * C, E + (size_t)tokens[r] * C, sizeof(float) * (size_t)C);
        for (i = 0; i < half; i++) {
            float f = (float)(pos0 + r) * m->rope_inv_freq[i];
            kv->cos[(size_t)r * half + i] = cosf(f);
            kv->sin[(size_t)r * half + i] = sinf(f);
        }
    }
    for (l = 0; l < c->n_layer; l++) {
        int mi = l * LLAMA_LINEARS_PER_LAYER;
        llama__katt_ctx ac;
        llama__rms_forward(m, kv->x, llama__t(m, llama__L(m, l, LLAMA__LN1)), kv->ln, kv->rstd, n, C);
        llama__kv_linear(m, kv, mi + 0, kv->ln, kv->q, n);
        llama__kv_linear(m, kv, mi + 1, kv->ln, kv->kn, n);
        llama__kv_linear(m, kv, mi + 2, kv->ln, kv->vn, n);
        if (llama__qk_norm(c)) {
            llama__rms_forward(m, kv->q, llama__t(m, llama__L(m, l, LLAMA__QN)), kv->q, kv->rstd, n * H, D);
            llama__rms_forward(m, kv->kn, llama__t(m, llama__L(m, l, LLAMA__KN)), kv->kn, kv->rstd, n * KV, D);
        }
        for (r = 0; r < n; r++) {
            const float *cs = kv->cos + (size_t)r * half, *sn = kv->sin + (size_t)r * half;
            for (h = 0; h < H; h++) v->rope(kv->q + ((size_t)r * H + h) * D, kv->q + ((size_t)r * H + h) * D, cs, sn, half, 0);
            for (h = 0; h < KV; h++) {
                size_t dst = (((size_t)l * KV + h) * kv->max_T + (size_t)(pos0 + r)) * D;
                v->rope(kv->kn + ((size_t)r * KV + h) * D, kv->k + dst, cs, sn, half, 0);
                memcpy(kv->v + dst, kv->vn + ((size_t)r * KV + h) * D, sizeof(float) * (size_t)D);
            }
        }
        ac.m = m; ac.kv = kv; ac.layer = l; ac.n = n; ac.pos0 = pos0; ac.window = llama_config_layer_window(c, l); ac.v = v; ac.isa = lora_pool_isa(m->pool);
        lora_pool_run(m->pool, llama__kv_att_task, &ac, H);
        llama__kv_linear(m, kv, mi + 3, kv->atty, kv->res, n);
        llama__addrows(m, kv->x, kv->res, kv->res, n, C);
        llama__rms_forward(m, kv->res, llama__t(m, llama__L(m, l, LLAMA__LN2)), kv->ln, kv->rstd, n, C);
        llama__kv_linear(m, kv, mi + 4, kv->ln, kv->gate, n);
        llama__kv_linear(m, kv, mi + 5, kv->ln, kv->up, n);
        llama__swiglu(m, kv->gate, kv->up, kv->act, n);
        llama__kv_linear(m, kv, mi + 6, kv->act, kv->x, n);
        llama__addrows(m, kv->res, kv->x, kv->x, n, C);
    }
    kv->len += n;
}

static lora_status llama__forward_cached(llama_model *m, llama__kv *kv, const int32_t *tokens, int n_new, float *logits_last) {
    const llama_config *c = &m->cfg;
    int i, done, n = 0, r = llama__adapter_rank(m->adapter);
    if (!kv || !tokens) return lora_fail(LORA_ERR_INVALID_ARG, "llama forward_cached: NULL argument");
    if (n_new <= 0) return lora_fail(LORA_ERR_INVALID_ARG, "llama forward_cached: n_new %d must be positive", n_new);
    if (kv->cfg.n_layer != c->n_layer || kv->cfg.hidden_size != c->hidden_size || kv->cfg.n_kv_head != c->n_kv_head ||
        kv->cfg.head_dim != c->head_dim || kv->cfg.n_head != c->n_head || kv->cfg.intermediate_size != c->intermediate_size ||
        kv->cfg.vocab_size != c->vocab_size)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama forward_cached: the cache was made for a model of other shapes");
    if (kv->len > 0 && (kv->model != m || kv->adapter != m->adapter))
        return lora_fail(LORA_ERR_INVALID_ARG, "llama forward_cached: the cached tokens were computed with another %s; reset the cache",
                         kv->model != m ? "model" : "adapter");
    if (n_new > kv->max_T - kv->len)
        return lora_fail(LORA_ERR_RANGE, "llama forward_cached: %d cached + %d new tokens exceed the cache length %d", kv->len, n_new, kv->max_T);
    for (i = 0; i < n_new; i++)
        if (tokens[i] < 0 || tokens[i] >= c->vocab_size)
            return lora_fail(LORA_ERR_RANGE, "llama forward_cached: token id %ld at position %d is outside the vocabulary [0, %d)",
                             (long)tokens[i], i, c->vocab_size);
    if (r > kv->h_r) {
        float *h = (float *)lora_alloc_aligned((size_t)kv->chunk * r * sizeof(float), "KV cache LoRA buffer");
        if (!h) return LORA_ERR_OOM;
        lora_free_aligned(kv->h);
        kv->bytes += (size_t)kv->chunk * (size_t)(r - kv->h_r) * sizeof(float);
        kv->h = h; kv->h_r = r;
    }
    kv->model = m;
    kv->adapter = m->adapter;
    for (done = 0; done < n_new; done += n) {
        n = n_new - done < kv->chunk ? n_new - done : kv->chunk;
        llama__kv_chunk(m, kv, tokens + done, n);
    }
    if (logits_last) {
        const float *last = kv->x + (size_t)(n - 1) * c->hidden_size;
        llama__rms_forward(m, last, llama__t(m, m->t_norm), kv->ln, kv->rstd, 1, c->hidden_size);
        llama__kv_linear(m, kv, m->n_linears - 1, kv->ln, logits_last, 1);
    }
    return LORA_OK;
}

/* ---- llama/45_gguf.impl.c ---- */
/* ---- GGUF: llama.cpp's llama and qwen2 architectures ----
   What convert_hf_to_gguf.py writes (llama.cpp c392e509): LlamaForCausalLM and
   MistralForCausalLM as general.architecture "llama" (q_proj / k_proj rows permuted per head,
   LlamaModel.permute: n_head for q, num_key_value_heads for k, biases too), Qwen2ForCausalLM as
   "qwen2" (no permutation). Tensors token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v,
   attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}.weight (+ .bias where the model has them),
   output_norm, output (left out when the lm_head is tied: llama.cpp then uses token_embd);
   Llama 3's rope scaling as the tensor rope_freqs.weight (the divisor of each frequency), linear
   scaling as rope.scaling.type / factor. Qwen3 ("qwen3") is not known to that llama.cpp and is
   refused. llama.cpp ignores Mistral's sliding window (and Qwen2's): the files are exact for
   sequences no longer than the window. */

static const llama_model *llama__ofc(const lora_model *b);                 /* 50_model.impl.c */
static lora_status llama__weights(const llama_model *m, const char *what);
static lora_status llama__check_adapter(const llama_model *m, const lora_adapter *ad);

static const char *const llama__gguf_kinds[LLAMA_LINEARS_PER_LAYER] = {"attn_q", "attn_k", "attn_v", "attn_output",
                                                                       "ffn_gate", "ffn_up", "ffn_down"};
static const int llama__gguf_ws[LLAMA_LINEARS_PER_LAYER] = {LLAMA__QW, LLAMA__KW, LLAMA__VW, LLAMA__OW, LLAMA__GW, LLAMA__UW, LLAMA__DW};
static const int llama__gguf_bs[LLAMA_LINEARS_PER_LAYER] = {LLAMA__QB, LLAMA__KB, LLAMA__VB, LLAMA__OB, LLAMA__GB, LLAMA__UB, LLAMA__DB};

static const char *llama__gguf_arch_of(const llama_config *c) {
    return c->arch == LLAMA_ARCH_QWEN2 ? "qwen2" : c->arch == LLAMA_ARCH_QWEN3 ? "qwen3" : "llama";
}
/* heads of the row permutation of linear kind k (0: q, 1: k) in the "llama" architecture, else 0 */
static int llama__gguf_perm(const llama_config *c, int k) {
    if (c->arch != LLAMA_ARCH_LLAMA && c->arch != LLAMA_ARCH_MISTRAL) return 0;
    return k == 0 ? c->n_head : k == 1 ? c->n_kv_head : 0;
}

static lora_status llama__gguf_supported(const llama_config *c, const char *what) {
    if (c->arch == LLAMA_ARCH_QWEN3)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: Qwen3 has no GGUF architecture in the llama.cpp this was checked with "
                         "(c392e509 knows llama and qwen2): not written", what);
    if (c->rope_type == LLAMA_ROPE_DYNAMIC)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: dynamic rope scaling has no llama.cpp equivalent", what);
    if (c->arch == LLAMA_ARCH_QWEN2 && (int64_t)c->n_head * c->head_dim != c->hidden_size)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: llama.cpp's qwen2 needs heads * head_dim (%d * %d) = hidden_size (%d)", what,
                         c->n_head, c->head_dim, c->hidden_size);
    if (llama__qkv_bias(c) && c->arch != LLAMA_ARCH_QWEN2 && (int64_t)c->n_head * c->head_dim != c->hidden_size)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: llama.cpp's llama takes q/k/v biases only when heads * head_dim = hidden_size", what);
    return LORA_OK;
}

/* Adds tensor idx as name: data (a merged copy) replaces its values when not NULL; perm > 0 permutes the rows. */
static lora_status llama__gguf_add(lora_gguf_writer *w, const llama_model *m, int idx, const char *name, lora_ggml_type dtype,
                                   const float *data, int perm) {
    const llama__tensor *t = &m->tensors[idx];
    const float *src = data ? data : llama__t(m, idx);
    float *tmp = NULL;
    int64_t ne[2];
    lora_status s;
    if (perm > 0) {
        if (!(tmp = (float *)lora_malloc((size_t)t->numel * sizeof(float), "permuted GGUF tensor"))) return LORA_ERR_OOM;
        if ((s = lora_gguf_permute_rows(src, tmp, t->shape[0], t->ndim == 1 ? 1 : t->shape[1], perm, 0)) != LORA_OK) {
            lora_free(tmp);
            return s;
        }
        src = tmp;
    }
    ne[0] = t->ndim == 1 ? t->shape[0] : t->shape[1];   /* (out, in) row-major = ne (in, out) */
    ne[1] = t->shape[0];
    s = lora_gguf_add_tensor(w, name, t->ndim, ne, t->ndim == 1 ? LORA_GGML_F32 : dtype, src, (data || tmp) ? LORA_GGUF_COPY : 0);
    lora_free(tmp);
    return s;
}

/* Tensor idx with the adapter merged (a new buffer; NULL with *s = LORA_OK when untouched).
   module: the linear module whose weight idx is (-1: none); bias: replaced by an adapter bias. */
static float *llama__gguf_merged(const llama_model *m, const lora_adapter *ad, int idx, int module, lora_status *s) {
    const llama__tensor *t = &m->tensors[idx];
    const lora_module *lm = NULL;
    const float *bias = NULL;
    float *copy;
    int i;
    *s = LORA_OK;
    if (!ad) return NULL;
    for (i = 0; module >= 0 && i < ad->n_modules && !lm; i++)
        if (ad->modules[i].index == module) lm = &ad->modules[i];
    for (i = 0; i < ad->n_biases && !bias; i++)
        if (strcmp(ad->biases[i].name, t->name) == 0 && ad->biases[i].n == t->numel) bias = ad->biases[i].value;
    if (!lm && !bias) return NULL;
    if (!(copy = (float *)lora_malloc((size_t)t->numel * sizeof(float), "merged GGUF tensor"))) { *s = LORA_ERR_OOM; return NULL; }
    memcpy(copy, bias ? bias : llama__t(m, idx), (size_t)t->numel * sizeof(float));
    if (lm) lora_module_merge(lm, copy, 0, 1.0f);
    return copy;
}

/* Llama 3's per-frequency divisors, as convert_hf_to_gguf.py's LlamaModel.generate_extra_tensors computes them */
static void llama__gguf_rope_factors(const llama_config *c, float *out) {
    int D = c->head_dim, i;
    double lo_wl = c->rope_original_max_position / c->rope_low_freq_factor;
    double hi_wl = c->rope_original_max_position / c->rope_high_freq_factor;
    for (i = 0; i < D / 2; i++) {
        float freq = 1.0f / powf((float)c->rope_theta, (float)(2 * i) / (float)D);
        double wavelen = 2.0 * 3.14159265358979323846 / (double)freq;
        if (wavelen < hi_wl) out[i] = 1.0f;
        else if (wavelen > lo_wl) out[i] = (float)c->rope_factor;
        else {
            double smooth = (c->rope_original_max_position / wavelen - c->rope_low_freq_factor) /
                            (c->rope_high_freq_factor - c->rope_low_freq_factor);
            out[i] = (float)(1.0 / ((1.0 - smooth) / c->rope_factor + smooth));
        }
    }
}

static lora_status llama__op_gguf_write(const lora_model *b, const lora_tokenizer *tok, const lora_adapter *ad,
                                        lora_gguf_writer *w, lora_ggml_type dtype) {
    const llama_model *m = llama__ofc(b);
    const llama_config *c = &m->cfg;
    const char *arch = llama__gguf_arch_of(c);
    char key[96], name[LORA_GGUF_MAX_NAME];
    float *merged, *factors;
    lora_status s;
    int l, k, i, head_adapted = 0;
    if ((s = llama__weights(m, "lora_model_save_gguf")) != LORA_OK) return s;
    if ((s = llama__gguf_supported(c, "lora_model_save_gguf")) != LORA_OK) return s;
    if (ad && (s = llama__check_adapter(m, ad)) != LORA_OK) return s;
    for (i = 0; ad && i < ad->n_modules; i++) head_adapted |= ad->modules[i].index == m->n_linears - 1;
#define LLAMA__TRY(x) do { if ((s = (x)) != LORA_OK) return s; } while (0)
#define LLAMA__KEY(suffix) (snprintf(key, sizeof key, "%s.%s", arch, suffix), key)
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("block_count"), (uint32_t)c->n_layer));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("context_length"), (uint32_t)c->max_position_embeddings));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("embedding_length"), (uint32_t)c->hidden_size));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("feed_forward_length"), (uint32_t)c->intermediate_size));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("attention.head_count"), (uint32_t)c->n_head));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("attention.head_count_kv"), (uint32_t)c->n_kv_head));
    LLAMA__TRY(lora_gguf_set_f32(w, LLAMA__KEY("rope.freq_base"), (float)c->rope_theta));
    LLAMA__TRY(lora_gguf_set_f32(w, LLAMA__KEY("attention.layer_norm_rms_epsilon"), (float)c->rms_norm_eps));
    if ((int64_t)c->head_dim * c->n_head != c->hidden_size) {
        LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("attention.key_length"), (uint32_t)c->head_dim));
        LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("attention.value_length"), (uint32_t)c->head_dim));
    }
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("vocab_size"), (uint32_t)c->vocab_size));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("rope.dimension_count"), (uint32_t)c->head_dim));
    if (c->rope_type == LLAMA_ROPE_LINEAR) {
        LLAMA__TRY(lora_gguf_set_str(w, LLAMA__KEY("rope.scaling.type"), "linear"));
        LLAMA__TRY(lora_gguf_set_f32(w, LLAMA__KEY("rope.scaling.factor"), (float)c->rope_factor));
    }
#undef LLAMA__KEY
    LLAMA__TRY(lora_gguf_set_tokenizer(w, tok, "gpt2", NULL, c->vocab_size));
    LLAMA__TRY(llama__gguf_add(w, m, m->t_embed, "token_embd.weight", dtype, NULL, 0));
    for (l = 0; l < c->n_layer; l++) {
        snprintf(name, sizeof name, "blk.%d.attn_norm.weight", l);
        LLAMA__TRY(llama__gguf_add(w, m, llama__L(m, l, LLAMA__LN1), name, dtype, NULL, 0));
        for (k = 0; k < LLAMA_LINEARS_PER_LAYER; k++) {
            int wt = llama__L(m, l, llama__gguf_ws[k]), bt = llama__L(m, l, llama__gguf_bs[k]), perm = llama__gguf_perm(c, k);
            snprintf(name, sizeof name, "blk.%d.%s.weight", l, llama__gguf_kinds[k]);
            merged = llama__gguf_merged(m, ad, wt, l * LLAMA_LINEARS_PER_LAYER + k, &s);
            if (s != LORA_OK) return s;
            s = llama__gguf_add(w, m, wt, name, dtype, merged, perm);
            lora_free(merged);
            if (s != LORA_OK) return s;
            if (bt >= 0) {
                snprintf(name, sizeof name, "blk.%d.%s.bias", l, llama__gguf_kinds[k]);
                merged = llama__gguf_merged(m, ad, bt, -1, &s);
                if (s != LORA_OK) return s;
                s = llama__gguf_add(w, m, bt, name, dtype, merged, perm);
                lora_free(merged);
                if (s != LORA_OK) return s;
            }
            if (k == 3 && llama__qk_norm(c)) { /* qwen3 (refused above; kept for the names) */
                snprintf(name, sizeof name, "blk.%d.attn_q_norm.weight", l);
                LLAMA__TRY(llama__gguf_add(w, m, llama__L(m, l, LLAMA__QN), name, dtype, NULL, 0));
                snprintf(name, sizeof name, "blk.%d.attn_k_norm.weight", l);
                LLAMA__TRY(llama__gguf_add(w, m, llama__L(m, l, LLAMA__KN), name, dtype, NULL, 0));
            }
            if (k == 3) {
                snprintf(name, sizeof name, "blk.%d.ffn_norm.weight", l);
                LLAMA__TRY(llama__gguf_add(w, m, llama__L(m, l, LLAMA__LN2), name, dtype, NULL, 0));
            }
        }
    }
    LLAMA__TRY(llama__gguf_add(w, m, m->t_norm, "output_norm.weight", dtype, NULL, 0));
    /* output: the untied lm_head; a tied one only when an adapter on lm_head is merged (into a copy of the embedding) */
    if (!c->tie_word_embeddings || head_adapted) {
        merged = llama__gguf_merged(m, ad, m->t_head, m->n_linears - 1, &s);
        if (s != LORA_OK) return s;
        s = llama__gguf_add(w, m, m->t_head, "output.weight", dtype, merged, 0);
        lora_free(merged);
        if (s != LORA_OK) return s;
    }
    if (c->rope_type == LLAMA_ROPE_LLAMA3) {
        int64_t ne = c->head_dim / 2;
        if (!(factors = (float *)lora_malloc((size_t)ne * sizeof(float), "rope_freqs"))) return LORA_ERR_OOM;
        llama__gguf_rope_factors(c, factors);
        s = lora_gguf_add_tensor(w, "rope_freqs.weight", 1, &ne, LORA_GGML_F32, factors, LORA_GGUF_COPY);
        lora_free(factors);
        if (s != LORA_OK) return s;
    }
#undef LLAMA__TRY
    return LORA_OK;
}

static lora_status llama__op_gguf_module(const lora_model *b, int module, char name[LORA_GGUF_MAX_NAME], int *permute_heads) {
    const llama_model *m = llama__ofc(b);
    lora_status s;
    *permute_heads = 0;
    if ((s = llama__gguf_supported(&m->cfg, "GGUF adapter")) != LORA_OK) return s;
    if (module < 0 || module >= m->n_linears)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama: module %d out of range (%d modules)", module, m->n_linears);
    if (module == m->n_linears - 1) {
        if (m->cfg.tie_word_embeddings)
            return lora_fail(LORA_ERR_UNSUPPORTED, "lm_head is tied to the token embedding: llama.cpp cannot apply a LoRA to it "
                             "(export the merged model instead)");
        snprintf(name, LORA_GGUF_MAX_NAME, "output.weight");
        return LORA_OK;
    }
    snprintf(name, LORA_GGUF_MAX_NAME, "blk.%d.%s.weight", module / LLAMA_LINEARS_PER_LAYER,
             llama__gguf_kinds[module % LLAMA_LINEARS_PER_LAYER]);
    *permute_heads = llama__gguf_perm(&m->cfg, module % LLAMA_LINEARS_PER_LAYER);
    return LORA_OK;
}

/* ---- import ---- */
static lora_status llama__gguf_int(const lora_gguf *g, const char *arch, const char *suffix, int *out, int required) {
    char key[96];
    int64_t v;
    lora_status s;
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    s = lora_gguf_get_int(g, key, &v);
    if (s == LORA_ERR_NOT_FOUND && !required) return LORA_OK;
    if (s == LORA_ERR_NOT_FOUND) return lora_fail(s, "%s: key '%s' is missing (a %s GGUF model needs it)", g->path, key, arch);
    if (s != LORA_OK) return s;
    if (v <= 0 || v > (1 << 30)) return lora_fail(LORA_ERR_FORMAT, "%s: key '%s' = %lld is out of range", g->path, key, (long long)v);
    *out = (int)v;
    return LORA_OK;
}

/* Llama 3's rope scaling from rope_freqs (the divisors): the parameters that reproduce them */
static lora_status llama__gguf_llama3(const lora_gguf *g, const lora_gguf_tensor *t, llama_config *c) {
    static const double los[] = {1.0, 0.5, 2.0}, his[] = {4.0, 2.0, 8.0};
    float f[4096 / 2], want[4096 / 2];
    int n = c->head_dim / 2, i, a, b2, k;
    double mx = 0;
    lora_status s;
    if (t->n_dims != 1 || t->ne[0] != n)
        return lora_fail(LORA_ERR_SHAPE, "%s: rope_freqs.weight: expected ne (%d)", g->path, n);
    if ((s = lora_gguf_tensor_f32(g, t, f, n)) != LORA_OK) return s;
    for (i = 0; i < n; i++) {
        if (!(f[i] >= 1.0f) || f[i] > 1e6f)
            return lora_fail(LORA_ERR_FORMAT, "%s: rope_freqs.weight[%d] = %g is not a Llama 3 rope factor", g->path, i, (double)f[i]);
        if (f[i] > mx) mx = f[i];
    }
    c->rope_type = LLAMA_ROPE_LLAMA3;
    /* Llama 3.x's own parameters first (factor 8 or 32, 1, 4, 8192: the factor need not appear in a
       small head's factors), then any power-of-two original context */
    for (a = 0; a < 6; a++) {
        static const double fs[6] = {0, 8, 32, 16, 4, 2};
        int ok = 1;
        c->rope_factor = a ? fs[a] : mx;
        c->rope_low_freq_factor = 1.0; c->rope_high_freq_factor = 4.0; c->rope_original_max_position = 8192;
        llama__gguf_rope_factors(c, want);
        for (i = 0; i < n && ok; i++) ok = fabsf(want[i] - f[i]) <= 1e-5f * f[i];
        if (ok) return LORA_OK;
    }
    c->rope_factor = mx;
    for (a = 0; a < 3; a++)
        for (b2 = 0; b2 < 3; b2++)
            for (k = 0; k <= 24; k++) {
                int ok = 1;
                c->rope_low_freq_factor = los[a];
                c->rope_high_freq_factor = his[b2];
                c->rope_original_max_position = 1 << k;
                llama__gguf_rope_factors(c, want);
                for (i = 0; i < n && ok; i++) ok = fabsf(want[i] - f[i]) <= 1e-5f * f[i];
                if (ok) return LORA_OK;
            }
    return lora_fail(LORA_ERR_UNSUPPORTED, "%s: rope_freqs.weight is not Llama 3's scaling with a power-of-two original context", g->path);
}

static lora_status llama__load_gguf(const char *path, lora_pool *pool, llama_model **out) {
    lora_gguf *g = NULL;
    llama_model *m = NULL;
    llama_config cfg;
    const char *arch = NULL, *type = NULL;
    const lora_gguf_tensor *te, *ft;
    float *tmp = NULL;
    lora_status s;
    double v;
    int k, l, ff = 0, kl = 0;
    size_t i;
    char name[LORA_GGUF_MAX_NAME];
    *out = NULL;
    if ((s = lora_gguf_open(path, &g)) != LORA_OK) return s;
    if ((s = lora_gguf_get_str(g, "general.architecture", &arch)) != LORA_OK) goto done;
    if (lora_gguf_get_str(g, "general.type", &type) == LORA_OK && strcmp(type, "model") != 0) {
        s = lora_fail(LORA_ERR_FORMAT, "%s: general.type is \"%s\", not a model (a LoRA adapter GGUF is not a base model)", path, type);
        goto done;
    }
    if (strcmp(arch, "llama") == 0) llama__config_defaults(&cfg, LLAMA_ARCH_LLAMA);
    else if (strcmp(arch, "qwen2") == 0) llama__config_defaults(&cfg, LLAMA_ARCH_QWEN2);
    else if (strcmp(arch, "qwen3") == 0) llama__config_defaults(&cfg, LLAMA_ARCH_QWEN3);
    else {
        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: general.architecture is \"%s\", not llama, qwen2 or qwen3", path, arch);
        goto done;
    }
    cfg.bos_token_id = -1; cfg.n_eos = 0; cfg.sliding_window = 0; cfg.use_sliding_window = 0;
    if ((s = llama__gguf_int(g, arch, "block_count", &cfg.n_layer, 1)) != LORA_OK ||
        (s = llama__gguf_int(g, arch, "context_length", &cfg.max_position_embeddings, 1)) != LORA_OK ||
        (s = llama__gguf_int(g, arch, "embedding_length", &cfg.hidden_size, 1)) != LORA_OK ||
        (s = llama__gguf_int(g, arch, "feed_forward_length", &ff, 1)) != LORA_OK ||
        (s = llama__gguf_int(g, arch, "attention.head_count", &cfg.n_head, 1)) != LORA_OK)
        goto done;
    cfg.intermediate_size = ff;
    cfg.n_kv_head = cfg.n_head;
    if ((s = llama__gguf_int(g, arch, "attention.head_count_kv", &cfg.n_kv_head, 0)) != LORA_OK) goto done;
    cfg.head_dim = cfg.hidden_size / cfg.n_head;
    if ((s = llama__gguf_int(g, arch, "attention.key_length", &cfg.head_dim, 0)) != LORA_OK) goto done;
    kl = cfg.head_dim;
    if ((s = llama__gguf_int(g, arch, "attention.value_length", &kl, 0)) != LORA_OK) goto done;
    if ((s = llama__gguf_int(g, arch, "rope.dimension_count", &kl, 0)) != LORA_OK) goto done;
    if (kl != cfg.head_dim) {
        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: value_length / rope.dimension_count %d differs from the head size %d (partial rotary "
                      "or odd value heads are not supported)", path, kl, cfg.head_dim);
        goto done;
    }
    snprintf(name, sizeof name, "%s.rope.freq_base", arch);
    if ((s = lora_gguf_get_float(g, name, &v)) == LORA_OK) cfg.rope_theta = v;
    else if (s != LORA_ERR_NOT_FOUND) goto done;
    snprintf(name, sizeof name, "%s.attention.layer_norm_rms_epsilon", arch);
    if ((s = lora_gguf_get_float(g, name, &v)) != LORA_OK) goto done;
    cfg.rms_norm_eps = v;
    snprintf(name, sizeof name, "%s.rope.scaling.type", arch);
    {
        const char *st = NULL;
        if (lora_gguf_get_str(g, name, &st) == LORA_OK && strcmp(st, "none") != 0) {
            if (strcmp(st, "linear") != 0) {
                s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: %s \"%s\" is not supported (linear or none)", path, name, st);
                goto done;
            }
            snprintf(name, sizeof name, "%s.rope.scaling.factor", arch);
            if ((s = lora_gguf_get_float(g, name, &v)) != LORA_OK) goto done;
            cfg.rope_type = LLAMA_ROPE_LINEAR;
            cfg.rope_factor = v;
        }
    }
    if (!(te = lora_gguf_find_tensor(g, "token_embd.weight")) || te->n_dims != 2 || te->ne[0] != cfg.hidden_size ||
        te->ne[1] <= 0 || te->ne[1] > (1 << 24)) {
        s = lora_fail(LORA_ERR_FORMAT, "%s: token_embd.weight is missing or not (%d, vocab)", path, cfg.hidden_size);
        goto done;
    }
    cfg.vocab_size = (int)te->ne[1];
    cfg.tie_word_embeddings = lora_gguf_find_tensor(g, "output.weight") == NULL;
    if (cfg.arch == LLAMA_ARCH_LLAMA) {
        cfg.attention_bias = lora_gguf_find_tensor(g, "blk.0.attn_q.bias") != NULL;
        cfg.mlp_bias = lora_gguf_find_tensor(g, "blk.0.ffn_gate.bias") != NULL;
    } else if (cfg.arch == LLAMA_ARCH_QWEN3) cfg.attention_bias = lora_gguf_find_tensor(g, "blk.0.attn_q.bias") != NULL;
    if ((ft = lora_gguf_find_tensor(g, "rope_freqs.weight")) != NULL && (s = llama__gguf_llama3(g, ft, &cfg)) != LORA_OK) goto done;
    {
        int64_t id;
        if (lora_gguf_get_int(g, "tokenizer.ggml.bos_token_id", &id) == LORA_OK && id >= 0 && id < cfg.vocab_size) cfg.bos_token_id = (int32_t)id;
        if (lora_gguf_get_int(g, "tokenizer.ggml.eos_token_id", &id) == LORA_OK && id >= 0 && id < cfg.vocab_size) {
            cfg.n_eos = 1; cfg.eos[0] = (int32_t)id;
        }
    }
    {
        const char *gn = NULL;
        if (lora_gguf_get_str(g, "general.name", &gn) == LORA_OK) snprintf(cfg.name_or_path, sizeof cfg.name_or_path, "%s", gn);
    }
    llama__config_windows(&cfg);
    if ((s = llama_config_check(&cfg)) != LORA_OK) { s = lora_fail(LORA_ERR_FORMAT, "%s: %s", path, lora_last_error()); goto done; }
    if ((s = llama__model_new(&cfg, pool, 0, &m)) != LORA_OK) goto done;
    m->params = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "llama weights");
    if (!m->params) { s = LORA_ERR_OOM; goto done; }
    memset(m->params, 0, m->n_floats * sizeof(float));
    /* every model tensor from its GGUF name, with its shape */
    for (k = -3; k < cfg.n_layer * (LLAMA__PER_LAYER + 0); k++) {
        int idx, perm = 0, bias = 0;
        const llama__tensor *t;
        int64_t ne0, ne1;
        if (k == -3) { idx = m->t_embed; snprintf(name, sizeof name, "token_embd.weight"); }
        else if (k == -2) { idx = m->t_norm; snprintf(name, sizeof name, "output_norm.weight"); }
        else if (k == -1) {
            if (cfg.tie_word_embeddings) continue;
            idx = m->t_head; snprintf(name, sizeof name, "output.weight");
        } else {
            int slot = k % LLAMA__PER_LAYER, j;
            l = k / LLAMA__PER_LAYER;
            idx = llama__L(m, l, slot);
            if (idx < 0) continue;
            if (slot == LLAMA__LN1) snprintf(name, sizeof name, "blk.%d.attn_norm.weight", l);
            else if (slot == LLAMA__LN2) snprintf(name, sizeof name, "blk.%d.ffn_norm.weight", l);
            else if (slot == LLAMA__QN) snprintf(name, sizeof name, "blk.%d.attn_q_norm.weight", l);
            else if (slot == LLAMA__KN) snprintf(name, sizeof name, "blk.%d.attn_k_norm.weight", l);
            else
                for (j = 0; j < LLAMA_LINEARS_PER_LAYER; j++) {
                    if (slot == llama__gguf_ws[j] || slot == llama__gguf_bs[j]) {
                        bias = slot == llama__gguf_bs[j];
                        snprintf(name, sizeof name, "blk.%d.%s.%s", l, llama__gguf_kinds[j], bias ? "bias" : "weight");
                        perm = llama__gguf_perm(&cfg, j);
                    }
                }
        }
        t = &m->tensors[idx];
        ne0 = t->ndim == 1 ? t->shape[0] : t->shape[1];
        ne1 = t->ndim == 1 ? 1 : t->shape[0];
        if (!(ft = lora_gguf_find_tensor(g, name))) {
            s = lora_fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found (a %d-layer %s needs it)", path, name, cfg.n_layer, arch);
            goto done;
        }
        if (ft->ne[0] != ne0 || ft->ne[1] != ne1 || ft->ne[2] != 1 || ft->ne[3] != 1) {
            s = lora_fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected ne (%lld, %lld), found (%lld, %lld, %lld, %lld)", path, name,
                          (long long)ne0, (long long)ne1, (long long)ft->ne[0], (long long)ft->ne[1], (long long)ft->ne[2],
                          (long long)ft->ne[3]);
            goto done;
        }
        if (perm > 0) {
            if (!(tmp = (float *)lora_malloc((size_t)t->numel * sizeof(float), "GGUF permutation buffer"))) { s = LORA_ERR_OOM; goto done; }
            if ((s = lora_gguf_tensor_f32(g, ft, tmp, t->numel)) != LORA_OK) goto done;
            if ((s = lora_gguf_permute_rows(tmp, llama__t(m, idx), t->shape[0], t->ndim == 1 ? 1 : t->shape[1], perm, 1)) != LORA_OK) {
                s = lora_fail(s, "%s: %s: %s", path, name, lora_last_error());
                goto done;
            }
            lora_free(tmp);
            tmp = NULL;
        } else if ((s = lora_gguf_tensor_f32(g, ft, llama__t(m, idx), t->numel)) != LORA_OK) goto done;
    }
    /* every other tensor is a mistake (a LoRA adapter's, another architecture's) */
    for (i = 0; i < g->n_tensors; i++) {
        const char *n = g->tensors[i].name;
        int known = strcmp(n, "token_embd.weight") == 0 || strcmp(n, "output_norm.weight") == 0 ||
                    strcmp(n, "output.weight") == 0 || strcmp(n, "rope_freqs.weight") == 0;
        if (!known && strncmp(n, "blk.", 4) == 0) {
            char *end;
            long li = strtol(n + 4, &end, 10);
            if (end != n + 4 && *end == '.' && li >= 0 && li < cfg.n_layer) {
                const char *rest = end + 1;
                int j;
                if (strcmp(rest, "attn_norm.weight") == 0 || strcmp(rest, "ffn_norm.weight") == 0 ||
                    (llama__qk_norm(&cfg) && (strcmp(rest, "attn_q_norm.weight") == 0 || strcmp(rest, "attn_k_norm.weight") == 0)))
                    known = 1;
                for (j = 0; j < LLAMA_LINEARS_PER_LAYER && !known; j++) {
                    size_t kl2 = strlen(llama__gguf_kinds[j]);
                    if (strncmp(rest, llama__gguf_kinds[j], kl2) == 0 &&
                        (strcmp(rest + kl2, ".weight") == 0 || (strcmp(rest + kl2, ".bias") == 0 && llama__L(m, (int)li, llama__gguf_bs[j]) >= 0)))
                        known = 1;
                }
            }
        }
        if (!known) {
            s = lora_fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (not part of a %d-layer %s)", path, n, cfg.n_layer, arch);
            goto done;
        }
    }
done:
    lora_free(tmp);
    lora_gguf_close(g);
    if (s != LORA_OK) { llama_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}

/* ---- llama/50_model.impl.c ---- */
/* ---- adapters, training switches, the engine's model interface, the family ---- */

/* PEFT refuses targets that hit modules it cannot adapt (norms, attention and MLP blocks,
   the embedding, rotary_emb, act_fn): name the family's other modules so those fail too. */
static lora_status llama__check_targets(const llama_model *m, const lora_target_spec *spec) {
    static const char *const per_layer[] = {"", ".self_attn", ".self_attn.q_norm", ".self_attn.k_norm", ".mlp", ".mlp.act_fn",
                                            ".input_layernorm", ".post_attention_layernorm"};
    static const char *const top[] = {"model", "model.embed_tokens", "model.layers", "model.norm", "model.rotary_emb"};
    size_t n_per = sizeof per_layer / sizeof per_layer[0], n_top = sizeof top / sizeof top[0], i, k = 0;
    size_t n = n_top + (size_t)m->cfg.n_layer * n_per;
    char **names = (char **)lora_calloc(n, sizeof *names, "module names");
    lora_status s = LORA_OK;
    int l, qk = llama__qk_norm(&m->cfg);
    if (!names) return LORA_ERR_OOM;
    for (i = 0; i < n_top && s == LORA_OK; i++) if (!(names[k++] = lora_strdup(top[i]))) s = LORA_ERR_OOM;
    for (l = 0; l < m->cfg.n_layer && s == LORA_OK; l++)
        for (i = 0; i < n_per && s == LORA_OK; i++) {
            char buf[96];
            if (!qk && (i == 2 || i == 3)) continue;
            snprintf(buf, sizeof buf, "model.layers.%d%s", l, per_layer[i]);
            if (!(names[k++] = lora_strdup(buf))) s = LORA_ERR_OOM;
        }
    if (s == LORA_OK) s = lora_check_unsupported_targets(spec, (const char *const *)names, (int)k);
    for (i = 0; i < k; i++) lora_free(names[i]);
    lora_free(names);
    return s;
}

static int llama__bias_layer(const llama_model *m, const char *name) {
    int l;
    if (sscanf(name, "model.layers.%d.", &l) == 1 && l >= 0 && l < m->cfg.n_layer) return l;
    return -1;
}

static lora_status llama__check_adapter(const llama_model *m, const lora_adapter *ad) {
    int i;
    if (ad->n_model_modules != m->n_linears)
        return lora_fail(LORA_ERR_SHAPE, "adapter was made for a model with %d linear modules, this model has %d", ad->n_model_modules, m->n_linears);
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *lm = &ad->modules[i];
        const lora_module_desc *d = &m->descs[lm->index];
        if (strcmp(lm->name, d->name) != 0 || lm->in != d->in || lm->out != d->out)
            return lora_fail(LORA_ERR_SHAPE, "adapter module %s (%d -> %d) does not fit this model's %s (%d -> %d)",
                             lm->name, lm->in, lm->out, d->name, d->in, d->out);
    }
    for (i = 0; i < ad->n_biases; i++) {
        int ti = llama__find_tensor(m, ad->biases[i].name);
        if (ti < 0 || m->tensors[ti].numel != ad->biases[i].n)
            return lora_fail(LORA_ERR_SHAPE, "adapter bias %s (%d values) does not fit this model", ad->biases[i].name, ad->biases[i].n);
    }
    return LORA_OK;
}

static lora_status llama__adapter_create(const llama_model *m, const lora_config *cfg, lora_adapter **out) {
    lora_status s;
    lora_adapter *ad;
    int i;
    *out = NULL;
    if ((s = llama__check_targets(m, &cfg->target)) != LORA_OK) return s;
    if ((s = lora_adapter_create(cfg, m->descs, m->n_linears, &ad)) != LORA_OK) return s;
    if (cfg->bias != LORA_BIAS_NONE) {
        for (i = 0; i < m->n_tensors && s == LORA_OK; i++) {
            const llama__tensor *t = &m->tensors[i];
            const char *dot = strrchr(t->name, '.');
            int take;
            if (!dot || strcmp(dot, ".bias") != 0) continue;
            if (cfg->bias == LORA_BIAS_ALL) take = 1;
            else {
                char mod[80];
                size_t n = (size_t)(dot - t->name);
                memcpy(mod, t->name, n); mod[n] = 0;
                take = lora_adapter_find(ad, mod) != NULL;
            }
            if (!take) continue;
            if (!m->params) {
                float *zero = (float *)lora_calloc((size_t)t->numel, sizeof(float), "bias");
                s = zero ? lora_adapter_add_bias(ad, t->name, zero, (int)t->numel) : LORA_ERR_OOM;
                lora_free(zero);
            } else s = lora_adapter_add_bias(ad, t->name, llama__t(m, i), (int)t->numel);
            if (s == LORA_OK) lora_adapter_find_bias(ad, t->name)->layer = llama__bias_layer(m, t->name);
        }
        if (s != LORA_OK) { lora_adapter_free(ad); return s; }
    }
    *out = ad;
    return LORA_OK;
}

static lora_status llama__adapter_load(const llama_model *m, const char *dir, lora_adapter **out, char **warnings) {
    lora_status s;
    int i;
    if ((s = lora_adapter_load_defaults(dir, m->descs, m->n_linears, m->base.info.default_targets, m->base.info.n_default_targets,
                                        out, warnings)) != LORA_OK)
        return s;
    if ((s = llama__check_targets(m, &(*out)->config.target)) != LORA_OK || (s = llama__check_adapter(m, *out)) != LORA_OK) {
        lora_adapter_free(*out);
        *out = NULL;
        return s;
    }
    for (i = 0; i < (*out)->n_biases; i++) (*out)->biases[i].layer = llama__bias_layer(m, (*out)->biases[i].name);
    return LORA_OK;
}

static lora_status llama__merge(llama_model *m, lora_adapter *ad, int sign) {
    lora_status s;
    int i;
    if (!ad || (sign != 1 && sign != -1)) return lora_fail(LORA_ERR_INVALID_ARG, "llama merge: bad arguments");
    if ((s = llama__check_adapter(m, ad)) != LORA_OK) return s;
    for (i = 0; i < ad->n_modules; i++)
        if (ad->modules[i].index == m->n_linears - 1 && m->cfg.tie_word_embeddings)
            return lora_fail(LORA_ERR_UNSUPPORTED, "merging into lm_head is refused: it is tied to model.embed_tokens.weight "
                             "(merging would change the input embedding too)");
    for (i = 0; i < ad->n_modules; i++)
        lora_module_merge(&ad->modules[i], llama__t(m, m->lin_w[ad->modules[i].index]), 0, (float)sign);
    if (sign > 0)
        for (i = 0; i < ad->n_biases; i++) {
            int ti = llama__find_tensor(m, ad->biases[i].name);
            memcpy(llama__t(m, ti), ad->biases[i].value, sizeof(float) * (size_t)ad->biases[i].n);
        }
    if (m->acts) m->acts->has_forward = 0;
    return LORA_OK;
}

static lora_status llama__trainable(llama_model *m, lora_param **params, int *n) {
    lora_param *p;
    int i, k = 0, cap;
    *params = NULL; *n = 0;
    if (m->full) {
        if (!(p = (lora_param *)lora_calloc((size_t)m->n_tensors, sizeof *p, "parameter list"))) return LORA_ERR_OOM;
        for (i = 0; i < m->n_tensors; i++) {
            p[i].name = m->tensors[i].name; p[i].value = llama__t(m, i);
            p[i].grad = m->grads + m->tensors[i].offset; p[i].n = m->tensors[i].numel;
        }
        *params = p; *n = m->n_tensors;
        return LORA_OK;
    }
    if (!m->adapter) return lora_fail(LORA_ERR_INVALID_ARG, "llama: no adapter attached and full fine-tuning off: nothing is trainable");
    cap = 2 * m->adapter->n_modules + m->adapter->n_biases;
    if (!(p = (lora_param *)lora_calloc((size_t)(cap ? cap : 1), sizeof *p, "parameter list"))) return LORA_ERR_OOM;
    /* named_parameters() order: base_layer.weight, base_layer.bias, lora_A, lora_B per module */
    for (i = 0; i < m->n_linears; i++) {
        lora_module *lm = lora_adapter_module(m->adapter, i);
        lora_bias_param *bp = llama__adapter_bias(m, m->lin_b[i]);
        if (bp) { p[k].name = bp->name; p[k].value = bp->value; p[k].grad = bp->grad; p[k].n = bp->n; k++; }
        if (lm) {
            p[k].name = lm->name_A; p[k].value = lm->A; p[k].grad = lm->dA; p[k].n = (int64_t)lm->r * lm->in; k++;
            p[k].name = lm->name_B; p[k].value = lm->B; p[k].grad = lm->dB; p[k].n = (int64_t)lm->r * lm->out; k++;
        }
    }
    *params = p; *n = k;
    return LORA_OK;
}

/* ---- lora_model_ops ---- */
static llama_model *llama__of(lora_model *b) { return (llama_model *)(void *)b; }
static const llama_model *llama__ofc(const lora_model *b) { return (const llama_model *)(const void *)b; }
static lora_status llama__weights(const llama_model *m, const char *what) {
    if (m->params) return LORA_OK;
    return lora_fail(LORA_ERR_INVALID_ARG, "%s: this %s model was opened as a shape only (no weights)", what, llama_arch_name(m->cfg.arch));
}
static void llama__op_destroy(lora_model *b) { llama_model_free(llama__of(b)); }
static void llama__op_set_pool(lora_model *b, lora_pool *pool) { llama__of(b)->pool = pool; }
static lora_pool *llama__op_pool(const lora_model *b) { return llama__ofc(b)->pool; }
static lora_status llama__op_adapter_create(const lora_model *b, const lora_config *cfg, lora_adapter **out) {
    return llama__adapter_create(llama__ofc(b), cfg, out);
}
static lora_status llama__op_adapter_load(const lora_model *b, const char *dir, lora_adapter **out, char **warnings) {
    return llama__adapter_load(llama__ofc(b), dir, out, warnings);
}
static lora_status llama__op_set_adapter(lora_model *b, lora_adapter *ad) {
    llama_model *m = llama__of(b);
    lora_status s;
    if (ad && (s = llama__check_adapter(m, ad)) != LORA_OK) return s;
    m->adapter = ad;
    if (m->acts) m->acts->has_forward = 0;
    return LORA_OK;
}
static lora_adapter *llama__op_adapter(const lora_model *b) { return llama__ofc(b)->adapter; }
static lora_status llama__op_merge(lora_model *b, lora_adapter *ad, int sign) {
    lora_status s = llama__weights(llama__of(b), "lora_model_merge");
    return s != LORA_OK ? s : llama__merge(llama__of(b), ad, sign);
}
static lora_status llama__op_set_full(lora_model *b, int on) {
    llama_model *m = llama__of(b);
    lora_status s = llama__weights(m, "lora_model_set_full_finetune");
    if (s != LORA_OK) return s;
    if (on && !m->grads) {
        if (!(m->grads = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "gradients for full fine-tuning"))) return LORA_ERR_OOM;
        memset(m->grads, 0, m->n_floats * sizeof(float));
    } else if (!on && m->grads) {
        lora_free_aligned(m->grads);
        m->grads = NULL;
    }
    m->full = on != 0;
    return LORA_OK;
}
static void llama__op_set_training(lora_model *b, int training, uint64_t seed) {
    llama_model *m = llama__of(b);
    m->training = training != 0; m->dropout_seed = seed; m->dropout_step = 0;
}
static uint64_t llama__op_dropout_step(const lora_model *b) { return llama__ofc(b)->dropout_step; }
static void llama__op_set_dropout_step(lora_model *b, uint64_t s) { llama__of(b)->dropout_step = s; }
static lora_status llama__op_forward(lora_model *b, const int32_t *in, const int32_t *lab, const int32_t *pos, int B, int T, float *loss) {
    lora_status s = llama__weights(llama__of(b), "lora_model_forward");
    if (loss) *loss = NAN;
    return s != LORA_OK ? s : llama__forward(llama__of(b), in, lab, pos, B, T, loss);
}
static const float *llama__op_logits(const lora_model *b) {
    const llama_model *m = llama__ofc(b);
    return m->acts && m->acts->has_forward && !m->acts->fused ? m->acts->logits : NULL;
}
static lora_status llama__op_backward(lora_model *b) { return llama__backward(llama__of(b)); }
static void llama__op_zero_grad(lora_model *b) {
    llama_model *m = llama__of(b);
    if (m->grads) memset(m->grads, 0, m->n_floats * sizeof(float));
    lora_adapter_zero_grad(m->adapter);
}
static lora_status llama__op_params(lora_model *b, lora_param **p, int *n) { return llama__trainable(llama__of(b), p, n); }
static lora_status llama__op_save(const lora_model *b, const char *path) { return llama_model_save(llama__ofc(b), path); }
static void llama__op_estimate(const lora_model *b, const lora_adapter *ad, int full, int B, int T, int threads, lora_memory_estimate *out) {
    llama__estimate(&llama__ofc(b)->cfg, ad, full, B, T, threads, out);
}
static size_t llama__op_memory(const lora_model *b) {
    const llama_model *m = llama__ofc(b);
    size_t n = 0;
    if (m->params) n += m->n_floats * sizeof(float);
    if (m->grads) n += m->n_floats * sizeof(float);
    if (m->acts) n += (m->acts->n_floats + m->acts->logits_floats) * sizeof(float) + m->acts->mask_bytes + m->acts->ws_bytes;
    return n;
}
static lora_status llama__op_kv_create(const lora_model *b, int max_T, lora_kv **out) {
    lora_status s = llama__weights(llama__ofc(b), "lora_kv_create");
    return s != LORA_OK ? s : llama__kv_create(llama__ofc(b), max_T, (llama__kv **)(void *)out);
}
static void llama__op_kv_free(lora_kv *kv) { llama__kv_free((llama__kv *)(void *)kv); }
static void llama__op_kv_reset(lora_kv *kv) {
    llama__kv *k = (llama__kv *)(void *)kv;
    if (k) { k->len = 0; k->model = NULL; k->adapter = NULL; }
}
static lora_status llama__op_kv_truncate(lora_kv *kv, int n) {
    llama__kv *k = (llama__kv *)(void *)kv;
    if (!k) return lora_fail(LORA_ERR_INVALID_ARG, "lora_kv_truncate: cache is NULL");
    if (n < 0 || n > k->len) return lora_fail(LORA_ERR_RANGE, "lora_kv_truncate: %d is outside [0, %d] (tokens cached)", n, k->len);
    k->len = n;
    if (n == 0) llama__op_kv_reset(kv);
    return LORA_OK;
}
static int llama__op_kv_length(const lora_kv *kv) { return kv ? ((const llama__kv *)(const void *)kv)->len : 0; }
static int llama__op_kv_capacity(const lora_kv *kv) { return kv ? ((const llama__kv *)(const void *)kv)->max_T : 0; }
static size_t llama__op_kv_memory(const lora_kv *kv) { return kv ? ((const llama__kv *)(const void *)kv)->bytes : 0; }
static lora_status llama__op_forward_cached(lora_model *b, lora_kv *kv, const int32_t *tokens, int n, float *logits) {
    return llama__forward_cached(llama__of(b), (llama__kv *)(void *)kv, tokens, n, logits);
}

static const lora_model_ops llama__ops = {
    llama__op_destroy, llama__op_set_pool, llama__op_pool,
    llama__op_adapter_create, llama__op_adapter_load, llama__op_set_adapter, llama__op_adapter, llama__op_merge,
    llama__op_set_full, llama__op_set_training, llama__op_dropout_step, llama__op_set_dropout_step,
    llama__op_forward, llama__op_logits, llama__op_backward, llama__op_zero_grad, llama__op_params,
    llama__op_save, llama__op_estimate, llama__op_memory,
    llama__op_kv_create, llama__op_kv_free, llama__op_kv_reset, llama__op_kv_truncate, llama__op_kv_length,
    llama__op_kv_capacity, llama__op_kv_memory, llama__op_forward_cached,
    llama__op_gguf_write, llama__op_gguf_module
};

/* PEFT's default target_modules for llama / mistral / qwen2 / qwen3 */
static const char *const llama__default_targets[] = {"q_proj", "v_proj"};

static lora_status llama__base_init(llama_model *m) {
    lora_model_info *in = &m->base.info;
    const llama_config *c = &m->cfg;
    static const char *const pretty[] = {"Llama", "Mistral", "Qwen2", "Qwen3"};
    int l, nwin = 0;
    m->base.ops = &llama__ops;
    memset(in, 0, sizeof *in);
    in->family = "llama";
    in->name_or_path = m->name_or_path;
    in->vocab_size = c->vocab_size;
    in->max_seq = c->max_position_embeddings;
    in->n_layer = c->n_layer;
    in->eos = c->n_eos > 0 && c->eos[0] < c->vocab_size ? c->eos[0] : -1;
    in->fan_in_fan_out = 0;
    in->num_params = llama_config_num_params(c);
    in->n_modules = m->n_linears;
    in->modules = m->descs;
    in->module_layer = m->module_layer;
    in->n_default_targets = 2;
    in->default_targets = llama__default_targets;
    in->tied_output = c->tie_word_embeddings;
    in->n_stop = c->n_eos;
    in->stop_ids = c->eos;
    in->gguf_arch = llama__gguf_arch_of(c);
    for (l = 0; l < c->n_layer; l++) nwin += llama_config_layer_window(c, l) > 0;
    snprintf(m->summary, sizeof m->summary, "%s: %d layers, hidden %d, %d heads / %d kv heads of %d, MLP %d, vocab %d, "
             "%d positions, rope theta %g%s%s%s", pretty[c->arch], c->n_layer, c->hidden_size, c->n_head, c->n_kv_head,
             c->head_dim, c->intermediate_size, c->vocab_size, c->max_position_embeddings, c->rope_theta,
             c->rope_type == LLAMA_ROPE_LLAMA3 ? " (llama3 scaling)" : c->rope_type == LLAMA_ROPE_LINEAR ? " (linear scaling)" :
             c->rope_type == LLAMA_ROPE_DYNAMIC ? " (dynamic scaling)" : "",
             nwin ? ", sliding window" : "", c->tie_word_embeddings ? " (lm_head tied)" : "");
    in->summary = m->summary;
    if (c->name_or_path[0]) return llama_model_set_name(m, c->name_or_path);
    return LORA_OK;
}

LORA_API lora_model *llama_model_base(llama_model *m) { return m ? &m->base : NULL; }
LORA_API llama_model *llama_model_from_base(lora_model *b) { return b && b->ops == &llama__ops ? llama__of(b) : NULL; }

LORA_API lora_status llama_model_set_name(llama_model *m, const char *name_or_path) {
    char *copy = NULL;
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "llama_model_set_name: model is NULL");
    if (name_or_path && !(copy = lora_strdup(name_or_path))) return LORA_ERR_OOM;
    lora_free(m->name_or_path);
    m->name_or_path = copy;
    m->base.info.name_or_path = copy;
    return LORA_OK;
}

/* ---- the family ---- */
static const char *const llama__model_types[] = {"llama", "mistral", "qwen2", "qwen3", NULL};
static const char *const llama__preset_names[] = {"smollm2-135m", "smollm2-360m", "qwen2.5-0.5b", "qwen3-0.6b", "llama-3.2-1b",
                                                  "tinyllama-1.1b", "mistral-7b", "tiny-llama", "tiny-llama3", "tiny-qwen2",
                                                  "tiny-qwen3", "tiny-mistral", NULL};

/* What Hugging Face records for from_pretrained(dir): the directory of the weights. */
static lora_status llama__name_from_path(llama_model *m, const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    size_t n;
    if (!slash) return llama_model_set_name(m, ".");
    n = slash == path ? 1 : (size_t)(slash - path);
    if (!(dir = (char *)lora_malloc(n + 1, "model name"))) return LORA_ERR_OOM;
    memcpy(dir, path, n);
    dir[n] = 0;
    s = llama_model_set_name(m, dir);
    lora_free(dir);
    return s;
}
static lora_status llama__family_load(const char *path, const char *config_path, lora_pool *pool, lora_model **out) {
    llama_model *m;
    lora_status s = llama_model_load(path, config_path, pool, &m);
    if (s != LORA_OK) return s;
    if ((s = llama__name_from_path(m, path)) != LORA_OK) { llama_model_free(m); return s; }
    *out = &m->base;
    return LORA_OK;
}
static lora_status llama__family_preset(const char *preset, uint64_t seed, lora_pool *pool, lora_model **out) {
    llama_config cfg;
    llama_model *m;
    lora_status s;
    if ((s = llama_config_preset(preset, &cfg)) != LORA_OK) return s;
    if ((s = llama_model_create(&cfg, pool, &m)) != LORA_OK) return s;
    llama_model_init_random(m, seed);
    *out = &m->base;
    return LORA_OK;
}
static lora_status llama__family_shape(const char *preset, lora_model **out) {
    llama_config cfg;
    llama_model *m;
    lora_status s;
    if ((s = llama_config_preset(preset, &cfg)) != LORA_OK) return s;
    if ((s = llama__model_new(&cfg, NULL, 0, &m)) != LORA_OK) return s;
    *out = &m->base;
    return LORA_OK;
}
static const lora_model_family llama__family = {
    "llama", llama__model_types, llama__preset_names, NULL, llama__family_load, llama__family_preset, llama__family_shape,
    NULL, NULL  /* bf16 frozen weights: not yet (lora_model_open_as refuses them for this family) */
};
LORA_API const lora_model_family *llama_family(void) { return &llama__family; }

#endif /* LLAMA_IMPLEMENTATION_DONE */
#endif /* LLAMA_IMPLEMENTATION */

/*
   VERSION HISTORY
     0.1.0 (2026-12-07)  first release: Llama, Mistral, Qwen2, Qwen3 exactly as Hugging Face:
                         forward, backward (LoRA and full fine-tuning), KV-cache generation,
                         HF safetensors (single or sharded) and config.json, PEFT adapters.

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
