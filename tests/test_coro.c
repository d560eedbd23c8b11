/* tests/test_coro.c: Check suite for sim/coro.c, sim/stack.c and the switch.
 *
 * Runs in Check's fork mode: every test is its own process, which the
 * overflow and assertion tests need (they die by SIGSEGV / SIGABRT).
 * Assertions inside coroutines are avoided where a count checked back on g0
 * does the job, so a failure never has to unwind across stacks.
 *
 * Standalone build (before the shared runner exists):
 *   gcc -std=c11 -D_GNU_SOURCE -DSIM_CORO_ASM=1 -DTEST_STANDALONE -iquote sim \
 *       tests/test_coro.c sim/coro.c sim/stack.c sim/coro_x86_64.S \
 *       $(pkg-config --cflags --libs check) -o /tmp/test_coro
 * -iquote, not -I: with -I sim, <check.h> (libcheck) would find sim/check.h.
 */
#include "coro.h"

#include <check.h>
#include <fenv.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

Suite *coro_suite(void);

#ifdef TEST_STANDALONE
/* sim/check.h's failure path lives in sim/run.c, which a standalone build of
 * the coroutine module does not link. (Not including check.h here: its name
 * clashes with libcheck's.) */
void sim__assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));
void sim__assert_fail(const char *expr, const char *file, int line) {
    fprintf(stderr, "assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
#endif

enum {
    TEST_STACK_SIZE_BYTES = 64 * 1024,
    TEST_SMALL_STACK_SIZE_BYTES = 16 * 1024,
};

/* [SECTION] fixtures */

static sim_stack_pool *t_pool;
static sim_coro t_g0;

static void t_setup(void) {
    ck_assert_int_eq(sim_stack_pool_create(&t_pool, TEST_STACK_SIZE_BYTES, 0), 0);
    sim_coro_init_main(&t_g0);
}

static void t_teardown(void) {
    sim_stack_pool_destroy(t_pool);
    t_pool = NULL;
}

/* A coroutine plus its stack, both owned by the test. */
typedef struct t_co {
    sim_coro coro;
    sim_stack stack;
} t_co;

static void t_co_start(t_co *co, sim_coro_fn fn, void *arg) {
    ck_assert_int_eq(sim_stack_get(t_pool, &co->stack), 0);
    sim_coro_init(&co->coro, &co->stack, fn, arg);
}

static void t_co_release(t_co *co) {
    sim_stack_put(t_pool, &co->stack);
}

/* Stacks past the pool's guard budget carry a canary instead: the canary tests
 * run on such a stack (the same memory, marked unguarded). */
static void t_co_start_unguarded(t_co *co, sim_coro_fn fn, void *arg) {
    ck_assert_int_eq(sim_stack_get(t_pool, &co->stack), 0);
    co->stack.guarded = 0;
    sim_coro_init(&co->coro, &co->stack, fn, arg);
}

static void t_co_release_unguarded(t_co *co) {
    co->stack.guarded = 1; /* the pool checks it gets back what it gave */
    t_co_release(co);
}

/* [SECTION] backend and basic switching */

START_TEST(test_backend_name) {
    const char *name = sim_coro_backend();
    ck_assert_ptr_nonnull(name);
#if defined(SIM_CORO_UCONTEXT) && SIM_CORO_UCONTEXT
    ck_assert_str_eq(name, "ucontext");
#elif defined(__x86_64__)
    ck_assert_str_eq(name, "asm-x86_64");
#elif defined(__aarch64__)
    ck_assert_str_eq(name, "asm-aarch64");
#endif
}
END_TEST

typedef struct pingpong {
    t_co co;
    long rounds;
    long seen;            /* incremented by the coroutine each round */
    double acc;           /* computed by the coroutine across switches */
    long ints_bad;        /* coroutine's live integers that changed */
    char text[64];
} pingpong;

static pingpong t_pp;

/* Many values live across each switch: at -O2 they sit in callee-saved
 * registers, so a switch that loses one changes the result. */
static void pingpong_fn(void *arg) {
    pingpong *pp = arg;
    long a = 1, b = 2, c = 3, d = 5, e = 7, f = 11;
    double x = 0.0, y = 1.0, z = 0.5;
    for (long i = 0; i < pp->rounds; i++) {
        x += 1.0 / (double)(i + 1);
        y *= 1.0000001;
        z = z * 0.5 + 0.25;
        a += 1; b += 2; c += 3; d += 5; e += 7; f += 11;
        pp->seen++;
        sim_coro_switch(&pp->co.coro, &t_g0);
        if (a != i + 2 || b != 2 * (i + 2) || c != 3 * (i + 2) || d != 5 * (i + 2) ||
            e != 7 * (i + 2) || f != 11 * (i + 2)) {
            pp->ints_bad++;
        }
    }
    pp->acc = x + y + z;
    /* A misaligned stack crashes here: glibc's printf moves doubles with
     * aligned SSE stores. */
    snprintf(pp->text, sizeof pp->text, "%.6f|%g|%.3e", x, y, z);
    sim_coro_exit_to(&pp->co.coro, &t_g0);
}

START_TEST(test_pingpong_preserves_values) {
    memset(&t_pp, 0, sizeof t_pp);
    t_pp.rounds = 100000;
    t_co_start(&t_pp.co, pingpong_fn, &t_pp);
    double g0_x = 0.0, g0_y = 1.0, g0_z = 0.5;
    for (long i = 0; i <= t_pp.rounds; i++) {
        sim_coro_switch(&t_g0, &t_pp.co.coro);
        if (i < t_pp.rounds) {
            ck_assert_int_eq(t_pp.seen, i + 1);
            g0_x += 1.0 / (double)(i + 1);
            g0_y *= 1.0000001;
            g0_z = g0_z * 0.5 + 0.25;
        }
    }
    ck_assert_int_eq(t_pp.ints_bad, 0);
    ck_assert(t_pp.acc == g0_x + g0_y + g0_z);
    char expect[64];
    snprintf(expect, sizeof expect, "%.6f|%g|%.3e", g0_x, g0_y, g0_z);
    ck_assert_str_eq(t_pp.text, expect);
    ck_assert(sim_coro_canary_ok(&t_pp.co.coro));
    t_co_release(&t_pp.co);
}
END_TEST

/* [SECTION] callee-saved registers, checked directly (x86-64) */

#if defined(__x86_64__)
/* int sim_test_coro_regs_call(void (*fn)(void *), void *arg, uint64_t seed)
 * Loads rbx, rbp, r12-r15 with seed+1 .. seed+6, calls fn(arg) (which
 * switches away and, later, back) and returns how many of the six changed.
 * The real callee-saved values are kept on the stack and restored. */
__asm__(
    ".text\n"
    ".globl sim_test_coro_regs_call\n"
    ".type sim_test_coro_regs_call, @function\n"
    "sim_test_coro_regs_call:\n"
    "    pushq %rbp\n"
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    subq $8, %rsp\n"              /* seed slot; keeps rsp 16-aligned */
    "    movq %rdx, (%rsp)\n"
    "    movq %rdi, %rax\n"
    "    movq %rsi, %rdi\n"
    "    leaq 1(%rdx), %rbx\n"
    "    leaq 2(%rdx), %rbp\n"
    "    leaq 3(%rdx), %r12\n"
    "    leaq 4(%rdx), %r13\n"
    "    leaq 5(%rdx), %r14\n"
    "    leaq 6(%rdx), %r15\n"
    "    call *%rax\n"
    "    movq (%rsp), %rdx\n"
    "    xorl %eax, %eax\n"
    "    leaq 1(%rdx), %rcx\n cmpq %rcx, %rbx\n setne %cl\n movzbl %cl, %ecx\n addl %ecx, %eax\n"
    "    leaq 2(%rdx), %rcx\n cmpq %rcx, %rbp\n setne %cl\n movzbl %cl, %ecx\n addl %ecx, %eax\n"
    "    leaq 3(%rdx), %rcx\n cmpq %rcx, %r12\n setne %cl\n movzbl %cl, %ecx\n addl %ecx, %eax\n"
    "    leaq 4(%rdx), %rcx\n cmpq %rcx, %r13\n setne %cl\n movzbl %cl, %ecx\n addl %ecx, %eax\n"
    "    leaq 5(%rdx), %rcx\n cmpq %rcx, %r14\n setne %cl\n movzbl %cl, %ecx\n addl %ecx, %eax\n"
    "    leaq 6(%rdx), %rcx\n cmpq %rcx, %r15\n setne %cl\n movzbl %cl, %ecx\n addl %ecx, %eax\n"
    "    addq $8, %rsp\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    ret\n"
    ".size sim_test_coro_regs_call, .-sim_test_coro_regs_call\n");

int sim_test_coro_regs_call(void (*fn)(void *), void *arg, uint64_t seed);

enum { REGS_ROUNDS = 2000 };

static t_co t_regs_co;
static int t_regs_bad_co;

static void regs_to_g0(void *arg) {
    (void)arg;
    sim_coro_switch(&t_regs_co.coro, &t_g0);
}

static void regs_to_co(void *arg) {
    (void)arg;
    sim_coro_switch(&t_g0, &t_regs_co.coro);
}

static void regs_co_fn(void *arg) {
    (void)arg;
    for (uint64_t i = 0; i < REGS_ROUNDS; i++) {
        t_regs_bad_co += sim_test_coro_regs_call(regs_to_g0, NULL, UINT64_C(0x5555000000000000) + 16 * i);
    }
    sim_coro_exit_to(&t_regs_co.coro, &t_g0);
}

START_TEST(test_callee_saved_registers) {
    t_regs_bad_co = 0;
    t_co_start(&t_regs_co, regs_co_fn, NULL);
    int bad_g0 = 0;
    for (uint64_t i = 0; i < REGS_ROUNDS; i++) {
        bad_g0 += sim_test_coro_regs_call(regs_to_co, NULL, UINT64_C(0xaaaa000000000000) + 16 * i);
    }
    sim_coro_switch(&t_g0, &t_regs_co.coro);   /* lets the coroutine finish */
    ck_assert_int_eq(bad_g0, 0);
    ck_assert_int_eq(t_regs_bad_co, 0);
    t_co_release(&t_regs_co);
}
END_TEST
#endif /* __x86_64__ */

/* [SECTION] floating-point control state stays with its context */

typedef struct fpenv_test {
    t_co co;
    int round_at_start;      /* rounding mode the coroutine found at entry */
    int round_after_switch;  /* its own mode after g0 changed g0's */
    unsigned mxcsr_rc_after;  /* x86: MXCSR rounding bits after the switch */
    unsigned x87_rc_after;    /* x86: x87 CW rounding bits after the switch */
    double two_thirds_down;
    char text[32];
} fpenv_test;

static fpenv_test t_fe;

#if defined(__x86_64__)
static unsigned x87_cw(void) {
    unsigned short cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}
#endif

static void fpenv_fn(void *arg) {
    fpenv_test *fe = arg;
    fe->round_at_start = fegetround();
    fesetround(FE_DOWNWARD);
    sim_coro_switch(&fe->co.coro, &t_g0);
    fe->round_after_switch = fegetround();
#if defined(__x86_64__)
    fe->mxcsr_rc_after = _mm_getcsr() & 0x6000u;
    fe->x87_rc_after = x87_cw() & 0x0c00u;
#endif
    volatile double two = 2.0, three = 3.0;
    fe->two_thirds_down = two / three;
    snprintf(fe->text, sizeof fe->text, "%.20f", fe->two_thirds_down);
    fesetround(FE_TONEAREST);
    sim_coro_exit_to(&fe->co.coro, &t_g0);
}

START_TEST(test_fp_control_isolated) {
    memset(&t_fe, 0, sizeof t_fe);
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
    t_co_start(&t_fe.co, fpenv_fn, &t_fe);
    sim_coro_switch(&t_g0, &t_fe.co.coro);
    /* The coroutine set FE_DOWNWARD: it must not leak into g0. */
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
#if defined(__x86_64__)
    ck_assert_uint_eq(_mm_getcsr() & 0x6000u, 0);
    ck_assert_uint_eq(x87_cw() & 0x0c00u, 0);
#endif
    fesetround(FE_UPWARD);
    sim_coro_switch(&t_g0, &t_fe.co.coro);
    ck_assert_int_eq(fegetround(), FE_UPWARD);   /* g0's own mode came back */
    /* Any inexact quotient rounds lower downward than upward. */
    volatile double two = 2.0, three = 3.0;
    double two_thirds_up = two / three;
    fesetround(FE_TONEAREST);

    ck_assert_int_eq(t_fe.round_at_start, FE_TONEAREST);
    ck_assert_int_eq(t_fe.round_after_switch, FE_DOWNWARD);
#if defined(__x86_64__)
    ck_assert_uint_eq(t_fe.mxcsr_rc_after, 0x2000u);   /* RC = round down */
    ck_assert_uint_eq(t_fe.x87_rc_after, 0x0400u);
#endif
    ck_assert(t_fe.two_thirds_down < two_thirds_up);
    t_co_release(&t_fe.co);
}
END_TEST

#if defined(__x86_64__)
/* MXCSR and the x87 control word are restored independently (each only when
 * it differs): change one at a time and check the other side of the switch. */
static t_co t_fpreg_co;
static unsigned t_fpreg_seen_mxcsr, t_fpreg_seen_x87cw;

static void fpreg_fn(void *arg) {
    (void)arg;
    unsigned mxcsr0 = _mm_getcsr();
    _mm_setcsr(mxcsr0 | 0x8040u);                   /* FTZ + DAZ */
    sim_coro_switch(&t_fpreg_co.coro, &t_g0);
    t_fpreg_seen_mxcsr = _mm_getcsr();
    _mm_setcsr(mxcsr0);
    unsigned short cw = 0x027f;                     /* 53-bit x87 precision */
    __asm__ volatile("fldcw %0" : : "m"(cw));
    sim_coro_switch(&t_fpreg_co.coro, &t_g0);
    t_fpreg_seen_x87cw = x87_cw();
    sim_coro_exit_to(&t_fpreg_co.coro, &t_g0);
}

START_TEST(test_fp_control_each_register) {
    unsigned mxcsr0 = _mm_getcsr();
    unsigned x87cw0 = x87_cw();
    t_co_start(&t_fpreg_co, fpreg_fn, NULL);
    sim_coro_switch(&t_g0, &t_fpreg_co.coro);       /* coroutine set FTZ+DAZ */
    ck_assert_uint_eq(_mm_getcsr() & 0xffc0u, mxcsr0 & 0xffc0u);
    ck_assert_uint_eq(x87_cw(), x87cw0);
    sim_coro_switch(&t_g0, &t_fpreg_co.coro);       /* coroutine set x87 PC */
    ck_assert_uint_eq(t_fpreg_seen_mxcsr & 0x8040u, 0x8040u);
    ck_assert_uint_eq(x87_cw(), x87cw0);
    ck_assert_uint_eq(_mm_getcsr() & 0xffc0u, mxcsr0 & 0xffc0u);
    sim_coro_switch(&t_g0, &t_fpreg_co.coro);
    ck_assert_uint_eq(t_fpreg_seen_x87cw, 0x027f);
    ck_assert_uint_eq(x87_cw(), x87cw0);
    t_co_release(&t_fpreg_co);
}
END_TEST
#endif

#if defined(SIM_CORO_ASM) && SIM_CORO_ASM
static int t_fresh_round;

static void fresh_fn(void *arg) {
    (void)arg;
    t_fresh_round = fegetround();
    sim_coro_exit_to(&((t_co *)arg)->coro, &t_g0);
}

/* asm backend only: a new coroutine starts from the ABI's default FP control
 * state (ucontext inherits its creator's from getcontext, by design). */
START_TEST(test_fp_control_fresh_default) {
    static t_co co;
    fesetround(FE_UPWARD);
    t_co_start(&co, fresh_fn, &co);
    sim_coro_switch(&t_g0, &co.coro);
    ck_assert_int_eq(fegetround(), FE_UPWARD);
    fesetround(FE_TONEAREST);
    ck_assert_int_eq(t_fresh_round, FE_TONEAREST);
    t_co_release(&co);
}
END_TEST
#endif

/* [SECTION] many coroutines */

enum { RR_COUNT = 1000, RR_ROUNDS = 50 };

typedef struct rr_test {
    t_co cos[RR_COUNT];
    uint32_t order_bad;        /* steps that ran out of round-robin order */
    uint32_t step;             /* global step counter */
    uint32_t finished;
    char text[RR_COUNT][24];
} rr_test;

static rr_test *t_rr;

static void rr_fn(void *arg) {
    uint32_t id = (uint32_t)(uintptr_t)arg;
    double local = (double)id * 0.5;
    for (uint32_t r = 0; r < RR_ROUNDS; r++) {
        if (t_rr->step != r * RR_COUNT + id) {
            t_rr->order_bad++;
        }
        t_rr->step++;
        local += 1.0;
        sim_coro_switch(&t_rr->cos[id].coro, &t_g0);
    }
    snprintf(t_rr->text[id], sizeof t_rr->text[id], "%u:%.1f", id, local);
    t_rr->finished++;
    sim_coro_exit_to(&t_rr->cos[id].coro, &t_g0);
}

/* g0 as the scheduler, resuming 1000 coroutines round-robin. */
START_TEST(test_round_robin_1000) {
    t_rr = calloc(1, sizeof *t_rr);
    ck_assert_ptr_nonnull(t_rr);
    for (uint32_t i = 0; i < RR_COUNT; i++) {
        t_co_start(&t_rr->cos[i], rr_fn, (void *)(uintptr_t)i);
    }
    for (uint32_t r = 0; r <= RR_ROUNDS; r++) {
        for (uint32_t i = 0; i < RR_COUNT; i++) {
            sim_coro_switch(&t_g0, &t_rr->cos[i].coro);
        }
    }
    ck_assert_uint_eq(t_rr->order_bad, 0);
    ck_assert_uint_eq(t_rr->step, RR_COUNT * RR_ROUNDS);
    ck_assert_uint_eq(t_rr->finished, RR_COUNT);
    for (uint32_t i = 0; i < RR_COUNT; i++) {
        char expect[24];
        snprintf(expect, sizeof expect, "%u:%.1f", i, (double)i * 0.5 + RR_ROUNDS);
        ck_assert_str_eq(t_rr->text[i], expect);
        t_co_release(&t_rr->cos[i]);
    }
    sim_stack_pool_stats st;
    sim_stack_pool_stats_get(t_pool, &st);
    ck_assert_uint_eq(st.stack_live_count, 0);
    ck_assert_uint_eq(st.stack_free_count, RR_COUNT);
    free(t_rr);
}
END_TEST

/* Coroutines switching straight to each other in a ring, no g0 between. */
static void ring_fn(void *arg) {
    uint32_t id = (uint32_t)(uintptr_t)arg;
    uint32_t next = (id + 1) % RR_COUNT;
    for (uint32_t r = 0; r < RR_ROUNDS; r++) {
        if (t_rr->step != r * RR_COUNT + id) {
            t_rr->order_bad++;
        }
        t_rr->step++;
        if (id == RR_COUNT - 1) {
            sim_coro_switch(&t_rr->cos[id].coro, &t_g0);
        } else {
            sim_coro_switch(&t_rr->cos[id].coro, &t_rr->cos[next].coro);
        }
    }
    t_rr->finished++;
    sim_coro_exit_to(&t_rr->cos[id].coro, id == RR_COUNT - 1 ? &t_g0 : &t_rr->cos[next].coro);
}

START_TEST(test_ring_1000) {
    t_rr = calloc(1, sizeof *t_rr);
    ck_assert_ptr_nonnull(t_rr);
    for (uint32_t i = 0; i < RR_COUNT; i++) {
        t_co_start(&t_rr->cos[i], ring_fn, (void *)(uintptr_t)i);
    }
    for (uint32_t r = 0; r <= RR_ROUNDS; r++) {
        sim_coro_switch(&t_g0, &t_rr->cos[0].coro);
    }
    ck_assert_uint_eq(t_rr->order_bad, 0);
    ck_assert_uint_eq(t_rr->step, RR_COUNT * RR_ROUNDS);
    ck_assert_uint_eq(t_rr->finished, RR_COUNT);
    for (uint32_t i = 0; i < RR_COUNT; i++) {
        t_co_release(&t_rr->cos[i]);
    }
    free(t_rr);
}
END_TEST

/* [SECTION] stack pool */

START_TEST(test_pool_reuse_lifo) {
    sim_stack a, b, c, d;
    ck_assert_int_eq(sim_stack_get(t_pool, &a), 0);
    ck_assert_int_eq(sim_stack_get(t_pool, &b), 0);
    ck_assert_ptr_ne(a.lo, b.lo);
    ck_assert_uint_eq(a.size_bytes, TEST_STACK_SIZE_BYTES);
    ck_assert_ptr_eq(a.hi, a.lo + a.size_bytes);
    sim_stack_put(t_pool, &a);
    ck_assert_int_eq(sim_stack_get(t_pool, &c), 0);
    ck_assert_ptr_eq(c.lo, a.lo);                 /* reused */
    ck_assert_uint_eq(c.guarded, a.guarded);
    sim_stack_put(t_pool, &b);
    sim_stack_put(t_pool, &c);
    ck_assert_int_eq(sim_stack_get(t_pool, &d), 0);
    ck_assert_ptr_eq(d.lo, c.lo);                 /* last in, first out */
    ck_assert_int_eq(sim_stack_get(t_pool, &c), 0);
    ck_assert_ptr_eq(c.lo, b.lo);
    sim_stack_pool_stats st;
    sim_stack_pool_stats_get(t_pool, &st);
    ck_assert_uint_eq(st.stack_count, 2);
    ck_assert_uint_eq(st.stack_live_count, 2);
    ck_assert_uint_eq(st.stack_free_count, 0);
    sim_stack_put(t_pool, &c);
    sim_stack_put(t_pool, &d);
}
END_TEST

START_TEST(test_pool_rounds_to_pages) {
    sim_stack_pool *pool = NULL;
    long page = sysconf(_SC_PAGESIZE);
    ck_assert_int_eq(sim_stack_pool_create(&pool, 10000, 8), 0);
    sim_stack s;
    ck_assert_int_eq(sim_stack_get(pool, &s), 0);
    ck_assert_uint_eq(s.size_bytes % (size_t)page, 0);
    ck_assert_uint_ge(s.size_bytes, 10000);
    ck_assert_uint_lt(s.size_bytes, 10000 + (size_t)page);
    ck_assert_uint_eq((uintptr_t)s.lo % (uintptr_t)page, 0);
    sim_stack_put(pool, &s);
    sim_stack_pool_destroy(pool);
}
END_TEST

START_TEST(test_pool_guard_detection) {
    sim_stack_pool *pool = NULL;
    ck_assert_int_eq(sim_stack_pool_create(&pool, TEST_SMALL_STACK_SIZE_BYTES, 4), 0);
    long page = sysconf(_SC_PAGESIZE);
    sim_stack s[6];
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(sim_stack_get(pool, &s[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        int guarded = i < 4;
        ck_assert_uint_eq(s[i].guarded, (uint32_t)guarded);
        ck_assert_int_eq(sim_stack_pool_is_guard(pool, s[i].lo - 1), guarded);
        ck_assert_int_eq(sim_stack_pool_is_guard(pool, s[i].lo - page), guarded);
        ck_assert_int_eq(sim_stack_pool_is_guard(pool, s[i].lo), 0);
        ck_assert_int_eq(sim_stack_pool_is_guard(pool, s[i].hi - 1), 0);
    }
    int local = 0;
    ck_assert_int_eq(sim_stack_pool_is_guard(pool, &local), 0);
    ck_assert_int_eq(sim_stack_pool_is_guard(pool, NULL), 0);
    ck_assert_int_eq(sim_stack_pool_is_guard(NULL, s[0].lo - 1), 0);
    /* Another pool does not claim this pool's guards. */
    ck_assert_int_eq(sim_stack_pool_is_guard(t_pool, s[0].lo - 1), 0);
    sim_stack_pool_stats st;
    sim_stack_pool_stats_get(pool, &st);
    ck_assert_uint_eq(st.guard_count, 4);
    ck_assert_uint_eq(st.guard_count_max, 4);
    /* A reused stack keeps its guard status. */
    sim_stack_put(pool, &s[1]);
    sim_stack r;
    ck_assert_int_eq(sim_stack_get(pool, &r), 0);
    ck_assert_ptr_eq(r.lo, s[1].lo);
    ck_assert_uint_eq(r.guarded, 1);
    ck_assert_int_eq(sim_stack_pool_is_guard(pool, r.lo - 1), 1);
    sim_stack_pool_destroy(pool);
}
END_TEST

START_TEST(test_pool_derived_budget) {
    sim_stack_pool_stats st;
    sim_stack_pool_stats_get(t_pool, &st);
    ck_assert_uint_gt(st.guard_count_max, 0);
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f != NULL) {
        unsigned long max_map_count = 0;
        ck_assert_int_eq(fscanf(f, "%lu", &max_map_count), 1);
        fclose(f);
        ck_assert_uint_lt(2ul * st.guard_count_max, max_map_count);
    }
}
END_TEST

static long t_resident_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) {
        return -1;
    }
    long size_pages = 0, resident_pages = 0;
    int n = fscanf(f, "%ld %ld", &size_pages, &resident_pages);
    fclose(f);
    return n == 2 ? resident_pages * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

static long t_map_count(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL) {
        return -1;
    }
    long lines = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF) {
        lines += ch == '\n';
    }
    fclose(f);
    return lines;
}

