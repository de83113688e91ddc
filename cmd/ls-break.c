/* ls-break — repair tasks: validated functions in, mutants out; with --check,
 * ls-exec's verdicts on them in, the repair tasks the tests caught out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "break/task.h"
#include "rec/tool.h"

static struct {
	int per_function, from, combine, no_control, check, any_status;
	const char *ops;
} o = { .per_function = 8, .combine = 1 };

static const ls_opt opts[] = {
	{ "per-function", 'n', "N", LS_INT, &o.per_function, "at most N mutants per function (default 8)" },
	{ "from", 0, "M", LS_INT, &o.from, "skip each function's first M mutants (a later round; default 0)" },
	{ "combine", 0, "K", LS_INT, &o.combine, "K edits per mutant: combined bugs (1..8, default 1)" },
	{ "ops", 0, "LIST", LS_STR, &o.ops, "only these operators (comma-separated names; default all)" },
	{ "no-control", 0, NULL, LS_FLAG, &o.no_control, "leave out the control record before each function's mutants" },
	{ "any-status", 0, NULL, LS_FLAG, &o.any_status, "break functions whatever their exec.status (default: passed only)" },
	{ "check", 0, NULL, LS_FLAG, &o.check, "read ls-exec verdicts on the mutants (buggy); keep those the tests caught" },
	{ 0 }
};

static brk_opts bo;
static brk_check chk;
static long nparents, nnone, nmutants;

static void summary(FILE *f, void *ctx)
{
	(void)ctx;
	if (o.check)
		fprintf(f, ", %ld controls (%ld not passed), %ld caught, %ld survived, %ld unclean, %ld orphans",
			chk.controls, chk.controls_failed, chk.caught, chk.survived, chk.unclean, chk.orphans);
	else
		fprintf(f, ", %ld functions, %ld with nothing to break, %ld mutants", nparents, nnone, nmutants);
}

static void *worker_init(ls_tool *t, void *ctx, int i)
{
	(void)t; (void)ctx; (void)i;
	char err[256];
	breaker *b = brk_new(err, sizeof err);
	if (!b)
		ls_die(EX_UNAVAILABLE_, "%s", err);
	return b;
}

static void worker_free(void *w) { brk_free(w); }

static jv map(void *w, jv rec, ls_tool *t)
{
	(void)t;
	const char *st = NULL;
	jv ex = jv_object_get(jv_copy(rec), jv_string("exec"));
	if (jv_get_kind(ex) == JV_KIND_OBJECT)
		st = rec_str(ex, "status");
	int passed = st && !strcmp(st, "passed");
	jv_free(ex);
	if (!o.any_status && !passed)
		return ls_drop(rec, "not passed by ls-exec (exec.status is not passed)");
	jv out = brk_task_records(w, jv_copy(rec), &bo, !o.no_control);
	if (!jv_is_valid(out)) {
		jv m = jv_invalid_get_msg(out);
		jv r = ls_fail(rec, "break", "%s", jv_string_value(m));
		jv_free(m);
		return r;
	}
	jv_free(rec);
	/* map runs on -j N threads: atomic counts, read after the run */
	int n = jv_array_length(jv_copy(out)) - (o.no_control ? 0 : 1);
	__atomic_add_fetch(&nparents, 1, __ATOMIC_RELAXED);
	if (n <= 0)
		__atomic_add_fetch(&nnone, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&nmutants, n, __ATOMIC_RELAXED);
	return out;
}

static jv check(void *w, jv rec, ls_tool *t)
{
	(void)w; (void)t;
	char why[256];
	switch (brk_check_one(&chk, &rec, why, sizeof why)) {
	case BRK_KEEP:
		return rec;
	case BRK_CONTROL:
		jv_free(rec);
		return jv_array();
	default:
		return ls_drop(rec, why);
	}
}

int main(int argc, char **argv)
{
	ls_tool t = { .name = "ls-break", .synopsis = "[options] [FILE ...]",
		      .about = "inject bugs into validated functions: repair tasks checked by their tests",
		      .opts = opts, .summary = summary,
		      .examples = "  ls-exec --keep passed < functions.jsonl | ls-break -n 8 \\\n"
				  "    | ls-exec --code-field buggy | ls-break --check > repair.jsonl\n" };
	ls_parse(&t, argc, argv);
	if (o.per_function < 1 || o.from < 0 || o.combine < 1 || o.combine > BRK_MAX_COMBINE)
		ls_die(EX_USAGE_, "out of range: --per-function >= 1, --from >= 0, --combine 1..%d", BRK_MAX_COMBINE);
	bo = (brk_opts){ .per_function = o.per_function, .from = o.from, .combine = o.combine, .seed = t.seed };
	if (o.ops) {
		char *list = strdup(o.ops), *save = NULL;
		for (char *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
			int k = brk_op_index(s);
			if (k < 0)
				ls_die(EX_USAGE_, "unknown operator: '%s' (see ls-break(1))", s);
			bo.ops |= 1u << k;
		}
		free(list);
	}
	ls_stage st = { .worker_init = worker_init, .worker_free = worker_free, .map = map };
	if (o.check) {
		/* a control's verdict applies to the mutants after it: one thread, in order */
		t.jobs = 1;
		brk_check_init(&chk);
		st = (ls_stage){ .map = check };
	}
	int rc = ls_run(&t, &st);
	brk_check_free(&chk);
	return rc;
}
