/* bench/bench_explore.c: schedules per second, the figure that bounds exploration.
 * A benchmark, not a test: it prints figures and asserts nothing about time.
 *
 *   bench_explore [runs] [jobs]      (default 20000 runs, jobs 2)
 *
 * The scenario: main starts ten workers that each do a little CPU work and two
 * channel operations (a few hundred events, a few dozen decisions, procs 4). Three
 * figures: gmp_run called in a loop (no schedule file, the random strategy), the
 * same through gmp_explore with --jobs 1, and with --jobs N (fork, merged by seed).
 * No file is written for passing schedules, and none of them fails.
 */
#include <gmpsim.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

typedef struct {
    int64_t id;
    gmp_chan work, done;
} bench_worker_args;

static void bench_worker(void *argp) {
    bench_worker_args *a = argp;
    int64_t v = 0;
    gmp_recv(a->work, &v);
    gmp_work(1000 + 500 * (a->id % 4));
    v += a->id;
    gmp_send(a->done, &v);
}

static void bench_ten_main(void *argp) {
    (void)argp;
    gmp_chan work = gmp_make_chan(sizeof(int64_t), 10), done = gmp_make_chan(sizeof(int64_t), 0);
    for (int64_t i = 1; i <= 10; i++) {
        bench_worker_args a = {.id = i, .work = work, .done = done};
        GMP_GO(bench_worker, a);
    }
    for (int64_t i = 1; i <= 10; i++) gmp_send(work, &i);
    int64_t sum = 0;
    for (int i = 0; i < 10; i++) {
        int64_t v = 0;
        gmp_recv(done, &v);
        sum += v;
    }
    GMP_ASSERT(sum == 110, "every worker answered once");
}
GMP_SCENARIO(bench_ten, "ten workers, a work channel and a done channel: a few hundred events", bench_ten_main)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds of this process and its reaped children (the --jobs workers): on a
 * shared machine, schedules per CPU second is the per-core figure; wall time is not. */
static double cpu_s(void) {
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
           (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) * 1e-6;
}

static void bench_loop(const gmp_scenario *scn, int64_t runs) {
    gmp_options opt;
    gmp_options_default(&opt);
    FILE *devnull = fopen("/dev/null", "w");
    opt.stdout_sink = devnull;
    int64_t events = 0, decisions = 0, failed = 0;
    double t0 = now_s(), c0 = cpu_s();
    for (int64_t seed = 1; seed <= runs; seed++) {
        gmp_result res;
        opt.seed = (uint64_t)seed;
        if (gmp_run(scn, &opt, NULL, &res) != 0) {
            fprintf(stderr, "bench: seed %lld: %s\n", (long long)seed, res.message);
            exit(1);
        }
        events += res.events;
        decisions += res.decisions;
        failed += res.outcome != GMP_OUTCOME_OK;
        gmp_result_free(&res);
    }
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    printf("gmp_run loop:        %8.0f schedules/s, %8.0f per CPU second (%lld runs, %.0f events and %.1f "
           "decisions each, %lld failed, %.2f s)\n",
           (double)runs / secs, (double)runs / cpu, (long long)runs, (double)events / (double)runs,
           (double)decisions / (double)runs, (long long)failed, secs);
    fclose(devnull);
}

static void bench_explore(const gmp_scenario *scn, int64_t runs, int32_t jobs) {
    gmp_explore_options eo = {.scn = scn, .strategy = "random", .seed_first = 1, .runs = runs, .jobs = jobs};
    gmp_explore_result er;
    char err[1024];
    double c0 = cpu_s();
    if (gmp_explore(&eo, &er, err, sizeof err) != 0) {
        fprintf(stderr, "bench: explore: %s\n", err);
        exit(1);
    }
    double cpu = cpu_s() - c0;
    printf("explore --jobs %-3d   %8.0f schedules/s, %8.0f per CPU second (%lld runs, %lld failures, %.2f s)\n",
           jobs, (double)er.runs / er.seconds, (double)er.runs / cpu, (long long)er.runs, (long long)er.failures,
           er.seconds);
    gmp_explore_result_free(&er);
}

int main(int argc, char **argv) {
    int64_t runs = argc > 1 ? atoll(argv[1]) : 20000;
    int32_t jobs = argc > 2 ? atoi(argv[2]) : 2;
    const gmp_scenario *scn = gmp_scenario_find("bench_ten");
    printf("gmpsim %s, coroutines: %s, scenario bench_ten, procs 4\n", gmp_version(), gmp_coro_backend());
    bench_loop(scn, runs);
    bench_explore(scn, runs, 1);
    if (jobs > 1) bench_explore(scn, runs, jobs);
    return 0;
}
