/* tests/test_explore.c: explore (sim/explore.c), its strategies (sim/strategy.c) and
 * failure signatures.
 *
 * The failing scenarios live here (test_rx_*, also used by test_replay.c): their
 * failures depend on the schedule, so some seeds fail and others pass:
 *  - test_rx_order: twelve workers spread over the Ps by stealing; main asserts that
 *    worker 3 finishes before worker 9, which holds for about half the schedules;
 *  - test_rx_lock_order: workers 3 and 8 take two channel-locks in opposite orders,
 *    a deadlock when their critical sections overlap (about one schedule in five);
 *  - test_rx_edit: test_rx_order with an edit (t_rx_edit = 1) that leaves the bug's path
 *    alone: a print at the start and the go statement on another line.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explore.h"
#include "gmpsim.h"
#include "suites.h"

/* [SECTION] scenarios */

enum { T_RX_WORKERS = 12 };

typedef struct {
    int64_t id;
    gmp_chan done;
} t_rx_worker_args;

static void t_rx_worker(void *argp) {
    t_rx_worker_args *a = argp;
    gmp_work(20000 + 5000 * (a->id % 3));
    gmp_send(a->done, &a->id);
}

int t_rx_edit; /* test_rx_edit: 0 as recorded, 1 edited */

static void t_rx_order_main(void *argp) {
    (void)argp;
    if (t_rx_edit) gmp_printf("an edit off the bug's path\n");
    gmp_chan done = gmp_make_chan(sizeof(int64_t), T_RX_WORKERS);
    for (int64_t i = 1; i <= T_RX_WORKERS; i++) {
        t_rx_worker_args a = {.id = i, .done = done};
        if (t_rx_edit) {
            GMP_GO(t_rx_worker, a); /* the same go statement, moved down a line */
        } else {
            GMP_GO(t_rx_worker, a);
        }
    }
    int64_t pos3 = 0, pos9 = 0;
    for (int64_t k = 1; k <= T_RX_WORKERS; k++) {
        int64_t id = 0;
        gmp_recv(done, &id);
        if (id == 3) pos3 = k;
        if (id == 9) pos9 = k;
    }
    GMP_ASSERT(pos3 < pos9, "worker 3 finishes before worker 9");
}
GMP_SCENARIO(test_rx_order, "12 workers; main asserts that worker 3 finishes before worker 9 (some schedules only)",
             t_rx_order_main)
GMP_SCENARIO(test_rx_edit, "test_rx_order, with an edit off the bug's path when t_rx_edit is 1", t_rx_order_main)

typedef struct {
    gmp_chan first, second, done;
    int64_t id;
} t_rx_lock_args;

static void t_rx_locker(void *argp) {
    t_rx_lock_args *a = argp;
    int64_t one = 1;
    gmp_work(20000 + 5000 * (a->id % 3));
    gmp_send(a->first, &one); /* lock: a channel of capacity 1 as a mutex */
    gmp_work(12000);
    gmp_send(a->second, &one);
    gmp_recv(a->second, NULL); /* unlock both */
    gmp_recv(a->first, NULL);
    gmp_send(a->done, &one);
}

static void t_rx_lock_main(void *argp) {
    (void)argp;
    gmp_chan a = gmp_make_chan(sizeof(int64_t), 1), b = gmp_make_chan(sizeof(int64_t), 1);
    gmp_chan done = gmp_make_chan(sizeof(int64_t), T_RX_WORKERS);
    for (int64_t i = 1; i <= T_RX_WORKERS; i++) {
        if (i == 3 || i == 8) {
            t_rx_lock_args l = {.first = i == 3 ? a : b, .second = i == 3 ? b : a, .done = done, .id = i};
            GMP_GO(t_rx_locker, l);
        } else {
            t_rx_worker_args w = {.id = i, .done = done};
            GMP_GO(t_rx_worker, w);
        }
    }
    for (int64_t k = 1; k <= T_RX_WORKERS; k++) gmp_recv(done, NULL);
}
GMP_SCENARIO(test_rx_lock_order,
             "workers 3 and 8 take two channel-locks in opposite orders: a deadlock when they overlap",
             t_rx_lock_main)

/* [SECTION] helpers */

