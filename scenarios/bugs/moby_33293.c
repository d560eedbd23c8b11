/* moby_33293: GoBench GoKer blocking/moby/33293 (Moby PR 33293, the container wait API).
 * containerWait sends an early error on the unbuffered channel it is about to return, before any
 * caller can receive from it. */
#include <gmpsim.h>

typedef struct {
    gmp_chan err_c;  /* errC := make(chan error) */
    int64_t err;     /* MayReturnError's result: 1 = an error */
    int64_t fixed;   /* 1: the reconstructed fix */
} wait_call;

/* MayReturnError: fails when rand.Int31n(2) >= 1, one time in two */
static void may_return_error(void *argp) {
    wait_call *w = argp;
    w->err = gmp_rand_intn(2) >= 1;
}

/* containerWait() <-chan error */
static void container_wait(void *argp) {
    wait_call *w = argp;
    /* the fix (reconstructed): errC := make(chan error, 1) */
    w->err_c = gmp_make_chan(sizeof(int64_t), w->fixed ? 1 : 0);
    GMP_CALL_NAMED(may_return_error, "main.MayReturnError", *w);
    if (w->err) {
        int64_t e = 1;
        gmp_send(w->err_c, &e); /* errC <- err: no receiver exists yet */
    }
    /* return errC */
}

/* the test's goroutine G1 */
static void test_moby33293_func1(void *argp) {
    wait_call w = *(wait_call *)argp;
    GMP_CALL_NAMED(container_wait, "main.containerWait", w);
    /* err := containerWait(); if err != nil { return } */
}

static void run33293(int64_t fixed) {
    wait_call w = {.fixed = fixed};
    GMP_GO_NAMED(test_moby33293_func1, "main.TestMoby33293.func1", w); /* G1 */
    /* the test returns at once */
}

static void moby_33293_main(void *argp) {
    (void)argp;
    run33293(0);
}

static void moby_33293_fixed_main(void *argp) {
    (void)argp;
    run33293(1);
}

GMP_SCENARIO(moby_33293,
             "Moby PR 33293 (GoBench GoKer blocking/moby/33293, the container wait API): a send on a channel "
             "before anyone can hold it. The test starts G1, which calls containerWait: it makes an unbuffered "
             "errC, calls MayReturnError (an error when rand.Int31n(2) >= 1, a recorded rand decision) and, on an "
             "error, sends it on errC before returning errC to its caller. Nobody else has the channel yet, so the "
             "send can never complete. The bug depends on the draw only, not on the schedule: half the schedules "
             "fail. Symptom: G1 leaks in [chan send] in main.containerWait after main returns (outcome leak). "
             "Reproduce: gmpsim explore moby_33293 --runs 10. Compare moby_33293_fixed.",
             moby_33293_main)

GMP_SCENARIO(moby_33293_fixed,
             "moby_33293 with a reconstructed fix (GoBench gives no fix commit): errC gets a buffer of one, as "
             "Moby's client ContainerWait makes its error channel, so the early error is stored in the channel "
             "for the caller to receive and containerWait returns. No schedule leaks.",
             moby_33293_fixed_main)
