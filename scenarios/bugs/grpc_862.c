/* grpc_862: GoBench GoKer blocking/grpc/862 (grpc-go PR 862).
 * DialContext returns a nil ClientConn without closing it, so its resetAddrConn goroutine retries forever. */
#include <gmpsim.h>

typedef struct {
    gmp_context ctx;        /* ClientConn.ctx */
    gmp_cancel_func cancel; /* ClientConn.cancel */
    gmp_var conns;          /* ClientConn.conns: the addrConn appended (its cancel field's address), 0: none,
                               -1: nil after Close (the fixed twin); not guarded in the kernel */
    gmp_mutex mu;           /* ClientConn.mu of upstream, guarding conns (the fixed twin only) */
    int64_t fixed;          /* 1: the upstream fix, DialContext closes cc */
} client_conn;

typedef struct {
    gmp_context ctx; /* addrConn.ctx */
    gmp_var cancel;  /* addrConn.cancel, a CancelFunc (0: nil) set after the addrConn is in cc.conns */
} addr_conn;

typedef struct {
    gmp_context ctx; /* DialContext's ctx argument */
    int64_t fixed;
} dial_args;

/* (*addrConn).tearDown */
static void tear_down(void *argp) {
    gmp_var *ac_cancel = argp;
    gmp_context_cancel((gmp_cancel_func){(uint64_t)gmp_load(*ac_cancel)}); /* ac.cancel(): nil panics */
}

/* (*ClientConn).Close */
static void cc_close(void *argp) {
    client_conn *cc = argp;
    gmp_context_cancel(cc->cancel);
    if (cc->fixed) gmp_mutex_lock(cc->mu);
    int64_t conns = gmp_load(cc->conns);     /* conns := cc.conns */
    gmp_store(cc->conns, cc->fixed ? -1 : 0); /* cc.conns = nil */
    if (cc->fixed) gmp_mutex_unlock(cc->mu);
    if (conns > 0) {
        gmp_var ac_cancel = {(uint64_t)conns};
        GMP_CALL(tear_down, ac_cancel);
    }
}

/* (*addrConn).resetTransport: retries with a growing sleep until ac.ctx is canceled */
static void reset_transport(void *argp) {
    addr_conn *ac = argp;
    for (int64_t retries = 1;; retries++) {
        int64_t sleep_time = 2 * retries;  /* 2 * time.Nanosecond * retries */
        int64_t timeout = 10;              /* 10 * time.Nanosecond */
        gmp_cancel_func cancel;
        (void)gmp_context_with_timeout(ac->ctx, timeout, &cancel);
        int64_t connect_time = gmp_now_ns(); /* time.Now() */
        gmp_context_cancel(cancel);
        int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(gmp_after(sleep_time - (gmp_now_ns() - connect_time)), NULL),
                           GMP_RECV_CASE(gmp_context_done(ac->ctx), NULL));
        if (k == 1) return; /* <-ac.ctx.Done() */
    }
}

/* (*ClientConn).resetAddrConn */
static void reset_addr_conn(void *argp) {
    client_conn *cc = argp;
    addr_conn ac = {.cancel = gmp_new_var("ac.cancel", 0)};
    gmp_cancel_func cancel;
    if (!cc->fixed) {
        gmp_store(cc->conns, (int64_t)ac.cancel.addr);      /* cc.conns = append(cc.conns, ac) */
        ac.ctx = gmp_context_with_cancel(cc->ctx, &cancel); /* ac.ctx, ac.cancel = context.WithCancel(cc.ctx) */
        gmp_store(ac.cancel, (int64_t)cancel.addr);
    } else {
        /* upstream's order: ac's context first, then ac goes into cc.conns under cc.mu, unless Close
         * already ran (ErrClientConnClosing) */
        ac.ctx = gmp_context_with_cancel(cc->ctx, &cancel);
        gmp_store(ac.cancel, (int64_t)cancel.addr);
        gmp_mutex_lock(cc->mu);
        if (gmp_load(cc->conns) < 0) {
            gmp_mutex_unlock(cc->mu);
            return;
        }
        gmp_store(cc->conns, (int64_t)ac.cancel.addr);
        gmp_mutex_unlock(cc->mu);
    }
    GMP_CALL(reset_transport, ac);
}