static void t_explore(gmp_explore_result *er, const char *scn, const char *strategy, uint64_t first, int64_t runs,
                      int32_t jobs, int32_t shard_k, int32_t shard_n, int64_t max_failures, const char *out_dir) {
    gmp_explore_options eo = {.scn = gmp_scenario_find(scn), .strategy = strategy, .seed_first = first,
                              .runs = runs, .jobs = jobs, .shard_index = shard_k, .shard_count = shard_n,
                              .max_failures = max_failures, .out_dir = out_dir, .keep_runs = 1};
    ck_assert_ptr_nonnull(eo.scn);
    char err[1024];
    int rc = gmp_explore(&eo, er, err, sizeof err);
    ck_assert_msg(rc == 0, "explore %s %s: %s", scn, strategy ? strategy : "random", err);
}

static char *t_tmpdir(void) {
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/gmpsim-explore-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static int t_count_files(const char *dir) {
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) n += strstr(e->d_name, ".jsonl") != NULL;
    closedir(d);
    return n;
}

static void t_rm_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (d == NULL) return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* The same runs, outcomes and signatures. */
static void t_same_results(const gmp_explore_result *a, const gmp_explore_result *b) {
    ck_assert_int_eq(a->runs, b->runs);
    ck_assert_int_eq(a->failures, b->failures);
    ck_assert_int_eq(a->run_count, b->run_count);
    ck_assert_int_eq(a->group_count, b->group_count);
    for (int64_t i = 0; i < a->run_count; i++) {
        ck_assert_uint_eq(a->runlist[i].seed, b->runlist[i].seed);
        ck_assert_int_eq(a->runlist[i].outcome, b->runlist[i].outcome);
        ck_assert_int_eq(a->runlist[i].group, b->runlist[i].group);
    }
    for (int32_t g = 0; g < a->group_count; g++) {
        ck_assert_str_eq(a->groups[g].signature, b->groups[g].signature);
        ck_assert_int_eq(a->groups[g].count, b->groups[g].count);
        ck_assert_uint_eq(a->groups[g].first_seed, b->groups[g].first_seed);
    }
}

/* [SECTION] tests */

/* Some seeds fail, some pass: what the other tests rely on. */
START_TEST(test_explore_some_seeds_fail) {
    gmp_explore_result er;
    t_explore(&er, "test_rx_order", NULL, 1, 64, 1, 0, 0, 0, NULL);
    ck_assert_int_eq(er.runs, 64);
    ck_assert_int_gt(er.failures, 0);
    ck_assert_int_lt(er.failures, 64);
    ck_assert_int_eq(er.group_count, 1);
    ck_assert_msg(strncmp(er.groups[0].signature, "assert at main.main (test_explore.c:", 36) == 0, "signature '%s'",
                  er.groups[0].signature);
    gmp_explore_result_free(&er);
    t_explore(&er, "test_rx_lock_order", NULL, 1, 64, 1, 0, 0, 0, NULL);
    ck_assert_int_gt(er.failures, 0);
    ck_assert_int_lt(er.failures, 64);
    ck_assert_int_eq(er.group_count, 1);
    ck_assert_msg(strstr(er.groups[0].signature, "deadlock at {[chan receive] main.main (test_explore.c:") != NULL &&
                      strstr(er.groups[0].signature, "; [chan send] main.t_rx_locker (test_explore.c:") != NULL,
                  "signature '%s'", er.groups[0].signature);
    gmp_explore_result_free(&er);
}
END_TEST

/* --shard K/N: every seed in exactly one shard. */
START_TEST(test_explore_shards_cover_each_seed_once) {
    enum { RUNS = 47, N = 3 };
    int seen[RUNS + 10] = {0};
    int64_t total = 0, failures = 0;
    for (int32_t k = 1; k <= N; k++) {
        gmp_explore_result er;
        t_explore(&er, "test_rx_order", NULL, 5, RUNS, 1, k, N, 0, NULL);
        for (int64_t i = 0; i < er.run_count; i++) {
            uint64_t seed = er.runlist[i].seed;
            ck_assert_msg(seed >= 5 && seed < 5 + RUNS, "shard %d/%d ran seed %llu", k, N, (unsigned long long)seed);
            seen[seed - 5]++;
        }
        total += er.runs;
        failures += er.failures;
        gmp_explore_result_free(&er);
    }
    ck_assert_int_eq(total, RUNS);
    for (int i = 0; i < RUNS; i++) ck_assert_msg(seen[i] == 1, "seed %d ran %d times", i + 5, seen[i]);
    gmp_explore_result whole;
    t_explore(&whole, "test_rx_order", NULL, 5, RUNS, 1, 0, 0, 0, NULL);
    ck_assert_int_eq(whole.failures, failures); /* the shards' results merge into the whole's */
    gmp_explore_result_free(&whole);
}
END_TEST

