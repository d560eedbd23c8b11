/* viz/describe.c: one line of plain words for an event (the event bar, tooltips), and
 * exact times. Every kind the loader knows has its own line, from its important
 * fields; a kind it does not know shows its raw JSON. */
#include <string.h>

#include "model.h"

void viz_fmt_ns_exact(int64_t ns, char *buf, size_t size) {
    VIZ_ASSERT(size > 0);
    uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    static const struct {
        uint64_t div;
        int digits;
        const char *unit;
    } units[] = {{1000000000u, 9, "s"}, {1000000u, 6, "ms"}, {1000u, 3, "\xc2\xb5s"}, {1u, 0, "ns"}};
    size_t k = 0;
    while (k + 1 < sizeof units / sizeof units[0] && a < units[k].div) k++;
    uint64_t whole = a / units[k].div, frac = a % units[k].div;
    char fr[16] = "";
    if (frac != 0) {
        int d = units[k].digits;
        snprintf(fr, sizeof fr, ".%0*llu", d, (unsigned long long)frac);
        size_t n = strlen(fr);
        while (n > 1 && fr[n - 1] == '0') fr[--n] = 0;
    }
    snprintf(buf, size, "%s%llu%s%s", ns < 0 ? "-" : "", (unsigned long long)whole, fr, units[k].unit);
}

/* "[1,2,0]" of Select's pollorder. */
static void viz_fmt_list(const viz_model *m, int64_t off, int64_t n, char *buf, size_t size) {
    size_t k = 0;
    k += (size_t)snprintf(buf, size, "[");
    for (int64_t i = 0; i < n && k + 8 < size; i++) {
        if (i == 16 && n > 17) {
            k += (size_t)snprintf(buf + k, size - k, ",...");
            break;
        }
        k += (size_t)snprintf(buf + k, size - k, "%s%d", i ? "," : "", m->gs[off + i]);
    }
    if (k + 1 < size) snprintf(buf + k, size - k, "]");
}

static void viz_describe_decision(const viz_model *m, const viz_event *e, const viz_info *in, char *buf, size_t size) {
    const char *kind = viz_str(m, in->s[0]), *key = viz_str(m, in->s[1]), *pick = viz_str(m, in->s[2]);
    const char *cands = viz_str(m, in->s[3]);
    long long c = (long long)e->x;
    int n = e->g2;
    if (strcmp(kind, "mwake") == 0)
        snprintf(buf, size, "Decision mwake: %s%s M runs after %s (choice %lld of %d)", *key ? key : "the",
                 *key ? "'s" : "", *pick ? pick : "?", c, n);
    else if (strcmp(kind, "tie") == 0)
        snprintf(buf, size, "Decision tie: %s steps first (choice %lld of %d: %s)", *pick ? pick : "?", c, n, cands);
    else if (strcmp(kind, "steal_order") == 0)
        snprintf(buf, size, "Decision steal_order: %s steals, %s (choice %lld of %d)", *key ? key : "a P",
                 *pick ? pick : "?", c, n);
    else if (strcmp(kind, "select_order") == 0)
        snprintf(buf, size, "Decision select_order: poll order of %s: choice %lld of %d", *key ? key : "a select", c, n);
    else
        snprintf(buf, size, "Decision %s%s%s%s%s: choice %lld of %d", kind, *key ? " " : "", key, *pick ? " " : "",
                 pick, c, n);
}

static void viz_describe_select(const viz_model *m, const viz_event *e, const viz_info *in, char *buf, size_t size) {
    const char *op = viz_str(m, in->s[0]), *dir = viz_str(m, in->s[1]);
    char polls[160] = "", head[200];
    if (in->n[3] > 0) {
        char list[140];
        viz_fmt_list(m, in->n[2], in->n[3], list, sizeof list);
        snprintf(polls, sizeof polls, ", polls %s", list);
    }
    long long cases = (long long)in->n[0];
    snprintf(head, sizeof head, "Select: G%d %s, %lld case%s%s%s", e->g, *op ? op : "select", cases,
             cases == 1 ? "" : "s", (in->f & VIZ_I_HAS_DEFAULT) ? " + default" : "", polls);
    if (strcmp(op, "default") == 0 || in->n[1] < 0) {
        snprintf(buf, size, "%s: %s", head, strcmp(op, "default") == 0 ? "only a default" : "no case ready, default");
        return;
    }
    char chan[48] = "";
    if (in->f & VIZ_I_HAS_ADDR) snprintf(chan, sizeof chan, ", chan 0x%llx", (unsigned long long)in->addr);
    const char *closed = (in->f & VIZ_I_HAS_OK) && !(in->f & VIZ_I_OK) ? ", closed" : "";
    if (in->f & VIZ_I_BLOCKED)
        snprintf(buf, size, "%s: blocked, then case %lld (%s%s%s) fired", head, (long long)in->n[1], dir, chan, closed);
    else
        snprintf(buf, size, "%s: case %lld (%s%s%s) ready", head, (long long)in->n[1], dir, chan, closed);
}

