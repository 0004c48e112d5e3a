/* Allocation-failure test: every allocation of lora.h / gpt2.h goes through LORA_MALLOC /
   LORA_REALLOC / LORA_FREE, defined here as counting hooks that can fail the k-th allocation.
   For each scenario (an operation of the public API on small fixtures) the operation is run with
   k = 1, 2, ... failing until it runs through without reaching the k-th allocation. For every k:
     - no crash (the sanitizers watch the rest);
     - the call fails with LORA_ERR_OOM (or returns LORA_OK when the library recovers from the
       failure on purpose, e.g. the matrix multiply falling back to its reference kernel: counted
       as "recovered") and lora_last_error() is non-empty and says "memory"/"allocation";
     - allocations == frees once the objects the call made are freed (no leak), and the output
       pointer is NULL on failure;
     - scenario checks: state unchanged by a failed call (optimiser step, checkpoint load), the
       previous file intact and no temporary file left by a failed save, the result of the final
       (successful) call equal to an unhooked reference run.
   The tokenizer makes ~10^5 allocations: the first ALLOCFAIL_EXACT values of k are checked one
   by one, then k advances with a stride so that each scenario stays within a few hundred runs.
   Prints one line per scenario with the number of allocations (the largest k that fails) and the
   number of k values run. Known library bugs print "KNOWN BUG" and do not fail the test.
   Run from the repository root (fixtures in tests/fixtures/oracle/A, data/gpt2-tokenizer). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>

static void *af_malloc(size_t n);
static void *af_realloc(void *p, size_t n);
static void af_free(void *p);
#define LORA_MALLOC(sz) af_malloc(sz)
#define LORA_REALLOC(p, sz) af_realloc(p, sz)
#define LORA_FREE(p) af_free(p)
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"
#include "test.h"

#define FX "tests/fixtures/oracle/A/"
#define TOKDIR "data/gpt2-tokenizer"
#define ALLOCFAIL_EXACT 300     /* every k up to this, then strided */
#define ALLOCFAIL_MAX_RUNS 700  /* runs per scenario at most (stride chosen from the count) */

/* ---- hooks ----
   Every live block is kept in a pointer set, so that a double or invalid free is caught (and
   skipped, so the run goes on) even without a sanitizer. */
static long af_count;         /* allocations (malloc or realloc) counted while armed */
static long af_fail_at;       /* fail the allocation with this count (0 = never) */
static int af_armed;
static long af_failed;        /* allocations refused during the current run */
static long af_live;          /* blocks alive (all allocations, armed or not) */
static long af_bad_free;      /* frees of pointers that are not live (double frees) */
static size_t af_limit;       /* refuse any single request above this (0 = no limit) */
static size_t af_peak_request;
static pthread_mutex_t af_mu = PTHREAD_MUTEX_INITIALIZER;
static void **af_set;         /* open addressing; (void *)1 marks a deleted slot */
static size_t af_cap, af_used;

static size_t af_hash(const void *p) { uintptr_t x = (uintptr_t)p; x ^= x >> 17; x *= (uintptr_t)0x9E3779B97F4A7C15ull; return (size_t)(x ^ (x >> 29)); }
static void af_set_insert(void *p);
static void af_set_grow(void) {
    void **old = af_set;
    size_t i, n = af_cap;
    af_cap = af_cap ? af_cap * 2 : 4096;
    af_set = (void **)calloc(af_cap, sizeof *af_set);
    if (!af_set) { fprintf(stderr, "allocfail: out of memory in the test harness\n"); exit(2); }
    af_used = 0;
    for (i = 0; i < n; i++) if (old[i] && old[i] != (void *)1) af_set_insert(old[i]);
    free(old);
}
static void af_set_insert(void *p) {
    size_t i;
    if ((af_used + 1) * 2 > af_cap) af_set_grow();
    for (i = af_hash(p) & (af_cap - 1); af_set[i] && af_set[i] != (void *)1; i = (i + 1) & (af_cap - 1)) {}
    if (!af_set[i]) af_used++;
    af_set[i] = p;
}
static int af_set_remove(void *p) {
    size_t i;
    if (!af_cap) return 0;
    for (i = af_hash(p) & (af_cap - 1); af_set[i]; i = (i + 1) & (af_cap - 1))
        if (af_set[i] == p) { af_set[i] = (void *)1; return 1; }
    return 0;
}

static int af_should_fail(size_t n) {
    if (n > af_peak_request) af_peak_request = n;
    if (af_limit && n > af_limit) { af_failed++; return 1; }
    if (!af_armed) return 0;
    if (++af_count == af_fail_at) { af_failed++; return 1; }
    return 0;
}
static void *af_malloc(size_t n) {
    void *p = NULL;
    pthread_mutex_lock(&af_mu);
    if (!af_should_fail(n) && (p = malloc(n)) != NULL) { af_set_insert(p); af_live++; }
    pthread_mutex_unlock(&af_mu);
    return p;
}
static void *af_realloc(void *old, size_t n) {
    void *p = NULL;
    pthread_mutex_lock(&af_mu);
    if (old && !af_set_remove(old)) { af_bad_free++; pthread_mutex_unlock(&af_mu); return NULL; }
    if (af_should_fail(n)) {
        if (old) af_set_insert(old);
    } else if ((p = realloc(old, n)) != NULL) {
        af_set_insert(p);
        if (!old) af_live++;
    } else if (old) {
        af_set_insert(old);
    }
    pthread_mutex_unlock(&af_mu);
    return p;
}
static void af_free(void *p) {
    int ok;
    if (!p) return;
    pthread_mutex_lock(&af_mu);
    ok = af_set_remove(p);
    if (ok) af_live--; else af_bad_free++;
    pthread_mutex_unlock(&af_mu);
    if (ok) free(p);
}
static void af_arm(long k) {
    pthread_mutex_lock(&af_mu);
    af_count = 0; af_failed = 0; af_fail_at = k; af_armed = 1;
    pthread_mutex_unlock(&af_mu);
}
static void af_disarm(void) { pthread_mutex_lock(&af_mu); af_armed = 0; pthread_mutex_unlock(&af_mu); }

