/* sim/runq.c: see runq.h. */
#include "runq.h"

#include "check.h"

static void sim_runq_trace(sim_sched *s, const char *ev, const sim_p *pp, const sim_g *gp,
                           const char *queue, const char *why) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, ev);
    if (o == NULL) return;
    sim_trace_add_int(o, "p", pp ? pp->id : -1);
    sim_trace_add_int(o, "g", gp->goid);
    cJSON_AddStringToObject(o, "queue", queue);
    cJSON_AddStringToObject(o, "why", why);
    sim_trace_emit(&s->trace, o);
}

bool sim_runqempty(const sim_p *pp) {
    SIM_ASSERT(pp->runqtail - pp->runqhead <= SIM_RUNQ_LEN);
    return pp->runqhead == pp->runqtail && pp->runnext < 0;
}

/* Models: runtime.runqputslow: moves 128 Gs from the head of the full local queue, plus gp,
 * to the global queue in one batch. */
static void sim_runqputslow(sim_sched *s, sim_p *pp, sim_g *gp) {
    uint32_t n = sim_runq_len(pp) / 2;
    SIM_ASSERT(n == SIM_RUNQ_LEN / 2);
    if (sim_runq_len(pp) != SIM_RUNQ_LEN) sim_throw("runqputslow: queue is not full");
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "RunqMove");
    cJSON *gs = o ? cJSON_AddArrayToObject(o, "gs") : NULL;
    for (uint32_t i = 0; i < n; i++) {
        int32_t gi = pp->runq[(pp->runqhead + i) % SIM_RUNQ_LEN];
        sim_g *g = sim_g_at(s, gi);
        if (gs) cJSON_AddItemToArray(gs, cJSON_CreateNumber((double)g->goid));
        g->schedlink = -1;
        if (s->runq_tail >= 0) sim_g_at(s, s->runq_tail)->schedlink = gi;
        else s->runq_head = gi;
        s->runq_tail = gi;
    }
    pp->runqhead += n;
    if (gs) cJSON_AddItemToArray(gs, cJSON_CreateNumber((double)gp->goid));
    gp->schedlink = -1;
    if (s->runq_tail >= 0) sim_g_at(s, s->runq_tail)->schedlink = gp->index;
    else s->runq_head = gp->index;
    s->runq_tail = gp->index;
    s->runqsize += (int32_t)n + 1;
    if (o) {
        sim_trace_add_int(o, "p", pp->id);
        cJSON_AddStringToObject(o, "from", "local");
        cJSON_AddStringToObject(o, "to", "global");
        cJSON_AddStringToObject(o, "why", "runqputslow: local queue full, 128 from its head + 1 to global");
        sim_trace_emit(&s->trace, o);
    }
}

void sim_runqput(sim_sched *s, sim_p *pp, sim_g *gp, bool next, const char *why) {
    SIM_ASSERT(gp->status == SIM_GRUNNABLE);
    SIM_ASSERT(pp->runnext != gp->index);
    if (next) {
        int32_t old = pp->runnext;
        pp->runnext = gp->index;
        sim_runq_trace(s, "RunqPut", pp, gp, "runnext", why);
        if (old < 0) return;
        gp = sim_g_at(s, old); /* kick the old runnext to the tail of the regular queue */
        why = "runqput: old runnext kicked to the local tail";
    }
    if (sim_runq_len(pp) < SIM_RUNQ_LEN) {
        pp->runq[pp->runqtail % SIM_RUNQ_LEN] = gp->index;
        pp->runqtail++;
        sim_runq_trace(s, "RunqPut", pp, gp, "local", why);
        return;
    }
    sim_runqputslow(s, pp, gp);
}

int32_t sim_runqget(sim_sched *s, sim_p *pp, bool *inherit_time) {
    SIM_ASSERT(inherit_time != NULL);
    int32_t next = pp->runnext;
    if (next >= 0) {
        pp->runnext = -1;
        *inherit_time = true;
        sim_runq_trace(s, "RunqGet", pp, sim_g_at(s, next), "runnext",
                       "runqget: runnext first, inherits the time slice");
        return next;
    }
    *inherit_time = false;
    if (pp->runqhead == pp->runqtail) return -1;
    int32_t gi = pp->runq[pp->runqhead % SIM_RUNQ_LEN];
    pp->runqhead++;
    sim_runq_trace(s, "RunqGet", pp, sim_g_at(s, gi), "local", "runqget: head of the local queue");
    return gi;
}

/* Models: runtime.runqgrab: copies n - n/2 Gs of p2's queue to batch (the thief's ring
 * starting at batch_head); with steal_runnext and an empty queue, takes p2.runnext.
 * Differs: the runtime sleeps 3us before taking a running P's runnext; that wait is
 * virtual time the caller charges, not a host sleep. */
