/* tests/test_runq.c: the local and global run queues (sim/runq.c), driven directly.
 *
 * A port of the Go runtime's own run-queue tests (runtime/proc_test.go
 * TestSchedLocalQueue, TestSchedLocalQueueSteal, TestSchedLocalQueueEmpty, which
 * call export_test.go's RunSchedLocalQueueTest, RunSchedLocalQueueStealTest and
 * RunSchedLocalQueueEmptyTest), plus the rules those tests leave implicit:
 * runqputslow's overflow to the global queue, runnext displacement, stealing
 * runnext only on the last pass, and globrunqget's batch size.
 *
 * No gmp_run here: each test builds a minimal sim_sched by hand (zeroed, a trace
 * that counts events but writes none, two Ps, Gs that are all _Grunnable), so a
 * failure points at runq.c alone. Check runs every test in its own process.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "runq.h"
#include "sched.h"
#include "suites.h"

enum {
    T_G_COUNT = 2 * SIM_RUNQ_LEN + 16, /* enough Gs for a full queue, runnext and overflow */
    T_NPROCS = 2,
};

/* [SECTION] fixture: a scheduler with T_NPROCS Ps and T_G_COUNT runnable Gs */

static sim_sched t_s;

static void t_setup(void) {
    memset(&t_s, 0, sizeof t_s);
    sim_trace_init(&t_s.trace, NULL);
    t_s.nprocs = T_NPROCS;
    t_s.allp = calloc(T_NPROCS, sizeof *t_s.allp);
    ck_assert_ptr_nonnull(t_s.allp);
    for (int32_t i = 0; i < T_NPROCS; i++) {
        sim_p *pp = &t_s.allp[i];
        pp->id = i;
        pp->status = SIM_PRUNNING;
        pp->m = pp->link = pp->runnext = pp->gfree_head = -1;
    }
    t_s.allg = calloc(T_G_COUNT, sizeof *t_s.allg);
    ck_assert_ptr_nonnull(t_s.allg);
    for (int32_t i = 0; i < T_G_COUNT; i++) {
        sim_g *g = calloc(1, sizeof *g);
        ck_assert_ptr_nonnull(g);
        g->index = i;
        g->goid = i + 1;
        g->status = SIM_GRUNNABLE;
        g->schedlink = g->m = g->waiting = g->param = -1;
        t_s.allg[i] = g;
    }
    t_s.g_count = t_s.g_cap = T_G_COUNT;
    t_s.runq_head = t_s.runq_tail = -1;
    t_s.runqsize = 0;
    t_s.curm = t_s.curg = -1;
}

static void t_teardown(void) {
    for (int32_t i = 0; i < t_s.g_count; i++) free(t_s.allg[i]);
    free(t_s.allg);
    free(t_s.allp);
    memset(&t_s, 0, sizeof t_s);
}

static sim_p *t_p(int32_t i) {
    return &t_s.allp[i];
}
static sim_g *t_g(int32_t i) {
    return t_s.allg[i];
}

/* runqget that also returns inherit_time through a flag the caller may ignore. */
static int32_t t_get(sim_p *pp, bool *inherit) {
    bool dummy = false;
    return sim_runqget(&t_s, pp, inherit ? inherit : &dummy);
}

/* The global queue as an array of G indices, head first; returns its length. */
static int32_t t_global_list(int32_t *out, int32_t cap) {
    int32_t n = 0;
    for (int32_t gi = t_s.runq_head; gi >= 0 && n < cap; gi = t_g(gi)->schedlink) out[n++] = gi;
    return n;
}

/* [SECTION] RunSchedLocalQueueTest: FIFO */

