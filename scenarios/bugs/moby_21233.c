/* moby_21233: GoBench GoKer blocking/moby/21233 (Docker/Moby PR 21233, distribution/xfer TestTransfer).
 * The test's progress consumer gives up early (t.Fatalf) and the watchers block sending progress to it. */
#include <gmpsim.h>

typedef struct {
    gmp_chan signal_chan;  /* Watcher.signalChan */
    gmp_chan release_chan; /* Watcher.releaseChan */
    gmp_chan running;      /* Watcher.running */
} watcher;

typedef struct {
    gmp_mutex mu; /* Transfer.mu */
} transfer;

typedef struct {
    transfer t;
    watcher w;
    gmp_chan progress; /* the chanOutput: progressChan */
} watch_args;

typedef struct {
    gmp_mutex mu;      /* TransferManager.mu */
    gmp_chan progress; /* ChanOutput(progressChan) */
    transfer t;        /* results */
    watcher w;
} tm_transfer_args;

typedef struct {
    gmp_chan progress;      /* progressChan (chan Progress, Progress is struct{}) */
    gmp_chan progress_done; /* progressDone */
    int64_t fixed;          /* 1: the upstream fix */
} test_args;


/* chanOutput.WriteProgress */
static void write_progress(void *argp) {
    gmp_chan *out = argp;
    gmp_send(*out, NULL); /* out <- p: blocks for good once the consumer has left */
}

/* (*Transfer).Watch.func1 (G2): forwards progress until released */
static void watch_func1(void *argp) {
    watch_args *a = argp;
    int64_t done = 0;
    for (;;) {
        gmp_mutex_lock(a->t.mu);
        gmp_mutex_unlock(a->t.mu);
        if (gmp_rand_intn(2) >= 1) GMP_CALL(write_progress, a->progress);
        if (done) break;
        int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(a->w.signal_chan, NULL), GMP_RECV_CASE(a->w.release_chan, NULL));
        if (k == 1) {
            done = 1;
            (void)gmp_select(NULL, 0, true, NULL); /* select { default: } */
        }
    }
    gmp_close(a->w.running); /* defer close(w.running) */
}

/* (*Transfer).Watch */
static void transfer_watch(void *argp) {
    watch_args *a = argp;
    gmp_mutex_lock(a->t.mu);
    a->w = (watcher){.release_chan = gmp_make_chan(0, 0), .signal_chan = gmp_make_chan(0, 0),
                     .running = gmp_make_chan(0, 0)};
    GMP_GO_NAMED(watch_func1, "main.(*Transfer).Watch.func1", *a);
    gmp_mutex_unlock(a->t.mu); /* defer t.mu.Unlock() */
}

/* (*TransferManager).Transfer */
static void tm_transfer(void *argp) {
    tm_transfer_args *a = argp;
    gmp_mutex_lock(a->mu);
    watch_args w = {.t = {.mu = gmp_mutex_new()}, .progress = a->progress}; /* NewTransfer() */
    GMP_CALL(transfer_watch, w);
    a->t = w.t;
    a->w = w.w;
    gmp_mutex_unlock(a->mu); /* defer tm.mu.Unlock() */
}

/* (*Transfer).Release */
static void transfer_release(void *argp) {
    watch_args *a = argp;
    gmp_mutex_lock(a->t.mu);
    gmp_mutex_unlock(a->t.mu);
    gmp_close(a->w.release_chan);
    gmp_recv(a->w.running, NULL); /* <-watcher.running: the leak */
}

/* testTransfer.func1 (G3): the progress consumer */
static void test_transfer_func1(void *argp) {
    test_args *a = argp;
    while (gmp_recv(a->progress, NULL)) { /* for p := range progressChan */
        /* buggy: an unexpected progress update makes the test's check fail (t.Fatalf), which ends
         * this goroutine while the watchers still send */
        if (!a->fixed && gmp_rand_intn(2) >= 1) return;
        gmp_printf("{}\n"); /* fmt.Println(p) */
    }
    gmp_close(a->progress_done);
}

/* testTransfer (G1) */
static void test_transfer(void *argp) {
    test_args a = {.progress = gmp_make_chan(0, 0), .progress_done = gmp_make_chan(0, 0),
                   .fixed = ((test_args *)argp)->fixed};
    gmp_mutex tm = gmp_mutex_new(); /* NewTransferManager() */
    GMP_GO_NAMED(test_transfer_func1, "main.testTransfer.func1", a);
    watch_args xrefs[3]; /* ids: "id1", "id2", "id3"; xrefs[i] with watchers[i] */
    for (int i = 0; i < 3; i++) {
        tm_transfer_args t = {.mu = tm, .progress = a.progress};
        GMP_CALL(tm_transfer, t);
        xrefs[i] = (watch_args){.t = t.t, .w = t.w, .progress = a.progress};
    }
    for (int i = 0; i < 3; i++) GMP_CALL(transfer_release, xrefs[i]);
    gmp_close(a.progress);
    gmp_recv(a.progress_done, NULL);
}

static void run21233(int64_t fixed) {
    test_args a = {.fixed = fixed};
    GMP_GO_NAMED(test_transfer, "main.testTransfer", a); /* G1; the test returns at once */
}

static void moby_21233_main(void *argp) {
    (void)argp;
    run21233(0);
}

static void moby_21233_fixed_main(void *argp) {
    (void)argp;
    run21233(1);
}

GMP_SCENARIO(moby_21233,
             "Moby PR 21233 (GoBench GoKer blocking/moby/21233, distribution/xfer TestTransfer): a consumer that "
             "stops consuming. testTransfer (G1) starts a consumer (G3) ranging over the unbuffered progressChan, "
             "then makes three transfers: each Watch starts a watcher goroutine (G2) that, in a loop, locks and "
             "unlocks the transfer's mutex, sends a progress update to progressChan half of the time "
             "(rand.Int31n(2)), and waits on its signal or release channel (released: one more round, then it "
             "closes running). G1 then releases each transfer (close releaseChan, wait <-running), closes "
             "progressChan and waits for progressDone. The upstream test checked every intermediate update and "
             "called t.Fatalf from the consumer, which ends that goroutine; the kernel has it return on "
             "rand.Int31n(2) >= 1 after a receive. Both draws are recorded rand decisions "
             "(gmp_rand_intn). Once G3 is gone, the next watcher's send blocks forever, so G1 blocks in Release on "
             "<-running; if no send follows, G1 blocks on <-progressDone, which G3 never closes. Symptom: after "
             "the test (main) returns, G1 leaks in [chan receive] (main.transfer_release, or main.testTransfer on "
             "<-progressDone), usually with a watcher in [chan send] in main.write_progress and the watchers not "
             "yet released in [select] (outcome leak). Schedules where G3 prints every update pass (about one in "
             "five). Reproduce: gmpsim explore moby_21233 --runs 20. "
             "Compare moby_21233_fixed.",
             moby_21233_main)

GMP_SCENARIO(moby_21233_fixed,
             "moby_21233 with the upstream fix (PR 21233): the test no longer checks each intermediate progress "
             "update in the consumer goroutine (delivery of intermediate updates is not guaranteed), so the "
             "consumer never leaves early: it drains progressChan until G1 closes it and then closes "
             "progressDone. Every watcher's send is received, every Release returns, and no schedule leaks.",
             moby_21233_fixed_main)
