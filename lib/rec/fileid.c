/* fileid.c — see fileid.h. */
#include "rec/fileid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void from_stat(const struct stat *st, fileid *id)
{
	id->kind = S_ISREG(st->st_mode) ? FILEID_FILE : FILEID_NONE;
	id->dev = st->st_dev;
	id->ino = st->st_ino;
}

/* The directory part of path into dir ("." when there is none). */
static const char *split_dir(const char *path, char *dir, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		snprintf(dir, n, ".");
		return path;
	}
	snprintf(dir, n, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return slash + 1;
}

void fileid_of_path(const char *path, fileid *id)
{
	struct stat st;
	memset(id, 0, sizeof *id);
	if (stat(path, &st) == 0) {
		from_stat(&st, id);
		return;
	}
	char dir[4096];
	const char *base = split_dir(path, dir, sizeof dir);
	if (errno != ENOENT || stat(dir, &st) != 0 || !*base)
		return;
	id->kind = FILEID_NEW;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	snprintf(id->base, sizeof id->base, "%s", base);
}

void fileid_of_fd(int fd, fileid *id)
{
	struct stat st;
	memset(id, 0, sizeof *id);
	if (fstat(fd, &st) == 0)
		from_stat(&st, id);
}

int fileid_same(const fileid *a, const fileid *b)
{
	return a->kind != FILEID_NONE && a->kind == b->kind && a->dev == b->dev && a->ino == b->ino &&
	       !strcmp(a->base, b->base);
}

int fileid_writable(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return -1;
		}
		return access(path, W_OK);
	}
	if (errno != ENOENT)
		return -1;
	char dir[4096];
	split_dir(path, dir, sizeof dir);
	return access(dir, W_OK | X_OK);
}
