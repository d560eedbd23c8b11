/* tests/test_replay.c: replay (sim/replay.c), shrink (sim/shrink.c), export and dump
 * (sim/export.c), and the golden schedules (scenarios/golden).
 *
 * The failing scenarios (test_rx_*) are in test_explore.c.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gmpsim.h"
#include "prng.h"
#include "suites.h"

extern int t_rx_edit; /* test_explore.c */

/* [SECTION] helpers */

static char t_dir[64];

static void t_setup(void) {
    snprintf(t_dir, sizeof t_dir, "/tmp/gmpsim-replay-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t_dir));
}

static void t_teardown(void) {
    DIR *d = opendir(t_dir);
    if (d == NULL) return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", t_dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(t_dir);
}

/* Records scn with seed and procs into t_dir/name; returns the outcome. */
static int t_record(const char *scn, uint64_t seed, int32_t procs, const char *name, char *path, size_t size) {
    snprintf(path, size, "%s/%s", t_dir, name);
    gmp_options opt;
    gmp_options_default(&opt);
    opt.seed = seed;
    opt.procs = procs;
    FILE *devnull = fopen("/dev/null", "w");
    opt.stdout_sink = devnull;
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    gmp_result res;
    const gmp_scenario *sc = gmp_scenario_find(scn);
    ck_assert_msg(sc != NULL, "no scenario %s", scn);
    ck_assert_int_eq(gmp_run(sc, &opt, f, &res), 0);
    fclose(f);
    fclose(devnull);
    int outcome = res.outcome;
    gmp_result_free(&res);
    return outcome;
}

/* The first seed from first on whose run ends with want (ok or not). */
static uint64_t t_seed_with(const char *scn, int want_fail, uint64_t first) {
    gmp_options opt;
    gmp_options_default(&opt);
    FILE *devnull = fopen("/dev/null", "w");
    opt.stdout_sink = devnull;
    for (uint64_t seed = first; seed < first + 500; seed++) {
        opt.seed = seed;
        gmp_result res;
        ck_assert_int_eq(gmp_run(gmp_scenario_find(scn), &opt, NULL, &res), 0);
        int failed = res.outcome != GMP_OUTCOME_OK;
        gmp_result_free(&res);
        if (failed == want_fail) {
            fclose(devnull);
            return seed;
        }
    }
    ck_abort_msg("no seed of %s in 500 %s", scn, want_fail ? "fails" : "passes");
    return 0;
}

static char *t_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    if (len) *len = (size_t)n;
    return buf;
}

static void t_spit(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fwrite(text, 1, len, f), len);
    fclose(f);
}

/* [SECTION] golden schedules */

START_TEST(test_replay_goldens) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/scenarios/golden", GMPSIM_SOURCE_DIR);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "no %s", dir);
    int files = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 6, ".jsonl") != 0) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        gmp_replay_result rr;
        int status = gmp_replay_file(path, NULL, &rr);
        ck_assert_msg(status == GMP_REPLAY_IDENTICAL,
                      "%s does not replay (re-record on purpose with scripts/regolden.sh): %s line %lld\n"
                      "  recorded: %.300s\n  replayed: %.300s",
                      e->d_name, status == GMP_REPLAY_ERROR ? rr.error : "diverged at", (long long)rr.diverge_line,
                      rr.recorded_text ? rr.recorded_text : "", rr.replayed_text ? rr.replayed_text : "");
        gmp_replay_result_free(&rr);
        files++;
    }
    closedir(d);
    ck_assert_int_gt(files, 0);
}
END_TEST

/* Every scenario of the library has a golden file: a bug scenario (scenarios/bugs/, not
 * _fixed) its shrunk failing schedule, which must end in a failure; the others a seed-1
 * recording at --procs 4. */
