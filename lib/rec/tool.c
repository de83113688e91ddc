/* tool.c — options, the record loop and the record contract; see tool.h. */
#include "rec/tool.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/hash.h"
#include "rec/fileid.h"
#include "rec/progress.h"

#ifndef LS_VERSION
#define LS_VERSION "0"
#endif
#ifndef LS_DATADIR
#define LS_DATADIR "/usr/local/share/lift-sys"
#endif

struct ls_run_state {
	FILE *rejects;
	progress *bar;
	ls_cache *cache;
	rec_reader *reader;
	rec_reader *extra[4];	/* more input streams (ls_open_input) */
	int nextra;
	size_t in, out, rejected, errors, other_shard;
	int failed_hard;	/* --on-error=fail fired */
	int tty_out;		/* stdout is a terminal */
	int io_error;
	double t0;
};

/* ---- options ------------------------------------------------------------ */

static struct {
	int help, version, progress, no_progress, quiet;
	int jobs;
	long seed, limit;
	const char *shard, *on_error, *rejects, *cache;
} common;

static const ls_opt common_opts[] = {
	{ "jobs", 'j', "N", LS_INT, &common.jobs, "worker threads (default 1); output order is kept" },
	{ "seed", 0, "N", LS_LONG, &common.seed, "seed for every random choice (default 0)" },
	{ "limit", 0, "N", LS_LONG, &common.limit, "stop after N output records" },
	{ "shard", 0, "K/N", LS_STR, &common.shard, "process only records whose id hashes to shard K of N (0 <= K < N)" },
	{ "on-error", 0, "pass|skip|fail", LS_ENUM, &common.on_error, "pass (default: emit with an error field), skip (to --rejects) or fail" },
	{ "rejects", 0, "FILE", LS_OUT, &common.rejects, "write rejected and failed records to FILE" },
	{ "cache", 0, "DIR", LS_STR, &common.cache, "reuse results from a content-addressed cache in DIR" },
	{ "progress", 0, NULL, LS_FLAG, &common.progress, "show a progress bar on stderr (default when stderr is a tty)" },
	{ "no-progress", 0, NULL, LS_FLAG, &common.no_progress, "never show a progress bar" },
	{ "quiet", 'q', NULL, LS_FLAG, &common.quiet, "no progress bar and no summary line" },
	{ "help", 'h', NULL, LS_FLAG, &common.help, "show this help and exit" },
	{ "version", 0, NULL, LS_FLAG, &common.version, "show the version and exit" },
	{ 0 }
};

/* Whether a tool takes an option: --cache only when cacheable; a tool of
 * subcommands (.no_stream) none of the record stream's flags. */
static int offered(const ls_tool *t, const ls_opt *o)
{
	const void *p = o->ptr;
	if (p == &common.cache)
		return t->cacheable && !t->no_stream;
	return !t->no_stream ||
	       (p != &common.jobs && p != &common.limit && p != &common.shard && p != &common.on_error &&
		p != &common.rejects && p != &common.progress && p != &common.no_progress);
}

static void print_opts(FILE *f, const ls_opt *opts, const ls_tool *t)
{
	for (const ls_opt *o = opts; o->name; o++) {
		if (!offered(t, o))
			continue;
		char left[80], sh[8] = "    ";
		if (o->shortname)
			snprintf(sh, sizeof sh, "-%c, ", o->shortname);
		int n = snprintf(left, sizeof left, "  %s--%s%s%s", sh, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "%s%*s%s\n", left, n < 30 ? 30 - n : 1, "", o->help);
	}
}

void ls_usage(const ls_tool *t, FILE *f)
{
	fprintf(f, "usage: %s %s\n", t->name, t->synopsis);
	if (t->about)
		fprintf(f, "%s\n", t->about);
	if (t->opts && t->opts->name) {
		fprintf(f, "\noptions:\n");
		print_opts(f, t->opts, t);
	}
	fprintf(f, "\ncommon options:\n");
	print_opts(f, common_opts, t);
	if (t->examples)
		fprintf(f, "\n%s", t->examples);
	fprintf(f, "\nSee %s(1).\n", t->name);
}

static void __attribute__((noreturn)) usage_error(const ls_tool *t, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", t->name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: %s %s\n(%s --help for more)\n", t->name, t->synopsis, t->name);
	exit(EX_USAGE_);
}

/* A message formatted into a new string; NULL when out of memory. */
static char *vformat(const char *fmt, va_list ap)
{
	char *msg;
	return vasprintf(&msg, fmt, ap) < 0 ? NULL : msg;
}

void ls_usage_error(const ls_tool *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	usage_error(t, "%s", msg ? msg : fmt);
}

static const ls_opt *find_long(const ls_opt *opts, const char *name, size_t n)
{
	for (const ls_opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == n && !strncmp(o->name, name, n))
			return o;
	return NULL;
}

