/* buildid.c — the build id that keys every cache (see tool.h).
 *
 * A fixed version string let a re-run after a fix serve the old results: the
 * id also names the commit the tools were built from (with a hash of the
 * uncommitted changes when the tree was dirty, from the Makefile) and a hash
 * of the data files they read at run time (harness, templates, licences). */
#include "rec/tool.h"

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/hash.h"

#ifndef LS_VERSION
#define LS_VERSION "0"
#endif
#ifndef LS_COMMIT
#define LS_COMMIT "unknown"
#endif

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Mix every regular file under dir (names relative to the top, contents)
 * into *h, in name order so that the result does not depend on readdir. */
static void hash_tree(const char *dir, const char *rel, uint64_t *h)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	char **names = NULL;
	size_t n = 0, cap = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap && !(names = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names)))
			ls_die(EX_SOFTWARE_, "out of memory");
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		char path[4096], sub[4096];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", names[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			hash_tree(path, sub, h);
		else if (S_ISREG(st.st_mode)) {
			FILE *f = fopen(path, "rb");
			char *buf = f ? malloc((size_t)st.st_size + 1) : NULL;
			size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
			uint64_t part[3] = { *h, hash64(sub, strlen(sub)), buf ? hash64(buf, got) : 0 };
			*h = hash64(part, sizeof part);
			free(buf);
			if (f)
				fclose(f);
		}
		free(names[i]);
	}
	free(names);
}

static char build_id[256];

static void make_id(void)
{
	uint64_t h = 0;
	hash_tree(ls_datadir(), "", &h);
	snprintf(build_id, sizeof build_id, "%s-%s-data.%016llx", LS_VERSION, LS_COMMIT, (unsigned long long)h);
}

const char *ls_build_id(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, make_id);
	return build_id;
}
