/* viz/load.c: the streaming loader (see model.h).
 *
 * One line at a time: cJSON_ParseWithLength builds a small tree in a bump arena (the
 * cJSON hooks point at it while a load runs), the tree is converted into a compact
 * viz_event plus side-table rows, and the arena is reset. No tree outlives its line,
 * so memory is the compact records plus interned strings, whatever the file's size.
 *
 * What is an error (one message, the line and the field, exit 2 in the viewer):
 * bad JSON, a missing or mistyped i/t/ev, a mistyped known field of a known kind,
 * i out of sequence, t going backwards, a header of another format or version, an
 * empty file, content after the footer, and no footer (a truncated file).
 * What is not: an unknown event kind (kept, shown generically) and unknown fields.
 *
 * Large files load in parallel: one chunk of whole lines per core, each into its own
 * partial model, merged in order (strings re-interned, side-table rows shifted); what
 * a chunk cannot check alone (the first i and t of a chunk, the footer's counts) is
 * checked in the merge, so errors are the same, line for line, as a serial load.
 * Not reentrant: cJSON's allocation hooks are process-wide (they point at a
 * thread-local arena during a load and are restored to malloc/free after).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <string.h>

#include "model.h"

/* ---- [SECTION] field lookup ------------------------------------------------------- */

/* cJSON finds a field by walking the object and comparing every key; a line asks for
 * ten fields or so. One pass hashing the keys, then a scan of hashes, is cheaper. The
 * cache is per object and is dropped with the arena at the end of each line. */
enum { VIZ_FIELDS_CACHED = 48 };
static _Thread_local struct {
    const cJSON *obj;
    int n;                   /* -1: too many fields, use cJSON's lookup */
    uint32_t hash[VIZ_FIELDS_CACHED];
    const cJSON *item[VIZ_FIELDS_CACHED];
} viz_fields;

static uint32_t viz_key_hash(const char *k) {
    uint32_t h = 2166136261u;
    for (; *k; k++) h = (h ^ (unsigned char)*k) * 16777619u;
    return h;
}

static const cJSON *viz_field(const cJSON *o, const char *key) {
    if (o == NULL) return NULL;
    if (viz_fields.obj != o) {
        viz_fields.obj = o;
        viz_fields.n = 0;
        for (const cJSON *c = o->child; c != NULL; c = c->next) {
            if (viz_fields.n == VIZ_FIELDS_CACHED || c->string == NULL) {
                viz_fields.n = -1;
                break;
            }
            viz_fields.hash[viz_fields.n] = viz_key_hash(c->string);
            viz_fields.item[viz_fields.n++] = c;
        }
    }
    if (viz_fields.n < 0) return cJSON_GetObjectItemCaseSensitive(o, key);
    uint32_t h = viz_key_hash(key);
    for (int i = 0; i < viz_fields.n; i++)
        if (viz_fields.hash[i] == h && strcmp(viz_fields.item[i]->string, key) == 0) return viz_fields.item[i];
    return NULL;
}

/* ---- [SECTION] the per-line arena behind cJSON's hooks -------------------------- */

typedef struct viz_chunk {
    struct viz_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} viz_chunk;

static _Thread_local viz_chunk *viz_arena_head; /* current chunk; older ones follow via next */

static void *viz_arena_malloc(size_t n) {
    n = (n + 15) & ~(size_t)15;
    viz_chunk *c = viz_arena_head;
    if (c == NULL || c->used + n > c->cap) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        viz_chunk *nc = malloc(sizeof *nc + cap);
        if (nc == NULL) return NULL;
        nc->next = c;
        nc->used = 0;
        nc->cap = cap;
        viz_arena_head = c = nc;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static void viz_arena_free(void *p) {
    (void)p; /* everything goes at the end of the line */
}

/* Keeps the newest chunk (the common case: every line fits one) and frees the rest. */
static void viz_arena_reset(void) {
    viz_fields.obj = NULL; /* the next line's objects may reuse the same addresses */
    viz_chunk *c = viz_arena_head;
    if (c == NULL) return;
    viz_chunk *rest = c->next;
    c->next = NULL;
    c->used = 0;
    while (rest != NULL) {
        viz_chunk *n = rest->next;
        free(rest);
        rest = n;
    }
}

static void viz_arena_destroy(void) {
    viz_arena_reset();
    free(viz_arena_head);
    viz_arena_head = NULL;
}

/* ---- [SECTION] the fast path: flat lines without cJSON's number parser ------------- */

/* Nearly every event line is one flat object of strings without escapes, integers,
 * booleans and flat arrays. For those, this builds the very tree cJSON would (cJSON
 * structs in the arena, same types, keys and values) about four times faster, since
 * cJSON reads every number with strtod. Anything else (an escape, a fraction, an
 * exponent, a nested object, a number beyond 2^53, bad JSON) returns NULL and the line
 * goes to cJSON_ParseWithLength, so the result and every error stay cJSON's. The fuzz
 * target checks the two paths agree (viz_load_set_fast). */
static int viz_fast_enabled = 1;

void viz_load_set_fast(int on) {
    viz_fast_enabled = on;
}

static cJSON *viz_fast_node(int type) {
    cJSON *n = viz_arena_malloc(sizeof *n);
    if (n != NULL) {
        memset(n, 0, sizeof *n);
        n->type = type;
    }
    return n;
}

static char *viz_fast_string(const char **pp, const char *end) {
    const char *p = *pp + 1, *s0 = p; /* after the quote */
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
    if (p == end || *p != '"') return NULL;
    char *out = viz_arena_malloc((size_t)(p - s0) + 1);
    if (out == NULL) return NULL;
    memcpy(out, s0, (size_t)(p - s0));
    out[p - s0] = 0;
    *pp = p + 1;
    return out;
}

static int viz_fast_ws(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static cJSON *viz_fast_value(const char **pp, const char *end, int allow_array);

static cJSON *viz_fast_array(const char **pp, const char *end) {
    const char *p = *pp + 1;
    cJSON *arr = viz_fast_node(cJSON_Array), *last = NULL;
    if (arr == NULL) return NULL;
    while (p < end && viz_fast_ws(*p)) p++;
    if (p < end && *p == ']') {
        *pp = p + 1;
        return arr;
    }
    for (;;) {
        cJSON *v = viz_fast_value(&p, end, 0);
        if (v == NULL) return NULL;
        if (last == NULL) arr->child = v;
        else {
            last->next = v;
            v->prev = last;
        }
        last = v;
        arr->child->prev = last;
        while (p < end && viz_fast_ws(*p)) p++;
        if (p == end) return NULL;
        if (*p == ']') break;
        if (*p != ',') return NULL;
        p++;
        while (p < end && viz_fast_ws(*p)) p++;
    }
    *pp = p + 1;
    return arr;
}

static cJSON *viz_fast_value(const char **pp, const char *end, int allow_array) {
    const char *p = *pp;
    if (p == end) return NULL;
    cJSON *n;
    if (*p == '"') {
        n = viz_fast_node(cJSON_String);
        if (n == NULL || (n->valuestring = viz_fast_string(&p, end)) == NULL) return NULL;
    } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
        int neg = *p == '-';
        if (neg) p++;
        if (p == end || *p < '0' || *p > '9') return NULL;
        if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9') return NULL; /* leading zero: not JSON */
        int64_t v = 0;
        int digits = 0;
        while (p < end && *p >= '0' && *p <= '9' && digits < 17) v = v * 10 + (*p++ - '0'), digits++;
        if (p < end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E')) return NULL;
        if (v > (INT64_C(1) << 53)) return NULL; /* doubles stop being exact: cJSON's business */
        n = viz_fast_node(cJSON_Number);
        if (n == NULL) return NULL;
        n->valuedouble = neg ? -(double)v : (double)v;
        n->valueint = v > INT32_MAX ? (neg ? INT32_MIN : INT32_MAX) : (int)(neg ? -v : v);
    } else if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
        n = viz_fast_node(cJSON_True);
        p += 4;
    } else if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
        n = viz_fast_node(cJSON_False);
        p += 5;
    } else if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
        n = viz_fast_node(cJSON_NULL);
        p += 4;
    } else if (*p == '[' && allow_array) {
        n = viz_fast_array(&p, end);
    } else {
        return NULL;
    }
    *pp = p;
    return n;
}

static cJSON *viz_fast_parse(const char *s, size_t len) {
    const char *p = s, *end = s + len;
    while (p < end && viz_fast_ws(*p)) p++;
    if (p == end || *p != '{') return NULL;
    p++;
    cJSON *obj = viz_fast_node(cJSON_Object), *last = NULL;
    if (obj == NULL) return NULL;
    while (p < end && viz_fast_ws(*p)) p++;
    if (p < end && *p == '}') {
        p++;
    } else {
        for (;;) {
            if (p == end || *p != '"') return NULL;
            char *key = viz_fast_string(&p, end);
            if (key == NULL) return NULL;
            while (p < end && viz_fast_ws(*p)) p++;
            if (p == end || *p != ':') return NULL;
            p++;
            while (p < end && viz_fast_ws(*p)) p++;
            cJSON *v = viz_fast_value(&p, end, 1);
            if (v == NULL) return NULL;
            v->string = key;
            if (last == NULL) obj->child = v;
            else {
                last->next = v;
                v->prev = last;
            }
            last = v;
            obj->child->prev = last;
            while (p < end && viz_fast_ws(*p)) p++;
            if (p == end) return NULL;
            if (*p == '}') {
                p++;
                break;
            }
            if (*p != ',') return NULL;
            p++;
            while (p < end && viz_fast_ws(*p)) p++;
        }
    }
    while (p < end && viz_fast_ws(*p)) p++;
    return p == end ? obj : NULL;
}

/* ---- [SECTION] the loader state ---------------------------------------------------- */

/* A loader reads one chunk of the file: the whole file, or (loading in parallel) a
 * range of whole lines. A chunk after the first starts after the header and cannot
 * know the index of its first event, the time before it, or its line numbers: it
 * checks what it can alone and leaves the rest (first_i, first_t, the footer's
 * counts) to viz_merge_check, which sees the chunks in order. */
