/* sim/coro.c: coroutines for goroutines.
 *
 * Two backends, chosen at build time (CMake defines exactly one):
 *   SIM_CORO_ASM=1       hand-written switch in coro_x86_64.S / coro_aarch64.S:
 *                        saves the callee-saved registers and the floating-point
 *                        control state on the suspended stack, a few ns.
 *   SIM_CORO_UCONTEXT=1  getcontext/makecontext/swapcontext: portable, but
 *                        swapcontext also saves the signal mask, a system call
 *                        per switch.
 *
 * Both keep a suspended context's state on its own stack, so nothing is
 * allocated and nothing has to be freed: the asm backend stores only the stack
 * pointer in sim_coro.sp; the ucontext backend keeps the ucontext_t as a local
 * of the sim_coro_switch call that suspended the context (it lives exactly as
 * long as the suspension) and the first one of a new coroutine at the top of
 * its stack. sim_coro.sp / sim_coro.impl are non-NULL exactly while the
 * context is suspended, which the switch asserts: resuming a running or dead
 * coroutine is caught instead of corrupting two stacks.
 *
 * Overflow: a 64-bit canary at stk->lo is checked each time a coroutine
 * switches away. It is the only check for stacks past the pool's guard budget
 * (see stack.c), and catches overflows that jump over a guard page too.
 *
 * AddressSanitizer must be told about every stack change, or it reports
 * stack-use-after-return/-scope on the other stack and loses its fake stacks:
 * __sanitizer_start_switch_fiber before each switch, and
 * __sanitizer_finish_switch_fiber first thing on the resumed side (after the
 * switch returns, or at the top of a new coroutine). The host stack's bounds
 * (g0) are unknown until ASan reports them in the first finish call made
 * after leaving g0.
 */
#include "coro.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* [SECTION] assertions */

/* SIM_ASSERT: always on, aborts with expression, file and line. */
#include "check.h"

/* [SECTION] backend selection */

#if defined(SIM_CORO_UCONTEXT) && SIM_CORO_UCONTEXT
#define SIM_CORO_USE_UCONTEXT 1
#include <ucontext.h>
#elif defined(SIM_CORO_ASM) && SIM_CORO_ASM
#if !defined(__x86_64__) && !defined(__aarch64__)
#error "SIM_CORO_ASM: no switch for this architecture; configure with -DSIM_CORO_UCONTEXT=ON"
#endif
#define SIM_CORO_USE_ASM 1
#else
#error "define SIM_CORO_ASM=1 or SIM_CORO_UCONTEXT=1 (CMakeLists.txt does)"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SIM_CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_CORO_ASAN 1
#endif
#endif
#ifdef SIM_CORO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

_Static_assert(sizeof(void *) == 8, "coro: the saved frames assume 64-bit pointers");
_Static_assert(offsetof(sim_coro, sp) == 0, "coro: the asm switch stores sp at offset 0");

/* [SECTION] shared constants */

/* ("SIMCANRY" ^ lo): a canary that depends on the stack's address, so a stale
 * copy of another stack's bottom does not pass for an intact one. */
#define SIM_CORO_CANARY UINT64_C(0x53494d43414e5259)

/* Bytes left unused at the very top of a stack above the first frame. The ABI
 * needs none (the red zone lies below rsp, and the switch is entered by a
 * call); the slack is for debuggers and unwinders that read a word or two
 * past the outermost frame, and keeps the pool's free-list node out of the
 * way of the first frame. */
#define SIM_CORO_TOP_SLACK_BYTES 128u

static uint64_t sim_coro_canary_value(const sim_stack *stk) {
    SIM_ASSERT(stk != NULL);
    SIM_ASSERT(stk->lo != NULL);
    return SIM_CORO_CANARY ^ (uint64_t)(uintptr_t)stk->lo;
}

/* The per-switch check: inline and assertion-free, it is on the hot path. */
static inline int sim_coro_canary_intact(const sim_stack *stk) {
    /* A guarded stack needs no canary: the guard page faults first. Not touching
     * the page at lo keeps a parked goroutine at one resident stack page. */
    if (stk->guarded) return 1;
    uint64_t v;
    memcpy(&v, stk->lo, sizeof v);
    return v == (SIM_CORO_CANARY ^ (uint64_t)(uintptr_t)stk->lo);
}

