/* viz/index.c: lanes, spans, arrows, stacks and decisions (see index.h).
 * The run-queue replay and its checkpoints are in state.c. */
#include "index.h"

#include <string.h>

/* ---- [SECTION] goroutine id -> lane --------------------------------------------- */

static uint32_t viz_gmap_hash(int32_t goid) {
    uint32_t h = (uint32_t)goid * 2654435761u;
    return h ^ (h >> 16);
}

int32_t viz_index_glane(const viz_index *ix, int64_t goid) {
    if (goid < 1 || goid > VIZ_G_ID_MAX) return -1;
    if (ix->gdirect != NULL) return goid <= ix->gdirect_max ? ix->gdirect[goid] : -1;
    if (ix->gmap_cap == 0) return -1;
    uint32_t mask = ix->gmap_cap - 1;
    for (uint32_t k = viz_gmap_hash((int32_t)goid) & mask, n = 0; n < ix->gmap_cap; n++, k = (k + 1) & mask) {
        if (ix->gmap[k] == 0) return -1;
        if (ix->gmap_keys[k] == goid) return ix->g_lane0 + ix->gmap[k] - 1;
    }
    return -1;
}

static int viz_cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Goroutine ids are dense (the runtime hands them out in batches of 16 per P): a bitmap
 * finds the distinct ones in order without sorting, up to this id. */
#define VIZ_GDIRECT_MAX (INT64_C(1) << 26)

static int32_t *viz_goids_bitmap(const viz_model *m, int64_t *count) {
    uint64_t words = (uint64_t)(m->g_max >> 6) + 1;
    uint64_t *bits = calloc(words, sizeof *bits);
    if (bits == NULL) return NULL;
    for (int64_t i = 0; i < m->ev_count; i++) {
        const viz_event *e = &m->ev[i];
        if (e->g >= 1) bits[e->g >> 6] |= 1ull << (e->g & 63);
        if (e->kind == VIZ_EV_GO_CREATE && e->g2 >= 1) bits[e->g2 >> 6] |= 1ull << (e->g2 & 63);
    }
    int64_t n = 0;
    for (uint64_t w = 0; w < words; w++) n += __builtin_popcountll(bits[w]);
    int32_t *ids = malloc(((size_t)n + 1) * sizeof *ids);
    if (ids != NULL) {
        int64_t k = 0;
        for (uint64_t w = 0; w < words; w++)
            for (uint64_t b = bits[w]; b != 0; b &= b - 1) ids[k++] = (int32_t)(w * 64 + (uint64_t)__builtin_ctzll(b));
    }
    free(bits);
    *count = n;
    return ids;
}

/* Every goroutine id that appears, sorted, deduplicated; then the id -> lane map. */
static int viz_index_goids(viz_index *ix) {
    const viz_model *m = ix->m;
    int64_t cap = 1024, n = 0;
    int32_t *ids = NULL;
    if (m->g_max < VIZ_GDIRECT_MAX) {
        ids = viz_goids_bitmap(m, &n);
        if (ids == NULL) return -1;
        goto have_ids;
    }
    ids = malloc((size_t)cap * sizeof *ids);
    if (ids == NULL) return -1;
    for (int64_t i = 0; i < m->ev_count; i++) {
        const viz_event *e = &m->ev[i];
        int32_t cand[2] = {e->g, e->kind == VIZ_EV_GO_CREATE ? e->g2 : -1};
        for (int k = 0; k < 2; k++) {
            if (cand[k] < 1) continue;
            if (n > 0 && ids[n - 1] == cand[k]) continue; /* cheap dedupe of runs */
            if (n == cap) {
                int32_t *nid = realloc(ids, (size_t)cap * 2 * sizeof *ids);
                if (nid == NULL) {
                    free(ids);
                    return -1;
                }
                ids = nid;
                cap *= 2;
            }
            ids[n++] = cand[k];
        }
    }
    qsort(ids, (size_t)n, sizeof *ids, viz_cmp_i32);
have_ids:;
    int64_t u = 0;
    for (int64_t i = 0; i < n; i++)
        if (u == 0 || ids[u - 1] != ids[i]) ids[u++] = ids[i];
    VIZ_ASSERT(u <= INT32_MAX / 2);
    ix->g_count = (int32_t)u;
    uint32_t hc = 16;
    while (hc < (uint32_t)u * 2 + 2) hc *= 2;
    ix->gmap = calloc(hc, sizeof *ix->gmap);
    ix->gmap_keys = calloc(hc, sizeof *ix->gmap_keys);
    ix->gmap_cap = hc;
    int32_t lane_total = m->p_count + m->m_count + (int32_t)u;
    ix->lanes = calloc((size_t)lane_total, sizeof *ix->lanes);
    if (ix->gmap == NULL || ix->gmap_keys == NULL || ix->lanes == NULL) {
        free(ids);
        return -1;
    }
    ix->lane_count = lane_total;
    ix->p_lane0 = 0;
    ix->m_lane0 = m->p_count;
    ix->g_lane0 = m->p_count + m->m_count;
    for (int32_t i = 0; i < lane_total; i++) {
        viz_lane *l = &ix->lanes[i];
        l->kind = i < ix->m_lane0 ? VIZ_LANE_P : i < ix->g_lane0 ? VIZ_LANE_M : VIZ_LANE_G;
        l->id = l->kind == VIZ_LANE_P ? i : l->kind == VIZ_LANE_M ? i - ix->m_lane0 : ids[i - ix->g_lane0];
        l->create_ev = l->destroy_ev = l->leak_ev = -1;
    }
    if (m->g_max < VIZ_GDIRECT_MAX && m->g_max <= 4 * u + 1024) { /* dense: a direct array */
        ix->gdirect_max = m->g_max;
        ix->gdirect = malloc(((size_t)m->g_max + 1) * sizeof *ix->gdirect);
        if (ix->gdirect == NULL) {
            free(ids);
            return -1;
        }
        memset(ix->gdirect, 0xff, ((size_t)m->g_max + 1) * sizeof *ix->gdirect);
        for (int32_t i = 0; i < (int32_t)u; i++) ix->gdirect[ids[i]] = ix->g_lane0 + i;
    }
    for (int32_t i = 0; i < (int32_t)u; i++) {
        uint32_t k = viz_gmap_hash(ids[i]) & (hc - 1);
        while (ix->gmap[k] != 0) k = (k + 1) & (hc - 1);
        ix->gmap[k] = i + 1;
        ix->gmap_keys[k] = ids[i];
    }
    free(ids);
    return 0;
}

