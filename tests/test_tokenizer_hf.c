/* Hugging Face tokenizer.json (byte-level BPE: Qwen3's and Llama 3's files, compact copies in
   tests/fixtures/tokenizer/hf/ made by make_hf_reference.js) against the ids of @lenml/tokenizers
   (the JavaScript port of HF tokenizers): every line of a 140 KB corpus and the whole corpus,
   round trips, special tokens, eos/bos and chat template detection, NFC, unsupported files,
   and lora-tokenize --tokenizer path/tokenizer.json. LORA_HF_TOKENIZERS=dir1:dir2 adds full
   tokenizer directories (e.g. the npm packages' models/) to the same corpus check. */
#include "lora.h"
#include "test.h"
#include <stdlib.h>
#include <string.h>

#define HF "tests/fixtures/tokenizer/hf/"

static int32_t *parse_line(const char **p, size_t *n) {
    size_t cap = 64;
    int32_t *v = (int32_t *)malloc(cap * sizeof *v);
    const char *s = *p;
    *n = 0;
    while (v && *s && *s != '\n') {
        char *e;
        long x;
        if (*s == ' ') { s++; continue; }
        x = strtol(s, &e, 10);
        if (e == s) break;
        if (*n == cap) { int32_t *q = (int32_t *)realloc(v, 2 * cap * sizeof *v); if (!q) { free(v); return NULL; } v = q; cap *= 2; }
        v[(*n)++] = (int32_t)x;
        s = e;
    }
    *p = *s == '\n' ? s + 1 : s;
    return v;
}

static int is_listed(const char *list, size_t line) {
    const char *s = list;
    while (s && *s) {
        char *e;
        unsigned long v = strtoul(s, &e, 10);
        if (e == s) break;
        if (v == line) return 1;
        s = e;
        while (*s == '\n') s++;
    }
    return 0;
}

/* Encodes every corpus line and the whole corpus and compares with expected_NAME*.txt. */
static void corpus_check(const lora_tokenizer *tok, const char *name, int nfc) {
    char path[512];
    size_t clen = 0, elen = 0, wlen = 0, line = 0, bad = 0, tokens = 0, trips = 0, changed = 0;
    char *corpus = test_slurp(HF "corpus.txt", &clen), *exp, *whole, *nonnfc = test_slurp(HF "non_nfc_lines.txt", NULL);
    const char *c, *e;
    int32_t *ids = NULL, *ref;
    size_t n = 0, nref;
    snprintf(path, sizeof path, HF "expected_%s.txt", name);
    exp = test_slurp(path, &elen);
    snprintf(path, sizeof path, HF "expected_%s_whole.txt", name);
    whole = test_slurp(path, &wlen);
    CHECK(corpus && exp && whole && nonnfc);
    if (!corpus || !exp || !whole || !nonnfc) goto out;
    for (c = corpus, e = exp; c < corpus + clen; ) {
        const char *nl = (const char *)memchr(c, '\n', clen - (size_t)(c - corpus));
        size_t len = nl ? (size_t)(nl - c) + 1 : clen - (size_t)(c - corpus);
        char *back = NULL;
        size_t blen = 0;
        line++;
        ref = parse_line(&e, &nref);
        CHECK_OK(lora_encode(tok, c, len, 1, &ids, &n));
        tokens += n;
        if (!ref || n != nref || (n && memcmp(ids, ref, n * sizeof *ids) != 0)) {
            if (bad++ < 5) {
                size_t k = 0;
                while (k < n && k < nref && ids[k] == ref[k]) k++;
                fprintf(stderr, "%s: line %zu (%zu tokens, expected %zu): first difference at token %zu: %ld vs %ld\n", name,
                        line, n, nref, k, k < n ? (long)ids[k] : -1L, k < nref ? (long)ref[k] : -1L);
            }
        }
        CHECK_OK(lora_decode(tok, ids, n, &back, &blen));
        if (back && blen == len && memcmp(back, c, len) == 0) trips++;
        else if (nfc && is_listed(nonnfc, line)) {
            /* NFC changed the text: encoding the decoded text must give the same ids */
            int32_t *again = NULL;
            size_t na = 0;
            changed++;
            CHECK_OK(lora_encode(tok, back, blen, 1, &again, &na));
            CHECK(na == n && (n == 0 || memcmp(again, ids, n * sizeof *ids) == 0));
            lora_free(again);
        } else {
            CHECK_MSG(0, "%s: line %zu does not round-trip", name, line);
        }
        lora_free(back);
        lora_free(ids);
        ids = NULL;
        free(ref);
        c += len;
    }
    CHECK_MSG(bad == 0, "%s: %zu of %zu lines differ from the reference", name, bad, line);
    CHECK(*e == 0);
    {   /* the whole corpus: count and FNV-1a 64 of the ids */
        unsigned long long h = 0xcbf29ce484222325ULL, want_h = strtoull(strchr(whole, ' ') ? strchr(whole, ' ') + 1 : "", NULL, 16);
        size_t want_n = (size_t)strtoul(whole, NULL, 10), q;
        int k, same;
        CHECK_OK(lora_encode(tok, corpus, clen, 1, &ids, &n));
        for (q = 0; q < n; q++)
            for (k = 0; k < 4; k++) { h ^= ((uint32_t)ids[q] >> (8 * k)) & 255u; h *= 0x100000001b3ULL; }
        same = n == want_n && h == want_h;
        CHECK_MSG(same, "%s: the whole corpus differs (%zu tokens, hash %016llx; expected %zu, %016llx)", name, n, h, want_n, want_h);
        printf("%s: %zu lines, %zu bytes, %zu tokens, %zu lines differ from @lenml/tokenizers; whole corpus %s (%zu tokens); "
               "round trips %zu/%zu%s\n", name, line, clen, tokens, bad, same ? "identical" : "DIFFERENT", n, trips, line,
               nfc ? " (the others are not in NFC: NFC(x) comes back)" : "");
    }
    if (nfc) CHECK(trips + changed == line && changed > 0);
    else CHECK(trips == line);
    lora_free(ids);
out:
    free(corpus); free(exp); free(whole); free(nonnfc);
}