static const ls_opt *find_short(const ls_opt *opts, char c)
{
	for (const ls_opt *o = opts; o && o->name; o++)
		if (o->shortname == c)
			return o;
	return NULL;
}

/* "a, b or c" from the arg "a|b|c". */
static void list_choices(char *b, size_t n, const char *arg)
{
	size_t k = 0;
	b[0] = 0;
	for (const char *p = arg; *p && k < n;) {
		size_t l = strcspn(p, "|");
		k += (size_t)snprintf(b + k, n - k, "%s%.*s", p == arg ? "" : p[l] ? ", " : " or ", (int)l, p);
		p += l + (p[l] == '|');
	}
}

static int is_choice(const char *arg, const char *v, size_t n)
{
	for (const char *p = arg; *p;) {
		size_t l = strcspn(p, "|");
		if (l == n && !strncmp(p, v, n))
			return 1;
		p += l + (p[l] == '|');
	}
	return 0;
}

/* A usage error naming the option: "ls-x: --limit: not a whole number: '-1'". */
static void opt_error(const ls_tool *t, const ls_opt *o, const char *what, const char *val)
{
	char fmt[512];
	snprintf(fmt, sizeof fmt, "--%s: %s: '%%s'", o->name, what);
	usage_error(t, fmt, val);
}

static void set_opt(const ls_tool *t, const ls_opt *o, const char *val)
{
	char *end, valid[512];
	switch (o->type) {
	case LS_FLAG:
		*(int *)o->ptr = 1;
		break;
	case LS_INT:
	case LS_COUNT:
	case LS_LONG: {
		errno = 0;
		long long v = strtoll(val, &end, 10);
		if (errno || end == val || *end)
			opt_error(t, o, "not a whole number", val);
		if ((o->type == LS_COUNT || o->ptr == &common.limit) && v < 0)
			opt_error(t, o, "must not be negative", val);
		if (o->type == LS_LONG || o->ptr == &common.seed)
			*(long *)o->ptr = (long)v;
		else {
			if (v < INT_MIN || v > INT_MAX)
				opt_error(t, o, "number out of range", val);
			*(int *)o->ptr = (int)v;
		}
		break;
	}
	case LS_DOUBLE:
		errno = 0;
		*(double *)o->ptr = strtod(val, &end);
		if (errno || end == val || *end)
			opt_error(t, o, "not a number", val);
		if (!isfinite(*(double *)o->ptr))
			opt_error(t, o, "not a finite number", val);
		break;
	case LS_ENUM:
		if (!is_choice(o->arg, val, strlen(val))) {
			list_choices(valid, sizeof valid, o->arg);
			char what[600];
			snprintf(what, sizeof what, "want %s, not", valid);
			opt_error(t, o, what, val);
		}
		/* fall through */
	case LS_STR:
	case LS_OUT:
	case LS_IN:
		*(const char **)o->ptr = val;
		break;
	case LS_LIST:
	case LS_ENUMLIST: {
		for (const char *p = val; o->type == LS_ENUMLIST && *p;) {
			size_t n = strcspn(p, ",");
			if (!is_choice(o->arg, p, n)) {
				list_choices(valid, sizeof valid, o->arg);
				char what[600];
				snprintf(what, sizeof what, "want a comma-separated list of %s, not", valid);
				opt_error(t, o, what, val);
			}
			p += n + (p[n] == ',');
		}
		ls_strlist *l = o->ptr;
		l->v = realloc(l->v, sizeof *l->v * (size_t)(l->n + 1));
		l->v[l->n++] = val;
		break;
	}
	}
}

/* The tool's own option values as one string: part of every cache key. */
static char *options_key(const ls_tool *t)
{
	size_t cap = 256, n = 0;
	char *s = malloc(cap);
	s[0] = 0;
	for (const ls_opt *o = t->opts; o && o->name; o++) {
		char val[64];
		const char *v = val;
		switch (o->type) {
		case LS_FLAG:
		case LS_INT:
		case LS_COUNT: snprintf(val, sizeof val, "%d", *(int *)o->ptr); break;
		case LS_LONG: snprintf(val, sizeof val, "%ld", *(long *)o->ptr); break;
		case LS_DOUBLE: snprintf(val, sizeof val, "%.17g", *(double *)o->ptr); break;
		case LS_STR:
		case LS_ENUM:
		case LS_OUT:
		case LS_IN: v = *(const char **)o->ptr ? *(const char **)o->ptr : "(null)"; break;
		case LS_LIST:
		case LS_ENUMLIST: {
			ls_strlist *l = o->ptr;
			snprintf(val, sizeof val, "[%d]", l->n);
			/* list members are appended below */
			break;
		}
		}
		size_t need = strlen(o->name) + strlen(v) + 4;
		if (o->type == LS_LIST || o->type == LS_ENUMLIST)
			for (int i = 0; i < ((ls_strlist *)o->ptr)->n; i++)
				need += strlen(((ls_strlist *)o->ptr)->v[i]) + 1;
		while (n + need >= cap)
			s = realloc(s, cap *= 2);
		n += (size_t)sprintf(s + n, "%s=%s;", o->name, v);
		if (o->type == LS_LIST || o->type == LS_ENUMLIST)
			for (int i = 0; i < ((ls_strlist *)o->ptr)->n; i++)
				n += (size_t)sprintf(s + n, "%s,", ((ls_strlist *)o->ptr)->v[i]);
	}
	char seed[32];
	snprintf(seed, sizeof seed, "seed=%lu;", (unsigned long)common.seed);
	s = realloc(s, n + strlen(seed) + 1);
	strcpy(s + n, seed);
	return s;
}

