/* sim/chan.h: channel internals shared with select (the runtime's hchan, waitq, sudog). */
#ifndef SIM_CHAN_H
#define SIM_CHAN_H

#include "sched.h"

typedef struct sim_waitq {
    int32_t first, last; /* sudog indices */
} sim_waitq;

struct sim_hchan {
    uint32_t qcount;       /* total data in the queue */
    uint32_t dataqsiz;     /* size of the circular queue */
    unsigned char *buf;    /* host bytes of the ring */
    uint64_t buf_addr;     /* simulated address of buf */
    uint64_t addr;         /* simulated address of the hchan */
    uint32_t elemsize;
    uint32_t closed;
    uint32_t sendx, recvx;
    sim_waitq recvq, sendq;
    int32_t id;
};

int32_t sim_acquire_sudog(sim_sched *s);
void sim_release_sudog(sim_sched *s, int32_t i);
void sim_waitq_enqueue(sim_sched *s, sim_waitq *q, int32_t sg);
/* Models: runtime.(*waitq).dequeue (FIFO). */
int32_t sim_waitq_dequeue(sim_sched *s, sim_waitq *q);
/* The hchan at a channel's simulated address; NULL for nil; fatal for anything else. */
sim_hchan *sim_chan_lookup(sim_sched *s, gmp_chan ch);

/* A ValueCopy event (chan.c's and select.c's copies): src_g/dst_g NULL for a buffer or a
 * timer; "g" is the running goroutine, 0 on g0. */
void sim_value_copy_event(sim_sched *s, const sim_g *src_g, uint64_t src_addr, const char *src_kind,
                          const sim_g *dst_g, uint64_t dst_addr, const char *dst_kind, const void *bytes,
                          uint32_t size, const sim_hchan *c, const char *why);
/* Models: runtime.makechan, for the runtime's own channels (time.After's): no frame
 * line is changed and nothing is charged. */
gmp_chan sim_makechan(sim_sched *s, size_t elem_size_bytes, int64_t cap);
/* Models: runtime.sendTime: a timer's non-blocking send of value, on g0. */
void sim_chan_timer_send(sim_sched *s, uint64_t chan_addr, int64_t value, uint64_t timer_addr);

#endif
