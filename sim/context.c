/* sim/context.c: the context package (context/context.go, Go 1.21+ shapes).
 *
 * Models: backgroundCtx, cancelCtx, timerCtx and valueCtx; propagateCancel (a child
 * registers with its nearest cancelable ancestor, or is canceled at once when that one
 * already is), cancelCtx.cancel (err set, Done closed or closedchan stored, children
 * canceled, removed from the parent), WithDeadline's time.AfterFunc, lazy Done channels,
 * Value walking up the chain, Deadline. Every context is a simulated heap object; its
 * mutex c.mu and its atomic c.done are sync objects of the race detector at their
 * field addresses (Lock acquires, Unlock releases, done.Load acquires, done.Store
 * releases), so the edges are the ones a -race binary sees.
 *
 * Differs: c.mu is never contended (nothing in the simulation runs between its Lock and
 * Unlock except the nested calls that Go also makes while holding it); the children of
 * a context are canceled in the order they were derived, where Go ranges over a map
 * (a random order); closedchan is made and closed when first needed, not at package
 * init (its close carries no happens-before edge, as if it were done before main);
 * no Cause, AfterFunc, WithoutCancel or foreign Context implementations.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "chan.h"
#include "check.h"
#include "cost.h"
#include "frame.h"
#include "race.h"
#include "run.h"

const char gmp_context_canceled[] = "context canceled";
const char gmp_context_deadline_exceeded[] = "context deadline exceeded";

/* ---- [SECTION] state -------------------------------------------------------------- */

typedef enum sim_ctx_kind {
    SIM_CTX_BACKGROUND = 0, /* backgroundCtx */
    SIM_CTX_CANCEL,         /* *cancelCtx */
    SIM_CTX_TIMER,          /* *timerCtx: a cancelCtx with a deadline and maybe a timer */
    SIM_CTX_VALUE,          /* *valueCtx */
} sim_ctx_kind;

enum { SIM_CTX_ERR_NONE = 0, SIM_CTX_ERR_CANCELED, SIM_CTX_ERR_DEADLINE };

/* Field offsets of cancelCtx (Context 16, mu 8, done atomic.Value 16, children 8, err
 * 16, cause 16): the race detector's sync objects for c.mu and c.done. */
enum { SIM_CTX_MU_OFF = 16, SIM_CTX_DONE_OFF = 24, SIM_CTX_CANCEL_SIZE = 96, SIM_CTX_TIMER_SIZE = 120,
       SIM_CTX_VALUE_SIZE = 48, SIM_CTX_FUNC_SIZE = 16 };

typedef struct sim_ctx {
    uint64_t addr;            /* simulated */
    sim_ctx_kind kind;
    int32_t parent;           /* index of c.Context, -1 for Background */
    int64_t key, value;       /* VALUE */
    uint64_t done;            /* CANCEL/TIMER: c.done, 0 until Done() or cancel */
    int32_t err;              /* SIM_CTX_ERR_* */
    int32_t *children;        /* registered with propagateCancel, in derivation order */
    int32_t nchildren, children_cap;
    int64_t deadline_ns;      /* TIMER */
    uint64_t timer;           /* TIMER: c.timer (a gmp_timer's address), 0 when none */
    uint64_t cancel_addr;     /* the CancelFunc closure returned with it, 0 when none */
    int32_t cancel_remove;    /* that closure's removeFromParent */
} sim_ctx;

static struct sim_ctx_state {
    sim_ctx *v;               /* in address order (allocated in that order) */
    int32_t n, cap;
    int32_t *funcs;           /* indices of contexts with a CancelFunc, in its address order */
    int32_t nfuncs, funcs_cap;
    int32_t background;       /* -1 until context.Background() is first called */
    uint64_t closedchan;      /* context's closedchan, 0 until needed */
} C;

void sim_context_begin(sim_sched *s) {
    (void)s;
    sim_context_end(s);
}

