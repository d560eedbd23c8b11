/* sim/explore.c: see explore.h. */
#include "explore.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "strategy.h"

/* ---- [SECTION] signatures --------------------------------------------------------- */

/* One goroutine block of a dump: "goroutine 7 [chan receive, 2 minutes]:",
 * "main.worker(0x1, ...)", "\tfile.c:26". Writes "[reason] fn (file:line)" or, with
 * with_reason 0, "fn (file:line)". Returns the text after the block, or NULL. */
/* The next line that opens a goroutine of a dump: "goroutine <digits> [" at the start
 * of a line (race reports say "by goroutine 7:" and "Goroutine 7 (running)" too). */
static const char *sim_sig_find_goroutine(const char *p) {
    for (const char *q = p; (q = strstr(q, "goroutine ")) != NULL; q++) {
        if (q != p && q[-1] != '\n') continue;
        const char *d = q + 10;
        if (*d < '0' || *d > '9') continue;
        while (*d >= '0' && *d <= '9') d++;
        if (d[0] == ' ' && d[1] == '[') return q;
    }
    return NULL;
}

static const char *sim_sig_block(const char *p, int with_reason, char *out, size_t size) {
    p = sim_sig_find_goroutine(p);
    if (p == NULL) return NULL;
    const char *lb = strchr(p, '['), *eol = strchr(p, '\n');
    if (lb == NULL || eol == NULL || lb > eol) return NULL;
    const char *rb = lb + strcspn(lb, ",]\n");
    const char *fn = eol + 1, *fn_end = strchr(fn, '\n');
    if (fn_end == NULL || fn[0] == '\t' || fn[0] == '\n') return NULL;
    const char *paren = fn_end;
    while (paren > fn && *paren != '(') paren--; /* "main.(*T).m(0x1)": the last '(' */
    if (paren == fn) paren = fn_end;
    const char *loc = fn_end + 1;
    if (*loc != '\t') return NULL;
    loc++;
    const char *loc_end = loc + strcspn(loc, " \n");
    if (with_reason)
        snprintf(out, size, "[%.*s] %.*s (%.*s)", (int)(rb - lb - 1), lb + 1, (int)(paren - fn), fn,
                 (int)(loc_end - loc), loc);
    else
        snprintf(out, size, "%.*s (%.*s)", (int)(paren - fn), fn, (int)(loc_end - loc), loc);
    const char *next = strstr(loc_end, "\n\n");
    return next ? next + 2 : loc_end + strlen(loc_end);
}

static int sim_sig_strcmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One access of a race report: "Previous write at 0x00c0... by goroutine 3:",
 * "  main.incrementer()", "      t.c:10" -> "previous write main.incrementer (t.c:10)". */
static const char *sim_sig_access(const char *p, char *out, size_t size) {
    const char *at = strstr(p, " at 0x");
    const char *eol = strchr(p, '\n');
    if (at == NULL || eol == NULL || at > eol) return NULL;
    const char *fn = eol + 1;
    while (*fn == ' ') fn++;
    const char *fn_end = strchr(fn, '\n');
    if (fn_end == NULL) return NULL;
    const char *paren = fn_end;
    while (paren > fn && *paren != '(') paren--;
    if (paren == fn) paren = fn_end;
    const char *loc = fn_end + 1;
    while (*loc == ' ' || *loc == '\t') loc++;
    const char *loc_end = loc + strcspn(loc, " \n");
    char what[64];
    size_t wn = (size_t)(at - p) < sizeof what - 1 ? (size_t)(at - p) : sizeof what - 1;
    for (size_t i = 0; i < wn; i++) what[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
    what[wn] = 0;
    snprintf(out, size, "%s %.*s (%.*s)", what, (int)(paren - fn), fn, (int)(loc_end - loc), loc);
    return loc_end;
}

/* Every race report's pair of accesses: "read main.f (a.c:8) / previous write main.g (a.c:10)". */
static const char *sim_sig_race(const char *p, int with_reason, char *out, size_t size) {
    (void)with_reason;
    p = strstr(p, "WARNING: DATA RACE\n");
    if (p == NULL) return NULL;
    char a[240], b[240];
    const char *q = sim_sig_access(p + 19, a, sizeof a);
    const char *prev = q ? strstr(q, "\nPrevious ") : NULL;
    if (q == NULL || prev == NULL || sim_sig_access(prev + 1, b, sizeof b) == NULL) return NULL;
    snprintf(out, size, "%s / %s", a, b);
    return prev + 1;
}

int sim_signature_where(const char *report, int all, char *buf, size_t size) {
    SIM_ASSERT(buf != NULL && size > 0);
    buf[0] = 0;
    if (report == NULL) return -1;
    const char *p = report;
    if (!all) return sim_sig_block(p, 0, buf, size) ? 0 : -1;
    char **items = NULL;
    size_t n = 0, cap = 0;
    for (char one[512]; p && *p && (p = (all == 2 ? sim_sig_race : sim_sig_block)(p, 1, one, sizeof one)) != NULL;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **m = realloc(items, cap * sizeof *m);
            if (m == NULL) break;
            items = m;
        }
        items[n] = malloc(strlen(one) + 1);
        if (items[n] == NULL) break;
        strcpy(items[n++], one);
    }
    if (n == 0) {
        free(items);
        return -1;
    }
    qsort(items, n, sizeof *items, sim_sig_strcmp);
    size_t used = (size_t)snprintf(buf, size, "{");
    for (size_t i = 0; i < n; i++) {
        if ((i == 0 || strcmp(items[i], items[i - 1]) != 0) && used < size)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used > 1 ? "; " : "", items[i]);
    }
    if (used < size) snprintf(buf + used, size - used, "}");
    for (size_t i = 0; i < n; i++) free(items[i]);
    free(items);
    return 0;
}

