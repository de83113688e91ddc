/* mutate.c — the operators of ls-break and the choice of mutants (see mutate.h). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "break/mutate.h"
#include "base/hash.h"
#include "base/strbuf.h"
#include "base/strset.h"
#include "py/pyparse.h"

const char *const brk_op_names[BRK_NOPS] = {
	"compare", "arith", "off_by_one", "boolean", "negate", "swap_branch",
	"remove_stmt", "early_return", "constant", "default_arg", "swap_args",
	"wrong_var", "drop_await", "drop_yield", "drop_handler",
};

const char *const brk_op_about[BRK_NOPS] = {
	"a comparison operator swapped or reversed (< to <=, == to !=, in to not in)",
	"an arithmetic operator swapped (+ to -, * to +, // to /), also in augmented assignments",
	"an index, slice bound or range() bound moved by one",
	"and and or swapped, or a not removed",
	"the condition of an if, elif or while negated",
	"the branches of an if/else or a conditional expression swapped",
	"a statement replaced by pass",
	"a bare return inserted before a statement",
	"an integer constant changed (0 to 1, 1 to 0, n to n+1) or True and False swapped",
	"a default argument's value changed as a constant is",
	"two adjacent positional arguments of a call swapped",
	"a variable read replaced by another variable of the function",
	"an await dropped (the coroutine itself is used)",
	"a yield replaced by its value",
	"an exception handler dropped (the try's body runs bare, or one except clause goes)",
};

int brk_op_index(const char *name)
{
	for (int i = 0; i < BRK_NOPS; i++)
		if (!strcmp(name, brk_op_names[i]))
			return i;
	return -1;
}

struct breaker {
	TSParser *p;
};

breaker *brk_new(char *err, size_t errsz)
{
	TSParser *p = py_parser_new(err, errsz);
	if (!p)
		return NULL;
	breaker *b = calloc(1, sizeof *b);
	if (!b)
		abort();
	b->p = p;
	return b;
}

void brk_free(breaker *b)
{
	if (!b)
		return;
	ts_parser_delete(b->p);
	free(b);
}

void brk_edits_free(brk_edit *e, int n)
{
	for (int i = 0; i < n; i++)
		free(e[i].text);
	free(e);
}

/* ---- finding the sites ---------------------------------------------------- */

typedef struct {
	const char *src;
	brk_edit *e;
	int n, cap;
	strset vars;		/* names bound in the function: parameters, assignment targets */
	const char **var;	/* the same in order of first binding */
	uint32_t *varlen;
	int nvar;
} walk;

static int is(TSNode n, const char *type) { return !strcmp(ts_node_type(n), type); }