static int32_t one_id(const lora_tokenizer *tok, const char *s, int special) {
    int32_t *ids = NULL, r = -2;
    size_t n = 0;
    if (lora_encode(tok, s, strlen(s), special, &ids, &n) == LORA_OK && n == 1) r = ids[0];
    lora_free(ids);
    return r;
}

static void write_file(const char *path, const char *text, size_t n) {
    FILE *f = fopen(path, "wb");
    CHECK_MSG(f != NULL, "cannot write %s", path);
    if (!f) return;
    CHECK(fwrite(text, 1, n, f) == n);
    fclose(f);
}

/* Replaces the first occurrence of from in src (malloc'ed result). */
static char *replace(const char *src, const char *from, const char *to) {
    const char *p = strstr(src, from);
    size_t a, b, c;
    char *r;
    if (!p) return NULL;
    a = (size_t)(p - src); b = strlen(to); c = strlen(p + strlen(from));
    r = (char *)malloc(a + b + c + 1);
    if (!r) return NULL;
    memcpy(r, src, a); memcpy(r + a, to, b); memcpy(r + a + b, p + strlen(from), c + 1);
    return r;
}

static void bad_files(void) {
    size_t n = 0;
    char *json = test_slurp(HF "qwen3/tokenizer.json", &n);
    static const struct { const char *from, *to, *needle; lora_status code; } cases[] = {
        { "\\\\p{N}|", "\\\\p{N}{1,2}|", "is not supported", LORA_ERR_UNSUPPORTED },
        { "\"normalizer\":{\"type\":\"NFC\"}", "\"normalizer\":{\"type\":\"NFKC\"}", "normalizer NFKC", LORA_ERR_UNSUPPORTED },
        { "\"type\":\"BPE\"", "\"type\":\"WordPiece\"", "only BPE", LORA_ERR_UNSUPPORTED },
        { "\"behavior\":\"Isolated\"", "\"behavior\":\"Removed\"", "behavior Isolated", LORA_ERR_UNSUPPORTED },
        { "\"add_prefix_space\":false", "\"add_prefix_space\":true", "add_prefix_space", LORA_ERR_UNSUPPORTED },
        { "\"single_word\":false", "\"single_word\":true", "single_word", LORA_ERR_UNSUPPORTED },
        { "\"dropout\":null", "\"dropout\":0.1", "dropout", LORA_ERR_UNSUPPORTED },
        { "\"merges\":[[", "\"merges\":[3,[", "model.merges[0]", LORA_ERR_FORMAT },
        { "\"merges\":[[", "\"merges\":[\"\\u0120 zqxjk\",[", "model.merges[0]: \"zqxjk\" is not in the vocabulary", LORA_ERR_FORMAT },
        { "\"merges\":[[", "\"merges\":[\"ab\",[", "two symbols separated by one space", LORA_ERR_FORMAT },
    };
    size_t k;
    CHECK(json != NULL);
    if (!json) return;
    CHECK(system("mkdir -p build/test_tokenizer_hf.d") == 0);
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *m = replace(json, cases[k].from, cases[k].to);
        lora_tokenizer *t = NULL;
        CHECK_MSG(m != NULL, "case %zu: \"%s\" not in the file", k, cases[k].from);
        if (!m) continue;
        write_file("build/test_tokenizer_hf.d/tokenizer.json", m, strlen(m));
        CHECK_ERR(lora_tokenizer_load("build/test_tokenizer_hf.d/tokenizer.json", &t), cases[k].code);
        CHECK_MSG(strstr(lora_last_error(), cases[k].needle) != NULL, "case %zu: \"%s\" lacks \"%s\"", k, lora_last_error(),
                  cases[k].needle);
        CHECK(t == NULL);
        free(m);
    }
    /* the string form of merges gives the same tokenizer as the pair form */
    {
        lora_tokenizer *a = NULL, *b = NULL;
        char *s = (char *)malloc(2 * n + 1), *o = s;
        const char *p = strstr(json, "\"merges\":[");
        int32_t *ia = NULL, *ib = NULL;
        size_t na = 0, nb = 0;
        static const char text[] = "Hello world, I'M here: 12345 \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E!\n\n  x";
        CHECK(s && p);
        if (s && p) {
            const char *q;
            memcpy(o, json, (size_t)(p - json) + 10); o += (p - json) + 10;
            for (q = p + 10; *q && *q != ']' ; ) { /* ["a","b"] -> "a b" */
                const char *a0 = q + 2, *a1 = strstr(a0, "\",\""), *b1;
                if (*q != '[' || !a1) break;
                b1 = strstr(a1 + 3, "\"]");
                if (!b1) break;
                *o++ = '"';
                memcpy(o, a0, (size_t)(a1 - a0)); o += a1 - a0;
                *o++ = ' ';
                memcpy(o, a1 + 3, (size_t)(b1 - a1 - 3)); o += b1 - a1 - 3;
                *o++ = '"';
                q = b1 + 2;
                if (*q == ',') *o++ = *q++;
            }
            strcpy(o, q);
            write_file("build/test_tokenizer_hf.d/tokenizer.json", s, strlen(s));
            CHECK_OK(lora_tokenizer_load("build/test_tokenizer_hf.d/tokenizer.json", &a));
            CHECK_OK(lora_tokenizer_load(HF "qwen3/tokenizer.json", &b));
            if (a && b) {
                CHECK_OK(lora_encode(a, text, sizeof text - 1, 1, &ia, &na));
                CHECK_OK(lora_encode(b, text, sizeof text - 1, 1, &ib, &nb));
                CHECK(na == nb && na > 5 && memcmp(ia, ib, na * sizeof *ia) == 0);
            }
            lora_free(ia); lora_free(ib);
            lora_tokenizer_free(a); lora_tokenizer_free(b);
        }
        free(s);
    }
    {   /* from memory, with and without the config */
        lora_tokenizer *t = NULL;
        size_t cl = 0;
        char *cfg = test_slurp(HF "qwen3/tokenizer_config.json", &cl);
        CHECK_OK(lora_tokenizer_load_hf_memory(json, n, cfg, cl, &t));
        CHECK(t && lora_tokenizer_eos(t) == 151645);
        lora_tokenizer_free(t);
        t = NULL;
        CHECK_OK(lora_tokenizer_load_hf_memory(json, n, NULL, 0, &t));
        CHECK(t && lora_tokenizer_eos(t) == 151643); /* no config: "<|endoftext|>" */
        lora_tokenizer_free(t);
        t = NULL;
        CHECK_ERR(lora_tokenizer_load_hf_memory(json, n / 2, NULL, 0, &t), LORA_ERR_FORMAT);
        CHECK(t == NULL && strncmp(lora_last_error(), "tokenizer.json:", 15) == 0);
        CHECK_ERR(lora_tokenizer_load_hf_memory(NULL, 5, NULL, 0, &t), LORA_ERR_INVALID_ARG);
        free(cfg);
    }
    free(json);
}

