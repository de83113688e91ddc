/* strset.c — see strset.h. */
#include <stdlib.h>
#include <string.h>
#include "base/diag.h"
#include "base/strset.h"

uint64_t strset_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t slot_of(const strset *x, const char *s, size_t n)
{
	size_t i = strset_hash(s, n) & (x->cap - 1);
	while (x->k[i] && !(x->l[i] == n && !memcmp(x->k[i], s, n)))
		i = (i + 1) & (x->cap - 1);
	return i;
}

int strset_add(strset *x, const char *s, size_t n)
{
	if (x->cap && x->k[slot_of(x, s, n)])
		return 0;
	if ((x->n + 1) * 2 > x->cap) {
		strset y = { 0 };
		y.cap = x->cap ? x->cap * 2 : 16;
		y.k = xcalloc(y.cap, sizeof *y.k);
		y.l = xcalloc(y.cap, sizeof *y.l);
		for (size_t i = 0; i < x->cap; i++)
			if (x->k[i])
				strset_add(&y, x->k[i], x->l[i]);
		free(x->k);
		free(x->l);
		*x = y;
	}
	size_t i = slot_of(x, s, n);
	x->k[i] = s;
	x->l[i] = (uint32_t)n;
	x->n++;
	return 1;
}

int strset_has(const strset *x, const char *s, size_t n)
{
	return x->cap && x->k[slot_of(x, s, n)] != NULL;
}

void strset_clear(strset *x)
{
	if (x->cap)
		memset(x->k, 0, x->cap * sizeof *x->k);
	x->n = 0;
}

void strset_free(strset *x)
{
	free(x->k);
	free(x->l);
	memset(x, 0, sizeof *x);
}
