/* sim/choice.c: see choice.h. */
#include "choice.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "frame.h"

/* ---- [SECTION] decision identities ---------------------------------------------- */

enum {
    SIM_CHOICE_ID_BYTES = 160,              /* one identity; longer names are cut */
    SIM_CHOICE_KEY_BYTES = 512,
};

/* What describing a decision produces: one instance, as one run at a time. The
 * arrays grow to the largest tie seen and are kept for the next runs. */
typedef struct sim_choice_desc {
    char key[SIM_CHOICE_KEY_BYTES];
    uint32_t id_count;                           /* options with identities, or 0 */
    uint32_t cap;                                /* entries in ids, idp, goids */
    char (*ids)[SIM_CHOICE_ID_BYTES];
    const char **idp;
    int64_t *goids;
} sim_choice_desc;

static sim_choice_desc sim_desc;

static void sim_choice_reserve(uint32_t n) {
    if (n <= sim_desc.cap) return;
    uint32_t cap = sim_desc.cap ? sim_desc.cap : 64;
    while (cap < n) cap *= 2;
    void *a = realloc(sim_desc.ids, (size_t)cap * SIM_CHOICE_ID_BYTES);
    if (a) sim_desc.ids = a;
    void *b = realloc(sim_desc.idp, (size_t)cap * sizeof *sim_desc.idp);
    if (b) sim_desc.idp = b;
    void *c = realloc(sim_desc.goids, (size_t)cap * sizeof *sim_desc.goids);
    if (c) sim_desc.goids = c;
    if (a == NULL || b == NULL || c == NULL) sim_throw("sim_choose: out of memory (tie candidates)");
    sim_desc.cap = cap;
}

char *sim_choice_g_ident(const sim_sched *s, const sim_g *g, char *buf, size_t size) {
    SIM_ASSERT(g != NULL);
    SIM_ASSERT(size > 0);
    if (g->index == s->main_g) snprintf(buf, size, "main");
    else
        snprintf(buf, size, "%s@%s:%d#%d", g->start_name ? g->start_name : "?", sim_basename(g->created_file),
                 g->created_line, g->site_ordinal);
    return buf;
}

/* An M as a tie candidate: its goroutine, or what it is about to do. */
static void sim_choice_m_ident(const sim_sched *s, const sim_m *m, char *buf, size_t size, int64_t *goid) {
    if (m->curg >= 0) { /* running or in a syscall */
        const sim_g *g = s->allg[m->curg];
        *goid = g->goid;
        sim_choice_g_ident(s, g, buf, size);
        return;
    }
    *goid = -(1 + (int64_t)m->id);
    switch (m->state) {
    case SIM_M_SCHEDULE: snprintf(buf, size, "sched@P%d", m->p); break;
    case SIM_M_NETPOLL: snprintf(buf, size, "netpoll"); break;
    case SIM_M_SYSMON: snprintf(buf, size, "sysmon"); break;
    default: snprintf(buf, size, "state%d@M%d", (int)m->state, m->id); break;
    }
}

static int64_t sim_choice_m_goid(const sim_sched *s, const sim_m *m) {
    return m->curg >= 0 ? s->allg[m->curg]->goid : -(1 + (int64_t)m->id);
}

static int sim_choice_strcmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* tie: the candidates are the active Ms (sim_m_active) whose step is due now, in M id
 * order, as sim_pick_m counts them. The key is their identities, sorted. */
