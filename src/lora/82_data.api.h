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
   Strings are encoded with lora_encode(allow_special = 0), so a literal "<|endoftext|>"
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
   then add_eot appends the end-of-text token EOS ("<|endoftext|>", 50256 for GPT-2) with label
   EOS, so the model learns to stop.
   Chat templates. With a tokenizer whose chat template (lora_tokenizer_chat, or the override
   lora_data_config.chat) is ChatML or Llama 3, "messages" and "question"/"answer" lines (the
   latter as a user turn and an assistant turn) are rendered as Hugging Face's apply_chat_template
   renders them for Qwen2.5 / Qwen3 / SmolLM2-Instruct and Llama 3 (no generation prompt), and
   tokenized as HF tokenizes the rendered string (each stretch of text between two special tokens
   encoded as one text), except that special-token text inside a content stays text:
     ChatML:  [<|im_start|>system\n SYSTEM <|im_end|>\n]  when the first turn is not "system" and
              the template has a default system prompt (Qwen2.5: "You are Qwen, created by Alibaba
              Cloud. You are a helpful assistant.", SmolLM2: "You are a helpful AI assistant named
              SmolLM, trained by Hugging Face"; lora_data_config.system_prompt overrides it, "" =
              none), then per turn  <|im_start|>ROLE\nCONTENT<|im_end|>\n ; with Qwen3's template
              the last turn, when it is an answer after the last user turn, is
              <|im_start|>assistant\n<think>\n\n</think>\n\nCONTENT<|im_end|>\n  (CONTENT's
              leading newlines dropped), as apply_chat_template writes it.
     Llama 3: <|begin_of_text|> then per turn
              <|start_header_id|>ROLE<|end_header_id|>\n\nTRIMMED CONTENT<|eot_id|>
   Labels (mask_prompt): only the content of assistant turns and the token that closes them
   (<|im_end|>, <|eot_id|>) carry loss; the header tokens, the think block, the "\n" after
   <|im_end|> and every other turn get -100 (a token holding both the header's last "\n" and the
   content's leading newlines is labelled, as HF's assistant mask marks every token that holds a
   character of the answer). add_eot is not applied to these lines (the template's
   end-of-turn token closes them); "text" and "prompt"/"completion" lines are not templated.
   A GPT-2 tokenizer (no <|im_start|>, no header tokens) keeps the plain formats above.
   With format AUTO the kind is chosen per line by its keys: "messages", "text",
   "prompt"/"completion" or "question"/"answer" (more than one kind on a line is an error);
   a forced format requires that kind's keys on every line.
   pack = 1: samples are concatenated. pack = 0: sample i occupies tokens
   [i*seq, (i+1)*seq): truncated to seq, or padded with EOS tokens labelled -100
   (use seq == T so that rows line up with batches).

   Token files: if the first int32 is 20240520 the file is llm.c's format: a 256 x int32
   little-endian header (magic 20240520, version 1 = uint16 tokens, header[2] = number of
   tokens) then the uint16 tokens, and the file size must match exactly. Otherwise the
   whole file is raw little-endian uint16 ids (its size must be even). The detection is
   unambiguous: read as raw ids, the magic would start with id 55432 >= vocab. llm.c's
   llama-3 token files (magic 20240801, version 7: uint32 ids, for vocabularies past 65536,
   e.g. Qwen's or Llama 3's) are read the same way; its eval files (20240522) are rejected.

   Samples (used by lora_data_split): jsonl lines (pack = 1), rows (pack = 0); for token
   files and token arrays, a sample ends after each EOS token given to the loader (and at the end). */
#define LORA_IGNORE_LABEL (-100) /* label of a position without loss (PyTorch's ignore_index) */
typedef enum lora_data_format {
    LORA_DATA_AUTO = 0,         /* detected per line from its keys */
    LORA_DATA_TEXT,             /* {"text": ...}: loss on every token */
    LORA_DATA_PROMPT_COMPLETION,/* {"prompt", "completion"} */
    LORA_DATA_QA,               /* {"question", "answer"}: prompt "Question: q\nAnswer:", completion " a" */
    LORA_DATA_CHAT              /* {"messages": [...]}: loss on assistant turns */
} lora_data_format;

typedef struct lora_data_config {
    lora_data_format format;    /* default AUTO */
    int mask_prompt;            /* default 1: no loss on prompt tokens (prompt/completion, QA, chat) */
    int add_eot;                /* default 1: append EOS after each sample */
    int pack;                   /* default 1: samples are concatenated into the stream; 0: each sample
                                   gets its own row of `seq` tokens (truncated, padded with EOT and label -100) */
    int seq;                    /* row length used when pack == 0 (default 1024) */
    int32_t eos;                /* end-of-text id appended by add_eot and used as padding; -1 (default) =
                                   the tokenizer's (lora_tokenizer_eos) */
    lora_chat_template chat;    /* template of chat / QA lines: LORA_CHAT_AUTO (default) = the tokenizer's,
                                   or PLAIN, CHATML, LLAMA3 (the tokenizer must have that template's tokens) */
    const char *system_prompt;  /* system turn added to conversations without one: NULL (default) = the
                                   tokenizer's chat template default (if any), "" = none */
} lora_data_config;
LORA_API lora_data_config lora_data_config_init(void);

typedef struct lora_dataset {
    int32_t *tokens;            /* n_tokens ids */
    int32_t *labels;            /* n_tokens labels (-100 = ignored) */
    size_t n_tokens;
    size_t n_samples;
    size_t *sample_start;       /* n_samples + 1 offsets into tokens */
    int separate;               /* samples are separate sequences (jsonl with pack = 1): a batcher packs
                                   whole samples into rows where each attends only to itself */
    int32_t pad;                /* token used to pad rows of separate samples (label ignored) */
} lora_dataset;

