/* args_copy: go f(x) copies x; the child never shares the parent's variable. */
#include <gmpsim.h>

typedef struct {
    int64_t id;
    int64_t n;
    gmp_chan done; /* a channel is a simulated address, as in Go */
} worker_args;

static void worker(void *argp) {
    worker_args *a = argp; /* this goroutine's own copy, on its own stack */
    gmp_work(2000);        /* 2 us of CPU: main has changed its a.n by now */
    gmp_printf("worker %lld: n=%lld (main's a.n is -1 by now; this copy kept %lld)\n",
               (long long)a->id, (long long)a->n, (long long)a->n);
    int64_t id = a->id;
    gmp_send(a->done, &id);
}

static void args_copy_main(void *argp) {
    (void)argp;
    worker_args a = {.done = gmp_make_chan(sizeof(int64_t), 0)};
    gmp_local(a);
    for (int64_t i = 1; i <= 3; i++) {
        a.id = i;
        a.n = 10 * i;
        GMP_GO(worker, a); /* go worker(a.id, a.n, a.done) */
        a.n = -1;          /* changes main's a only */
    }
    for (int i = 0; i < 3; i++) {
        int64_t id;
        gmp_recv(a.done, &id);
    }
    gmp_printf("main: a.n=%lld, and every worker printed the n it was given\n", (long long)a.n);
}

GMP_SCENARIO(args_copy,
             "main starts worker(id, n, done) three times from one local variable `a`, changing a.n to -1 "
             "right after each go statement. Each worker prints the n it was given: the go statement copied "
             "the arguments (onto the new goroutine's own stack with --go 1.16; into a heap closure that is "
             "moved onto the child's stack when it starts, from Go 1.17), so the parent's later change never "
             "reaches the child. Watch the ArgCopy events: one source slot in main's frame, a different "
             "destination address on each worker's stack.",
             args_copy_main)
