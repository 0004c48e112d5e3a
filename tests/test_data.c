/* Tests of gpt2.h's training data: jsonl formats and masking, pack/pad, add_eot, malformed
   lines, BOM/CRLF/blank lines, token files (raw and llm.c), batching, split, and the QA set.
   Run from the repository root (needs data/gpt2-tokenizer, or GPT2_TOKENIZER_DIR). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lora.h"
#include "gpt2.h"
#include "test.h"

static char tmp_dir_buf[256]; /* prefix of temporary files: $TMPDIR/test_data_<pid> */

/* ---- helpers ---- */
static const char *tmp_path(const char *name) {
    static char buf[512];
    snprintf(buf, sizeof buf, "%s_%s", tmp_dir_buf, name);
    return buf;
}
static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) { fprintf(stderr, "cannot write %s\n", path); exit(2); }
    if (n) fwrite(data, 1, n, f);
    fclose(f);
}
static void put_u16(unsigned char *p, unsigned v) { p[0] = (unsigned char)(v & 255); p[1] = (unsigned char)(v >> 8); }
static void put_i32(unsigned char *p, long v) {
    unsigned long u = (unsigned long)v;
    p[0] = (unsigned char)(u & 255); p[1] = (unsigned char)((u >> 8) & 255);
    p[2] = (unsigned char)((u >> 16) & 255); p[3] = (unsigned char)((u >> 24) & 255);
}
/* llm.c token file: header (magic, version, declared) + n uint16 ids */
static void write_llmc(const char *path, long magic, long version, long declared, const unsigned *ids, size_t n, size_t header_bytes) {
    unsigned char *b = (unsigned char *)calloc(1, 1024 + 2 * n);
    size_t i;
    put_i32(b, magic); put_i32(b + 4, version); put_i32(b + 8, declared);
    for (i = 0; i < n; i++) put_u16(b + 1024 + 2 * i, ids[i]);
    write_bytes(path, b, header_bytes < 1024 ? header_bytes : 1024 + 2 * n);
    free(b);
}
static void write_raw(const char *path, const unsigned *ids, size_t n) {
    unsigned char *b = (unsigned char *)calloc(1, 2 * n + 1);
    size_t i;
    for (i = 0; i < n; i++) put_u16(b + 2 * i, ids[i]);
    write_bytes(path, b, 2 * n);
    free(b);
}
static int err_has(const char *needle) {
    if (strstr(lora_last_error(), needle)) return 1;
    fprintf(stderr, "  error message \"%s\" lacks \"%s\"\n", lora_last_error(), needle);
    return 0;
}
static int err_starts(const char *prefix) {
    if (strncmp(lora_last_error(), prefix, strlen(prefix)) == 0) return 1;
    fprintf(stderr, "  error message \"%s\" does not start with \"%s\"\n", lora_last_error(), prefix);
    return 0;
}

/* ---- token arrays, files, batches, split (no tokenizer needed) ---- */
static void test_config(void) {
    lora_data_config c = lora_data_config_init();
    CHECK(c.format == LORA_DATA_AUTO);
    CHECK(c.mask_prompt == 1 && c.add_eot == 1 && c.pack == 1 && c.seq > 0);
}

static void test_from_tokens(void) {
    int32_t ids[7] = { 5, 6, GPT2_EOT, 7, GPT2_EOT, 8, 9 }, labs[7] = { -100, 6, GPT2_EOT, -100, 1, 2, 3 };
    lora_dataset *ds = NULL;
    CHECK_OK(lora_data_from_tokens(ids, NULL, 7, GPT2_EOT, &ds));
    if (ds) {
        CHECK(ds->n_tokens == 7 && memcmp(ds->tokens, ids, sizeof ids) == 0 && memcmp(ds->labels, ids, sizeof ids) == 0);
        CHECK(ds->n_samples == 3);
        CHECK(ds->sample_start[0] == 0 && ds->sample_start[1] == 3 && ds->sample_start[2] == 5 && ds->sample_start[3] == 7);
        ids[0] = 99; /* copied */
        CHECK(ds->tokens[0] == 5);
        lora_data_free(ds);
    }
    ids[0] = 5;
    CHECK_OK(lora_data_from_tokens(ids, labs, 5, GPT2_EOT, &ds));
    if (ds) {
        CHECK(ds->n_samples == 2 && ds->sample_start[2] == 5 && memcmp(ds->labels, labs, 5 * sizeof(int32_t)) == 0);
        lora_data_free(ds);
    }
    CHECK_OK(lora_data_from_tokens(NULL, NULL, 0, GPT2_EOT, &ds));
    if (ds) { CHECK(ds->n_tokens == 0 && ds->n_samples == 0 && ds->sample_start[0] == 0); lora_data_free(ds); }
    CHECK_ERR(lora_data_from_tokens(NULL, NULL, 3, GPT2_EOT, &ds), LORA_ERR_INVALID_ARG);
    lora_data_free(NULL);
}

