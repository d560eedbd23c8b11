/* sim/cli.c: the gmpsim command line, a thin layer over libgmpsim. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmpsim.h"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

static const char usage_text[] =
    "usage: gmpsim COMMAND [ARGS]\n"
    "\n"
    "Deterministic simulator of the Go runtime scheduler (G-P-M).\n"
    "\n"
    "commands:\n"
    "  list                       list the scenarios with their descriptions\n"
    "  run SCENARIO [options]     run a scenario (a name from `list`, or path/to/plugin.so[:NAME])\n"
    "  replay FILE [--lenient]    re-run a schedule file with its decisions; exit 0 identical,\n"
    "                             1 diverged (first divergent line shown), 2 unreadable file\n"
    "  explore SCENARIO [options] run many schedules; failures grouped by signature; exit 1 if any\n"
    "  shrink FILE -o MIN         minimise a failing schedule (fewest deviations, then events)\n"
    "  export FILE -o OUT.json    the schedule in Chrome Trace Event Format (--format chrome)\n"
    "  dump FILE --at T           goroutine dump and every P's queues at virtual time T\n"
    "  help, --help               this text\n"
    "  version, --version         the version and the coroutine backend\n"
    "\n"
    "run options:\n"
    "  -s, --seed N               the seed of every random choice (default 1; 0..2^53-1)\n"
    "  -p, --procs N              GOMAXPROCS (default 4; 1..256)\n"
    "  -g, --go VERSION           Go semantics: 1.16 copies go-statement args onto the new stack,\n"
    "                             1.17+ captures them in a closure; 1.21 shares loop variables\n"
    "                             (default 1.22)\n"
    "  -o, --output FILE          write the schedule (JSON Lines) to FILE (- for stdout)\n"
    "      --schedtrace MS        print the runtime's SCHED line every MS virtual ms (stderr)\n"
    "      --scheddetail          with --schedtrace: the per-P, per-M and per-G lines too\n"
    "      --race                 run the data race detector (as go run -race): accesses to\n"
    "                             gmp_var variables and channels checked against happens-before\n"
    "      --leaks=report|ignore  report goroutines still alive after main returns (default\n"
    "                             report: outcome leak), or end the run when main returns\n"
    "      --leak-grace DURATION  with --leaks=report: how long (virtual) the others may run after\n"
    "                             main returns before what still waits is a leak (default 1s)\n"
    "      --os-preempt           let the OS deschedule threads: each M, when it starts, draws\n"
    "                             the gmp_* call (1..64, or none) before which it stops 10us\n"
    "                             (an ospreempt Decision); finds races with windows of a few ns\n"
    "      --max-events N         stop with outcome `limit` after N events (default 50000000)\n"
    "      --max-time DURATION    stop with outcome `limit` after this virtual time\n"
    "                             (e.g. 500ms, 2s, 1m; default 1h)\n"
    "      --stack-size BYTES     host stack per goroutine (default 65536)\n"
    "      --yield-timeout SEC    host seconds a goroutine may run without a gmp_* call before\n"
    "                             it is reported as a fault (default 10)\n"
    "  -q, --quiet                print only the outcome line\n"
    "\n"
    "replay options: --lenient (match decisions by identity, go on past divergences, report\n"
    "  whether the recorded outcome is reached), --plugin SO, -o COPY.jsonl, --print\n"
    "explore options:\n"
    "      --seeds A..B | --runs N  the seeds (default --runs 100: seeds 1..100; dfs: until\n"
    "                             the space is exhausted)\n"
    "  -x, --strategy S           random (default), pct:D (bug depth D), dfs:B (at most B\n"
    "                             deviations from choice 0, depth first, says when exhausted)\n"
    "  -j, --jobs N               worker processes; results merged by seed, as with --jobs 1\n"
    "      --shard K/N            only the seeds at positions K-1 mod N (1 <= K <= N)\n"
    "      --until-fail, --max-failures N   stop at the first / N-th failure in seed order\n"
    "      --out DIR              write each failing schedule to DIR (none for passing ones)\n"
    "      --junit FILE           JUnit XML, one test case per failure signature\n"
    "      --results FILE         the results (failing seeds, signatures) for a later merge\n"
    "      --merge R1 R2 ...      instead of running: merge the shards' --results by seed\n"
    "  -p, -g, --race, --leaks, --leak-grace, --os-preempt, --max-events, --max-time, --stack-size: as for run;\n"
    "                             -q: no progress line\n"
    "shrink options: -o MIN (required), --max-runs N (default 5000), -v\n"
    "\n"
    "exit status: 0 the run ended ok; 1 the scenario failed (deadlock, leak, panic, assert,\n"
    "fault, limit, race); 2 bad usage or input; 3 internal error.\n";

/* One line on stderr that names the problem, then exit status 2. */
static int fail_usage(const char *fmt, const char *arg) {
    fprintf(stderr, "gmpsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see gmpsim --help)\n");
    return EXIT_USAGE;
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* "1.16", "go1.22" -> 16, 22. */
static int parse_go(const char *s, int32_t *minor) {
    if (strncmp(s, "go", 2) == 0) s += 2;
    if (strncmp(s, "1.", 2) != 0) return -1;
    int64_t v;
    char buf[16];
    size_t n = strcspn(s + 2, ".");
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, s + 2, n);
    buf[n] = 0;
    if (parse_i64(buf, 5, 26, &v) != 0) return -1;
    *minor = (int32_t)v;
    return 0;
}

