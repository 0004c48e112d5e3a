/* ---- thread pool, ISA detection ----
   Workers are persistent. lora_pool_run publishes (fn, ctx, n_tasks) under a new
   generation number; workers spin briefly on the generation, then block on a
   condition variable. Tasks are claimed (dynamic scheduling) with a CAS on a 64-bit
   ticket holding (generation << 32 | next task), so a worker that wakes late can
   never claim a task of a later run (see lora__pool_work). The caller runs tasks too
   and waits until the number of finished tasks reaches n_tasks (it never waits for
   workers that are asleep). The pool also owns the GEMM workspace (no globals). */

#if !defined(LORA_NO_SIMD) && (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define LORA__X86 1
#include <immintrin.h>
#include <cpuid.h>
#endif
#if defined(LORA__X86) && !defined(LORA_NO_AVX512)
#define LORA__HAVE_AVX512 1
#endif
#if defined(LORA__X86) && !defined(LORA_NO_AVX2)
#define LORA__HAVE_AVX2 1
#endif
#if !defined(LORA_NO_SIMD) && defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER))
#define LORA__HAVE_NEON 1
#include <arm_neon.h>
#endif

#if !defined(_WIN32) && (defined(__GNUC__) || defined(__clang__)) && !defined(LORA_NO_THREADS)
#define LORA__THREADS 1
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#endif

LORA_API const char *lora_isa_name(lora_isa isa) {
    switch (isa) {
    case LORA_ISA_AUTO: return "auto";
    case LORA_ISA_SCALAR: return "scalar";
    case LORA_ISA_AVX2: return "avx2";
    case LORA_ISA_AVX512: return "avx512";
    case LORA_ISA_NEON: return "neon";
    }
    return "unknown";
}

#ifdef LORA__X86
/* XCR0: bit 1 SSE, bit 2 AVX (YMM), bits 5-7 opmask / ZMM_Hi256 / Hi16_ZMM. */
static unsigned lora__xcr0(void) {
    unsigned lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return lo;
}
#endif

/* Full detection with CPUID + XGETBV (CPUID traps to the hypervisor in VMs and
   costs microseconds there, so pools detect once, at creation). */
LORA_API lora_isa lora_detect_isa(void) {
#ifdef LORA__X86
    unsigned a, b, c, d, max_leaf, xcr0;
    int avx2 = 0, avx512 = 0;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return LORA_ISA_SCALAR;
    max_leaf = a;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return LORA_ISA_SCALAR;
    /* OSXSAVE (27), AVX (28), FMA (12) */
    if (!(c & (1u << 27)) || !(c & (1u << 28)) || !(c & (1u << 12)) || max_leaf < 7) return LORA_ISA_SCALAR;
    xcr0 = lora__xcr0();
    if ((xcr0 & 0x6) != 0x6) return LORA_ISA_SCALAR;
    __cpuid_count(7, 0, a, b, c, d);
    avx2 = (b >> 5) & 1;
    /* AVX-512 F (16), DQ (17), BW (30), VL (31) and the OS saving opmask/ZMM state */
    avx512 = avx2 && ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1) && (xcr0 & 0xe6) == 0xe6;
#ifdef LORA__HAVE_AVX512
    if (avx512) return LORA_ISA_AVX512;
#endif
#ifdef LORA__HAVE_AVX2
    if (avx2) return LORA_ISA_AVX2;
#endif
    (void)avx512; (void)avx2;
    return LORA_ISA_SCALAR;
#elif defined(LORA__HAVE_NEON)
    return LORA_ISA_NEON;
#else
    return LORA_ISA_SCALAR;
#endif
}

/* Cheap detection for calls without a pool: the compiler runtime (libgcc /
   compiler-rt) ran CPUID + XGETBV once at start-up and keeps the answer; its
   AVX / AVX-512 feature bits are only set when the OS saves the YMM / ZMM state. */
static lora_isa lora__detect_isa_fast(void) {
#ifdef LORA__X86
    __builtin_cpu_init();
#ifdef LORA__HAVE_AVX512
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2"))
        return LORA_ISA_AVX512;
#endif
#ifdef LORA__HAVE_AVX2
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return LORA_ISA_AVX2;
#endif
    return LORA_ISA_SCALAR;
#else
    return lora_detect_isa();
#endif
}

