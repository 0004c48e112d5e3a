/* gpt2.h - v0.1.0 - GPT-2 for lora.h: train, evaluate, merge and run LoRA adapters on a CPU.
   MIT licence (end of file).

   USAGE
     In exactly one C or C++ file (gpt2.h's implementation uses lora.h's):
         #define LORA_IMPLEMENTATION
         #include "lora.h"
         #define GPT2_IMPLEMENTATION
         #include "gpt2.h"
     Compile:  cc -O2 app.c -lm -lpthread

   THE MODEL
     Exactly Hugging Face's GPT2LMHeadModel: Conv1D weights (in, out), pre-LN blocks with
     LayerNorm eps 1e-5, causal attention scaled by 1/sqrt(head_dim), gelu_new (tanh form),
     final ln_f and an lm_head tied to the token embedding. Presets gpt2 (124M), gpt2-medium,
     gpt2-large, gpt2-xl, distilgpt2, tiny, or any gpt2_config. Weights load from HF
     model.safetensors (F32/F16/BF16, with or without "transformer." prefixes) or llm.c
     checkpoints; random init as HF (N(0, 0.02), c_proj scaled by 1/sqrt(2 n_layer)).
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
       char line[160];    gpt2_model_trainable_line(m, line, sizeof line);
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
     gpt2_train() wraps this loop with a progress callback that can cancel (see below).

   DATA
     gpt2_tokenizer_load("data/gpt2-tokenizer", &tok) then gpt2_encode / gpt2_decode: the exact
     GPT-2 byte-level BPE. gpt2_data_load_jsonl reads {"text"}, {"prompt","completion"},
     {"question","answer"} and chat {"messages"} lines (loss on completions only by default);
     gpt2_data_load_tokens reads raw uint16 or llm.c token files; gpt2_data_batch cuts batches.

   INFERENCE
     gpt2_forward without labels gives logits (B, T, vocab); the KV-cache API and
     gpt2_generate sample text (greedy, temperature, top-k, top-p, seeded).
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
typedef struct gpt2_config {
    int n_layer, n_head, n_embd;
    int n_positions;         /* context length */
    int vocab_size;
    int n_inner;             /* MLP width; 0 = 4 * n_embd */
    float layer_norm_eps;    /* 1e-5 */
} gpt2_config;

/* Presets: "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2" (also "tiny":
   2 layers, 2 heads, width 64, 64 positions, GPT-2 vocabulary). */
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

/* Allocates a model with zeroed weights; pool may be NULL (single thread) and is not owned. */
LORA_API lora_status gpt2_model_create(const gpt2_config *cfg, lora_pool *pool, gpt2_model **out);
/* Hugging Face's initialisation: N(0, 0.02) for weights and embeddings, c_proj weights
   N(0, 0.02/sqrt(2 n_layer)), biases 0, LayerNorm weight 1 / bias 0. */
LORA_API void gpt2_model_init_random(gpt2_model *m, uint64_t seed);
/* Loads weights: HF model.safetensors (F32/F16/BF16, bare or "transformer."-prefixed names;
   config from config_path, else config.json beside the file, else inferred from shapes)
   or an llm.c checkpoint (detected by its magic). */
LORA_API lora_status gpt2_model_load(const char *path, const char *config_path, lora_pool *pool, gpt2_model **out);
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
/* PEFT's print_trainable_parameters line for the active adapter (or full fine-tuning). */
LORA_API void gpt2_model_trainable_line(const gpt2_model *m, char *buf, size_t size);

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
/* Logits (B, T, vocab) of the last forward. Valid until backward or the next forward. */
LORA_API const float *gpt2_logits(const gpt2_model *m);
/* Backward of the last forward (which must have had labels): accumulates gradients into
   the active adapter (A, B, biases) and, with full fine-tuning, the model's gradients. */
LORA_API lora_status gpt2_backward(gpt2_model *m);
LORA_API void gpt2_zero_grad(gpt2_model *m);
/* Trainable parameters (adapter tensors, or every weight in full mode) for the optimiser,
   in PEFT's named_parameters() order. *params is allocated (LORA_FREE it). */
LORA_API lora_status gpt2_trainable_params(gpt2_model *m, lora_param **params, int *n);
/* Gradient of a base tensor after backward in full mode (HF name), or NULL. */
LORA_API float *gpt2_model_grad(gpt2_model *m, const char *name);
/* Bytes currently held by the model for weights, gradients and activations. */
LORA_API size_t gpt2_model_memory(const gpt2_model *m);

/* Memory a training (or inference) step needs, in bytes, computed from the same sizes the
   library allocates: pick targets that fit the device before loading anything. ad may be
   NULL (no adapter); full = full fine-tuning. */
typedef struct gpt2_memory_estimate {
    size_t weights;          /* model weights, float32 (shared, never copied) */
    size_t activations;      /* activation arena for B x T, logits included */
    size_t adapter;          /* LoRA A/B and trainable biases */
    size_t gradients;        /* gradients of the trainable tensors */
    size_t optimizer;        /* AdamW moments (2 per trainable value) */
    size_t total;
} gpt2_memory_estimate;
LORA_API void gpt2_estimate_memory(const gpt2_config *cfg, const lora_adapter *ad, int full, int B, int T, int threads,
                                   gpt2_memory_estimate *out);

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

/* Sampling settings. Order as Hugging Face's generate: temperature, then top-k, then top-p. */
typedef struct gpt2_sampler {
    float temperature;       /* 1.0; 0 means greedy */
    int top_k;               /* 0 = off; keep the k most likely tokens (ties: the lower ids) */
    float top_p;             /* 1.0 = off; in (0, 1]: keep the smallest set of most likely tokens
                                whose probability reaches top_p (at least one) */
    int greedy;              /* nonzero: argmax (lowest id among equal maxima), the rest is ignored */
    uint64_t seed;           /* gpt2_generate seeds its lora_rng with this (default 0) */
} gpt2_sampler;
/* Defaults: temperature 1, top_k 0, top_p 1, greedy 0, seed 0 (plain sampling). */
LORA_API gpt2_sampler gpt2_sampler_init(void);

/* Draws a token id from logits (vocab values; cfg NULL = defaults). Greedy (greedy flag,
   temperature 0 or top_k 1) is the argmax and does not use rng; otherwise exactly one
   lora_rng_uniform is drawn, so a seeded rng gives a reproducible sequence. Ties are broken
   towards the lower id. Allocates a 12 * vocab byte workspace per call (gpt2_generate keeps
   one). Returns the id, or a negative lora_status: LORA_ERR_INVALID_ARG (NULL logits or rng,
   vocab <= 0, temperature < 0 or NaN, top_k < 0, top_p outside (0, 1]), LORA_ERR_OOM. */
LORA_API int32_t gpt2_sample(const float *logits, int vocab, const gpt2_sampler *cfg, lora_rng *rng);

/* Called with each generated token (index 0, 1, ...); returning nonzero stops generation. */
typedef int (*gpt2_token_fn)(void *user, int32_t id, int index);

/* Generates up to max_new tokens after prompt (n_prompt >= 1 ids; an empty prompt is usually
   started with the end-of-text id 50256, as Hugging Face does) with a KV cache of its own.
   out_ids (room for max_new) receives the generated ids and *n_out their number. Generation
   stops after max_new tokens, when the callback returns nonzero (that token is kept; the
   result is LORA_OK), at the first end-of-text token 50256 when stop_at_eot (which is not
   stored nor passed to the callback), or when prompt + output fill n_positions. cfg NULL =
   defaults (plain sampling, seed 0). The same arguments give the same tokens. Errors:
   LORA_ERR_RANGE when the prompt is longer than n_positions or holds an id outside the
   vocabulary; LORA_ERR_INVALID_ARG, LORA_ERR_OOM. */
LORA_API lora_status gpt2_generate(gpt2_model *m, const int32_t *prompt, int n_prompt, int max_new,
                                   const gpt2_sampler *cfg, int stop_at_eot, int32_t *out_ids, int *n_out,
                                   gpt2_token_fn on_token, void *user);

/* ---- gpt2/50_tokenizer.api.h ---- */
/* ---- GPT-2 byte-level BPE tokenizer ----
   Exactly OpenAI's encoder (and Hugging Face's GPT2Tokenizer): the pre-tokenisation
   pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   with a built-in Unicode letter/number/space table, bytes-to-unicode, ranked merges.
   The character classes are JavaScript's (the npm encoders gpt-3-encoder and gpt-tokenizer
   are the reference, Unicode 17); Python's `regex` module (encoder.py) differs in \s only at
   U+0085 (a space there, not here) and U+FEFF (a space here, not there), and in the Unicode
   version of its tables.
   A tokenizer is read-only once loaded: share it between threads freely. */
#define GPT2_EOT 50256

typedef struct gpt2_tokenizer gpt2_tokenizer;
/* dir holds encoder.json + vocab.bpe (OpenAI's names, tried first), or vocab.json + merges.txt
   (Hugging Face's); LORA_ERR_NOT_FOUND if it has neither. The vocabulary is a JSON object
   {token: id} over the bytes_to_unicode alphabet, with all 256 single bytes, unique tokens and
   ids (integers below 2^24; gaps allowed). The merges file has one "left right" pair per line in
   rank order; lines starting with "#version" and empty lines are skipped, CRLF is accepted; both
   symbols and their concatenation must be tokens; a pair listed twice keeps its last rank.
   Errors are LORA_ERR_FORMAT naming the file and the entry ("encoder.json: entry 12 (...)") or
   line ("vocab.bpe:17: ..."). load_memory names them "vocab JSON" and "merges". */
LORA_API lora_status gpt2_tokenizer_load(const char *dir, gpt2_tokenizer **out);
LORA_API lora_status gpt2_tokenizer_load_files(const char *vocab_json_path, const char *merges_path, gpt2_tokenizer **out);
LORA_API lora_status gpt2_tokenizer_load_memory(const char *vocab_json, size_t vocab_len,
                                                const char *merges, size_t merges_len, gpt2_tokenizer **out);
LORA_API void gpt2_tokenizer_free(gpt2_tokenizer *tok);
LORA_API int gpt2_tokenizer_vocab_size(const gpt2_tokenizer *tok);

/* Encodes len bytes. Valid UTF-8 gives exactly the ids of the reference encoders (OpenAI's
   encoder.py, Hugging Face's GPT2Tokenizer, the npm gpt-3-encoder / gpt-tokenizer). Invalid UTF-8
   is not replaced: each byte that does not start a well-formed sequence is split like the U+FFFD
   a decoder would put there, and encoded as its own bytes, so gpt2_decode(gpt2_encode(x)) == x for
   every byte string x.
   allow_special = 1 maps every "<|endoftext|>" to GPT2_EOT (the text between is encoded
   separately, as tiktoken does); 0 encodes it as text.
   *ids is allocated with LORA_MALLOC (free with LORA_FREE / gpt2_free). */
LORA_API lora_status gpt2_encode(const gpt2_tokenizer *tok, const char *text, size_t len, int allow_special,
                                 int32_t **ids, size_t *n_ids);
/* Decodes ids back to bytes (NUL-terminated, *len excludes the NUL). Fails with
   LORA_ERR_RANGE on an id outside the vocabulary. */
LORA_API lora_status gpt2_decode(const gpt2_tokenizer *tok, const int32_t *ids, size_t n_ids, char **text, size_t *len);
/* The bytes of one token (not NUL-terminated); NULL for an invalid id. */
LORA_API const char *gpt2_token_bytes(const gpt2_tokenizer *tok, int32_t id, size_t *len);
/* Length in bytes of the first pre-token of text[0..len) (the split pattern above; 0 when len
   is 0). Walking a text with it yields the pieces that BPE sees, e.g. "Hello", " world", "!". */
LORA_API size_t gpt2_pretoken_length(const char *text, size_t len);
/* Frees memory returned by gpt2_encode / gpt2_decode. */
LORA_API void gpt2_free(void *p);

/* ---- gpt2/60_data.api.h ---- */
/* ---- Training data ----
   A dataset is one long stream of token ids with a parallel label stream (label -100 =
   no loss on that position, e.g. prompt tokens). Sources: jsonl files with {"text"},
   {"prompt","completion"}, {"question","answer"} or chat {"messages":[{"role","content"}]}
   lines, token files (raw little-endian uint16 ids, or llm.c's token files with a
   256 x int32 header, magic 20240520), or token arrays. Batches are cut from the
   stream: step s views [pos, pos + B*T) as B rows of T (labels likewise); pos
   advances by B*T and wraps to 0 when fewer than B*T remain.

   Labels are aligned with the tokens: labels[i] is tokens[i] or -100. The loss uses the
   logits at position t to predict labels[t+1] (Hugging Face's convention: the shift happens
   inside the loss), so labels[i] = -100 means "no loss for predicting token i".

   jsonl: one JSON object per line. A UTF-8 BOM at the start, CRLF line ends and blank
   (whitespace-only) lines are accepted; extra keys (e.g. "id") are ignored; every other
   problem fails with "source:LINE: reason" (invalid JSON, not an object, missing or
   wrong-typed key, empty text/completion/question/answer, empty "messages", unknown role,
   keys of two kinds, no known key); no line is skipped.
   Strings are encoded with gpt2_encode(allow_special = 0), so a literal "<|endoftext|>"
   in the data is plain text. Each piece below is encoded separately and the ids are
   concatenated ("+" below); "[masked]" pieces get label -100 when mask_prompt is set:
     {"text": t}                      tokens(t)
     {"prompt": p, "completion": c}   [masked] tokens(p) + tokens(c)   (no separator is added;
                                      p may be empty, c may not)
     {"question": q, "answer": a}     [masked] tokens("Question: " q "\nAnswer:") + tokens(" " a)
                                      e.g. "Question: What is 2 plus 3?\nAnswer:" + " 5."
     {"messages": [{"role": r, "content": x}, ...]}   per turn, r in system|user|assistant:
                                      [masked] tokens(r ":") + tokens(" " x "\n")
                                      where the content piece is masked too unless r is
                                      "assistant" (content may be empty);
                                      e.g. "user: Hi\nassistant: Hello!\n"
   then add_eot appends GPT2_EOT (50256) with label 50256, so the model learns to stop.
   With format AUTO the kind is chosen per line by its keys: "messages", "text",
   "prompt"/"completion" or "question"/"answer" (more than one kind on a line is an error);
   a forced format requires that kind's keys on every line.
   pack = 1: samples are concatenated. pack = 0: sample i occupies tokens
   [i*seq, (i+1)*seq): truncated to seq, or padded with GPT2_EOT tokens labelled -100
   (use seq == T so that rows line up with batches).

   Token files: if the first int32 is 20240520 the file is llm.c's format: a 256 x int32
   little-endian header (magic 20240520, version 1 = uint16 tokens, header[2] = number of
   tokens) then the uint16 tokens, and the file size must match exactly. Otherwise the
   whole file is raw little-endian uint16 ids (its size must be even). The detection is
   unambiguous: read as raw ids, the magic would start with id 55432 >= vocab. llm.c's
   llama-3 (20240801) and eval (20240522) magics are recognised and rejected.

   Samples (used by gpt2_data_split): jsonl lines (pack = 1), rows (pack = 0); for token
   files and token arrays, a sample ends after each GPT2_EOT token (and at the end). */
typedef enum gpt2_data_format {
    GPT2_DATA_AUTO = 0,         /* detected per line from its keys */
    GPT2_DATA_TEXT,             /* {"text": ...}: loss on every token */
    GPT2_DATA_PROMPT_COMPLETION,/* {"prompt", "completion"} */
    GPT2_DATA_QA,               /* {"question", "answer"}: prompt "Question: q\nAnswer:", completion " a" */
    GPT2_DATA_CHAT              /* {"messages": [...]}: loss on assistant turns */
} gpt2_data_format;

typedef struct gpt2_data_config {
    gpt2_data_format format;    /* default AUTO */
    int mask_prompt;            /* default 1: no loss on prompt tokens (prompt/completion, QA, chat) */
    int add_eot;                /* default 1: append <|endoftext|> (50256) after each sample */
    int pack;                   /* default 1: samples are concatenated into the stream; 0: each sample
                                   gets its own row of `seq` tokens (truncated, padded with EOT and label -100) */
    int seq;                    /* row length used when pack == 0 (default 1024) */
} gpt2_data_config;
LORA_API gpt2_data_config gpt2_data_config_init(void);

typedef struct gpt2_dataset {
    int32_t *tokens;            /* n_tokens ids */
    int32_t *labels;            /* n_tokens labels (-100 = ignored) */
    size_t n_tokens;
    size_t n_samples;
    size_t *sample_start;       /* n_samples + 1 offsets into tokens */
} gpt2_dataset;

/* Loads a jsonl file. Malformed lines fail with "path:line: reason" (nothing is skipped
   silently); blank lines are allowed. A file without any sample fails (LORA_ERR_FORMAT).
   cfg may be NULL (defaults). */
LORA_API lora_status gpt2_data_load_jsonl(const char *path, const gpt2_tokenizer *tok,
                                          const gpt2_data_config *cfg, gpt2_dataset **out);
/* Same from memory (source names it in messages). */
LORA_API lora_status gpt2_data_load_jsonl_memory(const char *text, size_t len, const char *source,
                                                 const gpt2_tokenizer *tok, const gpt2_data_config *cfg,
                                                 gpt2_dataset **out);
/* Loads a token file (raw uint16, or llm.c format by its magic); labels = ids. Ids >= vocab
   fail with LORA_ERR_RANGE (pass vocab <= 0 to skip the check). Errors name the file and
   the byte offset; an empty file fails (LORA_ERR_FORMAT). */
LORA_API lora_status gpt2_data_load_tokens(const char *path, int vocab, gpt2_dataset **out);
/* Loads path by its name: "*.jsonl" / "*.json" with gpt2_data_load_jsonl, anything else
   with gpt2_data_load_tokens (vocab = the tokenizer's, or no check when tok is NULL). */
LORA_API lora_status gpt2_data_load(const char *path, const gpt2_tokenizer *tok,
                                    const gpt2_data_config *cfg, gpt2_dataset **out);
/* Wraps a copy of ids (labels = ids when labels is NULL). */
LORA_API lora_status gpt2_data_from_tokens(const int32_t *ids, const int32_t *labels, size_t n, gpt2_dataset **out);
/* Splits by samples: the last round(frac * n_samples) samples (after a seeded shuffle when
   seed != 0) go to *val, the rest to *train; both keep the (shuffled) sample order and either
   may be empty. val_frac must be in [0, 1]. The shuffle is Fisher-Yates driven by lora_rng
   seeded with seed, so it is the same on every platform. */
LORA_API lora_status gpt2_data_split(const gpt2_dataset *ds, double val_frac, uint64_t seed,
                                     gpt2_dataset **train, gpt2_dataset **val);
LORA_API void gpt2_data_free(gpt2_dataset *ds);

/* Copies the batch at *pos into inputs/labels (B*T each) and advances *pos (wrapping as
   described above: a *pos with fewer than B*T tokens after it reads from 0, and the
   advanced *pos is set to 0 when fewer than B*T tokens remain after it). Fails with
   LORA_ERR_RANGE if the dataset has fewer than B*T tokens, LORA_ERR_INVALID_ARG if
   B or T <= 0. */
LORA_API lora_status gpt2_data_batch(const gpt2_dataset *ds, size_t *pos, int B, int T,
                                     int32_t *inputs, int32_t *labels);
/* Number of batches in one pass (epoch) over the dataset: n_tokens / (B*T), at least 1
   (0 for a NULL dataset or B, T <= 0). */
LORA_API size_t gpt2_data_batches_per_epoch(const gpt2_dataset *ds, int B, int T);

/* ---- gpt2/70_trainer.api.h ---- */
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
LORA_API lora_status gpt2_train(gpt2_model *m, const gpt2_dataset *train, const gpt2_train_config *cfg, size_t *pos);

/* ---- gpt2/99_end.api.h ---- */
#ifdef __cplusplus
}
#endif

#endif /* GPT2_H */

#ifdef GPT2_IMPLEMENTATION
#ifndef GPT2_IMPLEMENTATION_DONE
#define GPT2_IMPLEMENTATION_DONE

/* ---- gpt2/00_core.impl.c ---- */
/* gpt2.h's implementation uses lora.h's internal helpers (lora__fail, lora__malloc, ...),
   so LORA_IMPLEMENTATION must be compiled in the same translation unit. */
#ifndef LORA_IMPLEMENTATION_DONE
#error "define LORA_IMPLEMENTATION and include lora.h before defining GPT2_IMPLEMENTATION"
#endif

LORA_API void gpt2_free(void *p) { LORA_FREE(p); }

/* ---- gpt2/10_model.impl.c ---- */
/* ---- config ---- */
LORA_API lora_status gpt2_config_preset(const char *name, gpt2_config *out) {
    static const struct { const char *name; int L, H, C; } presets[] = {
        {"gpt2", 12, 12, 768}, {"gpt2-medium", 24, 16, 1024}, {"gpt2-large", 36, 20, 1280},
        {"gpt2-xl", 48, 25, 1600}, {"distilgpt2", 6, 12, 768}, {"tiny", 2, 2, 64}};
    size_t i;
    if (!name || !out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_config_preset: NULL argument");
    for (i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            memset(out, 0, sizeof *out);
            out->n_layer = presets[i].L;
            out->n_head = presets[i].H;
            out->n_embd = presets[i].C;
            out->n_positions = strcmp(name, "tiny") == 0 ? 64 : 1024;
            out->vocab_size = 50257;
            out->n_inner = 0;
            out->layer_norm_eps = 1e-5f;
            return LORA_OK;
        }
    }
    return lora__fail(LORA_ERR_NOT_FOUND, "unknown preset '%s' (known: gpt2, gpt2-medium, gpt2-large, gpt2-xl, distilgpt2, tiny)", name);
}

static int gpt2__inner(const gpt2_config *c) { return c->n_inner > 0 ? c->n_inner : 4 * c->n_embd; }

LORA_API lora_status gpt2_config_check(const gpt2_config *c) {
    if (!c) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2 config is NULL");
    if (c->n_layer <= 0 || c->n_head <= 0 || c->n_embd <= 0 || c->n_positions <= 0 || c->vocab_size <= 0 || c->n_inner < 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2 config: sizes must be positive (n_layer %d, n_head %d, n_embd %d, n_positions %d, vocab_size %d, n_inner %d)",
                          c->n_layer, c->n_head, c->n_embd, c->n_positions, c->vocab_size, c->n_inner);
    if (c->n_embd % c->n_head != 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2 config: n_embd %d is not divisible by n_head %d", c->n_embd, c->n_head);
    if (c->n_layer > 4096 || c->n_embd > 65536 || c->vocab_size > (1 << 24) || c->n_positions > (1 << 20) || gpt2__inner(c) > (1 << 20))
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2 config: sizes out of the supported range");
    if (!(c->layer_norm_eps > 0.0f)) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2 config: layer_norm_epsilon must be > 0");
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
    size_t offset;           /* floats into the parameter arena */
    int64_t numel;
} gpt2__tensor;

/* Indices of a layer's tensors in the tensor table, in named_parameters() order. */
enum { GPT2__LN1W, GPT2__LN1B, GPT2__ATTW, GPT2__ATTB, GPT2__APRW, GPT2__APRB, GPT2__LN2W, GPT2__LN2B,
       GPT2__FCW, GPT2__FCB, GPT2__FPRW, GPT2__FPRB, GPT2__PER_LAYER };

typedef struct gpt2__acts gpt2__acts;

struct gpt2_model {
    gpt2_config cfg;
    lora_pool *pool;
    int n_tensors;
    gpt2__tensor *tensors;   /* wte, wpe, per layer GPT2__PER_LAYER, ln_f.weight, ln_f.bias */
    float *params;           /* one arena */
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

static float *gpt2__t(const gpt2_model *m, int idx) { return m->params + m->tensors[idx].offset; }
static int gpt2__lt(int layer, int which) { return 2 + layer * GPT2__PER_LAYER + which; }

static void gpt2__acts_free(gpt2__acts *a);

LORA_API void gpt2_model_free(gpt2_model *m) {
    if (!m) return;
    gpt2__acts_free(m->acts);
    lora__free_aligned(m->params);
    lora__free_aligned(m->grads);
    LORA_FREE(m->tensors);
    LORA_FREE(m->linears);
    LORA_FREE(m->descs);
    LORA_FREE(m);
}

static void gpt2__add_tensor(gpt2_model *m, size_t *off, const char *name, int ndim, int64_t d0, int64_t d1) {
    gpt2__tensor *t = &m->tensors[m->n_tensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim; t->shape[0] = d0; t->shape[1] = ndim > 1 ? d1 : 1;
    t->numel = d0 * (ndim > 1 ? d1 : 1);
    t->offset = *off;
    *off += ((size_t)t->numel + 15) & ~(size_t)15; /* keep every tensor 64-byte aligned */
}

/* Builds the model's tensor table; allocates the weights only when alloc_weights (loaders
   check a file against the table before committing gigabytes). */
static lora_status gpt2__model_new(const gpt2_config *cfg, lora_pool *pool, int alloc_weights, gpt2_model **out) {
    gpt2_model *m;
    lora_status s;
    size_t off = 0;
    int l, C, F;
    char nm[48];
    *out = NULL;
    if ((s = gpt2_config_check(cfg)) != LORA_OK) return s;
    m = (gpt2_model *)lora__calloc(1, sizeof *m, "gpt2 model");
    if (!m) return LORA_ERR_OOM;
    m->cfg = *cfg;
    m->pool = pool;
    C = cfg->n_embd; F = gpt2__inner(cfg);
    m->tensors = (gpt2__tensor *)lora__calloc((size_t)(2 + cfg->n_layer * GPT2__PER_LAYER + 2), sizeof *m->tensors, "tensor table");
    m->n_linears = gpt2_config_num_linears(cfg);
    m->linears = (gpt2_linear_info *)lora__calloc((size_t)m->n_linears, sizeof *m->linears, "module table");
    m->descs = (lora_module_desc *)lora__calloc((size_t)m->n_linears, sizeof *m->descs, "module table");
    if (!m->tensors || !m->linears || !m->descs) { gpt2_model_free(m); return LORA_ERR_OOM; }
    gpt2_config_linears(cfg, m->linears);
    gpt2_config_module_descs(m->linears, m->n_linears, m->descs);
    gpt2__add_tensor(m, &off, "wte.weight", 2, cfg->vocab_size, C);
    gpt2__add_tensor(m, &off, "wpe.weight", 2, cfg->n_positions, C);
    for (l = 0; l < cfg->n_layer; l++) {
#define GPT2__ADD(suffix, nd, a, b) (snprintf(nm, sizeof nm, "h.%d.%s", l, suffix), gpt2__add_tensor(m, &off, nm, nd, a, b))
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
    gpt2__add_tensor(m, &off, "ln_f.weight", 1, C, 0);
    gpt2__add_tensor(m, &off, "ln_f.bias", 1, C, 0);
    m->n_floats = off;
    if (alloc_weights) {
        m->params = (float *)lora__alloc_aligned(off * sizeof(float), "gpt2 weights");
        if (!m->params) { gpt2_model_free(m); return LORA_ERR_OOM; }
        memset(m->params, 0, off * sizeof(float));
    }
    *out = m;
    return LORA_OK;
}

LORA_API lora_status gpt2_model_create(const gpt2_config *cfg, lora_pool *pool, gpt2_model **out) {
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_model_create: out is NULL");
    return gpt2__model_new(cfg, pool, 1, out);
}

LORA_API const gpt2_config *gpt2_model_config(const gpt2_model *m) { return m ? &m->cfg : NULL; }
LORA_API void gpt2_model_set_pool(gpt2_model *m, lora_pool *pool) { if (m) m->pool = pool; }
LORA_API int gpt2_model_num_tensors(const gpt2_model *m) { return m ? m->n_tensors : 0; }

LORA_API const char *gpt2_model_tensor(const gpt2_model *m, int i, int *ndim, int64_t shape[2], float **data) {
    const gpt2__tensor *t;
    if (!m || i < 0 || i >= m->n_tensors) return NULL;
    t = &m->tensors[i];
    if (ndim) *ndim = t->ndim;
    if (shape) { shape[0] = t->shape[0]; shape[1] = t->shape[1]; }
    if (data) *data = m->params + t->offset;
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
    return m->params + m->tensors[i].offset;
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
        float *p = m->params + t->offset;
        int64_t j;
        const char *dot = strrchr(t->name, '.');
        int is_ln = strstr(t->name, "ln_") != NULL;
        if (dot && strcmp(dot, ".bias") == 0) {
            memset(p, 0, sizeof(float) * (size_t)t->numel);
        } else if (is_ln) {
            for (j = 0; j < t->numel; j++) p[j] = 1.0f;
        } else {
            double sd = strstr(t->name, "c_proj.weight") ? proj_std : 0.02;
            for (j = 0; j < t->numel; j++) p[j] = (float)(sd * lora_rng_normal(&rng));
        }
    }
}

/* ---- gpt2/11_io.impl.c ---- */
/* ---- loading and saving weights ---- */
#define GPT2__LLMC_CKPT_MAGIC 20240326

/* Creates the folder a file will be written into (mkdir -p of its dirname). */
static lora_status gpt2__ensure_parent(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    if (!slash || slash == path) return LORA_OK;
    dir = (char *)lora__malloc((size_t)(slash - path) + 1, "path");
    if (!dir) return LORA_ERR_OOM;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    s = lora__ensure_dir(dir);
    LORA_FREE(dir);
    return s;
}

static char *gpt2__sibling_path(const char *path, const char *name) {
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path + 1) : 0, n = strlen(name);
    char *p = (char *)lora__malloc(dir + n + 1, "path");
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
    if ((s = lora__read_file(path, &text, &len)) != LORA_OK) return s;
    s = lora_json_parse(text, len, path, &j);
    LORA_FREE(text);
    if (s != LORA_OK) return s;
    memset(cfg, 0, sizeof *cfg);
    cfg->layer_norm_eps = 1e-5f;
    cfg->n_positions = 1024;
    cfg->vocab_size = 50257;
#define GPT2__INT(key, field) do { int64_t iv_; v = lora_json_get(j, key); \
        if (v && v->type != LORA_JSON_NULL) { if (!lora_json_int64(v, &iv_) || iv_ < 0 || iv_ > (1 << 30)) { \
            lora_json_free(j); return lora__fail(LORA_ERR_FORMAT, "%s: \"%s\" must be a non-negative integer", path, key); } \
            field = (int)iv_; } } while (0)
    if (j->type != LORA_JSON_OBJECT) { lora_json_free(j); return lora__fail(LORA_ERR_FORMAT, "%s: expected a JSON object", path); }
    GPT2__INT("n_layer", cfg->n_layer);
    GPT2__INT("n_head", cfg->n_head);
    GPT2__INT("n_embd", cfg->n_embd);
    GPT2__INT("n_ctx", cfg->n_positions);
    GPT2__INT("n_positions", cfg->n_positions);
    GPT2__INT("vocab_size", cfg->vocab_size);
    GPT2__INT("n_inner", cfg->n_inner);
#undef GPT2__INT
    if (lora_json_get_number(j, "layer_norm_epsilon", &d)) cfg->layer_norm_eps = (float)d;
    act = lora_json_get_string(j, "activation_function");
    if (act && strcmp(act, "gelu_new") != 0) {
        s = lora__fail(LORA_ERR_UNSUPPORTED, "%s: activation_function \"%s\" is not supported (GPT-2 uses gelu_new)", path, act);
        lora_json_free(j);
        return s;
    }
    lora_json_free(j);
    if (!cfg->n_layer || !cfg->n_head || !cfg->n_embd)
        return lora__fail(LORA_ERR_FORMAT, "%s: n_layer, n_head and n_embd are required", path);
    if ((s = gpt2_config_check(cfg)) != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        return lora__fail(s, "%s: %s", path, msg);
    }
    return LORA_OK;
}

/* Writes config.json to its temporary file (published by the caller once the weights are in place). */
static lora_status gpt2__write_config_json(const gpt2_config *c, const char *path, lora__atomic_file *af) {
    lora__buf b;
    lora_status s;
    memset(&b, 0, sizeof b);
    lora__buf_printf(&b,
        "{\n  \"activation_function\": \"gelu_new\",\n  \"architectures\": [\n    \"GPT2LMHeadModel\"\n  ],\n"
        "  \"attn_pdrop\": 0.1,\n  \"bos_token_id\": 50256,\n  \"embd_pdrop\": 0.1,\n  \"eos_token_id\": 50256,\n"
        "  \"initializer_range\": 0.02,\n  \"layer_norm_epsilon\": ");
    lora__json_write_number(&b, (double)c->layer_norm_eps);
    lora__buf_printf(&b, ",\n  \"model_type\": \"gpt2\",\n  \"n_ctx\": %d,\n  \"n_embd\": %d,\n  \"n_head\": %d,\n  \"n_inner\": ",
                     c->n_positions, c->n_embd, c->n_head);
    if (c->n_inner > 0) lora__buf_printf(&b, "%d", c->n_inner); else lora__buf_puts(&b, "null");
    lora__buf_printf(&b, ",\n  \"n_layer\": %d,\n  \"n_positions\": %d,\n  \"reorder_and_upcast_attn\": false,\n"
                         "  \"resid_pdrop\": 0.1,\n  \"scale_attn_by_inverse_layer_idx\": false,\n  \"scale_attn_weights\": true,\n"
                         "  \"summary_activation\": null,\n  \"summary_first_dropout\": 0.1,\n  \"summary_proj_to_labels\": true,\n"
                         "  \"summary_type\": \"cls_index\",\n  \"summary_use_proj\": true,\n  \"tie_word_embeddings\": true,\n"
                         "  \"use_cache\": true,\n  \"vocab_size\": %d\n}\n", c->n_layer, c->n_positions, c->vocab_size);
    if (b.failed) { lora__buf_free(&b); return lora__fail(LORA_ERR_OOM, "out of memory writing %s", path); }
    if ((s = lora__atomic_open(af, path)) == LORA_OK) {
        lora__atomic_write(af, b.data, b.len);
        s = lora__atomic_finish(af);
    }
    lora__buf_free(&b);
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
        return lora__fail(LORA_ERR_FORMAT, "%s: not a GPT-2 checkpoint: missing or malformed %swte.weight / %swpe.weight", st->path, prefix, prefix);
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
        return lora__fail(LORA_ERR_FORMAT, "%s: cannot infer n_head for width %d; put a config.json beside the weights or pass one",
                          st->path, cfg->n_embd);
    }
    cfg->layer_norm_eps = 1e-5f;
    return gpt2_config_check(cfg);
}

