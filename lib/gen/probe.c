/* gen_probe.c — see gen.h: the round trip through ls-exec that turns a
 * reference's observed behaviour into its tests, and the whole run. */
#include "gen/gen.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rec/record.h"
#include "gen/template.h"

extern char **environ;

#define PROBE "_lsgen_case"
#define MAX_REPR 4000		/* a longer expected value makes an unreadable test */

jv gen_probe(jv task)
{
	jv code = jv_string_fmt("%s\n\n\ndef " PROBE "(_lsgen_i):\n", rec_str(task, "code"));
	jv tests = jv_array();
	jv cases = jv_object_get(jv_copy(task), jv_string("cases"));
	jv_array_foreach(cases, i, c) {
		code = jv_string_concat(code, jv_string_fmt("    if _lsgen_i == %d:\n        return %s\n",
							    i, rec_str(c, "call")));
		tests = jv_array_append(tests, jv_string_fmt(PROBE "(%d)", i));
		jv_free(c);
	}
	jv_free(cases);
	jv p = jv_object();
	p = jv_object_set(p, jv_string("id"), jv_string(rec_str(task, "id")));
	p = jv_object_set(p, jv_string("name"), jv_string(PROBE));
	p = jv_object_set(p, jv_string("code"), code);
	return jv_object_set(p, jv_string("tests"), tests);
}

/* The exception types a template allows: the first word of each "raises". */
static int allowed_raise(jv ir, const char *type)
{
	jv as = rec_path(ir, "assertions");
	int ok = 0;
	jv_array_foreach(as, i, a) {
		const char *k = rec_str(a, "kind"), *p = rec_str(a, "predicate");
		size_t n = strcspn(p ? p : "", " :");
		if (k && p && !strcmp(k, "raises") && strlen(type) == n && !strncmp(p, type, n))
			ok = 1;
		jv_free(a);
	}
	jv_free(as);
	return ok;
}

/* What one run said about each case: an object "i" -> {"returned"|"raised"},
 * or jv_invalid_with_msg(reason). Consumes run. */
static jv observed(jv run, int ncases)
{
	jv ex = rec_path(run, "exec");
	const char *status = rec_str(ex, "status");
	jv r = jv_object();
	if (!status || (strcmp(status, "passed") && strcmp(status, "failed"))) {
		jv f = rec_path(ex, "failures");
		jv f0 = jv_get_kind(f) == JV_KIND_ARRAY && jv_array_length(jv_copy(f)) > 0 ?
			jv_array_get(jv_copy(f), 0) : jv_null();
		jv m = rec_path(f0, "message");
		jv_free(f0);
		jv e = rec_path(run, "error.message");
		jv why = jv_string_fmt("reference %s%s%s", status ? status : "not run",
				       jv_get_kind(m) == JV_KIND_STRING ? ": " : jv_get_kind(e) == JV_KIND_STRING ? ": " : "",
				       jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) :
				       jv_get_kind(e) == JV_KIND_STRING ? jv_string_value(e) : "");
		jv_free(f);
		jv_free(m);
		jv_free(e);
		jv_free(ex);
		jv_free(run);
		jv_free(r);
		return jv_invalid_with_msg(why);
	}
	jv examples = rec_path(ex, "examples");
	jv_array_foreach(examples, i, e) {
		const char *fn = rec_str(e, "function");
		jv args = rec_path(e, "args");
		jv a0 = jv_array_length(jv_copy(args)) == 1 ? jv_array_get(jv_copy(args), 0) : jv_null();
		if (fn && !strcmp(fn, PROBE) && jv_get_kind(a0) == JV_KIND_STRING) {
			char *end;
			long k = strtol(jv_string_value(a0), &end, 10);
			jv key = jv_string_fmt("%ld", k);
			if (!*end && k >= 0 && k < ncases && !jv_object_has(jv_copy(r), jv_copy(key)))
				r = jv_object_set(r, key, jv_copy(e));
			else
				jv_free(key);
		}
		jv_free(a0);
		jv_free(args);
		jv_free(e);
	}
	jv_free(examples);
	jv_free(ex);
	jv_free(run);
	return r;
}

static jv drop(jv task, jv why)
{
	jv_free(task);
	return jv_invalid_with_msg(why);
}

