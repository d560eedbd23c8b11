/* sim/coro_x86_64.S: coroutine stack switch for x86-64, System V ABI.
 *
 * ABI: System V Application Binary Interface, AMD64 Architecture Processor
 * Supplement (v1.0), section 3.2.1 "Registers" and figure 3.4 "Register Usage":
 *   - callee-saved: rbx, rbp, r12, r13, r14, r15 (and rsp itself);
 *   - "The control bits of the MXCSR register are callee-saved (preserved
 *     across calls), while the status bits are caller-saved";
 *   - "The x87 CW register is callee-saved, while the status word is
 *     caller-saved";
 *   - every other general register, all of xmm0-15/ymm/zmm, the x87 stack
 *     and the flags are caller-saved, so a function call (which this switch is,
 *     to the compiler) already assumes they are clobbered; DF is clear on
 *     entry and on return by the same ABI.
 *
 * So, like libaco's acosw.S (and unlike minicoro), this switch saves MXCSR and
 * the x87 control word: a coroutine that changes the rounding mode, the
 * exception masks or FTZ/DAZ (fesetround, fesetenv, _mm_setcsr) keeps them to
 * itself and does not leak them into the scheduler or other goroutines.
 * ldmxcsr and fldcw are slow (microcoded), so each is executed only when the
 * resumed context's saved value differs from the current one in its control
 * bits; MXCSR's status flags (bits 0-5, caller-saved) are left out of the
 * comparison, or every switch after an inexact operation would reload it.
 *
 * Saved frame, at the stack pointer stored in *from_sp (16-byte aligned):
 *
 *   offset  size  content
 *   +0      4     MXCSR                      (stmxcsr / ldmxcsr)
 *   +4      2     x87 control word           (fnstcw / fldcw)
 *   +6      2     padding
 *   +8      8     r15
 *   +16     8     r14
 *   +24     8     r13
 *   +32     8     r12    new coroutine: C entry function
 *   +40     8     rbx    new coroutine: sim_coro pointer (its argument)
 *   +48     8     rbp    new coroutine: 0 (ends the frame-pointer chain)
 *   +56     8     return address   new coroutine: sim__coro_trampoline_asm
 *   = 64 bytes. sim_coro_init in coro.c builds the same layout by hand
 *     (SIM_CORO_FRAME_* there); change both together.
 *
 * Alignment: on entry rsp = 8 (mod 16) because the call pushed the return
 * address; six pushes (48 bytes) and the 8-byte control-word slot bring it to
 * 0 (mod 16), so every saved stack pointer is 16-byte aligned, and after the
 * final jump into the trampoline rsp is 16-byte aligned again, which is what
 * a `call` needs to hand its callee the ABI's rsp = 8 (mod 16) at entry.
 *
 * Red zone: the 128 bytes below rsp may hold a leaf function's data, but the
 * switch is only reached by a call from C, and a function that calls does not
 * keep live data in its red zone across the call; pushing below rsp is safe.
 *
 * Not handled, on purpose: CET shadow stacks and indirect-branch tracking
 * (the object carries no GNU_PROPERTY_X86_FEATURE_1_SHSTK/IBT note, so the
 * loader never enables them for a program linking this file: the switch
 * returns with an indirect jmp to a call site, which IBT would reject, and
 * changes stacks, which a shadow stack would reject) and signal masks (a
 * goroutine switch is not a signal context; ucontext's swapcontext pays a
 * system call per switch for that).
 * Pitfall shared with every such switch (libaco lists it too): a signal
 * handler that runs on the interrupted stack needs room on that stack, so
 * SIGSEGV handlers for stack overflow must use sigaltstack.
 */
#if defined(__x86_64__)

#if defined(__APPLE__)
#define SIM_SYM(name) _##name
#else
#define SIM_SYM(name) name
#endif

    .text

/* void sim__coro_switch_asm(void **from_sp, void **to_sp)
 *   rdi = where to store the current stack pointer (&from->sp)
 *   rsi = where the resumed context's stack pointer is (&to->sp); cleared to
 *         NULL once loaded, which marks that context as running
 * Returns, in the resumed context, from that context's own earlier call.
 * sim_coro_switch tail-calls it (non-ASan builds), so that "return" lands
 * directly in the caller of sim_coro_switch. */
    .globl SIM_SYM(sim__coro_switch_asm)
