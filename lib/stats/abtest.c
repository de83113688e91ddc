/* abtest.c — see abtest.h. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/grow.h"
#include "rec/record.h"
#include "stats/abtest.h"
#include "stats/stats.h"

#define MSG_MAX 240	/* bytes of a failure message kept as an example */

enum { ABSENT, VERDICT, NO_VERDICT };

typedef struct {
	int state, pass;
	char *fail;		/* failure label ("failed/assertion"), NULL when passed */
	char *msg;		/* the first failure's message, cut to MSG_MAX */
	double latency, tin, tout;	/* NAN when the record lacks them */
	char **gv;		/* its value for each breakdown field */
} ab_side;

typedef struct {
	char *id;
	ab_side s[2];
} ab_item;

/* why records were left out, in the order the report lists them */
static const char *const reasons[] = { "no id", "no verdict", "duplicate id", "no partner with a verdict",
				       "no model field", "another model" };
enum { R_NOID, R_NOVERDICT, R_DUP, R_UNPAIRED, R_NOMODEL, R_OTHER, R_N };

struct abtest {
	abtest_opts o;
	int ngroups;
	const char **groups;	/* category, difficulty, then --group-by */
	ab_item *items;
	size_t n, cap;
	jv index;		/* id -> index into items */
	long records[2];
	long count[R_N][3];	/* per side, and side-less (index 2) */
	char *example[R_N];
};

abtest *abtest_new(const abtest_opts *o)
{
	abtest *a = calloc(1, sizeof *a);
	if (!a)
		abort();
	a->o = *o;
	for (int s = 0; s < 2; s++)
		a->o.names[s] = strdup(o->names[s] ? o->names[s] : s ? "B" : "A");
	a->ngroups = 2 + o->n_group_by;
	a->groups = malloc(a->ngroups * sizeof *a->groups);
	if (!a->groups)
		abort();
	a->groups[0] = "category";
	a->groups[1] = "difficulty";
	/* a field asked for twice is one breakdown */
	a->ngroups = 2;
	for (int i = 0; i < o->n_group_by; i++) {
		int seen = 0;
		for (int g = 0; g < a->ngroups; g++)
			seen |= !strcmp(a->groups[g], o->group_by[i]);
		if (!seen)
			a->groups[a->ngroups++] = o->group_by[i];
	}
	a->index = jv_object();
	return a;
}

void abtest_set_name(abtest *a, int side, const char *name)
{
	free((char *)a->o.names[side]);
	a->o.names[side] = strdup(name);
}

static void side_free(ab_side *s, int ngroups)
{
	free(s->fail), free(s->msg);
	if (s->gv)
		for (int g = 0; g < ngroups; g++)
			free(s->gv[g]);
	free(s->gv);
}

void abtest_free(abtest *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->items[i].id);
		side_free(&a->items[i].s[0], a->ngroups);
		side_free(&a->items[i].s[1], a->ngroups);
	}
	for (int r = 0; r < R_N; r++)
		free(a->example[r]);
	free(a->items), free(a->groups);
	free((char *)a->o.names[0]), free((char *)a->o.names[1]);
	jv_free(a->index);
	free(a);
}

static void count(abtest *a, int reason, int side, const char *example)
{
	a->count[reason][side]++;
	if (!a->example[reason] && example)
		a->example[reason] = strdup(example);
}

void abtest_left_out(abtest *a, const char *reason, const char *example)
{
	count(a, strcmp(reason, "no model field") ? R_OTHER : R_NOMODEL, 2, example);
}

/* A JSON value as a group label: strings as they are, others as JSON. */
static char *label(jv v)
{
	jv_kind k = jv_get_kind(v);
	if (k == JV_KIND_NULL || k == JV_KIND_INVALID) {
		jv_free(v);
		return NULL;
	}
	if (k == JV_KIND_STRING) {
		char *s = strdup(jv_string_value(v));
		jv_free(v);
		return s;
	}
	return rec_dump(v, NULL);
}

static double num_or_nan(jv rec, const char *key)
{
	jv v = jv_object_get(jv_copy(rec), jv_string(key));
	double x = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : NAN;
	jv_free(v);
	return x;
}

/* s[0..n) cut to at most max bytes, on a UTF-8 character boundary. */
static char *cut(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return strndup(s, n);
}

/* The exception's type at the start of a message ("IndexError: ..."), or
 * NULL: ls-exec writes raised exceptions as Python's one-line form. */
