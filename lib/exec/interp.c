/* interp.c — the embedded-Python zygote and its per-request children (see interp.h). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <time.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "exec/hugemem.h"
#include "exec/interp.h"
#include "rec/record.h"
#include "base/clock.h"

struct interp {
	pid_t pid;
	int to, from;		/* request pipe (write end), answer pipe (read end) */
	unsigned flags;
};

/* ---- framing ------------------------------------------------------------ */

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

static int send_msg(int fd, const char *s, size_t n)
{
	uint32_t len = (uint32_t)n;
	return write_all(fd, &len, 4) < 0 || write_all(fd, s, n) < 0 ? -1 : 0;
}

/* A message as a NUL-terminated malloc'd string, or NULL at EOF/error. */
static char *recv_msg(int fd, size_t *n)
{
	uint32_t len;
	if (read_all(fd, &len, 4) < 0 || len > (1u << 30))
		return NULL;
	char *s = malloc((size_t)len + 1);
	if (!s || read_all(fd, s, len) < 0) {
		free(s);
		return NULL;
	}
	s[len] = 0;
	if (n)
		*n = len;
	return s;
}

static int send_jv(int fd, jv v)
{
	jv s = jv_dump_string(v, 0);
	int rc = send_msg(fd, jv_string_value(s), (size_t)jv_string_length_bytes(jv_copy(s)));
	jv_free(s);
	return rc;
}

/* ---- inside a child ----------------------------------------------------- */

static char child_token[33];
static PyObject *harness_run;	/* the harness's run(request, report) */
static PyObject *harness_warm;	/* its warm(module): standard modules imported in the zygote */
static PyObject *harness_host;	/* its host(request_json): a package imported in a host */
static PyObject *harness_host_warm;	/* its host_warm(request_json): a record's module, in the host */
static PyObject *harness_loads;	/* its json.loads, bound before any tested code ran */
static double child_wall_s;

/* report(verdict_json): the only way a verdict leaves the child. Writes the
 * token and the verdict on the result fd, then ends the process at once: no
 * Python code (atexit, finalizers, other threads) runs after it. */
static PyObject *py_report(PyObject *self, PyObject *arg)
{
	(void)self;
	Py_ssize_t n;
	const char *s = PyUnicode_AsUTF8AndSize(arg, &n);
	if (!s)
		return NULL;
	if (write_all(SBX_RESULT_FD, child_token, 32) == 0 && write_all(SBX_RESULT_FD, "\n", 1) == 0 &&
	    write_all(SBX_RESULT_FD, s, (size_t)n) == 0)
		write_all(SBX_RESULT_FD, "\n", 1);
	_exit(0);
}

static PyMethodDef report_def = { "report", py_report, METH_O, "report the verdict and exit" };

static void report_fixed(const char *json)
{
	if (write_all(SBX_RESULT_FD, child_token, 32) == 0 && write_all(SBX_RESULT_FD, "\n", 1) == 0)
		write_all(SBX_RESULT_FD, json, strlen(json));
	_exit(0);
}

typedef struct {
	const char *request;
	size_t len;
	PyObject *parsed;	/* the request decoded (a dict), or NULL: the child decodes it */
} child_arg;

static int child_main(void *arg)
{
	child_arg *a = arg;
	hugemem_forked();
	PyOS_AfterFork_Child();
	PyObject *rep = PyCFunction_New(&report_def, NULL);
	PyObject *r = !rep ? NULL : a->parsed ? PyObject_CallFunction(harness_run, "OO", a->parsed, rep)
		: PyObject_CallFunction(harness_run, "s#O", a->request, (Py_ssize_t)a->len, rep);
	/* run() only comes back when the harness itself broke. */
	if (!r && PyErr_ExceptionMatches(PyExc_MemoryError))
		report_fixed("{\"status\":\"memory\",\"category\":\"memory\",\"tests_run\":0,\"tests_passed\":0,"
			     "\"failures\":[{\"test\":\"\",\"message\":\"MemoryError in the harness\"}]}");
	if (!r)
		PyErr_Print();
	fflush(stderr);
	report_fixed("{\"status\":\"error\",\"category\":\"harness_error\",\"tests_run\":0,\"tests_passed\":0,"
		     "\"failures\":[{\"test\":\"\",\"message\":\"the harness did not report\"}]}");
	return 70;
}

