/* ---- tokenizers in GGUF files (llama.cpp's tokenizer.ggml.* keys) ---- */
/* A byte-level BPE tokenizer from a GGUF file's keys: tokenizer.ggml.model "gpt2",
   tokenizer.ggml.tokens (strings over the bytes_to_unicode alphabet, the id is the index),
   tokenizer.ggml.merges ("left right" in rank order), tokenizer.ggml.token_type (optional;
   UNUSED (5) tokens, the padding of a vocabulary, are left out). Errors name the file and
   the key (or the token / merge through lora_tokenizer_load_memory's messages). */
LORA_API lora_status lora_tokenizer_from_gguf(const lora_gguf *g, lora_tokenizer **out);
LORA_API lora_status lora_tokenizer_load_gguf(const char *path, lora_tokenizer **out);
/* Writes tok as tokenizer.ggml.model = model ("gpt2"), .pre = pre (llama.cpp's
   pre-tokenizer name, "gpt-2" for GPT-2), .tokens, .token_type (NORMAL, CONTROL for
   "<|endoftext|>"), .merges, and bos/eos ids = "<|endoftext|>" when the vocabulary has it.
   n_vocab >= the tokenizer's size: the model's embedding rows; ids the tokenizer lacks are
   written as "[PAD<id>]" UNUSED tokens (as convert_hf_to_gguf.py pads). */
LORA_API lora_status lora_gguf_set_tokenizer(lora_gguf_writer *w, const lora_tokenizer *tok, const char *model,
                                             const char *pre, int n_vocab);
