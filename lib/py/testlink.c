/* testlink.c — see testlink.h. */
#include "py/testlink.h"
#include "base/grow.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "py/pyfunc.h"
#include "py/pyparse.h"
#include "base/strset.h"
#include "base/diag.h"

static struct {
	TSSymbol fn, cls, decorated, block, ident, attribute, import, import_from, aliased,
		dotted, wildcard, relative, import_prefix, if_stmt, elif, else_, try_stmt, except_clause,
		finally_, with_stmt, for_stmt, while_stmt, match_stmt, case_clause, error, module;
	TSFieldId f_name, f_body, f_alias, f_module_name, f_attribute, f_definition;
} S;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void s_init(void)
{
	const TSLanguage *l = tree_sitter_python();
#define Y(f, s) S.f = ts_language_symbol_for_name(l, s, (uint32_t)strlen(s), 1)
#define F(f, s) S.f = ts_language_field_id_for_name(l, s, (uint32_t)strlen(s))
	Y(fn, "function_definition"); Y(cls, "class_definition"); Y(decorated, "decorated_definition");
	Y(block, "block"); Y(ident, "identifier"); Y(attribute, "attribute"); Y(import, "import_statement");
	Y(import_from, "import_from_statement"); Y(aliased, "aliased_import"); Y(dotted, "dotted_name");
	Y(wildcard, "wildcard_import"); Y(relative, "relative_import"); Y(import_prefix, "import_prefix");
	Y(if_stmt, "if_statement"); Y(elif, "elif_clause"); Y(else_, "else_clause"); Y(try_stmt, "try_statement");
	Y(except_clause, "except_clause"); Y(finally_, "finally_clause"); Y(with_stmt, "with_statement");
	Y(for_stmt, "for_statement"); Y(while_stmt, "while_statement"); Y(match_stmt, "match_statement");
	Y(case_clause, "case_clause"); Y(module, "module");
	S.error = ts_language_symbol_for_name(l, "ERROR", 5, 1);
	F(f_name, "name"); F(f_body, "body"); F(f_alias, "alias"); F(f_module_name, "module_name");
	F(f_attribute, "attribute"); F(f_definition, "definition");
#undef Y
#undef F
}

static int is_clause(TSSymbol s)
{
	return s == S.if_stmt || s == S.elif || s == S.else_ || s == S.try_stmt || s == S.except_clause ||
	       s == S.finally_ || s == S.with_stmt || s == S.for_stmt || s == S.while_stmt ||
	       s == S.match_stmt || s == S.case_clause || s == S.error;
}
/* --- one file ------------------------------------------------------------------ */

typedef struct {
	char *id;
	jv refs, attrs;		/* objects used as sets */
} tl_test;

struct tl_file {
	tl_test *t;
	int n, cap;
};


typedef struct {
	const char *src;
	char *pkg;		/* package of the file, for relative imports */
	jv map;			/* local name -> dotted */
	jv stars;		/* modules imported with * */
	strset bound;		/* the names of map (pointers into its keys) */
	tl_names_fn get;	/* names gathered by the caller's walk, if any */
	void *get_ctx;
} scanctx;

static char *text(TSNode n, const char *src)
{
	return py_strdup(n, src);
}

/* The absolute module of "from <module_name> import" */
static char *from_module(scanctx *c, TSNode m)
{
	if (ts_node_symbol(m) != S.relative) {
		char *t = text(m, c->src);
		return t;
	}
	char *t = text(m, c->src);
	size_t dots = strspn(t, ".");
	char *base = strdup(c->pkg);
	for (size_t i = 1; i < dots; i++) {
		char *d = strrchr(base, '.');
		if (d)
			*d = 0;
		else
			base[0] = 0;
	}
	const char *rest = t + dots;
	char *r;
	if (asprintf(&r, "%s%s%s", base, *base && *rest ? "." : "", rest) < 0)
		ls_oom();
	free(base);
	free(t);
	return r;
}

