/* tests/test_race.c: the race detector (sim/race.c) through gmp_run.
 *
 * Two tables of small programs, each the Go program in its comment:
 *  - synchronised variants, one per happens-before edge of the Go memory model (go
 *    statement, unbuffered send/receive both ways, buffered send/receive and the
 *    capacity rule with and without zero-size elements, close, Mutex, RWMutex,
 *    WaitGroup, Once, Cond, select, context, time.AfterFunc and timer channels): the
 *    detector must stay silent for every seed and GOMAXPROCS tried;
 *  - unsynchronised variants: the detector must report a race. Happens-before does
 *    not depend on the interleaving, so the budget is every seed tried: each run of
 *    each variant must report, whatever the schedule.
 * Then the report itself: Go's format word for word, the suppression of repeated
 * reports, the Race event, the outcome rules (race only replaces ok), determinism.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmpsim.h"
#include "suites.h"
#include "t_run.h"

Suite *race_suite(void);

/* ---- [SECTION] running ------------------------------------------------------------ */

/* The shared runner (t_run.h) with the race detector on (--race), at most 2,000,000 events. */
static void r_run_scenario(t_run *r, const char *name, int32_t procs, uint64_t seed, int32_t go_minor,
                           bool with_schedule) {
    gmp_options opt;
    t_options(&opt, procs, go_minor, seed);
    opt.max_events = 2000000;
    opt.race = 1; /* --race */
    t_run_opt(r, name, &opt, with_schedule);
}

static int r_count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

/* ---- [SECTION] the variants ------------------------------------------------------------ */

typedef void (*r_body)(void);

typedef struct r_variant {
    const char *name;
    r_body body;
    bool racy;          /* the detector must report (true) or stay silent (false) */
    bool timers;        /* uses timers (sleep, AfterFunc, timer channels) */
} r_variant;

static const r_variant *r_current;

static void r_table_main(void *argp) {
    (void)argp;
    r_current->body();
}
GMP_SCENARIO(test_race_table, "the variant r_current", r_table_main)

typedef struct {
    gmp_var x;
    gmp_chan ch, done;
    gmp_mutex mu;
    gmp_rwmutex rw;
    gmp_waitgroup wg;
    gmp_once once;
    gmp_cond cond;
    gmp_var flag;
    gmp_context ctx;
    gmp_cancel_func cancel;
    int64_t id;
} r_args;

static void r_read(void *argp) { /* go func() { _ = x; done <- struct{}{} }() */
    r_args *a = argp;
    gmp_load(a->x);
    gmp_send(a->done, NULL);
}

static void r_write(void *argp) { /* go func() { x = id; done <- struct{}{} }() */
    r_args *a = argp;
    gmp_store(a->x, a->id);
    gmp_send(a->done, NULL);
}

/* x := 1; go func() { _ = x }() */
static void v_go(void) {
    r_args a = {.x = gmp_new_var("x", 0), .done = gmp_make_chan(0, 0)};
    gmp_store(a.x, 1);
    GMP_GO(r_read, a);
    gmp_recv(a.done, NULL);
}

/* go func() { x = 1; ch <- 1 }(); <-ch; _ = x   (unbuffered: the send happens before the receive) */
static void r_write_send(void *argp) {
    r_args *a = argp;
    gmp_work(500 * a->id);
    gmp_store(a->x, 1);
    int64_t v = 1;
    gmp_send(a->ch, &v);
}
static void v_unbuffered_send(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 1};
    GMP_GO(r_write_send, a);
    gmp_recv(a.ch, NULL);
    gmp_load(a.x);
}

/* go func() { x = 1; <-ch }(); ch <- 1; _ = x   (unbuffered: the receive happens before the send completes) */
static void r_write_recv(void *argp) {
    r_args *a = argp;
    gmp_work(500 * a->id);
    gmp_store(a->x, 1);
    gmp_recv(a->ch, NULL);
}
static void v_unbuffered_recv(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 1};
    GMP_GO(r_write_recv, a);
    int64_t v = 1;
    gmp_send(a.ch, &v);
    gmp_load(a.x);
}

/* The same with a sender that parks first: main receives later. */
static void v_unbuffered_parked_sender(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 0};
    GMP_GO(r_write_send, a);
    gmp_work(20000);
    gmp_recv(a.ch, NULL);
    gmp_load(a.x);
}

/* The same with the receiver parked first: main's send hands over (the receive
 * happens before the send completes). */
static void v_unbuffered_parked_receiver(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 0};
    GMP_GO(r_write_recv, a);
    gmp_work(20000);
    int64_t v = 1;
    gmp_send(a.ch, &v);
    gmp_load(a.x);
}

/* Host memory the detector does not see: orders two goroutines in the simulation
 * without giving the detector an edge, so that only the edge under test can. */
