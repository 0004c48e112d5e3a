/* Thread pool: every task runs exactly once, thread indices in range, rapid
   back-to-back runs, runs after the workers went to sleep, nested and
   concurrent use, create/destroy cycles, NULL pool, ISA selection. */
#define _POSIX_C_SOURCE 200809L
#include "lora.h"
#include "test.h"
#include <stdlib.h>
#include <pthread.h>
#include <time.h>

typedef struct {
    int *count;        /* per task */
    int *by_thread;    /* per thread index */
    int n_threads;
    int bad_thread;
    long work;         /* busy-loop iterations per task */
} run_ctx;

static void count_task(void *vctx, int task, int thread) {
    run_ctx *c = (run_ctx *)vctx;
    volatile long x = 0;
    long i;
    __atomic_fetch_add(&c->count[task], 1, __ATOMIC_RELAXED);
    if (thread < 0 || thread >= c->n_threads) __atomic_store_n(&c->bad_thread, 1, __ATOMIC_RELAXED);
    else __atomic_fetch_add(&c->by_thread[thread], 1, __ATOMIC_RELAXED);
    for (i = 0; i < c->work; i++) x = x + i;
}

/* runs n tasks and checks each ran exactly once */
static int run_once(lora_pool *pool, int n, long work) {
    run_ctx c;
    int i, ok = 1, nt = lora_pool_threads(pool);
    c.count = (int *)calloc((size_t)(n > 0 ? n : 1), sizeof(int));
    c.by_thread = (int *)calloc((size_t)nt, sizeof(int));
    c.n_threads = nt; c.bad_thread = 0; c.work = work;
    lora_pool_run(pool, count_task, &c, n);
    for (i = 0; i < n; i++) if (c.count[i] != 1) ok = 0;
    if (c.bad_thread) ok = 0;
    free(c.count); free(c.by_thread);
    return ok;
}

/* task 1 is much longer than task 0: the caller usually runs out of work first and blocks
   until the worker finishes (the wake-up of a waiting caller, once lost under qemu's arm64
   emulation, where a store and the load after it were reordered) */
static void uneven_task(void *vctx, int task, int thread) {
    int *count = (int *)vctx;
    volatile long x = 0;
    long i, n = task == 1 ? 20000 : 10;
    (void)thread;
    for (i = 0; i < n; i++) x = x + i;
    __atomic_fetch_add(&count[task], 1, __ATOMIC_RELAXED);
}

static void sleep_ms(int ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000; ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* nested: a task calls lora_pool_run on the same pool (runs serially in the task) */
typedef struct { lora_pool *pool; int inner[8][16]; } nest_ctx;
typedef struct { nest_ctx *n; int outer; } nest_inner;
static void inner_task(void *vctx, int task, int thread) {
    nest_inner *ni = (nest_inner *)vctx;
    (void)thread;
    __atomic_fetch_add(&ni->n->inner[ni->outer][task], 1, __ATOMIC_RELAXED);
}
static void outer_task(void *vctx, int task, int thread) {
    nest_ctx *n = (nest_ctx *)vctx;
    nest_inner ni;
    (void)thread;
    ni.n = n; ni.outer = task;
    lora_pool_run(n->pool, inner_task, &ni, 16);
}

/* concurrent: two OS threads share one pool */
typedef struct { lora_pool *pool; int ok; } conc_ctx;
static void *conc_main(void *arg) {
    conc_ctx *c = (conc_ctx *)arg;
    int i;
    c->ok = 1;
    for (i = 0; i < 2000; i++) if (!run_once(c->pool, 1 + i % 13, 50)) c->ok = 0;
    return NULL;
}

typedef struct { int arrived, timeout; } meet_ctx;
static void meet_task(void *vctx, int task, int thread) {
    meet_ctx *m = (meet_ctx *)vctx;
    struct timespec t0, t1;
    (void)task; (void)thread;
    __atomic_fetch_add(&m->arrived, 1, __ATOMIC_SEQ_CST);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (__atomic_load_n(&m->arrived, __ATOMIC_SEQ_CST) < 2) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec > 10) { m->timeout = 1; break; }
    }
}

