/* moby_28462: GoBench GoKer blocking/moby/28462 (Docker/Moby PR 28462, issue 28405, health checks).
 * StateChanged sends on the monitor's stop channel while it holds the container lock that the
 * monitor's next probe result is waiting for. */
#include <gmpsim.h>

typedef struct {
    gmp_mutex mu;   /* Container.mu */
    gmp_chan stop;  /* Container.State.Health.stop (unbuffered) */
    int64_t fixed;  /* 1: the upstream fix */
} container;

/* handleProbeResult: records a probe result under the container lock */
static void handle_probe_result(void *argp) {
    container *c = argp;
    gmp_mutex_lock(c->mu);
    if (c->fixed) {
        /* the fix: the probe may have been cancelled while waiting on the lock; ignore it then */
        GMP_SELECT(NULL, true, GMP_RECV_CASE(c->stop, NULL));
    }
    gmp_mutex_unlock(c->mu); /* defer c.mu.Unlock() */
}

/* monitor: probes until stop is signalled */
static void monitor(void *argp) {
    container c = *(container *)argp;
    for (;;) {
        /* select { case <-stop: return; default: handleProbeResult(c) } */
        if (GMP_SELECT(NULL, true, GMP_RECV_CASE(c.stop, NULL)) == 0) return;
        GMP_CALL(handle_probe_result, c);
    }
}

/* (*Health).CloseMonitorChannel */
static void close_monitor_channel(void *argp) {
    container *c = argp;
    if (c->fixed) gmp_close(c->stop); /* the fix: close, which never blocks */
    else gmp_send(c->stop, NULL);     /* buggy: s.stop <- struct{}{} waits for the monitor */
}

/* (*Daemon).updateHealthMonitorElseBranch */
static void update_health_monitor_else_branch(void *argp) {
    container *c = argp;
    GMP_CALL(close_monitor_channel, *c);
}

/* (*Daemon).StateChanged */
static void state_changed(void *argp) {
    container c = *(container *)argp;
    gmp_mutex_lock(c.mu);
    GMP_CALL(update_health_monitor_else_branch, c);
    gmp_mutex_unlock(c.mu); /* defer d.containers.ctr.mu.Unlock() */
}

static void run28462(int64_t fixed) {
    container c = {.mu = gmp_mutex_new(), .stop = gmp_make_chan(0, 0), .fixed = fixed};
    GMP_GO_NAMED(monitor, "main.monitor", c);                   /* G1 */
    GMP_GO_NAMED(state_changed, "main.(*Daemon).StateChanged", c); /* G2 */
    /* the test returns at once */
}

static void moby_28462_main(void *argp) {
    (void)argp;
    run28462(0);
}

static void moby_28462_fixed_main(void *argp) {
    (void)argp;
    run28462(1);
}

GMP_SCENARIO(moby_28462,
             "Moby PR 28462 (GoBench GoKer blocking/moby/28462, issue 28405, container health checks): a lock and "
             "a channel mixed. The test starts G1, the health monitor, which loops on select { case <-stop: return; "
             "default: handleProbeResult(c) } where handleProbeResult locks and unlocks the container's mutex, and "
             "G2, Daemon.StateChanged, which locks the container's mutex and, still holding it, stops the monitor "
             "with an unbuffered send on stop (updateHealthMonitorElseBranch -> CloseMonitorChannel). The "
             "interleaving: G1 finds stop not ready and takes the default branch; G2 locks the mutex and blocks "
             "sending on stop; G1 enters handleProbeResult and blocks on the mutex G2 holds, so it never gets back "
             "to the select that would receive. This needs G1 and G2 on two Ps at once: when G2 runs first on "
             "P0 (it takes runnext), G1's first select finds the sender waiting and the test passes. Symptom: "
             "after main returns both leak, G1 in [sync.Mutex.Lock] in main.handle_probe_result and G2 in [chan "
             "send] in main.close_monitor_channel (outcome leak); about one schedule in nine (220 of 2000 under "
             "random). Reproduce: gmpsim explore moby_28462 --runs 100. Compare moby_28462_fixed.",
             moby_28462_main)

GMP_SCENARIO(moby_28462_fixed,
             "moby_28462 with the upstream fix (PR 28462, \"Fix deadlock on cancelling healthcheck\"): "
             "CloseMonitorChannel closes stop instead of sending on it, so StateChanged never blocks while holding "
             "the container lock, and handleProbeResult, once it has the lock, checks whether stop was closed "
             "while it waited and then ignores the result. The monitor sees the closed channel at its next select "
             "and returns. No schedule leaks.",
             moby_28462_fixed_main)
