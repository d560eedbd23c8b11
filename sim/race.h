/* sim/race.h: the data race detector (Go's -race: ThreadSanitizer's happens-before
 * detector with vector clocks) and the hooks that feed it.
 *
 * What it checks. Memory accesses are the shared-variable annotations (gmp_var: VarNew
 * is a write of fresh memory, VarLoad a read, VarStore a write) plus the accesses the
 * runtime itself reports to the race runtime: a channel send reads the channel and
 * close writes it (chansend's racereadpc, closechan's racewritepc), and WaitGroup's
 * Add/Wait touch wg.sema (the "Add called concurrently with Wait" check). Two accesses
 * race when at least one is a write and neither happens before the other.
 *
 * Happens-before. Every goroutine lifetime is a "thread" (a tid, never reused) with a
 * vector clock; every synchronisation object is a clock at a simulated address, as the
 * race runtime keys its SyncVars by address. The edges are the ones Go's runtime and
 * sync package annotate, which implement the Go memory model:
 *  - go statement: the child starts with the parent's clock (racegostart);
 *  - unbuffered channel: racesync, both ways (the send happens before the receive
 *    completes and the receive before the send completes);
 *  - buffered channel of capacity C: message k goes through slot k mod C, and each slot
 *    is released-and-acquired (racereleaseacquire) by its sender and its receiver, so the
 *    k-th receive happens before the (k+C)-th send completes (for zero-size elements too,
 *    where the runtime shares one clock between the slots: docs/race.md);
 *  - close happens before a receive that returns because the channel is closed, and
 *    before the wake-up of every goroutine parked on the channel;
 *  - Mutex: Unlock releases (store) and Lock acquires at the mutex's address; RWMutex:
 *    RUnlock release-merges writerSem, Lock acquires readerSem and writerSem, Unlock
 *    releases readerSem, RLock acquires readerSem (the inner w mutex is annotation-free,
 *    race.Disable); WaitGroup: Done (Add < 0) release-merges wg, Wait acquires wg; Once:
 *    done.Load acquires, done.Store(1) after f releases; Cond: through its mutex only;
 *  - timers: arming releases at the timer, the P's timer race context acquires it when
 *    the timer fires, and a time.AfterFunc goroutine starts from that context.
 * Shadow state per address is FastTrack's: the last write as an epoch and the reads as
 * one epoch or, when concurrent, a set of epochs.
 *
 * Reports read like Go's race detector (WARNING: DATA RACE, both accesses with their
 * goroutines and frames, where each goroutine was created). Like the race runtime with
 * its default flags (suppress_equal_addresses, suppress_equal_stacks), an address or a
 * pair of stacks is reported once. The run goes on after a race, as a -race binary does;
 * at the end an ok run becomes outcome "race" with "Found N data race(s)" (a -race
 * binary exits 66), and a run that failed otherwise keeps its outcome, the race reports
 * coming first in its report (docs/race.md).
 *
 * All state lives in race.c for one run, between sim_race_begin and sim_race_end.
 */
#ifndef SIM_RACE_H
#define SIM_RACE_H

#include <stdbool.h>
#include <stdint.h>

#include "chan.h"
#include "sched.h"

/* ---- [SECTION] the run ---------------------------------------------------------- */

/* Resets the detector (and the context package's state) for a new run. */
void sim_race_begin(sim_sched *s);
/* After the event loop, before the footer: an ok run with races becomes outcome race;
 * the race reports go in front of *report (a malloc'd string or NULL, replaced). Frees
 * the detector's state. */
void sim_race_end(sim_sched *s, char **report);
/* Races reported so far in this run. */
int64_t sim_race_count(void);

/* ---- [SECTION] goroutines ---------------------------------------------------------- */

/* newproc: child starts with the clock of parent (a goroutine), or for parent == NULL
 * of the main goroutine's empty history (child is main) or of the current P's timer
 * race context (a goroutine the runtime starts: time.AfterFunc's goFunc). */
void sim_race_go_create(sim_sched *s, const sim_g *parent, const sim_g *child);

/* ---- [SECTION] memory accesses ------------------------------------------------------ */

/* The line shown for a runtime or library frame on top of an access (runtime.chansend,
 * sync.(*WaitGroup).Add): 0, their lines in the Go source are not modelled (they move
 * between releases). */
