/* sim/cost.h: the virtual-time cost model.
 *
 * What a goroutine does between two API calls costs nothing; each API call and each
 * scheduler step costs the virtual time below, plus what gmp_work(ns) asks for.
 * The figures are rough orders of magnitude of the real runtime on a current x86-64
 * (a futex wake is microseconds, a go statement a few hundred ns); they shape
 * schedules, so changing one changes golden files, on purpose only.
 */
#ifndef SIM_COST_H
#define SIM_COST_H

enum {
    SIM_COST_NEWPROC_NS = 300,      /* go statement: newproc + runqput + wakep */
    SIM_COST_SCHEDULE_NS = 100,     /* schedule + execute + gogo */
    SIM_COST_GOSCHED_NS = 100,      /* Gosched: mcall(gosched_m) */
    SIM_COST_PARK_NS = 50,          /* gopark: mcall(park_m) */
    SIM_COST_CHANOP_NS = 50,        /* a channel send, receive or close */
    SIM_COST_STEAL_VICTIM_NS = 20,  /* stealWork: looking at one victim P */
    SIM_COST_PRINT_NS = 500,        /* fmt.Printf to a pipe */
    SIM_COST_MWAKE_NS = 2000,       /* notewakeup of an idle M until it runs (mwake's nominal) */
    SIM_COST_NEWM_NS = 20000,       /* newm: clone a thread until it runs (mwake's nominal) */
    SIM_COST_MAKECHAN_NS = 50,
    SIM_COST_SYSCALL_NS = 100,      /* entersyscall + exitsyscall bookkeeping */
    SIM_COST_NETPOLL_NS = 1000,     /* one netpoll (epoll_wait) call, at the least */
    SIM_COST_PREEMPT_SIGNAL_NS = 1000, /* preemptM: SIGURG until asyncPreempt runs */
    SIM_COST_SYSMON_NEWM_NS = 20000,   /* runtime.main: newm(sysmon) until it first runs */
    SIM_COST_VAR_NS = 5,            /* a load or store of a shared variable */
    SIM_COST_SYNC_NS = 20,          /* a sync fast path: one atomic (Lock, Unlock, Add, Done, ...) */
    SIM_COST_PROCYIELD_NS = 100,    /* sync.runtime_doSpin: procyield(30), 30 PAUSE instructions */
    SIM_COST_SEMA_NS = 50,          /* semrelease waking a waiter: semaRoot lock, dequeue, ready */
    SIM_COST_SELECT_NS = 50,        /* selectgo: shuffle, lock order, sellock/selunlock ... */
    SIM_COST_SELECT_CASE_NS = 10,   /* ... plus this per case */
    SIM_COST_OS_PREEMPT_NS = 10000, /* --os-preempt: the OS runs another thread on this CPU */
};

/* How long the others may run after main returns before what is still blocked is
 * reported as leaked (--leaks=report). */
#define SIM_LEAK_GRACE_NS (INT64_C(1000) * 1000 * 1000)

#endif
