/* sim/sema.h: the runtime's semaphores (sema.go: semacquire1/semrelease1, notifyList)
 * and the sync objects built on them (Mutex, RWMutex, WaitGroup, Cond, Once).
 *
 * Every sync object lives at a simulated heap address (what new(sync.Mutex) returns)
 * with the Go struct's layout: its semaphore words have their own simulated
 * addresses (Mutex.sema is at +4), which pick the semaRoot as the runtime does.
 * The objects are host allocations owned by the run (freed by sim_sync_free); a
 * goroutine blocked on a semaphore is linked through a waiter record on its own
 * host stack, which stays valid while it is parked.
 */
#ifndef SIM_SEMA_H
#define SIM_SEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "sched.h"

/* ---- [SECTION] constants, named and valued as in the runtime and sync ---------- */

enum {
    SIM_SEMTABSIZE = 251,           /* semTabSize: semaRoots, by (addr>>3) % 251 */
    SIM_MUTEX_LOCKED = 1,           /* mutexLocked */
    SIM_MUTEX_WOKEN = 2,            /* mutexWoken */
    SIM_MUTEX_STARVING = 4,         /* mutexStarving (Go 1.9+) */
    SIM_MUTEX_WAITER_SHIFT = 3,     /* mutexWaiterShift */
    SIM_ACTIVE_SPIN = 4,            /* active_spin: canSpin's iteration limit */
    SIM_ACTIVE_SPIN_CNT = 30,       /* active_spin_cnt: procyield(30) per spin */
    SIM_RWMUTEX_MAX_READERS = 1 << 30, /* rwmutexMaxReaders */
};
#define SIM_STARVATION_THRESHOLD_NS INT64_C(1000000) /* starvationThresholdNs = 1e6 */

/* ---- [SECTION] objects ---------------------------------------------------------- */

typedef struct sim_semawaiter {  /* a G blocked on a semaphore (the runtime's sudog) */
    int32_t g;                   /* allg index */
    uint32_t ticket;             /* 1: ownership handed off by semrelease(handoff) */
    struct sim_semawaiter *waitlink;
} sim_semawaiter;

typedef struct sim_sema {        /* a uint32 semaphore word and the waiters on its address */
    uint64_t addr;               /* simulated */
    uint32_t value;
    sim_semawaiter *head, *tail; /* FIFO; a lifo waiter goes to the head */
} sim_sema;

typedef struct sim_mutex {       /* sync.Mutex (internal/sync.Mutex from Go 1.24) */
    uint64_t addr;               /* &m.state; m.sema is at +4 */
    int32_t state;
    sim_sema sema;
} sim_mutex;

typedef struct sim_notifywaiter { /* a G parked in notifyListWait */
    int32_t g;
    uint32_t ticket;
    struct sim_notifywaiter *next;
} sim_notifywaiter;

typedef struct sim_notifylist {  /* runtime.notifyList */
    uint32_t wait;               /* the ticket of the next waiter */
    uint32_t notify;             /* the ticket of the next waiter to notify */
    sim_notifywaiter *head, *tail;
} sim_notifylist;

typedef enum sim_sync_kind {
    SIM_SYNC_MUTEX = 1,
    SIM_SYNC_RWMUTEX,
    SIM_SYNC_WAITGROUP,
    SIM_SYNC_COND,
    SIM_SYNC_ONCE,
} sim_sync_kind;

typedef struct sim_syncobj {
    sim_sync_kind kind;
    uint64_t addr;               /* simulated address of the Go struct */
    union {
        sim_mutex mutex;
        struct {                 /* sync.RWMutex */
            sim_mutex w;         /* +0 */
            sim_sema writer_sem; /* +8 */
            sim_sema reader_sem; /* +12 */
            int32_t reader_count;/* +16 */
            int32_t reader_wait; /* +20 */
        } rw;
        struct {                 /* sync.WaitGroup: counter high 32 bits, waiters low 32 */
            uint64_t state;      /* +0 */
            sim_sema sema;       /* +8 */
        } wg;
        struct {                 /* sync.Cond */
            uint64_t l_addr;     /* c.L: the Mutex */
            sim_notifylist notify; /* +16 */
        } cond;
        struct {                 /* sync.Once */
            uint32_t done;       /* +0 */
            sim_mutex m;         /* +4 */
        } once;
    } u;
} sim_syncobj;

struct sim_sync {                /* the run's sync state (s->sync) */
    sim_syncobj **objs;          /* in address order (allocated in that order) */
    int32_t count, cap;
    uint32_t nwait[SIM_SEMTABSIZE]; /* semaRoot.nwait */
};

/* ---- [SECTION] functions --------------------------------------------------------- */

/* A new object of kind at a fresh simulated heap address of size_bytes (Go's sizeof). */
sim_syncobj *sim_sync_new(sim_sched *s, sim_sync_kind kind, uint64_t size_bytes);
/* The object at addr: a nil pointer dereference panic for 0, a fatal error for an
 * address that is no object of kind (what names it, "sync.Mutex"). */
sim_syncobj *sim_sync_lookup(sim_sched *s, uint64_t addr, sim_sync_kind kind, const char *what);
/* An event with "g" and the object's address under key; NULL without a schedule file. */
cJSON *sim_sync_event(sim_sched *s, const char *ev, const char *key, uint64_t addr);
/* Go 1.<since>+ blocks with reason, earlier versions with "semacquire". */
sim_waitreason sim_sync_waitreason(sim_sched *s, sim_waitreason reason, int since_minor);

void sim_sema_init(sim_sema *sema, uint64_t addr);
void sim_mutex_init(sim_mutex *m, uint64_t addr);
/* Models: runtime.semacquire1. */
void sim_semacquire1(sim_sched *s, sim_sema *sema, bool lifo, sim_waitreason reason, const char *why);
/* Models: runtime.semrelease1. */
void sim_semrelease1(sim_sched *s, sim_sema *sema, bool handoff, const char *why);

/* sync.Mutex's Lock and Unlock on the running G (mutex.c), for RWMutex, Cond and Once.
 * reason: the wait reason of a blocked Lock (Go 1.20+: "sync.Mutex.Lock"). */
void sim_mutex_lock(sim_sched *s, sim_mutex *m);
void sim_mutex_unlock(sim_sched *s, sim_mutex *m);

#endif
