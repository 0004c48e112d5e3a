/* PEFT adapter files both ways: variants PEFT writes (".default" in keys, no
   "base_model.model." prefix, older configs with fewer keys, unknown newer keys -> warning),
   strictness (missing / extra / mis-shaped tensors, unsupported features), round trips of
   every config field we write, bias modes, several adapters loaded at once with switching. */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <stdlib.h>
#include <sys/stat.h>

#define FX "tests/fixtures/oracle/"

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (f) { fputs(text, f); fclose(f); }
}

/* Copies the A/B tensors of `ad` into dir with key names produced by `fmt` ("%s" = module,
   %c = A/B), and writes `config` as adapter_config.json. */
static void write_variant(const char *dir, const lora_adapter *ad, const char *fmt, const char *config, int drop_last) {
    lora_st_entry e[64];
    char names[64][160], path[512];
    int i, k = 0;
    memset(e, 0, sizeof e);
    mkdir(dir, 0755);
    for (i = 0; i < ad->n_modules; i++) {
        int ab;
        for (ab = 0; ab < 2; ab++) {
            const lora_module *m = &ad->modules[i];
            snprintf(names[k], sizeof names[k], fmt, m->name, ab ? 'B' : 'A');
            e[k].name = names[k]; e[k].dtype = LORA_DT_F32; e[k].ndim = 2;
            e[k].shape[0] = ab ? m->out : m->r; e[k].shape[1] = ab ? m->r : m->in;
            e[k].data = ab ? m->B : m->A;
            k++;
        }
    }
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    lora_st_write(path, e, (size_t)(k - drop_last), NULL, NULL, 0);
    snprintf(path, sizeof path, "%s/adapter_config.json", dir);
    write_text(path, config);
}

static int same_adapter(const lora_adapter *a, const lora_adapter *b) {
    int i;
    if (a->n_modules != b->n_modules) return 0;
    for (i = 0; i < a->n_modules; i++) {
        const lora_module *x = &a->modules[i], *y = &b->modules[i];
        if (strcmp(x->name, y->name) || x->r != y->r || x->scaling != y->scaling ||
            memcmp(x->A, y->A, sizeof(float) * (size_t)x->r * x->in) || memcmp(x->B, y->B, sizeof(float) * (size_t)x->r * x->out))
            return 0;
    }
    return 1;
}

