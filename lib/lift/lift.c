/* lift.c — the IR of a parsed function (see lift.h, docs/IR.md).
 *
 * One walk over the body collects effects (calls classified by name, writes
 * to arguments and globals, raises) and assertions (asserts, guard clauses);
 * the docstring adds descriptions, types, raises, returns and examples. Every
 * clause carries the line that justifies it. Nested functions, classes and
 * lambdas are not entered: their bodies run only when called.
 */
#include "lift/lift_int.h"
#include "base/diag.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EFFECTS 48
#define MAX_ASSERTIONS 48
#define MAX_TEXT 240	/* longest predicate or condition copied from the code */
#define MAX_DEPTH LIFT_MAX_DEPTH	/* deeper expressions are not walked (no stack blow-up) */

typedef struct {
	lift_ctx *ctx;
	const lift_fn *f;
	const char *src;
	struct fx {
		const char *kind;
		char *head;	/* "mutates argument `x`" */
		char *targets;	/* "`x.append`, `x.pop`" or NULL */
		int line;
	} fx[MAX_EFFECTS];
	int neffects, nassertions;
	jv assertions;
	/* names declared global/nonlocal, and module globals the record lists */
	lift_span decl[32];
	int ndecl, decl_nonlocal[32];
	jv globals;	/* array of strings or null */
	/* return statements */
	int ret_values, ret_none, ret_unknown;
	const char *ret_type;
	int leading;	/* still in the leading guard section of the body */
	int only_stubs;	/* the body (after the docstring) is only raise, pass and `...`: a stub */
	int nstmts;
} walk;

/* --- text helpers ----------------------------------------------------------- */

/* Node text with whitespace runs collapsed, cut at MAX_TEXT; a new jv string. */
static jv node_text(const walk *w, TSNode n)
{
	size_t len;
	const char *s = py_text(n, w->src, &len);
	char buf[MAX_TEXT + 4];
	size_t k = 0;
	int sp = 0;
	for (size_t i = 0; i < len && k < MAX_TEXT; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c) || c == '\\') {
			sp = 1;
			continue;
		}
		if (sp && k && buf[k - 1] != '(' && buf[k - 1] != '[' && c != ')' && c != ']')
			buf[k++] = ' ';
		sp = 0;
		buf[k++] = (char)c;
	}
	if (k >= MAX_TEXT) {	/* do not cut a UTF-8 sequence in half */
		while (k && ((unsigned char)buf[k - 1] & 0xC0) == 0x80)
			k--;
		if (k && (unsigned char)buf[k - 1] >= 0xC0)
			k--;
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	return jv_string_sized(buf, (int)k);
}

static int span_eq(lift_span a, const char *s, size_t n)
{
	return a.n == n && !memcmp(a.s, s, n);
}

static int file_line(const walk *w, TSNode n)
{
	return py_line(n) + w->f->line_base;
}

static int param_index(const walk *w, const char *s, size_t n)
{
	for (int i = 0; i < w->f->nparams; i++)
		if (span_eq(w->f->params[i].name, s, n))
			return i;
	return -1;
}

static int is_global_name(const walk *w, const char *s, size_t n, int *nonlocal)
{
	for (int i = 0; i < w->ndecl; i++)
		if (span_eq(w->decl[i], s, n)) {
			*nonlocal = w->decl_nonlocal[i];
			return 1;
		}
	return 0;
}

static int listed_global(const walk *w, const char *s, size_t n)
{
	if (jv_get_kind(w->globals) != JV_KIND_ARRAY)
		return 0;
	int k = jv_array_length(jv_copy(w->globals));
	for (int i = 0; i < k; i++) {
		jv g = jv_array_get(jv_copy(w->globals), i);
		int eq = jv_get_kind(g) == JV_KIND_STRING && (size_t)jv_string_length_bytes(jv_copy(g)) == n &&
			 !memcmp(jv_string_value(g), s, n);
		jv_free(g);
		if (eq)
			return 1;
	}
	return 0;
}

/* The identifier at the root of x.a[b].c, or a null node. */
static TSNode root_ident(TSNode n)
{
	for (;;) {
		TSSymbol s = ts_node_symbol(n);
		if (s == pyk.attribute)
			n = ts_node_child_by_field_id(n, lk.f_object);
		else if (s == pyk.subscript)
			n = ts_node_child_by_field_id(n, lk.f_value);
		else if (s == pyk.identifier)
			return n;
		else
			return (TSNode){ 0 };
		if (ts_node_is_null(n))
			return n;
	}
}

/* --- effects ------------------------------------------------------------------ */

/* An effect: head says what, target (may be NULL) where. With merge, the
 * targets of effects with the same kind and head gather into one effect
 * ("sets attributes of argument `self` (`self.a`, `self.b`)"), at the line
 * of the first; without, the same head and target is kept once. */
static void add_effect(walk *w, const char *kind, const char *head, const char *target, TSNode at, int merge)
{
	for (int i = 0; i < w->neffects; i++) {
		struct fx *e = &w->fx[i];
		if (strcmp(e->kind, kind) || strcmp(e->head, head))
			continue;
		if (!target || (e->targets && !strcmp(e->targets, target)))
			return;
		if (merge && e->targets) {
			size_t n = strlen(e->targets), m = strlen(target);
			if (strstr(e->targets, target) || n > 300)
				return;
			e->targets = realloc(e->targets, n + m + 3);
			memcpy(e->targets + n, ", ", 2);
			memcpy(e->targets + n + 2, target, m + 1);
			return;
		}
	}
	if (w->neffects >= MAX_EFFECTS)
		return;
	struct fx *e = &w->fx[w->neffects++];
	e->kind = kind;
	e->head = strdup(head);
	e->targets = target ? strdup(target) : NULL;
	e->line = file_line(w, at);
}

static jv effects_jv(walk *w)
{
	jv a = jv_array();
	for (int i = 0; i < w->neffects; i++) {
		struct fx *e = &w->fx[i];
		jv d = e->targets ? jv_string_fmt("%s (%s)", e->head, e->targets) : jv_string(e->head);
		jv o = jv_object_set(jv_object(), jv_string("description"), d);
		o = jv_object_set(o, jv_string("kind"), jv_string(e->kind));
		o = jv_object_set(o, jv_string("line"), jv_number(e->line));
		a = jv_array_append(a, o);
		free(e->head);
		free(e->targets);
	}
	return a;
}

static void add_assertion(walk *w, jv predicate, jv rationale, const char *kind, int line)
{
	if (w->nassertions >= MAX_ASSERTIONS) {
		jv_free(predicate);
		jv_free(rationale);
		return;
	}
	w->nassertions++;
	jv a = jv_object();
	a = jv_object_set(a, jv_string("predicate"), predicate);
	a = jv_object_set(a, jv_string("rationale"), rationale);
	a = jv_object_set(a, jv_string("kind"), jv_string(kind));
	a = jv_object_set(a, jv_string("line"), line > 0 ? jv_number(line) : jv_null());
	w->assertions = jv_array_append(w->assertions, a);
}

