/* repo.c — see repo.h. libgit2 facts we rely on (shared/DEPS.md): init once,
 * read git_error_last() only right after a failing call, clone options via
 * git_clone_options_init, symlinks are blobs with their own file mode. */
#include "repo/repo.h"

#include <errno.h>
#include <ftw.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/diag.h"
#include "base/fs.h"

void repo_global_init(void)
{
	git_libgit2_init();
	/* Corpora are often owned by another user (a CI checkout, /usr/lib). */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
}

static void git_err(char *err, size_t errsz, const char *what, const char *subject)
{
	const git_error *e = git_error_last();
	snprintf(err, errsz, "%s '%s': %s", what, subject, e && e->message ? e->message : "unknown error");
}

static int is_url(const char *s)
{
	return strstr(s, "://") != NULL || (strchr(s, '@') && strchr(s, ':') && !strchr(s, '/')) ||
	       !strncmp(s, "git@", 4);
}

/* The last path component of a URL or path, without ".git". */
static void base_name(const char *src, char *out, size_t n)
{
	size_t len = strlen(src);
	while (len > 1 && src[len - 1] == '/')
		len--;
	size_t start = len;
	while (start > 0 && src[start - 1] != '/' && src[start - 1] != ':')
		start--;
	size_t l = len - start;
	if (l > 4 && !strncmp(src + start + l - 4, ".git", 4))
		l -= 4;
	snprintf(out, n, "%.*s", (int)l, src + start);
	for (char *p = out; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			*p = '_';
	if (!out[0] || out[0] == '.')
		snprintf(out, n, "repo");
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void rmtree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int repo_fetch_src(const char *src, const char *cache_dir, char **local, repo_fetch *how,
		   const char **code, char *err, size_t errsz)
{
	git_repository *repo = NULL;
	*local = NULL;
	if (!is_url(src)) {
		char abs[PATH_MAX];
		if (!realpath(src, abs)) {
			*code = "not_found";
			snprintf(err, errsz, "cannot open '%s': %s", src, strerror(errno));
			return -1;
		}
		if (git_repository_open_ext(&repo, abs, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
			*code = "not_a_repository";
			snprintf(err, errsz, "not a git repository: '%s'", src);
			return -1;
		}
		git_repository_free(repo);
		*local = strdup(abs);
		*how = REPO_LOCAL;
		return 0;
	}
	char name[128], dest[PATH_MAX], h[33];
	base_name(src, name, sizeof name);
	hash_hex128(src, strlen(src), h);
	if (fs_mkdirs(cache_dir, 0777) < 0) {
		*code = "cache_dir";
		snprintf(err, errsz, "cannot create '%s': %s", cache_dir, strerror(errno));
		return -1;
	}
	snprintf(dest, sizeof dest, "%s/%s-%.12s.git", cache_dir, name, h);
	if (git_repository_open_ext(&repo, dest, GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE, NULL) == 0) {
		/* An earlier run cloned it: fetch instead of cloning again. */
		git_remote *origin = NULL;
		git_fetch_options fo;
		git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
		fo.prune = GIT_FETCH_PRUNE;
		if (git_remote_lookup(&origin, repo, "origin") < 0 ||
		    git_remote_fetch(origin, NULL, &fo, "ls-repos: fetch") < 0) {
			*code = "fetch_failed";
			git_err(err, errsz, "cannot fetch", src);
			git_remote_free(origin);
			git_repository_free(repo);
			return -1;
		}
		git_remote_free(origin);
		*how = REPO_UPDATED;
	} else {
		git_clone_options co;
		git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
		co.bare = 1;
		/* clone into a temporary name and rename, so a killed clone is never mistaken for a whole one */
		char tmp[PATH_MAX + 32];
		snprintf(tmp, sizeof tmp, "%s.tmp%d", dest, (int)getpid());
		if (git_clone(&repo, src, tmp, &co) < 0) {
			*code = "clone_failed";
			git_err(err, errsz, "cannot clone", src);
			rmtree(tmp);
			return -1;
		}
		git_repository_free(repo);
		repo = NULL;
		if (rename(tmp, dest) < 0) {
			*code = "cache_dir";
			snprintf(err, errsz, "cannot rename clone to '%s': %s", dest, strerror(errno));
			return -1;
		}
		*how = REPO_CLONED;
	}
	git_repository_free(repo);
	*local = strdup(dest);
	return 0;
}

int repo_is_test_path(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!strncmp(base, "test_", 5) || !strcmp(base, "conftest.py"))
		return 1;
	if (base == path && (!strcmp(base, "test.py") || !strcmp(base, "tests.py")))
		return 1;
	size_t l = strlen(base);
	if (l > 8 && !strcmp(base + l - 8, "_test.py"))
		return 1;
	/* a file under a tests/ or test/ directory */
	for (const char *p = path; (p = strstr(p, "test")); p++) {
		int start = p == path || p[-1] == '/';
		const char *e = p + 4 + (p[4] == 's');
		if (start && *e == '/')
			return 1;
	}
	return 0;
}

/* ---- names -------------------------------------------------------------- */

/* The path part of a URL: after "scheme://host", or after "host:" in scp
 * syntax; NULL for a file:// URL or a plain path (no owner in them). */
static const char *url_path(const char *u)
{
	const char *s = strstr(u, "://");
	if (s) {
		if (!strncmp(u, "file://", 7))
			return NULL;
		const char *p = strchr(s + 3, '/');
		return p ? p : "";
	}
	const char *c = strchr(u, ':'), *sl = strchr(u, '/');
	return c && (!sl || c < sl) ? c + 1 : NULL;
}

/* The last one or two parts of path (owner and name), without a ".git"
 * suffix; a directory's name (parts 1) skips a last part "repo" or ".git".
 * NULL if there is none. */
static char *tail_name(const char *path, int parts)
{
	char *p = xstrdup(path), *last[2] = { NULL, NULL };
	for (;;) {
		size_t n = strlen(p);
		while (n > 0 && p[n - 1] == '/')
			p[--n] = 0;
		char *b = strrchr(p, '/');
		b = b ? b + 1 : p;
		if (!*b)
			break;
		if (parts == 1 && (!strcmp(b, "repo") || !strcmp(b, ".git"))) {
			*b = 0;		/* the parent names it */
			continue;
		}
		size_t bl = strlen(b);
		if (bl > 4 && !strcmp(b + bl - 4, ".git"))
			b[bl - 4] = 0;
		last[0] = b;
		if (parts == 2 && b > p) {
			b[-1] = 0;
			char *o = strrchr(p, '/');
			o = o ? o + 1 : p;
			if (*o)
				last[1] = o;
		}
		break;
	}
	char *r = NULL;
	if (last[0] && last[1] && asprintf(&r, "%s/%s", last[1], last[0]) < 0)
		ls_oom();
	if (last[0] && !last[1])
		r = xstrdup(last[0]);
	free(p);
	return r;
}

static char *url_name(const char *url)
{
	const char *p = url_path(url);
	return p ? tail_name(p, 2) : NULL;
}

/* The URL of the "origin" remote, else of the first remote; malloc'd or NULL. */
static char *remote_url(const char *local)
{
	git_repository *repo;
	git_libgit2_init();	/* counted: callers (ls-extract) need not have */
	if (git_repository_open_ext(&repo, local, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		git_libgit2_shutdown();
		return NULL;
	}
	git_remote *r = NULL;
	if (git_remote_lookup(&r, repo, "origin") < 0) {
		git_strarray names = { 0 };
		if (git_remote_list(&names, repo) == 0 && names.count > 0)
			git_remote_lookup(&r, repo, names.strings[0]);
		git_strarray_dispose(&names);
	}
	char *u = r && git_remote_url(r) ? xstrdup(git_remote_url(r)) : NULL;
	git_remote_free(r);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return u;
}

char *repo_name(const char *src, const char *local)
{
	char *n = is_url(src) ? url_name(src) : NULL;
	if (!n && local) {
		char *u = remote_url(local);
		n = u ? url_name(u) : NULL;
		free(u);
	}
	if (!n)		/* the directory: a file:// URL's, else the one opened */
		n = tail_name(!strncmp(src, "file://", 7) ? src + 7 : local ? local : src, 1);
	return n ? n : xstrdup("repo");
}

typedef struct {
	git_repository *repo;
	git_odb *odb;
	repo_info *ri;
	const license_db *lic;
	int pytest_signal, unittest_signal, read_tests;
	double best_score;
} scan;

static int has_text(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

static int walk_cb(const char *root, const git_tree_entry *e, void *payload)
{
	scan *sc = payload;
	git_filemode_t mode = git_tree_entry_filemode(e);
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE))
		return 0;	/* trees are walked by libgit2; links and submodules are not files */
	const char *name = git_tree_entry_name(e);
	size_t nl = strlen(name);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s%s", root, name);
	int is_py = nl > 3 && !strcmp(name + nl - 3, ".py");
	if (is_py) {
		size_t size;
		git_object_t type;
		sc->ri->py_files++;
		if (git_odb_read_header(&size, &type, sc->odb, git_tree_entry_id(e)) == 0)
			sc->ri->py_bytes += (long)size;
	}
	int is_test = is_py && repo_is_test_path(path);
	if (is_test)
		sc->ri->test_files++;
	if (!strcmp(name, "pytest.ini") || !strcmp(name, "conftest.py"))
		sc->pytest_signal = 1;
	if ((is_test && sc->read_tests < 200) || (!root[0] && (!strcmp(name, "setup.cfg") || !strcmp(name, "pyproject.toml") || !strcmp(name, "tox.ini")))) {
		git_blob *b;
		if (git_blob_lookup(&b, sc->repo, git_tree_entry_id(e)) == 0) {
			const char *s = git_blob_rawcontent(b);
			size_t n = (size_t)git_blob_rawsize(b);
			if (has_text(s, n, "import pytest") || has_text(s, n, "from pytest") || has_text(s, n, "[tool:pytest]") ||
			    has_text(s, n, "[tool.pytest") || has_text(s, n, "[pytest]"))
				sc->pytest_signal = 1;
			if (has_text(s, n, "import unittest") || has_text(s, n, "from unittest") || has_text(s, n, "unittest.TestCase"))
				sc->unittest_signal = 1;
			git_blob_free(b);
			sc->read_tests += is_test;
		}
	}
	if (!root[0] && license_filename(name) && sc->lic) {
		git_blob *b;
		if (git_blob_lookup(&b, sc->repo, git_tree_entry_id(e)) == 0) {
			double score;
			const char *id = license_identify(sc->lic, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), &score);
			repo_info *ri = sc->ri;
			if (!ri->license || (!strcmp(ri->license, "NOASSERTION") && strcmp(id, "NOASSERTION"))) {
				free(ri->license);
				free(ri->license_file);
				ri->license = strdup(id);
				ri->license_file = strdup(name);
				ri->license_score = score;
			} else if (strcmp(id, "NOASSERTION") && !strstr(ri->license, id)) {
				/* LICENSE-MIT beside LICENSE-APACHE: the user may choose either */
				char *both;
				if (asprintf(&both, "%s OR %s", ri->license, id) > 0) {
					free(ri->license);
					ri->license = both;
				}
			}
			git_blob_free(b);
		}
	}
	return 0;
}

int repo_describe(const char *local, const char *ref, const license_db *lic, repo_info *ri,
		  const char **code, char *err, size_t errsz)
{
	memset(ri, 0, sizeof *ri);
	git_repository *repo;
	int rc = -1;
	git_object *obj = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_odb *odb = NULL;
	git_reference *head = NULL;
	if (git_repository_open_ext(&repo, local, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		*code = "not_a_repository";
		git_err(err, errsz, "cannot open repository", local);
		return -1;
	}
	if (git_repository_is_empty(repo) == 1) {
		*code = "empty_repository";
		snprintf(err, errsz, "repository has no commits: '%s'", local);
		goto out;
	}
	int bare = git_repository_is_bare(repo);
	if (ref) {
		char alt[512];
		snprintf(alt, sizeof alt, "origin/%s", ref);
		if (git_revparse_single(&obj, repo, ref) < 0 && git_revparse_single(&obj, repo, alt) < 0) {
			*code = "bad_ref";
			git_err(err, errsz, "cannot resolve", ref);
			goto out;
		}
	} else {
		if (git_repository_head(&head, repo) < 0) {
			*code = "unborn_head";
			snprintf(err, errsz, "HEAD has no commit (unborn branch) in '%s'", local);
			goto out;
		}
		if (git_reference_is_branch(head))
			ri->default_branch = strdup(git_reference_shorthand(head));
		/* A bare clone that we fetched: the remote's branch is newer than ours. */
		if (bare && ri->default_branch) {
			char rn[512];
			snprintf(rn, sizeof rn, "refs/remotes/origin/%s", ri->default_branch);
			git_reference *rr;
			if (git_reference_lookup(&rr, repo, rn) == 0) {
				git_reference_free(head);
				head = rr;
			}
		}
		if (git_reference_peel(&obj, head, GIT_OBJECT_COMMIT) < 0) {
			*code = "unborn_head";
			git_err(err, errsz, "cannot resolve HEAD in", local);
			goto out;
		}
	}
	if (git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) < 0 ||
	    git_commit_tree(&tree, commit) < 0 || git_repository_odb(&odb, repo) < 0) {
		*code = "bad_ref";
		git_err(err, errsz, "cannot read the commit's tree in", local);
		goto out;
	}
	git_oid_tostr(ri->commit, sizeof ri->commit, git_commit_id(commit));
	scan sc = { .repo = repo, .odb = odb, .ri = ri, .lic = lic };
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, walk_cb, &sc) < 0) {
		*code = "read_failed";
		git_err(err, errsz, "cannot walk the tree of", local);
		goto out;
	}
	ri->test_framework = sc.pytest_signal ? "pytest" : sc.unittest_signal ? "unittest" : NULL;
	rc = 0;
out:
	git_odb_free(odb);
	git_tree_free(tree);
	git_commit_free(commit);
	git_object_free(obj);
	git_reference_free(head);
	git_repository_free(repo);
	if (rc < 0)
		repo_info_free(ri);
	return rc;
}

void repo_info_free(repo_info *ri)
{
	free(ri->default_branch);
	free(ri->license);
	free(ri->license_file);
	ri->default_branch = ri->license = ri->license_file = NULL;
}