/* Outputs are checked before any work: each writable, none an input,
 * standard output or another output (a truncated input is lost data). */
typedef struct { const char *what, *path; fileid id; } named_file;

static int collect(const ls_opt *opts, ls_opt_type type, named_file *v, int n, int max)
{
	for (const ls_opt *o = opts; o && o->name && n < max; o++)
		if (o->type == type && *(const char **)o->ptr) {
			v[n].what = o->name;
			v[n].path = *(const char **)o->ptr;
			fileid_of_path(v[n].path, &v[n].id);
			n++;
		}
	return n;
}

static void check_files(const ls_tool *t, char **operands, int nops)
{
	enum { MAX = 64 };
	named_file out[MAX], in[MAX];
	int nout = collect(common_opts, LS_OUT, out, 0, MAX);
	nout = collect(t->opts, LS_OUT, out, nout, MAX);
	int nin = collect(t->opts, LS_IN, in, 0, MAX), stdin_read = nops == 0;
	for (int i = 0; i < nops && nin < MAX; i++) {
		if (!strcmp(operands[i], "-")) {
			stdin_read = 1;
			continue;
		}
		in[nin] = (named_file){ "input", operands[i], { 0 } };
		fileid_of_path(operands[i], &in[nin++].id);
	}
	if (stdin_read && nin < MAX) {
		in[nin] = (named_file){ "input", "<stdin>", { 0 } };
		fileid_of_fd(0, &in[nin++].id);
	}
	for (const ls_opt *o = t->opts; o && o->name; o++) {
		const char *p = o->type == LS_IN ? *(const char **)o->ptr : NULL;
		struct stat st;
		if (p && (access(p, R_OK) < 0 || (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && (errno = EISDIR)))) {
			ls_warn("--%s: cannot read '%s': %s", o->name, p, strerror(errno));
			exit(EX_NOINPUT_);
		}
	}
	fileid so;
	fileid_of_fd(1, &so);
	char msg[640];
	for (int i = 0; i < nout; i++) {
		if (fileid_writable(out[i].path) < 0) {
			ls_warn("--%s: cannot open '%s' for writing: %s", out[i].what, out[i].path, strerror(errno));
			exit(EX_IOERR_);
		}
		for (int j = 0; j < nin; j++)
			if (fileid_same(&out[i].id, &in[j].id)) {
				snprintf(msg, sizeof msg, "--%s would overwrite %s%s: '%%s'", out[i].what,
					 in[j].what[0] == 'i' ? "an " : "--", in[j].what);
				usage_error(t, msg, out[i].path);
			}
		for (int j = 0; j < i; j++)
			if (fileid_same(&out[i].id, &out[j].id)) {
				snprintf(msg, sizeof msg, "--%s and --%s name the same file: '%%s'", out[j].what, out[i].what);
				usage_error(t, msg, out[i].path);
			}
		if (fileid_same(&out[i].id, &so)) {
			snprintf(msg, sizeof msg, "--%s is also standard output: '%%s'", out[i].what);
			usage_error(t, msg, out[i].path);
		}
	}
	for (int j = 0; j < nin; j++)
		if (fileid_same(&so, &in[j].id))
			usage_error(t, "standard output is also an input: '%s'", in[j].path);
}