/* ---- the zygote --------------------------------------------------------- */

typedef struct {
	const interp_opts *o;
	int req, ans;		/* its ends of the pipes */
	int cpu;		/* the CPU it keeps to, or -1 */
} zygote_arg;

/* "WHAT 'NAME': the pending exception" into err; -1. */
static int py_error(char *err, size_t errsz, const char *what, const char *name, const char *none)
{
	PyObject *t, *v, *tb;
	PyErr_Fetch(&t, &v, &tb);
	PyObject *s = v ? PyObject_Str(v) : NULL;
	snprintf(err, errsz, "%s '%s': %s", what, name, s && PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : none);
	Py_XDECREF(s);
	Py_XDECREF(t);
	Py_XDECREF(v);
	Py_XDECREF(tb);
	return -1;
}

static int py_init(const interp_opts *o, char *err, size_t errsz)
{
	hugemem_python();
	PyConfig c;
	PyConfig_InitIsolatedConfig(&c);
	c.use_hash_seed = 1;
	c.hash_seed = 0;		/* set and dict order the same in every run */
	c.write_bytecode = 0;
	c.install_signal_handlers = 1;
	c.buffered_stdio = 1;
	PyStatus st = PyConfig_SetBytesString(&c, &c.program_name, "/usr/bin/python3.11");
	if (!PyStatus_Exception(st))
		st = Py_InitializeFromConfig(&c);
	PyConfig_Clear(&c);
	if (PyStatus_Exception(st)) {
		snprintf(err, errsz, "cannot start python: %s", st.err_msg ? st.err_msg : "?");
		return -1;
	}
	for (int i = 0; o->preload && o->preload[i]; i++) {
		PyObject *m = PyImport_ImportModule(o->preload[i]);
		if (!m)
			PyErr_Clear();	/* optional: a module that is not installed is imported per child */
		Py_XDECREF(m);
	}
	PyObject *code = Py_CompileString(o->harness, o->harness_name, Py_file_input);
	PyObject *mod = code ? PyModule_New("_lsexec_harness") : NULL;
	PyObject *d = mod ? PyModule_GetDict(mod) : NULL;
	if (d) {
		PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins());
		PyObject *r = PyEval_EvalCode(code, d, d);
		Py_XDECREF(r);
		harness_run = r ? PyDict_GetItemString(d, "run") : NULL;
	}
	if (!harness_run)
		return py_error(err, errsz, "cannot load the harness", o->harness_name, "no run()");
	Py_INCREF(harness_run);
	harness_warm = PyDict_GetItemString(d, "warm");
	Py_XINCREF(harness_warm);
	harness_host = PyDict_GetItemString(d, "host");
	Py_XINCREF(harness_host);
	harness_host_warm = PyDict_GetItemString(d, "host_warm");
	Py_XINCREF(harness_host_warm);
	harness_loads = PyDict_GetItemString(d, "_loads");
	Py_XINCREF(harness_loads);
	Py_DECREF(code);
	PyObject *prime = PyDict_GetItemString(d, "prime");
	PyObject *pr = prime ? PyObject_CallNoArgs(prime) : NULL;
	if (!pr)
		return py_error(err, errsz, "the harness failed its own requests", o->harness_name, "no prime()");
	Py_DECREF(pr);
	hugemem_settle();
	return 0;
}

static const char *killed_name(int k)
{
	return k == SBX_KILL_WALL ? "wall" : k == SBX_KILL_OUTPUT ? "output" : k == SBX_KILL_RESULT ? "result" : NULL;
}

/* The harness's verdict: the JSON line after the token, if the token is there. */
static jv find_report(const sbx_outcome *o, const char *token)
{
	if (!o->result)
		return jv_null();
	const char *p = memmem(o->result, o->resultlen, token, 32);
	if (!p || p + 33 > o->result + o->resultlen || p[32] != '\n')
		return jv_null();
	p += 33;
	const char *end = memchr(p, '\n', o->result + o->resultlen - p);
	size_t n = end ? (size_t)(end - p) : (size_t)(o->result + o->resultlen - p);
	jv v = jv_parse_sized(p, (int)n);
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return jv_null();
	}
	return v;
}

