/* cockroach_24808: GoBench GoKer blocking/cockroach/24808 (CockroachDB PR 24808, "compactor: don't block
 * during suggestion in Start()"). Start signals the compactor's one-slot channel with a blocking send,
 * but a suggestion may already have filled it, and the goroutine that drains it is started only after. */
#include <gmpsim.h>

typedef struct {
    gmp_waitgroup stop; /* Stopper.stop */
    gmp_chan stopper;   /* Stopper.stopper (chan struct{}), closed by Stop */
} stopper_t;

typedef struct {
    gmp_chan ch; /* Compactor.ch (chan struct{}, capacity 1) */
} compactor_t;

typedef struct {
    stopper_t s;
    compactor_t c;
    gmp_context ctx;
    int64_t fixed; /* 1: the upstream fix */
} start_args;

/* (*Stopper).ShouldStop */
static gmp_chan should_stop(const stopper_t *s) { return s->stopper; }

/* the worker Start passes to RunWorker: func(ctx) { for { select { <-ShouldStop(): return; <-c.ch } } } */
static void start_func1(void *argp) {
    start_args *a = argp;
    for (;;) {
        int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(should_stop(&a->s), NULL), GMP_RECV_CASE(a->c.ch, NULL));
        if (k == 0) return;
    }
}

/* RunWorker's goroutine: go func() { defer s.stop.Done(); f(ctx) }() */
static void run_worker_func1(void *argp) {
    start_args a = *(start_args *)argp;
    GMP_CALL(start_func1, a);
    gmp_waitgroup_done(a.s.stop);
}

/* (*Stopper).RunWorker */
static void run_worker(void *argp) {
    start_args *a = argp;
    gmp_waitgroup_add(a->s.stop, 1);
    GMP_GO_NAMED(run_worker_func1, "main.(*Stopper).RunWorker.func1", *a);
}

/* (*Compactor).Start */
static void compactor_start(void *argp) {
    start_args *a = argp;
    if (!a->fixed) {
        gmp_send(a->c.ch, NULL); /* buggy: c.ch <- struct{}{} blocks when a suggestion filled the slot */
    } else {
        /* the fix: signal without blocking; a signal already pending is as good */
        GMP_SELECT(NULL, true, GMP_SEND_CASE(a->c.ch, NULL));
    }
    GMP_CALL(run_worker, *a);
}

/* NewStopper */
static stopper_t new_stopper(void) {
    return (stopper_t){.stop = gmp_waitgroup_new(), .stopper = gmp_make_chan(0, 0)};
}

/* NewCompactor */
static compactor_t new_compactor(void) { return (compactor_t){.ch = gmp_make_chan(0, 1)}; }

static void run24808(int64_t fixed) {
    start_args a = {.fixed = fixed};
    a.s = new_stopper();      /* stopper := NewStopper(); defer stopper.Stop() */
    a.c = new_compactor();
    gmp_send(a.c.ch, NULL);   /* compactor.ch <- struct{}{}: a suggestion arrives before Start */
    a.ctx = gmp_context_background();
    GMP_CALL(compactor_start, a); /* compactor.Start(context.Background(), stopper) */
    gmp_close(a.s.stopper);   /* the deferred stopper.Stop(): close(s.stopper) */
}

static void cockroach_24808_main(void *argp) {
    (void)argp;
    run24808(0);
}

static void cockroach_24808_fixed_main(void *argp) {
    (void)argp;
    run24808(1);
}

GMP_SCENARIO(cockroach_24808,
             "CockroachDB PR 24808 (GoBench GoKer blocking/cockroach/24808, storage compactor): a blocking "
             "send on a full channel. The compactor's ch has room for one signal. The test makes a Stopper "
             "(defer stopper.Stop()) and a Compactor, sends one suggestion signal on compactor.ch, then calls "
             "compactor.Start, which signals ch again with a plain send before it starts (through "
             "stopper.RunWorker) the goroutine that drains ch. The slot is full and nobody can drain it: the "
             "test goroutine blocks forever in Start, and the deferred Stop never runs. No interleaving is "
             "needed: every schedule fails. Symptom: main is the only goroutine and it is blocked, so the "
             "runtime reports all goroutines are asleep (outcome deadlock), main in [chan send] in "
             "main.compactor_start. Reproduce: gmpsim explore cockroach_24808 --runs 10. Compare "
             "cockroach_24808_fixed.",
             cockroach_24808_main)

GMP_SCENARIO(cockroach_24808_fixed,
             "cockroach_24808 with the upstream fix (PR 24808): Start's signal is a non-blocking send (a select "
             "with a default case), since a signal already waiting in ch will wake the worker anyway. Start "
             "returns, the worker drains ch, the deferred Stop closes the stopper channel and the worker "
             "returns. No schedule blocks or leaks.",
             cockroach_24808_fixed_main)