/* ---- small file helpers ---- */
typedef struct { char *data; size_t n; int exists; } snap;
static snap snap_take(const char *path) { snap s; s.data = test_slurp(path, &s.n); s.exists = s.data != NULL; return s; }
static int snap_same(const snap *s, const char *path) {
    size_t n;
    char *d = test_slurp(path, &n);
    int same = s->exists ? (d && n == s->n && memcmp(d, s->data, n) == 0) : d == NULL;
    free(d);
    return same;
}
static void snap_free(snap *s) { free(s->data); s->data = NULL; }
static void snap_restore(const snap *s, const char *path) {
    FILE *f;
    if (!s->exists) { remove(path); return; }
    f = fopen(path, "wb");
    if (!f) return;
    if (s->n) fwrite(s->data, 1, s->n, f);
    fclose(f);
}
/* 1 if dir holds a file whose name contains ".tmp" (a temporary file left behind) */
static int has_tmp_file(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    if (!d) return 0;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp")) found = 1;
    closedir(d);
    return found;
}

/* ---- the scenario driver ---- */
typedef struct scenario {
    const char *name;
    lora_status (*op)(void);          /* armed; on failure must leave nothing allocated */
    void (*undo)(void);               /* frees what a successful op made (disarmed) */
    int (*after_fail)(void);          /* 1 if the state is as before the call (may be NULL) */
    int (*verify)(void);              /* checks the successful result (may be NULL) */
    void (*restore)(void);            /* after each run: put the fixtures back (may be NULL) */
    void (*prepare)(void);            /* before each run, before counting live blocks (may be NULL) */
} scenario;

/* Known library bugs: a failing check of this kind in this scenario prints KNOWN BUG instead of
   failing. Remove the line once the library is fixed. */
static const struct { const char *scenario, *kind, *note; } known_bugs[] = {
    {"(none)", "(none)", "no known bugs: every line once here has been fixed"},
};
static const char *known_bug(const char *scenario, const char *kind) {
    size_t i;
    for (i = 0; i < sizeof known_bugs / sizeof known_bugs[0]; i++)
        if (strncmp(scenario, known_bugs[i].scenario, strlen(known_bugs[i].scenario)) == 0 && strcmp(kind, known_bugs[i].kind) == 0)
            return known_bugs[i].note;
    return NULL;
}
/* a failed check: counts as a failure unless it is a known bug */
static void report(const char *scenario, const char *kind, int count) {
    const char *note = known_bug(scenario, kind);
    if (!count) {
        CHECK(1);
        if (note) printf("FIXED? %s: no %s any more; remove its line from known_bugs[]\n", scenario, kind);
        return;
    }
    if (note) printf("KNOWN BUG: %s: %s in %d run(s): %s\n", scenario, kind, count, note);
    else CHECK_MSG(0, "%s: %s in %d run(s)", scenario, kind, count);
}

static long total_runs;

/* every k up to ALLOCFAIL_EXACT, then every stride-th, always ending with the last allocation */
static long next_k(long k, long n, long stride) {
    if (k < ALLOCFAIL_EXACT) return k + 1;
    if (k >= n) return n + 1;
    return k + stride < n ? k + stride : n;
}

static void run_scenario(const scenario *sc) {
    long k, n_allocs, runs = 0, recovered = 0, stride = 1, base_live, base_bad;
    int bad_status = 0, bad_msg = 0, leaks = 0, bad_state = 0, bad_free = 0, no_fail = 0;
    lora_status s;
    /* calibration: an unhooked run counts the allocations and checks the result */
    if (sc->prepare) sc->prepare();
    base_live = af_live; base_bad = af_bad_free;
    lora_clear_error();
    af_arm(0);
    s = sc->op();
    af_disarm();
    n_allocs = af_count;
    runs++;
    CHECK_MSG(s == LORA_OK, "%s: unhooked run failed: %s: %s", sc->name, lora_status_name(s), lora_last_error());
    if (s == LORA_OK && sc->verify) CHECK_MSG(sc->verify(), "%s: result differs from the reference", sc->name);
    if (s == LORA_OK && sc->undo) sc->undo();
    if (sc->restore) sc->restore();
    CHECK_MSG(af_live == base_live, "%s: %ld blocks leaked by the successful run", sc->name, af_live - base_live);
    bad_free += af_bad_free != base_bad;
    if (n_allocs > ALLOCFAIL_EXACT) stride = (n_allocs - ALLOCFAIL_EXACT) / (ALLOCFAIL_MAX_RUNS - ALLOCFAIL_EXACT) + 1;
    for (k = 1; k <= n_allocs; k = next_k(k, n_allocs, stride)) {
        if (sc->prepare) sc->prepare();
        base_live = af_live; base_bad = af_bad_free;
        lora_clear_error();
        af_arm(k);
        s = sc->op();
        af_disarm();
        runs++;
        if (af_failed == 0 || s == LORA_OK) {
            /* ran through (allocation counts may vary with threads) or recovered on purpose */
            if (s != LORA_OK && no_fail++ < 3) fprintf(stderr, "%s: k=%ld: failed without a failed allocation: %s\n", sc->name, k, lora_last_error());
            if (af_failed) recovered++;
            if (s == LORA_OK && sc->undo) sc->undo();
        } else {
            const char *msg = lora_last_error();
            if (s != LORA_ERR_OOM) {
                if (bad_status++ < 3)
                    fprintf(stderr, "%s: k=%ld: expected LORA_ERR_OOM, got %s: %s\n", sc->name, k, lora_status_name(s), msg);
            } else if (!msg[0] || (!strstr(msg, "memory") && !strstr(msg, "allocat"))) {
                if (bad_msg++ < 3) fprintf(stderr, "%s: k=%ld: OOM without a message (\"%s\")\n", sc->name, k, msg);
            }
            if (sc->after_fail && !sc->after_fail()) {
                if (bad_state++ < 3 && !known_bug(sc->name, "state")) fprintf(stderr, "%s: k=%ld: state changed by the failed call\n", sc->name, k);
            }
        }
        if (sc->restore) sc->restore();
        if (af_bad_free != base_bad) {
            if (bad_free++ < 3 && !known_bug(sc->name, "double free")) fprintf(stderr, "%s: k=%ld: double or invalid free\n", sc->name, k);
        }
        if (af_live != base_live) {
            if (leaks++ < 3 && !known_bug(sc->name, "leak")) fprintf(stderr, "%s: k=%ld: %ld blocks leaked\n", sc->name, k, af_live - base_live);
        }
    }
    report(sc->name, "another status than LORA_ERR_OOM", bad_status);
    report(sc->name, "OOM without an out-of-memory message", bad_msg);
    report(sc->name, "failure without a failed allocation", no_fail);
    report(sc->name, "leak", leaks);
    report(sc->name, "double free", bad_free);
    report(sc->name, "state", bad_state);
    printf("  %-54s allocations %6ld  runs %4ld%s", sc->name, n_allocs, runs, stride > 1 ? " (strided)" : "");
    if (recovered) printf(", %ld recovered without error", recovered);
    printf("\n");
    total_runs += runs;
}