/* "500ms", "2s", "100us", "5ns", "1m", "1h", or plain nanoseconds. */
static int parse_duration(const char *s, int64_t *ns) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0) return -1;
    static const struct { const char *unit; double ns; } units[] = {
        {"", 1}, {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double r = v * units[i].ns;
            if (r > 9.0e15) return -1;
            *ns = (int64_t)r;
            return 0;
        }
    }
    return -1;
}

/* The simulation options that run and explore share (-p, -g, --max-events, --max-time,
 * --stack-size, --race, --leaks, --leak-grace, --os-preempt, --yield-timeout) into opt. Returns -1 when c is not one
 * of them, 0 when it was parsed, or the exit status of a bad value (after its message). */
static int parse_sim_option(int c, const char *arg, gmp_options *opt) {
    int64_t v;
    switch (c) {
    case 'p':
        if (parse_i64(arg, 1, 256, &v)) return fail_usage("--procs: '%s' is not a number in 1..256", arg);
        opt->procs = (int32_t)v;
        return 0;
    case 'g':
        if (parse_go(arg, &opt->go_minor)) return fail_usage("--go: '%s' is not a Go version 1.5..1.26", arg);
        return 0;
    case 'E':
        if (parse_i64(arg, 1, INT64_C(1) << 50, &v)) return fail_usage("--max-events: '%s' is not a positive number", arg);
        opt->max_events = v;
        return 0;
    case 'M':
        if (parse_duration(arg, &opt->max_time_ns) || opt->max_time_ns == 0)
            return fail_usage("--max-time: '%s' is not a duration such as 500ms, 2s, 1m", arg);
        return 0;
    case 'S':
        if (parse_i64(arg, 16384, 64 << 20, &v)) return fail_usage("--stack-size: '%s' is not bytes in 16384..67108864", arg);
        opt->stack_size_bytes = (uint32_t)v;
        return 0;
    case 'A': opt->race = 1; return 0;
    case 'L':
        if (!strcmp(arg, "report")) opt->leaks_ignore = 0;
        else if (!strcmp(arg, "ignore")) opt->leaks_ignore = 1;
        else return fail_usage("--leaks: '%s' is not report or ignore", arg);
        return 0;
    case 'X': opt->os_preempt = 1; return 0;
    case 'Z':
        if (parse_duration(arg, &opt->leak_grace_ns) || opt->leak_grace_ns == 0)
            return fail_usage("--leak-grace: '%s' is not a duration such as 10ms, 1s", arg);
        return 0;
    case 'Y':
        if (parse_i64(arg, 1, 3600, &v)) return fail_usage("--yield-timeout: '%s' is not seconds in 1..3600", arg);
        opt->yield_timeout_s = (int32_t)v;
        return 0;
    default: return -1;
    }
}

static int cmd_list(void) {
    for (size_t i = 0; i < gmp_scenario_count(); i++) {
        const gmp_scenario *scn = gmp_scenario_at(i);
        printf("%-18s %s\n\n", scn->name, scn->description);
    }
    return 0;
}

