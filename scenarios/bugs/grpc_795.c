/* grpc_795: GoBench GoKer blocking/grpc/795 (grpc-go PR 795).
 * GracefulStop returns with the server's mutex still locked; calling it again locks it twice. */
#include <gmpsim.h>

typedef struct {
    gmp_mutex mu;  /* Server.mu */
    gmp_var drain; /* Server.drain, guarded by mu */
    int64_t fixed; /* 1: the upstream fix */
} server;

/* (*Server).Serve */
static void serve(void *argp) {
    server *s = argp;
    gmp_mutex_lock(s->mu);
    gmp_mutex_unlock(s->mu);
}

/* (*Server).GracefulStop */
static void graceful_stop(void *argp) {
    server *s = argp;
    gmp_mutex_lock(s->mu);
    if (gmp_load(s->drain)) {
        if (s->fixed) {
            gmp_mutex_unlock(s->mu);
            return;
        }
        gmp_mutex_lock(s->mu); /* buggy: locks again and returns */
        return;
    }
    gmp_store(s->drain, 1);
    if (s->fixed) gmp_mutex_unlock(s->mu); /* buggy: no Unlock at all */
}

/* testServerGracefulStopIdempotent: te.startServer() (go s.Serve()), then GracefulStop three times */
static void run795(int64_t fixed) {
    server s = {.mu = gmp_mutex_new(), .drain = gmp_new_var("drain", 0), .fixed = fixed};
    GMP_GO_NAMED(serve, "main.(*Server).Serve", s);
    for (int i = 0; i < 3; i++) GMP_CALL(graceful_stop, s);
}

static void grpc_795_main(void *argp) {
    (void)argp;
    run795(0);
}

static void grpc_795_fixed_main(void *argp) {
    (void)argp;
    run795(1);
}

GMP_SCENARIO(grpc_795,
             "grpc-go PR 795 (GoBench GoKer blocking/grpc/795): GracefulStop is not idempotent. The test starts "
             "a server (go s.Serve(), which locks and unlocks s.mu) and calls s.GracefulStop() three times. The "
             "first call locks s.mu, sets drain and returns without unlocking; the second call's Lock blocks main "
             "forever (and had it got through, the drain path locks mu a second time). Serve, depending on "
             "whether it ran before the first GracefulStop, has finished or waits on mu too. Either way every "
             "goroutine is blocked: the runtime reports all goroutines are asleep (outcome deadlock), main in "
             "[sync.Mutex.Lock] in main.graceful_stop. Every schedule fails. Reproduce: gmpsim explore grpc_795 "
             "--runs 10. Compare grpc_795_fixed.",
             grpc_795_main)

GMP_SCENARIO(grpc_795_fixed,
             "grpc_795 with the upstream fix: GracefulStop unlocks s.mu on both paths (the first call after "
             "setting drain, later calls before returning early), so the three calls and Serve all get the mutex "
             "in turn and the test ends.",
             grpc_795_fixed_main)
