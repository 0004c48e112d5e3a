/* ---- config: presets, config.json, checks ---- */
static const char *const llama__arch_names[] = {"llama", "mistral", "qwen2", "qwen3"};
LORA_API const char *llama_arch_name(llama_arch a) { return (int)a >= 0 && (int)a < 4 ? llama__arch_names[a] : "?"; }

static void llama__config_defaults(llama_config *c, llama_arch a) {
    memset(c, 0, sizeof *c);
    c->arch = a;
    c->rms_norm_eps = 1e-6;
    c->rope_theta = 10000.0;
    c->initializer_range = 0.02;
    c->bos_token_id = -1; c->pad_token_id = -1;
    c->max_window_layers = 28;
    c->rope_factor = 1.0;
    switch (a) {
    case LLAMA_ARCH_LLAMA:
        c->vocab_size = 32000; c->hidden_size = 4096; c->intermediate_size = 11008; c->n_layer = 32; c->n_head = 32;
        c->max_position_embeddings = 2048; c->bos_token_id = 1; c->n_eos = 1; c->eos[0] = 2; break;
    case LLAMA_ARCH_MISTRAL:
        c->vocab_size = 32000; c->hidden_size = 4096; c->intermediate_size = 14336; c->n_layer = 32; c->n_head = 32;
        c->n_kv_head = 8; c->max_position_embeddings = 4096 * 32; c->sliding_window = 4096; c->bos_token_id = 1;
        c->n_eos = 1; c->eos[0] = 2; break;
    case LLAMA_ARCH_QWEN2:
    case LLAMA_ARCH_QWEN3:
        c->vocab_size = 151936; c->hidden_size = 4096; c->intermediate_size = 22016; c->n_layer = 32; c->n_head = 32;
        c->n_kv_head = 32; c->max_position_embeddings = 32768; c->sliding_window = 4096;
        if (a == LLAMA_ARCH_QWEN3) c->head_dim = 128;
        break;
    }
}

/* the per-layer windows from the config's fields (layer_types set them directly) */
static void llama__config_windows(llama_config *c) {
    int l;
    for (l = 0; l < c->n_layer && l < LLAMA_MAX_LAYERS; l++) {
        if (c->arch == LLAMA_ARCH_MISTRAL) c->layer_sliding[l] = c->sliding_window > 0;
        else if (c->arch == LLAMA_ARCH_LLAMA) c->layer_sliding[l] = 0;
        else c->layer_sliding[l] = c->use_sliding_window && c->sliding_window > 0 && l >= c->max_window_layers;
    }
}

LORA_API int llama_config_layer_window(const llama_config *c, int l) {
    if (!c || l < 0 || l >= c->n_layer || l >= LLAMA_MAX_LAYERS) return 0;
    return c->layer_sliding[l] ? c->sliding_window : 0;
}

