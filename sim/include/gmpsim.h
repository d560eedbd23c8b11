/* gmpsim.h: the public API of libgmpsim, the deterministic Go-scheduler simulator.
 *
 * Two audiences:
 *  - scenario code: C functions that run as goroutines (real coroutines on their own
 *    stacks) and call gmp_* to do what Go code does (go statements, Gosched, channels,
 *    CPU work). Every gmp_* call is a scheduling point; the current goroutine is implicit.
 *  - embedders (the gmpsim CLI, tests, your own tools): gmp_run() runs a registered
 *    scenario with a seed and options and writes a schedule file.
 *
 * All times are virtual nanoseconds. Nothing here reads the host clock.
 */
#ifndef GMPSIM_H
#define GMPSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GMPSIM_FORMAT_VERSION 1

/* ---- [SECTION] scenarios ------------------------------------------------------ */

/* A goroutine body. args points at the goroutine's own copy of its argument block,
 * on its own stack (NULL when started without arguments). */
typedef void (*gmp_func)(void *args);

typedef struct gmp_scenario {
    const char *name;        /* "args_copy": [a-z0-9_]+ */
    const char *description; /* one paragraph */
    gmp_func main_fn;        /* runs as goroutine 1, main.main */
    const char *file;        /* source file; only its basename is ever shown */
} gmp_scenario;

/* Registers a scenario (called by GMP_SCENARIO at load time). Names are unique:
 * a second registration of a name is ignored and counted in gmp_scenario_conflicts(). */
void gmp_register(const gmp_scenario *scn);

#define GMP_SCENARIO(ident, desc, mainfn)                                           \
    static const gmp_scenario gmp_scenario_##ident = {#ident, desc, mainfn, __FILE__}; \
    __attribute__((constructor)) static void gmp_register_##ident(void) {          \
        gmp_register(&gmp_scenario_##ident);                                       \
    }

/* ---- [SECTION] goroutines ----------------------------------------------------- */

/* go fn(argvar): starts a goroutine running fn on a copy of argvar (any object).
 * With --go 1.16 and earlier, newproc copies the bytes from the parent's frame onto
 * the new goroutine's stack at once; from 1.17 they are captured into a heap closure
 * at the go statement and moved onto the child's stack when it starts. Either way
 * the child never shares the parent's variable. The child's frame is named
 * "main.<fn>". Arguments are shown Go-style as 8-byte words: use int64_t/pointers. */
