/* sim/race.c: the data race detector; see race.h for what it checks and the edges.
 *
 * Models: the race runtime (runtime/race.go over ThreadSanitizer: tsan_rtl_access,
 * tsan_rtl_mutex, tsan_rtl_report) as Go links it. Differs: the shadow state is
 * FastTrack's (the last write and the unordered reads, up to SIM_RACE_READS_MAX of
 * them) instead of 4 cells that forget old accesses, there is no history size limit,
 * and a tid is never reused; channels of zero-size elements get per-slot clocks; the
 * reports carry basenames and lines, not paths and +0x offsets (docs/race.md).
 *
 * Vector clocks are sparse: sorted (tid, clock) pairs. A goroutine only holds entries
 * for the goroutines it has heard of through synchronisation, so a million short-lived
 * goroutines cost what the live ones do. A tid whose goroutine has finished (its G is
 * dead or reused) and that no shadow word names any more is retired: nothing can ever
 * compare against it again, so clocks drop its entry the next time they are copied or
 * merged.
 *
 * Costs: an access is O(readers * log n) with n the entries of the goroutine's clock;
 * a release is O(n); an acquire is O(m log n) when it only updates and appends (main
 * hearing of one more worker), O(n + m) otherwise. Fine for classroom scenarios and
 * for 100,000 goroutines signalling one channel; a scenario where every goroutine
 * hears of every other one pays O(live goroutines) per channel operation.
 */
#include "race.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "frame.h"
#include "run.h"
#include "timer.h"

/* ---- [SECTION] state ------------------------------------------------------------- */

/* Concurrent reads remembered per address (FastTrack keeps them all, ThreadSanitizer 4
 * shadow cells): beyond this many unordered readers the oldest read is forgotten, and a
 * later write racing only with it goes unreported. A thousand goroutines sending on one
 * channel are a thousand concurrent reads of it; keeping them all costs O(readers) per
 * send and keeps every finished sender's clock entry alive. */
enum { SIM_RACE_READS_MAX = 64 };

typedef struct sim_race_ve {   /* a vector clock entry */
    uint32_t tid;
    uint32_t clock;
} sim_race_ve;

typedef struct sim_race_vc {   /* sorted by tid; an absent tid has clock 0 */
    sim_race_ve *e;
    uint32_t n, cap;
} sim_race_vc;

typedef struct sim_race_thread { /* a goroutine lifetime (ThreadSanitizer's thread) */
    int64_t goid;
    int32_t g;                   /* allg index */
    int32_t create_stack;        /* where the go statement was; -1: main */
    int32_t refs;                /* shadow epochs that name this tid */
    uint8_t dead;                /* the goroutine finished (its G was reused) */
    uint8_t retired;             /* dead and unnamed: dropped from every clock */
} sim_race_thread;

typedef struct sim_race_gstate { /* per allg index: its current goroutine's clock */
    uint32_t tid;                /* 0: none yet */
    uint32_t clock;              /* own epoch, also in vc */
    int32_t ignore_sync;         /* race.Disable depth */
    sim_race_vc vc;
} sim_race_gstate;

typedef struct sim_race_acc {    /* an access kept in shadow state: epoch and where */
    uint32_t tid, clock;         /* tid 0: none */
    int32_t stack;
} sim_race_acc;

typedef struct sim_race_shadow { /* FastTrack's state for one address */
    uint64_t addr;
    const char *name;            /* the variable's name, or a runtime object's */
    sim_race_acc w;              /* the last write */
    sim_race_acc *r;             /* the reads, none ordered before another */
    uint32_t rn, rcap;
    uint8_t reported;            /* suppress_equal_addresses */
} sim_race_shadow;

typedef struct sim_race_sync {   /* a SyncVar: the clock at an address */
    uint64_t addr;
    sim_race_vc vc;
} sim_race_sync;

typedef struct sim_race_frame {
    const char *fn, *file;       /* file as __FILE__ gave it: basename when shown */
    int32_t line;
} sim_race_frame;

typedef struct sim_race_stack {  /* frames[start .. start+count), innermost first */
    uint32_t start, count;
    uint64_t hash;
} sim_race_stack;

typedef struct sim_race_map {    /* open addressing, uint64 key (0: empty) -> int32 */
    uint64_t *keys;
    int32_t *vals;
    uint32_t cap, n;             /* cap a power of two, n <= cap/2 */
} sim_race_map;

typedef struct sim_race_chan {   /* message counters: message k uses slot k mod cap */
    uint64_t nsend, nrecv;
    uint8_t seen;
} sim_race_chan;

static struct sim_race {
    int on;                    /* the detector runs (--race / gmp_options.race) */
    sim_sched *s;                /* the run */
    sim_race_thread *threads;    /* by tid; tid 0 unused */
    uint32_t thread_count, thread_cap;
    sim_race_gstate *gs;
    int32_t gs_cap;
    sim_race_shadow *shadows;
    int32_t shadow_count, shadow_cap;
    sim_race_map shadow_map;
    sim_race_sync *syncs;
    int32_t sync_count, sync_cap;
    sim_race_map sync_map;
    sim_race_frame *frames;
    uint32_t frame_count, frame_cap;
    sim_race_stack *stacks;
    int32_t stack_count, stack_cap;
    sim_race_map stack_map;      /* hash -> stack; equal hashes probe on */
    sim_race_chan *chans;        /* by hchan id */
    int32_t chan_cap;
    sim_race_vc *timer_ctx;      /* by P: p.timers.raceCtx */
    int32_t timer_ctx_count;
    int32_t *pending_func;       /* AfterFunc timers armed and not yet started */
    int32_t pending_count, pending_cap;
    uint64_t *pairs;             /* reported stack pairs (suppress_equal_stacks) */
    int32_t pair_count, pair_cap;
    sim_race_vc tmp, tmp2;       /* scratch for joins */
    sim_race_frame scratch[SIM_FRAMES_MAX + 1];
    FILE *out;                   /* the reports so far */
    char *text;
    size_t text_len;
    int64_t races;
} R;

