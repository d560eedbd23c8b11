/* tests/test_sched.c: the scheduler seen through gmp_run, on small scenarios defined
 * here (registered as test_*; the determinism suite skips them).
 *
 * Each test runs one scenario with a schedule file and the gmp_printf output both
 * captured in memory, then checks the runtime's rules against what was printed and
 * against the events of the schedule file (parsed with cJSON): goids in per-P
 * batches of 16, newproc into runnext, Gosched to the global queue and the
 * schedtick%61 check, G reuse, argument copies per Go version, and the outcomes
 * (deadlock, assert, fault, panic, limit). The last tests are about scale: 100,000
 * goroutines alive at once, and a million spawned over one run with G reuse.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gmpsim.h"
#include "sched.h"
#include "suites.h"
#include "t_run.h"

/* [SECTION] reading events */

/* The GoCreate event that created goroutine goid. */
static const cJSON *t_gocreate(const t_run *r, int64_t goid) {
    for (int32_t i = 0; i < r->ev_count; i++)
        if (t_is(r->ev[i], "GoCreate") && t_int(r->ev[i], "new_g") == goid) return r->ev[i];
    ck_abort_msg("no GoCreate for goroutine %lld", (long long)goid);
    return NULL;
}

static const cJSON *t_footer(const t_run *r) {
    ck_assert_int_gt(r->ev_count, 1);
    const cJSON *f = r->ev[r->ev_count - 1];
    ck_assert_msg(t_is(f, "Footer"), "the last line of the schedule file is not a Footer");
    return f;
}

/* [SECTION] scenarios */

typedef struct {
    int64_t id;
    gmp_chan done;
} t_id_args;

static void t_printer(void *argp) {
    t_id_args *a = argp;
    gmp_printf("w%lld g%lld\n", (long long)a->id, (long long)gmp_goid());
    gmp_send(a->done, &a->id);
}

/* main prints its goid, starts five printers, then waits for each. */
static void t_spawn5_main(void *argp) {
    (void)argp;
    gmp_printf("main g%lld\n", (long long)gmp_goid());
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 5);
    for (int64_t i = 1; i <= 5; i++) {
        t_id_args a = {.id = i, .done = done};
        GMP_GO(t_printer, a);
    }
    for (int i = 0; i < 5; i++) gmp_recv(done, NULL);
}
GMP_SCENARIO(test_spawn5, "main starts five printers and waits for them", t_spawn5_main)

typedef struct {
    gmp_chan done;
    int64_t children;
} t_spawner_args;

static void t_quiet(void *argp) {
    t_id_args *a = argp;
    gmp_work(1000);
    gmp_send(a->done, &a->id);
}

static void t_spawner(void *argp) {
    t_spawner_args *a = argp;
    for (int64_t i = 0; i < a->children; i++) {
        t_id_args c = {.id = 100 + i, .done = a->done};
        GMP_GO(t_quiet, c);
    }
    int64_t me = 0;
    gmp_send(a->done, &me);
}

/* main starts a spawner, then stays busy on its P long enough for a spinning M to
 * steal the spawner (runnext, last pass), which spawns from another P. Then main
 * starts two more goroutines itself. */
static void t_goid_batches_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 64);
    t_spawner_args s = {.done = done, .children = 3};
    GMP_GO(t_spawner, s);
    gmp_work(200000);
    for (int64_t i = 1; i <= 2; i++) {
        t_id_args a = {.id = i, .done = done};
        GMP_GO(t_quiet, a);
    }
    for (int i = 0; i < 1 + 3 + 2; i++) gmp_recv(done, NULL);
}
GMP_SCENARIO(test_goid_batches, "a spawner stolen by another P spawns from that P's goid batch",
             t_goid_batches_main)

/* Many spawners on several Ps, each starting 40 goroutines: several batches per P. */
static void t_goid_many_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 512);
    for (int64_t i = 0; i < 6; i++) {
        t_spawner_args s = {.done = done, .children = 40};
        GMP_GO(t_spawner, s);
        gmp_work(30000);
    }
    for (int i = 0; i < 6 * 41; i++) gmp_recv(done, NULL);
}
GMP_SCENARIO(test_goid_many, "six spawners of 40 goroutines each", t_goid_many_main)

enum { T_BUSY = 150, T_YIELDS = 20 };

static void t_yielder(void *argp) {
    t_id_args *a = argp;
    for (int i = 0; i < T_YIELDS; i++) gmp_gosched();
    gmp_send(a->done, &a->id);
}

/* A yielder spins on Gosched while 150 busy goroutines keep the local queue full. */
static void t_gosched_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), T_BUSY + 1);
    t_id_args y = {.id = 0, .done = done};
    GMP_GO(t_yielder, y);
    for (int64_t i = 1; i <= T_BUSY; i++) {
        t_id_args b = {.id = i, .done = done};
        GMP_GO(t_quiet, b);
    }
    for (int i = 0; i < T_BUSY + 1; i++) gmp_recv(done, NULL);
}
GMP_SCENARIO(test_gosched, "a Gosched loop against a busy local queue", t_gosched_main)