static char *exc_type(const char *msg)
{
	size_t n = 0;
	while (msg && (isalnum((unsigned char)msg[n]) || msg[n] == '_' || msg[n] == '.'))
		n++;
	return n > 0 && n < 80 && msg[n] == ':' && !isdigit((unsigned char)msg[0]) ? strndup(msg, n) : NULL;
}

/* exec's status and category as one label: "failed/assertion",
 * "timeout/cpu_time", "failed/exception:IndexError" (the type of a raised
 * exception), or the status alone when the category adds nothing. */
static char *fail_label(const char *status, const char *cat, const char *msg)
{
	if (!cat || !*cat || !strcmp(cat, status))
		return strdup(status);
	char *type = !strcmp(cat, "exception") ? exc_type(msg) : NULL;
	size_t n = strlen(status) + strlen(cat) + (type ? strlen(type) + 1 : 0) + 2;
	char *l = malloc(n);
	if (!l)
		abort();
	snprintf(l, n, "%s/%s%s%s", status, cat, type ? ":" : "", type ? type : "");
	free(type);
	return l;
}

static void read_verdict(abtest *a, ab_side *s, jv rec)
{
	jv e = jv_object_get(jv_copy(rec), jv_string("exec"));
	const char *st = jv_get_kind(e) == JV_KIND_OBJECT ? rec_str(e, "status") : NULL;
	if (!st) {
		s->state = NO_VERDICT;
		jv_free(e);
		return;
	}
	s->state = VERDICT;
	s->pass = !strcmp(st, "passed");
	if (!s->pass) {
		jv f = jv_object_get(jv_copy(e), jv_string("failures"));
		if (jv_get_kind(f) == JV_KIND_ARRAY && jv_array_length(jv_copy(f)) > 0) {
			jv m = jv_object_get(jv_array_get(jv_copy(f), 0), jv_string("message"));
			if (jv_get_kind(m) == JV_KIND_STRING)
				s->msg = cut(jv_string_value(m), MSG_MAX);
			jv_free(m);
		}
		jv_free(f);
		s->fail = fail_label(st, rec_str(e, "category"), s->msg);
	}
	jv_free(e);
	s->latency = num_or_nan(rec, "latency_ms");
	s->tin = num_or_nan(rec, "tokens_in");
	s->tout = num_or_nan(rec, "tokens_out");
	s->gv = calloc(a->ngroups, sizeof *s->gv);
	if (!s->gv)
		abort();
	for (int g = 0; g < a->ngroups; g++)
		s->gv[g] = label(rec_path(rec, a->groups[g]));
}

void abtest_add(abtest *a, int side, jv rec, const char *where)
{
	a->records[side]++;
	const char *id = rec_str(rec, "id");
	if (!id) {
		count(a, R_NOID, side, where);
		jv_free(rec);
		return;
	}
	jv ix = jv_object_get(jv_copy(a->index), jv_string(id));
	size_t i;
	if (jv_get_kind(ix) == JV_KIND_NUMBER) {
		i = (size_t)jv_number_value(ix);
	} else {
		LS_GROW(a->items, a->n, a->cap, 256);
		i = a->n++;
		memset(&a->items[i], 0, sizeof a->items[i]);
		a->items[i].id = strdup(id);
		a->index = jv_object_set(a->index, jv_string(id), jv_number((double)i));
	}
	jv_free(ix);
	ab_side *s = &a->items[i].s[side];
	if (s->state != ABSENT)
		count(a, R_DUP, side, id);
	else
		read_verdict(a, s, rec);
	jv_free(rec);
}

/* ---- statistics over a set of pairs ------------------------------------- */

typedef struct {
	long n, k[2], only[2];	/* pairs, passes per side, passes on one side only */
} tally;

static jv interval(double lo, double hi)
{
	return JV_ARRAY(jv_number(lo), jv_number(hi));
}

/* n, passes, rates with Wilson intervals, the difference B - A, the
 * discordant pairs and McNemar's test. */