void sim_context_end(sim_sched *s) {
    (void)s;
    for (int32_t i = 0; i < C.n; i++) free(C.v[i].children);
    free(C.v);
    free(C.funcs);
    memset(&C, 0, sizeof C);
    C.background = -1;
}

/* ---- [SECTION] objects -------------------------------------------------------------- */

static sim_ctx *sim_ctx_at(int32_t ci) {
    SIM_ASSERT(ci >= 0 && ci < C.n);
    return &C.v[ci];
}

static int32_t sim_ctx_new(sim_sched *s, sim_ctx_kind kind, int32_t parent, uint64_t size_bytes) {
    if (C.n == C.cap) {
        int32_t cap = C.cap ? C.cap * 2 : 16;
        sim_ctx *v = realloc(C.v, (size_t)cap * sizeof *v);
        if (v == NULL) sim_fatal(s, "runtime: cannot allocate memory (context)");
        C.v = v;
        C.cap = cap;
    }
    int32_t ci = C.n++;
    sim_ctx *c = &C.v[ci];
    memset(c, 0, sizeof *c);
    c->addr = sim_heap_alloc(s, size_bytes);
    c->kind = kind;
    c->parent = parent;
    SIM_ASSERT(ci == 0 || C.v[ci - 1].addr < c->addr);
    return ci;
}

/* The context at a handle: nil is a nil pointer dereference, anything else not made by
 * this run a fatal error. Binary search: contexts are allocated in address order. */
static int32_t sim_ctx_lookup(sim_sched *s, gmp_context ctx) {
    if (ctx.addr == 0)
        sim_fail_current(s, GMP_OUTCOME_PANIC, "runtime error: invalid memory address or nil pointer dereference");
    int32_t lo = 0, hi = C.n - 1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (C.v[mid].addr == ctx.addr) return mid;
        if (C.v[mid].addr < ctx.addr) lo = mid + 1;
        else hi = mid - 1;
    }
    sim_fatal(s, "gmpsim: not a context of this run (a gmp_context from another run or made up)");
}

static int32_t sim_ctx_func_lookup(sim_sched *s, gmp_cancel_func f) {
    if (f.addr == 0)
        sim_fail_current(s, GMP_OUTCOME_PANIC, "runtime error: invalid memory address or nil pointer dereference");
    int32_t lo = 0, hi = C.nfuncs - 1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        uint64_t a = C.v[C.funcs[mid]].cancel_addr;
        if (a == f.addr) return C.funcs[mid];
        if (a < f.addr) lo = mid + 1;
        else hi = mid - 1;
    }
    sim_fatal(s, "gmpsim: not a context.CancelFunc of this run");
}

/* The CancelFunc closure: func() { c.cancel(remove, Canceled, nil) }. */
static gmp_cancel_func sim_ctx_func_new(sim_sched *s, int32_t ci, bool remove) {
    if (C.nfuncs == C.funcs_cap) {
        int32_t cap = C.funcs_cap ? C.funcs_cap * 2 : 16;
        int32_t *f = realloc(C.funcs, (size_t)cap * sizeof *f);
        if (f == NULL) sim_fatal(s, "runtime: cannot allocate memory (context)");
        C.funcs = f;
        C.funcs_cap = cap;
    }
    sim_ctx *c = sim_ctx_at(ci);
    c->cancel_addr = sim_heap_alloc(s, SIM_CTX_FUNC_SIZE);
    c->cancel_remove = remove;
    SIM_ASSERT(C.nfuncs == 0 || C.v[C.funcs[C.nfuncs - 1]].cancel_addr < c->cancel_addr);
    C.funcs[C.nfuncs++] = ci;
    return (gmp_cancel_func){c->cancel_addr};
}

static const char *sim_ctx_err_string(int32_t err) {
    if (err == SIM_CTX_ERR_CANCELED) return gmp_context_canceled;
    if (err == SIM_CTX_ERR_DEADLINE) return gmp_context_deadline_exceeded;
    return NULL;
}