enum { LIVE_COUNT = 100000 };

typedef struct live_test {
    sim_stack stacks[LIVE_COUNT];
    sim_coro coros[LIVE_COUNT];
    uint32_t started;
    uint32_t finished;
} live_test;

static live_test *t_live;

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

/* How many of the 100k stacks run a coroutine. All of them, except under
 * ASan with detect_stack_use_after_return, which gives every live fiber
 * fake-stack mappings of its own; with the guards already using most of
 * vm.max_map_count, a few thousand fibers exhaust it. */
static uint32_t t_live_run_count(void) {
#ifdef TEST_ASAN
    extern int __asan_option_detect_stack_use_after_return;
    if (__asan_option_detect_stack_use_after_return) {
        return LIVE_COUNT / 100;
    }
#endif
    return LIVE_COUNT;
}

static void live_fn(void *arg) {
    uint32_t id = (uint32_t)(uintptr_t)arg;
    t_live->started++;
    sim_coro_switch(&t_live->coros[id], &t_g0);
    t_live->finished++;
    sim_coro_exit_to(&t_live->coros[id], &t_g0);
}

/* 100,000 stacks live at once despite vm.max_map_count = 65530: guards stop
 * at the budget, untouched stacks are not resident, and every one of them can
 * run a coroutine. */
