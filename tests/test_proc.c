/* tests/test_proc.c: Ms, syscalls, sysmon, preemption, netpoll and locked threads
 * (issue 4), against the runtime's proc.go (Go <= 1.25) and FIDELITY.md section 4.
 *
 * Each test runs a small scenario defined here (registered as test_proc_*; the
 * determinism suite skips test_* scenarios) with the schedule file captured in
 * memory, parses its JSON lines with cJSON and checks the events against the rules:
 *
 *  - retake: a P in _Psyscall is retaken at a sysmon wake once sysmon has seen one
 *    unchanged syscalltick (runtime.retake: `pd.syscalltick != t` records and
 *    continues); not while its run queue is empty and a P is idle or an M spins,
 *    unless 10 ms have passed since sysmon first saw the syscall;
 *  - handoffp's four outcomes (work: startm non-spinning; no spinning or idle M: a
 *    spinning M; the last running P with nobody polling: startm; else pidleput);
 *  - the exitsyscall paths (exitsyscallfast on the old P, on an idle P, exitsyscall0
 *    to the global queue and stopm), entersyscallblock's immediate handoff;
 *  - sysmon: its delay schedule (20 us, doubling after 50 idle cycles, 10 ms cap),
 *    predicted here from runtime.sysmon's loop and checked against every wake at
 *    which sysmon acted; deep sleep; which wakes reset the delay (syscallWake);
 *  - preemption at 10 ms (forcePreemptNS): async (SIGURG) from Go 1.14, the CPU
 *    time conserved across the cut; cooperative before; a runnext chain shares one
 *    time slice;
 *  - Ms: created on demand, ids counting up, sysmon is M1 with no P, netpoll
 *    waiters hold no M while blocking syscalls each hold one, the thread limit;
 *  - LockOSThread (nested counts), stoplockedm/startlockedm, timers and netpoll;
 *  - determinism of the five classroom scenarios.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "gmpsim.h"
#include "suites.h"
#include "t_run.h"

enum {
    T_US = 1000,
    T_MS = 1000 * 1000,
    T_FORCE_PREEMPT_NS = 10 * T_MS, /* forcePreemptNS */
    T_SYSMON_MIN_US = 20,           /* sysmon: idle == 0 -> delay = 20 */
    T_SYSMON_MAX_US = 10 * 1000,    /* delay capped at 10 ms */
    T_SYSMON_BACKOFF_IDLE = 50,     /* idle > 50: delay *= 2 */
};

/* [SECTION] running */

/* The shared runner (t_run.h) with the schedule; requires outcome ok. */
static void t_run_ok(t_run *r, const char *name, int32_t procs, int32_t go_minor, uint64_t seed) {
    t_run_seed(r, name, procs, go_minor, seed, true);
    T_OUTCOME(r, GMP_OUTCOME_OK);
}

/* [SECTION] reading events */

static bool t_has(const cJSON *o, const char *key) {
    return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The number under key, or def when the event has none. */
static int64_t t_int_or(const cJSON *o, const char *key, int64_t def) {
    return t_has(o, key) ? t_int(o, key) : def;
}

static int64_t t_t(const cJSON *o) {
    return t_int(o, "t");
}

/* The "why" contains sub. */
static bool t_why(const cJSON *o, const char *sub) {
    const char *w = t_str(o, "why");
    return w != NULL && strstr(w, sub) != NULL;
}

/* The next event of kind ev about goroutine g (its "g" field). */
static int32_t t_find_g(const t_run *r, int32_t from, const char *ev, int64_t g) {
    for (int32_t i = from < 0 ? 0 : from; i < r->ev_count; i++)
        if (t_is(r->ev[i], ev) && t_int_or(r->ev[i], "g", -1) == g) return i;
    return -1;
}

/* The next event of kind ev whose why contains sub. */
static int32_t t_find_why(const t_run *r, int32_t from, const char *ev, const char *sub) {
    for (int32_t i = from < 0 ? 0 : from; i < r->ev_count; i++)
        if (t_is(r->ev[i], ev) && t_why(r->ev[i], sub)) return i;
    return -1;
}

/* [SECTION] sysmon's delay schedule, predicted from runtime.sysmon
 *
 *   for {
 *       if idle == 0 { delay = 20 } else if idle > 50 { delay *= 2 }
 *       if delay > 10*1000 { delay = 10 * 1000 }
 *       usleep(delay)
 *       ...
 *       if retake(now) != 0 { idle = 0 } else { idle++ }
 *   }
 *
 * The first wake is the sysmon M's runs_at (newm's latency plus the first 20 us).
 * retake returns the number of Ps taken from syscalls: the ProcSteal events; a
 * preemption does not count. Valid while no deep sleep happened. */

enum { T_WAKES_MAX = 8192 };

typedef struct t_wakes {
    int64_t t[T_WAKES_MAX];
    int32_t n;
} t_wakes;

static int64_t t_sysmon_first_wake(const t_run *r) {
    for (int32_t i = 0; i < r->ev_count; i++) {
        const cJSON *o = r->ev[i];
        if (t_is(o, "MStart") && t_int(o, "p") == -1 && t_why(o, "sysmon")) return t_int(o, "runs_at");
    }
    ck_abort_msg("no MStart for the sysmon M");
    return -1;
}

static bool t_steal_at(const t_run *r, int64_t t) {
    for (int32_t i = 0; i < r->ev_count; i++)
        if (t_is(r->ev[i], "ProcSteal") && t_t(r->ev[i]) == t) return true;
    return false;
}

/* The wakes up to until_ns; a wake with a ProcSteal resets idle. */
static void t_sysmon_predict(const t_run *r, int64_t until_ns, t_wakes *w) {
    int64_t t = t_sysmon_first_wake(r);
    int64_t idle = 0, delay_us = T_SYSMON_MIN_US;
    w->n = 0;
    while (t <= until_ns) {
        ck_assert_int_lt(w->n, T_WAKES_MAX);
        w->t[w->n++] = t;
        idle = t_steal_at(r, t) ? 0 : idle + 1;
        if (idle == 0) delay_us = T_SYSMON_MIN_US;
        else if (idle > T_SYSMON_BACKOFF_IDLE) delay_us *= 2;
        if (delay_us > T_SYSMON_MAX_US) delay_us = T_SYSMON_MAX_US;
        t += delay_us * T_US;
    }
}

static bool t_is_wake(const t_wakes *w, int64_t t) {
    for (int32_t i = 0; i < w->n; i++)
        if (w->t[i] == t) return true;
    return false;
}

/* The k-th predicted wake strictly after t (k = 1: the first). A wake at exactly t
 * would race the event at t: the scenarios are laid out so that none does. */
static int64_t t_wake_after(const t_wakes *w, int64_t t, int k) {
    for (int32_t i = 0; i < w->n; i++) {
        ck_assert_msg(w->t[i] != t, "a sysmon wake at exactly t=%lld: the scenario is ambiguous", (long long)t);
        if (w->t[i] > t && --k == 0) return w->t[i];
    }
    ck_abort_msg("no predicted sysmon wake after t=%lld", (long long)t);
    return -1;
}

/* An event sysmon emits (it acts at a wake): Preempt, ProcSteal and Sysmon. */
static bool t_sysmon_event(const cJSON *o) {
    return t_is(o, "Preempt") || t_is(o, "ProcSteal") || t_is(o, "Sysmon");
}

/* Every sysmon action up to until_ns happened at a predicted wake. */
static void t_check_sysmon_times(const t_run *r, const t_wakes *w, int64_t until_ns) {
    for (int32_t i = 0; i < r->ev_count; i++) {
        const cJSON *o = r->ev[i];
        if (!t_sysmon_event(o) || t_t(o) > until_ns) continue;
        ck_assert_msg(t_is_wake(w, t_t(o)),
                      "%s at t=%lld is not at a sysmon wake of the runtime's delay schedule (20us x51, then doubling, "
                      "capped at 10ms)",
                      t_str(o, "ev"), (long long)t_t(o));
    }
}

/* [SECTION] scenarios: parameters are set by the test before gmp_run */

static int64_t t_param_work_ns;    /* CPU before the syscall under test */
static int64_t t_param_syscall_ns; /* its duration */
static int64_t t_param_count;      /* how many goroutines */

typedef struct {
    int64_t id;
    int64_t ns;
    gmp_chan done;
} t_args;

static void t_worker(void *argp) {
    t_args *a = argp;
    gmp_work(a->ns);
    gmp_send(a->done, &a->id);
}

static void t_sleeper_io(void *argp) {
    t_args *a = argp;
    gmp_io_wait(a->ns);
    gmp_send(a->done, &a->id);
}

static void t_blocker(void *argp) {
    t_args *a = argp;
    gmp_syscall_block(a->ns);
    gmp_send(a->done, &a->id);
}

/* main: a 1 us syscall first (P0's syscalltick becomes 1, before sysmon's first
 * wake at 40 us, so sysmon has recorded 0 for it), then CPU, then the syscall. */
static void t_retake_main(void *argp) {
    (void)argp;
    gmp_syscall(1 * T_US);
    gmp_work(t_param_work_ns);
    gmp_syscall(t_param_syscall_ns);
    gmp_printf("done\n");
}
GMP_SCENARIO(test_proc_retake, "a syscall on a P that had one before, after some CPU", t_retake_main)

/* The very first syscall on P0: p.syscalltick and sysmon's record are both 0. */
static void t_retake_first_main(void *argp) {
    (void)argp;
    gmp_work(t_param_work_ns);
    gmp_syscall(t_param_syscall_ns);
}
GMP_SCENARIO(test_proc_retake_first, "the first syscall on P0", t_retake_first_main)

/* main queues a 1 ms worker in its runnext, then makes a syscall. */
static void t_retake_work_main(void *argp) {
    (void)argp;
    gmp_syscall(1 * T_US);
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 1);
    t_args w = {.id = 1, .ns = 1 * T_MS, .done = done};
    GMP_GO(t_worker, w);
    gmp_syscall(t_param_syscall_ns);
    gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_retake_work, "a syscall with a worker queued on the P", t_retake_work_main)

