/* moby_7559: GoBench GoKer blocking/moby/7559 (Moby PR 7559, "Fix deadlock on failed dial in UDP
 * userland proxy"). The UDP proxy's loop continues after a failed dial without releasing connTrackLock
 * and locks it again on the next iteration. */
#include <gmpsim.h>

typedef struct {
    gmp_mutex conn_track_lock; /* UDPProxy.connTrackLock */
    int64_t fixed;             /* 1: the upstream fix */
} udp_proxy;

/* net.DialUDP("udp", nil, nil): a nil remote address is refused at once ("missing address") */
static int64_t dial_udp(void) {
    gmp_work(200);
    return 1; /* an error */
}

/* (*UDPProxy).Run */
static void udp_proxy_run(void *argp) {
    udp_proxy p = *(udp_proxy *)argp;
    for (int i = 0; i < 2; i++) {
        gmp_mutex_lock(p.conn_track_lock);
        int64_t err = dial_udp();
        if (err) {
            if (p.fixed) gmp_mutex_unlock(p.conn_track_lock); /* the fix: unlock before continue */
            continue; /* buggy: the lock stays held */
        }
        if (p.fixed) {
            /* upstream releases the lock in the loop body once the connection is tracked */
            gmp_mutex_unlock(p.conn_track_lock);
            if (i == 0) break;
            continue;
        }
        if (i == 0) break;
    }
    if (!p.fixed) gmp_mutex_unlock(p.conn_track_lock); /* proxy.connTrackLock.Unlock() */
}

static void run7559(int64_t fixed) {
    udp_proxy p = {.conn_track_lock = gmp_mutex_new(), .fixed = fixed};
    GMP_GO_NAMED(udp_proxy_run, "main.(*UDPProxy).Run", p); /* G1 */
    /* the test returns at once */
}

static void moby_7559_main(void *argp) {
    (void)argp;
    run7559(0);
}

static void moby_7559_fixed_main(void *argp) {
    (void)argp;
    run7559(1);
}

GMP_SCENARIO(moby_7559,
             "Moby PR 7559 (GoBench GoKer blocking/moby/7559, \"Fix deadlock on failed dial in UDP userland "
             "proxy\"): a missing Unlock on an error path. The test starts G1, UDPProxy.Run, which loops twice: "
             "lock connTrackLock, dial the backend with net.DialUDP, and on an error continue to the next "
             "iteration, leaving the lock held. The kernel's dial has no remote address, so it fails every time: "
             "the second iteration locks connTrackLock again and, sync.Mutex not being reentrant, G1 waits for "
             "itself. Deterministic: every schedule fails. Symptom: G1 leaks in [sync.Mutex.Lock] in "
             "main.(*UDPProxy).Run after main returns (outcome leak). Reproduce: gmpsim explore moby_7559 --runs 10. "
             "Compare moby_7559_fixed.",
             moby_7559_main)

GMP_SCENARIO(moby_7559_fixed,
             "moby_7559 with the upstream fix (PR 7559): the failed-dial path unlocks connTrackLock before "
             "continue, and, as in upstream's Run, the success path unlocks it in the loop body, so every Lock is "
             "paired with one Unlock. Both dials fail, Run releases the lock each time and returns. No schedule "
             "leaks.",
             moby_7559_fixed_main)
