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
