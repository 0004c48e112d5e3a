/* The LLaMA family (llama.h) against the PyTorch oracle (fixtures in tests/fixtures/llama, made
   by make_fixtures.sh there): Llama (untied, biases, one kv head, head_dim 10), Llama 3 rope
   scaling, Qwen2 (q/k/v biases), Qwen3 (q/k norms, head_dim != hidden/heads, lm_head adapted),
   Mistral (sliding window shorter than the sequence), Qwen2 with use_sliding_window from
   max_window_layers, Llama with linear rope scaling. Logits, loss, LoRA and full fine-tuning
   gradients, 10 AdamW steps, merged weights; KV-cached logits against the full forward; packed
   rows; save and reload; PEFT's trainable lines of the real presets. */
#include "lora.h"
#include "llama.h"
#include "test.h"
#include <stdlib.h>

#define FX "tests/fixtures/llama/"

static float *read_tensor(const char *path, const char *name, int64_t *numel) {
    lora_safetensors *st;
    const lora_st_tensor *t;
    float *out = NULL;
    if (lora_st_open(path, &st) != LORA_OK) { fprintf(stderr, "%s\n", lora_last_error()); return NULL; }
    t = lora_st_find(st, name);
    if (t) {
        out = (float *)malloc(sizeof(float) * (size_t)(t->numel ? t->numel : 1));
        if (lora_st_read_f32(st, t, out, t->numel) != LORA_OK) { free(out); out = NULL; }
        if (numel) *numel = t->numel;
    } else fprintf(stderr, "%s: no tensor %s\n", path, name);
    lora_st_close(st);
    return out;
}

static int32_t *read_tokens_u16(const char *path, long *n) {
    FILE *f = fopen(path, "rb");
    unsigned char buf[2];
    int32_t *ids;
    long cap = 4096, k = 0;
    if (!f) return NULL;
    ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)cap);
    while (fread(buf, 1, 2, f) == 2) {
        if (k == cap) { cap *= 2; ids = (int32_t *)realloc(ids, sizeof(int32_t) * (size_t)cap); }
        ids[k++] = buf[0] | (buf[1] << 8);
    }
    fclose(f);
    *n = k;
    return ids;
}

static int read_losses(const char *path, double *out, int max) {
    size_t len = 0, i;
    char *text = test_slurp(path, &len);
    lora_json *j = NULL;
    const lora_json *l;
    int n = 0;
    if (!text) return 0;
    if (lora_json_parse(text, len, path, &j) == LORA_OK && (l = lora_json_get(j, "losses")) != NULL)
        for (i = 0; i < l->n && n < max; i++) out[n++] = l->items[i].number;
    lora_json_free(j);
    free(text);
    return n;
}

static lora_model *open_model(const char *path) {
    const lora_model_family *fams[1];
    lora_model *m = NULL;
    fams[0] = llama_family();
    CHECK_OK(lora_model_open(fams, 1, path, NULL, NULL, 0, NULL, &m));
    return m;
}

static void check_forward(lora_model *m, const char *fwd, const int32_t *ids, int B, int T, const char *what) {
    int64_t n = 0;
    float *ref = read_tensor(fwd, "logits", &n), *ref_loss = read_tensor(fwd, "loss", NULL), loss = 0;
    double e;
    CHECK(ref && ref_loss);
    if (!ref || !ref_loss) { free(ref); free(ref_loss); return; }
    CHECK_OK(lora_model_forward(m, ids, ids, B, T, &loss));
    CHECK(n == (int64_t)B * T * lora_model_get_info(m)->vocab_size);
    e = test_max_abs_diff(lora_model_logits(m), ref, (long)n);
    CHECK_MSG(e < 1e-4, "%s %s: logits max abs diff %g", fwd, what, e);
    CHECK_MSG(fabs(loss - ref_loss[0]) <= 1e-5 * fabs(ref_loss[0]), "%s %s: loss %.9g vs %.9g", fwd, what, loss, ref_loss[0]);
    printf("  %s (%s): logits max abs diff %.3g, loss %.9g vs %.9g\n", fwd, what, e, loss, ref_loss[0]);
    free(ref); free(ref_loss);
}

