/* ---- GGUF: llama.cpp's llama and qwen2 architectures ----
   What convert_hf_to_gguf.py writes (llama.cpp c392e509): LlamaForCausalLM and
   MistralForCausalLM as general.architecture "llama" (q_proj / k_proj rows permuted per head,
   LlamaModel.permute: n_head for q, num_key_value_heads for k, biases too), Qwen2ForCausalLM as
   "qwen2" (no permutation). Tensors token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v,
   attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}.weight (+ .bias where the model has them),
   output_norm, output (left out when the lm_head is tied: llama.cpp then uses token_embd);
   Llama 3's rope scaling as the tensor rope_freqs.weight (the divisor of each frequency), linear
   scaling as rope.scaling.type / factor. Qwen3 ("qwen3") is not known to that llama.cpp and is
   refused. llama.cpp ignores Mistral's sliding window (and Qwen2's): the files are exact for
   sequences no longer than the window. */

static const llama_model *llama__ofc(const lora_model *b);                 /* 50_model.impl.c */
static lora_status llama__weights(const llama_model *m, const char *what);
static lora_status llama__check_adapter(const llama_model *m, const lora_adapter *ad);

static const char *const llama__gguf_kinds[LLAMA_LINEARS_PER_LAYER] = {"attn_q", "attn_k", "attn_v", "attn_output",
                                                                       "ffn_gate", "ffn_up", "ffn_down"};
static const int llama__gguf_ws[LLAMA_LINEARS_PER_LAYER] = {LLAMA__QW, LLAMA__KW, LLAMA__VW, LLAMA__OW, LLAMA__GW, LLAMA__UW, LLAMA__DW};
static const int llama__gguf_bs[LLAMA_LINEARS_PER_LAYER] = {LLAMA__QB, LLAMA__KB, LLAMA__VB, LLAMA__OB, LLAMA__GB, LLAMA__UB, LLAMA__DB};

static const char *llama__gguf_arch_of(const llama_config *c) {
    return c->arch == LLAMA_ARCH_QWEN2 ? "qwen2" : c->arch == LLAMA_ARCH_QWEN3 ? "qwen3" : "llama";
}
/* heads of the row permutation of linear kind k (0: q, 1: k) in the "llama" architecture, else 0 */
static int llama__gguf_perm(const llama_config *c, int k) {
    if (c->arch != LLAMA_ARCH_LLAMA && c->arch != LLAMA_ARCH_MISTRAL) return 0;
    return k == 0 ? c->n_head : k == 1 ? c->n_kv_head : 0;
}

static lora_status llama__gguf_supported(const llama_config *c, const char *what) {
    if (c->arch == LLAMA_ARCH_QWEN3)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: Qwen3 has no GGUF architecture in the llama.cpp this was checked with "
                         "(c392e509 knows llama and qwen2): not written", what);
    if (c->rope_type == LLAMA_ROPE_DYNAMIC)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: dynamic rope scaling has no llama.cpp equivalent", what);
    if (c->arch == LLAMA_ARCH_QWEN2 && (int64_t)c->n_head * c->head_dim != c->hidden_size)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: llama.cpp's qwen2 needs heads * head_dim (%d * %d) = hidden_size (%d)", what,
                         c->n_head, c->head_dim, c->hidden_size);
    if (llama__qkv_bias(c) && c->arch != LLAMA_ARCH_QWEN2 && (int64_t)c->n_head * c->head_dim != c->hidden_size)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: llama.cpp's llama takes q/k/v biases only when heads * head_dim = hidden_size", what);
    return LORA_OK;
}

/* Adds tensor idx as name: data (a merged copy) replaces its values when not NULL; perm > 0 permutes the rows. */
static lora_status llama__gguf_add(lora_gguf_writer *w, const llama_model *m, int idx, const char *name, lora_ggml_type dtype,
                                   const float *data, int perm) {
    const llama__tensor *t = &m->tensors[idx];
    const float *src = data ? data : llama__t(m, idx);
    float *tmp = NULL;
    int64_t ne[2];
    lora_status s;
    if (perm > 0) {
        if (!(tmp = (float *)lora_malloc((size_t)t->numel * sizeof(float), "permuted GGUF tensor"))) return LORA_ERR_OOM;
        if ((s = lora_gguf_permute_rows(src, tmp, t->shape[0], t->ndim == 1 ? 1 : t->shape[1], perm, 0)) != LORA_OK) {
            lora_free(tmp);
            return s;
        }
        src = tmp;
    }
    ne[0] = t->ndim == 1 ? t->shape[0] : t->shape[1];   /* (out, in) row-major = ne (in, out) */
    ne[1] = t->shape[0];
    s = lora_gguf_add_tensor(w, name, t->ndim, ne, t->ndim == 1 ? LORA_GGML_F32 : dtype, src, (data || tmp) ? LORA_GGUF_COPY : 0);
    lora_free(tmp);
    return s;
}

