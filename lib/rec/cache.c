/* cache.c — see cache.h. */
#include "rec/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/fs.h"
#include "base/hash.h"
#include "rec/record.h"


struct ls_cache {
	char *root;		/* DIR/TOOL */
	char *salt;		/* tool, version, options */
	long hits, misses;
	int warned;
	pthread_mutex_t mu;
};

ls_cache *cache_open(const char *dir, const char *tool, const char *version, const char *options)
{
	if (!dir)
		return NULL;
	ls_cache *c = xcalloc(1, sizeof *c);
	if (asprintf(&c->root, "%s/%s", dir, tool) < 0 ||
	    asprintf(&c->salt, "%s\n%s\n%s", tool, version, options ? options : "") < 0)
		ls_oom();
	if (fs_mkdirs(c->root, 0777) < 0) {
		ls_die(EX_CANTCREAT_, "cannot create cache directory '%s': %s", c->root, strerror(errno));
	}
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

void cache_close(ls_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->root);
	free(c->salt);
	free(c);
}

void cache_key(ls_cache *c, jv input, char out[33])
{
	char *canon = rec_canonical(jv_copy(input), NULL);
	const char *parts[2] = { c ? c->salt : "", canon };
	hash_hex128_parts(out, 2, parts);
	free(canon);
}

static char *entry_path(ls_cache *c, const char key[33])
{
	char *p;
	if (asprintf(&p, "%s/%.2s/%s.json", c->root, key, key + 2) < 0)
		return NULL;
	return p;
}

static void count(ls_cache *c, int hit)
{
	pthread_mutex_lock(&c->mu);
	if (hit)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->mu);
}

jv cache_get(ls_cache *c, const char key[33])
{
	if (!c)
		return jv_invalid();
	char *path = entry_path(c, key);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0) {
		free(path);
		count(c, 0);
		return jv_invalid();
	}
	struct stat st;
	jv v = jv_invalid();
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		char *buf = malloc((size_t)st.st_size);
		if (buf && read(fd, buf, (size_t)st.st_size) == st.st_size)
			v = rec_parse(buf, (size_t)st.st_size);
		free(buf);
	}
	close(fd);
	if (!jv_is_valid(v)) {	/* cannot happen through cache_put; someone edited it */
		jv_free(v);
		unlink(path);
		v = jv_invalid();
	}
	free(path);
	count(c, jv_is_valid(v));
	return v;
}

int cache_put(ls_cache *c, const char key[33], jv value)
{
	if (!c) {
		jv_free(value);
		return 0;
	}
	char *path = entry_path(c, key), *dir = NULL, *tmp = NULL;
	size_t len;
	char *s = rec_dump(value, &len);
	int rc = -1;
	if (!path || asprintf(&dir, "%s/%.2s", c->root, key) < 0 ||
	    asprintf(&tmp, "%s/.tmp.%d.%lx", dir, (int)getpid(), (unsigned long)pthread_self()) < 0)
		goto out;
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		goto out;
	/* Write beside the entry and rename: a run killed mid-write leaves only a
	 * .tmp file, never a torn entry. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		goto out;
	const char *p = s;
	size_t n = len;
	ssize_t w = 0;
	while (n > 0 && (w = write(fd, p, n)) > 0) {
		p += w;
		n -= (size_t)w;
	}
	if (close(fd) < 0 || n > 0 || rename(tmp, path) < 0)
		unlink(tmp);
	else
		rc = 0;
out:
	if (rc < 0) {
		pthread_mutex_lock(&c->mu);
		if (!c->warned++)
			ls_warn("cannot write cache entry in '%s': %s", c->root, strerror(errno));
		pthread_mutex_unlock(&c->mu);
	}
	free(s);
	free(path);
	free(dir);
	free(tmp);
	return rc;
}

void cache_stats(const ls_cache *c, long *hits, long *misses)
{
	*hits = c ? c->hits : 0;
	*misses = c ? c->misses : 0;
}