/* ---- [SECTION] span building ------------------------------------------------------ */

typedef struct viz_open {
    int64_t t0_ns;
    int32_t g;
    uint32_t label, ev;
    uint8_t state;
    int16_t p;
} viz_open;

typedef struct viz_builder {
    viz_index *ix;
    viz_open *open;           /* per lane */
    viz_span *tmp;            /* spans in time order, lane in tmp_lane */
    int32_t *tmp_lane;
    int64_t tmp_count, tmp_cap;
    int32_t *p_curg, *p_m;    /* per P */
    uint8_t *p_sys;
    int32_t *m_curg, *m_p;    /* per M */
    uint8_t *m_spin, *m_sys, *m_poll;
    int64_t *m_wake;          /* per M: MStart's runs_at while it is still ahead, -1 */
    uint32_t *m_wake_ev;      /* per M: that MStart */
    int32_t *pend;            /* Ms with a runs_at ahead (few) */
    int32_t pend_n, pend_cap;
    int32_t *g_p, *g_m;       /* per G (lane - g_lane0) */
    int32_t *g_top;           /* per G: top frame row */
    int64_t *fev_fill, *cev_fill, *gsev_fill;
    int64_t arrow_cap;
} viz_builder;

static int viz_emit(viz_builder *b, int32_t lane, const viz_open *o, int64_t t1) {
    if (t1 == o->t0_ns && o->state != VIZ_S_RUNNING) return 0; /* empty: nothing to see or hit */
    if (b->tmp_count == b->tmp_cap) {
        int64_t cap = b->tmp_cap ? b->tmp_cap * 2 : 4096;
        viz_span *s = realloc(b->tmp, (size_t)cap * sizeof *s);
        if (s == NULL) return -1;
        b->tmp = s;
        int32_t *l = realloc(b->tmp_lane, (size_t)cap * sizeof *l);
        if (l == NULL) return -1;
        b->tmp_lane = l;
        b->tmp_cap = cap;
    }
    viz_span *s = &b->tmp[b->tmp_count];
    s->t0_ns = o->t0_ns;
    s->t1_ns = t1;
    s->g = o->g;
    s->label = o->label;
    s->ev = o->ev;
    s->state = o->state;
    s->pad = 0;
    s->p = o->p;
    b->tmp_lane[b->tmp_count++] = lane;
    return 0;
}

/* The lane's state becomes (state, g, label, p) at t: closes the open span if different. */
static int viz_set(viz_builder *b, int32_t lane, int64_t t, uint8_t state, int32_t g, uint32_t label, int16_t p,
                   uint32_t ev) {
    VIZ_ASSERT(lane >= 0 && lane < b->ix->lane_count);
    viz_open *o = &b->open[lane];
    if (o->state == state && o->g == g && o->label == label && o->p == p) return 0;
    if (o->state != VIZ_S_NONE && viz_emit(b, lane, o, t) != 0) return -1;
    o->state = state;
    o->g = g;
    o->label = label;
    o->p = p;
    o->t0_ns = t;
    o->ev = ev;
    return 0;
}

static int viz_update_p(viz_builder *b, int32_t p, int64_t t, uint32_t ev) {
    if (p < 0 || p >= b->ix->m->p_count) return 0;
    uint8_t st = b->p_curg[p] >= 0 ? (b->p_sys[p] ? VIZ_S_SYSCALL : VIZ_S_RUNNING)
                                   : b->p_m[p] >= 0 ? VIZ_S_HELD : VIZ_S_NONE;
    return viz_set(b, b->ix->p_lane0 + p, t, st, b->p_curg[p], 0, (int16_t)p, ev);
}

static int viz_update_m(viz_builder *b, int32_t m, int64_t t, uint32_t ev) {
    if (m < 0 || m >= b->ix->m->m_count) return 0;
    uint8_t st = b->m_curg[m] >= 0 ? (b->m_sys[m] ? VIZ_S_SYSCALL : VIZ_S_RUNNING)
                 : b->m_wake[m] > t ? VIZ_S_WAKING /* started, but the OS has not run it yet */
                 : b->m_spin[m]     ? VIZ_S_SPINNING
                 : b->m_p[m] >= 0   ? VIZ_S_SCHED
                 : b->m_poll[m]     ? VIZ_S_POLL
                                    : VIZ_S_NONE;
    return viz_set(b, b->ix->m_lane0 + m, t, st, b->m_curg[m], 0, (int16_t)b->m_p[m], ev);
}