/* One goroutine finishes, then another is started: it must reuse the dead G. */
static void t_reuse_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 1);
    t_id_args a = {.id = 1, .done = done};
    GMP_GO(t_quiet, a);
    gmp_recv(done, NULL);
    gmp_work(10000); /* the first goroutine has exited by now */
    a.id = 2;
    GMP_GO(t_quiet, a);
    gmp_recv(done, NULL);
}
GMP_SCENARIO(test_reuse, "a goroutine started after another died reuses its G", t_reuse_main)

typedef struct {
    int64_t v;
    int64_t w;
    gmp_chan done;
} t_copy_args;

static void t_copy_child(void *argp) {
    t_copy_args *a = argp;
    gmp_work(5000); /* main has changed its own a.v by now */
    gmp_printf("child v=%lld w=%lld\n", (long long)a->v, (long long)a->w);
    gmp_send(a->done, &a->v);
}

/* go child(a) with a.v = 42, then the parent sets a.v = -1. */
static void t_argcopy_main(void *argp) {
    (void)argp;
    t_copy_args a = {.v = 42, .w = 0x1122334455667788, .done = gmp_make_chan(sizeof(int64_t), 0)};
    gmp_local(a);
    GMP_GO(t_copy_child, a);
    a.v = -1;
    gmp_printf("parent v=%lld\n", (long long)a.v);
    gmp_recv(a.done, NULL);
}
GMP_SCENARIO(test_argcopy, "a child's argument copy is isolated from the parent's variable", t_argcopy_main)

/* Three go statements with arguments. */
static void t_argcopy3_main(void *argp) {
    (void)argp;
    t_copy_args a = {.done = gmp_make_chan(sizeof(int64_t), 3)};
    gmp_local(a);
    for (int64_t i = 1; i <= 3; i++) {
        a.v = i;
        GMP_GO(t_copy_child, a);
    }
    for (int i = 0; i < 3; i++) gmp_recv(a.done, NULL);
}
GMP_SCENARIO(test_argcopy3, "three go statements with arguments", t_argcopy3_main)

static void t_deadlock_main(void *argp) {
    (void)argp;
    gmp_chan c = gmp_make_chan(sizeof(int64_t), 0);
    int64_t v;
    gmp_recv(c, &v);
}
GMP_SCENARIO(test_deadlock, "main receives on a channel nobody sends to", t_deadlock_main)

static void t_assert_main(void *argp) {
    (void)argp;
    int64_t two = 2;
    gmp_work(100);
    GMP_ASSERT(two + two == 5, "arithmetic");
}
GMP_SCENARIO(test_assert, "a failing GMP_ASSERT", t_assert_main)

/* 1 KiB frames: every page of the stack is written on the way down, so the guard
 * page is hit rather than jumped over. */
static int64_t t_deep(int64_t n) {
    volatile char buf[1024];
    buf[0] = (char)n;
    buf[sizeof buf - 1] = (char)(n >> 8);
    if (n == 0) return buf[0];
    return t_deep(n - 1) + buf[sizeof buf - 1] + buf[0];
}

static void t_overflow_child(void *argp) {
    t_id_args *a = argp;
    gmp_work(100);
    int64_t v = t_deep(1 << 20); /* 1 GiB of frames: far beyond any goroutine stack */
    gmp_send(a->done, &v);
}

static void t_overflow_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 1);
    t_id_args a = {.id = 1, .done = done};
    GMP_GO(t_overflow_child, a);
    gmp_recv(done, NULL);
}
GMP_SCENARIO(test_overflow, "a goroutine overflows its stack", t_overflow_main)

/* The same on a stack past the guard budget (coro.h: stacks beyond guard_count_max
 * have no guard page, only a canary at lo): main parks enough goroutines to use up
 * the guarded stacks, then a child fills a local array that ends 1 KiB past the end
 * of its stack (in the spacer page, so no neighbour is touched) and returns; its
 * next switch finds the canary smashed. That too must end the run with outcome
 * fault, naming the child. */
static int64_t t_unguarded_goid;

/* A local array too big for what is left of the stack, filled: it covers the
 * canary at lo and n - (frame - lo) bytes below it. */
__attribute__((noinline)) static int64_t t_big_local(size_t n) {
    char big[n];
    volatile char *p = big; /* every byte is written: no store may be elided */
    for (size_t i = 0; i < n; i++) p[i] = 0x55;
    return p[0] + p[n - 1];
}

typedef struct {
    gmp_chan gate;
    gmp_chan done;
} t_gate_args;

static void t_parked(void *argp) {
    t_gate_args *a = argp;
    bool ok = gmp_recv(a->gate, NULL);
    GMP_ASSERT(!ok, "the gate is only ever closed");
    gmp_send(a->done, NULL);
}

static void t_unguarded_child(void *argp) {
    t_gate_args *a = argp;
    sim_g *g = sim__S->allg[sim__S->curg];
    t_unguarded_goid = g->goid;
    GMP_ASSERT(!g->stack.guarded, "the child's stack has no guard page");
    size_t n = (size_t)((uintptr_t)__builtin_frame_address(0) - (uintptr_t)g->stack.lo) + 1024;
    int64_t v = t_big_local(n);
    gmp_gosched(); /* the switch away checks the canary */
    GMP_ASSERT(v == 2 * 0x55, "the array was filled");
    gmp_send(a->done, NULL);
}

