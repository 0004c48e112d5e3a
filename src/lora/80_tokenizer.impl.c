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

static int lora__uclass(uint32_t cp); /* 51_unicode_tables.impl.c */

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

static lora_status lora__bpe(const lora_tokenizer *tok, lora__scratch *sc, const unsigned char *w, size_t n, lora__ids *ids) {
    lora_status s;
    size_t i, m;
    if (n == 1) {
        if ((s = lora__ids_reserve(ids, 1)) != LORA_OK) return s;
        ids->v[ids->n++] = tok->byte_id[w[0]];
        return LORA_OK;
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
    for (i = 0; i < n; i++) sc->sym[i] = tok->byte_id[w[i]];
    m = n > LORA__LONG_WORD ? lora__bpe_long(tok, sc, n) : lora__bpe_short(tok, sc, n);
    if ((s = lora__ids_reserve(ids, m)) != LORA_OK) return s;
    memcpy(ids->v + ids->n, sc->sym, m * sizeof(int32_t));
    ids->n += m;
    return LORA_OK;
}

static lora_status lora__encode_text(const lora_tokenizer *tok, lora__scratch *sc, const unsigned char *s, size_t n, lora__ids *ids) {
    size_t i = 0;
    while (i < n) {
        size_t k = lora__pretoken(s + i, n - i);
        lora_status st = lora__bpe(tok, sc, s + i, k, ids);
        if (st != LORA_OK) return st;
        i += k;
    }
    return LORA_OK;
}

LORA_API lora_status lora_encode(const lora_tokenizer *tok, const char *text, size_t len, int allow_special,
                                 int32_t **ids_out, size_t *n_ids) {
    static const char eot_text[] = "<|endoftext|>";
    const size_t eot_len = sizeof eot_text - 1;
    const unsigned char *s = (const unsigned char *)text;
    lora__scratch sc;
    lora__ids ids;
    lora_status st = LORA_OK;
    if (ids_out) *ids_out = NULL;
    if (n_ids) *n_ids = 0;
    if (!tok || !ids_out || !n_ids || (!text && len))
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_encode: NULL argument");
    memset(&sc, 0, sizeof sc);
    memset(&ids, 0, sizeof ids);
    if ((st = lora__ids_reserve(&ids, len / 4 + 16)) != LORA_OK) return st;
    if (allow_special && tok->eot >= 0) {
        size_t start = 0, i = 0;
        while (i + eot_len <= len) {
            const unsigned char *hit = (const unsigned char *)memchr(s + i, '<', len - eot_len + 1 - i);
            if (!hit) break;
            i = (size_t)(hit - s);
            if (memcmp(hit, eot_text, eot_len) != 0) { i++; continue; }
            if ((st = lora__encode_text(tok, &sc, s + start, i - start, &ids)) != LORA_OK) goto done;
            if ((st = lora__ids_reserve(&ids, 1)) != LORA_OK) goto done;
            ids.v[ids.n++] = tok->eot;
            i += eot_len;
            start = i;
        }
        st = lora__encode_text(tok, &sc, s + start, len - start, &ids);
    } else {
        st = lora__encode_text(tok, &sc, s, len, &ids);
    }
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

LORA_API void lora_tokenizer_free(lora_tokenizer *tok) {
    if (!tok) return;
    LORA_FREE(tok->blob);
    LORA_FREE(tok->off);
    LORA_FREE(tok->merges);
    LORA_FREE(tok->word_slot);
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

static lora_status lora__load_vocab(lora_tokenizer *tok, const char *vocab, size_t vocab_len, const char *vname,
                                    const int16_t *u2b, lora__vocab_map *map, uint32_t **len_out) {
    lora_json *root = NULL;
    lora_status st;
    size_t i, total = 0, pos = 0;
    int32_t max_id = -1;
    uint32_t *len = NULL;
    char show[96];
    *len_out = NULL;
    if (vocab_len >= 0xFFFFFFFFu) return lora__fail(LORA_ERR_UNSUPPORTED, "%s: vocabulary file too large (%zu bytes)", vname, vocab_len);
    st = lora_json_parse(vocab, vocab_len, vname, &root);
    if (st != LORA_OK) return st;
    if (root->type != LORA_JSON_OBJECT) {
        lora_json_free(root);
        return lora__fail(LORA_ERR_FORMAT, "%s: expected a JSON object mapping token strings to ids", vname);
    }
    if (root->n == 0) { lora_json_free(root); return lora__fail(LORA_ERR_FORMAT, "%s: the vocabulary is empty", vname); }
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
    lora_json_free(root);
    *len_out = len;
    return LORA_OK;
fail:
    lora_json_free(root);
    LORA_FREE(len);
    return st;
}

static lora_status lora__load_merges(lora_tokenizer *tok, const char *text, size_t n, const char *mname,
                                     const int16_t *u2b, const lora__vocab_map *map) {
    size_t i, lines = 1, line = 0, max_line = 0, count = 0;
    unsigned char *buf;
    char show[96];
    lora_status st = LORA_OK;
    for (i = 0; i < n; i++) {
        if (text[i] == '\n') { lines++; line = 0; }
        else if (++line > max_line) max_line = line;
    }
    tok->merge_bits = lora__bits_for(lines);
    tok->merges = (lora__merge_slot *)lora__malloc(((size_t)1 << tok->merge_bits) * sizeof(lora__merge_slot), "merge table");
    buf = (unsigned char *)lora__malloc(2 * max_line + 1, "merge symbols");
    if (!tok->merges || !buf) { LORA_FREE(buf); return LORA_ERR_OOM; }
    for (i = 0; i < ((size_t)1 << tok->merge_bits); i++) tok->merges[i].key = LORA__EMPTY_KEY;
    line = 0;
    for (i = 0; i < n;) {
        const char *s = text + i, *nl = (const char *)memchr(s, '\n', n - i), *sp;
        size_t k = nl ? (size_t)(nl - s) : n - i, ka;
        long la, lb;
        int32_t a, b, c;
        uint64_t key;
        uint32_t h, mask = (1u << tok->merge_bits) - 1;
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
        la = lora__symbol_bytes(u2b, s, ka, buf);
        lb = la < 0 ? -1 : lora__symbol_bytes(u2b, sp + 1, k - ka - 1, buf + la);
        if (la < 0 || lb < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s:%zu: \"%s\" is not a byte-level BPE symbol", mname, line,
                            la < 0 ? lora__show(s, ka, show, sizeof show) : lora__show(sp + 1, k - ka - 1, show, sizeof show));
            break;
        }
        a = lora__vocab_find(map, buf, (size_t)la);
        b = lora__vocab_find(map, buf + la, (size_t)lb);
        c = lora__vocab_find(map, buf, (size_t)(la + lb));
        if (a < 0 || b < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s:%zu: symbol \"%s\" is not in the vocabulary", mname, line,
                            a < 0 ? lora__show(s, ka, show, sizeof show) : lora__show(sp + 1, k - ka - 1, show, sizeof show));
            break;
        }
        if (c < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s:%zu: \"%s\": the merged symbol is not in the vocabulary", mname, line,
                            lora__show(s, k, show, sizeof show));
            break;
        }
        /* insert; a pair listed twice keeps its last rank, as Python's dict(zip(merges, ranks)) */
        key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
        h = lora__hash64(key, tok->merge_bits);
        while (tok->merges[h].key != LORA__EMPTY_KEY && tok->merges[h].key != key) h = (h + 1) & mask;
        tok->merges[h].key = key;
        tok->merges[h].rank = (uint32_t)count++;
        tok->merges[h].id = c;
    }
    LORA_FREE(buf);
    tok->n_merges = count;
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
        for (i = 0; i < n; i++) sc.sym[i] = tok->byte_id[w[i]];
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

static lora_status lora__load(const char *vocab, size_t vocab_len, const char *vname, const char *merges,
                              size_t merges_len, const char *mname, lora_tokenizer **out) {
    lora_tokenizer *tok;
    lora__vocab_map map;
    uint32_t *len = NULL;
    int16_t u2b[324];
    lora_status st;
    int b;
    int32_t i;
    *out = NULL;
    memset(&map, 0, sizeof map);
    tok = (lora_tokenizer *)lora__calloc(1, sizeof *tok, "tokenizer");
    if (!tok) return LORA_ERR_OOM;
    lora__unicode_to_byte_table(u2b);
    st = lora__load_vocab(tok, vocab, vocab_len, vname, u2b, &map, &len);
    if (st != LORA_OK) goto fail;
    for (b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        tok->byte_id[b] = lora__vocab_find(&map, &c, 1);
        if (tok->byte_id[b] < 0) {
            st = lora__fail(LORA_ERR_FORMAT, "%s: no token for the byte 0x%02X (a byte-level vocabulary needs all 256)", vname, b);
            goto fail;
        }
    }
    tok->eot = lora__vocab_find(&map, (const unsigned char *)"<|endoftext|>", 13);
    st = lora__load_merges(tok, merges, merges_len, mname, u2b, &map);
    if (st != LORA_OK) goto fail;
    /* the tokens were stored in file order; lay them out in id order, so that token i is
       blob[off[i] .. off[i + 1]) */
    {
        size_t total = 0, pos = 0;
        char *blob;
        uint32_t *off;
        for (i = 0; i < tok->n_vocab; i++) total += len[i];
        blob = (char *)lora__malloc(total, "vocabulary bytes");
        off = (uint32_t *)lora__malloc(((size_t)tok->n_vocab + 1) * sizeof(uint32_t), "vocabulary offsets");
        if (!blob || !off) { LORA_FREE(blob); LORA_FREE(off); st = LORA_ERR_OOM; goto fail; }
        for (i = 0; i < tok->n_vocab; i++) {
            off[i] = (uint32_t)pos;
            memcpy(blob + pos, tok->blob + tok->off[i], len[i]);
            pos += len[i];
        }
        off[tok->n_vocab] = (uint32_t)pos;
        LORA_FREE(tok->blob); LORA_FREE(tok->off);
        tok->blob = blob; tok->off = off;
    }
    LORA_FREE(len);
    LORA_FREE(map.slot);
    len = NULL; map.slot = NULL;
    st = lora__build_words(tok);
    if (st != LORA_OK) goto fail;
    *out = tok;
    return LORA_OK;
fail:
    LORA_FREE(len);
    LORA_FREE(map.slot);
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

LORA_API lora_status lora_tokenizer_load(const char *dir, lora_tokenizer **out) {
    static const char *const names[2][2] = { { "encoder.json", "vocab.bpe" }, { "vocab.json", "merges.txt" } };
    int k;
    if (out) *out = NULL;
    if (!dir || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_tokenizer_load: NULL argument");
    for (k = 0; k < 2; k++) {
        char *v = lora__path_join(dir, names[k][0]), *m = lora__path_join(dir, names[k][1]);
        lora_status st = LORA_ERR_NOT_FOUND;
        if (!v || !m) st = LORA_ERR_OOM;
        else if (lora__file_exists(v)) st = lora_tokenizer_load_files(v, m, out);
        LORA_FREE(v);
        LORA_FREE(m);
        if (st != LORA_ERR_NOT_FOUND) return st;
    }
    return lora__fail(LORA_ERR_NOT_FOUND, "%s: no tokenizer found (expected encoder.json + vocab.bpe, or vocab.json + merges.txt)", dir);
}
