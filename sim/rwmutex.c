/* sim/rwmutex.c: sync.RWMutex (sync/rwmutex.go), writer-preferring.
 *
 * A writer first takes w (a Mutex, so writers queue there with "sync.Mutex.Lock"),
 * then announces itself by subtracting rwmutexMaxReaders from readerCount: from then
 * on every new RLock sees a negative count and blocks on readerSem, and the writer
 * waits on writerSem for the readerWait readers already in. The last of those readers
 * releases the writer; Unlock releases the readers that arrived meanwhile, then w.
 */
#include "api.h"
#include "check.h"
#include "cost.h"
#include "race.h"
#include "run.h"
#include "sema.h"

#define SIM_RW(o) (&(o)->u.rw)

static void sim_rw_event(sim_sched *s, const char *ev, const sim_syncobj *o, const char *mode, const char *how) {
    cJSON *e = sim_sync_event(s, ev, "rwmutex", o->addr);
    if (e == NULL) return;
    cJSON_AddStringToObject(e, "mode", mode);
    if (how) cJSON_AddStringToObject(e, "how", how);
    sim_trace_add_int(e, "reader_count", o->u.rw.reader_count);
    sim_trace_add_int(e, "reader_wait", o->u.rw.reader_wait);
    sim_trace_emit(&s->trace, e);
}

/* RWMutex misuse: a throw from Go 1.8 ("fatal error: ..."), a panic before. */
static void sim_rw_misuse(sim_sched *s, const char *msg) {
    if (s->opt.go_minor >= 8) sim_fatal(s, msg);
    sim_fail_current(s, GMP_OUTCOME_PANIC, msg);
}

static sim_syncobj *sim_rw_lookup(sim_sched *s, gmp_rwmutex rw) {
    return sim_sync_lookup(s, rw.addr, SIM_SYNC_RWMUTEX, "sync.RWMutex");
}

/* Models: new(sync.RWMutex): 24 bytes (w Mutex, writerSem, readerSem, readerCount,
 * readerWait). */
gmp_rwmutex gmp_rwmutex_new_at(const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_sync_new(s, SIM_SYNC_RWMUTEX, 24);
    sim_mutex_init(&o->u.rw.w, o->addr);
    sim_sema_init(&o->u.rw.writer_sem, o->addr + 8);
    sim_sema_init(&o->u.rw.reader_sem, o->addr + 12);
    sim_charge(s, SIM_COST_SYNC_NS);
    return (gmp_rwmutex){o->addr};
}

/* Models: sync.(*RWMutex).RLock: readerCount+1; negative means a writer is pending or
 * active, so wait on readerSem ("sync.RWMutex.RLock" from Go 1.20). */
void gmp_rwmutex_rlock_at(gmp_rwmutex rw, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_rw_lookup(s, rw);
    const char *how = "fast";
    if (++SIM_RW(o)->reader_count < 0) {
        how = "slow";
        sim_semacquire1(s, &SIM_RW(o)->reader_sem, false, sim_sync_waitreason(s, SIM_WAIT_SYNC_RWMUTEX_RLOCK, 20),
                        "RLock: a writer is pending: wait on readerSem");
    }
    sim_rw_event(s, "RWMutexLock", o, "r", how);
    sim_race_acquire(s, o->addr + 12); /* race.Acquire(&rw.readerSem) */
    sim_charge(s, SIM_COST_SYNC_NS);
}

/* Models: sync.(*RWMutex).TryRLock (Go 1.18+). */
bool gmp_rwmutex_tryrlock_at(gmp_rwmutex rw, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_rw_lookup(s, rw);
    bool ok = SIM_RW(o)->reader_count >= 0;
    if (ok) {
        SIM_RW(o)->reader_count++;
        sim_rw_event(s, "RWMutexLock", o, "r", "trylock");
        sim_race_acquire(s, o->addr + 12);
    }
    sim_charge(s, SIM_COST_SYNC_NS);
    return ok;
}

/* Models: sync.(*RWMutex).RUnlock + rUnlockSlow: with a writer pending, the last
 * reader it waits for releases writerSem. */
