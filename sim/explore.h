/* sim/explore.h: running many schedules (gmp_explore) and failure signatures.
 *
 * The work is a list of positions q = 0, 1, 2, ... in the shard: position q is seed
 * seed_first + (K-1) + q*N for shard K/N, so shards partition the seeds by residue
 * and every seed belongs to exactly one shard. With jobs J > 1, worker process w
 * (fork) runs the positions q = w mod J in increasing order and streams one record
 * per run through a pipe; the parent merges them by position, so the results, the
 * failure groups and the cut-off of --max-failures (the M-th failure in seed order,
 * once every earlier position has reported) are those of jobs 1. Workers write the
 * schedule files of failing runs themselves; the parent removes the files of runs
 * past the cut-off.
 *
 * dfs runs in one process: each schedule depends on the one before (sim_dfs_next).
 */
#ifndef SIM_EXPLORE_H
#define SIM_EXPLORE_H

#include "gmpsim.h"

/* The "where" of a report: all = 0: the failing goroutine's top frame "fn (file:line)"
 * (the first goroutine of the dump: race reports before it are skipped); all = 1, for
 * dumps of every goroutine (deadlock, leak): the sorted set "{[reason] fn (file:line);
 * ...}"; all = 2, race reports: the set of access pairs "{read fn (f.c:8) / previous
 * write fn (f.c:10); ...}". 0, or -1 when the report names nothing. */
int sim_signature_where(const char *report, int all, char *buf, size_t size);

/* The schedule file name for a failing run: "<dir>/<scenario>-<strategy>-seed<N>.jsonl"
 * (':' in the strategy becomes '-'; dfs: "-run<N>"). */
void sim_explore_file_name(const char *dir, const char *scenario, const char *strategy, uint64_t seed,
                           char *buf, size_t size);

#endif
