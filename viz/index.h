/* viz/index.h: what the viewer derives from the events once, after loading.
 *
 *  - lanes: one per P, one per M, one per goroutine (by id), each with its spans
 *    (sorted by time, never overlapping within a lane): a P running a G or held by an
 *    M; an M running, spinning, scheduling, in a syscall, blocked in netpoll or waking
 *    up (between MStart and its runs_at); a G runnable, running, waiting (with its
 *    reason) or in a syscall;
 *  - for every goroutine its state changes, for its exact state at any event;
 *  - arrows: creation (parent -> child), unblocking (waker -> woken), argument and
 *    value copies (source G -> destination G), sorted by time;
 *  - for every goroutine its stack at any event, as a persistent linked stack: each
 *    frame row knows the frame below it, and each frame event knows the top after it;
 *  - the run queues (every P's runnext and local queue, the global queue) at any
 *    event: checkpoints every K events (K grows with the state so that checkpoints
 *    never cost more memory than the events they cover), replayed forward.
 *
 * Pure C, no SDL. Costs: building is O(events); a span lookup is O(log spans); a stack
 * O(log events + depth); the queues at an event O(K + state size).
 */
#ifndef VIZ_INDEX_H
#define VIZ_INDEX_H

#include "model.h"

typedef enum viz_lane_kind { VIZ_LANE_P = 0, VIZ_LANE_M = 1, VIZ_LANE_G = 2 } viz_lane_kind;

typedef enum viz_state {
    VIZ_S_NONE = 0,
    VIZ_S_RUNNABLE,   /* G: on a run queue (or just created / woken) */
    VIZ_S_RUNNING,    /* G running; P running g; M running g */
    VIZ_S_WAITING,    /* G parked; label = wait reason */
    VIZ_S_SYSCALL,    /* G, its M (and P until taken) in a syscall */
    VIZ_S_HELD,       /* P owned by an M that runs no G (in schedule()) */
    VIZ_S_SCHED,      /* M holds a P and looks for work, not spinning */
    VIZ_S_SPINNING,   /* M spinning: looking to steal */
    VIZ_S_WAKING,     /* M started (MStart) but not running yet: the OS's latency, until runs_at */
    VIZ_S_POLL,       /* M blocked in netpoll (MPoll), without a P */
    VIZ_S_COUNT
} viz_state;

typedef struct viz_span {
    int64_t t0_ns, t1_ns;     /* [t0, t1) */
    int32_t g;                /* the goroutine (P, M running; the lane's own G), -1 */
    uint32_t label;           /* string id: wait/stop reason, 0 none */
    uint32_t ev;              /* the event that began it */
    uint8_t state;            /* viz_state */
    uint8_t pad;
    int16_t p;                /* G/M running: on which P; -1 */
} viz_span;

typedef struct viz_lane {
    uint8_t kind;             /* viz_lane_kind */
    int32_t id;               /* P id, M id or goroutine id */
    int64_t span_off, span_count;
    uint32_t fn;              /* G: its function (GoCreate fn), 0 unknown */
    int32_t parent;           /* G: the creating goroutine, 0 none */
    int64_t create_ev;        /* G: its GoCreate event, -1 */
    int64_t destroy_ev;       /* G: its GoDestroy event, -1 */
    int64_t leak_ev;          /* G: its GoLeak event, -1 */
    uint8_t sysmon;           /* M: sysmon's thread */
} viz_lane;

/* Whether a goroutine exists after an event (viz_g_state_at). */
enum { VIZ_G_UNBORN = 0, VIZ_G_ALIVE = 1, VIZ_G_DEAD = 2 };

typedef struct viz_gnow {
    uint8_t state;            /* viz_state while alive; VIZ_S_NONE otherwise */
    int16_t p;                /* running or in a syscall: on which P, -1 */
    uint32_t label;           /* waiting: the wait reason; runnable after GoStop: its reason */
    int64_t ev;               /* the event that put it in this state (or ended it), -1 */
} viz_gnow;

enum { VIZ_ARROW_CREATE = 1, VIZ_ARROW_UNBLOCK = 2, VIZ_ARROW_ARGCOPY = 3, VIZ_ARROW_VALUECOPY = 4 };

typedef struct viz_arrow {
    int64_t t_ns;
    int32_t from_g, to_g;
    uint32_t ev;
    uint8_t kind;
} viz_arrow;

typedef struct viz_rq_ckpt {
    int64_t applied;          /* the state after events [0, applied) */
    int64_t data_off;         /* into viz_index.ckpt_data */
} viz_rq_ckpt;