static const gmp_scenario *resolve_scenario(const char *arg, char *err, size_t err_size) {
    const gmp_scenario *scn = gmp_scenario_find(arg);
    if (scn) return scn;
    if (strchr(arg, '/') == NULL && strstr(arg, ".so") == NULL) {
        snprintf(err, err_size, "unknown scenario '%s' (see 'gmpsim list')", arg);
        return NULL;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s", arg);
    char *colon = strrchr(path, ':');
    const char *name = NULL;
    if (colon && strstr(colon, ".so") == NULL && strchr(colon, '/') == NULL) {
        *colon = 0;
        name = colon + 1;
    }
    const gmp_scenario *first = NULL;
    if (gmp_load_plugin(path, &first, err, err_size) != 0) return NULL;
    if (name == NULL) return first;
    scn = gmp_scenario_find(name);
    if (scn == NULL) snprintf(err, err_size, "%s: no scenario named '%s'", path, name);
    return scn;
}

static int cmd_run(int argc, char **argv) {
    static const struct option longopts[] = {
        {"seed", required_argument, NULL, 's'},      {"procs", required_argument, NULL, 'p'},
        {"go", required_argument, NULL, 'g'},        {"output", required_argument, NULL, 'o'},
        {"schedtrace", required_argument, NULL, 'T'}, {"max-events", required_argument, NULL, 'E'},
        {"max-time", required_argument, NULL, 'M'},  {"stack-size", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},           {"help", no_argument, NULL, 'h'},
        {"scheddetail", no_argument, NULL, 'D'},     {"leaks", required_argument, NULL, 'L'},
        {"race", no_argument, NULL, 'A'},            {"leak-grace", required_argument, NULL, 'Z'},
        {"os-preempt", no_argument, NULL, 'X'},
        {"yield-timeout", required_argument, NULL, 'Y'},
        {NULL, 0, NULL, 0}};
    gmp_options opt;
    gmp_options_default(&opt);
    const char *out_path = NULL;
    int quiet = 0;
    int64_t v;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "s:p:g:o:qh", longopts, NULL)) != -1;) {
        switch (c) {
        case 's':
            if (parse_i64(optarg, 0, (INT64_C(1) << 53) - 1, &v)) return fail_usage("--seed: '%s' is not a number in 0..2^53-1", optarg);
            opt.seed = (uint64_t)v;
            break;
        case 'o': out_path = optarg; break;
        case 'T':
            if (parse_i64(optarg, 1, 3600000, &v)) return fail_usage("--schedtrace: '%s' is not milliseconds in 1..3600000", optarg);
            opt.schedtrace_ms = v;
            break;
        case 'q': quiet = 1; break;
        case 'D': opt.scheddetail = 1; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: {
            int rc = parse_sim_option(c, optarg, &opt);
            if (rc >= 0) {
                if (rc != 0) return rc;
                break;
            }
            return fail_usage("%s", "bad option");
        }
        }
    }
    if (opt.scheddetail && opt.schedtrace_ms == 0) return fail_usage("%s", "--scheddetail needs --schedtrace MS");
    if (optind >= argc) return fail_usage("%s", "run: missing SCENARIO");
    if (optind + 1 < argc) return fail_usage("run: unexpected argument '%s'", argv[optind + 1]);
    char err[4200];
    const gmp_scenario *scn = resolve_scenario(argv[optind], err, sizeof err);
    if (scn == NULL) return fail_usage("%s", err);
    FILE *out = NULL;
    int to_stdout = out_path && strcmp(out_path, "-") == 0;
    if (to_stdout) out = stdout;
    else if (out_path && (out = fopen(out_path, "w")) == NULL) {
        snprintf(err, sizeof err, "cannot write %s: %s", out_path, strerror(errno));
        return fail_usage("%s", err);
    }
    FILE *info = to_stdout ? stderr : stdout;
    if (!quiet)
        fprintf(info, "SEED=%" PRIu64 " scenario=%s procs=%d go=1.%d race=%s leaks=%s max_events=%" PRId64 "%s%s\n",
                opt.seed, scn->name, opt.procs, opt.go_minor, opt.race ? "on" : "off",
                opt.leaks_ignore ? "ignore" : "report", opt.max_events ? opt.max_events : INT64_C(50000000),
                out_path ? " output=" : "", out_path ? out_path : "");
    fflush(info);
    opt.stdout_sink = quiet ? fopen("/dev/null", "w") : info;
    gmp_result res;
    int rc = gmp_run(scn, &opt, out, &res);
    if (quiet && opt.stdout_sink) fclose(opt.stdout_sink);
    if (out && !to_stdout && fclose(out) != 0) rc = -1;
    if (rc != 0) {
        fprintf(stderr, "gmpsim: %s\n", res.message);
        gmp_result_free(&res);
        return EXIT_INTERNAL;
    }
    if (res.report) fprintf(stderr, "%s", res.report);
    fprintf(info, "outcome=%s events=%" PRId64 " goroutines=%" PRId64 " decisions=%" PRId64 " t=%" PRId64 "ns%s%s%s%s\n",
            gmp_outcome_name(res.outcome), res.events, res.goroutines, res.decisions, res.end_time_ns,
            res.outcome != GMP_OUTCOME_OK ? " message=\"" : "", res.outcome != GMP_OUTCOME_OK ? res.message : "",
            res.outcome != GMP_OUTCOME_OK ? "\"" : "",
            out_path && !to_stdout ? "" : (to_stdout ? "" : " (no schedule file: add -o FILE)"));
    if (out_path && !to_stdout && !quiet) fprintf(info, "schedule written to %s\n", out_path);
    gmp_result_free(&res);
    return res.outcome == GMP_OUTCOME_OK ? 0 : EXIT_FAILED;
}

