/* tests/test_context.c: the context package (sim/context.c) through gmp_run.
 *
 * Small programs whose Go behaviour is known: Background never ends; WithCancel's Err
 * and Done before and after cancel; cancel reaches children and grandchildren (through
 * value contexts) but not parents or siblings; a child of a canceled parent is born
 * canceled; WithTimeout ends with DeadlineExceeded through a time.AfterFunc goroutine
 * named as Go names it, and a cancel first stops that timer; the earlier deadline
 * wins; Value finds the nearest key; the panics of nil parents, nil keys and nil
 * contexts; goroutines blocked on Done are woken by the cancel of an ancestor.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmpsim.h"
#include "suites.h"
#include "t_run.h"

Suite *context_suite(void);

/* ---- [SECTION] running ---------------------------------------------------------------- */

/* The shared runner (t_run.h) with the schedule, at most 1,000,000 events. */
static void c_run_scenario(t_run *r, const char *name, int32_t procs, uint64_t seed, int32_t go_minor) {
    gmp_options opt;
    t_options(&opt, procs, go_minor, seed);
    opt.max_events = 1000000;
    t_run_opt(r, name, &opt, true);
}

static const char *c_err(const char *e) {
    return e ? e : "nil";
}

/* ---- [SECTION] programs ------------------------------------------------------------------ */

/* Background: Done is nil, Err nil, no value, no deadline. */
static void c_background_main(void *argp) {
    (void)argp;
    gmp_context bg = gmp_context_background();
    GMP_ASSERT(gmp_context_background().addr == bg.addr, "Background is one value");
    GMP_ASSERT(gmp_context_done(bg).addr == 0, "Background's Done is nil");
    GMP_ASSERT(gmp_context_err(bg) == NULL, "Background's Err is nil");
    int64_t v = 5, d = 5;
    GMP_ASSERT(!gmp_context_value(bg, 1, &v) && v == 0, "no values");
    GMP_ASSERT(!gmp_context_deadline(bg, &d) && d == 0, "no deadline");
    gmp_context val = gmp_context_with_value(bg, 1, 2);
    GMP_ASSERT(gmp_context_done(val).addr == 0, "a value over Background is never canceled either");
    gmp_printf("ok\n");
}
GMP_SCENARIO(test_ctx_background, "Background", c_background_main)

/* WithCancel: Err nil and Done open until cancel; then "context canceled", Done closed;
 * cancel is idempotent; Done is made on the first call and is the same channel after. */
static void c_cancel_main(void *argp) {
    (void)argp;
    gmp_cancel_func cancel;
    gmp_context ctx = gmp_context_with_cancel(gmp_context_background(), &cancel);
    GMP_ASSERT(gmp_context_err(ctx) == NULL, "Err is nil before cancel");
    gmp_chan d = gmp_context_done(ctx);
    GMP_ASSERT(d.addr != 0 && gmp_context_done(ctx).addr == d.addr, "Done is made once");
    gmp_context_cancel(cancel);
    GMP_ASSERT(gmp_context_err(ctx) == gmp_context_canceled, "Err after cancel");
    GMP_ASSERT(!gmp_recv(d, NULL), "Done is closed");
    gmp_context_cancel(cancel); /* a second cancel does nothing (no close of a closed channel) */
    GMP_ASSERT(gmp_context_err(ctx) == gmp_context_canceled, "still canceled");
    gmp_printf("err=%s\n", gmp_context_err(ctx));
}
GMP_SCENARIO(test_ctx_cancel, "WithCancel", c_cancel_main)

/* A context canceled before anyone asked for Done gets the shared closed channel. */
static void c_closedchan_main(void *argp) {
    (void)argp;
    gmp_cancel_func c1, c2;
    gmp_context a = gmp_context_with_cancel(gmp_context_background(), &c1);
    gmp_context b = gmp_context_with_cancel(gmp_context_background(), &c2);
    gmp_context_cancel(c1);
    gmp_context_cancel(c2);
    gmp_chan da = gmp_context_done(a), db = gmp_context_done(b);
    GMP_ASSERT(da.addr != 0 && da.addr == db.addr, "both are closedchan");
    GMP_ASSERT(!gmp_recv(da, NULL), "closedchan is closed");
    gmp_printf("ok\n");
}
GMP_SCENARIO(test_ctx_closedchan, "closedchan", c_closedchan_main)

/* parent -> value -> child -> grandchild, and a sibling: cancel of child reaches the
 * grandchild, not the parent or the sibling; cancel of the parent reaches the rest. */
