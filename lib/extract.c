/* extract.c — see extract.h. */
#include "extract.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dedup.h"
#include "gitwalk.h"
#include "hash.h"
#include "pyfunc.h"
#include "pyparse.h"
#include "record.h"
#include "testlink.h"

typedef struct {
	gw_file file;
	jv recs;		/* function records of the file, in order */
	dd_sig *sigs;		/* one per record when dedup or --exclude is on */
	char **modq;		/* module and qualname per record, for test linking */
	int *ntests;		/* tests linked per record */
	tl_file *tl;
	size_t found, errors, filtered;
	int file_error, is_test;
} task;

/* What workers read about the repository being processed (read-only then). */
typedef struct {
	const char *name, *url, *commit, *path, *license;
} repo_info;

struct extractor {
	ex_opts o;
	int sign;		/* dedup or exclude: sign every record */
	TSParser *parser;	/* the calling thread's */
	dd_index *seen, *excl;
	ex_stats st;

	pthread_t *th;
	int nth;
	pthread_mutex_t mu;
	pthread_cond_t go, idle;
	unsigned gen;
	int stop, active;
	task *tasks;
	size_t first, ntasks, next, ndone;	/* a batch: tasks[first..ntasks) */
	int phase;		/* 0: parse files, 1: link records to tests */
	tl_index *tl;
	repo_info repo;
};

enum { EX_BATCH = 16 << 20 };	/* bytes of source read before parsing them */

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

static void process(extractor *x, TSParser *p, task *t)
{
	const ex_opts *o = &x->o;
	t->recs = jv_array();
	t->file.len = universal_newlines(t->file.data, t->file.len);
	pyf_file *f = pyf_scan(p, t->file.data, t->file.len);
	if (!f) {
		t->file_error = 1;
		free(t->file.data);
		t->file.data = NULL;
		return;
	}
	t->file_error = pyf_root_has_error(f);
	t->is_test = tl_is_test_path(t->file.path);
	if (t->is_test)
		t->tl = tl_scan_file(t->file.path, pyf_tree(f), t->file.data);
	char *module = pyf_module_name(t->file.path);
	int n = pyf_count(f), k = 0;
	jv repo = jv_invalid();
	if (x->sign)
		t->sigs = malloc((size_t)(n ? n : 1) * sizeof *t->sigs);
	t->modq = calloc((size_t)(n ? n : 1) * 2, sizeof *t->modq);
	if ((x->sign && !t->sigs) || !t->modq)
		abort();
	for (int i = 0; i < n; i++) {
		const pyf_info *in = pyf_get(f, i);
		t->found++;
		if (in->has_error) {
			t->errors++;
			continue;
		}
		if ((in->nested && !o->include_nested) ||
		    (o->min_lines && in->lines < o->min_lines) ||
		    (o->max_lines && in->lines > o->max_lines) ||
		    (o->skip_private && private_name(in->name)) ||
		    (o->skip_dunder && dunder_name(in->name)) ||
		    (o->skip_test_code && t->is_test) ||
		    (o->require_docstring && !in->has_docstring)) {
			t->filtered++;
			continue;
		}
		char line[24], id[40];
		snprintf(line, sizeof line, "%d", in->lineno);
		const char *parts[] = { x->repo.name, t->file.path, in->qualname, t->file.oid, line };
		hash_id(id, sizeof id, "fn", 5, parts);
		if (!jv_is_valid(repo)) {	/* built by this thread, shared by this file's records */
			repo = jv_object();
			repo = jv_object_set(repo, jv_string("name"), jv_string(x->repo.name));
			repo = jv_object_set(repo, jv_string("url"), x->repo.url ? jv_string(x->repo.url) : jv_null());
			repo = jv_object_set(repo, jv_string("commit"), x->repo.commit ? jv_string(x->repo.commit) : jv_null());
			repo = jv_object_set(repo, jv_string("path"), jv_string(x->repo.path));
			if (x->repo.license)
				repo = jv_object_set(repo, jv_string("license"), jv_string(x->repo.license));
		}
		jv r = jv_object();
		r = jv_object_set(r, jv_string("id"), jv_string(id));
		r = jv_object_set(r, jv_string("repo"), jv_copy(repo));
		r = jv_object_set(r, jv_string("path"), jv_string(t->file.path));
		r = jv_object_set(r, jv_string("module"), jv_string(module));
		r = jv_object_set(r, jv_string("blob"), jv_string(t->file.oid));
		r = pyf_record(f, i, r);
		if (o->require_doctest) {
			jv d = jv_object_get(jv_copy(r), jv_string("doctests"));
			if (!jv_array_length(d)) {
				jv_free(r);
				t->filtered++;
				continue;
			}
		}
		if (x->sign) {
			const char *code = rec_str(r, "code");
			dd_sign(code, strlen(code), &t->sigs[k]);
		}
		t->modq[2 * k] = strdup(module);
		t->modq[2 * k + 1] = strdup(in->qualname);
		t->recs = jv_array_append(t->recs, r);
		k++;
	}
	jv_free(repo);
	free(module);
	pyf_free(f);
	free(t->file.data);
	t->file.data = NULL;
}

