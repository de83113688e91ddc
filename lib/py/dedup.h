/* dedup.h — exact and near-duplicate detection of code.
 *
 * Code is cut into Python tokens (comments and whitespace dropped, string
 * literals kept whole), so reformatting or recommenting does not make a
 * function new. Exact: a 128-bit hash of the token stream. Near: MinHash
 * over 5-token shingles (128 hash functions), with LSH (16 bands of 8
 * rows) to find candidates, kept when the estimated Jaccard similarity is
 * at least the threshold (default 0.85).
 *
 * dd_sign is pure and thread-safe (workers sign); an index is used by one
 * thread. An index grows by about 1 KB per distinct function remembered.
 */
#ifndef LS_DEDUP_H
#define LS_DEDUP_H
#include <stddef.h>
#include <stdint.h>

#define DD_PERM 128
#define DD_BANDS 16
#define DD_ROWS 8
#define DD_SHINGLE 5

typedef struct {
	uint64_t exact[2];
	uint32_t mh[DD_PERM];
	int ntokens;
} dd_sig;

enum { DD_NEW = 0, DD_EXACT = 1, DD_NEAR = 2 };

/* Token stream of code (for tests): tokens joined by single spaces; malloc'd. */
char *dd_normalize(const char *code, size_t n);
void dd_sign(const char *code, size_t n, dd_sig *out);
/* Estimated Jaccard similarity of two signatures. */
double dd_similarity(const dd_sig *a, const dd_sig *b);

typedef struct dd_index dd_index;
dd_index *dd_new(double threshold);
/* DD_EXACT or DD_NEAR when s duplicates a remembered signature, else DD_NEW;
 * remember s when add and it is new. With near == 0 only exact matches count. */
int dd_check(dd_index *d, const dd_sig *s, int near, int add);
size_t dd_size(const dd_index *d);
void dd_free(dd_index *d);

#endif
