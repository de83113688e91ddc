/* gen.h — ls-gen: a programmatic test suite from templates (template.h).
 *
 * The suite is built in four steps:
 *  1. plan:   templates x parameter combinations, sampled per category in
 *             round-robin order so that any prefix of the plan is balanced;
 *             a candidate whose normalised code or prompt was already taken
 *             is skipped (gen_normalise).
 *  2. build:  each candidate becomes a task record without expected values:
 *             prompt, reference code, IR, difficulty, the calls to test.
 *  3. probe:  the reference runs in ls-exec's sandbox (--trace) twice; the
 *             returned or raised values become the tests. A reference that
 *             fails, raises what its template does not allow, or answers
 *             differently in the two runs is dropped and reported.
 *  4. select: the first --count survivors in plan order.
 *
 * Ownership: record.h's rule (every jv argument is consumed) unless a
 * function says "consumes nothing".
 */
#ifndef LS_GEN_H
#define LS_GEN_H

#include <stddef.h>
#include <signal.h>
#include <jv.h>

typedef struct {
	int count;			/* tasks wanted */
	unsigned long seed;
	int jobs;			/* passed to ls-exec as -j */
	int timeout;			/* CPU seconds per reference, ls-exec --timeout */
	const char *exec;		/* the ls-exec binary */
	int no_exec;			/* skip step 3: tasks carry calls, no expected values */
	const char *only;		/* comma-separated categories to keep, or NULL */
} gen_opts;

/* The whole run. Returns the tasks (an array), and *report:
 * {"templates", "candidates", "probed", "dropped": [{"id","template","reason"}],
 *  "emitted", "by_category": {c: n}, "by_difficulty": {d: n}}.
 * On a failure that stops the run (ls-exec missing or crashing) returns
 * jv_invalid_with_msg. Consumes templates. */
jv gen_suite(jv templates, const gen_opts *o, jv *report);

/* Steps 1 and 2: at most want candidate tasks (gen_task) in plan order,
 * distinct by normalised code and by prompt. Consumes nothing. */
jv gen_plan(jv templates, unsigned long seed, int want, const char *only);

/* Step 2: the task for one template combination (no tests yet), or
 * jv_invalid_with_msg when the expanded code does not parse. Consumes nothing. */
jv gen_task(jv tmpl, long combo);

/* Code with comments and layout dropped and every name that is not a
 * builtin, attribute or keyword argument renamed v0, v1, ... in order of
 * appearance: two references that differ only in naming normalise equal.
 * malloc'd; NULL if the code does not parse. */
char *gen_normalise(const char *code);

/* The difficulty estimate of reference code whose entry point is `entry`:
 * fills *features ({"branches","loops","depth","recursion","functions",
 * "params","raises","lines","edges"}) and returns the score; *label is
 * "easy", "medium" or "hard". edges = the number of edge-case inputs. */
int gen_difficulty(const char *code, const char *entry, int edges,
		   jv *features, const char **label);

/* Step 3 helpers. The probe record ls-exec runs for a task: its code plus a
 * dispatcher _lsgen_case(i) that evaluates case i, and one bare call per
 * case as tests. Consumes nothing. */
jv gen_probe(jv task);

/* Turn two ls-exec --trace results of a task's probe into its tests and
 * cases. Returns the finished task, or jv_invalid_with_msg(reason) when the
 * task must be dropped. Consumes task, run1, run2. */
jv gen_finish(jv task, jv run1, jv run2);

/* Run `exec --trace --quiet -j jobs --timeout timeout` over records (an
 * array), return its output records by id. Consumes records.
 * jv_invalid_with_msg on failure. */
jv gen_exec(const char *exec, int jobs, int timeout, jv records);
/* A flag set by a signal handler: gen_exec then ends its ls-exec (SIGTERM),
 * removes its temporary files and fails with "stopped by a signal". */
void gen_exec_stop_on(const volatile sig_atomic_t *flag);

#endif
