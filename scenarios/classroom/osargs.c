/* osargs: the runtime copies argv into its own array before main runs, and os.Args is
 * a copy of that; goroutines read the snapshot, never the C argv. */
#include <gmpsim.h>

enum { OSARGS_ARGC = 4, OSARGS_WORKERS = 3 };

/* A slice header: what `go worker(os.Args)` copies. The strings stay where they are;
 * here each string is an int64 cell (the number the argument spells). */
typedef struct {
    gmp_var elems[OSARGS_ARGC]; /* the backing array's cells (simulated addresses) */
    int64_t len;
} args_slice;

typedef struct {
    args_slice args;   /* os.Args, by value: the header is copied, the array is shared */
    int64_t id;
    gmp_chan done;
} worker_args;

static const char *const argv_names[OSARGS_ARGC] = {"argv[0]", "argv[1]", "argv[2]", "argv[3]"};
static const char *const argslice_names[OSARGS_ARGC] = {"runtime.argslice[0]", "runtime.argslice[1]",
                                                        "runtime.argslice[2]", "runtime.argslice[3]"};
static const char *const os_args_names[OSARGS_ARGC] = {"os.Args[0]", "os.Args[1]", "os.Args[2]", "os.Args[3]"};

/* Models: runtime.goargs (schedinit): argslice[i] = gostringnocopy(argv[i]). */
static void goargs(args_slice *argslice, const args_slice *argv) {
    for (int64_t i = 0; i < argv->len; i++)
        argslice->elems[i] = gmp_new_var(argslice_names[i], gmp_load(argv->elems[i]));
    argslice->len = argv->len;
}

/* Models: os.runtime_args (os init): append([]string{}, argslice...). */
static void os_init(args_slice *os_args, const args_slice *argslice) {
    for (int64_t i = 0; i < argslice->len; i++)
        os_args->elems[i] = gmp_new_var(os_args_names[i], gmp_load(argslice->elems[i]));
    os_args->len = argslice->len;
}

static void worker(void *argp) {
    worker_args *a = argp;
    gmp_work(5000); /* meanwhile main rewrites the C argv */
    int64_t sum = 0;
    for (int64_t i = 1; i < a->args.len; i++) sum += gmp_load(a->args.elems[i]);
    gmp_printf("worker %lld: os.Args[1:] = %lld %lld %lld (sum %lld)\n", (long long)a->id,
               (long long)gmp_load(a->args.elems[1]), (long long)gmp_load(a->args.elems[2]),
               (long long)gmp_load(a->args.elems[3]), (long long)sum);
    gmp_send(a->done, NULL);
}

static void osargs_main(void *argp) {
    (void)argp;
    /* The process's argv as the kernel and the C runtime left it: `prog 8 250 3`. */
    static const int64_t argv_values[OSARGS_ARGC] = {0, 8, 250, 3};
    args_slice argv = {.len = OSARGS_ARGC}, argslice = {0}, os_args = {0};
    for (int i = 0; i < OSARGS_ARGC; i++) argv.elems[i] = gmp_new_var(argv_names[i], argv_values[i]);
    /* Before main.main: schedinit's goargs, then package os's init. */
    gmp_frame_enter_at("runtime.goargs", NULL, 0, __FILE__, __LINE__);
    goargs(&argslice, &argv);
    gmp_frame_exit_at(__FILE__, __LINE__);
    gmp_frame_enter_at("os.init", NULL, 0, __FILE__, __LINE__);
    os_init(&os_args, &argslice);
    gmp_frame_exit_at(__FILE__, __LINE__);

    worker_args w = {.args = os_args, .done = gmp_make_chan(0, 0)};
    for (w.id = 1; w.id <= OSARGS_WORKERS; w.id++) GMP_GO(worker, w);
    /* A C library rewrites argv in place for ps(1) (setproctitle): the goroutines
     * never see it, they read os.Args. */
    for (int i = 1; i < OSARGS_ARGC; i++) gmp_store(argv.elems[i], -1);
    for (int i = 0; i < OSARGS_WORKERS; i++) gmp_recv(w.done, NULL);
    gmp_printf("main: argv[1] is now %lld, os.Args[1] is still %lld\n", (long long)gmp_load(argv.elems[1]),
               (long long)gmp_load(os_args.elems[1]));
}

GMP_SCENARIO(osargs,
             "The program is started as `prog 8 250 3`. Before main.main runs, the runtime copies the C "
             "argv into its own array (runtime.goargs in schedinit: VarLoad of each argv[i], VarNew of "
             "runtime.argslice[i]) and package os copies that again into os.Args (os.init: append([]string{}, "
             "argslice...)); the frames runtime.goargs and os.init show where each copy happens. main then "
             "starts three workers with os.Args by value: the go statement copies the slice header (ArgCopy "
             "shows the cell addresses), not the strings. Right after the go statements (on seed 1 before "
             "any worker has started), a C library rewrites argv in place (VarStore -1 into argv[i], as "
             "setproctitle does for ps): the workers print 8 250 3 anyway, because they only ever read "
             "os.Args, a snapshot written before their go statements "
             "(the race detector agrees: every load is ordered after the stores by the go statements).",
             osargs_main)