static void cli(void) {
    static const char text[] = "Hello, world! It's 2025: \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB\r\n\n  done.";
    size_t n = 0;
    char *out;
    int rc;
    write_file("build/test_tokenizer_hf.d/in.txt", text, sizeof text - 1);
    rc = system("build/lora-tokenize --tokenizer " HF "llama3/tokenizer.json < build/test_tokenizer_hf.d/in.txt "
                "> build/test_tokenizer_hf.d/ids.txt");
    CHECK(rc == 0);
    out = test_slurp("build/test_tokenizer_hf.d/ids.txt", &n);
    CHECK(out && strncmp(out, "9906 11 1917 0 1102 596 220 2366 20 25", 38) == 0);
    free(out);
    rc = system("build/lora-tokenize --tokenizer " HF "llama3/tokenizer.json --decode < build/test_tokenizer_hf.d/ids.txt "
                "> build/test_tokenizer_hf.d/back.txt");
    CHECK(rc == 0);
    out = test_slurp("build/test_tokenizer_hf.d/back.txt", &n);
    CHECK(out && n == sizeof text - 1 && memcmp(out, text, n) == 0);
    free(out);
    /* a directory works too, and --special maps special tokens */
    write_file("build/test_tokenizer_hf.d/in.txt", "<|im_start|>user\nHi<|im_end|>", 29);
    rc = system("build/lora-tokenize --tokenizer " HF "qwen3 --special < build/test_tokenizer_hf.d/in.txt > build/test_tokenizer_hf.d/ids.txt");
    CHECK(rc == 0);
    out = test_slurp("build/test_tokenizer_hf.d/ids.txt", &n);
    CHECK(out && strcmp(out, "151644 872 198 13048 151645\n") == 0);
    free(out);
}

