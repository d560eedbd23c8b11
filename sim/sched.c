/* sim/sched.c: the G-P-M scheduler (the runtime's proc.go).
 *
 * Glossary, as in proc.go:
 *   G - goroutine: here a C function running as a real coroutine on its own stack.
 *   M - worker thread: here a simulated thread with a virtual clock (when_ns).
 *   P - processor, a resource required to execute Go code: a run queue of 256 Gs,
 *       runnext, a schedtick, a goid cache and a free-G list.
 *
 * How the simulation runs. One host thread runs everything. The event loop
 * (sim_loop, on the host stack: the runtime's g0) always steps the M whose virtual
 * clock is earliest; when several are equal, which goes first is a recorded
 * decision. An M's step is either schedule() (find a G and execute it) or resuming
 * its G, which then runs real C code until its next API call. Each API call
 * happens at the M's current virtual time and costs virtual time (cost.h); the G
 * keeps running while its M stays strictly earlier than every other M
 * (horizon_ns), and switches back to g0 otherwise. So GOMAXPROCS > 1 gives real
 * interleavings in virtual time, and every API call is a point where other Ps act.
 *
 * What is modelled: runqput/runnext/runqputslow/runqget, the global queue with
 * globrunqget(batch), findRunnable's order (schedtick%61, local, global, steal),
 * stealWork (4 passes, random coprime order, runnext on the last pass), spinning Ms
 * under wakep's and findRunnable's limits, startm/stopm with idle M and P lists,
 * gopark/goready (the woken G takes the waker's runnext), Gosched to the global
 * tail, goexit0 with G reuse (gfput/gfget), goid batches of 16.
 * Not (yet) modelled: syscalls and sysmon (retake, preemption), timers and netpoll,
 * GC, locked threads. The runtime's atomics and locks have no counterpart: every
 * step is atomic in the simulation, and the orders atomics allow are drawn as ties.
 *
 * Rejected alternatives: (1) one host thread per M: real races, no determinism.
 * (2) running each G to its next block without virtual time: no interleaving
 * between Ps. (3) an event per API call even when no other M could act: correct
 * but doubles the switches; horizon_ns gives the same schedule for less.
 */
#include "sched.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "choice.h"
#include "cost.h"
#include "frame.h"
#include "run.h"
#include "runq.h"
#include "timer.h"

sim_sched *sim__S;

static void sim_stoplockedm(sim_sched *s, sim_m *m);

/* ---- [SECTION] names ----------------------------------------------------------- */

static const char *const sim_waitreason_strings[SIM_WAIT_COUNT] = {
    [SIM_WAIT_ZERO] = "",
    [SIM_WAIT_CHAN_RECEIVE] = "chan receive",
    [SIM_WAIT_CHAN_SEND] = "chan send",
    [SIM_WAIT_CHAN_RECEIVE_NIL] = "chan receive (nil chan)",
    [SIM_WAIT_CHAN_SEND_NIL] = "chan send (nil chan)",
    [SIM_WAIT_SELECT] = "select",
    [SIM_WAIT_SELECT_NO_CASES] = "select (no cases)",
    [SIM_WAIT_SEMACQUIRE] = "semacquire",
    [SIM_WAIT_SLEEP] = "sleep",
    [SIM_WAIT_SYNC_MUTEX_LOCK] = "sync.Mutex.Lock",
    [SIM_WAIT_SYNC_RWMUTEX_RLOCK] = "sync.RWMutex.RLock",
    [SIM_WAIT_SYNC_RWMUTEX_LOCK] = "sync.RWMutex.Lock",
    [SIM_WAIT_SYNC_WAITGROUP_WAIT] = "sync.WaitGroup.Wait",
    [SIM_WAIT_SYNC_COND_WAIT] = "sync.Cond.Wait",
    [SIM_WAIT_IO_WAIT] = "IO wait",
    [SIM_WAIT_PREEMPTED] = "preempted",
    [SIM_WAIT_PANICWAIT] = "panicwait",
};

const char *sim_waitreason_string(sim_waitreason r) {
    SIM_ASSERT(r >= 0 && r < SIM_WAIT_COUNT);
    return sim_waitreason_strings[r];
}

const char *sim_gstatus_string(uint32_t status) {
    switch (status) {
    case SIM_GIDLE: return "idle";
    case SIM_GRUNNABLE: return "runnable";
    case SIM_GRUNNING: return "running";
    case SIM_GSYSCALL: return "syscall";
    case SIM_GWAITING: return "waiting";
    case SIM_GDEAD: return "dead";
    case SIM_GPREEMPTED: return "preempted";
    default: return "???";
    }
}

void sim__casgstatus_throw(const sim_g *g, uint32_t from) {
    char msg[128];
    snprintf(msg, sizeof msg, "casgstatus: bad incoming values: goroutine %lld is %s, expected %s",
             (long long)g->goid, sim_gstatus_string(g->status), sim_gstatus_string(from));
    sim_throw(msg);
}

/* ---- [SECTION] event helpers --------------------------------------------------- */

static cJSON *sim_ev(sim_sched *s, const char *ev, const sim_m *m, const sim_g *g) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, ev);
    if (o == NULL) return NULL;
    if (m != NULL) {
        sim_trace_add_int(o, "m", m->id);
        sim_trace_add_int(o, "p", m->p);
    }
    if (g != NULL) sim_trace_add_int(o, "g", g->goid);
    if (g != NULL && g->index == s->curg && g->frame_count > 0) { /* where it stops: for dumps at any t */
        const sim_frame *f = &g->frames[g->frame_count - 1];
        cJSON_AddStringToObject(o, "file", sim_basename(f->file));
        sim_trace_add_int(o, "line", f->line);
    }
    return o;
}

static void sim_ev_why(sim_sched *s, cJSON *o, const char *why) {
    if (o == NULL) return;
    cJSON_AddStringToObject(o, "why", why);
    sim_trace_emit(&s->trace, o);
}

/* An MStart event: M m is woken or created (fresh) for P p (-1: none), to run at runs_at_ns.
 * startm, startlockedm, sysmon's newm and the start-up idle M write it. */
void sim_mstart_event(sim_sched *s, const sim_m *m, int32_t p, bool fresh, bool spinning, int64_t runs_at_ns,
                      const char *why) {
    cJSON *o = sim_ev(s, "MStart", NULL, NULL);
    if (o) {
        sim_trace_add_int(o, "m", m->id);
        sim_trace_add_int(o, "p", p);
        cJSON_AddBoolToObject(o, "new", fresh);
        cJSON_AddBoolToObject(o, "spinning", spinning);
        sim_trace_add_int(o, "runs_at", runs_at_ns);
    }
    sim_ev_why(s, o, why);
}

/* ---- [SECTION] the event loop's clock ------------------------------------------ */

/* Puts m into the event loop at when_ns; keeps horizon_ns the earliest other step. */
static void sim_m_activate(sim_sched *s, sim_m *m, sim_mstate state, int64_t when_ns) {
    SIM_ASSERT(state != SIM_M_IDLE);
    SIM_ASSERT(when_ns >= s->now_ns);
    m->state = state;
    m->when_ns = when_ns;
    if (s->curm != m->id && when_ns < s->horizon_ns) s->horizon_ns = when_ns;
}