/* Calls classified by the callee's dotted name. */
enum { M_EXACT, M_PREFIX, M_METHOD };
static const struct rule {
	const char *pat;
	int match;
	const char *kind, *what;
} rules[] = {
	{ "open", M_EXACT, "file", "accesses the file system" },
	{ "io.open", M_EXACT, "file", "accesses the file system" },
	{ "os.open", M_EXACT, "file", "accesses the file system" },
	{ "codecs.open", M_EXACT, "file", "accesses the file system" },
	{ "gzip.open", M_EXACT, "file", "accesses the file system" },
	{ "bz2.open", M_EXACT, "file", "accesses the file system" },
	{ "lzma.open", M_EXACT, "file", "accesses the file system" },
	{ "tarfile.open", M_EXACT, "file", "accesses the file system" },
	{ "zipfile.ZipFile", M_EXACT, "file", "accesses the file system" },
	{ "fileinput.input", M_EXACT, "file", "accesses the file system" },
	{ "glob.glob", M_EXACT, "file", "accesses the file system" },
	{ "glob.iglob", M_EXACT, "file", "accesses the file system" },
	{ "shutil.", M_PREFIX, "file", "accesses the file system" },
	{ "tempfile.", M_PREFIX, "file", "accesses the file system" },
	{ "os.path.exists", M_EXACT, "file", "accesses the file system" },
	{ "os.path.isfile", M_EXACT, "file", "accesses the file system" },
	{ "os.path.isdir", M_EXACT, "file", "accesses the file system" },
	{ "os.path.getsize", M_EXACT, "file", "accesses the file system" },
	{ "os.path.getmtime", M_EXACT, "file", "accesses the file system" },
	{ "os.path.islink", M_EXACT, "file", "accesses the file system" },
	{ "os.path.realpath", M_EXACT, "file", "accesses the file system" },
	{ "os.remove", M_EXACT, "file", "accesses the file system" },
	{ "os.unlink", M_EXACT, "file", "accesses the file system" },
	{ "os.rename", M_EXACT, "file", "accesses the file system" },
	{ "os.replace", M_EXACT, "file", "accesses the file system" },
	{ "os.mkdir", M_EXACT, "file", "accesses the file system" },
	{ "os.makedirs", M_EXACT, "file", "accesses the file system" },
	{ "os.rmdir", M_EXACT, "file", "accesses the file system" },
	{ "os.removedirs", M_EXACT, "file", "accesses the file system" },
	{ "os.listdir", M_EXACT, "file", "accesses the file system" },
	{ "os.scandir", M_EXACT, "file", "accesses the file system" },
	{ "os.walk", M_EXACT, "file", "accesses the file system" },
	{ "os.stat", M_EXACT, "file", "accesses the file system" },
	{ "os.lstat", M_EXACT, "file", "accesses the file system" },
	{ "os.chmod", M_EXACT, "file", "accesses the file system" },
	{ "os.chown", M_EXACT, "file", "accesses the file system" },
	{ "os.symlink", M_EXACT, "file", "accesses the file system" },
	{ "os.link", M_EXACT, "file", "accesses the file system" },
	{ "os.truncate", M_EXACT, "file", "accesses the file system" },
	{ "os.utime", M_EXACT, "file", "accesses the file system" },
	{ "os.chdir", M_EXACT, "file", "accesses the file system" },
	{ "os.getcwd", M_EXACT, "file", "accesses the file system" },
	{ "read_text", M_METHOD, "file", "accesses the file system" },
	{ "write_text", M_METHOD, "file", "accesses the file system" },
	{ "read_bytes", M_METHOD, "file", "accesses the file system" },
	{ "write_bytes", M_METHOD, "file", "accesses the file system" },
	{ "mkdir", M_METHOD, "file", "accesses the file system" },
	{ "unlink", M_METHOD, "file", "accesses the file system" },
	{ "rmdir", M_METHOD, "file", "accesses the file system" },
	{ "touch", M_METHOD, "file", "accesses the file system" },
	{ "iterdir", M_METHOD, "file", "accesses the file system" },
	{ "socket.", M_PREFIX, "network", "uses the network" },
	{ "socket", M_EXACT, "network", "uses the network" },
	{ "getaddrinfo", M_EXACT, "network", "uses the network" },
	{ "urllib.request.", M_PREFIX, "network", "uses the network" },
	{ "urlopen", M_EXACT, "network", "uses the network" },
	{ "http.client.", M_PREFIX, "network", "uses the network" },
	{ "requests.", M_PREFIX, "network", "uses the network" },
	{ "httpx.", M_PREFIX, "network", "uses the network" },
	{ "smtplib.", M_PREFIX, "network", "uses the network" },
	{ "ftplib.", M_PREFIX, "network", "uses the network" },
	{ "poplib.", M_PREFIX, "network", "uses the network" },
	{ "imaplib.", M_PREFIX, "network", "uses the network" },
	{ "xmlrpc.client.", M_PREFIX, "network", "uses the network" },
	{ "asyncio.open_connection", M_EXACT, "network", "uses the network" },
	{ "asyncio.start_server", M_EXACT, "network", "uses the network" },
	{ "create_connection", M_METHOD, "network", "uses the network" },
	{ "sendall", M_METHOD, "network", "uses the network" },
	{ "recv", M_METHOD, "network", "uses the network" },
	{ "recv_into", M_METHOD, "network", "uses the network" },
	{ "recvfrom", M_METHOD, "network", "uses the network" },
	{ "sendto", M_METHOD, "network", "uses the network" },
	{ "getresponse", M_METHOD, "network", "uses the network" },
	{ "subprocess.", M_PREFIX, "process", "runs or controls another process" },
	{ "os.system", M_EXACT, "process", "runs or controls another process" },
	{ "os.popen", M_EXACT, "process", "runs or controls another process" },
	{ "os.fork", M_EXACT, "process", "runs or controls another process" },
	{ "os.kill", M_EXACT, "process", "runs or controls another process" },
	{ "os.killpg", M_EXACT, "process", "runs or controls another process" },
	{ "os.exec", M_PREFIX, "process", "runs or controls another process" },
	{ "os.spawn", M_PREFIX, "process", "runs or controls another process" },
	{ "os.posix_spawn", M_PREFIX, "process", "runs or controls another process" },
	{ "os.waitpid", M_EXACT, "process", "runs or controls another process" },
	{ "asyncio.create_subprocess_", M_PREFIX, "process", "runs or controls another process" },
	{ "Popen", M_EXACT, "process", "runs or controls another process" },
	{ "multiprocessing.Process", M_EXACT, "process", "runs or controls another process" },
	{ "print", M_EXACT, "output", "prints output" },
	{ "pprint.pprint", M_EXACT, "output", "prints output" },
	{ "pprint", M_EXACT, "output", "prints output" },
	{ "input", M_EXACT, "output", "reads standard input" },
	{ "sys.stdout.", M_PREFIX, "output", "writes to standard output" },
	{ "sys.stderr.", M_PREFIX, "output", "writes to standard error" },
	{ "sys.stdin.", M_PREFIX, "output", "reads standard input" },
	{ "warnings.warn", M_EXACT, "logging", "issues a warning" },
	{ "warnings.warn_explicit", M_EXACT, "logging", "issues a warning" },
	{ "random.", M_PREFIX, "random", "uses randomness" },
	{ "secrets.", M_PREFIX, "random", "uses randomness" },
	{ "np.random.", M_PREFIX, "random", "uses randomness" },
	{ "numpy.random.", M_PREFIX, "random", "uses randomness" },
	{ "os.urandom", M_EXACT, "random", "uses randomness" },
	{ "os.getrandom", M_EXACT, "random", "uses randomness" },
	{ "uuid.uuid1", M_EXACT, "random", "uses randomness" },
	{ "uuid.uuid4", M_EXACT, "random", "uses randomness" },
	{ "time.sleep", M_EXACT, "clock", "sleeps" },
	{ "asyncio.sleep", M_EXACT, "clock", "sleeps" },
	{ "time.time", M_EXACT, "clock", "reads the clock" },
	{ "time.time_ns", M_EXACT, "clock", "reads the clock" },
	{ "time.monotonic", M_EXACT, "clock", "reads the clock" },
	{ "time.monotonic_ns", M_EXACT, "clock", "reads the clock" },
	{ "time.perf_counter", M_EXACT, "clock", "reads the clock" },
	{ "time.perf_counter_ns", M_EXACT, "clock", "reads the clock" },
	{ "time.process_time", M_EXACT, "clock", "reads the clock" },
	{ "time.localtime", M_EXACT, "clock", "reads the clock" },
	{ "time.gmtime", M_EXACT, "clock", "reads the clock" },
	{ "time.ctime", M_EXACT, "clock", "reads the clock" },
	{ "datetime.now", M_EXACT, "clock", "reads the clock" },
	{ "datetime.utcnow", M_EXACT, "clock", "reads the clock" },
	{ "datetime.today", M_EXACT, "clock", "reads the clock" },
	{ "date.today", M_EXACT, "clock", "reads the clock" },
	{ "datetime.datetime.now", M_EXACT, "clock", "reads the clock" },
	{ "datetime.datetime.utcnow", M_EXACT, "clock", "reads the clock" },
	{ "datetime.datetime.today", M_EXACT, "clock", "reads the clock" },
	{ "datetime.date.today", M_EXACT, "clock", "reads the clock" },
};