/* GPT-2's encoder.json + vocab.bpe written as a tokenizer.json (as SmolLM2's: merges as "a b"
   strings, the added token inside the vocabulary) with the given pre_tokenizer, into dir.
   drop_high: leave out the byte tokens of 0xF5..0xFF and their merges (a restricted alphabet). */
static int build_gpt2_json(const char *dir, const char *pre_tokenizer, int drop_high) {
    size_t vn = 0, mn = 0, i, o = 0, k;
    char *v = test_slurp("data/gpt2-tokenizer/encoder.json", &vn), *m = test_slurp("data/gpt2-tokenizer/vocab.bpe", &mn);
    char *j = (v && m) ? (char *)malloc(2 * vn + 2 * mn + 4096) : NULL, path[512];
    lora_json *root = NULL;
    int ok = 0;
    if (!j || lora_json_parse(v, vn, "encoder.json", &root) != LORA_OK) goto out;
    o += (size_t)sprintf(j + o, "{\"version\":\"1.0\",\"added_tokens\":[{\"id\":50256,\"content\":\"<|endoftext|>\",\"single_word\":false,"
                         "\"lstrip\":false,\"rstrip\":false,\"normalized\":true,\"special\":true}],\"normalizer\":null,"
                         "\"pre_tokenizer\":%s,\"post_processor\":null,\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,"
                         "\"trim_offsets\":true,\"use_regex\":true},\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,"
                         "\"continuing_subword_prefix\":null,\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,"
                         "\"ignore_merges\":false,\"vocab\":{", pre_tokenizer);
    for (k = 0; k < root->n; k++) { /* the vocabulary, re-escaped */
        const unsigned char *key = (const unsigned char *)root->keys[k];
        if (drop_high && root->key_lens[k] == 2 && key[0] == 0xC3 && key[1] >= 0xB5) continue; /* U+00F5..U+00FF */
        if (j[o - 1] != '{') j[o++] = ',';
        j[o++] = '"';
        for (i = 0; i < root->key_lens[k]; i++) { if (key[i] == '"' || key[i] == '\\') j[o++] = '\\'; j[o++] = (char)key[i]; }
        o += (size_t)sprintf(j + o, "\":%ld", (long)root->items[k].number);
    }
    o += (size_t)sprintf(j + o, "},\"merges\":[");
    for (i = 0; i < mn;) { /* each merges line (after #version) as a JSON string */
        const char *nl = (const char *)memchr(m + i, '\n', mn - i);
        size_t len = nl ? (size_t)(nl - (m + i)) : mn - i, q, skip = 0;
        for (q = 0; drop_high && q + 1 < len; q++)
            if ((unsigned char)m[i + q] == 0xC3 && (unsigned char)m[i + q + 1] >= 0xB5) skip = 1;
        if (len && !skip && strncmp(m + i, "#version", 8) != 0) {
            if (j[o - 1] != '[') j[o++] = ',';
            j[o++] = '"';
            for (q = 0; q < len; q++) { if (m[i + q] == '"' || m[i + q] == '\\') j[o++] = '\\'; j[o++] = m[i + q]; }
            j[o++] = '"';
        }
        i += len + 1;
    }
    o += (size_t)sprintf(j + o, "]}}");
    snprintf(path, sizeof path, "mkdir -p %s", dir);
    if (system(path) != 0) goto out;
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    write_file(path, j, o);
    ok = 1;
out:
    lora_json_free(root);
    free(v); free(m); free(j);
    return ok;
}