START_TEST(test_pool_100k_live) {
    t_live = calloc(1, sizeof *t_live);
    ck_assert_ptr_nonnull(t_live);
    sim_stack_pool *pool = NULL;
    ck_assert_int_eq(sim_stack_pool_create(&pool, TEST_SMALL_STACK_SIZE_BYTES, 0), 0);
    long rss_before_kib = t_resident_kib();
    for (uint32_t i = 0; i < LIVE_COUNT; i++) {
        ck_assert_int_eq(sim_stack_get(pool, &t_live->stacks[i]), 0);
    }
    long rss_after_kib = t_resident_kib();
    sim_stack_pool_stats st;
    sim_stack_pool_stats_get(pool, &st);
    ck_assert_uint_eq(st.stack_live_count, LIVE_COUNT);
    ck_assert_uint_le(st.guard_count, st.guard_count_max);
    ck_assert_uint_gt(st.guard_count, 0);
    ck_assert_uint_eq(t_live->stacks[0].guarded, 1);
    ck_assert_uint_eq(t_live->stacks[LIVE_COUNT - 1].guarded, st.guard_count == LIVE_COUNT);
    ck_assert_uint_lt(st.arena_count, 100);
    /* 100k stacks of 16 KiB would be 1.6 GB if touched; allow bookkeeping. */
    if (rss_before_kib >= 0 && rss_after_kib >= 0) {
        ck_assert_int_lt(rss_after_kib - rss_before_kib, 32 * 1024);
    }
    long maps = t_map_count();
    if (maps >= 0) {
        ck_assert_int_lt(maps, 65530);
    }
    uint32_t run_count = t_live_run_count();
    for (uint32_t i = 0; i < run_count; i++) {
        sim_coro_init(&t_live->coros[i], &t_live->stacks[i], live_fn, (void *)(uintptr_t)i);
        sim_coro_switch(&t_g0, &t_live->coros[i]);
    }
    ck_assert_uint_eq(t_live->started, run_count);
    for (uint32_t i = 0; i < run_count; i++) {
        ck_assert(sim_coro_canary_ok(&t_live->coros[i]));
        sim_coro_switch(&t_g0, &t_live->coros[i]);
    }
    ck_assert_uint_eq(t_live->finished, run_count);
    for (uint32_t i = 0; i < LIVE_COUNT; i++) {
        sim_stack_put(pool, &t_live->stacks[i]);
    }
    sim_stack_pool_stats_get(pool, &st);
    ck_assert_uint_eq(st.stack_live_count, 0);
    ck_assert_uint_eq(st.stack_free_count, LIVE_COUNT);
    sim_stack_pool_destroy(pool);
    free(t_live);
}
END_TEST