static void add(walk *w, int op, uint32_t start, uint32_t end, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add(walk *w, int op, uint32_t start, uint32_t end, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *t = NULL;
	if (vasprintf(&t, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (w->n == w->cap) {
		w->cap = 2 * w->cap + 32;
		w->e = realloc(w->e, sizeof *w->e * (size_t)w->cap);
		if (!w->e)
			abort();
	}
	w->e[w->n++] = (brk_edit){ start, end, t, op };
}

static const char *txt(walk *w, TSNode n, int *len)
{
	*len = (int)(ts_node_end_byte(n) - ts_node_start_byte(n));
	return w->src + ts_node_start_byte(n);
}

/* Does the expression need parentheses before "+ 1" or after "not "? */
static int atomic(TSNode n)
{
	static const char *const ok[] = { "identifier", "integer", "float", "attribute", "call",
		"subscript", "parenthesized_expression", "string", "true", "false", "none", "list",
		"tuple", "dictionary", "set", NULL };
	for (int i = 0; ok[i]; i++)
		if (is(n, ok[i]))
			return 1;
	return 0;
}

/* An integer literal's value when it is plain decimal digits; -1 otherwise. */
static long small_int(walk *w, TSNode n)
{
	int len;
	const char *s = txt(w, n, &len);
	if (!is(n, "integer") || len < 1 || len > 9)
		return -1;
	long v = 0;
	for (int i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = 10 * v + (s[i] - '0');
	}
	return v;
}

/* e by one: both directions for an expression, n+1 and n-1 for a literal. */
static void off_by_one(walk *w, TSNode e)
{
	int len;
	const char *s = txt(w, e, &len);
	uint32_t a = ts_node_start_byte(e), b = ts_node_end_byte(e);
	long v = small_int(w, e);
	if (v >= 0) {
		add(w, BRK_OFF_BY_ONE, a, b, "%ld", v + 1);
		if (v > 0)
			add(w, BRK_OFF_BY_ONE, a, b, "%ld", v - 1);
		return;
	}
	if (is(e, "string") || is(e, "none") || is(e, "true") || is(e, "false") || is(e, "slice"))
		return;
	int p = !atomic(e);
	add(w, BRK_OFF_BY_ONE, a, b, "%s%.*s%s + 1", p ? "(" : "", len, s, p ? ")" : "");
	add(w, BRK_OFF_BY_ONE, a, b, "%s%.*s%s - 1", p ? "(" : "", len, s, p ? ")" : "");
}

static void constant(walk *w, TSNode n, int op)
{
	uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
	long v = small_int(w, n);
	if (v >= 0)
		add(w, op, a, b, "%ld", v == 0 ? 1 : v == 1 ? 0 : v + 1);
	else if (is(n, "true"))
		add(w, op, a, b, "False");
	else if (is(n, "false"))
		add(w, op, a, b, "True");
}

static void swap_op(walk *w, TSNode opn, int op)
{
	static const char *const cmp[][2] = {
		{ "<", "<=" }, { "<=", "<" }, { ">", ">=" }, { ">=", ">" }, { "<", ">" }, { ">", "<" },
		{ "<=", ">=" }, { ">=", "<=" }, { "==", "!=" }, { "!=", "==" }, { "in", "not in" },
		{ "not in", "in" }, { "is", "is not" }, { "is not", "is" }, { 0, 0 } };
	static const char *const ari[][2] = {
		{ "+", "-" }, { "-", "+" }, { "*", "+" }, { "/", "*" }, { "//", "/" }, { "%", "//" },
		{ "**", "*" }, { "<<", ">>" }, { ">>", "<<" }, { "&", "|" }, { "|", "&" }, { "^", "|" },
		{ 0, 0 } };
	const char *const (*map)[2] = op == BRK_COMPARE ? cmp : ari;
	int len;
	const char *s = txt(w, opn, &len);
	int aug = op == BRK_ARITH && len > 1 && s[len - 1] == '=';	/* "+=" */
	for (int i = 0; map[i][0]; i++)
		if ((int)strlen(map[i][0]) == len - aug && !memcmp(map[i][0], s, (size_t)(len - aug)))
			add(w, op, ts_node_start_byte(opn), ts_node_end_byte(opn), "%s%s", map[i][1], aug ? "=" : "");
}

/* Is n (in a block) a docstring: an expression statement that is only a string? */
static int docstring(TSNode n)
{
	return is(n, "expression_statement") && ts_node_named_child_count(n) == 1 &&
	       (is(ts_node_named_child(n, 0), "string") || is(ts_node_named_child(n, 0), "concatenated_string"));
}

/* The whitespace before n on its line, when only whitespace is there: its length, else -1. */
static int indent_of(walk *w, TSNode n)
{
	uint32_t a = ts_node_start_byte(n), i = a;
	while (i > 0 && w->src[i - 1] != '\n') {
		if (w->src[i - 1] != ' ' && w->src[i - 1] != '\t')
			return -1;
		i--;
	}
	return (int)(a - i);
}

/* Swap the texts of a and b (a before b): one edit over both. */
static void swap(walk *w, int op, TSNode x, TSNode y)
{
	int la, lb;
	const char *a = txt(w, x, &la), *b = txt(w, y, &lb);
	uint32_t mid = ts_node_end_byte(x), end = ts_node_start_byte(y);
	if (la == lb && !memcmp(a, b, (size_t)la))
		return;
	add(w, op, ts_node_start_byte(x), ts_node_end_byte(y), "%.*s%.*s%.*s", lb, b, (int)(end - mid),
	    w->src + mid, la, a);
}

static void block(walk *w, TSNode blk, int in_def)
{
	uint32_t k = ts_node_named_child_count(blk);
	int nstmt = 0;
	for (uint32_t i = 0; i < k; i++) {
		TSNode s = ts_node_named_child(blk, i);
		nstmt += !is(s, "comment") && !(i == 0 && docstring(s));
	}
	int before = 0;	/* statements before s, the docstring not counted */
	for (uint32_t i = 0; i < k; i++, before++) {
		TSNode s = ts_node_named_child(blk, i);
		if (is(s, "comment") || (i == 0 && docstring(s))) {
			before--;
			continue;
		}
		uint32_t a = ts_node_start_byte(s), b = ts_node_end_byte(s);
		if (nstmt >= 2 && !is(s, "pass_statement") && !is(s, "function_definition") &&
		    !is(s, "class_definition") && !is(s, "decorated_definition") && !is(s, "import_statement") &&
		    !is(s, "import_from_statement") && !is(s, "global_statement") && !is(s, "nonlocal_statement"))
			add(w, BRK_REMOVE_STMT, a, b, "pass");
		int ind = indent_of(w, s);
		if (in_def && before > 0 && ind >= 0)
			add(w, BRK_EARLY_RETURN, a, a, "return\n%.*s", ind, w->src + a - ind);
	}
}

/* try: body  except ...: the body alone, dedented to the try's column. */
static void drop_handler(walk *w, TSNode t)
{
	TSNode body = ts_node_child_by_field_name(t, "body", 4);
	uint32_t k = ts_node_named_child_count(t);
	int nexcept = 0, other = 0;
	for (uint32_t i = 0; i < k; i++) {
		TSNode c = ts_node_named_child(t, i);
		if (is(c, "except_clause") || is(c, "except_group_clause"))
			nexcept++;
		else if (!ts_node_eq(c, body) && !is(c, "comment"))
			other++;
	}
	if (ts_node_is_null(body) || !nexcept)
		return;
	/* with two or more handlers, each may go alone */
	if (nexcept >= 2)
		for (uint32_t i = 1; i < k; i++) {
			TSNode c = ts_node_named_child(t, i), prev = ts_node_named_child(t, i - 1);
			if (is(c, "except_clause") || is(c, "except_group_clause"))
				add(w, BRK_DROP_HANDLER, ts_node_end_byte(prev), ts_node_end_byte(c), "%s", "");
		}
	if (other || ts_node_start_point(body).row == ts_node_start_point(t).row)
		return;
	uint32_t delta = ts_node_start_point(body).column - ts_node_start_point(t).column;
	sb o = { 0 };
	const char *s = w->src + ts_node_start_byte(body), *e = w->src + ts_node_end_byte(body);
	while (s < e) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		const char *stop = nl ? nl + 1 : e;
		sb_put(&o, s, (size_t)(stop - s));
		s = stop;
		for (uint32_t d = 0; d < delta && s < e && (*s == ' ' || *s == '\t'); d++)
			s++;
	}
	add(w, BRK_DROP_HANDLER, ts_node_start_byte(t), ts_node_end_byte(t), "%s", o.b ? o.b : "pass");
	free(o.b);
}

static void bind(walk *w, TSNode id)
{
	int len;
	const char *s = txt(w, id, &len);
	if ((len == 4 && !memcmp(s, "self", 4)) || (len == 3 && !memcmp(s, "cls", 3)))
		return;
	if (strset_add(&w->vars, s, (size_t)len)) {
		w->var = realloc(w->var, sizeof *w->var * (size_t)(w->nvar + 1));
		w->varlen = realloc(w->varlen, sizeof *w->varlen * (size_t)(w->nvar + 1));
		if (!w->var || !w->varlen)
			abort();
		w->var[w->nvar] = s;
		w->varlen[w->nvar++] = (uint32_t)len;
	}
}

/* Names a target (assignment left side, for target, parameter) binds. */
static void targets(walk *w, TSNode n)
{
	if (is(n, "identifier")) {
		bind(w, n);
		return;
	}
	if (is(n, "pattern_list") || is(n, "tuple_pattern") || is(n, "list_pattern") ||
	    is(n, "parameters") || is(n, "lambda_parameters") || is(n, "list_splat_pattern") ||
	    is(n, "dictionary_splat_pattern") || is(n, "typed_parameter"))
		for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
			targets(w, ts_node_named_child(n, i));
	else if (is(n, "default_parameter") || is(n, "typed_default_parameter"))
		targets(w, ts_node_child_by_field_name(n, "name", 4));
}

/* Pass 1: the function's variables. */
static void scope(walk *w, TSNode n)
{
	const char *t = ts_node_type(n);
	if (!strcmp(t, "parameters"))
		targets(w, n);
	else if (!strcmp(t, "assignment") || !strcmp(t, "augmented_assignment") ||
		 !strcmp(t, "for_statement") || !strcmp(t, "for_in_clause"))
		targets(w, ts_node_child_by_field_name(n, "left", 4));
	for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
		scope(w, ts_node_named_child(n, i));
}

static void wrong_var(walk *w, TSNode id)
{
	int len;
	const char *s = txt(w, id, &len);
	if (w->nvar < 2 || !strset_has(&w->vars, s, (size_t)len))
		return;
	/* two other variables, picked by the site (the seed ranks them later) */
	uint64_t h = hash64(&(uint32_t){ ts_node_start_byte(id) }, sizeof(uint32_t));
	int picked = -1;
	for (int k = 0, tries = 0; k < 2 && tries < 2 * w->nvar; tries++) {
		int j = (int)((h + (uint64_t)tries * 7919) % (uint64_t)w->nvar);
		if (j == picked || ((int)w->varlen[j] == len && !memcmp(w->var[j], s, (size_t)len)))
			continue;
		add(w, BRK_WRONG_VAR, ts_node_start_byte(id), ts_node_end_byte(id), "%.*s", (int)w->varlen[j], w->var[j]);
		picked = j;
		k++;
	}
}

/* Pass 2: every operator's sites. field: n's field name in its parent;
 * in_def: the innermost definition around n is a function (return is legal). */
static void visit(walk *w, TSNode n, TSNode parent, const char *field, int in_def, int is_target)
{
	const char *t = ts_node_type(n);
	if (!strcmp(t, "decorator") || !strcmp(t, "comment") || !strcmp(t, "string") ||
	    !strcmp(t, "concatenated_string") || !strcmp(t, "import_statement") ||
	    !strcmp(t, "import_from_statement") || !strcmp(t, "global_statement") ||
	    !strcmp(t, "nonlocal_statement"))
		return;
	if (!strcmp(t, "function_definition"))
		in_def = 1;
	else if (!strcmp(t, "class_definition"))
		in_def = 0;
	if (!strcmp(t, "comparison_operator")) {
		for (uint32_t i = 0; i < ts_node_child_count(n); i++) {
			TSNode c = ts_node_child(n, i);
			if (!ts_node_is_named(c))
				swap_op(w, c, BRK_COMPARE);
		}
	} else if (!strcmp(t, "binary_operator") || !strcmp(t, "augmented_assignment")) {
		TSNode op = ts_node_child_by_field_name(n, "operator", 8);
		if (!ts_node_is_null(op))
			swap_op(w, op, BRK_ARITH);
	} else if (!strcmp(t, "boolean_operator")) {
		TSNode op = ts_node_child_by_field_name(n, "operator", 8);
		int len;
		const char *s = txt(w, op, &len);
		if (!ts_node_is_null(op))
			add(w, BRK_BOOLEAN, ts_node_start_byte(op), ts_node_end_byte(op), "%s",
			    len == 3 && !memcmp(s, "and", 3) ? "or" : "and");
	} else if (!strcmp(t, "not_operator")) {
		TSNode a = ts_node_child_by_field_name(n, "argument", 8);
		int len;
		const char *s = txt(w, a, &len);
		if (!ts_node_is_null(a))
			add(w, BRK_BOOLEAN, ts_node_start_byte(n), ts_node_end_byte(n), "%.*s", len, s);
	} else if (!strcmp(t, "if_statement") || !strcmp(t, "elif_clause") || !strcmp(t, "while_statement")) {
		TSNode c = ts_node_child_by_field_name(n, "condition", 9);
		if (!ts_node_is_null(c) && !is(c, "not_operator")) {
			int len;
			const char *s = txt(w, c, &len);
			int p = !atomic(c);
			add(w, BRK_NEGATE, ts_node_start_byte(c), ts_node_end_byte(c), "not %s%.*s%s",
			    p ? "(" : "", len, s, p ? ")" : "");
		}
		if (!strcmp(t, "if_statement")) {
			TSNode cons = ts_node_child_by_field_name(n, "consequence", 11);
			TSNode alt = ts_node_child_by_field_name(n, "alternative", 11);
			TSNode body = ts_node_is_null(alt) ? alt : ts_node_child_by_field_name(alt, "body", 4);
			/* only if/else (no elif), both blocks on their own lines at one column */
			if (!ts_node_is_null(cons) && !ts_node_is_null(alt) && is(alt, "else_clause") &&
			    !ts_node_is_null(body) && ts_node_named_child_count(n) == 3 &&
			    ts_node_start_point(cons).row > ts_node_start_point(n).row &&
			    ts_node_start_point(body).row > ts_node_start_point(alt).row &&
			    ts_node_start_point(cons).column == ts_node_start_point(body).column)
				swap(w, BRK_SWAP_BRANCH, cons, body);
		}
	} else if (!strcmp(t, "conditional_expression") && ts_node_named_child_count(n) == 3) {
		swap(w, BRK_SWAP_BRANCH, ts_node_named_child(n, 0), ts_node_named_child(n, 2));
	} else if (!strcmp(t, "block")) {
		block(w, n, in_def);
	} else if (!strcmp(t, "integer") || !strcmp(t, "true") || !strcmp(t, "false")) {
		int dflt = field && !strcmp(field, "value") &&
			   (is(parent, "default_parameter") || is(parent, "typed_default_parameter"));
		constant(w, n, dflt ? BRK_DEFAULT_ARG : BRK_CONSTANT);
	} else if (!strcmp(t, "subscript")) {
		TSNode idx = ts_node_child_by_field_name(n, "subscript", 9);
		if (!ts_node_is_null(idx) && !is(idx, "slice") && ts_node_named_child_count(n) == 2)
			off_by_one(w, idx);
	} else if (!strcmp(t, "slice")) {
		for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
			off_by_one(w, ts_node_named_child(n, i));
	} else if (!strcmp(t, "call")) {
		TSNode f = ts_node_child_by_field_name(n, "function", 8);
		TSNode args = ts_node_child_by_field_name(n, "arguments", 9);
		if (!ts_node_is_null(args) && is(args, "argument_list")) {
			TSNode pos[3];
			int npos = 0, plain = 1;
			TSNode prev = { 0 };
			for (uint32_t i = 0; i < ts_node_named_child_count(args); i++) {
				TSNode a = ts_node_named_child(args, i);
				if (is(a, "comment"))
					continue;
				int positional = !is(a, "keyword_argument") && !is(a, "list_splat") &&
						 !is(a, "dictionary_splat");
				plain &= positional;
				if (positional && npos < 3)
					pos[npos++] = a;
				if (positional && i > 0 && !ts_node_is_null(prev) && !is(prev, "keyword_argument") &&
				    !is(prev, "list_splat") && !is(prev, "dictionary_splat"))
					swap(w, BRK_SWAP_ARGS, prev, a);
				prev = a;
			}
			int len;
			const char *fs = ts_node_is_null(f) ? "" : txt(w, f, &len);
			if (!ts_node_is_null(f) && len == 5 && !memcmp(fs, "range", 5) && plain && npos >= 1)
				off_by_one(w, pos[npos == 1 ? 0 : 1]);
		}
	} else if (!strcmp(t, "await")) {
		TSNode a = ts_node_named_child(n, 0);
		int len;
		if (!ts_node_is_null(a)) {
			const char *s = txt(w, a, &len);
			add(w, BRK_DROP_AWAIT, ts_node_start_byte(n), ts_node_end_byte(n), "%.*s", len, s);
		}
	} else if (!strcmp(t, "yield")) {
		TSNode a = ts_node_named_child(n, 0);
		int len = 4;
		const char *s = "None";
		if (!ts_node_is_null(a))
			s = txt(w, a, &len);
		int p = !ts_node_is_null(a) && is(a, "expression_list");
		add(w, BRK_DROP_YIELD, ts_node_start_byte(n), ts_node_end_byte(n), "%s%.*s%s", p ? "(" : "",
		    len, s, p ? ")" : "");
	} else if (!strcmp(t, "try_statement")) {
		drop_handler(w, n);
	} else if (!strcmp(t, "identifier") && !is_target && in_def) {
		wrong_var(w, n);
	}
	TSTreeCursor c = ts_tree_cursor_new(n);
	if (ts_tree_cursor_goto_first_child(&c)) {
		do {
			TSNode k = ts_tree_cursor_current_node(&c);
			if (!ts_node_is_named(k))
				continue;
			const char *f = ts_tree_cursor_current_field_name(&c);
			/* names that are bound, or are not variables at all */
			int tgt = is_target ||
				  (f && !strcmp(f, "left") && (!strcmp(t, "assignment") || !strcmp(t, "for_statement") ||
								 !strcmp(t, "augmented_assignment") || !strcmp(t, "for_in_clause"))) ||
				  (f && !strcmp(f, "name")) || (f && !strcmp(f, "attribute")) ||
				  !strcmp(t, "parameters") || !strcmp(t, "lambda_parameters") ||
				  !strcmp(t, "as_pattern_target") || !strcmp(t, "keyword_separator");
			if (!strcmp(t, "default_parameter") || !strcmp(t, "typed_default_parameter"))
				tgt = f && !strcmp(f, "name");
			else if (!strcmp(t, "parameters") || !strcmp(t, "lambda_parameters"))
				tgt = !is(k, "default_parameter") && !is(k, "typed_default_parameter");
			visit(w, k, n, f, in_def, tgt);
		} while (ts_tree_cursor_goto_next_sibling(&c));
	}
	ts_tree_cursor_delete(&c);
}

static TSTree *parse_ok(breaker *b, const char *code)
{
	TSTree *tr = py_parse(b->p, code, strlen(code));
	if (tr && ts_node_has_error(ts_tree_root_node(tr))) {
		ts_tree_delete(tr);
		return NULL;
	}
	return tr;
}

int brk_sites(breaker *b, const char *code, brk_edit **edits)
{
	*edits = NULL;
	TSTree *tr = parse_ok(b, code);
	if (!tr)
		return -1;
	walk w = { .src = code };
	TSNode root = ts_tree_root_node(tr);
	scope(&w, root);
	visit(&w, root, (TSNode){ 0 }, NULL, 0, 0);
	ts_tree_delete(tr);
	strset_free(&w.vars);
	free(w.var);
	free(w.varlen);
	*edits = w.e;
	return w.n;
}

/* ---- applying and comparing ------------------------------------------------ */

static int by_start(const void *x, const void *y)
{
	const brk_edit *a = *(const brk_edit *const *)x, *b = *(const brk_edit *const *)y;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (a->end > b->end) - (a->end < b->end);
}

char *brk_apply(const char *code, const brk_edit *edits, int n)
{
	const brk_edit *ord[BRK_MAX_COMBINE];
	for (int i = 0; i < n; i++)
		ord[i] = &edits[i];
	qsort(ord, (size_t)n, sizeof *ord, by_start);
	sb o = { 0 };
	uint32_t at = 0;
	for (int i = 0; i < n; i++) {
		sb_put(&o, code + at, ord[i]->start - at);
		sb_puts(&o, ord[i]->text);
		at = ord[i]->end;
	}
	sb_puts(&o, code + at);
	return o.b;
}

static void norm_walk(sb *o, const char *src, TSTreeCursor *c)
{
	TSNode n = ts_tree_cursor_current_node(c);
	if (is(n, "comment"))
		return;
	if (is(n, "string") || ts_node_child_count(n) == 0) {
		uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
		if (b > a) {
			sb_put(o, src + a, b - a);
			sb_put(o, " ", 1);
		}
		return;
	}
	if (ts_tree_cursor_goto_first_child(c)) {
		do
			norm_walk(o, src, c);
		while (ts_tree_cursor_goto_next_sibling(c));
		ts_tree_cursor_goto_parent(c);
	}
}

static char *normalise_tree(TSTree *tr, const char *code)
{
	sb o = { 0 };
	sb_put(&o, "", 0);
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tr));
	norm_walk(&o, code, &c);
	ts_tree_cursor_delete(&c);
	return o.b;
}

