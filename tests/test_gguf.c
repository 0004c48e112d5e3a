/* GGUF (llama.cpp's format): the reader on files written by llama.cpp's own gguf-py
   (tests/fixtures/gguf/make_fixtures.py: every value type, F32/F16/BF16/Q8_0 tensors, a tiny
   GPT-2 as convert_hf_to_gguf.py writes one, and its Q8_0 version), the writer (round trip,
   byte layout, errors), tokenizers through GGUF keys, the GPT-2 export (golden files whose
   llama.cpp losses are recorded below) and adapter export, llama's q/k row permutation.
   Run from the repository root. */
#include "lora.h"
#include "gpt2.h"
#include "test.h"

#define FX "tests/fixtures/gguf/"
#define OUT "build/gguf_test/"

/* the fixtures' exactly representable values: k / 16 */
static float fx_value(long i) { return (float)((i * 37) % 101 - 50) / 16.0f; }

static void test_types_fixture(void) {
    lora_gguf *g = NULL;
    const lora_gguf_kv *kv;
    const lora_gguf_tensor *t;
    const char *s;
    int64_t iv;
    double dv;
    float buf[128], exp[128];
    int i;
    CHECK_OK(lora_gguf_open(FX "types.gguf", &g));
    if (!g) return;
    CHECK(g->version == 3 && g->alignment == 32);
    CHECK_OK(lora_gguf_get_str(g, "general.architecture", &s));
    CHECK(strcmp(s, "testarch") == 0);
    CHECK((kv = lora_gguf_find_kv(g, "k.u8")) && kv->type == LORA_GGUF_UINT8 && kv->u == 200);
    CHECK((kv = lora_gguf_find_kv(g, "k.i8")) && kv->type == LORA_GGUF_INT8 && kv->i == -100);
    CHECK((kv = lora_gguf_find_kv(g, "k.u16")) && kv->type == LORA_GGUF_UINT16 && kv->u == 60000);
    CHECK((kv = lora_gguf_find_kv(g, "k.i16")) && kv->type == LORA_GGUF_INT16 && kv->i == -30000);
    CHECK((kv = lora_gguf_find_kv(g, "k.u32")) && kv->type == LORA_GGUF_UINT32 && kv->u == 4000000000u);
    CHECK((kv = lora_gguf_find_kv(g, "k.i32")) && kv->type == LORA_GGUF_INT32 && kv->i == -2000000000);
    CHECK((kv = lora_gguf_find_kv(g, "k.f32")) && kv->type == LORA_GGUF_FLOAT32 && kv->f == 0.15625);
    CHECK((kv = lora_gguf_find_kv(g, "k.bool")) && kv->type == LORA_GGUF_BOOL && kv->u == 1);
    CHECK((kv = lora_gguf_find_kv(g, "k.str")) && kv->type == LORA_GGUF_STRING &&
          strcmp(kv->str, "h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c") == 0);
    CHECK((kv = lora_gguf_find_kv(g, "k.u64")) && kv->type == LORA_GGUF_UINT64 && kv->u == 18000000000000000000ull);
    CHECK((kv = lora_gguf_find_kv(g, "k.i64")) && kv->type == LORA_GGUF_INT64 && kv->i == -9000000000000000000ll);
    CHECK((kv = lora_gguf_find_kv(g, "k.f64")) && kv->type == LORA_GGUF_FLOAT64 && kv->f == -2.5e-300);
    kv = lora_gguf_find_kv(g, "k.arr_i32");
    CHECK(kv && kv->type == LORA_GGUF_ARRAY && kv->elem_type == LORA_GGUF_INT32 && kv->n == 3 &&
          ((const int32_t *)kv->arr)[0] == 1 && ((const int32_t *)kv->arr)[1] == -2 && ((const int32_t *)kv->arr)[2] == 300000);
    kv = lora_gguf_find_kv(g, "k.arr_f32");
    CHECK(kv && kv->elem_type == LORA_GGUF_FLOAT32 && kv->n == 2 && ((const float *)kv->arr)[1] == -1.25f);
    kv = lora_gguf_find_kv(g, "k.arr_bool");
    CHECK(kv && kv->elem_type == LORA_GGUF_BOOL && kv->n == 3 && ((const unsigned char *)kv->arr)[1] == 0);
    kv = lora_gguf_find_kv(g, "k.arr_str");
    CHECK(kv && kv->elem_type == LORA_GGUF_STRING && kv->n == 3 && strcmp(kv->strs[0], "a") == 0 && kv->str_lens[1] == 0 &&
          strcmp(kv->strs[2], "\xc3\xa9t\xc3\xa9") == 0);
    kv = lora_gguf_find_kv(g, "k.arr_u8");
    CHECK(kv && kv->elem_type == LORA_GGUF_UINT8 && kv->n == 2 && ((const unsigned char *)kv->arr)[1] == 0xff);
    /* typed getters */
    CHECK_OK(lora_gguf_get_int(g, "k.i16", &iv));
    CHECK(iv == -30000);
    CHECK_ERR(lora_gguf_get_int(g, "k.u64", &iv), LORA_ERR_FORMAT);   /* above INT64_MAX */
    CHECK_ERR(lora_gguf_get_int(g, "k.str", &iv), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "k.str") && strstr(lora_last_error(), "STRING"));
    CHECK_ERR(lora_gguf_get_str(g, "missing.key", &s), LORA_ERR_NOT_FOUND);
    CHECK_OK(lora_gguf_get_float(g, "k.f32", &dv));
    CHECK(dv == 0.15625);
    /* tensors: ne order, values of every type */
    for (i = 0; i < 120; i++) exp[i] = fx_value(i);
    t = lora_gguf_find_tensor(g, "f32");
    CHECK(t && t->n_dims == 2 && t->ne[0] == 40 && t->ne[1] == 3 && t->type == LORA_GGML_F32 && t->offset % 32 == 0);
    {
        static const char *const names[3] = {"f32", "f16", "bf16"};
        static const int64_t ne[2] = {40, 3};
        int k;
        for (k = 0; k < 3; k++) {
            memset(buf, 0, sizeof buf);
            CHECK_OK(lora_gguf_load_f32(g, names[k], 2, ne, buf));
            CHECK_MSG(memcmp(buf, exp, 120 * sizeof(float)) == 0, "tensor %s", names[k]);
        }
        CHECK_ERR(lora_gguf_load_f32(g, "f32", 2, (const int64_t[]){3, 40}, buf), LORA_ERR_SHAPE);
        CHECK(strstr(lora_last_error(), "expected ne (3, 40), found (40, 3)") != NULL);
    }
    /* Q8_0: exactly gguf-py's dequantization */
    t = lora_gguf_find_tensor(g, "q8_0");
    CHECK(t && t->type == LORA_GGML_Q8_0 && t->ne[0] == 64 && t->nbytes == 4 * 34);
    CHECK_OK(lora_gguf_tensor_f32(g, t, buf, 128));
    CHECK_OK(lora_gguf_load_f32(g, "q8_0.expected", 2, (const int64_t[]){64, 2}, exp));
    CHECK(memcmp(buf, exp, 128 * sizeof(float)) == 0);
    CHECK_ERR(lora_gguf_tensor_f32(g, t, buf, 127), LORA_ERR_SHAPE);
    t = lora_gguf_find_tensor(g, "t3d");
    CHECK(t && t->n_dims == 3 && t->ne[0] == 4 && t->ne[1] == 3 && t->ne[2] == 2 && t->numel == 24);
    CHECK(lora_ggml_type_name(LORA_GGML_Q8_0) && strcmp(lora_ggml_type_name(LORA_GGML_Q8_0), "Q8_0") == 0);
    CHECK(lora_ggml_type_name(4) == NULL && lora_ggml_type_name(1000) == NULL);
    lora_gguf_close(g);
}