static void test_token_files(void) {
    static const unsigned ids[6] = { 1, 2, GPT2_EOT, 3, GPT2_EOT, 40000 };
    unsigned bad[4] = { 10, 20, 30, 50257 };
    lora_dataset *ds = NULL;
    char path[512];
    size_t i;

    /* raw uint16 */
    snprintf(path, sizeof path, "%s", tmp_path("raw.bin"));
    write_raw(path, ids, 6);
    CHECK_OK(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds));
    if (ds) {
        CHECK(ds->n_tokens == 6);
        for (i = 0; i < 6; i++) CHECK(ds->tokens[i] == (int32_t)ids[i] && ds->labels[i] == (int32_t)ids[i]);
        CHECK(ds->n_samples == 3 && ds->sample_start[1] == 3 && ds->sample_start[2] == 5 && ds->sample_start[3] == 6);
        lora_data_free(ds); ds = NULL;
    }
    /* id >= vocab: file and byte offset named */
    write_raw(path, bad, 4);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_RANGE);
    CHECK(ds == NULL);
    CHECK(err_starts(path) && err_has("token 3 ") && err_has("byte offset 6") && err_has("50257"));
    CHECK_OK(lora_data_load_tokens(path, 0, GPT2_EOT, &ds)); /* vocab <= 0: no check */
    if (ds) { CHECK(ds->n_tokens == 4 && ds->tokens[3] == 50257); lora_data_free(ds); ds = NULL; }
    CHECK_ERR(lora_data_load_tokens(path, 30, GPT2_EOT, &ds), LORA_ERR_RANGE);
    CHECK(err_has("token 2 ") && err_has("byte offset 4"));
    /* odd size */
    write_bytes(path, "\x01\x00\x02", 3);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_FORMAT);
    CHECK(err_starts(path) && err_has("odd size (3 bytes)"));
    /* empty */
    write_bytes(path, "", 0);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_FORMAT);
    CHECK(err_has("no tokens"));
    /* missing */
    CHECK_ERR(lora_data_load_tokens(tmp_path("does-not-exist.bin"), 50257, GPT2_EOT, &ds), LORA_ERR_IO);
    CHECK(err_has("does-not-exist.bin"));
    CHECK_ERR(lora_data_load_tokens(NULL, 50257, GPT2_EOT, &ds), LORA_ERR_INVALID_ARG);

    /* llm.c format */
    snprintf(path, sizeof path, "%s", tmp_path("llmc.bin"));
    write_llmc(path, 20240520, 1, 5, ids, 5, 9999);
    CHECK_OK(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds));
    if (ds) {
        CHECK(ds->n_tokens == 5);
        for (i = 0; i < 5; i++) CHECK(ds->tokens[i] == (int32_t)ids[i] && ds->labels[i] == (int32_t)ids[i]);
        CHECK(ds->n_samples == 2 && ds->sample_start[2] == 5);
        lora_data_free(ds); ds = NULL;
    }
    CHECK_OK(lora_data_load(path, NULL, NULL, &ds)); /* by name: not .jsonl -> token file */
    if (ds) { CHECK(ds->n_tokens == 5); lora_data_free(ds); ds = NULL; }
    write_llmc(path, 20240520, 1, 6, ids, 6, 9999);
    CHECK_OK(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds));
    if (ds) { CHECK(ds->n_tokens == 6 && ds->tokens[5] == 40000); lora_data_free(ds); ds = NULL; }
    bad[3] = 60000;
    write_llmc(path, 20240520, 1, 4, bad, 4, 9999);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_RANGE);
    CHECK(err_starts(path) && err_has("token 3 ") && err_has("byte offset 1030") && err_has("60000"));
    /* header count does not match the size */
    write_llmc(path, 20240520, 1, 7, ids, 6, 9999);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_FORMAT);
    CHECK(err_starts(path) && err_has("header says 7 tokens") && err_has("found 12 bytes"));
    write_llmc(path, 20240520, 1, -1, ids, 6, 9999);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_FORMAT);
    /* bad version */
    write_llmc(path, 20240520, 2, 6, ids, 6, 9999);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_UNSUPPORTED);
    CHECK(err_starts(path) && err_has("version 2"));
    /* truncated header */
    write_llmc(path, 20240520, 1, 6, ids, 6, 100);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_FORMAT);
    CHECK(err_starts(path) && err_has("truncated header") && err_has("100 of 1024"));
    write_llmc(path, 20240520, 1, 6, ids, 6, 4);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_FORMAT);
    CHECK(err_has("truncated header"));
    /* llm.c's llama-3 token files (magic 20240801, version 7): uint32 ids, for vocabularies past 65536 */
    {
        unsigned char b[1024 + 4 * 4];
        const unsigned long big[4] = {151643UL, 0UL, 70000UL, 151643UL};
        int k;
        memset(b, 0, sizeof b);
        put_i32(b, 20240801); put_i32(b + 4, 7); put_i32(b + 8, 4);
        for (k = 0; k < 4; k++) put_i32(b + 1024 + 4 * k, (long)big[k]);
        write_bytes(path, b, sizeof b);
        CHECK_OK(lora_data_load_tokens(path, 151936, 151643, &ds));
        if (ds) {
            CHECK(ds->n_tokens == 4 && ds->tokens[0] == 151643 && ds->tokens[2] == 70000 && ds->n_samples == 2);
            lora_data_free(ds); ds = NULL;
        }
        CHECK_ERR(lora_data_load_tokens(path, 100000, 151643, &ds), LORA_ERR_RANGE);   /* id >= vocab */
        CHECK(err_has("151643") && err_has("100000"));
        put_i32(b + 4, 1);                                                               /* wrong version */
        write_bytes(path, b, sizeof b);
        CHECK_ERR(lora_data_load_tokens(path, 151936, 151643, &ds), LORA_ERR_UNSUPPORTED);
        CHECK(err_has("version 1") && err_has("llama-3"));
        put_i32(b + 4, 7);                                                               /* size != 4 x count */
        write_bytes(path, b, sizeof b - 2);
        CHECK_ERR(lora_data_load_tokens(path, 151936, 151643, &ds), LORA_ERR_FORMAT);
        CHECK(err_has("says 4 tokens"));
        put_i32(b + 1024, -1L);                                                          /* 0xffffffff */
        write_bytes(path, b, sizeof b);
        CHECK_ERR(lora_data_load_tokens(path, 0, -1, &ds), LORA_ERR_RANGE);
        CHECK(err_has("int32"));
    }
    /* lora_data_save_tokens writes what lora_data_load_tokens reads: uint16 or, past 65535, uint32 */
    {
        const int32_t small[5] = {0, 50256, 7, 65535, 3}, wide[4] = {151643, 1, 65536, 2};
        const int32_t neg[2] = {5, -2};
        CHECK_OK(lora_data_save_tokens(path, small, 5));
        CHECK_OK(lora_data_load_tokens(path, 65536, -1, &ds));
        if (ds) { CHECK(ds->n_tokens == 5 && memcmp(ds->tokens, small, sizeof small) == 0); lora_data_free(ds); ds = NULL; }
        {
            FILE *f = fopen(path, "rb");
            long size = -1;
            if (f) { fseek(f, 0, SEEK_END); size = ftell(f); fclose(f); }
            CHECK(size == 1024 + 2 * 5);
        }
        CHECK_OK(lora_data_save_tokens(path, wide, 4));
        CHECK_OK(lora_data_load_tokens(path, 151936, -1, &ds));
        if (ds) { CHECK(ds->n_tokens == 4 && memcmp(ds->tokens, wide, sizeof wide) == 0); lora_data_free(ds); ds = NULL; }
        CHECK_ERR(lora_data_save_tokens(path, neg, 2), LORA_ERR_INVALID_ARG);
        CHECK(err_has("id 1 is -2"));
        CHECK_ERR(lora_data_save_tokens(path, small, 0), LORA_ERR_INVALID_ARG);
        CHECK_OK(lora_data_load_tokens(path, 151936, -1, &ds));        /* the failed saves left the file */
        if (ds) { CHECK(ds->n_tokens == 4); lora_data_free(ds); ds = NULL; }
    }
    /* llm.c's eval files are recognised and refused */
    write_llmc(path, 20240522, 1, 6, ids, 6, 9999);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_FORMAT);
    CHECK(err_has("eval"));
    /* any other first word makes it a raw file; a wrong magic then shows up as an id >= vocab
       (as uint16 ids, 20240521 reads 55433, 308) and the message says so */
    write_llmc(path, 20240521, 1, 6, ids, 6, 9999);
    CHECK_ERR(lora_data_load_tokens(path, 50257, GPT2_EOT, &ds), LORA_ERR_RANGE);
    CHECK(err_starts(path) && err_has("token 0 (byte offset 0) is 55433") && err_has("magic is wrong: found 20240521"));
    CHECK_OK(lora_data_load_tokens(path, 0, GPT2_EOT, &ds));
    if (ds) {
        CHECK(ds->n_tokens == 512 + 6 && ds->tokens[0] == 55433 && ds->tokens[1] == 308 && ds->tokens[2] == 1);
        lora_data_free(ds); ds = NULL;
    }
    remove(path);
    remove(tmp_path("raw.bin"));
}

static void test_batch(void) {
    int32_t ids[10], in[16], lab[16];
    lora_dataset *ds = NULL;
    size_t pos = 0;
    int i;
    for (i = 0; i < 10; i++) ids[i] = i;
    CHECK_OK(lora_data_from_tokens(ids, NULL, 10, GPT2_EOT, &ds));
    if (!ds) return;
    for (i = 0; i < 10; i++) ds->labels[i] = 100 + i;
    CHECK(lora_data_batches_per_epoch(ds, 1, 3) == 3);
    CHECK(lora_data_batches_per_epoch(ds, 2, 2) == 2);
    CHECK(lora_data_batches_per_epoch(ds, 4, 4) == 1); /* at least 1 */
    CHECK(lora_data_batches_per_epoch(ds, 0, 4) == 0);
    /* B=1, T=3 over 10 tokens: [0,3) [3,6) [6,9), then 1 token remains -> 0 */
    CHECK_OK(lora_data_batch(ds, &pos, 1, 3, in, lab));
    CHECK(in[0] == 0 && in[2] == 2 && lab[0] == 100 && lab[2] == 102 && pos == 3);
    CHECK_OK(lora_data_batch(ds, &pos, 1, 3, in, lab));
    CHECK(in[0] == 3 && pos == 6);
    CHECK_OK(lora_data_batch(ds, &pos, 1, 3, in, lab));
    CHECK(in[0] == 6 && in[2] == 8 && lab[2] == 108 && pos == 0);
    CHECK_OK(lora_data_batch(ds, &pos, 1, 3, in, lab));
    CHECK(in[0] == 0 && pos == 3);
    /* B=2, T=2: rows [0,1] [2,3], then [4..7], then 2 remain -> 0 */
    pos = 0;
    CHECK_OK(lora_data_batch(ds, &pos, 2, 2, in, lab));
    CHECK(in[0] == 0 && in[1] == 1 && in[2] == 2 && in[3] == 3 && lab[3] == 103 && pos == 4);
    CHECK_OK(lora_data_batch(ds, &pos, 2, 2, in, lab));
    CHECK(in[0] == 4 && in[3] == 7 && pos == 0);
    /* a position with fewer than B*T tokens after it reads from 0 */
    pos = 7;
    CHECK_OK(lora_data_batch(ds, &pos, 2, 2, in, lab));
    CHECK(in[0] == 0 && pos == 4);
    pos = 6; /* exactly B*T remain: read, then wrap */
    CHECK_OK(lora_data_batch(ds, &pos, 2, 2, in, lab));
    CHECK(in[0] == 6 && in[3] == 9 && pos == 0);
    /* B*T == n_tokens: every batch is the whole set */
    pos = 0;
    CHECK_OK(lora_data_batch(ds, &pos, 2, 5, in, lab));
    CHECK(in[9] == 9 && pos == 0);
    CHECK_OK(lora_data_batch(ds, &pos, 2, 5, in, lab));
    CHECK(in[0] == 0 && pos == 0);
    /* too few tokens, bad sizes */
    CHECK_ERR(lora_data_batch(ds, &pos, 1, 11, in, lab), LORA_ERR_RANGE);
    CHECK(err_has("10 tokens") && err_has("11"));
    CHECK_ERR(lora_data_batch(ds, &pos, 0, 4, in, lab), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_data_batch(ds, &pos, 2, -1, in, lab), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_data_batch(ds, NULL, 2, 2, in, lab), LORA_ERR_INVALID_ARG);
    lora_data_free(ds);
}

