/* GPT-2 + LoRA against the PyTorch oracle (fixtures in tests/fixtures/oracle, made by
   make_fixtures.sh there): logits, loss, LoRA and full-fine-tune gradients, 10 AdamW steps,
   merge, llm.c and BF16 checkpoints. */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <stdlib.h>

#define FX "tests/fixtures/oracle/"

/* Reads a tensor of a safetensors file as floats (caller frees). */
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

static int32_t *read_i32(const char *path, long n) {
    FILE *f = fopen(path, "rb");
    int32_t *v = (int32_t *)malloc(sizeof(int32_t) * (size_t)n);
    unsigned char b[4];
    long i;
    for (i = 0; f && i < n; i++) { /* little-endian int32, whatever the host */
        if (fread(b, 1, 4, f) != 4) break;
        v[i] = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
    }
    if (!f || i < n) { if (f) fclose(f); free(v); return NULL; }
    fclose(f);
    return v;
}

/* Forward (+ loss) and compare logits and loss with the oracle's forward output. */
static void check_forward(gpt2_model *m, const char *fwd_path, const int32_t *ids, const int32_t *labels, int B, int T) {
    int64_t n = 0;
    float *ref = read_tensor(fwd_path, "logits", &n), *ref_loss = read_tensor(fwd_path, "loss", NULL), loss;
    const float *logits;
    CHECK(ref != NULL && ref_loss != NULL);
    if (!ref || !ref_loss) return;
    CHECK_OK(gpt2_forward(m, ids, labels, B, T, &loss));
    logits = gpt2_logits(m);
    CHECK(n == (int64_t)B * T * gpt2_model_config(m)->vocab_size);
    CHECK_MSG(test_max_abs_diff(logits, ref, (long)n) < 1e-4, "%s: logits max abs diff %g", fwd_path, test_max_abs_diff(logits, ref, (long)n));
    CHECK_MSG(fabs(loss - ref_loss[0]) <= 1e-5 * fabs(ref_loss[0]), "%s: loss %.9g vs %.9g", fwd_path, loss, ref_loss[0]);
    free(ref); free(ref_loss);
}

/* Backward and compare every LoRA gradient (and with full = 1 every base gradient). */
static void check_grads(gpt2_model *m, lora_adapter *ad, const char *grads_path, const int32_t *ids, const int32_t *labels,
                        int B, int T, int full) {
    int i, k;
    float loss;
    double worst = 0;
    CHECK_OK(gpt2_model_set_full_finetune(m, full));
    gpt2_zero_grad(m);
    CHECK_OK(gpt2_forward(m, ids, labels, B, T, &loss));
    CHECK_OK(gpt2_backward(m));
    for (i = 0; i < ad->n_modules; i++) {
        for (k = 0; k < 2; k++) {
            char key[256];
            int64_t n = 0;
            float *ref;
            lora_module *lm = &ad->modules[i];
            snprintf(key, sizeof key, "base_model.model.%s.lora_%c.weight", lm->name, k ? 'B' : 'A');
            ref = read_tensor(grads_path, key, &n);
            CHECK(ref != NULL);
            if (!ref) continue;
            {
                double e = test_rel_l2(k ? lm->dB : lm->dA, ref, (long)n);
                if (e > worst) worst = e;
                CHECK_MSG(e < 1e-4, "%s grad rel L2 %g", key, e);
            }
            free(ref);
        }
    }
    printf("  %s: worst LoRA gradient rel L2 %.3g\n", grads_path, worst);
    if (full) {
        worst = 0;
        for (i = 0; i < gpt2_model_num_tensors(m); i++) {
            const char *name = gpt2_model_tensor(m, i, NULL, NULL, NULL);
            int64_t n = 0;
            float *ref = read_tensor(grads_path, name, &n), *g = gpt2_model_grad(m, name);
            CHECK(ref != NULL && g != NULL);
            if (ref && g) {
                double e = test_rel_l2(g, ref, (long)n);
                if (e > worst) worst = e;
                CHECK_MSG(e < 1e-3, "base grad %s rel L2 %g", name, e);
            }
            free(ref);
        }
        printf("  %s: worst base gradient rel L2 %.3g\n", grads_path, worst);
        CHECK_OK(gpt2_model_set_full_finetune(m, 0));
    }
}

