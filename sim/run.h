/* sim/run.h: a run from start to outcome (gmp_run): set-up, the header and footer,
 * faults, limits, checkdead and schedtrace. */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include "sched.h"

/* Ends the run with an outcome and message (first one wins). */
void sim_finish(sim_sched *s, gmp_outcome outcome, const char *message);
/* On a goroutine: ends the run with outcome and message plus the goroutine's stack;
 * never returns to the goroutine. */
void sim_fail_current(sim_sched *s, gmp_outcome outcome, const char *message) __attribute__((noreturn));
/* The runtime's throw/fatal from scenario code: "fatal error: msg", outcome panic. */
void sim_fatal(sim_sched *s, const char *msg) __attribute__((noreturn));
/* A fatal error of the runtime found on g0 (thread exhaustion): ends the run with
 * outcome panic, a Panic event and the dump; preamble is printed before it. */
void sim_fatal_g0(sim_sched *s, const char *preamble, const char *msg);
/* Models: runtime.checkdead, called when no M is left in the event loop. */
void sim_checkdead(sim_sched *s);
/* After main returned and nothing moves: every goroutine still blocked is a leak. */
void sim_leakcheck(sim_sched *s);
/* Models: runtime.schedtrace(detailed): one SCHED line at virtual time t_ns. */
void sim_schedtrace(sim_sched *s, int64_t t_ns);

/* Creates main (goid 1) as rt0 does: newproc from g0 into P0's runnext (api.c). */
void sim_newproc_main(sim_sched *s);
/* Frees every channel of the run (chan.c). */
void sim_chans_free(sim_sched *s);
/* Frees every sync object and semaphore of the run (sema.c). */
void sim_sync_free(sim_sched *s);

#endif