/* 10 samples; sample k is (k+1) tokens k*100, k*100+1, ... ending with EOT */
static lora_dataset *make_samples(void) {
    int32_t ids[128];
    size_t n = 0;
    int k, t;
    lora_dataset *ds = NULL;
    for (k = 0; k < 10; k++) {
        for (t = 0; t < k; t++) ids[n++] = k * 100 + t;
        ids[n++] = GPT2_EOT;
    }
    if (lora_data_from_tokens(ids, NULL, n, GPT2_EOT, &ds) != LORA_OK) return NULL;
    return ds;
}
/* sample index from its content (length - 1) */
static int sample_id(const lora_dataset *ds, size_t i) { return (int)(ds->sample_start[i + 1] - ds->sample_start[i]) - 1; }

static void test_split(void) {
    lora_dataset *ds = make_samples(), *tr = NULL, *va = NULL, *tr2 = NULL, *va2 = NULL;
    int seen[10], i, ok;
    size_t j;
    if (!ds) { CHECK(0); return; }
    CHECK(ds->n_samples == 10 && ds->n_tokens == 55);
    CHECK_OK(lora_data_split(ds, 0.2, 42, &tr, &va));
    if (tr && va) {
        CHECK(tr->n_samples == 8 && va->n_samples == 2);
        CHECK(tr->n_tokens + va->n_tokens == 55);
        memset(seen, 0, sizeof seen);
        ok = 1;
        for (j = 0; j < tr->n_samples; j++) seen[sample_id(tr, j)]++;
        for (j = 0; j < va->n_samples; j++) seen[sample_id(va, j)]++;
        for (i = 0; i < 10; i++) ok &= seen[i] == 1;
        CHECK(ok);
        /* content intact: sample k is k*100 .. then EOT, with labels */
        ok = 1;
        for (j = 0; j < tr->n_samples; j++) {
            size_t a = tr->sample_start[j], e = tr->sample_start[j + 1];
            int k = sample_id(tr, j);
            for (i = 0; i < k; i++) ok &= tr->tokens[a + (size_t)i] == k * 100 + i && tr->labels[a + (size_t)i] == k * 100 + i;
            ok &= tr->tokens[e - 1] == GPT2_EOT;
        }
        CHECK(ok);
        /* deterministic */
        CHECK_OK(lora_data_split(ds, 0.2, 42, &tr2, &va2));
        if (tr2 && va2) {
            CHECK(tr2->n_tokens == tr->n_tokens && memcmp(tr2->tokens, tr->tokens, tr->n_tokens * sizeof(int32_t)) == 0);
            CHECK(va2->n_tokens == va->n_tokens && memcmp(va2->tokens, va->tokens, va->n_tokens * sizeof(int32_t)) == 0);
        }
        /* shuffled: the order is not the identity for this seed */
        ok = 0;
        for (j = 0; j < tr->n_samples; j++) ok |= sample_id(tr, j) != (int)j;
        CHECK(ok);
    }
    lora_data_free(tr); lora_data_free(va); lora_data_free(tr2); lora_data_free(va2);
    tr = va = tr2 = va2 = NULL;
    /* other seed: other order */
    CHECK_OK(lora_data_split(ds, 0.2, 42, &tr, &va));
    CHECK_OK(lora_data_split(ds, 0.2, 7, &tr2, &va2));
    if (tr && tr2) CHECK(memcmp(tr->tokens, tr2->tokens, 20 * sizeof(int32_t)) != 0 || memcmp(va->tokens, va2->tokens, 4 * sizeof(int32_t)) != 0);
    lora_data_free(tr); lora_data_free(va); lora_data_free(tr2); lora_data_free(va2);
    /* seed 0: no shuffle, the last samples are the validation set */
    CHECK_OK(lora_data_split(ds, 0.3, 0, &tr, &va));
    if (tr && va) {
        CHECK(tr->n_samples == 7 && va->n_samples == 3);
        CHECK(sample_id(tr, 0) == 0 && sample_id(tr, 6) == 6 && sample_id(va, 0) == 7 && sample_id(va, 2) == 9);
        CHECK(memcmp(tr->tokens, ds->tokens, tr->n_tokens * sizeof(int32_t)) == 0);
        CHECK(va->sample_start[0] == 0 && va->sample_start[3] == va->n_tokens && va->n_tokens == 8 + 9 + 10);
    }
    lora_data_free(tr); lora_data_free(va);
    /* rounding: 0.25 * 10 = 2.5 -> 3; 0.04 * 10 -> 0 */
    CHECK_OK(lora_data_split(ds, 0.25, 1, &tr, &va));
    if (va) CHECK(va->n_samples == 3 && tr->n_samples == 7);
    lora_data_free(tr); lora_data_free(va);
    CHECK_OK(lora_data_split(ds, 0.04, 1, &tr, &va));
    if (va) CHECK(va->n_samples == 0 && va->n_tokens == 0 && tr->n_samples == 10 && tr->n_tokens == 55);
    lora_data_free(tr); lora_data_free(va);
    CHECK_OK(lora_data_split(ds, 1.0, 1, &tr, &va));
    if (va) CHECK(va->n_samples == 10 && tr->n_samples == 0 && tr->n_tokens == 0);
    lora_data_free(tr); lora_data_free(va);
    CHECK_ERR(lora_data_split(ds, 1.5, 1, &tr, &va), LORA_ERR_INVALID_ARG);
    CHECK(tr == NULL && va == NULL);
    CHECK_ERR(lora_data_split(ds, -0.1, 1, &tr, &va), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_data_split(ds, sqrt(-1.0), 1, &tr, &va), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_data_split(NULL, 0.1, 1, &tr, &va), LORA_ERR_INVALID_ARG);
    lora_data_free(ds);
}


/* ---- jsonl (needs the tokenizer) ---- */
static lora_tokenizer *tok;

/* expected token/label streams built from lora_encode of the pieces */
typedef struct exp_seq { int32_t t[4096], l[4096]; size_t n; } exp_seq;
static exp_seq ex;
static void ex_piece(const char *text, int masked) {
    int32_t *ids = NULL;
    size_t n = 0, i;
    if (lora_encode(tok, text, strlen(text), 0, &ids, &n) != LORA_OK) { fprintf(stderr, "encode failed\n"); exit(2); }
    for (i = 0; i < n && ex.n < 4096; i++) { ex.t[ex.n] = ids[i]; ex.l[ex.n] = masked ? -100 : ids[i]; ex.n++; }
    lora_free(ids);
}
static void ex_eot(void) { ex.t[ex.n] = GPT2_EOT; ex.l[ex.n] = GPT2_EOT; ex.n++; }
/* compares ds[from, from + ex.n) with ex; prints the first difference */
static int ex_match(const lora_dataset *ds, size_t from) {
    size_t i;
    if (!ds || from + ex.n > ds->n_tokens) {
        fprintf(stderr, "  dataset has %zu tokens, expected %zu from %zu\n", ds ? ds->n_tokens : 0, ex.n, from);
        return 0;
    }
    for (i = 0; i < ex.n; i++)
        if (ds->tokens[from + i] != ex.t[i] || ds->labels[from + i] != ex.l[i]) {
            fprintf(stderr, "  position %zu: token %d label %d, expected token %d label %d\n", i,
                    ds->tokens[from + i], ds->labels[from + i], ex.t[i], ex.l[i]);
            return 0;
        }
    return 1;
}
static lora_status load_mem(const char *text, const lora_data_config *cfg, lora_dataset **ds) {
    return lora_data_load_jsonl_memory(text, strlen(text), "mem.jsonl", tok, cfg, ds);
}