/* SmolLM2's layouts, on GPT-2's vocabulary: ByteLevel alone must give exactly the GPT-2 ids;
   Sequence[Digits(individual_digits), ByteLevel] the ids of the JavaScript reference with HF's
   \p{N} digits (expected_gpt2_digits.txt); a restricted alphabet drops the bytes it lacks. */
static void smollm2_layouts(void) {
    size_t cn = 0, n1 = 0, n2 = 0, i;
    char *c = test_slurp("tests/fixtures/tokenizer/corpus.txt", &cn);
    lora_tokenizer *a = NULL, *b = NULL;
    int32_t *ia = NULL, *ib = NULL;
    CHECK(c != NULL);
    CHECK(build_gpt2_json("build/test_tokenizer_hf.d/gpt2", "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,"
                          "\"trim_offsets\":true,\"use_regex\":true}", 0));
    CHECK_OK(lora_tokenizer_load("build/test_tokenizer_hf.d/gpt2", &a));
    CHECK_OK(lora_tokenizer_load("data/gpt2-tokenizer", &b));
    if (a && b && c) {
        CHECK(lora_tokenizer_eos(a) == 50256 && lora_tokenizer_vocab_size(a) == 50257);
        CHECK(lora_tokenizer_chat(a, NULL, NULL) == LORA_CHAT_PLAIN);
        CHECK_OK(lora_encode(a, c, cn, 1, &ia, &n1));
        CHECK_OK(lora_encode(b, c, cn, 1, &ib, &n2));
        CHECK(n1 == n2 && n1 > 60000 && memcmp(ia, ib, n1 * sizeof *ia) == 0);
        printf("GPT-2 as tokenizer.json (ByteLevel pre-tokenizer, string merges): %zu tokens, %s to the GPT-2 files\n", n1,
               n1 == n2 && memcmp(ia, ib, n1 * sizeof *ia) == 0 ? "identical" : "DIFFERENT");
        lora_free(ia); lora_free(ib); ia = ib = NULL;
        CHECK_OK(lora_encode(a, "a<|endoftext|>b", 15, 1, &ia, &n1));
        CHECK(n1 == 3 && ia && ia[1] == 50256);
        lora_free(ia); ia = NULL;
    }
    lora_tokenizer_free(a); a = NULL;
    free(c);
    /* Digits + ByteLevel */
    CHECK(build_gpt2_json("build/test_tokenizer_hf.d/gpt2_digits", "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Digits\","
                          "\"individual_digits\":true},{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,"
                          "\"use_regex\":true}]}", 0));
    CHECK_OK(lora_tokenizer_load("build/test_tokenizer_hf.d/gpt2_digits", &a));
    {
        size_t ln = 0, en = 0, tl = 0, line = 0, want, got = 0;
        char *corpus = test_slurp(HF "corpus.txt", &cn), *list = test_slurp(HF "digits_lines.txt", &ln);
        char *exp = test_slurp(HF "expected_gpt2_digits.txt", &en), *text = corpus ? (char *)malloc(cn + 1) : NULL;
        const char *p = corpus, *l = list, *e = exp;
        int32_t *ref;
        CHECK(corpus && list && exp && text && a);
        if (corpus && list && exp && text && a) {
            want = strtoul(l, NULL, 10);
            while (p < corpus + cn) { /* the listed lines, concatenated */
                const char *nl = (const char *)memchr(p, '\n', cn - (size_t)(p - corpus));
                size_t len = nl ? (size_t)(nl - p) + 1 : cn - (size_t)(p - corpus);
                if (++line == want) {
                    memcpy(text + tl, p, len); tl += len;
                    while (*l && *l != '\n') l++;
                    if (*l) l++;
                    want = *l ? strtoul(l, NULL, 10) : 0;
                }
                p += len;
            }
            ref = parse_line(&e, &got);
            CHECK_OK(lora_encode(a, text, tl, 1, &ia, &n1));
            CHECK_MSG(ref && n1 == got && memcmp(ia, ref, n1 * sizeof *ia) == 0, "Digits: %zu tokens, expected %zu", n1, got);
            for (i = 0; ref && i < n1 && i < got && ia[i] == ref[i]; i++) {}
            printf("SmolLM2's Digits + ByteLevel on GPT-2's vocabulary: %zu bytes, %zu tokens, %s the reference%s\n", tl, n1,
                   ref && n1 == got && i == n1 ? "identical to" : "DIFFERENT from", "");
            free(ref);
            lora_free(ia); ia = NULL;
            CHECK_OK(lora_encode(a, "x=12345, y=\xD9\xA3\xD9\xA4", 15, 0, &ia, &n1)); /* each digit alone, Arabic-Indic too */
            CHECK(n1 >= 10 && ia[n1 - 1] != ia[n1 - 2]);
            lora_free(ia); ia = NULL;
        }
        free(corpus); free(list); free(exp); free(text);
    }
    lora_tokenizer_free(a); a = NULL;
    /* a restricted alphabet: the bytes without a token are dropped (HF's BPE with unk_token null) */
    CHECK(build_gpt2_json("build/test_tokenizer_hf.d/gpt2_gaps", "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,"
                          "\"trim_offsets\":true,\"use_regex\":true}", 1));
    CHECK_OK(lora_tokenizer_load("build/test_tokenizer_hf.d/gpt2_gaps", &a));
    if (a && b) {
        static const char t1[] = "ab\xFF\xF7 cd", t2[] = "ab cd";
        CHECK_OK(lora_encode(a, t1, sizeof t1 - 1, 0, &ia, &n1));
        CHECK_OK(lora_encode(b, t2, sizeof t2 - 1, 0, &ib, &n2));
        CHECK(n1 == n2 && memcmp(ia, ib, n1 * sizeof *ia) == 0);
        lora_free(ia); lora_free(ib); ia = ib = NULL;
        CHECK_OK(lora_encode(a, "Hello world", 11, 0, &ia, &n1));
        CHECK(n1 == 2 && ia[0] == 15496 && ia[1] == 995);
        lora_free(ia);
    }
    lora_tokenizer_free(a);
    lora_tokenizer_free(b);
}

