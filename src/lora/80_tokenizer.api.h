/* ---- Byte-level BPE tokenizer: GPT-2's files and Hugging Face tokenizer.json ----
   Exactly OpenAI's encoder (and Hugging Face's GPT2Tokenizer): the pre-tokenisation
   pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   with a built-in Unicode letter/number/space table, bytes-to-unicode, ranked merges.
   The character classes are JavaScript's (the npm encoders gpt-3-encoder and gpt-tokenizer
   are the reference, Unicode 17); Python's `regex` module (encoder.py) differs in \s only at
   U+0085 (a space there, not here) and U+FEFF (a space here, not there), and in the Unicode
   version of its tables.
   Hugging Face tokenizer.json (SmolLM2, Qwen2 / Qwen2.5 / Qwen3, Llama 3.x, GPT-2): model.type
   BPE with model.vocab over the bytes_to_unicode alphabet and model.merges ("a b" strings or
   ["a", "b"] pairs, ranked by order), model.ignore_merges (Llama 3: a pre-token that is itself a
   vocabulary token is that token), model.byte_fallback (byte tokens "<0xXX>" if a plain byte
   token is missing), a vocabulary without some single-byte tokens (SmolLM2's restricted
   alphabet: such bytes are dropped, or become model.unk_token, fused with fuse_unk, as HF's BPE
   does; then decode(encode(x)) lacks them); the pre_tokenizer ByteLevel (the GPT-2 pattern
   above), a Sequence of Digits and ByteLevel (SmolLM2: every \p{N} character apart, HF's
   char::is_numeric, then the GPT-2 pattern on the text between; individual_digits false keeps
   runs of them together), or a Sequence of a Split (behavior Isolated) and ByteLevel, where the
   Split's pattern is one of
       Llama 3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
       Qwen2:   the same with \p{N} in place of \p{N}{1,3} (Qwen2, Qwen2.5, Qwen3)
       GPT-2:   the pattern above
   (any other pattern, normalizer, model type or decoder fails with LORA_ERR_UNSUPPORTED naming
   it, rather than tokenizing differently); the normalizer NFC (Qwen: text is put in NFC before
   pre-tokenization, so decode(encode(x)) == NFC(x)); added_tokens, matched in the raw text before
   anything else (leftmost, longest first; lstrip/rstrip drop the whitespace before/after them,
   single_word is refused). The character classes and the ASCII-only case-insensitive
   contractions are those of the JavaScript port of HF tokenizers (@lenml/tokenizers /
   transformers.js), the reference of the tests (Python's tokenizers uses Oniguruma, whose
   (?i:'s) also matches "'\u017F" (long s) and whose \s differs at U+0085 / U+FEFF).
   tokenizer_config.json beside tokenizer.json, when present, names eos_token and bos_token and
   holds the chat template (see lora_tokenizer_chat).
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
/* path is a directory or a tokenizer.json file. A directory with tokenizer.json uses it (and its
   tokenizer_config.json); otherwise encoder.json + vocab.bpe, then vocab.json + merges.txt. */
LORA_API lora_status lora_tokenizer_load(const char *dir, lora_tokenizer **out);
LORA_API lora_status lora_tokenizer_load_files(const char *vocab_json_path, const char *merges_path, lora_tokenizer **out);
LORA_API lora_status lora_tokenizer_load_memory(const char *vocab_json, size_t vocab_len,
                                                const char *merges, size_t merges_len, lora_tokenizer **out);
/* A Hugging Face tokenizer.json from memory; config_json (tokenizer_config.json) may be NULL.
   Messages name them "tokenizer.json" and "tokenizer_config.json". */
LORA_API lora_status lora_tokenizer_load_hf_memory(const char *tokenizer_json, size_t len, const char *config_json,
                                                   size_t config_len, lora_tokenizer **out);
LORA_API void lora_tokenizer_free(lora_tokenizer *tok);
LORA_API int lora_tokenizer_vocab_size(const lora_tokenizer *tok);
/* The end-of-text id: tokenizer_config.json's eos_token (Qwen3: "<|im_end|>", Llama 3:
   "<|end_of_text|>"), else "<|endoftext|>" (GPT-2: 50256), else "<|end_of_text|>"; -1 if none.
   (vocab_size counts the added tokens too: it is the largest id + 1.) */
LORA_API int32_t lora_tokenizer_eos(const lora_tokenizer *tok);
/* The beginning-of-text id: tokenizer_config.json's bos_token (Llama 3: "<|begin_of_text|>";
   without a config file "<|begin_of_text|>" if present); -1 if none. lora_encode never adds it. */
LORA_API int32_t lora_tokenizer_bos(const lora_tokenizer *tok);
/* The id of the added token or vocabulary token whose text is text[0..len), -1 if none. */
LORA_API int32_t lora_tokenizer_find(const lora_tokenizer *tok, const char *text, size_t len);
/* The chat template the data loader uses for this tokenizer (lora_data_config.chat):
   CHATML when <|im_start|> and <|im_end|> are tokens (Qwen, SmolLM2-Instruct), LLAMA3 when
   <|start_header_id|>, <|end_header_id|> and <|eot_id|> are, else PLAIN (GPT-2's "role: text").
   *default_system (may be NULL) receives the system prompt the model's chat template inserts
   when a conversation has none (read from tokenizer_config.json's chat_template, e.g. Qwen2.5's
   "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."), or NULL; *think (may
   be NULL) is 1 for Qwen3's template (the answer after the last user turn opens with an empty
   "<think>\n\n</think>\n\n"). */
typedef enum lora_chat_template {
    LORA_CHAT_AUTO = 0,     /* lora_data_config: the tokenizer's */
    LORA_CHAT_PLAIN,        /* "role: content\n" (GPT-2; no special tokens) */
    LORA_CHAT_CHATML,       /* <|im_start|>role\ncontent<|im_end|>\n */
    LORA_CHAT_LLAMA3        /* <|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|> */
} lora_chat_template;
LORA_API lora_chat_template lora_tokenizer_chat(const lora_tokenizer *tok, const char **default_system, int *think);

/* Encodes len bytes. Valid UTF-8 gives exactly the ids of the reference encoders (OpenAI's
   encoder.py, Hugging Face's GPT2Tokenizer, the npm gpt-3-encoder / gpt-tokenizer). Invalid UTF-8
   is not replaced: each byte that does not start a well-formed sequence is split like the U+FFFD
   a decoder would put there, and encoded as its own bytes, so lora_decode(lora_encode(x)) == x for
   every byte string x.
   allow_special = 1 maps the text of every added token to its id (GPT-2's files: "<|endoftext|>";
   the text between is encoded separately, as tiktoken and HF do); 0 does so only for added tokens
   not marked special (e.g. Qwen3's "<think>"), as HF's split_special_tokens = True: special tokens
   in the text are encoded as text. No BOS/EOS is ever added.
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