typedef struct {
    const char *name, *hub;
    llama_arch arch;
    int L, C, H, KV, D, I, V, P;
    double theta;
    double eps, init;
    int tied, window, use_window, max_window_layers, llama3, bos, eos;
} llama__preset;
static const llama__preset llama__presets[] = {
    {"smollm2-135m", "HuggingFaceTB/SmolLM2-135M", LLAMA_ARCH_LLAMA, 30, 576, 9, 3, 64, 1536, 49152, 8192, 1e5, 1e-5, 0.041666666666666664, 1, 0, 0, 0, 0, 0, 0},
    {"smollm2-360m", "HuggingFaceTB/SmolLM2-360M", LLAMA_ARCH_LLAMA, 32, 960, 15, 5, 64, 2560, 49152, 8192, 1e5, 1e-5, 0.02, 1, 0, 0, 0, 0, 0, 0},
    {"qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B", LLAMA_ARCH_QWEN2, 24, 896, 14, 2, 64, 4864, 151936, 32768, 1e6, 1e-6, 0.02, 1, 32768, 0, 24, 0, 151643, 151643},
    {"qwen3-0.6b", "Qwen/Qwen3-0.6B", LLAMA_ARCH_QWEN3, 28, 1024, 16, 8, 128, 3072, 151936, 40960, 1e6, 1e-6, 0.02, 1, 0, 0, 28, 0, 151643, 151645},
    {"llama-3.2-1b", "meta-llama/Llama-3.2-1B", LLAMA_ARCH_LLAMA, 16, 2048, 32, 8, 64, 8192, 128256, 131072, 5e5, 1e-5, 0.02, 1, 0, 0, 0, 1, 128000, 128001},
    {"tinyllama-1.1b", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", LLAMA_ARCH_LLAMA, 22, 2048, 32, 4, 64, 5632, 32000, 2048, 1e4, 1e-5, 0.02, 0, 0, 0, 0, 0, 1, 2},
    {"mistral-7b", "mistralai/Mistral-7B-v0.1", LLAMA_ARCH_MISTRAL, 32, 4096, 32, 8, 128, 14336, 32000, 32768, 1e4, 1e-5, 0.02, 0, 4096, 0, 0, 0, 1, 2},
    {"tiny-llama", "tiny-llama", LLAMA_ARCH_LLAMA, 2, 64, 4, 2, 16, 160, 512, 64, 1e4, 1e-5, 0.02, 1, 0, 0, 0, 0, 1, 2},
    {"tiny-llama3", "tiny-llama3", LLAMA_ARCH_LLAMA, 2, 64, 4, 2, 16, 160, 512, 64, 1e4, 1e-5, 0.02, 1, 0, 0, 0, 2, 1, 2},
    {"tiny-qwen2", "tiny-qwen2", LLAMA_ARCH_QWEN2, 2, 64, 4, 2, 16, 160, 512, 64, 1e6, 1e-6, 0.02, 1, 64, 0, 2, 0, 0, 0},
    {"tiny-qwen3", "tiny-qwen3", LLAMA_ARCH_QWEN3, 2, 64, 4, 2, 32, 160, 512, 64, 1e6, 1e-6, 0.02, 1, 0, 0, 2, 0, 0, 0},
    {"tiny-mistral", "tiny-mistral", LLAMA_ARCH_MISTRAL, 2, 64, 4, 2, 16, 160, 512, 64, 1e4, 1e-5, 0.02, 0, 8, 0, 0, 0, 1, 2},
};
#define LLAMA__N_PRESETS ((int)(sizeof llama__presets / sizeof llama__presets[0]))

LORA_API lora_status llama_config_preset(const char *name, llama_config *out) {
    int i;
    if (!name || !out) return lora_fail(LORA_ERR_INVALID_ARG, "llama_config_preset: NULL argument");
    for (i = 0; i < LLAMA__N_PRESETS; i++) {
        const llama__preset *p = &llama__presets[i];
        if (strcmp(p->name, name) != 0) continue;
        llama__config_defaults(out, p->arch);
        out->n_layer = p->L; out->hidden_size = p->C; out->n_head = p->H; out->n_kv_head = p->KV; out->head_dim = p->D;
        out->intermediate_size = p->I; out->vocab_size = p->V; out->max_position_embeddings = p->P;
        out->rope_theta = p->theta; out->rms_norm_eps = p->eps; out->initializer_range = p->init;
        out->tie_word_embeddings = p->tied;
        out->sliding_window = p->window; out->use_sliding_window = p->use_window; out->max_window_layers = p->max_window_layers;
        out->bos_token_id = p->bos; out->n_eos = 1; out->eos[0] = p->eos;
        if (p->llama3) {
            out->rope_type = LLAMA_ROPE_LLAMA3;
            out->rope_factor = p->llama3 == 1 ? 32.0 : 8.0;
            out->rope_low_freq_factor = 1.0; out->rope_high_freq_factor = 4.0;
            out->rope_original_max_position = p->llama3 == 1 ? 8192 : 32;
        }
        snprintf(out->name_or_path, sizeof out->name_or_path, "%s", p->hub);
        llama__config_windows(out);
        return llama_config_check(out);
    }
    return lora_fail(LORA_ERR_NOT_FOUND, "unknown preset '%s' (known: smollm2-135m, smollm2-360m, qwen2.5-0.5b, qwen3-0.6b, "
                     "llama-3.2-1b, tinyllama-1.1b, mistral-7b, tiny-llama, tiny-llama3, tiny-qwen2, tiny-qwen3, tiny-mistral)", name);
}

LORA_API lora_status llama_config_check(const llama_config *c) {
    if (!c) return lora_fail(LORA_ERR_INVALID_ARG, "llama config is NULL");
    if ((int)c->arch < 0 || (int)c->arch > 3) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: unknown architecture %d", (int)c->arch);
    if (c->n_layer <= 0 || c->hidden_size <= 0 || c->n_head <= 0 || c->n_kv_head <= 0 || c->head_dim <= 0 ||
        c->intermediate_size <= 0 || c->vocab_size <= 0 || c->max_position_embeddings <= 0)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama config: sizes must be positive (num_hidden_layers %d, hidden_size %d, "
                         "num_attention_heads %d, num_key_value_heads %d, head_dim %d, intermediate_size %d, vocab_size %d, "
                         "max_position_embeddings %d)", c->n_layer, c->hidden_size, c->n_head, c->n_kv_head, c->head_dim,
                         c->intermediate_size, c->vocab_size, c->max_position_embeddings);
    if (c->n_layer > LLAMA_MAX_LAYERS || c->hidden_size > 65536 || c->intermediate_size > (1 << 20) || c->vocab_size > (1 << 24) ||
        c->n_head > 4096 || c->head_dim > 4096 || (int64_t)c->n_head * c->head_dim > 65536)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama config: sizes out of the supported range");
    if (c->n_head % c->n_kv_head != 0)
        return lora_fail(LORA_ERR_INVALID_ARG, "llama config: num_attention_heads %d is not divisible by num_key_value_heads %d",
                         c->n_head, c->n_kv_head);
    if (c->head_dim % 2) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: head_dim %d must be even (RoPE)", c->head_dim);
    if (!(c->rms_norm_eps > 0.0)) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: rms_norm_eps must be > 0");
    if (!(c->rope_theta > 0.0)) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: rope_theta must be > 0");
    if (c->rope_type != LLAMA_ROPE_DEFAULT && !(c->rope_factor > 0.0))
        return lora_fail(LORA_ERR_INVALID_ARG, "llama config: rope_scaling factor must be > 0");
    if (c->rope_type == LLAMA_ROPE_LLAMA3 && (!(c->rope_high_freq_factor > c->rope_low_freq_factor) || !(c->rope_low_freq_factor > 0) ||
                                              c->rope_original_max_position <= 0))
        return lora_fail(LORA_ERR_INVALID_ARG, "llama config: llama3 rope_scaling needs high_freq_factor > low_freq_factor > 0 "
                         "and original_max_position_embeddings > 0");
    if (c->sliding_window < 0) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: sliding_window must be >= 0");
    if (c->pad_token_id >= c->vocab_size) return lora_fail(LORA_ERR_INVALID_ARG, "llama config: pad_token_id %d outside the vocabulary", (int)c->pad_token_id);
    return LORA_OK;
}

static int llama__qkv_bias(const llama_config *c) {
    return c->arch == LLAMA_ARCH_QWEN2 ? 1 : c->arch == LLAMA_ARCH_MISTRAL ? 0 : c->attention_bias;
}
static int llama__o_bias(const llama_config *c) {
    return (c->arch == LLAMA_ARCH_LLAMA || c->arch == LLAMA_ARCH_QWEN3) ? c->attention_bias : 0;
}
static int llama__mlp_bias(const llama_config *c) { return c->arch == LLAMA_ARCH_LLAMA ? c->mlp_bias : 0; }
static int llama__qk_norm(const llama_config *c) { return c->arch == LLAMA_ARCH_QWEN3; }

LORA_API int64_t llama_config_num_params(const llama_config *c) {
    int64_t C, I, QD, KD, per, n;
    if (!c) return 0;
    C = c->hidden_size; I = c->intermediate_size; QD = (int64_t)c->n_head * c->head_dim; KD = (int64_t)c->n_kv_head * c->head_dim;
    per = C * QD + 2 * C * KD + QD * C + 3 * C * I + 2 * C;
    if (llama__qkv_bias(c)) per += QD + 2 * KD;
    if (llama__o_bias(c)) per += C;
    if (llama__mlp_bias(c)) per += 2 * I + C;
    if (llama__qk_norm(c)) per += 2 * (int64_t)c->head_dim;
    n = (int64_t)c->vocab_size * C + c->n_layer * per + C;
    if (!c->tie_word_embeddings) n += (int64_t)c->vocab_size * C;
    return n;
}

/* ---- config.json ---- */
static lora_status llama__json_int(const lora_json *j, const char *path, const char *key, int lo, int hi, int *out, int *present) {
    const lora_json *v = lora_json_get(j, key);
    int64_t iv;
    if (present) *present = 0;
    if (!v || v->type == LORA_JSON_NULL) return LORA_OK;
    if (!lora_json_int64(v, &iv) || iv < lo || iv > hi)
        return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": expected an integer in [%d, %d], found %s", path, key, lo, hi,
                         v->type == LORA_JSON_NUMBER ? v->str : lora_json_type_name(v->type));
    *out = (int)iv;
    if (present) *present = 1;
    return LORA_OK;
}
static lora_status llama__json_num(const lora_json *j, const char *path, const char *key, double *out) {
    const lora_json *v = lora_json_get(j, key);
    if (!v || v->type == LORA_JSON_NULL) return LORA_OK;
    if (v->type != LORA_JSON_NUMBER) return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": expected a number, found %s", path, key, lora_json_type_name(v->type));
    *out = v->number;
    return LORA_OK;
}
static lora_status llama__json_bool(const lora_json *j, const char *path, const char *key, int *out) {
    const lora_json *v = lora_json_get(j, key);
    if (!v || v->type == LORA_JSON_NULL) return LORA_OK;
    if (v->type != LORA_JSON_TRUE && v->type != LORA_JSON_FALSE)
        return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": expected true or false, found %s", path, key, lora_json_type_name(v->type));
    *out = v->type == LORA_JSON_TRUE;
    return LORA_OK;
}

