/* tests/test_viz.c: gmpview's pure model (viz/): loading, the index, the state at an
 * event (G states, run queues, stacks, argument copies), layout folding and
 * hit-testing. No SDL here (tests/test_viz_render.c draws).
 *
 * The fixture is a small schedule written by hand, so that every expectation below
 * can be checked by reading it; then every registered scenario's real schedule is
 * loaded and checked for the index's invariants.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"

#if defined(GMPSIM_HAVE_VIEWER)
#include "gmpsim.h"
#include "index.h"
#include "layout.h"
#include "model.h"

/* [SECTION] the fixture: 2 Ps, main creates two workers, one blocks main's receive */

static const char *const t_lines[] = {
    "{\"ev\":\"Header\",\"format\":\"gmpsim-schedule\",\"version\":1,\"scenario\":\"fixture\",\"seed\":7,"
    "\"strategy\":\"random\",\"options\":{\"procs\":2,\"go\":\"1.22\"}}",
    /* 0 */ "{\"i\":0,\"t\":0,\"ev\":\"ProcStart\",\"m\":0,\"p\":0,\"why\":\"procresize: M0 takes P0\"}",
    /* 1 */ "{\"i\":1,\"t\":0,\"ev\":\"GoCreate\",\"m\":0,\"p\":0,\"g\":0,\"new_g\":1,\"fn\":\"main.main\","
            "\"stack_lo\":\"0xc001000000\",\"stack_hi\":\"0xc001000800\",\"file\":\"f.c\",\"line\":0,\"why\":\"rt0_go\"}",
    /* 2 */ "{\"i\":2,\"t\":0,\"ev\":\"RunqPut\",\"p\":0,\"g\":1,\"queue\":\"runnext\",\"why\":\"newproc\"}",
    /* 3 */ "{\"i\":3,\"t\":0,\"ev\":\"RunqGet\",\"p\":0,\"g\":1,\"queue\":\"runnext\",\"why\":\"runqget\"}",
    /* 4 */ "{\"i\":4,\"t\":0,\"ev\":\"GoStart\",\"m\":0,\"p\":0,\"g\":1,\"inherit_time\":true,\"schedtick\":0,"
            "\"why\":\"findRunnable: runnext\"}",
    /* 5 */ "{\"i\":5,\"t\":100,\"ev\":\"FrameEnter\",\"g\":1,\"fn\":\"main.main\",\"depth\":0,\"args\":[],"
            "\"args_addr\":\"0xc001000800\",\"args_size\":0,\"file\":\"f.c\",\"line\":0}",
    /* 6 */ "{\"i\":6,\"t\":150,\"ev\":\"GoCreate\",\"m\":0,\"p\":0,\"g\":1,\"new_g\":2,\"fn\":\"main.worker\","
            "\"stack_lo\":\"0xc001000800\",\"stack_hi\":\"0xc001001000\",\"file\":\"f.c\",\"line\":26}",
    /* 7 */ "{\"i\":7,\"t\":150,\"ev\":\"ArgCopy\",\"g\":1,\"src_g\":1,\"src_kind\":\"stack\",\"src_frame\":"
            "\"main.main\",\"src_var\":\"a\",\"src_addr\":\"0xc0010007e0\",\"dst_g\":2,\"dst_kind\":\"closure\","
            "\"dst_frame\":\"main.worker\",\"dst_addr\":\"0xc000010060\",\"size\":16,"
            "\"bytes\":\"0100000000000000ffffffffffffffff\",\"why\":\"go statement: closure\"}",
    /* 8 */ "{\"i\":8,\"t\":150,\"ev\":\"RunqPut\",\"p\":0,\"g\":2,\"queue\":\"runnext\",\"why\":\"newproc\"}",
    /* 9 */ "{\"i\":9,\"t\":200,\"ev\":\"GoCreate\",\"m\":0,\"p\":0,\"g\":1,\"new_g\":3,\"fn\":\"main.worker\","
            "\"file\":\"f.c\",\"line\":26}",
    /* 10 */ "{\"i\":10,\"t\":200,\"ev\":\"RunqPut\",\"p\":0,\"g\":3,\"queue\":\"runnext\",\"why\":\"newproc\"}",
    /* 11 */ "{\"i\":11,\"t\":200,\"ev\":\"RunqPut\",\"p\":0,\"g\":2,\"queue\":\"local\",\"why\":\"kicked\"}",
    /* 12 */ "{\"i\":12,\"t\":300,\"ev\":\"GoBlock\",\"m\":0,\"p\":0,\"g\":1,\"reason\":\"chan receive\","
             "\"why\":\"chanrecv\"}",
    /* 13 */ "{\"i\":13,\"t\":350,\"ev\":\"RunqGet\",\"p\":0,\"g\":3,\"queue\":\"runnext\",\"why\":\"runqget\"}",
    /* 14 */ "{\"i\":14,\"t\":350,\"ev\":\"GoStart\",\"m\":0,\"p\":0,\"g\":3,\"schedtick\":1}",
    /* 15 */ "{\"i\":15,\"t\":400,\"ev\":\"GoStop\",\"m\":0,\"p\":0,\"g\":3,\"reason\":\"runtime.Gosched\"}",
    /* 16 */ "{\"i\":16,\"t\":400,\"ev\":\"RunqPut\",\"p\":-1,\"g\":3,\"queue\":\"global\",\"why\":\"gosched\"}",
    /* 17 */ "{\"i\":17,\"t\":450,\"ev\":\"RunqGet\",\"p\":0,\"g\":2,\"queue\":\"local\",\"why\":\"runqget\"}",
    /* 18 */ "{\"i\":18,\"t\":450,\"ev\":\"GoStart\",\"m\":0,\"p\":0,\"g\":2,\"schedtick\":2}",
    /* 19 */ "{\"i\":19,\"t\":500,\"ev\":\"ArgCopy\",\"g\":2,\"src_g\":2,\"src_kind\":\"closure\",\"src_frame\":"
             "\"main.worker\",\"src_addr\":\"0xc000010060\",\"dst_g\":2,\"dst_kind\":\"stack\",\"dst_frame\":"
             "\"main.worker\",\"dst_addr\":\"0xc001000ff0\",\"size\":16,"
             "\"bytes\":\"0100000000000000ffffffffffffffff\",\"why\":\"closure call\"}",
    /* 20 */ "{\"i\":20,\"t\":500,\"ev\":\"FrameEnter\",\"g\":2,\"fn\":\"main.worker\",\"depth\":0,"
             "\"args\":[\"0x1\",\"0xffffffffffffffff\"],\"args_addr\":\"0xc001000ff0\",\"args_size\":16,"
             "\"file\":\"f.c\",\"line\":26}",
    /* 21 */ "{\"i\":21,\"t\":600,\"ev\":\"GoUnblock\",\"m\":0,\"p\":0,\"g\":1,\"by\":2,\"why\":\"chansend\"}",
    /* 22 */ "{\"i\":22,\"t\":600,\"ev\":\"RunqPut\",\"p\":0,\"g\":1,\"queue\":\"runnext\",\"why\":\"ready\"}",
    /* 23 */ "{\"i\":23,\"t\":700,\"ev\":\"FrameExit\",\"g\":2,\"fn\":\"main.worker\",\"depth\":0}",
    /* 24 */ "{\"i\":24,\"t\":700,\"ev\":\"GoDestroy\",\"m\":0,\"p\":0,\"g\":2}",
    /* 25 */ "{\"i\":25,\"t\":700,\"ev\":\"RunqGet\",\"p\":0,\"g\":1,\"queue\":\"runnext\",\"why\":\"runqget\"}",
    /* 26 */ "{\"i\":26,\"t\":700,\"ev\":\"GoStart\",\"m\":0,\"p\":0,\"g\":1,\"schedtick\":2,\"inherit_time\":true}",
    /* 27 */ "{\"i\":27,\"t\":800,\"ev\":\"Decision\",\"kind\":\"tie\",\"n\":2,\"choice\":1,\"why\":\"tie\"}",
    /* 28 */ "{\"i\":28,\"t\":900,\"ev\":\"SomethingNew\",\"g\":1,\"m\":0,\"p\":0,\"foo\":[1,2],\"why\":\"future\"}",
    /* 29 */ "{\"i\":29,\"t\":1000,\"ev\":\"GoDestroy\",\"m\":0,\"p\":0,\"g\":1}",
    "{\"ev\":\"Footer\",\"outcome\":\"ok\",\"message\":\"\",\"t\":1000,\"counts\":{\"events\":30,\"goroutines\":3}}",
};
enum { T_LINES = sizeof t_lines / sizeof t_lines[0] };

static char *t_text(int skip_line, const char *replace) {
    size_t n = 0;
    for (int i = 0; i < T_LINES; i++) n += strlen(t_lines[i]) + 1;
    if (replace) n += strlen(replace);
    char *s = malloc(n + 1), *p = s;
    for (int i = 0; i < T_LINES; i++) {
        const char *l = i == skip_line ? replace : t_lines[i];
        if (l == NULL) continue;
        size_t k = strlen(l);
        memcpy(p, l, k);
        p[k] = '\n';
        p += k + 1;
    }
    *p = 0;
    return s;
}

static viz_model t_m;
static viz_index t_ix;

static void t_load(void) {
    char *s = t_text(-1, NULL);
    viz_error err;
    int rc = viz_load_mem(&t_m, s, strlen(s), &err);
    free(s);
    ck_assert_msg(rc == 0, "load: line %lld %s: %s", (long long)err.line, err.field, err.msg);
    ck_assert_int_eq(viz_index_build(&t_ix, &t_m), 0);
}

static void t_unload(void) {
    viz_index_free(&t_ix);
    viz_model_free(&t_m);
}

/* The state of goroutine goid's lane at t (VIZ_S_NONE when no span covers t). */
static int t_gstate(int64_t goid, int64_t t, const char **label) {
    int32_t lane = viz_index_glane(&t_ix, goid);
    ck_assert_int_ge(lane, 0);
    int64_t s = viz_span_at(&t_ix, lane, t);
    if (label) *label = s >= 0 ? viz_str(&t_m, t_ix.spans[s].label) : "";
    return s >= 0 ? t_ix.spans[s].state : VIZ_S_NONE;
}

