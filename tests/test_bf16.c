/* bf16 frozen weights against the PyTorch oracle's --matmul-bf16 (fixtures in tests/fixtures/bf16,
   made by make_fixtures.sh there): every product with a frozen weight is bf16(x) . bf16(W) with fp32
   sums, the rest fp32. On every instruction set this machine runs (vdpbf16ps where the CPU has
   AVX512-BF16, bf16 widened to fp32 elsewhere), 1 and 2 threads: loss within 1e-5 relative, logits
   within 1e-3 absolute, LoRA gradients within 2e-3 relative L2 (the labelled-only training path and
   the all-positions one), the adapter after 10 AdamW steps within 5e-3; the weights take half the
   bytes. */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <stdlib.h>

#define FX "tests/fixtures/bf16/"

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


static void check_model(lora_pool *pool, const char *isa) {
    gpt2_model *m = NULL, *m32 = NULL;
    lora_adapter *ad = NULL, *ref = NULL;
    long n_tok = 0;
    int32_t *tok = read_tokens_u16(FX "tokens.bin", &n_tok), *labels = read_i32(FX "labels.bin", 60);
    int64_t n = 0;
    float *ref_logits = read_tensor(FX "fwd.safetensors", "logits", &n), *ref_loss = read_tensor(FX "fwd.safetensors", "loss", NULL);
    float loss;
    int training, i, k;
    CHECK(tok && labels && ref_logits && ref_loss);
    CHECK_OK(gpt2_model_load_as(FX "model/model.safetensors", NULL, pool, LORA_DT_BF16, &m));
    CHECK_OK(gpt2_model_load(FX "model/model.safetensors", NULL, pool, &m32));
    if (!m || !m32 || !tok || !labels || !ref_logits || !ref_loss) goto out;
    CHECK(gpt2_model_base_dtype(m) == LORA_DT_BF16);
    CHECK_MSG(gpt2_model_memory(m) < 0.6 * gpt2_model_memory(m32), "bf16 weights %zu bytes vs fp32 %zu",
              gpt2_model_memory(m), gpt2_model_memory(m32));
    CHECK(gpt2_model_param(m, "h.0.attn.c_attn.weight", NULL) == NULL && gpt2_model_param(m, "h.0.ln_1.weight", NULL) != NULL);
    CHECK_ERR(gpt2_model_set_full_finetune(m, 1), LORA_ERR_UNSUPPORTED);
    CHECK_OK(gpt2_lora_load(m, FX "adapter", &ad, NULL));
    if (!ad) goto out;
    CHECK_ERR(gpt2_model_merge(m, ad, 1), LORA_ERR_UNSUPPORTED);
    CHECK_OK(gpt2_model_set_adapter(m, ad));
    /* forward: logits and loss */
    CHECK_OK(gpt2_forward(m, tok, labels, 3, 20, &loss));
    CHECK(n == 3 * 20 * 211 && gpt2_logits(m) != NULL);
    if (gpt2_logits(m)) {
        double e = test_max_abs_diff(gpt2_logits(m), ref_logits, (long)n);
        CHECK_MSG(e < 1e-3, "%s: logits max abs diff %g", isa, e);
        printf("  %s: logits max abs diff %.3g, loss %.9g vs %.9g\n", isa, e, loss, ref_loss[0]);
    }
    CHECK_MSG(fabs(loss - ref_loss[0]) <= 1e-5 * fabs(ref_loss[0]), "%s: loss %.9g vs %.9g", isa, loss, ref_loss[0]);
    /* saved as BF16 and loaded again: the same weights, the same logits */
    if (pool && lora_pool_threads(pool) == 1 && lora_pool_isa(pool) == lora_detect_isa()) {
        gpt2_model *m2 = NULL;
        float *l1 = (float *)malloc(sizeof(float) * 20 * 211);
        CHECK_OK(gpt2_forward(m, tok, NULL, 1, 20, NULL));
        if (l1 && gpt2_logits(m)) memcpy(l1, gpt2_logits(m), sizeof(float) * 20 * 211);
        CHECK_OK(gpt2_model_set_adapter(m, NULL));
        CHECK_OK(gpt2_model_save(m, "build/test_bf16_out/model.safetensors"));
        CHECK_OK(gpt2_model_set_adapter(m, ad));
        CHECK_OK(gpt2_model_load_as("build/test_bf16_out/model.safetensors", NULL, pool, LORA_DT_BF16, &m2));
        if (m2 && l1) {
            CHECK_OK(gpt2_model_set_adapter(m2, ad));
            CHECK_OK(gpt2_forward(m2, tok, NULL, 1, 20, NULL));
            CHECK(gpt2_logits(m2) && memcmp(gpt2_logits(m2), l1, sizeof(float) * 20 * 211) == 0);
        }
        gpt2_model_free(m2);
        free(l1);
    }
    /* generation: the KV cache's few-row products equal the forward's logits */
    {
        gpt2_kv_cache *kv = NULL;
        float last[211];
        const float *lg;
        CHECK_OK(gpt2_forward(m, tok, NULL, 1, 20, NULL));
        lg = gpt2_logits(m);
        CHECK_OK(gpt2_kv_create(m, 0, &kv));
        if (kv && lg) {
            double e = 0;
            int j, t;
            for (t = 0; t < 20; t++) {
                CHECK_OK(gpt2_forward_cached(m, kv, tok + t, 1, last));
                for (j = 0; j < 211; j++) if (fabs(last[j] - lg[(size_t)t * 211 + j]) > e) e = fabs(last[j] - lg[(size_t)t * 211 + j]);
            }
            CHECK_MSG(e < 1e-4, "%s: cached logits differ from the forward's by %g", isa, e);
            printf("  %s: KV-cache decoding vs forward logits max abs diff %.3g\n", isa, e);
        }
        gpt2_kv_free(kv);
    }
    /* gradients, all positions (training off) and labelled rows only (training on) */
    for (training = 0; training < 2; training++) {
        double worst = 0;
        gpt2_model_set_training(m, training, 1);
        gpt2_zero_grad(m);
        CHECK_OK(gpt2_forward(m, tok, labels, 3, 20, &loss));
        CHECK(training ? gpt2_logits(m) == NULL : gpt2_logits(m) != NULL);
        CHECK_MSG(fabs(loss - ref_loss[0]) <= 1e-5 * fabs(ref_loss[0]), "%s: loss %.9g vs %.9g", isa, loss, ref_loss[0]);
        CHECK_OK(gpt2_backward(m));
        for (i = 0; i < ad->n_modules; i++)
            for (k = 0; k < 2; k++) {
                char key[256];
                int64_t nr = 0;
                lora_module *lm = &ad->modules[i];
                float *r;
                snprintf(key, sizeof key, "base_model.model.%s.lora_%c.weight", lm->name, k ? 'B' : 'A');
                r = read_tensor(FX "grads.safetensors", key, &nr);
                CHECK(r != NULL);
                if (!r) continue;
                {
                    double e = test_rel_l2(k ? lm->dB : lm->dA, r, (long)nr);
                    if (e > worst) worst = e;
                    CHECK_MSG(e < 2e-3, "%s: %s gradient rel L2 %g", isa, key, e);
                }
                free(r);
            }
        printf("  %s: LoRA gradients (%s) worst rel L2 %.3g\n", isa, training ? "labelled rows only" : "all positions", worst);
    }
    /* 10 AdamW steps as the oracle's train command */
    {
        double losses[16], worst = 0;
        lora_adamw_config oc = lora_adamw_config_init();
        lora_adamw *opt = NULL;
        lora_param *params = NULL;
        lora_adapter *tr = NULL;
        int np = 0, s;
        long pos = 0;
        CHECK(read_losses(FX "losses.json", losses, 16) == 10);
        CHECK_OK(gpt2_lora_load(m, FX "adapter", &tr, NULL));
        CHECK_OK(gpt2_lora_load(m, FX "trained", &ref, NULL));
        if (!tr || !ref) { lora_adapter_free(tr); goto out; }
        CHECK_OK(gpt2_model_set_adapter(m, tr));
        gpt2_model_set_training(m, 1, 1);
        CHECK_OK(gpt2_trainable_params(m, &params, &np));
        oc.lr = 1e-2; oc.weight_decay = 0.01; oc.warmup = 2; oc.schedule = LORA_SCHED_COSINE; oc.total_steps = 10;
        CHECK_OK(lora_adamw_create(&oc, params, np, &opt));
        for (s = 0; s < 10 && opt; s++) {
            if (pos + 32 > n_tok) pos = 0;
            gpt2_zero_grad(m);
            CHECK_OK(gpt2_forward(m, tok + pos, tok + pos, 2, 16, &loss));
            CHECK_OK(gpt2_backward(m));
            CHECK_OK(lora_adamw_step(opt, NULL, NULL, NULL));
            CHECK_MSG(fabs(loss - losses[s]) <= (s < 3 ? 1e-5 : 1e-4) * fabs(losses[s]), "%s step %d loss %.9g vs %.9g", isa, s, loss, losses[s]);
            pos += 32;
        }
        for (i = 0; i < tr->n_modules; i++) {
            lora_module *a = &tr->modules[i], *b = &ref->modules[i];
            double ea = test_max_abs_diff(a->A, b->A, (long)a->r * a->in), eb = test_max_abs_diff(a->B, b->B, (long)a->r * a->out);
            if (ea > worst) worst = ea;
            if (eb > worst) worst = eb;
        }
        CHECK_MSG(worst < 5e-3, "%s: trained adapter max abs diff %g", isa, worst);
        printf("  %s: 10 AdamW steps, trained adapter max abs diff %.3g\n", isa, worst);
        CHECK_OK(gpt2_model_set_adapter(m, NULL));
        lora_adamw_free(opt);
        free(params);
        lora_adapter_free(tr);
    }
out:
    gpt2_model_free(m);
    gpt2_model_free(m32);
    lora_adapter_free(ad);
    lora_adapter_free(ref);
    free(tok); free(labels); free(ref_logits); free(ref_loss);
}

int main(void) {
    static const lora_isa isas[] = {LORA_ISA_SCALAR, LORA_ISA_AVX2, LORA_ISA_AVX512, LORA_ISA_NEON};
    size_t i;
    int threads;
    for (threads = 1; threads <= 2; threads++)
        for (i = 0; i < sizeof isas / sizeof isas[0]; i++) {
            lora_pool *pool = NULL;
            char name[96];
            if (lora_pool_create(&pool, threads) != LORA_OK) continue;
            if (lora_pool_set_isa(pool, isas[i]) == LORA_OK) {
                snprintf(name, sizeof name, "%s, %d thread%s", lora_wmat_kernel_name(pool, LORA_DT_BF16), threads, threads > 1 ? "s" : "");
                check_model(pool, name);
            }
            lora_pool_destroy(pool);
        }
    return TEST_END();
}
