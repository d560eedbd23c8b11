/* sim/sched.h: G, P, M and the scheduler's global state (the runtime's runtime2.go).
 *
 * Every object is referred to by index (int32_t, -1 for none), never by pointer, so
 * that trace IDs are stable and nothing in the output depends on host addresses.
 * G, P and M structs are never freed during a run: dead Gs go to free lists (gfput)
 * and keep their stacks, as in the runtime.
 */
#ifndef SIM_SCHED_H
#define SIM_SCHED_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "coro.h"
#include "gmpsim.h"
#include "prng.h"
#include "trace.h"

/* ---- [SECTION] constants, named and valued as in the runtime ------------------ */

enum {
    SIM_RUNQ_LEN = 256,            /* len(p.runq) */
    SIM_GOID_CACHE_BATCH = 16,     /* _GoidCacheBatch */
    SIM_STEAL_TRIES = 4,           /* stealWork: stealTries */
    SIM_SCHEDTICK_FAIRNESS = 61,   /* findRunnable: schedtick%61 */
    SIM_STACK_MIN = 2048,          /* stackMin: a new G's stack, simulated bytes */
    SIM_GFREE_LOCAL_MAX = 64,      /* gfput: spill to the global list at 64 ... */
    SIM_GFREE_LOCAL_KEEP = 32,     /* ... until fewer than 32 remain; gfget refills 32 */
    SIM_MAXMCOUNT = 10000,         /* sched.maxmcount */
    SIM_PROCS_MAX = 256,
    SIM_FRAMES_MAX = 64,           /* frames per goroutine (a Go stack has no such limit) */
    SIM_ARG_WORDS_SHOWN = 10,      /* traceback prints at most 10 words, then "..." */
};
/* newproc: "function arguments too large for new goroutine" when siz >= _StackMin-5*RegSize. */
#define SIM_NEWPROC_ARGS_MAX_BYTES (SIM_STACK_MIN - 5 * 8)

/* Simulated address space: Go-like, deterministic, never a host address. */
#define SIM_HEAP_BASE 0xc000010000ull   /* heap objects: closures, hchan, buffers */
#define SIM_STACK_BASE 0xc001000000ull  /* stack k spans [base + k*2048, base + (k+1)*2048) */

/* ---- [SECTION] G status (runtime2.go) ------------------------------------------ */
/* Owners: _Grunnable: on a run queue, the stack is not owned. _Grunning: owned by the
 * M in g.m, which holds a P. _Gwaiting: parked on a wait queue (chan, ...), the
 * stack is not owned; only goready may change it. _Gdead: on a free list or just
 * allocated, owned by whoever took it. All changes go through sim_casgstatus. */
enum {
    SIM_GIDLE = 0,
    SIM_GRUNNABLE = 1,
    SIM_GRUNNING = 2,
    SIM_GSYSCALL = 3,
    SIM_GWAITING = 4,
    SIM_GDEAD = 6,
    SIM_GPREEMPTED = 9,
};
/* P status: _Pidle on the idle list; _Prunning owned by an M. */
enum { SIM_PIDLE = 0, SIM_PRUNNING = 1, SIM_PSYSCALL = 2, SIM_PGCSTOP = 3, SIM_PDEAD = 4 };

/* Wait reasons: the runtime's strings (runtime2.go waitReasonStrings). */
typedef enum sim_waitreason {
    SIM_WAIT_ZERO = 0,
    SIM_WAIT_CHAN_RECEIVE,
    SIM_WAIT_CHAN_SEND,
    SIM_WAIT_CHAN_RECEIVE_NIL,
    SIM_WAIT_CHAN_SEND_NIL,
    SIM_WAIT_SELECT,
    SIM_WAIT_SELECT_NO_CASES,
    SIM_WAIT_SEMACQUIRE,
    SIM_WAIT_SLEEP,
    SIM_WAIT_SYNC_MUTEX_LOCK,     /* Go 1.20+; "semacquire" before */
    SIM_WAIT_SYNC_RWMUTEX_RLOCK,  /* Go 1.20+ */
    SIM_WAIT_SYNC_RWMUTEX_LOCK,   /* Go 1.20+ */
    SIM_WAIT_SYNC_WAITGROUP_WAIT, /* Go 1.24+; "semacquire" before */
    SIM_WAIT_SYNC_COND_WAIT,
    SIM_WAIT_IO_WAIT,
    SIM_WAIT_PREEMPTED,
    SIM_WAIT_PANICWAIT,
    SIM_WAIT_COUNT
} sim_waitreason;

/* M states: what its next step does. Not a runtime field: the runtime's Ms are
 * threads whose state is where they are in the code. */