static void *sim_race_grow(void *p, size_t elem_bytes, uint32_t *cap, uint32_t need) {
    if (need <= *cap) return p;
    uint32_t n = *cap ? *cap : 8;
    while (n < need) n *= 2;
    void *q = realloc(p, (size_t)n * elem_bytes);
    if (q == NULL) sim_throw("race: out of memory");
    *cap = n;
    return q;
}
#define SIM_RACE_GROW(ptr, capfield, need)                                                             \
    do {                                                                                               \
        uint32_t c_ = (uint32_t)(capfield);                                                            \
        (ptr) = sim_race_grow((ptr), sizeof *(ptr), &c_, (uint32_t)(need));                            \
        (capfield) = c_;                                                                               \
    } while (0)

/* ---- [SECTION] the address maps --------------------------------------------------- */

static uint32_t sim_race_slot(uint64_t key, uint32_t cap) {
    return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

static void sim_race_map_put(sim_race_map *m, uint64_t key, int32_t val);

static void sim_race_map_rehash(sim_race_map *m) {
    sim_race_map old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->n = 0;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = calloc(m->cap, sizeof *m->vals);
    if (m->keys == NULL || m->vals == NULL) sim_throw("race: out of memory");
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.keys[i] != 0) sim_race_map_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
}

/* Adds key -> val (a key may be added several times: the stack map's hashes). */
static void sim_race_map_put(sim_race_map *m, uint64_t key, int32_t val) {
    SIM_ASSERT(key != 0);
    if (2 * (m->n + 1) > m->cap) sim_race_map_rehash(m);
    uint32_t i = sim_race_slot(key, m->cap);
    while (m->keys[i] != 0) i = (i + 1) & (m->cap - 1);
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
}

static int32_t sim_race_map_get(const sim_race_map *m, uint64_t key) {
    if (m->cap == 0) return -1;
    for (uint32_t i = sim_race_slot(key, m->cap); m->keys[i] != 0; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == key) return m->vals[i];
    return -1;
}

static void sim_race_map_free(sim_race_map *m) {
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- [SECTION] vector clocks -------------------------------------------------------- */

/* A tid is retired when its goroutine has finished (its G is dead or runs another
 * goroutine now) and no shadow word names it: no access can ever be compared with it
 * again, so clocks drop it. Death is noticed here, lazily: newproc tells us only of
 * births. */
static bool sim_race_retired(uint32_t tid) {
    sim_race_thread *th = &R.threads[tid];
    if (th->retired) return true;
    if (!th->dead) {
        const sim_g *g = sim_g_at(R.s, th->g);
        if (g->status != SIM_GDEAD && R.gs[th->g].tid == tid) return false;
        th->dead = 1;
    }
    if (th->refs != 0) return false;
    th->retired = 1;
    return true;
}

static uint32_t sim_vc_find(const sim_race_vc *v, uint32_t tid) {
    uint32_t lo = 0, hi = v->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v->e[mid].tid < tid) lo = mid + 1;
        else hi = mid;
    }
    return lo; /* the first entry with e.tid >= tid */
}

static uint32_t sim_vc_get(const sim_race_vc *v, uint32_t tid) {
    uint32_t i = sim_vc_find(v, tid);
    return i < v->n && v->e[i].tid == tid ? v->e[i].clock : 0;
}

static void sim_vc_set(sim_race_vc *v, uint32_t tid, uint32_t clock) {
    uint32_t lo = sim_vc_find(v, tid);
    if (lo < v->n && v->e[lo].tid == tid) {
        v->e[lo].clock = clock;
        return;
    }
    SIM_RACE_GROW(v->e, v->cap, v->n + 1);
    memmove(&v->e[lo + 1], &v->e[lo], (size_t)(v->n - lo) * sizeof *v->e);
    v->e[lo] = (sim_race_ve){tid, clock};
    v->n++;
}

/* Drops the retired tids of v in place. */
static void sim_vc_compact(sim_race_vc *v) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < v->n; i++)
        if (!sim_race_retired(v->e[i].tid)) v->e[k++] = v->e[i];
    v->n = k;
}

/* dst = src; src loses its retired tids on the way (a clock that is copied often, the
 * parent's at each go statement, stays the size of what is live). */
static void sim_vc_copy(sim_race_vc *dst, sim_race_vc *src) {
    SIM_ASSERT(dst != src);
    sim_vc_compact(src);
    SIM_RACE_GROW(dst->e, dst->cap, src->n);
    if (src->n) memcpy(dst->e, src->e, (size_t)src->n * sizeof *src->e);
    dst->n = src->n;
}

/* dst = max(dst, src). A small src into a large dst (main hearing of one more worker)
 * updates in place and appends newer tids: O(|src| log |dst|). Otherwise a merge into
 * the scratch clock, without retired tids, copied back (or swapped in when dst must grow). */
