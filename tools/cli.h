/* Command-line parsing shared by every tool in tools/ (not part of the library).

   One parser, so every tool treats options the same way. The rules:
   - Options are "--name VALUE" or "--name=VALUE"; flags are "--name".
   - A repeated option: the LAST occurrence wins (so a command line overrides a --config-file, and
     a script may append an override). Every occurrence counts as used.
   - A value that looks like an option ("--quiet", "-x"; not "-1" or "-.5") is an error:
     "--adapter-out --quiet" never takes "--quiet" as the path. Write --adapter-out=--quiet to
     mean it.
   - Numbers are parsed whole: trailing junk, overflow, NaN and Inf are errors, and every number
     is range-checked; the message names the option and the accepted range:
        lora-finetune: --batch expects an integer in [1, 1048576], got '0'
   - Anything not asked for is "unknown argument" (cli_done), so typos never pass silently.
   - A --config-file (cli_config_file) is a JSON object of the same options without the dashes;
     its values come BEFORE the command line, so the command line overrides the file.

   API (a cli_args per run; errors set a->failed and print "<prog>: message" to a->err):
     cli_init(&a, argc, argv)                 ...  cli_done(&a) -> 1 if no error  ... cli_free(&a)
     cli_str(&a, "--name", def)               string (def when absent)
     cli_flag(&a, "--name")                   1 if present
     cli_int(&a, "--name", def, lo, hi)       integer in [lo, hi] (long long)
     cli_real(&a, "--name", def, lo, hi)      finite double in [lo, hi]; a nonzero value whose
                                              magnitude is below FLT_MIN (a float denormal) is
                                              rejected too: the library computes in float
     cli_u64(&a, "--name", def)               unsigned 64-bit (seeds)
     cli_reals(&a, "--name", n, out, lo, hi)  exactly n comma-separated reals ("0.9,0.999")
     cli_config_file(&a, "--config-file")     merges a JSON options file (see above)
     cli_parse_int(s, &v, lo, hi) / cli_parse_real(s, &v, lo, hi)   the checks alone (0 = bad)
     cli_split(s, &n) / cli_split_ints(s, &n, lo, hi)   comma lists (free() the result)
   cli_long / cli_double are the unbounded forms of cli_int / cli_real (still strict). */
#ifndef LORA_TOOLS_CLI_H
#define LORA_TOOLS_CLI_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stdint.h>
#include <limits.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>

#if defined(__GNUC__) || defined(__clang__)
#define CLI_FN static __attribute__((unused))
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_FN static
#define CLI_PRINTF(a, b)
#endif

typedef struct cli_args {
    int argc;
    char **argv;
    unsigned char *used;
    const char *prog;
    int failed;
    FILE *err;          /* where messages go (stderr; NULL: nowhere) */
    char **merged;      /* argv built by cli_config_file (owned) */
    char *storage;      /* its strings (owned) */
} cli_args;

static void cli__error(cli_args *a, const char *fmt, ...) CLI_PRINTF(2, 3);
static void cli__error(cli_args *a, const char *fmt, ...) {
    va_list ap;
    a->failed = 1;
    if (!a->err) return;
    fprintf(a->err, "%s: ", a->prog);
    va_start(ap, fmt);
    vfprintf(a->err, fmt, ap);
    va_end(ap);
    fputc('\n', a->err);
}

CLI_FN void cli_free(cli_args *a) {
    free(a->used); free(a->merged); free(a->storage);
    a->used = NULL; a->merged = NULL; a->storage = NULL;
}

CLI_FN void cli_init(cli_args *a, int argc, char **argv) {
    memset(a, 0, sizeof *a);
    a->argc = argc > 0 ? argc : 0;
    a->argv = argv;
    a->prog = argc > 0 && argv[0] ? argv[0] : "lora";
    if (strrchr(a->prog, '/')) a->prog = strrchr(a->prog, '/') + 1;
    a->err = stderr;
    a->used = (unsigned char *)calloc((size_t)a->argc + 1, 1);
    if (!a->used) { a->argc = 0; cli__error(a, "out of memory"); return; }
    if (a->argc) a->used[0] = 1;
}

