/* sim/run.c: a run from start to outcome: set-up, the schedule file's header and
 * footer, faults in scenario code, limits, checkdead and schedtrace. */
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"
#include "cost.h"
#include "frame.h"
#include "race.h"

#define SIM_EVENTS_MAX_DEFAULT INT64_C(50000000)
#define SIM_TIME_NS_MAX_DEFAULT (INT64_C(3600) * 1000000000) /* one virtual hour */
#define SIM_STACK_BYTES_DEFAULT (64u * 1024u)

/* ---- [SECTION] assertions ------------------------------------------------------ */

/* An internal error: keep what the schedule file has so far. */
static void sim_flush_trace(void) {
    if (sim__S && sim__S->trace.out) fflush(sim__S->trace.out);
}

void sim__assert_fail(const char *expr, const char *file, int line) {
    sim_flush_trace();
    fprintf(stderr, "gmpsim: internal error: assertion failed: %s (%s:%d)\n", expr, sim_basename(file), line);
    if (sim__S) fprintf(stderr, "gmpsim: seed %llu, t=%lldns, event %lld\n", (unsigned long long)sim__S->opt.seed,
                        (long long)sim__S->now_ns, (long long)sim__S->trace.count);
    abort();
}

void sim_throw(const char *msg) {
    sim_flush_trace();
    fprintf(stderr, "fatal error: %s\n", msg);
    if (sim__S) fprintf(stderr, "gmpsim: internal error at seed %llu, t=%lldns, event %lld\n",
                        (unsigned long long)sim__S->opt.seed, (long long)sim__S->now_ns,
                        (long long)sim__S->trace.count);
    abort();
}

/* ---- [SECTION] options and names ----------------------------------------------- */

const char *gmp_outcome_name(gmp_outcome o) {
    switch (o) {
    case GMP_OUTCOME_OK: return "ok";
    case GMP_OUTCOME_DEADLOCK: return "deadlock";
    case GMP_OUTCOME_LEAK: return "leak";
    case GMP_OUTCOME_PANIC: return "panic";
    case GMP_OUTCOME_ASSERT: return "assert";
    case GMP_OUTCOME_FAULT: return "fault";
    case GMP_OUTCOME_LIMIT: return "limit";
    case GMP_OUTCOME_RACE: return "race";
    }
    return "?";
}

void gmp_options_default(gmp_options *opt) {
    memset(opt, 0, sizeof *opt);
    opt->seed = 1;
    opt->procs = 4;
    opt->go_minor = 22;
}

int gmp_options_check(const gmp_options *opt, char *err, size_t err_size) {
    if (opt->procs < 1 || opt->procs > SIM_PROCS_MAX) {
        snprintf(err, err_size, "procs must be 1..%d, got %d", SIM_PROCS_MAX, opt->procs);
        return -1;
    }
    if (opt->go_minor < 5 || opt->go_minor > 26) {
        snprintf(err, err_size, "go version must be 1.5..1.26, got 1.%d", opt->go_minor);
        return -1;
    }
    if (opt->seed > (UINT64_C(1) << 53) - 1) {
        snprintf(err, err_size, "seed must be 0..9007199254740991 (2^53-1, exact in JSON)");
        return -1;
    }
    if (opt->max_events < 0 || opt->max_time_ns < 0 || opt->schedtrace_ms < 0 || opt->yield_timeout_s < 0 ||
        opt->leak_grace_ns < 0) {
        snprintf(err, err_size, "limits must not be negative");
        return -1;
    }
    if (opt->stack_size_bytes != 0 && (opt->stack_size_bytes < 16384 || opt->stack_size_bytes > (64u << 20))) {
        snprintf(err, err_size, "stack size must be 16 KiB..64 MiB");
        return -1;
    }
    return 0;
}

const char *gmp_version(void) {
    return GMPSIM_VERSION;
}

const char *gmp_coro_backend(void) {
    return sim_coro_backend();
}

