/* ---- PEFT adapter files: adapter_model.safetensors + adapter_config.json ---- */
#if defined(_WIN32)
#include <direct.h>
#define lora__mkdir(p) _mkdir(p)
#else
#include <sys/stat.h>
#include <sys/types.h>
#define lora__mkdir(p) mkdir(p, 0755)
#endif

/* mkdir -p: creates dir and any missing parents. */
LORA_API lora_status lora_ensure_dir(const char *dir) {
    char *p = lora__strdup(dir, "path"), *q;
    lora_status s = LORA_OK;
    if (!p) return LORA_ERR_OOM;
    for (q = p + 1; ; q++) {
        if (*q == '/' || *q == 0) {
            char c = *q;
            *q = 0;
            if (lora__mkdir(p) != 0 && errno != EEXIST) {
                s = lora__fail(LORA_ERR_IO, "%s: cannot create directory %s: %s", dir, p, strerror(errno));
                break;
            }
            *q = c;
            if (c == 0) break;
        }
    }
    LORA_FREE(p);
    return s;
}

static char *lora__path_join(const char *dir, const char *file) {
    size_t a = strlen(dir), b = strlen(file);
    char *p = (char *)lora__malloc(a + b + 2, "path");
    if (!p) return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, file, b + 1);
    return p;
}

/* A float as Python's repr writes it: always with a '.' or an exponent ("0.0", "0.05"). */
static void lora__json_write_pyfloat(lora__buf *b, double x) {
    size_t start = b->len, i;
    int plain = 1;
    lora_json_write_float(b, (float)x);
    if (b->failed) return;
    for (i = start; i < b->len; i++)
        if (b->data[i] == '.' || b->data[i] == 'e' || b->data[i] == 'n') plain = 0;
    if (plain) lora__buf_puts(b, ".0");
}

static int lora__cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The distinct last name components of the adapted modules ("all-linear" is saved as
   the list it resolved to, as PEFT does). */
static lora_status lora__adapter_suffixes(const lora_adapter *ad, const char ***out, int *n_out) {
    const char **v = (const char **)lora__calloc((size_t)(ad->n_modules + 1), sizeof *v, "target list");
    int i, j, n = 0;
    if (!v) return LORA_ERR_OOM;
    for (i = 0; i < ad->n_modules; i++) {
        const char *dot = strrchr(ad->modules[i].name, '.');
        const char *suf = dot ? dot + 1 : ad->modules[i].name;
        for (j = 0; j < n; j++) if (strcmp(v[j], suf) == 0) break;
        if (j == n) v[n++] = suf;
    }
    qsort(v, (size_t)n, sizeof *v, lora__cmp_str);
    *out = v; *n_out = n;
    return LORA_OK;
}

/* A list of strings in json.dumps(indent=2) layout; `sorted` also drops duplicates (PEFT
   keeps target_modules as a set). */
static void lora__json_write_strlist(lora__buf *b, const char *const *v, int n, int sorted) {
    const char **tmp = NULL;
    int i, first = 1;
    if (n == 0) { lora__buf_puts(b, "[]"); return; }
    if (sorted) {
        tmp = (const char **)lora__malloc(sizeof *tmp * (size_t)n, "target list");
        if (!tmp) { b->failed = 1; return; }
        memcpy(tmp, v, sizeof *tmp * (size_t)n);
        qsort(tmp, (size_t)n, sizeof *tmp, lora__cmp_str);
        v = tmp;
    }
    lora__buf_puts(b, "[\n");
    for (i = 0; i < n; i++) {
        if (sorted && i > 0 && strcmp(v[i], v[i - 1]) == 0) continue;
        lora__buf_puts(b, first ? "    " : ",\n    ");
        first = 0;
        lora__json_write_string(b, v[i]);
    }
    lora__buf_puts(b, "\n  ]");
    LORA_FREE(tmp);
}

