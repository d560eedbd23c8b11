/* etcd_7492: GoBench GoKer blocking/etcd/7492 (etcd PR 7492, issue 7471, auth simple tokens).
 * Authenticate holds simpleTokensMu while it posts to the TTL keeper's channel; the keeper's
 * ticker path takes simpleTokensMu, and only the keeper drains that channel. */
#include <gmpsim.h>

typedef struct {
    gmp_rwmutex simple_tokens_mu; /* tokenSimple.simpleTokensMu (only Lock/Unlock are used) */
    gmp_chan add_simple_token_ch; /* simpleTokenTTLKeeper.addSimpleTokenCh: make(chan struct{}, 1) */
    gmp_chan stop_ch;             /* simpleTokenTTLKeeper.stopCh: make(chan chan struct{}) */
    gmp_var tokens;               /* simpleTokenTTLKeeper.tokens: 1 while the map holds token "1" */
    gmp_waitgroup wg;             /* the test's WaitGroup, captured by its goroutines */
    int64_t fixed;                /* 1: the upstream fix */
} token_simple;

/* newDeleterFunc's closure: the keeper's deleteTokenFunc */
static void new_deleter_func1(void *argp) {
    token_simple *t = argp;
    if (t->fixed) return; /* the fix: the keeper calls it with simpleTokensMu already held */
    gmp_rwmutex_lock(t->simple_tokens_mu);
    gmp_rwmutex_unlock(t->simple_tokens_mu); /* defer t.simpleTokensMu.Unlock() */
}

/* (*simpleTokenTTLKeeper).run: G1 */
static void keeper_run(void *argp) {
    token_simple t = *(token_simple *)argp;
    gmp_chan tick;
    gmp_timer ticker = gmp_new_ticker(1, &tick); /* time.NewTicker(time.Nanosecond) */
    for (;;) {
        gmp_chan wait_ch = GMP_NIL_CHAN;
        /* the fix has no addSimpleTokenCh: its case is on the nil channel, never chosen */
        gmp_chan add = t.fixed ? GMP_NIL_CHAN : t.add_simple_token_ch;
        int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(add, NULL), GMP_RECV_CASE(tick, NULL),
                           GMP_RECV_CASE(t.stop_ch, &wait_ch));
        if (k == 0) {
            gmp_store(t.tokens, 1); /* tm.tokens["1"] = time.Now() */
        } else if (k == 1) {
            if (t.fixed) gmp_rwmutex_lock(t.simple_tokens_mu); /* the fix: the sweep holds the mutex */
            if (gmp_load(t.tokens)) {                          /* for t := range tm.tokens */
                GMP_CALL(new_deleter_func1, t);               /* buggy: Lock while a sender holds it */
                gmp_store(t.tokens, 0);                        /* delete(tm.tokens, t) */
            }
            if (t.fixed) gmp_rwmutex_unlock(t.simple_tokens_mu);
        } else {
            gmp_send(wait_ch, NULL); /* waitCh <- struct{}{} */
            gmp_timer_stop(ticker);  /* defer tokenTicker.Stop() */
            return;
        }
    }
}

/* (*simpleTokenTTLKeeper).addSimpleToken */
static void add_simple_token(void *argp) {
    token_simple *t = argp;
    if (t->fixed) gmp_store(t->tokens, 1);    /* the fix: a map write under simpleTokensMu */
    else gmp_send(t->add_simple_token_ch, NULL); /* buggy: blocks when the buffer is full */
}

/* (*tokenSimple).assignSimpleTokenToUser */
static void assign_simple_token_to_user(void *argp) {
    token_simple *t = argp;
    gmp_rwmutex_lock(t->simple_tokens_mu);
    GMP_CALL(add_simple_token, *t);
    gmp_rwmutex_unlock(t->simple_tokens_mu);
}

/* (*tokenSimple).assign */
static void assign(void *argp) {
    token_simple *t = argp;
    GMP_CALL(assign_simple_token_to_user, *t);
}

/* (*authStore).Authenticate */
static void authenticate(void *argp) {
    token_simple *t = argp;
    GMP_CALL(assign, *t);
}

/* go func() { defer wg.Done(); as.Authenticate() }(): G2 */
static void test_func1(void *argp) {
    token_simple t = *(token_simple *)argp;
    GMP_CALL(authenticate, t);
    gmp_waitgroup_done(t.wg);
}