/* Looks like an option rather than a value: "--x", "-x" (not "-", "-1", "-.5"). */
CLI_FN int cli_is_option(const char *s) {
    if (s[0] != '-' || s[1] == 0) return 0;
    if (s[1] == '-') return 1;
    return !(s[1] >= '0' && s[1] <= '9') && s[1] != '.';
}

CLI_FN int cli_find(cli_args *a, const char *name) {
    int i, last = -1;
    for (i = 1; i < a->argc; i++)
        if (strcmp(a->argv[i], name) == 0) { a->used[i] = 1; last = i; }
    return last;
}

/* --name VALUE or --name=VALUE (the last one given); def when absent */
CLI_FN const char *cli_str(cli_args *a, const char *name, const char *def) {
    size_t n = strlen(name);
    const char *v = def;
    int i;
    for (i = 1; i < a->argc; i++) {
        const char *s = a->argv[i];
        if (strncmp(s, name, n) != 0) continue;
        if (s[n] == '=') { a->used[i] = 1; v = s + n + 1; continue; }
        if (s[n] != 0) continue;
        a->used[i] = 1;
        if (i + 1 >= a->argc) { cli__error(a, "%s needs a value", name); return def; }
        if (cli_is_option(a->argv[i + 1])) {
            cli__error(a, "%s needs a value, found the option '%s' (write %s=%s if that is the value)", name, a->argv[i + 1], name,
                       a->argv[i + 1]);
            a->used[i + 1] = 1;
            return def;
        }
        a->used[i + 1] = 1;
        v = a->argv[++i];
    }
    return v;
}
CLI_FN int cli_flag(cli_args *a, const char *name) { return cli_find(a, name) >= 0; }

/* The checks alone: s is a whole integer in [lo, hi] / a finite real in [lo, hi] that is not a
   float denormal. 1 = good. */
CLI_FN int cli_parse_int(const char *s, long long *out, long long lo, long long hi) {
    char *end;
    long long v;
    const char *p = s;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p || !((*p >= '0' && *p <= '9') || *p == '-' || *p == '+')) return 0;
    errno = 0;
    v = strtoll(p, &end, 10);
    if (end == p || *end || errno || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}
/* why a real was refused: 1 not a number (junk, NaN, Inf, overflow), 2 outside [lo, hi], 3 a nonzero
   value too small for a normal float (the library computes in float) */
static int cli__real_check(const char *s, double *out, double lo, double hi) {
    char *end;
    double v;
    const char *p = s, *q;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) return 1;
    for (q = p; *q; q++) /* digits, sign, '.', exponent only: no "inf", "nan", hex floats */
        if (!((*q >= '0' && *q <= '9') || *q == '-' || *q == '+' || *q == '.' || *q == 'e' || *q == 'E')) return 1;
    errno = 0;
    v = strtod(p, &end);
    if (end == p || *end || !isfinite(v)) return 1;
    if (errno == ERANGE && fabs(v) >= 1.0) return 1;          /* overflow */
    if (v != 0 && fabs(v) < (double)FLT_MIN) return 3;        /* float denormal */
    if (v == 0) /* underflow to 0: only a zero mantissa is zero */
        for (q = p; *q && *q != 'e' && *q != 'E'; q++) if (*q >= '1' && *q <= '9') return 3;
    if (!(v >= lo && v <= hi)) return 2;
    *out = v;
    return 0;
}
CLI_FN int cli_parse_real(const char *s, double *out, double lo, double hi) { return cli__real_check(s, out, lo, hi) == 0; }

static void cli__range_int(char *buf, size_t n, long long lo, long long hi) {
    if (lo == LLONG_MIN && hi == LLONG_MAX) snprintf(buf, n, "an integer");
    else if (hi == LLONG_MAX) snprintf(buf, n, "an integer >= %lld", lo);
    else snprintf(buf, n, "an integer in [%lld, %lld]", lo, hi);
}
static void cli__range_real(char *buf, size_t n, double lo, double hi) {
    if (lo <= -DBL_MAX && hi >= DBL_MAX) snprintf(buf, n, "a finite number");
    else if (hi >= DBL_MAX) snprintf(buf, n, "a number >= %g", lo);
    else snprintf(buf, n, "a number in [%g, %g]", lo, hi);
}