void gmp_signature(int outcome, const char *message, const char *report, char *buf, size_t size) {
    SIM_ASSERT(buf != NULL && size > 0);
    const char *name = gmp_outcome_name((gmp_outcome)outcome);
    if (outcome == GMP_OUTCOME_OK) {
        snprintf(buf, size, "ok");
        return;
    }
    char where[448];
    int all = outcome == GMP_OUTCOME_DEADLOCK || outcome == GMP_OUTCOME_LEAK ? 1 : outcome == GMP_OUTCOME_RACE ? 2 : 0;
    if (outcome != GMP_OUTCOME_LIMIT && sim_signature_where(report, all, where, sizeof where) == 0) {
        snprintf(buf, size, "%s at %s", name, where);
        return;
    }
    /* No goroutine to name: the message, without numbers (seeds, counts, times). */
    char msg[448];
    size_t o = 0;
    for (const char *p = message ? message : ""; *p && *p != '\n' && o + 1 < sizeof msg; p++) {
        if (*p >= '0' && *p <= '9') {
            if (o == 0 || msg[o - 1] != 'N') msg[o++] = 'N';
            continue;
        }
        msg[o++] = *p;
    }
    msg[o] = 0;
    snprintf(buf, size, "%s: %s", name, msg);
}

void sim_explore_file_name(const char *dir, const char *scenario, const char *strategy, uint64_t seed, char *buf,
                           size_t size) {
    char strat[40];
    snprintf(strat, sizeof strat, "%s", strategy);
    for (char *c = strat; *c; c++)
        if (*c == ':') *c = '-';
    int dfs = strncmp(strategy, "dfs", 3) == 0;
    snprintf(buf, size, "%s/%s-%s-%s%" PRIu64 ".jsonl", dir, scenario, strat, dfs ? "run" : "seed", seed);
}

/* ---- [SECTION] state -------------------------------------------------------------- */

enum { SIM_X_PENDING = 0, SIM_X_OK = 1, SIM_X_FAIL = 2 };

typedef struct sim_xfail {
    int64_t pos;
    uint64_t seed;
    int32_t outcome;
    int32_t group;           /* index into the result's groups, once collected */
    char *signature, *message, *report, *file;
} sim_xfail;

typedef struct sim_xstate {
    const gmp_explore_options *eo;
    sim_strat_spec spec;
    gmp_options base;
    uint64_t stride;         /* shard count N */
    uint64_t first;          /* the seed of position 0 */
    int64_t total;           /* positions (dfs: grows) */
    uint8_t *state;          /* per position */
    int64_t state_cap;
    sim_xfail *fails;
    int64_t nfails, capfails;
    int64_t prefix;          /* positions [0, prefix) have all reported */
    int64_t prefix_failures;
    int64_t cutoff;          /* the last position kept; INT64_MAX: none yet */
    int64_t reported;
    FILE *devnull;
    int64_t pct_k;           /* pct's step estimate */
    sim_pct pct;
    sim_forced forced;
    double t0, shown;
    char err[2048];
} sim_xstate;

static double sim_x_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t sim_x_seed(const sim_xstate *x, int64_t pos) {
    if (x->spec.kind == SIM_STRAT_DFS) return (uint64_t)pos;
    return x->first + (uint64_t)pos * x->stride;
}

static char *sim_x_strdup(const char *s) {
    if (s == NULL) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void sim_xfail_free(sim_xfail *f) {
    free(f->signature);
    free(f->message);
    free(f->report);
    free(f->file);
}

/* ---- [SECTION] one run ------------------------------------------------------------- */

/* Runs the schedule of pos (with want for dfs) into file (NULL: none). */
static int sim_x_exec(sim_xstate *x, int64_t pos, const uint32_t *want, int64_t want_count, FILE *file,
                      gmp_result *res) {
    gmp_options opt = x->base;
    gmp_strategy st = {.name = x->spec.name};
    opt.stdout_sink = x->devnull;
    opt.seed = x->spec.kind == SIM_STRAT_DFS ? x->eo->seed_first : sim_x_seed(x, pos);
    if (x->spec.kind == SIM_STRAT_PCT) {
        if (sim_pct_init(&x->pct, opt.seed, x->spec.param, x->pct_k) != 0) return -1;
        st.choose = sim_pct_choose;
        st.ctx = &x->pct;
        opt.strategy = &st;
    } else if (x->spec.kind == SIM_STRAT_DFS) {
        sim_forced_reset(&x->forced, want, want_count);
        st.choose = sim_forced_choose;
        st.ctx = &x->forced;
        opt.strategy = &st;
    }
    int rc = gmp_run(x->eo->scn, &opt, file, res);
    if (rc == 0 && x->forced.oom) {
        snprintf(res->message, sizeof res->message, "out of memory (dfs choice list)");
        rc = -1;
    }
    return rc;
}

/* A failing run again, into its schedule file. 0, or -1 with x->err. */
static int sim_x_write_file(sim_xstate *x, int64_t pos, const uint32_t *want, int64_t want_count,
                            const gmp_result *first, sim_xfail *f) {
    char path[4096];
    sim_explore_file_name(x->eo->out_dir, x->eo->scn->name, x->spec.name, sim_x_seed(x, pos), path, sizeof path);
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        snprintf(x->err, sizeof x->err, "cannot write %.1500s: %s", path, strerror(errno));
        return -1;
    }
    gmp_result res;
    int rc = sim_x_exec(x, pos, want, want_count, out, &res);
    if (fclose(out) != 0) rc = -1;
    if (rc == 0 && (res.outcome != first->outcome || strcmp(res.message, first->message) != 0)) {
        snprintf(x->err, sizeof x->err, "seed %" PRIu64 ": the run with a schedule file ended differently (%s) "
                 "than without (%s): a nondeterministic scenario?", sim_x_seed(x, pos),
                 gmp_outcome_name(res.outcome), gmp_outcome_name(first->outcome));
        rc = -1;
    } else if (rc != 0) {
        snprintf(x->err, sizeof x->err, "seed %" PRIu64 ": %s", sim_x_seed(x, pos), res.message);
    }
    gmp_result_free(&res);
    if (rc == 0) f->file = sim_x_strdup(path);
    return rc;
}