#define SIM_RACE_RUNTIME_LINE 0

/* VarNew: fresh memory (racemalloc) written by the current goroutine. */
void sim_race_var_new(sim_sched *s, uint64_t addr, const char *name);
/* A read or write of addr by the current goroutine, at its frames. fn/file/line name a
 * runtime or library frame on top ("runtime.chansend", "runtime/chan.go", 0), or fn == NULL. */
void sim_race_access(sim_sched *s, uint64_t addr, const char *name, bool is_write, const char *fn,
                     const char *file, int line);
static inline void sim_race_read(sim_sched *s, uint64_t addr, const char *name) {
    sim_race_access(s, addr, name, false, NULL, NULL, 0);
}
static inline void sim_race_write(sim_sched *s, uint64_t addr, const char *name) {
    sim_race_access(s, addr, name, true, NULL, NULL, 0);
}

/* ---- [SECTION] synchronisation (the race runtime's entry points) ------------------- */

/* raceacquire(addr): the current goroutine acquires the clock at addr. */
void sim_race_acquire(sim_sched *s, uint64_t addr);
/* racerelease(addr) (__tsan_release: ReleaseStore): the clock at addr becomes the
 * current goroutine's. */
void sim_race_release(sim_sched *s, uint64_t addr);
/* racereleasemerge(addr) (__tsan_release_merge): the clock at addr joins it. */
void sim_race_release_merge(sim_sched *s, uint64_t addr);
/* The same on behalf of goroutine gi (allg index): raceacquireg, racereleaseg. */
void sim_race_acquire_g(sim_sched *s, int32_t gi, uint64_t addr);
void sim_race_release_g(sim_sched *s, int32_t gi, uint64_t addr);
/* race.Disable()/race.Enable(): the current goroutine's sync operations are ignored
 * in between (ThreadSanitizer's ignore_sync), as sync.RWMutex does around its w. */
void sim_race_disable(sim_sched *s);
void sim_race_enable(sim_sched *s);

/* ---- [SECTION] channels (chan.go's race calls; select uses the same) --------------- */

/* chansend: racereadpc(c.raceaddr()), before the closed check. */
void sim_race_chan_send(sim_sched *s, const sim_hchan *c);
/* send(): the current goroutine hands its value to the parked receiver rg (racesync
 * when unbuffered; through the buffer slot when buffered). */
void sim_race_chan_send_direct(sim_sched *s, const sim_hchan *c, int32_t rg);
/* chansend into buf[sendx] / chanrecv from buf[recvx] (racenotify). */
void sim_race_chan_buf_send(sim_sched *s, const sim_hchan *c);
void sim_race_chan_buf_recv(sim_sched *s, const sim_hchan *c);
/* recv(): the current goroutine takes from the parked sender sg (racesync when
 * unbuffered; the full buffer's head slot, for both, when buffered). */
void sim_race_chan_recv_direct(sim_sched *s, const sim_hchan *c, int32_t sg);
/* chanrecv on a closed, empty channel: raceacquire(c.raceaddr()). */
void sim_race_chan_recv_closed(sim_sched *s, const sim_hchan *c);
/* closechan: racewritepc + racerelease on c.raceaddr(), after the closed check. */
void sim_race_chan_close(sim_sched *s, const sim_hchan *c);
/* closechan: raceacquireg(gp, c.raceaddr()) for each waiter it readies. */
void sim_race_chan_close_wake(sim_sched *s, const sim_hchan *c, int32_t gi);
/* sendTime on g0 (a timer's channel): the current P's timer race context acquires the
 * timer, then sends into the buffer (rg: the receiver it hands to, or -1). */
void sim_race_chan_timer_send(sim_sched *s, const sim_hchan *c, uint64_t timer_addr, int32_t rg);

/* ---- [SECTION] timers ------------------------------------------------------------- */

/* A timer armed (NewTimer, After, AfterFunc, Reset: racerelease(t)). */
void sim_race_timer_arm(sim_sched *s, int32_t ti);
/* A timer stopped before it fired. */
void sim_race_timer_stop(sim_sched *s, int32_t ti);

/* ---- [SECTION] the context package (context.c) ----------------------------------- */

void sim_context_begin(sim_sched *s);
void sim_context_end(sim_sched *s);

#endif