static void add_import(scanctx *c, TSNode st)
{
	TSSymbol s = ts_node_symbol(st);
	TSNode mod = ts_node_child_by_field_id(st, S.f_module_name);
	char *m = s == S.import_from && !ts_node_is_null(mod) ? from_module(c, mod) : NULL;
	uint32_t nc = ts_node_named_child_count(st);
	for (uint32_t i = 0; i < nc; i++) {
		TSNode x = ts_node_named_child(st, i);
		if (!ts_node_is_null(mod) && ts_node_eq(x, mod))
			continue;
		TSSymbol xs = ts_node_symbol(x);
		if (xs == S.wildcard && m) {
			c->stars = jv_array_append(c->stars, jv_string(m));
			continue;
		}
		char *name = NULL, *alias = NULL;
		if (xs == S.aliased) {
			TSNode nn = ts_node_child_by_field_id(x, S.f_name), an = ts_node_child_by_field_id(x, S.f_alias);
			if (ts_node_is_null(nn) || ts_node_is_null(an))
				continue;
			name = text(nn, c->src);
			alias = text(an, c->src);
		} else if (xs == S.dotted) {
			name = text(x, c->src);
			alias = strdup(name);
			if (!m) {	/* import a.b binds a to a */
				char *d = strchr(alias, '.');
				if (d)
					*d = 0;
				strcpy(name, alias);
			}
		} else
			continue;
		char *target;
		if (m) {
			if (asprintf(&target, "%s%s%s", m, *m ? "." : "", name) < 0)
				ls_oom();
		} else
			target = strdup(name);
		c->map = jv_object_set(c->map, jv_string(alias), jv_string(target));
		free(target);
		free(name);
		free(alias);
	}
	free(m);
}

/* Every import statement of the file: imports are statements, so only
 * statement containers (and def/class bodies) are entered. */
static void collect_imports(scanctx *c, TSNode n, int depth)
{
	TSSymbol s = ts_node_symbol(n);
	if (s == S.import || s == S.import_from) {
		add_import(c, n);
		return;
	}
	if (depth > TL_IMPORT_DEPTH)
		return;
	if (s == S.fn || s == S.cls) {
		TSNode body = ts_node_child_by_field_id(n, S.f_body);
		if (!ts_node_is_null(body))
			collect_imports(c, body, depth + 1);
		return;
	}
	if (!ts_node_is_named(n) || !(s == S.module || s == S.block || s == S.decorated ||
				       is_clause(s)))
		return;
	py_kids k;
	for (TSNode x = py_kid_first(&k, n); !ts_node_is_null(x); x = py_kid_next(&k))
		collect_imports(c, x, depth + 1);
	py_kid_done(&k);
}

/* Resolve a dotted chain through the imports; add it and its prefixes. */
static void add_ref(scanctx *c, tl_test *t, const char *chain)
{
	const char *dot = strchr(chain, '.');
	size_t fl = dot ? (size_t)(dot - chain) : strlen(chain);
	jv first = jv_string_sized(chain, (int)fl);
	jv target = jv_object_get(jv_copy(c->map), first);
	jv bases = jv_array();
	if (jv_is_valid(target) && jv_get_kind(target) == JV_KIND_STRING)
		bases = jv_array_append(bases, target);
	else {
		jv_free(target);
		jv_array_foreach(c->stars, i, sm) {
			char *b;
			if (asprintf(&b, "%s.%.*s", jv_string_value(sm), (int)fl, chain) < 0)
				ls_oom();
			bases = jv_array_append(bases, jv_string(b));
			free(b);
			jv_free(sm);
		}
	}
	jv_array_foreach(bases, i, b) {
		char *full;
		if (asprintf(&full, "%s%s", jv_string_value(b), dot ? dot : "") < 0)
			ls_oom();
		/* the chain and each prefix of it */
		for (char *p = full + strlen(full);;) {
			t->refs = jv_object_set(t->refs, jv_string_sized(full, (int)(p - full)), jv_true());
			char *q = p;
			while (q > full && q[-1] != '.')
				q--;
			if (q <= full)
				break;
			p = q - 1;
		}
		free(full);
		jv_free(b);
	}
	jv_free(bases);
}

static int chain_ok_n(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!(ch == '.' || ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || (unsigned char)ch >= 0x80))
			return 0;
	}
	return 1;
}

/* --- the names a test function uses ------------------------------------------ */

struct tl_names {
	strset chains, attrs;	/* byte strings into the source */
};

tl_names *tl_names_new(void)
{
	pthread_once(&s_once, s_init);
	tl_names *nm = xcalloc(1, sizeof *nm);
	return nm;
}

void tl_names_free(tl_names *nm)
{
	if (!nm)
		return;
	strset_free(&nm->chains);
	strset_free(&nm->attrs);
	free(nm);
}