/* ---- fixtures (made with the hooks disarmed) ---- */
static gpt2_model *g_model;          /* A, safetensors, single thread */
static lora_adapter *g_adapter;      /* A's adapter, attached to g_model */
static lora_tokenizer *g_tok;
static int32_t g_in[2 * 16], g_lab[2 * 16];
static float g_ref_loss;

/* results of the op under test */
static lora_pool *r_pool;
static gpt2_model *r_model;
static lora_adapter *r_adapter;
static lora_param *r_params;
static int r_nparams;
static lora_adamw *r_opt;
static lora_tokenizer *r_tok;
static lora_dataset *r_ds, *r_ds2;
static gpt2_kv_cache *r_kv;
static lora_json *r_json;
static lora_safetensors *r_st;
static lora_regex *r_re;
static int32_t *r_ids;
static char *r_text;
static float r_loss;

static void free_results(void) {
    lora_pool_destroy(r_pool); r_pool = NULL;
    gpt2_model_free(r_model); r_model = NULL;
    lora_adapter_free(r_adapter); r_adapter = NULL;
    lora_adamw_free(r_opt); r_opt = NULL;
    LORA_FREE(r_params); r_params = NULL; r_nparams = 0;
    lora_tokenizer_free(r_tok); r_tok = NULL;
    lora_data_free(r_ds); r_ds = NULL;
    lora_data_free(r_ds2); r_ds2 = NULL;
    gpt2_kv_free(r_kv); r_kv = NULL;
    lora_json_free(r_json); r_json = NULL;
    lora_st_close(r_st); r_st = NULL;
    lora_regex_free(r_re); r_re = NULL;
    lora_free(r_ids); r_ids = NULL;
    lora_free(r_text); r_text = NULL;
}

static int out_null_on_failure(lora_status s, const void *out) { return s == LORA_OK || out == NULL; }
static int g_out_ok = 1;
#define NOTE_OUT(s, out) do { if (!out_null_on_failure((s), (out))) g_out_ok = 0; } while (0)

/* ---- scenarios ---- */
static lora_status op_pool(void) { lora_status s = lora_pool_create(&r_pool, 3); NOTE_OUT(s, r_pool); return s; }

static lora_status op_model_create(void) {
    gpt2_config c;
    lora_status s;
    memset(&c, 0, sizeof c);
    c.n_layer = 2; c.n_head = 2; c.n_embd = 16; c.n_positions = 16; c.vocab_size = 50; c.layer_norm_eps = 1e-5f;
    s = gpt2_model_create(&c, NULL, &r_model);
    NOTE_OUT(s, r_model);
    if (s == LORA_OK) gpt2_model_init_random(r_model, 7);
    return s;
}
static lora_status op_load_st(void) { lora_status s = gpt2_model_load(FX "model/model.safetensors", NULL, NULL, &r_model); NOTE_OUT(s, r_model); return s; }
static lora_status op_load_st_noconfig(void) {
    /* the bf16 copy, with an explicit config path */
    lora_status s = gpt2_model_load(FX "model_bf16/model.safetensors", FX "model_bf16/config.json", NULL, &r_model);
    NOTE_OUT(s, r_model);
    return s;
}
static lora_status op_load_llmc(void) { lora_status s = gpt2_model_load(FX "model.llmc.bin", NULL, NULL, &r_model); NOTE_OUT(s, r_model); return s; }
static int verify_model(void) {
    int i;
    for (i = 0; i < gpt2_model_num_tensors(g_model); i++) {
        int64_t sa[2] = {0, 0}, sb[2] = {0, 0};
        float *a = NULL, *b = NULL;
        int na = 0, nb = 0;
        if (!gpt2_model_tensor(g_model, i, &na, sa, &a) || !gpt2_model_tensor(r_model, i, &nb, sb, &b)) return 0;
        if (na != nb || sa[0] != sb[0] || sa[1] != sb[1]) return 0;
        if (test_max_abs_diff(a, b, (long)(sa[0] * sa[1])) > 1e-6) return 0;
    }
    return 1;
}
static const char *const tg_list[] = {"c_attn", "c_proj"};
static lora_status op_lora_create_list(void) {
    lora_config c = lora_config_init();
    lora_status s;
    c.r = 4; c.alpha = 8; c.target.targets = tg_list; c.target.n_targets = 2;
    s = gpt2_lora_create(g_model, &c, &r_adapter);
    NOTE_OUT(s, r_adapter);
    return s;
}
static const char *const tg_fc[] = {"c_attn", "c_fc"}, *const ex_fc[] = {"transformer.h.1.mlp.c_fc"};
static const int layers1[] = {1};
static lora_status op_lora_create_layers(void) {
    lora_config c = lora_config_init();
    lora_status s;
    c.r = 2; c.alpha = 4; c.target.targets = tg_fc; c.target.n_targets = 2; c.target.exclude = ex_fc; c.target.n_exclude = 1;
    c.target.layers = layers1; c.target.n_layers = 1; c.bias = LORA_BIAS_LORA_ONLY; c.init = LORA_INIT_GAUSSIAN;
    s = gpt2_lora_create(g_model, &c, &r_adapter);
    NOTE_OUT(s, r_adapter);
    return s;
}
static lora_status op_lora_create_regex(void) {
    lora_config c = lora_config_init();
    lora_status s;
    c.r = 3; c.alpha = 6; c.target.target_regex = ".*\\.h\\.[01]\\.(attn\\.c_attn|mlp\\.c_(fc|proj))"; c.bias = LORA_BIAS_ALL;
    c.target.exclude_regex = ".*h\\.0\\.mlp\\.c_proj";
    s = gpt2_lora_create(g_model, &c, &r_adapter);
    NOTE_OUT(s, r_adapter);
    return s;
}
static lora_status op_lora_create_all_linear(void) {
    lora_config c = lora_config_init();
    lora_status s;
    c.target.all_linear = 1; c.use_rslora = 1;
    s = gpt2_lora_create(g_model, &c, &r_adapter);
    NOTE_OUT(s, r_adapter);
    return s;
}
static lora_status op_lora_load(void) {
    char *warn = NULL;
    lora_status s = gpt2_lora_load(g_model, FX "adapter", &r_adapter, &warn);
    NOTE_OUT(s, r_adapter);
    LORA_FREE(warn);
    return s;
}
static int verify_lora_load(void) {
    int i;
    if (!r_adapter || r_adapter->n_modules != g_adapter->n_modules) return 0;
    for (i = 0; i < g_adapter->n_modules; i++) {
        const lora_module *a = &g_adapter->modules[i], *b = &r_adapter->modules[i];
        if (memcmp(a->A, b->A, sizeof(float) * (size_t)a->r * a->in) || memcmp(a->B, b->B, sizeof(float) * (size_t)a->r * a->out)) return 0;
    }
    return 1;
}

