/* etcd_6873: GoBench GoKer blocking/etcd/6873 (etcd commit 7618fdd, gRPC proxy watch broadcasts).
 * watchBroadcasts.stop waits for the coalesce loop to finish while holding the lock that the
 * loop's coalesce needs. */
#include <gmpsim.h>

typedef struct {
    gmp_mutex mu;     /* watchBroadcasts.mu */
    gmp_chan updatec; /* watchBroadcasts.updatec: make(chan *watchBroadcast, 1) */
    gmp_chan donec;   /* watchBroadcasts.donec: make(chan struct{}) */
    int64_t fixed;    /* 1: the upstream fix */
} watch_broadcasts;

/* (*watchBroadcasts).coalesce */
static void coalesce(void *argp) {
    watch_broadcasts *w = argp;
    gmp_mutex_lock(w->mu); /* buggy: stop holds it while it waits for this loop */
    gmp_mutex_unlock(w->mu);
}

/* newWatchBroadcasts' coalesce loop: G2 */
static void new_watch_broadcasts_func1(void *argp) {
    watch_broadcasts w = *(watch_broadcasts *)argp;
    int64_t wb;
    while (gmp_recv(w.updatec, &wb)) /* for wb := range wbs.updatec */
        GMP_CALL_NAMED(coalesce, "main.(*watchBroadcasts).coalesce", w);
    gmp_close(w.donec); /* defer close(wbs.donec) */
}

/* newWatchBroadcasts */
static void new_watch_broadcasts(void *argp) {
    watch_broadcasts *w = argp;
    w->mu = gmp_mutex_new();
    w->updatec = gmp_make_chan(sizeof(int64_t), 1);
    w->donec = gmp_make_chan(0, 0);
    GMP_GO_NAMED(new_watch_broadcasts_func1, "main.newWatchBroadcasts.func1", *w);
}

/* (*watchBroadcasts).update: a non-blocking send */
static void update(void *argp) {
    watch_broadcasts *w = argp;
    int64_t wb = 1; /* &watchBroadcast{} */
    GMP_SELECT(NULL, true, GMP_SEND_CASE(w->updatec, &wb));
}

/* (*watchBroadcasts).stop: G3 */
static void stop(void *argp) {
    watch_broadcasts w = *(watch_broadcasts *)argp;
    gmp_mutex_lock(w.mu);
    gmp_close(w.updatec);
    if (w.fixed) {
        gmp_mutex_unlock(w.mu); /* the fix: let go of the lock before waiting for the loop */
        gmp_recv(w.donec, NULL);
    } else {
        gmp_recv(w.donec, NULL); /* buggy: waits with mu held */
        gmp_mutex_unlock(w.mu);  /* defer wbs.mu.Unlock() */
    }
}

static void run6873(int64_t fixed) {
    watch_broadcasts w = {.fixed = fixed};
    GMP_CALL_NAMED(new_watch_broadcasts, "main.newWatchBroadcasts", w); /* starts G2 */
    GMP_CALL_NAMED(update, "main.(*watchBroadcasts).update", w);
    GMP_GO_NAMED(stop, "main.(*watchBroadcasts).stop", w); /* G3 */
    /* the test returns at once */
}

static void etcd_6873_main(void *argp) {
    (void)argp;
    run6873(0);
}

static void etcd_6873_fixed_main(void *argp) {
    (void)argp;
    run6873(1);
}

GMP_SCENARIO(etcd_6873,
             "etcd commit 7618fdd (GoBench GoKer blocking/etcd/6873, the gRPC proxy's watch broadcasts; it made "
             "TestV3WatchSyncCancel hang): a lock held across a channel wait. newWatchBroadcasts starts G2, the "
             "coalesce loop, which ranges over updatec (buffered, 1) and for each update calls coalesce, which "
             "locks and unlocks mu, then closes donec. The test posts one update with a non-blocking send, starts "
             "G3, stop, and returns. stop locks mu, closes updatec and, still holding mu, waits on donec. The "
             "interleaving: G3 takes mu before G2 has coalesced the buffered update (closing the channel does not "
             "drop it); G2 receives it and blocks on mu in coalesce, so it never closes donec, and G3 waits on "
             "donec for ever. The test passes only if G2 finishes coalesce before G3 locks mu. Symptom: after main "
             "returns both leak, G2 in [sync.Mutex.Lock] in main.(*watchBroadcasts).coalesce and G3 in [chan receive] in "
             "main.(*watchBroadcasts).stop; 942 of 1000 random schedules fail (GoBench reports 9 in 100 under Go) "
             "(outcome leak). Reproduce: gmpsim explore etcd_6873 --until-fail. Compare etcd_6873_fixed.",
             etcd_6873_main)

GMP_SCENARIO(etcd_6873_fixed,
             "etcd_6873 with the upstream fix (commit 7618fdd, \"grpcproxy: fix deadlock on watch broadcasts "
             "stop\"): stop closes updatec under mu, unlocks, and only then waits on donec, so the coalesce loop "
             "can take mu for the last update, drain the closed channel and close donec. No schedule leaks.",
             etcd_6873_fixed_main)
