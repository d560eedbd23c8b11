/* sim/strategy.c: see strategy.h. */
#include "strategy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* ---- [SECTION] parsing -------------------------------------------------------------- */

int sim_strat_parse(const char *text, sim_strat_spec *out, char *err, size_t err_size) {
    memset(out, 0, sizeof *out);
    if (text == NULL || *text == 0 || strcmp(text, "random") == 0) {
        out->kind = SIM_STRAT_RANDOM;
        snprintf(out->name, sizeof out->name, "random");
        return 0;
    }
    const char *colon = strchr(text, ':');
    size_t head = colon ? (size_t)(colon - text) : strlen(text);
    int pct = head == 3 && strncmp(text, "pct", 3) == 0;
    int dfs = head == 3 && strncmp(text, "dfs", 3) == 0;
    if (!pct && !dfs) {
        snprintf(err, err_size, "unknown strategy '%s' (random, pct:D, dfs:B)", text);
        return -1;
    }
    long v = pct ? 3 : 2; /* the defaults: pct:3, dfs:2 */
    if (colon) {
        char *end = NULL;
        errno = 0;
        v = strtol(colon + 1, &end, 10);
        if (errno || end == colon + 1 || *end || v < (pct ? 1 : 0) || v > (pct ? SIM_PCT_DEPTH_MAX : 1000)) {
            snprintf(err, err_size, "%s: the %s must be a number in %d..%d", text, pct ? "depth D" : "bound B",
                     pct ? 1 : 0, pct ? SIM_PCT_DEPTH_MAX : 1000);
            return -1;
        }
    }
    out->kind = pct ? SIM_STRAT_PCT : SIM_STRAT_DFS;
    out->param = (int32_t)v;
    snprintf(out->name, sizeof out->name, "%s:%ld", pct ? "pct" : "dfs", v);
    return 0;
}

/* ---- [SECTION] pct ------------------------------------------------------------------- */

int sim_pct_init(sim_pct *p, uint64_t seed, int32_t depth, int64_t steps_estimate) {
    SIM_ASSERT(depth >= 1 && depth <= SIM_PCT_DEPTH_MAX);
    SIM_ASSERT(steps_estimate >= 1);
    if (p->cap == 0) {
        p->cap = 256;
        p->keys = malloc(p->cap * sizeof *p->keys);
        p->prios = malloc(p->cap * sizeof *p->prios);
        if (p->keys == NULL || p->prios == NULL) return -1;
    }
    for (uint32_t i = 0; i < p->cap; i++) p->keys[i] = INT64_MIN;
    p->count = 0;
    /* Seeds 1, 2, 3 must not share their streams with the random strategy's. */
    sim_prng_init(&p->prng, seed ^ 0x5043545043545043ull);
    p->depth = depth;
    p->steps_estimate = steps_estimate;
    p->steps = 0;
    for (int32_t i = 0; i + 1 < depth; i++) {
        uint64_t r = ((uint64_t)sim_prng_next(&p->prng) << 32) | sim_prng_next(&p->prng);
        p->change_at[i] = (int64_t)(r % (uint64_t)steps_estimate);
    }
    return 0;
}

void sim_pct_free(sim_pct *p) {
    free(p->keys);
    free(p->prios);
    memset(p, 0, sizeof *p);
}

static uint64_t *sim_pct_slot(sim_pct *p, int64_t key) {
    if (2 * (p->count + 1) > p->cap) { /* grow */
        uint32_t cap = p->cap * 2;
        int64_t *k = malloc(cap * sizeof *k);
        uint64_t *v = malloc(cap * sizeof *v);
        if (k == NULL || v == NULL) {
            free(k);
            free(v);
            return NULL;
        }
        for (uint32_t i = 0; i < cap; i++) k[i] = INT64_MIN;
        for (uint32_t i = 0; i < p->cap; i++) {
            if (p->keys[i] == INT64_MIN) continue;
            uint32_t h = (uint32_t)((uint64_t)p->keys[i] * 0x9e3779b97f4a7c15ull >> 32) & (cap - 1);
            while (k[h] != INT64_MIN) h = (h + 1) & (cap - 1);
            k[h] = p->keys[i];
            v[h] = p->prios[i];
        }
        free(p->keys);
        free(p->prios);
        p->keys = k;
        p->prios = v;
        p->cap = cap;
    }
    uint32_t h = (uint32_t)((uint64_t)key * 0x9e3779b97f4a7c15ull >> 32) & (p->cap - 1);
    while (p->keys[h] != INT64_MIN && p->keys[h] != key) h = (h + 1) & (p->cap - 1);
    if (p->keys[h] == INT64_MIN) { /* first seen: a random priority above every change point's */
        p->keys[h] = key;
        p->prios[h] = (uint64_t)p->depth + (((uint64_t)sim_prng_next(&p->prng) << 24) | 1u);
        p->count++;
    }
    return &p->prios[h];
}