static jv tally_json(const tally *t, double alpha)
{
	jv o = jv_object(), rate = jv_array(), ci = jv_array();
	for (int s = 0; s < 2; s++) {
		double lo, hi;
		stats_wilson(t->k[s], t->n, alpha, &lo, &hi);
		rate = jv_array_append(rate, t->n ? jv_number((double)t->k[s] / t->n) : jv_null());
		ci = jv_array_append(ci, interval(lo, hi));
	}
	stats_mcnemar_t m;
	stats_mcnemar(t->only[0], t->only[1], &m);
	o = jv_object_set(o, jv_string("n"), jv_number(t->n));
	o = jv_object_set(o, jv_string("passed"), JV_ARRAY(jv_number(t->k[0]), jv_number(t->k[1])));
	o = jv_object_set(o, jv_string("rate"), rate);
	o = jv_object_set(o, jv_string("wilson"), ci);
	o = jv_object_set(o, jv_string("diff"), t->n ? jv_number((double)(t->k[1] - t->k[0]) / t->n) : jv_null());
	o = jv_object_set(o, jv_string("discordant"), JV_ARRAY(jv_number(t->only[0]), jv_number(t->only[1])));
	jv mc = jv_object();
	mc = jv_object_set(mc, jv_string("exact"), jv_number(m.exact));
	mc = jv_object_set(mc, jv_string("mid_p"), jv_number(m.mid_p));
	mc = jv_object_set(mc, jv_string("chi2_cc"), jv_number(m.chi2_cc));
	mc = jv_object_set(mc, jv_string("p_chi2_cc"), jv_number(m.p_chi2_cc));
	return jv_object_set(o, jv_string("mcnemar"), mc);
}

static void tally_add(tally *t, const ab_item *it)
{
	int pa = it->s[0].pass, pb = it->s[1].pass;
	t->n++;
	t->k[0] += pa, t->k[1] += pb;
	t->only[0] += pa && !pb;
	t->only[1] += pb && !pa;
}

static int paired(const ab_item *it)
{
	return it->s[0].state == VERDICT && it->s[1].state == VERDICT;
}

/* A task's value for breakdown g: A's, else B's (the same task on both). */
static const char *group_value(const ab_item *it, int g)
{
	const char *v = it->s[0].gv[g];
	return v ? v : it->s[1].gv[g];
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* One breakdown: a row per value (sorted), each tested, Holm-adjusted over
 * the rows. NULL-valued tasks form the row "(none)". jv_null() when no task
 * has a value and the field was not asked for. */
static jv breakdown(abtest *a, int g, int asked)
{
	const char **vals = NULL;
	size_t nv = 0, cap = 0;
	int any = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (!paired(&a->items[i]))
			continue;
		const char *v = group_value(&a->items[i], g);
		any |= v != NULL;
		LS_GROW(vals, nv, cap, 64);
		vals[nv++] = v ? v : "(none)";
	}
	if (!any && !asked) {
		free(vals);
		return jv_null();
	}
	qsort(vals, nv, sizeof *vals, cmp_str);
	size_t nu = 0;
	for (size_t i = 0; i < nv; i++)
		if (nu == 0 || strcmp(vals[nu - 1], vals[i]))
			vals[nu++] = vals[i];
	tally *t = calloc(nu ? nu : 1, sizeof *t);
	double *p = malloc((nu ? nu : 1) * sizeof *p);
	if (!t || !p)
		abort();
	for (size_t i = 0; i < a->n; i++) {
		if (!paired(&a->items[i]))
			continue;
		const char *v = group_value(&a->items[i], g);
		const char *key = v ? v : "(none)";
		const char **hit = bsearch(&key, vals, nu, sizeof *vals, cmp_str);
		tally_add(&t[hit - vals], &a->items[i]);
	}
	for (size_t r = 0; r < nu; r++) {
		stats_mcnemar_t m;
		stats_mcnemar(t[r].only[0], t[r].only[1], &m);
		p[r] = m.exact;
	}
	stats_holm(p, p, nu);
	jv rows = jv_array();
	for (size_t r = 0; r < nu; r++) {
		jv row = jv_object_set(tally_json(&t[r], a->o.alpha), jv_string("value"), jv_string(vals[r]));
		row = jv_object_set(row, jv_string("p_holm"), jv_number(p[r]));
		rows = jv_array_append(rows, jv_object_set(row, jv_string("significant"), jv_bool(p[r] < a->o.alpha)));
	}
	free(t), free(p), free(vals);
	jv b = jv_object_set(jv_object(), jv_string("by"), jv_string(a->groups[g]));
	b = jv_object_set(b, jv_string("correction"), jv_string("holm"));
	return jv_object_set(b, jv_string("rows"), rows);
}

/* Failure labels of the paired tasks, per side, with the first example of
 * each; sorted by the size of the change, then by name. */
typedef struct {
	const char *label;
	long n[2];
	const ab_item *ex[2];
} failrow;