/* --jobs 2 gives what --jobs 1 gives, seed by seed. */
START_TEST(test_explore_jobs2_same_as_jobs1) {
    const char *strategies[] = {"random", "pct:2"};
    for (int s = 0; s < 2; s++) {
        gmp_explore_result one, two;
        t_explore(&one, "test_rx_lock_order", strategies[s], 1, 60, 1, 0, 0, 0, NULL);
        t_explore(&two, "test_rx_lock_order", strategies[s], 1, 60, 2, 0, 0, 0, NULL);
        t_same_results(&one, &two);
        gmp_explore_result_free(&one);
        gmp_explore_result_free(&two);
    }
}
END_TEST

/* --max-failures N stops at the N-th failure in seed order, whatever --jobs, and
 * leaves exactly those N files in --out. */
START_TEST(test_explore_max_failures_deterministic) {
    gmp_explore_result one, two, first;
    char *d1 = strdup(t_tmpdir()), *d2 = strdup(t_tmpdir());
    t_explore(&one, "test_rx_order", NULL, 1, 200, 1, 0, 0, 3, d1);
    t_explore(&two, "test_rx_order", NULL, 1, 200, 2, 0, 0, 3, d2);
    ck_assert_int_eq(one.failures, 3);
    ck_assert(one.stopped);
    t_same_results(&one, &two);
    ck_assert_int_eq(t_count_files(d1), 3);
    ck_assert_int_eq(t_count_files(d2), 3);
    ck_assert_uint_eq(one.runlist[one.run_count - 1].seed, one.runs); /* the last run is the 3rd failure */
    ck_assert_int_ne(one.runlist[one.run_count - 1].outcome, GMP_OUTCOME_OK);
    t_explore(&first, "test_rx_order", NULL, 1, 200, 2, 0, 0, 1, NULL); /* --until-fail */
    ck_assert_int_eq(first.failures, 1);
    ck_assert_uint_eq(first.groups[0].first_seed, one.groups[0].first_seed);
    gmp_explore_result_free(&one);
    gmp_explore_result_free(&two);
    gmp_explore_result_free(&first);
    t_rm_dir(d1);
    t_rm_dir(d2);
    free(d1);
    free(d2);
}
END_TEST

/* --out: one file per failing schedule and none for passing ones; each replays to
 * the failure it reports. */
START_TEST(test_explore_out_files_replay) {
    char *dir = strdup(t_tmpdir());
    gmp_explore_result er;
    t_explore(&er, "test_rx_lock_order", NULL, 1, 40, 2, 0, 0, 0, dir);
    ck_assert_int_gt(er.failures, 0);
    ck_assert_int_eq(t_count_files(dir), er.failures);
    for (int64_t i = 0; i < er.run_count; i++) {
        char path[512];
        sim_explore_file_name(dir, "test_rx_lock_order", "random", er.runlist[i].seed, path, sizeof path);
        struct stat st;
        int exists = stat(path, &st) == 0;
        ck_assert_int_eq(exists, er.runlist[i].outcome != GMP_OUTCOME_OK);
        if (!exists) continue;
        gmp_replay_result rr;
        int status = gmp_replay_file(path, NULL, &rr);
        ck_assert_msg(status == GMP_REPLAY_IDENTICAL, "%s: status %d, line %lld", path, status,
                      (long long)rr.diverge_line);
        ck_assert_str_eq(rr.signature_replayed, er.groups[er.runlist[i].group].signature);
        gmp_replay_result_free(&rr);
    }
    gmp_explore_result_free(&er);
    t_rm_dir(dir);
    free(dir);
}
END_TEST

/* pct finds the bug and is a function of its seeds. */
START_TEST(test_explore_pct) {
    gmp_explore_result a, b;
    t_explore(&a, "test_rx_order", "pct:3", 1, 50, 1, 0, 0, 0, NULL);
    t_explore(&b, "test_rx_order", "pct:3", 1, 50, 1, 0, 0, 0, NULL);
    ck_assert_int_gt(a.failures, 0);
    t_same_results(&a, &b);
    gmp_explore_result_free(&a);
    gmp_explore_result_free(&b);
}
END_TEST