/* [SECTION] loading */

START_TEST(load_fixture) {
    ck_assert_int_eq(t_m.ev_count, 30);
    ck_assert_int_eq(t_m.p_count, 2);
    ck_assert_int_eq(t_m.m_count, 1);
    ck_assert_int_eq(t_ix.g_count, 3);
    ck_assert_str_eq(viz_str(&t_m, t_m.header.scenario), "fixture");
    ck_assert_int_eq(t_m.header.seed, 7);
    ck_assert_str_eq(viz_str(&t_m, t_m.footer.outcome), "ok");
    ck_assert_int_eq(t_m.t_end_ns, 1000);
    ck_assert_int_eq(t_m.ev[12].kind, VIZ_EV_GO_BLOCK);
    ck_assert_str_eq(viz_str(&t_m, t_m.ev[12].aux), "chan receive");
    ck_assert_str_eq(viz_str(&t_m, t_m.ev[12].why), "chanrecv");
    /* Strings are interned: the same text has one id. */
    ck_assert_uint_eq(t_m.ev[2].why, t_m.ev[8].why);
    /* Copies keep their bytes; decoding gives the int64 words. */
    const viz_copy *c = &t_m.copies[t_m.ev[7].aux];
    ck_assert_int_eq(c->size, 16);
    ck_assert_int_eq(viz_decode_i64(t_m.bytes + c->bytes_off, 8), 1);
    ck_assert_int_eq(viz_decode_i64(t_m.bytes + c->bytes_off + 8, 8), -1);
    ck_assert_uint_eq(c->src_addr, 0xc0010007e0ull);
    ck_assert_str_eq(viz_str(&t_m, c->src_var), "a");
}
END_TEST

START_TEST(load_unknown_kind_kept) {
    const viz_event *e = &t_m.ev[28];
    ck_assert_int_eq(e->kind, VIZ_EV_UNKNOWN);
    ck_assert_str_eq(viz_kind_name(&t_m, e), "SomethingNew");
    ck_assert_int_eq(e->g, 1);
    ck_assert_int_eq(e->p, 0);
    ck_assert_ptr_nonnull(strstr(viz_str(&t_m, e->aux), "\"foo\":[1,2]"));
    char buf[256];
    viz_event_describe(&t_m, 28, buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "SomethingNew"));
}
END_TEST

/* Each broken variant: the line replaced (or dropped) and the error expected. */
static const struct {
    int line;            /* index into t_lines (0 = header) */
    const char *text;    /* NULL: the line is dropped */
    int64_t err_line;
    const char *field;
    const char *words;   /* in the message */
} t_bad[] = {
    {3, "{\"i\":2,\"t\":0,\"ev\":\"RunqPut\",", 4, "json", "syntax error"},
    {3, "{\"i\":2,\"ev\":\"RunqPut\",\"p\":0,\"g\":1,\"queue\":\"runnext\"}", 4, "t", "missing"},
    {3, "{\"t\":0,\"ev\":\"RunqPut\",\"p\":0,\"g\":1,\"queue\":\"runnext\"}", 4, "i", "missing"},
    {3, "{\"i\":2,\"t\":0,\"p\":0,\"g\":1,\"queue\":\"runnext\"}", 4, "ev", "missing"},
    {3, "{\"i\":2,\"t\":0,\"ev\":\"RunqPut\",\"p\":0,\"g\":\"1\",\"queue\":\"runnext\"}", 4, "g", "integer"},
    {3, "{\"i\":2,\"t\":0,\"ev\":\"RunqPut\",\"p\":0,\"g\":1,\"queue\":\"sideways\"}", 4, "queue", "runnext"},
    {3, "{\"i\":5,\"t\":0,\"ev\":\"RunqPut\",\"p\":0,\"g\":1,\"queue\":\"runnext\"}", 4, "i", "expected 2"},
    {3, "{\"i\":2,\"t\":0.5,\"ev\":\"RunqPut\",\"p\":0,\"g\":1,\"queue\":\"runnext\"}", 4, "t", "integer"},
    {7, "{\"i\":6,\"t\":50,\"ev\":\"GoCreate\",\"g\":1,\"new_g\":2,\"fn\":\"main.worker\"}", 8, "t", "backwards"},
    {8, "{\"i\":7,\"t\":150,\"ev\":\"ArgCopy\",\"src_g\":1,\"dst_g\":2,\"src_addr\":\"0x1\",\"dst_addr\":\"0x2\","
        "\"size\":16,\"bytes\":\"00\"}", 9, "bytes", "hex digits"},
    {8, "{\"i\":7,\"t\":150,\"ev\":\"ArgCopy\",\"src_g\":1,\"dst_g\":2,\"src_addr\":\"here\",\"dst_addr\":\"0x2\","
        "\"size\":0,\"bytes\":\"\"}", 9, "src_addr", "address"},
    {0, "{\"ev\":\"Header\",\"format\":\"gmpsim-schedule\",\"version\":2}", 1, "version", "not supported"},
    {0, "{\"ev\":\"Header\",\"format\":\"other\",\"version\":1}", 1, "format", "gmpsim-schedule"},
    {0, "{\"i\":0,\"t\":0,\"ev\":\"ProcStart\",\"m\":0,\"p\":0}", 1, "ev", "Header"},
    {T_LINES - 1, NULL, T_LINES, "Footer", "truncated"},
    {T_LINES - 1, "{\"ev\":\"Footer\",\"counts\":{\"events\":31}}", T_LINES, "counts.events", "31"},
    {5, "", 6, "json", "empty line"},
    {5, "[1,2,3]", 6, "json", "object"},
    /* A wrong i and a bad field on one line: i is reported, also when the line starts a
     * chunk of the parallel loader (found by fuzz_load). */
    {3, "{\"i\":99,\"t\":0,\"ev\":\"RunqPut\",\"p\":0,\"g\":\"x\",\"queue\":\"runnext\"}", 4, "i", "expected 2"},
    {9, "{\"i\":99,\"t\":0,\"ev\":\"RunqPut\",\"p\":0,\"g\":\"x\",\"queue\":\"runnext\"}", 10, "i", "expected 8"},
    {14, "{\"i\":99,\"t\":0,\"ev\":\"RunqPut\",\"p\":0,\"g\":\"x\",\"queue\":\"runnext\"}", 15, "i", "expected 13"},
    {20, "{\"i\":99,\"t\":0,\"ev\":\"RunqPut\",\"p\":0,\"g\":\"x\",\"queue\":\"runnext\"}", 21, "i", "expected 19"},
    {26, "{\"i\":99,\"t\":0,\"ev\":\"RunqPut\",\"p\":0,\"g\":\"x\",\"queue\":\"runnext\"}", 27, "i", "expected 25"},
};

START_TEST(load_errors_name_line_and_field) {
    char *s = t_text(t_bad[_i].line, t_bad[_i].text);
    viz_model m;
    viz_error err;
    ck_assert_int_eq(viz_load_mem(&m, s, strlen(s), &err), -1);
    free(s);
    ck_assert_int_eq(err.line, t_bad[_i].err_line);
    ck_assert_str_eq(err.field, t_bad[_i].field);
    ck_assert_msg(strstr(err.msg, t_bad[_i].words) != NULL, "message \"%s\" lacks \"%s\"", err.msg, t_bad[_i].words);
    ck_assert_int_eq(m.ev_count, 0); /* freed and empty */
    char line[400];
    viz_error_format(&err, "x.jsonl", line, sizeof line);
    char want[64];
    snprintf(want, sizeof want, "x.jsonl:%lld: %s: ", (long long)t_bad[_i].err_line, t_bad[_i].field);
    ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "\"%s\" does not start with \"%s\"", line, want);
}
END_TEST

/* The parallel path (chunks merged in order) gives the same errors, line for line. */
START_TEST(load_errors_same_in_chunks) {
    char *s = t_text(t_bad[_i].line, t_bad[_i].text);
    for (int chunks = 2; chunks <= 5; chunks++) {
        viz_model m;
        viz_error err;
        ck_assert_int_eq(viz_load_mem_chunks(&m, s, strlen(s), chunks, chunks % 2, &err), -1);
        ck_assert_int_eq(err.line, t_bad[_i].err_line);
        ck_assert_str_eq(err.field, t_bad[_i].field);
        ck_assert_msg(strstr(err.msg, t_bad[_i].words) != NULL, "%d chunks: \"%s\" lacks \"%s\"", chunks, err.msg,
                      t_bad[_i].words);
    }
    free(s);
}
END_TEST

/* Two loads of one text built the same events: same count, same descriptions, same whys. */
static void t_same_events(const viz_model *a, const viz_model *b) {
    ck_assert_int_eq(a->ev_count, b->ev_count);
    for (int64_t i = 0; i < a->ev_count; i++) {
        char da[512], db[512];
        viz_event_describe(a, i, da, sizeof da);
        viz_event_describe(b, i, db, sizeof db);
        ck_assert_str_eq(da, db);
        ck_assert_str_eq(viz_str(a, a->ev[i].why), viz_str(b, b->ev[i].why));
    }
}

START_TEST(load_chunks_same_model) {
    char *s = t_text(-1, NULL);
    for (int chunks = 1; chunks <= 7; chunks++) {
        viz_model m;
        viz_error err;
        ck_assert_int_eq(viz_load_mem_chunks(&m, s, strlen(s), chunks, 1, &err), 0);
        ck_assert_int_eq(m.line_count, T_LINES);
        ck_assert_int_eq(m.t_end_ns, 1000);
        ck_assert_str_eq(viz_str(&m, m.footer.outcome), "ok");
        ck_assert_str_eq(viz_str(&m, m.header.scenario), "fixture");
        t_same_events(&m, &t_m);
        viz_index ix;
        ck_assert_int_eq(viz_index_build(&ix, &m), 0);
        int64_t feeder;
        int32_t rows[4];
        ck_assert_int_eq(viz_stack_at(&ix, 2, 21, rows, 4), 1);
        ck_assert_int_eq(viz_args_copy(&ix, 2, rows[0], 21, &feeder), 19);
        ck_assert_int_eq(feeder, 7);
        viz_index_free(&ix);
        viz_model_free(&m);
    }
    free(s);
}
END_TEST