static void check_grads(lora_model *m, lora_adapter *ad, const char *gpath, const int32_t *ids, int B, int T) {
    llama_model *lm = llama_model_from_base(m);
    int i, k;
    float loss;
    double worst = 0, worst_full = 0;
    CHECK_OK(lora_model_set_full_finetune(m, 1));
    lora_model_zero_grad(m);
    CHECK_OK(lora_model_forward(m, ids, ids, B, T, &loss));
    CHECK_OK(lora_model_backward(m));
    for (i = 0; i < ad->n_modules; i++)
        for (k = 0; k < 2; k++) {
            char key[256];
            int64_t n = 0;
            lora_module *mo = &ad->modules[i];
            float *ref;
            snprintf(key, sizeof key, "base_model.model.%s.lora_%c.weight", mo->name, k ? 'B' : 'A');
            ref = read_tensor(gpath, key, &n);
            CHECK(ref != NULL);
            if (ref) {
                double e = test_rel_l2(k ? mo->dB : mo->dA, ref, (long)n);
                if (e > worst) worst = e;
                CHECK_MSG(e < 1e-4, "%s: %s grad rel L2 %g", gpath, key, e);
            }
            free(ref);
        }
    for (i = 0; i < llama_model_num_tensors(lm); i++) {
        const char *name = llama_model_tensor(lm, i, NULL, NULL, NULL);
        int64_t n = 0;
        float *ref = read_tensor(gpath, name, &n), *g = llama_model_grad(lm, name);
        CHECK(ref != NULL && g != NULL);
        if (ref && g) {
            double e = test_rel_l2(g, ref, (long)n);
            if (e > worst_full) worst_full = e;
            CHECK_MSG(e < 1e-3, "%s: base grad %s rel L2 %g", gpath, name, e);
        }
        free(ref);
    }
    printf("  %s: worst LoRA gradient rel L2 %.3g, worst full fine-tuning gradient rel L2 %.3g\n", gpath, worst, worst_full);
    CHECK_OK(lora_model_set_full_finetune(m, 0));
}

static void check_train(lora_model *m, const char *dir, const int32_t *tok, long n_tok, int B, int T, double lr) {
    char path[512];
    lora_adapter *ad = NULL, *ref = NULL;
    lora_adamw *opt = NULL;
    lora_adamw_config oc = lora_adamw_config_init();
    lora_param *params = NULL;
    double losses[16], worst = 0;
    int n_params = 0, s, i, nl;
    long pos = 0;
    snprintf(path, sizeof path, "%s/losses.json", dir);
    nl = read_losses(path, losses, 16);
    CHECK(nl == 10);
    snprintf(path, sizeof path, "%s/adapter", dir);
    CHECK_OK(lora_model_adapter_load(m, path, &ad, NULL));
    snprintf(path, sizeof path, "%s/trained", dir);
    CHECK_OK(lora_model_adapter_load(m, path, &ref, NULL));
    if (!ad || !ref || nl != 10) { lora_adapter_free(ad); lora_adapter_free(ref); return; }
    CHECK_OK(lora_model_set_adapter(m, ad));
    CHECK_OK(lora_model_trainable_params(m, &params, &n_params));
    oc.lr = (float)lr; oc.weight_decay = 0; oc.total_steps = 10;
    CHECK_OK(lora_adamw_create(&oc, params, n_params, &opt));
    for (s = 0; s < 10; s++) {
        float loss = 0;
        if (pos + B * T > n_tok) pos = 0;
        lora_model_zero_grad(m);
        CHECK_OK(lora_model_forward(m, tok + pos, tok + pos, B, T, &loss));
        CHECK_OK(lora_model_backward(m));
        CHECK_OK(lora_adamw_step(opt, NULL, NULL, NULL));
        CHECK_MSG(fabs(loss - losses[s]) <= (s < 3 ? 2e-5 : 1e-4) * fabs(losses[s]), "%s step %d loss %.9g vs %.9g", dir, s, loss, losses[s]);
        pos += B * T;
    }
    for (i = 0; i < ad->n_modules; i++) {
        lora_module *a = &ad->modules[i], *b = &ref->modules[i];
        double ea = test_max_abs_diff(a->A, b->A, (long)a->r * a->in), eb = test_max_abs_diff(a->B, b->B, (long)a->r * a->out);
        if (ea > worst) worst = ea;
        if (eb > worst) worst = eb;
        CHECK_MSG(ea < 1e-3 && eb < 1e-3, "%s trained %s: max abs diff A %g B %g", dir, a->name, ea, eb);
    }
    printf("  %s: 10 AdamW steps, trained adapter max abs diff %.3g\n", dir, worst);
    CHECK_OK(lora_model_set_adapter(m, NULL));
    lora_adamw_free(opt);
    free(params);
    lora_adapter_free(ad); lora_adapter_free(ref);
}