/* 10 AdamW steps as the oracle's train command, then compare losses and trained A/B. */
static void check_train(const char *dir, int B, int T, int steps, lora_adamw_config oc, const double *ref_losses) {
    char path[512];
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL, *ref = NULL;
    lora_adamw *opt = NULL;
    lora_param *params = NULL;
    int n_params = 0, s, i;
    long n_tok = 0, pos = 0;
    int32_t *tok;
    double worst = 0;
    snprintf(path, sizeof path, "%s/model/model.safetensors", dir);
    CHECK_OK(gpt2_model_load(path, NULL, NULL, &m));
    snprintf(path, sizeof path, "%s/adapter", dir);
    CHECK_OK(gpt2_lora_load(m, path, &ad, NULL));
    snprintf(path, sizeof path, "%s/trained", dir);
    CHECK_OK(gpt2_lora_load(m, path, &ref, NULL));
    snprintf(path, sizeof path, "%s/tokens.bin", dir);
    tok = read_tokens_u16(path, &n_tok);
    if (!m || !ad || !ref || !tok) { gpt2_model_free(m); lora_adapter_free(ad); lora_adapter_free(ref); free(tok); return; }
    CHECK_OK(gpt2_model_set_adapter(m, ad));
    CHECK_OK(gpt2_trainable_params(m, &params, &n_params));
    oc.total_steps = steps;
    CHECK_OK(lora_adamw_create(&oc, params, n_params, &opt));
    for (s = 0; s < steps; s++) {
        float loss;
        if (pos + B * T > n_tok) pos = 0;
        gpt2_zero_grad(m);
        CHECK_OK(gpt2_forward(m, tok + pos, tok + pos, B, T, &loss));
        CHECK_OK(gpt2_backward(m));
        CHECK_OK(lora_adamw_step(opt, NULL, NULL, NULL));
        if (s < 3) CHECK_MSG(fabs(loss - ref_losses[s]) <= 2e-5 * fabs(ref_losses[s]), "%s step %d loss %.9g vs %.9g", dir, s, loss, ref_losses[s]);
        else CHECK_MSG(fabs(loss - ref_losses[s]) <= 1e-4 * fabs(ref_losses[s]), "%s step %d loss %.9g vs %.9g", dir, s, loss, ref_losses[s]);
        pos += B * T;
    }
    for (i = 0; i < ad->n_modules; i++) {
        lora_module *a = &ad->modules[i], *b = &ref->modules[i];
        double ea = test_max_abs_diff(a->A, b->A, (long)a->r * a->in), eb = test_max_abs_diff(a->B, b->B, (long)a->r * a->out);
        if (ea > worst) worst = ea;
        if (eb > worst) worst = eb;
        CHECK_MSG(ea < 1e-3 && eb < 1e-3, "%s trained %s: max abs diff A %g B %g", dir, a->name, ea, eb);
    }
    printf("  %s: %d AdamW steps, trained adapter max abs diff %.3g\n", dir, steps, worst);
    lora_adamw_free(opt);
    free(params);
    lora_adapter_free(ad); lora_adapter_free(ref);
    gpt2_model_free(m);
    free(tok);
}

