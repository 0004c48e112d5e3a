/* The engine's shared linear layer (lora_linear, used by llama.h) with its frozen weight in bf16
   (W_bf16): forward, input gradient and LoRA gradients equal the fp32 layer's on the same values
   (the weight rounded to bf16, activations and output gradients bf16-representable, so rounding
   them changes nothing) up to fp32 summation order, for both weight layouts, with a bias and a
   LoRA branch, for decoding-sized (gemv in fp32) and larger batches, on 1 and 2 threads. A bf16
   weight refuses a weight gradient and a too-small scratch, and leaves dx untouched then. */
#include "lora.h"
#include "test.h"
#include <math.h>

enum { IN = 40, OUT = 56, R = 4, NMAX = 37 };

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((double)(rng % 2000001) / 1000000.0 - 1.0);
}

static void case_(lora_pool *pool, int w_in_out, int N, int with_lora) {
    static float W[IN * OUT], x[NMAX * IN], dy[NMAX * OUT], bias[OUT], A[R * IN], Bm[OUT * R];
    static float y0[NMAX * OUT], y1[NMAX * OUT], dx0[NMAX * IN], dx1[NMAX * IN], h0[NMAX * R], h1[NMAX * R], dh[NMAX * R];
    static float dA0[R * IN], dB0[OUT * R], dA1[R * IN], dB1[OUT * R];
    static uint16_t Wb[IN * OUT];
    lora_module lm;
    lora_linear L0, L1;
    void *ws = NULL;
    size_t need;
    int i;
    char what[96];
    for (i = 0; i < IN * OUT; i++) { Wb[i] = lora_f32_to_bf16(frand()); W[i] = lora_bf16_to_f32(Wb[i]); }
    for (i = 0; i < N * IN; i++) x[i] = lora_bf16_round(frand());
    for (i = 0; i < N * OUT; i++) dy[i] = lora_bf16_round(0.1f * frand());
    for (i = 0; i < OUT; i++) bias[i] = frand();
    for (i = 0; i < R * IN; i++) A[i] = 0.3f * frand();
    for (i = 0; i < OUT * R; i++) Bm[i] = 0.3f * frand();
    memset(&lm, 0, sizeof lm);
    lm.in = IN; lm.out = OUT; lm.r = R; lm.scaling = 2.0f; lm.A = A; lm.B = Bm;
    memset(&L0, 0, sizeof L0);
    L0.W = W; L0.w_in_out = w_in_out; L0.in = IN; L0.out = OUT; L0.bias = bias;
    L0.lm = with_lora ? &lm : NULL; L0.h = h0; L0.d_h = dh;
    L1 = L0;
    L1.W = NULL; L1.W_bf16 = Wb; L1.h = h1;
    CHECK(lora_linear_scratch(pool, &L0, N) == 0);
    need = lora_linear_scratch(pool, &L1, N);
    if (need) { ws = lora_alloc_aligned(need, "test scratch"); CHECK(ws != NULL); }
    L1.ws = ws; L1.ws_bytes = need;
    snprintf(what, sizeof what, "%s, N %d, %s, %d threads", w_in_out ? "(in, out)" : "(out, in)", N,
             with_lora ? "LoRA" : "no LoRA", lora_pool_threads(pool));
    CHECK_OK(lora_linear_forward(pool, &L0, x, y0, N));
    CHECK_OK(lora_linear_forward(pool, &L1, x, y1, N));
    CHECK_MSG(test_rel_l2(y1, y0, (long)N * OUT) < 1e-6, "%s: forward differs by %g", what, test_rel_l2(y1, y0, (long)N * OUT));
    memset(dA0, 0, sizeof dA0); memset(dB0, 0, sizeof dB0); memset(dA1, 0, sizeof dA1); memset(dB1, 0, sizeof dB1);
    lm.dA = dA0; lm.dB = dB0;
    CHECK_OK(lora_linear_backward(pool, &L0, x, dy, dx0, NULL, NULL, N));
    lm.dA = dA1; lm.dB = dB1;
    CHECK_OK(lora_linear_backward(pool, &L1, x, dy, dx1, NULL, NULL, N));
    CHECK_MSG(test_rel_l2(dx1, dx0, (long)N * IN) < 1e-6, "%s: dx differs by %g", what, test_rel_l2(dx1, dx0, (long)N * IN));
    if (with_lora) {
        CHECK_MSG(test_rel_l2(dA1, dA0, R * IN) < 1e-6 && test_rel_l2(dB1, dB0, OUT * R) < 1e-6, "%s: LoRA gradients differ", what);
    }
    printf("  %-44s forward %.1e, dx %.1e\n", what, test_rel_l2(y1, y0, (long)N * OUT), test_rel_l2(dx1, dx0, (long)N * IN));
    /* refusals: a weight gradient of a bf16 weight; a scratch too small (dx untouched) */
    {
        float dW[IN * OUT];
        CHECK(lora_linear_backward(pool, &L1, x, dy, dx1, dW, NULL, N) == LORA_ERR_INVALID_ARG);
        lora_wmat w = lora_linear_wmat(&L1);
        L1.ws_bytes = 0;
        if (lora_wmat_mul_scratch(pool, N, &w, !w_in_out) > 0) CHECK(lora_linear_forward(pool, &L1, x, y1, N) != LORA_OK);
        if (lora_wmat_mul_scratch(pool, N, &w, w_in_out) > 0) {
            for (i = 0; i < N * IN; i++) dx1[i] = 12345.0f;
            CHECK(lora_linear_backward(pool, &L1, x, dy, dx1, NULL, NULL, N) != LORA_OK);
            for (i = 0; i < N * IN && dx1[i] == 12345.0f; i++) {}
            CHECK_MSG(i == N * IN, "%s: a failed backward wrote dx", what);
        }
    }
    lora_free_aligned(ws);
}

int main(void) {
    int th, lay, n, lo;
    const int Ns[3] = {1, 3, NMAX};
    for (th = 1; th <= 2; th++) {
        lora_pool *pool = NULL;
        CHECK_OK(lora_pool_create(&pool, th));
        if (!pool) continue;
        for (lay = 0; lay < 2; lay++)
            for (n = 0; n < 3; n++)
                for (lo = 0; lo < 2; lo++) case_(pool, lay, Ns[n], lo);
        lora_pool_destroy(pool);
    }
    return TEST_END();
}