static const char *const mutators[] = {
	"append", "extend", "insert", "pop", "remove", "clear", "update", "add", "discard",
	"setdefault", "sort", "reverse", "popitem", "appendleft", "extendleft", "popleft",
	"rotate", "difference_update", "intersection_update", "symmetric_difference_update", NULL
};
static const char *const log_methods[] = {
	"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "fatal", NULL
};
static const char *const stream_reads[] = { "read", "readline", "readlines", "readinto", NULL };
static const char *const stream_writes[] = { "write", "writelines", "flush", NULL };

static int in_list(const char *const *l, const char *s, size_t n)
{
	for (; *l; l++)
		if (strlen(*l) == n && !memcmp(*l, s, n))
			return 1;
	return 0;
}

static int contains_log(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++)
		if (tolower((unsigned char)s[i]) == 'l' && tolower((unsigned char)s[i + 1]) == 'o' &&
		    tolower((unsigned char)s[i + 2]) == 'g')
			return 1;
	return 0;
}

static void note_call(walk *w, TSNode call)
{
	TSNode fn = ts_node_child_by_field_id(call, lk.f_function);
	if (ts_node_is_null(fn))
		return;
	TSSymbol fs = ts_node_symbol(fn);
	if (fs != pyk.identifier && fs != pyk.attribute)
		return;
	size_t n;
	const char *s = py_text(fn, w->src, &n);
	if (n > 120 || memchr(s, '\n', n) || memchr(s, ' ', n) || memchr(s, '(', n))
		return;	/* only plain dotted names are classified */
	const char *meth = s;
	size_t mn = n;
	const char *dot = memrchr(s, '.', n);
	if (dot) {
		meth = dot + 1;
		mn = n - (size_t)(meth - s);
	}
	char head[300], tgt[300];
	snprintf(tgt, sizeof tgt, "`%.*s`", (int)n, s);
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
		const struct rule *r = &rules[i];
		size_t pl = strlen(r->pat);
		int hit = r->match == M_EXACT ? (pl == n && !memcmp(s, r->pat, n))
			  : r->match == M_PREFIX ? (n > pl && !memcmp(s, r->pat, pl))
						 : (dot && pl == mn && !memcmp(meth, r->pat, mn));
		if (hit) {
			add_effect(w, r->kind, r->what, tgt, call, 0);
			return;
		}
	}
	if (!dot)
		return;
	size_t recv_n = (size_t)(dot - s);
	if (in_list(log_methods, meth, mn) && contains_log(s, recv_n)) {
		add_effect(w, "logging", "logs a message", tgt, call, 0);
		return;
	}
	TSNode recv = ts_node_child_by_field_id(fn, lk.f_object);
	TSNode root = root_ident(recv);
	if (ts_node_is_null(root))
		return;
	size_t rn;
	const char *rs = py_text(root, w->src, &rn);
	int pi = param_index(w, rs, rn), nonlocal = 0;
	int direct = ts_node_symbol(recv) == pyk.identifier;
	if (pi >= 0 && direct && (in_list(stream_reads, meth, mn) || in_list(stream_writes, meth, mn))) {
		snprintf(head, sizeof head, "%s the stream passed as `%.*s`",
			 in_list(stream_reads, meth, mn) ? "reads from" : "writes to", (int)rn, rs);
		add_effect(w, "file", head, tgt, call, 1);
	} else if (in_list(mutators, meth, mn)) {
		if (pi >= 0)
			snprintf(head, sizeof head, "mutates argument `%.*s`", (int)rn, rs);
		else if (is_global_name(w, rs, rn, &nonlocal) || listed_global(w, rs, rn))
			snprintf(head, sizeof head, "mutates global `%.*s`", (int)rn, rs);
		else
			return;
		add_effect(w, pi >= 0 ? "mutation" : "global", head, tgt, call, 1);
	}
}

/* An assignment or del target: argument items/attributes, declared globals. */
static void note_target(walk *w, TSNode t, int del)
{
	TSSymbol s = ts_node_symbol(t);
	if (s == lk.pattern_list || s == lk.tuple_pattern || s == lk.list_pattern || s == lk.expression_list ||
	    s == lk.tuple || s == lk.list || s == lk.parenthesized_expression) {
		uint32_t k = ts_node_named_child_count(t);
		for (uint32_t i = 0; i < k; i++)
			note_target(w, ts_node_named_child(t, i), del);
		return;
	}
	char head[300];
	if (s == pyk.identifier) {
		size_t n;
		const char *txt = py_text(t, w->src, &n);
		int nonlocal = 0;
		if (is_global_name(w, txt, n, &nonlocal)) {
			snprintf(head, sizeof head, "%s %s `%.*s`", del ? "deletes" : "writes",
				 nonlocal ? "nonlocal" : "global", (int)n, txt);
			add_effect(w, "global", head, NULL, t, 0);
		}
		return;
	}
	if (s != pyk.subscript && s != pyk.attribute)
		return;
	TSNode root = root_ident(t);
	if (ts_node_is_null(root))
		return;
	size_t rn;
	const char *rs = py_text(root, w->src, &rn);
	int pi = param_index(w, rs, rn), nonlocal = 0;
	int glob = pi < 0 && (is_global_name(w, rs, rn, &nonlocal) || listed_global(w, rs, rn));
	if (pi < 0 && !glob)
		return;
	const char *how = del ? (s == pyk.subscript ? "deletes items of" : "deletes attributes of")
			      : (s == pyk.subscript ? "assigns items of" : "sets attributes of");
	snprintf(head, sizeof head, "%s %s `%.*s`", how, glob ? "global" : "argument", (int)rn, rs);
	jv tt = node_text(w, t);
	char *tgt = malloc((size_t)jv_string_length_bytes(jv_copy(tt)) + 3);
	sprintf(tgt, "`%s`", jv_string_value(tt));
	jv_free(tt);
	add_effect(w, glob ? "global" : "mutation", head, tgt, t, 1);
	free(tgt);
}

/* --- conditions and raises -------------------------------------------------------- */

static TSNode unparen(TSNode n)
{
	while (ts_node_symbol(n) == lk.parenthesized_expression && ts_node_named_child_count(n) == 1)
		n = ts_node_named_child(n, 0);
	return n;
}

/* The negation of a guard's condition, as Python: "not x" -> "x", "a < b" -> "a >= b". */
static jv negate(const walk *w, TSNode c)
{
	c = unparen(c);
	TSSymbol s = ts_node_symbol(c);
	if (s == pyk.not_operator)
		return node_text(w, ts_node_child_by_field_id(c, lk.f_argument));
	if (s == pyk.comparison_operator && ts_node_named_child_count(c) == 2) {
		static const char *const flip[][2] = { { "<", ">=" }, { ">=", "<" }, { ">", "<=" }, { "<=", ">" },
						       { "==", "!=" }, { "!=", "==" }, { "is", "is not" },
						       { "is not", "is" }, { "in", "not in" }, { "not in", "in" } };
		TSNode a = ts_node_named_child(c, 0), b = ts_node_named_child(c, 1);
		uint32_t ac = ts_node_end_byte(a), bc = ts_node_start_byte(b);
		/* the operator is the text between the operands */
		const char *op = w->src + ac;
		size_t on = bc - ac;
		while (on && isspace((unsigned char)*op))
			op++, on--;
		while (on && isspace((unsigned char)op[on - 1]))
			on--;
		char opbuf[16];
		if (on < sizeof opbuf) {	/* "is  not" -> "is not" */
			size_t k = 0;
			for (size_t i = 0; i < on; i++)
				if (!isspace((unsigned char)op[i]) || (k && opbuf[k - 1] != ' '))
					opbuf[k++] = isspace((unsigned char)op[i]) ? ' ' : op[i];
			opbuf[k] = 0;
			for (size_t i = 0; i < sizeof flip / sizeof *flip; i++)
				if (!strcmp(opbuf, flip[i][0])) {
					jv r = jv_string_append_str(node_text(w, a), " ");
					r = jv_string_append_str(jv_string_append_str(r, flip[i][1]), " ");
					return jv_string_concat(r, node_text(w, b));
				}
		}
	}
	jv t = node_text(w, c);
	if (s == pyk.identifier || s == pyk.attribute || s == pyk.call || s == pyk.subscript)
		return jv_string_concat(jv_string("not "), t);
	return jv_string_concat(jv_string_concat(jv_string("not ("), t), jv_string(")"));
}