static uint32_t sim_runqgrab(sim_sched *s, sim_p *p2, int32_t *batch, uint32_t batch_head,
                             bool steal_runnext) {
    uint32_t h = p2->runqhead, t = p2->runqtail;
    uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
        if (steal_runnext && p2->runnext >= 0) {
            batch[batch_head % SIM_RUNQ_LEN] = p2->runnext;
            p2->runnext = -1;
            return 1;
        }
        return 0;
    }
    SIM_ASSERT(n <= SIM_RUNQ_LEN / 2);
    for (uint32_t i = 0; i < n; i++) batch[(batch_head + i) % SIM_RUNQ_LEN] = p2->runq[(h + i) % SIM_RUNQ_LEN];
    p2->runqhead = h + n;
    return n;
}

int32_t sim_runqsteal(sim_sched *s, sim_p *pp, sim_p *p2, bool steal_runnext) {
    SIM_ASSERT(pp != p2);
    uint32_t t = pp->runqtail;
    bool had_runnext = p2->runnext >= 0 && p2->runqhead == p2->runqtail;
    uint32_t victim_len = sim_runq_len(p2);
    uint32_t n = sim_runqgrab(s, p2, pp->runq, t, steal_runnext);
    if (n == 0) return -1;
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "RunqSteal");
    if (o) {
        sim_trace_add_int(o, "p", pp->id);
        sim_trace_add_int(o, "victim", p2->id);
        cJSON *gs = cJSON_AddArrayToObject(o, "gs");
        for (uint32_t i = 0; i < n; i++)
            cJSON_AddItemToArray(gs, cJSON_CreateNumber((double)sim_g_at(s, pp->runq[(t + i) % SIM_RUNQ_LEN])->goid));
        bool took_runnext = had_runnext && steal_runnext && victim_len == 0;
        cJSON_AddStringToObject(o, "queue", took_runnext ? "runnext" : "local");
        char why[128];
        if (took_runnext)
            snprintf(why, sizeof why, "stealWork: took runnext of P%d on the last pass", p2->id);
        else
            snprintf(why, sizeof why, "stealWork: took %u of %u from P%d", n, victim_len, p2->id);
        cJSON_AddStringToObject(o, "why", why);
        sim_trace_emit(&s->trace, o);
    }
    n--;
    int32_t gp = pp->runq[(t + n) % SIM_RUNQ_LEN];
    if (n == 0) return gp;
    if (t - pp->runqhead + n >= SIM_RUNQ_LEN) sim_throw("runqsteal: runq overflow");
    pp->runqtail = t + n;
    return gp;
}

void sim_globrunqput(sim_sched *s, sim_g *gp, const char *why) {
    SIM_ASSERT(gp->status == SIM_GRUNNABLE);
    SIM_ASSERT(s->runqsize >= 0);
    gp->schedlink = -1;
    if (s->runq_tail >= 0) sim_g_at(s, s->runq_tail)->schedlink = gp->index;
    else s->runq_head = gp->index;
    s->runq_tail = gp->index;
    s->runqsize++;
    sim_runq_trace(s, "RunqPut", NULL, gp, "global", why);
}

static int32_t sim_globrunq_pop(sim_sched *s) {
    int32_t gi = s->runq_head;
    if (gi < 0) return -1;
    SIM_ASSERT(s->runqsize > 0);
    sim_g *g = sim_g_at(s, gi);
    s->runq_head = g->schedlink;
    if (s->runq_head < 0) s->runq_tail = -1;
    g->schedlink = -1;
    s->runqsize--;
    return gi;
}

int32_t sim_globrunqget(sim_sched *s, sim_p *pp, const char *why) {
    int32_t gi = sim_globrunq_pop(s);
    if (gi >= 0) sim_runq_trace(s, "RunqGet", pp, sim_g_at(s, gi), "global", why);
    return gi;
}

int32_t sim_globrunqgetbatch(sim_sched *s, sim_p *pp) {
    if (s->runqsize == 0) return -1;
    int32_t n = s->runqsize / s->nprocs + 1;
    if (n > s->runqsize) n = s->runqsize;
    if (n > SIM_RUNQ_LEN / 2) n = SIM_RUNQ_LEN / 2;
    SIM_ASSERT(n >= 1);
    char why[96];
    snprintf(why, sizeof why, "globrunqgetbatch: %d of %d (min(128, n, n/gomaxprocs+1))", n, s->runqsize);
    int32_t first = sim_globrunqget(s, pp, why);
    for (int32_t i = 1; i < n; i++) {
        sim_g *g = sim_g_at(s, sim_globrunq_pop(s));
        sim_runqput(s, pp, g, false, why);
    }
    return first;
}
