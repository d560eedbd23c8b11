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

START_TEST(load_chunks_same_model) {
    char *s = t_text(-1, NULL);
    for (int chunks = 1; chunks <= 7; chunks++) {
        viz_model m;
        viz_error err;
        ck_assert_int_eq(viz_load_mem_chunks(&m, s, strlen(s), chunks, 1, &err), 0);
        ck_assert_int_eq(m.ev_count, t_m.ev_count);
        ck_assert_int_eq(m.line_count, T_LINES);
        ck_assert_int_eq(m.t_end_ns, 1000);
        ck_assert_str_eq(viz_str(&m, m.footer.outcome), "ok");
        ck_assert_str_eq(viz_str(&m, m.header.scenario), "fixture");
        for (int64_t i = 0; i < m.ev_count; i++) {
            char a[512], b[512];
            viz_event_describe(&m, i, a, sizeof a);
            viz_event_describe(&t_m, i, b, sizeof b);
            ck_assert_str_eq(a, b);
            ck_assert_str_eq(viz_str(&m, m.ev[i].why), viz_str(&t_m, t_m.ev[i].why));
        }
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
    ck_assert_int_eq(m.ev_count, t_m.ev_count);
    for (int64_t i = 0; i < m.ev_count; i++) {
        char a[512], b[512];
        viz_event_describe(&m, i, a, sizeof a);
        viz_event_describe(&t_m, i, b, sizeof b);
        ck_assert_str_eq(a, b);
    }
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
    suite_add_tcase(s, tc);
    TCase *real = tcase_create("real");
    tcase_set_timeout(real, 300);
    tcase_add_test(real, real_schedules);
    suite_add_tcase(s, real);
    return s;
}

#else /* the viewer is not built (GMPSIM_VIEWER=OFF): an empty suite */

Suite *viz_suite(void) {
    return suite_create("viz (viewer not built)");
}

#endif