static volatile int r_flag;
static void r_wait_flag(void) {
    for (int i = 0; i < 100000 && !r_flag; i++) gmp_work(200);
}

/* buffered: go func() { x = 1; ch <- 1 }(); <-ch; _ = x */
static void v_buffered_send(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 4), .id = 1};
    GMP_GO(r_write_send, a);
    gmp_recv(a.ch, NULL);
    gmp_load(a.x);
}

/* A full buffer with a parked sender: main's receive takes the head and the parked
 * sender's value; both senders' writes are ordered before main's receives of them. */
static void r_write_send2(void *argp) {
    r_args *a = argp;
    gmp_store(a->x, a->id);
    gmp_send(a->ch, &a->id);
    gmp_send(a->ch, &a->id); /* the buffer (cap 1) is full: parks */
}
static void v_buffered_full(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 1), .id = 1};
    GMP_GO(r_write_send2, a);
    gmp_work(20000);
    gmp_recv(a.ch, NULL);
    gmp_recv(a.ch, NULL);
    gmp_load(a.x);
}

/* A counting semaphore of capacity 1: sem <- 1; x++; <-sem (the k-th receive happens
 * before the (k+1)-th send completes). elem: 8 bytes, or 0 (chan struct{}). */
static void r_sem_worker(void *argp) {
    r_args *a = argp;
    for (int i = 0; i < 5; i++) {
        int64_t one = 1;
        gmp_send(a->ch, &one);
        gmp_store(a->x, gmp_load(a->x) + 1);
        gmp_recv(a->ch, NULL);
        gmp_work(300);
    }
    gmp_send(a->done, NULL);
}
static void r_sem(size_t elem, int64_t cap) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(elem, cap), .done = gmp_make_chan(0, 0)};
    for (int i = 0; i < 3; i++) GMP_GO(r_sem_worker, a);
    for (int i = 0; i < 3; i++) gmp_recv(a.done, NULL);
    gmp_load(a.x);
}
static void v_semaphore(void) {
    r_sem(sizeof(int64_t), 1);
}
static void v_semaphore_struct(void) {
    r_sem(0, 1);
}
/* capacity 2 lets two workers in at once: their x++ race */
static void v_semaphore_cap2(void) {
    r_sem(sizeof(int64_t), 2);
}

/* go func() { x = 1; close(ch) }(); <-ch (ok == false); _ = x */
static void r_write_close(void *argp) {
    r_args *a = argp;
    gmp_work(500 * a->id);
    gmp_store(a->x, 1);
    gmp_close(a->ch);
}
static void v_close(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 0};
    GMP_GO(r_write_close, a);
    gmp_work(20000); /* closed by now (or parked in the receive: both paths) */
    gmp_recv(a.ch, NULL);
    gmp_load(a.x);
}
static void v_close_wakes(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 40};
    GMP_GO(r_write_close, a);
    gmp_recv(a.ch, NULL); /* parks; the close wakes it */
    gmp_load(a.x);
}

/* Two workers: mu.Lock(); x++; mu.Unlock() */
static void r_mutex_worker(void *argp) {
    r_args *a = argp;
    for (int i = 0; i < 5; i++) {
        gmp_mutex_lock(a->mu);
        int64_t v = gmp_load(a->x);
        gmp_work(200);
        gmp_store(a->x, v + 1);
        gmp_mutex_unlock(a->mu);
        gmp_work(100);
    }
    gmp_send(a->done, NULL);
}
static void v_mutex(void) {
    r_args a = {.x = gmp_new_var("x", 0), .mu = gmp_mutex_new(), .done = gmp_make_chan(0, 0)};
    for (int i = 0; i < 3; i++) GMP_GO(r_mutex_worker, a);
    for (int i = 0; i < 3; i++) gmp_recv(a.done, NULL);
    GMP_ASSERT(gmp_load(a.x) == 15, "the mutex serialises the increments");
}
/* The workers lock, main writes without the lock. */
static void v_mutex_one_side(void) {
    r_args a = {.x = gmp_new_var("x", 0), .mu = gmp_mutex_new(), .done = gmp_make_chan(0, 0)};
    GMP_GO(r_mutex_worker, a);
    gmp_work(700);
    gmp_store(a.x, 100);
    gmp_recv(a.done, NULL);
}

