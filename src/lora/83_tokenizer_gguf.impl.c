/* ---- tokenizers in GGUF files ----
   GGUF stores a byte-level BPE vocabulary as Hugging Face's vocab.json does: each token as the
   UTF-8 of its bytes mapped through bytes_to_unicode, and the merges as "left right" lines.
   Reading builds the vocab JSON and merges text and hands them to lora_tokenizer_load_memory
   (so every check of that loader applies); writing uses the public accessors, except for the
   merges in rank order, which only lora__tokenizer_merges reads from 80_tokenizer's table. */
#define LORA__TOKEN_NORMAL 1
#define LORA__TOKEN_CONTROL 3
#define LORA__TOKEN_USER_DEFINED 4
#define LORA__TOKEN_UNUSED 5

/* llama.cpp's tokenizer.ggml.pre for tok's pre-tokenizer, as convert_hf_to_gguf.py names them:
   Llama 3's split "llama-bpe", Qwen2's (Qwen2.5, Qwen3) "qwen2", GPT-2's with each digit alone
   first (SmolLM's) "smollm", GPT-2's "gpt-2"; NULL for one llama.cpp has no name for. */
static const char *lora__tokenizer_gguf_pre(const lora_tokenizer *tok) {
    if (tok->pretok == LORA__PRE_LLAMA3) return tok->digits ? NULL : "llama-bpe";
    if (tok->pretok == LORA__PRE_QWEN2) return tok->digits ? NULL : "qwen2";
    if (tok->digits == 1) return "smollm";
    return tok->digits ? NULL : "gpt-2";
}
/* convert_hf_to_gguf.py's does_token_look_special: added tokens written as control tokens
   although not marked special ("<|fim_prefix|>" in Qwen's files, ...) */
