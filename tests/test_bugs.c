/* test_bugs.c: the real-bug scenarios of scenarios/bugs/ (GoBench GoKer kernels).
 *
 * Each bug must fail within a stated budget of schedules under its best strategy, with the
 * outcome the kernel is known for (a global deadlock, goroutines leaked after main returned,
 * a panic, a data race); each fixed variant must pass a stated number of schedules under
 * random and under pct:3, with the bug's options. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "gmpsim.h"
#include "suites.h"

Suite *bugs_suite(void);

typedef struct b_bug { /* omitted fields: 0, the default */
    const char *name;
    gmp_outcome outcome;  /* what every failure of the bug must be */
    const char *strategy; /* its best strategy (docs/bugs.md) */
    int64_t budget;       /* schedules within which the first failure must come, seeds 1.. */
    int32_t race;         /* explore with --race */
    int32_t go_minor;     /* explore with --go 1.N (0: the default) */
    int64_t leak_grace_ns; /* explore with --leak-grace (0: the default) */
    int32_t leaks_ignore;  /* explore with --leaks=ignore */
    int64_t max_events;    /* explore with --max-events (0: the default) */
    int32_t os_preempt;    /* explore with --os-preempt */
} b_bug;

/* The budgets are about five times the worst first failure over the 20 starting seeds of
 * scripts/bug_figures.sh under the bug's best strategy (docs/bugs.md has the figures), and
 * at least 5. */
static const b_bug b_bugs[] = {
    {"cockroach_13755", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"cockroach_24808", GMP_OUTCOME_DEADLOCK, "random", .budget = 5},
    {"cockroach_35501", GMP_OUTCOME_RACE, "random", .budget = 10, .race = 1, .go_minor = 21},
    {"cockroach_3710", GMP_OUTCOME_LEAK, "random", .budget = 1500},
    {"cockroach_584", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"cockroach_6181", GMP_OUTCOME_LEAK, "random", .budget = 30},
    {"cockroach_9935", GMP_OUTCOME_LEAK, "random", .budget = 20},
    {"etcd_4876", GMP_OUTCOME_RACE, "random", .budget = 15, .race = 1},
    {"etcd_7492", GMP_OUTCOME_LIMIT, "random", .budget = 1035, .max_events = 10000},
    {"grpc_1687", GMP_OUTCOME_PANIC, "random", .budget = 5},
    {"grpc_660", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"grpc_795", GMP_OUTCOME_DEADLOCK, "random", .budget = 5},
    {"grpc_862", GMP_OUTCOME_LEAK, "random", .budget = 5, .leak_grace_ns = 100000},
    {"istio_16224", GMP_OUTCOME_DEADLOCK, "random", .budget = 5, .leaks_ignore = 1},
    {"kubernetes_11298", GMP_OUTCOME_DEADLOCK, "random", .budget = 20},
    {"kubernetes_30872", GMP_OUTCOME_LEAK, "pct:3", .budget = 760},
    {"kubernetes_38669", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"kubernetes_13058", GMP_OUTCOME_PANIC, "pct:3", .budget = 410, .os_preempt = 1},
    {"kubernetes_62464", GMP_OUTCOME_LEAK, "pct:3", .budget = 1085, .os_preempt = 1},
    {"kubernetes_70892", GMP_OUTCOME_RACE, "pct:3", .budget = 150, .race = 1},
    {"moby_21233", GMP_OUTCOME_LEAK, "random", .budget = 15},
    {"moby_25384", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"moby_28462", GMP_OUTCOME_LEAK, "pct:3", .budget = 290},
    {"moby_29733", GMP_OUTCOME_DEADLOCK, "random", .budget = 5},
    {"moby_4951", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"serving_3148", GMP_OUTCOME_RACE, "random", .budget = 5, .race = 1},
    {"etcd_6873", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"etcd_7443", GMP_OUTCOME_DEADLOCK, "random", .budget = 10000, .os_preempt = 1},
    {"grpc_1275", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"grpc_1424", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"kubernetes_5316", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"kubernetes_10182", GMP_OUTCOME_LEAK, "pct:3", .budget = 40},
    {"moby_7559", GMP_OUTCOME_LEAK, "random", .budget = 5},
    {"moby_33293", GMP_OUTCOME_LEAK, "random", .budget = 35},
};
enum { B_BUGS = sizeof b_bugs / sizeof b_bugs[0], B_FIXED_RUNS = 200 };

