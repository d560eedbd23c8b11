/* tests/test_determinism.c: a run is a function of (scenario, seed, options).
 *
 * Every registered scenario (the test_* ones of this binary excepted) is run twice
 * per seed by the gmpsim CLI, in two separate processes (so with different ASLR
 * layouts, heap states and host timings), and the two schedule files must be equal
 * byte for byte. Then the same across --procs 1, 2, 4 and --go 1.16, 1.22 for a few
 * seeds. Finally, the seed must matter: the steal scenario's schedule depends on the
 * steal order drawn from it.
 *
 * The two runs of a pair run concurrently; -q keeps the CLI quiet.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gmpsim.h"
#include "suites.h"

#define T_CLI GMPSIM_BINARY_DIR "/gmpsim"

/* Seeds per scenario. A sanitizer build starts each process ~10x slower; the full
 * sweep runs in the default build, the sanitizer build checks fewer seeds. */
#if defined(GMPSIM_SANITIZE)
enum { T_SEEDS = 10 };
#else
enum { T_SEEDS = 50 };
#endif
enum { T_DIR_MAX = 256, T_PATH_MAX = 512 };
/* Runs stop at this many events (outcome limit, itself deterministic): some bug
 * scenarios hang or retry for a virtual second, and determinism is checked as well on
 * their first 100,000 events as on millions. */
#define T_EVENTS_MAX "100000"

/* [SECTION] files and processes */

static char t_dir[T_DIR_MAX];

static void t_setup(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(t_dir, sizeof t_dir, "%s/gmpsim-determinism-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_msg(mkdtemp(t_dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void t_teardown(void) {
    char cmd[T_DIR_MAX + 16];
    if (t_dir[0] == 0 || strstr(t_dir, "gmpsim-determinism-") == NULL) return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t_dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", t_dir);
    t_dir[0] = 0;
}

/* Starts the CLI with argv (NULL-terminated, argv[0] ignored) and its stdout and
 * stderr into files; returns the pid. */
static pid_t t_start(char *const argv[], const char *out_path, const char *err_path) {
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0) _exit(126);
        dup2(out, 1);
        dup2(err, 2);
        close(out);
        close(err);
        execv(T_CLI, argv);
        _exit(127);
    }
    return pid;
}

/* Waits for pid: its exit status, or 128 + signal. */
static int t_wait(pid_t pid) {
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) ck_assert_int_eq(errno, EINTR);
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The whole file in a malloc'd, NUL-terminated buffer. */
static char *t_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        size_t k = fread(buf + n, 1, cap - n - 1, f);
        n += k;
        if (k == 0) break;
    }
    fclose(f);
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

typedef struct {
    const char *scenario;
    uint64_t seed;
    int32_t procs;
    const char *go;
} t_config;

static void t_paths(const char *tag, char *sched, char *out, char *err) {
    snprintf(sched, T_PATH_MAX, "%s/%s.jsonl", t_dir, tag);
    snprintf(out, T_PATH_MAX, "%s/%s.out", t_dir, tag);
    snprintf(err, T_PATH_MAX, "%s/%s.err", t_dir, tag);
}

static pid_t t_start_run(const t_config *c, const char *tag) {
    char sched[T_PATH_MAX], out[T_PATH_MAX], err[T_PATH_MAX];
    t_paths(tag, sched, out, err);
    char seed[32], procs[16];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
    snprintf(procs, sizeof procs, "%d", c->procs);
    char *argv[] = {"gmpsim", "run", (char *)c->scenario, "-q", "-s", seed, "-p", procs, "-g", (char *)c->go,
                    "--max-events", T_EVENTS_MAX, "-o", sched, NULL};
    return t_start(argv, out, err);
}

/* The CLI exits 0 (ok) or 1 (the scenario failed, which some lessons do on purpose);
 * 2 and 3 and signals are errors of the test or of the simulator. */
static void t_check_exit(const t_config *c, const char *tag, int rc) {
    if (rc == 0 || rc == 1) return;
    char sched[T_PATH_MAX], out[T_PATH_MAX], err[T_PATH_MAX];
    t_paths(tag, sched, out, err);
    char *e = t_slurp(err, NULL);
    ck_abort_msg("gmpsim run %s -s %llu -p %d -g %s exited %d: %.500s", c->scenario, (unsigned long long)c->seed,
                 c->procs, c->go, rc, e);
}