typedef struct viz_loader {
    viz_model *m;
    viz_error *err;
    int64_t line;        /* 1-based number of the line being read, within the chunk */
    int phase;           /* 0: expect the header; 1: events; 2: after the footer */
    int64_t last_t;
    int oom;
    int chunk;           /* 0: the file's first chunk */
    int64_t first_i;     /* i of the chunk's first event (-1 none yet) */
    int64_t first_t, first_line;
    int64_t footer_line; /* 0: no footer in this chunk */
    int footer_t_given;
    int64_t footer_events; /* counts.events, -1 absent */
    int64_t lines_done;  /* lines read when the chunk ended */
    char *bad_json;      /* a copy of the line with a syntax error (threads cannot ask cJSON) */
    size_t bad_json_len;
    int threaded;
    int rc;
    viz_error own_err;
} viz_loader;

static int viz_fail(viz_loader *L, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int viz_fail(viz_loader *L, const char *field, const char *fmt, ...) {
    viz_error *e = L->err;
    e->line = L->line;
    snprintf(e->field, sizeof e->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

void viz_error_format(const viz_error *e, const char *file, char *buf, size_t size) {
    if (e->line > 0)
        snprintf(buf, size, "%s:%lld: %s: %s", file, (long long)e->line, e->field, e->msg);
    else
        snprintf(buf, size, "%s: %s: %s", file, e->field, e->msg);
}

/* Grows *arr (elements of elem bytes) so that need elements fit. */
static int viz_grow(void **arr, int64_t *cap, int64_t need, size_t elem) {
    if (need <= *cap) return 0;
    int64_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *n = realloc(*arr, (size_t)c * elem);
    if (n == NULL) return -1;
    *arr = n;
    *cap = c;
    return 0;
}
#define VIZ_GROW(L, arr, cap, need)                                                  \
    (viz_grow((void **)&(arr), &(cap), (need), sizeof *(arr)) == 0                    \
         ? 0                                                                          \
         : viz_fail((L), "memory", "out of memory"))

static uint32_t viz_intern(viz_loader *L, const char *s) {
    uint32_t id = viz_str_intern(&L->m->strs, s, strlen(s), &L->oom);
    return id;
}

/* ---- [SECTION] typed field access --------------------------------------------------- */

enum { VIZ_OPT = 0, VIZ_REQ = 1 };

/* 0: *out set; 1: absent and optional; -1: error reported. */
static int viz_get_int(viz_loader *L, const cJSON *o, const char *key, int req, int64_t lo, int64_t hi,
                       int64_t *out) {
    const cJSON *v = viz_field(o, key);
    if (v == NULL || cJSON_IsNull(v)) {
        if (req) return viz_fail(L, key, "missing");
        return 1;
    }
    if (!cJSON_IsNumber(v)) return viz_fail(L, key, "expected an integer");
    double d = v->valuedouble;
    if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != (double)(int64_t)d)
        return viz_fail(L, key, "expected an integer, got %g", d);
    int64_t i = (int64_t)d;
    if (i < lo || i > hi) return viz_fail(L, key, "%lld out of range %lld..%lld", (long long)i, (long long)lo,
                                          (long long)hi);
    *out = i;
    return 0;
}

static int viz_get_str(viz_loader *L, const cJSON *o, const char *key, int req, uint32_t *id) {
    const cJSON *v = viz_field(o, key);
    if (v == NULL || cJSON_IsNull(v)) {
        if (req) return viz_fail(L, key, "missing");
        *id = 0;
        return 1;
    }
    if (!cJSON_IsString(v) || v->valuestring == NULL) return viz_fail(L, key, "expected a string");
    *id = viz_intern(L, v->valuestring);
    if (L->oom) return viz_fail(L, "memory", "out of memory");
    return 0;
}

static int viz_get_bool(viz_loader *L, const cJSON *o, const char *key, int req, int *out) {
    const cJSON *v = viz_field(o, key);
    if (v == NULL || cJSON_IsNull(v)) {
        if (req) return viz_fail(L, key, "missing");
        *out = 0;
        return 1;
    }
    if (!cJSON_IsBool(v)) return viz_fail(L, key, "expected true or false");
    *out = cJSON_IsTrue(v);
    return 0;
}

int viz_parse_addr(const char *s, uint64_t *out) {
    if (s == NULL || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || s[2] == 0) return -1;
    uint64_t v = 0;
    int n = 0;
    for (const char *c = s + 2; *c; c++, n++) {
        int d;
        if (*c >= '0' && *c <= '9') d = *c - '0';
        else if (*c >= 'a' && *c <= 'f') d = *c - 'a' + 10;
        else if (*c >= 'A' && *c <= 'F') d = *c - 'A' + 10;
        else return -1;
        if (n >= 16) return -1;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

static int viz_get_addr(viz_loader *L, const cJSON *o, const char *key, int req, uint64_t *out) {
    const cJSON *v = viz_field(o, key);
    if (v == NULL || cJSON_IsNull(v)) {
        if (req) return viz_fail(L, key, "missing");
        *out = 0;
        return 1;
    }
    if (!cJSON_IsString(v) || viz_parse_addr(v->valuestring, out) != 0)
        return viz_fail(L, key, "expected an address string like \"0xc000012345\"");
    return 0;
}

#define TRY(x)                 \
    do {                       \
        if ((x) < 0) return -1; \
    } while (0)

/* The common g/m/p fields: g in 0..G_ID_MAX, m and p ids or -1. */
static int viz_get_gmp(viz_loader *L, const cJSON *o, viz_event *e, int g_req, int m_req, int p_req) {
    int64_t v = 0;
    int r;
    TRY(r = viz_get_int(L, o, "g", g_req, 0, VIZ_G_ID_MAX, &v));
    e->g = r == 0 ? (int32_t)v : -1;
    TRY(r = viz_get_int(L, o, "m", m_req, -1, VIZ_M_MAX - 1, &v));
    e->m = r == 0 ? (int32_t)v : -1;
    TRY(r = viz_get_int(L, o, "p", p_req, -1, VIZ_P_MAX - 1, &v));
    e->p = r == 0 ? (int16_t)v : -1;
    return 0;
}

/* ---- [SECTION] kinds ---------------------------------------------------------------- */

/* Every kind this viewer knows, by name (sorted: binary search) and by kind. */
static const struct {
    const char *name;
    viz_kind kind;
} viz_kind_names[] = {
    {"ArgCopy", VIZ_EV_ARG_COPY},
    {"ChanClose", VIZ_EV_CHAN_CLOSE},
    {"ChanMake", VIZ_EV_CHAN_MAKE},
    {"CondNotify", VIZ_EV_COND_NOTIFY},
    {"CondWait", VIZ_EV_COND_WAIT},
    {"ContextCancel", VIZ_EV_CONTEXT_CANCEL},
    {"ContextNew", VIZ_EV_CONTEXT_NEW},
    {"Decision", VIZ_EV_DECISION},
    {"Fail", VIZ_EV_FAIL},
    {"FrameEnter", VIZ_EV_FRAME_ENTER},
    {"FrameExit", VIZ_EV_FRAME_EXIT},
    {"GoBlock", VIZ_EV_GO_BLOCK},
    {"GoCreate", VIZ_EV_GO_CREATE},
    {"GoDestroy", VIZ_EV_GO_DESTROY},
    {"GoLeak", VIZ_EV_GO_LEAK},
    {"GoStart", VIZ_EV_GO_START},
    {"GoStop", VIZ_EV_GO_STOP},
    {"GoSyscallBegin", VIZ_EV_GO_SYSCALL_BEGIN},
    {"GoSyscallEnd", VIZ_EV_GO_SYSCALL_END},
    {"GoSyscallEndBlocked", VIZ_EV_GO_SYSCALL_END_BLOCKED},
    {"GoUnblock", VIZ_EV_GO_UNBLOCK},
    {"LockOSThread", VIZ_EV_LOCK_OS_THREAD},
    {"MExit", VIZ_EV_M_EXIT},
    {"MPoll", VIZ_EV_M_POLL},
    {"MSpin", VIZ_EV_M_SPIN},
    {"MStart", VIZ_EV_M_START},
    {"MStop", VIZ_EV_M_STOP},
    {"MainReturn", VIZ_EV_MAIN_RETURN},
    {"MutexLock", VIZ_EV_MUTEX_LOCK},
    {"MutexStarving", VIZ_EV_MUTEX_STARVING},
    {"MutexUnlock", VIZ_EV_MUTEX_UNLOCK},
    {"OnceDo", VIZ_EV_ONCE_DO},
    {"Panic", VIZ_EV_PANIC},
    {"Preempt", VIZ_EV_PREEMPT},
    {"Print", VIZ_EV_PRINT},
    {"ProcIdle", VIZ_EV_PROC_IDLE},
    {"ProcStart", VIZ_EV_PROC_START},
    {"ProcSteal", VIZ_EV_PROC_STEAL},
    {"ProcStop", VIZ_EV_PROC_STOP},
    {"RWMutexLock", VIZ_EV_RWMUTEX_LOCK},
    {"RWMutexUnlock", VIZ_EV_RWMUTEX_UNLOCK},
    {"Race", VIZ_EV_RACE},
    {"RunqGet", VIZ_EV_RUNQ_GET},
    {"RunqMove", VIZ_EV_RUNQ_MOVE},
    {"RunqPut", VIZ_EV_RUNQ_PUT},
    {"RunqSteal", VIZ_EV_RUNQ_STEAL},
    {"Select", VIZ_EV_SELECT},
    {"Sysmon", VIZ_EV_SYSMON},
    {"TimerArm", VIZ_EV_TIMER_ARM},
    {"TimerFire", VIZ_EV_TIMER_FIRE},
    {"UnlockOSThread", VIZ_EV_UNLOCK_OS_THREAD},
    {"ValueCopy", VIZ_EV_VALUE_COPY},
    {"VarLoad", VIZ_EV_VAR_LOAD},
    {"VarNew", VIZ_EV_VAR_NEW},
    {"VarStore", VIZ_EV_VAR_STORE},
    {"WaitGroupAdd", VIZ_EV_WAITGROUP_ADD},
    {"WaitGroupWait", VIZ_EV_WAITGROUP_WAIT},
};
#define VIZ_KIND_NAMES_COUNT (sizeof viz_kind_names / sizeof viz_kind_names[0])
_Static_assert(VIZ_KIND_NAMES_COUNT == VIZ_EV_KIND_COUNT - 1, "every kind has a name");

viz_kind viz_kind_of(const char *name) {
    size_t lo = 0, hi = VIZ_KIND_NAMES_COUNT;
    while (lo < hi) { /* binary search: the table is sorted by name */
        size_t mid = (lo + hi) / 2;
        int c = strcmp(viz_kind_names[mid].name, name);
        if (c == 0) return viz_kind_names[mid].kind;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return VIZ_EV_UNKNOWN;
}

const char *viz_kind_name(const viz_model *m, const viz_event *e) {
    if (e->kind == VIZ_EV_UNKNOWN) return viz_str(m, (uint32_t)e->x);
    for (size_t i = 0; i < VIZ_KIND_NAMES_COUNT; i++)
        if (viz_kind_names[i].kind == e->kind) return viz_kind_names[i].name;
    return "?";
}

const char *viz_queue_name(int q) {
    switch (q) {
    case VIZ_Q_RUNNEXT: return "runnext";
    case VIZ_Q_LOCAL: return "local";
    case VIZ_Q_GLOBAL: return "global";
    default: return "";
    }
}

static int viz_get_queue(viz_loader *L, const cJSON *o, int req, uint8_t *q) {
    uint32_t id = 0;
    int r;
    TRY(r = viz_get_str(L, o, "queue", req, &id));
    *q = VIZ_Q_NONE;
    if (r != 0) return 0;
    const char *s = viz_str(L->m, id);
    if (strcmp(s, "runnext") == 0) *q = VIZ_Q_RUNNEXT;
    else if (strcmp(s, "local") == 0) *q = VIZ_Q_LOCAL;
    else if (strcmp(s, "global") == 0) *q = VIZ_Q_GLOBAL;
    else return viz_fail(L, "queue", "expected runnext, local or global, got \"%.40s\"", s);
    return 0;
}

static int viz_get_gs(viz_loader *L, const cJSON *o, viz_event *e) {
    const cJSON *a = viz_field(o, "gs");
    if (a == NULL) return viz_fail(L, "gs", "missing");
    if (!cJSON_IsArray(a)) return viz_fail(L, "gs", "expected an array of goroutine ids");
    viz_model *m = L->m;
    e->aux = (uint32_t)m->gs_count; /* checked below: gs_count stays < 2^32 */
    int64_t n = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int64_t)v->valuedouble || v->valuedouble < 0 ||
            v->valuedouble > (double)VIZ_G_ID_MAX)
            return viz_fail(L, "gs", "expected goroutine ids (integers)");
        if (n >= VIZ_GS_MAX) return viz_fail(L, "gs", "more than %d goroutines", VIZ_GS_MAX);
        TRY(VIZ_GROW(L, m->gs, m->gs_cap, m->gs_count + 1));
        m->gs[m->gs_count++] = (int32_t)v->valuedouble;
        n++;
    }
    if (m->gs_count > (int64_t)UINT32_MAX) return viz_fail(L, "gs", "too many goroutine lists in one file");
    e->x = n;
    return 0;
}

static int viz_hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int viz_parse_copy(viz_loader *L, const cJSON *o, viz_event *e) {
    viz_model *m = L->m;
    viz_copy c;
    memset(&c, 0, sizeof c);
    int64_t v = 0;
    TRY(viz_get_int(L, o, "src_g", VIZ_REQ, 0, VIZ_G_ID_MAX, &v));
    c.src_g = (int32_t)v;
    TRY(viz_get_int(L, o, "dst_g", VIZ_REQ, 0, VIZ_G_ID_MAX, &v));
    c.dst_g = (int32_t)v;
    TRY(viz_get_addr(L, o, "src_addr", VIZ_REQ, &c.src_addr));
    TRY(viz_get_addr(L, o, "dst_addr", VIZ_REQ, &c.dst_addr));
    TRY(viz_get_addr(L, o, "chan", VIZ_OPT, &c.chan));
    TRY(viz_get_int(L, o, "size", VIZ_REQ, 0, VIZ_BYTES_MAX, &v));
    c.size = (uint32_t)v;
    TRY(viz_get_str(L, o, "src_kind", VIZ_OPT, &c.src_kind));
    TRY(viz_get_str(L, o, "dst_kind", VIZ_OPT, &c.dst_kind));
    TRY(viz_get_str(L, o, "src_frame", VIZ_OPT, &c.src_frame));
    TRY(viz_get_str(L, o, "src_var", VIZ_OPT, &c.src_var));
    TRY(viz_get_str(L, o, "dst_frame", VIZ_OPT, &c.dst_frame));
    const cJSON *b = viz_field(o, "bytes");
    if (b == NULL) return viz_fail(L, "bytes", "missing");
    if (!cJSON_IsString(b)) return viz_fail(L, "bytes", "expected a hex string");
    size_t len = strlen(b->valuestring);
    if (len != (size_t)c.size * 2)
        return viz_fail(L, "bytes", "%zu hex digits for size %u (expected %u)", len, c.size, c.size * 2);
    TRY(VIZ_GROW(L, m->bytes, m->byte_cap, m->byte_count + c.size));
    c.bytes_off = (uint64_t)m->byte_count;
    for (uint32_t i = 0; i < c.size; i++) {
        int hi = viz_hexval(b->valuestring[2 * i]), lo = viz_hexval(b->valuestring[2 * i + 1]);
        if (hi < 0 || lo < 0) return viz_fail(L, "bytes", "not a hex digit at offset %u", 2 * i);
        m->bytes[m->byte_count + i] = (uint8_t)(hi << 4 | lo);
    }
    m->byte_count += c.size;
    TRY(VIZ_GROW(L, m->copies, m->copy_cap, m->copy_count + 1));
    e->aux = (uint32_t)m->copy_count;
    m->copies[m->copy_count++] = c;
    e->g2 = c.dst_g;
    return 0;
}

static int viz_parse_frame(viz_loader *L, const cJSON *o, viz_event *e) {
    viz_model *m = L->m;
    viz_frame f;
    memset(&f, 0, sizeof f);
    int64_t v = 0;
    TRY(viz_get_str(L, o, "fn", VIZ_REQ, &f.fn));
    TRY(viz_get_str(L, o, "file", VIZ_OPT, &f.file));
    int r;
    TRY(r = viz_get_int(L, o, "depth", VIZ_OPT, 0, 1 << 20, &v));
    f.depth = r == 0 ? (int32_t)v : -1;
    TRY(r = viz_get_int(L, o, "line", VIZ_OPT, 0, INT32_MAX, &v));
    f.line = r == 0 ? (int32_t)v : 0;
    TRY(viz_get_addr(L, o, "args_addr", VIZ_OPT, &f.args_addr));
    TRY(r = viz_get_int(L, o, "args_size", VIZ_OPT, 0, UINT32_MAX, &v));
    f.args_size = r == 0 ? (uint32_t)v : 0;
    const cJSON *a = viz_field(o, "args");
    f.word_off = (uint64_t)m->word_count;
    if (a != NULL && !cJSON_IsNull(a)) {
        if (!cJSON_IsArray(a)) return viz_fail(L, "args", "expected an array of \"0x...\" words");
        const cJSON *w;
        cJSON_ArrayForEach(w, a) {
            uint64_t word;
            if (!cJSON_IsString(w) || viz_parse_addr(w->valuestring, &word) != 0)
                return viz_fail(L, "args", "expected \"0x...\" words");
            if (f.word_count >= VIZ_ARG_WORDS_MAX) continue;
            TRY(VIZ_GROW(L, m->words, m->word_cap, m->word_count + 1));
            m->words[m->word_count++] = word;
            f.word_count++;
        }
    }
    TRY(VIZ_GROW(L, m->frames, m->frame_cap, m->frame_count + 1));
    e->aux = (uint32_t)m->frame_count;
    m->frames[m->frame_count++] = f;
    return 0;
}

static int viz_parse_create(viz_loader *L, const cJSON *o, viz_event *e) {
    viz_model *m = L->m;
    viz_create c;
    memset(&c, 0, sizeof c);
    int64_t v = 0;
    TRY(viz_get_int(L, o, "new_g", VIZ_REQ, 1, VIZ_G_ID_MAX, &v));
    e->g2 = (int32_t)v;
    TRY(viz_get_str(L, o, "fn", VIZ_REQ, &c.fn));
    TRY(viz_get_str(L, o, "file", VIZ_OPT, &c.file));
    int r;
    TRY(r = viz_get_int(L, o, "line", VIZ_OPT, 0, INT32_MAX, &v));
    c.line = r == 0 ? (int32_t)v : 0;
    TRY(viz_get_addr(L, o, "stack_lo", VIZ_OPT, &c.stack_lo));
    TRY(viz_get_addr(L, o, "stack_hi", VIZ_OPT, &c.stack_hi));
    int reused = 0;
    TRY(viz_get_bool(L, o, "reused", VIZ_OPT, &reused));
    if (reused) e->sub |= VIZ_F_REUSED;
    TRY(VIZ_GROW(L, m->creates, m->create_cap, m->create_count + 1));
    e->aux = (uint32_t)m->create_count;
    m->creates[m->create_count++] = c;
    if (e->g2 > m->g_max) m->g_max = e->g2;
    return 0;
}

static int viz_parse_var(viz_loader *L, const cJSON *o, viz_event *e) {
    viz_model *m = L->m;
    viz_var var;
    TRY(viz_get_str(L, o, "var", VIZ_REQ, &var.name));
    TRY(viz_get_addr(L, o, "addr", VIZ_REQ, &var.addr));
    TRY(viz_get_int(L, o, "value", VIZ_REQ, INT64_MIN, INT64_MAX, &e->x));
    /* Variables are few: the last one is the usual match, else a new row. */
    int64_t k = m->var_count - 1;
    while (k >= 0 && k >= m->var_count - 8 && !(m->vars[k].addr == var.addr && m->vars[k].name == var.name)) k--;
    if (k < 0 || k < m->var_count - 8) {
        TRY(VIZ_GROW(L, m->vars, m->var_cap, m->var_count + 1));
        k = m->var_count++;
        m->vars[k] = var;
    }
    e->aux = (uint32_t)k;
    return 0;
}

/* ---- the kinds with a viz_info row ---- */

/* A new row (numbers -1, strings none) for event e; NULL after reporting OOM. */
static viz_info *viz_info_new(viz_loader *L, viz_event *e) {
    viz_model *m = L->m;
    if (VIZ_GROW(L, m->infos, m->info_cap, m->info_count + 1) != 0) return NULL;
    if (m->info_count >= (int64_t)UINT32_MAX) {
        viz_fail(L, "ev", "too many events with objects in one file");
        return NULL;
    }
    e->aux = (uint32_t)m->info_count;
    viz_info *r = &m->infos[m->info_count++];
    memset(r, 0, sizeof *r);
    for (int k = 0; k < 4; k++) r->n[k] = -1;
    return r;
}

/* An optional integer into *out (left as is when absent). */
static int viz_opt_int(viz_loader *L, const cJSON *o, const char *key, int64_t lo, int64_t hi, int64_t *out) {
    int64_t v = 0;
    int r = viz_get_int(L, o, key, VIZ_OPT, lo, hi, &v);
    if (r == 0) *out = v;
    return r < 0 ? -1 : 0;
}

/* An optional boolean: flag set in *f when true. */
static int viz_opt_flag(viz_loader *L, const cJSON *o, const char *key, uint32_t flag, uint32_t *f) {
    int b = 0, r = viz_get_bool(L, o, key, VIZ_OPT, &b);
    if (r < 0) return -1;
    if (r == 0 && b) *f |= flag;
    return r;
}

/* The object's address (required: every sync, timer, context and race line has it). */
static int viz_info_addr(viz_loader *L, const cJSON *o, const char *key, int req, viz_info *r) {
    int rc = viz_get_addr(L, o, key, req, &r->addr);
    if (rc == 0) r->f |= VIZ_I_HAS_ADDR;
    return rc < 0 ? -1 : 0;
}

/* An array of small integers (Select's pollorder: case indices, -1 for a default) into gs. */
static int viz_get_int_list(viz_loader *L, const cJSON *o, const char *key, int64_t *off, int64_t *count) {
    const cJSON *a = viz_field(o, key);
    *off = L->m->gs_count;
    *count = 0;
    if (a == NULL || cJSON_IsNull(a)) return 0;
    if (!cJSON_IsArray(a)) return viz_fail(L, key, "expected an array of integers");
    viz_model *m = L->m;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int64_t)v->valuedouble || v->valuedouble < -1 ||
            v->valuedouble > (double)INT32_MAX)
            return viz_fail(L, key, "expected an array of integers");
        if (*count >= VIZ_GS_MAX) return viz_fail(L, key, "more than %d entries", VIZ_GS_MAX);
        TRY(VIZ_GROW(L, m->gs, m->gs_cap, m->gs_count + 1));
        m->gs[m->gs_count++] = (int32_t)v->valuedouble;
        (*count)++;
    }
    if (m->gs_count > (int64_t)UINT32_MAX) return viz_fail(L, key, "too many lists in one file");
    return 0;
}