/* "ValueError" from `raise ValueError("...")`; the message when it is a plain string. */
static void raised(const walk *w, TSNode st, jv *exc, jv *msg)
{
	*exc = jv_null();
	*msg = jv_null();
	TSNode e = ts_node_named_child(st, 0);
	if (ts_node_is_null(e) || ts_node_symbol(e) == pyk.comment)
		return;
	if (ts_node_symbol(e) == pyk.call) {
		TSNode args = ts_node_child_by_field_id(e, lk.f_arguments);
		TSNode a0 = ts_node_is_null(args) ? args : ts_node_named_child(args, 0);
		if (!ts_node_is_null(a0) && (ts_node_symbol(a0) == pyk.string || ts_node_symbol(a0) == pyk.concatenated_string)) {
			size_t n;
			char *v = py_string_value(a0, w->src, &n);
			if (v && n < 400)
				*msg = jv_string_sized(v, (int)n);
			free(v);
		}
		e = ts_node_child_by_field_id(e, lk.f_function);
	}
	*exc = node_text(w, e);
}

static void note_raise(walk *w, TSNode st, TSNode cond, int guard)
{
	jv exc, msg;
	raised(w, st, &exc, &msg);
	char desc[600];
	if (jv_get_kind(exc) != JV_KIND_STRING) {
		add_effect(w, "raise", "re-raises the exception being handled", NULL, st, 0);
		jv_free(exc);
		jv_free(msg);
		return;
	}
	jv ctext = ts_node_is_null(cond) ? jv_null() : node_text(w, cond);
	if (jv_get_kind(ctext) == JV_KIND_STRING)
		snprintf(desc, sizeof desc, "raises %s when `%s`", jv_string_value(exc), jv_string_value(ctext));
	else
		snprintf(desc, sizeof desc, "raises %s", jv_string_value(exc));
	add_effect(w, "raise", desc, NULL, st, 0);
	if (jv_get_kind(ctext) == JV_KIND_STRING) {
		jv why = jv_get_kind(msg) == JV_KIND_STRING
				 ? jv_string_fmt("%s %s: %s", guard ? "otherwise raises" : "raises", jv_string_value(exc), jv_string_value(msg))
				 : jv_string_fmt("%s %s", guard ? "otherwise raises" : "raises", jv_string_value(exc));
		if (guard)
			add_assertion(w, negate(w, cond), why, "precondition", file_line(w, cond));
		else
			add_assertion(w, jv_copy(ctext), why, "raises", file_line(w, cond));
	}
	jv_free(ctext);
	jv_free(exc);
	jv_free(msg);
}

/* --- return types ------------------------------------------------------------------- */

static const char *call_type(const walk *w, TSNode call)
{
	static const struct { const char *fn, *type; } known[] = {
		{ "isinstance", "bool" }, { "issubclass", "bool" }, { "callable", "bool" }, { "hasattr", "bool" },
		{ "bool", "bool" }, { "all", "bool" }, { "any", "bool" }, { "len", "int" }, { "int", "int" },
		{ "hash", "int" }, { "ord", "int" }, { "str", "str" }, { "repr", "str" }, { "chr", "str" },
		{ "format", "str" }, { "float", "float" }, { "list", "list" }, { "sorted", "list" },
		{ "dict", "dict" }, { "set", "set" }, { "frozenset", "frozenset" }, { "tuple", "tuple" },
		{ "bytes", "bytes" }, { "bytearray", "bytearray" },
	};
	TSNode fn = ts_node_child_by_field_id(call, lk.f_function);
	if (ts_node_is_null(fn) || ts_node_symbol(fn) != pyk.identifier)
		return NULL;
	size_t n;
	const char *s = py_text(fn, w->src, &n);
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (strlen(known[i].fn) == n && !memcmp(known[i].fn, s, n))
			return known[i].type;
	return NULL;
}

/* The type of a literal-ish expression, or NULL when it cannot be told. */
static const char *expr_type(const walk *w, TSNode n)
{
	n = unparen(n);
	TSSymbol s = ts_node_symbol(n);
	if (s == lk.true_ || s == lk.false_ || s == pyk.comparison_operator || s == pyk.not_operator)
		return "bool";
	if (s == lk.integer)
		return "int";
	if (s == lk.float_)
		return "float";
	if (s == lk.none)
		return "None";
	if (s == pyk.string || s == pyk.concatenated_string) {
		const char *t = w->src + ts_node_start_byte(n);
		for (int i = 0; i < 3 && isalpha((unsigned char)t[i]); i++)
			if (t[i] == 'b' || t[i] == 'B')
				return "bytes";
		return "str";
	}
	if (s == lk.list || s == lk.list_comprehension)
		return "list";
	if (s == lk.dictionary || s == lk.dictionary_comprehension)
		return "dict";
	if (s == lk.set || s == lk.set_comprehension)
		return "set";
	if (s == lk.tuple)
		return "tuple";
	if (s == lk.unary_operator) {
		const char *t = expr_type(w, ts_node_child_by_field_id(n, lk.f_argument));
		return t && (!strcmp(t, "int") || !strcmp(t, "float")) ? t : NULL;
	}
	if (s == pyk.call)
		return call_type(w, n);
	if (s == pyk.boolean_operator) {	/* a and b: one of them, so one type when both agree */
		const char *a = expr_type(w, ts_node_child_by_field_id(n, lk.f_left));
		const char *b = expr_type(w, ts_node_child_by_field_id(n, lk.f_right));
		return a && b && !strcmp(a, b) ? a : NULL;
	}
	return NULL;
}

static void note_return(walk *w, TSNode st)
{
	TSNode v = ts_node_named_child(st, 0);
	if (ts_node_is_null(v) || ts_node_symbol(v) == pyk.comment) {
		w->ret_none = 1;
		return;
	}
	w->ret_values++;
	const char *t = expr_type(w, v);
	if (!t)
		w->ret_unknown = 1;
	else if (!strcmp(t, "None"))
		w->ret_none = 1;
	else if (!w->ret_type)
		w->ret_type = t;
	else if (strcmp(w->ret_type, t))
		w->ret_unknown = 1;
}

/* --- the walk -------------------------------------------------------------------------- */

static void visit(walk *w, TSNode n, int depth);

/* The cursor for walking the children of a node at this depth: one per
 * depth, kept in the context, so that each child is reached in O(1)
 * (ts_node_named_child(n, i) starts from the first child every time). */
static TSTreeCursor *cursor_at(walk *w, TSNode n, int depth)
{
	lift_ctx *c = w->ctx;
	while (c->ncursors <= depth)
		c->cursors[c->ncursors++] = ts_tree_cursor_new(n);
	ts_tree_cursor_reset(&c->cursors[depth], n);
	return &c->cursors[depth];
}

/* for (each named child ch of n) — with the cursor of this depth */
#define FOR_NAMED_CHILD(w, n, depth, ch)                                                    \
	for (TSTreeCursor *cur_ = cursor_at((w), (n), (depth)); cur_; cur_ = NULL)         \
		for (int more_ = ts_tree_cursor_goto_first_child(cur_); more_;              \
		     more_ = ts_tree_cursor_goto_next_sibling(cur_))                         \
			for (TSNode ch = ts_tree_cursor_current_node(cur_); more_ != 2 && ts_node_is_named(ch); \
			     more_ = 2)