/* The fast path for flat lines builds what cJSON builds: same events, same errors. */
START_TEST(load_fast_path_same_as_cjson) {
    char *s = t_text(-1, NULL);
    viz_model m;
    viz_error err;
    viz_load_set_fast(0);
    int rc = viz_load_mem(&m, s, strlen(s), &err);
    viz_load_set_fast(1);
    ck_assert_int_eq(rc, 0);
    t_same_events(&m, &t_m);
    viz_model_free(&m);
    free(s);
    for (size_t k = 0; k < sizeof t_bad / sizeof t_bad[0]; k++) {
        viz_error e1, e2;
        s = t_text(t_bad[k].line, t_bad[k].text);
        viz_load_set_fast(0);
        ck_assert_int_eq(viz_load_mem(&m, s, strlen(s), &e1), -1);
        viz_load_set_fast(1);
        ck_assert_int_eq(viz_load_mem(&m, s, strlen(s), &e2), -1);
        ck_assert_int_eq(e1.line, e2.line);
        ck_assert_str_eq(e1.field, e2.field);
        ck_assert_str_eq(e1.msg, e2.msg);
        free(s);
    }
    /* Lines the fast path leaves to cJSON: escapes, fractions, exponents, big numbers. */
    static const char *const odd[] = {
        "{\"i\":0,\"t\":0,\"ev\":\"Print\",\"g\":1,\"text\":\"a\\\"b\\n\"}",
        "{\"i\":0,\"t\":0.0,\"ev\":\"Print\",\"g\":1,\"text\":\"x\"}",
        "{\"i\":0,\"t\":1e2,\"ev\":\"Print\",\"g\":1,\"text\":\"x\"}",
        "{\"i\":0,\"t\":0,\"ev\":\"Print\",\"g\":1,\"text\":\"x\",\"n\":{\"a\":[1,[2]]}}",
        "{\"i\":0,\"t\":9007199254740993,\"ev\":\"Print\",\"g\":1,\"text\":\"x\"}",
        "{\"i\":0,\"t\":01,\"ev\":\"Print\",\"g\":1,\"text\":\"x\"}",
        "  {\"i\":0 , \"t\" : 5 ,\"ev\":\"Print\",\"g\":1,\"text\":\"x\"}  ",
    };
    for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s\n%s\n{\"ev\":\"Footer\"}\n", t_lines[0], odd[k]);
        viz_model a, b;
        viz_error ea, eb;
        viz_load_set_fast(0);
        int ra = viz_load_mem(&a, buf, strlen(buf), &ea);
        viz_load_set_fast(1);
        int rb = viz_load_mem(&b, buf, strlen(buf), &eb);
        ck_assert_int_eq(ra, rb);
        if (ra == 0) {
            ck_assert_int_eq(a.ev[0].t_ns, b.ev[0].t_ns);
            ck_assert_str_eq(viz_str(&a, a.ev[0].aux), viz_str(&b, b.ev[0].aux));
            viz_model_free(&a);
            viz_model_free(&b);
        } else {
            ck_assert_int_eq(ea.line, eb.line);
            ck_assert_str_eq(ea.msg, eb.msg);
        }
    }
}
END_TEST

START_TEST(load_empty_and_content_after_footer) {
    viz_model m;
    viz_error err;
    ck_assert_int_eq(viz_load_mem(&m, "", 0, &err), -1);
    ck_assert_int_eq(err.line, 1);
    ck_assert_str_eq(err.field, "Header");
    char *s = t_text(-1, NULL);
    size_t n = strlen(s);
    char *s2 = malloc(n + 64);
    memcpy(s2, s, n);
    strcpy(s2 + n, "{\"i\":30,\"t\":1000,\"ev\":\"Print\",\"g\":1,\"text\":\"x\"}\n");
    ck_assert_int_eq(viz_load_mem(&m, s2, strlen(s2), &err), -1);
    ck_assert_int_eq(err.line, T_LINES + 1);
    ck_assert_str_eq(err.field, "Footer");
    /* Every prefix that cuts the file at a line boundary is truncated, never accepted. */
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && s[k - 1] != '\n') continue;
        ck_assert_int_eq(viz_load_mem(&m, s, k, &err), -1);
    }
    /* And a cut anywhere is an error with a line, never a crash. */
    for (size_t k = 0; k < n; k += 7) {
        ck_assert_int_eq(viz_load_mem(&m, s, k, &err), -1);
        ck_assert_int_ge(err.line, 1);
    }
    free(s);
    free(s2);
}
END_TEST

START_TEST(load_file_missing_and_crlf) {
    viz_model m;
    viz_error err;
    ck_assert_int_eq(viz_load_file(&m, "/nonexistent/x.jsonl", &err), -1);
    ck_assert_str_eq(err.field, "file");
    /* CRLF line ends are accepted; the file reader agrees with the memory reader. */
    char path[] = "/tmp/gmpview-test-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < T_LINES; i++) fprintf(f, "%s\r\n", t_lines[i]);
    fclose(f);
    ck_assert_int_eq(viz_load_file(&m, path, &err), 0);
    ck_assert_int_eq(m.ev_count, 30);
    viz_model_free(&m);
    unlink(path);
}
END_TEST

/* [SECTION] the index: states, spans */

START_TEST(index_g_states) {
    const char *label;
    ck_assert_int_eq(t_gstate(1, 50, NULL), VIZ_S_RUNNING);
    ck_assert_int_eq(t_gstate(1, 350, &label), VIZ_S_WAITING);
    ck_assert_str_eq(label, "chan receive");
    ck_assert_int_eq(t_gstate(1, 650, NULL), VIZ_S_RUNNABLE);
    ck_assert_int_eq(t_gstate(1, 750, NULL), VIZ_S_RUNNING);
    ck_assert_int_eq(t_gstate(2, 200, NULL), VIZ_S_RUNNABLE);
    ck_assert_int_eq(t_gstate(2, 460, NULL), VIZ_S_RUNNING);
    ck_assert_int_eq(t_gstate(2, 800, NULL), VIZ_S_NONE); /* dead */
    ck_assert_int_eq(t_gstate(3, 380, NULL), VIZ_S_RUNNING);
    ck_assert_int_eq(t_gstate(3, 500, &label), VIZ_S_RUNNABLE);
    ck_assert_str_eq(label, "runtime.Gosched");
    ck_assert_int_eq(t_gstate(3, 999, NULL), VIZ_S_RUNNABLE); /* left in the global queue */
    /* P0 runs G2 at 460; M0 too. */
    int64_t s = viz_span_at(&t_ix, t_ix.p_lane0 + 0, 460);
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(t_ix.spans[s].state, VIZ_S_RUNNING);
    ck_assert_int_eq(t_ix.spans[s].g, 2);
    s = viz_span_at(&t_ix, t_ix.m_lane0 + 0, 460);
    ck_assert_int_eq(t_ix.spans[s].g, 2);
    /* Lanes know their function and parent. */
    const viz_lane *l = &t_ix.lanes[viz_index_glane(&t_ix, 3)];
    ck_assert_str_eq(viz_str(&t_m, l->fn), "main.worker");
    ck_assert_int_eq(l->parent, 1);
    ck_assert_int_eq(l->create_ev, 9);
    char name[64];
    viz_g_name(&t_ix, 2, name, sizeof name);
    ck_assert_str_eq(name, "G2 main.worker");
}
END_TEST

START_TEST(index_arrows) {
    /* create 1->2, argcopy 1->2, create 1->3, unblock 2->1; the closure call 2->2 is no arrow */
    ck_assert_int_eq(t_ix.arrow_count, 4);
    ck_assert_int_eq(t_ix.arrows[0].kind, VIZ_ARROW_CREATE);
    ck_assert_int_eq(t_ix.arrows[1].kind, VIZ_ARROW_ARGCOPY);
    ck_assert_int_eq(t_ix.arrows[3].kind, VIZ_ARROW_UNBLOCK);
    ck_assert_int_eq(t_ix.arrows[3].from_g, 2);
    ck_assert_int_eq(t_ix.arrows[3].to_g, 1);
}
END_TEST

START_TEST(index_decisions_and_time) {
    ck_assert_int_eq(viz_decision_step(&t_ix, -1, 1), 4);
    ck_assert_int_eq(viz_decision_step(&t_ix, 4, 1), 14);
    ck_assert_int_eq(viz_decision_step(&t_ix, 26, 1), 27);
    ck_assert_int_eq(viz_decision_step(&t_ix, 27, 1), -1);
    ck_assert_int_eq(viz_decision_step(&t_ix, 27, -1), 26);
    ck_assert_int_eq(viz_decision_step(&t_ix, 20, -1), 18);
    ck_assert_int_eq(viz_decision_step(&t_ix, 4, -1), -1);
    ck_assert_int_eq(viz_event_at_time(&t_m, 0), 4);
    ck_assert_int_eq(viz_event_at_time(&t_m, 449), 16);
    ck_assert_int_eq(viz_event_at_time(&t_m, 5000), 29);
}
END_TEST

/* [SECTION] state at an event: queues and stacks */

static void t_expect_local(const viz_rq *rq, int p, const int32_t *gs, int n) {
    ck_assert_int_eq(rq->local[p].len, n);
    for (int k = 0; k < n; k++) ck_assert_int_eq(rq->local[p].v[rq->local[p].head + k], gs[k]);
}