typedef enum sim_mstate {
    SIM_M_IDLE = 0,       /* on sched.midle, parked in stopm: not in the event loop */
    SIM_M_SCHEDULE,       /* holds a P, next step runs schedule() */
    SIM_M_RUNNING,        /* holds a P and curg, next step resumes curg */
    SIM_M_NETPOLL,        /* no P; blocked in netpoll until when_ns (the next timer), or broken */
    SIM_M_SYSCALL,        /* its G is in a syscall until when_ns; the P is _Psyscall or handed off */
    SIM_M_SYSMON,         /* the sysmon M (no P): wakes at when_ns */
    SIM_M_LOCKED,         /* stoplockedm: parked until its locked G is runnable (startlockedm) */
    SIM_M_DEAD,           /* mexit: its locked G exited, the thread is gone */
} sim_mstate;

/* ---- [SECTION] objects --------------------------------------------------------- */

typedef struct sim_slot {     /* a named local variable of a frame */
    const char *name;
    uint64_t addr;            /* simulated */
    uint32_t size_bytes;
    int32_t frame_index;
} sim_slot;

typedef struct sim_frame {
    const char *name;         /* "main.worker" (string owned by the scenario) */
    const char *file;         /* the current line's file, as __FILE__ gave it (show its basename) */
    int32_t line;             /* the frame's current line (updated at each API call) */
    uint64_t args_addr;       /* simulated address of the argument area */
    uint32_t args_size_bytes;
    uint64_t sp;              /* simulated: lowest address used by the frame so far */
    uint64_t words[SIM_ARG_WORDS_SHOWN]; /* argument words for tracebacks */
    uint32_t word_count;
} sim_frame;

typedef struct sim_sudog {    /* a G waiting on a channel (runtime.sudog) */
    int32_t g;
    int32_t next, prev;       /* sudog indices in the channel's waitq */
    void *elem;               /* host pointer: the value on the waiter's own stack */
    uint64_t elem_addr;       /* its simulated address */
    struct sim_hchan *c;
    int32_t success;
    int32_t is_select;        /* a select case's sudog: the G may already have won elsewhere */
} sim_sudog;

typedef struct sim_g {
    int64_t goid;
    uint32_t status;
    sim_waitreason waitreason;
    int32_t index;            /* in sched.allg */
    int32_t schedlink;        /* next G in a run or free list */
    int32_t m;                /* the M running it, or -1 */
    int32_t waiting;          /* sudog while parked on a channel, or -1 */
    int32_t timer;            /* its sleep timer (runtime g.timer), or -1 */
    int32_t preempt;          /* g.preempt: preempt at the next API call (stackguard0) */
    int32_t preempt_async;    /* the SIGURG arrived: its current charge was cut */
    int64_t work_left_ns;     /* what remains of the cut charge */
    int32_t lockedm;          /* the M it is locked to (LockOSThread), or -1 */
    int64_t io_ready_ns;      /* IO wait: when its simulated I/O completes */
    int32_t param;            /* the waker's sudog, set by goready's caller */
    uint32_t select_done;     /* g.selectDone: set by the first waker of a parked select */
    sim_coro coro;
    sim_stack stack;          /* host stack, kept across reuse (gfput/gfget) */
    sim_stack run_stack;      /* stack minus the top area that holds the arguments */
    int32_t stack_ordinal;    /* k of the simulated stack span, kept with the stack */
    int32_t has_stack;
    gmp_func fn;
    const char *start_name;   /* "main.worker" */
    unsigned char *argbuf;    /* the closure's bytes (host heap, owned) */
    uint32_t argbuf_cap_bytes;
    uint32_t args_size_bytes;
    uint64_t closure_addr;    /* simulated heap address of the closure */
    uint32_t closure_cap_bytes;
    int64_t parent_goid;
    const char *created_by;   /* the creating frame's name */
    const char *created_file;
    int32_t created_line;
    int32_t site_ordinal;     /* among goroutines created at created_file:line, from 1 (replay identity) */
    int64_t waitsince_ns;
    sim_frame *frames;        /* frames[0] is the goroutine's entry function */
    int32_t frame_count, frame_cap;
    sim_slot *slots;
    int32_t slot_count, slot_cap;
} sim_g;

typedef struct sim_p {
    int32_t id;
    uint32_t status;
    uint32_t schedtick;       /* incremented on every scheduler call that does not inherit */
    uint32_t syscalltick;
    int32_t m;                /* the M holding it, or -1 */
    int32_t link;             /* next idle P */
    uint32_t runqhead, runqtail;
    int32_t runq[SIM_RUNQ_LEN];
    int32_t runnext;          /* G that runs next, inheriting the time slice, or -1 */
    int64_t goidcache, goidcacheend;
    int32_t gfree_head, gfree_count;
    uint32_t sysmon_schedtick;      /* p.sysmontick: what sysmon saw last */
    int64_t sysmon_schedwhen_ns;
    uint32_t sysmon_syscalltick;
    int64_t sysmon_syscallwhen_ns;
    int32_t *timers;          /* 4-ary min-heap of timer indices, by (when, seq) */
    int32_t timer_count, timer_cap;
} sim_p;

