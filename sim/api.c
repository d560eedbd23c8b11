/* sim/api.c: the scenario API (gmpsim.h, goroutine side): go statements, Gosched,
 * work, Goexit, printing, assertions, frames and locals. Each entry point runs on
 * the calling goroutine's own stack at its M's current virtual time. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "choice.h"
#include "cost.h"
#include "frame.h"
#include "runq.h"
#include "sched.h"
#include "api.h"
#include "race.h"
#include "run.h"

/* Every API call starts here: we must be inside a goroutine of a running simulation. */
sim_sched *sim_api_enter(const char *file, int line) {
    sim_sched *s = sim__S;
    if (s == NULL || s->curg < 0) {
        fprintf(stderr, "gmpsim: %s:%d: gmp_* called outside a goroutine of a running simulation\n",
                sim_basename(file), line);
        abort();
    }
    sim_g *g = sim_g_at(s, s->curg);
    s->api_calls++;
    sim_frame_set_line(g, file, line);
    if (s->opt.os_preempt) sim_os_preempt_point(s); /* the OS may stop this thread before the call */
    /* The function prologue's stack check: a G marked by preemptone stops here. */
    if (g->preempt) sim_gopreempt_m(s, "morestack: g.preempt set, preempted at a call");
    return s;
}

static uint32_t sim_round16(uint32_t n) {
    return (n + 15u) & ~15u;
}

/* Models: runtime.malg(stackMin): a new G with its own stack. */
static sim_g *sim_malg(sim_sched *s) {
    if (s->g_count == s->g_cap) {
        int32_t cap = s->g_cap ? s->g_cap * 2 : 64;
        sim_g **n = realloc(s->allg, (size_t)cap * sizeof *n);
        if (n == NULL) return NULL;
        s->allg = n;
        s->g_cap = cap;
    }
    sim_g *g = calloc(1, sizeof *g);
    if (g == NULL) return NULL;
    if (sim_stack_get(s->stacks, &g->stack) != 0) {
        free(g);
        return NULL;
    }
    g->has_stack = 1;
    g->stack_ordinal = s->stack_count++;
    g->index = s->g_count;
    g->status = SIM_GIDLE;
    g->schedlink = g->m = g->waiting = g->param = g->timer = g->lockedm = -1;
    s->allg[s->g_count++] = g;
    sim_casgstatus(s, g, SIM_GIDLE, SIM_GDEAD);
    return g;
}

static void sim_arg_copy_event(sim_sched *s, const sim_g *src_g, const char *src_frame, const char *src_var,
                               uint64_t src_addr, const char *src_kind, const sim_g *dst_g,
                               uint64_t dst_addr, const char *dst_kind, const void *bytes, uint32_t size,
                               const char *why) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "ArgCopy");
    if (o == NULL) return;
    sim_trace_add_int(o, "g", s->curg >= 0 ? sim_g_at(s, s->curg)->goid : 0);
    sim_trace_add_int(o, "src_g", src_g ? src_g->goid : 0); /* 0: the runtime (a timer) */
    cJSON_AddStringToObject(o, "src_kind", src_kind);
    cJSON_AddStringToObject(o, "src_frame", src_frame);
    if (src_var) cJSON_AddStringToObject(o, "src_var", src_var);
    sim_trace_add_addr(o, "src_addr", src_addr);
    sim_trace_add_int(o, "dst_g", dst_g->goid);
    cJSON_AddStringToObject(o, "dst_kind", dst_kind);
    cJSON_AddStringToObject(o, "dst_frame", dst_g->start_name);
    sim_trace_add_addr(o, "dst_addr", dst_addr);
    sim_trace_add_int(o, "size", size);
    sim_trace_add_hex(o, "bytes", bytes, size);
    cJSON_AddStringToObject(o, "why", why);
    sim_trace_emit(&s->trace, o);
}

/* The first code of every goroutine, on its own stack: moves a closure's arguments
 * into its frame (go1.17+), runs the function, then goexit. */
static void sim_g_entry(void *arg) {
    sim_sched *s = sim__S;
    sim_g *g = arg;
    SIM_ASSERT(s->curg == g->index);
    SIM_ASSERT(g->status == SIM_GRUNNING);
    void *argp = NULL;
    uint32_t size = g->args_size_bytes;
    uint64_t args_addr = sim_stack_hi_addr(g) - ((size + 7u) & ~7u);
    if (size > 0) {
        argp = g->stack.hi - sim_round16(size);
        if (s->opt.go_minor >= 17) {
            memcpy(argp, g->argbuf, size);
            sim_arg_copy_event(s, g, g->start_name, NULL, g->closure_addr, "closure", g, args_addr, "stack",
                               argp, size, "closure call: the captured args move into the new G's frame");
        }
    }
    if (sim_frame_push(s, g, g->start_name, argp, size, args_addr, g->created_file, g->created_line) != 0)
        sim_throw("sim_g_entry: cannot allocate the first frame");
    g->fn(argp);
    sim_goexit0(s);
}