int tl_names_visit(tl_names *nm, TSNode n, TSSymbol s, const char *src)
{
	size_t l;
	if (s == S.attribute) {
		const char *ch = py_text(n, src, &l);
		if (chain_ok_n(ch, l)) {
			strset_add(&nm->chains, ch, l);
			for (size_t i = 0; i < l; i++)	/* every .name in it is an attribute used */
				if (ch[i] == '.') {
					size_t e = i + 1;
					while (e < l && ch[e] != '.')
						e++;
					strset_add(&nm->attrs, ch + i + 1, e - i - 1);
				}
			return 1;	/* the prefixes come from the chain */
		}
		TSNode a = ts_node_child_by_field_id(n, S.f_attribute);
		if (!ts_node_is_null(a)) {
			const char *at = py_text(a, src, &l);
			strset_add(&nm->attrs, at, l);
		}
	} else if (s == S.ident) {
		const char *id = py_text(n, src, &l);
		strset_add(&nm->chains, id, l);
	}
	return 0;
}

/* The walk over a def, for a test function no caller walked for us. */
static void walk_test(tl_names *nm, TSNode def, const char *src)
{
	TSTreeCursor cur = ts_tree_cursor_new(def);
	int d = 0;
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&cur);
		int descend = 1;
		if (d > 0)
			descend = !tl_names_visit(nm, n, ts_node_symbol(n), src);
		if (descend && d < TL_MAX_DEPTH && ts_node_child_count(n) > 0 &&
		    ts_tree_cursor_goto_first_child(&cur)) {
			d++;
			continue;
		}
		for (;;) {
			if (d == 0)
				goto done;
			if (ts_tree_cursor_goto_next_sibling(&cur))
				break;
			ts_tree_cursor_goto_parent(&cur);
			d--;
		}
	}
done:
	ts_tree_cursor_delete(&cur);
}

/* Each distinct chain is resolved once. */
static void resolve(scanctx *c, tl_test *t, const tl_names *nm)
{
	const strset *chains = &nm->chains, *attrs = &nm->attrs;
	int stars = jv_array_length(jv_copy(c->stars)) > 0;
	for (size_t i = 0; i < chains->cap; i++) {
		if (!chains->k[i])
			continue;
		const char *ch = chains->k[i];
		size_t l = chains->l[i];
		const char *dot = memchr(ch, '.', l);
		size_t fl = dot ? (size_t)(dot - ch) : l;
		/* only names the imports (or a star import) can explain */
		if (!stars && !strset_has(&c->bound, ch, fl))
			continue;
		char *z = strndup(ch, l);
		add_ref(c, t, z);
		free(z);
	}
	for (size_t i = 0; i < attrs->cap; i++)
		if (attrs->k[i])
			t->attrs = jv_object_set(t->attrs, jv_string_sized(attrs->k[i], (int)attrs->l[i]), jv_true());
}

static TSNode undecorate(TSNode n)
{
	if (ts_node_symbol(n) == S.decorated) {
		TSNode d = ts_node_child_by_field_id(n, S.f_definition);
		if (!ts_node_is_null(d))
			return d;
	}
	return n;
}

static int is_test_name(TSNode def, const char *src)
{
	TSNode nn = ts_node_child_by_field_id(def, S.f_name);
	size_t l;
	if (ts_node_is_null(nn))
		return 0;
	const char *t = py_text(nn, src, &l);
	return l >= 4 && !memcmp(t, "test", 4);
}

static void add_test(tl_file *f, scanctx *c, const char *id, TSNode def)
{
	LS_GROW(f->t, f->n, f->cap, 16);
	tl_test *t = &f->t[f->n++];
	t->id = strdup(id);
	t->refs = jv_object();
	t->attrs = jv_object();
	const tl_names *given = c->get ? c->get(c->get_ctx, def) : NULL;
	if (given)
		resolve(c, t, given);
	else {
		tl_names own = { 0 };
		walk_test(&own, def, c->src);
		resolve(c, t, &own);
		strset_free(&own.chains);
		strset_free(&own.attrs);
	}
}

tl_file *tl_scan_file(const char *path, TSTree *tree, const char *src)
{
	return tl_scan_file_with(path, tree, src, NULL, 0, NULL, NULL);
}

