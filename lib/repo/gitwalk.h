/* gitwalk.h — the Python files of a repository at a commit, or of a directory.
 *
 * A git repository is read straight from its objects (no checkout, no work
 * tree needed: bare clones work); a directory that is not a repository is
 * read from disk. Files come in a stable order (git tree order; byte order
 * of names on disk). Symlinks, submodules (gitlinks, or nested .git
 * directories on disk), binary files (a NUL in the first 8000 bytes, as git
 * decides), non-UTF-8 files and files over max_bytes are skipped and counted.
 * Only the main thread may call these functions (libgit2 handles are not
 * shared); file contents are handed over to the caller.
 */
#ifndef LS_GITWALK_H
#define LS_GITWALK_H
#include <stddef.h>

typedef struct gw gw;

typedef struct {
	char *path;		/* relative to the root, '/'-separated; caller frees */
	char *data;		/* contents, NUL-terminated; caller frees */
	size_t len;
	char oid[41];		/* blob id (on disk: git's blob hash of the contents) */
} gw_file;

typedef struct {
	size_t files;		/* .py files delivered */
	size_t symlinks, submodules, binary, non_utf8, too_big, unreadable;
} gw_stats;

/* Open path (a repository or a directory) at commit (a hex id, a ref name,
 * or NULL for HEAD; ignored for a directory). suffix selects files (".py").
 * max_bytes 0: no limit. NULL and a message in err on failure. */
gw *gw_open(const char *path, const char *commit, const char *suffix, size_t max_bytes,
	    char *err, size_t errsz);
/* The next file: 1 and *f filled, 0 at the end. */
int gw_next(gw *g, gw_file *f);
/* The commit read (40 hex), or NULL for a plain directory. */
const char *gw_commit(const gw *g);
int gw_is_git(const gw *g);
const gw_stats *gw_stats_of(const gw *g);
void gw_close(gw *g);

/* 1 when s[0..n) looks binary to git (a NUL byte in the first 8000). */
int gw_binary(const char *s, size_t n);

#endif