static void sim_choice_describe_tie(sim_sched *s, uint32_t n, int want_ids) {
    sim_choice_desc *d = &sim_desc;
    sim_choice_reserve(n);
    uint32_t k = 0;
    for (int32_t i = 0; i < s->mcount; i++) {
        const sim_m *m = &s->allm[i];
        if (!sim_m_active(m) || m->when_ns != s->now_ns) continue; /* as sim_pick_m counts */
        if (k == n) sim_throw("sim_choose: tie candidates differ from sim_pick_m's count");
        if (want_ids) {
            sim_choice_m_ident(s, m, d->ids[k], SIM_CHOICE_ID_BYTES, &d->goids[k]);
            d->idp[k] = d->ids[k];
        } else {
            d->goids[k] = sim_choice_m_goid(s, m);
        }
        k++;
    }
    if (k != n) sim_throw("sim_choose: tie candidates differ from sim_pick_m's count");
    d->id_count = want_ids ? n : 0;
    if (!want_ids) return;
    const char **sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL) sim_throw("sim_choose: out of memory (tie key)");
    memcpy(sorted, d->idp, n * sizeof sorted[0]);
    qsort(sorted, n, sizeof sorted[0], sim_choice_strcmp);
    size_t used = (size_t)snprintf(d->key, sizeof d->key, "tie:");
    for (uint32_t i = 0; i < n && used < sizeof d->key; i++)
        used += (size_t)snprintf(d->key + used, sizeof d->key - used, "%s%s", i ? "," : "", sorted[i]);
    free(sorted);
}

/* steal_order: the thief's P. The options are numbers whose meaning does not depend
 * on the scenario (a start P and a coprime stride for the recorded procs). */
static void sim_choice_describe_steal(sim_sched *s, uint32_t n, int want_ids) {
    (void)n;
    if (!want_ids) return;
    int32_t p = s->curm >= 0 ? s->allm[s->curm].p : -1;
    snprintf(sim_desc.key, sizeof sim_desc.key, "P%d", p);
}

/* What steal_order's option c means: stealWork's decoding of cheaprand(). */
static void sim_choice_pick_steal(sim_sched *s, uint32_t c, char *buf, size_t size) {
    uint32_t n = (uint32_t)s->nprocs, ncop = 0, coprimes[SIM_PROCS_MAX];
    for (uint32_t i = 1; i <= n; i++) {
        uint32_t a = i, b = n;
        while (b != 0) { uint32_t t = a % b; a = b; b = t; }
        if (a == 1) coprimes[ncop++] = i;
    }
    SIM_ASSERT(ncop >= 1);
    snprintf(buf, size, "start P%u stride %u", c % n, coprimes[(c / n) % ncop]);
}

int64_t sim_mwake_latency_ns(int64_t nominal_ns, uint32_t choice) {
    SIM_ASSERT(choice < SIM_MWAKE_CHOICES);
    SIM_ASSERT(nominal_ns > 0);
    if (choice == 0) return nominal_ns;
    int64_t eighths = choice < 8 ? choice : choice + 1;
    return nominal_ns * eighths / 8;
}

/* mwake: the P the M is started for (as startm sets it). */
static void sim_choice_describe_mwake(sim_sched *s, uint32_t n, int want_ids) {
    (void)n;
    if (!want_ids) return;
    snprintf(sim_desc.key, sizeof sim_desc.key, "P%d", s->mwake_p);
}

/* What mwake's option c means: the latency. */
static void sim_choice_pick_mwake(sim_sched *s, uint32_t c, char *buf, size_t size) {
    snprintf(buf, size, "%lld ns", (long long)sim_mwake_latency_ns(s->mwake_nominal_ns, c));
}

/* ospreempt: the P the M runs for (the M being started), as for mwake. */
static void sim_choice_pick_ospreempt(sim_sched *s, uint32_t c, char *buf, size_t size) {
    (void)s;
    if (c == 0) snprintf(buf, size, "none");
    else snprintf(buf, size, "before its call %u", c);
}

