/* sim/mutex.c: sync.Mutex (sync/mutex.go; internal/sync/mutex.go from Go 1.24).
 *
 * The state word and its bits are the runtime's (mutexLocked, mutexWoken,
 * mutexStarving, waiter count from bit mutexWaiterShift). Normal mode: a woken
 * waiter competes with arriving goroutines (which may spin while canSpin) and requeues
 * at the head when it loses; a waiter that waited over starvationThresholdNs (1 ms of
 * virtual time) sets mutexStarving, and from then on Unlock hands the mutex straight to
 * the first waiter (Semrelease(handoff) + goyield) until a waiter that waited under
 * 1 ms, or the last one, clears it. With --go 1.8 and earlier the mutex has no
 * starvation mode (it arrived in Go 1.9).
 *
 * Every atomic of the Go code is one step here; the scheduling points are where the
 * Go code can be overtaken the most: each spin (procyield), each park, and the end
 * of Lock and Unlock.
 */
#include <stdlib.h>

#include "api.h"
#include "check.h"
#include "cost.h"
#include "race.h"
#include "run.h"
#include "runq.h"
#include "sema.h"

/* ---- [SECTION] events ---------------------------------------------------------------- */

static void sim_mutex_lock_event(sim_sched *s, const sim_mutex *m, const char *how, int64_t waited_ns,
                                 int spins) {
    cJSON *o = sim_sync_event(s, "MutexLock", "mutex", m->addr);
    if (o == NULL) return;
    cJSON_AddStringToObject(o, "how", how);
    sim_trace_add_int(o, "state", m->state);
    cJSON_AddBoolToObject(o, "starving", (m->state & SIM_MUTEX_STARVING) != 0);
    sim_trace_add_int(o, "waiters", m->state >> SIM_MUTEX_WAITER_SHIFT);
    sim_trace_add_int(o, "waited_ns", waited_ns);
    sim_trace_add_int(o, "spins", spins);
    sim_trace_emit(&s->trace, o);
}

static void sim_mutex_starving_event(sim_sched *s, const sim_mutex *m, bool starving, int64_t waited_ns,
                                     const char *why) {
    cJSON *o = sim_sync_event(s, "MutexStarving", "mutex", m->addr);
    if (o == NULL) return;
    cJSON_AddBoolToObject(o, "starving", starving);
    sim_trace_add_int(o, "state", m->state);
    sim_trace_add_int(o, "waited_ns", waited_ns);
    cJSON_AddStringToObject(o, "why", why);
    sim_trace_emit(&s->trace, o);
}

/* ---- [SECTION] spinning ---------------------------------------------------------------- */

/* Models: runtime.sync_runtime_canSpin (proc.go): iter < active_spin, a multicore
 * machine, GOMAXPROCS > npidle + nmspinning + 1 and an empty local run queue.
 * Differs: ncpu is taken to be GOMAXPROCS (the simulated machine has one CPU per P). */
static bool sim_canspin(sim_sched *s, int iter) {
    if (iter >= SIM_ACTIVE_SPIN || s->nprocs <= 1 || s->nprocs <= s->npidle + s->nmspinning + 1) return false;
    if (!sim_runqempty(sim_curp(s))) return false;
    return true;
}

/* Models: runtime.sync_runtime_doSpin: procyield(active_spin_cnt). A scheduling point:
 * the owner on another P may unlock meanwhile. */
static void sim_dospin(sim_sched *s) {
    sim_charge(s, SIM_COST_PROCYIELD_NS);
}

/* ---- [SECTION] Lock and Unlock ----------------------------------------------------------- */

/* Models: sync.(*Mutex).lockSlow (Go 1.9+). Differs: the CASes cannot fail (nothing runs
 * between the load of old and the CAS), and a throw ends the run as a fatal error. */
