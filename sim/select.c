/* sim/select.c: the select statement (the compiler's walkSelectCases and the
 * runtime's selectgo, select.go).
 *
 * gmp_select takes the cases in source order and does what the compiler would:
 * `select {}` parks forever (block), one case without default is the plain channel
 * operation, one case with default is selectnbsend/selectnbrecv, and anything else
 * calls selectgo with the compiler's case layout: sends first in source order, then
 * receives from the end of the array (so in reverse source order). selectgo shuffles
 * the poll order with cheaprandn(i+1) swap-insert, each draw a recorded decision
 * (select_order), sorts the lock order by channel address, then:
 *   pass 1 polls the cases in poll order and takes the first ready one;
 *   with a default and none ready, returns -1;
 *   pass 2 enqueues a sudog (isSelect) on every channel and parks with "select";
 *   pass 3, once woken by the first case to fire (g.selectDone), unlinks the others.
 * With --go 1.15 and earlier the layout is the one of that era's compiler: every case
 * in source order, default (placed last) and nil cases included in the shuffle; a
 * close wakes the select with no case and it polls again.
 */
#include <string.h>

#include "api.h"
#include "chan.h"
#include "check.h"
#include "choice.h"
#include "cost.h"
#include "frame.h"
#include "race.h"
#include "run.h"

enum {
    SIM_SELECT_MAX_CASES = 128, /* the arrays live on the goroutine's host stack */
};

typedef struct sim_scase {      /* runtime.scase plus what the compiler knows */
    sim_hchan *c;               /* NULL: a nil channel (or default, is_default) */
    void *elem;                 /* host pointer into the goroutine's frame, or NULL */
    uint64_t elem_addr;         /* its simulated address, or 0 */
    int32_t user;               /* the index in the caller's array; -1 for default */
    bool send;
    bool is_default;            /* go1.15-: caseDefault in the array */
} sim_scase;

/* ---- [SECTION] events --------------------------------------------------------------- */

typedef struct sim_select_report {
    const char *op;             /* "selectgo", "selectnbsend", ... */
    int ncases;
    bool has_default;
    int chosen;                 /* user index, -1: default */
    const gmp_select_case *cases;
    bool ok, blocked;
    const int32_t *pollorder;   /* user indices (-1: default), or NULL */
    int32_t norder;
} sim_select_report;

static void sim_select_event(sim_sched *s, const sim_select_report *r) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "Select");
    if (o == NULL) return;
    sim_trace_add_int(o, "g", sim_g_at(s, s->curg)->goid);
    cJSON_AddStringToObject(o, "op", r->op);
    sim_trace_add_int(o, "cases", r->ncases);
    cJSON_AddBoolToObject(o, "has_default", r->has_default);
    sim_trace_add_int(o, "chosen", r->chosen);
    if (r->chosen >= 0) {
        const gmp_select_case *k = &r->cases[r->chosen];
        cJSON_AddStringToObject(o, "dir", k->dir == GMP_SELECT_SEND ? "send" : "recv");
        sim_trace_add_addr(o, "chan", k->ch.addr);
        if (k->dir == GMP_SELECT_RECV) cJSON_AddBoolToObject(o, "ok", r->ok);
    } else {
        cJSON_AddStringToObject(o, "dir", "default");
    }
    cJSON_AddBoolToObject(o, "blocked", r->blocked);
    if (r->pollorder) {
        cJSON *a = cJSON_AddArrayToObject(o, "pollorder");
        for (int32_t i = 0; i < r->norder; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(r->pollorder[i]));
    }
    sim_trace_emit(&s->trace, o);
}

/* ---- [SECTION] wait queues ---------------------------------------------------------- */

/* Models: runtime.(*waitq).dequeueSudoG: unlinks sg wherever it is; a sudog already
 * dequeued (prev = next = -1 and not first) is left alone. */
static void sim_waitq_dequeue_sudog(sim_sched *s, sim_waitq *q, int32_t sg) {
    sim_sudog *d = &s->sudogs[sg];
    int32_t x = d->prev, y = d->next;
    if (x >= 0) {
        if (y >= 0) { /* middle of the queue */
            s->sudogs[x].next = y;
            s->sudogs[y].prev = x;
            d->next = d->prev = -1;
            return;
        }
        s->sudogs[x].next = -1; /* end of the queue */
        q->last = x;
        d->prev = -1;
        return;
    }
    if (y >= 0) { /* start of the queue */
        s->sudogs[y].prev = -1;
        q->first = y;
        d->next = -1;
        return;
    }
    if (q->first == sg) q->first = q->last = -1; /* the only one, or already removed */
}