/* adapter save: the previous files must survive a failed save */
#define SAVE_DIR "build/allocfail_adapter"
static lora_adapter *g_adapter2;     /* A's adapter with B doubled: different file content */
static snap g_snap_st, g_snap_cfg;
static lora_status op_adapter_save(void) { return lora_adapter_save(g_adapter2, SAVE_DIR, 1); }
static int after_adapter_save(void) {
    return snap_same(&g_snap_st, SAVE_DIR "/adapter_model.safetensors") && snap_same(&g_snap_cfg, SAVE_DIR "/adapter_config.json") &&
           !has_tmp_file(SAVE_DIR);
}
/* the half of the check without the known bug: no temporary file left, adapter_config.json intact */
static int after_adapter_save_tmp(void) { return !has_tmp_file(SAVE_DIR) && snap_same(&g_snap_cfg, SAVE_DIR "/adapter_config.json"); }
static void restore_adapter_files(void) {
    snap_restore(&g_snap_st, SAVE_DIR "/adapter_model.safetensors");
    snap_restore(&g_snap_cfg, SAVE_DIR "/adapter_config.json");
}

/* forward / backward / optimiser */
/* the first forward of a shape allocates the activations (and the pool its workspace): drop them
   before each run, and after a run that kept them */
static lora_pool *g_pool2;
static void drop_acts(void) {
    gpt2__acts_free(g_model->acts); g_model->acts = NULL;
    lora__free_aligned(g_pool2->scratch); g_pool2->scratch = NULL; g_pool2->scratch_size = 0;
}
static lora_status op_forward_fresh(void) { return gpt2_forward(g_model, g_in, g_lab, 2, 16, &r_loss); }
static int verify_loss(void) { return r_loss == g_ref_loss; }
static lora_status op_forward_backward(void) {
    lora_status s;
    gpt2_zero_grad(g_model);
    if ((s = gpt2_forward(g_model, g_in, g_lab, 2, 16, &r_loss)) != LORA_OK) return s;
    return gpt2_backward(g_model);
}
static lora_status op_params_adamw_create(void) {
    lora_adamw_config oc = lora_adamw_config_init();
    lora_status s = gpt2_trainable_params(g_model, &r_params, &r_nparams);
    NOTE_OUT(s, r_params);
    if (s != LORA_OK) return s;
    s = lora_adamw_create(&oc, r_params, r_nparams, &r_opt);
    NOTE_OUT(s, r_opt);
    if (s != LORA_OK) { LORA_FREE(r_params); r_params = NULL; }
    return s;
}
/* a fixed optimiser over the adapter (made once), stepped from a saved state */
static lora_param *g_params;
static int g_nparams;
static lora_adamw *g_opt;
static float **g_saved;        /* values, m, v per parameter */
static int64_t g_saved_step;
static void opt_save_state(void) {
    int i;
    if (!g_saved) g_saved = (float **)calloc((size_t)g_nparams * 3, sizeof(float *));
    for (i = 0; i < g_nparams; i++) {
        size_t b = sizeof(float) * (size_t)g_params[i].n;
        if (!g_saved[3 * i]) { g_saved[3 * i] = (float *)malloc(b); g_saved[3 * i + 1] = (float *)malloc(b); g_saved[3 * i + 2] = (float *)malloc(b); }
        memcpy(g_saved[3 * i], g_params[i].value, b); memcpy(g_saved[3 * i + 1], g_opt->m[i], b); memcpy(g_saved[3 * i + 2], g_opt->v[i], b);
    }
    g_saved_step = g_opt->step;
}
static int opt_same_state(void) {
    int i;
    for (i = 0; i < g_nparams; i++) {
        size_t b = sizeof(float) * (size_t)g_params[i].n;
        if (memcmp(g_saved[3 * i], g_params[i].value, b) || memcmp(g_saved[3 * i + 1], g_opt->m[i], b) || memcmp(g_saved[3 * i + 2], g_opt->v[i], b))
            return 0;
    }
    return g_opt->step == g_saved_step;
}
static void opt_restore_state(void) {
    int i;
    for (i = 0; i < g_nparams; i++) {
        size_t b = sizeof(float) * (size_t)g_params[i].n;
        memcpy(g_params[i].value, g_saved[3 * i], b); memcpy(g_opt->m[i], g_saved[3 * i + 1], b); memcpy(g_opt->v[i], g_saved[3 * i + 2], b);
    }
    g_opt->step = g_saved_step;
}
static lora_status op_adamw_step(void) { double gn, lr; return lora_adamw_step(g_opt, NULL, &gn, &lr); }
static void undo_adamw_step(void) { opt_restore_state(); }

#define CKPT_PATH "build/allocfail_dir/trainer_state.bin"
static snap g_snap_ckpt;
static lora_train_state g_state;
static lora_status op_ckpt_save(void) { return lora_checkpoint_save(CKPT_PATH, g_opt, &g_state); }
static int after_ckpt_save(void) { return snap_same(&g_snap_ckpt, CKPT_PATH) && !has_tmp_file("build/allocfail_dir"); }
static void restore_ckpt(void) { snap_restore(&g_snap_ckpt, CKPT_PATH); }
static lora_status op_ckpt_load(void) { lora_train_state st; memset(&st, 0, sizeof st); return lora_checkpoint_load(CKPT_PATH, g_opt, &st); }