static void viz_describe_info(const viz_model *m, const viz_event *e, char *buf, size_t size) {
    const viz_info *in = &m->infos[e->aux];
    unsigned long long a = (unsigned long long)in->addr;
    char t1[32], t2[32];
    switch ((viz_kind)e->kind) {
    case VIZ_EV_DECISION: viz_describe_decision(m, e, in, buf, size); return;
    case VIZ_EV_SELECT: viz_describe_select(m, e, in, buf, size); return;
    case VIZ_EV_TIMER_ARM:
    case VIZ_EV_TIMER_FIRE: {
        const char *kind = viz_str(m, in->s[0]);
        char of[32] = "", due[64] = "";
        if (e->g > 0) snprintf(of, sizeof of, " of G%d", e->g);
        if (e->x >= 0) {
            viz_fmt_ns_exact(e->x, t1, sizeof t1);
            viz_fmt_ns_exact(e->x - e->t_ns, t2, sizeof t2);
            if (e->kind == VIZ_EV_TIMER_ARM) snprintf(due, sizeof due, ", due at %s (in %s)", t1, t2);
            else snprintf(due, sizeof due, ", due at %s", t1);
        }
        if (e->kind == VIZ_EV_TIMER_ARM)
            snprintf(buf, size, "TimerArm: %s timer 0x%llx%s armed on P%d%s", *kind ? kind : "a", a, of, e->p, due);
        else
            snprintf(buf, size, "TimerFire: P%d runs %s timer 0x%llx%s%s", e->p, *kind ? kind : "a", a, of, due);
        return;
    }
    case VIZ_EV_MUTEX_LOCK: {
        const char *how = viz_str(m, in->s[0]);
        char waited[48] = "", waiters[32] = "";
        if (in->n[2] > 0) {
            viz_fmt_ns_exact(in->n[2], t1, sizeof t1);
            snprintf(waited, sizeof waited, ", waited %s", t1);
        }
        if (in->n[1] > 0) snprintf(waiters, sizeof waiters, ", %lld waiting", (long long)in->n[1]);
        const char *starving = (in->f & VIZ_I_STARVING) ? ", starving" : "";
        char spins[32] = "";
        if (in->n[3] > 0) snprintf(spins, sizeof spins, " after %lld spin%s", (long long)in->n[3], in->n[3] == 1 ? "" : "s");
        if (strcmp(how, "slow") == 0)
            snprintf(buf, size, "MutexLock: G%d locks mutex 0x%llx slow%s%s%s%s", e->g, a, spins, waited, waiters,
                     starving);
        else if (strcmp(how, "handoff") == 0)
            snprintf(buf, size, "MutexLock: G%d gets mutex 0x%llx by handoff (starvation mode)%s%s", e->g, a, waited,
                     waiters);
        else if (strcmp(how, "trylock") == 0)
            snprintf(buf, size, "MutexLock: G%d TryLock of mutex 0x%llx succeeds%s", e->g, a, waiters);
        else
            snprintf(buf, size, "MutexLock: G%d locks mutex 0x%llx %s%s%s%s", e->g, a, *how ? how : "", waited,
                     waiters, starving);
        return;
    }
    case VIZ_EV_MUTEX_STARVING: {
        char waited[48] = "";
        if (in->n[2] >= 0) {
            viz_fmt_ns_exact(in->n[2], t1, sizeof t1);
            snprintf(waited, sizeof waited, " (G%d waited %s)", e->g, t1);
        }
        snprintf(buf, size, "MutexStarving: mutex 0x%llx %s starvation mode%s", a,
                 (in->f & VIZ_I_STARVING) ? "enters" : "leaves", waited);
        return;
    }
    case VIZ_EV_MUTEX_UNLOCK:
        snprintf(buf, size, "MutexUnlock: G%d unlocks mutex 0x%llx (%lld waiting)%s", e->g, a,
                 (long long)(in->n[1] > 0 ? in->n[1] : 0),
                 (in->f & VIZ_I_HANDOFF) ? ", hands it to the first waiter (starvation mode)" : "");
        return;
    case VIZ_EV_RWMUTEX_LOCK:
    case VIZ_EV_RWMUTEX_UNLOCK: {
        int r = strcmp(viz_str(m, in->s[0]), "r") == 0;
        const char *how = viz_str(m, in->s[1]);
        if (e->kind == VIZ_EV_RWMUTEX_LOCK)
            snprintf(buf, size, "RWMutexLock: G%d %s rwmutex 0x%llx%s%s (readerCount %lld, readerWait %lld)", e->g,
                     r ? "RLock" : "Lock", a, *how ? ", " : "", how, (long long)in->n[0], (long long)in->n[1]);
        else
            snprintf(buf, size, "RWMutexUnlock: G%d %s rwmutex 0x%llx (readerCount %lld, readerWait %lld)", e->g,
                     r ? "RUnlock" : "Unlock", a, (long long)in->n[0], (long long)in->n[1]);
        return;
    }
    case VIZ_EV_WAITGROUP_ADD: {
        char call[40];
        if (in->n[0] == -1) snprintf(call, sizeof call, "Done");
        else snprintf(call, sizeof call, "Add(%lld)", (long long)in->n[0]);
        snprintf(buf, size, "WaitGroupAdd: G%d %s on waitgroup 0x%llx: counter %lld, %lld waiting%s", e->g, call, a,
                 (long long)in->n[1], (long long)(in->n[2] > 0 ? in->n[2] : 0),
                 in->n[1] == 0 && in->n[2] > 0 ? ": released" : in->n[1] < 0 ? " (negative: panics)" : "");
        return;
    }
    case VIZ_EV_WAITGROUP_WAIT:
        snprintf(buf, size, "WaitGroupWait: G%d Wait on waitgroup 0x%llx returns (counter %lld)%s", e->g, a,
                 (long long)in->n[1], (in->f & VIZ_I_BLOCKED) ? " after blocking" : " at once");
        return;
    case VIZ_EV_COND_WAIT:
        snprintf(buf, size, "CondWait: G%d waits on cond 0x%llx (ticket %lld)", e->g, a, (long long)in->n[0]);
        return;
    case VIZ_EV_COND_NOTIFY:
        snprintf(buf, size, "CondNotify: G%d %s on cond 0x%llx wakes %lld (notify %lld, wait %lld)", e->g,
                 (in->f & VIZ_I_ALL) ? "Broadcast" : "Signal", a, (long long)(in->n[0] > 0 ? in->n[0] : 0),
                 (long long)in->n[1], (long long)in->n[2]);
        return;
    case VIZ_EV_ONCE_DO:
        snprintf(buf, size, "OnceDo: G%d Once.Do on 0x%llx: %s", e->g, a,
                 (in->f & VIZ_I_RAN) ? "ran the function" : "already done, returns at once");
        return;
    case VIZ_EV_CONTEXT_NEW: {
        const char *kind = viz_str(m, in->s[0]);
        char more[96] = "";
        if (in->f & VIZ_I_HAS_KEY)
            snprintf(more, sizeof more, ", key %lld = %lld", (long long)in->n[0], (long long)in->n[1]);
        else if (in->f & VIZ_I_HAS_DEADLINE) {
            viz_fmt_ns_exact(in->n[2], t1, sizeof t1);
            snprintf(more, sizeof more, ", deadline %s", t1);
        }
        const char *fn = strcmp(kind, "background") == 0 ? "Background"
                         : strcmp(kind, "cancel") == 0   ? "WithCancel"
                         : strcmp(kind, "timer") == 0    ? "WithDeadline"
                         : strcmp(kind, "value") == 0    ? "WithValue"
                                                         : kind;
        if (in->n[3] != 0)
            snprintf(buf, size, "ContextNew: G%d %s ctx 0x%llx (parent 0x%llx%s)", e->g, fn, a,
                     (unsigned long long)in->n[3], more);
        else
            snprintf(buf, size, "ContextNew: G%d %s ctx 0x%llx%s", e->g, fn, a, more);
        return;
    }
    case VIZ_EV_CONTEXT_CANCEL:
        snprintf(buf, size, "ContextCancel: G%d cancels ctx 0x%llx: %s (%lld children)", e->g, a,
                 *viz_str(m, in->s[0]) ? viz_str(m, in->s[0]) : "cancelled", (long long)(in->n[0] > 0 ? in->n[0] : 0));
        return;
    case VIZ_EV_RACE: {
        const char *var = viz_str(m, in->s[0]);
        char what[96];
        if (*var) snprintf(what, sizeof what, "%s @0x%llx", var, a);
        else snprintf(what, sizeof what, "0x%llx", a);
        snprintf(buf, size, "Race #%lld: G%d %s of %s races with G%lld's earlier %s", (long long)in->n[1], e->g,
                 *viz_str(m, in->s[1]) ? viz_str(m, in->s[1]) : "access", what, (long long)in->n[0],
                 *viz_str(m, in->s[2]) ? viz_str(m, in->s[2]) : "access");
        return;
    }
    default: break;
    }
    VIZ_ASSERT(0 && "viz_describe_info: not a kind with a row");
}

