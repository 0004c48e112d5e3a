static lora_status llama__load_gguf(const char *path, lora_pool *pool, llama_model **out); /* 45_gguf.impl.c */
/* ---- loading and saving weights (Hugging Face layout) ---- */
static char *llama__sibling(const char *path, const char *name) {
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path + 1) : 0, n = strlen(name);
    char *p = (char *)lora_malloc(dir + n + 1, "path");
    if (!p) return NULL;
    memcpy(p, path, dir);
    memcpy(p + dir, name, n + 1);
    return p;
}
static int llama__ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* the open files: one, or the shards an index names */
typedef struct { int n; lora_safetensors **st; char **names; } llama__files;
static void llama__files_close(llama__files *f) {
    int i;
    for (i = 0; i < f->n; i++) { lora_st_close(f->st[i]); lora_free(f->names[i]); }
    lora_free(f->st); lora_free(f->names);
    memset(f, 0, sizeof *f);
}
static lora_status llama__files_open(const char *path, llama__files *f) {
    lora_status s;
    memset(f, 0, sizeof *f);
    if (!llama__ends_with(path, ".index.json")) {
        f->st = (lora_safetensors **)lora_calloc(1, sizeof *f->st, "files");
        f->names = (char **)lora_calloc(1, sizeof *f->names, "files");
        if (!f->st || !f->names) { llama__files_close(f); return LORA_ERR_OOM; }
        if ((s = lora_st_open(path, &f->st[0])) != LORA_OK) { llama__files_close(f); return s; }
        f->n = 1;
        return LORA_OK;
    } else {
        char *text = NULL;
        size_t len, k;
        lora_json *j = NULL;
        const lora_json *wm;
        if ((s = lora_read_file(path, &text, &len)) != LORA_OK) return s;
        s = lora_json_parse(text, len, path, &j);
        lora_free(text);
        if (s != LORA_OK) return s;
        wm = lora_json_get(j, "weight_map");
        if (!wm || wm->type != LORA_JSON_OBJECT || wm->n == 0) {
            lora_json_free(j);
            return lora_fail(LORA_ERR_FORMAT, "%s: expected an object \"weight_map\" (tensor name -> shard file)", path);
        }
        f->st = (lora_safetensors **)lora_calloc(wm->n, sizeof *f->st, "files");
        f->names = (char **)lora_calloc(wm->n, sizeof *f->names, "files");
        if (!f->st || !f->names) { lora_json_free(j); llama__files_close(f); return LORA_ERR_OOM; }
        for (k = 0; k < wm->n; k++) {
            const lora_json *v = &wm->items[k];
            int i, seen = 0;
            if (v->type != LORA_JSON_STRING || !v->str[0] || strchr(v->str, '/') || strstr(v->str, "..")) {
                s = lora_fail(LORA_ERR_FORMAT, "%s: weight_map[\"%s\"]: expected a file name beside the index", path, wm->keys[k]);
                break;
            }
            for (i = 0; i < f->n; i++) if (strcmp(f->names[i], v->str) == 0) seen = 1;
            if (seen) continue;
            if (!(f->names[f->n] = lora_strdup(v->str))) { s = LORA_ERR_OOM; break; }
            {
                char *p = llama__sibling(path, v->str);
                if (!p) { lora_free(f->names[f->n]); s = LORA_ERR_OOM; break; }
                s = lora_st_open(p, &f->st[f->n]);
                lora_free(p);
                if (s != LORA_OK) { lora_free(f->names[f->n]); break; }
            }
            f->n++;
        }
        lora_json_free(j);
        if (s != LORA_OK) { llama__files_close(f); return s; }
        return LORA_OK;
    }
}
/* a tensor by name in any file (keys with or without "model."), and the file it is in */
static const lora_st_tensor *llama__files_find(const llama__files *f, const char *name, int *which) {
    int i;
    for (i = 0; i < f->n; i++) {
        const lora_st_tensor *t = lora_st_find(f->st[i], name);
        if (!t && strncmp(name, "model.", 6) == 0) t = lora_st_find(f->st[i], name + 6);
        if (t) { if (which) *which = i; return t; }
    }
    return NULL;
}

