/* Allocation failures in llama.h: every allocation goes through counting hooks that fail the
   k-th one; a workload over the public API (open a model directory, config and weights; load an
   adapter and attach it; forward, backward with full fine-tuning; the KV cache; save; a shape-only
   preset and an adapter on it; a GGUF llama with its tokenizer, saved as GGUF model and adapter) runs for k = 1, 2, ..., 400, then in strides (about 600 runs),
   until it no longer reaches the k-th allocation. For every k: no crash (sanitizers watch), the failing call returns LORA_ERR_OOM with
   a message about memory, and once everything made is freed no block is left (no leak). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long af_count, af_fail_at, af_live;
static int af_armed;
static void *af_malloc(size_t n) {
    void *p;
    if (af_armed && ++af_count == af_fail_at) return NULL;
    p = malloc(n ? n : 1);
    if (p) af_live++;
    return p;
}
static void *af_realloc(void *old, size_t n) {
    void *p;
    if (af_armed && ++af_count == af_fail_at) return NULL;
    p = realloc(old, n ? n : 1);
    if (p && !old) af_live++;
    return p;
}
static void af_free(void *p) { if (p) { af_live--; free(p); } }
#define LORA_MALLOC(sz) af_malloc(sz)
#define LORA_REALLOC(p, sz) af_realloc(p, sz)
#define LORA_FREE(p) af_free(p)
#define LORA_IMPLEMENTATION
#include "lora.h"
#define LLAMA_IMPLEMENTATION
#include "llama.h"
#include "test.h"

#define FX "tests/fixtures/llama/qwen3/"

/* returns the first failing status (LORA_OK if all went through); frees everything it made */
static lora_status workload(lora_pool *pool) {
    const lora_model_family *fams[1];
    lora_model *m = NULL, *shape = NULL, *g = NULL;
    lora_tokenizer *tok = NULL;
    lora_adapter *ad3 = NULL;
    lora_adapter *ad = NULL, *ad2 = NULL;
    lora_kv *kv = NULL;
    int32_t ids[24];
    float loss, logits[64];
    lora_status s;
    lora_config lc = lora_config_init();
    int i;
    fams[0] = llama_family();
    for (i = 0; i < 24; i++) ids[i] = (i * 5 + 1) % 61;
#define W(x) do { if ((s = (x)) != LORA_OK) goto done; } while (0)
    W(lora_model_open(fams, 1, FX "model", NULL, NULL, 0, pool, &m));
    W(lora_model_adapter_load(m, FX "adapter", &ad, NULL));
    W(lora_model_set_adapter(m, ad));
    W(lora_model_set_full_finetune(m, 1));
    W(lora_model_forward(m, ids, ids, 2, 12, &loss));
    W(lora_model_backward(m));
    W(lora_kv_create(m, 12, &kv));
    W(lora_forward_cached(m, kv, ids, 5, logits));
    W(lora_forward_cached(m, kv, ids + 5, 1, logits));
    W(lora_model_save(m, "build/test_internal_allocfail_llama.d/model.safetensors"));
    W(lora_model_open_shape(fams, 1, "smollm2-135m", &shape));
    lc.target.all_linear = 1;
    W(lora_model_adapter_create(shape, &lc, &ad2));
    /* GGUF: a llama file (permutation undone, its tokenizer with the Hugging Face pre-tokenizer), written
       back as a model with an adapter merged and as an adapter */
    W(lora_model_open(fams, 1, "tests/fixtures/gguf/llama_tiny.gguf", NULL, NULL, 0, pool, &g));
    W(lora_tokenizer_load_gguf("tests/fixtures/gguf/llama_tiny.gguf", &tok));
    lc.target.all_linear = 0;
    W(lora_model_adapter_create(g, &lc, &ad3));
    W(lora_model_save_gguf(g, tok, ad3, "build/test_internal_allocfail_llama.d/m.gguf", LORA_GGML_F16));
    W(lora_model_save_adapter_gguf(g, ad3, "build/test_internal_allocfail_llama.d/a.gguf", LORA_GGML_F32));
done:
#undef W
    lora_kv_free(m, kv);
    lora_model_free(m);
    lora_model_free(shape);
    lora_adapter_free(ad);
    lora_adapter_free(ad2);
    lora_adapter_free(ad3);
    lora_tokenizer_free(tok);
    lora_model_free(g);
    return s;
}

int main(void) {
    long k, base, total;
    int runs = 0, bad = 0, recovered = 0;
    lora_pool *pool = NULL;
    CHECK_OK(lora_pool_create(&pool, 1));
    CHECK_OK(lora_ensure_dir("build/test_internal_allocfail_llama.d"));
    CHECK_OK(workload(pool));                   /* unhooked reference run (also warms the pool) */
    af_count = 0; af_fail_at = 0; af_armed = 1;
    CHECK_OK(workload(pool));                   /* counts the allocations */
    af_armed = 0;
    total = af_count;
    /* every k up to 400, then a stride that keeps the runs near 600 (the test stays fast) */
    for (k = 1;; k += k < 400 ? 1 : (total - 400) / 200 + 1) {
        lora_status s;
        const char *msg;
        base = af_live;
        af_count = 0; af_fail_at = k; af_armed = 1;
        s = workload(pool);
        af_armed = 0;
        runs++;
        if (af_count < k) { CHECK_MSG(s == LORA_OK, "k = %ld: nothing failed, but %s", k, lora_status_name(s)); break; }
        msg = lora_last_error();
        if (s == LORA_OK) recovered++;            /* the library recovered on purpose (a fallback path) */
        else if (s != LORA_ERR_OOM || (!strstr(msg, "memory") && !strstr(msg, "alloc"))) {
            bad++;
            CHECK_MSG(0, "k = %ld: %s: %s", k, lora_status_name(s), msg);
        }
        if (af_live != base) { bad++; CHECK_MSG(0, "k = %ld: %ld blocks leaked", k, af_live - base); }
        if (bad > 10) break;
    }
    printf("llama workload: %ld allocations, %d runs (failing allocation k), %d recovered, %d problems\n", total, runs, recovered, bad);
    lora_pool_destroy(pool);
    return TEST_END();
}
