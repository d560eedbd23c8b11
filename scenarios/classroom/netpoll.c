/* netpoll: goroutines waiting on network I/O do not hold an M. */
#include <gmpsim.h>

typedef struct {
    int64_t id;
    gmp_chan done;
} conn_args;

static void handle_conn(void *argp) {
    conn_args *a = argp;
    gmp_io_wait(100000 * a->id); /* conn.Read: data arrives after id*100 us */
    gmp_work(5000);
    gmp_printf("conn %lld: read done at %lld us\n", (long long)a->id, (long long)(gmp_now_ns() / 1000));
    gmp_send(a->done, &a->id);
}

enum { NETPOLL_CONNS = 6 };

static void netpoll_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), NETPOLL_CONNS);
    for (int64_t i = 1; i <= NETPOLL_CONNS; i++) {
        conn_args a = {.id = i, .done = done};
        GMP_GO(handle_conn, a);
    }
    for (int i = 0; i < NETPOLL_CONNS; i++) {
        int64_t id;
        gmp_recv(done, &id);
    }
}

GMP_SCENARIO(netpoll,
             "Six connection handlers block reading from the network. Each parks in \"IO wait\" without "
             "holding an M (compare syscall_handoff, where the M blocks). With nothing to run, one M "
             "blocks in netpoll until the next I/O is ready (MPoll), then readies the handler into its P; "
             "the thread count stays small however many connections wait.",
             netpoll_main)
