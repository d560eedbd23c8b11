/* sim/export.c: see export.h; gmp_export_chrome and gmp_dump_at.
 *
 * Chrome Trace Event Format (the JSON Object Format of "Trace Event Format",
 * Google, as Perfetto and chrome://tracing read it):
 *   process 1 "Ps": one track (thread) per P; process 2 "Ms": one track per M;
 *   "X" complete events: a goroutine's stretch on a P and on its M (GoStart to
 *   GoBlock/GoStop/GoDestroy/GoSyscallBegin), syscalls and spinning on the M;
 *   "s"/"f" flows: creation (GoCreate), unblocking (GoUnblock by a running G), and
 *   argument and value copies to a goroutine that is not running (ArgCopy,
 *   ValueCopy), from the running G's slice to where the other G next starts;
 *   "i" instant events: the other copies, prints, decisions;
 *   "C" counters: each P's local run queue and runnext, and the global queue.
 * Times: virtual ns, written as microseconds with three decimals (exact).
 */
#include "export.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gmpsim.h"
#include "replay.h"

/* ---- [SECTION] fields --------------------------------------------------------------- */

static int64_t sim_jint(const cJSON *o, const char *key, int64_t dflt) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

static const char *sim_jstr(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *sim_xstrdup(const char *s) {
    if (s == NULL) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- [SECTION] the model -------------------------------------------------------------- */

int sim_xm_init(sim_xm *xm, int32_t procs) {
    memset(xm, 0, sizeof *xm);
    xm->procs = procs;
    xm->p = calloc((size_t)procs, sizeof *xm->p);
    if (xm->p == NULL) return -1;
    for (int32_t i = 0; i < procs; i++) xm->p[i].m = -1;
    return 0;
}

static void sim_xg_clear_frames(sim_xg *g) {
    for (int32_t i = 0; i < g->frame_count; i++) {
        free(g->frames[i].fn);
        free(g->frames[i].args);
        free(g->frames[i].file);
    }
    g->frame_count = 0;
}

void sim_xm_free(sim_xm *xm) {
    for (int64_t i = 0; i < xm->g_cap; i++) {
        sim_xg *g = &xm->g[i];
        sim_xg_clear_frames(g);
        free(g->frames);
        free(g->fn);
        free(g->created_by);
        free(g->created_file);
        free(g->flows);
    }
    free(xm->g);
    for (int32_t i = 0; i < xm->procs; i++) free(xm->p[i].local.g);
    free(xm->p);
    free(xm->m);
    free(xm->global.g);
    memset(xm, 0, sizeof *xm);
}

sim_xg *sim_xm_g(sim_xm *xm, int64_t goid) {
    if (goid <= 0 || goid >= xm->g_cap || xm->g[goid].goid == 0) return NULL;
    return &xm->g[goid];
}

static sim_xg *sim_xm_g_new(sim_xm *xm, int64_t goid) {
    if (goid <= 0 || goid > (INT64_C(1) << 40)) return NULL;
    if (goid >= xm->g_cap) {
        int64_t cap = xm->g_cap ? xm->g_cap : 64;
        while (cap <= goid) cap *= 2;
        sim_xg *n = realloc(xm->g, (size_t)cap * sizeof *n);
        if (n == NULL) return NULL;
        memset(n + xm->g_cap, 0, (size_t)(cap - xm->g_cap) * sizeof *n);
        xm->g = n;
        xm->g_cap = cap;
    }
    sim_xg *g = &xm->g[goid];
    sim_xg_clear_frames(g); /* goids are never reused; a second GoCreate is a broken file */
    free(g->fn);
    free(g->created_by);
    free(g->created_file);
    g->fn = g->created_by = g->created_file = NULL;
    g->goid = goid;
    g->m = g->p = -1;
    g->order = xm->created++;
    return g;
}

static sim_xmm *sim_xm_m(sim_xm *xm, int64_t m) {
    if (m < 0 || m > 1000000) return NULL;
    if (m >= xm->m_cap) {
        int64_t cap = xm->m_cap ? xm->m_cap : 16;
        while (cap <= m) cap *= 2;
        sim_xmm *n = realloc(xm->m, (size_t)cap * sizeof *n);
        if (n == NULL) return NULL;
        for (int64_t i = xm->m_cap; i < cap; i++) n[i] = (sim_xmm){.p = -1};
        xm->m = n;
        xm->m_cap = cap;
    }
    xm->m[m].seen = 1;
    return &xm->m[m];
}

static sim_xp *sim_xm_p(sim_xm *xm, int64_t p) {
    return p >= 0 && p < xm->procs ? &xm->p[p] : NULL;
}

/* ---- [SECTION] queues ------------------------------------------------------------------ */

static int sim_xq_push(sim_xq *q, int64_t goid) {
    if (q->len == q->cap) {
        int32_t cap = q->cap ? 2 * q->cap : 16;
        int64_t *n = realloc(q->g, (size_t)cap * sizeof *n);
        if (n == NULL) return -1;
        q->g = n;
        q->cap = cap;
    }
    q->g[q->len++] = goid;
    return 0;
}

static int sim_xq_remove(sim_xq *q, int64_t goid) {
    for (int32_t i = 0; i < q->len; i++) {
        if (q->g[i] != goid) continue;
        memmove(&q->g[i], &q->g[i + 1], (size_t)(q->len - i - 1) * sizeof q->g[0]);
        q->len--;
        return 1;
    }
    return 0;
}

/* Takes goid out of whichever queue holds it (a G is in at most one). */
static void sim_xm_unqueue(sim_xm *xm, int64_t goid, const sim_xm_hooks *h) {
    for (int32_t p = 0; p < xm->procs; p++) {
        int hit = 0;
        if (xm->p[p].runnext == goid) {
            xm->p[p].runnext = 0;
            hit = 1;
        }
        hit |= sim_xq_remove(&xm->p[p].local, goid);
        if (hit) {
            if (h && h->queue_changed) h->queue_changed(h->ctx, xm, p, xm->t_ns);
            return;
        }
    }
    if (sim_xq_remove(&xm->global, goid) && h && h->queue_changed) h->queue_changed(h->ctx, xm, -1, xm->t_ns);
}

static int sim_xm_runq(sim_xm *xm, const char *ev, const cJSON *o, const sim_xm_hooks *h) {
    int64_t p = sim_jint(o, "p", -1), g = sim_jint(o, "g", 0);
    const char *queue = sim_jstr(o, "queue");
    sim_xp *pp = sim_xm_p(xm, p);
    int rc = 0;
    if (strcmp(ev, "RunqPut") == 0) {
        sim_xm_unqueue(xm, g, h);
        if (queue && strcmp(queue, "global") == 0) rc = sim_xq_push(&xm->global, g), p = -1;
        else if (pp && queue && strcmp(queue, "runnext") == 0) pp->runnext = g;
        else if (pp) rc = sim_xq_push(&pp->local, g);
    } else if (strcmp(ev, "RunqGet") == 0) {
        sim_xm_unqueue(xm, g, h);
    } else { /* RunqSteal: gs from the victim, all but the last to p's queue; RunqMove: to global */
        const cJSON *gs = cJSON_GetObjectItemCaseSensitive(o, "gs");
        int steal = strcmp(ev, "RunqSteal") == 0;
        int n = cJSON_IsArray(gs) ? cJSON_GetArraySize(gs) : 0;
        for (int i = 0; i < n && rc == 0; i++) {
            int64_t goid = (int64_t)cJSON_GetArrayItem(gs, i)->valuedouble;
            sim_xm_unqueue(xm, goid, h);
            if (!steal) rc = sim_xq_push(&xm->global, goid);
            else if (i + 1 < n && pp) rc = sim_xq_push(&pp->local, goid);
        }
        if (!steal) p = -1;
    }
    if (h && h->queue_changed) h->queue_changed(h->ctx, xm, p, xm->t_ns);
    return rc;
}

/* ---- [SECTION] goroutines -------------------------------------------------------------- */

static void sim_xm_set_line(sim_xg *g, const cJSON *o) {
    const char *file = sim_jstr(o, "file");
    int64_t line = sim_jint(o, "line", -1);
    if (g == NULL || g->frame_count == 0 || file == NULL || line < 0) return;
    sim_xframe *f = &g->frames[g->frame_count - 1];
    if (f->file == NULL || strcmp(f->file, file) != 0) {
        free(f->file);
        f->file = sim_xstrdup(file);
    }
    f->line = line;
}

static void sim_xm_stop(sim_xm *xm, sim_xg *g, int64_t t, const char *why, const sim_xm_hooks *h) {
    if (g->status != SIM_XG_RUNNING) return;
    if (h && h->slice_end) h->slice_end(h->ctx, xm, g, t, why, 0);
    sim_xmm *m = sim_xm_m(xm, g->m);
    if (m && m->g == g->goid) m->g = 0;
}

static void sim_xm_start(sim_xm *xm, sim_xg *g, int64_t m, int64_t p, int64_t t, const sim_xm_hooks *h) {
    sim_xmm *mm = sim_xm_m(xm, m);
    /* Whatever this M ran before is over (a stop the model did not see). */
    if (mm && mm->g && mm->g != g->goid) {
        sim_xg *old = sim_xm_g(xm, mm->g);
        if (old) {
            sim_xm_stop(xm, old, t, "?", h);
            old->status = SIM_XG_RUNNABLE;
        }
    }
    g->status = SIM_XG_RUNNING;
    g->m = m;
    g->p = p;
    g->since_ns = t;
    g->reason[0] = 0;
    if (mm) {
        mm->g = g->goid;
        mm->p = p;
    }
}

static int sim_xm_frame(sim_xm *xm, const char *ev, const cJSON *o) {
    sim_xg *g = sim_xm_g(xm, sim_jint(o, "g", 0));
    if (g == NULL) return 0;
    int64_t depth = sim_jint(o, "depth", 0);
    if (depth < 0 || depth > 100000) return -1;
    while (g->frame_count > depth) {
        g->frame_count--;
        sim_xframe *f = &g->frames[g->frame_count];
        free(f->fn);
        free(f->args);
        free(f->file);
    }
    if (strcmp(ev, "FrameExit") == 0) return 0;
    if (depth > 0) sim_xm_set_line(g, o); /* the caller is at the call */
    if (g->frame_count == g->frame_cap) {
        int32_t cap = g->frame_cap ? 2 * g->frame_cap : 4;
        sim_xframe *n = realloc(g->frames, (size_t)cap * sizeof *n);
        if (n == NULL) return -1;
        g->frames = n;
        g->frame_cap = cap;
    }
    sim_xframe *f = &g->frames[g->frame_count++];
    memset(f, 0, sizeof *f);
    f->fn = sim_xstrdup(sim_jstr(o, "fn") ? sim_jstr(o, "fn") : "?");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(o, "args");
    char buf[512] = "";
    size_t used = 0;
    for (int i = 0, n = cJSON_IsArray(args) ? cJSON_GetArraySize(args) : 0; i < n && used < sizeof buf; i++) {
        const cJSON *a = cJSON_GetArrayItem(args, i);
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i ? ", " : "",
                                 cJSON_IsString(a) ? a->valuestring : "?");
    }
    if (sim_jint(o, "args_size", 0) > 80 && used < sizeof buf) snprintf(buf + used, sizeof buf - used, ", ...");
    f->args = sim_xstrdup(buf);
    f->file = sim_xstrdup(sim_jstr(o, "file") ? sim_jstr(o, "file") : "?");
    f->line = sim_jint(o, "line", 0);
    return 0;
}

static int sim_xm_create(sim_xm *xm, const cJSON *o) {
    int64_t parent = sim_jint(o, "g", 0);
    sim_xg *pg = sim_xm_g(xm, parent);
    sim_xm_set_line(pg, o); /* the parent is at its go statement */
    sim_xg *g = sim_xm_g_new(xm, sim_jint(o, "new_g", 0));
    if (g == NULL) return -1;
    g->status = SIM_XG_RUNNABLE;
    g->fn = sim_xstrdup(sim_jstr(o, "fn") ? sim_jstr(o, "fn") : "?");
    g->parent = parent;
    g->created_file = sim_xstrdup(sim_jstr(o, "file") ? sim_jstr(o, "file") : "?");
    g->created_line = sim_jint(o, "line", 0);
    if (pg && pg->frame_count > 0) g->created_by = sim_xstrdup(pg->frames[pg->frame_count - 1].fn);
    else if (pg) g->created_by = sim_xstrdup(pg->fn);
    return 0;
}

/* The G events: status changes and slices. */
static int sim_xm_gevent(sim_xm *xm, const char *ev, const cJSON *o, const sim_xm_hooks *h) {
    sim_xg *g = sim_xm_g(xm, sim_jint(o, "g", 0));
    if (g == NULL) return 0; /* g0 or unknown: nothing to change */
    int64_t t = xm->t_ns, m = sim_jint(o, "m", -1), p = sim_jint(o, "p", -1);
    const char *reason = sim_jstr(o, "reason");
    if (strcmp(ev, "GoUnblock") != 0) sim_xm_set_line(g, o);
    if (strcmp(ev, "GoStart") == 0) {
        sim_xm_unqueue(xm, g->goid, h);
        sim_xm_start(xm, g, m, p, t, h);
    } else if (strcmp(ev, "GoBlock") == 0 || strcmp(ev, "GoStop") == 0 || strcmp(ev, "GoDestroy") == 0) {
        sim_xm_stop(xm, g, t, reason ? reason : ev, h);
        int blocked = ev[2] == 'B', dead = ev[2] == 'D';
        g->status = blocked ? SIM_XG_WAITING : dead ? SIM_XG_DEAD : SIM_XG_RUNNABLE;
        snprintf(g->reason, sizeof g->reason, "%s", reason && !dead ? reason : "");
        if (blocked) g->waitsince_ns = t;
        if (dead) sim_xg_clear_frames(g);
    } else if (strcmp(ev, "GoUnblock") == 0) {
        if (g->status == SIM_XG_WAITING) g->status = SIM_XG_RUNNABLE;
        g->reason[0] = 0;
    } else if (strcmp(ev, "GoSyscallBegin") == 0) {
        sim_xm_stop(xm, g, t, "syscall", h);
        g->status = SIM_XG_SYSCALL;
        g->since_ns = t;
        g->m = m;
    } else if (strncmp(ev, "GoSyscallEnd", 12) == 0) {
        if (g->status == SIM_XG_SYSCALL && h && h->slice_end) h->slice_end(h->ctx, xm, g, t, ev, 1);
        if (strcmp(ev, "GoSyscallEnd") == 0) sim_xm_start(xm, g, m, p, t, h);
        else g->status = SIM_XG_RUNNABLE;
    }
    return 0;
}

static void sim_xm_mevent(sim_xm *xm, const char *ev, const cJSON *o, const sim_xm_hooks *h) {
    int64_t m = sim_jint(o, "m", -1), p = sim_jint(o, "p", -1);
    sim_xmm *mm = sim_xm_m(xm, m);
    sim_xp *pp = sim_xm_p(xm, p);
    if (strcmp(ev, "ProcStart") == 0) {
        if (pp) pp->m = m;
        if (mm) mm->p = p;
    } else if (strcmp(ev, "ProcStop") == 0 || strcmp(ev, "ProcIdle") == 0 || strcmp(ev, "ProcSteal") == 0) {
        if (pp && (pp->m == m || m < 0 || strcmp(ev, "ProcStop") != 0)) pp->m = -1;
        if (mm && strcmp(ev, "ProcStop") == 0) mm->p = -1;
    } else if (strcmp(ev, "MSpin") == 0 && mm) {
        const cJSON *on = cJSON_GetObjectItemCaseSensitive(o, "spinning");
        if (cJSON_IsTrue(on) && !mm->spinning) {
            mm->spinning = 1;
            mm->spin_since_ns = xm->t_ns;
        } else if (!cJSON_IsTrue(on) && mm->spinning) {
            if (h && h->spin_end) h->spin_end(h->ctx, xm, m, xm->t_ns);
            mm->spinning = 0;
        }
    } else if ((strcmp(ev, "MStop") == 0 || strcmp(ev, "MExit") == 0) && mm && mm->spinning) {
        if (h && h->spin_end) h->spin_end(h->ctx, xm, m, xm->t_ns);
        mm->spinning = 0;
    }
}

int sim_xm_apply(sim_xm *xm, const cJSON *o, const sim_xm_hooks *h, char *err, size_t err_size) {
    const char *ev = sim_jstr(o, "ev");
    if (ev == NULL) return snprintf(err, err_size, "ev: missing"), -1;
    int64_t t = sim_jint(o, "t", -1);
    if (t < xm->t_ns) return snprintf(err, err_size, "t: %" PRId64 " is before %" PRId64, t, xm->t_ns), -1;
    xm->t_ns = t;
    xm->event = sim_jint(o, "i", xm->event + 1);
    int rc = 0;
    if (strcmp(ev, "GoCreate") == 0) rc = sim_xm_create(xm, o);
    else if (strncmp(ev, "Go", 2) == 0) rc = sim_xm_gevent(xm, ev, o, h);
    else if (strncmp(ev, "Frame", 5) == 0) rc = sim_xm_frame(xm, ev, o);
    else if (strncmp(ev, "Runq", 4) == 0) rc = sim_xm_runq(xm, ev, o, h);
    else if (ev[0] == 'P' || ev[0] == 'M') sim_xm_mevent(xm, ev, o, h);
    if (rc != 0) snprintf(err, err_size, "%s: cannot apply (out of memory or a bad goroutine id)", ev);
    return rc;
}

/* ---- [SECTION] reading a file event by event --------------------------------------------- */

typedef int (*sim_x_visit)(void *ctx, sim_xm *xm, const cJSON *ev);

/* Loads path and applies every event with t <= until_ns (INT64_MAX: all), calling
 * visit after each. Fills *sf (caller frees). */
static int sim_x_walk(const char *path, sim_sf *sf, sim_xm *xm, int64_t until_ns, const sim_xm_hooks *h,
                      sim_x_visit visit, void *ctx, char *err, size_t err_size) {
    if (sim_sf_load(sf, path, err, err_size) != 0) return -1;
    if (sim_xm_init(xm, sf->opt.procs) != 0) return snprintf(err, err_size, "out of memory"), -1;
    for (int64_t k = 1; k < sf->nlines - 1; k++) {
        cJSON *o = cJSON_ParseWithLength(sf->lines[k], sf->lens[k]);
        if (o == NULL) return snprintf(err, err_size, "%s:%" PRId64 ": event: not JSON", path, k + 1), -1;
        if (sim_jint(o, "t", 0) > until_ns) {
            cJSON_Delete(o);
            break;
        }
        char what[256];
        int rc = sim_xm_apply(xm, o, h, what, sizeof what);
        if (rc == 0 && visit) rc = visit(ctx, xm, o);
        cJSON_Delete(o);
        if (rc != 0) return snprintf(err, err_size, "%s:%" PRId64 ": %s", path, k + 1, rc ? what : ""), -1;
    }
    return 0;
}

/* ---- [SECTION] Chrome trace ------------------------------------------------------------ */

typedef struct sim_chrome {
    FILE *out;
    int first;
    int64_t flow_id;
} sim_chrome;

static void sim_json_str(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(out, "\\%c", *p);
        else if (*p == '\n') fputs("\\n", out);
        else if (*p == '\t') fputs("\\t", out);
        else if (*p < 0x20) fprintf(out, "\\u%04x", *p);
        else fputc(*p, out);
    }
    fputc('"', out);
}