static int is_raise_only(TSNode block)
{
	uint32_t k = ts_node_named_child_count(block), stmts = 0, raises = 0;
	for (uint32_t i = 0; i < k; i++) {
		TSSymbol s = ts_node_symbol(ts_node_named_child(block, i));
		if (s == pyk.comment)
			continue;
		stmts++;
		raises += s == pyk.raise_statement;
	}
	return stmts == 1 && raises == 1;
}

/* The statements of a block. cond: the if/elif condition that guards this block. */
static void visit_block(walk *w, TSNode block, TSNode cond, int top, int depth)
{
	FOR_NAMED_CHILD(w, block, depth, st) {
		TSSymbol s = ts_node_symbol(st);
		if (s == pyk.comment)
			continue;
		if (top && ts_node_start_byte(st) < w->f->body_start)
			continue;	/* the docstring */
		if (top) {
			w->nstmts++;
			if (s != pyk.raise_statement && s != pyk.pass_statement &&
			    !(s == pyk.expression_statement && ts_node_named_child_count(st) == 1 &&
			      ts_node_symbol(ts_node_named_child(st, 0)) == lk.ellipsis))
				w->only_stubs = 0;
		}
		if (s == pyk.raise_statement) {
			note_raise(w, st, cond, 0);
			visit(w, st, depth + 1);
		} else if (s == pyk.if_statement) {
			TSNode c = ts_node_child_by_field_id(st, lk.f_condition);
			TSNode cons = ts_node_child_by_field_id(st, lk.f_consequence);
			int has_alt = !ts_node_is_null(ts_node_child_by_field_id(st, lk.f_alternative));
			int guard = top && w->leading && !has_alt && !ts_node_is_null(cons) && is_raise_only(cons);
			visit(w, c, depth + 1);
			if (guard) {
				uint32_t m = ts_node_named_child_count(cons);
				for (uint32_t j = 0; j < m; j++) {
					TSNode r = ts_node_named_child(cons, j);
					if (ts_node_symbol(r) == pyk.raise_statement) {
						note_raise(w, r, c, 1);
						visit(w, r, depth + 1);
					}
				}
			} else {
				if (top)
					w->leading = 0;
				if (!ts_node_is_null(cons))
					visit_block(w, cons, c, 0, depth + 1);
				uint32_t m = ts_node_named_child_count(st);
				for (uint32_t j = 0; j < m; j++) {
					TSNode alt = ts_node_named_child(st, j);
					TSSymbol as = ts_node_symbol(alt);
					if (as == pyk.elif_clause) {
						TSNode ec = ts_node_child_by_field_id(alt, lk.f_condition);
						visit(w, ec, depth + 1);
						TSNode eb = ts_node_child_by_field_id(alt, lk.f_consequence);
						if (!ts_node_is_null(eb))
							visit_block(w, eb, ec, 0, depth + 1);
					} else if (as == pyk.else_clause) {
						TSNode eb = ts_node_child_by_field_id(alt, lk.f_body);
						if (!ts_node_is_null(eb))
							visit_block(w, eb, (TSNode){ 0 }, 0, depth + 1);
					}
				}
			}
		} else if (s == pyk.assert_statement) {
			TSNode p = ts_node_named_child(st, 0), m = ts_node_named_child(st, 1);
			jv why = jv_null();
			if (!ts_node_is_null(m) && (ts_node_symbol(m) == pyk.string || ts_node_symbol(m) == pyk.concatenated_string)) {
				size_t n;
				char *v = py_string_value(m, w->src, &n);
				if (v && n < 400)
					why = jv_string_sized(v, (int)n);
				free(v);
			}
			if (jv_get_kind(why) == JV_KIND_NULL)
				why = jv_string("assert statement");
			add_assertion(w, node_text(w, p), why, top && w->leading ? "precondition" : "invariant",
				      file_line(w, st));
			visit(w, st, depth + 1);
		} else {
			if (top && s != pyk.pass_statement)
				w->leading = 0;
			visit(w, st, depth + 1);
		}
	}
}

static void visit(walk *w, TSNode n, int depth)
{
	if (ts_node_is_null(n) || depth > MAX_DEPTH)
		return;
	TSSymbol s = ts_node_symbol(n);
	if (s == pyk.function_definition || s == lk.class_definition || s == pyk.lambda || s == pyk.decorated_definition)
		return;
	if (s == pyk.block) {
		visit_block(w, n, (TSNode){ 0 }, 0, depth);
		return;
	}
	if (s == pyk.call)
		note_call(w, n);
	else if (s == pyk.assignment || s == pyk.augmented_assignment) {
		TSNode l = ts_node_child_by_field_id(n, lk.f_left);
		if (!ts_node_is_null(l))
			note_target(w, l, 0);
	} else if (s == pyk.delete_statement) {
		uint32_t k = ts_node_named_child_count(n);
		for (uint32_t i = 0; i < k; i++)
			note_target(w, ts_node_named_child(n, i), 1);
	} else if (s == pyk.global_statement || s == pyk.nonlocal_statement) {
		uint32_t k = ts_node_named_child_count(n);
		for (uint32_t i = 0; i < k && w->ndecl < 32; i++) {
			TSNode id = ts_node_named_child(n, i);
			if (ts_node_symbol(id) != pyk.identifier)
				continue;
			w->decl[w->ndecl].s = w->src + ts_node_start_byte(id);
			w->decl[w->ndecl].n = ts_node_end_byte(id) - ts_node_start_byte(id);
			w->decl_nonlocal[w->ndecl++] = s == pyk.nonlocal_statement;
		}
		return;
	} else if (s == pyk.return_statement)
		note_return(w, n);
	FOR_NAMED_CHILD(w, n, depth, ch)
		visit(w, ch, depth + 1);
}

/* --- assembling the IR ------------------------------------------------------------------ */

static jv span_str(lift_span s)
{
	return s.n ? jv_string_sized(s.s, (int)s.n) : jv_null();
}

static const char *kind_name(lift_pkind k)
{
	static const char *names[] = { "positional-only", "positional-or-keyword", "var-positional",
				       "keyword-only", "var-keyword" };
	return names[k];
}

static jv hole(const char *id, const char *type_hint, jv desc, const char *kind)
{
	jv h = jv_object();
	h = jv_object_set(h, jv_string("identifier"), jv_string(id));
	h = jv_object_set(h, jv_string("type_hint"), jv_string(type_hint));
	h = jv_object_set(h, jv_string("description"), desc);
	h = jv_object_set(h, jv_string("kind"), jv_string(kind));
	return h;
}

/* An annotation node's text with whitespace collapsed, as a jv string. */
static jv type_text(const walk *w, lift_span s)
{
	char buf[MAX_TEXT + 4];
	size_t k = 0;
	int sp = 0;
	for (size_t i = 0; i < s.n && k < MAX_TEXT; i++) {
		unsigned char c = (unsigned char)s.s[i];
		if (isspace(c) || c == '\\') {
			sp = 1;
			continue;
		}
		if (sp && k && buf[k - 1] != '[' && buf[k - 1] != '(' && c != ']' && c != ')')
			buf[k++] = ' ';
		sp = 0;
		buf[k++] = (char)c;
	}
	(void)w;
	return jv_string_sized(buf, (int)k);
}