/* A tie's cands, joined by ", " and interned (they repeat: one string each). */
static int viz_get_cands(viz_loader *L, const cJSON *o, uint32_t *id) {
    const cJSON *a = viz_field(o, "cands");
    *id = 0;
    if (a == NULL || cJSON_IsNull(a)) return 0;
    if (!cJSON_IsArray(a)) return viz_fail(L, "cands", "expected an array of strings");
    char buf[1024];
    size_t n = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        if (!cJSON_IsString(v) || v->valuestring == NULL) return viz_fail(L, "cands", "expected an array of strings");
        size_t k = strlen(v->valuestring);
        if (n > 0 && n + 2 < sizeof buf) {
            memcpy(buf + n, ", ", 2);
            n += 2;
        }
        if (n + k >= sizeof buf) k = sizeof buf - 1 - n; /* long lists are cut: this is for reading */
        memcpy(buf + n, v->valuestring, k);
        n += k;
    }
    *id = viz_str_intern(&L->m->strs, buf, n, &L->oom);
    if (L->oom) return viz_fail(L, "memory", "out of memory");
    return 0;
}

static int viz_parse_info(viz_loader *L, const cJSON *o, viz_event *e) {
    int64_t v = 0;
    int r;
    viz_info *in = viz_info_new(L, e); /* nothing below grows the rows: in stays valid */
    if (in == NULL) return -1;
    switch ((viz_kind)e->kind) {
    case VIZ_EV_DECISION:
        TRY(viz_get_str(L, o, "kind", VIZ_REQ, &in->s[0]));
        TRY(viz_get_int(L, o, "n", VIZ_REQ, 1, INT32_MAX, &v));
        e->g2 = (int32_t)v;
        TRY(viz_get_int(L, o, "choice", VIZ_REQ, 0, v - 1, &e->x));
        TRY(viz_get_str(L, o, "key", VIZ_OPT, &in->s[1]));
        TRY(viz_get_str(L, o, "pick", VIZ_OPT, &in->s[2]));
        return viz_get_cands(L, o, &in->s[3]);
    case VIZ_EV_SELECT:
        TRY(viz_get_str(L, o, "op", VIZ_OPT, &in->s[0]));
        TRY(viz_get_str(L, o, "dir", VIZ_OPT, &in->s[1]));
        TRY(viz_opt_int(L, o, "cases", 0, INT32_MAX, &in->n[0]));
        TRY(viz_opt_int(L, o, "chosen", -1, INT32_MAX, &in->n[1]));
        TRY(viz_info_addr(L, o, "chan", VIZ_OPT, in));
        TRY(viz_opt_flag(L, o, "has_default", VIZ_I_HAS_DEFAULT, &in->f));
        TRY(viz_opt_flag(L, o, "blocked", VIZ_I_BLOCKED, &in->f));
        TRY(r = viz_opt_flag(L, o, "ok", VIZ_I_OK, &in->f));
        if (r == 0) in->f |= VIZ_I_HAS_OK;
        return viz_get_int_list(L, o, "pollorder", &in->n[2], &in->n[3]);
    case VIZ_EV_TIMER_ARM:
    case VIZ_EV_TIMER_FIRE:
        TRY(viz_info_addr(L, o, "timer", VIZ_REQ, in));
        TRY(viz_get_str(L, o, "kind", VIZ_OPT, &in->s[0]));
        TRY(r = viz_get_int(L, o, "when", VIZ_OPT, 0, INT64_C(1) << 53, &v));
        e->x = r == 0 ? v : -1;
        return 0;
    case VIZ_EV_MUTEX_LOCK:
    case VIZ_EV_MUTEX_STARVING:
    case VIZ_EV_MUTEX_UNLOCK:
        TRY(viz_info_addr(L, o, "mutex", VIZ_REQ, in));
        TRY(viz_get_str(L, o, "how", VIZ_OPT, &in->s[0]));
        TRY(viz_opt_int(L, o, "state", INT64_MIN, INT64_MAX, &in->n[0]));
        TRY(viz_opt_int(L, o, "waiters", 0, INT64_MAX, &in->n[1]));
        TRY(viz_opt_int(L, o, "waited_ns", 0, INT64_MAX, &in->n[2]));
        TRY(viz_opt_int(L, o, "spins", 0, INT64_MAX, &in->n[3]));
        TRY(viz_opt_flag(L, o, "starving", VIZ_I_STARVING, &in->f));
        return viz_opt_flag(L, o, "handoff", VIZ_I_HANDOFF, &in->f) < 0 ? -1 : 0;
    case VIZ_EV_RWMUTEX_LOCK:
    case VIZ_EV_RWMUTEX_UNLOCK:
        TRY(viz_info_addr(L, o, "rwmutex", VIZ_REQ, in));
        TRY(viz_get_str(L, o, "mode", VIZ_OPT, &in->s[0]));
        TRY(viz_get_str(L, o, "how", VIZ_OPT, &in->s[1]));
        TRY(viz_opt_int(L, o, "reader_count", INT64_MIN, INT64_MAX, &in->n[0]));
        return viz_opt_int(L, o, "reader_wait", INT64_MIN, INT64_MAX, &in->n[1]);
    case VIZ_EV_WAITGROUP_ADD:
    case VIZ_EV_WAITGROUP_WAIT:
        TRY(viz_info_addr(L, o, "waitgroup", VIZ_REQ, in));
        TRY(viz_opt_int(L, o, "delta", INT64_MIN, INT64_MAX, &in->n[0]));
        TRY(viz_opt_int(L, o, "counter", INT64_MIN, INT64_MAX, &in->n[1]));
        TRY(viz_opt_int(L, o, "waiters", 0, INT64_MAX, &in->n[2]));
        return viz_opt_flag(L, o, "blocked", VIZ_I_BLOCKED, &in->f) < 0 ? -1 : 0;
    case VIZ_EV_COND_WAIT:
    case VIZ_EV_COND_NOTIFY:
        TRY(viz_info_addr(L, o, "cond", VIZ_REQ, in));
        TRY(viz_opt_int(L, o, e->kind == VIZ_EV_COND_WAIT ? "ticket" : "woken", 0, INT64_MAX, &in->n[0]));
        TRY(viz_opt_int(L, o, "notify", 0, INT64_MAX, &in->n[1]));
        TRY(viz_opt_int(L, o, "wait", 0, INT64_MAX, &in->n[2]));
        return viz_opt_flag(L, o, "all", VIZ_I_ALL, &in->f) < 0 ? -1 : 0;
    case VIZ_EV_ONCE_DO:
        TRY(viz_info_addr(L, o, "once", VIZ_REQ, in));
        return viz_opt_flag(L, o, "ran", VIZ_I_RAN, &in->f) < 0 ? -1 : 0;
    case VIZ_EV_CONTEXT_NEW: {
        TRY(viz_info_addr(L, o, "ctx", VIZ_REQ, in));
        TRY(viz_get_str(L, o, "kind", VIZ_OPT, &in->s[0]));
        uint64_t parent = 0;
        TRY(viz_get_addr(L, o, "parent", VIZ_OPT, &parent));
        in->n[3] = (int64_t)parent;
        TRY(r = viz_get_int(L, o, "key", VIZ_OPT, INT64_MIN, INT64_MAX, &in->n[0]));
        if (r == 0) in->f |= VIZ_I_HAS_KEY;
        TRY(viz_opt_int(L, o, "value", INT64_MIN, INT64_MAX, &in->n[1]));
        TRY(r = viz_get_int(L, o, "deadline", VIZ_OPT, 0, INT64_MAX, &in->n[2]));
        if (r == 0) in->f |= VIZ_I_HAS_DEADLINE;
        return 0;
    }
    case VIZ_EV_CONTEXT_CANCEL:
        TRY(viz_info_addr(L, o, "ctx", VIZ_REQ, in));
        TRY(viz_get_str(L, o, "err", VIZ_OPT, &in->s[0]));
        return viz_opt_int(L, o, "children", 0, INT64_MAX, &in->n[0]);
    case VIZ_EV_RACE:
        TRY(viz_info_addr(L, o, "addr", VIZ_REQ, in));
        TRY(viz_get_str(L, o, "var", VIZ_OPT, &in->s[0]));
        TRY(viz_get_str(L, o, "access", VIZ_OPT, &in->s[1]));
        TRY(viz_get_str(L, o, "prev_access", VIZ_OPT, &in->s[2]));
        TRY(viz_opt_int(L, o, "prev_g", 0, VIZ_G_ID_MAX, &in->n[0]));
        return viz_opt_int(L, o, "count", 0, INT64_MAX, &in->n[1]);
    default: break;
    }
    VIZ_ASSERT(0 && "viz_parse_info: not a kind with a row");
    return -1;
}