/* rope_scaling (or transformers v5's rope_parameters) */
static lora_status llama__read_rope(const lora_json *rs, const char *path, const char *key, llama_config *c) {
    const char *type;
    double d;
    lora_status s;
    if (!rs || rs->type == LORA_JSON_NULL) return LORA_OK;
    if (rs->type != LORA_JSON_OBJECT) return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": expected an object or null", path, key);
    if (lora_json_get_number(rs, "rope_theta", &d)) c->rope_theta = d;
    type = lora_json_get_string(rs, "rope_type");
    if (!type) type = lora_json_get_string(rs, "type");
    if (!type || strcmp(type, "default") == 0) return LORA_OK;
    if (strcmp(type, "linear") == 0) c->rope_type = LLAMA_ROPE_LINEAR;
    else if (strcmp(type, "llama3") == 0) c->rope_type = LLAMA_ROPE_LLAMA3;
    else if (strcmp(type, "dynamic") == 0) c->rope_type = LLAMA_ROPE_DYNAMIC;
    else return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"%s\": rope type \"%s\" is not implemented (default, linear, llama3, dynamic are)",
                          path, key, type);
    if (!lora_json_get_number(rs, "factor", &c->rope_factor))
        return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": rope type \"%s\" needs a numeric \"factor\"", path, key, type);
    if (lora_json_get(rs, "attention_factor") && lora_json_get(rs, "attention_factor")->type != LORA_JSON_NULL)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"%s\": attention_factor is not implemented", path, key);
    if (c->rope_type == LLAMA_ROPE_LLAMA3) {
        c->rope_original_max_position = c->max_position_embeddings;
        if (!lora_json_get_number(rs, "low_freq_factor", &c->rope_low_freq_factor) ||
            !lora_json_get_number(rs, "high_freq_factor", &c->rope_high_freq_factor))
            return lora_fail(LORA_ERR_FORMAT, "%s: \"%s\": llama3 rope scaling needs low_freq_factor and high_freq_factor", path, key);
        if ((s = llama__json_int(rs, path, "original_max_position_embeddings", 1, 1 << 30, &c->rope_original_max_position, NULL)) != LORA_OK) return s;
    }
    return LORA_OK;
}

