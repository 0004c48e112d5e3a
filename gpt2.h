/* gpt2.h - v0.1.0 - GPT-2 for lora.h: train, evaluate, merge and run LoRA adapters on a CPU.
   MIT licence (end of file).

   USAGE
     In one C or C++ file (gpt2.h uses only lora.h's public API, so its implementation may
     also sit in a file of its own, beside one that defines LORA_IMPLEMENTATION):
         #define LORA_IMPLEMENTATION
         #include "lora.h"
         #define GPT2_IMPLEMENTATION
         #include "gpt2.h"
     Compile:  cc -O2 app.c -lm -lpthread
     gpt2.h is a model header for lora.h's engine: gpt2_model_base(m) is the lora_model that
     lora_train, lora_evaluate, lora_generate and every lora_model_* call take, and
     gpt2_family() lets lora_model_open pick GPT-2 from a config.json (model_type "gpt2").

   THE MODEL
     Exactly Hugging Face's GPT2LMHeadModel: Conv1D weights (in, out), pre-LN blocks with
     LayerNorm eps 1e-5, causal attention scaled by 1/sqrt(head_dim), gelu_new (tanh form),
     final ln_f and an lm_head tied to the token embedding. Presets gpt2 (124M), gpt2-medium,
     gpt2-large, gpt2-xl, distilgpt2, tiny, small, or any gpt2_config. Weights load from HF
     model.safetensors (F32/F16/BF16, with or without "transformer." prefixes), llm.c
     checkpoints or GGUF files of llama.cpp's gpt2 architecture (F32/F16/BF16/Q8_0), and
     export to GGUF (lora_model_save_gguf, lora_model_save_adapter_gguf); random init as HF (N(0, 0.02), c_proj scaled by 1/sqrt(2 n_layer)).
     Linear modules carry PEFT's names: transformer.h.{i}.attn.c_attn, .attn.c_proj,
     .mlp.c_fc, .mlp.c_proj and lm_head. "c_proj" matches both attn.c_proj and mlp.c_proj.

   TRAINING A LoRA ADAPTER
       lora_pool *pool;  lora_pool_create(&pool, 0);               // all cores
       gpt2_model *m;    gpt2_model_load("gpt2/model.safetensors", NULL, pool, &m);
       lora_config lc = lora_config_init();
       const char *targets[] = {"c_attn", "c_proj"};
       lc.r = 8; lc.alpha = 16; lc.dropout = 0.05f;
       lc.target.targets = targets; lc.target.n_targets = 2;
       lora_adapter *ad;  gpt2_lora_create(m, &lc, &ad);  gpt2_model_set_adapter(m, ad);
       char line[160];    lora_model_trainable_line(gpt2_model_base(m), line, sizeof line);
       // "trainable params: 811,008 || all params: 125,250,816 || trainable%: 0.6475"
       lora_param *p; int np;  gpt2_trainable_params(m, &p, &np);
       lora_adamw_config oc = lora_adamw_config_init();  oc.lr = 2e-4; oc.weight_decay = 0;
       lora_adamw *opt;   lora_adamw_create(&oc, p, np, &opt);
       gpt2_model_set_training(m, 1, 1234);                        // LoRA dropout on
       for (step = 0; step < steps; step++) {
           gpt2_zero_grad(m);
           gpt2_forward(m, inputs, labels, B, T, &loss);            // labels = inputs, HF shift
           gpt2_backward(m);
           lora_adamw_step(opt, pool, &grad_norm, &lr);
       }
       lora_adapter_save(ad, "my-adapter", 1);                     // PEFT loads this directory
     Every call returns lora_status; check it and print lora_last_error() on failure.
     lora_train(gpt2_model_base(m), data, &cfg, &result) runs this loop with validation,
     checkpoints, exact resume and a progress callback that can cancel (lora.h).

   DATA
     lora_tokenizer_load("data/gpt2-tokenizer", &tok) then lora_encode / lora_decode: the exact
     GPT-2 byte-level BPE. lora_data_load_jsonl reads {"text"}, {"prompt","completion"},
     {"question","answer"} and chat {"messages"} lines (loss on completions only by default);
     lora_data_load_tokens reads raw uint16 or llm.c token files (GPT2_EOT ends a sample);
     lora_batcher_* cuts batches, shuffled per epoch, packed samples with their positions
     (gpt2_forward_positions computes each packed sample as if alone).

   INFERENCE
     gpt2_forward without labels gives logits (B, T, vocab); the KV-cache API (gpt2_kv_*,
     gpt2_forward_cached) is the model's decoding step, which lora_generate drives (greedy,
     temperature, top-k, top-p, seeded).
     Several adapters can be loaded at once; gpt2_model_set_adapter switches (NULL = base).
     gpt2_model_merge folds an adapter into the weights (and -1 removes it again).

   THREAD SAFETY
     A gpt2_model holds its activations: one call at a time per model. Different models
     (which may share one read-only tokenizer) can run on different threads. A lora_pool may
     be shared by models used from one thread at a time.
*/
#ifndef GPT2_H
#define GPT2_H

/* ---- gpt2/00_core.api.h ---- */
#include "lora.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- gpt2/10_model.api.h ---- */
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

/* ---- gpt2/40_generate.api.h ---- */
/* ---- text generation: KV-cache inference and sampling ----
   gpt2_forward_cached runs the same model as gpt2_forward (active adapter, adapter-carried
   biases; never dropout, even in training mode) one sequence at a time, keeping every
   layer's keys and values so that each new token costs one pass over the weights.
   Typical use: gpt2_kv_create, gpt2_forward_cached(prompt), then per step gpt2_sample and
   gpt2_forward_cached(one token); or simply gpt2_generate. Up to 16 new tokens run as
   vectorised matrix-vector products that stream each weight matrix once (decoding is memory
   bound), more as matrix multiplies over chunks of 256; both use the model's pool, and the
   results do not depend on the thread count. */
typedef struct gpt2_kv_cache gpt2_kv_cache;

/* A cache for one sequence of up to max_T tokens of model m (max_T <= 0: n_positions;
   more than n_positions is LORA_ERR_RANGE). Holds 2 * n_layer * max_T * n_embd floats
   (75 MB for gpt2 at 1024) plus work buffers; it never touches the training activations. */
LORA_API lora_status gpt2_kv_create(const gpt2_model *m, int max_T, gpt2_kv_cache **out);
LORA_API void gpt2_kv_free(gpt2_kv_cache *kv);
/* Empties the cache (a new sequence); needed after changing the weights or the adapter. */
LORA_API void gpt2_kv_reset(gpt2_kv_cache *kv);
/* Keeps the first n tokens (0 <= n <= length), e.g. to regenerate from a point. */
LORA_API lora_status gpt2_kv_truncate(gpt2_kv_cache *kv, int n);
LORA_API int gpt2_kv_length(const gpt2_kv_cache *kv);   /* tokens cached */
LORA_API int gpt2_kv_capacity(const gpt2_kv_cache *kv); /* max_T */
LORA_API size_t gpt2_kv_memory(const gpt2_kv_cache *kv); /* bytes held */

/* Appends n_new >= 1 tokens at positions length .. length + n_new - 1 and writes the
   vocab_size logits of the last one to logits_last (may be NULL: prefill only). Equals
   gpt2_forward's logits of the whole sequence at those positions (to float rounding).
   Errors: LORA_ERR_RANGE when the cache (or n_positions) would overflow or an id is outside
   the vocabulary (the cache is unchanged then); LORA_ERR_INVALID_ARG when the cache belongs
   to a model of other shapes, or holds tokens computed with another model or adapter
   (gpt2_kv_reset first). The model is only read (its training activations are not touched). */
LORA_API lora_status gpt2_forward_cached(gpt2_model *m, gpt2_kv_cache *kv, const int32_t *tokens, int n_new,
                                         float *logits_last);

/* ---- gpt2/99_end.api.h ---- */
#ifdef __cplusplus
}
#endif

#endif /* GPT2_H */

#ifdef GPT2_IMPLEMENTATION
#ifndef GPT2_IMPLEMENTATION_DONE
#define GPT2_IMPLEMENTATION_DONE

/* ---- gpt2/00_core.impl.c ---- */
/* gpt2.h's implementation uses only lora.h's public API (the user API and its "For model
   authors" block), so it may be compiled in a translation unit of its own, with lora.h's
   implementation in another (or in the same one). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- gpt2/10_model.impl.c ---- */
/* ---- config ---- */
LORA_API lora_status gpt2_config_preset(const char *name, gpt2_config *out) {
    static const struct { const char *name; int L, H, C; } presets[] = {
        {"gpt2", 12, 12, 768}, {"gpt2-medium", 24, 16, 1024}, {"gpt2-large", 36, 20, 1280},
        {"gpt2-xl", 48, 25, 1600}, {"distilgpt2", 6, 12, 768}, {"tiny", 2, 2, 64}, {"small", 4, 4, 128}};
    size_t i;
    if (!name || !out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_config_preset: NULL argument");
    for (i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            memset(out, 0, sizeof *out);
            out->n_layer = presets[i].L;
            out->n_head = presets[i].H;
            out->n_embd = presets[i].C;
            out->n_positions = strcmp(name, "tiny") == 0 ? 64 : strcmp(name, "small") == 0 ? 256 : 1024;
            out->vocab_size = 50257;
            out->n_inner = 0;
            out->layer_norm_eps = 1e-5f;
            return LORA_OK;
        }
    }
    return lora_fail(LORA_ERR_NOT_FOUND, "unknown preset '%s' (known: gpt2, gpt2-medium, gpt2-large, gpt2-xl, distilgpt2, tiny, small)", name);
}

static int gpt2__inner(const gpt2_config *c) { return c->n_inner > 0 ? c->n_inner : 4 * c->n_embd; }

LORA_API lora_status gpt2_config_check(const gpt2_config *c) {
    if (!c) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2 config is NULL");
    if (c->n_layer <= 0 || c->n_head <= 0 || c->n_embd <= 0 || c->n_positions <= 0 || c->vocab_size <= 0 || c->n_inner < 0)
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2 config: sizes must be positive (n_layer %d, n_head %d, n_embd %d, n_positions %d, vocab_size %d, n_inner %d)",
                         c->n_layer, c->n_head, c->n_embd, c->n_positions, c->vocab_size, c->n_inner);
    if (c->n_embd % c->n_head != 0)
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2 config: n_embd %d is not divisible by n_head %d", c->n_embd, c->n_head);
    if (c->n_layer > 4096 || c->n_embd > 65536 || c->vocab_size > (1 << 24) || c->n_positions > (1 << 20) || gpt2__inner(c) > (1 << 20))
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2 config: sizes out of the supported range");
    if (!(c->layer_norm_eps > 0.0f)) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2 config: layer_norm_epsilon must be > 0");
    return LORA_OK;
}

LORA_API int64_t gpt2_config_num_params(const gpt2_config *c) {
    int64_t C, F, L, per_layer;
    if (!c) return 0;
    C = c->n_embd; F = gpt2__inner(c); L = c->n_layer;
    per_layer = 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + 2 * C + (C * F + F) + (F * C + C);
    return (int64_t)c->vocab_size * C + (int64_t)c->n_positions * C + L * per_layer + 2 * C;
}

LORA_API int gpt2_config_num_linears(const gpt2_config *c) { return c ? c->n_layer * GPT2_LINEARS_PER_LAYER + 1 : 0; }

LORA_API void gpt2_config_linears(const gpt2_config *c, gpt2_linear_info *out) {
    static const char *const kinds[GPT2_LINEARS_PER_LAYER] = {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"};
    int C, F, l, k;
    if (!c || !out) return;
    C = c->n_embd; F = gpt2__inner(c);
    for (l = 0; l < c->n_layer; l++) {
        int ins[4], outs[4];
        ins[0] = C; outs[0] = 3 * C;
        ins[1] = C; outs[1] = C;
        ins[2] = C; outs[2] = F;
        ins[3] = F; outs[3] = C;
        for (k = 0; k < GPT2_LINEARS_PER_LAYER; k++) {
            gpt2_linear_info *li = &out[l * GPT2_LINEARS_PER_LAYER + k];
            snprintf(li->name, sizeof li->name, "transformer.h.%d.%s", l, kinds[k]);
            li->layer = l; li->in = ins[k]; li->out = outs[k]; li->has_bias = 1;
            li->params = (int64_t)ins[k] * outs[k] + outs[k];
        }
    }
    {
        gpt2_linear_info *li = &out[c->n_layer * GPT2_LINEARS_PER_LAYER];
        snprintf(li->name, sizeof li->name, "lm_head");
        li->layer = -1; li->in = C; li->out = c->vocab_size; li->has_bias = 0;
        li->params = (int64_t)C * c->vocab_size;
    }
}

LORA_API void gpt2_config_module_descs(const gpt2_linear_info *infos, int n, lora_module_desc *out) {
    int i;
    if (!infos || !out) return;
    for (i = 0; i < n; i++) {
        out[i].name = infos[i].name;
        out[i].in = infos[i].in;
        out[i].out = infos[i].out;
        out[i].has_bias = infos[i].has_bias;
        out[i].is_output = infos[i].layer < 0;
    }
}

/* ---- the model ---- */
typedef struct gpt2__tensor {
    char name[48];           /* HF name without prefix */
    int ndim;
    int64_t shape[2];
    size_t offset;           /* floats into the parameter arena, or (bf16) values into the bf16 arena */
    int64_t numel;
    int bf16;                /* a frozen matrix stored in bf16 (gpt2_model_load_as / create_as) */
} gpt2__tensor;

/* Indices of a layer's tensors in the tensor table, in named_parameters() order. */
enum { GPT2__LN1W, GPT2__LN1B, GPT2__ATTW, GPT2__ATTB, GPT2__APRW, GPT2__APRB, GPT2__LN2W, GPT2__LN2B,
       GPT2__FCW, GPT2__FCB, GPT2__FPRW, GPT2__FPRB, GPT2__PER_LAYER };

typedef struct gpt2__acts gpt2__acts;

struct gpt2_model {
    lora_model base;         /* first: the engine's view of this model (gpt2_model_base) */
    char *name_or_path;      /* base_model_name_or_path for adapters (NULL: unknown) */
    int *module_layer;       /* layer of each linear module, -1 for lm_head */
    char summary[192];       /* lora_model_info.summary */
    int32_t *pos;            /* position ids of the last forward (packed rows), or NULL: 0 .. T-1 */
    int32_t *pos_buf;        /* their storage */
    size_t pos_cap;
    gpt2_config cfg;
    lora_pool *pool;
    int n_tensors;
    gpt2__tensor *tensors;   /* wte, wpe, per layer GPT2__PER_LAYER, ln_f.weight, ln_f.bias */
    float *params;           /* one arena (the fp32 tensors) */
    uint16_t *params_bf16;   /* the matrices when the frozen weights are bf16, else NULL */
    size_t n_bf16;
    lora_dtype base_dtype;   /* LORA_DT_F32 or LORA_DT_BF16 */
    float *grads;            /* full fine-tuning: same layout, else NULL */
    size_t n_floats;
    int n_linears;
    gpt2_linear_info *linears;
    lora_module_desc *descs;
    lora_adapter *adapter;
    int training, full;
    uint64_t dropout_seed;
    uint64_t dropout_step;
    gpt2__acts *acts;
};

static float *gpt2__t(const gpt2_model *m, int idx) { return m->tensors[idx].bf16 ? NULL : m->params + m->tensors[idx].offset; }
static const uint16_t *gpt2__tb(const gpt2_model *m, int idx) { return m->tensors[idx].bf16 ? m->params_bf16 + m->tensors[idx].offset : NULL; }
/* Writes n values of tensor idx from element at on (rounded to nearest even when it is bf16). */
static void gpt2__store(gpt2_model *m, int idx, size_t at, const float *src, size_t n) {
    if (m->tensors[idx].bf16) lora_f32_to_bf16_n(src, m->params_bf16 + m->tensors[idx].offset + at, n);
    else memcpy(m->params + m->tensors[idx].offset + at, src, n * sizeof(float));
}
/* The matrix of tensor idx as the engine's frozen-weight view. */
static lora_wmat gpt2__wmat(const gpt2_model *m, int idx) {
    lora_wmat w;
    const gpt2__tensor *t = &m->tensors[idx];
    w.dtype = t->bf16 ? LORA_DT_BF16 : LORA_DT_F32;
    w.rows = (int)t->shape[0]; w.cols = (int)t->shape[1];
    w.data = t->bf16 ? (const void *)gpt2__tb(m, idx) : (const void *)gpt2__t(m, idx);
    return w;
}
static int gpt2__lt(int layer, int which) { return 2 + layer * GPT2__PER_LAYER + which; }

static void gpt2__acts_free(gpt2__acts *a);

/* The weight arenas, zeroed. */
static lora_status gpt2__alloc_weights(gpt2_model *m) {
    m->params = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "gpt2 weights");
    if (!m->params) return LORA_ERR_OOM;
    memset(m->params, 0, m->n_floats * sizeof(float));
    if (m->n_bf16) {
        m->params_bf16 = (uint16_t *)lora_alloc_aligned(m->n_bf16 * sizeof(uint16_t), "gpt2 weights (bf16)");
        if (!m->params_bf16) return LORA_ERR_OOM;
        memset(m->params_bf16, 0, m->n_bf16 * sizeof(uint16_t));
    }
    return LORA_OK;
}
static lora_status gpt2__base_init(gpt2_model *m); /* 50_model.impl.c */

LORA_API void gpt2_model_free(gpt2_model *m) {
    if (!m) return;
    gpt2__acts_free(m->acts);
    lora_free_aligned(m->params);
    lora_free_aligned(m->params_bf16);
    lora_free_aligned(m->grads);
    lora_free(m->tensors);
    lora_free(m->linears);
    lora_free(m->descs);
    lora_free(m->name_or_path);
    lora_free(m->module_layer);
    lora_free(m->pos_buf);
    lora_free(m);
}

/* bf16 set: the matrices (wte, tied to lm_head, and the four Conv1D weights of a block) go in
   the bf16 arena, at offset *off_b; everything else in the fp32 arena at *off. */
static void gpt2__add_tensor(gpt2_model *m, size_t *off, size_t *off_b, int bf16, const char *name, int ndim, int64_t d0,
                             int64_t d1) {
    gpt2__tensor *t = &m->tensors[m->n_tensors++];
    size_t *o;
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim; t->shape[0] = d0; t->shape[1] = ndim > 1 ? d1 : 1;
    t->numel = d0 * (ndim > 1 ? d1 : 1);
    t->bf16 = bf16 && ndim == 2 && strcmp(name, "wpe.weight") != 0;
    o = t->bf16 ? off_b : off;
    t->offset = *o;
    *o += ((size_t)t->numel + 31) & ~(size_t)31; /* keep every tensor 64-byte aligned */
}

/* Builds the model's tensor table; allocates the weights only when alloc_weights (loaders
   check a file against the table before committing gigabytes). */