/* ---- [SECTION] P and M lists --------------------------------------------------- */

/* Models: runtime.pidleput (LIFO list). */
void sim_pidleput(sim_sched *s, sim_p *pp) {
    SIM_ASSERT(pp->m < 0);
    if (!sim_runqempty(pp)) sim_throw("pidleput: P has non-empty run queue");
    pp->status = SIM_PIDLE;
    pp->link = s->pidle;
    s->pidle = pp->id;
    s->npidle++;
    SIM_ASSERT(s->npidle <= s->nprocs);
}

/* Models: runtime.pidleget. */
sim_p *sim_pidleget(sim_sched *s) {
    if (s->pidle < 0) return NULL;
    sim_p *pp = &s->allp[s->pidle];
    SIM_ASSERT(pp->status == SIM_PIDLE);
    s->pidle = pp->link;
    pp->link = -1;
    s->npidle--;
    SIM_ASSERT(s->npidle >= 0);
    return pp;
}

/* Models: runtime.acquirep/wirep. */
void sim_acquirep(sim_sched *s, sim_m *m, sim_p *pp, const char *why) {
    SIM_ASSERT(m->p < 0);
    SIM_ASSERT(pp->m < 0 && pp->status == SIM_PIDLE);
    m->p = pp->id;
    pp->m = m->id;
    pp->status = SIM_PRUNNING;
    sim_ev_why(s, sim_ev(s, "ProcStart", m, NULL), why);
}

/* Models: runtime.releasep. */
sim_p *sim_releasep(sim_sched *s, sim_m *m, const char *why) {
    SIM_ASSERT(m->p >= 0);
    sim_p *pp = &s->allp[m->p];
    SIM_ASSERT(pp->m == m->id && pp->status == SIM_PRUNNING);
    sim_ev_why(s, sim_ev(s, "ProcStop", m, NULL), why);
    pp->m = -1;
    pp->status = SIM_PIDLE;
    m->p = -1;
    return pp;
}

/* Models: runtime.mget (idle M list, LIFO). */
sim_m *sim_mget(sim_sched *s) {
    if (s->midle < 0) return NULL;
    sim_m *m = &s->allm[s->midle];
    SIM_ASSERT(m->state == SIM_M_IDLE);
    s->midle = m->link;
    m->link = -1;
    s->nmidle--;
    return m;
}

static void sim_mspin_trace(sim_sched *s, sim_m *m, bool on, const char *why) {
    cJSON *o = sim_ev(s, "MSpin", m, NULL);
    if (o) cJSON_AddBoolToObject(o, "spinning", on);
    sim_ev_why(s, o, why);
}

/* Models: runtime.(*m).becomeSpinning. */
static void sim_becomespinning(sim_sched *s, sim_m *m, const char *why) {
    SIM_ASSERT(!m->spinning);
    m->spinning = 1;
    s->nmspinning++;
    SIM_ASSERT(s->nmspinning <= s->mcount);
    sim_mspin_trace(s, m, true, why);
}

/* Models: runtime.newm + startm's wake: M ids count up from 0 as the runtime's do.
 * Differs: the runtime's M0 also runs sysmon on a separate M; not modelled yet. */
sim_m *sim_newm(sim_sched *s) {
    if (s->mcount >= SIM_MAXMCOUNT) {
        /* checkmcount: the scenario made too many threads (blocking syscalls). The run
         * ends; the spare M slot lets the caller finish its step. */
        if (!s->done) sim_fatal_g0(s, "runtime: program exceeds 10000-thread limit", "thread exhaustion");
        SIM_ASSERT(s->mcount == SIM_MAXMCOUNT);
        sim_m *spare = &s->allm[SIM_MAXMCOUNT];
        memset(spare, 0, sizeof *spare);
        spare->id = SIM_MAXMCOUNT;
        spare->p = spare->curg = spare->link = spare->oldp = spare->lockedg = spare->steal_wait_p = -1;
        return spare;
    }
    sim_m *m = &s->allm[s->mcount];
    memset(m, 0, sizeof *m);
    m->id = s->mcount++;
    m->p = m->curg = m->link = m->oldp = m->lockedg = m->steal_wait_p = -1;
    m->state = SIM_M_IDLE;
    return m;
}

/* Not the runtime: the OS. With --os-preempt, a thread that starts running draws where the
 * OS will deschedule it: before its k-th gmp_* call (sim_os_preempt_point), for
 * SIM_COST_OS_PREEMPT_NS, still holding its P, as a preempted thread does. One Decision
 * per M start keeps the count low; the position, in calls, reaches any window of code. */
void sim_os_preempt_draw(sim_sched *s, sim_m *m) {
    if (!s->opt.os_preempt) return;
    m->os_calls_left = (int32_t)sim_choose(s, SIM_CHOICE_OSPREEMPT, SIM_OSPREEMPT_CHOICES,
                                           "the OS: before which call of this thread it is descheduled (0: none)");
}

void sim_os_preempt_point(sim_sched *s) {
    sim_m *m = sim_curm(s);
    if (m->os_calls_left <= 0 || --m->os_calls_left > 0) return;
    sim_charge(s, SIM_COST_OS_PREEMPT_NS);
}

/* Models: runtime.startm(pp, spinning): an idle M, or a new one, gets pp and wakes.
 * Differs: how long the OS takes until that M runs (futex wake or clone) is an mwake
 * Decision around the nominal cost, recorded, as the real latency varies run to run. */
void sim_startm(sim_sched *s, sim_p *pp, bool spinning, const char *why) {
    SIM_ASSERT(pp != NULL);
    sim_m *m = sim_mget(s);
    bool fresh = m == NULL;
    if (fresh) m = sim_newm(s);
    SIM_ASSERT(m->p < 0 && m->curg < 0);
    m->spinning = spinning;
    s->mwake_p = pp->id;
    s->mwake_nominal_ns = fresh ? SIM_COST_NEWM_NS : SIM_COST_MWAKE_NS;
    uint32_t c = sim_choose(s, SIM_CHOICE_MWAKE, SIM_MWAKE_CHOICES,
                            fresh ? "startm: newm: how long until the new thread runs (clone, OS scheduling)"
                                  : "startm: notewakeup: how long until the idle M runs (futex wake, OS scheduling)");
    int64_t latency = sim_mwake_latency_ns(s->mwake_nominal_ns, c);
    sim_os_preempt_draw(s, m);
    sim_mstart_event(s, m, pp->id, fresh, spinning, s->now_ns + latency, why);
    sim_acquirep(s, m, pp, "startm: the woken M takes the idle P");
    m->waking = 1;
    sim_m_activate(s, m, SIM_M_SCHEDULE, s->now_ns + latency);
}

/* Models: runtime.wakep: start a spinning M only if nobody spins and a P is idle. */
void sim_wakep(sim_sched *s) {
    if (s->nmspinning != 0) return; /* be conservative: one spinning M at a time */
    if (s->npidle == 0) return;
    s->nmspinning++;                /* the CAS 0 -> 1 */
    sim_p *pp = sim_pidleget(s);
    SIM_ASSERT(pp != NULL);
    sim_startm(s, pp, true, "wakep: no spinning M and an idle P: start a spinning M");
}