/* the KV cache: prefill 5 tokens, then one at a time; each step's logits equal the full forward's */
static void check_kv(lora_model *m, const int32_t *ids, int T) {
    int V = lora_model_get_info(m)->vocab_size, t;
    lora_kv *kv = NULL;
    float *full, *step = (float *)malloc(sizeof(float) * (size_t)V);
    double worst = 0;
    CHECK_OK(lora_model_forward(m, ids, NULL, 1, T, NULL));
    full = (float *)malloc(sizeof(float) * (size_t)T * V);
    memcpy(full, lora_model_logits(m), sizeof(float) * (size_t)T * V);
    CHECK_OK(lora_kv_create(m, T, &kv));
    if (!kv) { free(full); free(step); return; }
    CHECK_OK(lora_forward_cached(m, kv, ids, 5, step));
    worst = test_max_abs_diff(step, full + (size_t)4 * V, V);
    for (t = 5; t < T; t++) {
        double e;
        CHECK_OK(lora_forward_cached(m, kv, ids + t, 1, step));
        e = test_max_abs_diff(step, full + (size_t)t * V, V);
        if (e > worst) worst = e;
    }
    CHECK_MSG(worst < 1e-5, "KV-cached logits vs full forward: max abs diff %g", worst);
    CHECK(lora_kv_length(m, kv) == T);
    CHECK_ERR(lora_forward_cached(m, kv, ids, 1, step), LORA_ERR_RANGE);
    printf("  KV cache: %d steps, max abs diff to the full forward %.3g\n", T - 4, worst);
    lora_kv_free(m, kv);
    free(full); free(step);
}

/* two samples packed in one row (positions restart at 0) give each sample's own logits */
static void check_packed(lora_model *m, const int32_t *ids) {
    int V = lora_model_get_info(m)->vocab_size, i;
    int32_t row[11], pos[11];
    float *a, *packed;
    double e1, e2;
    for (i = 0; i < 11; i++) { row[i] = ids[i]; pos[i] = i < 4 ? i : i - 4; }
    packed = (float *)malloc(sizeof(float) * 11 * (size_t)V);
    a = (float *)malloc(sizeof(float) * 7 * (size_t)V);
    CHECK_OK(lora_model_forward_positions(m, row, row, pos, 1, 11, NULL));
    memcpy(packed, lora_model_logits(m), sizeof(float) * 11 * (size_t)V);
    CHECK_OK(lora_model_forward(m, ids, ids, 1, 4, NULL));
    memcpy(a, lora_model_logits(m), sizeof(float) * 4 * (size_t)V);
    e1 = test_max_abs_diff(a, packed, 4L * V);
    CHECK_OK(lora_model_forward(m, ids + 4, ids + 4, 1, 7, NULL));
    e2 = test_max_abs_diff(lora_model_logits(m), packed + (size_t)4 * V, 7L * V);
    CHECK_MSG(e1 < 1e-5 && e2 < 1e-5, "packed rows: max abs diff %g, %g", e1, e2);
    free(a); free(packed);
}

static void check_merge(lora_model *m, const char *dir, const int32_t *ids, int B, int T) {
    char path[512];
    lora_adapter *ad = NULL;
    lora_model *ref;
    llama_model *a = llama_model_from_base(m), *b;
    int i;
    double worst = 0;
    snprintf(path, sizeof path, "%s/adapter", dir);
    CHECK_OK(lora_model_adapter_load(m, path, &ad, NULL));
    snprintf(path, sizeof path, "%s/merged/model.safetensors", dir);
    ref = open_model(path);
    if (!ad || !ref) { lora_adapter_free(ad); lora_model_free(ref); return; }
    b = llama_model_from_base(ref);
    CHECK_OK(lora_model_merge(m, ad, 1));
    for (i = 0; i < llama_model_num_tensors(a); i++) {
        int64_t shape[2];
        int nd;
        float *x, *y;
        const char *name = llama_model_tensor(a, i, &nd, shape, &x);
        double e;
        llama_model_tensor(b, i, NULL, NULL, &y);
        e = test_max_abs_diff(x, y, (long)(shape[0] * shape[1]));
        if (e > worst) worst = e;
        CHECK_MSG(e < 1e-6, "%s merged %s: max abs diff %g", dir, name, e);
    }
    snprintf(path, sizeof path, "%s/fwd.safetensors", dir);
    check_forward(m, path, ids, B, T, "merged");
    CHECK_OK(lora_model_merge(m, ad, -1));
    printf("  %s: merged weights max abs diff %.3g\n", dir, worst);
    lora_adapter_free(ad);
    lora_model_free(ref);
}