/* Runs pos; fills *f when it fails. Returns the outcome, or -1 with x->err. */
static int32_t sim_x_one(sim_xstate *x, int64_t pos, const uint32_t *want, int64_t want_count, sim_xfail *f) {
    gmp_result res;
    memset(f, 0, sizeof *f);
    if (sim_x_exec(x, pos, want, want_count, NULL, &res) != 0) {
        snprintf(x->err, sizeof x->err, "seed %" PRIu64 ": %s", sim_x_seed(x, pos), res.message);
        gmp_result_free(&res);
        return -1;
    }
    int32_t outcome = res.outcome;
    if (outcome != GMP_OUTCOME_OK) {
        char sig[512];
        gmp_signature(outcome, res.message, res.report, sig, sizeof sig);
        f->pos = pos;
        f->seed = sim_x_seed(x, pos);
        f->outcome = outcome;
        f->signature = sim_x_strdup(sig);
        f->message = sim_x_strdup(res.message);
        f->report = sim_x_strdup(res.report ? res.report : res.message);
        if (x->eo->out_dir && sim_x_write_file(x, pos, want, want_count, &res, f) != 0) outcome = -1;
    }
    gmp_result_free(&res);
    return outcome;
}

/* ---- [SECTION] merging results by position ------------------------------------------- */

static int sim_x_grow(sim_xstate *x, int64_t pos) {
    if (pos < x->state_cap) return 0;
    int64_t cap = x->state_cap ? x->state_cap : 1024;
    while (cap <= pos) cap *= 2;
    uint8_t *n = realloc(x->state, (size_t)cap);
    if (n == NULL) return -1;
    memset(n + x->state_cap, SIM_X_PENDING, (size_t)(cap - x->state_cap));
    x->state = n;
    x->state_cap = cap;
    return 0;
}

