/* race_counter: an unsynchronised counter, and the same counter behind a mutex. */
#include <gmpsim.h>

typedef struct {
    gmp_var counter;    /* the shared counter: a heap variable both workers capture */
    gmp_chan done;
    int64_t rounds;
} counter_args;

static void worker(void *argp) {
    counter_args *a = argp;
    for (int64_t i = 0; i < a->rounds; i++) {
        int64_t v = gmp_load(a->counter);  /* counter = f(counter): a load ... */
        gmp_work(400);                     /* ... f's work ... */
        gmp_store(a->counter, v + 1);      /* ... and a store, with no lock around them */
        gmp_work(600);
    }
    gmp_send(a->done, NULL);
}

enum { RACE_COUNTER_WORKERS = 2, RACE_COUNTER_ROUNDS = 50 };

static void race_counter_main(void *argp) {
    (void)argp;
    counter_args a = {.counter = gmp_new_var("counter", 0), .done = gmp_make_chan(0, 0),
                      .rounds = RACE_COUNTER_ROUNDS};
    for (int w = 0; w < RACE_COUNTER_WORKERS; w++) GMP_GO(worker, a);
    for (int w = 0; w < RACE_COUNTER_WORKERS; w++) gmp_recv(a.done, NULL);
    gmp_printf("counter = %lld (want %d)\n", (long long)gmp_load(a.counter),
               RACE_COUNTER_WORKERS * RACE_COUNTER_ROUNDS);
}

GMP_SCENARIO(race_counter,
             "Two workers each add 1 to a shared counter 50 times with counter = f(counter): a load, some "
             "work, and a store, with nothing to stop the other worker in between. With --procs 1 the workers usually run one "
             "after the other and the total may even come out right; with --procs 4 their loads and stores "
             "interleave (watch the VarLoad/VarStore values) and updates are lost. Run it with --race (as "
             "go run -race): either way the race detector reports the race, because it does not wait for the bad interleaving: it checks "
             "happens-before with vector clocks, and no channel, mutex or go statement orders one worker's "
             "accesses against the other's. The run ends with outcome race and a report in Go's format "
             "(WARNING: DATA RACE, both accesses, where each goroutine was created). Compare "
             "race_counter_fixed.",
             race_counter_main)

/* The fix: the same workers, with the increment inside mu.Lock() ... mu.Unlock(). */
typedef struct {
    gmp_var counter;
    gmp_mutex mu;
    gmp_chan done;
    int64_t rounds;
} fixed_args;

static void locked_worker(void *argp) {
    fixed_args *a = argp;
    for (int64_t i = 0; i < a->rounds; i++) {
        gmp_mutex_lock(a->mu);
        int64_t v = gmp_load(a->counter);
        gmp_work(400);
        gmp_store(a->counter, v + 1);
        gmp_mutex_unlock(a->mu); /* Unlock n happens before Lock n+1 */
        gmp_work(600);
    }
    gmp_send(a->done, NULL);
}

static void race_counter_fixed_main(void *argp) {
    (void)argp;
    fixed_args a = {.counter = gmp_new_var("counter", 0), .mu = gmp_mutex_new(), .done = gmp_make_chan(0, 0),
                    .rounds = RACE_COUNTER_ROUNDS};
    for (int w = 0; w < RACE_COUNTER_WORKERS; w++) GMP_GO(locked_worker, a);
    for (int w = 0; w < RACE_COUNTER_WORKERS; w++) gmp_recv(a.done, NULL); /* the send happens before this */
    int64_t total = gmp_load(a.counter);
    gmp_printf("counter = %lld (want %d)\n", (long long)total, RACE_COUNTER_WORKERS * RACE_COUNTER_ROUNDS);
    GMP_ASSERT(total == RACE_COUNTER_WORKERS * RACE_COUNTER_ROUNDS, "the mutex makes every increment count");
}

GMP_SCENARIO(race_counter_fixed,
             "race_counter with the fix: each worker increments the counter between mu.Lock() and "
             "mu.Unlock(). The mutex orders the critical sections (the race detector's edge: Unlock n "
             "happens before Lock n+1, at the mutex's address), the workers' final sends on done happen "
             "before main's receives, so main's last load is ordered after every store: no race is "
             "reported, and the total is always 100. Watch MutexLock/MutexUnlock events between the "
             "VarLoad/VarStore pairs; with --procs 4 the second worker sometimes finds the mutex held "
             "and spins (once on seed 1; in a few seeds, such as 8, it spins out and parks on the "
             "semaphore).",
             race_counter_fixed_main)
