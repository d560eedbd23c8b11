/* bench/bench_sched.c: how fast the simulator runs, and how much memory a goroutine
 * costs. A benchmark, not a test: it prints figures and asserts nothing about time.
 *
 *   bench_sched [pingpong|pingpong-nofile|alive|million|all]
 *
 * pingpong: ns per simulated channel operation in a runnext ping-pong (procs 1), with
 *           no schedule file and with one written to a temporary file.
 * alive:    100,000 goroutines alive at once (parked on a channel), resident bytes each.
 * million:  1,000,000 goroutines spawned over a run in waves, with G and stack reuse.
 */
#include <gmpsim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static int64_t bench_rounds = 1000000;
static int64_t bench_alive = 100000;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * 4;
}

typedef struct {
    gmp_chan ping, pong;
} pp_args;

static void pp_consumer(void *argp) {
    pp_args *a = argp;
    int64_t v = 0;
    for (int64_t i = 0; i < bench_rounds; i++) {
        gmp_recv(a->ping, &v);
        gmp_send(a->pong, &v);
    }
}

static void pp_main(void *argp) {
    (void)argp;
    pp_args a = {gmp_make_chan(8, 0), gmp_make_chan(8, 0)};
    GMP_GO(pp_consumer, a);
    int64_t v = 0;
    for (int64_t i = 0; i < bench_rounds; i++) {
        gmp_send(a.ping, &v);
        gmp_recv(a.pong, &v);
    }
}
GMP_SCENARIO(bench_pingpong, "runnext ping-pong", pp_main)

typedef struct {
    gmp_chan gate;
} park_args;

static void parker(void *argp) {
    park_args *a = argp;
    gmp_recv(a->gate, NULL);
}

static long alive_rss_peak_kib;

static void alive_main(void *argp) {
    (void)argp;
    park_args a = {gmp_make_chan(8, 0)};
    for (int64_t i = 0; i < bench_alive; i++) GMP_GO(parker, a);
    gmp_work(1000000); /* let every goroutine start and park */
    alive_rss_peak_kib = rss_kib();
    gmp_close(a.gate);
}
GMP_SCENARIO(bench_alive, "100k goroutines alive at once", alive_main)

typedef struct {
    gmp_chan done;
} wave_args;

static void wave_worker(void *argp) {
    wave_args *a = argp;
    gmp_send(a->done, NULL);
}

static void million_main(void *argp) {
    (void)argp;
    wave_args a = {gmp_make_chan(0, 1000)};
    for (int wave = 0; wave < 1000; wave++) {
        for (int i = 0; i < 1000; i++) GMP_GO(wave_worker, a);
        for (int i = 0; i < 1000; i++) gmp_recv(a.done, NULL);
    }
}
GMP_SCENARIO(bench_million, "1M goroutines spawned in waves of 1000", million_main)

static void run(const char *name, int32_t procs, FILE *out, gmp_result *res, double *secs) {
    gmp_options opt;
    gmp_options_default(&opt);
    opt.procs = procs;
    opt.max_events = INT64_C(1) << 40;
    double t0 = now_s();
    if (gmp_run(gmp_scenario_find(name), &opt, out, res) != 0 || res->outcome != GMP_OUTCOME_OK) {
        fprintf(stderr, "bench: %s failed: %s\n", name, res->message);
        exit(1);
    }
    *secs = now_s() - t0;
}

static void bench_pingpong(int with_file) {
    gmp_result res;
    double secs;
    int64_t ops = 4 * bench_rounds; /* two sends and two receives a round */
    run("bench_pingpong", 1, NULL, &res, &secs);
    printf("pingpong, no file:   %7.1f ns per channel op (%lld ops, %lld switches, %.2f s)\n",
           secs * 1e9 / (double)ops, (long long)ops, (long long)res.switches, secs);
    gmp_result_free(&res);
    if (!with_file) return;
    bench_rounds /= 10;
    ops /= 10;
    FILE *f = tmpfile();
    run("bench_pingpong", 1, f, &res, &secs);
    long bytes = ftell(f);
    fclose(f);
    printf("pingpong, with file: %7.1f ns per channel op (%lld ops, %lld events, %.1f MB, %.2f s)\n",
           secs * 1e9 / (double)ops, (long long)ops, (long long)res.events, (double)bytes / 1e6, secs);
    gmp_result_free(&res);
    bench_rounds *= 10;
}

static void bench_alive_goroutines(void) {
    gmp_result res;
    double secs;
    long before = rss_kib();
    run("bench_alive", 1, NULL, &res, &secs);
    double per = (double)(alive_rss_peak_kib - before) * 1024.0 / (double)bench_alive;
    printf("alive: %lld goroutines at once: %.0f resident bytes each (%ld MiB in all), %.2f s\n",
           (long long)bench_alive, per, (alive_rss_peak_kib - before) / 1024, secs);
    gmp_result_free(&res);
}

static void bench_million(void) {
    gmp_result res;
    double secs;
    run("bench_million", 2, NULL, &res, &secs);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("million: %lld goroutines spawned, %.2f s (%.0f ns each), peak RSS %ld MiB\n",
           (long long)res.goroutines, secs, secs * 1e9 / (double)res.goroutines, ru.ru_maxrss / 1024);
    gmp_result_free(&res);
}

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "all";
    printf("gmpsim %s, coroutines: %s\n", gmp_version(), gmp_coro_backend());
    int all = strcmp(what, "all") == 0;
    if (all || !strcmp(what, "pingpong")) bench_pingpong(1);
    if (!strcmp(what, "pingpong-nofile")) bench_pingpong(0);
    if (all || !strcmp(what, "alive")) bench_alive_goroutines();
    if (all || !strcmp(what, "million")) bench_million();
    return 0;
}
