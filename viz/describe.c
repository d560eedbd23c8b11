/* viz/describe.c: one line of plain words for an event (the event bar, tooltips). */
#include <string.h>

#include "model.h"

void viz_event_describe(const viz_model *m, int64_t i, char *buf, size_t size) {
    VIZ_ASSERT(i >= 0 && i < m->ev_count);
    VIZ_ASSERT(size > 0);
    const viz_event *e = &m->ev[i];
    const char *name = viz_kind_name(m, e);
    char where[64] = "";
    if (e->p >= 0 && e->m >= 0) snprintf(where, sizeof where, " on P%d/M%d", e->p, e->m);
    else if (e->p >= 0) snprintf(where, sizeof where, " on P%d", e->p);
    else if (e->m >= 0) snprintf(where, sizeof where, " on M%d", e->m);
    switch ((viz_kind)e->kind) {
    case VIZ_EV_PROC_START: snprintf(buf, size, "ProcStart: M%d takes P%d", e->m, e->p); break;
    case VIZ_EV_PROC_STOP: snprintf(buf, size, "ProcStop: M%d releases P%d", e->m, e->p); break;
    case VIZ_EV_M_START:
        snprintf(buf, size, "MStart: %sM%d wakes for P%d%s, runs at %lld ns", (e->sub & VIZ_F_NEW) ? "new " : "",
                 e->m, e->p, (e->sub & VIZ_F_SPINNING) ? ", spinning" : "", (long long)e->x);
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
    case VIZ_EV_DECISION:
        snprintf(buf, size, "Decision %s: choice %lld of %d", viz_str(m, e->aux), (long long)e->x, e->g2);
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
        snprintf(buf, size, "%s: G%d %s = %lld", name, e->g, viz_str(m, m->vars[e->aux].name), (long long)e->x);
        break;
    case VIZ_EV_PRINT: {
        snprintf(buf, size, "Print: G%d: %s", e->g, viz_str(m, e->aux));
        size_t n = strlen(buf);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
        break;
    }
    case VIZ_EV_PANIC:
    case VIZ_EV_FAIL: snprintf(buf, size, "%s: G%d: %s", name, e->g, viz_str(m, e->aux)); break;
    case VIZ_EV_UNKNOWN:
    case VIZ_EV_KIND_COUNT:
    default: snprintf(buf, size, "%s (not known to this viewer): %s", name, viz_str(m, e->aux)); break;
    }
    for (char *c = buf; *c; c++) /* one line */
        if (*c == '\n' || *c == '\t' || *c == '\r') *c = ' ';
}
