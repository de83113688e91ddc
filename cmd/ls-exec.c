/* ls-exec — run each record's tests against its code in a sandbox; add "exec". */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/exec.h"
#include "exec/interp.h"
#include "base/strbuf.h"
#include "rec/tool.h"

static struct {
	const char *code_field, *mode, *runner, *cache_dir;
	ls_strlist keep, preload, site;
	int trace, trace_count, trace_repr, lines, no_duration, no_hosts, no_pin, memory_mb, disk_mb, output_kb;
	double timeout, wall;
} o = { .code_field = "code", .mode = "auto", .runner = "auto", .timeout = 10, .memory_mb = 1024, .disk_mb = 64,
	.output_kb = 1024, .trace_count = 32, .trace_repr = 1000 };

static const ls_opt opts[] = {
	{ "code-field", 0, "FIELD", LS_STR, &o.code_field, "test the code in FIELD (default code), e.g. a model's completion" },
	{ "keep", 0, "passed|failed|error|timeout|memory|output_limit|violation|crash", LS_ENUMLIST, &o.keep, "pass on only records with this exec.status (repeatable); the rest go to --rejects" },
	{ "mode", 0, "auto|doctest|assert|repo", LS_ENUM, &o.mode, "auto, doctest, assert or repo (default auto)" },
	{ "runner", 0, "auto|pytest|unittest", LS_ENUM, &o.runner, "repository tests: auto (pytest if installed), pytest or unittest" },
	{ "trace", 0, NULL, LS_FLAG, &o.trace, "record the function's calls during its tests in exec.examples" },
	{ "lines", 0, NULL, LS_FLAG, &o.lines, "record the lines of the function its tests ran in exec.lines (doctest and assert modes; ls-break mutates only those)" },
	{ "trace-count", 0, "N", LS_INT, &o.trace_count, "at most N traced calls per record (default 32)" },
	{ "trace-repr", 0, "N", LS_INT, &o.trace_repr, "skip traced calls with a repr over N characters (default 1000)" },
	{ "timeout", 0, "SEC", LS_DOUBLE, &o.timeout, "CPU seconds per record (default 10; fractions too, e.g. 0.5)" },
	{ "wall-timeout", 0, "SEC", LS_DOUBLE, &o.wall, "wall seconds per record (default 3 x --timeout + 2)" },
	{ "memory", 0, "MB", LS_INT, &o.memory_mb, "address space per record (default 1024)" },
	{ "disk", 0, "MB", LS_INT, &o.disk_mb, "working directory size per record (default 64)" },
	{ "output", 0, "KB", LS_INT, &o.output_kb, "output kept per record; more is output_limit (default 1024)" },
	{ "cache-dir", 0, "DIR", LS_STR, &o.cache_dir, "where repository checkouts are kept" },
	{ "site", 0, "[NAME=]DIR", LS_LIST, &o.site, "packages the tests need: a site-packages or venv DIR, for all records or repository NAME's (repeatable)" },
	{ "preload", 0, "MODULE", LS_LIST, &o.preload, "also import MODULE in the warm interpreter (repeatable)" },
	{ "no-duration", 0, NULL, LS_FLAG, &o.no_duration, "leave out exec.duration_ms (for byte-identical reruns)" },
	{ "no-hosts", 0, NULL, LS_FLAG, &o.no_hosts, "import a repository's package in every record's child, not once per run of its records" },
	{ "no-pin", 0, NULL, LS_FLAG, &o.no_pin, "let each worker's processes run on any CPU, not on one CPU per worker" },
	{ 0 }
};

/* Trusted modules every worker imports once, before any test runs. */
static const char *const base_preload[] = { "doctest", "unittest", "json", "re", "collections",
	"itertools", "functools", "math", "operator", "string", "textwrap", "typing", "dataclasses",
	"enum", "datetime", "decimal", "fractions", "random", "statistics", "copy", "inspect",
	"traceback", "io", "pathlib", "heapq", "bisect", "contextlib", "pdb", "readline", NULL };

typedef struct {
	exec_opts eo;
	interp_opts po;
	char *harness;
	char cache[4096];
} ctx_t;

typedef struct {
	ctx_t *c;
	interp *z;
	int worker;
} worker_t;

static void *worker_init(ls_tool *t, void *ctx, int i)
{
	(void)t;
	worker_t *w = calloc(1, sizeof *w);
	char err[512];
	w->c = ctx;
	w->worker = i;
	w->z = interp_start(i, &w->c->po, err, sizeof err);
	if (!w->z)
		ls_die(EX_UNAVAILABLE_, "cannot start the sandbox: %s", err);
	unsigned missing = ~interp_flags(w->z) & (SBX_USERNS | SBX_PIDNS | SBX_NETNS | SBX_MNTNS | SBX_IPCNS |
						  SBX_UTSNS | SBX_UIDDROP | SBX_LANDLOCK | SBX_LANDLOCK_SCOPE);
	if (i == 0 && missing) {
		char buf[256];
		sbx_isolation(missing, 0, buf, sizeof buf);
		ls_warn("warning: the kernel does not allow: %s; the sandbox is weaker without them (see ls-exec(1))", buf);
	}
	return w;
}

static void worker_free(void *p)
{
	worker_t *w = p;
	interp_stop(w->z);
	free(w);
}

static int kept(const char *status)
{
	if (!o.keep.n)
		return 1;
	for (int i = 0; i < o.keep.n; i++) {
		char *list = strdup(o.keep.v[i]), *save = NULL;
		for (char *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save))
			if (!strcmp(s, status)) {
				free(list);
				return 1;
			}
		free(list);
	}
	return 0;
}

