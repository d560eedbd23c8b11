/* gosched: Gosched sends a G to the global queue; the schedtick%61 check picks it up. */
#include <gmpsim.h>

typedef struct {
    gmp_chan done;
} yielder_args;

typedef struct {
    int64_t id;
    gmp_chan done;
} busy_args;

static void yielder(void *argp) {
    yielder_args *a = argp;
    for (int64_t round = 1; round <= 3; round++) {
        int64_t before = gmp_now_ns();
        gmp_gosched(); /* to the tail of the global queue, not the local one */
        gmp_printf("yielder: back after Gosched #%lld, %lld ns later\n", (long long)round,
                   (long long)(gmp_now_ns() - before));
    }
    int64_t one = 1;
    gmp_send(a->done, &one);
}

static void busy(void *argp) {
    busy_args *a = argp;
    gmp_work(1000);
    gmp_send(a->done, &a->id);
}

enum { GOSCHED_BUSY = 150 };

static void gosched_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), GOSCHED_BUSY + 1);
    yielder_args y = {.done = done};
    GMP_GO(yielder, y);
    for (int64_t i = 1; i <= GOSCHED_BUSY; i++) {
        busy_args b = {.id = i, .done = done};
        GMP_GO(busy, b);
    }
    for (int i = 0; i < GOSCHED_BUSY + 1; i++) {
        int64_t v;
        gmp_recv(done, &v);
    }
}

GMP_SCENARIO(gosched,
             "A yielder calls runtime.Gosched three times while 150 short busy goroutines fill the local run "
             "queue. Gosched puts the yielder on the global queue, which findRunnable only looks at first "
             "when the P's schedtick is a multiple of 61 (or when the local queue is empty): run with "
             "--procs 1 and find the RunqGet events with queue \"global\" and why \"schedtick%61\". The "
             "yielder waits for about 60 busy goroutines the first two times; the third time the local "
             "queue runs dry first and the global queue is reached in turn.",
             gosched_main)
