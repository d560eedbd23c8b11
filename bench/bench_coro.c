/* bench/bench_coro.c: cost of one coroutine switch for the compiled backend.
 *
 * g0 and one coroutine switch back and forth; one switch is one transfer from
 * one context to the other (a round trip is two). Every switch goes through
 * the public sim_coro_switch, assertions, canary check and all, because that is
 * what the scheduler pays. Host time is fine here: this program measures the
 * host, it is not part of a simulation.
 *
 * Build by hand (asm backend, then ucontext):
 *   gcc -std=c11 -O2 -D_GNU_SOURCE -DSIM_CORO_ASM=1 -DBENCH_STANDALONE -iquote sim \
 *       bench/bench_coro.c sim/coro.c sim/stack.c sim/coro_x86_64.S -o /tmp/bench_coro_asm
 *   gcc -std=c11 -O2 -D_GNU_SOURCE -DSIM_CORO_UCONTEXT=1 -DBENCH_STANDALONE -iquote sim \
 *       bench/bench_coro.c sim/coro.c sim/stack.c -o /tmp/bench_coro_uc
 * Linked against libgmpsim instead, leave out -DBENCH_STANDALONE.
 *
 * Usage: bench_coro [switch_count]   (default 10,000,000; best of 5 runs)
 */
#include "coro.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef BENCH_STANDALONE
/* sim/check.h's failure path lives in sim/run.c, not linked here. */
void sim__assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));
void sim__assert_fail(const char *expr, const char *file, int line) {
    fprintf(stderr, "assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
#endif

enum { BENCH_RUN_COUNT = 5 };
#define BENCH_SWITCH_COUNT_DEFAULT 10000000ull

static sim_coro bench_g0;
static sim_coro bench_co;
static unsigned long long bench_round_trips;   /* per run; read by the coroutine */

static void bench_fn(void *arg) {
    (void)arg;
    for (;;) {
        for (unsigned long long i = 0; i < bench_round_trips; i++) {
            sim_coro_switch(&bench_co, &bench_g0);
        }
        /* Parked between runs by the same switch; the next run resumes here. */
    }
}

static double bench_now_ns(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        perror("clock_gettime");
        exit(EXIT_FAILURE);
    }
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    unsigned long long switch_count = BENCH_SWITCH_COUNT_DEFAULT;
    if (argc > 1) {
        switch_count = strtoull(argv[1], NULL, 10);
    }
    if (switch_count < 2) {
        fprintf(stderr, "usage: %s [switch_count >= 2]\n", argv[0]);
        return EXIT_FAILURE;
    }
    bench_round_trips = switch_count / 2;
    switch_count = bench_round_trips * 2;

    sim_stack_pool *pool = NULL;
    sim_stack stack;
    if (sim_stack_pool_create(&pool, 64 * 1024, 0) != 0 || sim_stack_get(pool, &stack) != 0) {
        perror("stack pool");
        return EXIT_FAILURE;
    }
    sim_coro_init_main(&bench_g0);
    sim_coro_init(&bench_co, &stack, bench_fn, NULL);
    sim_coro_switch(&bench_g0, &bench_co);    /* start it: parks at its first switch */

    double best_ns = 0.0;
    for (int run = 0; run < BENCH_RUN_COUNT; run++) {
        double t0 = bench_now_ns();
        for (unsigned long long i = 0; i < bench_round_trips; i++) {
            sim_coro_switch(&bench_g0, &bench_co);
        }
        double per_switch_ns = (bench_now_ns() - t0) / (double)switch_count;
        if (run == 0 || per_switch_ns < best_ns) {
            best_ns = per_switch_ns;
        }
    }
    printf("coro switch (%s): %.1f ns (best of %d runs of %llu switches)\n", sim_coro_backend(),
           best_ns, BENCH_RUN_COUNT, switch_count);
    /* The coroutine stays parked: its stack goes away with the pool. */
    sim_stack_pool_destroy(pool);
    return EXIT_SUCCESS;
}
