/* sim/runq.h: the local run queues (p.runq, p.runnext) and the global run queue.
 * Models the runtime's runqput/runqputslow/runqget/runqgrab/runqsteal and
 * globrunqput/globrunqget(batch) from proc.go. No atomics: one host thread runs
 * everything, and the interleavings atomics allow are the event loop's to draw. */
#ifndef SIM_RUNQ_H
#define SIM_RUNQ_H

#include <stdbool.h>

#include "sched.h"

static inline uint32_t sim_runq_len(const sim_p *pp) {
    return pp->runqtail - pp->runqhead;
}
/* Models: runtime.runqempty. */
bool sim_runqempty(const sim_p *pp);
/* Models: runtime.runqput. next: gp takes runnext, the old runnext goes to the tail.
 * Differs: no randomizeScheduler (that is a -race build's behaviour). why names the
 * caller's rule for the trace. */
void sim_runqput(sim_sched *s, sim_p *pp, sim_g *gp, bool next, const char *why);
/* Models: runtime.runqget: runnext first (inheritTime), then the head. -1 when empty. */
int32_t sim_runqget(sim_sched *s, sim_p *pp, bool *inherit_time);
/* Models: runtime.runqsteal: takes half of p2's queue (n - n/2) into pp's, the last
 * one stolen is returned to run. steal_runnext: may take p2.runnext (last pass).
 * -1 when nothing was taken. */
int32_t sim_runqsteal(sim_sched *s, sim_p *pp, sim_p *p2, bool steal_runnext);
/* Models: runtime.globrunqput: the global tail. */
void sim_globrunqput(sim_sched *s, sim_g *gp, const char *why);
/* Models: runtime.globrunqget: one G from the global head, -1 when empty. */
int32_t sim_globrunqget(sim_sched *s, sim_p *pp, const char *why);
/* Models: runtime.globrunqgetbatch(n) with n = min(128, size, size/gomaxprocs+1):
 * returns the first, puts the rest on pp's local queue. */
int32_t sim_globrunqgetbatch(sim_sched *s, sim_p *pp);

#endif