/* Go's version puts the same G i times; distinct Gs also check the order. */
START_TEST(test_runq_fifo) {
    sim_p *pp = t_p(0);
    for (int32_t i = 0; i < SIM_RUNQ_LEN; i++) {
        ck_assert_msg(t_get(pp, NULL) == -1, "runq is not empty initially (iter %d)", i);
        ck_assert(sim_runqempty(pp));
        for (int32_t j = 0; j < i; j++) sim_runqput(&t_s, pp, t_g(j), false, "test");
        ck_assert_uint_eq(sim_runq_len(pp), (uint32_t)i);
        ck_assert(i == 0 || !sim_runqempty(pp));
        for (int32_t j = 0; j < i; j++) {
            bool inherit = true;
            int32_t got = t_get(pp, &inherit);
            ck_assert_msg(got == j, "bad element at iter %d/%d: got %d", i, j, got);
            ck_assert_msg(!inherit, "a G from the queue (not runnext) must not inherit the time slice");
        }
        ck_assert_msg(t_get(pp, NULL) == -1, "runq is not empty afterwards (iter %d)", i);
        ck_assert_int_eq(t_s.runqsize, 0);
    }
}
END_TEST

/* The same G put i times, exactly as the runtime's test does. */
START_TEST(test_runq_fifo_same_g) {
    sim_p *pp = t_p(0);
    for (int32_t i = 0; i < SIM_RUNQ_LEN; i++) {
        for (int32_t j = 0; j < i; j++) sim_runqput(&t_s, pp, t_g(i), false, "test");
        for (int32_t j = 0; j < i; j++) ck_assert_msg(t_get(pp, NULL) == i, "bad element at iter %d/%d", i, j);
        ck_assert_msg(t_get(pp, NULL) == -1, "runq is not empty afterwards (iter %d)", i);
    }
}
END_TEST

/* [SECTION] RunSchedLocalQueueStealTest: a steal takes n/2 or n/2+1, every G once */

START_TEST(test_runq_steal_half) {
    sim_p *p1 = t_p(0), *p2 = t_p(1);
    int32_t seen[SIM_RUNQ_LEN];
    for (int32_t i = 0; i < SIM_RUNQ_LEN; i++) {
        for (int32_t j = 0; j < i; j++) {
            seen[j] = 0;
            sim_runqput(&t_s, p1, t_g(j), false, "test");
        }
        int32_t gp = sim_runqsteal(&t_s, p2, p1, true);
        int32_t s = 0;
        if (gp >= 0) {
            ck_assert_msg(gp < i, "steal returned a G that was never queued: %d (iter %d)", gp, i);
            s++;
            seen[gp]++;
        }
        for (int32_t g; (g = t_get(p2, NULL)) >= 0;) {
            ck_assert_msg(g < i, "thief's queue holds a G never queued: %d (iter %d)", g, i);
            s++;
            seen[g]++;
        }
        for (int32_t g; (g = t_get(p1, NULL)) >= 0;) {
            ck_assert_msg(g < i, "victim's queue holds a G never queued: %d (iter %d)", g, i);
            seen[g]++;
        }
        for (int32_t j = 0; j < i; j++)
            ck_assert_msg(seen[j] == 1, "bad element %d (seen %d times) at iter %d", j, seen[j], i);
        ck_assert_msg(!(s != i / 2 && s != i / 2 + 1), "bad steal %d, want %d or %d, iter %d", s, i / 2,
                      i / 2 + 1, i);
        ck_assert(sim_runqempty(p1));
        ck_assert(sim_runqempty(p2));
    }
}
END_TEST

/* The thief gets the victim's head in order: the last one stolen is returned to run
 * and the others wait in the thief's queue in the victim's order. */
START_TEST(test_runq_steal_order) {
    sim_p *p1 = t_p(0), *p2 = t_p(1);
    for (int32_t j = 0; j < 10; j++) sim_runqput(&t_s, p1, t_g(j), false, "test");
    int32_t gp = sim_runqsteal(&t_s, p2, p1, false);
    ck_assert_int_eq(gp, 4); /* n - n/2 = 5 taken: 0..4, 4 runs */
    for (int32_t j = 0; j < 4; j++) ck_assert_int_eq(t_get(p2, NULL), j);
    ck_assert_int_eq(t_get(p2, NULL), -1);
    for (int32_t j = 5; j < 10; j++) ck_assert_int_eq(t_get(p1, NULL), j);
    ck_assert_int_eq(t_get(p1, NULL), -1);
}
END_TEST