/* ---- [SECTION] selectgo ------------------------------------------------------------- */

static uint64_t sim_sortkey(const sim_scase *k) {
    return k->c ? k->c->addr : 0; /* hchan.sortkey: its address */
}

/* Models: the lock order of selectgo: a heap sort of pollorder by hchan address. */
static void sim_lockorder(const sim_scase *scases, const uint16_t *pollorder, uint16_t *lockorder, int norder) {
    for (int i = 0; i < norder; i++) {
        int j = i;
        uint64_t c = sim_sortkey(&scases[pollorder[i]]); /* from pollorder: permutes cases on one channel */
        while (j > 0 && sim_sortkey(&scases[lockorder[(j - 1) / 2]]) < c) {
            int k = (j - 1) / 2;
            lockorder[j] = lockorder[k];
            j = k;
        }
        lockorder[j] = pollorder[i];
    }
    for (int i = norder - 1; i >= 0; i--) {
        uint16_t o = lockorder[i];
        uint64_t c = sim_sortkey(&scases[o]);
        lockorder[i] = lockorder[0];
        int j = 0;
        for (;;) {
            int k = j * 2 + 1;
            if (k >= i) break;
            if (k + 1 < i && sim_sortkey(&scases[lockorder[k]]) < sim_sortkey(&scases[lockorder[k + 1]])) k++;
            if (c < sim_sortkey(&scases[lockorder[k]])) {
                lockorder[j] = lockorder[k];
                j = k;
                continue;
            }
            break;
        }
        lockorder[j] = o;
    }
}

/* Models: runtime.selectgo (select.go). Returns the index into scases of the case
 * that ran, or -1 for default (!block). Differs: the channel locks are implicit (one
 * host thread: pass 1 to the park, and wake-up to return, are each atomic); no
 * block profiling or race annotations; gp.waiting holds the first sudog only, the
 * list itself is kept on this stack. */
