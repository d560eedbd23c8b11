/* viz/model.h: the schedule file as the viewer holds it in memory.
 *
 * The loader (load.c) reads a schedule file (JSON Lines: a Header line, one event a
 * line, a Footer line) as a stream, one line at a time: each line is parsed with
 * cJSON, converted into one compact viz_event (40 bytes) plus, for the few kinds
 * that carry more, one row of a side table, and the cJSON tree is freed at once.
 * Strings (function names, whys, wait reasons) are interned: a string id is a
 * uint32, 0 meaning "none".
 *
 * Nothing here includes SDL: the model is pure C, tested with Check, and linked by
 * the viewer, the benchmark and the fuzz target alike (Tracy's Worker, ImGui's core).
 *
 * Ownership: viz_model_init zeroes a caller-allocated model; viz_load_* fill it;
 * viz_model_free releases everything it owns. On error the model is freed and left
 * empty, and the error names the line and the field.
 */
#ifndef VIZ_MODEL_H
#define VIZ_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- [SECTION] assertions ------------------------------------------------------ */

void viz__assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));
#define VIZ_ASSERT(x) (__builtin_expect(!!(x), 1) ? (void)0 : viz__assert_fail(#x, __FILE__, __LINE__))

/* ---- [SECTION] limits ------------------------------------------------------------ */

#define VIZ_FORMAT_VERSION 1
enum {
    VIZ_LINE_BYTES_MAX = 64 << 20,     /* one JSON line (a footer's report can be long) */
    VIZ_P_MAX = 4096,                  /* P ids are 0..VIZ_P_MAX-1 (the simulator: 256) */
    VIZ_M_MAX = 1 << 20,               /* M ids (the runtime's maxmcount is 10000) */
    VIZ_BYTES_MAX = 1 << 20,           /* bytes of one copy event */
    VIZ_GS_MAX = 1 << 20,              /* Gs listed in one steal or move */
    VIZ_ARG_WORDS_MAX = 64,            /* argument words kept per frame */
    VIZ_LOAD_THREADS_MAX = 16,         /* chunks loaded in parallel */
};
#define VIZ_EVENTS_MAX INT64_C(1000000000) /* events per file: indices fit an int32 */
#define VIZ_G_ID_MAX INT64_C(2147483647)   /* goroutine ids fit an int32 */

/* ---- [SECTION] event kinds ------------------------------------------------------- */

