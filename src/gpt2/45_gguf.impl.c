/* ---- GGUF: llama.cpp's gpt2 architecture ----
   llama.cpp (src/llama-model.cpp, LLM_ARCH_GPT2; convert_hf_to_gguf.py, GPT2Model) names the
   tensors token_embd, position_embd, blk.N.{attn_norm, attn_qkv, attn_output, ffn_norm,
   ffn_up, ffn_down}.{weight,bias}, output_norm.{weight,bias} and output.weight (its graph
   needs output.weight even though GPT-2 ties it to token_embd). The Conv1D weights, (in, out)
   row-major in Hugging Face's files, are nn.Linear-shaped in GGUF: ne = (in, out), in
   fastest, i.e. transposed (LORA_GGUF_TRANSPOSE writes them so, the loader transposes back). */

static const gpt2_model *gpt2__ofc(const lora_model *b);                 /* 50_model.impl.c */
static lora_status gpt2__weights(const gpt2_model *m, const char *what);

static const char *const gpt2__gguf_kinds[GPT2_LINEARS_PER_LAYER] = {"attn_qkv", "attn_output", "ffn_up", "ffn_down"};
/* GGUF names of a layer's tensors, by GPT2__LN1W .. GPT2__FPRB */
static const char *const gpt2__gguf_layer[GPT2__PER_LAYER] = {
    "attn_norm.weight", "attn_norm.bias", "attn_qkv.weight", "attn_qkv.bias", "attn_output.weight", "attn_output.bias",
    "ffn_norm.weight", "ffn_norm.bias", "ffn_up.weight", "ffn_up.bias", "ffn_down.weight", "ffn_down.bias"};

/* Adds model tensor idx under name; data replaces its values when not NULL (a merged copy, copied by the writer). */
static lora_status gpt2__gguf_add(lora_gguf_writer *w, const gpt2_model *m, int idx, const char *name, lora_ggml_type dtype,
                                  const float *data) {
    const gpt2__tensor *t = &m->tensors[idx];
    const float *src = data ? data : gpt2__t(m, idx);
    int64_t ne[2];
    int copy = data ? LORA_GGUF_COPY : 0;
    if (t->ndim == 1) {
        ne[0] = t->shape[0];
        return lora_gguf_add_tensor(w, name, 1, ne, LORA_GGML_F32, src, copy);
    }
    ne[0] = t->shape[idx < 2 ? 1 : 0];   /* embeddings (rows, C): ne (C, rows); Conv1D (in, out): ne (in, out) */
    ne[1] = t->shape[idx < 2 ? 0 : 1];
    return lora_gguf_add_tensor(w, name, 2, ne, dtype, src, (idx < 2 ? 0 : LORA_GGUF_TRANSPOSE) | copy);
}

/* The values of tensor idx with the adapter merged in (a new buffer), NULL with *s = LORA_OK when
   the adapter does not touch it. lm_head (tensor -1 here) merges into a copy of wte: GGUF has an
   output.weight of its own, so the merged model keeps the token embedding unchanged, exactly as
   the adapter computes (merging into the tied wte would change the embedding too). */
static float *gpt2__gguf_merged(const gpt2_model *m, const lora_adapter *ad, int idx, lora_status *s) {
    static const int wt[GPT2_LINEARS_PER_LAYER] = {GPT2__ATTW, GPT2__APRW, GPT2__FCW, GPT2__FPRW};
    const gpt2__tensor *t = &m->tensors[idx < 0 ? 0 : idx];
    const lora_module *lm = NULL;
    const float *bias = NULL;
    float *copy;
    int i;
    *s = LORA_OK;
    if (!ad) return NULL;
    for (i = 0; i < ad->n_modules && !lm; i++) {
        int mi = ad->modules[i].index;
        if (idx < 0 ? mi == m->n_linears - 1
                    : mi < m->n_linears - 1 && gpt2__lt(mi / GPT2_LINEARS_PER_LAYER, wt[mi % GPT2_LINEARS_PER_LAYER]) == idx)
            lm = &ad->modules[i];
    }
    for (i = 0; idx >= 0 && i < ad->n_biases && !bias; i++)
        if (gpt2__find_tensor(m, ad->biases[i].name) == idx && ad->biases[i].n == t->numel) bias = ad->biases[i].value;
    if (!lm && !bias) return NULL;
    if (!(copy = (float *)lora_malloc((size_t)t->numel * sizeof(float), "merged GGUF tensor"))) { *s = LORA_ERR_OOM; return NULL; }
    memcpy(copy, bias ? bias : gpt2__t(m, idx < 0 ? 0 : idx), (size_t)t->numel * sizeof(float));
    if (lm) lora_module_merge(lm, copy, idx >= 0, 1.0f);   /* Conv1D (in, out); wte (out = vocab, in) */
    return copy;
}