static void c_tree_main(void *argp) {
    (void)argp;
    gmp_cancel_func cp, cc, cg, cs;
    gmp_context parent = gmp_context_with_cancel(gmp_context_background(), &cp);
    gmp_context val = gmp_context_with_value(parent, 7, 70);
    gmp_context child = gmp_context_with_cancel(val, &cc);
    gmp_context grand = gmp_context_with_cancel(child, &cg);
    gmp_context sibling = gmp_context_with_cancel(parent, &cs);
    gmp_context_cancel(cc);
    gmp_printf("after child: parent=%s val=%s child=%s grand=%s sibling=%s\n", c_err(gmp_context_err(parent)),
               c_err(gmp_context_err(val)), c_err(gmp_context_err(child)), c_err(gmp_context_err(grand)),
               c_err(gmp_context_err(sibling)));
    gmp_context_cancel(cp);
    gmp_printf("after parent: parent=%s val=%s sibling=%s\n", c_err(gmp_context_err(parent)),
               c_err(gmp_context_err(val)), c_err(gmp_context_err(sibling)));
    gmp_context late = gmp_context_with_cancel(val, NULL); /* born canceled */
    gmp_printf("late=%s\n", c_err(gmp_context_err(late)));
    (void)cg;
    (void)cs;
}
GMP_SCENARIO(test_ctx_tree, "cancel propagation", c_tree_main)

/* Goroutines blocked on Done of descendants wake on the cancel of the root. */
typedef struct {
    gmp_context ctx;
    gmp_chan out;
} c_waiter_args;
static void c_waiter(void *argp) {
    c_waiter_args *a = argp;
    gmp_recv(gmp_context_done(a->ctx), NULL);
    int64_t code = gmp_context_err(a->ctx) == gmp_context_canceled;
    gmp_send(a->out, &code);
}
static void c_wake_main(void *argp) {
    (void)argp;
    gmp_cancel_func root_cancel;
    gmp_context root = gmp_context_with_cancel(gmp_context_background(), &root_cancel);
    c_waiter_args a = {.out = gmp_make_chan(sizeof(int64_t), 0)};
    for (int i = 0; i < 3; i++) {
        gmp_context c = gmp_context_with_value(root, 1 + i, i);
        a.ctx = gmp_context_with_cancel(c, NULL);
        GMP_GO(c_waiter, a);
    }
    gmp_sleep(100000);
    gmp_context_cancel(root_cancel);
    int64_t n = 0;
    for (int i = 0; i < 3; i++) {
        int64_t code = 0;
        gmp_recv(a.out, &code);
        n += code;
    }
    gmp_printf("woken=%lld\n", (long long)n);
}
GMP_SCENARIO(test_ctx_wake, "cancel wakes Done waiters", c_wake_main)

/* WithTimeout: DeadlineExceeded at the deadline, by a goroutine time.AfterFunc starts. */
static void c_timeout_main(void *argp) {
    (void)argp;
    gmp_cancel_func cancel;
    gmp_context ctx = gmp_context_with_timeout(gmp_context_background(), 2000000, &cancel);
    int64_t d = 0;
    GMP_ASSERT(gmp_context_deadline(ctx, &d) && d > gmp_now_ns(), "a deadline in the future");
    gmp_recv(gmp_context_done(ctx), NULL);
    gmp_printf("t=%lld err=%s\n", (long long)(gmp_now_ns() / 1000000), c_err(gmp_context_err(ctx)));
    gmp_context_cancel(cancel); /* defer cancel(): the error stays DeadlineExceeded */
    gmp_printf("after cancel err=%s\n", c_err(gmp_context_err(ctx)));
}
GMP_SCENARIO(test_ctx_timeout, "WithTimeout fires", c_timeout_main)

/* Canceled before the deadline: Canceled, and the timer is stopped (no goroutine). */
static void c_timeout_cancel_main(void *argp) {
    (void)argp;
    gmp_cancel_func cancel;
    gmp_context ctx = gmp_context_with_timeout(gmp_context_background(), 2000000, &cancel);
    gmp_sleep(500000);
    gmp_context_cancel(cancel);
    gmp_sleep(5000000);
    gmp_printf("err=%s\n", c_err(gmp_context_err(ctx)));
}
GMP_SCENARIO(test_ctx_timeout_cancel, "WithTimeout canceled first", c_timeout_cancel_main)

/* Deadlines: a later deadline under an earlier one is a plain cancelCtx with the
 * parent's deadline; a deadline already passed is canceled at once; a parent's timeout
 * cancels the child. */