/* RWMutex: a writer under Lock, readers under RLock. */
static void r_rw_reader(void *argp) {
    r_args *a = argp;
    for (int i = 0; i < 3; i++) {
        gmp_rwmutex_rlock(a->rw);
        gmp_load(a->x);
        gmp_work(300);
        gmp_rwmutex_runlock(a->rw);
        gmp_work(100);
    }
    gmp_send(a->done, NULL);
}
static void r_rw_writer(void *argp) {
    r_args *a = argp;
    for (int i = 0; i < 3; i++) {
        gmp_rwmutex_lock(a->rw);
        gmp_store(a->x, gmp_load(a->x) + 1);
        gmp_rwmutex_unlock(a->rw);
        gmp_work(250);
    }
    gmp_send(a->done, NULL);
}
static void v_rwmutex(void) {
    r_args a = {.x = gmp_new_var("x", 0), .rw = gmp_rwmutex_new(), .done = gmp_make_chan(0, 0)};
    GMP_GO(r_rw_reader, a);
    GMP_GO(r_rw_writer, a);
    GMP_GO(r_rw_reader, a);
    for (int i = 0; i < 3; i++) gmp_recv(a.done, NULL);
    gmp_load(a.x);
}
/* Unlock happens before a later RLock returns. */
static void r_rw_late_reader(void *argp) {
    r_args *a = argp;
    r_wait_flag();
    gmp_rwmutex_rlock(a->rw);
    gmp_load(a->x);
    gmp_rwmutex_runlock(a->rw);
    gmp_send(a->done, NULL);
}
static void v_rwmutex_unlock_rlock(void) {
    r_flag = 0;
    r_args a = {.x = gmp_new_var("x", 0), .rw = gmp_rwmutex_new(), .done = gmp_make_chan(0, 0)};
    GMP_GO(r_rw_late_reader, a);
    gmp_rwmutex_lock(a.rw);
    gmp_store(a.x, 1);
    gmp_rwmutex_unlock(a.rw);
    r_flag = 1;
    gmp_recv(a.done, NULL);
}
/* RUnlock happens before a later Lock returns. */
static void r_rw_late_writer(void *argp) {
    r_args *a = argp;
    r_wait_flag();
    gmp_rwmutex_lock(a->rw);
    gmp_store(a->x, 2);
    gmp_rwmutex_unlock(a->rw);
    gmp_send(a->done, NULL);
}
static void v_rwmutex_runlock_lock(void) {
    r_flag = 0;
    r_args a = {.x = gmp_new_var("x", 0), .rw = gmp_rwmutex_new(), .done = gmp_make_chan(0, 0)};
    GMP_GO(r_rw_late_writer, a);
    gmp_rwmutex_rlock(a.rw);
    gmp_load(a.x);
    gmp_rwmutex_runlock(a.rw);
    r_flag = 1;
    gmp_recv(a.done, NULL);
}

/* Readers that write under RLock race with each other. */
static void r_rw_bad_reader(void *argp) {
    r_args *a = argp;
    gmp_rwmutex_rlock(a->rw);
    gmp_store(a->x, a->id);
    gmp_work(300);
    gmp_rwmutex_runlock(a->rw);
    gmp_send(a->done, NULL);
}
static void v_rwmutex_rlock_write(void) {
    r_args a = {.x = gmp_new_var("x", 0), .rw = gmp_rwmutex_new(), .done = gmp_make_chan(0, 0)};
    for (a.id = 1; a.id <= 2; a.id++) GMP_GO(r_rw_bad_reader, a);
    for (int i = 0; i < 2; i++) gmp_recv(a.done, NULL);
}

/* wg.Add(n); go func() { x_i = 1; wg.Done() }(); wg.Wait(); read every x_i */
typedef struct {
    gmp_var xs[3];
    gmp_waitgroup wg;
    int64_t i;
} r_wg_args;
static void r_wg_worker(void *argp) {
    r_wg_args *a = argp;
    gmp_work(300 * a->i);
    gmp_store(a->xs[a->i], 1);
    gmp_waitgroup_done(a->wg);
}
static void v_waitgroup(void) {
    r_wg_args a = {.wg = gmp_waitgroup_new()};
    for (int i = 0; i < 3; i++) a.xs[i] = gmp_new_var("x", 0);
    gmp_waitgroup_add(a.wg, 3);
    for (a.i = 0; a.i < 3; a.i++) GMP_GO(r_wg_worker, a);
    gmp_waitgroup_wait(a.wg);
    for (int i = 0; i < 3; i++) gmp_load(a.xs[i]);
}
/* go func() { wg.Add(1); defer wg.Done(); ... }(); wg.Wait(): the Add from zero (a read
 * of wg.sema) is not ordered before the Wait that blocks (its first waiter writes it). */
static void r_wg_late_add(void *argp) {
    r_wg_args *a = argp;
    gmp_waitgroup_add(a->wg, 1);
    gmp_sleep(5000);
    gmp_waitgroup_done(a->wg);
}
static void v_waitgroup_add_in_goroutine(void) {
    r_wg_args a = {.wg = gmp_waitgroup_new()};
    GMP_GO(r_wg_late_add, a);
    gmp_sleep(1000);
    gmp_waitgroup_wait(a.wg);
}

