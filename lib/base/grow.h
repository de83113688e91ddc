/* grow.h — room for one more element at the end of a growing array.
 *
 *	LS_GROW(v, n, cap, first);
 *	v[n++] = x;
 *
 * When n has reached cap, doubles cap (starting from first) and reallocates
 * v; out of memory ends the program through ls_oom (diag.h). v, n and
 * cap are lvalues (n and cap of any integer type). The project's one copy of
 * the idiom, after git's ALLOC_GROW. */
#ifndef LS_GROW_H
#define LS_GROW_H
#include "base/diag.h"

#define LS_GROW(v, n, cap, first) do { \
	if ((n) == (cap)) { \
		(cap) = (cap) ? (cap) * 2 : (first); \
		(v) = xrealloc((v), (size_t)(cap) * sizeof *(v)); \
	} \
} while (0)

#endif