/* Unknown kinds: keep the whole line and whatever g/m/p it has that look right. */
static int viz_parse_unknown(viz_loader *L, const cJSON *o, viz_event *e, uint32_t name, const char *line,
                             size_t len) {
    e->x = name;
    e->aux = viz_str_intern(&L->m->strs, line, len, &L->oom);
    if (L->oom) return viz_fail(L, "memory", "out of memory");
    static const char *const keys[3] = {"g", "m", "p"};
    for (int k = 0; k < 3; k++) {
        const cJSON *v = viz_field(o, keys[k]);
        if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int64_t)v->valuedouble) continue;
        double d = v->valuedouble;
        if (k == 0 && d >= 0 && d <= (double)VIZ_G_ID_MAX) e->g = (int32_t)d;
        if (k == 1 && d >= 0 && d < VIZ_M_MAX) e->m = (int32_t)d;
        if (k == 2 && d >= 0 && d < VIZ_P_MAX) e->p = (int16_t)d;
    }
    return 0;
}

/* ---- [SECTION] one event line ------------------------------------------------------- */

static int viz_parse_kind(viz_loader *L, const cJSON *o, viz_event *e) {
    int64_t v = 0;
    int flag = 0, r;
    switch ((viz_kind)e->kind) {
    case VIZ_EV_PROC_START:
    case VIZ_EV_PROC_STOP: return viz_get_gmp(L, o, e, VIZ_OPT, VIZ_REQ, VIZ_REQ);
    case VIZ_EV_M_START:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_REQ, VIZ_REQ));
        TRY(r = viz_get_int(L, o, "runs_at", VIZ_OPT, 0, INT64_MAX, &v));
        e->x = r == 0 ? v : e->t_ns;
        TRY(viz_get_bool(L, o, "new", VIZ_OPT, &flag));
        if (flag) e->sub |= VIZ_F_NEW;
        TRY(viz_get_bool(L, o, "spinning", VIZ_OPT, &flag));
        if (flag) e->sub |= VIZ_F_SPINNING;
        return 0;
    case VIZ_EV_M_STOP: return viz_get_gmp(L, o, e, VIZ_OPT, VIZ_REQ, VIZ_OPT);
    case VIZ_EV_M_SPIN:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_REQ, VIZ_OPT));
        TRY(viz_get_bool(L, o, "spinning", VIZ_REQ, &flag));
        if (flag) e->sub |= VIZ_F_SPINNING;
        return 0;
    case VIZ_EV_GO_CREATE:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT));
        return viz_parse_create(L, o, e);
    case VIZ_EV_GO_START:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_REQ, VIZ_REQ));
        TRY(viz_get_int(L, o, "schedtick", VIZ_OPT, 0, INT64_MAX, &e->x));
        TRY(viz_get_bool(L, o, "inherit_time", VIZ_OPT, &flag));
        if (flag) e->sub |= VIZ_F_INHERIT;
        return 0;
    case VIZ_EV_GO_STOP:
    case VIZ_EV_GO_BLOCK:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT));
        return viz_get_str(L, o, "reason", VIZ_OPT, &e->aux) < 0 ? -1 : 0;
    case VIZ_EV_GO_UNBLOCK:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT));
        TRY(r = viz_get_int(L, o, "by", VIZ_OPT, 0, VIZ_G_ID_MAX, &v));
        e->g2 = r == 0 ? (int32_t)v : -1;
        return 0;
    case VIZ_EV_GO_DESTROY: return viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT);
    case VIZ_EV_RUNQ_PUT:
    case VIZ_EV_RUNQ_GET:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_REQ));
        TRY(viz_get_queue(L, o, VIZ_REQ, &e->sub));
        if (e->sub != VIZ_Q_GLOBAL && e->p < 0) return viz_fail(L, "p", "-1 for a %s queue", viz_queue_name(e->sub));
        return 0;
    case VIZ_EV_RUNQ_STEAL:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_REQ));
        TRY(viz_get_int(L, o, "victim", VIZ_REQ, 0, VIZ_P_MAX - 1, &v));
        e->g2 = (int32_t)v;
        TRY(viz_get_queue(L, o, VIZ_OPT, &e->sub));
        return viz_get_gs(L, o, e);
    case VIZ_EV_RUNQ_MOVE:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_REQ));
        return viz_get_gs(L, o, e);
    case VIZ_EV_DECISION: return viz_parse_info(L, o, e);
    case VIZ_EV_FRAME_ENTER:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT));
        return viz_parse_frame(L, o, e);
    case VIZ_EV_FRAME_EXIT:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT));
        TRY(viz_get_str(L, o, "fn", VIZ_OPT, &e->aux));
        TRY(r = viz_get_int(L, o, "depth", VIZ_OPT, 0, 1 << 20, &v));
        e->x = r == 0 ? v : -1;
        return 0;
    case VIZ_EV_ARG_COPY:
    case VIZ_EV_VALUE_COPY:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_OPT));
        return viz_parse_copy(L, o, e);
    case VIZ_EV_CHAN_MAKE:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_OPT));
        TRY(viz_get_addr(L, o, "chan", VIZ_REQ, (uint64_t *)&e->x));
        TRY(r = viz_get_int(L, o, "cap", VIZ_OPT, 0, INT32_MAX, &v));
        e->g2 = r == 0 ? (int32_t)v : 0;
        TRY(r = viz_get_int(L, o, "elem_size", VIZ_OPT, 0, UINT32_MAX, &v));
        e->aux = r == 0 ? (uint32_t)v : 0;
        return 0;
    case VIZ_EV_CHAN_CLOSE:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_OPT));
        TRY(viz_get_addr(L, o, "chan", VIZ_REQ, (uint64_t *)&e->x));
        TRY(r = viz_get_int(L, o, "woken", VIZ_OPT, 0, INT32_MAX, &v));
        e->g2 = r == 0 ? (int32_t)v : 0;
        return 0;
    case VIZ_EV_VAR_NEW:
    case VIZ_EV_VAR_LOAD:
    case VIZ_EV_VAR_STORE:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_OPT));
        TRY(viz_get_bool(L, o, "atomic", VIZ_OPT, &flag));
        if (flag) e->sub |= VIZ_F_ATOMIC;
        return viz_parse_var(L, o, e);
    case VIZ_EV_PRINT:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_OPT));
        return viz_get_str(L, o, "text", VIZ_REQ, &e->aux) < 0 ? -1 : 0;
    case VIZ_EV_PANIC:
    case VIZ_EV_FAIL:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_OPT));
        return viz_get_str(L, o, "message", VIZ_OPT, &e->aux) < 0 ? -1 : 0;
    case VIZ_EV_PROC_IDLE: return viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_REQ);
    case VIZ_EV_PROC_STEAL: return viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_REQ);
    case VIZ_EV_M_POLL:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_REQ, VIZ_OPT));
        TRY(r = viz_get_int(L, o, "until", VIZ_OPT, 0, INT64_MAX, &v));
        e->x = r == 0 ? v : -1;
        return 0;
    case VIZ_EV_M_EXIT: return viz_get_gmp(L, o, e, VIZ_OPT, VIZ_REQ, VIZ_OPT);
    case VIZ_EV_SYSMON:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_OPT));
        return viz_get_str(L, o, "action", VIZ_OPT, &e->aux) < 0 ? -1 : 0;
    case VIZ_EV_PREEMPT:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT));
        TRY(viz_get_bool(L, o, "async", VIZ_OPT, &flag));
        if (flag) e->sub |= VIZ_F_ASYNC;
        TRY(r = viz_get_int(L, o, "at", VIZ_OPT, 0, INT64_MAX, &v));
        e->x = r == 0 ? v : -1;
        return 0;
    case VIZ_EV_GO_SYSCALL_BEGIN:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT));
        TRY(viz_get_bool(L, o, "blocking", VIZ_OPT, &flag));
        if (flag) e->sub |= VIZ_F_BLOCKING;
        TRY(r = viz_get_int(L, o, "dur", VIZ_OPT, 0, INT64_MAX, &v));
        e->x = r == 0 ? v : -1;
        return 0;
    case VIZ_EV_GO_SYSCALL_END:
    case VIZ_EV_GO_SYSCALL_END_BLOCKED:
    case VIZ_EV_MAIN_RETURN: return viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT);
    case VIZ_EV_GO_LEAK:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT));
        return viz_get_str(L, o, "reason", VIZ_OPT, &e->aux) < 0 ? -1 : 0;
    case VIZ_EV_LOCK_OS_THREAD:
    case VIZ_EV_UNLOCK_OS_THREAD:
        TRY(viz_get_gmp(L, o, e, VIZ_REQ, VIZ_OPT, VIZ_OPT));
        TRY(r = viz_get_int(L, o, "locked", VIZ_OPT, 0, INT64_MAX, &v));
        e->x = r == 0 ? v : -1;
        return 0;
    case VIZ_EV_SELECT:
    case VIZ_EV_TIMER_ARM:
    case VIZ_EV_TIMER_FIRE:
    case VIZ_EV_MUTEX_LOCK:
    case VIZ_EV_MUTEX_STARVING:
    case VIZ_EV_MUTEX_UNLOCK:
    case VIZ_EV_RWMUTEX_LOCK:
    case VIZ_EV_RWMUTEX_UNLOCK:
    case VIZ_EV_WAITGROUP_ADD:
    case VIZ_EV_WAITGROUP_WAIT:
    case VIZ_EV_COND_WAIT:
    case VIZ_EV_COND_NOTIFY:
    case VIZ_EV_ONCE_DO:
    case VIZ_EV_CONTEXT_NEW:
    case VIZ_EV_CONTEXT_CANCEL:
    case VIZ_EV_RACE:
        TRY(viz_get_gmp(L, o, e, VIZ_OPT, VIZ_OPT, VIZ_OPT));
        return viz_parse_info(L, o, e);
    case VIZ_EV_UNKNOWN:
    case VIZ_EV_KIND_COUNT: break;
    }
    VIZ_ASSERT(0 && "viz_parse_kind: unhandled kind");
    return -1;
}

