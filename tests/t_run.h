/* tests/t_run.h: running a test scenario through gmp_run with its output and schedule
 * captured, reading the schedule's events (cJSON) and asserting on a run, for the
 * suites that share it. A suite keeps only what is its own: its options (t_options,
 * then t_run_opt) and the readers no other suite needs. Header-only: every function
 * is static inline, so a suite uses what it needs. */
#ifndef GMP_T_RUN_H
#define GMP_T_RUN_H

#include <check.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmpsim.h"

typedef struct t_run {
    const char *name;  /* the scenario */
    gmp_options opt;   /* the options it ran with */
    gmp_result res;
    char *sched;       /* the schedule file (NULL when run without one) */
    size_t sched_len;
    char *out;         /* gmp_printf output */
    size_t out_len;
    cJSON **ev;        /* every line of the schedule, parsed; header first, footer last */
    int32_t ev_count;
} t_run;

/* [SECTION] running */

/* The schedule file r->sched into r->ev, a cJSON object a line (t_run_opt calls it). */
static inline void t_parse(t_run *r) {
    int32_t cap = 1024;
    r->ev = malloc((size_t)cap * sizeof *r->ev);
    ck_assert_ptr_nonnull(r->ev);
    for (char *line = r->sched; line && *line;) {
        char *nl = strchr(line, '\n');
        ck_assert_msg(nl != NULL, "the schedule file's last line has no newline");
        *nl = 0;
        cJSON *o = cJSON_Parse(line);
        ck_assert_msg(o != NULL, "line %d of the schedule file is not JSON: %.200s", r->ev_count + 1, line);
        *nl = '\n';
        if (r->ev_count == cap) {
            cap *= 2;
            r->ev = realloc(r->ev, (size_t)cap * sizeof *r->ev);
            ck_assert_ptr_nonnull(r->ev);
        }
        r->ev[r->ev_count++] = o;
        line = nl + 1;
    }
}

/* The default options with these three set; a test changes the others before t_run_opt. */
static inline void t_options(gmp_options *opt, int32_t procs, int32_t go_minor, uint64_t seed) {
    gmp_options_default(opt);
    opt->procs = procs;
    opt->go_minor = go_minor;
    opt->seed = seed;
}

/* Runs the scenario named name with opt, its output captured; sched: capture the
 * schedule file and parse it into r->ev. T_DUMP=file T_DUMP_SCN=name writes that
 * scenario's schedule to file. */
static inline void t_run_opt(t_run *r, const char *name, const gmp_options *opt, bool sched) {
    memset(r, 0, sizeof *r);
    const gmp_scenario *scn = gmp_scenario_find(name);
    ck_assert_msg(scn != NULL, "scenario %s is not registered", name);
    r->name = name;
    r->opt = *opt;
    FILE *sf = sched ? open_memstream(&r->sched, &r->sched_len) : NULL;
    FILE *out = open_memstream(&r->out, &r->out_len);
    ck_assert_ptr_nonnull(out);
    r->opt.stdout_sink = out;
    int rc = gmp_run(scn, &r->opt, sf, &r->res);
    if (sf) fclose(sf);
    fclose(out);
    r->opt.stdout_sink = NULL;
    ck_assert_msg(rc == 0, "gmp_run(%s) failed: %s", name, r->res.message);
    if (sched && getenv("T_DUMP") && strcmp(getenv("T_DUMP_SCN") ? getenv("T_DUMP_SCN") : "", name) == 0) {
        FILE *f = fopen(getenv("T_DUMP"), "w");
        if (f) {
            fwrite(r->sched, 1, r->sched_len, f);
            fclose(f);
        }
    }
    if (sched) t_parse(r);
}

/* t_run_opt with the default options but these. */
static inline void t_run_seed(t_run *r, const char *name, int32_t procs, int32_t go_minor, uint64_t seed, bool sched) {
    gmp_options opt;
    t_options(&opt, procs, go_minor, seed);
    t_run_opt(r, name, &opt, sched);
}

/* Seed 1, with the schedule. */
static inline void t_run1(t_run *r, const char *name, int32_t procs, int32_t go_minor) {
    t_run_seed(r, name, procs, go_minor, 1, true);
}

static inline void t_free(t_run *r) {
    for (int32_t i = 0; i < r->ev_count; i++) cJSON_Delete(r->ev[i]);
    free(r->ev);
    free(r->sched);
    free(r->out);
    gmp_result_free(&r->res);
    memset(r, 0, sizeof *r);
}

/* [SECTION] reading events */

static inline const char *t_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static inline int64_t t_int(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsNumber(v), "event %s has no number %s", t_str(o, "ev"), key);
    return (int64_t)v->valuedouble;
}

static inline bool t_bool(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsBool(v), "event %s has no boolean %s", t_str(o, "ev"), key);
    return cJSON_IsTrue(v);
}

/* An address, written "0x..." in the schedule file. */
static inline uint64_t t_addr(const cJSON *o, const char *key) {
    const char *s = t_str(o, key);
    ck_assert_msg(s != NULL && strncmp(s, "0x", 2) == 0, "event %s has no address %s", t_str(o, "ev"), key);
    return strtoull(s + 2, NULL, 16);
}

static inline bool t_is(const cJSON *o, const char *ev) {
    const char *e = t_str(o, "ev");
    return e != NULL && strcmp(e, ev) == 0;
}

/* The index of the next event of kind ev at or after from, or -1. */
static inline int32_t t_find(const t_run *r, int32_t from, const char *ev) {
    for (int32_t i = from < 0 ? 0 : from; i < r->ev_count; i++)
        if (t_is(r->ev[i], ev)) return i;
    return -1;
}

/* How many events of kind ev the schedule has. */
static inline int32_t t_count(const t_run *r, const char *ev) {
    int32_t n = 0;
    for (int32_t i = 0; i < r->ev_count; i++) n += t_is(r->ev[i], ev);
    return n;
}

/* [SECTION] in a scenario */

/* Lets every other runnable goroutine run until it blocks: main sleeps (a timer). */
#define t_settle() gmp_sleep(10000)

/* [SECTION] asserts on a run */

/* The outcome; on failure the run, its message, report and output. */
#define T_OUTCOME(r, want)                                                                                 \
    ck_assert_msg((r)->res.outcome == (want), "%s (procs %d, go 1.%d, seed %llu): outcome %s, want %s: %s\n%s" \
                  "\nprinted:\n%s",                                                                         \
                  (r)->name, (r)->opt.procs, (r)->opt.go_minor, (unsigned long long)(r)->opt.seed,         \
                  gmp_outcome_name((r)->res.outcome), gmp_outcome_name(want), (r)->res.message,            \
                  (r)->res.report ? (r)->res.report : "", (r)->out ? (r)->out : "")
/* The whole output. */
#define T_OUT(r, want) \
    ck_assert_msg(strcmp((r)->out ? (r)->out : "", (want)) == 0, "output:\n%s\nwant:\n%s", (r)->out, (want))
/* The output contains text. */
#define T_OUT_HAS(r, text)                                                                       \
    ck_assert_msg((r)->out != NULL && strstr((r)->out, (text)) != NULL, "the output lacks \"%s\":\n%s", \
                  (text), (r)->out ? (r)->out : "(none)")
/* The failure report contains text. */
#define T_REPORT_HAS(r, text)                                                                    \
    ck_assert_msg((r)->res.report != NULL && strstr((r)->res.report, (text)) != NULL,            \
                  "the report lacks \"%s\":\n%s", (text), (r)->res.report ? (r)->res.report : "(none)")

#endif