/* Models: runtime.newproc1: a G from gfget or malg, a goid from the P's cache, the
 * arguments copied (go1.16) or captured (go1.17+), the new G into runnext, wakep.
 * parent is NULL for goroutines the runtime starts itself (time.goFunc). */
static void sim_newproc(sim_sched *s, sim_g *parent, gmp_func fn, const char *goname, const void *args,
                        uint32_t size, const char *argname, uint64_t src_heap_addr, const char *created_by,
                        const char *file, int line) {
    SIM_ASSERT(fn != NULL);
    SIM_ASSERT(args != NULL || size == 0);
    if (size >= SIM_NEWPROC_ARGS_MAX_BYTES) sim_fatal(s, "newproc: function arguments too large for new goroutine");
    sim_p *pp = sim_curp(s);
    sim_g *g = sim_gfget(s, pp);
    bool reused = g != NULL;
    if (g == NULL) g = sim_malg(s);
    if (g == NULL) sim_fatal(s, "runtime: cannot allocate memory (goroutine stack)");
    sim_casgstatus(s, g, SIM_GDEAD, SIM_GRUNNABLE);
    if (pp->goidcache == pp->goidcacheend) { /* _GoidCacheBatch goids at a time per P */
        s->goidgen += SIM_GOID_CACHE_BATCH;
        pp->goidcache = s->goidgen - SIM_GOID_CACHE_BATCH + 1;
        pp->goidcacheend = pp->goidcache + SIM_GOID_CACHE_BATCH;
    }
    g->goid = pp->goidcache++;
    g->fn = fn;
    g->start_name = goname;
    g->parent_goid = parent ? parent->goid : 0;
    g->created_by = created_by;
    g->created_file = file;
    g->created_line = line;
    sim_race_go_create(s, parent, g); /* racegostart: the go statement happens before the child starts */
    g->site_ordinal = sim_choice_site_ordinal(s, file, line);
    g->args_size_bytes = size;
    g->run_stack = g->stack;
    g->run_stack.hi -= sim_round16(size);
    g->run_stack.size_bytes -= sim_round16(size);
    s->gcreated++;
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "GoCreate");
    if (o) {
        sim_trace_add_int(o, "m", s->curm);
        sim_trace_add_int(o, "p", pp->id);
        sim_trace_add_int(o, "g", parent ? parent->goid : 0);
        sim_trace_add_int(o, "new_g", g->goid);
        cJSON_AddStringToObject(o, "fn", goname);
        sim_trace_add_addr(o, "stack_lo", sim_stack_hi_addr(g) - SIM_STACK_MIN);
        sim_trace_add_addr(o, "stack_hi", sim_stack_hi_addr(g));
        cJSON_AddStringToObject(o, "file", sim_basename(file));
        sim_trace_add_int(o, "line", line);
        cJSON_AddBoolToObject(o, "reused", reused);
        cJSON_AddStringToObject(o, "why", parent ? "newproc: a new goroutine" : "newproc: started by the runtime");
        sim_trace_emit(&s->trace, o);
    }
    if (size > 0) {
        const char *src_frame = parent ? parent->frames[parent->frame_count - 1].name : created_by;
        uint64_t src_addr = parent ? sim_slot_addr(s, parent, argname ? argname : "args", size) : src_heap_addr;
        const sim_g *src_g = parent;
        if (s->opt.go_minor <= 16) {
            unsigned char *dst = g->stack.hi - sim_round16(size);
            memcpy(dst, args, size);
            sim_arg_copy_event(s, src_g, src_frame, argname, src_addr, parent ? "stack" : "heap", g,
                               sim_stack_hi_addr(g) - ((size + 7u) & ~7u), "stack", dst, size,
                               "newproc1: memmove(spArg, argp, narg): the args onto the new G's stack (go1.16)");
        } else {
            if (g->argbuf_cap_bytes < size) {
                unsigned char *b = realloc(g->argbuf, size);
                if (b == NULL) sim_fatal(s, "runtime: cannot allocate memory (closure)");
                g->argbuf = b;
                g->argbuf_cap_bytes = size;
            }
            if (g->closure_cap_bytes < size) {
                g->closure_addr = sim_heap_alloc(s, size);
                g->closure_cap_bytes = (size + 15u) & ~15u;
            }
            memcpy(g->argbuf, args, size);
            sim_arg_copy_event(s, src_g, src_frame, argname, src_addr, parent ? "stack" : "heap", g, g->closure_addr, "closure",
                               g->argbuf, size,
                               "go statement: the args captured in a heap closure (go1.17+ wrapGoDefer)");
        }
    }
    sim_coro_init(&g->coro, &g->run_stack, sim_g_entry, g);
    sim_runqput(s, pp, g, true, "newproc: the new G takes runnext");
    sim_wakep(s); /* mainStarted */
}