static int viz_parse_event(viz_loader *L, const cJSON *o, const char *evname, const char *line, size_t len) {
    viz_model *m = L->m;
    viz_event e;
    memset(&e, 0, sizeof e);
    e.g = e.g2 = e.m = -1;
    e.p = -1;
    int64_t i;
    TRY(viz_get_int(L, o, "i", VIZ_REQ, 0, VIZ_EVENTS_MAX - 1, &i));
    if (L->first_i < 0) { /* chunks after the first: checked by viz_merge_check */
        L->first_i = i;
        L->first_line = L->line; /* even if this line fails later: the merge checks i first */
    }
    if (i != L->first_i + m->ev_count)
        return viz_fail(L, "i", "expected %lld (events are numbered from 0), got %lld",
                        (long long)(L->first_i + m->ev_count), (long long)i);
    TRY(viz_get_int(L, o, "t", VIZ_REQ, 0, INT64_C(1) << 53, &e.t_ns));
    if (m->ev_count == 0) {
        L->first_t = e.t_ns;
        L->first_line = L->line;
    }
    if (e.t_ns < L->last_t)
        return viz_fail(L, "t", "%lld is before the previous event's %lld (time must not go backwards)",
                        (long long)e.t_ns, (long long)L->last_t);
    L->last_t = e.t_ns;
    e.kind = (uint8_t)viz_kind_of(evname);
    TRY(viz_get_str(L, o, "why", VIZ_OPT, &e.why));
    if (e.kind == VIZ_EV_UNKNOWN) {
        uint32_t name = viz_intern(L, evname);
        if (L->oom) return viz_fail(L, "memory", "out of memory");
        TRY(viz_parse_unknown(L, o, &e, name, line, len));
    } else {
        TRY(viz_parse_kind(L, o, &e));
    }
    if (e.p >= m->p_count) m->p_count = e.p + 1;
    if (e.m >= m->m_count) m->m_count = e.m + 1;
    if (e.kind == VIZ_EV_RUNQ_STEAL && e.g2 >= m->p_count) m->p_count = e.g2 + 1;
    if (e.g > m->g_max) m->g_max = e.g;
    TRY(VIZ_GROW(L, m->ev, m->ev_cap, m->ev_count + 1));
    m->ev[m->ev_count++] = e;
    return 0;
}