static jv map(void *p, jv rec, ls_tool *t)
{
	worker_t *w = p;
	jv verdict;
	jv req = exec_request(&w->c->eo, rec, &verdict);
	if (jv_get_kind(req) == JV_KIND_OBJECT) {
		jv ans = interp_exec(w->z, jv_copy(req));
		if (!jv_is_valid(ans)) {
			/* The zygote died (it should not): start another for the next record. */
			char err[512];
			interp_stop(w->z);
			w->z = interp_start(w->worker, &w->c->po, err, sizeof err);
			if (!w->z)
				ls_die(EX_UNAVAILABLE_, "cannot restart the sandbox: %s", err);
		}
		verdict = exec_verdict(&w->c->eo, req, ans);
	} else
		jv_free(req);
	char status[32];
	snprintf(status, sizeof status, "%s", rec_str(verdict, "status") ? rec_str(verdict, "status") : "error");
	/* The tests could not be run (checkout, sandbox, missing dependency, ...):
	 * --on-error decides; the verdict stays in the record either way. */
	const char *cat = rec_str(verdict, "category");
	char code[64], why[512];
	int env = !strcmp(status, "error") && cat && exec_is_env_error(cat);
	if (env) {
		jv f = jv_array_get(jv_object_get(jv_copy(verdict), jv_string("failures")), 0);
		snprintf(code, sizeof code, "%s", cat);
		snprintf(why, sizeof why, "%s", jv_get_kind(f) == JV_KIND_OBJECT && rec_str(f, "message")
			 ? rec_str(f, "message") : cat);
		jv_free(f);
	}
	rec = jv_object_set(rec, jv_string("exec"), verdict);
	if (env && t->on_error != ON_ERROR_PASS)
		return ls_fail(rec, code, "%s", why);
	if (!kept(status)) {
		char why[64];
		snprintf(why, sizeof why, "exec: %s", status);
		return ls_drop(rec, why);
	}
	return rec;
}

int main(int argc, char **argv)
{
	interp_bind_now(argv);
	ls_tool t = { .name = "ls-exec", .synopsis = "[options] [FILE ...]",
		      .about = "run each record's tests in a sandbox and add its verdict (exec)",
		      .opts = opts, .cacheable = 1,
		      .examples = "  ls-exec --keep passed --rejects bad.jsonl < functions.jsonl > ok.jsonl\n"
				  "  ls-exec --code-field completion < completions.jsonl > scored.jsonl\n" };
	ls_parse(&t, argc, argv);
	if (o.timeout < 0.05 || o.timeout > 86400 || o.memory_mb < 64 || o.disk_mb < 1 || o.output_kb < 1 || o.trace_count < 0 || o.trace_repr < 8)
		ls_die(EX_USAGE_, "limit out of range (--timeout 0.05..86400, --memory >= 64, --disk >= 1, --output >= 1)");
	static ctx_t c;
	char path[4096];
	snprintf(path, sizeof path, "%s/exec/harness.py", ls_datadir());
	sb h = { 0 };
	if (sb_read_file(&h, path) < 0)
		ls_die(EX_UNAVAILABLE_, "cannot read the harness: '%s': %s", path, strerror(errno));
	c.harness = h.b;
	sbx_limits_default(&c.eo.lim);
	/* RLIMIT_CPU counts whole seconds: a fraction is its ceiling, with a
	 * CPU timer for the fraction itself (sbx_limits.cpu_ms). */
	c.eo.lim.cpu_s = (int)ceil(o.timeout);
	c.eo.lim.cpu_ms = o.timeout == c.eo.lim.cpu_s ? 0 : (int)(o.timeout * 1000 + 0.5);
	c.eo.lim.wall_s = o.wall > 0 ? o.wall : 3.0 * o.timeout + 2;
	c.eo.lim.mem = (size_t)o.memory_mb << 20;
	c.eo.lim.fsize = c.eo.lim.disk = (size_t)o.disk_mb << 20;
	c.eo.lim.output = (size_t)o.output_kb << 10;
	c.eo.code_field = o.code_field;
	c.eo.mode = o.mode;
	c.eo.runner = o.runner;
	c.eo.trace = o.trace;
	c.eo.lines = o.lines;
	c.eo.trace_count = o.trace_count;
	c.eo.trace_repr = o.trace_repr;
	c.eo.no_duration = o.no_duration;
	c.eo.site = o.site.v;
	c.eo.nsite = o.site.n;
	for (int i = 0; i < o.site.n; i++) {
		const char *eq = strchr(o.site.v[i], '=');
		char *d = exec_site_dir(o.site.v[i], NULL);
		if (!d && (!eq || !(d = realpath(eq + 1, NULL))))
			ls_die(EX_NOINPUT_, "--site: no such directory: '%s'", eq && !d ? eq + 1 : o.site.v[i]);
		free(d);
	}
	c.eo.cache_dir = o.cache_dir ? o.cache_dir : exec_default_cache_dir(c.cache, sizeof c.cache);
	static const char *pre[128];
	int n = 0;
	for (int i = 0; base_preload[i] && n < 100; i++)
		pre[n++] = base_preload[i];
	for (int i = 0; i < o.preload.n && n < 127; i++)
		pre[n++] = o.preload.v[i];
	c.po = (interp_opts){ .lim = c.eo.lim, .harness = c.harness, .harness_name = path, .preload = pre,
		.hosts = !o.no_hosts, .pin = !o.no_pin && t.jobs > 1 };
	ls_stage st = { .worker_init = worker_init, .worker_free = worker_free, .map = map, .ctx = &c };
	int rc = ls_run(&t, &st);
	free(c.harness);
	return rc;
}