START_TEST(state_run_queues) {
    viz_rq rq;
    viz_rq_init(&rq);
    ck_assert_int_eq(viz_rq_at(&t_ix, 9, &rq), 0); /* after event 8 */
    ck_assert_int_eq(rq.runnext[0], 2);
    ck_assert_int_eq(rq.curg[0], 1);
    ck_assert_int_eq(rq.pm[0], 0);
    ck_assert_int_eq(rq.pm[1], -1);
    ck_assert_int_eq(viz_rq_at(&t_ix, 12, &rq), 0); /* after 11: G3 displaced G2 */
    ck_assert_int_eq(rq.runnext[0], 3);
    t_expect_local(&rq, 0, (const int32_t[]){2}, 1);
    ck_assert_int_eq(viz_rq_at(&t_ix, 17, &rq), 0); /* after 16: G3 Gosched to global */
    ck_assert_int_eq(rq.runnext[0], -1);
    ck_assert_int_eq(rq.curg[0], -1);
    ck_assert_int_eq(rq.global.len, 1);
    ck_assert_int_eq(rq.global.v[rq.global.head], 3);
    ck_assert_int_eq(viz_rq_at(&t_ix, 19, &rq), 0);
    t_expect_local(&rq, 0, NULL, 0);
    ck_assert_int_eq(rq.curg[0], 2);
    ck_assert_int_eq(viz_rq_at(&t_ix, 23, &rq), 0);
    ck_assert_int_eq(rq.runnext[0], 1);
    /* Backwards (a restore from the checkpoint) agrees with forward play. */
    ck_assert_int_eq(viz_rq_at(&t_ix, 12, &rq), 0);
    ck_assert_int_eq(rq.runnext[0], 3);
    t_expect_local(&rq, 0, (const int32_t[]){2}, 1);
    ck_assert_int_eq(viz_rq_at(&t_ix, 0, &rq), 0);
    ck_assert_int_eq(rq.runnext[0], -1);
    ck_assert_int_eq(rq.pm[0], -1);
    viz_rq_free(&rq);
}
END_TEST

START_TEST(state_stacks_and_arg_copies) {
    int32_t rows[8];
    ck_assert_int_eq(viz_stack_at(&t_ix, 2, 19, rows, 8), 0);
    ck_assert_int_eq(viz_stack_at(&t_ix, 2, 20, rows, 8), 1);
    const viz_frame *f = &t_m.frames[rows[0]];
    ck_assert_str_eq(viz_str(&t_m, f->fn), "main.worker");
    ck_assert_int_eq(f->word_count, 2);
    ck_assert_uint_eq(t_m.words[f->word_off + 1], 0xffffffffffffffffull);
    ck_assert_uint_eq(f->args_addr, 0xc001000ff0ull);
    ck_assert_int_eq(viz_stack_at(&t_ix, 2, 23, rows, 8), 0);
    ck_assert_int_eq(viz_stack_at(&t_ix, 1, 10, rows, 8), 1);
    ck_assert_str_eq(viz_str(&t_m, t_m.frames[rows[0]].fn), "main.main");
    ck_assert_int_eq(viz_stack_at(&t_ix, 1, 29, rows, 8), 0); /* GoDestroy empties it */
    ck_assert_int_eq(viz_stack_at(&t_ix, 1, 3, rows, 8), 0);  /* before its first frame */
    /* The copy that made G2's arguments (closure -> stack, #19) and the one that fed
     * the closure (main's a -> closure, #7). */
    ck_assert_int_eq(viz_stack_at(&t_ix, 2, 21, rows, 8), 1);
    int64_t feeder;
    ck_assert_int_eq(viz_args_copy(&t_ix, 2, rows[0], 21, &feeder), 19);
    ck_assert_int_eq(feeder, 7);
}
END_TEST

START_TEST(find_goroutines) {
    int64_t ids[8];
    ck_assert_int_eq(viz_find_g(&t_ix, "G2", ids, 8), 1);
    ck_assert_int_eq(ids[0], 2);
    ck_assert_int_eq(viz_find_g(&t_ix, "3", ids, 8), 1);
    ck_assert_int_eq(viz_find_g(&t_ix, "WORKER", ids, 8), 2);
    ck_assert_int_eq(ids[0], 2);
    ck_assert_int_eq(ids[1], 3);
    ck_assert_int_eq(viz_find_g(&t_ix, "G99", ids, 8), 0);
    ck_assert_int_eq(viz_find_g(&t_ix, "nothing", ids, 8), 0);
}
END_TEST

/* [SECTION] layout and hit-testing */

static viz_drawlist t_dl;
static viz_view t_v;
static viz_rq t_rq;

static void t_lay(int32_t w, int32_t h) {
    ck_assert_int_eq(viz_view_init(&t_v, &t_ix, w, h, 1, 9, 17), 0);
    viz_drawlist_init(&t_dl);
    viz_rq_init(&t_rq);
}

static void t_unlay(void) {
    viz_drawlist_free(&t_dl);
    viz_rq_free(&t_rq);
    viz_view_free(&t_v);
}

/* The span item of lane with the given G running, or NULL. */
static const viz_draw *t_find_span(int32_t lane, int64_t g) {
    for (int64_t i = 0; i < t_dl.count; i++) {
        const viz_draw *d = &t_dl.items[i];
        if (d->hit == VIZ_HIT_SPAN && d->lane == lane && t_ix.spans[d->a].g == g &&
            t_ix.spans[d->a].state == VIZ_S_RUNNING)
            return d;
    }
    return NULL;
}

START_TEST(layout_and_hit) {
    t_lay(1400, 800);
    t_v.cur = 22; /* G1 woken into P0's runnext by event 22 */
    t_v.sel_g = 2;
    ck_assert_int_eq(viz_layout(&t_ix, &t_v, &t_rq, &t_dl), 0);
    const viz_draw *d = t_find_span(t_ix.p_lane0, 2);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d->rgba, viz_g_colour(2));
    /* Its x range is its time range. */
    ck_assert_int_eq(d->x, viz_view_ns_to_x(&t_v, 450));
    const viz_draw *h = viz_hit(&t_dl, d->x + d->w / 2, d->y + d->h / 2);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(h->hit, VIZ_HIT_SPAN);
    ck_assert_int_eq(h->a, d->a);
    h = viz_hit(&t_dl, t_v.r_ruler.x + 10, t_v.r_ruler.y + 3);
    ck_assert_int_eq(h->hit, VIZ_HIT_RULER);
    h = viz_hit(&t_dl, 5, d->y + d->h / 2);
    ck_assert_int_eq(h->hit, VIZ_HIT_LANE);
    ck_assert_int_eq(h->lane, t_ix.p_lane0);
    /* The queue panel shows G1 in P0's runnext as a clickable box. */
    int found = 0;
    for (int64_t i = 0; i < t_dl.count; i++)
        if (t_dl.items[i].hit == VIZ_HIT_G && t_dl.items[i].a == 1 && t_dl.items[i].y >= t_v.r_queues.y) found = 1;
    ck_assert(found);
    /* The side panel highlights the copy: the text of both addresses is there. */
    int src = 0, dst = 0;
    for (int64_t i = 0; i < t_dl.count; i++) {
        if (t_dl.items[i].type != VIZ_D_TEXT) continue;
        const char *s = t_dl.text + t_dl.items[i].text_off;
        if (strstr(s, "0xc0010007e0")) src = 1;
        if (strstr(s, "0xc001000ff0")) dst = 1;
    }
    ck_assert(src && dst);
    t_unlay();
}
END_TEST

START_TEST(layout_clip_hides_hits) {
    t_lay(1400, 800);
    /* Pan so that spans start under the label column: they must not be hit there. */
    t_v.v0_ns = 300;
    t_v.v1_ns = 900;
    ck_assert_int_eq(viz_layout(&t_ix, &t_v, &t_rq, &t_dl), 0);
    int32_t y = t_v.r_lanes.y + t_v.lane_y[t_ix.p_lane0] + t_v.lane_h[t_ix.p_lane0] / 2;
    const viz_draw *h = viz_hit(&t_dl, t_v.r_labels.x + 3, y);
    ck_assert_int_eq(h->hit, VIZ_HIT_LANE);
    /* Collapsing the G group hides its lanes and arrows. */
    t_v.group_collapsed[VIZ_LANE_G] = 1;
    viz_view_lanes(&t_v, &t_ix);
    ck_assert_int_eq(viz_layout(&t_ix, &t_v, &t_rq, &t_dl), 0);
    for (int64_t i = 0; i < t_dl.count; i++)
        if (t_dl.items[i].hit == VIZ_HIT_SPAN) ck_assert_int_ne(t_ix.lanes[t_dl.items[i].lane].kind, VIZ_LANE_G);
    t_unlay();
}
END_TEST

/* A synthetic model: one G that runs for 10 ns every 100 ns, n times. */
static void t_make_busy(viz_model *m, viz_index *ix, int n) {
    size_t cap = (size_t)n * 200 + 1024, len = 0;
    char *s = malloc(cap);
    len += (size_t)snprintf(s + len, cap - len, "%s\n", t_lines[0]);
    int64_t i = 0;
    len += (size_t)snprintf(s + len, cap - len, "{\"i\":%lld,\"t\":0,\"ev\":\"ProcStart\",\"m\":0,\"p\":0}\n",
                            (long long)i++);
    len += (size_t)snprintf(s + len, cap - len,
                            "{\"i\":%lld,\"t\":0,\"ev\":\"GoCreate\",\"g\":0,\"new_g\":1,\"fn\":\"main.main\"}\n",
                            (long long)i++);
    for (int k = 0; k < n; k++) {
        int64_t t = (int64_t)k * 100;
        len += (size_t)snprintf(s + len, cap - len,
                                "{\"i\":%lld,\"t\":%lld,\"ev\":\"GoStart\",\"m\":0,\"p\":0,\"g\":1}\n", (long long)i,
                                (long long)t);
        i++;
        len += (size_t)snprintf(s + len, cap - len,
                                "{\"i\":%lld,\"t\":%lld,\"ev\":\"GoBlock\",\"m\":0,\"p\":0,\"g\":1,\"reason\":\"sleep\"}\n",
                                (long long)i, (long long)t + 10);
        i++;
        len += (size_t)snprintf(s + len, cap - len, "{\"i\":%lld,\"t\":%lld,\"ev\":\"GoUnblock\",\"g\":1}\n",
                                (long long)i, (long long)t + 90);
        i++;
    }
    len += (size_t)snprintf(s + len, cap - len, "{\"ev\":\"Footer\",\"t\":%lld}\n", (long long)n * 100);
    viz_error err;
    ck_assert_int_eq(viz_load_mem(m, s, len, &err), 0);
    free(s);
    ck_assert_int_eq(viz_index_build(ix, m), 0);
}

