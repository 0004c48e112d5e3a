/* safetensors: reading the PyTorch oracle's files, byte-identical writing, round trips of
   every dtype, torch-exact F16/BF16 conversion, and a table of malformed files.
   Fixtures: tests/fixtures/safetensors/ (make_fixtures.py there regenerates them).
   This file compiles its own static copy of lora.h to reach internal helpers. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <stdlib.h>
/* allocation hooks that can fail on demand, to test every out-of-memory path */
static long fail_after = -1;   /* -1: never fail; n: the n+1-th allocation from now fails */
static void *t_malloc(size_t n) { if (fail_after == 0) return NULL; if (fail_after > 0) fail_after--; return malloc(n); }
static void *t_realloc(void *p, size_t n) { if (fail_after == 0) return NULL; if (fail_after > 0) fail_after--; return realloc(p, n); }
#define LORA_MALLOC(n) t_malloc(n)
#define LORA_REALLOC(p, n) t_realloc(p, n)
#define LORA_FREE(p) free(p)
#define LORA_STATIC
#define LORA_IMPLEMENTATION
#include "lora.h"
#include "test.h"
#include <stdlib.h>

#define FIX "tests/fixtures/safetensors/"

static char tmp_dir[256];
static const char *tmp_path(const char *name) {   /* rotating buffers: a few may be alive at once */
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp_dir, name);
    return buf[k];
}
static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}
static int files_equal(const char *a, const char *b) {
    char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    int eq;
    if (lora__read_file(a, &x, &nx) != LORA_OK || lora__read_file(b, &y, &ny) != LORA_OK) { free(x); free(y); return 0; }
    eq = nx == ny && !memcmp(x, y, nx);
    if (!eq) {
        size_t i = 0;
        while (i < nx && i < ny && x[i] == y[i]) i++;
        fprintf(stderr, "%s (%zu bytes) and %s (%zu bytes) differ at byte %zu\n", a, nx, b, ny, i);
    }
    LORA_FREE(x); LORA_FREE(y);
    return eq;
}

/* Re-writes every tensor and metadata entry of st (in `order`: 0 header order, 1 reversed)
   with lora_st_write. */
static lora_status rewrite(const lora_safetensors *st, const char *path, int reversed) {
    lora_st_entry *e = (lora_st_entry *)calloc(st->n_tensors + 1, sizeof *e);
    const char **mk = (const char **)calloc(st->n_meta + 1, sizeof(char *));
    const char **mv = (const char **)calloc(st->n_meta + 1, sizeof(char *));
    size_t i;
    lora_status s;
    for (i = 0; i < st->n_tensors; i++) {
        const lora_st_tensor *t = &st->tensors[reversed ? st->n_tensors - 1 - i : i];
        e[i].name = t->name; e[i].dtype = t->dtype; e[i].ndim = t->ndim;
        memcpy(e[i].shape, t->shape, sizeof t->shape);
        e[i].data = t->data;
        e[i].little_endian = 1;   /* the file's bytes, written back as they are on any host */
    }
    for (i = 0; i < st->n_meta; i++) {
        size_t k = reversed ? st->n_meta - 1 - i : i;
        mk[i] = st->meta_keys[k]; mv[i] = st->meta_values[k];
    }
    s = lora_st_write(path, e, st->n_tensors, mk, mv, st->n_meta);
    free(e); free(mk); free(mv);
    return s;
}

/* are the file bytes `le` the little-endian form of the host-order elements `host`? */
static int same_as_le(const void *le, const void *host, size_t nbytes, size_t es) {
    const unsigned char *a = (const unsigned char *)le, *b = (const unsigned char *)host;
    const uint16_t one = 1;
    size_t i, k;
    if (*(const unsigned char *)&one == 1 || es == 1) return memcmp(a, b, nbytes) == 0;
    for (i = 0; i < nbytes; i += es)
        for (k = 0; k < es; k++)
            if (a[i + k] != b[i + es - 1 - k]) return 0;
    return 1;
}

static int64_t rd_int(const lora_st_tensor *t, int64_t i) {
    const unsigned char *p = (const unsigned char *)t->data + (size_t)i * lora_dtype_size(t->dtype);
    uint64_t u = 0;
    size_t k, n = lora_dtype_size(t->dtype);
    for (k = n; k-- > 0;) u = u << 8 | p[k];
    switch (t->dtype) {
    case LORA_DT_I8: return (int8_t)u;
    case LORA_DT_I16: return (int16_t)u;
    case LORA_DT_I32: return (int32_t)u;
    case LORA_DT_I64: return (int64_t)u;
    default: return (int64_t)u;
    }
}

