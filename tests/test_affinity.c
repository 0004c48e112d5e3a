/* The default thread count follows the CPUs the process may use (as nproc does), not the
   host's online cores: pinned to one CPU, lora_default_threads() is 1 and a default pool
   runs one thread. */
#define _GNU_SOURCE
#include "lora.h"
#include "test.h"
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

int main(void) {
    int n = lora_default_threads();
    lora_pool *pool = NULL;
    CHECK(n >= 1 && n <= 1024);
    CHECK(n <= sysconf(_SC_NPROCESSORS_ONLN));
#ifdef __linux__
    {
        cpu_set_t all, one;
        int i, first = -1;
        CHECK(sched_getaffinity(0, sizeof all, &all) == 0);
        CHECK_MSG(n <= CPU_COUNT(&all), "default %d threads, affinity allows %d", n, CPU_COUNT(&all));
        for (i = 0; i < CPU_SETSIZE && first < 0; i++)
            if (CPU_ISSET(i, &all)) first = i;
        CPU_ZERO(&one);
        CPU_SET(first, &one);
        CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
        CHECK(lora_default_threads() == 1);
        CHECK_OK(lora_pool_create(&pool, 0));
        CHECK(lora_pool_threads(pool) == 1);
        lora_pool_destroy(pool);
        pool = NULL;
        /* an explicit count is taken as given */
        CHECK_OK(lora_pool_create(&pool, 3));
        CHECK(lora_pool_threads(pool) == 3);
        lora_pool_destroy(pool);
        pool = NULL;
        CHECK(sched_setaffinity(0, sizeof all, &all) == 0);
        CHECK(lora_default_threads() == n);
    }
#endif
    CHECK_OK(lora_pool_create(&pool, 0));
    CHECK(lora_pool_threads(pool) == n);
    lora_pool_destroy(pool);
    printf("default threads: %d (online cores %ld)\n", n, sysconf(_SC_NPROCESSORS_ONLN));
    return TEST_END();
}