/* Second pass, once every test file is in the index: "tests" of each record. */
static void link_tests(extractor *x, task *t)
{
	int nr = jv_array_length(jv_copy(t->recs));
	t->ntests = calloc((size_t)(nr ? nr : 1), sizeof *t->ntests);
	if (!t->ntests)
		abort();
	for (int j = 0; j < nr; j++) {
		/* out of the array first, so that setting a field does not copy it */
		jv r = jv_array_get(jv_copy(t->recs), j);
		t->recs = jv_array_set(t->recs, j, jv_null());
		jv tests = tl_tests_for(x->tl, t->modq[2 * j], t->modq[2 * j + 1]);
		t->ntests[j] = jv_array_length(jv_copy(tests));
		r = jv_object_set(r, jv_string("tests"), tests);
		t->recs = jv_array_set(t->recs, j, r);
	}
}

/* --- the pool -------------------------------------------------------------------- */

static void run_tasks(extractor *x, TSParser *p)
{
	for (;;) {
		size_t i = __atomic_fetch_add(&x->next, 1, __ATOMIC_RELAXED);
		if (i >= x->ntasks)
			return;
		if (x->phase == 0)
			process(x, p, &x->tasks[i]);
		else
			link_tests(x, &x->tasks[i]);
		__atomic_fetch_add(&x->ndone, 1, __ATOMIC_RELEASE);
	}
}

static void *worker(void *arg)
{
	extractor *x = arg;
	char err[256];
	TSParser *p = py_parser_new(err, sizeof err);	/* the grammar loaded once already */
	unsigned seen = 0;
	pthread_mutex_lock(&x->mu);
	for (;;) {
		while (!x->stop && x->gen == seen)
			pthread_cond_wait(&x->go, &x->mu);
		if (x->stop)
			break;
		seen = x->gen;
		x->active++;
		pthread_mutex_unlock(&x->mu);
		run_tasks(x, p);
		pthread_mutex_lock(&x->mu);
		if (--x->active == 0)
			pthread_cond_broadcast(&x->idle);
	}
	pthread_mutex_unlock(&x->mu);
	ts_parser_delete(p);
	return NULL;
}

static void run_all(extractor *x)
{
	if (x->nth) {
		pthread_mutex_lock(&x->mu);
		x->next = x->first;
		x->ndone = 0;
		x->gen++;
		pthread_cond_broadcast(&x->go);
		pthread_mutex_unlock(&x->mu);
	} else {
		x->next = x->first;
		x->ndone = 0;
	}
	run_tasks(x, x->parser);
	if (x->nth) {	/* wait until every worker has left this batch */
		pthread_mutex_lock(&x->mu);
		while (x->active > 0 || __atomic_load_n(&x->ndone, __ATOMIC_ACQUIRE) < x->ntasks - x->first)
			pthread_cond_wait(&x->idle, &x->mu);
		pthread_mutex_unlock(&x->mu);
	}
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
	rec_reader_close(r);
	return 0;
}

/* --- public --------------------------------------------------------------------------- */