static void sim_mput(sim_sched *s, sim_m *m, const char *why) {
    SIM_ASSERT(m->p < 0 && m->curg < 0);
    SIM_ASSERT(!m->spinning);
    m->state = SIM_M_IDLE;
    m->link = s->midle;
    s->midle = m->id;
    s->nmidle++;
    sim_ev_why(s, sim_ev(s, "MStop", m, NULL), why);
}

/* Models: runtime.stopm: the M parks on the idle list until startm. */
void sim_stopm(sim_sched *s, sim_m *m) { sim_mput(s, m, "stopm: no work, the M parks on the idle list"); }

/* Models: runtime.resetspinning: the spinner found work; maybe wake another. */
static void sim_resetspinning(sim_sched *s, sim_m *m) {
    SIM_ASSERT(m->spinning);
    m->spinning = 0;
    s->nmspinning--;
    if (s->nmspinning < 0) sim_throw("findRunnable: negative nmspinning");
    sim_mspin_trace(s, m, false, "resetspinning: found work, stop spinning, maybe wakep");
    sim_wakep(s);
}

/* ---- [SECTION] G lists --------------------------------------------------------- */

/* Models: runtime.gfput: a dead G (with its stack) goes on the P's free list; at 64,
 * half go to the global list. */
void sim_gfput(sim_sched *s, sim_p *pp, sim_g *gp) {
    SIM_ASSERT(gp->status == SIM_GDEAD);
    SIM_ASSERT(gp->m < 0);
    gp->schedlink = pp->gfree_head;
    pp->gfree_head = gp->index;
    pp->gfree_count++;
    if (pp->gfree_count < SIM_GFREE_LOCAL_MAX) return;
    while (pp->gfree_count >= SIM_GFREE_LOCAL_KEEP) {
        sim_g *g = sim_g_at(s, pp->gfree_head);
        pp->gfree_head = g->schedlink;
        pp->gfree_count--;
        g->schedlink = s->gfree_head;
        s->gfree_head = g->index;
        s->gfree_count++;
    }
}

/* Models: runtime.gfget: from the P's list, refilled from the global list 32 at a time. */
sim_g *sim_gfget(sim_sched *s, sim_p *pp) {
    if (pp->gfree_head < 0 && s->gfree_head >= 0) {
        while (pp->gfree_count < SIM_GFREE_LOCAL_KEEP && s->gfree_head >= 0) {
            sim_g *g = sim_g_at(s, s->gfree_head);
            s->gfree_head = g->schedlink;
            s->gfree_count--;
            g->schedlink = pp->gfree_head;
            pp->gfree_head = g->index;
            pp->gfree_count++;
        }
    }
    if (pp->gfree_head < 0) return NULL;
    sim_g *g = sim_g_at(s, pp->gfree_head);
    SIM_ASSERT(g->status == SIM_GDEAD);
    pp->gfree_head = g->schedlink;
    pp->gfree_count--;
    g->schedlink = -1;
    return g;
}

/* ---- [SECTION] running a G ----------------------------------------------------- */

/* Models: runtime.execute: Grunning, and a new time slice unless inherited. */
void sim_execute(sim_sched *s, sim_m *m, int32_t gi, bool inherit_time, const char *why) {
    sim_g *g = sim_g_at(s, gi);
    sim_p *pp = &s->allp[m->p];
    SIM_ASSERT(m->curg < 0);
    SIM_ASSERT(g->m < 0);
    sim_casgstatus(s, g, SIM_GRUNNABLE, SIM_GRUNNING);
    m->curg = gi;
    g->m = m->id;
    g->preempt = 0; /* gp.preempt = false; stackguard0 restored */
    if (!inherit_time) pp->schedtick++;
    cJSON *o = sim_ev(s, "GoStart", m, g);
    if (o) {
        cJSON_AddBoolToObject(o, "inherit_time", inherit_time);
        sim_trace_add_int(o, "schedtick", pp->schedtick);
    }
    sim_ev_why(s, o, why);
    sim_m_activate(s, m, SIM_M_RUNNING, m->when_ns + SIM_COST_SCHEDULE_NS);
}

/* The running G's step ends: back to g0. Its M's state says what comes next. */
void sim__to_g0(sim_sched *s, sim_g *g) {
    SIM_ASSERT(s->curg == g->index);
    sim_coro_switch(&g->coro, &s->g0);
    SIM_ASSERT(s->curg == g->index); /* resumed by sim_step_run, on whichever M */
}

void sim_charge(sim_sched *s, int64_t ns) {
    SIM_ASSERT(ns >= 0);
    SIM_ASSERT(s->curg >= 0);
    sim_g *g = sim_g_at(s, s->curg);
    for (int round = 0;; round++) {
        SIM_ASSERT(round < 1000000);
        sim_m *m = sim_curm(s);
        m->when_ns += ns;
        s->now_ns = m->when_ns;
        /* Go on while no other M can step first and no limit or trace tick is due. */
        if (m->when_ns < s->horizon_ns && s->trace.count < s->opt.max_events && !s->done) return;
        sim__to_g0(s, g);
        if (!g->preempt_async) return;
        /* sysmon's SIGURG cut this charge short (asyncPreempt at the exact instant):
         * the G is preempted, and spends the rest when it runs again. */
        g->preempt_async = 0;
        ns = g->work_left_ns;
        g->work_left_ns = 0;
        sim_gopreempt_m(s, "asyncPreempt: preempted by sysmon's signal, to the global queue");
    }
}

/* Models: runtime.gopark + park_m: Gwaiting, dropg, schedule on g0.
 * Differs: no unlockf (single-threaded: nothing can race the park). */
void sim_gopark(sim_sched *s, sim_waitreason reason, const char *why) {
    SIM_ASSERT(s->curg >= 0);
    sim_g *g = sim_g_at(s, s->curg);
    sim_m *m = sim_curm(s);
    sim_casgstatus(s, g, SIM_GRUNNING, SIM_GWAITING);
    g->waitreason = reason;
    g->waitsince_ns = s->now_ns;
    cJSON *o = sim_ev(s, "GoBlock", m, g);
    if (o) cJSON_AddStringToObject(o, "reason", sim_waitreason_string(reason));
    sim_ev_why(s, o, why);
    m->curg = -1;
    g->m = -1;
    m->state = SIM_M_SCHEDULE;
    m->when_ns += SIM_COST_PARK_NS;
    sim__to_g0(s, g);
}

/* gopark whose unlock function arms a timer (resetForSleep): the G is parked first,
 * then the timer goes into the heap of the P it parked on. */
void sim_gopark_timer(sim_sched *s, sim_waitreason reason, const char *why, int32_t ti, int64_t when_ns) {
    sim_g *g = sim_g_at(s, s->curg);
    sim_m *m = sim_curm(s);
    sim_casgstatus(s, g, SIM_GRUNNING, SIM_GWAITING);
    g->waitreason = reason;
    g->waitsince_ns = s->now_ns;
    cJSON *o = sim_ev(s, "GoBlock", m, g);
    if (o) cJSON_AddStringToObject(o, "reason", sim_waitreason_string(reason));
    sim_ev_why(s, o, why);
    m->curg = -1;
    g->m = -1;
    m->state = SIM_M_SCHEDULE;
    m->when_ns += SIM_COST_PARK_NS;
    sim_timer_arm(s, ti, &s->allp[m->p], when_ns);
    sim__to_g0(s, g);
}