static float *g_params_copy;          /* the model's weights, restored after each merge run */
static double r_merge_diff;
static lora_status op_merge(void) {
    lora_status s;
    size_t i;
    memcpy(g_params_copy, g_model->params, sizeof(float) * g_model->n_floats);
    s = gpt2_model_merge(g_model, g_adapter, 1);
    if (s == LORA_OK) s = gpt2_model_merge(g_model, g_adapter, -1);
    r_merge_diff = 0;
    for (i = 0; i < g_model->n_floats; i++) {
        double d = fabs((double)g_model->params[i] - (double)g_params_copy[i]);
        if (d > r_merge_diff) r_merge_diff = d;
    }
    memcpy(g_model->params, g_params_copy, sizeof(float) * g_model->n_floats);
    return s;
}
static int verify_merge(void) { return r_merge_diff < 1e-5; }

#define MODEL_OUT "build/allocfail_dir/model.safetensors"
#define LLMC_OUT "build/allocfail_dir/model.llmc.bin"
static snap g_snap_model, g_snap_mcfg, g_snap_llmc;
static lora_status op_model_save(void) { return gpt2_model_save(g_model, MODEL_OUT); }
static int after_model_save(void) {
    return snap_same(&g_snap_model, MODEL_OUT) && snap_same(&g_snap_mcfg, "build/allocfail_dir/config.json") && !has_tmp_file("build/allocfail_dir");
}
static lora_status op_model_save_llmc(void) { return gpt2_model_save_llmc(g_model, LLMC_OUT); }
static int after_model_save_llmc(void) { return snap_same(&g_snap_llmc, LLMC_OUT) && !has_tmp_file("build/allocfail_dir"); }
static void restore_model_files(void) {
    snap_restore(&g_snap_model, MODEL_OUT); snap_restore(&g_snap_mcfg, "build/allocfail_dir/config.json");
    snap_restore(&g_snap_llmc, LLMC_OUT);
}

static lora_status op_tok_load(void) { lora_status s = lora_tokenizer_load(TOKDIR, &r_tok); NOTE_OUT(s, r_tok); return s; }
static int verify_tok(void) { return lora_tokenizer_vocab_size(r_tok) == 50257; }

static const char enc_text[] = "Hello world! <|endoftext|> It's 2024: caf\xc3\xa9, \xe4\xbd\xa0\xe5\xa5\xbd, emoji \xf0\x9f\x98\x80  \n\n  tabs\tand   spaces"
                               " and a looooooooooooooooooooooooooooooooooooooooooooong word, bytes \xff\xfe.";
static lora_status op_encode_decode(void) {
    size_t n, len;
    lora_status s = lora_encode(g_tok, enc_text, sizeof enc_text - 1, 1, &r_ids, &n);
    NOTE_OUT(s, r_ids);
    if (s != LORA_OK) return s;
    s = lora_decode(g_tok, r_ids, n, &r_text, &len);
    NOTE_OUT(s, r_text);
    if (s != LORA_OK) { lora_free(r_ids); r_ids = NULL; return s; }
    return len == sizeof enc_text - 1 && memcmp(r_text, enc_text, len) == 0 ? LORA_OK : LORA_ERR_FORMAT;
}

static lora_status op_jsonl(void) {
    lora_data_config dc = lora_data_config_init();
    lora_status s = lora_data_load_jsonl("data/qa_val.jsonl", g_tok, &dc, &r_ds);
    NOTE_OUT(s, r_ds);
    return s;
}
static const char jsonl_mixed[] =
    "{\"text\": \"plain text line\"}\n"
    "{\"prompt\": \"Q: 2+2?\", \"completion\": \" 4\"}\n"
    "\r\n"
    "{\"question\": \"What is up?\", \"answer\": \"The sky.\", \"id\": 7}\n"
    "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}, "
    "{\"role\": \"assistant\", \"content\": \"Hello!\"}]}\n";
static lora_status op_jsonl_pad(void) {
    lora_data_config dc = lora_data_config_init();
    lora_status s;
    dc.pack = 0; dc.seq = 8;
    s = lora_data_load_jsonl_memory(jsonl_mixed, sizeof jsonl_mixed - 1, "mixed.jsonl", g_tok, &dc, &r_ds);
    NOTE_OUT(s, r_ds);
    return s;
}
static lora_status op_tokens_split(void) {
    lora_dataset *tr = NULL, *va = NULL;
    lora_status s = lora_data_load_tokens(FX "tokens.bin", 97, GPT2_EOT, &r_ds);
    NOTE_OUT(s, r_ds);
    if (s != LORA_OK) return s;
    s = lora_data_split(r_ds, 0.25, 3, &tr, &va);
    if (s != LORA_OK) { if (tr || va) g_out_ok = 0; lora_data_free(r_ds); r_ds = NULL; return s; }
    lora_data_free(r_ds);
    r_ds = tr; r_ds2 = va;
    return LORA_OK;
}
static lora_status op_from_tokens(void) {
    static const int32_t ids[] = {1, 2, 3, 50256, 4, 5, 50256, 6};
    lora_status s = lora_data_from_tokens(ids, NULL, sizeof ids / sizeof ids[0], GPT2_EOT, &r_ds);
    NOTE_OUT(s, r_ds);
    return s;
}

static const int32_t prompt[] = {5, 17, 42, 3, 9};
static lora_status op_kv(void) {
    float logits[97];
    lora_status s = gpt2_kv_create(g_model, 0, &r_kv);
    NOTE_OUT(s, r_kv);
    if (s != LORA_OK) return s;
    if ((s = gpt2_forward_cached(g_model, r_kv, prompt, 5, logits)) == LORA_OK)
        s = gpt2_forward_cached(g_model, r_kv, prompt, 1, logits);
    if (s != LORA_OK) { gpt2_kv_free(r_kv); r_kv = NULL; }
    return s;
}
static int32_t g_gen_ref[12], r_gen[12];
static int g_gen_n, r_gen_n;
static lora_status op_generate(void) {
    lora_sampler sp = lora_sampler_init();
    sp.temperature = 0.8f; sp.top_k = 20; sp.top_p = 0.9f; sp.seed = 11;
    memset(r_gen, 0, sizeof r_gen);
    return lora_generate(gpt2_model_base(g_model), prompt, 5, 12, &sp, 0, r_gen, &r_gen_n, NULL, NULL);
}
static int verify_generate(void) { return r_gen_n == g_gen_n && memcmp(r_gen, g_gen_ref, sizeof r_gen) == 0; }
static lora_status op_sample(void) {
    float logits[97];
    lora_sampler sp = lora_sampler_init();
    lora_rng rng;
    int i;
    int32_t id;
    for (i = 0; i < 97; i++) logits[i] = (float)((i * 37) % 11) * 0.3f;
    sp.top_k = 10; sp.top_p = 0.8f;
    lora_rng_seed(&rng, 5);
    id = lora_sample(logits, 97, &sp, &rng);
    return id < 0 ? (lora_status)id : LORA_OK;
}