/* entersyscallblock with a worker queued. */
static void t_block_work_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 1);
    t_args w = {.id = 1, .ns = 100 * T_US, .done = done};
    GMP_GO(t_worker, w);
    gmp_syscall_block(1 * T_MS);
    gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_block_work, "entersyscallblock with a worker queued", t_block_work_main)

/* entersyscallblock alone. */
static void t_block_alone_main(void *argp) {
    (void)argp;
    gmp_work(100 * T_US);
    gmp_syscall_block(1 * T_MS);
    gmp_work(100 * T_US);
}
GMP_SCENARIO(test_proc_block_alone, "entersyscallblock with nothing else to run", t_block_alone_main)

/* entersyscallblock while another P runs a hog and a third is idle. */
static void t_block_busy_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 1);
    t_args w = {.id = 1, .ns = 5 * T_MS, .done = done};
    GMP_GO(t_worker, w);
    gmp_work(300 * T_US); /* a spinning M steals the hog; the next spinner gives up */
    gmp_syscall_block(1 * T_MS);
    gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_block_busy, "entersyscallblock with a busy P and an idle P", t_block_busy_main)

/* Two short syscalls: both exit on the fast path. */
static void t_fast_main(void *argp) {
    (void)argp;
    gmp_syscall(5 * T_US);
    gmp_work(10 * T_US);
    gmp_syscall(5 * T_US);
}
GMP_SCENARIO(test_proc_exit_fast, "short syscalls", t_fast_main)

/* The syscall outlives the P: exitsyscall0 finds no P while a 2 ms worker runs. */
static void t_exit_nop_main(void *argp) {
    (void)argp;
    gmp_syscall(1 * T_US);
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 1);
    t_args w = {.id = 1, .ns = 2 * T_MS, .done = done};
    GMP_GO(t_worker, w);
    gmp_syscall(200 * T_US);
    gmp_printf("main back\n");
    gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_exit_nop, "a syscall exits while its P runs a worker", t_exit_nop_main)

/* After a syscall that was retaken (sysmon then deep-sleeps: every P idle), main
 * computes for 30 ms. */
static void t_exit_then_hog_main(void *argp) {
    (void)argp;
    gmp_syscall(1 * T_US);
    gmp_syscall(t_param_syscall_ns);
    gmp_printf("back\n");
    gmp_work(30 * T_MS);
}
GMP_SCENARIO(test_proc_exit_then_hog, "a long syscall, then 30 ms of CPU", t_exit_then_hog_main)

/* sysmon's delay reaches 10 ms, every P idles on network I/O (deep sleep: no timer),
 * then main's syscall wakes sysmon. */
static void t_syscall_wake_main(void *argp) {
    (void)argp;
    gmp_syscall(1 * T_US);
    gmp_work(30 * T_MS);
    gmp_io_wait(25 * T_MS);
    gmp_printf("io done\n");
    gmp_syscall(20 * T_MS);
}
GMP_SCENARIO(test_proc_syscall_wake, "a syscall wakes sysmon from deep sleep", t_syscall_wake_main)

/* The same with a timer: sysmon's deep sleep ends by timeout at the timer. */
static void t_timer_wake_main(void *argp) {
    (void)argp;
    gmp_syscall(1 * T_US);
    gmp_work(30 * T_MS);
    gmp_sleep(25 * T_MS);
    gmp_printf("slept\n");
    gmp_work(1 * T_MS);
    gmp_syscall(50 * T_MS);
}
GMP_SCENARIO(test_proc_timer_wake, "sysmon's deep sleep ends at a timer", t_timer_wake_main)

/* main sleeps (every P idle: sysmon deep-sleeps until the timer), then starts a
 * goroutine and computes 50 ms: sysmon must be awake to preempt it. */
static void t_sleep_then_hog_main(void *argp) {
    (void)argp;
    gmp_sleep(25 * T_MS);
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 1);
    t_args w = {.id = 1, .ns = 1 * T_US, .done = done};
    GMP_GO(t_worker, w);
    gmp_work(50 * T_MS);
    gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_sleep_then_hog, "a timer wakes main, which then hogs its P", t_sleep_then_hog_main)

/* Preemption: a hog (50 ms in one gmp_work) and a short goroutine on one P. */
static void t_hog(void *argp) {
    t_args *a = argp;
    gmp_work(a->ns);
    gmp_printf("hog done\n");
    gmp_send(a->done, &a->id);
}

/* Two Goscheds: the first comes straight back (schedtick 0: the %61 global check),
 * the second lets the hog (local queue) start while this one waits globally. */
static void t_short(void *argp) {
    t_args *a = argp;
    gmp_gosched();
    gmp_gosched();
    gmp_printf("short runs\n");
    gmp_send(a->done, &a->id);
}

/* The hog (goroutine 2) runs while the short one (3) waits in the global queue. */
static void t_preempt2_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 2);
    t_args h = {.id = 1, .ns = 50 * T_MS, .done = done};
    t_args s = {.id = 2, .ns = 0, .done = done};
    GMP_GO(t_hog, h);   /* local queue once the next one takes runnext */
    GMP_GO(t_short, s);
    gmp_recv(done, NULL);
    gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_preempt, "a 50 ms hog and a short goroutine on one P", t_preempt2_main)

/* A ping-pong of two goroutines through runnext, 1 ms of CPU per turn: no single G
 * runs 10 ms, but they share one schedtick. */
typedef struct {
    gmp_chan in, out, done;
} t_pp_args;

static void t_pinger(void *argp) {
    t_pp_args *a = argp;
    int64_t v = 0;
    for (int i = 0; i < 40; i++) {
        gmp_work(1 * T_MS);
        gmp_send(a->out, &v);
        gmp_recv(a->in, &v);
    }
    gmp_send(a->done, &v);
}

static void t_ponger(void *argp) {
    t_pp_args *a = argp;
    int64_t v = 0;
    for (int i = 0; i < 40; i++) {
        gmp_recv(a->in, &v);
        gmp_work(1 * T_MS);
        gmp_send(a->out, &v);
    }
    gmp_send(a->done, &v);
}

static void t_pingpong_main(void *argp) {
    (void)argp;
    gmp_chan ab = gmp_make_chan(sizeof(int64_t), 0), ba = gmp_make_chan(sizeof(int64_t), 0);
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 3);
    t_pp_args p = {.in = ba, .out = ab, .done = done}, q = {.in = ab, .out = ba, .done = done};
    t_args s = {.id = 3, .done = done};
    GMP_GO(t_ponger, q);
    GMP_GO(t_pinger, p);
    GMP_GO(t_short, s);
    for (int i = 0; i < 3; i++) gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_pingpong, "two goroutines alternate through runnext, 1 ms each", t_pingpong_main)

/* 100 goroutines waiting for network I/O, or in blocking syscalls. */
static void t_many_io_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), (int64_t)t_param_count);
    for (int64_t i = 0; i < t_param_count; i++) {
        t_args a = {.id = i, .ns = 1 * T_MS + i * T_US, .done = done};
        GMP_GO(t_sleeper_io, a);
    }
    for (int64_t i = 0; i < t_param_count; i++) gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_many_io, "goroutines parked in IO wait", t_many_io_main)

static void t_many_block_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), (int64_t)t_param_count);
    for (int64_t i = 0; i < t_param_count; i++) {
        t_args a = {.id = i, .ns = t_param_syscall_ns, .done = done};
        GMP_GO(t_blocker, a);
    }
    for (int64_t i = 0; i < t_param_count; i++) gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_many_block, "goroutines in blocking syscalls", t_many_block_main)

/* main lets a reader park in IO wait (1 ms), then computes 30 ms on the only P:
 * nobody polls, so sysmon does once the last poll is 10 ms old. */
static void t_sysmon_poll_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 1);
    t_args a = {.id = 1, .ns = 1 * T_MS, .done = done};
    GMP_GO(t_sleeper_io, a);
    gmp_sleep(10 * T_US); /* the reader parks; this M polls until the timer */
    gmp_work(30 * T_MS);
    gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_sysmon_poll, "an I/O waiter while the only P computes", t_sysmon_poll_main)