static int read_losses(const char *path, double *out, int max) {
    char *text = NULL;
    size_t len = 0;
    lora_json *j = NULL;
    FILE *f = fopen(path, "rb");
    int n = 0;
    size_t i;
    const lora_json *l;
    if (!f) return 0;
    fseek(f, 0, SEEK_END); len = (size_t)ftell(f); fseek(f, 0, SEEK_SET);
    text = (char *)malloc(len + 1);
    if (fread(text, 1, len, f) != len) len = 0;
    fclose(f);
    if (lora_json_parse(text, len, path, &j) == LORA_OK && (l = lora_json_get(j, "losses")) != NULL)
        for (i = 0; i < l->n && n < max; i++) out[n++] = l->items[i].number;
    lora_json_free(j);
    free(text);
    return n;
}

static void test_fixture_a(void) {
    gpt2_model *m = NULL, *mb = NULL, *ml = NULL, *merged = NULL;
    lora_adapter *ad = NULL;
    long n_tok = 0;
    int32_t *tok = read_tokens_u16(FX "A/tokens.bin", &n_tok);
    CHECK(tok != NULL && n_tok == 300);
    CHECK_OK(gpt2_model_load(FX "A/model/model.safetensors", NULL, NULL, &m));
    CHECK_OK(gpt2_lora_load(m, FX "A/adapter", &ad, NULL));
    if (!m || !ad || !tok) return;
    CHECK(ad->n_modules == 6 && ad->modules[0].r == 4 && fabs(ad->modules[0].scaling - 2.0f) < 1e-7);
    /* base model, then with the adapter */
    check_forward(m, FX "A/fwd_base.safetensors", tok, tok, 2, 16);
    CHECK_OK(gpt2_model_set_adapter(m, ad));
    check_forward(m, FX "A/fwd.safetensors", tok, tok, 2, 16);
    check_grads(m, ad, FX "A/grads.safetensors", tok, tok, 2, 16, 1);
    /* llm.c checkpoint holds the same weights; our llm.c writer reproduces the oracle's bytes */
    CHECK_OK(gpt2_model_load(FX "A/model.llmc.bin", NULL, NULL, &ml));
    if (ml) {
        int i;
        for (i = 0; i < gpt2_model_num_tensors(m); i++) {
            float *a, *b;
            int64_t sh[2];
            int nd;
            const char *name = gpt2_model_tensor(m, i, &nd, sh, &a);
            gpt2_model_tensor(ml, i, NULL, NULL, &b);
            CHECK_MSG(memcmp(a, b, sizeof(float) * (size_t)(sh[0] * (nd > 1 ? sh[1] : 1))) == 0, "llm.c tensor %s differs", name);
        }
        CHECK_OK(gpt2_model_save_llmc(ml, "build/test_oracle_llmc.bin"));
        {
            char *x = NULL, *y = NULL;
            size_t nx = 0, ny = 0;
            FILE *f1 = fopen("build/test_oracle_llmc.bin", "rb"), *f2 = fopen(FX "A/model.llmc.bin", "rb");
            if (f1 && f2) {
                fseek(f1, 0, SEEK_END); nx = (size_t)ftell(f1); fseek(f1, 0, SEEK_SET);
                fseek(f2, 0, SEEK_END); ny = (size_t)ftell(f2); fseek(f2, 0, SEEK_SET);
                x = (char *)malloc(nx); y = (char *)malloc(ny);
                CHECK(fread(x, 1, nx, f1) == nx && fread(y, 1, ny, f2) == ny);
                CHECK_MSG(nx == ny && memcmp(x, y, nx) == 0, "llm.c bytes differ (%zu vs %zu bytes)", nx, ny);
            }
            if (f1) fclose(f1);
            if (f2) fclose(f2);
            free(x); free(y);
        }
        gpt2_model_free(ml);
    }
    /* BF16 file with "transformer." prefix */
    CHECK_OK(gpt2_model_load(FX "A/model_bf16/model.safetensors", NULL, NULL, &mb));
    if (mb) { check_forward(mb, FX "A/fwd_bf16.safetensors", tok, tok, 2, 16); gpt2_model_free(mb); }
    /* merge: weights equal to the oracle's merged model, logits equal to model + adapter */
    CHECK_OK(gpt2_model_load(FX "A/merged/model.safetensors", NULL, NULL, &merged));
    if (merged) {
        const float *lm;
        float *with_adapter;
        long nl = 2 * 16 * 97;
        int i;
        CHECK_OK(gpt2_forward(m, tok, NULL, 2, 16, NULL));
        with_adapter = (float *)malloc(sizeof(float) * (size_t)nl);
        memcpy(with_adapter, gpt2_logits(m), sizeof(float) * (size_t)nl);
        CHECK_OK(gpt2_model_set_adapter(m, NULL));
        CHECK_OK(gpt2_model_merge(m, ad, 1));
        for (i = 0; i < gpt2_model_num_tensors(m); i++) {
            float *a, *b;
            int64_t sh[2];
            int nd;
            const char *name = gpt2_model_tensor(m, i, &nd, sh, &a);
            gpt2_model_tensor(merged, i, NULL, NULL, &b);
            CHECK_MSG(test_max_abs_diff(a, b, (long)(sh[0] * (nd > 1 ? sh[1] : 1))) < 1e-6, "merged %s differs", name);
        }
        CHECK_OK(gpt2_forward(m, tok, NULL, 2, 16, NULL));
        lm = gpt2_logits(m);
        CHECK_MSG(test_max_abs_diff(lm, with_adapter, nl) < 1e-5, "merged logits differ by %g", test_max_abs_diff(lm, with_adapter, nl));
        CHECK_OK(gpt2_model_merge(m, ad, -1));
        check_forward(m, FX "A/fwd_base.safetensors", tok, tok, 2, 16);
        free(with_adapter);
        gpt2_model_free(merged);
    }
    lora_adapter_free(ad);
    gpt2_model_free(m);
    free(tok);
}

