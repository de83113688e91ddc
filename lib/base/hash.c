/* hash.c — see hash.h. XXH3 from libxxhash: fast, stable across versions, and
 * 128 bits make accidental collisions of cache keys and ids a non-issue. */
#include "base/hash.h"

#include <stdio.h>
#include <string.h>
#include <xxhash.h>

static void hex128(XXH128_hash_t h, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

void hash_hex128(const void *data, size_t len, char out[33])
{
	hex128(XXH3_128bits(data, len), out);
}

void hash_hex128_parts(char out[33], int nparts, const char *const *parts)
{
	XXH3_state_t *st = XXH3_createState();
	XXH3_128bits_reset(st);
	for (int i = 0; i < nparts; i++) {
		const char *p = parts[i] ? parts[i] : "";
		unsigned long long n = strlen(p);
		/* length-prefixed, so ("ab","c") and ("a","bc") differ */
		XXH3_128bits_update(st, &n, sizeof n);
		XXH3_128bits_update(st, p, (size_t)n);
	}
	hex128(XXH3_128bits_digest(st), out);
	XXH3_freeState(st);
}

uint64_t hash64(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

void hash_id(char *out, size_t outsz, const char *prefix, int nparts, const char *const *parts)
{
	char h[33];
	hash_hex128_parts(h, nparts, parts);
	snprintf(out, outsz, "%s-%.16s", prefix, h);
}
