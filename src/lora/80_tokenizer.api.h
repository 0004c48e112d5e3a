/* ---- GPT-2 byte-level BPE tokenizer ----
   Exactly OpenAI's encoder (and Hugging Face's GPT2Tokenizer): the pre-tokenisation
   pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   with a built-in Unicode letter/number/space table, bytes-to-unicode, ranked merges.
   The character classes are JavaScript's (the npm encoders gpt-3-encoder and gpt-tokenizer
   are the reference, Unicode 17); Python's `regex` module (encoder.py) differs in \s only at
   U+0085 (a space there, not here) and U+FEFF (a space here, not there), and in the Unicode
   version of its tables.
   A tokenizer is read-only once loaded: share it between threads freely. */
typedef struct lora_tokenizer lora_tokenizer;
/* dir holds encoder.json + vocab.bpe (OpenAI's names, tried first), or vocab.json + merges.txt
   (Hugging Face's); LORA_ERR_NOT_FOUND if it has neither. The vocabulary is a JSON object
   {token: id} over the bytes_to_unicode alphabet, with all 256 single bytes, unique tokens and
   ids (integers below 2^24; gaps allowed). The merges file has one "left right" pair per line in
   rank order; lines starting with "#version" and empty lines are skipped, CRLF is accepted; both
   symbols and their concatenation must be tokens; a pair listed twice keeps its last rank.
   Errors are LORA_ERR_FORMAT naming the file and the entry ("encoder.json: entry 12 (...)") or
   line ("vocab.bpe:17: ..."). load_memory names them "vocab JSON" and "merges". */
LORA_API lora_status lora_tokenizer_load(const char *dir, lora_tokenizer **out);
LORA_API lora_status lora_tokenizer_load_files(const char *vocab_json_path, const char *merges_path, lora_tokenizer **out);
LORA_API lora_status lora_tokenizer_load_memory(const char *vocab_json, size_t vocab_len,
                                                const char *merges, size_t merges_len, lora_tokenizer **out);
LORA_API void lora_tokenizer_free(lora_tokenizer *tok);
LORA_API int lora_tokenizer_vocab_size(const lora_tokenizer *tok);
/* The id of "<|endoftext|>" (GPT-2: 50256), -1 when the vocabulary has none. */
LORA_API int32_t lora_tokenizer_eos(const lora_tokenizer *tok);

/* Encodes len bytes. Valid UTF-8 gives exactly the ids of the reference encoders (OpenAI's
   encoder.py, Hugging Face's GPT2Tokenizer, the npm gpt-3-encoder / gpt-tokenizer). Invalid UTF-8
   is not replaced: each byte that does not start a well-formed sequence is split like the U+FFFD
   a decoder would put there, and encoded as its own bytes, so lora_decode(lora_encode(x)) == x for
   every byte string x.
   allow_special = 1 maps every "<|endoftext|>" to its id (lora_tokenizer_eos) (the text between is encoded
   separately, as tiktoken does); 0 encodes it as text.
   *ids is allocated by the library (free with lora_free). */
LORA_API lora_status lora_encode(const lora_tokenizer *tok, const char *text, size_t len, int allow_special,
                                 int32_t **ids, size_t *n_ids);
/* Decodes ids back to bytes (NUL-terminated, *len excludes the NUL). Fails with
   LORA_ERR_RANGE on an id outside the vocabulary. */
LORA_API lora_status lora_decode(const lora_tokenizer *tok, const int32_t *ids, size_t n_ids, char **text, size_t *len);
/* The bytes of one token (not NUL-terminated); NULL for an invalid id. */
LORA_API const char *lora_token_bytes(const lora_tokenizer *tok, int32_t id, size_t *len);
/* Length in bytes of the first pre-token of text[0..len) (the split pattern above; 0 when len
   is 0). Walking a text with it yields the pieces that BPE sees, e.g. "Hello", " world", "!". */
LORA_API size_t lora_pretoken_length(const char *text, size_t len);