/* adapter_config.json as PEFT writes it: json.dumps(config, indent=2, sort_keys=True). */
static lora_status lora__adapter_config_json(const lora_adapter *ad, int fan_in_fan_out, lora__buf *b) {
    const lora_config *c = &ad->config;
    const lora_target_spec *t = &c->target;
    int i;
    lora__buf_puts(b, "{\n  \"alpha_pattern\": {},\n  \"auto_mapping\": null,\n  \"base_model_name_or_path\": ");
    if (ad->base_model_name) lora__json_write_string(b, ad->base_model_name);
    else lora__buf_puts(b, "null");
    lora__buf_printf(b, ",\n  \"bias\": \"%s\",\n", lora_bias_mode_name(c->bias));
    if (t->n_exclude > 0 || t->exclude_regex) {
        lora__buf_puts(b, "  \"exclude_modules\": ");
        if (t->exclude_regex) lora__json_write_string(b, t->exclude_regex);
        else lora__json_write_strlist(b, t->exclude, t->n_exclude, 1);
        lora__buf_puts(b, ",\n");
    }
    lora__buf_printf(b, "  \"fan_in_fan_out\": %s,\n  \"inference_mode\": true,\n  \"init_lora_weights\": %s,\n",
                     fan_in_fan_out ? "true" : "false",
                     c->init == LORA_INIT_GAUSSIAN ? "\"gaussian\"" : c->init == LORA_INIT_NONE ? "false" : "true");
    lora__buf_puts(b, "  \"layer_replication\": null,\n  \"layers_pattern\": ");
    if (t->layers_pattern) lora__json_write_string(b, t->layers_pattern); else lora__buf_puts(b, "null");
    lora__buf_puts(b, ",\n  \"layers_to_transform\": ");
    if (t->layers && t->n_layers > 0) {
        lora__buf_puts(b, "[\n");
        for (i = 0; i < t->n_layers; i++) lora__buf_printf(b, "%s    %d", i ? ",\n" : "", t->layers[i]);
        lora__buf_puts(b, "\n  ]");
    } else lora__buf_puts(b, "null");
    lora__buf_puts(b, ",\n  \"loftq_config\": {},\n  \"lora_alpha\": ");
    if ((double)c->alpha == floor((double)c->alpha)) lora__json_write_int(b, (int64_t)c->alpha);
    else lora_json_write_float(b, c->alpha);
    lora__buf_puts(b, ",\n  \"lora_dropout\": ");
    lora__json_write_pyfloat(b, (double)c->dropout);
    lora__buf_printf(b, ",\n  \"megatron_config\": null,\n  \"megatron_core\": \"megatron.core\",\n  \"modules_to_save\": null,\n"
                        "  \"peft_type\": \"LORA\",\n  \"r\": %d,\n  \"rank_pattern\": {},\n  \"revision\": null,\n  \"target_modules\": ",
                     c->r);
    if (t->target_regex) lora__json_write_string(b, t->target_regex);
    else if (t->all_linear || t->n_targets == 0) {
        const char **v;
        int n;
        if (lora__adapter_suffixes(ad, &v, &n) != LORA_OK) return LORA_ERR_OOM;
        lora__json_write_strlist(b, v, n, 1);
        LORA_FREE(v);
    } else lora__json_write_strlist(b, t->targets, t->n_targets, 1);
    lora__buf_printf(b, ",\n  \"task_type\": \"CAUSAL_LM\",\n  \"use_dora\": false,\n  \"use_rslora\": %s\n}",
                     c->use_rslora ? "true" : "false");
    return b->failed ? lora__fail(LORA_ERR_OOM, "out of memory writing adapter_config.json") : LORA_OK;
}

/* Creates the folder a file or directory will be made in (mkdir -p of its dirname). */
static lora_status lora__ensure_parent_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    lora_status s;
    if (!slash || slash == path) return LORA_OK;
    dir = (char *)lora__malloc((size_t)(slash - path) + 1, "path");
    if (!dir) return LORA_ERR_OOM;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = 0;
    s = lora_ensure_dir(dir);
    LORA_FREE(dir);
    return s;
}

/* Writes adapter_config.json and adapter_model.safetensors into dir (an existing directory; the
   callers give a fresh one from lora_dir_begin, so both files are published together). */