void ls_parse(ls_tool *t, int argc, char **argv)
{
	ls_progname = t->name;
	memset(&common, 0, sizeof common);
	common.jobs = 1;
	common.limit = -1;
	char **operands = malloc(sizeof *operands * (size_t)(argc + 1));
	int nops = 0, only_operands = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (only_operands || a[0] != '-' || !strcmp(a, "-")) {
			operands[nops++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_operands = 1;
			continue;
		}
		const ls_opt *o;
		const char *val = NULL;
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			o = find_long(t->opts, name, n);
			if (!o)
				o = find_long(common_opts, name, n);
			if (!o || !offered(t, o))
				usage_error(t, "unknown option '%s'", a);
			if (eq) {
				if (!o->arg)
					usage_error(t, "option '%s' takes no value", a);
				val = eq + 1;
			}
		} else {
			o = find_short(t->opts, a[1]);
			if (!o)
				o = find_short(common_opts, a[1]);
			if (!o || !offered(t, o))
				usage_error(t, "unknown option '%s'", a);
			if (a[2]) {
				if (!o->arg)
					usage_error(t, "option '%s' takes no value", a);
				val = a + 2;
			}
		}
		if (o->arg && !val) {
			if (i + 1 >= argc)
				usage_error(t, "option '%s' needs a value", a);
			val = argv[++i];
		}
		set_opt(t, o, val);
	}
	operands[nops] = NULL;
	if (common.help) {
		ls_usage(t, stdout);
		exit(0);
	}
	if (common.version) {
		printf("%s (lift-sys) %s\nbuild id %s\n", t->name, LS_VERSION, ls_build_id());
		exit(0);
	}
	if (common.jobs < 1 || common.jobs > 1024) {
		char n[24];
		snprintf(n, sizeof n, "%d", common.jobs);
		usage_error(t, "-j wants 1 to 1024 workers, not '%s'", n);
	}

	t->jobs = common.jobs;
	t->seed = (unsigned long)common.seed;
	t->limit = common.limit;
	t->shard_k = t->shard_n = 0;
	if (common.shard) {
		int k, n;
		char c;
		if (sscanf(common.shard, "%d/%d%c", &k, &n, &c) != 2 || n < 1 || k < 0 || k >= n)
			usage_error(t, "--shard wants K/N with 0 <= K < N, not '%s'", common.shard);
		t->shard_k = k;
		t->shard_n = n;
	}
	t->on_error = !common.on_error || !strcmp(common.on_error, "pass") ? ON_ERROR_PASS :
		      !strcmp(common.on_error, "skip") ? ON_ERROR_SKIP : ON_ERROR_FAIL;
	t->rejects_path = common.rejects;
	t->cache_dir = common.cache;
	t->quiet = common.quiet;
	t->progress = common.quiet || common.no_progress ? 0 : common.progress ? 1 : isatty(2);
	check_files(t, operands, nops);
	t->files = operands;
	t->nfiles = nops;
	t->options_key = options_key(t);
}

/* ---- data directory ----------------------------------------------------- */

static char datadir[PATH_MAX + 32];

static void find_datadir(void)
{
	const char *env = getenv("LS_DATADIR");
	if (env && *env) {
		snprintf(datadir, sizeof datadir, "%s", env);
		return;
	}
	/* Next to the binary first, so a build tree or a relocated install finds its own data. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		/* an installed PREFIX/bin, build/bin or build/san/bin; a bare
		 * share/ is not proof (PREFIX/bin/../../share is /usr/share) */
		static const char *const rel[] = { "/../share/lift-sys", "/../../share", "/../../../share" };
		for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
			struct stat st;
			char probe[sizeof datadir + 32];
			snprintf(datadir, sizeof datadir, "%s%s", exe, rel[i]);
			snprintf(probe, sizeof probe, "%s/exec/harness.py", datadir);
			if (stat(probe, &st) == 0 && S_ISREG(st.st_mode))
				return;
		}
	}
	snprintf(datadir, sizeof datadir, "%s", LS_DATADIR);
}

const char *ls_datadir(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, find_datadir);
	return datadir;
}

/* ---- results of a map function ----------------------------------------- */

/* A failure travels as an invalid jv whose message is {kind, record, code, message}. */
jv ls_fail(jv rec, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	jv m = jv_object();
	m = jv_object_set(m, jv_string("kind"), jv_string("fail"));
	m = jv_object_set(m, jv_string("record"), rec);
	m = jv_object_set(m, jv_string("code"), jv_string(code));
	m = jv_object_set(m, jv_string("message"), jv_string(msg ? msg : "out of memory"));
	free(msg);
	return jv_invalid_with_msg(m);
}

jv ls_drop(jv rec, const char *reason)
{
	jv m = jv_object();
	m = jv_object_set(m, jv_string("kind"), jv_string("drop"));
	m = jv_object_set(m, jv_string("record"), rec);
	m = jv_object_set(m, jv_string("code"), jv_string("filtered"));
	m = jv_object_set(m, jv_string("message"), jv_string(reason));
	return jv_invalid_with_msg(m);
}

/* ---- the contract pieces ------------------------------------------------ */

/* SIGINT/SIGTERM: stop taking input, finish the record being written, print
 * the summary; the exit status then says which signal stopped the run. */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void catch_signals(void)
{
	/* SA_RESTART keeps writes whole; the reader polls, so a read blocked
	 * on a quiet pipe still sees the signal (rec_reader_stop_on). */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART }, old;
	sigemptyset(&sa.sa_mask);
	static const int sigs[] = { SIGINT, SIGTERM };
	for (int i = 0; i < 2; i++)	/* an ignored signal stays ignored (a background job's SIGINT) */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

