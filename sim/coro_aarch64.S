/* sim/coro_aarch64.S: coroutine stack switch for AArch64 (ELF, AAPCS64).
 *
 * UNTESTED AT RUN TIME: the project's machines are x86-64, so this file has
 * only been assembled (clang --target=aarch64-linux-gnu -c), never executed.
 * Run tests/test_coro.c on an AArch64 host before trusting it.
 *
 * ABI: Procedure Call Standard for the Arm 64-bit Architecture (AAPCS64),
 * section 6.1 "Machine Registers":
 *   - 6.1.1 general-purpose registers: x19-x28 are callee-saved; x29 is the
 *     frame pointer and x30 the link register, both preserved here because a
 *     switch is a call that returns into another context; sp must stay
 *     16-byte aligned whenever it is used to access memory;
 *   - 6.1.2 SIMD and floating-point registers: "v8-v15 must be preserved by a
 *     callee across subroutine calls", only their bottom 64 bits (d8-d15);
 *     all other vector registers are caller-saved;
 *   - FPCR (rounding mode, flush-to-zero, default-NaN, trap enables) is
 *     treated by the ABI as state a routine keeps unchanged unless changing it
 *     is its documented purpose (fesetround): effectively callee-saved. FPSR
 *     (cumulative exception flags) is caller-saved and not saved here.
 *
 * So, as on x86-64 (where MXCSR and the x87 control word are saved, like
 * libaco and unlike minicoro), FPCR is saved: a coroutine's rounding mode
 * does not leak into the scheduler or other goroutines.
 *
 * Saved frame, at the stack pointer stored in *from_sp (16-byte aligned):
 *
 *   offset  content
 *   +0      x19   new coroutine: sim_coro pointer (its argument)
 *   +8      x20   new coroutine: C entry function
 *   +16     x21, x22
 *   +32     x23, x24
 *   +48     x25, x26
 *   +64     x27, x28
 *   +80     x29 (fp)   new coroutine: 0 (ends the frame-record chain)
 *   +88     x30 (lr)   new coroutine: sim__coro_trampoline_asm
 *   +96     d8, d9
 *   +112    d10, d11
 *   +128    d12, d13
 *   +144    d14, d15
 *   +160    fpcr (64-bit read of the 32-bit register)
 *   +168    padding (keeps the frame a multiple of 16)
 *   = 176 bytes. sim_coro_init in coro.c builds the same layout by hand
 *     (SIM_CORO_FRAME_* there); change both together.
 *
 * No red zone on AArch64 Linux: nothing below sp is live, so carving the
 * frame below sp is safe.
 *
 * Branch protection: the entry starts with `bti c` (hint #34, a NOP on cores
 * without BTI) so it stays a valid indirect-call target, e.g. via a PLT. The
 * trampoline is only reached by `ret`, which BTI does not check. Return
 * address signing (pac-ret) in C callers is unaffected: x30 is saved and
 * restored as a plain value, and every signed address is authenticated by
 * the function that signed it, on its own stack.
 */
#if defined(__aarch64__)

#if defined(__APPLE__)
#define SIM_SYM(name) _##name
#else
#define SIM_SYM(name) name
#endif

    .text

/* void sim__coro_switch_asm(void **from_sp, void **to_sp)
 *   x0 = where to store the current stack pointer (&from->sp)
 *   x1 = where the resumed context's stack pointer is (&to->sp); cleared to
 *        NULL once loaded, which marks that context as running
 * Ends with a plain ret (unlike the x86-64 file's pop + jmp): br x30 to a
 * call site would need a BTI landing pad there. */
    .globl SIM_SYM(sim__coro_switch_asm)
#if defined(__ELF__)
    .hidden SIM_SYM(sim__coro_switch_asm)
    .type SIM_SYM(sim__coro_switch_asm), %function
#endif
    .p2align 4
SIM_SYM(sim__coro_switch_asm):
    .cfi_startproc
    hint    #34                     /* bti c */
    sub     sp, sp, #176
    .cfi_def_cfa_offset 176
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mrs     x9, fpcr
    str     x9, [sp, #160]
    mov     x10, sp
    str     x10, [x0]
    /* From here on we run on the other context's stack. */
    ldr     x10, [x1]
    mov     sp, x10
    str     xzr, [x1]               /* the resumed context is running now */
    /* Writing FPCR can stall the FP pipeline, and the two contexts almost
     * always agree: only write it when it differs. */
    ldr     x10, [sp, #160]
    cmp     x9, x10
    b.eq    1f
    msr     fpcr, x10
1:
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #176
    .cfi_def_cfa_offset 0
    ret
    .cfi_endproc
#if defined(__ELF__)
    .size SIM_SYM(sim__coro_switch_asm), .-SIM_SYM(sim__coro_switch_asm)
#endif

/* First code a new coroutine runs: the initial frame's x30.
 * x19 = sim_coro *, x20 = C entry (sim__coro_entry), sp 16-byte aligned.
 * The entry never returns; if it did, brk traps. */
    .globl SIM_SYM(sim__coro_trampoline_asm)
#if defined(__ELF__)
    .hidden SIM_SYM(sim__coro_trampoline_asm)
    .type SIM_SYM(sim__coro_trampoline_asm), %function
#endif
    .p2align 4
SIM_SYM(sim__coro_trampoline_asm):
    .cfi_startproc
    /* Outermost frame: tell unwinders to stop here. */
    .cfi_undefined x30
    mov     x29, xzr
    mov     x30, xzr
    mov     x0, x19
    blr     x20
    brk     #0x1
    .cfi_endproc
#if defined(__ELF__)
    .size SIM_SYM(sim__coro_trampoline_asm), .-SIM_SYM(sim__coro_trampoline_asm)
#endif

#endif /* __aarch64__ */

#if defined(__ELF__)
/* The stack switch needs no executable stack. */
    .section .note.GNU-stack,"",%progbits
#endif