static lora_status llama__load(const char *path, const char *config_path, lora_pool *pool, llama_model **out) {
    llama__files f;
    llama_model *m = NULL;
    llama_config cfg;
    lora_status s;
    char *cpath = NULL;
    int k, i;
    size_t j;
    *out = NULL;
    if (!config_path) {
        if (!(cpath = llama__sibling(path, "config.json"))) return LORA_ERR_OOM;
        config_path = cpath;
    }
    s = llama_config_read(config_path, &cfg);
    if (s != LORA_OK) { lora_free(cpath); return s; }
    if ((s = llama__files_open(path, &f)) != LORA_OK) { lora_free(cpath); return s; }
    if ((s = llama__model_new(&cfg, pool, 0, &m)) != LORA_OK) goto done;
    for (k = 0; k < m->n_tensors; k++) {
        const llama__tensor *t = &m->tensors[k];
        const lora_st_tensor *ft = llama__files_find(&f, t->name, NULL);
        if (!ft) {
            s = lora_fail(LORA_ERR_NOT_FOUND, "%s: tensor '%s' not found (a %s with %d layers%s needs it)", path, t->name,
                          llama_arch_name(cfg.arch), cfg.n_layer, cfg.tie_word_embeddings ? "" : " and an untied lm_head");
            goto done;
        }
        if (ft->ndim != t->ndim || ft->shape[0] != t->shape[0] || (t->ndim > 1 && ft->shape[1] != t->shape[1])) {
            s = lora_fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected shape (%lld%s%lld), found a %d-dimensional tensor (%lld%s%lld%s)",
                          path, t->name, (long long)t->shape[0], t->ndim > 1 ? ", " : "", t->ndim > 1 ? (long long)t->shape[1] : 0LL,
                          ft->ndim, (long long)(ft->ndim > 0 ? ft->shape[0] : 0), ft->ndim > 1 ? ", " : "",
                          ft->ndim > 1 ? (long long)ft->shape[1] : 0LL, ft->ndim > 2 ? ", ..." : "");
            goto done;
        }
    }
    /* every other tensor: a rotary buffer, or a tied lm_head equal to the embedding */
    for (i = 0; i < f.n; i++)
        for (j = 0; j < f.st[i]->n_tensors; j++) {
            const char *n = f.st[i]->tensors[j].name;
            char full[200];
            snprintf(full, sizeof full, "%s%s", (strncmp(n, "model.", 6) == 0 || strcmp(n, "lm_head.weight") == 0) ? "" : "model.", n);
            if (llama__find_tensor(m, full) >= 0) continue;
            if (llama__ends_with(n, "rotary_emb.inv_freq")) continue;
            if (strcmp(n, "lm_head.weight") == 0 && cfg.tie_word_embeddings) continue; /* checked below */
            s = lora_fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (not part of a %s with %d layers%s)", f.n > 1 ? f.names[i] : path, n,
                          llama_arch_name(cfg.arch), cfg.n_layer, cfg.tie_word_embeddings ? ", tied lm_head" : "");
            goto done;
        }
    m->params = (float *)lora_alloc_aligned(m->n_floats * sizeof(float), "llama weights");
    if (!m->params) { s = LORA_ERR_OOM; goto done; }
    memset(m->params, 0, m->n_floats * sizeof(float));
    for (k = 0; k < m->n_tensors; k++) {
        int w = 0;
        const lora_st_tensor *ft = llama__files_find(&f, m->tensors[k].name, &w);
        if ((s = lora_st_read_f32(f.st[w], ft, llama__t(m, k), m->tensors[k].numel)) != LORA_OK) goto done;
        lora_st_release(f.st[w], ft);
    }
    if (cfg.tie_word_embeddings) {
        int w = 0;
        const lora_st_tensor *ft = llama__files_find(&f, "lm_head.weight", &w);
        if (ft) {
            float *tmp;
            int64_t e;
            const float *E = llama__t(m, m->t_embed);
            if (ft->ndim != 2 || ft->shape[0] != cfg.vocab_size || ft->shape[1] != cfg.hidden_size) {
                s = lora_fail(LORA_ERR_SHAPE, "%s: lm_head.weight: expected shape (%d, %d)", path, cfg.vocab_size, cfg.hidden_size);
                goto done;
            }
            if (!(tmp = (float *)lora_malloc(sizeof(float) * (size_t)ft->numel, "lm_head check"))) { s = LORA_ERR_OOM; goto done; }
            if ((s = lora_st_read_f32(f.st[w], ft, tmp, ft->numel)) == LORA_OK)
                for (e = 0; e < ft->numel; e++)
                    if (tmp[e] != E[e]) {
                        s = lora_fail(LORA_ERR_FORMAT, "%s: lm_head.weight differs from model.embed_tokens.weight at element %lld, but "
                                      "tie_word_embeddings is true", path, (long long)e);
                        break;
                    }
            lora_free(tmp);
            if (s != LORA_OK) goto done;
        }
    }