START_TEST(test_replay_every_scenario_has_a_golden) {
    for (size_t i = 0; i < gmp_scenario_count(); i++) {
        const gmp_scenario *scn = gmp_scenario_at(i);
        if (strstr(scn->file, "scenarios/") == NULL) continue; /* test and plugin scenarios */
        size_t len = strlen(scn->name);
        bool bug = strstr(scn->file, "scenarios/bugs/") != NULL &&
                   !(len > 6 && strcmp(scn->name + len - 6, "_fixed") == 0);
        char path[2048];
        snprintf(path, sizeof path, "%s/scenarios/golden/%s-%s.jsonl", GMPSIM_SOURCE_DIR, scn->name,
                 bug ? "shrunk" : "p4-s1");
        ck_assert_msg(access(path, R_OK) == 0, "scenario %s has no golden schedule %s: run scripts/regolden.sh",
                      scn->name, path);
        if (!bug) continue;
        FILE *f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        char *text = NULL;
        size_t cap = 0;
        ssize_t n;
        char *last = NULL; /* the last line: the footer */
        while ((n = getline(&text, &cap, f)) > 0) {
            free(last);
            last = strdup(text);
        }
        free(text);
        fclose(f);
        ck_assert_ptr_nonnull(last);
        ck_assert_msg(strncmp(last, "{\"ev\":\"Footer\",\"outcome\":\"", 26) == 0 &&
                          strncmp(last + 26, "ok\"", 3) != 0,
                      "%s: the shrunk golden of a bug must end in its failure: %.200s", path, last);
        free(last);
    }
}
END_TEST

/* Every classroom scenario has a lesson, docs/lessons/NAME.md, linked from the README. */
START_TEST(test_every_classroom_scenario_has_a_lesson) {
    char path[2048];
    snprintf(path, sizeof path, "%s/README.md", GMPSIM_SOURCE_DIR);
    size_t n;
    char *readme = t_slurp(path, &n);
    ck_assert_ptr_nonnull(readme);
    int lessons = 0;
    for (size_t i = 0; i < gmp_scenario_count(); i++) {
        const gmp_scenario *scn = gmp_scenario_at(i);
        if (strstr(scn->file, "scenarios/classroom/") == NULL) continue;
        snprintf(path, sizeof path, "%s/docs/lessons/%s.md", GMPSIM_SOURCE_DIR, scn->name);
        ck_assert_msg(access(path, R_OK) == 0, "classroom scenario %s has no lesson %s", scn->name, path);
        char link[256];
        snprintf(link, sizeof link, "(docs/lessons/%s.md)", scn->name);
        ck_assert_msg(strstr(readme, link) != NULL, "README.md does not link the lesson %s", link);
        lessons++;
    }
    ck_assert_int_ge(lessons, 21);
    free(readme);
}
END_TEST

/* [SECTION] replay */

START_TEST(test_replay_identical_and_copy) {
    char path[256], copy[512];
    t_record("steal", 3, 4, "steal.jsonl", path, sizeof path);
    snprintf(copy, sizeof copy, "%s/copy.jsonl", t_dir);
    FILE *c = fopen(copy, "w");
    gmp_replay_options ro = {.schedule_out = c};
    gmp_replay_result rr;
    ck_assert_int_eq(gmp_replay_file(path, &ro, &rr), GMP_REPLAY_IDENTICAL);
    fclose(c);
    ck_assert_str_eq(rr.digest_recorded, rr.digest_replayed);
    ck_assert_int_eq(rr.diverge_line, 0);
    ck_assert_int_eq(rr.decisions_matched, rr.decisions_recorded);
    ck_assert_int_eq(rr.decisions_seeded, 0);
    ck_assert_str_eq(rr.signature_recorded, "ok");
    gmp_replay_result_free(&rr);
    size_t a, b;
    char *x = t_slurp(path, &a), *y = t_slurp(copy, &b);
    ck_assert_uint_eq(a, b);
    ck_assert(memcmp(x, y, a) == 0);
    free(x);
    free(y);
}
END_TEST

/* Records scn with opt (output and SCHED lines to /dev/null) into t_dir/name, checks that the
 * file contains each of the texts wanted (NULL-terminated), and that it replays identically. */
