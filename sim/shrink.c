/* sim/shrink.c: minimising a failing schedule (gmp_shrink_file).
 *
 * A schedule is its list of choices, one per decision (the scenario and options are
 * the recording's). A candidate list is run under the forced strategy (strategy.h):
 * decision i gets the list's i-th choice when it is in range, else 0, and 0 past the
 * list. A candidate is kept when the run fails with the recording's signature, has
 * no more decisions than the recording, and is smaller in (deviations, events, sum
 * of choices): deviations are choices other than 0, the default a deterministic
 * runtime would take. The kept run's own choices (what it actually did) become the
 * current list, so the current list always replays exactly.
 *
 * Two passes, repeated while either gains and the run budget lasts:
 *  1. delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating
 *     Failure-Inducing Input", TSE 2002) over the set of deviations: try resetting
 *     chunks of it to 0, from halves down to single deviations;
 *  2. lowering each remaining deviation to a smaller choice (1 first).
 * Then the result is run once more into the output file, whose decisions replay.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "replay.h"
#include "strategy.h"

enum { SIM_SHRINK_RUNS_DEFAULT = 5000 };

typedef struct sim_shrink_cand {
    uint32_t *c;             /* the choices the run made */
    int64_t count;           /* decisions */
    int64_t dev;             /* choices != 0 */
    int64_t events;
    uint64_t sum;
} sim_shrink_cand;

typedef struct sim_shrink {
    const gmp_scenario *scn;
    gmp_options opt;
    char signature[512];
    int64_t decisions_max;   /* the recording's */
    int64_t runs, runs_max;
    sim_forced forced;
    gmp_strategy st;
    FILE *devnull, *log;
    sim_shrink_cand best;
    char err[1024];
} sim_shrink;

static int sim_shrink_better(const sim_shrink_cand *a, const sim_shrink_cand *b) {
    if (a->dev != b->dev) return a->dev < b->dev;
    if (a->events != b->events) return a->events < b->events;
    return a->sum < b->sum;
}

/* Runs want; 1 when it fails the same way within the limits (*out filled), 0 when
 * not, -1 on an error. */
static int sim_shrink_try(sim_shrink *sh, const uint32_t *want, int64_t count, sim_shrink_cand *out) {
    sh->runs++;
    sim_forced_reset(&sh->forced, want, count);
    gmp_result res;
    if (gmp_run(sh->scn, &sh->opt, NULL, &res) != 0 || sh->forced.oom) {
        snprintf(sh->err, sizeof sh->err, "run failed: %.900s", res.message);
        gmp_result_free(&res);
        return -1;
    }
    char sig[512];
    gmp_signature(res.outcome, res.message, res.report, sig, sizeof sig);
    int64_t events = res.events;
    gmp_result_free(&res);
    if (strcmp(sig, sh->signature) != 0 || sh->forced.got_count > sh->decisions_max) return 0;
    out->count = sh->forced.got_count;
    out->c = malloc((size_t)(out->count ? out->count : 1) * sizeof *out->c);
    if (out->c == NULL) return snprintf(sh->err, sizeof sh->err, "out of memory"), -1;
    if (out->count > 0) memcpy(out->c, sh->forced.got_c, (size_t)out->count * sizeof *out->c);
    out->dev = 0;
    out->sum = 0;
    for (int64_t i = 0; i < out->count; i++) {
        out->dev += out->c[i] != 0;
        out->sum += out->c[i];
    }
    out->events = events;
    return 1;
}

/* Tries want; keeps it as the best when it is. 1 kept, 0 not, -1 error. */
static int sim_shrink_offer(sim_shrink *sh, const uint32_t *want, int64_t count, const char *what) {
    sim_shrink_cand cand = {0};
    int rc = sim_shrink_try(sh, want, count, &cand);
    if (rc <= 0) return rc;
    if (!sim_shrink_better(&cand, &sh->best)) {
        free(cand.c);
        return 0;
    }
    if (sh->log)
        fprintf(sh->log, "shrink: run %" PRId64 ": %s: deviations %" PRId64 " -> %" PRId64 ", events %" PRId64
                " -> %" PRId64 "\n", sh->runs, what, sh->best.dev, cand.dev, sh->best.events, cand.events);
    free(sh->best.c);
    sh->best = cand;
    return 1;
}

