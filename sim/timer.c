/* sim/timer.c: see timer.h. */
#include "timer.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "chan.h"
#include "check.h"
#include "cost.h"
#include "frame.h"
#include "run.h"

static bool sim_timer_less(const sim_sched *s, int32_t a, int32_t b) {
    const sim_timer *ta = &s->timers[a], *tb = &s->timers[b];
    if (ta->when_ns != tb->when_ns) return ta->when_ns < tb->when_ns;
    return ta->seq < tb->seq; /* libuv's start_id: equal times keep arming order */
}

static void sim_heap_set(sim_sched *s, sim_p *pp, int32_t i, int32_t ti) {
    pp->timers[i] = ti;
    s->timers[ti].heap_index = i;
}

/* Models: runtime.(*timers).siftUp (4-ary). */
static void sim_timer_siftup(sim_sched *s, sim_p *pp, int32_t i) {
    int32_t ti = pp->timers[i];
    while (i > 0) {
        int32_t parent = (i - 1) / 4;
        if (!sim_timer_less(s, ti, pp->timers[parent])) break;
        sim_heap_set(s, pp, i, pp->timers[parent]);
        i = parent;
    }
    sim_heap_set(s, pp, i, ti);
}

/* Models: runtime.(*timers).siftDown (4-ary). */
static void sim_timer_siftdown(sim_sched *s, sim_p *pp, int32_t i) {
    int32_t n = pp->timer_count;
    int32_t ti = pp->timers[i];
    for (;;) {
        int32_t c = 4 * i + 1, best = -1;
        for (int32_t k = c; k < c + 4 && k < n; k++)
            if (best < 0 || sim_timer_less(s, pp->timers[k], pp->timers[best])) best = k;
        if (best < 0 || !sim_timer_less(s, pp->timers[best], ti)) break;
        sim_heap_set(s, pp, i, pp->timers[best]);
        i = best;
    }
    sim_heap_set(s, pp, i, ti);
}

static void sim_heap_remove(sim_sched *s, sim_p *pp, int32_t i) {
    SIM_ASSERT(i >= 0 && i < pp->timer_count);
    int32_t last = --pp->timer_count;
    s->timers[pp->timers[i]].p = -1;
    s->timers[pp->timers[i]].heap_index = -1;
    if (i == last) return;
    sim_heap_set(s, pp, i, pp->timers[last]);
    sim_timer_siftdown(s, pp, i);
    sim_timer_siftup(s, pp, i);
}

int32_t sim_timer_new(sim_sched *s, sim_timer_kind kind) {
    if (s->timer_count == s->timer_cap) {
        int32_t cap = s->timer_cap ? s->timer_cap * 2 : 64;
        sim_timer *n = realloc(s->timers, (size_t)cap * sizeof *n);
        if (n == NULL) sim_throw("sim_timer_new: out of memory");
        s->timers = n;
        s->timer_cap = cap;
    }
    int32_t ti = s->timer_count++;
    sim_timer *t = &s->timers[ti];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->p = t->heap_index = t->g = -1;
    t->addr = sim_heap_alloc(s, 80); /* runtime.timer is about 80 bytes */
    return ti;
}

static void sim_timer_event(sim_sched *s, const char *ev, const sim_timer *t, int32_t p, const char *why) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, ev);
    if (o == NULL) return;
    sim_trace_add_addr(o, "timer", t->addr);
    sim_trace_add_int(o, "p", p); /* the P whose heap holds (held) it */
    sim_trace_add_int(o, "when", t->when_ns);
    static const char *const kinds[] = {"sleep", "chan", "func"};
    cJSON_AddStringToObject(o, "kind", kinds[t->kind]);
    if (t->g >= 0) sim_trace_add_int(o, "g", s->allg[t->g]->goid);
    cJSON_AddStringToObject(o, "why", why);
    sim_trace_emit(&s->trace, o);
}