/* Ms whose runs_at has come by t (before the events at t): waking ends then. */
static int viz_wake_due(viz_builder *b, int64_t t) {
    for (int32_t j = 0; j < b->pend_n;) {
        int32_t m = b->pend[j];
        int64_t w = b->m_wake[m];
        if (w >= 0 && w > t) {
            j++;
            continue;
        }
        b->pend[j] = b->pend[--b->pend_n];
        if (w < 0) continue; /* stopped before it ran */
        b->m_wake[m] = -1;
        if (viz_update_m(b, m, w, b->m_wake_ev[m]) != 0) return -1;
    }
    return 0;
}

static int viz_wake_at(viz_builder *b, int32_t m, int64_t runs_at, int64_t t, uint32_t ev) {
    int was = b->m_wake[m] >= 0;
    b->m_wake[m] = runs_at > t ? runs_at : -1;
    b->m_wake_ev[m] = ev;
    if (b->m_wake[m] < 0 || was) return 0;
    if (b->pend_n == b->pend_cap) {
        int32_t cap = b->pend_cap ? b->pend_cap * 2 : 16;
        int32_t *n = realloc(b->pend, (size_t)cap * sizeof *n);
        if (n == NULL) return -1;
        b->pend = n;
        b->pend_cap = cap;
    }
    b->pend[b->pend_n++] = m;
    return 0;
}

/* The G (dense index k) leaves its P and M. */
static int viz_release(viz_builder *b, int32_t k, int32_t goid, int64_t t, uint32_t ev) {
    int32_t p = b->g_p[k], m = b->g_m[k];
    b->g_p[k] = b->g_m[k] = -1;
    if (p >= 0 && b->p_curg[p] == goid) {
        b->p_curg[p] = -1;
        b->p_sys[p] = 0;
        if (viz_update_p(b, p, t, ev) != 0) return -1;
    }
    if (m >= 0 && b->m_curg[m] == goid) {
        b->m_curg[m] = -1;
        b->m_sys[m] = 0;
        if (viz_update_m(b, m, t, ev) != 0) return -1;
    }
    return 0;
}

static int viz_add_arrow(viz_builder *b, const viz_event *e, uint32_t i, int32_t from, int32_t to, uint8_t kind) {
    viz_index *ix = b->ix;
    if (from < 1 || to < 1 || from == to) return 0;
    if (ix->arrow_count == b->arrow_cap) {
        int64_t cap = b->arrow_cap ? b->arrow_cap * 2 : 1024;
        viz_arrow *a = realloc(ix->arrows, (size_t)cap * sizeof *a);
        if (a == NULL) return -1;
        ix->arrows = a;
        b->arrow_cap = cap;
    }
    viz_arrow *a = &ix->arrows[ix->arrow_count++];
    a->t_ns = e->t_ns;
    a->from_g = from;
    a->to_g = to;
    a->ev = i;
    a->kind = kind;
    return 0;
}

static int viz_is_frame_event(const viz_event *e) {
    return e->kind == VIZ_EV_FRAME_ENTER || e->kind == VIZ_EV_FRAME_EXIT || e->kind == VIZ_EV_GO_DESTROY;
}

static int viz_is_copy_event(const viz_event *e) {
    return e->kind == VIZ_EV_ARG_COPY || e->kind == VIZ_EV_VALUE_COPY;
}

int viz_is_decision(const viz_event *e) {
    return e->kind == VIZ_EV_DECISION || e->kind == VIZ_EV_GO_START || e->kind == VIZ_EV_RUNQ_STEAL;
}

/* Counting pass: frame events and copies per G, decisions; allocates the CSR arrays. */
/* The goroutine whose state event e changes (see viz_index.gsev), or -1. */
static int32_t viz_gstate_goid(const viz_event *e) {
    switch ((viz_kind)e->kind) {
    case VIZ_EV_GO_CREATE: return e->g2;
    case VIZ_EV_GO_START:
    case VIZ_EV_GO_STOP:
    case VIZ_EV_GO_BLOCK:
    case VIZ_EV_GO_UNBLOCK:
    case VIZ_EV_GO_DESTROY:
    case VIZ_EV_GO_SYSCALL_BEGIN:
    case VIZ_EV_GO_SYSCALL_END:
    case VIZ_EV_GO_SYSCALL_END_BLOCKED: return e->g;
    default: return -1;
    }
}