/* Any other kind: the goroutine that asks, and where it is. */
static void sim_choice_describe_generic(sim_sched *s, uint32_t n, int want_ids) {
    (void)n;
    if (!want_ids) return;
    if (s->curg < 0) {
        snprintf(sim_desc.key, sizeof sim_desc.key, "M%d", s->curm);
        return;
    }
    const sim_g *g = s->allg[s->curg];
    char id[SIM_CHOICE_ID_BYTES];
    sim_choice_g_ident(s, g, id, sizeof id);
    if (g->frame_count > 0) {
        const sim_frame *f = &g->frames[g->frame_count - 1];
        snprintf(sim_desc.key, sizeof sim_desc.key, "%s at %s:%d", id, sim_basename(f->file), f->line);
    } else {
        snprintf(sim_desc.key, sizeof sim_desc.key, "%s", id);
    }
}

/* ---- [SECTION] the kinds ----------------------------------------------------------- */

typedef struct sim_choice_kind_def {
    const char *name;
    /* Fills sim_desc (key; ids and goids for kinds whose options are things). NULL:
     * the generic describer. Must not change the simulation's state. */
    void (*describe)(sim_sched *s, uint32_t n, int want_ids);
    /* Writes what option c means, for the event's "pick"; NULL: the identity of
     * option c when the kind has identities, else no pick. */
    void (*pick)(sim_sched *s, uint32_t c, char *buf, size_t size);
} sim_choice_kind_def;

static const sim_choice_kind_def sim_choice_kinds[SIM_CHOICE_KIND_COUNT] = {
    [SIM_CHOICE_TIE] = {"tie", sim_choice_describe_tie, NULL},
    [SIM_CHOICE_STEAL_ORDER] = {"steal_order", sim_choice_describe_steal, sim_choice_pick_steal},
    [SIM_CHOICE_SELECT_ORDER] = {"select_order", NULL, NULL},
    [SIM_CHOICE_MWAKE] = {"mwake", sim_choice_describe_mwake, sim_choice_pick_mwake},
    [SIM_CHOICE_RAND] = {"rand", NULL, NULL},
    [SIM_CHOICE_OSPREEMPT] = {"ospreempt", sim_choice_describe_mwake, sim_choice_pick_ospreempt},
};

const char *sim_choice_kind_name(sim_choice_kind k) {
    SIM_ASSERT(k >= 0 && k < SIM_CHOICE_KIND_COUNT);
    return sim_choice_kinds[k].name;
}

/* ---- [SECTION] site ordinals --------------------------------------------------------- */

/* Goroutines created per go statement (file:line), for identities. Open addressing;
 * a scenario has few go statements, so the table stays small. Files compare by
 * basename: __FILE__ differs between builds, the basename does not. */
typedef struct sim_site {
    const char *file; /* as given (a string literal) */
    int32_t line;
    int32_t count;
} sim_site;

static sim_site *sim_sites;
static uint32_t sim_site_cap, sim_site_count;
static sim_site *sim_site_last; /* the last site counted: a go statement in a loop hits it again */