static jv answer(const sbx_outcome *o, const char *token)
{
	jv a = jv_object();
	a = jv_object_set(a, jv_string("exited"), jv_bool(o->exited));
	a = jv_object_set(a, jv_string("code"), jv_number(o->code));
	a = jv_object_set(a, jv_string("signal"), jv_number(o->signo));
	const char *k = killed_name(o->killed);
	a = jv_object_set(a, jv_string("killed"), k ? jv_string(k) : jv_null());
	a = jv_object_set(a, jv_string("cpu_ms"), jv_number(o->cpu_ms));
	a = jv_object_set(a, jv_string("wall_ms"), jv_number(o->wall_ms));
	a = jv_object_set(a, jv_string("maxrss_kb"), jv_number(o->maxrss_kb));
	size_t tail = o->outlen > 2048 ? 2048 : o->outlen;
	a = jv_object_set(a, jv_string("output"), jv_string_sized(o->out ? o->out + o->outlen - tail : "", (int)tail));
	a = jv_object_set(a, jv_string("output_bytes"), jv_number(o->outlen));
	a = jv_object_set(a, jv_string("report"), find_report(o, token));
	return a;
}

/* One request in a child of this process: a fresh token, the sandboxed
 * run, the answer. */
static jv run_child(sbx *s, const char *req, size_t n, char **roots)
{
	unsigned char rnd[16];
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		return jv_object_set(jv_object(), jv_string("error"), jv_string("getrandom failed"));
	for (int i = 0; i < 16; i++)
		snprintf(child_token + 2 * i, 3, "%02x", rnd[i]);
	/* The request decoded here, not in the child: a child that only reads
	 * the objects copies fewer pages than one that makes them. */
	child_arg ca = { req, n, harness_loads ? PyObject_CallFunction(harness_loads, "s#", req, (Py_ssize_t)n) : NULL };
	PyErr_Clear();	/* undecodable: the child decodes it again and says why */
	sbx_outcome out;
	char rerr[512] = "";
	PyOS_BeforeFork();
	int rc = sbx_run(s, (const char *const *)roots, child_main, &ca, &out, rerr, sizeof rerr);
	PyOS_AfterFork_Parent();
	Py_XDECREF(ca.parsed);
	jv a = rc == 0 ? answer(&out, child_token) : jv_object_set(jv_object(), jv_string("error"), jv_string(rerr));
	if (rc == 0)
		sbx_outcome_free(&out);
	memset(child_token, 0, sizeof child_token);
	return a;
}

/* ---- hosts ---------------------------------------------------------------
 * Importing a repository's package can cost a second (sympy) where the test
 * costs milliseconds. For consecutive records of one package the zygote
 * forks a host (sbx_host_start): a sandboxed child that imports the package
 * once and then forks each record's child itself. The zygote watches it: a
 * host that fails, dies or hangs is killed, its package is remembered, and
 * the record (and every later one of that package) runs the ordinary way. */

typedef struct {
	pid_t pid;
	int to, from;
	char *key;		/* root, newline, top-level package */
} host_t;

typedef struct { const char *request; size_t len; sbx *s; } host_arg;