static void test_oracle_file(void) {
    lora_safetensors *st = NULL;
    const lora_st_tensor *t;
    float buf[64];
    int64_t i;
    static const struct { const char *name; lora_dtype dt; int ndim; int64_t shape[4]; } want[] = {
        {"f64", LORA_DT_F64, 2, {2, 3}}, {"f32", LORA_DT_F32, 2, {3, 4}}, {"f16", LORA_DT_F16, 1, {5}},
        {"bf16", LORA_DT_BF16, 1, {4}}, {"i64", LORA_DT_I64, 1, {3}}, {"i32", LORA_DT_I32, 1, {4}},
        {"i16", LORA_DT_I16, 1, {3}}, {"i8", LORA_DT_I8, 1, {5}}, {"u8", LORA_DT_U8, 1, {7}},
        {"bool", LORA_DT_BOOL, 1, {3}}, {"u64", LORA_DT_U64, 1, {2}}, {"u32", LORA_DT_U32, 1, {3}},
        {"u16", LORA_DT_U16, 1, {4}}, {"scalar", LORA_DT_F32, 0, {0}}, {"empty", LORA_DT_F32, 2, {0, 3}},
        {"empty_bf16", LORA_DT_BF16, 2, {2, 0}}, {"a.0.weight", LORA_DT_F32, 4, {2, 1, 2, 1}},
    };
    size_t k;
    CHECK_OK(lora_st_open(FIX "all_dtypes.safetensors", &st));
    if (!st) return;
    CHECK(st->n_tensors == 17);
    CHECK(st->n_meta == 3);
    CHECK(lora_st_meta(st, "format") && !strcmp(lora_st_meta(st, "format"), "pt"));
    CHECK(lora_st_meta(st, "empty") && !strcmp(lora_st_meta(st, "empty"), ""));
    CHECK(lora_st_meta(st, "note") && !strcmp(lora_st_meta(st, "note"), "h\xc3\xa9llo \"q\"\n\t\\ \x01 \xf0\x9f\x98\x80"));
    CHECK(lora_st_meta(st, "missing") == NULL);
    /* header order is the writer's: widest dtype rank first, then name */
    CHECK(!strcmp(st->tensors[0].name, "u64") && !strcmp(st->tensors[16].name, "bool"));
    for (k = 0; k < sizeof want / sizeof want[0]; k++) {
        int d, same;
        int64_t numel = 1;
        t = lora_st_find(st, want[k].name);
        CHECK_MSG(t != NULL, "tensor %s", want[k].name);
        if (!t) continue;
        same = t->dtype == want[k].dt && t->ndim == want[k].ndim;
        for (d = 0; d < want[k].ndim; d++) { same = same && t->shape[d] == want[k].shape[d]; numel *= want[k].shape[d]; }
        CHECK_MSG(same && t->numel == numel && t->nbytes == (uint64_t)numel * lora_dtype_size(t->dtype), "tensor %s dtype/shape", want[k].name);
    }
    CHECK(lora_st_find(st, "nope") == NULL && lora_st_find(st, "") == NULL);
    /* values (the formulas of make_fixtures.py) */
    CHECK_OK(lora_st_load_f32(st, "f64", 2, want[0].shape, buf));
    for (i = 0; i < 6; i++) CHECK(buf[i] == (float)(i * 0.5 - 1.25));
    CHECK_OK(lora_st_load_f32(st, "f32", 2, want[1].shape, buf));
    for (i = 0; i < 12; i++) CHECK(buf[i] == (float)(i * 0.25 - 1.0));
    CHECK_OK(lora_st_load_f32(st, "f16", 1, want[2].shape, buf));
    for (i = 0; i < 5; i++) CHECK(buf[i] == (float)(i * 0.5 - 1.0));
    CHECK_OK(lora_st_load_f32(st, "bf16", 1, want[3].shape, buf));
    for (i = 0; i < 4; i++) CHECK(buf[i] == (float)(i * 0.5 + 0.5));
    CHECK_OK(lora_st_load_f32(st, "scalar", 0, NULL, buf));
    CHECK(buf[0] == 3.5f);
    CHECK_OK(lora_st_load_f32(st, "empty", 2, want[14].shape, buf));
    CHECK_OK(lora_st_load_f32(st, "empty_bf16", 2, want[15].shape, buf));
    CHECK_OK(lora_st_load_f32(st, "a.0.weight", 4, want[16].shape, buf));
    CHECK(buf[0] == 1 && buf[3] == 4);
    t = lora_st_find(st, "i64");
    for (i = 0; t && i < 3; i++) CHECK(rd_int(t, i) == i * -3000000000LL);
    t = lora_st_find(st, "i32");
    for (i = 0; t && i < 4; i++) CHECK(rd_int(t, i) == i * -100000);
    t = lora_st_find(st, "i16");
    for (i = 0; t && i < 3; i++) CHECK(rd_int(t, i) == i * -1000);
    t = lora_st_find(st, "i8");
    for (i = 0; t && i < 5; i++) CHECK(rd_int(t, i) == i * -20);
    t = lora_st_find(st, "u8");
    for (i = 0; t && i < 7; i++) CHECK(rd_int(t, i) == i * 30);
    t = lora_st_find(st, "bool");
    for (i = 0; t && i < 3; i++) CHECK(rd_int(t, i) == (i % 2));
    t = lora_st_find(st, "u64");
    for (i = 0; t && i < 2; i++) CHECK(rd_int(t, i) == i * 5000000000LL);
    t = lora_st_find(st, "u32");
    for (i = 0; t && i < 3; i++) CHECK(rd_int(t, i) == i * 3000000000LL / 2);
    t = lora_st_find(st, "u16");
    for (i = 0; t && i < 4; i++) CHECK(rd_int(t, i) == i * 20000);
    /* errors of the readers */
    {
        int64_t sh[2] = {4, 3};
        CHECK_ERR(lora_st_load_f32(st, "f32", 2, sh, buf), LORA_ERR_SHAPE);
        CHECK(strstr(lora_last_error(), "all_dtypes.safetensors: tensor 'f32': expected shape (4, 3), found (3, 4)") != NULL);
        CHECK_ERR(lora_st_load_f32(st, "f32", 1, sh, buf), LORA_ERR_SHAPE);
        CHECK(strstr(lora_last_error(), "expected shape (4,), found (3, 4)") != NULL);
        CHECK_ERR(lora_st_load_f32(st, "nope", 1, sh, buf), LORA_ERR_NOT_FOUND);
        CHECK(strstr(lora_last_error(), "all_dtypes.safetensors: tensor 'nope' not found") != NULL);
        sh[0] = 4;
        CHECK_ERR(lora_st_load_f32(st, "i32", 1, sh, buf), LORA_ERR_UNSUPPORTED);
        CHECK(strstr(lora_last_error(), "tensor 'i32' is I32, not a floating-point dtype") != NULL);
        CHECK_ERR(lora_st_read_f32(st, lora_st_find(st, "f32"), buf, 11), LORA_ERR_SHAPE);
        CHECK(strstr(lora_last_error(), "has 12 elements but the destination holds 11") != NULL);
    }
    lora_st_close(st);
    lora_st_close(NULL);
}

