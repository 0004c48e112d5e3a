/* ---- loading and saving weights ---- */
#define GPT2__LLMC_CKPT_MAGIC 20240326
#define GPT2__GGUF_MAGIC 0x46554747u   /* "GGUF" read as a little-endian u32 */
static lora_status gpt2__load_gguf(const char *path, lora_pool *pool, gpt2_model **out); /* 45_gguf.impl.c */

/* Creates the folder a file will be written into (mkdir -p of its dirname). */
static lora_status gpt2__ensure_parent(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    if (!slash || slash == path) return LORA_OK;
    dir = (char *)lora_malloc((size_t)(slash - path) + 1, "path");
    if (!dir) return LORA_ERR_OOM;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    s = lora_ensure_dir(dir);
    lora_free(dir);
    return s;
}

static char *gpt2__sibling_path(const char *path, const char *name) {
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path + 1) : 0, n = strlen(name);
    char *p = (char *)lora_malloc(dir + n + 1, "path");
    if (!p) return NULL;
    memcpy(p, path, dir);
    memcpy(p + dir, name, n + 1);
    return p;
}

/* Reads a Hugging Face GPT2Config (config.json). */
static lora_status gpt2__read_config_json(const char *path, gpt2_config *cfg) {
    char *text = NULL;
    size_t len;
    lora_json *j = NULL;
    lora_status s;
    const lora_json *v;
    double d;
    const char *act;
    if ((s = lora_read_file(path, &text, &len)) != LORA_OK) return s;
    s = lora_json_parse(text, len, path, &j);
    lora_free(text);
    if (s != LORA_OK) return s;
    memset(cfg, 0, sizeof *cfg);
    cfg->layer_norm_eps = 1e-5f;
    cfg->n_positions = 1024;
    cfg->vocab_size = 50257;
#define GPT2__INT(key, field) do { int64_t iv_; v = lora_json_get(j, key); \
        if (v && v->type != LORA_JSON_NULL) { if (!lora_json_int64(v, &iv_) || iv_ < 0 || iv_ > (1 << 30)) { \
            lora_json_free(j); return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\" must be a non-negative integer", path, key); } \
            field = (int)iv_; } } while (0)
    if (j->type != LORA_JSON_OBJECT) { lora_json_free(j); return lora_fail(LORA_ERR_FORMAT, "%s: expected a JSON object", path); }
    GPT2__INT("n_layer", cfg->n_layer);
    GPT2__INT("n_head", cfg->n_head);
    GPT2__INT("n_embd", cfg->n_embd);
    GPT2__INT("n_ctx", cfg->n_positions);
    GPT2__INT("n_positions", cfg->n_positions);
    GPT2__INT("vocab_size", cfg->vocab_size);
    GPT2__INT("n_inner", cfg->n_inner);