/* How each kind uses viz_event's fields (g, g2, m, p, x, sub, aux; -1 or 0 unused). */
typedef enum viz_kind {
    VIZ_EV_UNKNOWN = 0,   /* a kind this viewer does not know: x = name id, aux = raw line id;
                             g, m, p taken from the line when they are integers */
    VIZ_EV_PROC_START,    /* m acquired p */
    VIZ_EV_PROC_STOP,     /* m released p */
    VIZ_EV_M_START,       /* m woken with p; x = runs_at ns; sub: VIZ_F_NEW | VIZ_F_SPINNING */
    VIZ_EV_M_STOP,        /* m parks on the idle list */
    VIZ_EV_M_SPIN,        /* sub: VIZ_F_SPINNING when it starts spinning */
    VIZ_EV_GO_CREATE,     /* g (parent, 0 for none) created g2 on p by m; aux = viz_create row */
    VIZ_EV_GO_START,      /* m on p runs g; x = schedtick; sub: VIZ_F_INHERIT */
    VIZ_EV_GO_STOP,       /* g stops running, stays runnable; aux = reason id */
    VIZ_EV_GO_BLOCK,      /* g parks; aux = wait reason id */
    VIZ_EV_GO_UNBLOCK,    /* g2 (-1: none) readies g */
    VIZ_EV_GO_DESTROY,    /* g exits */
    VIZ_EV_RUNQ_PUT,      /* g into p's queue sub (viz_queue); p = -1 for global */
    VIZ_EV_RUNQ_GET,      /* g out of p's queue sub */
    VIZ_EV_RUNQ_STEAL,    /* p steals from P g2 the Gs aux..aux+x of gs[]; sub = queue */
    VIZ_EV_RUNQ_MOVE,     /* p's local head to the global queue: gs[aux..aux+x] */
    VIZ_EV_DECISION,      /* aux = viz_info row (s0 its kind); g2 = n; x = choice */
    VIZ_EV_FRAME_ENTER,   /* g pushes frame row aux (viz_frame) */
    VIZ_EV_FRAME_EXIT,    /* g pops; aux = fn id; x = depth */
    VIZ_EV_ARG_COPY,      /* copy row aux (viz_copy); g = the running G, g2 = dst_g */
    VIZ_EV_VALUE_COPY,    /* copy row aux (channel values) */
    VIZ_EV_CHAN_MAKE,     /* g makes channel x (address); g2 = cap; aux = elem size */
    VIZ_EV_CHAN_CLOSE,    /* g closes channel x; g2 = woken */
    VIZ_EV_VAR_NEW,       /* g; aux = var row; x = value; sub: VIZ_F_ATOMIC (loads, stores) */
    VIZ_EV_VAR_LOAD,
    VIZ_EV_VAR_STORE,
    VIZ_EV_PRINT,         /* g prints text aux */
    VIZ_EV_PANIC,         /* g; aux = message id */
    VIZ_EV_FAIL,          /* g; aux = message id */
    /* Ps and Ms */
    VIZ_EV_PROC_IDLE,     /* p goes to the idle list (handoffp) */
    VIZ_EV_PROC_STEAL,    /* sysmon m retakes p from a syscall */
    VIZ_EV_M_POLL,        /* m blocks in netpoll; x = until ns */
    VIZ_EV_M_EXIT,        /* m exits with its locked G */
    VIZ_EV_SYSMON,        /* sysmon m acts; aux = action id */
    VIZ_EV_PREEMPT,       /* sysmon preempts g on p/m; sub: VIZ_F_ASYNC; x = at ns (-1 absent) */
    /* goroutines */
    VIZ_EV_GO_SYSCALL_BEGIN,       /* g enters a syscall; x = dur ns (-1); sub: VIZ_F_BLOCKING */
    VIZ_EV_GO_SYSCALL_END,         /* g returns and runs on p/m */
    VIZ_EV_GO_SYSCALL_END_BLOCKED, /* g returns with no P: global queue, m stops */
    VIZ_EV_GO_LEAK,       /* g still alive after main returned; aux = reason id */
    VIZ_EV_MAIN_RETURN,   /* main.main returned */
    VIZ_EV_LOCK_OS_THREAD,   /* g wired to m; x = locked (lockedExt after, -1) */
    VIZ_EV_UNLOCK_OS_THREAD, /* x = locked */
    /* channels and the rest: aux = viz_info row (fields per kind in viz_info) */
    VIZ_EV_SELECT,
    VIZ_EV_TIMER_ARM,     /* g = the sleeper (sleep timers); x = when */
    VIZ_EV_TIMER_FIRE,    /* g = the sleeper (sleep timers); x = when */
    VIZ_EV_MUTEX_LOCK,
    VIZ_EV_MUTEX_STARVING,
    VIZ_EV_MUTEX_UNLOCK,
    VIZ_EV_RWMUTEX_LOCK,
    VIZ_EV_RWMUTEX_UNLOCK,
    VIZ_EV_WAITGROUP_ADD,
    VIZ_EV_WAITGROUP_WAIT,
    VIZ_EV_COND_WAIT,
    VIZ_EV_COND_NOTIFY,
    VIZ_EV_ONCE_DO,
    VIZ_EV_CONTEXT_NEW,
    VIZ_EV_CONTEXT_CANCEL,
    VIZ_EV_RACE,
    VIZ_EV_KIND_COUNT
} viz_kind;

/* The kinds whose fields live in a viz_info row: Decision, and Select .. Race. */
static inline int viz_kind_is_info(int kind) {
    return kind == VIZ_EV_DECISION || (kind >= VIZ_EV_SELECT && kind <= VIZ_EV_RACE);
}

enum viz_queue { VIZ_Q_NONE = 0, VIZ_Q_RUNNEXT = 1, VIZ_Q_LOCAL = 2, VIZ_Q_GLOBAL = 3 };
enum {
    VIZ_F_NEW = 1, VIZ_F_SPINNING = 2, VIZ_F_INHERIT = 4, VIZ_F_REUSED = 8,
    VIZ_F_ASYNC = 16,     /* Preempt */
    VIZ_F_BLOCKING = 32,  /* GoSyscallBegin */
    VIZ_F_ATOMIC = 64,    /* VarLoad/VarStore */
};