/* The commands of the replay section, at the end of this file. */
static int cmd_replay(int argc, char **argv);
static int cmd_explore(int argc, char **argv);
static int cmd_shrink(int argc, char **argv);
static int cmd_export(int argc, char **argv);
static int cmd_dump(int argc, char **argv);

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("gmpsim %s (schedule format %d, coroutines: %s)\n", gmp_version(), GMPSIM_FORMAT_VERSION,
               gmp_coro_backend());
        return 0;
    }
    if (!strcmp(cmd, "list")) return cmd_list();
    if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "replay")) return cmd_replay(argc - 1, argv + 1);
    if (!strcmp(cmd, "explore")) return cmd_explore(argc - 1, argv + 1);
    if (!strcmp(cmd, "shrink")) return cmd_shrink(argc - 1, argv + 1);
    if (!strcmp(cmd, "export")) return cmd_export(argc - 1, argv + 1);
    if (!strcmp(cmd, "dump")) return cmd_dump(argc - 1, argv + 1);
    return fail_usage("unknown command '%s'", cmd);
}

/* ---- [SECTION] replay, explore, shrink, export, dump ---- */
/* Thin commands over the library's replay.c, explore.c, shrink.c and export.c
 * (gmpsim.h, "replay and exploration"; docs/replay.md). */
#include <sys/stat.h> /* mkdir */
#include <unistd.h>   /* isatty */

static int load_plugins(const char *const *plugins, int n) {
    char err[4200];
    for (int i = 0; i < n; i++) {
        if (gmp_load_plugin(plugins[i], NULL, err, sizeof err) != 0) return fail_usage("%s", err);
    }
    return 0;
}

static void print_line_excerpt(const char *label, const char *text) {
    size_t n = strlen(text);
    if (n <= 400) fprintf(stdout, "  %s %s\n", label, text);
    else fprintf(stdout, "  %s %.400s... (%zu bytes)\n", label, text, n);
}

