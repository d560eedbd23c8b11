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
    VIZ_EV_DECISION,      /* aux = decision kind id; g2 = n; x = choice */
    VIZ_EV_FRAME_ENTER,   /* g pushes frame row aux (viz_frame) */
    VIZ_EV_FRAME_EXIT,    /* g pops; aux = fn id; x = depth */
    VIZ_EV_ARG_COPY,      /* copy row aux (viz_copy); g = the running G, g2 = dst_g */
    VIZ_EV_VALUE_COPY,    /* copy row aux (channel values) */
    VIZ_EV_CHAN_MAKE,     /* g makes channel x (address); g2 = cap; aux = elem size */
    VIZ_EV_CHAN_CLOSE,    /* g closes channel x; g2 = woken */
    VIZ_EV_VAR_NEW,       /* g; aux = var row; x = value */
    VIZ_EV_VAR_LOAD,
    VIZ_EV_VAR_STORE,
    VIZ_EV_PRINT,         /* g prints text aux */
    VIZ_EV_PANIC,         /* g; aux = message id */
    VIZ_EV_FAIL,          /* g; aux = message id */
    VIZ_EV_KIND_COUNT
} viz_kind;

enum viz_queue { VIZ_Q_NONE = 0, VIZ_Q_RUNNEXT = 1, VIZ_Q_LOCAL = 2, VIZ_Q_GLOBAL = 3 };
enum { VIZ_F_NEW = 1, VIZ_F_SPINNING = 2, VIZ_F_INHERIT = 4, VIZ_F_REUSED = 8 };

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
    int32_t *gs;              /* goroutine lists of RunqSteal / RunqMove */
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
/* A one-line description of event i ("GoStart G4 on P0 M0 schedtick=0 ..."). */
void viz_event_describe(const viz_model *m, int64_t i, char *buf, size_t size);
/* Parses "0x..." into *out; 0 on success. */
int viz_parse_addr(const char *s, uint64_t *out);
/* Little-endian int64 of up to 8 bytes (sign-extended from the top byte). */
int64_t viz_decode_i64(const uint8_t *b, uint32_t n);

#endif
