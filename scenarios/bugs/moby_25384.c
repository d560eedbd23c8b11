/* moby_25384: GoBench GoKer blocking/moby/25384 (Docker/Moby PR 25384, plugin manager).
 * Manager.init waits for all the plugin goroutines inside the loop that starts them. */
#include <gmpsim.h>

typedef struct {
    int64_t nplugins;        /* len(pm.plugins): two plugins, p1 and p2 */
    int64_t fixed;           /* 1: the upstream fix */
} manager;

typedef struct {
    gmp_waitgroup group;     /* init's local sync.WaitGroup, captured by the closure */
    int64_t plugin;          /* which plugin (the closure's argument p) */
} plugin_args;

/* go func(p *plugin) { defer group.Done() }(p) */
static void init_func1(void *argp) {
    plugin_args *a = argp;
    gmp_waitgroup_done(a->group);
}

/* (*Manager).init */
static void manager_init(void *argp) {
    manager pm = *(manager *)argp;
    plugin_args a = {.group = gmp_waitgroup_new()};
    gmp_waitgroup_add(a.group, pm.nplugins);     /* group.Add(len(pm.plugins)) */
    for (a.plugin = 1; a.plugin <= pm.nplugins; a.plugin++) {
        GMP_GO_NAMED(init_func1, "main.(*Manager).init.func1", a);
        if (!pm.fixed) gmp_waitgroup_wait(a.group); /* buggy: waits for all n Dones after one go */
    }
    if (pm.fixed) gmp_waitgroup_wait(a.group);   /* the fix: one Wait after the loop */
}

static void run25384(int64_t fixed) {
    manager pm = {.nplugins = 2, .fixed = fixed};
    GMP_GO_NAMED(manager_init, "main.(*Manager).init", pm);
    /* the test returns at once */
}

static void moby_25384_main(void *argp) {
    (void)argp;
    run25384(0);
}

static void moby_25384_fixed_main(void *argp) {
    (void)argp;
    run25384(1);
}

GMP_SCENARIO(moby_25384,
             "Moby PR 25384 (GoBench GoKer blocking/moby/25384, plugin manager): a WaitGroup.Wait inside the loop "
             "that starts the goroutines it waits for. The test makes a Manager with two plugins and runs go "
             "pm.init(). init does group.Add(len(pm.plugins)), then for each plugin starts a goroutine that only "
             "calls group.Done() and calls group.Wait() in the same iteration. After the first iteration one Done "
             "has run and the counter is 1; Wait waits for a Done that only the second iteration's goroutine "
             "would make, and that iteration never comes. With one plugin the bug is invisible. No interleaving "
             "is needed: every schedule fails. Symptom: after main returns, init leaks in [sync.WaitGroup.Wait] "
             "in main.manager_init (outcome leak). Reproduce: gmpsim explore moby_25384 --runs 10. Compare "
             "moby_25384_fixed.",
             moby_25384_main)

GMP_SCENARIO(moby_25384_fixed,
             "moby_25384 with the upstream fix (PR 25384, \"fix deadlock when more than 1 plugin is installed\"): "
             "init starts every plugin goroutine first and calls group.Wait() once after the loop, so it waits "
             "for the two Dones that the two goroutines make. No schedule leaks.",
             moby_25384_fixed_main)
