/* abtest.h — a paired comparison of two models' ls-exec verdicts on the same
 * tasks: the work of ls-abtest.
 *
 * Records go in one at a time with the side they belong to (0 = A, 1 = B);
 * only the fields the report needs are kept, so a run holds a few hundred
 * bytes per task, not the records. abtest_result() pairs them by id and
 * computes everything into one JSON value; the Markdown report and the
 * charts are drawn from that value alone, so --json and the Markdown always
 * say the same thing.
 *
 * Every record is accounted for: paired, or left out for a reason (no id, no
 * verdict, a duplicate id, no partner with a verdict, no model field, a
 * third model), each counted per side with the first example. */
#ifndef LS_ABTEST_H
#define LS_ABTEST_H
#include <stdint.h>
#include <jv.h>

typedef struct {
	const char *names[2];		/* the two models' names in the report */
	const char *const *group_by;	/* extra breakdown fields (dotted paths) */
	int n_group_by;
	double alpha;			/* significance level; intervals at 1 - alpha */
	int resamples;			/* bootstrap resamples */
	uint64_t seed;
} abtest_opts;

typedef struct abtest abtest;

abtest *abtest_new(const abtest_opts *o);	/* copies the names */
/* A model's name learnt from the input (ls-abtest --by). */
void abtest_set_name(abtest *a, int side, const char *name);
void abtest_free(abtest *a);
/* One record of side 0 or 1; consumed. where is "FILE:LINE" for examples
 * of records without an id. */
void abtest_add(abtest *a, int side, jv rec, const char *where);
/* A record that belongs to neither side (its model field is missing or
 * names a third model): counted under reason, with an example. */
void abtest_left_out(abtest *a, const char *reason, const char *example);
/* Call once, after the last record. Pairs, statistics, breakdowns, failure categories, latency and tokens:
 * the report as one JSON object (its fields: man/ls-abtest.1). */
jv abtest_result(abtest *a);
/* The number of pairs in a result (does not consume it). */
int abtest_npaired(jv result);

/* The Markdown report of a result (consumes nothing); malloc'd. */
char *abtest_markdown(jv result);
/* Charts into dir (created): success.{png,svg} (success per group with
 * the intervals) and discordant.{png,svg}, with gnuplot. 0, or -1 with err. */
int abtest_plot(jv result, const char *dir, char *err, size_t errsz);

#endif