/* ---- [SECTION] outcomes -------------------------------------------------------- */

void sim_finish(sim_sched *s, gmp_outcome outcome, const char *message) {
    if (s->done && s->outcome != GMP_OUTCOME_OK) return; /* the first failure wins */
    s->done = 1;
    s->outcome = outcome;
    size_t n = strnlen(message, sizeof s->message - 1); /* a longer message is cut */
    memcpy(s->message, message, n);
    s->message[n] = 0;
}

/* Writes "msg\n\n" + the goroutine's traceback into s->message-sized text, for stderr. */
static char *sim_failure_text(sim_sched *s, const char *prefix, const sim_g *g, int all) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) return NULL;
    fprintf(f, "%s\n\n", prefix);
    if (all) sim_dump_all(s, f);
    else if (g) sim_traceback(s, g, f);
    fclose(f);
    return text;
}

static char *sim_report; /* the full report (message + dump) of the run's failure */

static void sim_set_report(char *text) {
    free(sim_report);
    sim_report = text;
}

void sim_fail_current(sim_sched *s, gmp_outcome outcome, const char *message) {
    SIM_ASSERT(s->curg >= 0);
    sim_g *g = sim_g_at(s, s->curg);
    char head[1100];
    if (outcome == GMP_OUTCOME_PANIC && strncmp(message, "fatal error: ", 13) != 0)
        snprintf(head, sizeof head, "panic: %s", message);
    else
        snprintf(head, sizeof head, "%s", message);
    sim_finish(s, outcome, head);
    sim_set_report(sim_failure_text(s, head, g, 0));
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, outcome == GMP_OUTCOME_PANIC ? "Panic" : "Fail");
    if (o) {
        sim_trace_add_int(o, "g", g->goid);
        cJSON_AddStringToObject(o, "message", head);
        sim_trace_emit(&s->trace, o);
    }
    sim__to_g0(s, g);
    sim_throw("sim_fail_current: a failed goroutine was resumed");
}

void sim_fatal_g0(sim_sched *s, const char *preamble, const char *msg) {
    char head[512];
    snprintf(head, sizeof head, "fatal error: %s", msg);
    sim_finish(s, GMP_OUTCOME_PANIC, head);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        fprintf(f, "%s%s%s\n\n", preamble ? preamble : "", preamble ? "\n" : "", head);
        sim_dump_all(s, f);
        fclose(f);
    }
    sim_set_report(text);
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "Panic");
    if (o) {
        sim_trace_add_int(o, "g", s->curg >= 0 ? sim_g_at(s, s->curg)->goid : 0);
        cJSON_AddStringToObject(o, "message", head);
        sim_trace_emit(&s->trace, o);
    }
}

void sim_fatal(sim_sched *s, const char *msg) {
    char text[1100];
    snprintf(text, sizeof text, "fatal error: %s", msg);
    sim_fail_current(s, GMP_OUTCOME_PANIC, text);
}

void sim_checkdead(sim_sched *s) {
    int32_t waiting = 0;
    for (int32_t i = 0; i < s->g_count; i++) {
        const sim_g *g = s->allg[i];
        if (g->status == SIM_GRUNNABLE || g->status == SIM_GRUNNING || g->status == SIM_GSYSCALL)
            sim_throw("checkdead: runnable g");
        if (g->status == SIM_GWAITING) waiting++;
    }
    const char *msg = waiting == 0 ? "fatal error: no goroutines (main called runtime.Goexit) - deadlock!"
                                   : "fatal error: all goroutines are asleep - deadlock!";
    sim_finish(s, GMP_OUTCOME_DEADLOCK, msg);
    sim_set_report(sim_failure_text(s, msg, NULL, 1));
}