/* Models: runtime.goready/ready: Grunnable, the waker's runnext, wakep. */
void sim_goready(sim_sched *s, sim_g *gp, const char *why) {
    SIM_ASSERT(s->curm >= 0);
    sim_casgstatus(s, gp, SIM_GWAITING, SIM_GRUNNABLE);
    gp->waitreason = SIM_WAIT_ZERO;
    sim_g *waker = s->curg >= 0 ? sim_g_at(s, s->curg) : NULL;
    cJSON *o = sim_ev(s, "GoUnblock", sim_curm(s), gp);
    if (o && waker) sim_trace_add_int(o, "by", waker->goid);
    sim_ev_why(s, o, why);
    sim_runqput(s, sim_curp(s), gp, true, "ready: the woken G takes the waker's runnext");
    sim_wakep(s);
}

/* Models: runtime.goschedImpl: Grunnable, dropg, the global tail. */
void sim_gosched(sim_sched *s) {
    sim_g *g = sim_g_at(s, s->curg);
    sim_m *m = sim_curm(s);
    sim_casgstatus(s, g, SIM_GRUNNING, SIM_GRUNNABLE);
    cJSON *o = sim_ev(s, "GoStop", m, g);
    if (o) cJSON_AddStringToObject(o, "reason", "runtime.Gosched");
    sim_ev_why(s, o, "goschedImpl: Gosched puts the G on the global queue");
    m->curg = -1;
    g->m = -1;
    sim_globrunqput(s, g, "goschedImpl: global tail");
    m->state = SIM_M_SCHEDULE;
    m->when_ns += SIM_COST_GOSCHED_NS;
    sim__to_g0(s, g);
}

/* Models: runtime.goyield + goyield_m: like Gosched, but traced as a preemption and onto
 * the LOCAL run queue's tail (semrelease's direct handoff: the woken G in runnext runs
 * next on this P, inheriting the time slice). */
void sim_goyield(sim_sched *s, const char *why) {
    sim_g *g = sim_g_at(s, s->curg);
    sim_m *m = sim_curm(s);
    sim_casgstatus(s, g, SIM_GRUNNING, SIM_GRUNNABLE);
    cJSON *o = sim_ev(s, "GoStop", m, g);
    if (o) cJSON_AddStringToObject(o, "reason", "preempted");
    sim_ev_why(s, o, why);
    m->curg = -1;
    g->m = -1;
    sim_runqput(s, sim_curp(s), g, false, "goyield_m: the local tail");
    m->state = SIM_M_SCHEDULE;
    m->when_ns += SIM_COST_GOSCHED_NS;
    sim__to_g0(s, g);
}

/* Models: runtime.gopreempt_m (goschedImpl with preempted=true): Grunnable, the global tail. */
void sim_gopreempt_m(sim_sched *s, const char *why) {
    sim_g *g = sim_g_at(s, s->curg);
    sim_m *m = sim_curm(s);
    g->preempt = 0;
    sim_casgstatus(s, g, SIM_GRUNNING, SIM_GRUNNABLE);
    cJSON *o = sim_ev(s, "GoStop", m, g);
    if (o) cJSON_AddStringToObject(o, "reason", "preempted");
    sim_ev_why(s, o, why);
    m->curg = -1;
    g->m = -1;
    sim_globrunqput(s, g, "gopreempt_m: a preempted G goes to the global tail");
    m->state = SIM_M_SCHEDULE;
    m->when_ns += SIM_COST_GOSCHED_NS;
    sim__to_g0(s, g);
}

/* ---- [SECTION] syscalls and netpoll -------------------------------------------- */

/* Models: runtime.handoffp (Go <= 1.25). Differs: no GC or trace work. */
void sim_handoffp(sim_sched *s, sim_p *pp) {
    SIM_ASSERT(pp->m < 0);
    SIM_ASSERT(pp->status != SIM_PRUNNING);
    pp->status = SIM_PIDLE; /* startm and pidleput both take an idle P */
    if (!sim_runqempty(pp) || s->runqsize != 0) {
        sim_startm(s, pp, false, "handoffp: the P has work, start an M for it");
        return;
    }
    if (s->nmspinning + s->npidle == 0) {
        s->nmspinning++; /* CAS 0 -> 1 */
        sim_startm(s, pp, true, "handoffp: no spinning or idle M, start a spinning one");
        return;
    }
    if (s->npidle == s->nprocs - 1 && s->netpoll_m < 0) {
        sim_startm(s, pp, false, "handoffp: the last running P and nobody polls: start an M to poll");
        return;
    }
    int64_t when = pp->timer_count > 0 ? s->timers[pp->timers[0]].when_ns : 0;
    sim_pidleput(s, pp);
    cJSON *o = sim_ev(s, "ProcIdle", NULL, NULL);
    if (o) sim_trace_add_int(o, "p", pp->id);
    sim_ev_why(s, o, "handoffp: no work for the P, it goes idle");
    if (when != 0 && s->netpoll_m < 0) sim_wakep(s); /* wakeNetPoller(when) */
}

/* Models: runtime.reentersyscall (block=false: the P stays _Psyscall for sysmon to
 * retake) and entersyscallblock (block=true: handoffp at once). The G's M stays in the
 * syscall for ns of virtual time, then exitsyscall runs on it (sim_step_exitsyscall). */
void sim_entersyscall(sim_sched *s, int64_t ns, bool block) {
    SIM_ASSERT(ns >= 0);
    sim_g *g = sim_g_at(s, s->curg);
    sim_m *m = sim_curm(s);
    sim_p *pp = sim_curp(s);
    sim_casgstatus(s, g, SIM_GRUNNING, SIM_GSYSCALL);
    cJSON *o = sim_ev(s, "GoSyscallBegin", m, g);
    if (o) {
        sim_trace_add_int(o, "dur", ns);
        cJSON_AddBoolToObject(o, "blocking", block);
    }
    sim_ev_why(s, o, block ? "entersyscallblock: a blocking syscall hands its P off at once"
                           : "entersyscall: the P stays in _Psyscall, for sysmon to retake");
    m->syscalltick = pp->syscalltick;
    m->oldp = pp->id;
    if (block) {
        pp->syscalltick++; /* entersyscallblock: gp.m.p.ptr().syscalltick++ */
        sim_handoffp(s, sim_releasep(s, m, "entersyscallblock: release the P"));
    } else {
        pp->m = -1;
        m->p = -1;
        pp->status = SIM_PSYSCALL;
        if (s->sysmon_wait) sim_sysmon_wake(s); /* entersyscall_sysmon */
    }
    m->state = SIM_M_SYSCALL;
    m->when_ns += SIM_COST_SYSCALL_NS + ns;
    sim__to_g0(s, g);
}

/* Models: runtime.exitsyscall: exitsyscallfast (the old P if still _Psyscall, else
 * any idle P), else exitsyscall0 (an idle P, or the global queue and stopm). */