/* "isinstance(x, T)" among the preconditions gives x the type T. */
static jv isinstance_type(const walk *w, const char *pname)
{
	int n = jv_array_length(jv_copy(w->assertions));
	size_t pl = strlen(pname);
	for (int i = 0; i < n; i++) {
		jv a = jv_array_get(jv_copy(w->assertions), i);
		jv k = jv_object_get(jv_copy(a), jv_string("kind"));
		jv p = jv_object_get(a, jv_string("predicate"));
		jv r = jv_null();
		if (!strcmp(jv_string_value(k), "precondition") && jv_get_kind(p) == JV_KIND_STRING) {
			const char *s = jv_string_value(p);
			if (!strncmp(s, "isinstance(", 11) && !strncmp(s + 11, pname, pl) && s[11 + pl] == ',' &&
			    s[strlen(s) - 1] == ')') {
				const char *t = s + 12 + pl;
				while (*t == ' ')
					t++;
				size_t tn = strlen(t) - 1;
				if (tn && t[0] == '(' && t[tn - 1] == ')') {	/* (int, float) -> int | float */
					jv u = jv_string("");
					int depth = 0;
					for (size_t j = 1; j + 1 < tn; j++) {
						if (t[j] == ',' && depth == 0) {
							u = jv_string_append_str(u, " |");
							continue;
						}
						depth += t[j] == '[' || t[j] == '(' ? 1 : t[j] == ']' || t[j] == ')' ? -1 : 0;
						u = jv_string_append_buf(u, t + j, 1);
					}
					r = u;
				} else if (tn)
					r = jv_string_sized(t, (int)tn);
			}
		}
		jv_free(k);
		jv_free(p);
		if (jv_get_kind(r) == JV_KIND_STRING)
			return r;
	}
	return jv_null();
}

static const char *rec_string(jv rec, const char *key, jv *hold)
{
	*hold = jv_object_get(jv_copy(rec), jv_string(key));
	return jv_get_kind(*hold) == JV_KIND_STRING ? jv_string_value(*hold) : NULL;
}

/* The class a method belongs to: rec.class.name, else the qualname's prefix. */
static jv class_name(jv rec)
{
	jv c = jv_object_get(jv_copy(rec), jv_string("class"));
	if (jv_get_kind(c) == JV_KIND_OBJECT) {
		jv n = jv_object_get(c, jv_string("name"));
		if (jv_get_kind(n) == JV_KIND_STRING)
			return n;
		jv_free(n);
	} else
		jv_free(c);
	jv hold;
	const char *q = rec_string(rec, "qualname", &hold);
	jv r = jv_null();
	if (q) {
		const char *dot = strrchr(q, '.');
		if (dot && !strstr(q, "<locals>")) {
			const char *start = dot;
			while (start > q && start[-1] != '.')
				start--;
			r = jv_string_sized(start, (int)(dot - start));
		}
	}
	jv_free(hold);
	return r;
}

static jv evidence_item(jv source, int line)
{
	jv e = jv_object_set(jv_object(), jv_string("source"), source);
	return jv_object_set(e, jv_string("line"), jv_number(line));
}

static double round3(double x) { return floor(x * 1000 + 0.5) / 1000; }

/* What the steps of lift_ir tell one another (and the quality score counts). */
typedef struct {
	int def_line, doc_line, has_doc;
	int typed, described;		/* parameters with a type, a description */
	const char *rsrc;		/* where the return type came from; NULL: a hole */
	int nexamples, nassert;
	jv holes;
} ir_state;

/* signature.parameters: each one's type from its annotation, the docstring,
 * the class (self, cls), its default or an isinstance check; else a hole. */
static jv ir_params(walk *w, const lift_fn *f, jv rec, ir_state *st)
{
	const ds_doc *d = &f->ds;
	jv cls = jv_null();
	jv params = jv_array();
	for (int i = 0; i < f->nparams; i++) {
		const lift_param *p = &f->params[i];
		char pname[256];
		snprintf(pname, sizeof pname, "%.*s", (int)(p->name.n < 200 ? p->name.n : 200), p->name.s);
		const ds_entry *de = ds_param(d, pname);
		jv type = jv_null();
		const char *src = NULL;
		if (p->annotation.n)
			type = type_text(w, p->annotation), src = "annotation";
		else if (de && de->type)
			type = jv_string(de->type), src = "docstring";
		else if (i == 0 && (!strcmp(pname, "self") || !strcmp(pname, "cls"))) {
			if (jv_get_kind(cls) == JV_KIND_NULL)
				cls = class_name(rec);
			if (jv_get_kind(cls) == JV_KIND_STRING) {
				type = !strcmp(pname, "self") ? jv_copy(cls) : jv_string_fmt("type[%s]", jv_string_value(cls));
				src = "class";
			}
		}
		if (jv_get_kind(type) == JV_KIND_NULL && p->dflt.n) {
			const char *t = expr_type(w, p->dflt_node);
			if (t && strcmp(t, "None"))
				type = jv_string(t), src = "default";
		}
		if (jv_get_kind(type) == JV_KIND_NULL) {
			type = isinstance_type(w, pname);
			if (jv_get_kind(type) == JV_KIND_STRING)
				src = "isinstance";
		}
		if (src)
			st->typed++;
		else {
			char id[300];
			snprintf(id, sizeof id, "%s_type", pname);
			st->holes = jv_array_append(st->holes, hole(id, "type", jv_string_fmt("type of '%s' unknown", pname), "signature"));
		}
		jv desc = de && de->desc ? jv_string(de->desc) : jv_null();
		st->described += de && de->desc;
		jv dflt = p->dflt.n ? type_text(w, p->dflt) : (de && de->dflt ? jv_string(de->dflt) : jv_null());
		jv o = jv_object();
		o = jv_object_set(o, jv_string("name"), jv_string(pname));
		o = jv_object_set(o, jv_string("type_hint"), type);
		o = jv_object_set(o, jv_string("description"), desc);
		o = jv_object_set(o, jv_string("kind"), jv_string(kind_name(p->kind)));
		o = jv_object_set(o, jv_string("default"), dflt);
		o = jv_object_set(o, jv_string("type_source"), src ? jv_string(src) : jv_null());
		params = jv_array_append(params, o);
	}
	jv_free(cls);
	return params;
}

/* signature.returns: from the annotation, the docstring, or what the body
 * returns; else a hole. */
static jv ir_returns(const walk *w, const lift_fn *f, ir_state *st)
{
	const ds_doc *d = &f->ds;
	jv ret = jv_null();
	const char *rsrc = NULL;
	if (f->returns.n)
		ret = type_text(w, f->returns), rsrc = "annotation";
	else if (f->is_generator) {
		const char *it = f->is_async ? "AsyncIterator" : "Iterator";
		if (d->has_yields && d->yields.type)
			ret = jv_string_fmt("%s[%s]", it, d->yields.type), rsrc = "docstring";
		else if (d->has_returns && d->returns.type)
			ret = jv_string(d->returns.type), rsrc = "docstring";
	} else if (d->has_returns && d->returns.type)
		ret = jv_string(d->returns.type), rsrc = "docstring";
	else if (!w->ret_values && w->nstmts && !w->only_stubs)	/* a stub tells nothing */
		ret = jv_string("None"), rsrc = "body";
	else if (w->ret_values && !w->ret_unknown && w->ret_type)
		ret = w->ret_none ? jv_string_fmt("Optional[%s]", w->ret_type) : jv_string(w->ret_type), rsrc = "body";
	if (!rsrc)
		st->holes = jv_array_append(st->holes, hole("return_type", "type",
							    jv_string(f->is_generator ? "type of the values yielded unknown"
										      : "return type unknown"),
							    "signature"));
	st->rsrc = rsrc;
	return ret;
}

static jv ir_signature(walk *w, const lift_fn *f, jv rec, jv name, ir_state *st)
{
	jv params = ir_params(w, f, rec, st);
	jv ret = ir_returns(w, f, st);
	jv sg = jv_object();
	sg = jv_object_set(sg, jv_string("name"), jv_copy(name));
	sg = jv_object_set(sg, jv_string("parameters"), params);
	sg = jv_object_set(sg, jv_string("returns"), ret);
	sg = jv_object_set(sg, jv_string("returns_source"), st->rsrc ? jv_string(st->rsrc) : jv_null());
	sg = jv_object_set(sg, jv_string("async"), jv_bool(f->is_async));
	sg = jv_object_set(sg, jv_string("generator"), jv_bool(f->is_generator));
	sg = jv_object_set(sg, jv_string("line"), jv_number(st->def_line));
	return sg;
}