static lora_status gpt2__load_safetensors(const char *path, const char *config_path, lora_pool *pool, gpt2_model **out) {
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
    if ((s = gpt2__model_new(&cfg, pool, 0, &m)) != LORA_OK) goto done;
    for (k = 0; k < m->n_tensors; k++) {
        const gpt2__tensor *t = &m->tensors[k];
        const lora_st_tensor *ft;
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        ft = lora_st_find(st, name);
        if (!ft) { s = lora__fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found (the file has %zu tensors; a %d-layer GPT-2 needs it)", path, name, st->n_tensors, cfg.n_layer); goto done; }
        if (ft->ndim != t->ndim || ft->shape[0] != t->shape[0] || (t->ndim > 1 && ft->shape[1] != t->shape[1])) {
            s = lora__fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected shape (%lld%s%lld%s, found a %d-dimensional tensor of %lld values",
                           path, name, (long long)t->shape[0], t->ndim > 1 ? ", " : "", t->ndim > 1 ? (long long)t->shape[1] : 0LL,
                           ")", ft->ndim, (long long)ft->numel);
            goto done;
        }
    }
    m->params = (float *)lora__alloc_aligned(m->n_floats * sizeof(float), "gpt2 weights");
    if (!m->params) { s = LORA_ERR_OOM; goto done; }
    memset(m->params, 0, m->n_floats * sizeof(float));
    for (k = 0; k < m->n_tensors; k++) {
        gpt2__tensor *t = &m->tensors[k];
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        if ((s = lora_st_load_f32(st, name, t->ndim, t->shape, gpt2__t(m, k))) != LORA_OK) goto done;
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
                s = lora__fail(LORA_ERR_SHAPE, "%s: lm_head.weight has the wrong shape (expected (%d, %d))", path, cfg.vocab_size, cfg.n_embd);
                goto done;
            }
            tmp = (float *)lora__malloc(sizeof(float) * (size_t)t->numel, "lm_head check");
            if (!tmp) { s = LORA_ERR_OOM; goto done; }
            if ((s = lora_st_read_f32(st, t, tmp, t->numel)) == LORA_OK) {
                const float *wte = gpt2__t(m, 0);
                for (j = 0; j < t->numel; j++)
                    if (tmp[j] != wte[j]) {
                        s = lora__fail(LORA_ERR_UNSUPPORTED, "%s: lm_head.weight differs from wte.weight at element %lld; GPT-2's "
                                       "lm_head is tied to the token embedding", path, (long long)j);
                        break;
                    }
            }
            LORA_FREE(tmp);
            if (s != LORA_OK) goto done;
            continue;
        }
        s = lora__fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (not part of GPT2LMHeadModel with %d layers)", path, n, cfg.n_layer);
        goto done;
    }
done:
    lora_st_close(st);
    LORA_FREE(cpath);
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
    if (!f) return lora__fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (lora__fread_le(h, sizeof(int32_t), 256, f) != 256) { fclose(f); return lora__fail(LORA_ERR_FORMAT, "%s: truncated llm.c header (need 1024 bytes)", path); }
    if (h[0] != GPT2__LLMC_CKPT_MAGIC) { fclose(f); return lora__fail(LORA_ERR_FORMAT, "%s: bad llm.c magic %d (expected %d)", path, h[0], GPT2__LLMC_CKPT_MAGIC); }
    version = h[1];
    if (version != 3 && version != 5) { fclose(f); return lora__fail(LORA_ERR_FORMAT, "%s: llm.c checkpoint version %d not supported (3 = float32, 5 = bfloat16)", path, version); }
    bf16 = version == 5;
    memset(&cfg, 0, sizeof cfg);
    cfg.n_positions = h[2]; cfg.vocab_size = h[3]; cfg.n_layer = h[4]; cfg.n_head = h[5]; cfg.n_embd = h[6];
    cfg.layer_norm_eps = 1e-5f;
    Vp = h[7];
    if ((s = gpt2_config_check(&cfg)) != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        fclose(f);
        return lora__fail(LORA_ERR_FORMAT, "%s: bad llm.c header: %s", path, msg);
    }
    if (Vp < cfg.vocab_size || Vp > cfg.vocab_size + (1 << 20)) {
        fclose(f);
        return lora__fail(LORA_ERR_FORMAT, "%s: padded vocab %d does not fit vocab %d", path, Vp, cfg.vocab_size);
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
            return lora__fail(LORA_ERR_IO, "%s: cannot determine file size", path);
        }
        if ((uint64_t)size != expect) {
            fclose(f);
            return lora__fail(LORA_ERR_FORMAT, "%s: %s llm.c checkpoint: a %d-layer, width-%d model with vocab %d (padded %d) and %d positions "
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
        buf = (float *)lora__malloc(sizeof(float) * need, "llm.c read buffer");
    }
    if (!buf) { fclose(f); gpt2_model_free(m); return LORA_ERR_OOM; }
    {
        /* read n values (converting bf16) into buf */
#define GPT2__READ(n) do { size_t n_ = (size_t)(n), i_; \
            if (bf16) { uint16_t *u_ = (uint16_t *)buf; if (lora__fread_le(u_, 2, n_, f) != n_) goto trunc; \
                for (i_ = n_; i_-- > 0;) buf[i_] = lora_bf16_to_f32(u_[i_]); } \
            else if (lora__fread_le(buf, 4, n_, f) != n_) goto trunc; } while (0)
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
    if (fgetc(f) != EOF) { s = lora__fail(LORA_ERR_FORMAT, "%s: trailing bytes after the last llm.c tensor", path); goto fail; }
    fclose(f);
    LORA_FREE(buf);
    *out = m;
    return LORA_OK;
trunc:
    s = lora__fail(LORA_ERR_FORMAT, "%s: truncated llm.c checkpoint (file ends before all weights of a %d-layer, width-%d model)", path, L, C);
fail:
    fclose(f);
    LORA_FREE(buf);
    gpt2_model_free(m);
    return s;
}

LORA_API lora_status gpt2_model_load(const char *path, const char *config_path, lora_pool *pool, gpt2_model **out) {
    FILE *f;
    int32_t magic = 0;
    size_t got;
    if (!path || !out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_model_load: NULL argument");
    *out = NULL;
    f = fopen(path, "rb");
    if (!f) return lora__fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    got = lora__fread_le(&magic, 4, 1, f) * 4;
    fclose(f);
    if (got == 4 && magic == GPT2__LLMC_CKPT_MAGIC) return gpt2__load_llmc(path, pool, out);
    return gpt2__load_safetensors(path, config_path, pool, out);
}

LORA_API lora_status gpt2_model_save(const gpt2_model *m, const char *path) {
    lora_st_entry *e;
    lora__atomic_file cfg_file;
    const char *mk = "format", *mv = "pt";
    char *cpath;
    lora_status s;
    int i;
    if (!m || !path) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_model_save: NULL argument");
    if ((s = gpt2__ensure_parent(path)) != LORA_OK) return s;
    e = (lora_st_entry *)lora__calloc((size_t)m->n_tensors, sizeof *e, "tensor list");
    if (!e) return LORA_ERR_OOM;
    for (i = 0; i < m->n_tensors; i++) {
        const gpt2__tensor *t = &m->tensors[i];
        e[i].name = t->name; e[i].dtype = LORA_DT_F32; e[i].ndim = t->ndim;
        e[i].shape[0] = t->shape[0]; e[i].shape[1] = t->shape[1];
        e[i].data = m->params + t->offset;
    }
    /* both files or neither: config.json waits in its temporary file until the weights are in place */
    cpath = gpt2__sibling_path(path, "config.json");
    if (!cpath) { LORA_FREE(e); return LORA_ERR_OOM; }
    s = gpt2__write_config_json(&m->cfg, cpath, &cfg_file);
    LORA_FREE(cpath);
    if (s == LORA_OK) {
        s = lora_st_write(path, e, (size_t)m->n_tensors, &mk, &mv, 1);
        if (s == LORA_OK) s = lora__atomic_publish(&cfg_file);
        else lora__atomic_abort(&cfg_file);
    }
    LORA_FREE(e);
    return s;
}

LORA_API lora_status gpt2_model_save_llmc(const gpt2_model *m, const char *path) {
    static const int order[12] = {GPT2__LN1W, GPT2__LN1B, GPT2__ATTW, GPT2__ATTB, GPT2__APRW, GPT2__APRB,
                                  GPT2__LN2W, GPT2__LN2B, GPT2__FCW, GPT2__FCB, GPT2__FPRW, GPT2__FPRB};
    lora__atomic_file af;
    int32_t h[256];
    lora_status s;
    int C, Vp, k, l;
    float *buf;
    if (!m || !path) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_model_save_llmc: NULL argument");
    if ((s = gpt2__ensure_parent(path)) != LORA_OK) return s;
    if (m->cfg.n_inner > 0 && m->cfg.n_inner != 4 * m->cfg.n_embd)
        return lora__fail(LORA_ERR_UNSUPPORTED, "llm.c checkpoints require n_inner = 4 * n_embd");
    C = m->cfg.n_embd;
    Vp = (m->cfg.vocab_size + 127) / 128 * 128;
    memset(h, 0, sizeof h);
    h[0] = GPT2__LLMC_CKPT_MAGIC; h[1] = 3; h[2] = m->cfg.n_positions; h[3] = m->cfg.vocab_size;
    h[4] = m->cfg.n_layer; h[5] = m->cfg.n_head; h[6] = C; h[7] = Vp;
    buf = (float *)lora__calloc((size_t)(Vp - m->cfg.vocab_size) * C + (size_t)4 * C * C + 1, sizeof(float), "llm.c write buffer");
    if (!buf) return LORA_ERR_OOM;
    if ((s = lora__atomic_open(&af, path)) != LORA_OK) { LORA_FREE(buf); return s; }
    lora__atomic_write_le(&af, h, sizeof h, 4);
    lora__atomic_write_le(&af, gpt2__t(m, 0), sizeof(float) * (size_t)m->cfg.vocab_size * C, 4);
    lora__atomic_write_le(&af, buf, sizeof(float) * (size_t)(Vp - m->cfg.vocab_size) * C, 4); /* zero padding rows */
    lora__atomic_write_le(&af, gpt2__t(m, 1), sizeof(float) * (size_t)m->cfg.n_positions * C, 4);
    for (k = 0; k < 12; k++)
        for (l = 0; l < m->cfg.n_layer; l++) {
            const gpt2__tensor *t = &m->tensors[gpt2__lt(l, order[k])];
            const float *src = gpt2__t(m, gpt2__lt(l, order[k]));
            if (t->ndim == 2) {
                int in = (int)t->shape[0], outd = (int)t->shape[1], i, o;
                for (o = 0; o < outd; o++)
                    for (i = 0; i < in; i++) buf[(size_t)o * in + i] = src[(size_t)i * outd + o];
                lora__atomic_write_le(&af, buf, sizeof(float) * (size_t)t->numel, 4);
            } else {
                lora__atomic_write_le(&af, src, sizeof(float) * (size_t)t->numel, 4);
            }
        }
    lora__atomic_write_le(&af, gpt2__t(m, m->n_tensors - 2), sizeof(float) * (size_t)C, 4);
    lora__atomic_write_le(&af, gpt2__t(m, m->n_tensors - 1), sizeof(float) * (size_t)C, 4);
    LORA_FREE(buf);
    return lora__atomic_commit(&af);
}


/* ---- gpt2/20_forward.impl.c ---- */
/* ---- forward and backward, one pair of functions per layer ----
   Activations for a (B, T) batch live in one arena (gpt2__acts), sized on first use and
   regrown when a larger batch arrives. Row-wise ops run over the pool in fixed chunks so
   results do not depend on the thread count. */

#define GPT2__IGNORE (-100)
#define GPT2__ROWS_PER_TASK 16

typedef struct gpt2__layer_acts {
    float *ln1, *ln1_mean, *ln1_rstd;  /* (N, C), (N), (N) */
    float *qkv;                        /* (N, 3C) */
    float *att;                        /* (B, H, T, T) softmax probabilities */
    float *atty;                       /* (N, C) attention output before c_proj */
    float *res2;                       /* (N, C) residual after attention */
    float *ln2, *ln2_mean, *ln2_rstd;
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
    float *logits;                     /* (N, V); dlogits in place after backward */
    float *row_loss;                   /* (N) */
    float *gelu;                       /* (N, F) scratch: gelu(fch) of the current layer */
    float *scratch_in;                 /* (N, max(in)) scratch: dropout input, gradient of a LoRA input */
    float *d_res, *d_ln, *d_atty, *d_tmp; /* (N, C) backward buffers */
    float *d_qkv;                      /* (N, 3C) */
    float *d_fch;                      /* (N, F) */
    float *d_h;                        /* (N, max r) */
    float *att_scratch;                /* threads x T x T */
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
    lora__free_aligned(a->arena);
    LORA_FREE(a->mask_arena);
    LORA_FREE(a->layers);
    LORA_FREE(a->lora);
    LORA_FREE(a->inputs);
    LORA_FREE(a->labels);
    LORA_FREE(a);
}

static int gpt2__max_in(const gpt2_model *m) {
    int F = gpt2__inner(&m->cfg);
    return F > m->cfg.n_embd ? F : m->cfg.n_embd;
}

/* Floats in the activation arena for B x T (rank r, n_linears modules, threads). */
static size_t gpt2__acts_floats(const gpt2_config *c, int B, int T, int r, int n_linears, int threads) {
    size_t N = (size_t)B * T, C = (size_t)c->n_embd, F = (size_t)gpt2__inner(c), V = (size_t)c->vocab_size;
    size_t H = (size_t)c->n_head, L = (size_t)c->n_layer, R = (size_t)(r > 0 ? r : 1);
    size_t maxin = F > C ? F : C;
    size_t per_layer = N * C * 2 + N * 2 + N * 3 * C + (size_t)B * H * T * T + N * C * 3 + N * 2 + N * F;
    size_t total = N * C + L * per_layer + N * C + 2 * N + N * V + N + N * F + N * maxin + 4 * N * C + N * 3 * C + N * F +
                   N * R + (size_t)threads * T * T + (size_t)n_linears * N * R;
    return total + 16 * (size_t)(L * 16 + 64 + n_linears); /* per-buffer alignment slack */
}

/* Sizes the activation arena for B x T (and the active adapter's rank and dropout). */
static lora_status gpt2__acts_ensure(gpt2_model *m, int B, int T) {
    gpt2__acts *a = m->acts;
    const gpt2_config *c = &m->cfg;
    size_t N = (size_t)B * T, C = (size_t)c->n_embd, F = (size_t)gpt2__inner(c), V = (size_t)c->vocab_size;
    size_t H = (size_t)c->n_head, off = 0, total, mask_bytes = 0;
    int threads = lora_pool_threads(m->pool), r = 0, l, i, need_mask;
    size_t maxin = (size_t)gpt2__max_in(m);
    float *base;
    if (m->adapter) {
        r = m->adapter->config.r;
        for (i = 0; i < m->adapter->n_modules; i++) if (m->adapter->modules[i].r > r) r = m->adapter->modules[i].r;
    }
    need_mask = m->adapter && m->training && m->adapter->config.dropout > 0.0f;
    if (need_mask)
        for (i = 0; i < m->adapter->n_modules; i++) mask_bytes += N * (size_t)m->adapter->modules[i].in;
    if (a && a->B * a->T >= B * T && a->T >= T && a->att_scratch_threads >= threads && a->lora_r >= r &&
        a->mask_bytes >= mask_bytes && a->B >= B) {
        /* big enough; but lora pointers depend on the adapter layout: recompute below */
    } else {
        if (a) { gpt2__acts_free(a); m->acts = NULL; }
        a = (gpt2__acts *)lora__calloc(1, sizeof *a, "activations");
        if (!a) return LORA_ERR_OOM;
        a->B = B; a->T = T; a->V = (int)V;
        total = gpt2__acts_floats(c, B, T, r, m->n_linears, threads);
        a->n_floats = total;
        a->arena = (float *)lora__alloc_aligned(total * sizeof(float), "activations");
        a->layers = (gpt2__layer_acts *)lora__calloc((size_t)c->n_layer, sizeof *a->layers, "activations");
        a->lora = (gpt2__lora_acts *)lora__calloc((size_t)m->n_linears, sizeof *a->lora, "activations");
        a->inputs = (int32_t *)lora__malloc(sizeof(int32_t) * N, "activations");
        a->labels = (int32_t *)lora__malloc(sizeof(int32_t) * N, "activations");
        if (mask_bytes) a->mask_arena = (unsigned char *)lora__malloc(mask_bytes, "dropout masks");
        if (!a->arena || !a->layers || !a->lora || !a->inputs || !a->labels || (mask_bytes && !a->mask_arena)) {
            gpt2__acts_free(a);
            return LORA_ERR_OOM;
        }
        a->mask_bytes = mask_bytes;
        a->att_scratch_threads = threads;
        a->lora_r = r;
        base = a->arena;
#define GPT2__TAKE(ptr, count) do { (ptr) = base + off; off += ((size_t)(count) + 15) & ~(size_t)15; } while (0)
        GPT2__TAKE(a->encoded, N * C);
        for (l = 0; l < c->n_layer; l++) {
            gpt2__layer_acts *la = &a->layers[l];
            GPT2__TAKE(la->ln1, N * C); GPT2__TAKE(la->ln1_mean, N); GPT2__TAKE(la->ln1_rstd, N);
            GPT2__TAKE(la->qkv, N * 3 * C);
            GPT2__TAKE(la->att, (size_t)B * H * T * T);
            GPT2__TAKE(la->atty, N * C);
            GPT2__TAKE(la->res2, N * C);
            GPT2__TAKE(la->ln2, N * C); GPT2__TAKE(la->ln2_mean, N); GPT2__TAKE(la->ln2_rstd, N);
            GPT2__TAKE(la->fch, N * F);
            GPT2__TAKE(la->res3, N * C);
        }
        GPT2__TAKE(a->lnf, N * C); GPT2__TAKE(a->lnf_mean, N); GPT2__TAKE(a->lnf_rstd, N);
        GPT2__TAKE(a->logits, N * V);
        GPT2__TAKE(a->row_loss, N);
        GPT2__TAKE(a->gelu, N * F);
        GPT2__TAKE(a->scratch_in, N * maxin);
        GPT2__TAKE(a->d_res, N * C); GPT2__TAKE(a->d_ln, N * C); GPT2__TAKE(a->d_atty, N * C); GPT2__TAKE(a->d_tmp, N * C);
        GPT2__TAKE(a->d_qkv, N * 3 * C);
        GPT2__TAKE(a->d_fch, N * F);
        GPT2__TAKE(a->d_h, N * (size_t)(r > 0 ? r : 1));
        GPT2__TAKE(a->att_scratch, (size_t)threads * T * T);
        for (i = 0; i < m->n_linears; i++) GPT2__TAKE(a->lora[i].h, N * (size_t)(r > 0 ? r : 1));
#undef GPT2__TAKE
        if (off > total) return lora__fail(LORA_ERR_OOM, "internal error: activation arena too small");
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

LORA_API void gpt2_estimate_memory(const gpt2_config *cfg, const lora_adapter *ad, int full, int B, int T, int threads,
                                   gpt2_memory_estimate *out) {
    int r = 0, i, n_lin = gpt2_config_num_linears(cfg);
    size_t trainable = 0, lora_vals = 0, masks = 0, weights_f = 0;
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!cfg) return;
    if (threads < 1) threads = 1;
    weights_f = (size_t)gpt2_config_num_params(cfg);
    if (ad) {
        r = ad->config.r;
        for (i = 0; i < ad->n_modules; i++) if (ad->modules[i].r > r) r = ad->modules[i].r;
        lora_vals = (size_t)lora_adapter_num_params(ad);
        if (ad->config.dropout > 0)
            for (i = 0; i < ad->n_modules; i++) masks += (size_t)B * T * (size_t)ad->modules[i].in;
    }
    trainable = full ? weights_f : lora_vals;
    out->weights = weights_f * sizeof(float);
    out->activations = gpt2__acts_floats(cfg, B, T, r, n_lin, threads) * sizeof(float) + masks;
    out->adapter = lora_vals * sizeof(float);
    out->gradients = trainable * sizeof(float);
    out->optimizer = 2 * trainable * sizeof(float);
    out->total = out->weights + out->activations + out->adapter + out->gradients + out->optimizer;
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
typedef struct { gpt2_model *m; const int32_t *inputs; int T; float *out; const lora__vecops *v; } gpt2__enc_ctx;
static void gpt2__encoder_rows(void *vctx, int r0, int r1) {
    gpt2__enc_ctx *e = (gpt2__enc_ctx *)vctx;
    int C = e->m->cfg.n_embd, r;
    const float *wte = gpt2__t(e->m, 0), *wpe = gpt2__t(e->m, 1);
    for (r = r0; r < r1; r++)
        e->v->add(wte + (size_t)e->inputs[r] * C, wpe + (size_t)(r % e->T) * C, e->out + (size_t)r * C, (size_t)C);
}
static void gpt2__encoder_forward(gpt2_model *m, const int32_t *inputs, int B, int T, float *out) {
    gpt2__enc_ctx e;
    e.m = m; e.inputs = inputs; e.T = T; e.out = out; e.v = lora__vec(m->pool);
    gpt2__parallel_rows(m->pool, B * T, gpt2__encoder_rows, &e);
}
/* Full fine-tuning: dwte[id] += d, dwpe[t] += d (sequential: rows may share a token). */
static void gpt2__encoder_backward(gpt2_model *m, const float *dout, const int32_t *inputs, int B, int T) {
    int C = m->cfg.n_embd, r;
    float *dwte = m->grads + m->tensors[0].offset, *dwpe = m->grads + m->tensors[1].offset;
    const lora__vecops *v = lora__vec(m->pool);
    for (r = 0; r < B * T; r++) {
        const float *d = dout + (size_t)r * C;
        v->acc(dwte + (size_t)inputs[r] * C, d, (size_t)C);
        v->acc(dwpe + (size_t)(r % T) * C, d, (size_t)C);
    }
}

/* ---- layernorm ---- */
typedef struct { const float *x, *w, *b; float *out, *mean, *rstd; int C; float eps; const lora__vecops *v; } gpt2__ln_ctx;
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
    l.v = lora__vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__layernorm_rows, &l);
}
typedef struct { const float *dout, *x, *w, *mean, *rstd; float *dx; int C; const lora__vecops *v; } gpt2__lnb_ctx;
static void gpt2__layernorm_back_rows(void *vctx, int r0, int r1) {
    gpt2__lnb_ctx *l = (gpt2__lnb_ctx *)vctx;
    int C = l->C, r;
    for (r = r0; r < r1; r++)
        l->v->ln_back(l->x + (size_t)r * C, l->dout + (size_t)r * C, l->w, l->dx + (size_t)r * C, C, l->mean[r], l->rstd[r]);
}
/* Column sums for weight/bias gradients: dw[i] += sum_r dout[r,i] * norm[r,i], db[i] += sum_r dout[r,i].
   Split by columns so every sum runs over rows in order (thread-count independent). */
typedef struct { const float *dout, *x, *mean, *rstd; float *dw, *db; int N, C; const lora__vecops *v; } gpt2__lnw_ctx;
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
    l.dout = dout; l.x = x; l.w = w; l.mean = mean; l.rstd = rstd; l.dx = dx; l.C = m->cfg.n_embd; l.v = lora__vec(m->pool);
    if (dx) gpt2__parallel_rows(m->pool, N, gpt2__layernorm_back_rows, &l);
    if (dw || db) {
        gpt2__lnw_ctx g;
        g.dout = dout; g.x = x; g.mean = mean; g.rstd = rstd; g.dw = dw; g.db = db; g.N = N; g.C = m->cfg.n_embd;
        g.v = lora__vec(m->pool);
        gpt2__parallel_rows(m->pool, m->cfg.n_embd, gpt2__layernorm_wgrad_cols, &g);
    }
}
/* db[i] += sum over rows of dout[r, i] (bias gradient of a linear layer). */
static void gpt2__bias_backward(gpt2_model *m, const float *dout, float *db, int N, int width) {
    gpt2__lnw_ctx g;
    g.dout = dout; g.x = dout; g.mean = NULL; g.rstd = NULL; g.dw = NULL; g.db = db; g.N = N; g.C = width;
    g.v = lora__vec(m->pool);
    gpt2__parallel_rows(m->pool, width, gpt2__layernorm_wgrad_cols, &g);
}