static void sim_step_exitsyscall(sim_sched *s, sim_m *m) {
    sim_g *g = sim_g_at(s, m->curg);
    SIM_ASSERT(g->status == SIM_GSYSCALL);
    SIM_ASSERT(m->p < 0);
    sim_p *pp = NULL;
    const char *why = NULL;
    if (m->oldp >= 0 && s->allp[m->oldp].status == SIM_PSYSCALL) {
        pp = &s->allp[m->oldp];
        pp->status = SIM_PIDLE; /* CAS _Psyscall -> _Pidle, then wirep */
        why = "exitsyscallfast: reacquired the P it had";
    } else if ((pp = sim_pidleget(s)) != NULL) {
        why = "exitsyscallfast: its P was retaken, took an idle P";
        if (s->sysmon_wait) sim_sysmon_wake(s); /* exitsyscallfast_pidle */
    }
    m->oldp = -1;
    if (pp != NULL) {
        sim_acquirep(s, m, pp, why);
        pp->syscalltick++;
        sim_casgstatus(s, g, SIM_GSYSCALL, SIM_GRUNNING);
        sim_ev_why(s, sim_ev(s, "GoSyscallEnd", m, g), why);
        m->state = SIM_M_RUNNING;
        return;
    }
    /* exitsyscall0 on g0: no P to be had. */
    sim_casgstatus(s, g, SIM_GSYSCALL, SIM_GRUNNABLE);
    sim_ev_why(s, sim_ev(s, "GoSyscallEndBlocked", m, g),
               "exitsyscall0: no P for the G: the global queue, and the M stops");
    m->curg = -1;
    g->m = -1;
    sim_globrunqput(s, g, "exitsyscall0: no idle P, the G to the global queue");
    if (g->lockedm == m->id) {
        sim_stoplockedm(s, m); /* wait for the G, which only this M may run */
        return;
    }
    sim_stopm(s, m);
}

static int sim_io_less(const sim_sched *s, int32_t a, int32_t b) {
    const sim_g *ga = s->allg[a], *gb = s->allg[b];
    if (ga->io_ready_ns != gb->io_ready_ns) return ga->io_ready_ns < gb->io_ready_ns;
    return ga->goid < gb->goid;
}

/* The G parks in "IO wait" without holding its M; netpoll readies it when its simulated
 * I/O completes (poll_runtime_pollWait + netpollblock). */
void sim_io_wait(sim_sched *s, int64_t ns) {
    sim_g *g = sim_g_at(s, s->curg);
    if (s->io_count == s->io_cap) {
        int32_t cap = s->io_cap ? s->io_cap * 2 : 16;
        int32_t *n = realloc(s->io_waiters, (size_t)cap * sizeof *n);
        if (n == NULL) sim_throw("sim_io_wait: out of memory");
        s->io_waiters = n;
        s->io_cap = cap;
    }
    g->io_ready_ns = s->now_ns + ns;
    int32_t i = s->io_count++; /* sorted insert: few waiters, O(n) is fine */
    while (i > 0 && sim_io_less(s, g->index, s->io_waiters[i - 1])) {
        s->io_waiters[i] = s->io_waiters[i - 1];
        i--;
    }
    s->io_waiters[i] = g->index;
    /* Like a new timer, new I/O must be seen by the poller (netpollBreak) or an M. */
    if (s->netpoll_m >= 0) {
        sim_m *pm = &s->allm[s->netpoll_m];
        if (pm->when_ns > g->io_ready_ns) pm->when_ns = g->io_ready_ns;
        if (pm->when_ns < s->horizon_ns) s->horizon_ns = pm->when_ns;
    }
    sim_gopark(s, SIM_WAIT_IO_WAIT, "netpollblock: park until the simulated I/O is ready");
}

int64_t sim_netpoll_next(const sim_sched *s) {
    return s->io_count > 0 ? s->allg[s->io_waiters[0]]->io_ready_ns : INT64_MAX;
}

int32_t sim_netpoll(sim_sched *s, int32_t *out, int32_t cap) {
    int32_t n = 0;
    while (n < cap && s->io_count > 0 && s->allg[s->io_waiters[0]]->io_ready_ns <= s->now_ns) {
        out[n++] = s->io_waiters[0];
        memmove(s->io_waiters, s->io_waiters + 1, (size_t)(--s->io_count) * sizeof *s->io_waiters);
    }
    return n;
}

/* Models: runtime.injectglist (tip): with no P, all to the global queue and an M per idle
 * P; with a P, as many to the global queue as there are idle Ps (each gets an M), the
 * rest to the local queue. */
void sim_injectglist(sim_sched *s, int32_t *gs, int32_t n) {
    for (int32_t i = 0; i < n; i++) {
        sim_g *g = sim_g_at(s, gs[i]);
        sim_casgstatus(s, g, SIM_GWAITING, SIM_GRUNNABLE);
        g->waitreason = SIM_WAIT_ZERO;
        cJSON *o = sim_ev(s, "GoUnblock", NULL, g);
        sim_ev_why(s, o, "netpoll: the G's I/O is ready");
    }
    sim_m *m = s->curm >= 0 ? &s->allm[s->curm] : NULL;
    int32_t to_global = (m == NULL || m->p < 0) ? n : (n < s->npidle ? n : s->npidle);
    for (int32_t i = 0; i < to_global; i++)
        sim_globrunqput(s, sim_g_at(s, gs[i]), "injectglist: to the global queue, for an idle P");
    for (int32_t i = 0; i < to_global && s->npidle > 0; i++)
        sim_startm(s, sim_pidleget(s), false, "injectglist: start an M for an idle P");
    for (int32_t i = to_global; i < n; i++)
        sim_runqput(s, &s->allp[m->p], sim_g_at(s, gs[i]), false, "injectglist: to the local queue");
}

/* Models: runtime.goexit0 + gdestroy: Gdead, gfput, schedule. Never returns: the
 * coroutine's stack stays with the dead G for reuse. */
void sim_goexit0(sim_sched *s) {
    sim_g *g = sim_g_at(s, s->curg);
    sim_m *m = sim_curm(s);
    sim_frames_clear(s, g);
    sim_casgstatus(s, g, SIM_GRUNNING, SIM_GDEAD);
    sim_ev_why(s, sim_ev(s, "GoDestroy", m, g), "goexit0: the G is dead, its stack kept for reuse");
    m->curg = -1;
    g->m = -1;
    sim_gfput(s, &s->allp[m->p], g);
    m->state = SIM_M_SCHEDULE;
    if (g->lockedm >= 0 && g->index != s->main_g) {
        /* goexit0: a G that exits locked takes its thread with it (mexit); its P is
         * handed off. */
        g->lockedm = -1;
        m->lockedg = -1;
        m->locked_ext = 0;
        sim_handoffp(s, sim_releasep(s, m, "mexit: the locked G exited, its thread exits"));
        m->state = SIM_M_DEAD;
        sim_ev_why(s, sim_ev(s, "MExit", m, NULL), "goexit0: a G exiting while locked kills its M");
    }
    if (g->index == s->main_g) {
        /* runtime.main: main.main returned, so the process exits; to report leaks the
         * simulation lets the others run until nothing can move. The G's slot is reused
         * (gfput), so from now on no goroutine is main. */
        s->main_g = -1;
        if (s->opt.leaks_ignore) {
            s->done = 1;
            s->outcome = GMP_OUTCOME_OK;
        } else {
            s->main_done = 1;
            s->leak_deadline_ns = s->now_ns + s->opt.leak_grace_ns;
            sim_ev_why(s, sim_ev(s, "MainReturn", m, g),
                       "runtime.main: main.main returned; the other goroutines run on to find leaks");
        }
    }
    s->switches++;
    sim_coro_exit_to(&g->coro, &s->g0);
    sim_throw("goexit0: a dead goroutine was resumed");
}

