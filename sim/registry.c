/* sim/registry.c: scenarios registered by GMP_SCENARIO constructors, in the library
 * (the classroom scenarios) and in plugins loaded with gmp_load_plugin. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gmpsim.h"

enum { SIM_SCENARIOS_MAX = 1024 };

static const gmp_scenario *sim_scenarios[SIM_SCENARIOS_MAX];
static size_t sim_scenario_n;

void gmp_register(const gmp_scenario *scn) {
    SIM_ASSERT(scn != NULL && scn->name != NULL);
    if (sim_scenario_n == SIM_SCENARIOS_MAX || gmp_scenario_find(scn->name) != NULL) return;
    /* Insertion sort by name: constructor order depends on the link, not on us. */
    size_t i = sim_scenario_n++;
    while (i > 0 && strcmp(sim_scenarios[i - 1]->name, scn->name) > 0) {
        sim_scenarios[i] = sim_scenarios[i - 1];
        i--;
    }
    sim_scenarios[i] = scn;
}

size_t gmp_scenario_count(void) {
    return sim_scenario_n;
}

const gmp_scenario *gmp_scenario_at(size_t index) {
    return index < sim_scenario_n ? sim_scenarios[index] : NULL;
}

const gmp_scenario *gmp_scenario_find(const char *name) {
    for (size_t i = 0; name && i < sim_scenario_n; i++)
        if (strcmp(sim_scenarios[i]->name, name) == 0) return sim_scenarios[i];
    return NULL;
}

int gmp_load_plugin(const char *path, const gmp_scenario **first, char *err, size_t err_size) {
    SIM_ASSERT(path != NULL);
    const gmp_scenario *before[SIM_SCENARIOS_MAX];
    size_t n_before = sim_scenario_n;
    memcpy(before, sim_scenarios, n_before * sizeof before[0]);
    /* dlopen needs a slash to read a path rather than search the library path. */
    char buf[4096];
    snprintf(buf, sizeof buf, "%s%s", strchr(path, '/') ? "" : "./", path);
    void *h = dlopen(buf, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        snprintf(err, err_size, "%s: cannot load scenario plugin: %s", path, dlerror());
        return -1;
    }
    if (sim_scenario_n == n_before) {
        snprintf(err, err_size, "%s: no scenario registered (use GMP_SCENARIO)", path);
        return -1;
    }
    if (first) {
        *first = NULL;
        for (size_t i = 0; i < sim_scenario_n && *first == NULL; i++) {
            int old = 0;
            for (size_t j = 0; j < n_before; j++) old |= before[j] == sim_scenarios[i];
            if (!old) *first = sim_scenarios[i];
        }
    }
    return 0;
}
