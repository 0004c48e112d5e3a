/* Side jobs of the AVX-512 kernel (lora__kern_avx512_body, lora__side_job in
   src/lora/20_matmul.impl.c): while a kernel call computes a C tile it may copy source rows of
   a later group of 4 transposed-A panels into their packed form, or 16-k blocks of a later
   panel whose rows are contiguous along k. Checked here:
   - the kernel alone, both kinds: the C tile is bit for bit the plain kernel's, the copied
     values are exactly the source's, and nothing outside them is written (every row or block
     count from none to all of kc, short and long K, strides that are and are not a multiple
     of 4 KB, partial tiles);
   - the driver: products (dW = X^T dY; X W and dY W^T) whose A is packed by side jobs,
     partly plainly (the first group of each task, a last partial group, a job finished when
     its task ends or reaches the group), on 1, 2 and 3 threads, with one and several K blocks,
     one and two row blocks, padded and 4 KB-multiple leading dimensions: the 1-thread result
     against a double-precision product, the threaded results against it bit for bit (which
     groups side jobs pack changes with the threads), and the pool must count side jobs (the
     test would otherwise pass without any). Without AVX-512 on the machine there is nothing
     to check. */
#define LORA_IMPLEMENTATION
#include "lora.h"
#include "test.h"
#include <stdint.h>

static uint64_t rng = 0x2545f4914f6cdd1dull;
static float rnd_value(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((int)(rng % 20001) - 10000) / 10000.0f * ((rng >> 20) % 8 == 0 ? 16.0f : 1.0f);
}

#ifdef LORA__HAVE_AVX512
#define SENTINEL (-12345.0f)

/* One kernel call with a side job against the plain kernel: LORA__SIDE_TRANS_A copies `units`
   rows of 48 floats (src + j * stride) into 4 panels, LORA__SIDE_ROWS_A `units` 16-k blocks of
   12 rows (src + x * stride) into one panel. dst holds 4 panels apart by more than their rows:
   every float that is not a copied value must stay as it was. */
static void check_kernel(enum lora__side_kind kind, int kc, int units, long stride, int m, int n, float beta) {
    const long panel_rows = kind == LORA__SIDE_ROWS_A && 16L * units > kc ? 16L * units : kc, pstride = 12 * panel_rows + 16;
    const long src_n = kind == LORA__SIDE_TRANS_A ? stride * (units > 0 ? units : 1) + 48 : stride * 12;
    const char *what = kind == LORA__SIDE_TRANS_A ? "rows" : "16-k blocks";
    float *Ap = (float *)lora__alloc_aligned(sizeof(float) * 12 * (size_t)kc, "test");
    float *Bp = (float *)lora__alloc_aligned(sizeof(float) * 32 * (size_t)kc, "test");
    float *src = (float *)malloc(sizeof(float) * (size_t)src_n);
    float *dst = (float *)malloc(sizeof(float) * (size_t)(4 * pstride));
    float C0[12 * 40], C1[12 * 40], C2[12 * 40];
    long i;
    int j, p, x, bad_c = 0, bad_copy = 0, bad_other = 0;
    if (!Ap || !Bp || !src || !dst) { CHECK(!"out of memory"); return; }
    for (i = 0; i < 12 * kc; i++) Ap[i] = rnd_value();
    for (i = 0; i < 32 * kc; i++) Bp[i] = rnd_value();
    for (i = 0; i < src_n; i++) src[i] = rnd_value();
    for (i = 0; i < 4 * pstride; i++) dst[i] = SENTINEL;
    for (i = 0; i < 12 * 40; i++) C0[i] = rnd_value();
    memcpy(C1, C0, sizeof C0);
    memcpy(C2, C0, sizeof C0);
    /* C tile with row stride 40: columns past n must stay as they were */
    lora__kern_avx512(kc, Ap, Bp, C1, 40, 1, m, n, 0.75f, beta);
    lora__kern_side_avx512(kind, kc, Ap, Bp, C2, 40, 1, m, n, 0.75f, beta, src, stride, units, dst, pstride);
    if (memcmp(C1, C2, sizeof C1) != 0) bad_c++;
    for (p = 0; p < 4; p++)
        for (j = 0; j < panel_rows + 1; j++)
            for (x = 0; x < 12; x++) {
                const float got = dst[p * pstride + (long)j * 12 + x];
                if (kind == LORA__SIDE_TRANS_A && j < units) { if (got != src[(long)j * stride + 12 * p + x]) bad_copy++; }
                else if (kind == LORA__SIDE_ROWS_A && p == 0 && j < 16 * units) { if (got != src[(long)x * stride + j]) bad_copy++; }
                else if (got != SENTINEL) bad_other++;
            }
    CHECK_MSG(bad_c == 0, "kind %d kc %d %d %s stride %ld tile %dx%d beta %g: C differs from the plain kernel", (int)kind, kc, units, what,
              stride, m, n, beta);
    CHECK_MSG(bad_copy == 0, "kind %d kc %d %d %s stride %ld: %d copied values wrong", (int)kind, kc, units, what, stride, bad_copy);
    CHECK_MSG(bad_other == 0, "kind %d kc %d %d %s stride %ld: %d values written outside the copied ones", (int)kind, kc, units, what,
              stride, bad_other);
    lora__free_aligned(Ap); lora__free_aligned(Bp); free(src); free(dst);
}
#endif

