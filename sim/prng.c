#include "prng.h"

#include "check.h"

void sim_prng_init(sim_prng *r, uint64_t seed) {
    SIM_ASSERT(r != 0);
    /* Mix the seed once (splitmix64 finaliser) so that seeds 1, 2, 3 start far apart. */
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    r->state = z ^ (z >> 31);
}

uint32_t sim_prng_next(sim_prng *r) {
    SIM_ASSERT(r != 0);
    r->state += 0xa0761d6478bd642full;
    __uint128_t m = (__uint128_t)r->state * (r->state ^ 0xe7037ed1a0b428dbull);
    uint64_t v = (uint64_t)(m >> 64) ^ (uint64_t)m;
    return (uint32_t)v;
}

uint32_t sim_prng_n(sim_prng *r, uint32_t n) {
    SIM_ASSERT(n >= 1);
    uint32_t v = (uint32_t)(((uint64_t)sim_prng_next(r) * n) >> 32);
    SIM_ASSERT(v < n);
    return v;
}
