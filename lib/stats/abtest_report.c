/* abtest_report.c — the Markdown report and the gnuplot charts of an
 * abtest result (abtest.h). Both read the result value only. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "rec/record.h"
#include "stats/abtest.h"

/* o[key], or o[key][i] when i >= 0, as a number; NAN when not a number.
 * Consumes nothing. */
static double at(jv o, const char *key, int i)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	if (i >= 0)
		v = jv_get_kind(v) == JV_KIND_ARRAY ? jv_array_get(v, i) : (jv_free(v), jv_null());
	double x = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : NAN;
	jv_free(v);
	return x;
}

/* o[key][i][j]: bound j of interval i. */
static double at2(jv o, const char *key, int i, int j)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	if (jv_get_kind(v) == JV_KIND_ARRAY)
		v = jv_array_get(v, i);
	if (jv_get_kind(v) == JV_KIND_ARRAY)
		v = jv_array_get(v, j);
	double x = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : NAN;
	jv_free(v);
	return x;
}

static jv get(jv o, const char *key)
{
	return jv_object_get(jv_copy(o), jv_string(key));
}

static const char *str_at(jv arr, int i, char *buf, size_t n)
{
	jv v = jv_array_get(jv_copy(arr), i);
	snprintf(buf, n, "%s", jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "?");
	jv_free(v);
	return buf;
}

static void pct(FILE *f, double x)
{
	if (isnan(x))
		fputs("–", f);
	else
		fprintf(f, "%.1f%%", 100 * x);
}

static void pval(FILE *f, double p)
{
	if (p >= 0.001)
		fprintf(f, "%.3f", p);
	else
		fprintf(f, "%.1e", p);
}

/* Text for a table cell or a line: newlines become spaces, | is escaped. */
static void cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t')
			fputc(' ', f);
		else if (*s == '|' || *s == '`' || *s == '*' || *s == '_' || *s == '<')
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	}
}

static void rate_ci(FILE *f, jv t, int s)
{
	pct(f, at(t, "rate", s));
	fputs(" [", f);
	pct(f, at2(t, "wilson", s, 0));
	fputs(", ", f);
	pct(f, at2(t, "wilson", s, 1));
	fputs("]", f);
}

static void input_section(FILE *f, jv r, const char *A, const char *B)
{
	jv in = get(r, "input"), left = get(in, "left_out");
	int nl = jv_array_length(jv_copy(left));
	fprintf(f, "## Input\n\n");
	fprintf(f, "%.0f records of %s and %.0f of %s; **%.0f tasks paired** by id", at(in, "records", 0), A,
		at(in, "records", 1), B, at(in, "paired", -1));
	if (!nl) {
		fprintf(f, ", none left out.\n\n");
		jv_free(left), jv_free(in);
		return;
	}
	fprintf(f, ". Left out (each counted once, the first example named):\n\n");
	fprintf(f, "| reason | records | %s | %s | first example |\n|---|---:|---:|---:|---|\n", A, B);
	for (int i = 0; i < nl; i++) {
		jv row = jv_array_get(jv_copy(left), i);
		fprintf(f, "| %s | %.0f | ", rec_str(row, "reason"), at(row, "count", -1));
		jv pm = get(row, "per_model");
		if (jv_get_kind(pm) == JV_KIND_ARRAY)
			fprintf(f, "%.0f | %.0f | ", at(row, "per_model", 0), at(row, "per_model", 1));
		else
			fputs("– | – | ", f);
		jv_free(pm);
		const char *ex = rec_str(row, "example");
		cell(f, ex ? ex : "");
		fputs(" |\n", f);
		jv_free(row);
	}
	fputs("\n", f);
	jv_free(left), jv_free(in);
}