static void sim_ctx_event(sim_sched *s, const char *ev, int32_t ci) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, ev);
    if (o == NULL) return;
    const sim_ctx *c = sim_ctx_at(ci);
    static const char *const kinds[] = {"background", "cancel", "timer", "value"};
    sim_trace_add_int(o, "g", sim_g_at(s, s->curg)->goid);
    sim_trace_add_addr(o, "ctx", c->addr);
    if (strcmp(ev, "ContextNew") == 0) {
        cJSON_AddStringToObject(o, "kind", kinds[c->kind]);
        sim_trace_add_addr(o, "parent", c->parent >= 0 ? sim_ctx_at(c->parent)->addr : 0);
        if (c->kind == SIM_CTX_VALUE) {
            sim_trace_add_int(o, "key", c->key);
            sim_trace_add_int(o, "value", c->value);
        }
        if (c->kind == SIM_CTX_TIMER) sim_trace_add_int(o, "deadline", c->deadline_ns);
    } else {
        cJSON_AddStringToObject(o, "err", sim_ctx_err_string(c->err));
        sim_trace_add_int(o, "children", c->nchildren);
    }
    sim_trace_emit(&s->trace, o);
}

/* c.mu.Lock / Unlock, as the race detector sees them. The critical sections here
 * contain scheduling points (making or closing a channel) and nothing excludes another
 * goroutine meanwhile, so Unlock merges into the mutex's clock instead of storing it:
 * under real exclusion the two are the same (each holder acquired the previous one's
 * clock), and here no overlapping holder's clock is lost. */
static void sim_ctx_lock(sim_sched *s, int32_t ci) {
    sim_race_acquire(s, sim_ctx_at(ci)->addr + SIM_CTX_MU_OFF);
}
static void sim_ctx_unlock(sim_sched *s, int32_t ci) {
    sim_race_release_merge(s, sim_ctx_at(ci)->addr + SIM_CTX_MU_OFF);
}

/* ---- [SECTION] Done, Err, Value, Deadline -------------------------------------------- */

/* Models: cancelCtx.Done: done.Load, else make the channel under c.mu; valueCtx and
 * backgroundCtx delegate / return nil. Makes the channel with the caller's file:line. */
static uint64_t sim_ctx_done(sim_sched *s, int32_t ci, const char *file, int line) {
    for (int guard = 0; sim_ctx_at(ci)->kind == SIM_CTX_VALUE; guard++) {
        SIM_ASSERT(guard <= C.n);
        ci = sim_ctx_at(ci)->parent;
    }
    if (sim_ctx_at(ci)->kind == SIM_CTX_BACKGROUND) return 0;
    uint64_t done_addr = sim_ctx_at(ci)->addr + SIM_CTX_DONE_OFF;
    sim_race_acquire(s, done_addr); /* done.Load() */
    if (sim_ctx_at(ci)->done != 0) return sim_ctx_at(ci)->done;
    sim_ctx_lock(s, ci);
    gmp_chan d = gmp_make_chan_at(0, 0, file, line); /* make(chan struct{}) */
    /* Making it was a scheduling point: a cancel or another Done that Go's c.mu would
     * have held off may have stored a channel meanwhile; that one is the answer. */
    if (sim_ctx_at(ci)->done == 0) {
        sim_ctx_at(ci)->done = d.addr;
        sim_race_release(s, done_addr); /* done.Store(d) */
    }
    sim_ctx_unlock(s, ci);
    return sim_ctx_at(ci)->done;
}

/* Models: cancelCtx.Err (under c.mu); valueCtx delegates; background is never canceled. */
static int32_t sim_ctx_err(sim_sched *s, int32_t ci) {
    for (int guard = 0; sim_ctx_at(ci)->kind == SIM_CTX_VALUE; guard++) {
        SIM_ASSERT(guard <= C.n);
        ci = sim_ctx_at(ci)->parent;
    }
    if (sim_ctx_at(ci)->kind == SIM_CTX_BACKGROUND) return SIM_CTX_ERR_NONE;
    sim_ctx_lock(s, ci);
    int32_t err = sim_ctx_at(ci)->err;
    sim_ctx_unlock(s, ci);
    return err;
}