static int viz_parse_header(viz_loader *L, const cJSON *o) {
    viz_header *h = &L->m->header;
    const cJSON *ev = viz_field(o, "ev");
    if (!cJSON_IsString(ev) || strcmp(ev->valuestring, "Header") != 0)
        return viz_fail(L, "ev", "the first line must be the Header (\"ev\":\"Header\")");
    const cJSON *f = viz_field(o, "format");
    if (!cJSON_IsString(f) || strcmp(f->valuestring, "gmpsim-schedule") != 0)
        return viz_fail(L, "format", "expected \"gmpsim-schedule\"");
    TRY(viz_get_int(L, o, "version", VIZ_REQ, INT64_MIN, INT64_MAX, &h->version));
    if (h->version != VIZ_FORMAT_VERSION)
        return viz_fail(L, "version", "version %lld is not supported (this gmpview reads version %d)",
                        (long long)h->version, VIZ_FORMAT_VERSION);
    TRY(viz_get_str(L, o, "scenario", VIZ_OPT, &h->scenario));
    TRY(viz_get_str(L, o, "strategy", VIZ_OPT, &h->strategy));
    TRY(viz_get_int(L, o, "seed", VIZ_OPT, INT64_MIN, INT64_MAX, &h->seed));
    const cJSON *opt = viz_field(o, "options");
    if (opt != NULL && !cJSON_IsObject(opt)) return viz_fail(L, "options", "expected an object");
    if (opt != NULL) {
        TRY(viz_get_int(L, opt, "procs", VIZ_OPT, 1, VIZ_P_MAX, &h->procs));
        TRY(viz_get_str(L, opt, "go", VIZ_OPT, &h->go));
    }
    if (h->procs > L->m->p_count) L->m->p_count = (int32_t)h->procs;
    return 0;
}

static int viz_parse_footer(viz_loader *L, const cJSON *o) {
    viz_footer *f = &L->m->footer;
    TRY(viz_get_str(L, o, "outcome", VIZ_OPT, &f->outcome));
    TRY(viz_get_str(L, o, "message", VIZ_OPT, &f->message));
    TRY(viz_get_str(L, o, "report", VIZ_OPT, &f->report));
    TRY(viz_get_str(L, o, "digest", VIZ_OPT, &f->digest));
    int r;
    TRY(r = viz_get_int(L, o, "t", VIZ_OPT, 0, INT64_C(1) << 53, &f->t_ns));
    L->footer_line = L->line;
    L->footer_t_given = r == 0;
    if (r != 0) f->t_ns = L->last_t;
    if (f->t_ns < L->last_t) return viz_fail(L, "t", "the footer's t is before the last event's");
    const cJSON *c = viz_field(o, "counts");
    if (c != NULL && !cJSON_IsObject(c)) return viz_fail(L, "counts", "expected an object");
    L->footer_events = -1;
    if (c != NULL) {
        TRY(r = viz_get_int(L, c, "events", VIZ_OPT, 0, VIZ_EVENTS_MAX, &f->events));
        if (r == 0) L->footer_events = f->events;
        if (r == 0 && L->chunk == 0 && f->events != L->m->ev_count)
            return viz_fail(L, "counts.events", "%lld, but the file has %lld events", (long long)f->events,
                            (long long)L->m->ev_count);
        TRY(viz_get_int(L, c, "goroutines", VIZ_OPT, 0, INT64_MAX, &f->goroutines));
        TRY(viz_get_int(L, c, "decisions", VIZ_OPT, 0, INT64_MAX, &f->decisions));
        TRY(viz_get_int(L, c, "threads", VIZ_OPT, 0, INT64_MAX, &f->threads));
    }
    L->m->t_end_ns = f->t_ns;
    return 0;
}

static int viz_load_line(viz_loader *L, const char *s, size_t len) {
    L->line++;
    if (len > 0 && s[len - 1] == '\r') len--;
    if (L->phase == 2) return viz_fail(L, "Footer", "content after the footer");
    size_t k = 0;
    while (k < len && (s[k] == ' ' || s[k] == '\t')) k++;
    if (k == len) return viz_fail(L, "json", "empty line");
    cJSON *o = viz_fast_enabled ? viz_fast_parse(s, len) : NULL;
    if (o == NULL) o = cJSON_ParseWithLength(s, len);
    if (o == NULL) {
        viz_arena_reset();
        if (L->threaded) { /* cJSON's error pointer is one global: ask again after the join */
            L->bad_json = malloc(len + 1);
            if (L->bad_json != NULL) memcpy(L->bad_json, s, len);
            L->bad_json_len = len;
            return viz_fail(L, "json", "syntax error");
        }
        const char *at = cJSON_GetErrorPtr();
        long col = at != NULL && at >= s && at <= s + len ? (long)(at - s) + 1 : 1;
        return viz_fail(L, "json", "syntax error at column %ld", col);
    }
    int rc;
    if (!cJSON_IsObject(o)) {
        rc = viz_fail(L, "json", "expected an object");
    } else if (L->phase == 0) {
        rc = viz_parse_header(L, o);
        L->phase = 1;
    } else {
        const cJSON *ev = viz_field(o, "ev");
        if (ev == NULL) rc = viz_fail(L, "ev", "missing");
        else if (!cJSON_IsString(ev) || ev->valuestring[0] == 0) rc = viz_fail(L, "ev", "expected a kind name");
        else if (strcmp(ev->valuestring, "Footer") == 0) {
            rc = viz_parse_footer(L, o);
            L->phase = 2;
        } else if (strcmp(ev->valuestring, "Header") == 0) {
            rc = viz_fail(L, "ev", "a second Header");
        } else {
            rc = viz_parse_event(L, o, ev->valuestring, s, len);
        }
    }
    /* No cJSON_Delete: every node is in the arena, and resetting it frees them all. */
    viz_arena_reset();
    return rc;
}

/* ---- [SECTION] whole inputs: chunks, threads and the merge ------------------------ */

void viz_model_init(viz_model *m) {
    VIZ_ASSERT(m != NULL);
    memset(m, 0, sizeof *m);
}

void viz_model_free(viz_model *m) {
    VIZ_ASSERT(m != NULL);
    free(m->ev);
    free(m->creates);
    free(m->frames);
    free(m->copies);
    free(m->vars);
    free(m->infos);
    free(m->gs);
    free(m->words);
    free(m->bytes);
    free(m->strs.chars);
    free(m->strs.offs);
    free(m->strs.slots);
    memset(m, 0, sizeof *m);
}

typedef struct viz_job {
    viz_loader L;
    viz_model m;
    const char *path;        /* read from this file ... */
    const char *data;        /* ... or from memory */
    uint64_t start, end;     /* the chunk: whole lines, bytes [start, end) */
} viz_job;