tl_file *tl_scan_file_with(const char *path, TSTree *tree, const char *src, const TSNode *imports,
			   int nimports, tl_names_fn get, void *ctx)
{
	pthread_once(&s_once, s_init);
	TSNode root = ts_tree_root_node(tree);
	tl_file *f = calloc(1, sizeof *f);
	scanctx c = { .src = src, .map = jv_object(), .stars = jv_array(), .get = get, .get_ctx = ctx };
	char *mod = pyf_module_name(path);
	char *d = strrchr(mod, '.');
	if (d)
		*d = 0;
	else
		mod[0] = 0;
	c.pkg = mod;
	if (imports)
		for (int i = 0; i < nimports; i++)
			add_import(&c, imports[i]);
	else
		collect_imports(&c, root, 0);
	for (int it = jv_object_iter(c.map); jv_object_iter_valid(c.map, it); it = jv_object_iter_next(c.map, it)) {
		jv k = jv_object_iter_key(c.map, it);	/* the map keeps the string: the pointer stays good */
		strset_add(&c.bound, jv_string_value(k), (size_t)jv_string_length_bytes(jv_copy(k)));
		jv_free(k);
	}
	py_kids top;
	for (TSNode tn = py_kid_first(&top, root); !ts_node_is_null(tn); tn = py_kid_next(&top)) {
		TSNode n = undecorate(tn);
		TSSymbol s = ts_node_symbol(n);
		char *id;
		if (s == S.fn && is_test_name(n, src)) {
			char *name = text(ts_node_child_by_field_id(n, S.f_name), src);
			if (asprintf(&id, "%s::%s", path, name) < 0)
				ls_oom();
			add_test(f, &c, id, n);
			free(id);
			free(name);
		} else if (s == S.cls) {
			TSNode body = ts_node_child_by_field_id(n, S.f_body);
			char *cname = text(ts_node_child_by_field_id(n, S.f_name), src);
			py_kids k;
			for (TSNode bn = ts_node_is_null(body) ? body : py_kid_first(&k, body); !ts_node_is_null(bn);
			     bn = py_kid_next(&k)) {
				TSNode m = undecorate(bn);
				if (ts_node_symbol(m) != S.fn || !is_test_name(m, src))
					continue;
				char *name = text(ts_node_child_by_field_id(m, S.f_name), src);
				if (asprintf(&id, "%s::%s::%s", path, cname, name) < 0)
					ls_oom();
				add_test(f, &c, id, m);
				free(id);
				free(name);
			}
			if (!ts_node_is_null(body))
				py_kid_done(&k);
			free(cname);
		}
	}
	py_kid_done(&top);
	strset_free(&c.bound);
	jv_free(c.map);
	jv_free(c.stars);
	free(mod);
	if (!f->n) {
		tl_file_free(f);
		return NULL;
	}
	return f;
}

void tl_file_free(tl_file *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n; i++) {
		free(f->t[i].id);
		jv_free(f->t[i].refs);
		jv_free(f->t[i].attrs);
	}
	free(f->t);
	free(f);
}

/* --- the repository's index ------------------------------------------------------ */

/* Plain C, no jv: once built it is only read, so any thread may query it. */
typedef struct {
	char *key;
	int *t;			/* test indices, ascending */
	int n, cap;
} posting;

typedef struct {
	posting *p;
	size_t n, cap;
} pmap;

struct tl_index {
	char **ids;		/* test ids */
	size_t ntests, cap;
	pmap refs, attrs;	/* dotted name / attribute name -> tests */
};

tl_index *tl_new(void)
{
	tl_index *x = xcalloc(1, sizeof *x);
	return x;
}

size_t tl_ntests(const tl_index *x) { return x->ntests; }

static posting *pm_find(const pmap *m, const char *k, size_t kl, size_t *slot)
{
	if (!m->cap)
		return NULL;
	size_t i = strset_hash(k, kl) & (m->cap - 1);
	for (; m->p[i].key; i = (i + 1) & (m->cap - 1))
		if (!strncmp(m->p[i].key, k, kl) && m->p[i].key[kl] == 0)
			return &m->p[i];
	if (slot)
		*slot = i;
	return NULL;
}

