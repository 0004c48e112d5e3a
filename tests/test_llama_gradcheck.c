/* llama.h's backward against finite differences of its own forward: for every tensor of small
   Qwen3 (q/k norms, grouped-query attention with one kv head, head_dim 12), Mistral (window 3
   shorter than the sequence), Llama 3 (rope scaling, biases) and Qwen2 models trained fully
   and with packed rows, the directional derivative along the analytic gradient,
   (L(w + h u) - L(w - h u)) / 2h with u = g / |g|, equals |g|. That covers the new backward
   pieces (RMSNorm, RoPE, SwiGLU, GQA's summed kv gradients, q/k norms, windows) end to end;
   the kernels alone are checked against double finite differences in test_internal_rowops_llama. */
#include "lora.h"
#include "llama.h"
#include "test.h"
#include <stdlib.h>

static double loss_at(lora_model *m, const int32_t *ids, const int32_t *pos, int B, int T) {
    float l = 0;
    CHECK_OK(lora_model_forward_positions(m, ids, ids, pos, B, T, &l));
    return l;
}

static void gradcheck(const char *preset, int kv, int head_dim, int window, int attn_bias, const char *what, int packed) {
    llama_config c;
    llama_model *lm = NULL;
    lora_model *m;
    int32_t ids[2 * 9], pos[2 * 9];
    int B = 2, T = 9, i, t, checked = 0;
    double worst = 0;
    CHECK_OK(llama_config_preset(preset, &c));
    c.vocab_size = 37; c.hidden_size = 24; c.n_head = 4; c.intermediate_size = 20; c.n_layer = 2;
    if (kv) c.n_kv_head = kv;
    if (head_dim) c.head_dim = head_dim;
    if (window) { c.sliding_window = window; c.layer_sliding[0] = c.layer_sliding[1] = 1; }
    c.attention_bias = attn_bias; c.mlp_bias = attn_bias;
    c.initializer_range = 0.3f;
    CHECK_OK(llama_model_create(&c, NULL, &lm));
    if (!lm) return;
    m = llama_model_base(lm);
    llama_model_init_random(lm, 11);
    for (i = 0; i < B * T; i++) { ids[i] = (i * 7 + 3) % c.vocab_size; pos[i] = packed && i % T >= 4 ? i % T - 4 : i % T; }
    /* the norms' weights 1 and biases 0 would hide their gradients' shape: perturb them too */
    for (t = 0; t < llama_model_num_tensors(lm); t++) {
        int64_t shape[2];
        int nd;
        float *w;
        llama_model_tensor(lm, t, &nd, shape, &w);
        if (nd == 1) for (i = 0; i < shape[0]; i++) w[i] += 0.3f * (float)((i * 37 + t * 11) % 17 - 8) / 8.0f;
    }
    CHECK_OK(lora_model_set_full_finetune(m, 1));
    lora_model_zero_grad(m);
    loss_at(m, ids, packed ? pos : NULL, B, T);
    CHECK_OK(lora_model_backward(m));
    for (t = 0; t < llama_model_num_tensors(lm); t++) {
        int64_t shape[2], n, j;
        int nd;
        float *w;
        const char *name = llama_model_tensor(lm, t, &nd, shape, &w);
        float *g = llama_model_grad(lm, name), *w0;
        double gn = 0, h = 3e-3, lp, lmn, fd, e;
        n = shape[0] * shape[1];
        for (j = 0; j < n; j++) gn += (double)g[j] * g[j];
        gn = sqrt(gn);
        if (gn < 1e-6) continue;
        w0 = (float *)malloc(sizeof(float) * (size_t)n);
        memcpy(w0, w, sizeof(float) * (size_t)n);
        for (j = 0; j < n; j++) w[j] = (float)(w0[j] + h * g[j] / gn);
        lp = loss_at(m, ids, packed ? pos : NULL, B, T);
        for (j = 0; j < n; j++) w[j] = (float)(w0[j] - h * g[j] / gn);
        lmn = loss_at(m, ids, packed ? pos : NULL, B, T);
        memcpy(w, w0, sizeof(float) * (size_t)n);
        free(w0);
        fd = (lp - lmn) / (2 * h);
        e = fabs(fd - gn) / gn;
        if (e > worst) worst = e;
        CHECK_MSG(e < 1e-2, "%s: %s: directional derivative %.6g vs |g| %.6g (rel %.3g)", what, name, fd, gn, e);
        checked++;
    }
    printf("%s: %d tensors, worst relative error of the directional derivative %.3g\n", what, checked, worst);
    CHECK(checked >= llama_model_num_tensors(lm) - 1);
    llama_model_free(lm);
}

int main(void) {
    gradcheck("tiny-qwen3", 1, 12, 0, 0, "qwen3 (q/k norm, GQA 4/1, head_dim 12)", 0);
    gradcheck("tiny-mistral", 2, 0, 3, 0, "mistral (window 3, GQA 4/2)", 0);
    gradcheck("tiny-llama3", 2, 0, 0, 1, "llama3 (rope scaling, biases)", 0);
    gradcheck("tiny-qwen2", 2, 0, 0, 0, "qwen2 (q/k/v biases), packed rows", 1);
    return TEST_END();
}
