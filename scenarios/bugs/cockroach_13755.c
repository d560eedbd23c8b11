/* cockroach_13755: GoBench GoKer blocking/cockroach/13755 (CockroachDB PR 13755).
 * A query's Rows are never closed, so the goroutine waiting for their context to be canceled leaks. */
#include <gmpsim.h>

typedef struct {
    gmp_cancel_func cancel; /* Rows.cancel */
    int64_t fixed;          /* 1: the upstream fix, the rows are closed */
} rows;

typedef struct {
    gmp_context ctx;
} await_done_args;

/* (*Rows).close: the fix makes it cancel the rows' context (the kernel has the call commented out) */
static void rows_close(void *argp) {
    rows *rs = argp;
    if (rs->fixed) gmp_context_cancel(rs->cancel);
}

/* (*Rows).awaitDone: waits for the rows' context, then closes them */
static void await_done(void *argp) {
    await_done_args *a = argp;
    gmp_recv(gmp_context_done(a->ctx), NULL); /* <-ctx.Done(): the leak */
    (void)gmp_context_err(a->ctx);            /* rs.close(ctx.Err()) */
}

/* (*Rows).initContextClose: rs.cancel is set in the caller's Rows (GMP_CALL passes its address) */
static void init_context_close(void *argp) {
    rows *rs = argp;
    await_done_args a = {.ctx = gmp_context_with_cancel(gmp_context_background(), &rs->cancel)};
    GMP_GO_NAMED(await_done, "main.(*Rows).awaitDone", a);
}

/* TestCockroach13755 */
static void run13755(int64_t fixed) {
    rows rs = {.fixed = fixed};
    GMP_CALL(init_context_close, rs);
    if (fixed) GMP_CALL(rows_close, rs); /* the fix: rs.close() before the test returns */
}

static void cockroach_13755_main(void *argp) {
    (void)argp;
    run13755(0);
}

static void cockroach_13755_fixed_main(void *argp) {
    (void)argp;
    run13755(1);
}

GMP_SCENARIO(cockroach_13755,
             "CockroachDB PR 13755 (GoBench GoKer blocking/cockroach/13755): query rows that are never closed. "
             "The test makes a Rows and calls initContextClose, which derives a cancelable context "
             "(context.WithCancel), keeps its cancel function in the Rows and starts awaitDone, a goroutine that "
             "waits on ctx.Done() and then closes the rows. Nothing ever calls the cancel function: the test "
             "returns without closing the rows (and Rows.close does not cancel). No interleaving is needed: every "
             "schedule fails. Symptom: after main returns the awaitDone goroutine stays in [chan receive] in "
             "main.(*Rows).awaitDone (outcome leak). Reproduce: gmpsim explore cockroach_13755 --runs 10. Compare "
             "cockroach_13755_fixed.",
             cockroach_13755_main)

GMP_SCENARIO(cockroach_13755_fixed,
             "cockroach_13755 with the kernel's fix: Rows.close calls the rows' cancel function and the test "
             "closes the rows before returning, so ctx.Done() is closed and awaitDone ends (its own close call "
             "cancels again, which is a no-op). No schedule leaks.",
             cockroach_13755_fixed_main)