static void test_formats(void) {
    lora_data_config c = lora_data_config_init();
    lora_dataset *ds = NULL;
    size_t i, n_prompt;

    /* text: loss on everything, EOT appended and labelled */
    CHECK_OK(load_mem("{\"text\": \"Hello world, this is text.\"}", NULL, &ds));
    ex.n = 0; ex_piece("Hello world, this is text.", 0); ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n && ds->n_samples == 1 && ds->sample_start[1] == ex.n);
    lora_data_free(ds); ds = NULL;

    /* prompt/completion: prompt tokens -100, completion + EOT labelled; pieces encoded separately */
    CHECK_OK(load_mem("{\"prompt\": \"The capital of France is\", \"completion\": \" Paris.\"}", NULL, &ds));
    ex.n = 0; ex_piece("The capital of France is", 1); n_prompt = ex.n; ex_piece(" Paris.", 0); ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n);
    if (ds) {
        /* exact positions: labels[0..n_prompt) ignored, labels[n_prompt] = first completion token */
        for (i = 0; i < n_prompt; i++) CHECK(ds->labels[i] == -100);
        CHECK(ds->labels[n_prompt] == ds->tokens[n_prompt] && ds->labels[n_prompt] != -100);
        CHECK(ds->labels[ds->n_tokens - 1] == GPT2_EOT);
    }
    lora_data_free(ds); ds = NULL;
    /* separate encoding differs from joint encoding here: "a" + "b" is two tokens, "ab" one */
    CHECK_OK(load_mem("{\"prompt\": \"a\", \"completion\": \"b\"}", NULL, &ds));
    ex.n = 0; ex_piece("a", 1); ex_piece("b", 0); ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == 3);
    lora_data_free(ds); ds = NULL;
    /* empty prompt is allowed */
    CHECK_OK(load_mem("{\"prompt\": \"\", \"completion\": \"Only this.\"}", NULL, &ds));
    ex.n = 0; ex_piece("Only this.", 0); ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n);
    lora_data_free(ds); ds = NULL;
    /* mask_prompt = 0: everything labelled */
    c.mask_prompt = 0;
    CHECK_OK(load_mem("{\"prompt\": \"The capital of France is\", \"completion\": \" Paris.\"}", &c, &ds));
    ex.n = 0; ex_piece("The capital of France is", 0); ex_piece(" Paris.", 0); ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n);
    lora_data_free(ds); ds = NULL;
    c = lora_data_config_init();

    /* question/answer template */
    CHECK_OK(load_mem("{\"question\": \"What is 2 plus 3?\", \"answer\": \"5.\"}", NULL, &ds));
    ex.n = 0; ex_piece("Question: What is 2 plus 3?\nAnswer:", 1); n_prompt = ex.n; ex_piece(" 5.", 0); ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n);
    CHECK(n_prompt == 11 && ds && ds->tokens[n_prompt] == 642); /* " 5" */
    lora_data_free(ds); ds = NULL;
    c.add_eot = 0;
    CHECK_OK(load_mem("{\"question\": \"What is 2 plus 3?\", \"answer\": \"5.\"}", &c, &ds));
    ex.n = 0; ex_piece("Question: What is 2 plus 3?\nAnswer:", 1); ex_piece(" 5.", 0);
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n && ds->tokens[ds->n_tokens - 1] != GPT2_EOT);
    lora_data_free(ds); ds = NULL;
    c = lora_data_config_init();

    /* chat: "role:" + " content\n" per turn, loss on assistant content only */
    {
        const char *chat = "{\"messages\": [{\"role\": \"system\", \"content\": \"You are terse.\"},"
                           "{\"role\": \"user\", \"content\": \"Hi there\"},"
                           "{\"role\": \"assistant\", \"content\": \"Hello.\"},"
                           "{\"role\": \"user\", \"content\": \"Bye\"},"
                           "{\"role\": \"assistant\", \"content\": \"See you!\"}]}";
        size_t a1, a1_end, a2;
        CHECK_OK(load_mem(chat, NULL, &ds));
        ex.n = 0;
        ex_piece("system:", 1); ex_piece(" You are terse.\n", 1);
        ex_piece("user:", 1); ex_piece(" Hi there\n", 1);
        ex_piece("assistant:", 1); a1 = ex.n; ex_piece(" Hello.\n", 0); a1_end = ex.n;
        ex_piece("user:", 1); ex_piece(" Bye\n", 1);
        ex_piece("assistant:", 1); a2 = ex.n; ex_piece(" See you!\n", 0);
        ex_eot();
        CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n);
        if (ds && ds->n_tokens == ex.n) {
            size_t labelled = 0;
            for (i = 0; i < ds->n_tokens; i++) labelled += ds->labels[i] != -100;
            CHECK(labelled == (a1_end - a1) + (ex.n - 1 - a2) + 1);
            CHECK(ds->labels[a1 - 1] == -100 && ds->labels[a1] != -100 && ds->labels[a1_end] == -100);
        }
        lora_data_free(ds); ds = NULL;
        /* decoded, the stream is the documented template */
        CHECK_OK(load_mem(chat, NULL, &ds));
        if (ds) {
            char *txt = NULL; size_t len = 0;
            CHECK_OK(lora_decode(tok, ds->tokens, ds->n_tokens, &txt, &len));
            CHECK(txt && strcmp(txt, "system: You are terse.\nuser: Hi there\nassistant: Hello.\n"
                                     "user: Bye\nassistant: See you!\n<|endoftext|>") == 0);
            lora_free(txt);
        }
        lora_data_free(ds); ds = NULL;
        c.mask_prompt = 0;
        CHECK_OK(load_mem(chat, &c, &ds));
        if (ds) { size_t unl = 0; for (i = 0; i < ds->n_tokens; i++) unl += ds->labels[i] == -100; CHECK(unl == 0); }
        lora_data_free(ds); ds = NULL;
        c = lora_data_config_init();
    }

    /* a literal "<|endoftext|>" in the data is text, not the special token */
    CHECK_OK(load_mem("{\"text\": \"a<|endoftext|>b\"}", NULL, &ds));
    if (ds) { for (i = 0; i + 1 < ds->n_tokens; i++) CHECK(ds->tokens[i] != GPT2_EOT); CHECK(ds->n_tokens > 4); }
    lora_data_free(ds); ds = NULL;
    /* strings with escapes, non-ASCII and NUL bytes go to the tokenizer as bytes */
    CHECK_OK(load_mem("{\"text\": \"caf\\u00e9 \\u0000 \\ud83d\\ude00\\n\"}", NULL, &ds));
    ex.n = 0;
    { int32_t *ids; size_t n; static const char raw[] = "caf\xc3\xa9 \0 \xf0\x9f\x98\x80\n";
      CHECK_OK(lora_encode(tok, raw, sizeof raw - 1, 0, &ids, &n));
      for (i = 0; i < n; i++) { ex.t[i] = ex.l[i] = ids[i]; } ex.n = n; lora_free(ids); }
    ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n);
    lora_data_free(ds); ds = NULL;
}

static void test_auto_and_forced(void) {
    lora_data_config c = lora_data_config_init();
    lora_dataset *ds = NULL;
    const char *two = "{\"text\": \"One.\"}\n{\"question\": \"Q?\", \"answer\": \"A.\"}\n";
    size_t off;
    /* auto: per line; samples and offsets */
    CHECK_OK(load_mem(two, NULL, &ds));
    ex.n = 0; ex_piece("One.", 0); ex_eot(); off = ex.n;
    ex_piece("Question: Q?\nAnswer:", 1); ex_piece(" A.", 0); ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n && ds->n_samples == 2);
    CHECK(ds && ds->sample_start[0] == 0 && ds->sample_start[1] == off && ds->sample_start[2] == ex.n);
    lora_data_free(ds); ds = NULL;
    /* forced format: every line must have its keys; extra keys are ignored */
    c.format = LORA_DATA_QA;
    CHECK_ERR(load_mem(two, &c, &ds), LORA_ERR_FORMAT);
    CHECK(ds == NULL && err_starts("mem.jsonl:1: ") && err_has("missing key \"question\" (format forced to question/answer)"));
    c.format = LORA_DATA_TEXT;
    CHECK_ERR(load_mem(two, &c, &ds), LORA_ERR_FORMAT);
    CHECK(err_starts("mem.jsonl:2: missing key \"text\" (format forced to text)"));
    CHECK_OK(load_mem("{\"text\": \"x\", \"prompt\": \"y\", \"completion\": \"z\"}", &c, &ds)); /* forced: no ambiguity */
    ex.n = 0; ex_piece("x", 0); ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n);
    lora_data_free(ds); ds = NULL;
    c.format = LORA_DATA_PROMPT_COMPLETION;
    CHECK_OK(load_mem("{\"text\": \"x\", \"prompt\": \"y\", \"completion\": \"z\"}", &c, &ds));
    ex.n = 0; ex_piece("y", 1); ex_piece("z", 0); ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n);
    lora_data_free(ds); ds = NULL;
    c.format = LORA_DATA_CHAT;
    CHECK_ERR(load_mem("{\"text\": \"x\"}", &c, &ds), LORA_ERR_FORMAT);
    CHECK(err_starts("mem.jsonl:1: missing key \"messages\" (format forced to chat)"));
    c.format = (lora_data_format)42;
    CHECK_ERR(load_mem("{\"text\": \"x\"}", &c, &ds), LORA_ERR_INVALID_ARG);
    c = lora_data_config_init();
    c.pack = 0; c.seq = 0;
    CHECK_ERR(load_mem("{\"text\": \"x\"}", &c, &ds), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_data_load_jsonl_memory("{\"text\": \"x\"}", 13, "m", NULL, NULL, &ds), LORA_ERR_INVALID_ARG);
}