void sim_leakcheck(sim_sched *s) {
    int32_t leaked = 0;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (int32_t i = 0; i < s->g_count; i++) {
        const sim_g *g = s->allg[i];
        /* What goleak would still see: blocked, or (at the grace deadline) running on. */
        if (g->status == SIM_GDEAD || g->status == SIM_GIDLE) continue;
        bool blocked = g->status == SIM_GWAITING;
        if (f) {
            fputc('\n', f);
            sim_traceback(s, g, f);
        }
        leaked++;
        cJSON *o = sim_trace_event(&s->trace, s->now_ns, "GoLeak");
        if (o) {
            sim_trace_add_int(o, "g", g->goid);
            cJSON_AddStringToObject(o, "reason", blocked ? sim_waitreason_string(g->waitreason)
                                                         : sim_gstatus_string(g->status));
            cJSON_AddStringToObject(o, "why", blocked ? "leakcheck: still blocked after main returned"
                                                      : "leakcheck: still running at the leak deadline (--leak-grace)");
            sim_trace_emit(&s->trace, o);
        }
    }
    if (f) fclose(f);
    if (leaked == 0) {
        free(text);
        sim_finish(s, GMP_OUTCOME_OK, "");
        return;
    }
    char head[160];
    snprintf(head, sizeof head, "leak: %d goroutine%s still alive after main returned", leaked, leaked == 1 ? "" : "s");
    sim_finish(s, GMP_OUTCOME_LEAK, head);
    char *report = NULL;
    size_t rlen = 0;
    FILE *r = open_memstream(&report, &rlen);
    if (r) {
        fprintf(r, "%s\n%s", head, text ? text : "");
        fclose(r);
    }
    free(text);
    sim_set_report(report);
}

void sim_schedtrace(sim_sched *s, int64_t t_ns) {
    FILE *out = s->opt.schedtrace_out ? s->opt.schedtrace_out : stderr;
    bool detailed = s->opt.scheddetail != 0;
    fprintf(out, "SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d needspinning=0 "
                 "idlethreads=%d runqueue=%d",
            (long long)(t_ns / 1000000), s->nprocs, s->npidle, s->mcount, s->nmspinning, s->nmidle, s->runqsize);
    if (detailed) {
        fprintf(out, " gcwaiting=false nmidlelocked=%d stopwait=0 sysmonwait=%s\n", s->nmidlelocked,
                s->sysmon_wait ? "true" : "false");
        for (int32_t i = 0; i < s->nprocs; i++) {
            const sim_p *pp = &s->allp[i];
            fprintf(out, "  P%d: status=%u schedtick=%u syscalltick=%u m=", i, pp->status, pp->schedtick,
                    pp->syscalltick);
            if (pp->m >= 0) fprintf(out, "%d", pp->m);
            else fprintf(out, "nil");
            fprintf(out, " runqsize=%u gfreecnt=%d timerslen=%d\n", pp->runqtail - pp->runqhead, pp->gfree_count,
                    pp->timer_count);
        }
        for (int32_t i = s->mcount - 1; i >= 0; i--) { /* allm lists the newest M first */
            const sim_m *m = &s->allm[i];
            fprintf(out, "  M%d: p=", m->id);
            if (m->p >= 0) fprintf(out, "%d", m->p);
            else fprintf(out, "nil");
            fprintf(out, " curg=");
            if (m->curg >= 0) fprintf(out, "%lld", (long long)s->allg[m->curg]->goid);
            else fprintf(out, "nil");
            fprintf(out, " mallocing=0 throwing=0 preemptoff= locks=0 dying=%d spinning=%s blocked=%s lockedg=",
                     m->state == SIM_M_DEAD, m->spinning ? "true" : "false",
                     m->state == SIM_M_IDLE || m->state == SIM_M_LOCKED ? "true" : "false");
            if (m->lockedg >= 0) fprintf(out, "%lld", (long long)s->allg[m->lockedg]->goid);
            else fprintf(out, "nil");
            fprintf(out, "\n");
        }
        for (int32_t i = 0; i < s->g_count; i++) {
            const sim_g *g = s->allg[i];
            fprintf(out, "  G%lld: status=%u(%s) m=", (long long)g->goid, g->status,
                    sim_waitreason_string(g->waitreason));
            if (g->m >= 0) fprintf(out, "%d", g->m);
            else fprintf(out, "nil");
            fprintf(out, " lockedm=");
            if (g->lockedm >= 0) fprintf(out, "%d", g->lockedm);
            else fprintf(out, "nil");
            fprintf(out, "\n");
        }
        return;
    }
    fprintf(out, " [");
    for (int32_t i = 0; i < s->nprocs; i++) fprintf(out, " %u", s->allp[i].runqtail - s->allp[i].runqhead);
    fprintf(out, " ] schedticks=[");
    for (int32_t i = 0; i < s->nprocs; i++) fprintf(out, " %u", s->allp[i].schedtick);
    fprintf(out, " ]\n");
}

