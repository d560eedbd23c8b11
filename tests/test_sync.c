/* tests/test_sync.c: semaphores and the sync package (sim/sema.c, mutex.c, rwmutex.c,
 * waitgroup.c, cond.c, once.c) through gmp_run, on small scenarios defined here
 * (registered as test_*; the determinism suite skips them).
 *
 * Each case is a Go program whose outcome is known: what it prints, how it ends
 * (the runtime's panic and fatal texts word for word), the wait reasons in goroutine
 * dumps per Go version, and the events of the schedule file: mutex starvation mode
 * entered after 1 ms of waiting and left by the runtime's rules, handoff with goyield,
 * spinning only where canSpin allows it, the lifo requeue of a woken waiter, RWMutex
 * writer preference, WaitGroup misuse, Cond's ticket order.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmpsim.h"
#include "suites.h"
#include "t_run.h"

/* [SECTION] Mutex */

typedef struct {
    gmp_mutex mu;
    gmp_var counter;
    gmp_waitgroup wg;
    int64_t id, rounds;
} t_mu_args;

static void t_mu_incr(void *argp) {
    t_mu_args *a = argp;
    for (int64_t i = 0; i < a->rounds; i++) {
        gmp_mutex_lock(a->mu);
        int64_t v = gmp_load(a->counter);
        gmp_work(50);
        gmp_store(a->counter, v + 1);
        gmp_mutex_unlock(a->mu);
    }
    gmp_waitgroup_done(a->wg);
}

/* Eight goroutines increment under the mutex: no update is lost. */
static void t_mutex_counter_main(void *argp) {
    (void)argp;
    t_mu_args a = {.mu = gmp_mutex_new(), .counter = gmp_new_var("counter", 0), .wg = gmp_waitgroup_new(),
                   .rounds = 25};
    gmp_waitgroup_add(a.wg, 8);
    for (a.id = 0; a.id < 8; a.id++) GMP_GO(t_mu_incr, a);
    gmp_waitgroup_wait(a.wg);
    gmp_printf("counter=%lld\n", (long long)gmp_load(a.counter));
}
GMP_SCENARIO(test_mutex_counter, "eight goroutines increment a shared counter under a Mutex", t_mutex_counter_main)

START_TEST(test_mutex_mutual_exclusion) {
    for (uint64_t seed = 1; seed <= 12; seed++) {
        for (int32_t procs = 1; procs <= 4; procs += 3) {
            t_run r;
            t_run_seed(&r, "test_mutex_counter", procs, seed % 2 ? 22 : 8, seed, false);
            T_OUTCOME(&r, GMP_OUTCOME_OK);
            T_OUT(&r, "counter=200\n");
            t_free(&r);
        }
    }
}
END_TEST

static void t_trylock_main(void *argp) {
    (void)argp;
    gmp_mutex mu = gmp_mutex_new();
    bool a = gmp_mutex_trylock(mu);
    bool b = gmp_mutex_trylock(mu);
    gmp_mutex_unlock(mu);
    bool c = gmp_mutex_trylock(mu);
    gmp_printf("%d %d %d\n", a, b, c);
}
GMP_SCENARIO(test_trylock, "TryLock succeeds on an unlocked mutex only", t_trylock_main)

START_TEST(test_mutex_trylock) {
    t_run r;
    t_run1(&r, "test_trylock", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "1 0 1\n");
    int32_t i = t_find(&r, 0, "MutexLock");
    ck_assert_int_ge(i, 0);
    ck_assert_str_eq(t_str(r.ev[i], "how"), "trylock");
    t_free(&r);
}
END_TEST

static void t_unlock_unlocked_main(void *argp) {
    (void)argp;
    gmp_mutex mu = gmp_mutex_new();
    gmp_mutex_lock(mu);
    gmp_mutex_unlock(mu);
    gmp_mutex_unlock(mu);
}
GMP_SCENARIO(test_unlock_unlocked, "Unlock of an unlocked Mutex", t_unlock_unlocked_main)

/* A throw in 1.8 and 1.10+, a recoverable panic in 1.7 and before and in 1.9. */
START_TEST(test_mutex_unlock_unlocked) {
    static const struct {
        int32_t go_minor;
        const char *message;
    } want[] = {
        {22, "fatal error: sync: unlock of unlocked mutex"}, {10, "fatal error: sync: unlock of unlocked mutex"},
        {9, "panic: sync: unlock of unlocked mutex"},        {8, "fatal error: sync: unlock of unlocked mutex"},
        {7, "panic: sync: unlock of unlocked mutex"},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        t_run r;
        t_run1(&r, "test_unlock_unlocked", 1, want[k].go_minor);
        T_OUTCOME(&r, GMP_OUTCOME_PANIC);
        ck_assert_str_eq(r.res.message, want[k].message);
        T_REPORT_HAS(&r, "goroutine 1 [running]:");
        t_free(&r);
    }
}
END_TEST

static void t_nil_mutex_main(void *argp) {
    (void)argp;
    gmp_mutex mu = {0};
    gmp_mutex_lock(mu);
}
GMP_SCENARIO(test_nil_mutex, "Lock on a nil *sync.Mutex", t_nil_mutex_main)

