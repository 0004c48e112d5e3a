/* GGUF for the LLaMA family (llama.h): the oracle's tiny llama (biases, one kv head, untied
   head), llama3 (rope_freqs), llamalin (linear rope scaling), mistral (sliding window 5),
   qwen2 (one kv head, biases, tied) and qwen2w (windowed layers) written as llama.cpp's
   llama / qwen2 files and read back: the same logits (bit for bit in F32; the q/k row
   permutation undone exactly), merged adapters (all seven linears and an untied lm_head) equal
   to the adapted model, adapter files with llama.cpp's names and the q/k permutation on lora_b,
   Qwen3 and a tied lm_head's LoRA refused. Tokenizer: a compact byte-level vocabulary of the
   model's size (llama.cpp needs one in the file; its ids are fed directly). Run from the
   repository root. */
#include "lora.h"
#include "llama.h"
#include "test.h"
#include <stdlib.h>

#define FX "tests/fixtures/llama/"
#define OUT "build/gguf_llama_test/"

static float fx_value(long i) { return (float)((i * 37) % 101 - 50) / 16.0f; }

/* n_vocab single-character tokens: "\xc4\x8a" (newline), "\xc4\xa0" (space), then '!', '"', ...: a
   tokenizer.json with a restricted alphabet (the other bytes are dropped, as SmolLM2's are) */
static lora_tokenizer *tiny_tokenizer(int n_vocab) {
    char json[4096];
    size_t n = 0;
    int i;
    lora_tokenizer *tok = NULL;
    n += (size_t)snprintf(json + n, sizeof json - n, "{\"model\":{\"type\":\"BPE\",\"merges\":[],\"vocab\":{\"\xc4\x8a\":0,\"\xc4\xa0\":1");
    for (i = 2; i < n_vocab; i++) {
        int ch = 33 + i - 2;
        if (ch == '"' || ch == '\\') n += (size_t)snprintf(json + n, sizeof json - n, ",\"\\%c\":%d", ch, i);
        else n += (size_t)snprintf(json + n, sizeof json - n, ",\"%c\":%d", ch, i);
    }
    n += (size_t)snprintf(json + n, sizeof json - n, "}},\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false},\"decoder\":{\"type\":\"ByteLevel\"}}");
    if (lora_tokenizer_load_hf_memory(json, n, NULL, 0, &tok) != LORA_OK) {
        fprintf(stderr, "tiny tokenizer: %s\n", lora_last_error());
        return NULL;
    }
    return tok;
}

static int same_file(const char *a, const char *b) {
    size_t na = 0, nb = 0;
    char *x = test_slurp(a, &na), *y = test_slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    if (!same) fprintf(stderr, "%s (%zu bytes) differs from %s (%zu bytes)\n", a, na, b, nb);
    free(x); free(y);
    return same;
}

static lora_model *open_model(const char *path) {
    const lora_model_family *fams[1];
    lora_model *m = NULL;
    fams[0] = llama_family();
    if (lora_model_open(fams, 1, path, NULL, NULL, 0, NULL, &m) != LORA_OK) {
        fprintf(stderr, "%s: %s\n", path, lora_last_error());
        return NULL;
    }
    return m;
}

static float *logits_of(lora_model *m, const int32_t *ids, int T, float *loss) {
    const lora_model_info *in = lora_model_get_info(m);
    float *out = NULL;
    if (lora_model_forward(m, ids, ids, 1, T, loss) != LORA_OK) { fprintf(stderr, "%s\n", lora_last_error()); return NULL; }
    out = (float *)malloc(sizeof(float) * (size_t)T * (size_t)in->vocab_size);
    if (out) memcpy(out, lora_model_logits(m), sizeof(float) * (size_t)T * (size_t)in->vocab_size);
    return out;
}

static double max_rel(const float *a, const float *b, size_t n) {
    double mx = 0, scale = 1e-6;
    size_t i;
    for (i = 0; i < n; i++) if (fabs(a[i]) > scale) scale = fabs(a[i]);
    for (i = 0; i < n; i++) if (fabs(a[i] - b[i]) / scale > mx) mx = fabs(a[i] - b[i]) / scale;
    return mx;
}