/* ---- [SECTION] faults in scenario code ----------------------------------------- */

static volatile sig_atomic_t sim_fault_signal;
static volatile sig_atomic_t sim_fault_canary; /* the overflow was found by the canary */
static void *volatile sim_fault_addr;
static volatile sig_atomic_t sim_watchdog_ticks;
static volatile int64_t sim_watchdog_seen;
static char sim_altstack[64 * 1024];

static void sim_fault_handler(int sig, siginfo_t *si, void *uctx) {
    (void)uctx;
    sim_sched *s = sim__S;
    if (s == NULL || s->curg < 0) { /* not scenario code: the simulator itself crashed */
        sim_flush_trace();
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    sim_fault_signal = sig;
    sim_fault_addr = si ? si->si_addr : NULL;
    sim_coro_jump_begin(&sim_g_at(s, s->curg)->coro, &s->g0);
    siglongjmp(s->fault_jmp, 1);
}

/* A smashed canary on a stack without a guard page: the same report as a guard hit. */
static void sim_overflow_handler(sim_coro *c) {
    sim_sched *s = sim__S;
    if (s == NULL || s->curg < 0) abort();
    sim_fault_signal = SIGSEGV;
    sim_fault_addr = NULL;
    sim_fault_canary = 1;
    sim_coro_jump_begin(c, &s->g0);
    siglongjmp(s->fault_jmp, 1);
}

/* SIGALRM every second: a goroutine that made no API call for yield_timeout_s host
 * seconds never yields. Host time only decides when to give up, never the schedule. */
static void sim_watchdog_handler(int sig, siginfo_t *si, void *uctx) {
    (void)si;
    (void)uctx;
    sim_sched *s = sim__S;
    if (s == NULL || s->curg < 0) return;
    if (s->api_calls + s->switches != sim_watchdog_seen) {
        sim_watchdog_seen = s->api_calls + s->switches;
        sim_watchdog_ticks = 0;
        return;
    }
    if (++sim_watchdog_ticks < s->opt.yield_timeout_s) return;
    sim_fault_signal = sig;
    sim_fault_addr = NULL;
    sim_coro_jump_begin(&sim_g_at(s, s->curg)->coro, &s->g0);
    siglongjmp(s->fault_jmp, 1);
}

static void sim_faults_install(struct sigaction old[3], stack_t *old_ss) {
    stack_t ss = {.ss_sp = sim_altstack, .ss_size = sizeof sim_altstack, .ss_flags = 0};
    sigaltstack(&ss, old_ss);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sim_fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old[0]);
    sigaction(SIGBUS, &sa, &old[1]);
    sa.sa_sigaction = sim_watchdog_handler;
    sigaction(SIGALRM, &sa, &old[2]);
    struct itimerval it = {{1, 0}, {1, 0}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void sim_faults_remove(struct sigaction old[3], const stack_t *old_ss) {
    struct itimerval it = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &it, NULL);
    sigaction(SIGSEGV, &old[0], NULL);
    sigaction(SIGBUS, &old[1], NULL);
    sigaction(SIGALRM, &old[2], NULL);
    sigaltstack(old_ss, NULL);
}

static void sim_fault_report(sim_sched *s) {
    sim_g *g = sim_g_at(s, s->curg);
    char head[512];
    if (sim_fault_signal == SIGALRM)
        snprintf(head, sizeof head, "goroutine %lld made no gmp_* call for %d s of host time: it never yields",
                 (long long)g->goid, s->opt.yield_timeout_s);
    else if (sim_fault_canary || sim_stack_pool_is_guard(s->stacks, sim_fault_addr))
        snprintf(head, sizeof head, "goroutine %lld overflowed its host stack (guard page hit; see --stack-size)",
                 (long long)g->goid); /* no size: it differs in sanitizer builds */
    else
        snprintf(head, sizeof head, "goroutine %lld crashed: signal %s in scenario code",
                 (long long)g->goid, sim_fault_signal == SIGBUS ? "SIGBUS" : "SIGSEGV");
    char msg[700];
    snprintf(msg, sizeof msg, "%s (seed %llu, after event %lld)", head, (unsigned long long)s->opt.seed,
             (long long)s->trace.count - 1);
    sim_finish(s, GMP_OUTCOME_FAULT, msg);
    sim_set_report(sim_failure_text(s, msg, g, 0));
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "Fail");
    if (o) {
        sim_trace_add_int(o, "g", g->goid);
        cJSON_AddStringToObject(o, "message", msg);
        sim_trace_emit(&s->trace, o);
    }
    s->curg = -1;
}

