/* cockroach_6181: GoBench GoKer blocking/cockroach/6181 (CockroachDB PR 6181, "kv: fix deadlock when
 * running with --verbosity=2"). A log line formats the range cache, whose String method read-locks the
 * RWMutex the caller already read-locked: a recursive RLock that a pending writer turns into a deadlock. */
#include <gmpsim.h>

typedef struct {
    gmp_rwmutex range_cache_mu; /* rangeDescriptorCache.rangeCacheMu */
    gmp_waitgroup wg;           /* pauseLookupResumeAndAssert's wg */
    int64_t fixed;              /* 1: the upstream fix */
} range_descriptor_cache;

/* (*rangeDescriptorCache).stringLocked: the caller holds the lock */
static const char *string_locked(const range_descriptor_cache *rdc) {
    (void)rdc;
    return "something here";
}

/* (*rangeDescriptorCache).String: fmt's %s calls it; it read-locks the cache itself */
static void rdc_string(void *argp) {
    range_descriptor_cache *rdc = argp;
    gmp_rwmutex_rlock(rdc->range_cache_mu);
    (void)string_locked(rdc);
    gmp_rwmutex_runlock(rdc->range_cache_mu); /* defer rdc.rangeCacheMu.RUnlock() */
}

/* (*rangeDescriptorCache).LookupRangeDescriptor */
static void lookup_range_descriptor(void *argp) {
    range_descriptor_cache *rdc = argp;
    gmp_rwmutex_rlock(rdc->range_cache_mu);
    if (!rdc->fixed) {
        /* fmt.Printf("lookup range descriptor: %s", rdc): formatting calls rdc.String(), a second RLock
         * by this goroutine while it holds one; a writer waiting in between blocks it */
        GMP_CALL(rdc_string, *rdc);
        gmp_printf("lookup range descriptor: %s\n", "something here");
    } else {
        /* the fix: under the read lock the cache is formatted with stringLocked, no second RLock */
        gmp_printf("lookup range descriptor: %s\n", string_locked(rdc));
    }
    gmp_rwmutex_runlock(rdc->range_cache_mu);
    gmp_rwmutex_lock(rdc->range_cache_mu);
    gmp_rwmutex_unlock(rdc->range_cache_mu);
}

/* doLookupWithToken */
static void do_lookup_with_token(void *argp) {
    range_descriptor_cache *rc = argp;
    GMP_CALL(lookup_range_descriptor, *rc);
}

/* the lookup goroutines G2, G3, G4: go func() { doLookupWithToken(db.cache); wg.Done() }() */
static void lookup_func(void *argp) {
    range_descriptor_cache rc = *(range_descriptor_cache *)argp;
    GMP_CALL(do_lookup_with_token, rc);
    gmp_waitgroup_done(rc.wg);
}

/* pauseLookupResumeAndAssert: three concurrent lookups, then wg.Wait() */
static void pause_lookup_resume_and_assert(void *argp) {
    range_descriptor_cache *db = argp;
    db->wg = gmp_waitgroup_new();
    for (int i = 0; i < 3; i++) {
        gmp_waitgroup_add(db->wg, 1);
        GMP_GO_NAMED(lookup_func, "main.testRangeCacheCoalescedRquests.func1.1", *db);
    }
    gmp_waitgroup_wait(db->wg);
}

/* testRangeCacheCoalescedRquests (G1); initTestDescriptorDB makes the cache */
static void test_range_cache_coalesced_rquests(void *argp) {
    range_descriptor_cache db = *(range_descriptor_cache *)argp;
    db.range_cache_mu = gmp_rwmutex_new();
    GMP_CALL(pause_lookup_resume_and_assert, db);
}

static void run6181(int64_t fixed) {
    range_descriptor_cache db = {.fixed = fixed};
    /* TestCockroach6181: go testRangeCacheCoalescedRquests() and return */
    GMP_GO_NAMED(test_range_cache_coalesced_rquests, "main.testRangeCacheCoalescedRquests", db);
}

static void cockroach_6181_main(void *argp) {
    (void)argp;
    run6181(0);
}

static void cockroach_6181_fixed_main(void *argp) {
    (void)argp;
    run6181(1);
}

GMP_SCENARIO(cockroach_6181,
             "CockroachDB PR 6181 (GoBench GoKer blocking/cockroach/6181): a recursive read lock. The test "
             "starts G1 (testRangeCacheCoalescedRquests), which starts three lookups (G2, G3, G4) and waits for "
             "them on a WaitGroup. Each lookup read-locks rangeCacheMu, logs the cache with fmt.Printf(\"%s\", "
             "rdc), read-unlocks, then takes and releases the write lock. Formatting the cache calls its String "
             "method, which read-locks rangeCacheMu again while the goroutine still holds its first read lock. "
             "sync.RWMutex prefers writers: once a writer waits, new RLocks wait too. The interleaving: G2 holds "
             "the read lock and is about to format; G3 has done its whole read section and calls Lock, which "
             "waits for G2's reader; G2's nested RLock now waits behind G3's pending Lock. G2 and G3 wait for "
             "each other, G1 waits in wg.Wait, and G4 either finished before or waits behind them. Symptom: "
             "after the test returns 3 or 4 goroutines leak, in [sync.RWMutex.RLock] in main.rdc_string, "
             "[sync.RWMutex.Lock] in main.lookup_range_descriptor, [semacquire] (wg.Wait) in "
             "main.pause_lookup_resume_and_assert, and G4, when it has not finished, in [sync.RWMutex.RLock] "
             "in main.lookup_range_descriptor (outcome leak). The writer must arrive inside another "
             "lookup's read section, so the lookups must overlap on different Ps: at --procs 1 no schedule "
             "fails; at the default --procs 4 about one schedule in three does. Reproduce: gmpsim explore "
             "cockroach_6181 --runs 30. Compare cockroach_6181_fixed.",
             cockroach_6181_main)

GMP_SCENARIO(cockroach_6181_fixed,
             "cockroach_6181 with the fix of PR 6181 (as the kernel's comments give it): under the read lock "
             "the log line formats the cache with stringLocked, which takes no lock, so no goroutine read-locks "
             "rangeCacheMu twice and a pending writer can only wait for read sections that end. Every lookup "
             "and the WaitGroup finish in every schedule.",
             cockroach_6181_fixed_main)