/* ---- gelu_new (tanh approximation), vectorised in lora.h ---- */
#define GPT2__GELU_K LORA__GELU_K
typedef struct { const float *x; float *y; const float *dy; float *dx; int W; const lora__vecops *v; } gpt2__gelu_ctx;
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
    g.x = x; g.y = y; g.dy = NULL; g.dx = NULL; g.W = W; g.v = lora__vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__gelu_rows, &g);
}
static void gpt2__gelu_backward(gpt2_model *m, const float *x, const float *dy, float *dx, int N, int W) {
    gpt2__gelu_ctx g;
    g.x = x; g.y = NULL; g.dy = dy; g.dx = dx; g.W = W; g.v = lora__vec(m->pool);
    gpt2__parallel_rows(m->pool, N, gpt2__gelu_back_rows, &g);
}

/* ---- residual add ---- */
typedef struct { const float *a, *b; float *out; int W; const lora__vecops *v; } gpt2__add_ctx;
static void gpt2__add_rows(void *vctx, int r0, int r1) {
    gpt2__add_ctx *g = (gpt2__add_ctx *)vctx;
    size_t o = (size_t)r0 * g->W;
    g->v->add(g->a + o, g->b + o, g->out + o, (size_t)(r1 - r0) * g->W);
}
static void gpt2__residual_forward(gpt2_model *m, const float *a, const float *b, float *out, int N) {
    gpt2__add_ctx g;
    g.a = a; g.b = b; g.out = out; g.W = m->cfg.n_embd; g.v = lora__vec(m->pool);
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

typedef struct { float *y; const float *b; int W; const lora__vecops *v; } gpt2__bias_ctx;
static void gpt2__bias_rows(void *vctx, int r0, int r1) {
    gpt2__bias_ctx *g = (gpt2__bias_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) g->v->acc(g->y + (size_t)r * g->W, g->b, (size_t)g->W);
}

/* Dropout on the LoRA input: keep with probability 1-p, scale by 1/(1-p). The mask of
   row r of module mi at step s comes from its own seeded stream, so it does not depend
   on threads. */
typedef struct { const float *x; float *xd; unsigned char *mask; int W; float p; uint64_t seed; const lora__vecops *v; } gpt2__drop_ctx;
static void gpt2__dropout_rows(void *vctx, int r0, int r1) {
    gpt2__drop_ctx *d = (gpt2__drop_ctx *)vctx;
    float scale = 1.0f / (1.0f - d->p);
    int r;
    for (r = r0; r < r1; r++) {
        lora_rng rng;
        const size_t o = (size_t)r * d->W;
        lora_rng_seed(&rng, d->seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(r + 1)));
        lora__rng_keep_mask(&rng, d->mask + o, d->W, d->p); /* mask[i] = lora_rng_uniform(&rng) >= p */
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
    return lora__splitmix64(&s);
}

/* y (N, out) = x (N, in) @ W + b (+ LoRA). */
static void gpt2__linear_forward(gpt2_model *m, int mi, const float *x, float *y, int N) {
    const gpt2_linear_info *li = &m->linears[mi];
    int tr, bi = gpt2__module_bias_tensor(m, mi);
    const float *W = gpt2__module_weight(m, mi, &tr);
    lora_module *lm = lora_adapter_module(m->adapter, mi);
    lora_sgemm(m->pool, 0, tr, N, li->out, li->in, 1.0f, x, li->in, W, tr ? li->in : li->out, 0.0f, y, li->out);
    if (bi >= 0) {
        gpt2__bias_ctx g;
        g.y = y; g.b = gpt2__tensor_value(m, bi); g.W = li->out; g.v = lora__vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__bias_rows, &g);
    }
    if (lm) {
        gpt2__lora_acts *la = &m->acts->lora[mi];
        const float *xin = x;
        if (la->mask) {
            gpt2__drop_ctx d;
            d.x = x; d.xd = m->acts->scratch_in; d.mask = la->mask; d.W = li->in;
            d.p = m->adapter->config.dropout; d.seed = gpt2__dropout_seed(m, mi); d.v = lora__vec(m->pool);
            gpt2__parallel_rows(m->pool, N, gpt2__dropout_rows, &d);
            xin = m->acts->scratch_in;
        }
        lora_sgemm(m->pool, 0, 1, N, lm->r, li->in, 1.0f, xin, li->in, lm->A, li->in, 0.0f, la->h, lm->r);
        lora_sgemm(m->pool, 0, 1, N, li->out, lm->r, lm->scaling, la->h, lm->r, lm->B, lm->r, 1.0f, y, li->out);
    }
}

/* dx (N, in) = dy (N, out) @ W^T (+ LoRA branch); gradients of W, b, A, B as trainable.
   dx may be NULL when nothing below needs it. */
static void gpt2__linear_backward(gpt2_model *m, int mi, const float *x, const float *dy, float *dx, int N) {
    const gpt2_linear_info *li = &m->linears[mi];
    int tr, bi = gpt2__module_bias_tensor(m, mi), in = li->in, out = li->out;
    const float *W = gpt2__module_weight(m, mi, &tr);
    lora_module *lm = lora_adapter_module(m->adapter, mi);
    gpt2__acts *a = m->acts;
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
    if (dx) lora_sgemm(m->pool, 0, tr ? 0 : 1, N, in, out, 1.0f, dy, out, W, tr ? in : out, 0.0f, dx, in);
    if (lm) {
        gpt2__lora_acts *la = &a->lora[mi];
        const float *xin = x;
        gpt2__drop_ctx d;
        d.x = x; d.xd = a->scratch_in; d.mask = la->mask; d.W = in; d.p = m->adapter->config.dropout; d.seed = 0;
        d.v = lora__vec(m->pool);
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
                    g.a = dx; g.b = a->scratch_in; g.out = dx; g.W = in; g.v = lora__vec(m->pool);
                    gpt2__parallel_rows(m->pool, N, gpt2__add_rows, &g);
                }
            } else {
                lora_sgemm(m->pool, 0, 0, N, in, lm->r, 1.0f, a->d_h, lm->r, lm->A, in, 1.0f, dx, in);
            }
        }
    }
}

/* ---- causal self-attention, one task per (batch, head) ---- */
typedef struct { gpt2_model *m; const float *qkv; float *att, *out; const float *dout; float *dqkv; int B, T; const lora__vecops *v; } gpt2__att_ctx;
static void gpt2__attention_task(void *vctx, int task, int thread) {
    gpt2__att_ctx *c = (gpt2__att_ctx *)vctx;
    int H = c->m->cfg.n_head, C = c->m->cfg.n_embd, D = C / H, T = c->T, b = task / H, h = task % H, i, j;
    const float *q = c->qkv + (size_t)b * T * 3 * C + (size_t)h * D, *k = q + C, *v = q + 2 * C;
    float *P = c->att + (size_t)task * T * T, scale = 1.0f / sqrtf((float)D);
    (void)thread;
    lora_sgemm(NULL, 0, 1, T, T, D, scale, q, 3 * C, k, 3 * C, 0.0f, P, T);
    for (i = 0; i < T; i++) {
        float *p = P + (size_t)i * T, mx = c->v->max(p, i + 1);
        c->v->scale(p, i + 1, 1.0f / c->v->exp_sum(p, p, i + 1, mx));
        for (j = i + 1; j < T; j++) p[j] = 0.0f;
    }
    lora_sgemm(NULL, 0, 0, T, D, T, 1.0f, P, T, v, 3 * C, 0.0f, c->out + (size_t)b * T * C + (size_t)h * D, C);
}
static void gpt2__attention_forward(gpt2_model *m, const float *qkv, float *att, float *out, int B, int T) {
    gpt2__att_ctx c;
    c.m = m; c.qkv = qkv; c.att = att; c.out = out; c.dout = NULL; c.dqkv = NULL; c.B = B; c.T = T; c.v = lora__vec(m->pool);
    lora_pool_run(m->pool, gpt2__attention_task, &c, B * m->cfg.n_head);
}
static void gpt2__attention_back_task(void *vctx, int task, int thread) {
    gpt2__att_ctx *c = (gpt2__att_ctx *)vctx;
    int H = c->m->cfg.n_head, C = c->m->cfg.n_embd, D = C / H, T = c->T, b = task / H, h = task % H, i, j;
    size_t base = (size_t)b * T * 3 * C + (size_t)h * D;
    const float *q = c->qkv + base, *k = q + C, *v = q + 2 * C, *P = c->att + (size_t)task * T * T;
    const float *dy = c->dout + (size_t)b * T * C + (size_t)h * D;
    float *dq = c->dqkv + base, *dk = dq + C, *dv = dq + 2 * C;
    float *dP = c->m->acts->att_scratch + (size_t)thread * T * T, scale = 1.0f / sqrtf((float)D);
    lora_sgemm(NULL, 0, 1, T, T, D, 1.0f, dy, C, v, 3 * C, 0.0f, dP, T);
    lora_sgemm(NULL, 1, 0, T, D, T, 1.0f, P, T, dy, C, 0.0f, dv, 3 * C);
    for (i = 0; i < T; i++) {
        const float *p = P + (size_t)i * T;
        float *dp = dP + (size_t)i * T, dot = c->v->dot(p, dp, i + 1);
        for (j = 0; j <= i; j++) dp[j] = p[j] * (dp[j] - dot);
        for (j = i + 1; j < T; j++) dp[j] = 0.0f;
    }
    lora_sgemm(NULL, 0, 0, T, D, T, scale, dP, T, k, 3 * C, 0.0f, dq, 3 * C);
    lora_sgemm(NULL, 1, 0, T, D, T, scale, dP, T, q, 3 * C, 0.0f, dk, 3 * C);
}
static void gpt2__attention_backward(gpt2_model *m, const float *qkv, const float *att, const float *dout, float *dqkv,
                                     int B, int T) {
    gpt2__att_ctx c;
    c.m = m; c.qkv = qkv; c.att = (float *)att; c.out = NULL; c.dout = dout; c.dqkv = dqkv; c.B = B; c.T = T; c.v = lora__vec(m->pool);
    lora_pool_run(m->pool, gpt2__attention_back_task, &c, B * m->cfg.n_head);
}

/* ---- cross-entropy over the vocabulary (HF shift: logits[t] predicts labels[t+1]) ---- */
typedef struct { float *logits, *row_loss; const int32_t *labels; int T, V; float inv_count; const lora__vecops *v; } gpt2__ce_ctx;
static int gpt2__target(const int32_t *labels, int r, int T) { return (r % T == T - 1) ? GPT2__IGNORE : labels[r + 1]; }
static void gpt2__ce_rows(void *vctx, int r0, int r1) {
    gpt2__ce_ctx *c = (gpt2__ce_ctx *)vctx;
    int r;
    for (r = r0; r < r1; r++) {
        const float *x = c->logits + (size_t)r * c->V;
        int t = gpt2__target(c->labels, r, c->T);
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
        int t = gpt2__target(c->labels, r, c->T);
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
    if (!inputs) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_forward: inputs is NULL");
    if (B <= 0 || T <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_forward: batch %d x sequence %d must be positive", B, T);
    if (T > c->n_positions)
        return lora__fail(LORA_ERR_RANGE, "sequence length %d exceeds the model's n_positions %d", T, c->n_positions);
    if ((long)B * T > (long)(1 << 26)) return lora__fail(LORA_ERR_RANGE, "batch %d x %d is too large", B, T);
    for (i = 0; i < n; i++)
        if (inputs[i] < 0 || inputs[i] >= c->vocab_size)
            return lora__fail(LORA_ERR_RANGE, "token id %ld at position %ld is outside the vocabulary [0, %d)", (long)inputs[i], i, c->vocab_size);
    if (labels)
        for (i = 0; i < n; i++)
            if (labels[i] != GPT2__IGNORE && (labels[i] < 0 || labels[i] >= c->vocab_size))
                return lora__fail(LORA_ERR_RANGE, "label %ld at position %ld is outside the vocabulary [0, %d) and not -100", (long)labels[i], i, c->vocab_size);
    return LORA_OK;
}

static const float *gpt2__layer_input(const gpt2_model *m, int l) {
    return l == 0 ? m->acts->encoded : m->acts->layers[l - 1].res3;
}

LORA_API lora_status gpt2_forward(gpt2_model *m, const int32_t *inputs, const int32_t *labels, int B, int T, float *loss) {
    gpt2__acts *a;
    lora_status s;
    int N = B * T, C, F, V, l;
    if (loss) *loss = NAN;
    if (!m) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_forward: model is NULL");
    if ((s = gpt2__check_batch(m, inputs, labels, B, T)) != LORA_OK) return s;
    if ((s = gpt2__acts_ensure(m, B, T)) != LORA_OK) return s;
    a = m->acts;
    C = m->cfg.n_embd; F = gpt2__inner(&m->cfg); V = m->cfg.vocab_size;
    memcpy(a->inputs, inputs, sizeof(int32_t) * (size_t)N);
    if (m->training) m->dropout_step++;
    gpt2__encoder_forward(m, inputs, B, T, a->encoded);
    for (l = 0; l < m->cfg.n_layer; l++) {
        gpt2__layer_acts *la = &a->layers[l];
        const float *x = gpt2__layer_input(m, l);
        int mi = l * GPT2_LINEARS_PER_LAYER;
        gpt2__layernorm_forward(m, x, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1B)),
                                la->ln1, la->ln1_mean, la->ln1_rstd, N);
        gpt2__linear_forward(m, mi + 0, la->ln1, la->qkv, N);
        gpt2__attention_forward(m, la->qkv, la->att, la->atty, B, T);
        gpt2__linear_forward(m, mi + 1, la->atty, la->res2, N);
        gpt2__residual_forward(m, x, la->res2, la->res2, N);
        gpt2__layernorm_forward(m, la->res2, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2B)),
                                la->ln2, la->ln2_mean, la->ln2_rstd, N);
        gpt2__linear_forward(m, mi + 2, la->ln2, la->fch, N);
        gpt2__gelu_forward(m, la->fch, a->gelu, N, F);
        gpt2__linear_forward(m, mi + 3, a->gelu, la->res3, N);
        gpt2__residual_forward(m, la->res2, la->res3, la->res3, N);
    }
    gpt2__layernorm_forward(m, gpt2__layer_input(m, m->cfg.n_layer), gpt2__tensor_value(m, m->n_tensors - 2),
                            gpt2__tensor_value(m, m->n_tensors - 1), a->lnf, a->lnf_mean, a->lnf_rstd, N);
    gpt2__linear_forward(m, m->n_linears - 1, a->lnf, a->logits, N);
    a->has_forward = 1;
    a->has_labels = labels != NULL;
    a->loss = NAN;
    if (labels) {
        gpt2__ce_ctx c;
        double sum = 0.0;
        int r, count = 0;
        memcpy(a->labels, labels, sizeof(int32_t) * (size_t)N);
        for (r = 0; r < N; r++) count += gpt2__target(labels, r, T) != GPT2__IGNORE;
        c.logits = a->logits; c.row_loss = a->row_loss; c.labels = labels; c.T = T; c.V = V; c.inv_count = 0.0f; c.v = lora__vec(m->pool);
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
    return (m && m->acts && m->acts->has_forward) ? m->acts->logits : NULL;
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
        const char *p = strstr(m->adapter->biases[i].name, ".h.");
        if (p) { int l = atoi(p + 3); if (l < low) low = l; }
    }
    return low;
}

LORA_API lora_status gpt2_backward(gpt2_model *m) {
    gpt2__acts *a;
    int N, B, T, C, F, l, low;
    if (!m || !m->acts || !m->acts->has_forward)
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_backward: call gpt2_forward first (the last forward's activations are used once)");
    a = m->acts;
    if (!a->has_labels) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_backward: the last forward had no labels");
    if (!(a->count > 0)) return lora__fail(LORA_ERR_NUMERIC, "gpt2_backward: every label is ignored (-100), the loss is undefined");
    if (!m->adapter && !m->full) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_backward: nothing to train (no adapter attached and full fine-tuning off)");
    B = a->cur_B; T = a->cur_T; N = B * T; C = m->cfg.n_embd; F = gpt2__inner(&m->cfg);
    {
        gpt2__ce_ctx c;
        c.logits = a->logits; c.row_loss = a->row_loss; c.labels = a->labels; c.T = T; c.V = m->cfg.vocab_size;
        c.inv_count = 1.0f / a->count;
        c.v = lora__vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__ce_back_rows, &c);
    }
    a->has_forward = 0;
    low = gpt2__lowest_trainable_layer(m);
    memset(a->d_res, 0, sizeof(float) * (size_t)N * C);
    gpt2__linear_backward(m, m->n_linears - 1, a->lnf, a->logits, a->d_ln, N);
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
        gpt2__linear_backward(m, mi + 3, a->gelu, a->d_res, a->d_fch, N);
        gpt2__gelu_backward(m, la->fch, a->d_fch, a->d_fch, N, F);
        gpt2__linear_backward(m, mi + 2, la->ln2, a->d_fch, a->d_ln, N);
        gpt2__layernorm_backward(m, a->d_ln, la->res2, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), la->ln2_mean, la->ln2_rstd,
                                 a->d_res, gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_grad(m, gpt2__lt(l, GPT2__LN2B)), N);
        gpt2__linear_backward(m, mi + 1, la->atty, a->d_res, a->d_atty, N);
        gpt2__attention_backward(m, la->qkv, la->att, a->d_atty, a->d_qkv, B, T);
        gpt2__linear_backward(m, mi + 0, la->ln1, a->d_qkv, a->d_ln, N);
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
    char **names = (char **)lora__calloc(n, sizeof *names, "module names");
    lora_status s = LORA_OK;
    int l;
    if (!names) return LORA_ERR_OOM;
    for (i = 0; i < n_top && s == LORA_OK; i++) if (!(names[k++] = lora__strdup(top[i], "module names"))) s = LORA_ERR_OOM;
    for (l = 0; l < cfg->n_layer && s == LORA_OK; l++)
        for (i = 0; i < n_per && s == LORA_OK; i++) {
            char buf[96];
            snprintf(buf, sizeof buf, "transformer.h.%d%s", l, per_layer[i]);
            if (!(names[k++] = lora__strdup(buf, "module names"))) s = LORA_ERR_OOM;
        }
    if (s == LORA_OK) s = lora_check_unsupported_targets(spec, (const char *const *)names, (int)k);
    for (i = 0; i < k; i++) LORA_FREE(names[i]);
    LORA_FREE(names);
    return s;
}

LORA_API lora_status gpt2_lora_create(const gpt2_model *m, const lora_config *cfg, lora_adapter **out) {
    lora_status s;
    lora_adapter *ad;
    int i;
    if (!m || !cfg || !out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_lora_create: NULL argument");
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
            if (take) s = lora_adapter_add_bias(ad, full, gpt2__t(m, i), (int)t->numel);
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
        return lora__fail(LORA_ERR_SHAPE, "adapter was made for a model with %d linear modules, this model has %d",
                          ad->n_model_modules, m->n_linears);
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *lm = &ad->modules[i];
        const gpt2_linear_info *li = &m->linears[lm->index];
        if (strcmp(lm->name, li->name) != 0 || lm->in != li->in || lm->out != li->out)
            return lora__fail(LORA_ERR_SHAPE, "adapter module %s (%d -> %d) does not fit this model's %s (%d -> %d)",
                              lm->name, lm->in, lm->out, li->name, li->in, li->out);
    }
    for (i = 0; i < ad->n_biases; i++) {
        int ti = gpt2__find_tensor(m, ad->biases[i].name);
        if (ti < 0 || m->tensors[ti].numel != ad->biases[i].n)
            return lora__fail(LORA_ERR_SHAPE, "adapter bias %s (%d values) does not fit this model", ad->biases[i].name, ad->biases[i].n);
    }
    return LORA_OK;
}

LORA_API lora_status gpt2_model_set_adapter(gpt2_model *m, lora_adapter *ad) {
    lora_status s;
    if (!m) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_model_set_adapter: model is NULL");
    if (ad && (s = gpt2__check_adapter(m, ad)) != LORA_OK) return s;
    m->adapter = ad;
    if (m->acts) m->acts->has_forward = 0;
    return LORA_OK;
}
LORA_API lora_adapter *gpt2_model_adapter(const gpt2_model *m) { return m ? m->adapter : NULL; }

LORA_API lora_status gpt2_model_merge(gpt2_model *m, lora_adapter *ad, int sign) {
    lora_status s;
    int i;
    if (!m || !ad || (sign != 1 && sign != -1)) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_model_merge: bad arguments");
    if ((s = gpt2__check_adapter(m, ad)) != LORA_OK) return s;
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

LORA_API void gpt2_model_trainable_line(const gpt2_model *m, char *buf, size_t size) {
    int64_t base, trainable = 0, lora_ab = 0;
    int i;
    if (!buf || size == 0) return;
    if (!m) { buf[0] = 0; return; }
    base = gpt2_config_num_params(&m->cfg);
    if (m->full) {
        trainable = base;
    } else if (m->adapter) {
        /* biases carried by the adapter are model parameters made trainable: counted in
           "trainable" but already in "all" */
        trainable = lora_adapter_num_params(m->adapter);
        lora_ab = trainable;
        for (i = 0; i < m->adapter->n_biases; i++) lora_ab -= m->adapter->biases[i].n;
    }
    lora_format_trainable(trainable, base + lora_ab, buf, size);
}

LORA_API void gpt2_model_set_training(gpt2_model *m, int training, uint64_t dropout_seed) {
    if (!m) return;
    m->training = training != 0;
    m->dropout_seed = dropout_seed;
    m->dropout_step = 0;
}

LORA_API lora_status gpt2_model_set_full_finetune(gpt2_model *m, int on) {
    if (!m) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_model_set_full_finetune: model is NULL");
    if (on && !m->grads) {
        m->grads = (float *)lora__alloc_aligned(m->n_floats * sizeof(float), "gradients for full fine-tuning");
        if (!m->grads) return LORA_ERR_OOM;
        memset(m->grads, 0, m->n_floats * sizeof(float));
    } else if (!on && m->grads) {
        lora__free_aligned(m->grads);
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
    if (!m || !params || !n) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_trainable_params: NULL argument");
    *params = NULL; *n = 0;
    if (m->full) {
        p = (lora_param *)lora__calloc((size_t)m->n_tensors, sizeof *p, "parameter list");
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
    if (!m->adapter) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_trainable_params: no adapter attached and full fine-tuning off");
    cap = 2 * m->adapter->n_modules + m->adapter->n_biases;
    p = (lora_param *)lora__calloc((size_t)(cap ? cap : 1), sizeof *p, "parameter list");
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
    b += m->n_floats * sizeof(float) * (m->grads ? 2 : 1);
    if (m->acts) b += m->acts->n_floats * sizeof(float) + m->acts->mask_bytes;
    return b;
}

LORA_API lora_status gpt2_lora_load(const gpt2_model *m, const char *dir, lora_adapter **out, char **warnings) {
    lora_status s;
    if (!m || !dir || !out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_lora_load: NULL argument");
    if ((s = lora_adapter_load(dir, m->descs, m->n_linears, out, warnings)) != LORA_OK) return s;
    if ((s = gpt2_config_check_targets(&m->cfg, &(*out)->config.target)) != LORA_OK ||
        (s = gpt2__check_adapter(m, *out)) != LORA_OK) {
        lora_adapter_free(*out);
        *out = NULL;
    }
    return s;
}

LORA_API uint64_t gpt2_model_dropout_step(const gpt2_model *m) { return m ? m->dropout_step : 0; }
LORA_API void gpt2_model_set_dropout_step(gpt2_model *m, uint64_t step) { if (m) m->dropout_step = step; }

/* ---- gpt2/40_generate.impl.c ---- */
/* ---- text generation: KV cache, matrix-vector kernels, sampling ----
   Decoding one token is a pass over all the weights with a single activation row: memory
   bound. The matrix-vector kernels below stream each weight matrix once, four of its rows
   at a time (Conv1D layout, y = x W; up to GPT2__GEMV_MAX_ROWS activation rows share each
   load), or as row dot products (lm_head, y = W x). Every output element is reduced in a
   fixed order whatever the column range of its task and the number of rows, so results do
   not depend on the thread count. Longer prefills use lora_sgemm as gpt2_forward does, over
   chunks of GPT2__PREFILL_CHUNK rows. Keys are cached transposed, so that a new token's
   attention scores are a matrix-vector product as well. */

#define GPT2__PREFILL_CHUNK 256
#define GPT2__GEMV_TASKS_PER_THREAD 4
#define GPT2__GEMV_MAX_ROWS 16     /* up to this many new rows: matrix-vector kernels, else GEMM */

/* Y[m][j] = sum_k X[m][k] * W[k * ldw + j] for m < M, j in [j0, j1) (overwrites). Each
   element is reduced over k in the same order whatever M, j0 and j1. */
typedef void (*gpt2__gemv_n_fn)(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                float *Y, long ldy);
/* y[r] = sum_k W[r * ldw + k] * x[k] for r in [r0, r1) */
typedef void (*gpt2__gemv_t_fn)(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y);

static void gpt2__gemv_n_scalar(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                float *Y, long ldy) {
    int k, j, mm;
    for (mm = 0; mm < M; mm++) {
        float *y = Y + (size_t)mm * ldy;
        for (j = j0; j < j1; j++) y[j] = 0.0f;
        for (k = 0; k < K; k++) {
            const float *w = W + (size_t)k * ldw;
            float xk = X[(size_t)mm * ldx + k];
            for (j = j0; j < j1; j++) y[j] += xk * w[j];
        }
    }
}
static void gpt2__gemv_t_scalar(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r, k;
    for (r = r0; r < r1; r++) {
        const float *w = W + (size_t)r * ldw;
        float s = 0.0f;
        for (k = 0; k < K; k++) s += w[k] * x[k];
        y[r] = s;
    }
}

#ifdef LORA__X86
LORA__TARGET_AVX2 static LORA__UNUSED __m256i gpt2__mask8(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
LORA__TARGET_AVX2 static LORA__UNUSED float gpt2__hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#endif

#ifdef LORA__HAVE_AVX2
/* one row of x, four rows of W at a time */
LORA__TARGET_AVX2 static void gpt2__gemv_n1_avx2(const float *x, const float *W, long ldw, int K, int j0, int j1, float *y) {
    int k = 0, j;
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m256 x0 = _mm256_set1_ps(x[k]), x1 = _mm256_set1_ps(x[k + 1]), x2 = _mm256_set1_ps(x[k + 2]), x3 = _mm256_set1_ps(x[k + 3]);
        for (j = j0; j + 8 <= j1; j += 8) {
            __m256 v = k ? _mm256_loadu_ps(y + j) : _mm256_setzero_ps();
            v = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + j), v);
            v = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + j), v);
            v = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w2 + j), v);
            v = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w3 + j), v);
            _mm256_storeu_ps(y + j, v);
        }
        if (j < j1) {
            __m256i mk = gpt2__mask8(j1 - j);
            __m256 v = k ? _mm256_maskload_ps(y + j, mk) : _mm256_setzero_ps();
            v = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w0 + j, mk), v);
            v = _mm256_fmadd_ps(x1, _mm256_maskload_ps(w1 + j, mk), v);
            v = _mm256_fmadd_ps(x2, _mm256_maskload_ps(w2 + j, mk), v);
            v = _mm256_fmadd_ps(x3, _mm256_maskload_ps(w3 + j, mk), v);
            _mm256_maskstore_ps(y + j, mk, v);
        }
    }
    for (; k < K; k++) {
        const float *w0 = W + (size_t)k * ldw;
        __m256 x0 = _mm256_set1_ps(x[k]);
        for (j = j0; j + 8 <= j1; j += 8) {
            __m256 v = k ? _mm256_loadu_ps(y + j) : _mm256_setzero_ps();
            _mm256_storeu_ps(y + j, _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + j), v));
        }
        if (j < j1) {
            __m256i mk = gpt2__mask8(j1 - j);
            __m256 v = k ? _mm256_maskload_ps(y + j, mk) : _mm256_setzero_ps();
            _mm256_maskstore_ps(y + j, mk, _mm256_fmadd_ps(x0, _mm256_maskload_ps(w0 + j, mk), v));
        }
    }
}
/* several rows of x share each load of W, two rows at a time with their broadcasts in
   registers (the same arithmetic per element as one row; masks only for a column tail) */