/* ---- [SECTION] finding work ---------------------------------------------------- */

enum {
    SIM_STEAL_USLEEP = -2,           /* sim_stealwork: the M sleeps before taking a runnext */
    SIM_RUNNEXT_STEAL_WAIT_NS = 3000, /* runqgrab: usleep(3) (osHasLowResTimer is false on Linux) */
};

/* Models: runtime.stealWork: 4 passes over the Ps in a random coprime order; only the
 * last pass may take a victim's runnext and runs victims' timers. Idle Ps are skipped
 * for stealing. Before taking a running P's runnext, runqgrab sleeps 3 us so that the
 * P, about to schedule it, gets there first: that sleep returns SIM_STEAL_USLEEP, and
 * the M's next step (findRunnable again) may take it if it is still there.
 * Differs: a Ready G from a timer is returned at once (no goto top); after the sleep
 * the M checks its own P and the global queue again before that runnext. */
static int32_t sim_stealwork(sim_sched *s, sim_m *m, sim_p *pp) {
    uint32_t n = (uint32_t)s->nprocs;
    uint32_t coprimes[SIM_PROCS_MAX];
    uint32_t ncop = 0;
    for (uint32_t i = 1; i <= n; i++) {
        uint32_t a = i, b = n; /* gcd(i, n) == 1 */
        while (b != 0) { uint32_t t = a % b; a = b; b = t; }
        if (a == 1) coprimes[ncop++] = i;
    }
    SIM_ASSERT(ncop >= 1);
    if (m->steal_wait_p >= 0) { /* back from usleep(3): pp.runnext.cas(next, 0) */
        sim_p *p2 = &s->allp[m->steal_wait_p];
        m->steal_wait_p = -1;
        if (p2->status != SIM_PIDLE && p2->runnext == m->steal_wait_g && p2->runqhead == p2->runqtail) {
            int32_t gi = sim_runqsteal(s, pp, p2, true);
            if (gi >= 0) return gi;
        }
    }
    for (int i = 0; i < SIM_STEAL_TRIES; i++) {
        bool last = i == SIM_STEAL_TRIES - 1;
        uint32_t r = sim_choose(s, SIM_CHOICE_STEAL_ORDER, n * ncop,
                                "stealWork: stealOrder.start(cheaprand()): start P and coprime stride");
        uint32_t pos = r % n, inc = coprimes[(r / n) % ncop];
        for (uint32_t k = 0; k < n; k++, pos = (pos + inc) % n) {
            sim_p *p2 = &s->allp[pos];
            if (p2 == pp) continue;
            m->when_ns += SIM_COST_STEAL_VICTIM_NS;
            /* The last pass runs the victim's expired timers here (timerpMask); what they
             * ready lands in this P's runnext. */
            if (last && p2->timer_count > 0 && sim_timers_check(s, p2) > 0) {
                bool inherit = false;
                int32_t gi = sim_runqget(s, pp, &inherit);
                if (gi >= 0) return gi;
            }
            if (p2->status == SIM_PIDLE) continue; /* idlepMask */
            /* _Prunning: its M holds it and runs (a P handed to an M that is still waking
             * is _Pidle in the runtime until that M's acquirep). */
            if (last && p2->status == SIM_PRUNNING && p2->runqhead == p2->runqtail && p2->runnext >= 0 &&
                p2->m >= 0 && !s->allm[p2->m].waking) {
                m->steal_wait_p = p2->id; /* usleep(3), then look again */
                m->steal_wait_g = p2->runnext;
                return SIM_STEAL_USLEEP;
            }
            int32_t gi = sim_runqsteal(s, pp, p2, last);
            if (gi >= 0) return gi;
        }
    }
    return -1;
}

/* Models: runtime.checkRunqsNoP: a former spinner's last look at every P's queue. */
static bool sim_checkrunqsnop(sim_sched *s) {
    for (int32_t i = 0; i < s->nprocs; i++) {
        sim_p *p2 = &s->allp[i];
        if (p2->status != SIM_PIDLE && !sim_runqempty(p2)) return true;
    }
    return false;
}

/* Models: runtime.findRunnable. Returns a G, or -1 when the M stopped (stopm).
 * Differs: no GC, timers, netpoll or trace reader; one pass, no spinning in place. */
static int32_t sim_findrunnable(sim_sched *s, sim_m *m, bool *inherit_time, const char **why) {
    for (int round = 0; round < 4; round++) { /* "goto top" is bounded: each retake of a P */
        sim_p *pp = &s->allp[m->p];
        *inherit_time = false;
        int32_t gi;
        if (pp->timer_count > 0) sim_timers_check(s, pp); /* pp.timers.check(now) */
        if (pp->schedtick % SIM_SCHEDTICK_FAIRNESS == 0 && s->runqsize > 0) {
            *why = "findRunnable: schedtick%61 global check";
            gi = sim_globrunqget(s, pp, *why);
            if (gi >= 0) return gi;
        }
        gi = sim_runqget(s, pp, inherit_time);
        if (gi >= 0) {
            *why = *inherit_time ? "findRunnable: runnext" : "findRunnable: local run queue";
            return gi;
        }
        if (s->runqsize != 0) {
            *why = "findRunnable: global run queue batch";
            return sim_globrunqgetbatch(s, pp);
        }
        if (s->io_count > 0 && s->netpoll_m < 0 && sim_netpoll_next(s) <= s->now_ns) {
            int32_t list[64];
            int32_t n = sim_netpoll(s, list, 64);
            if (n > 0) { /* netpoll(0): run the first, inject the rest */
                sim_injectglist(s, list + 1, n - 1);
                sim_g *g = sim_g_at(s, list[0]);
                sim_casgstatus(s, g, SIM_GWAITING, SIM_GRUNNABLE);
                g->waitreason = SIM_WAIT_ZERO;
                sim_ev_why(s, sim_ev(s, "GoUnblock", NULL, g), "netpoll: the G's I/O is ready");
                *why = "findRunnable: non-blocking netpoll found a ready G";
                return g->index;
            }
        }
        if (m->spinning || 2 * s->nmspinning < s->nprocs - s->npidle) {
            if (!m->spinning) sim_becomespinning(s, m, "findRunnable: nothing local or global, spin to steal");
            gi = sim_stealwork(s, m, pp);
            if (gi == SIM_STEAL_USLEEP) { /* still spinning, still holding the P */
                m->when_ns += SIM_RUNNEXT_STEAL_WAIT_NS;
                return -1;
            }
            if (gi >= 0) {
                *why = "findRunnable: stealWork";
                return gi;
            }
        }
        if (s->runqsize != 0) {
            *why = "findRunnable: global run queue batch";
            return sim_globrunqgetbatch(s, pp);
        }
        sim_pidleput(s, sim_releasep(s, m, "findRunnable: no work, release the P"));
        if (m->spinning) {
            m->spinning = 0;
            s->nmspinning--;
            if (s->nmspinning < 0) sim_throw("findRunnable: negative nmspinning");
            sim_mspin_trace(s, m, false, "findRunnable: no work found, stop spinning and recheck");
            if (s->runqsize != 0 || sim_checkrunqsnop(s)) {
                sim_p *p2 = sim_pidleget(s);
                if (p2 != NULL) {
                    sim_acquirep(s, m, p2, "findRunnable: work appeared during the recheck");
                    sim_becomespinning(s, m, "findRunnable: recheck found work");
                    continue;
                }
            }
        }
        /* Nothing to run: block in netpoll until the next timer if no M already does
         * (sched.lastpoll.Swap(0) != 0), else stopm. */
        int64_t poll_until = sim_timers_next(s);
        int64_t io_next = sim_netpoll_next(s);
        if (io_next < poll_until) poll_until = io_next;
        if (s->netpoll_m < 0 && poll_until != INT64_MAX) {
            s->netpoll_m = m->id;
            m->state = SIM_M_NETPOLL;
            /* A netpoll call takes time even when its deadline has passed (the timer
             * is overdue on a P this M may not steal from): without it the M would
             * loop at one instant. */
            int64_t earliest = m->when_ns + SIM_COST_NETPOLL_NS;
            m->when_ns = poll_until > earliest ? poll_until : earliest;
            cJSON *o = sim_ev(s, "MPoll", m, NULL);
            if (o) sim_trace_add_int(o, "until", m->when_ns);
            sim_ev_why(s, o, "findRunnable: no work, block in netpoll until the next timer");
            return -1;
        }
        sim_stopm(s, m);
        return -1;
    }
    sim_throw("findRunnable: too many retries");
}