typedef struct sim_m {
    int32_t id;
    sim_mstate state;
    int32_t p, curg;
    int32_t spinning;
    int32_t oldp;             /* the P it had when it entered a syscall, or -1 */
    uint32_t syscalltick;     /* the P's syscalltick when it entered the syscall */
    int32_t is_sys;           /* a system M (sysmon): checkdead does not count it */
    int32_t lockedg;          /* the G locked to it (LockOSThread), or -1 */
    uint32_t locked_ext;      /* m.lockedExt: nested LockOSThread calls */
    int32_t link;             /* next idle M */
    int64_t when_ns;          /* virtual time of its next step (when not idle) */
    int32_t steal_wait_p;     /* runqgrab's usleep(3) before taking this P's runnext, or -1 */
    int32_t steal_wait_g;     /* ... the runnext it saw then (allg index): the CAS's old value */
    int32_t locked_handoff;   /* startlockedm handed it its locked G: run it when it wakes */
    int32_t waking;           /* started (startm) but not yet run: its P is not yet _Prunning */
    int32_t os_calls_left;    /* --os-preempt: gmp_* calls until the OS deschedules it; 0: none */
} sim_m;

typedef struct sim_hchan sim_hchan;
typedef struct sim_timer sim_timer;

typedef struct sim_var {      /* a heap int64 variable (gmp_var) */
    const char *name;
    uint64_t addr;
    int64_t value;
} sim_var;

typedef struct sim_sched {
    gmp_options opt;
    const gmp_scenario *scn;
    sim_prng prng;
    sim_trace trace;
    int64_t now_ns;
    int64_t horizon_ns;       /* earliest step of any other M: the running G may go on until then */
    int64_t schedtrace_next_ns;

    sim_g **allg;
    int32_t g_count, g_cap;
    sim_p *allp;
    int32_t nprocs;
    sim_m *allm;
    int32_t mcount;

    int32_t runq_head, runq_tail, runqsize;  /* the global run queue */
    int32_t pidle, npidle;
    int32_t midle, nmidle;
    int32_t nmspinning;
    int32_t gfree_head, gfree_count;         /* sched.gFree */
    int64_t goidgen;

    sim_sudog *sudogs;
    int32_t sudog_count, sudog_cap, sudog_free;
    sim_hchan **chans;
    int32_t chan_count, chan_cap;
    sim_var *vars;
    int32_t var_count, var_cap;
    struct sim_sync *sync;    /* sync objects and semaphores (sema.c), NULL until the first */
    sim_timer *timers;        /* every timer of the run, by index */
    int32_t timer_count, timer_cap;
    uint64_t timer_seq;
    int32_t netpoll_m;        /* the M blocked in netpoll, or -1 (sched.lastpoll != 0) */
    int64_t lastpoll_ns;      /* when netpoll was last polled */
    int32_t *io_waiters;      /* Gs parked in "IO wait", by (io_ready_ns, goid) */
    int32_t io_count, io_cap;
    int32_t sysmon_m;         /* the sysmon M, or -1 */
    int32_t sysmon_idle;      /* sysmon's idle cycles */
    int64_t sysmon_delay_us;
    int32_t sysmon_wait;      /* sysmon in deep sleep (sched.sysmonwait) */
    int32_t nmidlelocked;     /* Ms parked in stoplockedm */
    int32_t nmsys;

    int32_t curm, curg;       /* the M stepping and the G running, or -1 on g0 */
    sim_coro g0;
    sim_stack_pool *stacks;
    int32_t stack_count;
    uint64_t heap_next;

    int done;
    gmp_outcome outcome;
    char message[1024];
    int64_t decisions, switches, gcreated;
    /* The startm whose wake latency is being decided (an mwake Decision's key and pick). */
    int32_t mwake_p;
    int64_t mwake_nominal_ns;
    volatile int64_t api_calls; /* gmp_* calls: the watchdog's sign of progress */
    int32_t main_g;
    uint32_t stack_size_asked; /* --stack-size as given (the header records it) */
    int32_t main_done;        /* main returned; the others run on to find leaks */
    int64_t leak_deadline_ns; /* when the leak phase gives up waiting */
    sigjmp_buf fault_jmp;
} sim_sched;

/* The one running simulation (gmp_run is not reentrant). */
extern sim_sched *sim__S;