typedef struct { int ta, tb, M, N, K, lda; float beta; } shape;

int main(void) {
    lora_pool *pools[4] = { NULL, NULL, NULL, NULL };
    int th, ok = 1;
    for (th = 1; th <= 3; th++)
        if (lora_pool_create(&pools[th], th) != LORA_OK || lora_pool_set_isa(pools[th], LORA_ISA_AVX512) != LORA_OK) ok = 0;
    if (!ok || lora_pool_isa(pools[1]) != LORA_ISA_AVX512) {
        printf("no AVX-512 on this machine (or compiled out): nothing to check\n");
        for (th = 1; th <= 3; th++) lora_pool_destroy(pools[th]);
        return TEST_END();
    }
#ifdef LORA__HAVE_AVX512
    {
        static const int kcs[] = { 1, 5, 48, 49, 256, 512 };
        static const long strides[] = { 48, 777, 3072 };
        int a, b, c;
        for (a = 0; a < 6; a++)
            for (c = 0; c < 3; c++) {
                const int kc = kcs[a];
                const int rows_list[] = { 0, 1, 3, kc / 4, kc / 2 + 1, kc - 1, kc };
                for (b = 0; b < 7; b++) {
                    if (rows_list[b] < 0 || rows_list[b] > kc || (b > 0 && rows_list[b] == rows_list[b - 1])) continue;
                    check_kernel(LORA__SIDE_TRANS_A, kc, rows_list[b], strides[c], 12, 32, 1.0f);
                }
            }
        check_kernel(LORA__SIDE_TRANS_A, 512, 128, 3072, 7, 32, 0.0f);     /* partial tiles, every beta path */
        check_kernel(LORA__SIDE_TRANS_A, 512, 128, 3072, 12, 19, 0.5f);
        check_kernel(LORA__SIDE_TRANS_A, 64, 64, 1000, 1, 1, 1.0f);
        for (a = 0; a < 6; a++)
            for (c = 0; c < 3; c++) {
                const int kc = kcs[a], nb = kc / 16;
                const int blocks_list[] = { 0, 1, nb / 2, nb - 1, nb };
                for (b = 0; b < 5; b++) {
                    if (blocks_list[b] < 0 || (b > 0 && blocks_list[b] <= blocks_list[b - 1])) continue;
                    /* a row holds at least the blocks it gives */
                    check_kernel(LORA__SIDE_ROWS_A, kc, blocks_list[b], strides[c] > 16 * blocks_list[b] ? strides[c] : 16 * blocks_list[b] + 3,
                                 12, 32, 1.0f);
                }
            }
        check_kernel(LORA__SIDE_ROWS_A, 512, 32, 3072, 5, 32, 0.0f);
        check_kernel(LORA__SIDE_ROWS_A, 384, 24, 768, 12, 7, 0.5f);
    }
#endif
    {
        static const shape shapes[] = {
            /* transposed A (dW = X^T dY): groups of 4 panels */
            { 1, 0, 3072, 768, 512, 3072, 1.0f },  /* dW fc_proj at B*T = 512: 64 groups, 4 KB-multiple stride */
            { 1, 0, 768, 256, 512, 768, 1.0f },
            { 1, 0, 600, 96, 300, 616, 0.5f },     /* padded lda, a last partial group (600 = 12 * 48 + 24) */
            { 1, 0, 100, 64, 1100, 100, 1.0f },    /* several K blocks */
            { 1, 0, 47, 64, 64, 47, 0.0f },        /* less than one group */
            { 1, 0, 3085, 64, 96, 3085, 1.0f },    /* two row blocks (the second: 13 rows) */
            { 1, 0, 960, 200, 40, 1024, 1.0f },    /* N not a multiple of the tile */
            /* rows of A contiguous along k (X W, dY W^T): panel by panel in 16-k blocks */
            { 0, 0, 512, 768, 768, 768, 0.0f },    /* forward attn_proj at B*T = 512: two K blocks of 384 */
            { 0, 1, 512, 256, 3072, 3072, 1.0f },  /* dX-like, 4 KB-multiple stride, six K blocks */
            { 0, 0, 605, 96, 512, 520, 0.5f },     /* padded lda, a last partial panel */
            { 0, 0, 100, 64, 1100, 1100, 1.0f },   /* K blocks of 368 and 364: the last one packed plainly */
            { 0, 1, 3085, 64, 96, 96, 1.0f },      /* two row blocks */
            { 0, 0, 11, 64, 256, 256, 1.0f },      /* less than one panel */
        };
        const int n_shapes = (int)(sizeof shapes / sizeof shapes[0]);
        int si, r;
        int side_before = pools[1]->gemm_side_groups, side_1t, side_tn = 0;
        for (si = 0; si < n_shapes; si++) {
            const shape *s = &shapes[si];
            const size_t na = (size_t)(s->ta ? s->K : s->M) * s->lda, nb = (size_t)s->K * s->N, nc = (size_t)s->M * s->N;
            const int ldb = s->tb ? s->K : s->N;
            float *A = (float *)malloc(na * sizeof(float)), *B = (float *)malloc(nb * sizeof(float));
            float *C0 = (float *)malloc(nc * sizeof(float)), *ref = (float *)malloc(nc * sizeof(float));
            float *C = (float *)malloc(nc * sizeof(float));
            size_t i;
            int mismatches = 0, m, n, k;
            double worst = 0;
            if (!A || !B || !C0 || !ref || !C) { CHECK(!"out of memory"); return TEST_END(); }
            for (i = 0; i < na; i++) A[i] = rnd_value();
            for (i = 0; i < nb; i++) B[i] = rnd_value();
            for (i = 0; i < nc; i++) C0[i] = rnd_value();
            memcpy(ref, C0, nc * sizeof(float));
            lora_sgemm(pools[1], s->ta, s->tb, s->M, s->N, s->K, 1.0f, A, s->lda, B, ldb, s->beta, ref, s->N);
            for (m = 0; m < s->M; m += (m % 12 == 11 ? 5 : 1))     /* every panel row position */
                for (n = (m * 7) % 13; n < s->N; n += 13) {
                    double acc = 0, mag = 0;
                    for (k = 0; k < s->K; k++) {
                        const double t = (double)(s->ta ? A[(size_t)k * s->lda + m] : A[(size_t)m * s->lda + k]) *
                                         (s->tb ? B[(size_t)n * ldb + k] : B[(size_t)k * ldb + n]);
                        acc += t;
                        mag += fabs(t);
                    }
                    acc += s->beta * C0[(size_t)m * s->N + n];
                    mag += fabs(s->beta * C0[(size_t)m * s->N + n]) + 1e-30;
                    if (fabs(acc - ref[(size_t)m * s->N + n]) / mag > worst) worst = fabs(acc - ref[(size_t)m * s->N + n]) / mag;
                }
            CHECK_MSG(worst < 1e-5, "%c%c %dx%dx%d lda %d: 1 thread off by %g of the magnitude", s->ta ? 'T' : 'N',
                      s->tb ? 'T' : 'N', s->M, s->N, s->K, s->lda, worst);
            for (th = 2; th <= 3; th++)
                for (r = 0; r < 4; r++) {
                    memcpy(C, C0, nc * sizeof(float));
                    lora_sgemm(pools[th], s->ta, s->tb, s->M, s->N, s->K, 1.0f, A, s->lda, B, ldb, s->beta, C, s->N);
                    if (memcmp(C, ref, nc * sizeof(float)) != 0) mismatches++;
                }
            CHECK_MSG(mismatches == 0, "%c%c %dx%dx%d lda %d: %d of 8 runs on 2-3 threads differ from 1 thread", s->ta ? 'T' : 'N',
                      s->tb ? 'T' : 'N', s->M, s->N, s->K, s->lda, mismatches);
            if (si == 6) side_tn = pools[1]->gemm_side_groups - side_before;
            free(A); free(B); free(C0); free(ref); free(C);
        }
        /* one thread: every task's first group (or panel) and a last partial one are packed
           plainly, the rest by side jobs: of the 64 groups of 3072 transposed rows, 63; of the 43
           panels of 512 rows contiguous along k, 41 in each of the first such shape's 2 K blocks */
        side_1t = pools[1]->gemm_side_groups - side_before;
        CHECK_MSG(side_tn >= 60, "1 thread: only %d transposed-A groups packed by side jobs", side_tn);
        CHECK_MSG(side_1t - side_tn >= 80, "1 thread: only %d panels packed by side jobs", side_1t - side_tn);
        CHECK_MSG(pools[2]->gemm_side_groups > 0 && pools[3]->gemm_side_groups > 0, "threads: no side jobs (%d, %d)",
                  pools[2]->gemm_side_groups, pools[3]->gemm_side_groups);
        printf("groups packed by side jobs: %d (1 thread), %d (2), %d (3)\n", side_1t, pools[2]->gemm_side_groups,
               pools[3]->gemm_side_groups);
    }
    for (th = 1; th <= 3; th++) lora_pool_destroy(pools[th]);
    return TEST_END();
}
