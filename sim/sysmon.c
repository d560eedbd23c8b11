/* sim/sysmon.c: the sysmon M (the runtime's sysmon, retake and preemptone in proc.go).
 *
 * sysmon runs on its own M without a P. It sleeps 20 us, doubling after 50 idle
 * cycles up to 10 ms; sleeps deeply while every P is idle (until the next timer, at
 * most forcegcperiod/2); polls the network when nobody has for 10 ms; and retakes Ps:
 * a P whose G ran 10 ms on one schedtick is preempted (preemptone), a P in a syscall
 * for a sysmon tick is handed off (handoffp). It records events only when it acts.
 */
#include <stdlib.h>

#include "check.h"
#include "cost.h"
#include "run.h"
#include "runq.h"
#include "sched.h"
#include "timer.h"

enum {
    SIM_FORCE_PREEMPT_NS = 10 * 1000 * 1000,      /* forcePreemptNS */
    SIM_SYSMON_DELAY_MIN_US = 20,
    SIM_SYSMON_DELAY_MAX_US = 10 * 1000,
    SIM_SYSMON_IDLE_BEFORE_BACKOFF = 50,
};
#define SIM_FORCEGC_PERIOD_NS (INT64_C(2) * 60 * 1000000000) /* forcegcperiod */
#define SIM_NETPOLL_SYSMON_NS (INT64_C(10) * 1000000)         /* sysmon polls after 10 ms */

static void sim_sysmon_event(sim_sched *s, const char *action, int32_t p, const char *why) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "Sysmon");
    if (o == NULL) return;
    sim_trace_add_int(o, "m", s->sysmon_m);
    cJSON_AddStringToObject(o, "action", action);
    if (p >= 0) sim_trace_add_int(o, "p", p);
    cJSON_AddStringToObject(o, "why", why);
    sim_trace_emit(&s->trace, o);
}

/* Models: runtime.main's newm(sysmon, nil, -1): a system M with no P. */
void sim_sysmon_start(sim_sched *s) {
    SIM_ASSERT(s->sysmon_m < 0);
    sim_m *m = sim_newm(s);
    m->is_sys = 1;
    s->nmsys++;
    s->sysmon_m = m->id;
    s->sysmon_delay_us = SIM_SYSMON_DELAY_MIN_US;
    m->state = SIM_M_SYSMON;
    m->when_ns = s->now_ns + SIM_COST_SYSMON_NEWM_NS + SIM_SYSMON_DELAY_MIN_US * 1000;
    sim_mstart_event(s, m, -1, true, false, m->when_ns, "runtime.main: newm(sysmon): a system M without a P");
}

/* notewakeup(&sched.sysmonnote), from entersyscall_sysmon or an exitsyscall that took
 * an idle P: notetsleep returns true (syscallWake), so idle = 0 and delay = 20 us. A
 * deep sleep that times out keeps them. */
void sim_sysmon_wake(sim_sched *s) {
    SIM_ASSERT(s->sysmon_wait);
    s->sysmon_wait = 0;
    s->sysmon_idle = 0;
    s->sysmon_delay_us = SIM_SYSMON_DELAY_MIN_US;
    sim_m *m = &s->allm[s->sysmon_m];
    int64_t when = s->now_ns + SIM_COST_MWAKE_NS;
    if (when < m->when_ns) m->when_ns = when;
    if (m->when_ns < s->horizon_ns && s->curm != m->id) s->horizon_ns = m->when_ns;
}

/* Models: runtime.preemptone: the G on pp's M is to be preempted: g.preempt (checked at
 * its next API call: the stack guard) and, from Go 1.14, preemptM's SIGURG, which cuts
 * its current charge at the signal's arrival (asyncPreempt). Before 1.14 a G that makes
 * no call keeps its P. */
static bool sim_preemptone(sim_sched *s, sim_p *pp) {
    if (pp->m < 0) return false;
    sim_m *mp = &s->allm[pp->m];
    if (mp->curg < 0 || mp->state != SIM_M_RUNNING) return false;
    sim_g *gp = sim_g_at(s, mp->curg);
    gp->preempt = 1;
    bool async = s->opt.go_minor >= 14;
    int64_t at = s->now_ns + SIM_COST_PREEMPT_SIGNAL_NS;
    bool cut = async && mp->when_ns > at;
    if (cut) {
        gp->preempt_async = 1;
        gp->work_left_ns = mp->when_ns - at;
        mp->when_ns = at;
        if (at < s->horizon_ns) s->horizon_ns = at;
    }
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "Preempt");
    if (o) {
        sim_trace_add_int(o, "p", pp->id);
        sim_trace_add_int(o, "m", mp->id);
        sim_trace_add_int(o, "g", gp->goid);
        cJSON_AddBoolToObject(o, "async", cut);
        if (cut) sim_trace_add_int(o, "at", at);
        cJSON_AddStringToObject(o, "why", cut ? "preemptone: 10ms on one schedtick; SIGURG cuts its work (asyncPreempt)"
                                         : async ? "preemptone: 10ms on one schedtick; preempt at its next call"
                                                 : "preemptone: 10ms on one schedtick; cooperative (go<1.14): "
                                                   "only at its next call");
        sim_trace_emit(&s->trace, o);
    }
    return true;
}

