/* ls-gen — a programmatic test suite: templates x variations -> task records
 * whose expected values come from running each reference in ls-exec. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen/gen.h"
#include "gen/template.h"
#include "rec/tool.h"

static struct {
	int count, no_exec, list, stats, timeout;
	const char *templates, *exec, *only, *report;
} o = { .count = 400, .timeout = 5 };

static const ls_opt opts[] = {
	{ "count", 'n', "N", LS_COUNT, &o.count, "tasks to emit (default 400)" },
	{ "templates", 0, "DIR", LS_STR, &o.templates, "template directory (default DATADIR/gen/templates)" },
	{ "only", 0, "CATS", LS_STR, &o.only, "only these comma-separated categories" },
	{ "exec", 0, "PATH", LS_STR, &o.exec, "the ls-exec to run references with (default $LS_EXEC, or next to ls-gen)" },
	{ "timeout", 0, "SEC", LS_INT, &o.timeout, "CPU seconds a reference may run (default 5)" },
	{ "no-exec", 0, NULL, LS_FLAG, &o.no_exec, "do not run references: tasks carry calls but no tests" },
	{ "list", 0, NULL, LS_FLAG, &o.list, "list the templates (name, category, combinations, what varies)" },
	{ "stats", 0, NULL, LS_FLAG, &o.stats, "print counts per category and difficulty on stderr" },
	{ "report", 0, "FILE", LS_OUT, &o.report, "write the run's report (counts, dropped tasks) as JSON" },
	{ 0 }
};

/* ls-exec next to our own binary, so a build tree or an install is coherent. */
static const char *find_exec(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("LS_EXEC");
	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 16);
	if (n > 0) {
		path[n] = 0;
		char *slash = strrchr(path, '/');
		if (slash) {
			strcpy(slash + 1, "ls-exec");
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	return "ls-exec";
}

/* counts in the order of keys (NULL: sorted), with their share of total */
static void print_counts(jv counts, const char *what, const char *const *keys, int total)
{
	jv ks = jv_keys(jv_copy(counts));
	if (keys) {
		jv_free(ks);
		ks = jv_array();
		for (int i = 0; keys[i]; i++)
			ks = jv_array_append(ks, jv_string(keys[i]));
	}
	jv_array_foreach(ks, i, k) {
		jv v = jv_object_get(jv_copy(counts), jv_copy(k));
		int n = jv_get_kind(v) == JV_KIND_NUMBER ? (int)jv_number_value(v) : 0;
		fprintf(stderr, "ls-gen: %-10s %-14s %4d %5.1f%%\n", what, jv_string_value(k), n,
			total ? 100.0 * n / total : 0.0);
		jv_free(v);
		jv_free(k);
	}
	jv_free(ks);
	jv_free(counts);
}

/* --only names categories of the templates: an unknown one is a usage
 * error listing those there are (the set depends on --templates). */
static void check_only(const ls_tool *t, jv templates)
{
	if (!o.only)
		return;
	jv cats = jv_object();	/* a set: its keys come sorted */
	jv_array_foreach(templates, i, tm) {
		jv c = jv_object_get(tm, jv_string("category"));
		if (jv_get_kind(c) == JV_KIND_STRING)
			cats = jv_object_set(cats, c, jv_true());
		else
			jv_free(c);
	}
	for (const char *p = o.only; *p;) {
		size_t n = strcspn(p, ",");
		if (!jv_object_has(jv_copy(cats), jv_string_sized(p, (int)n))) {
			char list[2048] = "";
			size_t k = 0;
			jv keys = jv_keys(jv_copy(cats));
			jv_array_foreach(keys, ci, c) {
				if (k < sizeof list)
					k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", ci ? ", " : "",
							      jv_string_value(c));
				jv_free(c);
			}
			jv_free(keys);
			jv_free(cats);
			jv_free(templates);	/* nothing left for the leak check at exit */
			ls_usage_error(t, "--only: unknown category '%.*s' (the templates have: %s)", (int)n, p, list);
		}
		p += n + (p[n] == ',');
	}
	jv_free(cats);
}