/* Virtual ns as microseconds with three decimals: exact. */
static void sim_us(FILE *out, const char *key, int64_t ns) {
    fprintf(out, ",\"%s\":%" PRId64 ".%03" PRId64, key, ns / 1000, ns % 1000);
}

static void sim_ch_begin(sim_chrome *c, const char *ph, int pid, int64_t tid, int64_t t_ns) {
    fprintf(c->out, "%s\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%" PRId64, c->first ? "" : ",", ph, pid, tid);
    sim_us(c->out, "ts", t_ns);
    c->first = 0;
}

static void sim_ch_slice(sim_chrome *c, int pid, int64_t tid, int64_t t0, int64_t t1, const char *name,
                         const sim_xg *g, const char *why) {
    sim_ch_begin(c, "X", pid, tid, t0);
    sim_us(c->out, "dur", t1 - t0);
    fprintf(c->out, ",\"cat\":\"%s\",\"name\":", g ? "goroutine" : "m");
    sim_json_str(c->out, name);
    if (g) {
        fprintf(c->out, ",\"args\":{\"goid\":%" PRId64 ",\"fn\":", g->goid);
        sim_json_str(c->out, g->fn);
        fprintf(c->out, ",\"until\":");
        sim_json_str(c->out, why);
        fprintf(c->out, "}");
    }
    fprintf(c->out, "}");
}

