/* Atomic writes for real: concurrent writers to one path (the published file is one writer's,
   whole), symlinks planted in the output directory (never followed, never touched), the
   directory transaction (an adapter directory replaced as a whole, old one intact until the new one
   is complete, foreign entries carried over), empty and root output paths, and the shortest
   round-trip float writer. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "lora.h"
#include "test.h"

#define DIR_ "build/atomic_work"

static void rm_rf(const char *path) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) fprintf(stderr, "rm -rf %s failed\n", path);
}
static int count_entries(const char *dir, const char *needle) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && (!needle || strstr(e->d_name, needle))) n++;
    closedir(d);
    return n;
}
/* writer k's content: 2 MB in chunks, every byte = k, so a mix of two writers shows */
#define WSIZE (2u << 20)
static int writer(const char *path, int k) {
    lora_atomic_file af;
    static unsigned char chunk[4096];
    size_t i;
    if (lora_atomic_open(&af, path) != LORA_OK) return 1;
    memset(chunk, 'A' + k, sizeof chunk);
    for (i = 0; i < WSIZE; i += sizeof chunk) lora_atomic_write(&af, chunk, sizeof chunk);
    return lora_atomic_commit(&af) != LORA_OK;
}

static void test_concurrent_writers(void) {
    const char *path = DIR_ "/shared.bin";
    pid_t pids[6];
    int k, st, ok = 0, round;
    for (round = 0; round < 3; round++) {
        for (k = 0; k < 6; k++) {
            pids[k] = fork();
            if (pids[k] == 0) _exit(writer(path, k));
        }
        for (k = 0; k < 6; k++) {
            waitpid(pids[k], &st, 0);
            if (WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++;
        }
        {
            size_t n, i;
            char *d = test_slurp(path, &n);
            int whole = d && n == WSIZE;
            for (i = 1; whole && i < n; i++) whole = d[i] == d[0];
            CHECK(whole);   /* one writer's file, complete, never a mix */
            CHECK(d && d[0] >= 'A' && d[0] < 'A' + 6);
            free(d);
        }
        CHECK(count_entries(DIR_, "tmp-lora") == 0);   /* no temporary file left */
    }
    CHECK(ok == 18);   /* every writer succeeded (each published its own file in turn) */
}

static void test_planted_symlinks(void) {
    const char *path = DIR_ "/victim.bin";
    size_t n;
    char *d;
    lora_atomic_file af;
    /* the old fixed temporary name, and a file outside, reached through symlinks */
    FILE *f = fopen(DIR_ "/outside.txt", "wb");
    CHECK(f != NULL);
    if (f) { fputs("untouched\n", f); fclose(f); }
    CHECK(symlink("outside.txt", DIR_ "/victim.bin.tmp-lora") == 0);
    CHECK(symlink("outside.txt", DIR_ "/.victim.bin.tmp-lora") == 0);
    CHECK_OK(lora_atomic_open(&af, path));
    lora_atomic_write(&af, "new\n", 4);
    CHECK_OK(lora_atomic_commit(&af));
    d = test_slurp(DIR_ "/outside.txt", &n);
    CHECK(d && n == 10 && memcmp(d, "untouched\n", 10) == 0);
    free(d);
    d = test_slurp(path, &n);
    CHECK(d && n == 4 && memcmp(d, "new\n", 4) == 0);
    free(d);
    /* a symlink AT the destination is replaced by the file (rename), its target is not written */
    CHECK(symlink("outside.txt", DIR_ "/link.bin") == 0);
    CHECK_OK(lora_atomic_open(&af, DIR_ "/link.bin"));
    lora_atomic_write(&af, "replaced\n", 9);
    CHECK_OK(lora_atomic_commit(&af));
    d = test_slurp(DIR_ "/outside.txt", &n);
    CHECK(d && n == 10 && memcmp(d, "untouched\n", 10) == 0);
    free(d);
    {
        struct stat sb;
        CHECK(lstat(DIR_ "/link.bin", &sb) == 0 && S_ISREG(sb.st_mode));
        CHECK(lstat(DIR_ "/victim.bin.tmp-lora", &sb) == 0 && S_ISLNK(sb.st_mode));   /* the planted links are left alone */
    }
    remove(DIR_ "/victim.bin.tmp-lora");
    remove(DIR_ "/.victim.bin.tmp-lora");
}

static void test_bad_paths(void) {
    lora_atomic_file af;
    lora_dir_txn t;
    CHECK_ERR(lora_atomic_open(&af, ""), LORA_ERR_INVALID_ARG);
    CHECK(strstr(lora_last_error(), "empty") != NULL);
    CHECK_ERR(lora_atomic_open(&af, DIR_ "/"), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_atomic_open(&af, DIR_ "/.."), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_atomic_open(&af, DIR_), LORA_ERR_IO);            /* an existing directory */
    CHECK_ERR(lora_dir_begin(&t, ""), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_dir_begin(&t, "/"), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_dir_begin(&t, "///"), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_dir_begin(&t, "."), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_dir_begin(&t, DIR_ "/x/.."), LORA_ERR_INVALID_ARG);
}

static void put_file(const char *dir, const char *name, const char *text) {
    char p[512];
    lora_atomic_file af;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    CHECK_OK(lora_atomic_open(&af, p));
    lora_atomic_write(&af, text, strlen(text));
    CHECK_OK(lora_atomic_commit(&af));
}

static void test_dir_txn(void) {
    const char *dir = DIR_ "/ad";
    lora_dir_txn t;
    char *d;
    /* new directory: one rename */
    CHECK_OK(lora_dir_begin(&t, dir));
    put_file(lora_dir_path(&t), "a.json", "v1");
    CHECK(access(dir, F_OK) != 0);          /* nothing visible before the commit */
    CHECK_OK(lora_dir_commit(&t));
    d = test_slurp(DIR_ "/ad/a.json", NULL);
    CHECK(d && strcmp(d, "v1") == 0);
    free(d);
    /* a foreign file and folder in it survive a replacement */
    put_file(dir, "README.md", "mine");
    CHECK(mkdir(DIR_ "/ad/checkpoint", 0755) == 0);
    put_file(DIR_ "/ad/checkpoint", "state", "s");
    CHECK_OK(lora_dir_begin(&t, dir));
    put_file(lora_dir_path(&t), "a.json", "v2");
    d = test_slurp(DIR_ "/ad/a.json", NULL);
    CHECK(d && strcmp(d, "v1") == 0);       /* the old one is intact until the commit */
    free(d);
    CHECK_OK(lora_dir_commit(&t));
    d = test_slurp(DIR_ "/ad/a.json", NULL); CHECK(d && strcmp(d, "v2") == 0); free(d);
    d = test_slurp(DIR_ "/ad/README.md", NULL); CHECK(d && strcmp(d, "mine") == 0); free(d);
    d = test_slurp(DIR_ "/ad/checkpoint/state", NULL); CHECK(d && strcmp(d, "s") == 0); free(d);
    /* abort: the old directory stays, the new one disappears */
    CHECK_OK(lora_dir_begin(&t, dir));
    put_file(lora_dir_path(&t), "a.json", "v3");
    lora_dir_abort(&t);
    d = test_slurp(DIR_ "/ad/a.json", NULL); CHECK(d && strcmp(d, "v2") == 0); free(d);
    CHECK(count_entries(DIR_, "tmp-lora") == 0);
    CHECK(count_entries(DIR_, "old-lora") == 0);
    /* a regular file where the directory should be */
    put_file(DIR_, "plain", "x");
    CHECK_ERR(lora_dir_begin(&t, DIR_ "/plain"), LORA_ERR_IO);
}

static void test_concurrent_dirs(void) {
    const char *dir = DIR_ "/cd";
    pid_t pids[4];
    int k, st, ok = 0;
    for (k = 0; k < 4; k++) {
        pids[k] = fork();
        if (pids[k] == 0) {
            lora_dir_txn t;
            char text[64], p[512];
            int i, bad = 0;
            for (i = 0; i < 5; i++) {
                if (lora_dir_begin(&t, dir) != LORA_OK) { bad = 1; break; }
                snprintf(text, sizeof text, "writer %d round %d", k, i);
                snprintf(p, sizeof p, "%s/a", lora_dir_path(&t));
                { lora_atomic_file af; if (lora_atomic_open(&af, p) == LORA_OK) { lora_atomic_write(&af, text, strlen(text)); lora_atomic_commit(&af); } }
                snprintf(p, sizeof p, "%s/b", lora_dir_path(&t));
                { lora_atomic_file af; if (lora_atomic_open(&af, p) == LORA_OK) { lora_atomic_write(&af, text, strlen(text)); lora_atomic_commit(&af); } }
                if (lora_dir_commit(&t) != LORA_OK) bad = 1;   /* may lose a race: an error, never a mix */
            }
            _exit(bad ? 1 : 0);
        }
    }
    for (k = 0; k < 4; k++) { waitpid(pids[k], &st, 0); if (WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++; }
    {
        char *a = test_slurp(DIR_ "/cd/a", NULL), *b = test_slurp(DIR_ "/cd/b", NULL);
        CHECK(a && b && strcmp(a, b) == 0);   /* both files of one save, never one writer's a with another's b */
        free(a); free(b);
    }
    CHECK(ok >= 1);
    printf("concurrent directory writers: %d of 4 finished every save without losing a race\n", ok);
}

static void test_float_shortest(void) {
    static const float v[] = {0.05f, 0.1f, 1e-5f, 3.14159274f, 16.0f, 0.3f, 1e-8f, 123456.7f, 2e-3f, 0.999f};
    static const char *want[] = {"0.05", "0.1", "1e-05", "3.1415927", "16", "0.3", "1e-08", "123456.7", "0.002", "0.999"};
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        lora_buf b;
        memset(&b, 0, sizeof b);
        lora_json_write_float(&b, v[i]);
        lora_buf_puts(&b, "");
        CHECK(b.data && b.len == strlen(want[i]) && memcmp(b.data, want[i], b.len) == 0);
        if (!(b.data && b.len == strlen(want[i]) && memcmp(b.data, want[i], b.len) == 0))
            printf("  %.9g written as '%.*s', expected '%s'\n", (double)v[i], (int)b.len, b.data ? b.data : "", want[i]);
        CHECK((float)strtod(b.data, NULL) == v[i]);
        lora_buf_free(&b);
    }
    /* every float of a sweep reads back exactly */
    {
        uint32_t bits;
        int bad = 0;
        for (bits = 0x00800000u; bits < 0x7f000000u; bits += 0x00F0F0F1u) {
            float x;
            lora_buf b;
            memcpy(&x, &bits, 4);
            memset(&b, 0, sizeof b);
            lora_json_write_float(&b, x);
            lora_buf_puts(&b, "");
            if (!b.data || (float)strtod(b.data, NULL) != x) bad++;
            lora_buf_free(&b);
        }
        CHECK(bad == 0);
    }
}

int main(void) {
    rm_rf(DIR_);
    CHECK(mkdir("build", 0755) == 0 || errno == EEXIST);
    CHECK(mkdir(DIR_, 0755) == 0);
    test_bad_paths();
    test_concurrent_writers();
    test_planted_symlinks();
    test_dir_txn();
    test_concurrent_dirs();
    test_float_shortest();
    return TEST_END();
}
