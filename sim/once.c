/* sim/once.c: sync.Once (sync/once.go): a done flag and a Mutex. The first caller
 * runs f while holding the mutex; concurrent callers block on it ("sync.Mutex.Lock"
 * from Go 1.20) and return, without running f, once it is done. */
#include "api.h"
#include "check.h"
#include "cost.h"
#include "frame.h"
#include "race.h"
#include "run.h"
#include "sema.h"

/* Models: new(sync.Once): 12 bytes (done atomic.Uint32, m Mutex). */
gmp_once gmp_once_new_at(const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_sync_new(s, SIM_SYNC_ONCE, 12);
    sim_mutex_init(&o->u.once.m, o->addr + 4);
    sim_charge(s, SIM_COST_SYNC_NS);
    return (gmp_once){o->addr};
}

/* Models: sync.(*Once).Do + doSlow: f runs on the calling goroutine in a frame named
 * goname; done is set after f returns (the deferred Store), then the mutex is
 * unlocked. Differs: a panic in f ends the run (no recover), so done is never set by
 * a panicking f. */
void gmp_once_do_at(gmp_once once, gmp_func fn, const char *goname, void *arg, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_sync_lookup(s, once.addr, SIM_SYNC_ONCE, "sync.Once");
    bool ran = false;
    sim_race_acquire(s, o->addr); /* o.done.Load(): an atomic load acquires */
    if (o->u.once.done == 0) { /* doSlow */
        sim_mutex_lock(s, &o->u.once.m);
        if (o->u.once.done == 0) {
            sim_g *g = sim_g_at(s, s->curg);
            if (sim_frame_push(s, g, goname, NULL, 0, 0, file, line) != 0)
                sim_fatal(s, "runtime: goroutine stack exceeds the simulator's frame limit");
            int32_t depth = g->frame_count;
            fn(arg);
            g = sim_g_at(s, s->curg);
            if (g->frame_count != depth) sim_fatal(s, "gmpsim: unbalanced frames in a sync.Once function");
            sim_frame_pop(s, g);
            sim_race_release(s, o->addr); /* o.done.Store(1): f happens before every Do returns */
            o->u.once.done = 1;
            ran = true;
        }
        sim_mutex_unlock(s, &o->u.once.m);
    }
    cJSON *e = sim_sync_event(s, "OnceDo", "once", o->addr);
    if (e) {
        cJSON_AddBoolToObject(e, "ran", ran);
        sim_trace_emit(&s->trace, e);
    }
    sim_charge(s, SIM_COST_SYNC_NS);
}
