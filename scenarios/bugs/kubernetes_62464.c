/* kubernetes_62464: GoBench GoKer blocking/kubernetes/62464 (Kubernetes PR 62464, "avoid double RLock()
 * in cpumanager"). The CPU manager's in-memory state read-locks its RWMutex and, still holding it, calls
 * getters that read-lock it again; a writer waiting in between deadlocks the reader. */
#include <gmpsim.h>

typedef struct {
    gmp_rwmutex mu; /* stateMemory's embedded sync.RWMutex */
    int64_t ok;     /* GetCPUSet's result, returned in the caller's argument block */
    int64_t fixed;  /* 1: the upstream fix */
} state_memory;


/* (*stateMemory).GetCPUSet: is there an assignment for the container? rand.Intn(10) > 5 */
static void get_cpu_set(void *argp) {
    state_memory *s = argp;
    gmp_rwmutex_rlock(s->mu);
    s->ok = gmp_rand_intn(10) > 5;
    gmp_rwmutex_runlock(s->mu); /* defer s.RUnlock() */
}

/* (*stateMemory).GetDefaultCPUSet */
static void get_default_cpu_set(void *argp) {
    state_memory *s = argp;
    gmp_rwmutex_rlock(s->mu);
    gmp_rwmutex_runlock(s->mu); /* defer s.RUnlock() */
}

/* (*stateMemory).SetDefaultCPUSet */
static void set_default_cpu_set(void *argp) {
    state_memory *s = argp;
    gmp_rwmutex_lock(s->mu);
    gmp_rwmutex_unlock(s->mu); /* defer s.Unlock() */
}

/* (*stateMemory).GetCPUSetOrDefault */
static void get_cpu_set_or_default(void *argp) {
    state_memory *s = argp;
    gmp_rwmutex_rlock(s->mu);
    if (!s->fixed) {
        /* buggy: s.GetCPUSet() and s.GetDefaultCPUSet() read-lock s again while this goroutine holds it */
        GMP_CALL(get_cpu_set, *s);
        if (!s->ok) GMP_CALL(get_default_cpu_set, *s);
    } else {
        /* the fix: the assignment and the default set are read directly under the one read lock */
        (void)(gmp_rand_intn(10) > 5);
    }
    gmp_rwmutex_runlock(s->mu); /* defer s.RUnlock() */
}

/* (*manager).reconcileState (G1) */
static void reconcile_state(void *argp) {
    state_memory s = *(state_memory *)argp;
    GMP_CALL(get_cpu_set_or_default, s);
}

/* (*staticPolicy).RemoveContainer (G2) */
static void remove_container(void *argp) {
    state_memory s = *(state_memory *)argp;
    GMP_CALL(get_default_cpu_set, s);
    GMP_CALL(set_default_cpu_set, s);
}

static void run62464(int64_t fixed) {
    /* NewPolicyAndManager: one stateMemory shared by the manager and the policy */
    state_memory s = {.mu = gmp_rwmutex_new(), .fixed = fixed};
    GMP_GO_NAMED(reconcile_state, "main.(*manager).reconcileState", s);
    GMP_GO_NAMED(remove_container, "main.(*staticPolicy).RemoveContainer", s);
}

static void kubernetes_62464_main(void *argp) {
    (void)argp;
    run62464(0);
}

static void kubernetes_62464_fixed_main(void *argp) {
    (void)argp;
    run62464(1);
}

GMP_SCENARIO(kubernetes_62464,
             "Kubernetes PR 62464 (GoBench GoKer blocking/kubernetes/62464, kubelet CPU manager): a recursive "
             "read lock. The test starts G1, the manager's reconcileState, which calls "
             "state.GetCPUSetOrDefault: RLock, then GetCPUSet (RLock again, rand.Intn(10) > 5 says whether the "
             "container has an assignment, RUnlock) and, when it has none, GetDefaultCPUSet (RLock again, "
             "RUnlock), then RUnlock. It also starts G2, the static policy's RemoveContainer: GetDefaultCPUSet "
             "(RLock, RUnlock), then SetDefaultCPUSet (Lock, Unlock). sync.RWMutex prefers writers: a pending "
             "Lock blocks new RLocks. The interleaving: G1 holds its first read lock; G2 calls Lock and waits "
             "for G1's reader; G1's nested RLock (in GetCPUSet, or in GetDefaultCPUSet) waits behind G2's "
             "pending Lock. Each waits for the other. The draw is a recorded rand decision "
             "(gmp_rand_intn). Symptom: after the test returns both goroutines leak, G1 in "
             "[sync.RWMutex.RLock] in main.get_default_cpu_set (under main.get_cpu_set_or_default), G2 in "
             "[sync.RWMutex.Lock] in main.set_default_cpu_set (outcome leak). G2's Lock must arrive inside G1's "
             "read section, between two RLocks a few virtual ns apart, so the two must run on different Ps "
             "and G1's thread must stop in between: only the OS does that (--os-preempt: an ospreempt "
             "Decision deschedules G1's M before its nested RLock). At --procs 1 no schedule fails. "
             "Reproduce: gmpsim explore kubernetes_62464 --os-preempt --strategy pct:3 --runs 1000. Compare "
             "kubernetes_62464_fixed.",
             kubernetes_62464_main)

GMP_SCENARIO(kubernetes_62464_fixed,
             "kubernetes_62464 with the upstream fix (PR 62464): GetCPUSetOrDefault reads the container's "
             "assignment and the default set directly under its single read lock instead of calling the "
             "getters that lock again, so no goroutine read-locks twice and G2's Lock only waits for a read "
             "section that ends. No schedule leaks, whatever the draw.",
             kubernetes_62464_fixed_main)