static void sim_mutex_lockslow(sim_sched *s, sim_mutex *m) {
    sim_waitreason reason = sim_sync_waitreason(s, SIM_WAIT_SYNC_MUTEX_LOCK, 20);
    int64_t wait_start_ns = 0; /* waitStartTime */
    int64_t first_ns = s->now_ns;
    bool starving = false, awoke = false;
    int iter = 0, spins = 0;
    const char *how = "slow";
    int32_t old = m->state;
    for (;;) {
        /* Don't spin in starvation mode: ownership is handed off to waiters. */
        if ((old & (SIM_MUTEX_LOCKED | SIM_MUTEX_STARVING)) == SIM_MUTEX_LOCKED && sim_canspin(s, iter)) {
            /* Set mutexWoken so that Unlock does not wake other blocked goroutines. */
            if (!awoke && (old & SIM_MUTEX_WOKEN) == 0 && (old >> SIM_MUTEX_WAITER_SHIFT) != 0 &&
                m->state == old) {
                m->state = old | SIM_MUTEX_WOKEN;
                awoke = true;
            }
            sim_dospin(s);
            iter++;
            spins++;
            old = m->state;
            continue;
        }
        int32_t new = old;
        if ((old & SIM_MUTEX_STARVING) == 0) new |= SIM_MUTEX_LOCKED; /* don't take a starving mutex */
        if ((old & (SIM_MUTEX_LOCKED | SIM_MUTEX_STARVING)) != 0) new += 1 << SIM_MUTEX_WAITER_SHIFT;
        /* Switch to starvation mode, unless the mutex is unlocked now. */
        if (starving && (old & SIM_MUTEX_LOCKED) != 0) new |= SIM_MUTEX_STARVING;
        if (awoke) {
            if ((new & SIM_MUTEX_WOKEN) == 0) sim_fatal(s, "sync: inconsistent mutex state");
            new &= ~SIM_MUTEX_WOKEN;
        }
        if (m->state != old) { /* CAS failed */
            old = m->state;
            continue;
        }
        m->state = new;
        if ((new & SIM_MUTEX_STARVING) && !(old & SIM_MUTEX_STARVING))
            sim_mutex_starving_event(s, m, true, s->now_ns - wait_start_ns,
                                     "lockSlow: a waiter waited over starvationThresholdNs (1ms): starvation mode");
        if ((old & (SIM_MUTEX_LOCKED | SIM_MUTEX_STARVING)) == 0) break; /* locked with CAS */
        /* If we were already waiting before, queue at the front of the queue. */
        bool queue_lifo = wait_start_ns != 0;
        if (wait_start_ns == 0) wait_start_ns = s->now_ns;
        sim_semacquire1(s, &m->sema, queue_lifo, reason,
                        queue_lifo ? "lockSlow: woken but lost the mutex again: requeue at the head (lifo)"
                                   : "lockSlow: the mutex is locked: wait on m.sema (FIFO)");
        starving = starving || s->now_ns - wait_start_ns > SIM_STARVATION_THRESHOLD_NS;
        old = m->state;
        if (old & SIM_MUTEX_STARVING) {
            /* Handed off in starvation mode: mutexLocked is not set and we are still
             * counted as a waiter. Fix that. */
            if ((old & (SIM_MUTEX_LOCKED | SIM_MUTEX_WOKEN)) != 0 || (old >> SIM_MUTEX_WAITER_SHIFT) == 0)
                sim_fatal(s, "sync: inconsistent mutex state");
            int32_t delta = SIM_MUTEX_LOCKED - (1 << SIM_MUTEX_WAITER_SHIFT);
            bool exit_starving = !starving || (old >> SIM_MUTEX_WAITER_SHIFT) == 1;
            if (exit_starving) delta -= SIM_MUTEX_STARVING;
            m->state += delta;
            how = "handoff";
            if (exit_starving)
                sim_mutex_starving_event(s, m, false, s->now_ns - wait_start_ns,
                                         !starving ? "lockSlow: handed off after waiting under 1ms: normal mode"
                                                   : "lockSlow: handed off to the last waiter: normal mode");
            break;
        }
        awoke = true;
        iter = 0;
    }
    sim_mutex_lock_event(s, m, how, s->now_ns - first_ns, spins);
}

/* Models: sync.(*Mutex).Lock before Go 1.9 (no starvation mode): FIFO semacquire with
 * the "semacquire" wait reason. Differs: as lockSlow. */
static void sim_mutex_lock_go18(sim_sched *s, sim_mutex *m) {
    int64_t first_ns = s->now_ns;
    bool awoke = false;
    int iter = 0, spins = 0;
    for (;;) {
        int32_t old = m->state;
        int32_t new = old | SIM_MUTEX_LOCKED;
        if (old & SIM_MUTEX_LOCKED) {
            if (sim_canspin(s, iter)) {
                if (!awoke && (old & SIM_MUTEX_WOKEN) == 0 && (old >> SIM_MUTEX_WAITER_SHIFT) != 0) {
                    m->state = old | SIM_MUTEX_WOKEN;
                    awoke = true;
                }
                sim_dospin(s);
                iter++;
                spins++;
                continue;
            }
            new = old + (1 << SIM_MUTEX_WAITER_SHIFT);
        }
        if (awoke) {
            if ((new & SIM_MUTEX_WOKEN) == 0) sim_fatal(s, "sync: inconsistent mutex state");
            new &= ~SIM_MUTEX_WOKEN;
        }
        m->state = new; /* the CAS succeeds: nothing ran since the load */
        if ((old & SIM_MUTEX_LOCKED) == 0) break;
        sim_semacquire1(s, &m->sema, false, SIM_WAIT_SEMACQUIRE,
                        "Mutex.Lock (go1.8): the mutex is locked: wait on m.sema");
        awoke = true;
        iter = 0;
    }
    sim_mutex_lock_event(s, m, "slow", s->now_ns - first_ns, spins);
}

