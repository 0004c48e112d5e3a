/* The d1 direct kernel of every ISA the machine runs (AVX2, AVX-512, NEON; see lora__d1_avx512
   in src/lora/20_matmul.impl.c), checked bit for bit against its contract:
       acc(i,j) = fmaf(U(i,K-1), V(K-1,j), ... fmaf(U(i,1), V(1,j), fmaf(U(i,0), V(0,j), 0)))
       C(i,j)   = alpha * acc                      when beta == 0
                  fmaf(alpha, acc, beta * C(i,j))  otherwise (beta * C exact when beta == 1)
   for i < m, j < n; every other float of C untouched, nothing read outside U, V and C (the
   buffers are allocated to their exact extent, so AddressSanitizer stops any stray read).
   That is: one accumulator per element, k in order, whatever the kernel's tiling. The AVX-512
   kernel walks K in chunks of 32 rows over the whole column block with the sums carried in
   memory between chunks (so that a cold V streams from memory in row runs); this test pins that
   the chunking changes no bit. Cases: every m up to the kernel's row count, column counts around
   the vector widths, the 48- and 24-column tiles and the 384-column block, K around the chunk
   boundaries, U in both layouts, C rows contiguous or transposed (the C^T path of dB = dY^T h),
   beta 0 / 1 / other, and random shapes. */
#define LORA_IMPLEMENTATION
#include "lora.h"
#include "test.h"
#include <math.h>
#include <stdint.h>

static uint64_t rng = 0x2545f4914f6cdd1dull;
static unsigned rnd(unsigned n) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (unsigned)(rng % n);
}
/* values of mixed magnitude, so that a different summation order would show in the last bits */
static float rnd_value(void) {
    float v = (float)((int)rnd(20001) - 10000) / 10000.0f;
    return rnd(8) == 0 ? v * 64.0f : v;
}

static const float guard_value = -7777.25f;

/* one case; returns 1 when C matches the contract */
static int check_case(const char *isa_name, const lora__gemm_cfg *cfg, int m, int n, int K, int u_cols_major,
                      int c_transposed, float alpha, float beta, int pad) {
    const long u_ri = u_cols_major ? 1 : K + pad, u_ck = u_cols_major ? m + pad : 1;
    const long u_extent = (long)(m - 1) * u_ri + (long)(K - 1) * u_ck + 1;
    const long v_rk = n + pad, v_extent = (long)(K - 1) * v_rk + n;
    /* C: m x n inside a (rows x cols) buffer with a margin that must stay untouched */
    const long rows = c_transposed ? n : m, cols = (c_transposed ? m : n) + pad;
    const long rs_c = c_transposed ? 1 : cols, cs_c = c_transposed ? cols : 1, c_n = rows * cols;
    float *U = (float *)malloc(sizeof(float) * (size_t)u_extent), *V = (float *)malloc(sizeof(float) * (size_t)v_extent);
    float *C = (float *)malloc(sizeof(float) * (size_t)c_n), *C0 = (float *)malloc(sizeof(float) * (size_t)c_n);
    long e;
    int i, j, k, ok = 1;
    if (!U || !V || !C || !C0) { free(U); free(V); free(C); free(C0); fprintf(stderr, "out of memory\n"); return 0; }
    for (e = 0; e < u_extent; e++) U[e] = rnd_value();
    for (e = 0; e < v_extent; e++) V[e] = rnd_value();
    for (e = 0; e < c_n; e++) C0[e] = C[e] = guard_value;
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) C0[i * rs_c + j * cs_c] = C[i * rs_c + j * cs_c] = rnd_value();
    cfg->d1(K, U, u_ri, u_ck, V, v_rk, C, rs_c, cs_c, m, n, alpha, beta);
    for (i = 0; i < m && ok; i++)
        for (j = 0; j < n; j++) {
            float acc = 0.0f, want, got = C[i * rs_c + j * cs_c];
            for (k = 0; k < K; k++) acc = fmaf(U[i * u_ri + k * u_ck], V[k * v_rk + j], acc);
            want = beta == 0.0f ? alpha * acc : fmaf(alpha, acc, beta * C0[i * rs_c + j * cs_c]);
            if (memcmp(&want, &got, sizeof want) != 0) {
                fprintf(stderr, "%s d1: m %d n %d K %d (U %s, C %s, alpha %g, beta %g, pad %d): C(%d,%d) = %.9g, want %.9g\n",
                        isa_name, m, n, K, u_cols_major ? "by columns" : "by rows", c_transposed ? "transposed" : "by rows",
                        (double)alpha, (double)beta, pad, i, j, (double)got, (double)want);
                ok = 0;
                break;
            }
        }
    for (e = 0; e < c_n && ok; e++) {
        long r = e / cols, c = e % cols, ci = c_transposed ? c : r, cj = c_transposed ? r : c;
        if ((ci >= m || cj >= n) && C[e] != guard_value) {
            fprintf(stderr, "%s d1: m %d n %d K %d: wrote C outside the m x n block (float %ld)\n", isa_name, m, n, K, e);
            ok = 0;
        }
    }
    free(U); free(V); free(C); free(C0);
    return ok;
}