static lora_status lora__adapter_write_files(const lora_adapter *ad, const char *dir, int fan_in_fan_out) {
    lora_st_entry *e = NULL;
    char **names = NULL;
    char *path = NULL;
    lora__buf json;
    lora__atomic_file cfg_file;
    const char *mk = "format", *mv = "pt";
    lora_status s;
    int i, k = 0, n;
    memset(&json, 0, sizeof json);
    n = 2 * ad->n_modules + ad->n_biases;
    e = (lora_st_entry *)lora__calloc((size_t)(n ? n : 1), sizeof *e, "adapter tensors");
    names = (char **)lora__calloc((size_t)(n ? n : 1), sizeof *names, "adapter tensors");
    if (!e || !names) { s = LORA_ERR_OOM; goto done; }
    for (i = 0; i < ad->n_modules; i++) {
        const lora_module *m = &ad->modules[i];
        int ab;
        for (ab = 0; ab < 2; ab++) {
            size_t len = strlen(m->name) + 40;
            names[k] = (char *)lora__malloc(len, "tensor name");
            if (!names[k]) { s = LORA_ERR_OOM; goto done; }
            snprintf(names[k], len, "base_model.model.%s.lora_%c.weight", m->name, ab ? 'B' : 'A');
            e[k].name = names[k];
            e[k].dtype = LORA_DT_F32;
            e[k].ndim = 2;
            e[k].shape[0] = ab ? m->out : m->r;
            e[k].shape[1] = ab ? m->r : m->in;
            e[k].data = ab ? m->B : m->A;
            k++;
        }
    }
    for (i = 0; i < ad->n_biases; i++) {
        size_t len = strlen(ad->biases[i].name) + 24;
        names[k] = (char *)lora__malloc(len, "tensor name");
        if (!names[k]) { s = LORA_ERR_OOM; goto done; }
        snprintf(names[k], len, "base_model.model.%s", ad->biases[i].name);
        e[k].name = names[k]; e[k].dtype = LORA_DT_F32; e[k].ndim = 1; e[k].shape[0] = ad->biases[i].n;
        e[k].data = ad->biases[i].value;
        k++;
    }
    /* both files or neither: the config goes to a temporary file first, the weights are
       written and renamed, and only then is the config renamed into place */
    memset(&json, 0, sizeof json);
    memset(&cfg_file, 0, sizeof cfg_file);
    if ((s = lora__adapter_config_json(ad, fan_in_fan_out, &json)) != LORA_OK) goto done;
    if (!(path = lora__path_join(dir, "adapter_config.json"))) { s = LORA_ERR_OOM; goto done; }
    if ((s = lora__atomic_open(&cfg_file, path)) != LORA_OK) goto done;
    lora__atomic_write(&cfg_file, json.data, json.len);
    if ((s = lora__atomic_finish(&cfg_file)) != LORA_OK) goto done;
    LORA_FREE(path);
    path = NULL;
    if (!(path = lora__path_join(dir, "adapter_model.safetensors"))) { s = LORA_ERR_OOM; lora__atomic_abort(&cfg_file); goto done; }
    if ((s = lora_st_write(path, e, (size_t)k, &mk, &mv, 1)) != LORA_OK) { lora__atomic_abort(&cfg_file); goto done; }
    s = lora__atomic_commit(&cfg_file);
done:
    lora__buf_free(&json);
    if (names) for (i = 0; i < n; i++) LORA_FREE(names[i]);
    LORA_FREE(names);
    LORA_FREE(e);
    LORA_FREE(path);
    return s;
}

LORA_API lora_status lora_adapter_save(const lora_adapter *ad, const char *dir, int fan_in_fan_out) {
    lora_dir_txn t;
    lora_status s;
    if (!ad || !dir) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_save: NULL argument");
    if ((s = lora_dir_begin(&t, dir)) != LORA_OK) return s;
    if ((s = lora__adapter_write_files(ad, lora_dir_path(&t), fan_in_fan_out)) != LORA_OK) { lora_dir_abort(&t); return s; }
    return lora_dir_commit(&t);
}