static void sim_ch_slice_end(void *ctx, sim_xm *xm, sim_xg *g, int64_t t_ns, const char *why, int syscall) {
    (void)xm;
    sim_chrome *c = ctx;
    char name[256];
    if (syscall) {
        snprintf(name, sizeof name, "syscall G%" PRId64, g->goid);
        if (g->m >= 0) sim_ch_slice(c, 2, g->m, g->since_ns, t_ns, name, g, why);
        return;
    }
    snprintf(name, sizeof name, "G%" PRId64 " %s", g->goid, g->fn ? g->fn : "?");
    if (g->p >= 0) sim_ch_slice(c, 1, g->p, g->since_ns, t_ns, name, g, why);
    if (g->m >= 0) sim_ch_slice(c, 2, g->m, g->since_ns, t_ns, name, g, why);
}

static void sim_ch_spin_end(void *ctx, sim_xm *xm, int64_t m, int64_t t_ns) {
    sim_chrome *c = ctx;
    sim_ch_slice(c, 2, m, xm->m[m].spin_since_ns, t_ns, "spinning", NULL, NULL);
}

static void sim_ch_queue(void *ctx, sim_xm *xm, int64_t p, int64_t t_ns) {
    sim_chrome *c = ctx;
    if (p < 0) {
        sim_ch_begin(c, "C", 1, 0, t_ns);
        fprintf(c->out, ",\"name\":\"global runq\",\"args\":{\"len\":%d}}", xm->global.len);
        return;
    }
    sim_ch_begin(c, "C", 1, p, t_ns);
    fprintf(c->out, ",\"name\":\"runq P%" PRId64 "\",\"args\":{\"local\":%d,\"runnext\":%d}}", p, xm->p[p].local.len,
            xm->p[p].runnext ? 1 : 0);
}

