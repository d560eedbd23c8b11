/* kubernetes_11298: GoBench GoKer blocking/kubernetes/11298 (Kubernetes PR 11298, the mesos master
 * election notifier). The service loop's Signal can come before the waiter waits, and nothing signals again. */
#include <gmpsim.h>

typedef struct {
    gmp_mutex lock;   /* notifier.lock */
    gmp_cond cond;    /* notifier.cond = sync.NewCond(&n.lock) (the buggy code) */
    gmp_chan changed; /* notifier.changed (the fix replaces cond with it) */
    int64_t fixed;    /* 1: the upstream fix */
} notifier;

/* The func After runs: scenario code passes no function pointers to goroutines (host addresses),
 * so After's closure names what it calls. */
enum { AFTER_NOTIFY = 1, AFTER_NOTIFY_FUNC1 = 2, AFTER_COND_WAIT = 3 };
/* The func Until runs. */
enum { UNTIL_NOTIFY_FUNC1_1 = 1, UNTIL_NOTIFY_FUNC2 = 2 };

typedef struct {
    int64_t f;      /* AFTER_* */
    gmp_chan ch;    /* After's channel, closed when f returns */
    gmp_chan abort; /* Notify's abort */
    notifier n;
} after_args;

typedef struct {
    int64_t f;         /* UNTIL_* */
    int64_t period;    /* ns */
    gmp_chan stop;     /* stopCh */
    notifier n;
    gmp_chan finished; /* for serviceLoop */
} until_args;

typedef struct {
    gmp_chan abort;
    int64_t fixed;
} notify_args;

static void notify(void *argp);
static void notify_func1(void *argp);

/* After.func1: runs f, then closes ch (defer close(ch)) */
static void after_func1(void *argp) {
    after_args *a = argp;
    if (a->f == AFTER_NOTIFY) {
        notify_args na = {.abort = a->abort, .fixed = a->n.fixed};
        GMP_CALL(notify, na); /* TestKubernetes11298.func1: Notify(done) */
    } else if (a->f == AFTER_NOTIFY_FUNC1) {
        GMP_CALL(notify_func1, *a);
    } else {
        gmp_cond_wait(a->n.cond); /* n.cond.Wait, called without holding n.lock */
    }
    gmp_close(a->ch);
}

/* After */
static gmp_chan after(after_args a) {
    a.ch = gmp_make_chan(0, 0);
    GMP_GO_NAMED(after_func1, "main.After.func1", a);
    return a.ch;
}

/* (*notifier).serviceLoop */
static void service_loop(void *argp) {
    until_args *u = argp;
    notifier *n = &u->n;
    gmp_chan abort = u->finished;
    if (n->fixed) {
        /* the fix: no lock held across the loop; wait for a change or for abort */
        for (;;) {
            int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(abort, NULL), GMP_RECV_CASE(n->changed, NULL));
            if (k == 0) return;
            gmp_mutex_lock(n->lock); /* newDesired := n.desired, under the lock */
            gmp_mutex_unlock(n->lock);
        }
    }
    gmp_mutex_lock(n->lock);
    for (;;) {
        if (GMP_SELECT(NULL, true, GMP_RECV_CASE(abort, NULL)) == 0) break;
        gmp_chan ch = after((after_args){.f = AFTER_COND_WAIT, .n = *n}); /* ch := After(n.cond.Wait) */
        int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(abort, NULL), GMP_RECV_CASE(ch, NULL));
        if (k == 0) {
            gmp_cond_signal(n->cond); /* lost if the waiter has not called Wait yet */
            gmp_recv(ch, NULL);       /* then this waits for good */
            break;
        }
    }
    gmp_mutex_unlock(n->lock); /* defer n.lock.Unlock() */
}

/* Notify.func1.1: the election watcher, signalling the service loop until abort */
static void notify_func1_1(void *argp) {
    until_args *u = argp;
    notifier *n = &u->n;
    for (;;) {
        if (GMP_SELECT(NULL, true, GMP_RECV_CASE(u->stop, NULL)) == 0) return;
        gmp_mutex_lock(n->lock);
        if (!n->fixed) {
            gmp_cond_signal(n->cond);
            gmp_mutex_unlock(n->lock); /* defer n.lock.Unlock() */
        } else {
            gmp_mutex_unlock(n->lock);  /* n.desired updated under the lock */
            gmp_send(n->changed, NULL); /* the fix: notify serviceLoop through the channel */
        }
    }
}

/* Notify.func2: func() { n.serviceLoop(finished) } */
static void notify_func2(void *argp) {
    until_args *u = argp;
    GMP_CALL(service_loop, *u);
}