/* Loads a jsonl file. Malformed lines fail with "path:line: reason" (nothing is skipped
   silently); blank lines are allowed. A file without any sample fails (LORA_ERR_FORMAT).
   cfg may be NULL (defaults). */
LORA_API lora_status lora_data_load_jsonl(const char *path, const lora_tokenizer *tok,
                                          const lora_data_config *cfg, lora_dataset **out);
/* Same from memory (source names it in messages). */
LORA_API lora_status lora_data_load_jsonl_memory(const char *text, size_t len, const char *source,
                                                 const lora_tokenizer *tok, const lora_data_config *cfg,
                                                 lora_dataset **out);
/* Loads a token file (raw uint16, or llm.c format by its magic); labels = ids. Ids >= vocab
   fail with LORA_ERR_RANGE (pass vocab <= 0 to skip the check). Errors name the file and
   the byte offset; an empty file fails (LORA_ERR_FORMAT). A sample ends after each id eos
   (pass -1 for one sample). */
LORA_API lora_status lora_data_load_tokens(const char *path, int vocab, int32_t eos, lora_dataset **out);
/* Writes n ids as an llm.c token file that lora_data_load_tokens (and llm.c) read: uint16 ids
   (magic 20240520, version 1) when every id is below 65536, else uint32 ids (llama-3 format, magic
   20240801, version 7). Atomic (a previous file stays intact on any error). */
LORA_API lora_status lora_data_save_tokens(const char *path, const int32_t *ids, size_t n);
/* Loads path by its name: "*.jsonl" / "*.json" with lora_data_load_jsonl, anything else
   with lora_data_load_tokens (vocab = the tokenizer's, or no check when tok is NULL). */
LORA_API lora_status lora_data_load(const char *path, const lora_tokenizer *tok,
                                    const lora_data_config *cfg, lora_dataset **out);
/* Wraps a copy of ids (labels = ids when labels is NULL); samples end after each id eos (-1: none). */
LORA_API lora_status lora_data_from_tokens(const int32_t *ids, const int32_t *labels, size_t n, int32_t eos,
                                           lora_dataset **out);
/* Splits by samples: the last round(frac * n_samples) samples (after a seeded shuffle when
   seed != 0) go to *val, the rest to *train; both keep the (shuffled) sample order and either
   may be empty. val_frac must be in [0, 1]. The shuffle is Fisher-Yates driven by lora_rng
   seeded with seed, so it is the same on every platform. */
LORA_API lora_status lora_data_split(const lora_dataset *ds, double val_frac, uint64_t seed,
                                     lora_dataset **train, lora_dataset **val);
LORA_API void lora_data_free(lora_dataset *ds);

/* Copies the batch at *pos into inputs/labels (B*T each) and advances *pos (wrapping as
   described above: a *pos with fewer than B*T tokens after it reads from 0, and the
   advanced *pos is set to 0 when fewer than B*T tokens remain after it). Fails with
   LORA_ERR_RANGE if the dataset has fewer than B*T tokens, LORA_ERR_INVALID_ARG if
   B or T <= 0. */
LORA_API lora_status lora_data_batch(const lora_dataset *ds, size_t *pos, int B, int T,
                                     int32_t *inputs, int32_t *labels);
/* Number of batches in one pass (epoch) over the dataset: n_tokens / (B*T), at least 1
   (0 for a NULL dataset or B, T <= 0). */
LORA_API size_t lora_data_batches_per_epoch(const lora_dataset *ds, int B, int T);

/* ---- The training stream ----
   A batcher cuts batches of B rows of T tokens from the dataset's samples, epoch after epoch:
   in file order, or with shuffle in a new order every epoch (Fisher-Yates seeded by seed and
   the epoch number, the same on every platform).
   - A stream (token files, token arrays): the samples of an epoch are concatenated and cut
     into batches, as lora_data_batch does with file order; the last partial batch of an
     epoch is dropped; positions are 0 .. T-1 in every row.
   - Separate samples (ds->separate, jsonl data packed): each row is filled with whole samples
     while they fit (a sample longer than T is cut into rows of its own), the rest of the row
     padded (label LORA_IGNORE_LABEL, position 0); positions restart at 0 with every sample and
     the first token of a sample has no label, so a model given the positions computes each
     sample as if alone (Hugging Face's flattening collator) and a row's loss is the sum of its
     samples'. The last batch of an epoch is padded, never mixed with the next epoch.
   The position (epoch, tokens taken in that epoch) is all that resuming needs:
   lora_batcher_seek(epoch, pos) continues exactly. */
typedef struct lora_batcher lora_batcher;
LORA_API lora_status lora_batcher_create(const lora_dataset *ds, int B, int T, int shuffle, uint64_t seed,
                                         lora_batcher **out);
LORA_API void lora_batcher_free(lora_batcher *b);
/* The next batch into inputs / labels / positions (B*T each; positions may be NULL for a
   stream, where they are 0 .. T-1 in every row). */
LORA_API lora_status lora_batcher_next(lora_batcher *b, int32_t *inputs, int32_t *labels, int32_t *positions);
/* Batches in one epoch (separate samples: counted by packing them in file order). */
LORA_API size_t lora_batcher_epoch_batches(const lora_batcher *b);
LORA_API void lora_batcher_position(const lora_batcher *b, uint64_t *epoch, uint64_t *pos);
/* pos must be a position lora_batcher_position gave for this data and batch shape. */
LORA_API lora_status lora_batcher_seek(lora_batcher *b, uint64_t epoch, uint64_t pos);