/* Models: value(c, key): valueCtx compares its key, the others ask their parent.
 * cancel_key asks for the nearest cancelCtx (Value(&cancelCtxKey)): its index. */
static int32_t sim_ctx_value(int32_t ci, bool cancel_key, int64_t key, int64_t *value) {
    for (int guard = 0; ci >= 0; guard++) {
        SIM_ASSERT(guard <= C.n);
        const sim_ctx *c = sim_ctx_at(ci);
        if (c->kind == SIM_CTX_BACKGROUND) return -1;
        if (c->kind == SIM_CTX_VALUE && !cancel_key && c->key == key) {
            *value = c->value;
            return ci;
        }
        if (c->kind != SIM_CTX_VALUE && cancel_key) return ci;
        ci = c->parent;
    }
    return -1;
}

static bool sim_ctx_deadline(int32_t ci, int64_t *deadline_ns) {
    for (int guard = 0; ci >= 0; guard++) {
        SIM_ASSERT(guard <= C.n);
        const sim_ctx *c = sim_ctx_at(ci);
        if (c->kind == SIM_CTX_TIMER) {
            *deadline_ns = c->deadline_ns;
            return true;
        }
        ci = c->parent;
    }
    return false;
}

/* ---- [SECTION] cancel ------------------------------------------------------------------ */

/* The run's closedchan: a reusable closed channel. Its close carries no happens-before
 * edge (race.Disable), as if it were done in the package's init before main. */
static uint64_t sim_ctx_closedchan(sim_sched *s, const char *file, int line) {
    if (C.closedchan == 0) {
        gmp_chan c = gmp_make_chan_at(0, 0, file, line);
        sim_race_disable(s);
        gmp_close_at(c, file, line);
        sim_race_enable(s);
        C.closedchan = c.addr;
    }
    return C.closedchan;
}

/* Models: parentCancelCtx: the nearest *cancelCtx whose done is parent.Done(). */
static int32_t sim_ctx_parent_cancel(sim_sched *s, int32_t parent, const char *file, int line) {
    uint64_t done = sim_ctx_done(s, parent, file, line);
    if (done == 0 || done == C.closedchan) return -1;
    int64_t unused = 0;
    int32_t p = sim_ctx_value(parent, true, 0, &unused);
    if (p < 0) return -1;
    sim_race_acquire(s, sim_ctx_at(p)->addr + SIM_CTX_DONE_OFF); /* p.done.Load() */
    return sim_ctx_at(p)->done == done ? p : -1;
}

/* Models: removeChild. */
static void sim_ctx_remove_child(sim_sched *s, int32_t parent, int32_t child, const char *file, int line) {
    int32_t p = sim_ctx_parent_cancel(s, parent, file, line);
    if (p < 0) return;
    sim_ctx_lock(s, p);
    sim_ctx *pc = sim_ctx_at(p);
    for (int32_t i = 0; i < pc->nchildren; i++) {
        if (pc->children[i] != child) continue;
        memmove(&pc->children[i], &pc->children[i + 1], (size_t)(pc->nchildren - i - 1) * sizeof *pc->children);
        pc->nchildren--;
        break;
    }
    sim_ctx_unlock(s, p);
}

static void sim_ctx_cancel(sim_sched *s, int32_t ci, bool remove_from_parent, int32_t err, const char *file,
                           int line);

/* Models: cancelCtx.cancel: the first call sets err, closes done (or stores closedchan),
 * cancels the children, and unregisters from the parent. */