static int cmp_fail(const void *x, const void *y)
{
	const failrow *a = x, *b = y;
	long da = labs(a->n[1] - a->n[0]), db = labs(b->n[1] - b->n[0]);
	if (da != db)
		return da > db ? -1 : 1;
	return strcmp(a->label, b->label);
}

static jv failures(abtest *a)
{
	failrow *f = NULL;
	size_t nf = 0, cap = 0;
	for (size_t i = 0; i < a->n; i++) {
		const ab_item *it = &a->items[i];
		if (!paired(it))
			continue;
		for (int s = 0; s < 2; s++) {
			if (it->s[s].pass)
				continue;
			size_t r = 0;
			while (r < nf && strcmp(f[r].label, it->s[s].fail))
				r++;
			if (r == nf) {
				LS_GROW(f, nf, cap, 16);
				f[nf++] = (failrow){ .label = it->s[s].fail };
			}
			if (f[r].n[s]++ == 0)
				f[r].ex[s] = it;
		}
	}
	if (nf)
		qsort(f, nf, sizeof *f, cmp_fail);
	jv out = jv_array();
	for (size_t r = 0; r < nf; r++) {
		jv row = jv_object_set(jv_object(), jv_string("category"), jv_string(f[r].label));
		row = jv_object_set(row, jv_string("count"), JV_ARRAY(jv_number(f[r].n[0]), jv_number(f[r].n[1])));
		row = jv_object_set(row, jv_string("change"), jv_number(f[r].n[1] - f[r].n[0]));
		jv ex = jv_array();
		for (int s = 0; s < 2; s++) {
			const ab_item *it = f[r].ex[s];
			if (!it) {
				ex = jv_array_append(ex, jv_null());
				continue;
			}
			jv e = jv_object_set(jv_object(), jv_string("id"), jv_string(it->id));
			e = jv_object_set(e, jv_string("message"), it->s[s].msg ? jv_string(it->s[s].msg) : jv_null());
			ex = jv_array_append(ex, e);
		}
		out = jv_array_append(out, jv_object_set(row, jv_string("example"), ex));
	}
	free(f);
	return out;
}

/* p50/p95 of latency, mean tokens in and out, over the paired tasks that
 * carry the fields (ls-infer's latency_ms, tokens_in, tokens_out). */
static jv usage(abtest *a)
{
	jv out = jv_object(), n = jv_array(), p50 = jv_array(), p95 = jv_array(), tin = jv_array(),
	   tout = jv_array(), ntok = jv_array();
	double *x = malloc((a->n ? a->n : 1) * sizeof *x);
	if (!x)
		abort();
	for (int s = 0; s < 2; s++) {
		size_t m = 0, mt = 0;
		double si = 0, so = 0;
		for (size_t i = 0; i < a->n; i++) {
			const ab_item *it = &a->items[i];
			if (!paired(it))
				continue;
			if (!isnan(it->s[s].latency))
				x[m++] = it->s[s].latency;
			if (!isnan(it->s[s].tout)) {
				mt++;
				so += it->s[s].tout;
				si += isnan(it->s[s].tin) ? 0 : it->s[s].tin;
			}
		}
		n = jv_array_append(n, jv_number(m));
		p50 = jv_array_append(p50, m ? jv_number(stats_percentile(x, m, 0.5)) : jv_null());
		p95 = jv_array_append(p95, m ? jv_number(stats_percentile_sorted(x, m, 0.95)) : jv_null());
		ntok = jv_array_append(ntok, jv_number(mt));
		tin = jv_array_append(tin, mt ? jv_number(si / mt) : jv_null());
		tout = jv_array_append(tout, mt ? jv_number(so / mt) : jv_null());
	}
	free(x);
	jv lat = jv_object_set(jv_object(), jv_string("n"), n);
	lat = jv_object_set(lat, jv_string("p50"), p50);
	lat = jv_object_set(lat, jv_string("p95"), p95);
	jv tok = jv_object_set(jv_object(), jv_string("n"), ntok);
	tok = jv_object_set(tok, jv_string("in_mean"), tin);
	tok = jv_object_set(tok, jv_string("out_mean"), tout);
	out = jv_object_set(out, jv_string("latency_ms"), lat);
	return jv_object_set(out, jv_string("tokens"), tok);
}

/* Partners of records with a verdict whose other side has none. */
static void count_unpaired(abtest *a)
{
	for (size_t i = 0; i < a->n; i++) {
		const ab_item *it = &a->items[i];
		for (int s = 0; s < 2; s++) {
			if (it->s[s].state == NO_VERDICT)
				count(a, R_NOVERDICT, s, it->id);
			else if (it->s[s].state == VERDICT && it->s[!s].state != VERDICT)
				count(a, R_UNPAIRED, s, it->id);
		}
	}
}

