/* lockosthread: a goroutine wired to its thread, as a GUI or OpenGL main loop is. */
#include <gmpsim.h>

typedef struct {
    int64_t id;
    gmp_chan events;
} ui_args;

static void event_source(void *argp) {
    ui_args *a = argp;
    for (int64_t i = 1; i <= 3; i++) {
        gmp_work(50000);
        gmp_send(a->events, &i);
    }
    gmp_close(a->events);
}

static void lockosthread_main(void *argp) {
    (void)argp;
    gmp_lock_os_thread(); /* func init() { runtime.LockOSThread() }: main stays on M0 */
    ui_args a = {.id = 0, .events = gmp_make_chan(sizeof(int64_t), 0)};
    GMP_GO(event_source, a);
    int64_t ev;
    while (gmp_recv(a.events, &ev)) {
        gmp_work(10000); /* draw a frame: always on the locked thread */
        gmp_printf("main: event %lld handled at %lld us on the locked M\n", (long long)ev,
                   (long long)(gmp_now_ns() / 1000));
    }
    gmp_unlock_os_thread();
}

GMP_SCENARIO(lockosthread,
             "main locks itself to its thread (as a GUI or OpenGL loop must) and waits for events from a "
             "producer goroutine. Each time main blocks, its M cannot run anything else: stoplockedm hands "
             "the P off and the M parks. When main is readied, the M that picks it from a run queue gives "
             "its P to main's own M (startlockedm) and stops. Watch the MStop/MStart pairs and that main's "
             "GoStart events are always on M0.",
             lockosthread_main)