/* ---- [SECTION] header and footer ------------------------------------------------ */

static void sim_write_header(sim_sched *s) {
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "ev", "Header");
    cJSON_AddStringToObject(h, "format", "gmpsim-schedule");
    sim_trace_add_int(h, "version", GMPSIM_FORMAT_VERSION);
    cJSON_AddStringToObject(h, "scenario", s->scn->name);
    sim_trace_add_int(h, "seed", (int64_t)s->opt.seed);
    const gmp_strategy *st = s->opt.strategy;
    cJSON_AddStringToObject(h, "strategy", st && st->name ? st->name : "random");
    cJSON *o = cJSON_AddObjectToObject(h, "options");
    sim_trace_add_int(o, "procs", s->opt.procs);
    char go[16];
    snprintf(go, sizeof go, "1.%d", s->opt.go_minor);
    cJSON_AddStringToObject(o, "go", go);
    sim_trace_add_int(o, "max_events", s->opt.max_events);
    sim_trace_add_int(o, "max_time_ns", s->opt.max_time_ns);
    cJSON_AddStringToObject(o, "leaks", s->opt.leaks_ignore ? "ignore" : "report");
    sim_trace_add_int(o, "leak_grace_ns", s->opt.leak_grace_ns);
    if (s->opt.os_preempt) cJSON_AddBoolToObject(o, "os_preempt", true); /* absent: off */
    /* --schedtrace keeps sysmon from deep sleep (runtime.sysmon does so too), so it
     * changes the schedule: recorded when on, for replay. */
    if (s->opt.schedtrace_ms > 0) sim_trace_add_int(o, "schedtrace_ms", s->opt.schedtrace_ms);
    cJSON_AddBoolToObject(o, "race", s->opt.race != 0);
    /* These two only decide fault outcomes; the stack size as asked for (sanitizer
     * builds give goroutines larger host stacks, which is not an option). */
    sim_trace_add_int(o, "stack_size", s->stack_size_asked);
    sim_trace_add_int(o, "yield_timeout_s", s->opt.yield_timeout_s);
    sim_trace_write_raw(&s->trace, h);
}