/* once.Do(func() { x = 42 }) in three goroutines, each reading x after. */
static r_args r_once_args;
static void r_once_init(void *argp) {
    (void)argp;
    gmp_work(500);
    gmp_store(r_once_args.x, 42);
}
static void r_once_user(void *argp) {
    r_args *a = argp;
    gmp_once_do(a->once, r_once_init, NULL);
    GMP_ASSERT(gmp_load(a->x) == 42, "Do returns after f");
    gmp_send(a->done, NULL);
}
static void v_once(void) {
    r_once_args = (r_args){.x = gmp_new_var("x", 0), .once = gmp_once_new(), .done = gmp_make_chan(0, 0)};
    for (int i = 0; i < 3; i++) GMP_GO(r_once_user, r_once_args);
    for (int i = 0; i < 3; i++) gmp_recv(r_once_args.done, NULL);
}

/* Cond: mu.Lock(); x = 1; ready = 1; cond.Signal(); mu.Unlock() against
 * mu.Lock(); for !ready { cond.Wait() }; _ = x; mu.Unlock(). */
static void r_cond_producer(void *argp) {
    r_args *a = argp;
    gmp_work(2000);
    if (a->id) gmp_mutex_lock(a->mu);
    gmp_store(a->x, 1);
    gmp_store(a->flag, 1);
    gmp_cond_signal(a->cond);
    if (a->id) gmp_mutex_unlock(a->mu);
}
static void r_cond(bool locked) {
    r_args a = {.x = gmp_new_var("x", 0), .flag = gmp_new_var("ready", 0), .mu = gmp_mutex_new(), .id = locked};
    a.cond = gmp_cond_new(a.mu);
    GMP_GO(r_cond_producer, a);
    gmp_mutex_lock(a.mu);
    while (gmp_load(a.flag) == 0) gmp_cond_wait(a.cond);
    gmp_load(a.x);
    gmp_mutex_unlock(a.mu);
}
static void v_cond(void) {
    r_cond(true);
}
/* The producer signals without holding the lock: Signal itself is no edge. */
static void v_cond_unlocked(void) {
    r_cond(false);
}

/* select { case v := <-ch: _ = x; case <-other: } */
static void v_select_recv(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 1};
    gmp_chan other = gmp_make_chan(0, 0);
    GMP_GO(r_write_send, a);
    int64_t v = 0;
    int c = GMP_SELECT(NULL, false, GMP_RECV_CASE(other, NULL), GMP_RECV_CASE(a.ch, &v));
    GMP_ASSERT(c == 1, "only ch is ready");
    gmp_load(a.x);
}
/* select { case ch <- v: _ = x } against a receiver that wrote x first (unbuffered). */
static void v_select_send(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 1};
    gmp_chan other = gmp_make_chan(0, 0);
    GMP_GO(r_write_recv, a);
    int64_t v = 5;
    int c = GMP_SELECT(NULL, false, GMP_SEND_CASE(a.ch, &v), GMP_RECV_CASE(other, NULL));
    GMP_ASSERT(c == 0, "only the send is ready");
    gmp_load(a.x);
}

/* The select finds the other side already parked, or the value in the buffer, or the
 * channel closed: selectgo's own recv, send, bufrecv and rclose paths. */
static void v_select_parked_sender(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 0};
    gmp_chan other = gmp_make_chan(0, 0);
    GMP_GO(r_write_send, a);
    gmp_work(20000);
    int64_t v = 0;
    GMP_SELECT(NULL, false, GMP_RECV_CASE(other, NULL), GMP_RECV_CASE(a.ch, &v));
    gmp_load(a.x);
}
static void v_select_parked_receiver(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 0};
    gmp_chan other = gmp_make_chan(0, 0);
    GMP_GO(r_write_recv, a);
    gmp_work(20000);
    int64_t v = 5;
    GMP_SELECT(NULL, false, GMP_SEND_CASE(a.ch, &v), GMP_RECV_CASE(other, NULL));
    gmp_load(a.x);
}
static void v_select_buffered(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 2), .id = 0};
    gmp_chan other = gmp_make_chan(0, 0);
    GMP_GO(r_write_send, a);
    gmp_work(20000);
    int64_t v = 0;
    GMP_SELECT(NULL, false, GMP_RECV_CASE(other, NULL), GMP_RECV_CASE(a.ch, &v));
    gmp_load(a.x);
}
static void v_select_closed(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 0), .id = 0};
    gmp_chan other = gmp_make_chan(0, 0);
    GMP_GO(r_write_close, a);
    gmp_work(20000);
    GMP_SELECT(NULL, false, GMP_RECV_CASE(other, NULL), GMP_RECV_CASE(a.ch, NULL));
    gmp_load(a.x);
}
/* select { case ch <- v: } into a buffer a later receiver takes from. */
static void r_select_sender(void *argp) {
    r_args *a = argp;
    gmp_store(a->x, 1);
    gmp_chan other = gmp_make_chan(0, 0);
    int64_t v = 1;
    GMP_SELECT(NULL, false, GMP_SEND_CASE(a->ch, &v), GMP_RECV_CASE(other, NULL));
}
static void v_select_bufsend(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 2)};
    GMP_GO(r_select_sender, a);
    gmp_work(20000);
    gmp_recv(a.ch, NULL);
    gmp_load(a.x);
}