static int viz_index_count(viz_index *ix) {
    const viz_model *m = ix->m;
    int64_t n = ix->g_count;
    ix->fev_off = calloc((size_t)n + 1, sizeof *ix->fev_off);
    ix->cev_off = calloc((size_t)n + 1, sizeof *ix->cev_off);
    ix->gsev_off = calloc((size_t)n + 1, sizeof *ix->gsev_off);
    if (ix->fev_off == NULL || ix->cev_off == NULL || ix->gsev_off == NULL) return -1;
    int64_t decisions = 0;
    for (int64_t i = 0; i < m->ev_count; i++) {
        const viz_event *e = &m->ev[i];
        if (viz_is_decision(e)) decisions++;
        int32_t sg = viz_gstate_goid(e);
        if (sg >= 1) {
            int32_t l = viz_index_glane(ix, sg);
            if (l >= 0) ix->gsev_off[l - ix->g_lane0 + 1]++;
        }
        if (viz_is_frame_event(e)) {
            int32_t l = viz_index_glane(ix, e->g);
            if (l >= 0) ix->fev_off[l - ix->g_lane0 + 1]++;
        } else if (viz_is_copy_event(e)) {
            const viz_copy *c = &m->copies[e->aux];
            int32_t a = viz_index_glane(ix, c->src_g), d = viz_index_glane(ix, c->dst_g);
            if (a >= 0) ix->cev_off[a - ix->g_lane0 + 1]++;
            if (d >= 0 && d != a) ix->cev_off[d - ix->g_lane0 + 1]++;
        }
    }
    for (int64_t k = 0; k < n; k++) {
        ix->fev_off[k + 1] += ix->fev_off[k];
        ix->cev_off[k + 1] += ix->cev_off[k];
        ix->gsev_off[k + 1] += ix->gsev_off[k];
    }
    ix->gsev = malloc((size_t)(ix->gsev_off[n] + 1) * sizeof *ix->gsev);
    if (ix->gsev == NULL) return -1;
    ix->fev = malloc((size_t)(ix->fev_off[n] + 1) * sizeof *ix->fev);
    ix->fev_top = malloc((size_t)(ix->fev_off[n] + 1) * sizeof *ix->fev_top);
    ix->cev = malloc((size_t)(ix->cev_off[n] + 1) * sizeof *ix->cev);
    ix->frame_below = malloc((size_t)(m->frame_count + 1) * sizeof *ix->frame_below);
    ix->decisions = malloc((size_t)(decisions + 1) * sizeof *ix->decisions);
    if (!ix->fev || !ix->fev_top || !ix->cev || !ix->frame_below || !ix->decisions) return -1;
    return 0;
}

static int viz_index_g_event(viz_builder *b, const viz_event *e, uint32_t i) {
    viz_index *ix = b->ix;
    int32_t gl = viz_index_glane(ix, e->g);
    int32_t k = gl >= 0 ? gl - ix->g_lane0 : -1;
    switch ((viz_kind)e->kind) {
    case VIZ_EV_GO_CREATE: {
        int32_t cl = viz_index_glane(ix, e->g2);
        VIZ_ASSERT(cl >= 0);
        viz_lane *l = &ix->lanes[cl];
        if (l->create_ev < 0) {
            l->create_ev = i;
            l->fn = ix->m->creates[e->aux].fn;
            l->parent = e->g > 0 ? e->g : 0;
        }
        if (viz_set(b, cl, e->t_ns, VIZ_S_RUNNABLE, e->g2, 0, -1, i) != 0) return -1;
        return viz_add_arrow(b, e, i, e->g, e->g2, VIZ_ARROW_CREATE);
    }
    case VIZ_EV_GO_START:
        if (k < 0) return 0;
        if (b->g_p[k] >= 0 || b->g_m[k] >= 0) {
            if (viz_release(b, k, e->g, e->t_ns, i) != 0) return -1;
        }
        b->g_p[k] = e->p;
        b->g_m[k] = e->m;
        if (e->p >= 0) b->p_curg[e->p] = e->g;
        if (e->m >= 0) {
            b->m_curg[e->m] = e->g;
            b->m_poll[e->m] = 0;
        }
        if (viz_update_p(b, e->p, e->t_ns, i) != 0 || viz_update_m(b, e->m, e->t_ns, i) != 0) return -1;
        return viz_set(b, gl, e->t_ns, VIZ_S_RUNNING, e->g, 0, e->p, i);
    case VIZ_EV_GO_STOP:
    case VIZ_EV_GO_BLOCK:
    case VIZ_EV_GO_DESTROY:
        if (k < 0) return 0;
        if (e->kind == VIZ_EV_GO_DESTROY) ix->lanes[gl].destroy_ev = i;
        if (viz_release(b, k, e->g, e->t_ns, i) != 0) return -1;
        return viz_set(b, gl, e->t_ns,
                       e->kind == VIZ_EV_GO_STOP ? VIZ_S_RUNNABLE : e->kind == VIZ_EV_GO_BLOCK ? VIZ_S_WAITING
                                                                                              : VIZ_S_NONE,
                       e->g, e->kind == VIZ_EV_GO_DESTROY ? 0 : e->aux, -1, i);
    case VIZ_EV_GO_UNBLOCK:
        if (k < 0) return 0;
        if (viz_set(b, gl, e->t_ns, VIZ_S_RUNNABLE, e->g, 0, -1, i) != 0) return -1;
        return viz_add_arrow(b, e, i, e->g2, e->g, VIZ_ARROW_UNBLOCK);
    case VIZ_EV_GO_LEAK:
        if (k >= 0 && ix->lanes[gl].leak_ev < 0) ix->lanes[gl].leak_ev = i;
        return 0;
    case VIZ_EV_GO_SYSCALL_BEGIN: {
        if (k < 0) return 0;
        int32_t p = b->g_p[k] >= 0 ? b->g_p[k] : e->p, m = b->g_m[k] >= 0 ? b->g_m[k] : e->m;
        if (p >= 0 && p < ix->m->p_count && b->p_curg[p] == e->g) b->p_sys[p] = 1;
        if (m >= 0 && m < ix->m->m_count && b->m_curg[m] == e->g) b->m_sys[m] = 1;
        if (viz_update_p(b, p, e->t_ns, i) != 0 || viz_update_m(b, m, e->t_ns, i) != 0) return -1;
        return viz_set(b, gl, e->t_ns, VIZ_S_SYSCALL, e->g, 0, (int16_t)p, i);
    }
    case VIZ_EV_GO_SYSCALL_END: {
        if (k < 0) return 0;
        /* exitsyscall may come back on another P (its own was retaken): the event's. */
        int32_t p = b->g_p[k], m = b->g_m[k];
        if (p >= 0) b->p_sys[p] = 0;
        if (m >= 0) b->m_sys[m] = 0;
        if (e->p >= 0 && e->p < ix->m->p_count && e->p != p) {
            if (viz_release(b, k, e->g, e->t_ns, i) != 0) return -1;
            p = b->g_p[k] = e->p;
            b->p_curg[p] = e->g;
            if (m >= 0) {
                b->g_m[k] = m;
                b->m_curg[m] = e->g;
            }
        }
        if (viz_update_p(b, p, e->t_ns, i) != 0 || viz_update_m(b, m, e->t_ns, i) != 0) return -1;
        return viz_set(b, gl, e->t_ns, VIZ_S_RUNNING, e->g, 0, (int16_t)p, i);
    }
    case VIZ_EV_GO_SYSCALL_END_BLOCKED:
        if (k < 0) return 0;
        if (viz_release(b, k, e->g, e->t_ns, i) != 0) return -1;
        return viz_set(b, gl, e->t_ns, VIZ_S_RUNNABLE, e->g, 0, -1, i);
    default: return 0;
    }
}