static void sim_write_footer(sim_sched *s) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "ev", "Footer");
    cJSON_AddStringToObject(f, "outcome", gmp_outcome_name(s->outcome));
    cJSON_AddStringToObject(f, "message", s->message);
    if (sim_report) cJSON_AddStringToObject(f, "report", sim_report);
    sim_trace_add_int(f, "t", s->now_ns);
    cJSON *c = cJSON_AddObjectToObject(f, "counts");
    sim_trace_add_int(c, "events", s->trace.count);
    sim_trace_add_int(c, "goroutines", s->gcreated);
    sim_trace_add_int(c, "decisions", s->decisions);
    sim_trace_add_int(c, "threads", s->mcount);
    char d[32];
    snprintf(d, sizeof d, "fnv1a64:%016llx", (unsigned long long)s->trace.digest);
    cJSON_AddStringToObject(f, "digest", d);
    sim_trace_write_raw(&s->trace, f);
}

/* ---- [SECTION] gmp_run --------------------------------------------------------- */

/* Kept from one run to the next (one run at a time): the stack pool, whose stacks are
 * all free again when a run ends, and the M array (sim_newm clears each M it hands
 * out). Making them anew cost more than a small run itself: an mmap, a guard-page
 * mprotect per stack, first-touch page faults on every stack, a munmap, and a 480 KB
 * calloc for 10,000 Ms (explore runs thousands of schedules a second). */
static sim_stack_pool *sim_spare_stacks;
static uint32_t sim_spare_stack_size_bytes;
static sim_m *sim_spare_allm;

static int sim_sched_init(sim_sched *s, const gmp_scenario *scn, const gmp_options *opt, FILE *schedule) {
    memset(s, 0, sizeof *s);
    s->opt = *opt;
    if (s->opt.max_events == 0) s->opt.max_events = SIM_EVENTS_MAX_DEFAULT;
    if (s->opt.max_time_ns == 0) s->opt.max_time_ns = SIM_TIME_NS_MAX_DEFAULT;
    if (s->opt.yield_timeout_s == 0) s->opt.yield_timeout_s = 10;
    if (s->opt.leak_grace_ns == 0) s->opt.leak_grace_ns = SIM_LEAK_GRACE_NS;
    if (s->opt.stack_size_bytes == 0) s->opt.stack_size_bytes = SIM_STACK_BYTES_DEFAULT;
    s->stack_size_asked = s->opt.stack_size_bytes;
#if defined(GMPSIM_SANITIZE)
    s->opt.stack_size_bytes *= 4; /* sanitizer frames are several times larger */
#endif
    s->scn = scn;
    s->nprocs = opt->procs;
    sim_prng_init(&s->prng, opt->seed);
    sim_trace_init(&s->trace, schedule);
    s->allp = calloc((size_t)s->nprocs, sizeof *s->allp);
    s->allm = sim_spare_allm ? sim_spare_allm : calloc(SIM_MAXMCOUNT + 1, sizeof *s->allm); /* + the spare of sim_newm */
    sim_spare_allm = NULL;
    if (s->allp == NULL || s->allm == NULL) return -1;
    if (sim_spare_stacks != NULL && sim_spare_stack_size_bytes == s->opt.stack_size_bytes) {
        s->stacks = sim_spare_stacks;
        sim_spare_stacks = NULL;
    } else if (sim_stack_pool_create(&s->stacks, s->opt.stack_size_bytes, 0) != 0) {
        return -1;
    }
    for (int32_t i = 0; i < s->nprocs; i++) {
        sim_p *pp = &s->allp[i];
        pp->id = i;
        pp->status = SIM_PIDLE;
        pp->m = pp->link = pp->runnext = pp->gfree_head = -1;
    }
    s->runq_head = s->runq_tail = s->pidle = s->midle = s->gfree_head = s->sudog_free = s->netpoll_m = s->sysmon_m = -1;
    s->curm = s->curg = s->main_g = -1;
    s->heap_next = SIM_HEAP_BASE;
    s->horizon_ns = INT64_MAX;
    s->schedtrace_next_ns = opt->schedtrace_ms > 0 ? 0 : INT64_MAX;
    sim_coro_init_main(&s->g0);
    return 0;
}