static const char json_doc[] =
    "{\"a\": [1, 2.5, -3e10, true, false, null, \"s\\u00e9\\ud83d\\ude00\"], \"b\": {\"c\": {\"d\": [[], {}, [[[\"deep\"]]]]}},"
    " \"long\": \"0123456789012345678901234567890123456789012345678901234567890123456789\", \"n\": 12345678901234567890}";
static lora_status op_json(void) { lora_status s = lora_json_parse(json_doc, sizeof json_doc - 1, "doc.json", &r_json); NOTE_OUT(s, r_json); return s; }
static lora_status op_st_open(void) { lora_status s = lora_st_open(FX "adapter/adapter_model.safetensors", &r_st); NOTE_OUT(s, r_st); return s; }
static char *g_st_bytes;
static size_t g_st_len;
static lora_status op_st_open_memory(void) { lora_status s = lora_st_open_memory(g_st_bytes, g_st_len, "mem.safetensors", &r_st); NOTE_OUT(s, r_st); return s; }
#define ST_OUT "build/allocfail_dir/t.safetensors"
static snap g_snap_stw;
static lora_status op_st_write(void) {
    static const float a[6] = {1, 2, 3, 4, 5, 6};
    static const uint16_t h[3] = {1, 2, 3};
    static const char *const mk[] = {"format", "note"}, *const mv[] = {"pt", "allocfail"};
    lora_st_entry e[2];
    memset(e, 0, sizeof e);
    e[0].name = "weight"; e[0].dtype = LORA_DT_F32; e[0].ndim = 2; e[0].shape[0] = 2; e[0].shape[1] = 3; e[0].data = a;
    e[1].name = "half"; e[1].dtype = LORA_DT_F16; e[1].ndim = 1; e[1].shape[0] = 3; e[1].data = h;
    return lora_st_write(ST_OUT, e, 2, mk, mv, 2);
}
static int after_st_write(void) { return snap_same(&g_snap_stw, ST_OUT) && !has_tmp_file("build/allocfail_dir"); }
static void restore_stw(void) { snap_restore(&g_snap_stw, ST_OUT); }

static lora_status op_regex_select(void) {
    static const char *const names[] = {"transformer.h.0.attn.c_attn", "transformer.h.0.mlp.c_fc", "transformer.h.11.attn.c_proj", "lm_head"};
    static const unsigned char is_out[] = {0, 0, 0, 1};
    unsigned char sel[4];
    lora_target_spec sp;
    lora_status s = lora_regex_compile("(?:.*\\.)?h\\.(\\d+)\\.(attn|mlp)\\.c_[a-z]+|lm_\\w{2,4}", &r_re);
    NOTE_OUT(s, r_re);
    if (s != LORA_OK) return s;
    memset(&sp, 0, sizeof sp);
    sp.target_regex = ".*\\.h\\.\\d+\\.(attn\\.c_attn|mlp\\.c_fc)";
    sp.exclude_regex = ".*\\.h\\.0\\.mlp.*";
    if ((s = lora_select_targets(&sp, names, 4, is_out, sel)) == LORA_OK) {
        static const int layer0[] = {0};
        memset(&sp, 0, sizeof sp);
        sp.targets = tg_list; sp.n_targets = 2; sp.layers = layer0; sp.n_layers = 1; sp.layers_pattern = "h";
        s = lora_select_targets(&sp, names, 4, is_out, sel);
    }
    if (s != LORA_OK) { lora_regex_free(r_re); r_re = NULL; }
    return s;
}

static lora_dataset *g_ds;
static lora_status op_train(void) {
    lora_train_config tc = lora_train_config_init();
    lora_status s;
    tc.batch = 2; tc.seq = 16; tc.steps = 2; tc.grad_accum = 2; tc.optim.grad_clip = 1.0;
    s = lora_train(gpt2_model_base(g_model), g_ds, &tc, NULL);
    return s;
}
static lora_status op_full_finetune(void) {
    lora_status s = gpt2_model_set_full_finetune(r_model, 1);
    if (s != LORA_OK) return s;
    s = gpt2_trainable_params(r_model, &r_params, &r_nparams);
    NOTE_OUT(s, r_params);
    if (s != LORA_OK) gpt2_model_set_full_finetune(r_model, 0);
    return s;
}
static void undo_full_finetune(void) { LORA_FREE(r_params); r_params = NULL; gpt2_model_set_full_finetune(r_model, 0); }

static lora_status op_forward_pool(void) {
    /* two threads: per-thread attention scratch, pool workspace */
    lora_status s;
    gpt2_model_set_pool(g_model, g_pool2);
    s = gpt2_forward(g_model, g_in, g_lab, 2, 16, &r_loss);
    gpt2_model_set_pool(g_model, NULL);
    return s;
}
static lora_status op_forward_dropout(void) {
    lora_status s;
    g_adapter->config.dropout = 0.1f;
    gpt2_model_set_training(g_model, 1, 99);
    s = gpt2_forward(g_model, g_in, g_lab, 2, 16, &r_loss);
    if (s == LORA_OK) s = gpt2_backward(g_model);
    gpt2_model_set_training(g_model, 0, 0);
    g_adapter->config.dropout = 0.0f;
    return s;
}

/* ---- bounded allocations on hostile headers (known bugs) ---- */
static void write_bytes(const char *path, const void *d, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) { fprintf(stderr, "cannot write %s\n", path); exit(2); }
    if (n) fwrite(d, 1, n, f);
    fclose(f);
}
static void check_bounded(const char *what, const char *path, const char *config_path, lora_status expect) {
    gpt2_model *m = NULL;
    lora_status s;
    long base = af_live;
    af_peak_request = 0;
    af_limit = (size_t)64 << 20;   /* refuse anything above 64 MB instead of touching it */
    s = gpt2_model_load(path, config_path, NULL, &m);
    af_limit = 0;
    CHECK(m == NULL && af_live == base);
    gpt2_model_free(m);
    if (s == expect && af_peak_request <= ((size_t)1 << 20)) {
        CHECK(1);
        printf("  %-52s %s, largest request %zu bytes\n", what, lora_status_name(s), af_peak_request);
    } else {
        CHECK_MSG(0, "%s: gpt2_model_load returns %s (expected %s) after asking for %zu bytes in one allocation: %s", what,
                  lora_status_name(s), lora_status_name(expect), af_peak_request, lora_last_error());
    }
}