/* Pass 1: ddmin over the deviations. 1 when anything was kept. */
static int sim_shrink_ddmin(sim_shrink *sh) {
    int gained = 0;
    int64_t chunks = 2;
    while (sh->best.dev > 0 && sh->runs < sh->runs_max) {
        int64_t ndev = sh->best.dev;
        int64_t *devs = malloc((size_t)ndev * sizeof *devs);
        uint32_t *want = malloc((size_t)sh->best.count * sizeof *want);
        if (devs == NULL || want == NULL) {
            free(devs);
            free(want);
            return snprintf(sh->err, sizeof sh->err, "out of memory"), -1;
        }
        for (int64_t i = 0, k = 0; i < sh->best.count; i++)
            if (sh->best.c[i] != 0) devs[k++] = i;
        if (chunks > ndev) chunks = ndev;
        int kept = 0;
        for (int64_t ch = 0; ch < chunks && !kept && sh->runs < sh->runs_max; ch++) {
            int64_t lo = ndev * ch / chunks, hi = ndev * (ch + 1) / chunks;
            memcpy(want, sh->best.c, (size_t)sh->best.count * sizeof *want);
            for (int64_t k = lo; k < hi; k++) want[devs[k]] = 0;
            char what[64];
            snprintf(what, sizeof what, "reset %" PRId64 " of %" PRId64 " deviations", hi - lo, ndev);
            kept = sim_shrink_offer(sh, want, sh->best.count, what);
        }
        free(devs);
        free(want);
        if (kept < 0) return -1;
        if (kept) {
            gained = 1;
            chunks = chunks > 2 ? chunks - 1 : 2;
            continue;
        }
        if (chunks >= ndev) break; /* single deviations tried: 1-minimal */
        chunks = 2 * chunks < ndev ? 2 * chunks : ndev;
    }
    return gained;
}

/* Pass 2: each deviation as small as it can be. 1 when anything was kept. */
static int sim_shrink_lower(sim_shrink *sh) {
    int gained = 0;
    for (int64_t i = 0; i < sh->best.count && sh->runs < sh->runs_max; i++) {
        for (uint32_t v = 1; v < sh->best.c[i] && sh->runs < sh->runs_max; v++) {
            uint32_t *want = malloc((size_t)sh->best.count * sizeof *want);
            if (want == NULL) return snprintf(sh->err, sizeof sh->err, "out of memory"), -1;
            memcpy(want, sh->best.c, (size_t)sh->best.count * sizeof *want);
            want[i] = v;
            char what[64];
            snprintf(what, sizeof what, "decision %" PRId64 ": choice %u -> %u", i, sh->best.c[i], v);
            int kept = sim_shrink_offer(sh, want, sh->best.count, what);
            free(want);
            if (kept < 0) return -1;
            if (kept) {
                gained = 1;
                break;
            }
        }
    }
    return gained;
}

static int sim_shrink_write(sim_shrink *sh, const char *out_path, gmp_shrink_result *sr) {
    FILE *out = fopen(out_path, "w");
    if (out == NULL) return snprintf(sh->err, sizeof sh->err, "cannot write %s: %s", out_path, strerror(errno)), -1;
    sim_forced_reset(&sh->forced, sh->best.c, sh->best.count);
    gmp_result res;
    int rc = gmp_run(sh->scn, &sh->opt, out, &res);
    if (fclose(out) != 0) rc = -1;
    char sig[512] = "";
    if (rc == 0) gmp_signature(res.outcome, res.message, res.report, sig, sizeof sig);
    if (rc == 0 && strcmp(sig, sh->signature) != 0) {
        snprintf(sh->err, sizeof sh->err, "the written schedule ended with '%.450s', not '%.450s'", sig, sh->signature);
        rc = -1;
    } else if (rc != 0) {
        snprintf(sh->err, sizeof sh->err, "writing %s failed: %.800s", out_path, res.message);
    }
    sr->events_after = res.events;
    sr->decisions_after = res.decisions;
    gmp_result_free(&res);
    return rc;
}