extractor *ex_new(const ex_opts *o, char *err, size_t errsz)
{
	extractor *x = calloc(1, sizeof *x);
	if (!x)
		abort();
	x->o = *o;
	x->parser = py_parser_new(err, errsz);
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
	pthread_cond_init(&x->go, NULL);
	pthread_cond_init(&x->idle, NULL);
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

static const char *base_name(const char *p)
{
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	static __thread char b[256];
	size_t s = n;
	while (s > 0 && p[s - 1] != '/')
		s--;
	snprintf(b, sizeof b, "%.*s", (int)(n - s), p + s);
	return b;
}

jv ex_repo(extractor *x, jv rec)
{
	const ex_opts *o = &x->o;
	char err[512];
	char *path, *name, *url = NULL, *commit = NULL, *license = NULL;
	if (jv_get_kind(rec) == JV_KIND_STRING) {
		path = strdup(jv_string_value(rec));
		name = strdup(base_name(path));
	} else {
		const char *p = rec_str(rec, "path");
		if (!p) {
			jv_free(rec);
			return jv_invalid_with_msg(jv_string("repo record has no \"path\""));
		}
		path = strdup(p);
		name = strdup(rec_str(rec, "name") ? rec_str(rec, "name") : base_name(p));
		url = rec_str(rec, "url") ? strdup(rec_str(rec, "url")) : NULL;
		commit = rec_str(rec, "commit") ? strdup(rec_str(rec, "commit")) : NULL;
		license = rec_str(rec, "license") ? strdup(rec_str(rec, "license")) : NULL;
	}
	jv_free(rec);
	gw *g = gw_open(path, commit, ".py", (size_t)(o->max_file_bytes > 0 ? o->max_file_bytes : 0), err, sizeof err);
	if (!g) {
		free(path); free(name); free(url); free(commit); free(license);
		return jv_invalid_with_msg(jv_string(err));
	}
	x->st.repos++;
	x->repo = (repo_info){ name, url, gw_commit(g), path, license };

	/* Read files (git objects are read on this thread only) and parse them
	 * on the pool, a batch of at most EX_BATCH bytes of source at a time:
	 * sources are freed once parsed, so a huge repository does not sit in
	 * memory whole; its records do, until the repository is done. */
	size_t cap = 64, n = 0;
	task *tasks = calloc(cap, sizeof *tasks);
	gw_file f;
	int more = 1;
	while (more) {
		size_t first = n, bytes = 0;
		while (bytes < EX_BATCH && (more = gw_next(g, &f))) {
			if (n == cap) {
				cap *= 2;
				tasks = realloc(tasks, cap * sizeof *tasks);
				if (!tasks)
					abort();
			}
			memset(&tasks[n], 0, sizeof tasks[n]);
			tasks[n++].file = f;
			bytes += f.len;
		}
		x->tasks = tasks;	/* workers are idle between batches: realloc is safe */
		x->first = first;
		x->ntasks = n;
		if (n > first)
			run_all(x);
	}
	x->first = 0;

	/* back on this thread: the test index, in file order; then linking on the pool */
	tl_index *tl = tl_new();
	for (size_t i = 0; i < n; i++) {
		tl_add(tl, tasks[i].tl);
		tasks[i].tl = NULL;
	}
	x->tl = tl;
	x->phase = 1;
	run_all(x);
	x->phase = 0;
	x->tl = NULL;
	/* filters that need the whole repository, and dedup, in file order */
	jv out = jv_array();
	int near = o->near <= 1;
	for (size_t i = 0; i < n; i++) {
		task *t = &tasks[i];
		x->st.files++;
		x->st.test_files += t->is_test;
		x->st.functions += t->found;
		x->st.syntax_errors += t->errors;
		x->st.files_with_errors += t->file_error;
		x->st.filtered += t->filtered;
		int k = 0, nr = jv_array_length(jv_copy(t->recs));
		for (int j = 0; j < nr; j++) {
			jv r = jv_array_get(jv_copy(t->recs), j);
			int ntests = t->ntests[j];
			const dd_sig *s = x->sign ? &t->sigs[k] : NULL;
			k++;
			if (o->require_tests && !ntests) {
				x->st.filtered++;
				jv_free(r);
				continue;
			}
			if (x->excl && dd_check(x->excl, s, near, 0) != DD_NEW) {
				x->st.excluded++;
				jv_free(r);
				continue;
			}
			if (x->seen) {
				int c = dd_check(x->seen, s, near, 1);
				if (c != DD_NEW) {
					if (c == DD_EXACT)
						x->st.dup_exact++;
					else
						x->st.dup_near++;
					jv_free(r);
					continue;
				}
			}
			x->st.with_tests += ntests > 0;
			out = jv_array_append(out, r);
			x->st.emitted++;
		}
		jv_free(t->recs);
		for (int m = 0; m < 2 * k; m++)
			free(t->modq[m]);
		free(t->modq);
		free(t->ntests);
		free(t->sigs);
		free(t->file.path);
	}
	tl_free(tl);
	free(tasks);
	x->tasks = NULL;
	x->ntasks = 0;
	const gw_stats *gs = gw_stats_of(g);
	x->st.symlinks += gs->symlinks;
	x->st.submodules += gs->submodules;
	x->st.binary += gs->binary;
	x->st.non_utf8 += gs->non_utf8;
	x->st.too_big += gs->too_big;
	x->st.unreadable += gs->unreadable;
	gw_close(g);
	free(path); free(name); free(url); free(commit); free(license);
	return out;
}

void ex_free(extractor *x)
{
	if (!x)
		return;
	if (x->th) {
		pthread_mutex_lock(&x->mu);
		x->stop = 1;
		pthread_cond_broadcast(&x->go);
		pthread_mutex_unlock(&x->mu);
		for (int i = 0; i < x->nth; i++)
			pthread_join(x->th[i], NULL);
		free(x->th);
		pthread_mutex_destroy(&x->mu);
		pthread_cond_destroy(&x->go);
		pthread_cond_destroy(&x->idle);
	}
	dd_free(x->seen);
	dd_free(x->excl);
	ts_parser_delete(x->parser);
	free(x);
}