/* [SECTION] RunSchedLocalQueueEmptyTest: runqempty is never spuriously true */

/* The runtime's version races a second goroutine against runqput/runqget; with one
 * host thread the interesting part is every combination of next0/next1. */
START_TEST(test_runq_empty) {
    sim_p *pp = t_p(0);
    for (int32_t i = 0; i < 1000; i++) {
        bool next0 = (i & 1) == 0, next1 = (i & 2) == 0;
        sim_runqput(&t_s, pp, t_g(0), next0, "test");
        ck_assert_msg(!sim_runqempty(pp), "queue is empty after one put (next: %d)", next0);
        sim_runqput(&t_s, pp, t_g(1), next1, "test");
        int32_t first = t_get(pp, NULL);
        ck_assert_msg(first == 0 || first == 1, "runqget returned %d", first);
        ck_assert_msg(!sim_runqempty(pp), "queue is empty (next: %d %d)", next0, next1);
        int32_t second = t_get(pp, NULL);
        ck_assert_msg(second == 1 - first, "second runqget returned %d after %d", second, first);
        ck_assert_msg(sim_runqempty(pp), "queue not empty after two gets (next: %d %d)", next0, next1);
    }
}
END_TEST

/* [SECTION] runqputslow: overflow to the global queue */

START_TEST(test_runq_overflow) {
    sim_p *pp = t_p(0);
    for (int32_t j = 0; j < SIM_RUNQ_LEN; j++) sim_runqput(&t_s, pp, t_g(j), false, "test");
    ck_assert_uint_eq(sim_runq_len(pp), SIM_RUNQ_LEN);
    ck_assert_int_eq(t_s.runqsize, 0);
    sim_runqput(&t_s, pp, t_g(SIM_RUNQ_LEN), false, "test"); /* the 257th */
    ck_assert_int_eq(t_s.runqsize, SIM_RUNQ_LEN / 2 + 1);
    ck_assert_uint_eq(sim_runq_len(pp), SIM_RUNQ_LEN / 2);
    int32_t glob[T_G_COUNT];
    int32_t n = t_global_list(glob, T_G_COUNT);
    ck_assert_int_eq(n, SIM_RUNQ_LEN / 2 + 1);
    for (int32_t j = 0; j < SIM_RUNQ_LEN / 2; j++)
        ck_assert_msg(glob[j] == j, "global[%d] = %d, want %d (the local head, in order)", j, glob[j], j);
    ck_assert_msg(glob[SIM_RUNQ_LEN / 2] == SIM_RUNQ_LEN, "the new G must be last on the global queue, got %d",
                  glob[SIM_RUNQ_LEN / 2]);
    ck_assert_int_eq(t_s.runq_tail, SIM_RUNQ_LEN);
    for (int32_t j = SIM_RUNQ_LEN / 2; j < SIM_RUNQ_LEN; j++) ck_assert_int_eq(t_get(pp, NULL), j);
    ck_assert_int_eq(t_get(pp, NULL), -1);
    /* globrunqget hands them back in the same order. */
    for (int32_t j = 0; j <= SIM_RUNQ_LEN / 2; j++) {
        int32_t want = j < SIM_RUNQ_LEN / 2 ? j : SIM_RUNQ_LEN;
        ck_assert_int_eq(sim_globrunqget(&t_s, pp, "test"), want);
    }
    ck_assert_int_eq(sim_globrunqget(&t_s, pp, "test"), -1);
    ck_assert_int_eq(t_s.runqsize, 0);
    ck_assert_int_eq(t_s.runq_head, -1);
    ck_assert_int_eq(t_s.runq_tail, -1);
}
END_TEST