static void t_unguarded_main(void *argp) {
    (void)argp;
    sim_stack_pool_stats st;
    sim_stack_pool_stats_get(sim__S->stacks, &st);
    GMP_ASSERT(st.guard_count_max <= 200000, "the guard budget is too large to use up in a test");
    t_gate_args a = {.gate = gmp_make_chan(0, 0), .done = gmp_make_chan(0, st.guard_count_max + 17)};
    for (uint32_t i = 0; i < st.guard_count_max + 16; i++) GMP_GO(t_parked, a);
    GMP_GO(t_unguarded_child, a);
    gmp_recv(a.done, NULL);
    gmp_close(a.gate);
}
GMP_SCENARIO(test_overflow_unguarded, "a goroutine overflows a stack that has no guard page", t_unguarded_main)

static void t_send_closed_main(void *argp) {
    (void)argp;
    gmp_chan c = gmp_make_chan(sizeof(int64_t), 1);
    gmp_close(c);
    int64_t v = 7;
    gmp_send(c, &v);
}
GMP_SCENARIO(test_send_closed, "send on a closed channel", t_send_closed_main)

static void t_forever_main(void *argp) {
    (void)argp;
    for (;;) gmp_gosched();
}
GMP_SCENARIO(test_forever, "main calls Gosched forever", t_forever_main)

static void t_work_forever_main(void *argp) {
    (void)argp;
    for (;;) gmp_work(1000);
}
GMP_SCENARIO(test_work_forever, "main works forever, recording no events", t_work_forever_main)

/* 100,000 goroutines parked at once on one channel, released by close. */
enum { T_ALIVE = 100000 };

static int32_t t_alive_g_count;
static int64_t t_alive_waiting;

static void t_alive_main(void *argp) {
    (void)argp;
    t_gate_args a = {.gate = gmp_make_chan(0, 0), .done = gmp_make_chan(0, T_ALIVE)};
    for (int64_t i = 0; i < T_ALIVE; i++) GMP_GO(t_parked, a);
    gmp_work(100000000); /* 100 ms: every goroutine starts and parks */
    /* The simulator's own view, read from inside the run: all parked at once. */
    t_alive_g_count = sim__S->g_count;
    int64_t waiting = 0;
    for (int32_t i = 0; i < sim__S->g_count; i++) waiting += sim__S->allg[i]->status == SIM_GWAITING;
    t_alive_waiting = waiting;
    gmp_close(a.gate);
    for (int64_t i = 0; i < T_ALIVE; i++) gmp_recv(a.done, NULL);
}
GMP_SCENARIO(test_alive_100k, "100,000 goroutines parked at once, released by close", t_alive_main)

/* 1,000,000 goroutines over one run, 1,000 at a time. */
enum { T_WAVES = 1000, T_WAVE = 1000 };

static int32_t t_million_g_count_max;
static int32_t t_million_stack_count;

static void t_wave_worker(void *argp) {
    t_gate_args *a = argp;
    gmp_send(a->done, NULL);
}

static void t_million_main(void *argp) {
    (void)argp;
    t_gate_args a = {.done = gmp_make_chan(0, T_WAVE)};
    t_million_g_count_max = 0;
    for (int wave = 0; wave < T_WAVES; wave++) {
        for (int i = 0; i < T_WAVE; i++) GMP_GO(t_wave_worker, a);
        for (int i = 0; i < T_WAVE; i++) gmp_recv(a.done, NULL);
        if (sim__S->g_count > t_million_g_count_max) t_million_g_count_max = sim__S->g_count;
    }
    t_million_stack_count = sim__S->stack_count;
}
GMP_SCENARIO(test_million, "1,000,000 goroutines spawned in waves of 1,000", t_million_main)

/* [SECTION] goids */

