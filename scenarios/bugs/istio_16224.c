/* istio_16224: GoBench GoKer blocking/istio/16224 (Istio PR 16224, pilot's in-memory config monitor test).
 * The test's event handler holds a mutex while it sends on done; the test takes the same mutex
 * before it receives from done. */
#include <gmpsim.h>
#include <stdbool.h>

typedef struct {
    gmp_chan event_ch;  /* configstoreMonitor.eventCh: make(chan Event), unbuffered */
    gmp_chan stop;      /* the test's stop channel, passed to Run */
    int64_t nhandlers;  /* len(m.handlers): the test registers one handler, ... */
    gmp_mutex lock;     /* ... a closure over the test's lock ... */
    gmp_chan done;      /* ... and its done channel (chan bool, unbuffered) */
    int64_t fixed;      /* 1: the upstream fix */
} monitor;

/* the handler the test registers: func(event Event) { lock.Lock(); defer lock.Unlock(); done <- true } */
static void test_func1(void *argp) {
    monitor *m = argp;
    bool t = true;
    gmp_mutex_lock(m->lock);
    if (m->fixed) {
        gmp_mutex_unlock(m->lock); /* the fix: release the lock before sending on done */
        gmp_send(m->done, &t);
        return;
    }
    gmp_send(m->done, &t);     /* buggy: sends while holding lock */
    gmp_mutex_unlock(m->lock); /* the deferred Unlock */
}

/* (*configstoreMonitor).applyHandlers */
static void apply_handlers(void *argp) {
    monitor *m = argp;
    for (int64_t i = 0; i < m->nhandlers; i++) GMP_CALL(test_func1, *m);
}

/* (*configstoreMonitor).processConfigEvent */
static void process_config_event(void *argp) {
    monitor *m = argp;
    GMP_CALL(apply_handlers, *m);
}

/* (*configstoreMonitor).Run */
static void monitor_run(void *argp) {
    monitor *m = argp;
    for (;;) {
        int64_t ce = 0;
        bool ok = false;
        int k = GMP_SELECT(&ok, false, GMP_RECV_CASE(m->stop, NULL), GMP_RECV_CASE(m->event_ch, &ce));
        if (k == 0) {
            /* if _, ok := <-m.eventCh; ok { close(m.eventCh) }: waits for one more event or a close,
             * which this test never makes (in the buggy and in the fixed test alike) */
            if (gmp_recv(m->event_ch, &ce)) gmp_close(m->event_ch);
            return;
        }
        if (ok) GMP_CALL(process_config_event, *m);
    }
}

/* (*controller).Run */
static void controller_run(void *argp) {
    monitor m = *(monitor *)argp;
    GMP_CALL(monitor_run, m);
}

/* (*configstoreMonitor).ScheduleProcessEvent */
static void schedule_process_event(void *argp) {
    monitor *m = argp;
    int64_t config_event = 0; /* Event(0) */
    gmp_send(m->event_ch, &config_event);
}

/* (*controller).Create */
static void controller_create(void *argp) {
    monitor *m = argp;
    GMP_CALL(schedule_process_event, *m);
}

/* TestIstio16224 */
static void run16224(int64_t fixed) {
    monitor m = {.event_ch = gmp_make_chan(sizeof(int64_t), 0), /* NewMonitor() */
                 .done = gmp_make_chan(sizeof(bool), 0),
                 .lock = gmp_mutex_new(),
                 .fixed = fixed};
    m.nhandlers = 1; /* controller.RegisterEventHandler(func(event Event) {...}) */
    m.stop = gmp_make_chan(0, 0);
    GMP_GO_NAMED(controller_run, "main.(*controller).Run", m); /* go controller.Run(stop) */
    GMP_CALL(controller_create, m);
    gmp_mutex_lock(m.lock); /* buggy: waits while the handler holds lock and waits on done */
    gmp_mutex_unlock(m.lock);
    gmp_recv(m.done, NULL);
    gmp_close(m.stop);
}

static void istio_16224_main(void *argp) {
    (void)argp;
    run16224(0);
}

static void istio_16224_fixed_main(void *argp) {
    (void)argp;
    run16224(1);
}

GMP_SCENARIO(istio_16224,
             "Istio PR 16224 (GoBench GoKer blocking/istio/16224, pilot's in-memory config monitor): a lock and a "
             "channel mixed, in a test. The test registers an event handler that locks the test's mutex and, "
             "still holding it, sends on the unbuffered done channel; starts go controller.Run(stop), whose "
             "monitor loop receives events and runs the handlers; calls controller.Create(), which sends one "
             "event on the unbuffered eventCh; then locks and unlocks the mutex and only then receives from "
             "done. The interleaving: Run receives the event and the handler takes the mutex before main's Lock; "
             "the handler blocks sending on done, main blocks in Lock. Symptom: all goroutines are asleep (outcome "
             "deadlock), main in [sync.Mutex.Lock] in main.main and Run in [chan send] in main.test_func1. In "
             "this simulator every schedule fails: main parks in its send before another P can take Run (the "
             "go statement is 300 ns before the send; a woken M runs 250 ns at the earliest and steals a "
             "runnext only after 3 us), so Run runs on main's P, receives, readies main into runnext and takes "
             "the mutex before main runs again. main would win only by running on another P in the few tens of "
             "ns between Run's receive and the handler's Lock (in Go, an OS preemption of Run's thread). Run with "
             "--leaks=ignore (main returning ends the program, as in Go): after close(stop) the monitor's Run "
             "waits for one more event or a close of eventCh that nobody makes, so it is left blocked in every "
             "passing schedule, in the kernel as upstream; that leak is not this bug. Reproduce: gmpsim explore "
             "istio_16224 --leaks=ignore --runs 5. Compare istio_16224_fixed.",
             istio_16224_main)

GMP_SCENARIO(istio_16224_fixed,
             "istio_16224 with the upstream fix (PR 16224, \"Fix memory monitor test deadlock\"): the handler "
             "releases the mutex before it sends on done, so main's Lock always gets through and main receives "
             "the handler's send. Run with --leaks=ignore, as istio_16224 (Run stays blocked after close(stop) in "
             "every schedule, fixed or not). No schedule deadlocks.",
             istio_16224_fixed_main)