/* name: fixture directory; T: sequence length (at most the sliding window: GGUF has no key for it) */
static void check_case(const char *name, const char *arch, int T, int tied) {
    char path[256], out[256], merged[256], adp[256];
    lora_model *m = NULL, *back = NULL;
    lora_tokenizer *tok = NULL;
    lora_adapter *ad = NULL;
    lora_config c = lora_config_init();
    static const char *const all7[7] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    static const char *const with_head[8] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"};
    int32_t ids[16];
    float l0 = 0, l1 = 0, l16 = 0, la = 0, lb = 0, *a = NULL, *b = NULL;
    const lora_model_info *in;
    const llama_config *cf;
    lora_gguf *g = NULL;
    int i, V;
    int64_t j;
    snprintf(path, sizeof path, FX "%s/model/model.safetensors", name);
    snprintf(out, sizeof out, OUT "%s.gguf", name);
    snprintf(merged, sizeof merged, OUT "%s-merged.gguf", name);
    snprintf(adp, sizeof adp, OUT "%s-adapter.gguf", name);
    if (!(m = open_model(path))) { CHECK_MSG(0, "%s: open", name); return; }
    in = lora_model_get_info(m);
    cf = llama_model_config(llama_model_from_base(m));
    V = in->vocab_size;
    CHECK(in->gguf_arch && strcmp(in->gguf_arch, arch) == 0);
    CHECK((tok = tiny_tokenizer(V)) != NULL);
    for (i = 0; i < T; i++) ids[i] = (int32_t)((i * 7 + 3) % V);
    /* base: read back bit for bit */
    CHECK_OK(lora_model_save_gguf(m, tok, NULL, out, LORA_GGML_F32));
    back = open_model(out);
    CHECK_MSG(back != NULL, "%s: reading %s back", name, out);
    if (back) {
        const llama_config *cb = llama_model_config(llama_model_from_base(back));
        CHECK(cb->arch == (cf->arch == LLAMA_ARCH_MISTRAL ? LLAMA_ARCH_LLAMA : cf->arch) && cb->n_kv_head == cf->n_kv_head &&
              cb->head_dim == cf->head_dim && cb->tie_word_embeddings == cf->tie_word_embeddings &&
              cb->rope_type == cf->rope_type && cb->attention_bias == cf->attention_bias);
        a = logits_of(m, ids, T, &l0);
        b = logits_of(back, ids, T, &l1);
        CHECK_MSG(a && b && memcmp(a, b, sizeof(float) * (size_t)T * (size_t)V) == 0, "%s: logits read back differ (max rel %.3g)",
                  name, a && b ? max_rel(a, b, (size_t)T * (size_t)V) : -1.0);
        free(a); free(b); a = b = NULL;
        lora_model_free(back);
        back = NULL;
    }
    /* F16: close */
    CHECK_OK(lora_model_save_gguf(m, tok, NULL, OUT "f16.gguf", LORA_GGML_F16));
    if ((back = open_model(OUT "f16.gguf")) != NULL) {
        free(logits_of(back, ids, T, &l16));
        CHECK_NEAR(l16, l0, 2e-3 * fabs(l0));
        lora_model_free(back);
        back = NULL;
    }
    /* an adapter on all seven linears (and the untied lm_head), B nonzero, rsLoRA */
    c.r = 3; c.alpha = 5; c.use_rslora = 1; c.seed = 11;
    c.target.targets = tied ? all7 : with_head;
    c.target.n_targets = tied ? 7 : 8;
    CHECK_OK(lora_model_adapter_create(m, &c, &ad));
    if (!ad) goto done;
    for (i = 0; i < ad->n_modules; i++)
        for (j = 0; j < (int64_t)ad->modules[i].out * ad->modules[i].r; j++) ad->modules[i].B[j] = fx_value(j + i) / 16.0f;
    CHECK_OK(lora_model_set_adapter(m, ad));
    a = logits_of(m, ids, T, &la);
    CHECK_OK(lora_model_set_adapter(m, NULL));
    CHECK(fabs(la - l0) > 1e-3);
    CHECK_OK(lora_model_save_gguf(m, tok, ad, merged, LORA_GGML_F32));
    if ((back = open_model(merged)) != NULL) {
        b = logits_of(back, ids, T, &lb);
        CHECK_MSG(a && b && max_rel(a, b, (size_t)T * (size_t)V) < 1e-5, "%s: merged logits differ (max rel %.3g)", name,
                  a && b ? max_rel(a, b, (size_t)T * (size_t)V) : -1.0);
        CHECK_NEAR(lb, la, 1e-5 * fabs(la));
        lora_model_free(back);
        back = NULL;
    }
    /* the adapter file: names, shapes, q/k lora_b permuted for "llama" */
    CHECK_OK(lora_model_save_adapter_gguf(m, ad, adp, LORA_GGML_F32));
    CHECK_OK(lora_gguf_open(adp, &g));
    if (g) {
        const char *s = NULL;
        const lora_module *q = lora_adapter_find(ad, "model.layers.1.self_attn.q_proj");
        const lora_module *k = lora_adapter_find(ad, "model.layers.1.self_attn.k_proj");
        const lora_gguf_tensor *tq = lora_gguf_find_tensor(g, "blk.1.attn_q.weight.lora_b");
        const lora_gguf_tensor *tk = lora_gguf_find_tensor(g, "blk.1.attn_k.weight.lora_b");
        CHECK(lora_gguf_get_str(g, "general.architecture", &s) == LORA_OK && strcmp(s, arch) == 0);
        CHECK(g->n_tensors == (size_t)(2 * ad->n_modules));
        CHECK(lora_gguf_find_tensor(g, "blk.0.ffn_down.weight.lora_a") != NULL);
        CHECK((lora_gguf_find_tensor(g, "output.weight.lora_b") != NULL) == !tied);
        CHECK(q && k && tq && tk && tq->ne[0] == q->r && tq->ne[1] == q->out && tk->ne[1] == k->out);
        if (q && k && tq && tk) {
            float *got = (float *)malloc(sizeof(float) * (size_t)q->out * (size_t)q->r);
            float *want = (float *)malloc(sizeof(float) * (size_t)q->out * (size_t)q->r);
            int perm = strcmp(arch, "llama") == 0;
            if (got && want) {
                CHECK_OK(lora_gguf_tensor_f32(g, tq, got, (int64_t)q->out * q->r));
                if (perm) CHECK_OK(lora_gguf_permute_rows(q->B, want, q->out, q->r, cf->n_head, 0));
                else memcpy(want, q->B, sizeof(float) * (size_t)q->out * (size_t)q->r);
                CHECK(memcmp(got, want, sizeof(float) * (size_t)q->out * (size_t)q->r) == 0);
                CHECK_OK(lora_gguf_tensor_f32(g, tk, got, (int64_t)k->out * k->r));
                if (perm) CHECK_OK(lora_gguf_permute_rows(k->B, want, k->out, k->r, cf->n_kv_head, 0));
                else memcpy(want, k->B, sizeof(float) * (size_t)k->out * (size_t)k->r);
                CHECK(memcmp(got, want, sizeof(float) * (size_t)k->out * (size_t)k->r) == 0);
            }
            free(got); free(want);
        }
        lora_gguf_close(g);
    }
    printf("%-8s %-5s base %.6f, read back %.6f (F16 %.6f); adapter %.6f, merged GGUF %.6f\n", name, arch, l0, l1, l16, la, lb);
done:
    free(a); free(b);
    lora_adapter_free(ad);
    lora_tokenizer_free(tok);
    lora_model_free(m);
}

