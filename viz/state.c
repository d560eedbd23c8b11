/* viz/state.c: the run queues at any event, by checkpoints and forward replay.
 *
 * The replay mirrors sim/runq.c from its events alone: RunqPut/RunqGet name the queue,
 * RunqSteal lists the stolen Gs (the last one runs at once, the others go to the
 * thief's local tail), RunqMove lists the local head going to the global queue (the
 * last one is the G being put). One step has no event of its own: globrunqgetbatch
 * pops Gs from the global queue and puts them locally, which shows as RunqPut local of
 * a G that is still at the head of the global queue; so a RunqPut first takes the G
 * out of a queue's head or a runnext when it is there (O(P), not O(queue length)).
 */
#include <string.h>

#include "index.h"

enum { VIZ_CKPT_EVENTS_MIN = 1024 }; /* K: replay at most this many events (or the state's size) */

/* ---- [SECTION] deques ---------------------------------------------------------------- */

static int viz_dq_push(viz_deque *d, int32_t g) {
    if (d->head + d->len == d->cap) {
        if (d->head > 0 && d->head >= d->len) { /* compact instead of growing */
            memmove(d->v, d->v + d->head, (size_t)d->len * sizeof *d->v);
            d->head = 0;
        } else {
            int64_t cap = d->cap ? d->cap * 2 : 16;
            int32_t *v = realloc(d->v, (size_t)cap * sizeof *v);
            if (v == NULL) return -1;
            d->v = v;
            d->cap = cap;
        }
    }
    d->v[d->head + d->len++] = g;
    return 0;
}

/* Removes g (at the head: O(1); elsewhere O(len)). Returns 1 if found. */
static int viz_dq_remove(viz_deque *d, int32_t g) {
    if (d->len == 0) return 0;
    if (d->v[d->head] == g) {
        d->head++;
        d->len--;
        if (d->len == 0) d->head = 0;
        return 1;
    }
    for (int64_t i = 1; i < d->len; i++) {
        if (d->v[d->head + i] != g) continue;
        memmove(d->v + d->head + i, d->v + d->head + i + 1, (size_t)(d->len - i - 1) * sizeof *d->v);
        d->len--;
        return 1;
    }
    return 0;
}

/* ---- [SECTION] the state ------------------------------------------------------------- */

void viz_rq_init(viz_rq *rq) {
    memset(rq, 0, sizeof *rq);
}

void viz_rq_free(viz_rq *rq) {
    if (rq->local != NULL)
        for (int32_t p = 0; p < rq->p_count; p++) free(rq->local[p].v);
    free(rq->local);
    free(rq->runnext);
    free(rq->curg);
    free(rq->pm);
    free(rq->global.v);
    memset(rq, 0, sizeof *rq);
}

static int viz_rq_alloc(viz_rq *rq, int32_t p_count) {
    if (rq->p_count == p_count && rq->local != NULL) return 0;
    viz_rq_free(rq);
    rq->p_count = p_count;
    rq->runnext = malloc((size_t)p_count * sizeof(int32_t));
    rq->curg = malloc((size_t)p_count * sizeof(int32_t));
    rq->pm = malloc((size_t)p_count * sizeof(int32_t));
    rq->local = calloc((size_t)p_count, sizeof *rq->local);
    if (!rq->runnext || !rq->curg || !rq->pm || !rq->local) {
        viz_rq_free(rq);
        return -1;
    }
    return 0;
}

static void viz_rq_clear(viz_rq *rq) {
    for (int32_t p = 0; p < rq->p_count; p++) {
        rq->runnext[p] = rq->curg[p] = rq->pm[p] = -1;
        rq->local[p].head = rq->local[p].len = 0;
    }
    rq->global.head = rq->global.len = 0;
    rq->applied = 0;
}

/* Takes g out of whichever queue holds it (checking the likely one first). */
static void viz_rq_take(viz_rq *rq, int32_t g, int32_t p_hint) {
    if (p_hint >= 0 && p_hint < rq->p_count) {
        if (rq->runnext[p_hint] == g) {
            rq->runnext[p_hint] = -1;
            return;
        }
        if (viz_dq_remove(&rq->local[p_hint], g)) return;
    }
    if (viz_dq_remove(&rq->global, g)) return;
    for (int32_t p = 0; p < rq->p_count; p++) {
        if (rq->runnext[p] == g) {
            rq->runnext[p] = -1;
            return;
        }
    }
}

/* Cheap check for the common case: g is in no queue at all (a new or woken G). */
static int viz_rq_queued_somewhere(const viz_rq *rq, int32_t g, int32_t p_hint) {
    (void)p_hint;
    if (rq->global.len > 0 && rq->global.v[rq->global.head] == g) return 1;
    for (int32_t p = 0; p < rq->p_count; p++)
        if (rq->runnext[p] == g) return 1;
    return 0;
}