static void pm_add(pmap *m, const char *k, int test)
{
	size_t kl = strlen(k), slot;
	posting *p = pm_find(m, k, kl, &slot);
	if (!p) {
		if ((m->n + 1) * 2 > m->cap) {
			pmap y = { 0 };
			y.cap = m->cap ? m->cap * 2 : 256;
			y.p = xcalloc(y.cap, sizeof *y.p);
			for (size_t i = 0; i < m->cap; i++)
				if (m->p[i].key) {
					size_t s2;
					pm_find(&y, m->p[i].key, strlen(m->p[i].key), &s2);
					y.p[s2] = m->p[i];
				}
			y.n = m->n;
			free(m->p);
			*m = y;
			pm_find(m, k, kl, &slot);
		}
		p = &m->p[slot];
		p->key = strdup(k);
		m->n++;
	}
	if (p->n && p->t[p->n - 1] == test)
		return;
	LS_GROW(p->t, p->n, p->cap, 4);
	p->t[p->n++] = test;
}

static void pm_free(pmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->p[i].key) {
			free(m->p[i].key);
			free(m->p[i].t);
		}
	free(m->p);
}

static void index_keys(pmap *m, jv keys, int test)
{
	jv_object_foreach(keys, k, v) {
		pm_add(m, jv_string_value(k), test);
		jv_free(k);
		jv_free(v);
	}
	jv_free(keys);
}

void tl_add(tl_index *x, tl_file *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n; i++) {
		LS_GROW(x->ids, x->ntests, x->cap, 64);
		int t = (int)x->ntests++;
		x->ids[t] = f->t[i].id;
		f->t[i].id = NULL;
		index_keys(&x->refs, jv_copy(f->t[i].refs), t);
		index_keys(&x->attrs, jv_copy(f->t[i].attrs), t);
	}
	tl_file_free(f);
}

/* found[] collects test indices (duplicates allowed, sorted later) */
typedef struct { int *v; size_t n, cap; } ivec;

static void iv_push(ivec *v, int x)
{
	LS_GROW(v->v, v->n, v->cap, 16);
	v->v[v->n++] = x;
}

static __thread const tl_index *cmp_x;
static int cmp_test(const void *a, const void *b)
{
	return strcmp(cmp_x->ids[*(const int *)a], cmp_x->ids[*(const int *)b]);
}

jv tl_tests_for(const tl_index *x, const char *module, const char *qualname)
{
	if (strstr(qualname, "<locals>") || !x->ntests)
		return jv_array();
	const char *last = strrchr(qualname, '.');
	ivec found = { 0 };
	/* keys "<package>.<qualname>" (and "<package>.<class>" for a method),
	 * for the module and each package above it, built in one buffer */
	size_t ml = strlen(module), ql = strlen(qualname);
	char *key = xmalloc(ml + ql + 2);
	memcpy(key, module, ml);
	for (;;) {
		size_t k = ml;
		if (ml)
			key[k++] = '.';
		if (last) {	/* a method: the class used and the attribute used, both */
			size_t cl = (size_t)(last - qualname);
			memcpy(key + k, qualname, cl);
			const posting *c = pm_find(&x->refs, key, k + cl, NULL);
			const posting *a = c ? pm_find(&x->attrs, last + 1, strlen(last + 1), NULL) : NULL;
			for (int i = 0, j = 0; a && i < c->n && j < a->n;) {	/* both ascending */
				if (c->t[i] < a->t[j])
					i++;
				else if (c->t[i] > a->t[j])
					j++;
				else {
					iv_push(&found, c->t[i]);
					i++;
					j++;
				}
			}
		}
		memcpy(key + k, qualname, ql);
		const posting *p = pm_find(&x->refs, key, k + ql, NULL);
		for (int i = 0; p && i < p->n; i++)
			iv_push(&found, p->t[i]);
		while (ml > 0 && key[ml - 1] != '.')
			ml--;
		if (!ml)
			break;
		ml--;	/* the package above */
	}
	free(key);
	cmp_x = x;
	if (found.n > 1)
		qsort(found.v, found.n, sizeof *found.v, cmp_test);
	jv r = jv_array();
	for (size_t i = 0; i < found.n; i++)
		if (i == 0 || found.v[i] != found.v[i - 1])
			r = jv_array_append(r, jv_string(x->ids[found.v[i]]));
	free(found.v);
	return r;
}

void tl_free(tl_index *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->ntests; i++)
		free(x->ids[i]);
	free(x->ids);
	pm_free(&x->refs);
	pm_free(&x->attrs);
	free(x);
}