CLI_FN long long cli_int(cli_args *a, const char *name, long long def, long long lo, long long hi) {
    const char *s = cli_str(a, name, NULL);
    long long v;
    char r[96];
    if (!s) return def;
    if (!cli_parse_int(s, &v, lo, hi)) {
        cli__range_int(r, sizeof r, lo, hi);
        cli__error(a, "%s expects %s, got '%s'", name, r, s);
        return def;
    }
    return v;
}
CLI_FN double cli_real(cli_args *a, const char *name, double def, double lo, double hi) {
    const char *s = cli_str(a, name, NULL);
    double v;
    char r[96];
    int why;
    if (!s) return def;
    if ((why = cli__real_check(s, &v, lo, hi)) != 0) {
        cli__range_real(r, sizeof r, lo, hi);
        cli__error(a, "%s expects %s, got '%s'%s", name, r, s, why == 3 ? " (too close to 0: below 1.18e-38, the smallest normal float)" : "");
        return def;
    }
    return v;
}
CLI_FN long cli_long(cli_args *a, const char *name, long def) { return (long)cli_int(a, name, def, LONG_MIN, LONG_MAX); }
CLI_FN double cli_double(cli_args *a, const char *name, double def) { return cli_real(a, name, def, -DBL_MAX, DBL_MAX); }

/* an unsigned 64-bit integer (seeds) */
CLI_FN uint64_t cli_u64(cli_args *a, const char *name, uint64_t def) {
    const char *s = cli_str(a, name, NULL);
    char *end;
    unsigned long long v;
    if (!s) return def;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (end == s || *end || errno || !(*s >= '0' && *s <= '9')) {
        cli__error(a, "%s expects an integer in [0, 18446744073709551615], got '%s'", name, s);
        return def;
    }
    return (uint64_t)v;
}

/* exactly n comma-separated reals in [lo, hi] ("--betas 0.9,0.999"); out untouched when absent
   or bad; returns 1 when given and good */
CLI_FN int cli_reals(cli_args *a, const char *name, int n, double *out, double lo, double hi) {
    const char *s = cli_str(a, name, NULL);
    double tmp[16];
    char part[64], r[96];
    int k = 0;
    const char *p;
    if (!s) return 0;
    if (n > 16) n = 16;
    p = s;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (k >= n || len >= sizeof part) { k = -1; break; }
        memcpy(part, p, len);
        part[len] = 0;
        if (!cli_parse_real(part, &tmp[k], lo, hi)) { k = -1; break; }
        k++;
        if (!c) break;
        p = c + 1;
    }
    if (k != n) {
        cli__range_real(r, sizeof r, lo, hi);
        cli__error(a, "%s expects %d comma-separated values, each %s, got '%s'", name, n, r, s);
        return 0;
    }
    memcpy(out, tmp, sizeof(double) * (size_t)n);
    return 1;
}