char *brk_normalise(breaker *b, const char *code)
{
	TSTree *tr = parse_ok(b, code);
	if (!tr)
		return NULL;
	char *s = normalise_tree(tr, code);
	ts_tree_delete(tr);
	return s;
}

/* ---- choosing mutants ------------------------------------------------------ */

typedef struct {
	brk_edit *e;
	uint64_t rank;
} ranked;

static int by_op_rank(const void *x, const void *y)
{
	const ranked *a = x, *b = y;
	if (a->e->op != b->e->op)
		return a->e->op - b->e->op;
	return (a->rank > b->rank) - (a->rank < b->rank);
}

static uint64_t rank_of(unsigned long seed, const char *parent, const char *what, uint32_t x, uint32_t y)
{
	char head[64];
	snprintf(head, sizeof head, "%lu:%u:%u", seed, x, y);
	const char *parts[] = { head, parent, what };
	char hex[33];
	hash_hex128_parts(hex, 3, parts);
	return strtoull(hex + 16, NULL, 16);
}

/* The candidates in the order mutants are taken: round-robin over the
 * operators (in an order drawn from the seed), each operator's sites by rank. */
static brk_edit **order(brk_edit *e, int n, const char *parent, const brk_opts *o, int *nout)
{
	ranked *r = malloc(sizeof *r * (size_t)(n ? n : 1));
	int m = 0;
	for (int i = 0; i < n; i++)
		if (!o->ops || (o->ops >> e[i].op & 1u))
			r[m++] = (ranked){ &e[i], rank_of(o->seed, parent, e[i].text, e[i].start, e[i].end) };
	qsort(r, (size_t)m, sizeof *r, by_op_rank);
	int first[BRK_NOPS + 1] = { 0 }, next[BRK_NOPS];
	for (int i = 0; i < m; i++)
		first[r[i].e->op + 1]++;
	for (int k = 0; k < BRK_NOPS; k++)
		first[k + 1] += first[k];
	int ops[BRK_NOPS];
	uint64_t opr[BRK_NOPS];
	for (int k = 0; k < BRK_NOPS; k++) {
		ops[k] = k;
		opr[k] = rank_of(o->seed, parent, brk_op_names[k], 0, 0);
		next[k] = first[k];
	}
	for (int i = 1; i < BRK_NOPS; i++)	/* insertion sort of the operators by rank */
		for (int j = i; j > 0 && opr[ops[j]] < opr[ops[j - 1]]; j--) {
			int t = ops[j];
			ops[j] = ops[j - 1];
			ops[j - 1] = t;
		}
	brk_edit **out = malloc(sizeof *out * (size_t)(m ? m : 1));
	int k = 0;
	while (k < m)
		for (int i = 0; i < BRK_NOPS; i++)
			if (next[ops[i]] < first[ops[i] + 1])
				out[k++] = r[next[ops[i]]++].e;
	free(r);
	*nout = m;
	return out;
}