/* Models: runtime.retake (Go <= 1.25, _Psyscall). Returns the Ps retaken from syscalls. */
static int32_t sim_retake(sim_sched *s) {
    int32_t n = 0;
    int64_t now = s->now_ns;
    for (int32_t i = 0; i < s->nprocs; i++) {
        sim_p *pp = &s->allp[i];
        bool sysretake = false;
        if (pp->status == SIM_PRUNNING || pp->status == SIM_PSYSCALL) {
            /* One G (or a runnext chain sharing its slice) on one schedtick for too long. */
            if (pp->sysmon_schedtick != pp->schedtick) {
                pp->sysmon_schedtick = pp->schedtick;
                pp->sysmon_schedwhen_ns = now;
            } else if (pp->sysmon_schedwhen_ns + SIM_FORCE_PREEMPT_NS <= now) {
                sim_preemptone(s, pp);
                sysretake = true;
            }
        }
        if (pp->status != SIM_PSYSCALL) continue;
        /* Retake from a syscall after one unchanged sysmon tick (at least 20 us). */
        if (!sysretake && pp->sysmon_syscalltick != pp->syscalltick) {
            pp->sysmon_syscalltick = pp->syscalltick;
            pp->sysmon_syscallwhen_ns = now;
            continue;
        }
        /* No other work and someone to take it: let the syscall go on, up to 10 ms. */
        if (sim_runqempty(pp) && s->nmspinning + s->npidle > 0 && pp->sysmon_syscallwhen_ns + SIM_FORCE_PREEMPT_NS > now)
            continue;
        cJSON *o = sim_trace_event(&s->trace, now, "ProcSteal");
        if (o) {
            sim_trace_add_int(o, "p", pp->id);
            sim_trace_add_int(o, "m", s->sysmon_m);
            cJSON_AddStringToObject(o, "why", sim_runqempty(pp) ? "retake: in a syscall for 10ms, or no M to spare"
                                                                : "retake: in a syscall with work queued on its P");
            sim_trace_emit(&s->trace, o);
        }
        pp->status = SIM_PIDLE; /* CAS _Psyscall -> _Pidle */
        n++;
        pp->syscalltick++;
        sim_handoffp(s, pp);
    }
    return n;
}

/* One iteration of runtime.sysmon, run when its usleep(delay) ends. */
void sim_sysmon_step(sim_sched *s, sim_m *m) {
    SIM_ASSERT(m->id == s->sysmon_m);
    SIM_ASSERT(m->p < 0);
    if (s->sysmon_wait) s->sysmon_wait = 0; /* deep sleep timed out: idle and delay stay */
    if (s->opt.schedtrace_ms <= 0 && s->npidle == s->nprocs) {
        int64_t next = sim_timers_next(s);
        int64_t sleep = SIM_FORCEGC_PERIOD_NS / 2;
        if (next != INT64_MAX && next > s->now_ns && next - s->now_ns < sleep) sleep = next - s->now_ns;
        if (next == INT64_MAX || next > s->now_ns) {
            s->sysmon_wait = 1;
            sim_sysmon_event(s, "sleep", -1, "sysmon: every P is idle: deep sleep until the next timer");
            m->when_ns = s->now_ns + sleep;
            return;
        }
    }
    if (s->io_count > 0 && s->netpoll_m < 0 && s->lastpoll_ns + SIM_NETPOLL_SYSMON_NS < s->now_ns) {
        int32_t list[64];
        int32_t n = sim_netpoll(s, list, 64);
        if (n > 0) {
            sim_sysmon_event(s, "netpoll", -1, "sysmon: nobody polled for 10ms: netpoll(0) and inject");
            sim_injectglist(s, list, n);
        }
    }
    if (sim_retake(s) != 0) s->sysmon_idle = 0;
    else s->sysmon_idle++;
    if (s->sysmon_idle == 0) s->sysmon_delay_us = SIM_SYSMON_DELAY_MIN_US;
    else if (s->sysmon_idle > SIM_SYSMON_IDLE_BEFORE_BACKOFF) s->sysmon_delay_us *= 2;
    if (s->sysmon_delay_us > SIM_SYSMON_DELAY_MAX_US) s->sysmon_delay_us = SIM_SYSMON_DELAY_MAX_US;
    m->when_ns = s->now_ns + s->sysmon_delay_us * 1000;
}