/* A full local queue still accepts Gs after wrapping around its ring many times. */
START_TEST(test_runq_overflow_wrapped) {
    sim_p *pp = t_p(0);
    for (int32_t k = 0; k < 1000; k++) { /* move head and tail far from 0 */
        sim_runqput(&t_s, pp, t_g(k % 7), false, "test");
        ck_assert_int_eq(t_get(pp, NULL), k % 7);
    }
    for (int32_t j = 0; j < SIM_RUNQ_LEN + 1; j++) sim_runqput(&t_s, pp, t_g(j), false, "test");
    ck_assert_int_eq(t_s.runqsize, SIM_RUNQ_LEN / 2 + 1);
    int32_t glob[T_G_COUNT];
    ck_assert_int_eq(t_global_list(glob, T_G_COUNT), SIM_RUNQ_LEN / 2 + 1);
    for (int32_t j = 0; j < SIM_RUNQ_LEN / 2; j++) ck_assert_int_eq(glob[j], j);
    ck_assert_int_eq(glob[SIM_RUNQ_LEN / 2], SIM_RUNQ_LEN);
    for (int32_t j = SIM_RUNQ_LEN / 2; j < SIM_RUNQ_LEN; j++) ck_assert_int_eq(t_get(pp, NULL), j);
}
END_TEST

/* [SECTION] runnext */

START_TEST(test_runq_runnext_displaces) {
    sim_p *pp = t_p(0);
    sim_runqput(&t_s, pp, t_g(0), false, "test");
    sim_runqput(&t_s, pp, t_g(1), false, "test");
    sim_runqput(&t_s, pp, t_g(2), true, "test");
    ck_assert_int_eq(pp->runnext, 2);
    ck_assert_uint_eq(sim_runq_len(pp), 2);
    sim_runqput(&t_s, pp, t_g(3), true, "test"); /* 2 is kicked to the tail */
    ck_assert_int_eq(pp->runnext, 3);
    ck_assert_uint_eq(sim_runq_len(pp), 3);
    bool inherit = false;
    ck_assert_int_eq(t_get(pp, &inherit), 3);
    ck_assert_msg(inherit, "runnext must inherit the time slice");
    const int32_t want[] = {0, 1, 2};
    for (size_t k = 0; k < 3; k++) {
        inherit = true;
        ck_assert_int_eq(t_get(pp, &inherit), want[k]);
        ck_assert(!inherit);
    }
    ck_assert_int_eq(t_get(pp, NULL), -1);
}
END_TEST

/* runnext goes first even when the queue was filled before it. */
START_TEST(test_runq_runnext_first) {
    sim_p *pp = t_p(0);
    sim_runqput(&t_s, pp, t_g(5), true, "test");
    for (int32_t j = 0; j < 5; j++) sim_runqput(&t_s, pp, t_g(j), false, "test");
    bool inherit = false;
    ck_assert_int_eq(t_get(pp, &inherit), 5);
    ck_assert(inherit);
    ck_assert_int_eq(pp->runnext, -1);
    for (int32_t j = 0; j < 5; j++) ck_assert_int_eq(t_get(pp, &inherit), j);
}
END_TEST

/* The displaced runnext on a full queue goes through runqputslow. */
START_TEST(test_runq_runnext_displaced_overflow) {
    sim_p *pp = t_p(0);
    for (int32_t j = 0; j < SIM_RUNQ_LEN; j++) sim_runqput(&t_s, pp, t_g(j), false, "test");
    int32_t x = SIM_RUNQ_LEN, y = SIM_RUNQ_LEN + 1;
    sim_runqput(&t_s, pp, t_g(x), true, "test");
    ck_assert_int_eq(t_s.runqsize, 0);
    sim_runqput(&t_s, pp, t_g(y), true, "test");
    ck_assert_int_eq(pp->runnext, y);
    ck_assert_int_eq(t_s.runqsize, SIM_RUNQ_LEN / 2 + 1);
    ck_assert_int_eq(t_s.runq_tail, x);
    ck_assert_uint_eq(sim_runq_len(pp), SIM_RUNQ_LEN / 2);
}
END_TEST

