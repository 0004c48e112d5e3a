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

static int lora__uclass(uint32_t cp); /* 81_unicode_tables.impl.c */
static int lora__is_nfc(const unsigned char *s, size_t n);
static lora_status lora__nfc(const unsigned char *s, size_t n, unsigned char **out, size_t *out_len);

enum { LORA__OTHER = 0, LORA__LETTER = 1, LORA__NUMBER = 2, LORA__SPACE = 3 };

/* Classes of ASCII code points (tools/gen_unicode_tables.js checks them against node). */
static const unsigned char lora__ascii_class[128] = {
    0,0,0,0,0,0,0,0,0,3,3,3,3,3,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    3,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 2,2,2,2,2,2,2,2,2,2,0,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0
};

#define LORA__NO_RANK 0xFFFFFFFFu
#define LORA__MAX_ID (1 << 24)      /* token ids must be below this */
#define LORA__LONG_WORD 64          /* words longer than this (bytes) use the heap merge */

typedef struct lora__merge_slot {
    uint64_t key;      /* (left id << 32) | right id; LORA__EMPTY_KEY when free */
    uint32_t rank;     /* line order in the merges file */
    int32_t id;        /* the merged token */
} lora__merge_slot;
#define LORA__EMPTY_KEY 0xFFFFFFFFFFFFFFFFull

typedef struct lora__added {
    int32_t id;
    unsigned char special, lstrip, rstrip;
} lora__added;
enum { LORA__PRE_GPT2 = 0, LORA__PRE_LLAMA3 = 1, LORA__PRE_QWEN2 = 2 };

struct lora_tokenizer {
    int32_t n_vocab;            /* largest id + 1 */
    char *blob;                 /* bytes of all tokens */
    uint32_t *off;              /* token i = blob[off[i] .. off[i+1]); empty = no token */
    int32_t byte_id[256];       /* the single-byte tokens */
    int32_t eot;                /* id of "<|endoftext|>", -1 if the vocabulary lacks it */
    lora__merge_slot *merges;   /* open addressing, power-of-two size */
    uint32_t merge_bits;
    size_t n_merges;
    /* fast path: the tokens that BPE turns their own bytes into (most of them), by bytes, so
       that a pre-token that is one of them needs a lookup instead of the merge loop */
    int32_t *word_slot;         /* open addressing over ids, -1 = free */
    uint32_t word_bits;
    size_t max_word;            /* longest such token, bytes */
    /* Hugging Face tokenizer.json (all zero / NULL for the GPT-2 files) */
    int pretok;                 /* LORA__PRE_GPT2, LORA__PRE_LLAMA3 or LORA__PRE_QWEN2 */
    int digits;                 /* a Digits pre-tokenizer first: 1 = each \p{N} alone, 2 = runs of them */
    int byte_gaps;              /* some byte_id are -1 (a restricted alphabet): BPE drops those bytes */
    int fuse_unk;               /* consecutive unknown bytes give one unk token */
    int32_t unk;                /* model.unk_token's id (unknown bytes), -1 if none */
    int nfc;                    /* the normalizer is NFC */
    int ignore_merges;          /* a pre-token that is a vocabulary token is that token (Llama 3) */
    int32_t *vocab_slot;        /* model vocabulary by bytes (open addressing over ids, -1 = free) */
    uint32_t vocab_bits;
    lora__added *added;         /* added tokens, longest first */
    size_t n_added;
    unsigned char added_first[256]; /* a byte that starts an added token */
    int32_t bos;                /* tokenizer_config.json's bos_token, -1 if none */
    int chat;                   /* lora_chat_template */
    int chat_think;             /* Qwen3's template: an empty <think> block before the last answer */
    char *chat_system;          /* the chat template's default system prompt, NULL if none */
};

/* ---- byte-level alphabet (bytes_to_unicode) ---- */
static int lora__byte_is_printable(int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174); }
/* code point -> byte, -1 for code points outside the alphabet (which is U+0021..U+0143) */
static void lora__unicode_to_byte_table(int16_t table[324]) {
    int b, n = 0;
    for (b = 0; b < 324; b++) table[b] = -1;
    for (b = 0; b < 256; b++) {
        if (lora__byte_is_printable(b)) table[b] = (int16_t)b;
        else table[256 + n++] = (int16_t)b;
    }
}

/* ---- UTF-8 ---- */
/* Length of the well-formed UTF-8 sequence at s[0..n) (n >= 1) and its code point, or 0 if
   s[0] does not start one. */
static size_t lora__tok_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
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
static size_t lora__unit(const unsigned char *s, size_t n, int *cls) {
    uint32_t cp;
    size_t k;
    if (s[0] < 0x80) { *cls = lora__ascii_class[s[0]]; return 1; }
    k = lora__tok_utf8_decode(s, n, &cp);
    if (!k) { *cls = LORA__OTHER; return 1; }
    *cls = lora__uclass(cp);
    return k;
}

/* End of the run of units of class cls starting at s[i] (i < n). */
static size_t lora__run_end(const unsigned char *s, size_t n, size_t i, int cls) {
    while (i < n) {
        int c;
        size_t k;
        if (s[i] < 0x80) {
            if (lora__ascii_class[s[i]] != cls) break;
            i++;
            continue;
        }
        k = lora__unit(s + i, n - i, &c);
        if (c != cls) break;
        i += k;
    }
    return i;
}

/* Length of the pre-token at s[0..n), n >= 1. */
static size_t lora__pretoken(const unsigned char *s, size_t n) {
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
    k0 = lora__unit(s, n, &c0);
    if (c0 != LORA__SPACE) return lora__run_end(s, n, k0, c0);
    if (s[0] == ' ' && n >= 2) { /* " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+" */
        size_t k1 = lora__unit(s + 1, n - 1, &c1);
        if (c1 != LORA__SPACE) return lora__run_end(s, n, 1 + k1, c1);
    }
    /* whitespace: \s+(?!\S) leaves the last whitespace character of a run that is followed
       by something else (so " word" stays together), unless the run is that one character */
    i = k0; last = 0;
    while (i < n) {
        int c;
        size_t k;
        if (s[i] < 0x80) {
            if (lora__ascii_class[s[i]] != LORA__SPACE) break;
            last = i++;
            continue;
        }
        k = lora__unit(s + i, n - i, &c);
        if (c != LORA__SPACE) break;
        last = i;
        i += k;
    }
    if (i == n || last == 0) return i;
    return last;
}

/* Length of the pre-token at s[0..n), n >= 1, for the Split pattern of Llama 3 (max_digits 3)
   and Qwen2 / Qwen2.5 / Qwen3 (max_digits 1):
       (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
   run as the first alternative that matches at s (the leftmost-first semantics of a backtracking
   engine). The case-insensitive contractions are ASCII only, as in the JavaScript reference
   (which rewrites (?i:...) to [sS]... classes). */
static size_t lora__pretoken_split(const unsigned char *s, size_t n, int max_digits) {
    int c0, c1;
    size_t k0, i, last, nl_end;
    if (s[0] == '\'' && n >= 2) {
        unsigned a = s[1] | 0x20u;
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
        if (n >= 3) {
            unsigned b = s[2] | 0x20u;
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
        }
    }
    k0 = lora__unit(s, n, &c0);
    if (c0 == LORA__LETTER) return lora__run_end(s, n, k0, LORA__LETTER); /* \p{L}+ */
    if (c0 != LORA__NUMBER && s[0] != '\r' && s[0] != '\n' && k0 < n) { /* [^\r\n\p{L}\p{N}]\p{L}+ */
        size_t k1 = lora__unit(s + k0, n - k0, &c1);
        if (c1 == LORA__LETTER) return lora__run_end(s, n, k0 + k1, LORA__LETTER);
    }
    if (c0 == LORA__NUMBER) { /* \p{N}{1,max_digits} */
        int d;
        for (i = k0, d = 1; d < max_digits && i < n; d++) {
            int c;
            size_t k = lora__unit(s + i, n - i, &c);
            if (c != LORA__NUMBER) break;
            i += k;
        }
        return i;
    }
    if (c0 == LORA__OTHER || (s[0] == ' ' && n >= 2 && (lora__unit(s + 1, n - 1, &c1), c1 == LORA__OTHER))) {
        i = lora__run_end(s, n, c0 == LORA__OTHER ? k0 : 1, LORA__OTHER); /* ' ?[^\s\p{L}\p{N}]+' */
        while (i < n && (s[i] == '\r' || s[i] == '\n')) i++;                /* [\r\n]* */
        return i;
    }
    /* whitespace: \s*[\r\n]+ ends after the run's last \r or \n; else \s+(?!\S), else \s+ */
    nl_end = (s[0] == '\r' || s[0] == '\n') ? 1 : 0;
    i = k0; last = 0;
    while (i < n) {
        int c;
        size_t k = lora__unit(s + i, n - i, &c);
        if (c != LORA__SPACE) break;
        if (s[i] == '\r' || s[i] == '\n') nl_end = i + 1;
        last = i;
        i += k;
    }
    if (nl_end) return nl_end;
    if (i == n || last == 0) return i;
    return last;
}