static int sim_selectgo(sim_sched *s, sim_scase *scases, int ncases, bool block, bool go116, bool *recv_ok,
                        bool *blocked, int32_t *user_pollorder, int32_t *norder_out) {
    sim_g *me = sim_g_at(s, s->curg);
    uint16_t pollorder[SIM_SELECT_MAX_CASES + 1], lockorder[SIM_SELECT_MAX_CASES + 1];
    int32_t sgs[SIM_SELECT_MAX_CASES + 1];
    int norder = 0;
    /* Generate the permuted poll order: pollorder[j] <-> i with j = cheaprandn(i+1). */
    if (go116) {
        for (int i = 0; i < ncases; i++) {
            if (scases[i].c == NULL) continue; /* omit nil channels from the poll and lock orders */
            uint32_t j = sim_choose(s, SIM_CHOICE_SELECT_ORDER, (uint32_t)norder + 1,
                                    "selectgo: pollorder, cheaprandn(norder+1): swap-insert this case");
            pollorder[norder] = pollorder[j];
            pollorder[j] = (uint16_t)i;
            norder++;
        }
    } else {
        pollorder[0] = 0; /* the compiler zeroed the order array */
        for (int i = 1; i < ncases; i++) {
            uint32_t j = sim_choose(s, SIM_CHOICE_SELECT_ORDER, (uint32_t)i + 1,
                                    "selectgo: pollorder, fastrandn(i+1): swap-insert this case");
            pollorder[i] = pollorder[j];
            pollorder[j] = (uint16_t)i;
        }
        norder = ncases;
    }
    for (int i = 0; i < norder; i++) user_pollorder[i] = scases[pollorder[i]].user;
    *norder_out = norder;
    sim_lockorder(scases, pollorder, lockorder, norder);
    *blocked = false;
    *recv_ok = false;

    int casi = -1;
    sim_scase *cas = NULL;
    sim_hchan *c = NULL;
    int32_t sg = -1;
loop:
    /* pass 1: look for something already waiting */
    {
        int dfli = -1;
        for (int i = 0; i < norder; i++) {
            casi = pollorder[i];
            cas = &scases[casi];
            c = cas->c;
            if (cas->is_default) {
                dfli = casi;
                continue;
            }
            if (c == NULL) continue; /* caseNil */
            if (!cas->send) {
                sg = sim_waitq_dequeue(s, &c->sendq);
                if (sg >= 0) goto recv;
                if (c->qcount > 0) goto bufrecv;
                if (c->closed) goto rclose;
            } else {
                sim_race_chan_send(s, c); /* racereadpc(c.raceaddr(), casePC(casi), chansendpc) */
                if (c->closed) goto sclose;
                sg = sim_waitq_dequeue(s, &c->recvq);
                if (sg >= 0) goto send;
                if (c->qcount < c->dataqsiz) goto bufsend;
            }
        }
        if (!block || dfli >= 0) return go116 ? -1 : dfli;
    }

    /* pass 2: enqueue on all channels, in lock order */
    if (me->waiting >= 0) sim_throw("gp.waiting != nil");
    int nsg = 0;
    for (int i = 0; i < norder; i++) {
        sim_scase *k = &scases[lockorder[i]];
        if (k->c == NULL) continue;
        int32_t x = sim_acquire_sudog(s);
        sim_sudog *d = &s->sudogs[x];
        memset(d, 0, sizeof *d);
        d->g = me->index;
        d->is_select = 1;
        d->elem = k->elem;
        d->elem_addr = k->elem_addr;
        d->c = k->c;
        d->next = d->prev = -1;
        sim_waitq_enqueue(s, k->send ? &k->c->sendq : &k->c->recvq, x);
        sgs[nsg++] = x;
    }
    me->waiting = nsg > 0 ? sgs[0] : -1;
    me->param = -1;
    *blocked = true;
    sim_gopark(s, SIM_WAIT_SELECT, nsg > 0 ? "selectgo: no case ready: enqueued on every channel, park"
                                           : "selectgo: only nil channels: park forever");
    me = sim_g_at(s, s->curg);
    me->select_done = 0;
    sg = me->param;
    me->param = -1;
    /* go1.15-: a close woke us with gp.param == nil: no case won, poll again. */
    if (!go116 && sg >= 0 && !s->sudogs[sg].success) sg = -1;

    /* pass 3: dequeue from the unsuccessful channels; record the successful case */
    casi = -1;
    cas = NULL;
    bool case_success = false;
    for (int i = 0, n = 0; i < norder; i++) {
        sim_scase *k = &scases[lockorder[i]];
        if (k->c == NULL) continue;
        int32_t x = sgs[n++];
        if (x == sg) { /* already dequeued by the G that woke us */
            casi = lockorder[i];
            cas = k;
            case_success = s->sudogs[x].success != 0;
        } else {
            sim_waitq_dequeue_sudog(s, k->send ? &k->c->sendq : &k->c->recvq, x);
        }
        s->sudogs[x].is_select = 0;
        s->sudogs[x].elem = NULL;
        s->sudogs[x].c = NULL;
        sim_release_sudog(s, x);
    }
    me->waiting = -1;
    if (cas == NULL) {
        if (go116) sim_throw("selectgo: bad wakeup");
        goto loop;
    }
    c = cas->c;
    if (cas->send) {
        if (!case_success) goto sclose;
    } else {
        *recv_ok = case_success;
    }
    return casi;

bufrecv: /* can receive from buffer */
    {
        unsigned char *qp = c->buf + (size_t)c->recvx * c->elemsize;
        uint64_t qp_addr = c->buf_addr + (uint64_t)c->recvx * c->elemsize;
        sim_race_chan_buf_recv(s, c); /* racenotify(c, c.recvx, nil) */
        *recv_ok = true;
        if (cas->elem && c->elemsize) memcpy(cas->elem, qp, c->elemsize);
        sim_value_copy_event(s, NULL, qp_addr, "buffer", me, cas->elem_addr, "stack", qp, c->elemsize, c,
                              "selectgo: bufrecv: from buf[recvx]");
        if (c->elemsize) memset(qp, 0, c->elemsize);
        if (++c->recvx == c->dataqsiz) c->recvx = 0;
        c->qcount--;
        return casi;
    }

bufsend: /* can send to buffer */
    {
        sim_race_chan_buf_send(s, c); /* racenotify(c, c.sendx, nil) */
        unsigned char *qp = c->buf + (size_t)c->sendx * c->elemsize;
        if (c->elemsize) memcpy(qp, cas->elem, c->elemsize);
        sim_value_copy_event(s, me, cas->elem_addr, "stack", NULL,
                              c->buf_addr + (uint64_t)c->sendx * c->elemsize, "buffer", cas->elem, c->elemsize, c,
                              "selectgo: bufsend: into buf[sendx]");
        if (++c->sendx == c->dataqsiz) c->sendx = 0;
        c->qcount++;
        return casi;
    }

recv: /* can receive from a parked sender (runtime.recv) */
    {
        sim_sudog *d = &s->sudogs[sg];
        sim_g *sgp = sim_g_at(s, d->g);
        sim_race_chan_recv_direct(s, c, d->g); /* recv(): racesync or racenotify */
        if (c->dataqsiz == 0) {
            if (cas->elem && c->elemsize) memcpy(cas->elem, d->elem, c->elemsize);
            sim_value_copy_event(s, sgp, d->elem_addr, "stack", me, cas->elem_addr, "stack", d->elem,
                                  c->elemsize, c, "selectgo: recv: recvDirect, straight from the parked sender's stack");
        } else {
            /* Full buffer: take buf[recvx]; the sender's value goes into the same slot. */
            unsigned char *qp = c->buf + (size_t)c->recvx * c->elemsize;
            uint64_t qp_addr = c->buf_addr + (uint64_t)c->recvx * c->elemsize;
            if (cas->elem && c->elemsize) memcpy(cas->elem, qp, c->elemsize);
            sim_value_copy_event(s, NULL, qp_addr, "buffer", me, cas->elem_addr, "stack", qp, c->elemsize, c,
                                  "selectgo: recv: from buf[recvx] of a full buffer");
            if (c->elemsize) memcpy(qp, d->elem, c->elemsize);
            sim_value_copy_event(s, sgp, d->elem_addr, "stack", NULL, qp_addr, "buffer", d->elem, c->elemsize, c,
                                  "selectgo: recv: the parked sender's value into the freed slot");
            if (++c->recvx == c->dataqsiz) c->recvx = 0;
            c->sendx = c->recvx;
        }
        d->success = 1;
        sgp->param = sg;
        sim_goready(s, sgp, "selectgo: recv: a sender was waiting");
        *recv_ok = true;
        return casi;
    }

rclose: /* read at the end of a closed channel */
    *recv_ok = false;
    sim_race_chan_recv_closed(s, c); /* raceacquire(c.raceaddr()) */
    if (cas->elem && c->elemsize) memset(cas->elem, 0, c->elemsize);
    return casi;

send: /* can send to a parked receiver (runtime.send) */
    {
        sim_sudog *d = &s->sudogs[sg];
        sim_g *rg = sim_g_at(s, d->g);
        sim_race_chan_send_direct(s, c, d->g); /* send(): racesync or racenotify */
        if (d->elem && c->elemsize) memcpy(d->elem, cas->elem, c->elemsize);
        sim_value_copy_event(s, me, cas->elem_addr, "stack", rg, d->elem_addr, "stack", cas->elem, c->elemsize, c,
                              "selectgo: send: sendDirect, straight onto the parked receiver's stack");
        d->success = 1;
        rg->param = sg;
        sim_goready(s, rg, "selectgo: send: a receiver was waiting");
        return casi;
    }

sclose: /* send on a closed channel */
    sim_fail_current(s, GMP_OUTCOME_PANIC, "send on closed channel");
}