static void groups_section(FILE *f, jv r, const char *A, const char *B, double alpha)
{
	jv groups = get(r, "groups");
	int ng = jv_array_length(jv_copy(groups));
	for (int g = 0; g < ng; g++) {
		jv b = jv_array_get(jv_copy(groups), g), rows = get(b, "rows");
		int nr = jv_array_length(jv_copy(rows));
		fprintf(f, "## By %s\n\n", rec_str(b, "by"));
		fprintf(f, "| %s | tasks | %s | %s | difference | only %s | only %s | p (exact) | p (Holm) |\n"
			"|---|---:|---:|---:|---:|---:|---:|---:|---:|\n", rec_str(b, "by"), A, B, A, B);
		int sig = 0;
		for (int i = 0; i < nr; i++) {
			jv row = jv_array_get(jv_copy(rows), i), mc = get(row, "mcnemar");
			fputs("| ", f);
			cell(f, rec_str(row, "value"));
			fprintf(f, " | %.0f | ", at(row, "n", -1));
			rate_ci(f, row, 0);
			fputs(" | ", f);
			rate_ci(f, row, 1);
			fprintf(f, " | %+.1f | %.0f | %.0f | ", 100 * at(row, "diff", -1), at(row, "discordant", 0),
				at(row, "discordant", 1));
			pval(f, at(mc, "exact", -1));
			fputs(" | ", f);
			pval(f, at(row, "p_holm", -1));
			if (rec_bool(row, "significant", 0))
				fputs(" *", f), sig++;
			fputs(" |\n", f);
			jv_free(mc), jv_free(row);
		}
		fprintf(f, "\nDifferences in points (%s − %s). McNemar's exact test per row; Holm's correction over "
			"the %d rows of this table; * marks an adjusted p below %g (%d row%s).\n\n", B, A, nr, alpha,
			sig, sig == 1 ? "" : "s");
		jv_free(rows), jv_free(b);
	}
	jv_free(groups);
}

static void failures_section(FILE *f, jv r, const char *A, const char *B)
{
	jv fl = get(r, "failures");
	int n = jv_array_length(jv_copy(fl));
	fprintf(f, "## Failure categories\n\n");
	if (!n) {
		fprintf(f, "No paired task failed on either side.\n\n");
		jv_free(fl);
		return;
	}
	fprintf(f, "ls-exec's status/category of each failed paired task; largest change first.\n\n");
	fprintf(f, "| failure | %s | %s | change |\n|---|---:|---:|---:|\n", A, B);
	for (int i = 0; i < n; i++) {
		jv row = jv_array_get(jv_copy(fl), i);
		double ch = at(row, "change", -1);
		fprintf(f, "| %s | %.0f | %.0f | %+.0f %s |\n", rec_str(row, "category"), at(row, "count", 0),
			at(row, "count", 1), ch, ch > 0 ? "grew" : ch < 0 ? "shrank" : "");
		jv_free(row);
	}
	fputs("\nExamples (the first task of each):\n\n", f);
	for (int i = 0; i < n; i++) {
		jv row = jv_array_get(jv_copy(fl), i), ex = get(row, "example");
		for (int s = 0; s < 2; s++) {
			jv e = jv_array_get(jv_copy(ex), s);
			if (jv_get_kind(e) == JV_KIND_OBJECT) {
				fprintf(f, "- %s, %s: ", rec_str(row, "category"), s ? B : A);
				cell(f, rec_str(e, "id"));
				const char *m = rec_str(e, "message");
				if (m && *m) {
					fputs(": ", f);
					cell(f, m);
				}
				fputs("\n", f);
			}
			jv_free(e);
		}
		jv_free(ex), jv_free(row);
	}
	fputs("\n", f);
	jv_free(fl);
}

