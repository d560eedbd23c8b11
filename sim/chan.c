/* sim/chan.c: channels (the runtime's chan.go): hchan with a ring buffer, FIFO
 * recvq/sendq of sudogs, direct copies between goroutine stacks.
 * Differs: the channel lock is implicit (one host thread). select is in select.c; the
 * race detector's annotations (--race) follow the runtime's racesync/raceacquire calls. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "chan.h"
#include "check.h"
#include "cost.h"
#include "frame.h"
#include "race.h"
#include "run.h"
#include "sched.h"

/* ---- [SECTION] sudogs and wait queues ------------------------------------------ */

/* Models: runtime.acquireSudog (a pool; never freed during the run). */
int32_t sim_acquire_sudog(sim_sched *s) {
    if (s->sudog_free >= 0) {
        int32_t i = s->sudog_free;
        s->sudog_free = s->sudogs[i].next;
        return i;
    }
    if (s->sudog_count == s->sudog_cap) {
        int32_t cap = s->sudog_cap ? s->sudog_cap * 2 : 64;
        sim_sudog *n = realloc(s->sudogs, (size_t)cap * sizeof *n);
        if (n == NULL) sim_fatal(s, "runtime: cannot allocate memory (sudog)");
        s->sudogs = n;
        s->sudog_cap = cap;
    }
    return s->sudog_count++;
}

void sim_release_sudog(sim_sched *s, int32_t i) {
    SIM_ASSERT(i >= 0 && i < s->sudog_count);
    s->sudogs[i].next = s->sudog_free;
    s->sudog_free = i;
}

void sim_waitq_enqueue(sim_sched *s, sim_waitq *q, int32_t sg) {
    sim_sudog *d = &s->sudogs[sg];
    d->next = -1;
    d->prev = q->last;
    if (q->last >= 0) s->sudogs[q->last].next = sg;
    else q->first = sg;
    q->last = sg;
}

/* Models: runtime.(*waitq).dequeue (FIFO). A select's sudog whose G was already won
 * by another case (g.selectDone CAS 0 -> 1 fails) is dropped and the next one taken:
 * that G has not yet run its pass 3, which unlinks its losing sudogs. */
int32_t sim_waitq_dequeue(sim_sched *s, sim_waitq *q) {
    for (;;) {
        int32_t sg = q->first;
        if (sg < 0) return -1;
        q->first = s->sudogs[sg].next;
        if (q->first >= 0) s->sudogs[q->first].prev = -1;
        else q->last = -1;
        s->sudogs[sg].next = s->sudogs[sg].prev = -1;
        if (s->sudogs[sg].is_select) {
            sim_g *gp = sim_g_at(s, s->sudogs[sg].g);
            if (gp->select_done != 0) continue; /* selectDone.CompareAndSwap(0, 1) failed */
            gp->select_done = 1;
        }
        return sg;
    }
}

/* ---- [SECTION] copies ---------------------------------------------------------- */

/* A ValueCopy event: a channel element copied from src to dst; "g" is the running
 * goroutine, 0 on g0 (a timer's send). Channel operations and select share it. */
void sim_value_copy_event(sim_sched *s, const sim_g *src_g, uint64_t src_addr, const char *src_kind,
                          const sim_g *dst_g, uint64_t dst_addr, const char *dst_kind, const void *bytes,
                          uint32_t size, const sim_hchan *c, const char *why) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "ValueCopy");
    if (o == NULL) return;
    sim_trace_add_int(o, "g", s->curg >= 0 ? sim_g_at(s, s->curg)->goid : 0);
    sim_trace_add_addr(o, "chan", c->addr);
    sim_trace_add_int(o, "src_g", src_g ? src_g->goid : 0);
    cJSON_AddStringToObject(o, "src_kind", src_kind);
    sim_trace_add_addr(o, "src_addr", src_addr);
    sim_trace_add_int(o, "dst_g", dst_g ? dst_g->goid : 0);
    cJSON_AddStringToObject(o, "dst_kind", dst_kind);
    sim_trace_add_addr(o, "dst_addr", dst_addr);
    sim_trace_add_int(o, "size", size);
    sim_trace_add_hex(o, "bytes", bytes, size);
    cJSON_AddStringToObject(o, "why", why);
    sim_trace_emit(&s->trace, o);
}

static uint64_t sim_elem_addr(sim_sched *s, const char *name, uint32_t size) {
    if (name == NULL || size == 0) return 0;
    return sim_slot_addr(s, sim_g_at(s, s->curg), name, size);
}

/* ---- [SECTION] make, send, receive, close -------------------------------------- */