static void sim_x_progress(sim_xstate *x, int final) {
    if (!x->eo->progress) return;
    double now = sim_x_now();
    if (!final && now - x->shown < 0.25) return;
    x->shown = now;
    double secs = now - x->t0 > 1e-9 ? now - x->t0 : 1e-9;
    char of[32] = "";
    if (x->spec.kind != SIM_STRAT_DFS) snprintf(of, sizeof of, "/%" PRId64, x->total);
    fprintf(stderr, "\r\033[K%s %s: %" PRId64 "%s schedules, %.0f/s, %" PRId64 " failures", x->eo->scn->name,
            x->spec.name, x->reported, of, (double)x->reported / secs, x->nfails);
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

/* Takes one run's result (f->signature set when it failed; f is moved). */
static int sim_x_merge(sim_xstate *x, int64_t pos, int32_t outcome, sim_xfail *f) {
    if (sim_x_grow(x, pos) != 0) return -1;
    SIM_ASSERT(x->state[pos] == SIM_X_PENDING);
    x->reported++;
    if (outcome == GMP_OUTCOME_OK) {
        x->state[pos] = SIM_X_OK;
    } else {
        x->state[pos] = SIM_X_FAIL;
        if (x->nfails == x->capfails) {
            int64_t cap = x->capfails ? 2 * x->capfails : 64;
            sim_xfail *n = realloc(x->fails, (size_t)cap * sizeof *n);
            if (n == NULL) return -1;
            x->fails = n;
            x->capfails = cap;
        }
        x->fails[x->nfails++] = *f;
        memset(f, 0, sizeof *f);
    }
    while (x->cutoff == INT64_MAX && x->prefix < x->state_cap && x->state[x->prefix] != SIM_X_PENDING) {
        if (x->state[x->prefix] == SIM_X_FAIL && ++x->prefix_failures == x->eo->max_failures) x->cutoff = x->prefix;
        x->prefix++;
    }
    sim_x_progress(x, 0);
    return 0;
}

/* ---- [SECTION] random and pct: in this process ----------------------------------------- */

static int sim_x_serial(sim_xstate *x) {
    for (int64_t pos = 0; pos < x->total && x->cutoff == INT64_MAX; pos++) {
        sim_xfail f;
        int32_t outcome = sim_x_one(x, pos, NULL, 0, &f);
        if (outcome < 0) {
            sim_xfail_free(&f);
            return -1;
        }
        if (sim_x_merge(x, pos, outcome, &f) != 0) return -1;
    }
    return 0;
}

/* ---- [SECTION] random and pct: worker processes ---------------------------------------- */

/* A record on a worker's pipe: this header, then the strings' bytes. */
typedef struct sim_xrec {
    int64_t pos;             /* -1: the worker is done; -2: it failed (message says why) */
    int32_t outcome;
    uint32_t len[4];         /* signature, message, report, file */
    uint32_t pad;
} sim_xrec;

enum { SIM_X_REPORT_MAX = 1 << 16 };

static int sim_x_send(FILE *out, int64_t pos, int32_t outcome, const sim_xfail *f) {
    const char *str[4] = {f ? f->signature : NULL, f ? f->message : NULL, f ? f->report : NULL,
                          f ? f->file : NULL};
    sim_xrec r = {.pos = pos, .outcome = outcome};
    for (int i = 0; i < 4; i++) {
        size_t n = str[i] ? strlen(str[i]) : 0;
        r.len[i] = (uint32_t)(n > SIM_X_REPORT_MAX ? SIM_X_REPORT_MAX : n);
    }
    if (fwrite(&r, sizeof r, 1, out) != 1) return -1;
    for (int i = 0; i < 4; i++)
        if (r.len[i] && fwrite(str[i], 1, r.len[i], out) != r.len[i]) return -1;
    if (outcome != GMP_OUTCOME_OK && fflush(out) != 0) return -1;
    return 0;
}

/* The child: positions w, w+J, ... until the parent's stop mark. Never returns. */
static void sim_x_child(sim_xstate *x, int w, int jobs, int fd, _Atomic int64_t *stop_after) {
    FILE *out = fdopen(fd, "w");
    if (out == NULL) _exit(3);
    static char buf[1 << 16];
    setvbuf(out, buf, _IOFBF, sizeof buf);
    double flushed = sim_x_now();
    for (int64_t pos = w; pos < x->total; pos += jobs) {
        if (pos > atomic_load(stop_after)) break;
        sim_xfail f;
        int32_t outcome = sim_x_one(x, pos, NULL, 0, &f);
        if (outcome < 0) {
            sim_xfail e = {.message = x->err};
            sim_x_send(out, -2, -1, &e);
            fclose(out);
            _exit(2);
        }
        int rc = sim_x_send(out, pos, outcome, outcome == GMP_OUTCOME_OK ? NULL : &f);
        sim_xfail_free(&f);
        if (rc != 0) _exit(3);
        double now = sim_x_now(); /* host time decides only when the progress line moves */
        if (now - flushed > 0.1) {
            fflush(out);
            flushed = now;
        }
    }
    sim_x_send(out, -1, 0, NULL);
    fclose(out);
    _exit(0);
}

typedef struct sim_xpipe {
    int fd;
    pid_t pid;
    char *buf;
    size_t len, cap;
    int done;
} sim_xpipe;

/* Parses the complete records in p->buf. -1 with x->err on a worker's failure. */
static int sim_x_drain(sim_xstate *x, sim_xpipe *p) {
    size_t off = 0;
    while (p->len - off >= sizeof(sim_xrec)) {
        sim_xrec r;
        memcpy(&r, p->buf + off, sizeof r);
        size_t need = sizeof r + (size_t)r.len[0] + r.len[1] + r.len[2] + r.len[3];
        if (p->len - off < need) break;
        char *str[4] = {NULL, NULL, NULL, NULL};
        const char *at = p->buf + off + sizeof r;
        for (int i = 0; i < 4; i++) {
            if (r.len[i] == 0) continue;
            str[i] = malloc(r.len[i] + 1);
            if (str[i]) {
                memcpy(str[i], at, r.len[i]);
                str[i][r.len[i]] = 0;
            }
            at += r.len[i];
        }
        off += need;
        if (r.pos == -1) {
            p->done = 1;
            continue;
        }
        if (r.pos == -2) {
            snprintf(x->err, sizeof x->err, "%s", str[1] ? str[1] : "a worker failed");
            for (int i = 0; i < 4; i++) free(str[i]);
            return -1;
        }
        sim_xfail f = {.pos = r.pos, .seed = sim_x_seed(x, r.pos), .outcome = r.outcome, .signature = str[0],
                       .message = str[1], .report = str[2], .file = str[3]};
        if (sim_x_merge(x, r.pos, r.outcome, &f) != 0) {
            sim_xfail_free(&f);
            snprintf(x->err, sizeof x->err, "out of memory");
            return -1;
        }
    }
    memmove(p->buf, p->buf + off, p->len - off);
    p->len -= off;
    return 0;
}

static int sim_x_read(sim_xstate *x, sim_xpipe *p) {
    if (p->cap - p->len < 65536) {
        size_t cap = p->cap ? p->cap * 2 : 1 << 17;
        char *n = realloc(p->buf, cap);
        if (n == NULL) return -1;
        p->buf = n;
        p->cap = cap;
    }
    ssize_t got = read(p->fd, p->buf + p->len, p->cap - p->len);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
    if (got <= 0) {
        close(p->fd);
        p->fd = -1;
        return 0;
    }
    p->len += (size_t)got;
    return sim_x_drain(x, p);
}

static int sim_x_spawn(sim_xstate *x, sim_xpipe *pipes, int jobs, _Atomic int64_t *stop_after) {
    fflush(NULL);
    for (int w = 0; w < jobs; w++) {
        int fds[2];
        if (pipe(fds) != 0) return -1;
        pid_t pid = fork();
        if (pid < 0) {
            close(fds[0]);
            close(fds[1]);
            return -1;
        }
        if (pid == 0) {
            close(fds[0]);
            for (int k = 0; k < w; k++) close(pipes[k].fd);
            sim_x_child(x, w, jobs, fds[1], stop_after);
        }
        close(fds[1]);
        pipes[w].fd = fds[0];
        pipes[w].pid = pid;
    }
    return 0;
}

/* Reaps every worker; a worker that died before saying it was done is an error. */
static int sim_x_reap(sim_xstate *x, sim_xpipe *pipes, int jobs, int rc) {
    for (int w = 0; w < jobs; w++) {
        if (pipes[w].fd >= 0) close(pipes[w].fd);
        if (pipes[w].pid <= 0) continue;
        int status = 0;
        while (waitpid(pipes[w].pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (rc == 0 && !pipes[w].done && x->cutoff == INT64_MAX) {
            if (WIFSIGNALED(status))
                snprintf(x->err, sizeof x->err, "worker %d died of signal %d (an internal error: run the "
                         "seeds it had with --jobs 1 to see it)", w, WTERMSIG(status));
            else
                snprintf(x->err, sizeof x->err, "worker %d exited with status %d before it was done", w,
                         WEXITSTATUS(status));
            rc = -1;
        }
        free(pipes[w].buf);
    }
    return rc;
}

static int sim_x_parallel(sim_xstate *x, int jobs) {
    _Atomic int64_t *stop_after = mmap(NULL, sizeof *stop_after, PROT_READ | PROT_WRITE,
                                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stop_after == MAP_FAILED) {
        snprintf(x->err, sizeof x->err, "mmap: %s", strerror(errno));
        return -1;
    }
    atomic_store(stop_after, INT64_MAX);
    sim_xpipe *pipes = calloc((size_t)jobs, sizeof *pipes);
    int rc = pipes ? sim_x_spawn(x, pipes, jobs, stop_after) : -1;
    if (rc != 0) snprintf(x->err, sizeof x->err, "cannot start workers: %s", strerror(errno));
    struct pollfd pfd[256];
    while (rc == 0) {
        int n = 0;
        for (int w = 0; w < jobs; w++) {
            if (pipes[w].fd < 0) continue;
            pfd[n].fd = pipes[w].fd;
            pfd[n].events = POLLIN;
            pfd[n].revents = 0;
            n++;
        }
        if (n == 0) break;
        if (poll(pfd, (nfds_t)n, 250) < 0 && errno != EINTR) {
            rc = -1;
            break;
        }
        for (int w = 0, k = 0; w < jobs && rc == 0; w++) {
            if (pipes[w].fd < 0) continue;
            if (pfd[k++].revents != 0) rc = sim_x_read(x, &pipes[w]);
        }
        if (x->cutoff != INT64_MAX) atomic_store(stop_after, x->cutoff);
        sim_x_progress(x, 0);
    }
    if (rc != 0) {
        for (int w = 0; w < jobs; w++)
            if (pipes[w].pid > 0) kill(pipes[w].pid, SIGTERM); /* our own workers */
    }
    if (pipes) rc = sim_x_reap(x, pipes, jobs, rc);
    free(pipes);
    munmap(stop_after, sizeof *stop_after);
    return rc;
}

/* ---- [SECTION] dfs ------------------------------------------------------------------ */

static int sim_x_dfs(sim_xstate *x, int *exhausted) {
    sim_dfs dfs = {.bound = x->spec.param};
    int rc = 0;
    *exhausted = 0;
    for (int64_t pos = 0; x->cutoff == INT64_MAX; pos++) {
        if (x->eo->runs > 0 && pos >= x->eo->runs) break;
        sim_xfail f;
        int32_t outcome = sim_x_one(x, pos, dfs.prefix, dfs.len, &f);
        if (outcome < 0) {
            sim_xfail_free(&f);
            rc = -1;
            break;
        }
        /* sim_x_one re-ran a failure into its file with the same prefix: x->forced is
         * that run's, which made the same decisions. */
        x->total = pos + 1;
        if (sim_x_merge(x, pos, outcome, &f) != 0 || sim_dfs_next(&dfs, &x->forced) != 0) {
            snprintf(x->err, sizeof x->err, "out of memory");
            rc = -1;
            break;
        }
        if (dfs.exhausted) {
            *exhausted = 1;
            break;
        }
    }
    sim_dfs_free(&dfs);
    return rc;
}

/* ---- [SECTION] results --------------------------------------------------------------- */

static int sim_x_fail_cmp(const void *a, const void *b) {
    const sim_xfail *fa = a, *fb = b;
    return fa->pos < fb->pos ? -1 : fa->pos > fb->pos;
}

/* Failures past the cut-off go, with their files; the rest become groups. */
static int sim_x_collect(sim_xstate *x, gmp_explore_result *er) {
    if (x->nfails > 1) qsort(x->fails, (size_t)x->nfails, sizeof *x->fails, sim_x_fail_cmp);
    int64_t kept_end = x->cutoff != INT64_MAX ? x->cutoff + 1 : x->total;
    er->runs = kept_end;
    er->stopped = x->cutoff != INT64_MAX;
    for (int64_t i = 0; i < x->nfails; i++) {
        sim_xfail *f = &x->fails[i];
        if (f->pos >= kept_end) {
            if (f->file) unlink(f->file); /* run past the cut-off by another worker */
            continue;
        }
        er->failures++;
        int32_t g = 0;
        while (g < er->group_count && strcmp(er->groups[g].signature, f->signature ? f->signature : "") != 0) g++;
        if (g == er->group_count) {
            gmp_explore_group *n = realloc(er->groups, (size_t)(g + 1) * sizeof *n);
            if (n == NULL) return -1;
            er->groups = n;
            er->group_count++;
            gmp_explore_group *gr = &er->groups[g];
            memset(gr, 0, sizeof *gr);
            snprintf(gr->signature, sizeof gr->signature, "%s", f->signature ? f->signature : "");
            snprintf(gr->message, sizeof gr->message, "%s", f->message ? f->message : "");
            gr->outcome = f->outcome;
            gr->first_seed = f->seed;
            gr->report = f->report;
            gr->file = f->file;
            f->report = f->file = NULL;
        }
        gmp_explore_group *gr = &er->groups[g];
        if (gr->count < 8) gr->seeds_shown[gr->count] = f->seed;
        gr->count++;
        f->group = g;
    }
    if (!x->eo->keep_runs) return 0;
    er->runlist = calloc((size_t)(kept_end ? kept_end : 1), sizeof *er->runlist);
    if (er->runlist == NULL) return -1;
    er->run_count = kept_end;
    for (int64_t pos = 0, fi = 0; pos < kept_end; pos++) {
        gmp_explore_run *r = &er->runlist[pos];
        r->seed = sim_x_seed(x, pos);
        r->outcome = GMP_OUTCOME_OK;
        r->group = -1;
        while (fi < x->nfails && x->fails[fi].pos < pos) fi++;
        if (fi < x->nfails && x->fails[fi].pos == pos) {
            r->outcome = x->fails[fi].outcome;
            r->group = x->fails[fi].group;
        }
    }
    return 0;
}

/* ---- [SECTION] gmp_explore ------------------------------------------------------------ */

/* pct's k: the tie decisions of one run of the first seed under the random choices. */
static int sim_x_pct_estimate(sim_xstate *x) {
    sim_prng draw;
    sim_prng_init(&draw, x->eo->seed_first);
    x->forced.draw = &draw;
    sim_forced_reset(&x->forced, NULL, 0);
    gmp_options opt = x->base;
    gmp_strategy st = {.name = "random", .choose = sim_forced_choose, .ctx = &x->forced};
    opt.strategy = &st;
    opt.seed = x->eo->seed_first;
    opt.stdout_sink = x->devnull;
    gmp_result res;
    int rc = gmp_run(x->eo->scn, &opt, NULL, &res);
    if (rc != 0) snprintf(x->err, sizeof x->err, "%s", res.message);
    gmp_result_free(&res);
    x->pct_k = x->forced.ties > 0 ? x->forced.ties : 1;
    x->forced.draw = NULL;
    return rc;
}

static int sim_x_setup(sim_xstate *x, const gmp_explore_options *eo, char *err, size_t err_size) {
    memset(x, 0, sizeof *x);
    x->eo = eo;
    x->cutoff = INT64_MAX;
    if (eo->scn == NULL) return snprintf(err, err_size, "no scenario"), -1;
    if (sim_strat_parse(eo->strategy, &x->spec, err, err_size) != 0) return -1;
    int32_t n = eo->shard_count > 0 ? eo->shard_count : 1, k = eo->shard_count > 0 ? eo->shard_index : 1;
    if (k < 1 || k > n) return snprintf(err, err_size, "shard %d/%d: K must be in 1..N", k, n), -1;
    if (x->spec.kind == SIM_STRAT_DFS && n > 1)
        return snprintf(err, err_size, "dfs explores one tree in order: --shard needs random or pct"), -1;
    if (x->spec.kind != SIM_STRAT_DFS && eo->runs <= 0) return snprintf(err, err_size, "no runs"), -1;
    if (eo->seed_first + (uint64_t)(eo->runs > 0 ? eo->runs : 1) - 1 > (UINT64_C(1) << 53) - 1)
        return snprintf(err, err_size, "seeds must stay below 2^53"), -1;
    gmp_options_default(&x->base);
    if (eo->procs) x->base.procs = eo->procs;
    if (eo->go_minor) x->base.go_minor = eo->go_minor;
    x->base.max_events = eo->max_events;
    x->base.max_time_ns = eo->max_time_ns;
    x->base.stack_size_bytes = eo->stack_size_bytes;
    x->base.race = eo->race;
    x->base.leaks_ignore = eo->leaks_ignore;
    x->base.leak_grace_ns = eo->leak_grace_ns;
    x->base.os_preempt = eo->os_preempt;
    if (gmp_options_check(&x->base, err, err_size) != 0) return -1;
    x->stride = (uint64_t)n;
    x->first = eo->seed_first + (uint64_t)(k - 1);
    if (x->spec.kind != SIM_STRAT_DFS)
        x->total = eo->runs > k - 1 ? (eo->runs - (k - 1) + n - 1) / n : 0;
    x->devnull = fopen("/dev/null", "w");
    if (x->devnull == NULL) return snprintf(err, err_size, "/dev/null: %s", strerror(errno)), -1;
    if (sim_x_grow(x, x->total) != 0) return snprintf(err, err_size, "out of memory"), -1;
    return 0;
}

static void sim_x_teardown(sim_xstate *x) {
    for (int64_t i = 0; i < x->nfails; i++) sim_xfail_free(&x->fails[i]);
    free(x->fails);
    free(x->state);
    if (x->devnull) fclose(x->devnull);
    sim_pct_free(&x->pct);
    sim_forced_free(&x->forced);
}

int gmp_explore(const gmp_explore_options *eo, gmp_explore_result *er, char *err, size_t err_size) {
    SIM_ASSERT(eo != NULL && er != NULL);
    memset(er, 0, sizeof *er);
    sim_xstate x;
    if (sim_x_setup(&x, eo, err, err_size) != 0) {
        sim_x_teardown(&x);
        return -1;
    }
    x.t0 = x.shown = sim_x_now();
    int rc = 0;
    if (x.spec.kind == SIM_STRAT_PCT) rc = sim_x_pct_estimate(&x);
    int jobs = eo->jobs > 1 ? (eo->jobs > 256 ? 256 : eo->jobs) : 1;
    if (rc == 0) {
        if (x.spec.kind == SIM_STRAT_DFS) rc = sim_x_dfs(&x, &er->exhausted);
        else if (jobs > 1 && x.total > 1) rc = sim_x_parallel(&x, jobs);
        else rc = sim_x_serial(&x);
    }
    if (rc == 0 && sim_x_collect(&x, er) != 0) {
        snprintf(x.err, sizeof x.err, "out of memory");
        rc = -1;
    }
    sim_x_progress(&x, 1);
    er->seconds = sim_x_now() - x.t0;
    if (rc != 0) snprintf(err, err_size, "%s", x.err[0] ? x.err : "explore failed");
    sim_x_teardown(&x);
    return rc;
}

void gmp_explore_result_free(gmp_explore_result *er) {
    for (int32_t g = 0; g < er->group_count; g++) {
        free(er->groups[g].report);
        free(er->groups[g].file);
    }
    free(er->groups);
    free(er->runlist);
    memset(er, 0, sizeof *er);
}

/* ---- [SECTION] JUnit ------------------------------------------------------------------ */

static void sim_xml(FILE *out, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') fputc('?', out);
            else fputc(*s, out);
        }
    }
}

void gmp_explore_write_junit(const gmp_explore_options *eo, const gmp_explore_result *er, FILE *out) {
    const char *scn = eo->scn ? eo->scn->name : "?";
    const char *strat = eo->strategy ? eo->strategy : "random";
    int32_t cases = er->group_count > 0 ? er->group_count : 1;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    fprintf(out, "  <testsuite name=\"gmpsim.explore.");
    sim_xml(out, scn);
    fprintf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n", cases, er->group_count,
            er->seconds);
    fprintf(out, "    <properties>\n      <property name=\"strategy\" value=\"");
    sim_xml(out, strat);
    fprintf(out, "\"/>\n      <property name=\"schedules\" value=\"%" PRId64 "\"/>\n", er->runs);
    fprintf(out, "      <property name=\"failures\" value=\"%" PRId64 "\"/>\n    </properties>\n", er->failures);
    if (er->group_count == 0) {
        fprintf(out, "    <testcase classname=\"gmpsim.explore.");
        sim_xml(out, scn);
        fprintf(out, "\" name=\"%" PRId64 " schedules, no failure\" time=\"%.3f\"/>\n", er->runs, er->seconds);
    }
    for (int32_t g = 0; g < er->group_count; g++) {
        const gmp_explore_group *gr = &er->groups[g];
        fprintf(out, "    <testcase classname=\"gmpsim.explore.");
        sim_xml(out, scn);
        fprintf(out, "\" name=\"");
        sim_xml(out, gr->signature);
        fprintf(out, "\" time=\"0\">\n      <failure type=\"%s\" message=\"", gmp_outcome_name(gr->outcome));
        sim_xml(out, gr->message);
        fprintf(out, "\">%" PRId64 " of %" PRId64 " schedules, first seed %" PRIu64 "\n", gr->count, er->runs,
                gr->first_seed);
        if (gr->file) {
            fprintf(out, "schedule: ");
            sim_xml(out, gr->file);
            fprintf(out, " (gmpsim replay ");
            sim_xml(out, gr->file);
            fprintf(out, ")\n");
        }
        fprintf(out, "\n");
        sim_xml(out, gr->report);
        fprintf(out, "</failure>\n    </testcase>\n");
    }
    fprintf(out, "  </testsuite>\n</testsuites>\n");
}