/* keys that would change the numerics and that this header does not implement */
static lora_status llama__refuse_keys(const lora_json *j, const char *path) {
    static const char *const refuse_non_null[] = {"quantization_config", "attn_logit_softcapping", "final_logit_softcapping",
                                                  "no_rope_layers", "sliding_window_pattern", "embedding_multiplier",
                                                  "logits_scaling", "residual_multiplier", "attention_multiplier"};
    size_t i;
    double d;
    int b;
    for (i = 0; i < sizeof refuse_non_null / sizeof refuse_non_null[0]; i++) {
        const lora_json *v = lora_json_get(j, refuse_non_null[i]);
        if (v && v->type != LORA_JSON_NULL)
            return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"%s\" is set: that changes the model's computation and is not implemented",
                             path, refuse_non_null[i]);
    }
    if (lora_json_get_number(j, "partial_rotary_factor", &d) && d != 1.0)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"partial_rotary_factor\" %g: only 1 (RoPE over the whole head) is implemented", path, d);
    if (lora_json_get_bool(j, "rope_interleaved", &b) && b)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"rope_interleaved\": true is not implemented (Hugging Face's rotate_half layout is)", path);
    if (lora_json_get_bool(j, "use_mrope", &b) && b)
        return lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"use_mrope\": true (multimodal RoPE) is not implemented", path);
    return LORA_OK;
}

