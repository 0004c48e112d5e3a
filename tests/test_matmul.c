/* lora_sgemm: every ISA this machine supports against a double-precision
   reference, all four transpose combinations, odd / prime / block-crossing
   sizes, alpha / beta variants, padded leading dimensions, beta = 0 over NaN,
   and bit-identical results for 1..4 threads. */
#include "lora.h"
#include "test.h"
#include <stdlib.h>
#include <stdint.h>

static float frand(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* random matrix of rows x ld floats (the padding past the width is junk too) */
static float *rand_mat(int rows, int ld, uint32_t *seed) {
    float *m = (float *)malloc(sizeof(float) * ((size_t)rows * ld + 1));
    long i;
    for (i = 0; i < (long)rows * ld; i++) m[i] = frand(seed);
    return m;
}

/* C = alpha op(A) op(B) + beta C0 in double; bound = error bound per element */
static void ref_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
                     float beta, const float *C0, int ldc, double *R, double *bound) {
    int i, j, k;
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            double s = 0, sa = 0;
            for (k = 0; k < K; k++) {
                double a = ta ? A[(long)k * lda + i] : A[(long)i * lda + k];
                double b = tb ? B[(long)j * ldb + k] : B[(long)k * ldb + j];
                s += a * b; sa += fabs(a * b);
            }
            s *= alpha; sa *= fabs(alpha);
            if (beta != 0.0f) { s += (double)beta * C0[(long)i * ldc + j]; sa += fabs((double)beta * C0[(long)i * ldc + j]); }
            R[(long)i * N + j] = s;
            /* worst-case float error of a length-K sum of products, plus the alpha/beta roundings */
            bound[(long)i * N + j] = (K + 4) * 1.2e-7 * sa + 1e-30;
        }
}

typedef struct { int M, N, K; } shape;

static lora_pool *pools[5][5]; /* [isa][threads] */
static const lora_isa isas[] = { LORA_ISA_SCALAR, LORA_ISA_AVX2, LORA_ISA_AVX512, LORA_ISA_NEON };
static int isa_ok[4];

/* runs one case on every ISA (1 thread) against the reference, then checks that
   2..4 threads give the same bits as 1 thread for each ISA */
