/* exec.c — records to harness requests, answers to verdicts, checkouts (see exec.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <spawn.h>
#include <ftw.h>
#include <git2.h>
#include <glob.h>
#include <regex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "exec/exec.h"
#include "rec/record.h"
#include "base/fs.h"
#include "base/strbuf.h"

int exec_is_test_id(const char *s)
{
	/* path.py::name[::name...] with no spaces */
	const char *p = strstr(s, ".py::");
	if (!p || p == s || strpbrk(s, " \t\n"))
		return 0;
	return p[5] != 0 && p[5] != ':';
}

int exec_is_env_error(const char *category)
{
	static const char *const env[] = { "checkout_error", "sandbox_error", "harness_error",
		"missing_dependency", "wrong_module", "import_error", "no_code", "no_tests", "no_checks", NULL };
	for (int i = 0; env[i]; i++)
		if (!strcmp(category, env[i]))
			return 1;
	return 0;
}

jv exec_error(const char *mode, const char *category, const char *message)
{
	jv e = jv_object();
	e = jv_object_set(e, jv_string("status"), jv_string("error"));
	e = jv_object_set(e, jv_string("tests_run"), jv_number(0));
	e = jv_object_set(e, jv_string("tests_passed"), jv_number(0));
	jv f = jv_array();
	if (message)
		f = jv_array_append(f, jv_object_set(jv_object_set(jv_object(), jv_string("test"), jv_string("")),
						     jv_string("message"), jv_string(message)));
	e = jv_object_set(e, jv_string("failures"), f);
	e = jv_object_set(e, jv_string("duration_ms"), jv_number(0));
	e = jv_object_set(e, jv_string("category"), jv_string(category));
	e = jv_object_set(e, jv_string("mode"), mode ? jv_string(mode) : jv_null());
	return e;
}

/* ---- checkouts ---------------------------------------------------------- */

static pthread_mutex_t checkout_mu = PTHREAD_MUTEX_INITIALIZER;

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(p);
	return 0;
}

const char *exec_default_cache_dir(char *buf, size_t n)
{
	/* The sandbox runs as an unprivileged uid: the checkouts must be
	 * reachable by it, which $HOME (often 0700) is not. */
	const char *x = getenv("XDG_CACHE_HOME");
	if (x && *x)
		snprintf(buf, n, "%s/lift-sys/exec", x);
	else
		snprintf(buf, n, "/var/tmp/lift-sys-exec-%u", (unsigned)getuid());
	return buf;
}

static const char *git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

/* Compile the checkout's Python files once, as root, before the sandbox sees
 * it: sandboxed children cannot write __pycache__, so without this every
 * child compiled every module it imported from source (a second per record
 * for a package the size of sympy; 0.3 s with the bytecode). Compiling runs
 * none of the code. The bytecode records the final path, not the temporary
 * one, so tracebacks and inspect find the sources. Failures only cost speed. */
static void compile_checkout(const char *tmp, const char *final)
{
	extern char **environ;
	char *argv[] = { "/usr/bin/python3.11", "-m", "compileall", "-q", "-q", "-j", "0",
			 "-s", (char *)tmp, "-p", (char *)final, (char *)tmp, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) == 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	posix_spawn_file_actions_destroy(&fa);
}