/* [SECTION] overflow reporting */

static sim_coro_overflow_fn sim_coro_overflow_handler;

void sim_coro_set_overflow_handler(sim_coro_overflow_fn fn) {
    sim_coro_overflow_handler = fn;
}

/* A smashed canary is a fault in the code running on the stack (usually
 * scenario code), not a simulator bug, so it gets its own report instead of
 * an assertion; the scheduler may turn it into a run outcome. */
static void sim_coro_overflow(sim_coro *c) {
    SIM_ASSERT(c != NULL);
    SIM_ASSERT(c->stack != NULL);
    sim_coro_overflow_fn fn = sim_coro_overflow_handler;
    if (fn != NULL) {
        fn(c);
    }
    fprintf(stderr,
            "gmpsim: coroutine stack overflow: the canary at %p was overwritten "
            "(stack [%p, %p), %zu bytes, %s)\n",
            (void *)c->stack->lo, (void *)c->stack->lo, (void *)c->stack->hi,
            c->stack->size_bytes, c->stack->guarded ? "guarded" : "no guard page");
    abort();
}

/* [SECTION] AddressSanitizer fiber hooks */

#ifdef SIM_CORO_ASAN
/* The context that is switching away; read on the resumed side to record
 * g0's stack bounds, which only ASan knows. One per host thread. */
static _Thread_local sim_coro *sim_coro_asan_from;

/* dying: the fiber never runs again, so ASan may free its fake stack. */
static void sim_coro_asan_start(sim_coro *from, const sim_coro *to, int dying) {
    SIM_ASSERT(to->asan_bottom != NULL);   /* g0 bounds learnt on first leave */
    SIM_ASSERT(to->asan_size > 0);
    /* A dying context is never g0, and its struct may be reused at once. */
    sim_coro_asan_from = dying ? NULL : from;
    __sanitizer_start_switch_fiber(dying ? NULL : &from->asan_fake_stack,
                                   to->asan_bottom, to->asan_size);
}

static void sim_coro_asan_finish(sim_coro *self) {
    const void *bottom_old = NULL;
    size_t size_old = 0;
    __sanitizer_finish_switch_fiber(self->asan_fake_stack, &bottom_old, &size_old);
    sim_coro *from = sim_coro_asan_from;
    sim_coro_asan_from = NULL;
    SIM_ASSERT(self != NULL);
    SIM_ASSERT(from != self);
    if (from != NULL && from->stack == NULL && from->asan_bottom == NULL) {
        from->asan_bottom = bottom_old;    /* g0: learn the host stack */
        from->asan_size = size_old;
    }
}
#else
static void sim_coro_asan_start(sim_coro *from, const sim_coro *to, int dying) {
    (void)from;
    (void)to;
    (void)dying;
}
static void sim_coro_asan_finish(sim_coro *self) {
    (void)self;
}
#endif

/* [SECTION] entry: first code of every coroutine, on its own stack */

/* Called by the backend trampoline; non-static so the asm can reach it. */
void sim__coro_entry(sim_coro *c);

void sim__coro_entry(sim_coro *c) {
    SIM_ASSERT(c != NULL);
    sim_coro_asan_finish(c);
    SIM_ASSERT(c->fn != NULL);
    SIM_ASSERT(c->stack != NULL);
    /* Running now: nobody may switch to c until it suspends. */
    c->sp = NULL;
    c->impl = NULL;
    c->fn(c->arg);
    /* fn must end with sim_coro_exit_to: there is no frame to return to. */
    fprintf(stderr, "sim_coro: coroutine fn %p returned instead of calling sim_coro_exit_to\n",
            (void *)(uintptr_t)c->fn);
    abort();
}

/* [SECTION] asm backend */

#ifdef SIM_CORO_USE_ASM

void sim__coro_switch_asm(void **from_sp, void **to_sp);
void sim__coro_trampoline_asm(void);

const char *sim_coro_backend(void) {
#if defined(__x86_64__)
    return "asm-x86_64";
#else
    return "asm-aarch64";
#endif
}

