/* syscall_handoff: a blocking syscall and what happens to the P. */
#include <gmpsim.h>

typedef struct {
    int64_t id;
    gmp_chan done;
} sc_args;

static void cpu_worker(void *argp) {
    sc_args *a = argp;
    gmp_work(200000); /* 200 us of CPU */
    gmp_send(a->done, &a->id);
}

static void reader(void *argp) {
    sc_args *a = argp;
    gmp_syscall(500000); /* a 500 us read(2) on a file: the M blocks with it */
    gmp_printf("reader: syscall returned at %lld ns\n", (long long)gmp_now_ns());
    gmp_send(a->done, &a->id);
}

static void syscall_handoff_main(void *argp) {
    (void)argp;
    gmp_chan done = gmp_make_chan(sizeof(int64_t), 4);
    sc_args r = {.id = 0, .done = done};
    GMP_GO(reader, r);
    for (int64_t i = 1; i <= 3; i++) {
        sc_args w = {.id = i, .done = done};
        GMP_GO(cpu_worker, w);
    }
    for (int i = 0; i < 4; i++) {
        int64_t id;
        gmp_recv(done, &id);
    }
}

GMP_SCENARIO(syscall_handoff,
             "A reader goroutine makes a 500 us blocking syscall while three CPU-bound workers wait in the "
             "same P's run queue. entersyscall leaves the P in _Psyscall; sysmon notices it after one "
             "unchanged tick (20 us or more) with work queued and retakes it (ProcSteal), and handoffp "
             "starts an M to run the workers. When the syscall returns, exitsyscall cannot get its old P "
             "back and takes an idle one or queues the G globally. Compare --procs 1 and 2.",
             syscall_handoff_main)