/* Models: runtime.makechan. Runs on the calling goroutine; costs nothing by itself. */
gmp_chan sim_makechan(sim_sched *s, size_t elem_size_bytes, int64_t cap) {
    SIM_ASSERT(s->curg >= 0);
    if (cap < 0 || cap > (1 << 24)) sim_fail_current(s, GMP_OUTCOME_PANIC, "makechan: size out of range");
    if (elem_size_bytes >= (1 << 16)) sim_fatal(s, "makechan: invalid channel element type");
    if (s->chan_count == s->chan_cap) {
        int32_t n = s->chan_cap ? s->chan_cap * 2 : 16;
        sim_hchan **a = realloc(s->chans, (size_t)n * sizeof *a);
        if (a == NULL) sim_fatal(s, "runtime: cannot allocate memory (hchan)");
        s->chans = a;
        s->chan_cap = n;
    }
    sim_hchan *c = calloc(1, sizeof *c);
    if (c == NULL) sim_fatal(s, "runtime: cannot allocate memory (hchan)");
    c->elemsize = (uint32_t)elem_size_bytes;
    c->dataqsiz = (uint32_t)cap;
    c->buf = cap && elem_size_bytes ? calloc((size_t)cap, elem_size_bytes) : NULL;
    if (cap && elem_size_bytes && c->buf == NULL) sim_fatal(s, "runtime: cannot allocate memory (chan buffer)");
    c->addr = sim_heap_alloc(s, 96 + (uint64_t)cap * elem_size_bytes); /* hchan is 96 bytes */
    c->buf_addr = c->addr + 96;
    c->recvq.first = c->recvq.last = c->sendq.first = c->sendq.last = -1;
    c->id = s->chan_count;
    s->chans[s->chan_count++] = c;
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "ChanMake");
    if (o) {
        sim_trace_add_int(o, "g", sim_g_at(s, s->curg)->goid);
        sim_trace_add_addr(o, "chan", c->addr);
        sim_trace_add_int(o, "elem_size", c->elemsize);
        sim_trace_add_int(o, "cap", c->dataqsiz);
        sim_trace_emit(&s->trace, o);
    }
    return (gmp_chan){c->addr};
}

gmp_chan gmp_make_chan_at(size_t elem_size_bytes, int64_t cap, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    gmp_chan c = sim_makechan(s, elem_size_bytes, cap);
    sim_charge(s, SIM_COST_MAKECHAN_NS);
    return c;
}

/* The hchan at a simulated address: channels are allocated in address order, so a
 * binary search. NULL for nil; a fatal error for an address that is no channel. */
sim_hchan *sim_chan_lookup(sim_sched *s, gmp_chan ch) {
    if (ch.addr == 0) return NULL;
    int32_t lo = 0, hi = s->chan_count - 1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        sim_hchan *c = s->chans[mid];
        if (c->addr == ch.addr) return c;
        if (c->addr < ch.addr) lo = mid + 1;
        else hi = mid - 1;
    }
    sim_fatal(s, "gmpsim: not a channel of this run (a gmp_chan from another run or made up)");
}

/* A nil channel blocks forever (chansend/chanrecv with c == nil). */
static void sim_chan_nil_park(sim_sched *s, sim_waitreason reason) {
    sim_gopark(s, reason, "nil channel: block forever");
    sim_throw("chan: a goroutine blocked on a nil channel was woken");
}

/* Models: runtime.chansend(c, ep, block=true). */
void gmp_send_at(gmp_chan ch, const void *elem, const char *elemname, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_hchan *c = sim_chan_lookup(s, ch);
    if (c == NULL) sim_chan_nil_park(s, SIM_WAIT_CHAN_SEND_NIL);
    sim_g *me = sim_g_at(s, s->curg);
    uint64_t src_addr = sim_elem_addr(s, elemname, c->elemsize);
    sim_race_chan_send(s, c);
    if (c->closed) sim_fail_current(s, GMP_OUTCOME_PANIC, "send on closed channel");
    int32_t sg = sim_waitq_dequeue(s, &c->recvq);
    if (sg >= 0) {
        /* send: straight onto the parked receiver's stack (sendDirect), then goready. */
        sim_sudog *d = &s->sudogs[sg];
        sim_g *rg = sim_g_at(s, d->g);
        sim_race_chan_send_direct(s, c, d->g);
        if (d->elem && c->elemsize) memcpy(d->elem, elem, c->elemsize);
        sim_value_copy_event(s, me, src_addr, "stack", rg, d->elem_addr, "stack", elem, c->elemsize, c,
                             "sendDirect: the value straight onto the parked receiver's stack");
        d->success = 1;
        rg->param = sg;
        sim_goready(s, rg, "chansend: a receiver was waiting");
        sim_charge(s, SIM_COST_CHANOP_NS);
        return;
    }
    if (c->qcount < c->dataqsiz) {
        sim_race_chan_buf_send(s, c);
        unsigned char *slot = c->buf + (size_t)c->sendx * c->elemsize;
        if (c->elemsize) memcpy(slot, elem, c->elemsize);
        sim_value_copy_event(s, me, src_addr, "stack", NULL, c->buf_addr + (uint64_t)c->sendx * c->elemsize,
                             "buffer", elem, c->elemsize, c, "chansend: into buf[sendx]");
        if (++c->sendx == c->dataqsiz) c->sendx = 0;
        c->qcount++;
        sim_charge(s, SIM_COST_CHANOP_NS);
        return;
    }
    int32_t mine = sim_acquire_sudog(s);
    sim_sudog *d = &s->sudogs[mine];
    memset(d, 0, sizeof *d);
    d->g = me->index;
    d->elem = (void *)elem;
    d->elem_addr = src_addr;
    d->c = c;
    me->waiting = mine;
    sim_waitq_enqueue(s, &c->sendq, mine);
    sim_gopark(s, SIM_WAIT_CHAN_SEND, "chansend: no receiver and no room, park on sendq");
    d = &s->sudogs[mine]; /* sudogs may have moved while parked */
    int ok = d->success;
    me->waiting = -1;
    me->param = -1;
    sim_release_sudog(s, mine);
    if (!ok) sim_fail_current(s, GMP_OUTCOME_PANIC, "send on closed channel");
    sim_charge(s, SIM_COST_CHANOP_NS);
}