static void test_pack_pad(void) {
    lora_data_config c = lora_data_config_init();
    lora_dataset *ds = NULL, *packed = NULL;
    const char *text = "{\"question\": \"Hi?\", \"answer\": \"Yo.\"}\n"
                       "{\"text\": \"one two three four five six seven eight nine ten eleven twelve\"}\n"
                       "{\"text\": \"short\"}\n";
    size_t i, k;
    CHECK_OK(load_mem(text, NULL, &packed));
    c.pack = 0; c.seq = 8;
    CHECK_OK(load_mem(text, &c, &ds));
    if (ds && packed) {
        CHECK(ds->n_samples == 3 && ds->n_tokens == 24);
        for (k = 0; k <= 3; k++) CHECK(ds->sample_start[k] == 8 * k);
        /* row 0: the QA sample (7 tokens + EOT = 8?) compared with the packed stream */
        for (k = 0; k < 3; k++) {
            size_t a = packed->sample_start[k], n = packed->sample_start[k + 1] - a, m = n < 8 ? n : 8;
            int ok = 1;
            for (i = 0; i < m; i++) ok &= ds->tokens[8 * k + i] == packed->tokens[a + i] && ds->labels[8 * k + i] == packed->labels[a + i];
            for (i = m; i < 8; i++) ok &= ds->tokens[8 * k + i] == GPT2_EOT && ds->labels[8 * k + i] == -100;
            CHECK_MSG(ok, "row %zu", k);
        }
        /* row 1 is truncated (long text, its EOT cut), row 2 is padded after its labelled EOT */
        CHECK(packed->sample_start[2] - packed->sample_start[1] > 8);
        CHECK(ds->tokens[15] != GPT2_EOT);
        ex.n = 0; ex_piece("short", 0); ex_eot();
        CHECK(ex_match(ds, 16) && ds->tokens[16 + ex.n] == GPT2_EOT && ds->labels[16 + ex.n] == -100 && ds->labels[23] == -100);
    }
    lora_data_free(ds); ds = NULL;
    /* pack = 0 without EOT: padding only */
    c.add_eot = 0;
    CHECK_OK(load_mem("{\"text\": \"short\"}", &c, &ds));
    ex.n = 0; ex_piece("short", 0);
    CHECK(ex_match(ds, 0) && ds->n_tokens == 8 && ds->tokens[ex.n] == GPT2_EOT && ds->labels[ex.n] == -100);
    lora_data_free(ds); ds = NULL;
    /* exact fit: seq == sample length, no padding */
    c.add_eot = 1; c.seq = (int)(packed ? packed->sample_start[1] : 1);
    CHECK_OK(load_mem(text, &c, &ds));
    if (ds && packed) CHECK(memcmp(ds->labels, packed->labels, (size_t)c.seq * sizeof(int32_t)) == 0 && ds->labels[c.seq - 1] == GPT2_EOT);
    lora_data_free(ds); ds = NULL;
    lora_data_free(packed);
}

typedef struct bad_case { const char *text; const char *prefix; const char *reason; } bad_case;
static const bad_case bad_cases[] = {
    { "not json", "mem.jsonl:1: ", "invalid JSON at column 1:" },
    { "{\"text\": \"abc", "mem.jsonl:1: ", "invalid JSON" },
    { "{\"text\": \"a\"} {\"text\": \"b\"}", "mem.jsonl:1: ", "invalid JSON at column 15" },
    { "{\"text\": \"a\",}", "mem.jsonl:1: ", "invalid JSON" },
    { "{\"text\": \"a\"}\n\n{\"text\": 1}", "mem.jsonl:3: ", "\"text\" must be a string, found a number" },
    { "[1, 2]", "mem.jsonl:1: ", "expected a JSON object, found an array" },
    { "null", "mem.jsonl:1: ", "expected a JSON object, found null" },
    { "\"text\"", "mem.jsonl:1: ", "expected a JSON object, found a string" },
    { "{}", "mem.jsonl:1: ", "unknown format: no \"text\"" },
    { "{\"foo\": \"bar\"}", "mem.jsonl:1: ", "unknown format" },
    { "{\"text\": \"\"}", "mem.jsonl:1: ", "\"text\" is an empty string" },
    { "{\"text\": null}", "mem.jsonl:1: ", "\"text\" must be a string, found null" },
    { "{\"prompt\": \"a\"}", "mem.jsonl:1: ", "missing key \"completion\"" },
    { "{\"completion\": \"a\"}", "mem.jsonl:1: ", "missing key \"prompt\"" },
    { "{\"prompt\": \"a\", \"completion\": \"\"}", "mem.jsonl:1: ", "\"completion\" is an empty string" },
    { "{\"prompt\": 3, \"completion\": \"b\"}", "mem.jsonl:1: ", "\"prompt\" must be a string, found a number" },
    { "{\"question\": \"q\", \"answer\": 5}", "mem.jsonl:1: ", "\"answer\" must be a string, found a number" },
    { "{\"question\": \"\", \"answer\": \"a\"}", "mem.jsonl:1: ", "\"question\" is an empty string" },
    { "{\"answer\": \"a\"}", "mem.jsonl:1: ", "missing key \"question\"" },
    { "{\"question\": [\"q\"], \"answer\": \"a\"}", "mem.jsonl:1: ", "\"question\" must be a string, found an array" },
    { "{\"text\": \"a\", \"prompt\": \"b\", \"completion\": \"c\"}", "mem.jsonl:1: ", "ambiguous format: the line has both \"text\" and \"prompt\"/\"completion\" keys" },
    { "{\"question\": \"a\", \"answer\": \"b\", \"messages\": []}", "mem.jsonl:1: ", "ambiguous format" },
    { "{\"messages\": []}", "mem.jsonl:1: ", "\"messages\" is an empty array" },
    { "{\"messages\": {}}", "mem.jsonl:1: ", "\"messages\" must be an array, found an object" },
    { "{\"messages\": [1]}", "mem.jsonl:1: ", "messages[0] must be an object, found a number" },
    { "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"bot\", \"content\": \"x\"}]}", "mem.jsonl:1: ", "messages[1].role is \"bot\", expected \"system\", \"user\" or \"assistant\"" },
    { "{\"messages\": [{\"role\": \"User\", \"content\": \"a\"}]}", "mem.jsonl:1: ", "messages[0].role is \"User\"" },
    { "{\"messages\": [{\"content\": \"a\"}]}", "mem.jsonl:1: ", "messages[0]: missing key \"role\"" },
    { "{\"messages\": [{\"role\": \"user\"}]}", "mem.jsonl:1: ", "messages[0]: missing key \"content\"" },
    { "{\"messages\": [{\"role\": 1, \"content\": \"a\"}]}", "mem.jsonl:1: ", "messages[0].role must be a string, found a number" },
    { "{\"messages\": [{\"role\": \"user\", \"content\": false}]}", "mem.jsonl:1: ", "messages[0].content must be a string, found a boolean" },
    { "{\"text\": \"a\"}\r\n{\"text\": \"b\"}\r\n{oops}\r\n", "mem.jsonl:3: ", "invalid JSON" },
    { "{\"text\": \"a\"}\n\xef\xbb\xbf{\"text\": \"b\"}\n", "mem.jsonl:2: ", "invalid JSON" }, /* BOM only at the start */
    { "{\"text\": \"a\"}\n{\"text\": \"b\xff\"}\n", "mem.jsonl:2: ", "invalid JSON" }, /* invalid UTF-8 */
    { "{\"text\": \"a\nb\"}", "mem.jsonl:1: ", "invalid JSON" }, /* raw newline inside a string */
    { "", "mem.jsonl: ", "no samples (empty data)" },
    { "\xef\xbb\xbf", "mem.jsonl: ", "no samples" },
    { "\n \r\n\t\n", "mem.jsonl: ", "no samples (only blank lines)" },
};

