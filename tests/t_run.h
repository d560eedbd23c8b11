/* tests/t_run.h: running a test scenario through gmp_run with its output and schedule
 * captured, and reading the schedule's events (cJSON), for the suites that share it.
 * Header-only: every function is static inline, so a suite uses what it needs. */
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
    gmp_result res;
    char *sched;
    size_t sched_len;
    char *out;
    size_t out_len;
    cJSON **ev;
    int32_t ev_count;
} t_run;

static inline void t_parse(t_run *r) {
    int32_t cap = 1024;
    r->ev = malloc((size_t)cap * sizeof *r->ev);
    ck_assert_ptr_nonnull(r->ev);
    for (char *line = r->sched; line && *line;) {
        char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        *nl = 0;
        cJSON *o = cJSON_Parse(line);
        ck_assert_msg(o != NULL, "not JSON: %.200s", line);
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

static inline void t_run_strat(t_run *r, const char *name, int32_t procs, int32_t go_minor, uint64_t seed, bool sched,
                        const gmp_strategy *st) {
    memset(r, 0, sizeof *r);
    const gmp_scenario *scn = gmp_scenario_find(name);
    ck_assert_msg(scn != NULL, "scenario %s is not registered", name);
    gmp_options opt;
    gmp_options_default(&opt);
    opt.procs = procs;
    opt.go_minor = go_minor;
    opt.seed = seed;
    opt.strategy = st;
    FILE *sf = sched ? open_memstream(&r->sched, &r->sched_len) : NULL;
    FILE *out = open_memstream(&r->out, &r->out_len);
    ck_assert_ptr_nonnull(out);
    opt.stdout_sink = out;
    int rc = gmp_run(scn, &opt, sf, &r->res);
    if (sf) fclose(sf);
    fclose(out);
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

static inline void t_run1(t_run *r, const char *name, int32_t procs, int32_t go_minor) {
    t_run_strat(r, name, procs, go_minor, 1, true, NULL);
}

static inline void t_free(t_run *r) {
    for (int32_t i = 0; i < r->ev_count; i++) cJSON_Delete(r->ev[i]);
    free(r->ev);
    free(r->sched);
    free(r->out);
    gmp_result_free(&r->res);
    memset(r, 0, sizeof *r);
}

static inline const char *t_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static inline int64_t t_int(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsNumber(v), "event has no number %s", key);
    return (int64_t)v->valuedouble;
}

static inline bool t_bool(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsBool(v), "event has no boolean %s", key);
    return cJSON_IsTrue(v);
}

static inline bool t_is(const cJSON *o, const char *ev) {
    const char *e = t_str(o, "ev");
    return e != NULL && strcmp(e, ev) == 0;
}

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

/* The outcome, with the message and report on failure. */
/* Lets every other runnable goroutine run until it blocks: main sleeps (a timer). */
#define t_settle() gmp_sleep(10000)

#define T_OUTCOME(r, want)                                                                              \
    ck_assert_msg((r)->res.outcome == (want), "outcome %s, want %s: %s\n%s",                             \
                  gmp_outcome_name((r)->res.outcome), gmp_outcome_name(want), (r)->res.message,         \
                  (r)->res.report ? (r)->res.report : "")
#define T_OUT(r, want) \
    ck_assert_msg(strcmp((r)->out ? (r)->out : "", (want)) == 0, "output:\n%s\nwant:\n%s", (r)->out, (want))
#define T_REPORT_HAS(r, text)                                                                    \
    ck_assert_msg((r)->res.report != NULL && strstr((r)->res.report, (text)) != NULL,            \
                  "the report lacks \"%s\":\n%s", (text), (r)->res.report ? (r)->res.report : "(none)")

#endif
