/* repo.h — git repositories for ls-repos: open or clone (libgit2), resolve a
 * commit, and describe the tree at that commit without a checkout. */
#ifndef LS_REPO_H
#define LS_REPO_H
#include <stddef.h>
#include "repo/license.h"

/* Call once before any other repo_ function (initialises libgit2). */
void repo_global_init(void);

typedef enum { REPO_LOCAL, REPO_CLONED, REPO_UPDATED } repo_fetch;

/* Make src available locally. A local path is opened where it is (no search
 * upwards); a URL (file://, https://, ssh) is cloned bare into
 * cache_dir/NAME-HASH.git, or fetched there when an earlier run cloned it.
 * On success returns 0 and a malloc'd absolute path in *local; on failure -1
 * with an error code ("not_a_repository", "clone_failed", ...) and a message. */
int repo_fetch_src(const char *src, const char *cache_dir, char **local, repo_fetch *how,
		   const char **code, char *err, size_t errsz);

typedef struct {
	char commit[41];
	char *default_branch;	/* malloc'd; NULL when HEAD is detached */
	long py_files, py_bytes, test_files;
	const char *test_framework;	/* "pytest", "unittest" or NULL */
	char *license;			/* SPDX id or expression, malloc'd; NULL: no licence file */
	char *license_file;		/* malloc'd */
	double license_score;
} repo_info;

/* Describe the repository at ref (NULL: HEAD; for clones, the remote's HEAD).
 * 0, or -1 with code ("empty_repository", "unborn_head", "bad_ref", ...). */
int repo_describe(const char *local, const char *ref, const license_db *lic, repo_info *out,
		  const char **code, char *err, size_t errsz);
void repo_info_free(repo_info *ri);

/* Is this path (inside a repository) a test file by the usual conventions:
 * test_*.py, *_test.py, conftest.py, anything under a test/ or tests/
 * directory, and a top-level test.py or tests.py? The one such rule: ls-repos
 * counts with it, ls-extract skips and links with it. */
int repo_is_test_path(const char *path);

/* The name of a repository, malloc'd: "owner/name" from a URL (https, ssh,
 * scp-like "git@host:owner/name.git"); for a local repository (local: its
 * path, may be NULL) the same from its "origin" remote's URL; else its
 * directory's name, where a last part "repo" or ".git" stands for its parent
 * and a ".git" suffix is dropped (bare clones), so the clones of many
 * projects in "NAME/repo" keep their names apart. */
char *repo_name(const char *src, const char *local);

#endif
