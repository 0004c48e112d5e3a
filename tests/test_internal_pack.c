/* The GEMM packing routines of every ISA the machine runs (scalar, AVX2, AVX-512, NEON), checked
   element by element against their contract (see lora__pack_fn in src/lora/20_matmul.impl.c):
       out[p * kc * W + k * W + x % W] = S[x * sx + k * sk]   for x < nx,
       0 for nx <= x < ceil(nx / W) * W,
   and nothing written past ceil(nx / W) * kc * W floats. The output is 64-byte aligned, as the
   driver's workspace (the 16- and 32-wide panels are written with aligned stores) and followed
   by a guard region that must stay untouched; the source buffer is allocated to its exact
   extent, so under AddressSanitizer any read beyond it stops the test.
   Cases: both layouts the driver uses (rows of op(S) contiguous along x: transposed A and B as
   stored; contiguous along k: A of X W, B of X W^T), the micro-panel widths of each ISA (12, 32;
   6, 16; 8, 12; 4, 8), the whole-matrix transposes of the direct path (W = nx), and random widths
   and sizes around the vector lengths, the 4- and 16-row steps and the kernels' K blocks. */
#define LORA_IMPLEMENTATION
#include "lora.h"
#include "test.h"
#include <stdint.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (unsigned)(rng % n);
}

#define GUARD 64
static const float guard_value = -12345.5f;

/* one case: returns 1 when the output matches the contract */
static int check_case(const char *isa_name, lora__pack_fn pack, int contiguous_x, int nx, int kc, int W, int pad) {
    const long sx = contiguous_x ? 1 : nx + pad, sk = contiguous_x ? nx + pad : 1;
    const long extent = (long)(nx - 1) * sx + (long)(kc - 1) * sk + 1;
    const long panels = (nx + W - 1) / W, out_n = panels * kc * W;
    float *S = (float *)malloc(sizeof(float) * (size_t)extent);
    float *out_mem = (float *)malloc(sizeof(float) * (size_t)(out_n + GUARD + 16)), *out;
    long i, bad = -1;
    int x, k, ok = 1;
    if (!S || !out_mem) { free(S); free(out_mem); fprintf(stderr, "out of memory\n"); return 0; }
    out = out_mem + (16 - ((uintptr_t)out_mem / sizeof(float)) % 16) % 16;
    for (i = 0; i < extent; i++) S[i] = (float)(i % 9973) * 0.25f - 100.0f;
    for (i = 0; i < out_n + GUARD; i++) out[i] = guard_value;
    pack(S, sx, sk, nx, kc, W, out);
    for (x = 0; x < panels * W && ok; x++)
        for (k = 0; k < kc; k++) {
            long o = (long)(x / W) * kc * W + (long)k * W + x % W;
            float want = x < nx ? S[x * sx + k * sk] : 0.0f;
            if (out[o] != want) { ok = 0; bad = o; break; }
        }
    for (i = out_n; i < out_n + GUARD && ok; i++)
        if (out[i] != guard_value) { ok = 0; bad = i; }
    if (!ok)
        fprintf(stderr, "%s pack: %s, nx %d kc %d W %d pad %d: wrong value at output %ld of %ld\n", isa_name,
                contiguous_x ? "contiguous along x" : "contiguous along k", nx, kc, W, pad, bad, out_n);
    free(S);
    free(out_mem);
    return ok;
}

int main(void) {
    static const lora_isa isas[] = { LORA_ISA_SCALAR, LORA_ISA_AVX2, LORA_ISA_AVX512, LORA_ISA_NEON };
    static const char *names[] = { "scalar", "avx2", "avx512", "neon" };
    static const int sizes_x[] = { 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 15, 16, 17, 23, 24, 25, 31, 32, 33, 36, 47, 48, 96, 97, 100 };
    static const int sizes_k[] = { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 19, 31, 32, 33, 48, 63, 64, 65, 268, 508, 512 };
    lora_pool *pool = NULL;
    int v;
    CHECK_OK(lora_pool_create(&pool, 1));
    if (!pool) return TEST_END();
    for (v = 0; v < 4; v++) {
        const lora__gemm_cfg *cfg;
        int widths[8], n_w = 0, layout, a, b, w, r, cases = 0, fails = 0;
        if (lora_pool_set_isa(pool, isas[v]) != LORA_OK) continue; /* not on this machine */
        cfg = lora__gemm_config(isas[v]);
        if (isas[v] != LORA_ISA_SCALAR && cfg == &lora__cfg_scalar) continue; /* compiled out */
        widths[n_w++] = cfg->mr;
        widths[n_w++] = cfg->nr;
        widths[n_w++] = 1;
        widths[n_w++] = 16;
        for (layout = 0; layout < 2; layout++)
            for (a = 0; a < (int)(sizeof sizes_x / sizeof sizes_x[0]); a++)
                for (b = 0; b < (int)(sizeof sizes_k / sizeof sizes_k[0]); b++)
                    for (w = 0; w < n_w; w++) {
                        int ok = check_case(names[v], cfg->pack, layout, sizes_x[a], sizes_k[b], widths[w], (a + b) % 3);
                        cases++;
                        fails += !ok;
                        CHECK(ok);
                    }
        /* the direct path transposes whole matrices: W = nx */
        for (a = 0; a < (int)(sizeof sizes_x / sizeof sizes_x[0]); a++)
            for (layout = 0; layout < 2; layout++) {
                int ok = check_case(names[v], cfg->pack, layout, sizes_x[a], 1 + rnd(70), sizes_x[a], (int)rnd(3));
                cases++;
                fails += !ok;
                CHECK(ok);
            }
        /* random widths and sizes */
        for (r = 0; r < 600; r++) {
            int ok = check_case(names[v], cfg->pack, (int)rnd(2), 1 + (int)rnd(120), 1 + (int)rnd(90), 1 + (int)rnd(40), (int)rnd(4));
            cases++;
            fails += !ok;
            CHECK(ok);
        }
        printf("%s: %d packing cases, %d wrong\n", names[v], cases, fails);
    }
    lora_pool_destroy(pool);
    return TEST_END();
}