static void check_refusals(void) {
    lora_model *m = open_model(FX "qwen3/model/model.safetensors"), *t = open_model(FX "qwen2/model/model.safetensors");
    lora_tokenizer *tok = tiny_tokenizer(61);
    lora_adapter *ad = NULL;
    lora_config c = lora_config_init();
    static const char *const head[1] = {"lm_head"};
    if (m && tok) {
        CHECK_ERR(lora_model_save_gguf(m, tok, NULL, OUT "qwen3.gguf", LORA_GGML_F32), LORA_ERR_UNSUPPORTED);
        CHECK(strstr(lora_last_error(), "Qwen3") != NULL);
    }
    /* a LoRA on a tied lm_head: llama.cpp cannot apply it */
    c.target.targets = head; c.target.n_targets = 1;
    if (t && lora_model_adapter_create(t, &c, &ad) == LORA_OK) {
        CHECK_ERR(lora_model_save_adapter_gguf(t, ad, OUT "x.gguf", LORA_GGML_F32), LORA_ERR_UNSUPPORTED);
        CHECK(strstr(lora_last_error(), "tied") != NULL);
    } else CHECK_MSG(0, "lm_head adapter on qwen2");
    lora_adapter_free(ad);
    lora_tokenizer_free(tok);
    lora_model_free(m);
    lora_model_free(t);
}

/* Hugging Face tokenizers (the compact Llama 3 and Qwen3 fixtures) through GGUF keys and back:
   tokenizer.ggml.pre names the split, added tokens are control / user-defined, the same ids */