/* NewSimpleTokenTTLKeeper */
static void new_simple_token_ttl_keeper(void *argp) {
    token_simple *t = argp;
    t->tokens = gmp_new_var("tokens", 0);
    t->add_simple_token_ch = gmp_make_chan(0, 1);
    t->stop_ch = gmp_make_chan(sizeof(gmp_chan), 0);
    GMP_GO_NAMED(keeper_run, "main.(*simpleTokenTTLKeeper).run", *t); /* G1 */
}

/* (*simpleTokenTTLKeeper).stop */
static void keeper_stop(void *argp) {
    token_simple *t = argp;
    gmp_chan wait_ch = gmp_make_chan(0, 0);
    gmp_send(t->stop_ch, &wait_ch);
    gmp_recv(wait_ch, NULL);
    gmp_close(t->stop_ch);
}

/* (*tokenSimple).disable: the test's tearDown */
static void disable(void *argp) {
    token_simple *t = argp;
    GMP_CALL(keeper_stop, *t);
    gmp_rwmutex_lock(t->simple_tokens_mu);
    gmp_rwmutex_unlock(t->simple_tokens_mu);
}

/* TestEtcd7492 */
static void run7492(int64_t fixed) {
    token_simple t = {.simple_tokens_mu = gmp_rwmutex_new(), .fixed = fixed};
    GMP_CALL(new_simple_token_ttl_keeper, t); /* setupAuthStore: as.tokenProvider.enable() */
    t.wg = gmp_waitgroup_new();
    gmp_waitgroup_add(t.wg, 3);
    for (int i = 0; i < 3; i++) GMP_GO_NAMED(test_func1, "main.TestEtcd7492.func1", t);
    gmp_waitgroup_wait(t.wg);
    GMP_CALL(disable, t); /* defer tearDown() */
}

static void etcd_7492_main(void *argp) {
    (void)argp;
    run7492(0);
}

static void etcd_7492_fixed_main(void *argp) {
    (void)argp;
    run7492(1);
}

GMP_SCENARIO(etcd_7492,
             "etcd PR 7492 (GoBench GoKer blocking/etcd/7492, issue 7471, auth simple tokens): a lock and a "
             "channel mixed. The token TTL keeper G1 loops on a select over addSimpleTokenCh (buffer 1: remember "
             "a token), a 1 ns ticker (for each remembered token call deleteTokenFunc, which locks "
             "simpleTokensMu, and forget it) and stopCh. Three test goroutines call Authenticate, which locks "
             "simpleTokensMu, sends on addSimpleTokenCh and unlocks; main waits for them on a WaitGroup, then "
             "stops the keeper. The interleaving: G1 has remembered a token; the buffer holds another; an "
             "Authenticate (on another P) holds simpleTokensMu and blocks on the full channel; G1's select takes "
             "the ticker and blocks in deleteTokenFunc's Lock. Only G1 drains the channel, so neither moves. "
             "Symptom: a hang. main waits in [semacquire] (WaitGroup.Wait) in main.main, G1 in [sync.Mutex.Lock] "
             "(RWMutex.Lock's writer mutex) in main.new_deleter_func1, one Authenticate in [chan send] in "
             "main.add_simple_token. As in Go before 1.23, the runtime does not call this a deadlock: the "
             "keeper's ticker is still armed (checkdead sees a timer) and fires every nanosecond, so the run "
             "ends at the event limit (outcome limit, the test's timeout; `gmpsim dump FILE --at T` shows the "
             "goroutines above). Run it with --max-events 200000 (a passing run takes about a thousand events at "
             "--procs 4; at --procs 1 about a million, G1 keeping its P under the ticker until sysmon preempts "
             "it), else each hang costs 50 million events. At --procs 4 about 2% of schedules hang (90 of 5000 "
             "under random, 120 under pct:3); none did in 2000 at --procs 2 nor at --procs 1, where G1 drains "
             "the channel between any two sends. "
             "Reproduce: gmpsim explore etcd_7492 --max-events 200000 --runs 1000. Compare etcd_7492_fixed.",
             etcd_7492_main)

GMP_SCENARIO(etcd_7492_fixed,
             "etcd_7492 with the upstream fix (PR 7492, \"get rid of deadlocking channel passing scheme in "
             "simpleTokenTTL\": just use the mutex): addSimpleTokenCh is gone; Authenticate adds the token to the "
             "keeper's map directly while it holds simpleTokensMu, and the keeper's ticker path takes "
             "simpleTokensMu itself around its sweep (deleteTokenFunc no longer locks), so nobody blocks on a "
             "channel while holding the mutex. The stop protocol is the kernel's. No schedule hangs (run it with "
             "--max-events 200000, as etcd_7492).",
             etcd_7492_fixed_main)