static void usage_section(FILE *f, jv r, const char *A, const char *B)
{
	jv u = get(r, "usage"), lat = get(u, "latency_ms"), tok = get(u, "tokens");
	fprintf(f, "## Latency and tokens\n\n");
	if (at(lat, "n", 0) + at(lat, "n", 1) + at(tok, "n", 0) + at(tok, "n", 1) == 0) {
		fprintf(f, "The records carry no latency_ms or tokens_out (ls-infer's fields).\n\n");
		jv_free(tok), jv_free(lat), jv_free(u);
		return;
	}
	fprintf(f, "Per paired task, from ls-infer's latency_ms, tokens_in and tokens_out.\n\n");
	fprintf(f, "| | %s | %s |\n|---|---:|---:|\n", A, B);
	static const struct { const char *what, *key, *fmt; int tok; } rows[] = {
		{ "latency p50 (ms)", "p50", "%.0f", 0 }, { "latency p95 (ms)", "p95", "%.0f", 0 },
		{ "tokens in per task (mean)", "in_mean", "%.1f", 1 }, { "tokens out per task (mean)", "out_mean", "%.1f", 1 },
		{ "tasks with the fields", "n", "%.0f", 1 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		jv o = rows[i].tok ? tok : lat;
		fprintf(f, "| %s |", rows[i].what);
		for (int s = 0; s < 2; s++) {
			double x = at(o, rows[i].key, s);
			fputc(' ', f);
			if (isnan(x))
				fputs("–", f);
			else
				fprintf(f, rows[i].fmt, x);
			fputs(" |", f);
		}
		fputs("\n", f);
	}
	fputs("\n", f);
	jv_free(tok), jv_free(lat), jv_free(u);
}

char *abtest_markdown(jv r)
{
	char *buf = NULL, a[256], b[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	jv models = get(r, "models"), ov = get(r, "overall"), v = get(r, "verdict"), mc = get(ov, "mcnemar");
	const char *A = str_at(models, 0, a, sizeof a), *B = str_at(models, 1, b, sizeof b);
	double alpha = at(r, "alpha", -1), n = at(ov, "n", -1);
	fprintf(f, "# A/B test: %s vs %s\n\n", A, B);
	const char *better = rec_str(v, "better");
	if (n == 0)
		fprintf(f, "**Verdict: no paired tasks, nothing to compare.**\n\n");
	else if (better) {
		fprintf(f, "**Verdict: %s better** (McNemar exact p = ", better);
		pval(f, at(v, "p", -1));
		fprintf(f, " < α = %g).\n\n", alpha);
	} else {
		fprintf(f, "**Verdict: no significant difference at α = %g** (McNemar exact p = ", alpha);
		pval(f, at(v, "p", -1));
		fputs(").\n\n", f);
	}
	fprintf(f, "| | %s | %s |\n|---|---:|---:|\n", A, B);
	fprintf(f, "| tasks (paired) | %.0f | %.0f |\n", n, n);
	fprintf(f, "| passed | %.0f | %.0f |\n", at(ov, "passed", 0), at(ov, "passed", 1));
	fprintf(f, "| success rate [%g%% Wilson] | ", 100 * (1 - alpha));
	rate_ci(f, ov, 0);
	fputs(" | ", f);
	rate_ci(f, ov, 1);
	fputs(" |\n\n", f);
	if (n > 0) {
		jv boot = get(ov, "bootstrap");
		fprintf(f, "Paired difference (%s − %s): **%+.1f points**, %g%% bootstrap interval [%+.1f, %+.1f] "
			"(%.0f resamples of the pairs, seed %.0f).\n\n", B, A, 100 * at(ov, "diff", -1), 100 * (1 - alpha),
			100 * at(ov, "diff_ci", 0), 100 * at(ov, "diff_ci", 1),
			at(boot, "resamples", -1), at(boot, "seed", -1));
		jv_free(boot);
		fprintf(f, "Discordant pairs: %.0f passed only with %s, %.0f only with %s. McNemar exact p = ",
			at(ov, "discordant", 0), A, at(ov, "discordant", 1), B);
		pval(f, at(mc, "exact", -1));
		fputs(", mid-p = ", f);
		pval(f, at(mc, "mid_p", -1));
		fprintf(f, "; chi-square with continuity correction %.3f (p = ", at(mc, "chi2_cc", -1));
		pval(f, at(mc, "p_chi2_cc", -1));
		fputs(").\n\n", f);
	}
	input_section(f, r, A, B);
	groups_section(f, r, A, B, alpha);
	failures_section(f, r, A, B);
	usage_section(f, r, A, B);
	jv_free(mc), jv_free(v), jv_free(ov), jv_free(models);
	if (fclose(f) != 0)
		abort();
	return buf;
}

/* ---- charts ------------------------------------------------------------- */

/* A label for gnuplot's data files: in double quotes, without quotes inside. */
static void dat_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' || *s == '\\' || *s == '\n' ? '\'' : *s, f);
	fputc('"', f);
}