/* ---- [SECTION] results files and their merge ---------------------------------------- */

static int sim_merge_fail(char *err, size_t err_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sim_merge_fail(char *err, size_t err_size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return -1;
}

/* One JSON line for the exploration, then one per failing schedule, by seed. */
int gmp_explore_write_results(const gmp_explore_options *eo, const gmp_explore_result *er, FILE *out) {
    SIM_ASSERT(eo != NULL && er != NULL && out != NULL);
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "ev", "ExploreResults");
    cJSON_AddStringToObject(h, "scenario", eo->scn ? eo->scn->name : "?");
    cJSON_AddStringToObject(h, "strategy", eo->strategy ? eo->strategy : "random");
    cJSON_AddNumberToObject(h, "seed_first", (double)eo->seed_first);
    cJSON_AddNumberToObject(h, "seeds", (double)eo->runs);
    cJSON_AddNumberToObject(h, "shard", eo->shard_count > 0 ? eo->shard_index : 1);
    cJSON_AddNumberToObject(h, "shards", eo->shard_count > 0 ? eo->shard_count : 1);
    cJSON_AddNumberToObject(h, "procs", eo->procs);
    cJSON_AddNumberToObject(h, "go_minor", eo->go_minor);
    cJSON_AddNumberToObject(h, "runs", (double)er->runs);
    cJSON_AddNumberToObject(h, "failures", (double)er->failures);
    cJSON_AddBoolToObject(h, "stopped", er->stopped);
    cJSON_AddBoolToObject(h, "exhausted", er->exhausted);
    char *line = cJSON_PrintUnformatted(h);
    cJSON_Delete(h);
    if (line == NULL) return -1;
    fprintf(out, "%s\n", line);
    free(line);
    if (er->failures > 0 && er->runlist == NULL) return -1; /* needs keep_runs */
    for (int64_t i = 0; i < er->run_count; i++) {
        const gmp_explore_run *r = &er->runlist[i];
        if (r->group < 0) continue;
        const gmp_explore_group *g = &er->groups[r->group];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "seed", (double)r->seed);
        cJSON_AddStringToObject(o, "outcome", gmp_outcome_name((gmp_outcome)r->outcome));
        cJSON_AddStringToObject(o, "signature", g->signature);
        cJSON_AddStringToObject(o, "message", g->message);
        char path[4096];
        if (g->file) {
            /* the directory of the group's first file holds this one too */
            const char *slash = strrchr(g->file, '/');
            char dir[2048];
            snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - g->file) : 1, slash ? g->file : ".");
            sim_explore_file_name(dir, eo->scn->name, eo->strategy ? eo->strategy : "random", r->seed, path,
                                  sizeof path);
            cJSON_AddStringToObject(o, "file", path);
        }
        line = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (line == NULL) return -1;
        fprintf(out, "%s\n", line);
        free(line);
    }
    return ferror(out) ? -1 : 0;
}