static int viz_index_pm_event(viz_builder *b, const viz_event *e, uint32_t i) {
    const viz_model *m = b->ix->m;
    int32_t p = e->p, mm = e->m;
    int pok = p >= 0 && p < m->p_count, mok = mm >= 0 && mm < m->m_count;
    switch ((viz_kind)e->kind) {
    case VIZ_EV_PROC_START:
        if (pok) b->p_m[p] = mm;
        if (mok) {
            b->m_p[mm] = p;
            b->m_poll[mm] = 0;
        }
        break;
    case VIZ_EV_PROC_STOP:
        if (pok) {
            b->p_m[p] = -1;
            b->p_curg[p] = -1;
            b->p_sys[p] = 0;
        }
        if (mok && b->m_p[mm] == p) b->m_p[mm] = -1;
        if (mok) b->m_poll[mm] = 0;
        break;
    case VIZ_EV_M_START:
        if (mok) {
            b->m_spin[mm] = (e->sub & VIZ_F_SPINNING) != 0;
            b->m_poll[mm] = 0;
            if (viz_wake_at(b, mm, e->x, e->t_ns, i) != 0) return -1;
            /* sysmon: the M started without a P for it (runtime.main's newm(sysmon)) */
            if (p < 0 && e->why && strstr(viz_str(m, e->why), "sysmon") != NULL)
                b->ix->lanes[b->ix->m_lane0 + mm].sysmon = 1;
        }
        break;
    case VIZ_EV_M_STOP:
    case VIZ_EV_M_EXIT:
        if (mok) {
            b->m_spin[mm] = b->m_sys[mm] = b->m_poll[mm] = 0;
            b->m_p[mm] = b->m_curg[mm] = -1;
            b->m_wake[mm] = -1;
        }
        break;
    case VIZ_EV_M_SPIN:
        if (mok) {
            b->m_spin[mm] = (e->sub & VIZ_F_SPINNING) != 0;
            b->m_poll[mm] = 0;
        }
        break;
    case VIZ_EV_M_POLL: /* findRunnable released the P first: blocked until a timer or I/O */
        if (mok) {
            b->m_poll[mm] = 1;
            b->m_spin[mm] = 0;
        }
        return viz_update_m(b, mok ? mm : -1, e->t_ns, i);
    case VIZ_EV_SYSMON:
        if (mok) b->ix->lanes[b->ix->m_lane0 + mm].sysmon = 1;
        return 0;
    case VIZ_EV_PROC_STEAL: /* retake: sysmon lets the P go; handoffp: the P goes idle */
    case VIZ_EV_PROC_IDLE:
        if (e->kind == VIZ_EV_PROC_STEAL && mok) b->ix->lanes[b->ix->m_lane0 + mm].sysmon = 1;
        if (!pok) return 0;
        if (b->p_curg[p] >= 0) {
            int32_t gl = viz_index_glane(b->ix, b->p_curg[p]);
            if (gl >= 0 && b->g_p[gl - b->ix->g_lane0] == p) b->g_p[gl - b->ix->g_lane0] = -1;
        }
        b->p_curg[p] = b->p_m[p] = -1;
        b->p_sys[p] = 0;
        return viz_update_p(b, p, e->t_ns, i);
    default: return 0;
    }
    if (viz_update_p(b, pok ? p : -1, e->t_ns, i) != 0) return -1;
    return viz_update_m(b, mok ? mm : -1, e->t_ns, i);
}

