/* sim/prng.h: the one seeded PRNG. wyrand, as the runtime's cheaprand on 64-bit
 * platforms (runtime/rand.go), seeded from the run's seed instead of chacha8. */
#ifndef SIM_PRNG_H
#define SIM_PRNG_H

#include <stdint.h>

typedef struct sim_prng {
    uint64_t state;
} sim_prng;

void sim_prng_init(sim_prng *r, uint64_t seed);
/* Models: runtime.cheaprand (wyrand). */
uint32_t sim_prng_next(sim_prng *r);
/* Models: runtime.cheaprandn: (r*n)>>32, uniform in [0, n). n >= 1. */
uint32_t sim_prng_n(sim_prng *r, uint32_t n);

#endif