typedef struct viz_event {
    int64_t t_ns;     /* virtual time */
    int64_t x;        /* kind-specific number (see viz_kind) */
    int32_t g;        /* goroutine id, -1 none */
    int32_t g2;       /* the other goroutine, or a count (see viz_kind), -1 none */
    int32_t m;        /* M id, -1 none */
    int16_t p;        /* P id, -1 none */
    uint8_t kind;     /* viz_kind */
    uint8_t sub;      /* viz_queue or VIZ_F_* flags */
    uint32_t why;     /* string id of the runtime rule that fired, 0 none */
    uint32_t aux;     /* side-table row or string id (see viz_kind) */
} viz_event;

typedef struct viz_create {   /* GoCreate */
    uint32_t fn, file;        /* string ids */
    int32_t line;
    uint64_t stack_lo, stack_hi;  /* simulated */
} viz_create;

typedef struct viz_frame {    /* FrameEnter */
    uint32_t fn, file;
    int32_t line, depth;
    uint64_t args_addr;       /* simulated address of the argument area */
    uint32_t args_size;       /* bytes */
    uint32_t word_count;      /* words[word_off .. word_off+word_count) in viz_model.words */
    uint64_t word_off;
} viz_frame;

typedef struct viz_copy {     /* ArgCopy and ValueCopy */
    int32_t src_g, dst_g;     /* 0 for a channel buffer */
    uint64_t src_addr, dst_addr, chan;
    uint32_t size;            /* bytes */
    uint32_t src_kind, dst_kind, src_frame, src_var, dst_frame; /* string ids */
    uint64_t bytes_off;       /* bytes[bytes_off .. bytes_off+size) in viz_model.bytes */
} viz_copy;

/* The fields of the kinds with an object or several values (aux = row). The address
 * is the object's: a Select's chosen chan, a timer, a mutex, rwmutex, waitgroup, cond,
 * once, context, or a Race's address. Per kind (s: string ids, n: numbers, f: flags):
 *   Decision      s0 kind, s1 key, s2 pick, s3 cands joined by ", "
 *   Select        s0 op, s1 dir; n0 cases, n1 chosen, n2/n3 pollorder off/count in gs;
 *                 f: HAS_DEFAULT, BLOCKED, OK (+ HAS_OK)
 *   TimerArm/Fire s0 kind
 *   MutexLock     s0 how; n0 state, n1 waiters, n2 waited_ns, n3 spins; f: STARVING
 *   MutexStarving n0 state, n2 waited_ns; f: STARVING
 *   MutexUnlock   n0 state, n1 waiters; f: HANDOFF
 *   RWMutex*      s0 mode, s1 how; n0 reader_count, n1 reader_wait
 *   WaitGroupAdd  n0 delta, n1 counter, n2 waiters; Wait: n1 counter, f: BLOCKED
 *   CondWait      n0 ticket; CondNotify: n0 woken, n1 notify, n2 wait, f: ALL
 *   OnceDo        f: RAN
 *   ContextNew    s0 kind; n0 key, n1 value, n2 deadline, n3 parent; f: HAS_KEY, HAS_DEADLINE
 *   ContextCancel s0 err; n0 children
 *   Race          s0 var, s1 access, s2 prev_access; n0 prev_g, n1 count
 * A number absent from the line is -1 (n3 of ContextNew: 0). */
typedef struct viz_info {
    uint64_t addr;
    int64_t n[4];
    uint32_t s[4];
    uint32_t f;               /* VIZ_I_* */
    uint32_t pad;
} viz_info;
enum {
    VIZ_I_HAS_DEFAULT = 1, VIZ_I_BLOCKED = 2, VIZ_I_OK = 4, VIZ_I_HAS_OK = 8, VIZ_I_STARVING = 16,
    VIZ_I_HANDOFF = 32, VIZ_I_ALL = 64, VIZ_I_RAN = 128, VIZ_I_HAS_KEY = 256, VIZ_I_HAS_DEADLINE = 512,
    VIZ_I_HAS_ADDR = 1024,
};

typedef struct viz_var {
    uint32_t name;
    uint64_t addr;
} viz_var;

typedef struct viz_header {
    uint32_t scenario, strategy, go;  /* string ids */
    int64_t seed, procs, version;
} viz_header;

typedef struct viz_footer {
    uint32_t outcome, message, report, digest;  /* string ids */
    int64_t t_ns, events, goroutines, decisions, threads;
} viz_footer;

/* ---- [SECTION] strings ------------------------------------------------------------ */

