/* tests/test_select.c: the select statement (sim/select.c) through gmp_run, on small
 * scenarios defined here (registered as test_*; the determinism suite skips them).
 *
 * Each case is a Go program whose outcome is known: which case runs, the values and
 * ok it gets, how it blocks ("select", "select (no cases)", or the plain channel wait
 * reasons where the compiler rewrites a one-case select), the panics, and the events:
 * one select_order decision per case after the first (nil cases dropped from Go 1.16),
 * the compiler's case layout seen through a strategy that fixes every draw, the
 * selectDone rule, and fairness among ready cases over many draws and seeds.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmpsim.h"
#include "suites.h"
#include "t_run.h"

/* [SECTION] running a scenario with everything captured */

/* The decisions of kind select_order, their n in order, into ns; returns how many. */
static int32_t t_select_decisions(const t_run *r, int64_t *ns, int32_t max) {
    int32_t k = 0;
    for (int32_t i = t_find(r, 0, "Decision"); i >= 0; i = t_find(r, i + 1, "Decision")) {
        const char *kind = t_str(r->ev[i], "kind");
        if (kind == NULL || strcmp(kind, "select_order") != 0) continue;
        if (k < max) ns[k] = t_int(r->ev[i], "n");
        k++;
    }
    return k;
}


/* [SECTION] ready cases, default, closed channels */

static void t_two_ready_main(void *argp) {
    (void)argp;
    gmp_chan a = gmp_make_chan(sizeof(int64_t), 1), b = gmp_make_chan(sizeof(int64_t), 1);
    int64_t x = 10, y = 20, v = 0;
    gmp_send(a, &x);
    gmp_send(b, &y);
    for (int i = 0; i < 2; i++) {
        bool ok = false;
        int k = GMP_SELECT(&ok, false, GMP_RECV_CASE(a, &v), GMP_RECV_CASE(b, &v));
        gmp_printf("%d %lld %d\n", k, (long long)v, ok);
    }
}
GMP_SCENARIO(test_sel_two_ready, "select between two ready buffered receives, twice", t_two_ready_main)

START_TEST(test_select_ready_cases) {
    int first0 = 0, first1 = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        t_run r;
        t_run_seed(&r, "test_sel_two_ready", 1, 22, seed, true);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        if (strcmp(r.out, "0 10 1\n1 20 1\n") == 0) first0++;
        else if (strcmp(r.out, "1 20 1\n0 10 1\n") == 0) first1++;
        else ck_abort_msg("output:\n%s", r.out);
        /* Each selectgo: one decision (n=2), a Select event that did not block. */
        int64_t ns[4];
        ck_assert_int_eq(t_select_decisions(&r, ns, 4), 2);
        ck_assert_int_eq(ns[0], 2);
        int32_t e = t_find(&r, 0, "Select");
        ck_assert_int_ge(e, 0);
        ck_assert_str_eq(t_str(r.ev[e], "op"), "selectgo");
        ck_assert(!t_bool(r.ev[e], "blocked"));
        ck_assert_str_eq(t_str(r.ev[e], "dir"), "recv");
        /* The value moved from the buffer onto main's stack. */
        int32_t c = t_find(&r, 0, "ValueCopy");
        bool seen = false;
        for (; c >= 0; c = t_find(&r, c + 1, "ValueCopy"))
            seen |= strncmp(t_str(r.ev[c], "why"), "selectgo: bufrecv", 17) == 0;
        ck_assert(seen);
        t_free(&r);
    }
    ck_assert_int_gt(first0, 5);
    ck_assert_int_gt(first1, 5);
}
END_TEST

static void t_default_main(void *argp) {
    (void)argp;
    gmp_chan a = gmp_make_chan(sizeof(int64_t), 0), b = gmp_make_chan(sizeof(int64_t), 1);
    int64_t v = 0, one = 1;
    int k = GMP_SELECT(NULL, true, GMP_RECV_CASE(a, &v), GMP_SEND_CASE(a, &one));
    gmp_printf("none ready: %d\n", k);
    k = GMP_SELECT(NULL, true, GMP_RECV_CASE(a, &v), GMP_SEND_CASE(b, &one));
    gmp_printf("send ready: %d\n", k);
    bool ok = false;
    k = GMP_SELECT(&ok, true, GMP_RECV_CASE(b, &v));
    gmp_printf("selectnbrecv: %d %lld %d\n", k, (long long)v, ok);
    k = GMP_SELECT(&ok, true, GMP_RECV_CASE(b, &v));
    gmp_printf("selectnbrecv empty: %d\n", k);
    k = gmp_select(NULL, 0, true, NULL);
    gmp_printf("only default: %d\n", k);
}
GMP_SCENARIO(test_sel_default, "select with default: none ready, one ready, one case plus default", t_default_main)