/* Models: runtime.schedule: findRunnable, resetspinning, execute.
 * Differs: no locked Gs (startlockedm), no GC. */
/* Models: runtime.stoplockedm: an M whose locked G is not running gives its P away and
 * parks until startlockedm hands it a P with that G. */
static void sim_stoplockedm(sim_sched *s, sim_m *m) {
    SIM_ASSERT(m->lockedg >= 0);
    SIM_ASSERT(s->allg[m->lockedg]->lockedm == m->id);
    if (m->p >= 0) sim_handoffp(s, sim_releasep(s, m, "stoplockedm: the locked G is not running, hand the P off"));
    m->state = SIM_M_LOCKED;
    s->nmidlelocked++;
    sim_ev_why(s, sim_ev(s, "MStop", m, NULL), "stoplockedm: park until the locked G is runnable");
}

/* Models: runtime.startlockedm: gp is locked to another M: hand it this P and gp, and
 * stop this M. */
static void sim_startlockedm(sim_sched *s, sim_m *m, int32_t gi) {
    sim_g *g = sim_g_at(s, gi);
    sim_m *lm = &s->allm[g->lockedm];
    SIM_ASSERT(lm->state == SIM_M_LOCKED);
    SIM_ASSERT(lm->lockedg == gi);
    sim_p *pp = sim_releasep(s, m, "startlockedm: hand the P to the G's locked M");
    s->nmidlelocked--;
    lm->when_ns = s->now_ns + SIM_COST_MWAKE_NS;
    sim_mstart_event(s, lm, pp->id, false, false, lm->when_ns, "startlockedm: wake the M the G is locked to");
    sim_acquirep(s, lm, pp, "startlockedm: the locked M takes the P");
    lm->locked_handoff = 1; /* it runs gi when it wakes: stoplockedm returns, execute */
    lm->waking = 1;
    sim_m_activate(s, lm, SIM_M_SCHEDULE, lm->when_ns);
    sim_stopm(s, m);
}

void sim_schedule(sim_sched *s, sim_m *m) {
    SIM_ASSERT(m->curg < 0);
    SIM_ASSERT(m->p >= 0);
    m->waking = 0; /* it runs: acquirep(mp.nextp) */
    if (m->lockedg >= 0 && m->locked_handoff) { /* woken by startlockedm */
        m->locked_handoff = 0;
        sim_execute(s, m, m->lockedg, false, "startlockedm: the locked G runs on its own M");
        return;
    }
    if (m->lockedg >= 0) { /* the M's locked G parked: this M runs nothing else */
        sim_stoplockedm(s, m);
        return;
    }
    bool inherit_time = false;
    const char *why = NULL;
    int32_t gi = sim_findrunnable(s, m, &inherit_time, &why);
    if (gi < 0) return;
    if (m->spinning) sim_resetspinning(s, m);
    if (sim_g_at(s, gi)->lockedm >= 0) {
        sim_startlockedm(s, m, gi);
        return;
    }
    sim_execute(s, m, gi, inherit_time, why);
}

/* Models: runtime.LockOSThread/UnlockOSThread (the external count only). */
void sim_lockosthread(sim_sched *s, bool lock) {
    sim_g *g = sim_g_at(s, s->curg);
    sim_m *m = sim_curm(s);
    const char *why;
    if (lock) {
        m->locked_ext++; /* nested calls count; each Unlock undoes one */
        g->lockedm = m->id;
        m->lockedg = g->index;
        why = "LockOSThread: the G is wired to its M";
    } else if (m->locked_ext == 0) {
        why = "UnlockOSThread: not locked, nothing to do";
    } else if (--m->locked_ext > 0) {
        why = "UnlockOSThread: still locked by an outer LockOSThread (lockedExt > 0)";
    } else {
        g->lockedm = -1;
        m->lockedg = -1;
        why = "UnlockOSThread: the G and M are free again";
    }
    cJSON *o = sim_ev(s, lock ? "LockOSThread" : "UnlockOSThread", m, g);
    if (o) sim_trace_add_int(o, "locked", m->locked_ext);
    sim_ev_why(s, o, why);
}

/* ---- [SECTION] the event loop -------------------------------------------------- */

enum { SIM_PICK_LEAK_DEADLINE = -2 };

/* The M to step next: the earliest; ties are a recorded decision among them in M id
 * order. Sets horizon_ns to the earliest step of the others. -1 when no user M is
 * active; SIM_PICK_LEAK_DEADLINE when the earliest step is past the leak deadline. */