static void sim_vc_join(sim_race_vc *dst, const sim_race_vc *src) {
    SIM_ASSERT(dst != src && dst != &R.tmp);
    if (src->n == 0) return;
    if ((uint64_t)src->n * 8 < dst->n) {
        uint32_t last = dst->n ? dst->e[dst->n - 1].tid : 0;
        bool inplace = true;
        for (uint32_t j = 0; inplace && j < src->n && src->e[j].tid <= last; j++) {
            uint32_t i = sim_vc_find(dst, src->e[j].tid);
            inplace = (i < dst->n && dst->e[i].tid == src->e[j].tid) || sim_race_retired(src->e[j].tid);
        }
        if (inplace) {
            SIM_RACE_GROW(dst->e, dst->cap, dst->n + src->n);
            for (uint32_t j = 0; j < src->n; j++) {
                sim_race_ve e = src->e[j];
                if (e.tid > last) {
                    if (!sim_race_retired(e.tid)) dst->e[dst->n++] = e;
                    continue;
                }
                uint32_t i = sim_vc_find(dst, e.tid);
                if (i < dst->n && dst->e[i].tid == e.tid && dst->e[i].clock < e.clock) dst->e[i].clock = e.clock;
            }
            return;
        }
    }
    SIM_RACE_GROW(R.tmp.e, R.tmp.cap, dst->n + src->n);
    uint32_t i = 0, j = 0, k = 0;
    while (i < dst->n || j < src->n) {
        sim_race_ve e;
        if (j == src->n || (i < dst->n && dst->e[i].tid < src->e[j].tid)) {
            e = dst->e[i++];
        } else if (i == dst->n || src->e[j].tid < dst->e[i].tid) {
            e = src->e[j++];
        } else {
            e = dst->e[i++];
            if (src->e[j].clock > e.clock) e.clock = src->e[j].clock;
            j++;
        }
        if (!sim_race_retired(e.tid)) R.tmp.e[k++] = e;
    }
    R.tmp.n = k;
    if (dst->cap >= k) { /* keep each clock's buffer its own size: no big scratch buffer moves into it */
        if (k) memcpy(dst->e, R.tmp.e, (size_t)k * sizeof *dst->e);
        dst->n = k;
        return;
    }
    sim_race_vc t = *dst;
    *dst = R.tmp;
    R.tmp = t;
}

/* ---- [SECTION] threads (goroutine lifetimes) ---------------------------------------- */

static void sim_race_maybe_retire(uint32_t tid) {
    sim_race_thread *th = &R.threads[tid];
    SIM_ASSERT(th->refs >= 0);
    if (th->dead && th->refs == 0) th->retired = 1;
}

static void sim_race_ref(uint32_t tid, int32_t delta) {
    if (tid == 0) return;
    R.threads[tid].refs += delta;
    if (delta < 0) sim_race_maybe_retire(tid);
}

static uint32_t sim_race_thread_new(const sim_g *g, int32_t create_stack) {
    SIM_RACE_GROW(R.threads, R.thread_cap, R.thread_count + 1);
    if (R.thread_count == 0) R.thread_count = 1; /* tid 0 means "none" */
    SIM_RACE_GROW(R.threads, R.thread_cap, R.thread_count + 1);
    uint32_t tid = R.thread_count++;
    R.threads[tid] = (sim_race_thread){.goid = g->goid, .g = g->index, .create_stack = create_stack};
    return tid;
}

/* The clock slot of allg[gi], which holds its current (or last) goroutine's clock. */
static sim_race_gstate *sim_race_gslot(sim_sched *s, int32_t gi) {
    SIM_ASSERT(gi >= 0 && gi < s->g_count);
    if (gi >= R.gs_cap) {
        int32_t old = R.gs_cap;
        SIM_RACE_GROW(R.gs, R.gs_cap, s->g_count);
        memset(&R.gs[old], 0, (size_t)(R.gs_cap - old) * sizeof *R.gs);
    }
    return &R.gs[gi];
}

static sim_race_gstate *sim_race_gstate_of(sim_sched *s, int32_t gi) {
    sim_race_gstate *gs = sim_race_gslot(s, gi);
    if (gs->tid == 0) { /* a goroutine newproc did not announce: no history */
        gs->tid = sim_race_thread_new(sim_g_at(s, gi), -1);
        gs->clock = 1;
        gs->vc.n = 0;
        sim_vc_set(&gs->vc, gs->tid, 1);
    }
    return gs;
}

/* The epoch moves on after a release, so that later accesses are not covered by it. */
static void sim_race_tick(sim_race_gstate *gs) {
    gs->clock++;
    SIM_ASSERT(gs->clock != 0);
    sim_vc_set(&gs->vc, gs->tid, gs->clock);
}

/* ---- [SECTION] sync objects ---------------------------------------------------------- */

static sim_race_sync *sim_race_sync_get(uint64_t addr, bool create) {
    int32_t i = sim_race_map_get(&R.sync_map, addr);
    if (i >= 0) return &R.syncs[i];
    if (!create) return NULL;
    SIM_RACE_GROW(R.syncs, R.sync_cap, R.sync_count + 1);
    i = R.sync_count++;
    R.syncs[i] = (sim_race_sync){.addr = addr};
    sim_race_map_put(&R.sync_map, addr, i);
    return &R.syncs[i];
}

/* The clock operations, on a clock (a goroutine's or a timer context's). */
static void sim_race_do_acquire(sim_race_vc *thr, uint64_t addr) {
    sim_race_sync *sy = sim_race_sync_get(addr, false);
    if (sy != NULL) sim_vc_join(thr, &sy->vc);
}

