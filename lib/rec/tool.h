/* tool.h — what every ls-* tool shares: options, the record loop, the contract.
 *
 * A tool's main() is an option table and one call:
 *
 *	static struct { const char *cache_dir; int min_stars; } o = { .min_stars = 0 };
 *	static const ls_opt opts[] = {
 *		{ "cache-dir", 0, "DIR", LS_STR, &o.cache_dir, "where clones are kept" },
 *		{ "min-stars", 0, "N",   LS_INT, &o.min_stars, "drop repositories with fewer stars" },
 *		{ 0 }
 *	};
 *	int main(int argc, char **argv) {
 *		ls_tool t = { .name = "ls-repos", .synopsis = "[options] [FILE ...]",
 *			      .about = "collect git repositories", .opts = opts };
 *		ls_parse(&t, argc, argv);		// exits on -h, --version, bad usage
 *		return ls_run(&t, &stage);		// the record loop, exit status
 *	}
 *
 * The common flags are added by ls_parse to every tool: -h/--help, --version,
 * -j N, --seed N, --limit N, --shard K/N, --on-error pass|skip|fail,
 * --rejects FILE, --progress/--no-progress, --quiet, and --cache DIR when the
 * tool sets .cacheable. A tool of subcommands that is not a record stream
 * (ls-registry) sets .no_stream and keeps only --help, --version, --seed
 * and --quiet.
 *
 * A stage maps one input record to zero or more output records:
 *	return rec;				one record out
 *	return jv_array();			none (e.g. nothing found: not an error)
 *	return an array of objects;		several, in order
 *	return ls_fail(rec, "code", fmt, ...);	the record could not be processed
 *	return ls_drop(rec, "reason");		filtered out on purpose (--rejects gets it)
 * The runtime applies --on-error to failures: pass (default) emits the record
 * with "error": {"tool","code","message"}; skip writes it to --rejects;
 * fail stops the run with status 65 after reporting it.
 *
 * With -j N > 1 the map function runs on N threads, each with its own worker
 * state from stage->worker_init; output keeps input order, so -j 1 and -j N
 * write the same bytes. worker_init runs on the main thread, before any worker
 * thread starts (so it may fork helper processes).
 */
#ifndef LS_TOOL_H
#define LS_TOOL_H

#include <stdarg.h>
#include <stdio.h>
#include <jv.h>
#include "base/diag.h"	/* ls_warn, ls_die, ls_progname, sysexits */
#include "rec/record.h"
#include "rec/cache.h"


/* Option types. The parser checks what it can, so every tool refuses a bad
 * value with the same message naming the flag (exit 64):
 *	LS_INT		int*, a whole number
 *	LS_COUNT	int*, a whole number >= 0
 *	LS_LONG		long*, a whole number
 *	LS_DOUBLE	double*, a finite number (NaN and infinities are refused)
 *	LS_STR		const char**
 *	LS_ENUM		const char**, one of the values the arg names, as in
 *			"record|instruction|chat" (so --help shows them too);
 *			the error lists them
 *	LS_LIST		ls_strlist*, repeatable
 *	LS_ENUMLIST	ls_strlist*, repeatable, each comma-separated member
 *			one of the values the arg names ("passed|failed|...")
 *	LS_OUT		const char**, a file the tool writes: checked writable
 *			before any work, and refused when it is an input, standard
 *			output, or another output
 *	LS_IN		const char**, a file the tool reads besides its operands
 *			(an output may not be it) */
typedef enum { LS_FLAG, LS_INT, LS_DOUBLE, LS_STR, LS_LIST, LS_COUNT, LS_LONG, LS_ENUM,
	       LS_OUT, LS_IN, LS_ENUMLIST } ls_opt_type;

typedef struct {
	const char *name;	/* long name without "--" */
	char shortname;		/* 0 for none */
	const char *arg;	/* argument name in --help, NULL for flags */
	ls_opt_type type;
	void *ptr;		/* int* (LS_FLAG, LS_INT), double*, const char**, ls_strlist* */
	const char *help;
} ls_opt;

typedef struct { int n; const char **v; } ls_strlist;

typedef enum { ON_ERROR_PASS, ON_ERROR_SKIP, ON_ERROR_FAIL } ls_on_error;

typedef struct ls_tool {
	/* set by the tool */
	const char *name, *synopsis, *about;
	const ls_opt *opts;
	const char *examples;	/* optional text after the options in --help */
	int cacheable;		/* accept --cache DIR */
	int no_stream;		/* subcommands, not a record stream: no -j, --limit,
				 * --shard, --on-error, --rejects, --cache, --progress */
	int input_flags;	/* REC_TEXT_OK, ... */
	/* Optional: the tool's own counts, appended to the one summary line
	 * (write ", 12 files, 3 syntax errors" to f). */
	void (*summary)(FILE *f, void *ctx);
	void *summary_ctx;
	/* set by ls_parse from the common flags */
	int jobs;		/* -j, default 1 */
	unsigned long seed;	/* --seed, default 0 */
	long limit;		/* --limit: stop after this many output records; -1 none */
	int shard_k, shard_n;	/* --shard K/N: K in 0..N-1; n == 0 means no sharding */
	ls_on_error on_error;
	const char *rejects_path;
	const char *cache_dir;
	int progress, quiet;
	char **files; int nfiles;	/* operands left after the options */
	char *options_key;	/* canonical string of the tool's own options (for cache keys) */
	/* runtime state */
	struct ls_run_state *rs;
} ls_tool;

