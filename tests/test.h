/* Minimal test harness shared by tests/test_*.c. Each CHECK counts one assertion;
   a failing check prints file:line and the condition. TEST_END prints the closing
   line "N passed, N failed" and returns the exit code. */
#ifndef LORA_TEST_H
#define LORA_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define TEST_UNUSED __attribute__((unused))
#else
#define TEST_UNUSED
#endif

static int test_passed, test_failed;

#define CHECK(cond) do { if (cond) test_passed++; else { test_failed++; \
    fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MSG(cond, ...) do { if (cond) test_passed++; else { test_failed++; \
    fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
/* status check that prints lora_last_error() on failure */
#define CHECK_OK(expr) do { lora_status s_ = (expr); if (s_ == LORA_OK) test_passed++; else { \
    test_failed++; fprintf(stderr, "%s:%d: FAILED: %s -> %s: %s\n", __FILE__, __LINE__, #expr, \
    lora_status_name(s_), lora_last_error()); } } while (0)
#define CHECK_ERR(expr, code) do { lora_status s_ = (expr); if (s_ == (code)) test_passed++; else { \
    test_failed++; fprintf(stderr, "%s:%d: FAILED: %s -> %s, expected %s (%s)\n", __FILE__, __LINE__, \
    #expr, lora_status_name(s_), lora_status_name(code), lora_last_error()); } } while (0)
#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); if (fabs(a_ - b_) <= (tol)) test_passed++; \
    else { test_failed++; fprintf(stderr, "%s:%d: FAILED: %s = %.9g vs %s = %.9g (tol %g)\n", \
    __FILE__, __LINE__, #a, a_, #b, b_, (double)(tol)); } } while (0)

#define TEST_END() (printf("%s: %d passed, %d failed\n", __FILE__, test_passed, test_failed), test_failed ? 1 : 0)

/* A whole file, NUL-terminated (malloc'ed; the caller frees), its size in *n (n may be NULL);
   NULL if it cannot be read. */
TEST_UNUSED static char *test_slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    char *b;
    long len;
    if (n) *n = 0;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    b = (char *)malloc((size_t)len + 1);
    if (!b || fread(b, 1, (size_t)len, f) != (size_t)len) { free(b); fclose(f); return NULL; }
    b[len] = 0;
    fclose(f);
    if (n) *n = (size_t)len;
    return b;
}

/* max |a-b| and relative L2 error ||a-b|| / ||b|| */
TEST_UNUSED static double test_max_abs_diff(const float *a, const float *b, long n) {
    double m = 0; long i;
    for (i = 0; i < n; i++) { double d = fabs((double)a[i] - (double)b[i]); if (d > m || d != d) m = d; }
    return m;
}
TEST_UNUSED static double test_rel_l2(const float *a, const float *b, long n) {
    double num = 0, den = 0; long i;
    for (i = 0; i < n; i++) { double d = (double)a[i] - (double)b[i]; num += d * d; den += (double)b[i] * b[i]; }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}
#endif
