/* gitwalk.c — see gitwalk.h. */
#include "repo/gitwalk.h"
#include "base/grow.h"
#include "base/utf8.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rec/record.h"

typedef struct {
	char *path;
	git_oid oid;		/* git mode: the blob */
	size_t size;
} entry;

struct gw {
	git_repository *repo;	/* NULL for a plain directory */
	char *root;
	char commit[41];
	const char *suffix;
	size_t max_bytes;
	entry *e;
	size_t n, cap, next;
	gw_stats st;
};

static pthread_once_t git_once = PTHREAD_ONCE_INIT;
static void git_init(void)
{
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
}

int gw_binary(const char *s, size_t n)
{
	return memchr(s, 0, n < 8000 ? n : 8000) != NULL;
}

static int has_suffix(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && !memcmp(s + n - k, suf, k);
}

static void add(gw *g, char *path, const git_oid *oid, size_t size)
{
	LS_GROW(g->e, g->n, g->cap, 256);
	entry *x = &g->e[g->n++];
	x->path = path;
	if (oid)
		git_oid_cpy(&x->oid, oid);
	x->size = size;
}

static const char *git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

/* --- git trees ------------------------------------------------------------ */

static int tree_cb(const char *dir, const git_tree_entry *te, void *arg)
{
	gw *g = arg;
	git_filemode_t mode = git_tree_entry_filemode(te);
	const char *name = git_tree_entry_name(te);
	size_t nl = strlen(name);
	if (mode == GIT_FILEMODE_COMMIT) {
		g->st.submodules++;
		return 1;
	}
	if (mode == GIT_FILEMODE_TREE)
		return 0;
	if (!has_suffix(name, nl, g->suffix))
		return 0;
	if (mode == GIT_FILEMODE_LINK) {
		g->st.symlinks++;
		return 0;
	}
	size_t dl = strlen(dir);
	char *p = malloc(dl + nl + 1);
	if (!p)
		abort();
	memcpy(p, dir, dl);
	memcpy(p + dl, name, nl + 1);
	add(g, p, git_tree_entry_id(te), 0);
	return 0;
}

static int open_git(gw *g, const char *commit, char *err, size_t errsz)
{
	git_object *obj = NULL;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	int rc = -1;
	if (git_revparse_single(&obj, g->repo, commit ? commit : "HEAD") < 0) {
		snprintf(err, errsz, "cannot resolve '%s': %s", commit ? commit : "HEAD", git_msg());
		goto out;
	}
	if (git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) < 0) {
		snprintf(err, errsz, "not a commit: '%s'", commit ? commit : "HEAD");
		goto out;
	}
	git_oid_tostr(g->commit, sizeof g->commit, git_commit_id(c));
	if (git_commit_tree(&tree, c) < 0) {
		snprintf(err, errsz, "cannot read the tree of '%s': %s", g->commit, git_msg());
		goto out;
	}
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, tree_cb, g) < 0) {
		snprintf(err, errsz, "cannot walk the tree of '%s': %s", g->commit, git_msg());
		goto out;
	}
	rc = 0;
out:
	git_tree_free(tree);
	git_commit_free(c);
	git_object_free(obj);
	return rc;
}

/* --- directories on disk ---------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(gw *g, const char *rel, int depth)
{
	char *abs;
	if (asprintf(&abs, "%s%s%s", g->root, *rel ? "/" : "", rel) < 0)
		abort();
	DIR *d = opendir(abs);
	if (!d) {
		g->st.unreadable++;
		free(abs);
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".git"))
			continue;
		LS_GROW(names, n, cap, 64);
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_name);
	for (size_t i = 0; i < n; i++) {
		char *r, *a;
		if (asprintf(&r, "%s%s%s", rel, *rel ? "/" : "", names[i]) < 0 ||
		    asprintf(&a, "%s/%s", abs, names[i]) < 0)
			abort();
		struct stat sb;
		size_t nl = strlen(names[i]);
		if (lstat(a, &sb) < 0)
			g->st.unreadable++;
		else if (S_ISLNK(sb.st_mode)) {
			if (has_suffix(names[i], nl, g->suffix))
				g->st.symlinks++;
		} else if (S_ISDIR(sb.st_mode)) {
			char *dotgit;
			if (asprintf(&dotgit, "%s/.git", a) < 0)
				abort();
			if (access(dotgit, F_OK) == 0)
				g->st.submodules++;	/* a repository inside: not ours */
			else if (depth < 64 && strcmp(names[i], "__pycache__"))
				walk_dir(g, r, depth + 1);
			free(dotgit);
		} else if (S_ISREG(sb.st_mode) && has_suffix(names[i], nl, g->suffix)) {
			add(g, r, NULL, (size_t)sb.st_size);
			r = NULL;
		}
		free(r);
		free(a);
		free(names[i]);
	}
	free(names);
	free(abs);
}

