/* tests/plugin/hello.c: a user scenario built outside the tree, as
 * docs/writing-scenarios.md tells users to, against the installed library:
 *
 *   cc -shared -fPIC hello.c $(pkg-config --cflags --libs gmpsim) -o hello.so
 *   gmpsim run ./hello.so -o hello.jsonl
 *
 * tests/test_plugin.c builds and runs it that way and looks for what it prints. */
#include <gmpsim.h>

typedef struct {
    int64_t id;
    gmp_chan done; /* a channel is a simulated address, as in Go */
} hello_args;

static void hello_worker(void *argp) {
    hello_args *a = argp; /* this goroutine's own copy, on its own stack */
    gmp_work(2000);
    gmp_printf("hello from worker %lld\n", (long long)a->id);
    gmp_send(a->done, &a->id);
}

static void hello_main(void *argp) {
    (void)argp;
    gmp_printf("hello from a plugin, go 1.%d, %d procs\n", gmp_go_minor(), gmp_procs());
    hello_args a = {.done = gmp_make_chan(sizeof(int64_t), 0)};
    for (a.id = 1; a.id <= 3; a.id++) GMP_GO(hello_worker, a); /* go hello_worker(a.id, a.done) */
    int64_t sum = 0;
    for (int i = 0; i < 3; i++) {
        int64_t id = 0;
        gmp_recv(a.done, &id);
        sum += id;
    }
    GMP_ASSERT(sum == 6, "every worker reported once");
    gmp_printf("hello: all 3 workers done\n");
}

GMP_SCENARIO(hello, "main starts three workers and waits for each (a plugin built against the installed library).",
             hello_main)