#define GMP_GO(fn, argvar)                                                           \
    gmp_go_at((fn), "main." #fn, &(argvar), sizeof(argvar), #argvar, __FILE__, __LINE__)
/* go fn(): no arguments. */
#define GMP_GO0(fn) gmp_go_at((fn), "main." #fn, NULL, 0, NULL, __FILE__, __LINE__)
/* The same with an explicit Go-style name ("main.(*server).loop"). */
#define GMP_GO_NAMED(fn, goname, argvar)                                             \
    gmp_go_at((fn), (goname), &(argvar), sizeof(argvar), #argvar, __FILE__, __LINE__)

/* runtime.Gosched: the goroutine goes to the tail of the global run queue. */
#define gmp_gosched() gmp_gosched_at(__FILE__, __LINE__)
/* Spend ns of virtual CPU time on the current P (a loop in Go code). */
#define gmp_work(ns) gmp_work_at((ns), __FILE__, __LINE__)
/* math/rand.Intn(n), 1 <= n <= 2^31: scenario code draws no host random numbers; the value
 * is a recorded Decision (kind rand, choice = the value), drawn from the run's seed,
 * replayed, explored and shrunk (towards 0) like the scheduler's own choices. */
#define gmp_rand_intn(n) gmp_rand_intn_at((n), __FILE__, __LINE__)
/* runtime.Goexit: runs no deferred calls (C has none) and ends the goroutine. */
#define gmp_goexit() gmp_goexit_at(__FILE__, __LINE__)
/* fmt.Printf: printed at the virtual instant it happens, recorded in the schedule. */
#define gmp_printf(...) gmp_printf_at(__FILE__, __LINE__, __VA_ARGS__)
/* A user assertion: on failure the run ends with outcome "assert". */
#define GMP_ASSERT(cond, msg) \
    ((cond) ? (void)0 : gmp_assert_fail_at(__FILE__, __LINE__, #cond, (msg)))

/* Frames: a named call, so that every goroutine has a Go-like call stack.
 * GMP_CALL(fn, argvar) calls fn(&copy) under a frame "main.<fn>" whose arguments are
 * copied onto this goroutine's stack, as a Go call passes them. */
#define GMP_CALL(fn, argvar) GMP_CALL_NAMED(fn, "main." #fn, argvar)
/* GMP_CALL with the frame named as Go would name it ("main.(*watchServer).Watch"). */
#define GMP_CALL_NAMED(fn, goname, argvar)                                          \
    do {                                                                          \
        gmp_frame_enter_at((goname), &(argvar), sizeof(argvar), __FILE__, __LINE__); \
        (fn)(&(argvar));                                                          \
        gmp_frame_exit_at(__FILE__, __LINE__);                                    \
    } while (0)
/* A local variable of the current frame, given a simulated stack address (returned)
 * so that copies from it show where they came from. */
#define gmp_local(var) gmp_local_at(#var, &(var), sizeof(var), __FILE__, __LINE__)

/* ---- [SECTION] channels ------------------------------------------------------- */

/* A channel value: its simulated address, so that a channel passed as an argument
 * shows as Go shows it (0xc000010000) and no host pointer reaches a schedule file.
 * The zero value is the nil channel. Never put host pointers into goroutine
 * arguments: use gmp_chan and gmp_var, which are simulated addresses. */
typedef struct gmp_chan {
    uint64_t addr;
} gmp_chan;
#define GMP_NIL_CHAN ((gmp_chan){0})
/* make(chan T, cap) with sizeof(T) == elem_size_bytes. Owned by the run. */
#define gmp_make_chan(elem_size_bytes, cap) \
    gmp_make_chan_at((elem_size_bytes), (cap), __FILE__, __LINE__)
/* ch <- *elem */
#define gmp_send(ch, elemp) gmp_send_at((ch), (elemp), #elemp, __FILE__, __LINE__)
/* *elem, ok = <-ch (elem may be NULL to discard); returns ok. */
#define gmp_recv(ch, elemp) gmp_recv_at((ch), (elemp), #elemp, __FILE__, __LINE__)
#define gmp_close(ch) gmp_close_at((ch), __FILE__, __LINE__)

/* ---- [SECTION] time ----------------------------------------------------------- */

/* time.Sleep(ns): ns <= 0 returns at once without yielding. */
#define gmp_sleep(ns) gmp_sleep_at((ns), __FILE__, __LINE__)
/* A timer or ticker: its simulated address. */
typedef struct gmp_timer {
    uint64_t addr;
} gmp_timer;
/* time.After(ns): a channel (cap 1) that receives the virtual time (int64) once. */
#define gmp_after(ns) gmp_after_at((ns), __FILE__, __LINE__)
/* t := time.NewTimer(ns); *c = t.C */
#define gmp_new_timer(ns, c) gmp_new_timer_at((ns), (c), __FILE__, __LINE__)
/* t := time.NewTicker(period); *c = t.C (Stop it with gmp_timer_stop) */
#define gmp_new_ticker(period_ns, c) gmp_new_ticker_at((period_ns), (c), __FILE__, __LINE__)
/* time.AfterFunc(ns, func() { fn(arg) }): fn runs in a new goroutine, args = &arg (int64). */
#define gmp_after_func(ns, fn, arg) gmp_after_func_at((ns), (fn), "main." #fn, (arg), __FILE__, __LINE__)
#define gmp_timer_stop(t) gmp_timer_stop_at((t), __FILE__, __LINE__)
#define gmp_timer_reset(t, ns) gmp_timer_reset_at((t), (ns), __FILE__, __LINE__)

/* ---- [SECTION] syscalls and I/O -------------------------------------------------- */

/* A system call that blocks its M (thread) for ns: entersyscall leaves the P in
 * _Psyscall; exitsyscall takes it back if sysmon has not retaken it (one sysmon tick,
 * 20 us or more), else any idle P, else the G goes to the global queue. */
#define gmp_syscall(ns) gmp_syscall_at((ns), __FILE__, __LINE__)
/* A syscall known to block (entersyscallblock): the P is handed off at once. */
#define gmp_syscall_block(ns) gmp_syscall_block_at((ns), __FILE__, __LINE__)
/* Network I/O that completes after ns: the G parks in "IO wait" without holding its M;
 * netpoll (findRunnable, a blocked poller, or sysmon) readies it. */
#define gmp_io_wait(ns) gmp_io_wait_at((ns), __FILE__, __LINE__)
/* runtime.LockOSThread / UnlockOSThread: the goroutine and its M (thread) are wired:
 * when it blocks, the M gives its P away and waits for it; a goroutine that exits
 * locked takes its thread with it. */
#define gmp_lock_os_thread() gmp_lock_os_thread_at(__FILE__, __LINE__)
#define gmp_unlock_os_thread() gmp_unlock_os_thread_at(__FILE__, __LINE__)

/* ---- [SECTION] shared variables ----------------------------------------------- */

/* An int64 variable that escaped to the heap (what a closure captures by reference).
 * Loads and stores are scheduling points and are recorded with the value. */
typedef struct gmp_var {
    uint64_t addr;
} gmp_var;
#define gmp_new_var(name, init) gmp_new_var_at((name), (init), __FILE__, __LINE__)
#define gmp_load(v) gmp_load_at((v), __FILE__, __LINE__)
#define gmp_store(v, val) gmp_store_at((v), (val), __FILE__, __LINE__)
/* sync/atomic on a gmp_var: LoadInt64, StoreInt64, AddInt64 (returns the new value),
 * SwapInt64 (returns the old), CompareAndSwapInt64. Recorded as VarLoad/VarStore with
 * "atomic": true. For the race detector they are synchronisation, as in Go's memory
 * model: a load acquires what stores released at the variable; they never race with
 * each other (docs/race.md). */
#define gmp_atomic_load(v) gmp_atomic_load_at((v), __FILE__, __LINE__)
#define gmp_atomic_store(v, val) gmp_atomic_store_at((v), (val), __FILE__, __LINE__)
#define gmp_atomic_add(v, delta) gmp_atomic_add_at((v), (delta), __FILE__, __LINE__)
#define gmp_atomic_swap(v, val) gmp_atomic_swap_at((v), (val), __FILE__, __LINE__)
#define gmp_atomic_cas(v, old, new) gmp_atomic_cas_at((v), (old), (new), __FILE__, __LINE__)

/* ---- [SECTION] select and sync ---- */

/* select. A case: a send (ch <- *elem) or a receive (*elem, ok = <-ch; elem may be
 * NULL to discard the value). elemname is the local's name, so that the copies show
 * its simulated stack address (GMP_SEND_CASE/GMP_RECV_CASE fill it in). A case on the
 * nil channel is never chosen. */
typedef enum gmp_select_dir {
    GMP_SELECT_SEND = 1,
    GMP_SELECT_RECV = 2,
} gmp_select_dir;
typedef struct gmp_select_case {
    gmp_select_dir dir;
    gmp_chan ch;
    void *elem;            /* send: the value (read); recv: where the value goes, or NULL */
    const char *elemname;  /* "v" for &v; NULL: no simulated address */
} gmp_select_case;
#define GMP_SEND_CASE(ch, elemp) ((gmp_select_case){GMP_SELECT_SEND, (ch), (void *)(elemp), #elemp})
#define GMP_RECV_CASE(ch, elemp) ((gmp_select_case){GMP_SELECT_RECV, (ch), (elemp), #elemp})
/* select { cases[0] ... cases[ncases-1], plus default: when has_default }: runs one
 * ready case, chosen at random among the ready ones as the runtime's selectgo does,
 * and returns its index in cases; -1 when default ran. *recv_ok (may be NULL) gets
 * the ok of a chosen receive (false: the channel is closed). With no case ready and no
 * default it blocks ("select"). At most 128 cases. The compiler's special cases are
 * kept: no case and no default blocks forever ("select (no cases)"); one case without
 * default is the plain send or receive; one case with default is non-blocking. */
#define gmp_select(cases, ncases, has_default, recv_ok) \
    gmp_select_at((cases), (ncases), (has_default), (recv_ok), __FILE__, __LINE__)
/* The same with the cases inline: GMP_SELECT(&ok, false, GMP_RECV_CASE(a, &v), ...). */
#define GMP_SELECT(recv_ok, has_default, ...)                                                \
    gmp_select_at((gmp_select_case[]){__VA_ARGS__},                                           \
                  (int)(sizeof((gmp_select_case[]){__VA_ARGS__}) / sizeof(gmp_select_case)), \
                  (has_default), (recv_ok), __FILE__, __LINE__)
/* select {}: blocks forever. */
#define gmp_select_block() gmp_select_at(NULL, 0, false, NULL, __FILE__, __LINE__)

/* sync. Each object is a new(sync.X): a handle holding its simulated heap address.
 * Go's zero Mutex lives inside the user's struct; here the objects come from the
 * constructors below, and the zero handle is a nil pointer: using it panics with
 * "invalid memory address or nil pointer dereference". Owned by the run. */
typedef struct gmp_mutex {
    uint64_t addr;
} gmp_mutex;
typedef struct gmp_rwmutex {
    uint64_t addr;
} gmp_rwmutex;
typedef struct gmp_waitgroup {
    uint64_t addr;
} gmp_waitgroup;
typedef struct gmp_cond {
    uint64_t addr;
} gmp_cond;
typedef struct gmp_once {
    uint64_t addr;
} gmp_once;

/* sync.Mutex: normal and starvation modes, spinning, handoff as in the runtime.
 * Unlocking an unlocked mutex is "fatal error: sync: unlock of unlocked mutex". */
#define gmp_mutex_new() gmp_mutex_new_at(__FILE__, __LINE__)
#define gmp_mutex_lock(m) gmp_mutex_lock_at((m), __FILE__, __LINE__)
#define gmp_mutex_unlock(m) gmp_mutex_unlock_at((m), __FILE__, __LINE__)
#define gmp_mutex_trylock(m) gmp_mutex_trylock_at((m), __FILE__, __LINE__)
/* sync.RWMutex, writer-preferring: a pending Lock blocks new RLocks. */
#define gmp_rwmutex_new() gmp_rwmutex_new_at(__FILE__, __LINE__)
#define gmp_rwmutex_lock(rw) gmp_rwmutex_lock_at((rw), __FILE__, __LINE__)
#define gmp_rwmutex_unlock(rw) gmp_rwmutex_unlock_at((rw), __FILE__, __LINE__)
#define gmp_rwmutex_rlock(rw) gmp_rwmutex_rlock_at((rw), __FILE__, __LINE__)
#define gmp_rwmutex_runlock(rw) gmp_rwmutex_runlock_at((rw), __FILE__, __LINE__)
#define gmp_rwmutex_trylock(rw) gmp_rwmutex_trylock_at((rw), __FILE__, __LINE__)
#define gmp_rwmutex_tryrlock(rw) gmp_rwmutex_tryrlock_at((rw), __FILE__, __LINE__)
/* sync.WaitGroup, with the runtime's misuse panics. */
#define gmp_waitgroup_new() gmp_waitgroup_new_at(__FILE__, __LINE__)
#define gmp_waitgroup_add(wg, delta) gmp_waitgroup_add_at((wg), (delta), __FILE__, __LINE__)
#define gmp_waitgroup_done(wg) gmp_waitgroup_done_at((wg), __FILE__, __LINE__)
#define gmp_waitgroup_wait(wg) gmp_waitgroup_wait_at((wg), __FILE__, __LINE__)
/* sync.NewCond(m) and Wait/Signal/Broadcast (Wait must hold m, as in Go). */
#define gmp_cond_new(m) gmp_cond_new_at((m), __FILE__, __LINE__)
#define gmp_cond_wait(c) gmp_cond_wait_at((c), __FILE__, __LINE__)
#define gmp_cond_signal(c) gmp_cond_signal_at((c), __FILE__, __LINE__)
#define gmp_cond_broadcast(c) gmp_cond_broadcast_at((c), __FILE__, __LINE__)
/* sync.Once: gmp_once_do(o, fn, argp) runs fn(argp) in a frame "main.<fn>" the first
 * time only; concurrent callers wait for it on the Once's mutex. */
#define gmp_once_new() gmp_once_new_at(__FILE__, __LINE__)
#define gmp_once_do(o, fn, argp) gmp_once_do_at((o), (fn), "main." #fn, (argp), __FILE__, __LINE__)

int gmp_select_at(const gmp_select_case *cases, int ncases, bool has_default, bool *recv_ok, const char *file,
                  int line);
gmp_mutex gmp_mutex_new_at(const char *file, int line);
void gmp_mutex_lock_at(gmp_mutex m, const char *file, int line);
void gmp_mutex_unlock_at(gmp_mutex m, const char *file, int line);
bool gmp_mutex_trylock_at(gmp_mutex m, const char *file, int line);
gmp_rwmutex gmp_rwmutex_new_at(const char *file, int line);
void gmp_rwmutex_lock_at(gmp_rwmutex rw, const char *file, int line);
void gmp_rwmutex_unlock_at(gmp_rwmutex rw, const char *file, int line);
void gmp_rwmutex_rlock_at(gmp_rwmutex rw, const char *file, int line);
void gmp_rwmutex_runlock_at(gmp_rwmutex rw, const char *file, int line);
bool gmp_rwmutex_trylock_at(gmp_rwmutex rw, const char *file, int line);
bool gmp_rwmutex_tryrlock_at(gmp_rwmutex rw, const char *file, int line);
gmp_waitgroup gmp_waitgroup_new_at(const char *file, int line);
void gmp_waitgroup_add_at(gmp_waitgroup wg, int64_t delta, const char *file, int line);
void gmp_waitgroup_done_at(gmp_waitgroup wg, const char *file, int line);
void gmp_waitgroup_wait_at(gmp_waitgroup wg, const char *file, int line);
gmp_cond gmp_cond_new_at(gmp_mutex m, const char *file, int line);
void gmp_cond_wait_at(gmp_cond c, const char *file, int line);
void gmp_cond_signal_at(gmp_cond c, const char *file, int line);
void gmp_cond_broadcast_at(gmp_cond c, const char *file, int line);
gmp_once gmp_once_new_at(const char *file, int line);
void gmp_once_do_at(gmp_once o, gmp_func fn, const char *goname, void *arg, const char *file, int line);

/* ---- [SECTION] context and race annotations ---- */

/* The context package. A Context is its simulated address, as a gmp_chan is: no host
 * pointer, so a context can go into goroutine arguments. The zero value is the nil
 * Context: deriving from it panics "cannot create context from nil parent", calling a
 * method on it is a nil pointer dereference. A CancelFunc is a handle too. The contexts
 * are Go's (cancelCtx, timerCtx, valueCtx): cancel closes Done and cancels the children
 * derived from it, WithTimeout arms a time.AfterFunc whose goroutine cancels with
 * DeadlineExceeded, Value walks up the chain. Owned by the run. */
typedef struct gmp_context {
    uint64_t addr;
} gmp_context;
typedef struct gmp_cancel_func {
    uint64_t addr;
} gmp_cancel_func;
#define GMP_NIL_CONTEXT ((gmp_context){0})
/* What Err returns, compared by pointer as errors.Is compares: */
extern const char gmp_context_canceled[];          /* "context canceled" */
extern const char gmp_context_deadline_exceeded[]; /* "context deadline exceeded" */

/* context.Background(): never canceled, no values, no deadline. */
#define gmp_context_background() gmp_context_background_at(__FILE__, __LINE__)
/* ctx, cancel := context.WithCancel(parent); cancelp may be NULL (a leak, as in Go). */
#define gmp_context_with_cancel(parent, cancelp) gmp_context_with_cancel_at((parent), (cancelp), __FILE__, __LINE__)
/* ctx, cancel := context.WithTimeout(parent, ns), that is WithDeadline(parent, now+ns). */
#define gmp_context_with_timeout(parent, ns, cancelp) \
    gmp_context_with_deadline_at((parent), gmp_now_ns() + (ns), (cancelp), __FILE__, __LINE__)
/* ctx, cancel := context.WithDeadline(parent, deadline_ns) (virtual time). */
#define gmp_context_with_deadline(parent, deadline_ns, cancelp) \
    gmp_context_with_deadline_at((parent), (deadline_ns), (cancelp), __FILE__, __LINE__)
/* context.WithValue(parent, key, value): key 0 is the nil key (a panic). */
#define gmp_context_with_value(parent, key, value) \
    gmp_context_with_value_at((parent), (key), (value), __FILE__, __LINE__)
/* cancel(): idempotent. */
#define gmp_context_cancel(cancel) gmp_context_cancel_at((cancel), __FILE__, __LINE__)
/* ctx.Done(): made on the first call, closed on cancel; GMP_NIL_CHAN when ctx can
 * never be canceled (Background and the values derived from it only). */
#define gmp_context_done(ctx) gmp_context_done_at((ctx), __FILE__, __LINE__)
/* ctx.Err(): NULL, gmp_context_canceled or gmp_context_deadline_exceeded. */
#define gmp_context_err(ctx) gmp_context_err_at((ctx), __FILE__, __LINE__)
/* v, ok := ctx.Value(key): the value of the nearest WithValue with key; false when none. */
#define gmp_context_value(ctx, key, valuep) gmp_context_value_at((ctx), (key), (valuep), __FILE__, __LINE__)
/* deadline, ok := ctx.Deadline(): the earliest deadline up the chain (virtual ns). */
#define gmp_context_deadline(ctx, deadlinep) gmp_context_deadline_at((ctx), (deadlinep), __FILE__, __LINE__)

gmp_context gmp_context_background_at(const char *file, int line);
gmp_context gmp_context_with_cancel_at(gmp_context parent, gmp_cancel_func *cancel, const char *file, int line);
gmp_context gmp_context_with_deadline_at(gmp_context parent, int64_t deadline_ns, gmp_cancel_func *cancel,
                                         const char *file, int line);
gmp_context gmp_context_with_value_at(gmp_context parent, int64_t key, int64_t value, const char *file, int line);
void gmp_context_cancel_at(gmp_cancel_func cancel, const char *file, int line);
gmp_chan gmp_context_done_at(gmp_context ctx, const char *file, int line);
const char *gmp_context_err_at(gmp_context ctx, const char *file, int line);
bool gmp_context_value_at(gmp_context ctx, int64_t key, int64_t *value, const char *file, int line);
bool gmp_context_deadline_at(gmp_context ctx, int64_t *deadline_ns, const char *file, int line);

/* Race annotations: the shared variables above (gmp_var) are what the race detector
 * checks, with the channel, sync, timer and context operations as its happens-before
 * edges (docs/race.md). A run with data races ends with outcome race. The number of
 * races reported so far in the running simulation: */
int64_t gmp_race_count(void);

/* ---- [SECTION] queries -------------------------------------------------------- */

int64_t gmp_now_ns(void);      /* virtual time */
int64_t gmp_goid(void);        /* the current goroutine's id */
int32_t gmp_go_minor(void);    /* the --go version's minor number: 22 for 1.22 */
int32_t gmp_procs(void);       /* GOMAXPROCS */

/* ---- [SECTION] the functions behind the macros -------------------------------- */

void gmp_go_at(gmp_func fn, const char *goname, const void *args, size_t size_bytes,
               const char *argname, const char *file, int line);
void gmp_gosched_at(const char *file, int line);
void gmp_work_at(int64_t ns, const char *file, int line);
int64_t gmp_rand_intn_at(int64_t n, const char *file, int line);
void gmp_goexit_at(const char *file, int line) __attribute__((noreturn));
void gmp_printf_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gmp_assert_fail_at(const char *file, int line, const char *cond, const char *msg)
    __attribute__((noreturn));
void gmp_frame_enter_at(const char *goname, const void *args, size_t size_bytes,
                        const char *file, int line);
void gmp_frame_exit_at(const char *file, int line);
uint64_t gmp_local_at(const char *name, const void *addr, size_t size_bytes,
                      const char *file, int line);
gmp_chan gmp_make_chan_at(size_t elem_size_bytes, int64_t cap, const char *file, int line);
void gmp_send_at(gmp_chan ch, const void *elem, const char *elemname, const char *file, int line);
bool gmp_recv_at(gmp_chan ch, void *elem, const char *elemname, const char *file, int line);
void gmp_close_at(gmp_chan ch, const char *file, int line);
void gmp_sleep_at(int64_t ns, const char *file, int line);
void gmp_syscall_at(int64_t ns, const char *file, int line);
void gmp_syscall_block_at(int64_t ns, const char *file, int line);
void gmp_io_wait_at(int64_t ns, const char *file, int line);
void gmp_lock_os_thread_at(const char *file, int line);
void gmp_unlock_os_thread_at(const char *file, int line);
gmp_chan gmp_after_at(int64_t ns, const char *file, int line);
gmp_timer gmp_new_timer_at(int64_t ns, gmp_chan *c, const char *file, int line);
gmp_timer gmp_new_ticker_at(int64_t period_ns, gmp_chan *c, const char *file, int line);
gmp_timer gmp_after_func_at(int64_t ns, gmp_func fn, const char *goname, int64_t arg, const char *file, int line);
bool gmp_timer_stop_at(gmp_timer t, const char *file, int line);
bool gmp_timer_reset_at(gmp_timer t, int64_t ns, const char *file, int line);
gmp_var gmp_new_var_at(const char *name, int64_t init, const char *file, int line);
int64_t gmp_load_at(gmp_var v, const char *file, int line);
void gmp_store_at(gmp_var v, int64_t val, const char *file, int line);
int64_t gmp_atomic_load_at(gmp_var v, const char *file, int line);
void gmp_atomic_store_at(gmp_var v, int64_t val, const char *file, int line);
int64_t gmp_atomic_add_at(gmp_var v, int64_t delta, const char *file, int line);
int64_t gmp_atomic_swap_at(gmp_var v, int64_t val, const char *file, int line);
bool gmp_atomic_cas_at(gmp_var v, int64_t old, int64_t new_val, const char *file, int line);

/* ---- [SECTION] replay and exploration ---------------------------------------- */
/* Replay a schedule file, explore many schedules, shrink a failing one, export and
 * dump (docs/replay.md). Built on gmp_run and gmp_strategy below; one run at a time
 * per process, as gmp_run (explore forks worker processes for jobs > 1). */

/* A failure's signature: the outcome (a gmp_outcome) plus where it happened, from the
 * failure report (gmp_result.report, or a footer's "report"): "assert at main.check (race.c:31)",
 * "deadlock at {[chan receive] main.main (x.c:9); [chan send] main.worker (x.c:20)}",
 * "limit: event limit reached (--max-events)", "ok". Never contains goroutine ids,
 * times or seeds, so equal bugs have equal signatures across schedules. */
void gmp_signature(int outcome, const char *message, const char *report, char *buf, size_t size);

typedef enum gmp_replay_status {
    GMP_REPLAY_IDENTICAL = 0,  /* strict: every line equal; lenient: the recorded signature reached */
    GMP_REPLAY_DIVERGED = 1,   /* strict: a line differs; lenient: the recorded signature not reached */
    GMP_REPLAY_ERROR = 2,      /* unreadable file, other format version, unknown scenario */
} gmp_replay_status;

typedef struct gmp_replay_options {
    int lenient;               /* match decisions by identity, go on past divergences */
    FILE *stdout_sink;         /* the scenario's gmp_printf output (NULL: discarded) */
    FILE *schedule_out;        /* a copy of the replayed schedule (NULL: none) */
} gmp_replay_options;

typedef struct gmp_replay_result {
    gmp_replay_status status;
    char error[1024];          /* GMP_REPLAY_ERROR: "FILE:LINE: field: what is wrong" */
    char scenario[128];
    char digest_recorded[40], digest_replayed[40]; /* "fnv1a64:..." */
    int64_t diverge_line;      /* the first line that differs, 1-based (the header is 1); 0: none */
    int64_t diverge_event;     /* its "i", or -1 (header, footer, end of file) */
    char *recorded_text;       /* that line as recorded, or "<end of file>" (malloc'd) */
    char *replayed_text;       /* that line as replayed, or "<end of run>" (malloc'd) */
    int64_t decisions_recorded;
    int64_t decisions_matched; /* forced from the recording */
    int64_t decisions_seeded;  /* not matched: drawn from the recorded seed */
    int64_t first_unmatched;   /* index of the first decision not matched, or -1 */
    int32_t outcome_recorded, outcome_replayed; /* gmp_outcome */
    char signature_recorded[512], signature_replayed[512];
    int outcome_reached;       /* the replay ended with the recorded signature */
} gmp_replay_result;

/* Replays path: the recorded scenario, options and decisions; compares the new run
 * with the file (digest first, then line by line). Returns rr->status. */
int gmp_replay_file(const char *path, const gmp_replay_options *ro, gmp_replay_result *rr);
void gmp_replay_result_free(gmp_replay_result *rr);

typedef struct gmp_explore_options {
    const gmp_scenario *scn;
    const char *strategy;      /* "random" (NULL too), "pct:D" (D >= 1), "dfs:B" (B >= 0) */
    uint64_t seed_first;       /* random, pct: seeds seed_first .. seed_first + runs - 1 */
    int64_t runs;              /* dfs: at most this many schedules (0: until exhausted) */
    int32_t procs, go_minor;   /* as gmp_options (0: the defaults) */
    int64_t max_events, max_time_ns;
    uint32_t stack_size_bytes;
    int32_t race;              /* run the race detector (--race) */
    int32_t leaks_ignore;      /* --leaks=ignore */
    int64_t leak_grace_ns;     /* --leak-grace (0: the default, 1 s) */
    int32_t os_preempt;        /* --os-preempt */
    int32_t jobs;              /* worker processes (fork); <= 1: this process */
    int32_t shard_index, shard_count; /* K of N (1-based): the seeds at positions = K-1 mod N */
    int64_t max_failures;      /* stop after this many failures in seed order (0: no limit) */
    const char *out_dir;       /* each failing schedule is written here (NULL: no files) */
    int progress;              /* a progress line on stderr, refreshed in place */
    int keep_runs;             /* fill runlist with every run */
} gmp_explore_options;

typedef struct gmp_explore_group { /* the failures with one signature */
    char signature[512];
    int32_t outcome;           /* gmp_outcome */
    char message[1024];        /* of the first failure */
    char *report;              /* of the first failure (malloc'd) */
    int64_t count;
    uint64_t first_seed;       /* dfs: the schedule's index */
    char *file;                /* the first failure's schedule file, or NULL */
    uint64_t seeds_shown[8];   /* the first few seeds */
} gmp_explore_group;

typedef struct gmp_explore_run {
    uint64_t seed;             /* dfs: the schedule's index */
    int32_t outcome;           /* gmp_outcome */
    int32_t group;             /* index into groups, or -1 when ok */
} gmp_explore_run;

typedef struct gmp_explore_result {
    int64_t runs, failures;
    int exhausted;             /* dfs: every schedule within the bound was run */
    int stopped;               /* max_failures reached */
    double seconds;            /* host time (for rates only) */
    gmp_explore_group *groups; /* in order of first seed */
    int32_t group_count;
    gmp_explore_run *runlist;  /* by seed, when keep_runs */
    int64_t run_count;
} gmp_explore_result;

/* Runs the schedules; returns 0 (whatever failed: see er) or -1 with err set. */
int gmp_explore(const gmp_explore_options *eo, gmp_explore_result *er, char *err, size_t err_size);
void gmp_explore_result_free(gmp_explore_result *er);
/* JUnit XML: one test case per signature (one passing case when nothing failed). */
void gmp_explore_write_junit(const gmp_explore_options *eo, const gmp_explore_result *er, FILE *out);

/* A results file: one JSON line for the exploration (scenario, strategy, seeds, shard
 * K/N, runs, failures), then one line per failing schedule in seed order (seed,
 * outcome, signature, message, file). Needs keep_runs when anything failed. 0 or -1. */
int gmp_explore_write_results(const gmp_explore_options *eo, const gmp_explore_result *er, FILE *out);
/* Merges the results files of the shards of one exploration (every shard 1..N once,
 * the same scenario, strategy, seeds and options) by seed into er (groups, runs,
 * failures; no runlist); scenario gets its name. 0, or -1 with err. */
int gmp_explore_merge(const char *const *paths, int count, gmp_explore_result *er, char *scenario,
                      size_t scenario_size, char *err, size_t err_size);

typedef struct gmp_shrink_options {
    int64_t max_runs;          /* runs to spend (0: 5000) */
    FILE *log;                 /* one line per accepted step (NULL: quiet) */
} gmp_shrink_options;

typedef struct gmp_shrink_result {
    char error[1024];
    char signature[512];
    int64_t runs;
    int64_t deviations_before, deviations_after; /* decisions with a choice other than 0 */
    int64_t decisions_before, decisions_after;
    int64_t events_before, events_after;
} gmp_shrink_result;

/* Minimises the failing schedule in_path into out_path: the fewest deviations from
 * choice 0, then the fewest events, with the same signature. 0, or -1 with error. */
int gmp_shrink_file(const char *in_path, const char *out_path, const gmp_shrink_options *so,
                    gmp_shrink_result *sr);

/* The Chrome Trace Event Format (Perfetto, chrome://tracing). 0, or -1 with err. */
int gmp_export_chrome(const char *in_path, FILE *out, char *err, size_t err_size);
/* The goroutine dump (the runtime's format) and every P's queues at virtual time t_ns,
 * rebuilt from the events. 0, or -1 with err. */
int gmp_dump_at(const char *in_path, int64_t t_ns, FILE *out, char *err, size_t err_size);

/* ---- [SECTION] running (embedders) -------------------------------------------- */

typedef enum gmp_outcome {
    GMP_OUTCOME_OK = 0,
    GMP_OUTCOME_DEADLOCK,
    GMP_OUTCOME_LEAK,
    GMP_OUTCOME_PANIC,
    GMP_OUTCOME_ASSERT,
    GMP_OUTCOME_FAULT,
    GMP_OUTCOME_LIMIT,
    GMP_OUTCOME_RACE,          /* the race detector reported data races (a -race binary exits 66) */
} gmp_outcome;

const char *gmp_outcome_name(gmp_outcome o); /* "ok", "deadlock", ... */

/* A decision the scheduler asks for: wherever the real runtime's behaviour depends on
 * chance or timing. Option 0 is the default; the options are ordered by what the
 * decision kind documents (docs/schedule-format.md, "Decision"). */
typedef struct gmp_decision {
    int64_t index;             /* 0, 1, 2, ... within the run */
    int64_t t_ns;              /* virtual time */
    const char *kind;          /* "tie", "steal_order", ... */
    uint32_t n;                /* number of options, >= 2 */
    /* Identity (docs/replay.md): filled when a schedule file is written or when the
     * strategy sets wants_ids, else NULL and 0. */
    const char *key;           /* what it is about: "P1" (steal's thief), "tie:{...}", ... */
    uint32_t id_count;         /* n when the options have identities (tie), else 0 */
    const char *const *ids;    /* the options' identities ("main.worker@x.c:20#3", "sched@P1") */
    /* Filled for every tie when a strategy is set: */
    const int64_t *goids;      /* tie: each candidate M's goroutine id, or -(1 + M id) when it runs none */
} gmp_decision;

/* A search strategy: chooses among a decision's options. NULL in gmp_options means the
 * seeded random strategy (cheaprandn over the run's PRNG). choose must return a value
 * in [0, d->n); one outside it ends the run with an internal error. */
typedef struct gmp_strategy {
    const char *name;          /* recorded in the header: "random", "replay", "pct:3", ... */
    uint32_t (*choose)(void *ctx, const gmp_decision *d);
    void *ctx;
    int wants_ids;             /* 1: fill gmp_decision's key and ids even without a schedule file */
} gmp_strategy;

typedef struct gmp_options {
    uint64_t seed;
    int32_t procs;             /* GOMAXPROCS, 1..256 */
    int32_t go_minor;          /* Go 1.<go_minor> semantics, 5..26 */
    int64_t max_events;        /* 0: the default limit */
    int64_t max_time_ns;       /* virtual; 0: the default limit */
    int64_t schedtrace_ms;     /* >0: print SCHED lines every so many virtual ms */
    FILE *schedtrace_out;      /* where SCHED lines go (NULL: stderr) */
    FILE *stdout_sink;         /* where gmp_printf output goes (NULL: stdout) */
    uint32_t stack_size_bytes; /* host stack per goroutine; 0: the default */
    int32_t yield_timeout_s;   /* host seconds a goroutine may run without an API call; 0: 10 */
    int32_t leaks_ignore;      /* 0 (--leaks=report): after main returns, run the others until
                                  nothing moves (at most leak_grace_ns), then report every
                                  goroutine still blocked (outcome leak). 1: main returning
                                  ends the run, as in Go. */
    int64_t leak_grace_ns;     /* --leak-grace: virtual time the others may run after main
                                  returns before what still waits is a leak; 0: 1 s */
    int32_t os_preempt;        /* --os-preempt: the OS may deschedule a running thread. Each M,
                                  when it starts (M0 at start-up, others in startm), draws an
                                  ospreempt Decision: none, or the k-th gmp_* call it makes
                                  (k <= 64), before which it stops for 10 virtual us. Off by
                                  default: the runtime's own choices only. */
    int32_t scheddetail;       /* with schedtrace_ms: add the runtime's per-P/M/G lines */
    int32_t race;              /* run the data race detector (go run -race); off by default,
                                  as in Go: it costs time and memory per operation */
    const gmp_strategy *strategy; /* NULL: seeded random */
} gmp_options;

void gmp_options_default(gmp_options *opt);
/* Checks ranges; on error writes a one-line message and returns -1. */
int gmp_options_check(const gmp_options *opt, char *err, size_t err_size);

typedef struct gmp_result {
    gmp_outcome outcome;
    char message[1024];        /* the runtime-style message, first line */
    int64_t events;            /* events recorded (header and footer excluded) */
    int64_t goroutines;        /* goroutines created, main included */
    int64_t decisions;         /* decisions drawn */
    int64_t switches;          /* coroutine switches into goroutines */
    int64_t end_time_ns;       /* virtual time at the end */
    uint64_t digest;           /* FNV-1a 64 of the schedule file before the footer */
    char *report;              /* failure report: message, blank line, goroutine dump
                                  (malloc'd, NULL when ok); free with gmp_result_free */
} gmp_result;

void gmp_result_free(gmp_result *res);

/* Runs scn. schedule (may be NULL) receives the schedule file (JSON Lines).
 * Returns 0 when the simulation ran (whatever its outcome, see res->outcome), or -1
 * on an internal or setup error with res->message set. Not reentrant: one run at a
 * time per process. */
int gmp_run(const gmp_scenario *scn, const gmp_options *opt, FILE *schedule, gmp_result *res);

size_t gmp_scenario_count(void);
const gmp_scenario *gmp_scenario_at(size_t index);    /* sorted by name */
const gmp_scenario *gmp_scenario_find(const char *name);
/* dlopen()s a shared object whose GMP_SCENARIO constructors register scenarios.
 * On error writes a one-line message and returns -1. *first gets the first new one. */
int gmp_load_plugin(const char *path, const gmp_scenario **first, char *err, size_t err_size);

const char *gmp_version(void);
const char *gmp_coro_backend(void);

#ifdef __cplusplus
}
#endif
#endif