static void dat_row(FILE *f, const char *label, jv t)
{
	dat_label(f, label);
	for (int s = 0; s < 2; s++)
		fprintf(f, " %.6f %.6f %.6f", 100 * at(t, "rate", s), 100 * at2(t, "wilson", s, 0),
			100 * at2(t, "wilson", s, 1));
	fprintf(f, " %.0f %.0f\n", at(t, "discordant", 0), at(t, "discordant", 1));
}

/* label, rate/lo/hi of A, of B, only A, only B: "all" first, then every
 * row of every breakdown as "by=value". */
static int write_data(jv r, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	jv ov = get(r, "overall"), groups = get(r, "groups");
	dat_row(f, "all", ov);
	int ng = jv_array_length(jv_copy(groups));
	for (int g = 0; g < ng; g++) {
		jv b = jv_array_get(jv_copy(groups), g), rows = get(b, "rows");
		int nr = jv_array_length(jv_copy(rows));
		for (int i = 0; i < nr; i++) {
			jv row = jv_array_get(jv_copy(rows), i);
			char lab[512];
			snprintf(lab, sizeof lab, "%s=%s", rec_str(b, "by"), rec_str(row, "value"));
			dat_row(f, lab, row);
			jv_free(row);
		}
		jv_free(rows), jv_free(b);
	}
	jv_free(groups), jv_free(ov);
	return fclose(f);
}

int abtest_plot(jv r, const char *dir, char *err, size_t errsz)
{
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		snprintf(err, errsz, "cannot create '%s': %s", dir, strerror(errno));
		return -1;
	}
	char dat[4096];
	snprintf(dat, sizeof dat, "%s/abtest.dat", dir);
	if (write_data(r, dat) < 0) {
		snprintf(err, errsz, "cannot write '%s': %s", dat, strerror(errno));
		return -1;
	}
	jv models = get(r, "models");
	char a[256], b[256];
	str_at(models, 0, a, sizeof a), str_at(models, 1, b, sizeof b);
	jv_free(models);
	for (char *p = a; *p; p++) if (*p == '"') *p = '\'';
	for (char *p = b; *p; p++) if (*p == '"') *p = '\'';
	FILE *g = popen("gnuplot", "w");
	if (!g) {
		snprintf(err, errsz, "cannot run gnuplot: %s", strerror(errno));
		return -1;
	}
	static const char *const term[][2] = { { "pngcairo size 1000,480 font \"sans,10\"", "png" },
					       { "svg size 1000,480 font \"sans,10\"", "svg" } };
	fprintf(g, "set datafile separator whitespace\nset style data histogram\nset style fill solid 0.7 border -1\n"
		   "set key top right noenhanced\nset xtics rotate by -35 noenhanced\nset grid ytics\n");
	for (int t = 0; t < 2; t++) {
		fprintf(g, "set terminal %s noenhanced\n", term[t][0]);
		fprintf(g, "set output \"%s/success.%s\"\n", dir, term[t][1]);
		fprintf(g, "set title \"success rate with %s intervals\"\nset ylabel \"%% of tasks passed\"\n"
			   "set yrange [0:105]\nset style histogram errorbars gap 2 lw 1\n",
			"Wilson");
		fprintf(g, "plot \"%s\" using 2:3:4:xtic(1) title \"%s\", \"\" using 5:6:7 title \"%s\"\n", dat, a, b);
		fprintf(g, "set output \"%s/discordant.%s\"\n", dir, term[t][1]);
		fprintf(g, "set title \"discordant pairs: tasks only one model passed\"\nset ylabel \"tasks\"\n"
			   "set yrange [0:*]\nset style histogram clustered gap 2\n");
		fprintf(g, "plot \"%s\" using 8:xtic(1) title \"only %s\", \"\" using 9 title \"only %s\"\n", dat, a, b);
		fprintf(g, "unset output\n");
	}
	int st = pclose(g);
	if (st != 0) {
		snprintf(err, errsz, "gnuplot failed (status %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return 0;
}