START_TEST(test_select_default) {
    t_run r;
    t_run1(&r, "test_sel_default", 2, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "none ready: -1\nsend ready: 1\nselectnbrecv: 0 1 1\nselectnbrecv empty: -1\nonly default: -1\n");
    /* Two-case selects draw one decision each; one case plus default draws none. */
    int64_t ns[8];
    ck_assert_int_eq(t_select_decisions(&r, ns, 8), 2);
    int32_t e = t_find(&r, 0, "Select");
    ck_assert_int_eq(t_int(r.ev[e], "chosen"), -1);
    ck_assert_str_eq(t_str(r.ev[e], "dir"), "default");
    e = t_find(&r, e + 1, "Select");
    e = t_find(&r, e + 1, "Select");
    ck_assert_str_eq(t_str(r.ev[e], "op"), "selectnbrecv");
    ck_assert_int_eq(t_find(&r, 0, "GoBlock"), -1);
    t_free(&r);
    /* go1.15: default is a case of the array, in the shuffle: 3 entries, 2 draws each. */
    t_run1(&r, "test_sel_default", 2, 15);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "none ready: -1\nsend ready: 1\nselectnbrecv: 0 1 1\nselectnbrecv empty: -1\nonly default: -1\n");
    ck_assert_int_eq(t_select_decisions(&r, ns, 8), 4);
    ck_assert_int_eq(ns[1], 3);
    t_free(&r);
}
END_TEST

static void t_closed_recv_main(void *argp) {
    (void)argp;
    gmp_chan a = gmp_make_chan(sizeof(int64_t), 0), c = gmp_make_chan(sizeof(int64_t), 0);
    gmp_close(c);
    int64_t v = 99;
    bool ok = true;
    int k = GMP_SELECT(&ok, false, GMP_RECV_CASE(a, &v), GMP_RECV_CASE(c, &v));
    gmp_printf("%d %lld %d\n", k, (long long)v, ok);
}
GMP_SCENARIO(test_sel_closed_recv, "select receives the zero value from a closed channel", t_closed_recv_main)

static void t_closed_send_main(void *argp) {
    (void)argp;
    gmp_chan a = gmp_make_chan(sizeof(int64_t), 0), c = gmp_make_chan(sizeof(int64_t), 0);
    gmp_close(c);
    int64_t v = 1;
    GMP_SELECT(NULL, false, GMP_RECV_CASE(a, &v), GMP_SEND_CASE(c, &v));
}
GMP_SCENARIO(test_sel_closed_send, "select with a send case on a closed channel", t_closed_send_main)

START_TEST(test_select_closed) {
    t_run r;
    t_run1(&r, "test_sel_closed_recv", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "1 0 0\n");
    t_free(&r);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        t_run_seed(&r, "test_sel_closed_send", 1, 22, seed, false);
        T_OUTCOME(&r, GMP_OUTCOME_PANIC);
        ck_assert_str_eq(r.res.message, "panic: send on closed channel");
        T_REPORT_HAS(&r, "goroutine 1 [running]:");
        t_free(&r);
    }
}
END_TEST

/* [SECTION] blocking */

typedef struct {
    gmp_chan a, b;
    int64_t v;
} t_pair_args;

static void t_send_b(void *argp) {
    t_pair_args *p = argp;
    gmp_send(p->b, &p->v);
}

