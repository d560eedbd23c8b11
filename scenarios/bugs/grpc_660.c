/* grpc_660: GoBench GoKer blocking/grpc/660 (grpc-go PR 660, benchmark worker; fix ceacfbcb "Add
 * selecting on stop chan to avoid goroutine leak"). The closed-loop client returns on stop without
 * draining the done channel its last RPC goroutine is about to send on. */
#include <gmpsim.h>

typedef struct {
    gmp_chan stop; /* benchmarkClient.stop (chan bool, unbuffered) */
    gmp_chan done; /* the loop's done channel (chan bool, unbuffered) */
    int64_t fixed; /* 1: the upstream fix */
} benchmark_client;


/* the RPC goroutine G2: go func() { ... done <- ok }() (the unary call failing when rand.Intn(10) > 7) */
static void do_close_loop_unary_func1(void *argp) {
    benchmark_client bc = *(benchmark_client *)argp;
    int64_t ok = gmp_rand_intn(10) > 7 ? 0 : 1;
    if (!bc.fixed) {
        gmp_send(bc.done, &ok); /* buggy: blocks forever once the loop has returned on stop */
        return;
    }
    /* the fix: the send also gives up when the client stops */
    GMP_SELECT(NULL, false, GMP_RECV_CASE(bc.stop, NULL), GMP_SEND_CASE(bc.done, &ok));
}

/* (*benchmarkClient).doCloseLoopUnary (G1) */
static void do_close_loop_unary(void *argp) {
    benchmark_client bc = *(benchmark_client *)argp;
    if (bc.fixed) bc.done = gmp_make_chan(sizeof(int64_t), 0); /* the fix makes done once, before the loop */
    for (;;) {
        if (!bc.fixed) bc.done = gmp_make_chan(sizeof(int64_t), 0); /* done := make(chan bool) */
        GMP_GO_NAMED(do_close_loop_unary_func1, "main.(*benchmarkClient).doCloseLoopUnary.func1", bc);
        int64_t v;
        int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(bc.stop, NULL), GMP_RECV_CASE(bc.done, &v));
        if (k == 0) return;
    }
}

/* the helper goroutine: go func() { bc.stop <- true }() */
static void test_func1(void *argp) {
    benchmark_client bc = *(benchmark_client *)argp;
    if (!bc.fixed) {
        int64_t t = 1;
        gmp_send(bc.stop, &t);
        return;
    }
    /* with the fix the client is stopped as upstream's shutdown stops it: close(bc.stop). A single send
     * reaches only one of the loop and its last RPC goroutine, both of which now wait on stop: the loop
     * takes it and the RPC goroutine stays in its select (every schedule, measured). */
    gmp_close(bc.stop);
}

static void run660(int64_t fixed) {
    benchmark_client bc = {.stop = gmp_make_chan(sizeof(int64_t), 0), .fixed = fixed};
    GMP_GO_NAMED(do_close_loop_unary, "main.(*benchmarkClient).doCloseLoopUnary", bc);
    GMP_GO_NAMED(test_func1, "main.TestGrpc660.func1", bc);
}

static void grpc_660_main(void *argp) {
    (void)argp;
    run660(0);
}

static void grpc_660_fixed_main(void *argp) {
    (void)argp;
    run660(1);
}

GMP_SCENARIO(grpc_660,
             "grpc-go PR 660 (GoBench GoKer blocking/grpc/660, benchmark worker): a goroutine left sending on "
             "a channel nobody reads. The test starts G1, the closed-loop client doCloseLoopUnary, and a "
             "helper that sends one value on bc.stop. Each turn of G1's loop makes an unbuffered done channel, "
             "starts an RPC goroutine G2 that sends its result on done (false when rand.Intn(10) > 7, else "
             "true; the draw is a recorded rand decision), and selects on bc.stop and done. When G1 "
             "takes bc.stop it returns at once, and the G2 it started in that turn is left blocked on "
             "done <-. The loop only ever ends that way, so every schedule fails (GoBench: flaky 100/100). "
             "Symptom: after the test returns G2 leaks in [chan send] in "
             "main.(*benchmarkClient).doCloseLoopUnary.func1 (outcome leak). Reproduce: gmpsim explore "
             "grpc_660 --runs 10. Compare grpc_660_fixed.",
             grpc_660_main)

GMP_SCENARIO(grpc_660_fixed,
             "grpc_660 with the upstream fix (grpc-go ceacfbcb, \"Add selecting on stop chan to avoid goroutine "
             "leak\"): done is made once before the loop and the RPC goroutine's send is a select on bc.stop "
             "and done <-, so it gives up when the client stops. The client is stopped as upstream's shutdown "
             "does, by closing bc.stop: the kernel's helper sends one value, which frees only one of the two "
             "goroutines now waiting on stop (kept as it is, the loop takes it and the RPC goroutine leaks in "
             "its select in every schedule). With the close, no schedule leaks.",
             grpc_660_fixed_main)
