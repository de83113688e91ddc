/* ls-extract — Python functions from git repositories, as function records. */
#include <stdio.h>
#include <stdlib.h>
#include "py/extract.h"
#include "rec/tool.h"

static ex_opts o = { .near = 0.85 };
static extractor *ex;
static int skip_test_code;	/* the default now; accepted for older scripts */

static const ls_opt opts[] = {
	{ "min-lines", 0, "N", LS_COUNT, &o.min_lines, "drop functions shorter than N lines" },
	{ "max-lines", 0, "N", LS_COUNT, &o.max_lines, "drop functions longer than N lines" },
	{ "require-docstring", 0, NULL, LS_FLAG, &o.require_docstring, "keep only functions with a docstring" },
	{ "require-tests", 0, NULL, LS_FLAG, &o.require_tests, "keep only functions linked to repository tests" },
	{ "require-doctest", 0, NULL, LS_FLAG, &o.require_doctest, "keep only functions whose docstring has doctests" },
	{ "skip-private", 0, NULL, LS_FLAG, &o.skip_private, "drop _private functions (not __dunder__)" },
	{ "skip-dunder", 0, NULL, LS_FLAG, &o.skip_dunder, "drop __dunder__ methods" },
	{ "include-test-code", 0, NULL, LS_FLAG, &o.include_test_code, "also emit functions defined in test files" },
	{ "skip-test-code", 0, NULL, LS_FLAG, &skip_test_code, "drop functions defined in test files (the default)" },
	{ "include-nested", 0, NULL, LS_FLAG, &o.include_nested, "also emit functions defined inside functions" },
	{ "max-file-bytes", 0, "N", LS_COUNT, &o.max_file_bytes, "skip (and count) files larger than N bytes" },
	{ "no-dedup", 0, NULL, LS_FLAG, &o.no_dedup, "keep exact and near duplicates" },
	{ "near", 0, "J", LS_DOUBLE, &o.near, "near-duplicate Jaccard threshold (default 0.85; above 1: exact only)" },
	{ "exclude", 0, "FILE", LS_IN, &o.exclude, "drop functions that duplicate a record's code in FILE" },
	{ 0 }
};

static void emit(void *t, const char *json, size_t n)
{
	ls_emit_json(t, json, n);
}

/* Records are emitted as they come (the tool loop runs on one thread, so
 * in order): the map result is only the failure of a repository. */
static jv map(void *w, jv rec, ls_tool *t)
{
	(void)w;
	char err[512];
	if (ex_repo(ex, jv_copy(rec), emit, t, err, sizeof err) == 0) {
		jv_free(rec);
		return jv_array();
	}
	return ls_fail(rec, "repo", "%s", err);
}

/* With --rejects: filtered, duplicate and excluded functions, with the reason. */
static void reject(void *t, jv rec, const char *code, const char *reason)
{
	ls_reject(t, rec, code, reason, 0);
}

static void summary(FILE *f, void *ctx)
{
	(void)ctx;
	const ex_stats *s = ex_stats_of(ex);
	fprintf(f, "; %zu repos, %zu files (%zu test), %zu functions: %zu filtered, %zu exact and "
		"%zu near duplicates, %zu excluded, %zu with syntax errors (in %zu files), %zu linked "
		"to tests; skipped %zu symlinks, %zu submodules, %zu binary, %zu non-UTF-8, %zu too big, "
		"%zu unreadable",
		s->repos, s->files, s->test_files, s->functions, s->filtered, s->dup_exact, s->dup_near,
		s->excluded, s->syntax_errors, s->files_with_errors, s->with_tests, s->symlinks,
		s->submodules, s->binary, s->non_utf8, s->too_big, s->unreadable);
}

int main(int argc, char **argv)
{
	ls_tool t = { .name = "ls-extract", .synopsis = "[options] [FILE ...]",
		      .about = "Python functions from git repositories, one record per function",
		      .opts = opts, .input_flags = REC_TEXT_OK,
		      .examples = "  ls-repos < urls.txt | ls-extract --require-docstring > functions.jsonl\n"
				  "  echo /usr/lib/python3.11 | ls-extract -j 2 --skip-private > stdlib.jsonl\n" };
	ls_parse(&t, argc, argv);
	if (o.near <= 0)
		ls_usage_error(&t, "--near: must be above 0: '%g'", o.near);
	/* Files, not repositories, are the unit of work: -j sizes our own pool,
	 * and the record loop stays on one thread so dedup sees input order. */
	o.jobs = t.jobs;
	t.jobs = 1;
	char err[512];
	ex = ex_new(&o, err, sizeof err);
	if (!ex)
		ls_die(EX_NOINPUT_, "%s", err);
	t.summary = summary;
	if (t.rejects_path)
		ex_set_reject(ex, reject);
	ls_stage st = { .map = map };
	int rc = ls_run(&t, &st);
	ex_free(ex);
	return rc;
}
