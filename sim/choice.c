/* sim/choice.c: see choice.h. */
#include "choice.h"

#include "check.h"

static const char *const sim_choice_names[SIM_CHOICE_KIND_COUNT] = {
    [SIM_CHOICE_TIE] = "tie",
    [SIM_CHOICE_STEAL_ORDER] = "steal_order",
    [SIM_CHOICE_SELECT_ORDER] = "select_order",
};

const char *sim_choice_kind_name(sim_choice_kind k) {
    SIM_ASSERT(k >= 0 && k < SIM_CHOICE_KIND_COUNT);
    return sim_choice_names[k];
}

uint32_t sim_choose(sim_sched *s, sim_choice_kind kind, uint32_t n, const char *why) {
    SIM_ASSERT(n >= 1);
    SIM_ASSERT(kind < SIM_CHOICE_KIND_COUNT);
    if (n == 1) return 0;
    uint32_t c;
    const gmp_strategy *st = s->opt.strategy;
    if (st != NULL && st->choose != NULL) {
        gmp_decision d = {.index = s->decisions, .t_ns = s->now_ns, .kind = sim_choice_names[kind], .n = n};
        c = st->choose(st->ctx, &d);
        if (c >= n) sim_throw("sim_choose: the strategy returned a choice out of range");
    } else {
        c = sim_prng_n(&s->prng, n);
    }
    SIM_ASSERT(c < n);
    s->decisions++;
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "Decision");
    if (o) {
        cJSON_AddStringToObject(o, "kind", sim_choice_names[kind]);
        sim_trace_add_int(o, "n", n);
        sim_trace_add_int(o, "choice", c);
        cJSON_AddStringToObject(o, "why", why);
        sim_trace_emit(&s->trace, o);
    }
    return c;
}