void viz_event_describe(const viz_model *m, int64_t i, char *buf, size_t size) {
    VIZ_ASSERT(i >= 0 && i < m->ev_count);
    VIZ_ASSERT(size > 0);
    const viz_event *e = &m->ev[i];
    const char *name = viz_kind_name(m, e);
    char where[64] = "", t1[32], t2[32];
    if (e->p >= 0 && e->m >= 0) snprintf(where, sizeof where, " on P%d/M%d", e->p, e->m);
    else if (e->p >= 0) snprintf(where, sizeof where, " on P%d", e->p);
    else if (e->m >= 0) snprintf(where, sizeof where, " on M%d", e->m);
    switch ((viz_kind)e->kind) {
    case VIZ_EV_PROC_START: snprintf(buf, size, "ProcStart: M%d takes P%d", e->m, e->p); break;
    case VIZ_EV_PROC_STOP: snprintf(buf, size, "ProcStop: M%d releases P%d", e->m, e->p); break;
    case VIZ_EV_M_START:
        viz_fmt_ns_exact(e->x, t1, sizeof t1);
        viz_fmt_ns_exact(e->x - e->t_ns, t2, sizeof t2);
        if (e->p >= 0)
            snprintf(buf, size, "MStart: %sM%d wakes for P%d%s, runs at %s (after %s)", (e->sub & VIZ_F_NEW) ? "new " : "",
                     e->m, e->p, (e->sub & VIZ_F_SPINNING) ? ", spinning" : "", t1, t2);
        else
            snprintf(buf, size, "MStart: %sM%d starts without a P%s, runs at %s (after %s)",
                     (e->sub & VIZ_F_NEW) ? "new " : "", e->m, (e->sub & VIZ_F_SPINNING) ? ", spinning" : "", t1, t2);
        break;
    case VIZ_EV_M_STOP: snprintf(buf, size, "MStop: M%d parks (idle)", e->m); break;
    case VIZ_EV_M_SPIN:
        snprintf(buf, size, "MSpin: M%d %s spinning", e->m, (e->sub & VIZ_F_SPINNING) ? "starts" : "stops");
        break;
    case VIZ_EV_GO_CREATE: {
        const viz_create *c = &m->creates[e->aux];
        snprintf(buf, size, "GoCreate: G%d creates G%d %s at %s:%d%s", e->g, e->g2, viz_str(m, c->fn),
                 viz_str(m, c->file), c->line, where);
        break;
    }
    case VIZ_EV_GO_START:
        snprintf(buf, size, "GoStart: G%d runs%s, schedtick %lld%s", e->g, where, (long long)e->x,
                 (e->sub & VIZ_F_INHERIT) ? ", inherits the time slice" : "");
        break;
    case VIZ_EV_GO_STOP: snprintf(buf, size, "GoStop: G%d stops (%s)%s", e->g, viz_str(m, e->aux), where); break;
    case VIZ_EV_GO_BLOCK: snprintf(buf, size, "GoBlock: G%d waits [%s]%s", e->g, viz_str(m, e->aux), where); break;
    case VIZ_EV_GO_UNBLOCK:
        if (e->g2 > 0) snprintf(buf, size, "GoUnblock: G%d wakes G%d%s", e->g2, e->g, where);
        else snprintf(buf, size, "GoUnblock: G%d is woken%s", e->g, where);
        break;
    case VIZ_EV_GO_DESTROY: snprintf(buf, size, "GoDestroy: G%d exits%s", e->g, where); break;
    case VIZ_EV_RUNQ_PUT:
        if (e->sub == VIZ_Q_GLOBAL) snprintf(buf, size, "RunqPut: G%d to the global queue", e->g);
        else snprintf(buf, size, "RunqPut: G%d to P%d's %s", e->g, e->p, viz_queue_name(e->sub));
        break;
    case VIZ_EV_RUNQ_GET:
        if (e->sub == VIZ_Q_GLOBAL) snprintf(buf, size, "RunqGet: P%d takes G%d from the global queue", e->p, e->g);
        else snprintf(buf, size, "RunqGet: P%d takes G%d from its %s", e->p, e->g, viz_queue_name(e->sub));
        break;
    case VIZ_EV_RUNQ_STEAL:
        snprintf(buf, size, "RunqSteal: P%d steals %lld G%s from P%d", e->p, (long long)e->x, e->x == 1 ? "" : "s",
                 e->g2);
        break;
    case VIZ_EV_RUNQ_MOVE:
        snprintf(buf, size, "RunqMove: P%d moves %lld Gs to the global queue", e->p, (long long)e->x);
        break;
    case VIZ_EV_FRAME_ENTER: {
        const viz_frame *f = &m->frames[e->aux];
        snprintf(buf, size, "FrameEnter: G%d calls %s (depth %d, args @0x%llx, %u B)", e->g, viz_str(m, f->fn),
                 f->depth, (unsigned long long)f->args_addr, f->args_size);
        break;
    }
    case VIZ_EV_FRAME_EXIT: snprintf(buf, size, "FrameExit: G%d returns from %s", e->g, viz_str(m, e->aux)); break;
    case VIZ_EV_ARG_COPY:
    case VIZ_EV_VALUE_COPY: {
        const viz_copy *c = &m->copies[e->aux];
        snprintf(buf, size, "%s: %u B from G%d %s @0x%llx to G%d %s @0x%llx", name, c->size, c->src_g,
                 viz_str(m, c->src_kind), (unsigned long long)c->src_addr, c->dst_g, viz_str(m, c->dst_kind),
                 (unsigned long long)c->dst_addr);
        break;
    }
    case VIZ_EV_CHAN_MAKE:
        snprintf(buf, size, "ChanMake: G%d makes chan @0x%llx (cap %d, elem %u B)", e->g, (unsigned long long)e->x,
                 e->g2, e->aux);
        break;
    case VIZ_EV_CHAN_CLOSE:
        snprintf(buf, size, "ChanClose: G%d closes chan @0x%llx, wakes %d", e->g, (unsigned long long)e->x, e->g2);
        break;
    case VIZ_EV_VAR_NEW:
    case VIZ_EV_VAR_LOAD:
    case VIZ_EV_VAR_STORE:
        snprintf(buf, size, "%s: G%d %s = %lld%s", name, e->g, viz_str(m, m->vars[e->aux].name), (long long)e->x,
                 (e->sub & VIZ_F_ATOMIC) ? " (atomic)" : "");
        break;
    case VIZ_EV_PRINT: {
        snprintf(buf, size, "Print: G%d: %s", e->g, viz_str(m, e->aux));
        size_t n = strlen(buf);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
        break;
    }
    case VIZ_EV_PANIC:
    case VIZ_EV_FAIL: snprintf(buf, size, "%s: G%d: %s", name, e->g, viz_str(m, e->aux)); break;
    case VIZ_EV_PROC_IDLE: snprintf(buf, size, "ProcIdle: P%d goes idle (nobody needs it)", e->p); break;
    case VIZ_EV_PROC_STEAL:
        snprintf(buf, size, "ProcSteal: sysmon (M%d) retakes P%d from its syscall", e->m, e->p);
        break;
    case VIZ_EV_M_POLL:
        if (e->x >= 0) {
            viz_fmt_ns_exact(e->x, t1, sizeof t1);
            viz_fmt_ns_exact(e->x - e->t_ns, t2, sizeof t2);
            snprintf(buf, size, "MPoll: M%d blocks in netpoll until the next timer at %s (in %s)", e->m, t1, t2);
        } else {
            snprintf(buf, size, "MPoll: M%d blocks in netpoll", e->m);
        }
        break;
    case VIZ_EV_M_EXIT: snprintf(buf, size, "MExit: M%d exits (its locked G exited)", e->m); break;
    case VIZ_EV_SYSMON: {
        const char *act = viz_str(m, e->aux);
        if (strcmp(act, "sleep") == 0)
            snprintf(buf, size, "Sysmon (M%d): every P is idle, deep sleep until the next timer", e->m);
        else if (strcmp(act, "netpoll") == 0)
            snprintf(buf, size, "Sysmon (M%d): nobody polled for 10ms: netpoll(0), inject what is ready", e->m);
        else
            snprintf(buf, size, "Sysmon (M%d): %s", e->m, act);
        break;
    }
    case VIZ_EV_PREEMPT:
        if ((e->sub & VIZ_F_ASYNC) && e->x >= 0) {
            viz_fmt_ns_exact(e->x, t1, sizeof t1);
            snprintf(buf, size, "Preempt: G%d async%s (sysmon: running over 10ms), SIGURG lands at %s", e->g, where, t1);
        } else {
            snprintf(buf, size, "Preempt: G%d%s (sysmon: running over 10ms), stops at its next call", e->g, where);
        }
        break;
    case VIZ_EV_GO_SYSCALL_BEGIN: {
        char dur[48] = "";
        if (e->x >= 0) {
            viz_fmt_ns_exact(e->x, t1, sizeof t1);
            snprintf(dur, sizeof dur, " for %s", t1);
        }
        char pwhat[48];
        if (e->p >= 0) snprintf(pwhat, sizeof pwhat, (e->sub & VIZ_F_BLOCKING) ? "hands P%d off" : "P%d stays in _Psyscall", e->p);
        else snprintf(pwhat, sizeof pwhat, "no P");
        snprintf(buf, size, "GoSyscallBegin: G%d enters a syscall%s%s, %s", e->g, dur, where, pwhat);
        break;
    }
    case VIZ_EV_GO_SYSCALL_END: snprintf(buf, size, "GoSyscallEnd: G%d returns from its syscall, runs%s", e->g, where); break;
    case VIZ_EV_GO_SYSCALL_END_BLOCKED:
        snprintf(buf, size, "GoSyscallEndBlocked: G%d returns from its syscall with no P: global queue, M%d stops", e->g,
                 e->m);
        break;
    case VIZ_EV_GO_LEAK: {
        const char *r = viz_str(m, e->aux);
        if (strcmp(r, "running") == 0 || strcmp(r, "runnable") == 0 || strcmp(r, "syscall") == 0)
            snprintf(buf, size, "GoLeak: G%d leaked, still %s after main returned", e->g, r);
        else
            snprintf(buf, size, "GoLeak: G%d leaked, blocked [%s] after main returned", e->g, *r ? r : "?");
        break;
    }
    case VIZ_EV_MAIN_RETURN: snprintf(buf, size, "MainReturn: main.main returned (G%d%s)", e->g, where); break;
    case VIZ_EV_LOCK_OS_THREAD:
        snprintf(buf, size, "LockOSThread: G%d wired to M%d (lockedExt %lld)", e->g, e->m, (long long)e->x);
        break;
    case VIZ_EV_UNLOCK_OS_THREAD:
        if (e->x > 0)
            snprintf(buf, size, "UnlockOSThread: G%d still locked to M%d (lockedExt %lld)", e->g, e->m, (long long)e->x);
        else
            snprintf(buf, size, "UnlockOSThread: G%d and M%d are free again", e->g, e->m);
        break;
    case VIZ_EV_UNKNOWN:
    case VIZ_EV_KIND_COUNT:
    default:
        if (viz_kind_is_info(e->kind)) viz_describe_info(m, e, buf, size);
        else snprintf(buf, size, "%s (not known to this viewer): %s", name, viz_str(m, e->aux));
        break;
    }
    for (char *c = buf; *c; c++) /* one line */
        if (*c == '\n' || *c == '\t' || *c == '\r') *c = ' ';
}
