/* GPT-2 tokenizer: ids against the npm reference encoders (committed in
   tests/fixtures/tokenizer/, made by make_reference.js), round trips, invalid UTF-8,
   special tokens, loading from both file layouts and load errors. */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIX "tests/fixtures/tokenizer/"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) { fprintf(stderr, "cannot open %s (run the tests from the repository root)\n", path); return NULL; }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    if (!buf) return NULL;
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

/* Parses space-separated ids from s up to the end of the line; returns the count. */
static size_t parse_ids(const char *s, int32_t *out, size_t cap, const char **end) {
    size_t n = 0;
    while (*s && *s != '\n') {
        char *e;
        long v;
        if (*s == ' ') { s++; continue; }
        v = strtol(s, &e, 10);
        if (e == s) break;
        if (n < cap) out[n] = (int32_t)v;
        n++;
        s = e;
    }
    if (end) *end = *s == '\n' ? s + 1 : s;
    return n;
}

static int same_ids(const int32_t *a, size_t na, const int32_t *b, size_t nb) {
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

static int round_trip(const lora_tokenizer *tok, const char *s, size_t n, int special) {
    int32_t *ids = NULL;
    size_t n_ids = 0, len = 0;
    char *back = NULL;
    int ok = lora_encode(tok, s, n, special, &ids, &n_ids) == LORA_OK &&
             lora_decode(tok, ids, n_ids, &back, &len) == LORA_OK && len == n && memcmp(back, s, n) == 0;
    lora_free(ids);
    lora_free(back);
    return ok;
}

/* ---- the corpus against both reference encoders ---- */
static void test_corpus(const lora_tokenizer *tok) {
    size_t clen = 0, l1 = 0, l2 = 0, lw = 0, ls = 0;
    char *corpus = slurp(FIX "corpus.txt", &clen);
    char *ref1 = slurp(FIX "expected_gpt3_encoder.txt", &l1);
    char *ref2 = slurp(FIX "expected_gpt_tokenizer.txt", &l2);
    char *whole = slurp(FIX "expected_whole.txt", &lw);
    char *spec = slurp(FIX "expected_special.txt", &ls);
    const char *line, *p1, *p2, *ps;
    size_t cap = 1 << 16, n_lines = 0, same1 = 0, same2 = 0, tok_total = 0, tok_same1 = 0, tok_same2 = 0, trips = 0;
    int32_t *want = (int32_t *)malloc(cap * 4 * sizeof(int32_t));
    long line_no = 0;
    CHECK(corpus && ref1 && ref2 && whole && spec && want);
    if (!corpus || !ref1 || !ref2 || !whole || !spec || !want) goto out;
    p1 = ref1; p2 = ref2;
    for (line = corpus; line < corpus + clen; ) { /* lines may hold NUL */
        const char *nl = (const char *)memchr(line, '\n', (size_t)(corpus + clen - line));
        size_t n = nl ? (size_t)(nl - line) + 1 : (size_t)(corpus + clen - line), nw, k;
        int32_t *ids = NULL;
        size_t n_ids = 0;
        line_no++;
        CHECK_OK(lora_encode(tok, line, n, 0, &ids, &n_ids));
        n_lines++;
        tok_total += n_ids;
        nw = parse_ids(p1, want, cap, &p1);
        if (same_ids(ids, n_ids, want, nw)) { same1++; tok_same1 += n_ids; }
        else {
            fprintf(stderr, "line %ld differs from gpt-3-encoder: %.60s\n  got ", line_no, line);
            for (k = 0; k < n_ids && k < 40; k++) fprintf(stderr, " %ld", (long)ids[k]);
            fprintf(stderr, "\n want");
            for (k = 0; k < nw && k < 40; k++) fprintf(stderr, " %ld", (long)want[k]);
            fputc('\n', stderr);
        }
        nw = parse_ids(p2, want, cap, &p2);
        if (same_ids(ids, n_ids, want, nw)) { same2++; tok_same2 += n_ids; }
        trips += (size_t)round_trip(tok, line, n, 0);
        lora_free(ids);
        line = line + n;
    }
    printf("corpus: %zu lines, %zu bytes, %zu tokens; identical to gpt-3-encoder: %zu/%zu lines (%zu tokens), "
           "to gpt-tokenizer: %zu/%zu lines (%zu tokens); round trips %zu/%zu\n",
           n_lines, clen, tok_total, same1, n_lines, tok_same1, same2, n_lines, tok_same2, trips, n_lines);
    CHECK(n_lines > 500);
    CHECK(same1 == n_lines);
    CHECK(same2 == n_lines);
    CHECK(trips == n_lines);

    /* the whole corpus as one text (blank lines, indentation across lines) */
    {
        int32_t *ids = NULL, *w = (int32_t *)malloc(clen * sizeof(int32_t));
        size_t n_ids = 0, nw;
        const char *s = strstr(whole, "gpt3_encoder: "), *t = strstr(whole, "gpt_tokenizer: ");
        CHECK(s && t && w);
        CHECK_OK(lora_encode(tok, corpus, clen, 0, &ids, &n_ids));
        if (s && t && w) {
            nw = parse_ids(s + 14, w, clen, NULL);
            CHECK_MSG(same_ids(ids, n_ids, w, nw), "whole corpus: %zu tokens, gpt-3-encoder %zu", n_ids, nw);
            if (strncmp(t + 15, "same", 4) != 0) {
                nw = parse_ids(t + 15, w, clen, NULL);
                CHECK_MSG(same_ids(ids, n_ids, w, nw), "whole corpus: %zu tokens, gpt-tokenizer %zu", n_ids, nw);
            }
        }
        CHECK(round_trip(tok, corpus, clen, 0));
        lora_free(ids);
        free(w);
    }

    /* "<|endoftext|>" with allow_special: lines "N: ids" */
    {
        size_t n_special = 0, ok = 0;
        for (ps = spec; *ps; ) {
            char *e;
            long want_line = strtol(ps, &e, 10);
            const char *l = corpus;
            long k;
            size_t n, nw;
            int32_t *ids = NULL;
            size_t n_ids = 0;
            if (e == ps || *e != ':') break;
            nw = parse_ids(e + 1, want, cap, &ps);
            for (k = 1; k < want_line && l; k++) {
                l = (const char *)memchr(l, '\n', (size_t)(corpus + clen - l));
                if (l) l++;
            }
            if (!l || !memchr(l, '\n', (size_t)(corpus + clen - l))) break;
            n = (size_t)((const char *)memchr(l, '\n', (size_t)(corpus + clen - l)) - l) + 1;
            n_special++;
            CHECK_OK(lora_encode(tok, l, n, 1, &ids, &n_ids));
            if (same_ids(ids, n_ids, want, nw)) ok++;
            else fprintf(stderr, "special line %ld differs\n", want_line);
            CHECK(round_trip(tok, l, n, 1));
            lora_free(ids);
        }
        printf("special tokens: %zu/%zu lines identical\n", ok, n_special);
        CHECK(n_special >= 5 && ok == n_special);
    }
out:
    free(corpus); free(ref1); free(ref2); free(whole); free(spec); free(want);
}

/* ---- small cases ---- */
static void check_encode(const lora_tokenizer *tok, const char *s, size_t n, int special, const int32_t *want, size_t nw) {
    int32_t *ids = NULL;
    size_t n_ids = 0, k;
    CHECK_OK(lora_encode(tok, s, n, special, &ids, &n_ids));
    CHECK_MSG(same_ids(ids, n_ids, want, nw), "encode(\"%.*s\"): %zu ids", (int)n, s, n_ids);
    if (!same_ids(ids, n_ids, want, nw)) {
        for (k = 0; k < n_ids; k++) fprintf(stderr, " %ld", (long)ids[k]);
        fputc('\n', stderr);
    }
    lora_free(ids);
}

/* the pieces lora_pretoken_length cuts s into, joined by '|' */
static void check_pieces(const char *s, const char *want) {
    char buf[512];
    size_t n = strlen(s), i = 0, o = 0;
    while (i < n && o + 2 < sizeof buf) {
        size_t k = lora_pretoken_length(s + i, n - i);
        if (k == 0 || k > n - i) break;
        if (o) buf[o++] = '|';
        memcpy(buf + o, s + i, k);
        o += k;
        i += k;
    }
    buf[o] = 0;
    CHECK_MSG(strcmp(buf, want) == 0, "pieces of \"%s\": \"%s\", want \"%s\"", s, buf, want);
}

static void test_basics(const lora_tokenizer *tok) {
    static const int32_t hello[] = { 15496, 995, 0 };                /* "Hello world!" */
    static const int32_t eot[] = { 50256 };
    static const int32_t eot_text[] = { 27, 91, 437, 1659, 5239, 91, 29 };
    size_t len = 0;
    const char *b;
    int32_t bad[] = { 15496, 50257 };
    char *text = NULL;
    CHECK(lora_tokenizer_vocab_size(tok) == 50257);
    check_encode(tok, "Hello world!", 12, 0, hello, 3);
    check_encode(tok, "", 0, 0, NULL, 0);
    check_encode(tok, "<|endoftext|>", 13, 1, eot, 1);
    check_encode(tok, "<|endoftext|>", 13, 0, eot_text, 7);
    b = lora_token_bytes(tok, 995, &len);
    CHECK(b && len == 6 && memcmp(b, " world", 6) == 0);
    b = lora_token_bytes(tok, 50256, &len);
    CHECK(b && len == 13 && memcmp(b, "<|endoftext|>", 13) == 0);
    CHECK(lora_token_bytes(tok, 50257, &len) == NULL && len == 0);
    CHECK(lora_token_bytes(tok, -1, NULL) == NULL);
    CHECK_ERR(lora_decode(tok, bad, 2, &text, &len), LORA_ERR_RANGE);
    CHECK(text == NULL && strstr(lora_last_error(), "50257") != NULL);
    bad[1] = -5;
    CHECK_ERR(lora_decode(tok, bad, 2, &text, &len), LORA_ERR_RANGE);
    CHECK_OK(lora_decode(tok, bad, 0, &text, &len));
    CHECK(text && len == 0 && text[0] == 0);
    lora_free(text);
    CHECK_ERR(lora_encode(NULL, "a", 1, 0, NULL, NULL), LORA_ERR_INVALID_ARG);

    /* the split pattern, piece by piece */
    check_pieces("Hello world! It's", "Hello| world|!| It|'s");
    check_pieces("a  b", "a| | b");
    check_pieces("a \n b", "a| \n| b");
    check_pieces("a\n\nb", "a|\n|\n|b");         /* \s+(?!\S) leaves one, \s+ takes it */
    check_pieces("a\n\n\n b", "a|\n\n\n| b");
    check_pieces("x   ", "x|   ");
    check_pieces("x \t y", "x| \t| y");
    check_pieces("''s 's 'S 'll 'LL", "''|s| '|s| '|S| '|ll| '|LL");
    check_pieces("'s'S'll'LL'd", "'s|'|S|'ll|'|LL|'d");
    check_pieces("don't!'s", "don|'t|!'|s");
    check_pieces("abc123 456def", "abc|123| 456|def");
    check_pieces(" !? ...", " !?| ...");
    check_pieces("\xC2\xA0x", "\xC2\xA0|x");                 /* NBSP is \s but not " " */
    check_pieces(" \xC2\xA0x", " |\xC2\xA0|x");
    check_pieces("a\xEF\xBB\xBF" "b", "a|\xEF\xBB\xBF|b");   /* U+FEFF is \s in JavaScript */
    check_pieces("a\xC2\x85" "b", "a|\xC2\x85|b");           /* U+0085 is not */
    check_pieces("e\xCC\x81t\xC3\xA9", "e|\xCC\x81|t\xC3\xA9"); /* a combining mark is not \p{L} */
}

/* ---- invalid UTF-8 ---- */
static int utf8_len(const unsigned char *s, size_t n) { /* well-formed sequence length or 0 */
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

static size_t random_bytes(lora_rng *rng, unsigned char *buf, size_t cap) {
    static const char pool[] = "aZ 0 9'st.!\t\n  re";
    size_t n = lora_rng_u32(rng) % cap, i = 0;
    while (i < n) {
        uint32_t r = lora_rng_u32(rng) % 10;
        if (r < 4) buf[i++] = (unsigned char)pool[lora_rng_u32(rng) % (sizeof pool - 1)];
        else if (r < 6) buf[i++] = (unsigned char)(lora_rng_u32(rng) & 0xFF);                 /* any byte */
        else if (r < 7) buf[i++] = (unsigned char)(0x80 + lora_rng_u32(rng) % 64);             /* continuation */
        else if (i + 4 <= n) { /* a well-formed character, maybe truncated */
            uint32_t cp = lora_rng_u32(rng) % 0x110000, k;
            unsigned char t[4];
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0x4E2D;
            if (cp < 0x80) { t[0] = (unsigned char)cp; k = 1; }
            else if (cp < 0x800) { t[0] = (unsigned char)(0xC0 | cp >> 6); t[1] = (unsigned char)(0x80 | (cp & 63)); k = 2; }
            else if (cp < 0x10000) { t[0] = (unsigned char)(0xE0 | cp >> 12); t[1] = (unsigned char)(0x80 | (cp >> 6 & 63));
                                     t[2] = (unsigned char)(0x80 | (cp & 63)); k = 3; }
            else { t[0] = (unsigned char)(0xF0 | cp >> 18); t[1] = (unsigned char)(0x80 | (cp >> 12 & 63));
                   t[2] = (unsigned char)(0x80 | (cp >> 6 & 63)); t[3] = (unsigned char)(0x80 | (cp & 63)); k = 4; }
            if (r == 9 && k > 1) k--; /* truncated */
            memcpy(buf + i, t, k);
            i += k;
        } else buf[i++] = 'x';
    }
    return n;
}

static void test_invalid_utf8(const lora_tokenizer *tok) {
    lora_rng rng;
    unsigned char x[300], y[900];
    size_t pos[301];
    int iter, trips = 0, same_cuts = 0, total = 2000;
    /* a lone invalid byte is its byte token */
    {
        int32_t *ids = NULL;
        size_t n = 0, len = 0;
        const char *b;
        CHECK_OK(lora_encode(tok, "a\xFF" "b", 3, 0, &ids, &n));
        CHECK(n == 3);
        if (n == 3) {
            b = lora_token_bytes(tok, ids[1], &len);
            CHECK(b && len == 1 && (unsigned char)b[0] == 0xFF);
        }
        lora_free(ids);
    }
    CHECK(round_trip(tok, "\xC3", 1, 0));
    {
        static const char odd[] = "\xED\xA0\x80 surrogate \xF4\x90\x80\x80 too big \xC0\xAF overlong \xE2\x82";
        CHECK(round_trip(tok, odd, sizeof odd - 1, 0));
    }
    lora_rng_seed(&rng, 1234);
    for (iter = 0; iter < total; iter++) {
        size_t n = random_bytes(&rng, x, sizeof x), i, m = 0, ix, iy;
        int ok = 1;
        trips += round_trip(tok, (const char *)x, n, iter & 1);
        /* y = x with every invalid byte replaced by U+FFFD: the pieces must correspond */
        for (i = 0; i < n;) {
            int k = utf8_len(x + i, n - i), j;
            if (k == 0) {
                pos[i] = m;
                memcpy(y + m, "\xEF\xBF\xBD", 3);
                m += 3; i++;
            } else {
                for (j = 0; j < k; j++) pos[i + j] = m + (size_t)j;
                memcpy(y + m, x + i, (size_t)k);
                m += (size_t)k; i += (size_t)k;
            }
        }
        pos[n] = m;
        for (ix = 0, iy = 0; ix < n && iy < m;) {
            size_t kx = lora_pretoken_length((const char *)x + ix, n - ix), ky = lora_pretoken_length((const char *)y + iy, m - iy);
            if (kx == 0 || pos[ix + kx] != iy + ky) { ok = 0; break; }
            ix += kx; iy += ky;
        }
        same_cuts += ok && ix == n && iy == m;
    }
    printf("random byte strings: %d/%d round trips, %d/%d split like their U+FFFD-replaced text\n", trips, total, same_cuts, total);
    CHECK(trips == total);
    CHECK(same_cuts == total);
}

/* ---- loading ---- */
static const char *tiny_merges = "#version: 0.2\nh e\n\xC4\xA0 t\n\xC4\xA0t he\nl l\nhe ll\nhell o\n\xC3\x83 \xC2\xA9\n\xC3\x83\xC2\xA9 \xC3\x83\xC2\xA9\n";

static void expect_load_error(const char *vocab, const char *merges, lora_status code, const char *needle) {
    lora_tokenizer *t = (lora_tokenizer *)1;
    lora_status s = lora_tokenizer_load_memory(vocab, strlen(vocab), merges, strlen(merges), &t);
    CHECK_MSG(s == code, "got %s (%s), want %s", lora_status_name(s), lora_last_error(), lora_status_name(code));
    CHECK(t == NULL);
    CHECK_MSG(strstr(lora_last_error(), needle) != NULL, "message \"%s\" lacks \"%s\"", lora_last_error(), needle);
}

static void test_loading(void) {
    lora_tokenizer *t = NULL;
    size_t vn = 0, mn = 0;
    char *v = slurp(FIX "hf_tiny/vocab.json", &vn), *m = slurp(FIX "hf_tiny/merges.txt", &mn), *bad;
    static const int32_t hello[] = { 261, 258, 220, 263, 262, 264 }; /* hello the ééé <|endoftext|> */
    CHECK(v && m);
    if (!v || !m) return;
    /* Hugging Face file names */
    CHECK_OK(lora_tokenizer_load(FIX "hf_tiny", &t));
    CHECK(lora_tokenizer_vocab_size(t) == 265);
    if (t) check_encode(t, "hello the \xC3\xA9\xC3\xA9\xC3\xA9<|endoftext|>", 29, 1, hello, 6);
    lora_tokenizer_free(t);
    t = NULL;
    CHECK_OK(lora_tokenizer_load_memory(v, vn, m, mn, &t));
    lora_tokenizer_free(t);
    CHECK_OK(lora_tokenizer_load_memory(v, vn, tiny_merges, strlen(tiny_merges), &t));
    lora_tokenizer_free(t);
    /* CRLF merges and no #version line */
    {
        const char *crlf = "h e\r\n\xC4\xA0 t\r\n";
        CHECK_OK(lora_tokenizer_load_memory(v, vn, crlf, strlen(crlf), &t));
        lora_tokenizer_free(t);
    }
    CHECK_ERR(lora_tokenizer_load("tests/fixtures/tokenizer/no-such-dir", &t), LORA_ERR_NOT_FOUND);
    CHECK(strstr(lora_last_error(), "no-such-dir") != NULL);
    CHECK_ERR(lora_tokenizer_load_files(FIX "hf_tiny/vocab.json", FIX "hf_tiny/missing.txt", &t), LORA_ERR_IO);
    CHECK(strstr(lora_last_error(), "missing.txt") != NULL);
    CHECK_ERR(lora_tokenizer_load_memory(NULL, 3, NULL, 0, &t), LORA_ERR_INVALID_ARG);

    /* vocabulary errors */
    expect_load_error("{\"a\": 1,}", "", LORA_ERR_FORMAT, "vocab JSON:1:");
    expect_load_error("[1, 2]", "", LORA_ERR_FORMAT, "expected a JSON object");
    expect_load_error("{}", "", LORA_ERR_FORMAT, "empty");
    expect_load_error("{\"a\": 1.5}", "", LORA_ERR_FORMAT, "entry 1 (\"a\"): expected an integer id");
    expect_load_error("{\"a\": -1}", "", LORA_ERR_FORMAT, "entry 1");
    expect_load_error("{\"a\": \"1\"}", "", LORA_ERR_FORMAT, "entry 1");
    expect_load_error("{\"a\": 0, \"b\": 0}", "", LORA_ERR_FORMAT, "entry 2 (\"b\"): id 0 is used twice");
    expect_load_error("{\"a\": 0, \"a b\": 1}", "", LORA_ERR_FORMAT, "entry 2 (\"a b\"): not a byte-level BPE token");
    expect_load_error("{\"a\": 0, \"\": 1}", "", LORA_ERR_FORMAT, "entry 2: empty token");
    expect_load_error("{\"a\": 0, \"\\u0061\": 1}", "", LORA_ERR_FORMAT, "duplicate token");
    expect_load_error("{\"a\": 0}", "", LORA_ERR_FORMAT, "no token for the byte 0x00");
    /* merges errors, with line numbers */
    expect_load_error(v, "#version: 0.2\nh e\nhe\n", LORA_ERR_FORMAT, "merges:3: expected two symbols");
    expect_load_error(v, "h e\nh  e\n", LORA_ERR_FORMAT, "merges:2: expected two symbols");
    expect_load_error(v, "h e\nh e x\n", LORA_ERR_FORMAT, "merges:2:");
    expect_load_error(v, "h e\n\nx y\n", LORA_ERR_FORMAT, "merges:3: \"x y\": the merged symbol is not in the vocabulary");
    expect_load_error(v, "he he\n", LORA_ERR_FORMAT, "merges:1: \"he he\": the merged symbol");
    expect_load_error(v, "xy z\n", LORA_ERR_FORMAT, "merges:1: symbol \"xy\" is not in the vocabulary");
    expect_load_error(v, "h \xE2\x82\xAC\n", LORA_ERR_FORMAT, "merges:1: \"\\xE2\\x82\\xAC\" is not a byte-level BPE symbol");
    /* files name the file */
    bad = (char *)malloc(vn + 1);
    if (bad) {
        FILE *f;
        const char *path = "build-test-tokenizer-bad.json";
        memcpy(bad, v, vn);
        bad[vn - 1] = ','; /* break the closing brace */
        f = fopen(path, "wb");
        if (f) {
            fwrite(bad, 1, vn, f);
            fclose(f);
            CHECK_ERR(lora_tokenizer_load_files(path, FIX "hf_tiny/merges.txt", &t), LORA_ERR_FORMAT);
            CHECK(strstr(lora_last_error(), path) != NULL);
            remove(path);
        }
        free(bad);
    }
    free(v);
    free(m);
}

/* The full vocabulary from Hugging Face's file names: same ids. */
static void test_hf_names(const lora_tokenizer *tok) {
    lora_tokenizer *t2 = NULL;
    static const char text[] = "Loading encoder.json + vocab.bpe as vocab.json + merges.txt gives the same ids.";
    int32_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    CHECK_OK(lora_tokenizer_load_files("data/gpt2-tokenizer/encoder.json", "data/gpt2-tokenizer/vocab.bpe", &t2));
    if (!t2) return;
    CHECK_OK(lora_encode(tok, text, sizeof text - 1, 0, &a, &na));
    CHECK_OK(lora_encode(t2, text, sizeof text - 1, 0, &b, &nb));
    CHECK(na > 10 && same_ids(a, na, b, nb));
    lora_free(a);
    lora_free(b);
    lora_tokenizer_free(t2);
}

int main(void) {
    lora_tokenizer *tok = NULL;
    clock_t t0 = clock();
    (void)test_max_abs_diff; (void)test_rel_l2; /* test.h helpers this test has no use for */
    CHECK_OK(lora_tokenizer_load("data/gpt2-tokenizer", &tok));
    printf("load: %.0f ms\n", 1000.0 * (double)(clock() - t0) / CLOCKS_PER_SEC);
    if (tok) {
        test_basics(tok);
        test_corpus(tok);
        test_invalid_utf8(tok);
        test_hf_names(tok);
    }
    test_loading();
    lora_tokenizer_free(tok);
    return TEST_END();
}