/* Until: runs f until stopCh is closed, period apart */
static void until(void *argp) {
    until_args *u = argp;
    for (;;) {
        if (GMP_SELECT(NULL, true, GMP_RECV_CASE(u->stop, NULL)) == 0) return;
        if (u->f == UNTIL_NOTIFY_FUNC1_1) GMP_CALL(notify_func1_1, *u);
        else GMP_CALL(notify_func2, *u);
        gmp_chan t = gmp_after(u->period); /* time.After(period) */
        (void)GMP_SELECT(NULL, false, GMP_RECV_CASE(u->stop, NULL), GMP_RECV_CASE(t, NULL));
    }
}

/* Notify.func1: Until(Notify.func1.1, 0, abort) */
static void notify_func1(void *argp) {
    after_args *a = argp;
    until_args u = {.f = UNTIL_NOTIFY_FUNC1_1, .period = 0, .stop = a->abort, .n = a->n};
    GMP_CALL(until, u);
}

/* Notify */
static void notify(void *argp) {
    notify_args *a = argp;
    notifier n = {.lock = gmp_mutex_new(), .fixed = a->fixed};
    if (!n.fixed) n.cond = gmp_cond_new(n.lock);
    else n.changed = gmp_make_chan(0, 0);
    gmp_chan finished = after((after_args){.f = AFTER_NOTIFY_FUNC1, .abort = a->abort, .n = n});
    until_args u = {.f = UNTIL_NOTIFY_FUNC2, .period = 0, .stop = a->abort, .n = n, .finished = finished};
    GMP_CALL(until, u);
}

/* TestKubernetes11298.func2 */
static void test_func2(void *argp) {
    gmp_chan done = *(gmp_chan *)argp;
    gmp_sleep(300); /* time.Sleep(300 * time.Nanosecond) */
    gmp_close(done); /* defer close(done) */
}

/* TestKubernetes11298 */
static void run11298(int64_t fixed) {
    gmp_chan done = gmp_make_chan(0, 0);
    gmp_chan notify_done = after((after_args){.f = AFTER_NOTIFY, .abort = done, .n = {.fixed = fixed}});
    GMP_GO_NAMED(test_func2, "main.TestKubernetes11298.func2", done);
    gmp_recv(notify_done, NULL);
}

static void kubernetes_11298_main(void *argp) {
    (void)argp;
    run11298(0);
}

static void kubernetes_11298_fixed_main(void *argp) {
    (void)argp;
    run11298(1);
}

GMP_SCENARIO(kubernetes_11298,
             "Kubernetes PR 11298 (GoBench GoKer blocking/kubernetes/11298, the mesos master election notifier): "
             "a lost condition variable signal. The test runs Notify(done) in an After goroutine and closes done "
             "after sleeping 300 ns. Notify starts, through After (go f(); close(ch)), a watcher that loops "
             "Lock/Signal/Unlock on n.cond until done is closed (its After channel, finished, closes then), and "
             "runs Until(serviceLoop(finished)). serviceLoop locks n.lock and loops: unless finished is closed, "
             "it starts ch := After(n.cond.Wait) (a goroutine that calls Wait on the lock serviceLoop holds, which "
             "releases it) and selects on finished and ch; on finished it Signals and waits <-ch. The "
             "interleaving: serviceLoop checks finished (still open) and starts a new waiter; the watcher sees "
             "done closed, stops signalling and returns, so finished closes, before that waiter reaches Wait; "
             "serviceLoop's select takes finished, its Signal finds no waiter, and it waits on ch; the waiter "
             "then Waits for a Signal that never comes. In the failing schedules found the watcher starts only "
             "after the 300 ns sleep has ended and never signals at all; schedules where the waiter is already "
             "in Wait when serviceLoop Signals pass. Symptom: all goroutines are asleep (outcome deadlock): main in [chan receive] (notifyDone), "
             "serviceLoop in [chan receive] in main.service_loop, the waiter in [sync.Cond.Wait] in "
             "main.After.func1. Reproduce: gmpsim explore kubernetes_11298 --runs 20. Compare "
             "kubernetes_11298_fixed.",
             kubernetes_11298_main)

GMP_SCENARIO(kubernetes_11298_fixed,
             "kubernetes_11298 with the upstream fix (PR 11298): the condition variable is replaced by an "
             "unbuffered channel n.changed. The watcher updates its state under n.lock, unlocks, and sends on "
             "n.changed; serviceLoop holds no lock while it waits and selects on finished and n.changed, taking "
             "n.lock only to read the state. No waiter goroutine, no signal to lose: the watcher's pending send "
             "is always received (finished cannot close before the watcher returns), and the test ends.",
             kubernetes_11298_fixed_main)