LORA__TARGET_AVX2 static void gpt2__gemv_n_avx2(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                                float *Y, long ldy) {
    int k = 0, j, mm, jt = j0 + ((j1 - j0) & ~7);
    __m256i mt = gpt2__mask8((j1 - j0) & 7);
    if (M == 1) { gpt2__gemv_n1_avx2(X, W, ldw, K, j0, j1, Y); return; }
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        for (mm = 0; mm < M; mm += 2) {
            const float *xa = X + (size_t)mm * ldx + k, *xb = mm + 1 < M ? xa + ldx : xa;
            float *ya = Y + (size_t)mm * ldy, *yb = mm + 1 < M ? ya + ldy : ya;
            __m256 a0 = _mm256_set1_ps(xa[0]), a1 = _mm256_set1_ps(xa[1]), a2 = _mm256_set1_ps(xa[2]), a3 = _mm256_set1_ps(xa[3]);
            __m256 b0 = _mm256_set1_ps(xb[0]), b1 = _mm256_set1_ps(xb[1]), b2 = _mm256_set1_ps(xb[2]), b3 = _mm256_set1_ps(xb[3]);
            for (j = j0; j < jt; j += 8) {
                __m256 q0 = _mm256_loadu_ps(w0 + j), q1 = _mm256_loadu_ps(w1 + j), q2 = _mm256_loadu_ps(w2 + j), q3 = _mm256_loadu_ps(w3 + j);
                __m256 u = k ? _mm256_loadu_ps(ya + j) : _mm256_setzero_ps(), v = k ? _mm256_loadu_ps(yb + j) : _mm256_setzero_ps();
                u = _mm256_fmadd_ps(a0, q0, u); v = _mm256_fmadd_ps(b0, q0, v);
                u = _mm256_fmadd_ps(a1, q1, u); v = _mm256_fmadd_ps(b1, q1, v);
                u = _mm256_fmadd_ps(a2, q2, u); v = _mm256_fmadd_ps(b2, q2, v);
                u = _mm256_fmadd_ps(a3, q3, u); v = _mm256_fmadd_ps(b3, q3, v);
                _mm256_storeu_ps(ya + j, u); _mm256_storeu_ps(yb + j, v);
            }
            if (jt < j1) {
                __m256 q0 = _mm256_maskload_ps(w0 + jt, mt), q1 = _mm256_maskload_ps(w1 + jt, mt),
                       q2 = _mm256_maskload_ps(w2 + jt, mt), q3 = _mm256_maskload_ps(w3 + jt, mt);
                __m256 u = k ? _mm256_maskload_ps(ya + jt, mt) : _mm256_setzero_ps(), v = k ? _mm256_maskload_ps(yb + jt, mt) : _mm256_setzero_ps();
                u = _mm256_fmadd_ps(a0, q0, u); v = _mm256_fmadd_ps(b0, q0, v);
                u = _mm256_fmadd_ps(a1, q1, u); v = _mm256_fmadd_ps(b1, q1, v);
                u = _mm256_fmadd_ps(a2, q2, u); v = _mm256_fmadd_ps(b2, q2, v);
                u = _mm256_fmadd_ps(a3, q3, u); v = _mm256_fmadd_ps(b3, q3, v);
                _mm256_maskstore_ps(ya + jt, mt, u); _mm256_maskstore_ps(yb + jt, mt, v);
            }
        }
    }
    for (; k < K; k++)
        for (mm = 0; mm < M; mm++) {
            const float *w0 = W + (size_t)k * ldw;
            float *y = Y + (size_t)mm * ldy;
            __m256 a0 = _mm256_set1_ps(X[(size_t)mm * ldx + k]);
            for (j = j0; j < jt; j += 8) {
                __m256 u = k ? _mm256_loadu_ps(y + j) : _mm256_setzero_ps();
                _mm256_storeu_ps(y + j, _mm256_fmadd_ps(a0, _mm256_loadu_ps(w0 + j), u));
            }
            if (jt < j1) {
                __m256 u = k ? _mm256_maskload_ps(y + jt, mt) : _mm256_setzero_ps();
                _mm256_maskstore_ps(y + jt, mt, _mm256_fmadd_ps(a0, _mm256_maskload_ps(w0 + jt, mt), u));
            }
        }
}
LORA__TARGET_AVX2 static void gpt2__gemv_t_avx2(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r = r0, k, tail = K & 7;
    __m256i mk = gpt2__mask8(tail);
    for (; r + 4 <= r1; r += 4) {
        const float *w0 = W + (size_t)r * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (k = 0; k + 8 <= K; k += 8) {
            __m256 xv = _mm256_loadu_ps(x + k);
            a0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w0 + k), a0);
            a1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w1 + k), a1);
            a2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w2 + k), a2);
            a3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w3 + k), a3);
        }
        if (tail) {
            __m256 xv = _mm256_maskload_ps(x + k, mk);
            a0 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w0 + k, mk), a0);
            a1 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w1 + k, mk), a1);
            a2 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w2 + k, mk), a2);
            a3 = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w3 + k, mk), a3);
        }
        y[r] = gpt2__hsum8(a0); y[r + 1] = gpt2__hsum8(a1); y[r + 2] = gpt2__hsum8(a2); y[r + 3] = gpt2__hsum8(a3);
    }
    for (; r < r1; r++) {
        const float *w0 = W + (size_t)r * ldw;
        __m256 a0 = _mm256_setzero_ps();
        for (k = 0; k + 8 <= K; k += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + k), _mm256_loadu_ps(w0 + k), a0);
        if (tail) a0 = _mm256_fmadd_ps(_mm256_maskload_ps(x + k, mk), _mm256_maskload_ps(w0 + k, mk), a0);
        y[r] = gpt2__hsum8(a0);
    }
}
#endif

#ifdef LORA__HAVE_AVX512
LORA__TARGET_AVX512 static void gpt2__gemv_n1_avx512(const float *x, const float *W, long ldw, int K, int j0, int j1, float *y) {
    int k = 0, j;
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 x0 = _mm512_set1_ps(x[k]), x1 = _mm512_set1_ps(x[k + 1]), x2 = _mm512_set1_ps(x[k + 2]), x3 = _mm512_set1_ps(x[k + 3]);
        for (j = j0; j + 16 <= j1; j += 16) {
            __m512 v = k ? _mm512_loadu_ps(y + j) : _mm512_setzero_ps();
            v = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + j), v);
            v = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w1 + j), v);
            v = _mm512_fmadd_ps(x2, _mm512_loadu_ps(w2 + j), v);
            v = _mm512_fmadd_ps(x3, _mm512_loadu_ps(w3 + j), v);
            _mm512_storeu_ps(y + j, v);
        }
        if (j < j1) {
            __mmask16 mk = (__mmask16)((1u << (j1 - j)) - 1);
            __m512 v = k ? _mm512_maskz_loadu_ps(mk, y + j) : _mm512_setzero_ps();
            v = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mk, w0 + j), v);
            v = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(mk, w1 + j), v);
            v = _mm512_fmadd_ps(x2, _mm512_maskz_loadu_ps(mk, w2 + j), v);
            v = _mm512_fmadd_ps(x3, _mm512_maskz_loadu_ps(mk, w3 + j), v);
            _mm512_mask_storeu_ps(y + j, mk, v);
        }
    }
    for (; k < K; k++) {
        const float *w0 = W + (size_t)k * ldw;
        __m512 x0 = _mm512_set1_ps(x[k]);
        for (j = j0; j + 16 <= j1; j += 16) {
            __m512 v = k ? _mm512_loadu_ps(y + j) : _mm512_setzero_ps();
            _mm512_storeu_ps(y + j, _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + j), v));
        }
        if (j < j1) {
            __mmask16 mk = (__mmask16)((1u << (j1 - j)) - 1);
            __m512 v = k ? _mm512_maskz_loadu_ps(mk, y + j) : _mm512_setzero_ps();
            _mm512_mask_storeu_ps(y + j, mk, _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mk, w0 + j), v));
        }
    }
}
LORA__TARGET_AVX512 static void gpt2__gemv_n_avx512(const float *X, long ldx, int M, const float *W, long ldw, int K, int j0, int j1,
                                                    float *Y, long ldy) {
    int k = 0, j, mm, jt = j0 + ((j1 - j0) & ~15);
    __mmask16 mt = (__mmask16)((1u << ((j1 - j0) & 15)) - 1);
    if (M == 1) { gpt2__gemv_n1_avx512(X, W, ldw, K, j0, j1, Y); return; }
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + (size_t)k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        for (mm = 0; mm < M; mm += 2) {
            const float *xa = X + (size_t)mm * ldx + k, *xb = mm + 1 < M ? xa + ldx : xa;
            float *ya = Y + (size_t)mm * ldy, *yb = mm + 1 < M ? ya + ldy : ya;
            __m512 a0 = _mm512_set1_ps(xa[0]), a1 = _mm512_set1_ps(xa[1]), a2 = _mm512_set1_ps(xa[2]), a3 = _mm512_set1_ps(xa[3]);
            __m512 b0 = _mm512_set1_ps(xb[0]), b1 = _mm512_set1_ps(xb[1]), b2 = _mm512_set1_ps(xb[2]), b3 = _mm512_set1_ps(xb[3]);
            for (j = j0; j < jt; j += 16) {
                __m512 q0 = _mm512_loadu_ps(w0 + j), q1 = _mm512_loadu_ps(w1 + j), q2 = _mm512_loadu_ps(w2 + j), q3 = _mm512_loadu_ps(w3 + j);
                __m512 u = k ? _mm512_loadu_ps(ya + j) : _mm512_setzero_ps(), v = k ? _mm512_loadu_ps(yb + j) : _mm512_setzero_ps();
                u = _mm512_fmadd_ps(a0, q0, u); v = _mm512_fmadd_ps(b0, q0, v);
                u = _mm512_fmadd_ps(a1, q1, u); v = _mm512_fmadd_ps(b1, q1, v);
                u = _mm512_fmadd_ps(a2, q2, u); v = _mm512_fmadd_ps(b2, q2, v);
                u = _mm512_fmadd_ps(a3, q3, u); v = _mm512_fmadd_ps(b3, q3, v);
                _mm512_storeu_ps(ya + j, u); _mm512_storeu_ps(yb + j, v);
            }
            if (jt < j1) {
                __m512 q0 = _mm512_maskz_loadu_ps(mt, w0 + jt), q1 = _mm512_maskz_loadu_ps(mt, w1 + jt),
                       q2 = _mm512_maskz_loadu_ps(mt, w2 + jt), q3 = _mm512_maskz_loadu_ps(mt, w3 + jt);
                __m512 u = k ? _mm512_maskz_loadu_ps(mt, ya + jt) : _mm512_setzero_ps(), v = k ? _mm512_maskz_loadu_ps(mt, yb + jt) : _mm512_setzero_ps();
                u = _mm512_fmadd_ps(a0, q0, u); v = _mm512_fmadd_ps(b0, q0, v);
                u = _mm512_fmadd_ps(a1, q1, u); v = _mm512_fmadd_ps(b1, q1, v);
                u = _mm512_fmadd_ps(a2, q2, u); v = _mm512_fmadd_ps(b2, q2, v);
                u = _mm512_fmadd_ps(a3, q3, u); v = _mm512_fmadd_ps(b3, q3, v);
                _mm512_mask_storeu_ps(ya + jt, mt, u); _mm512_mask_storeu_ps(yb + jt, mt, v);
            }
        }
    }
    for (; k < K; k++)
        for (mm = 0; mm < M; mm++) {
            const float *w0 = W + (size_t)k * ldw;
            float *y = Y + (size_t)mm * ldy;
            __m512 a0 = _mm512_set1_ps(X[(size_t)mm * ldx + k]);
            for (j = j0; j < jt; j += 16) {
                __m512 u = k ? _mm512_loadu_ps(y + j) : _mm512_setzero_ps();
                _mm512_storeu_ps(y + j, _mm512_fmadd_ps(a0, _mm512_loadu_ps(w0 + j), u));
            }
            if (jt < j1) {
                __m512 u = k ? _mm512_maskz_loadu_ps(mt, y + jt) : _mm512_setzero_ps();
                _mm512_mask_storeu_ps(y + jt, mt, _mm512_fmadd_ps(a0, _mm512_maskz_loadu_ps(mt, w0 + jt), u));
            }
        }
}
/* horizontal sum through memory (g++ 12 warns inside the 512-bit extract/shuffle intrinsics) */
LORA__TARGET_AVX512 static float gpt2__hsum16(__m512 v) {
    float t[16] LORA__ALIGNED64;
    _mm512_store_ps(t, v);
    return gpt2__hsum8(_mm256_add_ps(_mm256_load_ps(t), _mm256_load_ps(t + 8)));
}
LORA__TARGET_AVX512 static void gpt2__gemv_t_avx512(const float *x, const float *W, long ldw, int K, int r0, int r1, float *y) {
    int r = r0, k, tail = K & 15;
    __mmask16 mk = (__mmask16)((1u << tail) - 1);
    for (; r + 4 <= r1; r += 4) {
        const float *w0 = W + (size_t)r * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (k = 0; k + 16 <= K; k += 16) {
            __m512 xv = _mm512_loadu_ps(x + k);
            a0 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w0 + k), a0);
            a1 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w1 + k), a1);
            a2 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w2 + k), a2);
            a3 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w3 + k), a3);
        }
        if (tail) {
            __m512 xv = _mm512_maskz_loadu_ps(mk, x + k);
            a0 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w0 + k), a0);
            a1 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w1 + k), a1);
            a2 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w2 + k), a2);
            a3 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mk, w3 + k), a3);
        }
        y[r] = gpt2__hsum16(a0); y[r + 1] = gpt2__hsum16(a1);
        y[r + 2] = gpt2__hsum16(a2); y[r + 3] = gpt2__hsum16(a3);
    }
    for (; r < r1; r++) {
        const float *w0 = W + (size_t)r * ldw;
        __m512 a0 = _mm512_setzero_ps();
        for (k = 0; k + 16 <= K; k += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + k), _mm512_loadu_ps(w0 + k), a0);
        if (tail) a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + k), _mm512_maskz_loadu_ps(mk, w0 + k), a0);
        y[r] = gpt2__hsum16(a0);
    }
}
#endif

typedef struct gpt2__gemv_ops { gpt2__gemv_n_fn n; gpt2__gemv_t_fn t; } gpt2__gemv_ops;
static gpt2__gemv_ops gpt2__gemv_select(lora_isa isa) {
    gpt2__gemv_ops o;
    o.n = gpt2__gemv_n_scalar; o.t = gpt2__gemv_t_scalar;
#ifdef LORA__HAVE_AVX512
    if (isa == LORA_ISA_AVX512) { o.n = gpt2__gemv_n_avx512; o.t = gpt2__gemv_t_avx512; }
#endif
#ifdef LORA__HAVE_AVX2
    if (isa == LORA_ISA_AVX2) { o.n = gpt2__gemv_n_avx2; o.t = gpt2__gemv_t_avx2; }
#endif
    (void)isa;
    return o;
}

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
    gpt2__gemv_ops ops;          /* kernels for the current call */
    const lora__vecops *vec;
};

LORA_API void gpt2_kv_free(gpt2_kv_cache *kv) {
    if (!kv) return;
    lora__free_aligned(kv->k);
    lora__free_aligned(kv->v);
    lora__free_aligned(kv->work);
    lora__free_aligned(kv->h);
    lora__free_aligned(kv->att);
    lora_pool_destroy(kv->solo);
    LORA_FREE(kv);
}

LORA_API lora_status gpt2_kv_create(const gpt2_model *m, int max_T, gpt2_kv_cache **out) {
    gpt2_kv_cache *kv;
    lora_status s;
    size_t C, F, L, kvf, rows, wf;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_kv_create: out is NULL");
    *out = NULL;
    if (!m) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_kv_create: model is NULL");
    if (max_T <= 0) max_T = m->cfg.n_positions;
    if (max_T > m->cfg.n_positions)
        return lora__fail(LORA_ERR_RANGE, "gpt2_kv_create: cache length %d exceeds the model's n_positions %d", max_T, m->cfg.n_positions);
    kv = (gpt2_kv_cache *)lora__calloc(1, sizeof *kv, "KV cache");
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
    kv->k = (float *)lora__alloc_aligned(kvf * sizeof(float), "KV cache keys");
    kv->v = (float *)lora__alloc_aligned(kvf * sizeof(float), "KV cache values");
    kv->work = (float *)lora__alloc_aligned(wf * sizeof(float), "KV cache work buffers");
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
    if (!kv) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_kv_truncate: cache is NULL");
    if (n < 0 || n > kv->len) return lora__fail(LORA_ERR_RANGE, "gpt2_kv_truncate: %d is outside [0, %d] (tokens cached)", n, kv->len);
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
        float *h = (float *)lora__alloc_aligned((size_t)kv->chunk * r * sizeof(float), "KV cache LoRA buffer");
        if (!h) return LORA_ERR_OOM;
        lora__free_aligned(kv->h);
        kv->bytes += (size_t)kv->chunk * (r - kv->h_r) * sizeof(float);
        kv->h = h; kv->h_r = r;
    }
    if (threads > kv->att_threads) {
        size_t per = ((size_t)kv->max_T + 15) & ~(size_t)15;
        float *a = (float *)lora__alloc_aligned((size_t)threads * per * sizeof(float), "KV cache attention scores");
        if (!a) return LORA_ERR_OOM;
        lora__free_aligned(kv->att);
        kv->bytes += (size_t)(threads - kv->att_threads) * per * sizeof(float);
        kv->att = a; kv->att_threads = threads;
    }
    return LORA_OK;
}

/* The pool for GEMMs: the model's, or the cache's own 1-thread one (which keeps its
   workspace between calls instead of allocating it each time). */
static lora_pool *gpt2__kv_pool(const gpt2_kv_cache *kv, const gpt2_model *m) { return m->pool ? m->pool : kv->solo; }

/* ---- a linear layer over a few rows: matrix-vector kernels over column tasks ---- */
typedef struct {
    gpt2__gemv_ops ops;
    const lora__vecops *v;
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
    if (g->tr)
        for (row = 0; row < g->N; row++) g->ops.t(g->x + (size_t)row * g->in, g->W, g->in, g->in, j0, j1, g->y + (size_t)row * g->out);
    else
        g->ops.n(g->x, g->in, g->N, g->W, g->out, g->in, j0, j1, g->y, g->out);
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
static void gpt2__gen_linear(gpt2_model *m, gpt2_kv_cache *kv, int mi, const float *x, float *y, int N,
                             const float *resid, int gelu) {
    const gpt2_linear_info *li = &m->linears[mi];
    int tr, bi = gpt2__module_bias_tensor(m, mi), row;
    const float *W = gpt2__module_weight(m, mi, &tr);
    const float *bias = bi >= 0 ? gpt2__tensor_value(m, bi) : NULL;
    const lora_module *lm = lora_adapter_module(m->adapter, mi);
    lora_pool *pool = gpt2__kv_pool(kv, m);
    if (N <= GPT2__GEMV_MAX_ROWS) {
        gpt2__gv_job g;
        int threads = lora_pool_threads(m->pool), n_tasks = 1;
        if (lm)
            for (row = 0; row < N; row++)
                kv->ops.t(x + (size_t)row * li->in, lm->A, li->in, li->in, 0, lm->r, kv->h + (size_t)row * lm->r);
        g.ops = kv->ops; g.v = kv->vec; g.tr = tr; g.x = x; g.W = W; g.N = N; g.in = li->in; g.out = li->out;
        g.bias = bias; g.lm = lm; g.h = kv->h; g.resid = resid; g.gelu = gelu; g.y = y;
        g.chunk = li->out;
        if (threads > 1 && (double)li->in * li->out >= 65536.0) {
            int want = GPT2__GEMV_TASKS_PER_THREAD * threads;
            g.chunk = ((li->out + want - 1) / want + 15) & ~15;
            n_tasks = (li->out + g.chunk - 1) / g.chunk;
        }
        lora_pool_run(m->pool, gpt2__gv_task, &g, n_tasks);
        return;
    }
    lora_sgemm(pool, 0, tr, N, li->out, li->in, 1.0f, x, li->in, W, tr ? li->in : li->out, 0.0f, y, li->out);
    if (bias) {
        gpt2__bias_ctx b;
        b.y = y; b.b = bias; b.W = li->out; b.v = lora__vec(m->pool);
        gpt2__parallel_rows(m->pool, N, gpt2__bias_rows, &b);
    }
    if (lm) {
        lora_sgemm(pool, 0, 1, N, lm->r, li->in, 1.0f, x, li->in, lm->A, li->in, 0.0f, kv->h, lm->r);
        lora_sgemm(pool, 0, 1, N, li->out, lm->r, lm->scaling, kv->h, lm->r, lm->B, lm->r, 1.0f, y, li->out);
    }
    if (gelu) gpt2__gelu_forward(m, y, y, N, li->out);
    if (resid) gpt2__residual_forward(m, resid, y, y, N);
}

/* ---- attention of n new rows (positions pos0 ..) over the cache ---- */
typedef struct { gpt2_kv_cache *kv; int layer, n, pos0, L; float *S; } gpt2__gatt_ctx;

/* softmax over p[0..valid), zeros up to width (as gpt2_forward) */
static void gpt2__softmax_causal(const lora__vecops *v, float *p, int valid, int width) {
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
        kv->ops.n(kv->qkv + (size_t)i * 3 * C + (size_t)h * D, D, 1, Kh, kv->max_T, D, 0, L, S, L);
        kv->vec->scale(S, L, scale);
        gpt2__softmax_causal(kv->vec, S, L, L);
        kv->ops.n(S, L, 1, Vh, D, L, 0, D, kv->atty + (size_t)i * C + (size_t)h * D, C);
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
static void gpt2__gen_chunk(gpt2_model *m, gpt2_kv_cache *kv, const int32_t *tokens, int n) {
    int C = m->cfg.n_embd, H = m->cfg.n_head, D = C / H, pos0 = kv->len, l, r, h;
    const float *wte = gpt2__t(m, 0), *wpe = gpt2__t(m, 1);
    for (r = 0; r < n; r++) {
        const float *a = wte + (size_t)tokens[r] * C, *b = wpe + (size_t)(pos0 + r) * C;
        float *o = kv->x + (size_t)r * C;
        int i;
        for (i = 0; i < C; i++) o[i] = a[i] + b[i];
    }
    for (l = 0; l < m->cfg.n_layer; l++) {
        int mi = l * GPT2_LINEARS_PER_LAYER;
        gpt2__layernorm_forward(m, kv->x, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN1B)),
                                kv->ln, kv->mean, kv->rstd, n);
        gpt2__gen_linear(m, kv, mi + 0, kv->ln, kv->qkv, n, NULL, 0);
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
        gpt2__gen_linear(m, kv, mi + 1, kv->atty, kv->res, n, kv->x, 0);
        gpt2__layernorm_forward(m, kv->res, gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2W)), gpt2__tensor_value(m, gpt2__lt(l, GPT2__LN2B)),
                                kv->ln, kv->mean, kv->rstd, n);
        gpt2__gen_linear(m, kv, mi + 2, kv->ln, kv->fch, n, NULL, 1);
        gpt2__gen_linear(m, kv, mi + 3, kv->fch, kv->x, n, kv->res, 0);
    }
    kv->len += n;
}

LORA_API lora_status gpt2_forward_cached(gpt2_model *m, gpt2_kv_cache *kv, const int32_t *tokens, int n_new,
                                         float *logits_last) {
    const gpt2_config *c;
    lora_status s;
    int i, done, n = 0;
    if (!m || !kv || !tokens) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: NULL argument");
    c = &m->cfg;
    if (n_new <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: n_new %d must be positive", n_new);
    if (kv->cfg.n_layer != c->n_layer || kv->cfg.n_head != c->n_head || kv->cfg.n_embd != c->n_embd ||
        kv->cfg.vocab_size != c->vocab_size || gpt2__inner(&kv->cfg) != gpt2__inner(c) || kv->max_T > c->n_positions)
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: the cache was made for a model of other shapes");
    if (kv->len > 0 && (kv->model != m || kv->adapter != m->adapter))
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_forward_cached: the cached tokens were computed with another %s; call gpt2_kv_reset",
                          kv->model != m ? "model" : "adapter");
    if (n_new > kv->max_T - kv->len)
        return lora__fail(LORA_ERR_RANGE, "gpt2_forward_cached: %d cached + %d new tokens exceed the cache length %d (n_positions %d)",
                          kv->len, n_new, kv->max_T, c->n_positions);
    for (i = 0; i < n_new; i++)
        if (tokens[i] < 0 || tokens[i] >= c->vocab_size)
            return lora__fail(LORA_ERR_RANGE, "gpt2_forward_cached: token id %ld at position %d is outside the vocabulary [0, %d)",
                              (long)tokens[i], i, c->vocab_size);
    if ((s = gpt2__kv_scratch(kv, m)) != LORA_OK) return s;
    kv->ops = gpt2__gemv_select(lora_pool_isa(gpt2__kv_pool(kv, m)));
    kv->vec = lora__vec(gpt2__kv_pool(kv, m));
    kv->model = m;
    kv->adapter = m->adapter;
    for (done = 0; done < n_new; done += n) {
        n = n_new - done < kv->chunk ? n_new - done : kv->chunk;
        gpt2__gen_chunk(m, kv, tokens + done, n);
    }
    if (logits_last) {
        const float *last = kv->x + (size_t)(n - 1) * c->n_embd;
        gpt2__layernorm_forward(m, last, gpt2__tensor_value(m, m->n_tensors - 2), gpt2__tensor_value(m, m->n_tensors - 1),
                                kv->ln, kv->mean, kv->rstd, 1);
        gpt2__gen_linear(m, kv, m->n_linears - 1, kv->ln, logits_last, 1, NULL, 0);
    }
    return LORA_OK;
}

/* ---- sampling ---- */
LORA_API gpt2_sampler gpt2_sampler_init(void) {
    gpt2_sampler s;
    memset(&s, 0, sizeof s);
    s.temperature = 1.0f;
    s.top_k = 0;
    s.top_p = 1.0f;
    s.greedy = 0;
    s.seed = 0;
    return s;
}

typedef struct { float v; int32_t i; } gpt2__cand;

/* a before b: larger value first, then lower id */
static int gpt2__cand_before(const gpt2__cand *a, const gpt2__cand *b) { return a->v > b->v || (a->v == b->v && a->i < b->i); }
static int gpt2__cand_cmp(const void *pa, const void *pb) {
    const gpt2__cand *a = (const gpt2__cand *)pa, *b = (const gpt2__cand *)pb;
    return gpt2__cand_before(a, b) ? -1 : gpt2__cand_before(b, a) ? 1 : 0;
}
/* Moves the k first candidates (in that order) to c[0..k), unordered (Hoare quickselect). */
static void gpt2__select_top(gpt2__cand *c, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, i = lo, j = hi;
        gpt2__cand a = c[lo], b = c[mid], d = c[hi], piv, t;
        /* median of three */
        if (gpt2__cand_before(&b, &a)) { t = a; a = b; b = t; }
        if (gpt2__cand_before(&d, &b)) { b = d; if (gpt2__cand_before(&b, &a)) b = a; }
        piv = b;
        while (i <= j) {
            while (gpt2__cand_before(&c[i], &piv)) i++;
            while (gpt2__cand_before(&piv, &c[j])) j--;
            if (i <= j) { t = c[i]; c[i] = c[j]; c[j] = t; i++; j--; }
        }
        if (k - 1 <= j) hi = j;
        else if (k - 1 >= i) lo = i;
        else break;
    }
}

/* The k first tokens in (logit desc, id asc) order, unordered, into c[0..k): one pass with a
   heap whose root is the last of those kept (NaN counts as -inf). */
static void gpt2__heap_sift(gpt2__cand *c, int k, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, w = i;
        gpt2__cand t;
        if (l < k && gpt2__cand_before(&c[w], &c[l])) w = l;
        if (r < k && gpt2__cand_before(&c[w], &c[r])) w = r;
        if (w == i) return;
        t = c[i]; c[i] = c[w]; c[w] = t;
        i = w;
    }
}
static void gpt2__top_k(const float *logits, int V, int k, gpt2__cand *c) {
    int i;
    for (i = 0; i < k; i++) { c[i].v = logits[i] == logits[i] ? logits[i] : -INFINITY; c[i].i = (int32_t)i; }
    for (i = k / 2 - 1; i >= 0; i--) gpt2__heap_sift(c, k, i);
    for (i = k; i < V; i++) {
        gpt2__cand x;
        x.v = logits[i] == logits[i] ? logits[i] : -INFINITY; x.i = (int32_t)i;
        if (gpt2__cand_before(&x, &c[0])) { c[0] = x; gpt2__heap_sift(c, k, 0); }
    }
}

