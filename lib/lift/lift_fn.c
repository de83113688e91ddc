/* lift_fn.c — a record's `code` parsed into the parts of its def: name,
 * parameters, return annotation, docstring, body (see lift.h). */
#include "lift/lift_int.h"
#include "base/grow.h"
#include "base/diag.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lift_kinds lk;
static pthread_once_t lk_once = PTHREAD_ONCE_INIT;

static TSSymbol sym(const char *name, int named)
{
	return ts_language_symbol_for_name(tree_sitter_python(), name, (uint32_t)strlen(name), named);
}

static TSFieldId field(const char *name)
{
	return ts_language_field_id_for_name(tree_sitter_python(), name, (uint32_t)strlen(name));
}

static void lk_init(void)
{
	lk.true_ = sym("true", 1);
	lk.false_ = sym("false", 1);
	lk.none = sym("none", 1);
	lk.integer = sym("integer", 1);
	lk.float_ = sym("float", 1);
	lk.list = sym("list", 1);
	lk.dictionary = sym("dictionary", 1);
	lk.tuple = sym("tuple", 1);
	lk.set = sym("set", 1);
	lk.unary_operator = sym("unary_operator", 1);
	lk.parenthesized_expression = sym("parenthesized_expression", 1);
	lk.pattern_list = sym("pattern_list", 1);
	lk.tuple_pattern = sym("tuple_pattern", 1);
	lk.list_pattern = sym("list_pattern", 1);
	lk.expression_list = sym("expression_list", 1);
	lk.async_ = sym("async", 0);
	lk.ellipsis = sym("ellipsis", 1);
	lk.conditional_expression = sym("conditional_expression", 1);
	lk.list_comprehension = sym("list_comprehension", 1);
	lk.dictionary_comprehension = sym("dictionary_comprehension", 1);
	lk.set_comprehension = sym("set_comprehension", 1);
	lk.generator_expression = sym("generator_expression", 1);
	lk.class_definition = sym("class_definition", 1);
	lk.f_name = field("name");
	lk.f_parameters = field("parameters");
	lk.f_return_type = field("return_type");
	lk.f_body = field("body");
	lk.f_condition = field("condition");
	lk.f_consequence = field("consequence");
	lk.f_alternative = field("alternative");
	lk.f_function = field("function");
	lk.f_arguments = field("arguments");
	lk.f_object = field("object");
	lk.f_attribute = field("attribute");
	lk.f_value = field("value");
	lk.f_left = field("left");
	lk.f_right = field("right");
	lk.f_argument = field("argument");
	lk.f_type = field("type");
	lk.f_definition = field("definition");
}

lift_ctx *lift_ctx_new(char *err, size_t errsz)
{
	lift_ctx *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	c->parser = py_parser_new(err, errsz);
	if (!c->parser) {
		free(c);
		return NULL;
	}
	pthread_once(&lk_once, lk_init);
	return c;
}

void lift_ctx_free(lift_ctx *c)
{
	if (!c)
		return;
	ts_parser_delete(c->parser);
	for (int i = 0; i < c->ncursors; i++)
		ts_tree_cursor_delete(&c->cursors[i]);
	free(c);
}

static lift_span span(TSNode n, const char *src)
{
	lift_span s = { NULL, 0 };
	if (!ts_node_is_null(n)) {
		s.s = src + ts_node_start_byte(n);
		s.n = ts_node_end_byte(n) - ts_node_start_byte(n);
	}
	return s;
}

/* The first node that makes the tree invalid (ERROR or MISSING). */
static TSNode first_error(TSNode n)
{
	for (;;) {
		uint32_t k = ts_node_child_count(n);
		TSNode next = { 0 };
		int found = 0;
		for (uint32_t i = 0; i < k; i++) {
			TSNode ch = ts_node_child(n, i);
			if (ts_node_symbol(ch) == (TSSymbol)-1 || ts_node_is_missing(ch))
				return ch;
			if (ts_node_has_error(ch)) {
				next = ch;
				found = 1;
				break;
			}
		}
		if (!found)
			return n;
		n = next;
	}
}

static int is_scope(TSSymbol s)
{
	return s == pyk.function_definition || s == lk.class_definition || s == pyk.lambda ||
	       s == pyk.decorated_definition;
}

/* Does the body yield (outside nested functions, classes and lambdas)? */
static int has_yield(TSNode body)
{
	TSTreeCursor cur = ts_tree_cursor_new(body);
	int found = 0, depth = 0;
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&cur);
		TSSymbol s = ts_node_symbol(n);
		if (s == pyk.yield && ts_node_is_named(n)) {
			found = 1;
			break;
		}
		if ((depth == 0 || !is_scope(s)) && ts_tree_cursor_goto_first_child(&cur)) {
			depth++;
			continue;
		}
		for (;;) {
			if (!depth)
				goto out;
			if (ts_tree_cursor_goto_next_sibling(&cur))
				break;
			ts_tree_cursor_goto_parent(&cur);
			depth--;
		}
	}
