/* sim/replay.c: see replay.h. */
#include "replay.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "prng.h"
#include "trace.h"

enum {
    SIM_REPLAY_WINDOW = 256, /* lenient: how far ahead a recorded decision may be matched */
};

/* ---- [SECTION] errors ------------------------------------------------------------ */

static int sim_sf_fail(const sim_sf *sf, char *err, size_t err_size, int64_t line, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int sim_sf_fail(const sim_sf *sf, char *err, size_t err_size, int64_t line, const char *field,
                       const char *fmt, ...) {
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (line > 0) snprintf(err, err_size, "%s:%" PRId64 ": %s: %s", sf->path, line, field, what);
    else snprintf(err, err_size, "%s: %s: %s", sf->path, field, what);
    return -1;
}

/* ---- [SECTION] fields -------------------------------------------------------------- */

static const cJSON *sim_sf_get(const cJSON *o, const char *path) {
    /* "options.procs": one level of nesting is all the format has. */
    const char *dot = strchr(path, '.');
    if (dot == NULL) return cJSON_GetObjectItemCaseSensitive(o, path);
    char head[64];
    size_t n = (size_t)(dot - path) < sizeof head - 1 ? (size_t)(dot - path) : sizeof head - 1;
    memcpy(head, path, n);
    head[n] = 0;
    const cJSON *sub = cJSON_GetObjectItemCaseSensitive(o, head);
    return cJSON_IsObject(sub) ? cJSON_GetObjectItemCaseSensitive(sub, dot + 1) : NULL;
}

/* An exact integer field in [lo, hi]. */
static int sim_sf_int(const sim_sf *sf, const cJSON *o, int64_t line, const char *field, int64_t lo, int64_t hi,
                      int64_t *out, char *err, size_t err_size) {
    const cJSON *v = sim_sf_get(o, field);
    if (v == NULL) return sim_sf_fail(sf, err, err_size, line, field, "missing");
    if (!cJSON_IsNumber(v)) return sim_sf_fail(sf, err, err_size, line, field, "not a number");
    double d = v->valuedouble;
    if (d != (double)(int64_t)d || d < (double)lo || d > (double)hi)
        return sim_sf_fail(sf, err, err_size, line, field, "%.17g is not an integer in %" PRId64 "..%" PRId64, d,
                           lo, hi);
    *out = (int64_t)d;
    return 0;
}

static int sim_sf_str(const sim_sf *sf, const cJSON *o, int64_t line, const char *field, const char **out,
                      char *err, size_t err_size) {
    const cJSON *v = sim_sf_get(o, field);
    if (v == NULL) return sim_sf_fail(sf, err, err_size, line, field, "missing");
    if (!cJSON_IsString(v)) return sim_sf_fail(sf, err, err_size, line, field, "not a string");
    *out = v->valuestring;
    return 0;
}

/* An optional boolean of the header (an option added after version 1 began): *out is
 * left alone when the field is absent. */
static int sim_sf_opt_bool(const sim_sf *sf, const cJSON *o, const char *field, int32_t *out, char *err,
                           size_t err_size) {
    const cJSON *v = sim_sf_get(o, field);
    if (v == NULL) return 0;
    if (!cJSON_IsBool(v)) return sim_sf_fail(sf, err, err_size, 1, field, "not true or false");
    *out = cJSON_IsTrue(v);
    return 0;
}

static char *sim_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- [SECTION] header and footer --------------------------------------------------- */

static int sim_sf_header(sim_sf *sf, char *err, size_t err_size) {
    cJSON *h = cJSON_ParseWithLength(sf->lines[0], sf->lens[0]);
    if (h == NULL || !cJSON_IsObject(h)) {
        cJSON_Delete(h);
        return sim_sf_fail(sf, err, err_size, 1, "header", "not a JSON object");
    }
    int rc = -1;
    const char *s = NULL;
    int64_t v;
    if (sim_sf_str(sf, h, 1, "ev", &s, err, err_size) != 0) goto out;
    if (strcmp(s, "Header") != 0) {
        sim_sf_fail(sf, err, err_size, 1, "ev", "\"%s\": the first line must be the Header", s);
        goto out;
    }
    if (sim_sf_str(sf, h, 1, "format", &s, err, err_size) != 0) goto out;
    if (strcmp(s, "gmpsim-schedule") != 0) {
        sim_sf_fail(sf, err, err_size, 1, "format", "\"%s\" is not a gmpsim schedule", s);
        goto out;
    }
    if (sim_sf_int(sf, h, 1, "version", 0, 1 << 20, &v, err, err_size) != 0) goto out;
    sf->version = (int)v;
    if (v != GMPSIM_FORMAT_VERSION) {
        sim_sf_fail(sf, err, err_size, 1, "version", "format version %d; this gmpsim reads version %d", (int)v,
                    GMPSIM_FORMAT_VERSION);
        goto out;
    }
    if (sim_sf_str(sf, h, 1, "scenario", &s, err, err_size) != 0) goto out;
    snprintf(sf->scenario, sizeof sf->scenario, "%s", s);
    if (sim_sf_str(sf, h, 1, "strategy", &s, err, err_size) != 0) goto out;
    snprintf(sf->strategy, sizeof sf->strategy, "%s", s);
    gmp_options_default(&sf->opt);
    if (sim_sf_int(sf, h, 1, "seed", 0, (INT64_C(1) << 53) - 1, &v, err, err_size) != 0) goto out;
    sf->opt.seed = (uint64_t)v;
    if (sim_sf_int(sf, h, 1, "options.procs", 1, 256, &v, err, err_size) != 0) goto out;
    sf->opt.procs = (int32_t)v;
    if (sim_sf_str(sf, h, 1, "options.go", &s, err, err_size) != 0) goto out;
    int minor = 0;
    char tail = 0;
    if (sscanf(s, "1.%d%c", &minor, &tail) != 1 || minor < 5 || minor > 26) {
        sim_sf_fail(sf, err, err_size, 1, "options.go", "\"%s\" is not a Go version 1.5..1.26", s);
        goto out;
    }
    sf->opt.go_minor = minor;
    if (sim_sf_int(sf, h, 1, "options.max_events", 0, INT64_C(1) << 53, &v, err, err_size) != 0) goto out;
    sf->opt.max_events = v;
    if (sim_sf_int(sf, h, 1, "options.max_time_ns", 0, INT64_C(1) << 53, &v, err, err_size) != 0) goto out;
    sf->opt.max_time_ns = v;
    /* Options added after version 1 began are optional: older files lack them. */
    if (sim_sf_get(h, "options.leaks") != NULL) {
        if (sim_sf_str(sf, h, 1, "options.leaks", &s, err, err_size) != 0) goto out;
        if (strcmp(s, "report") != 0 && strcmp(s, "ignore") != 0) {
            sim_sf_fail(sf, err, err_size, 1, "options.leaks", "\"%s\" is not report or ignore", s);
            goto out;
        }
        sf->opt.leaks_ignore = strcmp(s, "ignore") == 0;
    }
    if (sim_sf_get(h, "options.schedtrace_ms") != NULL) {
        if (sim_sf_int(sf, h, 1, "options.schedtrace_ms", 1, INT64_C(1) << 40, &v, err, err_size) != 0) goto out;
        sf->opt.schedtrace_ms = v;
    }
    if (sim_sf_opt_bool(sf, h, "options.os_preempt", &sf->opt.os_preempt, err, err_size) != 0) goto out;
    if (sim_sf_get(h, "options.leak_grace_ns") != NULL) {
        if (sim_sf_int(sf, h, 1, "options.leak_grace_ns", 1, INT64_C(1) << 53, &v, err, err_size) != 0) goto out;
        sf->opt.leak_grace_ns = v;
    }
    if (sim_sf_opt_bool(sf, h, "options.race", &sf->opt.race, err, err_size) != 0) goto out;
    if (sim_sf_get(h, "options.stack_size") != NULL) {
        if (sim_sf_int(sf, h, 1, "options.stack_size", 0, 64 << 20, &v, err, err_size) != 0) goto out;
        sf->opt.stack_size_bytes = (uint32_t)v;
    }
    if (sim_sf_get(h, "options.yield_timeout_s") != NULL) {
        if (sim_sf_int(sf, h, 1, "options.yield_timeout_s", 0, 3600, &v, err, err_size) != 0) goto out;
        sf->opt.yield_timeout_s = (int32_t)v;
    }
    rc = 0;
out:
    cJSON_Delete(h);
    return rc;
}

static int sim_outcome_parse(const char *name, int32_t *out) {
    for (int o = GMP_OUTCOME_OK; o < 64 && strcmp(gmp_outcome_name((gmp_outcome)o), "?") != 0; o++) {
        if (strcmp(gmp_outcome_name((gmp_outcome)o), name) == 0) {
            *out = o;
            return 0;
        }
    }
    return -1;
}

static int sim_sf_footer(sim_sf *sf, char *err, size_t err_size) {
    int64_t ln = sf->nlines;
    cJSON *f = cJSON_ParseWithLength(sf->lines[ln - 1], sf->lens[ln - 1]);
    const cJSON *ev = f ? cJSON_GetObjectItemCaseSensitive(f, "ev") : NULL;
    if (f == NULL || !cJSON_IsString(ev) || strcmp(ev->valuestring, "Footer") != 0) {
        cJSON_Delete(f);
        return sim_sf_fail(sf, err, err_size, ln, "ev", "the last line is not the Footer: the file is truncated");
    }
    int rc = -1;
    const char *s = NULL;
    int64_t v;
    if (sim_sf_str(sf, f, ln, "outcome", &s, err, err_size) != 0) goto out;
    if (sim_outcome_parse(s, &sf->outcome) != 0) {
        sim_sf_fail(sf, err, err_size, ln, "outcome", "unknown outcome \"%s\"", s);
        goto out;
    }
    if (sim_sf_str(sf, f, ln, "message", &s, err, err_size) != 0) goto out;
    sf->message = sim_strdup(s);
    const cJSON *rep = cJSON_GetObjectItemCaseSensitive(f, "report");
    if (cJSON_IsString(rep)) sf->report = sim_strdup(rep->valuestring);
    if (sim_sf_str(sf, f, ln, "digest", &s, err, err_size) != 0) goto out;
    snprintf(sf->digest, sizeof sf->digest, "%s", s);
    if (sim_sf_int(sf, f, ln, "t", 0, INT64_C(1) << 53, &v, err, err_size) != 0) goto out;
    sf->end_t_ns = v;
    if (sim_sf_int(sf, f, ln, "counts.events", 0, INT64_C(1) << 53, &v, err, err_size) != 0) goto out;
    if (v != sf->events) {
        sim_sf_fail(sf, err, err_size, ln, "counts.events", "%" PRId64 ", but the file has %" PRId64 " event lines",
                    v, sf->events);
        goto out;
    }
    rc = sf->message ? 0 : sim_sf_fail(sf, err, err_size, ln, "message", "out of memory");
out:
    cJSON_Delete(f);
    return rc;
}

/* ---- [SECTION] events and decisions ----------------------------------------------- */

/* "tie:" + the candidates sorted, as sim_choice_describe_tie builds the key. */
static int sim_cmpstr(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sim_sf_tie_key(char **cands, uint32_t n) {
    char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (sorted == NULL) return NULL;
    memcpy(sorted, cands, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, sim_cmpstr);
    size_t len = 5;
    for (uint32_t i = 0; i < n; i++) len += strlen(sorted[i]) + 1;
    char *key = malloc(len);
    if (key) {
        strcpy(key, "tie:");
        for (uint32_t i = 0; i < n; i++) {
            if (i) strcat(key, ",");
            strcat(key, sorted[i]);
        }
        if (strlen(key) > 511) key[511] = 0; /* choice.c's key buffer holds 511 */
    }
    free(sorted);
    return key;
}

static int sim_sf_decision_parse(sim_sf *sf, int64_t k, const cJSON *o, sim_sf_decision *d, char *err,
                                 size_t err_size) {
    int64_t ln = k + 1, v;
    const char *s;
    memset(d, 0, sizeof *d);
    d->line = k;
    if (sim_sf_int(sf, o, ln, "i", 0, INT64_C(1) << 53, &d->event, err, err_size) != 0) return -1;
    if (sim_sf_int(sf, o, ln, "t", 0, INT64_C(1) << 53, &d->t_ns, err, err_size) != 0) return -1;
    if (sim_sf_str(sf, o, ln, "kind", &s, err, err_size) != 0) return -1;
    snprintf(d->kind, sizeof d->kind, "%s", s);
    if (sim_sf_int(sf, o, ln, "n", 2, UINT32_MAX, &v, err, err_size) != 0) return -1;
    d->n = (uint32_t)v;
    if (sim_sf_int(sf, o, ln, "choice", 0, UINT32_MAX, &v, err, err_size) != 0) return -1;
    if (v >= d->n) return sim_sf_fail(sf, err, err_size, ln, "choice", "%" PRId64 " is not below n=%u", v, d->n);
    d->choice = (uint32_t)v;
    const cJSON *pick = cJSON_GetObjectItemCaseSensitive(o, "pick");
    if (pick && !cJSON_IsString(pick)) return sim_sf_fail(sf, err, err_size, ln, "pick", "not a string");
    if (pick) d->pick = sim_strdup(pick->valuestring);
    const cJSON *cands = cJSON_GetObjectItemCaseSensitive(o, "cands");
    if (cands) {
        if (!cJSON_IsArray(cands) || (uint32_t)cJSON_GetArraySize(cands) != d->n)
            return sim_sf_fail(sf, err, err_size, ln, "cands", "not an array of n=%u identities", d->n);
        d->cands = calloc(d->n, sizeof *d->cands);
        if (d->cands == NULL) return sim_sf_fail(sf, err, err_size, ln, "cands", "out of memory");
        const cJSON *c;
        cJSON_ArrayForEach(c, cands) {
            if (!cJSON_IsString(c)) return sim_sf_fail(sf, err, err_size, ln, "cands", "not an array of strings");
            d->cands[d->cand_count++] = sim_strdup(c->valuestring);
        }
        d->key = sim_sf_tie_key(d->cands, d->cand_count);
    } else {
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(o, "key");
        if (key && !cJSON_IsString(key)) return sim_sf_fail(sf, err, err_size, ln, "key", "not a string");
        d->key = sim_strdup(key ? key->valuestring : "");
    }
    return d->key ? 0 : sim_sf_fail(sf, err, err_size, ln, "key", "out of memory");
}

/* Every event line: a JSON object whose "i" counts from 0. Only lines that may be
 * decisions are parsed in full; the others are checked by their opening bytes,
 * which is what the writer (trace.c) always puts first. */
static int sim_sf_events(sim_sf *sf, char *err, size_t err_size) {
    int64_t cap = 0;
    for (int64_t k = 1; k < sf->nlines - 1; k++) {
        const char *line = sf->lines[k];
        int64_t want = k - 1;
        char prefix[40];
        int plen = snprintf(prefix, sizeof prefix, "{\"i\":%" PRId64 ",", want);
        int fast = strncmp(line, prefix, (size_t)plen) == 0 && sf->lens[k] > 0 && line[sf->lens[k] - 1] == '}';
        if (fast && strstr(line, "\"Decision\"") == NULL) continue;
        cJSON *o = cJSON_ParseWithLength(line, sf->lens[k]);
        if (o == NULL || !cJSON_IsObject(o)) {
            cJSON_Delete(o);
            return sim_sf_fail(sf, err, err_size, k + 1, "event", "not a JSON object");
        }
        int64_t i;
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "ev");
        int rc = sim_sf_int(sf, o, k + 1, "i", 0, INT64_C(1) << 53, &i, err, err_size);
        if (rc == 0 && i != want) rc = sim_sf_fail(sf, err, err_size, k + 1, "i", "%" PRId64 ", expected %" PRId64, i, want);
        if (rc == 0 && !cJSON_IsString(ev)) rc = sim_sf_fail(sf, err, err_size, k + 1, "ev", "missing");
        if (rc == 0 && strcmp(ev->valuestring, "Decision") == 0) {
            if (sf->ndec == cap) {
                cap = cap ? 2 * cap : 64;
                sim_sf_decision *n = realloc(sf->dec, (size_t)cap * sizeof *n);
                if (n == NULL) rc = sim_sf_fail(sf, err, err_size, k + 1, "event", "out of memory");
                else sf->dec = n;
            }
            if (rc == 0) {
                rc = sim_sf_decision_parse(sf, k, o, &sf->dec[sf->ndec], err, err_size);
                sf->ndec++; /* freed by sim_sf_free even when half-parsed */
            }
        }
        cJSON_Delete(o);
        if (rc != 0) return -1;
    }
    return 0;
}

/* ---- [SECTION] loading ------------------------------------------------------------- */

static int sim_sf_read(sim_sf *sf, const char *path, char *err, size_t err_size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return sim_sf_fail(sf, err, err_size, 0, "open", "%s", strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (size_t got; buf != NULL && (got = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
        len += got;
        if (cap - len - 1 == 0) {
            char *n = realloc(buf, cap * 2);
            if (n == NULL) free(buf);
            buf = n;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL) return sim_sf_fail(sf, err, err_size, 0, "read", "out of memory");
    if (bad) {
        free(buf);
        return sim_sf_fail(sf, err, err_size, 0, "read", "read error");
    }
    buf[len] = 0;
    sf->buf = buf;
    sf->size_bytes = len;
    return 0;
}

static int sim_sf_split(sim_sf *sf, char *err, size_t err_size) {
    int64_t n = 0;
    for (size_t i = 0; i < sf->size_bytes; i++) n += sf->buf[i] == '\n';
    if (sf->size_bytes > 0 && sf->buf[sf->size_bytes - 1] != '\n') n++; /* a last line without '\n' */
    sf->lines = malloc((size_t)(n ? n : 1) * sizeof *sf->lines);
    sf->lens = malloc((size_t)(n ? n : 1) * sizeof *sf->lens);
    if (sf->lines == NULL || sf->lens == NULL) return sim_sf_fail(sf, err, err_size, 0, "read", "out of memory");
    char *p = sf->buf, *end = sf->buf + sf->size_bytes;
    for (int64_t k = 0; k < n; k++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL) nl = end;
        *nl = 0;
        sf->lines[k] = p;
        sf->lens[k] = (size_t)(nl - p);
        p = nl + 1;
    }
    sf->nlines = n;
    if (n < 2) return sim_sf_fail(sf, err, err_size, n, "file", "%s", n ? "no footer: the file is truncated" : "empty");
    return 0;
}

int sim_sf_load(sim_sf *sf, const char *path, char *err, size_t err_size) {
    SIM_ASSERT(sf != NULL && path != NULL);
    memset(sf, 0, sizeof *sf);
    snprintf(sf->path, sizeof sf->path, "%s", path);
    if (sim_sf_read(sf, path, err, err_size) != 0) return -1;
    if (sim_sf_split(sf, err, err_size) != 0) return -1;
    sf->events = sf->nlines - 2;
    if (sim_sf_header(sf, err, err_size) != 0) return -1;
    if (sim_sf_footer(sf, err, err_size) != 0) return -1;
    return sim_sf_events(sf, err, err_size);
}

void sim_sf_free(sim_sf *sf) {
    for (int64_t i = 0; i < sf->ndec; i++) {
        sim_sf_decision *d = &sf->dec[i];
        free(d->key);
        free(d->pick);
        for (uint32_t c = 0; c < d->cand_count; c++) free(d->cands[c]);
        free(d->cands);
    }
    free(sf->dec);
    free(sf->lines);
    free(sf->lens);
    free(sf->buf);
    free(sf->message);
    free(sf->report);
    memset(sf, 0, sizeof *sf);
}

void sim_sf_options(const sim_sf *sf, gmp_options *opt) {
    *opt = sf->opt;
    opt->strategy = NULL;
    opt->stdout_sink = NULL;
    /* --schedtrace keeps sysmon awake (as GODEBUG=schedtrace does), so it is part of the
     * schedule; a re-run traces too, into nowhere. */
    static FILE *devnull;
    if (opt->schedtrace_ms > 0 && devnull == NULL) devnull = fopen("/dev/null", "w");
    opt->schedtrace_out = devnull;
    if (opt->schedtrace_ms > 0 && devnull == NULL) opt->schedtrace_out = stderr;
}

void sim_sf_signature(const sim_sf *sf, char *buf, size_t size) {
    gmp_signature(sf->outcome, sf->message ? sf->message : "", sf->report, buf, size);
}

int64_t sim_sf_deviations(const sim_sf *sf) {
    int64_t n = 0;
    for (int64_t i = 0; i < sf->ndec; i++) n += sf->dec[i].choice != 0;
    return n;
}

/* ---- [SECTION] comparing while writing ----------------------------------------------- */

static void sim_cmp_line_done(sim_cmp_file *cf) {
    int64_t k = cf->line++;
    if (cf->diverge >= 0) return;
    const sim_sf *sf = cf->sf;
    int same = k < sf->nlines && sf->lens[k] == cf->cur_len && memcmp(sf->lines[k], cf->cur, cf->cur_len) == 0;
    if (same) return;
    cf->diverge = k;
    cf->recorded = sim_strdup(k < sf->nlines ? sf->lines[k] : "<end of file>");
    cf->replayed = malloc(cf->cur_len + 1);
    if (cf->replayed) {
        memcpy(cf->replayed, cf->cur, cf->cur_len);
        cf->replayed[cf->cur_len] = 0;
    }
}

static ssize_t sim_cmp_write(void *cookie, const char *buf, size_t size) {
    sim_cmp_file *cf = cookie;
    if (cf->copy && fwrite(buf, 1, size, cf->copy) != size) return -1;
    for (size_t i = 0; i < size;) {
        const char *nl = memchr(buf + i, '\n', size - i);
        size_t take = nl ? (size_t)(nl - (buf + i)) : size - i;
        if (cf->cur_len == 0 && take > 0) cf->digest_line = cf->digest; /* a line begins */
        cf->digest = sim_fnv1a(cf->digest, buf + i, take + (nl != NULL));
        if (cf->diverge < 0) { /* after a divergence only lines are counted */
            if (cf->cur == NULL || cf->cur_len + take + 1 > cf->cur_cap) {
                size_t cap = (cf->cur_len + take + 1) * 2;
                char *n = realloc(cf->cur, cap);
                if (n == NULL) return -1;
                cf->cur = n;
                cf->cur_cap = cap;
            }
            memcpy(cf->cur + cf->cur_len, buf + i, take);
            cf->cur_len += take;
        }
        i += take;
        if (nl) {
            sim_cmp_line_done(cf);
            cf->cur_len = 0;
            i++;
        }
    }
    return (ssize_t)size;
}

FILE *sim_cmp_open(sim_cmp_file *cf, const sim_sf *sf, FILE *copy) {
    memset(cf, 0, sizeof *cf);
    cf->sf = sf;
    cf->diverge = -1;
    cf->copy = copy;
    cf->digest = cf->digest_line = SIM_FNV_OFFSET;
    cookie_io_functions_t io = {.read = NULL, .write = sim_cmp_write, .seek = NULL, .close = NULL};
    return fopencookie(cf, "w", io);
}

void sim_cmp_finish(sim_cmp_file *cf) {
    if (cf->diverge >= 0 || cf->line >= cf->sf->nlines) return;
    cf->diverge = cf->line;
    cf->recorded = sim_strdup(cf->sf->lines[cf->line]);
    cf->replayed = sim_strdup("<end of run>");
}

void sim_cmp_free(sim_cmp_file *cf) {
    free(cf->cur);
    free(cf->recorded);
    free(cf->replayed);
    cf->cur = cf->recorded = cf->replayed = NULL;
}

/* ---- [SECTION] the replay strategy --------------------------------------------------- */

void sim_replay_fuzz(const char *in, char *out, size_t size) {
    SIM_ASSERT(size > 0);
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < size;) {
        if (in[i] == ':' && in[i + 1] >= '0' && in[i + 1] <= '9') { /* ":<digits>" goes */
            i++;
            while (in[i] >= '0' && in[i] <= '9') i++;
            continue;
        }
        out[o++] = in[i++];
    }
    out[o] = 0;
}

typedef struct sim_replay_ctx {
    const sim_sf *sf;
    int lenient;
    sim_prng prng;          /* the recorded seed's stream, one draw per decision */
    int64_t cursor;         /* lenient: recorded decisions before it are used or skipped */
    int64_t matched, seeded, first_unmatched;
} sim_replay_ctx;

static int sim_replay_same(const char *a, const char *b) {
    if (strcmp(a, b) == 0) return 1;
    char fa[512], fb[512];
    sim_replay_fuzz(a, fa, sizeof fa);
    sim_replay_fuzz(b, fb, sizeof fb);
    return strcmp(fa, fb) == 0;
}

/* The option of d that rec's choice means here, or -1. */
static int64_t sim_replay_translate(const sim_sf_decision *rec, const gmp_decision *d) {
    if (d->id_count > 0 && rec->pick != NULL) {
        for (uint32_t i = 0; i < d->id_count; i++)
            if (strcmp(d->ids[i], rec->pick) == 0) return i;
        for (uint32_t i = 0; i < d->id_count; i++)
            if (sim_replay_same(d->ids[i], rec->pick)) return i;
        return -1;
    }
    return rec->n == d->n ? (int64_t)rec->choice : -1;
}

static int64_t sim_replay_lenient(sim_replay_ctx *rc, const gmp_decision *d) {
    const sim_sf *sf = rc->sf;
    int64_t end = rc->cursor + SIM_REPLAY_WINDOW < sf->ndec ? rc->cursor + SIM_REPLAY_WINDOW : sf->ndec;
    for (int64_t j = rc->cursor; j < end; j++) {
        const sim_sf_decision *rec = &sf->dec[j];
        if (strcmp(rec->kind, d->kind) != 0) continue;
        if (!sim_replay_same(rec->key, d->key ? d->key : "")) continue;
        int64_t c = sim_replay_translate(rec, d);
        if (c < 0) continue;
        rc->cursor = j + 1;
        return c;
    }
    return -1;
}

static uint32_t sim_replay_choose(void *ctx, const gmp_decision *d) {
    sim_replay_ctx *rc = ctx;
    uint32_t seeded = sim_prng_n(&rc->prng, d->n);
    int64_t c = -1;
    if (rc->lenient) {
        c = sim_replay_lenient(rc, d);
    } else if (d->index < rc->sf->ndec) {
        const sim_sf_decision *rec = &rc->sf->dec[d->index];
        if (strcmp(rec->kind, d->kind) == 0 && rec->n == d->n) c = rec->choice;
    }
    if (c >= 0 && c < d->n) {
        rc->matched++;
        return (uint32_t)c;
    }
    if (rc->first_unmatched < 0) rc->first_unmatched = d->index;
    rc->seeded++;
    return seeded;
}

/* ---- [SECTION] gmp_replay_file --------------------------------------------------------- */

static void sim_digest_string(uint64_t d, char *buf, size_t size) {
    snprintf(buf, size, "fnv1a64:%016" PRIx64, d);
}

static int sim_replay_error(gmp_replay_result *rr, const char *msg) {
    rr->status = GMP_REPLAY_ERROR;
    snprintf(rr->error, sizeof rr->error, "%s", msg);
    return rr->status;
}

static void sim_replay_results(gmp_replay_result *rr, const sim_sf *sf, const gmp_result *res,
                               sim_cmp_file *cf, const sim_replay_ctx *rc, int lenient) {
    /* The digest of every byte before the footer (gmp_result.digest includes the footer). */
    (void)res->digest;
    sim_digest_string(cf->digest_line, rr->digest_replayed, sizeof rr->digest_replayed);
    rr->outcome_replayed = res->outcome;
    gmp_signature(res->outcome, res->message, res->report, rr->signature_replayed, sizeof rr->signature_replayed);
    rr->outcome_reached = strcmp(rr->signature_recorded, rr->signature_replayed) == 0;
    rr->decisions_matched = rc->matched;
    rr->decisions_seeded = rc->seeded;
    rr->first_unmatched = rc->first_unmatched;
    if (cf->diverge >= 0) {
        rr->diverge_line = cf->diverge + 1;
        rr->diverge_event = cf->diverge >= 1 && cf->diverge < sf->nlines - 1 ? cf->diverge - 1 : -1;
        rr->recorded_text = cf->recorded;
        rr->replayed_text = cf->replayed;
        cf->recorded = cf->replayed = NULL;
    }
    if (lenient) rr->status = rr->outcome_reached ? GMP_REPLAY_IDENTICAL : GMP_REPLAY_DIVERGED;
    else rr->status = cf->diverge < 0 ? GMP_REPLAY_IDENTICAL : GMP_REPLAY_DIVERGED;
}

int gmp_replay_file(const char *path, const gmp_replay_options *ro, gmp_replay_result *rr) {
    SIM_ASSERT(path != NULL && rr != NULL);
    memset(rr, 0, sizeof *rr);
    rr->diverge_event = -1;
    rr->first_unmatched = -1;
    gmp_replay_options none = {0};
    if (ro == NULL) ro = &none;
    sim_sf sf;
    char err[1024];
    if (sim_sf_load(&sf, path, err, sizeof err) != 0) {
        sim_sf_free(&sf);
        return sim_replay_error(rr, err);
    }
    snprintf(rr->scenario, sizeof rr->scenario, "%s", sf.scenario);
    const gmp_scenario *scn = gmp_scenario_find(sf.scenario);
    if (scn == NULL) {
        snprintf(err, sizeof err, "%s:1: scenario: no scenario named '%s' in this gmpsim (see 'gmpsim list'; "
                 "--plugin FILE.so loads one)", path, sf.scenario);
        sim_sf_free(&sf);
        return sim_replay_error(rr, err);
    }
    snprintf(rr->digest_recorded, sizeof rr->digest_recorded, "%s", sf.digest);
    rr->decisions_recorded = sf.ndec;
    rr->outcome_recorded = sf.outcome;
    sim_sf_signature(&sf, rr->signature_recorded, sizeof rr->signature_recorded);

    sim_replay_ctx rc = {.sf = &sf, .lenient = ro->lenient, .first_unmatched = -1};
    sim_prng_init(&rc.prng, sf.opt.seed);
    gmp_strategy st = {.name = sf.strategy, .choose = sim_replay_choose, .ctx = &rc, .wants_ids = ro->lenient};
    gmp_options opt;
    sim_sf_options(&sf, &opt);
    opt.strategy = &st;
    FILE *devnull = ro->stdout_sink ? NULL : fopen("/dev/null", "w");
    opt.stdout_sink = ro->stdout_sink ? ro->stdout_sink : devnull;
    sim_cmp_file cf;
    FILE *cmp = sim_cmp_open(&cf, &sf, ro->schedule_out);
    if (cmp == NULL) {
        if (devnull) fclose(devnull);
        sim_sf_free(&sf);
        return sim_replay_error(rr, "cannot open a comparing stream (fopencookie)");
    }
    gmp_result res;
    int rc_run = gmp_run(scn, &opt, cmp, &res);
    fclose(cmp);
    if (devnull) fclose(devnull);
    if (rc_run != 0) {
        snprintf(err, sizeof err, "%.500s: the replay could not run: %.400s", path, res.message);
        sim_replay_error(rr, err);
    } else {
        sim_cmp_finish(&cf);
        sim_replay_results(rr, &sf, &res, &cf, &rc, ro->lenient);
    }
    gmp_result_free(&res);
    sim_cmp_free(&cf);
    sim_sf_free(&sf);
    return rr->status;
}

void gmp_replay_result_free(gmp_replay_result *rr) {
    free(rr->recorded_text);
    free(rr->replayed_text);
    rr->recorded_text = rr->replayed_text = NULL;
}