static void test_fixture_b(void) {
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    long n_tok = 0;
    int32_t *tok = read_tokens_u16(FX "B/tokens.bin", &n_tok), *labels = read_i32(FX "B/labels.bin", 60);
    CHECK(tok && labels);
    CHECK_OK(gpt2_model_load(FX "B/model/model.safetensors", NULL, NULL, &m));
    CHECK_OK(gpt2_lora_load(m, FX "B/adapter", &ad, NULL));
    if (!m || !ad || !tok || !labels) return;
    CHECK(ad->n_modules == 9 && ad->config.use_rslora);
    CHECK_NEAR(ad->modules[0].scaling, 5.0 / sqrt(3.0), 1e-6);
    CHECK_OK(gpt2_model_set_adapter(m, ad));
    check_forward(m, FX "B/fwd.safetensors", tok, labels, 3, 20);
    check_grads(m, ad, FX "B/grads.safetensors", tok, labels, 3, 20, 1);
    lora_adapter_free(ad);
    gpt2_model_free(m);
    free(tok); free(labels);
}

int main(void) {
    double losses[16];
    lora_adamw_config oc = lora_adamw_config_init();
    test_fixture_a();
    test_fixture_b();
    CHECK(read_losses(FX "A/losses.json", losses, 16) == 10);
    oc.lr = 1e-2; oc.weight_decay = 0.01; oc.grad_clip = 1.0; oc.warmup = 2; oc.schedule = LORA_SCHED_COSINE;
    check_train(FX "A", 2, 16, 10, oc, losses);
    CHECK(read_losses(FX "B/losses.json", losses, 16) == 10);
    oc = lora_adamw_config_init();
    oc.lr = 5e-3; oc.weight_decay = 0; oc.schedule = LORA_SCHED_LINEAR;
    check_train(FX "B", 3, 20, 10, oc, losses);
    CHECK(read_losses(FX "C/losses.json", losses, 16) == 10);
    oc = lora_adamw_config_init();
    oc.lr = 1e-2; oc.weight_decay = 0;
    check_train(FX "C", 4, 12, 10, oc, losses);
    return TEST_END();
}
