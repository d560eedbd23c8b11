/* loopvar: goroutines started in a loop, capturing the loop variable by reference
 * versus receiving it as an argument; Go 1.21 versus 1.22 loop semantics. */
#include <gmpsim.h>

typedef struct {
    int64_t iter;  /* which iteration started this goroutine */
    gmp_var i;     /* the captured variable: a heap cell, shared or per iteration */
    gmp_chan done;
} capture_args;

typedef struct {
    int64_t iter;
    int64_t i;     /* passed by value: copied at the go statement */
    gmp_chan done;
} value_args;

/* go func() { fmt.Println(i) }() */
static void by_reference(void *argp) {
    capture_args *a = argp;
    gmp_work(3000);
    int64_t seen = gmp_load(a->i);
    gmp_printf("closure from iteration %lld sees i=%lld\n", (long long)a->iter, (long long)seen);
    gmp_send(a->done, &seen);
}

/* go func(i int) { fmt.Println(i) }(i) */
static void by_value(void *argp) {
    value_args *a = argp;
    gmp_work(3000);
    gmp_printf("argument from iteration %lld is i=%lld\n", (long long)a->iter, (long long)a->i);
    gmp_send(a->done, &a->i);
}

enum { LOOPVAR_N = 4 };

static void loopvar_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 0);
    bool per_iteration = gmp_go_minor() >= 22; /* Go 1.22: each iteration has its own i */
    gmp_var shared = per_iteration ? (gmp_var){0} : gmp_new_var("i", 0);
    for (int64_t i = 0; i < LOOPVAR_N; i++) {
        gmp_var cell = shared;
        if (per_iteration) cell = gmp_new_var("i", i);
        else gmp_store(shared, i);
        capture_args c = {.iter = i, .i = cell, .done = done};
        GMP_GO(by_reference, c);
        value_args v = {.iter = i, .i = i, .done = done};
        GMP_GO(by_value, v);
        gmp_work(9000); /* the loop body: meanwhile other Ms start and steal the goroutines */
    }
    if (!per_iteration) gmp_store(shared, LOOPVAR_N); /* the final i++ that ends the loop */
    for (int k = 0; k < 2 * LOOPVAR_N; k++) {
        int64_t seen;
        gmp_recv(done, &seen);
    }
}

GMP_SCENARIO(loopvar,
             "A loop starts two goroutines per iteration: one closure that captures the loop variable i "
             "by reference, and one that receives i as an argument. With --go 1.21 every closure shares one "
             "heap variable i, so what it prints depends on when it runs relative to the loop (try several "
             "seeds and --procs 1 versus 4: VarLoad events show the value read); with --go 1.22 each "
             "iteration has its own i and the closures print 0..3 like the argument versions always do.",
             loopvar_main)