const volatile sig_atomic_t *ls_stop_flag(void)
{
	return &got_signal;
}

int ls_stopped(const ls_tool *t)
{
	const struct ls_run_state *rs = t->rs;
	return rs->failed_hard || rs->io_error || got_signal || ls_limit_reached(t);
}

/* The bar counts records done, not records read ahead for the workers; the
 * bytes done are estimated from the bytes read in the same proportion. */
static void show_progress(struct ls_run_state *rs, size_t done)
{
	if (!rs->bar)
		return;
	size_t d = 0, tot = 0;
	if (rs->reader)
		rec_reader_bytes(rs->reader, &d, &tot);
	if (rs->in > done && rs->in)
		d = (size_t)((double)d * (double)done / (double)rs->in);
	progress_update(rs->bar, done, d, tot);
}

static void write_failed(struct ls_run_state *rs, const char *what)
{
	if (!rs->io_error++)
		ls_warn("write error on %s: %s", what, strerror(errno));
}

FILE *ls_open_out(const ls_tool *t, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		ls_die(EX_IOERR_, "cannot open '%s' for writing: %s", path, strerror(errno));
	(void)t;
	return f;
}

void ls_begin(ls_tool *t)
{
	struct ls_run_state *rs = calloc(1, sizeof *rs);
	if (!rs)
		ls_oom();
	t->rs = rs;
	rs->t0 = ls_now();
	if (t->rejects_path)
		rs->rejects = ls_open_out(t, t->rejects_path);
	rs->bar = progress_start(t->name, t->progress);
	/* Records on a terminal: a line at a time, and the bar off their lines. */
	rs->tty_out = isatty(1);
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, rs->tty_out ? _IOLBF : _IOFBF, sizeof outbuf);
	catch_signals();
}

void ls_count_in(ls_tool *t)
{
	t->rs->in++;
}

int ls_limit_reached(const ls_tool *t)
{
	return t->limit >= 0 && t->rs->out >= (size_t)t->limit;
}

void ls_emit(ls_tool *t, jv rec)
{
	struct ls_run_state *rs = t->rs;
	if (ls_limit_reached(t)) {
		jv_free(rec);
		return;
	}
	if (rs->io_error) {	/* the run is stopping: write nothing more */
		jv_free(rec);
		return;
	}
	if (rs->tty_out)
		progress_clear(rs->bar);
	if (rec_write(stdout, rec) < 0)
		write_failed(rs, "stdout");
	rs->out++;
}

void ls_emit_json(ls_tool *t, const char *json, size_t n)
{
	struct ls_run_state *rs = t->rs;
	if (ls_limit_reached(t) || rs->io_error)
		return;
	if (rs->tty_out)
		progress_clear(rs->bar);
	if (fwrite(json, 1, n, stdout) != n || putc('\n', stdout) == EOF)
		write_failed(rs, "stdout");
	rs->out++;
}

void ls_reject(ls_tool *t, jv rec, const char *code, const char *message, int is_error)
{
	struct ls_run_state *rs = t->rs;
	if (is_error)
		rs->errors++;
	rs->rejected++;
	if (!rs->rejects) {
		jv_free(rec);
		return;
	}
	if (jv_get_kind(rec) == JV_KIND_OBJECT) {
		jv e = jv_object();
		e = jv_object_set(e, jv_string("tool"), jv_string(t->name));
		e = jv_object_set(e, jv_string("code"), jv_string(code));
		e = jv_object_set(e, jv_string("message"), jv_string(message));
		rec = jv_object_set(rec, jv_string(is_error ? "error" : "rejected"), e);
	}
	if (rec_write(rs->rejects, rec) < 0) {
		char what[4200];
		snprintf(what, sizeof what, "'%s'", t->rejects_path);
		write_failed(rs, what);
	}
}

int ls_in_shard(const ls_tool *t, jv rec)
{
	if (t->shard_n <= 1)
		return 1;
	uint64_t h;
	const char *id = rec_str(rec, "id");
	if (id)
		h = hash64(id, strlen(id));
	else if (jv_get_kind(rec) == JV_KIND_STRING)
		h = hash64(jv_string_value(rec), (size_t)jv_string_length_bytes(jv_copy(rec)));
	else {
		size_t n;
		char *c = rec_canonical(jv_copy(rec), &n);
		h = hash64(c, n);
		free(c);
	}
	return (int)(h % (uint64_t)t->shard_n) == t->shard_k;
}