static void t_block_recv_main(void *argp) {
    (void)argp;
    t_pair_args p = {.a = gmp_make_chan(sizeof(int64_t), 0), .b = gmp_make_chan(sizeof(int64_t), 0), .v = 42};
    GMP_GO(t_send_b, p);
    int64_t v = 0;
    bool ok = false;
    int k = GMP_SELECT(&ok, false, GMP_RECV_CASE(p.a, &v), GMP_RECV_CASE(p.b, &v));
    gmp_printf("%d %lld %d\n", k, (long long)v, ok);
}
GMP_SCENARIO(test_sel_block_recv, "select blocks until a sender comes", t_block_recv_main)

START_TEST(test_select_blocks_then_woken) {
    for (int32_t procs = 1; procs <= 2; procs++) {
        t_run r;
        t_run1(&r, "test_sel_block_recv", procs, 22);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        T_OUT(&r, "1 42 1\n");
        int32_t b = t_find(&r, 0, "GoBlock");
        ck_assert_int_ge(b, 0);
        ck_assert_str_eq(t_str(r.ev[b], "reason"), "select");
        int32_t e = t_find(&r, b, "Select");
        ck_assert_int_ge(e, 0);
        ck_assert(t_bool(r.ev[e], "blocked"));
        ck_assert_int_eq(t_int(r.ev[e], "chosen"), 1);
        /* The sender copied straight onto main's stack, into the select's v. */
        int32_t c = t_find(&r, b, "ValueCopy");
        ck_assert_int_ge(c, 0);
        ck_assert_int_eq(t_int(r.ev[c], "dst_g"), 1);
        ck_assert_str_eq(t_str(r.ev[c], "dst_kind"), "stack");
        t_free(&r);
    }
}
END_TEST

static void t_recv_a(void *argp) {
    t_pair_args *p = argp;
    int64_t v = 0;
    gmp_recv(p->a, &v);
    gmp_printf("receiver got %lld\n", (long long)v);
    gmp_send(p->b, &v);
}

static void t_send_case_main(void *argp) {
    (void)argp;
    t_pair_args p = {.a = gmp_make_chan(sizeof(int64_t), 0), .b = gmp_make_chan(sizeof(int64_t), 0)};
    GMP_GO(t_recv_a, p);
    t_settle(); /* the receiver parks on a */
    gmp_chan never = gmp_make_chan(sizeof(int64_t), 0);
    int64_t seven = 7, v = 0;
    int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(never, &v), GMP_SEND_CASE(p.a, &seven));
    gmp_printf("chosen %d\n", k);
    gmp_recv(p.b, &v);
}
GMP_SCENARIO(test_sel_send_case, "a select send case to a parked receiver", t_send_case_main)

START_TEST(test_select_send_to_parked_receiver) {
    t_run r;
    t_run1(&r, "test_sel_send_case", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "chosen 1\nreceiver got 7\n");
    int32_t c;
    bool seen = false;
    for (c = t_find(&r, 0, "ValueCopy"); c >= 0; c = t_find(&r, c + 1, "ValueCopy"))
        seen |= strncmp(t_str(r.ev[c], "why"), "selectgo: send: sendDirect", 26) == 0 &&
                t_int(r.ev[c], "dst_g") == 2;
    ck_assert(seen);
    t_free(&r);
}
END_TEST

static void t_closer(void *argp) {
    t_pair_args *p = argp;
    gmp_close(p->b);
}

static void t_close_wakes_recv_main(void *argp) {
    (void)argp;
    t_pair_args p = {.a = gmp_make_chan(sizeof(int64_t), 0), .b = gmp_make_chan(sizeof(int64_t), 0)};
    GMP_GO(t_closer, p);
    int64_t v = 5;
    bool ok = true;
    int k = GMP_SELECT(&ok, false, GMP_RECV_CASE(p.a, &v), GMP_RECV_CASE(p.b, &v));
    gmp_printf("%d %lld %d\n", k, (long long)v, ok);
}
GMP_SCENARIO(test_sel_close_wakes_recv, "a close wakes a blocked select's receive", t_close_wakes_recv_main)

static void t_close_wakes_send_main(void *argp) {
    (void)argp;
    t_pair_args p = {.a = gmp_make_chan(sizeof(int64_t), 0), .b = gmp_make_chan(sizeof(int64_t), 0)};
    GMP_GO(t_closer, p);
    int64_t v = 5;
    GMP_SELECT(NULL, false, GMP_RECV_CASE(p.a, &v), GMP_SEND_CASE(p.b, &v));
}
GMP_SCENARIO(test_sel_close_wakes_send, "a close wakes a blocked select's send: panic", t_close_wakes_send_main)

