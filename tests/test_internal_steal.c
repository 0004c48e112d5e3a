/* Panels taken from other threads' tasks (lora__gemm_span in src/lora/20_matmul.impl.c): with
   threads, a thread that has no task left computes the row panels of the tasks still running
   that their threads have not reached yet. Whoever computes a panel, C must come out the same
   bit for bit, every C tile must see its K blocks in order, and no panel may be done twice or
   skipped (with beta = 1 either would show in C). Checked on every ISA this machine runs, for
   the packed path's task layouts: columns split (NN, NT, TN with transposed-A groups), several
   K blocks in one dispatch, and op(B) shared by row blocks (M above the row block); each product
   on 2 and 3 threads, repeated, against the 1-thread result; and the pool's count of taken
   panels must have grown (the test would otherwise pass without ever stealing). */
#define LORA_IMPLEMENTATION
#include "lora.h"
#include "test.h"
#include <stdint.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float rnd_value(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((int)(rng % 20001) - 10000) / 10000.0f * ((rng >> 20) % 8 == 0 ? 64.0f : 1.0f);
}

typedef struct { int ta, tb, M, N, K; float alpha, beta; } shape;

/* C0 + the product on pool, into C (C0 kept) */
static void run(lora_pool *pool, const shape *s, const float *A, const float *B, const float *C0, float *C) {
    memcpy(C, C0, sizeof(float) * (size_t)s->M * s->N);
    lora_sgemm(pool, s->ta, s->tb, s->M, s->N, s->K, s->alpha, A, s->ta ? s->M : s->K, B, s->tb ? s->K : s->N,
               s->beta, C, s->N);
}

int main(void) {
    static const lora_isa isas[] = { LORA_ISA_SCALAR, LORA_ISA_AVX2, LORA_ISA_AVX512, LORA_ISA_NEON };
    static const shape shapes[] = {
        { 1, 0, 600, 256, 64, 1.0f, 1.0f },     /* dW = X^T dY: transposed A packed in groups */
        { 0, 0, 300, 512, 200, 1.0f, 1.0f },    /* forward */
        { 0, 1, 200, 384, 96, 0.5f, 1.0f },     /* dX = dY W^T */
        { 0, 0, 96, 256, 1100, 1.0f, 1.0f },    /* several K blocks, one dispatch */
        { 1, 0, 3200, 64, 24, 1.0f, 0.25f },    /* M above every row block: op(B) shared */
    };
    const int n_shapes = (int)(sizeof shapes / sizeof shapes[0]), reps = 12;
    int v, si, th, r;
    for (v = 0; v < 4; v++) {
        lora_pool *pools[4] = { NULL, NULL, NULL, NULL };
        int ok = 1, taken_before, taken;
        for (th = 1; th <= 3; th++) {
            if (lora_pool_create(&pools[th], th) != LORA_OK || lora_pool_set_isa(pools[th], isas[v]) != LORA_OK) ok = 0;
        }
        if (!ok || lora_pool_isa(pools[1]) != isas[v]) { /* not on this machine (or compiled out) */
            for (th = 1; th <= 3; th++) lora_pool_destroy(pools[th]);
            continue;
        }
        taken_before = pools[2]->gemm_panels_taken + pools[3]->gemm_panels_taken;
        for (si = 0; si < n_shapes; si++) {
            const shape *s = &shapes[si];
            const size_t na = (size_t)s->M * s->K, nb = (size_t)s->K * s->N, nc = (size_t)s->M * s->N;
            float *A = (float *)malloc(na * sizeof(float)), *B = (float *)malloc(nb * sizeof(float));
            float *C0 = (float *)malloc(nc * sizeof(float)), *ref = (float *)malloc(nc * sizeof(float));
            float *C = (float *)malloc(nc * sizeof(float));
            size_t i;
            int mismatches = 0;
            if (!A || !B || !C0 || !ref || !C) { CHECK(!"out of memory"); return TEST_END(); }
            for (i = 0; i < na; i++) A[i] = rnd_value();
            for (i = 0; i < nb; i++) B[i] = rnd_value();
            for (i = 0; i < nc; i++) C0[i] = rnd_value();
            run(pools[1], s, A, B, C0, ref);
            /* the 1-thread result against a double-precision product (the path is not vacuous) */
            {
                double worst = 0;
                int m, n, k;
                for (m = 0; m < s->M; m += 7)
                    for (n = 0; n < s->N; n += 5) {
                        double acc = 0, mag = 0;
                        for (k = 0; k < s->K; k++) {
                            double a = s->ta ? A[(size_t)k * s->M + m] : A[(size_t)m * s->K + k];
                            double b = s->tb ? B[(size_t)n * s->K + k] : B[(size_t)k * s->N + n];
                            acc += a * b;
                            mag += fabs(a * b);
                        }
                        acc = s->alpha * acc + s->beta * C0[(size_t)m * s->N + n];
                        mag = fabs(s->alpha) * mag + fabs(s->beta * C0[(size_t)m * s->N + n]) + 1e-30;
                        if (fabs(acc - ref[(size_t)m * s->N + n]) / mag > worst) worst = fabs(acc - ref[(size_t)m * s->N + n]) / mag;
                    }
                CHECK_MSG(worst < 1e-5, "%s %c%c %dx%dx%d: 1 thread off by %g of the magnitude", lora_isa_name(isas[v]),
                          s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->M, s->N, s->K, worst);
            }
            for (th = 2; th <= 3; th++)
                for (r = 0; r < reps; r++) {
                    run(pools[th], s, A, B, C0, C);
                    if (memcmp(C, ref, nc * sizeof(float)) != 0) mismatches++;
                }
            CHECK_MSG(mismatches == 0, "%s %c%c %dx%dx%d: %d of %d runs on 2-3 threads differ from 1 thread", lora_isa_name(isas[v]),
                      s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->M, s->N, s->K, mismatches, 2 * reps);
            free(A); free(B); free(C0); free(ref); free(C);
        }
        /* panels were taken (a busy machine may make a run end with no panel left to take:
           repeat the first product until one is, or give up after many) */
        taken = pools[2]->gemm_panels_taken + pools[3]->gemm_panels_taken - taken_before;
        if (taken == 0) {
            const shape *s = &shapes[0];
            const size_t nc = (size_t)s->M * s->N;
            float *A = (float *)calloc((size_t)s->M * s->K, sizeof(float)), *B = (float *)calloc((size_t)s->K * s->N, sizeof(float));
            float *C0 = (float *)calloc(nc, sizeof(float)), *C = (float *)malloc(nc * sizeof(float));
            for (r = 0; A && B && C0 && C && taken == 0 && r < 2000; r++) {
                run(pools[2], s, A, B, C0, C);
                taken = pools[2]->gemm_panels_taken + pools[3]->gemm_panels_taken - taken_before;
            }
            free(A); free(B); free(C0); free(C);
        }
        CHECK_MSG(taken > 0, "%s: no panel was ever taken from another thread's task", lora_isa_name(isas[v]));
        printf("%s: %d panels taken from other threads' tasks\n", lora_isa_name(isas[v]), taken);
        for (th = 1; th <= 3; th++) lora_pool_destroy(pools[th]);
    }
    return TEST_END();
}