int main(void) {
    lora_tokenizer *q = NULL, *l = NULL;
    const char *sys = NULL, *extra = getenv("LORA_HF_TOKENIZERS");
    int think = -1;
    CHECK_OK(lora_tokenizer_load(HF "qwen3", &q));
    CHECK_OK(lora_tokenizer_load(HF "llama3/tokenizer.json", &l));
    if (!q || !l) return TEST_END();
    corpus_check(q, "qwen3", 1);
    corpus_check(l, "llama3", 0);
    /* special tokens, eos / bos, chat templates */
    CHECK(lora_tokenizer_vocab_size(q) == 151669 && lora_tokenizer_vocab_size(l) == 128256);
    CHECK(lora_tokenizer_eos(q) == 151645 && lora_tokenizer_bos(q) == -1);       /* eos_token "<|im_end|>", bos null */
    CHECK(lora_tokenizer_eos(l) == 128001 && lora_tokenizer_bos(l) == 128000);
    CHECK(one_id(q, "<|im_end|>", 1) == 151645 && one_id(q, "<|im_end|>", 0) == -2);
    CHECK(one_id(q, "<think>", 0) == 151667);                                      /* not special: always matched */
    CHECK(one_id(l, "<|eot_id|>", 1) == 128009 && one_id(l, "<|eot_id|>", 0) == -2);
    CHECK(lora_tokenizer_find(q, "<|im_start|>", 12) == 151644 && lora_tokenizer_find(l, "<|start_header_id|>", 19) == 128006);
    CHECK(lora_tokenizer_chat(q, &sys, &think) == LORA_CHAT_CHATML && sys == NULL && think == 1);
    CHECK(lora_tokenizer_chat(l, &sys, &think) == LORA_CHAT_LLAMA3 && sys == NULL && think == 0);
    {   /* NFC: decomposed and composed text give the same ids with Qwen, not with Llama 3 */
        static const char nfd[] = "Cafe\xCC\x81 \xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB", nfc[] = "Caf\xC3\xA9 \xED\x95\x9C";
        int32_t *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        CHECK_OK(lora_encode(q, nfd, sizeof nfd - 1, 0, &a, &na));
        CHECK_OK(lora_encode(q, nfc, sizeof nfc - 1, 0, &b, &nb));
        CHECK(na == nb && memcmp(a, b, na * sizeof *a) == 0);
        lora_free(a); lora_free(b);
        CHECK_OK(lora_encode(l, nfd, sizeof nfd - 1, 0, &a, &na));
        CHECK_OK(lora_encode(l, nfc, sizeof nfc - 1, 0, &b, &nb));
        CHECK(!(na == nb && memcmp(a, b, na * sizeof *a) == 0));
        lora_free(a); lora_free(b);
    }
    {   /* invalid UTF-8 is kept (NFC too) */
        static const char bad[] = "ab\xFF\xC3(x\xE9\xCC\x81 \x80\n";
        int32_t *a = NULL;
        size_t na = 0, bl = 0;
        char *back = NULL;
        CHECK_OK(lora_encode(q, bad, sizeof bad - 1, 1, &a, &na));
        CHECK_OK(lora_decode(q, a, na, &back, &bl));
        CHECK(bl == sizeof bad - 1 && memcmp(back, bad, bl) == 0);
        lora_free(a); lora_free(back);
    }
    lora_tokenizer_free(q);
    lora_tokenizer_free(l);
    bad_files();
    cli();
    smollm2_layouts();
    while (extra && *extra) {   /* optional: full tokenizer directories */
        char dir[1024];
        const char *colon = strchr(extra, ':');
        size_t k = colon ? (size_t)(colon - extra) : strlen(extra);
        lora_tokenizer *t = NULL;
        snprintf(dir, sizeof dir, "%.*s", (int)k, extra);
        CHECK_OK(lora_tokenizer_load(dir, &t));
        if (t) corpus_check(t, lora_tokenizer_vocab_size(t) > 150000 ? "qwen3" : "llama3", lora_tokenizer_vocab_size(t) > 150000);
        lora_tokenizer_free(t);
        extra += k + (colon != NULL);
    }
    return TEST_END();
}
