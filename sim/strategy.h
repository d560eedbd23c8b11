/* sim/strategy.h: search strategies for gmp_strategy (explore, shrink).
 *
 *   random   the run's own seeded PRNG (no gmp_strategy at all: the fastest path).
 *   pct:D    probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
 *            Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of
 *            Finding Bugs", ASPLOS 2010) mapped onto our decisions: every goroutine
 *            (thread) gets a random priority >= D when first seen; D-1 change points
 *            are drawn among the estimated number of steps k; at a tie the candidate
 *            whose goroutine has the highest priority goes first, and at the i-th
 *            change point that goroutine's priority drops to i (1..D-1) before the
 *            pick. A step is a tie decision; k is the number of ties of a probe run.
 *            Other kinds (steal_order, select_order) are drawn at random.
 *   dfs:B    systematic search: schedules are choice lists run in depth-first order
 *            (the all-default schedule first), each with at most B decisions whose
 *            choice is not 0; exhausted when every such list was run.
 *   forced   a fixed choice list (dfs's next schedule, shrink's candidates): decision
 *            i gets want[i] when it is below n, else 0; past the list, 0.
 */
#ifndef SIM_STRATEGY_H
#define SIM_STRATEGY_H

#include <stdint.h>

#include "gmpsim.h"
#include "prng.h"

enum { SIM_PCT_DEPTH_MAX = 64 };

typedef enum sim_strat_kind { SIM_STRAT_RANDOM = 0, SIM_STRAT_PCT, SIM_STRAT_DFS } sim_strat_kind;

typedef struct sim_strat_spec {
    sim_strat_kind kind;
    int32_t param;          /* pct: depth D >= 1; dfs: bound B >= 0 */
    char name[32];          /* canonical: "random", "pct:3", "dfs:2" */
} sim_strat_spec;

/* "random", "pct:D", "dfs:B" (NULL or "" is random). 0, or -1 with err. */
int sim_strat_parse(const char *text, sim_strat_spec *out, char *err, size_t err_size);

/* ---- pct ---- */
typedef struct sim_pct {
    sim_prng prng;
    int32_t depth;
    int64_t steps_estimate;                 /* k */
    int64_t change_at[SIM_PCT_DEPTH_MAX];   /* change point i+1 is at tie step change_at[i] */
    int64_t steps;                          /* ties so far */
    int64_t *keys;                          /* open addressing: thread key -> priority */
    uint64_t *prios;
    uint32_t cap, count;
} sim_pct;

/* A new run: priorities forgotten, change points drawn from seed. */
int sim_pct_init(sim_pct *p, uint64_t seed, int32_t depth, int64_t steps_estimate);
void sim_pct_free(sim_pct *p);
uint32_t sim_pct_choose(void *ctx, const gmp_decision *d);

/* ---- forced choice lists ---- */
typedef struct sim_forced {
    const uint32_t *want;   /* the choices to make, or NULL */
    int64_t want_count;
    uint32_t *got_n;        /* every decision's n and choice, as run */
    uint32_t *got_c;
    int64_t got_count, got_cap;
    int64_t ties;           /* tie decisions seen (for pct's estimate) */
    sim_prng *draw;         /* not NULL: past the list, draw from it instead of 0 */
    int oom;
} sim_forced;

void sim_forced_reset(sim_forced *f, const uint32_t *want, int64_t want_count);
void sim_forced_free(sim_forced *f);
uint32_t sim_forced_choose(void *ctx, const gmp_decision *d);

/* ---- dfs ---- */
typedef struct sim_dfs {
    int32_t bound;
    uint32_t *prefix;       /* the next schedule's choices */
    int64_t len, cap;
    int exhausted;
} sim_dfs;

/* From the run just made (with prefix as want): the next prefix in depth-first order
 * with at most bound deviations; sets exhausted when there is none. -1 on OOM. */
int sim_dfs_next(sim_dfs *dfs, const sim_forced *ran);
void sim_dfs_free(sim_dfs *dfs);

#endif
