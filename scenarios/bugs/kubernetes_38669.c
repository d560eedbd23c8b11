/* kubernetes_38669: GoBench GoKer blocking/kubernetes/38669 (Kubernetes PR 38669, "Fix leaking goroutines
 * in watch cache", issue 38670). The watch cache's watcher goroutine blocks sending on its result channel
 * after the consumer stopped reading and called Stop, which does not wake it. */
#include <gmpsim.h>

typedef struct {
    gmp_mutex mu;     /* cacheWatcher's embedded sync.Mutex */
    gmp_chan input;   /* cacheWatcher.input (chan watchCacheEvent) */
    gmp_chan result;  /* cacheWatcher.result (chan Event) */
    gmp_chan done;    /* the fix's cacheWatcher.done (chan struct{}), closed by stop */
    gmp_var stopped;  /* cacheWatcher.stopped, guarded by mu */
    int64_t event;    /* the event being sent */
    int64_t fixed;    /* 1: the upstream fix */
} cache_watcher;

/* (*cacheWatcher).sendWatchCacheEvent */
static void send_watch_cache_event(void *argp) {
    cache_watcher *c = argp;
    if (!c->fixed) {
        gmp_send(c->result, &c->event); /* buggy: c.result <- Event(*event), nobody reads result */
        return;
    }
    /* the fix: give up the send once the watcher is stopped */
    GMP_SELECT(NULL, false, GMP_SEND_CASE(c->result, &c->event), GMP_RECV_CASE(c->done, NULL));
}

/* (*cacheWatcher).stop */
static void watcher_stop(void *argp) {
    cache_watcher *c = argp;
    gmp_mutex_lock(c->mu);
    if (!gmp_load(c->stopped)) {
        gmp_store(c->stopped, 1);
        if (c->fixed) gmp_close(c->done);
        gmp_close(c->input);
    }
    gmp_mutex_unlock(c->mu); /* defer c.Unlock() */
}

/* (*cacheWatcher).Stop */
static void watcher_stop_entry(void *argp) {
    cache_watcher *c = argp;
    GMP_CALL(watcher_stop, *c);
}

/* (*cacheWatcher).process, with initEvents {1, 2} */
static void process(void *argp) {
    cache_watcher c = *(cache_watcher *)argp;
    static const int64_t init_events[2] = {1, 2};
    for (int i = 0; i < 2; i++) {
        c.event = init_events[i];
        GMP_CALL(send_watch_cache_event, c);
    }
    /* defer close(c.result); defer c.Stop() */
    for (;;) {
        if (!gmp_recv(c.input, NULL)) break; /* _, ok := <-c.input; if !ok { return } */
    }
    GMP_CALL(watcher_stop_entry, c);
    gmp_close(c.result);
}

/* newCacheWatcher(chanSize, initEvents) */
static cache_watcher new_cache_watcher(int64_t chan_size, int64_t fixed) {
    cache_watcher w = {.mu = gmp_mutex_new(),
                       .input = gmp_make_chan(sizeof(int64_t), chan_size),
                       .result = gmp_make_chan(sizeof(int64_t), chan_size),
                       .stopped = gmp_new_var("stopped", 0),
                       .fixed = fixed};
    if (fixed) w.done = gmp_make_chan(0, 0);
    GMP_GO_NAMED(process, "main.(*cacheWatcher).process", w);
    return w;
}

static void run38669(int64_t fixed) {
    cache_watcher w = new_cache_watcher(0, fixed); /* w := newCacheWatcher(0, initEvents) */
    GMP_CALL(watcher_stop_entry, w);               /* w.Stop() */
}

static void kubernetes_38669_main(void *argp) {
    (void)argp;
    run38669(0);
}

static void kubernetes_38669_fixed_main(void *argp) {
    (void)argp;
    run38669(1);
}

GMP_SCENARIO(kubernetes_38669,
             "Kubernetes PR 38669 (GoBench GoKer blocking/kubernetes/38669, apiserver watch cache, issue "
             "38670): a send nobody will receive. newCacheWatcher makes unbuffered input and result channels "
             "and starts the watcher's process goroutine, which first sends each initial event (two) on "
             "result through sendWatchCacheEvent, then reads input until it is closed. The test never reads "
             "result (in the apiserver: the WatchServer timed out and stopped consuming) and calls w.Stop(), "
             "which under the watcher's mutex marks it stopped and closes input. Closing input does not reach "
             "a goroutine blocked sending on result, so process stays blocked on its first event whatever the "
             "order: every schedule fails. Symptom: after the test returns process leaks in [chan send] in "
             "main.send_watch_cache_event (outcome leak). Reproduce: gmpsim explore kubernetes_38669 --runs 10. "
             "Compare kubernetes_38669_fixed.",
             kubernetes_38669_main)

GMP_SCENARIO(kubernetes_38669_fixed,
             "kubernetes_38669 with the upstream fix (PR 38669): the watcher gets a done channel that stop "
             "closes, and sendWatchCacheEvent selects between the send on result and done, so a stopped "
             "watcher's pending send is abandoned; process then sees input closed, runs its deferred Stop (a "
             "no-op) and closes result. No schedule leaks.",
             kubernetes_38669_fixed_main)