static const char *const b_strategies[] = {"random", "pct:3"};

static void b_explore(gmp_explore_result *er, const b_bug *b, const char *name, const char *strategy, int64_t runs,
                      int64_t max_failures) {
    gmp_explore_options eo = {.scn = gmp_scenario_find(name), .strategy = strategy, .seed_first = 1,
                              .runs = runs, .max_failures = max_failures, .keep_runs = 1, .race = b->race,
                              .go_minor = b->go_minor, .leak_grace_ns = b->leak_grace_ns,
                              .leaks_ignore = b->leaks_ignore, .max_events = b->max_events,
                              .os_preempt = b->os_preempt};
    ck_assert_msg(eo.scn != NULL, "scenario %s is not registered", name);
    char err[1024];
    ck_assert_msg(gmp_explore(&eo, er, err, sizeof err) == 0, "explore %s: %s", name, err);
}

/* The bug is found within its budget under its best strategy, and every failure is the
 * expected kind. */
START_TEST(test_bug_found) {
    const b_bug *b = &b_bugs[_i];
    gmp_explore_result er;
    b_explore(&er, b, b->name, b->strategy, b->budget, 0);
    ck_assert_msg(er.failures > 0, "%s under %s: no failure in %lld schedules", b->name, b->strategy,
                  (long long)b->budget);
    for (int32_t k = 0; k < er.group_count; k++)
        ck_assert_msg(er.groups[k].outcome == (int32_t)b->outcome, "%s under %s: %s, want %s (%s)", b->name,
                      b->strategy, gmp_outcome_name((gmp_outcome)er.groups[k].outcome),
                      gmp_outcome_name(b->outcome), er.groups[k].signature);
    gmp_explore_result_free(&er);
}
END_TEST

/* The upstream fix never fails. */
START_TEST(test_fixed_passes) {
    const b_bug *b = &b_bugs[_i / 2];
    const char *strategy = b_strategies[_i % 2];
    char name[128];
    snprintf(name, sizeof name, "%s_fixed", b->name);
    gmp_explore_result er;
    b_explore(&er, b, name, strategy, B_FIXED_RUNS, 1);
    ck_assert_int_eq(er.runs, B_FIXED_RUNS);
    ck_assert_msg(er.failures == 0, "%s under %s: %s", name, strategy,
                  er.group_count > 0 ? er.groups[0].signature : "?");
    gmp_explore_result_free(&er);
}
END_TEST

/* Every bug scenario has a fixed twin, and every *_fixed scenario in scenarios/bugs/ is tested. */
START_TEST(test_bugs_listed) {
    int64_t bugs_files = 0;
    for (size_t k = 0; k < gmp_scenario_count(); k++) {
        const gmp_scenario *scn = gmp_scenario_at(k);
        if (strstr(scn->file, "scenarios/bugs/") == NULL) continue;
        bugs_files++;
        char base[128];
        snprintf(base, sizeof base, "%s", scn->name);
        size_t n = strlen(base);
        if (n > 6 && strcmp(base + n - 6, "_fixed") == 0) base[n - 6] = '\0';
        int found = 0;
        for (int i = 0; i < B_BUGS; i++) found |= strcmp(b_bugs[i].name, base) == 0;
        ck_assert_msg(found, "%s (scenarios/bugs/) has no entry in test_bugs.c", scn->name);
    }
    ck_assert_int_eq(bugs_files, 2 * B_BUGS);
}
END_TEST

Suite *bugs_suite(void) {
    Suite *s = suite_create("bugs");
    TCase *tc = tcase_create("bugs");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_bug_found, 0, B_BUGS);
    tcase_add_loop_test(tc, test_fixed_passes, 0, 2 * B_BUGS);
    tcase_add_test(tc, test_bugs_listed);
    suite_add_tcase(s, tc);
    return s;
}