/* [SECTION] exit, reuse, canary */

static int t_reuse_runs;

static void reuse_fn(void *arg) {
    t_co *co = arg;
    char buf[512];
    /* Dirty the stack so the next coroutine on it starts on used memory. */
    memset(buf, 0xa5, sizeof buf);
    snprintf(buf, sizeof buf, "%d %.2f", t_reuse_runs, 2.5);
    t_reuse_runs += strcmp(buf, "") != 0;
    sim_coro_exit_to(&co->coro, &t_g0);
}

START_TEST(test_exit_then_reuse_stack) {
    t_reuse_runs = 0;
    t_co co;
    unsigned char *first_lo = NULL;
    for (int i = 0; i < 100; i++) {
        t_co_start(&co, reuse_fn, &co);
        if (i == 0) {
            first_lo = co.stack.lo;
        }
        ck_assert_ptr_eq(co.stack.lo, first_lo);
        sim_coro_switch(&t_g0, &co.coro);
        t_co_release(&co);
    }
    ck_assert_int_eq(t_reuse_runs, 100);
}
END_TEST

START_TEST(test_canary) {
    t_co co;
    t_co_start_unguarded(&co, reuse_fn, &co);
    ck_assert_int_eq(sim_coro_canary_ok(&co.coro), 1);
    unsigned char saved = co.stack.lo[3];
    co.stack.lo[3] ^= 0xff;
    ck_assert_int_eq(sim_coro_canary_ok(&co.coro), 0);
    co.stack.lo[3] = saved;
    ck_assert_int_eq(sim_coro_canary_ok(&co.coro), 1);
    sim_coro_switch(&t_g0, &co.coro);
    ck_assert_int_eq(sim_coro_canary_ok(&co.coro), 1);
    t_co_release_unguarded(&co);
}
END_TEST