done:
    llama__files_close(&f);
    lora_free(cpath);
    if (s != LORA_OK) { llama_model_free(m); return s; }
    *out = m;
    return LORA_OK;
}

LORA_API lora_status llama_model_load(const char *path, const char *config_path, lora_pool *pool, llama_model **out) {
    if (!path || !out) return lora_fail(LORA_ERR_INVALID_ARG, "llama_model_load: NULL argument");
    if (lora_gguf_probe(path)) return llama__load_gguf(path, pool, out);
    return llama__load(path, config_path, pool, out);
}

static void llama__json_key_num(lora_buf *b, const char *key, double v, int last) {
    lora_buf_printf(b, "  \"%s\": ", key);
    lora_json_write_number(b, v);
    lora_buf_puts(b, last ? "\n" : ",\n");
}
/* config.json in the HF config class's fields (sorted), written to its temporary file */
static lora_status llama__write_config(const llama_model *m, const char *path, lora_atomic_file *af) {
    static const char *const arch_cls[] = {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"};
    const llama_config *c = &m->cfg;
    int a = (int)c->arch, k;
    lora_buf b;
    lora_status s;
    memset(&b, 0, sizeof b);
    lora_buf_puts(&b, "{\n");
    if (c->name_or_path[0]) {
        lora_buf_puts(&b, "  \"_name_or_path\": \"");
        for (k = 0; c->name_or_path[k]; k++) {
            char ch = c->name_or_path[k];
            if (ch == '"' || ch == '\\') lora_buf_printf(&b, "\\%c", ch);
            else if ((unsigned char)ch < 0x20) lora_buf_printf(&b, "\\u%04x", (unsigned)(unsigned char)ch);
            else lora_buf_append(&b, &ch, 1);
        }
        lora_buf_puts(&b, "\",\n");
    }
    lora_buf_printf(&b, "  \"architectures\": [\n    \"%s\"\n  ],\n", arch_cls[a]);
    if (a == LLAMA_ARCH_LLAMA || a == LLAMA_ARCH_QWEN3) lora_buf_printf(&b, "  \"attention_bias\": %s,\n", c->attention_bias ? "true" : "false");
    lora_buf_puts(&b, "  \"attention_dropout\": 0.0,\n");
    if (c->bos_token_id >= 0) lora_buf_printf(&b, "  \"bos_token_id\": %d,\n", (int)c->bos_token_id); else lora_buf_puts(&b, "  \"bos_token_id\": null,\n");
    if (c->n_eos == 1) lora_buf_printf(&b, "  \"eos_token_id\": %d,\n", (int)c->eos[0]);
    else if (c->n_eos == 0) lora_buf_puts(&b, "  \"eos_token_id\": null,\n");
    else {
        lora_buf_puts(&b, "  \"eos_token_id\": [");
        for (k = 0; k < c->n_eos; k++) lora_buf_printf(&b, "%s%d", k ? ", " : "", (int)c->eos[k]);
        lora_buf_puts(&b, "],\n");
    }
    if (a != LLAMA_ARCH_QWEN2 || c->head_dim != c->hidden_size / c->n_head) lora_buf_printf(&b, "  \"head_dim\": %d,\n", c->head_dim);
    lora_buf_printf(&b, "  \"hidden_act\": \"silu\",\n  \"hidden_size\": %d,\n", c->hidden_size);
    llama__json_key_num(&b, "initializer_range", c->initializer_range, 0);
    lora_buf_printf(&b, "  \"intermediate_size\": %d,\n  \"max_position_embeddings\": %d,\n", c->intermediate_size, c->max_position_embeddings);
    if (a == LLAMA_ARCH_QWEN2 || a == LLAMA_ARCH_QWEN3) lora_buf_printf(&b, "  \"max_window_layers\": %d,\n", c->max_window_layers);
    if (a == LLAMA_ARCH_LLAMA) lora_buf_printf(&b, "  \"mlp_bias\": %s,\n", c->mlp_bias ? "true" : "false");
    lora_buf_printf(&b, "  \"model_type\": \"%s\",\n", llama_arch_name(c->arch));
    lora_buf_printf(&b, "  \"num_attention_heads\": %d,\n  \"num_hidden_layers\": %d,\n  \"num_key_value_heads\": %d,\n",
                    c->n_head, c->n_layer, c->n_kv_head);
    if (c->pad_token_id >= 0) lora_buf_printf(&b, "  \"pad_token_id\": %d,\n", (int)c->pad_token_id);
    if (a == LLAMA_ARCH_LLAMA) lora_buf_puts(&b, "  \"pretraining_tp\": 1,\n");
    llama__json_key_num(&b, "rms_norm_eps", c->rms_norm_eps, 0);
    if (a != LLAMA_ARCH_MISTRAL) {
        if (c->rope_type == LLAMA_ROPE_DEFAULT) lora_buf_puts(&b, "  \"rope_scaling\": null,\n");
        else {
            static const char *const rt[] = {"default", "linear", "llama3", "dynamic"};
            lora_buf_puts(&b, "  \"rope_scaling\": {\n    \"factor\": ");
            lora_json_write_number(&b, c->rope_factor);
            if (c->rope_type == LLAMA_ROPE_LLAMA3) {
                lora_buf_puts(&b, ",\n    \"high_freq_factor\": "); lora_json_write_number(&b, c->rope_high_freq_factor);
                lora_buf_puts(&b, ",\n    \"low_freq_factor\": "); lora_json_write_number(&b, c->rope_low_freq_factor);
                lora_buf_printf(&b, ",\n    \"original_max_position_embeddings\": %d", c->rope_original_max_position);
            }
            lora_buf_printf(&b, ",\n    \"rope_type\": \"%s\"\n  },\n", rt[c->rope_type]);
        }
    }
    llama__json_key_num(&b, "rope_theta", c->rope_theta, 0);
    if (a != LLAMA_ARCH_LLAMA) {
        if (c->sliding_window > 0) lora_buf_printf(&b, "  \"sliding_window\": %d,\n", c->sliding_window);
        else lora_buf_puts(&b, "  \"sliding_window\": null,\n");
    }
    lora_buf_printf(&b, "  \"tie_word_embeddings\": %s,\n  \"torch_dtype\": \"float32\",\n  \"use_cache\": true,\n",
                    c->tie_word_embeddings ? "true" : "false");
    if (a == LLAMA_ARCH_QWEN2 || a == LLAMA_ARCH_QWEN3) lora_buf_printf(&b, "  \"use_sliding_window\": %s,\n", c->use_sliding_window ? "true" : "false");
    lora_buf_printf(&b, "  \"vocab_size\": %d\n}\n", c->vocab_size);
    if (b.failed) { lora_buf_free(&b); return lora_fail(LORA_ERR_OOM, "out of memory writing %s", path); }
    if ((s = lora_atomic_open(af, path)) == LORA_OK) {
        lora_atomic_write(af, b.data, b.len);
        s = lora_atomic_finish(af);
    }
    lora_buf_free(&b);
    return s;
}

static lora_status llama__ensure_parent(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    if (!slash || slash == path) return LORA_OK;
    if (!(dir = (char *)lora_malloc((size_t)(slash - path) + 1, "path"))) return LORA_ERR_OOM;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    s = lora_ensure_dir(dir);
    lora_free(dir);
    return s;
}

LORA_API lora_status llama_model_save(const llama_model *m, const char *path) {
    lora_st_entry *e;
    lora_atomic_file cf;
    const char *mk = "format", *mv = "pt";
    char *cpath;
    lora_status s;
    int i;
    if (!m || !path) return lora_fail(LORA_ERR_INVALID_ARG, "llama_model_save: NULL argument");
    if (!m->params) return lora_fail(LORA_ERR_INVALID_ARG, "llama_model_save: the model was opened as a shape only (no weights)");
    if ((s = llama__ensure_parent(path)) != LORA_OK) return s;
    if (!(e = (lora_st_entry *)lora_calloc((size_t)m->n_tensors, sizeof *e, "tensor list"))) return LORA_ERR_OOM;
    for (i = 0; i < m->n_tensors; i++) {
        const llama__tensor *t = &m->tensors[i];
        e[i].name = t->name; e[i].dtype = LORA_DT_F32; e[i].ndim = t->ndim;
        e[i].shape[0] = t->shape[0]; e[i].shape[1] = t->shape[1];
        e[i].data = llama__t(m, i);
    }
    if (!(cpath = llama__sibling(path, "config.json"))) { lora_free(e); return LORA_ERR_OOM; }
    s = llama__write_config(m, cpath, &cf);
    lora_free(cpath);
    if (s == LORA_OK) {
        s = lora_st_write(path, e, (size_t)m->n_tensors, &mk, &mv, 1);
        if (s == LORA_OK) s = lora_atomic_commit(&cf);
        else lora_atomic_abort(&cf);
    }
    lora_free(e);
    return s;
}