#undef GPT2__INT
    v = lora_json_get(j, "layer_norm_epsilon");
    if (v && v->type != LORA_JSON_NULL) {
        if (!lora_json_get_number(j, "layer_norm_epsilon", &d) || !(d >= 1e-30 && d <= 1.0)) {
            lora_json_free(j);
            return lora_fail(LORA_ERR_FORMAT, "%s: \"layer_norm_epsilon\" must be a number in [1e-30, 1]", path);
        }
        cfg->layer_norm_eps = (float)d;
    }
    {   /* keys that change Hugging Face's math: only the values this implementation computes */
        static const struct { const char *key; int want; } flags[] = {
            {"scale_attn_weights", 1}, {"scale_attn_by_inverse_layer_idx", 0}, {"reorder_and_upcast_attn", 0},
            {"add_cross_attention", 0}, {"tie_word_embeddings", 1}};
        const char *mt;
        size_t k;
        for (k = 0; k < sizeof flags / sizeof flags[0]; k++) {
            v = lora_json_get(j, flags[k].key);
            if (!v || v->type == LORA_JSON_NULL) continue;
            if ((v->type != LORA_JSON_TRUE && v->type != LORA_JSON_FALSE) || (v->type == LORA_JSON_TRUE) != flags[k].want) {
                s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"%s\" must be %s: other values change the model's math, which this "
                              "implementation does not compute", path, flags[k].key, flags[k].want ? "true" : "false");
                lora_json_free(j);
                return s;
            }
        }
        v = lora_json_get(j, "model_type");
        if (v && v->type != LORA_JSON_NULL) {
            mt = lora_json_get_string(j, "model_type");
            if (!mt || strcmp(mt, "gpt2") != 0) {
                s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: model_type \"%s\" is not a GPT-2 (expected \"gpt2\")", path, mt ? mt : "(not a string)");
                lora_json_free(j);
                return s;
            }
        }
        v = lora_json_get(j, "activation_function");
        if (v && v->type != LORA_JSON_NULL && v->type != LORA_JSON_STRING) {
            lora_json_free(j);
            return lora_fail(LORA_ERR_UNSUPPORTED, "%s: activation_function must be the string \"gelu_new\"", path);
        }
    }
    act = lora_json_get_string(j, "activation_function");
    if (act && strcmp(act, "gelu_new") != 0) {
        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: activation_function \"%s\" is not supported (GPT-2 uses gelu_new)", path, act);
        lora_json_free(j);
        return s;
    }
    lora_json_free(j);
    if (!cfg->n_layer || !cfg->n_head || !cfg->n_embd)
        return lora_fail(LORA_ERR_FORMAT, "%s: n_layer, n_head and n_embd are required", path);
    if ((s = gpt2_config_check(cfg)) != LORA_OK) return lora_fail(s, "%s: %s", path, lora_last_error());
    return LORA_OK;
}

/* Writes config.json to its temporary file (published by the caller once the weights are in place). */
static lora_status gpt2__write_config_json(const gpt2_config *c, const char *path, lora_atomic_file *af) {
    lora_buf b;
    lora_status s;
    memset(&b, 0, sizeof b);
    lora_buf_printf(&b,
        "{\n  \"activation_function\": \"gelu_new\",\n  \"architectures\": [\n    \"GPT2LMHeadModel\"\n  ],\n"
        "  \"attn_pdrop\": 0.1,\n  \"bos_token_id\": 50256,\n  \"embd_pdrop\": 0.1,\n  \"eos_token_id\": 50256,\n"
        "  \"initializer_range\": 0.02,\n  \"layer_norm_epsilon\": ");
    lora_json_write_float(&b, c->layer_norm_eps);
    lora_buf_printf(&b, ",\n  \"model_type\": \"gpt2\",\n  \"n_ctx\": %d,\n  \"n_embd\": %d,\n  \"n_head\": %d,\n  \"n_inner\": ",
                    c->n_positions, c->n_embd, c->n_head);
    if (c->n_inner > 0) lora_buf_printf(&b, "%d", c->n_inner); else lora_buf_puts(&b, "null");
    lora_buf_printf(&b, ",\n  \"n_layer\": %d,\n  \"n_positions\": %d,\n  \"reorder_and_upcast_attn\": false,\n"
                        "  \"resid_pdrop\": 0.1,\n  \"scale_attn_by_inverse_layer_idx\": false,\n  \"scale_attn_weights\": true,\n"
                        "  \"summary_activation\": null,\n  \"summary_first_dropout\": 0.1,\n  \"summary_proj_to_labels\": true,\n"
                        "  \"summary_type\": \"cls_index\",\n  \"summary_use_proj\": true,\n  \"tie_word_embeddings\": true,\n"
                        "  \"use_cache\": true,\n  \"vocab_size\": %d\n}\n", c->n_layer, c->n_positions, c->vocab_size);
    if (b.failed) { lora_buf_free(&b); return lora_fail(LORA_ERR_OOM, "out of memory writing %s", path); }
    if ((s = lora_atomic_open(af, path)) == LORA_OK) {
        lora_atomic_write(af, b.data, b.len);
        s = lora_atomic_finish(af);
    }
    lora_buf_free(&b);
    return s;
}

