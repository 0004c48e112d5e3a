/* ---- text generation: sampling and the decoding loop over a model's KV step ---- */
/* Sampling settings. Order as Hugging Face's generate: temperature, then top-k, then top-p. */
typedef struct lora_sampler {
    float temperature;       /* 1.0; 0 means greedy */
    int top_k;               /* 0 = off; keep the k most likely tokens (ties: the lower ids) */
    float top_p;             /* 1.0 = off; in (0, 1]: keep the smallest set of most likely tokens
                                whose probability reaches top_p (at least one) */
    int greedy;              /* nonzero: argmax (lowest id among equal maxima), the rest is ignored */
    uint64_t seed;           /* gpt2_generate seeds its lora_rng with this (default 0) */
} lora_sampler;
/* Defaults: temperature 1, top_k 0, top_p 1, greedy 0, seed 0 (plain sampling). */
LORA_API lora_sampler lora_sampler_init(void);

/* Draws a token id from logits (vocab values; cfg NULL = defaults). Greedy (greedy flag,
   temperature 0 or top_k 1) is the argmax and does not use rng; otherwise exactly one
   lora_rng_uniform is drawn, so a seeded rng gives a reproducible sequence. Ties are broken
   towards the lower id. Allocates a 12 * vocab byte workspace per call (lora_generate keeps
   one). Returns the id, or a negative lora_status: LORA_ERR_INVALID_ARG (NULL logits or rng,
   vocab <= 0, temperature < 0 or NaN, top_k < 0, top_p outside (0, 1]), LORA_ERR_OOM. */
LORA_API int32_t lora_sample(const float *logits, int vocab, const lora_sampler *cfg, lora_rng *rng);

/* Called with each generated token (index 0, 1, ...); returning nonzero stops generation. */
typedef int (*lora_token_fn)(void *user, int32_t id, int index);

/* Generates up to max_new tokens after prompt (n_prompt >= 1 ids; an empty prompt is usually
   started with the end-of-text id, e.g. GPT-2's 50256, as Hugging Face does) with a KV cache
   of its own, through the model's KV step. out_ids (room for max_new) receives the generated
   ids and *n_out their number. Generation stops after max_new tokens, when the callback
   returns nonzero (that token is kept; the result is LORA_OK), at the first end-of-text token
   (the model's info.eos, or any of info.stop_ids) when stop_at_eot (which is not stored nor passed to the callback),
   or when prompt + output fill the context (info.max_seq). cfg NULL =
   defaults (plain sampling, seed 0). The same arguments give the same tokens. Errors:
   LORA_ERR_RANGE when the prompt is longer than the context or holds an id outside the
   vocabulary; LORA_ERR_INVALID_ARG, LORA_ERR_OOM. */
LORA_API lora_status lora_generate(lora_model *m, const int32_t *prompt, int n_prompt, int max_new,
                                   const lora_sampler *cfg, int stop_at_eot, int32_t *out_ids, int *n_out,
                                   lora_token_fn on_token, void *user);