void gmp_rwmutex_runlock_at(gmp_rwmutex rw, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_rw_lookup(s, rw);
    sim_race_release_merge(s, o->addr + 8); /* race.ReleaseMerge(&rw.writerSem) */
    int32_t r = --SIM_RW(o)->reader_count;
    if (r < 0) {
        if (r + 1 == 0 || r + 1 == -SIM_RWMUTEX_MAX_READERS) {
            SIM_RW(o)->reader_count++;
            sim_rw_misuse(s, "sync: RUnlock of unlocked RWMutex");
        }
        sim_rw_event(s, "RWMutexUnlock", o, "r", NULL);
        if (--SIM_RW(o)->reader_wait == 0)
            sim_semrelease1(s, &SIM_RW(o)->writer_sem, false, "rUnlockSlow: the last reader releases the writer");
    } else {
        sim_rw_event(s, "RWMutexUnlock", o, "r", NULL);
    }
    sim_charge(s, SIM_COST_SYNC_NS);
}

/* Models: sync.(*RWMutex).Lock: w.Lock, announce the writer (readerCount -=
 * rwmutexMaxReaders), wait for the active readers on writerSem ("sync.RWMutex.Lock"
 * from Go 1.20). */
void gmp_rwmutex_lock_at(gmp_rwmutex rw, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_rw_lookup(s, rw);
    sim_race_disable(s); /* race.Disable: w's own annotations are not RWMutex's */
    sim_mutex_lock(s, &SIM_RW(o)->w); /* resolve competition with other writers */
    int32_t r = (SIM_RW(o)->reader_count -= SIM_RWMUTEX_MAX_READERS) + SIM_RWMUTEX_MAX_READERS;
    const char *how = "fast";
    if (r != 0 && (SIM_RW(o)->reader_wait += r) != 0) {
        how = "slow";
        sim_semacquire1(s, &SIM_RW(o)->writer_sem, false, sim_sync_waitreason(s, SIM_WAIT_SYNC_RWMUTEX_LOCK, 20),
                        "RWMutex.Lock: wait for the active readers on writerSem");
    }
    sim_rw_event(s, "RWMutexLock", o, "w", how);
    sim_race_enable(s);
    sim_race_acquire(s, o->addr + 12); /* race.Acquire(&rw.readerSem) */
    sim_race_acquire(s, o->addr + 8);  /* race.Acquire(&rw.writerSem) */
    sim_charge(s, SIM_COST_SYNC_NS);
}

/* Models: sync.(*RWMutex).TryLock (Go 1.18+). */
bool gmp_rwmutex_trylock_at(gmp_rwmutex rw, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_rw_lookup(s, rw);
    sim_mutex *w = &SIM_RW(o)->w;
    bool ok = false;
    sim_race_disable(s);
    if ((w->state & (SIM_MUTEX_LOCKED | SIM_MUTEX_STARVING)) == 0) { /* w.TryLock */
        w->state |= SIM_MUTEX_LOCKED;
        if (SIM_RW(o)->reader_count == 0) {
            SIM_RW(o)->reader_count = -SIM_RWMUTEX_MAX_READERS;
            ok = true;
            sim_rw_event(s, "RWMutexLock", o, "w", "trylock");
        } else {
            sim_mutex_unlock(s, w); /* readers are in: give w back */
        }
    }
    sim_race_enable(s);
    if (ok) {
        sim_race_acquire(s, o->addr + 12);
        sim_race_acquire(s, o->addr + 8);
    }
    sim_charge(s, SIM_COST_SYNC_NS);
    return ok;
}

/* Models: sync.(*RWMutex).Unlock: readerCount += rwmutexMaxReaders, release the r
 * readers that blocked meanwhile, then w.Unlock. */
void gmp_rwmutex_unlock_at(gmp_rwmutex rw, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_syncobj *o = sim_rw_lookup(s, rw);
    sim_race_release(s, o->addr + 12); /* race.Release(&rw.readerSem), then race.Disable */
    sim_race_disable(s);
    int32_t r = SIM_RW(o)->reader_count + SIM_RWMUTEX_MAX_READERS;
    if (r >= SIM_RWMUTEX_MAX_READERS) sim_rw_misuse(s, "sync: Unlock of unlocked RWMutex");
    SIM_RW(o)->reader_count = r;
    sim_rw_event(s, "RWMutexUnlock", o, "w", NULL);
    for (int32_t i = 0; i < r; i++)
        sim_semrelease1(s, &SIM_RW(o)->reader_sem, false, "RWMutex.Unlock: release a reader that waited");
    sim_mutex_unlock(s, &SIM_RW(o)->w); /* allow other writers to proceed */
    sim_race_enable(s);
}
