/* flag_snapshot: options parsed once into a config that is never modified again and
 * published to the goroutines; a reload publishes a new snapshot. */
#include <gmpsim.h>

enum { FLAG_WORKERS = 3 };

/* A *config: its fields are heap cells; a snapshot is never written after publication. */
typedef struct {
    gmp_var workers, limit, verbose;
    int64_t version;
} config;

typedef struct {
    config cfg;        /* the pointer to the snapshot (here, its cells' addresses) */
    gmp_chan updates;  /* a newer *config arrives here */
    gmp_chan done;
    int64_t id;
} worker_args;

/* flag.Parse into a fresh config: "-limit=N -verbose=V". */
static config parse_flags(int64_t version, int64_t limit, int64_t verbose) {
    config c = {.version = version};
    c.workers = gmp_new_var("cfg.workers", FLAG_WORKERS);
    c.limit = gmp_new_var("cfg.limit", limit);
    c.verbose = gmp_new_var("cfg.verbose", verbose);
    return c;
}

static int64_t run_batch(const config *c, int64_t id) {
    int64_t limit = gmp_load(c->limit);
    gmp_work(limit * 100);
    if (gmp_load(c->verbose))
        gmp_printf("worker %lld: %lld items with config v%lld\n", (long long)id, (long long)limit,
                   (long long)c->version);
    return limit;
}

static void worker(void *argp) {
    worker_args *a = argp;
    int64_t items = run_batch(&a->cfg, a->id);
    config next;
    gmp_recv(a->updates, &next); /* the reload: a new snapshot, the old one untouched */
    items += run_batch(&next, a->id);
    gmp_send(a->done, &items);
}

static void flag_snapshot_main(void *argp) {
    (void)argp;
    config cfg = parse_flags(1, 20, 1); /* parsed once, before any goroutine starts */
    worker_args w = {.cfg = cfg, .updates = gmp_make_chan(sizeof(config), FLAG_WORKERS),
                     .done = gmp_make_chan(sizeof(int64_t), 0)};
    for (w.id = 1; w.id <= FLAG_WORKERS; w.id++) GMP_GO(worker, w); /* published by the go statements */
    gmp_work(1000);
    config v2 = parse_flags(2, 5, 1); /* a reload builds a new snapshot ... */
    for (int i = 0; i < FLAG_WORKERS; i++) gmp_send(w.updates, &v2); /* ... and publishes it */
    int64_t total = 0;
    for (int i = 0; i < FLAG_WORKERS; i++) {
        int64_t items = 0;
        gmp_recv(w.done, &items);
        total += items;
    }
    gmp_printf("main: %lld items; v1 still says limit=%lld\n", (long long)total, (long long)gmp_load(cfg.limit));
}

GMP_SCENARIO(flag_snapshot,
             "main parses its flags once into a config (VarNew of cfg.workers, cfg.limit, cfg.verbose) "
             "before starting any goroutine, and publishes it by passing the *config in the go statements: "
             "the go statement happens before the worker starts, so every worker's VarLoad is ordered after "
             "the parse. Nobody writes a published config again. A reload parses a new config (new cells "
             "at new addresses) and publishes the pointer over a buffered channel (ValueCopy of the "
             "handles): a worker sees either the whole old snapshot or the whole new one, never a mix, and "
             "v1 keeps its values. The race detector reports nothing; storing into cfg.limit while the "
             "workers run would be a data race (try it).",
             flag_snapshot_main)