static lora_status gpt2__op_gguf_write(const lora_model *b, const lora_tokenizer *tok, const lora_adapter *ad,
                                       lora_gguf_writer *w, lora_ggml_type dtype) {
    const gpt2_model *m = gpt2__ofc(b);
    const gpt2_config *c = &m->cfg;
    lora_status s;
    char name[LORA_GGUF_MAX_NAME];
    int l, k;
    float *merged;
    if ((s = gpt2__weights(m, "lora_model_save_gguf")) != LORA_OK) return s;
    if (m->base_dtype != LORA_DT_F32)
        return lora_fail(LORA_ERR_UNSUPPORTED, "lora_model_save_gguf: the GPT-2 weights are held in bf16 (a training load option); "
                                               "load the model with fp32 weights to export it");
    if (ad && (s = gpt2__check_adapter(m, ad)) != LORA_OK) return s;
#define GPT2__TRY(x) do { if ((s = (x)) != LORA_OK) return s; } while (0)
#define GPT2__ADD(idx, nm) do { merged = gpt2__gguf_merged(m, ad, idx, &s); if (s != LORA_OK) return s; \
        s = gpt2__gguf_add(w, m, (idx) < 0 ? 0 : (idx), nm, dtype, merged); lora_free(merged); if (s != LORA_OK) return s; } while (0)
    GPT2__TRY(lora_gguf_set_u32(w, "gpt2.context_length", (uint32_t)c->n_positions));
    GPT2__TRY(lora_gguf_set_u32(w, "gpt2.embedding_length", (uint32_t)c->n_embd));
    GPT2__TRY(lora_gguf_set_u32(w, "gpt2.feed_forward_length", (uint32_t)gpt2__inner(c)));
    GPT2__TRY(lora_gguf_set_u32(w, "gpt2.block_count", (uint32_t)c->n_layer));
    GPT2__TRY(lora_gguf_set_u32(w, "gpt2.attention.head_count", (uint32_t)c->n_head));
    GPT2__TRY(lora_gguf_set_f32(w, "gpt2.attention.layer_norm_epsilon", c->layer_norm_eps));
    GPT2__TRY(lora_gguf_set_tokenizer(w, tok, "gpt2", "gpt-2", c->vocab_size));
    GPT2__ADD(0, "token_embd.weight");
    GPT2__ADD(1, "position_embd.weight");
    for (l = 0; l < c->n_layer; l++)
        for (k = 0; k < GPT2__PER_LAYER; k++) {
            snprintf(name, sizeof name, "blk.%d.%s", l, gpt2__gguf_layer[k]);
            GPT2__ADD(gpt2__lt(l, k), name);
        }
    GPT2__ADD(m->n_tensors - 2, "output_norm.weight");
    GPT2__ADD(m->n_tensors - 1, "output_norm.bias");
    GPT2__ADD(-1, "output.weight");   /* tied: wte again (with an lm_head adapter merged, if any) */
#undef GPT2__ADD
#undef GPT2__TRY
    return LORA_OK;
}

static lora_status gpt2__op_gguf_module(const lora_model *b, int module, char name[LORA_GGUF_MAX_NAME], int *permute_heads) {
    const gpt2_model *m = gpt2__ofc(b);
    *permute_heads = 0;
    if (module < 0 || module >= m->n_linears)
        return lora_fail(LORA_ERR_INVALID_ARG, "GPT-2: module %d out of range (%d modules)", module, m->n_linears);
    /* lm_head: its own output.weight in our GGUF (and convert_hf_to_gguf.py's), so llama.cpp applies a LoRA on it */
    if (m->linears[module].layer < 0) snprintf(name, LORA_GGUF_MAX_NAME, "output.weight");
    else snprintf(name, LORA_GGUF_MAX_NAME, "blk.%d.%s.weight", m->linears[module].layer,
                  gpt2__gguf_kinds[module % GPT2_LINEARS_PER_LAYER]);
    return LORA_OK;
}

static lora_status gpt2__gguf_u32(const lora_gguf *g, const char *key, int *out) {
    int64_t v;
    lora_status s = lora_gguf_get_int(g, key, &v);
    if (s == LORA_ERR_NOT_FOUND) return lora_fail(s, "%s: key '%s' is missing (a gpt2 GGUF model needs it)", g->path, key);
    if (s != LORA_OK) return s;
    if (v <= 0 || v > (1 << 30)) return lora_fail(LORA_ERR_FORMAT, "%s: key '%s' = %lld is out of range", g->path, key, (long long)v);
    *out = (int)v;
    return LORA_OK;
}