#if defined(__x86_64__)
/* Layout of coro_x86_64.S's saved frame, in 8-byte words from the saved sp. */
enum {
    SIM_CORO_FRAME_FPCTL = 0,     /* MXCSR (low 32 bits), x87 CW (bits 32-47) */
    SIM_CORO_FRAME_R12 = 4,       /* C entry */
    SIM_CORO_FRAME_RBX = 5,       /* sim_coro * */
    SIM_CORO_FRAME_RBP = 6,
    SIM_CORO_FRAME_RET = 7,       /* trampoline */
    SIM_CORO_FRAME_WORDS = 8,
};
/* The ABI's initial values (SysV AMD64 3.2.1): all FP exceptions masked,
 * round to nearest; x87 at 64-bit (extended) precision. A new goroutine starts
 * from these, not from whatever its creator had set. */
#define SIM_CORO_MXCSR_INIT UINT64_C(0x1f80)
#define SIM_CORO_X87CW_INIT UINT64_C(0x037f)
#else
/* Layout of coro_aarch64.S's saved frame, in 8-byte words from the saved sp. */
enum {
    SIM_CORO_FRAME_X19 = 0,       /* sim_coro * */
    SIM_CORO_FRAME_X20 = 1,       /* C entry */
    SIM_CORO_FRAME_X29 = 10,
    SIM_CORO_FRAME_X30 = 11,      /* trampoline */
    SIM_CORO_FRAME_FPCR = 20,     /* 0: round to nearest, no traps, no FZ */
    SIM_CORO_FRAME_WORDS = 22,
};
#endif

static void sim_coro_backend_init(sim_coro *c, sim_stack *stk) {
    uintptr_t top = ((uintptr_t)stk->hi - SIM_CORO_TOP_SLACK_BYTES) & ~(uintptr_t)15;
    uint64_t *frame = (uint64_t *)top - SIM_CORO_FRAME_WORDS;
    SIM_ASSERT(((uintptr_t)frame & 15) == 0);
    SIM_ASSERT((unsigned char *)frame > stk->lo + sizeof(uint64_t));
    memset(frame, 0, SIM_CORO_FRAME_WORDS * sizeof(uint64_t));
#if defined(__x86_64__)
    frame[SIM_CORO_FRAME_FPCTL] = SIM_CORO_MXCSR_INIT | (SIM_CORO_X87CW_INIT << 32);
    frame[SIM_CORO_FRAME_R12] = (uint64_t)(uintptr_t)sim__coro_entry;
    frame[SIM_CORO_FRAME_RBX] = (uint64_t)(uintptr_t)c;
    frame[SIM_CORO_FRAME_RBP] = 0;
    frame[SIM_CORO_FRAME_RET] = (uint64_t)(uintptr_t)sim__coro_trampoline_asm;
#else
    frame[SIM_CORO_FRAME_X19] = (uint64_t)(uintptr_t)c;
    frame[SIM_CORO_FRAME_X20] = (uint64_t)(uintptr_t)sim__coro_entry;
    frame[SIM_CORO_FRAME_X29] = 0;
    frame[SIM_CORO_FRAME_X30] = (uint64_t)(uintptr_t)sim__coro_trampoline_asm;
    frame[SIM_CORO_FRAME_FPCR] = 0;
#endif
    c->sp = frame;
    c->impl = NULL;
}

/* The suspended test: sp is set exactly while the context is suspended. */
static int sim_coro_suspended(const sim_coro *c) {
    return c->sp != NULL;
}

/* The asm clears to->sp once it has loaded it (to is running from then on)
 * and, when this is the last call in sim_coro_switch, returns straight into
 * the resumed context's caller of sim_coro_switch. */
static inline void sim_coro_backend_switch(sim_coro *from, sim_coro *to) {
    SIM_ASSERT(to->sp != NULL);
    SIM_ASSERT(((uintptr_t)to->sp & 15) == 0);
    sim__coro_switch_asm(&from->sp, &to->sp);
}

/* After a switch back to self, or a jump (sim_coro_jump_end): running. */
static void sim_coro_backend_resumed(sim_coro *self) {
    self->sp = NULL;
}

/* Where an exiting coroutine's last sp goes: never read. Not a local: under
 * ASan's detect_stack_use_after_return an address-taken local lives on the
 * fiber's fake stack, which __sanitizer_start_switch_fiber(NULL, ...) has
 * already freed by the time the switch stores into it. */
static _Thread_local void *sim_coro_dead_sp;

/* Leave for good: the saved sp goes to a dead slot, so from stays "running"
 * (sp == NULL) and any later switch to it fails the assertion. */