int main(int argc, char **argv)
{
	ls_tool t = { .name = "ls-gen", .synopsis = "[options]",
		      .about = "generate a test suite of task records from templates", .opts = opts,
		      .examples = "  ls-gen --count 400 --seed 1 | ls-exec --keep passed > suite.jsonl\n" };
	ls_parse(&t, argc, argv);
	if (t.nfiles > 0)
		ls_usage_error(&t, "unexpected operand: '%s'", t.files[0]);
	if (o.count < 1 || o.count > 100000)
		ls_usage_error(&t, "--count: want 1 to 100000: '%d'", o.count);

	char *dir = NULL;
	if (!o.templates && asprintf(&dir, "%s/gen/templates", ls_datadir()) < 0)
		ls_die(EX_SOFTWARE_, "out of memory");
	jv templates = tmpl_load_dir(o.templates ? o.templates : dir);
	free(dir);
	if (!jv_is_valid(templates)) {
		jv m = jv_invalid_get_msg(templates);
		ls_die(EX_DATAERR_, "%s", jv_string_value(m));
	}

	check_only(&t, templates);
	ls_begin(&t);
	if (o.list) {
		jv_array_foreach(templates, i, tm) {
			ls_count_in(&t);
			ls_emit(&t, tmpl_info(tm));
		}
		jv_free(templates);
		return ls_end(&t);
	}

	if (o.timeout < 1 || o.timeout > 3600)
		ls_usage_error(&t, "--timeout: want 1 to 3600 seconds: '%d'", o.timeout);
	gen_opts g = { .count = o.count, .seed = t.seed, .jobs = t.jobs, .timeout = o.timeout,
		       .exec = o.exec ? o.exec : find_exec(), .no_exec = o.no_exec, .only = o.only };
	jv report;
	gen_exec_stop_on(ls_stop_flag());
	jv tasks = gen_suite(templates, &g, &report);
	if (!jv_is_valid(tasks) && *ls_stop_flag()) {	/* SIGINT/SIGTERM: ls-exec ended, temp files gone */
		jv_free(tasks);
		return ls_end(&t);
	}
	if (!jv_is_valid(tasks)) {
		jv m = jv_invalid_get_msg(tasks);
		ls_die(EX_UNAVAILABLE_, "%s", jv_string_value(m));
	}
	for (int i = (int)rec_num(report, "candidates", 0); i > 0; i--)
		ls_count_in(&t);
	jv dropped = jv_object_get(jv_copy(report), jv_string("dropped"));
	jv_array_foreach(dropped, i, d) {
		if (!t.quiet)
			ls_warn("dropped %s (template %s): %s", rec_str(d, "id"), rec_str(d, "template"),
				rec_str(d, "reason"));
		jv why = jv_object_get(jv_copy(d), jv_string("reason"));
		ls_reject(&t, d, "reference", jv_string_value(why), 0);
		jv_free(why);
	}
	jv_free(dropped);
	int emitted = jv_array_length(jv_copy(tasks));
	jv_array_foreach(tasks, i, task) {
		if (t.shard_n && !ls_in_shard(&t, task))
			jv_free(task);
		else
			ls_emit(&t, task);
	}
	jv_free(tasks);
	if (emitted < o.count)
		ls_warn("only %d of %d tasks: the templates have no more distinct variations", emitted, o.count);
	if (o.stats) {
		static const char *const levels[] = { "easy", "medium", "hard", NULL };
		print_counts(jv_object_get(jv_copy(report), jv_string("by_category")), "category", NULL, emitted);
		print_counts(jv_object_get(jv_copy(report), jv_string("by_difficulty")), "difficulty", levels, emitted);
	}
	if (o.report) {
		FILE *f = ls_open_out(&t, o.report);
		rec_write(f, jv_copy(report));
		if (fclose(f) != 0)
			ls_die(EX_IOERR_, "cannot write '%s'", o.report);
	}
	jv_free(report);
	return ls_end(&t);
}