LORA_API lora_status llama_config_read(const char *path, llama_config *c) {
    char *text = NULL;
    size_t len;
    lora_json *j = NULL;
    lora_status s;
    const char *mt, *act, *nm;
    const lora_json *v;
    int i, present;
    if (!path || !c) return lora_fail(LORA_ERR_INVALID_ARG, "llama_config_read: NULL argument");
    if ((s = lora_read_file(path, &text, &len)) != LORA_OK) return s;
    s = lora_json_parse(text, len, path, &j);
    lora_free(text);
    if (s != LORA_OK) return s;
    if (j->type != LORA_JSON_OBJECT) { lora_json_free(j); return lora_fail(LORA_ERR_FORMAT, "%s: expected a JSON object", path); }
    mt = lora_json_get_string(j, "model_type");
    if (!mt) { lora_json_free(j); return lora_fail(LORA_ERR_FORMAT, "%s: no \"model_type\" (llama, mistral, qwen2 or qwen3)", path); }
    for (i = 0; i < 4; i++) if (strcmp(mt, llama__arch_names[i]) == 0) break;
    if (i == 4) {
        s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: model_type \"%s\" is not one of llama, mistral, qwen2, qwen3", path, mt);
        lora_json_free(j);
        return s;
    }
    llama__config_defaults(c, (llama_arch)i);