static int32_t gpt2__argmax(const float *x, int n) {
    int i, best = 0;
    for (i = 1; i < n; i++) if (x[i] > x[best] || (x[best] != x[best] && x[i] == x[i])) best = i;
    return (int32_t)best;
}

static lora_status gpt2__check_sampler(const gpt2_sampler *s) {
    if (!(s->temperature >= 0.0f) || s->temperature != s->temperature)
        return lora__fail(LORA_ERR_INVALID_ARG, "sampler: temperature %g must be >= 0", (double)s->temperature);
    if (s->top_k < 0) return lora__fail(LORA_ERR_INVALID_ARG, "sampler: top_k %d must be >= 0", s->top_k);
    if (!(s->top_p > 0.0f && s->top_p <= 1.0f))
        return lora__fail(LORA_ERR_INVALID_ARG, "sampler: top_p %g must be in (0, 1]", (double)s->top_p);
    return LORA_OK;
}
static int gpt2__is_greedy(const gpt2_sampler *s) { return s->greedy || s->temperature == 0.0f || s->top_k == 1; }

/* Sampling with a workspace of vocab candidates and vocab floats (gpt2__sample_ws_bytes). */
static size_t gpt2__sample_ws_bytes(int V) { return (size_t)V * (sizeof(gpt2__cand) + sizeof(float)); }
static int32_t gpt2__sample_ws(const float *logits, int V, const gpt2_sampler *s, lora_rng *rng, void *ws,
                               const lora__vecops *vo) {
    gpt2__cand *c = (gpt2__cand *)ws;
    float *e = (float *)(c + V), mx = -INFINITY, invT = 1.0f / s->temperature;
    int n = 0, i;
    double sum = 0.0, acc, u;
    for (i = 0; i < V; i++) if (logits[i] > mx) mx = logits[i];
    if (!(mx > -INFINITY) || mx == INFINITY) { (void)lora_rng_uniform(rng); return gpt2__argmax(logits, V); }
    if (s->top_k > 0 && s->top_k < V) {
        /* the k largest logits, sorted, then their weights */
        n = s->top_k;
        gpt2__top_k(logits, V, n, c);
        qsort(c, (size_t)n, sizeof *c, gpt2__cand_cmp);
        for (i = 0; i < n; i++) { c[i].v = expf((c[i].v - mx) * invT); sum += c[i].v; }
    } else {
        /* every token: weights exp((l - max) / T) with the vectorised exp */
        for (i = 0; i < V; i++) e[i] = logits[i] == logits[i] ? (logits[i] - mx) * invT : -INFINITY;
        sum = (double)vo->exp_sum(e, e, V, 0.0f);
        if (s->top_p >= 1.0f) {
            u = (double)lora_rng_uniform(rng) * sum;
            acc = 0.0;
            for (i = 0; i < V; i++) {
                acc += e[i];
                if (u < acc) return (int32_t)i;
            }
            for (i = V - 1; i > 0 && !(e[i] > 0.0f); i--) {}
            return (int32_t)i;
        }
        /* a token of the nucleus has probability > (1 - top_p) / V: keep only those */
        {
            float cut = (float)((1.0 - (double)s->top_p) * sum / V * (1.0 - 1e-4));
            for (i = 0; i < V; i++) if (e[i] >= cut) { c[n].v = e[i]; c[n].i = (int32_t)i; n++; }
        }
    }
    if (s->top_p < 1.0f) {
        /* the smallest prefix (most likely first) reaching top_p: select the top m, growing m
           until they hold enough mass, then sort just those */
        double want = (double)s->top_p * sum;
        int m = n < 64 ? n : 64, keep;
        for (;;) {
            gpt2__select_top(c, n, m);
            acc = 0.0;
            for (i = 0; i < m; i++) acc += c[i].v;
            if (acc >= want || m == n) break;
            m = n / 4 < m ? n : 4 * m;
        }
        qsort(c, (size_t)m, sizeof *c, gpt2__cand_cmp);
        acc = 0.0;
        keep = m;
        for (i = 0; i < m; i++) {
            acc += c[i].v;
            if (acc >= want) { keep = i + 1; break; }
        }
        n = keep;
        sum = 0.0;
        for (i = 0; i < n; i++) sum += c[i].v;
    }
    u = (double)lora_rng_uniform(rng) * sum;
    acc = 0.0;
    for (i = 0; i < n; i++) {
        acc += c[i].v;
        if (u < acc) return c[i].i;
    }
    for (i = n - 1; i > 0 && !(c[i].v > 0.0f); i--) {}
    return c[i].i;
}

LORA_API int32_t gpt2_sample(const float *logits, int vocab, const gpt2_sampler *cfg, lora_rng *rng) {
    gpt2_sampler def = gpt2_sampler_init();
    gpt2__cand *c;
    int32_t id;
    lora_status s;
    if (!cfg) cfg = &def;
    if (!logits || vocab <= 0) return (int32_t)lora__fail(LORA_ERR_INVALID_ARG, "gpt2_sample: logits is NULL or vocab %d <= 0", vocab);
    if ((s = gpt2__check_sampler(cfg)) != LORA_OK) return (int32_t)s;
    if (gpt2__is_greedy(cfg)) return gpt2__argmax(logits, vocab);
    if (!rng) return (int32_t)lora__fail(LORA_ERR_INVALID_ARG, "gpt2_sample: rng is NULL (needed unless greedy)");
    c = (gpt2__cand *)lora__malloc(gpt2__sample_ws_bytes(vocab), "sampling workspace");
    if (!c) return (int32_t)LORA_ERR_OOM;
    id = gpt2__sample_ws(logits, vocab, cfg, rng, c, lora__vec(NULL));
    LORA_FREE(c);
    return id;
}

LORA_API lora_status gpt2_generate(gpt2_model *m, const int32_t *prompt, int n_prompt, int max_new,
                                   const gpt2_sampler *cfg, int stop_at_eot, int32_t *out_ids, int *n_out,
                                   gpt2_token_fn on_token, void *user) {
    gpt2_sampler def = gpt2_sampler_init();
    gpt2_kv_cache *kv = NULL;
    gpt2__cand *c = NULL;
    float *logits = NULL;
    lora_rng rng;
    lora_status s;
    int n = 0, cap, V, greedy;
    if (n_out) *n_out = 0;
    if (!cfg) cfg = &def;
    if (!m || !prompt || !n_out || (max_new > 0 && !out_ids))
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_generate: NULL argument");
    if (n_prompt <= 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_generate: the prompt is empty (start it with the end-of-text token %d)", GPT2_EOT);
    if (max_new < 0) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_generate: max_new %d is negative", max_new);
    if ((s = gpt2__check_sampler(cfg)) != LORA_OK) return s;
    if (n_prompt > m->cfg.n_positions)
        return lora__fail(LORA_ERR_RANGE, "gpt2_generate: the prompt has %d tokens, more than the model's n_positions %d",
                          n_prompt, m->cfg.n_positions);
    if (max_new == 0 || n_prompt == m->cfg.n_positions) return LORA_OK;
    V = m->cfg.vocab_size;
    greedy = gpt2__is_greedy(cfg);
    cap = max_new > m->cfg.n_positions - n_prompt ? m->cfg.n_positions : n_prompt + max_new;
    if ((s = gpt2_kv_create(m, cap, &kv)) != LORA_OK) return s;
    logits = (float *)lora__malloc(sizeof(float) * (size_t)V, "logits");
    if (!greedy) c = (gpt2__cand *)lora__malloc(gpt2__sample_ws_bytes(V), "sampling workspace");
    if (!logits || (!greedy && !c)) { s = LORA_ERR_OOM; goto done; }
    lora_rng_seed(&rng, cfg->seed);
    if ((s = gpt2_forward_cached(m, kv, prompt, n_prompt, logits)) != LORA_OK) goto done;
    for (;;) {
        int32_t id = greedy ? gpt2__argmax(logits, V) : gpt2__sample_ws(logits, V, cfg, &rng, c, lora__vec(m->pool));
        if (stop_at_eot && id == GPT2_EOT) break;
        out_ids[n++] = id;
        *n_out = n;
        if (on_token && on_token(user, id, n - 1)) break;
        if (n == max_new || n_prompt + n >= m->cfg.n_positions) break;
        if ((s = gpt2_forward_cached(m, kv, &id, 1, logits)) != LORA_OK) break;
    }
done:
    LORA_FREE(c);
    LORA_FREE(logits);
    gpt2_kv_free(kv);
    return s;
}

/* ---- gpt2/50_tokenizer.impl.c ---- */
/* ---- GPT-2 byte-level BPE tokenizer ----

   Pre-tokenisation. The pattern
       's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   is run as a hand-written scanner over code points with JavaScript's (/u) classes for
   \p{L}, \p{N} and \s (51_unicode_tables.impl.c, generated from node), since the npm encoders
   gpt-3-encoder and gpt-tokenizer are the reference. (Python's `regex`, used by OpenAI's
   encoder.py, differs only in \s: it counts U+0085 and not U+FEFF; and in Unicode version.)

   Invalid UTF-8. The reference encoders take JavaScript strings; text that arrives as bytes is
   decoded first, each maximal ill-formed subsequence becoming U+FFFD. We do not replace
   anything: every byte that does not start a well-formed UTF-8 sequence (a stray continuation
   byte, a truncated sequence, an overlong form, a surrogate, a value above U+10FFFF) is one
   unit of class "other", i.e. it pre-tokenises exactly as U+FFFD would (U+FFFD is \p{So}), and
   the bytes themselves go through BPE (so they come out as byte tokens or merges of them).
   Pre-token boundaries are therefore the reference's; the ids differ from the reference only
   inside pre-tokens that hold invalid bytes; and decode(encode(x)) == x for every byte string.

   BPE. Ranked merges exactly as encoder.py: repeatedly take the adjacent pair with the lowest
   merge rank and merge all its non-overlapping occurrences left to right. Symbols are token
   ids (every merge result must be in the vocabulary), pairs are looked up in an open-addressing
   hash table. Short words use a rank array rescanned per pass; long words (a megabyte of
   letters) use a heap over a linked list, which keeps them O(n log n). No cache, no global
   state: a tokenizer is read-only after loading and may be shared between threads. */

static int gpt2__uclass(uint32_t cp); /* 51_unicode_tables.impl.c */

enum { GPT2__OTHER = 0, GPT2__LETTER = 1, GPT2__NUMBER = 2, GPT2__SPACE = 3 };

/* Classes of ASCII code points (tools/gen_unicode_tables.js checks them against node). */
static const unsigned char gpt2__ascii_class[128] = {
    0,0,0,0,0,0,0,0,0,3,3,3,3,3,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    3,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 2,2,2,2,2,2,2,2,2,2,0,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0
};

#define GPT2__NO_RANK 0xFFFFFFFFu
#define GPT2__MAX_ID (1 << 24)      /* token ids must be below this */
#define GPT2__LONG_WORD 64          /* words longer than this (bytes) use the heap merge */

typedef struct gpt2__merge_slot {
    uint64_t key;      /* (left id << 32) | right id; GPT2__EMPTY_KEY when free */
    uint32_t rank;     /* line order in the merges file */
    int32_t id;        /* the merged token */
} gpt2__merge_slot;
#define GPT2__EMPTY_KEY 0xFFFFFFFFFFFFFFFFull

struct gpt2_tokenizer {
    int32_t n_vocab;            /* largest id + 1 */
    char *blob;                 /* bytes of all tokens */
    uint32_t *off;              /* token i = blob[off[i] .. off[i+1]); empty = no token */
    int32_t byte_id[256];       /* the single-byte tokens */
    int32_t eot;                /* id of "<|endoftext|>", -1 if the vocabulary lacks it */
    gpt2__merge_slot *merges;   /* open addressing, power-of-two size */
    uint32_t merge_bits;
    size_t n_merges;
    /* fast path: the tokens that BPE turns their own bytes into (most of them), by bytes, so
       that a pre-token that is one of them needs a lookup instead of the merge loop */
    int32_t *word_slot;         /* open addressing over ids, -1 = free */
    uint32_t word_bits;
    size_t max_word;            /* longest such token, bytes */
};

/* ---- byte-level alphabet (bytes_to_unicode) ---- */
static int gpt2__byte_is_printable(int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174); }
/* code point -> byte, -1 for code points outside the alphabet (which is U+0021..U+0143) */
static void gpt2__unicode_to_byte_table(int16_t table[324]) {
    int b, n = 0;
    for (b = 0; b < 324; b++) table[b] = -1;
    for (b = 0; b < 256; b++) {
        if (gpt2__byte_is_printable(b)) table[b] = (int16_t)b;
        else table[256 + n++] = (int16_t)b;
    }
}

/* ---- UTF-8 ---- */
/* Length of the well-formed UTF-8 sequence at s[0..n) (n >= 1) and its code point, or 0 if
   s[0] does not start one. */
static size_t gpt2__utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;
        else if (c == 0xED) hi = 0x9F;
        if (n < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    if (c < 0xF5) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;
        else if (c == 0xF4) hi = 0x8F;
        if (n < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
              ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    return 0;
}

/* Class and length of the unit at s[0..n): a well-formed character, or one invalid byte
   (class "other", as the U+FFFD a UTF-8 decoder would put there). */
static size_t gpt2__unit(const unsigned char *s, size_t n, int *cls) {
    uint32_t cp;
    size_t k;
    if (s[0] < 0x80) { *cls = gpt2__ascii_class[s[0]]; return 1; }
    k = gpt2__utf8_decode(s, n, &cp);
    if (!k) { *cls = GPT2__OTHER; return 1; }
    *cls = gpt2__uclass(cp);
    return k;
}

/* End of the run of units of class cls starting at s[i] (i < n). */
static size_t gpt2__run_end(const unsigned char *s, size_t n, size_t i, int cls) {
    while (i < n) {
        int c;
        size_t k;
        if (s[i] < 0x80) {
            if (gpt2__ascii_class[s[i]] != cls) break;
            i++;
            continue;
        }
        k = gpt2__unit(s + i, n - i, &c);
        if (c != cls) break;
        i += k;
    }
    return i;
}

/* Length of the pre-token at s[0..n), n >= 1. */
static size_t gpt2__pretoken(const unsigned char *s, size_t n) {
    int c0, c1;
    size_t k0, i, last;
    if (s[0] == '\'' && n >= 2) {
        unsigned char a = s[1];
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
        if (n >= 3) {
            unsigned char b = s[2];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
        }
    }
    k0 = gpt2__unit(s, n, &c0);
    if (c0 != GPT2__SPACE) return gpt2__run_end(s, n, k0, c0);
    if (s[0] == ' ' && n >= 2) { /* " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+" */
        size_t k1 = gpt2__unit(s + 1, n - 1, &c1);
        if (c1 != GPT2__SPACE) return gpt2__run_end(s, n, 1 + k1, c1);
    }
    /* whitespace: \s+(?!\S) leaves the last whitespace character of a run that is followed
       by something else (so " word" stays together), unless the run is that one character */
    i = k0; last = 0;
    while (i < n) {
        int c;
        size_t k;
        if (s[i] < 0x80) {
            if (gpt2__ascii_class[s[i]] != GPT2__SPACE) break;
            last = i++;
            continue;
        }
        k = gpt2__unit(s + i, n - i, &c);
        if (c != GPT2__SPACE) break;
        last = i;
        i += k;
    }
    if (i == n || last == 0) return i;
    return last;
}

LORA_API size_t gpt2_pretoken_length(const char *text, size_t len) {
    return text && len ? gpt2__pretoken((const unsigned char *)text, len) : 0;
}

/* ---- merge table ---- */
static uint32_t gpt2__hash64(uint64_t key, uint32_t bits) {
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}
static uint32_t gpt2__hash_bytes(const unsigned char *s, size_t n, uint32_t bits) {
    uint64_t h = 0xCBF29CE484222325ull;
    size_t i;
    for (i = 0; i < n; i++) { h ^= s[i]; h *= 0x100000001B3ull; }
    return gpt2__hash64(h, bits);
}

/* the fast-path token whose bytes are w[0..n), or -1 */
static int32_t gpt2__word_find(const gpt2_tokenizer *tok, const unsigned char *w, size_t n) {
    uint32_t mask, h;
    if (n > tok->max_word) return -1;
    mask = (1u << tok->word_bits) - 1;
    h = gpt2__hash_bytes(w, n, tok->word_bits);
    for (;;) {
        int32_t id = tok->word_slot[h];
        if (id < 0) return -1;
        if (tok->off[id + 1] - tok->off[id] == n && memcmp(tok->blob + tok->off[id], w, n) == 0) return id;
        h = (h + 1) & mask;
    }
}

static const gpt2__merge_slot *gpt2__merge_find(const gpt2_tokenizer *tok, int32_t a, int32_t b) {
    uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    uint32_t mask = (1u << tok->merge_bits) - 1, h = gpt2__hash64(key, tok->merge_bits);
    for (;;) {
        const gpt2__merge_slot *s = &tok->merges[h];
        if (s->key == key) return s;
        if (s->key == GPT2__EMPTY_KEY) return NULL;
        h = (h + 1) & mask;
    }
}

/* ---- BPE ---- */
typedef struct gpt2__heap_item { uint32_t rank; int32_t pos; } gpt2__heap_item;

/* Scratch memory for one encode call, grown as needed. */
typedef struct gpt2__scratch {
    int32_t *sym, *res, *next, *prev;
    uint32_t *rank;
    gpt2__heap_item *heap, *pending;
    size_t cap;
} gpt2__scratch;

static void gpt2__scratch_free(gpt2__scratch *sc) {
    LORA_FREE(sc->sym); LORA_FREE(sc->res); LORA_FREE(sc->next); LORA_FREE(sc->prev);
    LORA_FREE(sc->rank); LORA_FREE(sc->heap); LORA_FREE(sc->pending);
    memset(sc, 0, sizeof *sc);
}
static lora_status gpt2__scratch_reserve(gpt2__scratch *sc, size_t n) {
    size_t cap;
    if (n <= sc->cap) return LORA_OK;
    if (n > (size_t)0x7FFFFFFF) return lora__fail(LORA_ERR_UNSUPPORTED, "gpt2_encode: a pre-token of %zu bytes is too long (limit 2^31 - 1)", n);
    cap = sc->cap ? sc->cap : 256;
    while (cap < n) cap *= 2;
    if (cap > (size_t)0x7FFFFFFF) cap = (size_t)0x7FFFFFFF;
    gpt2__scratch_free(sc);
    sc->sym = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE symbols");
    sc->res = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE merge results");
    sc->rank = (uint32_t *)lora__malloc(cap * sizeof(uint32_t), "BPE pair ranks");
    if (!sc->sym || !sc->res || !sc->rank) { gpt2__scratch_free(sc); return LORA_ERR_OOM; }
    if (cap > GPT2__LONG_WORD) {
        sc->next = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE links");
        sc->prev = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE links");
        /* at most n - 1 initial pairs plus two per merge, fewer than n merges */
        sc->heap = (gpt2__heap_item *)lora__calloc(cap, 3 * sizeof(gpt2__heap_item), "BPE heap");
        sc->pending = (gpt2__heap_item *)lora__calloc(cap, 2 * sizeof(gpt2__heap_item), "BPE heap");
        if (!sc->next || !sc->prev || !sc->heap || !sc->pending) { gpt2__scratch_free(sc); return LORA_ERR_OOM; }
    }
    sc->cap = cap;
    return LORA_OK;
}

static void gpt2__pair_rank(const gpt2_tokenizer *tok, const int32_t *sym, size_t i, uint32_t *rank, int32_t *res) {
    const gpt2__merge_slot *m = gpt2__merge_find(tok, sym[i], sym[i + 1]);
    if (m) { rank[i] = m->rank; res[i] = m->id; }
    else rank[i] = GPT2__NO_RANK;
}

/* Short words: ranks of adjacent pairs in an array; each pass finds the lowest rank and merges
   its occurrences left to right, then re-ranks only the pairs next to merged symbols. */
static size_t gpt2__bpe_short(const gpt2_tokenizer *tok, gpt2__scratch *sc, size_t n) {
    int32_t *sym = sc->sym, *res = sc->res;
    uint32_t *rank = sc->rank;
    size_t i;
    int prev_merged;
    for (i = 0; i + 1 < n; i++) gpt2__pair_rank(tok, sym, i, rank, res);
    rank[n - 1] = GPT2__NO_RANK;
    while (n > 1) {
        uint32_t best = GPT2__NO_RANK;
        size_t out = 0, first = n;
        for (i = 0; i + 1 < n; i++) if (rank[i] < best) { best = rank[i]; first = i; }
        if (best == GPT2__NO_RANK) break;
        /* rank[] doubles as "merged here" marker: the merged symbol gets GPT2__NO_RANK - 1
           until re-ranked below (merge ranks are below 2^31) */
        for (out = first, i = first; i < n; out++) {
            if (i + 1 < n && rank[i] == best) {
                sym[out] = res[i];
                rank[out] = GPT2__NO_RANK - 1;
                i += 2;
            } else {
                sym[out] = sym[i]; rank[out] = rank[i]; res[out] = res[i];
                i++;
            }
        }
        n = out;
        for (i = first, prev_merged = 0; i < n; i++) {
            if (rank[i] != GPT2__NO_RANK - 1) { prev_merged = 0; continue; }
            if (i > 0 && !prev_merged) gpt2__pair_rank(tok, sym, i - 1, rank, res);
            if (i + 1 < n) gpt2__pair_rank(tok, sym, i, rank, res);
            else rank[i] = GPT2__NO_RANK;
            prev_merged = 1;
        }
    }
    return n;
}

static int gpt2__heap_less(gpt2__heap_item a, gpt2__heap_item b) {
    return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos);
}
static void gpt2__heap_push(gpt2__heap_item *h, size_t *n, gpt2__heap_item x) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!gpt2__heap_less(x, h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}
static gpt2__heap_item gpt2__heap_pop(gpt2__heap_item *h, size_t *n) {
    gpt2__heap_item top = h[0], x = h[--*n];
    size_t i = 0, m = *n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && gpt2__heap_less(h[c + 1], h[c])) c++;
        if (!gpt2__heap_less(h[c], x)) break;
        h[i] = h[c];
        i = c;
    }
    if (m) h[i] = x;
    return top;
}

/* Long words: symbols in a linked list (a merged symbol keeps its left position), candidate
   pairs in a heap ordered by (rank, position). rank[p] is the rank of the pair currently
   starting at p, so stale heap entries are recognised (a pair at a position never comes
   back: its symbols only grow). Pairs created while the occurrences of one rank are being
   merged wait in `pending` until that pass is over, as in encoder.py, so the result is the
   same as gpt2__bpe_short's for any merge table. */
static size_t gpt2__bpe_long(const gpt2_tokenizer *tok, gpt2__scratch *sc, size_t n) {
    int32_t *sym = sc->sym, *res = sc->res, *next = sc->next, *prev = sc->prev;
    uint32_t *rank = sc->rank;
    gpt2__heap_item *heap = sc->heap, *pending = sc->pending;
    size_t nh = 0, np = 0, i, out;
    uint32_t pass = GPT2__NO_RANK;
    int32_t p;
    for (i = 0; i < n; i++) {
        next[i] = i + 1 < n ? (int32_t)(i + 1) : -1;
        prev[i] = (int32_t)i - 1;
        rank[i] = GPT2__NO_RANK;
        if (i + 1 < n) {
            gpt2__pair_rank(tok, sym, i, rank, res);
            if (rank[i] != GPT2__NO_RANK) { heap[nh].rank = rank[i]; heap[nh].pos = (int32_t)i; nh++; }
        }
    }
    /* heapify: entries were added in position order, sift down from the middle */
    for (i = nh / 2; i-- > 0;) {
        gpt2__heap_item x = heap[i];
        size_t j = i;
        for (;;) {
            size_t c = 2 * j + 1;
            if (c >= nh) break;
            if (c + 1 < nh && gpt2__heap_less(heap[c + 1], heap[c])) c++;
            if (!gpt2__heap_less(heap[c], x)) break;
            heap[j] = heap[c];
            j = c;
        }
        heap[j] = x;
    }
    for (;;) {
        gpt2__heap_item top;
        int32_t q, r, l;
        if (np && (nh == 0 || heap[0].rank != pass)) { /* pass over: release the deferred pairs */
            for (i = 0; i < np; i++)
                if (rank[pending[i].pos] == pending[i].rank) gpt2__heap_push(heap, &nh, pending[i]);
            np = 0;
            continue;
        }
        if (nh == 0) break;
        top = gpt2__heap_pop(heap, &nh);
        if (rank[top.pos] != top.rank) continue; /* stale */
        pass = top.rank;
        p = top.pos; q = next[p]; r = next[q];
        sym[p] = res[p];
        next[p] = r;
        if (r >= 0) prev[r] = p;
        rank[q] = GPT2__NO_RANK;
        rank[p] = GPT2__NO_RANK;
        for (l = prev[p]; ; l = p) { /* the pairs (prev, p) and (p, next) are new */
            if (l >= 0 && next[l] >= 0) {
                const gpt2__merge_slot *m = gpt2__merge_find(tok, sym[l], sym[next[l]]);
                if (m) {
                    gpt2__heap_item x;
                    rank[l] = m->rank; res[l] = m->id;
                    x.rank = m->rank; x.pos = l;
                    /* a pair ranked above this pass cannot be popped before the pass ends;
                       one ranked below must wait for it (encoder.py merges all occurrences
                       of a pair before looking at any other) */
                    if (x.rank > pass) gpt2__heap_push(heap, &nh, x);
                    else pending[np++] = x;
                } else {
                    rank[l] = GPT2__NO_RANK;
                }
            }
            if (l == p) break;
        }
    }
    out = 0;
    for (p = 0; p >= 0; p = next[p]) sym[out++] = sym[p];
    return out;
}

/* Encodes one pre-token, appending its ids. */
typedef struct gpt2__ids { int32_t *v; size_t n, cap; } gpt2__ids;
static lora_status gpt2__ids_reserve(gpt2__ids *ids, size_t extra) {
    size_t cap;
    int32_t *v;
    if (ids->n + extra <= ids->cap) return LORA_OK;
    cap = ids->cap ? ids->cap : 64;
    while (cap < ids->n + extra) cap *= 2;
    v = (int32_t *)lora__realloc(ids->v, cap * sizeof(int32_t), "token ids");
    if (!v) return LORA_ERR_OOM;
    ids->v = v; ids->cap = cap;
    return LORA_OK;
}

static lora_status gpt2__bpe(const gpt2_tokenizer *tok, gpt2__scratch *sc, const unsigned char *w, size_t n, gpt2__ids *ids) {
    lora_status s;
    size_t i, m;
    if (n == 1) {
        if ((s = gpt2__ids_reserve(ids, 1)) != LORA_OK) return s;
        ids->v[ids->n++] = tok->byte_id[w[0]];
        return LORA_OK;
    }
    if (tok->word_slot) {
        int32_t id = gpt2__word_find(tok, w, n);
        if (id >= 0) {
            if ((s = gpt2__ids_reserve(ids, 1)) != LORA_OK) return s;
            ids->v[ids->n++] = id;
            return LORA_OK;
        }
    }
    if ((s = gpt2__scratch_reserve(sc, n)) != LORA_OK) return s;
    for (i = 0; i < n; i++) sc->sym[i] = tok->byte_id[w[i]];
    m = n > GPT2__LONG_WORD ? gpt2__bpe_long(tok, sc, n) : gpt2__bpe_short(tok, sc, n);
    if ((s = gpt2__ids_reserve(ids, m)) != LORA_OK) return s;
    memcpy(ids->v + ids->n, sc->sym, m * sizeof(int32_t));
    ids->n += m;
    return LORA_OK;
}

static lora_status gpt2__encode_text(const gpt2_tokenizer *tok, gpt2__scratch *sc, const unsigned char *s, size_t n, gpt2__ids *ids) {
    size_t i = 0;
    while (i < n) {
        size_t k = gpt2__pretoken(s + i, n - i);
        lora_status st = gpt2__bpe(tok, sc, s + i, k, ids);
        if (st != LORA_OK) return st;
        i += k;
    }
    return LORA_OK;
}