/* ---- loading ---- */
static const char *const lora__known_config_keys[] = {
    "alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "exclude_modules", "fan_in_fan_out",
    "inference_mode", "init_lora_weights", "layer_replication", "layers_pattern", "layers_to_transform",
    "loftq_config", "lora_alpha", "lora_dropout", "megatron_config", "megatron_core", "modules_to_save",
    "peft_type", "r", "rank_pattern", "revision", "target_modules", "task_type", "use_dora", "use_rslora",
    "eva_config", "corda_config", "lora_bias", "layers_pattern", "runtime_config", "peft_version",
    "trainable_token_indices", "qalora_group_size", "use_qalora", "target_parameters", "alora_invocation_tokens",
    "arrow_config", "ensure_weight_tying"};

/* Parsed adapter_config.json in the form lora_adapter_create takes; owns its strings. */
typedef struct lora__loaded_config {
    lora_config cfg;
    char **targets, **exclude;
    int *layers;
    char *base_name;
} lora__loaded_config;

static void lora__loaded_config_free(lora__loaded_config *lc) {
    lora__strv_free(lc->targets, lc->cfg.target.n_targets);
    lora__strv_free(lc->exclude, lc->cfg.target.n_exclude);
    LORA_FREE(lc->layers);
    LORA_FREE(lc->base_name);
}

/* A list of strings, or a single string (a regex): fills (list, n) or regex. */
static lora_status lora__json_str_or_list(const lora_json *v, const char *path, const char *key, char ***list, int *n,
                                          const char **regex) {
    size_t i;
    *list = NULL; *n = 0; *regex = NULL;
    if (!v || v->type == LORA_JSON_NULL) return LORA_OK;
    if (v->type == LORA_JSON_STRING) { *regex = v->str; return LORA_OK; }
    if (v->type != LORA_JSON_ARRAY) return lora__fail(LORA_ERR_FORMAT, "%s: \"%s\" must be a list of strings or a string", path, key);
    *list = (char **)lora__calloc(v->n ? v->n : 1, sizeof **list, "config list");
    if (!*list) return LORA_ERR_OOM;
    for (i = 0; i < v->n; i++) {
        if (v->items[i].type != LORA_JSON_STRING) {
            lora__strv_free(*list, (int)i); *list = NULL;
            return lora__fail(LORA_ERR_FORMAT, "%s: \"%s\" item %zu is not a string", path, key, i);
        }
        (*list)[i] = lora__strdup(v->items[i].str, "config list");
        if (!(*list)[i]) { lora__strv_free(*list, (int)i); *list = NULL; return LORA_ERR_OOM; }
        *n = (int)i + 1;
    }
    return LORA_OK;
}

static int lora__json_nonempty(const lora_json *v) {
    if (!v || v->type == LORA_JSON_NULL || v->type == LORA_JSON_FALSE) return 0;
    if (v->type == LORA_JSON_ARRAY || v->type == LORA_JSON_OBJECT) return v->n > 0;
    return 1;
}

/* Python's truthiness of a JSON value (PEFT tests these keys with a plain "if") */
static int lora__json_truthy(const lora_json *v) {
    if (!v) return 0;
    switch (v->type) {
    case LORA_JSON_NULL: case LORA_JSON_FALSE: return 0;
    case LORA_JSON_TRUE: return 1;
    case LORA_JSON_NUMBER: return v->number != 0;
    case LORA_JSON_STRING: return v->len > 0;
    default: return v->n > 0;
    }
}