START_TEST(layout_folds_tiny_spans) {
    viz_model m;
    viz_index ix;
    t_make_busy(&m, &ix, 20000); /* 60k spans on the G lane */
    viz_view v;
    viz_drawlist dl;
    viz_rq rq;
    ck_assert_int_eq(viz_view_init(&v, &ix, 1200, 700, 1, 9, 17), 0);
    viz_drawlist_init(&dl);
    viz_rq_init(&rq);
    ck_assert_int_eq(viz_layout(&ix, &v, &rq, &dl), 0);
    int64_t folds = 0, spans = 0, folded = 0;
    for (int64_t i = 0; i < dl.count; i++) {
        if (dl.items[i].hit == VIZ_HIT_FOLD) {
            folds++;
            folded += dl.items[i].c;
        }
        if (dl.items[i].hit == VIZ_HIT_SPAN) spans++;
    }
    ck_assert_int_gt(folds, 0);
    ck_assert_int_gt(folded, 50000);   /* nearly everything is folded ... */
    ck_assert_int_lt(dl.count, 20000); /* ... into a list bounded by the pixels, not the spans */
    /* Zoomed in to 1 us, every span is drawn on its own. */
    v.v0_ns = 50000;
    v.v1_ns = 51000;
    ck_assert_int_eq(viz_layout(&ix, &v, &rq, &dl), 0);
    folds = spans = 0;
    for (int64_t i = 0; i < dl.count; i++) {
        if (dl.items[i].hit == VIZ_HIT_FOLD) folds++;
        if (dl.items[i].hit == VIZ_HIT_SPAN && ix.lanes[dl.items[i].lane].kind == VIZ_LANE_G) spans++;
    }
    ck_assert_int_eq(folds, 0);
    ck_assert_int_ge(spans, 25); /* 10 runs + 10 waits + 10 runnables, give or take the edges */
    /* Zoom at the cursor keeps the time under it. */
    int32_t x = v.r_lanes.x + v.r_lanes.w / 4;
    double before = viz_view_x_to_ns(&v, x);
    viz_view_zoom(&v, 0.5, x);
    ck_assert(fabs(viz_view_x_to_ns(&v, x) - before) < 1.0);
    viz_drawlist_free(&dl);
    viz_rq_free(&rq);
    viz_view_free(&v);
    viz_index_free(&ix);
    viz_model_free(&m);
}
END_TEST

/* [SECTION] exact states at an event (several events share an instant) */

/* The goroutine panel's lines (texts inside r_side) joined by '|'. */
static void t_side_text(char *out, size_t size) {
    size_t n = 0;
    out[0] = 0;
    for (int64_t i = 0; i < t_dl.count; i++) {
        const viz_draw *d = &t_dl.items[i];
        if (d->type != VIZ_D_TEXT || d->x < t_v.r_side.x || d->y < t_v.r_side.y || d->y >= t_v.r_side.y + t_v.r_side.h)
            continue;
        n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%.*s|", (int)d->text_len, t_dl.text + d->text_off);
        if (n >= size) break;
    }
}

START_TEST(state_exact_at_shared_instant) {
    /* At t=700: #23 G2 returns, #24 G2 exits, #25-26 G1 starts. Just after #23, G2 still
     * runs and G1 is still runnable, although a lookup by time finds G2 gone and G1
     * running. */
    viz_gnow now;
    ck_assert_int_eq(viz_g_state_at(&t_ix, 2, 23, &now), VIZ_G_ALIVE);
    ck_assert_int_eq(now.state, VIZ_S_RUNNING);
    ck_assert_int_eq(now.p, 0);
    ck_assert_int_eq(viz_g_state_at(&t_ix, 2, 24, &now), VIZ_G_DEAD);
    ck_assert_int_eq(now.ev, 24);
    ck_assert_int_eq(viz_g_state_at(&t_ix, 1, 23, &now), VIZ_G_ALIVE);
    ck_assert_int_eq(now.state, VIZ_S_RUNNABLE);
    ck_assert_int_eq(viz_g_state_at(&t_ix, 1, 26, &now), VIZ_G_ALIVE);
    ck_assert_int_eq(now.state, VIZ_S_RUNNING);
    ck_assert_int_eq(viz_g_state_at(&t_ix, 1, 12, &now), VIZ_G_ALIVE);
    ck_assert_int_eq(now.state, VIZ_S_WAITING);
    ck_assert_str_eq(viz_str(&t_m, now.label), "chan receive");
    ck_assert_int_eq(viz_g_state_at(&t_ix, 3, 8, NULL), VIZ_G_UNBORN); /* created by #9 */
    ck_assert_int_eq(viz_g_state_at(&t_ix, 3, 9, NULL), VIZ_G_ALIVE);
    ck_assert_int_eq(viz_g_state_at(&t_ix, 3, 29, &now), VIZ_G_ALIVE); /* never destroyed */
    ck_assert_int_eq(now.state, VIZ_S_RUNNABLE);
    ck_assert_int_eq(viz_g_state_at(&t_ix, 1, -1, NULL), VIZ_G_UNBORN);
    /* The goroutine panel says the same. */
    char text[4096];
    t_lay(1400, 800);
    t_v.cur = 23;
    t_v.sel_g = 2;
    ck_assert_int_eq(viz_layout(&t_ix, &t_v, &t_rq, &t_dl), 0);
    t_side_text(text, sizeof text);
    ck_assert_msg(strstr(text, "running on P0") != NULL && strstr(text, "dead") == NULL, "%s", text);
    t_v.cur = 24;
    ck_assert_int_eq(viz_layout(&t_ix, &t_v, &t_rq, &t_dl), 0);
    t_side_text(text, sizeof text);
    ck_assert_msg(strstr(text, "dead (exited at #24)") != NULL, "%s", text);
    t_unlay();
}
END_TEST

/* [SECTION] time labels */

START_TEST(time_formats_exact_and_by_step) {
    static const struct {
        int64_t ns;
        const char *want;
    } exact[] = {{0, "0ns"},           {850, "850ns"},         {4200, "4.2\xc2\xb5s"},
                 {1000840, "1.00084ms"}, {3000000000, "3s"}, {1500000001, "1.500000001s"},
                 {-2500, "-2.5\xc2\xb5s"}};
    char buf[64];
    for (size_t k = 0; k < sizeof exact / sizeof exact[0]; k++) {
        viz_fmt_ns_exact(exact[k].ns, buf, sizeof buf);
        ck_assert_str_eq(buf, exact[k].want);
    }
    viz_fmt_ns_step(1000400, 100, buf, sizeof buf);
    ck_assert_str_eq(buf, "1.0004ms");
    viz_fmt_ns_step(1000500, 500, buf, sizeof buf);
    ck_assert_str_eq(buf, "1.0005ms");
    viz_fmt_ns_step(2000000, 1000000, buf, sizeof buf);
    ck_assert_str_eq(buf, "2ms");
    viz_fmt_ns_step(1500, 500, buf, sizeof buf);
    ck_assert_str_eq(buf, "1.5\xc2\xb5s");
    viz_fmt_ns_step(1500000, 100000, buf, sizeof buf);
    ck_assert_str_eq(buf, "1.5ms");
}
END_TEST

/* Zoomed to 800 ns near 1 ms (chan_handoff's wake-up): the ruler's labels all differ and
 * the event bar gives the event's time to the nanosecond. */
START_TEST(ruler_labels_differ_when_zoomed) {
    char text[2048];
    snprintf(text, sizeof text,
             "%s\n{\"i\":0,\"t\":0,\"ev\":\"ProcStart\",\"m\":0,\"p\":0}\n"
             "{\"i\":1,\"t\":0,\"ev\":\"GoCreate\",\"g\":0,\"new_g\":1,\"fn\":\"main.main\"}\n"
             "{\"i\":2,\"t\":1000840,\"ev\":\"GoStart\",\"m\":0,\"p\":0,\"g\":1}\n"
             "{\"ev\":\"Footer\",\"t\":1024340}\n",
             t_lines[0]);
    viz_model m;
    viz_index ix;
    viz_error err;
    ck_assert_int_eq(viz_load_mem(&m, text, strlen(text), &err), 0);
    ck_assert_int_eq(viz_index_build(&ix, &m), 0);
    const int32_t widths[3] = {1600, 1000, 700};
    for (int w = 0; w < 3; w++) {
        viz_view v;
        viz_drawlist dl;
        viz_rq rq;
        ck_assert_int_eq(viz_view_init(&v, &ix, widths[w], 900, 1, 9, 17), 0);
        viz_drawlist_init(&dl);
        viz_rq_init(&rq);
        v.v0_ns = 1000400;
        v.v1_ns = 1001200;
        v.cur = 2;
        ck_assert_int_eq(viz_layout(&ix, &v, &rq, &dl), 0);
        char labels[64][32];
        int n = 0, bar = 0;
        for (int64_t i = 0; i < dl.count; i++) {
            const viz_draw *d = &dl.items[i];
            if (d->type != VIZ_D_TEXT) continue;
            const char *s = dl.text + d->text_off;
            if (d->y >= v.r_event.y && strstr(s, "t=1.00084ms") != NULL) bar = 1;
            if (d->y < v.r_ruler.y || d->y >= v.r_ruler.y + v.r_ruler.h || d->x < v.r_ruler.x ||
                d->x >= v.r_ruler.x + v.r_ruler.w || n == 64)
                continue;
            snprintf(labels[n++], sizeof labels[0], "%.*s", (int)d->text_len, s);
        }
        ck_assert_msg(bar, "the event bar gives t=1.00084ms (width %d)", widths[w]);
        ck_assert_msg(n >= (widths[w] >= 1000 ? 3 : 1), "width %d: %d labels (%s, %s)", widths[w], n, labels[0],
                      n > 1 ? labels[1] : "");
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++)
                ck_assert_msg(strcmp(labels[a], labels[b]) != 0, "width %d: label %d and %d are both %s", widths[w],
                              a, b, labels[a]);
        /* Each label fits before the next tick (no overlap). */
        for (int64_t i = 0, prev_end = -1; i < dl.count; i++) {
            const viz_draw *d = &dl.items[i];
            if (d->type != VIZ_D_TEXT || d->y < v.r_ruler.y || d->y >= v.r_ruler.y + v.r_ruler.h || d->x < v.r_ruler.x ||
                d->x >= v.r_ruler.x + v.r_ruler.w)
                continue;
            ck_assert_msg(d->x > prev_end, "width %d: %.*s at x=%d overlaps the label before (to x=%d)", widths[w],
                          (int)d->text_len, dl.text + d->text_off, d->x, (int)prev_end);
            prev_end = d->x + d->w;
        }
        viz_drawlist_free(&dl);
        viz_rq_free(&rq);
        viz_view_free(&v);
    }
    viz_index_free(&ix);
    viz_model_free(&m);
}
END_TEST

