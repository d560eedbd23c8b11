/* cockroach_584: GoBench GoKer blocking/cockroach/584 (CockroachDB PR 584).
 * A gossip loop leaves its mutex locked on the "closed" path, and the next loop locks it again. */
#include <gmpsim.h>

typedef struct {
    gmp_mutex mu;   /* Gossip.mu */
    gmp_var closed; /* Gossip.closed, guarded by mu */
    int64_t fixed;  /* 1: the upstream fix, Unlock before leaving the loop */
} gossip;

/* (*Gossip).bootstrap and (*Gossip).manage have the same shape: lock, look at closed,
 * leave the loop when it is set (the bug: still holding mu), else unlock and leave. */
static void gossip_loop(gossip *g) {
    for (;;) {
        gmp_mutex_lock(g->mu);
        if (gmp_load(g->closed)) {
            if (g->fixed) gmp_mutex_unlock(g->mu);
            break; /* buggy: mu stays locked */
        }
        gmp_mutex_unlock(g->mu);
        break;
    }
}

static void bootstrap(void *argp) { gossip_loop(argp); }
static void manage(void *argp) { gossip_loop(argp); }

/* go func() { g.bootstrap(); g.manage() }() */
static void gossip_func1(void *argp) {
    gossip g = *(gossip *)argp;
    GMP_CALL(bootstrap, g);
    GMP_CALL(manage, g); /* buggy: blocks forever on mu.Lock */
}

static void run584(int64_t fixed) {
    gossip g = {.mu = gmp_mutex_new(), .closed = gmp_new_var("closed", 1), .fixed = fixed};
    GMP_GO_NAMED(gossip_func1, "main.main.func1", g);
    /* the test returns at once; the goroutine is left to finish or to leak */
}

static void cockroach_584_main(void *argp) {
    (void)argp;
    run584(0);
}

static void cockroach_584_fixed_main(void *argp) {
    (void)argp;
    run584(1);
}

GMP_SCENARIO(cockroach_584,
             "CockroachDB PR 584 (GoBench GoKer blocking/cockroach/584): a missing Unlock. The test makes a Gossip "
             "whose closed flag is already set and starts one goroutine that calls g.bootstrap() and then "
             "g.manage(). Each of them is a loop that locks g.mu, checks closed and breaks out of the loop when it "
             "is set, without unlocking. bootstrap leaves mu locked; manage's Lock then waits for an Unlock that "
             "never comes. No interleaving is needed: every schedule fails, whether the goroutine runs before or "
             "after main returns. Symptom: a leaked goroutine (main returns, the goroutine stays in "
             "[sync.Mutex.Lock] in main.manage), outcome leak. Reproduce: gmpsim explore cockroach_584 --runs 10. "
             "Compare cockroach_584_fixed.",
             cockroach_584_main)

GMP_SCENARIO(cockroach_584_fixed,
             "cockroach_584 with the upstream fix: bootstrap and manage unlock g.mu before breaking out of their "
             "loops when the gossip is closed, so manage's Lock finds the mutex free and the goroutine ends. No "
             "schedule leaks.",
             cockroach_584_fixed_main)