START_TEST(test_select_closed_while_blocked) {
    for (int32_t go = 15; go <= 22; go += 7) { /* go1.15: woken with no case, polls again */
        t_run r;
        t_run1(&r, "test_sel_close_wakes_recv", 1, go);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        T_OUT(&r, "1 0 0\n");
        ck_assert_str_eq(t_str(r.ev[t_find(&r, 0, "GoBlock")], "reason"), "select");
        t_free(&r);
        t_run1(&r, "test_sel_close_wakes_send", 1, go);
        T_OUTCOME(&r, GMP_OUTCOME_PANIC);
        ck_assert_str_eq(r.res.message, "panic: send on closed channel");
        t_free(&r);
    }
}
END_TEST

static void t_one_case_wait_main(void *argp) {
    (void)argp;
    t_pair_args p = {.a = gmp_make_chan(sizeof(int64_t), 0), .b = gmp_make_chan(sizeof(int64_t), 0), .v = 42};
    GMP_GO(t_send_b, p);
    int64_t v = 0;
    bool ok = false;
    int k = GMP_SELECT(&ok, false, GMP_RECV_CASE(p.b, &v));
    gmp_printf("%d %lld %d\n", k, (long long)v, ok);
}
GMP_SCENARIO(test_sel_one_case_wait, "a one-case select blocks as a plain receive", t_one_case_wait_main)

START_TEST(test_select_one_case_is_plain_op) {
    t_run r;
    t_run1(&r, "test_sel_one_case_wait", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "0 42 1\n");
    int32_t b = t_find(&r, 0, "GoBlock");
    ck_assert_int_ge(b, 0);
    ck_assert_str_eq(t_str(r.ev[b], "reason"), "chan receive");
    int32_t e = t_find(&r, b, "Select");
    ck_assert_int_ge(e, 0);
    ck_assert_str_eq(t_str(r.ev[e], "op"), "chanrecv");
    ck_assert(t_bool(r.ev[e], "blocked"));
    ck_assert(t_bool(r.ev[e], "ok"));
    int64_t ns[2];
    ck_assert_int_eq(t_select_decisions(&r, ns, 2), 0);
    t_free(&r);
}
END_TEST

static void t_empty_main(void *argp) {
    (void)argp;
    gmp_select_block();
}
GMP_SCENARIO(test_sel_empty, "select {}", t_empty_main)

static void t_all_nil_main(void *argp) {
    (void)argp;
    int64_t v = 0;
    GMP_SELECT(NULL, false, GMP_RECV_CASE(GMP_NIL_CHAN, &v), GMP_SEND_CASE(GMP_NIL_CHAN, &v));
}
GMP_SCENARIO(test_sel_all_nil, "select over nil channels only", t_all_nil_main)

static void t_one_case_main(void *argp) {
    (void)argp;
    gmp_chan a = gmp_make_chan(sizeof(int64_t), 0);
    int64_t v = 0;
    GMP_SELECT(NULL, false, GMP_RECV_CASE(a, &v));
}
GMP_SCENARIO(test_sel_one_case, "a one-case select is a plain receive", t_one_case_main)

static void t_one_nil_main(void *argp) {
    (void)argp;
    int64_t v = 0;
    GMP_SELECT(NULL, false, GMP_SEND_CASE(GMP_NIL_CHAN, &v));
}
GMP_SCENARIO(test_sel_one_nil, "a one-case select on a nil channel is a send on nil", t_one_nil_main)

START_TEST(test_select_blocking_forever) {
    static const struct {
        const char *scn, *dump;
    } want[] = {
        {"test_sel_empty", "goroutine 1 [select (no cases)]:"},
        {"test_sel_all_nil", "goroutine 1 [select]:"},
        {"test_sel_one_case", "goroutine 1 [chan receive]:"},
        {"test_sel_one_nil", "goroutine 1 [chan send (nil chan)]:"},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        t_run r;
        t_run1(&r, want[k].scn, 2, 22);
        T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
        T_REPORT_HAS(&r, "fatal error: all goroutines are asleep - deadlock!");
        T_REPORT_HAS(&r, want[k].dump);
        t_free(&r);
    }
}
END_TEST