/* [SECTION] scenarios: LockOSThread */

static void t_lock_child(void *argp) {
    t_args *a = argp;
    for (int64_t i = 0; i < 3; i++) {
        gmp_work(20 * T_US);
        gmp_send(a->done, &i);
    }
}

/* main locked (Lock twice, Unlock once: still locked in Go 1.10+), then blocks
 * three times on a channel fed by a child. */
static void t_lock_nested_main(void *argp) {
    (void)argp;
    gmp_lock_os_thread();
    gmp_lock_os_thread();
    gmp_unlock_os_thread(); /* lockedExt 2 -> 1: still wired */
    gmp_chan c = gmp_make_chan(sizeof(int64_t), 0);
    t_args a = {.id = 1, .done = c};
    GMP_GO(t_lock_child, a);
    for (int i = 0; i < 3; i++) gmp_recv(c, NULL);
    gmp_unlock_os_thread();
}
GMP_SCENARIO(test_proc_lock_nested, "LockOSThread twice, UnlockOSThread once, then block", t_lock_nested_main)

/* A goroutine locks its thread and exits locked: its M exits (mexit). */
static void t_lock_exit_child(void *argp) {
    t_args *a = argp;
    gmp_lock_os_thread();
    gmp_work(10 * T_US);
    gmp_send(a->done, &a->id);
}

static void t_lock_exit_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 1);
    t_args a = {.id = 1, .done = done};
    GMP_GO(t_lock_exit_child, a);
    gmp_recv(done, NULL);
    gmp_work(100 * T_US);
}
GMP_SCENARIO(test_proc_lock_exit, "a goroutine exits while locked to its thread", t_lock_exit_main)

/* main locked makes a syscall that outlives its P (a 2 ms worker runs there): on
 * exit there is no P, so exitsyscall0 queues main globally and, main being locked,
 * its M waits in stoplockedm for startlockedm. */
static void t_lock_syscall_main(void *argp) {
    (void)argp;
    gmp_lock_os_thread();
    gmp_syscall(1 * T_US);
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 1);
    t_args w = {.id = 1, .ns = 2 * T_MS, .done = done};
    GMP_GO(t_worker, w);
    gmp_syscall(200 * T_US);
    gmp_printf("main back from the syscall\n");
    gmp_recv(done, NULL);
    gmp_unlock_os_thread();
}
GMP_SCENARIO(test_proc_lock_syscall, "a locked goroutine's syscall exits with no P", t_lock_syscall_main)

/* [SECTION] scenarios: timers and netpoll */

static void t_sleep0_main(void *argp) {
    (void)argp;
    gmp_sleep(0);
    gmp_sleep(-5);
    gmp_printf("after sleep(0) at %lld\n", (long long)gmp_now_ns());
}
GMP_SCENARIO(test_proc_sleep0, "time.Sleep(0) and a negative duration", t_sleep0_main)

static void t_sleepy(void *argp) {
    t_args *a = argp;
    gmp_work(a->id * 7 * T_US);
    gmp_sleep(a->ns);
    gmp_work(10 * T_US);
    gmp_send(a->done, &a->id);
}

/* Sleepers of various durations, spread over the Ps. */
static void t_sleepers_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 8);
    for (int64_t i = 1; i <= 8; i++) {
        t_args a = {.id = i, .ns = i * 150 * T_US, .done = done};
        GMP_GO(t_sleepy, a);
    }
    for (int i = 0; i < 8; i++) gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_sleepers, "eight goroutines sleep for different durations", t_sleepers_main)

/* Network waits of various durations, with a CPU-bound goroutine keeping a P busy. */
static void t_io_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 8);
    t_args h = {.id = 0, .ns = 3 * T_MS, .done = done};
    GMP_GO(t_worker, h);
    for (int64_t i = 1; i <= 6; i++) {
        t_args a = {.id = i, .ns = i * 230 * T_US, .done = done};
        GMP_GO(t_sleeper_io, a);
    }
    for (int i = 0; i < 7; i++) gmp_recv(done, NULL);
}
GMP_SCENARIO(test_proc_io, "six network waits and a CPU-bound goroutine", t_io_main)

/* [SECTION] Ms */

/* The sysmon M is M1 (runtime.main's newm(sysmon) right after M0), holds no P, and
 * acts alone: every ProcSteal is its; new Ms get ids counting up. */
START_TEST(test_proc_sysmon_is_m1_and_ids_count_up) {
    t_param_work_ns = 500 * T_US;
    t_param_syscall_ns = 5 * T_MS;
    t_run r;
    t_run_ok(&r, "test_proc_retake", 1, 22, 1);
    int32_t first = t_find(&r, 0, "MStart");
    ck_assert_int_ge(first, 0);
    ck_assert_int_eq(t_int(r.ev[first], "m"), 1);
    ck_assert_int_eq(t_int(r.ev[first], "p"), -1);
    ck_assert(t_bool(r.ev[first], "new"));
    ck_assert(t_why(r.ev[first], "sysmon"));
    ck_assert_int_ge(t_count(&r, "ProcSteal"), 1);
    for (int32_t i = 0; i < r.ev_count; i++) {
        const cJSON *o = r.ev[i];
        if (t_is(o, "ProcStart") || t_is(o, "GoStart") || t_is(o, "GoSyscallBegin"))
            ck_assert_msg(t_int(o, "m") != 1, "the sysmon M ran a P or a G (event %d)", i);
        if (t_is(o, "ProcSteal") || t_is(o, "Sysmon")) ck_assert_int_eq(t_int(o, "m"), 1);
    }
    t_free(&r);

    /* 30 blocking syscalls at once: new Ms come as 2, 3, 4, ... in order. */
    t_param_count = 30;
    t_param_syscall_ns = 2 * T_MS;
    t_run_ok(&r, "test_proc_many_block", 2, 22, 3);
    int64_t next = 1;
    for (int32_t i = 0; i < r.ev_count; i++) {
        const cJSON *o = r.ev[i];
        if (!t_is(o, "MStart") || !t_bool(o, "new")) continue;
        ck_assert_msg(t_int(o, "m") == next, "a new M is M%lld, want M%lld (ids count up from M0)",
                      (long long)t_int(o, "m"), (long long)next);
        next++;
    }
    ck_assert_int_ge(next, 30);
    t_free(&r);
}
END_TEST

static int32_t t_new_ms(const t_run *r) {
    int32_t n = 0;
    for (int32_t i = 0; i < r->ev_count; i++)
        if (t_is(r->ev[i], "MStart") && t_bool(r->ev[i], "new")) n++;
    return n;
}

/* Netpoll waiters hold no M: 100 goroutines in IO wait need a handful of threads;
 * 100 goroutines in blocking syscalls hold one thread each (mcount > 100). */
START_TEST(test_proc_thread_count_io_vs_syscall) {
    t_param_count = 100;
    t_run r;
    t_run_ok(&r, "test_proc_many_io", 4, 22, 1);
    int32_t ms = 1 + t_new_ms(&r); /* M0 + the new ones (sysmon included) */
    ck_assert_msg(ms <= 4 + 3, "100 IO waiters made %d Ms (want about GOMAXPROCS + sysmon)", ms);
    ck_assert_int_eq(t_count(&r, "GoSyscallBegin"), 0);
    int32_t blocks = 0;
    for (int32_t i = 0; i < r.ev_count; i++)
        if (t_is(r.ev[i], "GoBlock") && strcmp(t_str(r.ev[i], "reason"), "IO wait") == 0) blocks++;
    ck_assert_int_eq(blocks, 100);
    t_free(&r);

    t_param_syscall_ns = 5 * T_MS;
    t_run_ok(&r, "test_proc_many_block", 4, 22, 1);
    ms = 1 + t_new_ms(&r);
    ck_assert_msg(ms >= 100 + 2, "100 overlapping blocking syscalls made only %d Ms", ms);
    t_free(&r);
}
END_TEST

/* sched.maxmcount = 10000: runtime.checkmcount prints "runtime: program exceeds
 * 10000-thread limit" and throws "thread exhaustion". That ends the run (a fatal
 * error of the simulated program), it is not an internal error of the simulator. */
START_TEST(test_proc_thread_limit) {
    t_param_count = 10000;
    t_param_syscall_ns = 10LL * 1000 * T_MS;
    gmp_options opt;
    t_options(&opt, 1, 22, 1);
    opt.stack_size_bytes = 16384;
    t_run r;
    t_run_opt(&r, "test_proc_many_block", &opt, false);
    ck_assert_msg(r.res.outcome != GMP_OUTCOME_OK, "10002 threads did not hit the 10000-thread limit");
    const char *text = r.res.report ? r.res.report : r.res.message;
    ck_assert_msg(strstr(text, "thread exhaustion") != NULL || strstr(text, "10000-thread limit") != NULL,
                  "the limit's message is not the runtime's: %s", r.res.message);
    t_free(&r);
}
END_TEST

/* [SECTION] retake */

static int32_t t_syscall_begin(const t_run *r, int64_t dur) {
    for (int32_t i = 0; i < r->ev_count; i++)
        if (t_is(r->ev[i], "GoSyscallBegin") && t_int(r->ev[i], "dur") == dur) return i;
    ck_abort_msg("no GoSyscallBegin of %lld ns", (long long)dur);
    return -1;
}