/* Assertions from the docstring, after the body's: raises, returns and the
 * doctest examples (one-line source, checked output). */
static void ir_doc_assertions(walk *w, const lift_fn *f, ir_state *st)
{
	const ds_doc *d = &f->ds;
	int doc_line = st->doc_line;
	for (int i = 0; i < d->nraises; i++) {
		jv why = d->raises[i].desc ? jv_string(d->raises[i].desc) : jv_string("documented in the docstring");
		add_assertion(w, jv_string_fmt("raises %s", d->raises[i].name), why, "raises",
			      doc_line ? doc_line + d->raises[i].line - 1 : 0);
	}
	const ds_entry *rv = f->is_generator && d->has_yields ? &d->yields : d->has_returns ? &d->returns : NULL;
	if (rv && rv->desc)
		add_assertion(w, jv_string_fmt("%s %s", rv == &d->yields ? "yields" : "returns", rv->desc),
			      jv_string(rv == &d->yields ? "docstring Yields section" : "docstring Returns section"),
			      "postcondition", doc_line ? doc_line + rv->line - 1 : 0);
	int nexamples = 0;
	for (int i = 0; i < d->nexamples; i++) {
		const ds_example *x = &d->examples[i];
		if (!*x->want || strchr(x->source, '\n') || strstr(x->source, "+SKIP"))
			continue;	/* SKIP: not checked, often not reproducible */
		int line = doc_line ? doc_line + x->line - 1 : 0;
		if (!strncmp(x->want, "Traceback (most recent call last)", 33)) {
			const char *last = strrchr(x->want, '\n');
			last = last ? last + 1 : x->want;
			size_t en = strcspn(last, ":");
			while (en && last[en - 1] == ' ')
				en--;
			if (!en)
				continue;
			add_assertion(w, jv_string_fmt("%s raises %.*s", x->source, (int)en, last),
				      jv_string("doctest"), "example", line);
		} else if (!strchr(x->want, '\n'))
			add_assertion(w, jv_string_fmt("%s == %s", x->source, x->want), jv_string("doctest"), "example", line);
		else
			continue;
		nexamples++;
	}
	st->nexamples = nexamples;
	st->nassert = w->nassertions - nexamples;
}

/* intent: the docstring's first sentence and the rest, or, without one, a
 * summary made from the name (and a hole). */
static jv ir_intent(const lift_fn *f, jv rec, const char *sig, ir_state *st)
{
	const ds_doc *d = &f->ds;
	jv intent = jv_object();
	jv fkind_hold;
	const char *fkind = rec_string(rec, "kind", &fkind_hold);
	if (!fkind || !strcmp(fkind, "async"))
		fkind = f->nparams && span_eq(f->params[0].name, "self", 4) ? "method" : "function";
	if (st->has_doc) {
		const char *rest;
		char *first = ds_first_sentence(d->summary, &rest);
		size_t chars = 0;	/* the schema counts characters, not bytes */
		for (const char *p = first; *p; p++)
			chars += ((unsigned char)*p & 0xC0) != 0x80;
		jv summary = chars >= 10 ? jv_string(first) : jv_string_fmt("%s (%s `%s`)", first, fkind, sig);
		jv rationale = jv_string(rest);
		if (d->description && *d->description) {
			if (*rest)
				rationale = jv_string_append_str(rationale, "\n\n");
			rationale = jv_string_append_str(rationale, d->description);
		}
		if (!jv_string_length_bytes(jv_copy(rationale))) {
			jv_free(rationale);
			rationale = jv_null();
		}
		intent = jv_object_set(intent, jv_string("summary"), summary);
		intent = jv_object_set(intent, jv_string("rationale"), rationale);
		intent = jv_object_set(intent, jv_string("derived"), jv_false());
		intent = jv_object_set(intent, jv_string("line"), st->doc_line ? jv_number(st->doc_line) : jv_null());
		free(first);
	} else {
		char *words = lift_name_words(f->name.s, f->name.n);
		if (*words)
			words[0] = (char)toupper((unsigned char)words[0]);
		intent = jv_object_set(intent, jv_string("summary"),
				       jv_string_fmt("%s (%s `%s`)", *words ? words : "Unnamed", fkind, sig));
		intent = jv_object_set(intent, jv_string("rationale"), jv_null());
		intent = jv_object_set(intent, jv_string("derived"), jv_true());
		intent = jv_object_set(intent, jv_string("line"), jv_number(st->def_line));
		st->holes = jv_array_append(st->holes, hole("intent_summary", "str",
							    jv_string("no docstring; summary derived from the name"),
							    "intent"));
		free(words);
	}
	jv_free(fkind_hold);
	return intent;
}

/* metadata and evidence: what each part of the IR was read from */
static jv ir_metadata(const lift_fn *f, jv rec, jv name, const ir_state *st)
{
	const ds_doc *d = &f->ds;
	int def_line = st->def_line, doc_line = st->doc_line;
	jv evidence = jv_array();
	if (f->doc && *f->doc)
		evidence = jv_array_append(evidence, evidence_item(jv_string_fmt("docstring:%s", ds_style_name(d->style)),
								   doc_line ? doc_line : def_line));
	int nann = 0;
	for (int i = 0; i < f->nparams; i++)
		nann += f->params[i].annotation.n > 0;
	if (nann || f->returns.n)
		evidence = jv_array_append(evidence, evidence_item(jv_string("annotations"), def_line));
	if (st->nexamples)
		evidence = jv_array_append(evidence, evidence_item(jv_string("doctests"), doc_line ? doc_line : def_line));
	evidence = jv_array_append(evidence, evidence_item(jv_string("body"), def_line));
	jv md = jv_object();
	jv hold;
	const char *path = rec_string(rec, "path", &hold);
	md = jv_object_set(md, jv_string("source_path"), path ? jv_string(path) : jv_null());
	jv_free(hold);
	md = jv_object_set(md, jv_string("language"), jv_string("python"));
	md = jv_object_set(md, jv_string("origin"), jv_string("reverse"));
	md = jv_object_set(md, jv_string("evidence"), evidence);
	const char *qn = rec_string(rec, "qualname", &hold);
	md = jv_object_set(md, jv_string("qualname"), qn ? jv_string(qn) : jv_copy(name));
	jv_free(hold);
	md = jv_object_set(md, jv_string("line"), jv_number(def_line));
	md = jv_object_set(md, jv_string("docstring_style"), f->doc ? jv_string(ds_style_name(d->style)) : jv_null());
	return md;
}

/* quality (rubric in docs/IR.md) */
static jv ir_quality(const lift_fn *f, const ir_state *st)
{
	const ds_doc *d = &f->ds;
	int nholes = jv_array_length(jv_copy(st->holes));
	double q_intent = st->has_doc ? 0.25 + (d->description && *d->description ? 0.05 : 0) : 0;
	double q_types = 0.20 * (f->nparams ? (double)st->typed / f->nparams : 1.0) + (st->rsrc ? 0.05 : 0);
	double q_desc = 0.15 * (f->nparams ? (double)st->described / f->nparams : st->has_doc ? 1.0 : 0.0);
	double q_behav = (st->nassert > 0 ? 0.10 : 0) + (st->nexamples > 0 ? 0.10 : 0);
	double q_holes = 0.10 * (nholes >= 5 ? 0 : 1.0 - nholes / 5.0);
	jv q = jv_object();
	q = jv_object_set(q, jv_string("score"), jv_number(round3(q_intent + q_types + q_desc + q_behav + q_holes)));
	jv comp = jv_object();
	comp = jv_object_set(comp, jv_string("intent"), jv_number(round3(q_intent)));
	comp = jv_object_set(comp, jv_string("types"), jv_number(round3(q_types)));
	comp = jv_object_set(comp, jv_string("descriptions"), jv_number(round3(q_desc)));
	comp = jv_object_set(comp, jv_string("behaviour"), jv_number(round3(q_behav)));
	comp = jv_object_set(comp, jv_string("holes"), jv_number(round3(q_holes)));
	return jv_object_set(q, jv_string("components"), comp);
}