/* Models: runtime.wakeNetPoller: a new earliest timer must wake the poller, or an M. */
static void sim_wakenetpoller(sim_sched *s, int64_t when_ns) {
    if (s->netpoll_m >= 0) {
        sim_m *pm = &s->allm[s->netpoll_m];
        SIM_ASSERT(pm->state == SIM_M_NETPOLL);
        if (pm->when_ns > when_ns) { /* netpollBreak */
            int64_t wake = s->now_ns + SIM_COST_MWAKE_NS;
            pm->when_ns = wake < when_ns ? wake : when_ns;
            if (pm->id != s->curm && pm->when_ns < s->horizon_ns) s->horizon_ns = pm->when_ns;
        }
        return;
    }
    sim_wakep(s);
}

void sim_timer_arm(sim_sched *s, int32_t ti, sim_p *pp, int64_t when_ns) {
    SIM_ASSERT(when_ns >= s->now_ns);
    sim_timer *t = &s->timers[ti];
    if (t->p >= 0) sim_heap_remove(s, &s->allp[t->p], t->heap_index);
    if (pp->timer_count == pp->timer_cap) {
        int32_t cap = pp->timer_cap ? pp->timer_cap * 2 : 16;
        int32_t *n = realloc(pp->timers, (size_t)cap * sizeof *n);
        if (n == NULL) sim_throw("sim_timer_arm: out of memory");
        pp->timers = n;
        pp->timer_cap = cap;
    }
    t = &s->timers[ti];
    t->when_ns = when_ns;
    t->seq = s->timer_seq++;
    t->p = pp->id;
    int32_t i = pp->timer_count++;
    sim_heap_set(s, pp, i, ti);
    sim_timer_siftup(s, pp, i);
    sim_timer_event(s, "TimerArm", t, t->p, "timer.modify: armed in the heap of the current P");
    sim_wakenetpoller(s, when_ns);
}

int sim_timer_stop(sim_sched *s, int32_t ti) {
    sim_timer *t = &s->timers[ti];
    if (t->p < 0) return 0;
    sim_heap_remove(s, &s->allp[t->p], t->heap_index);
    return 1;
}


/* Models: runtime.(*timer).unlockAndRun: what a timer does when it fires. */
static void sim_timer_run(sim_sched *s, int32_t ti, int32_t heap_p) {
    sim_timer *t = &s->timers[ti];
    sim_timer_event(s, "TimerFire", t, heap_p, "timers.check: the timer expired");
    switch (t->kind) {
    case SIM_TIMER_SLEEP: {
        sim_g *g = s->allg[t->g];
        sim_goready(s, g, "goroutineReady: the sleep timer fired");
        break;
    }
    case SIM_TIMER_CHAN:
        sim_chan_timer_send(s, t->chan_addr, s->now_ns, t->addr);
        break;
    case SIM_TIMER_FUNC: {
        int64_t arg = t->arg;
        sim_newproc_system(s, t->fn, t->fn_name, &arg, sizeof arg, t->addr + 64, "time.goFunc"); /* t.arg */
        break;
    }
    }
    t = &s->timers[ti]; /* the timer array may have grown */
    if (t->period_ns > 0 && t->p < 0) {
        int64_t next = t->when_ns + t->period_ns;
        if (next <= s->now_ns) next = s->now_ns + t->period_ns; /* a Ticker drops missed ticks */
        sim_timer_arm(s, ti, &s->allp[s->allm[s->curm].p], next);
    }
}

int32_t sim_timers_check(sim_sched *s, sim_p *pp) {
    SIM_ASSERT(s->curm >= 0);
    int32_t ran = 0;
    for (int32_t guard = 0; pp->timer_count > 0; guard++) {
        SIM_ASSERT(guard < 1000000);
        int32_t ti = pp->timers[0];
        if (s->timers[ti].when_ns > s->now_ns) break;
        sim_heap_remove(s, pp, 0);
        sim_timer_run(s, ti, pp->id);
        ran++;
    }
    return ran;
}

int64_t sim_timers_next(const sim_sched *s) {
    int64_t next = INT64_MAX;
    for (int32_t i = 0; i < s->nprocs; i++) {
        const sim_p *pp = &s->allp[i];
        if (pp->timer_count > 0 && s->timers[pp->timers[0]].when_ns < next) next = s->timers[pp->timers[0]].when_ns;
    }
    return next;
}