START_TEST(test_sched_main_is_goid_1) {
    t_run r;
    t_run1(&r, "test_spawn5", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    int32_t i = t_find(&r, 0, "GoCreate");
    ck_assert_int_ge(i, 0);
    ck_assert_int_eq(t_int(r.ev[i], "new_g"), 1);
    ck_assert_str_eq(t_str(r.ev[i], "fn"), "main.main");
    ck_assert_msg(strstr(r.out, "main g1\n") == r.out, "main must print goid 1 first, output:\n%s", r.out);
    t_free(&r);
}
END_TEST

/* procs 1: the goroutines get 2, 3, 4, ... in the order of their go statements. */
START_TEST(test_sched_goids_sequential) {
    t_run r;
    t_run1(&r, "test_spawn5", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    ck_assert_int_eq(r.res.goroutines, 6);
    int64_t want = 1;
    for (int32_t i = 0; (i = t_find(&r, i, "GoCreate")) >= 0; i++) {
        ck_assert_int_eq(t_int(r.ev[i], "new_g"), want);
        want++;
    }
    ck_assert_int_eq(want, 7);
    for (int64_t id = 1; id <= 5; id++) {
        char line[32];
        snprintf(line, sizeof line, "w%lld g%lld\n", (long long)id, (long long)id + 1);
        T_OUT_HAS(&r, line);
    }
    t_free(&r);
}
END_TEST

/* Models newproc1's goid cache: a P takes _GoidCacheBatch (16) goids at a time from
 * sched.goidgen and hands them out in order; a P with goids left never takes a new
 * batch, and batches are handed out in increasing order. Checks every GoCreate. */
static void t_check_goid_batches(const t_run *r) {
    int64_t next[SIM_PROCS_MAX]; /* each P's next goid; 0: no batch yet */
    memset(next, 0, sizeof next);
    int64_t goidgen = 0;
    for (int32_t i = 0; (i = t_find(r, i, "GoCreate")) >= 0; i++) {
        int64_t p = t_int(r->ev[i], "p"), goid = t_int(r->ev[i], "new_g");
        ck_assert_int_ge(p, 0);
        ck_assert_int_lt(p, SIM_PROCS_MAX);
        int64_t want;
        if (next[p] != 0 && (next[p] - 1) % SIM_GOID_CACHE_BATCH != 0) {
            want = next[p]; /* the P's cache is not exhausted */
        } else {
            want = goidgen + 1; /* a fresh batch */
            goidgen += SIM_GOID_CACHE_BATCH;
        }
        ck_assert_msg(goid == want, "event %d: P%lld created goroutine %lld, want %lld (batches of %d per P)",
                      (int)t_int(r->ev[i], "i"), (long long)p, (long long)goid, (long long)want,
                      SIM_GOID_CACHE_BATCH);
        next[p] = goid + 1;
    }
}

START_TEST(test_sched_goid_batch_per_p) {
    t_run r;
    t_run1(&r, "test_goid_batches", 2, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    t_check_goid_batches(&r);
    /* The spawner (goid 2) was stolen by P1, so its children use P1's first batch. */
    int32_t kids = 0;
    for (int32_t i = 0; (i = t_find(&r, i, "GoCreate")) >= 0; i++) {
        if (t_int(r.ev[i], "g") != 2) continue;
        ck_assert_int_eq(t_int(r.ev[i], "p"), 1);
        ck_assert_int_eq(t_int(r.ev[i], "new_g"), 17 + kids);
        kids++;
    }
    ck_assert_int_eq(kids, 3);
    /* main's later goroutines continue P0's batch. */
    ck_assert_int_eq(t_int(t_gocreate(&r, 3), "p"), 0);
    ck_assert_int_eq(t_int(t_gocreate(&r, 3), "g"), 1);
    ck_assert_int_eq(t_int(t_gocreate(&r, 4), "p"), 0);
    t_free(&r);
}
END_TEST

START_TEST(test_sched_goid_batches_swarm) {
    const int32_t procs[] = {2, 3, 4};
    for (size_t k = 0; k < sizeof procs / sizeof procs[0]; k++) {
        for (uint64_t seed = 1; seed <= 8; seed++) {
            t_run r;
            t_run_seed(&r, "test_goid_many", procs[k], 22, seed, true);
            T_OUTCOME(&r, GMP_OUTCOME_OK);
            ck_assert_int_eq(r.res.goroutines, 1 + 6 * 41);
            t_check_goid_batches(&r);
            t_free(&r);
        }
    }
}
END_TEST

/* [SECTION] newproc and runnext */

/* procs 1: the last goroutine started takes runnext and runs first when main blocks;
 * the others were kicked to the local tail in order. */
START_TEST(test_sched_newproc_runnext_order) {
    t_run r;
    t_run1(&r, "test_spawn5", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "main g1\nw5 g6\nw1 g2\nw2 g3\nw3 g4\nw4 g5\n");
    /* The schedule says the same: g6 started from runnext, inheriting the slice. */
    int32_t i = 0;
    int64_t order[6];
    int32_t n = 0;
    while ((i = t_find(&r, i, "GoStart")) >= 0 && n < 6) {
        int64_t g = t_int(r.ev[i], "g");
        if (g != 1) {
            if (n == 0) ck_assert_msg(t_bool(r.ev[i], "inherit_time"), "g%lld came from runnext",
                                      (long long)g);
            order[n++] = g;
        }
        i++;
    }
    ck_assert_int_eq(n, 5);
    const int64_t want[] = {6, 2, 3, 4, 5};
    for (int32_t k = 0; k < 5; k++) ck_assert_int_eq(order[k], want[k]);
    t_free(&r);
}
END_TEST

/* Each go statement records RunqPut into runnext, and the kicked G goes to the local tail. */
START_TEST(test_sched_newproc_runqput_events) {
    t_run r;
    t_run1(&r, "test_spawn5", 1, 22);
    int32_t runnext = 0, local = 0;
    for (int32_t i = 0; (i = t_find(&r, i, "GoCreate")) >= 0; i++) {
        int64_t g = t_int(r.ev[i], "new_g");
        int32_t j = t_find(&r, i + 1, "RunqPut");
        ck_assert_int_ge(j, 0);
        ck_assert_int_eq(t_int(r.ev[j], "g"), g);
        ck_assert_str_eq(t_str(r.ev[j], "queue"), "runnext");
        runnext++;
        if (g >= 3) { /* the previous one was kicked to the local tail */
            ck_assert_msg(t_is(r.ev[j + 1], "RunqPut"), "kick of g%lld not recorded", (long long)g - 1);
            ck_assert_int_eq(t_int(r.ev[j + 1], "g"), g - 1);
            ck_assert_str_eq(t_str(r.ev[j + 1], "queue"), "local");
            local++;
        }
    }
    ck_assert_int_eq(runnext, 6);
    ck_assert_int_eq(local, 4);
    t_free(&r);
}
END_TEST

/* [SECTION] Gosched and schedtick%61 */

START_TEST(test_sched_gosched_global_and_fairness) {
    t_run r;
    t_run1(&r, "test_gosched", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    int64_t yielder = 2;
    /* Every Gosched puts the yielder on the global queue. */
    int32_t puts = 0, fair = 0;
    for (int32_t i = 0; i < r.ev_count; i++) {
        const cJSON *e = r.ev[i];
        if (t_is(e, "RunqPut") && t_int(e, "g") == yielder) {
            const char *q = t_str(e, "queue");
            if (strcmp(q, "global") == 0) puts++;
        }
        if (t_is(e, "RunqGet") && strcmp(t_str(e, "queue"), "global") == 0 &&
            strstr(t_str(e, "why"), "schedtick%61") != NULL) {
            ck_assert_int_eq(t_int(e, "g"), yielder);
            /* execute increments schedtick after the check: the G starts with 61k+1. */
            int32_t j = t_find(&r, i + 1, "GoStart");
            ck_assert_int_ge(j, 0);
            ck_assert_int_eq(t_int(r.ev[j], "g"), yielder);
            ck_assert_int_eq(t_int(r.ev[j], "schedtick") % SIM_SCHEDTICK_FAIRNESS, 1);
            fair++;
        }
    }
    ck_assert_int_eq(puts, T_YIELDS);
    ck_assert_msg(fair >= 1, "no RunqGet from the global queue by the schedtick%%61 check");
    t_free(&r);
}
END_TEST

/* While the local queue is not empty, the global queue is only looked at when
 * schedtick%61 == 0: a yielder that ran with schedtick T runs again with
 * schedtick M+1, M the first multiple of 61 at or after T (execute increments the
 * tick after findRunnable's check; Gs that inherit runnext's slice do not). */
START_TEST(test_sched_gosched_waits_for_tick) {
    t_run r;
    t_run1(&r, "test_gosched", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    int32_t i = t_find(&r, 0, "GoStop");
    ck_assert_int_ge(i, 0);
    ck_assert_str_eq(t_str(r.ev[i], "reason"), "runtime.Gosched");
    int64_t yielder = t_int(r.ev[i], "g");
    int64_t tick = -1; /* the schedtick the yielder ran with before its first Gosched */
    for (int32_t j = 0; j < i; j++)
        if (t_is(r.ev[j], "GoStart") && t_int(r.ev[j], "g") == yielder) tick = t_int(r.ev[j], "schedtick");
    ck_assert_int_ge(tick, 1);
    int64_t m = tick % SIM_SCHEDTICK_FAIRNESS == 0 ? tick : (tick / SIM_SCHEDTICK_FAIRNESS + 1) * SIM_SCHEDTICK_FAIRNESS;
    int32_t others = 0, j;
    for (j = i + 1; j < r.ev_count; j++) {
        if (!t_is(r.ev[j], "GoStart")) continue;
        if (t_int(r.ev[j], "g") == yielder) break;
        others += !t_bool(r.ev[j], "inherit_time");
    }
    ck_assert_int_lt(j, r.ev_count);
    ck_assert_msg(t_int(r.ev[j], "schedtick") == m + 1,
                  "the yielder (schedtick %lld before Gosched) ran again with schedtick %lld after %d other "
                  "time slices, want %lld",
                  (long long)tick, (long long)t_int(r.ev[j], "schedtick"), others, (long long)m + 1);
    ck_assert_int_eq(others, m - tick);
    t_free(&r);
}
END_TEST

/* [SECTION] G reuse */

START_TEST(test_sched_g_reuse) {
    t_run r;
    t_run1(&r, "test_reuse", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    const cJSON *a = t_gocreate(&r, 2), *b = t_gocreate(&r, 3);
    ck_assert(!t_bool(a, "reused"));
    ck_assert_msg(t_bool(b, "reused"), "the second goroutine must reuse the first one's dead G");
    ck_assert_str_eq(t_str(b, "stack_lo"), t_str(a, "stack_lo"));
    ck_assert_str_eq(t_str(b, "stack_hi"), t_str(a, "stack_hi"));
    ck_assert_str_ne(t_str(a, "stack_lo"), t_str(t_gocreate(&r, 1), "stack_lo"));
    /* The first goroutine's GoDestroy comes before the second's GoCreate. */
    int32_t d = -1, c = -1;
    for (int32_t i = 0; i < r.ev_count; i++) {
        if (d < 0 && t_is(r.ev[i], "GoDestroy") && t_int(r.ev[i], "g") == 2) d = i;
        if (c < 0 && t_is(r.ev[i], "GoCreate") && t_int(r.ev[i], "new_g") == 3) c = i;
    }
    ck_assert_int_ge(d, 0);
    ck_assert_int_lt(d, c);
    t_free(&r);
}
END_TEST

/* [SECTION] argument copies */

static bool t_in_stack(const t_run *r, int64_t goid, uint64_t addr) {
    const cJSON *c = t_gocreate(r, goid);
    return addr >= t_addr(c, "stack_lo") && addr < t_addr(c, "stack_hi");
}

/* The bytes of {v = 42, w = 0x1122334455667788}, little-endian, as hex. */
static const char t_copy_hex_prefix[] = "2a00000000000000" "8877665544332211";

static void t_check_isolation(int32_t go_minor) {
    t_run r;
    t_run1(&r, "test_argcopy", 1, go_minor);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT_HAS(&r, "parent v=-1\n");
    T_OUT_HAS(&r, "child v=42 w=1234605616436508552\n"); /* the value at the go statement */
    int32_t first = t_find(&r, 0, "ArgCopy");
    ck_assert_int_ge(first, 0);
    const cJSON *c = r.ev[first];
    ck_assert_int_eq(t_int(c, "src_g"), 1);
    ck_assert_int_eq(t_int(c, "dst_g"), 2);
    ck_assert_int_eq(t_int(c, "size"), (int64_t)sizeof(t_copy_args));
    ck_assert_msg(strncmp(t_str(c, "bytes"), t_copy_hex_prefix, strlen(t_copy_hex_prefix)) == 0,
                  "copied bytes %s, want the value at the go statement", t_str(c, "bytes"));
    ck_assert_msg(t_addr(c, "src_addr") != t_addr(c, "dst_addr"), "the copy must be at a different address");
    ck_assert_str_eq(t_str(c, "src_kind"), "stack");
    ck_assert_msg(t_in_stack(&r, 1, t_addr(c, "src_addr")), "the source is a slot of main's frame");
    ck_assert_msg(!t_in_stack(&r, 2, t_addr(c, "src_addr")), "the source is not on the child's stack");
    /* The copy the child runs on, on its own stack. */
    int32_t last = first;
    if (go_minor >= 17) {
        last = t_find(&r, first + 1, "ArgCopy");
        ck_assert_int_ge(last, 0);
    }
    const cJSON *d = r.ev[last];
    ck_assert_str_eq(t_str(d, "dst_kind"), "stack");
    ck_assert_int_eq(t_int(d, "dst_g"), 2);
    ck_assert_msg(t_in_stack(&r, 2, t_addr(d, "dst_addr")), "the child's copy is on the child's stack");
    ck_assert_msg(t_addr(d, "dst_addr") != t_addr(c, "src_addr"), "the child's copy is not the parent's slot");
    ck_assert_str_eq(t_str(d, "bytes"), t_str(c, "bytes"));
    t_free(&r);
}

START_TEST(test_sched_arg_isolation_go122) {
    t_check_isolation(22);
}
END_TEST

START_TEST(test_sched_arg_isolation_go116) {
    t_check_isolation(16);
}
END_TEST

/* go1.16: newproc copies once, straight onto the new stack. go1.17+: the go statement
 * captures into a closure, and the child moves it onto its stack when it starts. */
static void t_check_copy_count(int32_t go_minor) {
    t_run r;
    t_run1(&r, "test_argcopy3", 1, go_minor);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    int32_t per_child = go_minor <= 16 ? 1 : 2;
    ck_assert_int_eq(t_count(&r, "ArgCopy"), 3 * per_child);
    for (int64_t child = 2; child <= 4; child++) {
        const cJSON *copies[2] = {NULL, NULL};
        int32_t n = 0;
        for (int32_t i = 0; (i = t_find(&r, i, "ArgCopy")) >= 0; i++) {
            if (t_int(r.ev[i], "dst_g") != child) continue;
            ck_assert_int_lt(n, 2);
            copies[n++] = r.ev[i];
        }
        ck_assert_msg(n == per_child, "go 1.%d: %d ArgCopy events for goroutine %lld, want %d", go_minor, n,
                      (long long)child, per_child);
        if (per_child == 1) {
            ck_assert_str_eq(t_str(copies[0], "src_kind"), "stack");
            ck_assert_str_eq(t_str(copies[0], "dst_kind"), "stack");
            ck_assert_int_eq(t_int(copies[0], "src_g"), 1);
        } else {
            ck_assert_str_eq(t_str(copies[0], "src_kind"), "stack");
            ck_assert_str_eq(t_str(copies[0], "dst_kind"), "closure");
            ck_assert_int_eq(t_int(copies[0], "g"), 1); /* at the go statement, in main */
            ck_assert_str_eq(t_str(copies[1], "src_kind"), "closure");
            ck_assert_str_eq(t_str(copies[1], "dst_kind"), "stack");
            ck_assert_int_eq(t_int(copies[1], "g"), child); /* when the child starts */
            ck_assert_str_eq(t_str(copies[1], "src_addr"), t_str(copies[0], "dst_addr"));
            ck_assert_str_eq(t_str(copies[1], "bytes"), t_str(copies[0], "bytes"));
        }
        ck_assert_msg(t_in_stack(&r, child, t_addr(copies[per_child - 1], "dst_addr")),
                      "goroutine %lld's arguments must land on its own stack", (long long)child);
    }
    t_free(&r);
}

START_TEST(test_sched_argcopy_go116_once) {
    t_check_copy_count(16);
}
END_TEST

START_TEST(test_sched_argcopy_go122_twice) {
    t_check_copy_count(22);
}
END_TEST

/* [SECTION] outcomes */

START_TEST(test_sched_deadlock) {
    t_run r;
    t_run1(&r, "test_deadlock", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    ck_assert_ptr_nonnull(r.res.report);
    T_REPORT_HAS(&r, "fatal error: all goroutines are asleep - deadlock!");
    T_REPORT_HAS(&r, "goroutine 1 [chan receive]:");
    ck_assert_str_eq(t_str(t_footer(&r), "outcome"), "deadlock");
    t_free(&r);
}
END_TEST

START_TEST(test_sched_deadlock_procs4) {
    t_run r;
    t_run1(&r, "test_deadlock", 4, 22);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    ck_assert_ptr_nonnull(r.res.report);
    T_REPORT_HAS(&r, "goroutine 1 [chan receive]:");
    t_free(&r);
}
END_TEST

START_TEST(test_sched_assert) {
    t_run r;
    t_run1(&r, "test_assert", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_ASSERT);
    ck_assert_msg(strstr(r.res.message, "arithmetic") != NULL, "message: %s", r.res.message);
    ck_assert_str_eq(t_str(t_footer(&r), "outcome"), "assert");
    t_free(&r);
}
END_TEST

START_TEST(test_sched_stack_overflow_fault) {
    t_run r;
    t_run1(&r, "test_overflow", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_FAULT);
    ck_assert_msg(strstr(r.res.message, "goroutine 2") != NULL, "the message must name the goroutine: %s",
                  r.res.message);
    const cJSON *f = t_footer(&r);
    ck_assert_str_eq(t_str(f, "outcome"), "fault");
    ck_assert_msg(r.sched_len > 0 && r.sched[r.sched_len - 1] == '\n', "the footer line is complete");
    t_free(&r);
}
END_TEST

START_TEST(test_sched_stack_overflow_unguarded_fault) {
    t_run r;
    t_run_seed(&r, "test_overflow_unguarded", 1, 22, 1, false);
    T_OUTCOME(&r, GMP_OUTCOME_FAULT);
    char want[64];
    snprintf(want, sizeof want, "goroutine %lld", (long long)t_unguarded_goid);
    ck_assert_int_gt(t_unguarded_goid, 1);
    ck_assert_msg(strstr(r.res.message, want) != NULL, "the message must name %s: %s", want, r.res.message);
    t_free(&r);
}
END_TEST

START_TEST(test_sched_send_on_closed_panics) {
    t_run r;
    t_run1(&r, "test_send_closed", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_str_eq(r.res.message, "panic: send on closed channel");
    ck_assert_str_eq(t_str(t_footer(&r), "outcome"), "panic");
    t_free(&r);
}
END_TEST

START_TEST(test_sched_max_events_limit) {
    gmp_options opt;
    t_options(&opt, 2, 22, 1);
    opt.max_events = 200;
    t_run r;
    t_run_opt(&r, "test_forever", &opt, true);
    T_OUTCOME(&r, GMP_OUTCOME_LIMIT);
    ck_assert_int_ge(r.res.events, 200);
    ck_assert_int_le(r.res.events, 200 + 16);
    ck_assert_str_eq(t_str(t_footer(&r), "outcome"), "limit");
    ck_assert_int_eq(t_int(cJSON_GetObjectItemCaseSensitive(t_footer(&r), "counts"), "events"), r.res.events);
    t_free(&r);
}
END_TEST

/* A goroutine that only calls gmp_work still ends at --max-time, with outcome limit. */
START_TEST(test_sched_max_time_limit) {
    gmp_options opt;
    t_options(&opt, 1, 22, 1);
    opt.max_time_ns = 10000000; /* 10 ms virtual: 10,000 calls */
    t_run r;
    t_run_opt(&r, "test_work_forever", &opt, true);
    T_OUTCOME(&r, GMP_OUTCOME_LIMIT);
    ck_assert_int_gt(r.res.end_time_ns, 10000000);
    ck_assert_int_le(r.res.end_time_ns, 10000000 + 1000);
    ck_assert_str_eq(t_str(t_footer(&r), "outcome"), "limit");
    t_free(&r);
}
END_TEST

START_TEST(test_sched_ok_footer) {
    t_run r;
    t_run1(&r, "test_spawn5", 2, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    ck_assert_ptr_null(r.res.report);
    ck_assert(t_is(r.ev[0], "Header"));
    const cJSON *f = t_footer(&r);
    ck_assert_str_eq(t_str(f, "outcome"), "ok");
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(f, "counts");
    ck_assert_int_eq(t_int(counts, "events"), r.res.events);
    ck_assert_int_eq(t_int(counts, "goroutines"), r.res.goroutines);
    ck_assert_int_eq(r.ev_count, r.res.events + 2);
    for (int32_t i = 1; i < r.ev_count - 1; i++) ck_assert_int_eq(t_int(r.ev[i], "i"), i - 1);
    /* The digest is FNV-1a 64 of every byte before the footer line: the footer's own
     * and gmp_result's (gmpsim.h) must both be that. */
    const char *footer_line = r.sched + r.sched_len - 1;
    while (footer_line > r.sched && footer_line[-1] != '\n') footer_line--;
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = r.sched; p < footer_line; p++) {
        h ^= (unsigned char)*p;
        h *= 0x100000001b3ull;
    }
    char digest[40];
    snprintf(digest, sizeof digest, "fnv1a64:%016" PRIx64, h);
    ck_assert_str_eq(t_str(f, "digest"), digest);
    ck_assert_msg(r.res.digest == h, "gmp_result.digest is %016" PRIx64 ", want %016" PRIx64
                  " (FNV-1a 64 of the file before the footer)", r.res.digest, h);
    t_free(&r);
}
END_TEST

/* [SECTION] scale */

static long t_rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%ld %ld", &pages, &resident), 2);
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

START_TEST(test_sched_100k_alive) {
    t_run r;
    t_run_seed(&r, "test_alive_100k", 4, 22, 1, false);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    ck_assert_int_eq(r.res.goroutines, T_ALIVE + 1);
    ck_assert_int_ge(t_alive_g_count, T_ALIVE + 1);
    ck_assert_int_eq(t_alive_waiting, T_ALIVE + 0);
    t_free(&r);
}
END_TEST

START_TEST(test_sched_million_reuse) {
    gmp_options opt;
    t_options(&opt, 2, 22, 1);
    opt.max_events = INT64_C(1) << 40;
    long before = t_rss_kib();
    t_run r;
    t_run_opt(&r, "test_million", &opt, false);
    long after = t_rss_kib();
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    ck_assert_int_eq(r.res.goroutines, T_WAVES * T_WAVE + 1);
    ck_assert_msg(t_million_g_count_max <= 4 * T_WAVE, "%d G structs for waves of %d: dead Gs are not reused",
                  t_million_g_count_max, T_WAVE);
    ck_assert_int_le(t_million_stack_count, 4 * T_WAVE);
    /* A few thousand 64 KiB stacks at most, whatever the number spawned. */
    long limit_kib = 512 * 1024;
#if defined(GMPSIM_SANITIZE)
    limit_kib *= 4;
#endif
    ck_assert_msg(after - before < limit_kib, "RSS grew by %ld KiB over the run", after - before);
    t_free(&r);
}
END_TEST

/* The default event limit (50,000,000) must not cut a million goroutines short. */
START_TEST(test_sched_million_default_limit) {
    t_run r;
    t_run_seed(&r, "test_million", 1, 22, 1, false);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    ck_assert_int_eq(r.res.goroutines, T_WAVES * T_WAVE + 1);
    /* procs 1: a whole wave is created before any of it runs, then reused. */
    ck_assert_int_ge(t_million_g_count_max, T_WAVE + 1);
    ck_assert_msg(t_million_g_count_max <= 4 * T_WAVE, "%d G structs for waves of %d: dead Gs are not reused",
                  t_million_g_count_max, T_WAVE);
    t_free(&r);
}
END_TEST

Suite *sched_suite(void) {
    Suite *s = suite_create("sched");
    TCase *tc = tcase_create("rules");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sched_main_is_goid_1);
    tcase_add_test(tc, test_sched_goids_sequential);
    tcase_add_test(tc, test_sched_goid_batch_per_p);
    tcase_add_test(tc, test_sched_goid_batches_swarm);
    tcase_add_test(tc, test_sched_newproc_runnext_order);
    tcase_add_test(tc, test_sched_newproc_runqput_events);
    tcase_add_test(tc, test_sched_gosched_global_and_fairness);
    tcase_add_test(tc, test_sched_gosched_waits_for_tick);
    tcase_add_test(tc, test_sched_g_reuse);
    tcase_add_test(tc, test_sched_arg_isolation_go122);
    tcase_add_test(tc, test_sched_arg_isolation_go116);
    tcase_add_test(tc, test_sched_argcopy_go116_once);
    tcase_add_test(tc, test_sched_argcopy_go122_twice);
    suite_add_tcase(s, tc);
    tc = tcase_create("outcomes");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sched_deadlock);
    tcase_add_test(tc, test_sched_deadlock_procs4);
    tcase_add_test(tc, test_sched_assert);
    tcase_add_test(tc, test_sched_stack_overflow_fault);
    tcase_add_test(tc, test_sched_stack_overflow_unguarded_fault);
    tcase_add_test(tc, test_sched_send_on_closed_panics);
    tcase_add_test(tc, test_sched_max_events_limit);
    tcase_add_test(tc, test_sched_max_time_limit);
    tcase_add_test(tc, test_sched_ok_footer);
    suite_add_tcase(s, tc);
    tc = tcase_create("scale");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_sched_100k_alive);
    tcase_add_test(tc, test_sched_million_reuse);
    tcase_add_test(tc, test_sched_million_default_limit);
    suite_add_tcase(s, tc);
    return s;
}
