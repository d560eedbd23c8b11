/* moby_29733: GoBench GoKer blocking/moby/29733 (Docker/Moby PR 29733, pkg/plugins).
 * waitActive waits on a condition variable that nothing ever signals once the plugin is not active. */
#include <gmpsim.h>

typedef struct {
    gmp_var activated;      /* Plugin.activated (the buggy code); guarded by activateWait.L in waitActive only */
    gmp_var manifest;       /* the fix: Plugin.Manifest != nil is what activated() means */
    gmp_var handlers_run;   /* the fix: Plugin.handlersRun, what Handle resets instead of activated */
    gmp_mutex activate_l;   /* the &sync.Mutex{} of activateWait */
    gmp_cond activate_wait; /* Plugin.activateWait */
    gmp_mutex storage;      /* storage (plugins): its embedded sync.Mutex; storage.plugins holds this one plugin */
    gmp_rwmutex handlers;   /* handlers (extpointHandlers): its embedded sync.RWMutex */
    int64_t fixed;          /* 1: the upstream fix */
} plugin;

/* (*Plugin).activated() of the fix */
static int64_t plugin_activated(const plugin *p) { return gmp_load(p->manifest) != 0; }

/* (*Plugin).waitActive */
static void wait_active(void *argp) {
    plugin *p = argp;
    gmp_mutex_lock(p->activate_l);
    if (!p->fixed) {
        while (!gmp_load(p->activated)) gmp_cond_wait(p->activate_wait); /* nobody ever Signals */
    } else {
        while (!plugin_activated(p)) gmp_cond_wait(p->activate_wait);
    }
    gmp_mutex_unlock(p->activate_l);
}

/* Handle */
static void handle(void *argp) {
    plugin *p = argp;
    gmp_rwmutex_lock(p->handlers);
    if (!p->fixed) {
        gmp_store(p->activated, 0); /* for each plugin: p.activated = false, so that handlers run again */
    } else {
        gmp_mutex_lock(p->storage);
        gmp_mutex_lock(p->activate_l);
        if (plugin_activated(p)) gmp_store(p->handlers_run, 0); /* ... && p.implements(iface) */
        gmp_mutex_unlock(p->activate_l);
        gmp_mutex_unlock(p->storage);
    }
    gmp_rwmutex_unlock(p->handlers);
}

typedef struct {
    plugin p;
    gmp_chan done;
} test_active_args;

/* testActive.func1 */
static void test_active_func1(void *argp) {
    test_active_args *a = argp;
    GMP_CALL(wait_active, a->p);
    gmp_close(a->done);
}

/* testActive */
static void test_active(void *argp) {
    test_active_args a = {.p = *(plugin *)argp, .done = gmp_make_chan(0, 0)};
    GMP_GO_NAMED(test_active_func1, "main.testActive.func1", a);
    gmp_recv(a.done, NULL); /* blocks for good when waitActive does */
}

/* TestMoby29733 */
static void run29733(int64_t fixed) {
    plugin p = {.activated = gmp_new_var("p.activated", 0),
                .manifest = gmp_new_var("p.Manifest", fixed), /* the fix's test: a pre-activated plugin */
                .handlers_run = gmp_new_var("p.handlersRun", 0),
                .activate_l = gmp_mutex_new(),
                .storage = gmp_mutex_new(),
                .handlers = gmp_rwmutex_new(),
                .fixed = fixed};
    p.activate_wait = gmp_cond_new(p.activate_l);
    GMP_CALL(test_active, p);
    GMP_CALL(handle, p);
    GMP_CALL(test_active, p);
}

static void moby_29733_main(void *argp) {
    (void)argp;
    run29733(0);
}

static void moby_29733_fixed_main(void *argp) {
    (void)argp;
    run29733(1);
}

GMP_SCENARIO(moby_29733,
             "Moby PR 29733 (GoBench GoKer blocking/moby/29733, pkg/plugins): a condition variable wait that no "
             "one signals. Plugin.waitActive locks activateWait.L and waits on activateWait while p.activated is "
             "false; Handle, which registers a new extension-point handler, sets activated back to false for "
             "every plugin so that handlers run again on the next activation, and broadcasts nothing. Upstream, "
             "a plugin activated before Handle then blocks every later Get/GetAll in waitActive. The test calls "
             "testActive(p) (a goroutine runs waitActive and closes done; the test waits on done), Handle(), "
             "then testActive(p) again. In the kernel nothing ever activates the plugin nor signals the Cond, so "
             "the first testActive already hangs (the second would too, after Handle). No interleaving is needed: "
             "every schedule fails. Symptom: all goroutines are asleep (outcome deadlock): main in [chan receive] "
             "in main.test_active, the waiter in [sync.Cond.Wait] in main.wait_active. Reproduce: gmpsim explore "
             "moby_29733 --runs 5. Compare moby_29733_fixed.",
             moby_29733_main)

GMP_SCENARIO(moby_29733_fixed,
             "moby_29733 with the upstream fix (commit 48ed4f0): activated() means the plugin has a manifest; "
             "Handle no longer resets it but resets a separate handlersRun flag (under handlers, storage and "
             "activateWait.L), so activation is never undone and waitActive only waits for a plugin that was "
             "never activated. As in the fix's test, the plugin is made pre-activated (its manifest is set): both "
             "testActive calls return at once. No schedule fails.",
             moby_29733_fixed_main)