static void sim_race_do_release_store(sim_race_vc *thr, uint64_t addr) {
    sim_vc_copy(&sim_race_sync_get(addr, true)->vc, thr);
}

static void sim_race_do_release_merge(const sim_race_vc *thr, uint64_t addr) {
    sim_vc_join(&sim_race_sync_get(addr, true)->vc, thr);
}

/* __tsan_release_acquire (ReleaseStoreAcquire): the object gets thr's clock, thr joins
 * the object's old clock. */
static void sim_race_do_release_store_acquire(sim_race_vc *thr, uint64_t addr) {
    sim_race_sync *sy = sim_race_sync_get(addr, true);
    sim_vc_copy(&R.tmp2, &sy->vc);
    sim_vc_copy(&sy->vc, thr);
    sim_vc_join(thr, &R.tmp2);
}

void sim_race_acquire_g(sim_sched *s, int32_t gi, uint64_t addr) {
    if (!R.on) return; /* --race */
    sim_race_gstate *gs = sim_race_gstate_of(s, gi);
    if (gs->ignore_sync) return;
    sim_race_do_acquire(&gs->vc, addr);
}

void sim_race_release_g(sim_sched *s, int32_t gi, uint64_t addr) {
    if (!R.on) return; /* --race */
    sim_race_gstate *gs = sim_race_gstate_of(s, gi);
    if (gs->ignore_sync) return;
    sim_race_do_release_store(&gs->vc, addr);
    sim_race_tick(gs);
}

void sim_race_acquire(sim_sched *s, uint64_t addr) {
    if (!R.on) return; /* --race */
    SIM_ASSERT(s->curg >= 0);
    sim_race_acquire_g(s, s->curg, addr);
}

void sim_race_release(sim_sched *s, uint64_t addr) {
    if (!R.on) return; /* --race */
    SIM_ASSERT(s->curg >= 0);
    sim_race_release_g(s, s->curg, addr);
}

void sim_race_release_merge(sim_sched *s, uint64_t addr) {
    if (!R.on) return; /* --race */
    SIM_ASSERT(s->curg >= 0);
    sim_race_gstate *gs = sim_race_gstate_of(s, s->curg);
    if (gs->ignore_sync) return;
    sim_race_do_release_merge(&gs->vc, addr);
    sim_race_tick(gs);
}

void sim_race_disable(sim_sched *s) {
    if (!R.on) return; /* --race */
    SIM_ASSERT(s->curg >= 0);
    sim_race_gstate_of(s, s->curg)->ignore_sync++;
}

void sim_race_enable(sim_sched *s) {
    if (!R.on) return; /* --race */
    SIM_ASSERT(s->curg >= 0);
    sim_race_gstate *gs = sim_race_gstate_of(s, s->curg);
    SIM_ASSERT(gs->ignore_sync > 0);
    gs->ignore_sync--;
}

/* ---- [SECTION] stacks (the stack depot) ---------------------------------------------- */

static uint64_t sim_race_hash_str(uint64_t h, const char *p) {
    for (; p && *p; p++) h = (h ^ (unsigned char)*p) * SIM_FNV_PRIME;
    return (h ^ 0xff) * SIM_FNV_PRIME;
}

static bool sim_race_str_eq(const char *a, const char *b) {
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Interns frames[0..n) (innermost first); returns the stack's id. */
static int32_t sim_race_intern(const sim_race_frame *f, uint32_t n) {
    uint64_t h = SIM_FNV_OFFSET;
    for (uint32_t i = 0; i < n; i++) {
        h = sim_race_hash_str(h, f[i].fn);
        h = sim_race_hash_str(h, sim_basename(f[i].file));
        h = (h ^ (uint32_t)f[i].line) * SIM_FNV_PRIME;
    }
    if (h == 0) h = 1;
    const sim_race_map *m = &R.stack_map;
    for (uint32_t i = m->cap ? sim_race_slot(h, m->cap) : 0; m->cap && m->keys[i] != 0; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] != h) continue;
        const sim_race_stack *st = &R.stacks[m->vals[i]];
        bool eq = st->count == n;
        for (uint32_t k = 0; eq && k < n; k++) {
            const sim_race_frame *a = &R.frames[st->start + k];
            eq = a->line == f[k].line && sim_race_str_eq(a->fn, f[k].fn) &&
                 sim_race_str_eq(sim_basename(a->file), sim_basename(f[k].file));
        }
        if (eq) return m->vals[i];
    }
    SIM_RACE_GROW(R.frames, R.frame_cap, R.frame_count + n);
    if (n) memcpy(&R.frames[R.frame_count], f, (size_t)n * sizeof *f);
    SIM_RACE_GROW(R.stacks, R.stack_cap, R.stack_count + 1);
    int32_t id = R.stack_count++;
    R.stacks[id] = (sim_race_stack){R.frame_count, n, h};
    R.frame_count += n;
    sim_race_map_put(&R.stack_map, h, id);
    return id;
}

/* g's frames at their current lines, with an optional runtime frame on top. */
static int32_t sim_race_stack_of(const sim_g *g, const char *fn, const char *file, int line) {
    uint32_t n = 0;
    if (fn != NULL) R.scratch[n++] = (sim_race_frame){fn, file, line};
    for (int32_t i = g->frame_count - 1; i >= 0 && n < SIM_FRAMES_MAX + 1; i--)
        R.scratch[n++] = (sim_race_frame){g->frames[i].name, g->frames[i].file, g->frames[i].line};
    return sim_race_intern(R.scratch, n);
}