int exec_checkout(const char *cache_dir, const char *repo, const char *commit,
		  char *dir, size_t dirsz, char *err, size_t errsz)
{
	struct stat st;
	if (strlen(commit) < 4 || strspn(commit, "0123456789abcdef") != strlen(commit)) {
		snprintf(err, errsz, "not a commit id: '%s'", commit);
		return -1;
	}
	snprintf(dir, dirsz, "%s/checkouts/%s", cache_dir, commit);
	if (stat(dir, &st) == 0)
		return 0;
	pthread_mutex_lock(&checkout_mu);
	int rc = -1;
	char tmp[4096];
	git_repository *r = NULL;
	git_object *obj = NULL;
	if (stat(dir, &st) == 0) {
		rc = 0;
		goto out;
	}
	snprintf(tmp, sizeof tmp, "%s/checkouts/.tmp-%s-%d", cache_dir, commit, (int)getpid());
	mode_t old = umask(022);	/* the sandbox's uid reads these */
	if (fs_mkdirs(tmp, 0755) < 0) {
		umask(old);
		snprintf(err, errsz, "cannot make '%s': %s", tmp, strerror(errno));
		goto out;
	}
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	git_checkout_options co;
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	co.target_directory = tmp;
	if (git_repository_open_ext(&r, repo, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
	    git_revparse_single(&obj, r, commit) < 0 || git_checkout_tree(r, obj, &co) < 0) {
		snprintf(err, errsz, "cannot check out '%s' at %s: %s", repo, commit, git_msg());
		umask(old);
		goto out;
	}
	compile_checkout(tmp, dir);
	umask(old);
	if (rename(tmp, dir) < 0) {
		int e = errno;
		nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		if (stat(dir, &st) == 0) {	/* another ls-exec made it first */
			rc = 0;
			goto out;
		}
		snprintf(err, errsz, "cannot rename '%s': %s", tmp, strerror(e));
		goto out;
	}
	rc = 0;
out:
	git_object_free(obj);
	git_repository_free(r);
	pthread_mutex_unlock(&checkout_mu);
	return rc;
}

/* ---- a checkout's import roots ------------------------------------------ */

/* The directory that maps to the top-level namespace ("" in package-dir):
 * setup.py's package_dir={"": "lib"}, setup.cfg's "package_dir = =lib",
 * pyproject's [tool.setuptools.package-dir] "" = "lib". The first found. */
static int config_package_dir(const char *root, char *out, size_t n)
{
	static const char *const files[] = { "pyproject.toml", "setup.cfg", "setup.py" };
	static const char *const pats[] = {
		"package[-_]dir[^\n]*\n?[^\n]*(\"\"|'')[[:space:]]*[:=][[:space:]]*[\"']([A-Za-z0-9_./-]+)[\"']",
		"package_dir[[:space:]]*=[[:space:]]*\n?[[:space:]]*()=[[:space:]]*([A-Za-z0-9_./-]+)",
	};
	int found = 0;
	for (size_t f = 0; f < 3 && !found; f++) {
		char path[4096];
		sb text = { 0 };
		if (snprintf(path, sizeof path, "%s/%s", root, files[f]) >= (int)sizeof path ||
		    sb_read_file(&text, path) < 0) {
			free(text.b);
			continue;
		}
		for (size_t i = 0; i < 2 && !found; i++) {
			regex_t re;
			regmatch_t m[3];
			if (regcomp(&re, pats[i], REG_EXTENDED) != 0)
				continue;
			if (regexec(&re, text.b, 3, m, 0) == 0 && m[2].rm_so >= 0) {
				int len = (int)(m[2].rm_eo - m[2].rm_so);
				snprintf(out, n, "%.*s", len, text.b + m[2].rm_so);
				while (strlen(out) > 1 && out[strlen(out) - 1] == '/')
					out[strlen(out) - 1] = 0;
				found = strcmp(out, ".") && strcmp(out, "") && !strstr(out, "..");
			}
			regfree(&re);
		}
		free(text.b);
	}
	return found;
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The checkout's package directory (config_package_dir, else "src" when
 * there is one), once per checkout: records come in runs of one repository. */
static pthread_mutex_t layout_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { char *root, *pkgdir; } layouts[64];
static unsigned nlayouts;

static const char *package_dir(const char *root)
{
	const char *r = NULL;
	pthread_mutex_lock(&layout_mu);
	for (unsigned i = 0; i < nlayouts && i < 64; i++)
		if (!strcmp(layouts[i].root, root)) {
			r = layouts[i].pkgdir;
			goto out;
		}
	char d[512], p[4096];
	if (!config_package_dir(root, d, sizeof d))
		snprintf(d, sizeof d, "src");
	int fits = snprintf(p, sizeof p, "%s/%s", root, d) < (int)sizeof p;
	unsigned k = nlayouts++ % 64;
	free(layouts[k].root);
	free(layouts[k].pkgdir);
	layouts[k].root = strdup(root);
	layouts[k].pkgdir = fits && is_dir(p) ? strdup(d) : strdup("");
	r = layouts[k].pkgdir;
out:
	pthread_mutex_unlock(&layout_mu);
	return r;	/* kept until 64 other checkouts came after it: longer than one record */
}

/* sys.path for a record from the checkout at root: the directory its module
 * name is relative to (from its path), the package dir, the root. The module
 * name is corrected when ls-extract named it from a package dir it did not
 * know ("lib.pkg.mod" for lib/pkg/mod.py where package_dir is lib). */
static jv import_roots(const char *root, const char *path, jv *module)
{
	jv paths = jv_array();
	const char *pd = package_dir(root);
	size_t pdl = strlen(pd);
	const char *mod = jv_get_kind(*module) == JV_KIND_STRING ? jv_string_value(*module) : NULL;
	char buf[4096];
	if (mod && path && pdl && strcmp(pd, "src") && !strncmp(path, pd, pdl) && path[pdl] == '/') {
		char dotted[512];
		snprintf(dotted, sizeof dotted, "%s.", pd);
		for (char *c = dotted; *c; c++)
			if (*c == '/')
				*c = '.';
		if (!strncmp(mod, dotted, strlen(dotted))) {
			jv fixed = jv_string(mod + strlen(dotted));
			jv_free(*module);
			*module = fixed;
			mod = jv_string_value(*module);
		}
	}
	if (mod && *mod && path) {	/* path minus the module's own components */
		char mp[512], pp[4096];
		snprintf(mp, sizeof mp, "%s", mod);
		for (char *c = mp; *c; c++)
			if (*c == '.')
				*c = '/';
		snprintf(pp, sizeof pp, "%s", path);
		char *ext = strrchr(pp, '.');
		if (ext && (!strcmp(ext, ".py") || !strcmp(ext, ".pyi")))
			*ext = 0;
		size_t n = strlen(pp);
		if (n > 9 && !strcmp(pp + n - 9, "/__init__"))
			pp[n -= 9] = 0;
		size_t m = strlen(mp);
		if (n >= m && !strcmp(pp + n - m, mp) && (n == m || pp[n - m - 1] == '/') &&
		    snprintf(buf, sizeof buf, "%s%s%.*s", root, n > m ? "/" : "", n > m ? (int)(n - m - 1) : 0, pp)
		    < (int)sizeof buf)
			paths = jv_array_append(paths, jv_string(buf));
	}
	if (pdl && snprintf(buf, sizeof buf, "%s/%s", root, pd) < (int)sizeof buf)
		paths = jv_array_append(paths, jv_string(buf));
	paths = jv_array_append(paths, jv_string(root));
	jv uniq = jv_array();	/* first occurrence wins */
	jv_array_foreach(paths, i, p) {
		int seen = 0;
		jv_array_foreach(uniq, j, q) {
			seen |= !strcmp(jv_string_value(p), jv_string_value(q));
			jv_free(q);
		}
		uniq = seen ? (jv_free(p), uniq) : jv_array_append(uniq, p);
	}
	jv_free(paths);
	return uniq;
}

/* --site DIR or NAME=DIR: a directory of packages (a venv: its
 * lib/python3.X/site-packages) for every record, or for the records of the
 * repository named NAME. Its real path, or NULL. */
char *exec_site_dir(const char *arg, const char *repo_name)
{
	const char *eq = strchr(arg, '=');
	const char *dir = arg;
	if (eq && !is_dir(arg)) {	/* NAME=DIR (a name may be owner/name) */
		if (!repo_name || strncmp(arg, repo_name, (size_t)(eq - arg)) || repo_name[eq - arg])
			return NULL;
		dir = eq + 1;
	}
	char pat[4096];
	glob_t g;
	snprintf(pat, sizeof pat, "%s/lib/python3*/site-packages", dir);
	char *r = NULL;
	if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0)
		r = realpath(g.gl_pathv[g.gl_pathc - 1], NULL);
	globfree(&g);
	return r ? r : realpath(dir, NULL);
}

