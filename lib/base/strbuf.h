/* strbuf.h — a growing, always NUL-terminated string: the one string
 * builder the text-producing modules share. Out of memory: ls_oom (diag.h). */
#ifndef LS_STRBUF_H
#define LS_STRBUF_H
#include <stdlib.h>
#include <string.h>
#include "base/diag.h"

typedef struct { char *b; size_t n, cap; } sb;

static inline void sb_put(sb *o, const char *s, size_t n)
{
	if (o->n + n + 1 > o->cap) {
		o->cap = (o->n + n + 1) * 2 + 64;
		o->b = xrealloc(o->b, o->cap);
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
	o->b[o->n] = 0;
}

/* Room for n more bytes (and the NUL): where to write them; the caller
 * then advances o->n and writes the NUL. */
static inline char *sb_reserve(sb *o, size_t n)
{
	if (o->n + n + 1 > o->cap) {
		o->cap = (o->n + n + 1) * 2 + 64;
		o->b = xrealloc(o->b, o->cap);
	}
	return o->b + o->n;
}

static inline void sb_puts(sb *o, const char *s) { sb_put(o, s, strlen(s)); }

/* Append the whole file at path: 0, or -1 with errno set (o keeps what it
 * had, and may have grown). The one whole-file reader of the project. */
int sb_read_file(sb *o, const char *path);

#endif