static int cmd_replay(int argc, char **argv) {
    static const struct option longopts[] = {{"lenient", no_argument, NULL, 'l'},
                                             {"plugin", required_argument, NULL, 'P'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"print", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    gmp_replay_options ro = {0};
    const char *plugins[16];
    int nplugins = 0;
    const char *copy_path = NULL;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "lo:vh", longopts, NULL)) != -1;) {
        switch (c) {
        case 'l': ro.lenient = 1; break;
        case 'P':
            if (nplugins == 16) return fail_usage("%s", "--plugin: at most 16");
            plugins[nplugins++] = optarg;
            break;
        case 'o': copy_path = optarg; break;
        case 'v': ro.stdout_sink = stdout; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: return fail_usage("%s", "bad option");
        }
    }
    if (optind + 1 != argc) return fail_usage("%s", "replay: expected one FILE");
    if (load_plugins(plugins, nplugins) != 0) return EXIT_USAGE;
    FILE *copy = NULL;
    if (copy_path && (copy = fopen(copy_path, "w")) == NULL) {
        fprintf(stderr, "gmpsim: cannot write %s: %s\n", copy_path, strerror(errno));
        return EXIT_USAGE;
    }
    ro.schedule_out = copy;
    gmp_replay_result rr;
    const char *path = argv[optind];
    int st = gmp_replay_file(path, &ro, &rr);
    if (copy) fclose(copy);
    if (st == GMP_REPLAY_ERROR) {
        fprintf(stderr, "gmpsim: %s\n", rr.error);
        gmp_replay_result_free(&rr);
        return EXIT_USAGE;
    }
    printf("%s %s: scenario %s, %" PRId64 " decisions recorded\n", ro.lenient ? "lenient replay" : "replay", path,
           rr.scenario, rr.decisions_recorded);
    printf("digest: recorded %s, replayed %s (%s)\n", rr.digest_recorded, rr.digest_replayed,
           strcmp(rr.digest_recorded, rr.digest_replayed) == 0 ? "equal" : "different");
    if (rr.diverge_line == 0) {
        printf("identical: every line as recorded, outcome %s\n", gmp_outcome_name(rr.outcome_recorded));
    } else {
        char ev[48] = "";
        if (rr.diverge_event >= 0) snprintf(ev, sizeof ev, " (event i=%" PRId64 ")", rr.diverge_event);
        printf("%s at line %" PRId64 "%s:\n", ro.lenient ? "first divergence" : "diverged", rr.diverge_line, ev);
        print_line_excerpt("recorded:", rr.recorded_text ? rr.recorded_text : "?");
        print_line_excerpt("replayed:", rr.replayed_text ? rr.replayed_text : "?");
    }
    if (ro.lenient) {
        printf("decisions: %" PRId64 " matched by identity, %" PRId64 " drawn from the recorded seed",
               rr.decisions_matched, rr.decisions_seeded);
        if (rr.first_unmatched >= 0) printf(" (first: decision #%" PRId64 ")", rr.first_unmatched);
        printf("\nrecorded outcome: %s\nreplayed outcome: %s\n%s\n", rr.signature_recorded, rr.signature_replayed,
               rr.outcome_reached ? "the recorded outcome was reached" : "the recorded outcome was NOT reached");
    } else if (rr.diverge_line != 0) {
        printf("outcome: recorded %s, replayed %s\n", rr.signature_recorded, rr.signature_replayed);
    }
    gmp_replay_result_free(&rr);
    return st == GMP_REPLAY_IDENTICAL ? 0 : EXIT_FAILED;
}

/* "A..B" (inclusive) -> first, count. */
static int parse_seed_range(const char *s, uint64_t *first, int64_t *count) {
    const char *dots = strstr(s, "..");
    if (dots == NULL) return -1;
    char a[32];
    size_t n = (size_t)(dots - s);
    if (n == 0 || n >= sizeof a) return -1;
    memcpy(a, s, n);
    a[n] = 0;
    int64_t lo, hi;
    if (parse_i64(a, 0, (INT64_C(1) << 53) - 1, &lo) || parse_i64(dots + 2, 0, (INT64_C(1) << 53) - 1, &hi) || hi < lo)
        return -1;
    *first = (uint64_t)lo;
    *count = hi - lo + 1;
    return 0;
}