/* The ProcSteal events in (from, to]. */
static int32_t t_steals_in(const t_run *r, int64_t from, int64_t to, int32_t *first) {
    int32_t n = 0;
    *first = -1;
    for (int32_t i = 0; i < r->ev_count; i++) {
        if (!t_is(r->ev[i], "ProcSteal")) continue;
        int64_t t = t_t(r->ev[i]);
        if (t > from && t <= to) {
            if (n++ == 0) *first = i;
        }
    }
    return n;
}

/* A P in a syscall is retaken at the sysmon wake after the one that recorded its
 * syscalltick (retake: `pd.syscalltick != t` records and continues), so at least
 * 20 us after the syscall began, whatever sysmon's delay is by then: its 20 us
 * phase (500 us in), its doubling phase (3 ms) and its 10 ms cap (40 ms, with
 * preemptions on the way, which do not reset sysmon's idle count). With GOMAXPROCS
 * 1 there is no idle P, so the empty run queue does not protect the P; handoffp then
 * finds no work and nmspinning+npidle == 0: a spinning M. */
START_TEST(test_proc_retake_after_one_sysmon_tick) {
    static const int64_t works[] = {500 * T_US, 3 * T_MS, 40 * T_MS};
    for (size_t k = 0; k < sizeof works / sizeof works[0]; k++) {
        t_param_work_ns = works[k];
        t_param_syscall_ns = 50 * T_MS;
        t_run r;
        t_run_ok(&r, "test_proc_retake", 1, 22, 1);
        int32_t b = t_syscall_begin(&r, t_param_syscall_ns);
        int64_t T = t_t(r.ev[b]);
        t_wakes w;
        t_sysmon_predict(&r, T + t_param_syscall_ns, &w);
        int32_t si;
        ck_assert_int_eq(t_steals_in(&r, 0, T, &si), 0);
        ck_assert_int_ge(t_steals_in(&r, T, T + t_param_syscall_ns, &si), 1);
        int64_t want = t_wake_after(&w, T, 2);
        ck_assert_msg(t_t(r.ev[si]) == want,
                      "work %lld: syscall at %lld retaken at %lld, want %lld (the second sysmon wake after it)",
                      (long long)works[k], (long long)T, (long long)t_t(r.ev[si]), (long long)want);
        ck_assert_int_ge(t_t(r.ev[si]) - T, T_SYSMON_MIN_US * T_US);
        ck_assert_int_eq(t_int(r.ev[si], "p"), 0);
        t_check_sysmon_times(&r, &w, t_t(r.ev[si]));
        /* handoffp: no work, nmspinning+npidle == 0: startm(pp, spinning=true). */
        int32_t ms = t_find(&r, si, "MStart");
        ck_assert_int_ge(ms, 0);
        ck_assert_int_eq(t_t(r.ev[ms]), t_t(r.ev[si]));
        ck_assert_int_eq(t_int(r.ev[ms], "p"), 0);
        ck_assert(t_bool(r.ev[ms], "spinning"));
        ck_assert(t_why(r.ev[ms], "handoffp"));
        /* The syscall returns to a P that is not its own any more. */
        int32_t e = t_find_g(&r, b, "GoSyscallEnd", 1);
        ck_assert_int_ge(e, 0);
        ck_assert(!t_why(r.ev[e], "reacquired"));
        t_free(&r);
    }
}
END_TEST

/* The first syscall ever on a P: p.syscalltick is 0 and so is sysmon's record of it
 * (pd.syscalltick), so retake's "record and continue" does not fire and the P is
 * retaken at the first sysmon wake that sees it (runtime behaviour, not a bug). */
START_TEST(test_proc_retake_first_syscall_needs_no_tick) {
    t_param_work_ns = 500 * T_US;
    t_param_syscall_ns = 5 * T_MS;
    t_run r;
    t_run_ok(&r, "test_proc_retake_first", 1, 22, 1);
    int32_t b = t_syscall_begin(&r, t_param_syscall_ns);
    int64_t T = t_t(r.ev[b]);
    t_wakes w;
    t_sysmon_predict(&r, T + t_param_syscall_ns, &w);
    int32_t si;
    ck_assert_int_ge(t_steals_in(&r, T, T + t_param_syscall_ns, &si), 1);
    ck_assert_int_eq(t_t(r.ev[si]), t_wake_after(&w, T, 1));
    t_free(&r);
}
END_TEST

/* GOMAXPROCS 2, P1 idle, nothing queued: retake leaves the P in its syscall while
 * `runqempty(pp) && nmspinning+npidle > 0 && pd.syscallwhen+10ms > now`; syscallwhen
 * is the wake that recorded the tick. */
START_TEST(test_proc_retake_spared_while_idle_p_for_10ms) {
    t_param_work_ns = 0;
    t_param_syscall_ns = 30 * T_MS;
    t_run r;
    t_run_ok(&r, "test_proc_retake", 2, 22, 1);
    int32_t b = t_syscall_begin(&r, t_param_syscall_ns);
    int64_t T = t_t(r.ev[b]);
    t_wakes w;
    t_sysmon_predict(&r, T + t_param_syscall_ns, &w);
    int64_t syscallwhen = t_wake_after(&w, T, 1);
    int64_t want = -1;
    for (int32_t i = 0; i < w.n && want < 0; i++)
        if (w.t[i] >= syscallwhen + T_FORCE_PREEMPT_NS) want = w.t[i];
    ck_assert_int_gt(want, 0);
    int32_t si;
    ck_assert_int_eq(t_steals_in(&r, T, want - 1, &si), 0);
    ck_assert_int_ge(t_steals_in(&r, T, T + t_param_syscall_ns, &si), 1);
    ck_assert_msg(t_t(r.ev[si]) == want, "retaken at %lld, want %lld (first wake 10ms after %lld)",
                  (long long)t_t(r.ev[si]), (long long)want, (long long)syscallwhen);
    ck_assert(t_why(r.ev[si], "10ms"));
    t_check_sysmon_times(&r, &w, want);
    t_free(&r);
}
END_TEST

/* Work queued on the P: retaken after one tick, and handoffp starts a non-spinning
 * M for it (`!runqempty(pp)`: startm(pp, false)), which runs the worker. */
START_TEST(test_proc_retake_with_work_queued) {
    t_param_syscall_ns = 500 * T_US;
    t_run r;
    t_run_ok(&r, "test_proc_retake_work", 1, 22, 1);
    int32_t b = t_syscall_begin(&r, t_param_syscall_ns);
    int64_t T = t_t(r.ev[b]);
    t_wakes w;
    t_sysmon_predict(&r, T + t_param_syscall_ns, &w);
    int32_t si;
    ck_assert_int_ge(t_steals_in(&r, T, T + t_param_syscall_ns, &si), 1);
    ck_assert_int_eq(t_t(r.ev[si]), t_wake_after(&w, T, 2));
    ck_assert(t_why(r.ev[si], "work queued"));
    int32_t ms = t_find(&r, si, "MStart");
    ck_assert_int_ge(ms, 0);
    ck_assert_int_eq(t_t(r.ev[ms]), t_t(r.ev[si]));
    ck_assert(!t_bool(r.ev[ms], "spinning"));
    ck_assert(t_why(r.ev[ms], "has work"));
    int64_t m = t_int(r.ev[ms], "m");
    int32_t gs = t_find_g(&r, ms, "GoStart", 2);
    ck_assert_int_ge(gs, 0);
    ck_assert_int_eq(t_int(r.ev[gs], "m"), m);
    ck_assert_int_eq(t_t(r.ev[gs]), t_int(r.ev[ms], "runs_at"));
    t_free(&r);
}
END_TEST

/* [SECTION] entersyscallblock and handoffp */

/* entersyscallblock: handoffp(releasep()) at once, at the syscall's instant; sysmon
 * never has to retake. Returns the index of what handoffp did (MStart or ProcIdle). */
static int32_t t_check_block_handoff(const t_run *r) {
    int32_t b = t_find(r, 0, "GoSyscallBegin");
    ck_assert_int_ge(b, 0);
    ck_assert(t_bool(r->ev[b], "blocking"));
    int64_t T = t_t(r->ev[b]);
    int32_t ps = t_find(r, b, "ProcStop");
    ck_assert_int_ge(ps, 0);
    ck_assert_int_eq(t_t(r->ev[ps]), T);
    ck_assert_int_eq(t_int(r->ev[ps], "m"), t_int(r->ev[b], "m"));
    ck_assert_int_eq(t_int(r->ev[ps], "p"), t_int(r->ev[b], "p"));
    ck_assert_int_eq(t_count(r, "ProcSteal"), 0);
    for (int32_t i = ps + 1; i < r->ev_count && t_t(r->ev[i]) == T; i++)
        if (t_is(r->ev[i], "MStart") || t_is(r->ev[i], "ProcIdle")) {
            ck_assert_int_eq(t_int(r->ev[i], "p"), t_int(r->ev[b], "p"));
            return i;
        }
    ck_abort_msg("handoffp did neither startm nor pidleput at t=%lld", (long long)T);
    return -1;
}

