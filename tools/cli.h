/* Small command-line helpers shared by the tools in tools/ (not part of the library). */
#ifndef LORA_TOOLS_CLI_H
#define LORA_TOOLS_CLI_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define CLI_FN static __attribute__((unused))
#else
#define CLI_FN static
#endif

typedef struct cli_args {
    int argc;
    char **argv;
    unsigned char used[256];
    const char *prog;
    int failed;
} cli_args;

CLI_FN void cli_init(cli_args *a, int argc, char **argv) {
    memset(a, 0, sizeof *a);
    a->argc = argc < 256 ? argc : 256;
    a->argv = argv;
    a->prog = argv[0];
    a->used[0] = 1;
}

CLI_FN int cli_find(cli_args *a, const char *name) {
    int i;
    for (i = 1; i < a->argc; i++)
        if (strcmp(a->argv[i], name) == 0) { a->used[i] = 1; return i; }
    return -1;
}

/* --name VALUE or --name=VALUE; def when absent */
CLI_FN const char *cli_str(cli_args *a, const char *name, const char *def) {
    int i = cli_find(a, name);
    if (i < 0) {
        size_t n = strlen(name);
        for (i = 1; i < a->argc; i++)
            if (strncmp(a->argv[i], name, n) == 0 && a->argv[i][n] == '=') { a->used[i] = 1; return a->argv[i] + n + 1; }
        return def;
    }
    if (i + 1 >= a->argc) { fprintf(stderr, "%s: %s needs a value\n", a->prog, name); a->failed = 1; return def; }
    a->used[i + 1] = 1;
    return a->argv[i + 1];
}
CLI_FN int cli_flag(cli_args *a, const char *name) { return cli_find(a, name) >= 0; }

CLI_FN double cli_double(cli_args *a, const char *name, double def) {
    const char *s = cli_str(a, name, NULL);
    char *end;
    double v;
    if (!s) return def;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end || errno) { fprintf(stderr, "%s: %s expects a number, got '%s'\n", a->prog, name, s); a->failed = 1; return def; }
    return v;
}
CLI_FN long cli_long(cli_args *a, const char *name, long def) {
    const char *s = cli_str(a, name, NULL);
    char *end;
    long v;
    if (!s) return def;
    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end || errno) { fprintf(stderr, "%s: %s expects an integer, got '%s'\n", a->prog, name, s); a->failed = 1; return def; }
    return v;
}

/* an unsigned 64-bit integer (seeds) */
CLI_FN uint64_t cli_u64(cli_args *a, const char *name, uint64_t def) {
    const char *s = cli_str(a, name, NULL);
    char *end;
    unsigned long long v;
    if (!s) return def;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (end == s || *end || errno || *s == '-') {
        fprintf(stderr, "%s: %s expects a non-negative integer, got '%s'\n", a->prog, name, s);
        a->failed = 1;
        return def;
    }
    return (uint64_t)v;
}

/* Fails on arguments nobody asked for (typos must not pass silently). */
CLI_FN int cli_done(cli_args *a) {
    int i;
    for (i = 1; i < a->argc; i++)
        if (!a->used[i]) { fprintf(stderr, "%s: unknown argument '%s' (see --help)\n", a->prog, a->argv[i]); a->failed = 1; }
    return !a->failed;
}

/* Splits "a,b,c" into a NULL-terminated array (one allocation; free the result). */
CLI_FN char **cli_split(const char *s, int *n) {
    size_t len = strlen(s), k = 1, i;
    char **v, *buf;
    for (i = 0; i < len; i++) k += s[i] == ',';
    v = (char **)malloc((k + 1) * sizeof *v + len + 1);
    if (!v) { *n = 0; return NULL; }
    buf = (char *)(v + k + 1);
    memcpy(buf, s, len + 1);
    *n = 0;
    v[(*n)++] = buf;
    for (i = 0; i < len; i++)
        if (buf[i] == ',') { buf[i] = 0; v[(*n)++] = buf + i + 1; }
    v[*n] = NULL;
    return v;
}

/* "0,1,5" -> ints (free the result) */
CLI_FN int *cli_split_ints(const char *s, int *n) {
    int k, i;
    char **parts = cli_split(s, &k);
    int *v = (int *)malloc(sizeof(int) * (size_t)(k ? k : 1));
    *n = 0;
    if (!parts || !v) { free(parts); free(v); return NULL; }
    for (i = 0; i < k; i++) {
        char *end;
        long x = strtol(parts[i], &end, 10);
        if (end == parts[i] || *end || x < 0) { free(parts); free(v); return NULL; }
        v[(*n)++] = (int)x;
    }
    free(parts);
    return v;
}
#endif