static void test_malformed(void) {
    size_t i;
    lora_dataset *ds = NULL;
    for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        lora_status s;
        ds = NULL;
        s = load_mem(bad_cases[i].text, NULL, &ds);
        CHECK_MSG(s == LORA_ERR_FORMAT && ds == NULL, "case %zu: %s", i, lora_status_name(s));
        CHECK_MSG(strncmp(lora_last_error(), bad_cases[i].prefix, strlen(bad_cases[i].prefix)) == 0 &&
                  strstr(lora_last_error(), bad_cases[i].reason) != NULL,
                  "case %zu: message \"%s\", expected prefix \"%s\" and \"%s\"", i, lora_last_error(),
                  bad_cases[i].prefix, bad_cases[i].reason);
        lora_data_free(ds);
    }
    /* from a file: the path and the line */
    CHECK_ERR(lora_data_load_jsonl("tests/fixtures/data/bad_line.jsonl", tok, NULL, &ds), LORA_ERR_FORMAT);
    CHECK(err_starts("tests/fixtures/data/bad_line.jsonl:5: \"answer\" must be a string, found a number"));
    CHECK_ERR(lora_data_load_jsonl("tests/fixtures/data/missing.jsonl", tok, NULL, &ds), LORA_ERR_IO);
    CHECK(err_has("tests/fixtures/data/missing.jsonl"));
    /* the source name defaults to "<memory>" */
    CHECK_ERR(lora_data_load_jsonl_memory("[]", 2, NULL, tok, NULL, &ds), LORA_ERR_FORMAT);
    CHECK(err_starts("<memory>:1: "));
    /* len is honoured: a line cut by len */
    CHECK_ERR(lora_data_load_jsonl_memory("{\"text\": \"abc\"}", 10, "cut", tok, NULL, &ds), LORA_ERR_FORMAT);
    CHECK(err_starts("cut:1: invalid JSON"));
}

static void test_bom_crlf_blank(void) {
    lora_dataset *ds = NULL, *plain = NULL;
    CHECK_OK(load_mem("\xef\xbb\xbf{\"text\": \"a\"}\r\n\r\n  \t \n{\"text\": \"b\"}", NULL, &ds));
    ex.n = 0; ex_piece("a", 0); ex_eot(); ex_piece("b", 0); ex_eot();
    CHECK(ex_match(ds, 0) && ds->n_tokens == ex.n && ds->n_samples == 2);
    lora_data_free(ds); ds = NULL;
    /* the fixture: BOM, CRLF, blank lines, all four kinds, extra keys */
    CHECK_OK(lora_data_load_jsonl("tests/fixtures/data/mixed.jsonl", tok, NULL, &ds));
    CHECK_OK(load_mem("{\"text\": \"Hello world.\"}\n"
                      "{\"prompt\": \"Translate to French: cat\\n\", \"completion\": \"chat\"}\n"
                      "{\"question\": \"What is 2 plus 3?\", \"answer\": \"5.\"}\n"
                      "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}, "
                      "{\"role\": \"assistant\", \"content\": \"Hello!\"}]}\n", NULL, &plain));
    if (ds && plain) {
        CHECK(ds->n_samples == 4 && ds->n_tokens == plain->n_tokens);
        CHECK(memcmp(ds->tokens, plain->tokens, ds->n_tokens * sizeof(int32_t)) == 0);
        CHECK(memcmp(ds->labels, plain->labels, ds->n_tokens * sizeof(int32_t)) == 0);
        CHECK(memcmp(ds->sample_start, plain->sample_start, 5 * sizeof(size_t)) == 0);
    }
    lora_data_free(ds); ds = NULL;
    CHECK_OK(lora_data_load("tests/fixtures/data/mixed.jsonl", tok, NULL, &ds)); /* by name */
    if (ds && plain) CHECK(ds->n_tokens == plain->n_tokens);
    lora_data_free(ds);
    lora_data_free(plain);
    /* no trailing newline, lone CR lines */
    CHECK_OK(load_mem("{\"text\": \"a\"}\r\n\r", NULL, &ds));
    CHECK(ds && ds->n_samples == 1);
    lora_data_free(ds);
}

static size_t count_lines(const char *path) {
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    int ch;
    if (!f) return 0;
    while ((ch = fgetc(f)) != EOF) n += ch == '\n';
    fclose(f);
    return n;
}

static void test_qa_dataset(void) {
    lora_dataset *ds = NULL, *tr = NULL, *va = NULL;
    size_t lines = count_lines("data/qa_train.jsonl"), k, i;
    int ok = 1;
    CHECK(lines >= 800 && lines <= 1000);
    CHECK_OK(lora_data_load_jsonl("data/qa_train.jsonl", tok, NULL, &ds));
    if (!ds) return;
    CHECK(ds->n_samples == lines);
    for (k = 0; k < ds->n_samples; k++) {
        size_t a = ds->sample_start[k], e = ds->sample_start[k + 1], labelled = 0;
        ok &= e > a + 8 && e - a < 64;
        ok &= ds->tokens[a] == 24361 && ds->labels[a] == -100; /* "Question" */
        ok &= ds->tokens[e - 1] == GPT2_EOT && ds->labels[e - 1] == GPT2_EOT;
        for (i = a; i < e; i++) labelled += ds->labels[i] != -100;
        ok &= labelled >= 2 && labelled <= 12;
        /* the labels are a contiguous suffix: prompt masked, answer + EOT labelled */
        for (i = a + 1; i < e; i++) ok &= !(ds->labels[i - 1] != -100 && ds->labels[i] == -100);
    }
    CHECK(ok);
    {
        char *txt = NULL; size_t len = 0;
        size_t e = ds->sample_start[1];
        CHECK_OK(lora_decode(tok, ds->tokens, e, &txt, &len));
        CHECK(txt && strncmp(txt, "Question: ", 10) == 0 && strstr(txt, "?\nAnswer: ") && strstr(txt, ".<|endoftext|>"));
        lora_free(txt);
    }
    CHECK(ds->n_tokens > 10000 && ds->n_tokens < 30000);
    CHECK(lora_data_batches_per_epoch(ds, 4, 64) == ds->n_tokens / 256);
    CHECK_OK(lora_data_split(ds, 0.1, 1234, &tr, &va));
    if (tr && va) CHECK(va->n_samples == (lines + 5) / 10 && tr->n_samples + va->n_samples == lines &&
                        tr->n_tokens + va->n_tokens == ds->n_tokens);
    lora_data_free(tr); lora_data_free(va);
    lora_data_free(ds); ds = NULL;
    CHECK_OK(lora_data_load("data/qa_val.jsonl", tok, NULL, &ds));
    if (ds) CHECK(ds->n_samples == count_lines("data/qa_val.jsonl") && ds->n_samples >= 50);
    lora_data_free(ds);
}

/* lora_batcher: file order equals lora_data_batch's stream; shuffled epochs differ, are
   reproducible from the seed, visit every sample once; seeking resumes exactly. */
