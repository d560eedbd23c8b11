/* sim/time.c: the time package on the simulator's timers: Sleep, After, NewTimer,
 * Timer.Stop/Reset, NewTicker, AfterFunc. Timer handles are simulated addresses. */
#include "api.h"
#include "chan.h"
#include "check.h"
#include "cost.h"
#include "race.h"
#include "run.h"
#include "timer.h"

static int32_t sim_timer_lookup(sim_sched *s, gmp_timer t) {
    int32_t lo = 0, hi = s->timer_count - 1; /* allocated in address order */
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (s->timers[mid].addr == t.addr) return mid;
        if (s->timers[mid].addr < t.addr) lo = mid + 1;
        else hi = mid - 1;
    }
    if (t.addr == 0)
        sim_fail_current(s, GMP_OUTCOME_PANIC, "runtime error: invalid memory address or nil pointer dereference");
    sim_fatal(s, "gmpsim: not a timer of this run");
}

/* Models: runtime.timeSleep: ns <= 0 returns without yielding; else park with "sleep"
 * and arm the G's timer on the current P (resetForSleep, after the park). */
void gmp_sleep_at(int64_t ns, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    if (ns <= 0) return;
    sim_g *g = sim_g_at(s, s->curg);
    if (g->timer < 0) {
        g->timer = sim_timer_new(s, SIM_TIMER_SLEEP);
        sim_timer_at(s, g->timer)->g = g->index;
    }
    int64_t when = s->now_ns + ns;
    if (when < s->now_ns) when = INT64_MAX / 2; /* overflow: "forever" */
    /* gopark runs resetForSleep as its unlock function: the timer is armed on the P the G
     * parked on, after it is parked. sim_gopark_timer does the two in that order. */
    sim_gopark_timer(s, SIM_WAIT_SLEEP, "timeSleep: park, then arm the sleep timer", g->timer, when);
}

static gmp_timer sim_new_chan_timer(sim_sched *s, int64_t ns, int64_t period_ns, gmp_chan *c_out) {
    gmp_chan c = sim_makechan(s, sizeof(int64_t), 1);
    int32_t ti = sim_timer_new(s, SIM_TIMER_CHAN);
    sim_timer *t = sim_timer_at(s, ti);
    t->chan_addr = c.addr;
    t->period_ns = period_ns;
    sim_timer_arm(s, ti, sim_curp(s), s->now_ns + (ns > 0 ? ns : 0));
    sim_race_timer_arm(s, ti); /* racerelease(t): arming happens before the timer's work */
    if (c_out) *c_out = c;
    return (gmp_timer){sim_timer_at(s, ti)->addr};
}

gmp_chan gmp_after_at(int64_t ns, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    gmp_chan c;
    sim_new_chan_timer(s, ns, 0, &c);
    sim_charge(s, SIM_COST_CHANOP_NS);
    return c;
}

gmp_timer gmp_new_timer_at(int64_t ns, gmp_chan *c_out, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    gmp_timer t = sim_new_chan_timer(s, ns, 0, c_out);
    sim_charge(s, SIM_COST_CHANOP_NS);
    return t;
}

gmp_timer gmp_new_ticker_at(int64_t period_ns, gmp_chan *c_out, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    if (period_ns <= 0) sim_fail_current(s, GMP_OUTCOME_PANIC, "non-positive interval for NewTicker");
    gmp_timer t = sim_new_chan_timer(s, period_ns, period_ns, c_out);
    sim_charge(s, SIM_COST_CHANOP_NS);
    return t;
}

gmp_timer gmp_after_func_at(int64_t ns, gmp_func fn, const char *goname, int64_t arg, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    SIM_ASSERT(fn != NULL);
    int32_t ti = sim_timer_new(s, SIM_TIMER_FUNC);
    sim_timer *t = sim_timer_at(s, ti);
    t->fn = fn;
    t->fn_name = goname;
    t->arg = arg;
    sim_timer_arm(s, ti, sim_curp(s), s->now_ns + (ns > 0 ? ns : 0));
    sim_race_timer_arm(s, ti); /* racerelease(t): arming happens before the timer's work */
    sim_charge(s, SIM_COST_CHANOP_NS);
    return (gmp_timer){sim_timer_at(s, ti)->addr};
}

/* Models: time.(*Timer).Stop: true when the call stopped the timer before it fired. */
bool gmp_timer_stop_at(gmp_timer t, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    int32_t ti = sim_timer_lookup(s, t);
    bool was = sim_timer_stop(s, ti) != 0;
    sim_race_timer_stop(s, ti);
    sim_charge(s, SIM_COST_CHANOP_NS);
    return was;
}

/* Models: time.(*Timer).Reset: true when the timer had been active. */
bool gmp_timer_reset_at(gmp_timer t, int64_t ns, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    int32_t ti = sim_timer_lookup(s, t);
    bool was = sim_timer_at(s, ti)->p >= 0;
    sim_timer_arm(s, ti, sim_curp(s), s->now_ns + (ns > 0 ? ns : 0));
    sim_race_timer_arm(s, ti); /* racerelease(t): arming happens before the timer's work */
    sim_charge(s, SIM_COST_CHANOP_NS);
    return was;
}
