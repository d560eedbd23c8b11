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
    "      --leaks=report|ignore  report goroutines still blocked after main returns (default\n"
    "                             report: outcome leak), or end the run when main returns\n"
    "      --max-events N         stop with outcome `limit` after N events (default 50000000)\n"
    "      --max-time DURATION    stop with outcome `limit` after this virtual time\n"
    "                             (e.g. 500ms, 2s, 1m; default 1h)\n"
    "      --stack-size BYTES     host stack per goroutine (default 65536)\n"
    "      --yield-timeout SEC    host seconds a goroutine may run without a gmp_* call before\n"
    "                             it is reported as a fault (default 10)\n"
    "  -q, --quiet                print only the outcome line\n"
    "\n"
    "exit status: 0 the run ended ok; 1 the scenario failed (deadlock, leak, panic, assert,\n"
    "fault, limit); 2 bad usage or input; 3 internal error.\n";

static int fail_usage(const char *fmt, const char *arg) {
    fprintf(stderr, "gmpsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nrun 'gmpsim --help' for usage\n");
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
        case 'p':
            if (parse_i64(optarg, 1, 256, &v)) return fail_usage("--procs: '%s' is not a number in 1..256", optarg);
            opt.procs = (int32_t)v;
            break;
        case 'g':
            if (parse_go(optarg, &opt.go_minor)) return fail_usage("--go: '%s' is not a Go version 1.5..1.26", optarg);
            break;
        case 'o': out_path = optarg; break;
        case 'T':
            if (parse_i64(optarg, 1, 3600000, &v)) return fail_usage("--schedtrace: '%s' is not milliseconds in 1..3600000", optarg);
            opt.schedtrace_ms = v;
            break;
        case 'E':
            if (parse_i64(optarg, 1, INT64_C(1) << 50, &v)) return fail_usage("--max-events: '%s' is not a positive number", optarg);
            opt.max_events = v;
            break;
        case 'M':
            if (parse_duration(optarg, &opt.max_time_ns) || opt.max_time_ns == 0)
                return fail_usage("--max-time: '%s' is not a duration such as 500ms, 2s, 1m", optarg);
            break;
        case 'S':
            if (parse_i64(optarg, 16384, 64 << 20, &v)) return fail_usage("--stack-size: '%s' is not bytes in 16384..67108864", optarg);
            opt.stack_size_bytes = (uint32_t)v;
            break;
        case 'q': quiet = 1; break;
        case 'D': opt.scheddetail = 1; break;
        case 'Y':
            if (parse_i64(optarg, 1, 3600, &v)) return fail_usage("--yield-timeout: '%s' is not seconds in 1..3600", optarg);
            opt.yield_timeout_s = (int32_t)v;
            break;
        case 'L':
            if (!strcmp(optarg, "report")) opt.leaks_ignore = 0;
            else if (!strcmp(optarg, "ignore")) opt.leaks_ignore = 1;
            else return fail_usage("--leaks: '%s' is not report or ignore", optarg);
            break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: return fail_usage("%s", "bad option");
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
        fprintf(info, "SEED=%" PRIu64 " scenario=%s procs=%d go=1.%d max_events=%" PRId64 "%s%s\n", opt.seed,
                scn->name, opt.procs, opt.go_minor, opt.max_events ? opt.max_events : INT64_C(50000000),
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
    return fail_usage("unknown command '%s'", cmd);
}