static void test_batcher(void) {
    enum { NS = 37, B = 2, T = 5 };
    int32_t ids[NS * 4], in[B * T], lab[B * T], in2[B * T], lab2[B * T];
    int32_t seqs[3][NS * 4];
    lora_dataset *ds = NULL;
    lora_batcher *b = NULL, *c = NULL;
    size_t n = 0, pos = 0;
    int i, k, e, len, differ = 0;
    uint64_t ep, p;
    /* samples of 1..4 tokens, each ending with the eos id 99; ids encode (sample, index) */
    for (i = 0; i < NS; i++) {
        len = 1 + i % 4;
        for (k = 0; k < len - 1; k++) ids[n++] = 1000 + i * 10 + k;
        ids[n++] = 99;
    }
    CHECK_OK(lora_data_from_tokens(ids, NULL, n, 99, &ds));
    CHECK(ds->n_samples == NS);
    /* no shuffle: the same batches as lora_data_batch, epoch after epoch */
    CHECK_OK(lora_batcher_create(ds, B, T, 0, 5, &b));
    for (k = 0; k < 40; k++) {
        CHECK_OK(lora_batcher_next(b, in, lab, NULL));
        CHECK_OK(lora_data_batch(ds, &pos, B, T, in2, lab2));
        CHECK(memcmp(in, in2, sizeof in) == 0 && memcmp(lab, lab2, sizeof lab) == 0);
        lora_batcher_position(b, NULL, &p);
        CHECK(p == pos);
    }
    lora_batcher_free(b);
    /* shuffle: three epochs; every epoch a permutation of the samples (the stream holds each
       sample's tokens whole and in order), different orders, the same for the same seed */
    CHECK_OK(lora_batcher_create(ds, 1, 1, 1, 5, &b));
    for (e = 0; e < 3; e++) {
        int count[NS];
        memset(count, 0, sizeof count);
        for (k = 0; k < (int)n; k++) {
            CHECK_OK(lora_batcher_next(b, in, lab, NULL));
            seqs[e][k] = in[0];
            if (in[0] >= 1000) count[(in[0] - 1000) / 10]++;
        }
        lora_batcher_position(b, &ep, &p);
        CHECK(ep == (uint64_t)e + 1 && p == 0);
        for (i = 0; i < NS; i++) CHECK(count[i] == i % 4);
        for (k = 1; k < (int)n; k++)   /* within a sample, tokens stay in order */
            if (seqs[e][k] >= 1000 && seqs[e][k - 1] >= 1000 && (seqs[e][k] - 1000) / 10 == (seqs[e][k - 1] - 1000) / 10)
                CHECK(seqs[e][k] == seqs[e][k - 1] + 1);
    }
    differ = memcmp(seqs[0], seqs[1], n * sizeof(int32_t)) != 0 && memcmp(seqs[1], seqs[2], n * sizeof(int32_t)) != 0;
    CHECK(differ);
    lora_batcher_free(b);
    CHECK_OK(lora_batcher_create(ds, 1, 1, 1, 5, &b));
    CHECK_OK(lora_batcher_create(ds, 1, 1, 1, 6, &c));
    differ = 0;
    for (k = 0; k < (int)n; k++) {
        CHECK_OK(lora_batcher_next(b, in, lab, NULL));
        CHECK(in[0] == seqs[0][k]);
        CHECK_OK(lora_batcher_next(c, in2, lab2, NULL));
        differ |= in2[0] != in[0];
    }
    CHECK(differ);   /* another seed, another order */
    lora_batcher_free(b); lora_batcher_free(c);
    /* seek: from any batch boundary (also mid-epoch, across epoch ends) the stream continues as
       an uninterrupted run */
    for (i = 0; i < 30; i += 7) {
        int32_t ref[20][B * T];
        CHECK_OK(lora_batcher_create(ds, B, T, 1, 11, &b));
        for (k = 0; k < i; k++) CHECK_OK(lora_batcher_next(b, in, lab, NULL));
        lora_batcher_position(b, &ep, &p);
        for (k = 0; k < 20; k++) CHECK_OK(lora_batcher_next(b, ref[k], lab, NULL));
        CHECK_OK(lora_batcher_create(ds, B, T, 1, 11, &c));
        CHECK_OK(lora_batcher_seek(c, ep, p));
        for (k = 0; k < 20; k++) { CHECK_OK(lora_batcher_next(c, in, lab, NULL)); CHECK(memcmp(in, ref[k], sizeof in) == 0); }
        lora_batcher_free(b); lora_batcher_free(c);
    }
    CHECK_OK(lora_batcher_create(ds, B, T, 1, 11, &b));
    CHECK_ERR(lora_batcher_seek(b, 0, 3), LORA_ERR_RANGE);           /* not a batch boundary */
    CHECK_ERR(lora_batcher_seek(b, 0, n), LORA_ERR_RANGE);           /* past the last batch */
    CHECK_ERR(lora_batcher_next(b, NULL, lab, NULL), LORA_ERR_INVALID_ARG);
    lora_batcher_free(b);
    CHECK_ERR(lora_batcher_create(ds, 0, T, 1, 1, &b), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_batcher_create(ds, 100, 100, 1, 1, &b), LORA_ERR_RANGE);
    lora_data_free(ds);
}

/* ---- chat templates of Hugging Face tokenizers (tests/fixtures/tokenizer/hf) ----
   chat.jsonl through lora_data_load_jsonl must give the ids of transformers' apply_chat_template
   + tokenization (expected_chat_V.txt, made by make_hf_reference.js), and only the assistant
   contents and their end-of-turn tokens carry labels. */
#define HF "tests/fixtures/tokenizer/hf/"

static int32_t *read_ids_line(const char **p, size_t *n) {
    size_t cap = 256;
    int32_t *v = (int32_t *)malloc(cap * sizeof *v);
    const char *q = *p;
    *n = 0;
    while (v && *q && *q != '\n') {
        char *e;
        long x;
        if (*q == ' ') { q++; continue; }
        x = strtol(q, &e, 10);
        if (e == q) break;
        if (*n == cap) { int32_t *w = (int32_t *)realloc(v, 2 * cap * sizeof *v); if (!w) { free(v); return NULL; } v = w; cap *= 2; }
        v[(*n)++] = (int32_t)x;
        q = e;
    }
    *p = *q == '\n' ? q + 1 : q;
    return v;
}

static int copy_file(const char *from, const char *to) {
    size_t n = 0;
    char *b = test_slurp(from, &n);
    FILE *f;
    int ok;
    if (!b) return 0;
    f = fopen(to, "wb");
    ok = f && fwrite(b, 1, n, f) == n;
    if (f) fclose(f);
    free(b);
    return ok;
}

/* The text the labelled tokens of one chat.jsonl line must decode to: every assistant content
   (Llama 3: trimmed; Qwen3's last answer: without leading newlines) + the end-of-turn token. */
static void assistant_text(const char *line, int llama, int think, char *out, size_t cap) {
    lora_json *v = NULL;
    const lora_json *msgs, *q;
    size_t i, o = 0, n, last_user = (size_t)-1;
    out[0] = 0;
    if (lora_json_parse(line, strlen(line), "chat.jsonl", &v) != LORA_OK) return;
    msgs = lora_json_get(v, "messages");
    q = lora_json_get(v, "answer");
    n = msgs ? msgs->n : 1;
    for (i = 0; msgs && i < n; i++)
        if (strcmp(lora_json_get_string(&msgs->items[i], "role"), "user") == 0) last_user = i;
    if (!msgs) last_user = 0;
    for (i = 0; i < n; i++) {
        const char *c = msgs ? lora_json_get_string(&msgs->items[i], "content") : q->str;
        size_t cl;
        if (msgs && strcmp(lora_json_get_string(&msgs->items[i], "role"), "assistant") != 0) continue;
        if (!msgs) i = 1;
        cl = strlen(c);
        if (llama) {
            while (cl && (*c == ' ' || *c == '\n' || *c == '\t')) { c++; cl--; }
            while (cl && (c[cl - 1] == ' ' || c[cl - 1] == '\n' || c[cl - 1] == '\t')) cl--;
        } else if (think && i + 1 == n && i > last_user) {
            while (cl && *c == '\n') { c++; cl--; }
        }
        if (o + cl + 16 < cap) { memcpy(out + o, c, cl); o += cl; }
        o += (size_t)snprintf(out + o, cap - o, "%s", llama ? "<|eot_id|>" : "<|im_end|>");
        if (!msgs) break;
    }
    lora_json_free(v);
}

