/* cockroach_35501: GoBench GoKer nonblocking/cockroach/35501 (CockroachDB PR 35501, "sql: fix data race
 * in validateChecks", issue 35498). validateChecks starts one goroutine per check inside a range loop,
 * and each goroutine takes the address of the loop variable: before Go 1.22 one variable for the
 * whole loop, overwritten by the next iterations while the goroutines read it. */
#include <gmpsim.h>

enum { CHECKS = 10 };
enum { NIL_STRING = 1 }; /* ConstraintToValidate{Name: "nil string"}, as an id */

typedef struct {
    gmp_waitgroup wg; /* the test's wg */
    int64_t fixed;    /* 1: the upstream fix */
} schema_changer;

/* validateChecks.func1.1: go func() { validateCheckInTxn(desc, &c.Name) }(): &c.Name is captured */
typedef struct {
    gmp_var check_name; /* *checkName: the loop variable's Name field (shared before Go 1.22) */
} check_closure;

/* validateCheckInTxn: tableDesc.FindCheckByName(*checkName) */
static void validate_check_in_txn(void *argp) {
    check_closure *c = argp;
    (void)gmp_load(c->check_name); /* the racy read */
}

static void validate_check_goroutine(void *argp) {
    check_closure *c = argp;
    GMP_CALL_NAMED(validate_check_in_txn, "main.validateCheckInTxn", *c);
}

/* (*SchemaChanger).validateChecks.func1: for _, c := range checks { go func() {...}() } */
static void validate_checks_txn(void *argp) {
    schema_changer *sc = argp;
    /* tableDesc := GetTableDescFromID(); desc := NewImmutableTableDescriptor(*tableDesc).MakeFirstMutationPublic():
     * fresh descriptors, only read afterwards */
    bool per_iteration = gmp_go_minor() >= 22 || sc->fixed; /* Go 1.22, or the fix's c := c */
    gmp_var shared = per_iteration ? (gmp_var){0} : gmp_new_var("c", 0); /* one c for the whole loop */
    for (int i = 0; i < CHECKS; i++) {
        check_closure cl;
        if (per_iteration) {
            cl.check_name = gmp_new_var("c", NIL_STRING); /* this iteration's own c */
        } else {
            gmp_store(shared, NIL_STRING); /* c = checks[i]: the racy write */
            cl.check_name = shared;
        }
        GMP_GO_NAMED(validate_check_goroutine, "main.(*SchemaChanger).validateChecks.func1.1", cl);
    }
}

/* (*SchemaChanger).validateChecks */
static void validate_checks(void *argp) {
    schema_changer *sc = argp;
    GMP_CALL_NAMED(validate_checks_txn, "main.(*SchemaChanger).validateChecks.func1", *sc);
}

/* (*SchemaChanger).runBackfill: ten checks named "nil string" */
static void run_backfill(void *argp) {
    schema_changer *sc = argp;
    GMP_CALL_NAMED(validate_checks, "main.(*SchemaChanger).validateChecks", *sc);
}

/* TestCockroach35501.func1 */
static void test_body(void *argp) {
    schema_changer *sc = argp;
    GMP_CALL_NAMED(run_backfill, "main.(*SchemaChanger).runBackfill", *sc); /* sc := &SchemaChanger{}; sc.runBackfill() */
    gmp_waitgroup_done(sc->wg);
}

static void run35501(int64_t fixed) {
    schema_changer sc = {.wg = gmp_waitgroup_new(), .fixed = fixed};
    gmp_waitgroup_add(sc.wg, 1);
    GMP_GO_NAMED(test_body, "main.TestCockroach35501.func1", sc);
    gmp_waitgroup_wait(sc.wg);
}

static void cockroach_35501_main(void *argp) {
    (void)argp;
    run35501(0);
}

static void cockroach_35501_fixed_main(void *argp) {
    (void)argp;
    run35501(1);
}

GMP_SCENARIO(cockroach_35501,
             "CockroachDB PR 35501 (GoBench GoKer nonblocking/cockroach/35501, issue 35498): a loop variable "
             "captured by reference. validateChecks ranges over ten checks and starts, per check, a goroutine "
             "that calls validateCheckInTxn(desc, &c.Name). With Go before 1.22 (run with --go 1.21) c is one "
             "variable for the whole loop: iteration k+1's c = checks[k+1] writes the Name that goroutine k "
             "reads, and nothing orders that write with goroutine k's read (the go statement only orders the "
             "earlier writes). As soon as one of the first nine goroutines reads before main returns, the race "
             "detector reports the read in main.validateCheckInTxn and the write in "
             "main.(*SchemaChanger).validateChecks.func1 (outcome race). The test waits only for the goroutine "
             "that runs the backfill, not for the validation goroutines, so a schedule where none of them runs "
             "before main returns passes. With --go 1.22 each iteration has its own c and there is no race. "
             "Reproduce: gmpsim explore cockroach_35501 --race --go 1.21 --runs 20. Compare cockroach_35501_fixed.",
             cockroach_35501_main)

GMP_SCENARIO(cockroach_35501_fixed,
             "cockroach_35501 with the fix: each goroutine gets its own copy of the check (c := c in the loop "
             "body, what Go 1.22 does for every loop; the upstream PR's title, 'fix data race in validateChecks', "
             "is known, its diff reconstructed). Each copy is written once, before the go statement that "
             "captures it, so no race is reported even with --go 1.21.",
             cockroach_35501_fixed_main)