static void viz_job_init(viz_job *j, int chunk, int threaded) {
    memset(j, 0, sizeof *j);
    viz_loader *L = &j->L;
    L->m = &j->m;
    L->err = &L->own_err;
    L->chunk = chunk;
    L->threaded = threaded;
    L->phase = chunk == 0 ? 0 : 1;
    L->first_i = chunk == 0 ? 0 : -1;
    L->first_t = -1; /* not read yet */
    L->footer_events = -1;
    int oom = 0;
    viz_str_intern(&j->m.strs, "", 0, &oom); /* id 0 */
    L->oom = oom;
}

static int viz_feed_mem(viz_loader *L, const char *data, size_t len) {
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        if (n > VIZ_LINE_BYTES_MAX) {
            L->line++;
            return viz_fail(L, "json", "line longer than %d bytes", VIZ_LINE_BYTES_MAX);
        }
        if (viz_load_line(L, data + pos, n) != 0) return -1;
        pos += n + 1;
    }
    return 0;
}

/* Reads bytes [start, end) of the file with a growing buffer: a line split across two
 * reads moves to the front. */
static int viz_feed_file(viz_loader *L, const char *path, uint64_t start, uint64_t end) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return viz_fail(L, "file", "cannot open: %s", strerror(errno));
    if (fseeko(f, (off_t)start, SEEK_SET) != 0) {
        fclose(f);
        return viz_fail(L, "file", "cannot seek: %s", strerror(errno));
    }
    size_t cap = 4u << 20, have = 0;
    char *buf = malloc(cap);
    int rc = buf == NULL ? viz_fail(L, "memory", "out of memory") : 0;
    uint64_t left = end - start;
    while (rc == 0) {
        if (have == cap) {
            if (cap >= (size_t)VIZ_LINE_BYTES_MAX + 2) {
                L->line++;
                rc = viz_fail(L, "json", "line longer than %d bytes", VIZ_LINE_BYTES_MAX);
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                rc = viz_fail(L, "memory", "out of memory");
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t want = cap - have < left ? cap - have : (size_t)left;
        size_t got = want > 0 ? fread(buf + have, 1, want, f) : 0;
        left -= got;
        if (got == 0) {
            if (ferror(f)) rc = viz_fail(L, "file", "read error: %s", strerror(errno));
            else if (have > 0) rc = viz_feed_mem(L, buf, have); /* no final newline */
            break;
        }
        have += got;
        char *last_nl = NULL;
        for (char *p = buf + have; p > buf;) { /* the last newline: everything before it is whole lines */
            if (*--p == '\n') {
                last_nl = p;
                break;
            }
        }
        if (last_nl == NULL) continue;
        size_t whole = (size_t)(last_nl - buf) + 1; /* whole lines, each with its '\n' */
        rc = viz_feed_mem(L, buf, whole);
        memmove(buf, buf + whole, have - whole);
        have -= whole;
    }
    free(buf);
    fclose(f);
    return rc;
}

static void *viz_job_run(void *arg) {
    viz_job *j = arg;
    viz_loader *L = &j->L;
    int rc = j->path ? viz_feed_file(L, j->path, j->start, j->end)
                     : viz_feed_mem(L, j->data + j->start, (size_t)(j->end - j->start));
    if (rc == 0 && L->oom) rc = viz_fail(L, "memory", "out of memory");
    L->rc = rc;
    L->lines_done = L->line;
    viz_arena_destroy(); /* this thread's */
    return NULL;
}

/* ---- merging chunk models ---- */

static int viz_append(viz_model *dst, viz_model *src) {
    uint32_t *map = malloc(((size_t)src->strs.count + 1) * sizeof *map);
    if (map == NULL) return -1;
    int oom = 0;
    for (uint32_t id = 0; id < src->strs.count; id++) {
        const char *s = src->strs.chars + src->strs.offs[id];
        map[id] = viz_str_intern(&dst->strs, s, strlen(s), &oom);
    }
#define VIZ_APPEND_ARRAY(field, count, cap)                                                   \
    (viz_grow((void **)&dst->field, &dst->cap, dst->count + src->count, sizeof *dst->field) == 0 \
         ? (src->count > 0 ? memcpy(dst->field + dst->count, src->field, (size_t)src->count * sizeof *dst->field) \
                           : NULL,                                                            \
            0)                                                                                \
         : -1)
    int64_t ev0 = dst->ev_count, cr0 = dst->create_count, fr0 = dst->frame_count, cp0 = dst->copy_count;
    int64_t va0 = dst->var_count, gs0 = dst->gs_count, wo0 = dst->word_count, by0 = dst->byte_count;
    int64_t in0 = dst->info_count;
    if (oom || VIZ_APPEND_ARRAY(ev, ev_count, ev_cap) || VIZ_APPEND_ARRAY(creates, create_count, create_cap) ||
        VIZ_APPEND_ARRAY(infos, info_count, info_cap) ||
        VIZ_APPEND_ARRAY(frames, frame_count, frame_cap) || VIZ_APPEND_ARRAY(copies, copy_count, copy_cap) ||
        VIZ_APPEND_ARRAY(vars, var_count, var_cap) || VIZ_APPEND_ARRAY(gs, gs_count, gs_cap) ||
        VIZ_APPEND_ARRAY(words, word_count, word_cap) || VIZ_APPEND_ARRAY(bytes, byte_count, byte_cap)) {
        free(map);
        return -1;
    }
#undef VIZ_APPEND_ARRAY
    if (dst->gs_count + src->gs_count > (int64_t)UINT32_MAX || dst->info_count + src->info_count > (int64_t)UINT32_MAX) {
        free(map);
        return -1;
    }
    for (int64_t k = 0; k < src->create_count; k++) {
        viz_create *c = &dst->creates[cr0 + k];
        c->fn = map[c->fn];
        c->file = map[c->file];
    }
    for (int64_t k = 0; k < src->frame_count; k++) {
        viz_frame *f = &dst->frames[fr0 + k];
        f->fn = map[f->fn];
        f->file = map[f->file];
        f->word_off += (uint64_t)wo0;
    }
    for (int64_t k = 0; k < src->copy_count; k++) {
        viz_copy *c = &dst->copies[cp0 + k];
        c->src_kind = map[c->src_kind];
        c->dst_kind = map[c->dst_kind];
        c->src_frame = map[c->src_frame];
        c->src_var = map[c->src_var];
        c->dst_frame = map[c->dst_frame];
        c->bytes_off += (uint64_t)by0;
    }
    for (int64_t k = 0; k < src->var_count; k++) dst->vars[va0 + k].name = map[dst->vars[va0 + k].name];
    for (int64_t k = 0; k < src->info_count; k++) {
        viz_info *r = &dst->infos[in0 + k];
        for (int j = 0; j < 4; j++) r->s[j] = map[r->s[j]];
    }
    for (int64_t k = 0; k < src->ev_count; k++) {
        viz_event *e = &dst->ev[ev0 + k];
        e->why = map[e->why];
        switch ((viz_kind)e->kind) {
        case VIZ_EV_GO_CREATE: e->aux += (uint32_t)cr0; break;
        case VIZ_EV_FRAME_ENTER: e->aux += (uint32_t)fr0; break;
        case VIZ_EV_ARG_COPY:
        case VIZ_EV_VALUE_COPY: e->aux += (uint32_t)cp0; break;
        case VIZ_EV_VAR_NEW:
        case VIZ_EV_VAR_LOAD:
        case VIZ_EV_VAR_STORE: e->aux += (uint32_t)va0; break;
        case VIZ_EV_RUNQ_STEAL:
        case VIZ_EV_RUNQ_MOVE: e->aux += (uint32_t)gs0; break;
        case VIZ_EV_GO_STOP:
        case VIZ_EV_GO_BLOCK:
        case VIZ_EV_GO_LEAK:
        case VIZ_EV_SYSMON:
        case VIZ_EV_FRAME_EXIT:
        case VIZ_EV_PRINT:
        case VIZ_EV_PANIC:
        case VIZ_EV_FAIL: e->aux = map[e->aux]; break;
        case VIZ_EV_UNKNOWN:
            e->aux = map[e->aux];
            e->x = map[(uint32_t)e->x];
            break;
        default:
            if (viz_kind_is_info(e->kind)) {
                e->aux += (uint32_t)in0;
                if (e->kind == VIZ_EV_SELECT) dst->infos[e->aux].n[2] += gs0;
            }
            break; /* CHAN_MAKE's aux is a size; the rest have none */
        }
    }
    dst->ev_count += src->ev_count;
    dst->create_count += src->create_count;
    dst->frame_count += src->frame_count;
    dst->copy_count += src->copy_count;
    dst->var_count += src->var_count;
    dst->info_count += src->info_count;
    dst->gs_count += src->gs_count;
    dst->word_count += src->word_count;
    dst->byte_count += src->byte_count;
    if (src->p_count > dst->p_count) dst->p_count = src->p_count;
    if (src->m_count > dst->m_count) dst->m_count = src->m_count;
    if (src->g_max > dst->g_max) dst->g_max = src->g_max;
    viz_footer *f = &src->footer;
    if (f->outcome || f->message || f->report || f->digest || f->t_ns || f->events) {
        dst->footer = *f;
        dst->footer.outcome = map[f->outcome];
        dst->footer.message = map[f->message];
        dst->footer.report = map[f->report];
        dst->footer.digest = map[f->digest];
    }
    free(map);
    return 0;
}

static void viz_set_err(viz_error *err, int64_t line, const char *field, const char *msg) {
    err->line = line;
    snprintf(err->field, sizeof err->field, "%s", field);
    snprintf(err->msg, sizeof err->msg, "%s", msg);
}

/* The first error in file order: a chunk's own, or one only the merge can see. */
static int viz_merge_check(viz_job *jobs, int n, viz_error *err) {
    int64_t line_base = 0, ev_total = 0, last_t = 0;
    int footer_seen = 0;
    char msg[200];
    for (int k = 0; k < n; k++) {
        viz_loader *L = &jobs[k].L;
        viz_error cross;
        memset(&cross, 0, sizeof cross);
        if (footer_seen && L->lines_done > 0) {
            viz_set_err(err, line_base + 1, "Footer", "content after the footer");
            return -1;
        }
        /* The chunk's first event line was read up to its i (and maybe its t) even when the
         * line then failed: the serial loader checks those before the rest of the line. */
        if (k > 0 && L->first_i >= 0) {
            if (L->first_i != ev_total) {
                snprintf(msg, sizeof msg, "expected %lld (events are numbered from 0), got %lld", (long long)ev_total,
                         (long long)L->first_i);
                viz_set_err(&cross, line_base + L->first_line, "i", msg);
            } else if (L->first_t >= 0 && L->first_t < last_t) {
                snprintf(msg, sizeof msg, "%lld is before the previous event's %lld (time must not go backwards)",
                         (long long)L->first_t, (long long)last_t);
                viz_set_err(&cross, line_base + L->first_line, "t", msg);
            }
        }
        if (k > 0 && L->rc == 0 && L->footer_line > 0 && cross.line == 0) {
            int64_t events = ev_total + jobs[k].m.ev_count;
            int64_t t_before = jobs[k].m.ev_count > 0 ? jobs[k].m.ev[jobs[k].m.ev_count - 1].t_ns : last_t;
            viz_footer *f = &jobs[k].m.footer;
            if (L->footer_events >= 0 && L->footer_events != events) {
                snprintf(msg, sizeof msg, "%lld, but the file has %lld events", (long long)L->footer_events,
                         (long long)events);
                viz_set_err(&cross, line_base + L->footer_line, "counts.events", msg);
            } else if (!L->footer_t_given) {
                f->t_ns = t_before;
            } else if (f->t_ns < t_before) {
                viz_set_err(&cross, line_base + L->footer_line, "t", "the footer's t is before the last event's");
            }
        }
        if (L->rc != 0 && (cross.line == 0 || (L->err->line > 0 && line_base + L->err->line < cross.line))) {
            *err = *L->err;
            if (err->line > 0) err->line += line_base;
            if (L->bad_json != NULL) { /* the column, now that one thread asks cJSON */
                cJSON *o = cJSON_ParseWithLength(L->bad_json, L->bad_json_len);
                const char *at = cJSON_GetErrorPtr();
                long col = at != NULL && at >= L->bad_json && at <= L->bad_json + L->bad_json_len
                               ? (long)(at - L->bad_json) + 1
                               : 1;
                if (o == NULL) snprintf(err->msg, sizeof err->msg, "syntax error at column %ld", col);
                cJSON_Delete(o);
            }
            return -1;
        }
        if (cross.line != 0) {
            *err = cross;
            return -1;
        }
        ev_total += jobs[k].m.ev_count;
        if (jobs[k].m.ev_count > 0) last_t = jobs[k].m.ev[jobs[k].m.ev_count - 1].t_ns;
        line_base += L->lines_done;
        if (L->footer_line > 0) footer_seen = 1;
    }
    if (n > 0 && jobs[0].L.phase == 0) {
        viz_set_err(err, 1, "Header", "empty file (expected a Header line)");
        return -1;
    }
    if (!footer_seen) {
        snprintf(msg, sizeof msg, "missing: the file is truncated after line %lld", (long long)line_base);
        viz_set_err(err, line_base + 1, "Footer", msg);
        return -1;
    }
    return 0;
}

/* Runs the jobs (on threads when threaded), then checks and merges them into m. */
static int viz_run_jobs(viz_job *jobs, int n, int threaded, viz_model *m, viz_error *err, uint64_t bytes) {
    cJSON_Hooks hooks = {viz_arena_malloc, viz_arena_free};
    cJSON_InitHooks(&hooks);
    pthread_t tid[VIZ_LOAD_THREADS_MAX];
    int started[VIZ_LOAD_THREADS_MAX] = {0};
    for (int k = 0; k < n; k++) {
        if (threaded && k > 0 && pthread_create(&tid[k], NULL, viz_job_run, &jobs[k]) == 0) started[k] = 1;
        else if (k > 0) viz_job_run(&jobs[k]);
    }
    viz_job_run(&jobs[0]); /* the first chunk on this thread */
    for (int k = 1; k < n; k++)
        if (started[k]) pthread_join(tid[k], NULL);
    int rc = viz_merge_check(jobs, n, err);
    cJSON_InitHooks(NULL);
    viz_model_init(m);
    if (rc == 0) {
        *m = jobs[0].m;
        viz_model_init(&jobs[0].m);
        int64_t lines = jobs[0].L.lines_done;
        for (int k = 1; k < n && rc == 0; k++) {
            if (viz_append(m, &jobs[k].m) != 0) {
                viz_set_err(err, 0, "memory", "out of memory while merging");
                rc = -1;
            }
            lines += jobs[k].L.lines_done;
            viz_model_free(&jobs[k].m);
        }
        m->line_count = lines;
        m->file_bytes = bytes;
        m->t_end_ns = m->footer.t_ns;
        if (m->p_count == 0) m->p_count = 1;
        if (rc != 0) viz_model_free(m);
    }
    for (int k = 0; k < n; k++) {
        viz_model_free(&jobs[k].m);
        free(jobs[k].L.bad_json);
    }
    return rc;
}

/* Chunk boundaries at whole lines, near k/n of the input. */
static int viz_split_mem(const char *data, uint64_t len, int n, uint64_t *cut) {
    cut[0] = 0;
    for (int k = 1; k < n; k++) {
        uint64_t pos = len * (uint64_t)k / (uint64_t)n;
        if (pos < cut[k - 1]) pos = cut[k - 1];
        const char *nl = pos < len ? memchr(data + pos, '\n', (size_t)(len - pos)) : NULL;
        cut[k] = nl ? (uint64_t)(nl - data) + 1 : len;
    }
    cut[n] = len;
    return 0;
}

static int viz_split_file(const char *path, uint64_t len, int n, uint64_t *cut) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return -1;
    cut[0] = 0;
    for (int k = 1; k < n; k++) {
        uint64_t pos = len * (uint64_t)k / (uint64_t)n;
        if (pos < cut[k - 1]) pos = cut[k - 1];
        if (fseeko(f, (off_t)pos, SEEK_SET) != 0) break;
        int c;
        uint64_t skip = 0;
        while ((c = getc(f)) != EOF && c != '\n' && skip < (uint64_t)VIZ_LINE_BYTES_MAX + 2) skip++;
        cut[k] = c == '\n' ? pos + skip + 1 : len;
    }
    cut[n] = len;
    fclose(f);
    return 0;
}

