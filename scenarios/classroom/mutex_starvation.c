/* mutex_starvation: sync.Mutex's starvation mode (Go 1.9+) rescues a waiter from a hog. */
#include <gmpsim.h>

enum { HOG_ROUNDS = 1500 };     /* at most 30 ms of holding: the run ends in every Go version */
#define HOG_HOLD_NS 20000       /* 20 us inside the critical section per round */

typedef struct {
    gmp_mutex mu;
    gmp_var stop;
    gmp_chan done;
} starve_args;

/* Locks, works 20 us, unlocks, and locks again at once: in normal mode it barges in
 * ahead of the waiter it just woke, which sits in this P's runnext. */
static void hog(void *argp) {
    starve_args *a = argp;
    int64_t rounds = 0;
    for (bool stop = false; !stop && rounds < HOG_ROUNDS; rounds++) {
        gmp_mutex_lock(a->mu);
        stop = gmp_load(a->stop) != 0;
        gmp_work(HOG_HOLD_NS);
        gmp_mutex_unlock(a->mu);
    }
    gmp_printf("hog: %lld rounds\n", (long long)rounds);
    gmp_send(a->done, &rounds);
}

static void waiter(void *argp) {
    starve_args *a = argp;
    gmp_work(50000); /* the hog is well under way */
    int64_t t0 = gmp_now_ns();
    gmp_mutex_lock(a->mu);
    int64_t waited = gmp_now_ns() - t0;
    gmp_store(a->stop, 1);
    gmp_mutex_unlock(a->mu);
    gmp_printf("waiter: got the mutex after %lld.%03lld ms\n", (long long)(waited / 1000000),
               (long long)(waited / 1000 % 1000));
    gmp_send(a->done, &waited);
}

static void mutex_starvation_main(void *argp) {
    (void)argp;
    starve_args a = {.mu = gmp_mutex_new(), .stop = gmp_new_var("stop", 0), .done = gmp_make_chan(sizeof(int64_t), 2)};
    GMP_GO(waiter, a);
    GMP_GO(hog, a); /* takes runnext: the hog starts first */
    int64_t v;
    gmp_recv(a.done, &v);
    gmp_recv(a.done, &v);
}

GMP_SCENARIO(mutex_starvation,
             "A hog goroutine locks a sync.Mutex, works 20 us, unlocks and locks again at once; a waiter "
             "wants the mutex too. In normal mode Unlock wakes the waiter (MutexUnlock, GoUnblock into the "
             "hog's runnext) but the hog, still running, takes the mutex again before the woken waiter runs "
             "(it may spin first, 4 procyields at most, when canSpin allows: GOMAXPROCS > 1 and another "
             "P running); the waiter loses, requeues at the head of the semaphore queue (lifo) and parks "
             "again. Once it has waited over 1 ms (starvationThresholdNs) it sets mutexStarving "
             "(MutexStarving starving=true): the next Unlock hands the mutex straight to it "
             "(Semrelease(handoff), MutexUnlock handoff=true) and yields the P to it (goyield: GoStop "
             "preempted, the hog to the local queue's tail, the waiter runs next inheriting the time "
             "slice). As the last waiter it switches the mutex back to normal mode: about 1 ms of waiting "
             "in all. Run it with --procs 2 or more: with one P the waiter waits for the P, not the mutex. "
             "sysmon preempts the hog once, at about 11 ms, but P0's schedtick is still 0, so the "
             "schedtick%61 check runs the hog again from the global queue, and the waiter (in the local "
             "queue) only runs when the hog ends at 30 ms, to find the mutex free. With --go 1.8 there is "
             "no starvation mode: the waiter gets the mutex only when the hog gives up, after 30 ms.",
             mutex_starvation_main)