static int gpt2__has_suffix(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Infers the config from tensor shapes (n_head from GPT-2's width table). */
static lora_status gpt2__infer_config(const lora_safetensors *st, const char *prefix, gpt2_config *cfg) {
    char name[96];
    const lora_st_tensor *wte, *wpe, *fc;
    int l;
    memset(cfg, 0, sizeof *cfg);
    snprintf(name, sizeof name, "%swte.weight", prefix); wte = lora_st_find(st, name);
    snprintf(name, sizeof name, "%swpe.weight", prefix); wpe = lora_st_find(st, name);
    if (!wte || !wpe || wte->ndim != 2 || wpe->ndim != 2)
        return lora_fail(LORA_ERR_FORMAT, "%s: not a GPT-2 checkpoint: missing or malformed %swte.weight / %swpe.weight", st->path, prefix, prefix);
    cfg->vocab_size = (int)wte->shape[0];
    cfg->n_embd = (int)wte->shape[1];
    cfg->n_positions = (int)wpe->shape[0];
    for (l = 0;; l++) {
        snprintf(name, sizeof name, "%sh.%d.ln_1.weight", prefix, l);
        if (!lora_st_find(st, name)) break;
    }
    cfg->n_layer = l;
    snprintf(name, sizeof name, "%sh.0.mlp.c_fc.weight", prefix);
    fc = lora_st_find(st, name);
    if (fc && fc->ndim == 2 && fc->shape[1] != 4 * (int64_t)cfg->n_embd) cfg->n_inner = (int)fc->shape[1];
    switch (cfg->n_embd) {
    case 768: cfg->n_head = 12; break;
    case 1024: cfg->n_head = 16; break;
    case 1280: cfg->n_head = 20; break;
    case 1600: cfg->n_head = 25; break;
    case 64: cfg->n_head = 2; break;
    default:
        return lora_fail(LORA_ERR_FORMAT, "%s: cannot infer n_head for width %d; put a config.json beside the weights or pass one",
                         st->path, cfg->n_embd);
    }
    cfg->layer_norm_eps = 1e-5f;
    return gpt2_config_check(cfg);
}

/* NaN or Inf in the weights is an error at load (the forward pass would turn every output into NaN) */
static lora_status gpt2__check_finite(const gpt2_model *m, const char *path) {
    int i;
    for (i = 0; i < m->n_tensors; i++) {
        const gpt2__tensor *t = &m->tensors[i];
        const float *v = gpt2__t(m, i);
        const uint16_t *vb = v ? NULL : gpt2__tb(m, i);
        int64_t k;
        for (k = 0; k < t->numel; k++) {
            int bad = v ? !isfinite(v[k]) : (vb[k] & 0x7f80u) == 0x7f80u;   /* bf16: exponent all ones */
            if (bad)
                return lora_fail(LORA_ERR_NUMERIC, "%s: tensor '%s': element %lld is %g: expected a finite number", path, t->name,
                                 (long long)k, v ? (double)v[k] : (double)lora_bf16_to_f32(vb[k]));
        }
    }
    return LORA_OK;
}

static lora_status gpt2__load_safetensors(const char *path, const char *config_path, lora_pool *pool, lora_dtype dtype,
                                          gpt2_model **out) {
    lora_safetensors *st = NULL;
    gpt2_model *m = NULL;
    gpt2_config cfg;
    lora_status s;
    const char *prefix = "";
    char *cpath = NULL;
    size_t i;
    int k;
    *out = NULL;
    if ((s = lora_st_open(path, &st)) != LORA_OK) return s;
    if (lora_st_find(st, "transformer.wte.weight")) prefix = "transformer.";
    if (config_path) {
        s = gpt2__read_config_json(config_path, &cfg);
    } else {
        FILE *f;
        cpath = gpt2__sibling_path(path, "config.json");
        if (!cpath) { s = LORA_ERR_OOM; goto done; }
        f = fopen(cpath, "rb");
        if (f) { fclose(f); s = gpt2__read_config_json(cpath, &cfg); }
        else s = gpt2__infer_config(st, prefix, &cfg);
    }
    if (s != LORA_OK) goto done;
    /* every tensor present with its shape before the weights are allocated */
    if ((s = gpt2__model_new(&cfg, pool, 0, dtype, &m)) != LORA_OK) goto done;
    for (k = 0; k < m->n_tensors; k++) {
        const gpt2__tensor *t = &m->tensors[k];
        const lora_st_tensor *ft;
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        ft = lora_st_find(st, name);
        if (!ft) { s = lora_fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found (the file has %zu tensors; a %d-layer GPT-2 needs it)", path, name, st->n_tensors, cfg.n_layer); goto done; }
        if (ft->ndim != t->ndim || ft->shape[0] != t->shape[0] || (t->ndim > 1 && ft->shape[1] != t->shape[1])) {
            s = lora_fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected shape (%lld%s%lld%s, found a %d-dimensional tensor of %lld values",
                          path, name, (long long)t->shape[0], t->ndim > 1 ? ", " : "", t->ndim > 1 ? (long long)t->shape[1] : 0LL,
                          ")", ft->ndim, (long long)ft->numel);
            goto done;
        }
    }
    if ((s = gpt2__alloc_weights(m)) != LORA_OK) goto done;
    for (k = 0; k < m->n_tensors; k++) {
        gpt2__tensor *t = &m->tensors[k];
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        if (t->bf16) {      /* one tensor at a time through fp32, rounded to nearest even (BF16 files: as they are) */
            float *tmp = (float *)lora_malloc(sizeof(float) * (size_t)t->numel, "bf16 conversion");
            if (!tmp) { s = LORA_ERR_OOM; goto done; }
            if ((s = lora_st_load_f32(st, name, t->ndim, t->shape, tmp)) == LORA_OK) gpt2__store(m, k, 0, tmp, (size_t)t->numel);
            lora_free(tmp);
            if (s != LORA_OK) goto done;
        } else if ((s = lora_st_load_f32(st, name, t->ndim, t->shape, gpt2__t(m, k))) != LORA_OK) goto done;
        lora_st_release(st, lora_st_find(st, name));
    }
    /* every other tensor must be a known buffer or a tied lm_head equal to wte */
    for (i = 0; i < st->n_tensors; i++) {
        const lora_st_tensor *t = &st->tensors[i];
        const char *n = t->name;
        if (strncmp(n, prefix, strlen(prefix)) == 0 && gpt2__find_tensor(m, n + strlen(prefix)) >= 0) continue;
        if (gpt2__has_suffix(n, ".attn.bias") || gpt2__has_suffix(n, ".attn.masked_bias")) continue;
        if (strcmp(n, "lm_head.weight") == 0) {
            float *tmp;
            int64_t j;
            if (t->ndim != 2 || t->shape[0] != cfg.vocab_size || t->shape[1] != cfg.n_embd) {
                s = lora_fail(LORA_ERR_SHAPE, "%s: lm_head.weight has the wrong shape (expected (%d, %d))", path, cfg.vocab_size, cfg.n_embd);
                goto done;
            }
            tmp = (float *)lora_malloc(sizeof(float) * (size_t)t->numel, "lm_head check");
            if (!tmp) { s = LORA_ERR_OOM; goto done; }
            if ((s = lora_st_read_f32(st, t, tmp, t->numel)) == LORA_OK) {
                const float *wte = gpt2__t(m, 0);
                const uint16_t *wteb = gpt2__tb(m, 0);
                for (j = 0; j < t->numel; j++)
                    if (wte ? tmp[j] != wte[j] : lora_f32_to_bf16(tmp[j]) != wteb[j]) {
                        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: lm_head.weight differs from wte.weight at element %lld; GPT-2's "
                                      "lm_head is tied to the token embedding", path, (long long)j);
                        break;
                    }
            }
            lora_free(tmp);
            if (s != LORA_OK) goto done;
            continue;
        }
        s = lora_fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (not part of GPT2LMHeadModel with %d layers)", path, n, cfg.n_layer);
        goto done;
    }
done:
    lora_st_close(st);
    lora_free(cpath);
    if (s == LORA_OK) s = gpt2__check_finite(m, path);
    if (s != LORA_OK) { gpt2_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}

/* llm.c checkpoint: 256 x int32 header then the weights in llm.c's order, Linear layout, all
   little-endian (as llm.c writes them on x86 and Arm). */
static lora_status gpt2__load_llmc(const char *path, lora_pool *pool, gpt2_model **out) {
    FILE *f = fopen(path, "rb");
    int32_t h[256];
    gpt2_config cfg;
    gpt2_model *m = NULL;
    lora_status s = LORA_OK;
    int version, Vp, L, C, F, l, bf16;
    float *buf = NULL;
    *out = NULL;
    if (!f) return lora_fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (lora_fread_le(h, sizeof(int32_t), 256, f) != 256) { fclose(f); return lora_fail(LORA_ERR_FORMAT, "%s: truncated llm.c header (need 1024 bytes)", path); }
    if (h[0] != GPT2__LLMC_CKPT_MAGIC) { fclose(f); return lora_fail(LORA_ERR_FORMAT, "%s: bad llm.c magic %d (expected %d)", path, h[0], GPT2__LLMC_CKPT_MAGIC); }
    version = h[1];
    if (version != 3 && version != 5) { fclose(f); return lora_fail(LORA_ERR_FORMAT, "%s: llm.c checkpoint version %d not supported (3 = float32, 5 = bfloat16)", path, version); }
    bf16 = version == 5;
    memset(&cfg, 0, sizeof cfg);
    cfg.n_positions = h[2]; cfg.vocab_size = h[3]; cfg.n_layer = h[4]; cfg.n_head = h[5]; cfg.n_embd = h[6];
    cfg.layer_norm_eps = 1e-5f;
    Vp = h[7];
    if ((s = gpt2_config_check(&cfg)) != LORA_OK) {
        fclose(f);
        return lora_fail(LORA_ERR_FORMAT, "%s: bad llm.c header: %s", path, lora_last_error());
    }
    if (Vp < cfg.vocab_size || Vp > cfg.vocab_size + (1 << 20)) {
        fclose(f);
        return lora_fail(LORA_ERR_FORMAT, "%s: padded vocab %d does not fit vocab %d", path, Vp, cfg.vocab_size);
    }
    L = cfg.n_layer; C = cfg.n_embd; F = 4 * C;
    {
        /* the file size the header implies, checked before allocating anything */
        uint64_t c = (uint64_t)C, floats = (uint64_t)Vp * c + (uint64_t)cfg.n_positions * c + 2 * c +
                     (uint64_t)L * (2 * c + 3 * c * c + 3 * c + c * c + c + 2 * c + 4 * c * c + 4 * c + 4 * c * c + c);
        uint64_t expect = 1024 + floats * (bf16 ? 2u : 4u);
        long size;
        if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 1024, SEEK_SET) != 0) {
            fclose(f);
            return lora_fail(LORA_ERR_IO, "%s: cannot determine file size", path);
        }
        if ((uint64_t)size != expect) {
            fclose(f);
            return lora_fail(LORA_ERR_FORMAT, "%s: %s llm.c checkpoint: a %d-layer, width-%d model with vocab %d (padded %d) and %d positions "
                             "needs %llu bytes, the file has %ld", path, (uint64_t)size < expect ? "truncated" : "oversized", L, C,
                             cfg.vocab_size, Vp, cfg.n_positions, (unsigned long long)expect, size);
        }
    }
    if ((s = gpt2_model_create(&cfg, pool, &m)) != LORA_OK) { fclose(f); return s; }
    {
        /* one buffer large enough for the largest tensor read: wte (Vp x C), wpe (P x C) or a 4C x C matrix */
        size_t need = (size_t)Vp * (size_t)C;
        if ((size_t)cfg.n_positions * (size_t)C > need) need = (size_t)cfg.n_positions * (size_t)C;
        if ((size_t)F * (size_t)C > need) need = (size_t)F * (size_t)C;
        buf = (float *)lora_malloc(sizeof(float) * need, "llm.c read buffer");
    }
    if (!buf) { fclose(f); gpt2_model_free(m); return LORA_ERR_OOM; }
    {
        /* read n values (converting bf16) into buf */
#define GPT2__READ(n) do { size_t n_ = (size_t)(n), i_; \
            if (bf16) { uint16_t *u_ = (uint16_t *)buf; if (lora_fread_le(u_, 2, n_, f) != n_) goto trunc; \
                for (i_ = n_; i_-- > 0;) buf[i_] = lora_bf16_to_f32(u_[i_]); } \
            else if (lora_fread_le(buf, 4, n_, f) != n_) goto trunc; } while (0)
        /* Linear (out, in) -> Conv1D (in, out) */
#define GPT2__TRANSPOSE_INTO(dst, out_, in_) do { int o_, i2_; for (o_ = 0; o_ < (out_); o_++) \
            for (i2_ = 0; i2_ < (in_); i2_++) (dst)[(size_t)i2_ * (out_) + o_] = buf[(size_t)o_ * (in_) + i2_]; } while (0)
        static const int order[12] = {GPT2__LN1W, GPT2__LN1B, GPT2__ATTW, GPT2__ATTB, GPT2__APRW, GPT2__APRB,
                                      GPT2__LN2W, GPT2__LN2B, GPT2__FCW, GPT2__FCB, GPT2__FPRW, GPT2__FPRB};
        int k;
        GPT2__READ((size_t)Vp * C);
        memcpy(gpt2__t(m, 0), buf, sizeof(float) * (size_t)cfg.vocab_size * C);
        GPT2__READ((size_t)cfg.n_positions * C);
        memcpy(gpt2__t(m, 1), buf, sizeof(float) * (size_t)cfg.n_positions * C);
        for (k = 0; k < 12; k++) {
            for (l = 0; l < L; l++) {
                gpt2__tensor *t = &m->tensors[gpt2__lt(l, order[k])];
                float *dst = gpt2__t(m, gpt2__lt(l, order[k]));
                GPT2__READ(t->numel);
                if (t->ndim == 2) GPT2__TRANSPOSE_INTO(dst, (int)t->shape[1], (int)t->shape[0]);
                else memcpy(dst, buf, sizeof(float) * (size_t)t->numel);
            }
        }
        GPT2__READ(C); memcpy(gpt2__t(m, m->n_tensors - 2), buf, sizeof(float) * (size_t)C);
        GPT2__READ(C); memcpy(gpt2__t(m, m->n_tensors - 1), buf, sizeof(float) * (size_t)C);
#undef GPT2__READ
#undef GPT2__TRANSPOSE_INTO
    }
    if (fgetc(f) != EOF) { s = lora_fail(LORA_ERR_FORMAT, "%s: trailing bytes after the last llm.c tensor", path); goto fail; }
    if ((s = gpt2__check_finite(m, path)) != LORA_OK) goto fail;
    fclose(f);
    lora_free(buf);
    *out = m;
    return LORA_OK;