int viz_load_mem_chunks(viz_model *m, const char *data, size_t len, int chunks, int threaded, viz_error *err) {
    VIZ_ASSERT(m != NULL && err != NULL);
    memset(err, 0, sizeof *err);
    if (chunks < 1) chunks = 1;
    if (chunks > VIZ_LOAD_THREADS_MAX) chunks = VIZ_LOAD_THREADS_MAX;
    viz_job *jobs = calloc((size_t)chunks, sizeof *jobs);
    if (jobs == NULL) {
        viz_model_init(m);
        viz_set_err(err, 0, "memory", "out of memory");
        return -1;
    }
    uint64_t cut[VIZ_LOAD_THREADS_MAX + 1];
    viz_split_mem(data, len, chunks, cut);
    for (int k = 0; k < chunks; k++) {
        viz_job_init(&jobs[k], k, threaded);
        jobs[k].data = data;
        jobs[k].start = cut[k];
        jobs[k].end = cut[k + 1];
    }
    int rc = viz_run_jobs(jobs, chunks, threaded, m, err, len);
    free(jobs);
    return rc;
}

int viz_load_mem(viz_model *m, const char *data, size_t len, viz_error *err) {
    return viz_load_mem_chunks(m, data, len, 1, 0, err);
}

/* Threads for a file of this size: one per core for large files (8 MiB a chunk at
 * least), GMPVIEW_LOAD_THREADS to force a count. */
static int viz_load_threads(uint64_t bytes) {
    const char *env = getenv("GMPVIEW_LOAD_THREADS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (!env && (int64_t)(bytes / (8u << 20)) < n) n = (long)(bytes / (8u << 20));
    if (n < 1) n = 1;
    if (n > VIZ_LOAD_THREADS_MAX) n = VIZ_LOAD_THREADS_MAX;
    return (int)n;
}

int viz_load_file(viz_model *m, const char *path, viz_error *err) {
    VIZ_ASSERT(m != NULL && path != NULL && err != NULL);
    memset(err, 0, sizeof *err);
    viz_model_init(m);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        FILE *f = fopen(path, "rb"); /* not a regular file (a pipe?): one chunk, read as it comes */
        if (f == NULL) {
            viz_set_err(err, 0, "file", "cannot open");
            snprintf(err->msg, sizeof err->msg, "cannot open: %s", strerror(errno));
            return -1;
        }
        fclose(f);
        st.st_size = 0;
    }
    uint64_t len = (uint64_t)st.st_size;
    int n = S_ISREG(st.st_mode) ? viz_load_threads(len) : 1;
    viz_job *jobs = calloc((size_t)n, sizeof *jobs);
    if (jobs == NULL) {
        viz_set_err(err, 0, "memory", "out of memory");
        return -1;
    }
    uint64_t cut[VIZ_LOAD_THREADS_MAX + 1];
    if (n > 1 && viz_split_file(path, len, n, cut) != 0) n = 1;
    if (n == 1) {
        cut[0] = 0;
        cut[1] = S_ISREG(st.st_mode) ? len : UINT64_MAX;
    }
    for (int k = 0; k < n; k++) {
        viz_job_init(&jobs[k], k, n > 1);
        jobs[k].path = path;
        jobs[k].start = cut[k];
        jobs[k].end = cut[k + 1];
    }
    int rc = viz_run_jobs(jobs, n, n > 1, m, err, len);
    free(jobs);
    return rc;
}

/* ---- [SECTION] helpers for the views -------------------------------------------------- */

int64_t viz_decode_i64(const uint8_t *b, uint32_t n) {
    VIZ_ASSERT(n <= 8);
    VIZ_ASSERT(b != NULL || n == 0);
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; i++) v |= (uint64_t)b[i] << (8 * i);
    if (n > 0 && n < 8 && (b[n - 1] & 0x80)) v |= ~0ull << (8 * n);
    return (int64_t)v;
}