static int overlaps(const brk_edit *a, const brk_edit *b)
{
	if (a->start == a->end || b->start == b->end)	/* insertions: only at the same point */
		return a->start == b->start || (a->start > b->start && a->start < b->end) ||
		       (b->start > a->start && b->start < a->end);
	return a->start < b->end && b->start < a->end;
}

static void mutant_key(brk_mutant *m)
{
	const brk_edit *ord[BRK_MAX_COMBINE];
	for (int i = 0; i < m->nedits; i++)
		ord[i] = &m->edits[i];
	qsort(ord, (size_t)m->nedits, sizeof *ord, by_start);
	sb s = { 0 };
	char head[64];
	for (int i = 0; i < m->nedits; i++) {
		snprintf(head, sizeof head, "%u:%u:%s:", ord[i]->start, ord[i]->end, brk_op_names[ord[i]->op]);
		sb_puts(&s, head);
		sb_puts(&s, ord[i]->text);
		sb_put(&s, "\n", 1);
	}
	char hex[33];
	hash_hex128(s.b, s.n, hex);
	memcpy(m->key, hex, 16);
	m->key[16] = 0;
	free(s.b);
}

/* Keep (in place, in order) the edits on lines the tests ran, or above the
 * first of them (the signature: defaults are evaluated, arguments bound);
 * the rest are freed. Returns how many are left. */
