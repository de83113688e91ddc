/* Unit tests for lib/strbuf: the builder and the whole-file reader. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "base/strbuf.h"
#include "t.h"

int main(void)
{
	sb o = { 0 };
	sb_puts(&o, "ab");
	sb_put(&o, "cdef", 2);
	T_EQ_STR(o.b, "abcd", "put and puts append, NUL-terminated");
	char path[] = "/tmp/test-strbuf-XXXXXX";
	int fd = mkstemp(path);
	/* more than one read's worth, with a NUL inside */
	size_t big = 200000;
	char *data = malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)('a' + i % 26);
	data[1000] = 0;
	T_OK(fd >= 0 && write(fd, data, big) == (ssize_t)big, "a 200 kB file");
	close(fd);
	T_EQ_INT(sb_read_file(&o, path), 0, "read it");
	T_EQ_INT(o.n, big + 4, "appended after what was there");
	T_OK(!memcmp(o.b, "abcd", 4) && !memcmp(o.b + 4, data, big) && o.b[o.n] == 0, "the same bytes, NUL after");
	free(o.b);
	o = (sb){ 0 };
	T_OK(truncate(path, 0) == 0 && sb_read_file(&o, path) == 0 && o.n == 0 && o.b && !o.b[0], "an empty file: empty string");
	free(o.b);
	o = (sb){ 0 };
	unlink(path);
	errno = 0;
	T_OK(sb_read_file(&o, path) == -1 && errno == ENOENT, "a missing file: -1, ENOENT");
	T_OK(sb_read_file(&o, "/tmp") == -1, "a directory: -1");
	free(o.b);
	free(data);
	return t_done();
}