static uint64_t le(const unsigned char *p, int n) { uint64_t v = 0; while (n--) v = (v << 8) | p[n]; return v; }

static void test_writer_roundtrip(void) {
    lora_gguf_writer *w = NULL;
    lora_gguf *g = NULL;
    float m[6], got[6], v[5];
    static const char *const strs[3] = {"x", "", "\xc4\xa0the"};
    int32_t ints[3] = {-1, 7, 1 << 30};
    int64_t ne[2];
    const lora_gguf_tensor *t;
    const lora_gguf_kv *kv;
    unsigned char *bytes;
    size_t n;
    int i;
    for (i = 0; i < 6; i++) m[i] = (float)(i + 1) * 0.5f;   /* (2, 3) row-major */
    for (i = 0; i < 5; i++) v[i] = 1.0f / (float)(i + 3);
    CHECK_OK(lora_ensure_dir(OUT));
    CHECK_OK(lora_gguf_writer_create(&w));
    if (!w) return;
    CHECK_OK(lora_gguf_set_alignment(w, 64));
    CHECK_ERR(lora_gguf_set_alignment(w, 48), LORA_ERR_INVALID_ARG);
    CHECK_OK(lora_gguf_set_str(w, "general.architecture", "rt"));
    CHECK_OK(lora_gguf_set_u32(w, "a.u32", 123456789u));
    CHECK_OK(lora_gguf_set_i32(w, "a.i32", -5));
    CHECK_OK(lora_gguf_set_u64(w, "a.u64", 1ull << 40));
    CHECK_OK(lora_gguf_set_f32(w, "a.f32", 1.5f));
    CHECK_OK(lora_gguf_set_bool(w, "a.bool", 1));
    CHECK_OK(lora_gguf_set_str_array(w, "a.strs", strs, NULL, 3));
    CHECK_OK(lora_gguf_set_array(w, "a.ints", LORA_GGUF_INT32, ints, 3));
    CHECK_ERR(lora_gguf_set_u32(w, "a.u32", 1), LORA_ERR_INVALID_ARG);                 /* key set twice */
    CHECK(strstr(lora_last_error(), "a.u32") != NULL);
    CHECK_ERR(lora_gguf_set_array(w, "a.bad", LORA_GGUF_STRING, ints, 1), LORA_ERR_INVALID_ARG);
    ne[0] = 2; ne[1] = 3;   /* m read as (in = 2, out = 3) Conv1D: GGUF order is its transpose */
    CHECK_OK(lora_gguf_add_tensor(w, "w.t", 2, ne, LORA_GGML_F32, m, LORA_GGUF_TRANSPOSE));
    ne[0] = 3; ne[1] = 2;
    CHECK_OK(lora_gguf_add_tensor(w, "w.f16", 2, ne, LORA_GGML_F16, m, LORA_GGUF_COPY));
    ne[0] = 5;
    CHECK_OK(lora_gguf_add_tensor(w, "v.bf16", 1, ne, LORA_GGML_BF16, v, 0));
    CHECK_ERR(lora_gguf_add_tensor(w, "v.bf16", 1, ne, LORA_GGML_F32, v, 0), LORA_ERR_INVALID_ARG);   /* name twice */
    CHECK_ERR(lora_gguf_add_tensor(w, "blk.0.a_name_of_sixty_four_bytes_is_one_byte_too_long_for_ggml_xx", 1, ne,
                                   LORA_GGML_F32, v, 0), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_gguf_add_tensor(w, "q", 1, ne, LORA_GGML_Q8_0, v, 0), LORA_ERR_UNSUPPORTED);
    CHECK_ERR(lora_gguf_add_tensor(w, "t1", 1, ne, LORA_GGML_F32, v, LORA_GGUF_TRANSPOSE), LORA_ERR_INVALID_ARG);
    m[0] = 99.0f;           /* w.f16 was copied, w.t was not */
    CHECK_OK(lora_gguf_write(w, OUT "rt.gguf"));
    lora_gguf_writer_free(w);
    /* the bytes: little-endian header, general.alignment appended, data at a multiple of 64 */
    bytes = (unsigned char *)test_slurp(OUT "rt.gguf", &n);
    CHECK(bytes && n > 24 && memcmp(bytes, "GGUF", 4) == 0 && le(bytes + 4, 4) == 3 && le(bytes + 8, 8) == 3 &&
          le(bytes + 16, 8) == 9);
    free(bytes);
    CHECK_OK(lora_gguf_open(OUT "rt.gguf", &g));
    if (!g) return;
    CHECK(g->alignment == 64 && g->data_offset % 64 == 0);
    CHECK((kv = lora_gguf_find_kv(g, "general.alignment")) && kv->type == LORA_GGUF_UINT32 && kv->u == 64);
    CHECK((kv = lora_gguf_find_kv(g, "a.u32")) && kv->u == 123456789u);
    CHECK((kv = lora_gguf_find_kv(g, "a.i32")) && kv->i == -5);
    CHECK((kv = lora_gguf_find_kv(g, "a.u64")) && kv->u == (1ull << 40));
    CHECK((kv = lora_gguf_find_kv(g, "a.f32")) && kv->f == 1.5);
    CHECK((kv = lora_gguf_find_kv(g, "a.bool")) && kv->type == LORA_GGUF_BOOL && kv->u == 1);
    CHECK((kv = lora_gguf_find_kv(g, "a.strs")) && kv->n == 3 && strcmp(kv->strs[2], "\xc4\xa0the") == 0 && kv->str_lens[1] == 0);
    CHECK((kv = lora_gguf_find_kv(g, "a.ints")) && kv->n == 3 && ((const int32_t *)kv->arr)[2] == (1 << 30));
    t = lora_gguf_find_tensor(g, "w.t");
    CHECK(t && t->ne[0] == 2 && t->ne[1] == 3 && t->offset == 0);
    CHECK_OK(lora_gguf_tensor_f32(g, t, got, 6));
    /* element (i0, i1) = m[i0 * 3 + i1] (with m[0] = 99 at write time) */
    CHECK(got[0] == 99.0f && got[1] == m[3] && got[2] == m[1] && got[3] == m[4] && got[4] == m[2] && got[5] == m[5]);
    t = lora_gguf_find_tensor(g, "w.f16");
    CHECK(t && t->type == LORA_GGML_F16 && t->offset == 64);
    CHECK_OK(lora_gguf_tensor_f32(g, t, got, 6));
    CHECK(got[0] == 0.5f && got[5] == 3.0f);
    t = lora_gguf_find_tensor(g, "v.bf16");
    CHECK(t && t->type == LORA_GGML_BF16 && t->offset == 128);
    CHECK_OK(lora_gguf_tensor_f32(g, t, got, 5));
    for (i = 0; i < 5; i++) CHECK(got[i] == lora_bf16_to_f32(lora_f32_to_bf16(v[i])));
    lora_gguf_close(g);
}