out:
	ts_tree_cursor_delete(&cur);
	return found;
}

static int add_param(lift_fn *f, int *cap)
{
	LS_GROW(f->params, f->nparams, *cap, 8);
	memset(&f->params[f->nparams], 0, sizeof *f->params);
	return f->nparams++;
}

/* The identifier inside *args / **kwargs / name patterns. */
static TSNode inner_name(TSNode n)
{
	TSSymbol s = ts_node_symbol(n);
	if (s == pyk.list_splat_pattern || s == pyk.dictionary_splat_pattern)
		return ts_node_named_child(n, 0);
	return n;
}

static void read_params(lift_fn *f, TSNode ps)
{
	int cap = 0, kwonly = 0, slash_at = -1;
	uint32_t k = ts_node_named_child_count(ps);
	for (uint32_t i = 0; i < k; i++) {
		TSNode p = ts_node_named_child(ps, i);
		TSSymbol s = ts_node_symbol(p);
		if (s == pyk.comment)
			continue;
		if (s == pyk.positional_separator) {
			slash_at = f->nparams;
			continue;
		}
		if (s == pyk.keyword_separator) {
			kwonly = 1;
			continue;
		}
		TSNode nm = p, ann = { 0 }, dv = { 0 };
		if (s == pyk.typed_parameter) {
			nm = ts_node_named_child(p, 0);
			ann = ts_node_child_by_field_id(p, lk.f_type);
		} else if (s == pyk.default_parameter || s == pyk.typed_default_parameter) {
			nm = ts_node_child_by_field_id(p, lk.f_name);
			ann = ts_node_child_by_field_id(p, lk.f_type);
			dv = ts_node_child_by_field_id(p, lk.f_value);
		}
		if (ts_node_is_null(nm))
			continue;
		TSSymbol ns = ts_node_symbol(nm);
		int j = add_param(f, &cap);
		lift_param *q = &f->params[j];
		if (ns == pyk.list_splat_pattern) {
			q->kind = LP_VARPOS;
			kwonly = 1;
		} else if (ns == pyk.dictionary_splat_pattern)
			q->kind = LP_VARKW;
		else
			q->kind = kwonly ? LP_KWONLY : LP_POS;
		q->name = span(inner_name(nm), f->src);
		if (!ts_node_is_null(ann) && ts_node_symbol(ann) == pyk.type && ts_node_named_child_count(ann) == 1)
			ann = ts_node_named_child(ann, 0);
		q->annotation = span(ann, f->src);
		q->dflt = span(dv, f->src);
		q->dflt_node = dv;
		q->line = py_line(p);
	}
	for (int i = 0; i < slash_at && i < f->nparams; i++)
		f->params[i].kind = LP_POSONLY;
}

static const char *jv_str_field(jv rec, const char *key, jv *hold)
{
	*hold = jv_object_get(jv_copy(rec), jv_string(key));
	return jv_get_kind(*hold) == JV_KIND_STRING ? jv_string_value(*hold) : NULL;
}

/* Where the docstring literal of a def lies in src: [*a, *b), or 0 when
 * it cannot be told for sure. A small lexer: the header ends at the first
 * ':' outside brackets, strings and comments. */
static int docstring_span(const char *s, size_t n, size_t *a, size_t *b)
{
	size_t i = 0;
	int depth = 0;
	for (;;) {
		if (i >= n)
			return 0;
		char c = s[i];
		if (c == ':' && depth == 0)
			break;
		if (c == '#') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (c == '\'' || c == '"') {	/* a string in an annotation or default */
			size_t q = (i + 2 < n && s[i + 1] == c && s[i + 2] == c) ? 3 : 1;
			i += q;
			while (i < n && !(s[i] == c && (q == 1 || (i + 2 < n && s[i + 1] == c && s[i + 2] == c)))) {
				if (s[i] == '\\')
					i++;
				else if (q == 1 && s[i] == '\n')
					return 0;
				i++;
			}
			i += q;
			continue;
		}
		depth += (c == '(' || c == '[' || c == '{') - (c == ')' || c == ']' || c == '}');
		i++;
	}
	i++;	/* the ':' */
	for (;;) {	/* blank lines and comments before the first statement */
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f'))
			i++;
		if (i < n && s[i] == '#') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		break;
	}
	size_t start = i;
	int raw = 0;
	while (i < n && strchr("rRuU", s[i]) && s[i])
		raw |= s[i] == 'r' || s[i] == 'R', i++;
	if (i - start > 1 || i >= n || (s[i] != '"' && s[i] != '\''))
		return 0;
	char c = s[i];
	size_t q = (i + 2 < n && s[i + 1] == c && s[i + 2] == c) ? 3 : 1;
	i += q;
	while (i < n && !(s[i] == c && (q == 1 || (i + 2 < n && s[i + 1] == c && s[i + 2] == c)))) {
		if (s[i] == '\\')
			i++;	/* raw strings too: \" does not end a literal */
		else if (q == 1 && s[i] == '\n')
			return 0;
		i++;
	}
	if (i >= n)
		return 0;
	i += q;
	size_t end = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] != '\n' && s[i] != '\r' && s[i] != '#')
		return 0;	/* "doc" + x, "a" "b", "doc"; x: not a plain docstring line */
	(void)raw;
	*a = start, *b = end;
	return 1;
}

