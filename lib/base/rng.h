/* rng.h — the seeded random generator: xoshiro256** seeded through
 * splitmix64, so the same seed gives the same stream on every machine.
 * splitmix64 alone is the cheap one-word generator (ls-gen's sampling). */
#ifndef LS_RNG_H
#define LS_RNG_H
#include <stdint.h>

uint64_t splitmix64(uint64_t *state);	/* advances *state */

typedef struct { uint64_t s[4]; } ls_rng;
void rng_seed(ls_rng *r, uint64_t seed);
uint64_t rng_next(ls_rng *r);
float rng_float(ls_rng *r);		/* uniform in [0, 1) */
float rng_normal(ls_rng *r);		/* standard normal (Box-Muller) */

#endif
