/* runnext: producer/consumer ping-pong sharing one time slice through runnext. */
#include <gmpsim.h>

typedef struct {
    gmp_chan ping, pong;
    int64_t rounds;
} pp_args;

static void consumer(void *argp) {
    pp_args *a = argp;
    for (int64_t i = 0; i < a->rounds; i++) {
        int64_t v;
        gmp_recv(a->ping, &v);
        gmp_work(200);
        v++;
        gmp_send(a->pong, &v);
    }
}

static void runnext_main(void *argp) {
    (void)argp;
    pp_args a = {.ping = gmp_make_chan(sizeof(int64_t), 0), .pong = gmp_make_chan(sizeof(int64_t), 0),
                 .rounds = 8};
    GMP_GO(consumer, a);
    int64_t v = 0;
    for (int64_t i = 0; i < a.rounds; i++) {
        gmp_send(a.ping, &v); /* the consumer, parked on ping, goes into this P's runnext */
        gmp_recv(a.pong, &v); /* main parks; the consumer runs next, inheriting the time slice */
    }
    gmp_printf("main: %lld round trips, v=%lld\n", (long long)a.rounds, (long long)v);
}

GMP_SCENARIO(runnext,
             "main and a consumer goroutine ping-pong a value over two unbuffered channels. Each sender "
             "finds no receiver yet and parks; the receiver then copies the value straight from the parked "
             "sender's stack onto its own (ValueCopy, recvDirect) and readies the sender into its P's runnext; "
             "when the receiver blocks in turn, the other goroutine runs next with "
             "inherit_time true: schedtick does not move, the pair shares one time slice on one P, and the "
             "other Ps stay idle: a spinning M may take the runnext only on its last steal pass, and from "
             "a running P only after sleeping 3 us (runqgrab's usleep(3)) to let that P run it first; on "
             "seed 1 it does, and the pair never leaves P0.",
             runnext_main)