static void c_deadline_main(void *argp) {
    (void)argp;
    gmp_context outer = gmp_context_with_timeout(gmp_context_background(), 1000000, NULL);
    gmp_context inner = gmp_context_with_timeout(outer, 5000000, NULL);
    int64_t d_outer = 0, d_inner = 0;
    gmp_context_deadline(outer, &d_outer);
    gmp_context_deadline(inner, &d_inner);
    gmp_printf("same deadline: %d\n", d_outer == d_inner);
    gmp_context past = gmp_context_with_deadline(gmp_context_background(), gmp_now_ns() - 1, NULL);
    gmp_printf("past=%s\n", c_err(gmp_context_err(past)));
    gmp_recv(gmp_context_done(inner), NULL);
    gmp_printf("inner at %lld ms: %s\n", (long long)(gmp_now_ns() / 1000000), c_err(gmp_context_err(inner)));
}
GMP_SCENARIO(test_ctx_deadline, "deadlines", c_deadline_main)

/* Values: the nearest key wins, a missing key is not found, cancel contexts pass through. */
static void c_values_main(void *argp) {
    (void)argp;
    gmp_context c = gmp_context_with_value(gmp_context_background(), 1, 10);
    c = gmp_context_with_value(c, 2, 20);
    c = gmp_context_with_cancel(c, NULL);
    c = gmp_context_with_value(c, 1, 11); /* shadows key 1 */
    int64_t v1 = 0, v2 = 0, v3 = -1;
    bool ok1 = gmp_context_value(c, 1, &v1), ok2 = gmp_context_value(c, 2, &v2), ok3 = gmp_context_value(c, 3, &v3);
    gmp_printf("1:%d/%lld 2:%d/%lld 3:%d/%lld\n", ok1, (long long)v1, ok2, (long long)v2, ok3, (long long)v3);
}
GMP_SCENARIO(test_ctx_values, "values", c_values_main)

static void c_nil_key_main(void *argp) {
    (void)argp;
    gmp_context_with_value(gmp_context_background(), 0, 1);
}
GMP_SCENARIO(test_ctx_nil_key, "nil key", c_nil_key_main)

static void c_nil_parent_main(void *argp) {
    (void)argp;
    gmp_context_with_cancel(GMP_NIL_CONTEXT, NULL);
}
GMP_SCENARIO(test_ctx_nil_parent, "nil parent", c_nil_parent_main)

static void c_nil_ctx_main(void *argp) {
    (void)argp;
    gmp_context_err(GMP_NIL_CONTEXT);
}
GMP_SCENARIO(test_ctx_nil_ctx, "nil context", c_nil_ctx_main)

/* Waiting on a context nobody cancels: all goroutines asleep. */
static void c_forever_main(void *argp) {
    (void)argp;
    gmp_context ctx = gmp_context_with_cancel(gmp_context_background(), NULL);
    gmp_recv(gmp_context_done(ctx), NULL);
}
GMP_SCENARIO(test_ctx_forever, "Done never closed", c_forever_main)

/* ---- [SECTION] tests -------------------------------------------------------------------- */