static void hostile_headers(void) {
    int32_t h[256 + 16];
    FILE *f;
    memset(h, 0, sizeof h);
    h[0] = 20240326; h[1] = 3; h[2] = 1024; h[3] = 50257; h[4] = 48; h[5] = 25; h[6] = 1600; h[7] = 50304; /* gpt2-xl */
    write_bytes("build/allocfail_dir/xl_header.bin", h, sizeof h);
    check_bounded("llm.c: gpt2-xl header, 1 KB file", "build/allocfail_dir/xl_header.bin", NULL, LORA_ERR_FORMAT);
    /* a config.json that promises a big model beside a safetensors file without its tensors */
    f = fopen("build/allocfail_dir/cfg_big.json", "wb");
    if (f) {
        fputs("{\"n_layer\": 48, \"n_head\": 25, \"n_embd\": 1600, \"n_positions\": 1024, \"vocab_size\": 50257}", f);
        fclose(f);
    }
    check_bounded("safetensors: config.json of gpt2-xl, tiny file", FX "adapter/adapter_model.safetensors",
                  "build/allocfail_dir/cfg_big.json", LORA_ERR_NOT_FOUND);
}

/* the previous files the save scenarios must leave intact: other content, other config */
static void make_previous_files(void) {
    gpt2_config c;
    gpt2_model *m = NULL;
    lora_train_state st;
    static const float x[2] = {7, 8};
    lora_st_entry e;
    memset(&c, 0, sizeof c);
    c.n_layer = 1; c.n_head = 2; c.n_embd = 8; c.n_positions = 8; c.vocab_size = 11; c.layer_norm_eps = 1e-5f;
    if (gpt2_model_create(&c, NULL, &m) != LORA_OK) exit(2);
    gpt2_model_init_random(m, 1);
    if (gpt2_model_save(m, MODEL_OUT) != LORA_OK || gpt2_model_save_llmc(m, LLMC_OUT) != LORA_OK) exit(2);
    gpt2_model_free(m);
    if (lora_adapter_save(g_adapter, SAVE_DIR, 1) != LORA_OK) exit(2);
    memset(&st, 0, sizeof st);
    st.step = 1; st.data_pos = 1; st.seed = 1;
    if (lora_checkpoint_save(CKPT_PATH, g_opt, &st) != LORA_OK) exit(2);
    memset(&e, 0, sizeof e);
    e.name = "previous"; e.dtype = LORA_DT_F32; e.ndim = 1; e.shape[0] = 2; e.data = x;
    if (lora_st_write(ST_OUT, &e, 1, NULL, NULL, 0) != LORA_OK) exit(2);
    g_snap_st = snap_take(SAVE_DIR "/adapter_model.safetensors");
    g_snap_cfg = snap_take(SAVE_DIR "/adapter_config.json");
    g_snap_ckpt = snap_take(CKPT_PATH);
    g_snap_model = snap_take(MODEL_OUT);
    g_snap_mcfg = snap_take("build/allocfail_dir/config.json");
    g_snap_llmc = snap_take(LLMC_OUT);
    g_snap_stw = snap_take(ST_OUT);
}