/* recv_msg from a process we do not trust to answer: NULL after deadline. */
static char *recv_msg_by(int fd, size_t *n, double deadline)
{
	char hdr[4], *buf = NULL;
	size_t want = 4, got = 0;
	int body = 0;
	for (;;) {
		int left = (int)((deadline - ls_now()) * 1000);
		struct pollfd p = { fd, POLLIN, 0 };
		if (left <= 0)
			break;
		int ready = poll(&p, 1, left);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			break;
		ssize_t r = read(fd, body ? buf + got : hdr + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
		if (got < want)
			continue;
		if (body) {
			buf[want] = 0;
			*n = want;
			return buf;
		}
		uint32_t len;
		memcpy(&len, hdr, 4);
		if (len > (1u << 30) || !(buf = malloc((size_t)len + 1)))
			break;
		body = 1, want = len, got = 0;
		if (!want) {
			buf[0] = 0;
			*n = 0;
			return buf;
		}
	}
	free(buf);
	return NULL;
}

static int host_main(void *arg, int in, int out)
{
	host_arg *ha = arg;
	PyOS_AfterFork_Child();
	/* The import cannot start processes or threads (sbx_host_start): in a
	 * child it could not either (a process is a violation there; a thread
	 * would not survive the fork here). Code that fails for it fails again,
	 * the ordinary way, in each child. */
	PyObject *r = harness_host ? PyObject_CallFunction(harness_host, "s#", ha->request, (Py_ssize_t)ha->len) : NULL;
	const char *why = !r ? "the harness's host() failed" : r == Py_None ? NULL
		       : PyUnicode_Check(r) ? (PyUnicode_AsUTF8(r) ?: "host() refused") : "host() answered something else";
	PyErr_Clear();
	if (!why)
		hugemem_settle();	/* as the zygote does after an import */
	if (!why && sbx_host_ready(ha->s) < 0)
		why = "the package changed its process limit";
	jv hello = why ? jv_object_set(jv_object(), jv_string("error"), jv_string(why))
		       : jv_object_set(jv_object(), jv_string("ready"), jv_true());
	Py_XDECREF(r);
	if (send_jv(out, hello) < 0 || why)
		return 0;
	for (;;) {
		size_t n;
		char *req = recv_msg(in, &n);
		if (!req)
			return 0;
		/* The record's own module, imported here once for the run of
		 * records that name it (sympy.physics.* costs 0.2-0.3 s each),
		 * under the package import's rules: no process or thread, and
		 * what it writes is gone before the child. A module that changes
		 * its process limit ends the host, with an answer (a process it
		 * started may hold the pipe open): its records then run the
		 * ordinary way, as after a failed host. */
		if (harness_host_warm) {
			PyObject *w = NULL;
			if (sbx_host_unready(ha->s) == 0) {
				w = PyObject_CallFunction(harness_host_warm, "s#", req, (Py_ssize_t)n);
				PyErr_Clear();
			}
			if (sbx_host_ready(ha->s) < 0) {
				Py_XDECREF(w);
				free(req);
				send_jv(out, jv_object_set(jv_object(), jv_string("error"),
							  jv_string("a module changed its process limit")));
				return 0;
			}
			if (w == Py_True)
				hugemem_settle();
			Py_XDECREF(w);
		}
		jv a = run_child(ha->s, req, n, NULL);
		free(req);
		if (send_jv(out, a) < 0)
			return 0;
	}
}

static void host_end(sbx *s, host_t *h)
{
	if (!h->pid)
		return;
	close(h->to);
	close(h->from);
	sbx_host_stop(s, h->pid);
	free(h->key);
	*h = (host_t){ 0 };
}

static int host_begin(sbx *s, host_t *h, const char *key, const char *req, size_t n, char **roots)
{
	int to[2], from[2];
	char err[256];
	if (pipe2(to, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(from, O_CLOEXEC) < 0) {
		close(to[0]); close(to[1]);
		return -1;
	}
	host_arg ha = { req, n, s };
	PyOS_BeforeFork();
	pid_t pid = sbx_host_start(s, (const char *const *)roots, to[0], from[1], host_main, &ha, err, sizeof err);
	PyOS_AfterFork_Parent();
	close(to[0]);
	close(from[1]);
	if (pid < 0) {
		close(to[1]);
		close(from[0]);
		return -1;
	}
	*h = (host_t){ pid, to[1], from[0], strdup(key) };
	/* The import runs under the same wall limit as a child. */
	size_t len;
	char *hello = recv_msg_by(h->from, &len, ls_now() + child_wall_s);
	jv v = hello ? jv_parse_sized(hello, (int)len) : jv_invalid();
	free(hello);
	int ok = jv_get_kind(v) == JV_KIND_OBJECT && jv_get_kind(jv_object_get(jv_copy(v), jv_string("ready"))) == JV_KIND_TRUE;
	jv_free(v);
	if (!ok)
		host_end(s, h);
	return ok ? 0 : -1;
}

/* The key of a request that a host can serve, or NULL: a module from a
 * repository's checkout, imported in the module's own namespace. */
static char *host_key(jv r)
{
	const char *root = rec_str(r, "root"), *module = rec_str(r, "module"), *ns = rec_str(r, "namespace");
	if (!root || !module || !*module || (ns && !strcmp(ns, "isolated")))
		return NULL;
	size_t top = strcspn(module, ".");
	char *key = malloc(strlen(root) + top + 2);
	sprintf(key, "%s\n%.*s", root, (int)top, module);
	return key;
}

/* Packages whose host failed: they run the ordinary way from then on. */
static char **nohost;
static size_t nnohost;

static int is_nohost(const char *key)
{
	for (size_t i = 0; i < nnohost; i++)
		if (!strcmp(nohost[i], key))
			return 1;
	return 0;
}

static void add_nohost(const char *key)
{
	char **nv = realloc(nohost, (nnohost + 1) * sizeof *nv);
	if (nv) {
		nohost = nv;
		nohost[nnohost++] = strdup(key);
	}
}

/* The request through the host for its key: jv_invalid() when there is no
 * host for it (the caller runs it the ordinary way). */
static jv via_host(sbx *s, host_t *h, const char *key, const char *req, size_t n, char **roots)
{
	if (h->pid && strcmp(h->key, key))
		host_end(s, h);
	if (!h->pid && is_nohost(key))
		return jv_invalid();
	if (!h->pid && host_begin(s, h, key, req, n, roots) < 0) {
		add_nohost(key);
		return jv_invalid();
	}
	size_t len;
	char *a = send_msg(h->to, req, n) == 0 ? recv_msg_by(h->from, &len, ls_now() + child_wall_s * 11 + 10) : NULL;
	jv v = a ? jv_parse_sized(a, (int)len) : jv_invalid();
	free(a);
	if (jv_get_kind(v) != JV_KIND_OBJECT || rec_str(v, "error")) {
		jv_free(v);
		host_end(s, h);
		add_nohost(key);
		return jv_invalid();
	}
	return v;
}

/* The za->cpu for worker i: the i-th CPU this process may use, round robin;
 * -1 if unknown. A zygote, its children and their children alternate on one
 * CPU: kept there, each wakes where its caches are, and two workers do not
 * crowd onto one CPU while the other idles (2,000 stdlib doctest records at
 * -j 2: 6.63/6.49/6.09 s unpinned, 5.74/5.77/5.68 s pinned). */
static int worker_cpu(int worker)
{
	cpu_set_t cs;
	if (sched_getaffinity(0, sizeof cs, &cs) < 0 || CPU_COUNT(&cs) < 2)
		return -1;
	int k = worker % CPU_COUNT(&cs);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &cs) && k-- == 0)
			return c;
	return -1;
}