static void sim_sched_destroy(sim_sched *s) {
    for (int32_t i = 0; i < s->g_count; i++) {
        sim_g *g = s->allg[i];
        if (g->has_stack) sim_stack_put(s->stacks, &g->stack);
        free(g->argbuf);
        free(g->frames);
        free(g->slots);
        free(g);
    }
    free(s->allg);
    for (int32_t i = 0; s->allp && i < s->nprocs; i++) free(s->allp[i].timers);
    free(s->timers);
    free(s->io_waiters);
    free(s->allp);
    free(sim_spare_allm);
    sim_spare_allm = s->allm;
    free(s->sudogs);
    sim_chans_free(s);
    sim_sync_free(s);
    free(s->vars);
    if (s->stacks == NULL) return;
    if (sim_spare_stacks) sim_stack_pool_destroy(sim_spare_stacks);
    sim_spare_stacks = NULL;
    if (s->outcome == GMP_OUTCOME_FAULT) { /* a stack may have been trampled: start afresh */
        sim_stack_pool_destroy(s->stacks);
        return;
    }
    sim_spare_stacks = s->stacks;
    sim_spare_stack_size_bytes = s->opt.stack_size_bytes;
}




int gmp_run(const gmp_scenario *scn, const gmp_options *opt, FILE *schedule, gmp_result *res) {
    memset(res, 0, sizeof *res);
    char err[256];
    if (gmp_options_check(opt, err, sizeof err) != 0) {
        snprintf(res->message, sizeof res->message, "%s", err);
        return -1;
    }
    if (sim__S != NULL) {
        snprintf(res->message, sizeof res->message, "gmp_run is not reentrant");
        return -1;
    }
    static sim_sched sched; /* one run at a time; large, so not on the caller's stack */
    sim_sched *s = &sched;
    if (sim_sched_init(s, scn, opt, schedule) != 0) {
        snprintf(res->message, sizeof res->message, "cannot allocate the simulator: %s", strerror(errno));
        sim_sched_destroy(s);
        return -1;
    }
    sim__S = s;
    sim_report = NULL;
    sim_race_begin(s);
    sim_write_header(s);
    sim_sched_start(s);
    sim_newproc_main(s);
    s->curm = -1;
    struct sigaction old[3];
    stack_t old_ss;
    sim_faults_install(old, &old_ss);
    sim_fault_canary = 0;
    sim_coro_set_overflow_handler(sim_overflow_handler);
    if (sigsetjmp(s->fault_jmp, 1) == 0) {
        sim_loop(s);
    } else {
        sim_coro_jump_end(&s->g0);
        sim_fault_report(s);
    }
    sim_coro_set_overflow_handler(NULL);
    sim_faults_remove(old, &old_ss);
    sim_race_end(s, &sim_report); /* an ok run with races becomes outcome race */
    uint64_t digest = s->trace.digest; /* of the file before the footer */
    sim_write_footer(s);
    if (schedule) fflush(schedule);
    res->outcome = s->outcome;
    _Static_assert(sizeof res->message == sizeof s->message, "message sizes");
    memcpy(res->message, s->message, sizeof res->message);
    res->report = sim_report;
    sim_report = NULL;
    res->events = s->trace.count;
    res->goroutines = s->gcreated;
    res->decisions = s->decisions;
    res->switches = s->switches;
    res->end_time_ns = s->now_ns;
    res->digest = digest;
    int rc = s->trace.write_failed ? -1 : 0;
    if (rc != 0) snprintf(res->message, sizeof res->message, "writing the schedule file failed");
    sim_sched_destroy(s);
    sim__S = NULL;
    return rc;
}

void gmp_result_free(gmp_result *res) {
    free(res->report);
    res->report = NULL;
}