/* handoffp with the P's run queue non-empty: startm(pp, false). */
START_TEST(test_proc_handoffp_work_starts_m) {
    t_run r;
    t_run_ok(&r, "test_proc_block_work", 1, 22, 1);
    int32_t h = t_check_block_handoff(&r);
    ck_assert(t_is(r.ev[h], "MStart"));
    ck_assert(!t_bool(r.ev[h], "spinning"));
    ck_assert(t_why(r.ev[h], "has work"));
    t_free(&r);
}
END_TEST

/* No work, nmspinning+npidle == 0 (GOMAXPROCS 1): startm(pp, true). */
START_TEST(test_proc_handoffp_no_idle_starts_spinning_m) {
    t_run r;
    t_run_ok(&r, "test_proc_block_alone", 1, 22, 1);
    int32_t h = t_check_block_handoff(&r);
    ck_assert(t_is(r.ev[h], "MStart"));
    ck_assert(t_bool(r.ev[h], "spinning"));
    t_free(&r);
}
END_TEST

/* No work, an idle P, and another P still running: pidleput. */
START_TEST(test_proc_handoffp_spare_capacity_idles) {
    for (uint64_t seed = 1; seed <= 5; seed++) {
        t_run r;
        t_run_ok(&r, "test_proc_block_busy", 3, 22, seed);
        int32_t h = t_check_block_handoff(&r);
        ck_assert_msg(t_is(r.ev[h], "ProcIdle"), "seed %llu: handoffp did %s, want pidleput",
                      (unsigned long long)seed, t_str(r.ev[h], "ev"));
        t_free(&r);
    }
}
END_TEST

/* No work, nobody spinning, but P1 idle and this P the last running one:
 * handoffp's `sched.npidle == gomaxprocs-1 && sched.lastpoll != 0` (nobody blocked
 * in netpoll) starts an M, startm(pp, false), whether or not any timer or I/O is
 * pending: the runtime does not look at them there. */
START_TEST(test_proc_handoffp_last_running_p_starts_m) {
    t_run r;
    t_run_ok(&r, "test_proc_block_alone", 2, 22, 1);
    int32_t h = t_check_block_handoff(&r);
    ck_assert_msg(t_is(r.ev[h], "MStart"),
                  "handoffp of the last running P (npidle == gomaxprocs-1, lastpoll != 0) did %s (%s), want "
                  "startm(pp, false)",
                  t_str(r.ev[h], "ev"), t_str(r.ev[h], "why"));
    ck_assert(!t_bool(r.ev[h], "spinning"));
    t_free(&r);
}
END_TEST

/* [SECTION] exitsyscall */

/* A syscall whose P is still _Psyscall: exitsyscallfast reacquires it (same M, same
 * P), no retake, and the G goes on at the instant the syscall ends. */
START_TEST(test_proc_exitsyscall_fast_reacquires) {
    t_run r;
    t_run_ok(&r, "test_proc_exit_fast", 1, 22, 1);
    ck_assert_int_eq(t_count(&r, "ProcSteal"), 0);
    ck_assert_int_eq(t_count(&r, "GoSyscallEndBlocked"), 0);
    int32_t n = 0;
    for (int32_t b = t_find(&r, 0, "GoSyscallBegin"); b >= 0; b = t_find(&r, b + 1, "GoSyscallBegin")) {
        int32_t e = t_find_g(&r, b, "GoSyscallEnd", 1);
        ck_assert_int_ge(e, 0);
        ck_assert(t_why(r.ev[e], "reacquired"));
        ck_assert_int_eq(t_int(r.ev[e], "m"), t_int(r.ev[b], "m"));
        ck_assert_int_eq(t_int(r.ev[e], "p"), t_int(r.ev[b], "p"));
        ck_assert_int_eq(t_t(r.ev[e]), t_t(r.ev[b]) + t_int(r.ev[b], "dur") + SIM_COST_SYSCALL_NS);
        n++;
    }
    ck_assert_int_eq(n, 2);
    t_free(&r);
}
END_TEST

/* The P was retaken and idles: exitsyscallfast takes an idle P. */
START_TEST(test_proc_exitsyscall_retaken_takes_idle_p) {
    t_param_work_ns = 0;
    t_param_syscall_ns = 15 * T_MS;
    t_run r;
    t_run_ok(&r, "test_proc_retake", 2, 22, 1);
    int32_t b = t_syscall_begin(&r, t_param_syscall_ns);
    int32_t si = t_find(&r, b, "ProcSteal");
    ck_assert_int_ge(si, 0);
    int32_t e = t_find_g(&r, b, "GoSyscallEnd", 1);
    ck_assert_int_gt(e, si);
    ck_assert(t_why(r.ev[e], "idle P"));
    ck_assert_int_eq(t_int(r.ev[e], "m"), 0);
    ck_assert_int_ge(t_int(r.ev[e], "p"), 0);
    ck_assert_int_eq(t_count(&r, "GoSyscallEndBlocked"), 0);
    t_free(&r);
}
END_TEST

/* No P at all when the syscall ends (a worker runs on the retaken P): exitsyscall0
 * puts the G on the global queue and the M stops; another M runs it later. */
START_TEST(test_proc_exitsyscall_no_p_global_queue) {
    t_run r;
    t_run_ok(&r, "test_proc_exit_nop", 1, 22, 1);
    int32_t b = t_syscall_begin(&r, 200 * T_US);
    ck_assert_int_ge(t_find(&r, b, "ProcSteal"), 0);
    int32_t e = t_find_g(&r, b, "GoSyscallEndBlocked", 1);
    ck_assert_int_ge(e, 0);
    ck_assert_int_eq(t_find_g(&r, b, "GoSyscallEnd", 1), -1);
    int64_t E = t_t(r.ev[e]);
    ck_assert_int_eq(E, t_t(r.ev[b]) + 200 * T_US + SIM_COST_SYSCALL_NS);
    int32_t q = t_find_g(&r, e, "RunqPut", 1);
    ck_assert_int_ge(q, 0);
    ck_assert_int_eq(t_t(r.ev[q]), E);
    ck_assert_str_eq(t_str(r.ev[q], "queue"), "global");
    int32_t st = t_find(&r, e, "MStop");
    ck_assert_int_ge(st, 0);
    ck_assert_int_eq(t_t(r.ev[st]), E);
    ck_assert_int_eq(t_int(r.ev[st], "m"), t_int(r.ev[e], "m"));
    int32_t gs = t_find_g(&r, e, "GoStart", 1);
    ck_assert_int_ge(gs, 0);
    ck_assert_int_ne(t_int(r.ev[gs], "m"), t_int(r.ev[e], "m"));
    T_OUT_HAS(&r, "main back");
    t_free(&r);
}
END_TEST

/* [SECTION] sysmon: deep sleep and its wake-ups */

/* The deep sleep (every P idle) is taken at a wake of the delay schedule, and it is
 * the only thing sysmon does while every P stays idle. */
START_TEST(test_proc_sysmon_deep_sleep_when_all_idle) {
    t_param_work_ns = 0;
    t_param_syscall_ns = 15 * T_MS;
    t_run r;
    t_run_ok(&r, "test_proc_retake", 2, 22, 1);
    int32_t b = t_syscall_begin(&r, t_param_syscall_ns);
    int32_t si = t_find(&r, b, "ProcSteal");
    ck_assert_int_ge(si, 0);
    /* After the retake (the P idles soon), one of sysmon's next wakes (20 us apart:
     * the retake reset idle) finds every P idle. */
    int32_t sl = t_find(&r, si, "Sysmon");
    ck_assert_int_ge(sl, 0);
    ck_assert_str_eq(t_str(r.ev[sl], "action"), "sleep");
    ck_assert_int_gt(t_t(r.ev[sl]), t_t(r.ev[si]));
    ck_assert_int_le(t_t(r.ev[sl]) - t_t(r.ev[si]), 100 * T_US);
    t_wakes w;
    t_sysmon_predict(&r, t_t(r.ev[sl]), &w);
    t_check_sysmon_times(&r, &w, t_t(r.ev[sl]));
    int32_t e = t_find_g(&r, b, "GoSyscallEnd", 1);
    ck_assert_int_ge(e, 0);
    for (int32_t i = sl + 1; i < e; i++) ck_assert_msg(!t_sysmon_event(r.ev[i]), "sysmon acted in its deep sleep");
    t_free(&r);
}
END_TEST

/* exitsyscall taking an idle P wakes a deep-sleeping sysmon (exitsyscallfast_pidle /
 * exitsyscallTryGetP: `if pp != nil && sched.sysmonwait.Load() { notewakeup(
 * &sched.sysmonnote) }`), which then preempts the 30 ms of CPU that follow. */
