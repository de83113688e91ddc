/* Unit tests for lib/gitwalk: files of a commit from git objects, of a plain
 * directory from disk, and what is skipped (and counted). */
#include <stdlib.h>
#include <unistd.h>
#include "t.h"
#include "repo/gitwalk.h"

static char dir[256];

static int sh(const char *fmt, const char *arg)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, fmt, arg, arg, arg, arg);
	return system(cmd);
}

static char *list(gw *g)
{
	static char buf[4096];
	buf[0] = 0;
	gw_file f;
	while (gw_next(g, &f)) {
		char line[512];
		snprintf(line, sizeof line, "%s:%zu ", f.path, f.len);
		strcat(buf, line);
		free(f.path);
		free(f.data);
	}
	return buf;
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s/ls-gw.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	int rc = sh("cd %s && git init -q -b main . && mkdir pkg && printf 'x = 1\\n' > a.py && "
		    "printf 'def f():\\n    pass\\n' > pkg/b.py && ln -s a.py link.py && "
		    "printf 'a\\0b' > bin.py && printf '\\351\\n' > latin.py && "
		    "head -c 5000 /dev/zero | tr '\\0' x > big.py && echo hi > notes.txt && "
		    "git add -A && git -c user.name=t -c user.email=t@e commit -q -m one && "
		    "git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),sub && "
		    "printf 'x = 2\\ny = 3\\n' > a.py && git add a.py && "
		    "git -c user.name=t -c user.email=t@e commit -q -m two", dir);
	if (!T_OK(rc == 0, "throwaway repository built"))
		return t_done();
	char err[512];
	gw *g = gw_open(dir, NULL, ".py", 1000, err, sizeof err);
	if (!T_OK(g != NULL, "opens a repository")) {
		printf("# %s\n", err);
		return t_done();
	}
	T_OK(gw_is_git(g) && strlen(gw_commit(g)) == 40, "HEAD resolved to a commit id");
	T_EQ_STR(list(g), "a.py:12 pkg/b.py:18 ", "python blobs at HEAD, in tree order");
	const gw_stats *s = gw_stats_of(g);
	T_EQ_INT(s->symlinks, 1, "symlink skipped");
	T_EQ_INT(s->binary, 1, "binary skipped");
	T_EQ_INT(s->non_utf8, 1, "non-UTF-8 skipped");
	T_EQ_INT(s->too_big, 1, "too big skipped");
	T_EQ_INT(s->submodules, 1, "submodule skipped");
	gw_close(g);

	g = gw_open(dir, "HEAD~1", ".py", 0, err, sizeof err);
	T_OK(g != NULL, "opens an older commit");
	if (g) {
		T_EQ_STR(list(g), "a.py:6 big.py:5000 pkg/b.py:18 ", "older blob, no size limit");
		gw_close(g);
	}
	g = gw_open(dir, "no-such-ref", ".py", 0, err, sizeof err);
	T_OK(g == NULL && strstr(err, "no-such-ref"), "bad commit: an error that names it");

	char sub[512];
	snprintf(sub, sizeof sub, "%s/pkg", dir);
	g = gw_open(sub, NULL, ".py", 0, err, sizeof err);
	T_OK(g && !gw_is_git(g) && gw_commit(g) == NULL, "a directory inside a repository is read from disk");
	if (g) {
		gw_file f;
		T_OK(gw_next(g, &f) && !strcmp(f.path, "b.py") && !strcmp(f.data, "def f():\n    pass\n"),
		     "file read from disk");
		T_EQ_STR(f.oid, "4f28bc7a4992fa35bc68694e612a5b49e2d770b9", "the id git hash-object gives");
		free(f.path);
		free(f.data);
		gw_close(g);
	}
	g = gw_open("/nonexistent/dir", NULL, ".py", 0, err, sizeof err);
	T_OK(g == NULL, "missing directory is an error");
	T_OK(gw_binary("a\0b", 3) && !gw_binary("abc", 3), "binary heuristic");
	sh("rm -rf %s", dir);
	return t_done();
}