static uint32_t sim_pct_highest(sim_pct *p, const gmp_decision *d) {
    uint32_t best = 0;
    uint64_t best_prio = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        uint64_t *pr = sim_pct_slot(p, d->goids[i]);
        uint64_t v = pr ? *pr : 0;
        if (i == 0 || v > best_prio) {
            best = i;
            best_prio = v;
        }
    }
    return best;
}

uint32_t sim_pct_choose(void *ctx, const gmp_decision *d) {
    sim_pct *p = ctx;
    if (strcmp(d->kind, "tie") != 0 || d->goids == NULL) return sim_prng_n(&p->prng, d->n);
    uint32_t pick = sim_pct_highest(p, d);
    for (int32_t i = 0; i + 1 < p->depth; i++) {
        if (p->change_at[i] != p->steps) continue;
        uint64_t *pr = sim_pct_slot(p, d->goids[pick]);
        if (pr) *pr = (uint64_t)(i + 1); /* the i+1-th change point: priority i+1 < depth */
        pick = sim_pct_highest(p, d);
    }
    p->steps++;
    SIM_ASSERT(pick < d->n);
    return pick;
}

/* ---- [SECTION] forced choice lists ---------------------------------------------------- */

void sim_forced_reset(sim_forced *f, const uint32_t *want, int64_t want_count) {
    f->want = want;
    f->want_count = want_count;
    f->got_count = 0;
    f->ties = 0;
    f->oom = 0;
}

void sim_forced_free(sim_forced *f) {
    free(f->got_n);
    free(f->got_c);
    f->got_n = f->got_c = NULL;
    f->got_cap = f->got_count = 0;
}

uint32_t sim_forced_choose(void *ctx, const gmp_decision *d) {
    sim_forced *f = ctx;
    SIM_ASSERT(d->n >= 2);
    uint32_t c = 0;
    int64_t i = d->index;
    if (i < f->want_count && f->want[i] < d->n) c = f->want[i];
    else if (i >= f->want_count && f->draw != NULL) c = sim_prng_n(f->draw, d->n);
    if (strcmp(d->kind, "tie") == 0) f->ties++;
    if (f->got_count == f->got_cap) {
        int64_t cap = f->got_cap ? 2 * f->got_cap : 256;
        uint32_t *n = realloc(f->got_n, (size_t)cap * sizeof *n);
        if (n) f->got_n = n;
        uint32_t *cc = realloc(f->got_c, (size_t)cap * sizeof *cc);
        if (cc) f->got_c = cc;
        if (n == NULL || cc == NULL) {
            f->oom = 1;
            return c;
        }
        f->got_cap = cap;
    }
    f->got_n[f->got_count] = d->n;
    f->got_c[f->got_count] = c;
    f->got_count++;
    return c;
}

/* ---- [SECTION] dfs -------------------------------------------------------------------- */

int sim_dfs_next(sim_dfs *dfs, const sim_forced *ran) {
    SIM_ASSERT(dfs->bound >= 0);
    SIM_ASSERT(!ran->oom);
    int64_t g = ran->got_count;
    int64_t dev = 0; /* deviations among got_c[0..i-1], for i from g down: start with all */
    for (int64_t j = 0; j < g; j++) dev += ran->got_c[j] != 0;
    for (int64_t i = g - 1; i >= 0; i--) {
        dev -= ran->got_c[i] != 0;
        if (ran->got_c[i] + 1 >= ran->got_n[i] || dev + 1 > dfs->bound) continue;
        if (i + 1 > dfs->cap) {
            int64_t cap = (i + 1) * 2;
            uint32_t *n = realloc(dfs->prefix, (size_t)cap * sizeof *n);
            if (n == NULL) return -1;
            dfs->prefix = n;
            dfs->cap = cap;
        }
        memcpy(dfs->prefix, ran->got_c, (size_t)i * sizeof *dfs->prefix);
        dfs->prefix[i] = ran->got_c[i] + 1;
        dfs->len = i + 1;
        return 0;
    }
    dfs->exhausted = 1;
    dfs->len = 0;
    return 0;
}

void sim_dfs_free(sim_dfs *dfs) {
    free(dfs->prefix);
    memset(dfs, 0, sizeof *dfs);
}