static void test_chat_templates(void) {
    static const struct { const char *name, *dir, *config; lora_chat_template t; int think, llama; const char *system; } v[] = {
        { "qwen3", HF "qwen3", NULL, LORA_CHAT_CHATML, 1, 0, NULL },
        { "qwen25", NULL, HF "qwen25_tokenizer_config.json", LORA_CHAT_CHATML, 0, 0,
          "You are Qwen, created by Alibaba Cloud. You are a helpful assistant." },
        { "smollm2", NULL, HF "smollm2_tokenizer_config.json", LORA_CHAT_CHATML, 0, 0,
          "You are a helpful AI assistant named SmolLM, trained by Hugging Face" },
        { "llama3", HF "llama3", NULL, LORA_CHAT_LLAMA3, 0, 1, NULL },
    };
    size_t k, jl = 0;
    char *jsonl = test_slurp(HF "chat.jsonl", &jl);
    CHECK(jsonl != NULL);
    if (!jsonl) return;
    for (k = 0; k < sizeof v / sizeof v[0]; k++) {
        char dir[512], path[600], *exp;
        const char *e, *line, *sys = NULL;
        lora_tokenizer *t = NULL;
        lora_dataset *ds = NULL;
        lora_data_config cfg = lora_data_config_init();
        size_t i, same = 0, labels_ok = 0;
        int think = -1;
        if (v[k].dir) snprintf(dir, sizeof dir, "%s", v[k].dir);
        else { /* Qwen3's tokenizer with another model's chat template */
            snprintf(dir, sizeof dir, "%s", tmp_path(v[k].name));
            snprintf(path, sizeof path, "mkdir -p %s", dir);
            CHECK(system(path) == 0);
            snprintf(path, sizeof path, "%s/tokenizer.json", dir);
            CHECK(copy_file(HF "qwen3/tokenizer.json", path));
            snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
            CHECK(copy_file(v[k].config, path));
        }
        CHECK_OK(lora_tokenizer_load(dir, &t));
        if (!t) continue;
        CHECK(lora_tokenizer_chat(t, &sys, &think) == v[k].t && think == v[k].think);
        CHECK_MSG((sys == NULL && v[k].system == NULL) || (sys && v[k].system && strcmp(sys, v[k].system) == 0),
                  "%s: default system prompt \"%s\"", v[k].name, sys ? sys : "(none)");
        CHECK_OK(lora_data_load_jsonl(HF "chat.jsonl", t, &cfg, &ds));
        snprintf(path, sizeof path, HF "expected_chat_%s.txt", v[k].name);
        exp = test_slurp(path, NULL);
        CHECK(exp != NULL);
        if (!ds || !exp) { lora_data_free(ds); lora_tokenizer_free(t); free(exp); continue; }
        for (i = 0, e = exp, line = jsonl; i < ds->n_samples; i++) {
            size_t n = 0, a = ds->sample_start[i], b = ds->sample_start[i + 1], j, m = 0, tl = 0;
            int32_t *ref = read_ids_line(&e, &n), *lab = (int32_t *)malloc((b - a + 1) * sizeof *lab);
            char want[2048], *got = NULL, linebuf[4096];
            const char *nl = strchr(line, '\n');
            size_t ll = nl ? (size_t)(nl - line) : strlen(line);
            int ok_labels = 1;
            snprintf(linebuf, sizeof linebuf, "%.*s", (int)ll, line);
            line = nl ? nl + 1 : line + ll;
            if (ref && n == b - a && memcmp(ref, ds->tokens + a, n * sizeof *ref) == 0) same++;
            else fprintf(stderr, "%s: chat line %zu: %zu tokens, expected %zu\n", v[k].name, i + 1, b - a, n);
            for (j = a; j < b && lab; j++) {
                if (ds->labels[j] != LORA_IGNORE_LABEL) {
                    if (ds->labels[j] != ds->tokens[j]) ok_labels = 0;
                    lab[m++] = ds->labels[j];
                }
            }
            assistant_text(linebuf, v[k].llama, v[k].think, want, sizeof want);
            /* a token holding the header's "\n" and the content's leading newlines is labelled (as HF's
               assistant mask marks every token with a character of the answer): one "\n" more */
            if (lab && lora_decode(t, lab, m, &got, &tl) == LORA_OK && ok_labels &&
                (strcmp(got, want) == 0 || (want[0] == '\n' && got[0] == '\n' && strcmp(got + 1, want) == 0))) labels_ok++;
            else fprintf(stderr, "%s: chat line %zu: labelled text \"%s\", expected \"%s\"\n", v[k].name, i + 1, got ? got : "?", want);
            lora_free(got);
            free(ref);
            free(lab);
        }
        CHECK_MSG(ds->n_samples == 12 && same == ds->n_samples, "%s: %zu of %zu samples equal apply_chat_template's ids",
                  v[k].name, same, ds->n_samples);
        CHECK_MSG(labels_ok == ds->n_samples, "%s: labels right on %zu of %zu samples", v[k].name, labels_ok, ds->n_samples);
        printf("chat template %s: %zu/%zu samples identical to apply_chat_template, labels on assistant turns %zu/%zu\n",
               v[k].name, same, ds->n_samples, labels_ok, ds->n_samples);
        lora_data_free(ds);
        /* mask_prompt = 0: every token labelled; system_prompt overrides; forced PLAIN gives GPT-2's format */
        cfg.mask_prompt = 0;
        CHECK_OK(lora_data_load_jsonl_memory("{\"question\": \"q\", \"answer\": \"a\"}\n", 33, "qa", t, &cfg, &ds));
        if (ds) {
            for (i = 0; i < ds->n_tokens; i++) if (ds->labels[i] != ds->tokens[i]) break;
            CHECK(i == ds->n_tokens);
            lora_data_free(ds);
        }
        cfg = lora_data_config_init();
        cfg.system_prompt = "Be brief.";
        CHECK_OK(lora_data_load_jsonl_memory("{\"question\": \"q\", \"answer\": \"a\"}\n", 33, "qa", t, &cfg, &ds));
        if (ds) {
            char *txt = NULL;
            size_t tl = 0;
            CHECK_OK(lora_decode(t, ds->tokens, ds->n_tokens, &txt, &tl));
            CHECK_MSG(txt && strstr(txt, v[k].llama ? "system<|end_header_id|>\n\nBe brief.<|eot_id|>" : "<|im_start|>system\nBe brief.<|im_end|>\n"),
                      "%s: \"%s\"", v[k].name, txt ? txt : "?");
            lora_free(txt);
            lora_data_free(ds);
        }
        cfg = lora_data_config_init();
        cfg.chat = LORA_CHAT_PLAIN;
        CHECK_OK(lora_data_load_jsonl_memory("{\"question\": \"q\", \"answer\": \"a\"}\n", 33, "qa", t, &cfg, &ds));
        if (ds) {
            char *txt = NULL;
            size_t tl = 0;
            CHECK_OK(lora_decode(t, ds->tokens, ds->n_tokens, &txt, &tl));
            CHECK_MSG(txt && strncmp(txt, "Question: q\nAnswer: a", 21) == 0 && ds->tokens[ds->n_tokens - 1] == lora_tokenizer_eos(t),
                      "%s: \"%s\"", v[k].name, txt ? txt : "?");
            lora_free(txt);
            lora_data_free(ds);
        }
        cfg = lora_data_config_init();
        cfg.chat = v[k].llama ? LORA_CHAT_CHATML : LORA_CHAT_LLAMA3;   /* the other family's tokens are missing */
        CHECK_ERR(lora_data_load_jsonl_memory("{\"question\": \"q\", \"answer\": \"a\"}\n", 33, "qa", t, &cfg, &ds),
                  LORA_ERR_INVALID_ARG);
        CHECK(err_has("which the tokenizer lacks"));
        free(exp);
        lora_tokenizer_free(t);
    }
    {   /* GPT-2 keeps its plain format even when asked for the tokenizer's template */
        lora_data_config cfg = lora_data_config_init();
        lora_dataset *ds = NULL;
        CHECK(lora_tokenizer_chat(tok, NULL, NULL) == LORA_CHAT_PLAIN);
        cfg.chat = LORA_CHAT_CHATML;
        CHECK_ERR(lora_data_load_jsonl_memory("{\"question\": \"q\", \"answer\": \"a\"}\n", 33, "qa", tok, &cfg, &ds),
                  LORA_ERR_INVALID_ARG);
    }
    free(jsonl);
}

int main(void) {
    snprintf(tmp_dir_buf, sizeof tmp_dir_buf, "/tmp");
    {
        const char *t = getenv("TMPDIR");
        if (t && *t) snprintf(tmp_dir_buf, sizeof tmp_dir_buf, "%s", t);
    }
    {
        char sub[64];
        snprintf(sub, sizeof sub, "/test_data_%ld", (long)getpid());
        strncat(tmp_dir_buf, sub, sizeof tmp_dir_buf - strlen(tmp_dir_buf) - 1);
    }
    (void)test_rel_l2; (void)test_max_abs_diff;
    test_config();
    test_batcher();
    test_from_tokens();
    test_token_files();
    test_batch();
    test_split();
    {
        const char *dir = getenv("GPT2_TOKENIZER_DIR");
        lora_status st = lora_tokenizer_load(dir && *dir ? dir : "data/gpt2-tokenizer", &tok);
        CHECK_OK(st);
        if (st != LORA_OK) return TEST_END();
    }
    test_formats();
    test_auto_and_forced();
    test_pack_pad();
    test_malformed();
    test_bom_crlf_blank();
    test_qa_dataset();
    test_chat_templates();
    lora_tokenizer_free(tok);
    return TEST_END();
}
