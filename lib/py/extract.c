/* extract.c — see extract.h. */
#include "py/extract.h"
#include "base/grow.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "py/dedup.h"
#include "repo/gitwalk.h"
#include "base/hash.h"
#include "py/pyfunc.h"
#include "py/pyparse.h"
#include "rec/record.h"
#include "py/testlink.h"
#include "py/tsalloc.h"
#include "base/diag.h"
#include "repo/repo.h"

typedef struct {
	gw_file file;
	/* Records as JSON up to their "tests" (pass 0): record j is
	 * out.b[off[j]..off[j + 1]); the rest of it is tests.b[toff[j]..toff[j + 1])
	 * (pass 1). */
	sb out, tests;
	size_t *off, *toff;
	int nrec;
	dd_sig *sigs;		/* one per record when dedup or --exclude is on */
	char **modq;		/* module and qualname per record, for test linking */
	int *ntests;		/* tests linked per record */
	tl_file *tl;
	size_t found, errors, filtered;
	int file_error, is_test;
	jv rejected;		/* with a reject function: [[record, reason], ...] of the filters */
} task;

struct extractor {
	ex_opts o;
	int sign;		/* dedup or exclude: sign every record */
	TSParser *parser;	/* only to check the grammar at start */
	dd_index *seen, *excl;
	ex_stats st;

	/* The pool: the calling thread reads files and queues them (tasks, in
	 * file order); workers, and the caller when enough is queued, claim
	 * tasks in order. Pass 0 parses, pass 1 links records to tests once
	 * every file is in. */
	pthread_t *th;
	int nth;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	int stop, pass;
	task **tasks;
	size_t ntasks, cap, next, ndone;
	size_t queued_bytes;	/* source read but not parsed yet */
	tl_index *tl;
	const char *repo_name;
	sb repo_json;		/* ,"repo":{...} shared by the repository's records */
	sb line;		/* the record being emitted */
	ex_reject_fn reject;
};

void ex_set_reject(extractor *x, ex_reject_fn reject)
{
	x->reject = reject;
}


enum {
	EX_QUEUE_BYTES = 16 << 20,	/* source read ahead of the parsers, at most */
	EX_QUEUE_DEPTH = 8,		/* files queued per worker before the caller parses */
};

/* --- one file (any thread) ------------------------------------------------------ */

static int private_name(const char *n)
{
	size_t l = strlen(n);
	int dunder = l > 4 && !strncmp(n, "__", 2) && !strcmp(n + l - 2, "__");
	return n[0] == '_' && !dunder;
}

static int dunder_name(const char *n)
{
	size_t l = strlen(n);
	return l > 4 && !strncmp(n, "__", 2) && !strcmp(n + l - 2, "__");
}

/* Python reads source with universal newlines: \r\n and \r are \n before
 * tokenizing, inside string literals too (docstrings). In place. */
static size_t universal_newlines(char *s, size_t n)
{
	char *r = memchr(s, '\r', n);
	if (!r)
		return n;
	char *w = r;
	for (; r < s + n; r++) {
		if (*r != '\r')
			*w++ = *r;
		else {
			*w++ = '\n';
			if (r + 1 < s + n && r[1] == '\n')
				r++;
		}
	}
	*w = 0;
	return (size_t)(w - s);
}

/* The names test linking needs of the functions walked, by def (their start
 * byte), in file order. */
typedef struct {
	struct { unsigned byte; tl_names *nm; } *v;
	size_t n, cap;
} names_by_def;

static void nd_add(names_by_def *nd, unsigned byte, tl_names *nm)
{
	LS_GROW(nd->v, nd->n, nd->cap, 16);
	nd->v[nd->n].byte = byte;
	nd->v[nd->n++].nm = nm;
}

