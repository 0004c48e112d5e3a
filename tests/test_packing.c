/* Packing without cross-contamination: samples packed in one row (positions restarting at 0,
   as lora_batcher gives them) have the same logits, the same summed loss and the same
   gradients (LoRA and full fine-tuning) as each sample computed alone. */
#include "lora.h"
#include "gpt2.h"
#include "test.h"

#define T 40
#define NSAMP 4

static const int lens[NSAMP] = {9, 13, 5, 11};      /* 38 tokens + 2 of padding in one row */

/* Fills a separate-samples dataset: prompt tokens without labels, then answer tokens. */
static lora_dataset *make_data(void) {
    int32_t toks[64], labs[64];
    lora_dataset *ds = NULL;
    int n = 0, k, i;
    for (k = 0; k < NSAMP; k++)
        for (i = 0; i < lens[k]; i++) {
            toks[n] = i == lens[k] - 1 ? 99 : (k * 37 + i * 11) % 97 + 1;   /* 99 ends a sample */
            labs[n] = i < 3 ? LORA_IGNORE_LABEL : toks[n];   /* a masked prompt of 3 tokens */
            n++;
        }
    if (lora_data_from_tokens(toks, labs, (size_t)n, 99, &ds) != LORA_OK || ds->n_samples != NSAMP) return NULL;
    ds->separate = 1;                                   /* as jsonl data loads */
    ds->pad = 0;
    return ds;
}

/* Copies every trainable gradient, scaled, into acc (acc += scale * grad). */
static void acc_grads(lora_model *m, double *acc, double scale) {
    lora_param *p = NULL;
    int n = 0, i;
    int64_t j, at = 0;
    if (lora_model_trainable_params(m, &p, &n) != LORA_OK) return;
    for (i = 0; i < n; i++)
        for (j = 0; j < p[i].n; j++) acc[at++] += scale * (double)p[i].grad[j];
    lora_free(p);
}

static int64_t n_trainable(lora_model *m) {
    lora_param *p = NULL;
    int n = 0, i;
    int64_t total = 0;
    if (lora_model_trainable_params(m, &p, &n) != LORA_OK) return 0;
    for (i = 0; i < n; i++) total += p[i].n;
    lora_free(p);
    return total;
}

static void check_mode(gpt2_model *g, int full) {
    lora_model *m = gpt2_model_base(g);
    lora_dataset *ds = make_data();
    lora_batcher *b = NULL;
    int32_t in[T], lab[T], pos[T];
    float loss;
    double packed_sum, alone_sum = 0, count = 0, maxd = 0, maxg = 0;
    double *g_packed, *g_alone;
    const float *lg;
    float *logits_packed;
    int64_t np = n_trainable(m), j;
    int k, i, at = 0, V = gpt2_model_config(g)->vocab_size;
    CHECK(ds != NULL);
    g_packed = (double *)calloc((size_t)np, sizeof(double));
    g_alone = (double *)calloc((size_t)np, sizeof(double));
    logits_packed = (float *)malloc(sizeof(float) * (size_t)T * (size_t)V);
    CHECK_OK(lora_batcher_create(ds, 1, T, 0, 0, &b));
    CHECK_OK(lora_batcher_next(b, in, lab, pos));
    for (k = 0, at = 0; k < NSAMP; at += lens[k++]) CHECK(pos[at] == 0 && lab[at] == LORA_IGNORE_LABEL);
    CHECK(pos[38] == 0 && pos[39] == 0 && lab[38] == LORA_IGNORE_LABEL);
    lora_model_zero_grad(m);
    CHECK_OK(lora_model_forward_positions(m, in, lab, pos, 1, T, &loss));
    memcpy(logits_packed, lora_model_logits(m), sizeof(float) * (size_t)T * (size_t)V);
    CHECK_OK(lora_model_backward(m));
    /* the mean loss over the predicted tokens of the row */
    for (i = 0; i + 1 < T; i++) count += lab[i + 1] != LORA_IGNORE_LABEL && pos[i + 1] != 0;
    packed_sum = (double)loss * count;
    acc_grads(m, g_packed, count);
    for (k = 0, at = 0; k < NSAMP; at += lens[k++]) {
        int32_t sl[T];
        double c = 0;
        for (i = 0; i < lens[k]; i++) sl[i] = lab[at + i];
        for (i = 1; i < lens[k]; i++) c += sl[i] != LORA_IGNORE_LABEL;
        lora_model_zero_grad(m);
        CHECK_OK(lora_model_forward(m, in + at, sl, 1, lens[k], &loss));
        lg = lora_model_logits(m);
        for (j = 0; j < (int64_t)lens[k] * V; j++) {
            double d = fabs((double)lg[j] - (double)logits_packed[(size_t)at * V + (size_t)j]);
            if (d > maxd) maxd = d;
        }
        CHECK_OK(lora_model_backward(m));
        alone_sum += (double)loss * c;
        acc_grads(m, g_alone, c);
    }
    CHECK_MSG(maxd < 1e-4, "%s: logits differ by %g", full ? "full" : "lora", maxd);
    CHECK_MSG(fabs(packed_sum - alone_sum) <= 1e-5 * fabs(alone_sum), "%s: packed loss sum %.9g vs samples %.9g",
              full ? "full" : "lora", packed_sum, alone_sum);
    {
        double norm = 0;
        for (j = 0; j < np; j++) { double d = fabs(g_packed[j] - g_alone[j]); if (d > maxg) maxg = d; norm = fmax(norm, fabs(g_alone[j])); }
        CHECK_MSG(maxg <= 1e-4 * norm + 1e-7, "%s: gradients differ by %g (largest %g)", full ? "full" : "lora", maxg, norm);
        CHECK(norm > 0);
    }
    /* bad positions */
    pos[5] = 7;
    CHECK_ERR(lora_model_forward_positions(m, in, lab, pos, 1, T, &loss), LORA_ERR_INVALID_ARG);
    pos[5] = 0; pos[0] = 1;
    CHECK_ERR(lora_model_forward_positions(m, in, lab, pos, 1, T, &loss), LORA_ERR_INVALID_ARG);
    lora_batcher_free(b);
    lora_data_free(ds);
    free(g_packed); free(g_alone); free(logits_packed);
}

int main(void) {
    gpt2_config cfg;
    gpt2_model *g;
    lora_adapter *ad;
    lora_config lc = lora_config_init();
    CHECK_OK(gpt2_config_preset("tiny", &cfg));
    cfg.vocab_size = 100;
    CHECK_OK(gpt2_model_create(&cfg, NULL, &g));
    gpt2_model_init_random(g, 3);
    lc.r = 4; lc.alpha = 8; lc.init = LORA_INIT_NONE; lc.target.all_linear = 1; lc.bias = LORA_BIAS_ALL;
    CHECK_OK(lora_model_adapter_create(gpt2_model_base(g), &lc, &ad));
    CHECK_OK(lora_model_set_adapter(gpt2_model_base(g), ad));
    check_mode(g, 0);
    CHECK_OK(lora_model_set_adapter(gpt2_model_base(g), NULL));
    CHECK_OK(lora_model_set_full_finetune(gpt2_model_base(g), 1));
    check_mode(g, 1);
    lora_adapter_free(ad);
    gpt2_model_free(g);
    return TEST_END();
}