/* --- the walk --------------------------------------------------------------- */

gw *gw_open(const char *path, const char *commit, const char *suffix, size_t max_bytes,
	    char *err, size_t errsz)
{
	pthread_once(&git_once, git_init);
	struct stat sb;
	if (stat(path, &sb) < 0) {
		snprintf(err, errsz, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errsz, "not a directory: '%s'", path);
		return NULL;
	}
	gw *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->root = strdup(path);
	size_t rl = strlen(g->root);
	while (rl > 1 && g->root[rl - 1] == '/')
		g->root[--rl] = 0;
	g->suffix = suffix ? suffix : ".py";
	g->max_bytes = max_bytes;
	/* NO_SEARCH: a plain directory inside some repository is still a directory */
	if (git_repository_open_ext(&g->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0) {
		if (git_repository_is_empty(g->repo) == 1) {
			snprintf(err, errsz, "empty repository (no commits): '%s'", path);
			gw_close(g);
			return NULL;
		}
		if (open_git(g, commit, err, errsz) < 0) {
			gw_close(g);
			return NULL;
		}
	} else {
		g->repo = NULL;
		walk_dir(g, "", 0);
	}
	return g;
}

static char *read_disk(gw *g, const char *rel, size_t *len)
{
	char *abs;
	if (asprintf(&abs, "%s/%s", g->root, rel) < 0)
		abort();
	int fd = open(abs, O_RDONLY | O_NOFOLLOW);
	free(abs);
	if (fd < 0)
		return NULL;
	struct stat sb;
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return NULL;
	}
	size_t cap = (size_t)sb.st_size + 1, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			b = realloc(b, cap);
		}
		if (!b)
			abort();
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0) {
			free(b);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = 0;
	*len = n;
	return b;
}

int gw_next(gw *g, gw_file *f)
{
	while (g->next < g->n) {
		entry *x = &g->e[g->next++];
		char *data = NULL;
		size_t len = 0;
		git_oid oid;
		if (g->repo) {
			git_odb *odb;
			size_t sz;
			git_object_t type;
			if (git_repository_odb(&odb, g->repo) < 0) {
				g->st.unreadable++;
				continue;
			}
			int hrc = git_odb_read_header(&sz, &type, odb, &x->oid);
			git_odb_free(odb);
			if (hrc < 0 || type != GIT_OBJECT_BLOB) {
				g->st.unreadable++;
				continue;
			}
			if (g->max_bytes && sz > g->max_bytes) {
				g->st.too_big++;
				continue;
			}
			git_blob *blob;
			if (git_blob_lookup(&blob, g->repo, &x->oid) < 0) {
				g->st.unreadable++;
				continue;
			}
			len = (size_t)git_blob_rawsize(blob);
			data = malloc(len + 1);
			if (!data)
				abort();
			memcpy(data, git_blob_rawcontent(blob), len);	/* not NUL-terminated */
			data[len] = 0;
			git_blob_free(blob);
			git_oid_cpy(&oid, &x->oid);
		} else {
			if (g->max_bytes && x->size > g->max_bytes) {
				g->st.too_big++;
				continue;
			}
			data = read_disk(g, x->path, &len);
			if (!data) {
				g->st.unreadable++;
				continue;
			}
			if (g->max_bytes && len > g->max_bytes) {
				g->st.too_big++;
				free(data);
				continue;
			}
			git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB);
		}
		if (gw_binary(data, len)) {
			g->st.binary++;
			free(data);
			continue;
		}
		if (!utf8_valid(data, len)) {
			g->st.non_utf8++;
			free(data);
			continue;
		}
		f->path = x->path;
		x->path = NULL;
		f->data = data;
		f->len = len;
		git_oid_tostr(f->oid, sizeof f->oid, &oid);
		g->st.files++;
		return 1;
	}
	return 0;
}

const char *gw_commit(const gw *g) { return g->repo ? g->commit : NULL; }
int gw_is_git(const gw *g) { return g->repo != NULL; }
const gw_stats *gw_stats_of(const gw *g) { return &g->st; }

void gw_close(gw *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		free(g->e[i].path);
	free(g->e);
	git_repository_free(g->repo);
	free(g->root);
	free(g);
}