/* A flow from the running G's slice now to where dst next starts. */
static void sim_ch_flow(sim_chrome *c, sim_xm *xm, const sim_xg *from, sim_xg *dst, const char *name) {
    if (from == NULL || dst == NULL || from == dst || from->status != SIM_XG_RUNNING || from->p < 0) return;
    if (dst->flow_count == dst->flow_cap) {
        int32_t cap = dst->flow_cap ? 2 * dst->flow_cap : 4;
        int64_t *n = realloc(dst->flows, (size_t)cap * sizeof *n);
        if (n == NULL) return;
        dst->flows = n;
        dst->flow_cap = cap;
    }
    int64_t id = ++c->flow_id;
    dst->flows[dst->flow_count++] = id;
    sim_ch_begin(c, "s", 1, from->p, xm->t_ns);
    fprintf(c->out, ",\"cat\":\"flow\",\"id\":%" PRId64 ",\"name\":", id);
    sim_json_str(c->out, name);
    fprintf(c->out, "}");
}

static void sim_ch_instant(sim_chrome *c, sim_xm *xm, const sim_xg *g, const char *name, const cJSON *o) {
    if (g == NULL || g->status != SIM_XG_RUNNING || g->p < 0) return;
    sim_ch_begin(c, "i", 1, g->p, xm->t_ns);
    fprintf(c->out, ",\"s\":\"t\",\"cat\":\"event\",\"name\":");
    sim_json_str(c->out, name);
    char *args = cJSON_PrintUnformatted(o);
    fprintf(c->out, ",\"args\":{\"event\":%s}}", args ? args : "null");
    free(args);
}