/* Tensor idx with the adapter merged (a new buffer; NULL with *s = LORA_OK when untouched).
   module: the linear module whose weight idx is (-1: none); bias: replaced by an adapter bias. */
static float *llama__gguf_merged(const llama_model *m, const lora_adapter *ad, int idx, int module, lora_status *s) {
    const llama__tensor *t = &m->tensors[idx];
    const lora_module *lm = NULL;
    const float *bias = NULL;
    float *copy;
    int i;
    *s = LORA_OK;
    if (!ad) return NULL;
    for (i = 0; module >= 0 && i < ad->n_modules && !lm; i++)
        if (ad->modules[i].index == module) lm = &ad->modules[i];
    for (i = 0; i < ad->n_biases && !bias; i++)
        if (strcmp(ad->biases[i].name, t->name) == 0 && ad->biases[i].n == t->numel) bias = ad->biases[i].value;
    if (!lm && !bias) return NULL;
    if (!(copy = (float *)lora_malloc((size_t)t->numel * sizeof(float), "merged GGUF tensor"))) { *s = LORA_ERR_OOM; return NULL; }
    memcpy(copy, bias ? bias : llama__t(m, idx), (size_t)t->numel * sizeof(float));
    if (lm) lora_module_merge(lm, copy, 0, 1.0f);
    return copy;
}

/* Llama 3's per-frequency divisors, as convert_hf_to_gguf.py's LlamaModel.generate_extra_tensors computes them */
static void llama__gguf_rope_factors(const llama_config *c, float *out) {
    int D = c->head_dim, i;
    double lo_wl = c->rope_original_max_position / c->rope_low_freq_factor;
    double hi_wl = c->rope_original_max_position / c->rope_high_freq_factor;
    for (i = 0; i < D / 2; i++) {
        float freq = 1.0f / powf((float)c->rope_theta, (float)(2 * i) / (float)D);
        double wavelen = 2.0 * 3.14159265358979323846 / (double)freq;
        if (wavelen < hi_wl) out[i] = 1.0f;
        else if (wavelen > lo_wl) out[i] = (float)c->rope_factor;
        else {
            double smooth = (c->rope_original_max_position / wavelen - c->rope_low_freq_factor) /
                            (c->rope_high_freq_factor - c->rope_low_freq_factor);
            out[i] = (float)(1.0 / ((1.0 - smooth) / c->rope_factor + smooth));
        }
    }
}

static lora_status llama__op_gguf_write(const lora_model *b, const lora_tokenizer *tok, const lora_adapter *ad,
                                        lora_gguf_writer *w, lora_ggml_type dtype) {
    const llama_model *m = llama__ofc(b);
    const llama_config *c = &m->cfg;
    const char *arch = llama__gguf_arch_of(c);
    char key[96], name[LORA_GGUF_MAX_NAME];
    float *merged, *factors;
    lora_status s;
    int l, k, i, head_adapted = 0;
    if ((s = llama__weights(m, "lora_model_save_gguf")) != LORA_OK) return s;
    if ((s = llama__gguf_supported(c, "lora_model_save_gguf")) != LORA_OK) return s;
    if (ad && (s = llama__check_adapter(m, ad)) != LORA_OK) return s;
    for (i = 0; ad && i < ad->n_modules; i++) head_adapted |= ad->modules[i].index == m->n_linears - 1;
#define LLAMA__TRY(x) do { if ((s = (x)) != LORA_OK) return s; } while (0)
#define LLAMA__KEY(suffix) (snprintf(key, sizeof key, "%s.%s", arch, suffix), key)
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("block_count"), (uint32_t)c->n_layer));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("context_length"), (uint32_t)c->max_position_embeddings));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("embedding_length"), (uint32_t)c->hidden_size));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("feed_forward_length"), (uint32_t)c->intermediate_size));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("attention.head_count"), (uint32_t)c->n_head));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("attention.head_count_kv"), (uint32_t)c->n_kv_head));
    LLAMA__TRY(lora_gguf_set_f32(w, LLAMA__KEY("rope.freq_base"), (float)c->rope_theta));
    LLAMA__TRY(lora_gguf_set_f32(w, LLAMA__KEY("attention.layer_norm_rms_epsilon"), (float)c->rms_norm_eps));
    if ((int64_t)c->head_dim * c->n_head != c->hidden_size) {
        LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("attention.key_length"), (uint32_t)c->head_dim));
        LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("attention.value_length"), (uint32_t)c->head_dim));
    }
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("vocab_size"), (uint32_t)c->vocab_size));
    LLAMA__TRY(lora_gguf_set_u32(w, LLAMA__KEY("rope.dimension_count"), (uint32_t)c->head_dim));
    if (c->rope_type == LLAMA_ROPE_LINEAR) {
        LLAMA__TRY(lora_gguf_set_str(w, LLAMA__KEY("rope.scaling.type"), "linear"));
        LLAMA__TRY(lora_gguf_set_f32(w, LLAMA__KEY("rope.scaling.factor"), (float)c->rope_factor));
    }