static void sim_race_print_stack(FILE *out, int32_t id) {
    const sim_race_stack *st = &R.stacks[id];
    for (uint32_t k = 0; k < st->count; k++) {
        const sim_race_frame *f = &R.frames[st->start + k];
        fprintf(out, "  %s()\n      %s:%d\n", f->fn, sim_basename(f->file), f->line);
    }
}

/* ---- [SECTION] goroutines ------------------------------------------------------------ */

static sim_race_vc *sim_race_timer_ctx(sim_sched *s) {
    SIM_ASSERT(s->curm >= 0);
    int32_t p = s->allm[s->curm].p;
    SIM_ASSERT(p >= 0 && p < R.timer_ctx_count);
    return &R.timer_ctx[p];
}

/* The AfterFunc timer that just fired: armed, not stopped, now out of every heap.
 * Timers fire one at a time, and each starts its goroutine at once, so there is one. */
static int32_t sim_race_fired_func(sim_sched *s) {
    for (int32_t i = 0; i < R.pending_count; i++) {
        int32_t ti = R.pending_func[i];
        if (sim_timer_at(s, ti)->p >= 0) continue;
        R.pending_func[i] = R.pending_func[--R.pending_count];
        return ti;
    }
    return -1;
}

void sim_race_go_create(sim_sched *s, const sim_g *parent, const sim_g *child) {
    if (!R.on) return; /* --race */
    SIM_ASSERT(child != NULL && child->index >= 0);
    SIM_ASSERT(parent == NULL || parent->index != child->index);
    if (parent != NULL) sim_race_gslot(s, parent->index);
    sim_race_gstate *gs = sim_race_gslot(s, child->index); /* may hold its previous goroutine's */
    if (gs->tid != 0) {
        R.threads[gs->tid].dead = 1;
        sim_race_maybe_retire(gs->tid);
    }
    gs->ignore_sync = 0;
    gs->vc.n = 0;
    int32_t create_stack = -1;
    if (parent != NULL) {
        create_stack = sim_race_stack_of(parent, NULL, NULL, 0);
        sim_race_gstate *ps = sim_race_gstate_of(s, parent->index);
        sim_vc_copy(&gs->vc, &ps->vc);
        sim_race_tick(ps);
    } else if (child->index != s->main_g) {
        sim_race_frame f = {child->created_by ? child->created_by : "runtime.newproc", child->created_file,
                            child->created_line};
        create_stack = sim_race_intern(&f, 1);
        sim_race_vc *ctx = sim_race_timer_ctx(s);
        int32_t ti = sim_race_fired_func(s);
        if (ti >= 0) sim_race_do_acquire(ctx, sim_timer_at(s, ti)->addr);
        sim_vc_copy(&gs->vc, ctx);
    }
    gs->tid = sim_race_thread_new(child, create_stack);
    gs->clock = 1;
    sim_vc_set(&gs->vc, gs->tid, 1);
}

/* ---- [SECTION] reports ---------------------------------------------------------------- */

static bool sim_race_thread_finished(sim_sched *s, uint32_t tid) {
    const sim_race_thread *th = &R.threads[tid];
    if (th->dead) return true;
    return R.gs[th->g].tid != tid || sim_g_at(s, th->g)->status == SIM_GDEAD;
}

static void sim_race_print_who(FILE *out, uint32_t tid) {
    if (R.threads[tid].goid == 1) fprintf(out, "main goroutine:\n");
    else fprintf(out, "goroutine %lld:\n", (long long)R.threads[tid].goid);
}

static void sim_race_print_created(sim_sched *s, FILE *out, uint32_t tid) {
    const sim_race_thread *th = &R.threads[tid];
    if (th->create_stack < 0) return; /* the main goroutine: no creation block */
    fprintf(out, "\nGoroutine %lld (%s) created at:\n", (long long)th->goid,
            sim_race_thread_finished(s, tid) ? "finished" : "running");
    sim_race_print_stack(out, th->create_stack);
}

/* suppress_equal_stacks: a pair of stacks is reported once, in either order. */
static bool sim_race_pair_seen(int32_t a, int32_t b) {
    uint64_t key = a < b ? ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) : ((uint64_t)(uint32_t)b << 32 | (uint32_t)a);
    for (int32_t i = 0; i < R.pair_count; i++)
        if (R.pairs[i] == key) return true;
    SIM_RACE_GROW(R.pairs, R.pair_cap, R.pair_count + 1);
    R.pairs[R.pair_count++] = key;
    return false;
}

static void sim_race_event(sim_sched *s, const sim_race_shadow *sh, bool is_write, const sim_g *g,
                           const sim_race_acc *prev, bool prev_write) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "Race");
    if (o == NULL) return;
    sim_trace_add_int(o, "g", g->goid);
    sim_trace_add_addr(o, "addr", sh->addr);
    cJSON_AddStringToObject(o, "var", sh->name ? sh->name : "");
    cJSON_AddStringToObject(o, "access", is_write ? "write" : "read");
    sim_trace_add_int(o, "prev_g", R.threads[prev->tid].goid);
    cJSON_AddStringToObject(o, "prev_access", prev_write ? "write" : "read");
    sim_trace_add_int(o, "count", R.races);
    sim_trace_emit(&s->trace, o);
}