static lora_status gpt2__model_new(const gpt2_config *cfg, lora_pool *pool, int alloc_weights, lora_dtype dtype,
                                   gpt2_model **out) {
    gpt2_model *m;
    lora_status s;
    size_t off = 0, off_b = 0;
    int bf = dtype == LORA_DT_BF16;
    int l, C, F;
    char nm[48];
    *out = NULL;
    if ((s = gpt2_config_check(cfg)) != LORA_OK) return s;
    if (dtype != LORA_DT_F32 && dtype != LORA_DT_BF16)
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2: base weights in %s: expected F32 or BF16", lora_dtype_name(dtype));
    m = (gpt2_model *)lora_calloc(1, sizeof *m, "gpt2 model");
    if (!m) return LORA_ERR_OOM;
    m->cfg = *cfg;
    m->pool = pool;
    m->base_dtype = dtype;
    C = cfg->n_embd; F = gpt2__inner(cfg);
    m->tensors = (gpt2__tensor *)lora_calloc((size_t)(2 + cfg->n_layer * GPT2__PER_LAYER + 2), sizeof *m->tensors, "tensor table");
    m->n_linears = gpt2_config_num_linears(cfg);
    m->linears = (gpt2_linear_info *)lora_calloc((size_t)m->n_linears, sizeof *m->linears, "module table");
    m->descs = (lora_module_desc *)lora_calloc((size_t)m->n_linears, sizeof *m->descs, "module table");
    if (!m->tensors || !m->linears || !m->descs) { gpt2_model_free(m); return LORA_ERR_OOM; }
    gpt2_config_linears(cfg, m->linears);
    gpt2_config_module_descs(m->linears, m->n_linears, m->descs);
    gpt2__add_tensor(m, &off, &off_b, bf, "wte.weight", 2, cfg->vocab_size, C);
    gpt2__add_tensor(m, &off, &off_b, bf, "wpe.weight", 2, cfg->n_positions, C);
    for (l = 0; l < cfg->n_layer; l++) {
#define GPT2__ADD(suffix, nd, a, b) (snprintf(nm, sizeof nm, "h.%d.%s", l, suffix), gpt2__add_tensor(m, &off, &off_b, bf, nm, nd, a, b))
        GPT2__ADD("ln_1.weight", 1, C, 0);
        GPT2__ADD("ln_1.bias", 1, C, 0);
        GPT2__ADD("attn.c_attn.weight", 2, C, 3 * C);
        GPT2__ADD("attn.c_attn.bias", 1, 3 * C, 0);
        GPT2__ADD("attn.c_proj.weight", 2, C, C);
        GPT2__ADD("attn.c_proj.bias", 1, C, 0);
        GPT2__ADD("ln_2.weight", 1, C, 0);
        GPT2__ADD("ln_2.bias", 1, C, 0);
        GPT2__ADD("mlp.c_fc.weight", 2, C, F);
        GPT2__ADD("mlp.c_fc.bias", 1, F, 0);
        GPT2__ADD("mlp.c_proj.weight", 2, F, C);
        GPT2__ADD("mlp.c_proj.bias", 1, C, 0);
#undef GPT2__ADD
    }
    gpt2__add_tensor(m, &off, &off_b, bf, "ln_f.weight", 1, C, 0);
    gpt2__add_tensor(m, &off, &off_b, bf, "ln_f.bias", 1, C, 0);
    m->n_floats = off;
    m->n_bf16 = off_b;
    if (alloc_weights && (s = gpt2__alloc_weights(m)) != LORA_OK) { gpt2_model_free(m); return s; }
    if ((s = gpt2__base_init(m)) != LORA_OK) { gpt2_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}

LORA_API lora_status gpt2_model_create(const gpt2_config *cfg, lora_pool *pool, gpt2_model **out) {
    if (!out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_create: out is NULL");
    return gpt2__model_new(cfg, pool, 1, LORA_DT_F32, out);
}
LORA_API lora_status gpt2_model_create_as(const gpt2_config *cfg, lora_pool *pool, lora_dtype base_dtype, gpt2_model **out) {
    if (!out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_create_as: out is NULL");
    return gpt2__model_new(cfg, pool, 1, base_dtype, out);
}
LORA_API lora_dtype gpt2_model_base_dtype(const gpt2_model *m) { return m ? m->base_dtype : LORA_DT_F32; }

LORA_API const gpt2_config *gpt2_model_config(const gpt2_model *m) { return m ? &m->cfg : NULL; }
LORA_API void gpt2_model_set_pool(gpt2_model *m, lora_pool *pool) { if (m) m->pool = pool; }
LORA_API int gpt2_model_num_tensors(const gpt2_model *m) { return m ? m->n_tensors : 0; }

LORA_API const char *gpt2_model_tensor(const gpt2_model *m, int i, int *ndim, int64_t shape[2], float **data) {
    const gpt2__tensor *t;
    if (!m || i < 0 || i >= m->n_tensors) return NULL;
    t = &m->tensors[i];
    if (ndim) *ndim = t->ndim;
    if (shape) { shape[0] = t->shape[0]; shape[1] = t->shape[1]; }
    if (data) *data = gpt2__t(m, i);
    return t->name;
}

static int gpt2__find_tensor(const gpt2_model *m, const char *name) {
    int i;
    if (strncmp(name, "transformer.", 12) == 0) name += 12;
    for (i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) return i;
    return -1;
}

LORA_API float *gpt2_model_param(gpt2_model *m, const char *name, int64_t *numel) {
    int i;
    if (!m || !name) return NULL;
    i = gpt2__find_tensor(m, name);
    if (i < 0) return NULL;
    if (numel) *numel = m->tensors[i].numel;
    return gpt2__t(m, i);
}

LORA_API float *gpt2_model_grad(gpt2_model *m, const char *name) {
    int i;
    if (!m || !name || !m->grads) return NULL;
    i = gpt2__find_tensor(m, name);
    return i < 0 ? NULL : m->grads + m->tensors[i].offset;
}

LORA_API void gpt2_model_init_random(gpt2_model *m, uint64_t seed) {
    lora_rng rng;
    int i;
    double proj_std;
    if (!m) return;
    proj_std = 0.02 / sqrt(2.0 * m->cfg.n_layer);
    lora_rng_seed(&rng, seed);
    for (i = 0; i < m->n_tensors; i++) {
        gpt2__tensor *t = &m->tensors[i];
        float *p = gpt2__t(m, i), v;
        int64_t j;
        const char *dot = strrchr(t->name, '.');
        int is_ln = strstr(t->name, "ln_") != NULL;
        if (dot && strcmp(dot, ".bias") == 0) {
            memset(p, 0, sizeof(float) * (size_t)t->numel);
        } else if (is_ln) {
            for (j = 0; j < t->numel; j++) p[j] = 1.0f;
        } else {
            double sd = strstr(t->name, "c_proj.weight") ? proj_std : 0.02;
            if (p) for (j = 0; j < t->numel; j++) p[j] = (float)(sd * lora_rng_normal(&rng));
            else for (j = 0; j < t->numel; j++) { v = (float)(sd * lora_rng_normal(&rng)); gpt2__store(m, i, (size_t)j, &v, 1); }
        }
    }
}

/* ---- gpt2/11_io.impl.c ---- */
/* ---- loading and saving weights ---- */
#define GPT2__LLMC_CKPT_MAGIC 20240326
#define GPT2__GGUF_MAGIC 0x46554747u   /* "GGUF" read as a little-endian u32 */
static lora_status gpt2__load_gguf(const char *path, lora_pool *pool, gpt2_model **out); /* 45_gguf.impl.c */

/* Creates the folder a file will be written into (mkdir -p of its dirname). */
static lora_status gpt2__ensure_parent(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    if (!slash || slash == path) return LORA_OK;
    dir = (char *)lora_malloc((size_t)(slash - path) + 1, "path");
    if (!dir) return LORA_ERR_OOM;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    s = lora_ensure_dir(dir);
    lora_free(dir);
    return s;
}

static char *gpt2__sibling_path(const char *path, const char *name) {
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path + 1) : 0, n = strlen(name);
    char *p = (char *)lora_malloc(dir + n + 1, "path");
    if (!p) return NULL;
    memcpy(p, path, dir);
    memcpy(p + dir, name, n + 1);
    return p;
}

/* Reads a Hugging Face GPT2Config (config.json). */
static lora_status gpt2__read_config_json(const char *path, gpt2_config *cfg) {
    char *text = NULL;
    size_t len;
    lora_json *j = NULL;
    lora_status s;
    const lora_json *v;
    double d;
    const char *act;
    if ((s = lora_read_file(path, &text, &len)) != LORA_OK) return s;
    s = lora_json_parse(text, len, path, &j);
    lora_free(text);
    if (s != LORA_OK) return s;
    memset(cfg, 0, sizeof *cfg);
    cfg->layer_norm_eps = 1e-5f;
    cfg->n_positions = 1024;
    cfg->vocab_size = 50257;
#define GPT2__INT(key, field) do { int64_t iv_; v = lora_json_get(j, key); \
        if (v && v->type != LORA_JSON_NULL) { if (!lora_json_int64(v, &iv_) || iv_ < 0 || iv_ > (1 << 30)) { \
            lora_json_free(j); return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\" must be a non-negative integer", path, key); } \
            field = (int)iv_; } } while (0)
    if (j->type != LORA_JSON_OBJECT) { lora_json_free(j); return lora_fail(LORA_ERR_FORMAT, "%s: expected a JSON object", path); }
    GPT2__INT("n_layer", cfg->n_layer);
    GPT2__INT("n_head", cfg->n_head);
    GPT2__INT("n_embd", cfg->n_embd);
    GPT2__INT("n_ctx", cfg->n_positions);
    GPT2__INT("n_positions", cfg->n_positions);
    GPT2__INT("vocab_size", cfg->vocab_size);
    GPT2__INT("n_inner", cfg->n_inner);
#undef GPT2__INT
    v = lora_json_get(j, "layer_norm_epsilon");
    if (v && v->type != LORA_JSON_NULL) {
        if (!lora_json_get_number(j, "layer_norm_epsilon", &d) || !(d >= 1e-30 && d <= 1.0)) {
            lora_json_free(j);
            return lora_fail(LORA_ERR_FORMAT, "%s: \"layer_norm_epsilon\" must be a number in [1e-30, 1]", path);
        }
        cfg->layer_norm_eps = (float)d;
    }
    {   /* keys that change Hugging Face's math: only the values this implementation computes */
        static const struct { const char *key; int want; } flags[] = {
            {"scale_attn_weights", 1}, {"scale_attn_by_inverse_layer_idx", 0}, {"reorder_and_upcast_attn", 0},
            {"add_cross_attention", 0}, {"tie_word_embeddings", 1}};
        const char *mt;
        size_t k;
        for (k = 0; k < sizeof flags / sizeof flags[0]; k++) {
            v = lora_json_get(j, flags[k].key);
            if (!v || v->type == LORA_JSON_NULL) continue;
            if ((v->type != LORA_JSON_TRUE && v->type != LORA_JSON_FALSE) || (v->type == LORA_JSON_TRUE) != flags[k].want) {
                s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"%s\" must be %s: other values change the model's math, which this "
                              "implementation does not compute", path, flags[k].key, flags[k].want ? "true" : "false");
                lora_json_free(j);
                return s;
            }
        }
        v = lora_json_get(j, "model_type");
        if (v && v->type != LORA_JSON_NULL) {
            mt = lora_json_get_string(j, "model_type");
            if (!mt || strcmp(mt, "gpt2") != 0) {
                s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: model_type \"%s\" is not a GPT-2 (expected \"gpt2\")", path, mt ? mt : "(not a string)");
                lora_json_free(j);
                return s;
            }
        }
        v = lora_json_get(j, "activation_function");
        if (v && v->type != LORA_JSON_NULL && v->type != LORA_JSON_STRING) {
            lora_json_free(j);
            return lora_fail(LORA_ERR_UNSUPPORTED, "%s: activation_function must be the string \"gelu_new\"", path);
        }
    }
    act = lora_json_get_string(j, "activation_function");
    if (act && strcmp(act, "gelu_new") != 0) {
        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: activation_function \"%s\" is not supported (GPT-2 uses gelu_new)", path, act);
        lora_json_free(j);
        return s;
    }
    lora_json_free(j);
    if (!cfg->n_layer || !cfg->n_head || !cfg->n_embd)
        return lora_fail(LORA_ERR_FORMAT, "%s: n_layer, n_head and n_embd are required", path);
    if ((s = gpt2_config_check(cfg)) != LORA_OK) return lora_fail(s, "%s: %s", path, lora_last_error());
    return LORA_OK;
}

/* Writes config.json to its temporary file (published by the caller once the weights are in place). */
static lora_status gpt2__write_config_json(const gpt2_config *c, const char *path, lora_atomic_file *af) {
    lora_buf b;
    lora_status s;
    memset(&b, 0, sizeof b);
    lora_buf_printf(&b,
        "{\n  \"activation_function\": \"gelu_new\",\n  \"architectures\": [\n    \"GPT2LMHeadModel\"\n  ],\n"
        "  \"attn_pdrop\": 0.1,\n  \"bos_token_id\": 50256,\n  \"embd_pdrop\": 0.1,\n  \"eos_token_id\": 50256,\n"
        "  \"initializer_range\": 0.02,\n  \"layer_norm_epsilon\": ");
    lora_json_write_float(&b, c->layer_norm_eps);
    lora_buf_printf(&b, ",\n  \"model_type\": \"gpt2\",\n  \"n_ctx\": %d,\n  \"n_embd\": %d,\n  \"n_head\": %d,\n  \"n_inner\": ",
                    c->n_positions, c->n_embd, c->n_head);
    if (c->n_inner > 0) lora_buf_printf(&b, "%d", c->n_inner); else lora_buf_puts(&b, "null");
    lora_buf_printf(&b, ",\n  \"n_layer\": %d,\n  \"n_positions\": %d,\n  \"reorder_and_upcast_attn\": false,\n"
                        "  \"resid_pdrop\": 0.1,\n  \"scale_attn_by_inverse_layer_idx\": false,\n  \"scale_attn_weights\": true,\n"
                        "  \"summary_activation\": null,\n  \"summary_first_dropout\": 0.1,\n  \"summary_proj_to_labels\": true,\n"
                        "  \"summary_type\": \"cls_index\",\n  \"summary_use_proj\": true,\n  \"tie_word_embeddings\": true,\n"
                        "  \"use_cache\": true,\n  \"vocab_size\": %d\n}\n", c->n_layer, c->n_positions, c->vocab_size);
    if (b.failed) { lora_buf_free(&b); return lora_fail(LORA_ERR_OOM, "out of memory writing %s", path); }
    if ((s = lora_atomic_open(af, path)) == LORA_OK) {
        lora_atomic_write(af, b.data, b.len);
        s = lora_atomic_finish(af);
    }
    lora_buf_free(&b);
    return s;
}

static int gpt2__has_suffix(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Infers the config from tensor shapes (n_head from GPT-2's width table). */
static lora_status gpt2__infer_config(const lora_safetensors *st, const char *prefix, gpt2_config *cfg) {
    char name[96];
    const lora_st_tensor *wte, *wpe, *fc;
    int l;
    memset(cfg, 0, sizeof *cfg);
    snprintf(name, sizeof name, "%swte.weight", prefix); wte = lora_st_find(st, name);
    snprintf(name, sizeof name, "%swpe.weight", prefix); wpe = lora_st_find(st, name);
    if (!wte || !wpe || wte->ndim != 2 || wpe->ndim != 2)
        return lora_fail(LORA_ERR_FORMAT, "%s: not a GPT-2 checkpoint: missing or malformed %swte.weight / %swpe.weight", st->path, prefix, prefix);
    cfg->vocab_size = (int)wte->shape[0];
    cfg->n_embd = (int)wte->shape[1];
    cfg->n_positions = (int)wpe->shape[0];
    for (l = 0;; l++) {
        snprintf(name, sizeof name, "%sh.%d.ln_1.weight", prefix, l);
        if (!lora_st_find(st, name)) break;
    }
    cfg->n_layer = l;
    snprintf(name, sizeof name, "%sh.0.mlp.c_fc.weight", prefix);
    fc = lora_st_find(st, name);
    if (fc && fc->ndim == 2 && fc->shape[1] != 4 * (int64_t)cfg->n_embd) cfg->n_inner = (int)fc->shape[1];
    switch (cfg->n_embd) {
    case 768: cfg->n_head = 12; break;
    case 1024: cfg->n_head = 16; break;
    case 1280: cfg->n_head = 20; break;
    case 1600: cfg->n_head = 25; break;
    case 64: cfg->n_head = 2; break;
    default:
        return lora_fail(LORA_ERR_FORMAT, "%s: cannot infer n_head for width %d; put a config.json beside the weights or pass one",
                         st->path, cfg->n_embd);
    }
    cfg->layer_norm_eps = 1e-5f;
    return gpt2_config_check(cfg);
}

/* NaN or Inf in the weights is an error at load (the forward pass would turn every output into NaN) */
static lora_status gpt2__check_finite(const gpt2_model *m, const char *path) {
    int i;
    for (i = 0; i < m->n_tensors; i++) {
        const gpt2__tensor *t = &m->tensors[i];
        const float *v = gpt2__t(m, i);
        const uint16_t *vb = v ? NULL : gpt2__tb(m, i);
        int64_t k;
        for (k = 0; k < t->numel; k++) {
            int bad = v ? !isfinite(v[k]) : (vb[k] & 0x7f80u) == 0x7f80u;   /* bf16: exponent all ones */
            if (bad)
                return lora_fail(LORA_ERR_NUMERIC, "%s: tensor '%s': element %lld is %g: expected a finite number", path, t->name,
                                 (long long)k, v ? (double)v[k] : (double)lora_bf16_to_f32(vb[k]));
        }
    }
    return LORA_OK;
}

static lora_status gpt2__load_safetensors(const char *path, const char *config_path, lora_pool *pool, lora_dtype dtype,
                                          gpt2_model **out) {
    lora_safetensors *st = NULL;
    gpt2_model *m = NULL;
    gpt2_config cfg;
    lora_status s;
    const char *prefix = "";
    char *cpath = NULL;
    size_t i;
    int k;
    *out = NULL;
    if ((s = lora_st_open(path, &st)) != LORA_OK) return s;
    if (lora_st_find(st, "transformer.wte.weight")) prefix = "transformer.";
    if (config_path) {
        s = gpt2__read_config_json(config_path, &cfg);
    } else {
        FILE *f;
        cpath = gpt2__sibling_path(path, "config.json");
        if (!cpath) { s = LORA_ERR_OOM; goto done; }
        f = fopen(cpath, "rb");
        if (f) { fclose(f); s = gpt2__read_config_json(cpath, &cfg); }
        else s = gpt2__infer_config(st, prefix, &cfg);
    }
    if (s != LORA_OK) goto done;
    /* every tensor present with its shape before the weights are allocated */
    if ((s = gpt2__model_new(&cfg, pool, 0, dtype, &m)) != LORA_OK) goto done;
    for (k = 0; k < m->n_tensors; k++) {
        const gpt2__tensor *t = &m->tensors[k];
        const lora_st_tensor *ft;
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        ft = lora_st_find(st, name);
        if (!ft) { s = lora_fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found (the file has %zu tensors; a %d-layer GPT-2 needs it)", path, name, st->n_tensors, cfg.n_layer); goto done; }
        if (ft->ndim != t->ndim || ft->shape[0] != t->shape[0] || (t->ndim > 1 && ft->shape[1] != t->shape[1])) {
            s = lora_fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected shape (%lld%s%lld%s, found a %d-dimensional tensor of %lld values",
                          path, name, (long long)t->shape[0], t->ndim > 1 ? ", " : "", t->ndim > 1 ? (long long)t->shape[1] : 0LL,
                          ")", ft->ndim, (long long)ft->numel);
            goto done;
        }
    }
    if ((s = gpt2__alloc_weights(m)) != LORA_OK) goto done;
    for (k = 0; k < m->n_tensors; k++) {
        gpt2__tensor *t = &m->tensors[k];
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        if (t->bf16) {      /* one tensor at a time through fp32, rounded to nearest even (BF16 files: as they are) */
            float *tmp = (float *)lora_malloc(sizeof(float) * (size_t)t->numel, "bf16 conversion");
            if (!tmp) { s = LORA_ERR_OOM; goto done; }
            if ((s = lora_st_load_f32(st, name, t->ndim, t->shape, tmp)) == LORA_OK) gpt2__store(m, k, 0, tmp, (size_t)t->numel);
            lora_free(tmp);
            if (s != LORA_OK) goto done;
        } else if ((s = lora_st_load_f32(st, name, t->ndim, t->shape, gpt2__t(m, k))) != LORA_OK) goto done;
        lora_st_release(st, lora_st_find(st, name));
    }
    /* every other tensor must be a known buffer or a tied lm_head equal to wte */
    for (i = 0; i < st->n_tensors; i++) {
        const lora_st_tensor *t = &st->tensors[i];
        const char *n = t->name;
        if (strncmp(n, prefix, strlen(prefix)) == 0 && gpt2__find_tensor(m, n + strlen(prefix)) >= 0) continue;
        if (gpt2__has_suffix(n, ".attn.bias") || gpt2__has_suffix(n, ".attn.masked_bias")) continue;
        if (strcmp(n, "lm_head.weight") == 0) {
            float *tmp;
            int64_t j;
            if (t->ndim != 2 || t->shape[0] != cfg.vocab_size || t->shape[1] != cfg.n_embd) {
                s = lora_fail(LORA_ERR_SHAPE, "%s: lm_head.weight has the wrong shape (expected (%d, %d))", path, cfg.vocab_size, cfg.n_embd);
                goto done;
            }
            tmp = (float *)lora_malloc(sizeof(float) * (size_t)t->numel, "lm_head check");
            if (!tmp) { s = LORA_ERR_OOM; goto done; }
            if ((s = lora_st_read_f32(st, t, tmp, t->numel)) == LORA_OK) {
                const float *wte = gpt2__t(m, 0);
                const uint16_t *wteb = gpt2__tb(m, 0);
                for (j = 0; j < t->numel; j++)
                    if (wte ? tmp[j] != wte[j] : lora_f32_to_bf16(tmp[j]) != wteb[j]) {
                        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: lm_head.weight differs from wte.weight at element %lld; GPT-2's "
                                      "lm_head is tied to the token embedding", path, (long long)j);
                        break;
                    }
            }
            lora_free(tmp);
            if (s != LORA_OK) goto done;
            continue;
        }
        s = lora_fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (not part of GPT2LMHeadModel with %d layers)", path, n, cfg.n_layer);
        goto done;
    }
done:
    lora_st_close(st);
    lora_free(cpath);
    if (s == LORA_OK) s = gpt2__check_finite(m, path);
    if (s != LORA_OK) { gpt2_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}

/* llm.c checkpoint: 256 x int32 header then the weights in llm.c's order, Linear layout, all
   little-endian (as llm.c writes them on x86 and Arm). */
static lora_status gpt2__load_llmc(const char *path, lora_pool *pool, gpt2_model **out) {
    FILE *f = fopen(path, "rb");
    int32_t h[256];
    gpt2_config cfg;
    gpt2_model *m = NULL;
    lora_status s = LORA_OK;
    int version, Vp, L, C, F, l, bf16;
    float *buf = NULL;
    *out = NULL;
    if (!f) return lora_fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (lora_fread_le(h, sizeof(int32_t), 256, f) != 256) { fclose(f); return lora_fail(LORA_ERR_FORMAT, "%s: truncated llm.c header (need 1024 bytes)", path); }
    if (h[0] != GPT2__LLMC_CKPT_MAGIC) { fclose(f); return lora_fail(LORA_ERR_FORMAT, "%s: bad llm.c magic %d (expected %d)", path, h[0], GPT2__LLMC_CKPT_MAGIC); }
    version = h[1];
    if (version != 3 && version != 5) { fclose(f); return lora_fail(LORA_ERR_FORMAT, "%s: llm.c checkpoint version %d not supported (3 = float32, 5 = bfloat16)", path, version); }
    bf16 = version == 5;
    memset(&cfg, 0, sizeof cfg);
    cfg.n_positions = h[2]; cfg.vocab_size = h[3]; cfg.n_layer = h[4]; cfg.n_head = h[5]; cfg.n_embd = h[6];
    cfg.layer_norm_eps = 1e-5f;
    Vp = h[7];
    if ((s = gpt2_config_check(&cfg)) != LORA_OK) {
        fclose(f);
        return lora_fail(LORA_ERR_FORMAT, "%s: bad llm.c header: %s", path, lora_last_error());
    }
    if (Vp < cfg.vocab_size || Vp > cfg.vocab_size + (1 << 20)) {
        fclose(f);
        return lora_fail(LORA_ERR_FORMAT, "%s: padded vocab %d does not fit vocab %d", path, Vp, cfg.vocab_size);
    }
    L = cfg.n_layer; C = cfg.n_embd; F = 4 * C;
    {
        /* the file size the header implies, checked before allocating anything */
        uint64_t c = (uint64_t)C, floats = (uint64_t)Vp * c + (uint64_t)cfg.n_positions * c + 2 * c +
                     (uint64_t)L * (2 * c + 3 * c * c + 3 * c + c * c + c + 2 * c + 4 * c * c + 4 * c + 4 * c * c + c);
        uint64_t expect = 1024 + floats * (bf16 ? 2u : 4u);
        long size;
        if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 1024, SEEK_SET) != 0) {
            fclose(f);
            return lora_fail(LORA_ERR_IO, "%s: cannot determine file size", path);
        }
        if ((uint64_t)size != expect) {
            fclose(f);
            return lora_fail(LORA_ERR_FORMAT, "%s: %s llm.c checkpoint: a %d-layer, width-%d model with vocab %d (padded %d) and %d positions "
                             "needs %llu bytes, the file has %ld", path, (uint64_t)size < expect ? "truncated" : "oversized", L, C,
                             cfg.vocab_size, Vp, cfg.n_positions, (unsigned long long)expect, size);
        }
    }
    if ((s = gpt2_model_create(&cfg, pool, &m)) != LORA_OK) { fclose(f); return s; }
    {
        /* one buffer large enough for the largest tensor read: wte (Vp x C), wpe (P x C) or a 4C x C matrix */
        size_t need = (size_t)Vp * (size_t)C;
        if ((size_t)cfg.n_positions * (size_t)C > need) need = (size_t)cfg.n_positions * (size_t)C;
        if ((size_t)F * (size_t)C > need) need = (size_t)F * (size_t)C;
        buf = (float *)lora_malloc(sizeof(float) * need, "llm.c read buffer");
    }
    if (!buf) { fclose(f); gpt2_model_free(m); return LORA_ERR_OOM; }
    {
        /* read n values (converting bf16) into buf */
#define GPT2__READ(n) do { size_t n_ = (size_t)(n), i_; \
            if (bf16) { uint16_t *u_ = (uint16_t *)buf; if (lora_fread_le(u_, 2, n_, f) != n_) goto trunc; \
                for (i_ = n_; i_-- > 0;) buf[i_] = lora_bf16_to_f32(u_[i_]); } \
            else if (lora_fread_le(buf, 4, n_, f) != n_) goto trunc; } while (0)
        /* Linear (out, in) -> Conv1D (in, out) */
#define GPT2__TRANSPOSE_INTO(dst, out_, in_) do { int o_, i2_; for (o_ = 0; o_ < (out_); o_++) \
            for (i2_ = 0; i2_ < (in_); i2_++) (dst)[(size_t)i2_ * (out_) + o_] = buf[(size_t)o_ * (in_) + i2_]; } while (0)
        static const int order[12] = {GPT2__LN1W, GPT2__LN1B, GPT2__ATTW, GPT2__ATTB, GPT2__APRW, GPT2__APRB,
                                      GPT2__LN2W, GPT2__LN2B, GPT2__FCW, GPT2__FCB, GPT2__FPRW, GPT2__FPRB};
        int k;
        GPT2__READ((size_t)Vp * C);
        memcpy(gpt2__t(m, 0), buf, sizeof(float) * (size_t)cfg.vocab_size * C);
        GPT2__READ((size_t)cfg.n_positions * C);
        memcpy(gpt2__t(m, 1), buf, sizeof(float) * (size_t)cfg.n_positions * C);
        for (k = 0; k < 12; k++) {
            for (l = 0; l < L; l++) {
                gpt2__tensor *t = &m->tensors[gpt2__lt(l, order[k])];
                float *dst = gpt2__t(m, gpt2__lt(l, order[k]));
                GPT2__READ(t->numel);
                if (t->ndim == 2) GPT2__TRANSPOSE_INTO(dst, (int)t->shape[1], (int)t->shape[0]);
                else memcpy(dst, buf, sizeof(float) * (size_t)t->numel);
            }
        }
        GPT2__READ(C); memcpy(gpt2__t(m, m->n_tensors - 2), buf, sizeof(float) * (size_t)C);
        GPT2__READ(C); memcpy(gpt2__t(m, m->n_tensors - 1), buf, sizeof(float) * (size_t)C);
#undef GPT2__READ
#undef GPT2__TRANSPOSE_INTO
    }
    if (fgetc(f) != EOF) { s = lora_fail(LORA_ERR_FORMAT, "%s: trailing bytes after the last llm.c tensor", path); goto fail; }
    if ((s = gpt2__check_finite(m, path)) != LORA_OK) goto fail;
    fclose(f);
    lora_free(buf);
    *out = m;
    return LORA_OK;