typedef struct sim_mrec {
    uint64_t seed;
    int32_t outcome;
    char *signature, *message, *file;
} sim_mrec;

static int sim_mrec_cmp(const void *a, const void *b) {
    const sim_mrec *x = a, *y = b;
    return x->seed < y->seed ? -1 : x->seed > y->seed;
}

static int sim_merge_header(const char *path, const cJSON *h, cJSON **first, int *shard_seen, int nshards_max,
                            char *err, size_t err_size) {
    const char *keys[] = {"scenario", "strategy", "seed_first", "seeds", "shards", "procs", "go_minor"};
    if (*first == NULL) {
        *first = cJSON_Duplicate(h, 1);
    } else {
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(h, keys[i]),
                               cJSON_GetObjectItemCaseSensitive(*first, keys[i]), 1))
                return sim_merge_fail(err, err_size, "%s: %s differs from the first file's: not the same exploration",
                                path, keys[i]);
        }
    }
    int k = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(h, "shard"));
    int n = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(h, "shards"));
    if (n < 1 || n > nshards_max || k < 1 || k > n) return sim_merge_fail(err, err_size, "%s: bad shard %d/%d", path, k, n);
    if (shard_seen[k - 1]++) return sim_merge_fail(err, err_size, "%s: shard %d/%d given twice", path, k, n);
    return 0;
}