static int zygote_main(void *arg)
{
	zygote_arg *za = arg;
	const interp_opts *o = za->o;
	if (za->cpu >= 0) {
		cpu_set_t cs;
		CPU_ZERO(&cs);
		CPU_SET(za->cpu, &cs);
		sched_setaffinity(0, sizeof cs, &cs);	/* advice: where refused, it runs anywhere */
	}
	/* Keep only our pipes and stderr; the parent's records stay with it. */
	int keep_req = dup3(za->req, 1000, O_CLOEXEC), keep_ans = dup3(za->ans, 1001, O_CLOEXEC);
	if (keep_req < 0 || keep_ans < 0)
		return 70;
	syscall(SYS_close_range, 3, 999, 0);
	syscall(SYS_close_range, 1002, ~0u, 0);
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	if (null > 2)
		close(null);
	char err[512] = "";
	sbx *s = sbx_new(&o->lim, err, sizeof err);
	if (s && py_init(o, err, sizeof err) == 0) {
		jv hello = jv_object_set(jv_object(), jv_string("flags"), jv_number(sbx_flags(s)));
		send_jv(keep_ans, hello);
	} else {
		send_jv(keep_ans, jv_object_set(jv_object(), jv_string("error"), jv_string(err)));
		return 70;
	}
	child_wall_s = o->lim.wall_s;
	int pytest_loaded = 0;
	host_t h = { 0 };
	for (;;) {
		size_t n;
		char *req = recv_msg(keep_req, &n);
		if (!req)
			break;
		jv r = jv_parse_sized(req, (int)n);
		jv roots = jv_object_get(jv_copy(r), jv_string("read_roots"));
		int nroots = jv_get_kind(roots) == JV_KIND_ARRAY ? jv_array_length(jv_copy(roots)) : 0;
		char **rv = calloc((size_t)nroots + 1, sizeof *rv);
		for (int i = 0; i < nroots; i++) {
			jv x = jv_array_get(jv_copy(roots), i);
			rv[i] = strdup(jv_get_kind(x) == JV_KIND_STRING ? jv_string_value(x) : "/nonexistent");
			jv_free(x);
		}
		jv_free(roots);
		/* Repository tests need pytest: import it once, here, not in every child. */
		const char *mode = rec_str(r, "mode");
		if (mode && !strcmp(mode, "repo") && !pytest_loaded) {
			PyObject *m = PyImport_ImportModule("pytest");
			Py_XDECREF(m);
			PyErr_Clear();
			hugemem_settle();
			pytest_loaded = 1;
		}
		/* An installed standard module: import it here, once (harness.py: warm). */
		const char *module = rec_str(r, "module");
		if (module && harness_warm && mode && strcmp(mode, "repo") && !rec_str(r, "root")) {
			PyObject *res = PyObject_CallFunction(harness_warm, "s", module);
			if (res == Py_True)
				hugemem_settle();
			Py_XDECREF(res);
			PyErr_Clear();
		}
		char *key = o->hosts && sbx_can_host(s) ? host_key(r) : NULL;
		jv_free(r);
		jv a = key ? via_host(s, &h, key, req, n, rv) : jv_invalid();
		if (!jv_is_valid(a)) {
			jv_free(a);
			a = run_child(s, req, n, rv);
		}
		free(key);
		for (int i = 0; i < nroots; i++)
			free(rv[i]);
		free(rv);
		free(req);
		if (send_jv(keep_ans, a) < 0)
			break;
	}
	host_end(s, &h);
	sbx_free(s);
	return 0;
}