int main(void) {
    lora_pool *pool = NULL;
    int i, t, ok, threaded;
    (void)test_max_abs_diff; (void)test_rel_l2;

    /* NULL pool: serial, thread 0 */
    CHECK(lora_pool_threads(NULL) == 1);
    CHECK(run_once(NULL, 37, 0));
    CHECK(run_once(NULL, 0, 0));
    CHECK(run_once(NULL, 1, 0));
    lora_pool_run(NULL, count_task, NULL, -3); /* no-op */
    CHECK(lora_pool_isa(NULL) != LORA_ISA_AUTO);

    CHECK_ERR(lora_pool_create(NULL, 2), LORA_ERR_INVALID_ARG);

    /* default thread count = online cores */
    CHECK_OK(lora_pool_create(&pool, 0));
    CHECK(pool && lora_pool_threads(pool) >= 1);
    CHECK(run_once(pool, 100, 0));
    lora_pool_destroy(pool);
    lora_pool_destroy(NULL);

    /* builds without threads (_WIN32, -DLORA_NO_THREADS) run pools on the caller only */
    CHECK_OK(lora_pool_create(&pool, 2));
    threaded = lora_pool_threads(pool) == 2;
    lora_pool_destroy(pool);
    if (!threaded) printf("pools are serial in this build\n");

    for (t = 1; t <= 8; t *= 2) {
        CHECK_OK(lora_pool_create(&pool, t));
        CHECK(lora_pool_threads(pool) == (threaded ? t : 1));
        /* every task exactly once, various counts */
        ok = 1;
        for (i = 0; i < 200; i++) if (!run_once(pool, i, i % 3 ? 0 : 200)) ok = 0;
        CHECK_MSG(ok, "threads=%d", t);
        /* uneven runs: the caller waits for the slower task */
        {
            int count[2] = { 0, 0 };
            for (i = 0; i < 3000; i++) lora_pool_run(pool, uneven_task, count, 2);
            CHECK_MSG(count[0] == 3000 && count[1] == 3000, "uneven runs, threads=%d: %d / %d", t, count[0], count[1]);
        }
        /* many rapid runs */
        ok = 1;
        for (i = 0; i < 20000; i++) if (!run_once(pool, 1 + i % 9, 0)) ok = 0;
        CHECK_MSG(ok, "rapid runs, threads=%d", t);
        /* let the workers block on the condition variable, then run again */
        ok = 1;
        for (i = 0; i < 5; i++) {
            sleep_ms(3);
            if (!run_once(pool, 64, 1000)) ok = 0;
        }
        CHECK_MSG(ok, "runs after sleeping, threads=%d", t);
        /* heavier tasks so that the caller has to wait for the workers */
        CHECK(run_once(pool, 16, 200000));
        /* nested use of the same pool */
        {
            nest_ctx n;
            int a, b, nok = 1;
            memset(&n, 0, sizeof n);
            n.pool = pool;
            lora_pool_run(pool, outer_task, &n, 8);
            for (a = 0; a < 8; a++) for (b = 0; b < 16; b++) if (n.inner[a][b] != 1) nok = 0;
            CHECK_MSG(nok, "nested runs, threads=%d", t);
        }
        /* two OS threads using the same pool at once */
        {
            pthread_t th;
            conc_ctx c1, c2;
            c1.pool = c2.pool = pool;
            CHECK(pthread_create(&th, NULL, conc_main, &c1) == 0);
            conc_main(&c2);
            pthread_join(th, NULL);
            CHECK_MSG(c1.ok && c2.ok, "concurrent use, threads=%d", t);
        }
        lora_pool_destroy(pool);
    }

    /* oversubscribed pool, job sizes changing every run: a worker that wakes late must
       never run a task of the next job (each task must still run exactly once) */
    CHECK_OK(lora_pool_create(&pool, 16));
    ok = 1;
    for (i = 0; i < 30000; i++) if (!run_once(pool, 1 + (i * 7) % 13, i % 5 ? 0 : 30)) ok = 0;
    CHECK_MSG(ok, "oversubscribed rapid runs");
    lora_pool_destroy(pool);

    /* all threads take part: tasks 0 and 1 wait until both have started (the caller
       is stuck in one of them, so a worker must run the other) */
    CHECK_OK(lora_pool_create(&pool, 2));
    if (threaded) {
        meet_ctx m;
        m.arrived = 0; m.timeout = 0;
        lora_pool_run(pool, meet_task, &m, 2);
        CHECK(m.arrived == 2 && !m.timeout);
    }
    lora_pool_destroy(pool);

    /* create / destroy cycles, with and without work in between */
    ok = 1;
    for (i = 0; i < 300; i++) {
        if (lora_pool_create(&pool, 1 + i % 5) != LORA_OK) { ok = 0; break; }
        if (i % 2 && !run_once(pool, 1 + i % 17, 0)) ok = 0;
        lora_pool_destroy(pool);
    }
    CHECK(ok);

    /* instruction sets */
    {
        lora_isa best = lora_detect_isa();
        CHECK(best != LORA_ISA_AUTO);
        CHECK(strcmp(lora_isa_name(LORA_ISA_AVX512), "avx512") == 0);
        CHECK(strcmp(lora_isa_name(LORA_ISA_SCALAR), "scalar") == 0);
        CHECK_OK(lora_pool_create(&pool, 2));
        CHECK(lora_pool_isa(pool) == best || getenv("LORA_ISA") != NULL);
        CHECK_OK(lora_pool_set_isa(pool, LORA_ISA_SCALAR));
        CHECK(lora_pool_isa(pool) == LORA_ISA_SCALAR);
        CHECK_OK(lora_pool_set_isa(pool, LORA_ISA_AUTO));
        CHECK(lora_pool_isa(pool) == best);
        CHECK_ERR(lora_pool_set_isa(pool, (lora_isa)42), LORA_ERR_INVALID_ARG);
        CHECK_ERR(lora_pool_set_isa(NULL, LORA_ISA_SCALAR), LORA_ERR_INVALID_ARG);
#if defined(__x86_64__) || defined(__i386__)
        CHECK_ERR(lora_pool_set_isa(pool, LORA_ISA_NEON), LORA_ERR_UNSUPPORTED);
#ifndef LORA_NO_AVX2
        if (best == LORA_ISA_AVX512) { CHECK_OK(lora_pool_set_isa(pool, LORA_ISA_AVX2)); }
#endif
        if (best == LORA_ISA_SCALAR) { CHECK_ERR(lora_pool_set_isa(pool, LORA_ISA_AVX2), LORA_ERR_UNSUPPORTED); }
        if (best != LORA_ISA_AVX512) { CHECK_ERR(lora_pool_set_isa(pool, LORA_ISA_AVX512), LORA_ERR_UNSUPPORTED); }
#elif defined(__aarch64__)
        CHECK_ERR(lora_pool_set_isa(pool, LORA_ISA_AVX2), LORA_ERR_UNSUPPORTED);
        CHECK_ERR(lora_pool_set_isa(pool, LORA_ISA_AVX512), LORA_ERR_UNSUPPORTED);
#endif
        CHECK(strlen(lora_last_error()) > 0);
        lora_pool_destroy(pool);

        /* LORA_ISA is read at pool creation */
        setenv("LORA_ISA", "scalar", 1);
        CHECK_OK(lora_pool_create(&pool, 1));
        CHECK(lora_pool_isa(pool) == LORA_ISA_SCALAR);
        CHECK(lora_pool_isa(NULL) == LORA_ISA_SCALAR);
        lora_pool_destroy(pool);
        setenv("LORA_ISA", "bogus", 1);
        CHECK_OK(lora_pool_create(&pool, 1));
        CHECK(lora_pool_isa(pool) == best);
        lora_pool_destroy(pool);
        unsetenv("LORA_ISA");
        printf("best isa: %s\n", lora_isa_name(best));
    }
    return TEST_END();
}