static void print_explore_summary(const gmp_explore_options *eo, const gmp_explore_result *er) {
    double rate = er->seconds > 0 ? (double)er->runs / er->seconds : 0;
    printf("explore %s %s: %" PRId64 " schedules", eo->scn->name, eo->strategy ? eo->strategy : "random", er->runs);
    if (strncmp(eo->strategy ? eo->strategy : "", "dfs", 3) != 0) {
        printf(" (seeds %" PRIu64 "..%" PRIu64, eo->seed_first, eo->seed_first + (uint64_t)eo->runs - 1);
        if (eo->shard_count > 1) printf(", shard %d/%d", eo->shard_index, eo->shard_count);
        printf(")");
    }
    printf(", %.2f s, %.0f/s, %" PRId64 " failures\n", er->seconds, rate, er->failures);
    if (strncmp(eo->strategy ? eo->strategy : "", "dfs", 3) == 0)
        printf("dfs: %s\n", er->exhausted ? "the space is exhausted: every schedule within the bound was run"
                                          : "stopped before the space was exhausted");
    if (er->stopped) printf("stopped after %" PRId64 " failures (--max-failures/--until-fail)\n", er->failures);
    if (er->group_count) printf("failures by signature:\n");
    for (int32_t g = 0; g < er->group_count; g++) {
        const gmp_explore_group *gr = &er->groups[g];
        printf("  %6" PRId64 "  %s\n          %s; seeds", gr->count, gr->signature, gr->message);
        for (int64_t i = 0; i < gr->count && i < 8; i++) printf(" %" PRIu64, gr->seeds_shown[i]);
        if (gr->count > 8) printf(" ...");
        printf("\n");
        if (gr->file) printf("          replay: gmpsim replay %s\n", gr->file);
    }
}

/* explore --merge R1 R2 ...: the shards' results files, merged by seed. */
static int explore_merge(int n, char **paths, const char *junit) {
    if (n < 1) return fail_usage("%s", "explore --merge: expected results files (--results of each shard)");
    gmp_explore_result er;
    char err[4200], scenario[128];
    if (gmp_explore_merge((const char *const *)paths, n, &er, scenario, sizeof scenario, err, sizeof err) != 0) {
        fprintf(stderr, "gmpsim: explore --merge: %s\n", err);
        return EXIT_USAGE;
    }
    gmp_scenario merged = {.name = scenario, .description = "", .main_fn = NULL, .file = ""};
    gmp_explore_options eo = {.scn = &merged, .strategy = NULL};
    printf("merged %d results files: %s, %" PRId64 " schedules, %" PRId64 " failures\n", n, scenario, er.runs,
           er.failures);
    if (er.group_count) printf("failures by signature:\n");
    for (int32_t g = 0; g < er.group_count; g++) {
        const gmp_explore_group *gr = &er.groups[g];
        printf("  %6" PRId64 "  %s\n          %s; seeds", gr->count, gr->signature, gr->message);
        for (int64_t i = 0; i < gr->count && i < 8; i++) printf(" %" PRIu64, gr->seeds_shown[i]);
        printf("%s\n", gr->count > 8 ? " ..." : "");
        if (gr->file) printf("          replay: gmpsim replay %s\n", gr->file);
    }
    if (junit) {
        FILE *f = fopen(junit, "w");
        if (f == NULL) {
            fprintf(stderr, "gmpsim: cannot write %s: %s\n", junit, strerror(errno));
            gmp_explore_result_free(&er);
            return EXIT_USAGE;
        }
        gmp_explore_write_junit(&eo, &er, f);
        fclose(f);
    }
    int failed = er.failures > 0;
    gmp_explore_result_free(&er);
    return failed ? EXIT_FAILED : 0;
}