START_TEST(test_context_background) {
    t_run r;
    c_run_scenario(&r, "test_ctx_background", 1, 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    ck_assert_msg(strstr(r.sched, "\"kind\":\"background\"") != NULL, "a ContextNew event");
    ck_assert_int_eq(strstr(r.sched, "ChanMake") == NULL, 1); /* no Done channel was made */
    t_free(&r);
}
END_TEST

START_TEST(test_context_cancel) {
    t_run r;
    c_run_scenario(&r, "test_ctx_cancel", 2, 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "err=context canceled\n");
    ck_assert_msg(strstr(r.sched, "\"ev\":\"ContextCancel\"") != NULL, "a ContextCancel event");
    t_free(&r);
}
END_TEST

START_TEST(test_context_closedchan) {
    t_run r;
    c_run_scenario(&r, "test_ctx_closedchan", 1, 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    t_free(&r);
}
END_TEST

START_TEST(test_context_tree) {
    t_run r;
    c_run_scenario(&r, "test_ctx_tree", 1, 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "after child: parent=nil val=nil child=context canceled grand=context canceled "
              "sibling=nil\n"
              "after parent: parent=context canceled val=context canceled sibling=context canceled\n"
              "late=context canceled\n");
    t_free(&r);
}
END_TEST

START_TEST(test_context_wake) {
    for (int32_t procs = 1; procs <= 4; procs++) {
        for (uint64_t seed = 1; seed <= 4; seed++) {
            t_run r;
            c_run_scenario(&r, "test_ctx_wake", procs, seed, 22);
            T_OUTCOME(&r, GMP_OUTCOME_OK);
            T_OUT(&r, "woken=3\n");
            t_free(&r);
        }
    }
}
END_TEST

START_TEST(test_context_timeout) {
    for (int32_t procs = 1; procs <= 4; procs += 3) {
        t_run r;
        c_run_scenario(&r, "test_ctx_timeout", procs, 1, 22);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        T_OUT(&r, "t=2 err=context deadline exceeded\nafter cancel err=context deadline exceeded\n");
        ck_assert_msg(strstr(r.sched, "\"fn\":\"context.WithDeadlineCause.func2\"") != NULL,
                      "the AfterFunc goroutine is context.WithDeadlineCause.func2 (Go 1.21+)");
        t_free(&r);
    }
    t_run r;
    c_run_scenario(&r, "test_ctx_timeout", 1, 1, 20);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    ck_assert_msg(strstr(r.sched, "\"fn\":\"context.WithDeadline.func2\"") != NULL, "Go 1.20's name");
    t_free(&r);
}
END_TEST

START_TEST(test_context_timeout_canceled_first) {
    t_run r;
    c_run_scenario(&r, "test_ctx_timeout_cancel", 2, 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "err=context canceled\n");
    ck_assert_msg(strstr(r.sched, "WithDeadlineCause.func2") == NULL, "the stopped timer starts no goroutine");
    t_free(&r);
}
END_TEST

START_TEST(test_context_deadline) {
    t_run r;
    c_run_scenario(&r, "test_ctx_deadline", 1, 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "same deadline: 1\npast=context deadline exceeded\n"
              "inner at 1 ms: context deadline exceeded\n");
    t_free(&r);
}
END_TEST

START_TEST(test_context_values) {
    t_run r;
    c_run_scenario(&r, "test_ctx_values", 1, 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "1:1/11 2:1/20 3:0/0\n");
    t_free(&r);
}
END_TEST

/* The package's panics, as Go prints them. */
START_TEST(test_context_panics) {
    static const struct {
        const char *scenario, *message;
    } cases[] = {
        {"test_ctx_nil_key", "panic: nil key"},
        {"test_ctx_nil_parent", "panic: cannot create context from nil parent"},
        {"test_ctx_nil_ctx", "panic: runtime error: invalid memory address or nil pointer dereference"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t_run r;
        c_run_scenario(&r, cases[i].scenario, 1, 1, 22);
        T_OUTCOME(&r, GMP_OUTCOME_PANIC);
        ck_assert_str_eq(r.res.message, cases[i].message);
        T_REPORT_HAS(&r, "goroutine 1 [running]:\nmain.main()");
        t_free(&r);
    }
}
END_TEST

START_TEST(test_context_forever_deadlock) {
    t_run r;
    c_run_scenario(&r, "test_ctx_forever", 2, 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    T_REPORT_HAS(&r, "goroutine 1 [chan receive]:\nmain.main()");
    t_free(&r);
}
END_TEST

/* The classroom scenario: one handler finishes, two are stopped by the deadline, at
 * every GOMAXPROCS. */
START_TEST(test_context_values_scenario) {
    for (int32_t procs = 1; procs <= 8; procs *= 2) {
        t_run r;
        c_run_scenario(&r, "context_values", procs, 3, 22);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        ck_assert_msg(strstr(r.out, "main: 2 of 3 handlers stopped by the deadline\n") != NULL ||
                          strstr(r.out, "main: 1 of 3 handlers stopped by the deadline\n") != NULL,
                      "%s", r.out);
        T_OUT_HAS(&r, "handler 0 (request 4217, user 7, span 100): 1 of 1 steps, finished\n");
        T_OUT_HAS(&r, "handler 2 (request 4217, user 7, span 102): 3 of 5 steps, context deadline exceeded\n");
        t_free(&r);
    }
}
END_TEST

Suite *context_suite(void) {
    Suite *s = suite_create("context");
    TCase *tc = tcase_create("context");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_context_background);
    tcase_add_test(tc, test_context_cancel);
    tcase_add_test(tc, test_context_closedchan);
    tcase_add_test(tc, test_context_tree);
    tcase_add_test(tc, test_context_wake);
    tcase_add_test(tc, test_context_timeout);
    tcase_add_test(tc, test_context_timeout_canceled_first);
    tcase_add_test(tc, test_context_deadline);
    tcase_add_test(tc, test_context_values);
    tcase_add_test(tc, test_context_panics);
    tcase_add_test(tc, test_context_forever_deadlock);
    tcase_add_test(tc, test_context_values_scenario);
    suite_add_tcase(s, tc);
    return s;
}