static void viz_index_frames(viz_builder *b, const viz_event *e, uint32_t i) {
    viz_index *ix = b->ix;
    if (viz_is_frame_event(e)) {
        int32_t gl = viz_index_glane(ix, e->g);
        if (gl < 0) return;
        int32_t k = gl - ix->g_lane0;
        int32_t top = b->g_top[k];
        if (e->kind == VIZ_EV_FRAME_ENTER) {
            ix->frame_below[e->aux] = top;
            top = (int32_t)e->aux;
        } else if (e->kind == VIZ_EV_FRAME_EXIT) {
            if (top >= 0) top = ix->frame_below[top];
        } else {
            top = -1; /* GoDestroy: whatever was left is gone */
        }
        b->g_top[k] = top;
        int64_t at = b->fev_fill[k]++;
        VIZ_ASSERT(at < ix->fev_off[k + 1]);
        ix->fev[at] = i;
        ix->fev_top[at] = top;
    } else if (viz_is_copy_event(e)) {
        const viz_copy *c = &ix->m->copies[e->aux];
        int32_t a = viz_index_glane(ix, c->src_g), d = viz_index_glane(ix, c->dst_g);
        if (a >= 0) ix->cev[b->cev_fill[a - ix->g_lane0]++] = i;
        if (d >= 0 && d != a) ix->cev[b->cev_fill[d - ix->g_lane0]++] = i;
    }
}

/* Stable counting sort of the spans by lane. */
static int viz_index_place_spans(viz_builder *b) {
    viz_index *ix = b->ix;
    ix->spans = malloc((size_t)(b->tmp_count + 1) * sizeof *ix->spans);
    if (ix->spans == NULL) return -1;
    for (int64_t s = 0; s < b->tmp_count; s++) ix->lanes[b->tmp_lane[s]].span_count++;
    int64_t off = 0;
    for (int32_t l = 0; l < ix->lane_count; l++) {
        ix->lanes[l].span_off = off;
        off += ix->lanes[l].span_count;
        ix->lanes[l].span_count = 0;
    }
    for (int64_t s = 0; s < b->tmp_count; s++) {
        viz_lane *l = &ix->lanes[b->tmp_lane[s]];
        ix->spans[l->span_off + l->span_count++] = b->tmp[s];
    }
    ix->span_count = b->tmp_count;
    return 0;
}

static void viz_builder_free(viz_builder *b) {
    free(b->open);
    free(b->tmp);
    free(b->tmp_lane);
    free(b->p_curg);
    free(b->p_m);
    free(b->p_sys);
    free(b->m_curg);
    free(b->m_p);
    free(b->m_spin);
    free(b->m_sys);
    free(b->m_poll);
    free(b->m_wake);
    free(b->m_wake_ev);
    free(b->pend);
    free(b->gsev_fill);
    free(b->g_p);
    free(b->g_m);
    free(b->g_top);
    free(b->fev_fill);
    free(b->cev_fill);
}

static int viz_builder_init(viz_builder *b, viz_index *ix) {
    memset(b, 0, sizeof *b);
    b->ix = ix;
    size_t np = (size_t)ix->m->p_count + 1, nm = (size_t)ix->m->m_count + 1, ng = (size_t)ix->g_count + 1;
    b->open = calloc((size_t)ix->lane_count + 1, sizeof *b->open);
    b->p_curg = malloc(np * sizeof(int32_t));
    b->p_m = malloc(np * sizeof(int32_t));
    b->p_sys = calloc(np, 1);
    b->m_curg = malloc(nm * sizeof(int32_t));
    b->m_p = malloc(nm * sizeof(int32_t));
    b->m_spin = calloc(nm, 1);
    b->m_sys = calloc(nm, 1);
    b->m_poll = calloc(nm, 1);
    b->m_wake = malloc(nm * sizeof(int64_t));
    b->m_wake_ev = calloc(nm, sizeof(uint32_t));
    b->gsev_fill = malloc(ng * sizeof(int64_t));
    b->g_p = malloc(ng * sizeof(int32_t));
    b->g_m = malloc(ng * sizeof(int32_t));
    b->g_top = malloc(ng * sizeof(int32_t));
    b->fev_fill = malloc(ng * sizeof(int64_t));
    b->cev_fill = malloc(ng * sizeof(int64_t));
    if (!b->open || !b->p_curg || !b->p_m || !b->p_sys || !b->m_curg || !b->m_p || !b->m_spin || !b->m_sys ||
        !b->g_p || !b->g_m || !b->g_top || !b->fev_fill || !b->cev_fill || !b->m_poll || !b->m_wake ||
        !b->m_wake_ev || !b->gsev_fill)
        return -1;
    memset(b->m_wake, 0xff, nm * sizeof(int64_t));
    memset(b->p_curg, 0xff, np * sizeof(int32_t));
    memset(b->p_m, 0xff, np * sizeof(int32_t));
    memset(b->m_curg, 0xff, nm * sizeof(int32_t));
    memset(b->m_p, 0xff, nm * sizeof(int32_t));
    memset(b->g_p, 0xff, ng * sizeof(int32_t));
    memset(b->g_m, 0xff, ng * sizeof(int32_t));
    memset(b->g_top, 0xff, ng * sizeof(int32_t));
    for (int32_t k = 0; k < ix->g_count; k++) {
        b->fev_fill[k] = ix->fev_off[k];
        b->cev_fill[k] = ix->cev_off[k];
        b->gsev_fill[k] = ix->gsev_off[k];
    }
    return 0;
}