static void sim_coro_backend_exit(sim_coro *from, sim_coro *to) {
    SIM_ASSERT(from->sp == NULL);
    SIM_ASSERT(to->sp != NULL);
    sim__coro_switch_asm(&sim_coro_dead_sp, &to->sp);
}

#endif /* SIM_CORO_USE_ASM */

/* [SECTION] ucontext backend */

#ifdef SIM_CORO_USE_UCONTEXT

const char *sim_coro_backend(void) {
    return "ucontext";
}

/* makecontext passes only int arguments, so the pointer travels as two
 * unsigned halves (minicoro does the same). */
static void sim_coro_uc_entry(unsigned int hi, unsigned int lo) {
    uintptr_t p = ((uintptr_t)hi << 32) | (uintptr_t)lo;
    sim__coro_entry((sim_coro *)p);
}

static void sim_coro_backend_init(sim_coro *c, sim_stack *stk) {
    uintptr_t top = ((uintptr_t)stk->hi - SIM_CORO_TOP_SLACK_BYTES) & ~(uintptr_t)15;
    ucontext_t *uc = (ucontext_t *)((top - sizeof(ucontext_t)) & ~(uintptr_t)63);
    SIM_ASSERT((unsigned char *)uc > stk->lo + sizeof(uint64_t));
    int rc = getcontext(uc);
    SIM_ASSERT(rc == 0);
    uc->uc_link = NULL;               /* we never return from sim_coro_uc_entry */
    uc->uc_stack.ss_sp = stk->lo;
    uc->uc_stack.ss_size = (size_t)((unsigned char *)uc - stk->lo);
    uc->uc_stack.ss_flags = 0;
    uintptr_t p = (uintptr_t)c;
    makecontext(uc, (void (*)(void))sim_coro_uc_entry, 2, (unsigned int)(p >> 32),
                (unsigned int)(p & 0xffffffffu));
    c->impl = uc;
    c->sp = NULL;
}

static int sim_coro_suspended(const sim_coro *c) {
    return c->impl != NULL;
}

static void sim_coro_backend_switch(sim_coro *from, sim_coro *to) {
    ucontext_t *to_uc = to->impl;
    SIM_ASSERT(to_uc != NULL);
    ucontext_t self_uc;
    /* swapcontext fills only registers and the signal mask; uc_stack is read
     * by ASan's swapcontext interceptor when someone resumes us, and an empty
     * one tells it not to clear shadow of a stack that has live frames. */
    memset(&self_uc.uc_stack, 0, sizeof self_uc.uc_stack);
    from->impl = &self_uc;
    int rc = swapcontext(&self_uc, to_uc);
    SIM_ASSERT(rc == 0);
}

static void sim_coro_backend_resumed(sim_coro *self) {
    SIM_ASSERT(self->impl != NULL);
    self->impl = NULL;
}

static void sim_coro_backend_exit(sim_coro *from, sim_coro *to) {
    SIM_ASSERT(from->impl == NULL);
    SIM_ASSERT(to->impl != NULL);
    /* setcontext, not swapcontext: nothing of from is kept, and from->impl
     * stays NULL so a later switch to it fails the assertion. */
    setcontext(to->impl);
    abort();                          /* setcontext returns only on error */
}

#endif /* SIM_CORO_USE_UCONTEXT */

/* [SECTION] API */

void sim_coro_init_main(sim_coro *c) {
    SIM_ASSERT(c != NULL);
    memset(c, 0, sizeof *c);
    /* Running (sp/impl NULL), no stack of ours, and ASan bounds unknown until
     * the first switch away from it reports them. */
    SIM_ASSERT(c->stack == NULL);
    SIM_ASSERT(!sim_coro_suspended(c));
}

