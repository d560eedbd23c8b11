/* sim/api.h: what the scenario API's modules share. */
#ifndef SIM_API_H
#define SIM_API_H

#include "sched.h"

/* Every gmp_* entry point starts here: checks that a goroutine of a running
 * simulation is calling, and records file:line as its frame's current line. */
sim_sched *sim_api_enter(const char *file, int line);

/* A goroutine the runtime starts on g0 (time.goFunc for AfterFunc): no parent frame. */
void sim_newproc_system(sim_sched *s, gmp_func fn, const char *goname, const void *args, uint32_t size,
                        uint64_t args_addr, const char *created_by);

#endif
