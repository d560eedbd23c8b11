/* sim/waitgroup.c: sync.WaitGroup (sync/waitgroup.go).
 *
 * One 64-bit state word: the counter in the high 32 bits, the number of waiters in
 * the low 32. The Add that brings the counter to zero with waiters resets the word
 * and releases each waiter through the semaphore; the runtime's misuse checks and
 * their panics are kept word for word. Between that Add's atomic and its check of the
 * word there is a scheduling point, the window in which a concurrent Add (misuse)
 * can be seen, as on a real machine.
 */
#include "api.h"
#include "check.h"
#include "cost.h"
#include "race.h"
#include "run.h"
#include "sema.h"

static sim_syncobj *sim_wg_lookup(sim_sched *s, gmp_waitgroup wg) {
    return sim_sync_lookup(s, wg.addr, SIM_SYNC_WAITGROUP, "sync.WaitGroup");
}

/* Models: new(sync.WaitGroup): 16 bytes (noCopy, state atomic.Uint64, sema uint32). */
gmp_waitgroup gmp_waitgroup_new_at(const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_sync_new(s, SIM_SYNC_WAITGROUP, 16);
    sim_sema_init(&o->u.wg.sema, o->addr + 8);
    sim_charge(s, SIM_COST_SYNC_NS);
    return (gmp_waitgroup){o->addr};
}

/* Models: sync.(*WaitGroup).Add (waitgroup.go). Differs: a scheduling point between the atomic
 * add and the check of the word (the window where a concurrent Add is misuse). */
void gmp_waitgroup_add_at(gmp_waitgroup wg, int64_t delta, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_wg_lookup(s, wg);
    if (delta < 0) sim_race_release_merge(s, o->addr); /* Done happens before Wait returns */
    uint64_t state = (o->u.wg.state += (uint64_t)delta << 32);
    int32_t v = (int32_t)(state >> 32);
    uint32_t w = (uint32_t)state;
    if (delta > 0 && v == (int32_t)delta) /* the first increment must be synchronized with Wait */
        sim_race_access(s, o->addr + 8, "wg.sema", false, "sync.(*WaitGroup).Add", "sync/waitgroup.go",
                        SIM_RACE_RUNTIME_LINE);
    cJSON *e = sim_sync_event(s, "WaitGroupAdd", "waitgroup", o->addr);
    if (e) {
        sim_trace_add_int(e, "delta", delta);
        sim_trace_add_int(e, "counter", v);
        sim_trace_add_int(e, "waiters", w);
        sim_trace_emit(&s->trace, e);
    }
    if (v < 0) sim_fail_current(s, GMP_OUTCOME_PANIC, "sync: negative WaitGroup counter");
    if (w != 0 && delta > 0 && v == (int32_t)delta)
        sim_fail_current(s, GMP_OUTCOME_PANIC, "sync: WaitGroup misuse: Add called concurrently with Wait");
    if (v > 0 || w == 0) {
        sim_charge(s, SIM_COST_SYNC_NS);
        return;
    }
    /* This G set the counter to 0 with waiters: no Add or Wait may run now. The
     * runtime's cheap sanity check, after the window in which one still could. */
    sim_charge(s, SIM_COST_SYNC_NS);
    if (o->u.wg.state != state)
        sim_fail_current(s, GMP_OUTCOME_PANIC, "sync: WaitGroup misuse: Add called concurrently with Wait");
    o->u.wg.state = 0; /* reset the waiters count */
    for (; w != 0; w--)
        sim_semrelease1(s, &o->u.wg.sema, false, "WaitGroup.Add: the counter is zero: release a waiter");
}

/* Models: sync.(*WaitGroup).Done: Add(-1). */
void gmp_waitgroup_done_at(gmp_waitgroup wg, const char *file, int line) {
    gmp_waitgroup_add_at(wg, -1, file, line);
}

/* Models: sync.(*WaitGroup).Wait: returns at once when the counter is zero, else
 * counts itself as a waiter and blocks on the semaphore ("sync.WaitGroup.Wait" from
 * Go 1.24, "semacquire" before). */
void gmp_waitgroup_wait_at(gmp_waitgroup wg, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_wg_lookup(s, wg);
    bool blocked = false;
    uint64_t state = o->u.wg.state;
    int32_t v = (int32_t)(state >> 32);
    if (v != 0) {
        o->u.wg.state = state + 1; /* the CAS succeeds: nothing ran since the load */
        blocked = true;
        if ((uint32_t)state == 0) /* Wait must be synchronized with the first Add */
            sim_race_access(s, o->addr + 8, "wg.sema", true, "sync.(*WaitGroup).Wait", "sync/waitgroup.go",
                            SIM_RACE_RUNTIME_LINE);
        sim_semacquire1(s, &o->u.wg.sema, false, sim_sync_waitreason(s, SIM_WAIT_SYNC_WAITGROUP_WAIT, 24),
                        "WaitGroup.Wait: the counter is not zero: wait on wg.sema");
        if (o->u.wg.state != 0)
            sim_fail_current(s, GMP_OUTCOME_PANIC, "sync: WaitGroup is reused before previous Wait has returned");
    }
    sim_race_acquire(s, o->addr); /* race.Acquire(wg) */
    cJSON *e = sim_sync_event(s, "WaitGroupWait", "waitgroup", o->addr);
    if (e) {
        cJSON_AddBoolToObject(e, "blocked", blocked);
        sim_trace_add_int(e, "counter", (int32_t)(o->u.wg.state >> 32));
        sim_trace_emit(&s->trace, e);
    }
    sim_charge(s, SIM_COST_SYNC_NS);
}
