/* ls-prompt — records in, the same records with a task text ("prompt") out. */
#include <stdlib.h>
#include <string.h>

#include "lift/lift.h"
#include "lift/prompt.h"
#include "rec/tool.h"

static struct {
	const char *strategy;
} o = { .strategy = "combined" };

static const ls_opt opts[] = {
	{ "strategy", 0, "combined|docstring|signature|examples", LS_ENUM, &o.strategy, "combined (default), docstring, signature or examples" },
	{ 0 }
};

static pr_strategy strategy;


static jv map(void *w, jv rec, ls_tool *t)
{
	lift_fn f;
	const char *code;
	if (lift_fn_open(w, rec, &f, &code) < 0) {
		jv r = ls_fail(rec, code, "%s", f.err);
		lift_fn_close(&f);
		return r;
	}
	jv source;
	jv text = prompt_make(&f, rec, strategy, t->seed, &source);
	lift_fn_close(&f);
	rec = jv_object_set(rec, jv_string("prompt"), text);
	return jv_object_set(rec, jv_string("prompt_source"), source);
}

int main(int argc, char **argv)
{
	ls_tool t = { .name = "ls-prompt", .synopsis = "[options] [FILE ...]",
		      .about = "write a task text for each function: from its docstring, signature and examples",
		      .opts = opts, .cacheable = 1,
		      .examples = "  ls-extract < repos.jsonl | ls-prompt > prompted.jsonl\n"
				  "  ls-prompt --strategy signature --seed 7 < functions.jsonl | jq -r .prompt\n" };
	ls_parse(&t, argc, argv);
	prompt_strategy(o.strategy, &strategy);	/* the option table checked it */
	ls_stage st = { .worker_init = lift_worker_init, .worker_free = lift_worker_free, .map = map };
	return ls_run(&t, &st);
}