static void t_bogus_mutex_main(void *argp) {
    (void)argp;
    gmp_mutex mu = {0xc000abcdefull};
    gmp_mutex_lock(mu);
}
GMP_SCENARIO(test_bogus_mutex, "Lock on a made-up handle", t_bogus_mutex_main)

static void t_wrong_kind_main(void *argp) {
    (void)argp;
    gmp_waitgroup wg = gmp_waitgroup_new();
    gmp_mutex mu = {wg.addr};
    gmp_mutex_lock(mu);
}
GMP_SCENARIO(test_wrong_kind, "a WaitGroup's address used as a Mutex", t_wrong_kind_main)

START_TEST(test_mutex_bad_handles) {
    t_run r;
    t_run1(&r, "test_nil_mutex", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_str_eq(r.res.message, "panic: runtime error: invalid memory address or nil pointer dereference");
    t_free(&r);
    t_run1(&r, "test_bogus_mutex", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_msg(strstr(r.res.message, "not a sync.Mutex of this run") != NULL, "%s", r.res.message);
    t_free(&r);
    t_run1(&r, "test_wrong_kind", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_msg(strstr(r.res.message, "a sync.WaitGroup used as a sync.Mutex") != NULL, "%s", r.res.message);
    t_free(&r);
}
END_TEST

static void t_relock_main(void *argp) {
    (void)argp;
    gmp_mutex mu = gmp_mutex_new();
    gmp_mutex_lock(mu);
    gmp_mutex_lock(mu);
}
GMP_SCENARIO(test_relock, "main locks a Mutex twice: deadlock", t_relock_main)

/* Blocked in Lock: "sync.Mutex.Lock" from Go 1.20, "semacquire" before. */
START_TEST(test_mutex_wait_reason) {
    t_run r;
    t_run1(&r, "test_relock", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    T_REPORT_HAS(&r, "fatal error: all goroutines are asleep - deadlock!");
    T_REPORT_HAS(&r, "goroutine 1 [sync.Mutex.Lock]:");
    int32_t b = t_find(&r, 0, "GoBlock");
    ck_assert_int_ge(b, 0);
    ck_assert_str_eq(t_str(r.ev[b], "reason"), "sync.Mutex.Lock");
    t_free(&r);
    t_run1(&r, "test_relock", 1, 19);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    T_REPORT_HAS(&r, "goroutine 1 [semacquire]:");
    t_free(&r);
    t_run1(&r, "test_relock", 1, 8);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    T_REPORT_HAS(&r, "goroutine 1 [semacquire]:");
    t_free(&r);
}
END_TEST

/* Starvation: a hog relocks at once after each unlock while a waiter wants the mutex.
 * In normal mode the woken waiter sits in the hog's runnext and loses every race; after
 * 1 ms it sets mutexStarving, the next Unlock hands the mutex straight to it and yields
 * (goyield), and since it is the last waiter it switches back to normal mode. */
typedef struct {
    gmp_mutex mu;
    gmp_var stop;
    gmp_chan done;
    int64_t hold_ns;
} t_starve_args;

static void t_starve_hog(void *argp) {
    t_starve_args *a = argp;
    int64_t n = 0;
    for (bool stop = false; !stop; n++) {
        gmp_mutex_lock(a->mu);
        stop = gmp_load(a->stop) != 0;
        gmp_work(a->hold_ns);
        gmp_mutex_unlock(a->mu);
    }
    gmp_send(a->done, &n);
}

static void t_starve_waiter(void *argp) {
    t_starve_args *a = argp;
    gmp_work(5000); /* let the hog get going */
    int64_t t0 = gmp_now_ns();
    gmp_mutex_lock(a->mu);
    int64_t waited = gmp_now_ns() - t0;
    gmp_store(a->stop, 1);
    gmp_mutex_unlock(a->mu);
    gmp_printf("waited_over_1ms=%d\n", waited > 1000000);
    int64_t one = 1;
    gmp_send(a->done, &one);
}

static void t_starve_main(void *argp) {
    (void)argp;
    t_starve_args a = {.mu = gmp_mutex_new(), .stop = gmp_new_var("stop", 0),
                       .done = gmp_make_chan(sizeof(int64_t), 2), .hold_ns = 20000};
    GMP_GO(t_starve_waiter, a);
    GMP_GO(t_starve_hog, a); /* in runnext: runs first */
    int64_t v;
    gmp_recv(a.done, &v);
    gmp_recv(a.done, &v);
}
GMP_SCENARIO(test_starve, "a hog relocks a Mutex at once; a waiter starves until starvation mode", t_starve_main)

START_TEST(test_mutex_starvation_mode) {
    for (int32_t procs = 1; procs <= 2; procs++) {
        t_run r;
        t_run1(&r, "test_starve", procs, 22);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        T_OUT(&r, "waited_over_1ms=1\n");
        /* Entered after the waiter waited over 1 ms. */
        int32_t on = t_find(&r, 0, "MutexStarving");
        ck_assert_msg(on >= 0, "no MutexStarving event (procs %d)", procs);
        ck_assert(t_bool(r.ev[on], "starving"));
        ck_assert_int_gt(t_int(r.ev[on], "waited_ns"), 1000000);
        ck_assert_int_ne(t_int(r.ev[on], "state") & 4, 0);
        /* The next Unlock hands off and yields: GoStop "preempted". */
        int32_t u = on;
        do u = t_find(&r, u + 1, "MutexUnlock");
        while (u >= 0 && !t_bool(r.ev[u], "handoff"));
        ck_assert_int_ge(u, 0);
        int32_t y = t_find(&r, u, "GoStop");
        ck_assert_int_ge(y, 0);
        ck_assert_str_eq(t_str(r.ev[y], "reason"), "preempted");
        /* The waiter gets it by handoff, runs next inheriting the time slice, and as the
         * last waiter leaves starvation mode. */
        int32_t l = t_find(&r, u, "MutexLock");
        ck_assert_int_ge(l, 0);
        ck_assert_str_eq(t_str(r.ev[l], "how"), "handoff");
        ck_assert(!t_bool(r.ev[l], "starving"));
        int32_t off = t_find(&r, on + 1, "MutexStarving");
        ck_assert_int_ge(off, 0);
        ck_assert(!t_bool(r.ev[off], "starving"));
        ck_assert_int_lt(off, l);
        int32_t st = t_find(&r, y, "GoStart");
        ck_assert_int_ge(st, 0);
        ck_assert(t_bool(r.ev[st], "inherit_time"));
        ck_assert_int_eq(t_int(r.ev[st], "g"), t_int(r.ev[l], "g"));
        t_free(&r);
    }
}
END_TEST

/* Before Go 1.9 there is no starvation mode: the waiter starves as long as the hog runs. */
START_TEST(test_mutex_no_starvation_before_go19) {
    gmp_options opt;
    t_options(&opt, 1, 8, 1);
    opt.max_time_ns = 20000000; /* 20 ms */
    t_run r;
    t_run_opt(&r, "test_starve", &opt, true);
    T_OUTCOME(&r, GMP_OUTCOME_LIMIT);
    ck_assert_int_eq(t_count(&r, "MutexStarving"), 0);
    ck_assert_int_eq(r.out_len, 0);
    t_free(&r);
}
END_TEST

/* Spinning needs GOMAXPROCS > 1, another running P and an empty local run queue. */
START_TEST(test_mutex_spinning) {
    int64_t spins1 = 0, spins4 = 0;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        for (int32_t procs = 1; procs <= 4; procs += 3) {
            t_run r;
            t_run_seed(&r, "test_mutex_counter", procs, 22, seed, true);
            T_OUTCOME(&r, GMP_OUTCOME_OK);
            /* lockSlow resets iter after each semacquire, and each semacquire returns
             * only after a semrelease, that is an Unlock: a Lock spins at most active_spin
             * times, plus active_spin per Unlock since the goroutine began trying. */
            int64_t unlocks[64] = {0};
            for (int32_t i = 0; i < r.ev_count; i++) {
                bool lock = t_is(r.ev[i], "MutexLock"), unlock = t_is(r.ev[i], "MutexUnlock");
                if (!lock && !unlock) continue;
                int64_t g = t_int(r.ev[i], "g");
                ck_assert(g >= 0 && g < 64);
                if (unlock) {
                    for (int32_t k = 0; k < 64; k++) unlocks[k]++;
                    unlocks[g] = 0; /* its next Lock starts after this */
                    continue;
                }
                int64_t sp = t_int(r.ev[i], "spins");
                ck_assert_int_le(sp, 4 * (1 + unlocks[g])); /* active_spin */
                unlocks[g] = 0;
                if (procs == 1) spins1 += sp;
                else spins4 += sp;
            }
            t_free(&r);
        }
    }
    ck_assert_int_eq(spins1, 0);
    ck_assert_int_gt(spins4, 0);
}
END_TEST

/* The lifo requeue: a woken waiter that loses the mutex to a barging goroutine goes
 * back to the head of the queue, so the next Unlock wakes it again, not the one
 * behind it. One P, so that the order is fixed. */
typedef struct {
    gmp_mutex mu;
    gmp_chan done;
    int64_t id;
} t_lifo_args;

static void t_lifo_waiter(void *argp) {
    t_lifo_args *a = argp;
    gmp_mutex_lock(a->mu);
    gmp_printf("w%lld\n", (long long)a->id);
    gmp_mutex_unlock(a->mu);
    gmp_send(a->done, &a->id);
}

static void t_lifo_main(void *argp) {
    (void)argp;
    t_lifo_args a = {.mu = gmp_mutex_new(), .done = gmp_make_chan(sizeof(int64_t), 2)};
    gmp_mutex_lock(a.mu);
    a.id = 1;
    GMP_GO(t_lifo_waiter, a);
    t_settle(); /* w1 blocks in Lock */
    a.id = 2;
    GMP_GO(t_lifo_waiter, a);
    t_settle(); /* w2 blocks behind it */
    gmp_mutex_unlock(a.mu); /* wakes w1 into runnext ... */
    gmp_mutex_lock(a.mu);   /* ... and barges in before it runs */
    t_settle();          /* w1 runs, loses, requeues at the head */
    gmp_printf("main\n");
    gmp_mutex_unlock(a.mu); /* wakes w1 again */
    int64_t v;
    gmp_recv(a.done, &v);
    gmp_recv(a.done, &v);
}
GMP_SCENARIO(test_lifo, "a woken waiter that loses the Mutex requeues at the head", t_lifo_main)

START_TEST(test_mutex_lifo_requeue) {
    t_run r;
    t_run1(&r, "test_lifo", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "main\nw1\nw2\n");
    /* Both wakes by main's Unlocks go to goroutine 2 (w1). */
    int32_t n = 0;
    for (int32_t i = 0; i < r.ev_count; i++) {
        if (!t_is(r.ev[i], "GoUnblock")) continue;
        const char *why = t_str(r.ev[i], "why");
        if (why == NULL || strstr(why, "unlockSlow") == NULL) continue;
        if (n++ < 2) ck_assert_int_eq(t_int(r.ev[i], "g"), 2);
    }
    ck_assert_int_ge(n, 2);
    /* The second block of w1 was the lifo one. */
    int32_t k = 0;
    for (int32_t i = 0; i < r.ev_count; i++) {
        if (!t_is(r.ev[i], "GoBlock") || t_int(r.ev[i], "g") != 2) continue;
        const char *why = t_str(r.ev[i], "why");
        if (k++ == 1) ck_assert_msg(strstr(why, "lifo") != NULL, "why: %s", why);
    }
    ck_assert_int_eq(k, 2);
    t_free(&r);
}
END_TEST

/* [SECTION] RWMutex */

typedef struct {
    gmp_rwmutex rw;
    gmp_chan done;
    int64_t id;
} t_rw_args;

static void t_rw_reader(void *argp) {
    t_rw_args *a = argp;
    gmp_rwmutex_rlock(a->rw);
    gmp_printf("r%lld in\n", (long long)a->id);
    gmp_rwmutex_runlock(a->rw);
    gmp_send(a->done, &a->id);
}

static void t_rw_writer(void *argp) {
    t_rw_args *a = argp;
    gmp_rwmutex_lock(a->rw);
    gmp_printf("w in\n");
    gmp_rwmutex_unlock(a->rw);
    gmp_send(a->done, &a->id);
}

/* main holds a read lock; a writer comes and waits for it; a second reader comes
 * after the writer and must wait behind it although only readers hold the lock. */
static void t_rw_pref_main(void *argp) {
    (void)argp;
    t_rw_args a = {.rw = gmp_rwmutex_new(), .done = gmp_make_chan(sizeof(int64_t), 4)};
    gmp_rwmutex_rlock(a.rw);
    a.id = 1;
    GMP_GO(t_rw_reader, a); /* a reader with no writer pending gets in at once */
    t_settle();
    GMP_GO(t_rw_writer, a);
    t_settle(); /* the writer blocks: sync.RWMutex.Lock */
    a.id = 2;
    GMP_GO(t_rw_reader, a);
    t_settle(); /* r2 blocks: sync.RWMutex.RLock */
    gmp_printf("main runlock\n");
    gmp_rwmutex_runlock(a.rw);
    int64_t v;
    for (int i = 0; i < 3; i++) gmp_recv(a.done, &v);
}
GMP_SCENARIO(test_rw_pref, "RWMutex: a pending writer blocks new readers", t_rw_pref_main)

START_TEST(test_rwmutex_writer_preference) {
    t_run r;
    t_run1(&r, "test_rw_pref", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "r1 in\nmain runlock\nw in\nr2 in\n");
    /* The writer blocked on writerSem, r2 on readerSem. */
    int32_t wl = 0, rl = 0;
    for (int32_t i = 0; i < r.ev_count; i++) {
        if (!t_is(r.ev[i], "GoBlock")) continue;
        const char *reason = t_str(r.ev[i], "reason");
        wl += strcmp(reason, "sync.RWMutex.Lock") == 0;
        rl += strcmp(reason, "sync.RWMutex.RLock") == 0;
    }
    ck_assert_int_eq(wl, 1);
    ck_assert_int_eq(rl, 1);
    t_free(&r);
    /* Before Go 1.20 both show "semacquire". */
    t_run1(&r, "test_rw_pref", 1, 19);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "r1 in\nmain runlock\nw in\nr2 in\n");
    for (int32_t i = 0; i < r.ev_count; i++)
        if (t_is(r.ev[i], "GoBlock") && strncmp(t_str(r.ev[i], "reason"), "sync.", 5) == 0)
            ck_abort_msg("go1.19 has no sync wait reasons");
    t_free(&r);
}
END_TEST

typedef struct {
    gmp_rwmutex rw;
    gmp_var writers, bad;
    gmp_waitgroup wg;
    int64_t id;
} t_rwx_args;

/* Writers set writers=1 while they hold the lock; readers and other writers must never
 * see it. No access races when the RWMutex orders them (the race detector checks). */
static void t_rwx_worker(void *argp) {
    t_rwx_args *a = argp;
    int64_t bad = 0;
    for (int i = 0; i < 20; i++) {
        if ((a->id + i) % 3 == 0) {
            gmp_rwmutex_lock(a->rw);
            bad += gmp_load(a->writers) != 0;
            gmp_store(a->writers, 1);
            gmp_work(100);
            gmp_store(a->writers, 0);
            gmp_rwmutex_unlock(a->rw);
        } else {
            gmp_rwmutex_rlock(a->rw);
            bad += gmp_load(a->writers) != 0;
            gmp_work(100);
            bad += gmp_load(a->writers) != 0;
            gmp_rwmutex_runlock(a->rw);
        }
    }
    if (bad) {
        gmp_rwmutex_lock(a->rw);
        gmp_store(a->bad, gmp_load(a->bad) + bad);
        gmp_rwmutex_unlock(a->rw);
    }
    gmp_waitgroup_done(a->wg);
}

static void t_rwx_main(void *argp) {
    (void)argp;
    t_rwx_args a = {.rw = gmp_rwmutex_new(), .writers = gmp_new_var("writers", 0), .bad = gmp_new_var("bad", 0),
                    .wg = gmp_waitgroup_new()};
    gmp_waitgroup_add(a.wg, 6);
    for (a.id = 0; a.id < 6; a.id++) GMP_GO(t_rwx_worker, a);
    gmp_waitgroup_wait(a.wg);
    gmp_printf("bad=%lld\n", (long long)gmp_load(a.bad));
}
GMP_SCENARIO(test_rwx, "RWMutex: a writer is alone; readers never see a writer", t_rwx_main)

START_TEST(test_rwmutex_exclusion) {
    for (uint64_t seed = 1; seed <= 8; seed++) {
        t_run r;
        t_run_seed(&r, "test_rwx", seed % 2 ? 1 : 4, 22, seed, false);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        T_OUT(&r, "bad=0\n");
        t_free(&r);
    }
}
END_TEST

static void t_rw_runlock_main(void *argp) {
    (void)argp;
    gmp_rwmutex rw = gmp_rwmutex_new();
    gmp_rwmutex_runlock(rw);
}
GMP_SCENARIO(test_rw_runlock, "RUnlock of an unlocked RWMutex", t_rw_runlock_main)

static void t_rw_unlock_main(void *argp) {
    (void)argp;
    gmp_rwmutex rw = gmp_rwmutex_new();
    gmp_rwmutex_rlock(rw);
    gmp_rwmutex_unlock(rw);
}
GMP_SCENARIO(test_rw_unlock, "Unlock of an RWMutex that is only read-locked", t_rw_unlock_main)

static void t_rw_try_main(void *argp) {
    (void)argp;
    gmp_rwmutex rw = gmp_rwmutex_new();
    bool a = gmp_rwmutex_tryrlock(rw); /* true */
    bool b = gmp_rwmutex_trylock(rw);  /* false: a reader is in */
    gmp_rwmutex_runlock(rw);
    bool c = gmp_rwmutex_trylock(rw);  /* true */
    bool d = gmp_rwmutex_tryrlock(rw); /* false: a writer is in */
    gmp_rwmutex_unlock(rw);
    gmp_printf("%d %d %d %d\n", a, b, c, d);
}
GMP_SCENARIO(test_rw_try, "RWMutex TryLock and TryRLock", t_rw_try_main)

START_TEST(test_rwmutex_misuse_and_try) {
    t_run r;
    t_run1(&r, "test_rw_runlock", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_str_eq(r.res.message, "fatal error: sync: RUnlock of unlocked RWMutex");
    t_free(&r);
    t_run1(&r, "test_rw_unlock", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_str_eq(r.res.message, "fatal error: sync: Unlock of unlocked RWMutex");
    t_free(&r);
    t_run1(&r, "test_rw_unlock", 1, 7);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_str_eq(r.res.message, "panic: sync: Unlock of unlocked RWMutex");
    t_free(&r);
    t_run1(&r, "test_rw_try", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "1 0 1 0\n");
    t_free(&r);
}
END_TEST

/* [SECTION] WaitGroup */

typedef struct {
    gmp_waitgroup wg;
    int64_t id;
} t_wg_args;

static void t_wg_worker(void *argp) {
    t_wg_args *a = argp;
    gmp_work(1000 * (4 - a->id));
    gmp_printf("worker %lld\n", (long long)a->id);
    gmp_waitgroup_done(a->wg);
}

static void t_wg_main(void *argp) {
    (void)argp;
    t_wg_args a = {.wg = gmp_waitgroup_new()};
    gmp_waitgroup_wait(a.wg); /* zero: returns without blocking */
    gmp_waitgroup_add(a.wg, 3);
    for (a.id = 1; a.id <= 3; a.id++) GMP_GO(t_wg_worker, a);
    gmp_waitgroup_wait(a.wg);
    gmp_printf("all done\n");
}
GMP_SCENARIO(test_wg, "WaitGroup: Wait returns after the last Done", t_wg_main)

START_TEST(test_waitgroup_basic) {
    for (int32_t procs = 1; procs <= 4; procs += 3) {
        t_run r;
        t_run1(&r, "test_wg", procs, 22);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        ck_assert_msg(r.out_len > 9 && strcmp(r.out + r.out_len - 9, "all done\n") == 0, "output:\n%s", r.out);
        int32_t w = t_find(&r, 0, "WaitGroupWait");
        ck_assert_int_ge(w, 0);
        ck_assert(!t_bool(r.ev[w], "blocked"));
        w = t_find(&r, w + 1, "WaitGroupWait");
        ck_assert_int_ge(w, 0);
        ck_assert(t_bool(r.ev[w], "blocked"));
        t_free(&r);
    }
}
END_TEST

static void t_wg_negative_main(void *argp) {
    (void)argp;
    gmp_waitgroup wg = gmp_waitgroup_new();
    gmp_waitgroup_add(wg, 1);
    gmp_waitgroup_done(wg);
    gmp_waitgroup_done(wg);
}
GMP_SCENARIO(test_wg_negative, "WaitGroup: one Done too many", t_wg_negative_main)

static void t_wg_reuse_waiter(void *argp) {
    t_wg_args *a = argp;
    gmp_waitgroup_wait(a->wg);
    gmp_printf("waiter returned\n");
}

static void t_wg_reuse_main(void *argp) {
    (void)argp;
    t_wg_args a = {.wg = gmp_waitgroup_new()};
    gmp_waitgroup_add(a.wg, 1);
    GMP_GO(t_wg_reuse_waiter, a);
    t_settle();             /* the waiter blocks in Wait */
    gmp_waitgroup_done(a.wg);  /* releases it into runnext ... */
    gmp_waitgroup_add(a.wg, 1); /* ... and reuses the group before it returned */
    t_settle();
    gmp_waitgroup_done(a.wg);
}
GMP_SCENARIO(test_wg_reuse, "WaitGroup reused before the previous Wait returned", t_wg_reuse_main)

/* The window of the Add that releases the waiters: another goroutine's Add lands in
 * it when the two run at nearly the same virtual instant on two Ps. Both keep running
 * (on two Ps) until the same instant, then one of them works off_ns longer. */
static int64_t t_wg_race_offset_ns;

static void t_wg_race_adder(void *argp) {
    t_wg_args *a = argp;
    while (gmp_now_ns() < 200000) gmp_work(10);
    gmp_work(t_wg_race_offset_ns > 0 ? t_wg_race_offset_ns : 0);
    gmp_waitgroup_add(a->wg, 1);
    gmp_waitgroup_done(a->wg);
}

static void t_wg_race_doner(void *argp) {
    t_wg_args *a = argp;
    while (gmp_now_ns() < 200000) gmp_work(10);
    gmp_work(t_wg_race_offset_ns < 0 ? -t_wg_race_offset_ns : 0);
    gmp_waitgroup_done(a->wg);
}

static void t_wg_race_main(void *argp) {
    (void)argp;
    t_wg_args a = {.wg = gmp_waitgroup_new()};
    gmp_waitgroup_add(a.wg, 1);
    GMP_GO(t_wg_race_doner, a);
    GMP_GO(t_wg_race_adder, a);
    gmp_waitgroup_wait(a.wg);
    gmp_sleep(1000000);
}
GMP_SCENARIO(test_wg_race, "WaitGroup: an Add concurrent with the Add that releases Wait", t_wg_race_main)

static void t_wg_wait_main(void *argp) {
    (void)argp;
    gmp_waitgroup wg = gmp_waitgroup_new();
    gmp_waitgroup_add(wg, 1);
    gmp_waitgroup_wait(wg);
}
GMP_SCENARIO(test_wg_deadlock, "WaitGroup: Wait with nobody to call Done", t_wg_wait_main)

START_TEST(test_waitgroup_misuse) {
    t_run r;
    t_run1(&r, "test_wg_negative", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_str_eq(r.res.message, "panic: sync: negative WaitGroup counter");
    T_REPORT_HAS(&r, "goroutine 1 [running]:");
    t_free(&r);
    t_run1(&r, "test_wg_reuse", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_str_eq(r.res.message, "panic: sync: WaitGroup is reused before previous Wait has returned");
    T_REPORT_HAS(&r, "goroutine 2 [running]:");
    t_free(&r);
    /* Sweep the adder's Add around the releasing Done: those in its window panic. */
    int hits = 0, oks = 0;
    for (int64_t off = -100; off <= 100; off += 2) {
        t_wg_race_offset_ns = off;
        t_run_seed(&r, "test_wg_race", 4, 22, 1, false);
        if (r.res.outcome == GMP_OUTCOME_PANIC) {
            ck_assert_str_eq(r.res.message, "panic: sync: WaitGroup misuse: Add called concurrently with Wait");
            hits++;
        } else {
            /* After the window the adder's Add from zero is still unordered with the
             * Wait: only the race detector sees it (Add reads wg.sema, Wait wrote it). */
            ck_assert_msg(r.res.outcome == GMP_OUTCOME_OK || r.res.outcome == GMP_OUTCOME_RACE, "offset %lld: %s",
                          (long long)off, r.res.message);
            oks++;
        }
        t_free(&r);
    }
    ck_assert_int_gt(hits, 0);
    ck_assert_int_gt(oks, hits);
}
END_TEST

START_TEST(test_waitgroup_wait_reason) {
    t_run r;
    t_run1(&r, "test_wg_deadlock", 1, 24);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    T_REPORT_HAS(&r, "goroutine 1 [sync.WaitGroup.Wait]:");
    t_free(&r);
    t_run1(&r, "test_wg_deadlock", 1, 23);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    T_REPORT_HAS(&r, "goroutine 1 [semacquire]:");
    t_free(&r);
}
END_TEST

/* [SECTION] Cond */

typedef struct {
    gmp_mutex mu;
    gmp_cond cond;
    gmp_var ready;
    gmp_waitgroup wg;
    int64_t id;
} t_cond_args;

static void t_cond_waiter(void *argp) {
    t_cond_args *a = argp;
    gmp_mutex_lock(a->mu);
    int64_t seen = gmp_load(a->ready);
    while (gmp_load(a->ready) == seen) gmp_cond_wait(a->cond);
    gmp_printf("w%lld\n", (long long)a->id);
    gmp_mutex_unlock(a->mu);
    gmp_waitgroup_done(a->wg);
}

static t_cond_args t_cond_setup(int n) {
    t_cond_args a = {.mu = gmp_mutex_new(), .ready = gmp_new_var("ready", 0), .wg = gmp_waitgroup_new()};
    a.cond = gmp_cond_new(a.mu);
    gmp_waitgroup_add(a.wg, n);
    for (a.id = 1; a.id <= n; a.id++) {
        GMP_GO(t_cond_waiter, a);
        t_settle(); /* each waiter parks in Wait, in order: tickets 0, 1, 2 */
    }
    return a;
}

static void t_cond_signal_main(void *argp) {
    (void)argp;
    t_cond_args a = t_cond_setup(3);
    for (int i = 0; i < 3; i++) {
        gmp_mutex_lock(a.mu);
        gmp_store(a.ready, gmp_load(a.ready) + 1);
        gmp_cond_signal(a.cond);
        gmp_mutex_unlock(a.mu);
        t_settle();
    }
    gmp_waitgroup_wait(a.wg);
}
GMP_SCENARIO(test_cond_signal, "Cond: each Signal wakes the oldest waiter", t_cond_signal_main)

static void t_cond_broadcast_main(void *argp) {
    (void)argp;
    t_cond_args a = t_cond_setup(3);
    gmp_mutex_lock(a.mu);
    gmp_store(a.ready, 1);
    gmp_cond_broadcast(a.cond);
    gmp_mutex_unlock(a.mu);
    gmp_waitgroup_wait(a.wg);
}
GMP_SCENARIO(test_cond_broadcast, "Cond: Broadcast wakes every waiter", t_cond_broadcast_main)

static void t_cond_unlocked_main(void *argp) {
    (void)argp;
    gmp_mutex mu = gmp_mutex_new();
    gmp_cond c = gmp_cond_new(mu);
    gmp_cond_signal(c); /* no waiter: nothing happens */
    gmp_cond_broadcast(c);
    gmp_cond_wait(c); /* without holding L: L.Unlock fails */
}
GMP_SCENARIO(test_cond_unlocked, "Cond.Wait without holding L", t_cond_unlocked_main)

static void t_cond_deadlock_main(void *argp) {
    (void)argp;
    gmp_mutex mu = gmp_mutex_new();
    gmp_cond c = gmp_cond_new(mu);
    gmp_mutex_lock(mu);
    gmp_cond_wait(c);
}
GMP_SCENARIO(test_cond_deadlock, "Cond.Wait with nobody to signal", t_cond_deadlock_main)

START_TEST(test_cond_signal_order) {
    t_run r;
    t_run1(&r, "test_cond_signal", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "w1\nw2\nw3\n");
    /* Tickets 0, 1, 2 taken in order; each Signal notifies the next one. */
    int64_t t = 0;
    for (int32_t i = t_find(&r, 0, "CondWait"); i >= 0 && t < 3; i = t_find(&r, i + 1, "CondWait"))
        ck_assert_int_eq(t_int(r.ev[i], "ticket"), t++);
    int32_t n = 0;
    for (int32_t i = t_find(&r, 0, "CondNotify"); i >= 0; i = t_find(&r, i + 1, "CondNotify")) {
        ck_assert(!t_bool(r.ev[i], "all"));
        ck_assert_int_eq(t_int(r.ev[i], "woken"), 1);
        ck_assert_int_eq(t_int(r.ev[i], "notify"), ++n);
    }
    ck_assert_int_eq(n, 3);
    t_free(&r);
}
END_TEST

/* Broadcast readies the waiters in ticket order, each into the broadcaster's runnext:
 * the last one runs first, then the others from the run queue in order. */
START_TEST(test_cond_broadcast_order) {
    t_run r;
    t_run1(&r, "test_cond_broadcast", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "w3\nw1\nw2\n");
    int32_t nb = t_find(&r, 0, "CondNotify");
    ck_assert_int_ge(nb, 0);
    ck_assert(t_bool(r.ev[nb], "all"));
    ck_assert_int_eq(t_int(r.ev[nb], "woken"), 3);
    int64_t want = 2; /* waiters are goroutines 2, 3, 4 */
    for (int32_t i = t_find(&r, nb, "GoUnblock"); i >= 0 && want <= 4; i = t_find(&r, i + 1, "GoUnblock"))
        ck_assert_int_eq(t_int(r.ev[i], "g"), want++);
    ck_assert_int_eq(want, 5);
    t_free(&r);
}
END_TEST

START_TEST(test_cond_misuse) {
    t_run r;
    t_run1(&r, "test_cond_unlocked", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_str_eq(r.res.message, "fatal error: sync: unlock of unlocked mutex");
    t_free(&r);
    t_run1(&r, "test_cond_deadlock", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    T_REPORT_HAS(&r, "goroutine 1 [sync.Cond.Wait]:");
    t_free(&r);
    t_run1(&r, "test_cond_deadlock", 1, 10);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    T_REPORT_HAS(&r, "goroutine 1 [semacquire]:");
    t_free(&r);
}
END_TEST

/* [SECTION] Once */

typedef struct {
    gmp_once once;
    gmp_var runs;
    gmp_waitgroup wg;
    gmp_chan gate;
} t_once_args;

static void t_once_init(void *argp) {
    t_once_args *a = argp;
    gmp_work(10000);
    gmp_store(a->runs, gmp_load(a->runs) + 1);
}

static void t_once_caller(void *argp) {
    t_once_args *a = argp;
    gmp_once_do(a->once, t_once_init, a);
    gmp_waitgroup_done(a->wg);
}

static void t_once_main(void *argp) {
    (void)argp;
    t_once_args a = {.once = gmp_once_new(), .runs = gmp_new_var("runs", 0), .wg = gmp_waitgroup_new()};
    gmp_waitgroup_add(a.wg, 5);
    for (int i = 0; i < 5; i++) GMP_GO(t_once_caller, a);
    gmp_waitgroup_wait(a.wg);
    gmp_printf("runs=%lld\n", (long long)gmp_load(a.runs));
}
GMP_SCENARIO(test_once, "Once: five goroutines, one run", t_once_main)

static void t_once_block(void *argp) {
    t_once_args *a = argp;
    int64_t v;
    gmp_recv(a->gate, &v); /* never sent */
}

static void t_once_blocked_caller(void *argp) {
    t_once_args *a = argp;
    gmp_once_do(a->once, t_once_block, a);
}

static void t_once_concurrent_main(void *argp) {
    (void)argp;
    t_once_args a = {.once = gmp_once_new(), .gate = gmp_make_chan(sizeof(int64_t), 0)};
    GMP_GO(t_once_blocked_caller, a);
    t_settle(); /* goroutine 2 runs f, which blocks */
    gmp_once_do(a.once, t_once_block, &a);
}
GMP_SCENARIO(test_once_concurrent, "Once: a concurrent caller waits on the Once's mutex", t_once_concurrent_main)

START_TEST(test_once_runs_once) {
    for (int32_t procs = 1; procs <= 4; procs += 3) {
        t_run r;
        t_run1(&r, "test_once", procs, 22);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        T_OUT(&r, "runs=1\n");
        int32_t ran = 0, n = 0;
        for (int32_t i = t_find(&r, 0, "OnceDo"); i >= 0; i = t_find(&r, i + 1, "OnceDo"), n++)
            ran += t_bool(r.ev[i], "ran");
        ck_assert_int_eq(ran, 1);
        ck_assert_int_eq(n, 5);
        t_free(&r);
    }
}
END_TEST

START_TEST(test_once_concurrent_callers_wait) {
    t_run r;
    t_run1(&r, "test_once_concurrent", 1, 22);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    T_REPORT_HAS(&r, "goroutine 1 [sync.Mutex.Lock]:");
    T_REPORT_HAS(&r, "goroutine 2 [chan receive]:");
    T_REPORT_HAS(&r, "main.t_once_block(");
    t_free(&r);
}
END_TEST

/* [SECTION] suite */

Suite *sync_suite(void) {
    Suite *s = suite_create("sync");
    TCase *tc = tcase_create("mutex");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_mutex_mutual_exclusion);
    tcase_add_test(tc, test_mutex_trylock);
    tcase_add_test(tc, test_mutex_unlock_unlocked);
    tcase_add_test(tc, test_mutex_bad_handles);
    tcase_add_test(tc, test_mutex_wait_reason);
    tcase_add_test(tc, test_mutex_starvation_mode);
    tcase_add_test(tc, test_mutex_no_starvation_before_go19);
    tcase_add_test(tc, test_mutex_spinning);
    tcase_add_test(tc, test_mutex_lifo_requeue);
    suite_add_tcase(s, tc);
    tc = tcase_create("rwmutex");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_rwmutex_writer_preference);
    tcase_add_test(tc, test_rwmutex_exclusion);
    tcase_add_test(tc, test_rwmutex_misuse_and_try);
    suite_add_tcase(s, tc);
    tc = tcase_create("waitgroup");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_waitgroup_basic);
    tcase_add_test(tc, test_waitgroup_misuse);
    tcase_add_test(tc, test_waitgroup_wait_reason);
    suite_add_tcase(s, tc);
    tc = tcase_create("cond_once");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cond_signal_order);
    tcase_add_test(tc, test_cond_broadcast_order);
    tcase_add_test(tc, test_cond_misuse);
    tcase_add_test(tc, test_once_runs_once);
    tcase_add_test(tc, test_once_concurrent_callers_wait);
    suite_add_tcase(s, tc);
    return s;
}