static void check_save(lora_model *m, const int32_t *ids, int T) {
    lora_model *back;
    int V = lora_model_get_info(m)->vocab_size;
    float *a = (float *)malloc(sizeof(float) * (size_t)T * V);
    CHECK_OK(lora_model_forward(m, ids, NULL, 1, T, NULL));
    memcpy(a, lora_model_logits(m), sizeof(float) * (size_t)T * V);
    CHECK_OK(lora_model_save(m, "build/test_llama_save/model.safetensors"));
    back = open_model("build/test_llama_save/model.safetensors");
    if (back) {
        CHECK_OK(lora_model_forward(back, ids, NULL, 1, T, NULL));
        CHECK(memcmp(a, lora_model_logits(back), sizeof(float) * (size_t)T * V) == 0);
        lora_model_free(back);
    }
    free(a);
}

static void run_case(const char *name, int B, int T, double lr) {
    char dir[256], path[512];
    lora_model *m;
    lora_adapter *ad = NULL;
    long n_tok = 0;
    int32_t *tok;
    snprintf(dir, sizeof dir, FX "%s", name);
    printf("%s:\n", name);
    snprintf(path, sizeof path, "%s/tokens.bin", dir);
    tok = read_tokens_u16(path, &n_tok);
    snprintf(path, sizeof path, "%s/model", dir);            /* a model directory */
    m = open_model(path);
    CHECK(tok != NULL);
    if (!m || !tok) { lora_model_free(m); free(tok); return; }
    snprintf(path, sizeof path, "%s/fwd_base.safetensors", dir);
    check_forward(m, path, tok, B, T, "base");
    check_kv(m, tok, T);
    check_packed(m, tok);
    check_save(m, tok, T);
    snprintf(path, sizeof path, "%s/adapter", dir);
    CHECK_OK(lora_model_adapter_load(m, path, &ad, NULL));
    if (ad) {
        CHECK_OK(lora_model_set_adapter(m, ad));
        snprintf(path, sizeof path, "%s/fwd.safetensors", dir);
        check_forward(m, path, tok, B, T, "adapter");
        check_kv(m, tok, T);
        snprintf(path, sizeof path, "%s/grads.safetensors", dir);
        check_grads(m, ad, path, tok, B, T);
        CHECK_OK(lora_model_set_adapter(m, NULL));
        lora_adapter_free(ad);
    }
    check_train(m, dir, tok, n_tok, B, T, lr);
    check_merge(m, dir, tok, B, T);
    lora_model_free(m);
    free(tok);
}

/* PEFT's bias "all": an adapter carrying trainable copies of the q/k/v biases trains them with the
   gradient the oracle gives those biases (same model, same LoRA), and trainable_params lists them */