static int cmd_explore(int argc, char **argv) {
    static const struct option longopts[] = {
        {"seeds", required_argument, NULL, 'R'},     {"runs", required_argument, NULL, 'n'},
        {"strategy", required_argument, NULL, 'x'},  {"jobs", required_argument, NULL, 'j'},
        {"shard", required_argument, NULL, 'K'},     {"until-fail", no_argument, NULL, 'U'},
        {"max-failures", required_argument, NULL, 'F'}, {"out", required_argument, NULL, 'O'},
        {"junit", required_argument, NULL, 'J'},     {"procs", required_argument, NULL, 'p'},
        {"go", required_argument, NULL, 'g'},        {"max-events", required_argument, NULL, 'E'},
        {"max-time", required_argument, NULL, 'M'},  {"stack-size", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},           {"help", no_argument, NULL, 'h'},
        {"results", required_argument, NULL, 'W'},   {"merge", no_argument, NULL, 'G'},
        {"race", no_argument, NULL, 'A'},            {"leaks", required_argument, NULL, 'L'},
        {"leak-grace", required_argument, NULL, 'Z'}, {"os-preempt", no_argument, NULL, 'X'},
        {NULL, 0, NULL, 0}};
    gmp_explore_options eo = {.seed_first = 1, .runs = 100, .jobs = 1};
    gmp_options sim = {0};
    const char *junit = NULL, *results = NULL;
    int quiet = 0, merge = 0, runs_given = 0;
    int64_t v;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "n:x:j:p:g:qh", longopts, NULL)) != -1;) {
        switch (c) {
        case 'R':
            if (parse_seed_range(optarg, &eo.seed_first, &eo.runs)) return fail_usage("--seeds: '%s' is not A..B", optarg);
            runs_given = 1;
            break;
        case 'n':
            if (parse_i64(optarg, 1, INT64_C(1) << 40, &v)) return fail_usage("--runs: '%s' is not a positive number", optarg);
            eo.runs = v;
            runs_given = 1;
            break;
        case 'W': results = optarg; break;
        case 'G': merge = 1; break;

        case 'x': eo.strategy = optarg; break;
        case 'j':
            if (parse_i64(optarg, 1, 256, &v)) return fail_usage("--jobs: '%s' is not a number in 1..256", optarg);
            eo.jobs = (int32_t)v;
            break;
        case 'K': {
            int k = 0, n = 0;
            char tail = 0;
            if (sscanf(optarg, "%d/%d%c", &k, &n, &tail) != 2 || n < 1 || k < 1 || k > n)
                return fail_usage("--shard: '%s' is not K/N with 1 <= K <= N", optarg);
            eo.shard_index = k;
            eo.shard_count = n;
            break;
        }
        case 'U': eo.max_failures = 1; break;
        case 'F':
            if (parse_i64(optarg, 1, INT64_C(1) << 40, &v)) return fail_usage("--max-failures: '%s' is not a positive number", optarg);
            eo.max_failures = v;
            break;
        case 'O': eo.out_dir = optarg; break;
        case 'J': junit = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: {
            int rc = parse_sim_option(c, optarg, &sim);
            if (rc >= 0) {
                if (rc != 0) return rc;
                break;
            }
            return fail_usage("%s", "bad option");
        }
        }
    }
    /* The shared options, parsed into a gmp_options (0: the defaults). */
    eo.procs = sim.procs;
    eo.go_minor = sim.go_minor;
    eo.max_events = sim.max_events;
    eo.max_time_ns = sim.max_time_ns;
    eo.stack_size_bytes = sim.stack_size_bytes;
    eo.race = sim.race;
    eo.leaks_ignore = sim.leaks_ignore;
    eo.leak_grace_ns = sim.leak_grace_ns;
    eo.os_preempt = sim.os_preempt;
    if (merge) return explore_merge(argc - optind, argv + optind, junit);
    if (optind + 1 != argc) return fail_usage("%s", "explore: expected one SCENARIO");
    int dfs = eo.strategy && strncmp(eo.strategy, "dfs", 3) == 0;
    if (!runs_given && dfs) eo.runs = 0; /* until exhausted */
    if (dfs && eo.jobs > 1 && !quiet) fprintf(stderr, "gmpsim: dfs runs its schedules in order in one process: --jobs ignored\n");
    eo.keep_runs = results != NULL;
    char err[4200];
    eo.scn = resolve_scenario(argv[optind], err, sizeof err);
    if (eo.scn == NULL) return fail_usage("%s", err);
    if (eo.out_dir && mkdir(eo.out_dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, sizeof err, "--out %s: %s", eo.out_dir, strerror(errno));
        return fail_usage("%s", err);
    }
    eo.progress = !quiet && isatty(STDERR_FILENO);
    gmp_explore_result er;
    if (gmp_explore(&eo, &er, err, sizeof err) != 0) {
        fprintf(stderr, "gmpsim: explore: %s\n", err);
        return strstr(err, "strategy") || strstr(err, "shard") ? EXIT_USAGE : EXIT_INTERNAL;
    }
    print_explore_summary(&eo, &er);
    if (junit) {
        FILE *f = fopen(junit, "w");
        if (f == NULL) {
            fprintf(stderr, "gmpsim: cannot write %s: %s\n", junit, strerror(errno));
            gmp_explore_result_free(&er);
            return EXIT_USAGE;
        }
        gmp_explore_write_junit(&eo, &er, f);
        fclose(f);
    }
    if (results) {
        FILE *f = fopen(results, "w");
        int bad = f == NULL || gmp_explore_write_results(&eo, &er, f) != 0;
        if (f && fclose(f) != 0) bad = 1;
        if (bad) {
            fprintf(stderr, "gmpsim: cannot write %s\n", results);
            gmp_explore_result_free(&er);
            return EXIT_USAGE;
        }
    }
    int failed = er.failures > 0;
    gmp_explore_result_free(&er);
    return failed ? EXIT_FAILED : 0;
}

