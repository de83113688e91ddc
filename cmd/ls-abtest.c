/* ls-abtest — is model B better than model A on the same tasks? A paired
 * comparison of two models' ls-exec verdicts, as a Markdown report or one
 * JSON record.
 *
 * It holds a few fields per task until the end of the input: pairing by id
 * needs both sides. */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include "rec/tool.h"
#include "stats/abtest.h"

static struct {
	const char *by, *names, *plot;
	ls_strlist group_by;
	double alpha;
	int resamples, json;
} o = { .alpha = 0.05, .resamples = 10000 };

static const ls_opt opts[] = {
	{ "by", 0, "FIELD", LS_STR, &o.by, "one input stream; FIELD (a dotted path) names each record's model" },
	{ "names", 0, "A,B", LS_STR, &o.names, "the models' names (with --by: the two values of FIELD to compare)" },
	{ "group-by", 0, "FIELD", LS_LIST, &o.group_by, "a breakdown by FIELD besides category and difficulty (repeatable)" },
	{ "alpha", 0, "X", LS_DOUBLE, &o.alpha, "significance level; intervals at 1 - X (default 0.05)" },
	{ "resamples", 0, "N", LS_INT, &o.resamples, "bootstrap resamples of the pairs (default 10000)" },
	{ "json", 0, NULL, LS_FLAG, &o.json, "one JSON record instead of the Markdown report" },
	{ "plot", 0, "DIR", LS_STR, &o.plot, "charts into DIR as PNG and SVG (gnuplot)" },
	{ 0 }
};

static char *names[2];
static long nin, paired, left_out;

static void summary(FILE *f, void *ctx)
{
	(void)ctx;
	fprintf(f, ", %ld paired, %ld left out", paired, left_out);
}

/* A file's name without directory and extension: the default model name. */
static char *file_name(const char *path)
{
	char *dup = strdup(path), *b = strdup(basename(dup)), *dot = strrchr(b, '.');
	if (dot && dot != b)
		*dot = 0;
	free(dup);
	return b;
}

/* The record's model: FIELD's value as text, NULL when missing. */
static char *model_of(jv rec)
{
	jv v = rec_path(rec, o.by);
	if (jv_get_kind(v) == JV_KIND_NULL || jv_get_kind(v) == JV_KIND_INVALID) {
		jv_free(v);
		return NULL;
	}
	if (jv_get_kind(v) != JV_KIND_STRING)
		return rec_dump(v, NULL);
	char *s = strdup(jv_string_value(v));
	jv_free(v);
	return s;
}

/* With --by: the side of a record, -1 when it belongs to neither (then
 * counted). Without --names the first two models met are A and B. */
static int side_of(abtest *ab, jv rec, const char *where)
{
	char *m = model_of(rec);
	int side = -1;
	for (int s = 0; s < 2 && side < 0 && m; s++) {
		if (!names[s] && !o.names) {
			names[s] = strdup(m);
			abtest_set_name(ab, s, m);
		}
		if (names[s] && !strcmp(m, names[s]))
			side = s;
	}
	if (side < 0)
		abtest_left_out(ab, m ? "another model" : "no model field", m ? m : where);
	free(m);
	return side;
}

int main(int argc, char **argv)
{
	ls_tool t = { .name = "ls-abtest", .synopsis = "[options] A.jsonl B.jsonl | --by FIELD [FILE ...]",
		      .about = "compare two models' ls-exec verdicts on the same tasks, paired by id",
		      .opts = opts, .summary = summary,
		      .examples = "  ls-abtest base.jsonl ft.jsonl > report.md\n"
				  "  ls-abtest --json --seed 1 --group-by template base.jsonl ft.jsonl\n"
				  "  cat base.jsonl ft.jsonl | ls-abtest --by run --names base,ft --plot charts\n" };
	ls_parse(&t, argc, argv);
	if (!(o.alpha > 0 && o.alpha < 1) || o.resamples < 1)
		ls_die(EX_USAGE_, "bad value: 0 < --alpha < 1, --resamples >= 1");
	if (!o.by && t.nfiles != 2)
		ls_die(EX_USAGE_, "two files to compare, or one stream with --by FIELD");
	if (o.names) {
		const char *comma = strchr(o.names, ',');
		if (!comma || comma == o.names || !comma[1] || strchr(comma + 1, ','))
			ls_die(EX_USAGE_, "--names takes two names: A,B");
		names[0] = strndup(o.names, comma - o.names), names[1] = strdup(comma + 1);
		if (!strcmp(names[0], names[1]))
			ls_die(EX_USAGE_, "--names: the two names are the same");
	} else if (!o.by) {
		names[0] = file_name(t.files[0]), names[1] = file_name(t.files[1]);
		if (!strcmp(names[0], names[1]))
			free(names[0]), free(names[1]), names[0] = strdup("A"), names[1] = strdup("B");
	}
	abtest_opts ao = { .names = { names[0] ? names[0] : "A", names[1] ? names[1] : "B" },
			   .group_by = o.group_by.v, .n_group_by = o.group_by.n, .alpha = o.alpha,
			   .resamples = o.resamples, .seed = t.seed };
	abtest *ab = abtest_new(&ao);

	ls_begin(&t);
	rec_reader *r = rec_reader_open(t.files, t.nfiles, 0);
	if (!r)
		ls_die(EX_SOFTWARE_, "out of memory");
	ls_set_reader(&t, r);
	jv rec;
	char where[4096];
	while (rec_next(r, &rec)) {
		if (!ls_in_shard(&t, rec)) {
			jv_free(rec);
			continue;
		}
		ls_count_in(&t);
		nin++;
		snprintf(where, sizeof where, "%s:%ld", rec_file(r), rec_line(r));
		/* two files: the reader hands back the very pointer of t.files it reads */
		int side = o.by ? side_of(ab, rec, where) : rec_file(r) == t.files[1];
		if (side < 0)
			jv_free(rec);
		else
			abtest_add(ab, side, rec, where);
	}

	jv res = abtest_result(ab);
	paired = abtest_npaired(res);
	left_out = nin - 2 * paired;
	if (o.plot) {
		char err[4096];
		if (abtest_plot(res, o.plot, err, sizeof err) < 0)
			ls_die(EX_UNAVAILABLE_, "%s", err);
	}
	if (o.json)
		ls_emit(&t, jv_copy(res));
	else {
		char *md = abtest_markdown(res);
		size_t n = strlen(md);
		/* the report is this tool's one output; ls_emit_json adds the last newline */
		ls_emit_json(&t, md, n && md[n - 1] == '\n' ? n - 1 : n);
		free(md);
	}
	jv_free(res);
	abtest_free(ab);
	free(names[0]), free(names[1]);
	if (!paired)
		ls_warn("no task has a verdict from both models");
	int rc = ls_end(&t);
	return rc ? rc : paired ? 0 : EX_DATAERR_;
}