static void sim_ctx_cancel_cancelctx(sim_sched *s, int32_t ci, bool remove_from_parent, int32_t err,
                                     const char *file, int line) {
    SIM_ASSERT(err != SIM_CTX_ERR_NONE);
    sim_ctx_lock(s, ci);
    if (sim_ctx_at(ci)->err != SIM_CTX_ERR_NONE) {
        sim_ctx_unlock(s, ci);
        return; /* already canceled */
    }
    sim_ctx_at(ci)->err = err;
    /* Err and Done callers that see err must see everything before it: in Go they wait
     * on c.mu until the Unlock below; here they may run at the next scheduling point. */
    sim_race_release_merge(s, sim_ctx_at(ci)->addr + SIM_CTX_MU_OFF);
    uint64_t done_addr = sim_ctx_at(ci)->addr + SIM_CTX_DONE_OFF;
    sim_race_acquire(s, done_addr); /* done.Load() */
    uint64_t closed = sim_ctx_at(ci)->done == 0 ? sim_ctx_closedchan(s, file, line) : 0;
    if (sim_ctx_at(ci)->done == 0) { /* (re-checked: making closedchan was a scheduling point) */
        sim_ctx_at(ci)->done = closed;
        sim_race_release(s, done_addr); /* done.Store(closedchan) */
    } else if (sim_ctx_at(ci)->done != C.closedchan) {
        gmp_close_at((gmp_chan){sim_ctx_at(ci)->done}, file, line);
    }
    sim_ctx_event(s, "ContextCancel", ci);
    /* Under c.mu nobody adds a child: work on a snapshot, since the children's cancels
     * are scheduling points. */
    int32_t n = sim_ctx_at(ci)->nchildren;
    int32_t *kids = n ? malloc((size_t)n * sizeof *kids) : NULL;
    if (n && kids == NULL) sim_fatal(s, "runtime: cannot allocate memory (context)");
    if (n) memcpy(kids, sim_ctx_at(ci)->children, (size_t)n * sizeof *kids);
    sim_ctx_at(ci)->nchildren = 0; /* c.children = nil */
    for (int32_t i = 0; i < n; i++) sim_ctx_cancel(s, kids[i], false, err, file, line);
    free(kids);
    sim_ctx_unlock(s, ci);
    if (remove_from_parent) sim_ctx_remove_child(s, sim_ctx_at(ci)->parent, ci, file, line);
}

/* Models: (*cancelCtx).cancel and (*timerCtx).cancel, which also stops its timer. */
static void sim_ctx_cancel(sim_sched *s, int32_t ci, bool remove_from_parent, int32_t err, const char *file,
                           int line) {
    if (sim_ctx_at(ci)->kind == SIM_CTX_CANCEL) {
        sim_ctx_cancel_cancelctx(s, ci, remove_from_parent, err, file, line);
        return;
    }
    SIM_ASSERT(sim_ctx_at(ci)->kind == SIM_CTX_TIMER);
    sim_ctx_cancel_cancelctx(s, ci, false, err, file, line);
    if (remove_from_parent) sim_ctx_remove_child(s, sim_ctx_at(ci)->parent, ci, file, line);
    sim_ctx_lock(s, ci);
    uint64_t timer = sim_ctx_at(ci)->timer;
    sim_ctx_at(ci)->timer = 0;
    if (timer != 0) gmp_timer_stop_at((gmp_timer){timer}, file, line);
    sim_ctx_unlock(s, ci);
}

/* Models: cancelCtx.propagateCancel: a parent that can never be canceled needs nothing;
 * a canceled one cancels the child now; else the child joins its children. */