typedef struct {
	/* Per-worker state; NULL functions are fine. ctx is stage->ctx. */
	void *(*worker_init)(ls_tool *t, void *ctx, int worker);
	void (*worker_free)(void *w);
	jv (*map)(void *w, jv rec, ls_tool *t);
	/* Optional: called once after the last record, on the main thread; may return
	 * records (an array) to emit at the end, or jv_array(). */
	jv (*finish)(void *ctx, ls_tool *t);
	void *ctx;
	/* Records without an "id" are sharded by the hash of their canonical text. */
} ls_stage;

/* Parse argv: fills the tool's option pointers and the common fields, leaves
 * operands in t->files. Exits 0 on --help/--version, 64 on usage errors. */
void ls_parse(ls_tool *t, int argc, char **argv);
/* What ls_parse kept, for a tool that returns without ls_run/ls_end
 * (a self-test, a subcommand); ls_end calls it itself. */
void ls_parse_free(ls_tool *t);
void ls_usage(const ls_tool *t, FILE *f);	/* the generated --help text */
/* A bad option value the table cannot check (a range, two flags together):
 * "ls-x: MESSAGE", the usage line, exit 64 — as the parser's own errors.
 * Name the flag and quote the value: ls_usage_error(t, "--near: must be
 * above 0: '%g'", o.near). */
void ls_usage_error(const ls_tool *t, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* The record loop: read t->files (or stdin), shard, map (-j), apply the error
 * policy, write stdout, print the summary. Returns the exit status. */
int ls_run(ls_tool *t, const ls_stage *stage);

/* Pull-style reading, for tools that write their own loop (ls-split,
 * ls-abtest), after ls_begin: the next record of the operands (or stdin)
 * that is in --shard, counted as in; 0 at the end of the input, after
 * --limit, --on-error=fail, a write error or SIGINT/SIGTERM. where (may be
 * NULL) gets the record's FILE:LINE. Malformed lines and unreadable files
 * count in the summary and the exit status, as with ls_run. */
typedef struct { const char *file; long line; } ls_pos;
int ls_next(ls_tool *t, jv *rec, ls_pos *where);
/* A second input stream (ls-abtest reads two): files read in order as
 * the operands are; counted and closed by ls_end like them. */
rec_reader *ls_open_input(ls_tool *t, char *const *files, int nfiles);
int ls_next_from(ls_tool *t, rec_reader *r, jv *rec, ls_pos *where);
/* Should a tool's own loop stop (--on-error=fail fired, --limit reached,
 * a write error, SIGINT or SIGTERM)? */
int ls_stopped(const ls_tool *t);
/* The flag SIGINT/SIGTERM set (the signal number), for helpers that wait on
 * child processes; 0 until then. */
const volatile sig_atomic_t *ls_stop_flag(void);

/* The build id: version, git commit (+dirty) and a hash of the installed
 * data files (harness, templates, licences). Part of every cache key;
 * --version prints it. */
const char *ls_build_id(void);

/* Results a map function returns (see above). Both consume rec. */
jv ls_fail(jv rec, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
jv ls_drop(jv rec, const char *reason);

/* For tools that write their own output (ls-gen, ls-split, ls-abtest): the
 * same contract pieces, used directly. */
void ls_begin(ls_tool *t);			/* opens --rejects, starts the progress bar */
void ls_emit(ls_tool *t, jv rec);		/* to stdout, counted; honours --limit */
/* A record its tool wrote as compact JSON itself (exactly the bytes rec_write
 * would write, without the newline): to stdout, counted; honours --limit. */
void ls_emit_json(ls_tool *t, const char *json, size_t n);
int ls_limit_reached(const ls_tool *t);
void ls_count_in(ls_tool *t);
void ls_reject(ls_tool *t, jv rec, const char *code, const char *message, int is_error);
/* A map-style result (record, array, ls_fail, ls_drop) through the error
 * policy to stdout or --rejects, exactly as ls_run does it. */
void ls_take(ls_tool *t, jv result);
int ls_failed(const ls_tool *t);		/* --on-error=fail has fired: stop reading */
/* Hand ls_end a reader the tool opened itself: its malformed lines and
 * unreadable files then count in the summary and the exit status. */
void ls_set_reader(ls_tool *t, rec_reader *r);
int ls_end(ls_tool *t);				/* summary line, closes; returns exit status */
int ls_in_shard(const ls_tool *t, jv rec);	/* does not consume rec */
FILE *ls_open_out(const ls_tool *t, const char *path);	/* fopen "w" or die with EX_IOERR */

/* Where installed data lives (licence texts, templates): $LS_DATADIR, else
 * share of the build tree the binary runs from, else ../share/lift-sys
 * beside the binary's directory, else the PREFIX it was built for. */
const char *ls_datadir(void);

/* The options string of a tool (for cache keys), built by ls_parse. */
#endif