static void t_record_replay(const char *scn, gmp_options *opt, const char *name, const char *const *wanted) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", t_dir, name);
    FILE *devnull = fopen("/dev/null", "w");
    opt->stdout_sink = devnull;
    opt->schedtrace_out = devnull;
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    gmp_result res;
    ck_assert_int_eq(gmp_run(gmp_scenario_find(scn), opt, f, &res), 0);
    fclose(f);
    fclose(devnull);
    gmp_result_free(&res);
    size_t n;
    char *text = t_slurp(path, &n);
    for (const char *const *w = wanted; *w; w++) ck_assert_msg(strstr(text, *w) != NULL, "%s: no %s", name, *w);
    free(text);
    gmp_replay_options ro = {0};
    gmp_replay_result rr;
    ck_assert_int_eq(gmp_replay_file(path, &ro, &rr), GMP_REPLAY_IDENTICAL);
    gmp_replay_result_free(&rr);
}

/* --schedtrace keeps sysmon awake, so it changes the schedule: the header records it and
 * a replay traces too (spinning: sysmon would deep-sleep without it). */
START_TEST(test_replay_schedtrace) {
    gmp_options opt;
    gmp_options_default(&opt);
    opt.seed = 1;
    opt.procs = 4;
    opt.schedtrace_ms = 1;
    static const char *const wanted[] = {"\"schedtrace_ms\":1", NULL};
    t_record_replay("spinning", &opt, "schedtrace.jsonl", wanted);
}
END_TEST

/* --os-preempt: a forced ospreempt choice k stops the M before its k-th gmp_* call for
 * 10 us; choice 0 (and the option off) stops nothing. Recorded and replayed. */
static uint32_t t_os_choose(void *ctx, const gmp_decision *d) {
    uint32_t want = *(const uint32_t *)ctx;
    return strcmp(d->kind, "ospreempt") == 0 && want < d->n ? want : 0;
}

static int64_t t_os_run(uint32_t choice, int32_t os_preempt, int64_t *decisions) {
    gmp_strategy st = {.name = "forced", .choose = t_os_choose, .ctx = &choice};
    gmp_options opt;
    gmp_options_default(&opt);
    opt.procs = 1; /* main alone on its M: its stop shows in the end time */
    opt.os_preempt = os_preempt;
    opt.strategy = &st;
    FILE *devnull = fopen("/dev/null", "w");
    opt.stdout_sink = devnull;
    gmp_result res;
    ck_assert_int_eq(gmp_run(gmp_scenario_find("args_copy"), &opt, NULL, &res), 0);
    fclose(devnull);
    *decisions = res.decisions;
    int64_t t = res.end_time_ns;
    gmp_result_free(&res);
    return t;
}

START_TEST(test_os_preempt) {
    int64_t d_off, d_none, d_one;
    int64_t t_off = t_os_run(0, 0, &d_off), t_none = t_os_run(0, 1, &d_none), t_one = t_os_run(1, 1, &d_one);
    ck_assert_int_eq(t_none, t_off);     /* choice 0: no stop */
    ck_assert_int_eq(d_none, d_off + 1); /* one ospreempt Decision: M0 at start-up */
    ck_assert_int_eq(t_one, t_off + 10000); /* M0 stops 10 us before main's first call */
    /* A seeded run records the option and its decisions and replays identically. */
    gmp_options opt;
    gmp_options_default(&opt);
    opt.seed = 3;
    opt.os_preempt = 1;
    static const char *const wanted[] = {"\"os_preempt\":true", "\"kind\":\"ospreempt\"", NULL};
    t_record_replay("steal", &opt, "os_preempt.jsonl", wanted);
}
END_TEST