/* After each event: flows and instants. */
static int sim_ch_visit(void *ctx, sim_xm *xm, const cJSON *o) {
    sim_chrome *c = ctx;
    const char *ev = sim_jstr(o, "ev");
    sim_xg *cur = sim_xm_g(xm, sim_jint(o, "g", 0));
    if (strcmp(ev, "GoStart") == 0 && cur) {
        for (int32_t i = 0; i < cur->flow_count; i++) {
            sim_ch_begin(c, "f", 1, cur->p, xm->t_ns);
            fprintf(c->out, ",\"bp\":\"e\",\"cat\":\"flow\",\"id\":%" PRId64 ",\"name\":\"to G%" PRId64 "\"}",
                    cur->flows[i], cur->goid);
        }
        cur->flow_count = 0;
    } else if (strcmp(ev, "GoCreate") == 0) {
        sim_ch_flow(c, xm, cur, sim_xm_g(xm, sim_jint(o, "new_g", 0)), "go statement");
    } else if (strcmp(ev, "GoUnblock") == 0) {
        sim_ch_flow(c, xm, sim_xm_g(xm, sim_jint(o, "by", 0)), cur, "unblock");
    } else if (strcmp(ev, "ArgCopy") == 0 || strcmp(ev, "ValueCopy") == 0) {
        sim_xg *dst = sim_xm_g(xm, sim_jint(o, "dst_g", 0));
        char name[96];
        snprintf(name, sizeof name, "%s %" PRId64 " bytes", ev, sim_jint(o, "size", 0));
        if (dst && dst != cur && dst->status != SIM_XG_RUNNING) sim_ch_flow(c, xm, cur, dst, name);
        else sim_ch_instant(c, xm, cur, name, o);
    } else if (strcmp(ev, "Print") == 0 || strcmp(ev, "Decision") == 0 || strcmp(ev, "Panic") == 0 ||
               strcmp(ev, "Fail") == 0) {
        sim_ch_instant(c, xm, cur, ev, o);
    }
    return 0;
}