trunc:
    s = lora_fail(LORA_ERR_FORMAT, "%s: truncated llm.c checkpoint (file ends before all weights of a %d-layer, width-%d model)", path, L, C);
fail:
    fclose(f);
    lora_free(buf);
    gpt2_model_free(m);
    return s;
}

LORA_API lora_status gpt2_model_load(const char *path, const char *config_path, lora_pool *pool, gpt2_model **out) {
    FILE *f;
    int32_t magic = 0;
    size_t got;
    if (!path || !out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_load: NULL argument");
    *out = NULL;
    f = fopen(path, "rb");
    if (!f) return lora_fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    got = lora_fread_le(&magic, 4, 1, f) * 4;
    fclose(f);
    if (got == 4 && magic == GPT2__LLMC_CKPT_MAGIC) return gpt2__load_llmc(path, pool, out);
    if (got == 4 && (uint32_t)magic == GPT2__GGUF_MAGIC) return gpt2__load_gguf(path, pool, out);
    return gpt2__load_safetensors(path, config_path, pool, LORA_DT_F32, out);
}

/* The same model with its matrices in bf16 (a copy; m is freed, also on failure). */
static lora_status gpt2__to_bf16(gpt2_model *m, gpt2_model **out) {
    gpt2_model *b;
    lora_status s;
    int i;
    *out = NULL;
    if ((s = gpt2__model_new(&m->cfg, m->pool, 1, LORA_DT_BF16, &b)) != LORA_OK) { gpt2_model_free(m); return s; }
    for (i = 0; i < m->n_tensors; i++) gpt2__store(b, i, 0, gpt2__t(m, i), (size_t)m->tensors[i].numel);
    gpt2_model_free(m);
    *out = b;
    return LORA_OK;
}

LORA_API lora_status gpt2_model_load_as(const char *path, const char *config_path, lora_pool *pool, lora_dtype base_dtype,
                                        gpt2_model **out) {
    FILE *f;
    int32_t magic = 0;
    size_t got;
    lora_status s;
    if (!path || !out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_load_as: NULL argument");
    *out = NULL;
    if (base_dtype != LORA_DT_BF16) return gpt2_model_load(path, config_path, pool, out);
    f = fopen(path, "rb");
    if (!f) return lora_fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    got = lora_fread_le(&magic, 4, 1, f) * 4;
    fclose(f);
    if (got == 4 && (magic == GPT2__LLMC_CKPT_MAGIC || (uint32_t)magic == GPT2__GGUF_MAGIC)) {
        gpt2_model *m;   /* llm.c checkpoints and GGUF files: read in fp32, then converted */
        s = magic == GPT2__LLMC_CKPT_MAGIC ? gpt2__load_llmc(path, pool, &m) : gpt2__load_gguf(path, pool, &m);
        if (s != LORA_OK) return s;
        return gpt2__to_bf16(m, out);
    }
    return gpt2__load_safetensors(path, config_path, pool, LORA_DT_BF16, out);
}

LORA_API lora_status gpt2_model_save(const gpt2_model *m, const char *path) {
    lora_st_entry *e;
    lora_atomic_file cfg_file;
    const char *mk = "format", *mv = "pt";
    char *cpath;
    lora_status s;
    int i;
    if (!m || !path) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_save: NULL argument");
    if ((s = gpt2__ensure_parent(path)) != LORA_OK) return s;
    e = (lora_st_entry *)lora_calloc((size_t)m->n_tensors, sizeof *e, "tensor list");
    if (!e) return LORA_ERR_OOM;
    for (i = 0; i < m->n_tensors; i++) {
        const gpt2__tensor *t = &m->tensors[i];
        e[i].name = t->name; e[i].dtype = t->bf16 ? LORA_DT_BF16 : LORA_DT_F32; e[i].ndim = t->ndim;
        e[i].shape[0] = t->shape[0]; e[i].shape[1] = t->shape[1];
        e[i].data = t->bf16 ? (const void *)gpt2__tb(m, i) : (const void *)gpt2__t(m, i);
    }
    /* both files or neither: config.json waits in its temporary file until the weights are in place */
    cpath = gpt2__sibling_path(path, "config.json");
    if (!cpath) { lora_free(e); return LORA_ERR_OOM; }
    s = gpt2__write_config_json(&m->cfg, cpath, &cfg_file);
    lora_free(cpath);
    if (s == LORA_OK) {
        s = lora_st_write(path, e, (size_t)m->n_tensors, &mk, &mv, 1);
        if (s == LORA_OK) s = lora_atomic_commit(&cfg_file);
        else lora_atomic_abort(&cfg_file);
    }
    lora_free(e);
    return s;
}

LORA_API lora_status gpt2_model_save_llmc(const gpt2_model *m, const char *path) {
    static const int order[12] = {GPT2__LN1W, GPT2__LN1B, GPT2__ATTW, GPT2__ATTB, GPT2__APRW, GPT2__APRB,
                                  GPT2__LN2W, GPT2__LN2B, GPT2__FCW, GPT2__FCB, GPT2__FPRW, GPT2__FPRB};
    lora_atomic_file af;
    int32_t h[256];
    lora_status s;
    int C, Vp, k, l;
    float *buf;
    if (!m || !path) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_save_llmc: NULL argument");
    if (m->base_dtype != LORA_DT_F32)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: llm.c checkpoints are written from fp32 weights; this model holds bf16 ones", path);
    if ((s = gpt2__ensure_parent(path)) != LORA_OK) return s;
    if (m->cfg.n_inner > 0 && m->cfg.n_inner != 4 * m->cfg.n_embd)
        return lora_fail(LORA_ERR_UNSUPPORTED, "llm.c checkpoints require n_inner = 4 * n_embd");
    C = m->cfg.n_embd;
    Vp = (m->cfg.vocab_size + 127) / 128 * 128;
    memset(h, 0, sizeof h);
    h[0] = GPT2__LLMC_CKPT_MAGIC; h[1] = 3; h[2] = m->cfg.n_positions; h[3] = m->cfg.vocab_size;
    h[4] = m->cfg.n_layer; h[5] = m->cfg.n_head; h[6] = C; h[7] = Vp;
    buf = (float *)lora_calloc((size_t)(Vp - m->cfg.vocab_size) * C + (size_t)4 * C * C + 1, sizeof(float), "llm.c write buffer");
    if (!buf) return LORA_ERR_OOM;
    if ((s = lora_atomic_open(&af, path)) != LORA_OK) { lora_free(buf); return s; }
    lora_atomic_write_le(&af, h, sizeof h, 4);
    lora_atomic_write_le(&af, gpt2__t(m, 0), sizeof(float) * (size_t)m->cfg.vocab_size * C, 4);
    lora_atomic_write_le(&af, buf, sizeof(float) * (size_t)(Vp - m->cfg.vocab_size) * C, 4); /* zero padding rows */
    lora_atomic_write_le(&af, gpt2__t(m, 1), sizeof(float) * (size_t)m->cfg.n_positions * C, 4);
    for (k = 0; k < 12; k++)
        for (l = 0; l < m->cfg.n_layer; l++) {
            const gpt2__tensor *t = &m->tensors[gpt2__lt(l, order[k])];
            const float *src = gpt2__t(m, gpt2__lt(l, order[k]));
            if (t->ndim == 2) {
                int in = (int)t->shape[0], outd = (int)t->shape[1], i, o;
                for (o = 0; o < outd; o++)
                    for (i = 0; i < in; i++) buf[(size_t)o * in + i] = src[(size_t)i * outd + o];
                lora_atomic_write_le(&af, buf, sizeof(float) * (size_t)t->numel, 4);
            } else {
                lora_atomic_write_le(&af, src, sizeof(float) * (size_t)t->numel, 4);
            }
        }
    lora_atomic_write_le(&af, gpt2__t(m, m->n_tensors - 2), sizeof(float) * (size_t)C, 4);
    lora_atomic_write_le(&af, gpt2__t(m, m->n_tensors - 1), sizeof(float) * (size_t)C, 4);
    lora_free(buf);
    return lora_atomic_commit(&af);
}


/* ---- gpt2/20_forward.impl.c ---- */
/* ---- forward and backward, one pair of functions per layer ----
   Activations for a (B, T) batch live in one arena (gpt2__acts), sized on first use and
   regrown when a larger batch arrives. Row-wise ops run over the pool in fixed chunks so
   results do not depend on the thread count. */

#define GPT2__IGNORE (-100)
#define GPT2__ROWS_PER_TASK 16

typedef struct gpt2__layer_acts {
    float *ln1_mean, *ln1_rstd;        /* (N), (N): ln_1's output is recomputed where backward needs it */
    float *qkv;                        /* (N, 3C) */
    float *atty;                       /* (N, C) attention output before c_proj */
    float *res2;                       /* (N, C) residual after attention */
    float *ln2_mean, *ln2_rstd;
    float *fch;                        /* (N, F) c_fc output before gelu */
    float *res3;                       /* (N, C) layer output */
} gpt2__layer_acts;

typedef struct gpt2__lora_acts {
    float *h;                          /* (N, r): dropout(x) @ A^T */
    unsigned char *mask;               /* (N, in) dropout keep mask, or NULL */
} gpt2__lora_acts;

struct gpt2__acts {
    int B, T, V;                       /* sized for B*T rows */
    size_t n_floats;
    float *arena;
    unsigned char *mask_arena;
    size_t mask_bytes;
    float *encoded;                    /* (N, C) */
    gpt2__layer_acts *layers;
    float *lnf, *lnf_mean, *lnf_rstd;
    float *ln;                         /* (N, C) ln_1 / ln_2 output of the current block (forward), recomputed
                                          from the block's input and kept statistics in backward when a
                                          module reads it (LoRA, full fine-tuning): 2 N C floats a block saved */
    float *logits;                     /* (N, V), outside the arena, allocated by the first forward that keeps
                                          logits (not by training steps: they use the fused output layer);
                                          dlogits in place after backward */
    size_t logits_floats;
    void *ws;                          /* scratch of the frozen-weight products and the fused output layer */
    size_t ws_bytes;
    int32_t *targets;                  /* (N) the label each row predicts, or -1 (fused path) */
    int fused;                         /* the last forward ran the fused output layer: d_ln holds its input gradient */
    float *row_loss;                   /* (N) */
    float *gelu;                       /* (N, F) scratch: gelu(fch) of the current layer */
    float *scratch_in;                 /* (N, max(in)) scratch: dropout input, gradient of a LoRA input */
    float *d_res, *d_ln, *d_atty;      /* (N, C) backward buffers */
    float *d_qkv;                      /* (N, 3C) */
    float *d_fch;                      /* (N, F) */
    float *d_h;                        /* (N, max r) */
    float *att_scratch;                /* threads x 2 x T x T: a (batch, head)'s attention probabilities (never
                                          kept: backward recomputes them, the same bits) and their gradient */
    int att_scratch_threads;
    gpt2__lora_acts *lora;             /* per model module */
    int lora_r;                        /* r the lora buffers were sized for */
    int32_t *inputs, *labels;          /* copies of the last batch */
    int has_forward, has_labels;
    int cur_B, cur_T;
    float loss;
    float count;                       /* number of predicted (non-ignored) targets */
};

static void gpt2__acts_free(gpt2__acts *a) {
    if (!a) return;
    lora_free_aligned(a->arena);
    lora_free_aligned(a->logits);
    lora_free_aligned(a->ws);
    lora_free(a->targets);
    lora_free(a->mask_arena);
    lora_free(a->layers);
    lora_free(a->lora);
    lora_free(a->inputs);
    lora_free(a->labels);
    lora_free(a);
}

/* The largest LoRA rank of an adapter (0 without one): the LoRA buffers are sized for it. */
static int gpt2__adapter_rank(const lora_adapter *ad) {
    int r = 0, i;
    if (!ad) return 0;
    r = ad->config.r;
    for (i = 0; i < ad->n_modules; i++) if (ad->modules[i].r > r) r = ad->modules[i].r;
    return r;
}

/* The activation arena as one size table (llm.c's act_sizes): an entry per buffer, with where
   its address goes and how many floats it holds, filled from B, T, the config, the largest LoRA
   rank r and the thread count. The arena's size and its carving both come from the table, and
   gpt2_estimate_memory sums the same table. Every buffer starts on a 64-byte boundary. */
typedef struct gpt2__act_size {
    float **ptr;                       /* where the buffer's address goes (NULL: sizes only) */
    size_t floats;
} gpt2__act_size;

#define GPT2__ACT_ROUND(n) (((n) + 15) & ~(size_t)15) /* floats, rounded up to 64 bytes */

/* Fills t (NULL: only counts) for the buffers of a (NULL: sizes only, for estimates); returns
   the number of entries. */
static int gpt2__act_sizes(gpt2__acts *a, const gpt2_config *c, int n_linears, int B, int T, int r, int threads,
                           gpt2__act_size *t) {
    const size_t N = (size_t)B * T, C = (size_t)c->n_embd, F = (size_t)gpt2__inner(c), V = (size_t)c->vocab_size;
    const size_t H = (size_t)c->n_head, R = (size_t)(r > 0 ? r : 1), maxin = F > C ? F : C;
    (void)V;
    int k = 0, l, i;
#define GPT2__ACT(buf, count) do { if (t) { t[k].ptr = a ? &(buf) : NULL; t[k].floats = (count); } k++; } while (0)
    GPT2__ACT(a->encoded, N * C);
    for (l = 0; l < c->n_layer; l++) {
        GPT2__ACT(a->layers[l].ln1_mean, N); GPT2__ACT(a->layers[l].ln1_rstd, N);
        GPT2__ACT(a->layers[l].qkv, N * 3 * C);
        GPT2__ACT(a->layers[l].atty, N * C);
        GPT2__ACT(a->layers[l].res2, N * C);
        GPT2__ACT(a->layers[l].ln2_mean, N); GPT2__ACT(a->layers[l].ln2_rstd, N);
        GPT2__ACT(a->layers[l].fch, N * F);
        GPT2__ACT(a->layers[l].res3, N * C);
    }
    GPT2__ACT(a->lnf, N * C); GPT2__ACT(a->lnf_mean, N); GPT2__ACT(a->lnf_rstd, N);
    GPT2__ACT(a->ln, N * C);
    GPT2__ACT(a->row_loss, N);
    GPT2__ACT(a->gelu, N * F);
    GPT2__ACT(a->scratch_in, N * maxin);
    GPT2__ACT(a->d_res, N * C); GPT2__ACT(a->d_ln, N * C); GPT2__ACT(a->d_atty, N * C);
    GPT2__ACT(a->d_qkv, N * 3 * C);
    GPT2__ACT(a->d_fch, N * F);
    GPT2__ACT(a->d_h, N * R);
    GPT2__ACT(a->att_scratch, (size_t)threads * 2 * T * T);
    (void)H;
    for (i = 0; i < n_linears; i++) GPT2__ACT(a->lora[i].h, N * R);
#undef GPT2__ACT
    return k;
}

/* The table for B x T, in a new array of *n entries (lora_free it); NULL when out of memory. */
static gpt2__act_size *gpt2__act_table(gpt2__acts *a, const gpt2_config *c, int n_linears, int B, int T, int r,
                                       int threads, int *n) {
    gpt2__act_size *t;
    *n = gpt2__act_sizes(NULL, c, n_linears, B, T, r, threads, NULL);
    t = (gpt2__act_size *)lora_malloc(sizeof *t * (size_t)*n, "activation table");
    if (t) gpt2__act_sizes(a, c, n_linears, B, T, r, threads, t);
    return t;
}

/* Floats in the arena the table describes. */
static size_t gpt2__act_total(const gpt2__act_size *t, int n) {
    size_t total = 0;
    int i;
    for (i = 0; i < n; i++) total += GPT2__ACT_ROUND(t[i].floats);
    return total;
}

static lora_wmat gpt2__module_wmat(const gpt2_model *m, int mi, int *transposed);

/* Scratch of the frozen-weight products over N rows (forward and input gradient of every
   module) and of the fused output layer. */
static size_t gpt2__ws_size(const gpt2_config *c, lora_dtype dtype, const lora_pool *pool, int N, int fused) {
    size_t need = 0, b;
    int i, C = c->n_embd, F = gpt2__inner(c);
    const int rows[4] = {C, C, C, F}, cols[4] = {3 * C, C, F, C};
    lora_wmat w;
    w.dtype = dtype; w.data = NULL;
    for (i = 0; i < 4; i++) {   /* a block's Conv1D weights (in, out) */
        w.rows = rows[i]; w.cols = cols[i];
        if ((b = lora_wmat_mul_scratch(pool, N, &w, 0)) > need) need = b;
        if ((b = lora_wmat_mul_scratch(pool, N, &w, 1)) > need) need = b;
    }
    w.rows = c->vocab_size; w.cols = C;   /* the tied lm_head (V, C); its input gradient in chunks of rows */
    if ((b = lora_wmat_mul_scratch(pool, N, &w, 1)) > need) need = b;
    if ((b = lora_wmat_mul_scratch(pool, N < LORA_CE_CHUNK_ROWS ? N : LORA_CE_CHUNK_ROWS, &w, 0)) > need) need = b;
    if (fused && (b = lora_lm_head_ce_scratch(pool, N, &w)) > need) need = b;
    return need;
}
static size_t gpt2__ws_bytes(const gpt2_model *m, const lora_pool *pool, int N) {
    return gpt2__ws_size(&m->cfg, m->base_dtype, pool, N, !m->full);
}

/* Sizes the activation arena for B x T (and the active adapter's rank and dropout). */
static lora_status gpt2__acts_ensure(gpt2_model *m, int B, int T) {
    gpt2__acts *a = m->acts;
    const gpt2_config *c = &m->cfg;
    size_t N = (size_t)B * T, mask_bytes = 0;
    int threads = lora_pool_threads(m->pool), r = gpt2__adapter_rank(m->adapter), i, need_mask;
    need_mask = m->adapter && m->training && m->adapter->config.dropout > 0.0f;
    if (need_mask)
        for (i = 0; i < m->adapter->n_modules; i++) mask_bytes += N * (size_t)m->adapter->modules[i].in;
    if (a && a->B * a->T >= B * T && a->T >= T && a->att_scratch_threads >= threads && a->lora_r >= r &&
        a->mask_bytes >= mask_bytes && a->B >= B && a->ws_bytes >= gpt2__ws_bytes(m, m->pool, B * T)) {
        /* big enough; but lora pointers depend on the adapter layout: recompute below */
    } else {
        gpt2__act_size *t;
        size_t off = 0;
        int n;
        if (a) { gpt2__acts_free(a); m->acts = NULL; }
        a = (gpt2__acts *)lora_calloc(1, sizeof *a, "activations");
        if (!a) return LORA_ERR_OOM;
        a->B = B; a->T = T; a->V = c->vocab_size;
        a->layers = (gpt2__layer_acts *)lora_calloc((size_t)c->n_layer, sizeof *a->layers, "activations");
        a->lora = (gpt2__lora_acts *)lora_calloc((size_t)m->n_linears, sizeof *a->lora, "activations");
        if (!a->layers || !a->lora) { gpt2__acts_free(a); return LORA_ERR_OOM; }
        t = gpt2__act_table(a, c, m->n_linears, B, T, r, threads, &n);
        if (!t) { gpt2__acts_free(a); return LORA_ERR_OOM; }
        a->n_floats = gpt2__act_total(t, n);
        a->arena = (float *)lora_alloc_aligned(a->n_floats * sizeof(float), "activations");
        a->inputs = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        a->labels = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        a->targets = (int32_t *)lora_malloc(sizeof(int32_t) * N, "activations");
        a->ws_bytes = gpt2__ws_bytes(m, m->pool, B * T);
        a->ws = a->ws_bytes ? lora_alloc_aligned(a->ws_bytes, "frozen-weight product scratch") : NULL;
        if (mask_bytes) a->mask_arena = (unsigned char *)lora_malloc(mask_bytes, "dropout masks");
        if (!a->arena || !a->inputs || !a->labels || !a->targets || (a->ws_bytes && !a->ws) || (mask_bytes && !a->mask_arena)) {
            lora_free(t);
            gpt2__acts_free(a);
            return LORA_ERR_OOM;
        }
        for (i = 0; i < n; i++) { *t[i].ptr = a->arena + off; off += GPT2__ACT_ROUND(t[i].floats); }
        lora_free(t);
        a->mask_bytes = mask_bytes;
        a->att_scratch_threads = threads;
        a->lora_r = r;
        m->acts = a;
    }
    /* per-module dropout masks follow the adapter's layout */
    {
        size_t moff = 0;
        for (i = 0; i < m->n_linears; i++) {
            lora_module *lm = lora_adapter_module(m->adapter, i);
            a->lora[i].mask = NULL;
            if (need_mask && lm) { a->lora[i].mask = a->mask_arena + moff; moff += N * (size_t)lm->in; }
        }
    }
    a->cur_B = B; a->cur_T = T;
    return LORA_OK;
}

/* From the activation size table (all zero in the unlikely case that its few bytes per buffer
   cannot be allocated). */
static void gpt2__estimate(const gpt2_config *cfg, lora_dtype dtype, const lora_adapter *ad, int full, int B, int T,
                           int threads, lora_memory_estimate *out);
LORA_API void gpt2_estimate_memory(const gpt2_config *cfg, const lora_adapter *ad, int full, int B, int T, int threads,
                                   lora_memory_estimate *out) {
    gpt2__estimate(cfg, LORA_DT_F32, ad, full, B, T, threads, out);
}

/* The estimate for frozen weights in dtype: the matrices in bf16 halve the weights; the
   fused output layer's chunk and the products' scratch (one thread's share) are counted. */
static void gpt2__estimate(const gpt2_config *cfg, lora_dtype dtype, const lora_adapter *ad, int full, int B, int T,
                           int threads, lora_memory_estimate *out) {
    int r = gpt2__adapter_rank(ad), i, n, n_lin = gpt2_config_num_linears(cfg);
    size_t trainable = 0, lora_vals = 0, masks = 0, weights_f = 0, mats = 0, ws;
    int keeps;
    gpt2__act_size *t;
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!cfg) return;
    if (threads < 1) threads = 1;
    weights_f = (size_t)gpt2_config_num_params(cfg);
    if (ad) {
        lora_vals = (size_t)lora_adapter_num_params(ad);
        if (ad->config.dropout > 0)
            for (i = 0; i < ad->n_modules; i++) masks += (size_t)B * T * (size_t)ad->modules[i].in;
    }
    if (!(t = gpt2__act_table(NULL, cfg, n_lin, B, T, r, threads, &n))) return;
    trainable = full ? weights_f : lora_vals;
    {
        /* the matrices: wte (tied lm_head) and four per block */
        size_t C = (size_t)cfg->n_embd, F = (size_t)gpt2__inner(cfg), N = (size_t)B * T, V = (size_t)cfg->vocab_size;
        mats = dtype == LORA_DT_BF16 ? V * C + (size_t)cfg->n_layer * (3 * C * C + C * C + 2 * C * F) : 0;
        /* the products' scratch (the fused output layer's chunk of logits included; sized for one
           thread's packing buffers), and full fine-tuning keeps every logit */
        keeps = full || (ad && lora_adapter_find(ad, "lm_head"));   /* the unfused output layer */
        ws = gpt2__ws_size(cfg, dtype, NULL, B * T, !full) + (keeps ? N * V * sizeof(float) : 0);
    }
    out->weights = weights_f * sizeof(float) - mats * 2;
    out->activations = gpt2__act_total(t, n) * sizeof(float) + masks + ws;
    out->adapter = lora_vals * sizeof(float);
    out->gradients = trainable * sizeof(float);
    out->optimizer = 2 * trainable * sizeof(float);
    out->total = out->weights + out->activations + out->adapter + out->gradients + out->optimizer;
    lora_free(t);
}

/* ---- parallel helpers ---- */
typedef void (*gpt2__rows_fn)(void *ctx, int row0, int row1);
typedef struct { gpt2__rows_fn fn; void *ctx; int n; } gpt2__rows_job;
static void gpt2__rows_task(void *ctx, int task, int thread) {
    gpt2__rows_job *j = (gpt2__rows_job *)ctx;
    int r0 = task * GPT2__ROWS_PER_TASK, r1 = r0 + GPT2__ROWS_PER_TASK;
    (void)thread;
    if (r1 > j->n) r1 = j->n;
    j->fn(j->ctx, r0, r1);
}
/* Runs fn over rows [0, n) in fixed chunks across the pool. */
static void gpt2__parallel_rows(lora_pool *pool, int n, gpt2__rows_fn fn, void *ctx) {
    gpt2__rows_job j;
    j.fn = fn; j.ctx = ctx; j.n = n;
    lora_pool_run(pool, gpt2__rows_task, &j, (n + GPT2__ROWS_PER_TASK - 1) / GPT2__ROWS_PER_TASK);
}

/* ---- embedding ---- */
typedef struct { gpt2_model *m; const int32_t *inputs; int T; float *out; const lora_vecops *v; } gpt2__enc_ctx;
static void gpt2__encoder_rows(void *vctx, int r0, int r1) {
    gpt2__enc_ctx *e = (gpt2__enc_ctx *)vctx;
    int C = e->m->cfg.n_embd, r;
    const float *wte = gpt2__t(e->m, 0), *wpe = gpt2__t(e->m, 1);
    for (r = r0; r < r1; r++) {
        const float *p = wpe + (size_t)(e->m->pos ? e->m->pos[r] : r % e->T) * C;
        float *o = e->out + (size_t)r * C;
        if (wte) e->v->add(wte + (size_t)e->inputs[r] * C, p, o, (size_t)C);
        else { lora_bf16_to_f32_n(gpt2__tb(e->m, 0) + (size_t)e->inputs[r] * C, o, (size_t)C); e->v->acc(o, p, (size_t)C); }
    }
}
static void gpt2__encoder_forward(gpt2_model *m, const int32_t *inputs, int B, int T, float *out) {
    gpt2__enc_ctx e;
    e.m = m; e.inputs = inputs; e.T = T; e.out = out; e.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, B * T, gpt2__encoder_rows, &e);
}
/* Full fine-tuning: dwte[id] += d, dwpe[t] += d (sequential: rows may share a token). */
static void gpt2__encoder_backward(gpt2_model *m, const float *dout, const int32_t *inputs, int B, int T) {
    int C = m->cfg.n_embd, r;
    float *dwte = m->grads + m->tensors[0].offset, *dwpe = m->grads + m->tensors[1].offset;
    const lora_vecops *v = lora_vec(m->pool);
    for (r = 0; r < B * T; r++) {
        const float *d = dout + (size_t)r * C;
        v->acc(dwte + (size_t)inputs[r] * C, d, (size_t)C);
        v->acc(dwpe + (size_t)(m->pos ? m->pos[r] : r % T) * C, d, (size_t)C);
    }
}