static void viz_rq_stop(viz_rq *rq, const viz_event *e) {
    if (e->p >= 0 && e->p < rq->p_count && rq->curg[e->p] == e->g) {
        rq->curg[e->p] = -1;
        return;
    }
    for (int32_t p = 0; p < rq->p_count; p++)
        if (rq->curg[p] == e->g) rq->curg[p] = -1;
}

static int viz_rq_apply(viz_rq *rq, const viz_index *ix, const viz_event *e) {
    const viz_model *m = ix->m;
    int32_t p = e->p;
    int pok = p >= 0 && p < rq->p_count;
    switch ((viz_kind)e->kind) {
    case VIZ_EV_RUNQ_PUT:
        if (viz_rq_queued_somewhere(rq, e->g, p)) viz_rq_take(rq, e->g, p);
        if (e->sub == VIZ_Q_GLOBAL) return viz_dq_push(&rq->global, e->g);
        if (!pok) return 0;
        if (e->sub == VIZ_Q_RUNNEXT) {
            rq->runnext[p] = e->g; /* the old runnext is re-put by the next event */
            return 0;
        }
        return viz_dq_push(&rq->local[p], e->g);
    case VIZ_EV_RUNQ_GET:
        if (e->sub == VIZ_Q_GLOBAL) {
            if (!viz_dq_remove(&rq->global, e->g)) viz_rq_take(rq, e->g, p);
        } else if (pok && e->sub == VIZ_Q_RUNNEXT && rq->runnext[p] == e->g) {
            rq->runnext[p] = -1;
        } else {
            viz_rq_take(rq, e->g, p);
        }
        return 0;
    case VIZ_EV_RUNQ_STEAL: {
        int32_t victim = e->g2;
        for (int64_t k = 0; k < e->x; k++) viz_rq_take(rq, m->gs[e->aux + k], victim);
        for (int64_t k = 0; pok && k + 1 < e->x; k++)
            if (viz_dq_push(&rq->local[p], m->gs[e->aux + k]) != 0) return -1;
        return 0;
    }
    case VIZ_EV_RUNQ_MOVE:
        for (int64_t k = 0; k < e->x; k++) {
            viz_rq_take(rq, m->gs[e->aux + k], p);
            if (viz_dq_push(&rq->global, m->gs[e->aux + k]) != 0) return -1;
        }
        return 0;
    case VIZ_EV_GO_START:
        if (pok) rq->curg[p] = e->g;
        return 0;
    case VIZ_EV_GO_STOP:
    case VIZ_EV_GO_BLOCK:
    case VIZ_EV_GO_DESTROY: viz_rq_stop(rq, e); return 0;
    case VIZ_EV_PROC_START:
        if (pok) rq->pm[p] = e->m;
        return 0;
    case VIZ_EV_PROC_STOP:
        if (pok) rq->pm[p] = rq->curg[p] = -1;
        return 0;
    case VIZ_EV_PROC_STEAL: /* retake, handoffp: the P is let go */
    case VIZ_EV_PROC_IDLE:
        if (pok) rq->pm[p] = rq->curg[p] = -1;
        return 0;
    default: return 0;
    }
}

/* ---- [SECTION] checkpoints ------------------------------------------------------------- */

static int64_t viz_rq_size(const viz_rq *rq) {
    int64_t n = 4 * (int64_t)rq->p_count + 1 + rq->global.len;
    for (int32_t p = 0; p < rq->p_count; p++) n += rq->local[p].len;
    return n;
}

/* Layout: runnext[P] curg[P] pm[P] locallen[P] globallen, local items..., global items. */
static int viz_rq_save(viz_index *ix, const viz_rq *rq, int64_t *ckpt_cap, int64_t *data_cap) {
    int64_t need = viz_rq_size(rq);
    if (ix->ckpt_count == *ckpt_cap) {
        int64_t cap = *ckpt_cap ? *ckpt_cap * 2 : 64;
        viz_rq_ckpt *c = realloc(ix->ckpts, (size_t)cap * sizeof *c);
        if (c == NULL) return -1;
        ix->ckpts = c;
        *ckpt_cap = cap;
    }
    if (ix->ckpt_data_count + need > *data_cap) {
        int64_t cap = *data_cap ? *data_cap : 4096;
        while (cap < ix->ckpt_data_count + need) cap *= 2;
        int32_t *d = realloc(ix->ckpt_data, (size_t)cap * sizeof *d);
        if (d == NULL) return -1;
        ix->ckpt_data = d;
        *data_cap = cap;
    }
    viz_rq_ckpt *c = &ix->ckpts[ix->ckpt_count++];
    c->applied = rq->applied;
    c->data_off = ix->ckpt_data_count;
    int32_t *d = ix->ckpt_data + ix->ckpt_data_count, P = rq->p_count;
    memcpy(d, rq->runnext, (size_t)P * sizeof *d);
    memcpy(d + P, rq->curg, (size_t)P * sizeof *d);
    memcpy(d + 2 * P, rq->pm, (size_t)P * sizeof *d);
    for (int32_t p = 0; p < P; p++) d[3 * P + p] = (int32_t)rq->local[p].len;
    d[4 * P] = (int32_t)rq->global.len;
    int64_t at = 4 * (int64_t)P + 1;
    for (int32_t p = 0; p < P; p++) {
        if (rq->local[p].len > 0)
            memcpy(d + at, rq->local[p].v + rq->local[p].head, (size_t)rq->local[p].len * sizeof *d);
        at += rq->local[p].len;
    }
    if (rq->global.len > 0) memcpy(d + at, rq->global.v + rq->global.head, (size_t)rq->global.len * sizeof *d);
    at += rq->global.len;
    VIZ_ASSERT(at == need);
    ix->ckpt_data_count += need;
    return 0;
}