static void check_bias_training(const char *name, int B, int T) {
    char path[512];
    lora_model *m;
    lora_adapter *ad = NULL;
    lora_param *p = NULL;
    long n_tok = 0;
    int32_t *tok;
    int i, np = 0, found = 0;
    float loss;
    static const char *const biases[] = {"model.layers.0.self_attn.q_proj.bias", "model.layers.1.self_attn.v_proj.bias"};
    snprintf(path, sizeof path, FX "%s/tokens.bin", name);
    tok = read_tokens_u16(path, &n_tok);
    snprintf(path, sizeof path, FX "%s/model", name);
    m = open_model(path);
    snprintf(path, sizeof path, FX "%s/adapter", name);
    if (m) CHECK_OK(lora_model_adapter_load(m, path, &ad, NULL));
    if (!m || !ad || !tok) { lora_model_free(m); lora_adapter_free(ad); free(tok); return; }
    for (i = 0; i < 2; i++) {
        int64_t n = 0;
        float *b = llama_model_param(llama_model_from_base(m), biases[i], &n);
        CHECK(b != NULL);
        if (b) CHECK_OK(lora_adapter_add_bias(ad, biases[i], b, (int)n));
    }
    CHECK_OK(lora_model_set_adapter(m, ad));
    CHECK_OK(lora_model_trainable_params(m, &p, &np));
    for (i = 0; i < np; i++) found += strcmp(p[i].name, biases[0]) == 0 || strcmp(p[i].name, biases[1]) == 0;
    CHECK(found == 2 && np == 2 * ad->n_modules + 2);
    lora_model_zero_grad(m);
    CHECK_OK(lora_model_forward(m, tok, tok, B, T, &loss));
    CHECK_OK(lora_model_backward(m));
    snprintf(path, sizeof path, FX "%s/grads.safetensors", name);
    for (i = 0; i < 2; i++) {
        int64_t n = 0;
        float *ref = read_tensor(path, biases[i], &n);
        lora_bias_param *bp = lora_adapter_find_bias(ad, biases[i]);
        CHECK(ref && bp);
        if (ref && bp) CHECK_MSG(test_rel_l2(bp->grad, ref, (long)n) < 1e-4, "%s: %s grad rel L2 %g", name, biases[i], test_rel_l2(bp->grad, ref, (long)n));
        free(ref);
    }
    printf("  %s: trainable biases (PEFT bias \"all\") get the oracle's bias gradients\n", name);
    lora_free(p);
    lora_model_set_adapter(m, NULL);
    lora_adapter_free(ad);
    lora_model_free(m);
    free(tok);
}

/* the same bits on 1, 2 and 3 threads: forward, LoRA and full gradients, KV-cached logits */
static void check_threads(const char *name, int B, int T) {
    char path[512];
    lora_model *m;
    lora_adapter *ad = NULL;
    llama_model *lm;
    long n_tok = 0;
    int32_t *tok;
    int th, V, i, same = 1;
    float *ref_logits = NULL, *ref_grads = NULL, *ref_da = NULL, *ref_kv = NULL, loss, ref_loss = 0, kvl[128];
    size_t ng = 0;
    snprintf(path, sizeof path, FX "%s/tokens.bin", name);
    tok = read_tokens_u16(path, &n_tok);
    snprintf(path, sizeof path, FX "%s/model", name);
    m = open_model(path);
    snprintf(path, sizeof path, FX "%s/adapter", name);
    if (m) CHECK_OK(lora_model_adapter_load(m, path, &ad, NULL));
    if (!m || !ad || !tok) { lora_model_free(m); lora_adapter_free(ad); free(tok); return; }
    lm = llama_model_from_base(m);
    V = lora_model_get_info(m)->vocab_size;
    CHECK_OK(lora_model_set_adapter(m, ad));
    CHECK_OK(lora_model_set_full_finetune(m, 1));
    for (i = 0; i < llama_model_num_tensors(lm); i++) {
        int64_t sh[2];
        llama_model_tensor(lm, i, NULL, sh, NULL);
        ng += (size_t)(sh[0] * sh[1]);
    }
    for (th = 1; th <= 3; th++) {
        lora_pool *pool = NULL;
        lora_kv *kv = NULL;
        float *g = (float *)malloc(sizeof(float) * ng), *da = ad->modules[0].dA;
        size_t off = 0;
        CHECK_OK(lora_pool_create(&pool, th));
        lora_model_set_pool(m, pool);
        lora_model_zero_grad(m);
        CHECK_OK(lora_model_forward(m, tok, tok, B, T, &loss));
        if (th == 1) {
            ref_logits = (float *)malloc(sizeof(float) * (size_t)B * T * V);
            memcpy(ref_logits, lora_model_logits(m), sizeof(float) * (size_t)B * T * V);
            ref_loss = loss;
        } else same &= memcmp(ref_logits, lora_model_logits(m), sizeof(float) * (size_t)B * T * V) == 0 && loss == ref_loss;
        CHECK_OK(lora_model_backward(m));
        for (i = 0; i < llama_model_num_tensors(lm); i++) {
            int64_t sh[2];
            const char *tn = llama_model_tensor(lm, i, NULL, sh, NULL);
            memcpy(g + off, llama_model_grad(lm, tn), sizeof(float) * (size_t)(sh[0] * sh[1]));
            off += (size_t)(sh[0] * sh[1]);
        }
        CHECK_OK(lora_kv_create(m, T, &kv));
        if (kv) CHECK_OK(lora_forward_cached(m, kv, tok, T, kvl));
        lora_kv_free(m, kv);
        if (th == 1) {
            ref_grads = g; g = NULL;
            ref_da = (float *)malloc(sizeof(float) * (size_t)ad->modules[0].r * ad->modules[0].in);
            memcpy(ref_da, da, sizeof(float) * (size_t)ad->modules[0].r * ad->modules[0].in);
            ref_kv = (float *)malloc(sizeof(float) * (size_t)V);
            memcpy(ref_kv, kvl, sizeof(float) * (size_t)V);
        } else {
            same &= memcmp(ref_grads, g, sizeof(float) * ng) == 0;
            same &= memcmp(ref_da, da, sizeof(float) * (size_t)ad->modules[0].r * ad->modules[0].in) == 0;
            same &= memcmp(ref_kv, kvl, sizeof(float) * (size_t)V) == 0;
        }
        free(g);
        lora_model_set_pool(m, NULL);
        lora_pool_destroy(pool);
    }
    CHECK_MSG(same, "%s: results differ between 1, 2 and 3 threads", name);
    printf("  %s: forward, gradients and KV-cached logits bit for bit on 1, 2, 3 threads: %s\n", name, same ? "yes" : "NO");
    free(ref_logits); free(ref_grads); free(ref_da); free(ref_kv);
    lora_model_set_adapter(m, NULL);
    lora_adapter_free(ad);
    lora_model_free(m);
    free(tok);
}