/* our writer reproduces the oracle's files byte for byte, whatever the input order */
static void test_byte_identical(void) {
    static const char *files[] = {"all_dtypes.safetensors", "names.safetensors", "torch_conv.safetensors"};
    size_t i;
    int rev;
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char src[256];
        lora_safetensors *st = NULL;
        snprintf(src, sizeof src, FIX "%s", files[i]);
        CHECK_OK(lora_st_open(src, &st));
        if (!st) continue;
        for (rev = 0; rev < 2; rev++) {
            const char *out = tmp_path("rewrite.safetensors");
            CHECK_OK(rewrite(st, out, rev));
            CHECK_MSG(files_equal(src, out), "rewrite of %s (order %d) differs from the oracle's bytes", files[i], rev);
        }
        lora_st_close(st);
    }
    {   /* names: non-ASCII and escaped names are found and sorted by bytes like Python sorts code points */
        lora_safetensors *st = NULL;
        CHECK_OK(lora_st_open(FIX "names.safetensors", &st));
        if (st) {
            float v[3];
            int64_t sh[2] = {2, 1};
            CHECK(lora_st_find(st, "caf\xc3\xa9") != NULL);
            CHECK(lora_st_find(st, "quote\"back\\slash\nnl") != NULL);
            CHECK(lora_st_find(st, "\xc3\xa9\xf0\x9f\x98\x80") != NULL);
            CHECK_OK(lora_st_load_f32(st, "bf", 2, sh, v));
            CHECK(v[0] == 1.0f && v[1] == -2.5f);
            sh[0] = 2;
            CHECK_OK(lora_st_load_f32(st, "z", 1, sh, v));
            CHECK(v[0] == 1.5f && v[1] == -2.25f);
            sh[0] = 1; sh[1] = 2;
            CHECK_OK(lora_st_load_f32(st, "B.weight", 2, sh, v));
            CHECK(v[0] == 1.0f && v[1] == 2.0f);
            lora_st_close(st);
        }
    }
}

static int same_f32(float a, float b) { return !memcmp(&a, &b, 4); }

/* F16/BF16 conversions are bit-identical to torch's (fixture written by torch 1.13) */
static void test_torch_conversion(void) {
    lora_safetensors *st = NULL;
    const lora_st_tensor *x, *h, *bf, *hb, *bb, *f64;
    float *xs, *back, *back2;
    int64_t n, i;
    int bad_h = 0, bad_b = 0, bad_hb = 0, bad_bb = 0, bad_64 = 0;
    uint32_t k;
    CHECK_OK(lora_st_open(FIX "torch_conv.safetensors", &st));
    if (!st) return;
    x = lora_st_find(st, "x"); h = lora_st_find(st, "x_f16"); bf = lora_st_find(st, "x_bf16");
    hb = lora_st_find(st, "f16_back"); bb = lora_st_find(st, "bf16_back"); f64 = lora_st_find(st, "f64");
    CHECK(x && h && bf && hb && bb && f64);
    if (!x || !h || !bf || !hb || !bb || !f64) { lora_st_close(st); return; }
    n = x->numel;
    CHECK(n > 500 && h->numel == n && bf->numel == n && h->dtype == LORA_DT_F16 && bf->dtype == LORA_DT_BF16 && f64->dtype == LORA_DT_F64);
    xs = (float *)malloc((size_t)n * 4); back = (float *)malloc((size_t)n * 4); back2 = (float *)malloc((size_t)n * 4);
    CHECK_OK(lora_st_read_f32(st, x, xs, n));
    for (i = 0; i < n; i++) {
        const unsigned char *ph = (const unsigned char *)h->data + 2 * i, *pb = (const unsigned char *)bf->data + 2 * i;
        uint16_t th = (uint16_t)(ph[0] | ph[1] << 8), tb = (uint16_t)(pb[0] | pb[1] << 8);
        uint16_t oh = lora_f32_to_f16(xs[i]), ob = lora_f32_to_bf16(xs[i]);
        /* torch 1.13 is itself inconsistent for NaN -> bf16: its vectorised path gives 0xFFFF, the
           scalar path (tails) 0x7FC0; we always give 0x7FC0 like the scalar path and the oracle */
        if (xs[i] != xs[i] && tb == 0xFFFF) tb = 0x7FC0;
        if (oh != th && bad_h++ < 5) fprintf(stderr, "f32->f16 of %.9g: ours 0x%04x torch 0x%04x\n", xs[i], oh, th);
        if (ob != tb && bad_b++ < 5) fprintf(stderr, "f32->bf16 of %.9g: ours 0x%04x torch 0x%04x\n", xs[i], ob, tb);
    }
    CHECK_MSG(bad_h == 0, "%d f16 conversions differ from torch", bad_h);
    CHECK_MSG(bad_b == 0, "%d bf16 conversions differ from torch", bad_b);
    CHECK_OK(lora_st_read_f32(st, h, back, n));
    CHECK_OK(lora_st_read_f32(st, hb, back2, n));
    for (i = 0; i < n; i++) if (!same_f32(back[i], back2[i])) bad_hb++;
    CHECK_OK(lora_st_read_f32(st, bf, back, n));
    CHECK_OK(lora_st_read_f32(st, bb, back2, n));
    for (i = 0; i < n; i++) if (!same_f32(back[i], back2[i])) bad_bb++;
    CHECK_OK(lora_st_read_f32(st, f64, back, n));
    for (i = 0; i < n; i++)   /* NaN payloads may be quieted by the double round trip */
        if (!same_f32(back[i], xs[i]) && !(back[i] != back[i] && xs[i] != xs[i])) bad_64++;
    CHECK_MSG(bad_hb == 0, "%d f16->f32 differ from torch", bad_hb);
    CHECK_MSG(bad_bb == 0, "%d bf16->f32 differ from torch", bad_bb);
    CHECK_MSG(bad_64 == 0, "%d f64->f32 differ", bad_64);
    free(xs); free(back); free(back2);
    lora_st_close(st);
    /* exhaustive: every f16 decodes to its exact value and encodes back to itself */
    bad_h = 0; bad_b = 0;
    for (k = 0; k < 65536; k++) {
        uint16_t u = (uint16_t)k;
        int e = (u >> 10) & 31, m = u & 1023;
        double ref = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? HUGE_VAL - HUGE_VAL : HUGE_VAL) : ldexp(1024 + m, e - 25);
        float f = lora_f16_to_f32(u);
        if (u & 0x8000) ref = -ref;
        if (e == 31 && m) { if (f == f) bad_h++; }
        else if ((double)f != ref || lora_f32_to_f16(f) != u) bad_h++;
        f = lora_bf16_to_f32(u);
        if (f == f && lora_f32_to_bf16(f) != u) bad_b++;
    }
    CHECK_MSG(bad_h == 0, "%d of 65536 f16 values do not decode/encode exactly", bad_h);
    CHECK_MSG(bad_b == 0, "%d of 65536 bf16 values do not round trip", bad_b);
    /* F64 -> F32 clamps like a hardware conversion (overflow to inf at FLT_MAX + half ulp) */
    CHECK(lora__st_d2f(3.4028235677973366e38) == (float)HUGE_VAL);
    CHECK(lora__st_d2f(3.4028235677973362e38) == FLT_MAX);
    CHECK(lora__st_d2f(-1e300) == -(float)HUGE_VAL && lora__st_d2f(1e-300) == 0.0f);
}