/* Models: ThreadSanitizer's ReportRace as Go prints it. */
static void sim_race_report(sim_sched *s, sim_race_shadow *sh, bool is_write, int32_t stack, uint32_t tid,
                            const sim_race_acc *prev, bool prev_write) {
    SIM_ASSERT(prev->tid != 0 && prev->tid != tid);
    if (sh->reported) return;                           /* suppress_equal_addresses */
    if (sim_race_pair_seen(stack, prev->stack)) return; /* suppress_equal_stacks */
    sh->reported = 1;
    R.races++;
    if (R.out == NULL) R.out = open_memstream(&R.text, &R.text_len);
    if (R.out == NULL) sim_throw("race: out of memory");
    FILE *out = R.out;
    fprintf(out, "==================\nWARNING: DATA RACE\n");
    fprintf(out, "%s at 0x%012llx by ", is_write ? "Write" : "Read", (unsigned long long)sh->addr);
    sim_race_print_who(out, tid);
    sim_race_print_stack(out, stack);
    fprintf(out, "\nPrevious %s at 0x%012llx by ", prev_write ? "write" : "read", (unsigned long long)sh->addr);
    sim_race_print_who(out, prev->tid);
    sim_race_print_stack(out, prev->stack);
    sim_race_print_created(s, out, tid);
    sim_race_print_created(s, out, prev->tid);
    fprintf(out, "==================\n");
    sim_race_event(s, sh, is_write, sim_g_at(s, R.threads[tid].g), prev, prev_write);
}

int64_t sim_race_count(void) {
    return R.races;
}

int64_t gmp_race_count(void) {
    return R.races;
}

/* ---- [SECTION] accesses (FastTrack) ----------------------------------------------------- */

static sim_race_shadow *sim_race_shadow_of(uint64_t addr, const char *name) {
    int32_t i = sim_race_map_get(&R.shadow_map, addr);
    if (i >= 0) return &R.shadows[i];
    SIM_RACE_GROW(R.shadows, R.shadow_cap, R.shadow_count + 1);
    i = R.shadow_count++;
    R.shadows[i] = (sim_race_shadow){.addr = addr, .name = name};
    sim_race_map_put(&R.shadow_map, addr, i);
    return &R.shadows[i];
}

static void sim_race_acc_set(sim_race_acc *a, uint32_t tid, uint32_t clock, int32_t stack) {
    sim_race_ref(tid, +1);
    sim_race_ref(a->tid, -1);
    *a = (sim_race_acc){tid, clock, stack};
}

static void sim_race_reads_clear(sim_race_shadow *sh) {
    for (uint32_t i = 0; i < sh->rn; i++) sim_race_ref(sh->r[i].tid, -1);
    sh->rn = 0;
}

/* A write: races with the last write and with every read not ordered before it. */
static void sim_race_write_check(sim_sched *s, sim_race_shadow *sh, const sim_race_gstate *gs, int32_t stack) {
    const sim_race_acc *prev = NULL;
    bool prev_write = false;
    if (sh->w.tid != 0 && sh->w.clock > sim_vc_get(&gs->vc, sh->w.tid)) {
        prev = &sh->w;
        prev_write = true;
    }
    for (uint32_t i = 0; prev == NULL && i < sh->rn; i++)
        if (sh->r[i].clock > sim_vc_get(&gs->vc, sh->r[i].tid)) prev = &sh->r[i];
    if (prev != NULL) sim_race_report(s, sh, true, stack, gs->tid, prev, prev_write);
    sim_race_reads_clear(sh);
    sim_race_acc_set(&sh->w, gs->tid, gs->clock, stack);
}

/* A read: races with the last write; it replaces every read ordered before it. */
static void sim_race_read_check(sim_sched *s, sim_race_shadow *sh, const sim_race_gstate *gs, int32_t stack) {
    if (sh->w.tid != 0 && sh->w.clock > sim_vc_get(&gs->vc, sh->w.tid))
        sim_race_report(s, sh, false, stack, gs->tid, &sh->w, true);
    uint32_t k = 0;
    for (uint32_t i = 0; i < sh->rn; i++) {
        if (sh->r[i].tid != gs->tid && sh->r[i].clock > sim_vc_get(&gs->vc, sh->r[i].tid)) sh->r[k++] = sh->r[i];
        else sim_race_ref(sh->r[i].tid, -1);
    }
    sh->rn = k;
    if (sh->rn == SIM_RACE_READS_MAX) { /* forget the oldest concurrent read */
        sim_race_ref(sh->r[0].tid, -1);
        memmove(&sh->r[0], &sh->r[1], (size_t)(sh->rn - 1) * sizeof *sh->r);
        sh->rn--;
    }
    SIM_RACE_GROW(sh->r, sh->rcap, sh->rn + 1);
    sh->r[sh->rn] = (sim_race_acc){0, 0, -1};
    sim_race_acc_set(&sh->r[sh->rn++], gs->tid, gs->clock, stack);
}

void sim_race_access(sim_sched *s, uint64_t addr, const char *name, bool is_write, const char *fn,
                     const char *file, int line) {
    if (!R.on) return; /* --race */
    SIM_ASSERT(s->curg >= 0);
    SIM_ASSERT(addr != 0);
    /* After main returned a Go process has exited (racefini already counted the races):
     * what the leak phase runs is not checked. */
    if (s->main_done) return;
    sim_race_gstate *gs = sim_race_gstate_of(s, s->curg);
    sim_race_shadow *sh = sim_race_shadow_of(addr, name);
    /* Same epoch as the access already recorded: nothing new to learn. */
    if (is_write && sh->w.tid == gs->tid && sh->w.clock == gs->clock && sh->rn == 0) return;
    for (uint32_t i = 0; !is_write && i < sh->rn; i++)
        if (sh->r[i].tid == gs->tid && sh->r[i].clock == gs->clock) return;
    int32_t stack = sim_race_stack_of(sim_g_at(s, s->curg), fn, file, line);
    if (is_write) sim_race_write_check(s, sh, gs, stack);
    else sim_race_read_check(s, sh, gs, stack);
}