typedef struct viz_index {
    const viz_model *m;
    viz_lane *lanes;
    int32_t lane_count, p_lane0, m_lane0, g_lane0, g_count;
    viz_span *spans;
    int64_t span_count;
    viz_arrow *arrows;
    int64_t arrow_count;
    int32_t *gmap;            /* open addressing goid -> lane index - g_lane0 (stored + 1) */
    int32_t *gmap_keys;
    uint32_t gmap_cap;
    int32_t *gdirect;         /* dense ids: goid -> lane, -1 none (NULL: use gmap) */
    int64_t gdirect_max;
    /* Stacks: for G k, its frame events are fev[fev_off[k] .. fev_off[k+1]), with the top
     * frame row after each in fev_top (-1: empty); frame_below[row] is the row under it. */
    int64_t *fev_off;
    uint32_t *fev;
    int32_t *fev_top;
    int32_t *frame_below;
    /* G k's state changes (GoCreate of it, GoStart, GoStop, GoBlock, GoUnblock, GoDestroy,
     * GoSyscall*): gsev[gsev_off[k] .. gsev_off[k+1]), in event order. */
    int64_t *gsev_off;
    uint32_t *gsev;
    /* Copies touching G k (as source or destination): cev[cev_off[k] .. cev_off[k+1]). */
    int64_t *cev_off;
    uint32_t *cev;
    /* Scheduling decisions: Decision, GoStart and RunqSteal events, in order. */
    uint32_t *decisions;
    int64_t decision_count;
    viz_rq_ckpt *ckpts;
    int64_t ckpt_count;
    int32_t *ckpt_data;
    int64_t ckpt_data_count;
} viz_index;

/* The run queues and who runs where, after some prefix of the events. */
typedef struct viz_deque {
    int32_t *v;
    int64_t head, len, cap;   /* items v[head .. head+len) */
} viz_deque;

typedef struct viz_rq {
    int32_t p_count;
    int32_t *runnext;         /* per P: goroutine id or -1 */
    int32_t *curg;            /* per P: the running goroutine or -1 */
    int32_t *pm;              /* per P: the M holding it or -1 */
    viz_deque *local;         /* per P */
    viz_deque global;
    int64_t applied;          /* events applied */
} viz_rq;

int viz_index_build(viz_index *ix, const viz_model *m);
void viz_index_free(viz_index *ix);

/* Lane of goroutine goid, or -1. */
int32_t viz_index_glane(const viz_index *ix, int64_t goid);
/* Decision, GoStart and RunqSteal: what shift+arrows step through. */
int viz_is_decision(const viz_event *e);
/* Goroutine goid just after event cur (cur < 0: before any event), by its own events,
 * so exact where several events share one instant: VIZ_G_UNBORN before its GoCreate,
 * VIZ_G_DEAD from its GoDestroy on, else VIZ_G_ALIVE with its state in *now (which
 * may be NULL). A goroutine never destroyed stays alive to the end in its last state. */
int viz_g_state_at(const viz_index *ix, int64_t goid, int64_t cur, viz_gnow *now);
/* Index (into ix->spans) of the span of lane covering t, or -1. */
int64_t viz_span_at(const viz_index *ix, int32_t lane, int64_t t_ns);
/* First span of lane (index into ix->spans) with t1 > t_ns (spans are sorted), or the end. */
int64_t viz_span_first_after(const viz_index *ix, int32_t lane, int64_t t_ns);
/* The stack of goroutine goid after event cur (cur < 0: before any): frame rows from
 * the top (innermost) down, at most max; returns the depth. */
int32_t viz_stack_at(const viz_index *ix, int64_t goid, int64_t cur, int32_t *rows, int32_t max);
/* The copy event (ArgCopy) that filled the frame row's argument area: the last copy
 * into [args_addr, args_addr + args_size) of goid before event cur; -1 none. Then
 * the copy that fed its source (closure -> stack: the go statement's copy), or -1. */
int64_t viz_args_copy(const viz_index *ix, int64_t goid, int32_t frame_row, int64_t cur, int64_t *feeder);
/* The last event with t <= t_ns (-1 if none); the first with t >= t_ns (ev_count if none). */
int64_t viz_event_at_time(const viz_model *m, int64_t t_ns);
/* The next decision event after cur (dir > 0) or before it (dir < 0); -1 none. */
int64_t viz_decision_step(const viz_index *ix, int64_t cur, int dir);
/* Frames of the G's lane: a short display name "G7 main.worker" into buf. */
void viz_g_name(const viz_index *ix, int64_t goid, char *buf, size_t size);

void viz_rq_init(viz_rq *rq);
void viz_rq_free(viz_rq *rq);
/* The run queues after events [0, applied). Returns 0, -1 on OOM. */
int viz_rq_at(const viz_index *ix, int64_t applied, viz_rq *rq);

#endif