#undef LLAMA__KEY
    LLAMA__TRY(lora_gguf_set_tokenizer(w, tok, "gpt2", NULL, c->vocab_size));
    LLAMA__TRY(llama__gguf_add(w, m, m->t_embed, "token_embd.weight", dtype, NULL, 0));
    for (l = 0; l < c->n_layer; l++) {
        snprintf(name, sizeof name, "blk.%d.attn_norm.weight", l);
        LLAMA__TRY(llama__gguf_add(w, m, llama__L(m, l, LLAMA__LN1), name, dtype, NULL, 0));
        for (k = 0; k < LLAMA_LINEARS_PER_LAYER; k++) {
            int wt = llama__L(m, l, llama__gguf_ws[k]), bt = llama__L(m, l, llama__gguf_bs[k]), perm = llama__gguf_perm(c, k);
            snprintf(name, sizeof name, "blk.%d.%s.weight", l, llama__gguf_kinds[k]);
            merged = llama__gguf_merged(m, ad, wt, l * LLAMA_LINEARS_PER_LAYER + k, &s);
            if (s != LORA_OK) return s;
            s = llama__gguf_add(w, m, wt, name, dtype, merged, perm);
            lora_free(merged);
            if (s != LORA_OK) return s;
            if (bt >= 0) {
                snprintf(name, sizeof name, "blk.%d.%s.bias", l, llama__gguf_kinds[k]);
                merged = llama__gguf_merged(m, ad, bt, -1, &s);
                if (s != LORA_OK) return s;
                s = llama__gguf_add(w, m, bt, name, dtype, merged, perm);
                lora_free(merged);
                if (s != LORA_OK) return s;
            }
            if (k == 3 && llama__qk_norm(c)) { /* qwen3 (refused above; kept for the names) */
                snprintf(name, sizeof name, "blk.%d.attn_q_norm.weight", l);
                LLAMA__TRY(llama__gguf_add(w, m, llama__L(m, l, LLAMA__QN), name, dtype, NULL, 0));
                snprintf(name, sizeof name, "blk.%d.attn_k_norm.weight", l);
                LLAMA__TRY(llama__gguf_add(w, m, llama__L(m, l, LLAMA__KN), name, dtype, NULL, 0));
            }
            if (k == 3) {
                snprintf(name, sizeof name, "blk.%d.ffn_norm.weight", l);
                LLAMA__TRY(llama__gguf_add(w, m, llama__L(m, l, LLAMA__LN2), name, dtype, NULL, 0));
            }
        }
    }
    LLAMA__TRY(llama__gguf_add(w, m, m->t_norm, "output_norm.weight", dtype, NULL, 0));
    /* output: the untied lm_head; a tied one only when an adapter on lm_head is merged (into a copy of the embedding) */
    if (!c->tie_word_embeddings || head_adapted) {
        merged = llama__gguf_merged(m, ad, m->t_head, m->n_linears - 1, &s);
        if (s != LORA_OK) return s;
        s = llama__gguf_add(w, m, m->t_head, "output.weight", dtype, merged, 0);
        lora_free(merged);
        if (s != LORA_OK) return s;
    }
    if (c->rope_type == LLAMA_ROPE_LLAMA3) {
        int64_t ne = c->head_dim / 2;
        if (!(factors = (float *)lora_malloc((size_t)ne * sizeof(float), "rope_freqs"))) return LORA_ERR_OOM;
        llama__gguf_rope_factors(c, factors);
        s = lora_gguf_add_tensor(w, "rope_freqs.weight", 1, &ne, LORA_GGML_F32, factors, LORA_GGUF_COPY);
        lora_free(factors);
        if (s != LORA_OK) return s;
    }