int lift_fn_open(lift_ctx *c, jv rec, lift_fn *f, const char **code)
{
	memset(f, 0, sizeof *f);
	jv src = jv_object_get(jv_copy(rec), jv_string("code"));
	jv_kind kind = jv_get_kind(src);
	if (kind != JV_KIND_STRING) {
		jv_free(src);
		*code = kind == JV_KIND_INVALID || kind == JV_KIND_NULL ? "missing_field" : "bad_field";
		snprintf(f->err, sizeof f->err, kind == JV_KIND_INVALID || kind == JV_KIND_NULL
			 ? "record has no 'code'" : "'code' is not a string");
		return -1;
	}
	/* the string stays alive inside rec, which the caller keeps */
	f->src = jv_string_value(src);
	f->len = (size_t)jv_string_length_bytes(jv_copy(src));
	jv_free(src);
	jv ln = jv_object_get(jv_copy(rec), jv_string("lineno"));
	if (jv_get_kind(ln) == JV_KIND_NUMBER && jv_number_value(ln) >= 1 && jv_number_value(ln) < 1e9)
		f->line_base = (int)jv_number_value(ln) - 1;
	jv_free(ln);

	/* When the record carries the docstring, the parser need not lex it
	 * again: the literal becomes "" and the newlines it spanned, so every
	 * line keeps its number. */
	jv rdoc = jv_object_get(jv_copy(rec), jv_string("docstring"));
	size_t da, db;
	if (jv_get_kind(rdoc) == JV_KIND_STRING && f->len > 64 && docstring_span(f->src, f->len, &da, &db) && db - da > 64) {
		char *m = malloc(f->len + 1);
		size_t k = da;
		memcpy(m, f->src, da);
		m[k++] = '"', m[k++] = '"';
		for (size_t i = da; i < db; i++)
			if (f->src[i] == '\n')
				m[k++] = '\n';
		memcpy(m + k, f->src + db, f->len - db);
		k += f->len - db;
		m[k] = 0;
		f->own = m;
		f->src = m;
		f->len = k;
	}
	jv_free(rdoc);
	f->tree = py_parse(c->parser, f->src, f->len);
	if (!f->tree) {
		*code = "internal";
		snprintf(f->err, sizeof f->err, "parser failed");
		return -1;
	}
	TSNode root = ts_tree_root_node(f->tree);
	if (ts_node_has_error(root)) {
		TSNode e = first_error(root);
		*code = "syntax";
		snprintf(f->err, sizeof f->err, "code does not parse: line %d, column %u",
			 py_line(e), ts_node_start_point(e).column + 1);
		return -1;
	}
	TSNode def = { 0 };
	uint32_t k = ts_node_named_child_count(root);
	for (uint32_t i = 0; i < k && ts_node_is_null(def); i++) {
		TSNode n = ts_node_named_child(root, i);
		if (ts_node_symbol(n) == pyk.decorated_definition)
			n = ts_node_child_by_field_id(n, lk.f_definition);
		if (!ts_node_is_null(n) && ts_node_symbol(n) == pyk.function_definition)
			def = n;
		else if (!ts_node_is_null(n) && ts_node_symbol(n) != pyk.comment)
			break;	/* code must start with the def */
	}
	if (ts_node_is_null(def)) {
		*code = "no_function";
		snprintf(f->err, sizeof f->err, "'code' does not start with a function definition");
		return -1;
	}
	f->def = def;
	f->name = span(ts_node_child_by_field_id(def, lk.f_name), f->src);
	f->returns = span(ts_node_child_by_field_id(def, lk.f_return_type), f->src);
	f->is_async = ts_node_symbol(ts_node_child(def, 0)) == lk.async_;
	read_params(f, ts_node_child_by_field_id(def, lk.f_parameters));
	f->body = ts_node_child_by_field_id(def, lk.f_body);
	f->body_start = ts_node_start_byte(f->body);

	/* the docstring: the body's first statement when it is a plain string */
	uint32_t nb = ts_node_named_child_count(f->body);
	for (uint32_t i = 0; i < nb; i++) {
		TSNode st = ts_node_named_child(f->body, i);
		if (ts_node_symbol(st) == pyk.comment)
			continue;
		if (ts_node_symbol(st) == pyk.expression_statement && ts_node_named_child_count(st) == 1) {
			TSNode s = ts_node_named_child(st, 0);
			TSSymbol ss = ts_node_symbol(s);
			if (ss == pyk.string || ss == pyk.concatenated_string) {
				size_t n;
				char *v = py_string_value(s, f->src, &n);
				if (v) {
					f->doc = ds_cleandoc(v, n, &f->doclen);
					free(v);
					f->doc_line = py_line(st);
				}
				/* the next statement (a comment is a statement here too) */
				TSNode next = i + 1 < nb ? ts_node_named_child(f->body, i + 1) : (TSNode){ 0 };
				f->body_start = ts_node_is_null(next) ? ts_node_end_byte(f->body) : ts_node_start_byte(next);
			}
		}
		break;
	}
	jv hold;
	const char *rd = jv_str_field(rec, "docstring", &hold);
	if (rd) {
		free(f->doc);
		f->doclen = strlen(rd);
		f->doc = strdup(rd);
	}
	jv_free(hold);
	ds_parse(f->doc, f->doclen, &f->ds);
	f->is_generator = memmem(f->src + f->body_start, f->len - f->body_start, "yield", 5) && has_yield(f->body);
	return 0;
}