LORA_API size_t lora_pretoken_length(const char *text, size_t len) {
    return text && len ? lora__pretoken((const unsigned char *)text, len) : 0;
}

/* ---- merge table ---- */
static uint32_t lora__hash64(uint64_t key, uint32_t bits) {
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}
static uint32_t lora__hash_bytes(const unsigned char *s, size_t n, uint32_t bits) {
    uint64_t h = 0xCBF29CE484222325ull;
    size_t i;
    for (i = 0; i < n; i++) { h ^= s[i]; h *= 0x100000001B3ull; }
    return lora__hash64(h, bits);
}

/* the fast-path token whose bytes are w[0..n), or -1 */
static int32_t lora__word_find(const lora_tokenizer *tok, const unsigned char *w, size_t n) {
    uint32_t mask, h;
    if (n > tok->max_word) return -1;
    mask = (1u << tok->word_bits) - 1;
    h = lora__hash_bytes(w, n, tok->word_bits);
    for (;;) {
        int32_t id = tok->word_slot[h];
        if (id < 0) return -1;
        if (tok->off[id + 1] - tok->off[id] == n && memcmp(tok->blob + tok->off[id], w, n) == 0) return id;
        h = (h + 1) & mask;
    }
}

static const lora__merge_slot *lora__merge_find(const lora_tokenizer *tok, int32_t a, int32_t b) {
    uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    uint32_t mask = (1u << tok->merge_bits) - 1, h = lora__hash64(key, tok->merge_bits);
    for (;;) {
        const lora__merge_slot *s = &tok->merges[h];
        if (s->key == key) return s;
        if (s->key == LORA__EMPTY_KEY) return NULL;
        h = (h + 1) & mask;
    }
}

/* ---- BPE ---- */
typedef struct lora__heap_item { uint32_t rank; int32_t pos; } lora__heap_item;

/* Scratch memory for one encode call, grown as needed. */
typedef struct lora__scratch {
    int32_t *sym, *res, *next, *prev;
    uint32_t *rank;
    lora__heap_item *heap, *pending;
    size_t cap;
} lora__scratch;

static void lora__scratch_free(lora__scratch *sc) {
    LORA_FREE(sc->sym); LORA_FREE(sc->res); LORA_FREE(sc->next); LORA_FREE(sc->prev);
    LORA_FREE(sc->rank); LORA_FREE(sc->heap); LORA_FREE(sc->pending);
    memset(sc, 0, sizeof *sc);
}
static lora_status lora__scratch_reserve(lora__scratch *sc, size_t n) {
    size_t cap;
    if (n <= sc->cap) return LORA_OK;
    if (n > (size_t)0x7FFFFFFF) return lora__fail(LORA_ERR_UNSUPPORTED, "lora_encode: a pre-token of %zu bytes is too long (limit 2^31 - 1)", n);
    cap = sc->cap ? sc->cap : 256;
    while (cap < n) cap *= 2;
    if (cap > (size_t)0x7FFFFFFF) cap = (size_t)0x7FFFFFFF;
    lora__scratch_free(sc);
    sc->sym = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE symbols");
    sc->res = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE merge results");
    sc->rank = (uint32_t *)lora__malloc(cap * sizeof(uint32_t), "BPE pair ranks");
    if (!sc->sym || !sc->res || !sc->rank) { lora__scratch_free(sc); return LORA_ERR_OOM; }
    if (cap > LORA__LONG_WORD) {
        sc->next = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE links");
        sc->prev = (int32_t *)lora__malloc(cap * sizeof(int32_t), "BPE links");
        /* at most n - 1 initial pairs plus two per merge, fewer than n merges */
        sc->heap = (lora__heap_item *)lora__calloc(cap, 3 * sizeof(lora__heap_item), "BPE heap");
        sc->pending = (lora__heap_item *)lora__calloc(cap, 2 * sizeof(lora__heap_item), "BPE heap");
        if (!sc->next || !sc->prev || !sc->heap || !sc->pending) { lora__scratch_free(sc); return LORA_ERR_OOM; }
    }
    sc->cap = cap;
    return LORA_OK;
}

static void lora__pair_rank(const lora_tokenizer *tok, const int32_t *sym, size_t i, uint32_t *rank, int32_t *res) {
    const lora__merge_slot *m = lora__merge_find(tok, sym[i], sym[i + 1]);
    if (m) { rank[i] = m->rank; res[i] = m->id; }
    else rank[i] = LORA__NO_RANK;
}

/* Short words: ranks of adjacent pairs in an array; each pass finds the lowest rank and merges
   its occurrences left to right, then re-ranks only the pairs next to merged symbols. */
static size_t lora__bpe_short(const lora_tokenizer *tok, lora__scratch *sc, size_t n) {
    int32_t *sym = sc->sym, *res = sc->res;
    uint32_t *rank = sc->rank;
    size_t i;
    int prev_merged;
    for (i = 0; i + 1 < n; i++) lora__pair_rank(tok, sym, i, rank, res);
    rank[n - 1] = LORA__NO_RANK;
    while (n > 1) {
        uint32_t best = LORA__NO_RANK;
        size_t out = 0, first = n;
        for (i = 0; i + 1 < n; i++) if (rank[i] < best) { best = rank[i]; first = i; }
        if (best == LORA__NO_RANK) break;
        /* rank[] doubles as "merged here" marker: the merged symbol gets LORA__NO_RANK - 1
           until re-ranked below (merge ranks are below 2^31) */
        for (out = first, i = first; i < n; out++) {
            if (i + 1 < n && rank[i] == best) {
                sym[out] = res[i];
                rank[out] = LORA__NO_RANK - 1;
                i += 2;
            } else {
                sym[out] = sym[i]; rank[out] = rank[i]; res[out] = res[i];
                i++;
            }
        }
        n = out;
        for (i = first, prev_merged = 0; i < n; i++) {
            if (rank[i] != LORA__NO_RANK - 1) { prev_merged = 0; continue; }
            if (i > 0 && !prev_merged) lora__pair_rank(tok, sym, i - 1, rank, res);
            if (i + 1 < n) lora__pair_rank(tok, sym, i, rank, res);
            else rank[i] = LORA__NO_RANK;
            prev_merged = 1;
        }
    }
    return n;
}

static int lora__heap_less(lora__heap_item a, lora__heap_item b) {
    return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos);
}
static void lora__heap_push(lora__heap_item *h, size_t *n, lora__heap_item x) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!lora__heap_less(x, h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}
static lora__heap_item lora__heap_pop(lora__heap_item *h, size_t *n) {
    lora__heap_item top = h[0], x = h[--*n];
    size_t i = 0, m = *n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && lora__heap_less(h[c + 1], h[c])) c++;
        if (!lora__heap_less(h[c], x)) break;
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
   same as lora__bpe_short's for any merge table. */
