/* lora_gemv: every ISA this machine supports against a double-precision reference (plain and
   transposed W, M = 1..16 rows and more, odd K and N, padded leading dimensions), and bit for
   bit against itself whatever the row count and however the columns are split; columns outside
   [j0, j1), rows past M and the padding are never written; an ISA the machine lacks falls back
   to the best lower one; invalid arguments do nothing. */
#include "lora.h"
#include "test.h"
#include <stdint.h>

static float frand(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}
static float *rand_mat(long n, uint32_t *seed) {
    float *m = (float *)malloc(sizeof(float) * (size_t)(n + 1));
    long i;
    for (i = 0; i < n; i++) m[i] = frand(seed);
    return m;
}

/* a quiet NaN with a payload: what unwritten elements keep */
static const uint32_t sentinel_bits = 0x7fc5a5a5u;
static void fill_sentinel(float *y, long n) {
    long i;
    for (i = 0; i < n; i++) memcpy(y + i, &sentinel_bits, sizeof(float));
}
static int is_sentinel(const float *p) { uint32_t b; memcpy(&b, p, sizeof b); return b == sentinel_bits; }
static int same_bits(const float *a, const float *b) { return memcmp(a, b, sizeof(float)) == 0; }

#define MAXR LORA_GEMV_MAX_ROWS
static const lora_isa isas[] = { LORA_ISA_SCALAR, LORA_ISA_AVX2, LORA_ISA_AVX512, LORA_ISA_NEON };
#define N_ISAS 4
static int isa_ok[N_ISAS];

static int isa_supported(lora_isa isa) {
    lora_pool *p = NULL;
    int ok;
    if (lora_pool_create(&p, 1) != LORA_OK) return isa == LORA_ISA_SCALAR;
    ok = lora_pool_set_isa(p, isa) == LORA_OK;
    lora_pool_destroy(p);
    return ok;
}
/* what lora_gemv runs for an ISA this machine lacks */
static lora_isa fallback(int v) {
    if (isa_ok[v]) return isas[v];
    if (isas[v] == LORA_ISA_AVX512 && isa_ok[1]) return LORA_ISA_AVX2;
    return LORA_ISA_SCALAR;
}

/* R (rows x N) in double and an error bound per element */
static void reference(int tr, int rows, int K, int N, const float *X, long ldx, const float *W, long ldw, double *R, double *bound) {
    int m, j, k;
    for (m = 0; m < rows; m++)
        for (j = 0; j < N; j++) {
            double s = 0, sa = 0;
            for (k = 0; k < K; k++) {
                double x = X[(long)m * ldx + k], w = tr ? W[(long)j * ldw + k] : W[(long)k * ldw + j];
                s += x * w; sa += fabs(x * w);
            }
            R[(long)m * N + j] = s;
            bound[(long)m * N + j] = (K + 2) * 1.2e-7 * sa + 1e-30;
        }
}

/* elements of Y (rows x ldy) that differ from the reference beyond the bound */
static int count_wrong(const float *Y, long ldy, int rows, int N, const double *R, const double *bound) {
    int m, j, bad = 0;
    for (m = 0; m < rows; m++)
        for (j = 0; j < N; j++) {
            double d = fabs((double)Y[(long)m * ldy + j] - R[(long)m * N + j]);
            if (!(d <= bound[(long)m * N + j])) bad++;
        }
    return bad;
}

/* Y computed for rows < M, columns [j0, j1) of a (rows x ldy) buffer: those equal Full bit for
   bit, every other element is still the sentinel */
static int check_against(const float *Y, const float *Full, long ldy, int rows, int M, int j0, int j1) {
    int m, j, bad = 0;
    for (m = 0; m < rows; m++)
        for (j = 0; j < ldy; j++) {
            const float *p = Y + (long)m * ldy + j;
            if (m < M && j >= j0 && j < j1) bad += !same_bits(p, Full + (long)m * ldy + j);
            else bad += !is_sentinel(p);
        }
    return bad;
}

/* column splits: chunks of these sizes (0 = pseudo-random cut points) */
static const int chunks[] = { 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33, 0 };
#define N_CHUNKS ((int)(sizeof chunks / sizeof chunks[0]))

static void split_run(lora_isa isa, int tr, int M, int K, const float *X, long ldx, const float *W, long ldw,
                      int N, float *Y, long ldy, int chunk, uint32_t seed) {
    int j0 = 0;
    while (j0 < N) {
        int c = chunk;
        if (c == 0) { seed = seed * 1664525u + 1013904223u; c = 1 + (int)((seed >> 16) % 23u); }
        lora_gemv(isa, tr, M, K, X, ldx, W, ldw, j0, j0 + c < N ? j0 + c : N, Y, ldy);
        j0 += c;
    }
}