#undef LLAMA__TRY
    return LORA_OK;
}

static lora_status llama__op_gguf_module(const lora_model *b, int module, char name[LORA_GGUF_MAX_NAME], int *permute_heads) {
    const llama_model *m = llama__ofc(b);
    lora_status s;
    *permute_heads = 0;
    if ((s = llama__gguf_supported(&m->cfg, "GGUF adapter")) != LORA_OK) return s;
    if (module < 0 || module >= m->n_linears)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama: module %d out of range (%d modules)", module, m->n_linears);
    if (module == m->n_linears - 1) {
        if (m->cfg.tie_word_embeddings)
            return lora_fail(LORA_ERR_UNSUPPORTED, "lm_head is tied to the token embedding: llama.cpp cannot apply a LoRA to it "
                             "(export the merged model instead)");
        snprintf(name, LORA_GGUF_MAX_NAME, "output.weight");
        return LORA_OK;
    }
    snprintf(name, LORA_GGUF_MAX_NAME, "blk.%d.%s.weight", module / LLAMA_LINEARS_PER_LAYER,
             llama__gguf_kinds[module % LLAMA_LINEARS_PER_LAYER]);
    *permute_heads = llama__gguf_perm(&m->cfg, module % LLAMA_LINEARS_PER_LAYER);
    return LORA_OK;
}

/* ---- import ---- */
static lora_status llama__gguf_int(const lora_gguf *g, const char *arch, const char *suffix, int *out, int required) {
    char key[96];
    int64_t v;
    lora_status s;
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    s = lora_gguf_get_int(g, key, &v);
    if (s == LORA_ERR_NOT_FOUND && !required) return LORA_OK;
    if (s == LORA_ERR_NOT_FOUND) return lora_fail(s, "%s: key '%s' is missing (a %s GGUF model needs it)", g->path, key, arch);
    if (s != LORA_OK) return s;
    if (v <= 0 || v > (1 << 30)) return lora_fail(LORA_ERR_FORMAT, "%s: key '%s' = %lld is out of range", g->path, key, (long long)v);
    *out = (int)v;
    return LORA_OK;
}

/* Llama 3's rope scaling from rope_freqs (the divisors): the parameters that reproduce them */
static lora_status llama__gguf_llama3(const lora_gguf *g, const lora_gguf_tensor *t, llama_config *c) {
    static const double los[] = {1.0, 0.5, 2.0}, his[] = {4.0, 2.0, 8.0};
    float f[4096 / 2], want[4096 / 2];
    int n = c->head_dim / 2, i, a, b2, k;
    double mx = 0;
    lora_status s;
    if (t->n_dims != 1 || t->ne[0] != n)
        return lora_fail(LORA_ERR_SHAPE, "%s: rope_freqs.weight: expected ne (%d)", g->path, n);
    if ((s = lora_gguf_tensor_f32(g, t, f, n)) != LORA_OK) return s;
    for (i = 0; i < n; i++) {
        if (!(f[i] >= 1.0f) || f[i] > 1e6f)
            return lora_fail(LORA_ERR_FORMAT, "%s: rope_freqs.weight[%d] = %g is not a Llama 3 rope factor", g->path, i, (double)f[i]);
        if (f[i] > mx) mx = f[i];
    }
    c->rope_type = LLAMA_ROPE_LLAMA3;
    /* Llama 3.x's own parameters first (factor 8 or 32, 1, 4, 8192: the factor need not appear in a
       small head's factors), then any power-of-two original context */
    for (a = 0; a < 6; a++) {
        static const double fs[6] = {0, 8, 32, 16, 4, 2};
        int ok = 1;
        c->rope_factor = a ? fs[a] : mx;
        c->rope_low_freq_factor = 1.0; c->rope_high_freq_factor = 4.0; c->rope_original_max_position = 8192;
        llama__gguf_rope_factors(c, want);
        for (i = 0; i < n && ok; i++) ok = fabsf(want[i] - f[i]) <= 1e-5f * f[i];
        if (ok) return LORA_OK;
    }
    c->rope_factor = mx;
    for (a = 0; a < 3; a++)
        for (b2 = 0; b2 < 3; b2++)
            for (k = 0; k <= 24; k++) {
                int ok = 1;
                c->rope_low_freq_factor = los[a];
                c->rope_high_freq_factor = his[b2];
                c->rope_original_max_position = 1 << k;
                llama__gguf_rope_factors(c, want);
                for (i = 0; i < n && ok; i++) ok = fabsf(want[i] - f[i]) <= 1e-5f * f[i];
                if (ok) return LORA_OK;
            }
    return lora_fail(LORA_ERR_UNSUPPORTED, "%s: rope_freqs.weight is not Llama 3's scaling with a power-of-two original context", g->path);
}