static lora_status lora__parse_adapter_config(const char *path, const lora_json *j, lora__loaded_config *lc, lora__buf *warn) {
    lora_config *c = &lc->cfg;
    const lora_json *v;
    const char *str, *regex;
    double d;
    int64_t iv;
    size_t i, k;
    int dora = 0;
    lora_status s;
    memset(lc, 0, sizeof *lc);
    *c = lora_config_init();
    if (j->type != LORA_JSON_OBJECT) return lora__fail(LORA_ERR_FORMAT, "%s: expected a JSON object", path);
    for (i = 0; i < j->n; i++) {
        int known = 0;
        for (k = 0; k < sizeof lora__known_config_keys / sizeof lora__known_config_keys[0]; k++)
            if (strcmp(j->keys[i], lora__known_config_keys[k]) == 0) known = 1;
        if (!known) { lora__buf_printf(warn, "%s: unknown key \"%s\" ignored\n", path, j->keys[i]); }
    }
    if ((str = lora_json_get_string(j, "peft_type")) != NULL && strcmp(str, "LORA") != 0)
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: peft_type is \"%s\"; only LORA adapters are supported", path, str);
    v = lora_json_get(j, "r");
    if (!v || !lora_json_int64(v, &iv) || iv <= 0 || iv > 65536)
        return lora__fail(LORA_ERR_FORMAT, "%s: \"r\" must be a positive integer", path);
    c->r = (int)iv;
    if ((v = lora_json_get(j, "lora_alpha")) != NULL) {
        if (v->type != LORA_JSON_NUMBER || !(v->number > 0)) return lora__fail(LORA_ERR_FORMAT, "%s: \"lora_alpha\" must be a number > 0", path);
        c->alpha = (float)v->number;
    }
    if ((v = lora_json_get(j, "lora_dropout")) != NULL && v->type != LORA_JSON_NULL) {
        if (!lora_json_get_number(j, "lora_dropout", &d) || !(d >= 0 && d < 1))
            return lora__fail(LORA_ERR_FORMAT, "%s: \"lora_dropout\" must be a number in [0, 1)", path);
        c->dropout = (float)d;
    }
    if ((v = lora_json_get(j, "use_rslora")) != NULL && v->type != LORA_JSON_NULL && !lora_json_get_bool(j, "use_rslora", &c->use_rslora))
        return lora__fail(LORA_ERR_FORMAT, "%s: \"use_rslora\" must be true or false", path);
    if ((str = lora_json_get_string(j, "bias")) != NULL) {
        int b = lora_bias_mode_from_name(str);
        if (b >= 0) c->bias = (lora_bias_mode)b;
        else return lora__fail(LORA_ERR_FORMAT, "%s: \"bias\" must be \"none\", \"all\" or \"lora_only\", found \"%s\"", path, str);
    }
    if ((v = lora_json_get(j, "init_lora_weights")) != NULL) {
        if (v->type == LORA_JSON_FALSE) c->init = LORA_INIT_NONE;
        else if (v->type == LORA_JSON_STRING && strcmp(v->str, "gaussian") == 0) c->init = LORA_INIT_GAUSSIAN;
    }
    (void)dora;
    if (lora__json_truthy(lora_json_get(j, "use_dora")))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: use_dora is set; DoRA adapters are not supported", path);
    {   /* more keys that PEFT honours and that change the adapter's math */
        static const char *const unsupported[] = {"target_parameters", "use_qalora", "trainable_token_indices", "alora_invocation_tokens",
                                                  "arrow_config", "megatron_config"};
        for (k = 0; k < sizeof unsupported / sizeof unsupported[0]; k++)
            if (lora__json_truthy(lora_json_get(j, unsupported[k])))
                return lora__fail(LORA_ERR_UNSUPPORTED, "%s: \"%s\" is set; this library does not implement it", path, unsupported[k]);
    }
    if (lora__json_nonempty(lora_json_get(j, "modules_to_save")))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: modules_to_save is set; full copies of modules are not supported", path);
    if (lora__json_nonempty(lora_json_get(j, "rank_pattern")) || lora__json_nonempty(lora_json_get(j, "alpha_pattern")))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: rank_pattern / alpha_pattern are not supported", path);
    if (lora__json_nonempty(lora_json_get(j, "layer_replication")))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: layer_replication is not supported", path);
    if (lora__json_nonempty(lora_json_get(j, "lora_bias")))
        return lora__fail(LORA_ERR_UNSUPPORTED, "%s: lora_bias is not supported", path);
    /* target_modules: list, regex string, "all-linear", or null (PEFT then takes the model's default
       targets: filled in by lora__adapter_load) */
    s = lora__json_str_or_list(lora_json_get(j, "target_modules"), path, "target_modules", &lc->targets,
                               &c->target.n_targets, &regex);
    if (s != LORA_OK) return s;
    if (regex && strcmp(regex, "all-linear") == 0) c->target.all_linear = 1;
    else c->target.target_regex = regex;
    c->target.targets = (const char *const *)lc->targets;
    s = lora__json_str_or_list(lora_json_get(j, "exclude_modules"), path, "exclude_modules", &lc->exclude,
                               &c->target.n_exclude, &c->target.exclude_regex);
    if (s != LORA_OK) return s;
    c->target.exclude = (const char *const *)lc->exclude;
    if ((v = lora_json_get(j, "layers_to_transform")) != NULL && v->type != LORA_JSON_NULL) {
        size_t n = v->type == LORA_JSON_ARRAY ? v->n : 1;
        lc->layers = (int *)lora__malloc(sizeof(int) * (n ? n : 1), "layers_to_transform");
        if (!lc->layers) return LORA_ERR_OOM;
        for (i = 0; i < n; i++) {
            const lora_json *it = v->type == LORA_JSON_ARRAY ? &v->items[i] : v;
            if (!lora_json_int64(it, &iv) || iv < 0 || iv > 1000000)
                return lora__fail(LORA_ERR_FORMAT, "%s: \"layers_to_transform\" must be an integer or a list of integers", path);
            lc->layers[i] = (int)iv;
        }
        c->target.layers = lc->layers;
        c->target.n_layers = (int)n;
    }
    if ((v = lora_json_get(j, "layers_pattern")) != NULL && v->type != LORA_JSON_NULL) {
        if (v->type == LORA_JSON_STRING) c->target.layers_pattern = v->str;
        else if (v->type == LORA_JSON_ARRAY && v->n == 1 && v->items[0].type == LORA_JSON_STRING) c->target.layers_pattern = v->items[0].str;
        else return lora__fail(LORA_ERR_UNSUPPORTED, "%s: \"layers_pattern\" must be a string (or a one-item list)", path);
    }
    if ((str = lora_json_get_string(j, "base_model_name_or_path")) != NULL)
        if (!(lc->base_name = lora__strdup(str, "base model name"))) return LORA_ERR_OOM;
    return warn->failed ? LORA_ERR_OOM : LORA_OK;
}

