/* closed_send_panic: a slow worker sends after main closed the channel. */
#include <gmpsim.h>

typedef struct {
    gmp_chan results;
    int64_t id, latency_ns;
} sender_args;

static void sender(void *argp) {
    sender_args *a = argp;
    gmp_sleep(a->latency_ns);     /* a request to a backend */
    gmp_send(a->results, &a->id); /* the slow one finds the channel closed: panic */
}

static void closed_send_panic_main(void *argp) {
    (void)argp;
    sender_args a = {.results = gmp_make_chan(sizeof(int64_t), 8)};
    for (a.id = 1; a.id <= 3; a.id++) {
        a.latency_ns = a.id == 3 ? 3000000 : 100000; /* backend 3 answers after 3 ms */
        GMP_GO(sender, a);
    }
    gmp_sleep(1000000); /* a bug: "they should be done by now" instead of a WaitGroup */
    gmp_close(a.results);
    int64_t id = 0, n = 0;
    while (gmp_recv(a.results, &id)) n++;
    gmp_printf("main: %lld results\n", (long long)n);
    gmp_sleep(5000000);
}

GMP_SCENARIO(closed_send_panic,
             "main starts three senders that each wait for a backend and send their id on a buffered "
             "results channel; instead of waiting for them with a WaitGroup, main sleeps 1 ms and closes "
             "the channel. Two backends answered by then; the third answers after 3 ms, and its send finds "
             "the channel closed: \"panic: send on closed channel\" with the panicking goroutine's stack "
             "(goroutine 4 [running], main.sender, created by main.main in goroutine 1). Before the panic "
             "the race detector reports the bug as a -race binary does: main's close (a write of the "
             "channel, runtime.closechan) is not ordered after the sends that did get through (reads, "
             "runtime.chansend): main receives their values only after closing. Outcome panic.",
             closed_send_panic_main)
