/* llama.h's files: sharded checkpoints (model.safetensors.index.json), F16 / BF16 weights, keys
   without "model.", rotary buffers, a tied lm_head written out; config.json fields read as
   Hugging Face does (eos lists, rope_parameters, layer_types, defaults) and everything that
   would change the math without being implemented refused with a message naming the file and
   the key; missing, extra and mis-shaped tensors named. Uses the oracle's qwen3 / llama fixtures. */
#include "lora.h"
#include "llama.h"
#include "test.h"
#include <stdlib.h>

#define FX "tests/fixtures/llama/"
#define OUT "build/test_llama_io.d/"

static lora_model *open_path(const char *path, const char *config) {
    const lora_model_family *fams[1];
    lora_model *m = NULL;
    fams[0] = llama_family();
    if (lora_model_open(fams, 1, path, config, NULL, 0, NULL, &m) != LORA_OK) return NULL;
    return m;
}
static lora_status open_status(const char *path, const char *config) {
    const lora_model_family *fams[1];
    lora_model *m = NULL;
    lora_status s;
    fams[0] = llama_family();
    s = lora_model_open(fams, 1, path, config, NULL, 0, NULL, &m);
    lora_model_free(m);
    return s;
}
static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (f) { fputs(text, f); fclose(f); }
}
/* the fixture's config.json with one "key": value line added (or replaced) */
static void config_with(const char *dst, const char *key, const char *value) {
    size_t len = 0;
    char *text = test_slurp(FX "qwen3/model/config.json", &len), *out = (char *)malloc(len + 512), *p;
    char pat[96];
    snprintf(pat, sizeof pat, "\n  \"%s\":", key);
    if ((p = strstr(text, pat)) != NULL) {
        char *eol = strchr(p + 1, '\n');
        size_t head = (size_t)(p - text);
        memcpy(out, text, head);
        sprintf(out + head, "\n  \"%s\": %s,%s", key, value, eol);
        /* the last field has no comma: keep JSON valid by removing ",\n}" */
        if ((p = strstr(out, ",\n}")) != NULL) memmove(p, p + 1, strlen(p + 1) + 1);
    } else sprintf(out, "{\n  \"%s\": %s,%s", key, value, text + 1);
    write_text(dst, out);
    free(text); free(out);
}