static int reached(const char *code, brk_edit *e, int n, const brk_opts *o)
{
	size_t len = strlen(code);
	int *line = malloc(sizeof *line * (len + 1)), first = INT_MAX, k = 0;
	for (size_t j = 0, l = 1; j <= len; l += code[j++] == '\n')
		line[j] = (int)l;
	for (int i = 0; i < o->ncover; i++)
		if (o->cover[i] >= 1 && o->cover[i] < first)
			first = o->cover[i];
	for (int i = 0; i < n; i++) {
		int l = line[e[i].start <= len ? e[i].start : len], hit = l < first && first != INT_MAX;
		for (int q = 0; q < o->ncover && !hit; q++)
			hit = o->cover[q] == l;
		if (hit)
			e[k++] = e[i];
		else
			free(e[i].text);
	}
	free(line);
	return k;
}

int brk_mutants(breaker *b, const char *code, const char *parent_id, const brk_opts *o, brk_mutant **out)
{
	*out = NULL;
	brk_edit *e;
	int n = brk_sites(b, code, &e);
	if (n < 0)
		return -1;
	char *orig = brk_normalise(b, code);
	int m, k = o->combine < 1 ? 1 : o->combine > BRK_MAX_COMBINE ? BRK_MAX_COMBINE : o->combine;
	if (o->cover)
		n = reached(code, e, n, o);
	brk_edit **ord = order(e, n, parent_id, o, &m);
	strset seen = { 0 };
	char **keep = NULL;	/* normal forms the set points into */
	int nkeep = 0, seen_n = 0, nout = 0;
	brk_mutant *res = calloc((size_t)o->per_function + 1, sizeof *res);
	strset_add(&seen, orig, strlen(orig));
	char *used = calloc((size_t)m + 1, 1);
	for (int i = 0; i < m && nout < o->per_function; i++) {
		if (used[i])
			continue;
		brk_mutant cand = { 0 };
		cand.edits[cand.nedits++] = *ord[i];
		used[i] = 1;
		/* more edits for a combined bug: the next ones in the order that do not overlap */
		for (int j = i + 1; j < m && cand.nedits < k; j++) {
			int clash = used[j];
			for (int q = 0; q < cand.nedits && !clash; q++)
				clash = overlaps(&cand.edits[q], ord[j]);
			if (!clash) {
				cand.edits[cand.nedits++] = *ord[j];
				used[j] = 1;
			}
		}
		if (cand.nedits < k)
			break;
		char *mc = brk_apply(code, cand.edits, cand.nedits);
		char *norm = brk_normalise(b, mc);
		if (!norm || !strset_add(&seen, norm, strlen(norm))) {
			free(norm);
			free(mc);
			continue;
		}
		keep = realloc(keep, sizeof *keep * (size_t)(nkeep + 1));
		keep[nkeep++] = norm;
		if (seen_n++ < o->from) {
			free(mc);
			continue;
		}
		for (int q = 0; q < cand.nedits; q++)
			cand.edits[q].text = strdup(cand.edits[q].text);
		cand.code = mc;
		mutant_key(&cand);
		res[nout++] = cand;
	}
	free(used);
	for (int i = 0; i < nkeep; i++)
		free(keep[i]);
	free(keep);
	strset_free(&seen);
	free(orig);
	free(ord);
	brk_edits_free(e, n);
	*out = res;
	return nout;
}

void brk_mutants_free(brk_mutant *m, int n)
{
	if (!m)
		return;
	for (int i = 0; i < n; i++) {
		free(m[i].code);
		for (int q = 0; q < m[i].nedits; q++)
			free(m[i].edits[q].text);
	}
	free(m);
}
