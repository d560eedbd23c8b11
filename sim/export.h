/* sim/export.h: what a schedule file says about the state at each instant.
 *
 * sim_xm ("export model") rebuilds, event by event, what every goroutine, P and M
 * is doing: a goroutine's status, wait reason and call stack (FrameEnter/Exit, the
 * top frame's line from the events that carry one), every P's runnext, local queue
 * and the global queue (RunqPut/Get/Steal/Move), which G runs on which M and P. It
 * is the common ground of gmp_export_chrome (which turns the changes into Chrome
 * trace events as they happen) and gmp_dump_at (which prints the state at t).
 */
#ifndef SIM_EXPORT_H
#define SIM_EXPORT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

enum { SIM_XG_IDLE = 0, SIM_XG_RUNNABLE, SIM_XG_RUNNING, SIM_XG_SYSCALL, SIM_XG_WAITING, SIM_XG_DEAD };

typedef struct sim_xframe {
    char *fn;                /* "main.worker" */
    char *args;              /* "0x1, 0xa" */
    char *file;              /* basename */
    int64_t line;
} sim_xframe;

typedef struct sim_xg {
    int64_t goid;            /* 0: no such goroutine yet */
    int status;              /* SIM_XG_* */
    char reason[64];         /* wait reason, or GoStop's */
    int64_t waitsince_ns;
    char *fn;                /* its start function */
    char *created_by;        /* the creator's top frame then, or NULL */
    char *created_file;
    int64_t created_line;
    int64_t parent;
    int64_t order;           /* creation order */
    sim_xframe *frames;
    int32_t frame_count, frame_cap;
    int64_t m, p;            /* while running or in a syscall */
    int64_t since_ns;        /* when it started running / entered the syscall */
    int64_t *flows;          /* flow ids that end where it next starts (export) */
    int32_t flow_count, flow_cap;
} sim_xg;

typedef struct sim_xq {      /* a run queue: goids, oldest first */
    int64_t *g;
    int32_t len, cap;
} sim_xq;

typedef struct sim_xp {
    int64_t m;               /* the M holding it, or -1 */
    int64_t runnext;         /* goid or 0 */
    sim_xq local;
} sim_xp;

typedef struct sim_xmm {
    int64_t p;               /* -1: none */
    int64_t g;               /* running goid or 0 */
    int spinning;
    int64_t spin_since_ns;
    int seen;
} sim_xmm;

typedef struct sim_xm {
    sim_xg *g;               /* indexed by goid */
    int64_t g_cap;
    int64_t created;
    sim_xp *p;
    int32_t procs;
    sim_xmm *m;
    int64_t m_cap;
    sim_xq global;
    int64_t t_ns;            /* the last event's time */
    int64_t event;           /* the last event's i */
} sim_xm;

/* Callbacks of sim_xm_apply, for the Chrome export (NULL: none). */
typedef struct sim_xm_hooks {
    void *ctx;
    /* A goroutine stops running (or leaves a syscall, syscall = 1) on m/p. */
    void (*slice_end)(void *ctx, sim_xm *xm, sim_xg *g, int64_t t_ns, const char *why, int syscall);
    void (*spin_end)(void *ctx, sim_xm *xm, int64_t m, int64_t t_ns);
    void (*queue_changed)(void *ctx, sim_xm *xm, int64_t p, int64_t t_ns); /* p = -1: global */
} sim_xm_hooks;

int sim_xm_init(sim_xm *xm, int32_t procs);
void sim_xm_free(sim_xm *xm);
/* Applies one event. -1 on an event that contradicts the state (err says which). */
int sim_xm_apply(sim_xm *xm, const cJSON *ev, const sim_xm_hooks *hooks, char *err, size_t err_size);
sim_xg *sim_xm_g(sim_xm *xm, int64_t goid); /* NULL when unknown */

#endif
