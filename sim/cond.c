/* sim/cond.c: sync.Cond (sync/cond.go) on the runtime's notifyList (sema.go).
 *
 * Wait takes a ticket (notifyListAdd) while still holding L, unlocks L, then waits
 * for its ticket (notifyListWait) and relocks L. Signal notifies the oldest ticket not
 * yet notified, Broadcast all of them; each woken G goes to the notifier's runnext,
 * so after a Broadcast the last one woken runs first on this P and the others follow
 * from the run queue in ticket order. A Signal between a waiter's Unlock and its park
 * is not lost: the waiter sees its ticket notified and does not park.
 */
#include "api.h"
#include "check.h"
#include "cost.h"
#include "run.h"
#include "sema.h"

static sim_syncobj *sim_cond_lookup(sim_sched *s, gmp_cond c) {
    return sim_sync_lookup(s, c.addr, SIM_SYNC_COND, "sync.Cond");
}

/* c.L: a nil Locker dereferences nil, as in Go. */
static sim_mutex *sim_cond_l(sim_sched *s, const sim_syncobj *o) {
    return &sim_sync_lookup(s, o->u.cond.l_addr, SIM_SYNC_MUTEX, "sync.Mutex")->u.mutex;
}

/* less(a, b): a < b for wrapping ticket counters (sema.go). */
static bool sim_ticket_less(uint32_t a, uint32_t b) {
    return (int32_t)(a - b) < 0;
}

/* Models: sync.NewCond(l): 56 bytes (noCopy, L Locker, notify notifyList, checker). */
gmp_cond gmp_cond_new_at(gmp_mutex l, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    if (l.addr != 0) (void)sim_sync_lookup(s, l.addr, SIM_SYNC_MUTEX, "sync.Mutex");
    sim_syncobj *o = sim_sync_new(s, SIM_SYNC_COND, 56);
    o->u.cond.l_addr = l.addr;
    sim_charge(s, SIM_COST_SYNC_NS);
    return (gmp_cond){o->addr};
}

/* Models: sync.(*Cond).Wait + runtime.notifyListAdd/notifyListWait. Blocks with
 * "sync.Cond.Wait" (Go 1.11+; "semacquire" before). Differs: no copy checker (a C
 * handle is a value: copying it is not copying the Cond). */
void gmp_cond_wait_at(gmp_cond c, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_cond_lookup(s, c);
    sim_notifylist *l = &o->u.cond.notify;
    sim_mutex *mu = sim_cond_l(s, o);
    uint32_t t = l->wait++; /* notifyListAdd */
    cJSON *e = sim_sync_event(s, "CondWait", "cond", o->addr);
    if (e) {
        sim_trace_add_int(e, "ticket", t);
        sim_trace_emit(&s->trace, e);
    }
    sim_mutex_unlock(s, mu); /* a scheduling point: a Signal may come before we park */
    if (!sim_ticket_less(t, l->notify)) { /* notifyListWait: not yet notified */
        sim_notifywaiter w = {.g = s->curg, .ticket = t, .next = NULL};
        if (l->tail == NULL) l->head = &w;
        else l->tail->next = &w;
        l->tail = &w;
        sim_gopark(s, sim_sync_waitreason(s, SIM_WAIT_SYNC_COND_WAIT, 11),
                   "notifyListWait: wait for this ticket to be notified");
    }
    sim_mutex_lock(s, mu);
}

static void sim_cond_notify_event(sim_sched *s, const sim_syncobj *o, bool all, int32_t woken) {
    cJSON *e = sim_sync_event(s, "CondNotify", "cond", o->addr);
    if (e == NULL) return;
    cJSON_AddBoolToObject(e, "all", all);
    sim_trace_add_int(e, "woken", woken);
    sim_trace_add_int(e, "notify", o->u.cond.notify.notify);
    sim_trace_add_int(e, "wait", o->u.cond.notify.wait);
    sim_trace_emit(&s->trace, e);
}

/* Models: sync.(*Cond).Signal + runtime.notifyListNotifyOne: the oldest ticket not yet
 * notified; its G is woken if it already parked. */
void gmp_cond_signal_at(gmp_cond c, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_cond_lookup(s, c);
    sim_notifylist *l = &o->u.cond.notify;
    int32_t woken = 0;
    if (l->wait != l->notify) {
        uint32_t t = l->notify++;
        for (sim_notifywaiter *p = NULL, *w = l->head; w != NULL; p = w, w = w->next) {
            if (w->ticket != t) continue;
            sim_notifywaiter *n = w->next;
            if (p) p->next = n;
            else l->head = n;
            if (n == NULL) l->tail = p;
            w->next = NULL;
            woken = 1;
            sim_cond_notify_event(s, o, false, woken);
            sim_goready(s, sim_g_at(s, w->g), "notifyListNotifyOne: the oldest ticket's waiter");
            break;
        }
    }
    if (!woken) sim_cond_notify_event(s, o, false, 0);
    sim_charge(s, SIM_COST_SYNC_NS);
}

/* Models: sync.(*Cond).Broadcast + runtime.notifyListNotifyAll: every ticket so far is
 * notified; the parked waiters are readied in list (ticket) order. */
void gmp_cond_broadcast_at(gmp_cond c, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_cond_lookup(s, c);
    sim_notifylist *l = &o->u.cond.notify;
    int32_t woken = 0;
    if (l->wait != l->notify) {
        sim_notifywaiter *w = l->head;
        l->head = l->tail = NULL;
        l->notify = l->wait;
        for (sim_notifywaiter *x = w; x != NULL; x = x->next) woken++;
        sim_cond_notify_event(s, o, true, woken);
        while (w != NULL) { /* nothing runs during the loop: the records stay valid */
            sim_notifywaiter *next = w->next;
            w->next = NULL;
            sim_goready(s, sim_g_at(s, w->g), "notifyListNotifyAll: every waiter, in ticket order");
            w = next;
        }
    } else {
        sim_cond_notify_event(s, o, true, 0);
    }
    sim_charge(s, SIM_COST_SYNC_NS);
}