/* go func() { x = 1; cancel() }(); <-ctx.Done(); _ = x */
static void r_ctx_canceler(void *argp) {
    r_args *a = argp;
    gmp_work(1000);
    gmp_store(a->x, 1);
    gmp_context_cancel(a->cancel);
}
static void v_context_done(void) {
    r_args a = {.x = gmp_new_var("x", 0)};
    a.ctx = gmp_context_with_cancel(gmp_context_background(), &a.cancel);
    gmp_context ctx = gmp_context_with_value(a.ctx, 9, 9); /* Done of a derived context */
    GMP_GO(r_ctx_canceler, a);
    gmp_recv(gmp_context_done(ctx), NULL);
    gmp_load(a.x);
}
/* for ctx.Err() == nil { spin }; _ = x  (Err locks c.mu) */
static void v_context_err(void) {
    r_args a = {.x = gmp_new_var("x", 0)};
    a.ctx = gmp_context_with_cancel(gmp_context_background(), &a.cancel);
    GMP_GO(r_ctx_canceler, a);
    while (gmp_context_err(a.ctx) == NULL) gmp_work(300);
    gmp_load(a.x);
}

/* x = 1; time.AfterFunc(d, func() { _ = x }) */
static void r_after_read(void *argp) {
    (void)argp;
    gmp_load(r_once_args.x);
    gmp_send(r_once_args.done, NULL);
}
static void v_after_func(void) {
    r_once_args = (r_args){.x = gmp_new_var("x", 0), .done = gmp_make_chan(0, 0)};
    gmp_store(r_once_args.x, 1);
    gmp_after_func(5000, r_after_read, 0);
    gmp_recv(r_once_args.done, NULL);
}
/* time.AfterFunc(d, func() { _ = x }); x = 1: the write after arming races. */
static void v_after_func_late_write(void) {
    r_once_args = (r_args){.x = gmp_new_var("x", 0), .done = gmp_make_chan(0, 0)};
    gmp_after_func(5000, r_after_read, 0);
    gmp_store(r_once_args.x, 1);
    gmp_recv(r_once_args.done, NULL);
}
/* go func() { <-t.C; _ = x }(); x = 1; t = time.NewTimer(d): the reader starts before
 * the write and finds the channel through host memory the detector does not see, so
 * only the timer orders the write before its read: arming releases, the timer's send
 * from the P's timer context hands that on to the receiver. */
static gmp_chan r_timer_c;
static void r_timer_reader(void *argp) {
    r_args *a = argp;
    while (r_timer_c.addr == 0) gmp_work(100);
    gmp_recv(r_timer_c, NULL);
    gmp_load(a->x);
    gmp_send(a->done, NULL);
}
static void v_timer_chan(void) {
    r_timer_c = GMP_NIL_CHAN;
    r_args a = {.x = gmp_new_var("x", 0), .done = gmp_make_chan(0, 0)};
    GMP_GO(r_timer_reader, a);
    gmp_store(a.x, 1);
    gmp_chan c;
    gmp_new_timer(5000, &c);
    r_timer_c = c;
    gmp_recv(a.done, NULL);
}

/* Unsynchronised basics. */
static void v_counter(void) {
    r_args a = {.x = gmp_new_var("counter", 0), .done = gmp_make_chan(0, 0)};
    for (a.id = 1; a.id <= 2; a.id++) GMP_GO(r_write, a);
    for (int i = 0; i < 2; i++) gmp_recv(a.done, NULL);
}
static void v_write_after_go(void) {
    r_args a = {.x = gmp_new_var("x", 0), .done = gmp_make_chan(0, 0)};
    GMP_GO(r_read, a);
    gmp_store(a.x, 1);
    gmp_recv(a.done, NULL);
}
/* The value goes through the channel, but x is written after the send. */
static void r_send_then_write(void *argp) {
    r_args *a = argp;
    int64_t v = 1;
    gmp_send(a->ch, &v);
    gmp_store(a->x, 2);
}
static void v_write_after_send(void) {
    r_args a = {.x = gmp_new_var("x", 0), .ch = gmp_make_chan(sizeof(int64_t), 1)};
    GMP_GO(r_send_then_write, a);
    gmp_recv(a.ch, NULL);
    gmp_work(5000);
    gmp_load(a.x);
}
/* close after sends that main only receives afterwards: the close races with the sends. */
static void r_sender(void *argp) {
    r_args *a = argp;
    gmp_send(a->ch, &a->id);
}
static void v_close_vs_send(void) {
    r_args a = {.ch = gmp_make_chan(sizeof(int64_t), 4), .id = 1};
    GMP_GO(r_sender, a);
    gmp_sleep(100000);
    gmp_close(a.ch);
    while (gmp_recv(a.ch, NULL)) {
    }
}

