/* sim/sema.c: the runtime's semaphores (sema.go) and the registry of sync objects.
 *
 * semacquire1/semrelease1 keep the runtime's structure: the easy case (cansemacquire),
 * the semaRoot's nwait counter that disables semrelease's easy case, queueing (FIFO, or
 * at the head for a lifo re-waiter), parking, the handoff ticket and goyield. The
 * runtime's treap of distinct addresses per semaRoot is a search structure only (its
 * shape never changes who is woken), so here each semaphore word keeps its own FIFO.
 */
#include "sema.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cost.h"
#include "frame.h"
#include "run.h"

/* ---- [SECTION] the registry of sync objects ---------------------------------------- */

static struct sim_sync *sim_sync_state(sim_sched *s) {
    if (s->sync == NULL) {
        s->sync = calloc(1, sizeof *s->sync);
        if (s->sync == NULL) sim_fatal(s, "runtime: cannot allocate memory (sync)");
    }
    return s->sync;
}

sim_syncobj *sim_sync_new(sim_sched *s, sim_sync_kind kind, uint64_t size_bytes) {
    struct sim_sync *y = sim_sync_state(s);
    if (y->count == y->cap) {
        int32_t cap = y->cap ? y->cap * 2 : 16;
        sim_syncobj **n = realloc(y->objs, (size_t)cap * sizeof *n);
        if (n == NULL) sim_fatal(s, "runtime: cannot allocate memory (sync object)");
        y->objs = n;
        y->cap = cap;
    }
    sim_syncobj *o = calloc(1, sizeof *o);
    if (o == NULL) sim_fatal(s, "runtime: cannot allocate memory (sync object)");
    o->kind = kind;
    o->addr = sim_heap_alloc(s, size_bytes);
    SIM_ASSERT(y->count == 0 || y->objs[y->count - 1]->addr < o->addr);
    y->objs[y->count++] = o;
    return o;
}

static const char *sim_sync_kind_name(sim_sync_kind k) {
    switch (k) {
    case SIM_SYNC_MUTEX: return "sync.Mutex";
    case SIM_SYNC_RWMUTEX: return "sync.RWMutex";
    case SIM_SYNC_WAITGROUP: return "sync.WaitGroup";
    case SIM_SYNC_COND: return "sync.Cond";
    case SIM_SYNC_ONCE: return "sync.Once";
    }
    return "?";
}

sim_syncobj *sim_sync_lookup(sim_sched *s, uint64_t addr, sim_sync_kind kind, const char *what) {
    if (addr == 0)
        sim_fail_current(s, GMP_OUTCOME_PANIC, "runtime error: invalid memory address or nil pointer dereference");
    struct sim_sync *y = s->sync;
    int32_t lo = 0, hi = y ? y->count - 1 : -1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        sim_syncobj *o = y->objs[mid];
        if (o->addr == addr) {
            if (o->kind != kind) {
                char msg[160];
                snprintf(msg, sizeof msg, "gmpsim: a %s used as a %s", sim_sync_kind_name(o->kind), what);
                sim_fatal(s, msg);
            }
            return o;
        }
        if (o->addr < addr) lo = mid + 1;
        else hi = mid - 1;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "gmpsim: not a %s of this run (a handle from another run or made up)", what);
    sim_fatal(s, msg);
}

void sim_sync_free(sim_sched *s) {
    struct sim_sync *y = s->sync;
    if (y == NULL) return;
    for (int32_t i = 0; i < y->count; i++) free(y->objs[i]);
    free(y->objs);
    free(y);
    s->sync = NULL;
}

cJSON *sim_sync_event(sim_sched *s, const char *ev, const char *key, uint64_t addr) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, ev);
    if (o == NULL) return NULL;
    sim_trace_add_int(o, "g", s->curg >= 0 ? sim_g_at(s, s->curg)->goid : 0);
    sim_trace_add_addr(o, key, addr);
    return o;
}

sim_waitreason sim_sync_waitreason(sim_sched *s, sim_waitreason reason, int since_minor) {
    return s->opt.go_minor >= since_minor ? reason : SIM_WAIT_SEMACQUIRE;
}