/* a model's logits on a fixed sequence (caller frees) */
static float *logits_of(lora_model *m, const int32_t *ids, int T, float *loss) {
    const lora_model_info *in = lora_model_get_info(m);
    float *out = NULL;
    if (lora_model_forward(m, ids, ids, 1, T, loss) != LORA_OK) { fprintf(stderr, "%s\n", lora_last_error()); return NULL; }
    out = (float *)malloc(sizeof(float) * (size_t)T * (size_t)in->vocab_size);
    if (out) memcpy(out, lora_model_logits(m), sizeof(float) * (size_t)T * (size_t)in->vocab_size);
    return out;
}

static const int32_t g_ids[16] = {5, 80, 17, 200, 3, 99, 256, 270, 12, 45, 33, 1, 2, 100, 150, 7};

static void test_gguf_py_model(void) {
    const lora_model_family *fams[1];
    lora_model *hf = NULL, *gg = NULL, *q8 = NULL;
    float l_hf = 0, l_gg = 0, l_q8 = 0, *a = NULL, *b = NULL;
    int V;
    fams[0] = gpt2_family();
    CHECK_OK(lora_model_open(fams, 1, FX "gpt2_tiny_hf/model.safetensors", NULL, NULL, 0, NULL, &hf));
    CHECK_OK(lora_model_open(fams, 1, FX "gpt2_tiny.gguf", NULL, NULL, 0, NULL, &gg));
    CHECK_OK(lora_model_open(fams, 1, FX "gpt2_tiny_q8_0.gguf", NULL, NULL, 0, NULL, &q8));
    if (!hf || !gg || !q8) goto done;
    V = lora_model_get_info(hf)->vocab_size;
    CHECK(lora_model_get_info(gg)->vocab_size == V && lora_model_get_info(gg)->n_layer == 2);
    CHECK(gpt2_model_config(gpt2_model_from_base(gg))->n_inner == 96);
    /* llama.cpp's layout read back: the same weights, so the same bits */
    a = logits_of(hf, g_ids, 16, &l_hf);
    b = logits_of(gg, g_ids, 16, &l_gg);
    CHECK(a && b && memcmp(a, b, sizeof(float) * 16 * (size_t)V) == 0);
    /* Q8_0 dequantized: close (llama.cpp c392e509 on this file: 11.772738 stock, 11.770523 exact GELU; the
       F32 file: 11.783837 stock, 11.783369 exact GELU, lora.h 11.783369) */
    free(logits_of(q8, g_ids, 16, &l_q8));
    CHECK_NEAR(l_gg, 11.783369, 2e-5);
    CHECK_NEAR(l_q8, l_gg, 1e-3 * l_gg);
done:
    free(a); free(b);
    lora_model_free(hf); lora_model_free(gg); lora_model_free(q8);
}