static int sim_shrink_setup(sim_shrink *sh, const sim_sf *sf, const gmp_shrink_options *so) {
    sh->scn = gmp_scenario_find(sf->scenario);
    if (sh->scn == NULL)
        return snprintf(sh->err, sizeof sh->err, "%.500s:1: scenario: no scenario named '%s' in this gmpsim",
                        sf->path, sf->scenario), -1;
    sim_sf_signature(sf, sh->signature, sizeof sh->signature);
    if (sf->outcome == GMP_OUTCOME_OK)
        return snprintf(sh->err, sizeof sh->err, "%.800s: the schedule does not fail: nothing to shrink", sf->path), -1;
    sh->decisions_max = sf->ndec;
    sh->runs_max = so && so->max_runs > 0 ? so->max_runs : SIM_SHRINK_RUNS_DEFAULT;
    sh->log = so ? so->log : NULL;
    sh->devnull = fopen("/dev/null", "w");
    sim_sf_options(sf, &sh->opt);
    sh->st = (gmp_strategy){.name = "shrink", .choose = sim_forced_choose, .ctx = &sh->forced};
    sh->opt.strategy = &sh->st;
    sh->opt.stdout_sink = sh->devnull;
    return 0;
}

int gmp_shrink_file(const char *in_path, const char *out_path, const gmp_shrink_options *so,
                    gmp_shrink_result *sr) {
    SIM_ASSERT(in_path != NULL && out_path != NULL && sr != NULL);
    memset(sr, 0, sizeof *sr);
    sim_sf sf;
    sim_shrink sh;
    memset(&sh, 0, sizeof sh);
    int rc = sim_sf_load(&sf, in_path, sh.err, sizeof sh.err);
    if (rc == 0) rc = sim_shrink_setup(&sh, &sf, so);
    if (rc == 0) {
        uint32_t *want = malloc((size_t)(sf.ndec ? sf.ndec : 1) * sizeof *want);
        for (int64_t i = 0; want && i < sf.ndec; i++) want[i] = sf.dec[i].choice;
        int ok = want ? sim_shrink_try(&sh, want, sf.ndec, &sh.best) : -1;
        free(want);
        if (ok == 0)
            snprintf(sh.err, sizeof sh.err, "%.400s does not replay to its failure '%.400s' (see gmpsim replay)", in_path,
                     sh.signature);
        rc = ok == 1 ? 0 : -1;
        sr->deviations_before = sim_sf_deviations(&sf);
        sr->decisions_before = sf.ndec;
        sr->events_before = sf.events;
    }
    for (int gained = 1; rc == 0 && gained && sh.runs < sh.runs_max;) {
        int a = sim_shrink_ddmin(&sh);
        int b = a < 0 ? -1 : sim_shrink_lower(&sh);
        if (a < 0 || b < 0) rc = -1;
        gained = a > 0 || b > 0;
    }
    if (rc == 0) rc = sim_shrink_write(&sh, out_path, sr);
    snprintf(sr->signature, sizeof sr->signature, "%s", sh.signature);
    sr->runs = sh.runs;
    sr->deviations_after = sh.best.dev;
    if (rc != 0) snprintf(sr->error, sizeof sr->error, "%s", sh.err);
    free(sh.best.c);
    sim_forced_free(&sh.forced);
    if (sh.devnull) fclose(sh.devnull);
    sim_sf_free(&sf);
    return rc;
}
