/* exec.h — ls-exec's record logic: which tests a record carries, the request
 * for the harness, repository checkouts, and the verdict ("exec" object).
 *
 * The sandbox (sandbox.h) and the interpreter (interp.h) know nothing of
 * records; this module turns a record into a request and an answer into
 * {status, tests_run, tests_passed, failures, duration_ms, category, mode,
 *  namespace, examples?}. Status comes from the harness's report when there
 * is one, and otherwise from how the child ended (docs/SANDBOX.md).
 */
#ifndef LS_EXEC_H
#define LS_EXEC_H
#include <jv.h>
#include "exec/sandbox.h"

typedef struct {
	const char *code_field;	/* the field with the code under test ("code") */
	const char *mode;	/* auto | doctest | assert | repo */
	const char *runner;	/* repository tests: auto | pytest | unittest */
	int trace, trace_count, trace_repr;
	int lines;		/* report the function's lines its tests ran (exec.lines) */
	int no_duration;	/* leave duration_ms out (byte-identical reruns) */
	const char *cache_dir;	/* where per-commit checkouts live */
	const char *const *site;	/* --site DIR or NAME=DIR (exec_site_dir) */
	int nsite;
	sbx_limits lim;
} exec_opts;

/* The harness request for rec (not consumed). When the record cannot be run
 * at all (no code, no tests, no checkout), *verdict is set to the finished
 * exec object and jv_null() is returned. */
jv exec_request(const exec_opts *o, jv rec, jv *verdict);

/* The exec object from the request (consumed) and the zygote's answer (consumed). */
jv exec_verdict(const exec_opts *o, jv request, jv answer);

/* Is an "error" verdict of this category about the environment or the
 * record (its tests could not run: --on-error applies), rather than about
 * the code (a syntax error, an early exit)? */
int exec_is_env_error(const char *category);

/* An exec object for a run that never happened (consumes nothing). */
jv exec_error(const char *mode, const char *category, const char *message);

/* Check out commit of the git repository at repo into cache_dir/checkouts/COMMIT,
 * once (concurrent callers wait). The path goes to dir. 0, or -1 with err. */
int exec_checkout(const char *cache_dir, const char *repo, const char *commit,
		  char *dir, size_t dirsz, char *err, size_t errsz);

/* The default cache directory (readable by the sandbox's uid): written to buf. */
const char *exec_default_cache_dir(char *buf, size_t n);

/* A --site argument (DIR, a venv DIR, or NAME=DIR) for the records of the
 * repository named repo_name (may be NULL): the directory to put on
 * sys.path (malloc'd real path), or NULL when it does not apply or is not there. */
char *exec_site_dir(const char *arg, const char *repo_name);

/* Is s a repository test id (path.py::name[::name])? */
int exec_is_test_id(const char *s);

#endif