static int cmd_shrink(int argc, char **argv) {
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"max-runs", required_argument, NULL, 'r'},
                                             {"plugin", required_argument, NULL, 'P'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    gmp_shrink_options so = {0};
    const char *out = NULL, *plugins[16];
    int nplugins = 0;
    int64_t v;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1;) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'r':
            if (parse_i64(optarg, 1, INT64_C(1) << 40, &v)) return fail_usage("--max-runs: '%s' is not a positive number", optarg);
            so.max_runs = v;
            break;
        case 'P':
            if (nplugins == 16) return fail_usage("%s", "--plugin: at most 16");
            plugins[nplugins++] = optarg;
            break;
        case 'v': so.log = stderr; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: return fail_usage("%s", "bad option");
        }
    }
    if (optind + 1 != argc) return fail_usage("%s", "shrink: expected one FILE");
    if (out == NULL) return fail_usage("%s", "shrink: -o MIN is required");
    if (load_plugins(plugins, nplugins) != 0) return EXIT_USAGE;
    gmp_shrink_result sr;
    if (gmp_shrink_file(argv[optind], out, &so, &sr) != 0) {
        fprintf(stderr, "gmpsim: shrink: %s\n", sr.error);
        return EXIT_USAGE;
    }
    printf("shrink %s: %s\n", argv[optind], sr.signature);
    printf("  deviations %" PRId64 " -> %" PRId64 ", decisions %" PRId64 " -> %" PRId64 ", events %" PRId64
           " -> %" PRId64 " (%" PRId64 " runs)\n",
           sr.deviations_before, sr.deviations_after, sr.decisions_before, sr.decisions_after, sr.events_before,
           sr.events_after, sr.runs);
    printf("written to %s (gmpsim replay %s)\n", out, out);
    return 0;
}

static int cmd_export(int argc, char **argv) {
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *format = "chrome", *out_path = NULL;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': out_path = optarg; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: return fail_usage("%s", "bad option");
        }
    }
    if (optind + 1 != argc) return fail_usage("%s", "export: expected one FILE");
    if (strcmp(format, "chrome") != 0) return fail_usage("export: unknown format '%s' (chrome)", format);
    FILE *out = stdout;
    if (out_path && strcmp(out_path, "-") != 0 && (out = fopen(out_path, "w")) == NULL) {
        fprintf(stderr, "gmpsim: cannot write %s: %s\n", out_path, strerror(errno));
        return EXIT_USAGE;
    }
    char err[2048];
    int rc = gmp_export_chrome(argv[optind], out, err, sizeof err);
    if (out != stdout && fclose(out) != 0) rc = -1;
    if (rc != 0) {
        fprintf(stderr, "gmpsim: export: %s\n", err);
        return EXIT_USAGE;
    }
    if (out != stdout) fprintf(stderr, "chrome trace written to %s (open it in https://ui.perfetto.dev)\n", out_path);
    return 0;
}

static int cmd_dump(int argc, char **argv) {
    static const struct option longopts[] = {{"at", required_argument, NULL, 'a'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int64_t at = -1;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'a':
            if (parse_duration(optarg, &at)) return fail_usage("--at: '%s' is not a time such as 1500, 20us, 3ms", optarg);
            break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: return fail_usage("%s", "bad option");
        }
    }
    if (optind + 1 != argc) return fail_usage("%s", "dump: expected one FILE");
    if (at < 0) return fail_usage("%s", "dump: --at T is required");
    char err[2048];
    if (gmp_dump_at(argv[optind], at, stdout, err, sizeof err) != 0) {
        fprintf(stderr, "gmpsim: dump: %s\n", err);
        return EXIT_USAGE;
    }
    return 0;
}