/* Models: sync.(*Mutex).Lock: the fast path CAS(0, mutexLocked), else lockSlow. */
void sim_mutex_lock(sim_sched *s, sim_mutex *m) {
    if (m->state == 0) {
        m->state = SIM_MUTEX_LOCKED;
        sim_mutex_lock_event(s, m, "fast", 0, 0);
    } else if (s->opt.go_minor >= 9) {
        sim_mutex_lockslow(s, m);
    } else {
        sim_mutex_lock_go18(s, m);
    }
    sim_race_acquire(s, m->addr); /* race.Acquire(m): Unlock n happens before Lock n+1 */
    sim_charge(s, SIM_COST_SYNC_NS);
}

/* Unlock of an unlocked mutex: a throw in Go 1.8 and 1.10+ ("fatal error: ..."), a
 * recoverable panic in Go 1.7 and earlier and in 1.9 (golang/go#23039). */
static void sim_mutex_unlocked_fail(sim_sched *s) {
    int minor = s->opt.go_minor;
    if (minor == 8 || minor >= 10) sim_fatal(s, "sync: unlock of unlocked mutex");
    sim_fail_current(s, GMP_OUTCOME_PANIC, "sync: unlock of unlocked mutex");
}

/* Models: sync.(*Mutex).Unlock + unlockSlow. Normal mode: if there are waiters and
 * nobody is woken, take the right to wake one (mutexWoken) and Semrelease(false): the
 * waiter goes to this P's runnext and competes. Starving: Semrelease(true) hands the
 * mutex off and yields to it. */
void sim_mutex_unlock(sim_sched *s, sim_mutex *m) {
    sim_race_release(s, m->addr); /* race.Release(m) */
    int32_t new = m->state - SIM_MUTEX_LOCKED;
    if (((new + SIM_MUTEX_LOCKED) & SIM_MUTEX_LOCKED) == 0) sim_mutex_unlocked_fail(s);
    m->state = new;
    cJSON *o = sim_sync_event(s, "MutexUnlock", "mutex", m->addr);
    if (o) {
        sim_trace_add_int(o, "state", new);
        sim_trace_add_int(o, "waiters", new >> SIM_MUTEX_WAITER_SHIFT);
        cJSON_AddBoolToObject(o, "handoff", (new & SIM_MUTEX_STARVING) != 0);
        sim_trace_emit(&s->trace, o);
    }
    if (new != 0) { /* unlockSlow */
        if ((new & SIM_MUTEX_STARVING) == 0) {
            int32_t old = new;
            for (;;) {
                /* No waiters, or one was already woken or took the lock, or starving. */
                if ((old >> SIM_MUTEX_WAITER_SHIFT) == 0 ||
                    (old & (SIM_MUTEX_LOCKED | SIM_MUTEX_WOKEN | SIM_MUTEX_STARVING)) != 0)
                    break;
                new = (old - (1 << SIM_MUTEX_WAITER_SHIFT)) | SIM_MUTEX_WOKEN;
                if (m->state == old) {
                    m->state = new;
                    sim_semrelease1(s, &m->sema, false,
                                    "unlockSlow: wake one waiter (normal mode: it competes for the mutex)");
                    break;
                }
                old = m->state;
            }
        } else {
            sim_semrelease1(s, &m->sema, true,
                            "unlockSlow: starvation mode: hand the mutex off to the first waiter");
        }
    }
    sim_charge(s, SIM_COST_SYNC_NS);
}

/* ---- [SECTION] the API ------------------------------------------------------------------ */

/* Models: new(sync.Mutex): 8 bytes (state int32, sema uint32). */
gmp_mutex gmp_mutex_new_at(const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_sync_new(s, SIM_SYNC_MUTEX, 8);
    sim_mutex_init(&o->u.mutex, o->addr);
    sim_charge(s, SIM_COST_SYNC_NS);
    return (gmp_mutex){o->addr};
}

/* Models: sync.(*Mutex).Lock. */
void gmp_mutex_lock_at(gmp_mutex mu, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_sync_lookup(s, mu.addr, SIM_SYNC_MUTEX, "sync.Mutex");
    sim_mutex_lock(s, &o->u.mutex);
}

/* Models: sync.(*Mutex).Unlock. */
void gmp_mutex_unlock_at(gmp_mutex mu, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_sync_lookup(s, mu.addr, SIM_SYNC_MUTEX, "sync.Mutex");
    sim_mutex_unlock(s, &o->u.mutex);
}

/* Models: sync.(*Mutex).TryLock (Go 1.18+): fails if locked or starving. */
bool gmp_mutex_trylock_at(gmp_mutex mu, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_sync_lookup(s, mu.addr, SIM_SYNC_MUTEX, "sync.Mutex");
    sim_mutex *m = &o->u.mutex;
    int32_t old = m->state;
    bool ok = (old & (SIM_MUTEX_LOCKED | SIM_MUTEX_STARVING)) == 0;
    if (ok) {
        m->state = old | SIM_MUTEX_LOCKED;
        sim_mutex_lock_event(s, m, "trylock", 0, 0);
        sim_race_acquire(s, m->addr);
    }
    sim_charge(s, SIM_COST_SYNC_NS);
    return ok;
}
