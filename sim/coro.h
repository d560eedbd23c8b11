/* sim/coro.h: coroutines (stack switching) and goroutine stacks.
 *
 * The simulator runs every goroutine (G) as a real coroutine: a C function on its
 * own stack. The scheduler loop runs on the host thread's stack, the runtime's g0.
 * Switching is done by hand-written assembly (coro_x86_64.S, coro_aarch64.S), or
 * by ucontext where no assembly exists or when forced with -DSIM_CORO_UCONTEXT=ON.
 *
 * Ownership: the caller owns every sim_coro and sim_stack struct; stacks come from
 * a sim_stack_pool and go back to it (the runtime's gfput/gfget keep a dead G's
 * stack with the G; the pool only holds stacks of Gs never reused).
 */
#ifndef SIM_CORO_H
#define SIM_CORO_H

#include <stddef.h>
#include <stdint.h>

typedef void (*sim_coro_fn)(void *arg);

/* One stack: [guard page][usable bytes ...] growing down from hi. */
typedef struct sim_stack {
    unsigned char *lo;        /* lowest usable byte (just above the guard page) */
    unsigned char *hi;        /* one past the highest usable byte */
    size_t size_bytes;        /* hi - lo */
    uint32_t guarded;         /* 1 when a PROT_NONE guard page sits below lo */
} sim_stack;

/* Saved context of a suspended coroutine (or of g0). Opaque contents. */
typedef struct sim_coro {
    void *sp;                 /* asm backend: saved stack pointer */
    void *impl;               /* ucontext backend: ucontext_t* (owned) */
    sim_stack *stack;         /* NULL for g0 (the host stack) */
    void *asan_fake_stack;    /* AddressSanitizer fiber bookkeeping */
    const void *asan_bottom;
    size_t asan_size;
    sim_coro_fn fn;
    void *arg;
} sim_coro;

typedef struct sim_stack_pool sim_stack_pool;

/* Name of the compiled backend: "asm-x86_64", "asm-aarch64" or "ucontext". */
const char *sim_coro_backend(void);

/* Pool of stacks of stack_size_bytes each (rounded up to pages), carved from
 * mmap'd arenas. Guard pages cost two kernel mappings per stack, so at most
 * guard_count_max stacks get one (0 means: derived from vm.max_map_count);
 * stacks past that budget are unguarded and rely on the canary check.
 * Returns 0, or -1 with errno set. */
int sim_stack_pool_create(sim_stack_pool **out, size_t stack_size_bytes, uint32_t guard_count_max);
void sim_stack_pool_destroy(sim_stack_pool *pool);
int sim_stack_get(sim_stack_pool *pool, sim_stack *out);      /* 0 or -1 (ENOMEM) */
void sim_stack_put(sim_stack_pool *pool, const sim_stack *stk);
/* 1 when addr lies in the guard page of a stack of this pool.
 * Async-signal-safe (no allocation, no locks): meant for a SIGSEGV handler,
 * which passes si_addr to tell a stack overflow from other faults. O(arenas). */
int sim_stack_pool_is_guard(const sim_stack_pool *pool, const void *addr);

/* Counters of a pool, for tests, limits and diagnostics. Host-dependent
 * (the guard budget comes from vm.max_map_count): keep out of traces. */
typedef struct sim_stack_pool_stats {
    size_t stack_size_bytes;      /* usable bytes per stack, page-rounded */
    size_t page_size_bytes;       /* host page size (also the guard size) */
    uint32_t arena_count;         /* mmap'd arenas */
    uint32_t stack_count;         /* stacks carved from arenas so far */
    uint32_t stack_live_count;    /* handed out by sim_stack_get, not yet put back */
    uint32_t stack_free_count;    /* on the free list, ready for reuse */
    uint32_t guard_count;         /* stacks that have a guard page */
    uint32_t guard_count_max;     /* guard budget in force (derived when 0 was passed) */
} sim_stack_pool_stats;
void sim_stack_pool_stats_get(const sim_stack_pool *pool, sim_stack_pool_stats *out);

/* Smallest stack sim_coro_init accepts: the initial frame, the ucontext
 * backend's saved context and the canary must fit with room to run. */
#define SIM_CORO_STACK_SIZE_MIN_BYTES 8192u

/* g0: the context of the calling host thread; no stack of its own. */
void sim_coro_init_main(sim_coro *c);
/* Prepare c to run fn(arg) on stk the first time it is switched to.
 * fn must never return: it ends by switching away for the last time with
 * sim_coro_exit_to. Writes a canary at stk->lo. */
void sim_coro_init(sim_coro *c, sim_stack *stk, sim_coro_fn fn, void *arg);
/* Save the current context in from, resume to. Returns when someone switches back to from. */
void sim_coro_switch(sim_coro *from, sim_coro *to);
/* Final switch away from a finished coroutine (tells ASan the fiber is gone). */
void sim_coro_exit_to(sim_coro *from, sim_coro *to);
/* 1 when the canary at the bottom of c's stack is intact. */
int sim_coro_canary_ok(const sim_coro *c);

/* sim_coro_switch and sim_coro_exit_to check the canary of the coroutine they
 * leave. On a smashed canary (an overflow of an unguarded stack, or one that
 * jumped over the guard page) they call this handler, on the overflowed
 * coroutine's stack; it must not return (siglongjmp to g0, bracketed by
 * sim_coro_jump_begin/end below, or abort). NULL restores the default: print
 * the stack's bounds and abort.
 * Process-wide; set it before any switch. */
typedef void (*sim_coro_overflow_fn)(sim_coro *c);
void sim_coro_set_overflow_handler(sim_coro_overflow_fn fn);

/* Non-local exit from a running coroutine that bypasses sim_coro_switch, e.g. a
 * SIGSEGV handler that siglongjmps back to g0. Call sim_coro_jump_begin(from, to)
 * just before the jump (async-signal-safe: no locks, no stdio, no assertions)
 * and sim_coro_jump_end(to) first thing after landing in to. to runs again and
 * from is dead afterwards, exactly as after sim_coro_exit_to(from, to); both
 * keep AddressSanitizer's idea of the current stack right. */
void sim_coro_jump_begin(sim_coro *from, sim_coro *to);
void sim_coro_jump_end(sim_coro *to);

#endif