jv gen_finish(jv task, jv run1, jv run2)
{
	jv cases = jv_object_get(jv_copy(task), jv_string("cases"));
	int n = jv_array_length(jv_copy(cases));
	jv o1 = observed(run1, n), o2 = observed(run2, n);
	if (!jv_is_valid(o1) || !jv_is_valid(o2)) {
		jv m = jv_invalid_get_msg(jv_copy(!jv_is_valid(o1) ? o1 : o2));
		jv_free(o1);
		jv_free(o2);
		jv_free(cases);
		return drop(task, m);
	}
	jv ir = jv_object_get(jv_copy(task), jv_string("ir"));
	jv tests = jv_array(), out = jv_array(), outcomes = jv_object(), why = jv_null();
	jv examples = jv_array();
	int returned = 0;
	jv_array_foreach(cases, i, c) {
		jv key = jv_string_fmt("%d", i);
		jv e1 = jv_object_get(jv_copy(o1), jv_copy(key)), e2 = jv_object_get(jv_copy(o2), key);
		const char *call = rec_str(c, "call");
		jv r1 = jv_is_valid(e1) ? rec_path(e1, "returned") : jv_null();
		jv x1 = jv_is_valid(e1) ? rec_path(e1, "raised") : jv_null();
		jv r2 = jv_is_valid(e2) ? rec_path(e2, "returned") : jv_null();
		jv x2 = jv_is_valid(e2) ? rec_path(e2, "raised") : jv_null();
		if (!jv_is_valid(e1) || !jv_is_valid(e2))
			why = jv_string_fmt("no trace of case %d: %s", i, call);
		else if (!jv_equal(jv_copy(r1), jv_copy(r2)) || !jv_equal(jv_copy(x1), jv_copy(x2)))
			why = jv_string_fmt("nondeterministic: %s", call);
		else if (jv_get_kind(x1) == JV_KIND_STRING) {
			const char *xs = jv_string_value(x1);
			size_t tl = strcspn(xs, ":");
			char *type = strndup(xs, tl);
			const char *dot = strrchr(type, '.');	/* "builtins.ValueError" */
			const char *bare = dot ? dot + 1 : type;
			if (!allowed_raise(ir, bare))
				why = jv_string_fmt("reference raised %s: %s", xs, call);
			else {
				tests = jv_array_append(tests, jv_string_fmt(
					"try:\n    %s\nexcept %s:\n    pass\nelse:\n    raise AssertionError('expected %s')",
					call, bare, bare));
				jv oc = jv_object_set(jv_object(), jv_string("call"), jv_string(call));
				oc = jv_object_set(oc, jv_string("raises"), jv_string(bare));
				out = jv_array_append(out, jv_object_set(oc, jv_string("edge"), rec_path(c, "edge")));
				outcomes = jv_object_set(outcomes, jv_string_fmt("raise %s", bare), jv_true());
			}
			free(type);
		} else if (jv_get_kind(r1) == JV_KIND_STRING) {
			const char *rs = jv_string_value(r1);
			if (*rs == '<' || strstr(rs, " at 0x") || !strcmp(rs, "nan") ||
			    strlen(rs) > MAX_REPR)
				why = jv_string_fmt("no usable expected value for %s: %.60s", call, rs);
			else {
				tests = jv_array_append(tests, jv_string_fmt("assert %s == %s", call, rs));
				jv oc = jv_object_set(jv_object(), jv_string("call"), jv_string(call));
				oc = jv_object_set(oc, jv_string("expected"), jv_string(rs));
				out = jv_array_append(out, jv_object_set(oc, jv_string("edge"), rec_path(c, "edge")));
				outcomes = jv_object_set(outcomes, jv_string_fmt("= %s", rs), jv_true());
				if (returned++ < 3)
					examples = jv_array_append(examples, jv_string_fmt("%s == %s", call, rs));
			}
		} else
			why = jv_string_fmt("trace of case %d has neither a value nor an exception", i);
		jv_free(e1);
		jv_free(e2);
		jv_free(r1);
		jv_free(r2);
		jv_free(x1);
		jv_free(x2);
		jv_free(c);
		if (jv_get_kind(why) != JV_KIND_NULL)
			break;
	}
	jv_free(cases);
	jv_free(o1);
	jv_free(o2);
	/* Tests that one constant answer passes cannot tell a right reference
	 * from a wrong one. */
	if (jv_get_kind(why) == JV_KIND_NULL && jv_object_length(jv_copy(outcomes)) < 2)
		why = jv_string("every case has the same outcome");
	if (jv_get_kind(why) == JV_KIND_NULL && returned == 0)
		why = jv_string("every case raises");
	jv_free(outcomes);
	if (jv_get_kind(why) != JV_KIND_NULL) {
		jv_free(ir);
		jv_free(tests);
		jv_free(out);
		jv_free(examples);
		return drop(task, why);
	}
	jv_free(why);
	jv as = jv_object_get(jv_copy(ir), jv_string("assertions"));
	jv_array_foreach(examples, i, e) {
		jv a = jv_object_set(jv_object(), jv_string("predicate"), e);
		a = jv_object_set(a, jv_string("rationale"), jv_string("observed by running the reference in the sandbox"));
		as = jv_array_append(as, jv_object_set(a, jv_string("kind"), jv_string("example")));
	}
	jv_free(examples);
	ir = jv_object_set(ir, jv_string("assertions"), as);
	task = jv_object_set(task, jv_string("ir"), ir);
	task = jv_object_set(task, jv_string("tests"), tests);
	return jv_object_set(task, jv_string("cases"), out);
}