static void check_hf_tokenizer(const char *dir, const char *pre) {
    lora_tokenizer *tok = NULL, *back = NULL;
    lora_gguf_writer *w = NULL;
    lora_gguf *g = NULL;
    char *text;
    size_t n = 0, nx = 0, ny = 0;
    int32_t *x = NULL, *y = NULL;
    const char *s = NULL;
    CHECK_OK(lora_tokenizer_load(dir, &tok));
    text = test_slurp("tests/fixtures/tokenizer/hf/corpus.txt", &n);
    CHECK(text != NULL);
    CHECK_OK(lora_gguf_writer_create(&w));
    if (!tok || !w || !text) goto done;
    CHECK_OK(lora_gguf_set_tokenizer(w, tok, "gpt2", NULL, lora_tokenizer_vocab_size(tok)));
    CHECK_OK(lora_gguf_write(w, OUT "hf_tok.gguf"));
    CHECK_OK(lora_gguf_open(OUT "hf_tok.gguf", &g));
    if (!g) goto done;
    CHECK(lora_gguf_get_str(g, "tokenizer.ggml.pre", &s) == LORA_OK && strcmp(s, pre) == 0);
    {   /* Llama 3 puts <|begin_of_text|> first (add_bos_token); Qwen has no bos */
        const lora_gguf_kv *ab = lora_gguf_find_kv(g, "tokenizer.ggml.add_bos_token");
        if (strcmp(pre, "llama-bpe") == 0) CHECK(ab && ab->u == 1 && lora_tokenizer_bos(tok) == 128000);
        else CHECK(!ab && lora_tokenizer_bos(tok) < 0);
    }
    {
        const lora_gguf_kv *ty = lora_gguf_find_kv(g, "tokenizer.ggml.token_type");
        int32_t eos = lora_tokenizer_eos(tok);
        CHECK(ty && ty->n == (uint64_t)lora_tokenizer_vocab_size(tok) && eos >= 0 && ((const int32_t *)ty->arr)[eos] == 3);
    }
    CHECK_OK(lora_tokenizer_from_gguf(g, &back));
    if (back) {
        static const char chat[] = "<|im_start|>user\nHi <|begin_of_text|>there<|end_of_text|><|im_end|>\n";
        CHECK(lora_tokenizer_vocab_size(back) == lora_tokenizer_vocab_size(tok));
        CHECK(lora_tokenizer_eos(back) == lora_tokenizer_eos(tok) && lora_tokenizer_bos(back) == lora_tokenizer_bos(tok));
        CHECK_OK(lora_encode(tok, text, n, 1, &x, &nx));
        CHECK_OK(lora_encode(back, text, n, 1, &y, &ny));
        CHECK_MSG(nx == ny && nx > 100 && memcmp(x, y, nx * sizeof *x) == 0, "%s: %zu ids vs %zu read back", dir, nx, ny);
        lora_free(x); lora_free(y); x = y = NULL;
        CHECK_OK(lora_encode(tok, chat, sizeof chat - 1, 1, &x, &nx));
        CHECK_OK(lora_encode(back, chat, sizeof chat - 1, 1, &y, &ny));
        CHECK(nx == ny && memcmp(x, y, nx * sizeof *x) == 0);
        lora_free(x); lora_free(y); x = y = NULL;
    }
done:
    lora_gguf_close(g);
    lora_gguf_writer_free(w);
    lora_tokenizer_free(tok);
    lora_tokenizer_free(back);
    free(text);
}

/* gguf-py's files (tests/fixtures/gguf/make_llama_fixtures.py: convert_hf_to_gguf.py's names, keys,
   LlamaModel.permute and rope_freqs) of the oracle's llama, llama3 and qwen2: read as the same
   model (the same logits bit for bit), and every tensor of them equals the one lora.h writes */