/* ---- layernorm ---- */
typedef struct { const float *x, *w, *b; float *out, *mean, *rstd; int C; float eps; const lora_vecops *v; } gpt2__ln_ctx;
static void gpt2__layernorm_rows(void *vctx, int r0, int r1) {
    gpt2__ln_ctx *l = (gpt2__ln_ctx *)vctx;
    int C = l->C, r;
    for (r = r0; r < r1; r++) {
        const float *x = l->x + (size_t)r * C;
        float mu = l->v->sum(x, C) / (float)C;
        float var = l->v->sumsq_centered(x, C, mu) / (float)C, rs = 1.0f / sqrtf(var + l->eps);
        l->v->norm_affine(x, l->out + (size_t)r * C, l->w, l->b, C, mu, rs);
        l->mean[r] = mu; l->rstd[r] = rs;
    }
}
static void gpt2__layernorm_forward(gpt2_model *m, const float *x, const float *w, const float *b, float *out,
                                    float *mean, float *rstd, int N) {
    gpt2__ln_ctx l;
    l.x = x; l.w = w; l.b = b; l.out = out; l.mean = mean; l.rstd = rstd; l.C = m->cfg.n_embd; l.eps = m->cfg.layer_norm_eps;
    l.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__layernorm_rows, &l);
}
typedef struct { const float *dout, *x, *w, *mean, *rstd; float *dx; int C; const lora_vecops *v; } gpt2__lnb_ctx;
static void gpt2__layernorm_back_rows(void *vctx, int r0, int r1) {
    gpt2__lnb_ctx *l = (gpt2__lnb_ctx *)vctx;
    int C = l->C, r;
    for (r = r0; r < r1; r++)
        l->v->ln_back(l->x + (size_t)r * C, l->dout + (size_t)r * C, l->w, l->dx + (size_t)r * C, C, l->mean[r], l->rstd[r]);
}
/* Column sums for weight/bias gradients: dw[i] += sum_r dout[r,i] * norm[r,i], db[i] += sum_r dout[r,i].
   Split by columns so every sum runs over rows in order (thread-count independent). */
typedef struct { const float *dout, *x, *mean, *rstd; float *dw, *db; int N, C; const lora_vecops *v; } gpt2__lnw_ctx;
static void gpt2__layernorm_wgrad_cols(void *vctx, int c0, int c1) {
    gpt2__lnw_ctx *l = (gpt2__lnw_ctx *)vctx;
    int r, C = l->C;
    for (r = 0; r < l->N; r++) {
        const size_t o = (size_t)r * C + (size_t)c0;
        l->v->ln_wgrad(l->dout + o, l->x + o, l->dw ? l->dw + c0 : NULL, l->db ? l->db + c0 : NULL, c1 - c0,
                       l->mean ? l->mean[r] : 0.0f, l->rstd ? l->rstd[r] : 1.0f);
    }
}
static void gpt2__layernorm_backward(gpt2_model *m, const float *dout, const float *x, const float *w,
                                     const float *mean, const float *rstd, float *dx, float *dw, float *db, int N) {
    gpt2__lnb_ctx l;
    l.dout = dout; l.x = x; l.w = w; l.mean = mean; l.rstd = rstd; l.dx = dx; l.C = m->cfg.n_embd; l.v = lora_vec(m->pool);
    if (dx) gpt2__parallel_rows(m->pool, N, gpt2__layernorm_back_rows, &l);
    if (dw || db) {
        gpt2__lnw_ctx g;
        g.dout = dout; g.x = x; g.mean = mean; g.rstd = rstd; g.dw = dw; g.db = db; g.N = N; g.C = m->cfg.n_embd;
        g.v = lora_vec(m->pool);
        gpt2__parallel_rows(m->pool, m->cfg.n_embd, gpt2__layernorm_wgrad_cols, &g);
    }
}
/* db[i] += sum over rows of dout[r, i] (bias gradient of a linear layer). */
static void gpt2__bias_backward(gpt2_model *m, const float *dout, float *db, int N, int width) {
    gpt2__lnw_ctx g;
    g.dout = dout; g.x = dout; g.mean = NULL; g.rstd = NULL; g.dw = NULL; g.db = db; g.N = N; g.C = width;
    g.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, width, gpt2__layernorm_wgrad_cols, &g);
}

/* ---- gelu_new (tanh approximation), vectorised in lora.h ---- */
typedef struct { const float *x; float *y; const float *dy; float *dx; int W; const lora_vecops *v; } gpt2__gelu_ctx;
static void gpt2__gelu_rows(void *vctx, int r0, int r1) {
    gpt2__gelu_ctx *g = (gpt2__gelu_ctx *)vctx;
    size_t o = (size_t)r0 * g->W;
    g->v->gelu(g->x + o, g->y + o, (size_t)(r1 - r0) * g->W);
}
static void gpt2__gelu_back_rows(void *vctx, int r0, int r1) {
    gpt2__gelu_ctx *g = (gpt2__gelu_ctx *)vctx;
    size_t o = (size_t)r0 * g->W;
    g->v->gelu_back(g->x + o, g->dy + o, g->dx + o, (size_t)(r1 - r0) * g->W);
}
static void gpt2__gelu_forward(gpt2_model *m, const float *x, float *y, int N, int W) {
    gpt2__gelu_ctx g;
    g.x = x; g.y = y; g.dy = NULL; g.dx = NULL; g.W = W; g.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__gelu_rows, &g);
}
static void gpt2__gelu_backward(gpt2_model *m, const float *x, const float *dy, float *dx, int N, int W) {
    gpt2__gelu_ctx g;
    g.x = x; g.y = NULL; g.dy = dy; g.dx = dx; g.W = W; g.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__gelu_back_rows, &g);
}

/* ---- residual add ---- */
typedef struct { const float *a, *b; float *out; int W; const lora_vecops *v; } gpt2__add_ctx;
static void gpt2__add_rows(void *vctx, int r0, int r1) {
    gpt2__add_ctx *g = (gpt2__add_ctx *)vctx;
    size_t o = (size_t)r0 * g->W;
    g->v->add(g->a + o, g->b + o, g->out + o, (size_t)(r1 - r0) * g->W);
}
static void gpt2__residual_forward(gpt2_model *m, const float *a, const float *b, float *out, int N) {
    gpt2__add_ctx g;
    g.a = a; g.b = b; g.out = out; g.W = m->cfg.n_embd; g.v = lora_vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__add_rows, &g);
}

/* ---- linear (Conv1D) with an optional LoRA branch ---- */

/* Weight and bias of model module mi: Conv1D weight (in, out), or for lm_head wte (out, in). */
static const float *gpt2__module_weight(const gpt2_model *m, int mi, int *transposed) {
    int l = mi / GPT2_LINEARS_PER_LAYER, k = mi % GPT2_LINEARS_PER_LAYER;
    static const int wt[GPT2_LINEARS_PER_LAYER] = {GPT2__ATTW, GPT2__APRW, GPT2__FCW, GPT2__FPRW};
    if (mi == m->n_linears - 1) { *transposed = 1; return gpt2__t(m, 0); }
    *transposed = 0;
    return gpt2__t(m, gpt2__lt(l, wt[k]));
}
/* The same as the engine's frozen-weight view (fp32 or bf16). */
static lora_wmat gpt2__module_wmat(const gpt2_model *m, int mi, int *transposed) {
    int l = mi / GPT2_LINEARS_PER_LAYER, k = mi % GPT2_LINEARS_PER_LAYER;
    static const int wt[GPT2_LINEARS_PER_LAYER] = {GPT2__ATTW, GPT2__APRW, GPT2__FCW, GPT2__FPRW};
    *transposed = mi == m->n_linears - 1;
    return gpt2__wmat(m, *transposed ? 0 : gpt2__lt(l, wt[k]));
}
static int gpt2__module_bias_tensor(const gpt2_model *m, int mi) {
    static const int bt[GPT2_LINEARS_PER_LAYER] = {GPT2__ATTB, GPT2__APRB, GPT2__FCB, GPT2__FPRB};
    if (mi == m->n_linears - 1) return -1;
    return gpt2__lt(mi / GPT2_LINEARS_PER_LAYER, bt[mi % GPT2_LINEARS_PER_LAYER]);
}
/* The adapter's trainable copy of model tensor ti (bias modes "all" / "lora_only"), or NULL. */
static lora_bias_param *gpt2__adapter_bias(const gpt2_model *m, int ti) {
    char full[80];
    if (!m->adapter || !m->adapter->n_biases) return NULL;
    snprintf(full, sizeof full, "transformer.%s", m->tensors[ti].name);
    return lora_adapter_find_bias(m->adapter, full);
}
/* The bias in use: the adapter's trainable copy when it carries one. */
static const float *gpt2__tensor_value(const gpt2_model *m, int ti) {
    lora_bias_param *bp = gpt2__adapter_bias(m, ti);
    return bp ? bp->value : gpt2__t(m, ti);
}
static float *gpt2__tensor_grad(gpt2_model *m, int ti) {
    lora_bias_param *bp = gpt2__adapter_bias(m, ti);
    if (bp) return bp->grad;
    return m->grads ? m->grads + m->tensors[ti].offset : NULL;
}

typedef struct { float *y; const float *b; int W; const lora_vecops *v; } gpt2__bias_ctx;
static void gpt2__bias_rows(void *vctx, int r0, int r1) {
    gpt2__bias_ctx *g = (gpt2__bias_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) g->v->acc(g->y + (size_t)r * g->W, g->b, (size_t)g->W);
}

/* Dropout on the LoRA input: keep with probability 1-p, scale by 1/(1-p). The mask of
   row r of module mi at step s comes from its own seeded stream, so it does not depend
   on threads. */
typedef struct { const float *x; float *xd; unsigned char *mask; int W; float p; uint64_t seed; const lora_vecops *v; } gpt2__drop_ctx;
static void gpt2__dropout_rows(void *vctx, int r0, int r1) {
    gpt2__drop_ctx *d = (gpt2__drop_ctx *)vctx;
    float scale = 1.0f / (1.0f - d->p);
    int r;
    for (r = r0; r < r1; r++) {
        lora_rng rng;
        const size_t o = (size_t)r * d->W;
        lora_rng_seed(&rng, d->seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(r + 1)));
        lora_rng_keep_mask(&rng, d->mask + o, d->W, d->p); /* mask[i] = lora_rng_uniform(&rng) >= p */
        d->v->mask_scale(d->x + o, d->mask + o, d->xd + o, (size_t)d->W, scale);
    }
}
static void gpt2__mask_rows(void *vctx, int r0, int r1) {
    gpt2__drop_ctx *d = (gpt2__drop_ctx *)vctx; /* xd = x * mask * scale (recompute), or mask a gradient */
    const size_t o = (size_t)r0 * d->W;
    d->v->mask_scale(d->x + o, d->mask + o, d->xd + o, (size_t)(r1 - r0) * d->W, 1.0f / (1.0f - d->p));
}
static uint64_t gpt2__dropout_seed(const gpt2_model *m, int mi) {
    uint64_t s = m->dropout_seed * 0xD1B54A32D192ED03ull + m->dropout_step * 0x9E3779B97F4A7C15ull + (uint64_t)mi * 0xBF58476D1CE4E5B9ull;
    return lora_splitmix64(&s);
}

/* y (N, out) = x (N, in) @ W + b (+ LoRA). */
static lora_status gpt2__linear_forward(gpt2_model *m, int mi, const float *x, float *y, int N) {
    const gpt2_linear_info *li = &m->linears[mi];
    int tr, bi = gpt2__module_bias_tensor(m, mi);
    lora_wmat W = gpt2__module_wmat(m, mi, &tr);
    lora_module *lm = lora_adapter_module(m->adapter, mi);
    lora_status s = lora_wmat_mul(m->pool, N, x, li->in, &W, tr, 0, y, li->out, m->acts->ws, m->acts->ws_bytes);
    if (s != LORA_OK) return s;
    if (bi >= 0) {
        gpt2__bias_ctx g;
        g.y = y; g.b = gpt2__tensor_value(m, bi); g.W = li->out; g.v = lora_vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__bias_rows, &g);
    }
    if (lm) {
        gpt2__lora_acts *la = &m->acts->lora[mi];
        const float *xin = x;
        if (la->mask) {
            gpt2__drop_ctx d;
            d.x = x; d.xd = m->acts->scratch_in; d.mask = la->mask; d.W = li->in;
            d.p = m->adapter->config.dropout; d.seed = gpt2__dropout_seed(m, mi); d.v = lora_vec(m->pool);
            gpt2__parallel_rows(m->pool, N, gpt2__dropout_rows, &d);
            xin = m->acts->scratch_in;
        }
        lora_sgemm(m->pool, 0, 1, N, lm->r, li->in, 1.0f, xin, li->in, lm->A, li->in, 0.0f, la->h, lm->r);
        lora_sgemm(m->pool, 0, 1, N, li->out, lm->r, lm->scaling, la->h, lm->r, lm->B, lm->r, 1.0f, y, li->out);
    }
    return LORA_OK;
}

/* dx (N, in) = dy (N, out) @ W^T (+ LoRA branch); gradients of W, b, A, B as trainable.
   dx may be NULL when nothing below needs it. */