static int32_t sim_pick_m(sim_sched *s) {
    int64_t best = INT64_MAX;
    int32_t ntie = 0;
    for (int32_t i = 0; i < s->mcount; i++) {
        const sim_m *m = &s->allm[i];
        if (!sim_m_active(m)) continue;
        if (m->when_ns < best) {
            best = m->when_ns;
            ntie = 1;
        } else if (m->when_ns == best) {
            ntie++;
        }
    }
    if (ntie == 0) return -1;
    bool user_m = false; /* checkdead: mcount - nmidle - nmsys > 0 */
    for (int32_t i = 0; i < s->mcount && !user_m; i++)
        user_m = sim_m_active(&s->allm[i]) && !s->allm[i].is_sys;
    if (!user_m) return -1;
    /* Past the leak deadline nothing more happens, not even a tie's decision. */
    if (s->main_done && best > s->leak_deadline_ns) return SIM_PICK_LEAK_DEADLINE;
    s->now_ns = best;
    int32_t pick = 0;
    if (ntie > 1) pick = (int32_t)sim_choose(s, SIM_CHOICE_TIE, (uint32_t)ntie,
                                             "several Ms step at the same instant: which goes first");
    int32_t chosen = -1;
    int64_t horizon = INT64_MAX;
    for (int32_t i = 0, k = 0; i < s->mcount; i++) {
        const sim_m *m = &s->allm[i];
        if (!sim_m_active(m)) continue;
        if (m->when_ns == best && k++ == pick) {
            chosen = i;
            continue;
        }
        if (m->when_ns < horizon) horizon = m->when_ns;
    }
    SIM_ASSERT(chosen >= 0);
    s->horizon_ns = horizon;
    return chosen;
}

/* The M blocked in netpoll wakes (its timer is due, or netpollBreak): it takes an idle
 * P and looks for work again (findRunnable after netpoll), else it stops. */
static void sim_step_netpoll(sim_sched *s, sim_m *m) {
    SIM_ASSERT(s->netpoll_m == m->id);
    SIM_ASSERT(m->p < 0);
    s->netpoll_m = -1;
    s->lastpoll_ns = s->now_ns; /* sched.lastpoll: set when a blocking netpoll returns */
    int32_t list[64];
    int32_t n = sim_netpoll(s, list, 64);
    sim_p *pp = sim_pidleget(s);
    if (pp == NULL) {
        sim_injectglist(s, list, n);
        sim_stopm(s, m);
        return;
    }
    sim_acquirep(s, m, pp, "findRunnable: back from netpoll, take an idle P");
    m->state = SIM_M_SCHEDULE;
    if (n > 0) {
        sim_injectglist(s, list + 1, n - 1);
        sim_g *g = sim_g_at(s, list[0]);
        sim_casgstatus(s, g, SIM_GWAITING, SIM_GRUNNABLE);
        g->waitreason = SIM_WAIT_ZERO;
        sim_ev_why(s, sim_ev(s, "GoUnblock", NULL, g), "netpoll: the G's I/O is ready");
        sim_execute(s, m, g->index, false, "findRunnable: netpoll returned a ready G");
        return;
    }
    sim_schedule(s, m);
}

static void sim_step_run(sim_sched *s, sim_m *m) {
    sim_g *g = sim_g_at(s, m->curg);
    SIM_ASSERT(g->status == SIM_GRUNNING);
    s->curg = g->index;
    s->switches++;
    sim_coro_switch(&s->g0, &g->coro);
    s->curg = -1;
}

/* The earliest instant anything other than the stepping M is due; trace ticks and
 * the time limit count as due so that a running G stops for them. */
static void sim_clamp_horizon(sim_sched *s) {
    if (s->opt.schedtrace_ms > 0 && s->schedtrace_next_ns < s->horizon_ns)
        s->horizon_ns = s->schedtrace_next_ns;
    if (s->opt.max_time_ns + 1 < s->horizon_ns) s->horizon_ns = s->opt.max_time_ns + 1;
    if (s->main_done && s->leak_deadline_ns + 1 < s->horizon_ns) s->horizon_ns = s->leak_deadline_ns + 1;
}

void sim_loop(sim_sched *s) {
    for (int64_t steps = 0; !s->done; steps++) {
        SIM_ASSERT(steps < INT64_MAX);
        if (s->trace.count >= s->opt.max_events) {
            sim_finish(s, GMP_OUTCOME_LIMIT, "event limit reached (--max-events)");
            break;
        }
        int32_t mi = sim_pick_m(s);
        if (mi == SIM_PICK_LEAK_DEADLINE) {
            s->now_ns = s->leak_deadline_ns;
            sim_leakcheck(s);
            break;
        }
        if (mi < 0) {
            if (s->main_done) sim_leakcheck(s);
            else sim_checkdead(s);
            break;
        }
        if (s->main_done && s->now_ns > s->leak_deadline_ns) {
            s->now_ns = s->leak_deadline_ns;
            sim_leakcheck(s);
            break;
        }
        if (s->now_ns > s->opt.max_time_ns) {
            sim_finish(s, GMP_OUTCOME_LIMIT, "virtual time limit reached (--max-time)");
            break;
        }
        while (s->opt.schedtrace_ms > 0 && s->schedtrace_next_ns <= s->now_ns) {
            sim_schedtrace(s, s->schedtrace_next_ns);
            s->schedtrace_next_ns += s->opt.schedtrace_ms * 1000000;
        }
        sim_clamp_horizon(s);
        sim_m *m = &s->allm[mi];
        s->curm = mi;
        if (m->state == SIM_M_SCHEDULE) {
            sim_schedule(s, m);
            /* Fast path: the M found a G and is still strictly the earliest, so the next
             * pick would choose it again without a decision: run the G at once. */
            if (m->state == SIM_M_RUNNING && m->when_ns < s->horizon_ns && s->trace.count < s->opt.max_events) {
                s->now_ns = m->when_ns;
                sim_step_run(s, m);
            }
        } else if (m->state == SIM_M_NETPOLL) {
            sim_step_netpoll(s, m);
        } else if (m->state == SIM_M_SYSCALL) {
            sim_step_exitsyscall(s, m);
        } else if (m->state == SIM_M_SYSMON) {
            sim_sysmon_step(s, m);
        } else {
            SIM_ASSERT(m->state == SIM_M_RUNNING);
            sim_step_run(s, m);
        }
        s->curm = -1;
    }
}

/* ---- [SECTION] start-up -------------------------------------------------------- */

/* Models: runtime.procresize at start-up + rt0's M0 taking P0. */
void sim_sched_start(sim_sched *s) {
    SIM_ASSERT(s->nprocs >= 1 && s->nprocs <= SIM_PROCS_MAX);
    for (int32_t i = s->nprocs - 1; i >= 1; i--) sim_pidleput(s, &s->allp[i]);
    sim_m *m0 = sim_newm(s);
    s->curm = m0->id;
    sim_acquirep(s, m0, &s->allp[0], "procresize: M0 takes P0");
    m0->state = SIM_M_SCHEDULE;
    m0->when_ns = 0;
    s->mwake_p = 0;
    sim_os_preempt_draw(s, m0);
    sim_sysmon_start(s); /* runtime.main: newm(sysmon) */
    if (s->nprocs > 1) {
        /* Differs: the runtime's start-up is not simulated goroutine by goroutine. Before
         * main.main runs, gcenable's go bgsweep / go bgscavenge have woken a spinning M
         * (wakep) that found them gone and parked; a test binary has several such idle
         * Ms. One idle M stands for them, so main's first wakep is a futex wake, not a
         * clone. */
        sim_m *warm = sim_newm(s);
        sim_mstart_event(s, warm, -1, true, false, s->now_ns,
                         "runtime.main: gcenable: go bgsweep, go bgscavenge: wakep started this M before main.main");
        sim_mput(s, warm, "stopm: it found no work before main.main and parked on the idle list");
    }
}