void interp_bind_now(char **argv)
{
	const char *v = getenv("LD_BIND_NOW");
	if (v && *v)
		return;
	setenv("LD_BIND_NOW", "1", 1);
	execv("/proc/self/exe", argv);
	unsetenv("LD_BIND_NOW");	/* no /proc: lazily bound it is, and correct all the same */
}

interp *interp_start(int worker, const interp_opts *o, char *err, size_t errsz)
{
	int req[2], ans[2];
	if (pipe2(req, O_CLOEXEC) < 0 || pipe2(ans, O_CLOEXEC) < 0) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		return NULL;
	}
	zygote_arg za = { o, req[0], ans[1], o->pin ? worker_cpu(worker) : -1 };
	fflush(NULL);
	pid_t pid = sbx_spawn(worker, zygote_main, &za);
	close(req[0]);
	close(ans[1]);
	if (pid < 0) {
		snprintf(err, errsz, "cannot start the zygote: %s", strerror(errno));
		close(req[1]);
		close(ans[0]);
		return NULL;
	}
	interp *z = calloc(1, sizeof *z);
	z->pid = pid;
	z->to = req[1];
	z->from = ans[0];
	char *hello = recv_msg(z->from, NULL);
	jv h = hello ? jv_parse(hello) : jv_invalid();
	free(hello);
	if (jv_get_kind(h) != JV_KIND_OBJECT || !jv_is_valid(jv_object_get(jv_copy(h), jv_string("flags")))) {
		const char *m = jv_get_kind(h) == JV_KIND_OBJECT ? rec_str(h, "error") : NULL;
		snprintf(err, errsz, "%s", m ? m : "the zygote did not start");
		jv_free(h);
		interp_stop(z);
		return NULL;
	}
	z->flags = (unsigned)jv_number_value(jv_object_get(h, jv_string("flags")));
	return z;
}

unsigned interp_flags(const interp *z) { return z->flags; }

/* send_jv to a zygote that may have died: EPIPE, not a SIGPIPE that would
 * kill the whole tool. The signal is blocked for this thread and any pending
 * one is consumed before unblocking. */
static int send_to_zygote(int fd, jv v)
{
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	int rc = send_jv(fd, v);
	if (rc < 0) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

jv interp_exec(interp *z, jv request)
{
	if (send_to_zygote(z->to, request) < 0)
		return jv_invalid_with_msg(jv_string("the zygote is gone"));
	size_t n;
	char *a = recv_msg(z->from, &n);
	if (!a)
		return jv_invalid_with_msg(jv_string("the zygote is gone"));
	jv v = jv_parse_sized(a, (int)n);
	free(a);
	return v;
}

void interp_stop(interp *z)
{
	if (!z)
		return;
	close(z->to);		/* the zygote sees EOF and exits */
	close(z->from);
	int st;
	if (waitpid(z->pid, &st, 0) < 0 && errno != ECHILD)
		kill(z->pid, SIGKILL);
	free(z);
}