static void run_case(int tr, int K, int N, int padx, int padw, int pady, uint32_t seed) {
    long ldx = K + padx, ldw = (tr ? K : N) + padw, ldy = N + pady;
    int wrows = tr ? N : K, v, M, c, bad;
    float *X = rand_mat(MAXR * ldx, &seed), *W = rand_mat(wrows * ldw, &seed);
    float *Full = (float *)malloc(sizeof(float) * (size_t)(MAXR * ldy));
    float *Y = (float *)malloc(sizeof(float) * (size_t)(MAXR * ldy));
    float *Z = (float *)malloc(sizeof(float) * (size_t)(MAXR * ldy));
    double *R = (double *)malloc(sizeof(double) * (size_t)MAXR * N);
    double *B = (double *)malloc(sizeof(double) * (size_t)MAXR * N);
    reference(tr, MAXR, K, N, X, ldx, W, ldw, R, B);
    for (v = 0; v < N_ISAS; v++) {
        lora_isa isa = isas[v];
        if (!isa_ok[v]) {
            /* not here: the same bits as the fallback */
            fill_sentinel(Y, MAXR * ldy); fill_sentinel(Z, MAXR * ldy);
            lora_gemv(isa, tr, MAXR, K, X, ldx, W, ldw, 0, N, Y, ldy);
            lora_gemv(fallback(v), tr, MAXR, K, X, ldx, W, ldw, 0, N, Z, ldy);
            CHECK_MSG(memcmp(Y, Z, sizeof(float) * (size_t)(MAXR * ldy)) == 0, "%s (absent) vs %s: tr %d K %d N %d",
                      lora_isa_name(isa), lora_isa_name(fallback(v)), tr, K, N);
            continue;
        }
        fill_sentinel(Full, MAXR * ldy);
        lora_gemv(isa, tr, MAXR, K, X, ldx, W, ldw, 0, N, Full, ldy);
        bad = count_wrong(Full, ldy, MAXR, N, R, B);
        CHECK_MSG(bad == 0, "%s tr %d K %d N %d pads %d/%d/%d: %d elements off the reference", lora_isa_name(isa), tr, K, N,
                  padx, padw, pady, bad);
        /* every row count, each with a column split of its own; rows past M untouched */
        bad = 0;
        for (M = 1; M <= MAXR; M++) {
            fill_sentinel(Y, MAXR * ldy);
            split_run(isa, tr, M, K, X, ldx, W, ldw, N, Y, ldy, chunks[(M + K) % N_CHUNKS], seed + (uint32_t)M);
            bad += check_against(Y, Full, ldy, MAXR, M, 0, N);
        }
        CHECK_MSG(bad == 0, "%s tr %d K %d N %d: %d elements depend on M or the split", lora_isa_name(isa), tr, K, N, bad);
        /* every split for 1, 3 and 16 rows */
        bad = 0;
        for (c = 0; c < N_CHUNKS; c++) {
            static const int Ms[] = { 1, 3, MAXR };
            int i;
            for (i = 0; i < 3; i++) {
                fill_sentinel(Y, MAXR * ldy);
                split_run(isa, tr, Ms[i], K, X, ldx, W, ldw, N, Y, ldy, chunks[c], seed ^ (uint32_t)(c * 7 + i));
                bad += check_against(Y, Full, ldy, MAXR, Ms[i], 0, N);
            }
        }
        CHECK_MSG(bad == 0, "%s tr %d K %d N %d: %d elements depend on the column split", lora_isa_name(isa), tr, K, N, bad);
        /* one inner range: nothing outside it written */
        {
            int j0 = N / 3, j1 = N - N / 4;
            if (j0 < j1) {
                fill_sentinel(Y, MAXR * ldy);
                lora_gemv(isa, tr, 5, K, X, ldx, W, ldw, j0, j1, Y, ldy);
                CHECK_MSG(check_against(Y, Full, ldy, MAXR, 5, j0, j1) == 0, "%s tr %d K %d N %d: range [%d, %d)",
                          lora_isa_name(isa), tr, K, N, j0, j1);
            }
        }
    }
    /* AUTO: what a NULL pool uses */
    fill_sentinel(Y, MAXR * ldy); fill_sentinel(Z, MAXR * ldy);
    lora_gemv(LORA_ISA_AUTO, tr, 7, K, X, ldx, W, ldw, 0, N, Y, ldy);
    lora_gemv(lora_pool_isa(NULL), tr, 7, K, X, ldx, W, ldw, 0, N, Z, ldy);
    CHECK(memcmp(Y, Z, sizeof(float) * (size_t)(MAXR * ldy)) == 0);
    free(X); free(W); free(Full); free(Y); free(Z); free(R); free(B);
}

