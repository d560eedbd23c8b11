/* kubernetes_5316: GoBench GoKer blocking/kubernetes/5316 (Kubernetes PR 5316, apiserver finishRequest).
 * finishRequest gives up on its worker when the timeout fires first; the worker then blocks for ever
 * sending its result on an unbuffered channel nobody will read. */
#include <gmpsim.h>

typedef struct {
    gmp_chan ch;      /* ch := make(chan bool) */
    gmp_chan err_ch;  /* errCh := make(chan error) */
    int64_t timeout;  /* the timeout argument (ns) */
    int64_t err;      /* fn's result: 1 = an error */
} request;

/* the test's fn: sleeps 2 ms, then fails when rand.Intn(10) > 5 */
static void test_fn(void *argp) {
    request *r = argp;
    gmp_sleep(2000000); /* time.Sleep(2 * time.Millisecond) */
    r->err = gmp_rand_intn(10) > 5;
}

/* finishRequest's goroutine: runs fn and reports its result */
static void finish_request_func1(void *argp) {
    request r = *(request *)argp;
    GMP_CALL_NAMED(test_fn, "main.TestKubernetes5316.func1", r);
    int64_t v = 1;
    if (r.err) gmp_send(r.err_ch, &v); /* errCh <- err */
    else gmp_send(r.ch, &v);           /* ch <- true */
}

/* finishRequest(timeout, fn) */
static void finish_request(void *argp) {
    request r = *(request *)argp;
    GMP_GO_NAMED(finish_request_func1, "main.finishRequest.func1", r); /* G2 */
    gmp_chan after = gmp_after(r.timeout);
    GMP_SELECT(NULL, false, GMP_RECV_CASE(r.ch, NULL), GMP_RECV_CASE(r.err_ch, NULL),
               GMP_RECV_CASE(after, NULL));
}

static void run5316(int64_t fixed) {
    /* the fix: both channels get a buffer of one, so the late result is dropped into it */
    int64_t cap = fixed ? 1 : 0;
    request r = {.ch = gmp_make_chan(sizeof(int64_t), cap),
                 .err_ch = gmp_make_chan(sizeof(int64_t), cap),
                 .timeout = 1000000}; /* time.Millisecond */
    GMP_GO_NAMED(finish_request, "main.finishRequest", r); /* G1 */
    /* the test returns at once */
}

static void kubernetes_5316_main(void *argp) {
    (void)argp;
    run5316(0);
}

static void kubernetes_5316_fixed_main(void *argp) {
    (void)argp;
    run5316(1);
}

GMP_SCENARIO(kubernetes_5316,
             "Kubernetes PR 5316 (GoBench GoKer blocking/kubernetes/5316, the apiserver's finishRequest): a result "
             "sent on an unbuffered channel after its reader gave up. The test starts G1, finishRequest with a 1 ms "
             "timeout, which makes two unbuffered channels ch and errCh, starts G2 to run fn and report its result "
             "(errCh <- err on an error, else ch <- true), and selects on ch, errCh and time.After(timeout). fn "
             "sleeps 2 ms and then fails when rand.Intn(10) > 5 (a recorded rand decision). The interleaving: the "
             "1 ms timer fires while G2 still sleeps, G1 takes the timeout case and returns; G2 wakes and sends on "
             "ch or errCh, which nobody will ever receive from. The sleep outlasts the timeout in every schedule. "
             "Symptom: G2 leaks in [chan send] in main.finishRequest.func1 after main returns (outcome leak), in "
             "every schedule. Reproduce: gmpsim explore kubernetes_5316 --runs 10. Compare kubernetes_5316_fixed.",
             kubernetes_5316_main)

GMP_SCENARIO(kubernetes_5316_fixed,
             "kubernetes_5316 with the upstream fix (PR 5316): ch and errCh are made with a buffer of one, so G2's "
             "send completes even though finishRequest has returned on the timeout, and G2 exits. No schedule "
             "leaks.",
             kubernetes_5316_fixed_main)