/* The IR in steps: walk the body (effects, the body's assertions), then
 * signature, the docstring's assertions, intent, metadata and quality. */
jv lift_ir(lift_ctx *c, const lift_fn *f, jv rec, int profile)
{
	walk w = { 0 };
	w.ctx = c;
	w.f = f;
	w.src = f->src;
	w.assertions = jv_array();
	w.leading = 1;
	w.only_stubs = 1;
	w.globals = jv_object_get(jv_copy(rec), jv_string("globals"));
	visit_block(&w, f->body, (TSNode){ 0 }, 1, 0);
	jv effects = effects_jv(&w);
	jv_free(w.globals);

	ir_state st = { 0 };
	st.def_line = f->line_base + 1;
	st.doc_line = f->doc_line ? f->doc_line + f->line_base : 0;
	st.has_doc = f->ds.summary && *f->ds.summary;
	st.holes = jv_array();
	jv name = span_str(f->name);
	char *sig = lift_signature(f);

	jv sg = ir_signature(&w, f, rec, name, &st);
	ir_doc_assertions(&w, f, &st);
	jv intent = ir_intent(f, rec, sig, &st);
	jv md = ir_metadata(f, rec, name, &st);
	jv q = ir_quality(f, &st);

	jv ir = jv_object();
	ir = jv_object_set(ir, jv_string("intent"), intent);
	ir = jv_object_set(ir, jv_string("signature"), sg);
	ir = jv_object_set(ir, jv_string("effects"), effects);
	ir = jv_object_set(ir, jv_string("assertions"), w.assertions);
	ir = jv_object_set(ir, jv_string("metadata"), md);
	ir = jv_object_set(ir, jv_string("holes"), st.holes);
	ir = jv_object_set(ir, jv_string("quality"), q);
	jv_free(name);
	free(sig);
	return profile == LIFT_PROFILE_LIFTSYS ? lift_core(ir) : ir;
}

double lift_score(jv ir)
{
	jv q = jv_object_get(jv_object_get(jv_copy(ir), jv_string("quality")), jv_string("score"));
	double s = jv_get_kind(q) == JV_KIND_NUMBER ? jv_number_value(q) : -1;
	jv_free(q);
	return s;
}

/* --- the lift-sys core profile -------------------------------------------------------------- */

/* lift-sys names match ^[a-z_][a-z0-9_]*$: other names are mapped onto that. */
static jv core_name(jv name, jv *evidence)
{
	const char *s = jv_string_value(name);
	size_t n = strlen(s);
	char *o = malloc(n + 2);
	size_t k = 0;
	if (n && isdigit((unsigned char)s[0]))
		o[k++] = '_';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		o[k++] = (char)(isupper(c) ? tolower(c) : (islower(c) || isdigit(c) || c == '_') ? c : '_');
	}
	if (!k)
		o[k++] = '_';
	o[k] = 0;
	if (strcmp(o, s)) {
		jv e = jv_object();
		e = jv_object_set(e, jv_string("source"), jv_string_fmt("name '%s' written as '%s' (lift-sys name pattern)", s, o));
		*evidence = jv_array_append(*evidence, e);
	}
	jv r = jv_string(o);
	free(o);
	jv_free(name);
	return r;
}

static jv holes_of_kind(jv holes, const char *kind)
{
	jv r = jv_array();
	int n = jv_array_length(jv_copy(holes));
	for (int i = 0; i < n; i++) {
		jv h = jv_array_get(jv_copy(holes), i);
		jv k = jv_object_get(jv_copy(h), jv_string("kind"));
		const char *ks = jv_string_value(k);
		int sig = !strcmp(ks, "signature");
		if (!strcmp(kind, "signature") ? sig : !sig)
			r = jv_array_append(r, h);
		else
			jv_free(h);
		jv_free(k);
	}
	jv_free(holes);
	return r;
}

static jv pick(jv obj, const char *const *keys)
{
	jv r = jv_object();
	for (; *keys; keys++)
		r = jv_object_set(r, jv_string(*keys), jv_object_get(jv_copy(obj), jv_string(*keys)));
	jv_free(obj);
	return r;
}

jv lift_core(jv ir)
{
	static const char *const intent_k[] = { "summary", "rationale", NULL };
	static const char *const eff_k[] = { "description", NULL };
	static const char *const as_k[] = { "predicate", "rationale", NULL };
	static const char *const md_k[] = { "source_path", "language", "origin", "evidence", NULL };
	jv holes = jv_object_get(jv_copy(ir), jv_string("holes"));
	jv md = pick(jv_object_get(jv_copy(ir), jv_string("metadata")), md_k);
	jv evidence = jv_object_get(jv_copy(md), jv_string("evidence"));

	jv intent = pick(jv_object_get(jv_copy(ir), jv_string("intent")), intent_k);
	intent = jv_object_set(intent, jv_string("holes"), holes_of_kind(jv_copy(holes), "intent"));

	jv sg = jv_object_get(jv_copy(ir), jv_string("signature"));
	jv core_sg = jv_object();
	core_sg = jv_object_set(core_sg, jv_string("name"), core_name(jv_object_get(jv_copy(sg), jv_string("name")), &evidence));
	jv ps = jv_array(), in = jv_object_get(jv_copy(sg), jv_string("parameters"));
	int n = jv_array_length(jv_copy(in));
	for (int i = 0; i < n; i++) {
		jv p = jv_array_get(jv_copy(in), i);
		jv t = jv_object_get(jv_copy(p), jv_string("type_hint"));
		if (jv_get_kind(t) != JV_KIND_STRING) {
			jv_free(t);
			t = jv_string("Any");
		}
		jv o = jv_object();
		o = jv_object_set(o, jv_string("name"), core_name(jv_object_get(jv_copy(p), jv_string("name")), &evidence));
		o = jv_object_set(o, jv_string("type_hint"), t);
		o = jv_object_set(o, jv_string("description"), jv_object_get(p, jv_string("description")));
		ps = jv_array_append(ps, o);
	}
	jv_free(in);
	core_sg = jv_object_set(core_sg, jv_string("parameters"), ps);
	core_sg = jv_object_set(core_sg, jv_string("returns"), jv_object_get(sg, jv_string("returns")));
	core_sg = jv_object_set(core_sg, jv_string("holes"), holes_of_kind(holes, "signature"));

	jv fx = jv_array(), as = jv_array();
	in = jv_object_get(jv_copy(ir), jv_string("effects"));
	n = jv_array_length(jv_copy(in));
	for (int i = 0; i < n; i++)
		fx = jv_array_append(fx, pick(jv_array_get(jv_copy(in), i), eff_k));
	jv_free(in);
	in = jv_object_get(jv_copy(ir), jv_string("assertions"));
	n = jv_array_length(jv_copy(in));
	for (int i = 0; i < n; i++)
		as = jv_array_append(as, pick(jv_array_get(jv_copy(in), i), as_k));
	jv_free(in);
	md = jv_object_set(md, jv_string("evidence"), evidence);
	jv_free(ir);
	jv r = jv_object();
	r = jv_object_set(r, jv_string("intent"), intent);
	r = jv_object_set(r, jv_string("signature"), core_sg);
	r = jv_object_set(r, jv_string("effects"), fx);
	r = jv_object_set(r, jv_string("assertions"), as);
	r = jv_object_set(r, jv_string("metadata"), md);
	return r;
}

void *lift_worker_init(struct ls_tool *t, void *ctx, int worker)
{
	(void)t, (void)ctx, (void)worker;
	char err[256];
	lift_ctx *c = lift_ctx_new(err, sizeof err);
	if (!c)
		ls_die(EX_SOFTWARE_, "%s", err);
	return c;
}

void lift_worker_free(void *w)
{
	lift_ctx_free(w);
}
