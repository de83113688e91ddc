/* hash.h — content hashes for ids, cache keys and shard assignment (xxHash XXH3). */
#ifndef LS_HASH_H
#define LS_HASH_H
#include <stddef.h>
#include <stdint.h>

/* 128-bit hash as 32 lowercase hex digits + NUL into out[33]. */
void hash_hex128(const void *data, size_t len, char out[33]);
/* The same over several parts, each part separated so that ("ab","c") != ("a","bc"). */
void hash_hex128_parts(char out[33], int nparts, const char *const *parts);
uint64_t hash64(const void *data, size_t len);
/* A stable record id: "PREFIX-" + the first 16 hex digits of hash of the parts. */
void hash_id(char *out, size_t outsz, const char *prefix, int nparts, const char *const *parts);

#endif