/* [SECTION] sudogs: selectDone, select against select, a full buffer */

typedef struct {
    gmp_chan a, b;
    gmp_chan done;
} t_sd_args;

static void t_sd_selector(void *argp) {
    t_sd_args *p = argp;
    int64_t va = 0, vb = 0;
    int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(p->a, &va), GMP_RECV_CASE(p->b, &vb));
    gmp_printf("select %d a=%lld b=%lld\n", k, (long long)va, (long long)vb);
    gmp_recv(p->b, &vb);
    gmp_printf("then b=%lld\n", (long long)vb);
    gmp_send(p->done, &vb);
}

/* main wakes the select through a, then sends on b before the select runs: its sudog
 * on b belongs to a G whose select is done, so the send must not go to it. */
static void t_sd_main(void *argp) {
    (void)argp;
    t_sd_args p = {.a = gmp_make_chan(sizeof(int64_t), 0), .b = gmp_make_chan(sizeof(int64_t), 0),
                   .done = gmp_make_chan(sizeof(int64_t), 1)};
    GMP_GO(t_sd_selector, p);
    t_settle(); /* the selector parks on a and b */
    int64_t one = 1, two = 2, v;
    gmp_send(p.a, &one); /* wins the select; the selector is in runnext */
    gmp_send(p.b, &two); /* skips the selector's stale sudog: main blocks */
    gmp_recv(p.done, &v);
}
GMP_SCENARIO(test_sel_done, "a send skips the sudog of a select already won", t_sd_main)

START_TEST(test_select_done_skips_stale_sudog) {
    t_run r;
    t_run1(&r, "test_sel_done", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "select 0 a=1 b=0\nthen b=2\n");
    /* main blocked on b with "chan send". */
    bool seen = false;
    for (int32_t i = t_find(&r, 0, "GoBlock"); i >= 0; i = t_find(&r, i + 1, "GoBlock"))
        seen |= t_int(r.ev[i], "g") == 1 && strcmp(t_str(r.ev[i], "reason"), "chan send") == 0;
    ck_assert(seen);
    t_free(&r);
}
END_TEST

static void t_ss_sender(void *argp) {
    t_pair_args *p = argp;
    int64_t seven = 7, v = 0;
    int k = GMP_SELECT(NULL, false, GMP_SEND_CASE(p->a, &seven), GMP_RECV_CASE(p->b, &v));
    gmp_printf("sender chose %d\n", k);
}

static void t_ss_main(void *argp) {
    (void)argp;
    t_pair_args p = {.a = gmp_make_chan(sizeof(int64_t), 0), .b = gmp_make_chan(sizeof(int64_t), 0)};
    GMP_GO(t_ss_sender, p);
    t_settle();
    gmp_chan never = gmp_make_chan(sizeof(int64_t), 0);
    int64_t v = 0;
    bool ok = false;
    int k = GMP_SELECT(&ok, false, GMP_RECV_CASE(never, &v), GMP_RECV_CASE(p.a, &v));
    gmp_printf("main chose %d v=%lld ok=%d\n", k, (long long)v, ok);
    t_settle();
}
GMP_SCENARIO(test_sel_vs_sel, "a select receives from a select parked with a send", t_ss_main)

static void t_full_sender(void *argp) {
    t_pair_args *p = argp;
    int64_t two = 2;
    gmp_send(p->a, &two); /* the buffer is full: parks */
}

static void t_full_main(void *argp) {
    (void)argp;
    t_pair_args p = {.a = gmp_make_chan(sizeof(int64_t), 1)};
    int64_t one = 1, v = 0;
    gmp_send(p.a, &one);
    GMP_GO(t_full_sender, p);
    t_settle();
    gmp_chan never = gmp_make_chan(sizeof(int64_t), 0);
    int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(never, &v), GMP_RECV_CASE(p.a, &v));
    gmp_printf("%d %lld\n", k, (long long)v);
    gmp_recv(p.a, &v);
    gmp_printf("then %lld\n", (long long)v);
}
GMP_SCENARIO(test_sel_full, "select receives from a full buffer with a parked sender", t_full_main)