/* rewrites the fixture's weights: dtype, key prefix, into nshards files with an index */
static void rewrite(const char *dir, lora_dtype dt, int strip_model, int nshards, int extra) {
    lora_safetensors *st = NULL;
    lora_st_entry *e;
    size_t i, n;
    void **bufs;
    char path[256], name[64];
    const char *mk = "format", *mv = "pt";
    lora_buf idx;
    CHECK_OK(lora_st_open(FX "qwen3/model/model.safetensors", &st));
    if (!st) return;
    CHECK_OK(lora_ensure_dir(dir));
    n = st->n_tensors;
    e = (lora_st_entry *)calloc(n + 1, sizeof *e);
    bufs = (void **)calloc(n + 1, sizeof *bufs);
    for (i = 0; i < n; i++) {
        const lora_st_tensor *t = &st->tensors[i];
        float *f = (float *)malloc(sizeof(float) * (size_t)t->numel);
        int64_t k;
        lora_st_read_f32(st, t, f, t->numel);
        e[i].name = strip_model && strncmp(t->name, "model.", 6) == 0 ? t->name + 6 : t->name;
        e[i].dtype = dt; e[i].ndim = t->ndim; e[i].shape[0] = t->shape[0]; e[i].shape[1] = t->shape[1];
        if (dt == LORA_DT_F32) bufs[i] = f;
        else {
            uint16_t *h = (uint16_t *)malloc(2 * (size_t)t->numel);
            for (k = 0; k < t->numel; k++) h[k] = dt == LORA_DT_BF16 ? lora_f32_to_bf16(f[k]) : lora_f32_to_f16(f[k]);
            free(f);
            bufs[i] = h;
        }
        e[i].data = bufs[i];
    }
    if (extra) { /* a rotary buffer the loader ignores */
        static float inv[6] = {1, 0.5f, 0.25f, 0.125f, 0.0625f, 0.03125f};
        e[n].name = "model.layers.0.self_attn.rotary_emb.inv_freq"; e[n].dtype = LORA_DT_F32; e[n].ndim = 1; e[n].shape[0] = 6;
        e[n].data = inv; n++;
    }
    memset(&idx, 0, sizeof idx);
    lora_buf_puts(&idx, "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
    if (nshards <= 1) {
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        CHECK_OK(lora_st_write(path, e, n, &mk, &mv, 1));
    } else {
        size_t per = (n + (size_t)nshards - 1) / (size_t)nshards, s0;
        int sh = 0;
        for (s0 = 0; s0 < n; s0 += per, sh++) {
            size_t cnt = n - s0 < per ? n - s0 : per;
            snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", sh + 1, nshards);
            snprintf(path, sizeof path, "%s/%s", dir, name);
            CHECK_OK(lora_st_write(path, e + s0, cnt, &mk, &mv, 1));
            for (i = s0; i < s0 + cnt; i++) lora_buf_printf(&idx, "%s\"%s\": \"%s\"", i ? ", " : "", e[i].name, name);
        }
        lora_buf_puts(&idx, "}}\n");
        snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
        write_text(path, idx.data);
    }
    lora_buf_free(&idx);
    {
        size_t len = 0;
        char *cfg = test_slurp(FX "qwen3/model/config.json", &len);
        snprintf(path, sizeof path, "%s/config.json", dir);
        write_text(path, cfg);
        free(cfg);
    }
    for (i = 0; i < st->n_tensors; i++) free(bufs[i]);
    free(bufs); free(e);
    lora_st_close(st);
}

static double max_weight_diff(lora_model *a, lora_model *b) {
    llama_model *x = llama_model_from_base(a), *y = llama_model_from_base(b);
    double worst = 0;
    int i;
    for (i = 0; i < llama_model_num_tensors(x); i++) {
        int64_t sh[2];
        float *p, *q;
        llama_model_tensor(x, i, NULL, sh, &p);
        llama_model_tensor(y, i, NULL, NULL, &q);
        if (test_max_abs_diff(p, q, (long)(sh[0] * sh[1])) > worst) worst = test_max_abs_diff(p, q, (long)(sh[0] * sh[1]));
    }
    return worst;
}

static void test_layouts(void) {
    lora_model *ref = open_path(FX "qwen3/model", NULL), *m;
    CHECK(ref != NULL);
    if (!ref) return;
    rewrite(OUT "sharded", LORA_DT_F32, 0, 3, 1);
    m = open_path(OUT "sharded", NULL);                       /* directory with only the index */
    CHECK(m != NULL);
    if (m) { CHECK(max_weight_diff(ref, m) == 0); lora_model_free(m); }
    m = open_path(OUT "sharded/model.safetensors.index.json", NULL);
    CHECK(m != NULL);
    if (m) { CHECK(strcmp(lora_model_get_info(m)->name_or_path, OUT "sharded") == 0); lora_model_free(m); }
    rewrite(OUT "bf16", LORA_DT_BF16, 1, 1, 0);                /* BF16, keys without "model." */
    m = open_path(OUT "bf16", NULL);
    CHECK(m != NULL);
    if (m) { double e = max_weight_diff(ref, m); CHECK_MSG(e > 0 && e < 1e-3, "bf16 weights differ by %g", e); lora_model_free(m); }
    rewrite(OUT "f16", LORA_DT_F16, 0, 2, 0);
    m = open_path(OUT "f16", NULL);
    CHECK(m != NULL);
    if (m) { double e = max_weight_diff(ref, m); CHECK_MSG(e > 0 && e < 1e-4, "f16 weights differ by %g", e); lora_model_free(m); }
    lora_model_free(ref);
}

static void expect_refused(const char *key, const char *value, lora_status code, const char *words) {
    config_with(OUT "cfg/config.json", key, value);
    CHECK_ERR(open_status(FX "qwen3/model/model.safetensors", OUT "cfg/config.json"), code);
    CHECK_MSG(strstr(lora_last_error(), words) != NULL &&
              strstr(lora_last_error(), code == LORA_ERR_SHAPE || code == LORA_ERR_NOT_FOUND || strcmp(key, "tie_word_embeddings") == 0
                     ? "model.safetensors" : "config.json") != NULL,
              "%s = %s: message '%s' lacks '%s'", key, value, lora_last_error(), words);
}

static void test_config(void) {
    llama_config c;
    lora_model *m;
    CHECK_OK(lora_ensure_dir(OUT "cfg"));
    /* refused: math this header does not implement */
    expect_refused("hidden_act", "\"gelu\"", LORA_ERR_UNSUPPORTED, "hidden_act");
    expect_refused("rope_scaling", "{\"rope_type\": \"yarn\", \"factor\": 4.0}", LORA_ERR_UNSUPPORTED, "yarn");
    expect_refused("rope_scaling", "{\"type\": \"longrope\", \"factor\": 4.0}", LORA_ERR_UNSUPPORTED, "longrope");
    expect_refused("partial_rotary_factor", "0.5", LORA_ERR_UNSUPPORTED, "partial_rotary_factor");
    expect_refused("rope_interleaved", "true", LORA_ERR_UNSUPPORTED, "rope_interleaved");
    expect_refused("quantization_config", "{\"quant_method\": \"gptq\"}", LORA_ERR_UNSUPPORTED, "quantization_config");
    expect_refused("final_logit_softcapping", "30.0", LORA_ERR_UNSUPPORTED, "final_logit_softcapping");
    /* malformed or inconsistent */
    expect_refused("num_key_value_heads", "3", LORA_ERR_INVALID_ARG, "not divisible");
    expect_refused("num_attention_heads", "-4", LORA_ERR_FORMAT, "num_attention_heads");
    expect_refused("rms_norm_eps", "\"small\"", LORA_ERR_FORMAT, "rms_norm_eps");
    expect_refused("eos_token_id", "[1, \"x\"]", LORA_ERR_FORMAT, "eos_token_id");
    expect_refused("model_type", "\"gemma\"", LORA_ERR_UNSUPPORTED, "gemma");
    expect_refused("layer_types", "[\"full_attention\"]", LORA_ERR_FORMAT, "layer_types");
    /* shapes from the config that the file does not have */
    expect_refused("intermediate_size", "40", LORA_ERR_SHAPE, "mlp.gate_proj.weight");
    expect_refused("tie_word_embeddings", "true", LORA_ERR_FORMAT, "lm_head.weight");
    expect_refused("num_hidden_layers", "3", LORA_ERR_NOT_FOUND, "model.layers.2");
    /* read as Hugging Face does */
    config_with(OUT "cfg/config.json", "eos_token_id", "[7, 9]");
    CHECK_OK(llama_config_read(OUT "cfg/config.json", &c));
    CHECK(c.n_eos == 2 && c.eos[0] == 7 && c.eos[1] == 9);
    m = open_path(FX "qwen3/model/model.safetensors", OUT "cfg/config.json");
    CHECK(m && lora_model_get_info(m)->eos == 7);
    lora_model_free(m);
    {
        /* generation stops at any id of an eos_token_id list, not only the first */
        lora_model *g = open_path(FX "qwen3/model", NULL);
        lora_sampler sc = lora_sampler_init();
        int32_t prompt[3] = {1, 2, 3}, out[8];
        int n_out = 0;
        char list[64];
        sc.greedy = 1;
        if (g) {
            CHECK_OK(lora_generate(g, prompt, 3, 4, &sc, 0, out, &n_out, NULL, NULL));
            lora_model_free(g);
            CHECK(n_out == 4);
            snprintf(list, sizeof list, "[%d, %d]", out[0] == 60 ? 59 : 60, (int)out[0]);
            config_with(OUT "cfg/config.json", "eos_token_id", list);
            g = open_path(FX "qwen3/model/model.safetensors", OUT "cfg/config.json");
            CHECK(g != NULL);
            if (g) {
                CHECK(lora_model_get_info(g)->n_stop == 2);
                CHECK_OK(lora_generate(g, prompt, 3, 4, &sc, 1, out, &n_out, NULL, NULL));
                CHECK_MSG(n_out == 0, "generation went on past the second eos id (%d tokens)", n_out);
                lora_model_free(g);
            }
        }
    }
    config_with(OUT "cfg/config.json", "rope_parameters", "{\"rope_type\": \"linear\", \"factor\": 2.0, \"rope_theta\": 5000.0}");
    CHECK_OK(llama_config_read(OUT "cfg/config.json", &c));
    CHECK(c.rope_type == LLAMA_ROPE_LINEAR && c.rope_factor == 2.0 && c.rope_theta == 5000.0);
    config_with(OUT "cfg/config.json", "layer_types", "[\"full_attention\", \"sliding_attention\"]");
    CHECK_OK(llama_config_read(OUT "cfg/config.json", &c));
    CHECK(llama_config_layer_window(&c, 0) == 0 && llama_config_layer_window(&c, 1) == 0); /* use_sliding_window false */
    write_text(OUT "cfg/config.json", "{\"model_type\": \"qwen2\", \"use_sliding_window\": true, \"sliding_window\": 16, "
               "\"max_window_layers\": 1, \"num_hidden_layers\": 3, \"hidden_size\": 8, \"num_attention_heads\": 2, "
               "\"num_key_value_heads\": 1, \"intermediate_size\": 8, \"vocab_size\": 10}");
    CHECK_OK(llama_config_read(OUT "cfg/config.json", &c));
    CHECK(llama_config_layer_window(&c, 0) == 0 && llama_config_layer_window(&c, 1) == 16 && llama_config_layer_window(&c, 2) == 16);
    CHECK(c.head_dim == 4 && c.max_position_embeddings == 32768 && c.n_eos == 0);
    write_text(OUT "cfg/config.json", "{\"model_type\": \"llama\", \"hidden_size\": 8, \"num_attention_heads\": 2, "
               "\"intermediate_size\": 8, \"vocab_size\": 10, \"num_hidden_layers\": 1}");
    CHECK_OK(llama_config_read(OUT "cfg/config.json", &c));
    CHECK(c.n_kv_head == 2 && c.head_dim == 4 && c.eos[0] == 2 && c.bos_token_id == 1);
    /* presets */
    CHECK_OK(llama_config_preset("llama-3.2-1b", &c));
    CHECK(c.rope_type == LLAMA_ROPE_LLAMA3 && c.rope_factor == 32.0 && c.rope_original_max_position == 8192);
    CHECK(llama_config_num_params(&c) == 1235814400);
    CHECK_OK(llama_config_preset("mistral-7b", &c));
    CHECK(llama_config_num_params(&c) == 7241732096LL && llama_config_layer_window(&c, 31) == 4096);
    CHECK_OK(llama_config_preset("qwen3-0.6b", &c));
    CHECK(llama_config_num_params(&c) == 596049920);
    CHECK_ERR(llama_config_preset("llama-9", &c), LORA_ERR_NOT_FOUND);
}

static void test_weights_errors(void) {
    /* an extra tensor and a missing one, each named */
    lora_safetensors *st = NULL;
    CHECK_OK(lora_st_open(FX "qwen3/model/model.safetensors", &st));
    if (st) {
        lora_st_entry *e = (lora_st_entry *)calloc(st->n_tensors + 1, sizeof *e);
        float extra[2] = {1, 2};
        size_t i, len = 0;
        char *cfg = test_slurp(FX "qwen3/model/config.json", &len);
        const char *mk = "format", *mv = "pt";
        CHECK_OK(lora_ensure_dir(OUT "bad"));
        write_text(OUT "bad/config.json", cfg);
        free(cfg);
        for (i = 0; i < st->n_tensors; i++) {
            const lora_st_tensor *t = &st->tensors[i];
            e[i].name = t->name; e[i].dtype = t->dtype; e[i].ndim = t->ndim; e[i].shape[0] = t->shape[0]; e[i].shape[1] = t->shape[1];
            e[i].data = t->data; e[i].little_endian = 1;
        }
        e[i].name = "model.layers.0.self_attn.q_proj.lora_A.weight"; e[i].dtype = LORA_DT_F32; e[i].ndim = 1; e[i].shape[0] = 2; e[i].data = extra;
        CHECK_OK(lora_st_write(OUT "bad/model.safetensors", e, st->n_tensors + 1, &mk, &mv, 1));
        CHECK_ERR(open_status(OUT "bad/model.safetensors", NULL), LORA_ERR_FORMAT);
        CHECK(strstr(lora_last_error(), "unexpected tensor 'model.layers.0.self_attn.q_proj.lora_A.weight'") != NULL);
        CHECK_OK(lora_st_write(OUT "bad/model.safetensors", e + 1, st->n_tensors - 1, &mk, &mv, 1));
        CHECK_ERR(open_status(OUT "bad/model.safetensors", NULL), LORA_ERR_NOT_FOUND);
        CHECK(strstr(lora_last_error(), "not found") != NULL && strstr(lora_last_error(), st->tensors[0].name) != NULL);
        free(e);
        lora_st_close(st);
    }
    /* an index naming a shard that is not there, or a path outside its folder */
    CHECK_OK(lora_ensure_dir(OUT "badidx"));
    write_text(OUT "badidx/model.safetensors.index.json", "{\"weight_map\": {\"model.norm.weight\": \"model-00001-of-00002.safetensors\"}}");
    write_text(OUT "badidx/config.json", "{\"model_type\": \"llama\"}");
    CHECK_ERR(open_status(OUT "badidx", NULL), LORA_ERR_NOT_FOUND);
    CHECK(strstr(lora_last_error(), "model-00001-of-00002.safetensors") != NULL);
    write_text(OUT "badidx/model.safetensors.index.json", "{\"weight_map\": {\"model.norm.weight\": \"../x.safetensors\"}}");
    CHECK_ERR(open_status(OUT "badidx", NULL), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "weight_map") != NULL);
    /* merging into a tied lm_head is refused */
    {
        lora_model *m = open_path(FX "llama3/model", NULL);
        lora_adapter *ad = NULL;
        lora_config lc = lora_config_init();
        static const char *const t[] = {"lm_head"};
        lc.target.targets = t; lc.target.n_targets = 1;
        if (m) {
            CHECK_OK(lora_model_adapter_create(m, &lc, &ad));
            if (ad) CHECK_ERR(lora_model_merge(m, ad, 1), LORA_ERR_UNSUPPORTED);
            lora_adapter_free(ad);
            ad = NULL;
            /* PEFT refuses non-linear targets */
            lc.target.targets = (const char *const[]){"input_layernorm"};
            CHECK_ERR(lora_model_adapter_create(m, &lc, &ad), LORA_ERR_INVALID_ARG);
            lora_model_free(m);
        }
        lora_adapter_free(ad);
    }
}

