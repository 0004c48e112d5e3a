/* libFuzzer target for the tools' option parser (tools/cli.h): the input is a command line, one
   argument per line; a line "@@" starts a --config-file text (JSON) merged before the arguments.
   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_cli.c -lm -lpthread -o fuzz-cli
   Properties: no crash or leak; every number an accessor returns when its option was given is
   within the accepted range and finite (never the wrapped or NaN value); a string value never
   looks like an option unless written --name=value; cli_done succeeds only when every argument was
   used; cli_split_ints returns values in range. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define LORA_STATIC
#define LORA_IMPLEMENTATION
#include "lora.h"
#include "tools/cli.h"
#include <stdio.h>
#include <stdlib.h>

static void check(int ok, const char *what) {
    if (!ok) { fprintf(stderr, "fuzz_cli: property violated: %s\n", what); abort(); }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *buf, *argv[66], *cfg = NULL, *p;
    int argc = 0, i;
    cli_args a;
    long long iv;
    double dv, betas[2] = {0.9, 0.999};
    const char *s;
    if (size > 4096) return 0;
    buf = (char *)malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    argv[argc++] = (char *)"lora-fuzz";
    for (p = buf; p && argc < 65;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        if (strcmp(p, "@@") == 0) { cfg = nl ? nl + 1 : NULL; break; }
        argv[argc++] = p;
        p = nl ? nl + 1 : NULL;
    }
    argv[argc] = NULL;
    cli_init(&a, argc, argv);
    a.err = NULL;
    if (cfg) cli_config_text(&a, cfg, strlen(cfg), "fuzz.json");
    iv = cli_int(&a, "--batch", -7, 1, 65536);
    check(iv == -7 || (iv >= 1 && iv <= 65536), "--batch in range");
    iv = cli_int(&a, "--steps", -7, 1, INT_MAX);
    check(iv == -7 || (iv >= 1 && iv <= INT_MAX), "--steps in range");
    iv = cli_long(&a, "--any", -7);
    dv = cli_real(&a, "--lr", -1.0, 0.0, 10.0);
    check(dv == -1.0 || (dv >= 0.0 && dv <= 10.0 && (dv == 0 || dv >= 1.17549435e-38)), "--lr in range and normal");
    dv = cli_real(&a, "--epochs", -1.0, 1e-6, 1e6);
    check(dv == -1.0 || (isfinite(dv) && dv >= 1e-6 && dv <= 1e6), "--epochs in range");
    dv = cli_double(&a, "--x", 0.5);
    check(isfinite(dv), "--x finite");
    (void)cli_u64(&a, "--seed", 42);
    if (cli_reals(&a, "--betas", 2, betas, 0.0, 0.999999))
        check(betas[0] >= 0 && betas[0] <= 0.999999 && betas[1] >= 0 && betas[1] <= 0.999999, "--betas in range");
    s = cli_str(&a, "--adapter-out", NULL);
    (void)cli_flag(&a, "--quiet");
    (void)cli_flag(&a, "--full");
    s = cli_str(&a, "--layers", NULL);
    if (s) {
        int n = 0, *v = cli_split_ints(s, &n, 0, 11);
        if (v) for (i = 0; i < n; i++) check(v[i] >= 0 && v[i] <= 11, "--layers in range");
        free(v);
    }
    s = cli_str(&a, "--targets", NULL);
    if (s) { int n = 0; char **v = cli_split(s, &n); free(v); }
    if (cli_done(&a)) for (i = 1; i < a.argc; i++) check(a.used[i], "cli_done succeeded with an unused argument");
    cli_free(&a);
    free(buf);
    return 0;
}