const char *sim_waitreason_string(sim_waitreason r);
const char *sim_gstatus_string(uint32_t status);
void sim__casgstatus_throw(const sim_g *g, uint32_t from) __attribute__((noreturn));
/* Models: runtime.casgstatus. Throws unless g is in from. */
static inline void sim_casgstatus(sim_sched *s, sim_g *g, uint32_t from, uint32_t to) {
    (void)s;
    if (__builtin_expect(g->status != from || from == to, 0)) sim__casgstatus_throw(g, from);
    g->status = to;
}

static inline sim_g *sim_g_at(sim_sched *s, int32_t i) {
    return s->allg[i];
}
/* Is an M in the event loop (it has a next step)? */
static inline bool sim_m_active(const sim_m *m) {
    return m->state == SIM_M_SCHEDULE || m->state == SIM_M_RUNNING || m->state == SIM_M_NETPOLL ||
           m->state == SIM_M_SYSCALL || m->state == SIM_M_SYSMON;
}
static inline sim_m *sim_curm(sim_sched *s) {
    return &s->allm[s->curm];
}
static inline sim_p *sim_curp(sim_sched *s) {
    return &s->allp[s->allm[s->curm].p];
}

/* ---- [SECTION] scheduler entry points (sched.c) --------------------------------- */

void sim_sched_start(sim_sched *s);
/* P and M lists and hand-overs (g0 side); each models the runtime function of its name. */
void sim_pidleput(sim_sched *s, sim_p *pp);
sim_p *sim_pidleget(sim_sched *s);
void sim_acquirep(sim_sched *s, sim_m *m, sim_p *pp, const char *why);
sim_p *sim_releasep(sim_sched *s, sim_m *m, const char *why);
sim_m *sim_mget(sim_sched *s);
sim_m *sim_newm(sim_sched *s);
/* An MStart event for M m, given P p (-1: none), fresh (newm) or woken, running at runs_at_ns. */
void sim_mstart_event(sim_sched *s, const sim_m *m, int32_t p, bool fresh, bool spinning, int64_t runs_at_ns,
                      const char *why);
/* --os-preempt: draw where the OS deschedules a starting M; the point, at each gmp_* call. */
void sim_os_preempt_draw(sim_sched *s, sim_m *m);
void sim_os_preempt_point(sim_sched *s);
void sim_startm(sim_sched *s, sim_p *pp, bool spinning, const char *why);
void sim_stopm(sim_sched *s, sim_m *m);
void sim_execute(sim_sched *s, sim_m *m, int32_t gi, bool inherit_time, const char *why);
void sim_schedule(sim_sched *s, sim_m *m);
/* Models: runtime.handoffp: starts an M for pp when there is work for it, else idles it. */
void sim_handoffp(sim_sched *s, sim_p *pp);
/* Models: runtime.injectglist: readies a list of Gs (from netpoll) from g0. */
void sim_injectglist(sim_sched *s, int32_t *gs, int32_t n);
/* Models: runtime.netpoll(0): pops the Gs whose I/O completed by now into out. */
int32_t sim_netpoll(sim_sched *s, int32_t *out, int32_t cap);
int64_t sim_netpoll_next(const sim_sched *s);
/* Goroutine side: */
void sim_entersyscall(sim_sched *s, int64_t ns, bool block);
void sim_gopreempt_m(sim_sched *s, const char *why);
void sim_io_wait(sim_sched *s, int64_t ns);
void sim_lockosthread(sim_sched *s, bool lock);
/* sysmon (sysmon.c) */
void sim_sysmon_start(sim_sched *s);
void sim_sysmon_step(sim_sched *s, sim_m *m);
/* notewakeup(&sched.sysmonnote): wakes sysmon from its deep sleep, delay back to 20 us. */
void sim_sysmon_wake(sim_sched *s);
void sim_loop(sim_sched *s);
void sim_wakep(sim_sched *s);
void sim_gfput(sim_sched *s, sim_p *pp, sim_g *gp);
sim_g *sim_gfget(sim_sched *s, sim_p *pp);
/* Goroutine side (on the running G's stack): */
void sim_charge(sim_sched *s, int64_t ns);
void sim__to_g0(sim_sched *s, sim_g *g);
void sim_gopark(sim_sched *s, sim_waitreason reason, const char *why);
void sim_gopark_timer(sim_sched *s, sim_waitreason reason, const char *why, int32_t ti, int64_t when_ns);
void sim_goready(sim_sched *s, sim_g *gp, const char *why);
void sim_gosched(sim_sched *s);
void sim_goyield(sim_sched *s, const char *why);
void sim_goexit0(sim_sched *s) __attribute__((noreturn));

#endif