/* Runs c twice at once in two processes and compares the schedule files. Returns
 * the schedule (malloc'd) for callers that compare across configurations. */
static char *t_run_pair(const t_config *c, size_t *len) {
    pid_t a = t_start_run(c, "a"), b = t_start_run(c, "b");
    int ra = t_wait(a), rb = t_wait(b);
    t_check_exit(c, "a", ra);
    t_check_exit(c, "b", rb);
    ck_assert_msg(ra == rb, "%s seed %llu: exit %d then %d", c->scenario, (unsigned long long)c->seed, ra, rb);
    char pa[T_PATH_MAX], pb[T_PATH_MAX], out[T_PATH_MAX], err[T_PATH_MAX];
    t_paths("a", pa, out, err);
    t_paths("b", pb, out, err);
    size_t la = 0, lb = 0;
    char *fa = t_slurp(pa, &la), *fb = t_slurp(pb, &lb);
    ck_assert_msg(la > 0, "%s seed %llu: empty schedule file", c->scenario, (unsigned long long)c->seed);
    ck_assert_msg(strstr(fa, "\"ev\":\"Footer\"") != NULL, "%s seed %llu: no footer", c->scenario,
                  (unsigned long long)c->seed);
    size_t k = 0;
    while (k < la && k < lb && fa[k] == fb[k]) k++;
    if (k != la || k != lb) {
        size_t line = 1;
        for (size_t i = 0; i < k; i++) line += fa[i] == '\n';
        ck_abort_msg("%s seed %llu procs %d go %s: the two runs differ at byte %zu (line %zu; sizes %zu, %zu)",
                     c->scenario, (unsigned long long)c->seed, c->procs, c->go, k, line, la, lb);
    }
    free(fb);
    if (len) *len = la;
    return fa;
}

static bool t_is_test_scenario(const gmp_scenario *scn) {
    return strncmp(scn->name, "test_", 5) == 0;
}

/* [SECTION] tests */

START_TEST(test_determinism_seeds) {
    size_t n = 0;
    for (size_t i = 0; i < gmp_scenario_count(); i++) {
        const gmp_scenario *scn = gmp_scenario_at(i);
        if (t_is_test_scenario(scn)) continue;
        n++;
        for (uint64_t seed = 1; seed <= T_SEEDS; seed++) {
            t_config c = {scn->name, seed, 4, "1.22"};
            free(t_run_pair(&c, NULL));
        }
    }
    ck_assert_msg(n >= 1, "no scenario registered in libgmpsim");
}
END_TEST

START_TEST(test_determinism_options) {
    static const int32_t procs[] = {1, 2, 4};
    static const char *const gos[] = {"1.16", "1.22"};
    for (size_t i = 0; i < gmp_scenario_count(); i++) {
        const gmp_scenario *scn = gmp_scenario_at(i);
        if (t_is_test_scenario(scn)) continue;
        for (size_t p = 0; p < 3; p++)
            for (size_t g = 0; g < 2; g++)
                for (uint64_t seed = 1; seed <= 3; seed++) {
                    t_config c = {scn->name, seed, procs[p], gos[g]};
                    free(t_run_pair(&c, NULL));
                }
    }
}
END_TEST

/* The header records what was run: the same file could not come from other options. */
START_TEST(test_determinism_header_records_options) {
    t_config c = {"args_copy", 7, 2, "1.16"};
    ck_assert_msg(gmp_scenario_find("args_copy") != NULL, "args_copy is not registered");
    size_t len = 0;
    char *f = t_run_pair(&c, &len);
    char *nl = strchr(f, '\n');
    ck_assert_ptr_nonnull(nl);
    *nl = 0;
    ck_assert_msg(strstr(f, "\"scenario\":\"args_copy\"") != NULL, "header: %s", f);
    ck_assert_msg(strstr(f, "\"seed\":7") != NULL, "header: %s", f);
    ck_assert_msg(strstr(f, "\"procs\":2") != NULL, "header: %s", f);
    ck_assert_msg(strstr(f, "\"go\":\"1.16\"") != NULL, "header: %s", f);
    free(f);
}
END_TEST