START_TEST(test_select_sudog_paths) {
    t_run r;
    t_run1(&r, "test_sel_vs_sel", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "main chose 1 v=7 ok=1\nsender chose 0\n");
    t_free(&r);
    t_run1(&r, "test_sel_full", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "1 1\nthen 2\n");
    int n = 0;
    for (int32_t c = t_find(&r, 0, "ValueCopy"); c >= 0; c = t_find(&r, c + 1, "ValueCopy"))
        n += strncmp(t_str(r.ev[c], "why"), "selectgo: recv:", 15) == 0;
    ck_assert_int_eq(n, 2); /* buf[recvx] to main, then the sender's value into the slot */
    t_free(&r);
}
END_TEST

/* [SECTION] poll order: decisions, the compiler's layout, fairness */

static void t_layout_main(void *argp) {
    (void)argp;
    gmp_chan c[4];
    int64_t v = 1;
    for (int i = 0; i < 4; i++) {
        c[i] = gmp_make_chan(sizeof(int64_t), 1);
        if (i != 1) gmp_send(c[i], &v); /* c[1] stays empty: ready for a send */
    }
    /* recv c0, send c1, recv c2, plus a nil case; all three non-nil cases ready. */
    int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(c[0], &v), GMP_SEND_CASE(c[1], &v), GMP_RECV_CASE(c[2], &v),
                       GMP_RECV_CASE(GMP_NIL_CHAN, &v));
    gmp_printf("%d\n", k);
}
GMP_SCENARIO(test_sel_layout, "three ready cases and a nil one: which is polled first", t_layout_main)

static uint32_t t_choose_first(void *ctx, const gmp_decision *d) {
    (void)ctx;
    (void)d;
    return 0;
}
static uint32_t t_choose_last(void *ctx, const gmp_decision *d) {
    (void)ctx;
    return d->n - 1;
}

/* test_sel_layout with every draw made by st. */
static void t_run_layout(t_run *r, int32_t go_minor, const gmp_strategy *st) {
    gmp_options opt;
    t_options(&opt, 1, go_minor, 1);
    opt.strategy = st;
    t_run_opt(r, "test_sel_layout", &opt, true);
}

/* The compiler (go1.16+) lays out [send c1, recv nil, recv c2, recv c0]: sends first,
 * receives from the end of the array. selectgo drops the nil case and inserts the
 * others at j = cheaprandn(norder+1): j = norder every time keeps the layout order
 * (c1, c2, c0); j = 0 every time puts each new one first (c0, c1, c2). */
START_TEST(test_select_compiler_layout) {
    static const gmp_strategy first = {.name = "first", .choose = t_choose_first};
    static const gmp_strategy last = {.name = "last", .choose = t_choose_last};
    t_run r;
    t_run_layout(&r, 22, &last);
    T_OUT(&r, "1\n"); /* layout order: send c1 first */
    /* pollorder in the caller's indices: 1, 2, 0 */
    int64_t ns[8];
    ck_assert_int_eq(t_select_decisions(&r, ns, 8), 2);
    ck_assert_int_eq(ns[0], 2);
    ck_assert_int_eq(ns[1], 3);
    int32_t e = t_find(&r, 0, "Select");
    const cJSON *po = cJSON_GetObjectItemCaseSensitive(r.ev[e], "pollorder");
    ck_assert_int_eq(cJSON_GetArraySize(po), 3);
    ck_assert_int_eq(cJSON_GetArrayItem(po, 0)->valueint, 1);
    ck_assert_int_eq(cJSON_GetArrayItem(po, 1)->valueint, 2);
    ck_assert_int_eq(cJSON_GetArrayItem(po, 2)->valueint, 0);
    t_free(&r);
    t_run_layout(&r, 22, &first);
    T_OUT(&r, "0\n"); /* pollorder c0, c1, c2 */
    t_free(&r);
    /* go1.15: source order with the nil case in the shuffle: 4 cases, 3 draws. */
    t_run_layout(&r, 15, &last);
    T_OUT(&r, "0\n");
    ck_assert_int_eq(t_select_decisions(&r, ns, 8), 3);
    ck_assert_int_eq(ns[2], 4);
    t_free(&r);
    t_run_layout(&r, 15, &first);
    T_OUT(&r, "0\n"); /* pollorder [3, 0, 1, 2]: the nil case is polled (and skipped) first */
    e = t_find(&r, 0, "Select");
    po = cJSON_GetObjectItemCaseSensitive(r.ev[e], "pollorder");
    ck_assert_int_eq(cJSON_GetArraySize(po), 4);
    ck_assert_int_eq(cJSON_GetArrayItem(po, 0)->valueint, 3);
    ck_assert_int_eq(cJSON_GetArrayItem(po, 1)->valueint, 0);
    t_free(&r);
}
END_TEST

