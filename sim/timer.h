/* sim/timer.h: timers in per-P 4-ary heaps (the runtime's time.go, Go 1.14+).
 *
 * A timer lives in the heap of one P (the P of the M that armed it). A P runs its own
 * expired timers when it schedules (findRunnable's timers.check); a thief runs a
 * victim's on its last steal pass; an M with nothing to do blocks in "netpoll" until
 * the next timer when no other M does (findRunnable's pollUntil). Running a timer
 * readies what waits on it into the runnext of the P that ran it.
 */
#ifndef SIM_TIMER_H
#define SIM_TIMER_H

#include "sched.h"

typedef enum sim_timer_kind {
    SIM_TIMER_SLEEP = 0,   /* time.Sleep: goready the G */
    SIM_TIMER_CHAN,        /* time.After/NewTimer/Ticker: non-blocking send of the time on a chan */
    SIM_TIMER_FUNC,        /* time.AfterFunc: start a goroutine running fn */
} sim_timer_kind;

typedef struct sim_timer {
    int64_t when_ns;       /* absolute virtual time it fires */
    int64_t period_ns;     /* > 0 for a Ticker */
    uint64_t seq;          /* arming order: equal whens fire in arming order */
    uint64_t addr;         /* simulated address (time.Timer) */
    int32_t p;             /* the P whose heap holds it, or -1 when not armed */
    int32_t heap_index;
    sim_timer_kind kind;
    int32_t g;             /* SLEEP: the sleeping G */
    uint64_t chan_addr;    /* CHAN: the channel */
    gmp_func fn;           /* FUNC */
    const char *fn_name;
    int64_t arg;           /* FUNC: passed to fn as its 8-byte argument block */
} sim_timer;

/* A new timer (not armed); returns its index. */
int32_t sim_timer_new(sim_sched *s, sim_timer_kind kind);
/* Models: runtime.(*timer).modify/maybeAdd: arms ti at when_ns in pp's heap, then
 * wakeNetPoller(when). An armed timer is moved. */
void sim_timer_arm(sim_sched *s, int32_t ti, sim_p *pp, int64_t when_ns);
/* Models: runtime.(*timer).stop: 1 when it was armed. */
int sim_timer_stop(sim_sched *s, int32_t ti);
/* Models: runtime.(*timers).check(now): runs pp's expired timers on the current M. Returns
 * how many ran. */
int32_t sim_timers_check(sim_sched *s, sim_p *pp);
/* The earliest armed timer on any P, or INT64_MAX. O(P). */
int64_t sim_timers_next(const sim_sched *s);
static inline sim_timer *sim_timer_at(sim_sched *s, int32_t ti) {
    return &s->timers[ti];
}

#endif
