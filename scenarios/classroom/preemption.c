/* preemption: a goroutine in a tight loop, and sysmon's 10 ms preemption. */
#include <gmpsim.h>

typedef struct {
    gmp_chan done;
} hog_args;

static void hog(void *argp) {
    hog_args *a = argp;
    gmp_work(50 * 1000 * 1000); /* for { } for 50 ms: no function call inside */
    gmp_printf("hog: done at %lld ms\n", (long long)(gmp_now_ns() / 1000000));
    int64_t one = 1;
    gmp_send(a->done, &one);
}

static void ticker(void *argp) {
    hog_args *a = argp;
    for (int i = 1; i <= 5; i++) {
        gmp_work(100000);
        gmp_printf("ticker: tick %d at %lld ms\n", i, (long long)(gmp_now_ns() / 1000000));
        gmp_gosched();
    }
    int64_t two = 2;
    gmp_send(a->done, &two);
}

static void preemption_main(void *argp) {
    (void)argp;
    hog_args a = {.done = gmp_make_chan(sizeof(int64_t), 2)};
    GMP_GO(hog, a);
    GMP_GO(ticker, a);
    for (int i = 0; i < 2; i++) {
        int64_t v;
        gmp_recv(a.done, &v);
    }
}

GMP_SCENARIO(preemption,
             "With --procs 1, a hog goroutine runs a 50 ms loop with no function call while a ticker wants "
             "to run. Since Go 1.14 sysmon sees the P on one schedtick for 10 ms and preempts the hog with a "
             "signal (Preempt async, GoStop preempted): the ticker gets the P between slices. With "
             "--go 1.13 preemption is cooperative: once the hog has the P (after ticks 1 and 2, at 0.1 "
             "and 0.2 ms) it keeps it until its loop ends, and ticks 3 to 5 all come at about 50 ms.",
             preemption_main)
