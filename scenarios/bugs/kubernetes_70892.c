/* kubernetes_70892: GoBench GoKer nonblocking/kubernetes/70892 (Kubernetes PR 70892, "Fix a race in the
 * scheduler"). PrioritizeNodes' per-node closure, run by ParallelizeUntil's workers, reassigns the
 * shared results[i] slices instead of writing only its own element results[i][index]. */
#include <gmpsim.h>

enum { CONFIGS = 3, NODES = 2, WORKERS = 2 };

/* The closure's captures (priorityConfigs, results) and ParallelizeUntil's locals. A slice header
 * results[i] is a gmp_var holding the simulated address of its backing array's element 0 (the only
 * element the buggy closure reads); the arrays made by the test also keep their elements here. */
typedef struct {
    gmp_var results[CONFIGS];           /* results[i]: the slice headers, shared by the workers */
    gmp_var elems[CONFIGS][NODES];      /* the elements of make(HostPriorityList, 2) for each i */
    gmp_chan to_process;                /* toProcess: chan int, buffered, pieces */
    gmp_chan stop;                      /* ctx.Done(): nil for context.Background() */
    gmp_waitgroup wg;
    int64_t piece;                      /* doWorkPiece's argument */
    int64_t fixed;                      /* 1: the upstream fix */
} prioritize;

/* TestKubernetes70892.func1, processNode(index) */
static void process_node(void *argp) {
    prioritize *p = argp;
    for (int i = 0; i < CONFIGS; i++) {
        gmp_var elem0 = {.addr = (uint64_t)gmp_load(p->results[i])}; /* results[i]: a read of the header */
        if (!p->fixed) {
            if (gmp_load(elem0) != 4) { /* results[i][0] != 4 */
                /* results[i] = HostPriorityList{7, 8, 9}: a new array (its elements written here) and a
                 * write of the shared header: the racy write */
                gmp_var lit0 = gmp_new_var("HostPriorityList{7,8,9}[0]", 7);
                gmp_store(p->results[i], (int64_t)lit0.addr);
            }
        } else {
            /* the fix: only this node's element, results[i][index] */
            GMP_ASSERT(elem0.addr == p->elems[i][0].addr, "the fix never reassigns results[i]");
            gmp_var mine = p->elems[i][p->piece];
            if (gmp_load(mine) != 4) gmp_store(mine, 7);
        }
    }
}

/* ParallelizeUntil.func1: a worker */
static void worker(void *argp) {
    prioritize p = *(prioritize *)argp;
    while (gmp_recv(p.to_process, &p.piece)) {                            /* for piece := range toProcess */
        int k = GMP_SELECT(NULL, true, GMP_RECV_CASE(p.stop, NULL)); /* case <-stop: return; default: */
        if (k == 0) break;
        GMP_CALL_NAMED(process_node, "main.TestKubernetes70892.func1", p); /* doWorkPiece(piece) */
    }
    gmp_waitgroup_done(p.wg); /* defer wg.Done() */
}

/* ParallelizeUntil(ctx, workers, pieces, doWorkPiece) */
static void parallelize_until(void *argp) {
    prioritize *p = argp;
    gmp_context ctx = gmp_context_background();
    p->stop = gmp_context_done(ctx); /* nil: never ready */
    int64_t pieces = NODES, workers = WORKERS;
    p->to_process = gmp_make_chan(sizeof(int64_t), pieces);
    for (int64_t i = 0; i < pieces; i++) gmp_send(p->to_process, &i);
    gmp_close(p->to_process);
    if (pieces < workers) workers = pieces;
    p->wg = gmp_waitgroup_new();
    gmp_waitgroup_add(p->wg, workers);
    for (int64_t i = 0; i < workers; i++) GMP_GO_NAMED(worker, "main.ParallelizeUntil.func1", *p);
    gmp_waitgroup_wait(p->wg);
}

static void run70892(int64_t fixed) {
    prioritize p = {.fixed = fixed};
    /* results := make([]HostPriorityList, 3); results[i] = make(HostPriorityList, 2) */
    for (int i = 0; i < CONFIGS; i++) {
        for (int n = 0; n < NODES; n++) p.elems[i][n] = gmp_new_var("results[i][n]", 0);
        p.results[i] = gmp_new_var("results[i]", (int64_t)p.elems[i][0].addr);
    }
    GMP_CALL_NAMED(parallelize_until, "main.ParallelizeUntil", p);
}

static void kubernetes_70892_main(void *argp) {
    (void)argp;
    run70892(0);
}

static void kubernetes_70892_fixed_main(void *argp) {
    (void)argp;
    run70892(1);
}

GMP_SCENARIO(kubernetes_70892,
             "Kubernetes PR 70892 (GoBench GoKer nonblocking/kubernetes/70892, the scheduler's PrioritizeNodes): "
             "a data race between the workers of ParallelizeUntil. The test makes results, three slices of two "
             "scores, and runs ParallelizeUntil(Background, 2 workers, 2 pieces, processNode): the pieces go "
             "into a buffered channel that is closed, and each worker ranges over it. processNode(index), a "
             "closure over results, reads results[i][0] for each i and, finding no 4 there, assigns "
             "results[i] = HostPriorityList{7, 8, 9}: it reassigns the shared slice headers instead of writing "
             "its own node's score. When the two workers each take one piece, one reads results[i] while the "
             "other writes it, unordered: the race detector reports the read and the write in "
             "main.TestKubernetes70892.func1, both goroutines created by main.ParallelizeUntil (outcome race). "
             "When one worker drains both pieces before the other starts (the other then only sees the closed "
             "channel), there is no race: the second worker must be stolen by another P while the first is "
             "still working. Reproduce: gmpsim explore kubernetes_70892 --race --strategy pct:3 --runs 200. Compare "
             "kubernetes_70892_fixed.",
             kubernetes_70892_main)

GMP_SCENARIO(kubernetes_70892_fixed,
             "kubernetes_70892 with the upstream fix's rule (PR 70892: the slices are made outside the node loop, "
             "and 'the node loop can only safely modify result[i][index]'): processNode(index) only reads the "
             "headers, which nobody writes any more, and reads and writes its own element results[i][index]. "
             "The two workers touch different elements, so no race is reported (run with --race).",
             kubernetes_70892_fixed_main)