/* ---- [SECTION] the API ---------------------------------------------------------------- */

static uint64_t sim_case_elem_addr(sim_sched *s, const gmp_select_case *k, const sim_hchan *c) {
    if (c == NULL || k->elem == NULL || k->elemname == NULL || c->elemsize == 0) return 0;
    return sim_slot_addr(s, sim_g_at(s, s->curg), k->elemname, c->elemsize);
}

/* The case's channel (NULL for nil); a send needs a value to copy. */
static sim_hchan *sim_select_case_chan(sim_sched *s, const gmp_select_case *k) {
    sim_hchan *c = sim_chan_lookup(s, k->ch);
    if (c && k->dir == GMP_SELECT_SEND && k->elem == NULL && c->elemsize != 0)
        sim_fatal(s, "gmpsim: gmp_select: a send case needs a pointer to the value to send");
    return c;
}

/* Models: the compiler's walkSelectCases + runtime.selectgo/block/selectnbsend/
 * selectnbrecv. Differs: at most 128 cases (Go allows 65536). */
int gmp_select_at(const gmp_select_case *cases, int ncases, bool has_default, bool *recv_ok, const char *file,
                  int line) {
    sim_sched *s = sim_api_enter(file, line);
    bool ok_dummy;
    if (recv_ok == NULL) recv_ok = &ok_dummy;
    *recv_ok = false;
    if (ncases < 0 || ncases > SIM_SELECT_MAX_CASES || (ncases > 0 && cases == NULL))
        sim_fatal(s, "gmpsim: gmp_select: ncases must be 0..128 with a case array");
    for (int i = 0; i < ncases; i++)
        if (cases[i].dir != GMP_SELECT_SEND && cases[i].dir != GMP_SELECT_RECV)
            sim_fatal(s, "gmpsim: gmp_select: a case's dir must be GMP_SELECT_SEND or GMP_SELECT_RECV");
    sim_select_report rep = {.ncases = ncases, .has_default = has_default, .cases = cases, .chosen = -1};

    /* The compiler's rewrites of small selects. */
    if (ncases == 0) {
        if (!has_default) {
            sim_gopark(s, SIM_WAIT_SELECT_NO_CASES, "block: select {} parks forever");
            sim_throw("select (no cases): a goroutine blocked forever was woken");
        }
        rep.op = "default";
        sim_select_event(s, &rep);
        return -1;
    }
    if (ncases == 1 && !has_default) {
        const gmp_select_case *k = &cases[0];
        int64_t parked_at = sim_g_at(s, s->curg)->waitsince_ns; /* gopark sets it: did the op block? */
        if (k->dir == GMP_SELECT_SEND) {
            rep.op = "chansend";
            gmp_send_at(k->ch, k->elem, k->elem ? k->elemname : NULL, file, line);
        } else {
            rep.op = "chanrecv";
            *recv_ok = gmp_recv_at(k->ch, k->elem, k->elem ? k->elemname : NULL, file, line);
            rep.ok = *recv_ok;
        }
        rep.chosen = 0;
        rep.blocked = sim_g_at(s, s->curg)->waitsince_ns != parked_at;
        sim_select_event(s, &rep);
        return 0;
    }

    bool go116 = s->opt.go_minor >= 16;
    sim_scase scases[SIM_SELECT_MAX_CASES + 1];
    int n = 0;
    if (ncases == 1 || go116) {
        /* selectnbsend/selectnbrecv (one case and default), or the go1.16+ layout:
         * sends first, receives from the end of the array; default not in it. */
        int nsends = 0, nrecvs = 0;
        for (int i = 0; i < ncases; i++) {
            int at = cases[i].dir == GMP_SELECT_SEND ? nsends++ : ncases - ++nrecvs;
            sim_hchan *c = sim_select_case_chan(s, &cases[i]);
            scases[at] = (sim_scase){.c = c, .elem = cases[i].elem, .elem_addr = sim_case_elem_addr(s, &cases[i], c),
                                     .user = i, .send = cases[i].dir == GMP_SELECT_SEND};
        }
        n = ncases;
    } else {
        /* go1.15-: source order, default a case of its own (placed last), nil cases kept. */
        for (int i = 0; i < ncases; i++) {
            sim_hchan *c = sim_select_case_chan(s, &cases[i]);
            scases[n++] = (sim_scase){.c = c, .elem = cases[i].elem,
                                      .elem_addr = sim_case_elem_addr(s, &cases[i], c), .user = i,
                                      .send = cases[i].dir == GMP_SELECT_SEND};
        }
        if (has_default) scases[n++] = (sim_scase){.user = -1, .is_default = true};
    }
    if (ncases == 1) rep.op = cases[0].dir == GMP_SELECT_SEND ? "selectnbsend" : "selectnbrecv";
    else rep.op = "selectgo";

    int32_t user_order[SIM_SELECT_MAX_CASES + 1];
    int32_t norder = 0;
    bool blocked = false;
    int casi = sim_selectgo(s, scases, n, !has_default, go116 || ncases == 1, recv_ok, &blocked, user_order, &norder);
    rep.chosen = casi >= 0 ? scases[casi].user : -1;
    rep.ok = *recv_ok;
    rep.blocked = blocked;
    rep.pollorder = user_order;
    rep.norder = norder;
    sim_select_event(s, &rep);
    sim_charge(s, SIM_COST_SELECT_NS + (int64_t)n * SIM_COST_SELECT_CASE_NS);
    return rep.chosen;
}