/* [SECTION] stealing runnext */

START_TEST(test_runq_steal_runnext_only_last_pass) {
    sim_p *p1 = t_p(0), *p2 = t_p(1);
    sim_runqput(&t_s, p1, t_g(7), true, "test");
    ck_assert_int_eq(sim_runqsteal(&t_s, p2, p1, false), -1);
    ck_assert_int_eq(p1->runnext, 7);
    ck_assert(sim_runqempty(p2));
    ck_assert_int_eq(sim_runqsteal(&t_s, p2, p1, true), 7);
    ck_assert_int_eq(p1->runnext, -1);
    ck_assert(sim_runqempty(p1));
    ck_assert_uint_eq(sim_runq_len(p2), 0); /* the stolen G runs at once, it is not queued */
    ck_assert_int_eq(p2->runnext, -1);
}
END_TEST

/* With a non-empty queue, even the last pass leaves runnext alone. */
START_TEST(test_runq_steal_runnext_kept_when_queue_nonempty) {
    sim_p *p1 = t_p(0), *p2 = t_p(1);
    sim_runqput(&t_s, p1, t_g(9), true, "test");
    for (int32_t j = 0; j < 3; j++) sim_runqput(&t_s, p1, t_g(j), false, "test");
    int32_t gp = sim_runqsteal(&t_s, p2, p1, true);
    ck_assert_int_eq(gp, 1); /* 3 - 3/2 = 2 taken: 0 and 1, 1 runs */
    ck_assert_int_eq(p1->runnext, 9);
    ck_assert_int_eq(t_get(p2, NULL), 0);
    ck_assert_int_eq(t_get(p2, NULL), -1);
    bool inherit = false;
    ck_assert_int_eq(t_get(p1, &inherit), 9);
    ck_assert(inherit);
    ck_assert_int_eq(t_get(p1, NULL), 2);
}
END_TEST

START_TEST(test_runq_steal_empty) {
    sim_p *p1 = t_p(0), *p2 = t_p(1);
    ck_assert_int_eq(sim_runqsteal(&t_s, p2, p1, true), -1);
    ck_assert_int_eq(sim_runqsteal(&t_s, p2, p1, false), -1);
    ck_assert(sim_runqempty(p1));
    ck_assert(sim_runqempty(p2));
}
END_TEST

/* [SECTION] globrunqget: the batch size */

static int32_t t_min3(int32_t a, int32_t b, int32_t c) {
    int32_t m = a < b ? a : b;
    return m < c ? m : c;
}

static void t_check_batch(int32_t nprocs, int32_t n) {
    t_s.nprocs = nprocs;
    sim_p *pp = t_p(0);
    for (int32_t j = 0; j < n; j++) sim_globrunqput(&t_s, t_g(j), "test");
    ck_assert_int_eq(t_s.runqsize, n);
    int32_t want = t_min3(SIM_RUNQ_LEN / 2, n, n / nprocs + 1);
    int32_t first = sim_globrunqgetbatch(&t_s, pp);
    ck_assert_msg(first == 0, "nprocs %d, n %d: batch returned %d, want the global head 0", nprocs, n, first);
    ck_assert_msg((int32_t)sim_runq_len(pp) == want - 1, "nprocs %d, n %d: %u on the local queue, want %d",
                  nprocs, n, sim_runq_len(pp), want - 1);
    ck_assert_msg(t_s.runqsize == n - want, "nprocs %d, n %d: global left %d, want %d", nprocs, n, t_s.runqsize,
                  n - want);
    for (int32_t j = 1; j < want; j++) {
        bool inherit = true;
        int32_t got = t_get(pp, &inherit);
        ck_assert_msg(got == j, "nprocs %d, n %d: local[%d] = %d, want %d", nprocs, n, j - 1, got, j);
        ck_assert(!inherit);
    }
    ck_assert_int_eq(t_get(pp, NULL), -1);
    for (int32_t j = want; j < n; j++) ck_assert_int_eq(sim_globrunqget(&t_s, pp, "test"), j);
    ck_assert_int_eq(t_s.runqsize, 0);
    ck_assert_int_eq(t_s.runq_head, -1);
}