static t_co t_smash_co;

static void smash_fn(void *arg) {
    (void)arg;
    memset(t_smash_co.stack.lo, 0, 8);   /* what an overflow would do */
    sim_coro_switch(&t_smash_co.coro, &t_g0);
}

/* The per-switch canary check aborts when the coroutine switches away. */
START_TEST(test_canary_smash_aborts) {
    t_co_start_unguarded(&t_smash_co, smash_fn, NULL);
    sim_coro_switch(&t_g0, &t_smash_co.coro);
}
END_TEST

static t_co t_dead_co;

static void dead_fn(void *arg) {
    (void)arg;
    sim_coro_exit_to(&t_dead_co.coro, &t_g0);
}

/* Resuming a coroutine that exited is caught, not run. */
START_TEST(test_switch_to_dead_aborts) {
    t_co_start(&t_dead_co, dead_fn, NULL);
    sim_coro_switch(&t_g0, &t_dead_co.coro);
    sim_coro_switch(&t_g0, &t_dead_co.coro);
}
END_TEST

/* [SECTION] stack overflow on a guard page */

static t_co t_deep_co;
static volatile long t_deep_limit = 1L << 40;

static long deep_recurse(long n) {
    volatile char frame[512];
    frame[0] = (char)n;
    if (n >= t_deep_limit) {
        return frame[0];
    }
    return deep_recurse(n + 1) + frame[0];
}