START_TEST(test_proc_exitsyscall_wakes_sysmon) {
    t_param_syscall_ns = 15 * T_MS;
    t_run r;
    t_run_ok(&r, "test_proc_exit_then_hog", 2, 22, 1);
    int32_t b = t_syscall_begin(&r, t_param_syscall_ns);
    int32_t e = t_find_g(&r, b, "GoSyscallEnd", 1);
    ck_assert_int_ge(e, 0);
    ck_assert(t_why(r.ev[e], "idle P"));
    int32_t sl = t_find(&r, b, "Sysmon");
    ck_assert_msg(sl >= 0 && sl < e && strcmp(t_str(r.ev[sl], "action"), "sleep") == 0,
                  "precondition: sysmon deep-sleeps during the retaken syscall");
    int64_t E = t_t(r.ev[e]);
    int32_t p = t_find_g(&r, e, "Preempt", 1);
    ck_assert_msg(p >= 0 && t_t(r.ev[p]) <= E + 2 * T_FORCE_PREEMPT_NS,
                  "main computes 30 ms after exitsyscall at %lld but sysmon, never woken, does not preempt it "
                  "(first Preempt: %lld)",
                  (long long)E, (long long)(p >= 0 ? t_t(r.ev[p]) : -1));
    t_free(&r);
}
END_TEST

/* A syscall that wakes sysmon from its deep sleep resets its delay to 20 us
 * (`syscallWake = notetsleep(...)`; `if syscallWake { idle = 0; delay = 20 }`):
 * the syscall is retaken some 20 us after it began, not a 10 ms delay later. */
START_TEST(test_proc_sysmon_syscall_wake_resets_delay) {
    t_run r;
    t_run_ok(&r, "test_proc_syscall_wake", 1, 22, 1);
    int32_t b = t_syscall_begin(&r, 20 * T_MS);
    int64_t T = t_t(r.ev[b]);
    int32_t sl = -1;
    for (int32_t i = t_find(&r, 0, "Sysmon"); i >= 0 && i < b; i = t_find(&r, i + 1, "Sysmon"))
        if (strcmp(t_str(r.ev[i], "action"), "sleep") == 0) sl = i;
    ck_assert_msg(sl >= 0, "precondition: sysmon deep-sleeps while main waits for I/O");
    int32_t si;
    ck_assert_int_ge(t_steals_in(&r, T, T + 20 * T_MS, &si), 1);
    ck_assert_msg(t_t(r.ev[si]) - T <= 100 * T_US,
                  "the syscall at %lld woke sysmon, which retook its P only at %lld: its delay was not reset to 20us",
                  (long long)T, (long long)t_t(r.ev[si]));
    t_free(&r);
}
END_TEST

/* A deep sleep that ends by timeout at a timer does not reset the delay (the runtime
 * resets idle and delay only on syscallWake, "to avoid adding system load to
 * applications that spend most of their time sleeping"): sysmon, at 10 ms before it
 * slept, goes on at 10 ms, so a syscall 1 ms after the timer is retaken no earlier
 * than 10 ms after the timer. */
START_TEST(test_proc_sysmon_timer_wake_keeps_delay) {
    t_run r;
    t_run_ok(&r, "test_proc_timer_wake", 1, 22, 1);
    int32_t b = t_syscall_begin(&r, 50 * T_MS);
    int64_t T = t_t(r.ev[b]);
    int32_t tf = -1;
    for (int32_t i = t_find(&r, 0, "TimerFire"); i >= 0 && i < b; i = t_find(&r, i + 1, "TimerFire")) tf = i;
    ck_assert_int_ge(tf, 0);
    int64_t Ts = t_t(r.ev[tf]);
    int32_t sl = t_find(&r, 0, "Sysmon");
    ck_assert_msg(sl >= 0 && sl < tf && strcmp(t_str(r.ev[sl], "action"), "sleep") == 0,
                  "precondition: sysmon deep-sleeps until the timer");
    int32_t si;
    ck_assert_int_ge(t_steals_in(&r, T, T + 50 * T_MS, &si), 1);
    ck_assert_msg(t_t(r.ev[si]) >= Ts + T_FORCE_PREEMPT_NS,
                  "timer at %lld, syscall at %lld retaken at %lld: sysmon's 10 ms delay was reset by a timer wake",
                  (long long)Ts, (long long)T, (long long)t_t(r.ev[si]));
    t_free(&r);
}
END_TEST

/* After a timer ends sysmon's deep sleep, sysmon carries on (retake, usleep(delay))
 * before it looks at npidle again; main, woken by that timer, then hogs its P with
 * another goroutine runnable: it must be preempted, whichever of sysmon and the
 * timer's M goes first at that instant. */
START_TEST(test_proc_sysmon_awake_after_timer) {
    for (uint64_t seed = 1; seed <= 8; seed++) {
        t_run r;
        t_run_ok(&r, "test_proc_sleep_then_hog", 1, 22, seed);
        int32_t u = t_find_g(&r, 0, "GoUnblock", 1);
        ck_assert_int_ge(u, 0);
        int32_t p = t_find_g(&r, u, "Preempt", 1);
        ck_assert_msg(p >= 0 && t_t(r.ev[p]) <= t_t(r.ev[u]) + 2 * T_FORCE_PREEMPT_NS + T_MS,
                      "seed %llu: main woken at %lld computes 50 ms with a goroutine waiting, never preempted: "
                      "sysmon went back to deep sleep at the timer's instant",
                      (unsigned long long)seed, (long long)t_t(r.ev[u]));
        t_free(&r);
    }
}
END_TEST

/* [SECTION] preemption */

/* The hog's CPU time: each run from GoStart (+ the schedule cost) to its GoStop
 * "preempted" or its final Print. */
static int64_t t_cpu_of(const t_run *r, int64_t g) {
    int64_t cpu = 0, start = -1;
    for (int32_t i = 0; i < r->ev_count; i++) {
        const cJSON *o = r->ev[i];
        if (t_int_or(o, "g", -1) != g) continue;
        if (t_is(o, "GoStart")) {
            ck_assert_int_eq(start, -1);
            start = t_t(o) + SIM_COST_SCHEDULE_NS;
        } else if ((t_is(o, "GoStop") || t_is(o, "Print")) && start >= 0) {
            cpu += t_t(o) - start;
            start = -1;
        }
    }
    return cpu;
}

/* Go 1.14+: sysmon sees the hog's P on one schedtick for 10 ms and preemptone sends
 * SIGURG: Preempt (async) at a sysmon wake, then GoStop "preempted" at exactly its
 * `at`, the hog to the global queue and the goroutine waiting there gets the P. The slice began
 * at the hog's GoStart; sysmon first records the tick at its next wake and preempts
 * at the first wake 10 ms after that. The hog's 50 ms are all spent in the end. */
START_TEST(test_proc_preempt_async_boundary) {
    t_run r;
    t_run_ok(&r, "test_proc_preempt", 1, 22, 1);
    int32_t gs = t_find_g(&r, 0, "GoStart", 2);
    ck_assert_int_ge(gs, 0);
    ck_assert(!t_bool(r.ev[gs], "inherit_time"));
    int64_t S = t_t(r.ev[gs]);
    int32_t p = t_find_g(&r, gs, "Preempt", 2);
    ck_assert_int_ge(p, 0);
    ck_assert(t_bool(r.ev[p], "async"));
    int64_t P = t_t(r.ev[p]), at = t_int(r.ev[p], "at");
    t_wakes w;
    t_sysmon_predict(&r, P, &w);
    t_check_sysmon_times(&r, &w, P);
    int64_t recorded = t_wake_after(&w, S, 1), want = -1;
    for (int32_t i = 0; i < w.n && want < 0; i++)
        if (w.t[i] >= recorded + T_FORCE_PREEMPT_NS) want = w.t[i];
    ck_assert_int_eq(P, want);
    ck_assert_int_ge(P - S, T_FORCE_PREEMPT_NS);
    ck_assert_int_le(P - S, 2 * T_FORCE_PREEMPT_NS);
    ck_assert_int_ge(at, P);
    ck_assert_int_le(at - S, 2 * T_FORCE_PREEMPT_NS + SIM_COST_PREEMPT_SIGNAL_NS);
    int32_t st = t_find_g(&r, p, "GoStop", 2);
    ck_assert_int_ge(st, 0);
    ck_assert_str_eq(t_str(r.ev[st], "reason"), "preempted");
    ck_assert_int_eq(t_t(r.ev[st]), at);
    int32_t q = t_find_g(&r, st, "RunqPut", 2);
    ck_assert_int_ge(q, 0);
    ck_assert_str_eq(t_str(r.ev[q], "queue"), "global");
    int32_t ng = t_find(&r, st, "GoStart");
    ck_assert_int_ge(ng, 0);
    ck_assert_msg(t_int(r.ev[ng], "g") == 3, "the waiting goroutine did not get the P when the hog was preempted");
    ck_assert_int_eq(t_cpu_of(&r, 2), 50 * T_MS);
    T_OUT_HAS(&r, "hog done");
    t_free(&r);
}
END_TEST

/* Go 1.13: preemptone only sets g.preempt; the hog keeps the P to the end of its
 * loop and stops at its next call; the other goroutine runs only after the 50 ms. */
