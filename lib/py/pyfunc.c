/* pyfunc.c — see pyfunc.h. */
#include "py/pyfunc.h"
#include "base/grow.h"

#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "py/pyparse.h"
#include "base/strset.h"
#include "rec/record.h"
#include "py/testlink.h"
#include "py/tsalloc.h"
#include "base/diag.h"

const char *const pyf_kind_name[] = { "function", "method", "staticmethod", "classmethod", "property", "async" };

/* --- node kinds and fields this module looks at ------------------------- */

static struct {
	TSSymbol fn, cls, decorated, decorator, block, module, expr_stmt, string, concat,
		paren, comment, ident, attribute, kwarg, parameters, lambda, lambda_params,
		typed_param, default_param, typed_default_param, list_splat_pat, dict_splat_pat,
		kw_sep, pos_sep, tuple_pat, list_pat, pattern_list, import, import_from, future_import,
		aliased_import, dotted_name, wildcard, yield, global, nonlocal, assignment, augassign,
		for_stmt, for_in, with_stmt, as_pattern, except_clause, if_stmt, elif, else_, while_stmt,
		try_stmt, finally_, except_group, match_stmt, case_clause, named_expr, subscript,
		with_clause, with_item, list_splat, dict_splat, error, print_stmt, exec_stmt, chevron;
	TSFieldId f_name, f_parameters, f_body, f_return_type, f_definition, f_superclasses,
		f_type, f_value, f_alias, f_module_name, f_attribute, f_left, f_right;
} K;
static pthread_once_t k_once = PTHREAD_ONCE_INIT;

static void k_init(void)
{
	const TSLanguage *l = tree_sitter_python();
#define S(f, s) K.f = ts_language_symbol_for_name(l, s, (uint32_t)strlen(s), 1)
#define F(f, s) K.f = ts_language_field_id_for_name(l, s, (uint32_t)strlen(s))
	S(fn, "function_definition"); S(cls, "class_definition"); S(decorated, "decorated_definition");
	S(decorator, "decorator"); S(block, "block"); S(module, "module");
	S(expr_stmt, "expression_statement"); S(string, "string"); S(concat, "concatenated_string");
	S(paren, "parenthesized_expression"); S(comment, "comment"); S(ident, "identifier");
	S(attribute, "attribute"); S(kwarg, "keyword_argument"); S(parameters, "parameters");
	S(lambda, "lambda"); S(lambda_params, "lambda_parameters"); S(typed_param, "typed_parameter");
	S(default_param, "default_parameter"); S(typed_default_param, "typed_default_parameter");
	S(list_splat_pat, "list_splat_pattern"); S(dict_splat_pat, "dictionary_splat_pattern");
	S(kw_sep, "keyword_separator"); S(pos_sep, "positional_separator"); S(tuple_pat, "tuple_pattern");
	S(list_pat, "list_pattern"); S(pattern_list, "pattern_list"); S(import, "import_statement");
	S(import_from, "import_from_statement"); S(future_import, "future_import_statement");
	S(aliased_import, "aliased_import"); S(dotted_name, "dotted_name"); S(wildcard, "wildcard_import");
	S(yield, "yield"); S(global, "global_statement"); S(nonlocal, "nonlocal_statement");
	S(assignment, "assignment"); S(augassign, "augmented_assignment"); S(for_stmt, "for_statement");
	S(for_in, "for_in_clause"); S(with_stmt, "with_statement"); S(as_pattern, "as_pattern");
	S(except_clause, "except_clause"); S(if_stmt, "if_statement"); S(elif, "elif_clause");
	S(else_, "else_clause"); S(while_stmt, "while_statement"); S(try_stmt, "try_statement");
	S(finally_, "finally_clause"); S(except_group, "except_group_clause");
	S(match_stmt, "match_statement"); S(case_clause, "case_clause"); S(named_expr, "named_expression");
	S(subscript, "subscript"); S(with_clause, "with_clause"); S(with_item, "with_item");
	S(list_splat, "list_splat"); S(dict_splat, "dictionary_splat");
	S(print_stmt, "print_statement"); S(exec_stmt, "exec_statement"); S(chevron, "chevron");
	K.error = ts_language_symbol_for_name(l, "ERROR", 5, 1);
	F(f_name, "name"); F(f_parameters, "parameters"); F(f_body, "body");
	F(f_return_type, "return_type"); F(f_definition, "definition"); F(f_superclasses, "superclasses");
	F(f_type, "type"); F(f_value, "value"); F(f_alias, "alias"); F(f_module_name, "module_name");
	F(f_attribute, "attribute"); F(f_left, "left"); F(f_right, "right");
#undef S
#undef F
}

/* --- small growable things ------------------------------------------------ */

typedef sb sbuf;	/* strbuf.h's builder */

static void sb_putc(sbuf *o, char c)
{
	if (o->n + 2 > o->cap)
		sb_put(o, &c, 1);
	else {
		o->b[o->n++] = c;
		o->b[o->n] = 0;
	}
}

/* --- the file --------------------------------------------------------------- */

typedef struct {
	const char *name;	/* the name bound (into the source) */
	uint32_t nlen;
	char *line;		/* "from a import b as c" */
	int always;		/* __future__ and * imports: always needed */
} imp;

typedef struct {
	pyf_info info;
	TSNode def, outer;	/* function_definition; decorated_definition or def */
	TSNode cls;		/* the class whose body holds the def (methods), else null */
	uint32_t end;		/* end byte of the last statement (trailing comments out, as ast) */
	char *qualname;
} func;

struct pyf_file {
	TSTree *tree;
	const char *src;
	size_t len;
	func *fn;
	int n, cap;
	strset modnames;		/* names bound at module level */
	imp *imps;		/* module-level imports, built on first use */
	int nimps, capimps, imps_built;
	int has_imports;
	TSNode *tl_imps;	/* import statements for test linking (pyf_tl_imports) */
	int ntl, captl, tl_incomplete;
	/* scratch for pyf_record, reused across functions */
	strset uses, binds, globs;
};

int pyf_count(const pyf_file *f) { return f->n; }
const pyf_info *pyf_get(const pyf_file *f, int i) { return &f->fn[i].info; }
int pyf_root_has_error(const pyf_file *f) { return ts_node_has_error(ts_tree_root_node(f->tree)); }
TSTree *pyf_tree(const pyf_file *f) { return f->tree; }

const TSNode *pyf_tl_imports(const pyf_file *f, int *n)
{
	static const TSNode none[1];
	*n = f->ntl;
	return f->tl_incomplete ? NULL : f->tl_imps ? f->tl_imps : none;
}

/* Scope stack of the statement walk: what encloses the current statement. */
typedef struct {
	int is_class;
	const char *name;
	size_t name_len;
	TSNode node;
	int fn;			/* index of the function, for a function scope */
} scope;

static int dec_kind(const char *s, size_t n)
{
#define IS(lit) (n == sizeof(lit) - 1 && !memcmp(s, lit, n))
#define ENDS(lit) (n >= sizeof(lit) - 1 && !memcmp(s + n - (sizeof(lit) - 1), lit, sizeof(lit) - 1))
	if (IS("staticmethod") || IS("builtins.staticmethod"))
		return PYF_STATICMETHOD;
	if (IS("classmethod") || IS("builtins.classmethod"))
		return PYF_CLASSMETHOD;
	if (IS("property") || IS("builtins.property") || ENDS(".setter") || ENDS(".getter") ||
	    ENDS(".deleter") || IS("cached_property") || ENDS(".cached_property") ||
	    IS("abstractproperty") || ENDS(".abstractproperty"))
		return PYF_PROPERTY;
	return -1;
#undef IS
#undef ENDS
}