static int lora__token_looks_special(const char *t, size_t n) {
    static const char *const exact[] = {"<pad>", "<mask>", "<2mass>", "[@BOS@]"};
    size_t i;
    for (i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (n == strlen(exact[i]) && memcmp(t, exact[i], n) == 0) return 1;
    if (n >= 4 && memcmp(t, "<|", 2) == 0 && memcmp(t + n - 2, "|>", 2) == 0) return 1;
    if (n >= 6 && memcmp(t, "<\xef\xbd\x9c", 4) == 0 && memcmp(t + n - 4, "\xef\xbd\x9c>", 4) == 0) return 1;
    return n >= 8 && memcmp(t, "<unused", 7) == 0 && t[n - 1] == '>';
}
/* the added token entry of id, or NULL */
static const lora__added *lora__tokenizer_added(const lora_tokenizer *tok, int32_t id) {
    size_t i;
    for (i = 0; i < tok->n_added; i++)
        if (tok->added[i].id == id) return &tok->added[i];
    return NULL;
}

static int lora__gguf_printable(int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174; }
/* byte -> its bytes_to_unicode code point, as UTF-8 (1 or 2 bytes); returns the length */
static size_t lora__byte_symbol(int b, char out[2]) {
    int k, n = 0;
    uint32_t cp;
    if (lora__gguf_printable(b)) cp = (uint32_t)b;
    else {
        for (k = 0; k < b; k++) n += !lora__gguf_printable(k);
        cp = 256u + (uint32_t)n;
    }
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
}

/* the byte-level string of token id into b (appended) */
static void lora__token_symbol(const lora_tokenizer *tok, int32_t id, lora__buf *b, char sym[256][2], const size_t *slen) {
    size_t n, i;
    const unsigned char *p = (const unsigned char *)lora_token_bytes(tok, id, &n);
    for (i = 0; p && i < n; i++) lora__buf_append(b, sym[p[i]], slen[p[i]]);
}

typedef struct lora__merge_rank { uint32_t rank; int32_t a, b; } lora__merge_rank;
static int lora__cmp_merge_rank(const void *x, const void *y) {
    uint32_t a = ((const lora__merge_rank *)x)->rank, b = ((const lora__merge_rank *)y)->rank;
    return a < b ? -1 : a > b;
}
/* The merges (left id, right id) in rank order (*out allocated, n_merges + 1 entries): the one
   place that reads 80_tokenizer's internals. */
static lora_status lora__tokenizer_merges(const lora_tokenizer *tok, lora__merge_rank **out, size_t *n) {
    lora__merge_rank *mr = (lora__merge_rank *)lora__calloc(tok->n_merges + 1, sizeof *mr, "GGUF merges");
    size_t i, k = 0;
    *out = NULL;
    *n = 0;
    if (!mr) return LORA_ERR_OOM;
    for (i = 0; tok->merges && i < ((size_t)1 << tok->merge_bits); i++) {
        const lora__merge_slot *m = &tok->merges[i];
        if (m->key == LORA__EMPTY_KEY || k >= tok->n_merges) continue;
        mr[k].rank = m->rank;
        mr[k].a = (int32_t)(m->key >> 32);
        mr[k].b = (int32_t)(uint32_t)m->key;
        k++;
    }
    qsort(mr, k, sizeof *mr, lora__cmp_merge_rank);
    *out = mr;
    *n = k;
    return LORA_OK;
}

LORA_API lora_status lora_gguf_set_tokenizer(lora_gguf_writer *w, const lora_tokenizer *tok, const char *model,
                                             const char *pre, int n_vocab) {
    char sym[256][2];
    size_t slen[256], i, n_m = 0;
    lora__buf blob;
    size_t *offs = NULL, *lens = NULL, *moffs = NULL, *mlens = NULL;
    const char **strs = NULL, **mstrs = NULL;
    int32_t *types = NULL, id, eos;
    lora__merge_rank *mr = NULL;
    lora_status s = LORA_OK;
    int b, n_tok;
    if (!w || !tok || !model) return lora__fail(LORA_ERR_INVALID_ARG, "lora_gguf_set_tokenizer: NULL argument");
    if (!pre && !(pre = lora__tokenizer_gguf_pre(tok)))
        return lora__fail(LORA_ERR_UNSUPPORTED, "lora_gguf_set_tokenizer: the tokenizer's pre-tokenizer has no llama.cpp name");
    n_tok = lora_tokenizer_vocab_size(tok);
    eos = lora_tokenizer_eos(tok);
    if (n_vocab < n_tok)
        return lora__fail(LORA_ERR_SHAPE, "lora_gguf_set_tokenizer: the model has %d token rows, the tokenizer %d tokens",
                          n_vocab, n_tok);
    for (b = 0; b < 256; b++) slen[b] = lora__byte_symbol(b, sym[b]);
    memset(&blob, 0, sizeof blob);
    offs = (size_t *)lora__calloc((size_t)n_vocab + 1, sizeof(size_t), "GGUF tokens");
    lens = (size_t *)lora__calloc((size_t)n_vocab + 1, sizeof(size_t), "GGUF tokens");
    strs = (const char **)lora__calloc((size_t)n_vocab + 1, sizeof(char *), "GGUF tokens");
    types = (int32_t *)lora__calloc((size_t)n_vocab + 1, sizeof(int32_t), "GGUF token types");
    if (!offs || !lens || !strs || !types) { s = LORA_ERR_OOM; goto done; }
    if ((s = lora__tokenizer_merges(tok, &mr, &n_m)) != LORA_OK) goto done;
    for (id = 0; id < n_vocab; id++) {
        size_t nb = 0;
        offs[id] = blob.len;
        const lora__added *at = id < n_tok ? lora__tokenizer_added(tok, id) : NULL;
        const char *raw = id < n_tok ? lora_token_bytes(tok, id, &nb) : NULL;
        if (at && raw && nb) {
            /* added tokens as their text, as convert_hf_to_gguf.py writes them */
            lora__buf_append(&blob, raw, nb);
            types[id] = at->special || lora__token_looks_special(raw, nb) ? LORA__TOKEN_CONTROL : LORA__TOKEN_USER_DEFINED;
        } else if (raw && nb) {
            lora__token_symbol(tok, id, &blob, sym, slen);
            types[id] = id == eos ? LORA__TOKEN_CONTROL : LORA__TOKEN_NORMAL;
        } else {
            lora__buf_printf(&blob, "[PAD%ld]", (long)id);
            types[id] = LORA__TOKEN_UNUSED;
        }
        lens[id] = blob.len - offs[id];
    }
    moffs = (size_t *)lora__calloc(n_m + 1, sizeof(size_t), "GGUF merges");
    mlens = (size_t *)lora__calloc(n_m + 1, sizeof(size_t), "GGUF merges");
    mstrs = (const char **)lora__calloc(n_m + 1, sizeof(char *), "GGUF merges");
    if (!moffs || !mlens || !mstrs) { s = LORA_ERR_OOM; goto done; }
    for (i = 0; i < n_m; i++) {
        moffs[i] = blob.len;
        lora__token_symbol(tok, mr[i].a, &blob, sym, slen);
        lora__buf_append(&blob, " ", 1);
        lora__token_symbol(tok, mr[i].b, &blob, sym, slen);
        mlens[i] = blob.len - moffs[i];
    }
    if (blob.failed) { s = LORA_ERR_OOM; goto done; }
    for (id = 0; id < n_vocab; id++) strs[id] = blob.data + offs[id];
    for (i = 0; i < n_m; i++) mstrs[i] = blob.data + moffs[i];
    if ((s = lora_gguf_set_str(w, "tokenizer.ggml.model", model)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str(w, "tokenizer.ggml.pre", pre)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str_array(w, "tokenizer.ggml.tokens", strs, lens, (size_t)n_vocab)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_array(w, "tokenizer.ggml.token_type", LORA_GGUF_INT32, types, (size_t)n_vocab)) != LORA_OK) goto done;
    if ((s = lora_gguf_set_str_array(w, "tokenizer.ggml.merges", mstrs, mlens, n_m)) != LORA_OK) goto done;
    if (lora_tokenizer_bos(tok) >= 0) {
        /* a tokenizer with a bos_token; Llama 3's (its post-processor) puts <|begin_of_text|> first, the
           others (SmolLM2's <|endoftext|>) do not: add_bos_token false, as convert_hf_to_gguf.py writes for them */
        if ((s = lora_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)lora_tokenizer_bos(tok))) != LORA_OK) goto done;
        if (eos >= 0 && (s = lora_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)eos)) != LORA_OK) goto done;
        if ((s = lora_gguf_set_bool(w, "tokenizer.ggml.add_bos_token", tok->pretok == LORA__PRE_LLAMA3)) != LORA_OK) goto done;
    } else if (eos >= 0) {
        if ((s = lora_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)eos)) != LORA_OK) goto done;
        if ((s = lora_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)eos)) != LORA_OK) goto done;
    }