#if defined(__ELF__)
    .hidden SIM_SYM(sim__coro_switch_asm)
    .type SIM_SYM(sim__coro_switch_asm), @function
#endif
    .p2align 4
SIM_SYM(sim__coro_switch_asm):
    .cfi_startproc
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    pushq   %r15
    .cfi_adjust_cfa_offset 8
    subq    $8, %rsp
    .cfi_adjust_cfa_offset 8
    .cfi_remember_state
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    /* Keep the current control state in registers for the comparison below.
     * Two loads sized like the two stores, so both forward from the store
     * buffer; one 8-byte load spanning both would stall. */
    movl    (%rsp), %eax
    andl    $-64, %eax              /* MXCSR control bits only (~0x3f) */
    movzwl  4(%rsp), %ecx
    movq    %rsp, (%rdi)
    /* From here on we run on the other context's stack. */
    movq    (%rsi), %rsp
    movq    $0, (%rsi)              /* the resumed context is running now */
    /* The two contexts almost always agree: load only what differs. */
    movl    (%rsp), %r8d
    andl    $-64, %r8d
    cmpl    %r8d, %eax
    jne     .Lsim_coro_load_mxcsr
.Lsim_coro_mxcsr_done:
    cmpw    4(%rsp), %cx
    jne     .Lsim_coro_load_x87cw
.Lsim_coro_x87cw_done:
    addq    $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq    %r15
    .cfi_adjust_cfa_offset -8
    popq    %r14
    .cfi_adjust_cfa_offset -8
    popq    %r13
    .cfi_adjust_cfa_offset -8
    popq    %r12
    .cfi_adjust_cfa_offset -8
    popq    %rbx
    .cfi_adjust_cfa_offset -8
    popq    %rbp
    .cfi_adjust_cfa_offset -8
    /* pop + indirect jmp rather than ret: a ret here is always predicted to
     * return to the caller on the stack we left, so it mispredicts on every
     * switch; the indirect-branch predictor learns the alternating targets.
     * Measured here (EPYC VM): 12.7 -> 7.9 ns per switch, bench/bench_coro.c. */
    popq    %rdx
    .cfi_adjust_cfa_offset -8
    .cfi_register rip, rdx
    jmp     *%rdx
.Lsim_coro_load_mxcsr:
    .cfi_restore_state
    ldmxcsr (%rsp)
    jmp     .Lsim_coro_mxcsr_done
.Lsim_coro_load_x87cw:
    fldcw   4(%rsp)
    jmp     .Lsim_coro_x87cw_done
    .cfi_endproc
#if defined(__ELF__)
    .size SIM_SYM(sim__coro_switch_asm), .-SIM_SYM(sim__coro_switch_asm)
#endif

/* First code a new coroutine runs: the initial frame's return address.
 * rbx = sim_coro *, r12 = C entry (sim__coro_entry), rsp 16-byte aligned.
 * The entry never returns; if it did, ud2 traps instead of running off into
 * whatever follows. */
    .globl SIM_SYM(sim__coro_trampoline_asm)
#if defined(__ELF__)
    .hidden SIM_SYM(sim__coro_trampoline_asm)
    .type SIM_SYM(sim__coro_trampoline_asm), @function
#endif
    .p2align 4
SIM_SYM(sim__coro_trampoline_asm):
    .cfi_startproc
    /* Outermost frame: tell unwinders (gdb, ASan's slow unwinder) to stop. */
    .cfi_undefined rip
    xorl    %ebp, %ebp
    movq    %rbx, %rdi
    call    *%r12
    ud2
    .cfi_endproc
#if defined(__ELF__)
    .size SIM_SYM(sim__coro_trampoline_asm), .-SIM_SYM(sim__coro_trampoline_asm)
#endif

#endif /* __x86_64__ */

#if defined(__ELF__)
/* The stack switch needs no executable stack. */
    .section .note.GNU-stack,"",@progbits
#endif