/* Models: runtime.newproc: go fn(args) from a goroutine. */
void gmp_go_at(gmp_func fn, const char *goname, const void *args, size_t size_bytes, const char *argname,
               const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    if (size_bytes >= SIM_NEWPROC_ARGS_MAX_BYTES)
        sim_fatal(s, "newproc: function arguments too large for new goroutine");
    sim_g *parent = sim_g_at(s, s->curg);
    sim_newproc(s, parent, fn, goname, args, (uint32_t)size_bytes, argname, 0,
                parent->frames[parent->frame_count - 1].name, file, line);
    sim_charge(s, SIM_COST_NEWPROC_NS);
}

/* A goroutine the runtime starts on g0 (time.goFunc for AfterFunc). */
void sim_newproc_system(sim_sched *s, gmp_func fn, const char *goname, const void *args, uint32_t size,
                        uint64_t args_addr, const char *created_by) {
    SIM_ASSERT(s->curm >= 0);
    sim_newproc(s, NULL, fn, goname, args, size, NULL, args_addr, created_by, "time/sleep.go", 0);
}

void gmp_gosched_at(const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_gosched(s);
}

void gmp_syscall_at(int64_t ns, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    if (ns < 0) sim_fatal(s, "gmp_syscall: negative duration");
    sim_entersyscall(s, ns, false);
}

void gmp_syscall_block_at(int64_t ns, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    if (ns < 0) sim_fatal(s, "gmp_syscall_block: negative duration");
    sim_entersyscall(s, ns, true);
}

void gmp_io_wait_at(int64_t ns, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    if (ns < 0) sim_fatal(s, "gmp_io_wait: negative duration");
    sim_io_wait(s, ns);
}

void gmp_lock_os_thread_at(const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_lockosthread(s, true);
}

void gmp_unlock_os_thread_at(const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_lockosthread(s, false);
}

void gmp_work_at(int64_t ns, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    if (ns < 0) sim_fatal(s, "gmp_work: negative duration");
    sim_charge(s, ns);
}

int64_t gmp_rand_intn_at(int64_t n, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    if (n <= 0 || n > (INT64_C(1) << 31)) sim_fail_current(s, GMP_OUTCOME_PANIC, "invalid argument to Intn");
    int64_t v = sim_choose(s, SIM_CHOICE_RAND, (uint32_t)n, "math/rand.Intn: a value the program draws");
    sim_charge(s, SIM_COST_VAR_NS);
    return v;
}

void gmp_goexit_at(const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_goexit0(s);
}

/* Replaces every byte that is not part of valid UTF-8 with U+FFFD, so that the schedule
 * stays valid JSON whatever the scenario prints. Returns a malloc'd string. */
static char *sim_utf8_clean(const char *in, size_t len) {
    char *out = malloc(len * 3 + 1);
    if (out == NULL) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)in[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = n > 0 && i + n <= len && !(n == 2 && c < 0xc2);
        for (size_t k = 1; ok && k < n; k++) ok = ((unsigned char)in[i + k] >> 6) == 2;
        if (ok && n == 3) {
            unsigned char c1 = (unsigned char)in[i + 1];
            ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0); /* overlong, surrogates */
        }
        if (ok && n == 4) {
            unsigned char c1 = (unsigned char)in[i + 1];
            ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90) && c <= 0xf4;
        }
        if (!ok) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            continue;
        }
        memcpy(out + o, in + i, n);
        o += n;
        i += n;
    }
    out[o] = 0;
    return out;
}

