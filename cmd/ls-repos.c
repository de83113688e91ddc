/* ls-repos — collect git repositories: open or clone, describe, filter. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repo/github.h"
#include "base/hash.h"
#include "repo/license.h"
#include "repo/repo.h"
#include "rec/tool.h"

static struct {
	const char *cache_dir, *ref, *licenses, *search, *api_url;
	int min_stars, min_py_files, require_tests;
} o = { .api_url = "https://api.github.com" };

static const ls_opt opts[] = {
	{ "cache-dir", 0, "DIR", LS_STR, &o.cache_dir, "where clones are kept (default ~/.cache/lift-sys/repos)" },
	{ "ref", 0, "REF", LS_STR, &o.ref, "describe REF instead of HEAD (a branch, tag or commit)" },
	{ "license", 0, "LIST", LS_STR, &o.licenses, "keep only these SPDX ids (comma-separated; NOASSERTION, none)" },
	{ "min-stars", 0, "N", LS_COUNT, &o.min_stars, "keep only repositories with at least N stars" },
	{ "min-py-files", 0, "N", LS_COUNT, &o.min_py_files, "keep only repositories with at least N Python files" },
	{ "require-tests", 0, NULL, LS_FLAG, &o.require_tests, "keep only repositories with test files" },
	{ "github-search", 0, "QUERY", LS_STR, &o.search, "search GitHub instead of reading input (token: $GITHUB_TOKEN)" },
	{ "api-url", 0, "URL", LS_STR, &o.api_url, "GitHub API base (default https://api.github.com)" },
	{ 0 }
};

static license_db *licenses;
static char *cache_dir;

/* Is id in the comma-separated list? "none" stands for no licence file. */
static int license_listed(const char *id)
{
	const char *want = id ? id : "none";
	size_t n = strlen(want);
	for (const char *p = o.licenses; p && *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == n && !strncasecmp(p, want, n))
			return 1;
		p += l + (c ? 1 : 0);
	}
	return 0;
}

static jv map(void *w, jv in, ls_tool *t)
{
	(void)w;
	(void)t;
	jv rec = in;
	if (jv_get_kind(in) == JV_KIND_STRING)	/* a line of text: a URL or a path */
		rec = jv_object_set(jv_object(), jv_string(strstr(jv_string_value(in), "://") ? "url" : "path"), in);
	const char *src = rec_str(rec, "url") ? rec_str(rec, "url") : rec_str(rec, "path");
	if (!src)
		return ls_fail(rec, "no_source", "record has neither 'url' nor 'path'");
	char *local, err[1024];
	const char *code;
	repo_fetch how;
	if (repo_fetch_src(src, cache_dir, &local, &how, &code, err, sizeof err) < 0)
		return ls_fail(rec, code, "%s", err);
	repo_info ri;
	if (repo_describe(local, o.ref, licenses, &ri, &code, err, sizeof err) < 0) {
		free(local);
		return ls_fail(rec, code, "%s", err);
	}
	char url[4200];
	if (how == REPO_LOCAL)
		snprintf(url, sizeof url, "file://%s", local);
	else
		snprintf(url, sizeof url, "%s", src);
	char *name = rec_str(rec, "name") ? xstrdup(rec_str(rec, "name")) : repo_name(src, local);
	char id[64];
	const char *parts[] = { url, ri.commit };
	hash_id(id, sizeof id, "repo", 2, parts);
	static const char *const fetch_names[] = { "local", "cloned", "updated" };
	rec = jv_object_set(rec, jv_string("id"), jv_string(id));
	rec = jv_object_set(rec, jv_string("name"), jv_string(name));
	free(name);
	rec = jv_object_set(rec, jv_string("url"), jv_string(url));
	rec = jv_object_set(rec, jv_string("path"), jv_string(local));
	rec = jv_object_set(rec, jv_string("commit"), jv_string(ri.commit));
	rec = jv_object_set(rec, jv_string("default_branch"), ri.default_branch ? jv_string(ri.default_branch) : jv_null());
	rec = jv_object_set(rec, jv_string("license"), ri.license ? jv_string(ri.license) : jv_null());
	rec = jv_object_set(rec, jv_string("license_file"), ri.license_file ? jv_string(ri.license_file) : jv_null());
	rec = jv_object_set(rec, jv_string("py_files"), jv_number((double)ri.py_files));
	rec = jv_object_set(rec, jv_string("py_bytes"), jv_number((double)ri.py_bytes));
	rec = jv_object_set(rec, jv_string("test_files"), jv_number((double)ri.test_files));
	rec = jv_object_set(rec, jv_string("test_framework"), ri.test_framework ? jv_string(ri.test_framework) : jv_null());
	rec = jv_object_set(rec, jv_string("fetch"), jv_string(fetch_names[how]));
	free(local);
	int stars = (int)rec_num(rec, "stars", 0);
	const char *why = NULL;
	if (o.licenses && !license_listed(ri.license))
		why = "licence not in --license";
	else if (stars < o.min_stars)
		why = "fewer stars than --min-stars";
	else if (ri.py_files < o.min_py_files)
		why = "fewer Python files than --min-py-files";
	else if (o.require_tests && ri.test_files == 0)
		why = "no test files (--require-tests)";
	repo_info_free(&ri);
	return why ? ls_drop(rec, why) : rec;
}

int main(int argc, char **argv)
{
	ls_tool t = { .name = "ls-repos", .synopsis = "[options] [FILE ...]",
		      .about = "collect git repositories: paths, git URLs or JSONL in, one repo record out each",
		      .opts = opts, .input_flags = REC_TEXT_OK,
		      .examples = "examples:\n"
				  "  echo /srv/src/toolz | ls-repos\n"
				  "  ls-repos --license MIT,BSD-3-Clause --require-tests < urls.txt > repos.jsonl\n"
				  "  GITHUB_TOKEN=... ls-repos --github-search 'language:python stars:>500' --limit 50\n" };
	ls_parse(&t, argc, argv);
	repo_global_init();
	char err[512], dir[4096];
	snprintf(dir, sizeof dir, "%s/licenses", ls_datadir());
	if (!(licenses = license_db_load(dir, err, sizeof err)))
		ls_die(EX_UNAVAILABLE_, "%s (set LS_DATADIR)", err);
	if (o.cache_dir)
		cache_dir = strdup(o.cache_dir);
	else {
		const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
		if (asprintf(&cache_dir, "%s%s/lift-sys/repos", xdg ? xdg : home ? home : "/tmp",
			     xdg ? "" : "/.cache") < 0)
			ls_die(EX_SOFTWARE_, "out of memory");
	}
	char tmp[] = "/tmp/ls-repos-search.XXXXXX";
	char *search_file[] = { tmp, NULL };
	if (o.search) {
		if (t.nfiles)
			ls_usage_error(&t, "--github-search takes no input files");
		int fd = mkstemp(tmp);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!f)
			ls_die(EX_IOERR_, "cannot create a temporary file");
		long n = gh_search(o.api_url, o.search, getenv("GITHUB_TOKEN"), t.limit, f, err, sizeof err);
		if (fclose(f) != 0 || n < 0) {
			unlink(tmp);
			ls_die(EX_UNAVAILABLE_, "github search: %s", err);
		}
		free(t.files);
		t.files = malloc(sizeof search_file);
		memcpy(t.files, search_file, sizeof search_file);
		t.nfiles = 1;
	}
	ls_stage st = { .map = map };
	int rc = ls_run(&t, &st);
	if (o.search)
		unlink(tmp);
	license_db_free(licenses);
	free(cache_dir);
	return rc;
}