int main(void) {
    int i;
    lora_sampler sp;
    mkdir("build", 0755);
    mkdir("build/allocfail_dir", 0755);
    /* fixtures, hooks disarmed */
    if (gpt2_model_load(FX "model/model.safetensors", NULL, NULL, &g_model) != LORA_OK ||
        gpt2_lora_load(g_model, FX "adapter", &g_adapter, NULL) != LORA_OK ||
        gpt2_lora_load(g_model, FX "adapter", &g_adapter2, NULL) != LORA_OK ||
        gpt2_model_set_adapter(g_model, g_adapter) != LORA_OK ||
        lora_tokenizer_load(TOKDIR, &g_tok) != LORA_OK ||
        lora_data_load_tokens(FX "tokens.bin", 97, GPT2_EOT, &g_ds) != LORA_OK ||
        lora_pool_create(&g_pool2, 2) != LORA_OK) {
        fprintf(stderr, "fixtures: %s\n", lora_last_error());
        return 1;
    }
    /* a second adapter with other weights and another lora_alpha: its files differ in both parts */
    for (i = 0; i < g_adapter2->n_modules; i++) {
        lora_module *m = &g_adapter2->modules[i];
        int j;
        for (j = 0; j < m->r * m->out; j++) m->B[j] *= 2.0f;
    }
    g_adapter2->config.alpha = 16.0f;
    for (i = 0; i < 32; i++) { g_in[i] = (i * 7 + 3) % 97; g_lab[i] = i % 5 == 0 ? -100 : (i * 11 + 1) % 97; }
    if (gpt2_forward(g_model, g_in, g_lab, 2, 16, &g_ref_loss) != LORA_OK) { fprintf(stderr, "forward: %s\n", lora_last_error()); return 1; }
    sp = lora_sampler_init();
    sp.temperature = 0.8f; sp.top_k = 20; sp.top_p = 0.9f; sp.seed = 11;
    if (lora_generate(gpt2_model_base(g_model), prompt, 5, 12, &sp, 0, g_gen_ref, &g_gen_n, NULL, NULL) != LORA_OK) return 1;
    if (gpt2_trainable_params(g_model, &g_params, &g_nparams) != LORA_OK) return 1;
    {
        lora_adamw_config oc = lora_adamw_config_init();
        oc.grad_clip = 1.0;
        if (lora_adamw_create(&oc, g_params, g_nparams, &g_opt) != LORA_OK) return 1;
    }
    gpt2_zero_grad(g_model);
    gpt2_forward(g_model, g_in, g_lab, 2, 16, NULL);
    gpt2_backward(g_model);
    opt_save_state();
    memset(&g_state, 0, sizeof g_state);
    g_state.step = 3; g_state.data_pos = 17; g_state.seed = 42;
    make_previous_files();
    g_st_bytes = test_slurp(FX "adapter/adapter_model.safetensors", &g_st_len);
    g_params_copy = (float *)malloc(sizeof(float) * g_model->n_floats);
    if (!g_st_bytes || !g_params_copy) return 1;

    printf("allocation-failure runs (the k-th allocation fails, k = 1, 2, ...):\n");
    {
        const scenario list[] = {
            {"lora_pool_create (3 threads)", op_pool, free_results, NULL, NULL, NULL, NULL},
            {"gpt2_model_create + init_random (tiny)", op_model_create, free_results, NULL, NULL, NULL, NULL},
            {"gpt2_model_load safetensors (A)", op_load_st, free_results, NULL, verify_model, NULL, NULL},
            {"gpt2_model_load safetensors bf16 + config path", op_load_st_noconfig, free_results, NULL, NULL, NULL, NULL},
            {"gpt2_model_load llm.c (A)", op_load_llmc, free_results, NULL, verify_model, NULL, NULL},
            {"gpt2_lora_create targets list", op_lora_create_list, free_results, NULL, NULL, NULL, NULL},
            {"gpt2_lora_create list+layers+exclude, lora_only", op_lora_create_layers, free_results, NULL, NULL, NULL, NULL},
            {"gpt2_lora_create regex+exclude regex, bias all", op_lora_create_regex, free_results, NULL, NULL, NULL, NULL},
            {"gpt2_lora_create all-linear, rsLoRA", op_lora_create_all_linear, free_results, NULL, NULL, NULL, NULL},
            {"gpt2_lora_load (A/adapter)", op_lora_load, free_results, NULL, verify_lora_load, NULL, NULL},
            {"lora_adapter_save (no temp file, config intact)", op_adapter_save, NULL, after_adapter_save_tmp, NULL, restore_adapter_files, NULL},
            {"lora_adapter_save (both files as before)", op_adapter_save, NULL, after_adapter_save, NULL, restore_adapter_files, NULL},
            {"gpt2_forward (allocates activations)", op_forward_fresh, drop_acts, NULL, verify_loss, NULL, drop_acts},
            {"gpt2_forward, 2-thread pool", op_forward_pool, drop_acts, NULL, verify_loss, NULL, drop_acts},
            {"gpt2_forward + backward, LoRA dropout", op_forward_dropout, drop_acts, NULL, NULL, NULL, drop_acts},
            {"gpt2_forward + gpt2_backward", op_forward_backward, drop_acts, NULL, verify_loss, NULL, drop_acts},
            {"gpt2_trainable_params + lora_adamw_create", op_params_adamw_create, free_results, NULL, NULL, NULL, NULL},
            {"lora_adamw_step (clipping; state unchanged)", op_adamw_step, undo_adamw_step, opt_same_state, NULL, NULL, NULL},
            {"lora_checkpoint_save (previous file intact)", op_ckpt_save, NULL, after_ckpt_save, NULL, restore_ckpt, NULL},
            {"lora_checkpoint_load (state unchanged)", op_ckpt_load, undo_adamw_step, opt_same_state, NULL, NULL, NULL},
            {"gpt2_model_merge +1 / -1", op_merge, NULL, NULL, verify_merge, NULL, NULL},
            {"gpt2_model_save (both files as before)", op_model_save, NULL, after_model_save, NULL, restore_model_files, NULL},
            {"gpt2_model_save_llmc (previous file intact)", op_model_save_llmc, NULL, after_model_save_llmc, NULL, restore_model_files, NULL},
            {"lora_tokenizer_load (data/gpt2-tokenizer)", op_tok_load, free_results, NULL, verify_tok, NULL, NULL},
            {"lora_encode + lora_decode", op_encode_decode, free_results, NULL, NULL, NULL, NULL},
            {"lora_data_load_jsonl (data/qa_val.jsonl)", op_jsonl, free_results, NULL, NULL, NULL, NULL},
            {"lora_data_load_jsonl_memory (all formats, pad)", op_jsonl_pad, free_results, NULL, NULL, NULL, NULL},
            {"lora_data_load_tokens + lora_data_split", op_tokens_split, free_results, NULL, NULL, NULL, NULL},
            {"lora_data_from_tokens", op_from_tokens, free_results, NULL, NULL, NULL, NULL},
            {"gpt2_kv_create + gpt2_forward_cached", op_kv, free_results, NULL, NULL, NULL, NULL},
            {"gpt2_generate (top-k, top-p)", op_generate, NULL, NULL, verify_generate, NULL, NULL},
            {"lora_sample", op_sample, NULL, NULL, NULL, NULL, NULL},
            {"lora_json_parse", op_json, free_results, NULL, NULL, NULL, NULL},
            {"lora_st_open (file)", op_st_open, free_results, NULL, NULL, NULL, NULL},
            {"lora_st_open_memory", op_st_open_memory, free_results, NULL, NULL, NULL, NULL},
            {"lora_st_write (previous file intact)", op_st_write, NULL, after_st_write, NULL, restore_stw, NULL},
            {"lora_regex_compile + lora_select_targets", op_regex_select, free_results, NULL, NULL, NULL, NULL},
            {"gpt2_train (2 steps, grad_accum 2)", op_train, drop_acts, NULL, NULL, drop_acts, drop_acts},
        };
        for (i = 0; i < (int)(sizeof list / sizeof list[0]); i++) run_scenario(&list[i]);
        /* full fine-tuning needs its own model */
        if (gpt2_model_load(FX "model/model.safetensors", NULL, NULL, &r_model) == LORA_OK) {
            scenario sc = {"gpt2_model_set_full_finetune + trainable_params", op_full_finetune, undo_full_finetune, NULL, NULL, NULL, NULL};
            run_scenario(&sc);
        }
        gpt2_model_free(r_model); r_model = NULL;
    }
    CHECK_MSG(g_out_ok, "an output pointer was left non-NULL by a failed call");
    printf("bounded allocations for hostile headers:\n");
    hostile_headers();
    printf("%ld runs in all\n", total_runs);

    /* cleanup: everything the library allocated is freed */
    snap_free(&g_snap_st); snap_free(&g_snap_cfg); snap_free(&g_snap_ckpt); snap_free(&g_snap_model);
    snap_free(&g_snap_mcfg); snap_free(&g_snap_llmc); snap_free(&g_snap_stw);
    free(g_st_bytes); free(g_params_copy);
    if (g_saved) { for (i = 0; i < 3 * g_nparams; i++) free(g_saved[i]); free(g_saved); }
    lora_adamw_free(g_opt);
    LORA_FREE(g_params);
    lora_data_free(g_ds);
    lora_tokenizer_free(g_tok);
    gpt2_model_free(g_model);
    lora_adapter_free(g_adapter);
    lora_adapter_free(g_adapter2);
    lora_pool_destroy(g_pool2);
    CHECK_MSG(af_live == 0, "%ld blocks still allocated at exit", af_live);
    return TEST_END();
}