/* 100 random single-decision mutations, each a divergence at the mutated line. */
START_TEST(test_replay_mutations_diverge_at_the_decision) {
    static const struct { const char *scn; uint64_t seed; int32_t procs; } recs[] = {
        {"steal", 1, 4}, {"steal", 2, 3}, {"loopvar", 2, 4}, {"spinning", 1, 4},
        {"gosched", 1, 2}, {"test_rx_order", 6, 4}, {"test_rx_lock_order", 1, 4},
    };
    enum { NREC = sizeof recs / sizeof recs[0] };
    char paths[NREC][256];
    for (int r = 0; r < NREC; r++) {
        char name[64];
        snprintf(name, sizeof name, "rec%d.jsonl", r);
        t_record(recs[r].scn, recs[r].seed, recs[r].procs, name, paths[r], sizeof paths[r]);
    }
    sim_prng prng;
    sim_prng_init(&prng, 20240601);
    char mutated[512];
    snprintf(mutated, sizeof mutated, "%s/mutated.jsonl", t_dir);
    int done = 0;
    for (int attempt = 0; done < 100 && attempt < 1000; attempt++) {
        int r = (int)sim_prng_n(&prng, NREC);
        size_t len;
        char *text = t_slurp(paths[r], &len);
        /* the lines of the Decisions: pick one */
        int ndec = 0;
        for (char *p = text; (p = strstr(p, "\"ev\":\"Decision\"")) != NULL; p++) ndec++;
        if (ndec == 0) {
            free(text);
            continue;
        }
        int k = (int)sim_prng_n(&prng, (uint32_t)ndec);
        char *p = text;
        for (int i = 0; i <= k; i++) p = strstr(i ? p + 1 : p, "\"ev\":\"Decision\"");
        int line = 1;
        for (char *q = text; q < p; q++) line += *q == '\n';
        unsigned n = 0, choice = 0;
        char *cp = strstr(p, "\"choice\":");
        ck_assert_int_eq(sscanf(strstr(p, "\"n\":"), "\"n\":%u", &n), 1);
        ck_assert_int_eq(sscanf(cp, "\"choice\":%u", &choice), 1);
        unsigned other = (choice + 1 + sim_prng_n(&prng, n - 1)) % n;
        ck_assert_uint_ne(other, choice);
        char *end = cp + 9;
        while (*end >= '0' && *end <= '9') end++;
        FILE *f = fopen(mutated, "w");
        fwrite(text, 1, (size_t)(cp - text), f);
        fprintf(f, "\"choice\":%u", other);
        fwrite(end, 1, len - (size_t)(end - text), f);
        fclose(f);
        free(text);
        gmp_replay_result rr;
        int status = gmp_replay_file(mutated, NULL, &rr);
        ck_assert_msg(status == GMP_REPLAY_DIVERGED && rr.diverge_line == line,
                      "%s decision %d (line %d, choice %u -> %u): status %d, diverged at line %lld", recs[r].scn, k,
                      line, choice, other, status, (long long)rr.diverge_line);
        ck_assert_ptr_nonnull(strstr(rr.recorded_text, "\"ev\":\"Decision\""));
        gmp_replay_result_free(&rr);
        done++;
    }
    ck_assert_int_eq(done, 100);
}
END_TEST

static void t_expect_error(const char *path, const char *what) {
    gmp_replay_result rr;
    ck_assert_int_eq(gmp_replay_file(path, NULL, &rr), GMP_REPLAY_ERROR);
    ck_assert_msg(strstr(rr.error, what) != NULL, "error '%s' does not say '%s'", rr.error, what);
    gmp_replay_result_free(&rr);
}

