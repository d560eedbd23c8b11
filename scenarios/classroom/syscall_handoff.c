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
             "A reader goroutine makes a 500 us blocking syscall while CPU-bound workers want to run. "
             "entersyscall leaves the P in _Psyscall. sysmon's retake takes it back (ProcSteal) at its "
             "next look (20 us or more; for the first syscall on a P its very first look, since the P's "
             "syscalltick and sysmon's copy both start at 0; later, after one unchanged tick) if work is "
             "queued on it (--procs 1: two workers still wait in that P's run queue), or if no P "
             "is idle and no M spins (--procs 2 and the default 4: \"no M to spare\"). handoffp then "
             "starts an M: one to run the queued workers, or a spinning one if there is none. When the "
             "syscall returns, exitsyscall cannot get its old P back and takes an idle one or queues the G "
             "globally. Run it with --procs 1, then compare 2 and 4.",
             syscall_handoff_main)