static lora_status gpt2__linear_backward(gpt2_model *m, int mi, const float *x, const float *dy, float *dx, int N) {
    const gpt2_linear_info *li = &m->linears[mi];
    int tr, bi = gpt2__module_bias_tensor(m, mi), in = li->in, out = li->out;
    lora_wmat W = gpt2__module_wmat(m, mi, &tr);
    lora_module *lm = lora_adapter_module(m->adapter, mi);
    gpt2__acts *a = m->acts;
    lora_status s;
    if (m->grads) {
        if (tr) lora_sgemm(m->pool, 1, 0, out, in, N, 1.0f, dy, out, x, in, 1.0f, m->grads + m->tensors[0].offset, in);
        else {
            int wt = gpt2__module_bias_tensor(m, mi) - 1; /* weight precedes its bias in the table */
            lora_sgemm(m->pool, 1, 0, in, out, N, 1.0f, x, in, dy, out, 1.0f, m->grads + m->tensors[wt].offset, out);
        }
    }
    if (bi >= 0) {
        float *db = gpt2__tensor_grad(m, bi);
        if (db) gpt2__bias_backward(m, dy, db, N, out);
    }
    if (dx && W.dtype != LORA_DT_F32 && mi == m->n_linears - 1) {
        /* bf16 output layer (V-long rows): LORA_CE_CHUNK_ROWS rows at a time, the scratch of the fused path */
        int r0;
        for (r0 = 0; r0 < N; r0 += LORA_CE_CHUNK_ROWS)
            if ((s = lora_wmat_mul(m->pool, N - r0 < LORA_CE_CHUNK_ROWS ? N - r0 : LORA_CE_CHUNK_ROWS, dy + (size_t)r0 * out, out,
                                   &W, !tr, 0, dx + (size_t)r0 * in, in, a->ws, a->ws_bytes)) != LORA_OK) return s;
    } else if (dx && (s = lora_wmat_mul(m->pool, N, dy, out, &W, !tr, 0, dx, in, a->ws, a->ws_bytes)) != LORA_OK) return s;
    if (lm) {
        gpt2__lora_acts *la = &a->lora[mi];
        const float *xin = x;
        gpt2__drop_ctx d;
        d.x = x; d.xd = a->scratch_in; d.mask = la->mask; d.W = in; d.p = m->adapter->config.dropout; d.seed = 0;
        d.v = lora_vec(m->pool);
        if (la->mask) { gpt2__parallel_rows(m->pool, N, gpt2__mask_rows, &d); xin = a->scratch_in; }
        lora_sgemm(m->pool, 1, 0, out, lm->r, N, lm->scaling, dy, out, la->h, lm->r, 1.0f, lm->dB, lm->r);
        lora_sgemm(m->pool, 0, 0, N, lm->r, out, lm->scaling, dy, out, lm->B, lm->r, 0.0f, a->d_h, lm->r);
        lora_sgemm(m->pool, 1, 0, lm->r, in, N, 1.0f, a->d_h, lm->r, xin, in, 1.0f, lm->dA, in);
        if (dx) {
            if (la->mask) {
                /* d(dropout input) = dh @ A, then through the mask: dx += mask * scale * that */
                lora_sgemm(m->pool, 0, 0, N, in, lm->r, 1.0f, a->d_h, lm->r, lm->A, in, 0.0f, a->scratch_in, in);
                d.x = a->scratch_in; d.xd = a->scratch_in;
                gpt2__parallel_rows(m->pool, N, gpt2__mask_rows, &d);
                {
                    gpt2__add_ctx g;
                    g.a = dx; g.b = a->scratch_in; g.out = dx; g.W = in; g.v = lora_vec(m->pool);
                    gpt2__parallel_rows(m->pool, N, gpt2__add_rows, &g);
                }
            } else {
                lora_sgemm(m->pool, 0, 0, N, in, lm->r, 1.0f, a->d_h, lm->r, lm->A, in, 1.0f, dx, in);
            }
        }
    }
    return LORA_OK;
}

/* ---- causal self-attention, one task per (batch, head) ---- */
typedef struct { gpt2_model *m; const float *qkv; float *out; const float *dout; float *dqkv; int B, T; const lora_vecops *v; } gpt2__att_ctx;
/* The softmax probabilities P (T x T) of (batch b, head h), zero outside each row's keys. */
static void gpt2__attention_probs(gpt2__att_ctx *c, int b, int h, float *P) {
    int H = c->m->cfg.n_head, C = c->m->cfg.n_embd, D = C / H, T = c->T, i, j;
    const float *q = c->qkv + (size_t)b * T * 3 * C + (size_t)h * D, *k = q + C;
    float scale = 1.0f / sqrtf((float)D);
    lora_sgemm(NULL, 0, 1, T, T, D, scale, q, 3 * C, k, 3 * C, 0.0f, P, T);
    for (i = 0; i < T; i++) {
        /* keys from the start of row i's sequence (a packed sample sees only itself) to i */
        int s0 = c->m->pos ? i - c->m->pos[(size_t)b * T + i] : 0;
        float *p = P + (size_t)i * T, mx = c->v->max(p + s0, i + 1 - s0);
        c->v->scale(p + s0, i + 1 - s0, 1.0f / c->v->exp_sum(p + s0, p + s0, i + 1 - s0, mx));
        for (j = 0; j < s0; j++) p[j] = 0.0f;
        for (j = i + 1; j < T; j++) p[j] = 0.0f;
    }
}
static void gpt2__attention_task(void *vctx, int task, int thread) {
    gpt2__att_ctx *c = (gpt2__att_ctx *)vctx;
    int H = c->m->cfg.n_head, C = c->m->cfg.n_embd, D = C / H, T = c->T, b = task / H, h = task % H;
    const float *v = c->qkv + (size_t)b * T * 3 * C + (size_t)h * D + 2 * C;
    float *P = c->m->acts->att_scratch + (size_t)thread * 2 * T * T;
    gpt2__attention_probs(c, b, h, P);
    lora_sgemm(NULL, 0, 0, T, D, T, 1.0f, P, T, v, 3 * C, 0.0f, c->out + (size_t)b * T * C + (size_t)h * D, C);
}
static void gpt2__attention_forward(gpt2_model *m, const float *qkv, float *out, int B, int T) {
    gpt2__att_ctx c;
    c.m = m; c.qkv = qkv; c.out = out; c.dout = NULL; c.dqkv = NULL; c.B = B; c.T = T; c.v = lora_vec(m->pool);
    lora_pool_run(m->pool, gpt2__attention_task, &c, B * m->cfg.n_head);
}
static void gpt2__attention_back_task(void *vctx, int task, int thread) {
    gpt2__att_ctx *c = (gpt2__att_ctx *)vctx;
    int H = c->m->cfg.n_head, C = c->m->cfg.n_embd, D = C / H, T = c->T, b = task / H, h = task % H, i, j;
    size_t base = (size_t)b * T * 3 * C + (size_t)h * D;
    const float *q = c->qkv + base, *k = q + C, *v = q + 2 * C;
    float *P = c->m->acts->att_scratch + (size_t)thread * 2 * T * T;
    const float *dy = c->dout + (size_t)b * T * C + (size_t)h * D;
    float *dq = c->dqkv + base, *dk = dq + C, *dv = dq + 2 * C;
    float *dP = P + (size_t)T * T, scale = 1.0f / sqrtf((float)D);
    gpt2__attention_probs(c, b, h, P);
    lora_sgemm(NULL, 0, 1, T, T, D, 1.0f, dy, C, v, 3 * C, 0.0f, dP, T);
    lora_sgemm(NULL, 1, 0, T, D, T, 1.0f, P, T, dy, C, 0.0f, dv, 3 * C);
    for (i = 0; i < T; i++) {
        int s0 = c->m->pos ? i - c->m->pos[(size_t)b * T + i] : 0;
        const float *p = P + (size_t)i * T;
        float *dp = dP + (size_t)i * T, dot = c->v->dot(p + s0, dp + s0, i + 1 - s0);
        for (j = 0; j < s0; j++) dp[j] = 0.0f;
        for (j = s0; j <= i; j++) dp[j] = p[j] * (dp[j] - dot);
        for (j = i + 1; j < T; j++) dp[j] = 0.0f;
    }
    lora_sgemm(NULL, 0, 0, T, D, T, scale, dP, T, k, 3 * C, 0.0f, dq, 3 * C);
    lora_sgemm(NULL, 1, 0, T, D, T, scale, dP, T, q, 3 * C, 0.0f, dk, 3 * C);
}
static void gpt2__attention_backward(gpt2_model *m, const float *qkv, const float *dout, float *dqkv, int B, int T) {
    gpt2__att_ctx c;
    c.m = m; c.qkv = qkv; c.out = NULL; c.dout = dout; c.dqkv = dqkv; c.B = B; c.T = T; c.v = lora_vec(m->pool);
    lora_pool_run(m->pool, gpt2__attention_back_task, &c, B * m->cfg.n_head);
}

/* ---- cross-entropy over the vocabulary (HF shift: logits[t] predicts labels[t+1]) ---- */
typedef struct { float *logits, *row_loss; const int32_t *labels, *pos; int T, V; float inv_count; const lora_vecops *v; } gpt2__ce_ctx;
/* the label row r predicts: none at a row's end or before a packed sequence's start */
static int gpt2__target(const int32_t *labels, const int32_t *pos, int r, int T) {
    return (r % T == T - 1 || (pos && pos[r + 1] == 0)) ? GPT2__IGNORE : labels[r + 1];
}
static void gpt2__ce_rows(void *vctx, int r0, int r1) {
    gpt2__ce_ctx *c = (gpt2__ce_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) {
        const float *x = c->logits + (size_t)r * c->V;
        int t = gpt2__target(c->labels, c->pos, r, c->T);
        float mx;
        if (t == GPT2__IGNORE) { c->row_loss[r] = 0.0f; continue; }
        mx = c->v->max(x, c->V);
        c->row_loss[r] = (float)((double)mx + log((double)c->v->exp_sum(x, NULL, c->V, mx)) - (double)x[t]);
    }
}
/* In place: logits -> (softmax - onehot) / count on predicted rows, 0 elsewhere. */
static void gpt2__ce_back_rows(void *vctx, int r0, int r1) {
    gpt2__ce_ctx *c = (gpt2__ce_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) {
        float *x = c->logits + (size_t)r * c->V, mx;
        int t = gpt2__target(c->labels, c->pos, r, c->T);
        if (t == GPT2__IGNORE) { memset(x, 0, sizeof(float) * (size_t)c->V); continue; }
        mx = c->v->max(x, c->V);
        c->v->scale(x, c->V, c->inv_count / c->v->exp_sum(x, x, c->V, mx));
        x[t] -= c->inv_count;
    }
}

/* ---- the model ---- */
static lora_status gpt2__check_batch(const gpt2_model *m, const int32_t *inputs, const int32_t *labels, int B, int T) {
    const gpt2_config *c = &m->cfg;
    long i, n = (long)B * T;
    if (!inputs) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward: inputs is NULL");
    if (B <= 0 || T <= 0) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward: batch %d x sequence %d must be positive", B, T);
    if (T > c->n_positions)
        return lora_fail(LORA_ERR_RANGE, "sequence length %d exceeds the model's n_positions %d", T, c->n_positions);
    if ((long)B * T > (long)(1 << 26)) return lora_fail(LORA_ERR_RANGE, "batch %d x %d is too large", B, T);
    for (i = 0; i < n; i++)
        if (inputs[i] < 0 || inputs[i] >= c->vocab_size)
            return lora_fail(LORA_ERR_RANGE, "token id %ld at position %ld is outside the vocabulary [0, %d)", (long)inputs[i], i, c->vocab_size);
    if (labels)
        for (i = 0; i < n; i++)
            if (labels[i] != GPT2__IGNORE && (labels[i] < 0 || labels[i] >= c->vocab_size))
                return lora_fail(LORA_ERR_RANGE, "label %ld at position %ld is outside the vocabulary [0, %d) and not -100", (long)labels[i], i, c->vocab_size);
    return LORA_OK;
}

static const float *gpt2__layer_input(const gpt2_model *m, int l) {
    return l == 0 ? m->acts->encoded : m->acts->layers[l - 1].res3;
}

/* Checks position ids (each row starts at 0, then +1 or a new 0) and keeps a copy; NULL when
   they are the plain 0 .. T-1 of every row, so that path stays the unpacked one. */
static lora_status gpt2__set_positions(gpt2_model *m, const int32_t *positions, int B, int T) {
    size_t n = (size_t)B * (size_t)T, i;
    int plain = 1;
    m->pos = NULL;
    if (!positions) return LORA_OK;
    for (i = 0; i < n; i++) {
        int t = (int)(i % (size_t)T), p = positions[i];
        if (p != 0 && (t == 0 || p != positions[i - 1] + 1))
            return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward_positions: position %ld at row %d, column %d: expected 0%s "
                              "(a row starts at 0; each position is 0 or the previous one + 1)", (long)p, (int)(i / (size_t)T), t,
                              t ? " or the previous position + 1" : "");
        plain &= p == t;
    }
    if (plain) return LORA_OK;
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

LORA_API lora_status gpt2_forward(gpt2_model *m, const int32_t *inputs, const int32_t *labels, int B, int T, float *loss) {
    return gpt2_forward_positions(m, inputs, labels, NULL, B, T, loss);
}

LORA_API lora_status gpt2_forward_positions(gpt2_model *m, const int32_t *inputs, const int32_t *labels,
                                            const int32_t *positions, int B, int T, float *loss) {
    gpt2__acts *a;
    lora_status s;
    int N = B * T, C, F, V, l;
    if (loss) *loss = NAN;
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward: model is NULL");
    if ((s = gpt2__check_batch(m, inputs, labels, B, T)) != LORA_OK) return s;
    if ((s = gpt2__set_positions(m, positions, B, T)) != LORA_OK) { if (m->acts) m->acts->has_forward = 0; return s; }
    if ((s = gpt2__acts_ensure(m, B, T)) != LORA_OK) return s;
    a = m->acts;
    C = m->cfg.n_embd; F = gpt2__inner(&m->cfg); V = m->cfg.vocab_size;
    a->has_forward = 0;
    a->fused = labels && m->training && !m->full && !lora_adapter_module(m->adapter, m->n_linears - 1);
    /* before any product: a failure leaves nothing behind */
    if (!a->fused && (size_t)N * V > a->logits_floats) {   /* logits for every row (inference, evaluation, full fine-tuning) */
        lora_free_aligned(a->logits);
        a->logits_floats = 0;
        if (!(a->logits = (float *)lora_alloc_aligned((size_t)N * V * sizeof(float), "logits"))) {
            gpt2__acts_free(a);   /* nothing left behind: the next forward sizes them again */
            m->acts = NULL;
            return LORA_ERR_OOM;
        }
        a->logits_floats = (size_t)N * V;
    }
    memcpy(a->inputs, inputs, sizeof(int32_t) * (size_t)N);
    if (m->training) m->dropout_step++;
    gpt2__encoder_forward(m, inputs, B, T, a->encoded);
    for (l = 0; l < m->cfg.n_layer; l++) {
        gpt2__layer_acts *la = &a->layers[l];
        const float *x = gpt2__layer_input(m, l);
        int mi = l * GPT2_LINEARS_PER_LAYER;
        gpt2__layernorm_forward(m, x, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1B)),
                                a->ln, la->ln1_mean, la->ln1_rstd, N);
        if ((s = gpt2__linear_forward(m, mi + 0, a->ln, la->qkv, N)) != LORA_OK) return s;
        gpt2__attention_forward(m, la->qkv, la->atty, B, T);
        if ((s = gpt2__linear_forward(m, mi + 1, la->atty, la->res2, N)) != LORA_OK) return s;
        gpt2__residual_forward(m, x, la->res2, la->res2, N);
        gpt2__layernorm_forward(m, la->res2, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2B)),
                                a->ln, la->ln2_mean, la->ln2_rstd, N);
        if ((s = gpt2__linear_forward(m, mi + 2, a->ln, la->fch, N)) != LORA_OK) return s;
        gpt2__gelu_forward(m, la->fch, a->gelu, N, F);
        if ((s = gpt2__linear_forward(m, mi + 3, a->gelu, la->res3, N)) != LORA_OK) return s;
        gpt2__residual_forward(m, la->res2, la->res3, la->res3, N);
    }
    gpt2__layernorm_forward(m, gpt2__layer_input(m, m->cfg.n_layer), gpt2__tensor_value(m, m->n_tensors - 2),
                            gpt2__tensor_value(m, m->n_tensors - 1), a->lnf, a->lnf_mean, a->lnf_rstd, N);
    a->loss = NAN;
    if (a->fused) {
        /* a training step: logits, loss and the output layer's input gradient only on the rows
           with a label, LORA_CE_CHUNK_ROWS at a time (lora_lm_head_ce); d_ln keeps that gradient */
        int tr, r, count = 0;
        double sum = 0.0;
        lora_wmat W = gpt2__module_wmat(m, m->n_linears - 1, &tr);
        memcpy(a->labels, labels, sizeof(int32_t) * (size_t)N);
        for (r = 0; r < N; r++) {
            int t = gpt2__target(labels, m->pos, r, T);
            a->targets[r] = t == GPT2__IGNORE ? -1 : t;
            count += t != GPT2__IGNORE;
        }
        if ((s = lora_lm_head_ce(m->pool, &W, N, a->lnf, C, a->targets, count ? 1.0f / (float)count : 0.0f, a->row_loss,
                                 count ? a->d_ln : NULL, C, NULL, a->ws, a->ws_bytes)) != LORA_OK)
            return s;
        for (r = 0; r < N; r++) sum += a->row_loss[r];
        a->count = (float)count;
        a->loss = count ? (float)(sum / count) : NAN;
        if (loss) *loss = a->loss;
        a->has_forward = 1;
        a->has_labels = 1;
        return LORA_OK;
    }
    if ((s = gpt2__linear_forward(m, m->n_linears - 1, a->lnf, a->logits, N)) != LORA_OK) return s;
    a->has_forward = 1;
    a->has_labels = labels != NULL;
    if (labels) {
        gpt2__ce_ctx c;
        double sum = 0.0;
        int r, count = 0;
        memcpy(a->labels, labels, sizeof(int32_t) * (size_t)N);
        for (r = 0; r < N; r++) count += gpt2__target(labels, m->pos, r, T) != GPT2__IGNORE;
        c.logits = a->logits; c.row_loss = a->row_loss; c.labels = labels; c.pos = m->pos; c.T = T; c.V = V; c.inv_count = 0.0f; c.v = lora_vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__ce_rows, &c);
        for (r = 0; r < N; r++) sum += a->row_loss[r];
        a->count = (float)count;
        a->loss = count ? (float)(sum / count) : NAN;
        if (loss) *loss = a->loss;
    }
    (void)C;
    return LORA_OK;
}

LORA_API const float *gpt2_logits(const gpt2_model *m) {
    return (m && m->acts && m->acts->has_forward && !m->acts->fused) ? m->acts->logits : NULL;
}

/* Whether module mi's backward reads its input (weight gradient, LoRA A gradient). */
static int gpt2__reads_input(const gpt2_model *m, int mi) {
    return m->grads != NULL || lora_adapter_module(m->adapter, mi) != NULL;
}

/* Lowest layer whose parameters train: backward stops there. */
static int gpt2__lowest_trainable_layer(const gpt2_model *m) {
    int low = m->cfg.n_layer, i;
    if (m->full) return 0;
    if (!m->adapter) return low;
    for (i = 0; i < m->adapter->n_modules; i++) {
        int l = m->linears[m->adapter->modules[i].index].layer;
        if (l >= 0 && l < low) low = l;
    }
    for (i = 0; i < m->adapter->n_biases; i++) {
        int l = m->adapter->biases[i].layer;
        if (l >= 0 && l < low) low = l;
    }
    return low;
}

LORA_API lora_status gpt2_backward(gpt2_model *m) {
    gpt2__acts *a;
    lora_status s;
    int N, B, T, C, F, l, low;
    if (!m || !m->acts || !m->acts->has_forward)
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_backward: call gpt2_forward first (the last forward's activations are used once)");
    a = m->acts;
    if (!a->has_labels) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_backward: the last forward had no labels");
    if (!(a->count > 0)) return lora_fail(LORA_ERR_NUMERIC, "gpt2_backward: every label is ignored (-100), the loss is undefined");
    if (!m->adapter && !m->full) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_backward: nothing to train (no adapter attached and full fine-tuning off)");
    B = a->cur_B; T = a->cur_T; N = B * T; C = m->cfg.n_embd; F = gpt2__inner(&m->cfg);
    if (!a->fused) {
        gpt2__ce_ctx c;
        c.logits = a->logits; c.row_loss = a->row_loss; c.labels = a->labels; c.pos = m->pos; c.T = T; c.V = m->cfg.vocab_size;
        c.inv_count = 1.0f / a->count;
        c.v = lora_vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__ce_back_rows, &c);
    }
    a->has_forward = 0;
    low = gpt2__lowest_trainable_layer(m);
    memset(a->d_res, 0, sizeof(float) * (size_t)N * C);
    if (!a->fused && (s = gpt2__linear_backward(m, m->n_linears - 1, a->lnf, a->logits, a->d_ln, N)) != LORA_OK) return s;
    {
        int tw = m->n_tensors - 2, tb = m->n_tensors - 1;
        gpt2__layernorm_backward(m, a->d_ln, gpt2__layer_input(m, m->cfg.n_layer), gpt2__tensor_value(m, tw), a->lnf_mean,
                                 a->lnf_rstd, low < m->cfg.n_layer ? a->d_res : NULL, gpt2__tensor_grad(m, tw), gpt2__tensor_grad(m, tb), N);
    }
    for (l = m->cfg.n_layer - 1; l >= low; l--) {
        gpt2__layer_acts *la = &a->layers[l];
        const float *x = gpt2__layer_input(m, l);
        int mi = l * GPT2_LINEARS_PER_LAYER, need_dx = l > low || m->full;
        gpt2__gelu_forward(m, la->fch, a->gelu, N, F);
        if ((s = gpt2__linear_backward(m, mi + 3, a->gelu, a->d_res, a->d_fch, N)) != LORA_OK) return s;
        gpt2__gelu_backward(m, la->fch, a->d_fch, a->d_fch, N, F);
        if (gpt2__reads_input(m, mi + 2))   /* the same bits as the forward's (same input, same code) */
            gpt2__layernorm_forward(m, la->res2, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2B)),
                                    a->ln, la->ln2_mean, la->ln2_rstd, N);
        if ((s = gpt2__linear_backward(m, mi + 2, a->ln, a->d_fch, a->d_ln, N)) != LORA_OK) return s;
        gpt2__layernorm_backward(m, a->d_ln, la->res2, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), la->ln2_mean, la->ln2_rstd,
                                 a->d_res, gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN2B)), N);
        if ((s = gpt2__linear_backward(m, mi + 1, la->atty, a->d_res, a->d_atty, N)) != LORA_OK) return s;
        gpt2__attention_backward(m, la->qkv, a->d_atty, a->d_qkv, B, T);
        /* the lowest block: no input gradient below c_attn unless ln_1's parameters train */
        if (gpt2__reads_input(m, mi + 0))
            gpt2__layernorm_forward(m, x, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1B)),
                                    a->ln, la->ln1_mean, la->ln1_rstd, N);
        if ((s = gpt2__linear_backward(m, mi + 0, a->ln, a->d_qkv,
                                       need_dx || gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1W)) || gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1B))
                                       ? a->d_ln : NULL, N)) != LORA_OK) return s;
        if (need_dx || gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1W)) || gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1B)))
            gpt2__layernorm_backward(m, a->d_ln, x, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1W)), la->ln1_mean, la->ln1_rstd,
                                     need_dx ? a->d_res : NULL, gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1W)),
                                     gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN1B)), N);
    }
    if (m->full) gpt2__encoder_backward(m, a->d_res, a->inputs, B, T);
    return LORA_OK;
}