int viz_rq_build_checkpoints(viz_index *ix); /* state.c */

int viz_index_build(viz_index *ix, const viz_model *m) {
    VIZ_ASSERT(ix != NULL && m != NULL);
    memset(ix, 0, sizeof *ix);
    ix->m = m;
    viz_builder b;
    memset(&b, 0, sizeof b);
    if (viz_index_goids(ix) != 0 || viz_index_count(ix) != 0 || viz_builder_init(&b, ix) != 0) goto fail;
    /* About one span per event: one allocation instead of a chain of doublings. */
    b.tmp_cap = m->ev_count + ix->lane_count + 16;
    b.tmp = malloc((size_t)b.tmp_cap * sizeof *b.tmp);
    b.tmp_lane = malloc((size_t)b.tmp_cap * sizeof *b.tmp_lane);
    if (b.tmp == NULL || b.tmp_lane == NULL) goto fail;
    for (int64_t i = 0; i < m->ev_count; i++) {
        const viz_event *e = &m->ev[i];
        uint32_t ii = (uint32_t)i;
        if (b.pend_n > 0 && viz_wake_due(&b, e->t_ns) != 0) goto fail;
        if (viz_is_decision(e)) ix->decisions[ix->decision_count++] = ii;
        int32_t sg = viz_gstate_goid(e);
        if (sg >= 1) {
            int32_t l = viz_index_glane(ix, sg);
            if (l >= 0) ix->gsev[b.gsev_fill[l - ix->g_lane0]++] = ii;
        }
        if (viz_index_pm_event(&b, e, ii) != 0 || viz_index_g_event(&b, e, ii) != 0) goto fail;
        if (viz_is_copy_event(e)) {
            const viz_copy *c = &m->copies[e->aux];
            if (viz_add_arrow(&b, e, ii, c->src_g, c->dst_g,
                              e->kind == VIZ_EV_ARG_COPY ? VIZ_ARROW_ARGCOPY : VIZ_ARROW_VALUECOPY) != 0)
                goto fail;
        }
        viz_index_frames(&b, e, ii);
    }
    int64_t t_end = m->t_end_ns;
    if (m->ev_count > 0 && m->ev[m->ev_count - 1].t_ns > t_end) t_end = m->ev[m->ev_count - 1].t_ns;
    if (b.pend_n > 0 && viz_wake_due(&b, t_end) != 0) goto fail;
    /* A state still open holds at the last instant too (spans are half-open): a G that
     * starts at the very end of a run (--max-events) has a span there. */
    for (int32_t l = 0; l < ix->lane_count; l++)
        if (b.open[l].state != VIZ_S_NONE && viz_emit(&b, l, &b.open[l], t_end + 1) != 0) goto fail;
    if (viz_index_place_spans(&b) != 0) goto fail;
    viz_builder_free(&b);
    if (viz_rq_build_checkpoints(ix) != 0) {
        viz_index_free(ix);
        return -1;
    }
    return 0;
fail:
    viz_builder_free(&b);
    viz_index_free(ix);
    return -1;
}

void viz_index_free(viz_index *ix) {
    free(ix->lanes);
    free(ix->spans);
    free(ix->arrows);
    free(ix->gmap);
    free(ix->gmap_keys);
    free(ix->gdirect);
    free(ix->fev_off);
    free(ix->fev);
    free(ix->fev_top);
    free(ix->frame_below);
    free(ix->cev_off);
    free(ix->cev);
    free(ix->gsev_off);
    free(ix->gsev);
    free(ix->decisions);
    free(ix->ckpts);
    free(ix->ckpt_data);
    memset(ix, 0, sizeof *ix);
}

/* ---- [SECTION] queries -------------------------------------------------------------- */