/* Which G ran on which P, and what was stolen from whom, without times and indices. */
static char *t_signature(const char *file) {
    size_t cap = strlen(file) + 1, n = 0;
    char *sig = malloc(cap);
    ck_assert_ptr_nonnull(sig);
    for (const char *line = file; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        const char *ev = strstr(line, "\"ev\":");
        if (ev && ev < line + len &&
            (strncmp(ev, "\"ev\":\"GoStart\"", 14) == 0 || strncmp(ev, "\"ev\":\"RunqSteal\"", 16) == 0)) {
            size_t k = len - (size_t)(ev - line);
            memcpy(sig + n, ev, k);
            n += k;
            sig[n++] = '\n';
        }
        line += len + (nl != NULL);
    }
    sig[n] = 0;
    return sig;
}

/* steal draws its steal order from the seed: different seeds, different schedules. */
START_TEST(test_determinism_seed_matters_steal) {
    if (gmp_scenario_find("steal") == NULL)
        ck_abort_msg("scenario 'steal' is not registered: the seed-sensitivity check cannot run");
    enum { N = 10 };
    char *events[N], *sigs[N];
    for (int i = 0; i < N; i++) {
        t_config c = {"steal", (uint64_t)i + 1, 4, "1.22"};
        char *f = t_run_pair(&c, NULL);
        /* The headers differ by their seed alone: keep what lies between header and footer. */
        char *first = strchr(f, '\n'), *footer = strstr(f, "{\"ev\":\"Footer\"");
        ck_assert_ptr_nonnull(first);
        ck_assert_ptr_nonnull(footer);
        *footer = 0;
        events[i] = strdup(first + 1);
        sigs[i] = t_signature(events[i]);
        free(f);
    }
    int distinct_events = 0, distinct_sigs = 0;
    for (int i = 0; i < N; i++) {
        bool seen_e = false, seen_s = false;
        for (int j = 0; j < i; j++) {
            seen_e |= strcmp(events[i], events[j]) == 0;
            seen_s |= strcmp(sigs[i], sigs[j]) == 0;
        }
        distinct_events += !seen_e;
        distinct_sigs += !seen_s;
    }
    for (int i = 0; i < N; i++) {
        free(events[i]);
        free(sigs[i]);
    }
    ck_assert_msg(distinct_events == N, "only %d distinct event streams over %d seeds of steal", distinct_events, N);
    ck_assert_msg(distinct_sigs >= 3,
                  "only %d distinct schedules (GoStart and RunqSteal: which G ran where, who stole what) "
                  "over %d seeds of steal",
                  distinct_sigs, N);
}
END_TEST

/* In one process too: gmp_run twice gives the same digest (no state leaks between runs). */
START_TEST(test_determinism_in_process) {
    for (size_t i = 0; i < gmp_scenario_count(); i++) {
        const gmp_scenario *scn = gmp_scenario_at(i);
        if (t_is_test_scenario(scn)) continue;
        uint64_t digests[2];
        int64_t events[2];
        for (int k = 0; k < 2; k++) {
            gmp_options opt;
            gmp_options_default(&opt);
            opt.seed = 5;
            opt.max_events = 100000;
            FILE *sink = fopen("/dev/null", "w");
            FILE *sched = fopen("/dev/null", "w");
            ck_assert_ptr_nonnull(sink);
            ck_assert_ptr_nonnull(sched);
            opt.stdout_sink = sink;
            gmp_result res;
            ck_assert_int_eq(gmp_run(scn, &opt, sched, &res), 0);
            fclose(sink);
            fclose(sched);
            digests[k] = res.digest;
            events[k] = res.events;
            gmp_result_free(&res);
        }
        ck_assert_msg(digests[0] == digests[1] && events[0] == events[1], "%s: two runs in one process differ",
                      scn->name);
    }
}
END_TEST

Suite *determinism_suite(void) {
    Suite *s = suite_create("determinism");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_determinism_seeds);
    tcase_add_test(tc, test_determinism_options);
    tcase_add_test(tc, test_determinism_header_records_options);
    tcase_add_test(tc, test_determinism_seed_matters_steal);
    tcase_add_test(tc, test_determinism_in_process);
    suite_add_tcase(s, tc);
    return s;
}