LORA_API lora_status gpt2_encode(const gpt2_tokenizer *tok, const char *text, size_t len, int allow_special,
                                 int32_t **ids_out, size_t *n_ids) {
    static const char eot_text[] = "<|endoftext|>";
    const size_t eot_len = sizeof eot_text - 1;
    const unsigned char *s = (const unsigned char *)text;
    gpt2__scratch sc;
    gpt2__ids ids;
    lora_status st = LORA_OK;
    if (ids_out) *ids_out = NULL;
    if (n_ids) *n_ids = 0;
    if (!tok || !ids_out || !n_ids || (!text && len))
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_encode: NULL argument");
    memset(&sc, 0, sizeof sc);
    memset(&ids, 0, sizeof ids);
    if ((st = gpt2__ids_reserve(&ids, len / 4 + 16)) != LORA_OK) return st;
    if (allow_special && tok->eot >= 0) {
        size_t start = 0, i = 0;
        while (i + eot_len <= len) {
            const unsigned char *hit = (const unsigned char *)memchr(s + i, '<', len - eot_len + 1 - i);
            if (!hit) break;
            i = (size_t)(hit - s);
            if (memcmp(hit, eot_text, eot_len) != 0) { i++; continue; }
            if ((st = gpt2__encode_text(tok, &sc, s + start, i - start, &ids)) != LORA_OK) goto done;
            if ((st = gpt2__ids_reserve(&ids, 1)) != LORA_OK) goto done;
            ids.v[ids.n++] = tok->eot;
            i += eot_len;
            start = i;
        }
        st = gpt2__encode_text(tok, &sc, s + start, len - start, &ids);
    } else {
        st = gpt2__encode_text(tok, &sc, s, len, &ids);
    }
done:
    gpt2__scratch_free(&sc);
    if (st != LORA_OK) { LORA_FREE(ids.v); return st; }
    *ids_out = ids.v;
    *n_ids = ids.n;
    return LORA_OK;
}

LORA_API const char *gpt2_token_bytes(const gpt2_tokenizer *tok, int32_t id, size_t *len) {
    if (len) *len = 0;
    if (!tok || id < 0 || id >= tok->n_vocab || tok->off[id] == tok->off[id + 1]) return NULL;
    if (len) *len = tok->off[id + 1] - tok->off[id];
    return tok->blob + tok->off[id];
}

LORA_API lora_status gpt2_decode(const gpt2_tokenizer *tok, const int32_t *ids, size_t n_ids, char **text, size_t *len) {
    size_t i, total = 0;
    char *out;
    if (text) *text = NULL;
    if (len) *len = 0;
    if (!tok || !text || !len || (!ids && n_ids)) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_decode: NULL argument");
    for (i = 0; i < n_ids; i++) {
        int32_t id = ids[i];
        if (id < 0 || id >= tok->n_vocab || tok->off[id] == tok->off[id + 1])
            return lora__fail(LORA_ERR_RANGE, "gpt2_decode: id %ld at position %zu is not in the vocabulary (size %d)",
                              (long)id, i, (int)tok->n_vocab);
        total += tok->off[id + 1] - tok->off[id];
    }
    out = (char *)lora__malloc(total + 1, "decoded text");
    if (!out) return LORA_ERR_OOM;
    total = 0;
    for (i = 0; i < n_ids; i++) {
        uint32_t a = tok->off[ids[i]], b = tok->off[ids[i] + 1];
        memcpy(out + total, tok->blob + a, b - a);
        total += b - a;
    }
    out[total] = 0;
    *text = out;
    *len = total;
    return LORA_OK;
}

LORA_API int gpt2_tokenizer_vocab_size(const gpt2_tokenizer *tok) { return tok ? (int)tok->n_vocab : 0; }

LORA_API void gpt2_tokenizer_free(gpt2_tokenizer *tok) {
    if (!tok) return;
    LORA_FREE(tok->blob);
    LORA_FREE(tok->off);
    LORA_FREE(tok->merges);
    LORA_FREE(tok->word_slot);
    LORA_FREE(tok);
}

/* ---- loading ---- */

/* Printable rendering of a symbol for error messages (at most ~60 bytes shown). */
static const char *gpt2__show(const char *s, size_t n, char *buf, size_t cap) {
    size_t i, o = 0;
    for (i = 0; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') buf[o++] = (char)c;
        else o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", c);
    }
    if (i < n && o + 4 <= cap) { memcpy(buf + o, "...", 3); o += 3; }
    buf[o] = 0;
    return buf;
}

/* Byte-level symbol (UTF-8 text over the bytes_to_unicode alphabet) -> bytes. out needs n
   bytes. Returns the byte length, or -1 if s holds a character outside the alphabet. */
static long gpt2__symbol_bytes(const int16_t *u2b, const char *s, size_t n, unsigned char *out) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = gpt2__utf8_decode(p + i, n - i, &cp);
        if (!k || cp >= 324 || u2b[cp] < 0) return -1;
        out[o++] = (unsigned char)u2b[cp];
        i += k;
    }
    return (long)o;
}

/* bytes -> id map used while loading (open addressing over ids, -1 = free) */
typedef struct gpt2__vocab_map { int32_t *slot; uint32_t bits; const gpt2_tokenizer *tok; const uint32_t *len; } gpt2__vocab_map;
static int32_t *gpt2__vocab_slot(const gpt2__vocab_map *m, const unsigned char *s, size_t n) {
    uint32_t mask = (1u << m->bits) - 1, h = gpt2__hash_bytes(s, n, m->bits);
    for (;;) {
        int32_t *slot = &m->slot[h], id = *slot;
        if (id < 0) return slot;
        if (m->len[id] == n && memcmp(m->tok->blob + m->tok->off[id], s, n) == 0) return slot;
        h = (h + 1) & mask;
    }
}
static int32_t gpt2__vocab_find(const gpt2__vocab_map *m, const unsigned char *s, size_t n) { return *gpt2__vocab_slot(m, s, n); }

static uint32_t gpt2__bits_for(size_t n) { /* table size >= 2n, at least 16 */
    uint32_t bits = 4;
    while (bits < 31 && ((size_t)1 << bits) < 2 * n) bits++;
    return bits;
}

static lora_status gpt2__load_vocab(gpt2_tokenizer *tok, const char *vocab, size_t vocab_len, const char *vname,
                                    const int16_t *u2b, gpt2__vocab_map *map, uint32_t **len_out) {
    lora_json *root = NULL;
    lora_status st;
    size_t i, total = 0, pos = 0;
    int32_t max_id = -1;
    uint32_t *len = NULL;
    char show[96];
    *len_out = NULL;
    if (vocab_len >= 0xFFFFFFFFu) return lora__fail(LORA_ERR_UNSUPPORTED, "%s: vocabulary file too large (%zu bytes)", vname, vocab_len);
    st = lora_json_parse(vocab, vocab_len, vname, &root);
    if (st != LORA_OK) return st;
    if (root->type != LORA_JSON_OBJECT) {
        lora_json_free(root);
        return lora__fail(LORA_ERR_FORMAT, "%s: expected a JSON object mapping token strings to ids", vname);
    }
    if (root->n == 0) { lora_json_free(root); return lora__fail(LORA_ERR_FORMAT, "%s: the vocabulary is empty", vname); }
    for (i = 0; i < root->n; i++) {
        const lora_json *v = &root->items[i];
        double d = v->number;
        if (v->type != LORA_JSON_NUMBER || !(d >= 0 && d < GPT2__MAX_ID) || d != (double)(int32_t)d) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): expected an integer id in [0, %d)", vname, i + 1,
                            gpt2__show(root->keys[i], root->key_lens[i], show, sizeof show), GPT2__MAX_ID);
            goto fail;
        }
        if (root->key_lens[i] == 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu: empty token string", vname, i + 1);
            goto fail;
        }
        if ((int32_t)d > max_id) max_id = (int32_t)d;
        total += root->key_lens[i];
    }
    tok->n_vocab = max_id + 1;
    tok->blob = (char *)lora__malloc(total, "vocabulary bytes");
    tok->off = (uint32_t *)lora__calloc((size_t)tok->n_vocab + 1, sizeof(uint32_t), "vocabulary offsets");
    len = (uint32_t *)lora__calloc((size_t)tok->n_vocab + 1, sizeof(uint32_t), "vocabulary lengths");
    map->bits = gpt2__bits_for(root->n);
    map->slot = (int32_t *)lora__malloc(((size_t)1 << map->bits) * sizeof(int32_t), "vocabulary hash table");
    map->tok = tok; map->len = len;
    if (!tok->blob || !tok->off || !len || !map->slot) { st = LORA_ERR_OOM; goto fail; }
    memset(map->slot, 0xFF, ((size_t)1 << map->bits) * sizeof(int32_t));
    for (i = 0; i < root->n; i++) {
        int32_t id = (int32_t)root->items[i].number, *slot;
        long n = gpt2__symbol_bytes(u2b, root->keys[i], root->key_lens[i], (unsigned char *)tok->blob + pos);
        if (n < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): not a byte-level BPE token (characters must be "
                            "bytes_to_unicode's)", vname, i + 1, gpt2__show(root->keys[i], root->key_lens[i], show, sizeof show));
            goto fail;
        }
        if (len[id]) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): id %ld is used twice", vname, i + 1,
                            gpt2__show(root->keys[i], root->key_lens[i], show, sizeof show), (long)id);
            goto fail;
        }
        tok->off[id] = (uint32_t)pos;
        len[id] = (uint32_t)n;
        slot = gpt2__vocab_slot(map, (const unsigned char *)tok->blob + pos, (size_t)n);
        if (*slot >= 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): duplicate token (ids %ld and %ld)", vname, i + 1,
                            gpt2__show(root->keys[i], root->key_lens[i], show, sizeof show), (long)*slot, (long)id);
            goto fail;
        }
        *slot = id;
        pos += (size_t)n;
    }
    lora_json_free(root);
    *len_out = len;
    return LORA_OK;
fail:
    lora_json_free(root);
    LORA_FREE(len);
    return st;
}

static lora_status gpt2__load_merges(gpt2_tokenizer *tok, const char *text, size_t n, const char *mname,
                                     const int16_t *u2b, const gpt2__vocab_map *map) {
    size_t i, lines = 1, line = 0, max_line = 0, count = 0;
    unsigned char *buf;
    char show[96];
    lora_status st = LORA_OK;
    for (i = 0; i < n; i++) {
        if (text[i] == '\n') { lines++; line = 0; }
        else if (++line > max_line) max_line = line;
    }
    tok->merge_bits = gpt2__bits_for(lines);
    tok->merges = (gpt2__merge_slot *)lora__malloc(((size_t)1 << tok->merge_bits) * sizeof(gpt2__merge_slot), "merge table");
    buf = (unsigned char *)lora__malloc(2 * max_line + 1, "merge symbols");
    if (!tok->merges || !buf) { LORA_FREE(buf); return LORA_ERR_OOM; }
    for (i = 0; i < ((size_t)1 << tok->merge_bits); i++) tok->merges[i].key = GPT2__EMPTY_KEY;
    line = 0;
    for (i = 0; i < n;) {
        const char *s = text + i, *nl = (const char *)memchr(s, '\n', n - i), *sp;
        size_t k = nl ? (size_t)(nl - s) : n - i, ka;
        long la, lb;
        int32_t a, b, c;
        uint64_t key;
        uint32_t h, mask = (1u << tok->merge_bits) - 1;
        i += k + (nl != NULL);
        line++;
        if (k && s[k - 1] == '\r') k--;
        if (k == 0 || (k >= 8 && memcmp(s, "#version", 8) == 0)) continue;
        sp = (const char *)memchr(s, ' ', k);
        ka = sp ? (size_t)(sp - s) : 0;
        if (!sp || ka == 0 || ka + 1 == k || memchr(sp + 1, ' ', k - ka - 1)) {
            st = lora__fail(LORA_ERR_FORMAT, "%s:%zu: expected two symbols separated by one space, found \"%s\"", mname,
                            line, gpt2__show(s, k, show, sizeof show));
            break;
        }
        la = gpt2__symbol_bytes(u2b, s, ka, buf);
        lb = la < 0 ? -1 : gpt2__symbol_bytes(u2b, sp + 1, k - ka - 1, buf + la);
        if (la < 0 || lb < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s:%zu: \"%s\" is not a byte-level BPE symbol", mname, line,
                            la < 0 ? gpt2__show(s, ka, show, sizeof show) : gpt2__show(sp + 1, k - ka - 1, show, sizeof show));
            break;
        }
        a = gpt2__vocab_find(map, buf, (size_t)la);
        b = gpt2__vocab_find(map, buf + la, (size_t)lb);
        c = gpt2__vocab_find(map, buf, (size_t)(la + lb));
        if (a < 0 || b < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s:%zu: symbol \"%s\" is not in the vocabulary", mname, line,
                            a < 0 ? gpt2__show(s, ka, show, sizeof show) : gpt2__show(sp + 1, k - ka - 1, show, sizeof show));
            break;
        }
        if (c < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s:%zu: \"%s\": the merged symbol is not in the vocabulary", mname, line,
                            gpt2__show(s, k, show, sizeof show));
            break;
        }
        /* insert; a pair listed twice keeps its last rank, as Python's dict(zip(merges, ranks)) */
        key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
        h = gpt2__hash64(key, tok->merge_bits);
        while (tok->merges[h].key != GPT2__EMPTY_KEY && tok->merges[h].key != key) h = (h + 1) & mask;
        tok->merges[h].key = key;
        tok->merges[h].rank = (uint32_t)count++;
        tok->merges[h].id = c;
    }
    LORA_FREE(buf);
    tok->n_merges = count;
    return st;
}

/* Finds the tokens that BPE maps their own bytes to, for gpt2__word_find. */
static lora_status gpt2__build_words(gpt2_tokenizer *tok) {
    gpt2__scratch sc;
    lora_status st = LORA_OK;
    size_t count = 0, i, m, n;
    int32_t id;
    unsigned char *whole = (unsigned char *)lora__calloc((size_t)tok->n_vocab, 1, "vocabulary flags");
    if (!whole) return LORA_ERR_OOM;
    memset(&sc, 0, sizeof sc);
    for (id = 0; id < tok->n_vocab; id++) {
        const unsigned char *w = (const unsigned char *)tok->blob + tok->off[id];
        n = tok->off[id + 1] - tok->off[id];
        if (n < 2) continue;
        if ((st = gpt2__scratch_reserve(&sc, n)) != LORA_OK) goto done;
        for (i = 0; i < n; i++) sc.sym[i] = tok->byte_id[w[i]];
        m = n > GPT2__LONG_WORD ? gpt2__bpe_long(tok, &sc, n) : gpt2__bpe_short(tok, &sc, n);
        if (m == 1 && sc.sym[0] == id) { whole[id] = 1; count++; if (n > tok->max_word) tok->max_word = n; }
    }
    tok->word_bits = gpt2__bits_for(count);
    tok->word_slot = (int32_t *)lora__malloc(((size_t)1 << tok->word_bits) * sizeof(int32_t), "word table");
    if (!tok->word_slot) { st = LORA_ERR_OOM; goto done; }
    memset(tok->word_slot, 0xFF, ((size_t)1 << tok->word_bits) * sizeof(int32_t));
    for (id = 0; id < tok->n_vocab; id++) {
        uint32_t h, mask = (1u << tok->word_bits) - 1;
        if (!whole[id]) continue;
        h = gpt2__hash_bytes((const unsigned char *)tok->blob + tok->off[id], tok->off[id + 1] - tok->off[id], tok->word_bits);
        while (tok->word_slot[h] >= 0) h = (h + 1) & mask;
        tok->word_slot[h] = id;
    }
done:
    gpt2__scratch_free(&sc);
    LORA_FREE(whole);
    return st;
}

static lora_status gpt2__load(const char *vocab, size_t vocab_len, const char *vname, const char *merges,
                              size_t merges_len, const char *mname, gpt2_tokenizer **out) {
    gpt2_tokenizer *tok;
    gpt2__vocab_map map;
    uint32_t *len = NULL;
    int16_t u2b[324];
    lora_status st;
    int b;
    int32_t i;
    *out = NULL;
    memset(&map, 0, sizeof map);
    tok = (gpt2_tokenizer *)lora__calloc(1, sizeof *tok, "tokenizer");
    if (!tok) return LORA_ERR_OOM;
    gpt2__unicode_to_byte_table(u2b);
    st = gpt2__load_vocab(tok, vocab, vocab_len, vname, u2b, &map, &len);
    if (st != LORA_OK) goto fail;
    for (b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        tok->byte_id[b] = gpt2__vocab_find(&map, &c, 1);
        if (tok->byte_id[b] < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: no token for the byte 0x%02X (a byte-level vocabulary needs all 256)", vname, b);
            goto fail;
        }
    }
    tok->eot = gpt2__vocab_find(&map, (const unsigned char *)"<|endoftext|>", 13);
    st = gpt2__load_merges(tok, merges, merges_len, mname, u2b, &map);
    if (st != LORA_OK) goto fail;
    /* the tokens were stored in file order; lay them out in id order, so that token i is
       blob[off[i] .. off[i + 1]) */
    {
        size_t total = 0, pos = 0;
        char *blob;
        uint32_t *off;
        for (i = 0; i < tok->n_vocab; i++) total += len[i];
        blob = (char *)lora__malloc(total, "vocabulary bytes");
        off = (uint32_t *)lora__malloc(((size_t)tok->n_vocab + 1) * sizeof(uint32_t), "vocabulary offsets");
        if (!blob || !off) { LORA_FREE(blob); LORA_FREE(off); st = LORA_ERR_OOM; goto fail; }
        for (i = 0; i < tok->n_vocab; i++) {
            off[i] = (uint32_t)pos;
            memcpy(blob + pos, tok->blob + tok->off[i], len[i]);
            pos += len[i];
        }
        off[tok->n_vocab] = (uint32_t)pos;
        LORA_FREE(tok->blob); LORA_FREE(tok->off);
        tok->blob = blob; tok->off = off;
    }
    LORA_FREE(len);
    LORA_FREE(map.slot);
    len = NULL; map.slot = NULL;
    st = gpt2__build_words(tok);
    if (st != LORA_OK) goto fail;
    *out = tok;
    return LORA_OK;
fail:
    LORA_FREE(len);
    LORA_FREE(map.slot);
    gpt2_tokenizer_free(tok);
    return st;
}

LORA_API lora_status gpt2_tokenizer_load_memory(const char *vocab_json, size_t vocab_len, const char *merges,
                                                size_t merges_len, gpt2_tokenizer **out) {
    if (out) *out = NULL;
    if (!out || (!vocab_json && vocab_len) || (!merges && merges_len))
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_tokenizer_load_memory: NULL argument");
    return gpt2__load(vocab_json ? vocab_json : "", vocab_len, "vocab JSON", merges ? merges : "", merges_len, "merges", out);
}