typedef struct viz_strtab {
    char *chars;              /* every string, NUL-terminated, back to back */
    uint64_t chars_len, chars_cap;
    uint64_t *offs;           /* offs[id] into chars; id 0 is "" */
    uint32_t count, cap;
    uint64_t *slots;          /* open addressing: hash << 32 | (string id + 1), 0 = empty */
    uint32_t slot_cap;        /* power of two */
} viz_strtab;

/* ---- [SECTION] the model ------------------------------------------------------------ */

typedef struct viz_model {
    viz_header header;
    viz_footer footer;
    viz_event *ev;
    int64_t ev_count, ev_cap;
    viz_create *creates;
    int64_t create_count, create_cap;
    viz_frame *frames;
    int64_t frame_count, frame_cap;
    viz_copy *copies;
    int64_t copy_count, copy_cap;
    viz_var *vars;
    int64_t var_count, var_cap;
    viz_info *infos;          /* rows of the kinds listed at viz_info */
    int64_t info_count, info_cap;
    int32_t *gs;              /* goroutine lists of RunqSteal / RunqMove, Select's pollorder */
    int64_t gs_count, gs_cap;
    uint64_t *words;          /* frame argument words */
    int64_t word_count, word_cap;
    uint8_t *bytes;           /* copied bytes */
    int64_t byte_count, byte_cap;
    viz_strtab strs;
    int32_t p_count;          /* max P id + 1 seen (at least header procs) */
    int32_t m_count;          /* max M id + 1 seen */
    int64_t g_max;            /* largest goroutine id seen */
    int64_t t_end_ns;         /* footer t, or the last event's t */
    uint64_t file_bytes;
    int64_t line_count;       /* lines read */
} viz_model;

typedef struct viz_error {
    int64_t line;             /* 1-based line of the file, 0 when not about a line */
    char field[48];           /* the JSON field at fault, or a word naming the part */
    char msg[200];
} viz_error;

void viz_model_init(viz_model *m);
void viz_model_free(viz_model *m);

/* Loads a whole file. Returns 0, or -1 with *err set (the model is then empty). */
int viz_load_file(viz_model *m, const char *path, viz_error *err);
/* Same from memory (the fuzz target, tests). */
int viz_load_mem(viz_model *m, const char *data, size_t len, viz_error *err);
/* From memory in chunks (on threads if threaded): the parallel path, for tests; the
 * result and any error are the same as viz_load_mem's. */
int viz_load_mem_chunks(viz_model *m, const char *data, size_t len, int chunks, int threaded, viz_error *err);
/* Tests and the fuzz target: 0 parses every line with cJSON (the default, 1, lets flat
 * lines take the loader's own faster path; both give the same trees). */
void viz_load_set_fast(int on);
/* "FILE:LINE: FIELD: problem" (no program name, no newline). */
void viz_error_format(const viz_error *e, const char *file, char *buf, size_t size);

/* Interns s (len bytes, need not be NUL-terminated). Returns its id, or 0 on OOM
 * with *oom set; "" is always id 0. */
uint32_t viz_str_intern(viz_strtab *t, const char *s, size_t len, int *oom);
static inline const char *viz_str(const viz_model *m, uint32_t id) {
    VIZ_ASSERT(id < m->strs.count || (id == 0 && m->strs.count == 0));
    return m->strs.count == 0 ? "" : m->strs.chars + m->strs.offs[id];
}
/* The id of s if already interned, else 0. */
uint32_t viz_str_find(const viz_model *m, const char *s);

const char *viz_kind_name(const viz_model *m, const viz_event *e);
const char *viz_queue_name(int q);
/* The kind for a name, VIZ_EV_UNKNOWN if this viewer does not know it. */
viz_kind viz_kind_of(const char *name);
/* A one-line description of event i ("GoStart G4 on P0 M0 schedtick=0 ..."). */
void viz_event_describe(const viz_model *m, int64_t i, char *buf, size_t size);
/* A virtual time or duration, exact to the nanosecond, in the largest unit that keeps
 * it >= 1 with no trailing zeros: "0ns", "850ns", "4.2µs", "1.00084ms", "3s". */
void viz_fmt_ns_exact(int64_t ns, char *buf, size_t size);
/* Parses "0x..." into *out; 0 on success. */
int viz_parse_addr(const char *s, uint64_t *out);
/* Little-endian int64 of up to 8 bytes (sign-extended from the top byte). */
int64_t viz_decode_i64(const uint8_t *b, uint32_t n);

#endif
