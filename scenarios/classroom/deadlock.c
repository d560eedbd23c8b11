/* deadlock: every goroutine blocked, no timer pending: the runtime's checkdead. */
#include <gmpsim.h>

typedef struct {
    gmp_chan results; /* the workers send here ... */
    gmp_chan quit;    /* ... after main closes this, which it never does */
    int64_t id;
} deadlock_args;

static void worker(void *argp) {
    deadlock_args *a = argp;
    int64_t r = a->id * 10;
    gmp_send(a->results, &r);
    gmp_recv(a->quit, NULL); /* waits for a close that never comes */
}

static void deadlock_main(void *argp) {
    (void)argp;
    deadlock_args a = {.results = gmp_make_chan(sizeof(int64_t), 0), .quit = gmp_make_chan(0, 0)};
    for (a.id = 1; a.id <= 2; a.id++) GMP_GO(worker, a);
    int64_t sum = 0;
    for (int i = 0; i < 3; i++) { /* a bug: three receives for two workers */
        int64_t r = 0;
        gmp_recv(a.results, &r);
        sum += r;
    }
    gmp_printf("sum %lld\n", (long long)sum);
}

GMP_SCENARIO(deadlock,
             "main starts two workers that each send one result and then wait on a quit channel, but main "
             "receives three results. After the two sends, main waits in <-results, both workers wait in "
             "<-quit, and no timer is pending: when the last M finds nothing to run, checkdead declares "
             "\"fatal error: all goroutines are asleep - deadlock!\" and prints every goroutine as the "
             "runtime does: goroutine 1 [chan receive] in main.main, each worker [chan receive] with "
             "\"created by main.main in goroutine 1\" and the file:line of its go statement. Outcome "
             "deadlock (a Go program exits with status 2).",
             deadlock_main)