START_TEST(test_runq_globrunqgetbatch) {
    for (int32_t n = 1; n <= 300; n++) t_check_batch(T_NPROCS, n);
}
END_TEST

START_TEST(test_runq_globrunqgetbatch_nprocs) {
    const int32_t procs[] = {1, 3, 4, 7, 256};
    for (size_t k = 0; k < sizeof procs / sizeof procs[0]; k++)
        for (int32_t n = 1; n <= 300; n += 7) t_check_batch(procs[k], n);
}
END_TEST

START_TEST(test_runq_globrunqgetbatch_empty) {
    ck_assert_int_eq(sim_globrunqgetbatch(&t_s, t_p(0)), -1);
    ck_assert(sim_runqempty(t_p(0)));
    ck_assert_int_eq(sim_globrunqget(&t_s, t_p(0), "test"), -1);
}
END_TEST

/* Gosched's queue: globrunqput appends at the tail, globrunqget pops the head. */
START_TEST(test_runq_global_fifo) {
    for (int32_t j = 0; j < 50; j++) sim_globrunqput(&t_s, t_g(j), "test");
    for (int32_t j = 0; j < 50; j++) {
        ck_assert_int_eq(t_s.runqsize, 50 - j);
        ck_assert_int_eq(sim_globrunqget(&t_s, t_p(1), "test"), j);
        ck_assert_int_eq(t_g(j)->schedlink, -1);
    }
    ck_assert_int_eq(t_s.runqsize, 0);
}
END_TEST

/* [SECTION] events: every queue operation is counted in the trace */

START_TEST(test_runq_counts_events) {
    sim_p *pp = t_p(0);
    int64_t before = t_s.trace.count;
    sim_runqput(&t_s, pp, t_g(0), false, "test");
    ck_assert_int_eq(t_s.trace.count, before + 1);
    sim_runqput(&t_s, pp, t_g(1), true, "test");
    ck_assert_int_eq(t_s.trace.count, before + 2);
    (void)t_get(pp, NULL);
    ck_assert_int_eq(t_s.trace.count, before + 3);
    (void)t_get(pp, NULL);
    ck_assert_int_eq(t_s.trace.count, before + 4);
    (void)t_get(pp, NULL); /* empty: nothing happened, nothing recorded */
    ck_assert_int_eq(t_s.trace.count, before + 4);
}
END_TEST

Suite *runq_suite(void) {
    Suite *s = suite_create("runq");
    TCase *tc = tcase_create("local");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, test_runq_fifo);
    tcase_add_test(tc, test_runq_fifo_same_g);
    tcase_add_test(tc, test_runq_empty);
    tcase_add_test(tc, test_runq_overflow);
    tcase_add_test(tc, test_runq_overflow_wrapped);
    tcase_add_test(tc, test_runq_runnext_displaces);
    tcase_add_test(tc, test_runq_runnext_first);
    tcase_add_test(tc, test_runq_runnext_displaced_overflow);
    tcase_add_test(tc, test_runq_counts_events);
    suite_add_tcase(s, tc);
    tc = tcase_create("steal");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, test_runq_steal_half);
    tcase_add_test(tc, test_runq_steal_order);
    tcase_add_test(tc, test_runq_steal_runnext_only_last_pass);
    tcase_add_test(tc, test_runq_steal_runnext_kept_when_queue_nonempty);
    tcase_add_test(tc, test_runq_steal_empty);
    suite_add_tcase(s, tc);
    tc = tcase_create("global");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, test_runq_global_fifo);
    tcase_add_test(tc, test_runq_globrunqgetbatch);
    tcase_add_test(tc, test_runq_globrunqgetbatch_nprocs);
    tcase_add_test(tc, test_runq_globrunqgetbatch_empty);
    suite_add_tcase(s, tc);
    return s;
}