static void check_gguf_py(const char *fixture, const char *name) {
    char path[256], ours[256];
    lora_model *hf = NULL, *gg = NULL;
    lora_tokenizer *tok = NULL, *ftok = NULL;
    lora_gguf *a = NULL, *b = NULL;
    float l0 = 0, l1 = 0, *x = NULL, *y = NULL;
    int32_t ids[12];
    int i, V;
    size_t k;
    snprintf(path, sizeof path, FX "%s/model/model.safetensors", name);
    snprintf(ours, sizeof ours, OUT "ours-%s.gguf", name);
    hf = open_model(path);
    gg = open_model(fixture);
    CHECK_MSG(hf && gg, "%s / %s", path, fixture);
    if (!hf || !gg) goto done;
    V = lora_model_get_info(hf)->vocab_size;
    CHECK(lora_model_get_info(gg)->vocab_size == V);
    for (i = 0; i < 12; i++) ids[i] = (int32_t)((i * 5 + 1) % V);
    x = logits_of(hf, ids, 12, &l0);
    y = logits_of(gg, ids, 12, &l1);
    if (strcmp(name, "llama3") != 0)
        CHECK_MSG(x && y && memcmp(x, y, sizeof(float) * 12 * (size_t)V) == 0, "%s: logits differ", fixture);
    else {
        /* convert_hf_to_gguf.py (c392e509) takes original_max_position_embeddings from the top level of
           config.json (default 8192), not from rope_scaling (32 here): its rope_freqs are those of 8192
           (the same for every Llama 3.x, whose value is 8192). lora.h reads that file as the model it
           describes: the llama3 parameters that reproduce its factors. */
        const llama_config *c = llama_model_config(llama_model_from_base(gg));
        CHECK(c->rope_type == LLAMA_ROPE_LLAMA3 && c->rope_original_max_position == 8192);
        CHECK(x && y && l1 == l1 && fabs(l1 - l0) < 0.05 * fabs(l0));
    }
    /* the tokenizer in the file (a restricted alphabet, pre-tokenizer from tokenizer.ggml.pre) */
    CHECK_OK(lora_tokenizer_load_gguf(fixture, &ftok));
    if (ftok) {
        int32_t *t = NULL;
        size_t nt = 0;
        CHECK_OK(lora_encode(ftok, "!#\n $!\"", 7, 0, &t, &nt));
        CHECK(nt == 6 && t && t[0] == 2 && t[1] == 4 && t[2] == 0 && t[3] == 1 && t[4] == 5 && t[5] == V - 1);
        lora_free(t);
    }
    /* lora.h's file: the same tensors, bit for bit (Qwen3: not written) */
    if (strcmp(name, "qwen3") == 0) goto done;
    CHECK((tok = tiny_tokenizer(V)) != NULL);
    if (tok) CHECK_OK(lora_model_save_gguf(hf, tok, NULL, ours, LORA_GGML_F32));
    CHECK_OK(lora_gguf_open(fixture, &a));
    CHECK_OK(lora_gguf_open(ours, &b));
    if (a && b) {
        CHECK_MSG(a->n_tensors == b->n_tensors, "%s: %zu tensors, lora.h wrote %zu", fixture, a->n_tensors, b->n_tensors);
        for (k = 0; k < a->n_tensors; k++) {
            const lora_gguf_tensor *ta = &a->tensors[k], *tb = lora_gguf_find_tensor(b, ta->name);
            if (strcmp(ta->name, "rope_freqs.weight") == 0) { CHECK(tb && tb->numel == ta->numel); continue; }  /* see above */
            CHECK_MSG(tb && tb->type == ta->type && tb->numel == ta->numel && tb->ne[0] == ta->ne[0] && tb->ne[1] == ta->ne[1] &&
                      memcmp(ta->data, tb->data, (size_t)ta->nbytes) == 0, "%s: tensor %s differs", fixture, ta->name);
        }
    }
done:
    lora_gguf_close(a); lora_gguf_close(b);
    free(x); free(y);
    lora_tokenizer_free(tok); lora_tokenizer_free(ftok);
    lora_model_free(hf); lora_model_free(gg);
}

/* src's keys and tensors into dst, without tensor / key drop, with key int_key = int_val (u32) instead of its value,
   plus tensor extra (a copy of token_embd's first row) when not NULL */