/* DialContext.func2: go func() { cc.resetAddrConn() }() */
static void dial_context_func2(void *argp) {
    client_conn cc = *(client_conn *)argp;
    GMP_CALL(reset_addr_conn, cc);
}

/* DialContext: conn is always nil on return (the error path of the real function) */
static void dial_context(void *argp) {
    dial_args *a = argp;
    client_conn cc = {.conns = gmp_new_var("cc.conns", 0), .mu = gmp_mutex_new(), .fixed = a->fixed};
    cc.ctx = gmp_context_with_cancel(gmp_context_background(), &cc.cancel);
    GMP_GO_NAMED(dial_context_func2, "main.DialContext.func2", cc);
    /* return conn: the deferred DialContext.func1 runs */
    int64_t conn = 0;
    int k = GMP_SELECT(NULL, true, GMP_RECV_CASE(gmp_context_done(a->ctx), NULL));
    if (k == 0) {
        if (conn != 0) GMP_CALL(cc_close, cc); /* conn.Close(): never, conn is nil */
        conn = 0;
    }
    if (cc.fixed) GMP_CALL(cc_close, cc); /* the fix: cc.Close() */
}

/* the helper goroutine: go cancel() */
static void cancel_func(void *argp) {
    gmp_context_cancel(*(gmp_cancel_func *)argp);
}

/* TestGrpc862 */
static void run862(int64_t fixed) {
    gmp_cancel_func cancel;
    dial_args a = {.ctx = gmp_context_with_cancel(gmp_context_background(), &cancel), .fixed = fixed};
    GMP_GO_NAMED(dial_context, "main.DialContext", a);         /* G1 */
    GMP_GO_NAMED(cancel_func, "context.WithCancel.func1", cancel); /* helper */
}

static void grpc_862_main(void *argp) {
    (void)argp;
    run862(0);
}

static void grpc_862_fixed_main(void *argp) {
    (void)argp;
    run862(1);
}

GMP_SCENARIO(grpc_862,
             "grpc-go PR 862 (GoBench GoKer blocking/grpc/862): DialContext leaks its ClientConn. The test makes a "
             "cancelable ctx, starts DialContext(ctx) and a goroutine that cancels ctx, and returns. DialContext "
             "gives the ClientConn its own context (WithCancel of Background), starts a goroutine running "
             "cc.resetAddrConn and returns a nil conn; its deferred function closes conn only when ctx is done "
             "and conn is not nil, which never holds, so cc is never closed. resetAddrConn appends an addrConn "
             "whose ctx derives from cc.ctx and calls resetTransport, which loops forever: a WithTimeout context "
             "canceled at once, then a select between time.After(2 ns * retries) and ac.ctx.Done(). Whatever the "
             "order of the three goroutines, ac.ctx is never canceled. Symptom: main returns; the resetTransport "
             "goroutine keeps retrying with longer and longer sleeps and is still waiting in [select] in "
             "main.reset_transport when the leak check runs (one virtual second after main returned; outcome "
             "leak). Every schedule fails. Reproduce: gmpsim explore grpc_862 --runs 5. Compare grpc_862_fixed.",
             grpc_862_main)

GMP_SCENARIO(grpc_862_fixed,
             "grpc_862 with the fix of PR 862: DialContext's deferred function calls cc.Close() (upstream: when "
             "DialContext returns an error, which the kernel's nil conn stands for). Close cancels cc.ctx, which "
             "cancels every addrConn context derived from it, and tears down the addrConns in cc.conns; "
             "resetTransport's select then takes ac.ctx.Done() and the goroutine ends. The twin also keeps "
             "upstream's ClientConn.mu and order in resetAddrConn (ac's context made before ac is put into "
             "cc.conns under the lock; nothing added once Close has set conns to nil): the kernel's own order "
             "(append, then WithCancel, unguarded) would let Close's tearDown call ac.cancel while still nil, a "
             "nil func call panic. No schedule leaks or panics.",
             grpc_862_fixed_main)