/* Models: racemalloc (the shadow of fresh memory is cleared) and the initialising store. */
void sim_race_var_new(sim_sched *s, uint64_t addr, const char *name) {
    if (!R.on) return; /* --race */
    sim_race_shadow *sh = sim_race_shadow_of(addr, name);
    sim_race_reads_clear(sh);
    sim_race_acc_set(&sh->w, 0, 0, -1);
    sh->name = name;
    sh->reported = 0;
    sim_race_write(s, addr, name);
}

/* ---- [SECTION] channels ------------------------------------------------------------------ */

/* c.raceaddr(): &c.buf, where reads (send) and writes (close) of the channel happen. */
static uint64_t sim_race_chan_raceaddr(const sim_hchan *c) {
    return c->addr + 16;
}

/* chanbuf(c, k mod dataqsiz): the sync object of a buffer slot (slot 0 for an unbuffered
 * channel). Keys of their own (the top bit set, the channel's id, the slot), so that
 * they never meet a sync object at a heap address.
 * Differs: the runtime uses one clock at c.buf for every slot of a channel with zero-size
 * elements (chan struct{}), acquired and released by every send and receive, and that
 * clock is c.raceaddr(), which closechan's release-store overwrites. That gives more
 * edges than the memory model (message k's receiver hears of every earlier sender) and
 * O(senders) clocks; here every channel gets the memory model's edges, slot by slot. */
static uint64_t sim_race_chan_slot(const sim_hchan *c, uint64_t k) {
    uint64_t slot = c->dataqsiz ? k % c->dataqsiz : 0;
    SIM_ASSERT(slot < (UINT64_C(1) << 24));
    return UINT64_C(1) << 63 | (uint64_t)(uint32_t)c->id << 24 | slot;
}

static sim_race_chan *sim_race_chan_of(const sim_hchan *c) {
    if (c->id >= R.chan_cap) {
        int32_t old = R.chan_cap;
        SIM_RACE_GROW(R.chans, R.chan_cap, c->id + 1);
        memset(&R.chans[old], 0, (size_t)(R.chan_cap - old) * sizeof *R.chans);
    }
    sim_race_chan *rc = &R.chans[c->id];
    if (!rc->seen) { /* the messages already in the buffer are 0 .. qcount-1 */
        rc->seen = 1;
        rc->nrecv = 0;
        rc->nsend = c->qcount;
    }
    return rc;
}

/* Models: racenotify(c, idx, sg) (racereleaseacquire) for goroutine gi, or for the
 * timer context ctx when gi < 0. */
static void sim_race_notify(sim_sched *s, uint64_t slot, int32_t gi, sim_race_vc *ctx) {
    sim_race_gstate *gs = gi >= 0 ? sim_race_gstate_of(s, gi) : NULL;
    if (gs != NULL && gs->ignore_sync) return;
    sim_race_do_release_store_acquire(gs ? &gs->vc : ctx, slot);
    if (gs) sim_race_tick(gs);
}

/* Models: racesync(c, sg): release, acquireg, releaseg, acquire on chanbuf(c, 0). */
static void sim_race_sync_pair(sim_sched *s, const sim_hchan *c, int32_t other) {
    uint64_t l = sim_race_chan_slot(c, 0);
    sim_race_release(s, l);
    sim_race_acquire_g(s, other, l);
    sim_race_release_g(s, other, l);
    sim_race_acquire(s, l);
}

void sim_race_chan_send(sim_sched *s, const sim_hchan *c) {
    if (!R.on) return; /* --race */
    sim_race_access(s, sim_race_chan_raceaddr(c), "chan", false, "runtime.chansend", "runtime/chan.go",
                    SIM_RACE_RUNTIME_LINE);
}

void sim_race_chan_send_direct(sim_sched *s, const sim_hchan *c, int32_t rg) {
    if (!R.on) return; /* --race */
    if (c->dataqsiz == 0) {
        sim_race_sync_pair(s, c, rg);
        return;
    }
    /* "Pretend we go through the buffer": the race runtime moves recvx and sendx on. */
    sim_race_chan *rc = sim_race_chan_of(c);
    uint64_t slot = sim_race_chan_slot(c, rc->nrecv);
    sim_race_notify(s, slot, s->curg, NULL);
    sim_race_notify(s, slot, rg, NULL);
    rc->nrecv++;
    rc->nsend++;
}

void sim_race_chan_buf_send(sim_sched *s, const sim_hchan *c) {
    if (!R.on) return; /* --race */
    sim_race_chan *rc = sim_race_chan_of(c);
    sim_race_notify(s, sim_race_chan_slot(c, rc->nsend++), s->curg, NULL);
}

void sim_race_chan_buf_recv(sim_sched *s, const sim_hchan *c) {
    if (!R.on) return; /* --race */
    sim_race_chan *rc = sim_race_chan_of(c);
    sim_race_notify(s, sim_race_chan_slot(c, rc->nrecv++), s->curg, NULL);
}

