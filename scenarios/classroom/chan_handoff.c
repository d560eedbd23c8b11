/* chan_handoff: on an unbuffered channel the value goes from one goroutine's stack
 * straight to the other's: sendDirect when the receiver is parked, recvDirect when the
 * sender is. The channel has no buffer and never holds the value. */
#include <gmpsim.h>

typedef struct {
    gmp_chan ch;   /* make(chan int64): main -> receiver, the receiver waiting */
    gmp_chan back; /* make(chan int64): main -> receiver, main waiting */
} handoff_args;

static void receiver(void *argp) {
    handoff_args *a = argp;
    int64_t got = 0;
    gmp_local(got);          /* `got` gets a simulated address on this goroutine's stack */
    gmp_recv(a->ch, &got);   /* nobody has sent yet: park on ch's recvq with &got in the sudog */
    gmp_printf("receiver: got %lld, copied onto my stack by main's send\n", (long long)got);
    gmp_work(20000);         /* busy: main's next send finds nobody waiting and parks */
    int64_t token = 0;
    gmp_local(token);
    gmp_recv(a->back, &token); /* main is parked in chan send: copy from main's stack */
    gmp_printf("receiver: got %lld, copied from main's stack\n", (long long)token);
}

static void chan_handoff_main(void *argp) {
    (void)argp;
    handoff_args a = {.ch = gmp_make_chan(sizeof(int64_t), 0), .back = gmp_make_chan(sizeof(int64_t), 0)};
    GMP_GO(receiver, a);
    gmp_sleep(1000000);      /* let the receiver run and park on ch */
    int64_t v = 42;
    gmp_local(v);
    gmp_send(a.ch, &v);      /* a receiver is parked: sendDirect onto its stack, then goready */
    int64_t token = 7;
    gmp_local(token);
    gmp_send(a.back, &token); /* nobody is receiving: park in "chan send" until the receiver takes it */
    gmp_printf("main: both values delivered without a buffer\n");
}

GMP_SCENARIO(chan_handoff,
             "main sends twice on unbuffered channels to one receiver. First the receiver is parked in "
             "<-ch (main sleeps to let it get there): the send finds its sudog on ch's recvq and copies 42 "
             "straight onto the receiver's stack, at the simulated address of its local `got` (ValueCopy "
             "with why sendDirect, src_kind and dst_kind both stack), then readies it into main's runnext. "
             "Second, main sends on back while the receiver is busy: nobody waits, so main parks in "
             "\"chan send\" with a pointer to its own `token`, and when the receiver arrives it copies the "
             "value out of main's stack (recvDirect) and readies main. No event ever mentions a buffer: an "
             "unbuffered channel is a rendezvous, and each send also happens before its receive completes "
             "(and the receive before the send completes), the edges the race detector uses.",
             chan_handoff_main)