#define LLAMA__TRY(x) do { if ((s = (x)) != LORA_OK) goto done; } while (0)
    LLAMA__TRY(llama__refuse_keys(j, path));
    LLAMA__TRY(llama__json_int(j, path, "vocab_size", 1, 1 << 24, &c->vocab_size, NULL));
    LLAMA__TRY(llama__json_int(j, path, "hidden_size", 1, 65536, &c->hidden_size, NULL));
    LLAMA__TRY(llama__json_int(j, path, "intermediate_size", 1, 1 << 20, &c->intermediate_size, NULL));
    LLAMA__TRY(llama__json_int(j, path, "num_hidden_layers", 1, LLAMA_MAX_LAYERS, &c->n_layer, NULL));
    LLAMA__TRY(llama__json_int(j, path, "num_attention_heads", 1, 4096, &c->n_head, NULL));
    c->n_kv_head = c->arch == LLAMA_ARCH_MISTRAL ? 8 : (c->arch == LLAMA_ARCH_LLAMA ? c->n_head : 32);
    LLAMA__TRY(llama__json_int(j, path, "num_key_value_heads", 1, 4096, &c->n_kv_head, &present));
    if (!present && c->arch == LLAMA_ARCH_LLAMA) c->n_kv_head = c->n_head;
    if (c->arch != LLAMA_ARCH_QWEN3) c->head_dim = 0;
    LLAMA__TRY(llama__json_int(j, path, "head_dim", 1, 4096, &c->head_dim, NULL));
    if (c->head_dim == 0) c->head_dim = c->hidden_size / c->n_head;
    LLAMA__TRY(llama__json_int(j, path, "max_position_embeddings", 1, 1 << 30, &c->max_position_embeddings, NULL));
    LLAMA__TRY(llama__json_num(j, path, "rms_norm_eps", &c->rms_norm_eps));
    LLAMA__TRY(llama__json_num(j, path, "rope_theta", &c->rope_theta));
    LLAMA__TRY(llama__json_num(j, path, "initializer_range", &c->initializer_range));
    LLAMA__TRY(llama__json_bool(j, path, "tie_word_embeddings", &c->tie_word_embeddings));
    LLAMA__TRY(llama__json_bool(j, path, "attention_bias", &c->attention_bias));
    LLAMA__TRY(llama__json_bool(j, path, "mlp_bias", &c->mlp_bias));
    LLAMA__TRY(llama__json_bool(j, path, "use_sliding_window", &c->use_sliding_window));
    v = lora_json_get(j, "sliding_window");
    if (v && v->type == LORA_JSON_NULL) c->sliding_window = 0;
    else LLAMA__TRY(llama__json_int(j, path, "sliding_window", 0, 1 << 30, &c->sliding_window, NULL));
    LLAMA__TRY(llama__json_int(j, path, "max_window_layers", 0, 1 << 30, &c->max_window_layers, NULL));
    act = lora_json_get_string(j, "hidden_act");
    if (act && strcmp(act, "silu") != 0) { s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: hidden_act \"%s\" is not implemented (silu is)", path, act); goto done; }
    if ((v = lora_json_get(j, "hidden_act")) && v->type != LORA_JSON_STRING && v->type != LORA_JSON_NULL) {
        s = lora_fail(LORA_ERR_FORMAT, "%s: \"hidden_act\": expected a string", path); goto done;
    }
    LLAMA__TRY(llama__read_rope(lora_json_get(j, "rope_scaling"), path, "rope_scaling", c));
    LLAMA__TRY(llama__read_rope(lora_json_get(j, "rope_parameters"), path, "rope_parameters", c));
    {
        int b = -1, p = -1;
        LLAMA__TRY(llama__json_int(j, path, "bos_token_id", 0, 1 << 30, &b, &present)); c->bos_token_id = present ? b : (lora_json_get(j, "bos_token_id") ? -1 : c->bos_token_id);
        LLAMA__TRY(llama__json_int(j, path, "pad_token_id", 0, 1 << 30, &p, &present)); c->pad_token_id = present ? p : -1;
    }
    v = lora_json_get(j, "eos_token_id");
    if (v && v->type == LORA_JSON_ARRAY) {
        size_t k;
        c->n_eos = 0;
        for (k = 0; k < v->n; k++) {
            int64_t e;
            if (!lora_json_int64(&v->items[k], &e) || e < 0 || e > (1 << 30)) { s = lora_fail(LORA_ERR_FORMAT, "%s: \"eos_token_id\": item %zu is not a token id", path, k); goto done; }
            if (c->n_eos < 4) c->eos[c->n_eos++] = (int32_t)e;
        }
    } else if (v && v->type != LORA_JSON_NULL) {
        int e = 0;
        LLAMA__TRY(llama__json_int(j, path, "eos_token_id", 0, 1 << 30, &e, NULL));
        c->n_eos = 1; c->eos[0] = e;
    } else if (v) c->n_eos = 0;
    v = lora_json_get(j, "layer_types");
    llama__config_windows(c);
    if (v && v->type == LORA_JSON_ARRAY && (c->arch == LLAMA_ARCH_QWEN2 || c->arch == LLAMA_ARCH_QWEN3)) {
        size_t k;
        if (v->n != (size_t)c->n_layer) { s = lora_fail(LORA_ERR_FORMAT, "%s: \"layer_types\" has %zu entries, num_hidden_layers is %d", path, v->n, c->n_layer); goto done; }
        for (k = 0; k < v->n; k++) {
            const char *t = v->items[k].type == LORA_JSON_STRING ? v->items[k].str : "";
            if (strcmp(t, "sliding_attention") == 0) c->layer_sliding[k] = c->use_sliding_window && c->sliding_window > 0;
            else if (strcmp(t, "full_attention") == 0) c->layer_sliding[k] = 0;
            else { s = lora_fail(LORA_ERR_UNSUPPORTED, "%s: \"layer_types\"[%zu] \"%s\": expected full_attention or sliding_attention", path, k, t); goto done; }
        }
    }
    nm = lora_json_get_string(j, "_name_or_path");
    if (nm) snprintf(c->name_or_path, sizeof c->name_or_path, "%s", nm);
    s = llama_config_check(c);
    if (s != LORA_OK) s = lora_fail(s, "%s: %s", path, lora_last_error());
#undef LLAMA__TRY
done:
    lora_json_free(j);
    return s;
}