int ls_end(ls_tool *t)
{
	struct ls_run_state *rs = t->rs;
	size_t malformed = rs->reader ? rec_malformed(rs->reader) : 0;
	size_t unreadable = rs->reader ? rec_unreadable(rs->reader) : 0;
	for (int i = 0; i < rs->nextra; i++) {
		malformed += rec_malformed(rs->extra[i]);
		unreadable += rec_unreadable(rs->extra[i]);
	}
	progress_end(rs->bar);
	if (fflush(stdout) != 0 || ferror(stdout))
		write_failed(rs, "stdout");
	if (rs->rejects && fclose(rs->rejects) != 0) {
		char what[4200];
		snprintf(what, sizeof what, "'%s'", t->rejects_path);
		write_failed(rs, what);
	}
	if (!t->quiet) {
		fprintf(stderr, "%s: %zu in, %zu out, %zu rejected, %zu errors", t->name, rs->in, rs->out,
			rs->rejected, rs->errors);
		if (malformed)
			fprintf(stderr, ", %zu malformed lines", malformed);
		if (unreadable)
			fprintf(stderr, ", %zu unreadable files", unreadable);
		if (t->shard_n > 1)
			fprintf(stderr, ", %zu in other shards", rs->other_shard);
		if (t->summary)
			t->summary(stderr, t->summary_ctx);
		if (rs->cache) {
			long h, m;
			cache_stats(rs->cache, &h, &m);
			fprintf(stderr, ", cache %ld hits %ld misses", h, m);
		}
		if (got_signal)
			fprintf(stderr, ", stopped by %s", got_signal == SIGINT ? "SIGINT" : "SIGTERM");
		fprintf(stderr, " (%.1fs)\n", ls_now() - rs->t0);
	}
	int status = rs->io_error ? EX_IOERR_ : got_signal ? 128 + got_signal :
		     (rs->failed_hard || malformed) ? EX_DATAERR_ : unreadable ? EX_NOINPUT_ : 0;
	cache_close(rs->cache);
	if (rs->reader)
		rec_reader_close(rs->reader);
	for (int i = 0; i < rs->nextra; i++)
		rec_reader_close(rs->extra[i]);
	free(rs);
	t->rs = NULL;
	ls_parse_free(t);
	return status;
}

void ls_parse_free(ls_tool *t)
{
	free(t->files);
	free(t->options_key);
	t->files = NULL;
	t->options_key = NULL;
}

int ls_failed(const ls_tool *t)
{
	return t->rs->failed_hard;
}

void ls_set_reader(ls_tool *t, rec_reader *r)
{
	t->rs->reader = r;
	rec_reader_stop_on(r, &got_signal);
}

static rec_reader *open_reader(char *const *files, int nfiles, int flags)
{
	rec_reader *r = rec_reader_open(files, nfiles, flags);
	if (!r)
		ls_oom();
	rec_reader_stop_on(r, &got_signal);
	return r;
}

rec_reader *ls_open_input(ls_tool *t, char *const *files, int nfiles)
{
	struct ls_run_state *rs = t->rs;
	if (rs->nextra == (int)(sizeof rs->extra / sizeof *rs->extra))
		ls_die(EX_SOFTWARE_, "too many input streams");
	return rs->extra[rs->nextra++] = open_reader(files, nfiles, t->input_flags);
}

int ls_next_from(ls_tool *t, rec_reader *r, jv *rec, ls_pos *where)
{
	struct ls_run_state *rs = t->rs;
	while (!ls_stopped(t) && rec_next(r, rec)) {
		rs->in++;
		if (ls_in_shard(t, *rec)) {
			if (where)
				*where = (ls_pos){ rec_file(r), rec_line(r) };
			show_progress(rs, rs->in);
			return 1;
		}
		rs->other_shard++;
		jv_free(*rec);
	}
	return 0;
}

int ls_next(ls_tool *t, jv *rec, ls_pos *where)
{
	struct ls_run_state *rs = t->rs;
	if (!rs->reader)
		rs->reader = open_reader(t->files, t->nfiles, t->input_flags);
	return ls_next_from(t, rs->reader, rec, where);
}