static int rewrite(const char *src, const char *dst, const char *drop, const char *int_key, uint32_t int_val, const char *extra) {
    lora_gguf *g = NULL;
    lora_gguf_writer *w = NULL;
    size_t i;
    int ok = 1;
    if (lora_gguf_open(src, &g) != LORA_OK || lora_gguf_writer_create(&w) != LORA_OK) { lora_gguf_close(g); return 0; }
    for (i = 0; i < g->n_kv && ok; i++) {
        const lora_gguf_kv *kv = &g->kv[i];
        if (drop && strcmp(kv->key, drop) == 0) continue;
        if (int_key && strcmp(kv->key, int_key) == 0) ok = lora_gguf_set_u32(w, kv->key, int_val) == LORA_OK;
        else if (kv->type == LORA_GGUF_STRING) ok = lora_gguf_set_str(w, kv->key, kv->str) == LORA_OK;
        else if (kv->type == LORA_GGUF_ARRAY && kv->elem_type == LORA_GGUF_STRING)
            ok = lora_gguf_set_str_array(w, kv->key, (const char *const *)kv->strs, kv->str_lens, (size_t)kv->n) == LORA_OK;
        else if (kv->type == LORA_GGUF_ARRAY) ok = lora_gguf_set_array(w, kv->key, kv->elem_type, kv->arr, (size_t)kv->n) == LORA_OK;
        else if (kv->type == LORA_GGUF_FLOAT32) ok = lora_gguf_set_f32(w, kv->key, (float)kv->f) == LORA_OK;
        else if (kv->type == LORA_GGUF_BOOL) ok = lora_gguf_set_bool(w, kv->key, (int)kv->u) == LORA_OK;
        else ok = lora_gguf_set_u32(w, kv->key, (uint32_t)kv->u) == LORA_OK;
    }
    for (i = 0; i < g->n_tensors && ok; i++) {
        const lora_gguf_tensor *t = &g->tensors[i];
        float *d;
        if (drop && strcmp(t->name, drop) == 0) continue;
        d = (float *)malloc(sizeof(float) * (size_t)t->numel);
        ok = d && lora_gguf_tensor_f32(g, t, d, t->numel) == LORA_OK &&
             lora_gguf_add_tensor(w, t->name, t->n_dims, t->ne, LORA_GGML_F32, d, LORA_GGUF_COPY) == LORA_OK;
        if (ok && extra && i == 0) ok = lora_gguf_add_tensor(w, extra, 1, t->ne, LORA_GGML_F32, d, LORA_GGUF_COPY) == LORA_OK;
        free(d);
    }
    if (ok) ok = lora_gguf_write(w, dst) == LORA_OK;
    lora_gguf_writer_free(w);
    lora_gguf_close(g);
    return ok;
}

/* files that are not the model they claim to be: errors name the file and the item */
static void check_bad_files(void) {
    static const struct { const char *drop, *int_key; uint32_t val; const char *extra; lora_status want; const char *msg; } cases[] = {
        {"blk.1.attn_k.weight", NULL, 0, NULL, LORA_ERR_NOT_FOUND, "tensor 'blk.1.attn_k.weight' not found"},
        {NULL, NULL, 0, "blk.0.attn_q.weight.lora_a", LORA_ERR_FORMAT, "unexpected tensor 'blk.0.attn_q.weight.lora_a'"},
        {NULL, NULL, 0, "blk.7.attn_norm.weight", LORA_ERR_FORMAT, "unexpected tensor 'blk.7.attn_norm.weight'"},
        {"llama.block_count", NULL, 0, NULL, LORA_ERR_NOT_FOUND, "key 'llama.block_count' is missing"},
        {NULL, "llama.attention.head_count_kv", 3, NULL, LORA_ERR_SHAPE, "tensor 'blk.0.attn_k.weight': expected ne (30, 30)"},
        {NULL, "llama.attention.head_count_kv", 2, NULL, LORA_ERR_FORMAT, "num_attention_heads 3 is not divisible by num_key_value_heads 2"},
        {NULL, "llama.attention.head_count", 0, NULL, LORA_ERR_FORMAT, "'llama.attention.head_count' = 0 is out of range"},
        {NULL, "llama.embedding_length", 31, NULL, LORA_ERR_FORMAT, "token_embd.weight is missing or not (31, vocab)"},
        {NULL, "llama.rope.dimension_count", 4, NULL, LORA_ERR_UNSUPPORTED, "partial rotary"},
    };
    const lora_model_family *fams[1];
    size_t i;
    lora_model *m = (lora_model *)1;
    llama_model *lm = (llama_model *)1;
    fams[0] = llama_family();
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_MSG(rewrite("tests/fixtures/gguf/llama_tiny.gguf", OUT "bad.gguf", cases[i].drop, cases[i].int_key, cases[i].val,
                          cases[i].extra), "case %zu: rewrite", i);
        m = (lora_model *)1;
        CHECK_ERR(lora_model_open(fams, 1, OUT "bad.gguf", NULL, NULL, 0, NULL, &m), cases[i].want);
        CHECK_MSG(m == NULL && strstr(lora_last_error(), cases[i].msg) && strstr(lora_last_error(), "bad.gguf"), "case %zu: %s",
                  i, lora_last_error());
    }
    /* another architecture, an adapter file */
    CHECK_ERR(llama_model_load("tests/fixtures/gguf/gpt2_tiny.gguf", NULL, NULL, &lm), LORA_ERR_UNSUPPORTED);
    CHECK(lm == NULL && strstr(lora_last_error(), "\"gpt2\", not llama, qwen2 or qwen3"));
    CHECK_ERR(llama_model_load(OUT "llama-adapter.gguf", NULL, NULL, &lm), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "not a model") != NULL);
    /* a GGUF tokenizer whose pre-tokenizer has no implementation here */
    {
        lora_gguf_writer *w = NULL;
        lora_tokenizer *t = (lora_tokenizer *)1;
        lora_gguf *g = NULL;
        CHECK_OK(lora_gguf_writer_create(&w));
        if (w) {
            CHECK_OK(lora_gguf_set_str(w, "tokenizer.ggml.model", "gpt2"));
            CHECK_OK(lora_gguf_set_str(w, "tokenizer.ggml.pre", "deepseek-llm"));
            CHECK_OK(lora_gguf_set_str_array(w, "tokenizer.ggml.tokens", (const char *const[]){"a", "b"}, NULL, 2));
            CHECK_OK(lora_gguf_write(w, OUT "badtok.gguf"));
            lora_gguf_writer_free(w);
        }
        CHECK_OK(lora_gguf_open(OUT "badtok.gguf", &g));
        if (g) {
            CHECK_ERR(lora_tokenizer_from_gguf(g, &t), LORA_ERR_UNSUPPORTED);
            CHECK(t == NULL && strstr(lora_last_error(), "\"deepseek-llm\"") != NULL);
            lora_gguf_close(g);
        }
    }
}