/* write every dtype (plus scalars, empty tensors, 8 dims) and read it back */
static void test_round_trip(void) {
    unsigned char data[13][64];
    lora_st_entry e[17];
    const char *mk[2] = {"zkey", "akey"}, *mv[2] = {"v\xc3\xa9", "line\nbreak"};
    lora_safetensors *st = NULL;
    const char *path = tmp_path("rt.safetensors");
    char *file = NULL;
    size_t flen = 0, i;
    int d;
    uint64_t hl;
    float one = 2.5f;
    lora_rng rng;
    lora_rng_seed(&rng, 3);
    memset(e, 0, sizeof e);
    for (i = 0; i < 13; i++) {
        size_t k;
        for (k = 0; k < 64; k++) data[i][k] = (unsigned char)lora_rng_u32(&rng);
        e[i].dtype = (lora_dtype)i;
        e[i].ndim = 2;
        e[i].shape[0] = 2; e[i].shape[1] = (int64_t)(8 / lora_dtype_size((lora_dtype)i));
        e[i].data = data[i];
    }
    e[0].name = "t_f64"; e[1].name = "t_f32"; e[2].name = "t_f16"; e[3].name = "t_bf16"; e[4].name = "t_i64";
    e[5].name = "t_i32"; e[6].name = "t_i16"; e[7].name = "t_i8"; e[8].name = "t_u8"; e[9].name = "t_bool";
    e[10].name = "t_u64"; e[11].name = "t_u32"; e[12].name = "t_u16";
    e[13].name = "scalar"; e[13].dtype = LORA_DT_F32; e[13].ndim = 0; e[13].data = &one;
    e[14].name = "empty"; e[14].dtype = LORA_DT_F16; e[14].ndim = 3; e[14].shape[0] = 4; e[14].shape[1] = 0; e[14].shape[2] = 5; e[14].data = NULL;
    e[15].name = "eight"; e[15].dtype = LORA_DT_U8; e[15].ndim = 8; e[15].data = data[0];
    for (d = 0; d < 8; d++) e[15].shape[d] = d == 3 ? 3 : 1;
    e[16].name = "empty1d"; e[16].dtype = LORA_DT_BOOL; e[16].ndim = 1; e[16].shape[0] = 0; e[16].data = NULL;
    CHECK_OK(lora_st_write(path, e, 17, mk, mv, 2));
    CHECK(!file_exists(tmp_path("rt.safetensors.tmp-lora")));
    CHECK_OK(lora_st_open(path, &st));
    if (st) {
        CHECK(st->n_tensors == 17 && st->n_meta == 2);
        CHECK(!strcmp(st->meta_keys[0], "akey") && !strcmp(st->meta_values[1], "v\xc3\xa9"));   /* sorted */
        CHECK(!strcmp(lora_st_meta(st, "akey"), "line\nbreak"));
        for (i = 0; i < 17; i++) {
            const lora_st_tensor *t = lora_st_find(st, e[i].name);
            int same = t && t->dtype == e[i].dtype && t->ndim == e[i].ndim;
            for (d = 0; same && d < e[i].ndim; d++) same = t->shape[d] == e[i].shape[d];
            CHECK_MSG(same, "round trip of %s", e[i].name);
            if (same && t->nbytes) CHECK_MSG(same_as_le(t->data, e[i].data, (size_t)t->nbytes, lora_dtype_size(t->dtype)), "data of %s", e[i].name);
        }
        CHECK(lora_st_find(st, "scalar")->numel == 1 && lora_st_find(st, "empty")->numel == 0);
        lora_st_close(st);
    }
    CHECK_OK(lora__read_file(path, &file, &flen));
    if (file) {
        hl = lora__st_le64((const unsigned char *)file);
        CHECK(hl % 8 == 0 && file[8] == '{');   /* padded: the data section starts 8-aligned */
        {
            static const char want[] = "{\"__metadata__\":{\"akey\":\"line\\nbreak\",\"zkey\":\"v\xc3\xa9\"},"
                                       "\"t_u64\":{\"dtype\":\"U64\",\"shape\":[2,1],\"data_offsets\":[0,16]},\"t_i64\"";
            CHECK(!strncmp(file + 8, want, sizeof want - 1));
        }
        CHECK(strstr(file + 8, "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":") != NULL);
        CHECK(file[8 + hl - 1] == ' ' || file[8 + hl - 1] == '}');
        LORA_FREE(file);
    }
    /* no tensors, no metadata: "{}" padded */
    CHECK_OK(lora_st_write(path, NULL, 0, NULL, NULL, 0));
    CHECK_OK(lora__read_file(path, &file, &flen));
    CHECK(flen == 16 && file && !memcmp(file, "\x08\0\0\0\0\0\0\0{}      ", 16));
    LORA_FREE(file);
    CHECK_OK(lora_st_open(path, &st));
    CHECK(st && st->n_tensors == 0 && st->n_meta == 0);
    lora_st_close(st);
    /* a larger tensor goes straight from the caller's buffer */
    {
        size_t n = 1 << 20;
        float *big = (float *)malloc(n * 4), *back = (float *)malloc(n * 4);
        lora_st_entry b;
        memset(&b, 0, sizeof b);
        for (i = 0; i < n; i++) big[i] = (float)i * 0.5f;
        b.name = "big"; b.dtype = LORA_DT_F32; b.ndim = 2; b.shape[0] = 1024; b.shape[1] = 1024; b.data = big;
        CHECK_OK(lora_st_write(path, &b, 1, NULL, NULL, 0));
        CHECK_OK(lora_st_open(path, &st));
        if (st) {
            CHECK_OK(lora_st_load_f32(st, "big", 2, b.shape, back));
            CHECK(!memcmp(big, back, n * 4));
            lora_st_close(st);
        }
        free(big); free(back);
    }
}

static void test_writer_errors(void) {
    const char *path = tmp_path("keep.safetensors");
    float v[4] = {1, 2, 3, 4};
    lora_st_entry e[2];
    const char *mk[2] = {"k", "k"}, *mv[2] = {"a", "b"};
    char *before = NULL, *after = NULL;
    size_t nb = 0, na = 0;
    memset(e, 0, sizeof e);
    e[0].name = "a"; e[0].dtype = LORA_DT_F32; e[0].ndim = 1; e[0].shape[0] = 4; e[0].data = v;
    e[1] = e[0]; e[1].name = "b";
    CHECK_OK(lora_st_write(path, e, 2, NULL, NULL, 0));
    CHECK_OK(lora__read_file(path, &before, &nb));
    e[1].name = "a";
    CHECK_ERR(lora_st_write(path, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    CHECK(strstr(lora_last_error(), "keep.safetensors: duplicate tensor name 'a'") != NULL);
    e[1].name = "a"; e[1].dtype = LORA_DT_I32;     /* same name, other dtype: still a duplicate */
    CHECK_ERR(lora_st_write(path, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    e[1].dtype = LORA_DT_F32;
    e[1].name = "__metadata__";
    CHECK_ERR(lora_st_write(path, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    CHECK(strstr(lora_last_error(), "reserved") != NULL);
    e[1].name = "b\xff";
    CHECK_ERR(lora_st_write(path, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    CHECK(strstr(lora_last_error(), "not valid UTF-8") != NULL);
    e[1].name = NULL;
    CHECK_ERR(lora_st_write(path, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    e[1].name = "b"; e[1].shape[0] = -1;
    CHECK_ERR(lora_st_write(path, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    CHECK(strstr(lora_last_error(), "negative dimension") != NULL);
    e[1].shape[0] = 4; e[1].ndim = 9;
    CHECK_ERR(lora_st_write(path, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    e[1].ndim = 2; e[1].shape[0] = (int64_t)1 << 62; e[1].shape[1] = 4;
    CHECK_ERR(lora_st_write(path, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    e[1].ndim = 1; e[1].shape[0] = 4; e[1].data = NULL;
    CHECK_ERR(lora_st_write(path, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    CHECK(strstr(lora_last_error(), "data is NULL") != NULL);
    e[1].data = v; e[1].dtype = (lora_dtype)99;
    CHECK_ERR(lora_st_write(path, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    e[1].dtype = LORA_DT_F32;
    CHECK_ERR(lora_st_write(path, e, 2, mk, mv, 2), LORA_ERR_INVALID_ARG);
    CHECK(strstr(lora_last_error(), "duplicate metadata key 'k'") != NULL);
    mk[1] = NULL;
    CHECK_ERR(lora_st_write(path, e, 2, mk, mv, 2), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_st_write(NULL, e, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_st_write(path, NULL, 2, NULL, NULL, 0), LORA_ERR_INVALID_ARG);
    /* the previous file survived every failure and no temporary file is left */
    CHECK_OK(lora__read_file(path, &after, &na));
    CHECK(nb == na && before && after && !memcmp(before, after, nb));
    CHECK(!file_exists(tmp_path("keep.safetensors.tmp-lora")));
    LORA_FREE(before); LORA_FREE(after);
    /* unwritable destination */
    CHECK_ERR(lora_st_write(tmp_path("no/such/dir/x.safetensors"), e, 2, NULL, NULL, 0), LORA_ERR_IO);
    CHECK(strstr(lora_last_error(), "x.safetensors") != NULL);
}

/* ---- malformed files ---- */
static size_t mkfile(unsigned char *out, const char *hdr, size_t data_len) {
    size_t n = strlen(hdr), k;
    for (k = 0; k < 8; k++) out[k] = (unsigned char)((uint64_t)n >> (8 * k));
    memcpy(out + 8, hdr, n);
    for (k = 0; k < data_len; k++) out[8 + n + k] = (unsigned char)(k * 7 + 1);
    return 8 + n + data_len;
}

typedef struct badcase { const char *hdr; size_t data_len; lora_status code; const char *msg; } badcase;
static const badcase bad[] = {
    {"[]", 0, LORA_ERR_FORMAT, "header is an array, expected a JSON object"},
    {"\"x\"", 0, LORA_ERR_FORMAT, "header is a string"},
    {"", 0, LORA_ERR_FORMAT, "bad.safetensors: header:1:1: empty input"},
    {"hello", 0, LORA_ERR_FORMAT, "bad.safetensors: header:1:1:"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} x", 4, LORA_ERR_FORMAT, "header:1:56: unexpected 'x'"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4, LORA_ERR_FORMAT, "header:1:"},
    {"{\"a\":\"\xff\"}", 0, LORA_ERR_FORMAT, "invalid UTF-8"},
    {"{\"a\":1}", 0, LORA_ERR_FORMAT, "tensor 'a': entry is a number, expected an object"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, LORA_ERR_FORMAT, "tensor 'a': missing \"data_offsets\""},
    {"{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "missing \"dtype\""},
    {"{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "missing \"shape\""},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4, LORA_ERR_FORMAT, "unexpected key \"x\""},
    {"{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "duplicate key \"dtype\""},
    {"{\"a\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "dtype is a number, expected a string"},
    {"{\"a\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "unknown dtype \"F31\""},
    {"{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "unknown dtype \"f32\""},
    {"{\"a\":{\"dtype\":\"F32\\u0000\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "unknown dtype"},
    {"{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, LORA_ERR_UNSUPPORTED, "dtype F8_E4M3 is not supported"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":\"3\",\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "shape is a string, expected an array"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "shape[0] is -1, expected a non-negative integer"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "shape[0] is 1.0"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "shape[0] is 1e0"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "shape[0] is a string"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "shape[0] is null"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[18446744073709551616],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "shape[0] is 18446744073709551616 (too large)"},
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}", 1, LORA_ERR_UNSUPPORTED, "9 dimensions"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "shape (4611686018427387904, 4) has too many elements (overflow)"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4,0],\"data_offsets\":[0,0]}}", 0, LORA_ERR_FORMAT, "overflow"},
    {"{\"a\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,4]}}", 4, LORA_ERR_FORMAT, "too large in bytes (overflow)"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, LORA_ERR_FORMAT, "data_offsets must be an array of two integers"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4, LORA_ERR_FORMAT, "data_offsets must be an array of two integers"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}}}", 4, LORA_ERR_FORMAT, "data_offsets must be"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4, LORA_ERR_FORMAT, "data_offsets[0] is not a non-negative integer"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}}", 4, LORA_ERR_FORMAT, "data_offsets[1] is not a non-negative integer"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", 4, LORA_ERR_FORMAT, "data_offsets[1]"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, LORA_ERR_FORMAT, "data_offsets [4, 0) end before they begin"},
    {"{\"h.0.attn.c_attn.weight\":{\"dtype\":\"F32\",\"shape\":[3,5],\"data_offsets\":[0,100]}}", 100, LORA_ERR_FORMAT,
     "bad.safetensors: tensor 'h.0.attn.c_attn.weight': data_offsets [0, 100) is 100 bytes but F32 shape (3, 5) needs 60"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, LORA_ERR_FORMAT, "is 8 bytes but F32 shape (1,) needs 4"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]}}", 0, LORA_ERR_FORMAT, "is 0 bytes but F32 shape () needs 4"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, LORA_ERR_FORMAT, "extend past the end of the data section (0 bytes)"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9223372036854775800,9223372036854775804]}}", 4, LORA_ERR_FORMAT, "extend past the end"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, LORA_ERR_FORMAT,
     "tensor 'b': data [4, 12) overlaps tensor 'a' ending at 8"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, LORA_ERR_FORMAT, "overlaps"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, LORA_ERR_FORMAT,
     "tensor 'b': data starts at byte 8 but the previous tensor ends at 4 (gap of 4 bytes"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, LORA_ERR_FORMAT, "tensor 'a': data starts at byte 4 but the previous tensor ends at 0"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, LORA_ERR_FORMAT, "tensors cover 4 bytes but the data section is 8 bytes (4 unused"},
    {"{}", 3, LORA_ERR_FORMAT, "tensors cover 0 bytes but the data section is 3 bytes"},
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2, LORA_ERR_FORMAT,
     "duplicate tensor name 'a' in header"},
    {"{\"__metadata__\":{},\"__metadata__\":{}}", 0, LORA_ERR_FORMAT, "duplicate key '__metadata__'"},
    {"{\"__metadata__\":[]}", 0, LORA_ERR_FORMAT, "__metadata__ is an array, expected an object of string -> string"},
    {"{\"__metadata__\":\"x\"}", 0, LORA_ERR_FORMAT, "__metadata__ is a string"},
    {"{\"__metadata__\":{\"k\":1}}", 0, LORA_ERR_FORMAT, "__metadata__ 'k' is a number, expected a string"},
    {"{\"__metadata__\":{\"k\":{}}}", 0, LORA_ERR_FORMAT, "__metadata__ 'k' is an object"},
    {"{\"__metadata__\":{\"k\":null}}", 0, LORA_ERR_FORMAT, "__metadata__ 'k' is null"},
    {"{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0, LORA_ERR_FORMAT, "duplicate __metadata__ key 'k'"},
    {"{\"__metadata__\":{\"k\":\"a\\u0000b\"}}", 0, LORA_ERR_FORMAT, "NUL character"},
    {"{\"a\\u0000b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, LORA_ERR_FORMAT, "tensor name 'a' contains a NUL character"},
    {"{\"a\":[\"F32\",[1],[0,4]]}", 4, LORA_ERR_FORMAT, "entry is an array"},
    /* "-0": Python's json reads int 0, serde_json (the reference) a float -0.0 that is no usize: rejected */
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[-0],\"data_offsets\":[0,0]}}", 0, LORA_ERR_FORMAT, "shape[0] is -0, expected a non-negative integer"},
};

/* valid variants the reference accepts */
static const badcase good[] = {
    {"{}", 0, LORA_OK, NULL},
    {"  {\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}\n\t", 4, LORA_OK, NULL},   /* unpadded, whitespace */
    {"{\"a\":{\"data_offsets\":[0,4],\"shape\":[1],\"dtype\":\"F32\"}}", 4, LORA_OK, NULL},         /* any key order */
    {"{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[2,2]},"
     "\"c\":{\"dtype\":\"U8\",\"shape\":[0,7],\"data_offsets\":[0,0]}}", 2, LORA_OK, NULL},                      /* empty tensors anywhere */
    {"{\"__metadata__\":{},\"a\":{\"dtype\":\"BOOL\",\"shape\":[],\"data_offsets\":[0,1]}}", 1, LORA_OK, NULL},
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}", 1, LORA_OK, NULL},
    {"{\"\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, LORA_OK, NULL},                     /* empty name */
};

static void test_bad_files(void) {
    static unsigned char img[4096];
    size_t i, n;
    lora_safetensors *st = NULL;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lora_status s;
        n = mkfile(img, bad[i].hdr, bad[i].data_len);
        s = lora_st_open_memory(img, n, "bad.safetensors", &st);
        CHECK_MSG(s == bad[i].code && st == NULL, "case %zu (%s): got %s, want %s: %s", i, bad[i].hdr, lora_status_name(s),
                  lora_status_name(bad[i].code), lora_last_error());
        CHECK_MSG(!strncmp(lora_last_error(), "bad.safetensors: ", 17), "case %zu: message '%s' does not name the file", i, lora_last_error());
        CHECK_MSG(strstr(lora_last_error(), bad[i].msg) != NULL, "case %zu: message '%s' lacks '%s'", i, lora_last_error(), bad[i].msg);
        lora_st_close(st);
        st = NULL;
    }
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        n = mkfile(img, good[i].hdr, good[i].data_len);
        CHECK_MSG(lora_st_open_memory(img, n, "good.safetensors", &st) == LORA_OK, "good case %zu: %s", i, lora_last_error());
        lora_st_close(st);
        st = NULL;
    }
    /* header length: over the limit, past the end, short files */
    n = mkfile(img, "{}", 0);
    img[0] = 0x01; img[1] = 0xE1; img[2] = 0xF5; img[3] = 0x05;   /* 100000001 */
    CHECK_ERR(lora_st_open_memory(img, n, "bad.safetensors", &st), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "bad.safetensors: header length 100000001 exceeds the limit of 100000000 bytes") != NULL);
    memset(img, 0xFF, 8);
    CHECK_ERR(lora_st_open_memory(img, n, "bad.safetensors", &st), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "exceeds the limit") != NULL);
    n = mkfile(img, "{}", 0);
    img[0] = 3;
    CHECK_ERR(lora_st_open_memory(img, n, "bad.safetensors", &st), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "bad.safetensors: header length 3 exceeds the file size (10 bytes") != NULL);
    CHECK_ERR(lora_st_open_memory(img, 0, "bad.safetensors", &st), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "bad.safetensors: empty file") != NULL);
    CHECK_ERR(lora_st_open_memory(NULL, 0, "bad.safetensors", &st), LORA_ERR_FORMAT);
    CHECK_ERR(lora_st_open_memory(img, 7, "bad.safetensors", &st), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "file is 7 bytes, too short") != NULL);
    CHECK_ERR(lora_st_open_memory(img, 7, "x", NULL), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_st_open(NULL, &st), LORA_ERR_INVALID_ARG);
    /* a valid file truncated at every byte fails cleanly, naming the file */
    {
        char *file = NULL;
        size_t flen = 0, cut, fails = 0, named = 0;
        CHECK_OK(lora__read_file(FIX "all_dtypes.safetensors", &file, &flen));
        for (cut = 0; file && cut < flen; cut++) {
            if (lora_st_open_memory(file, cut, "cut.safetensors", &st) == LORA_ERR_FORMAT) fails++;
            if (!strncmp(lora_last_error(), "cut.safetensors: ", 17)) named++;
            lora_st_close(st);
            st = NULL;
        }
        CHECK(flen > 0 && fails == flen && named == flen);
        /* and a file with one byte appended has an unused byte */
        if (file) {
            char *more = (char *)malloc(flen + 1);
            memcpy(more, file, flen);
            more[flen] = 0;
            CHECK_ERR(lora_st_open_memory(more, flen + 1, "long.safetensors", &st), LORA_ERR_FORMAT);
            CHECK(strstr(lora_last_error(), "1 unused bytes") != NULL);
            free(more);
        }
        /* truncated files on disk (mmap path), including an empty one */
        if (file) {
            size_t cuts[5], k;
            cuts[0] = 0; cuts[1] = 5; cuts[2] = 8; cuts[3] = 100; cuts[4] = flen - 1;
            for (k = 0; k < 5; k++) {
                FILE *f = fopen(tmp_path("cut.safetensors"), "wb");
                if (!f) { CHECK(0); break; }
                fwrite(file, 1, cuts[k], f);
                fclose(f);
                CHECK_ERR(lora_st_open(tmp_path("cut.safetensors"), &st), LORA_ERR_FORMAT);
                CHECK(strstr(lora_last_error(), "cut.safetensors: ") != NULL);
            }
        }
        LORA_FREE(file);
    }
    CHECK_ERR(lora_st_open(tmp_path("does-not-exist.safetensors"), &st), LORA_ERR_NOT_FOUND);
    CHECK(strstr(lora_last_error(), "does-not-exist.safetensors: cannot open") != NULL);
    CHECK_ERR(lora_st_open(tmp_dir, &st), LORA_ERR_IO);   /* a directory */
    CHECK(st == NULL);
}

/* every allocation failure gives LORA_ERR_OOM, leaks nothing, and never damages a file */
static void test_oom(void) {
    char *file = NULL, *before = NULL, *after = NULL;
    size_t flen = 0, nb = 0, na = 0;
    long k;
    int bad_open = 0, bad_write = 0;
    const char *path = tmp_path("oom.safetensors");
    lora_safetensors *st = NULL;
    CHECK_OK(lora__read_file(FIX "all_dtypes.safetensors", &file, &flen));
    if (!file) return;
    for (k = 0; k < 10000; k++) {
        lora_status s;
        fail_after = k;
        s = lora_st_open_memory(file, flen, "oom.safetensors", &st);
        fail_after = -1;
        if (s == LORA_OK) break;
        if (s != LORA_ERR_OOM || st) bad_open++;
    }
    CHECK(st != NULL && bad_open == 0);
    if (st) {
        CHECK_OK(rewrite(st, path, 0));
        CHECK_OK(lora__read_file(path, &before, &nb));
        for (k = 0; k < 10000; k++) {
            lora_status s;
            /* write different content over the file: on failure the old one must be intact */
            lora_st_entry e;
            memset(&e, 0, sizeof e);
            e.name = "other"; e.dtype = LORA_DT_U8; e.ndim = 1; e.shape[0] = 4; e.data = "abcd";
            fail_after = k;
            s = lora_st_write(path, &e, 1, (const char *const *)st->meta_keys, (const char *const *)st->meta_values, st->n_meta);
            fail_after = -1;
            if (s == LORA_OK) break;
            if (s != LORA_ERR_OOM) bad_write++;
            CHECK_OK(lora__read_file(path, &after, &na));
            if (na != nb || memcmp(before, after, nb)) bad_write++;
            LORA_FREE(after);
            after = NULL;
        }
        CHECK(k > 0 && k < 10000 && bad_write == 0);
        CHECK(!file_exists(tmp_path("oom.safetensors.tmp-lora")));
        lora_st_close(st);
        remove(path);
    }
    LORA_FREE(file); LORA_FREE(before);
}

/* many tensors: header of ~1 MB, duplicate checks and lookups stay fast */
static void test_many(void) {
    enum { N = 20000 };
    lora_st_entry *e = (lora_st_entry *)calloc(N, sizeof *e);
    char (*names)[32] = (char (*)[32])malloc(N * 32);
    unsigned char *vals = (unsigned char *)malloc(N);
    const char *path = tmp_path("many.safetensors");
    lora_safetensors *st = NULL;
    clock_t t0;
    size_t i, found = 0;
    for (i = 0; i < N; i++) {
        snprintf(names[i], 32, "transformer.h.%zu.weight", (i * 7919) % N);
        vals[i] = (unsigned char)i;
        e[i].name = names[i]; e[i].dtype = (i & 1) ? LORA_DT_U8 : LORA_DT_I8; e[i].ndim = 1; e[i].shape[0] = 1; e[i].data = &vals[i];
    }
    CHECK_OK(lora_st_write(path, e, N, NULL, NULL, 0));
    t0 = clock();
    CHECK_OK(lora_st_open(path, &st));
    for (i = 0; st && i < N; i++) {
        const lora_st_tensor *t = lora_st_find(st, names[i]);
        if (t && *(const unsigned char *)t->data == vals[i]) found++;
    }
    printf("open + %d lookups of a %d-tensor file: %.1f ms\n", N, N, (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC);
    CHECK(found == N);
    lora_st_close(st);
    remove(path);
    free(e); free(names); free(vals);
}

static void test_dtype_names(void) {
    CHECK(!strcmp(lora_dtype_name(LORA_DT_BF16), "BF16") && lora_dtype_size(LORA_DT_BF16) == 2);
    CHECK(!strcmp(lora_dtype_name(LORA_DT_U64), "U64") && lora_dtype_size(LORA_DT_U64) == 8);
    CHECK(!strcmp(lora_dtype_name(LORA_DT_BOOL), "BOOL") && lora_dtype_size(LORA_DT_BOOL) == 1);
    CHECK(!strcmp(lora_dtype_name((lora_dtype)42), "?") && lora_dtype_size((lora_dtype)42) == 0);
}

int main(void) {
    const char *t = getenv("TMPDIR");
#if defined(__unix__) || defined(__APPLE__)
    snprintf(tmp_dir, sizeof tmp_dir, "%s/lora_test_st_%ld", t && *t ? t : "/tmp", (long)getpid());
    mkdir(tmp_dir, 0700);
#else
    snprintf(tmp_dir, sizeof tmp_dir, "%s", t && *t ? t : ".");
#endif
    test_dtype_names();
    test_oracle_file();
    test_byte_identical();
    test_torch_conversion();
    test_round_trip();
    test_writer_errors();
    test_bad_files();
    test_oom();
    test_many();
#if defined(__unix__) || defined(__APPLE__)
    {
        static const char *names[] = {"rt.safetensors", "keep.safetensors", "rewrite.safetensors", "cut.safetensors"};
        size_t i;
        for (i = 0; i < 4; i++) remove(tmp_path(names[i]));
        rmdir(tmp_dir);
    }
#endif
    return TEST_END();
}
