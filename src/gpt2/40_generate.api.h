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
