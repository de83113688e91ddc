/* cache.h — a content-addressed on-disk cache for expensive stages (--cache DIR).
 *
 * Key = hash(tool, tool version, options string, canonical input record).
 * Values are JSON. Entries are written to a temporary file in the same
 * directory and renamed into place, so a run killed at any point leaves either
 * the whole entry or none: never a torn one. Layout: DIR/TOOL/ab/abcdef....json
 * Safe to share between concurrent processes and threads (rename is atomic).
 */
#ifndef LS_CACHE_H
#define LS_CACHE_H
#include <jv.h>

typedef struct ls_cache ls_cache;

/* NULL dir gives NULL (no cache: get misses, put does nothing). */
ls_cache *cache_open(const char *dir, const char *tool, const char *version, const char *options);
void cache_close(ls_cache *c);
/* The key for an input record. Consumes nothing; out is 33 bytes. */
void cache_key(ls_cache *c, jv input, char out[33]);
/* The cached value, or jv_invalid() on a miss (or a corrupt entry, which is removed). */
jv cache_get(ls_cache *c, const char key[33]);
/* Store value (consumed). Returns 0 or -1 (reported once on stderr; the run goes on). */
int cache_put(ls_cache *c, const char key[33], jv value);
/* Counters for the summary. */
void cache_stats(const ls_cache *c, long *hits, long *misses);

#endif