static jv input_json(abtest *a, long npaired)
{
	jv left = jv_array();
	for (int r = 0; r < R_N; r++) {
		long tot = a->count[r][0] + a->count[r][1] + a->count[r][2];
		if (!tot)
			continue;
		jv row = jv_object_set(jv_object(), jv_string("reason"), jv_string(reasons[r]));
		row = jv_object_set(row, jv_string("count"), jv_number(tot));
		row = jv_object_set(row, jv_string("per_model"),
				    a->count[r][2] ? jv_null() : JV_ARRAY(jv_number(a->count[r][0]), jv_number(a->count[r][1])));
		left = jv_array_append(left, jv_object_set(row, jv_string("example"), jv_string(a->example[r])));
	}
	jv in = jv_object_set(jv_object(), jv_string("records"),
			      JV_ARRAY(jv_number(a->records[0]), jv_number(a->records[1])));
	in = jv_object_set(in, jv_string("paired"), jv_number(npaired));
	return jv_object_set(in, jv_string("left_out"), left);
}

static int asked(const abtest *a, const char *field)
{
	for (int i = 0; i < a->o.n_group_by; i++)
		if (!strcmp(a->o.group_by[i], field))
			return 1;
	return 0;
}

jv abtest_result(abtest *a)
{
	count_unpaired(a);
	tally all = { 0 };
	double *da = malloc((a->n ? a->n : 1) * sizeof *da), *db = malloc((a->n ? a->n : 1) * sizeof *db);
	if (!da || !db)
		abort();
	for (size_t i = 0; i < a->n; i++)
		if (paired(&a->items[i])) {
			da[all.n] = a->items[i].s[0].pass;
			db[all.n] = a->items[i].s[1].pass;
			tally_add(&all, &a->items[i]);
		}
	double alpha = a->o.alpha;
	jv r = jv_object();
	r = jv_object_set(r, jv_string("models"), JV_ARRAY(jv_string(a->o.names[0]), jv_string(a->o.names[1])));
	r = jv_object_set(r, jv_string("alpha"), jv_number(alpha));
	r = jv_object_set(r, jv_string("input"), input_json(a, all.n));
	jv ov = tally_json(&all, alpha);
	double lo, hi;
	if (stats_bootstrap_diff(da, db, all.n, a->o.resamples, alpha, a->o.seed, &lo, &hi) == 0)
		ov = jv_object_set(ov, jv_string("diff_ci"), interval(lo, hi));
	else
		ov = jv_object_set(ov, jv_string("diff_ci"), jv_null());
	jv boot = jv_object_set(jv_object(), jv_string("resamples"), jv_number(a->o.resamples));
	ov = jv_object_set(ov, jv_string("bootstrap"), jv_object_set(boot, jv_string("seed"), jv_number((double)a->o.seed)));
	free(da), free(db);

	stats_mcnemar_t m;
	stats_mcnemar(all.only[0], all.only[1], &m);
	int win = all.n == 0 || m.exact >= alpha ? -1 : all.only[1] > all.only[0];
	jv v = jv_object_set(jv_object(), jv_string("better"), win < 0 ? jv_null() : jv_string(a->o.names[win]));
	v = jv_object_set(v, jv_string("p"), jv_number(m.exact));
	v = jv_object_set(v, jv_string("test"), jv_string("mcnemar exact"));
	r = jv_object_set(r, jv_string("verdict"), v);
	r = jv_object_set(r, jv_string("overall"), ov);

	jv groups = jv_array();
	for (int g = 0; g < a->ngroups; g++) {
		/* category and difficulty only when the tasks have them; asked-for fields always */
		jv b = breakdown(a, g, asked(a, a->groups[g]));
		if (jv_get_kind(b) == JV_KIND_NULL)
			jv_free(b);
		else
			groups = jv_array_append(groups, b);
	}
	r = jv_object_set(r, jv_string("groups"), groups);
	r = jv_object_set(r, jv_string("failures"), failures(a));
	return jv_object_set(r, jv_string("usage"), usage(a));
}

int abtest_npaired(jv result)
{
	jv in = jv_object_get(jv_copy(result), jv_string("input"));
	int n = (int)rec_num(in, "paired", 0);
	jv_free(in);
	return n;
}
