/* sim/choice.h: every nondeterministic decision of the runtime, drawn and recorded.
 *
 * Wherever the real runtime's behaviour depends on chance (cheaprand) or on timing
 * (which of two Ms gets there first), the simulator asks sim_choose for one of n
 * options and records (kind, n, choice) in the schedule. Option 0 is the default
 * (what a deterministic runtime would do). The random strategy draws with the run's
 * one PRNG, as cheaprandn does. Decisions with n == 1 are not drawn nor recorded.
 *
 * Identity. Besides its position, each recorded decision says what it was about, so
 * that a replay can find it again after the scenario was edited (docs/replay.md):
 *   key    the decision's context: the thief P of a steal, the goroutine and line of
 *          a select, the set of tied candidates;
 *   cands  (tie) every option's identity: the candidate Ms' current goroutines, each
 *          named by creation site and ordinal ("main.worker@steal.c:20#3"; "main");
 *          an M with no goroutine is "sched@P2" (about to run schedule() on P2) or
 *          "<state>@M<id>";
 *   pick   the chosen option's identity (tie), or what the choice means (steal).
 * Identities never contain goids, M ids of running goroutines or host addresses: they
 * name things by where the scenario's code made them.
 *
 * Adding a decision kind: one enum value and one row of sim_choice_kinds (choice.c):
 * its name and, optionally, a describe function that fills the key, the option
 * identities and the pick; without one, the key is the current goroutine and line.
 */
#ifndef SIM_CHOICE_H
#define SIM_CHOICE_H

#include <stdint.h>

#include "sched.h"

typedef enum sim_choice_kind {
    SIM_CHOICE_TIE = 0,       /* several Ms step at the same virtual instant: which first */
    SIM_CHOICE_STEAL_ORDER,   /* stealWork: stealOrder.start(cheaprand()) */
    SIM_CHOICE_SELECT_ORDER,  /* selectgo: pollorder's cheaprandn(i+1), one per case after the first */
    SIM_CHOICE_MWAKE,         /* startm: how long until the woken (or new) M runs: the OS's timing */
    SIM_CHOICE_RAND,          /* math/rand.Intn in scenario code (gmp_rand_intn): the value */
    SIM_CHOICE_OSPREEMPT,     /* --os-preempt: before which gmp_* call of a started M the OS deschedules it */
    SIM_CHOICE_KIND_COUNT
} sim_choice_kind;

/* mwake: SIM_MWAKE_CHOICES options. Option 0 is the nominal latency (cost.h: MWAKE or
 * NEWM); option k >= 1 is nominal * m / 8 with m = 1..7, 9..16 (1/8 to twice nominal, in
 * eighths), so the OS's timing of thread wake-ups, which decides which M gets to a
 * goroutine first, is explored as a recorded decision like the runtime's own choices. */
enum { SIM_MWAKE_CHOICES = 16 };
/* ospreempt: option 0 none; option k: before the M's k-th gmp_* call since it started. */
enum { SIM_OSPREEMPT_CHOICES = 65 };
int64_t sim_mwake_latency_ns(int64_t nominal_ns, uint32_t choice);

const char *sim_choice_kind_name(sim_choice_kind k);
/* Returns a choice in [0, n). n >= 1. why says what the options are. */
uint32_t sim_choose(sim_sched *s, sim_choice_kind kind, uint32_t n, const char *why);

/* The ordinal (1, 2, ...) of a goroutine created at file:line among the goroutines
 * created there so far in this run; newproc stores it in g->site_ordinal. The
 * counters start again with each run (at its first go statement). */
int32_t sim_choice_site_ordinal(sim_sched *s, const char *file, int line);
/* Writes g's identity ("main", "main.worker@steal.c:20#3") into buf. Returns buf. */
char *sim_choice_g_ident(const sim_sched *s, const sim_g *g, char *buf, size_t size);

#endif