/* [SECTION] every kind of the format */

/* One line of each kind the fixture lacks, from docs/schedule-format.md's examples. */
static const char *const t_kind_lines[] = {
    "\"ev\":\"ProcIdle\",\"p\":1,\"why\":\"handoffp: no work for the P, it goes idle\"",
    "\"ev\":\"ProcSteal\",\"p\":0,\"m\":1,\"why\":\"retake: in a syscall with work queued on its P\"",
    "\"ev\":\"MPoll\",\"m\":0,\"p\":-1,\"until\":102250,\"why\":\"findRunnable: no work\"",
    "\"ev\":\"MExit\",\"m\":2,\"p\":-1,\"why\":\"goexit0: a G exiting while locked kills its M\"",
    "\"ev\":\"Sysmon\",\"m\":1,\"action\":\"sleep\",\"why\":\"sysmon: every P is idle\"",
    "\"ev\":\"Preempt\",\"p\":0,\"m\":0,\"g\":4,\"async\":true,\"at\":11241000,\"why\":\"preemptone\"",
    "\"ev\":\"GoSyscallBegin\",\"m\":0,\"p\":0,\"g\":2,\"file\":\"s.c\",\"line\":17,\"dur\":500000,\"blocking\":false",
    "\"ev\":\"GoSyscallEnd\",\"m\":0,\"p\":0,\"g\":2,\"why\":\"exitsyscallfast: reacquired the P it had\"",
    "\"ev\":\"GoSyscallEndBlocked\",\"m\":0,\"p\":-1,\"g\":1,\"why\":\"exitsyscall0: no P\"",
    "\"ev\":\"GoLeak\",\"g\":2,\"reason\":\"chan receive\",\"why\":\"leakcheck: still blocked after main returned\"",
    "\"ev\":\"MainReturn\",\"m\":0,\"p\":0,\"g\":1,\"why\":\"runtime.main: main.main returned\"",
    "\"ev\":\"LockOSThread\",\"m\":0,\"p\":0,\"g\":1,\"file\":\"l.c\",\"line\":20,\"locked\":1",
    "\"ev\":\"UnlockOSThread\",\"m\":0,\"p\":0,\"g\":1,\"file\":\"l.c\",\"line\":22,\"locked\":0",
    "\"ev\":\"Select\",\"g\":5,\"op\":\"selectgo\",\"cases\":3,\"has_default\":false,\"chosen\":2,\"dir\":\"recv\","
    "\"chan\":\"0xc000010040\",\"ok\":true,\"blocked\":false,\"pollorder\":[1,2,0]",
    "\"ev\":\"Select\",\"g\":1,\"op\":\"selectnbrecv\",\"cases\":1,\"has_default\":true,\"chosen\":-1,"
    "\"dir\":\"default\",\"blocked\":false,\"pollorder\":[0]",
    "\"ev\":\"VarNew\",\"g\":1,\"var\":\"i\",\"addr\":\"0xc000010060\",\"value\":0",
    "\"ev\":\"VarStore\",\"g\":2,\"var\":\"i\",\"addr\":\"0xc000010060\",\"value\":5,\"atomic\":true",
    "\"ev\":\"TimerArm\",\"timer\":\"0xc000010260\",\"p\":0,\"when\":229350,\"kind\":\"sleep\",\"g\":1",
    "\"ev\":\"TimerFire\",\"timer\":\"0xc000010260\",\"p\":0,\"when\":229350,\"kind\":\"sleep\",\"g\":1",
    "\"ev\":\"MutexLock\",\"g\":3,\"mutex\":\"0xc000010000\",\"how\":\"slow\",\"state\":1,\"starving\":false,"
    "\"waiters\":0,\"waited_ns\":200,\"spins\":2",
    "\"ev\":\"MutexStarving\",\"g\":2,\"mutex\":\"0xc000010000\",\"starving\":true,\"state\":21,\"waited_ns\":1585180",
    "\"ev\":\"MutexUnlock\",\"g\":1,\"mutex\":\"0xc000010000\",\"state\":0,\"waiters\":0,\"handoff\":false",
    "\"ev\":\"RWMutexLock\",\"g\":5,\"rwmutex\":\"0xc000010030\",\"mode\":\"r\",\"how\":\"fast\",\"reader_count\":1,"
    "\"reader_wait\":0",
    "\"ev\":\"RWMutexUnlock\",\"g\":5,\"rwmutex\":\"0xc000010030\",\"mode\":\"r\",\"reader_count\":0,\"reader_wait\":0",
    "\"ev\":\"WaitGroupAdd\",\"g\":1,\"waitgroup\":\"0xc000010010\",\"delta\":4,\"counter\":4,\"waiters\":0",
    "\"ev\":\"WaitGroupWait\",\"g\":1,\"waitgroup\":\"0xc000010010\",\"blocked\":true,\"counter\":0",
    "\"ev\":\"CondWait\",\"g\":5,\"cond\":\"0xc000010060\",\"ticket\":0",
    "\"ev\":\"CondNotify\",\"g\":1,\"cond\":\"0xc000010060\",\"all\":false,\"woken\":1,\"notify\":1,\"wait\":4",
    "\"ev\":\"OnceDo\",\"g\":5,\"once\":\"0xc000010050\",\"ran\":true",
    "\"ev\":\"ContextNew\",\"g\":1,\"ctx\":\"0xc000010010\",\"kind\":\"value\",\"parent\":\"0xc000010000\",\"key\":1,"
    "\"value\":4217",
    "\"ev\":\"ContextCancel\",\"g\":1,\"ctx\":\"0xc000010010\",\"err\":\"context canceled\",\"children\":3",
    "\"ev\":\"Race\",\"g\":2,\"addr\":\"0xc000010060\",\"var\":\"i\",\"access\":\"read\",\"prev_g\":1,"
    "\"prev_access\":\"write\",\"count\":1",
    "\"ev\":\"Decision\",\"kind\":\"mwake\",\"n\":16,\"choice\":3,\"why\":\"startm\",\"key\":\"P1\",\"pick\":\"250 ns\"",
    "\"ev\":\"Decision\",\"kind\":\"tie\",\"n\":2,\"choice\":1,\"why\":\"tie\",\"cands\":[\"main\",\"sysmon\"],"
    "\"pick\":\"sysmon\"",
    "\"ev\":\"Decision\",\"kind\":\"steal_order\",\"n\":8,\"choice\":6,\"why\":\"stealWork\",\"key\":\"P1\","
    "\"pick\":\"start P2 stride 3\"",
};
/* What each description must say (a piece of it), in the same order. */
static const char *const t_kind_words[] = {
    "ProcIdle: P1 goes idle",
    "ProcSteal: sysmon (M1) retakes P0",
    "MPoll: M0 blocks in netpoll until the next timer at 102.25\xc2\xb5s",
    "MExit: M2 exits",
    "Sysmon (M1): every P is idle",
    "Preempt: G4 async on P0/M0 (sysmon: running over 10ms), SIGURG lands at 11.241ms",
    "GoSyscallBegin: G2 enters a syscall for 500\xc2\xb5s on P0/M0, P0 stays in _Psyscall",
    "GoSyscallEnd: G2 returns from its syscall, runs on P0/M0",
    "GoSyscallEndBlocked: G1 returns from its syscall with no P",
    "GoLeak: G2 leaked, blocked [chan receive]",
    "MainReturn: main.main returned",
    "LockOSThread: G1 wired to M0 (lockedExt 1)",
    "UnlockOSThread: G1 and M0 are free again",
    "Select: G5 selectgo, 3 cases, polls [1,2,0]: case 2 (recv, chan 0xc000010040) ready",
    "Select: G1 selectnbrecv, 1 case + default, polls [0]: no case ready, default",
    "VarNew: G1 i = 0",
    "VarStore: G2 i = 5 (atomic)",
    "TimerArm: sleep timer 0xc000010260 of G1 armed on P0, due at 229.35\xc2\xb5s",
    "TimerFire: P0 runs sleep timer 0xc000010260 of G1",
    "MutexLock: G3 locks mutex 0xc000010000 slow after 2 spins, waited 200ns",
    "MutexStarving: mutex 0xc000010000 enters starvation mode (G2 waited 1.58518ms)",
    "MutexUnlock: G1 unlocks mutex 0xc000010000",
    "RWMutexLock: G5 RLock rwmutex 0xc000010030, fast (readerCount 1",
    "RWMutexUnlock: G5 RUnlock rwmutex 0xc000010030",
    "WaitGroupAdd: G1 Add(4) on waitgroup 0xc000010010: counter 4",
    "WaitGroupWait: G1 Wait on waitgroup 0xc000010010 returns (counter 0) after blocking",
    "CondWait: G5 waits on cond 0xc000010060 (ticket 0)",
    "CondNotify: G1 Signal on cond 0xc000010060 wakes 1",
    "OnceDo: G5 Once.Do on 0xc000010050: ran the function",
    "ContextNew: G1 WithValue ctx 0xc000010010 (parent 0xc000010000, key 1 = 4217)",
    "ContextCancel: G1 cancels ctx 0xc000010010: context canceled (3 children)",
    "Race #1: G2 read of i @0xc000010060 races with G1's earlier write",
    "Decision mwake: P1's M runs after 250 ns (choice 3 of 16)",
    "Decision tie: sysmon steps first (choice 1 of 2: main, sysmon)",
    "Decision steal_order: P1 steals, start P2 stride 3 (choice 6 of 8)",
};
enum { T_KINDS = sizeof t_kind_lines / sizeof t_kind_lines[0] };

