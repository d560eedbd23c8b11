/* context_values: request metadata passed down a context chain to goroutines, and a
 * deadline that cancels the handlers still working. */
#include <gmpsim.h>

/* Context keys: Go uses unexported key types; here, distinct non-zero integers. */
enum { KEY_REQUEST_ID = 1, KEY_USER = 2, KEY_SPAN = 3 };
enum { CONTEXT_VALUES_HANDLERS = 3 };
#define STEP_NS INT64_C(1000000)     /* each step of a handler takes 1 ms */
#define DEADLINE_NS INT64_C(3500000) /* the request's deadline: 3.5 ms */

typedef struct {
    gmp_context ctx;   /* a context is its simulated address, like a channel */
    int64_t id;
    int64_t steps;     /* how many 1 ms steps this handler needs */
    gmp_chan results;
} handler_args;

typedef struct {
    int64_t id, done_steps;
    int64_t deadline_exceeded; /* 1: stopped by the deadline, 0: finished */
} handler_result;

/* One step: select { case <-ctx.Done(): stop; case <-time.After(1ms): go on }. */
static bool step(gmp_context ctx) {
    gmp_chan done = gmp_context_done(ctx);
    gmp_chan tick = gmp_after(STEP_NS);
    int64_t now = 0;
    int chosen = GMP_SELECT(NULL, false, GMP_RECV_CASE(done, NULL), GMP_RECV_CASE(tick, &now));
    return chosen == 1;
}

static void handler(void *argp) {
    handler_args *a = argp;
    int64_t request = 0, user = 0, span = 0;
    gmp_context_value(a->ctx, KEY_REQUEST_ID, &request); /* walks: timerCtx -> user -> request id */
    gmp_context_value(a->ctx, KEY_USER, &user);
    gmp_context ctx = gmp_context_with_value(a->ctx, KEY_SPAN, 100 + a->id); /* this handler's span */
    gmp_context_value(ctx, KEY_SPAN, &span);
    handler_result r = {.id = a->id};
    while (r.done_steps < a->steps && step(ctx)) r.done_steps++;
    const char *err = gmp_context_err(ctx); /* the value context delegates Err to its parent */
    r.deadline_exceeded = err == gmp_context_deadline_exceeded;
    gmp_printf("handler %lld (request %lld, user %lld, span %lld): %lld of %lld steps, %s\n", (long long)a->id,
               (long long)request, (long long)user, (long long)span, (long long)r.done_steps,
               (long long)a->steps, err ? err : "finished");
    gmp_send(a->results, &r);
}

/* Blocks on <-ctx.Done() and reports why the request ended. */
static void watcher(void *argp) {
    handler_args *a = argp;
    gmp_recv(gmp_context_done(a->ctx), NULL);
    const char *err = gmp_context_err(a->ctx);
    gmp_printf("watcher: request done at %lld us: %s\n", (long long)(gmp_now_ns() / 1000), err ? err : "?");
    gmp_send(a->results, NULL);
}

static void context_values_main(void *argp) {
    (void)argp;
    gmp_context ctx = gmp_context_background();
    ctx = gmp_context_with_value(ctx, KEY_REQUEST_ID, 4217);
    ctx = gmp_context_with_value(ctx, KEY_USER, 7);
    gmp_cancel_func cancel;
    ctx = gmp_context_with_timeout(ctx, DEADLINE_NS, &cancel); /* defer cancel() */
    handler_args a = {.ctx = ctx, .results = gmp_make_chan(sizeof(handler_result), CONTEXT_VALUES_HANDLERS)};
    gmp_chan watched = gmp_make_chan(0, 0);
    handler_args w = {.ctx = ctx, .results = watched};
    GMP_GO(watcher, w);
    for (a.id = 0; a.id < CONTEXT_VALUES_HANDLERS; a.id++) {
        a.steps = 1 + 2 * a.id; /* 1, 3 and 5 steps: the last one cannot make the deadline */
        GMP_GO(handler, a);
    }
    int64_t stopped = 0;
    for (int i = 0; i < CONTEXT_VALUES_HANDLERS; i++) {
        handler_result r;
        gmp_recv(a.results, &r);
        stopped += r.deadline_exceeded;
    }
    gmp_recv(watched, NULL);
    gmp_context_cancel(cancel); /* the deferred cancel: a no-op now, and it stops no timer */
    gmp_printf("main: %lld of %d handlers stopped by the deadline\n", (long long)stopped,
               CONTEXT_VALUES_HANDLERS);
}

GMP_SCENARIO(context_values,
             "main builds a request context chain: Background, WithValue(request id 4217), WithValue(user 7), "
             "WithTimeout(3.5 ms), and passes it to three handlers and a watcher (a context is a simulated "
             "address, so it travels in goroutine arguments like a channel). Each handler reads the metadata "
             "with Value, which walks up the chain (ContextNew events show each link and its parent), derives "
             "its own WithValue(span), and works in 1 ms steps, each a select between <-ctx.Done() and "
             "time.After(1ms). The handler needing 1 step finishes; at 3.5 ms the timerCtx's time.AfterFunc "
             "goroutine (context.WithDeadlineCause.func2, created by time.goFunc) cancels the context with "
             "DeadlineExceeded: ContextCancel, the Done channel's ChanClose, and the one handler still "
             "working (5 steps; the 3-step one finished at about 3 ms) wakes from its select while the "
             "watcher wakes from <-ctx.Done(). Derived contexts share their parent's Done and Err.",
             context_values_main)