static int viz_dq_set(viz_deque *dq, const int32_t *v, int64_t n) {
    if (dq->cap < n) {
        int32_t *nv = realloc(dq->v, (size_t)n * sizeof *nv);
        if (nv == NULL) return -1;
        dq->v = nv;
        dq->cap = n;
    }
    dq->head = 0;
    dq->len = n;
    if (n > 0) memcpy(dq->v, v, (size_t)n * sizeof *v);
    return 0;
}

static int viz_rq_restore(const viz_index *ix, const viz_rq_ckpt *c, viz_rq *rq) {
    const int32_t *d = ix->ckpt_data + c->data_off;
    int32_t P = rq->p_count;
    memcpy(rq->runnext, d, (size_t)P * sizeof *d);
    memcpy(rq->curg, d + P, (size_t)P * sizeof *d);
    memcpy(rq->pm, d + 2 * P, (size_t)P * sizeof *d);
    int64_t at = 4 * (int64_t)P + 1;
    for (int32_t p = 0; p < P; p++) {
        if (viz_dq_set(&rq->local[p], d + at, d[3 * P + p]) != 0) return -1;
        at += d[3 * P + p];
    }
    if (viz_dq_set(&rq->global, d + at, d[4 * P]) != 0) return -1;
    rq->applied = c->applied;
    return 0;
}

int viz_rq_build_checkpoints(viz_index *ix);
int viz_rq_build_checkpoints(viz_index *ix) {
    const viz_model *m = ix->m;
    viz_rq rq;
    viz_rq_init(&rq);
    int64_t ckpt_cap = 0, data_cap = 0;
    if (viz_rq_alloc(&rq, m->p_count) != 0) return -1;
    viz_rq_clear(&rq);
    int rc = viz_rq_save(ix, &rq, &ckpt_cap, &data_cap);
    int64_t last = 0;
    for (int64_t i = 0; rc == 0 && i < m->ev_count; i++) {
        rc = viz_rq_apply(&rq, ix, &m->ev[i]);
        rq.applied = i + 1;
        int64_t gap = viz_rq_size(&rq);
        if (gap < VIZ_CKPT_EVENTS_MIN) gap = VIZ_CKPT_EVENTS_MIN;
        if (rc == 0 && rq.applied - last >= gap) {
            rc = viz_rq_save(ix, &rq, &ckpt_cap, &data_cap);
            last = rq.applied;
        }
    }
    viz_rq_free(&rq);
    return rc;
}

int viz_rq_at(const viz_index *ix, int64_t applied, viz_rq *rq) {
    const viz_model *m = ix->m;
    VIZ_ASSERT(ix->ckpt_count > 0);
    if (applied < 0) applied = 0;
    if (applied > m->ev_count) applied = m->ev_count;
    int64_t lo = 0, hi = ix->ckpt_count;
    while (lo < hi) { /* the last checkpoint at or before applied */
        int64_t mid = lo + (hi - lo) / 2;
        if (ix->ckpts[mid].applied <= applied) lo = mid + 1;
        else hi = mid;
    }
    const viz_rq_ckpt *c = &ix->ckpts[lo - 1];
    int fresh = rq->local == NULL || rq->p_count != m->p_count;
    if (viz_rq_alloc(rq, m->p_count) != 0) return -1;
    /* Playing forward from the state we have beats a restore when it is closer. */
    if (fresh || rq->applied > applied || rq->applied < c->applied) {
        if (viz_rq_restore(ix, c, rq) != 0) return -1;
    }
    for (int64_t i = rq->applied; i < applied; i++) {
        if (viz_rq_apply(rq, ix, &m->ev[i]) != 0) return -1;
        rq->applied = i + 1;
    }
    return 0;
}