trunc:
    s = lora_fail(LORA_ERR_FORMAT, "%s: truncated llm.c checkpoint (file ends before all weights of a %d-layer, width-%d model)", path, L, C);
fail:
    fclose(f);
    lora_free(buf);
    gpt2_model_free(m);
    return s;
}

LORA_API lora_status gpt2_model_load(const char *path, const char *config_path, lora_pool *pool, gpt2_model **out) {
    FILE *f;
    int32_t magic = 0;
    size_t got;
    if (!path || !out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_load: NULL argument");
    *out = NULL;
    f = fopen(path, "rb");
    if (!f) return lora_fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    got = lora_fread_le(&magic, 4, 1, f) * 4;
    fclose(f);
    if (got == 4 && magic == GPT2__LLMC_CKPT_MAGIC) return gpt2__load_llmc(path, pool, out);
    if (got == 4 && (uint32_t)magic == GPT2__GGUF_MAGIC) return gpt2__load_gguf(path, pool, out);
    return gpt2__load_safetensors(path, config_path, pool, LORA_DT_F32, out);
}

/* The same model with its matrices in bf16 (a copy; m is freed, also on failure). */
static lora_status gpt2__to_bf16(gpt2_model *m, gpt2_model **out) {
    gpt2_model *b;
    lora_status s;
    int i;
    *out = NULL;
    if ((s = gpt2__model_new(&m->cfg, m->pool, 1, LORA_DT_BF16, &b)) != LORA_OK) { gpt2_model_free(m); return s; }
    for (i = 0; i < m->n_tensors; i++) gpt2__store(b, i, 0, gpt2__t(m, i), (size_t)m->tensors[i].numel);
    gpt2_model_free(m);
    *out = b;
    return LORA_OK;
}

LORA_API lora_status gpt2_model_load_as(const char *path, const char *config_path, lora_pool *pool, lora_dtype base_dtype,
                                        gpt2_model **out) {
    FILE *f;
    int32_t magic = 0;
    size_t got;
    lora_status s;
    if (!path || !out) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_load_as: NULL argument");
    *out = NULL;
    if (base_dtype != LORA_DT_BF16) return gpt2_model_load(path, config_path, pool, out);
    f = fopen(path, "rb");
    if (!f) return lora_fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    got = lora_fread_le(&magic, 4, 1, f) * 4;
    fclose(f);
    if (got == 4 && (magic == GPT2__LLMC_CKPT_MAGIC || (uint32_t)magic == GPT2__GGUF_MAGIC)) {
        gpt2_model *m;   /* llm.c checkpoints and GGUF files: read in fp32, then converted */
        s = magic == GPT2__LLMC_CKPT_MAGIC ? gpt2__load_llmc(path, pool, &m) : gpt2__load_gguf(path, pool, &m);
        if (s != LORA_OK) return s;
        return gpt2__to_bf16(m, out);
    }
    return gpt2__load_safetensors(path, config_path, pool, LORA_DT_BF16, out);
}

LORA_API lora_status gpt2_model_save(const gpt2_model *m, const char *path) {
    lora_st_entry *e;
    lora_atomic_file cfg_file;
    const char *mk = "format", *mv = "pt";
    char *cpath;
    lora_status s;
    int i;
    if (!m || !path) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_save: NULL argument");
    if ((s = gpt2__ensure_parent(path)) != LORA_OK) return s;
    e = (lora_st_entry *)lora_calloc((size_t)m->n_tensors, sizeof *e, "tensor list");
    if (!e) return LORA_ERR_OOM;
    for (i = 0; i < m->n_tensors; i++) {
        const gpt2__tensor *t = &m->tensors[i];
        e[i].name = t->name; e[i].dtype = t->bf16 ? LORA_DT_BF16 : LORA_DT_F32; e[i].ndim = t->ndim;
        e[i].shape[0] = t->shape[0]; e[i].shape[1] = t->shape[1];
        e[i].data = t->bf16 ? (const void *)gpt2__tb(m, i) : (const void *)gpt2__t(m, i);
    }
    /* both files or neither: config.json waits in its temporary file until the weights are in place */
    cpath = gpt2__sibling_path(path, "config.json");
    if (!cpath) { lora_free(e); return LORA_ERR_OOM; }
    s = gpt2__write_config_json(&m->cfg, cpath, &cfg_file);
    lora_free(cpath);
    if (s == LORA_OK) {
        s = lora_st_write(path, e, (size_t)m->n_tensors, &mk, &mv, 1);
        if (s == LORA_OK) s = lora_atomic_commit(&cfg_file);
        else lora_atomic_abort(&cfg_file);
    }
    lora_free(e);
    return s;
}

LORA_API lora_status gpt2_model_save_llmc(const gpt2_model *m, const char *path) {
    static const int order[12] = {GPT2__LN1W, GPT2__LN1B, GPT2__ATTW, GPT2__ATTB, GPT2__APRW, GPT2__APRB,
                                  GPT2__LN2W, GPT2__LN2B, GPT2__FCW, GPT2__FCB, GPT2__FPRW, GPT2__FPRB};
    lora_atomic_file af;
    int32_t h[256];
    lora_status s;
    int C, Vp, k, l;
    float *buf;
    if (!m || !path) return lora_fail(LORA_ERR_INVALID_ARG, "gpt2_model_save_llmc: NULL argument");
    if (m->base_dtype != LORA_DT_F32)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: llm.c checkpoints are written from fp32 weights; this model holds bf16 ones", path);
    if ((s = gpt2__ensure_parent(path)) != LORA_OK) return s;
    if (m->cfg.n_inner > 0 && m->cfg.n_inner != 4 * m->cfg.n_embd)
        return lora_fail(LORA_ERR_UNSUPPORTED, "llm.c checkpoints require n_inner = 4 * n_embd");
    C = m->cfg.n_embd;
    Vp = (m->cfg.vocab_size + 127) / 128 * 128;
    memset(h, 0, sizeof h);
    h[0] = GPT2__LLMC_CKPT_MAGIC; h[1] = 3; h[2] = m->cfg.n_positions; h[3] = m->cfg.vocab_size;
    h[4] = m->cfg.n_layer; h[5] = m->cfg.n_head; h[6] = C; h[7] = Vp;
    buf = (float *)lora_calloc((size_t)(Vp - m->cfg.vocab_size) * C + (size_t)4 * C * C + 1, sizeof(float), "llm.c write buffer");
    if (!buf) return LORA_ERR_OOM;
    if ((s = lora_atomic_open(&af, path)) != LORA_OK) { lora_free(buf); return s; }
    lora_atomic_write_le(&af, h, sizeof h, 4);
    lora_atomic_write_le(&af, gpt2__t(m, 0), sizeof(float) * (size_t)m->cfg.vocab_size * C, 4);
    lora_atomic_write_le(&af, buf, sizeof(float) * (size_t)(Vp - m->cfg.vocab_size) * C, 4); /* zero padding rows */
    lora_atomic_write_le(&af, gpt2__t(m, 1), sizeof(float) * (size_t)m->cfg.n_positions * C, 4);
    for (k = 0; k < 12; k++)
        for (l = 0; l < m->cfg.n_layer; l++) {
            const gpt2__tensor *t = &m->tensors[gpt2__lt(l, order[k])];
            const float *src = gpt2__t(m, gpt2__lt(l, order[k]));
            if (t->ndim == 2) {
                int in = (int)t->shape[0], outd = (int)t->shape[1], i, o;
                for (o = 0; o < outd; o++)
                    for (i = 0; i < in; i++) buf[(size_t)o * in + i] = src[(size_t)i * outd + o];
                lora_atomic_write_le(&af, buf, sizeof(float) * (size_t)t->numel, 4);
            } else {
                lora_atomic_write_le(&af, src, sizeof(float) * (size_t)t->numel, 4);
            }
        }
    lora_atomic_write_le(&af, gpt2__t(m, m->n_tensors - 2), sizeof(float) * (size_t)C, 4);
    lora_atomic_write_le(&af, gpt2__t(m, m->n_tensors - 1), sizeof(float) * (size_t)C, 4);
    lora_free(buf);
    return lora_atomic_commit(&af);
}