/* lora-inspect's line for every real preset and strategy equals the oracle's */
static void check_inspect_lines(void) {
    size_t len = 0;
    char *text = test_slurp(FX "inspect_lines.txt", &len), *line, *next;
    const lora_model_family *fams[1];
    int n = 0;
    fams[0] = llama_family();
    CHECK(text != NULL);
    if (!text) return;
    for (line = text; line && *line; line = next) {
        char preset[64], targets[128], buf[160];
        const char *expect = strstr(line, "trainable params");
        lora_model *m = NULL;
        lora_adapter *ad = NULL;
        lora_config c = lora_config_init();
        const char *list[8];
        int nt = 0;
        char *p;
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (sscanf(line, "%63s %127s", preset, targets) != 2 || !expect) continue;
        CHECK_OK(lora_model_open_shape(fams, 1, preset, &m));
        if (!m) continue;
        c.r = 8; c.alpha = 16;
        if (strcmp(targets, "all-linear") == 0) c.target.all_linear = 1;
        else {
            for (p = targets; p && nt < 8; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) list[nt++] = p;
            for (p = targets; (p = strchr(p, ',')) != NULL;) *p++ = 0;
            c.target.targets = list; c.target.n_targets = nt;
        }
        CHECK_OK(lora_model_adapter_create(m, &c, &ad));
        CHECK_OK(lora_model_set_adapter(m, ad));
        lora_model_trainable_line(m, buf, sizeof buf);
        CHECK_MSG(strcmp(buf, expect) == 0, "%s %s: '%s' vs '%s'", preset, targets, buf, expect);
        n++;
        lora_model_set_adapter(m, NULL);
        lora_adapter_free(ad);
        lora_model_free(m);
    }
    CHECK(n == 21);
    printf("  %d PEFT trainable lines equal the oracle's\n", n);
    free(text);
}

int main(void) {
    run_case("llama", 2, 12, 1e-2);
    run_case("llama3", 2, 12, 1e-2);
    run_case("qwen2", 3, 10, 5e-3);
    run_case("qwen3", 2, 12, 1e-2);
    run_case("mistral", 2, 14, 1e-2);
    run_case("qwen2w", 2, 12, 1e-2);
    run_case("llamalin", 2, 12, 1e-2);
    check_bias_training("qwen2", 3, 10);
    check_threads("qwen3", 2, 12);
    check_threads("mistral", 2, 14);
    check_inspect_lines();
    return TEST_END();
}