static void run_case(int ta, int tb, int M, int N, int K, float alpha, float beta, int pad, uint32_t seed, int check_threads) {
    int lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
    int arows = ta ? K : M, brows = tb ? N : K;
    float *A = rand_mat(arows, lda, &seed), *B = rand_mat(brows, ldb, &seed);
    float *C0 = rand_mat(M, ldc, &seed);
    float *C = (float *)malloc(sizeof(float) * ((size_t)M * ldc + 1));
    float *C1 = (float *)malloc(sizeof(float) * ((size_t)M * ldc + 1));
    double *R = (double *)malloc(sizeof(double) * ((size_t)M * N + 1));
    double *bound = (double *)malloc(sizeof(double) * ((size_t)M * N + 1));
    int v, t, i, j;
    ref_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C0, ldc, R, bound);
    for (v = 0; v < 4; v++) {
        int bad = 0, pad_touched = 0;
        double worst = 0;
        if (!isa_ok[v]) continue;
        /* beta = 0 must not read C: fill it with NaN */
        for (i = 0; i < M * ldc; i++) C[i] = beta == 0.0f ? NAN : C0[i];
        for (i = 0; i < M; i++) for (j = N; j < ldc; j++) C[(long)i * ldc + j] = 12345.0f;
        lora_sgemm(pools[v][1], ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        for (i = 0; i < M; i++) {
            for (j = 0; j < N; j++) {
                double d = fabs((double)C[(long)i * ldc + j] - R[(long)i * N + j]);
                if (!(d <= bound[(long)i * N + j])) { bad++; if (d > worst || d != d) worst = d; }
            }
            for (j = N; j < ldc; j++) if (C[(long)i * ldc + j] != 12345.0f) pad_touched = 1;
        }
        CHECK_MSG(bad == 0 && !pad_touched, "isa=%s %c%c M=%d N=%d K=%d alpha=%g beta=%g pad=%d: %d bad (worst %g), pad touched %d",
                  lora_isa_name(isas[v]), ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, beta, pad, bad, worst, pad_touched);
        if (!check_threads) continue;
        memcpy(C1, C, sizeof(float) * (size_t)M * ldc);
        for (t = 2; t <= 4; t++) {
            for (i = 0; i < M * ldc; i++) C[i] = beta == 0.0f ? NAN : C0[i];
            lora_sgemm(pools[v][t], ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
            bad = 0;
            for (i = 0; i < M; i++) for (j = 0; j < N; j++)
                if (memcmp(&C[(long)i * ldc + j], &C1[(long)i * ldc + j], sizeof(float)) != 0) bad++;
            CHECK_MSG(bad == 0, "isa=%s threads=%d %c%c M=%d N=%d K=%d: %d elements differ from 1 thread",
                      lora_isa_name(isas[v]), t, ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, bad);
        }
    }
    free(A); free(B); free(C0); free(C); free(C1); free(R); free(bound);
}

/* a task that itself calls lora_sgemm on the pool it runs on (nested: serial) */
typedef struct { lora_pool *pool; const float *A, *B; float *C; int M, N, K; } nest_ctx;
static void nest_task(void *vctx, int task, int thread) {
    nest_ctx *n = (nest_ctx *)vctx;
    (void)thread;
    lora_sgemm(n->pool, 0, 1, n->M, n->N, n->K, 1.0f, n->A, n->K, n->B, n->K, 0.0f, n->C + (long)task * n->M * n->N, n->N);
}

int main(void) {
    static const shape small[] = {
        {1, 1, 1}, {1, 1, 7}, {1, 9, 1}, {7, 1, 3}, {2, 3, 4}, {5, 7, 11}, {13, 17, 19}, {12, 32, 8}, {11, 31, 9},
        {13, 33, 17}, {6, 16, 5}, {7, 17, 33}, {8, 12, 16}, {9, 13, 3}, {31, 37, 41}, {64, 64, 64}, {72, 216, 72},
        {50, 8, 72}, {8, 50, 72}, {37, 8, 5}, {1, 100, 300}, {100, 1, 300}, {3, 257, 2}, {97, 89, 83},
        /* direct paths whose copy of B has one row or column (N = 1, or K = 1 with N a multiple of
           16): the copy is stored in whole 64-byte lines and must be aligned (crashed on AVX-512) */
        {100, 1, 16}, {100, 1, 32}, {100, 32, 1}, {100, 48, 1}, {7, 16, 1},
    };
    static const shape big[] = {
        {128, 128, 64}, {200, 300, 100}, {517, 77, 300}, {64, 1000, 64}, {300, 8, 600}, {8, 300, 600},
        {101, 103, 530}, {77, 900, 40}, {1100, 40, 30}, {40, 4200, 20}, {261, 131, 257},
        /* tall, several K blocks; several row blocks in one dispatch (two packed-A slots reused) */
        {700, 300, 530}, {1200, 100, 560}, {7000, 64, 24}, {3300, 32, 530},
        /* with threads, every K block in one dispatch (op(B) not shared): tasks wait for their
           tile's previous K block; with few column panels and many K blocks that wait does happen */
        {300, 1100, 530}, {130, 40, 1100},
        /* LoRA rank-8 / rank-16 shapes (direct, unpacked paths) and their neighbours */
        {512, 8, 768}, {512, 768, 8}, {700, 8, 300}, {8, 768, 512}, {300, 500, 16}, {16, 1000, 200},
        {1000, 16, 200}, {17, 300, 700}, {300, 17, 700}, {600, 300, 17}, {512, 3, 1000}, {5, 512, 1000},
    };
    static const float ab[][2] = { {1.0f, 0.0f}, {1.0f, 1.0f}, {0.5f, -2.0f}, {-1.5f, 0.25f} };
    int v, t, ta, tb, s, n_isa = 0;
    uint32_t seed = 1;

    for (v = 0; v < 4; v++) {
        for (t = 1; t <= 4; t++) {
            if (lora_pool_create(&pools[v][t], t) != LORA_OK) { pools[v][t] = NULL; continue; }
            isa_ok[v] = lora_pool_set_isa(pools[v][t], isas[v]) == LORA_OK;
        }
        if (isa_ok[v]) { printf("testing isa %s\n", lora_isa_name(isas[v])); n_isa++; }
    }
    CHECK(isa_ok[0] && n_isa >= 1);

    /* small shapes: all transposes, all alpha / beta pairs, padded and unpadded */
    for (s = 0; s < (int)(sizeof small / sizeof small[0]); s++)
        for (ta = 0; ta < 2; ta++)
            for (tb = 0; tb < 2; tb++) {
                int k = (s + ta * 2 + tb) % 4;
                run_case(ta, tb, small[s].M, small[s].N, small[s].K, ab[k][0], ab[k][1], (s + ta + tb) % 3 == 0 ? 0 : 5, seed++, 0);
                run_case(ta, tb, small[s].M, small[s].N, small[s].K, 1.0f, 0.0f, 3, seed++, 0);
            }
    /* larger shapes (cross the cache blocks, exercise the thread split) */
    for (s = 0; s < (int)(sizeof big / sizeof big[0]); s++)
        for (ta = 0; ta < 2; ta++)
            for (tb = 0; tb < 2; tb++) {
                int k = (s + ta + tb) % 4;
                run_case(ta, tb, big[s].M, big[s].N, big[s].K, ab[k][0], ab[k][1], (s + tb) % 2 ? 7 : 0, seed++, 1);
            }

    /* ISA paths agree with scalar within float tolerance */
    {
        int M = 123, N = 77, K = 301, i;
        float *A = rand_mat(M, K, &seed), *B = rand_mat(K, N, &seed);
        float *C0 = (float *)malloc(sizeof(float) * M * N), *C = (float *)malloc(sizeof(float) * M * N);
        lora_sgemm(pools[0][1], 0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C0, N);
        for (v = 1; v < 4; v++) {
            double worst = 0;
            if (!isa_ok[v]) continue;
            lora_sgemm(pools[v][1], 0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
            for (i = 0; i < M * N; i++) { double d = fabs((double)C[i] - C0[i]); if (d > worst) worst = d; }
            CHECK_MSG(worst < 1e-4, "isa %s vs scalar: max diff %g", lora_isa_name(isas[v]), worst);
        }
        /* NULL pool = pool with the default ISA, 1 thread: same bits */
        {
            lora_pool *p;
            CHECK_OK(lora_pool_create(&p, 1));
            lora_sgemm(p, 0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C0, N);
            lora_sgemm(NULL, 0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
            CHECK(memcmp(C, C0, sizeof(float) * M * N) == 0);
            lora_pool_destroy(p);
        }
        /* alpha = 0: C = beta C, A and B not used (NaN there must not leak) */
        A[0] = NAN;
        for (i = 0; i < M * N; i++) C[i] = 2.0f;
        lora_sgemm(pools[0][2], 0, 0, M, N, K, 0.0f, A, K, B, N, 0.5f, C, N);
        CHECK(C[0] == 1.0f && C[M * N - 1] == 1.0f);
        for (i = 0; i < M * N; i++) C[i] = NAN;
        lora_sgemm(NULL, 0, 0, M, N, 0, 1.0f, A, K, B, N, 0.0f, C, N); /* K = 0, beta = 0: zeros */
        CHECK(C[0] == 0.0f && C[M * N - 1] == 0.0f);
        lora_sgemm(NULL, 0, 0, 0, N, K, 1.0f, A, K, B, N, 0.0f, C, N); /* M = 0: nothing */
        free(A); free(B); free(C0); free(C);
    }

    /* nested: tasks of a pool calling lora_sgemm on the same pool */
    {
        int M = 40, N = 50, K = 60, nt = 6, i;
        float *A = rand_mat(M, K, &seed), *B = rand_mat(N, K, &seed);
        float *C = (float *)malloc(sizeof(float) * nt * M * N), *R = (float *)malloc(sizeof(float) * M * N);
        nest_ctx n;
        int ok = 1;
        n.pool = pools[0][4] ? pools[0][4] : NULL; n.A = A; n.B = B; n.C = C; n.M = M; n.N = N; n.K = K;
        for (v = 0; v < 4; v++) if (isa_ok[v]) n.pool = pools[v][4];
        lora_sgemm(n.pool, 0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, R, N);
        lora_pool_run(n.pool, nest_task, &n, nt);
        for (i = 0; i < nt; i++) if (memcmp(C + (long)i * M * N, R, sizeof(float) * M * N) != 0) ok = 0;
        CHECK(ok);
        free(A); free(B); free(C); free(R);
    }

    for (v = 0; v < 4; v++) for (t = 1; t <= 4; t++) lora_pool_destroy(pools[v][t]);
    (void)test_max_abs_diff; (void)test_rel_l2;
    return TEST_END();
}
