/* extract.h — a repository record in, its function records out (ls-extract).
 *
 * Files are read on the calling thread (gitwalk) and queued; a pool of jobs
 * threads (the caller is one of them) parses them and writes their records
 * straight as JSON, then links them to the repository's tests; the caller
 * filters, deduplicates and emits them in file order: the output does not
 * depend on -j. Memory holds one repository's records at a time (as JSON),
 * plus the dedup index.
 */
#ifndef LS_EXTRACT_H
#define LS_EXTRACT_H
#include <stddef.h>
#include <jv.h>

typedef struct {
	int min_lines, max_lines;	/* 0: no bound */
	int require_docstring, require_tests, require_doctest;
	int skip_private, skip_dunder, include_test_code, include_nested;
	int no_dedup;
	double near;			/* Jaccard threshold; > 1 turns near dedup off */
	int max_file_bytes;		/* 0: no limit */
	const char *exclude;		/* JSONL file of records to decontaminate against */
	int jobs;
} ex_opts;

typedef struct {
	size_t repos, files, test_files, functions, emitted, syntax_errors, files_with_errors,
		filtered, dup_exact, dup_near, excluded, with_tests,
		symlinks, submodules, binary, non_utf8, too_big, unreadable;
} ex_stats;

typedef struct extractor extractor;

/* NULL with a message in err when --exclude cannot be read or the parser
 * cannot start. */
extractor *ex_new(const ex_opts *o, char *err, size_t errsz);
/* Gets each function record as one line of compact JSON (no newline): the
 * bytes rec_write writes for it. */
typedef void (*ex_emit_fn)(void *ctx, const char *json, size_t n);
/* rec: a repo record ({"path", "commit", "name", "url", ...}) or a path
 * string; consumed. Emits the repository's function records, in order, and
 * returns 0; or -1 with a message in err when the repository was not read. */
int ex_repo(extractor *x, jv rec, ex_emit_fn emit, void *ctx, char *err, size_t errsz);
/* Functions left out on purpose (a filter, a duplicate, --exclude) go to
 * reject, with the emit ctx, in order: a filtered one as a short record
 * (id, repo, path, module, qualname, lineno), the others whole. code is
 * "filtered", "duplicate" or "excluded"; reject consumes rec. Without it
 * they are only counted. */
typedef void (*ex_reject_fn)(void *ctx, jv rec, const char *code, const char *reason);
void ex_set_reject(extractor *x, ex_reject_fn reject);
const ex_stats *ex_stats_of(const extractor *x);
void ex_free(extractor *x);

#endif
