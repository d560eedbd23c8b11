/* sim/var.c: shared int64 variables on the simulated heap (gmp_var). A captured loop
 * variable, a shared counter: loads and stores are scheduling points and are recorded
 * with the value, so schedule-dependent values show in the schedule file. */
#include <stdlib.h>

#include "api.h"
#include "check.h"
#include "cost.h"
#include "frame.h"
#include "race.h"
#include "run.h"

static sim_var *sim_var_lookup(sim_sched *s, gmp_var v) {
    int32_t lo = 0, hi = s->var_count - 1; /* allocated in address order */
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (s->vars[mid].addr == v.addr) return &s->vars[mid];
        if (s->vars[mid].addr < v.addr) lo = mid + 1;
        else hi = mid - 1;
    }
    if (v.addr == 0) sim_fail_current(s, GMP_OUTCOME_PANIC,
                                      "runtime error: invalid memory address or nil pointer dereference");
    sim_fatal(s, "gmpsim: not a variable of this run");
}

static void sim_var_event(sim_sched *s, const char *ev, const sim_var *v, bool atomic) {
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, ev);
    if (o == NULL) return;
    sim_trace_add_int(o, "g", sim_g_at(s, s->curg)->goid);
    cJSON_AddStringToObject(o, "var", v->name);
    sim_trace_add_addr(o, "addr", v->addr);
    sim_trace_add_int(o, "value", v->value);
    if (atomic) cJSON_AddBoolToObject(o, "atomic", true);
    sim_trace_emit(&s->trace, o);
}


gmp_var gmp_new_var_at(const char *name, int64_t init, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    SIM_ASSERT(name != NULL);
    if (s->var_count == s->var_cap) {
        int32_t cap = s->var_cap ? s->var_cap * 2 : 16;
        sim_var *n = realloc(s->vars, (size_t)cap * sizeof *n);
        if (n == NULL) sim_fatal(s, "runtime: cannot allocate memory (variable)");
        s->vars = n;
        s->var_cap = cap;
    }
    sim_var *v = &s->vars[s->var_count++];
    v->name = name;
    v->addr = sim_heap_alloc(s, 8);
    v->value = init;
    SIM_ASSERT(s->var_count == 1 || s->vars[s->var_count - 2].addr < v->addr);
    sim_var_event(s, "VarNew", v, false);
    sim_race_var_new(s, v->addr, v->name);
    return (gmp_var){v->addr};
}

/* A load or store, plain (a racy access) or atomic (synchronisation: a load acquires the
 * variable's clock, a store merges into it). */
static int64_t sim_var_read(sim_sched *s, sim_var *v, bool atomic) {
    int64_t value = v->value;
    sim_var_event(s, "VarLoad", v, atomic);
    if (atomic) sim_race_acquire(s, v->addr);
    else sim_race_read(s, v->addr, v->name);
    sim_charge(s, atomic ? SIM_COST_SYNC_NS : SIM_COST_VAR_NS);
    return value;
}

static int64_t sim_var_load(gmp_var gv, bool atomic, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    return sim_var_read(s, sim_var_lookup(s, gv), atomic);
}

static void sim_var_store(gmp_var gv, int64_t val, bool atomic, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_var *v = sim_var_lookup(s, gv);
    v->value = val;
    sim_var_event(s, "VarStore", v, atomic);
    if (atomic) sim_race_release_merge(s, v->addr);
    else sim_race_write(s, v->addr, v->name);
    sim_charge(s, atomic ? SIM_COST_SYNC_NS : SIM_COST_VAR_NS);
}

int64_t gmp_load_at(gmp_var gv, const char *file, int line) { return sim_var_load(gv, false, file, line); }

void gmp_store_at(gmp_var gv, int64_t val, const char *file, int line) { sim_var_store(gv, val, false, file, line); }

/* ---- [SECTION] sync/atomic ------------------------------------------------------ */

/* Models: sync/atomic's 64-bit operations under the race runtime (race.go's
 * atomic hooks): a load acquires the variable's sync clock, a store releases into it,
 * a read-modify-write does both. Differs: they are not memory accesses for the
 * detector, so a plain access racing with an atomic one is not reported. */

int64_t gmp_atomic_load_at(gmp_var gv, const char *file, int line) { return sim_var_load(gv, true, file, line); }

void gmp_atomic_store_at(gmp_var gv, int64_t val, const char *file, int line) {
    sim_var_store(gv, val, true, file, line);
}

/* A read-modify-write that changed the value: acquire, then release. */
static void sim_atomic_rmw(sim_sched *s, sim_var *v, int64_t new_val) {
    v->value = new_val;
    sim_var_event(s, "VarStore", v, true);
    sim_race_acquire(s, v->addr);
    sim_race_release_merge(s, v->addr);
    sim_charge(s, SIM_COST_SYNC_NS);
}

int64_t gmp_atomic_add_at(gmp_var gv, int64_t delta, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_var *v = sim_var_lookup(s, gv);
    int64_t n = (int64_t)((uint64_t)v->value + (uint64_t)delta); /* wraps, as Go's */
    sim_atomic_rmw(s, v, n);
    return n;
}

int64_t gmp_atomic_swap_at(gmp_var gv, int64_t val, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_var *v = sim_var_lookup(s, gv);
    int64_t old = v->value;
    sim_atomic_rmw(s, v, val);
    return old;
}

bool gmp_atomic_cas_at(gmp_var gv, int64_t old, int64_t new_val, const char *file, int line) {
    sim_sched *s = sim_api_enter(file, line);
    sim_var *v = sim_var_lookup(s, gv);
    if (v->value != old) { /* failed: an atomic load */
        (void)sim_var_read(s, v, true);
        return false;
    }
    sim_atomic_rmw(s, v, new_val);
    return true;
}