static char *make_qualname(const scope *st, int depth, const char *name, size_t nlen)
{
	sbuf q = { 0 };
	for (int i = 0; i < depth; i++) {
		sb_put(&q, st[i].name, st[i].name_len);
		sb_put(&q, st[i].is_class ? "." : ".<locals>.", st[i].is_class ? 1 : 10);
	}
	sb_put(&q, name, nlen);
	return q.b;
}

/* The statement that is body's docstring (its string in *str), or a null node. */
static TSNode docstring_stmt(TSNode body, TSNode *str)
{
	uint32_t nc = ts_node_named_child_count(body);
	for (uint32_t i = 0; i < nc; i++) {
		TSNode s = ts_node_named_child(body, i);
		if (ts_node_symbol(s) == K.comment)
			continue;
		if (ts_node_symbol(s) == K.expr_stmt && ts_node_named_child_count(s) == 1) {
			TSNode e = ts_node_named_child(s, 0);
			while (ts_node_symbol(e) == K.paren && ts_node_named_child_count(e) == 1)
				e = ts_node_named_child(e, 0);
			if (ts_node_symbol(e) == K.string || ts_node_symbol(e) == K.concat) {
				*str = e;
				return s;
			}
		}
		break;
	}
	return (TSNode){ 0 };
}

static void add_func(pyf_file *f, TSNode def, TSNode outer, const scope *st, int depth, int in_error)
{
	TSNode name = ts_node_child_by_field_id(def, K.f_name);
	if (ts_node_is_null(name))
		return;
	LS_GROW(f->fn, f->n, f->cap, 32);
	func *fn = &f->fn[f->n++];
	memset(fn, 0, sizeof *fn);
	size_t nlen;
	const char *ns = py_text(name, f->src, &nlen);
	fn->def = def;
	fn->outer = outer;
	fn->info.def_byte = ts_node_start_byte(def);
	fn->qualname = make_qualname(st, depth, ns, nlen);
	fn->info.qualname = fn->qualname;
	fn->info.name = fn->qualname + strlen(fn->qualname) - nlen;
	fn->info.lineno = py_line(def);
	fn->info.end_lineno = py_end_line(def);
	/* the end of the last token that is not a comment: tree-sitter keeps
	 * trailing comments inside blocks, ast ends at the last statement */
	TSNode last = def;
	for (uint32_t k; (k = ts_node_child_count(last)) > 0;) {
		TSNode c = { 0 };
		while (k > 0 && ts_node_symbol(c = ts_node_child(last, k - 1)) == K.comment)
			k--;
		if (!k)
			break;
		last = c;
	}
	fn->end = ts_node_end_byte(last);
	fn->info.end_lineno = py_end_line(last);
	fn->info.lines = fn->info.end_lineno - fn->info.lineno + 1;
	fn->info.has_error = in_error || ts_node_has_error(def);
	for (int i = 0; i < depth; i++)
		if (!st[i].is_class)
			fn->info.nested = 1;
	fn->info.in_class = depth > 0 && st[depth - 1].is_class;
	fn->cls = fn->info.in_class ? st[depth - 1].node : (TSNode){ 0 };
	/* async is an anonymous first child "async" */
	TSNode first = ts_node_child(def, 0);
	fn->info.is_async = !ts_node_is_null(first) && !ts_node_is_named(first) &&
		ts_node_end_byte(first) - ts_node_start_byte(first) == 5 &&
		!memcmp(f->src + ts_node_start_byte(first), "async", 5);
	int kind = -1;
	if (fn->info.in_class && ts_node_symbol(outer) == K.decorated) {
		uint32_t nc = ts_node_named_child_count(outer);
		for (uint32_t i = 0; i < nc && kind < 0; i++) {
			TSNode d = ts_node_named_child(outer, i);
			if (ts_node_symbol(d) != K.decorator)
				continue;
			TSNode e = ts_node_named_child(d, 0);
			size_t el;
			const char *es = py_text(e, f->src, &el);
			kind = dec_kind(es, el);
		}
	}
	if (kind < 0)
		kind = fn->info.is_async ? PYF_ASYNC : fn->info.in_class ? PYF_METHOD : PYF_FUNCTION;
	fn->info.kind = (enum pyf_kind)kind;
	/* docstring presence: cheap, the filters need it before the record */
	TSNode body = ts_node_child_by_field_id(def, K.f_body);
	fn->info.has_docstring = 0;
	TSNode str;
	if (!ts_node_is_null(body) && !ts_node_is_null(docstring_stmt(body, &str))) {
		size_t dl;
		char *d = py_string_value(str, f->src, &dl);
		fn->info.has_docstring = d != NULL;
		free(d);
	}
}

/* Names a module-level statement binds (for "globals"). */
static void bind_target(pyf_file *f, TSNode n)
{
	TSSymbol s = ts_node_symbol(n);
	size_t l;
	if (s == K.ident) {
		const char *t = py_text(n, f->src, &l);
		strset_add(&f->modnames, t, l);
	} else if (s == K.pattern_list || s == K.tuple_pat || s == K.list_pat || s == K.list_splat_pat ||
		   s == K.paren) {
		uint32_t nc = ts_node_named_child_count(n);
		for (uint32_t i = 0; i < nc; i++)
			bind_target(f, ts_node_named_child(n, i));
	}
}

static void bind_import(pyf_file *f, TSNode stmt)
{
	uint32_t nc = ts_node_named_child_count(stmt);
	TSNode modname = ts_node_child_by_field_id(stmt, K.f_module_name);
	for (uint32_t i = 0; i < nc; i++) {
		TSNode c = ts_node_named_child(stmt, i);
		if (!ts_node_is_null(modname) && ts_node_eq(c, modname))
			continue;
		size_t l;
		const char *t;
		if (ts_node_symbol(c) == K.aliased_import) {
			TSNode a = ts_node_child_by_field_id(c, K.f_alias);
			if (ts_node_is_null(a))
				continue;
			t = py_text(a, f->src, &l);
		} else if (ts_node_symbol(c) == K.dotted_name) {
			t = py_text(c, f->src, &l);
			const char *dot = memchr(t, '.', l);
			if (dot)	/* import a.b binds a */
				l = (size_t)(dot - t);
		} else
			continue;
		strset_add(&f->modnames, t, l);
	}
}

static int is_container(TSSymbol s)
{
	return s == K.block || s == K.if_stmt || s == K.elif || s == K.else_ || s == K.for_stmt ||
	       s == K.while_stmt || s == K.try_stmt || s == K.except_clause || s == K.finally_ ||
	       s == K.except_group || s == K.with_stmt || s == K.match_stmt || s == K.case_clause ||
	       s == K.error || s == K.decorated;
}

/* The statement walk: recursion over statement containers only. */
/* tl_container: what testlink's own walk over a test file's imports enters
 * (testlink.c collect_imports), so that this walk can hand it the imports
 * instead: nd is the node's depth, tlv whether that walk reaches the node. */
