/* serving_3148: GoBench GoKer nonblocking/serving/3148 (Knative Serving PR 3148). A test registers a
 * hook (PrependReactor writes the fake clientset's ReactionChain) after starting the controller,
 * whose reconcile reads ReactionChain through the same fake clientset (Fake.Invokes). */
#include <gmpsim.h>

/* The test's objects: the fake Clientset (its embedded Fake), the controller Impl whose Reconciler
 * holds ServingClientSet = cs, and the errgroup-like Group. */
typedef struct {
    gmp_var reaction_chain;   /* Fake.ReactionChain: the slice header (its length here) */
    gmp_waitgroup test_wg;    /* the test's wg */
    gmp_waitgroup group_wg;   /* Group.wg */
    gmp_waitgroup impl_sg;    /* Impl.Run's sg */
    int64_t threadiness;      /* controller.Run(1) */
    int64_t fixed;            /* 1: the fix */
} serving_test;

/* (*Fake).Invokes: for _ = range c.ReactionChain {} */
static void fake_invokes(void *argp) {
    serving_test *t = argp;
    (void)gmp_load(t->reaction_chain); /* the racy read */
}

/* (*FakePodAutoscalers).Create: c.Fake.Invokes(...) */
static void fake_pa_create(void *argp) {
    serving_test *t = argp;
    GMP_CALL_NAMED(fake_invokes, "main.(*Fake).Invokes", *t);
}

/* (*Reconciler).createKPA: c.ServingClientSet.AutoscalingV1alpha1().PodAutoscalers().Create() */
static void create_kpa(void *argp) {
    serving_test *t = argp;
    GMP_CALL_NAMED(fake_pa_create, "main.(*FakePodAutoscalers).Create", *t);
}

/* (*Reconciler).reconcileKPA */
static void reconcile_kpa(void *argp) {
    serving_test *t = argp;
    GMP_CALL_NAMED(create_kpa, "main.(*Reconciler).createKPA", *t);
}

/* (*Reconciler).reconcile: runs its phases; the only one is "KPA" */
static void reconcile(void *argp) {
    serving_test *t = argp;
    GMP_CALL_NAMED(reconcile_kpa, "main.(*Reconciler).reconcileKPA", *t);
}

/* (*Reconciler).Reconcile */
static void reconcile_entry(void *argp) {
    serving_test *t = argp;
    GMP_CALL_NAMED(reconcile, "main.(*Reconciler).reconcile", *t);
}

/* (*Impl).processNextWorkItem: c.controller_Reconciler.Reconcile() */
static void process_next_work_item(void *argp) {
    serving_test *t = argp;
    GMP_CALL_NAMED(reconcile_entry, "main.(*Reconciler).Reconcile", *t);
}

/* (*Impl).Run.func1: go func() { defer sg.Done(); c.processNextWorkItem() }() */
static void impl_worker(void *argp) {
    serving_test *t = argp;
    GMP_CALL_NAMED(process_next_work_item, "main.(*Impl).processNextWorkItem", *t);
    gmp_waitgroup_done(t->impl_sg);
}

/* (*Impl).Run(threadiness) */
static void impl_run(void *argp) {
    serving_test *t = argp;
    for (int64_t i = 0; i < t->threadiness; i++) {
        gmp_waitgroup_add(t->impl_sg, 1);
        GMP_GO_NAMED(impl_worker, "main.(*Impl).Run.func1", *t);
    }
    gmp_waitgroup_wait(t->impl_sg); /* defer sg.Wait() */
}

/* (*Group).Go.func1: go func() { defer g.wg.Done(); f() }() with f = func() { controller.Run(1) } */
static void group_go_func(void *argp) {
    serving_test *t = argp;
    GMP_CALL_NAMED(impl_run, "main.(*Impl).Run", *t);
    gmp_waitgroup_done(t->group_wg);
}

/* (*Fake).PrependReactor: c.ReactionChain = append([]Reactor{&SimpleReactor{}}) */
static void prepend_reactor(void *argp) {
    serving_test *t = argp;
    gmp_store(t->reaction_chain, 1); /* the racy write */
}

/* (*Hooks).OnUpdate(&cs.Fake) */
static void hooks_on_update(void *argp) {
    serving_test *t = argp;
    GMP_CALL_NAMED(prepend_reactor, "main.(*Fake).PrependReactor", *t);
}

/* TestServing3148.func1 */
static void test_body(void *argp) {
    serving_test *t = argp;
    /* cs := &Clientset{}; controller := NewController(); its Reconciler's ServingClientSet = cs; eg := &Group{} */
    if (t->fixed) GMP_CALL_NAMED(hooks_on_update, "main.(*Hooks).OnUpdate", *t); /* the fix: the hook first */
    gmp_waitgroup_add(t->group_wg, 1);                                          /* eg.Go(...) */
    GMP_GO_NAMED(group_go_func, "main.(*Group).Go.func1", *t);
    if (!t->fixed) GMP_CALL_NAMED(hooks_on_update, "main.(*Hooks).OnUpdate", *t); /* buggy: while the controller runs */
    gmp_waitgroup_wait(t->group_wg); /* defer eg.Wait() */
    gmp_waitgroup_done(t->test_wg);  /* defer wg.Done() */
}

static void run3148(int64_t fixed) {
    serving_test t = {.reaction_chain = gmp_new_var("ReactionChain", 0), .test_wg = gmp_waitgroup_new(),
                      .group_wg = gmp_waitgroup_new(), .impl_sg = gmp_waitgroup_new(), .threadiness = 1,
                      .fixed = fixed};
    gmp_waitgroup_add(t.test_wg, 1);
    GMP_GO_NAMED(test_body, "main.TestServing3148.func1", t);
    gmp_waitgroup_wait(t.test_wg);
}

static void serving_3148_main(void *argp) {
    (void)argp;
    run3148(0);
}

static void serving_3148_fixed_main(void *argp) {
    (void)argp;
    run3148(1);
}

GMP_SCENARIO(serving_3148,
             "Knative Serving PR 3148 (GoBench GoKer nonblocking/serving/3148): a data race on a fake clientset. "
             "The test goroutine creates a fake Clientset and a controller whose Reconciler uses it, starts "
             "controller.Run(1) through an errgroup-like Group (Run starts one worker: processNextWorkItem -> "
             "Reconcile -> reconcileKPA -> createKPA -> PodAutoscalers().Create() -> Fake.Invokes, which ranges "
             "over Fake.ReactionChain), and then registers a hook, Hooks.OnUpdate -> Fake.PrependReactor, which "
             "assigns a new ReactionChain. Nothing orders the worker's read with the test's write; the test only "
             "waits for the group afterwards. The race is reported in every schedule, whichever access comes "
             "first: the write in main.(*Fake).PrependReactor and the read in main.(*Fake).Invokes (outcome "
             "race). Reproduce: gmpsim explore serving_3148 --race --runs 10. Compare serving_3148_fixed.",
             serving_3148_main)

GMP_SCENARIO(serving_3148_fixed,
             "serving_3148 with the fix (reconstructed, the upstream patch was not found; it is the usual fix for "
             "this race in Knative tests): the hook is registered before the controller starts, so the write of "
             "ReactionChain happens before the go statement that leads to the worker's read. No race is "
             "reported (run with --race).",
             serving_3148_fixed_main)
