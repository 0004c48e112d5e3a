/* lora.h's "For model authors" block, through the public API only (as a model header in a
   translation unit of its own sees it): error messages, allocation, atomic files with their
   little-endian bytes (checked byte by byte, so a big-endian host under qemu checks the swap),
   the text buffer and JSON numbers, the row kernels' table and the dropout random streams. */
#include "lora.h"
#include "test.h"
#include <stdint.h>

#define DIR "build/test_authors_files"

static void test_errors(void) {
    CHECK(lora_fail(LORA_ERR_SHAPE, "%s: tensor '%s': expected %d, found %d", "a.bin", "w", 3, 4) == LORA_ERR_SHAPE);
    CHECK(strcmp(lora_last_error(), "a.bin: tensor 'w': expected 3, found 4") == 0);
    /* the previous message as an argument: context in front of it */
    CHECK(lora_fail(LORA_ERR_FORMAT, "model.bin: %s", lora_last_error()) == LORA_ERR_FORMAT);
    CHECK(strcmp(lora_last_error(), "model.bin: a.bin: tensor 'w': expected 3, found 4") == 0);
    lora_clear_error();
    CHECK(lora_last_error()[0] == 0);
}

static void test_memory(void) {
    char *s, *big;
    unsigned char *z;
    void *a[5];
    int i, aligned = 1;
    z = (unsigned char *)lora_calloc(100, 3, "zeros");
    CHECK(z != NULL);
    if (z) { for (i = 0; i < 300; i++) if (z[i]) break; CHECK(i == 300); }
    lora_free(z);
    CHECK(lora_calloc((size_t)-1 / 2, 4, "an impossible table") == NULL);
    CHECK(strstr(lora_last_error(), "an impossible table") != NULL);
    CHECK(lora_malloc((size_t)-1 / 2, "a huge buffer") == NULL);
    CHECK(strstr(lora_last_error(), "out of memory") && strstr(lora_last_error(), "a huge buffer"));
    s = lora_strdup("weights");
    CHECK(s && strcmp(s, "weights") == 0);
    big = (char *)lora_realloc(s, 1 << 16, "grown copy");
    CHECK(big && strcmp(big, "weights") == 0);
    CHECK(lora_realloc(big, (size_t)-1 / 2, "overgrown copy") == NULL); /* big stays valid */
    CHECK(strstr(lora_last_error(), "overgrown copy") != NULL);
    lora_free(big);
    for (i = 0; i < 5; i++) {
        a[i] = lora_alloc_aligned((size_t)(1 + 37 * i), "aligned");
        if (!a[i] || (uintptr_t)a[i] % 64) aligned = 0;
        if (a[i]) memset(a[i], 0xab, (size_t)(1 + 37 * i));
    }
    CHECK(aligned);
    for (i = 0; i < 5; i++) lora_free_aligned(a[i]);
    lora_free_aligned(NULL);
}

static void test_files(void) {
    static const unsigned char want[] = {0x04, 0x03, 0x02, 0x01, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0,
                                         0x34, 0x12, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 'o', 'k'};
    const int32_t i32 = 0x01020304;
    const float f2[2] = {1.0f, -2.0f};
    const uint16_t u16 = 0x1234;
    const uint64_t u64 = 0x0102030405060708ull;
    float big[5000], back[5000];
    int32_t ib = 0;
    lora_atomic_file af, af2;
    char *text = NULL;
    size_t len = 0;
    int i, same = 1;
    FILE *f;
    CHECK_OK(lora_ensure_dir(DIR "/a/b"));
    CHECK_OK(lora_ensure_dir(DIR "/a/b")); /* exists: fine */
    /* little-endian bytes whatever the host, and the source data unchanged */
    CHECK_OK(lora_atomic_open(&af, DIR "/a/b/le.bin"));
    lora_atomic_write_le(&af, &i32, 4, 4);
    lora_atomic_write_le(&af, f2, sizeof f2, 4);
    lora_atomic_write_le(&af, &u16, 2, 2);
    lora_atomic_write_le(&af, &u64, 8, 8);
    lora_atomic_write(&af, "ok", 2);
    CHECK_OK(lora_atomic_commit(&af));
    CHECK(i32 == 0x01020304 && f2[0] == 1.0f && u64 == 0x0102030405060708ull);
    CHECK_OK(lora_read_file(DIR "/a/b/le.bin", &text, &len));
    CHECK(len == sizeof want && text && memcmp(text, want, sizeof want) == 0 && text[len] == 0);
    lora_free(text);
    text = NULL;
    /* a tensor larger than the swap buffer, back through lora_fread_le */
    for (i = 0; i < 5000; i++) big[i] = (float)i * 0.37f - 11.0f;
    CHECK_OK(lora_atomic_open(&af, DIR "/big.bin"));
    lora_atomic_write_le(&af, &i32, 4, 4);
    lora_atomic_write_le(&af, big, sizeof big, 4);
    CHECK_OK(lora_atomic_commit(&af));
    f = fopen(DIR "/big.bin", "rb");
    CHECK(f != NULL);
    if (f) {
        CHECK(lora_fread_le(&ib, 4, 1, f) == 1 && ib == i32);
        CHECK(lora_fread_le(back, 4, 5000, f) == 5000);
        CHECK(lora_fread_le(back, 4, 1, f) == 0); /* end of file */
        fclose(f);
        for (i = 0; i < 5000; i++) if (back[i] != big[i]) same = 0;
        CHECK(same);
    }
    /* abort keeps the previous file; so does a two-file save whose second file fails */
    CHECK_OK(lora_atomic_open(&af, DIR "/a/b/le.bin"));
    lora_atomic_write(&af, "junk", 4);
    lora_atomic_abort(&af);
    lora_atomic_abort(&af); /* nothing left to drop */
    CHECK_OK(lora_atomic_open(&af, DIR "/a/b/le.bin"));
    lora_atomic_write(&af, "new", 3);
    CHECK_OK(lora_atomic_finish(&af));
    CHECK_ERR(lora_atomic_open(&af2, DIR "/missing/dir/x.bin"), LORA_ERR_IO);
    CHECK(strstr(lora_last_error(), DIR "/missing/dir/x.bin") != NULL);
    lora_atomic_abort(&af2); /* after a failed open: nothing to do */
    lora_atomic_abort(&af);
    CHECK_OK(lora_read_file(DIR "/a/b/le.bin", &text, &len));
    CHECK(len == sizeof want && text && memcmp(text, want, sizeof want) == 0);
    lora_free(text);
    text = NULL;
    /* ... and when both succeed, the first is renamed in place last */
    CHECK_OK(lora_atomic_open(&af, DIR "/a/b/le.bin"));
    lora_atomic_write(&af, "new", 3);
    CHECK_OK(lora_atomic_finish(&af));
    CHECK_OK(lora_read_file(DIR "/a/b/le.bin", &text, &len)); /* not yet */
    CHECK(len == sizeof want);
    lora_free(text);
    text = NULL;
    CHECK_OK(lora_atomic_commit(&af));
    CHECK_OK(lora_read_file(DIR "/a/b/le.bin", &text, &len));
    CHECK(len == 3 && text && strcmp(text, "new") == 0);
    lora_free(text);
    text = NULL;
    CHECK_ERR(lora_atomic_commit(&af), LORA_ERR_INVALID_ARG); /* already done */
    /* reading: errors name the file */
    CHECK_ERR(lora_read_file(DIR "/nope.txt", &text, &len), LORA_ERR_IO);
    CHECK(text == NULL && strstr(lora_last_error(), DIR "/nope.txt") != NULL);
    CHECK_ERR(lora_read_file(DIR "/a", &text, &len), LORA_ERR_IO);
    CHECK(strstr(lora_last_error(), "directory") != NULL);
    CHECK_ERR(lora_ensure_dir(DIR "/big.bin/sub"), LORA_ERR_IO); /* a file in the way */
    remove(DIR "/a/b/le.bin");
    remove(DIR "/big.bin");
}