done:
    lora__buf_free(&blob);
    LORA_FREE(offs); LORA_FREE(lens); LORA_FREE(strs); LORA_FREE(types); LORA_FREE(mr);
    LORA_FREE(moffs); LORA_FREE(mlens); LORA_FREE(mstrs);
    return s;
}

/* s[0..n) as a JSON string */
static void lora__json_quote(lora__buf *b, const char *s, size_t n) {
    size_t i, start = 0;
    lora__buf_append(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        lora__buf_append(b, s + start, i - start);
        if (c == '"' || c == '\\') { char e[2]; e[0] = '\\'; e[1] = (char)c; lora__buf_append(b, e, 2); }
        else lora__buf_printf(b, "\\u%04x", c);
        start = i + 1;
    }
    lora__buf_append(b, s + start, n - start);
    lora__buf_append(b, "\"", 1);
}

/* A Hugging Face tokenizer.json (and tokenizer_config.json) for a GGUF tokenizer whose
   tokenizer.ggml.pre is llama-bpe (Llama 3's split, ignore_merges), qwen2 (Qwen2's split, NFC)
   or smollm (each digit alone, then GPT-2's pattern): control and user-defined tokens become
   added tokens (special for control), the others the BPE vocabulary; eos, and bos when the file
   has tokenizer.ggml.add_bos_token (true or false), name their tokens in the config. */
