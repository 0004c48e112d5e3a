/* ---- GPT-2 byte-level BPE tokenizer ----
   Exactly OpenAI's encoder (and Hugging Face's GPT2Tokenizer): the pre-tokenisation
   pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   with a built-in Unicode letter/number table, bytes-to-unicode, ranked merges. */
#define GPT2_EOT 50256

typedef struct gpt2_tokenizer gpt2_tokenizer;
/* dir holds encoder.json + vocab.bpe, or vocab.json + merges.txt. */
LORA_API lora_status gpt2_tokenizer_load(const char *dir, gpt2_tokenizer **out);
LORA_API lora_status gpt2_tokenizer_load_files(const char *vocab_json_path, const char *merges_path, gpt2_tokenizer **out);
LORA_API lora_status gpt2_tokenizer_load_memory(const char *vocab_json, size_t vocab_len,
                                                const char *merges, size_t merges_len, gpt2_tokenizer **out);
LORA_API void gpt2_tokenizer_free(gpt2_tokenizer *tok);
LORA_API int gpt2_tokenizer_vocab_size(const gpt2_tokenizer *tok);

/* Encodes len bytes (any bytes; invalid UTF-8 handled as the reference encoders do).
   allow_special = 1 maps the text "<|endoftext|>" to GPT2_EOT; 0 encodes it as text.
   *ids is allocated with LORA_MALLOC (free with LORA_FREE / gpt2_free). */
LORA_API lora_status gpt2_encode(const gpt2_tokenizer *tok, const char *text, size_t len, int allow_special,
                                 int32_t **ids, size_t *n_ids);
/* Decodes ids back to bytes (NUL-terminated, *len excludes the NUL). Fails with
   LORA_ERR_RANGE on an id outside the vocabulary. */
LORA_API lora_status gpt2_decode(const gpt2_tokenizer *tok, const int32_t *ids, size_t n_ids, char **text, size_t *len);
/* The bytes of one token (not NUL-terminated); NULL for an invalid id. */
LORA_API const char *gpt2_token_bytes(const gpt2_tokenizer *tok, int32_t id, size_t *len);
/* Frees memory returned by gpt2_encode / gpt2_decode. */
LORA_API void gpt2_free(void *p);
