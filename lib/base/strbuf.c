/* strbuf.c — see strbuf.h. */
#include <errno.h>
#include <stdio.h>
#include "base/strbuf.h"

int sb_read_file(sb *o, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t start = o->n, r;
	do {
		char *p = sb_reserve(o, 1 << 16);
		r = fread(p, 1, 1 << 16, f);
		o->n += r;
		o->b[o->n] = 0;
	} while (r > 0);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		o->n = start;
		o->b[o->n] = 0;
		errno = EIO;
		return -1;
	}
	return 0;
}