static void sim_ctx_propagate(sim_sched *s, int32_t child, int32_t parent, const char *file, int line) {
    uint64_t done = sim_ctx_done(s, parent, file, line);
    if (done == 0) return; /* parent is never canceled */
    sim_hchan *dc = sim_chan_lookup(s, (gmp_chan){done});
    if (dc->closed && dc->qcount == 0) { /* select { case <-done: ...; default: } */
        sim_race_chan_recv_closed(s, dc);
        sim_ctx_cancel(s, child, false, sim_ctx_err(s, parent), file, line);
        return;
    }
    int32_t p = sim_ctx_parent_cancel(s, parent, file, line);
    SIM_ASSERT(p >= 0); /* every parent here is one of ours */
    sim_ctx_lock(s, p);
    if (sim_ctx_at(p)->err != SIM_CTX_ERR_NONE) {
        int32_t err = sim_ctx_at(p)->err;
        sim_ctx_cancel(s, child, false, err, file, line);
    } else {
        sim_ctx *pc = sim_ctx_at(p);
        if (pc->nchildren == pc->children_cap) {
            int32_t cap = pc->children_cap ? pc->children_cap * 2 : 4;
            int32_t *k = realloc(pc->children, (size_t)cap * sizeof *k);
            if (k == NULL) sim_fatal(s, "runtime: cannot allocate memory (context)");
            pc->children = k;
            pc->children_cap = cap;
        }
        pc->children[pc->nchildren++] = child;
    }
    sim_ctx_unlock(s, p);
}

/* ---- [SECTION] the API ------------------------------------------------------------------ */

static int32_t sim_ctx_parent_of(sim_sched *s, gmp_context parent) {
    if (parent.addr == 0) sim_fail_current(s, GMP_OUTCOME_PANIC, "cannot create context from nil parent");
    return sim_ctx_lookup(s, parent);
}

/* Models: context.Background(): one backgroundCtx per run. */
gmp_context gmp_context_background_at(const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    if (C.background < 0) {
        C.background = sim_ctx_new(s, SIM_CTX_BACKGROUND, -1, 16);
        sim_ctx_event(s, "ContextNew", C.background);
    }
    return (gmp_context){sim_ctx_at(C.background)->addr};
}

/* Models: context.WithCancel: newCancelCtx + propagateCancel; cancel removes it from
 * its parent. */
gmp_context gmp_context_with_cancel_at(gmp_context parent, gmp_cancel_func *cancel, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    int32_t p = sim_ctx_parent_of(s, parent);
    int32_t ci = sim_ctx_new(s, SIM_CTX_CANCEL, p, SIM_CTX_CANCEL_SIZE);
    gmp_cancel_func f = sim_ctx_func_new(s, ci, true);
    sim_ctx_event(s, "ContextNew", ci);
    sim_ctx_propagate(s, ci, p, file, line);
    if (cancel) *cancel = f;
    sim_charge(s, SIM_COST_SYNC_NS);
    return (gmp_context){sim_ctx_at(ci)->addr};
}

/* The AfterFunc of WithDeadline: func() { c.cancel(true, DeadlineExceeded, cause) }. */
static void sim_ctx_timer_fired(void *argp) {
    int64_t addr = 0;
    memcpy(&addr, argp, sizeof addr);
    sim_sched *s = sim_api_enter("context/context.go", 0);
    int32_t ci = sim_ctx_lookup(s, (gmp_context){(uint64_t)addr});
    sim_ctx_cancel(s, ci, true, SIM_CTX_ERR_DEADLINE, "context/context.go", 0);
}

/* Models: context.WithDeadline(Cause): WithCancel when the parent's deadline is sooner;
 * a deadline already passed cancels at once; else time.AfterFunc(dur) cancels it. */