static void test_tokenizer_gguf(void) {
    static const char text[] = "the cat and the hat: in it, on it, for all\xe2\x80\x94is this the end?";
    lora_tokenizer *hf = NULL, *gg = NULL, *big = NULL, *back = NULL;
    int32_t *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    lora_gguf_writer *w = NULL;
    lora_gguf *g = NULL;
    const lora_gguf_kv *kv;
    CHECK_OK(lora_tokenizer_load(FX "gpt2_tiny_hf", &hf));
    CHECK_OK(lora_tokenizer_load_gguf(FX "gpt2_tiny.gguf", &gg));
    if (hf && gg) {
        CHECK(lora_tokenizer_vocab_size(hf) == lora_tokenizer_vocab_size(gg) && lora_tokenizer_eos(gg) == lora_tokenizer_eos(hf));
        CHECK_OK(lora_encode(hf, text, sizeof text - 1, 1, &x, &nx));
        CHECK_OK(lora_encode(gg, text, sizeof text - 1, 1, &y, &ny));
        CHECK(nx == ny && nx > 10 && nx < sizeof text - 5 && memcmp(x, y, nx * sizeof *x) == 0);
        lora_free(x); lora_free(y); x = y = NULL;
    }
    CHECK_ERR(lora_tokenizer_load_gguf(FX "types.gguf", &back), LORA_ERR_NOT_FOUND);
    CHECK(strstr(lora_last_error(), "types.gguf: no tokenizer") != NULL);
    /* GPT-2's own 50257 tokens and 50000 merges through GGUF keys and back, padded by 3 */
    CHECK_OK(lora_tokenizer_load("data/gpt2-tokenizer", &big));
    CHECK_OK(lora_gguf_writer_create(&w));
    if (big && w) {
        CHECK_ERR(lora_gguf_set_tokenizer(w, big, "gpt2", "gpt-2", 100), LORA_ERR_SHAPE);
        CHECK_OK(lora_gguf_set_tokenizer(w, big, "gpt2", "gpt-2", 50260));
        CHECK_OK(lora_gguf_write(w, OUT "tok.gguf"));
        CHECK_OK(lora_gguf_open(OUT "tok.gguf", &g));
        if (g) {
            kv = lora_gguf_find_kv(g, "tokenizer.ggml.tokens");
            CHECK(kv && kv->n == 50260 && strcmp(kv->strs[0], "!") == 0 && strcmp(kv->strs[262], "\xc4\xa0the") == 0 &&
                  strcmp(kv->strs[50256], "<|endoftext|>") == 0 && strcmp(kv->strs[50259], "[PAD50259]") == 0);
            kv = lora_gguf_find_kv(g, "tokenizer.ggml.merges");
            CHECK(kv && kv->n == 50000 && strcmp(kv->strs[0], "\xc4\xa0 t") == 0);
            kv = lora_gguf_find_kv(g, "tokenizer.ggml.token_type");
            CHECK(kv && kv->n == 50260 && ((const int32_t *)kv->arr)[0] == 1 && ((const int32_t *)kv->arr)[50256] == 3 &&
                  ((const int32_t *)kv->arr)[50258] == 5);
            kv = lora_gguf_find_kv(g, "tokenizer.ggml.eos_token_id");
            CHECK(kv && kv->u == 50256);
            CHECK_OK(lora_tokenizer_from_gguf(g, &back));
            lora_gguf_close(g);
        }
        if (back) {
            static const char t2[] = "Hello world! \xe4\xb8\x96\xe7\x95\x8c <|endoftext|> it's 2024   ok\n\n";
            CHECK(lora_tokenizer_vocab_size(back) == 50257 && lora_tokenizer_eos(back) == 50256);
            CHECK_OK(lora_encode(big, t2, sizeof t2 - 1, 1, &x, &nx));
            CHECK_OK(lora_encode(back, t2, sizeof t2 - 1, 1, &y, &ny));
            CHECK(nx == ny && memcmp(x, y, nx * sizeof *x) == 0);
            lora_free(x); lora_free(y);
        }
    }
    lora_gguf_writer_free(w);
    lora_tokenizer_free(hf); lora_tokenizer_free(gg); lora_tokenizer_free(big); lora_tokenizer_free(back);
}