void gmp_printf_at(const char *file, int line, const char *fmt, ...) {
    sim_sched *s = sim_api_enter(file, line);
    char *raw = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&raw, fmt, ap);
    va_end(ap);
    if (n < 0) sim_fatal(s, "runtime: cannot allocate memory (Printf)");
    char *text = sim_utf8_clean(raw, (size_t)n);
    free(raw);
    if (text == NULL) sim_fatal(s, "runtime: cannot allocate memory (Printf)");
    FILE *out = s->opt.stdout_sink ? s->opt.stdout_sink : stdout;
    fputs(text, out);
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "Print");
    if (o) {
        sim_trace_add_int(o, "g", sim_g_at(s, s->curg)->goid);
        cJSON_AddStringToObject(o, "text", text);
        sim_trace_emit(&s->trace, o);
    }
    free(text);
    sim_charge(s, SIM_COST_PRINT_NS);
}

void gmp_assert_fail_at(const char *file, int line, const char *cond, const char *msg) {
    sim_sched *s = sim_api_enter(file, line);
    char text[512];
    snprintf(text, sizeof text, "assertion failed: %s: %s", msg ? msg : "", cond);
    sim_fail_current(s, GMP_OUTCOME_ASSERT, text);
}

void gmp_frame_enter_at(const char *goname, const void *args, size_t size_bytes, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_g *g = sim_g_at(s, s->curg);
    uint64_t args_addr = g->frames[g->frame_count - 1].sp - ((size_bytes + 7u) & ~(size_t)7u);
    if (sim_frame_push(s, g, goname, args, (uint32_t)size_bytes, args_addr, file, line) != 0)
        sim_fatal(s, "runtime: goroutine stack exceeds the simulator's frame limit");
}

void gmp_frame_exit_at(const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_g *g = sim_g_at(s, s->curg);
    if (g->frame_count <= 1) sim_fatal(s, "gmp_frame_exit: no frame to return from");
    sim_frame_pop(s, g);
}

uint64_t gmp_local_at(const char *name, const void *addr, size_t size_bytes, const char *file, int line) {
    (void)addr;
    sim_sched *s = sim_api_enter(file, line);
    return sim_slot_addr(s, sim_g_at(s, s->curg), name, (uint32_t)size_bytes);
}

int64_t gmp_now_ns(void) {
    return sim__S ? sim__S->now_ns : 0;
}
int64_t gmp_goid(void) {
    sim_sched *s = sim__S;
    return s && s->curg >= 0 ? sim_g_at(s, s->curg)->goid : 0;
}
int32_t gmp_go_minor(void) {
    return sim__S ? sim__S->opt.go_minor : 22;
}
int32_t gmp_procs(void) {
    return sim__S ? sim__S->nprocs : 1;
}

/* Models: rt0_go's newproc(runtime.main): goroutine 1 into P0's runnext. */
void sim_newproc_main(sim_sched *s) {
    sim_p *pp = &s->allp[0];
    sim_g *g = sim_malg(s);
    if (g == NULL) sim_throw("newproc: cannot allocate the main goroutine");
    sim_casgstatus(s, g, SIM_GDEAD, SIM_GRUNNABLE);
    s->goidgen += SIM_GOID_CACHE_BATCH;
    pp->goidcache = s->goidgen - SIM_GOID_CACHE_BATCH + 1;
    pp->goidcacheend = pp->goidcache + SIM_GOID_CACHE_BATCH;
    g->goid = pp->goidcache++;
    SIM_ASSERT(g->goid == 1);
    g->fn = s->scn->main_fn;
    g->start_name = "main.main";
    g->created_file = s->scn->file;
    g->run_stack = g->stack;
    s->main_g = g->index;
    sim_race_go_create(s, NULL, g);
    s->gcreated++;
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "GoCreate");
    if (o) {
        sim_trace_add_int(o, "m", 0);
        sim_trace_add_int(o, "p", 0);
        sim_trace_add_int(o, "g", 0);
        sim_trace_add_int(o, "new_g", g->goid);
        cJSON_AddStringToObject(o, "fn", g->start_name);
        sim_trace_add_addr(o, "stack_lo", sim_stack_hi_addr(g) - SIM_STACK_MIN);
        sim_trace_add_addr(o, "stack_hi", sim_stack_hi_addr(g));
        cJSON_AddStringToObject(o, "file", sim_basename(s->scn->file));
        sim_trace_add_int(o, "line", 0);
        cJSON_AddBoolToObject(o, "reused", false);
        cJSON_AddStringToObject(o, "why", "rt0_go: newproc(runtime.main), the main goroutine");
        sim_trace_emit(&s->trace, o);
    }
    sim_coro_init(&g->coro, &g->run_stack, sim_g_entry, g);
    sim_runqput(s, pp, g, true, "newproc: the new G takes runnext");
}
