/* etcd_4876: GoBench GoKer nonblocking/etcd/4876 (etcd PR 4876, "fix races from clientv3/integration tests").
 * A test overwrites the package variable ProgressReportInterval while a watch stream's sendLoop,
 * started by another goroutine, reads it to create its ticker. */
#include <gmpsim.h>

typedef struct {
    gmp_var interval;  /* the package variable ProgressReportInterval (a time.Duration, ns) */
    gmp_waitgroup wg;  /* the test's wg */
    int64_t fixed;     /* 1: the upstream fix */
} watch_test;

static int64_t load_interval(const watch_test *t) {
    if (!t->fixed) return gmp_load(t->interval); /* buggy: a plain read */
    return gmp_atomic_load(t->interval);         /* the fix: atomic.LoadInt32 */
}

static void store_interval(const watch_test *t, int64_t v) {
    if (!t->fixed) {
        gmp_store(t->interval, v); /* buggy: a plain write */
        return;
    }
    gmp_atomic_store(t->interval, v); /* the fix: atomic.StoreInt32 */
}

/* (*serverWatchStream).sendLoop: time.NewTicker(ProgressReportInterval) */
static void send_loop(void *argp) {
    watch_test *t = argp;
    gmp_chan tick;
    gmp_new_ticker(load_interval(t), &tick); /* the racy read */
}

/* (*watchServer).Watch: starts the stream's sendLoop and returns */
static void watch(void *argp) {
    watch_test *t = argp;
    GMP_GO_NAMED(send_loop, "main.(*serverWatchStream).sendLoop", *t);
}

/* TestEtcd4876.func1.1: the test lowers the interval to finish fast */
static void set_interval(void *argp) {
    watch_test *t = argp;
    store_interval(t, 3000000000LL); /* ProgressReportInterval = 3 * time.Second: the racy write */
    gmp_waitgroup_done(t->wg);
}

/* TestEtcd4876.func1.2 */
static void start_watch(void *argp) {
    watch_test *t = argp;
    watch_test c = *t;
    GMP_CALL_NAMED(watch, "main.(*watchServer).Watch", c); /* w.Watch(&watchWatchServer{}) */
    gmp_waitgroup_done(t->wg);
}

/* TestEtcd4876.func1 */
static void test_body(void *argp) {
    watch_test *t = argp;
    GMP_GO_NAMED(set_interval, "main.TestEtcd4876.func1.1", *t);
    GMP_GO_NAMED(start_watch, "main.TestEtcd4876.func1.2", *t);
    gmp_waitgroup_done(t->wg);
}

static void run4876(int64_t fixed) {
    watch_test t = {.interval = gmp_new_var("ProgressReportInterval", 10000000000LL), /* 10 * time.Second */
                    .wg = gmp_waitgroup_new(), .fixed = fixed};
    gmp_waitgroup_add(t.wg, 3);
    GMP_GO_NAMED(test_body, "main.TestEtcd4876.func1", t);
    gmp_waitgroup_wait(t.wg);
}

static void etcd_4876_main(void *argp) {
    (void)argp;
    run4876(0);
}

static void etcd_4876_fixed_main(void *argp) {
    (void)argp;
    run4876(1);
}

GMP_SCENARIO(etcd_4876,
             "etcd PR 4876 (GoBench GoKer nonblocking/etcd/4876): a data race on a package variable. The test's "
             "goroutine starts two goroutines: one sets ProgressReportInterval = 3s (a test lowering the watch "
             "progress interval), the other calls watchServer.Watch, which starts the stream's sendLoop, and "
             "sendLoop reads ProgressReportInterval to create its ticker. Nothing orders the write before or "
             "after the read: the only synchronisation is the test's WaitGroup, and sendLoop is not even counted "
             "in it. Whichever access comes first (usually the read: sendLoop takes runnext), the race detector "
             "reports the write in main.TestEtcd4876.func1.1 and the read in main.(*serverWatchStream).sendLoop "
             "(created by main.(*watchServer).Watch) on the same address (outcome race, 'Found 1 data race(s)'). "
             "About one schedule in four passes: another P steals sendLoop and it reads only after main has "
             "returned, when a -race binary has exited (the test does not wait for it). Reproduce: gmpsim explore "
             "etcd_4876 --race --runs 20. Compare etcd_4876_fixed.",
             etcd_4876_main)

GMP_SCENARIO(etcd_4876_fixed,
             "etcd_4876 with the upstream fix: PR 4876 turned the variable into an int32 of milliseconds written "
             "with atomic.StoreInt32 and read with atomic.LoadInt32, which the race detector treats as "
             "synchronisation (gmp_atomic_store, gmp_atomic_load). The ticker gets 3s or 10s "
             "depending on the order, and no race is reported (run with --race).",
             etcd_4876_fixed_main)
