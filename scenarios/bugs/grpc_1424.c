/* grpc_1424: GoBench GoKer blocking/grpc/1424 (gRPC-Go PR 1424, "Fix a goroutine leak in DialContext").
 * lbWatcher returns when the balancer's channel is closed without closing the done channel that
 * DialContext's goroutine waits on. */
#include <gmpsim.h>

typedef struct {
    gmp_chan addr_ch; /* roundRobin.addrCh: make(chan bool), returned by Notify() */
    gmp_mutex ac_mu;  /* the addrConn's mu (cc.conns is empty in the kernel) */
    int64_t nconns;   /* len(cc.conns): 0 */
    int64_t fixed;    /* 1: the upstream fix */
} client_conn;

typedef struct {
    client_conn cc;
    gmp_chan done_chan; /* doneChan: make(chan bool) */
    gmp_chan wait_c;    /* waitC: make(chan error, 1) */
} dial_args;

/* (*addrConn).tearDown */
static void tear_down(void *argp) {
    client_conn *cc = argp;
    gmp_mutex_lock(cc->ac_mu);
    gmp_mutex_unlock(cc->ac_mu);
}

/* (*ClientConn).lbWatcher(doneChan): G3 */
static void lb_watcher(void *argp) {
    dial_args a = *(dial_args *)argp;
    bool addr;
    while (gmp_recv(a.cc.addr_ch, &addr)) { /* for addr := range cc.dopts.balancer.Notify() */
        for (int64_t i = 0; i < a.cc.nconns; i++) GMP_CALL_NAMED(tear_down, "main.(*addrConn).tearDown", a.cc);
    }
    if (a.cc.fixed) gmp_close(a.done_chan); /* the fix: doneChan is closed however the loop ends */
    /* buggy: the loop ended because Notify's channel was closed, and doneChan stays open */
}

/* DialContext's goroutine: G2 */
static void dial_context_func1(void *argp) {
    dial_args a = *(dial_args *)argp;
    /* ch := cc.dopts.balancer.Notify(); ch != nil */
    a.done_chan = gmp_make_chan(sizeof(bool), 0);
    GMP_GO_NAMED(lb_watcher, "main.(*ClientConn).lbWatcher", a); /* G3 */
    gmp_recv(a.done_chan, NULL); /* <-doneChan */
    gmp_close(a.wait_c);         /* defer close(waitC) */
}

/* DialContext: G1 */
static void dial_context(void *argp) {
    client_conn *fixedp = argp;
    dial_args a = {.cc = {.addr_ch = gmp_make_chan(sizeof(bool), 0), .ac_mu = gmp_mutex_new(),
                          .nconns = 0, .fixed = fixedp->fixed},
                   .wait_c = gmp_make_chan(sizeof(int64_t), 1)}; /* NewClientConn() */
    GMP_GO_NAMED(dial_context_func1, "main.DialContext.func1", a); /* G2 */
    gmp_close(a.cc.addr_ch); /* close(cc.dopts.balancer.(*roundRobin).addrCh) */
}

static void run1424(int64_t fixed) {
    client_conn c = {.fixed = fixed};
    GMP_GO_NAMED(dial_context, "main.DialContext", c); /* G1 */
    /* the test returns at once */
}

static void grpc_1424_main(void *argp) {
    (void)argp;
    run1424(0);
}

static void grpc_1424_fixed_main(void *argp) {
    (void)argp;
    run1424(1);
}

GMP_SCENARIO(grpc_1424,
             "gRPC-Go PR 1424 (GoBench GoKer blocking/grpc/1424, \"Fix a goroutine leak in DialContext\"): a done "
             "channel nobody closes. The test starts G1, DialContext, which makes a ClientConn whose round-robin "
             "balancer's Notify channel is unbuffered, starts G2 and closes that channel (in gRPC: the dial timed "
             "out before the balancer produced any address). G2 starts G3, lbWatcher(doneChan), and waits on "
             "doneChan. lbWatcher ranges over the Notify channel, tearing down connections for each update, and "
             "returns when it is closed without ever closing doneChan. Every schedule fails, whatever the order: "
             "the channel is closed with no update sent. Symptom: after main returns G2 leaks in [chan receive] "
             "in main.DialContext.func1 (outcome leak). Reproduce: gmpsim explore grpc_1424 --runs 10. "
             "Compare grpc_1424_fixed.",
             grpc_1424_main)

GMP_SCENARIO(grpc_1424_fixed,
             "grpc_1424 with the upstream fix (PR 1424): lbWatcher closes doneChan when its loop ends, so "
             "DialContext's goroutine is released even when the balancer's channel closes before any address "
             "arrives. No schedule leaks.",
             grpc_1424_fixed_main)