/* One result of map() through the error policy to stdout or --rejects. */
void ls_take(ls_tool *t, jv res)
{
	struct ls_run_state *rs = t->rs;
	if (jv_is_valid(res)) {
		if (jv_get_kind(res) == JV_KIND_ARRAY) {
			int n = jv_array_length(jv_copy(res));
			for (int i = 0; i < n; i++)
				ls_emit(t, jv_array_get(jv_copy(res), i));
			jv_free(res);
		} else
			ls_emit(t, res);
		return;
	}
	jv m = jv_invalid_get_msg(res);
	if (jv_get_kind(m) != JV_KIND_OBJECT) {	/* a bug in a tool: say so, lose nothing we can keep */
		ls_warn("internal error: a stage returned an invalid value without a record");
		jv_free(m);
		rs->errors++;
		rs->failed_hard = 1;
		return;
	}
	const char *kind = rec_str(m, "kind");
	int drop = kind && !strcmp(kind, "drop");
	jv rec = jv_object_get(jv_copy(m), jv_string("record"));
	char *code = strdup(rec_str(m, "code") ? rec_str(m, "code") : "error");
	char *msg = strdup(rec_str(m, "message") ? rec_str(m, "message") : "");
	jv_free(m);
	if (drop)
		ls_reject(t, rec, code, msg, 0);
	else if (t->on_error == ON_ERROR_PASS) {
		jv e = jv_object();
		e = jv_object_set(e, jv_string("tool"), jv_string(t->name));
		e = jv_object_set(e, jv_string("code"), jv_string(code));
		e = jv_object_set(e, jv_string("message"), jv_string(msg));
		if (jv_get_kind(rec) != JV_KIND_OBJECT)
			rec = jv_object_set(jv_object(), jv_string("input"), rec);
		rs->errors++;
		ls_emit(t, jv_object_set(rec, jv_string("error"), e));
	} else {
		const char *id = rec_str(rec, "id");
		if (t->on_error == ON_ERROR_FAIL) {
			char qi[512], qm[2048];	/* from the input: no control characters to the terminal */
			rec_quote(qm, sizeof qm, msg, strlen(msg), 1000);
			if (id)
				ls_warn("record '%s': %s", rec_quote(qi, sizeof qi, id, strlen(id), 200), qm);
			else
				ls_warn("record: %s", qm);
			rs->failed_hard = 1;
		}
		ls_reject(t, rec, code, msg, 1);
	}
	free(code);
	free(msg);
}

/* ---- caching around map() ----------------------------------------------- */

/* Cached results are stored as {"r": result} or {"fail"|"drop": {code, message}},
 * so that a failure is replayed with the caller's own copy of the record. */
static jv cached_map(const ls_stage *st, void *w, ls_tool *t, ls_cache *c, jv rec)
{
	if (!c)
		return st->map(w, rec, t);
	char key[33];
	cache_key(c, rec, key);
	jv hit = cache_get(c, key);
	if (jv_is_valid(hit)) {
		jv r = jv_object_get(jv_copy(hit), jv_string("r"));
		if (jv_is_valid(r)) {
			jv_free(hit);
			jv_free(rec);
			return r;
		}
		jv_free(r);
		jv f = jv_object_get(jv_copy(hit), jv_string("fail"));
		int drop = 0;
		if (!jv_is_valid(f)) {
			jv_free(f);
			f = jv_object_get(jv_copy(hit), jv_string("drop"));
			drop = 1;
		}
		jv_free(hit);
		if (jv_get_kind(f) == JV_KIND_OBJECT) {
			jv r2 = drop ? ls_drop(rec, rec_str(f, "message") ? rec_str(f, "message") : "")
				     : ls_fail(rec, rec_str(f, "code") ? rec_str(f, "code") : "error", "%s",
					       rec_str(f, "message") ? rec_str(f, "message") : "");
			jv_free(f);
			return r2;
		}
		jv_free(f);
	} else
		jv_free(hit);
	jv res = st->map(w, rec, t);
	if (jv_is_valid(res))
		cache_put(c, key, jv_object_set(jv_object(), jv_string("r"), jv_copy(res)));
	else {
		jv m = jv_invalid_get_msg(jv_copy(res));
		if (jv_get_kind(m) == JV_KIND_OBJECT) {
			const char *kind = rec_str(m, "kind");
			jv e = jv_object();
			e = jv_object_set(e, jv_string("code"), jv_object_get(jv_copy(m), jv_string("code")));
			e = jv_object_set(e, jv_string("message"), jv_object_get(jv_copy(m), jv_string("message")));
			cache_put(c, key, jv_object_set(jv_object(), jv_string(kind && !strcmp(kind, "drop") ? "drop" : "fail"), e));
		}
		jv_free(m);
	}
	return res;
}

/* ---- the ordered parallel map ------------------------------------------ */


/* Slots form a ring; the main thread fills slot seq % nslots with input
 * seq, a worker claims the oldest unclaimed slot, the main thread takes
 * results strictly in seq order. So output order is input order whatever
 * the scheduling, and -j 1 and -j N write the same bytes. */
enum { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE };

typedef struct {
	jv in, out;
	int state;
} slot;

typedef struct {
	ls_tool *t;
	const ls_stage *st;
	slot *slots;
	size_t nslots, next_claim, next_fill;
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
} pool;

typedef struct {
	pool *p;
	void *w;
} worker_arg;

