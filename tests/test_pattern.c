/* Regex engine vs Python's re (tests/fixtures/regex_cases.txt, from make_regex_cases.py) and
   PEFT's target_modules rules on GPT-2's module names (counts cross-checked with the oracle:
   oracle.py inspect --preset gpt2 --r 8 --targets ... / --target-regex ... / --exclude ...). */
#include "lora.h"
#include "test.h"
#include <stdlib.h>
#include <time.h>

#define FIXTURE "tests/fixtures/regex_cases.txt"

/* ---- fixture ---- */
static int hexv(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}
/* Decodes %XX in place. */
static char *unescape(char *s) {
    char *r = s, *w = s;
    while (*r) {
        if (r[0] == '%' && hexv(r[1]) >= 0 && hexv(r[2]) >= 0) {
            *w++ = (char)(hexv(r[1]) * 16 + hexv(r[2]));
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    return s;
}
/* Splits line at TABs into at most max fields (the last keeps the rest). */
static int split(char *line, char **f, int max) {
    int n = 0;
    f[n++] = line;
    while (n < max && (line = strchr(line, '\t')) != NULL) {
        *line++ = 0;
        f[n++] = line;
    }
    return n;
}

/* One check per fixture case; only the first 20 failures are printed. */
#define CASE(ok, bad, ...) do { if (ok) test_passed++; else { test_failed++; \
    if ((bad)++ < 20) { fprintf(stderr, "%s:%d: FAILED: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); \
    fputc('\n', stderr); } } } while (0)

static void test_fixture(void) {
    FILE *fp = fopen(FIXTURE, "rb");
    char line[70000], *f[5];
    int nm = 0, ne = 0, nl = 0, bad_m = 0, bad_e = 0, bad_l = 0;
    CHECK_MSG(fp != NULL, "cannot open %s (run the tests from the repository root)", FIXTURE);
    if (!fp) return;
    while (fgets(line, sizeof line, fp)) {
        size_t len = strlen(line);
        lora_regex *re = NULL;
        lora_status s;
        if (len && line[len - 1] == '\n') line[--len] = 0;
        if (!len || line[0] == '#') continue;
        if (line[0] == 'M' && split(line, f, 5) == 5) {
            int full = atoi(f[1]), search = atoi(f[2]), gf, gs;
            unescape(f[3]);
            unescape(f[4]);
            nm++;
            s = lora_regex_compile(f[3], &re);
            CASE(s == LORA_OK, bad_m, "M '%s': compile failed: %s", f[3], lora_last_error());
            if (s != LORA_OK) continue;
            gf = lora_regex_fullmatch(re, f[4]);
            gs = lora_regex_search(re, f[4]);
            CASE(gf == full && gs == search, bad_m, "pattern '%s' text '%s': fullmatch %d search %d, Python says %d %d",
                 f[3], f[4], gf, gs, full, search);
            lora_regex_free(re);
        } else if (line[0] == 'E' && split(line, f, 4) >= 3) {
            int pos = atoi(f[1]);
            unescape(f[2]);
            ne++;
            s = lora_regex_compile(f[2], &re);
            CASE(s == LORA_ERR_INVALID_ARG && re == NULL, bad_e, "E '%s': compile gave %s, expected LORA_ERR_INVALID_ARG",
                 f[2], lora_status_name(s));
            if (s == LORA_OK) { lora_regex_free(re); continue; }
            CASE(strstr(lora_last_error(), "invalid pattern '") && (strlen(f[2]) >= 100 || strstr(lora_last_error(), f[2])),
                 bad_e, "E '%s': message does not name the pattern: %s", f[2], lora_last_error());
            if (pos >= 0) {
                char want[64];
                const char *at = strstr(lora_last_error(), "at position ");
                sprintf(want, "at position %d", pos);
                CASE(at && strcmp(at, want) == 0, bad_e, "E '%s': Python says position %d (%s), we say: %s", f[2], pos,
                     f[3], lora_last_error());
            } else {
                CASE(strstr(lora_last_error(), "at position ") != NULL, bad_e, "E '%s': message has no position: %s", f[2],
                     lora_last_error());
            }
        } else if (line[0] == 'L' && split(line, f, 4) == 4) {
            int want = atoi(f[2]), got;
            const char *lp = strcmp(f[1], "-") == 0 ? NULL : unescape(f[1]);
            unescape(f[3]);
            nl++;
            got = lora_layer_index(f[3], lp);
            CASE(got == want, bad_l, "layer index of '%s' with layers_pattern %s: %d, Python/PEFT says %d", f[3],
                 lp ? lp : "(default)", got, want);
        } else {
            CHECK_MSG(0, "bad fixture line: %s", line);
        }
    }
    fclose(fp);
    printf("fixture: %d match cases (%d wrong), %d compile errors (%d wrong), %d layer indexes (%d wrong)\n", nm, bad_m, ne,
           bad_e, nl, bad_l);
    CHECK(nm > 1000 && ne > 50 && nl > 100);
}

/* ---- regex API ---- */
static int full(const char *pat, const char *text) {
    lora_regex *re;
    int r;
    if (lora_regex_compile(pat, &re) != LORA_OK) return -9;
    r = lora_regex_fullmatch(re, text);
    lora_regex_free(re);
    return r;
}

static void test_regex_api(void) {
    lora_regex *re = NULL;
    char *big;
    int i;
    clock_t t0;
    /* basics (also in the fixture) */
    CHECK(full("a|ab", "ab") == 1);
    CHECK(full(".*attn\\.c_attn", "transformer.h.0.attn.c_attn") == 1);
    CHECK(full("c_attn", "transformer.h.0.attn.c_attn") == 0);
    /* arguments */
    CHECK_ERR(lora_regex_compile(NULL, &re), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_regex_compile("a", NULL), LORA_ERR_INVALID_ARG);
    CHECK(lora_regex_fullmatch(NULL, "a") == -1);
    CHECK_OK(lora_regex_compile("a", &re));
    CHECK(lora_regex_fullmatch(re, NULL) == -1);
    CHECK(lora_regex_search(re, NULL) == -1);
    lora_regex_free(re);
    lora_regex_free(NULL);
    /* messages */
    CHECK_ERR(lora_regex_compile("model.(layers|h", &re), LORA_ERR_INVALID_ARG);
    CHECK(re == NULL);
    CHECK_MSG(strcmp(lora_last_error(),
                     "invalid pattern 'model.(layers|h': missing ), unterminated subpattern at position 6") == 0,
              "%s", lora_last_error());
    CHECK_ERR(lora_regex_compile("(?<=attn)c_proj", &re), LORA_ERR_INVALID_ARG);
    CHECK_MSG(strstr(lora_last_error(), "lookbehind") && strstr(lora_last_error(), "not supported") &&
                  strstr(lora_last_error(), "at position 0"), "%s", lora_last_error());
    CHECK_ERR(lora_regex_compile("a{1001}", &re), LORA_ERR_INVALID_ARG);
    CHECK_MSG(strstr(lora_last_error(), "1000") != NULL, "%s", lora_last_error());
    CHECK_ERR(lora_regex_compile("(?:a{1000}){1000}", &re), LORA_ERR_INVALID_ARG);
    CHECK_MSG(strstr(lora_last_error(), "too large") != NULL, "%s", lora_last_error());
    CHECK(full("a{1000}", "a") == 0);
    /* pattern length limit */
    big = (char *)malloc(70001);
    memset(big, 'a', 70000);
    big[70000] = 0;
    CHECK_ERR(lora_regex_compile(big, &re), LORA_ERR_INVALID_ARG);
    CHECK_MSG(strstr(lora_last_error(), "65536") != NULL, "%s", lora_last_error());
    big[60000] = 0;
    CHECK_OK(lora_regex_compile(big, &re));
    CHECK(lora_regex_fullmatch(re, big) == 1);
    big[0] = 'b';
    CHECK(lora_regex_fullmatch(re, big) == 0);
    lora_regex_free(re);
    free(big);
    /* nesting limit: 200 nested groups fine, 201 rejected */
    big = (char *)malloc(1000);
    for (i = 0; i < 200; i++) { big[i] = '('; big[200 + 1 + i] = ')'; }
    big[200] = 'a';
    big[401] = 0;
    CHECK(full(big, "a") == 1);
    CHECK(full(big, "b") == 0);
    free(big);
    /* catastrophic-backtracking patterns on long texts: linear time */
    big = (char *)malloc(20002);
    memset(big, 'a', 20000);
    big[20000] = 0;
    t0 = clock();
    CHECK(full("(a*)*b", big) == 0);
    CHECK(full("(a+)+b", big) == 0);
    CHECK(full("(a|aa)+", big) == 1);
    CHECK(full("(a|a)*c", big) == 0);
    CHECK(full("(?:a?){30}a{30}", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") == 1);
    big[20000] = 'b';
    big[20001] = 0;
    CHECK(full("(a*)*b", big) == 1);
    CHECK(full("(.*a){20}b", big) == 1);
    CHECK_MSG((double)(clock() - t0) / CLOCKS_PER_SEC < 10.0, "pathological patterns took %.1f s",
              (double)(clock() - t0) / CLOCKS_PER_SEC);
    CHECK_OK(lora_regex_compile("x+x+y", &re));
    CHECK(lora_regex_search(re, big) == 0);
    lora_regex_free(re);
    free(big);
    /* bytes that are not UTF-8 are characters of their own; never a crash */
    CHECK(full(".", "\xff") == 1);
    CHECK(full("..", "\xc3") == 0);
    CHECK(full("\xc3.", "\xc3\x28") == 1);
    CHECK(full("\xe9+", "\xe9\xe9") == 1);
    CHECK(full("[^a]", "\xed\xa0\x80") == 0); /* encoded surrogate: 3 invalid bytes */
    CHECK(full("[^a]{3}", "\xed\xa0\x80") == 1);
    CHECK(full("\\w", "\xc3\xa9") == 0); /* ASCII \w */
    CHECK(full("\\W", "\xc3\xa9") == 1);
    CHECK(full("[\\x00-\\xff]+", "abc\xc3\xbf") == 1);
}

/* ---- PEFT rules ---- */
static int starts(const char *prefix) { return strncmp(lora_last_error(), prefix, strlen(prefix)) == 0; }

static const char *names[49];
static char name_buf[48][40];
static unsigned char is_output[49];

static void make_gpt2_names(void) {
    static const char *sub[4] = {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"};
    int i, k;
    for (i = 0; i < 12; i++)
        for (k = 0; k < 4; k++) {
            sprintf(name_buf[i * 4 + k], "transformer.h.%d.%s", i, sub[k]);
            names[i * 4 + k] = name_buf[i * 4 + k];
        }
    names[48] = "lm_head";
    memset(is_output, 0, sizeof is_output);
    is_output[48] = 1;
}

static lora_target_spec spec_list(const char *const *t, int n) {
    lora_target_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.targets = t;
    sp.n_targets = n;
    return sp;
}
static lora_target_spec spec_regex(const char *re) {
    lora_target_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.target_regex = re;
    return sp;
}

/* Number selected, or -1 if the call failed. */
static int count_sel(const lora_target_spec *sp, unsigned char *sel) {
    int i, c = 0;
    lora_status s = lora_select_targets(sp, names, 49, is_output, sel);
    if (s != LORA_OK) return -1;
    for (i = 0; i < 49; i++) c += sel[i];
    return c;
}

static int selected_is(const unsigned char *sel, const char *name) {
    int i;
    for (i = 0; i < 49; i++)
        if (strcmp(names[i], name) == 0) return sel[i];
    return -1;
}

static void test_peft_rules(void) {
    unsigned char sel[49];
    lora_target_spec sp;
    const char *t1[] = {"c_proj"}, *t2[] = {"attn.c_attn"}, *t3[] = {"proj"}, *t4[] = {"c_attn", "c_proj"};
    const char *t5[] = {"c_attn", "c_proj", "c_fc"}, *tq[] = {"q_proj"}, *tqv[] = {"q_proj", "v_proj", "q_proj"};
    const char *ex1[] = {"mlp.c_proj"}, *ex2[] = {"transformer.h.0.attn.c_attn"}, *tfc[] = {"c_fc"};
    const char *texact[] = {"transformer.h.3.attn.c_attn", "c_fc"}, *tnull[] = {"c_attn", NULL}, *tempty[] = {"c_attn", ""};
    const char *tlm[] = {"lm_head"};
    const char *bad_names[] = {"transformer.h.0.attn.c_attn", NULL};
    int layers[] = {0, 11}, layer3[] = {3}, i, n;

    make_gpt2_names();
    CHECK(lora_name_matches_key("transformer.h.0.attn.c_proj", "c_proj"));
    CHECK(lora_name_matches_key("transformer.h.0.attn.c_proj", "attn.c_proj"));
    CHECK(lora_name_matches_key("transformer.h.0.attn.c_proj", "transformer.h.0.attn.c_proj"));
    CHECK(!lora_name_matches_key("transformer.h.0.attn.c_proj", "proj"));
    CHECK(!lora_name_matches_key("transformer.h.0.attn.c_proj", "n.c_proj"));
    CHECK(!lora_name_matches_key("c_proj", "attn.c_proj"));
    CHECK(!lora_name_matches_key(NULL, "a") && !lora_name_matches_key("a", NULL));

    /* list form (oracle: 24, 12, not found) */
    sp = spec_list(t1, 1);
    CHECK(count_sel(&sp, sel) == 24);
    CHECK(selected_is(sel, "transformer.h.5.attn.c_proj") == 1 && selected_is(sel, "transformer.h.5.mlp.c_proj") == 1);
    CHECK(selected_is(sel, "transformer.h.5.mlp.c_fc") == 0 && sel[48] == 0);
    sp = spec_list(t2, 1);
    CHECK(count_sel(&sp, sel) == 12);
    sp = spec_list(t4, 2);
    CHECK(count_sel(&sp, sel) == 36);
    sp = spec_list(tlm, 1);
    CHECK(count_sel(&sp, sel) == 1 && sel[48] == 1); /* named explicitly: the output layer can be targeted */
    sp = spec_list(t3, 1);
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_NOT_FOUND);
    CHECK_MSG(strcmp(lora_last_error(), "Target modules {'proj'} not found in the base model. Please check the target "
                                        "modules and try again. Module names in the base model end with: c_attn, c_proj, "
                                        "c_fc, lm_head.") == 0, "%s", lora_last_error());
    sp = spec_list(tq, 1);
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_NOT_FOUND);
    CHECK_MSG(starts("Target modules {'q_proj'} not found in the base model. Please check the target "
                                         "modules and try again."), "%s", lora_last_error());
    sp = spec_list(tqv, 3);
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_NOT_FOUND);
    CHECK_MSG(starts("Target modules {'q_proj', 'v_proj'} not found"), "%s", lora_last_error());
    for (i = 0; i < 49; i++) sel[i] = 7;
    sp = spec_list(tempty, 2); /* "" matches nothing (PEFT); c_attn still works */
    CHECK(count_sel(&sp, sel) == 12);

    /* string form: fullmatch (oracle: none, 12, 2) */
    sp = spec_regex("c_attn");
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_NOT_FOUND);
    CHECK_MSG(starts("Target modules c_attn not found in the base model. Please check the target "
                                         "modules and try again. Module names in the base model end with: c_attn"),
              "%s", lora_last_error());
    sp = spec_regex(".*attn\\.c_attn");
    CHECK(count_sel(&sp, sel) == 12);
    sp = spec_regex(".*\\.(0|1)\\.attn\\.c_attn");
    CHECK(count_sel(&sp, sel) == 2);
    CHECK(selected_is(sel, "transformer.h.0.attn.c_attn") == 1 && selected_is(sel, "transformer.h.1.attn.c_attn") == 1);
    CHECK(selected_is(sel, "transformer.h.10.attn.c_attn") == 0);
    sp = spec_regex(".*\\.h\\.(1[01]|[0-9])\\.mlp\\.c_(fc|proj)");
    CHECK(count_sel(&sp, sel) == 24);
    sp = spec_regex(".*");
    CHECK(count_sel(&sp, sel) == 49);
    sp = spec_regex("transformer\\.h\\.(1[01]|[0-9])\\.");
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_NOT_FOUND);
    sp = spec_regex(".*(attn");
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_MSG(strcmp(lora_last_error(), "target_modules: invalid pattern '.*(attn': missing ), unterminated subpattern "
                                        "at position 2") == 0, "%s", lora_last_error());

    /* all-linear: every linear module but the output layer */
    memset(&sp, 0, sizeof sp);
    sp.all_linear = 1;
    CHECK(count_sel(&sp, sel) == 48);
    CHECK(sel[48] == 0);
    CHECK_OK(lora_select_targets(&sp, names, 49, NULL, sel));
    CHECK(sel[48] == 1);
    sp = spec_regex("ALL-linear");
    CHECK(count_sel(&sp, sel) == 48);
    memset(&sp, 0, sizeof sp);
    sp.all_linear = 1;
    sp.exclude = ex1;
    sp.n_exclude = 1;
    CHECK(count_sel(&sp, sel) == 36);
    memset(&sp, 0, sizeof sp);
    sp.all_linear = 1;
    CHECK_ERR(lora_select_targets(&sp, names + 48, 1, is_output + 48, sel), LORA_ERR_NOT_FOUND);
    CHECK_MSG(starts("No `target_modules` passed"), "%s", lora_last_error());

    /* exclude_modules (oracle: 12, 47) */
    sp = spec_list(t1, 1);
    sp.exclude = ex1;
    sp.n_exclude = 1;
    CHECK(count_sel(&sp, sel) == 12);
    CHECK(selected_is(sel, "transformer.h.3.attn.c_proj") == 1 && selected_is(sel, "transformer.h.3.mlp.c_proj") == 0);
    sp = spec_list(t5, 3);
    sp.exclude = ex2;
    sp.n_exclude = 1;
    CHECK(count_sel(&sp, sel) == 47);
    CHECK(selected_is(sel, "transformer.h.0.attn.c_attn") == 0);
    sp = spec_list(t5, 3);
    sp.exclude_regex = ".*\\.h\\.(0|1)\\..*";
    CHECK(count_sel(&sp, sel) == 40);
    sp = spec_list(t5, 3);
    sp.exclude_regex = ""; /* empty = none (PEFT: falsy) */
    CHECK(count_sel(&sp, sel) == 48);
    sp = spec_regex(".*");
    sp.exclude_regex = ".*";
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_NOT_FOUND);
    CHECK_MSG(starts("All modules were excluded. This is likely unintended. Check your "
                                         "`target_modules`, `exclude_modules` and `modules_to_save` configuration."),
              "%s", lora_last_error());
    sp = spec_list(tfc, 1);
    sp.exclude = tfc;
    sp.n_exclude = 1;
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_NOT_FOUND);
    CHECK_MSG(starts("No modules were targeted for adaptation."), "%s", lora_last_error());
    CHECK_MSG(strstr(lora_last_error(), "end with: c_attn, c_proj, c_fc, lm_head.") != NULL, "%s", lora_last_error());
    sp = spec_list(t1, 1);
    sp.exclude_regex = "(";
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_MSG(starts("exclude_modules: invalid pattern '('"), "%s", lora_last_error());

    /* layers_to_transform */
    sp = spec_list(t4, 2);
    sp.layers = layers;
    sp.n_layers = 2;
    CHECK(count_sel(&sp, sel) == 6);
    n = 0;
    for (i = 0; i < 48; i++) n += sel[i] && (i / 4 == 0 || i / 4 == 11) && (i % 4 != 2);
    CHECK(n == 6);
    sp.layers_pattern = "h";
    CHECK(count_sel(&sp, sel) == 6);
    sp.layers_pattern = "";
    CHECK(count_sel(&sp, sel) == 6);
    sp.layers_pattern = "layers";
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_NOT_FOUND);
    CHECK_MSG(strstr(lora_last_error(), "Target modules {'c_attn', 'c_proj'} not found in the base model. Please check "
                                        "the target modules and try again. Note: You specified 'layers_to_transform': "
                                        "[0, 11]. You also specified 'layers_pattern': layers.") != NULL,
              "%s", lora_last_error());
    sp.layers_pattern = "h(";
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_MSG(strstr(lora_last_error(), "layers_pattern") != NULL, "%s", lora_last_error());
    sp = spec_list(tlm, 1); /* named exactly: no layer filter (PEFT) */
    sp.layers = layers;
    sp.n_layers = 2;
    CHECK(count_sel(&sp, sel) == 1 && sel[48] == 1);
    sp = spec_list(texact, 2); /* exact name bypasses layers; c_fc only in layer 3 */
    sp.layers = layers;
    sp.n_layers = 2;
    CHECK(count_sel(&sp, sel) == 3);
    CHECK(selected_is(sel, "transformer.h.3.attn.c_attn") == 1 && selected_is(sel, "transformer.h.0.mlp.c_fc") == 1);
    sp.layers = layer3;
    sp.n_layers = 1;
    CHECK(count_sel(&sp, sel) == 2);
    sp = spec_list(t4, 2); /* empty list: no filter (PEFT: len == 0) */
    sp.layers = layers;
    sp.n_layers = 0;
    CHECK(count_sel(&sp, sel) == 36);
    CHECK(lora_layer_index("transformer.h.11.mlp.c_proj", NULL) == 11);
    CHECK(lora_layer_index("transformer.h.11.mlp.c_proj", "h") == 11);
    CHECK(lora_layer_index("transformer.h.11.mlp.c_proj", "layers") == -1);
    CHECK(lora_layer_index("lm_head", NULL) == -1);
    CHECK(lora_layer_index("h.3.attn.c_attn", NULL) == -1); /* PEFT needs a '.' before the layers name */
    CHECK(lora_layer_index("model.layers.1.mlp.experts.0.up_proj", NULL) == 1);
    CHECK(lora_layer_index(NULL, NULL) == -1);
    CHECK(lora_layer_index("a.h.1.b", "(") == -1);

    /* PEFT's own check_target_module_exists cases (peft tests/test_tuners_utils.py REGEX_TEST_CASES):
       key, target_modules (list or '~regex'), layers_to_transform, layers_pattern ('-' = None), expected */
    {
        static const struct { const char *key, *t1, *t2; int l0, l1, l2; const char *lp; int want; } C[] = {
            {"foo", "foo", NULL, -1, -1, -1, "-", 1},
            {"foo", "bar", NULL, -1, -1, -1, "-", 0},
            {"foo", "foo", "bar", -1, -1, -1, "-", 1},
            {"foo", "~foo", NULL, -1, -1, -1, "-", 1},
            {"foo", "~.*oo", NULL, -1, -1, -1, "-", 1},
            {"foo", "~fo.*", NULL, -1, -1, -1, "-", 1},
            {"foo", "~.*bar.*", NULL, -1, -1, -1, "-", 0},
            {"foobar", "~.*oba.*", NULL, -1, -1, -1, "-", 1},
            {"foo.bar.1.baz", "baz", NULL, 1, -1, -1, "bar", 1},
            {"foo.bar.1.baz", "baz", NULL, 0, -1, -1, "bar", 0},
            {"foo.bar.1.baz", "baz", NULL, 2, -1, -1, "bar", 0},
            {"foo.bar.10.baz", "baz", NULL, 0, -1, -1, "bar", 0},
            {"foo.bar.10.baz", "baz", NULL, 1, -1, -1, "bar", 0},
            {"foo.bar.1.baz", "baz", NULL, 0, 1, 2, "bar", 1},
            {"foo.bar.1.baz", "baz", "spam", 1, -1, -1, "bar", 1},
            {"foo.bar.1.baz", "baz", "spam", 0, 1, 2, "bar", 1},
            {"foo.whatever.1.baz", "baz", NULL, 1, -1, -1, "", 1},
            {"foo.whatever.1.baz", "baz", NULL, 0, -1, -1, "", 0},
            {"foo.whatever.1.baz", "baz", NULL, 1, -1, -1, "-", 1},
            {"foo.whatever.1.baz", "baz", NULL, 0, -1, -1, "-", 0},
            {"transformer.h.1.attn.attention.q_proj.foo", "q_proj", NULL, -1, -1, -1, "-", 0},
            {"transformer.h.1.attn.attention.q_proj", "q_proj", NULL, -1, -1, -1, "-", 1},
            {"transformer.h.1.attn.attention.q_proj", "q_proj", "v_proj", -1, -1, -1, "-", 1},
            {"transformer.h.1.attn.attention.resid_dropout", "q_proj", "v_proj", -1, -1, -1, "-", 0},
            {"transformer.h.1.attn.attention.q_proj", "q_proj", NULL, 1, -1, -1, "h", 1},
            {"transformer.h.1.attn.attention.q_proj", "q_proj", NULL, 0, -1, -1, "h", 0},
            {"transformer.h.1.attn.attention.q_proj", "q_proj", NULL, 2, -1, -1, "h", 0},
            {"transformer.h.1.attn.attention.q_proj", "q_proj", NULL, 0, 1, 2, "h", 1},
            {"transformer.h.1.attn.attention.q_proj", "q_proj", "v_proj", 0, 1, 2, "h", 1},
            {"foo.bar.q_proj", "q_proj", NULL, -1, -1, -1, "-", 1},
            {"foo.bar.1.baz", "baz", NULL, 1, -1, -1, "foo", 0},
            {"foo.bar.1.baz", "baz", NULL, 1, -1, -1, "baz", 0},
            {"bar.1.baz", "baz", NULL, 1, -1, -1, "bar", 0},
            {"foo.bar.001.baz", "baz", NULL, 1, -1, -1, "bar", 1},
            {"foo.bar.1.spam.2.baz", "baz", NULL, 1, -1, -1, "bar", 1},
            {"foo.bar.2.spam.1.baz", "baz", NULL, 1, -1, -1, "bar", 0},
            {"blocks.1.weight", "weight", NULL, 1, -1, -1, "blocks", 0},
            {"blocks.1.bias", "weight", NULL, 1, -1, -1, "blocks", 0},
            {"mlp.blocks.1.weight", "weight", NULL, 1, -1, -1, "blocks", 1},
            {"mlp.blocks.1.bias", "weight", NULL, 1, -1, -1, "blocks", 0},
            /* the MoE case of peft tests (layers_pattern None / "layers"): layer, not expert, index */
            {"model.layers.1.mlp.experts.0.up_proj", "up_proj", NULL, 1, -1, -1, "-", 1},
            {"model.layers.2.mlp.experts.1.up_proj", "up_proj", NULL, 1, -1, -1, "-", 0},
            {"model.layers.2.mlp.experts.1.up_proj", "up_proj", NULL, 1, -1, -1, "layers", 0},
        };
        size_t c;
        for (c = 0; c < sizeof C / sizeof C[0]; c++) {
            const char *tl[2];
            int ly[3], nly = 0;
            unsigned char one = 9;
            lora_status s;
            memset(&sp, 0, sizeof sp);
            if (C[c].t1[0] == '~') {
                sp.target_regex = C[c].t1 + 1;
            } else {
                tl[0] = C[c].t1;
                tl[1] = C[c].t2;
                sp.targets = tl;
                sp.n_targets = C[c].t2 ? 2 : 1;
            }
            if (C[c].l0 >= 0) ly[nly++] = C[c].l0;
            if (C[c].l1 >= 0) ly[nly++] = C[c].l1;
            if (C[c].l2 >= 0) ly[nly++] = C[c].l2;
            if (nly) { sp.layers = ly; sp.n_layers = nly; }
            if (strcmp(C[c].lp, "-") != 0) sp.layers_pattern = C[c].lp;
            s = lora_select_targets(&sp, &C[c].key, 1, NULL, &one);
            CHECK_MSG(C[c].want ? (s == LORA_OK && one == 1) : (s == LORA_ERR_NOT_FOUND && one == 0),
                      "PEFT case %d: key %s targets %s: got %s (%s), selected %d, PEFT says %d", (int)c, C[c].key, C[c].t1,
                      lora_status_name(s), lora_last_error(), one, C[c].want);
        }
    }

    /* what LoraConfig / the API rejects */
    sp = spec_list(t1, 0);
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_MSG(starts("No `target_modules` passed"), "%s", lora_last_error());
    memset(&sp, 0, sizeof sp);
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    sp = spec_regex("");
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    sp = spec_list(tnull, 2);
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_MSG(strstr(lora_last_error(), "target_modules[1] is NULL") != NULL, "%s", lora_last_error());
    sp = spec_list(NULL, 2);
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    sp = spec_list(t1, 1);
    CHECK_ERR(lora_select_targets(&sp, bad_names, 2, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_MSG(strstr(lora_last_error(), "module name 1 is NULL") != NULL, "%s", lora_last_error());
    CHECK_ERR(lora_select_targets(NULL, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_select_targets(&sp, names, -1, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, NULL), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_select_targets(&sp, names, 0, NULL, NULL), LORA_ERR_NOT_FOUND); /* nothing to select from */
    CHECK(starts("No modules were targeted for adaptation.")); /* PEFT: neither unmatched nor excluded modules */
    sp = spec_list(t1, 1);
    sp.target_regex = ".*";
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    sp = spec_regex(".*");
    sp.all_linear = 1;
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    sp = spec_regex(".*c_attn");
    sp.layers = layers;
    sp.n_layers = 2;
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_MSG(strcmp(lora_last_error(), "`layers_to_transform` cannot be used when `target_modules` is a str.") == 0, "%s",
              lora_last_error());
    sp = spec_regex(".*c_attn");
    sp.layers_pattern = "h";
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_MSG(strcmp(lora_last_error(), "`layers_pattern` cannot be used when `target_modules` is a str.") == 0, "%s",
              lora_last_error());
    memset(&sp, 0, sizeof sp);
    sp.all_linear = 1;
    sp.layers = layers;
    sp.n_layers = 2;
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    sp = spec_list(t1, 1);
    sp.layers_pattern = "h";
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    CHECK_MSG(starts("When `layers_pattern` is specified, `layers_to_transform` must also be"),
              "%s", lora_last_error());
    sp = spec_list(t1, 1);
    sp.exclude = ex1;
    sp.n_exclude = 1;
    sp.exclude_regex = ".*";
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);
    sp = spec_list(t1, 1);
    sp.exclude = tnull;
    sp.n_exclude = 2;
    CHECK_ERR(lora_select_targets(&sp, names, 49, is_output, sel), LORA_ERR_INVALID_ARG);

    /* modules PEFT cannot adapt (oracle: ".*\.mlp\..*" fails on transformer.h.0.mlp.act) */
    {
        const char *other[] = {"transformer", "transformer.wte", "transformer.h.0", "transformer.h.0.attn",
                               "transformer.h.0.mlp", "transformer.h.0.mlp.act", "transformer.ln_f"};
        const char *tattn[] = {"attn"};
        sp = spec_regex(".*\\.mlp\\..*");
        CHECK_ERR(lora_check_unsupported_targets(&sp, other, 7), LORA_ERR_INVALID_ARG);
        CHECK_MSG(strstr(lora_last_error(), "transformer.h.0.mlp.act") != NULL, "%s", lora_last_error());
        sp = spec_list(tattn, 1);
        CHECK_ERR(lora_check_unsupported_targets(&sp, other, 7), LORA_ERR_INVALID_ARG);
        CHECK_MSG(strstr(lora_last_error(), "transformer.h.0.attn ") != NULL, "%s", lora_last_error());
        sp = spec_list(t4, 2);
        CHECK_OK(lora_check_unsupported_targets(&sp, other, 7));
        sp = spec_regex(".*attn.*");
        sp.exclude_regex = "transformer\\.h\\.\\d+\\.attn";
        CHECK_OK(lora_check_unsupported_targets(&sp, other, 7));
        memset(&sp, 0, sizeof sp);
        sp.all_linear = 1;
        CHECK_OK(lora_check_unsupported_targets(&sp, other, 7));
    }
}

/* The oracle's own self-test ("PEFT target matching rules", selftest_checks.py) on the tiny
   2-layer GPT-2, case by case. Returns the selected names joined by ' ', or "ERR <status>". */
static const char *tiny_targets(const lora_target_spec *sp) {
    static char out[512];
    static const char *tiny[9] = {"transformer.h.0.attn.c_attn", "transformer.h.0.attn.c_proj", "transformer.h.0.mlp.c_fc",
                                  "transformer.h.0.mlp.c_proj", "transformer.h.1.attn.c_attn", "transformer.h.1.attn.c_proj",
                                  "transformer.h.1.mlp.c_fc", "transformer.h.1.mlp.c_proj", "lm_head"};
    static const unsigned char outp[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1};
    /* modules of GPT2LMHeadModel that are not Conv1D/Linear (named_modules order) */
    static const char *other[] = {"transformer", "transformer.wte", "transformer.wpe", "transformer.drop", "transformer.h",
                                  "transformer.h.0", "transformer.h.0.ln_1", "transformer.h.0.attn",
                                  "transformer.h.0.attn.attn_dropout", "transformer.h.0.attn.resid_dropout",
                                  "transformer.h.0.ln_2", "transformer.h.0.mlp", "transformer.h.0.mlp.act",
                                  "transformer.h.0.mlp.dropout", "transformer.h.1", "transformer.h.1.ln_1",
                                  "transformer.h.1.attn", "transformer.h.1.attn.attn_dropout",
                                  "transformer.h.1.attn.resid_dropout", "transformer.h.1.ln_2", "transformer.h.1.mlp",
                                  "transformer.h.1.mlp.act", "transformer.h.1.mlp.dropout", "transformer.ln_f"};
    unsigned char sel[9];
    lora_status s = lora_check_unsupported_targets(sp, other, (int)(sizeof other / sizeof other[0]));
    int i;
    if (s == LORA_OK) s = lora_select_targets(sp, tiny, 9, outp, sel);
    if (s != LORA_OK) {
        sprintf(out, "ERR %s", lora_status_name(s));
        return out;
    }
    out[0] = 0;
    for (i = 0; i < 9; i++)
        if (sel[i]) { if (out[0]) strcat(out, " "); strcat(out, tiny[i]); }
    return out;
}

static void test_oracle_selftest_cases(void) {
    lora_target_spec sp;
    const char *a[] = {"c_proj"}, *b[] = {"transformer.h.0.attn.c_attn"}, *c[] = {"attn.c_attn"}, *d[] = {"mlp.c_proj"};
    const char *e[] = {"lm_head"}, *f[] = {"proj"}, *g[] = {"c_attn_x"}, *h[] = {"attn"};
    const char *r;
#define TT(expr, want) do { r = (expr); CHECK_MSG(strcmp(r, want) == 0, "%s -> '%s', oracle says '%s' (%s)", #expr, r, \
    want, lora_last_error()); } while (0)
    sp = spec_list(a, 1);
    TT(tiny_targets(&sp), "transformer.h.0.attn.c_proj transformer.h.0.mlp.c_proj transformer.h.1.attn.c_proj "
                          "transformer.h.1.mlp.c_proj");
    sp = spec_regex(".*\\.attn\\.c_proj");
    TT(tiny_targets(&sp), "transformer.h.0.attn.c_proj transformer.h.1.attn.c_proj");
    sp = spec_regex(".*h\\.1\\.mlp\\.c_(fc|proj)");
    TT(tiny_targets(&sp), "transformer.h.1.mlp.c_fc transformer.h.1.mlp.c_proj");
    sp = spec_list(b, 1);
    TT(tiny_targets(&sp), "transformer.h.0.attn.c_attn");
    sp = spec_list(c, 1);
    TT(tiny_targets(&sp), "transformer.h.0.attn.c_attn transformer.h.1.attn.c_attn");
    sp = spec_list(a, 1);
    sp.exclude = d;
    sp.n_exclude = 1;
    TT(tiny_targets(&sp), "transformer.h.0.attn.c_proj transformer.h.1.attn.c_proj");
    sp = spec_list(e, 1);
    TT(tiny_targets(&sp), "lm_head");
    sp = spec_regex("c_attn");
    TT(tiny_targets(&sp), "ERR LORA_ERR_NOT_FOUND");
    CHECK(strstr(lora_last_error(), "not found") != NULL);
    sp = spec_list(f, 1);
    TT(tiny_targets(&sp), "ERR LORA_ERR_NOT_FOUND");
    CHECK(strstr(lora_last_error(), "not found") != NULL);
    sp = spec_list(g, 1);
    TT(tiny_targets(&sp), "ERR LORA_ERR_NOT_FOUND");
    CHECK(strstr(lora_last_error(), "not found") != NULL);
    sp = spec_list(h, 1);
    TT(tiny_targets(&sp), "ERR LORA_ERR_INVALID_ARG");
    CHECK(strstr(lora_last_error(), "not supported") != NULL);
    sp = spec_regex(".*\\.mlp\\..*"); /* oracle: transformer.h.0.mlp.act (NewGELUActivation) is not supported */
    TT(tiny_targets(&sp), "ERR LORA_ERR_INVALID_ARG");
    CHECK(strstr(lora_last_error(), "transformer.h.0.mlp.act") != NULL);
#undef TT
}

int main(void) {
    test_fixture();
    test_regex_api();
    test_peft_rules();
    test_oracle_selftest_cases();
    (void)test_max_abs_diff; /* test.h helpers this file does not need */
    (void)test_rel_l2;
    return TEST_END();
}