/* Golden bytes of the writer: the oracle's tiny llama (untied, biases, one kv head) as an F16 model
   and an adapter on all seven linears + lm_head (r 3, alpha 5, rsLoRA, F32). llama.cpp c392e509 on
   them (tests/llamacpp/llama_loss.c, the ids of g_golden_ids):
     golden_llama_tiny_f16.gguf                               4.167054903 (lora.h on the F32 model: 4.167043686)
     golden_llama_tiny_f16.gguf + golden_llama_adapter.gguf   4.443896822 (lora.h: 4.443933010) */
#define LLAMACPP_GOLDEN_LLAMA 4.167054903
#define LLAMACPP_GOLDEN_LLAMA_ADAPTER 4.443896822
static const int32_t g_golden_ids[16] = {3, 9, 1, 17, 40, 2, 11, 5, 29, 8, 13, 0, 21, 6, 33, 4};
static void check_golden(void) {
    lora_model *m = open_model(FX "llama/model/model.safetensors");
    lora_tokenizer *tok = m ? tiny_tokenizer(lora_model_get_info(m)->vocab_size) : NULL;
    lora_adapter *ad = NULL;
    lora_config c = lora_config_init();
    static const char *const targets[8] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"};
    float l0 = 0, l1 = 0;
    int i;
    int64_t j;
    FILE *f;
    CHECK(m && tok);
    if (!m || !tok) goto done;
    c.r = 3; c.alpha = 5; c.use_rslora = 1; c.seed = 11;
    c.target.targets = targets; c.target.n_targets = 8;
    CHECK_OK(lora_model_adapter_create(m, &c, &ad));
    if (!ad) goto done;
    for (i = 0; i < ad->n_modules; i++)
        for (j = 0; j < (int64_t)ad->modules[i].out * ad->modules[i].r; j++) ad->modules[i].B[j] = fx_value(j + i) / 16.0f;
    CHECK_OK(lora_model_save_gguf(m, tok, NULL, OUT "golden_llama_tiny_f16.gguf", LORA_GGML_F16));
    CHECK_OK(lora_model_save_adapter_gguf(m, ad, OUT "golden_llama_adapter.gguf", LORA_GGML_F32));
    CHECK(same_file(OUT "golden_llama_tiny_f16.gguf", "tests/fixtures/gguf/golden_llama_tiny_f16.gguf"));
    CHECK(same_file(OUT "golden_llama_adapter.gguf", "tests/fixtures/gguf/golden_llama_adapter.gguf"));
    free(logits_of(m, g_golden_ids, 16, &l0));
    CHECK_OK(lora_model_set_adapter(m, ad));
    free(logits_of(m, g_golden_ids, 16, &l1));
    CHECK_OK(lora_model_set_adapter(m, NULL));
    CHECK_NEAR(l0, LLAMACPP_GOLDEN_LLAMA, 2e-3 * LLAMACPP_GOLDEN_LLAMA);
    CHECK_NEAR(l1, LLAMACPP_GOLDEN_LLAMA_ADAPTER, 2e-3 * LLAMACPP_GOLDEN_LLAMA_ADAPTER);
    printf("golden llama files: lora.h %.9f / %.9f, llama.cpp %.9f / %.9f (base / with the adapter)\n", l0, l1,
           LLAMACPP_GOLDEN_LLAMA, LLAMACPP_GOLDEN_LLAMA_ADAPTER);
    if ((f = fopen(OUT "golden_ids.txt", "w")) != NULL) {
        for (i = 0; i < 16; i++) fprintf(f, "%d ", (int)g_golden_ids[i]);
        fclose(f);
    }
done:
    lora_adapter_free(ad);
    lora_tokenizer_free(tok);
    lora_model_free(m);
}