static int same_file(const char *a, const char *b) {
    size_t na, nb;
    char *x = test_slurp(a, &na), *y = test_slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    if (!same) fprintf(stderr, "%s (%zu bytes) differs from %s (%zu bytes)\n", a, na, b, nb);
    free(x); free(y);
    return same;
}

/* The GPT-2 export of the gguf-py fixture's weights; goldens of the writer's bytes. The golden
   files were run by llama.cpp c392e509 (tests/llamacpp/llama_loss.c on g_ids):
     golden_gpt2_tiny_f16.gguf                         11.784290574 (exact GELU 11.783497339)
     golden_gpt2_tiny_f16.gguf + golden_adapter.gguf   10.347130720 (exact GELU 10.347210189)
   lora.h reads the F16 file as 11.783433914; its F32 model gives 11.783369 and with the adapter
   the value checked below against llama.cpp's (F16 weights: 2e-3 relative). */
#define LLAMACPP_GOLDEN_BASE 11.784290574
#define LLAMACPP_GOLDEN_ADAPTER 10.347130720
static void test_export(void) {
    const lora_model_family *fams[1];
    lora_model *m = NULL, *back = NULL;
    lora_tokenizer *tok = NULL;
    lora_adapter *ad = NULL, *ad2 = NULL;
    lora_config c = lora_config_init();
    static const char *const targets[3] = {"c_attn", "c_fc", "lm_head"};
    lora_gguf *g = NULL;
    float l_base = 0, l_ad = 0, l_back = 0, *a = NULL, *b = NULL;
    int i;
    int64_t j;
    fams[0] = gpt2_family();
    CHECK_OK(lora_model_open(fams, 1, FX "gpt2_tiny_hf/model.safetensors", NULL, NULL, 0, NULL, &m));
    CHECK_OK(lora_tokenizer_load(FX "gpt2_tiny_hf", &tok));
    if (!m || !tok) goto done;
    c.r = 4; c.alpha = 8; c.use_rslora = 1; c.seed = 7;
    c.target.targets = targets; c.target.n_targets = 3;
    CHECK_OK(lora_model_adapter_create(m, &c, &ad));
    if (!ad) goto done;
    for (i = 0; i < ad->n_modules; i++)
        for (j = 0; j < (int64_t)ad->modules[i].out * ad->modules[i].r; j++) ad->modules[i].B[j] = fx_value(j + i) / 8.0f;
    /* golden bytes: an F16 model and an F32 adapter */
    CHECK_OK(lora_model_save_gguf(m, tok, NULL, OUT "gpt2_tiny_f16.gguf", LORA_GGML_F16));
    CHECK(same_file(OUT "gpt2_tiny_f16.gguf", FX "golden_gpt2_tiny_f16.gguf"));
    CHECK_OK(lora_model_save_adapter_gguf(m, ad, OUT "adapter.gguf", LORA_GGML_F32));
    CHECK(same_file(OUT "adapter.gguf", FX "golden_adapter.gguf"));
    /* lora.h's losses against llama.cpp's on the golden files */
    {
        float l0 = 0, l1 = 0;
        free(logits_of(m, g_ids, 16, &l0));
        CHECK_OK(lora_model_set_adapter(m, ad));
        free(logits_of(m, g_ids, 16, &l1));
        CHECK_OK(lora_model_set_adapter(m, NULL));
        CHECK_NEAR(l0, LLAMACPP_GOLDEN_BASE, 2e-3 * LLAMACPP_GOLDEN_BASE);
        CHECK_NEAR(l1, LLAMACPP_GOLDEN_ADAPTER, 2e-3 * LLAMACPP_GOLDEN_ADAPTER);
        printf("golden files: lora.h %.6f / %.6f, llama.cpp %.6f / %.6f (base / with the adapter)\n", l0, l1,
               LLAMACPP_GOLDEN_BASE, LLAMACPP_GOLDEN_ADAPTER);
    }
    /* the adapter file: llama.cpp's keys, names and shapes; alpha = scaling * r (rsLoRA) */
    CHECK_OK(lora_gguf_open(OUT "adapter.gguf", &g));
    if (g) {
        const char *s = NULL;
        double alpha = 0;
        const lora_gguf_tensor *ta = lora_gguf_find_tensor(g, "blk.1.attn_qkv.weight.lora_a");
        const lora_gguf_tensor *tb = lora_gguf_find_tensor(g, "blk.1.attn_qkv.weight.lora_b");
        const lora_module *md = lora_adapter_find(ad, "transformer.h.1.attn.c_attn");
        CHECK(lora_gguf_get_str(g, "general.type", &s) == LORA_OK && strcmp(s, "adapter") == 0);
        CHECK(lora_gguf_get_str(g, "adapter.type", &s) == LORA_OK && strcmp(s, "lora") == 0);
        CHECK(lora_gguf_get_str(g, "general.architecture", &s) == LORA_OK && strcmp(s, "gpt2") == 0);
        CHECK_OK(lora_gguf_get_float(g, "adapter.lora.alpha", &alpha));
        CHECK_NEAR(alpha, 8.0 * 2.0, 1e-6);   /* alpha / sqrt(4) * 4 */
        CHECK(g->n_tensors == 2 * 5 && lora_gguf_find_tensor(g, "output.weight.lora_b") != NULL);
        CHECK(ta && tb && md && ta->ne[0] == 32 && ta->ne[1] == 4 && tb->ne[0] == 4 && tb->ne[1] == 96);
        if (ta && tb && md) {
            float A[4 * 32], B[96 * 4];
            CHECK_OK(lora_gguf_tensor_f32(g, ta, A, 4 * 32));
            CHECK_OK(lora_gguf_tensor_f32(g, tb, B, 96 * 4));
            CHECK(memcmp(A, md->A, sizeof A) == 0 && memcmp(B, md->B, sizeof B) == 0);
        }
        lora_gguf_close(g);
    }
    /* merged export = the adapted model (targets without lm_head: lora.h's GPT-2 reads a GGUF
       whose output.weight equals token_embd.weight only) */
    c.target.n_targets = 2;
    CHECK_OK(lora_model_adapter_create(m, &c, &ad2));
    if (!ad2) goto done;
    for (i = 0; i < ad2->n_modules; i++)
        for (j = 0; j < (int64_t)ad2->modules[i].out * ad2->modules[i].r; j++) ad2->modules[i].B[j] = fx_value(j + 3 * i) / 8.0f;
    CHECK_OK(lora_model_save_gguf(m, tok, ad2, OUT "merged.gguf", LORA_GGML_F32));
    a = logits_of(m, g_ids, 16, &l_base);
    CHECK_OK(lora_model_set_adapter(m, ad2));
    free(logits_of(m, g_ids, 16, &l_ad));
    CHECK_OK(lora_model_set_adapter(m, NULL));
    CHECK_OK(lora_model_open(fams, 1, OUT "merged.gguf", NULL, NULL, 0, NULL, &back));
    if (back) {
        free(logits_of(back, g_ids, 16, &l_back));
        CHECK(fabs(l_ad - l_base) > 1e-2);             /* the adapter matters */
        CHECK_NEAR(l_back, l_ad, 1e-5 * l_ad);
        lora_model_free(back);
        back = NULL;
    }
    /* the model was not changed by the merged export */
    b = logits_of(m, g_ids, 16, &l_back);
    CHECK(a && b && memcmp(a, b, sizeof(float) * 16 * (size_t)lora_model_get_info(m)->vocab_size) == 0);
    /* lm_head merged: llama.cpp gets its own output.weight; lora.h's tied GPT-2 refuses that file */
    CHECK_OK(lora_model_save_gguf(m, tok, ad, OUT "merged_lm_head.gguf", LORA_GGML_F32));
    CHECK_ERR(lora_model_open(fams, 1, OUT "merged_lm_head.gguf", NULL, NULL, 0, NULL, &back), LORA_ERR_UNSUPPORTED);
    CHECK(strstr(lora_last_error(), "output.weight differs from token_embd.weight") != NULL);
    /* a model file needs a tokenizer; an adapter training biases cannot be a llama.cpp adapter */
    CHECK_ERR(lora_model_save_gguf(m, NULL, NULL, OUT "x.gguf", LORA_GGML_F32), LORA_ERR_INVALID_ARG);
    lora_adapter_free(ad2);
    ad2 = NULL;
    c.bias = LORA_BIAS_LORA_ONLY;
    CHECK_OK(lora_model_adapter_create(m, &c, &ad2));
    CHECK_ERR(lora_model_save_adapter_gguf(m, ad2, OUT "x.gguf", LORA_GGML_F32), LORA_ERR_UNSUPPORTED);
    CHECK(strstr(lora_last_error(), "biases") != NULL);
done:
    free(a); free(b);
    lora_adapter_free(ad); lora_adapter_free(ad2);
    lora_tokenizer_free(tok);
    lora_model_free(m);
}

