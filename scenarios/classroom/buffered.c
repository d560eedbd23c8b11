/* buffered: a channel's ring buffer (buf, sendx, recvx, qcount), a send that finds it
 * full and parks, and the receive that takes the head and refills the same slot. */
#include <gmpsim.h>

enum { BUFFERED_CAP = 3, BUFFERED_ITEMS = 7 };

typedef struct {
    gmp_chan jobs; /* make(chan int64, 3) */
    gmp_chan done;
} buffered_args;

static void producer(void *argp) {
    buffered_args *a = argp;
    for (int64_t i = 1; i <= BUFFERED_ITEMS; i++) {
        int64_t job = 100 + i;
        gmp_local(job);
        gmp_send(a->jobs, &job); /* items 1-3 fill buf[0..2]; item 4 finds it full and parks */
        gmp_printf("producer: sent job %lld\n", (long long)job);
    }
    gmp_close(a->jobs);
    gmp_send(a->done, NULL);
}

static void buffered_main(void *argp) {
    (void)argp;
    buffered_args a = {.jobs = gmp_make_chan(sizeof(int64_t), BUFFERED_CAP), .done = gmp_make_chan(0, 0)};
    GMP_GO(producer, a);
    gmp_sleep(1000000); /* the producer fills the buffer and parks on the fourth send */
    int64_t job = 0;
    gmp_local(job);
    while (gmp_recv(a.jobs, &job)) { /* for job := range jobs */
        gmp_printf("main: got job %lld\n", (long long)job);
        gmp_work(3000);
    }
    gmp_recv(a.done, NULL);
    gmp_printf("main: jobs closed and drained\n");
}

GMP_SCENARIO(buffered,
             "A producer sends 7 jobs into make(chan int64, 3) while main sleeps. The first three go into "
             "the ring buffer: ValueCopy events with dst_kind buffer at buf[0], buf[1], buf[2] (8 bytes "
             "apart, right after the 96-byte hchan), sendx wrapping to 0. The fourth send finds qcount == "
             "dataqsiz and parks in \"chan send\". When main wakes and receives, it takes buf[recvx] and, "
             "because a sender is parked, copies that sender's value into the slot it just freed (recv on "
             "a full buffer: two ValueCopy events on one address) and readies the producer. Then main "
             "ranges over the channel until the producer closes it: the buffered values still come out "
             "after close, and only the receive on a closed, empty channel returns ok=false. For the race "
             "detector, the k-th receive happens before the (k+3)-th send completes.",
             buffered_main)