/* A write after main returned: a Go process has exited by then (and the leak phase
 * that runs it here is not checked), so nothing is reported. */
static void r_late_writer(void *argp) {
    r_args *a = argp;
    gmp_sleep(100000);
    gmp_store(a->x, 2);
}
static void v_after_main_returned(void) {
    r_args a = {.x = gmp_new_var("x", 0)};
    GMP_GO(r_late_writer, a);
    gmp_store(a.x, 1);
}

/* sync/atomic as a flag: go func() { x = 1; atomic.StoreInt64(&flag, 1) }();
 * for atomic.LoadInt64(&flag) == 0 { runtime.Gosched() }; _ = x */
static void r_write_publish(void *argp) {
    r_args *a = argp;
    gmp_store(a->x, 1);
    gmp_atomic_store(a->flag, 1);
}
static void v_atomic_flag(void) {
    r_args a = {.x = gmp_new_var("x", 0), .flag = gmp_new_var("flag", 0)};
    GMP_GO(r_write_publish, a);
    while (gmp_atomic_load(a.flag) == 0) gmp_gosched();
    gmp_load(a.x);
}
/* Two writers, each x-then-AddInt64; main waits until the counter says 2 (CAS loop) */
static void r_write_add(void *argp) {
    r_args *a = argp;
    gmp_mutex_lock(a->mu); /* the writers order their own writes */
    gmp_store(a->x, a->id);
    gmp_mutex_unlock(a->mu);
    gmp_atomic_add(a->flag, 1);
}
static void v_atomic_counter(void) {
    r_args a = {.x = gmp_new_var("x", 0), .flag = gmp_new_var("n", 0), .mu = gmp_mutex_new()};
    for (a.id = 1; a.id <= 2; a.id++) GMP_GO(r_write_add, a);
    while (!gmp_atomic_cas(a.flag, 2, 3)) gmp_gosched();
    gmp_load(a.x);
}
/* Published through one atomic, read after loading another: no edge, a race. */
static void r_write_add_other(void *argp) {
    r_args *a = argp;
    gmp_store(a->x, 1);
    gmp_atomic_add(a->flag, 1);
}
static void v_atomic_other_var(void) {
    r_args a = {.x = gmp_new_var("x", 0), .flag = gmp_new_var("flag", 0)};
    gmp_var other = gmp_new_var("other", 0);
    GMP_GO(r_write_add_other, a);
    while (gmp_load(a.flag) == 0) gmp_gosched(); /* a plain load: not synchronisation... */
    gmp_atomic_load(other);                      /* ...and this atomic is on another variable */
    gmp_load(a.x);
}

static const r_variant r_synchronised[] = {
    {"go", v_go, false, false},
    {"unbuffered_send", v_unbuffered_send, false, false},
    {"unbuffered_recv", v_unbuffered_recv, false, false},
    {"unbuffered_parked_sender", v_unbuffered_parked_sender, false, false},
    {"unbuffered_parked_receiver", v_unbuffered_parked_receiver, false, false},
    {"buffered_send", v_buffered_send, false, false},
    {"buffered_full", v_buffered_full, false, false},
    {"semaphore", v_semaphore, false, false},
    {"semaphore_struct", v_semaphore_struct, false, false},
    {"close", v_close, false, false},
    {"close_wakes", v_close_wakes, false, false},
    {"mutex", v_mutex, false, false},
    {"rwmutex", v_rwmutex, false, false},
    {"rwmutex_unlock_rlock", v_rwmutex_unlock_rlock, false, false},
    {"rwmutex_runlock_lock", v_rwmutex_runlock_lock, false, false},
    {"waitgroup", v_waitgroup, false, false},
    {"once", v_once, false, false},
    {"cond", v_cond, false, false},
    {"select_recv", v_select_recv, false, false},
    {"select_send", v_select_send, false, false},
    {"select_parked_sender", v_select_parked_sender, false, false},
    {"select_parked_receiver", v_select_parked_receiver, false, false},
    {"select_buffered", v_select_buffered, false, false},
    {"select_closed", v_select_closed, false, false},
    {"select_bufsend", v_select_bufsend, false, false},
    {"context_done", v_context_done, false, false},
    {"context_err", v_context_err, false, false},
    {"after_func", v_after_func, false, true},
    {"timer_chan", v_timer_chan, false, true},
    {"after_main_returned", v_after_main_returned, false, true},
    {"atomic_flag", v_atomic_flag, false, false},
    {"atomic_counter", v_atomic_counter, false, false},
};