static void sim_ch_meta(sim_chrome *c, int pid, int64_t tid, const char *what, const char *name, int64_t sort) {
    fprintf(c->out, "%s\n{\"ph\":\"M\",\"pid\":%d,\"tid\":%" PRId64 ",\"name\":\"%s\",\"args\":{\"name\":", c->first ? "" : ",",
            pid, tid, what);
    sim_json_str(c->out, name);
    fprintf(c->out, "}}");
    c->first = 0;
    if (strcmp(what, "thread_name") == 0)
        fprintf(c->out, ",\n{\"ph\":\"M\",\"pid\":%d,\"tid\":%" PRId64 ",\"name\":\"thread_sort_index\","
                "\"args\":{\"sort_index\":%" PRId64 "}}", pid, tid, sort);
}

int gmp_export_chrome(const char *in_path, FILE *out, char *err, size_t err_size) {
    SIM_ASSERT(in_path != NULL && out != NULL);
    sim_sf sf;
    sim_xm xm;
    memset(&xm, 0, sizeof xm);
    sim_chrome c = {.out = out, .first = 1};
    sim_xm_hooks h = {.ctx = &c, .slice_end = sim_ch_slice_end, .spin_end = sim_ch_spin_end,
                      .queue_changed = sim_ch_queue};
    fprintf(out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
    sim_ch_meta(&c, 1, 0, "process_name", "Ps", 0);
    sim_ch_meta(&c, 2, 0, "process_name", "Ms", 0);
    int rc = sim_x_walk(in_path, &sf, &xm, INT64_MAX, &h, sim_ch_visit, &c, err, err_size);
    if (rc == 0) {
        for (int64_t g = 0; g < xm.g_cap; g++) { /* still running or in a syscall at the end */
            sim_xg *gp = &xm.g[g];
            if (gp->goid && (gp->status == SIM_XG_RUNNING || gp->status == SIM_XG_SYSCALL))
                sim_ch_slice_end(&c, &xm, gp, sf.end_t_ns, "end of run", gp->status == SIM_XG_SYSCALL);
        }
        for (int64_t m = 0; m < xm.m_cap; m++)
            if (xm.m[m].spinning) sim_ch_spin_end(&c, &xm, m, sf.end_t_ns);
        for (int32_t p = 0; p < xm.procs; p++) {
            char name[32];
            snprintf(name, sizeof name, "P%d", p);
            sim_ch_meta(&c, 1, p, "thread_name", name, p);
        }
        for (int64_t m = 0; m < xm.m_cap; m++) {
            if (!xm.m[m].seen) continue;
            char name[32];
            snprintf(name, sizeof name, "M%" PRId64, m);
            sim_ch_meta(&c, 2, m, "thread_name", name, m);
        }
        fprintf(out, "\n],\"otherData\":{\"scenario\":");
        sim_json_str(out, sf.scenario);
        fprintf(out, ",\"seed\":\"%" PRIu64 "\",\"strategy\":", sf.opt.seed);
        sim_json_str(out, sf.strategy);
        fprintf(out, ",\"outcome\":\"%s\",\"message\":", gmp_outcome_name((gmp_outcome)sf.outcome));
        sim_json_str(out, sf.message);
        fprintf(out, "}}\n");
    }
    sim_xm_free(&xm);
    sim_sf_free(&sf);
    return rc;
}

/* ---- [SECTION] dump ------------------------------------------------------------------------ */

static const char *sim_xg_status(const sim_xg *g) {
    switch (g->status) {
    case SIM_XG_RUNNABLE: return "runnable";
    case SIM_XG_RUNNING: return "running";
    case SIM_XG_SYSCALL: return "syscall";
    case SIM_XG_WAITING: return g->reason[0] ? g->reason : "waiting";
    case SIM_XG_DEAD: return "dead";
    default: return "idle";
    }
}

/* One goroutine in the runtime's traceback format (sim/frame.c sim_traceback). */
static void sim_dump_g(const sim_xm *xm, const sim_xg *g, int64_t t_ns, FILE *out) {
    fprintf(out, "goroutine %" PRId64 " [%s", g->goid, sim_xg_status(g));
    if (g->status == SIM_XG_WAITING) {
        int64_t minutes = (t_ns - g->waitsince_ns) / (60 * INT64_C(1000000000));
        if (minutes >= 1) fprintf(out, ", %" PRId64 " minutes", minutes);
    }
    fprintf(out, "]:\n");
    if (g->frame_count == 0) /* not started yet: its function, where the go statement is */
        fprintf(out, "%s(...)\n\t%s:%" PRId64 "\n", g->fn ? g->fn : "?", g->created_file ? g->created_file : "?",
                g->created_line);
    for (int32_t i = g->frame_count - 1; i >= 0; i--) {
        const sim_xframe *f = &g->frames[i];
        fprintf(out, "%s(%s)\n\t%s:%" PRId64 "\n", f->fn, f->args ? f->args : "", f->file ? f->file : "?", f->line);
    }
    if (g->parent > 0)
        fprintf(out, "created by %s in goroutine %" PRId64 "\n\t%s:%" PRId64 "\n", g->created_by ? g->created_by : "?",
                g->parent, g->created_file ? g->created_file : "?", g->created_line);
    (void)xm;
}

static void sim_dump_q(const sim_xq *q, FILE *out) {
    fprintf(out, "[");
    for (int32_t i = 0; i < q->len; i++) fprintf(out, "%sG%" PRId64, i ? " " : "", q->g[i]);
    fprintf(out, "]");
}

static int sim_dump_cmp_order(const void *a, const void *b) {
    const sim_xg *ga = *(const sim_xg *const *)a, *gb = *(const sim_xg *const *)b;
    return ga->order < gb->order ? -1 : ga->order > gb->order;
}

static void sim_dump_ps(const sim_xm *xm, FILE *out) {
    fprintf(out, "global runq: ");
    sim_dump_q(&xm->global, out);
    fprintf(out, "\n");
    for (int32_t p = 0; p < xm->procs; p++) {
        const sim_xp *pp = &xm->p[p];
        int64_t running = 0;
        for (int64_t m = 0; m < xm->m_cap && pp->m >= 0; m++)
            if (m == pp->m) running = xm->m[m].g;
        fprintf(out, "P%d: ", p);
        if (pp->m >= 0) fprintf(out, "M%" PRId64, pp->m);
        else fprintf(out, "idle");
        if (running) fprintf(out, " running G%" PRId64, running);
        fprintf(out, ", runnext ");
        if (pp->runnext) fprintf(out, "G%" PRId64, pp->runnext);
        else fprintf(out, "-");
        fprintf(out, ", runq ");
        sim_dump_q(&pp->local, out);
        fprintf(out, "\n");
    }
}

int gmp_dump_at(const char *in_path, int64_t t_ns, FILE *out, char *err, size_t err_size) {
    SIM_ASSERT(in_path != NULL && out != NULL);
    sim_sf sf;
    sim_xm xm;
    memset(&xm, 0, sizeof xm);
    int rc = sim_x_walk(in_path, &sf, &xm, t_ns, NULL, NULL, NULL, err, err_size);
    if (rc == 0) {
        fprintf(out, "%s at t=%" PRId64 "ns (scenario %s, seed %" PRIu64 "; last event i=%" PRId64 " at %" PRId64
                "ns; the run ends at %" PRId64 "ns)\n\n", in_path, t_ns, sf.scenario, sf.opt.seed, xm.event, xm.t_ns,
                sf.end_t_ns);
        sim_xg **live = malloc((size_t)(xm.created ? xm.created : 1) * sizeof *live);
        int64_t n = 0;
        for (int64_t g = 0; live && g < xm.g_cap; g++)
            if (xm.g[g].goid && xm.g[g].status != SIM_XG_DEAD) live[n++] = &xm.g[g];
        if (live) qsort(live, (size_t)n, sizeof *live, sim_dump_cmp_order);
        for (int64_t i = 0; i < n; i++) {
            if (i) fputc('\n', out);
            sim_dump_g(&xm, live[i], t_ns, out);
        }
        if (n == 0) fprintf(out, "(no goroutine alive)\n");
        free(live);
        fputc('\n', out);
        sim_dump_ps(&xm, out);
    }
    sim_xm_free(&xm);
    sim_sf_free(&sf);
    return rc;
}