static lora_status llama__load_gguf(const char *path, lora_pool *pool, llama_model **out) {
    lora_gguf *g = NULL;
    llama_model *m = NULL;
    llama_config cfg;
    const char *arch = NULL, *type = NULL;
    const lora_gguf_tensor *te, *ft;
    float *tmp = NULL;
    lora_status s;
    double v;
    int k, l, ff = 0, kl = 0;
    size_t i;
    char name[LORA_GGUF_MAX_NAME];
    *out = NULL;
    if ((s = lora_gguf_open(path, &g)) != LORA_OK) return s;
    if ((s = lora_gguf_get_str(g, "general.architecture", &arch)) != LORA_OK) goto done;
    if (lora_gguf_get_str(g, "general.type", &type) == LORA_OK && strcmp(type, "model") != 0) {
        s = lora_fail(LORA_ERR_FORMAT, "%s: general.type is \"%s\", not a model (a LoRA adapter GGUF is not a base model)", path, type);
        goto done;
    }
    if (strcmp(arch, "llama") == 0) llama__config_defaults(&cfg, LLAMA_ARCH_LLAMA);
    else if (strcmp(arch, "qwen2") == 0) llama__config_defaults(&cfg, LLAMA_ARCH_QWEN2);
    else if (strcmp(arch, "qwen3") == 0) llama__config_defaults(&cfg, LLAMA_ARCH_QWEN3);
    else {
        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: general.architecture is \"%s\", not llama, qwen2 or qwen3", path, arch);
        goto done;
    }
    cfg.bos_token_id = -1; cfg.n_eos = 0; cfg.sliding_window = 0; cfg.use_sliding_window = 0;
    if ((s = llama__gguf_int(g, arch, "block_count", &cfg.n_layer, 1)) != LORA_OK ||
        (s = llama__gguf_int(g, arch, "context_length", &cfg.max_position_embeddings, 1)) != LORA_OK ||
        (s = llama__gguf_int(g, arch, "embedding_length", &cfg.hidden_size, 1)) != LORA_OK ||
        (s = llama__gguf_int(g, arch, "feed_forward_length", &ff, 1)) != LORA_OK ||
        (s = llama__gguf_int(g, arch, "attention.head_count", &cfg.n_head, 1)) != LORA_OK)
        goto done;
    cfg.intermediate_size = ff;
    cfg.n_kv_head = cfg.n_head;
    if ((s = llama__gguf_int(g, arch, "attention.head_count_kv", &cfg.n_kv_head, 0)) != LORA_OK) goto done;
    cfg.head_dim = cfg.hidden_size / cfg.n_head;
    if ((s = llama__gguf_int(g, arch, "attention.key_length", &cfg.head_dim, 0)) != LORA_OK) goto done;
    kl = cfg.head_dim;
    if ((s = llama__gguf_int(g, arch, "attention.value_length", &kl, 0)) != LORA_OK) goto done;
    if ((s = llama__gguf_int(g, arch, "rope.dimension_count", &kl, 0)) != LORA_OK) goto done;
    if (kl != cfg.head_dim) {
        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: value_length / rope.dimension_count %d differs from the head size %d (partial rotary "
                      "or odd value heads are not supported)", path, kl, cfg.head_dim);
        goto done;
    }
    snprintf(name, sizeof name, "%s.rope.freq_base", arch);
    if ((s = lora_gguf_get_float(g, name, &v)) == LORA_OK) cfg.rope_theta = v;
    else if (s != LORA_ERR_NOT_FOUND) goto done;
    snprintf(name, sizeof name, "%s.attention.layer_norm_rms_epsilon", arch);
    if ((s = lora_gguf_get_float(g, name, &v)) != LORA_OK) goto done;
    cfg.rms_norm_eps = v;
    snprintf(name, sizeof name, "%s.rope.scaling.type", arch);
    {
        const char *st = NULL;
        if (lora_gguf_get_str(g, name, &st) == LORA_OK && strcmp(st, "none") != 0) {
            if (strcmp(st, "linear") != 0) {
                s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: %s \"%s\" is not supported (linear or none)", path, name, st);
                goto done;
            }
            snprintf(name, sizeof name, "%s.rope.scaling.factor", arch);
            if ((s = lora_gguf_get_float(g, name, &v)) != LORA_OK) goto done;
            cfg.rope_type = LLAMA_ROPE_LINEAR;
            cfg.rope_factor = v;
        }
    }
    if (!(te = lora_gguf_find_tensor(g, "token_embd.weight")) || te->n_dims != 2 || te->ne[0] != cfg.hidden_size ||
        te->ne[1] <= 0 || te->ne[1] > (1 << 24)) {
        s = lora_fail(LORA_ERR_FORMAT, "%s: token_embd.weight is missing or not (%d, vocab)", path, cfg.hidden_size);
        goto done;
    }
    cfg.vocab_size = (int)te->ne[1];
    cfg.tie_word_embeddings = lora_gguf_find_tensor(g, "output.weight") == NULL;
    if (cfg.arch == LLAMA_ARCH_LLAMA) {
        cfg.attention_bias = lora_gguf_find_tensor(g, "blk.0.attn_q.bias") != NULL;
        cfg.mlp_bias = lora_gguf_find_tensor(g, "blk.0.ffn_gate.bias") != NULL;
    } else if (cfg.arch == LLAMA_ARCH_QWEN3) cfg.attention_bias = lora_gguf_find_tensor(g, "blk.0.attn_q.bias") != NULL;
    if ((ft = lora_gguf_find_tensor(g, "rope_freqs.weight")) != NULL && (s = llama__gguf_llama3(g, ft, &cfg)) != LORA_OK) goto done;
    {
        int64_t id;
        if (lora_gguf_get_int(g, "tokenizer.ggml.bos_token_id", &id) == LORA_OK && id >= 0 && id < cfg.vocab_size) cfg.bos_token_id = (int32_t)id;
        if (lora_gguf_get_int(g, "tokenizer.ggml.eos_token_id", &id) == LORA_OK && id >= 0 && id < cfg.vocab_size) {
            cfg.n_eos = 1; cfg.eos[0] = (int32_t)id;
        }
    }
    {
        const char *gn = NULL;
        if (lora_gguf_get_str(g, "general.name", &gn) == LORA_OK) snprintf(cfg.name_or_path, sizeof cfg.name_or_path, "%s", gn);
    }
    llama__config_windows(&cfg);
    if ((s = llama_config_check(&cfg)) != LORA_OK) { s = lora_fail(LORA_ERR_FORMAT, "%s: %s", path, lora_last_error()); goto done; }
    if ((s = llama__model_new(&cfg, pool, 0, &m)) != LORA_OK) goto done;
    m->params = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "llama weights");
    if (!m->params) { s = LORA_ERR_OOM; goto done; }
    memset(m->params, 0, m->n_floats * sizeof(float));
    /* every model tensor from its GGUF name, with its shape */
    for (k = -3; k < cfg.n_layer * (LLAMA__PER_LAYER + 0); k++) {
        int idx, perm = 0, bias = 0;
        const llama__tensor *t;
        int64_t ne0, ne1;
        if (k == -3) { idx = m->t_embed; snprintf(name, sizeof name, "token_embd.weight"); }
        else if (k == -2) { idx = m->t_norm; snprintf(name, sizeof name, "output_norm.weight"); }
        else if (k == -1) {
            if (cfg.tie_word_embeddings) continue;
            idx = m->t_head; snprintf(name, sizeof name, "output.weight");
        } else {
            int slot = k % LLAMA__PER_LAYER, j;
            l = k / LLAMA__PER_LAYER;
            idx = llama__L(m, l, slot);
            if (idx < 0) continue;
            if (slot == LLAMA__LN1) snprintf(name, sizeof name, "blk.%d.attn_norm.weight", l);
            else if (slot == LLAMA__LN2) snprintf(name, sizeof name, "blk.%d.ffn_norm.weight", l);
            else if (slot == LLAMA__QN) snprintf(name, sizeof name, "blk.%d.attn_q_norm.weight", l);
            else if (slot == LLAMA__KN) snprintf(name, sizeof name, "blk.%d.attn_k_norm.weight", l);
            else
                for (j = 0; j < LLAMA_LINEARS_PER_LAYER; j++) {
                    if (slot == llama__gguf_ws[j] || slot == llama__gguf_bs[j]) {
                        bias = slot == llama__gguf_bs[j];
                        snprintf(name, sizeof name, "blk.%d.%s.%s", l, llama__gguf_kinds[j], bias ? "bias" : "weight");
                        perm = llama__gguf_perm(&cfg, j);
                    }
                }
        }
        t = &m->tensors[idx];
        ne0 = t->ndim == 1 ? t->shape[0] : t->shape[1];
        ne1 = t->ndim == 1 ? 1 : t->shape[0];
        if (!(ft = lora_gguf_find_tensor(g, name))) {
            s = lora_fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found (a %d-layer %s needs it)", path, name, cfg.n_layer, arch);
            goto done;
        }
        if (ft->ne[0] != ne0 || ft->ne[1] != ne1 || ft->ne[2] != 1 || ft->ne[3] != 1) {
            s = lora_fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected ne (%lld, %lld), found (%lld, %lld, %lld, %lld)", path, name,
                          (long long)ne0, (long long)ne1, (long long)ft->ne[0], (long long)ft->ne[1], (long long)ft->ne[2],
                          (long long)ft->ne[3]);
            goto done;
        }
        if (perm > 0) {
            if (!(tmp = (float *)lora_malloc((size_t)t->numel * sizeof(float), "GGUF permutation buffer"))) { s = LORA_ERR_OOM; goto done; }
            if ((s = lora_gguf_tensor_f32(g, ft, tmp, t->numel)) != LORA_OK) goto done;
            if ((s = lora_gguf_permute_rows(tmp, llama__t(m, idx), t->shape[0], t->ndim == 1 ? 1 : t->shape[1], perm, 1)) != LORA_OK) {
                s = lora_fail(s, "%s: %s: %s", path, name, lora_last_error());
                goto done;
            }
            lora_free(tmp);
            tmp = NULL;
        } else if ((s = lora_gguf_tensor_f32(g, ft, llama__t(m, idx), t->numel)) != LORA_OK) goto done;
    }
    /* every other tensor is a mistake (a LoRA adapter's, another architecture's) */
    for (i = 0; i < g->n_tensors; i++) {
        const char *n = g->tensors[i].name;
        int known = strcmp(n, "token_embd.weight") == 0 || strcmp(n, "output_norm.weight") == 0 ||
                    strcmp(n, "output.weight") == 0 || strcmp(n, "rope_freqs.weight") == 0;
        if (!known && strncmp(n, "blk.", 4) == 0) {
            char *end;
            long li = strtol(n + 4, &end, 10);
            if (end != n + 4 && *end == '.' && li >= 0 && li < cfg.n_layer) {
                const char *rest = end + 1;
                int j;
                if (strcmp(rest, "attn_norm.weight") == 0 || strcmp(rest, "ffn_norm.weight") == 0 ||
                    (llama__qk_norm(&cfg) && (strcmp(rest, "attn_q_norm.weight") == 0 || strcmp(rest, "attn_k_norm.weight") == 0)))
                    known = 1;
                for (j = 0; j < LLAMA_LINEARS_PER_LAYER && !known; j++) {
                    size_t kl2 = strlen(llama__gguf_kinds[j]);
                    if (strncmp(rest, llama__gguf_kinds[j], kl2) == 0 &&
                        (strcmp(rest + kl2, ".weight") == 0 || (strcmp(rest + kl2, ".bias") == 0 && llama__L(m, (int)li, llama__gguf_bs[j]) >= 0)))
                        known = 1;
                }
            }
        }
        if (!known) {
            s = lora_fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (not part of a %d-layer %s)", path, n, cfg.n_layer, arch);
            goto done;
        }
    }
done:
    lora_free(tmp);
    lora_gguf_close(g);
    if (s != LORA_OK) { llama_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}