/* ---- running ls-exec ------------------------------------------------------ */

static int tmpfile_named(char *path, size_t n)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, n, "%s/ls-gen.XXXXXX", dir && *dir ? dir : "/tmp");
	return mkstemp(path);
}

static const volatile sig_atomic_t *stop_flag;

void gen_exec_stop_on(const volatile sig_atomic_t *flag)
{
	stop_flag = flag;
}

/* Wait for ls-exec; on the stop flag end it first. 0, or -1 when stopped. */
static int wait_exec(pid_t pid, int *st)
{
	for (;;) {
		pid_t w = waitpid(pid, st, stop_flag ? WNOHANG : 0);
		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -1;
		if (stop_flag && *stop_flag) {
			kill(pid, SIGTERM);
			while (waitpid(pid, st, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		if (w == 0)
			usleep(20000);
	}
}

jv gen_exec(const char *exec, int jobs, int timeout, jv records)
{
	char in[4096], out[4096];
	int fin = tmpfile_named(in, sizeof in), fout = tmpfile_named(out, sizeof out);
	jv result = jv_null();
	if (fin < 0 || fout < 0) {
		jv_free(records);
		if (fin >= 0)
			close(fin), unlink(in);
		if (fout >= 0)
			close(fout), unlink(out);
		return jv_invalid_with_msg(jv_string_fmt("cannot create a temporary file: %s", strerror(errno)));
	}
	FILE *f = fdopen(fin, "w");
	int n = 0;
	jv_array_foreach(records, i, r) {
		rec_write(f, r);
		n++;
	}
	jv_free(records);
	if (fclose(f) != 0) {
		result = jv_invalid_with_msg(jv_string_fmt("cannot write '%s'", in));
		goto out;
	}
	char jstr[16], rstr[16], tstr[16];
	snprintf(jstr, sizeof jstr, "%d", jobs > 0 ? jobs : 1);
	snprintf(rstr, sizeof rstr, "%d", MAX_REPR);
	snprintf(tstr, sizeof tstr, "%d", timeout > 0 ? timeout : 5);
	char *argv[] = { (char *)exec, "--trace", "--trace-repr", rstr, "--trace-count", TMPL_MAX_INPUTS_S,
			 "--timeout", tstr, "--quiet", "-j", jstr, in, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fout, 1);
	pid_t pid;
	int rc = posix_spawnp(&pid, exec, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		result = jv_invalid_with_msg(jv_string_fmt("cannot run '%s': %s", exec, strerror(rc)));
		goto out;
	}
	int st;
	if (wait_exec(pid, &st) < 0) {
		result = jv_invalid_with_msg(jv_string("stopped by a signal"));
		goto out;
	}
	/* ls-exec reports failing records as data; any other exit is its failure */
	if (!WIFEXITED(st) || (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 65)) {
		result = jv_invalid_with_msg(jv_string_fmt("'%s' %s %d", exec,
			WIFEXITED(st) ? "exited with status" : "was killed by signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st)));
		goto out;
	}
	rec_reader *rr = rec_reader_open((char *[]){ out }, 1, 0);
	result = jv_object();
	jv r;
	while (rec_next(rr, &r)) {
		const char *id = rec_str(r, "id");
		if (id)
			result = jv_object_set(result, jv_string(id), r);
		else
			jv_free(r);
	}
	rec_reader_close(rr);
	if (jv_object_length(jv_copy(result)) != n) {
		jv_free(result);
		result = jv_invalid_with_msg(jv_string_fmt("'%s' returned %s records than it was given",
							   exec, "fewer"));
	}
out:
	close(fout);
	unlink(in);
	unlink(out);
	return result;
}

/* ---- the whole run -------------------------------------------------------- */

static jv bump(jv counts, const char *key)
{
	jv k = jv_string(key);
	jv v = jv_object_get(jv_copy(counts), jv_copy(k));
	double n = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;
	jv_free(v);
	return jv_object_set(counts, k, jv_number(n + 1));
}

jv gen_suite(jv templates, const gen_opts *o, jv *report)
{
	int ntmpl = jv_array_length(jv_copy(templates));
	/* Spare candidates stand in for dropped ones; the plan is balanced by
	 * construction, so its first survivors stay balanced too. */
	int want = o->no_exec ? o->count : o->count + o->count / 4 + 20;
	jv cands = gen_plan(templates, o->seed, want, o->only);
	jv_free(templates);
	int ncand = jv_array_length(jv_copy(cands));
	jv dropped = jv_array();
	jv tasks = jv_array();

	if (o->no_exec) {
		jv_free(tasks);
		tasks = cands;
		cands = jv_null();
	} else {
		jv probes = jv_array();
		jv_array_foreach(cands, i, c) {
			probes = jv_array_append(probes, gen_probe(c));
			jv_free(c);
		}
		jv run1 = gen_exec(o->exec, o->jobs, o->timeout, jv_copy(probes));
		jv run2 = jv_is_valid(run1) ? gen_exec(o->exec, o->jobs, o->timeout, probes) :
					      (jv_free(probes), jv_null());
		if (!jv_is_valid(run1) || !jv_is_valid(run2)) {
			jv m = jv_invalid_get_msg(jv_copy(!jv_is_valid(run1) ? run1 : run2));
			jv_free(run1);
			jv_free(run2);
			jv_free(cands);
			jv_free(dropped);
			jv_free(tasks);
			return jv_invalid_with_msg(m);
		}
		int have = 0;
		jv_array_foreach(cands, i, c) {
			jv id = jv_object_get(jv_copy(c), jv_string("id"));
			jv tmpl = jv_object_get(jv_copy(c), jv_string("template"));
			jv done = gen_finish(c, jv_object_get(jv_copy(run1), jv_copy(id)),
					     jv_object_get(jv_copy(run2), jv_copy(id)));
			if (jv_is_valid(done)) {
				if (have++ < o->count)
					tasks = jv_array_append(tasks, done);
				else
					jv_free(done);
				jv_free(id);
				jv_free(tmpl);
			} else {
				jv d = jv_object_set(jv_object(), jv_string("id"), id);
				d = jv_object_set(d, jv_string("template"), tmpl);
				dropped = jv_array_append(dropped, jv_object_set(d, jv_string("reason"),
										 jv_invalid_get_msg(done)));
			}
		}
		jv_free(run1);
		jv_free(run2);
	}
	jv_free(cands);

	/* the first count, counted */
	jv sel = jv_array(), bycat = jv_object(), bydiff = jv_object();
	jv_array_foreach(tasks, i, t) {
		if (i >= o->count) {
			jv_free(t);
			continue;
		}
		bycat = bump(bycat, rec_str(t, "category"));
		bydiff = bump(bydiff, rec_str(t, "difficulty"));
		sel = jv_array_append(sel, t);
	}
	jv_free(tasks);
	jv r = jv_object();
	r = jv_object_set(r, jv_string("templates"), jv_number(ntmpl));
	r = jv_object_set(r, jv_string("candidates"), jv_number(ncand));
	r = jv_object_set(r, jv_string("dropped"), dropped);
	r = jv_object_set(r, jv_string("emitted"), jv_number(jv_array_length(jv_copy(sel))));
	r = jv_object_set(r, jv_string("by_category"), bycat);
	r = jv_object_set(r, jv_string("by_difficulty"), bydiff);
	*report = r;
	return sel;
}