START_TEST(test_proc_preempt_cooperative_go113) {
    t_run r;
    t_run_ok(&r, "test_proc_preempt", 1, 13, 1);
    int32_t gs = t_find_g(&r, 0, "GoStart", 2);
    ck_assert_int_ge(gs, 0);
    int64_t S = t_t(r.ev[gs]);
    int32_t p = t_find_g(&r, gs, "Preempt", 2);
    ck_assert_int_ge(p, 0);
    ck_assert(!t_bool(r.ev[p], "async"));
    int32_t st = t_find_g(&r, gs, "GoStop", 2);
    ck_assert_int_ge(st, 0);
    ck_assert_str_eq(t_str(r.ev[st], "reason"), "preempted");
    ck_assert_int_eq(t_t(r.ev[st]), S + SIM_COST_SCHEDULE_NS + 50 * T_MS);
    int32_t sg = t_find_g(&r, gs, "GoStart", 3);
    ck_assert_int_ge(sg, 0);
    ck_assert_int_ge(t_t(r.ev[sg]), S + 50 * T_MS);
    ck_assert_int_eq(t_cpu_of(&r, 2), 50 * T_MS);
    t_free(&r);
}
END_TEST

/* Goroutines run one after the other through runnext inherit the time slice (one
 * schedtick): a ping-pong of 1 ms turns is preempted once the chain has held the P
 * for 10 ms, though no single turn came close. */
START_TEST(test_proc_preempt_runnext_chain_shares_slice) {
    t_run r;
    t_run_ok(&r, "test_proc_pingpong", 1, 22, 1);
    int32_t p = t_find(&r, 0, "Preempt");
    ck_assert_int_ge(p, 0);
    int64_t g = t_int(r.ev[p], "g"), P = t_t(r.ev[p]);
    int32_t own = -1, slice = -1;
    for (int32_t i = 0; i < p; i++) {
        if (!t_is(r.ev[i], "GoStart")) continue;
        if (t_int(r.ev[i], "g") == g) own = i;
        if (!t_bool(r.ev[i], "inherit_time")) slice = i;
    }
    ck_assert_int_ge(own, 0);
    ck_assert_int_ge(slice, 0);
    ck_assert(t_bool(r.ev[own], "inherit_time"));
    ck_assert_int_lt(P - t_t(r.ev[own]), 2 * T_MS);
    ck_assert_int_ge(P - t_t(r.ev[slice]), T_FORCE_PREEMPT_NS);
    t_free(&r);
}
END_TEST

/* [SECTION] LockOSThread */

/* The classroom scenario: every run of main while locked is on its own M, that M
 * runs nothing else, each block of main parks the M (stoplockedm hands the P off)
 * and each wake goes through startlockedm. */
START_TEST(test_proc_lockosthread_wired) {
    static const int32_t procs[] = {1, 2, 4};
    for (size_t k = 0; k < 3; k++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            t_run r;
            t_run_ok(&r, "lockosthread", procs[k], 22, seed);
            int32_t l = t_find_g(&r, 0, "LockOSThread", 1);
            int32_t u = t_find_g(&r, 0, "UnlockOSThread", 1);
            ck_assert_int_ge(l, 0);
            ck_assert_int_gt(u, l);
            int64_t m = t_int(r.ev[l], "m");
            int32_t blocks = 0, starts = 0;
            for (int32_t i = l; i < u; i++) {
                const cJSON *o = r.ev[i];
                if (t_is(o, "GoStart")) {
                    if (t_int(o, "g") == 1) {
                        ck_assert_int_eq(t_int(o, "m"), m);
                        ck_assert(t_why(o, "startlockedm"));
                        starts++;
                    } else {
                        ck_assert_msg(t_int(o, "m") != m, "goroutine %lld ran on main's locked M%lld",
                                      (long long)t_int(o, "g"), (long long)m);
                    }
                }
                if (t_is(o, "GoBlock") && t_int(o, "g") == 1) {
                    blocks++;
                    int32_t s = t_find_why(&r, i, "MStop", "stoplockedm");
                    ck_assert_int_ge(s, 0);
                    ck_assert_int_eq(t_int(r.ev[s], "m"), m);
                }
            }
            ck_assert_int_ge(blocks, 1);
            ck_assert_int_eq(starts, blocks);
            t_free(&r);
        }
}
END_TEST

/* LockOSThread nests (Go 1.10+: m.lockedExt counts): after Lock, Lock, Unlock main
 * is still wired to M0, so its blocks still go through stoplockedm. */
START_TEST(test_proc_lockosthread_nested) {
    t_run r;
    t_run_ok(&r, "test_proc_lock_nested", 2, 22, 1);
    int32_t u = t_find_g(&r, 0, "UnlockOSThread", 1);
    ck_assert_int_ge(u, 0);
    int32_t b = t_find_g(&r, u, "GoBlock", 1);
    ck_assert_int_ge(b, 0);
    int32_t s = t_find_why(&r, b, "MStop", "stoplockedm");
    int32_t g = t_find_g(&r, b, "GoStart", 1);
    ck_assert_msg(s >= 0 && (g < 0 || s < g),
                  "after LockOSThread twice and UnlockOSThread once main is no longer wired to its M");
    for (int32_t i = u; i < r.ev_count; i++)
        if (t_is(r.ev[i], "GoStart") && t_int(r.ev[i], "g") == 1) ck_assert_int_eq(t_int(r.ev[i], "m"), 0);
    t_free(&r);
}
END_TEST

/* A goroutine that exits locked takes its thread with it (goexit0: gogo(&mp.g0.sched)
 * back to mstart, which exits the thread); that M never runs again. */
START_TEST(test_proc_lockosthread_exit_kills_m) {
    t_run r;
    t_run_ok(&r, "test_proc_lock_exit", 2, 22, 1);
    int32_t l = t_find_g(&r, 0, "LockOSThread", 2);
    ck_assert_int_ge(l, 0);
    int64_t m = t_int(r.ev[l], "m");
    int32_t x = t_find(&r, l, "MExit");
    ck_assert_int_ge(x, 0);
    ck_assert_int_eq(t_int(r.ev[x], "m"), m);
    for (int32_t i = x + 1; i < r.ev_count; i++)
        if (t_has(r.ev[i], "m") && !t_is(r.ev[i], "Footer"))
            ck_assert_msg(t_int(r.ev[i], "m") != m, "the exited M%lld appears again (%s)", (long long)m,
                          t_str(r.ev[i], "ev"));
    t_free(&r);
}
END_TEST

/* A locked goroutine whose syscall ends with no P: exitsyscall0 queues it globally
 * and, `locked = gp.lockedm != 0`, its M waits in stoplockedm (not stopm: it must
 * not run anything else); whoever picks main hands it over with startlockedm. */
START_TEST(test_proc_lockosthread_syscall_no_p) {
    t_run r;
    t_run_ok(&r, "test_proc_lock_syscall", 1, 22, 1);
    int32_t e = t_find_g(&r, 0, "GoSyscallEndBlocked", 1);
    ck_assert_int_ge(e, 0);
    int32_t s = t_find(&r, e, "MStop");
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(t_int(r.ev[s], "m"), 0);
    ck_assert(t_why(r.ev[s], "stoplockedm"));
    int32_t g = t_find_g(&r, e, "GoStart", 1);
    ck_assert_int_ge(g, 0);
    ck_assert_int_eq(t_int(r.ev[g], "m"), 0);
    ck_assert(t_why(r.ev[g], "startlockedm"));
    T_OUT_HAS(&r, "main back from the syscall");
    t_free(&r);
}
END_TEST

/* [SECTION] timers */

/* time.Sleep(0) (and negative) returns at once: no park, no timer, no time spent. */
START_TEST(test_proc_sleep_zero_does_not_yield) {
    t_run r;
    t_run_ok(&r, "test_proc_sleep0", 2, 22, 1);
    ck_assert_int_eq(t_count(&r, "GoBlock"), 0);
    ck_assert_int_eq(t_count(&r, "TimerArm"), 0);
    int32_t gs = t_find_g(&r, 0, "GoStart", 1);
    int32_t pr = t_find(&r, 0, "Print");
    ck_assert_int_ge(pr, 0);
    ck_assert_int_eq(t_t(r.ev[pr]), t_t(r.ev[gs]) + SIM_COST_SCHEDULE_NS);
    t_free(&r);
}
END_TEST

/* time.Sleep(d): the G parks ("sleep"), its timer goes into the heap of the P it
 * parked on, it is readied no earlier than d later, into the runnext of the P whose
 * M ran the timer. */
