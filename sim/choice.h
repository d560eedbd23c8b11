/* sim/choice.h: every nondeterministic decision of the runtime, drawn and recorded.
 *
 * Wherever the real runtime's behaviour depends on chance (cheaprand) or on timing
 * (which of two Ms gets there first), the simulator asks sim_choose for one of n
 * options and records (kind, n, choice) in the schedule. Option 0 is the default
 * (what a deterministic runtime would do). The random strategy draws with the run's
 * one PRNG, as cheaprandn does. Decisions with n == 1 are not drawn nor recorded.
 */
#ifndef SIM_CHOICE_H
#define SIM_CHOICE_H

#include <stdint.h>

#include "sched.h"

typedef enum sim_choice_kind {
    SIM_CHOICE_TIE = 0,       /* several Ms step at the same virtual instant: which first */
    SIM_CHOICE_STEAL_ORDER,   /* stealWork: stealOrder.start(cheaprand()) */
    SIM_CHOICE_SELECT_ORDER,  /* selectgo: pollorder's cheaprandn(i+1), one per case after the first */
    SIM_CHOICE_KIND_COUNT
} sim_choice_kind;

const char *sim_choice_kind_name(sim_choice_kind k);
/* Returns a choice in [0, n). n >= 1. why says what the options are. */
uint32_t sim_choose(sim_sched *s, sim_choice_kind kind, uint32_t n, const char *why);

#endif