/* dfs: dfs:0 is the one all-default schedule; a bounded search that ends says so. */
START_TEST(test_explore_dfs) {
    gmp_explore_result er;
    t_explore(&er, "runnext", "dfs:0", 1, 0, 1, 0, 0, 0, NULL);
    ck_assert_int_eq(er.runs, 1);
    ck_assert(er.exhausted);
    gmp_explore_result_free(&er);
    t_explore(&er, "args_copy", "dfs:2", 1, 0, 1, 0, 0, 0, NULL);
    ck_assert(er.exhausted);
    ck_assert_int_gt(er.runs, 1);
    int64_t all = er.runs;
    gmp_explore_result_free(&er);
    t_explore(&er, "args_copy", "dfs:2", 1, all - 1, 1, 0, 0, 0, NULL);
    ck_assert(!er.exhausted);
    ck_assert_int_eq(er.runs, all - 1);
    gmp_explore_result_free(&er);
    t_explore(&er, "test_rx_lock_order", "dfs:1", 1, 400, 1, 0, 0, 1, NULL);
    ck_assert_int_eq(er.failures, 1); /* one deviation is enough for this deadlock */
    gmp_explore_result_free(&er);
}
END_TEST

/* Results files of the shards merge by seed into what one run over all seeds finds. */
START_TEST(test_explore_merge_shards) {
    enum { N = 3 };
    char paths[N][128];
    const char *ptrs[N];
    for (int32_t k = 1; k <= N; k++) {
        gmp_explore_options eo = {.scn = gmp_scenario_find("test_rx_lock_order"), .seed_first = 1, .runs = 60,
                                  .shard_index = k, .shard_count = N, .keep_runs = 1};
        gmp_explore_result er;
        char err[512];
        ck_assert_int_eq(gmp_explore(&eo, &er, err, sizeof err), 0);
        snprintf(paths[k - 1], sizeof paths[k - 1], "/tmp/gmpsim-merge-%d-%d.jsonl", (int)getpid(), k);
        ptrs[k - 1] = paths[k - 1];
        FILE *f = fopen(paths[k - 1], "w");
        ck_assert_int_eq(gmp_explore_write_results(&eo, &er, f), 0);
        fclose(f);
        gmp_explore_result_free(&er);
    }
    gmp_explore_result merged, whole;
    char err[512], scenario[128];
    ck_assert_msg(gmp_explore_merge(ptrs, N, &merged, scenario, sizeof scenario, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(scenario, "test_rx_lock_order");
    t_explore(&whole, "test_rx_lock_order", NULL, 1, 60, 1, 0, 0, 0, NULL);
    ck_assert_int_eq(merged.runs, whole.runs);
    ck_assert_int_eq(merged.failures, whole.failures);
    ck_assert_int_eq(merged.group_count, whole.group_count);
    for (int32_t g = 0; g < whole.group_count; g++) {
        ck_assert_str_eq(merged.groups[g].signature, whole.groups[g].signature);
        ck_assert_uint_eq(merged.groups[g].first_seed, whole.groups[g].first_seed);
        ck_assert_int_eq(merged.groups[g].count, whole.groups[g].count);
        for (int i = 0; i < 8 && i < whole.groups[g].count; i++)
            ck_assert_uint_eq(merged.groups[g].seeds_shown[i], whole.groups[g].seeds_shown[i]);
    }
    gmp_explore_result_free(&merged);
    gmp_explore_result_free(&whole);
    ck_assert_int_eq(gmp_explore_merge(ptrs, N - 1, &merged, scenario, sizeof scenario, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "missing"));
    for (int k = 0; k < N; k++) unlink(paths[k]);
}
END_TEST

START_TEST(test_explore_signatures) {
    char sig[512];
    gmp_signature(GMP_OUTCOME_OK, "", NULL, sig, sizeof sig);
    ck_assert_str_eq(sig, "ok");
    gmp_signature(GMP_OUTCOME_ASSERT, "assertion failed: m: x",
                  "assertion failed: m: x\n\ngoroutine 7 [running]:\nmain.check(0x1, 0x2)\n\tr.c:31\nmain.main()\n"
                  "\tr.c:40\ncreated by main.main in goroutine 1\n\tr.c:12\n",
                  sig, sizeof sig);
    ck_assert_str_eq(sig, "assert at main.check (r.c:31)");
    gmp_signature(GMP_OUTCOME_DEADLOCK, "fatal error: all goroutines are asleep - deadlock!",
                  "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\nmain.main()\n"
                  "\tx.c:9\n\ngoroutine 18 [chan send, 2 minutes]:\nmain.(*T).w(0x3)\n\tx.c:20\ncreated by main.main"
                  " in goroutine 1\n\tx.c:7\n\ngoroutine 19 [chan send]:\nmain.(*T).w(0x4)\n\tx.c:20\n",
                  sig, sizeof sig);
    ck_assert_str_eq(sig, "deadlock at {[chan receive] main.main (x.c:9); [chan send] main.(*T).w (x.c:20)}");
    gmp_signature(GMP_OUTCOME_RACE, "Found 1 data race(s)",
                  "==================\nWARNING: DATA RACE\nRead at 0x00c000010000 by goroutine 2:\n  main.inc()\n"
                  "      t.c:8\n\nPrevious write at 0x00c000010000 by goroutine 3:\n  main.inc()\n      t.c:10\n\n"
                  "Goroutine 2 (running) created at:\n  main.main()\n      t.c:20\n==================\n"
                  "Found 1 data race(s)\n",
                  sig, sizeof sig);
    ck_assert_str_eq(sig, "race at {read main.inc (t.c:8) / previous write main.inc (t.c:10)}");
    gmp_signature(GMP_OUTCOME_LIMIT, "event limit reached (--max-events 1000)", NULL, sig, sizeof sig);
    ck_assert_str_eq(sig, "limit: event limit reached (--max-events N)");
}
END_TEST

START_TEST(test_explore_junit_one_case_per_signature) {
    gmp_explore_options eo = {.scn = gmp_scenario_find("test_rx_lock_order"), .seed_first = 1, .runs = 40};
    gmp_explore_result er;
    char err[512];
    ck_assert_int_eq(gmp_explore(&eo, &er, err, sizeof err), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    gmp_explore_write_junit(&eo, &er, f);
    fclose(f);
    int cases = 0;
    for (const char *p = text; (p = strstr(p, "<testcase ")) != NULL; p++) cases++;
    ck_assert_int_eq(cases, er.group_count > 0 ? er.group_count : 1);
    ck_assert_ptr_nonnull(strstr(text, "failures=\"1\""));
    ck_assert_ptr_nonnull(strstr(text, "<failure type=\"deadlock\""));
    free(text);
    gmp_explore_result_free(&er);
}
END_TEST

START_TEST(test_explore_bad_options) {
    gmp_explore_options eo = {.scn = gmp_scenario_find("steal"), .seed_first = 1, .runs = 10, .strategy = "pct:0"};
    gmp_explore_result er;
    char err[512];
    ck_assert_int_eq(gmp_explore(&eo, &er, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "pct:0"));
    eo.strategy = "dfs:1";
    eo.shard_index = 1;
    eo.shard_count = 2;
    ck_assert_int_eq(gmp_explore(&eo, &er, err, sizeof err), -1);
    eo.strategy = "random";
    eo.shard_index = 3;
    ck_assert_int_eq(gmp_explore(&eo, &er, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "shard"));
}
END_TEST

Suite *explore_suite(void) {
    Suite *s = suite_create("explore");
    TCase *tc = tcase_create("explore");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_explore_some_seeds_fail);
    tcase_add_test(tc, test_explore_shards_cover_each_seed_once);
    tcase_add_test(tc, test_explore_jobs2_same_as_jobs1);
    tcase_add_test(tc, test_explore_max_failures_deterministic);
    tcase_add_test(tc, test_explore_out_files_replay);
    tcase_add_test(tc, test_explore_pct);
    tcase_add_test(tc, test_explore_dfs);
    tcase_add_test(tc, test_explore_merge_shards);
    tcase_add_test(tc, test_explore_signatures);
    tcase_add_test(tc, test_explore_junit_one_case_per_signature);
    tcase_add_test(tc, test_explore_bad_options);
    suite_add_tcase(s, tc);
    return s;
}