static int tl_container(TSSymbol s)
{
	return s == K.module || (is_container(s) && s != K.except_group);
}

static void tl_import(pyf_file *f, TSNode n)
{
	LS_GROW(f->tl_imps, f->ntl, f->captl, 16);
	f->tl_imps[f->ntl++] = n;
}

static void scan(pyf_file *f, TSNode n, scope *st, int depth, int in_error, TSNode outer, int nd, int tlv)
{
	TSSymbol s = ts_node_symbol(n);
	if (s == K.fn || s == K.cls) {
		TSNode name = ts_node_child_by_field_id(n, K.f_name);
		int idx = f->n;
		if (s == K.fn)
			add_func(f, n, ts_node_is_null(outer) ? n : outer, st, depth, in_error);
		int tl_body = tlv && nd <= TL_IMPORT_DEPTH;
		if (ts_node_is_null(name) || depth >= 200) {
			if (tl_body)	/* testlink's walk would go in: let it */
				f->tl_incomplete = 1;
			return;
		}
		st[depth].fn = s == K.fn && f->n > idx ? idx : -1;
		if (depth == 0) {
			size_t l;
			const char *t = py_text(name, f->src, &l);
			strset_add(&f->modnames, t, l);
		}
		scope *sc = &st[depth];
		sc->is_class = s == K.cls;
		sc->name = py_text(name, f->src, &sc->name_len);
		sc->node = n;
		TSNode body = ts_node_child_by_field_id(n, K.f_body);
		if (!ts_node_is_null(body))
			scan(f, body, st, depth + 1, in_error, (TSNode){ 0 }, nd + 1, tl_body);
		return;
	}
	if (depth == 0) {	/* module-level bindings */
		if (s == K.expr_stmt) {
			TSNode a = ts_node_named_child(n, 0);
			if (!ts_node_is_null(a) && (ts_node_symbol(a) == K.assignment || ts_node_symbol(a) == K.augassign)) {
				for (;;) {	/* a = b = 1 nests assignments on the right */
					bind_target(f, ts_node_child_by_field_id(a, K.f_left));
					TSNode r = ts_node_child_by_field_id(a, K.f_right);
					if (ts_node_is_null(r) || ts_node_symbol(r) != K.assignment)
						break;
					a = r;
				}
			}
			return;
		}
		if (s == K.import || s == K.import_from) {
			if (tlv)
				tl_import(f, n);
			bind_import(f, n);
			f->has_imports = 1;
			return;
		}
		if (s == K.future_import) {
			f->has_imports = 1;
			return;
		}
		if (s == K.for_stmt)
			bind_target(f, ts_node_child_by_field_id(n, K.f_left));
	}
	if ((s == K.print_stmt && ts_node_symbol(ts_node_named_child(n, 0)) != K.chevron) || s == K.exec_stmt) {
		/* Python 2 statements (tree-sitter accepts them, Python 3 does not):
		 * the functions around them cannot run. "print >> f, x" is also a
		 * Python 3 expression (a tuple), so that form is not counted. */
		for (int i = 0; i < depth; i++)
			if (!st[i].is_class && st[i].fn >= 0)
				f->fn[st[i].fn].info.has_error = 1;
		return;
	}
	if ((s == K.import || s == K.import_from) && tlv)
		tl_import(f, n);
	if (s != K.module && !is_container(s))
		return;
	int err = in_error || s == K.error;
	int tl_kids = tlv && nd <= TL_IMPORT_DEPTH && tl_container(s);
	py_kids k;
	for (TSNode c = py_kid_first(&k, n); !ts_node_is_null(c); c = py_kid_next(&k)) {
		if (s == K.decorated) {
			TSSymbol cs = ts_node_symbol(c);
			if (cs == K.fn || cs == K.cls)
				scan(f, c, st, depth, err, n, nd + 1, tl_kids);
			continue;
		}
		scan(f, c, st, depth, err, (TSNode){ 0 }, nd + 1, tl_kids);
	}
	py_kid_done(&k);
}

pyf_file *pyf_scan(TSParser *p, const char *src, size_t len)
{
	pthread_once(&k_once, k_init);
	pyf_file *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->src = src;
	f->len = len;
	f->tree = py_parse(p, src, len);
	if (!f->tree) {
		free(f);
		return NULL;
	}
	static __thread scope st[256];
	scan(f, ts_tree_root_node(f->tree), st, 0, 0, (TSNode){ 0 }, 0, 1);
	return f;
}

void pyf_free(pyf_file *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n; i++)
		free(f->fn[i].qualname);
	free(f->fn);
	strset_free(&f->modnames);
	strset_free(&f->uses);
	strset_free(&f->binds);
	strset_free(&f->globs);
	for (int i = 0; i < f->nimps; i++)
		free(f->imps[i].line);
	free(f->imps);
	free(f->tl_imps);
	if (!tsa_active())	/* else the file's arena takes the tree back at once */
		ts_tree_delete(f->tree);
	free(f);
}

/* --- text helpers ----------------------------------------------------------- */

/* Source text with line breaks (and the indentation after them) folded into
 * one space, for annotations, defaults, decorators and bases written over
 * several lines, appended to o. Single-line text is kept as written. */
static void flat_into(sbuf *o, const char *s, size_t n)
{
	if (!memchr(s, '\n', n)) {
		sb_put(o, s, n);
		return;
	}
	size_t start = o->n;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\n')
			i++;
		if (s[i] == '\n' || s[i] == '\r') {
			while (i + 1 < n && (s[i + 1] == ' ' || s[i + 1] == '\t' || s[i + 1] == '\n' || s[i + 1] == '\r'))
				i++;
			char prev = o->n > start ? o->b[o->n - 1] : '(';
			char next = i + 1 < n ? s[i + 1] : ')';
			if (prev != '(' && prev != '[' && prev != '{' && prev != ' ' &&
			    next != ')' && next != ']' && next != '}' && next != ',')
				sb_putc(o, ' ');
			continue;
		}
		sb_putc(o, s[i]);
	}
}

/* A node's flattened text as a JSON string. */
static void json_flat(sbuf *o, TSNode n, const char *src)
{
	size_t l;
	const char *t = py_text(n, src, &l);
	if (!memchr(t, '\n', l)) {
		pyf_put_string(o, t, l);
		return;
	}
	sbuf x = { 0 };
	sb_put(&x, "", 0);
	flat_into(&x, t, l);
	pyf_put_string(o, x.b, x.n);
	free(x.b);
}

void pyf_put_string(sb *o, const char *s, size_t n)
{
	char *w = rec_put_string(sb_reserve(o, REC_STRING_MAX(n)), s, n);
	o->n = (size_t)(w - o->b);
	*w = 0;
}

static void json_str(sbuf *o, const char *s) { pyf_put_string(o, s, strlen(s)); }
static void json_lit(sbuf *o, const char *s) { sb_put(o, s, strlen(s)); }
static void json_int(sbuf *o, long v)
{
	char b[24];
	int k = snprintf(b, sizeof b, "%ld", v);
	sb_put(o, b, (size_t)k);
}

/* Text from byte a to b, every line after the first losing up to col
 * leading blanks: the def's source as if written at column 0. */
