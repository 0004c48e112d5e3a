/* ---- Thread pool and compute context ----
   A lora_pool owns worker threads and the instruction set used by the kernels.
   Pass NULL wherever a pool is accepted to run on the calling thread with the
   best instruction set detected. Results are bit-identical whatever the thread
   count: work is split into tasks whose reduction order does not depend on it.
   Build options: -DLORA_NO_SIMD (scalar kernels only), -DLORA_NO_AVX512 and
   -DLORA_NO_AVX2 (leave those x86 kernels out), -DLORA_NO_THREADS (no pthreads:
   pools run every task on the calling thread, as on _WIN32). x86 kernels are
   compiled with per-function target attributes: no -march flag is needed and one
   binary picks AVX-512 / AVX2 / scalar at run time.
   A pool runs one job at a time: lora_pool_run (or lora_sgemm) on a pool that is
   already busy, e.g. from inside one of its own tasks or from another thread, runs
   serially on the calling thread (thread index 0). Inside tasks, pass NULL. */
typedef enum lora_isa {
    LORA_ISA_AUTO = 0,   /* best available (cpuid + XCR0 on x86, NEON on arm64) */
    LORA_ISA_SCALAR = 1,
    LORA_ISA_AVX2 = 2,   /* AVX2 + FMA */
    LORA_ISA_AVX512 = 3, /* AVX-512F (+ BW/DQ/VL) */
    LORA_ISA_NEON = 4
} lora_isa;

typedef struct lora_pool lora_pool;

/* n_threads <= 0 means lora_default_threads(), and then fewer if the system refuses to start
   that many threads; an explicit count that cannot be started is an error. The environment
   variable LORA_ISA=scalar|avx2|avx512|neon, read here, forces an instruction set. */
LORA_API lora_status lora_pool_create(lora_pool **out, int n_threads);
/* The cores this process can use: online cores, limited (on Linux) by its CPU affinity mask
   (taskset, container cpusets) and its cgroup CPU quota (docker --cpus); the count nproc prints. */
LORA_API int lora_default_threads(void);
LORA_API void lora_pool_destroy(lora_pool *pool);
LORA_API int lora_pool_threads(const lora_pool *pool);       /* 1 for NULL */
/* Forces an instruction set; fails with LORA_ERR_UNSUPPORTED if this CPU or build lacks it. */
LORA_API lora_status lora_pool_set_isa(lora_pool *pool, lora_isa isa);
LORA_API lora_isa lora_pool_isa(const lora_pool *pool);      /* resolved, never AUTO */
LORA_API const char *lora_isa_name(lora_isa isa);
LORA_API lora_isa lora_detect_isa(void);                      /* best this CPU + build supports */

/* Runs fn(ctx, task, thread) for task = 0 .. n_tasks-1 across the pool and the
   calling thread, and returns when all are done. `thread` is in [0, threads). */
typedef void (*lora_task_fn)(void *ctx, int task, int thread);
LORA_API void lora_pool_run(lora_pool *pool, lora_task_fn fn, void *ctx, int n_tasks);