void lift_fn_close(lift_fn *f)
{
	if (f->tree)
		ts_tree_delete(f->tree);
	free(f->params);
	free(f->doc);
	ds_free(&f->ds);
	free(f->own);
	memset(f, 0, sizeof *f);
}

/* Append s[0..n) with every run of whitespace as one space. */
static void put_collapsed(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 2 > *cap) {
		*cap = (*len + n + 2) * 2;
		*b = xrealloc(*b, *cap);
	}
	int sp = 0, first = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (isspace(ch)) {
			sp = 1;
			continue;
		}
		if (sp && !first && (*b)[*len - 1] != '(' && (*b)[*len - 1] != '[' && ch != ')' && ch != ']')
			(*b)[(*len)++] = ' ';
		first = 0;
		sp = 0;
		(*b)[(*len)++] = (char)ch;
	}
	(*b)[*len] = 0;
}

#define PUT(s, n) put_collapsed(&b, &len, &cap, (s), (n))
#define PUTS(s) put_raw(&b, &len, &cap, (s))

static void put_raw(char **b, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 2 > *cap) {
		*cap = (*len + n + 2) * 2;
		*b = xrealloc(*b, *cap);
	}
	memcpy(*b + *len, s, n + 1);
	*len += n;
}

char *lift_signature(const lift_fn *f)
{
	char *b = NULL;
	size_t len = 0, cap = 0;
	PUT(f->name.s, f->name.n);
	PUTS("(");
	int star_done = 0;
	for (int i = 0; i < f->nparams; i++) {
		const lift_param *p = &f->params[i];
		if (i)
			PUTS(", ");
		if (p->kind == LP_KWONLY && !star_done) {
			PUTS("*, ");
			star_done = 1;
		}
		if (p->kind == LP_VARPOS) {
			PUTS("*");
			star_done = 1;
		} else if (p->kind == LP_VARKW)
			PUTS("**");
		PUT(p->name.s, p->name.n);
		if (p->annotation.n) {
			PUTS(": ");
			PUT(p->annotation.s, p->annotation.n);
		}
		if (p->dflt.n) {
			PUTS(p->annotation.n ? " = " : "=");
			PUT(p->dflt.s, p->dflt.n);
		}
		if (p->kind == LP_POSONLY && (i + 1 == f->nparams || f->params[i + 1].kind != LP_POSONLY))
			PUTS(", /");
	}
	PUTS(")");
	if (f->returns.n) {
		PUTS(" -> ");
		PUT(f->returns.s, f->returns.n);
	}
	return b;
}

char *lift_name_words(const char *s, size_t n)
{
	char *o = malloc(2 * n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int boundary = c == '_' ||
			       (i && isupper(c) && (islower((unsigned char)s[i - 1]) ||
						    (i + 1 < n && islower((unsigned char)s[i + 1]) && isupper((unsigned char)s[i - 1]))));
		if (boundary && k && o[k - 1] != ' ')
			o[k++] = ' ';
		if (c != '_')
			o[k++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	while (k && o[k - 1] == ' ')
		k--;
	o[k] = 0;
	return o;
}