void sim_sema_init(sim_sema *sema, uint64_t addr) {
    memset(sema, 0, sizeof *sema);
    sema->addr = addr;
}

void sim_mutex_init(sim_mutex *m, uint64_t addr) {
    m->addr = addr;
    m->state = 0;
    sim_sema_init(&m->sema, addr + 4);
}

/* ---- [SECTION] semaphores ---------------------------------------------------------- */

/* Models: runtime.(*semTable).rootFor: (addr>>3) % semTabSize; the root's nwait. */
static uint32_t *sim_root_nwait(sim_sched *s, const sim_sema *sema) {
    return &sim_sync_state(s)->nwait[(sema->addr >> 3) % SIM_SEMTABSIZE];
}

/* Models: runtime.cansemacquire (the CAS loop cannot fail: nothing runs in between). */
static bool sim_cansemacquire(sim_sema *sema) {
    if (sema->value == 0) return false;
    sema->value--;
    return true;
}

/* Models: runtime.(*semaRoot).queue. Differs: a FIFO per address instead of the treap
 * of addresses (its priorities are cheaprand draws that never change who is woken). */
static void sim_sema_queue(sim_sema *sema, sim_semawaiter *w, bool lifo) {
    w->waitlink = NULL;
    if (sema->head == NULL) {
        sema->head = sema->tail = w;
    } else if (lifo) { /* a re-waiter takes the head: it has waited longest */
        w->waitlink = sema->head;
        sema->head = w;
    } else {
        sema->tail->waitlink = w;
        sema->tail = w;
    }
}

/* Models: runtime.(*semaRoot).dequeue: the first waiter on addr, or NULL. */
static sim_semawaiter *sim_sema_dequeue(sim_sema *sema) {
    sim_semawaiter *w = sema->head;
    if (w == NULL) return NULL;
    sema->head = w->waitlink;
    if (sema->head == NULL) sema->tail = NULL;
    w->waitlink = NULL;
    return w;
}

/* Models: runtime.semacquire1 (sema.go). Differs: no block/mutex profiling; the
 * waiter record lives on the G's own stack instead of a sudog. */
void sim_semacquire1(sim_sched *s, sim_sema *sema, bool lifo, sim_waitreason reason, const char *why) {
    SIM_ASSERT(s->curg >= 0);
    if (sim_cansemacquire(sema)) return; /* easy case */
    sim_semawaiter w = {.g = s->curg, .ticket = 0, .waitlink = NULL};
    uint32_t *nwait = sim_root_nwait(s, sema);
    for (;;) {
        (*nwait)++; /* disables semrelease's easy case */
        if (sim_cansemacquire(sema)) {
            (*nwait)--;
            break;
        }
        sim_sema_queue(sema, &w, lifo);
        sim_gopark(s, reason, why);
        if (w.ticket != 0 || sim_cansemacquire(sema)) break;
    }
}

/* Models: runtime.semrelease1 (sema.go). With handoff, the woken waiter gets the count
 * (ticket 1) and this G yields to it (goyield): it runs next on this P, inheriting the
 * time slice. Differs: no mutex profiling. */
void sim_semrelease1(sim_sched *s, sim_sema *sema, bool handoff, const char *why) {
    uint32_t *nwait = sim_root_nwait(s, sema);
    sema->value++;
    if (*nwait == 0) return; /* easy case: no waiters on this root */
    sim_semawaiter *w = sim_sema_dequeue(sema);
    if (w == NULL) return;   /* the waiters are on other addresses of the root */
    (*nwait)--;
    if (w->ticket != 0) sim_throw("corrupted semaphore ticket");
    if (handoff && sim_cansemacquire(sema)) w->ticket = 1;
    uint32_t ticket = w->ticket; /* w is on the woken G's stack: read it before it can run */
    sim_goready(s, sim_g_at(s, w->g), why);
    if (ticket == 1) {
        sim_goyield(s, "semrelease1: direct handoff, goyield: the waiter in runnext runs next on this P");
        return;
    }
    sim_charge(s, SIM_COST_SEMA_NS);
}
