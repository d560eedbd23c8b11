/* tests/suites.h: the registry of Check suites (libuv's test-list.h). */
#ifndef GMP_TEST_SUITES_H
#define GMP_TEST_SUITES_H

#include <check.h>

Suite *coro_suite(void);
Suite *runq_suite(void);
Suite *sched_suite(void);
Suite *determinism_suite(void);
Suite *plugin_suite(void);
Suite *cli_suite(void);
Suite *proc_suite(void);
Suite *select_suite(void);
Suite *sync_suite(void);
Suite *viz_suite(void);
Suite *replay_suite(void);
Suite *explore_suite(void);
Suite *race_suite(void);
Suite *context_suite(void);
Suite *chan_suite(void);
Suite *bugs_suite(void);

static Suite *(*const gmp_test_suites[])(void) = {
    coro_suite,
    runq_suite,
    sched_suite,
    determinism_suite,
    plugin_suite,
    cli_suite,
    select_suite,
    sync_suite,
    viz_suite,
    proc_suite,
    replay_suite,
    explore_suite,
    race_suite,
    context_suite,
    chan_suite,
    bugs_suite,
    NULL,
};

#endif