static lora_status lora__tokenizer_from_gguf_hf(const lora_gguf *g, const char *pre, const lora_gguf_kv *toks,
                                                const lora_gguf_kv *merges, const lora_gguf_kv *types, lora_tokenizer **out) {
    lora__buf j, c;
    lora_status s;
    uint64_t i;
    int first = 1, add_bos = 0;
    int64_t eos = -1, bos = -1, v;
    const int32_t *ty = types ? (const int32_t *)types->arr : NULL;
    memset(&j, 0, sizeof j);
    memset(&c, 0, sizeof c);
    lora__buf_printf(&j, "{\"model\":{\"type\":\"BPE\",\"ignore_merges\":%s,\"vocab\":{", strcmp(pre, "llama-bpe") == 0 ? "true" : "false");
    for (i = 0; i < toks->n; i++) {
        if (ty && (ty[i] == LORA__TOKEN_UNUSED || ty[i] == LORA__TOKEN_CONTROL || ty[i] == LORA__TOKEN_USER_DEFINED)) continue;
        if (!first) lora__buf_append(&j, ",", 1);
        first = 0;
        lora__json_quote(&j, toks->strs[i], toks->str_lens[i]);
        lora__buf_printf(&j, ":%llu", (unsigned long long)i);
    }
    lora__buf_puts(&j, "},\"merges\":[");
    for (i = 0; merges && i < merges->n; i++) {
        if (i) lora__buf_append(&j, ",", 1);
        lora__json_quote(&j, merges->strs[i], merges->str_lens[i]);
    }
    lora__buf_printf(&j, "]},\"normalizer\":%s,\"pre_tokenizer\":", strcmp(pre, "qwen2") == 0 ? "{\"type\":\"NFC\"}" : "null");
    if (strcmp(pre, "smollm") == 0)
        lora__buf_printf(&j, "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Digits\",\"individual_digits\":true},"
                             "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":true}]}");
    else {
        const char *re = strcmp(pre, "qwen2") == 0 ? lora__re_qwen2 : lora__re_llama3;
        lora__buf_printf(&j, "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":");
        lora__json_quote(&j, re, strlen(re));
        lora__buf_printf(&j, "},\"behavior\":\"Isolated\",\"invert\":false},{\"type\":\"ByteLevel\",\"add_prefix_space\":false,"
                             "\"use_regex\":false}]}");
    }
    lora__buf_printf(&j, ",\"decoder\":{\"type\":\"ByteLevel\"},\"added_tokens\":[");
    first = 1;
    for (i = 0; ty && i < toks->n; i++) {
        if (ty[i] != LORA__TOKEN_CONTROL && ty[i] != LORA__TOKEN_USER_DEFINED) continue;
        if (!first) lora__buf_append(&j, ",", 1);
        first = 0;
        lora__buf_printf(&j, "{\"id\":%llu,\"content\":", (unsigned long long)i);
        lora__json_quote(&j, toks->strs[i], toks->str_lens[i]);
        lora__buf_printf(&j, ",\"special\":%s}", ty[i] == LORA__TOKEN_CONTROL ? "true" : "false");
    }
    lora__buf_append(&j, "]}", 2);
    if (lora_gguf_get_int(g, "tokenizer.ggml.eos_token_id", &v) == LORA_OK && v >= 0 && (uint64_t)v < toks->n) eos = v;
    if (lora_gguf_get_int(g, "tokenizer.ggml.bos_token_id", &v) == LORA_OK && v >= 0 && (uint64_t)v < toks->n) bos = v;
    if (lora_gguf_get_int(g, "tokenizer.ggml.add_bos_token", &v) == LORA_OK) add_bos = 1;   /* either way: the file names a bos */
    lora__buf_append(&c, "{", 1);
    if (eos >= 0) {
        lora__buf_puts(&c, "\"eos_token\":");
        lora__json_quote(&c, toks->strs[eos], toks->str_lens[eos]);
    }
    if (bos >= 0 && add_bos) {
        lora__buf_puts(&c, eos >= 0 ? ",\"bos_token\":" : "\"bos_token\":");
        lora__json_quote(&c, toks->strs[bos], toks->str_lens[bos]);
    }
    lora__buf_append(&c, "}", 1);
    if (j.failed || c.failed) s = LORA_ERR_OOM;
    else {
        s = lora_tokenizer_load_hf_memory(j.data, j.len, c.data, c.len, out);
        if (s != LORA_OK) s = lora__fail(s, "%s: tokenizer (tokenizer.ggml.pre \"%s\"): %s", g->path, pre, lora_last_error());
    }
    lora__buf_free(&j);
    lora__buf_free(&c);
    return s;
}

