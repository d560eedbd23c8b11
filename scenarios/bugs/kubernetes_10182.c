/* kubernetes_10182: GoBench GoKer blocking/kubernetes/10182 (Kubernetes PR 10182, "Fix kubelet deadlock").
 * The kubelet status manager's sync loop locks podStatusesLock after taking a status off the channel,
 * while a SetPodStatus holds that lock and waits for the loop to take its status. */
#include <gmpsim.h>

typedef struct {
    gmp_rwmutex pod_statuses_lock; /* statusManager.podStatusesLock (sync.RWMutex) */
    gmp_chan pod_status_channel;   /* statusManager.podStatusChannel (unbuffered) */
    int64_t fixed;                 /* 1: the upstream fix */
} status_manager;

/* (*statusManager).DeletePodStatus */
static void delete_pod_status(void *argp) {
    status_manager *s = argp;
    gmp_rwmutex_lock(s->pod_statuses_lock);
    gmp_rwmutex_unlock(s->pod_statuses_lock); /* defer s.podStatusesLock.Unlock() */
}

/* go s.DeletePodStatus() (the fix) */
static void delete_pod_status_go(void *argp) {
    status_manager s = *(status_manager *)argp;
    GMP_CALL_NAMED(delete_pod_status, "main.(*statusManager).DeletePodStatus", s);
}

/* (*statusManager).syncBatch */
static void sync_batch(void *argp) {
    status_manager *s = argp;
    gmp_recv(s->pod_status_channel, NULL); /* <-s.podStatusChannel */
    if (s->fixed) {
        /* the fix: delete asynchronously, so the loop never waits for the lock a sender holds */
        GMP_GO_NAMED(delete_pod_status_go, "main.(*statusManager).syncBatch.func1", *s);
        return;
    }
    GMP_CALL_NAMED(delete_pod_status, "main.(*statusManager).DeletePodStatus", *s);
}

/* (*statusManager).Start's goroutine G1 */
static void start_func1(void *argp) {
    status_manager s = *(status_manager *)argp;
    for (int i = 0; i < 2; i++) GMP_CALL_NAMED(sync_batch, "main.(*statusManager).syncBatch", s);
}

/* (*statusManager).Start */
static void start(void *argp) {
    status_manager s = *(status_manager *)argp;
    GMP_GO_NAMED(start_func1, "main.(*statusManager).Start.func1", s);
}

/* (*statusManager).SetPodStatus */
static void set_pod_status(void *argp) {
    status_manager s = *(status_manager *)argp;
    gmp_rwmutex_lock(s.pod_statuses_lock);
    int64_t v = 1;
    gmp_send(s.pod_status_channel, &v);      /* s.podStatusChannel <- true, lock held */
    gmp_rwmutex_unlock(s.pod_statuses_lock); /* defer s.podStatusesLock.Unlock() */
}

static void run10182(int64_t fixed) {
    status_manager s = {.pod_statuses_lock = gmp_rwmutex_new(),
                        .pod_status_channel = gmp_make_chan(sizeof(int64_t), 0),
                        .fixed = fixed};
    GMP_GO_NAMED(start, "main.(*statusManager).Start", s);
    GMP_GO_NAMED(set_pod_status, "main.(*statusManager).SetPodStatus", s); /* G2 */
    GMP_GO_NAMED(set_pod_status, "main.(*statusManager).SetPodStatus", s); /* G3 */
    /* the test returns at once */
}

static void kubernetes_10182_main(void *argp) {
    (void)argp;
    run10182(0);
}

static void kubernetes_10182_fixed_main(void *argp) {
    (void)argp;
    run10182(1);
}

GMP_SCENARIO(kubernetes_10182,
             "Kubernetes PR 10182 (GoBench GoKer blocking/kubernetes/10182, \"Fix kubelet deadlock\", the status "
             "manager): a lock held across a channel send whose receiver then needs the lock. The test starts "
             "Start, whose goroutine G1 runs syncBatch twice (receive a status from podStatusChannel, then "
             "DeletePodStatus, which locks and unlocks podStatusesLock), and two SetPodStatus goroutines G2 and "
             "G3, each of which locks podStatusesLock and, still holding it, sends on the unbuffered "
             "podStatusChannel. The interleaving: G1 receives G2's status; G2 unlocks and returns; G3 takes the "
             "lock before G1's DeletePodStatus and blocks sending, since G1 will receive again only after it gets "
             "the lock. When G1 locks first instead, it deletes, receives G3's status and all finish. Symptom: "
             "after main returns G1 leaks in [sync.Mutex.Lock] (RWMutex.Lock, behind G3's write lock) in "
             "main.(*statusManager).DeletePodStatus and G3 in [chan send] "
             "in main.(*statusManager).SetPodStatus (outcome leak). Reproduce: gmpsim explore kubernetes_10182 --strategy pct:3 "
             "--runs 100. Compare kubernetes_10182_fixed.",
             kubernetes_10182_main)

GMP_SCENARIO(kubernetes_10182_fixed,
             "kubernetes_10182 with the upstream fix (PR 10182, commit 64ad3e17): syncBatch runs "
             "DeletePodStatus in a new goroutine (go s.DeletePodStatus(...)), with a comment that doing it "
             "synchronously deadlocks when a pod worker holding the lock waits for the loop to drain the "
             "channel. G1 goes straight back to receive G3's status; the deleters take the lock once the senders "
             "release it. No schedule leaks.",
             kubernetes_10182_fixed_main)