/* ---- gpt2/30_train.impl.c ---- */
/* ---- adapters, training switches, parameter lists ---- */

/* PEFT refuses targets that hit modules it cannot adapt (LayerNorms, attention blocks,
   dropouts, embeddings): name GPT-2's non-linear modules so the same patterns fail here too. */
LORA_API lora_status gpt2_config_check_targets(const gpt2_config *cfg, const lora_target_spec *spec) {
    static const char *const per_layer[] = {"", ".ln_1", ".attn", ".attn.attn_dropout", ".attn.resid_dropout",
                                            ".ln_2", ".mlp", ".mlp.act", ".mlp.dropout"};
    static const char *const top[] = {"transformer", "transformer.wte", "transformer.wpe", "transformer.drop", "transformer.h",
                                      "transformer.ln_f"};
    size_t n_per = sizeof per_layer / sizeof per_layer[0], n_top = sizeof top / sizeof top[0], i, k = 0;
    size_t n = n_top + (size_t)cfg->n_layer * n_per;
    char **names = (char **)lora_calloc(n, sizeof *names, "module names");
    lora_status s = LORA_OK;
    int l;
    if (!names) return LORA_ERR_OOM;
    for (i = 0; i < n_top && s == LORA_OK; i++) if (!(names[k++] = lora_strdup(top[i]))) s = LORA_ERR_OOM;
    for (l = 0; l < cfg->n_layer && s == LORA_OK; l++)
        for (i = 0; i < n_per && s == LORA_OK; i++) {
            char buf[96];
            snprintf(buf, sizeof buf, "transformer.h.%d%s", l, per_layer[i]);
            if (!(names[k++] = lora_strdup(buf))) s = LORA_ERR_OOM;
        }
    if (s == LORA_OK) s = lora_check_unsupported_targets(spec, (const char *const *)names, (int)k);
    for (i = 0; i < k; i++) lora_free(names[i]);
    lora_free(names);
    return s;
}

/* The block a bias belongs to, from the tensor table (wte, wpe, then GPT2__PER_LAYER per block). */
static void gpt2__set_bias_layer(const gpt2_model *m, lora_bias_param *b) {
    int ti = b ? gpt2__find_tensor(m, b->name) : -1;
    if (b) b->layer = ti >= 2 && ti < 2 + m->cfg.n_layer * GPT2__PER_LAYER ? (ti - 2) / GPT2__PER_LAYER : -1;
}

LORA_API lora_status gpt2_lora_create(const gpt2_model *m, const lora_config *cfg, lora_adapter **out) {
    lora_status s;
    lora_adapter *ad;
    int i;
    if (!m || !cfg || !out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_lora_create: NULL argument");
    *out = NULL;
    if ((s = gpt2_config_check_targets(&m->cfg, &cfg->target)) != LORA_OK) return s;
    if ((s = lora_adapter_create(cfg, m->descs, m->n_linears, &ad)) != LORA_OK) return s;
    /* bias modes: "all" trains every bias of the model (LayerNorm biases included, as PEFT
       selects every parameter whose name contains "bias"); "lora_only" those of adapted modules */
    if (cfg->bias != LORA_BIAS_NONE) {
        for (i = 0; i < m->n_tensors && s == LORA_OK; i++) {
            const gpt2__tensor *t = &m->tensors[i];
            const char *dot = strrchr(t->name, '.');
            char full[80];
            int take = 0;
            if (!dot || strcmp(dot, ".bias") != 0) continue;
            snprintf(full, sizeof full, "transformer.%s", t->name);
            if (cfg->bias == LORA_BIAS_ALL) take = 1;
            else {
                char mod[80];
                size_t n = (size_t)(strrchr(full, '.') - full);
                memcpy(mod, full, n); mod[n] = 0;
                take = lora_adapter_find(ad, mod) != NULL;
            }
            if (take && !m->params) {   /* a shape-only model: the biases' number and names, zero values */
                float *zero = (float *)lora_calloc((size_t)t->numel, sizeof(float), "bias");
                s = zero ? lora_adapter_add_bias(ad, full, zero, (int)t->numel) : LORA_ERR_OOM;
                lora_free(zero);
            } else if (take) {
                s = lora_adapter_add_bias(ad, full, gpt2__t(m, i), (int)t->numel);
            }
            if (take && s == LORA_OK) gpt2__set_bias_layer(m, lora_adapter_find_bias(ad, full));
        }
        if (s != LORA_OK) { lora_adapter_free(ad); return s; }
    }
    *out = ad;
    return LORA_OK;
}

/* Checks that an adapter was made for modules of these shapes. */
static lora_status gpt2__check_adapter(const gpt2_model *m, const lora_adapter *ad) {
    int i;
    if (ad->n_model_modules != m->n_linears)
        return lora_fail(LORA_ERR_SHAPE, "adapter was made for a model with %d linear modules, this model has %d",
                          ad->n_model_modules, m->n_linears);
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *lm = &ad->modules[i];
        const gpt2_linear_info *li = &m->linears[lm->index];
        if (strcmp(lm->name, li->name) != 0 || lm->in != li->in || lm->out != li->out)
            return lora_fail(LORA_ERR_SHAPE, "adapter module %s (%d -> %d) does not fit this model's %s (%d -> %d)",
                              lm->name, lm->in, lm->out, li->name, li->in, li->out);
    }
    for (i = 0; i < ad->n_biases; i++) {
        int ti = gpt2__find_tensor(m, ad->biases[i].name);
        if (ti < 0 || m->tensors[ti].numel != ad->biases[i].n)
            return lora_fail(LORA_ERR_SHAPE, "adapter bias %s (%d values) does not fit this model", ad->biases[i].name, ad->biases[i].n);
    }
    return LORA_OK;
}

LORA_API lora_status gpt2_model_set_adapter(gpt2_model *m, lora_adapter *ad) {
    lora_status s;
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_set_adapter: model is NULL");
    if (ad && (s = gpt2__check_adapter(m, ad)) != LORA_OK) return s;
    m->adapter = ad;
    if (m->acts) m->acts->has_forward = 0;
    return LORA_OK;
}
LORA_API lora_adapter *gpt2_model_adapter(const gpt2_model *m) { return m ? m->adapter : NULL; }

LORA_API lora_status gpt2_model_merge(gpt2_model *m, lora_adapter *ad, int sign) {
    lora_status s;
    int i;
    if (!m || !ad || (sign != 1 && sign != -1)) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_merge: bad arguments");
    if ((s = gpt2__check_adapter(m, ad)) != LORA_OK) return s;
    if (m->base_dtype != LORA_DT_F32 && ad->n_modules)
        /* W + s B A rounded back to bf16 would lose most of the update (and unmerging could not
           restore W): merge into an fp32 base (load with base dtype F32), then save or convert */
        return lora_fail(LORA_ERR_UNSUPPORTED, "gpt2_model_merge: the base weights are bf16; merging an adapter needs fp32 base "
                         "weights (open the model with base dtype f32)");
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *lm = &ad->modules[i];
        int tr;
        float *W = (float *)gpt2__module_weight(m, lm->index, &tr);
        lora_module_merge(lm, W, !tr, (float)sign);
    }
    /* trained biases replace the base ones when merged; unmerging cannot restore them */
    if (sign > 0)
        for (i = 0; i < ad->n_biases; i++) {
            int ti = gpt2__find_tensor(m, ad->biases[i].name);
            memcpy(gpt2__t(m, ti), ad->biases[i].value, sizeof(float) * (size_t)ad->biases[i].n);
        }
    if (m->acts) m->acts->has_forward = 0;
    return LORA_OK;
}

LORA_API void gpt2_model_set_training(gpt2_model *m, int training, uint64_t dropout_seed) {
    if (!m) return;
    m->training = training != 0;
    m->dropout_seed = dropout_seed;
    m->dropout_step = 0;
}

LORA_API lora_status gpt2_model_set_full_finetune(gpt2_model *m, int on) {
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_set_full_finetune: model is NULL");
    if (on && m->base_dtype != LORA_DT_F32)
        return lora_fail(LORA_ERR_UNSUPPORTED, "full fine-tuning trains every weight in fp32; this model's base weights are bf16 "
                         "(frozen, for LoRA): open it with base dtype f32");
    if (on && !m->grads) {
        m->grads = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "gradients for full fine-tuning");
        if (!m->grads) return LORA_ERR_OOM;
        memset(m->grads, 0, m->n_floats * sizeof(float));
    } else if (!on && m->grads) {
        lora_free_aligned(m->grads);
        m->grads = NULL;
    }
    m->full = on != 0;
    return LORA_OK;
}

LORA_API void gpt2_zero_grad(gpt2_model *m) {
    if (!m) return;
    if (m->grads) memset(m->grads, 0, m->n_floats * sizeof(float));
    lora_adapter_zero_grad(m->adapter);
}

/* Appends an adapter-carried bias (if any) to a parameter list. */
static void gpt2__push_bias(lora_param *p, int *k, const lora_bias_param *bp) {
    if (!bp) return;
    p[*k].name = bp->name; p[*k].value = bp->value; p[*k].grad = bp->grad; p[*k].n = bp->n;
    (*k)++;
}

LORA_API lora_status gpt2_trainable_params(gpt2_model *m, lora_param **params, int *n) {
    lora_param *p;
    int i, k = 0, cap;
    if (!m || !params || !n) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_trainable_params: NULL argument");
    *params = NULL; *n = 0;
    if (m->full) {
        p = (lora_param *)lora_calloc((size_t)m->n_tensors, sizeof *p, "parameter list");
        if (!p) return LORA_ERR_OOM;
        for (i = 0; i < m->n_tensors; i++) {
            p[i].name = m->tensors[i].name;
            p[i].value = gpt2__t(m, i);
            p[i].grad = m->grads + m->tensors[i].offset;
            p[i].n = m->tensors[i].numel;
        }
        *params = p; *n = m->n_tensors;
        return LORA_OK;
    }
    if (!m->adapter) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_trainable_params: no adapter attached and full fine-tuning off");
    cap = 2 * m->adapter->n_modules + m->adapter->n_biases;
    p = (lora_param *)lora_calloc((size_t)(cap ? cap : 1), sizeof *p, "parameter list");
    if (!p) return LORA_ERR_OOM;
    /* named_parameters() order: walk the model's tensors; a module's bias comes before its
       lora_A / lora_B (PEFT registers base_layer.weight, base_layer.bias, lora_A, lora_B) */
    for (i = 0; i < m->n_linears; i++) {
        lora_module *lm = lora_adapter_module(m->adapter, i);
        int bi = gpt2__module_bias_tensor(m, i);
        if (bi >= 0) {
            /* the LayerNorm bias before this module (bias "all"), then the module's own */
            int t0 = i % GPT2_LINEARS_PER_LAYER == 0 ? gpt2__lt(i / GPT2_LINEARS_PER_LAYER, GPT2__LN1B)
                   : i % GPT2_LINEARS_PER_LAYER == 2 ? gpt2__lt(i / GPT2_LINEARS_PER_LAYER, GPT2__LN2B) : -1;
            if (t0 >= 0) gpt2__push_bias(p, &k, gpt2__adapter_bias(m, t0));
            gpt2__push_bias(p, &k, gpt2__adapter_bias(m, bi));
        }
        if (lm) {
            p[k].name = lm->name_A; p[k].value = lm->A; p[k].grad = lm->dA; p[k].n = (int64_t)lm->r * lm->in; k++;
            p[k].name = lm->name_B; p[k].value = lm->B; p[k].grad = lm->dB; p[k].n = (int64_t)lm->r * lm->out; k++;
        }
        if (i == m->n_linears - 2) gpt2__push_bias(p, &k, gpt2__adapter_bias(m, m->n_tensors - 1)); /* ln_f.bias before lm_head */
    }
    *params = p; *n = k;
    return LORA_OK;
}

LORA_API size_t gpt2_model_memory(const gpt2_model *m) {
    size_t b = 0;
    if (!m) return 0;
    b += m->n_floats * sizeof(float) * (m->grads ? 2 : 1) + m->n_bf16 * sizeof(uint16_t);
    if (m->acts) b += m->acts->n_floats * sizeof(float) + m->acts->mask_bytes + m->acts->logits_floats * sizeof(float) + m->acts->ws_bytes;
    return b;
}