/* pad_token_id is nn.Embedding's padding_idx: its row gets no gradient (init zeroes it too) */
static void test_padding_row(void) {
    llama_config c;
    llama_model *m = NULL;
    int32_t ids[8] = {5, 1, 5, 2, 3, 5, 4, 1};
    float loss, *g;
    int i, j, zero = 1, used = 0;
    CHECK_OK(llama_config_preset("tiny-llama", &c));
    c.pad_token_id = 5;
    CHECK_OK(llama_model_create(&c, NULL, &m));
    if (!m) return;
    llama_model_init_random(m, 3);
    CHECK_OK(lora_model_set_full_finetune(llama_model_base(m), 1));
    CHECK_OK(lora_model_forward(llama_model_base(m), ids, ids, 2, 4, &loss));
    CHECK_OK(lora_model_backward(llama_model_base(m)));
    /* tied lm_head: the embedding's gradient holds the output layer's too; untie to see the input side alone */
    llama_model_free(m);
    c.tie_word_embeddings = 0;
    CHECK_OK(llama_model_create(&c, NULL, &m));
    if (!m) return;
    llama_model_init_random(m, 3);
    for (j = 0; j < c.hidden_size; j++) zero &= llama_model_param(m, "model.embed_tokens.weight", NULL)[5 * c.hidden_size + j] == 0.0f;
    CHECK_MSG(zero, "the padding row is not zero after init");
    CHECK_OK(lora_model_set_full_finetune(llama_model_base(m), 1));
    CHECK_OK(lora_model_forward(llama_model_base(m), ids, ids, 2, 4, &loss));
    CHECK_OK(lora_model_backward(llama_model_base(m)));
    g = llama_model_grad(m, "model.embed_tokens.weight");
    CHECK(g != NULL);
    if (g) {
        for (j = 0; j < c.hidden_size; j++) zero &= g[5 * c.hidden_size + j] == 0.0f;
        for (i = 1; i <= 4; i++) for (j = 0; j < c.hidden_size; j++) used += g[i * c.hidden_size + j] != 0.0f;
        CHECK_MSG(zero && used > 0, "padding row gradient zero %d, other rows' nonzero entries %d", zero, used);
    }
    llama_model_free(m);
}

int main(void) {
    CHECK_OK(lora_ensure_dir(OUT));
    test_padding_row();
    test_layouts();
    test_config();
    test_weights_errors();
    return TEST_END();
}