typedef struct {
    int64_t rounds;
} t_fair_args;

static void t_fair_main(void *argp) {
    (void)argp;
    gmp_chan c[3];
    int64_t v = 0, counts[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        c[i] = gmp_make_chan(sizeof(int64_t), 1);
        gmp_send(c[i], &v);
    }
    for (int i = 0; i < 3000; i++) {
        int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(c[0], &v), GMP_RECV_CASE(c[1], &v), GMP_RECV_CASE(c[2], &v));
        counts[k]++;
        gmp_send(c[k], &v); /* refill: all three stay ready */
    }
    gmp_printf("%lld %lld %lld\n", (long long)counts[0], (long long)counts[1], (long long)counts[2]);
}
GMP_SCENARIO(test_sel_fair, "3000 selects over three always-ready channels", t_fair_main)

START_TEST(test_select_fairness) {
    for (uint64_t seed = 1; seed <= 3; seed++) {
        t_run r;
        t_run_seed(&r, "test_sel_fair", 1, 22, seed, false);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        long long n[3];
        ck_assert_int_eq(sscanf(r.out, "%lld %lld %lld", &n[0], &n[1], &n[2]), 3);
        for (int i = 0; i < 3; i++) /* 1000 expected; 6 sigma is about 155 */
            ck_assert_msg(n[i] > 850 && n[i] < 1150, "seed %llu: counts %s", (unsigned long long)seed, r.out);
        t_free(&r);
    }
    /* Over seeds: the first choice of a two-ready select. */
    int first[2] = {0, 0};
    for (uint64_t seed = 1; seed <= 400; seed++) {
        t_run r;
        t_run_seed(&r, "test_sel_two_ready", 1, 22, seed, false);
        first[r.out[0] - '0']++;
        t_free(&r);
    }
    ck_assert_msg(first[0] > 140 && first[1] > 140, "first choices %d %d", first[0], first[1]);
}
END_TEST

static void t_bad_send_main(void *argp) {
    (void)argp;
    gmp_chan a = gmp_make_chan(sizeof(int64_t), 1), b = gmp_make_chan(sizeof(int64_t), 1);
    GMP_SELECT(NULL, true, GMP_SEND_CASE(a, NULL), GMP_SEND_CASE(b, NULL));
}
GMP_SCENARIO(test_sel_bad_send, "a send case without a value", t_bad_send_main)

START_TEST(test_select_bad_input) {
    t_run r;
    t_run1(&r, "test_sel_bad_send", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_msg(strstr(r.res.message, "a send case needs a pointer") != NULL, "%s", r.res.message);
    t_free(&r);
}
END_TEST

/* [SECTION] suite */

Suite *select_suite(void) {
    Suite *s = suite_create("select");
    TCase *tc = tcase_create("select");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_select_ready_cases);
    tcase_add_test(tc, test_select_default);
    tcase_add_test(tc, test_select_closed);
    tcase_add_test(tc, test_select_blocks_then_woken);
    tcase_add_test(tc, test_select_send_to_parked_receiver);
    tcase_add_test(tc, test_select_closed_while_blocked);
    tcase_add_test(tc, test_select_blocking_forever);
    tcase_add_test(tc, test_select_one_case_is_plain_op);
    tcase_add_test(tc, test_select_done_skips_stale_sudog);
    tcase_add_test(tc, test_select_sudog_paths);
    tcase_add_test(tc, test_select_compiler_layout);
    tcase_add_test(tc, test_select_fairness);
    tcase_add_test(tc, test_select_bad_input);
    suite_add_tcase(s, tc);
    return s;
}
