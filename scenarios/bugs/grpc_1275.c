/* grpc_1275: GoBench GoKer blocking/grpc/1275 (gRPC-Go PR 1275, "transport: fix error handling on
 * Stream deletion"). CloseStream deletes a stream without telling the goroutine blocked reading it. */
#include <gmpsim.h>

typedef struct {
    gmp_chan recv_c; /* the stream's recvBuffer.c: make(chan bool) */
    int64_t fixed;   /* 1: the upstream fix */
} stream;

typedef struct {
    stream s;
    gmp_chan donec; /* donec: make(chan bool) */
} read_args;

/* (*recvBufferReader).Read: select { case <-r.recv.get(): } */
static void recv_buffer_reader_read(void *argp) {
    stream *s = argp;
    gmp_recv(s->recv_c, NULL); /* buggy: nothing is ever delivered */
}

/* io.ReadFull(s.trReader, p) */
static void io_read_full(void *argp) {
    stream *s = argp;
    GMP_CALL_NAMED(recv_buffer_reader_read, "main.(*recvBufferReader).Read", *s);
}

/* (*Stream).Read */
static void stream_read(void *argp) {
    stream *s = argp;
    GMP_CALL_NAMED(io_read_full, "io.ReadFull", *s);
}

/* the reader goroutine: G2 */
static void test_inflight_stream_closing_func1(void *argp) {
    read_args a = *(read_args *)argp;
    GMP_CALL_NAMED(stream_read, "main.(*Stream).Read", a.s);
    gmp_close(a.donec); /* defer close(donec) */
}

/* (*http2Client).CloseStream */
static void close_stream(void *argp) {
    stream *s = argp;
    if (s->fixed) {
        bool msg = true; /* the fix: deliver the stream's error to its reader before deleting it */
        gmp_send(s->recv_c, &msg);
    }
    /* buggy: the stream is dropped and its reader is not told */
}

/* testInflightStreamClosing: G1 */
static void test_inflight_stream_closing(void *argp) {
    stream *fixedp = argp;
    read_args a = {.s = {.recv_c = gmp_make_chan(sizeof(bool), 0), .fixed = fixedp->fixed}, /* NewStream() */
                   .donec = gmp_make_chan(sizeof(bool), 0)};
    GMP_GO_NAMED(test_inflight_stream_closing_func1, "main.testInflightStreamClosing.func1", a); /* G2 */
    GMP_CALL_NAMED(close_stream, "main.(*http2Client).CloseStream", a.s);
    gmp_chan tc;
    gmp_timer timeout = gmp_new_timer(300, &tc); /* time.NewTimer(300 * time.Nanosecond) */
    if (GMP_SELECT(NULL, false, GMP_RECV_CASE(a.donec, NULL), GMP_RECV_CASE(tc, NULL)) == 0) {
        if (!gmp_timer_stop(timeout)) gmp_recv(tc, NULL);
    }
}

static void run1275(int64_t fixed) {
    stream s = {.fixed = fixed};
    GMP_CALL_NAMED(test_inflight_stream_closing, "main.testInflightStreamClosing", s);
}

static void grpc_1275_main(void *argp) {
    (void)argp;
    run1275(0);
}

static void grpc_1275_fixed_main(void *argp) {
    (void)argp;
    run1275(1);
}

GMP_SCENARIO(grpc_1275,
             "gRPC-Go PR 1275 (GoBench GoKer blocking/grpc/1275, \"transport: fix error handling on Stream "
             "deletion\"; in gRPC an in-flight RecvMsg hung after ClientConn.Close): a reader nobody wakes. The "
             "test (testInflightStreamClosing) makes a stream, starts G2, which reads it (Stream.Read -> "
             "io.ReadFull -> recvBufferReader.Read, a receive on the stream's unbuffered recvBuffer channel) and "
             "then closes donec, calls CloseStream, which deletes the stream without delivering anything, and "
             "waits on donec or a 300 ns timer. Nothing is ever sent to the reader, so every schedule fails: the "
             "timer fires, main returns, and G2 stays blocked. Symptom: after main returns G2 leaks in [chan "
             "receive] in main.(*recvBufferReader).Read (outcome leak). Reproduce: gmpsim explore grpc_1275 "
             "--runs 10. Compare grpc_1275_fixed.",
             grpc_1275_main)

GMP_SCENARIO(grpc_1275_fixed,
             "grpc_1275 with the upstream fix (PR 1275): CloseStream first writes the stream's error to its "
             "receive buffer (here a send on the buffer's channel), then deletes it, so the blocked Read returns "
             "and the reader closes donec, whether main is still waiting or its timer has already fired. No "
             "schedule leaks.",
             grpc_1275_fixed_main)