int gmp_explore_merge(const char *const *paths, int count, gmp_explore_result *er, char *scenario,
                      size_t scenario_size, char *err, size_t err_size) {
    SIM_ASSERT(er != NULL && paths != NULL);
    memset(er, 0, sizeof *er);
    enum { SHARDS_MAX = 4096 };
    int *shard_seen = calloc(SHARDS_MAX, sizeof *shard_seen);
    cJSON *first = NULL;
    sim_mrec *recs = NULL;
    int64_t nrec = 0, cap = 0;
    int rc = shard_seen ? 0 : -1;
    for (int f = 0; f < count && rc == 0; f++) {
        FILE *in = fopen(paths[f], "r");
        if (in == NULL) {
            rc = sim_merge_fail(err, err_size, "%s: %s", paths[f], strerror(errno));
            break;
        }
        char *line = NULL;
        size_t lcap = 0;
        for (int64_t ln = 1; rc == 0 && getline(&line, &lcap, in) > 0; ln++) {
            cJSON *o = cJSON_Parse(line);
            if (o == NULL) {
                rc = sim_merge_fail(err, err_size, "%s:%" PRId64 ": not JSON", paths[f], ln);
                break;
            }
            if (ln == 1) {
                rc = sim_merge_header(paths[f], o, &first, shard_seen, SHARDS_MAX, err, err_size);
                er->runs += (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "runs"));
                er->stopped |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "stopped"));
            } else if (nrec < cap || (recs = realloc(recs, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *recs))) {
                sim_mrec *r = &recs[nrec++];
                const char *oc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "outcome"));
                r->seed = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "seed"));
                r->outcome = GMP_OUTCOME_ASSERT;
                for (int k = 0; oc && k < 64 && strcmp(gmp_outcome_name((gmp_outcome)k), "?") != 0; k++)
                    if (strcmp(gmp_outcome_name((gmp_outcome)k), oc) == 0) r->outcome = k;
                r->signature = sim_x_strdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "signature")));
                r->message = sim_x_strdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "message")));
                r->file = sim_x_strdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "file")));
            } else {
                rc = sim_merge_fail(err, err_size, "out of memory");
            }
            cJSON_Delete(o);
        }
        free(line);
        fclose(in);
    }
    int shards = first ? (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(first, "shards")) : 0;
    for (int k = 0; rc == 0 && k < shards; k++)
        if (!shard_seen[k]) rc = sim_merge_fail(err, err_size, "shard %d/%d is missing: its seeds were not merged", k + 1, shards);
    if (rc == 0 && first == NULL) rc = sim_merge_fail(err, err_size, "no results");
    if (rc == 0) {
        snprintf(scenario, scenario_size, "%s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(first, "scenario")));
        if (nrec > 1) qsort(recs, (size_t)nrec, sizeof *recs, sim_mrec_cmp);
        for (int64_t i = 0; i < nrec && rc == 0; i++) {
            sim_mrec *r = &recs[i];
            er->failures++;
            int32_t g = 0;
            while (g < er->group_count && strcmp(er->groups[g].signature, r->signature ? r->signature : "") != 0) g++;
            if (g == er->group_count) {
                gmp_explore_group *n = realloc(er->groups, (size_t)(g + 1) * sizeof *n);
                if (n == NULL) {
                    rc = -1;
                    break;
                }
                er->groups = n;
                er->group_count++;
                memset(&n[g], 0, sizeof n[g]);
                snprintf(n[g].signature, sizeof n[g].signature, "%s", r->signature ? r->signature : "");
                snprintf(n[g].message, sizeof n[g].message, "%s", r->message ? r->message : "");
                n[g].outcome = r->outcome;
                n[g].first_seed = r->seed;
                n[g].file = r->file;
                n[g].report = sim_x_strdup(r->message ? r->message : "");
                r->file = NULL;
            }
            if (er->groups[g].count < 8) er->groups[g].seeds_shown[er->groups[g].count] = r->seed;
            er->groups[g].count++;
        }
    }
    for (int64_t i = 0; i < nrec; i++) {
        free(recs[i].signature);
        free(recs[i].message);
        free(recs[i].file);
    }
    free(recs);
    free(shard_seen);
    cJSON_Delete(first);
    return rc;
}