void sim_coro_init(sim_coro *c, sim_stack *stk, sim_coro_fn fn, void *arg) {
    SIM_ASSERT(c != NULL);
    SIM_ASSERT(stk != NULL);
    SIM_ASSERT(fn != NULL);
    SIM_ASSERT(stk->lo != NULL);
    SIM_ASSERT(stk->hi == stk->lo + stk->size_bytes);
    SIM_ASSERT(stk->size_bytes >= SIM_CORO_STACK_SIZE_MIN_BYTES);
    SIM_ASSERT(((uintptr_t)stk->lo & 15) == 0);
#ifdef SIM_CORO_ASAN
    /* A reused stack may carry poisoned shadow of frames that never returned
     * (coroutines end by switching away, not by returning). */
    ASAN_UNPOISON_MEMORY_REGION(stk->lo, stk->size_bytes);
#endif
    memset(c, 0, sizeof *c);
    c->stack = stk;
    c->fn = fn;
    c->arg = arg;
    c->asan_bottom = stk->lo;
    c->asan_size = stk->size_bytes;
    if (!stk->guarded) {
        uint64_t canary = sim_coro_canary_value(stk);
        memcpy(stk->lo, &canary, sizeof canary);
    }
    sim_coro_backend_init(c, stk);
    SIM_ASSERT(sim_coro_suspended(c));
    SIM_ASSERT(sim_coro_canary_ok(c));
}

void sim_coro_switch(sim_coro *from, sim_coro *to) {
    SIM_ASSERT(from != NULL);
    SIM_ASSERT(to != NULL);
    SIM_ASSERT(from != to);
    SIM_ASSERT(!sim_coro_suspended(from));   /* from is the running context */
    SIM_ASSERT(sim_coro_suspended(to));      /* to is neither running nor dead */
    /* Per-switch overflow check of the stack we are leaving. */
    if (from->stack != NULL && !sim_coro_canary_intact(from->stack)) {
        sim_coro_overflow(from);
    }
    sim_coro_asan_start(from, to, 0);
#if defined(SIM_CORO_USE_ASM) && !defined(SIM_CORO_ASAN)
    /* Last statement, so the compiler emits a tail call: the asm then returns
     * directly to our caller, and the asm has already marked from running
     * again when it comes back. Saves a frame and a mispredicted return. */
    sim_coro_backend_switch(from, to);
#else
    sim_coro_backend_switch(from, to);
    /* Resumed: someone switched back to from. */
    sim_coro_asan_finish(from);
    sim_coro_backend_resumed(from);
    SIM_ASSERT(!sim_coro_suspended(from));
#endif
}

void sim_coro_exit_to(sim_coro *from, sim_coro *to) {
    SIM_ASSERT(from != NULL);
    SIM_ASSERT(to != NULL);
    SIM_ASSERT(from != to);
    SIM_ASSERT(from->stack != NULL);         /* g0 has nothing to exit to */
    SIM_ASSERT(!sim_coro_suspended(from));
    SIM_ASSERT(sim_coro_suspended(to));
    if (!sim_coro_canary_intact(from->stack)) {
        sim_coro_overflow(from);
    }
    sim_coro_asan_start(from, to, 1);
    sim_coro_backend_exit(from, to);
    /* The exited context is never resumed: nothing switches to a context
     * whose sp/impl is NULL (asserted above). */
    abort();
}

int sim_coro_canary_ok(const sim_coro *c) {
    SIM_ASSERT(c != NULL);
    SIM_ASSERT(c->stack != NULL);            /* g0 has no canary */
    int ok = sim_coro_canary_intact(c->stack);
    if (c->stack->guarded) return ok;
    uint64_t v;
    memcpy(&v, c->stack->lo, sizeof v);
    SIM_ASSERT(ok == (v == sim_coro_canary_value(c->stack)));
    return ok;
}

/* Signal-handler side of a non-local exit: no assertions, no stdio. Under
 * ASan the jump must be announced like any other switch, with NULL for the
 * fake stack since from never runs again. */
void sim_coro_jump_begin(sim_coro *from, sim_coro *to) {
    (void)from;   /* already "running" (sp/impl NULL): it stays dead */
#ifdef SIM_CORO_ASAN
    __sanitizer_start_switch_fiber(NULL, to->asan_bottom, to->asan_size);
#else
    (void)to;
#endif
}

void sim_coro_jump_end(sim_coro *to) {
    SIM_ASSERT(to != NULL);
    /* to was suspended in sim_coro_switch when the jump left the coroutine. */
    SIM_ASSERT(sim_coro_suspended(to));
#ifdef SIM_CORO_ASAN
    sim_coro_asan_from = NULL;   /* the coroutine jumped from is dead */
#endif
    sim_coro_asan_finish(to);
    sim_coro_backend_resumed(to);
    SIM_ASSERT(!sim_coro_suspended(to));
}