START_TEST(test_proc_sleep_timers_per_p) {
    static const int32_t procs[] = {1, 2, 4};
    for (size_t k = 0; k < 3; k++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            t_run r;
            t_run_ok(&r, "test_proc_sleepers", procs[k], 22, seed);
            int32_t n = 0;
            for (int32_t b = t_find(&r, 0, "GoBlock"); b >= 0; b = t_find(&r, b + 1, "GoBlock")) {
                if (strcmp(t_str(r.ev[b], "reason"), "sleep") != 0) continue;
                int64_t g = t_int(r.ev[b], "g");
                int32_t a = t_find_g(&r, b, "TimerArm", g);
                ck_assert_int_ge(a, 0);
                ck_assert_int_eq(t_int(r.ev[a], "p"), t_int(r.ev[b], "p"));
                int64_t when = t_int(r.ev[a], "when");
                /* goroutine g sleeps (g-1)*150 us (goids 2..9 from main on P0). */
                ck_assert_int_eq(when - t_t(r.ev[b]), (g - 1) * 150 * T_US);
                int32_t f = t_find_g(&r, a, "TimerFire", g);
                ck_assert_int_ge(f, 0);
                ck_assert_int_ge(t_t(r.ev[f]), when);
                int32_t u = t_find_g(&r, f, "GoUnblock", g);
                ck_assert_int_ge(u, 0);
                ck_assert_int_eq(t_t(r.ev[u]), t_t(r.ev[f]));
                int32_t q = t_find_g(&r, u, "RunqPut", g);
                ck_assert_int_ge(q, 0);
                ck_assert_str_eq(t_str(r.ev[q], "queue"), "runnext");
                ck_assert_int_eq(t_int(r.ev[q], "p"), t_int(r.ev[u], "p"));
                n++;
            }
            ck_assert_int_eq(n, 8);
            t_free(&r);
        }
}
END_TEST

/* [SECTION] netpoll */

/* gmp_io_wait(d): the G parks in "IO wait" without a syscall (its M goes on), and
 * netpoll readies it once its I/O is ready: never earlier than d later. */
START_TEST(test_proc_netpoll_readiness) {
    static const int32_t procs[] = {1, 2, 4};
    for (size_t k = 0; k < 3; k++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            t_run r;
            t_run_ok(&r, "test_proc_io", procs[k], 22, seed);
            ck_assert_int_eq(t_count(&r, "GoSyscallBegin"), 0);
            int32_t n = 0;
            for (int32_t b = t_find(&r, 0, "GoBlock"); b >= 0; b = t_find(&r, b + 1, "GoBlock")) {
                if (strcmp(t_str(r.ev[b], "reason"), "IO wait") != 0) continue;
                int64_t g = t_int(r.ev[b], "g");
                int32_t u = t_find_g(&r, b, "GoUnblock", g);
                ck_assert_int_ge(u, 0);
                ck_assert(t_why(r.ev[u], "netpoll"));
                /* goroutine g waits (g-2)*230 us (goids 3..8 from main on P0). */
                ck_assert_int_ge(t_t(r.ev[u]) - t_t(r.ev[b]), (g - 2) * 230 * T_US);
                n++;
            }
            ck_assert_int_eq(n, 6);
            ck_assert_int_le(1 + t_new_ms(&r), procs[k] + 3);
            t_free(&r);
        }
}
END_TEST

/* With every P busy nobody polls the network; sysmon does when the last poll is
 * more than 10 ms old (`lastpoll+10*1000*1000 < now`: netpoll(0), injectglist: no P,
 * so to the global queue), at a wake of its delay schedule. The reader then runs when
 * main is preempted, long before main's 30 ms end. */
START_TEST(test_proc_netpoll_by_sysmon) {
    t_run r;
    t_run_ok(&r, "test_proc_sysmon_poll", 1, 22, 1);
    int32_t mp = t_find(&r, 0, "MPoll");
    ck_assert_int_ge(mp, 0);
    int64_t lastpoll = t_int(r.ev[mp], "until"); /* the blocked poll returned at the timer */
    int32_t sp = -1;
    for (int32_t i = t_find(&r, 0, "Sysmon"); i >= 0 && sp < 0; i = t_find(&r, i + 1, "Sysmon"))
        if (strcmp(t_str(r.ev[i], "action"), "netpoll") == 0) sp = i;
    ck_assert_msg(sp >= 0, "sysmon never polled the network");
    int64_t T = t_t(r.ev[sp]);
    t_wakes w;
    t_sysmon_predict(&r, T, &w);
    int64_t want = -1;
    for (int32_t i = 0; i < w.n && want < 0; i++)
        if (w.t[i] > lastpoll + T_FORCE_PREEMPT_NS) want = w.t[i];
    ck_assert_msg(T == want, "sysmon polled at %lld, want %lld (its first wake more than 10ms after the poll at %lld)",
                  (long long)T, (long long)want, (long long)lastpoll);
    int32_t u = t_find_g(&r, 0, "GoUnblock", 2);
    ck_assert_int_gt(u, sp);
    ck_assert_int_eq(t_t(r.ev[u]), T);
    int32_t q = t_find_g(&r, u, "RunqPut", 2);
    ck_assert_int_ge(q, 0);
    ck_assert_str_eq(t_str(r.ev[q], "queue"), "global");
    int32_t gs = t_find_g(&r, u, "GoStart", 2);
    ck_assert_int_ge(gs, 0);
    ck_assert_int_lt(t_t(r.ev[gs]), 30 * T_MS);
    t_free(&r);
}
END_TEST

/* [SECTION] determinism */

/* The five classroom scenarios: byte-identical schedule files across two
 * runs, for seeds 1..20 and GOMAXPROCS 1, 2, 4. */
START_TEST(test_proc_classroom_deterministic) {
    static const char *const names[] = {"syscall_handoff", "preemption", "netpoll", "lockosthread", "spinning"};
    static const int32_t procs[] = {1, 2, 4};
    for (size_t k = 0; k < 5; k++)
        for (size_t j = 0; j < 3; j++)
            for (uint64_t seed = 1; seed <= 20; seed++) {
                t_run a, b;
                t_run_seed(&a, names[k], procs[j], 22, seed, true);
                t_run_seed(&b, names[k], procs[j], 22, seed, true);
                T_OUTCOME(&a, GMP_OUTCOME_OK);
                ck_assert_msg(a.sched_len == b.sched_len && memcmp(a.sched, b.sched, a.sched_len) == 0,
                              "%s procs %d seed %llu: two runs differ", names[k], procs[j],
                              (unsigned long long)seed);
                ck_assert_msg(a.out_len == b.out_len && memcmp(a.out, b.out, a.out_len) == 0,
                              "%s procs %d seed %llu: the printed output differs", names[k], procs[j],
                              (unsigned long long)seed);
                t_free(&a);
                t_free(&b);
            }
}
END_TEST

Suite *proc_suite(void) {
    Suite *s = suite_create("proc");
    TCase *tc = tcase_create("ms");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_proc_sysmon_is_m1_and_ids_count_up);
    tcase_add_test(tc, test_proc_thread_count_io_vs_syscall);
    tcase_add_test(tc, test_proc_thread_limit);
    suite_add_tcase(s, tc);
    tc = tcase_create("retake");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_proc_retake_after_one_sysmon_tick);
    tcase_add_test(tc, test_proc_retake_first_syscall_needs_no_tick);
    tcase_add_test(tc, test_proc_retake_spared_while_idle_p_for_10ms);
    tcase_add_test(tc, test_proc_retake_with_work_queued);
    suite_add_tcase(s, tc);
    tc = tcase_create("handoffp");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_proc_handoffp_work_starts_m);
    tcase_add_test(tc, test_proc_handoffp_no_idle_starts_spinning_m);
    tcase_add_test(tc, test_proc_handoffp_spare_capacity_idles);
    tcase_add_test(tc, test_proc_handoffp_last_running_p_starts_m);
    suite_add_tcase(s, tc);
    tc = tcase_create("exitsyscall");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_proc_exitsyscall_fast_reacquires);
    tcase_add_test(tc, test_proc_exitsyscall_retaken_takes_idle_p);
    tcase_add_test(tc, test_proc_exitsyscall_no_p_global_queue);
    suite_add_tcase(s, tc);
    tc = tcase_create("sysmon");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_proc_sysmon_deep_sleep_when_all_idle);
    tcase_add_test(tc, test_proc_exitsyscall_wakes_sysmon);
    tcase_add_test(tc, test_proc_sysmon_syscall_wake_resets_delay);
    tcase_add_test(tc, test_proc_sysmon_timer_wake_keeps_delay);
    tcase_add_test(tc, test_proc_sysmon_awake_after_timer);
    suite_add_tcase(s, tc);
    tc = tcase_create("preemption");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_proc_preempt_async_boundary);
    tcase_add_test(tc, test_proc_preempt_cooperative_go113);
    tcase_add_test(tc, test_proc_preempt_runnext_chain_shares_slice);
    suite_add_tcase(s, tc);
    tc = tcase_create("lockosthread");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_proc_lockosthread_wired);
    tcase_add_test(tc, test_proc_lockosthread_nested);
    tcase_add_test(tc, test_proc_lockosthread_exit_kills_m);
    tcase_add_test(tc, test_proc_lockosthread_syscall_no_p);
    suite_add_tcase(s, tc);
    tc = tcase_create("timers_netpoll");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_proc_sleep_zero_does_not_yield);
    tcase_add_test(tc, test_proc_sleep_timers_per_p);
    tcase_add_test(tc, test_proc_netpoll_readiness);
    tcase_add_test(tc, test_proc_netpoll_by_sysmon);
    suite_add_tcase(s, tc);
    tc = tcase_create("determinism");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_proc_classroom_deterministic);
    suite_add_tcase(s, tc);
    return s;
}