static uint32_t sim_site_hash(const char *base, int line) {
    uint32_t h = 2166136261u ^ (uint32_t)line;
    for (const char *p = base; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    return h;
}

static int sim_site_grow(void) {
    sim_site_last = NULL; /* the entries move */
    uint32_t cap = sim_site_cap ? sim_site_cap * 2 : 64;
    sim_site *n = calloc(cap, sizeof *n);
    if (n == NULL) return -1;
    for (uint32_t i = 0; i < sim_site_cap; i++) {
        if (sim_sites[i].file == NULL) continue;
        uint32_t h = sim_site_hash(sim_basename(sim_sites[i].file), sim_sites[i].line) & (cap - 1);
        while (n[h].file != NULL) h = (h + 1) & (cap - 1);
        n[h] = sim_sites[i];
    }
    free(sim_sites);
    sim_sites = n;
    sim_site_cap = cap;
    return 0;
}

int32_t sim_choice_site_ordinal(sim_sched *s, const char *file, int line) {
    SIM_ASSERT(s != NULL);
    if (file == NULL) file = "?";
    if (s->gcreated <= 1 && sim_site_count > 0) { /* main only so far: a new run */
        memset(sim_sites, 0, sim_site_cap * sizeof *sim_sites);
        sim_site_count = 0;
        sim_site_last = NULL;
    }
    if (sim_site_last && sim_site_last->file == file && sim_site_last->line == line) return ++sim_site_last->count;
    if (2 * (sim_site_count + 1) > sim_site_cap && sim_site_grow() != 0) return 0;
    const char *base = sim_basename(file);
    uint32_t h = sim_site_hash(base, line) & (sim_site_cap - 1);
    for (;; h = (h + 1) & (sim_site_cap - 1)) {
        sim_site *e = &sim_sites[h];
        if (e->file == NULL) {
            e->file = file;
            e->line = line;
            sim_site_count++;
            sim_site_last = e;
            return e->count = 1;
        }
        if (e->line == line && (e->file == file || strcmp(sim_basename(e->file), base) == 0)) {
            sim_site_last = e;
            return ++e->count;
        }
    }
}

/* ---- [SECTION] sim_choose ------------------------------------------------------------ */

static void sim_choice_event(sim_sched *s, sim_choice_kind kind, uint32_t n, uint32_t c, const char *why) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "Decision");
    if (o == NULL) return;
    const sim_choice_kind_def *def = &sim_choice_kinds[kind];
    cJSON_AddStringToObject(o, "kind", def->name);
    sim_trace_add_int(o, "n", n);
    sim_trace_add_int(o, "choice", c);
    cJSON_AddStringToObject(o, "why", why);
    if (sim_desc.id_count > 0) {
        cJSON *arr = cJSON_AddArrayToObject(o, "cands");
        for (uint32_t i = 0; i < sim_desc.id_count; i++) cJSON_AddItemToArray(arr, cJSON_CreateString(sim_desc.idp[i]));
        cJSON_AddStringToObject(o, "pick", sim_desc.idp[c]);
    } else {
        cJSON_AddStringToObject(o, "key", sim_desc.key);
    }
    if (def->pick != NULL) {
        char buf[SIM_CHOICE_ID_BYTES];
        def->pick(s, c, buf, sizeof buf);
        cJSON_AddStringToObject(o, "pick", buf);
    }
    sim_trace_emit(&s->trace, o);
}

uint32_t sim_choose(sim_sched *s, sim_choice_kind kind, uint32_t n, const char *why) {
    SIM_ASSERT(n >= 1);
    SIM_ASSERT(kind < SIM_CHOICE_KIND_COUNT);
    if (n == 1) return 0;
    const gmp_strategy *st = s->opt.strategy;
    int want_ids = s->trace.out != NULL || (st != NULL && st->wants_ids);
    /* The fast path: no file, no strategy: nothing to describe. */
    if (want_ids || st != NULL) {
        const sim_choice_kind_def *def = &sim_choice_kinds[kind];
        sim_desc.id_count = 0;
        sim_desc.key[0] = 0;
        (def->describe ? def->describe : sim_choice_describe_generic)(s, n, want_ids);
    }
    uint32_t c;
    if (st != NULL && st->choose != NULL) {
        gmp_decision d = {.index = s->decisions, .t_ns = s->now_ns, .kind = sim_choice_kinds[kind].name, .n = n};
        if (want_ids) {
            d.key = sim_desc.key;
            d.id_count = sim_desc.id_count;
            d.ids = sim_desc.id_count ? sim_desc.idp : NULL;
        }
        d.goids = kind == SIM_CHOICE_TIE ? sim_desc.goids : NULL;
        c = st->choose(st->ctx, &d);
        if (c >= n) sim_throw("sim_choose: the strategy returned a choice out of range");
    } else {
        c = sim_prng_n(&s->prng, n);
    }
    SIM_ASSERT(c < n);
    s->decisions++;
    sim_choice_event(s, kind, n, c, why); /* counted with or without a file */
    return c;
}