/* Splits an adapter tensor key into module name and kind: 'A', 'B' or 'b' (bias). */
static int lora__parse_adapter_key(const char *key, char *module, size_t size, char *kind) {
    static const char *const suffixes[] = {".lora_A.weight", ".lora_A.default.weight", ".lora_B.weight", ".lora_B.default.weight"};
    size_t n, i;
    if (strncmp(key, "base_model.model.", 17) == 0) key += 17;
    n = strlen(key);
    for (i = 0; i < 4; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n > sl && strcmp(key + n - sl, suffixes[i]) == 0) {
            if (n - sl >= size) return 0;
            memcpy(module, key, n - sl); module[n - sl] = 0;
            *kind = i < 2 ? 'A' : 'B';
            return 1;
        }
    }
    if (n > 5 && strcmp(key + n - 5, ".bias") == 0 && n < size) {
        memcpy(module, key, n + 1);
        *kind = 'b';
        return 1;
    }
    return 0;
}

/* LORA_ERR_NUMERIC naming the file, the tensor and the first NaN/Inf element */
static lora_status lora__check_finite(const char *path, const char *name, const float *v, int64_t n) {
    int64_t i;
    for (i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return lora__fail(LORA_ERR_NUMERIC, "%s: tensor '%s': element %lld is %g: expected a finite number", path, name, (long long)i, (double)v[i]);
    return LORA_OK;
}

static lora_status lora__adapter_load(const char *dir, const lora_module_desc *modules, int n_modules,
                                      const char *const *def_targets, int n_def, lora_adapter **out, char **warnings) {
    char *cfg_path = NULL, *st_path = NULL, *text = NULL;
    size_t len, i;
    lora_json *j = NULL;
    lora__loaded_config lc;
    lora__buf warn;
    lora_safetensors *st = NULL;
    lora_adapter *ad = NULL;
    unsigned char *selected = NULL, *have = NULL;
    lora_status s;
    int k;
    memset(&lc, 0, sizeof lc);
    memset(&warn, 0, sizeof warn);
    if (warnings) *warnings = NULL;
    if (!dir || !modules || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_adapter_load: NULL argument");
    *out = NULL;
    cfg_path = lora__path_join(dir, "adapter_config.json");
    st_path = lora__path_join(dir, "adapter_model.safetensors");
    if (!cfg_path || !st_path) { s = LORA_ERR_OOM; goto done; }
    if ((s = lora__read_file(cfg_path, &text, &len)) != LORA_OK) goto done;
    if ((s = lora_json_parse(text, len, cfg_path, &j)) != LORA_OK) goto done;
    if ((s = lora__parse_adapter_config(cfg_path, j, &lc, &warn)) != LORA_OK) goto done;
    if (!lc.targets && !lc.cfg.target.target_regex && !lc.cfg.target.all_linear) {
        if (n_def <= 0 || !def_targets) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: \"target_modules\" is null and no default targets were given "
                           "(lora_model_adapter_load passes the model's)", cfg_path);
            goto done;
        }
        if (!(lc.targets = lora__strv_dup(def_targets, n_def))) { s = LORA_ERR_OOM; goto done; }
        lc.cfg.target.targets = (const char *const *)lc.targets;
        lc.cfg.target.n_targets = n_def;
    }
    if ((s = lora__check_config(&lc.cfg)) != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        s = lora__fail(s, "%s: %s", cfg_path, msg);
        goto done;
    }
    if ((s = lora__select(&lc.cfg, modules, n_modules, &selected)) != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        s = lora__fail(s, "%s: %s", cfg_path, msg);
        goto done;
    }
    if ((s = lora__adapter_alloc(&lc.cfg, modules, n_modules, selected, &ad)) != LORA_OK) goto done;
    if (lc.base_name) { LORA_FREE(ad->base_model_name); ad->base_model_name = lc.base_name; lc.base_name = NULL; }
    {
        FILE *f = fopen(st_path, "rb");
        if (!f) {
            char *bin = lora__path_join(dir, "adapter_model.bin");
            FILE *fb = bin ? fopen(bin, "rb") : NULL;
            if (fb) {
                fclose(fb);
                s = lora__fail(LORA_ERR_UNSUPPORTED, "%s: only adapter_model.safetensors is supported; %s is a PyTorch pickle "
                               "(convert it: load with PEFT and save_pretrained(..., safe_serialization=True))", dir, bin);
            } else {
                s = lora__fail(LORA_ERR_IO, "%s: cannot open: %s", st_path, strerror(errno));
            }
            LORA_FREE(bin);
            goto done;
        }
        fclose(f);
    }
    if ((s = lora_st_open(st_path, &st)) != LORA_OK) goto done;
    have = (unsigned char *)lora__calloc((size_t)(ad->n_modules ? ad->n_modules : 1), 2, "adapter tensors");
    if (!have) { s = LORA_ERR_OOM; goto done; }
    for (i = 0; i < st->n_tensors; i++) {
        const lora_st_tensor *t = &st->tensors[i];
        char mod[512], kind;
        lora_module *m;
        if (!lora__parse_adapter_key(t->name, mod, sizeof mod, &kind)) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: unexpected tensor '%s' (expected <module>.lora_A.weight, <module>.lora_B.weight%s)",
                           st_path, t->name, lc.cfg.bias ? " or <module>.bias" : "");
            goto done;
        }
        if (kind == 'b') {
            float *tmp;
            if (lc.cfg.bias == LORA_BIAS_NONE) {
                s = lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s' is a bias but adapter_config.json says bias \"none\"", st_path, t->name);
                goto done;
            }
            if (t->ndim != 1) { s = lora__fail(LORA_ERR_SHAPE, "%s: bias '%s' must be 1-dimensional", st_path, t->name); goto done; }
            if (t->numel <= 0 || t->numel > (1 << 26)) { s = lora__fail(LORA_ERR_SHAPE, "%s: bias '%s' has a bad size", st_path, t->name); goto done; }
            tmp = (float *)lora__malloc(sizeof(float) * (size_t)t->numel, "bias");
            if (!tmp) { s = LORA_ERR_OOM; goto done; }
            s = lora_st_read_f32(st, t, tmp, t->numel);
            if (s == LORA_OK) s = lora__check_finite(st_path, t->name, tmp, t->numel);
            if (s == LORA_OK && (s = lora_adapter_add_bias(ad, mod, tmp, (int)t->numel)) != LORA_OK) {
                char msg[LORA__ERRLEN];
                snprintf(msg, sizeof msg, "%s", lora_last_error());
                s = lora__fail(s, "%s: tensor '%s': %s", st_path, t->name, msg);
            }
            LORA_FREE(tmp);
            if (s != LORA_OK) goto done;
            continue;
        }
        m = lora_adapter_find(ad, mod);
        if (!m) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: tensor '%s' is for module '%s', which adapter_config.json's target_modules "
                           "does not select in this model", st_path, t->name, mod);
            goto done;
        }
        k = (int)(m - ad->modules);
        if (have[2 * k + (kind == 'B')]) {
            s = lora__fail(LORA_ERR_FORMAT, "%s: module '%s' has two lora_%c tensors", st_path, mod, kind);
            goto done;
        }
        {
            int64_t e0 = kind == 'A' ? m->r : m->out, e1 = kind == 'A' ? m->in : m->r;
            if (t->ndim != 2) {
                s = lora__fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected shape (%lld, %lld), found a %d-dimensional tensor", st_path, t->name,
                               (long long)e0, (long long)e1, (int)t->ndim);
                goto done;
            }
            if (t->shape[0] != e0 || t->shape[1] != e1) {
                s = lora__fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected shape (%lld, %lld), found (%lld, %lld)", st_path, t->name,
                               (long long)e0, (long long)e1, (long long)t->shape[0], (long long)t->shape[1]);
                goto done;
            }
        }
        if ((s = lora_st_read_f32(st, t, kind == 'A' ? m->A : m->B, t->numel)) != LORA_OK) goto done;
        if ((s = lora__check_finite(st_path, t->name, kind == 'A' ? m->A : m->B, t->numel)) != LORA_OK) goto done;
        have[2 * k + (kind == 'B')] = 1;
    }
    for (k = 0; k < ad->n_modules; k++) {
        int ab;
        for (ab = 0; ab < 2; ab++)
            if (!have[2 * k + ab]) {
                s = lora__fail(LORA_ERR_FORMAT, "%s: missing tensor 'base_model.model.%s.lora_%c.weight' (adapter_config.json "
                               "targets this module)", st_path, ad->modules[k].name, ab ? 'B' : 'A');
                goto done;
            }
    }
    s = LORA_OK;
done:
    if (s == LORA_OK) {
        *out = ad;
        if (warnings && warn.len) { *warnings = warn.data; warn.data = NULL; }
    } else {
        lora_adapter_free(ad);
    }
    lora__buf_free(&warn);
    lora__loaded_config_free(&lc);
    lora_st_close(st);
    lora_json_free(j);
    LORA_FREE(text); LORA_FREE(cfg_path); LORA_FREE(st_path); LORA_FREE(selected); LORA_FREE(have);
    return s;
}

LORA_API lora_status lora_adapter_load(const char *dir, const lora_module_desc *modules, int n_modules,
                                       lora_adapter **out, char **warnings) {
    return lora__adapter_load(dir, modules, n_modules, NULL, 0, out, warnings);
}

LORA_API lora_status lora_adapter_load_defaults(const char *dir, const lora_module_desc *modules, int n_modules,
                                                const char *const *default_targets, int n_default,
                                                lora_adapter **out, char **warnings) {
    return lora__adapter_load(dir, modules, n_modules, default_targets, n_default, out, warnings);
}
