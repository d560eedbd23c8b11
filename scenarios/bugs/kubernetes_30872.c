/* kubernetes_30872: GoBench GoKer blocking/kubernetes/30872 (Kubernetes PR 30872, federation).
 * The federated informer's lock and the DeltaFIFO's lock are taken in opposite orders. */
#include <gmpsim.h>

typedef struct {
    gmp_mutex fed;      /* federatedInformerImpl's embedded sync.Mutex */
    gmp_rwmutex fifo;   /* DeltaFIFO.lock (only Lock/Unlock are used) */
    gmp_chan stop;      /* the test's stop channel */
    gmp_chan cstop;     /* clusterInformer.stopChan, made by Start under fed */
    int64_t fixed;      /* 1: ClustersSynced asks HasSynced outside the informer's lock */
} ns_controller;

/* (*federatedInformerImpl).addCluster: the informer's AddFunc */
static void add_cluster(void *argp) {
    ns_controller *c = argp;
    gmp_mutex_lock(c->fed); /* buggy: waits while holding fifo.lock (called from Pop) */
    gmp_mutex_unlock(c->fed);
}

/* (*DeltaFIFO).Pop(process): process = h.OnAdd -> addCluster, under fifo.lock */
static void fifo_pop(void *argp) {
    ns_controller *c = argp;
    gmp_rwmutex_lock(c->fifo);
    GMP_CALL(add_cluster, *c);
    gmp_rwmutex_unlock(c->fifo);
}

/* (*Controller).Run(stopCh) -> wait.Until -> JitterUntil(processLoop, stopCh) */
static void controller_run(void *argp) {
    ns_controller c = *(ns_controller *)argp;
    for (;;) {
        if (GMP_SELECT(NULL, true, GMP_RECV_CASE(c.cstop, NULL)) == 0) return; /* case <-stopCh: */
        GMP_CALL(fifo_pop, c); /* processLoop: c.config.Queue.Pop(...) */
    }
}

/* (*DeltaFIFO).HasSynced */
static void fifo_has_synced(void *argp) {
    ns_controller *c = argp;
    gmp_rwmutex_lock(c->fifo); /* buggy: waits while holding fed */
    gmp_rwmutex_unlock(c->fifo);
}

/* (*federatedInformerImpl).ClustersSynced */
static void clusters_synced(void *argp) {
    ns_controller *c = argp;
    gmp_mutex_lock(c->fed);
    if (c->fixed) gmp_mutex_unlock(c->fed); /* the fix: read the informer, then let go of fed */
    GMP_CALL(fifo_has_synced, *c);          /* f.clusterInformer.controller.HasSynced() */
    if (!c->fixed) gmp_mutex_unlock(c->fed);
}

/* the DelayingDeliverer's handler goroutine: nc.reconcileNamespace() -> isSynced() -> ClustersSynced() */
static void deliverer_func1(void *argp) {
    ns_controller c = *(ns_controller *)argp;
    GMP_CALL(clusters_synced, c);
}

/* (*federatedInformerImpl).Stop */
static void informer_stop(void *argp) {
    ns_controller *c = argp;
    gmp_mutex_lock(c->fed);
    gmp_close(c->cstop);
    gmp_mutex_unlock(c->fed);
}

/* go func() { <-stopChan; nc.namespaceFederatedInformer.Stop() }() */
static void run_func1(void *argp) {
    ns_controller c = *(ns_controller *)argp;
    gmp_recv(c.stop, NULL);
    GMP_CALL(informer_stop, c);
}

/* (*NamespaceController).Run(stopChan) */
static void nc_run(void *argp) {
    ns_controller *c = argp;
    /* namespaceFederatedInformer.Start(): under fed, make stopChan and go controller.Run(stopChan) */
    gmp_mutex_lock(c->fed);
    c->cstop = gmp_make_chan(0, 0);
    GMP_GO_NAMED(controller_run, "main.(*Controller).Run", *c);
    gmp_mutex_unlock(c->fed);
    GMP_GO_NAMED(run_func1, "main.(*NamespaceController).Run.func1", *c);
    GMP_GO_NAMED(deliverer_func1, "main.(*DelayingDeliverer).StartWithHandler.func1", *c);
}

static void run30872(int64_t fixed) {
    ns_controller c = {.fed = gmp_mutex_new(), .fifo = gmp_rwmutex_new(), .stop = gmp_make_chan(0, 0),
                       .fixed = fixed};
    GMP_CALL(nc_run, c);
    gmp_close(c.stop);
}

static void kubernetes_30872_main(void *argp) {
    (void)argp;
    run30872(0);
}

static void kubernetes_30872_fixed_main(void *argp) {
    (void)argp;
    run30872(1);
}

GMP_SCENARIO(kubernetes_30872,
             "Kubernetes PR 30872 (GoBench GoKer blocking/kubernetes/30872, federated namespace controller): an "
             "AB-BA deadlock between the federated informer's mutex and its DeltaFIFO's lock. Run starts the "
             "informer (under the informer's lock: go controller.Run, which loops Pop; Pop holds fifo.lock "
             "while the AddFunc handler calls addCluster, which takes the informer's lock), a goroutine that "
             "calls Stop when the test closes stop (Stop takes the informer's lock), and the deliverer's "
             "goroutine, which calls ClustersSynced: informer's lock, then HasSynced takes fifo.lock. The "
             "interleaving: the controller is inside Pop holding fifo.lock when the deliverer takes the "
             "informer's lock; each waits for the other's, and Stop waits behind them, so stopChan is never "
             "closed. Symptom: after the test returns three goroutines leak in [sync.Mutex.Lock] and "
             "[sync.RWMutex.Lock] (outcome leak). Reproduce: gmpsim explore kubernetes_30872 --runs 200. Compare "
             "kubernetes_30872_fixed.",
             kubernetes_30872_main)

GMP_SCENARIO(kubernetes_30872_fixed,
             "kubernetes_30872 with the lock cycle broken: ClustersSynced reads the cluster informer under the "
             "federated informer's lock and releases it before asking HasSynced, so no goroutine waits for "
             "fifo.lock while holding the informer's lock. The controller loop ends when Stop closes stopChan; "
             "no schedule leaks.",
             kubernetes_30872_fixed_main)