int main(void) {
    static const lora_isa isas[] = { LORA_ISA_AVX2, LORA_ISA_AVX512, LORA_ISA_NEON };
    static const char *names[] = { "avx2", "avx512", "neon" };
    static const int sizes_n[] = { 1, 5, 16, 17, 23, 24, 25, 47, 48, 49, 96, 100, 383, 384 };
    static const int sizes_k[] = { 1, 2, 8, 31, 32, 33, 63, 64, 65, 100, 512, 600 };
    static const float alphas[] = { 1.0f, 0.5f, -1.5f }, betas[] = { 0.0f, 1.0f, 0.25f };
    lora_pool *pool = NULL;
    int v, tested = 0;
    CHECK_OK(lora_pool_create(&pool, 1));
    if (!pool) return TEST_END();
    for (v = 0; v < 3; v++) {
        const lora__gemm_cfg *cfg;
        int a, b, r, cases = 0, fails = 0;
        if (lora_pool_set_isa(pool, isas[v]) != LORA_OK) continue; /* not on this machine */
        cfg = lora__gemm_config(isas[v]);
        if (cfg == &lora__cfg_scalar || !cfg->d1) continue;        /* compiled out */
        tested++;
        /* the tile and chunk boundaries, at full and single-row height */
        for (a = 0; a < (int)(sizeof sizes_n / sizeof sizes_n[0]); a++)
            for (b = 0; b < (int)(sizeof sizes_k / sizeof sizes_k[0]); b++) {
                int n = sizes_n[a] < cfg->d1_nr ? sizes_n[a] : cfg->d1_nr, m = (a + b) % 2 ? cfg->d1_mr : 1;
                int ok = check_case(names[v], cfg, m, n, sizes_k[b], (a + b) % 3 == 0, b % 4 == 1, alphas[(a + b) % 3],
                                    betas[(a + 2 * b) % 3], (a + b) % 3);
                cases++;
                fails += !ok;
                CHECK(ok);
            }
        /* random shapes */
        for (r = 0; r < 300; r++) {
            int m = 1 + (int)rnd((unsigned)cfg->d1_mr), n = 1 + (int)rnd((unsigned)cfg->d1_nr), K = 1 + (int)rnd(r % 10 ? 140 : 700);
            int ok = check_case(names[v], cfg, m, n, K, (int)rnd(2), (int)rnd(2), alphas[rnd(3)], betas[rnd(3)], (int)rnd(4));
            cases++;
            fails += !ok;
            CHECK(ok);
        }
        printf("%s: %d d1 cases, %d wrong\n", names[v], cases, fails);
    }
    if (!tested) printf("no vector ISA on this machine: nothing to check\n");
    lora_pool_destroy(pool);
    return TEST_END();
}
