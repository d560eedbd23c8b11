/* kubernetes_13058: GoBench GoKer nonblocking/kubernetes/13058 (Kubernetes PR 13058, the controller
 * framework's test). The informer's delete handler calls testDoneWG.Done(); the controller is
 * started before the test calls testDoneWG.Add, so a Done can come first. */
#include <gmpsim.h>

/* GMP_CALL under the Go function's name */
#define CALL_NAMED(fn, goname, argvar)                                                 \
    do {                                                                               \
        gmp_frame_enter_at((goname), &(argvar), sizeof(argvar), __FILE__, __LINE__);    \
        (fn)(&(argvar));                                                               \
        gmp_frame_exit_at(__FILE__, __LINE__);                                         \
    } while (0)

enum { THREADS = 3, TESTS = 1 };
static const int64_t UNTIL_PERIOD_NS = 10000000; /* Until(..., 10*time.Millisecond, ...) */

/* Controller, with its Config.Process: NewInformer's func calling h.OnDelete, whose DeleteFunc is the
 * test's closure over testDoneWG */
typedef struct {
    gmp_waitgroup test_done; /* testDoneWG, captured by DeleteFunc */
    gmp_chan stop;           /* Run's stopCh */
} controller;

/* ResourceEventHandlerFuncs.OnDelete -> the test's DeleteFunc */
static void on_delete(void *argp) {
    controller *c = argp;
    gmp_waitgroup_done(c->test_done); /* testDoneWG.Done(): negative counter when it comes before Add */
}

/* (*Controller).processLoop: c.config.Process(nil) once */
static void process_loop(void *argp) {
    controller *c = argp;
    CALL_NAMED(on_delete, "main.ResourceEventHandlerFuncs.OnDelete", *c);
}

/* Until(f, period, stopCh): run f every period until stopCh is closed */
static void until(void *argp) {
    controller *c = argp;
    for (;;) {
        int k = GMP_SELECT(NULL, true, GMP_RECV_CASE(c->stop, NULL)); /* select { case <-stopCh: return; default: } */
        if (k == 0) return;
        CALL_NAMED(process_loop, "main.(*Controller).processLoop", *c);
        gmp_sleep(UNTIL_PERIOD_NS);
    }
}

/* (*Controller).Run */
static void controller_run(void *argp) {
    controller *c = argp;
    CALL_NAMED(until, "main.Until", *c);
}

typedef struct {
    gmp_waitgroup wg;
    int64_t i, j; /* the test's name, fmt.Sprintf("%v-%v", i, j) */
} test_thread;

/* TestKubernetes13058.func2: go func(name string, f func(string)) { defer wg.Done(); f(name) } */
static void test_thread_run(void *argp) {
    test_thread *t = argp;
    /* f(name): the table's only test does nothing */
    gmp_waitgroup_done(t->wg);
}

static void run13058(int64_t fixed) {
    controller c = {.test_done = gmp_waitgroup_new(), .stop = gmp_make_chan(0, 0)};
    if (fixed) gmp_waitgroup_add(c.test_done, THREADS * TESTS); /* the fix: count the deletes first */
    GMP_GO_NAMED(controller_run, "main.(*Controller).Run", c);   /* go controller.Run(stop) */
    test_thread t = {.wg = gmp_waitgroup_new()};
    gmp_waitgroup_add(t.wg, THREADS * TESTS);
    if (!fixed) gmp_waitgroup_add(c.test_done, THREADS * TESTS); /* buggy: after the controller started */
    for (t.i = 0; t.i < THREADS; t.i++)
        for (t.j = 0; t.j < TESTS; t.j++) GMP_GO_NAMED(test_thread_run, "main.TestKubernetes13058.func2", t);
    gmp_waitgroup_wait(t.wg);
    gmp_waitgroup_wait(c.test_done);
    gmp_close(c.stop);
}

static void kubernetes_13058_main(void *argp) {
    (void)argp;
    run13058(0);
}

static void kubernetes_13058_fixed_main(void *argp) {
    (void)argp;
    run13058(1);
}

GMP_SCENARIO(kubernetes_13058,
             "Kubernetes PR 13058 (GoBench GoKer nonblocking/kubernetes/13058, the controller framework's test): "
             "a WaitGroup Done before its Add. The test builds an informer whose DeleteFunc calls testDoneWG.Done(), "
             "starts go controller.Run(stop) (Until runs processLoop, which delivers one delete, every 10 ms until "
             "stop is closed), and only then calls wg.Add(3) and testDoneWG.Add(3), starts three test goroutines, "
             "waits for wg and testDoneWG and closes stop. If the controller goroutine delivers its first delete "
             "before main reaches testDoneWG.Add(3), Done takes the counter below zero: \"panic: sync: negative "
             "WaitGroup counter\" in main.ResourceEventHandlerFuncs.OnDelete, called from Until in the goroutine "
             "of main.(*Controller).Run (outcome panic). The window is the time main takes from the go statement to "
             "the Add (340 virtual ns here): the controller must be stolen by another P and run its first "
             "processLoop within it. No wake-up of an idle M is that fast (mwake: 250 ns at the least, then "
             "stealing runnext and starting the goroutine); in the real test the OS preempting main's thread "
             "right after the go statement opens the window, and so does --os-preempt here (an ospreempt "
             "Decision stops main before its Add). Reproduce: gmpsim explore kubernetes_13058 --os-preempt "
             "--strategy pct:3 --runs 1000. Compare kubernetes_13058_fixed.",
             kubernetes_13058_main)

GMP_SCENARIO(kubernetes_13058_fixed,
             "kubernetes_13058 with the fix (reconstructed from the kernel: the upstream patch was not found): "
             "testDoneWG.Add(3) happens before go controller.Run(stop), as the WaitGroup rules require (an Add "
             "from zero must happen before the goroutine that calls Done starts). The three deletes, at 0, 10 and "
             "20 ms, bring the counter to zero, the test closes stop and Until returns at its next check.",
             kubernetes_13058_fixed_main)