static const r_variant r_unsynchronised[] = {
    {"counter", v_counter, true, false},
    {"write_after_go", v_write_after_go, true, false},
    {"write_after_send", v_write_after_send, true, false},
    {"semaphore_cap2", v_semaphore_cap2, true, false},
    {"mutex_one_side", v_mutex_one_side, true, false},
    {"rwmutex_rlock_write", v_rwmutex_rlock_write, true, false},
    {"cond_unlocked", v_cond_unlocked, true, false},
    {"waitgroup_add_in_goroutine", v_waitgroup_add_in_goroutine, true, true},
    {"after_func_late_write", v_after_func_late_write, true, true},
    {"close_vs_send", v_close_vs_send, true, true},
    {"atomic_other_var", v_atomic_other_var, true, false},
};

enum { R_SEEDS = 12 };

/* GOMAXPROCS tried: 1, 2 and 4. */
static int32_t r_procs(const r_variant *v, int k) {
    static const int32_t procs[] = {1, 2, 4};
    (void)v;
    return procs[k];
}

static void r_check_variant(const r_variant *v) {
    for (int k = 0; k < 3; k++) {
        int32_t procs = r_procs(v, k);
        if (procs == 0) continue;
        for (uint64_t seed = 1; seed <= R_SEEDS; seed++) {
            r_current = v;
            t_run r;
            r_run_scenario(&r, "test_race_table", procs, seed, 22, false);
            if (v->racy) {
                ck_assert_msg(r.res.outcome == GMP_OUTCOME_RACE,
                              "%s (procs %d, seed %llu): want outcome race, got %s: %s", v->name, procs,
                              (unsigned long long)seed, gmp_outcome_name(r.res.outcome), r.res.message);
                ck_assert_msg(r.res.report && strstr(r.res.report, "WARNING: DATA RACE"), "%s: no report",
                              v->name);
            } else {
                ck_assert_msg(r.res.outcome == GMP_OUTCOME_OK,
                              "%s (procs %d, seed %llu): want ok, got %s: %s\n%s", v->name, procs,
                              (unsigned long long)seed, gmp_outcome_name(r.res.outcome), r.res.message,
                              r.res.report ? r.res.report : "");
            }
            t_free(&r);
        }
    }
}

START_TEST(test_race_synchronised_silent) {
    r_check_variant(&r_synchronised[_i]);
}
END_TEST

START_TEST(test_race_unsynchronised_reported) {
    r_check_variant(&r_unsynchronised[_i]);
}
END_TEST

/* ---- [SECTION] the report -------------------------------------------------------------- */

/* race_counter at GOMAXPROCS 1: the exact text a -race binary prints (basenames, no +0x). */
START_TEST(test_race_report_format) {
    t_run r;
    r_run_scenario(&r, "race_counter", 1, 1, 22, false);
    T_OUTCOME(&r, GMP_OUTCOME_RACE);
    ck_assert_str_eq(r.res.message, "Found 1 data race(s)");
    const char *want = "==================\n"
                       "WARNING: DATA RACE\n"
                       "Read at 0x00c000010000 by goroutine 2:\n"
                       "  main.worker()\n"
                       "      race_counter.c:13\n"
                       "\n"
                       "Previous write at 0x00c000010000 by goroutine 3:\n"
                       "  main.worker()\n"
                       "      race_counter.c:15\n"
                       "\n"
                       "Goroutine 2 (running) created at:\n"
                       "  main.main()\n"
                       "      race_counter.c:27\n"
                       "\n"
                       "Goroutine 3 (finished) created at:\n"
                       "  main.main()\n"
                       "      race_counter.c:27\n"
                       "==================\n"
                       "Found 1 data race(s)\n";
    ck_assert_msg(r.res.report != NULL && strcmp(r.res.report, want) == 0, "report:\n%s\nwant:\n%s",
                  r.res.report ? r.res.report : "(none)", want);
    t_free(&r);
}
END_TEST

/* The main goroutine is "main goroutine" and has no creation block. */
START_TEST(test_race_report_main_goroutine) {
    r_current = &r_unsynchronised[1]; /* write_after_go */
    t_run r;
    r_run_scenario(&r, "test_race_table", 1, 1, 22, false);
    T_OUTCOME(&r, GMP_OUTCOME_RACE);
    ck_assert_ptr_nonnull(r.res.report);
    ck_assert_msg(strstr(r.res.report, "by main goroutine:\n  main.v_write_after_go()") == NULL,
                  "frames are Go names: %s", r.res.report);
    T_REPORT_HAS(&r, " by main goroutine:\n  main.main()\n");
    ck_assert_msg(strstr(r.res.report, "Goroutine 1 ") == NULL, "main has no creation block: %s", r.res.report);
    ck_assert_int_eq(r_count(r.res.report, " created at:\n"), 1);
    t_free(&r);
}
END_TEST