static const tl_names *nd_get(void *ctx, TSNode def)
{
	const names_by_def *nd = ctx;
	unsigned b = ts_node_start_byte(def);
	size_t lo = 0, hi = nd->n;	/* sorted: functions come in file order */
	while (lo < hi) {
		size_t m = (lo + hi) / 2;
		if (nd->v[m].byte < b)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < nd->n && nd->v[lo].byte == b ? nd->v[lo].nm : NULL;
}

static void add_off(task *t, size_t *cap)
{
	if ((size_t)t->nrec + 2 > *cap) {
		*cap = *cap * 2 + 16;
		t->off = xrealloc(t->off, *cap * sizeof *t->off);
	}
}

/* Why a function is filtered before its record is made, or NULL. */
static const char *filter_reason(const ex_opts *o, const pyf_info *in, int is_test)
{
	if (in->nested && !o->include_nested)
		return "nested function (--include-nested keeps them)";
	if (o->min_lines && in->lines < o->min_lines)
		return "shorter than --min-lines";
	if (o->max_lines && in->lines > o->max_lines)
		return "longer than --max-lines";
	if (o->skip_private && private_name(in->name))
		return "private (--skip-private)";
	if (o->skip_dunder && dunder_name(in->name))
		return "dunder method (--skip-dunder)";
	if (!o->include_test_code && is_test)
		return "in a test file (--include-test-code keeps it)";
	if (o->require_docstring && !in->has_docstring)
		return "no docstring (--require-docstring)";
	return NULL;
}

/* A filtered function as a short record, kept for --rejects. */
static void keep_filtered(extractor *x, task *t, const sb *file, const pyf_info *in, const char *id,
			  const char *why)
{
	sb r = { 0 };
	char line[24];
	sb_puts(&r, "{\"id\":");
	pyf_put_string(&r, id, strlen(id));
	sb_put(&r, x->repo_json.b, x->repo_json.n);
	sb_put(&r, file->b, file->n);
	sb_puts(&r, ",\"qualname\":");
	pyf_put_string(&r, in->qualname, strlen(in->qualname));
	snprintf(line, sizeof line, ",\"lineno\":%d}", in->lineno);
	sb_puts(&r, line);
	if (!jv_is_valid(t->rejected))
		t->rejected = jv_array();
	t->rejected = jv_array_append(t->rejected, JV_ARRAY(rec_parse(r.b, r.n), jv_string(why)));
	free(r.b);
}

static void process(extractor *x, task *t)
{
	const ex_opts *o = &x->o;
	t->file.len = universal_newlines(t->file.data, t->file.len);
	/* A UTF-8 byte order mark is not source (Python skips it): left in, it
	 * shifted the first line's columns and so the dedent of its code. */
	if (t->file.len >= 3 && !memcmp(t->file.data, "\xEF\xBB\xBF", 3)) {
		memmove(t->file.data, t->file.data + 3, t->file.len - 3);
		t->file.len -= 3;
	}
	size_t offcap = 0;
	add_off(t, &offcap);
	t->off[0] = 0;
	/* one parser per file, so that all of its memory is the file's arena */
	char err[256];
	tsa_begin();
	TSParser *p = py_parser_new(err, sizeof err);
	pyf_file *f = p ? pyf_scan(p, t->file.data, t->file.len) : NULL;
	if (!f) {
		ts_parser_delete(p);
		tsa_end();
		t->file_error = 1;
		free(t->file.data);
		t->file.data = NULL;
		return;
	}
	t->file_error = pyf_root_has_error(f);
	t->is_test = repo_is_test_path(t->file.path);
	names_by_def nd = { 0 };
	char *module = pyf_module_name(t->file.path);
	int n = pyf_count(f);
	/* the records come to about three times the source: room for them at
	 * once, rather than growing (and copying) as they come; untouched room
	 * costs nothing */
	if (n)
		sb_reserve(&t->out, 3 * t->file.len + 4096);
	if (x->sign)
		t->sigs = malloc((size_t)(n ? n : 1) * sizeof *t->sigs);
	t->modq = calloc((size_t)(n ? n : 1) * 2, sizeof *t->modq);
	if ((x->sign && !t->sigs) || !t->modq)
		ls_oom();
	sb file = { 0 }, code = { 0 };	/* ,"path":...,"module":...,"blob":... of every record */
	for (int i = 0; i < n; i++) {
		const pyf_info *in = pyf_get(f, i);
		t->found++;
		if (in->has_error) {
			t->errors++;
			continue;
		}
		const char *why = filter_reason(o, in, t->is_test);
		if (why && !x->reject) {
			t->filtered++;
			continue;
		}
		if (!file.b) {
			sb_puts(&file, ",\"path\":");
			pyf_put_string(&file, t->file.path, strlen(t->file.path));
			sb_puts(&file, ",\"module\":");
			pyf_put_string(&file, module, strlen(module));
			sb_puts(&file, ",\"blob\":");
			pyf_put_string(&file, t->file.oid, strlen(t->file.oid));
		}
		char line[24], id[40];
		snprintf(line, sizeof line, "%d", in->lineno);
		const char *parts[] = { x->repo_name, t->file.path, in->qualname, t->file.oid, line };
		hash_id(id, sizeof id, "fn", 5, parts);
		if (why) {
			keep_filtered(x, t, &file, in, id, why);
			t->filtered++;
			continue;
		}
		size_t start = t->out.n;
		sb_puts(&t->out, "{\"id\":");
		pyf_put_string(&t->out, id, strlen(id));
		sb_put(&t->out, x->repo_json.b, x->repo_json.n);
		sb_put(&t->out, file.b, file.n);
		/* in a test file, what a test function uses is gathered in the same walk */
		tl_names *nm = NULL;
		if (t->is_test && !in->nested && !strncmp(in->name, "test", 4)) {
			nm = tl_names_new();
			nd_add(&nd, in->def_byte, nm);
		}
		int ndoctests = pyf_record_json(f, i, &t->out, &code, nm);
		if (o->require_doctest && !ndoctests) {
			t->out.n = start;
			if (x->reject)
				keep_filtered(x, t, &file, in, id, "no doctests (--require-doctest)");
			t->filtered++;
			continue;
		}
		int k = t->nrec;
		if (x->sign)
			dd_sign(code.b, strlen(code.b), &t->sigs[k]);
		t->modq[2 * k] = strdup(module);
		t->modq[2 * k + 1] = strdup(in->qualname);
		add_off(t, &offcap);
		t->off[++t->nrec] = t->out.n;
	}
	if (t->is_test) {
		int ni;
		const TSNode *imps = pyf_tl_imports(f, &ni);
		t->tl = tl_scan_file_with(t->file.path, pyf_tree(f), t->file.data, imps, ni, nd_get, &nd);
	}
	for (size_t i = 0; i < nd.n; i++)
		tl_names_free(nd.v[i].nm);
	free(nd.v);
	free(file.b);
	free(code.b);
	free(module);
	pyf_free(f);
	ts_parser_delete(p);
	tsa_end();
	free(t->file.data);
	t->file.data = NULL;
}

/* Pass 1, once every test file is in the index: the end of each record,
 * ,"tests":[...]}, kept apart (record j's is tests.b[toff[j]..toff[j + 1])),
 * so that the records themselves are not copied again. */
static void link_tests(extractor *x, task *t)
{
	int nr = t->nrec;
	t->ntests = calloc((size_t)(nr ? nr : 1), sizeof *t->ntests);
	t->toff = malloc((size_t)(nr + 1) * sizeof *t->toff);
	if (!t->ntests || !t->toff)
		ls_oom();
	sb *o = &t->tests;
	for (int j = 0; j < nr; j++) {
		t->toff[j] = o->n;
		jv tests = tl_tests_for(x->tl, t->modq[2 * j], t->modq[2 * j + 1]);
		int nt = t->ntests[j] = jv_array_length(jv_copy(tests));
		sb_puts(o, ",\"tests\":[");
		for (int k = 0; k < nt; k++) {
			jv id = jv_array_get(jv_copy(tests), k);
			if (k)
				sb_put(o, ",", 1);
			pyf_put_string(o, jv_string_value(id), (size_t)jv_string_length_bytes(jv_copy(id)));
			jv_free(id);
		}
		jv_free(tests);
		sb_put(o, "]}", 2);
	}
	t->toff[nr] = o->n;
}

/* --- the pool -------------------------------------------------------------------- */

static void run_task(extractor *x, task *t, int pass)
{
	if (pass == 0)
		process(x, t);
	else
		link_tests(x, t);
}

/* Claim the next task of the current pass (x->mu held); NULL when none is queued. */
static task *claim(extractor *x)
{
	if (x->next >= x->ntasks)
		return NULL;
	task *t = x->tasks[x->next++];
	if (x->pass == 0)
		x->queued_bytes -= t->file.len;
	return t;
}

static void finished(extractor *x)
{
	if (++x->ndone == x->ntasks)
		pthread_cond_broadcast(&x->done);
}

static void *worker(void *arg)
{
	extractor *x = arg;
	pthread_mutex_lock(&x->mu);
	for (;;) {
		task *t = NULL;
		while (!x->stop && !(t = claim(x)))
			pthread_cond_wait(&x->work, &x->mu);
		if (x->stop)
			break;
		int pass = x->pass;
		pthread_mutex_unlock(&x->mu);
		run_task(x, t, pass);
		pthread_mutex_lock(&x->mu);
		finished(x);
	}
	pthread_mutex_unlock(&x->mu);
	tsa_release();
	return NULL;
}

/* Queue a file for pass 0; the caller parses too when enough is queued for
 * the workers (at once with no workers), so reading overlaps parsing. The
 * queue is kept several files deep for each worker: a worker that finishes
 * while the caller parses a big file must find work. */
static void queue_file(extractor *x, const gw_file *f)
{
	task *t = xcalloc(1, sizeof *t);
	t->file = *f;
	pthread_mutex_lock(&x->mu);
	LS_GROW(x->tasks, x->ntasks, x->cap, 64);
	x->tasks[x->ntasks++] = t;
	x->queued_bytes += f->len;
	pthread_cond_signal(&x->work);
	while (x->ntasks - x->next > (size_t)x->nth * EX_QUEUE_DEPTH || x->queued_bytes > EX_QUEUE_BYTES) {
		task *c = claim(x);
		pthread_mutex_unlock(&x->mu);
		run_task(x, c, 0);
		pthread_mutex_lock(&x->mu);
		finished(x);
	}
	pthread_mutex_unlock(&x->mu);
}

/* Help with what is left of the pass, then wait for the workers to finish it. */
static void finish_pass(extractor *x)
{
	pthread_mutex_lock(&x->mu);
	task *t;
	while ((t = claim(x))) {
		int pass = x->pass;
		pthread_mutex_unlock(&x->mu);
		run_task(x, t, pass);
		pthread_mutex_lock(&x->mu);
		finished(x);
	}
	while (x->ndone < x->ntasks)
		pthread_cond_wait(&x->done, &x->mu);
	pthread_mutex_unlock(&x->mu);
}

/* Start pass 1 over the tasks queued. */
static void start_link_pass(extractor *x)
{
	pthread_mutex_lock(&x->mu);
	x->pass = 1;
	x->next = x->ndone = 0;
	pthread_cond_broadcast(&x->work);
	pthread_mutex_unlock(&x->mu);
}

/* --- --exclude ---------------------------------------------------------------------- */

static int load_exclude(extractor *x, const char *path, char *err, size_t errsz)
{
	char *files[] = { (char *)path };
	FILE *probe = fopen(path, "r");
	if (!probe) {
		snprintf(err, errsz, "cannot open '%s'", path);
		return -1;
	}
	fclose(probe);
	rec_reader *r = rec_reader_open(files, 1, 0);
	jv rec;
	static const char *const fields[] = { "code", "canonical_solution", "solution", "reference", NULL };
	while (rec_next(r, &rec)) {
		for (int i = 0; fields[i]; i++) {
			const char *code = rec_str(rec, fields[i]);
			if (code) {
				dd_sig s;
				dd_sign(code, strlen(code), &s);
				dd_check(x->excl, &s, x->o.near <= 1, 1);
				break;
			}
		}
		jv_free(rec);
	}
	/* a partly read list decontaminates partly: no run on it */
	size_t bad = rec_unreadable(r), malformed = rec_malformed(r);
	rec_reader_close(r);
	if (bad || malformed) {
		snprintf(err, errsz, "cannot read all of --exclude '%s' (%s)", path,
			 bad ? "a read error" : "malformed lines");
		return -1;
	}
	return 0;
}

/* --- public --------------------------------------------------------------------------- */

extractor *ex_new(const ex_opts *o, char *err, size_t errsz)
{
	extractor *x = xcalloc(1, sizeof *x);
	x->o = *o;
	tsa_install();
	x->parser = py_parser_new(err, errsz);	/* is the grammar's ABI accepted? */
	if (!x->parser) {
		free(x);
		return NULL;
	}
	if (!o->no_dedup)
		x->seen = dd_new(o->near);
	if (o->exclude) {
		x->excl = dd_new(o->near);
		if (load_exclude(x, o->exclude, err, errsz) < 0) {
			ex_free(x);
			return NULL;
		}
	}
	x->sign = x->seen || x->excl;
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->work, NULL);
	pthread_cond_init(&x->done, NULL);
	x->nth = o->jobs > 1 ? o->jobs - 1 : 0;	/* the caller works too */
	x->th = calloc((size_t)(x->nth ? x->nth : 1), sizeof *x->th);
	for (int i = 0; i < x->nth; i++)
		if (pthread_create(&x->th[i], NULL, worker, x) != 0) {
			x->nth = i;
			break;
		}
	return x;
}