LORA_API lora_status lora_tokenizer_from_gguf(const lora_gguf *g, lora_tokenizer **out) {
    const lora_gguf_kv *toks, *merges, *types;
    const char *model = NULL;
    lora__buf vj, mt;
    lora_status s;
    uint64_t i;
    int first = 1;
    if (out) *out = NULL;
    if (!g || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_from_gguf: NULL argument");
    if ((s = lora_gguf_get_str(g, "tokenizer.ggml.model", &model)) != LORA_OK) {
        if (s == LORA_ERR_NOT_FOUND) return lora__fail(LORA_ERR_NOT_FOUND, "%s: no tokenizer in the file (no tokenizer.ggml.model)", g->path);
        return s;
    }
    if (strcmp(model, "gpt2") != 0)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: tokenizer.ggml.model \"%s\": only byte-level BPE (\"gpt2\") tokenizers are supported",
                          g->path, model);
    toks = lora_gguf_find_kv(g, "tokenizer.ggml.tokens");
    merges = lora_gguf_find_kv(g, "tokenizer.ggml.merges");
    types = lora_gguf_find_kv(g, "tokenizer.ggml.token_type");
    if (!toks || toks->type != LORA_GGUF_ARRAY || toks->elem_type != LORA_GGUF_STRING)
        return lora__fail(LORA_ERR_FORMAT, "%s: tokenizer.ggml.tokens: expected an array of strings", g->path);
    /* no merges key: no merges (gguf-py leaves out an empty list) */
    if (merges && (merges->type != LORA_GGUF_ARRAY || merges->elem_type != LORA_GGUF_STRING))
        return lora__fail(LORA_ERR_FORMAT, "%s: tokenizer.ggml.merges: expected an array of strings", g->path);
    if (types && (types->type != LORA_GGUF_ARRAY || types->elem_type != LORA_GGUF_INT32 || types->n != toks->n))
        return lora__fail(LORA_ERR_FORMAT, "%s: tokenizer.ggml.token_type: expected %llu INT32 values", g->path,
                          (unsigned long long)toks->n);
    if (toks->n > (uint64_t)1 << 24)
        return lora__fail(LORA_ERR_FORMAT, "%s: tokenizer.ggml.tokens: %llu tokens (at most 2^24)", g->path,
                          (unsigned long long)toks->n);
    {
        const char *pre = NULL;
        if (lora_gguf_get_str(g, "tokenizer.ggml.pre", &pre) == LORA_OK && strcmp(pre, "gpt-2") != 0 && strcmp(pre, "default") != 0) {
            if (strcmp(pre, "llama-bpe") == 0 || strcmp(pre, "qwen2") == 0 || strcmp(pre, "smollm") == 0)
                return lora__tokenizer_from_gguf_hf(g, pre, toks, merges, types, out);
            return lora__fail(LORA_ERR_UNSUPPORTED, "%s: tokenizer.ggml.pre \"%s\": supported are gpt-2, llama-bpe, qwen2 and smollm",
                              g->path, pre);
        }
    }
    memset(&vj, 0, sizeof vj);
    memset(&mt, 0, sizeof mt);
    lora__buf_append(&vj, "{", 1);
    for (i = 0; i < toks->n; i++) {
        if (types && ((const int32_t *)types->arr)[i] == LORA__TOKEN_UNUSED) continue;
        if (!first) lora__buf_append(&vj, ",", 1);
        first = 0;
        lora__json_quote(&vj, toks->strs[i], toks->str_lens[i]);
        lora__buf_printf(&vj, ":%llu", (unsigned long long)i);
    }
    lora__buf_append(&vj, "}", 1);
    for (i = 0; merges && i < merges->n; i++) {
        if (memchr(merges->strs[i], '\n', merges->str_lens[i])) {
            lora__buf_free(&vj); lora__buf_free(&mt);
            return lora__fail(LORA_ERR_FORMAT, "%s: tokenizer.ggml.merges: entry %llu holds a newline", g->path, (unsigned long long)i);
        }
        lora__buf_append(&mt, merges->strs[i], merges->str_lens[i]);
        lora__buf_append(&mt, "\n", 1);
    }
    if (vj.failed || mt.failed) s = LORA_ERR_OOM;
    else {
        s = lora_tokenizer_load_memory(vj.data, vj.len, mt.data ? mt.data : "", mt.len, out);
        if (s != LORA_OK) s = lora__fail(s, "%s: %s", g->path, lora_last_error());
    }
    lora__buf_free(&vj);
    lora__buf_free(&mt);
    return s;
}

LORA_API lora_status lora_tokenizer_load_gguf(const char *path, lora_tokenizer **out) {
    lora_gguf *g = NULL;
    lora_status s;
    if (out) *out = NULL;
    if (!path || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load_gguf: NULL argument");
    if ((s = lora_gguf_open(path, &g)) != LORA_OK) return s;
    s = lora_tokenizer_from_gguf(g, out);
    lora_gguf_close(g);
    return s;
}