/* suppress_equal_addresses: the counter races on every iteration, one report. */
START_TEST(test_race_report_once_per_address) {
    for (int32_t procs = 1; procs <= 4; procs *= 2) {
        t_run r;
        r_run_scenario(&r, "race_counter", procs, 7, 22, false);
        T_OUTCOME(&r, GMP_OUTCOME_RACE);
        ck_assert_int_eq(r_count(r.res.report, "WARNING: DATA RACE"), 1);
        t_free(&r);
    }
}
END_TEST

/* The schedule file has a Race event after the racing access, and the footer says race. */
START_TEST(test_race_event) {
    t_run r;
    r_run_scenario(&r, "race_counter", 2, 3, 22, true);
    T_OUTCOME(&r, GMP_OUTCOME_RACE);
    const char *ev = strstr(r.sched, "\"ev\":\"Race\"");
    ck_assert_msg(ev != NULL, "no Race event");
    ck_assert_msg(strstr(ev, "\"var\":\"counter\"") != NULL, "the event names the variable");
    ck_assert_msg(strstr(ev, "\"prev_access\":") != NULL, "the event names the previous access");
    ck_assert_msg(strstr(r.sched, "\"outcome\":\"race\"") != NULL, "the footer's outcome");
    ck_assert_int_eq(r_count(r.sched, "\"ev\":\"Race\""), 1);
    t_free(&r);
}
END_TEST

/* A panic keeps its outcome; the race reports come first in its report, without the
 * "Found" line (racefini never runs on a panic). */
START_TEST(test_race_then_panic) {
    t_run r;
    r_run_scenario(&r, "closed_send_panic", 1, 1, 22, false);
    T_OUTCOME(&r, GMP_OUTCOME_PANIC);
    ck_assert_str_eq(r.res.message, "panic: send on closed channel");
    ck_assert_ptr_nonnull(r.res.report);
    const char *race = strstr(r.res.report, "WARNING: DATA RACE");
    const char *panic = strstr(r.res.report, "panic: send on closed channel");
    ck_assert_msg(race != NULL && panic != NULL && race < panic, "%s", r.res.report);
    T_REPORT_HAS(&r, "  runtime.closechan()\n      chan.go:0\n  main.main()\n");
    T_REPORT_HAS(&r, "  runtime.chansend()\n      chan.go:0\n  main.sender()\n");
    ck_assert_msg(strstr(r.res.report, "Found ") == NULL, "%s", r.res.report);
    t_free(&r);
}
END_TEST

/* The fixed counter is silent and right, for every seed and GOMAXPROCS. */
START_TEST(test_race_counter_fixed) {
    for (int32_t procs = 1; procs <= 4; procs++) {
        for (uint64_t seed = 1; seed <= 8; seed++) {
            t_run r;
            r_run_scenario(&r, "race_counter_fixed", procs, seed, 22, false);
            T_OUTCOME(&r, GMP_OUTCOME_OK);
            T_OUT_HAS(&r, "counter = 100 (want 100)");
            t_free(&r);
        }
    }
}
END_TEST

/* Go 1.21's shared loop variable is a race (the bug Go 1.22 fixed); 1.22 is silent. */
START_TEST(test_race_loopvar) {
    t_run r;
    r_run_scenario(&r, "loopvar", 4, 1, 21, false);
    T_OUTCOME(&r, GMP_OUTCOME_RACE);
    T_REPORT_HAS(&r, "  main.by_reference()\n");
    t_free(&r);
    r_run_scenario(&r, "loopvar", 4, 1, 22, false);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    t_free(&r);
}
END_TEST

/* Same seed, same report and schedule. */
START_TEST(test_race_deterministic) {
    t_run a, b;
    r_run_scenario(&a, "race_counter", 4, 5, 22, true);
    r_run_scenario(&b, "race_counter", 4, 5, 22, true);
    ck_assert_uint_eq(a.res.digest, b.res.digest);
    ck_assert_str_eq(a.res.report, b.res.report);
    t_free(&a);
    t_free(&b);
}
END_TEST

Suite *race_suite(void) {
    Suite *s = suite_create("race");
    TCase *tc = tcase_create("tables");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_race_synchronised_silent, 0,
                        (int)(sizeof r_synchronised / sizeof r_synchronised[0]));
    tcase_add_loop_test(tc, test_race_unsynchronised_reported, 0,
                        (int)(sizeof r_unsynchronised / sizeof r_unsynchronised[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("report");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_race_report_format);
    tcase_add_test(tc, test_race_report_main_goroutine);
    tcase_add_test(tc, test_race_report_once_per_address);
    tcase_add_test(tc, test_race_event);
    tcase_add_test(tc, test_race_then_panic);
    tcase_add_test(tc, test_race_counter_fixed);
    tcase_add_test(tc, test_race_loopvar);
    tcase_add_test(tc, test_race_deterministic);
    suite_add_tcase(s, tc);
    return s;
}