static lora_status gpt2__load_gguf(const char *path, lora_pool *pool, gpt2_model **out) {
    lora_gguf *g = NULL;
    gpt2_model *m = NULL;
    gpt2_config cfg;
    const char *arch = NULL;
    const lora_gguf_tensor *te;
    float *tmp = NULL, *outw = NULL;
    lora_status s;
    double eps;
    int k, ff;
    size_t i, tmp_n;
    *out = NULL;
    if ((s = lora_gguf_open(path, &g)) != LORA_OK) return s;
    if ((s = lora_gguf_get_str(g, "general.architecture", &arch)) != LORA_OK) goto done;
    if (strcmp(arch, "gpt2") != 0) {
        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: general.architecture is \"%s\", not \"gpt2\"", path, arch);
        goto done;
    }
    {
        const char *type = NULL;
        if (lora_gguf_get_str(g, "general.type", &type) == LORA_OK && strcmp(type, "model") != 0) {
            s = lora_fail(LORA_ERR_FORMAT, "%s: general.type is \"%s\", not a model (a LoRA adapter GGUF is not a base model)", path, type);
            goto done;
        }
    }
    memset(&cfg, 0, sizeof cfg);
    if ((s = gpt2__gguf_u32(g, "gpt2.block_count", &cfg.n_layer)) != LORA_OK ||
        (s = gpt2__gguf_u32(g, "gpt2.context_length", &cfg.n_positions)) != LORA_OK ||
        (s = gpt2__gguf_u32(g, "gpt2.embedding_length", &cfg.n_embd)) != LORA_OK ||
        (s = gpt2__gguf_u32(g, "gpt2.attention.head_count", &cfg.n_head)) != LORA_OK ||
        (s = gpt2__gguf_u32(g, "gpt2.feed_forward_length", &ff)) != LORA_OK)
        goto done;
    {
        int64_t kv;
        if (lora_gguf_get_int(g, "gpt2.attention.head_count_kv", &kv) == LORA_OK && kv != cfg.n_head) {
            s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: gpt2.attention.head_count_kv %lld differs from head_count %d (GPT-2 has no GQA)",
                          path, (long long)kv, cfg.n_head);
            goto done;
        }
    }
    if ((s = lora_gguf_get_float(g, "gpt2.attention.layer_norm_epsilon", &eps)) != LORA_OK) goto done;
    cfg.layer_norm_eps = (float)eps;
    cfg.n_inner = ff == 4 * cfg.n_embd ? 0 : ff;
    if (!(te = lora_gguf_find_tensor(g, "token_embd.weight")) || te->n_dims != 2 || te->ne[0] != cfg.n_embd) {
        s = lora_fail(LORA_ERR_FORMAT, "%s: token_embd.weight is missing or not (%d, vocab)", path, cfg.n_embd);
        goto done;
    }
    if (te->ne[1] <= 0 || te->ne[1] > (1 << 24)) {
        s = lora_fail(LORA_ERR_FORMAT, "%s: token_embd.weight has %lld rows", path, (long long)te->ne[1]);
        goto done;
    }
    cfg.vocab_size = (int)te->ne[1];
    if ((s = gpt2_config_check(&cfg)) != LORA_OK) { s = lora_fail(s, "%s: %s", path, lora_last_error()); goto done; }
    /* every tensor present with its shape before the weights are allocated */
    if ((s = gpt2__model_new(&cfg, pool, 0, LORA_DT_F32, &m)) != LORA_OK) goto done;
    for (k = 0; k < m->n_tensors; k++) {
        const gpt2__tensor *t = &m->tensors[k];
        char name[LORA_GGUF_MAX_NAME];
        const lora_gguf_tensor *ft;
        int64_t ne0 = t->ndim == 1 ? t->shape[0] : t->shape[k < 2 ? 1 : 0], ne1 = t->ndim == 1 ? 1 : t->shape[k < 2 ? 0 : 1];
        if (k == 0) snprintf(name, sizeof name, "token_embd.weight");
        else if (k == 1) snprintf(name, sizeof name, "position_embd.weight");
        else if (k >= m->n_tensors - 2) snprintf(name, sizeof name, "output_norm.%s", k == m->n_tensors - 2 ? "weight" : "bias");
        else snprintf(name, sizeof name, "blk.%d.%s", (k - 2) / GPT2__PER_LAYER, gpt2__gguf_layer[(k - 2) % GPT2__PER_LAYER]);
        if (!(ft = lora_gguf_find_tensor(g, name))) {
            s = lora_fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found (a %d-layer gpt2 needs it)", path, name, cfg.n_layer);
            goto done;
        }
        if (ft->ne[0] != ne0 || ft->ne[1] != ne1 || ft->ne[2] != 1 || ft->ne[3] != 1) {
            s = lora_fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected ne (%lld, %lld), found (%lld, %lld, %lld, %lld)", path, name,
                          (long long)ne0, (long long)ne1, (long long)ft->ne[0], (long long)ft->ne[1], (long long)ft->ne[2],
                          (long long)ft->ne[3]);
            goto done;
        }
    }
    m->params = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "gpt2 weights");
    tmp_n = (size_t)gpt2__inner(&cfg) * (size_t)cfg.n_embd;
    if ((size_t)3 * cfg.n_embd * cfg.n_embd > tmp_n) tmp_n = (size_t)3 * cfg.n_embd * cfg.n_embd;
    tmp = (float *)lora_malloc(tmp_n * sizeof(float), "GGUF transpose buffer");
    if (!m->params || !tmp) { s = LORA_ERR_OOM; goto done; }
    memset(m->params, 0, m->n_floats * sizeof(float));
    for (k = 0; k < m->n_tensors; k++) {
        const gpt2__tensor *t = &m->tensors[k];
        char name[LORA_GGUF_MAX_NAME];
        const lora_gguf_tensor *ft;
        float *dst = gpt2__t(m, k);
        if (k == 0) snprintf(name, sizeof name, "token_embd.weight");
        else if (k == 1) snprintf(name, sizeof name, "position_embd.weight");
        else if (k >= m->n_tensors - 2) snprintf(name, sizeof name, "output_norm.%s", k == m->n_tensors - 2 ? "weight" : "bias");
        else snprintf(name, sizeof name, "blk.%d.%s", (k - 2) / GPT2__PER_LAYER, gpt2__gguf_layer[(k - 2) % GPT2__PER_LAYER]);
        ft = lora_gguf_find_tensor(g, name);
        if (t->ndim == 2 && k >= 2) {
            /* ne (in, out): Linear (out, in) rows -> Conv1D (in, out) */
            int64_t in = t->shape[0], o, j;
            if ((s = lora_gguf_tensor_f32(g, ft, tmp, t->numel)) != LORA_OK) goto done;
            for (o = 0; o < t->shape[1]; o++)
                for (j = 0; j < in; j++) dst[j * t->shape[1] + o] = tmp[o * in + j];
        } else if ((s = lora_gguf_tensor_f32(g, ft, dst, t->numel)) != LORA_OK) goto done;
    }
    /* output.weight: GPT-2 ties it to token_embd; a different one cannot be represented */
    if ((te = lora_gguf_find_tensor(g, "output.weight")) != NULL) {
        const float *wte = gpt2__t(m, 0);
        if (te->ne[0] != cfg.n_embd || te->ne[1] != cfg.vocab_size || te->ne[2] != 1 || te->ne[3] != 1) {
            s = lora_fail(LORA_ERR_SHAPE, "%s: output.weight: expected ne (%d, %d)", path, cfg.n_embd, cfg.vocab_size);
            goto done;
        }
        if (!(outw = (float *)lora_malloc((size_t)te->numel * sizeof(float), "output.weight check"))) { s = LORA_ERR_OOM; goto done; }
        if ((s = lora_gguf_tensor_f32(g, te, outw, te->numel)) != LORA_OK) goto done;
        for (i = 0; i < (size_t)te->numel; i++)
            if (memcmp(&outw[i], &wte[i], sizeof(float)) != 0) {   /* bits: a NaN equals itself */
                s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: output.weight differs from token_embd.weight at element %zu; GPT-2's "
                              "lm_head is tied to the token embedding", path, i);
                goto done;
            }
    }
    /* every other tensor is a mistake (a LoRA adapter's, another architecture's) */
    for (i = 0; i < g->n_tensors; i++) {
        const char *n = g->tensors[i].name;
        int known = strcmp(n, "output.weight") == 0 || strcmp(n, "token_embd.weight") == 0 ||
                    strcmp(n, "position_embd.weight") == 0 || strncmp(n, "output_norm.", 12) == 0;
        if (!known && strncmp(n, "blk.", 4) == 0) {
            char *end;
            long li = strtol(n + 4, &end, 10);
            if (end != n + 4 && *end == '.' && li >= 0 && li < cfg.n_layer)
                for (k = 0; k < GPT2__PER_LAYER; k++)
                    if (strcmp(end + 1, gpt2__gguf_layer[k]) == 0) known = 1;
        }
        if (!known) {
            s = lora_fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (not part of a %d-layer gpt2)", path, n, cfg.n_layer);
            goto done;
        }
    }
done:
    lora_free(tmp);
    lora_free(outw);
    lora_gguf_close(g);
    if (s != LORA_OK) { gpt2_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}