/* an adapter training the biases too (bias "all"): the merged file carries them (q/k biases permuted
   for "llama") and reads back as the adapted model; llama.cpp's adapter format cannot carry them */
static void check_bias_merge(const char *name) {
    char path[256];
    lora_model *m, *back = NULL;
    lora_tokenizer *tok = NULL;
    lora_adapter *ad = NULL;
    lora_config c = lora_config_init();
    static const char *const t2[2] = {"q_proj", "k_proj"};
    int32_t ids[12];
    float la = 0, lb = 0, *a = NULL, *b = NULL;
    int i, j, V;
    snprintf(path, sizeof path, FX "%s/model/model.safetensors", name);
    if (!(m = open_model(path))) { CHECK_MSG(0, "%s", path); return; }
    V = lora_model_get_info(m)->vocab_size;
    for (i = 0; i < 12; i++) ids[i] = (int32_t)((i * 11 + 2) % V);
    c.r = 2; c.alpha = 4; c.seed = 3; c.bias = LORA_BIAS_ALL;
    c.target.targets = t2; c.target.n_targets = 2;
    CHECK_OK(lora_model_adapter_create(m, &c, &ad));
    CHECK((tok = tiny_tokenizer(V)) != NULL);
    if (!ad || !tok) goto done;
    CHECK(ad->n_biases > 0);
    for (i = 0; i < ad->n_biases; i++)
        for (j = 0; j < ad->biases[i].n; j++) ad->biases[i].value[j] = fx_value(j + 3 * i) / 4.0f;
    for (i = 0; i < ad->n_modules; i++)
        for (j = 0; j < ad->modules[i].out * ad->modules[i].r; j++) ad->modules[i].B[j] = fx_value(j + i) / 16.0f;
    CHECK_OK(lora_model_set_adapter(m, ad));
    a = logits_of(m, ids, 12, &la);
    CHECK_OK(lora_model_set_adapter(m, NULL));
    CHECK_OK(lora_model_save_gguf(m, tok, ad, OUT "bias_merged.gguf", LORA_GGML_F32));
    if ((back = open_model(OUT "bias_merged.gguf")) != NULL) {
        b = logits_of(back, ids, 12, &lb);
        CHECK_MSG(a && b && max_rel(a, b, 12 * (size_t)V) < 1e-5, "%s: bias-merged logits differ (max rel %.3g)", name,
                  a && b ? max_rel(a, b, 12 * (size_t)V) : -1.0);
    }
    CHECK_ERR(lora_model_save_adapter_gguf(m, ad, OUT "x.gguf", LORA_GGML_F32), LORA_ERR_UNSUPPORTED);
done:
    free(a); free(b);
    lora_model_free(back);
    lora_adapter_free(ad);
    lora_tokenizer_free(tok);
    lora_model_free(m);
}

int main(void) {
    CHECK_OK(lora_ensure_dir(OUT));
    check_case("llama", "llama", 16, 0);
    check_case("llama3", "llama", 16, 1);
    check_case("llamalin", "llama", 16, 1);
    check_case("mistral", "llama", 5, 0);
    check_case("qwen2", "qwen2", 16, 1);
    check_case("qwen2w", "qwen2", 4, 1);
    check_refusals();
    check_gguf_py("tests/fixtures/gguf/llama_tiny.gguf", "llama");
    check_gguf_py("tests/fixtures/gguf/llama3_tiny.gguf", "llama3");
    check_gguf_py("tests/fixtures/gguf/qwen2_tiny.gguf", "qwen2");
    check_gguf_py("tests/fixtures/gguf/qwen3_tiny.gguf", "qwen3");
    check_bad_files();
    check_golden();
    check_bias_merge("llama");
    check_bias_merge("qwen2");
    check_hf_tokenizer("tests/fixtures/tokenizer/hf/llama3", "llama-bpe");
    check_hf_tokenizer("tests/fixtures/tokenizer/hf/qwen3", "qwen2");
    return TEST_END();
}
