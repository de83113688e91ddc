/* rng.c — see rng.h. */
#include <math.h>
#include "base/rng.h"

uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(ls_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(ls_rng *r)	/* xoshiro256** */
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

float rng_float(ls_rng *r) { return (rng_next(r) >> 40) * (1.0f / 16777216.0f); }

float rng_normal(ls_rng *r)
{
	float u1 = rng_float(r), u2 = rng_float(r);
	if (u1 < 1e-12f)
		u1 = 1e-12f;
	return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}
