/* spinning: wakep's one-spinning-M rule and how spinning Ms find work. */
#include <gmpsim.h>

typedef struct {
    int64_t id;
    gmp_chan done;
} spin_args;

static void short_task(void *argp) {
    spin_args *a = argp;
    gmp_work(3000);
    gmp_send(a->done, &a->id);
}

static void spinning_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 64);
    for (int64_t burst = 0; burst < 3; burst++) {
        for (int64_t i = 0; i < 8; i++) {
            spin_args a = {.id = burst * 8 + i, .done = done};
            GMP_GO(short_task, a);
        }
        for (int i = 0; i < 8; i++) {
            int64_t id;
            gmp_recv(done, &id);
        }
        gmp_sleep(200000); /* idle between bursts: the Ms stop and park */
    }
}

GMP_SCENARIO(spinning,
             "main starts bursts of 8 short tasks. Each go statement calls wakep, which starts a spinning "
             "M only when none spins and a P is idle (MStart spinning). A spinning M that finds work stops "
             "spinning and wakes the next one (resetspinning), so Ms come up one after another rather than "
             "all at once; between bursts they find nothing, drop spinning and park (MStop). Watch the "
             "MStart/MSpin/MStop events (the run lasts about 0.64 ms, so --schedtrace 1 prints only its "
             "SCHED 0ms line; gmpsim dump FILE --at T shows the queues at any time).",
             spinning_main)
