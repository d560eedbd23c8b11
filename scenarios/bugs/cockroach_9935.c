/* cockroach_9935: GoBench GoKer blocking/cockroach/9935 (CockroachDB PR 9935).
 * The logger's error path locks the mutex it already holds. */
#include <gmpsim.h>

typedef struct {
    gmp_mutex mu;    /* loggingT.mu */
    int64_t fixed;   /* 1: the upstream fix */
} logging;

/* createFile fails when rand.Intn(8)%4 > 0, three times in four. */
static int64_t create_file(logging *l) {
    (void)l;
    return gmp_rand_intn(8) % 4 > 0; /* an error */
}

/* (*loggingT).exit: takes mu (buggy: the caller already holds it) */
static void log_exit(void *argp) {
    logging *l = argp;
    gmp_mutex_lock(l->mu);
    gmp_mutex_unlock(l->mu); /* defer l.mu.Unlock() */
}

/* (*loggingT).outputLogEntry */
static void output_log_entry(void *argp) {
    logging l = *(logging *)argp;
    gmp_mutex_lock(l.mu);
    if (create_file(&l)) {
        if (l.fixed) {
            /* the fix: exit runs without the lock held */
            gmp_mutex_unlock(l.mu);
            GMP_CALL(log_exit, l);
            return;
        }
        GMP_CALL(log_exit, l); /* buggy: Lock of a mutex this goroutine holds */
    }
    gmp_mutex_unlock(l.mu);
}

static void run9935(int64_t fixed) {
    logging l = {.mu = gmp_mutex_new(), .fixed = fixed};
    GMP_GO_NAMED(output_log_entry, "main.(*loggingT).outputLogEntry", l);
}

static void cockroach_9935_main(void *argp) {
    (void)argp;
    run9935(0);
}

static void cockroach_9935_fixed_main(void *argp) {
    (void)argp;
    run9935(1);
}

GMP_SCENARIO(cockroach_9935,
             "CockroachDB PR 9935 (GoBench GoKer blocking/cockroach/9935): a double Lock on an error path. "
             "outputLogEntry locks l.mu and calls createFile; when that fails (rand.Intn(8)%4 > 0, three times "
             "in four) it calls l.exit, which locks l.mu again: sync.Mutex is not reentrant, so the goroutine "
             "waits for itself. The draw is a recorded rand decision (gmp_rand_intn): schedules that draw 0 or 4 succeed, the "
             "others fail. Symptom: the "
             "goroutine leaks in [sync.Mutex.Lock] in main.log_exit after main returns (outcome leak). Reproduce: "
             "gmpsim explore cockroach_9935 --runs 20. Compare cockroach_9935_fixed.",
             cockroach_9935_main)

GMP_SCENARIO(cockroach_9935_fixed,
             "cockroach_9935 with the upstream fix: outputLogEntry releases l.mu before calling exit on the "
             "error path, so exit's Lock always succeeds. No schedule leaks, whatever createFile draws.",
             cockroach_9935_fixed_main)