static size_t lora__bpe_long(const lora_tokenizer *tok, lora__scratch *sc, size_t n) {
    int32_t *sym = sc->sym, *res = sc->res, *next = sc->next, *prev = sc->prev;
    uint32_t *rank = sc->rank;
    lora__heap_item *heap = sc->heap, *pending = sc->pending;
    size_t nh = 0, np = 0, i, out;
    uint32_t pass = LORA__NO_RANK;
    int32_t p;
    for (i = 0; i < n; i++) {
        next[i] = i + 1 < n ? (int32_t)(i + 1) : -1;
        prev[i] = (int32_t)i - 1;
        rank[i] = LORA__NO_RANK;
        if (i + 1 < n) {
            lora__pair_rank(tok, sym, i, rank, res);
            if (rank[i] != LORA__NO_RANK) { heap[nh].rank = rank[i]; heap[nh].pos = (int32_t)i; nh++; }
        }
    }
    /* heapify: entries were added in position order, sift down from the middle */
    for (i = nh / 2; i-- > 0;) {
        lora__heap_item x = heap[i];
        size_t j = i;
        for (;;) {
            size_t c = 2 * j + 1;
            if (c >= nh) break;
            if (c + 1 < nh && lora__heap_less(heap[c + 1], heap[c])) c++;
            if (!lora__heap_less(heap[c], x)) break;
            heap[j] = heap[c];
            j = c;
        }
        heap[j] = x;
    }
    for (;;) {
        lora__heap_item top;
        int32_t q, r, l;
        if (np && (nh == 0 || heap[0].rank != pass)) { /* pass over: release the deferred pairs */
            for (i = 0; i < np; i++)
                if (rank[pending[i].pos] == pending[i].rank) lora__heap_push(heap, &nh, pending[i]);
            np = 0;
            continue;
        }
        if (nh == 0) break;
        top = lora__heap_pop(heap, &nh);
        if (rank[top.pos] != top.rank) continue; /* stale */
        pass = top.rank;
        p = top.pos; q = next[p]; r = next[q];
        sym[p] = res[p];
        next[p] = r;
        if (r >= 0) prev[r] = p;
        rank[q] = LORA__NO_RANK;
        rank[p] = LORA__NO_RANK;
        for (l = prev[p]; ; l = p) { /* the pairs (prev, p) and (p, next) are new */
            if (l >= 0 && next[l] >= 0) {
                const lora__merge_slot *m = lora__merge_find(tok, sym[l], sym[next[l]]);
                if (m) {
                    lora__heap_item x;
                    rank[l] = m->rank; res[l] = m->id;
                    x.rank = m->rank; x.pos = l;
                    /* a pair ranked above this pass cannot be popped before the pass ends;
                       one ranked below must wait for it (encoder.py merges all occurrences
                       of a pair before looking at any other) */
                    if (x.rank > pass) lora__heap_push(heap, &nh, x);
                    else pending[np++] = x;
                } else {
                    rank[l] = LORA__NO_RANK;
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
typedef struct lora__ids { int32_t *v; size_t n, cap; } lora__ids;
static lora_status lora__ids_reserve(lora__ids *ids, size_t extra) {
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

/* the model-vocabulary token whose bytes are w[0..n), or -1 (needs tok->vocab_slot) */
static int32_t lora__vocab_lookup(const lora_tokenizer *tok, const unsigned char *w, size_t n) {
    uint32_t mask = (1u << tok->vocab_bits) - 1, h = lora__hash_bytes(w, n, tok->vocab_bits);
    for (;;) {
        int32_t id = tok->vocab_slot[h];
        if (id < 0) return -1;
        if (tok->off[id + 1] - tok->off[id] == n && memcmp(tok->blob + tok->off[id], w, n) == 0) return id;
        h = (h + 1) & mask;
    }
}

static lora_status lora__bpe(const lora_tokenizer *tok, lora__scratch *sc, const unsigned char *w, size_t n, lora__ids *ids) {
    lora_status s;
    size_t i, m;
    if (n == 1 && !tok->byte_gaps) {
        if ((s = lora__ids_reserve(ids, 1)) != LORA_OK) return s;
        ids->v[ids->n++] = tok->byte_id[w[0]];
        return LORA_OK;
    }
    if (tok->ignore_merges) {
        int32_t id = lora__vocab_lookup(tok, w, n);
        if (id >= 0) {
            if ((s = lora__ids_reserve(ids, 1)) != LORA_OK) return s;
            ids->v[ids->n++] = id;
            return LORA_OK;
        }
    }
    if (tok->word_slot) {
        int32_t id = lora__word_find(tok, w, n);
        if (id >= 0) {
            if ((s = lora__ids_reserve(ids, 1)) != LORA_OK) return s;
            ids->v[ids->n++] = id;
            return LORA_OK;
        }
    }
    if ((s = lora__scratch_reserve(sc, n)) != LORA_OK) return s;
    if (tok->byte_gaps) { /* HF's BPE: a byte without a token is dropped, or unk (fused when fuse_unk) */
        size_t k = 0;
        for (i = 0; i < n; i++) {
            int32_t id = tok->byte_id[w[i]];
            if (id == -2) {
                if (tok->unk < 0 || (tok->fuse_unk && k && sc->sym[k - 1] == tok->unk && i && tok->byte_id[w[i - 1]] == -2)) continue;
                id = tok->unk;
            }
            sc->sym[k++] = id;
        }
        m = k < 2 ? k : k > LORA__LONG_WORD ? lora__bpe_long(tok, sc, k) : lora__bpe_short(tok, sc, k);
    } else {
        for (i = 0; i < n; i++) sc->sym[i] = tok->byte_id[w[i]];
        m = n > LORA__LONG_WORD ? lora__bpe_long(tok, sc, n) : lora__bpe_short(tok, sc, n);
    }
    if ((s = lora__ids_reserve(ids, m)) != LORA_OK) return s;
    memcpy(ids->v + ids->n, sc->sym, m * sizeof(int32_t));
    ids->n += m;
    return LORA_OK;
}

static lora_status lora__encode_text(const lora_tokenizer *tok, lora__scratch *sc, const unsigned char *s, size_t n, lora__ids *ids) {
    size_t i = 0;
    if (tok->digits) { /* Digits first (HF: char::is_numeric, i.e. \p{N}), then the pattern within the rest */
        while (i < n) {
            int c;
            size_t k = lora__unit(s + i, n - i, &c), e = i + k;
            lora_status st;
            if (c == LORA__NUMBER) {
                if (tok->digits == 2) e = lora__run_end(s, n, e, LORA__NUMBER);
                st = lora__bpe(tok, sc, s + i, e - i, ids);
            } else {
                while (e < n) {
                    size_t k2 = lora__unit(s + e, n - e, &c);
                    if (c == LORA__NUMBER) break;
                    e += k2;
                }
                for (; i < e; i += k) {
                    k = lora__pretoken(s + i, e - i);
                    if ((st = lora__bpe(tok, sc, s + i, k, ids)) != LORA_OK) return st;
                }
                continue;
            }
            if (st != LORA_OK) return st;
            i = e;
        }
        return LORA_OK;
    }
    while (i < n) {
        size_t k = tok->pretok == LORA__PRE_GPT2 ? lora__pretoken(s + i, n - i)
                 : lora__pretoken_split(s + i, n - i, tok->pretok == LORA__PRE_LLAMA3 ? 3 : 1);
        lora_status st = lora__bpe(tok, sc, s + i, k, ids);
        if (st != LORA_OK) return st;
        i += k;
    }
    return LORA_OK;
}

/* A section of text between added tokens: normalized (NFC when the file asks for it), then
   pre-tokenized and BPE-encoded. */
static lora_status lora__encode_section(const lora_tokenizer *tok, lora__scratch *sc, const unsigned char *s, size_t n,
                                        lora__ids *ids) {
    if (n && tok->nfc && !lora__is_nfc(s, n)) {
        unsigned char *norm = NULL;
        size_t m = 0;
        lora_status st = lora__nfc(s, n, &norm, &m);
        if (st != LORA_OK) return st;
        st = lora__encode_text(tok, sc, norm, m, ids);
        LORA_FREE(norm);
        return st;
    }
    return lora__encode_text(tok, sc, s, n, ids);
}

/* Whitespace (JavaScript's \s, the class table's) ending at s[n) / starting at s: its length. */
static size_t lora__trailing_space(const unsigned char *s, size_t n) {
    size_t i = 0, end = n;
    while (i < n) { /* forward scan: UTF-8 cannot be walked backwards safely if invalid */
        int c;
        size_t k = lora__unit(s + i, n - i, &c);
        if (c != LORA__SPACE) end = i + k;
        i += k;
    }
    return n - end;
}
static size_t lora__leading_space(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        int c;
        size_t k = lora__unit(s + i, n - i, &c);
        if (c != LORA__SPACE) break;
        i += k;
    }
    return i;
}

LORA_API lora_status lora_encode(const lora_tokenizer *tok, const char *text, size_t len, int allow_special,
                                 int32_t **ids_out, size_t *n_ids) {
    const unsigned char *s = (const unsigned char *)text;
    lora__scratch sc;
    lora__ids ids;
    lora_status st = LORA_OK;
    size_t start = 0, i = 0, skip = 0;
    if (ids_out) *ids_out = NULL;
    if (n_ids) *n_ids = 0;
    if (!tok || !ids_out || !n_ids || (!text && len))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_encode: NULL argument");
    memset(&sc, 0, sizeof sc);
    memset(&ids, 0, sizeof ids);
    if ((st = lora__ids_reserve(&ids, len / 4 + 16)) != LORA_OK) return st;
    /* added tokens: leftmost, longest first; special ones only with allow_special */
    while (tok->n_added && i < len) {
        const lora__added *hit = NULL;
        size_t k, hl = 0;
        if (tok->added_first[s[i]]) {
            for (k = 0; k < tok->n_added; k++) {
                const lora__added *a = &tok->added[k];
                size_t al = tok->off[a->id + 1] - tok->off[a->id];
                if ((a->special && !allow_special) || al > len - i) continue;
                if (memcmp(s + i, tok->blob + tok->off[a->id], al) == 0) { hit = a; hl = al; break; }
            }
        }
        if (!hit) { i++; continue; }
        {
            size_t a0 = start + skip, e = i;
            if (a0 > e) a0 = e;
            if (hit->lstrip) e -= lora__trailing_space(s + a0, e - a0);
            if ((st = lora__encode_section(tok, &sc, s + a0, e - a0, &ids)) != LORA_OK) goto done;
        }
        if ((st = lora__ids_reserve(&ids, 1)) != LORA_OK) goto done;
        ids.v[ids.n++] = hit->id;
        i += hl;
        start = i;
        skip = hit->rstrip ? lora__leading_space(s + i, len - i) : 0;
    }
    if (start + skip > len) skip = len - start;
    st = lora__encode_section(tok, &sc, s + start + skip, len - start - skip, &ids);
done:
    lora__scratch_free(&sc);
    if (st != LORA_OK) { LORA_FREE(ids.v); return st; }
    *ids_out = ids.v;
    *n_ids = ids.n;
    return LORA_OK;
}

LORA_API const char *lora_token_bytes(const lora_tokenizer *tok, int32_t id, size_t *len) {
    if (len) *len = 0;
    if (!tok || id < 0 || id >= tok->n_vocab || tok->off[id] == tok->off[id + 1]) return NULL;
    if (len) *len = tok->off[id + 1] - tok->off[id];
    return tok->blob + tok->off[id];
}

LORA_API lora_status lora_decode(const lora_tokenizer *tok, const int32_t *ids, size_t n_ids, char **text, size_t *len) {
    size_t i, total = 0;
    char *out;
    if (text) *text = NULL;
    if (len) *len = 0;
    if (!tok || !text || !len || (!ids && n_ids)) return lora__fail(LORA_ERR_INVALID_ARG, "lora_decode: NULL argument");
    for (i = 0; i < n_ids; i++) {
        int32_t id = ids[i];
        if (id < 0 || id >= tok->n_vocab || tok->off[id] == tok->off[id + 1])
            return lora__fail(LORA_ERR_RANGE, "lora_decode: id %ld at position %zu is not in the vocabulary (size %d)",
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

LORA_API int lora_tokenizer_vocab_size(const lora_tokenizer *tok) { return tok ? (int)tok->n_vocab : 0; }
LORA_API int32_t lora_tokenizer_eos(const lora_tokenizer *tok) { return tok ? tok->eot : -1; }
LORA_API int32_t lora_tokenizer_bos(const lora_tokenizer *tok) { return tok ? tok->bos : -1; }
LORA_API lora_chat_template lora_tokenizer_chat(const lora_tokenizer *tok, const char **default_system, int *think) {
    if (default_system) *default_system = tok ? tok->chat_system : NULL;
    if (think) *think = tok ? tok->chat_think : 0;
    return tok ? (lora_chat_template)tok->chat : LORA_CHAT_PLAIN;
}

LORA_API void lora_tokenizer_free(lora_tokenizer *tok) {
    if (!tok) return;
    LORA_FREE(tok->blob);
    LORA_FREE(tok->off);
    LORA_FREE(tok->merges);
    LORA_FREE(tok->word_slot);
    LORA_FREE(tok->vocab_slot);
    LORA_FREE(tok->added);
    LORA_FREE(tok->chat_system);
    LORA_FREE(tok);
}

/* ---- loading ---- */

/* Printable rendering of a symbol for error messages (at most ~60 bytes shown). */
static const char *lora__show(const char *s, size_t n, char *buf, size_t cap) {
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
static long lora__symbol_bytes(const int16_t *u2b, const char *s, size_t n, unsigned char *out) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = lora__tok_utf8_decode(p + i, n - i, &cp);
        if (!k || cp >= 324 || u2b[cp] < 0) return -1;
        out[o++] = (unsigned char)u2b[cp];
        i += k;
    }
    return (long)o;
}

/* bytes -> id map used while loading (open addressing over ids, -1 = free) */
typedef struct lora__vocab_map { int32_t *slot; uint32_t bits; const lora_tokenizer *tok; const uint32_t *len; } lora__vocab_map;
static int32_t *lora__vocab_slot(const lora__vocab_map *m, const unsigned char *s, size_t n) {
    uint32_t mask = (1u << m->bits) - 1, h = lora__hash_bytes(s, n, m->bits);
    for (;;) {
        int32_t *slot = &m->slot[h], id = *slot;
        if (id < 0) return slot;
        if (m->len[id] == n && memcmp(m->tok->blob + m->tok->off[id], s, n) == 0) return slot;
        h = (h + 1) & mask;
    }
}
static int32_t lora__vocab_find(const lora__vocab_map *m, const unsigned char *s, size_t n) { return *lora__vocab_slot(m, s, n); }

static uint32_t lora__bits_for(size_t n) { /* table size >= 2n, at least 16 */
    uint32_t bits = 4;
    while (bits < 31 && ((size_t)1 << bits) < 2 * n) bits++;
    return bits;
}

static lora_status lora__load_vocab_obj(lora_tokenizer *tok, const lora_json *root, const char *vname,
                                        const int16_t *u2b, lora__vocab_map *map, uint32_t **len_out) {
    lora_status st;
    size_t i, total = 0, pos = 0;
    int32_t max_id = -1;
    uint32_t *len = NULL;
    char show[96];
    *len_out = NULL;
    if (root->type != LORA_JSON_OBJECT)
        return lora__fail(LORA_ERR_FORMAT, "%s: expected a JSON object mapping token strings to ids", vname);
    if (root->n == 0) return lora__fail(LORA_ERR_FORMAT, "%s: the vocabulary is empty", vname);
    for (i = 0; i < root->n; i++) {
        const lora_json *v = &root->items[i];
        double d = v->number;
        if (v->type != LORA_JSON_NUMBER || !(d >= 0 && d < LORA__MAX_ID) || d != (double)(int32_t)d) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): expected an integer id in [0, %d)", vname, i + 1,
                            lora__show(root->keys[i], root->key_lens[i], show, sizeof show), LORA__MAX_ID);
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
    map->bits = lora__bits_for(root->n);
    map->slot = (int32_t *)lora__malloc(((size_t)1 << map->bits) * sizeof(int32_t), "vocabulary hash table");
    map->tok = tok; map->len = len;
    if (!tok->blob || !tok->off || !len || !map->slot) { st = LORA_ERR_OOM; goto fail; }
    memset(map->slot, 0xFF, ((size_t)1 << map->bits) * sizeof(int32_t));
    for (i = 0; i < root->n; i++) {
        int32_t id = (int32_t)root->items[i].number, *slot;
        long n = lora__symbol_bytes(u2b, root->keys[i], root->key_lens[i], (unsigned char *)tok->blob + pos);
        if (n < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): not a byte-level BPE token (characters must be "
                            "bytes_to_unicode's)", vname, i + 1, lora__show(root->keys[i], root->key_lens[i], show, sizeof show));
            goto fail;
        }
        if (len[id]) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): id %ld is used twice", vname, i + 1,
                            lora__show(root->keys[i], root->key_lens[i], show, sizeof show), (long)id);
            goto fail;
        }
        tok->off[id] = (uint32_t)pos;
        len[id] = (uint32_t)n;
        slot = lora__vocab_slot(map, (const unsigned char *)tok->blob + pos, (size_t)n);
        if (*slot >= 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: entry %zu (\"%s\"): duplicate token (ids %ld and %ld)", vname, i + 1,
                            lora__show(root->keys[i], root->key_lens[i], show, sizeof show), (long)*slot, (long)id);
            goto fail;
        }
        *slot = id;
        pos += (size_t)n;
    }
    *len_out = len;
    return LORA_OK;
fail:
    LORA_FREE(len);
    return st;
}

static lora_status lora__load_vocab(lora_tokenizer *tok, const char *vocab, size_t vocab_len, const char *vname,
                                    const int16_t *u2b, lora__vocab_map *map, uint32_t **len_out) {
    lora_json *root = NULL;
    lora_status st;
    *len_out = NULL;
    if (vocab_len >= 0xFFFFFFFFu) return lora__fail(LORA_ERR_UNSUPPORTED, "%s: vocabulary file too large (%zu bytes)", vname, vocab_len);
    st = lora_json_parse(vocab, vocab_len, vname, &root);
    if (st != LORA_OK) return st;
    st = lora__load_vocab_obj(tok, root, vname, u2b, map, len_out);
    lora_json_free(root);
    return st;
}

/* Allocates the merge table for up to n merges. */
static lora_status lora__merges_alloc(lora_tokenizer *tok, size_t n) {
    size_t i;
    tok->merge_bits = lora__bits_for(n);
    tok->merges = (lora__merge_slot *)lora__malloc(((size_t)1 << tok->merge_bits) * sizeof(lora__merge_slot), "merge table");
    if (!tok->merges) return LORA_ERR_OOM;
    for (i = 0; i < ((size_t)1 << tok->merge_bits); i++) tok->merges[i].key = LORA__EMPTY_KEY;
    return LORA_OK;
}

/* Adds the merge of symbols a[0..ka) and b[0..kb) with the next rank; buf holds ka + kb bytes.
   Returns 0, or what is wrong: 1/2 = a/b is not a byte-level symbol, 3/4 = a/b is not in the
   vocabulary, 5 = their concatenation is not. */
static int lora__merge_add(lora_tokenizer *tok, const lora__vocab_map *map, const int16_t *u2b, unsigned char *buf,
                           const char *a_s, size_t ka, const char *b_s, size_t kb) {
    long la = lora__symbol_bytes(u2b, a_s, ka, buf), lb;
    int32_t a, b, c;
    uint64_t key;
    uint32_t h, mask = (1u << tok->merge_bits) - 1;
    if (la < 0) return 1;
    lb = lora__symbol_bytes(u2b, b_s, kb, buf + la);
    if (lb < 0) return 2;
    a = lora__vocab_find(map, buf, (size_t)la);
    if (a < 0) return 3;
    b = lora__vocab_find(map, buf + la, (size_t)lb);
    if (b < 0) return 4;
    c = lora__vocab_find(map, buf, (size_t)(la + lb));
    if (c < 0) return 5;
    /* a pair listed twice keeps its last rank, as Python's dict(zip(merges, ranks)) */
    key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    h = lora__hash64(key, tok->merge_bits);
    while (tok->merges[h].key != LORA__EMPTY_KEY && tok->merges[h].key != key) h = (h + 1) & mask;
    tok->merges[h].key = key;
    tok->merges[h].rank = (uint32_t)tok->n_merges++;
    tok->merges[h].id = c;
    return 0;
}

static const char *lora__merge_problem(int e) {
    switch (e) {
    case 1: case 2: return "is not a byte-level BPE symbol";
    case 3: case 4: return "is not in the vocabulary";
    default: return "the merged symbol is not in the vocabulary";
    }
}

static lora_status lora__load_merges(lora_tokenizer *tok, const char *text, size_t n, const char *mname,
                                     const int16_t *u2b, const lora__vocab_map *map) {
    size_t i, lines = 1, line = 0, max_line = 0;
    unsigned char *buf;
    char show[96];
    lora_status st = LORA_OK;
    for (i = 0; i < n; i++) {
        if (text[i] == '\n') { lines++; line = 0; }
        else if (++line > max_line) max_line = line;
    }
    if ((st = lora__merges_alloc(tok, lines)) != LORA_OK) return st;
    buf = (unsigned char *)lora__malloc(2 * max_line + 1, "merge symbols");
    if (!buf) return LORA_ERR_OOM;
    line = 0;
    for (i = 0; i < n;) {
        const char *s = text + i, *nl = (const char *)memchr(s, '\n', n - i), *sp;
        size_t k = nl ? (size_t)(nl - s) : n - i, ka;
        int e;
        i += k + (nl != NULL);
        line++;
        if (k && s[k - 1] == '\r') k--;
        if (k == 0 || (k >= 8 && memcmp(s, "#version", 8) == 0)) continue;
        sp = (const char *)memchr(s, ' ', k);
        ka = sp ? (size_t)(sp - s) : 0;
        if (!sp || ka == 0 || ka + 1 == k || memchr(sp + 1, ' ', k - ka - 1)) {
            st = lora__fail(LORA_ERR_FORMAT, "%s:%zu: expected two symbols separated by one space, found \"%s\"", mname,
                            line, lora__show(s, k, show, sizeof show));
            break;
        }
        e = lora__merge_add(tok, map, u2b, buf, s, ka, sp + 1, k - ka - 1);
        if (e) {
            if (e == 5) lora__show(s, k, show, sizeof show);
            else if (e == 1 || e == 3) lora__show(s, ka, show, sizeof show);
            else lora__show(sp + 1, k - ka - 1, show, sizeof show);
            st = lora__fail(LORA_ERR_FORMAT, e == 3 || e == 4 ? "%s:%zu: symbol \"%s\" %s" :
                            e == 5 ? "%s:%zu: \"%s\": %s" : "%s:%zu: \"%s\" %s", mname, line, show, lora__merge_problem(e));
            break;
        }
    }
    LORA_FREE(buf);
    return st;
}

/* tokenizer.json's model.merges: "a b" strings or [a, b] pairs. */
static lora_status lora__load_merges_json(lora_tokenizer *tok, const lora_json *arr, const char *path,
                                          const int16_t *u2b, const lora__vocab_map *map) {
    size_t i, max_len = 0;
    unsigned char *buf;
    char show[96];
    lora_status st = LORA_OK;
    if (arr->type != LORA_JSON_ARRAY)
        return lora__fail(LORA_ERR_FORMAT, "%s: model.merges: expected an array, found %s", path, lora_json_type_name(arr->type));
    for (i = 0; i < arr->n; i++) {
        const lora_json *m = &arr->items[i];
        size_t l = m->type == LORA_JSON_STRING ? m->len
                 : (m->type == LORA_JSON_ARRAY && m->n == 2 && m->items[0].type == LORA_JSON_STRING &&
                    m->items[1].type == LORA_JSON_STRING) ? m->items[0].len + m->items[1].len : (size_t)-1;
        if (l == (size_t)-1)
            return lora__fail(LORA_ERR_FORMAT, "%s: model.merges[%zu]: expected \"left right\" or [\"left\", \"right\"], "
                              "found %s", path, i, lora_json_type_name(m->type));
        if (l > max_len) max_len = l;
    }
    if ((st = lora__merges_alloc(tok, arr->n)) != LORA_OK) return st;
    buf = (unsigned char *)lora__malloc(max_len + 1, "merge symbols");
    if (!buf) return LORA_ERR_OOM;
    for (i = 0; i < arr->n; i++) {
        const lora_json *m = &arr->items[i];
        const char *a, *b;
        size_t ka, kb;
        int e;
        if (m->type == LORA_JSON_STRING) {
            const char *sp = (const char *)memchr(m->str, ' ', m->len);
            ka = sp ? (size_t)(sp - m->str) : 0;
            if (!sp || ka == 0 || ka + 1 == m->len || memchr(sp + 1, ' ', m->len - ka - 1)) {
                st = lora__fail(LORA_ERR_FORMAT, "%s: model.merges[%zu]: expected two symbols separated by one space, "
                                "found \"%s\"", path, i, lora__show(m->str, m->len, show, sizeof show));
                break;
            }
            a = m->str; b = sp + 1; kb = m->len - ka - 1;
        } else {
            a = m->items[0].str; ka = m->items[0].len;
            b = m->items[1].str; kb = m->items[1].len;
            if (!ka || !kb) {
                st = lora__fail(LORA_ERR_FORMAT, "%s: model.merges[%zu]: empty symbol", path, i);
                break;
            }
        }
        e = lora__merge_add(tok, map, u2b, buf, a, ka, b, kb);
        if (e) {
            if (e == 1 || e == 3) lora__show(a, ka, show, sizeof show);
            else if (e == 2 || e == 4) lora__show(b, kb, show, sizeof show);
            else { size_t o = strlen(lora__show(a, ka, show, sizeof show)); if (o + 2 < sizeof show) { show[o] = ' '; lora__show(b, kb, show + o + 1, sizeof show - o - 1); } }
            st = lora__fail(LORA_ERR_FORMAT, "%s: model.merges[%zu]: \"%s\" %s", path, i, show, lora__merge_problem(e));
            break;
        }
    }
    LORA_FREE(buf);
    return st;
}

/* Finds the tokens that BPE maps their own bytes to, for lora__word_find. */
static lora_status lora__build_words(lora_tokenizer *tok) {
    lora__scratch sc;
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
        if ((st = lora__scratch_reserve(&sc, n)) != LORA_OK) goto done;
        for (i = 0; i < n && tok->byte_id[w[i]] >= 0; i++) sc.sym[i] = tok->byte_id[w[i]];
        if (i < n) continue; /* holds a byte without a token */
        m = n > LORA__LONG_WORD ? lora__bpe_long(tok, &sc, n) : lora__bpe_short(tok, &sc, n);
        if (m == 1 && sc.sym[0] == id) { whole[id] = 1; count++; if (n > tok->max_word) tok->max_word = n; }
    }
    tok->word_bits = lora__bits_for(count);
    tok->word_slot = (int32_t *)lora__malloc(((size_t)1 << tok->word_bits) * sizeof(int32_t), "word table");
    if (!tok->word_slot) { st = LORA_ERR_OOM; goto done; }
    memset(tok->word_slot, 0xFF, ((size_t)1 << tok->word_bits) * sizeof(int32_t));
    for (id = 0; id < tok->n_vocab; id++) {
        uint32_t h, mask = (1u << tok->word_bits) - 1;
        if (!whole[id]) continue;
        h = lora__hash_bytes((const unsigned char *)tok->blob + tok->off[id], tok->off[id + 1] - tok->off[id], tok->word_bits);
        while (tok->word_slot[h] >= 0) h = (h + 1) & mask;
        tok->word_slot[h] = id;
    }
done:
    lora__scratch_free(&sc);
    LORA_FREE(whole);
    return st;
}

/* An added token as read from a file (content: its text, not byte-level symbols). */
typedef struct lora__added_src {
    int32_t id;
    const char *content;
    size_t len;
    int special, lstrip, rstrip;
} lora__added_src;

static int lora__added_cmp(const lora__added *x, const lora__added *y, const lora_tokenizer *tok) {
    uint32_t lx = tok->off[x->id + 1] - tok->off[x->id], ly = tok->off[y->id + 1] - tok->off[y->id];
    if (lx != ly) return lx > ly ? -1 : 1; /* longest first */
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Everything after the vocabulary and merges are read: the byte tokens, the layout in id order
   (with the added tokens' text), the lookup tables. Takes over len and map.slot. */
static lora_status lora__finish(lora_tokenizer *tok, lora__vocab_map *map, uint32_t *len, const char *vname,
                                const lora__added_src *add, size_t n_add, int byte_fallback, int allow_gaps) {
    lora_status st = LORA_OK;
    int32_t i, n_model = tok->n_vocab, n_all = tok->n_vocab;
    int32_t *added_at = NULL;
    size_t k, total = 0, pos = 0;
    char *blob = NULL;
    uint32_t *off = NULL;
    int b;
    for (b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        tok->byte_id[b] = lora__vocab_find(map, &c, 1);
        if (tok->byte_id[b] < 0 && byte_fallback) {
            char fb[8];
            snprintf(fb, sizeof fb, "<0x%02X>", b);
            tok->byte_id[b] = lora__vocab_find(map, (const unsigned char *)fb, 6);
        }
        if (tok->byte_id[b] < 0 && allow_gaps) { /* a restricted alphabet (SmolLM2): dropped or unk, as HF does */
            tok->byte_id[b] = -2;
            tok->byte_gaps = 1;
        } else if (tok->byte_id[b] < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: no token for the byte 0x%02X (a byte-level vocabulary needs all 256)", vname, b);
            goto done;
        }
    }
    tok->eot = lora__vocab_find(map, (const unsigned char *)"<|endoftext|>", 13);
    for (k = 0; k < n_add; k++) if (add[k].id + 1 > n_all) n_all = add[k].id + 1;
    added_at = (int32_t *)lora__malloc(((size_t)n_all + 1) * sizeof(int32_t), "added token index");
    if (!added_at) { st = LORA_ERR_OOM; goto done; }
    for (i = 0; i < n_all; i++) added_at[i] = -1;
    for (k = 0; k < n_add; k++) added_at[add[k].id] = (int32_t)k;
    /* the tokens were stored in file order; lay them out in id order, so that token i is
       blob[off[i] .. off[i + 1]) */
    for (i = 0; i < n_all; i++) total += added_at[i] >= 0 ? add[added_at[i]].len : i < n_model ? len[i] : 0;
    blob = (char *)lora__malloc(total ? total : 1, "vocabulary bytes");
    off = (uint32_t *)lora__malloc(((size_t)n_all + 1) * sizeof(uint32_t), "vocabulary offsets");
    if (!blob || !off) { st = LORA_ERR_OOM; goto done; }
    if (total >= 0xFFFFFFFFu) { st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: vocabulary too large", vname); goto done; }
    for (i = 0; i < n_all; i++) {
        off[i] = (uint32_t)pos;
        if (added_at[i] >= 0) {
            memcpy(blob + pos, add[added_at[i]].content, add[added_at[i]].len);
            pos += add[added_at[i]].len;
        } else if (i < n_model) {
            memcpy(blob + pos, tok->blob + tok->off[i], len[i]);
            pos += len[i];
        }
    }
    off[n_all] = (uint32_t)pos;
    LORA_FREE(tok->blob); LORA_FREE(tok->off);
    tok->blob = blob; tok->off = off; blob = NULL; off = NULL;
    tok->n_vocab = n_all;
    LORA_FREE(map->slot);
    map->slot = NULL;
    if (tok->ignore_merges) { /* the model vocabulary by bytes */
        uint32_t mask;
        size_t count = 0;
        for (i = 0; i < n_model; i++) count += len[i] != 0 && added_at[i] < 0;
        tok->vocab_bits = lora__bits_for(count);
        tok->vocab_slot = (int32_t *)lora__malloc(((size_t)1 << tok->vocab_bits) * sizeof(int32_t), "vocabulary table");
        if (!tok->vocab_slot) { st = LORA_ERR_OOM; goto done; }
        memset(tok->vocab_slot, 0xFF, ((size_t)1 << tok->vocab_bits) * sizeof(int32_t));
        mask = (1u << tok->vocab_bits) - 1;
        for (i = 0; i < n_model; i++) {
            uint32_t h;
            if (!len[i] || added_at[i] >= 0) continue;
            h = lora__hash_bytes((const unsigned char *)tok->blob + tok->off[i], len[i], tok->vocab_bits);
            while (tok->vocab_slot[h] >= 0) h = (h + 1) & mask;
            tok->vocab_slot[h] = i;
        }
    }
    if (n_add) {
        tok->added = (lora__added *)lora__malloc(n_add * sizeof(lora__added), "added tokens");
        if (!tok->added) { st = LORA_ERR_OOM; goto done; }
        for (k = 0; k < n_add; k++) { /* insertion sort: a few hundred at most */
            lora__added x;
            size_t j = k;
            x.id = add[k].id; x.special = (unsigned char)add[k].special;
            x.lstrip = (unsigned char)add[k].lstrip; x.rstrip = (unsigned char)add[k].rstrip;
            while (j > 0 && lora__added_cmp(&x, &tok->added[j - 1], tok) < 0) { tok->added[j] = tok->added[j - 1]; j--; }
            tok->added[j] = x;
            tok->added_first[(unsigned char)add[k].content[0]] = 1;
        }
        tok->n_added = n_add;
    }
    st = lora__build_words(tok);
done:
    LORA_FREE(added_at);
    LORA_FREE(blob);
    LORA_FREE(off);
    LORA_FREE(len);
    LORA_FREE(map->slot);
    map->slot = NULL;
    return st;
}

static lora_status lora__load(const char *vocab, size_t vocab_len, const char *vname, const char *merges,
                              size_t merges_len, const char *mname, lora_tokenizer **out) {
    lora_tokenizer *tok;
    lora__vocab_map map;
    uint32_t *len = NULL;
    int16_t u2b[324];
    lora_status st;
    lora__added_src eot;
    *out = NULL;
    memset(&map, 0, sizeof map);
    tok = (lora_tokenizer *)lora__calloc(1, sizeof *tok, "tokenizer");
    if (!tok) return LORA_ERR_OOM;
    tok->bos = -1;
    tok->unk = -1;
    lora__unicode_to_byte_table(u2b);
    st = lora__load_vocab(tok, vocab, vocab_len, vname, u2b, &map, &len);
    if (st == LORA_OK) st = lora__load_merges(tok, merges, merges_len, mname, u2b, &map);
    if (st != LORA_OK) { LORA_FREE(len); LORA_FREE(map.slot); lora_tokenizer_free(tok); return st; }
    /* "<|endoftext|>" is the one special token of the GPT-2 files */
    eot.id = lora__vocab_find(&map, (const unsigned char *)"<|endoftext|>", 13);
    eot.content = "<|endoftext|>"; eot.len = 13; eot.special = 1; eot.lstrip = eot.rstrip = 0;
    st = lora__finish(tok, &map, len, vname, &eot, eot.id >= 0, 0, 0);
    if (st != LORA_OK) { lora_tokenizer_free(tok); return st; }
    tok->chat = LORA_CHAT_PLAIN;
    *out = tok;
    return LORA_OK;
}

/* ---- Hugging Face tokenizer.json ---- */
static int lora__json_is(const lora_json *o, const char *key, const char *value) {
    const char *s = lora_json_get_string(o, key);
    return s && strcmp(s, value) == 0;
}
/* a boolean member, def when absent or null; -1 when of another type */
static int lora__json_flag(const lora_json *o, const char *key, int def) {
    const lora_json *v = lora_json_get(o, key);
    if (!v || v->type == LORA_JSON_NULL) return def;
    if (v->type == LORA_JSON_TRUE) return 1;
    if (v->type == LORA_JSON_FALSE) return 0;
    return -1;
}

static const char lora__re_llama3[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char lora__re_qwen2[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char lora__re_gpt2[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/* ByteLevel with add_prefix_space false; use_regex (default true) must be want_regex */
static lora_status lora__hf_bytelevel(const lora_json *p, int want_regex, const char *path) {
    int aps = lora__json_flag(p, "add_prefix_space", 1), ur = lora__json_flag(p, "use_regex", 1);
    if (aps != 0)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer ByteLevel with add_prefix_space true is not supported", path);
    if (ur != want_regex)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer ByteLevel with use_regex %s after %s is not supported", path,
                          ur ? "true" : "false", want_regex ? "nothing" : "a Split");
    return LORA_OK;
}

static lora_status lora__hf_pretokenizer(lora_tokenizer *tok, const lora_json *p, const char *path) {
    char show[96];
    const lora_json *seq, *split, *pat;
    const char *re;
    if (!p || p->type == LORA_JSON_NULL)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: no pre_tokenizer: only byte-level BPE (ByteLevel) is supported", path);
    if (p->type == LORA_JSON_OBJECT && lora__json_is(p, "type", "ByteLevel")) {
        tok->pretok = LORA__PRE_GPT2;
        return lora__hf_bytelevel(p, 1, path);
    }
    seq = lora__json_is(p, "type", "Sequence") ? lora_json_get(p, "pretokenizers") : NULL;
    if (!seq || seq->type != LORA_JSON_ARRAY || seq->n < 1 || seq->n > 2)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer: supported are ByteLevel, a Sequence of Digits and "
                          "ByteLevel, or a Sequence of a Split with the GPT-2, Llama 3 or Qwen2 pattern and ByteLevel", path);
    if (seq->n == 1) {
        if (!lora__json_is(&seq->items[0], "type", "ByteLevel"))
            return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer: a Sequence of one %s is not supported", path,
                              lora_json_get_string(&seq->items[0], "type") ? lora_json_get_string(&seq->items[0], "type") : "?");
        tok->pretok = LORA__PRE_GPT2;
        return lora__hf_bytelevel(&seq->items[0], 1, path);
    }
    split = &seq->items[0];
    if (lora__json_is(split, "type", "Digits") && lora__json_is(&seq->items[1], "type", "ByteLevel")) { /* SmolLM2 */
        int ind = lora__json_flag(split, "individual_digits", 0);
        if (ind < 0) return lora__fail(LORA_ERR_FORMAT, "%s: pre_tokenizer Digits: individual_digits must be a boolean", path);
        tok->digits = ind ? 1 : 2;
        tok->pretok = LORA__PRE_GPT2;
        return lora__hf_bytelevel(&seq->items[1], 1, path);
    }
    if (!lora__json_is(split, "type", "Split") || !lora__json_is(&seq->items[1], "type", "ByteLevel"))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer: expected a Sequence of Split and ByteLevel", path);
    pat = lora_json_get(split, "pattern");
    re = pat ? lora_json_get_string(pat, "Regex") : NULL;
    if (!re)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer Split: only a \"Regex\" pattern is supported", path);
    if (!lora__json_is(split, "behavior", "Isolated") || lora__json_flag(split, "invert", 0) != 0)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer Split: only behavior Isolated without invert is supported", path);
    if (strcmp(re, lora__re_llama3) == 0) tok->pretok = LORA__PRE_LLAMA3;
    else if (strcmp(re, lora__re_qwen2) == 0) tok->pretok = LORA__PRE_QWEN2;
    else if (strcmp(re, lora__re_gpt2) == 0) tok->pretok = LORA__PRE_GPT2;
    else
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: pre_tokenizer Split: the pattern \"%s\" is not supported (known: the "
                          "GPT-2, Llama 3 and Qwen2 patterns)", path, lora__show(re, strlen(re), show, sizeof show));
    return lora__hf_bytelevel(&seq->items[1], 0, path);
}

static lora_status lora__hf_normalizer(lora_tokenizer *tok, const lora_json *p, const char *path) {
    size_t i;
    const lora_json *seq;
    if (!p || p->type == LORA_JSON_NULL) return LORA_OK;
    if (lora__json_is(p, "type", "NFC")) { tok->nfc = 1; return LORA_OK; }
    seq = lora__json_is(p, "type", "Sequence") ? lora_json_get(p, "normalizers") : NULL;
    if (seq && seq->type == LORA_JSON_ARRAY) {
        for (i = 0; i < seq->n; i++) {
            if (!lora__json_is(&seq->items[i], "type", "NFC")) break;
            tok->nfc = 1;
        }
        if (i == seq->n) return LORA_OK;
    }
    return lora__fail(LORA_ERR_UNSUPPORTED, "%s: normalizer %s is not supported (only NFC)", path,
                      lora_json_get_string(p, "type") ? lora_json_get_string(p, "type") : "?");
}

/* "eos_token": "<|x|>" or {"content": "<|x|>", ...} */
static const char *lora__config_token(const lora_json *cfg, const char *key) {
    const lora_json *v = lora_json_get(cfg, key);
    if (!v) return NULL;
    if (v->type == LORA_JSON_STRING) return v->str;
    if (v->type == LORA_JSON_OBJECT) return lora_json_get_string(v, "content");
    return NULL;
}

LORA_API int32_t lora_tokenizer_find(const lora_tokenizer *tok, const char *text, size_t len) {
    size_t k;
    int32_t id;
    if (!tok || (!text && len)) return -1;
    for (k = 0; k < tok->n_added; k++) {
        id = tok->added[k].id;
        if (tok->off[id + 1] - tok->off[id] == len && memcmp(tok->blob + tok->off[id], text, len) == 0) return id;
    }
    for (id = 0; id < tok->n_vocab; id++)
        if (tok->off[id + 1] - tok->off[id] == len && memcmp(tok->blob + tok->off[id], text, len) == 0) return id;
    return -1;
}
static int32_t lora__find_str(const lora_tokenizer *tok, const char *s) { return s ? lora_tokenizer_find(tok, s, strlen(s)) : -1; }

/* The chat template of tokenizer_config.json: which family, its default system prompt (the text
   written as '<|im_start|>system\n...<|im_end|>' when the conversation has none, as in Qwen2.5's
   and SmolLM2's templates), Qwen3's empty think block. */
static lora_status lora__hf_chat(lora_tokenizer *tok, const char *tmpl) {
    static const char head[] = "<|im_start|>system";
    const char *p;
    if (lora__find_str(tok, "<|im_start|>") >= 0 && lora__find_str(tok, "<|im_end|>") >= 0) tok->chat = LORA_CHAT_CHATML;
    else if (lora__find_str(tok, "<|start_header_id|>") >= 0 && lora__find_str(tok, "<|end_header_id|>") >= 0 &&
             lora__find_str(tok, "<|eot_id|>") >= 0) tok->chat = LORA_CHAT_LLAMA3;
    else tok->chat = LORA_CHAT_PLAIN;
    if (!tmpl || tok->chat != LORA_CHAT_CHATML) return LORA_OK;
    tok->chat_think = strstr(tmpl, "reasoning_content") != NULL && strstr(tmpl, "</think>") != NULL;
    for (p = strstr(tmpl, head); p; p = strstr(p + 1, head)) {
        const char *q = p + sizeof head - 1, *e;
        if (q[0] == '\n') q += 1;
        else if (q[0] == '\\' && q[1] == 'n') q += 2;
        else continue;
        e = strstr(q, "<|im_end|>");
        if (!e || e == q) continue;
        {
            size_t n = (size_t)(e - q), i;
            for (i = 0; i < n; i++) if (q[i] == '\'' || q[i] == '"' || q[i] == '{' || q[i] == '}' || q[i] == '\\' || q[i] == '+') break;
            if (i < n) continue;
            tok->chat_system = (char *)lora__malloc(n + 1, "default system prompt");
            if (!tok->chat_system) return LORA_ERR_OOM;
            memcpy(tok->chat_system, q, n);
            tok->chat_system[n] = 0;
            return LORA_OK;
        }
    }
    return LORA_OK;
}

static lora_status lora__load_hf(const char *text, size_t n, const char *path, const char *cfg_text, size_t cfg_len,
                                 const char *cfg_path, lora_tokenizer **out) {
    lora_json *root = NULL, *cfg = NULL;
    const lora_json *model, *v, *added;
    lora_tokenizer *tok = NULL;
    lora__vocab_map map;
    lora__added_src *add = NULL;
    size_t n_add = 0, i;
    uint32_t *len = NULL;
    int16_t u2b[324];
    int byte_fallback, f;
    char vname[600];
    lora_status st;
    const char *s;
    *out = NULL;
    memset(&map, 0, sizeof map);
    if (n >= 0xFFFFFFFFu) return lora__fail(LORA_ERR_UNSUPPORTED, "%s: file too large (%zu bytes)", path, n);
    if ((st = lora_json_parse(text, n, path, &root)) != LORA_OK) return st;
    if (cfg_text && (st = lora_json_parse(cfg_text, cfg_len, cfg_path, &cfg)) != LORA_OK) goto fail;
    tok = (lora_tokenizer *)lora__calloc(1, sizeof *tok, "tokenizer");
    if (!tok) { st = LORA_ERR_OOM; goto fail; }
    tok->bos = -1;
    model = lora_json_get(root, "model");
    if (!model || model->type != LORA_JSON_OBJECT) { st = lora__fail(LORA_ERR_FORMAT, "%s: no \"model\" object", path); goto fail; }
    if (!lora__json_is(model, "type", "BPE")) {
        s = lora_json_get_string(model, "type");
        st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: model.type is \"%s\": only BPE (byte-level) is supported", path, s ? s : "?");
        goto fail;
    }
    if ((v = lora_json_get(model, "dropout")) && v->type != LORA_JSON_NULL) {
        st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: model.dropout is set: BPE dropout is not supported", path);
        goto fail;
    }
    if (((s = lora_json_get_string(model, "continuing_subword_prefix")) && *s) ||
        ((s = lora_json_get_string(model, "end_of_word_suffix")) && *s)) {
        st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: model: continuing_subword_prefix / end_of_word_suffix \"%s\" is not "
                        "supported", path, s);
        goto fail;
    }
    byte_fallback = lora__json_flag(model, "byte_fallback", 0);
    f = lora__json_flag(model, "ignore_merges", 0);
    if (byte_fallback < 0 || f < 0) {
        st = lora__fail(LORA_ERR_FORMAT, "%s: model.byte_fallback / model.ignore_merges must be booleans", path);
        goto fail;
    }
    tok->ignore_merges = f;
    if ((st = lora__hf_normalizer(tok, lora_json_get(root, "normalizer"), path)) != LORA_OK) goto fail;
    if ((st = lora__hf_pretokenizer(tok, lora_json_get(root, "pre_tokenizer"), path)) != LORA_OK) goto fail;
    v = lora_json_get(root, "decoder");
    if (v && v->type != LORA_JSON_NULL && !lora__json_is(v, "type", "ByteLevel")) {
        s = lora_json_get_string(v, "type");
        st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: decoder %s is not supported (only ByteLevel)", path, s ? s : "?");
        goto fail;
    }
    v = lora_json_get(model, "vocab");
    if (!v) { st = lora__fail(LORA_ERR_FORMAT, "%s: no model.vocab", path); goto fail; }
    snprintf(vname, sizeof vname, "%s: model.vocab", path);
    lora__unicode_to_byte_table(u2b);
    if ((st = lora__load_vocab_obj(tok, v, vname, u2b, &map, &len)) != LORA_OK) goto fail;
    v = lora_json_get(model, "merges");
    if (!v) { st = lora__fail(LORA_ERR_FORMAT, "%s: no model.merges", path); goto fail; }
    if ((st = lora__load_merges_json(tok, v, path, u2b, &map)) != LORA_OK) goto fail;
    tok->unk = -1;
    if ((s = lora_json_get_string(model, "unk_token")) != NULL) {
        tok->unk = lora__vocab_find(&map, (const unsigned char *)s, strlen(s));
        if (tok->unk < 0) { /* HF would fail on the first unknown byte: fail now */
            st = lora__fail(LORA_ERR_FORMAT, "%s: model.unk_token \"%s\" is not in the vocabulary", path, s);
            goto fail;
        }
    }
    tok->fuse_unk = lora__json_flag(model, "fuse_unk", 0) == 1;
    added = lora_json_get(root, "added_tokens");
    if (added && added->type != LORA_JSON_NULL) {
        if (added->type != LORA_JSON_ARRAY) { st = lora__fail(LORA_ERR_FORMAT, "%s: added_tokens: expected an array", path); goto fail; }
        add = (lora__added_src *)lora__calloc(added->n ? added->n : 1, sizeof *add, "added tokens");
        if (!add) { st = LORA_ERR_OOM; goto fail; }
        for (i = 0; i < added->n; i++) {
            const lora_json *a = &added->items[i], *c = lora_json_get(a, "content");
            int64_t id;
            int sw = lora__json_flag(a, "single_word", 0);
            if (!lora_json_get(a, "id") || !lora_json_int64(lora_json_get(a, "id"), &id) || id < 0 || id >= LORA__MAX_ID ||
                !c || c->type != LORA_JSON_STRING || c->len == 0) {
                st = lora__fail(LORA_ERR_FORMAT, "%s: added_tokens[%zu]: expected {\"id\": an integer in [0, %d), \"content\": "
                                "a non-empty string, ...}", path, i, LORA__MAX_ID);
                goto fail;
            }
            if (sw != 0) {
                st = lora__fail(LORA_ERR_UNSUPPORTED, "%s: added_tokens[%zu] (\"%s\"): single_word is not supported", path, i, c->str);
                goto fail;
            }
            add[n_add].id = (int32_t)id;
            add[n_add].content = c->str;
            add[n_add].len = c->len;
            add[n_add].special = lora__json_flag(a, "special", 0) == 1;
            add[n_add].lstrip = lora__json_flag(a, "lstrip", 0) == 1;
            add[n_add].rstrip = lora__json_flag(a, "rstrip", 0) == 1;
            n_add++;
        }
    }
    st = lora__finish(tok, &map, len, vname, add, n_add, byte_fallback, 1);
    len = NULL;
    if (st != LORA_OK) goto fail;
    /* eos / bos: tokenizer_config.json, else the usual names */
    tok->eot = lora__find_str(tok, cfg ? lora__config_token(cfg, "eos_token") : NULL);
    if (tok->eot < 0) tok->eot = lora__find_str(tok, "<|endoftext|>");
    if (tok->eot < 0) tok->eot = lora__find_str(tok, "<|end_of_text|>");
    tok->bos = lora__find_str(tok, cfg ? lora__config_token(cfg, "bos_token") : NULL);
    if (tok->bos < 0 && !cfg) tok->bos = lora__find_str(tok, "<|begin_of_text|>");
    s = NULL;
    if (cfg && (v = lora_json_get(cfg, "chat_template")) != NULL) {
        if (v->type == LORA_JSON_STRING) s = v->str;
        else if (v->type == LORA_JSON_ARRAY)
            for (i = 0; i < v->n; i++)
                if (lora__json_is(&v->items[i], "name", "default")) s = lora_json_get_string(&v->items[i], "template");
    }
    if ((st = lora__hf_chat(tok, s)) != LORA_OK) goto fail;
    LORA_FREE(add);
    lora_json_free(root);
    lora_json_free(cfg);
    *out = tok;
    return LORA_OK;
fail:
    LORA_FREE(add);
    LORA_FREE(len);
    LORA_FREE(map.slot);
    lora_json_free(root);
    lora_json_free(cfg);
    lora_tokenizer_free(tok);
    return st;
}