/* Models: runtime.chanrecv(c, ep, block=true). */
bool gmp_recv_at(gmp_chan ch, void *elem, const char *elemname, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_hchan *c = sim_chan_lookup(s, ch);
    if (c == NULL) sim_chan_nil_park(s, SIM_WAIT_CHAN_RECEIVE_NIL);
    sim_g *me = sim_g_at(s, s->curg);
    uint64_t dst_addr = sim_elem_addr(s, elemname, c->elemsize);
    if (c->closed && c->qcount == 0) {
        sim_race_chan_recv_closed(s, c);
        if (elem && c->elemsize) memset(elem, 0, c->elemsize);
        sim_charge(s, SIM_COST_CHANOP_NS);
        return false;
    }
    int32_t sg = sim_waitq_dequeue(s, &c->sendq);
    if (sg >= 0) {
        sim_sudog *d = &s->sudogs[sg];
        sim_g *sgp = sim_g_at(s, d->g);
        sim_race_chan_recv_direct(s, c, d->g);
        if (c->dataqsiz == 0) {
            if (elem && c->elemsize) memcpy(elem, d->elem, c->elemsize);
            sim_value_copy_event(s, sgp, d->elem_addr, "stack", me, dst_addr, "stack", d->elem, c->elemsize, c,
                                 "recvDirect: the value straight from the parked sender's stack");
        } else {
            /* Full buffer: take buf[recvx], the sender's value goes into the same slot. */
            unsigned char *slot = c->buf + (size_t)c->recvx * c->elemsize;
            uint64_t slot_addr = c->buf_addr + (uint64_t)c->recvx * c->elemsize;
            if (elem && c->elemsize) memcpy(elem, slot, c->elemsize);
            sim_value_copy_event(s, NULL, slot_addr, "buffer", me, dst_addr, "stack", slot, c->elemsize, c,
                                 "recv: from buf[recvx] of a full buffer");
            if (c->elemsize) memcpy(slot, d->elem, c->elemsize);
            sim_value_copy_event(s, sgp, d->elem_addr, "stack", NULL, slot_addr, "buffer", d->elem, c->elemsize,
                                 c, "recv: the parked sender's value into the freed slot");
            if (++c->recvx == c->dataqsiz) c->recvx = 0;
            c->sendx = c->recvx;
        }
        d->success = 1;
        sgp->param = sg;
        sim_goready(s, sgp, "chanrecv: a sender was waiting");
        sim_charge(s, SIM_COST_CHANOP_NS);
        return true;
    }
    if (c->qcount > 0) {
        sim_race_chan_buf_recv(s, c);
        unsigned char *slot = c->buf + (size_t)c->recvx * c->elemsize;
        if (elem && c->elemsize) memcpy(elem, slot, c->elemsize);
        sim_value_copy_event(s, NULL, c->buf_addr + (uint64_t)c->recvx * c->elemsize, "buffer", me, dst_addr,
                             "stack", slot, c->elemsize, c, "chanrecv: from buf[recvx]");
        if (c->elemsize) memset(slot, 0, c->elemsize);
        if (++c->recvx == c->dataqsiz) c->recvx = 0;
        c->qcount--;
        sim_charge(s, SIM_COST_CHANOP_NS);
        return true;
    }
    int32_t mine = sim_acquire_sudog(s);
    sim_sudog *d = &s->sudogs[mine];
    memset(d, 0, sizeof *d);
    d->g = me->index;
    d->elem = elem;
    d->elem_addr = dst_addr;
    d->c = c;
    me->waiting = mine;
    sim_waitq_enqueue(s, &c->recvq, mine);
    sim_gopark(s, SIM_WAIT_CHAN_RECEIVE, "chanrecv: nothing to receive, park on recvq");
    d = &s->sudogs[mine];
    bool ok = d->success != 0;
    me->waiting = -1;
    me->param = -1;
    sim_release_sudog(s, mine);
    sim_charge(s, SIM_COST_CHANOP_NS);
    return ok;
}