LORA_API lora_status gpt2_lora_load(const gpt2_model *m, const char *dir, lora_adapter **out, char **warnings) {
    lora_status s;
    int i;
    if (!m || !dir || !out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_lora_load: NULL argument");
    if ((s = lora_adapter_load_defaults(dir, m->descs, m->n_linears, m->base.info.default_targets,
                                        m->base.info.n_default_targets, out, warnings)) != LORA_OK)
        return s;
    if ((s = gpt2_config_check_targets(&m->cfg, &(*out)->config.target)) != LORA_OK ||
        (s = gpt2__check_adapter(m, *out)) != LORA_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        s = lora_fail(s, "%s: %s", dir, msg);   /* the adapter directory the mismatch comes from */
        lora_adapter_free(*out);
        *out = NULL;
        return s;
    }
    for (i = 0; i < (*out)->n_biases; i++) gpt2__set_bias_layer(m, &(*out)->biases[i]);
    return s;
}

LORA_API uint64_t gpt2_model_dropout_step(const gpt2_model *m) { return m ? m->dropout_step : 0; }
LORA_API void gpt2_model_set_dropout_step(gpt2_model *m, uint64_t step) { if (m) m->dropout_step = step; }

/* ---- gpt2/40_generate.impl.c ---- */
/* ---- text generation: KV cache, matrix-vector products, sampling ----
   Decoding one token is a pass over all the weights with a single activation row: memory
   bound. The engine's matrix-vector kernels (lora_gemv) stream each weight matrix once
   (Conv1D layout, y = x W; up to GPT2__GEMV_MAX_ROWS activation rows share each load), or
   as row dot products (lm_head, y = W x). Every output element is reduced in a fixed order
   whatever the column range of its task and the number of rows, so results do not depend
   on the thread count. Longer prefills use lora_sgemm as gpt2_forward does, over
   chunks of GPT2__PREFILL_CHUNK rows. Keys are cached transposed, so that a new token's
   attention scores are a matrix-vector product as well. */

#define GPT2__PREFILL_CHUNK 256
#define GPT2__GEMV_TASKS_PER_THREAD 4
#define GPT2__GEMV_MAX_ROWS LORA_GEMV_MAX_ROWS /* up to this many new rows: matrix-vector kernels, else GEMM */

/* ---- the cache ---- */
struct gpt2_kv_cache {
    gpt2_config cfg;
    int max_T, len, chunk;
    const gpt2_model *model;     /* model and adapter the cached tokens were computed with */
    const lora_adapter *adapter;
    float *k;                    /* keys, transposed: (n_layer, n_head, head_dim, max_T) */
    float *v;                    /* values: (n_layer, n_head, max_T, head_dim) */
    float *work;                 /* chunk rows: x, res, ln, atty (C), qkv (3C), fch (F); mean, rstd; scores */
    float *x, *res, *ln, *atty, *qkv, *fch, *mean, *rstd;
    float *scores;               /* chunk x max_T attention probabilities (prefill) */
    float *h;                    /* LoRA hidden: chunk x h_r */
    int h_r;
    float *att;                  /* per thread: max_T attention scores (row-wise attention) */
    int att_threads;
    lora_pool *solo;             /* a 1-thread pool for models without one (keeps the GEMM workspace) */
    size_t bytes;
    lora_isa isa;                /* matrix-vector kernels for the current call (lora_gemv) */
    void *wscratch;              /* bf16 weights: lora_wmat_mul's scratch for chunk rows */
    size_t wscratch_bytes;
    const lora_vecops *vec;
};

LORA_API void gpt2_kv_free(gpt2_kv_cache *kv) {
    if (!kv) return;
    lora_free_aligned(kv->k);
    lora_free_aligned(kv->v);
    lora_free_aligned(kv->work);
    lora_free_aligned(kv->h);
    lora_free_aligned(kv->att);
    lora_free_aligned(kv->wscratch);
    lora_pool_destroy(kv->solo);
    lora_free(kv);
}

LORA_API lora_status gpt2_kv_create(const gpt2_model *m, int max_T, gpt2_kv_cache **out) {
    gpt2_kv_cache *kv;
    lora_status s;
    size_t C, F, L, kvf, rows, wf;
    if (!out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_kv_create: out is NULL");
    *out = NULL;
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_kv_create: model is NULL");
    if (max_T <= 0) max_T = m->cfg.n_positions;
    if (max_T > m->cfg.n_positions)
        return lora_fail(LORA_ERR_RANGE, "gpt2_kv_create: cache length %d exceeds the model's n_positions %d", max_T, m->cfg.n_positions);
    kv = (gpt2_kv_cache *)lora_calloc(1, sizeof *kv, "KV cache");
    if (!kv) return LORA_ERR_OOM;
    kv->cfg = m->cfg;
    kv->max_T = max_T;
    kv->chunk = max_T < GPT2__PREFILL_CHUNK ? max_T : GPT2__PREFILL_CHUNK;
    C = (size_t)m->cfg.n_embd; F = (size_t)gpt2__inner(&m->cfg); L = (size_t)m->cfg.n_layer;
    kvf = L * (size_t)max_T * C;
    rows = (size_t)kv->chunk;
    /* every buffer a multiple of 16 floats so all stay 64-byte aligned */
#define GPT2__R16(n) (((n) + 15) & ~(size_t)15)
    wf = 4 * GPT2__R16(rows * C) + GPT2__R16(rows * 3 * C) + GPT2__R16(rows * F) + 2 * GPT2__R16(rows) + GPT2__R16(rows * max_T);
    kv->k = (float *)lora_alloc_aligned(kvf * sizeof(float), "KV cache keys");
    kv->v = (float *)lora_alloc_aligned(kvf * sizeof(float), "KV cache values");
    kv->work = (float *)lora_alloc_aligned(wf * sizeof(float), "KV cache work buffers");
    if (!kv->k || !kv->v || !kv->work) { gpt2_kv_free(kv); return LORA_ERR_OOM; }
    kv->x = kv->work;
    kv->res = kv->x + GPT2__R16(rows * C);
    kv->ln = kv->res + GPT2__R16(rows * C);
    kv->atty = kv->ln + GPT2__R16(rows * C);
    kv->qkv = kv->atty + GPT2__R16(rows * C);
    kv->fch = kv->qkv + GPT2__R16(rows * 3 * C);
    kv->mean = kv->fch + GPT2__R16(rows * F);
    kv->rstd = kv->mean + GPT2__R16(rows);
    kv->scores = kv->rstd + GPT2__R16(rows);
#undef GPT2__R16
    if ((s = lora_pool_create(&kv->solo, 1)) != LORA_OK) { gpt2_kv_free(kv); return s; }
    kv->bytes = sizeof *kv + (2 * kvf + wf) * sizeof(float);
    *out = kv;
    return LORA_OK;
}

LORA_API void gpt2_kv_reset(gpt2_kv_cache *kv) {
    if (!kv) return;
    kv->len = 0;
    kv->model = NULL;
    kv->adapter = NULL;
}
LORA_API lora_status gpt2_kv_truncate(gpt2_kv_cache *kv, int n) {
    if (!kv) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_kv_truncate: cache is NULL");
    if (n < 0 || n > kv->len) return lora_fail(LORA_ERR_RANGE, "gpt2_kv_truncate: %d is outside [0, %d] (tokens cached)", n, kv->len);
    kv->len = n;
    if (n == 0) gpt2_kv_reset(kv);
    return LORA_OK;
}
LORA_API int gpt2_kv_length(const gpt2_kv_cache *kv) { return kv ? kv->len : 0; }
LORA_API int gpt2_kv_capacity(const gpt2_kv_cache *kv) { return kv ? kv->max_T : 0; }
LORA_API size_t gpt2_kv_memory(const gpt2_kv_cache *kv) { return kv ? kv->bytes : 0; }

/* Scratch that depends on the adapter's rank and the pool's thread count. */
static lora_status gpt2__kv_scratch(gpt2_kv_cache *kv, const gpt2_model *m) {
    int r = 0, i, threads = lora_pool_threads(m->pool);
    if (m->adapter)
        for (i = 0; i < m->adapter->n_modules; i++) if (m->adapter->modules[i].r > r) r = m->adapter->modules[i].r;
    if (r > kv->h_r) {
        float *h = (float *)lora_alloc_aligned((size_t)kv->chunk * r * sizeof(float), "KV cache LoRA buffer");
        if (!h) return LORA_ERR_OOM;
        lora_free_aligned(kv->h);
        kv->bytes += (size_t)kv->chunk * (r - kv->h_r) * sizeof(float);
        kv->h = h; kv->h_r = r;
    }
    if (threads > kv->att_threads) {
        size_t per = ((size_t)kv->max_T + 15) & ~(size_t)15;
        float *a = (float *)lora_alloc_aligned((size_t)threads * per * sizeof(float), "KV cache attention scores");
        if (!a) return LORA_ERR_OOM;
        lora_free_aligned(kv->att);
        kv->bytes += (size_t)(threads - kv->att_threads) * per * sizeof(float);
        kv->att = a; kv->att_threads = threads;
    }
    if (m->base_dtype == LORA_DT_BF16) {   /* products through bf16 weights: lora_wmat_mul's scratch */
        size_t need = 0, b;
        lora_pool *pool = m->pool ? m->pool : kv->solo;
        for (i = 0; i < m->n_linears; i++) {
            int tr;
            lora_wmat w = gpt2__module_wmat(m, i, &tr);
            if ((b = lora_wmat_mul_scratch(pool, kv->chunk, &w, tr)) > need) need = b;
        }
        if (need > kv->wscratch_bytes) {
            void *ws = lora_alloc_aligned(need, "KV cache bf16 scratch");
            if (!ws) return LORA_ERR_OOM;
            lora_free_aligned(kv->wscratch);
            kv->bytes += need - kv->wscratch_bytes;
            kv->wscratch = ws; kv->wscratch_bytes = need;
        }
    }
    return LORA_OK;
}

/* The pool for GEMMs: the model's, or the cache's own 1-thread one (which keeps its
   workspace between calls instead of allocating it each time). */
static lora_pool *gpt2__kv_pool(const gpt2_kv_cache *kv, const gpt2_model *m) { return m->pool ? m->pool : kv->solo; }

/* ---- a linear layer over a few rows: matrix-vector kernels over column tasks ---- */
typedef struct {
    lora_isa isa;
    const lora_vecops *v;
    int tr;                      /* W is (out, in): dot products */
    const float *x, *W;          /* x (N, in) */
    int N, in, out, chunk;
    const float *bias;
    const lora_module *lm;       /* with h (N, r) = x A^T */
    const float *h;
    const float *resid;          /* y = resid + y */
    int gelu;
    float *y;                    /* (N, out) */
} gpt2__gv_job;

static void gpt2__gv_task(void *vctx, int task, int thread) {
    gpt2__gv_job *g = (gpt2__gv_job *)vctx;
    int j0 = task * g->chunk, j1 = j0 + g->chunk, j, row;
    (void)thread;
    if (j1 > g->out) j1 = g->out;
    if (j0 >= j1) return;
    lora_gemv(g->isa, g->tr, g->N, g->in, g->x, g->in, g->W, g->tr ? g->in : g->out, j0, j1, g->y, g->out);
    for (row = 0; row < g->N; row++) {
        float *y = g->y + (size_t)row * g->out;
        if (g->bias) for (j = j0; j < j1; j++) y[j] += g->bias[j];
        if (g->lm) {
            const float *h = g->h + (size_t)row * g->lm->r;
            int r = g->lm->r;
            float s = g->lm->scaling;
            for (j = j0; j < j1; j++) y[j] += s * g->v->dot(g->lm->B + (size_t)j * r, h, r);
        }
        if (g->gelu) g->v->gelu(y + j0, y + j0, (size_t)(j1 - j0));
        if (g->resid) {
            const float *rs = g->resid + (size_t)row * g->out;
            for (j = j0; j < j1; j++) y[j] = rs[j] + y[j];
        }
    }
}

/* y (N, out) = x (N, in) W + b (+ LoRA), then gelu or + resid; N rows of the current chunk.
   Up to GPT2__GEMV_MAX_ROWS rows stream W once with the matrix-vector kernels; more use
   lora_sgemm as gpt2_forward does. */
static lora_status gpt2__gen_linear(gpt2_model *m, gpt2_kv_cache *kv, int mi, const float *x, float *y, int N,
                                    const float *resid, int gelu) {
    const gpt2_linear_info *li = &m->linears[mi];
    int tr, bi = gpt2__module_bias_tensor(m, mi);
    lora_wmat w = gpt2__module_wmat(m, mi, &tr);
    const float *W = (const float *)w.data;
    const float *bias = bi >= 0 ? gpt2__tensor_value(m, bi) : NULL;
    const lora_module *lm = lora_adapter_module(m->adapter, mi);
    lora_pool *pool = gpt2__kv_pool(kv, m);
    lora_status s;
    if (N <= GPT2__GEMV_MAX_ROWS && w.dtype == LORA_DT_F32) {
        gpt2__gv_job g;
        int threads = lora_pool_threads(m->pool), n_tasks = 1;
        if (lm) lora_gemv(kv->isa, 1, N, li->in, x, li->in, lm->A, li->in, 0, lm->r, kv->h, lm->r);
        g.isa = kv->isa; g.v = kv->vec; g.tr = tr; g.x = x; g.W = W; g.N = N; g.in = li->in; g.out = li->out;
        g.bias = bias; g.lm = lm; g.h = kv->h; g.resid = resid; g.gelu = gelu; g.y = y;
        g.chunk = li->out;
        if (threads > 1 && (double)li->in * li->out >= 65536.0) {
            int want = GPT2__GEMV_TASKS_PER_THREAD * threads;
            g.chunk = ((li->out + want - 1) / want + 15) & ~15;
            n_tasks = (li->out + g.chunk - 1) / g.chunk;
        }
        lora_pool_run(m->pool, gpt2__gv_task, &g, n_tasks);
        return LORA_OK;
    }
    if ((s = lora_wmat_mul(pool, N, x, li->in, &w, tr, 0, y, li->out, kv->wscratch, kv->wscratch_bytes)) != LORA_OK) return s;
    if (bias) {
        gpt2__bias_ctx b;
        b.y = y; b.b = bias; b.W = li->out; b.v = lora_vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__bias_rows, &b);
    }
    if (lm) {
        lora_sgemm(pool, 0, 1, N, lm->r, li->in, 1.0f, x, li->in, lm->A, li->in, 0.0f, kv->h, lm->r);
        lora_sgemm(pool, 0, 1, N, li->out, lm->r, lm->scaling, kv->h, lm->r, lm->B, lm->r, 1.0f, y, li->out);
    }
    if (gelu) gpt2__gelu_forward(m, y, y, N, li->out);
    if (resid) gpt2__residual_forward(m, resid, y, y, N);
    return LORA_OK;
}

/* ---- attention of n new rows (positions pos0 ..) over the cache ---- */
typedef struct { gpt2_kv_cache *kv; int layer, n, pos0, L; float *S; } gpt2__gatt_ctx;

/* softmax over p[0..valid), zeros up to width (as gpt2_forward) */
static void gpt2__softmax_causal(const lora_vecops *v, float *p, int valid, int width) {
    int j;
    v->scale(p, valid, 1.0f / v->exp_sum(p, p, valid, v->max(p, valid)));
    for (j = valid; j < width; j++) p[j] = 0.0f;
}

/* a few rows: one task per head, row by row with the matrix-vector kernels */
static void gpt2__gen_att_task(void *vctx, int h, int thread) {
    gpt2__gatt_ctx *c = (gpt2__gatt_ctx *)vctx;
    gpt2_kv_cache *kv = c->kv;
    int H = kv->cfg.n_head, C = kv->cfg.n_embd, D = C / H, i;
    size_t hoff = ((size_t)c->layer * H + h) * kv->max_T * D;
    const float *Kh = kv->k + hoff, *Vh = kv->v + hoff;
    float *S = kv->att + (size_t)thread * (((size_t)kv->max_T + 15) & ~(size_t)15);
    float scale = 1.0f / sqrtf((float)D);
    for (i = 0; i < c->n; i++) {
        int L = c->pos0 + i + 1;
        lora_gemv(kv->isa, 0, 1, D, kv->qkv + (size_t)i * 3 * C + (size_t)h * D, D, Kh, kv->max_T, 0, L, S, L);
        kv->vec->scale(S, L, scale);
        gpt2__softmax_causal(kv->vec, S, L, L);
        lora_gemv(kv->isa, 0, 1, L, S, L, Vh, D, 0, D, kv->atty + (size_t)i * C + (size_t)h * D, C);
    }
}
static void gpt2__gen_softmax_rows(void *vctx, int r0, int r1) {
    gpt2__gatt_ctx *c = (gpt2__gatt_ctx *)vctx;
    int i;
    for (i = r0; i < r1; i++) gpt2__softmax_causal(c->kv->vec, c->S + (size_t)i * c->L, c->pos0 + i + 1, c->L);
}
static void gpt2__gen_attention(gpt2_model *m, gpt2_kv_cache *kv, int layer, int n, int pos0) {
    int H = m->cfg.n_head, C = m->cfg.n_embd, D = C / H, L = pos0 + n, h;
    gpt2__gatt_ctx c;
    lora_pool *pool = gpt2__kv_pool(kv, m);
    c.kv = kv; c.layer = layer; c.n = n; c.pos0 = pos0; c.L = L; c.S = kv->scores;
    if (n <= GPT2__GEMV_MAX_ROWS) {
        lora_pool_run(m->pool, gpt2__gen_att_task, &c, H);
        return;
    }
    /* many rows: per head, GEMMs over the pool (as gpt2_forward) */
    for (h = 0; h < H; h++) {
        size_t hoff = ((size_t)layer * H + h) * kv->max_T * D;
        lora_sgemm(pool, 0, 0, n, L, D, 1.0f / sqrtf((float)D), kv->qkv + (size_t)h * D, 3 * C, kv->k + hoff, kv->max_T, 0.0f, c.S, L);
        gpt2__parallel_rows(m->pool, n, gpt2__gen_softmax_rows, &c);
        lora_sgemm(pool, 0, 0, n, D, L, 1.0f, c.S, L, kv->v + hoff, D, 0.0f, kv->atty + (size_t)h * D, C);
    }
}

/* Runs n (<= chunk) tokens through the layers, appending their keys and values; the last
   hidden states are left in kv->x. */
static lora_status gpt2__gen_chunk(gpt2_model *m, gpt2_kv_cache *kv, const int32_t *tokens, int n) {
    int C = m->cfg.n_embd, H = m->cfg.n_head, D = C / H, pos0 = kv->len, l, r, h;
    const float *wte = gpt2__t(m, 0), *wpe = gpt2__t(m, 1);
    lora_status s;
    for (r = 0; r < n; r++) {
        const float *b = wpe + (size_t)(pos0 + r) * C;
        float *o = kv->x + (size_t)r * C;
        int i;
        if (wte) { const float *a = wte + (size_t)tokens[r] * C; for (i = 0; i < C; i++) o[i] = a[i] + b[i]; }
        else { lora_bf16_to_f32_n(gpt2__tb(m, 0) + (size_t)tokens[r] * C, o, (size_t)C); for (i = 0; i < C; i++) o[i] += b[i]; }
    }
    for (l = 0; l < m->cfg.n_layer; l++) {
        int mi = l * GPT2_LINEARS_PER_LAYER;
        gpt2__layernorm_forward(m, kv->x, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1B)),
                                kv->ln, kv->mean, kv->rstd, n);
        if ((s = gpt2__gen_linear(m, kv, mi + 0, kv->ln, kv->qkv, n, NULL, 0)) != LORA_OK) return s;
        for (r = 0; r < n; r++)
            for (h = 0; h < H; h++) {
                size_t head = ((size_t)l * H + h) * kv->max_T * D, t = (size_t)(pos0 + r);
                const float *src = kv->qkv + (size_t)r * 3 * C + (size_t)h * D;
                float *kt = kv->k + head + t;
                int d;
                for (d = 0; d < D; d++) kt[(size_t)d * kv->max_T] = src[C + d];
                memcpy(kv->v + head + t * D, src + 2 * C, sizeof(float) * (size_t)D);
            }
        gpt2__gen_attention(m, kv, l, n, pos0);
        if ((s = gpt2__gen_linear(m, kv, mi + 1, kv->atty, kv->res, n, kv->x, 0)) != LORA_OK) return s;
        gpt2__layernorm_forward(m, kv->res, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2B)),
                                kv->ln, kv->mean, kv->rstd, n);
        if ((s = gpt2__gen_linear(m, kv, mi + 2, kv->ln, kv->fch, n, NULL, 1)) != LORA_OK) return s;
        if ((s = gpt2__gen_linear(m, kv, mi + 3, kv->fch, kv->x, n, kv->res, 0)) != LORA_OK) return s;
    }
    kv->len += n;
    return LORA_OK;
}

LORA_API lora_status gpt2_forward_cached(gpt2_model *m, gpt2_kv_cache *kv, const int32_t *tokens, int n_new,
                                         float *logits_last) {
    const gpt2_config *c;
    lora_status s;
    int i, done, n = 0;
    if (!m || !kv || !tokens) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: NULL argument");
    c = &m->cfg;
    if (n_new <= 0) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: n_new %d must be positive", n_new);
    if (kv->cfg.n_layer != c->n_layer || kv->cfg.n_head != c->n_head || kv->cfg.n_embd != c->n_embd ||
        kv->cfg.vocab_size != c->vocab_size || gpt2__inner(&kv->cfg) != gpt2__inner(c) || kv->max_T > c->n_positions)
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: the cache was made for a model of other shapes");
    if (kv->len > 0 && (kv->model != m || kv->adapter != m->adapter))
        return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: the cached tokens were computed with another %s; call gpt2_kv_reset",
                          kv->model != m ? "model" : "adapter");
    if (n_new > kv->max_T - kv->len)
        return lora_fail(LORA_ERR_RANGE, "gpt2_forward_cached: %d cached + %d new tokens exceed the cache length %d (n_positions %d)",
                          kv->len, n_new, kv->max_T, c->n_positions);
    for (i = 0; i < n_new; i++)
        if (tokens[i] < 0 || tokens[i] >= c->vocab_size)
            return lora_fail(LORA_ERR_RANGE, "gpt2_forward_cached: token id %ld at position %d is outside the vocabulary [0, %d)",
                              (long)tokens[i], i, c->vocab_size);
    if ((s = gpt2__kv_scratch(kv, m)) != LORA_OK) return s;
    kv->isa = lora_pool_isa(gpt2__kv_pool(kv, m));
    kv->vec = lora_vec(gpt2__kv_pool(kv, m));
    kv->model = m;
    kv->adapter = m->adapter;
    for (done = 0; done < n_new; done += n) {
        n = n_new - done < kv->chunk ? n_new - done : kv->chunk;
        if ((s = gpt2__gen_chunk(m, kv, tokens + done, n)) != LORA_OK) return s;
    }
    if (logits_last) {
        const float *last = kv->x + (size_t)(n - 1) * c->n_embd;
        gpt2__layernorm_forward(m, last, gpt2__tensor_value(m, m->n_tensors - 2), gpt2__tensor_value(m, m->n_tensors - 1),
                                kv->ln, kv->mean, kv->rstd, 1);
        if ((s = gpt2__gen_linear(m, kv, m->n_linears - 1, kv->ln, logits_last, 1, NULL, 0)) != LORA_OK) return s;
    }
    return LORA_OK;
}

/* ---- gpt2/45_gguf.impl.c ---- */
/* ---- GGUF: llama.cpp's gpt2 architecture ----
   llama.cpp (src/llama-model.cpp, LLM_ARCH_GPT2; convert_hf_to_gguf.py, GPT2Model) names the
   tensors token_embd, position_embd, blk.N.{attn_norm, attn_qkv, attn_output, ffn_norm,
   ffn_up, ffn_down}.{weight,bias}, output_norm.{weight,bias} and output.weight (its graph
   needs output.weight even though GPT-2 ties it to token_embd). The Conv1D weights, (in, out)
   row-major in Hugging Face's files, are nn.Linear-shaped in GGUF: ne = (in, out), in
   fastest, i.e. transposed (LORA_GGUF_TRANSPOSE writes them so, the loader transposes back). */

static const gpt2_model *gpt2__ofc(const lora_model *b);                 /* 50_model.impl.c */
static lora_status gpt2__weights(const gpt2_model *m, const char *what);

static const char *const gpt2__gguf_kinds[GPT2_LINEARS_PER_LAYER] = {"attn_qkv", "attn_output", "ffn_up", "ffn_down"};
/* GGUF names of a layer's tensors, by GPT2__LN1W .. GPT2__FPRB */
static const char *const gpt2__gguf_layer[GPT2__PER_LAYER] = {
    "attn_norm.weight", "attn_norm.bias", "attn_qkv.weight", "attn_qkv.bias", "attn_output.weight", "attn_output.bias",
    "ffn_norm.weight", "ffn_norm.bias", "ffn_up.weight", "ffn_up.bias", "ffn_down.weight", "ffn_down.bias"};

/* Adds model tensor idx under name; data replaces its values when not NULL (a merged copy, copied by the writer). */
static lora_status gpt2__gguf_add(lora_gguf_writer *w, const gpt2_model *m, int idx, const char *name, lora_ggml_type dtype,
                                  const float *data) {
    const gpt2__tensor *t = &m->tensors[idx];
    const float *src = data ? data : gpt2__t(m, idx);
    int64_t ne[2];
    int copy = data ? LORA_GGUF_COPY : 0;
    if (t->ndim == 1) {
        ne[0] = t->shape[0];
        return lora_gguf_add_tensor(w, name, 1, ne, LORA_GGML_F32, src, copy);
    }
    ne[0] = t->shape[idx < 2 ? 1 : 0];   /* embeddings (rows, C): ne (C, rows); Conv1D (in, out): ne (in, out) */
    ne[1] = t->shape[idx < 2 ? 0 : 1];
    return lora_gguf_add_tensor(w, name, 2, ne, dtype, src, (idx < 2 ? 0 : LORA_GGUF_TRANSPOSE) | copy);
}

/* The values of tensor idx with the adapter merged in (a new buffer), NULL with *s = LORA_OK when
   the adapter does not touch it. lm_head (tensor -1 here) merges into a copy of wte: GGUF has an
   output.weight of its own, so the merged model keeps the token embedding unchanged, exactly as
   the adapter computes (merging into the tied wte would change the embedding too). */
static float *gpt2__gguf_merged(const gpt2_model *m, const lora_adapter *ad, int idx, lora_status *s) {
    static const int wt[GPT2_LINEARS_PER_LAYER] = {GPT2__ATTW, GPT2__APRW, GPT2__FCW, GPT2__FPRW};
    const gpt2__tensor *t = &m->tensors[idx < 0 ? 0 : idx];
    const lora_module *lm = NULL;
    const float *bias = NULL;
    float *copy;
    int i;
    *s = LORA_OK;
    if (!ad) return NULL;
    for (i = 0; i < ad->n_modules && !lm; i++) {
        int mi = ad->modules[i].index;
        if (idx < 0 ? mi == m->n_linears - 1
                    : mi < m->n_linears - 1 && gpt2__lt(mi / GPT2_LINEARS_PER_LAYER, wt[mi % GPT2_LINEARS_PER_LAYER]) == idx)
            lm = &ad->modules[i];
    }
    for (i = 0; idx >= 0 && i < ad->n_biases && !bias; i++)
        if (gpt2__find_tensor(m, ad->biases[i].name) == idx && ad->biases[i].n == t->numel) bias = ad->biases[i].value;
    if (!lm && !bias) return NULL;
    if (!(copy = (float *)lora_malloc((size_t)t->numel * sizeof(float), "merged GGUF tensor"))) { *s = LORA_ERR_OOM; return NULL; }
    memcpy(copy, bias ? bias : gpt2__t(m, idx < 0 ? 0 : idx), (size_t)t->numel * sizeof(float));
    if (lm) lora_module_merge(lm, copy, idx >= 0, 1.0f);   /* Conv1D (in, out); wte (out = vocab, in) */
    return copy;
}

static lora_status gpt2__op_gguf_write(const lora_model *b, const lora_tokenizer *tok, const lora_adapter *ad,
                                       lora_gguf_writer *w, lora_ggml_type dtype) {
    const gpt2_model *m = gpt2__ofc(b);
    const gpt2_config *c = &m->cfg;
    lora_status s;
    char name[LORA_GGUF_MAX_NAME];
    int l, k;
    float *merged;
    if ((s = gpt2__weights(m, "lora_model_save_gguf")) != LORA_OK) return s;
    if (m->base_dtype != LORA_DT_F32)
        return lora_fail(LORA_ERR_UNSUPPORTED, "lora_model_save_gguf: the GPT-2 weights are held in bf16 (a training load option); "
                                               "load the model with fp32 weights to export it");
    if (ad && (s = gpt2__check_adapter(m, ad)) != LORA_OK) return s;
#define GPT2__TRY(x) do { if ((s = (x)) != LORA_OK) return s; } while (0)
#define GPT2__ADD(idx, nm) do { merged = gpt2__gguf_merged(m, ad, idx, &s); if (s != LORA_OK) return s; \
        s = gpt2__gguf_add(w, m, (idx) < 0 ? 0 : (idx), nm, dtype, merged); lora_free(merged); if (s != LORA_OK) return s; } while (0)
    GPT2__TRY(lora_gguf_set_u32(w, "gpt2.context_length", (uint32_t)c->n_positions));
    GPT2__TRY(lora_gguf_set_u32(w, "gpt2.embedding_length", (uint32_t)c->n_embd));
    GPT2__TRY(lora_gguf_set_u32(w, "gpt2.feed_forward_length", (uint32_t)gpt2__inner(c)));
    GPT2__TRY(lora_gguf_set_u32(w, "gpt2.block_count", (uint32_t)c->n_layer));
    GPT2__TRY(lora_gguf_set_u32(w, "gpt2.attention.head_count", (uint32_t)c->n_head));
    GPT2__TRY(lora_gguf_set_f32(w, "gpt2.attention.layer_norm_epsilon", c->layer_norm_eps));
    GPT2__TRY(lora_gguf_set_tokenizer(w, tok, "gpt2", "gpt-2", c->vocab_size));
    GPT2__ADD(0, "token_embd.weight");
    GPT2__ADD(1, "position_embd.weight");
    for (l = 0; l < c->n_layer; l++)
        for (k = 0; k < GPT2__PER_LAYER; k++) {
            snprintf(name, sizeof name, "blk.%d.%s", l, gpt2__gguf_layer[k]);
            GPT2__ADD(gpt2__lt(l, k), name);
        }
    GPT2__ADD(m->n_tensors - 2, "output_norm.weight");
    GPT2__ADD(m->n_tensors - 1, "output_norm.bias");
    GPT2__ADD(-1, "output.weight");   /* tied: wte again (with an lm_head adapter merged, if any) */
#undef GPT2__ADD
#undef GPT2__TRY
    return LORA_OK;
}

static lora_status gpt2__op_gguf_module(const lora_model *b, int module, char name[LORA_GGUF_MAX_NAME], int *permute_heads) {
    const gpt2_model *m = gpt2__ofc(b);
    *permute_heads = 0;
    if (module < 0 || module >= m->n_linears)
        return lora_fail(LORA_ERR_INVALID_ARG, "GPT-2: module %d out of range (%d modules)", module, m->n_linears);
    /* lm_head: its own output.weight in our GGUF (and convert_hf_to_gguf.py's), so llama.cpp applies a LoRA on it */
    if (m->linears[module].layer < 0) snprintf(name, LORA_GGUF_MAX_NAME, "output.weight");
    else snprintf(name, LORA_GGUF_MAX_NAME, "blk.%d.%s.weight", m->linears[module].layer,
                  gpt2__gguf_kinds[module % GPT2_LINEARS_PER_LAYER]);
    return LORA_OK;
}