int main(void) {
    gpt2_model *m = NULL;
    lora_adapter *ref = NULL, *ad = NULL, *ad2 = NULL;
    char *warn = NULL;
    static const char *old_config = "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"c_attn\", \"c_proj\"]}";
    static const char *new_config =
        "{\"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"c_proj\", \"c_attn\"], \"lora_dropout\": 0.05, \"bias\": \"none\","
        " \"use_rslora\": false, \"fan_in_fan_out\": true, \"some_future_option\": {\"x\": 1}, \"another_new_key\": null,"
        " \"peft_version\": \"0.17.0\", \"task_type\": \"CAUSAL_LM\"}";
    CHECK_OK(gpt2_model_load(FX "A/model/model.safetensors", NULL, NULL, &m));
    CHECK_OK(gpt2_lora_load(m, FX "A/adapter", &ref, &warn));
    CHECK(warn == NULL);
    if (!m || !ref) return TEST_END();

    /* keys with the ".default" adapter name, and keys without "base_model.model." */
    write_variant("build/test_aio_default", ref, "base_model.model.%s.lora_%c.default.weight", old_config, 0);
    CHECK_OK(gpt2_lora_load(m, "build/test_aio_default", &ad, NULL));
    CHECK(ad && same_adapter(ad, ref));
    lora_adapter_free(ad); ad = NULL;
    write_variant("build/test_aio_noprefix", ref, "%s.lora_%c.weight", old_config, 0);
    CHECK_OK(gpt2_lora_load(m, "build/test_aio_noprefix", &ad, NULL));
    CHECK(ad && same_adapter(ad, ref));
    lora_adapter_free(ad); ad = NULL;
    /* unknown (newer) keys are ignored with a warning naming them */
    write_variant("build/test_aio_newkeys", ref, "base_model.model.%s.lora_%c.weight", new_config, 0);
    CHECK_OK(gpt2_lora_load(m, "build/test_aio_newkeys", &ad, &warn));
    CHECK(ad && same_adapter(ad, ref));
    CHECK(warn && strstr(warn, "some_future_option") && strstr(warn, "another_new_key"));
    CHECK(ad && fabs(ad->config.dropout - 0.05f) < 1e-7);
    free(warn); warn = NULL;
    lora_adapter_free(ad); ad = NULL;
    /* a missing tensor is an error naming it */
    write_variant("build/test_aio_missing", ref, "base_model.model.%s.lora_%c.weight", old_config, 1);
    CHECK_ERR(gpt2_lora_load(m, "build/test_aio_missing", &ad, NULL), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "missing tensor") && strstr(lora_last_error(), "transformer.h.1.mlp.c_proj.lora_B.weight"));
    /* config selecting fewer modules than the file has: extra tensor is an error */
    write_variant("build/test_aio_extra", ref, "base_model.model.%s.lora_%c.weight",
                  "{\"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"c_attn\"]}", 0);
    CHECK_ERR(gpt2_lora_load(m, "build/test_aio_extra", &ad, NULL), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "does not select") != NULL);
    /* wrong rank in the config -> shape mismatch naming expected and found */
    write_variant("build/test_aio_rank", ref, "base_model.model.%s.lora_%c.weight",
                  "{\"r\": 8, \"lora_alpha\": 8, \"target_modules\": [\"c_attn\", \"c_proj\"]}", 0);
    CHECK_ERR(gpt2_lora_load(m, "build/test_aio_rank", &ad, NULL), LORA_ERR_SHAPE);
    CHECK(strstr(lora_last_error(), "expected shape (8, 24), found (4, 24)") != NULL);
    /* unsupported PEFT features are refused, not silently ignored */
    write_variant("build/test_aio_dora", ref, "base_model.model.%s.lora_%c.weight",
                  "{\"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"c_attn\", \"c_proj\"], \"use_dora\": true}", 0);
    CHECK_ERR(gpt2_lora_load(m, "build/test_aio_dora", &ad, NULL), LORA_ERR_UNSUPPORTED);
    CHECK(strstr(lora_last_error(), "DoRA") != NULL);
    write_variant("build/test_aio_r0", ref, "base_model.model.%s.lora_%c.weight",
                  "{\"r\": 0, \"lora_alpha\": 8, \"target_modules\": [\"c_attn\", \"c_proj\"]}", 0);
    CHECK_ERR(gpt2_lora_load(m, "build/test_aio_r0", &ad, NULL), LORA_ERR_FORMAT);
    CHECK_ERR(gpt2_lora_load(m, "build/no_such_adapter_dir", &ad, NULL), LORA_ERR_IO);
    CHECK(strstr(lora_last_error(), "adapter_config.json") != NULL);

    /* round trip of every config field we write: rsLoRA, regex targets, exclude, layers, biases */
    {
        lora_config lc = lora_config_init();
        static const char *const ex[] = {"transformer.h.0.mlp.c_fc"};
        static const int layers[] = {0};
        gpt2_model *mb = NULL;
        CHECK_OK(gpt2_model_load(FX "B/model/model.safetensors", NULL, NULL, &mb));
        lc.r = 3; lc.alpha = 7.5f; lc.use_rslora = 1; lc.dropout = 0.1f; lc.bias = LORA_BIAS_LORA_ONLY; lc.seed = 9;
        lc.target.target_regex = ".*\\.(c_attn|c_fc)";
        lc.target.exclude = ex; lc.target.n_exclude = 1;
        CHECK_OK(gpt2_lora_create(mb, &lc, &ad));
        if (ad) {
            int i;
            CHECK(ad->n_modules == 5);           /* 3 c_attn + 3 c_fc - the excluded one */
            CHECK(ad->n_biases == 5);            /* lora_only: the adapted modules' biases */
            for (i = 0; i < ad->n_modules; i++) ad->modules[i].B[0] = 0.25f * (float)(i + 1);
            ad->biases[0].value[0] = 42.0f;
            CHECK_OK(lora_adapter_save(ad, "build/test_aio_roundtrip", 1));
            CHECK_OK(gpt2_lora_load(mb, "build/test_aio_roundtrip", &ad2, NULL));
            CHECK(ad2 && same_adapter(ad, ad2));
            CHECK(ad2 && ad2->config.use_rslora && ad2->config.bias == LORA_BIAS_LORA_ONLY && ad2->n_biases == 5);
            CHECK(ad2 && lora_adapter_find_bias(ad2, "transformer.h.0.attn.c_attn.bias") &&
                  lora_adapter_find_bias(ad2, "transformer.h.0.attn.c_attn.bias")->value[0] == 42.0f);
            CHECK(ad2 && ad2->config.target.target_regex && strcmp(ad2->config.target.target_regex, ".*\\.(c_attn|c_fc)") == 0);
            lora_adapter_free(ad2); ad2 = NULL;
        }
        lora_adapter_free(ad); ad = NULL;
        lc = lora_config_init();
        {
            static const char *const t[] = {"c_attn"};
            lc.target.targets = t; lc.target.n_targets = 1; lc.target.layers = layers; lc.target.n_layers = 1;
            CHECK_OK(gpt2_lora_create(mb, &lc, &ad));
            CHECK(ad && ad->n_modules == 1 && strcmp(ad->modules[0].name, "transformer.h.0.attn.c_attn") == 0);
            CHECK_OK(lora_adapter_save(ad, "build/test_aio_layers", 1));
            CHECK_OK(gpt2_lora_load(mb, "build/test_aio_layers", &ad2, NULL));
            CHECK(ad2 && ad2->n_modules == 1 && ad2->config.target.n_layers == 1 && ad2->config.target.layers[0] == 0);
            lora_adapter_free(ad2); ad2 = NULL;
            lora_adapter_free(ad); ad = NULL;
        }
        /* an adapter made for another width does not attach */
        CHECK_ERR(gpt2_model_set_adapter(mb, ref), LORA_ERR_SHAPE);
        gpt2_model_free(mb);
    }

    /* several adapters at once: switch per call, NULL = base model */
    CHECK_OK(gpt2_lora_load(m, FX "A/trained", &ad2, NULL));
    if (ad2) {
        int32_t ids[32];
        float l_ref, l_tr, l_base, l_again;
        int i;
        for (i = 0; i < 32; i++) ids[i] = (i * 13) % 97;
        CHECK_OK(gpt2_model_set_adapter(m, ref));
        CHECK_OK(gpt2_forward(m, ids, ids, 2, 16, &l_ref));
        CHECK_OK(gpt2_model_set_adapter(m, ad2));
        CHECK_OK(gpt2_forward(m, ids, ids, 2, 16, &l_tr));
        CHECK_OK(gpt2_model_set_adapter(m, NULL));
        CHECK_OK(gpt2_forward(m, ids, ids, 2, 16, &l_base));
        CHECK_OK(gpt2_model_set_adapter(m, ref));
        CHECK_OK(gpt2_forward(m, ids, ids, 2, 16, &l_again));
        CHECK(l_ref != l_tr && l_ref != l_base && l_tr != l_base);
        CHECK(l_again == l_ref);
        lora_adapter_free(ad2);
    }
    lora_adapter_free(ref);
    gpt2_model_free(m);
    return TEST_END();
}
