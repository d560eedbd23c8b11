/* sim/frame.h: Go-like call stacks, simulated addresses and goroutine dumps.
 *
 * Every G has frames (frames[0] is its entry function) with a name, the current
 * file:line and argument words, and named local slots at simulated addresses on
 * its simulated stack. Simulated addresses are Go-like (0xc000...) and depend only
 * on the order of events, never on the host. */
#ifndef SIM_FRAME_H
#define SIM_FRAME_H

#include "sched.h"

/* "scenarios/classroom/args_copy.c" -> "args_copy.c": __FILE__ is build-dependent. */
const char *sim_basename(const char *path);
uint64_t sim_stack_hi_addr(const sim_g *g);
uint64_t sim_heap_alloc(sim_sched *s, uint64_t size_bytes);

/* Pushes a frame on g; args (host bytes, may be NULL) give its argument words;
 * args_addr its simulated argument area. Returns -1 when too deep. */
int sim_frame_push(sim_sched *s, sim_g *g, const char *name, const void *args, uint32_t size_bytes,
                   uint64_t args_addr, const char *file, int line);
void sim_frame_pop(sim_sched *s, sim_g *g);
void sim_frames_clear(sim_sched *s, sim_g *g);
void sim_frame_set_line(sim_g *g, const char *file, int line);
/* The simulated address of local `name` in g's top frame, allocated on first use. */
uint64_t sim_slot_addr(sim_sched *s, sim_g *g, const char *name, uint32_t size_bytes);

/* Appends g's traceback in the runtime's format ("goroutine 7 [chan receive]:" ...)
 * to out. */
void sim_traceback(sim_sched *s, const sim_g *g, FILE *out);
/* Every live goroutine, main first, as the runtime's fatal-error dump. */
void sim_dump_all(sim_sched *s, FILE *out);

#endif
