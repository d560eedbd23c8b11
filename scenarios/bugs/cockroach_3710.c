/* cockroach_3710: GoBench GoKer blocking/cockroach/3710 (CockroachDB PR 3710).
 * A read lock taken twice down one call chain, with a writer arriving in between. */
#include <gmpsim.h>

enum { STORE_REPLICAS = 2 };

typedef struct {
    gmp_rwmutex mu;   /* Store.mu (sync.RWMutex) */
    gmp_mutex bq;     /* raftLogQueue's baseQueue (embedded sync.Mutex) */
    int64_t replica;  /* the replica being queued */
    int64_t fixed;    /* 1: the upstream fix */
} store;

/* (*Store).RaftStatus: RLock; defer RUnlock */
static void raft_status(void *argp) {
    store *s = argp;
    gmp_rwmutex_rlock(s->mu); /* buggy: the second RLock; a pending Lock blocks it */
    gmp_rwmutex_runlock(s->mu);
}

/* getTruncatableIndexes(r) -> r.store.RaftStatus() */
static void get_truncatable_indexes(void *argp) { GMP_CALL(raft_status, *(store *)argp); }

/* (*raftLogQueue).shouldQueue */
static void should_queue(void *argp) { GMP_CALL(get_truncatable_indexes, *(store *)argp); }

/* (*baseQueue).MaybeAdd: bq.Lock(); defer bq.Unlock(); bq.impl.shouldQueue(repl) */
static void maybe_add(void *argp) {
    store *s = argp;
    gmp_mutex_lock(s->bq);
    GMP_CALL(should_queue, *s);
    gmp_mutex_unlock(s->bq);
}

/* (*Store).ForceRaftLogScanAndProcess: G1 */
static void force_raft_log_scan_and_process(void *argp) {
    store s = *(store *)argp;
    gmp_rwmutex_rlock(s.mu);
    if (!s.fixed) {
        for (s.replica = 1; s.replica <= STORE_REPLICAS; s.replica++) GMP_CALL(maybe_add, s); /* under RLock */
        gmp_rwmutex_runlock(s.mu);
    } else {
        /* the fix: copy the replicas under the read lock, queue them after releasing it */
        gmp_rwmutex_runlock(s.mu);
        for (s.replica = 1; s.replica <= STORE_REPLICAS; s.replica++) GMP_CALL(maybe_add, s);
    }
}

/* the goroutine processRaft starts: lock, copy the replicas, unlock */
static void process_raft_func1(void *argp) {
    store *s = argp;
    for (;;) {
        gmp_rwmutex_lock(s->mu);
        gmp_work(100 * STORE_REPLICAS); /* replicas = append(replicas, r) for each */
        gmp_rwmutex_unlock(s->mu);
        break;
    }
}

/* (*Store).processRaft: G2, which only starts the worker */
static void process_raft(void *argp) {
    store s = *(store *)argp;
    GMP_GO_NAMED(process_raft_func1, "main.(*Store).processRaft.func1", s);
}

static void run3710(int64_t fixed) {
    store s = {.mu = gmp_rwmutex_new(), .bq = gmp_mutex_new(), .fixed = fixed};
    GMP_GO_NAMED(force_raft_log_scan_and_process, "main.(*Store).ForceRaftLogScanAndProcess", s); /* G1 */
    GMP_GO_NAMED(process_raft, "main.(*Store).processRaft", s);                                      /* G2 */
}

static void cockroach_3710_main(void *argp) {
    (void)argp;
    run3710(0);
}

static void cockroach_3710_fixed_main(void *argp) {
    (void)argp;
    run3710(1);
}

GMP_SCENARIO(cockroach_3710,
             "CockroachDB PR 3710 (GoBench GoKer blocking/cockroach/3710): a recursive read lock. "
             "ForceRaftLogScanAndProcess (G1) holds s.mu.RLock() while it calls MaybeAdd for each replica; "
             "MaybeAdd takes the queue's mutex and, through shouldQueue and getTruncatableIndexes, calls "
             "RaftStatus, which takes s.mu.RLock() again. processRaft (G2) starts a goroutine that takes "
             "s.mu.Lock(). sync.RWMutex prefers writers: when the Lock arrives between G1's two RLocks, it waits "
             "for G1's first read lock and G1's second RLock waits behind the pending writer. Symptom: after main "
             "returns, G1 leaks in [sync.RWMutex.RLock] in main.raft_status (holding the queue's mutex) and the "
             "writer in [sync.RWMutex.Lock] (outcome leak); schedules where the writer comes before the first "
             "RLock or after the last RUnlock pass. Reproduce: gmpsim explore cockroach_3710 --runs 1000. Compare "
             "cockroach_3710_fixed.",
             cockroach_3710_main)

GMP_SCENARIO(cockroach_3710_fixed,
             "cockroach_3710 with the fix: ForceRaftLogScanAndProcess copies the replicas under s.mu.RLock(), "
             "releases it and only then calls MaybeAdd, so RaftStatus's RLock is never nested in another read "
             "lock and a pending writer can always finish. No schedule leaks.",
             cockroach_3710_fixed_main)