int64_t viz_span_first_after(const viz_index *ix, int32_t lane, int64_t t_ns) {
    VIZ_ASSERT(lane >= 0 && lane < ix->lane_count);
    const viz_lane *l = &ix->lanes[lane];
    int64_t lo = l->span_off, hi = l->span_off + l->span_count;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (ix->spans[mid].t1_ns <= t_ns) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int64_t viz_span_at(const viz_index *ix, int32_t lane, int64_t t_ns) {
    if (lane < 0 || lane >= ix->lane_count) return -1;
    const viz_lane *l = &ix->lanes[lane];
    int64_t s = viz_span_first_after(ix, lane, t_ns);
    if (s >= l->span_off + l->span_count) return -1;
    return ix->spans[s].t0_ns <= t_ns ? s : -1;
}

int viz_g_state_at(const viz_index *ix, int64_t goid, int64_t cur, viz_gnow *now) {
    viz_gnow tmp;
    if (now == NULL) now = &tmp;
    now->state = VIZ_S_NONE;
    now->p = -1;
    now->label = 0;
    now->ev = -1;
    int32_t gl = viz_index_glane(ix, goid);
    if (gl < 0 || cur < 0) return VIZ_G_UNBORN;
    int32_t k = gl - ix->g_lane0;
    int64_t lo = ix->gsev_off[k], hi = ix->gsev_off[k + 1];
    while (lo < hi) { /* the first state event after cur */
        int64_t mid = lo + (hi - lo) / 2;
        if ((int64_t)ix->gsev[mid] <= cur) lo = mid + 1;
        else hi = mid;
    }
    if (lo == ix->gsev_off[k]) return VIZ_G_UNBORN;
    const viz_event *e = &ix->m->ev[ix->gsev[lo - 1]];
    now->ev = ix->gsev[lo - 1];
    switch ((viz_kind)e->kind) {
    case VIZ_EV_GO_DESTROY: return VIZ_G_DEAD;
    case VIZ_EV_GO_START:
    case VIZ_EV_GO_SYSCALL_END:
        now->state = VIZ_S_RUNNING;
        now->p = e->p;
        break;
    case VIZ_EV_GO_SYSCALL_BEGIN:
        now->state = VIZ_S_SYSCALL;
        now->p = e->p;
        break;
    case VIZ_EV_GO_BLOCK:
        now->state = VIZ_S_WAITING;
        now->label = e->aux;
        break;
    case VIZ_EV_GO_STOP:
        now->state = VIZ_S_RUNNABLE;
        now->label = e->aux;
        break;
    default: now->state = VIZ_S_RUNNABLE; break; /* GoCreate, GoUnblock, GoSyscallEndBlocked */
    }
    return VIZ_G_ALIVE;
}

int32_t viz_stack_at(const viz_index *ix, int64_t goid, int64_t cur, int32_t *rows, int32_t max) {
    int32_t gl = viz_index_glane(ix, goid);
    if (gl < 0 || cur < 0) return 0;
    int32_t k = gl - ix->g_lane0;
    int64_t lo = ix->fev_off[k], hi = ix->fev_off[k + 1];
    while (lo < hi) { /* the first frame event after cur */
        int64_t mid = lo + (hi - lo) / 2;
        if ((int64_t)ix->fev[mid] <= cur) lo = mid + 1;
        else hi = mid;
    }
    if (lo == ix->fev_off[k]) return 0;
    int32_t top = ix->fev_top[lo - 1], depth = 0;
    for (int32_t bound = 0; top >= 0 && bound < (1 << 20); bound++) {
        if (depth < max) rows[depth] = top;
        depth++;
        top = ix->frame_below[top];
    }
    return depth < max ? depth : max;
}

int64_t viz_args_copy(const viz_index *ix, int64_t goid, int32_t frame_row, int64_t cur, int64_t *feeder) {
    const viz_model *m = ix->m;
    *feeder = -1;
    int32_t gl = viz_index_glane(ix, goid);
    if (gl < 0 || frame_row < 0 || frame_row >= m->frame_count) return -1;
    const viz_frame *f = &m->frames[frame_row];
    if (f->args_size == 0) return -1;
    int32_t k = gl - ix->g_lane0;
    int64_t found = -1;
    for (int64_t j = ix->cev_off[k + 1] - 1; j >= ix->cev_off[k]; j--) {
        uint32_t ei = ix->cev[j];
        if ((int64_t)ei > cur || m->ev[ei].kind != VIZ_EV_ARG_COPY) continue;
        const viz_copy *c = &m->copies[m->ev[ei].aux];
        if (c->dst_g != goid || c->dst_addr < f->args_addr || c->dst_addr >= f->args_addr + f->args_size) continue;
        if (strcmp(viz_str(m, c->dst_kind), "closure") == 0) continue;
        found = ei;
        break;
    }
    if (found < 0) return -1;
    const viz_copy *c = &m->copies[m->ev[found].aux];
    if (strcmp(viz_str(m, c->src_kind), "closure") != 0) return found;
    for (int64_t j = ix->cev_off[k + 1] - 1; j >= ix->cev_off[k]; j--) {
        uint32_t ei = ix->cev[j];
        if ((int64_t)ei >= found) continue;
        const viz_copy *c2 = &m->copies[m->ev[ei].aux];
        if (c2->dst_g == goid && c2->dst_addr == c->src_addr) {
            *feeder = ei;
            break;
        }
    }
    return found;
}

int64_t viz_event_at_time(const viz_model *m, int64_t t_ns) {
    int64_t lo = 0, hi = m->ev_count;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (m->ev[mid].t_ns <= t_ns) lo = mid + 1;
        else hi = mid;
    }
    return lo - 1;
}

int64_t viz_decision_step(const viz_index *ix, int64_t cur, int dir) {
    int64_t lo = 0, hi = ix->decision_count;
    while (lo < hi) { /* first decision > cur */
        int64_t mid = lo + (hi - lo) / 2;
        if ((int64_t)ix->decisions[mid] <= cur) lo = mid + 1;
        else hi = mid;
    }
    if (dir > 0) return lo < ix->decision_count ? (int64_t)ix->decisions[lo] : -1;
    int64_t k = lo - 1; /* last decision <= cur */
    if (k >= 0 && (int64_t)ix->decisions[k] == cur) k--;
    return k >= 0 ? (int64_t)ix->decisions[k] : -1;
}

void viz_g_name(const viz_index *ix, int64_t goid, char *buf, size_t size) {
    int32_t l = viz_index_glane(ix, goid);
    const char *fn = l >= 0 && ix->lanes[l].fn ? viz_str(ix->m, ix->lanes[l].fn) : "";
    if (*fn) snprintf(buf, size, "G%lld %s", (long long)goid, fn);
    else snprintf(buf, size, "G%lld", (long long)goid);
}