/* Fails on arguments nobody asked for (typos must not pass silently). */
CLI_FN int cli_done(cli_args *a) {
    int i;
    for (i = 1; i < a->argc; i++)
        if (!a->used[i]) cli__error(a, "unknown argument '%s' (see --help)", a->argv[i]);
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

/* "0,1,5" -> ints, each in [lo, hi] (free the result); NULL on a bad list */
CLI_FN int *cli_split_ints(const char *s, int *n, int lo, int hi) {
    int k, i;
    char **parts = cli_split(s, &k);
    int *v = (int *)malloc(sizeof(int) * (size_t)(k ? k : 1));
    *n = 0;
    if (!parts || !v) { free(parts); free(v); return NULL; }
    for (i = 0; i < k; i++) {
        long long x;
        if (!cli_parse_int(parts[i], &x, lo, hi)) { free(parts); free(v); return NULL; }
        v[(*n)++] = (int)x;
    }
    free(parts);
    return v;
}

/* --chat-template auto|plain|chatml|llama3 -> lora_chat_template (lora_data_config.chat); -1 otherwise */
CLI_FN int cli_chat_template(const char *s) {
    static const char *const names[] = {"auto", "plain", "chatml", "llama3"};
    static const lora_chat_template values[] = {LORA_CHAT_AUTO, LORA_CHAT_PLAIN, LORA_CHAT_CHATML, LORA_CHAT_LLAMA3};
    int i;
    for (i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) return (int)values[i];
    return -1;
}

/* ---- --config-file: a JSON object of options without their dashes ----
   {"lr": 0.002, "targets": "c_attn", "quiet": true, "no-pack": false}: strings and numbers are
   values, true is a flag, false and null leave the option out. The file's options are placed
   before the command line's, so the command line wins. Needs lora.h (lora_read_file and the JSON
   parser); define CLI_NO_CONFIG_FILE to leave it out. */
#ifndef CLI_NO_CONFIG_FILE
#include "lora.h"
/* Merges the options of a parsed JSON text (what = file name for messages); 1 = good. */
CLI_FN int cli_config_text(cli_args *a, const char *text, size_t len, const char *what) {
    lora_json *j = NULL;
    size_t i, total = 0, k = 0;
    int c;
    char *p;
    if (lora_json_parse(text, len, what, &j) != LORA_OK) { cli__error(a, "%s", lora_last_error()); return 0; }
    if (j->type != LORA_JSON_OBJECT) { cli__error(a, "%s: expected a JSON object of options", what); lora_json_free(j); return 0; }
    for (i = 0; i < j->n; i++) {
        const lora_json *v = &j->items[i];
        const char *key = j->keys[i];
        if (!*key || key[0] == '-' || strchr(key, '=') || strcmp(key, "config-file") == 0) {
            cli__error(a, "%s: \"%s\" is not an option name (names have no dashes in front; no config-file inside one)", what, key);
            lora_json_free(j);
            return 0;
        }
        if (v->type != LORA_JSON_STRING && v->type != LORA_JSON_NUMBER && v->type != LORA_JSON_TRUE && v->type != LORA_JSON_FALSE &&
            v->type != LORA_JSON_NULL) {
            cli__error(a, "%s: option \"%s\" must be a string, number or boolean", what, key);
            lora_json_free(j);
            return 0;
        }
        if (v->type == LORA_JSON_STRING && strlen(v->str) != v->len) {
            cli__error(a, "%s: option \"%s\" contains a NUL character", what, key);
            lora_json_free(j);
            return 0;
        }
        total += strlen(key) + 4 + 40 + (v->type == LORA_JSON_STRING ? v->len : 0);
    }
    free(a->merged); free(a->storage);
    a->merged = (char **)calloc((size_t)a->argc + j->n + 1, sizeof(char *));
    a->storage = p = (char *)malloc(total + 1);
    if (!a->merged || !p) { cli__error(a, "out of memory"); lora_json_free(j); return 0; }
    a->merged[k++] = a->argc ? a->argv[0] : (char *)"lora";
    for (i = 0; i < j->n; i++) {   /* the file first: the command line, later, wins */
        const lora_json *v = &j->items[i];
        if (v->type == LORA_JSON_FALSE || v->type == LORA_JSON_NULL) continue;
        a->merged[k++] = p;
        if (v->type == LORA_JSON_TRUE) p += sprintf(p, "--%s", j->keys[i]) + 1;
        else if (v->type == LORA_JSON_STRING) { p += sprintf(p, "--%s=", j->keys[i]); memcpy(p, v->str, v->len + 1); p += v->len + 1; }
        else p += sprintf(p, "--%s=%.17g", j->keys[i], v->number) + 1;
    }
    lora_json_free(j);
    for (c = 1; c < a->argc; c++) a->merged[k++] = a->argv[c];
    {
        unsigned char *used = (unsigned char *)calloc(k + 1, 1);
        size_t off = k - (size_t)(a->argc > 0 ? a->argc - 1 : 0);
        if (!used) { cli__error(a, "out of memory"); return 0; }
        used[0] = 1;
        for (c = 1; c < a->argc; c++) used[off + (size_t)c - 1] = a->used[c];
        free(a->used);
        a->used = used;
    }
    a->argv = a->merged;
    a->argc = (int)k;
    return 1;
}
/* Reads the file named by option (e.g. "--config-file") if given; 1 = good or absent. */
CLI_FN int cli_config_file(cli_args *a, const char *option) {
    const char *path = cli_str(a, option, NULL);
    char *text = NULL;
    size_t len = 0;
    int ok;
    if (!path) return !a->failed;
    if (lora_read_file(path, &text, &len) != LORA_OK) { cli__error(a, "%s: %s", option, lora_last_error()); return 0; }
    ok = cli_config_text(a, text, len, path);
    lora_free(text);
    return ok;
}
#endif
#endif
