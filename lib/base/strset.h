/* strset.h — a set of byte strings that it does not own (pointers into a
 * source text that outlives the set): open addressing, grown at half full.
 * A zeroed strset is empty and ready. */
#ifndef LS_STRSET_H
#define LS_STRSET_H
#include <stddef.h>
#include <stdint.h>

typedef struct { const char **k; uint32_t *l; size_t n, cap; } strset;

/* The hash it uses (FNV-1a: keys are identifiers, a few bytes each). */
uint64_t strset_hash(const char *s, size_t n);
/* Adds s[0..n); 1 when it was not there yet. Aborts when out of memory. */
int strset_add(strset *x, const char *s, size_t n);
int strset_has(const strset *x, const char *s, size_t n);
/* Empty, keeping the table for reuse. */
void strset_clear(strset *x);
void strset_free(strset *x);

#endif