/* more rows than LORA_GEMV_MAX_ROWS: correct, and each row as computed alone */
static void run_many_rows(int tr, int M, int K, int N, uint32_t seed) {
    long ldx = K + 3, ldw = (tr ? K : N) + 5, ldy = N + 2;
    int v, m, bad;
    float *X = rand_mat(M * ldx, &seed), *W = rand_mat((tr ? N : K) * ldw, &seed);
    float *Y = (float *)malloc(sizeof(float) * (size_t)(M * ldy));
    float *Z = (float *)malloc(sizeof(float) * (size_t)(M * ldy));
    double *R = (double *)malloc(sizeof(double) * (size_t)M * N);
    double *B = (double *)malloc(sizeof(double) * (size_t)M * N);
    reference(tr, M, K, N, X, ldx, W, ldw, R, B);
    for (v = 0; v < N_ISAS; v++) {
        if (!isa_ok[v]) continue;
        fill_sentinel(Y, M * ldy); fill_sentinel(Z, M * ldy);
        lora_gemv(isas[v], tr, M, K, X, ldx, W, ldw, 0, N, Y, ldy);
        for (m = 0; m < M; m++) lora_gemv(isas[v], tr, 1, K, X + m * ldx, ldx, W, ldw, 0, N, Z + m * ldy, ldy);
        bad = count_wrong(Y, ldy, M, N, R, B);
        CHECK_MSG(bad == 0, "%s tr %d M %d K %d N %d: %d elements off the reference", lora_isa_name(isas[v]), tr, M, K, N, bad);
        CHECK_MSG(memcmp(Y, Z, sizeof(float) * (size_t)(M * ldy)) == 0, "%s tr %d M %d: rows differ from one-row calls",
                  lora_isa_name(isas[v]), tr, M);
    }
    free(X); free(W); free(Y); free(Z); free(R); free(B);
}

static void run_invalid(void) {
    float x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, w[64], y[16];
    int i, v;
    for (i = 0; i < 64; i++) w[i] = (float)i;
    for (v = 0; v < N_ISAS; v++) {
        lora_isa isa = isas[v];
        fill_sentinel(y, 16);
        lora_gemv(isa, 0, 0, 4, x, 4, w, 8, 0, 8, y, 8);       /* M = 0 */
        lora_gemv(isa, 0, -1, 4, x, 4, w, 8, 0, 8, y, 8);      /* M < 0 */
        lora_gemv(isa, 1, 1, 0, x, 4, w, 8, 0, 8, y, 8);       /* K = 0 */
        lora_gemv(isa, 0, 1, -3, x, 4, w, 8, 0, 8, y, 8);      /* K < 0 */
        lora_gemv(isa, 0, 1, 4, x, 4, w, 8, 5, 5, y, 8);       /* empty range */
        lora_gemv(isa, 1, 1, 4, x, 4, w, 8, 6, 2, y, 8);       /* reversed range */
        lora_gemv(isa, 0, 1, 4, x, 4, w, 8, -1, 4, y, 8);      /* negative j0 */
        lora_gemv(isa, 0, 1, 4, NULL, 4, w, 8, 0, 8, y, 8);
        lora_gemv(isa, 0, 1, 4, x, 4, NULL, 8, 0, 8, y, 8);
        lora_gemv(isa, 0, 1, 4, x, 4, w, 8, 0, 8, NULL, 8);
        for (i = 0; i < 16; i++) CHECK(is_sentinel(y + i));
    }
    /* an unknown ISA value runs the scalar kernels */
    {
        float a[8], b[8];
        lora_gemv((lora_isa)99, 0, 1, 8, x, 8, w, 8, 0, 8, a, 8);
        lora_gemv(LORA_ISA_SCALAR, 0, 1, 8, x, 8, w, 8, 0, 8, b, 8);
        CHECK(memcmp(a, b, sizeof a) == 0);
        /* and a small exact case: y = x W with W[k][j] = 8k + j */
        for (i = 0; i < 8; i++) {
            int k;
            double s = 0;
            for (k = 0; k < 8; k++) s += x[k] * (8.0 * k + i);
            CHECK(a[i] == (float)s);
        }
    }
}

int main(void) {
    static const int Ks[] = { 1, 3, 17, 768, 1001 };
    static const int Ns[] = { 1, 5, 37, 67 };
    int v, tr, a, b, n = 0;
    for (v = 0; v < N_ISAS; v++) {
        isa_ok[v] = isa_supported(isas[v]);
        printf("isa %-6s %s\n", lora_isa_name(isas[v]), isa_ok[v] ? "tested" : "absent (checked as its fallback)");
    }
    CHECK(isa_ok[0]);
    for (tr = 0; tr < 2; tr++)
        for (a = 0; a < (int)(sizeof Ks / sizeof Ks[0]); a++)
            for (b = 0; b < (int)(sizeof Ns / sizeof Ns[0]); b++, n++)
                run_case(tr, Ks[a], Ns[b], n % 3, (n * 5) % 7, (n * 3) % 5, 1234u + (uint32_t)n * 77u);
    /* unpadded, and a width that fills whole vectors with a 1..15-column tail */
    run_case(0, 64, 48, 0, 0, 0, 99u);
    run_case(1, 64, 48, 0, 0, 0, 98u);
    run_case(0, 40, 131, 1, 3, 1, 97u);
    run_case(1, 40, 131, 1, 3, 1, 96u);
    run_many_rows(0, 35, 19, 45, 7u);
    run_many_rows(1, 20, 23, 13, 8u);
    run_invalid();
    return TEST_END();
}