static void *worker_main(void *arg)
{
	worker_arg *wa = arg;
	pool *p = wa->p;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && (p->next_claim == p->next_fill ||
				    p->slots[p->next_claim % p->nslots].state != SLOT_READY))
			pthread_cond_wait(&p->work, &p->mu);
		if (p->next_claim == p->next_fill && p->stop)
			break;
		slot *s = &p->slots[p->next_claim++ % p->nslots];
		s->state = SLOT_BUSY;
		jv in = s->in;
		pthread_mutex_unlock(&p->mu);
		jv out = cached_map(p->st, wa->w, p->t, p->t->rs->cache, in);
		pthread_mutex_lock(&p->mu);
		s->out = out;
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void run_parallel(ls_tool *t, const ls_stage *st, void **workers)
{
	struct ls_run_state *rs = t->rs;
	/* Room for a slow record to finish while the other workers go on: with
	 * a few slots per worker, one record that takes 100 times the others
	 * (a big import, a long test) left them idle once the ring filled. */
	pool p = { .t = t, .st = st, .nslots = (size_t)t->jobs * 32 };
	p.slots = calloc(p.nslots, sizeof *p.slots);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.work, NULL);
	pthread_cond_init(&p.done, NULL);
	pthread_t *th = calloc((size_t)t->jobs, sizeof *th);
	worker_arg *wa = calloc((size_t)t->jobs, sizeof *wa);
	for (int i = 0; i < t->jobs; i++) {
		wa[i] = (worker_arg){ &p, workers[i] };
		if (pthread_create(&th[i], NULL, worker_main, &wa[i]) != 0)
			ls_die(EX_SOFTWARE_, "cannot start worker thread");
	}
	size_t next_take = 0;
	int eof = 0;
	pthread_mutex_lock(&p.mu);
	for (;;) {
		/* Take finished results in order. */
		while (next_take < p.next_fill && p.slots[next_take % p.nslots].state == SLOT_DONE) {
			slot *s = &p.slots[next_take++ % p.nslots];
			jv out = s->out;
			s->state = SLOT_FREE;
			pthread_mutex_unlock(&p.mu);
			ls_take(t, out);
			show_progress(rs, rs->in - (p.next_fill - next_take));
			pthread_mutex_lock(&p.mu);
		}
		if (got_signal) {
			/* Records read but not yet started are given back: a signal
			 * should not wait for a ring of slow records (64 repository
			 * test runs) to finish. They are not counted in. */
			for (size_t i = p.next_claim; i < p.next_fill; i++) {
				jv_free(p.slots[i % p.nslots].in);
				p.slots[i % p.nslots].state = SLOT_FREE;
				rs->in--;
			}
			p.next_fill = p.next_claim;
		}
		if (ls_stopped(t))
			eof = 1;
		if (eof && next_take == p.next_fill)
			break;
		/* Fill a free slot with the next input record. */
		if (!eof && p.next_fill - next_take < p.nslots) {
			pthread_mutex_unlock(&p.mu);
			jv rec;
			int got = 0;
			while ((got = rec_next(rs->reader, &rec))) {
				rs->in++;
				if (ls_in_shard(t, rec))
					break;
				rs->other_shard++;
				jv_free(rec);
			}
			pthread_mutex_lock(&p.mu);
			if (!got) {
				eof = 1;
				continue;
			}
			slot *s = &p.slots[p.next_fill++ % p.nslots];
			s->in = rec;
			s->state = SLOT_READY;
			pthread_cond_signal(&p.work);
			continue;
		}
		pthread_cond_wait(&p.done, &p.mu);
	}
	p.stop = 1;
	pthread_cond_broadcast(&p.work);
	pthread_mutex_unlock(&p.mu);
	for (int i = 0; i < t->jobs; i++)
		pthread_join(th[i], NULL);
	/* Records read but abandoned after --limit or --on-error=fail. */
	for (size_t i = next_take; i < p.next_fill; i++) {
		slot *s = &p.slots[i % p.nslots];
		if (s->state == SLOT_DONE)
			jv_free(s->out);
		else if (s->state == SLOT_READY)
			jv_free(s->in);
	}
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.work);
	pthread_cond_destroy(&p.done);
	free(p.slots);
	free(th);
	free(wa);
}

int ls_run(ls_tool *t, const ls_stage *st)
{
	ls_begin(t);
	struct ls_run_state *rs = t->rs;
	rs->reader = open_reader(t->files, t->nfiles, t->input_flags);
	if (t->cacheable && t->cache_dir)
		rs->cache = cache_open(t->cache_dir, t->name, ls_build_id(), t->options_key);
	void **workers = calloc((size_t)t->jobs, sizeof *workers);
	for (int i = 0; i < t->jobs; i++)
		workers[i] = st->worker_init ? st->worker_init(t, st->ctx, i) : st->ctx;
	if (t->jobs == 1) {
		jv rec;
		while (!ls_stopped(t) && rec_next(rs->reader, &rec)) {
			rs->in++;
			if (!ls_in_shard(t, rec)) {
				rs->other_shard++;
				jv_free(rec);
				continue;
			}
			ls_take(t, cached_map(st, workers[0], t, rs->cache, rec));
			show_progress(rs, rs->in);
		}
	} else
		run_parallel(t, st, workers);
	for (int i = 0; i < t->jobs; i++)
		if (st->worker_free)
			st->worker_free(workers[i]);
	free(workers);
	if (st->finish && !rs->failed_hard)
		ls_take(t, st->finish(st->ctx, t));
	return ls_end(t);
}