static void deep_fn(void *arg) {
    (void)arg;
    long r = deep_recurse(0);
    printf("not reached: %ld\n", r);
    sim_coro_exit_to(&t_deep_co.coro, &t_g0);
}

START_TEST(test_overflow_hits_guard) {
    /* Default action, so the sanitizers' own handlers don't turn the signal
     * into an exit code. */
    signal(SIGSEGV, SIG_DFL);
    t_co_start(&t_deep_co, deep_fn, NULL);
    ck_assert_uint_eq(t_deep_co.stack.guarded, 1);
    sim_coro_switch(&t_g0, &t_deep_co.coro);
}
END_TEST

static void guard_handler(int sig, siginfo_t *info, void *uctx) {
    (void)sig;
    (void)uctx;
    _exit(sim_stack_pool_is_guard(t_pool, info->si_addr) ? 42 : 43);
}

/* What the simulator's SIGSEGV handler does: on an alternate stack (the
 * overflowing one has no room), ask the pool whether the fault hit a guard. */
START_TEST(test_overflow_reported_by_handler) {
    static unsigned char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    ck_assert_int_eq(sigaltstack(&ss, NULL), 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = guard_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
    t_co_start(&t_deep_co, deep_fn, NULL);
    sim_coro_switch(&t_g0, &t_deep_co.coro);
}
END_TEST

/* [SECTION] leaving a coroutine by siglongjmp, as the simulator's fault
 * handler does, then carrying on */

static sigjmp_buf t_jump_env;
static t_co t_jump_co;

static void jump_handler(int sig, siginfo_t *info, void *uctx) {
    (void)sig;
    (void)uctx;
    if (!sim_stack_pool_is_guard(t_pool, info->si_addr)) {
        _exit(43);
    }
    sim_coro_jump_begin(&t_jump_co.coro, &t_g0);
    siglongjmp(t_jump_env, 1);
}

static void jump_deep_fn(void *arg) {
    (void)arg;
    long r = deep_recurse(0);
    printf("not reached: %ld\n", r);
    sim_coro_exit_to(&t_jump_co.coro, &t_g0);
}

START_TEST(test_fault_jump_back_to_g0) {
    static unsigned char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    ck_assert_int_eq(sigaltstack(&ss, NULL), 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = jump_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
    volatile int faults = 0;
    for (int i = 0; i < 3; i++) {
        t_co_start(&t_jump_co, jump_deep_fn, NULL);
        if (sigsetjmp(t_jump_env, 1) == 0) {
            sim_coro_switch(&t_g0, &t_jump_co.coro);
            ck_abort_msg("the coroutine should have faulted");
        }
        sim_coro_jump_end(&t_g0);
        faults++;
        /* The overflowed stack goes back to the pool and is reused. */
        t_co_release(&t_jump_co);
    }
    ck_assert_int_eq(faults, 3);
    /* g0 switches normally afterwards. */
    memset(&t_pp, 0, sizeof t_pp);
    t_pp.rounds = 10;
    t_co_start(&t_pp.co, pingpong_fn, &t_pp);
    for (long i = 0; i <= t_pp.rounds; i++) {
        sim_coro_switch(&t_g0, &t_pp.co.coro);
    }
    ck_assert_int_eq(t_pp.seen, 10);
    ck_assert_int_eq(t_pp.ints_bad, 0);
    t_co_release(&t_pp.co);
}
END_TEST

/* A smashed canary goes to the overflow handler, which may leave by
 * siglongjmp like the fault handler. */
static t_co t_ovf_co;
static sigjmp_buf t_ovf_env;
static sim_coro *t_ovf_seen;

static void ovf_handler(sim_coro *c) {
    t_ovf_seen = c;
    sim_coro_jump_begin(c, &t_g0);
    siglongjmp(t_ovf_env, 1);
}

static void ovf_fn(void *arg) {
    (void)arg;
    memset(t_ovf_co.stack.lo, 0, 8);
    sim_coro_switch(&t_ovf_co.coro, &t_g0);
}

START_TEST(test_overflow_handler_called) {
    sim_coro_set_overflow_handler(ovf_handler);
    t_co_start_unguarded(&t_ovf_co, ovf_fn, NULL);
    if (sigsetjmp(t_ovf_env, 1) == 0) {
        sim_coro_switch(&t_g0, &t_ovf_co.coro);
        ck_abort_msg("the canary check should have fired");
    }
    sim_coro_jump_end(&t_g0);
    sim_coro_set_overflow_handler(NULL);
    ck_assert_ptr_eq(t_ovf_seen, &t_ovf_co.coro);
    ck_assert_int_eq(sim_coro_canary_ok(&t_ovf_co.coro), 0);
    t_co_release_unguarded(&t_ovf_co);
}
END_TEST

/* [SECTION] suite */

Suite *coro_suite(void) {
    Suite *s = suite_create("coro");

    TCase *tc = tcase_create("switch");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_backend_name);
    tcase_add_test(tc, test_pingpong_preserves_values);
#if defined(__x86_64__)
    tcase_add_test(tc, test_callee_saved_registers);
#endif
    tcase_add_test(tc, test_fp_control_isolated);
#if defined(__x86_64__)
    tcase_add_test(tc, test_fp_control_each_register);
#endif
#if defined(SIM_CORO_ASM) && SIM_CORO_ASM
    tcase_add_test(tc, test_fp_control_fresh_default);
#endif
    tcase_add_test(tc, test_round_robin_1000);
    tcase_add_test(tc, test_ring_1000);
    tcase_add_test(tc, test_exit_then_reuse_stack);
    tcase_add_test(tc, test_canary);
    tcase_add_test_raise_signal(tc, test_canary_smash_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, test_switch_to_dead_aborts, SIGABRT);
    suite_add_tcase(s, tc);

    tc = tcase_create("pool");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_pool_reuse_lifo);
    tcase_add_test(tc, test_pool_rounds_to_pages);
    tcase_add_test(tc, test_pool_guard_detection);
    tcase_add_test(tc, test_pool_derived_budget);
    tcase_add_test(tc, test_pool_100k_live);
    suite_add_tcase(s, tc);

    tc = tcase_create("overflow");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test_raise_signal(tc, test_overflow_hits_guard, SIGSEGV);
    tcase_add_exit_test(tc, test_overflow_reported_by_handler, 42);
    tcase_add_test(tc, test_fault_jump_back_to_g0);
    tcase_add_test(tc, test_overflow_handler_called);
    suite_add_tcase(s, tc);
    return s;
}

#ifdef TEST_STANDALONE
int main(void) {
    SRunner *sr = srunner_create(coro_suite());
    srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY=verbose lists every test */
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
#endif