/* Whether `isa` can run here given the best detected one. */
static int lora__isa_ok(lora_isa isa, lora_isa best) {
    switch (isa) {
    case LORA_ISA_SCALAR: return 1;
    case LORA_ISA_AVX2:
#ifdef LORA__HAVE_AVX2
        return best == LORA_ISA_AVX2 || best == LORA_ISA_AVX512;
#else
        return 0;
#endif
    case LORA_ISA_AVX512: return best == LORA_ISA_AVX512;
    case LORA_ISA_NEON: return best == LORA_ISA_NEON;
    default: return 0;
    }
}

/* LORA_ISA=scalar|avx2|avx512|neon; AUTO when unset, unknown or unsupported. */
static lora_isa lora__env_isa(lora_isa best) {
    const char *e = getenv("LORA_ISA");
    lora_isa want = LORA_ISA_AUTO;
    if (!e || !*e) return LORA_ISA_AUTO;
    if (!strcmp(e, "scalar")) want = LORA_ISA_SCALAR;
    else if (!strcmp(e, "avx2")) want = LORA_ISA_AVX2;
    else if (!strcmp(e, "avx512")) want = LORA_ISA_AVX512;
    else if (!strcmp(e, "neon")) want = LORA_ISA_NEON;
    return (want != LORA_ISA_AUTO && lora__isa_ok(want, best)) ? want : LORA_ISA_AUTO;
}

/* ISA used without a pool: LORA_ISA if set and supported, else the best one. */
static lora_isa lora__null_pool_isa(void) {
    lora_isa best = lora__detect_isa_fast(), env = lora__env_isa(best);
    return env != LORA_ISA_AUTO ? env : best;
}

struct lora_pool {
    int n_threads;
    lora_isa isa, best;
    void *scratch;          /* kernel workspace, used while the pool is held (see lora__pool_acquire) */
    size_t scratch_size;
    int gemm_panels_taken;  /* row panels of a product computed by a thread other than their task's
                               (see lora__gemm_span; a statistic that tests read) */
    int gemm_side_groups;   /* A groups packed by side jobs of the kernel (see lora__side_job; read by tests) */
#ifdef LORA__THREADS
    lora_task_fn fn;        /* current job (atomic accesses) */
    void *ctx;
    int n_tasks;
    uint64_t ticket;        /* gen << 32 | next task (0xffffffff: closed while a job is written) */
    int done;               /* tasks finished in the current run */
    unsigned gen;
    int sleepers;           /* workers blocked on cv_work */
    int caller_waiting;
    int stop;
    int busy;               /* 1 while a run (or a GEMM) owns the pool */
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    pthread_t *threads;
    struct lora__worker *workers;
    int n_started;
#endif
};

#ifdef LORA__THREADS
#define LORA__LOAD(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define LORA__STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define LORA__LOAD_SC(p) __atomic_load_n(p, __ATOMIC_SEQ_CST)
#define LORA__STORE_SC(p, v) __atomic_store_n(p, v, __ATOMIC_SEQ_CST)
/* A store that must be ordered before the load that follows it (the two sides of a wait/wake
   handshake): an atomic exchange, a full barrier on every target. A sequentially consistent
   store is enough on hardware, but qemu's arm64 emulation lets the next load pass it on an x86
   host, and the wake-up was then lost (a caller waited for ever on finished tasks). */
#define LORA__STORE_FENCED(p, v) ((void)__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST))

typedef struct lora__worker { lora_pool *pool; int index; } lora__worker;

static void lora__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

/* Spin counts before blocking (a pause is ~30 ns on recent x86, so ~100 us for idle
   workers and ~50 us for a caller waiting for stragglers; spinning longer only
   steals the CPU from the stragglers when the machine is shared). */
#define LORA__SPIN_WORKER 4000
#define LORA__SPIN_CALLER 2000

/* Claims and runs tasks of generation `gen`; returns when none is left.
   The job (fn, ctx, n_tasks) is read after a ticket of generation `gen` was seen, and
   a claim is a CAS on that exact ticket value. Publishing a job first closes the
   ticket of the new generation (index 0xffffffff), so a worker still holding a ticket
   value of an older generation can never claim a task with the new job's fields. */