/* ---- requests ----------------------------------------------------------- */

static jv get(jv rec, const char *k) { return jv_object_get(jv_copy(rec), jv_string(k)); }

static int has_doctests(jv rec)
{
	const char *doc = rec_str(rec, "docstring");
	jv d = get(rec, "doctests");
	int n = jv_get_kind(d) == JV_KIND_ARRAY ? jv_array_length(jv_copy(d)) : 0;
	jv_free(d);
	return n > 0 || (doc && strstr(doc, ">>>"));
}

jv exec_request(const exec_opts *o, jv rec, jv *verdict)
{
	*verdict = jv_invalid();
	jv tests = get(rec, "tests");
	int nstmt = 0, nid = 0;
	if (jv_get_kind(tests) == JV_KIND_ARRAY) {
		jv_array_foreach(tests, i, t) {
			if (jv_get_kind(t) == JV_KIND_STRING)
				exec_is_test_id(jv_string_value(t)) ? nid++ : nstmt++;
			jv_free(t);
		}
	}
	jv_free(tests);
	const char *src = rec_str(rec, "test_source");
	const char *mode = o->mode;
	int autom = !strcmp(mode, "auto");
	if (!strcmp(mode, "auto"))
		mode = nstmt || (src && *src) ? "assert" : has_doctests(rec) ? "doctest" : nid ? "repo" : NULL;
	if (!mode) {
		*verdict = exec_error(NULL, "no_tests", "the record carries no tests, doctests or test ids");
		return jv_null();
	}
	jv code = get(rec, o->code_field);
	if (jv_get_kind(code) != JV_KIND_STRING) {
		jv_free(code);
		char msg[256];
		snprintf(msg, sizeof msg, "no string field '%s'", o->code_field);
		*verdict = exec_error(mode, "no_code", msg);
		return jv_null();
	}
	jv q = jv_object();
	q = jv_object_set(q, jv_string("mode"), jv_string(mode));
	q = jv_object_set(q, jv_string("code"), code);
	q = jv_object_set(q, jv_string("code_field"), jv_string(o->code_field));
	q = jv_object_set(q, jv_string("replace"), jv_bool(strcmp(o->code_field, "code") != 0));
	static const char *const copy[] = { "name", "qualname", "kind", "decorators", "module", "path",
		"imports", "docstring", "doctests", "tests", "test_source", "lineno" };
	for (size_t i = 0; i < sizeof copy / sizeof copy[0]; i++) {
		jv v = get(rec, copy[i]);
		if (jv_get_kind(v) != JV_KIND_NULL && jv_is_valid(v))
			q = jv_object_set(q, jv_string(copy[i]), v);
		else
			jv_free(v);
	}
	if (!rec_str(rec, "name") && rec_str(rec, "qualname")) {
		const char *qn = rec_str(rec, "qualname"), *dot = strrchr(qn, '.');
		q = jv_object_set(q, jv_string("name"), jv_string(dot ? dot + 1 : qn));
	}
	/* Where the module comes from: a checkout of repo.commit, repo.path as it is, or installed. */
	jv roots = jv_array();
	jv repo_path = rec_path(rec, "repo.path"), commit = rec_path(rec, "repo.commit");
	if (jv_get_kind(repo_path) == JV_KIND_STRING) {
		char dir[4096], err[512];
		if (jv_get_kind(commit) == JV_KIND_STRING) {
			if (exec_checkout(o->cache_dir, jv_string_value(repo_path), jv_string_value(commit),
					  dir, sizeof dir, err, sizeof err) < 0) {
				*verdict = exec_error(mode, "checkout_error", err);
				jv_free(repo_path); jv_free(commit); jv_free(roots); jv_free(q);
				return jv_null();
			}
		} else {
			char *rp = realpath(jv_string_value(repo_path), NULL);
			snprintf(dir, sizeof dir, "%s", rp ? rp : jv_string_value(repo_path));
			free(rp);
		}
		q = jv_object_set(q, jv_string("root"), jv_string(dir));
		roots = jv_array_append(roots, jv_string(dir));
		jv module = get(rec, "module");
		q = jv_object_set(q, jv_string("sys_path"), import_roots(dir, rec_str(rec, "path"), &module));
		if (jv_get_kind(module) == JV_KIND_STRING)
			q = jv_object_set(q, jv_string("module"), module);
		else
			jv_free(module);
	}
	jv_free(repo_path);
	jv_free(commit);
	jv sites = jv_array();
	jv rname = rec_path(rec, "repo.name");
	for (int i = 0; i < o->nsite; i++) {
		char *d = exec_site_dir(o->site[i], jv_get_kind(rname) == JV_KIND_STRING ? jv_string_value(rname) : NULL);
		if (d) {
			sites = jv_array_append(sites, jv_string(d));
			roots = jv_array_append(roots, jv_string(d));
			free(d);
		}
	}
	jv_free(rname);
	if (jv_array_length(jv_copy(sites)))
		q = jv_object_set(q, jv_string("site"), sites);
	else
		jv_free(sites);
	q = jv_object_set(q, jv_string("auto"), jv_bool(autom));
	q = jv_object_set(q, jv_string("read_roots"), roots);
	q = jv_object_set(q, jv_string("trace"), jv_bool(o->trace));
	if (o->lines)
		q = jv_object_set(q, jv_string("lines"), jv_true());
	q = jv_object_set(q, jv_string("runner"), jv_string(o->runner ? o->runner : "auto"));
	jv tl = jv_object_set(jv_object(), jv_string("count"), jv_number(o->trace_count));
	q = jv_object_set(q, jv_string("trace_limits"), jv_object_set(tl, jv_string("repr"), jv_number(o->trace_repr)));
	q = jv_object_set(q, jv_string("output_cap"), jv_number((double)o->lim.output));
	return q;
}