START_TEST(test_replay_errors) {
    char path[256], bad[512];
    t_record("runnext", 1, 2, "ok.jsonl", path, sizeof path);
    size_t len;
    char *text = t_slurp(path, &len);
    snprintf(bad, sizeof bad, "%s/bad.jsonl", t_dir);
    char *v = strstr(text, "\"version\":1");
    v[10] = '7';
    t_spit(bad, text, len);
    t_expect_error(bad, "bad.jsonl:1: version: format version 7");
    v[10] = '1';
    char *scn = strstr(text, "\"runnext\"");
    memcpy(scn, "\"nosuch_\"", 9);
    t_spit(bad, text, len);
    t_expect_error(bad, "bad.jsonl:1: scenario: no scenario named 'nosuch_'");
    memcpy(scn, "\"runnext\"", 9);
    char *third = strchr(strchr(text, '\n') + 1, '\n') + 1; /* line 3 */
    third[1] = 'x';
    t_spit(bad, text, len);
    t_expect_error(bad, "bad.jsonl:3: event: not a JSON object");
    third[1] = '"';
    char *last = text + len - 2;
    while (*last != '\n') last--;
    t_spit(bad, text, (size_t)(last - text) + 1); /* no footer */
    t_expect_error(bad, "truncated");
    t_expect_error("/nonexistent/x.jsonl", "x.jsonl: open:");
    free(text);
}
END_TEST

/* An edit off the bug's path: strict replay diverges at the edit; --lenient matches
 * the decisions by identity and reaches the recorded failure. */
START_TEST(test_replay_lenient_survives_an_edit) {
    t_rx_edit = 0;
    uint64_t seed = t_seed_with("test_rx_edit", 1, 1);
    char path[256];
    ck_assert_int_eq(t_record("test_rx_edit", seed, 4, "edit.jsonl", path, sizeof path), GMP_OUTCOME_ASSERT);
    t_rx_edit = 1;
    gmp_replay_result rr;
    ck_assert_int_eq(gmp_replay_file(path, NULL, &rr), GMP_REPLAY_DIVERGED);
    ck_assert_int_gt(rr.diverge_line, 1);
    gmp_replay_result_free(&rr);
    gmp_replay_options ro = {.lenient = 1};
    int status = gmp_replay_file(path, &ro, &rr);
    ck_assert_msg(status == GMP_REPLAY_IDENTICAL, "lenient: %s, not %s (%lld matched, %lld seeded)",
                  rr.signature_replayed, rr.signature_recorded, (long long)rr.decisions_matched,
                  (long long)rr.decisions_seeded);
    ck_assert_int_gt(rr.diverge_line, 1); /* it says where the runs part */
    ck_assert(rr.outcome_reached);
    ck_assert_int_gt(rr.decisions_matched, 0);
    gmp_replay_result_free(&rr);
    /* Unedited, lenient replay is exact too. */
    t_rx_edit = 0;
    ck_assert_int_eq(gmp_replay_file(path, &ro, &rr), GMP_REPLAY_IDENTICAL);
    ck_assert_int_eq(rr.diverge_line, 0);
    ck_assert_int_eq(rr.decisions_seeded, 0);
    gmp_replay_result_free(&rr);
}
END_TEST

/* [SECTION] shrink */

START_TEST(test_replay_shrink) {
    const char *scns[] = {"test_rx_lock_order", "test_rx_order"};
    for (int s = 0; s < 2; s++) {
        uint64_t seed = t_seed_with(scns[s], 1, 1);
        char in[256], out[512];
        t_record(scns[s], seed, 4, "failing.jsonl", in, sizeof in);
        snprintf(out, sizeof out, "%s/min.jsonl", t_dir);
        gmp_shrink_result sr;
        ck_assert_msg(gmp_shrink_file(in, out, NULL, &sr) == 0, "shrink: %s", sr.error);
        ck_assert_int_le(sr.deviations_after, sr.deviations_before);
        ck_assert_int_le(sr.decisions_after, sr.decisions_before);
        ck_assert_int_lt(sr.deviations_after, sr.deviations_before); /* random schedules are far from minimal */
        gmp_replay_result a, b;
        ck_assert_int_eq(gmp_replay_file(in, NULL, &a), GMP_REPLAY_IDENTICAL);
        ck_assert_int_eq(gmp_replay_file(out, NULL, &b), GMP_REPLAY_IDENTICAL);
        ck_assert_str_eq(a.signature_recorded, b.signature_recorded);
        ck_assert_str_eq(b.signature_replayed, sr.signature);
        ck_assert_int_le(b.decisions_recorded, a.decisions_recorded);
        gmp_replay_result_free(&a);
        gmp_replay_result_free(&b);
    }
    /* A passing schedule has nothing to shrink. */
    char ok[256], out[512];
    t_record("steal", 1, 4, "ok.jsonl", ok, sizeof ok);
    snprintf(out, sizeof out, "%s/none.jsonl", t_dir);
    gmp_shrink_result sr;
    ck_assert_int_eq(gmp_shrink_file(ok, out, NULL, &sr), -1);
    ck_assert_ptr_nonnull(strstr(sr.error, "does not fail"));
}
END_TEST