void sim_race_chan_recv_direct(sim_sched *s, const sim_hchan *c, int32_t sg) {
    if (!R.on) return; /* --race */
    if (c->dataqsiz == 0) {
        sim_race_sync_pair(s, c, sg);
        return;
    }
    /* Full buffer: the head slot, then the parked sender's value into the same slot. */
    sim_race_chan *rc = sim_race_chan_of(c);
    uint64_t slot = sim_race_chan_slot(c, rc->nrecv);
    sim_race_notify(s, slot, s->curg, NULL);
    sim_race_notify(s, slot, sg, NULL);
    rc->nrecv++;
    rc->nsend++;
}

void sim_race_chan_recv_closed(sim_sched *s, const sim_hchan *c) {
    if (!R.on) return; /* --race */
    sim_race_acquire(s, sim_race_chan_raceaddr(c));
}

void sim_race_chan_close(sim_sched *s, const sim_hchan *c) {
    if (!R.on) return; /* --race */
    sim_race_access(s, sim_race_chan_raceaddr(c), "chan", true, "runtime.closechan", "runtime/chan.go",
                    SIM_RACE_RUNTIME_LINE);
    sim_race_release(s, sim_race_chan_raceaddr(c));
}

void sim_race_chan_close_wake(sim_sched *s, const sim_hchan *c, int32_t gi) {
    if (!R.on) return; /* --race */
    sim_race_acquire_g(s, gi, sim_race_chan_raceaddr(c));
}

void sim_race_chan_timer_send(sim_sched *s, const sim_hchan *c, uint64_t timer_addr, int32_t rg) {
    if (!R.on) return; /* --race */
    sim_race_vc *ctx = sim_race_timer_ctx(s);
    sim_race_do_acquire(ctx, timer_addr); /* runtimer: raceacquirectx(timerRaceCtx, t) */
    sim_race_chan *rc = sim_race_chan_of(c);
    if (rg >= 0) {
        uint64_t slot = sim_race_chan_slot(c, rc->nrecv);
        sim_race_notify(s, slot, -1, ctx);
        sim_race_notify(s, slot, rg, NULL);
        rc->nrecv++;
        rc->nsend++;
    } else if (c->qcount < c->dataqsiz) {
        sim_race_notify(s, sim_race_chan_slot(c, rc->nsend++), -1, ctx);
    }
}

/* ---- [SECTION] timers ---------------------------------------------------------------------- */

void sim_race_timer_arm(sim_sched *s, int32_t ti) {
    if (!R.on) return; /* --race */
    const sim_timer *t = sim_timer_at(s, ti);
    sim_race_release(s, t->addr);
    if (t->kind != SIM_TIMER_FUNC) return;
    for (int32_t i = 0; i < R.pending_count; i++)
        if (R.pending_func[i] == ti) return;
    SIM_RACE_GROW(R.pending_func, R.pending_cap, R.pending_count + 1);
    R.pending_func[R.pending_count++] = ti;
}

void sim_race_timer_stop(sim_sched *s, int32_t ti) {
    if (!R.on) return; /* --race */
    (void)s;
    for (int32_t i = 0; i < R.pending_count; i++) {
        if (R.pending_func[i] != ti) continue;
        R.pending_func[i] = R.pending_func[--R.pending_count];
        return;
    }
}

/* ---- [SECTION] the run --------------------------------------------------------------------- */

static void sim_race_free_all(void) {
    for (int32_t i = 0; i < R.gs_cap; i++) free(R.gs[i].vc.e);
    for (int32_t i = 0; i < R.shadow_count; i++) free(R.shadows[i].r);
    for (int32_t i = 0; i < R.sync_count; i++) free(R.syncs[i].vc.e);
    for (int32_t i = 0; i < R.timer_ctx_count; i++) free(R.timer_ctx[i].e);
    free(R.threads);
    free(R.gs);
    free(R.shadows);
    free(R.syncs);
    free(R.frames);
    free(R.stacks);
    free(R.chans);
    free(R.timer_ctx);
    free(R.pending_func);
    free(R.pairs);
    free(R.tmp.e);
    free(R.tmp2.e);
    sim_race_map_free(&R.shadow_map);
    sim_race_map_free(&R.sync_map);
    sim_race_map_free(&R.stack_map);
    if (R.out) fclose(R.out);
    free(R.text);
    memset(&R, 0, sizeof R);
}

void sim_race_begin(sim_sched *s) {
    sim_race_free_all();
    R.s = s;
    R.on = s->opt.race != 0;
    R.timer_ctx_count = s->nprocs;
    R.timer_ctx = calloc((size_t)s->nprocs, sizeof *R.timer_ctx);
    if (R.timer_ctx == NULL) sim_throw("race: out of memory");
    sim_context_begin(s);
}

void sim_race_end(sim_sched *s, char **report) {
    sim_context_end(s);
    if (R.races > 0) {
        fflush(R.out);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (f == NULL) sim_throw("race: out of memory");
        fwrite(R.text, 1, R.text_len, f);
        char found[64];
        snprintf(found, sizeof found, "Found %lld data race(s)", (long long)R.races);
        if (s->outcome == GMP_OUTCOME_OK) {
            /* racefini: "Found N data race(s)", and a -race binary exits 66. */
            fprintf(f, "%s\n", found);
            sim_finish(s, GMP_OUTCOME_RACE, found);
        } else if (*report != NULL) {
            fputs(*report, f); /* the races came first on stderr, then the failure */
        }
        fclose(f);
        free(*report);
        *report = text;
    }
    sim_race_free_all();
}