static void dedent_into(sbuf *o, const char *src, uint32_t a, uint32_t b, uint32_t col)
{
	uint32_t i = a;
	while (i < b) {
		const char *nl = memchr(src + i, '\n', b - i);
		uint32_t e = nl ? (uint32_t)(nl - src) + 1 : b;
		sb_put(o, src + i, e - i);
		i = e;
		for (uint32_t k = 0; k < col && i < b && (src[i] == ' ' || src[i] == '\t' || src[i] == '\f'); k++)
			i++;
	}
}

/* --- cleandoc and doctest ----------------------------------------------------- */

/* Decode one UTF-8 code point (input may be ill-formed: take one byte then). */
static uint32_t u8(const char *s, size_t n, size_t *len)
{
	unsigned char c = (unsigned char)s[0];
	int k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
	if ((size_t)k > n)
		k = 1;
	uint32_t v = k == 1 ? c : k == 2 ? c & 0x1F : k == 3 ? c & 0x0F : c & 0x07;
	for (int i = 1; i < k; i++)
		v = v << 6 | ((unsigned char)s[i] & 0x3F);
	*len = (size_t)k;
	return v;
}

/* str.isspace() */
static int py_space(uint32_t c)
{
	return (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
	       c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
	       c == 0x202F || c == 0x205F || c == 0x3000;
}

/* str.expandtabs(8): columns count code points; \n and \r reset them. */
static void expandtabs(sbuf *o, const char *s, size_t n)
{
	size_t col = 0;
	sb_put(o, "", 0);
	for (size_t i = 0; i < n;) {
		size_t k;
		uint32_t c = u8(s + i, n - i, &k);
		if (c == '\t') {
			size_t sp = 8 - col % 8;
			for (size_t j = 0; j < sp; j++)
				sb_putc(o, ' ');
			col += sp;
		} else {
			sb_put(o, s + i, k);
			col = (c == '\n' || c == '\r') ? 0 : col + 1;
		}
		i += k;
	}
}

/* Skip up to m code points of s[0..n); returns the byte offset. */
static size_t skip_cp(const char *s, size_t n, size_t m)
{
	size_t i = 0, k;
	while (m-- && i < n) {
		u8(s + i, n - i, &k);
		i += k;
	}
	return i;
}

/* Leading whitespace of a line in code points; *blank when all of it is. */
static size_t lead_space(const char *s, size_t n, int *blank, size_t *bytes)
{
	size_t i = 0, cp = 0, k;
	while (i < n) {
		uint32_t c = u8(s + i, n - i, &k);
		if (!py_space(c))
			break;
		i += k;
		cp++;
	}
	*blank = i == n;
	if (bytes)
		*bytes = i;
	return cp;
}

char *pyf_cleandoc(const char *s0, size_t n0)
{
	sbuf e = { 0 };
	expandtabs(&e, s0, n0);
	const char *s = e.b;
	size_t n = e.n;
	/* margin over lines[1:] */
	size_t margin = SIZE_MAX;
	const char *nl = memchr(s, '\n', n);
	for (const char *p = nl; p;) {
		const char *ls = p + 1;
		const char *le = memchr(ls, '\n', (size_t)(s + n - ls));
		size_t ll = le ? (size_t)(le - ls) : (size_t)(s + n - ls);
		int blank;
		size_t ind = lead_space(ls, ll, &blank, NULL);
		if (!blank && ind < margin)
			margin = ind;
		p = le;
	}
	/* lines: first lstripped, the others cut by margin; then trim empty lines */
	typedef struct { const char *p; size_t n; } line;
	size_t nlines = 1;
	for (size_t i = 0; i < n; i++)
		nlines += s[i] == '\n';
	line *L = xmalloc(nlines * sizeof *L);
	size_t li = 0;
	for (const char *p = s;;) {
		const char *le = memchr(p, '\n', (size_t)(s + n - p));
		size_t ll = le ? (size_t)(le - p) : (size_t)(s + n - p);
		L[li].p = p;
		L[li].n = ll;
		if (li == 0) {
			int blank;
			size_t b;
			lead_space(p, ll, &blank, &b);
			L[li].p += b;
			L[li].n -= b;
		} else if (margin != SIZE_MAX) {
			size_t b = skip_cp(p, ll, margin);
			L[li].p += b;
			L[li].n -= b;
		}
		li++;
		if (!le)
			break;
		p = le + 1;
	}
	size_t first = 0, last = nlines;
	while (last > 0 && L[last - 1].n == 0)
		last--;
	while (first < last && L[first].n == 0)
		first++;
	sbuf o = { 0 };
	sb_put(&o, "", 0);
	for (size_t i = first; i < last; i++) {
		if (i > first)
			sb_putc(&o, '\n');
		sb_put(&o, L[i].p, L[i].n);
	}
	free(L);
	free(e.b);
	return o.b;
}

/* doctest ------------------------------------------------------------------ */

typedef struct { const char *p; size_t n; } span;

static size_t count_sp(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

/* The code point at index k of a line (or -1 past its end). */
static long cp_at(const char *s, size_t n, size_t k)
{
	size_t i = skip_cp(s, n, k), l;
	if (i >= n)
		return -1;
	return (long)u8(s + i, n - i, &l);
}
static size_t cp_len(const char *s, size_t n)
{
	size_t i = 0, c = 0, k;
	while (i < n) {
		u8(s + i, n - i, &k);
		i += k;
		c++;
	}
	return c;
}

static const char *const doctest_flags[] = {
	"DONT_ACCEPT_TRUE_FOR_1", "DONT_ACCEPT_BLANKLINE", "NORMALIZE_WHITESPACE", "ELLIPSIS",
	"SKIP", "IGNORE_EXCEPTION_DETAIL", "REPORT_UDIFF", "REPORT_CDIFF", "REPORT_NDIFF",
	"REPORT_ONLY_FIRST_FAILURE", "FAIL_FAST", NULL
};

/* _find_options: option directives in the source; -1 when one is invalid. */
static int find_options(const char *src, size_t n, jv *opts)
{
	for (size_t i = 0; i < n; i++) {
		if (src[i] != '#')
			continue;
		size_t j = i + 1, k;
		while (j < n && py_space(u8(src + j, n - j, &k)))
			j += k;
		if (n - j < 8 || memcmp(src + j, "doctest:", 8))
			continue;
		j += 8;
		while (j < n && py_space(u8(src + j, n - j, &k)))
			j += k;
		/* ([^\n'"]*)$ : up to the end of the line, no quotes */
		size_t e = j;
		while (e < n && src[e] != '\n' && src[e] != '\'' && src[e] != '"')
			e++;
		if (e < n && src[e] != '\n')
			continue;
		for (size_t a = j; a < e;) {	/* replace(',', ' ').split() */
			while (a < e && (src[a] == ',' || py_space(u8(src + a, e - a, &k))))
				a += src[a] == ',' ? 1 : k;
			if (a >= e)
				break;
			size_t b = a;
			while (b < e && src[b] != ',' && !py_space(u8(src + b, e - b, &k)))
				b += k;
			int ok = 0;
			if (src[a] == '+' || src[a] == '-')
				for (int f = 0; doctest_flags[f]; f++)
					if (strlen(doctest_flags[f]) == b - a - 1 && !memcmp(doctest_flags[f], src + a + 1, b - a - 1))
						ok = 1;
			if (!ok)
				return -1;
			*opts = jv_array_append(*opts, jv_string_sized(src + a, (int)(b - a)));
			a = b;
		}
	}
	return 0;
}

/* ^[ ]*(#.*)?$ on a whole source (no MULTILINE: one line only) */
static int blank_or_comment(const char *s, size_t n)
{
	size_t i = count_sp(s, n);
	if (i == n)
		return 1;
	if (s[i] != '#')
		return 0;
	return memchr(s + i, '\n', n - i) == NULL;
}

jv pyf_doctests(const char *doc, size_t dn, int first_line)
{
	sbuf e = { 0 };
	expandtabs(&e, doc, dn);
	/* _min_indent: ^([ ]*)(?=\S) over lines */
	size_t minind = SIZE_MAX;
	for (size_t i = 0; i <= e.n;) {
		const char *le = memchr(e.b + i, '\n', e.n - i);
		size_t ll = le ? (size_t)(le - (e.b + i)) : e.n - i;
		size_t sp = count_sp(e.b + i, ll), k;
		if (sp < ll && !py_space(u8(e.b + i + sp, ll - sp, &k)) && sp < minind)
			minind = sp;
		if (!le)
			break;
		i += ll + 1;
	}
	sbuf s = { 0 };
	sb_put(&s, "", 0);
	if (minind != SIZE_MAX && minind > 0) {
		for (size_t i = 0; i <= e.n;) {
			const char *le = memchr(e.b + i, '\n', e.n - i);
			size_t ll = le ? (size_t)(le - (e.b + i)) : e.n - i;
			size_t b = skip_cp(e.b + i, ll, minind);
			sb_put(&s, e.b + i + b, ll - b);
			if (!le)
				break;
			sb_putc(&s, '\n');
			i += ll + 1;
		}
	} else
		sb_put(&s, e.b, e.n);
	free(e.b);

	/* lines of s */
	size_t nl = 1;
	for (size_t i = 0; i < s.n; i++)
		nl += s.b[i] == '\n';
	span *L = xmalloc(nl * sizeof *L);
	size_t li = 0;
	for (size_t i = 0;;) {
		const char *le = memchr(s.b + i, '\n', s.n - i);
		size_t ll = le ? (size_t)(le - (s.b + i)) : s.n - i;
		L[li].p = s.b + i;
		L[li++].n = ll;
		if (!le)
			break;
		i += ll + 1;
	}

	jv out = jv_array();
	int bad = 0;
	sbuf src = { 0 }, want = { 0 };
	for (size_t i = 0; i < li && !bad;) {
		size_t ind = count_sp(L[i].p, L[i].n);
		if (!(L[i].n - ind >= 3 && !memcmp(L[i].p + ind, ">>>", 3))) {
			i++;
			continue;
		}
		size_t start = i, j = i + 1;
		while (j < li) {	/* PS2 lines: [ ]*\.\.\..* */
			size_t sp = count_sp(L[j].p, L[j].n);
			if (L[j].n - sp >= 3 && !memcmp(L[j].p + sp, "...", 3))
				j++;
			else
				break;
		}
		size_t src_end = j;	/* source lines [start, src_end) */
		/* want: non-blank lines not starting with [ ]*>>> */
		size_t w = src_end;
		if (src_end == li) {
			/* source ran to the end: no \n after it, want is empty */
		} else {
			while (w < li) {
				size_t sp = count_sp(L[w].p, L[w].n);
				if (sp == L[w].n)
					break;	/* blank */
				if (L[w].n - sp >= 3 && !memcmp(L[w].p + sp, ">>>", 3))
					break;
				w++;
			}
		}
		/* _check_prompt_blank and _check_prefix on the source */
		src.n = 0;
		sb_put(&src, "", 0);
		for (size_t k = start; k < src_end && !bad; k++) {
			if (cp_len(L[k].p, L[k].n) >= ind + 4 && cp_at(L[k].p, L[k].n, ind + 3) != ' ')
				bad = 1;
			if (k > start && L[k].n &&
			    (count_sp(L[k].p, L[k].n) < ind || L[k].n < ind + 1 || L[k].p[ind] != '.'))
				bad = 1;
			size_t b = skip_cp(L[k].p, L[k].n, ind + 4);
			if (k > start)
				sb_putc(&src, '\n');
			sb_put(&src, L[k].p + b, L[k].n - b);
		}
		want.n = 0;
		sb_put(&want, "", 0);
		/* want lines [src_end, w); the group ends with \n unless it hit the end */
		for (size_t k = src_end; k < w && !bad; k++) {
			if (L[k].n && count_sp(L[k].p, L[k].n) < ind)
				bad = 1;
			size_t b = skip_cp(L[k].p, L[k].n, ind);
			sb_put(&want, L[k].p + b, L[k].n - b);
			if (k + 1 < li)
				sb_putc(&want, '\n');
		}
		if (bad)
			break;
		jv opts = jv_array();
		if (find_options(src.b, src.n, &opts) < 0 ||
		    (jv_array_length(jv_copy(opts)) > 0 && blank_or_comment(src.b, src.n))) {
			jv_free(opts);
			bad = 1;
			break;
		}
		if (!blank_or_comment(src.b, src.n)) {
			if (!src.n || src.b[src.n - 1] != '\n')
				sb_putc(&src, '\n');
			if (want.n && want.b[want.n - 1] != '\n')
				sb_putc(&want, '\n');
			jv ex = jv_object();
			ex = jv_object_set(ex, jv_string("source"), jv_string_sized(src.b, (int)src.n));
			ex = jv_object_set(ex, jv_string("want"), jv_string_sized(want.b, (int)want.n));
			ex = jv_object_set(ex, jv_string("lineno"), jv_number(first_line + (double)start));
			if (jv_array_length(jv_copy(opts)) > 0)
				ex = jv_object_set(ex, jv_string("options"), opts);
			else
				jv_free(opts);
			out = jv_array_append(out, ex);
		} else
			jv_free(opts);
		i = w > src_end ? w : src_end;
	}
	free(src.b);
	free(want.b);
	free(L);
	free(s.b);
	if (bad) {
		jv_free(out);
		return jv_array();
	}
	return out;
}

/* --- imports and module names ------------------------------------------------- */

/* One entry per name an import binds: "from a import b as c" binds c. */
static void add_imp(pyf_file *f, const char *name, size_t nlen, sbuf *line, int always)
{
	if (f->nimps == f->capimps) {
		f->capimps = f->capimps ? f->capimps * 2 : 16;
		f->imps = xrealloc(f->imps, (size_t)f->capimps * sizeof *f->imps);
	}
	imp *m = &f->imps[f->nimps++];
	m->name = name;
	m->nlen = (uint32_t)nlen;
	m->line = line->b;
	m->always = always;
	memset(line, 0, sizeof *line);
}

static void put_flat(sbuf *o, TSNode n, const char *src)
{
	size_t l;
	const char *t = py_text(n, src, &l);
	flat_into(o, t, l);
}

static void import_entries(pyf_file *f, TSNode st)
{
	TSSymbol s = ts_node_symbol(st);
	TSNode mod = ts_node_child_by_field_id(st, K.f_module_name);
	uint32_t nc = ts_node_named_child_count(st);
	for (uint32_t i = 0; i < nc; i++) {
		TSNode c = ts_node_named_child(st, i);
		TSSymbol cs = ts_node_symbol(c);
		if (!ts_node_is_null(mod) && ts_node_eq(c, mod))
			continue;
		if (cs != K.dotted_name && cs != K.aliased_import && cs != K.wildcard)
			continue;
		sbuf o = { 0 };
		if (s == K.import)
			sb_put(&o, "import ", 7);
		else if (s == K.future_import)
			sb_put(&o, "from __future__ import ", 23);
		else {
			sb_put(&o, "from ", 5);
			put_flat(&o, mod, f->src);
			sb_put(&o, " import ", 8);
		}
		put_flat(&o, c, f->src);
		/* the name bound */
		size_t l;
		const char *t;
		if (cs == K.aliased_import) {
			TSNode al = ts_node_child_by_field_id(c, K.f_alias);
			if (ts_node_is_null(al)) {
				free(o.b);
				continue;
			}
			t = py_text(al, f->src, &l);
		} else if (cs == K.dotted_name) {
			t = py_text(c, f->src, &l);
			const char *dot = memchr(t, '.', l);
			if (dot && s == K.import)
				l = (size_t)(dot - t);
		} else {
			t = "*";
			l = 1;
		}
		add_imp(f, t, l, &o, s == K.future_import || cs == K.wildcard);
	}
}

static void collect_imports(pyf_file *f, TSNode n)
{
	TSSymbol s = ts_node_symbol(n);
	if (s == K.import || s == K.import_from || s == K.future_import) {
		if (!ts_node_has_error(n))
			import_entries(f, n);
		return;
	}
	if (s == K.fn || s == K.cls || s == K.decorated)
		return;
	if (s != K.module && !is_container(s))
		return;
	py_kids k;
	for (TSNode c = py_kid_first(&k, n); !ts_node_is_null(c); c = py_kid_next(&k))
		collect_imports(f, c);
	py_kid_done(&k);
}

static void build_imports(pyf_file *f)
{
	if (f->imps_built)
		return;
	f->imps_built = 1;
	if (f->has_imports)
		collect_imports(f, ts_tree_root_node(f->tree));
}

jv pyf_imports(pyf_file *f)
{
	build_imports(f);
	jv a = jv_array();
	for (int i = 0; i < f->nimps; i++)
		a = jv_array_append(a, jv_string(f->imps[i].line));
	return a;
}

char *pyf_module_name(const char *path)
{
	size_t n = strlen(path);
	if (n > 3 && !strcmp(path + n - 3, ".py"))
		n -= 3;
	else if (n > 4 && !strcmp(path + n - 4, ".pyi"))
		n -= 4;
	if (!strncmp(path, "src/", 4) && n > 4) {
		path += 4;
		n -= 4;
	}
	char *m = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		m[i] = path[i] == '/' ? '.' : path[i];
	m[n] = 0;
	if (n == 8 && !strcmp(m, "__init__"))
		m[0] = 0;
	else if (n > 9 && !strcmp(m + n - 9, ".__init__"))
		m[n - 9] = 0;
	return m;
}

/* --- the record ------------------------------------------------------------- */

static void signature(sbuf *o, pyf_file *f, TSNode def)
{
	static const char *const kinds[] = { "positional-only", "positional-or-keyword",
		"var-positional", "keyword-only", "var-keyword" };
	/* gathered first: a "/" turns the parameters before it positional-only */
	typedef struct { TSNode name, ann, def; int kind; } param;
	param buf[64], *ps_ = buf;
	size_t np = 0, cap = 64;
	TSNode ps = ts_node_child_by_field_id(def, K.f_parameters);
	int state = 1;	/* positional-or-keyword until * or *args */
	uint32_t nc = ts_node_is_null(ps) ? 0 : ts_node_named_child_count(ps);
	for (uint32_t i = 0; i < nc; i++) {
		TSNode p = ts_node_named_child(ps, i);
		TSSymbol s = ts_node_symbol(p);
		TSNode name = { 0 }, ann = { 0 }, def_ = { 0 };
		int kind = state;
		if (s == K.kw_sep) {
			state = 3;
			continue;
		}
		if (s == K.pos_sep) {	/* everything so far was positional-only */
			for (size_t k = 0; k < np; k++)
				if (ps_[k].kind == 1)
					ps_[k].kind = 0;
			continue;
		}
		if (s == K.ident)
			name = p;
		else if (s == K.typed_param) {
			name = ts_node_named_child(p, 0);
			ann = ts_node_child_by_field_id(p, K.f_type);
		} else if (s == K.default_param || s == K.typed_default_param) {
			name = ts_node_child_by_field_id(p, K.f_name);
			ann = ts_node_child_by_field_id(p, K.f_type);
			def_ = ts_node_child_by_field_id(p, K.f_value);
		} else if (s == K.list_splat_pat || s == K.dict_splat_pat)
			name = p;
		else
			continue;	/* comments, Python 2 tuple parameters */
		if (ts_node_is_null(name))
			continue;
		TSSymbol ns = ts_node_symbol(name);
		if (ns == K.list_splat_pat) {
			kind = 2;
			state = 3;
			name = ts_node_named_child(name, 0);
		} else if (ns == K.dict_splat_pat) {
			kind = 4;
			name = ts_node_named_child(name, 0);
		}
		if (ts_node_is_null(name))
			continue;
		if (np == cap) {
			cap *= 2;
			param *g = xmalloc(cap * sizeof *g);
			memcpy(g, ps_, np * sizeof *g);
			if (ps_ != buf)
				free(ps_);
			ps_ = g;
		}
		ps_[np++] = (param){ name, ann, def_, kind };
	}
	json_lit(o, "{\"parameters\":[");
	for (size_t k = 0; k < np; k++) {
		json_lit(o, k ? ",{\"name\":" : "{\"name\":");
		json_flat(o, ps_[k].name, f->src);
		json_lit(o, ",\"annotation\":");
		if (ts_node_is_null(ps_[k].ann))
			json_lit(o, "null");
		else
			json_flat(o, ps_[k].ann, f->src);
		json_lit(o, ",\"default\":");
		if (ts_node_is_null(ps_[k].def))
			json_lit(o, "null");
		else
			json_flat(o, ps_[k].def, f->src);
		json_lit(o, ",\"kind\":\"");
		json_lit(o, kinds[ps_[k].kind]);
		json_lit(o, "\"}");
	}
	if (ps_ != buf)
		free(ps_);
	TSNode ret = ts_node_child_by_field_id(def, K.f_return_type);
	json_lit(o, "],\"returns\":");
	if (ts_node_is_null(ret))
		json_lit(o, "null");
	else
		json_flat(o, ret, f->src);
	sb_putc(o, '}');
}

/* One cursor walk over the def: names used and bound, yield. */
enum { M_USE, M_BIND, M_PARAM, M_GLOBAL, M_IMPORT };

static int walk_def(pyf_file *f, TSNode def, tl_names *nm)
{
	int quiet = 0;	/* names: the depth of a node whose subtree tl_names_visit took whole */
	static __thread struct { TSSymbol sym; uint8_t mode; uint8_t scope; uint32_t left; } st[512];
	TSTreeCursor c = ts_tree_cursor_new(def);
	int d = 0, gen = 0, skip = 0;
	uint32_t nc = ts_node_child_count(def);	/* children of the current node */
	st[0].sym = K.fn;
	st[0].mode = M_USE;
	st[0].scope = 0;
	const char *src = f->src;
	for (;;) {
		/* Descend, or go on to the next sibling, or up. The cursor's moves
		 * are not cheap, and a failed one costs as much as one that works:
		 * children are counted so that neither a leaf's first child nor a
		 * last child's next sibling is ever asked for. */
		if (!skip && nc > 0 && d < 510 && ts_tree_cursor_goto_first_child(&c)) {
			d++;
			st[d].left = nc - 1;
		} else {
			for (;;) {
				if (d == 0)
					goto done;
				if (st[d].left > 0 && ts_tree_cursor_goto_next_sibling(&c)) {
					st[d].left--;
					break;
				}
				ts_tree_cursor_goto_parent(&c);
				d--;
			}
		}
		TSNode n = ts_tree_cursor_current_node(&c);
		nc = ts_node_child_count(n);
		skip = 0;
		TSSymbol s = ts_node_symbol(n);
		TSSymbol ps = st[d - 1].sym;
		uint8_t mode = st[d - 1].mode, scope = st[d - 1].scope;
		st[d].sym = s;
		if (!ts_node_is_named(n)) {
			st[d].mode = mode;
			st[d].scope = scope;
			continue;
		}
		if (nm) {
			if (quiet && d <= quiet)
				quiet = 0;
			if (!quiet && d <= TL_MAX_DEPTH && tl_names_visit(nm, n, s, src))
				quiet = d;
		}
		/* the field name is slow to get: only where it decides something */
		TSFieldId fid = 0;
		if (s == K.ident || ps == K.default_param || ps == K.typed_param || ps == K.typed_default_param ||
		    ps == K.assignment || ps == K.augassign || ps == K.for_stmt || ps == K.for_in ||
		    ps == K.except_clause || ps == K.as_pattern || ps == K.named_expr || ps == K.import_from)
			fid = ts_tree_cursor_current_field_id(&c);
		/* a string without interpolations holds no names: skip its children */
		if (s == K.string) {
			const char *p = src + ts_node_start_byte(n);
			skip = 1;
			for (; *p != '\'' && *p != '"'; p++)
				if (*p == 'f' || *p == 'F')
					skip = 0;	/* an f-string: its interpolations use names */
		}
		/* this node's mode (an identifier's role), which its children inherit */
		if (s == K.fn || s == K.lambda || s == K.cls)
			scope++;
		if (s == K.parameters || s == K.lambda_params)
			mode = M_PARAM;
		else if (mode == M_PARAM && (fid == K.f_value || fid == K.f_type))
			mode = M_USE;
		else if (fid == K.f_left && (ps == K.assignment || ps == K.augassign || ps == K.for_stmt || ps == K.for_in))
			mode = M_BIND;
		else if (fid == K.f_alias && (ps == K.except_clause || ps == K.as_pattern))
			mode = M_BIND;
		else if (fid == K.f_name && ps == K.named_expr)
			mode = M_BIND;
		else if (s == K.global)
			mode = M_GLOBAL;
		else if (s == K.nonlocal)
			mode = M_BIND;
		else if (s == K.import || s == K.import_from || s == K.future_import)
			mode = M_IMPORT;
		else if (mode == M_BIND && (s == K.attribute || s == K.subscript))
			mode = M_USE;
		else if (mode == M_IMPORT && s == K.dotted_name && fid == K.f_module_name)
			mode = M_USE;
		if (s == K.ident) {
			size_t l;
			const char *t = py_text(n, src, &l);
			if (ps == K.attribute && fid == K.f_attribute)
				;
			else if (ps == K.kwarg && fid == K.f_name)
				;
			else if ((ps == K.fn || ps == K.cls) && fid == K.f_name) {
				if (d > 1)
					strset_add(&f->binds, t, l);
			} else if (mode == M_GLOBAL)
				strset_add(&f->globs, t, l);
			else if (mode == M_BIND || mode == M_PARAM || mode == M_IMPORT)
				strset_add(&f->binds, t, l);
			else if (strset_has(&f->modnames, t, l))
				strset_add(&f->uses, t, l);
		} else if (s == K.yield && scope == 0)
			gen = 1;
		st[d].mode = mode;
		st[d].scope = scope;
	}
done:
	ts_tree_cursor_delete(&c);
	return gen;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_global(pyf_file *f, const func *fn, const char *k, size_t l)
{
	if (!strset_has(&f->uses, k, l))
		return 0;
	if (strset_has(&f->binds, k, l) && !strset_has(&f->globs, k, l))
		return 0;
	if (!fn->info.nested && !fn->info.in_class && strlen(fn->info.name) == l &&
	    !memcmp(fn->info.name, k, l))
		return 0;	/* a top-level function's own name: the code defines it */
	return 1;
}

static void globals_of(sbuf *o, pyf_file *f, const func *fn)
{
	size_t n = 0;
	char **v = xmalloc((f->uses.n + 1) * sizeof *v);
	for (size_t i = 0; i < f->uses.cap; i++) {
		const char *k = f->uses.k[i];
		if (k && is_global(f, fn, k, f->uses.l[i]))
			v[n++] = strndup(k, f->uses.l[i]);
	}
	qsort(v, n, sizeof *v, cmp_str);
	sb_putc(o, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_putc(o, ',');
		json_str(o, v[i]);
		free(v[i]);
	}
	sb_putc(o, ']');
	free(v);
}

/* The imports that bind a name the function uses (the first binding of
 * each), plus __future__ and star imports, in file order. */
static void imports_of(sbuf *o, pyf_file *f, const func *fn)
{
	build_imports(f);
	sb_putc(o, '[');
	strset done = { 0 };
	int first = 1;
	for (int i = 0; i < f->nimps; i++) {
		imp *m = &f->imps[i];
		if (!m->always && (!is_global(f, fn, m->name, m->nlen) || strset_has(&done, m->name, m->nlen)))
			continue;
		if (!m->always)
			strset_add(&done, m->name, m->nlen);
		if (!first)
			sb_putc(o, ',');
		first = 0;
		json_str(o, m->line);
	}
	sb_putc(o, ']');
	strset_free(&done);
}

/* "decorators": each decorator's expression, flattened */
static void put_decorators(sb *o, const pyf_file *f, const func *fn)
{
	json_lit(o, ",\"decorators\":[");
	if (!ts_node_eq(fn->outer, fn->def)) {
		uint32_t nc = ts_node_named_child_count(fn->outer);
		int first = 1;
		for (uint32_t k = 0; k < nc; k++) {
			TSNode d = ts_node_named_child(fn->outer, k);
			if (ts_node_symbol(d) == K.decorator && ts_node_named_child_count(d) > 0) {
				if (!first)
					sb_putc(o, ',');
				first = 0;
				json_flat(o, ts_node_named_child(d, 0), f->src);
			}
		}
	}
	sb_putc(o, ']');
}

/* The docstring's raw value (malloc'd, *rawlen bytes) or NULL; *ds is its
 * statement and *str its string node (null nodes without one). */
static char *docstring_of(const pyf_file *f, TSNode def, TSNode *ds, TSNode *str, size_t *rawlen)
{
	TSNode body = ts_node_child_by_field_id(def, K.f_body);
	char *raw = NULL;
	*ds = *str = (TSNode){ 0 };
	*rawlen = 0;
	if (!ts_node_is_null(body)) {
		*ds = docstring_stmt(body, str);
		if (!ts_node_is_null(*ds)) {
			raw = py_string_value(*str, f->src, rawlen);
			if (!raw)
				*ds = (TSNode){ 0 };
		}
	}
	return raw;
}

/* "body": the lines after the docstring statement (ds), dedented like code */
static void put_body(sb *o, const pyf_file *f, TSNode def, TSNode ds, uint32_t b, uint32_t col)
{
	const char *src = f->src;
	TSNode body = ts_node_child_by_field_id(def, K.f_body);
	sbuf bd = { 0 };
	sb_put(&bd, "", 0);
	if (!ts_node_is_null(body)) {
		uint32_t from;
		TSNode next = { 0 };
		uint32_t nc = ts_node_named_child_count(body);
		if (!ts_node_is_null(ds)) {
			for (uint32_t k = 0; k < nc; k++) {
				TSNode s = ts_node_named_child(body, k);
				if (ts_node_start_byte(s) >= ts_node_end_byte(ds) && ts_node_symbol(s) != K.comment) {
					next = s;
					break;
				}
			}
		} else if (nc)
			next = ts_node_named_child(body, 0);
		if (!ts_node_is_null(next)) {
			/* after the docstring, or after the header (its parameters may span lines) */
			TSNode hdr = ts_node_child_by_field_id(def, K.f_return_type);
			if (ts_node_is_null(hdr))
				hdr = ts_node_child_by_field_id(def, K.f_parameters);
			uint32_t prev_end = !ts_node_is_null(ds) ? ts_node_end_byte(ds) :
					    !ts_node_is_null(hdr) ? ts_node_end_byte(hdr) : ts_node_start_byte(def);
			/* start of the line after the docstring (keeps comments), unless the
			 * next statement shares a line with it */
			const char *nl = memchr(src + prev_end, '\n', ts_node_start_byte(next) - prev_end);
			if (nl)
				from = (uint32_t)(nl - src) + 1;
			else {
				from = ts_node_start_byte(next);
				for (uint32_t k = 0; k < col + 4; k++)
					sb_putc(&bd, ' ');
			}
			dedent_into(&bd, src, from, b, col);
			/* dedent_into only dedents after newlines: do the first line too */
			if (nl) {
				uint32_t k = 0;
				while (k < col && k < bd.n && (bd.b[k] == ' ' || bd.b[k] == '\t'))
					k++;
				memmove(bd.b, bd.b + k, bd.n - k + 1);
				bd.n -= k;
			} else {
				memmove(bd.b, bd.b + col, bd.n - col + 1);
				bd.n -= col;
			}
			sb_putc(&bd, '\n');
		}
	}
	json_lit(o, ",\"body\":");
	pyf_put_string(o, bd.b, bd.n);
	free(bd.b);
}

/* "class": the enclosing class's name, qualname and bases, or null */
static void put_class(sb *o, const pyf_file *f, const func *fn)
{
	const char *src = f->src;
	json_lit(o, ",\"class\":");
	if (ts_node_is_null(fn->cls)) {
		json_lit(o, "null");
		return;
	}
	TSNode cn = ts_node_child_by_field_id(fn->cls, K.f_name);
	json_lit(o, "{\"name\":");
	json_flat(o, cn, src);
	size_t ql = strlen(fn->qualname) - strlen(fn->info.name) - 1;
	json_lit(o, ",\"qualname\":");
	pyf_put_string(o, fn->qualname, ql);
	json_lit(o, ",\"bases\":[");
	TSNode sup = ts_node_child_by_field_id(fn->cls, K.f_superclasses);
	uint32_t nc = ts_node_is_null(sup) ? 0 : ts_node_named_child_count(sup);
	int first = 1;
	for (uint32_t k = 0; k < nc; k++) {
		TSNode x = ts_node_named_child(sup, k);
		if (ts_node_symbol(x) != K.kwarg && ts_node_symbol(x) != K.comment &&
		    ts_node_symbol(x) != K.dict_splat) {
			if (!first)
				sb_putc(o, ',');
			first = 0;
			json_flat(o, x, src);
		}
	}
	json_lit(o, "]}");
}

/* "doctests" of the raw docstring (str: its node, for line numbers): how many */
static int put_doctests(sb *o, const char *raw, size_t rawlen, TSNode str)
{
	json_lit(o, ",\"doctests\":");
	if (!raw || !memmem(raw, rawlen, ">>>", 3)) {
		json_lit(o, "[]");
		return 0;
	}
	jv d = pyf_doctests(raw, rawlen, py_line(str));
	int ndoc = jv_array_length(jv_copy(d));
	size_t dl;
	char *ds_ = rec_dump(d, &dl);
	sb_put(o, ds_, dl);
	free(ds_);
	return ndoc;
}

int pyf_record_json(pyf_file *f, int i, sb *o, sb *code, tl_names *names)
{
	func *fn = &f->fn[i];
	const char *src = f->src;
	TSNode def = fn->def;
	uint32_t a = ts_node_start_byte(def), b = fn->end;
	uint32_t col = ts_node_start_point(def).column;
	json_lit(o, ",\"qualname\":");
	json_str(o, fn->qualname);
	json_lit(o, ",\"name\":");
	json_str(o, fn->info.name);
	json_lit(o, ",\"kind\":\"");
	json_lit(o, pyf_kind_name[fn->info.kind]);
	json_lit(o, fn->info.is_async ? "\",\"is_async\":true" : "\",\"is_async\":false");

	strset_clear(&f->uses);
	strset_clear(&f->binds);
	strset_clear(&f->globs);
	int gen = walk_def(f, def, names);
	json_lit(o, gen ? ",\"is_generator\":true,\"lineno\":" : ",\"is_generator\":false,\"lineno\":");
	json_int(o, fn->info.lineno);
	json_lit(o, ",\"end_lineno\":");
	json_int(o, fn->info.end_lineno);

	code->n = 0;
	sb_put(code, "", 0);
	dedent_into(code, src, a, b, col);
	sb_putc(code, '\n');
	json_lit(o, ",\"code\":");
	pyf_put_string(o, code->b, code->n);
	put_decorators(o, f, fn);

	TSNode ds, str;
	size_t rawlen;
	char *raw = docstring_of(f, def, &ds, &str, &rawlen);
	json_lit(o, ",\"docstring\":");
	if (raw) {
		char *clean = pyf_cleandoc(raw, rawlen);
		json_str(o, clean);
		free(clean);
	} else
		json_lit(o, "null");
	put_body(o, f, def, ds, b, col);
	json_lit(o, ",\"signature\":");
	signature(o, f, def);
	put_class(o, f, fn);
	json_lit(o, ",\"imports\":");
	imports_of(o, f, fn);
	json_lit(o, ",\"globals\":");
	globals_of(o, f, fn);
	int ndoc = put_doctests(o, raw, rawlen, str);
	free(raw);
	return ndoc;
}

jv pyf_record(pyf_file *f, int i, jv r)
{
	sb o = { 0 }, code = { 0 };
	sb_put(&o, "{\"_\":0", 6);
	pyf_record_json(f, i, &o, &code, NULL);
	sb_putc(&o, '}');
	jv v = jv_parse_sized(o.b, (int)o.n);
	free(o.b);
	free(code.b);
	return jv_object_merge(r, jv_object_delete(v, jv_string("_")));
}