/* [SECTION] export and dump */

typedef struct { double ts, end; } t_slice;

static int t_slice_cmp(const void *a, const void *b) {
    const t_slice *x = a, *y = b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return x->end > y->end ? -1 : x->end < y->end; /* the longer first: it encloses */
}

/* Valid JSON; on every track (pid, tid) the slices nest; every flow end has a start. */
static void t_check_chrome(const char *json) {
    cJSON *root = cJSON_Parse(json);
    ck_assert_msg(root != NULL, "not JSON");
    cJSON *evs = cJSON_GetObjectItemCaseSensitive(root, "traceEvents");
    ck_assert(cJSON_IsArray(evs));
    int n = cJSON_GetArraySize(evs), slices = 0;
    ck_assert_int_gt(n, 0);
    for (int pid = 1; pid <= 2; pid++) {
        for (int tid = 0; tid < 64; tid++) {
            t_slice *s = calloc((size_t)n, sizeof *s);
            int k = 0;
            const cJSON *e;
            cJSON_ArrayForEach(e, evs) {
                const cJSON *ph = cJSON_GetObjectItemCaseSensitive(e, "ph");
                ck_assert(cJSON_IsString(ph));
                if (strcmp(ph->valuestring, "X") != 0) continue;
                if (cJSON_GetObjectItemCaseSensitive(e, "pid")->valueint != pid ||
                    cJSON_GetObjectItemCaseSensitive(e, "tid")->valueint != tid)
                    continue;
                double ts = cJSON_GetObjectItemCaseSensitive(e, "ts")->valuedouble;
                double dur = cJSON_GetObjectItemCaseSensitive(e, "dur")->valuedouble;
                ck_assert(dur >= 0);
                s[k++] = (t_slice){ts, ts + dur};
            }
            qsort(s, (size_t)k, sizeof *s, t_slice_cmp);
            double stack[256];
            int depth = 0;
            for (int i = 0; i < k; i++) {
                while (depth > 0 && s[i].ts >= stack[depth - 1] - 1e-9) depth--;
                ck_assert_msg(depth == 0 || s[i].end <= stack[depth - 1] + 1e-9,
                              "pid %d tid %d: slice [%.3f, %.3f] overlaps one ending at %.3f", pid, tid, s[i].ts,
                              s[i].end, stack[depth - 1]);
                ck_assert(depth < 256);
                stack[depth++] = s[i].end;
            }
            slices += k;
            free(s);
        }
    }
    ck_assert_int_gt(slices, 0);
    const cJSON *e;
    cJSON_ArrayForEach(e, evs) {
        const char *ph = cJSON_GetObjectItemCaseSensitive(e, "ph")->valuestring;
        if (strcmp(ph, "f") != 0) continue;
        int id = cJSON_GetObjectItemCaseSensitive(e, "id")->valueint, found = 0;
        const cJSON *s2;
        cJSON_ArrayForEach(s2, evs) {
            const cJSON *ph2 = cJSON_GetObjectItemCaseSensitive(s2, "ph"), *id2 = cJSON_GetObjectItemCaseSensitive(s2, "id");
            found |= strcmp(ph2->valuestring, "s") == 0 && id2 && id2->valueint == id;
        }
        ck_assert_msg(found, "flow end %d has no start", id);
    }
    cJSON_Delete(root);
}