static lora_status gpt2__gguf_u32(const lora_gguf *g, const char *key, int *out) {
    int64_t v;
    lora_status s = lora_gguf_get_int(g, key, &v);
    if (s == LORA_ERR_NOT_FOUND) return lora_fail(s, "%s: key '%s' is missing (a gpt2 GGUF model needs it)", g->path, key);
    if (s != LORA_OK) return s;
    if (v <= 0 || v > (1 << 30)) return lora_fail(LORA_ERR_FORMAT, "%s: key '%s' = %lld is out of range", g->path, key, (long long)v);
    *out = (int)v;
    return LORA_OK;
}

static lora_status gpt2__load_gguf(const char *path, lora_pool *pool, gpt2_model **out) {
    lora_gguf *g = NULL;
    gpt2_model *m = NULL;
    gpt2_config cfg;
    const char *arch = NULL;
    const lora_gguf_tensor *te;
    float *tmp = NULL, *outw = NULL;
    lora_status s;
    double eps;
    int k, ff;
    size_t i, tmp_n;
    *out = NULL;
    if ((s = lora_gguf_open(path, &g)) != LORA_OK) return s;
    if ((s = lora_gguf_get_str(g, "general.architecture", &arch)) != LORA_OK) goto done;
    if (strcmp(arch, "gpt2") != 0) {
        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: general.architecture is \"%s\", not \"gpt2\"", path, arch);
        goto done;
    }
    {
        const char *type = NULL;
        if (lora_gguf_get_str(g, "general.type", &type) == LORA_OK && strcmp(type, "model") != 0) {
            s = lora_fail(LORA_ERR_FORMAT, "%s: general.type is \"%s\", not a model (a LoRA adapter GGUF is not a base model)", path, type);
            goto done;
        }
    }
    memset(&cfg, 0, sizeof cfg);
    if ((s = gpt2__gguf_u32(g, "gpt2.block_count", &cfg.n_layer)) != LORA_OK ||
        (s = gpt2__gguf_u32(g, "gpt2.context_length", &cfg.n_positions)) != LORA_OK ||
        (s = gpt2__gguf_u32(g, "gpt2.embedding_length", &cfg.n_embd)) != LORA_OK ||
        (s = gpt2__gguf_u32(g, "gpt2.attention.head_count", &cfg.n_head)) != LORA_OK ||
        (s = gpt2__gguf_u32(g, "gpt2.feed_forward_length", &ff)) != LORA_OK)
        goto done;
    {
        int64_t kv;
        if (lora_gguf_get_int(g, "gpt2.attention.head_count_kv", &kv) == LORA_OK && kv != cfg.n_head) {
            s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: gpt2.attention.head_count_kv %lld differs from head_count %d (GPT-2 has no GQA)",
                          path, (long long)kv, cfg.n_head);
            goto done;
        }
    }
    if ((s = lora_gguf_get_float(g, "gpt2.attention.layer_norm_epsilon", &eps)) != LORA_OK) goto done;
    cfg.layer_norm_eps = (float)eps;
    cfg.n_inner = ff == 4 * cfg.n_embd ? 0 : ff;
    if (!(te = lora_gguf_find_tensor(g, "token_embd.weight")) || te->n_dims != 2 || te->ne[0] != cfg.n_embd) {
        s = lora_fail(LORA_ERR_FORMAT, "%s: token_embd.weight is missing or not (%d, vocab)", path, cfg.n_embd);
        goto done;
    }
    if (te->ne[1] <= 0 || te->ne[1] > (1 << 24)) {
        s = lora_fail(LORA_ERR_FORMAT, "%s: token_embd.weight has %lld rows", path, (long long)te->ne[1]);
        goto done;
    }
    cfg.vocab_size = (int)te->ne[1];
    if ((s = gpt2_config_check(&cfg)) != LORA_OK) { s = lora_fail(s, "%s: %s", path, lora_last_error()); goto done; }
    /* every tensor present with its shape before the weights are allocated */
    if ((s = gpt2__model_new(&cfg, pool, 0, LORA_DT_F32, &m)) != LORA_OK) goto done;
    for (k = 0; k < m->n_tensors; k++) {
        const gpt2__tensor *t = &m->tensors[k];
        char name[LORA_GGUF_MAX_NAME];
        const lora_gguf_tensor *ft;
        int64_t ne0 = t->ndim == 1 ? t->shape[0] : t->shape[k < 2 ? 1 : 0], ne1 = t->ndim == 1 ? 1 : t->shape[k < 2 ? 0 : 1];
        if (k == 0) snprintf(name, sizeof name, "token_embd.weight");
        else if (k == 1) snprintf(name, sizeof name, "position_embd.weight");
        else if (k >= m->n_tensors - 2) snprintf(name, sizeof name, "output_norm.%s", k == m->n_tensors - 2 ? "weight" : "bias");
        else snprintf(name, sizeof name, "blk.%d.%s", (k - 2) / GPT2__PER_LAYER, gpt2__gguf_layer[(k - 2) % GPT2__PER_LAYER]);
        if (!(ft = lora_gguf_find_tensor(g, name))) {
            s = lora_fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found (a %d-layer gpt2 needs it)", path, name, cfg.n_layer);
            goto done;
        }
        if (ft->ne[0] != ne0 || ft->ne[1] != ne1 || ft->ne[2] != 1 || ft->ne[3] != 1) {
            s = lora_fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected ne (%lld, %lld), found (%lld, %lld, %lld, %lld)", path, name,
                          (long long)ne0, (long long)ne1, (long long)ft->ne[0], (long long)ft->ne[1], (long long)ft->ne[2],
                          (long long)ft->ne[3]);
            goto done;
        }
    }
    m->params = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "gpt2 weights");
    tmp_n = (size_t)gpt2__inner(&cfg) * (size_t)cfg.n_embd;
    if ((size_t)3 * cfg.n_embd * cfg.n_embd > tmp_n) tmp_n = (size_t)3 * cfg.n_embd * cfg.n_embd;
    tmp = (float *)lora_malloc(tmp_n * sizeof(float), "GGUF transpose buffer");
    if (!m->params || !tmp) { s = LORA_ERR_OOM; goto done; }
    memset(m->params, 0, m->n_floats * sizeof(float));
    for (k = 0; k < m->n_tensors; k++) {
        const gpt2__tensor *t = &m->tensors[k];
        char name[LORA_GGUF_MAX_NAME];
        const lora_gguf_tensor *ft;
        float *dst = gpt2__t(m, k);
        if (k == 0) snprintf(name, sizeof name, "token_embd.weight");
        else if (k == 1) snprintf(name, sizeof name, "position_embd.weight");
        else if (k >= m->n_tensors - 2) snprintf(name, sizeof name, "output_norm.%s", k == m->n_tensors - 2 ? "weight" : "bias");
        else snprintf(name, sizeof name, "blk.%d.%s", (k - 2) / GPT2__PER_LAYER, gpt2__gguf_layer[(k - 2) % GPT2__PER_LAYER]);
        ft = lora_gguf_find_tensor(g, name);
        if (t->ndim == 2 && k >= 2) {
            /* ne (in, out): Linear (out, in) rows -> Conv1D (in, out) */
            int64_t in = t->shape[0], o, j;
            if ((s = lora_gguf_tensor_f32(g, ft, tmp, t->numel)) != LORA_OK) goto done;
            for (o = 0; o < t->shape[1]; o++)
                for (j = 0; j < in; j++) dst[j * t->shape[1] + o] = tmp[o * in + j];
        } else if ((s = lora_gguf_tensor_f32(g, ft, dst, t->numel)) != LORA_OK) goto done;
    }
    /* output.weight: GPT-2 ties it to token_embd; a different one cannot be represented */
    if ((te = lora_gguf_find_tensor(g, "output.weight")) != NULL) {
        const float *wte = gpt2__t(m, 0);
        if (te->ne[0] != cfg.n_embd || te->ne[1] != cfg.vocab_size || te->ne[2] != 1 || te->ne[3] != 1) {
            s = lora_fail(LORA_ERR_SHAPE, "%s: output.weight: expected ne (%d, %d)", path, cfg.n_embd, cfg.vocab_size);
            goto done;
        }
        if (!(outw = (float *)lora_malloc((size_t)te->numel * sizeof(float), "output.weight check"))) { s = LORA_ERR_OOM; goto done; }
        if ((s = lora_gguf_tensor_f32(g, te, outw, te->numel)) != LORA_OK) goto done;
        for (i = 0; i < (size_t)te->numel; i++)
            if (memcmp(&outw[i], &wte[i], sizeof(float)) != 0) {   /* bits: a NaN equals itself */
                s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: output.weight differs from token_embd.weight at element %zu; GPT-2's "
                              "lm_head is tied to the token embedding", path, i);
                goto done;
            }
    }
    /* every other tensor is a mistake (a LoRA adapter's, another architecture's) */
    for (i = 0; i < g->n_tensors; i++) {
        const char *n = g->tensors[i].name;
        int known = strcmp(n, "output.weight") == 0 || strcmp(n, "token_embd.weight") == 0 ||
                    strcmp(n, "position_embd.weight") == 0 || strncmp(n, "output_norm.", 12) == 0;
        if (!known && strncmp(n, "blk.", 4) == 0) {
            char *end;
            long li = strtol(n + 4, &end, 10);
            if (end != n + 4 && *end == '.' && li >= 0 && li < cfg.n_layer)
                for (k = 0; k < GPT2__PER_LAYER; k++)
                    if (strcmp(end + 1, gpt2__gguf_layer[k]) == 0) known = 1;
        }
        if (!known) {
            s = lora_fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (not part of a %d-layer gpt2)", path, n, cfg.n_layer);
            goto done;
        }
    }
done:
    lora_free(tmp);
    lora_free(outw);
    lora_gguf_close(g);
    if (s != LORA_OK) { gpt2_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}

/* ---- gpt2/50_model.impl.c ---- */
/* ---- GPT-2 as an engine model: lora_model_ops and the family ---- */

static gpt2_model *gpt2__of(lora_model *b) { return (gpt2_model *)(void *)b; }
static const gpt2_model *gpt2__ofc(const lora_model *b) { return (const gpt2_model *)(const void *)b; }

/* A shape-only model (gpt2__family_shape) has no weights to compute with. */
static lora_status gpt2__weights(const gpt2_model *m, const char *what) {
    if (m->params) return LORA_OK;
    return lora_fail(LORA_ERR_INVALID_ARG, "%s: this GPT-2 was opened as a shape only (no weights)", what);
}

static void gpt2__op_destroy(lora_model *b) { gpt2_model_free(gpt2__of(b)); }
static void gpt2__op_set_pool(lora_model *b, lora_pool *pool) { gpt2_model_set_pool(gpt2__of(b), pool); }
static lora_pool *gpt2__op_pool(const lora_model *b) { return gpt2__ofc(b)->pool; }
static lora_status gpt2__op_adapter_create(const lora_model *b, const lora_config *cfg, lora_adapter **out) {
    return gpt2_lora_create(gpt2__ofc(b), cfg, out);
}
static lora_status gpt2__op_adapter_load(const lora_model *b, const char *dir, lora_adapter **out, char **warnings) {
    return gpt2_lora_load(gpt2__ofc(b), dir, out, warnings);
}
static lora_status gpt2__op_set_adapter(lora_model *b, lora_adapter *ad) { return gpt2_model_set_adapter(gpt2__of(b), ad); }
static lora_adapter *gpt2__op_adapter(const lora_model *b) { return gpt2_model_adapter(gpt2__ofc(b)); }
static lora_status gpt2__op_merge(lora_model *b, lora_adapter *ad, int sign) {
    lora_status s = gpt2__weights(gpt2__of(b), "lora_model_merge");
    return s != LORA_OK ? s : gpt2_model_merge(gpt2__of(b), ad, sign);
}
static lora_status gpt2__op_set_full(lora_model *b, int on) {
    lora_status s = gpt2__weights(gpt2__of(b), "lora_model_set_full_finetune");
    return s != LORA_OK ? s : gpt2_model_set_full_finetune(gpt2__of(b), on);
}
static void gpt2__op_set_training(lora_model *b, int training, uint64_t seed) { gpt2_model_set_training(gpt2__of(b), training, seed); }
static uint64_t gpt2__op_dropout_step(const lora_model *b) { return gpt2_model_dropout_step(gpt2__ofc(b)); }
static void gpt2__op_set_dropout_step(lora_model *b, uint64_t s) { gpt2_model_set_dropout_step(gpt2__of(b), s); }
static lora_status gpt2__op_forward(lora_model *b, const int32_t *in, const int32_t *lab, const int32_t *pos, int B, int T,
                                    float *loss) {
    lora_status s = gpt2__weights(gpt2__of(b), "lora_model_forward");
    return s != LORA_OK ? s : gpt2_forward_positions(gpt2__of(b), in, lab, pos, B, T, loss);
}
static const float *gpt2__op_logits(const lora_model *b) { return gpt2_logits(gpt2__ofc(b)); }
static lora_status gpt2__op_backward(lora_model *b) { return gpt2_backward(gpt2__of(b)); }
static void gpt2__op_zero_grad(lora_model *b) { gpt2_zero_grad(gpt2__of(b)); }
static lora_status gpt2__op_params(lora_model *b, lora_param **p, int *n) { return gpt2_trainable_params(gpt2__of(b), p, n); }
static lora_status gpt2__op_save(const lora_model *b, const char *path) {
    lora_status s = gpt2__weights(gpt2__ofc(b), "lora_model_save");
    return s != LORA_OK ? s : gpt2_model_save(gpt2__ofc(b), path);
}
static void gpt2__op_estimate(const lora_model *b, const lora_adapter *ad, int full, int B, int T, int threads,
                              lora_memory_estimate *out) {
    gpt2__estimate(&gpt2__ofc(b)->cfg, gpt2__ofc(b)->base_dtype, ad, full, B, T, threads, out);
}
static size_t gpt2__op_memory(const lora_model *b) { return gpt2_model_memory(gpt2__ofc(b)); }
static lora_status gpt2__op_kv_create(const lora_model *b, int max_T, lora_kv **out) {
    lora_status s = gpt2__weights(gpt2__ofc(b), "lora_kv_create");
    return s != LORA_OK ? s : gpt2_kv_create(gpt2__ofc(b), max_T, (gpt2_kv_cache **)out);
}
static void gpt2__op_kv_free(lora_kv *kv) { gpt2_kv_free((gpt2_kv_cache *)kv); }
static void gpt2__op_kv_reset(lora_kv *kv) { gpt2_kv_reset((gpt2_kv_cache *)kv); }
static lora_status gpt2__op_kv_truncate(lora_kv *kv, int n) { return gpt2_kv_truncate((gpt2_kv_cache *)kv, n); }
static int gpt2__op_kv_length(const lora_kv *kv) { return gpt2_kv_length((const gpt2_kv_cache *)kv); }
static int gpt2__op_kv_capacity(const lora_kv *kv) { return gpt2_kv_capacity((const gpt2_kv_cache *)kv); }
static size_t gpt2__op_kv_memory(const lora_kv *kv) { return gpt2_kv_memory((const gpt2_kv_cache *)kv); }
static lora_status gpt2__op_forward_cached(lora_model *b, lora_kv *kv, const int32_t *tokens, int n, float *logits) {
    return gpt2_forward_cached(gpt2__of(b), (gpt2_kv_cache *)kv, tokens, n, logits);
}

static const lora_model_ops gpt2__ops = {
    gpt2__op_destroy, gpt2__op_set_pool, gpt2__op_pool,
    gpt2__op_adapter_create, gpt2__op_adapter_load, gpt2__op_set_adapter, gpt2__op_adapter, gpt2__op_merge,
    gpt2__op_set_full, gpt2__op_set_training, gpt2__op_dropout_step, gpt2__op_set_dropout_step,
    gpt2__op_forward, gpt2__op_logits, gpt2__op_backward, gpt2__op_zero_grad, gpt2__op_params,
    gpt2__op_save, gpt2__op_estimate, gpt2__op_memory,
    gpt2__op_kv_create, gpt2__op_kv_free, gpt2__op_kv_reset, gpt2__op_kv_truncate, gpt2__op_kv_length,
    gpt2__op_kv_capacity, gpt2__op_kv_memory, gpt2__op_forward_cached,
    gpt2__op_gguf_write, gpt2__op_gguf_module
};

/* PEFT's default target_modules for GPT-2 (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
static const char *const gpt2__default_targets[] = {"c_attn"};

static lora_status gpt2__base_init(gpt2_model *m) {
    lora_model_info *in = &m->base.info;
    int i;
    m->module_layer = (int *)lora_malloc(sizeof(int) * (size_t)m->n_linears, "module table");
    if (!m->module_layer) return LORA_ERR_OOM;
    for (i = 0; i < m->n_linears; i++) m->module_layer[i] = m->linears[i].layer;
    m->base.ops = &gpt2__ops;
    memset(in, 0, sizeof *in);
    in->family = "gpt2";
    in->name_or_path = m->name_or_path;
    in->vocab_size = m->cfg.vocab_size;
    in->max_seq = m->cfg.n_positions;
    in->n_layer = m->cfg.n_layer;
    in->eos = m->cfg.vocab_size > GPT2_EOT ? GPT2_EOT : -1;
    in->fan_in_fan_out = 1;
    in->num_params = gpt2_config_num_params(&m->cfg);
    in->n_modules = m->n_linears;
    in->modules = m->descs;
    in->module_layer = m->module_layer;
    in->n_default_targets = 1;
    in->default_targets = gpt2__default_targets;
    in->tied_output = 1;
    snprintf(m->summary, sizeof m->summary, "GPT-2: %d layers, %d heads, width %d, MLP %d, %d positions, vocab %d "
             "(lm_head tied to wte)", m->cfg.n_layer, m->cfg.n_head, m->cfg.n_embd, gpt2__inner(&m->cfg),
             m->cfg.n_positions, m->cfg.vocab_size);
    in->summary = m->summary;
    in->gguf_arch = "gpt2";
    return LORA_OK;
}

LORA_API lora_model *gpt2_model_base(gpt2_model *m) { return m ? &m->base : NULL; }
LORA_API gpt2_model *gpt2_model_from_base(lora_model *b) { return b && b->ops == &gpt2__ops ? gpt2__of(b) : NULL; }

LORA_API lora_status gpt2_model_set_name(gpt2_model *m, const char *name_or_path) {
    char *copy = NULL;
    if (!m) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_set_name: model is NULL");
    if (name_or_path && !(copy = lora_strdup(name_or_path))) return LORA_ERR_OOM;
    lora_free(m->name_or_path);
    m->name_or_path = copy;
    m->base.info.name_or_path = copy;
    return LORA_OK;
}

/* ---- the family, for lora_model_open ---- */
static const char *const gpt2__model_types[] = {"gpt2", NULL};
static const char *const gpt2__presets[] = {"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2", "tiny", "small", NULL};

static int gpt2__probe(const char *path) {
    unsigned char b[4];
    FILE *f;
    size_t got;
    f = fopen(path, "rb");
    if (!f) return 0;
    got = fread(b, 1, 4, f);
    fclose(f);
    return got == 4 && (b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24) == (uint32_t)GPT2__LLMC_CKPT_MAGIC;
}

/* What Hugging Face records for from_pretrained(dir): the directory of the weights. */
static lora_status gpt2__name_from_path(gpt2_model *m, const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    size_t n;
    if (!slash) return gpt2_model_set_name(m, ".");
    n = slash == path ? 1 : (size_t)(slash - path);
    if (!(dir = (char *)lora_malloc(n + 1, "model name"))) return LORA_ERR_OOM;
    memcpy(dir, path, n);
    dir[n] = 0;
    s = gpt2_model_set_name(m, dir);
    lora_free(dir);
    return s;
}

static lora_status gpt2__family_load_as(const char *path, const char *config_path, lora_pool *pool, lora_dtype dtype,
                                        lora_model **out) {
    gpt2_model *m;
    lora_status s = gpt2_model_load_as(path, config_path, pool, dtype, &m);
    if (s != LORA_OK) return s;
    if ((s = gpt2__name_from_path(m, path)) != LORA_OK) { gpt2_model_free(m); return s; }
    *out = &m->base;
    return LORA_OK;
}

static lora_status gpt2__family_load(const char *path, const char *config_path, lora_pool *pool, lora_model **out) {
    return gpt2__family_load_as(path, config_path, pool, LORA_DT_F32, out);
}

static lora_status gpt2__family_preset_as(const char *preset, uint64_t seed, lora_pool *pool, lora_dtype dtype, lora_model **out) {
    gpt2_config cfg;
    gpt2_model *m;
    lora_status s;
    if ((s = gpt2_config_preset(preset, &cfg)) != LORA_OK) return s;
    if ((s = gpt2_model_create_as(&cfg, pool, dtype, &m)) != LORA_OK) return s;
    gpt2_model_init_random(m, seed);
    if ((s = gpt2_model_set_name(m, preset)) != LORA_OK) { gpt2_model_free(m); return s; }
    *out = &m->base;
    return LORA_OK;
}

static lora_status gpt2__family_preset(const char *preset, uint64_t seed, lora_pool *pool, lora_model **out) {
    return gpt2__family_preset_as(preset, seed, pool, LORA_DT_F32, out);
}

static lora_status gpt2__family_shape(const char *preset, lora_model **out) {
    gpt2_config cfg;
    gpt2_model *m;
    lora_status s;
    if ((s = gpt2_config_preset(preset, &cfg)) != LORA_OK) return s;
    if ((s = gpt2__model_new(&cfg, NULL, 0, LORA_DT_F32, &m)) != LORA_OK) return s;
    if ((s = gpt2_model_set_name(m, preset)) != LORA_OK) { gpt2_model_free(m); return s; }
    *out = &m->base;
    return LORA_OK;
}

static const lora_model_family gpt2__family = {
    "gpt2", gpt2__model_types, gpt2__presets, gpt2__probe, gpt2__family_load, gpt2__family_preset, gpt2__family_shape,
    gpt2__family_load_as, gpt2__family_preset_as
};
LORA_API const lora_model_family *gpt2_family(void) { return &gpt2__family; }

#endif /* GPT2_IMPLEMENTATION_DONE */
#endif /* GPT2_IMPLEMENTATION */

/*
   VERSION HISTORY
     0.1.0 (2026-11-22)  first release: GPT-2 exactly as Hugging Face GPT2LMHeadModel:
                         forward, backward, LoRA, tokenizer, data loading,
                         generation with a KV cache, HF and llm.c checkpoints.

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