gmp_context gmp_context_with_deadline_at(gmp_context parent, int64_t deadline_ns, gmp_cancel_func *cancel,
                                         const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    int32_t p = sim_ctx_parent_of(s, parent);
    int64_t cur = 0;
    if (sim_ctx_deadline(p, &cur) && cur < deadline_ns) /* the current deadline is already sooner */
        return gmp_context_with_cancel_at(parent, cancel, file, line);
    int32_t ci = sim_ctx_new(s, SIM_CTX_TIMER, p, SIM_CTX_TIMER_SIZE);
    sim_ctx_at(ci)->deadline_ns = deadline_ns;
    sim_ctx_event(s, "ContextNew", ci);
    sim_ctx_propagate(s, ci, p, file, line);
    int64_t dur = deadline_ns - s->now_ns;
    if (dur <= 0) {
        sim_ctx_cancel(s, ci, true, SIM_CTX_ERR_DEADLINE, file, line); /* deadline has already passed */
        gmp_cancel_func f = sim_ctx_func_new(s, ci, false);
        if (cancel) *cancel = f;
        return (gmp_context){sim_ctx_at(ci)->addr};
    }
    sim_ctx_lock(s, ci);
    if (sim_ctx_at(ci)->err == SIM_CTX_ERR_NONE) {
        const char *fn = s->opt.go_minor >= 21 ? "context.WithDeadlineCause.func2" : "context.WithDeadline.func2";
        gmp_timer t = gmp_after_func_at(dur, sim_ctx_timer_fired, fn, (int64_t)sim_ctx_at(ci)->addr, file, line);
        sim_ctx_at(ci)->timer = t.addr;
    }
    sim_ctx_unlock(s, ci);
    gmp_cancel_func f = sim_ctx_func_new(s, ci, true);
    if (cancel) *cancel = f;
    sim_charge(s, SIM_COST_SYNC_NS);
    return (gmp_context){sim_ctx_at(ci)->addr};
}

/* Models: context.WithValue: panics "nil key" for the nil key. */
gmp_context gmp_context_with_value_at(gmp_context parent, int64_t key, int64_t value, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    int32_t p = sim_ctx_parent_of(s, parent);
    if (key == 0) sim_fail_current(s, GMP_OUTCOME_PANIC, "nil key");
    int32_t ci = sim_ctx_new(s, SIM_CTX_VALUE, p, SIM_CTX_VALUE_SIZE);
    sim_ctx_at(ci)->key = key;
    sim_ctx_at(ci)->value = value;
    sim_ctx_event(s, "ContextNew", ci);
    sim_charge(s, SIM_COST_SYNC_NS);
    return (gmp_context){sim_ctx_at(ci)->addr};
}

/* Models: calling a CancelFunc: c.cancel(removeFromParent, Canceled, nil). */
void gmp_context_cancel_at(gmp_cancel_func cancel, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    int32_t ci = sim_ctx_func_lookup(s, cancel);
    sim_ctx_cancel(s, ci, sim_ctx_at(ci)->cancel_remove != 0, SIM_CTX_ERR_CANCELED, file, line);
    sim_charge(s, SIM_COST_SYNC_NS);
}

gmp_chan gmp_context_done_at(gmp_context ctx, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    int32_t ci = sim_ctx_lookup(s, ctx);
    uint64_t d = sim_ctx_done(s, ci, file, line);
    sim_charge(s, SIM_COST_SYNC_NS);
    return (gmp_chan){d};
}

const char *gmp_context_err_at(gmp_context ctx, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    int32_t err = sim_ctx_err(s, sim_ctx_lookup(s, ctx));
    sim_charge(s, SIM_COST_SYNC_NS);
    return sim_ctx_err_string(err);
}

bool gmp_context_value_at(gmp_context ctx, int64_t key, int64_t *value, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    int32_t ci = sim_ctx_lookup(s, ctx);
    int64_t v = 0;
    bool ok = sim_ctx_value(ci, false, key, &v) >= 0;
    if (value) *value = ok ? v : 0;
    sim_charge(s, SIM_COST_VAR_NS);
    return ok;
}

bool gmp_context_deadline_at(gmp_context ctx, int64_t *deadline_ns, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    int64_t d = 0;
    bool ok = sim_ctx_deadline(sim_ctx_lookup(s, ctx), &d);
    if (deadline_ns) *deadline_ns = ok ? d : 0;
    sim_charge(s, SIM_COST_VAR_NS);
    return ok;
}