static char *t_kinds_text(void) {
    size_t cap = 16384, n = 0;
    char *s = malloc(cap);
    n += (size_t)snprintf(s + n, cap - n, "%s\n", t_lines[0]);
    for (int k = 0; k < T_KINDS; k++)
        n += (size_t)snprintf(s + n, cap - n, "{\"i\":%d,\"t\":%d,%s}\n", k, 100 * k, t_kind_lines[k]);
    n += (size_t)snprintf(s + n, cap - n, "{\"ev\":\"Footer\",\"counts\":{\"events\":%d}}\n", T_KINDS);
    ck_assert_uint_lt(n, cap);
    return s;
}

START_TEST(kinds_known_and_described) {
    ck_assert_int_eq(T_KINDS, (int)(sizeof t_kind_words / sizeof t_kind_words[0]));
    char *s = t_kinds_text();
    viz_model m;
    viz_error err;
    ck_assert_msg(viz_load_mem(&m, s, strlen(s), &err) == 0, "line %lld %s: %s", (long long)err.line, err.field,
                  err.msg);
    for (int k = 0; k < T_KINDS; k++) {
        char buf[512];
        ck_assert_int_ne(m.ev[k].kind, VIZ_EV_UNKNOWN);
        viz_event_describe(&m, k, buf, sizeof buf);
        ck_assert_msg(strstr(buf, t_kind_words[k]) != NULL, "event %d: \"%s\" lacks \"%s\"", k, buf, t_kind_words[k]);
    }
    /* The parallel loader's merge shifts the rows and re-interns their strings. */
    for (int chunks = 2; chunks <= 7; chunks++) {
        viz_model c;
        ck_assert_int_eq(viz_load_mem_chunks(&c, s, strlen(s), chunks, 1, &err), 0);
        t_same_events(&m, &c);
        viz_model_free(&c);
    }
    /* A known kind's fields are typed. */
    viz_model bad;
    static const char *const wrong[] = {
        "\"ev\":\"MutexLock\",\"g\":3,\"mutex\":7",
        "\"ev\":\"Select\",\"g\":5,\"pollorder\":\"1,2\"",
        "\"ev\":\"Decision\",\"kind\":\"tie\",\"n\":2,\"choice\":1,\"cands\":[1,2]",
        "\"ev\":\"MPoll\",\"m\":0,\"until\":\"soon\"",
        "\"ev\":\"TimerArm\",\"p\":0,\"when\":5",
    };
    static const char *const field[] = {"mutex", "pollorder", "cands", "until", "timer"};
    for (size_t k = 0; k < sizeof wrong / sizeof wrong[0]; k++) {
        char text[1024];
        snprintf(text, sizeof text, "%s\n{\"i\":0,\"t\":0,%s}\n{\"ev\":\"Footer\"}\n", t_lines[0], wrong[k]);
        ck_assert_int_eq(viz_load_mem(&bad, text, strlen(text), &err), -1);
        ck_assert_int_eq(err.line, 2);
        ck_assert_str_eq(err.field, field[k]);
    }
    viz_model_free(&m);
    free(s);
}
END_TEST

/* Every kind docs/schedule-format.md lists is known to the loader, by its name. */
START_TEST(kinds_of_the_format_doc) {
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/schedule-format.md", GMPSIM_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[2048];
    int in_table = 0, names = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "| group | kinds |", 17) == 0) {
            in_table = 1;
            continue;
        }
        if (!in_table) continue;
        if (line[0] != '|') break;
        if (strncmp(line, "|---", 4) == 0) continue;
        char *kinds = strchr(line + 1, '|');
        ck_assert_ptr_nonnull(kinds);
        for (char *tok = strtok(kinds + 1, ", |\n"); tok != NULL; tok = strtok(NULL, ", |\n")) {
            ck_assert_msg(viz_kind_of(tok) != VIZ_EV_UNKNOWN, "%s is not known to the viewer", tok);
            names++;
        }
    }
    fclose(f);
    ck_assert_int_eq(names, VIZ_EV_KIND_COUNT - 1); /* 57: every kind, each once */
}
END_TEST

/* Ms: waking from MStart to its runs_at (not spinning yet), blocked in netpoll after MPoll. */
START_TEST(index_m_waking_and_netpoll) {
    char text[4096];
    snprintf(text, sizeof text,
             "%s\n"
             "{\"i\":0,\"t\":0,\"ev\":\"ProcStart\",\"m\":0,\"p\":0}\n"
             "{\"i\":1,\"t\":0,\"ev\":\"GoCreate\",\"g\":0,\"new_g\":1,\"fn\":\"main.main\"}\n"
             "{\"i\":2,\"t\":0,\"ev\":\"GoStart\",\"m\":0,\"p\":0,\"g\":1}\n"
             "{\"i\":3,\"t\":100,\"ev\":\"MStart\",\"m\":1,\"p\":1,\"new\":false,\"spinning\":true,\"runs_at\":1000}\n"
             "{\"i\":4,\"t\":100,\"ev\":\"ProcStart\",\"m\":1,\"p\":1}\n"
             "{\"i\":5,\"t\":300,\"ev\":\"GoBlock\",\"m\":0,\"p\":0,\"g\":1,\"reason\":\"sleep\"}\n"
             "{\"i\":6,\"t\":300,\"ev\":\"ProcStop\",\"m\":0,\"p\":0}\n"
             "{\"i\":7,\"t\":300,\"ev\":\"MPoll\",\"m\":0,\"p\":-1,\"until\":5000}\n"
             "{\"i\":8,\"t\":2000,\"ev\":\"ProcStop\",\"m\":1,\"p\":1}\n"
             "{\"i\":9,\"t\":2000,\"ev\":\"MSpin\",\"m\":1,\"p\":-1,\"spinning\":false}\n"
             "{\"i\":10,\"t\":2000,\"ev\":\"MStop\",\"m\":1,\"p\":-1}\n"
             "{\"i\":11,\"t\":2500,\"ev\":\"MStart\",\"m\":1,\"p\":-1,\"new\":false,\"runs_at\":9000}\n"
             "{\"i\":12,\"t\":5000,\"ev\":\"ProcStart\",\"m\":0,\"p\":0}\n"
             "{\"i\":13,\"t\":5000,\"ev\":\"GoUnblock\",\"g\":1}\n"
             "{\"i\":14,\"t\":5000,\"ev\":\"GoStart\",\"m\":0,\"p\":0,\"g\":1}\n"
             "{\"ev\":\"Footer\",\"t\":6000}\n",
             t_lines[0]);
    viz_model m;
    viz_index ix;
    viz_error err;
    ck_assert_int_eq(viz_load_mem(&m, text, strlen(text), &err), 0);
    ck_assert_int_eq(viz_index_build(&ix, &m), 0);
    static const struct {
        int32_t mm;
        int64_t t;
        int state;
    } want[] = {
        {1, 50, VIZ_S_NONE},     {1, 100, VIZ_S_WAKING}, {1, 999, VIZ_S_WAKING},  {1, 1000, VIZ_S_SPINNING},
        {1, 1999, VIZ_S_SPINNING}, {1, 2200, VIZ_S_NONE}, {1, 2500, VIZ_S_WAKING}, {1, 6000, VIZ_S_WAKING},
        {0, 200, VIZ_S_RUNNING}, {0, 300, VIZ_S_POLL},   {0, 4999, VIZ_S_POLL},   {0, 5000, VIZ_S_RUNNING},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        int64_t sp = viz_span_at(&ix, ix.m_lane0 + want[k].mm, want[k].t);
        int st = sp >= 0 ? ix.spans[sp].state : VIZ_S_NONE;
        ck_assert_msg(st == want[k].state, "M%d at %lld: state %d, expected %d", want[k].mm, (long long)want[k].t, st,
                      want[k].state);
    }
    /* The P is held while its M wakes up. */
    int64_t sp = viz_span_at(&ix, ix.p_lane0 + 1, 500);
    ck_assert_int_ge(sp, 0);
    ck_assert_int_eq(ix.spans[sp].state, VIZ_S_HELD);
    viz_index_free(&ix);
    viz_model_free(&m);
}
END_TEST

/* Every golden schedule: each kind known and described; at the last event the
 * goroutines that did not exit are alive in their last state (the leaked ones too),
 * and a goroutine is dead exactly from its GoDestroy. */
