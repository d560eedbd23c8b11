/* steal: one P with many runnable goroutines and idle Ps: work stealing spreads them. */
#include <gmpsim.h>

typedef struct {
    int64_t id;
    gmp_chan done;
} steal_args;

static void steal_worker(void *argp) {
    steal_args *a = argp;
    gmp_work(20000 + 5000 * (a->id % 3)); /* 20-30 us of CPU */
    gmp_send(a->done, &a->id);
}

enum { STEAL_WORKERS = 12 };

static void steal_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), STEAL_WORKERS);
    for (int64_t i = 1; i <= STEAL_WORKERS; i++) {
        steal_args a = {.id = i, .done = done};
        GMP_GO(steal_worker, a); /* all land on P0: runnext, the old runnext to P0's tail */
    }
    for (int i = 0; i < STEAL_WORKERS; i++) {
        int64_t id;
        gmp_recv(done, &id);
    }
}

GMP_SCENARIO(steal,
             "main starts 12 CPU-bound workers in a burst. newproc puts each on main's P (runnext, the old "
             "runnext to the local tail), and wakep starts one spinning M at a time for the idle Ps. Each "
             "spinning M runs stealWork: 4 passes over the Ps in a random coprime order, taking half of a "
             "victim's queue (RunqSteal events, with n-n/2 of n). Watch P0's queue drain into P1..P3, and "
             "how the steal order (Decision steal_order) changes with the seed.",
             steal_main)