static void test_buf(void) {
    lora_buf b;
    char long_text[600];
    static const struct { double x; const char *json; } nums[] = {
        {3.0, "3"}, {-0.0, "-0"}, {0.1, "0.1"}, {1e-5, "1e-05"}, {9.99999974737875163555e-06 /* 1e-5f */, "9.999999747378752e-06"},
        {-2.5, "-2.5"}, {1e16, "1e+16"}, {123456.789, "123456.789"}};
    size_t i;
    memset(&b, 0, sizeof b);
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    lora_buf_puts(&b, "{");
    lora_buf_append(&b, "\"n\": ", 5);
    lora_buf_printf(&b, "%d, \"s\": \"%s\"}", 42, long_text); /* longer than printf's small buffer */
    CHECK(!b.failed && b.len == strlen(b.data) && b.len == 1 + 5 + 2 + 8 + 599 + 2);
    CHECK(strncmp(b.data, "{\"n\": 42, \"s\": \"xxx", 19) == 0);
    lora_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0);
    for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        memset(&b, 0, sizeof b);
        lora_json_write_number(&b, nums[i].x);
        CHECK_MSG(b.data && strcmp(b.data, nums[i].json) == 0, "%.17g -> %s, expected %s", nums[i].x, b.data ? b.data : "(null)", nums[i].json);
        lora_buf_free(&b);
    }
    memset(&b, 0, sizeof b);
    lora_json_write_number(&b, sqrt(-1.0));
    CHECK(b.data && strcmp(b.data, "null") == 0);
    lora_buf_free(&b);
}

static void test_kernels_and_rng(void) {
    const lora_vecops *v = lora_vec(NULL);
    float a[37], b[37], y[37];
    unsigned char mk[300];
    uint64_t st = 0;
    lora_rng r1, r2;
    int i, ok = 1;
    CHECK(v && v->add && v->acc && v->gelu && v->mask_scale && v->ln_wgrad);
    for (i = 0; i < 37; i++) { a[i] = (float)i; b[i] = 0.5f * (float)i; }
    v->add(a, b, y, 37);
    for (i = 0; i < 37; i++) if (y[i] != 1.5f * (float)i) ok = 0;
    CHECK(ok);
    CHECK(v->sum(a, 37) == 666.0f && v->max(a, 37) == 36.0f);
    /* splitmix64 from 0: the reference sequence's first two outputs */
    CHECK(lora_splitmix64(&st) == 0xe220a8397b1dcdafull);
    CHECK(lora_splitmix64(&st) == 0x6e789e6aa1b965f4ull);
    /* the keep mask draws what lora_rng_uniform draws, and leaves the same state */
    lora_rng_seed(&r1, 99);
    lora_rng_seed(&r2, 99);
    lora_rng_keep_mask(&r1, mk, 300, 0.3f);
    for (i = 0; i < 300; i++) if (mk[i] != (lora_rng_uniform(&r2) >= 0.3f)) ok = 0;
    CHECK(ok);
    CHECK(lora_rng_u32(&r1) == lora_rng_u32(&r2));
}

int main(void) {
    test_errors();
    test_memory();
    test_files();
    test_buf();
    test_kernels_and_rng();
    return TEST_END();
}