START_TEST(test_replay_export_chrome_nests) {
    static const char *scns[] = {"steal", "spinning", "syscall_handoff", "lockosthread", "netpoll", "preemption",
                                 "args_copy", "test_rx_lock_order"};
    for (size_t i = 0; i < sizeof scns / sizeof scns[0]; i++) {
        char path[256];
        if (gmp_scenario_find(scns[i]) == NULL) continue;
        t_record(scns[i], 1 + i, 4, "x.jsonl", path, sizeof path);
        char *json = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&json, &len);
        char err[512];
        int rc = gmp_export_chrome(path, f, err, sizeof err);
        fclose(f);
        ck_assert_msg(rc == 0, "%s: %s", scns[i], err);
        t_check_chrome(json);
        free(json);
    }
}
END_TEST

/* At the end of a deadlock, the dump rebuilt from the events shows every goroutine
 * as the runtime's own dump in the footer does. */
START_TEST(test_replay_dump_matches_the_report) {
    uint64_t seed = t_seed_with("test_rx_lock_order", 1, 1);
    char path[256];
    ck_assert_int_eq(t_record("test_rx_lock_order", seed, 4, "dl.jsonl", path, sizeof path), GMP_OUTCOME_DEADLOCK);
    char *text = t_slurp(path, NULL);
    char *footer = strstr(text, "{\"ev\":\"Footer\"");
    cJSON *f = cJSON_Parse(footer);
    const char *report = cJSON_GetObjectItemCaseSensitive(f, "report")->valuestring;
    int64_t end = (int64_t)cJSON_GetObjectItemCaseSensitive(f, "t")->valuedouble;
    char *dump = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&dump, &len);
    char err[512];
    ck_assert_int_eq(gmp_dump_at(path, end, out, err, sizeof err), 0);
    fclose(out);
    /* every goroutine block of the report, verbatim */
    const char *p = strstr(report, "\n\n") + 2;
    int blocks = 0;
    while (p && *p) {
        const char *q = strstr(p, "\n\n");
        size_t n = q ? (size_t)(q - p) : strlen(p);
        char *block = strndup(p, n);
        ck_assert_msg(strstr(dump, block) != NULL, "the dump lacks:\n%s\n--- dump:\n%s", block, dump);
        free(block);
        blocks++;
        p = q ? q + 2 : NULL;
    }
    ck_assert_int_ge(blocks, 3);
    ck_assert_ptr_nonnull(strstr(dump, "P0: "));
    ck_assert_ptr_nonnull(strstr(dump, "global runq: "));
    free(dump);
    /* Earlier, the queues hold what the events put there. */
    out = open_memstream(&dump, &len);
    ck_assert_int_eq(gmp_dump_at(path, 1000, out, err, sizeof err), 0);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(dump, "goroutine 1 ["));
    ck_assert_ptr_nonnull(strstr(dump, "runq [G"));
    free(dump);
    cJSON_Delete(f);
    free(text);
}
END_TEST

Suite *replay_suite(void) {
    Suite *s = suite_create("replay");
    TCase *tc = tcase_create("replay");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_replay_goldens);
    tcase_add_test(tc, test_replay_every_scenario_has_a_golden);
    tcase_add_test(tc, test_replay_identical_and_copy);
    tcase_add_test(tc, test_replay_schedtrace);
    tcase_add_test(tc, test_os_preempt);
    tcase_add_test(tc, test_every_classroom_scenario_has_a_lesson);
    tcase_add_test(tc, test_replay_mutations_diverge_at_the_decision);
    tcase_add_test(tc, test_replay_errors);
    tcase_add_test(tc, test_replay_lenient_survives_an_edit);
    tcase_add_test(tc, test_replay_shrink);
    tcase_add_test(tc, test_replay_export_chrome_nests);
    tcase_add_test(tc, test_replay_dump_matches_the_report);
    suite_add_tcase(s, tc);
    return s;
}