static void lora__pool_work(lora_pool *p, unsigned gen, int thread) {
    for (;;) {
        uint64_t t = __atomic_load_n(&p->ticket, __ATOMIC_ACQUIRE);
        lora_task_fn fn;
        void *ctx;
        uint32_t n, idx = (uint32_t)t;
        int finished;
        if ((unsigned)(t >> 32) != gen) return;
        n = (uint32_t)__atomic_load_n(&p->n_tasks, __ATOMIC_ACQUIRE);
        fn = __atomic_load_n(&p->fn, __ATOMIC_ACQUIRE);
        ctx = __atomic_load_n(&p->ctx, __ATOMIC_ACQUIRE);
        if (idx >= n) return;
        if (!__atomic_compare_exchange_n(&p->ticket, &t, t + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
        fn(ctx, (int)idx, thread);
        finished = __atomic_add_fetch(&p->done, 1, __ATOMIC_SEQ_CST);
        if (finished == (int)n && LORA__LOAD_SC(&p->caller_waiting)) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->cv_done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

static void *lora__worker_main(void *arg) {
    lora__worker *w = (lora__worker *)arg;
    lora_pool *p = w->pool;
    unsigned seen = 0; /* the generation at creation: a run or destroy may happen before this thread starts */
    for (;;) {
        unsigned g = LORA__LOAD(&p->gen);
        int spins;
        for (spins = 0; g == seen && spins < LORA__SPIN_WORKER; spins++) {
            lora__cpu_relax();
            g = LORA__LOAD(&p->gen);
        }
        if (g == seen) {
            pthread_mutex_lock(&p->mu);
            __atomic_add_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
            while ((g = LORA__LOAD_SC(&p->gen)) == seen) pthread_cond_wait(&p->cv_work, &p->mu);
            __atomic_sub_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&p->mu);
        }
        seen = g;
        if (LORA__LOAD(&p->stop)) break;
        lora__pool_work(p, g, w->index);
    }
    return NULL;
}

/* Runs a job on a pool that the caller holds (busy == 1). */
static void lora__pool_run_held(lora_pool *p, lora_task_fn fn, void *ctx, int n_tasks) {
    unsigned gen;
    int spins;
    if (n_tasks <= 0) return;
    if (p->n_threads <= 1 || n_tasks == 1) {
        int t;
        for (t = 0; t < n_tasks; t++) fn(ctx, t, 0);
        return;
    }
    gen = LORA__LOAD(&p->gen) + 1;
    /* close the ticket first (see lora__pool_work), then the job, then open it */
    __atomic_store_n(&p->ticket, ((uint64_t)gen << 32) | 0xffffffffu, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->fn, fn, __ATOMIC_RELEASE);
    __atomic_store_n(&p->ctx, ctx, __ATOMIC_RELEASE);
    __atomic_store_n(&p->n_tasks, n_tasks, __ATOMIC_RELEASE);
    __atomic_store_n(&p->done, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&p->ticket, (uint64_t)gen << 32, __ATOMIC_RELEASE);
    LORA__STORE_FENCED(&p->gen, gen);
    if (LORA__LOAD_SC(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv_work);
        pthread_mutex_unlock(&p->mu);
    }
    lora__pool_work(p, gen, 0);
    for (spins = 0; LORA__LOAD(&p->done) < n_tasks && spins < LORA__SPIN_CALLER; spins++) lora__cpu_relax();
    if (LORA__LOAD(&p->done) < n_tasks) {
        pthread_mutex_lock(&p->mu);
        LORA__STORE_FENCED(&p->caller_waiting, 1);
        while (LORA__LOAD_SC(&p->done) < n_tasks) {
            /* woken by the worker that finishes the last task; the timeout (1-2 s) is only a
               safety net against a lost wake-up */
            struct timespec until;
            until.tv_sec = time(NULL) + 2;
            until.tv_nsec = 0;
            pthread_cond_timedwait(&p->cv_done, &p->mu, &until);
        }
        LORA__STORE_SC(&p->caller_waiting, 0);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Takes exclusive use of the pool; 0 when it is already running something
   (a nested call from one of its tasks, or another thread using it). */
static int lora__pool_acquire(lora_pool *p) {
    int expected = 0;
    if (!p) return 0;
    return __atomic_compare_exchange_n(&p->busy, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
static void lora__pool_release(lora_pool *p) { LORA__STORE(&p->busy, 0); }

#else /* no threads: serial pool */

static void lora__pool_run_held(lora_pool *p, lora_task_fn fn, void *ctx, int n_tasks) {
    int t;
    (void)p;
    for (t = 0; t < n_tasks; t++) fn(ctx, t, 0);
}
static int lora__pool_acquire(lora_pool *p) { return p != NULL; }
static void lora__pool_release(lora_pool *p) { (void)p; }

#endif /* LORA__THREADS */

/* Number of threads a held pool runs on (1 for NULL). */
static int lora__pool_nthreads(const lora_pool *p) { return p ? p->n_threads : 1; }

/* Workspace of at least `size` bytes owned by a held pool (NULL on OOM). */
static void *lora__pool_scratch(lora_pool *p, size_t size) {
    if (p->scratch_size < size) {
        void *s = lora__alloc_aligned(size, "thread pool workspace");
        if (!s) return NULL;
        lora__free_aligned(p->scratch);
        p->scratch = s;
        p->scratch_size = size;
    }
    return p->scratch;
}

LORA_API void lora_pool_run(lora_pool *pool, lora_task_fn fn, void *ctx, int n_tasks) {
    int t;
    if (!fn || n_tasks <= 0) return;
    if (lora__pool_acquire(pool)) {
        lora__pool_run_held(pool, fn, ctx, n_tasks);
        lora__pool_release(pool);
        return;
    }
    /* NULL pool, or a pool that is already busy (nested use): run here. */
    for (t = 0; t < n_tasks; t++) fn(ctx, t, 0);
}

LORA_API void lora_pool_destroy(lora_pool *pool) {
    if (!pool) return;
#ifdef LORA__THREADS
    if (pool->n_started > 0) {
        int i;
        pthread_mutex_lock(&pool->mu);
        LORA__STORE_SC(&pool->stop, 1);
        LORA__STORE_SC(&pool->gen, pool->gen + 1);
        pthread_cond_broadcast(&pool->cv_work);
        pthread_mutex_unlock(&pool->mu);
        for (i = 0; i < pool->n_started; i++) pthread_join(pool->threads[i], NULL);
    }
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->cv_work);
    pthread_cond_destroy(&pool->cv_done);
    LORA_FREE(pool->threads);
    LORA_FREE(pool->workers);
#endif
    lora__free_aligned(pool->scratch);
    LORA_FREE(pool);
}

#if defined(LORA__THREADS) && defined(__linux__)
/* Reads a small text file (/proc, /sys) into buf; returns its length or -1. */
static int lora__read_small(const char *path, char *buf, int cap) {
    FILE *f = fopen(path, "r");
    size_t n;
    if (!f) return -1;
    n = fread(buf, 1, (size_t)cap - 1, f);
    fclose(f);
    buf[n] = 0;
    return (int)n;
}
/* CPUs this process may run on: the bits of "Cpus_allowed:" in /proc/self/status (what
   taskset, docker --cpuset-cpus and CI runners restrict); 0 when unknown. */
static int lora__linux_cpus_allowed(void) {
    char buf[8192];
    const char *s;
    int n = 0;
    if (lora__read_small("/proc/self/status", buf, (int)sizeof buf) <= 0) return 0;
    s = strstr(buf, "\nCpus_allowed:");
    if (!s) return 0;
    for (s += 14; *s && *s != '\n'; s++) {
        int v = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
        if (v > 0) n += (v & 1) + ((v >> 1) & 1) + ((v >> 2) & 1) + ((v >> 3) & 1);
    }
    return n;
}
/* CPU time quota of the process's cgroup (docker --cpus, Kubernetes limits), rounded up:
   cgroup v2 "cpu.max" ("max 100000" = none), else v1 cfs_quota_us / cfs_period_us; 0 when none. */
static int lora__linux_cpu_quota(void) {
    char buf[128];
    double quota = -1, period = 0;
    if (lora__read_small("/sys/fs/cgroup/cpu.max", buf, (int)sizeof buf) > 0) {
        if (sscanf(buf, "%lf %lf", &quota, &period) != 2) quota = -1;
    } else if (lora__read_small("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", buf, (int)sizeof buf) > 0) {
        quota = atof(buf);
        if (lora__read_small("/sys/fs/cgroup/cpu/cpu.cfs_period_us", buf, (int)sizeof buf) > 0) period = atof(buf);
    }
    if (quota <= 0 || period <= 0) return 0;
    return (int)ceil(quota / period);
}
#endif

/* The default thread count: the cores this process can actually use (online cores, limited
   by its CPU affinity mask and its cgroup's CPU quota), so a container or CI runner pinned to
   2 of a host's 128 cores gets 2 threads, as nproc reports. */
static int lora__default_threads(void) {
#ifdef LORA__THREADS
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#ifdef __linux__
    int allowed = lora__linux_cpus_allowed(), quota = lora__linux_cpu_quota();
    if (allowed > 0 && (n <= 0 || allowed < n)) n = allowed;
    if (quota > 0 && quota < n) n = quota;
#endif
    return n > 0 ? (int)(n > 1024 ? 1024 : n) : 1;
#else
    return 1;
#endif
}

LORA_API int lora_default_threads(void) { return lora__default_threads(); }

LORA_API lora_status lora_pool_create(lora_pool **out, int n_threads) {
    lora_pool *p;
    lora_isa env;
    int by_default = n_threads <= 0;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_pool_create: out is NULL");
    *out = NULL;
    if (n_threads <= 0) n_threads = lora__default_threads();
#ifndef LORA__THREADS
    n_threads = 1;
    (void)by_default;
#endif
    if (n_threads > 1024) n_threads = 1024;
    p = (lora_pool *)lora__calloc(1, sizeof *p, "thread pool");
    if (!p) return LORA_ERR_OOM;
    p->n_threads = n_threads;
    p->best = lora_detect_isa();
    env = lora__env_isa(p->best);
    p->isa = env != LORA_ISA_AUTO ? env : p->best;
#ifdef LORA__THREADS
    if (pthread_mutex_init(&p->mu, NULL) != 0) { LORA_FREE(p); return lora__fail(LORA_ERR_OOM, "lora_pool_create: pthread_mutex_init failed"); }
    if (pthread_cond_init(&p->cv_work, NULL) != 0) {
        pthread_mutex_destroy(&p->mu); LORA_FREE(p);
        return lora__fail(LORA_ERR_OOM, "lora_pool_create: pthread_cond_init failed");
    }
    if (pthread_cond_init(&p->cv_done, NULL) != 0) {
        pthread_cond_destroy(&p->cv_work); pthread_mutex_destroy(&p->mu); LORA_FREE(p);
        return lora__fail(LORA_ERR_OOM, "lora_pool_create: pthread_cond_init failed");
    }
    if (n_threads > 1) {
        int i;
        p->threads = (pthread_t *)lora__calloc((size_t)n_threads, sizeof *p->threads, "thread pool threads");
        p->workers = (lora__worker *)lora__calloc((size_t)n_threads, sizeof *p->workers, "thread pool workers");
        if (!p->threads || !p->workers) { lora_pool_destroy(p); return LORA_ERR_OOM; }
        for (i = 1; i < n_threads; i++) {
            int rc;
            p->workers[i].pool = p;
            p->workers[i].index = i;
            rc = pthread_create(&p->threads[p->n_started], NULL, lora__worker_main, &p->workers[i]);
            if (rc != 0) {
                int started = p->n_started + 1;
                lora_pool_destroy(p);
                /* the default count is a wish: run with the threads the system would give us */
                if (by_default && started >= 1) return lora_pool_create(out, started);
                return lora__fail(LORA_ERR_OOM, "lora_pool_create: cannot start thread %d of %d: %s", i, n_threads, strerror(rc));
            }
            p->n_started++;
        }
    }
#endif
    *out = p;
    return LORA_OK;
}

LORA_API int lora_pool_threads(const lora_pool *pool) { return pool ? pool->n_threads : 1; }

LORA_API lora_status lora_pool_set_isa(lora_pool *pool, lora_isa isa) {
    if (!pool) return lora__fail(LORA_ERR_INVALID_ARG, "lora_pool_set_isa: pool is NULL");
    if (isa == LORA_ISA_AUTO) { pool->isa = pool->best; return LORA_OK; }
    if (isa < LORA_ISA_SCALAR || isa > LORA_ISA_NEON)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_pool_set_isa: unknown instruction set %d", (int)isa);
    if (!lora__isa_ok(isa, pool->best))
        return lora__fail(LORA_ERR_UNSUPPORTED, "lora_pool_set_isa: instruction set '%s' is not supported by this CPU or build (best: '%s')",
                          lora_isa_name(isa), lora_isa_name(pool->best));
    pool->isa = isa;
    return LORA_OK;
}

LORA_API lora_isa lora_pool_isa(const lora_pool *pool) { return pool ? pool->isa : lora__null_pool_isa(); }
