/* grpc_1687: GoBench GoKer nonblocking/grpc/1687 (grpc-go PR 1687, "transport: fix race sending RPC
 * status that could lead to a panic", etcd issue 8904). The handler-based server transport closes its
 * writes channel in WriteStatus; a Write after it sends on the closed channel. */
#include <gmpsim.h>

enum { FN_STATUS = 1, FN_DATA = 2 }; /* the func() values sent on writes, as ids */

typedef struct {
    gmp_chan closed_ch;         /* closedCh chan struct{} */
    gmp_chan writes;            /* writes chan func(), unbuffered */
    gmp_mutex write_status_mu;  /* the fix: writeStatusMu */
    gmp_once close_once;        /* the fix: Close() closes closedCh once */
    int64_t fn;                 /* do's argument */
    int64_t fixed;              /* 1: the upstream fix */
} handler_transport;

/* (*serverHandlerTransport).do: drop the write if the transport is closed, else hand fn to runStream */
static void ht_do(void *argp) {
    handler_transport *ht = argp;
    int k = GMP_SELECT(NULL, true, GMP_RECV_CASE(ht->closed_ch, NULL)); /* case <-ht.closedCh: return; default: */
    if (k == 0) return;
    /* select { case ht.writes <- fn: case <-ht.closedCh: }: a send case on a closed channel panics */
    GMP_SELECT(NULL, false, GMP_SEND_CASE(ht->writes, &ht->fn), GMP_RECV_CASE(ht->closed_ch, NULL));
}

/* the fix's (*serverHandlerTransport).Close, through closeOnce */
static void close_closed_ch(void *argp) {
    handler_transport *ht = argp;
    gmp_close(ht->closed_ch);
}

/* (*serverHandlerTransport).WriteStatus */
static void write_status(void *argp) {
    handler_transport ht = *(handler_transport *)argp;
    if (ht.fixed) gmp_mutex_lock(ht.write_status_mu);
    ht.fn = FN_STATUS;
    GMP_CALL_NAMED(ht_do, "main.(*serverHandlerTransport).do", ht);
    gmp_close(ht.writes); /* no more writes after the status */
    if (ht.fixed) {
        gmp_once_do(ht.close_once, close_closed_ch, &ht); /* the fix: ht.Close(), so later do calls return */
        gmp_mutex_unlock(ht.write_status_mu);
    }
}

/* (*serverHandlerTransport).Write */
static void write(void *argp) {
    handler_transport ht = *(handler_transport *)argp;
    ht.fn = FN_DATA;
    GMP_CALL_NAMED(ht_do, "main.(*serverHandlerTransport).do", ht); /* buggy: writes is closed: panic */
}

/* TestGrpc1687.func1, the stream handler: st.ht.WriteStatus(); st.ht.Write() */
static void handle_stream(void *argp) {
    handler_transport *ht = argp;
    GMP_CALL_NAMED(write_status, "main.(*serverHandlerTransport).WriteStatus", *ht);
    GMP_CALL_NAMED(write, "main.(*serverHandlerTransport).Write", *ht);
}

/* (*serverHandlerTransport).runStream: runs the handler's writes until writes is closed */
static void run_stream(void *argp) {
    handler_transport *ht = argp;
    for (;;) {
        int64_t fn = 0;
        bool ok = false;
        int k = GMP_SELECT(&ok, false, GMP_RECV_CASE(ht->writes, &fn), GMP_RECV_CASE(ht->closed_ch, NULL));
        if (k == 1 || !ok) return;
        /* fn(): the write itself */
    }
}

/* (*serverHandlerTransport).HandleStreams: startStream() (go handleStream(st)), then runStream */
static void handle_streams(void *argp) {
    handler_transport *ht = argp;
    GMP_GO_NAMED(handle_stream, "main.TestGrpc1687.func1", *ht);
    GMP_CALL_NAMED(run_stream, "main.(*serverHandlerTransport).runStream", *ht);
}

static void run1687(int64_t fixed) {
    handler_transport ht = {.closed_ch = gmp_make_chan(0, 0), .writes = gmp_make_chan(sizeof(int64_t), 0),
                            .write_status_mu = gmp_mutex_new(), .close_once = gmp_once_new(), .fixed = fixed};
    /* testHandlerTransportHandleStreams: st.ht.HandleStreams(func() { go handleStream(st) }) */
    GMP_CALL_NAMED(handle_streams, "main.(*serverHandlerTransport).HandleStreams", ht);
    gmp_sleep(10000000); /* time.Sleep(10 * time.Millisecond) */
}

static void grpc_1687_main(void *argp) {
    (void)argp;
    run1687(0);
}

static void grpc_1687_fixed_main(void *argp) {
    (void)argp;
    run1687(1);
}

GMP_SCENARIO(grpc_1687,
             "grpc-go PR 1687 (GoBench GoKer nonblocking/grpc/1687, etcd issue 8904): send on a closed channel. "
             "The handler-based server transport hands each write to runStream over the unbuffered channel "
             "writes; do() first checks closedCh without blocking, then selects between sending on writes and "
             "closedCh. The stream handler (started by HandleStreams, which then runs runStream) calls "
             "WriteStatus, which sends the status through do and closes writes (runStream then returns), and "
             "then Write. closedCh is never closed, so Write's do gets past its check and its select has a send "
             "case on the closed writes channel: \"panic: send on closed channel\" in "
             "main.(*serverHandlerTransport).do called from Write, in the goroutine main.TestGrpc1687.func1 "
             "(outcome panic). In the kernel the handler's calls are sequential, so every schedule fails (upstream "
             "the Write came from a concurrent SendMsg). Reproduce: gmpsim explore grpc_1687 --runs 10. Compare "
             "grpc_1687_fixed.",
             grpc_1687_main)

GMP_SCENARIO(grpc_1687_fixed,
             "grpc_1687 with the upstream fix: WriteStatus runs under a new writeStatusMu and, after closing "
             "writes, closes the transport (ht.Close(), closing closedCh once), so closing is synchronous with "
             "the status. The later Write's do sees closedCh closed in its first select and returns "
             "(ErrConnClosing upstream) without touching writes. No schedule panics.",
             grpc_1687_fixed_main)