LORA_API lora_status lora_tokenizer_load_memory(const char *vocab_json, size_t vocab_len, const char *merges,
                                                size_t merges_len, lora_tokenizer **out) {
    if (out) *out = NULL;
    if (!out || (!vocab_json && vocab_len) || (!merges && merges_len))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load_memory: NULL argument");
    return lora__load(vocab_json ? vocab_json : "", vocab_len, "vocab JSON", merges ? merges : "", merges_len, "merges", out);
}

LORA_API lora_status lora_tokenizer_load_files(const char *vocab_json_path, const char *merges_path, lora_tokenizer **out) {
    char *v = NULL, *m = NULL;
    size_t vn = 0, mn = 0;
    lora_status st;
    if (out) *out = NULL;
    if (!vocab_json_path || !merges_path || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load_files: NULL argument");
    st = lora__read_file(vocab_json_path, &v, &vn);
    if (st == LORA_OK) st = lora__read_file(merges_path, &m, &mn);
    if (st == LORA_OK) st = lora__load(v, vn, vocab_json_path, m, mn, merges_path, out);
    LORA_FREE(v);
    LORA_FREE(m);
    return st;
}

static int lora__file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

LORA_API lora_status lora_tokenizer_load_hf_memory(const char *tokenizer_json, size_t len, const char *config_json,
                                                   size_t config_len, lora_tokenizer **out) {
    if (out) *out = NULL;
    if (!out || (!tokenizer_json && len) || (!config_json && config_len))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load_hf_memory: NULL argument");
    return lora__load_hf(tokenizer_json ? tokenizer_json : "", len, "tokenizer.json", config_json, config_len,
                         "tokenizer_config.json", out);
}

/* tokenizer.json at path, with tokenizer_config.json beside it when present */
static lora_status lora__load_hf_file(const char *path, lora_tokenizer **out) {
    char *t = NULL, *c = NULL, *cpath = NULL;
    size_t tn = 0, cn = 0, dl;
    const char *slash = strrchr(path, '/');
    lora_status st = lora__read_file(path, &t, &tn);
#ifdef _WIN32
    if (strrchr(path, '\\') > slash) slash = strrchr(path, '\\');
#endif
    if (st != LORA_OK) return st;
    dl = slash ? (size_t)(slash - path) + 1 : 0;
    cpath = (char *)lora__malloc(dl + sizeof "tokenizer_config.json", "path");
    if (!cpath) { LORA_FREE(t); return LORA_ERR_OOM; }
    memcpy(cpath, path, dl);
    memcpy(cpath + dl, "tokenizer_config.json", sizeof "tokenizer_config.json");
    if (lora__file_exists(cpath) && (st = lora__read_file(cpath, &c, &cn)) != LORA_OK) goto done;
    st = lora__load_hf(t, tn, path, c, cn, cpath, out);
done:
    LORA_FREE(t);
    LORA_FREE(c);
    LORA_FREE(cpath);
    return st;
}

LORA_API lora_status lora_tokenizer_load(const char *dir, lora_tokenizer **out) {
    static const char *const names[2][2] = { { "encoder.json", "vocab.bpe" }, { "vocab.json", "merges.txt" } };
    int k;
    char *hf;
    size_t dl;
    if (out) *out = NULL;
    if (!dir || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load: NULL argument");
    dl = strlen(dir);
    if (dl >= 5 && strcmp(dir + dl - 5, ".json") == 0 && lora__file_exists(dir)) return lora__load_hf_file(dir, out);
    if (!(hf = lora__path_join(dir, "tokenizer.json"))) return LORA_ERR_OOM;
    if (lora__file_exists(hf)) {
        lora_status st = lora__load_hf_file(hf, out);
        LORA_FREE(hf);
        return st;
    }
    LORA_FREE(hf);
    for (k = 0; k < 2; k++) {
        char *v = lora__path_join(dir, names[k][0]), *m = lora__path_join(dir, names[k][1]);
        lora_status st = LORA_ERR_NOT_FOUND;
        if (!v || !m) st = LORA_ERR_OOM;
        else if (lora__file_exists(v)) st = lora_tokenizer_load_files(v, m, out);
        LORA_FREE(v);
        LORA_FREE(m);
        if (st != LORA_ERR_NOT_FOUND) return st;
    }
    return lora__fail(LORA_ERR_NOT_FOUND, "%s: no tokenizer found (expected tokenizer.json, encoder.json + vocab.bpe, or vocab.json + merges.txt)", dir);
}