START_TEST(golden_kinds_and_end_states) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/scenarios/golden", GMPSIM_SOURCE_DIR);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls '%s'/*.jsonl", dir);
    FILE *ls = popen(cmd, "r");
    ck_assert_ptr_nonnull(ls);
    char path[1200];
    int files = 0, leaks = 0;
    int seen[VIZ_EV_KIND_COUNT] = {0};
    while (fgets(path, sizeof path, ls) != NULL) {
        path[strcspn(path, "\n")] = 0;
        viz_model m;
        viz_index ix;
        viz_error err;
        ck_assert_msg(viz_load_file(&m, path, &err) == 0, "%s:%lld: %s: %s", path, (long long)err.line, err.field,
                      err.msg);
        ck_assert_int_eq(viz_index_build(&ix, &m), 0);
        for (int64_t i = 0; i < m.ev_count; i++) {
            const viz_event *e = &m.ev[i];
            char buf[512];
            viz_event_describe(&m, i, buf, sizeof buf);
            ck_assert_msg(e->kind != VIZ_EV_UNKNOWN, "%s: event %lld: %s", path, (long long)i, buf);
            ck_assert_msg(buf[0] != 0 && strstr(buf, "not known") == NULL, "%s: event %lld: %s", path, (long long)i, buf);
            seen[e->kind] = 1;
            viz_gnow now;
            if (e->kind == VIZ_EV_GO_DESTROY) {
                ck_assert_int_eq(viz_g_state_at(&ix, e->g, i, NULL), VIZ_G_DEAD);
                ck_assert_int_eq(viz_g_state_at(&ix, e->g, i - 1, NULL), VIZ_G_ALIVE);
            }
            if (e->kind == VIZ_EV_GO_LEAK) {
                leaks++;
                ck_assert_int_eq(viz_g_state_at(&ix, e->g, m.ev_count - 1, &now), VIZ_G_ALIVE);
                const char *reason = viz_str(&m, e->aux);
                if (strcmp(reason, "running") == 0) ck_assert_int_eq(now.state, VIZ_S_RUNNING);
                else if (strcmp(reason, "runnable") == 0) ck_assert_int_eq(now.state, VIZ_S_RUNNABLE);
                else if (strcmp(reason, "syscall") == 0) ck_assert_int_eq(now.state, VIZ_S_SYSCALL);
                else {
                    ck_assert_int_eq(now.state, VIZ_S_WAITING);
                    ck_assert_str_eq(viz_str(&m, now.label), reason);
                }
            }
        }
        for (int32_t l = ix.g_lane0; l < ix.lane_count; l++) {
            const viz_lane *ln = &ix.lanes[l];
            int st = viz_g_state_at(&ix, ln->id, m.ev_count - 1, NULL);
            if (ln->create_ev >= 0)
                ck_assert_msg(st == (ln->destroy_ev >= 0 ? VIZ_G_DEAD : VIZ_G_ALIVE), "%s: G%d at the end: %d", path,
                              ln->id, st);
        }
        viz_index_free(&ix);
        viz_model_free(&m);
        files++;
    }
    pclose(ls);
    ck_assert_int_ge(files, 100);
    ck_assert_int_ge(leaks, 1);
    ck_assert(seen[VIZ_EV_SELECT] && seen[VIZ_EV_MUTEX_LOCK] && seen[VIZ_EV_DECISION] && seen[VIZ_EV_M_POLL]);
}
END_TEST

/* The goroutine panel at the end of failing runs: blocked goroutines are not dead. */
START_TEST(panel_at_the_end_of_failing_runs) {
    static const char *const files[] = {"deadlock-p4-s1", "closed_send_panic-p4-s1", "grpc_660-shrunk"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/scenarios/golden/%s.jsonl", GMPSIM_SOURCE_DIR, files[f]);
        viz_model m;
        viz_index ix;
        viz_error err;
        ck_assert_int_eq(viz_load_file(&m, path, &err), 0);
        ck_assert_int_eq(viz_index_build(&ix, &m), 0);
        viz_view v;
        viz_drawlist dl;
        viz_rq rq;
        ck_assert_int_eq(viz_view_init(&v, &ix, 1600, 900, 1, 9, 17), 0);
        viz_drawlist_init(&dl);
        viz_rq_init(&rq);
        v.cur = m.ev_count - 1;
        for (int32_t l = ix.g_lane0; l < ix.lane_count; l++) {
            v.sel_g = ix.lanes[l].id;
            ck_assert_int_eq(viz_layout(&ix, &v, &rq, &dl), 0);
            int alive = ix.lanes[l].destroy_ev < 0, said_dead = 0, said_state = 0, k = 0;
            for (int64_t i = 0; i < dl.count; i++) {
                const viz_draw *d = &dl.items[i];
                if (d->type != VIZ_D_TEXT || d->x < v.r_side.x || d->y < v.r_side.y) continue;
                if (k++ != 1) continue; /* the name in the header bar, then the state line */
                const char *s = dl.text + d->text_off;
                if (strncmp(s, "dead", 4) == 0 || strstr(s, "not alive") != NULL) said_dead = 1;
                if (strncmp(s, "waiting: ", 9) == 0 || strncmp(s, "running on", 10) == 0 || strncmp(s, "runnable", 8) == 0)
                    said_state = 1;
            }
            ck_assert_msg(!alive || (!said_dead && said_state), "%s: G%d at the last event: dead %d, state %d", files[f],
                          ix.lanes[l].id, said_dead, said_state);
            ck_assert_msg(alive || said_dead, "%s: G%d exited but the panel does not say so", files[f], ix.lanes[l].id);
        }
        viz_drawlist_free(&dl);
        viz_rq_free(&rq);
        viz_view_free(&v);
        viz_index_free(&ix);
        viz_model_free(&m);
    }
}
END_TEST

/* [SECTION] every scenario's real schedule */

static const char *t_check_what = "?"; /* the schedule being checked, for messages */

static void t_check_index(const viz_index *ix) {
    const viz_model *m = ix->m;
    for (int32_t l = 0; l < ix->lane_count; l++) {
        const viz_lane *ln = &ix->lanes[l];
        for (int64_t s = ln->span_off; s < ln->span_off + ln->span_count; s++) {
            ck_assert_int_le(ix->spans[s].t0_ns, ix->spans[s].t1_ns);
            if (s > ln->span_off) ck_assert_int_le(ix->spans[s - 1].t1_ns, ix->spans[s].t0_ns);
        }
    }
    viz_rq rq;
    viz_rq_init(&rq);
    for (int64_t i = 0; i < m->ev_count; i++) {
        const viz_event *e = &m->ev[i];
        if (e->kind != VIZ_EV_GO_START) continue;
        /* A G that starts is in no queue any more, and its P runs it. */
        ck_assert_int_eq(viz_rq_at(ix, i + 1, &rq), 0);
        ck_assert_int_eq(rq.curg[e->p], e->g);
        for (int32_t p = 0; p < rq.p_count; p++) {
            ck_assert_int_ne(rq.runnext[p], e->g);
            for (int64_t k = 0; k < rq.local[p].len; k++) ck_assert_int_ne(rq.local[p].v[rq.local[p].head + k], e->g);
        }
        for (int64_t k = 0; k < rq.global.len; k++) ck_assert_int_ne(rq.global.v[rq.global.head + k], e->g);
        int32_t gl = viz_index_glane(ix, e->g);
        int64_t s = viz_span_at(ix, gl, e->t_ns);
        ck_assert_msg(s >= 0, "%s: event %lld: G%lld starts at %lld ns with no span of its lane there", t_check_what,
                      (long long)i, (long long)e->g, (long long)e->t_ns);
    }
    viz_rq_free(&rq);
}

START_TEST(real_schedules) {
    int procs[2] = {1, 4};
    int checked = 0;
    for (size_t i = 0; i < gmp_scenario_count(); i++) {
        const gmp_scenario *scn = gmp_scenario_at(i);
        /* The library's scenarios only: other suites register test scenarios that
         * spin, fault or wait for a watchdog on purpose. */
        if (scn->file == NULL || strstr(scn->file, "scenarios/") == NULL) continue;
        for (int k = 0; k < 2; k++) {
            char *buf = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&buf, &len);
            gmp_options opt;
            gmp_options_default(&opt);
            opt.procs = procs[k];
            opt.seed = (uint64_t)(3 + k);
            opt.max_events = 200000;
            gmp_result res;
            gmp_run(scn, &opt, f, &res);
            gmp_result_free(&res);
            fclose(f);
            viz_model m;
            viz_index ix;
            viz_error err;
            int rc = viz_load_mem(&m, buf, len, &err);
            ck_assert_msg(rc == 0, "%s procs %d: line %lld: %s: %s", scn->name, procs[k], (long long)err.line,
                          err.field, err.msg);
            ck_assert_int_eq(m.ev_count, res.events);
            ck_assert_int_eq(viz_index_build(&ix, &m), 0);
            char what[160];
            snprintf(what, sizeof what, "%s procs %d seed %d", scn->name, procs[k], 3 + k);
            t_check_what = what;
            t_check_index(&ix);
            checked++;
            viz_index_free(&ix);
            viz_model_free(&m);
            free(buf);
        }
    }
    ck_assert_int_ge(checked, 2); /* args_copy at least, twice */
}
END_TEST

Suite *viz_suite(void) {
    Suite *s = suite_create("viz");
    TCase *tc = tcase_create("model");
    tcase_add_checked_fixture(tc, t_load, t_unload);
    tcase_add_test(tc, load_fixture);
    tcase_add_test(tc, load_unknown_kind_kept);
    tcase_add_loop_test(tc, load_errors_name_line_and_field, 0, (int)(sizeof t_bad / sizeof t_bad[0]));
    tcase_add_loop_test(tc, load_errors_same_in_chunks, 0, (int)(sizeof t_bad / sizeof t_bad[0]));
    tcase_add_test(tc, load_chunks_same_model);
    tcase_add_test(tc, load_fast_path_same_as_cjson);
    tcase_add_test(tc, load_empty_and_content_after_footer);
    tcase_add_test(tc, load_file_missing_and_crlf);
    tcase_add_test(tc, index_g_states);
    tcase_add_test(tc, index_arrows);
    tcase_add_test(tc, index_decisions_and_time);
    tcase_add_test(tc, state_run_queues);
    tcase_add_test(tc, state_stacks_and_arg_copies);
    tcase_add_test(tc, find_goroutines);
    tcase_add_test(tc, layout_and_hit);
    tcase_add_test(tc, layout_clip_hides_hits);
    tcase_add_test(tc, layout_folds_tiny_spans);
    tcase_add_test(tc, state_exact_at_shared_instant);
    tcase_add_test(tc, time_formats_exact_and_by_step);
    tcase_add_test(tc, ruler_labels_differ_when_zoomed);
    tcase_add_test(tc, kinds_known_and_described);
    tcase_add_test(tc, kinds_of_the_format_doc);
    tcase_add_test(tc, index_m_waking_and_netpoll);
    tcase_add_test(tc, panel_at_the_end_of_failing_runs);
    suite_add_tcase(s, tc);
    TCase *real = tcase_create("real");
    tcase_set_timeout(real, 300);
    tcase_add_test(real, real_schedules);
    tcase_add_test(real, golden_kinds_and_end_states);
    suite_add_tcase(s, real);
    return s;
}

#else /* the viewer is not built (GMPSIM_VIEWER=OFF): an empty suite */

Suite *viz_suite(void) {
    return suite_create("viz (viewer not built)");
}

#endif