static void test_permute(void) {
    /* 2 heads of 4 rows, 2 columns: GGUF row order per head is HF rows 0, 2, 1, 3 */
    float w[16], p[16], back[16];
    int i;
    for (i = 0; i < 16; i++) w[i] = (float)i;
    CHECK_OK(lora_gguf_permute_rows(w, p, 8, 2, 2, 0));
    CHECK(p[0] == 0 && p[2] == 4 && p[4] == 2 && p[6] == 6 && p[8] == 8 && p[10] == 12 && p[12] == 10 && p[15] == 15);
    CHECK_OK(lora_gguf_permute_rows(p, back, 8, 2, 2, 1));
    CHECK(memcmp(back, w, sizeof w) == 0);
    CHECK_ERR(lora_gguf_permute_rows(w, p, 6, 2, 2, 0), LORA_ERR_SHAPE);
    CHECK_ERR(lora_gguf_permute_rows(w, w, 8, 2, 2, 0), LORA_ERR_INVALID_ARG);
}

static void test_wrong_architecture(void) {
    const lora_model_family *fams[1];
    lora_model *m = (lora_model *)1;
    gpt2_model *g = (gpt2_model *)1;
    fams[0] = gpt2_family();
    CHECK_ERR(lora_model_open(fams, 1, FX "types.gguf", NULL, NULL, 0, NULL, &m), LORA_ERR_UNSUPPORTED);
    CHECK(m == NULL && strstr(lora_last_error(), "GGUF architecture \"testarch\"") && strstr(lora_last_error(), "known: gpt2"));
    CHECK_ERR(gpt2_model_load(FX "types.gguf", NULL, NULL, &g), LORA_ERR_UNSUPPORTED);
    CHECK(g == NULL && strstr(lora_last_error(), "not \"gpt2\"") != NULL);
    CHECK_ERR(gpt2_model_load(FX "golden_adapter.gguf", NULL, NULL, &g), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "not a model") != NULL);
    CHECK(lora_gguf_probe(FX "types.gguf") && !lora_gguf_probe(FX "gpt2_tiny_hf/model.safetensors") && !lora_gguf_probe(FX));
}

int main(void) {
    test_types_fixture();
    test_writer_roundtrip();
    test_gguf_py_model();
    test_tokenizer_gguf();
    test_export();
    test_permute();
    test_wrong_architecture();
    return TEST_END();
}