LORA_API lora_status gpt2_tokenizer_load_files(const char *vocab_json_path, const char *merges_path, gpt2_tokenizer **out) {
    char *v = NULL, *m = NULL;
    size_t vn = 0, mn = 0;
    lora_status st;
    if (out) *out = NULL;
    if (!vocab_json_path || !merges_path || !out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_tokenizer_load_files: NULL argument");
    st = lora__read_file(vocab_json_path, &v, &vn);
    if (st == LORA_OK) st = lora__read_file(merges_path, &m, &mn);
    if (st == LORA_OK) st = gpt2__load(v, vn, vocab_json_path, m, mn, merges_path, out);
    LORA_FREE(v);
    LORA_FREE(m);
    return st;
}

static int gpt2__file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

LORA_API lora_status gpt2_tokenizer_load(const char *dir, gpt2_tokenizer **out) {
    static const char *const names[2][2] = { { "encoder.json", "vocab.bpe" }, { "vocab.json", "merges.txt" } };
    int k;
    if (out) *out = NULL;
    if (!dir || !out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_tokenizer_load: NULL argument");
    for (k = 0; k < 2; k++) {
        char *v = lora__path_join(dir, names[k][0]), *m = lora__path_join(dir, names[k][1]);
        lora_status st = LORA_ERR_NOT_FOUND;
        if (!v || !m) st = LORA_ERR_OOM;
        else if (gpt2__file_exists(v)) st = gpt2_tokenizer_load_files(v, m, out);
        LORA_FREE(v);
        LORA_FREE(m);
        if (st != LORA_ERR_NOT_FOUND) return st;
    }
    return lora__fail(LORA_ERR_NOT_FOUND, "%s: no tokenizer found (expected encoder.json + vocab.bpe, or vocab.json + merges.txt)", dir);
}

/* ---- gpt2/51_unicode_tables.impl.c ---- */
/* GENERATED by tools/gen_unicode_tables.js from node v20.20.2 (Unicode 17.0); do not edit.
   Character classes of the GPT-2 pre-tokeniser as JavaScript's /\p{L}/u, /\p{N}/u and /\s/u
   define them: 1627 transitions, each (first code point << 2 | class), class
   0 = other, 1 = letter, 2 = number, 3 = whitespace. */
static const uint32_t gpt2__uclass_table[1627] = {
    0x0u, 0x27u, 0x38u, 0x83u, 0x84u, 0xc2u, 0xe8u, 0x105u,
    0x16cu, 0x185u, 0x1ecu, 0x283u, 0x284u, 0x2a9u, 0x2acu, 0x2cau,
    0x2d0u, 0x2d5u, 0x2d8u, 0x2e6u, 0x2e9u, 0x2ecu, 0x2f2u, 0x2fcu,
    0x301u, 0x35cu, 0x361u, 0x3dcu, 0x3e1u, 0xb08u, 0xb19u, 0xb48u,
    0xb81u, 0xb94u, 0xbb1u, 0xbb4u, 0xbb9u, 0xbbcu, 0xdc1u, 0xdd4u,
    0xdd9u, 0xde0u, 0xde9u, 0xdf8u, 0xdfdu, 0xe00u, 0xe19u, 0xe1cu,
    0xe21u, 0xe2cu, 0xe31u, 0xe34u, 0xe39u, 0xe88u, 0xe8du, 0xfd8u,
    0xfddu, 0x1208u, 0x1229u, 0x14c0u, 0x14c5u, 0x155cu, 0x1565u, 0x1568u,
    0x1581u, 0x1624u, 0x1741u, 0x17acu, 0x17bdu, 0x17ccu, 0x1881u, 0x192cu,
    0x1982u, 0x19a8u, 0x19b9u, 0x19c0u, 0x19c5u, 0x1b50u, 0x1b55u, 0x1b58u,
    0x1b95u, 0x1b9cu, 0x1bb9u, 0x1bc2u, 0x1be9u, 0x1bf4u, 0x1bfdu, 0x1c00u,
    0x1c41u, 0x1c44u, 0x1c49u, 0x1cc0u, 0x1d35u, 0x1e98u, 0x1ec5u, 0x1ec8u,
    0x1f02u, 0x1f29u, 0x1facu, 0x1fd1u, 0x1fd8u, 0x1fe9u, 0x1fecu, 0x2001u,
    0x2058u, 0x2069u, 0x206cu, 0x2091u, 0x2094u, 0x20a1u, 0x20a4u, 0x2101u,
    0x2164u, 0x2181u, 0x21acu, 0x21c1u, 0x2220u, 0x2225u, 0x2240u, 0x2281u,
    0x2328u, 0x2411u, 0x24e8u, 0x24f5u, 0x24f8u, 0x2541u, 0x2544u, 0x2561u,
    0x2588u, 0x259au, 0x25c0u, 0x25c5u, 0x2604u, 0x2615u, 0x2634u, 0x263du,
    0x2644u, 0x264du, 0x26a4u, 0x26a9u, 0x26c4u, 0x26c9u, 0x26ccu, 0x26d9u,
    0x26e8u, 0x26f5u, 0x26f8u, 0x2739u, 0x273cu, 0x2771u, 0x2778u, 0x277du,
    0x2788u, 0x279au, 0x27c1u, 0x27c8u, 0x27d2u, 0x27e8u, 0x27f1u, 0x27f4u,
    0x2815u, 0x282cu, 0x283du, 0x2844u, 0x284du, 0x28a4u, 0x28a9u, 0x28c4u,
    0x28c9u, 0x28d0u, 0x28d5u, 0x28dcu, 0x28e1u, 0x28e8u, 0x2965u, 0x2974u,
    0x2979u, 0x297cu, 0x299au, 0x29c0u, 0x29c9u, 0x29d4u, 0x2a15u, 0x2a38u,
    0x2a3du, 0x2a48u, 0x2a4du, 0x2aa4u, 0x2aa9u, 0x2ac4u, 0x2ac9u, 0x2ad0u,
    0x2ad5u, 0x2ae8u, 0x2af5u, 0x2af8u, 0x2b41u, 0x2b44u, 0x2b81u, 0x2b88u,
    0x2b9au, 0x2bc0u, 0x2be5u, 0x2be8u, 0x2c15u, 0x2c34u, 0x2c3du, 0x2c44u,
    0x2c4du, 0x2ca4u, 0x2ca9u, 0x2cc4u, 0x2cc9u, 0x2cd0u, 0x2cd5u, 0x2ce8u,
    0x2cf5u, 0x2cf8u, 0x2d71u, 0x2d78u, 0x2d7du, 0x2d88u, 0x2d9au, 0x2dc0u,
    0x2dc5u, 0x2dcau, 0x2de0u, 0x2e0du, 0x2e10u, 0x2e15u, 0x2e2cu, 0x2e39u,
    0x2e44u, 0x2e49u, 0x2e58u, 0x2e65u, 0x2e6cu, 0x2e71u, 0x2e74u, 0x2e79u,
    0x2e80u, 0x2e8du, 0x2e94u, 0x2ea1u, 0x2eacu, 0x2eb9u, 0x2ee8u, 0x2f41u,
    0x2f44u, 0x2f9au, 0x2fccu, 0x3015u, 0x3034u, 0x3039u, 0x3044u, 0x3049u,
    0x30a4u, 0x30a9u, 0x30e8u, 0x30f5u, 0x30f8u, 0x3161u, 0x316cu, 0x3171u,
    0x3178u, 0x3181u, 0x3188u, 0x319au, 0x31c0u, 0x31e2u, 0x31fcu, 0x3201u,
    0x3204u, 0x3215u, 0x3234u, 0x3239u, 0x3244u, 0x3249u, 0x32a4u, 0x32a9u,
    0x32d0u, 0x32d5u, 0x32e8u, 0x32f5u, 0x32f8u, 0x3371u, 0x337cu, 0x3381u,
    0x3388u, 0x339au, 0x33c0u, 0x33c5u, 0x33ccu, 0x3411u, 0x3434u, 0x3439u,
    0x3444u, 0x3449u, 0x34ecu, 0x34f5u, 0x34f8u, 0x3539u, 0x353cu, 0x3551u,
    0x355cu, 0x3562u, 0x357du, 0x3588u, 0x359au, 0x35e4u, 0x35e9u, 0x3600u,
    0x3615u, 0x365cu, 0x3669u, 0x36c8u, 0x36cdu, 0x36f0u, 0x36f5u, 0x36f8u,
    0x3701u, 0x371cu, 0x379au, 0x37c0u, 0x3805u, 0x38c4u, 0x38c9u, 0x38d0u,
    0x3901u, 0x391cu, 0x3942u, 0x3968u, 0x3a05u, 0x3a0cu, 0x3a11u, 0x3a14u,
    0x3a19u, 0x3a2cu, 0x3a31u, 0x3a90u, 0x3a95u, 0x3a98u, 0x3a9du, 0x3ac4u,
    0x3ac9u, 0x3ad0u, 0x3af5u, 0x3af8u, 0x3b01u, 0x3b14u, 0x3b19u, 0x3b1cu,
    0x3b42u, 0x3b68u, 0x3b71u, 0x3b80u, 0x3c01u, 0x3c04u, 0x3c82u, 0x3cd0u,
    0x3d01u, 0x3d20u, 0x3d25u, 0x3db4u, 0x3e21u, 0x3e34u, 0x4001u, 0x40acu,
    0x40fdu, 0x4102u, 0x4128u, 0x4141u, 0x4158u, 0x4169u, 0x4178u, 0x4185u,
    0x4188u, 0x4195u, 0x419cu, 0x41b9u, 0x41c4u, 0x41d5u, 0x4208u, 0x4239u,
    0x423cu, 0x4242u, 0x4268u, 0x4281u, 0x4318u, 0x431du, 0x4320u, 0x4335u,
    0x4338u, 0x4341u, 0x43ecu, 0x43f1u, 0x4924u, 0x4929u, 0x4938u, 0x4941u,
    0x495cu, 0x4961u, 0x4964u, 0x4969u, 0x4978u, 0x4981u, 0x4a24u, 0x4a29u,
    0x4a38u, 0x4a41u, 0x4ac4u, 0x4ac9u, 0x4ad8u, 0x4ae1u, 0x4afcu, 0x4b01u,
    0x4b04u, 0x4b09u, 0x4b18u, 0x4b21u, 0x4b5cu, 0x4b61u, 0x4c44u, 0x4c49u,
    0x4c58u, 0x4c61u, 0x4d6cu, 0x4da6u, 0x4df4u, 0x4e01u, 0x4e40u, 0x4e81u,
    0x4fd8u, 0x4fe1u, 0x4ff8u, 0x5005u, 0x59b4u, 0x59bdu, 0x5a03u, 0x5a05u,
    0x5a6cu, 0x5a81u, 0x5bacu, 0x5bbau, 0x5bc5u, 0x5be4u, 0x5c01u, 0x5c48u,
    0x5c7du, 0x5cc8u, 0x5d01u, 0x5d48u, 0x5d81u, 0x5db4u, 0x5db9u, 0x5dc4u,
    0x5e01u, 0x5ed0u, 0x5f5du, 0x5f60u, 0x5f71u, 0x5f74u, 0x5f82u, 0x5fa8u,
    0x5fc2u, 0x5fe8u, 0x6042u, 0x6068u, 0x6081u, 0x61e4u, 0x6201u, 0x6214u,
    0x621du, 0x62a4u, 0x62a9u, 0x62acu, 0x62c1u, 0x63d8u, 0x6401u, 0x647cu,
    0x651au, 0x6541u, 0x65b8u, 0x65c1u, 0x65d4u, 0x6601u, 0x66b0u, 0x66c1u,
    0x6728u, 0x6742u, 0x676cu, 0x6801u, 0x685cu, 0x6881u, 0x6954u, 0x6a02u,
    0x6a28u, 0x6a42u, 0x6a68u, 0x6a9du, 0x6aa0u, 0x6c15u, 0x6cd0u, 0x6d15u,
    0x6d34u, 0x6d42u, 0x6d68u, 0x6e0du, 0x6e84u, 0x6eb9u, 0x6ec2u, 0x6ee9u,
    0x6f98u, 0x7001u, 0x7090u, 0x7102u, 0x7128u, 0x7135u, 0x7142u, 0x7169u,
    0x71f8u, 0x7201u, 0x722cu, 0x7241u, 0x72ecu, 0x72f5u, 0x7300u, 0x73a5u,
    0x73b4u, 0x73b9u, 0x73d0u, 0x73d5u, 0x73dcu, 0x73e9u, 0x73ecu, 0x7401u,
    0x7700u, 0x7801u, 0x7c58u, 0x7c61u, 0x7c78u, 0x7c81u, 0x7d18u, 0x7d21u,
    0x7d38u, 0x7d41u, 0x7d60u, 0x7d65u, 0x7d68u, 0x7d6du, 0x7d70u, 0x7d75u,
    0x7d78u, 0x7d7du, 0x7df8u, 0x7e01u, 0x7ed4u, 0x7ed9u, 0x7ef4u, 0x7ef9u,
    0x7efcu, 0x7f09u, 0x7f14u, 0x7f19u, 0x7f34u, 0x7f41u, 0x7f50u, 0x7f59u,
    0x7f70u, 0x7f81u, 0x7fb4u, 0x7fc9u, 0x7fd4u, 0x7fd9u, 0x7ff4u, 0x8003u,
    0x802cu, 0x80a3u, 0x80a8u, 0x80bfu, 0x80c0u, 0x817fu, 0x8180u, 0x81c2u,
    0x81c5u, 0x81c8u, 0x81d2u, 0x81e8u, 0x81fdu, 0x8202u, 0x8228u, 0x8241u,
    0x8274u, 0x8409u, 0x840cu, 0x841du, 0x8420u, 0x8429u, 0x8450u, 0x8455u,
    0x8458u, 0x8465u, 0x8478u, 0x8491u, 0x8494u, 0x8499u, 0x849cu, 0x84a1u,
    0x84a4u, 0x84a9u, 0x84b8u, 0x84bdu, 0x84e8u, 0x84f1u, 0x8500u, 0x8515u,
    0x8528u, 0x8539u, 0x853cu, 0x8542u, 0x860du, 0x8616u, 0x8628u, 0x9182u,
    0x9270u, 0x93aau, 0x9400u, 0x9ddau, 0x9e50u, 0xb001u, 0xb394u, 0xb3adu,
    0xb3bcu, 0xb3c9u, 0xb3d0u, 0xb3f6u, 0xb3f8u, 0xb401u, 0xb498u, 0xb49du,
    0xb4a0u, 0xb4b5u, 0xb4b8u, 0xb4c1u, 0xb5a0u, 0xb5bdu, 0xb5c0u, 0xb601u,
    0xb65cu, 0xb681u, 0xb69cu, 0xb6a1u, 0xb6bcu, 0xb6c1u, 0xb6dcu, 0xb6e1u,
    0xb6fcu, 0xb701u, 0xb71cu, 0xb721u, 0xb73cu, 0xb741u, 0xb75cu, 0xb761u,
    0xb77cu, 0xb8bdu, 0xb8c0u, 0xc003u, 0xc004u, 0xc015u, 0xc01eu, 0xc020u,
    0xc086u, 0xc0a8u, 0xc0c5u, 0xc0d8u, 0xc0e2u, 0xc0edu, 0xc0f4u, 0xc105u,
    0xc25cu, 0xc275u, 0xc280u, 0xc285u, 0xc3ecu, 0xc3f1u, 0xc400u, 0xc415u,
    0xc4c0u, 0xc4c5u, 0xc63cu, 0xc64au, 0xc658u, 0xc681u, 0xc700u, 0xc7c1u,
    0xc800u, 0xc882u, 0xc8a8u, 0xc922u, 0xc940u, 0xc946u, 0xc980u, 0xca02u,
    0xca28u, 0xcac6u, 0xcb00u, 0xd001u, 0x13700u, 0x13801u, 0x29234u, 0x29341u,
    0x293f8u, 0x29401u, 0x29834u, 0x29841u, 0x29882u, 0x298a9u, 0x298b0u, 0x29901u,
    0x299bcu, 0x299fdu, 0x29a78u, 0x29a81u, 0x29b9au, 0x29bc0u, 0x29c5du, 0x29c80u,
    0x29c89u, 0x29e24u, 0x29e2du, 0x29f74u, 0x29fc5u, 0x2a008u, 0x2a00du, 0x2a018u,
    0x2a01du, 0x2a02cu, 0x2a031u, 0x2a08cu, 0x2a0c2u, 0x2a0d8u, 0x2a101u, 0x2a1d0u,
    0x2a209u, 0x2a2d0u, 0x2a342u, 0x2a368u, 0x2a3c9u, 0x2a3e0u, 0x2a3edu, 0x2a3f0u,
    0x2a3f5u, 0x2a3fcu, 0x2a402u, 0x2a429u, 0x2a498u, 0x2a4c1u, 0x2a51cu, 0x2a581u,
    0x2a5f4u, 0x2a611u, 0x2a6ccu, 0x2a73du, 0x2a742u, 0x2a768u, 0x2a781u, 0x2a794u,
    0x2a799u, 0x2a7c2u, 0x2a7e9u, 0x2a7fcu, 0x2a801u, 0x2a8a4u, 0x2a901u, 0x2a90cu,
    0x2a911u, 0x2a930u, 0x2a942u, 0x2a968u, 0x2a981u, 0x2a9dcu, 0x2a9e9u, 0x2a9ecu,
    0x2a9f9u, 0x2aac0u, 0x2aac5u, 0x2aac8u, 0x2aad5u, 0x2aadcu, 0x2aae5u, 0x2aaf8u,
    0x2ab01u, 0x2ab04u, 0x2ab09u, 0x2ab0cu, 0x2ab6du, 0x2ab78u, 0x2ab81u, 0x2abacu,
    0x2abc9u, 0x2abd4u, 0x2ac05u, 0x2ac1cu, 0x2ac25u, 0x2ac3cu, 0x2ac45u, 0x2ac5cu,
    0x2ac81u, 0x2ac9cu, 0x2aca1u, 0x2acbcu, 0x2acc1u, 0x2ad6cu, 0x2ad71u, 0x2ada8u,
    0x2adc1u, 0x2af8cu, 0x2afc2u, 0x2afe8u, 0x2b001u, 0x35e90u, 0x35ec1u, 0x35f1cu,
    0x35f2du, 0x35ff0u, 0x3e401u, 0x3e9b8u, 0x3e9c1u, 0x3eb68u, 0x3ec01u, 0x3ec1cu,
    0x3ec4du, 0x3ec60u, 0x3ec75u, 0x3ec78u, 0x3ec7du, 0x3eca4u, 0x3eca9u, 0x3ecdcu,
    0x3ece1u, 0x3ecf4u, 0x3ecf9u, 0x3ecfcu, 0x3ed01u, 0x3ed08u, 0x3ed0du, 0x3ed14u,
    0x3ed19u, 0x3eec8u, 0x3ef4du, 0x3f4f8u, 0x3f541u, 0x3f640u, 0x3f649u, 0x3f720u,
    0x3f7c1u, 0x3f7f0u, 0x3f9c1u, 0x3f9d4u, 0x3f9d9u, 0x3fbf4u, 0x3fbffu, 0x3fc00u,
    0x3fc42u, 0x3fc68u, 0x3fc85u, 0x3fcecu, 0x3fd05u, 0x3fd6cu, 0x3fd99u, 0x3fefcu,
    0x3ff09u, 0x3ff20u, 0x3ff29u, 0x3ff40u, 0x3ff49u, 0x3ff60u, 0x3ff69u, 0x3ff74u,
    0x40001u, 0x40030u, 0x40035u, 0x4009cu, 0x400a1u, 0x400ecu, 0x400f1u, 0x400f8u,
    0x400fdu, 0x40138u, 0x40141u, 0x40178u, 0x40201u, 0x403ecu, 0x4041eu, 0x404d0u,
    0x40502u, 0x405e4u, 0x4062au, 0x40630u, 0x40a01u, 0x40a74u, 0x40a81u, 0x40b44u,
    0x40b86u, 0x40bf0u, 0x40c01u, 0x40c82u, 0x40c90u, 0x40cb5u, 0x40d06u, 0x40d09u,
    0x40d2au, 0x40d2cu, 0x40d41u, 0x40dd8u, 0x40e01u, 0x40e78u, 0x40e81u, 0x40f10u,
    0x40f21u, 0x40f40u, 0x40f46u, 0x40f58u, 0x41001u, 0x41278u, 0x41282u, 0x412a8u,
    0x412c1u, 0x41350u, 0x41361u, 0x413f0u, 0x41401u, 0x414a0u, 0x414c1u, 0x41590u,
    0x415c1u, 0x415ecu, 0x415f1u, 0x4162cu, 0x41631u, 0x4164cu, 0x41651u, 0x41658u,
    0x4165du, 0x41688u, 0x4168du, 0x416c8u, 0x416cdu, 0x416e8u, 0x416edu, 0x416f4u,
    0x41701u, 0x417d0u, 0x41801u, 0x41cdcu, 0x41d01u, 0x41d58u, 0x41d81u, 0x41da0u,
    0x41e01u, 0x41e18u, 0x41e1du, 0x41ec4u, 0x41ec9u, 0x41eecu, 0x42001u, 0x42018u,
    0x42021u, 0x42024u, 0x42029u, 0x420d8u, 0x420ddu, 0x420e4u, 0x420f1u, 0x420f4u,
    0x420fdu, 0x42158u, 0x42162u, 0x42181u, 0x421dcu, 0x421e6u, 0x42201u, 0x4227cu,
    0x4229eu, 0x422c0u, 0x42381u, 0x423ccu, 0x423d1u, 0x423d8u, 0x423eeu, 0x42401u,
    0x4245au, 0x42470u, 0x42481u, 0x424e8u, 0x42501u, 0x42568u, 0x42601u, 0x426e0u,
    0x426f2u, 0x426f9u, 0x42702u, 0x42740u, 0x4274au, 0x42801u, 0x42804u, 0x42841u,
    0x42850u, 0x42855u, 0x42860u, 0x42865u, 0x428d8u, 0x42902u, 0x42924u, 0x42981u,
    0x429f6u, 0x429fcu, 0x42a01u, 0x42a76u, 0x42a80u, 0x42b01u, 0x42b20u, 0x42b25u,
    0x42b94u, 0x42baeu, 0x42bc0u, 0x42c01u, 0x42cd8u, 0x42d01u, 0x42d58u, 0x42d62u,
    0x42d81u, 0x42dccu, 0x42de2u, 0x42e01u, 0x42e48u, 0x42ea6u, 0x42ec0u, 0x43001u,
    0x43124u, 0x43201u, 0x432ccu, 0x43301u, 0x433ccu, 0x433eau, 0x43401u, 0x43490u,
    0x434c2u, 0x434e8u, 0x43502u, 0x43529u, 0x43598u, 0x435bdu, 0x43618u, 0x43982u,
    0x439fcu, 0x43a01u, 0x43aa8u, 0x43ac1u, 0x43ac8u, 0x43b09u, 0x43b20u, 0x43c01u,
    0x43c76u, 0x43c9du, 0x43ca0u, 0x43cc1u, 0x43d18u, 0x43d46u, 0x43d54u, 0x43dc1u,
    0x43e08u, 0x43ec1u, 0x43f16u, 0x43f30u, 0x43f81u, 0x43fdcu, 0x4400du, 0x440e0u,
    0x4414au, 0x441c0u, 0x441c5u, 0x441ccu, 0x441d5u, 0x441d8u, 0x4420du, 0x442c0u,
    0x44341u, 0x443a4u, 0x443c2u, 0x443e8u, 0x4440du, 0x4449cu, 0x444dau, 0x44500u,
    0x44511u, 0x44514u, 0x4451du, 0x44520u, 0x44541u, 0x445ccu, 0x445d9u, 0x445dcu,
    0x4460du, 0x446ccu, 0x44705u, 0x44714u, 0x44742u, 0x44769u, 0x4476cu, 0x44771u,
    0x44774u, 0x44786u, 0x447d4u, 0x44801u, 0x44848u, 0x4484du, 0x448b0u, 0x448fdu,
    0x44904u, 0x44a01u, 0x44a1cu, 0x44a21u, 0x44a24u, 0x44a29u, 0x44a38u, 0x44a3du,
    0x44a78u, 0x44a7du, 0x44aa4u, 0x44ac1u, 0x44b7cu, 0x44bc2u, 0x44be8u, 0x44c15u,
    0x44c34u, 0x44c3du, 0x44c44u, 0x44c4du, 0x44ca4u, 0x44ca9u, 0x44cc4u, 0x44cc9u,
    0x44cd0u, 0x44cd5u, 0x44ce8u, 0x44cf5u, 0x44cf8u, 0x44d41u, 0x44d44u, 0x44d75u,
    0x44d88u, 0x44e01u, 0x44e28u, 0x44e2du, 0x44e30u, 0x44e39u, 0x44e3cu, 0x44e41u,
    0x44ed8u, 0x44eddu, 0x44ee0u, 0x44f45u, 0x44f48u, 0x44f4du, 0x44f50u, 0x45001u,
    0x450d4u, 0x4511du, 0x4512cu, 0x45142u, 0x45168u, 0x4517du, 0x45188u, 0x45201u,
    0x452c0u, 0x45311u, 0x45318u, 0x4531du, 0x45320u, 0x45342u, 0x45368u, 0x45601u,
    0x456bcu, 0x45761u, 0x45770u, 0x45801u, 0x458c0u, 0x45911u, 0x45914u, 0x45942u,
    0x45968u, 0x45a01u, 0x45aacu, 0x45ae1u, 0x45ae4u, 0x45b02u, 0x45b28u, 0x45b42u,
    0x45b90u, 0x45c01u, 0x45c6cu, 0x45cc2u, 0x45cf0u, 0x45d01u, 0x45d1cu, 0x46001u,
    0x460b0u, 0x46281u, 0x46382u, 0x463ccu, 0x463fdu, 0x4641cu, 0x46425u, 0x46428u,
    0x46431u, 0x46450u, 0x46455u, 0x4645cu, 0x46461u, 0x464c0u, 0x464fdu, 0x46500u,
    0x46505u, 0x46508u, 0x46542u, 0x46568u, 0x46681u, 0x466a0u, 0x466a9u, 0x46744u,
    0x46785u, 0x46788u, 0x4678du, 0x46790u, 0x46801u, 0x46804u, 0x4682du, 0x468ccu,
    0x468e9u, 0x468ecu, 0x46941u, 0x46944u, 0x46971u, 0x46a28u, 0x46a75u, 0x46a78u,
    0x46ac1u, 0x46be4u, 0x46f01u, 0x46f84u, 0x46fc2u, 0x46fe8u, 0x47001u, 0x47024u,
    0x47029u, 0x470bcu, 0x47101u, 0x47104u, 0x47142u, 0x471b4u, 0x471c9u, 0x47240u,
    0x47401u, 0x4741cu, 0x47421u, 0x47428u, 0x4742du, 0x474c4u, 0x47519u, 0x4751cu,
    0x47542u, 0x47568u, 0x47581u, 0x47598u, 0x4759du, 0x475a4u, 0x475a9u, 0x47628u,
    0x47661u, 0x47664u, 0x47682u, 0x476a8u, 0x476c1u, 0x47770u, 0x47782u, 0x477a8u,
    0x47b81u, 0x47bccu, 0x47c09u, 0x47c0cu, 0x47c11u, 0x47c44u, 0x47c49u, 0x47cd0u,
    0x47d42u, 0x47d68u, 0x47ec1u, 0x47ec4u, 0x47f02u, 0x47f54u, 0x48001u, 0x48e68u,
    0x49002u, 0x491bcu, 0x49201u, 0x49510u, 0x4be41u, 0x4bfc4u, 0x4c001u, 0x4d0c0u,
    0x4d105u, 0x4d11cu, 0x4d181u, 0x50fecu, 0x51001u, 0x5191cu, 0x58401u, 0x58478u,
    0x584c2u, 0x584e8u, 0x5a001u, 0x5a8e4u, 0x5a901u, 0x5a97cu, 0x5a982u, 0x5a9a8u,
    0x5a9c1u, 0x5aafcu, 0x5ab02u, 0x5ab28u, 0x5ab41u, 0x5abb8u, 0x5ac01u, 0x5acc0u,
    0x5ad01u, 0x5ad10u, 0x5ad42u, 0x5ad68u, 0x5ad6eu, 0x5ad88u, 0x5ad8du, 0x5ade0u,
    0x5adf5u, 0x5ae40u, 0x5b501u, 0x5b5b4u, 0x5b5c2u, 0x5b5e8u, 0x5b901u, 0x5ba02u,
    0x5ba5cu, 0x5ba81u, 0x5bae4u, 0x5baedu, 0x5bb50u, 0x5bc01u, 0x5bd2cu, 0x5bd41u,
    0x5bd44u, 0x5be4du, 0x5be80u, 0x5bf81u, 0x5bf88u, 0x5bf8du, 0x5bf90u, 0x5bfc9u,
    0x5bfd2u, 0x5bfdcu, 0x5c001u, 0x63358u, 0x633fdu, 0x6347cu, 0x63601u, 0x637ccu,
    0x6bfc1u, 0x6bfd0u, 0x6bfd5u, 0x6bff0u, 0x6bff5u, 0x6bffcu, 0x6c001u, 0x6c48cu,
    0x6c4c9u, 0x6c4ccu, 0x6c541u, 0x6c54cu, 0x6c555u, 0x6c558u, 0x6c591u, 0x6c5a0u,
    0x6c5c1u, 0x6cbf0u, 0x6f001u, 0x6f1acu, 0x6f1c1u, 0x6f1f4u, 0x6f201u, 0x6f224u,
    0x6f241u, 0x6f268u, 0x733c2u, 0x733e8u, 0x74b02u, 0x74b50u, 0x74b82u, 0x74bd0u,
    0x74d82u, 0x74de4u, 0x75001u, 0x75154u, 0x75159u, 0x75274u, 0x75279u, 0x75280u,
    0x75289u, 0x7528cu, 0x75295u, 0x7529cu, 0x752a5u, 0x752b4u, 0x752b9u, 0x752e8u,
    0x752edu, 0x752f0u, 0x752f5u, 0x75310u, 0x75315u, 0x75418u, 0x7541du, 0x7542cu,
    0x75435u, 0x75454u, 0x75459u, 0x75474u, 0x75479u, 0x754e8u, 0x754edu, 0x754fcu,
    0x75501u, 0x75514u, 0x75519u, 0x7551cu, 0x75529u, 0x75544u, 0x75549u, 0x75a98u,
    0x75aa1u, 0x75b04u, 0x75b09u, 0x75b6cu, 0x75b71u, 0x75becu, 0x75bf1u, 0x75c54u,
    0x75c59u, 0x75cd4u, 0x75cd9u, 0x75d3cu, 0x75d41u, 0x75dbcu, 0x75dc1u, 0x75e24u,
    0x75e29u, 0x75ea4u, 0x75ea9u, 0x75f0cu, 0x75f11u, 0x75f30u, 0x75f3au, 0x76000u,
    0x77c01u, 0x77c7cu, 0x77c95u, 0x77cacu, 0x780c1u, 0x781b8u, 0x78401u, 0x784b4u,
    0x784ddu, 0x784f8u, 0x78502u, 0x78528u, 0x78539u, 0x7853cu, 0x78a41u, 0x78ab8u,
    0x78b01u, 0x78bb0u, 0x78bc2u, 0x78be8u, 0x79341u, 0x793b0u, 0x793c2u, 0x793e8u,
    0x79741u, 0x797b8u, 0x797c1u, 0x797c6u, 0x797ecu, 0x79b01u, 0x79b7cu, 0x79b81u,
    0x79b8cu, 0x79b91u, 0x79b98u, 0x79b9du, 0x79bb8u, 0x79bc1u, 0x79bd4u, 0x79bf9u,
    0x79c00u, 0x79f81u, 0x79f9cu, 0x79fa1u, 0x79fb0u, 0x79fb5u, 0x79fbcu, 0x79fc1u,
    0x79ffcu, 0x7a001u, 0x7a314u, 0x7a31eu, 0x7a340u, 0x7a401u, 0x7a510u, 0x7a52du,
    0x7a530u, 0x7a542u, 0x7a568u, 0x7b1c6u, 0x7b2b0u, 0x7b2b6u, 0x7b2c0u, 0x7b2c6u,
    0x7b2d4u, 0x7b406u, 0x7b4b8u, 0x7b4beu, 0x7b4f8u, 0x7b801u, 0x7b810u, 0x7b815u,
    0x7b880u, 0x7b885u, 0x7b88cu, 0x7b891u, 0x7b894u, 0x7b89du, 0x7b8a0u, 0x7b8a5u,
    0x7b8ccu, 0x7b8d1u, 0x7b8e0u, 0x7b8e5u, 0x7b8e8u, 0x7b8edu, 0x7b8f0u, 0x7b909u,
    0x7b90cu, 0x7b91du, 0x7b920u, 0x7b925u, 0x7b928u, 0x7b92du, 0x7b930u, 0x7b935u,
    0x7b940u, 0x7b945u, 0x7b94cu, 0x7b951u, 0x7b954u, 0x7b95du, 0x7b960u, 0x7b965u,
    0x7b968u, 0x7b96du, 0x7b970u, 0x7b975u, 0x7b978u, 0x7b97du, 0x7b980u, 0x7b985u,
    0x7b98cu, 0x7b991u, 0x7b994u, 0x7b99du, 0x7b9acu, 0x7b9b1u, 0x7b9ccu, 0x7b9d1u,
    0x7b9e0u, 0x7b9e5u, 0x7b9f4u, 0x7b9f9u, 0x7b9fcu, 0x7ba01u, 0x7ba28u, 0x7ba2du,
    0x7ba70u, 0x7ba85u, 0x7ba90u, 0x7ba95u, 0x7baa8u, 0x7baadu, 0x7baf0u, 0x7c402u,
    0x7c434u, 0x7efc2u, 0x7efe8u, 0x80001u, 0xa9b80u, 0xa9c01u, 0xae078u, 0xae081u,
    0xb3ab8u, 0xb3ac1u, 0xbaf84u, 0xbafc1u, 0xbb978u, 0xbe001u, 0xbe878u, 0xc0001u,
    0xc4d2cu, 0xc4d41u, 0xcd1e8u,
};
static int gpt2__uclass(uint32_t cp) {
    size_t lo = 0, hi = sizeof gpt2__uclass_table / sizeof gpt2__uclass_table[0];
    uint32_t key = cp << 2 | 3u;
    while (hi - lo > 1) { /* invariant: table[lo] <= key < table[hi] */
        size_t mid = lo + (hi - lo) / 2;
        if (gpt2__uclass_table[mid] <= key) lo = mid; else hi = mid;
    }
    return (int)(gpt2__uclass_table[lo] & 3u);
}

/* ---- gpt2/60_data.impl.c ---- */
/* ---- training data ---- */

#define GPT2__IGNORE (-100)

LORA_API gpt2_data_config gpt2_data_config_init(void) {
    gpt2_data_config c;
    c.format = GPT2_DATA_AUTO;
    c.mask_prompt = 1;
    c.add_eot = 1;
    c.pack = 1;
    c.seq = 1024;
    return c;
}

LORA_API void gpt2_data_free(gpt2_dataset *ds) {
    if (!ds) return;
    LORA_FREE(ds->tokens);
    LORA_FREE(ds->labels);
    LORA_FREE(ds->sample_start);
    LORA_FREE(ds);
}

/* Growable dataset under construction. */
typedef struct gpt2__dsb {
    gpt2_dataset *ds;
    size_t cap, scap;
} gpt2__dsb;

static lora_status gpt2__dsb_init(gpt2__dsb *b, size_t cap, size_t scap) {
    gpt2_dataset *ds;
    memset(b, 0, sizeof *b);
    if (cap == 0) cap = 1;
    if (scap == 0) scap = 1;
    if (cap > (size_t)-1 / sizeof(int32_t) || scap >= (size_t)-1 / sizeof(size_t))
        return lora__fail(LORA_ERR_OOM, "dataset of %zu tokens is too large", cap);
    ds = (gpt2_dataset *)lora__calloc(1, sizeof *ds, "dataset");
    if (!ds) return LORA_ERR_OOM;
    ds->tokens = (int32_t *)lora__malloc(cap * sizeof(int32_t), "dataset tokens");
    ds->labels = (int32_t *)lora__malloc(cap * sizeof(int32_t), "dataset labels");
    ds->sample_start = (size_t *)lora__malloc((scap + 1) * sizeof(size_t), "dataset sample offsets");
    if (!ds->tokens || !ds->labels || !ds->sample_start) { gpt2_data_free(ds); return LORA_ERR_OOM; }
    ds->sample_start[0] = 0;
    b->ds = ds; b->cap = cap; b->scap = scap;
    return LORA_OK;
}

static lora_status gpt2__dsb_reserve(gpt2__dsb *b, size_t extra) {
    size_t need, cap;
    int32_t *p;
    if (extra > (size_t)-1 / sizeof(int32_t) - b->ds->n_tokens)
        return lora__fail(LORA_ERR_OOM, "dataset too large (%zu + %zu tokens)", b->ds->n_tokens, extra);
    need = b->ds->n_tokens + extra;
    if (need <= b->cap) return LORA_OK;
    cap = b->cap;
    while (cap < need) cap = cap > (size_t)-1 / (2 * sizeof(int32_t)) ? need : cap * 2;
    p = (int32_t *)lora__realloc(b->ds->tokens, cap * sizeof(int32_t), "dataset tokens");
    if (!p) return LORA_ERR_OOM;
    b->ds->tokens = p;
    p = (int32_t *)lora__realloc(b->ds->labels, cap * sizeof(int32_t), "dataset labels");
    if (!p) return LORA_ERR_OOM;
    b->ds->labels = p;
    b->cap = cap;
    return LORA_OK;
}

/* Appends n ids; labels are the ids, or -100 when masked. */
static LORA__UNUSED lora_status gpt2__dsb_push(gpt2__dsb *b, const int32_t *ids, size_t n, int masked) {
    size_t i, at;
    lora_status s = gpt2__dsb_reserve(b, n);
    if (s != LORA_OK) return s;
    at = b->ds->n_tokens;
    for (i = 0; i < n; i++) {
        b->ds->tokens[at + i] = ids[i];
        b->ds->labels[at + i] = masked ? GPT2__IGNORE : ids[i];
    }
    b->ds->n_tokens += n;
    return LORA_OK;
}

/* Closes the current sample (tokens since the last boundary). */
static LORA__UNUSED lora_status gpt2__dsb_end_sample(gpt2__dsb *b) {
    gpt2_dataset *ds = b->ds;
    if (ds->n_samples + 1 > b->scap) {
        size_t scap = b->scap * 2;
        size_t *p;
        if (scap >= (size_t)-1 / sizeof(size_t)) return lora__fail(LORA_ERR_OOM, "too many samples");
        p = (size_t *)lora__realloc(ds->sample_start, (scap + 1) * sizeof(size_t), "dataset sample offsets");
        if (!p) return LORA_ERR_OOM;
        ds->sample_start = p;
        b->scap = scap;
    }
    ds->n_samples++;
    ds->sample_start[ds->n_samples] = ds->n_tokens;
    return LORA_OK;
}

/* Hands the dataset out (arrays kept at their capacity). */
static gpt2_dataset *gpt2__dsb_finish(gpt2__dsb *b) {
    gpt2_dataset *ds = b->ds;
    b->ds = NULL;
    return ds;
}
static void gpt2__dsb_abort(gpt2__dsb *b) { gpt2_data_free(b->ds); b->ds = NULL; }

/* Builds a dataset from ids (+ optional labels), one sample ending after each EOT. */
static lora_status gpt2__ds_from_ids(const int32_t *ids, const int32_t *labels, size_t n, gpt2_dataset **out) {
    gpt2__dsb b;
    size_t i, n_eot = 0;
    lora_status s;
    for (i = 0; i < n; i++) n_eot += ids[i] == GPT2_EOT;
    s = gpt2__dsb_init(&b, n, n_eot + 1);
    if (s != LORA_OK) return s;
    if (n) memcpy(b.ds->tokens, ids, n * sizeof(int32_t));
    if (n) memcpy(b.ds->labels, labels ? labels : ids, n * sizeof(int32_t));
    b.ds->n_tokens = n;
    for (i = 0; i < n; i++) {
        if (ids[i] == GPT2_EOT || i + 1 == n) {
            b.ds->n_samples++;
            b.ds->sample_start[b.ds->n_samples] = i + 1;
        }
    }
    *out = gpt2__dsb_finish(&b);
    return LORA_OK;
}

LORA_API lora_status gpt2_data_from_tokens(const int32_t *ids, const int32_t *labels, size_t n, gpt2_dataset **out) {
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_from_tokens: out is NULL");
    *out = NULL;
    if (!ids && n) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_from_tokens: ids is NULL");
    return gpt2__ds_from_ids(ids, labels, n, out);
}

/* ---- token files ---- */
#define GPT2__LLMC_MAGIC 20240520
#define GPT2__LLMC_HEADER_BYTES 1024

static uint32_t gpt2__le32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

LORA_API lora_status gpt2_data_load_tokens(const char *path, int vocab, gpt2_dataset **out) {
    char *buf = NULL;
    size_t len = 0, off = 0, n, i, n_eot = 0;
    const unsigned char *u;
    uint32_t magic = 0;
    lora_status s;
    gpt2__dsb b;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_load_tokens: out is NULL");
    *out = NULL;
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_load_tokens: path is NULL");
    s = lora__read_file(path, &buf, &len);
    if (s != LORA_OK) return s;
    u = (const unsigned char *)buf;
    if (len >= 4) magic = gpt2__le32(u);
    if (magic == GPT2__LLMC_MAGIC) {
        uint32_t version, ntok;
        if (len < GPT2__LLMC_HEADER_BYTES) {
            LORA_FREE(buf);
            return lora__fail(LORA_ERR_FORMAT, "%s: llm.c token file (magic %d) with a truncated header: "
                              "%zu of %d bytes", path, GPT2__LLMC_MAGIC, len, GPT2__LLMC_HEADER_BYTES);
        }
        version = gpt2__le32(u + 4);
        ntok = gpt2__le32(u + 8);
        if (version != 1) {
            LORA_FREE(buf);
            return lora__fail(LORA_ERR_UNSUPPORTED, "%s: llm.c token file version %ld, expected 1 (uint16 GPT-2 tokens)",
                              path, (long)(int32_t)version);
        }
        if ((int32_t)ntok < 0 || (len - GPT2__LLMC_HEADER_BYTES) != (size_t)ntok * 2) {
            LORA_FREE(buf);
            return lora__fail(LORA_ERR_FORMAT, "%s: llm.c header says %ld tokens (%ld bytes after the %d-byte header), "
                              "found %zu bytes", path, (long)(int32_t)ntok, 2L * (long)(int32_t)ntok,
                              GPT2__LLMC_HEADER_BYTES, len - GPT2__LLMC_HEADER_BYTES);
        }
        off = GPT2__LLMC_HEADER_BYTES;
    } else if (magic == 20240801u || magic == 20240522u) {
        LORA_FREE(buf);
        return lora__fail(magic == 20240801u ? LORA_ERR_UNSUPPORTED : LORA_ERR_FORMAT,
                          "%s: this is an llm.c %s file (magic %lu), not a GPT-2 token file (magic %d)", path,
                          magic == 20240801u ? "llama-3 token" : "eval", (unsigned long)magic, GPT2__LLMC_MAGIC);
    } else if (len % 2) {
        LORA_FREE(buf);
        return lora__fail(LORA_ERR_FORMAT, "%s: raw token file has an odd size (%zu bytes); expected little-endian "
                          "uint16 ids (or an llm.c file with magic %d)", path, len, GPT2__LLMC_MAGIC);
    }
    n = (len - off) / 2;
    if (n == 0) {
        LORA_FREE(buf);
        return lora__fail(LORA_ERR_FORMAT, "%s: no tokens", path);
    }
    for (i = 0; i < n; i++) {
        int32_t id = (int32_t)(u[off + 2 * i] | (u[off + 2 * i + 1] << 8));
        if (vocab > 0 && id >= vocab) {
            LORA_FREE(buf);
            if (off == 0 && i < 2 && len >= 4)
                return lora__fail(LORA_ERR_RANGE, "%s: token %zu (byte offset %zu) is %ld, outside the vocabulary of %d "
                                  "(read as raw uint16 ids; if this is an llm.c token file, its magic is wrong: "
                                  "found %lu, expected %d)", path, i, 2 * i, (long)id, vocab, (unsigned long)magic,
                                  GPT2__LLMC_MAGIC);
            return lora__fail(LORA_ERR_RANGE, "%s: token %zu (byte offset %zu) is %ld, outside the vocabulary of %d",
                              path, i, off + 2 * i, (long)id, vocab);
        }
        n_eot += id == GPT2_EOT;
    }
    s = gpt2__dsb_init(&b, n, n_eot + 1);
    if (s != LORA_OK) { LORA_FREE(buf); return s; }
    for (i = 0; i < n; i++) {
        int32_t id = (int32_t)(u[off + 2 * i] | (u[off + 2 * i + 1] << 8));
        b.ds->tokens[i] = b.ds->labels[i] = id;
        if (id == GPT2_EOT || i + 1 == n) {
            b.ds->n_samples++;
            b.ds->sample_start[b.ds->n_samples] = i + 1;
        }
    }
    b.ds->n_tokens = n;
    LORA_FREE(buf);
    *out = gpt2__dsb_finish(&b);
    return LORA_OK;
}

/* ---- split ---- */
LORA_API lora_status gpt2_data_split(const gpt2_dataset *ds, double val_frac, uint64_t seed,
                                     gpt2_dataset **train, gpt2_dataset **val) {
    size_t n, n_val, i, k, *order;
    gpt2__dsb parts[2];
    lora_status s = LORA_OK;
    if (train) *train = NULL;
    if (val) *val = NULL;
    if (!ds || !train || !val) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_split: NULL argument");
    if (!(val_frac >= 0.0 && val_frac <= 1.0))
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_split: val_frac = %g, expected a value in [0, 1]", val_frac);
    n = ds->n_samples;
    n_val = (size_t)floor(val_frac * (double)n + 0.5);
    if (n_val > n) n_val = n;
    order = (size_t *)lora__calloc(n ? n : 1, sizeof(size_t), "split order");
    if (!order) return LORA_ERR_OOM;
    for (i = 0; i < n; i++) order[i] = i;
    if (seed != 0 && n > 1) {
        lora_rng rng;
        lora_rng_seed(&rng, seed);
        for (i = n - 1; i > 0; i--) { /* Fisher-Yates */
            uint64_t r = (uint64_t)lora_rng_u32(&rng) << 32;
            size_t j, t;
            r |= lora_rng_u32(&rng);
            j = (size_t)(r % (uint64_t)(i + 1));
            t = order[i];
            order[i] = order[j]; order[j] = t;
        }
    }
    for (k = 0; k < 2; k++) {
        size_t lo = k ? n - n_val : 0, hi = k ? n : n - n_val, tok = 0;
        for (i = lo; i < hi; i++) tok += ds->sample_start[order[i] + 1] - ds->sample_start[order[i]];
        s = gpt2__dsb_init(&parts[k], tok, hi - lo);
        if (s != LORA_OK) { if (k) gpt2__dsb_abort(&parts[0]); LORA_FREE(order); return s; }
        for (i = lo; i < hi; i++) {
            size_t a = ds->sample_start[order[i]], e = ds->sample_start[order[i] + 1];
            gpt2_dataset *d = parts[k].ds;
            memcpy(d->tokens + d->n_tokens, ds->tokens + a, (e - a) * sizeof(int32_t));
            memcpy(d->labels + d->n_tokens, ds->labels + a, (e - a) * sizeof(int32_t));
            d->n_tokens += e - a;
            d->n_samples++;
            d->sample_start[d->n_samples] = d->n_tokens;
        }
    }
    LORA_FREE(order);
    *train = gpt2__dsb_finish(&parts[0]);
    *val = gpt2__dsb_finish(&parts[1]);
    return LORA_OK;
}

/* ---- batches ---- */
LORA_API lora_status gpt2_data_batch(const gpt2_dataset *ds, size_t *pos, int B, int T,
                                     int32_t *inputs, int32_t *labels) {
    size_t bt, p;
    if (!ds || !pos || !inputs || !labels) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_batch: NULL argument");
    if (B <= 0 || T <= 0) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_batch: B = %d, T = %d must be positive", B, T);
    bt = (size_t)B * (size_t)T;
    if (ds->n_tokens < bt)
        return lora__fail(LORA_ERR_RANGE, "gpt2_data_batch: the dataset has %zu tokens, fewer than one batch "
                          "(B*T = %d*%d = %zu)", ds->n_tokens, B, T, bt);
    p = *pos;
    if (p > ds->n_tokens - bt) p = 0;
    memcpy(inputs, ds->tokens + p, bt * sizeof(int32_t));
    memcpy(labels, ds->labels + p, bt * sizeof(int32_t));
    p += bt;
    if (p > ds->n_tokens - bt) p = 0;
    *pos = p;
    return LORA_OK;
}

LORA_API size_t gpt2_data_batches_per_epoch(const gpt2_dataset *ds, int B, int T) {
    size_t n;
    if (!ds || B <= 0 || T <= 0) return 0;
    n = ds->n_tokens / ((size_t)B * (size_t)T);
    return n ? n : 1;
}

/* ---- jsonl ---- */
typedef struct gpt2__jl {
    const char *src;            /* names the data in messages */
    size_t line;                /* 1-based line number */
    const gpt2_tokenizer *tok;
    gpt2_data_config cfg;
    gpt2__dsb b;
    lora__buf piece;            /* scratch for assembled pieces */
} gpt2__jl;

static const char *gpt2__json_type(const lora_json *v) {
    switch (v->type) {
    case LORA_JSON_NULL: return "null";
    case LORA_JSON_FALSE: case LORA_JSON_TRUE: return "a boolean";
    case LORA_JSON_NUMBER: return "a number";
    case LORA_JSON_STRING: return "a string";
    case LORA_JSON_ARRAY: return "an array";
    case LORA_JSON_OBJECT: return "an object";
    }
    return "a value";
}

/* Fails with "src:line: " + the formatted reason. */
static LORA__PRINTF(3, 4) lora_status gpt2__jl_fail(const gpt2__jl *j, lora_status s, const char *fmt, ...) {
    char reason[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return lora__fail(s, "%s:%zu: %s", j->src, j->line, reason);
}

/* Encodes len bytes and appends them (labels -100 when masked). */
static lora_status gpt2__jl_encode(gpt2__jl *j, const char *text, size_t len, int masked) {
    int32_t *ids = NULL;
    size_t n = 0;
    lora_status s = gpt2_encode(j->tok, text, len, 0, &ids, &n);
    if (s != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        return gpt2__jl_fail(j, s, "cannot tokenize: %s", msg);
    }
    s = gpt2__dsb_push(&j->b, ids, n, masked);
    LORA_FREE(ids);
    return s;
}
/* Encodes pre + value + post as one piece. */
static lora_status gpt2__jl_encode3(gpt2__jl *j, const char *pre, const lora_json *v, const char *post, int masked) {
    j->piece.len = 0;
    lora__buf_puts(&j->piece, pre);
    lora__buf_append(&j->piece, v->str, v->len);
    lora__buf_puts(&j->piece, post);
    if (j->piece.failed) return LORA_ERR_OOM;
    return gpt2__jl_encode(j, j->piece.data, j->piece.len, masked);
}

/* The string member key of obj; fails when it is missing, not a string, or empty
   (unless allow_empty). */
static lora_status gpt2__jl_string(const gpt2__jl *j, const lora_json *obj, const char *key, int allow_empty,
                                   const lora_json **out) {
    const lora_json *v = lora_json_get(obj, key);
    *out = NULL;
    if (!v) {
        if (j->cfg.format != GPT2_DATA_AUTO)
            return gpt2__jl_fail(j, LORA_ERR_FORMAT, "missing key \"%s\" (format forced to %s)", key,
                                 j->cfg.format == GPT2_DATA_TEXT ? "text" :
                                 j->cfg.format == GPT2_DATA_PROMPT_COMPLETION ? "prompt/completion" :
                                 j->cfg.format == GPT2_DATA_QA ? "question/answer" : "chat");
        return gpt2__jl_fail(j, LORA_ERR_FORMAT, "missing key \"%s\"", key);
    }
    if (v->type != LORA_JSON_STRING)
        return gpt2__jl_fail(j, LORA_ERR_FORMAT, "\"%s\" must be a string, found %s", key, gpt2__json_type(v));
    if (v->len == 0 && !allow_empty) return gpt2__jl_fail(j, LORA_ERR_FORMAT, "\"%s\" is an empty string", key);
    *out = v;
    return LORA_OK;
}

static lora_status gpt2__jl_chat(gpt2__jl *j, const lora_json *obj) {
    static const char *const roles[3] = { "system", "user", "assistant" };
    const lora_json *msgs = lora_json_get(obj, "messages");
    size_t i;
    lora_status s;
    if (!msgs) return gpt2__jl_fail(j, LORA_ERR_FORMAT, "missing key \"messages\" (format forced to chat)");
    if (msgs->type != LORA_JSON_ARRAY)
        return gpt2__jl_fail(j, LORA_ERR_FORMAT, "\"messages\" must be an array, found %s", gpt2__json_type(msgs));
    if (msgs->n == 0) return gpt2__jl_fail(j, LORA_ERR_FORMAT, "\"messages\" is an empty array");
    for (i = 0; i < msgs->n; i++) {
        const lora_json *m = &msgs->items[i], *role, *content;
        int r;
        if (m->type != LORA_JSON_OBJECT)
            return gpt2__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu] must be an object, found %s", i, gpt2__json_type(m));
        role = lora_json_get(m, "role");
        content = lora_json_get(m, "content");
        if (!role) return gpt2__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu]: missing key \"role\"", i);
        if (role->type != LORA_JSON_STRING)
            return gpt2__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu].role must be a string, found %s", i, gpt2__json_type(role));
        for (r = 0; r < 3; r++)
            if (role->len == strlen(roles[r]) && memcmp(role->str, roles[r], role->len) == 0) break;
        if (r == 3)
            return gpt2__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu].role is \"%.40s\", expected \"system\", \"user\" or "
                                 "\"assistant\"", i, role->str);
        if (!content) return gpt2__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu]: missing key \"content\"", i);
        if (content->type != LORA_JSON_STRING)
            return gpt2__jl_fail(j, LORA_ERR_FORMAT, "messages[%zu].content must be a string, found %s", i,
                                 gpt2__json_type(content));
        /* "role:" then " content\n"; only assistant content carries loss when masking */
        j->piece.len = 0;
        lora__buf_puts(&j->piece, roles[r]);
        lora__buf_puts(&j->piece, ":");
        if (j->piece.failed) return LORA_ERR_OOM;
        s = gpt2__jl_encode(j, j->piece.data, j->piece.len, j->cfg.mask_prompt);
        if (s != LORA_OK) return s;
        s = gpt2__jl_encode3(j, " ", content, "\n", j->cfg.mask_prompt && r != 2);
        if (s != LORA_OK) return s;
    }
    return LORA_OK;
}

