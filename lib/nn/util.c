/* nn/util.c — see util.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "base/diag.h"
#include "base/fs.h"
#include "base/strbuf.h"
#include "nn/util.h"

int nn_err(char *err, size_t errsz, const char *fmt, ...)
{
	if (err && errsz) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -1;
}

char *nn_slurp(const char *path, size_t *len)
{
	sb buf = { 0 };
	if (sb_read_file(&buf, path) < 0) {
		free(buf.b);
		return NULL;
	}
	if (!buf.b)		/* an empty file */
		buf.b = xcalloc(1, 1);
	if (len)
		*len = buf.n;
	return buf.b;
}

int nn_mkdirs(const char *path)
{
	return fs_mkdirs(path, 0777);
}