/* Models: runtime.closechan: all receivers then all senders are readied in reverse. */
void gmp_close_at(gmp_chan ch, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_hchan *c = sim_chan_lookup(s, ch);
    if (c == NULL) sim_fail_current(s, GMP_OUTCOME_PANIC, "close of nil channel");
    if (c->closed) sim_fail_current(s, GMP_OUTCOME_PANIC, "close of closed channel");
    sim_race_chan_close(s, c);
    c->closed = 1;
    int32_t *glist = NULL;
    int32_t n = 0, cap = 0;
    for (sim_waitq *q = &c->recvq;; q = &c->sendq) {
        for (int32_t sg; (sg = sim_waitq_dequeue(s, q)) >= 0;) {
            sim_sudog *d = &s->sudogs[sg];
            if (q == &c->recvq && d->elem && c->elemsize) memset(d->elem, 0, c->elemsize);
            d->success = 0;
            sim_race_chan_close_wake(s, c, d->g);
            sim_g_at(s, d->g)->param = sg;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                int32_t *ng = realloc(glist, (size_t)cap * sizeof *ng);
                if (ng == NULL) sim_fatal(s, "runtime: cannot allocate memory (closechan)");
                glist = ng;
            }
            glist[n++] = d->g;
        }
        if (q == &c->sendq) break;
    }
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "ChanClose");
    if (o) {
        sim_trace_add_int(o, "g", sim_g_at(s, s->curg)->goid);
        sim_trace_add_addr(o, "chan", c->addr);
        sim_trace_add_int(o, "woken", n);
        sim_trace_emit(&s->trace, o);
    }
    for (int32_t i = n - 1; i >= 0; i--) /* the gList is LIFO: readied in reverse */
        sim_goready(s, sim_g_at(s, glist[i]), "closechan: waiters readied");
    free(glist);
    sim_charge(s, SIM_COST_CHANOP_NS);
}

void sim_chans_free(sim_sched *s) {
    for (int32_t i = 0; i < s->chan_count; i++) {
        free(s->chans[i]->buf);
        free(s->chans[i]);
    }
    free(s->chans);
    s->chans = NULL;
    s->chan_count = s->chan_cap = 0;
}

/* Models: runtime.sendTime (a timer's channel send, non-blocking as selectnbsend):
 * runs on g0 while an M checks timers. The value is the virtual time. */
void sim_chan_timer_send(sim_sched *s, uint64_t chan_addr, int64_t value, uint64_t timer_addr) {
    SIM_ASSERT(s->curm >= 0);
    SIM_ASSERT(s->curg < 0); /* on g0: its ValueCopy events say g 0 */
    sim_hchan *c = sim_chan_lookup(s, (gmp_chan){chan_addr});
    SIM_ASSERT(c != NULL);
    if (c->closed) return;
    int32_t sg = sim_waitq_dequeue(s, &c->recvq);
    sim_race_chan_timer_send(s, c, timer_addr, sg >= 0 ? s->sudogs[sg].g : -1);
    uint32_t size = c->elemsize < sizeof value ? c->elemsize : (uint32_t)sizeof value;
    if (sg >= 0) {
        sim_sudog *d = &s->sudogs[sg];
        sim_g *rg = sim_g_at(s, d->g);
        if (d->elem && size) memcpy(d->elem, &value, size);
        sim_value_copy_event(s, NULL, timer_addr, "timer", rg, d->elem_addr, "stack", &value, size, c,
                             "sendTime: the timer's value straight onto the parked receiver's stack");
        d->success = 1;
        rg->param = sg;
        sim_goready(s, rg, "sendTime: a receiver was waiting on the timer's channel");
        return;
    }
    if (c->qcount < c->dataqsiz) {
        unsigned char *slot = c->buf + (size_t)c->sendx * c->elemsize;
        if (size) memcpy(slot, &value, size);
        sim_value_copy_event(s, NULL, timer_addr, "timer", NULL, c->buf_addr + (uint64_t)c->sendx * c->elemsize,
                             "buffer", &value, size, c, "sendTime: the timer's value into buf[sendx]");
        if (++c->sendx == c->dataqsiz) c->sendx = 0;
        c->qcount++;
    }
}