/* Turns one parsed line into tokens. */
static lora_status gpt2__jl_sample(gpt2__jl *j, const lora_json *obj) {
    gpt2_data_format f = j->cfg.format;
    const lora_json *a, *c;
    lora_status s;
    int mask = j->cfg.mask_prompt;
    if (obj->type != LORA_JSON_OBJECT)
        return gpt2__jl_fail(j, LORA_ERR_FORMAT, "expected a JSON object, found %s", gpt2__json_type(obj));
    if (f == GPT2_DATA_AUTO) {
        static const char *const kinds[4] = { "\"text\"", "\"prompt\"/\"completion\"", "\"question\"/\"answer\"", "\"messages\"" };
        int has[4], k, n = 0, first = -1, second = -1;
        has[0] = lora_json_get(obj, "text") != NULL;
        has[1] = lora_json_get(obj, "prompt") || lora_json_get(obj, "completion");
        has[2] = lora_json_get(obj, "question") || lora_json_get(obj, "answer");
        has[3] = lora_json_get(obj, "messages") != NULL;
        for (k = 0; k < 4; k++) if (has[k]) { n++; if (first < 0) first = k; else if (second < 0) second = k; }
        if (n == 0)
            return gpt2__jl_fail(j, LORA_ERR_FORMAT, "unknown format: no \"text\", \"prompt\"/\"completion\", "
                                 "\"question\"/\"answer\" or \"messages\" key");
        if (n > 1)
            return gpt2__jl_fail(j, LORA_ERR_FORMAT, "ambiguous format: the line has both %s and %s keys",
                                 kinds[first], kinds[second]);
        f = first == 0 ? GPT2_DATA_TEXT : first == 1 ? GPT2_DATA_PROMPT_COMPLETION : first == 2 ? GPT2_DATA_QA : GPT2_DATA_CHAT;
    }
    switch (f) {
    case GPT2_DATA_TEXT:
        if ((s = gpt2__jl_string(j, obj, "text", 0, &a)) != LORA_OK) return s;
        return gpt2__jl_encode(j, a->str, a->len, 0);
    case GPT2_DATA_PROMPT_COMPLETION:
        if ((s = gpt2__jl_string(j, obj, "prompt", 1, &a)) != LORA_OK) return s;
        if ((s = gpt2__jl_string(j, obj, "completion", 0, &c)) != LORA_OK) return s;
        if (a->len && (s = gpt2__jl_encode(j, a->str, a->len, mask)) != LORA_OK) return s;
        return gpt2__jl_encode(j, c->str, c->len, 0);
    case GPT2_DATA_QA:
        if ((s = gpt2__jl_string(j, obj, "question", 0, &a)) != LORA_OK) return s;
        if ((s = gpt2__jl_string(j, obj, "answer", 0, &c)) != LORA_OK) return s;
        if ((s = gpt2__jl_encode3(j, "Question: ", a, "\nAnswer:", mask)) != LORA_OK) return s;
        return gpt2__jl_encode3(j, " ", c, "", 0);
    case GPT2_DATA_CHAT:
        return gpt2__jl_chat(j, obj);
    default:
        break;
    }
    return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_load_jsonl: unknown format %d", (int)f);
}

/* "src:1:COL: reason" from the JSON parser -> "src:LINE: invalid JSON at column COL: reason". */
static lora_status gpt2__jl_json_error(const gpt2__jl *j, lora_status s) {
    char msg[LORA__ERRLEN];
    const char *m = msg, *col = NULL, *rest;
    size_t sl = strlen(j->src), cl = 0;
    snprintf(msg, sizeof msg, "%s", lora_last_error());
    if (strncmp(m, j->src, sl) == 0 && strncmp(m + sl, ":1:", 3) == 0) {
        col = m + sl + 3;
        while (col[cl] >= '0' && col[cl] <= '9') cl++;
        rest = col + cl;
        if (cl > 0 && rest[0] == ':') {
            rest++;
            while (*rest == ' ') rest++;
            return gpt2__jl_fail(j, s, "invalid JSON at column %.*s: %s", (int)cl, col, rest);
        }
    }
    return gpt2__jl_fail(j, s, "invalid JSON: %s", msg);
}

LORA_API lora_status gpt2_data_load_jsonl_memory(const char *text, size_t len, const char *source,
                                                 const gpt2_tokenizer *tok, const gpt2_data_config *cfg,
                                                 gpt2_dataset **out) {
    gpt2__jl j;
    size_t at = 0;
    lora_status s = LORA_OK;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_load_jsonl: out is NULL");
    *out = NULL;
    if (!source) source = "<memory>";
    if (!tok) return lora__fail(LORA_ERR_INVALID_ARG, "%s: gpt2_data_load_jsonl: tokenizer is NULL", source);
    if (!text && len) return lora__fail(LORA_ERR_INVALID_ARG, "%s: gpt2_data_load_jsonl: text is NULL", source);
    memset(&j, 0, sizeof j);
    j.src = source;
    j.tok = tok;
    j.cfg = cfg ? *cfg : gpt2_data_config_init();
    if ((int)j.cfg.format < (int)GPT2_DATA_AUTO || (int)j.cfg.format > (int)GPT2_DATA_CHAT)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: unknown data format %d", source, (int)j.cfg.format);
    if (!j.cfg.pack && j.cfg.seq <= 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: pack = 0 needs seq > 0, got %d", source, j.cfg.seq);
    s = gpt2__dsb_init(&j.b, len / 4 + 16, len / 64 + 16);
    if (s != LORA_OK) return s;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
        at = 3; /* UTF-8 byte order mark */
    while (at < len) {
        const char *line = text + at, *nl = (const char *)memchr(line, '\n', len - at);
        size_t n = nl ? (size_t)(nl - line) : len - at, k, begin;
        lora_json *v = NULL;
        at += n + (nl != NULL);
        j.line++;
        if (n && line[n - 1] == '\r') n--;
        for (k = 0; k < n && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'); k++) {}
        if (k == n) continue; /* blank line */
        s = lora_json_parse(line, n, j.src, &v);
        if (s != LORA_OK) { s = gpt2__jl_json_error(&j, s); break; }
        begin = j.b.ds->n_tokens;
        s = gpt2__jl_sample(&j, v);
        lora_json_free(v);
        if (s != LORA_OK) break;
        if (j.cfg.add_eot) {
            int32_t eot = GPT2_EOT;
            if ((s = gpt2__dsb_push(&j.b, &eot, 1, 0)) != LORA_OK) break;
        }
        if (!j.cfg.pack) {
            size_t seq = (size_t)j.cfg.seq, have = j.b.ds->n_tokens - begin;
            if (have > seq) j.b.ds->n_tokens = begin + seq;
            else {
                if ((s = gpt2__dsb_reserve(&j.b, seq - have)) != LORA_OK) break;
                for (k = have; k < seq; k++) {
                    j.b.ds->tokens[begin + k] = GPT2_EOT;
                    j.b.ds->labels[begin + k] = GPT2__IGNORE;
                }
                j.b.ds->n_tokens = begin + seq;
            }
        }
        if ((s = gpt2__dsb_end_sample(&j.b)) != LORA_OK) break;
    }
    lora__buf_free(&j.piece);
    if (s == LORA_OK && j.b.ds->n_samples == 0)
        s = lora__fail(LORA_ERR_FORMAT, "%s: no samples (%s)", source, len ? "only blank lines" : "empty data");
    if (s != LORA_OK) { gpt2__dsb_abort(&j.b); return s; }
    *out = gpt2__dsb_finish(&j.b);
    return LORA_OK;
}

LORA_API lora_status gpt2_data_load_jsonl(const char *path, const gpt2_tokenizer *tok,
                                          const gpt2_data_config *cfg, gpt2_dataset **out) {
    char *buf;
    size_t len;
    lora_status s;
    if (out) *out = NULL;
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_load_jsonl: path is NULL");
    s = lora__read_file(path, &buf, &len);
    if (s != LORA_OK) return s;
    s = gpt2_data_load_jsonl_memory(buf, len, path, tok, cfg, out);
    LORA_FREE(buf);
    return s;
}

LORA_API lora_status gpt2_data_load(const char *path, const gpt2_tokenizer *tok,
                                    const gpt2_data_config *cfg, gpt2_dataset **out) {
    if (out) *out = NULL;
    if (!path) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_data_load: path is NULL");
    if (gpt2__has_suffix(path, ".jsonl") || gpt2__has_suffix(path, ".json"))
        return gpt2_data_load_jsonl(path, tok, cfg, out);
    return gpt2_data_load_tokens(path, tok ? gpt2_tokenizer_vocab_size(tok) : 0, out);
}

/* ---- gpt2/70_trainer.impl.c ---- */
#if defined(__unix__) || defined(__APPLE__)
#include <sys/time.h>
#endif
/* Wall-clock seconds (gettimeofday is declared even in strict C99 mode, clock_gettime is not). */
static double gpt2__seconds(void) {
#if defined(__unix__) || defined(__APPLE__)
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
#else
    return (double)time(NULL);
#endif
}

LORA_API gpt2_train_config gpt2_train_config_init(void) {
    gpt2_train_config c;
    memset(&c, 0, sizeof c);
    c.batch = 4;
    c.seq = 128;
    c.steps = 100;
    c.grad_accum = 1;
    c.optim = lora_adamw_config_init();
    c.optim.lr = 2e-4;
    c.optim.weight_decay = 0.0;
    c.seed = 42;
    return c;
}

LORA_API lora_status gpt2_train(gpt2_model *m, const gpt2_dataset *train, const gpt2_train_config *cfg, size_t *pos) {
    lora_param *params = NULL;
    lora_adamw *opt = NULL;
    lora_adamw_config oc;
    int32_t *in = NULL, *lab = NULL;
    int n_params = 0, k;
    size_t local_pos = 0;
    lora_status s;
    double t0;
    int64_t step;
    if (!m || !train || !cfg) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_train: NULL argument");
    if (cfg->batch <= 0 || cfg->seq <= 1 || cfg->steps <= 0 || cfg->grad_accum <= 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_train: batch %d, seq %d, steps %lld, grad_accum %d must be positive (seq > 1)",
                          cfg->batch, cfg->seq, (long long)cfg->steps, cfg->grad_accum);
    if (!pos) pos = &local_pos;
    if ((s = gpt2_trainable_params(m, &params, &n_params)) != LORA_OK) return s;
    oc = cfg->optim;
    if (oc.total_steps <= 0) oc.total_steps = (int)cfg->steps;
    if ((s = lora_adamw_create(&oc, params, n_params, &opt)) != LORA_OK) goto done;
    in = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)cfg->batch * cfg->seq, "batch");
    lab = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)cfg->batch * cfg->seq, "batch");
    if (!in || !lab) { s = LORA_ERR_OOM; goto done; }
    gpt2_model_set_training(m, 1, cfg->seed);
    t0 = gpt2__seconds();
    for (step = 0; step < cfg->steps; step++) {
        gpt2_train_progress p;
        double loss_sum = 0.0;
        gpt2_zero_grad(m);
        for (k = 0; k < cfg->grad_accum; k++) {
            float loss;
            if ((s = gpt2_data_batch(train, pos, cfg->batch, cfg->seq, in, lab)) != LORA_OK) goto done;
            if ((s = gpt2_forward(m, in, lab, cfg->batch, cfg->seq, &loss)) != LORA_OK) goto done;
            if (!isfinite(loss)) {
                s = lora__fail(LORA_ERR_NUMERIC, "training loss is %g at step %lld; stopped before updating any weight", (double)loss, (long long)step);
                goto done;
            }
            if ((s = gpt2_backward(m)) != LORA_OK) goto done;
            loss_sum += loss;
        }
        if (cfg->grad_accum > 1) {
            int i;
            int64_t j;
            for (i = 0; i < n_params; i++)
                for (j = 0; j < params[i].n; j++) params[i].grad[j] /= (float)cfg->grad_accum;
        }
        memset(&p, 0, sizeof p);
        if ((s = lora_adamw_step(opt, m->pool, &p.grad_norm, &p.lr)) != LORA_OK) goto done;
        p.step = step + 1;
        p.total_steps = cfg->steps;
        p.loss = (float)(loss_sum / cfg->grad_accum);
        p.elapsed_s = gpt2__seconds() - t0;
        p.tokens_per_s = p.elapsed_s > 0 ? (double)(step + 1) * cfg->batch * cfg->seq * cfg->grad_accum / p.elapsed_s : 0.0;
        if (cfg->on_step && cfg->on_step(cfg->user, &p)) {
            s = lora__fail(LORA_ERR_CANCELLED, "training cancelled by the progress callback after step %lld", (long long)p.step);
            goto done;
        }
    }
    s = LORA_OK;
done:
    gpt2_model_set_training(m, 0, cfg->seed);
    LORA_FREE(in); LORA_FREE(lab);
    lora_adamw_free(opt);
    LORA_FREE(params);
    return s;
}

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