const ex_stats *ex_stats_of(const extractor *x) { return &x->st; }

int ex_repo(extractor *x, jv rec, ex_emit_fn emit, void *ctx, char *err, size_t errsz)
{
	const ex_opts *o = &x->o;
	char *path, *name, *url = NULL, *commit = NULL, *license = NULL;
	if (jv_get_kind(rec) == JV_KIND_STRING) {
		path = strdup(jv_string_value(rec));
		name = repo_name(path, path);
	} else {
		const char *p, *nm, *u, *c, *l;
		if (rec_get_str(rec, "path", &p, err, errsz) < 0 || rec_get_str(rec, "name", &nm, err, errsz) < 0 ||
		    rec_get_str(rec, "url", &u, err, errsz) < 0 || rec_get_str(rec, "commit", &c, err, errsz) < 0 ||
		    rec_get_str(rec, "license", &l, err, errsz) < 0) {
			jv_free(rec);
			return -1;
		}
		if (!p) {
			jv_free(rec);
			snprintf(err, errsz, "repo record has no \"path\"");
			return -1;
		}
		path = strdup(p);
		name = nm ? strdup(nm) : repo_name(u ? u : p, p);
		url = u ? strdup(u) : NULL;
		commit = c ? strdup(c) : NULL;
		license = l ? strdup(l) : NULL;
	}
	jv_free(rec);
	gw *g = gw_open(path, commit, ".py", (size_t)(o->max_file_bytes > 0 ? o->max_file_bytes : 0), err, errsz);
	if (!g) {
		free(path); free(name); free(url); free(commit); free(license);
		return -1;
	}
	x->st.repos++;
	/* what the workers read about the repository: set before any file is queued */
	x->repo_name = name;
	sb *rj = &x->repo_json;
	rj->n = 0;
	sb_puts(rj, ",\"repo\":{\"name\":");
	pyf_put_string(rj, name, strlen(name));
	sb_puts(rj, ",\"url\":");
	if (url)
		pyf_put_string(rj, url, strlen(url));
	else
		sb_puts(rj, "null");
	sb_puts(rj, ",\"commit\":");
	if (gw_commit(g))
		pyf_put_string(rj, gw_commit(g), strlen(gw_commit(g)));
	else
		sb_puts(rj, "null");
	sb_puts(rj, ",\"path\":");
	pyf_put_string(rj, path, strlen(path));
	if (license) {
		sb_puts(rj, ",\"license\":");
		pyf_put_string(rj, license, strlen(license));
	}
	sb_puts(rj, "}");

	/* Read files (git objects are read on this thread only) while the pool
	 * parses them: sources are freed once parsed, so a huge repository does
	 * not sit in memory whole; its records do (as JSON), until it is done. */
	gw_file f;
	while (gw_next(g, &f))
		queue_file(x, &f);
	finish_pass(x);

	/* the test index, in file order; then linking on the pool */
	size_t n = x->ntasks;
	task **tasks = x->tasks;
	tl_index *tl = tl_new();
	for (size_t i = 0; i < n; i++) {
		tl_add(tl, tasks[i]->tl);
		tasks[i]->tl = NULL;
	}
	x->tl = tl;
	start_link_pass(x);
	finish_pass(x);
	x->tl = NULL;

	/* filters that need the whole repository, and dedup, in file order */
	int near = o->near <= 1;
	for (size_t i = 0; i < n; i++) {
		task *t = tasks[i];
		x->st.files++;
		x->st.test_files += t->is_test;
		x->st.functions += t->found;
		x->st.syntax_errors += t->errors;
		x->st.files_with_errors += t->file_error;
		x->st.filtered += t->filtered;
		for (int j = 0; j < t->nrec; j++) {
			int ntests = t->ntests[j];
			const dd_sig *s = x->sign ? &t->sigs[j] : NULL;
			/* the line, whole, in a buffer that stays warm */
			sb *l = &x->line;
			l->n = 0;
			sb_put(l, t->out.b + t->off[j], t->off[j + 1] - t->off[j]);
			sb_put(l, t->tests.b + t->toff[j], t->toff[j + 1] - t->toff[j]);
			const char *code = NULL, *why = NULL;
			if (o->require_tests && !ntests) {
				x->st.filtered++;
				code = "filtered", why = "no linked tests (--require-tests)";
			} else if (x->excl && dd_check(x->excl, s, near, 0) != DD_NEW) {
				x->st.excluded++;
				code = "excluded", why = "duplicates a record of --exclude";
			} else if (x->seen) {
				int c = dd_check(x->seen, s, near, 1);
				if (c != DD_NEW) {
					if (c == DD_EXACT)
						x->st.dup_exact++;
					else
						x->st.dup_near++;
					code = "duplicate";
					why = c == DD_EXACT ? "exact duplicate of an earlier function" :
					      "near duplicate of an earlier function (--near)";
				}
			}
			if (code) {
				if (x->reject)
					x->reject(ctx, rec_parse(l->b, l->n), code, why);
				continue;
			}
			x->st.with_tests += ntests > 0;
			emit(ctx, l->b, l->n);
			x->st.emitted++;
		}
		if (jv_is_valid(t->rejected)) {	/* the functions filtered while parsing, in order */
			jv_array_foreach(t->rejected, k, r) {
				jv why = jv_array_get(jv_copy(r), 1);
				x->reject(ctx, jv_array_get(r, 0), "filtered", jv_string_value(why));
				jv_free(why);
			}
		}
		jv_free(t->rejected);
		free(t->out.b);
		free(t->off);
		free(t->tests.b);
		free(t->toff);
		for (int m = 0; m < 2 * t->nrec; m++)
			free(t->modq[m]);
		free(t->modq);
		free(t->ntests);
		free(t->sigs);
		free(t->file.path);
		free(t);
	}
	tl_free(tl);
	pthread_mutex_lock(&x->mu);
	x->ntasks = x->next = x->ndone = 0;
	x->pass = 0;
	pthread_mutex_unlock(&x->mu);
	const gw_stats *gs = gw_stats_of(g);
	x->st.symlinks += gs->symlinks;
	x->st.submodules += gs->submodules;
	x->st.binary += gs->binary;
	x->st.non_utf8 += gs->non_utf8;
	x->st.too_big += gs->too_big;
	x->st.unreadable += gs->unreadable;
	gw_close(g);
	free(path); free(name); free(url); free(commit); free(license);
	return 0;
}

void ex_free(extractor *x)
{
	if (!x)
		return;
	if (x->th) {
		pthread_mutex_lock(&x->mu);
		x->stop = 1;
		pthread_cond_broadcast(&x->work);
		pthread_mutex_unlock(&x->mu);
		for (int i = 0; i < x->nth; i++)
			pthread_join(x->th[i], NULL);
		free(x->th);
		pthread_mutex_destroy(&x->mu);
		pthread_cond_destroy(&x->work);
		pthread_cond_destroy(&x->done);
	}
	free(x->tasks);
	free(x->repo_json.b);
	free(x->line.b);
	dd_free(x->seen);
	dd_free(x->excl);
	ts_parser_delete(x->parser);
	tsa_release();
	free(x);
}
