/* ls-lift — reverse mode: function records in, the same records with "ir" out. */
#include <stdlib.h>
#include <string.h>

#include "lift/lift.h"
#include "rec/tool.h"

static struct {
	const char *profile;
	double min_score;
} o = { .profile = "full", .min_score = 0 };

static const ls_opt opts[] = {
	{ "profile", 0, "full|lift-sys", LS_ENUM, &o.profile, "full (default) or lift-sys (the published core fields only)" },
	{ "min-score", 0, "X", LS_DOUBLE, &o.min_score, "drop records whose quality score is below X (0..1)" },
	{ 0 }
};

static int profile;


static jv map(void *w, jv rec, ls_tool *t)
{
	(void)t;
	lift_fn f;
	const char *code;
	if (lift_fn_open(w, rec, &f, &code) < 0) {
		jv r = ls_fail(rec, code, "%s", f.err);
		lift_fn_close(&f);
		return r;
	}
	jv ir = lift_ir(w, &f, rec, LIFT_PROFILE_FULL);
	lift_fn_close(&f);
	double score = lift_score(ir);
	if (score < o.min_score) {
		jv_free(ir);
		char why[96];
		snprintf(why, sizeof why, "quality score %.3f below --min-score %g", score, o.min_score);
		return ls_drop(rec, why);
	}
	if (profile == LIFT_PROFILE_LIFTSYS)
		ir = lift_core(ir);
	return jv_object_set(rec, jv_string("ir"), ir);
}

int main(int argc, char **argv)
{
	ls_tool t = { .name = "ls-lift", .synopsis = "[options] [FILE ...]",
		      .about = "lift Python functions into the IR (intent, signature, effects, assertions)",
		      .opts = opts, .cacheable = 1,
		      .examples = "  ls-extract < repos.jsonl | ls-lift --min-score 0.5 > lifted.jsonl\n"
				  "  ls-lift --profile lift-sys < functions.jsonl | jq .ir\n" };
	ls_parse(&t, argc, argv);
	if (!strcmp(o.profile, "lift-sys"))
		profile = LIFT_PROFILE_LIFTSYS;
	if (o.min_score < 0 || o.min_score > 1)
		ls_usage_error(&t, "--min-score: want 0 to 1: '%g'", o.min_score);
	ls_stage st = { .worker_init = lift_worker_init, .worker_free = lift_worker_free, .map = map };
	return ls_run(&t, &st);
}