/* ---- verdicts ----------------------------------------------------------- */

static jv finish(const exec_opts *o, jv e, jv answer)
{
	if (o->no_duration)
		e = jv_object_delete(e, jv_string("duration_ms"));
	else
		e = jv_object_set(e, jv_string("duration_ms"), jv_object_get(jv_copy(answer), jv_string("wall_ms")));
	jv_free(answer);
	return e;
}

static jv ended(const char *mode, const char *status, const char *category, const char *message)
{
	jv e = exec_error(mode, category, message);
	return jv_object_set(e, jv_string("status"), jv_string(status));
}

jv exec_verdict(const exec_opts *o, jv request, jv answer)
{
	char mode[16];
	snprintf(mode, sizeof mode, "%s", rec_str(request, "mode") ? rec_str(request, "mode") : "");
	jv_free(request);
	if (jv_get_kind(answer) != JV_KIND_OBJECT || rec_str(answer, "error")) {
		jv m = jv_get_kind(answer) == JV_KIND_OBJECT ? get(answer, "error") : jv_invalid_get_msg(jv_copy(answer));
		jv e = exec_error(mode, "sandbox_error", jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "no answer");
		jv_free(m);
		return finish(o, e, jv_get_kind(answer) == JV_KIND_OBJECT ? answer : (jv_free(answer), jv_object()));
	}
	jv report = get(answer, "report");
	const char *killed = rec_str(answer, "killed");
	int sig = (int)rec_num(answer, "signal", 0), code = (int)rec_num(answer, "code", 0);
	long cpu = (long)rec_num(answer, "cpu_ms", 0);
	char msg[256];
	jv e;
	if (jv_get_kind(report) == JV_KIND_OBJECT) {
		/* The harness's own words (its mode: auto may turn doctest into repo);
		 * the duration is ours. */
		e = report;
		if (!rec_str(e, "mode"))
			e = jv_object_set(e, jv_string("mode"), jv_string(mode));
		report = jv_null();
	} else if (killed && !strcmp(killed, "wall")) {
		snprintf(msg, sizeof msg, "over %.3g s of wall time", o->lim.wall_s);
		e = ended(mode, "timeout", "wall_time", msg);
	} else if (killed) {
		snprintf(msg, sizeof msg, "over %zu bytes of %s", !strcmp(killed, "output") ? o->lim.output : o->lim.result,
			 !strcmp(killed, "output") ? "output" : "results");
		e = ended(mode, "output_limit", "output_limit", msg);
	} else if (sig == SIGXCPU || (sig == SIGPROF && o->lim.cpu_ms) || (sig == SIGKILL && cpu >= o->lim.cpu_s * 1000L)) {
		snprintf(msg, sizeof msg, "over %g s of CPU time", o->lim.cpu_ms ? o->lim.cpu_ms / 1000.0 : o->lim.cpu_s);
		e = ended(mode, "timeout", "cpu_time", msg);
	} else if (sig == SIGSYS) {
		e = ended(mode, "violation", "violation", "killed by the sandbox: a forbidden system call "
			  "(network, exec, process creation, ptrace, mount, ...)");
	} else if (sig) {
		snprintf(msg, sizeof msg, "killed by signal %d (%s)", sig, strsignal(sig));
		e = ended(mode, "crash", sig == SIGSEGV ? "segfault" : sig == SIGABRT ? "abort" : "signal", msg);
	} else {
		snprintf(msg, sizeof msg, "exited with status %d before reporting a verdict", code);
		e = ended(mode, "error", "early_exit", msg);
	}
	jv_free(report);
	const char *st = rec_str(e, "status");
	if (st && strcmp(st, "passed") && strcmp(st, "failed")) {
		jv out = get(answer, "output");
		if (jv_get_kind(out) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(out)) > 0)
			e = jv_object_set(e, jv_string("output"), out);
		else
			jv_free(out);
	}
	return finish(o, e, answer);
}
