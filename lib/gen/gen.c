/* gen.c — see gen.h: planning, building tasks, normalising, difficulty.
 * The sandbox round trip (probe, ls-exec, tests) is in gen_probe.c. */
#include "gen/gen.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "py/pyparse.h"
#include "rec/record.h"
#include "gen/template.h"
#include "base/rng.h"

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* ---- parsing helpers ------------------------------------------------------ */

static __thread TSParser *parser;

static TSTree *parse(const char *code)
{
	if (!parser) {
		char err[256];
		parser = py_parser_new(err, sizeof err);
		if (!parser)
			return NULL;
	}
	return py_parse(parser, code, strlen(code));
}

static int is_type(TSNode n, const char *t)
{
	return !strcmp(ts_node_type(n), t);
}

static char *field_text(TSNode n, const char *field, const char *src)
{
	TSNode c = ts_node_child_by_field_name(n, field, (uint32_t)strlen(field));
	return ts_node_is_null(c) ? NULL : py_strdup(c, src);
}

/* The definition an entry name refers to: a top-level def or class. With
 * entry NULL, the last one (helpers come first in Python modules). */
static TSNode find_def(TSNode root, const char *src, const char *entry)
{
	TSNode found = { 0 };
	uint32_t n = ts_node_named_child_count(root);
	for (uint32_t i = 0; i < n; i++) {
		TSNode c = ts_node_named_child(root, i);
		if (is_type(c, "decorated_definition"))
			c = ts_node_child_by_field_name(c, "definition", 10);
		if (!is_type(c, "function_definition") && !is_type(c, "class_definition"))
			continue;
		char *name = field_text(c, "name", src);
		if (!entry || (name && !strcmp(name, entry)))
			found = c;
		free(name);
	}
	return found;
}

/* ---- normalisation -------------------------------------------------------- */

static const char *const builtins[] = {
	"abs", "all", "any", "ascii", "bin", "bool", "bytearray", "bytes", "callable", "chr",
	"classmethod", "complex", "dict", "dir", "divmod", "enumerate", "filter", "float",
	"format", "frozenset", "getattr", "hasattr", "hash", "hex", "id", "int", "isinstance",
	"issubclass", "iter", "len", "list", "map", "max", "min", "next", "object", "oct", "ord",
	"pow", "print", "property", "range", "repr", "reversed", "round", "set", "setattr",
	"slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "zip",
	"Exception", "ValueError", "TypeError", "KeyError", "IndexError", "ZeroDivisionError",
	"RuntimeError", "LookupError", "ArithmeticError", "OverflowError", "AssertionError",
	"StopIteration", "NotImplementedError", "self", "cls", NULL
};

static int is_builtin(const char *s, size_t n)
{
	for (int i = 0; builtins[i]; i++)
		if (strlen(builtins[i]) == n && !memcmp(builtins[i], s, n))
			return 1;
	return 0;
}

typedef struct {
	char *b;
	size_t n, cap;
} sbuf;

static void sb_put(sbuf *o, const char *s, size_t n)
{
	if (o->n + n + 2 > o->cap) {
		o->cap = 2 * (o->n + n + 2) + 256;
		o->b = realloc(o->b, o->cap);
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
	o->b[o->n] = 0;
}

typedef struct {
	const char *src;
	sbuf out;
	char **names;
	int nnames, cap;
} norm;

static void norm_ident(norm *z, const char *s, size_t n)
{
	char tmp[32];
	int i;
	for (i = 0; i < z->nnames; i++)
		if (strlen(z->names[i]) == n && !memcmp(z->names[i], s, n))
			break;
	if (i == z->nnames) {
		if (z->nnames == z->cap)
			z->names = realloc(z->names, sizeof *z->names * (z->cap = 2 * z->cap + 16));
		z->names[z->nnames++] = strndup(s, n);
	}
	int l = snprintf(tmp, sizeof tmp, "v%d", i);
	sb_put(&z->out, tmp, (size_t)l);
}

static void norm_walk(norm *z, TSTreeCursor *c)
{
	TSNode n = ts_tree_cursor_current_node(c);
	const char *type = ts_node_type(n);
	if (!strcmp(type, "comment"))
		return;
	if (!strcmp(type, "string") || ts_node_child_count(n) == 0) {
		size_t len;
		const char *s = py_text(n, z->src, &len);
		const char *field = ts_tree_cursor_current_field_name(c);
		if (!strcmp(type, "identifier") && !is_builtin(s, len) &&
		    !(field && !strcmp(field, "attribute")) &&
		    !(field && !strcmp(field, "name") && is_type(ts_node_parent(n), "keyword_argument")))
			norm_ident(z, s, len);
		else
			sb_put(&z->out, s, len);
		sb_put(&z->out, " ", 1);
		return;
	}
	if (ts_tree_cursor_goto_first_child(c)) {
		do
			norm_walk(z, c);
		while (ts_tree_cursor_goto_next_sibling(c));
		ts_tree_cursor_goto_parent(c);
	}
}

char *gen_normalise(const char *code)
{
	TSTree *tree = parse(code);
	if (!tree)
		return NULL;
	TSNode root = ts_tree_root_node(tree);
	if (ts_node_has_error(root)) {
		ts_tree_delete(tree);
		return NULL;
	}
	norm z = { .src = code };
	sb_put(&z.out, "", 0);
	TSTreeCursor c = ts_tree_cursor_new(root);
	norm_walk(&z, &c);
	ts_tree_cursor_delete(&c);
	ts_tree_delete(tree);
	for (int i = 0; i < z.nnames; i++)
		free(z.names[i]);
	free(z.names);
	return z.out.b;
}

/* ---- difficulty ----------------------------------------------------------- */

typedef struct {
	const char *src;
	int branches, loops, depth, recursion, functions, raises;
} feat;

/* fname: the innermost enclosing def, to see recursion (also self.name). */
static void feat_walk(feat *f, TSNode n, int depth, const char *fname)
{
	const char *t = ts_node_type(n);
	char *own = NULL;
	int nest = 0;
	if (!strcmp(t, "if_statement") || !strcmp(t, "elif_clause") ||
	    !strcmp(t, "conditional_expression") || !strcmp(t, "boolean_operator") ||
	    !strcmp(t, "except_clause") || !strcmp(t, "case_clause"))
		f->branches++, nest = !strcmp(t, "if_statement");
	else if (!strcmp(t, "for_statement") || !strcmp(t, "while_statement") ||
		 !strcmp(t, "list_comprehension") || !strcmp(t, "set_comprehension") ||
		 !strcmp(t, "dictionary_comprehension") || !strcmp(t, "generator_expression"))
		f->loops++, nest = 1;
	else if (!strcmp(t, "function_definition")) {
		f->functions++;
		fname = own = field_text(n, "name", f->src);
	} else if (!strcmp(t, "raise_statement"))
		f->raises++;
	else if (!strcmp(t, "call") && fname) {
		char *fn = field_text(n, "function", f->src);
		if (fn && !strcmp(strncmp(fn, "self.", 5) ? fn : fn + 5, fname))
			f->recursion = 1;
		free(fn);
	}
	if (nest && depth + 1 > f->depth)
		f->depth = depth + 1;
	uint32_t k = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < k; i++)
		feat_walk(f, ts_node_named_child(n, i), depth + nest, fname);
	free(own);
}

static int count_params(TSNode def, const char *src)
{
	if (is_type(def, "class_definition"))
		return 0;
	TSNode ps = ts_node_child_by_field_name(def, "parameters", 10);
	int n = 0;
	uint32_t k = ts_node_named_child_count(ps);
	for (uint32_t i = 0; i < k; i++) {
		TSNode p = ts_node_named_child(ps, i);
		char *s = py_strdup(p, src);
		if (strcmp(s, "self") && !is_type(p, "keyword_separator") &&
		    !is_type(p, "positional_separator"))
			n++;
		free(s);
	}
	return n;
}

int gen_difficulty(const char *code, const char *entry, int edges, jv *features,
		   const char **label)
{
	feat f = { .src = code };
	int lines = 0, params = 0;
	for (const char *s = code; *s;) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (strspn(s, " \t") < n && s[strspn(s, " \t")] != '#')
			lines++;
		s += n + (e ? 1 : 0);
	}
	TSTree *tree = parse(code);
	if (tree) {
		TSNode root = ts_tree_root_node(tree);
		feat_walk(&f, root, 0, NULL);
		TSNode def = find_def(root, code, entry);
		if (!ts_node_is_null(def))
			params = count_params(def, code);
		ts_tree_delete(tree);
	}
	/* Weights: each decision a solver must get right counts once, a loop
	 * twice (bounds and body), nesting and recursion for the state a reader
	 * must hold, extra functions and parameters for the interface. */
	int score = f.branches + 2 * f.loops + 2 * (f.depth > 1 ? f.depth - 1 : 0) +
		    3 * f.recursion + 2 * (f.functions > 1 ? f.functions - 1 : 0) +
		    (params > 1 ? params - 1 : 0) + f.raises + lines / 6 + edges / 4;
	*label = score <= 7 ? "easy" : score <= 13 ? "medium" : "hard";
	jv x = jv_object();
	x = jv_object_set(x, jv_string("branches"), jv_number(f.branches));
	x = jv_object_set(x, jv_string("loops"), jv_number(f.loops));
	x = jv_object_set(x, jv_string("depth"), jv_number(f.depth));
	x = jv_object_set(x, jv_string("recursion"), jv_bool(f.recursion));
	x = jv_object_set(x, jv_string("functions"), jv_number(f.functions));
	x = jv_object_set(x, jv_string("params"), jv_number(params));
	x = jv_object_set(x, jv_string("raises"), jv_number(f.raises));
	x = jv_object_set(x, jv_string("lines"), jv_number(lines));
	x = jv_object_set(x, jv_string("edges"), jv_number(edges));
	*features = x;
	return score;
}

/* ---- the IR --------------------------------------------------------------- */

/* Header lines "arg NAME: text" describe parameters. */
static jv arg_doc(jv hdr, const char *name)
{
	jv_array_foreach(hdr, i, kv) {
		jv k = jv_array_get(jv_copy(kv), 0);
		const char *ks = jv_string_value(k);
		if (!strncmp(ks, "arg ", 4) && !strcmp(ks + 4, name)) {
			jv_free(k);
			jv_free(hdr);
			return jv_array_get(kv, 1);
		}
		jv_free(k);
		jv_free(kv);
	}
	jv_free(hdr);
	return jv_string_fmt("the %s argument", name);
}

static jv param_of(TSNode p, const char *src, const char *kind, jv hdr)
{
	const char *t = ts_node_type(p);
	char *name = NULL, *type = NULL, *dflt = NULL;
	if (!strcmp(t, "identifier"))
		name = py_strdup(p, src);
	else if (!strcmp(t, "typed_parameter")) {
		TSNode id = ts_node_named_child(p, 0);
		if (is_type(id, "list_splat_pattern"))
			kind = "var-positional";
		else if (is_type(id, "dictionary_splat_pattern"))
			kind = "var-keyword";
		name = py_strdup(ts_node_named_child_count(id) ? ts_node_named_child(id, 0) : id, src);
		type = field_text(p, "type", src);
	} else if (!strcmp(t, "default_parameter") || !strcmp(t, "typed_default_parameter")) {
		name = field_text(p, "name", src);
		type = field_text(p, "type", src);
		dflt = field_text(p, "value", src);
	} else if (!strcmp(t, "list_splat_pattern") || !strcmp(t, "dictionary_splat_pattern")) {
		kind = *t == 'l' ? "var-positional" : "var-keyword";
		name = py_strdup(ts_node_named_child(p, 0), src);
	} else {
		jv_free(hdr);
		return jv_null();
	}
	jv r = jv_object();
	r = jv_object_set(r, jv_string("name"), jv_string(name));
	r = jv_object_set(r, jv_string("type_hint"), type ? jv_string(type) : jv_null());
	r = jv_object_set(r, jv_string("description"), arg_doc(jv_copy(hdr), name));
	r = jv_object_set(r, jv_string("kind"), jv_string(kind));
	r = jv_object_set(r, jv_string("default"), dflt ? jv_string(dflt) : jv_null());
	if (type)
		r = jv_object_set(r, jv_string("type_source"), jv_string("template"));
	free(name);
	free(type);
	free(dflt);
	jv_free(hdr);
	return r;
}

/* The signature of a def, or of a class's __init__ (without self). */
static jv signature_of(TSNode def, const char *src, jv hdr)
{
	char *name = field_text(def, "name", src);
	char *ret = NULL;
	TSNode fn = def;
	if (is_type(def, "class_definition")) {
		ret = strdup(name);
		TSNode body = ts_node_child_by_field_name(def, "body", 4);
		fn = (TSNode){ 0 };
		for (uint32_t i = 0; i < ts_node_named_child_count(body); i++) {
			TSNode c = ts_node_named_child(body, i);
			char *m = is_type(c, "function_definition") ? field_text(c, "name", src) : NULL;
			if (m && !strcmp(m, "__init__"))
				fn = c;
			free(m);
		}
	} else
		ret = field_text(def, "return_type", src);
	jv params = jv_array();
	if (!ts_node_is_null(fn)) {
		TSNode ps = ts_node_child_by_field_name(fn, "parameters", 10);
		uint32_t k = ts_node_named_child_count(ps);
		int kwonly = 0;
		int posonly_at = -1;
		for (uint32_t i = 0; i < k; i++)
			if (is_type(ts_node_named_child(ps, i), "positional_separator"))
				posonly_at = (int)i;
		for (uint32_t i = 0; i < k; i++) {
			TSNode p = ts_node_named_child(ps, i);
			if (is_type(p, "keyword_separator")) {
				kwonly = 1;
				continue;
			}
			const char *kind = (int)i < posonly_at ? "positional-only" :
					   kwonly ? "keyword-only" : "positional-or-keyword";
			if (is_type(p, "list_splat_pattern"))
				kwonly = 1;
			jv pr = param_of(p, src, kind, jv_copy(hdr));
			if (jv_get_kind(pr) != JV_KIND_OBJECT) {
				jv_free(pr);
				continue;
			}
			jv pn = jv_object_get(jv_copy(pr), jv_string("name"));
			int self = !strcmp(jv_string_value(pn), "self") && i == 0 && fn.id != def.id;
			jv_free(pn);
			if (self)
				jv_free(pr);
			else
				params = jv_array_append(params, pr);
		}
	}
	jv s = jv_object_set(jv_object(), jv_string("name"), jv_string(name ? name : ""));
	s = jv_object_set(s, jv_string("parameters"), params);
	s = jv_object_set(s, jv_string("returns"), ret ? jv_string(ret) : jv_null());
	if (ret)
		s = jv_object_set(s, jv_string("returns_source"), jv_string("template"));
	free(name);
	free(ret);
	jv_free(hdr);
	return s;
}

static jv assertion(const char *predicate, const char *rationale, const char *kind)
{
	jv a = jv_object_set(jv_object(), jv_string("predicate"), jv_string(predicate));
	a = jv_object_set(a, jv_string("rationale"), jv_string(rationale));
	return jv_object_set(a, jv_string("kind"), jv_string(kind));
}

/* The IR a template states about its reference (examples are added once the
 * reference has run: gen_finish). hdr is the substituted header. */
static jv build_ir(jv t, jv hdr, jv sig, const char *summary)
{
	jv name = jv_object_get(jv_copy(t), jv_string("name"));
	jv intent = jv_object_set(jv_object(), jv_string("summary"), jv_string(summary));
	jv why = jv_null();
	jv effects = jv_array(), asserts = jv_array();
	jv_array_foreach(hdr, i, kv) {
		jv k = jv_array_get(jv_copy(kv), 0), v = jv_array_get(kv, 1);
		const char *ks = jv_string_value(k), *vs = jv_string_value(v);
		if (!strcmp(ks, "rationale") && jv_get_kind(why) == JV_KIND_NULL)
			why = jv_copy(v);
		else if (!strcmp(ks, "requires"))
			asserts = jv_array_append(asserts, assertion(vs, "stated by the task", "precondition"));
		else if (!strcmp(ks, "ensures"))
			asserts = jv_array_append(asserts, assertion(vs, "stated by the task", "postcondition"));
		else if (!strcmp(ks, "raises"))
			asserts = jv_array_append(asserts, assertion(vs, "stated by the task", "raises"));
		else if (!strncmp(ks, "effect ", 7)) {
			jv e = jv_object_set(jv_object(), jv_string("description"), jv_copy(v));
			effects = jv_array_append(effects, jv_object_set(e, jv_string("kind"), jv_string(ks + 7)));
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(hdr);
	if (jv_get_kind(why) == JV_KIND_NULL)
		why = jv_string_fmt("Generated from the lift-sys template '%s'.", jv_string_value(name));
	intent = jv_object_set(intent, jv_string("rationale"), why);
	jv meta = jv_object();
	meta = jv_object_set(meta, jv_string("source_path"), jv_string_fmt("template:%s", jv_string_value(name)));
	meta = jv_object_set(meta, jv_string("language"), jv_string("python"));
	meta = jv_object_set(meta, jv_string("origin"), jv_string("template"));
	meta = jv_object_set(meta, jv_string("evidence"), jv_array());
	meta = jv_object_set(meta, jv_string("template"), jv_copy(name));
	jv ir = jv_object();
	ir = jv_object_set(ir, jv_string("intent"), intent);
	ir = jv_object_set(ir, jv_string("signature"), sig);
	ir = jv_object_set(ir, jv_string("effects"), effects);
	ir = jv_object_set(ir, jv_string("assertions"), asserts);
	ir = jv_object_set(ir, jv_string("metadata"), meta);
	ir = jv_object_set(ir, jv_string("holes"), jv_array());
	jv_free(name);
	jv_free(t);
	return ir;
}

/* ---- one task ------------------------------------------------------------- */

static jv subst_or(jv text, jv b)
{
	jv r = tmpl_subst(jv_string_value(text), b);
	jv_free(text);
	return r;
}

/* The expression a case evaluates: a call of the entry function, or for a
 * class a fresh instance driven through its methods, collecting each result. */
static jv case_call(const char *kind, const char *entry, const char *src)
{
	if (!strcmp(kind, "function"))
		return jv_string_fmt("%s(%s)", entry, src);
	jv ops = tmpl_split_ops(src);
	int n = jv_array_length(jv_copy(ops));
	if (n < 2) {
		jv_free(ops);
		return jv_invalid_with_msg(jv_string_fmt("a class case needs 'Ctor(...); method(...)': '%s'", src));
	}
	jv body = jv_string("");
	for (int i = 1; i < n; i++) {
		/* "method(args)" calls a method of the instance o; "= expr" is an
		 * expression over o as it stands (len(o), a loop of pushes) */
		jv op = jv_array_get(jv_copy(ops), i);
		const char *os = jv_string_value(op);
		body = jv_string_append_str(body, i > 1 ? ", " : "");
		if (*os == '=')
			body = jv_string_append_str(body, os + 1 + strspn(os + 1, " "));
		else {
			body = jv_string_append_str(body, "o.");
			body = jv_string_append_str(body, os);
		}
		jv_free(op);
	}
	jv ctor = jv_array_get(ops, 0);
	jv r = jv_string_fmt("(lambda o: [%s])(%s)", jv_string_value(body), jv_string_value(ctor));
	jv_free(body);
	jv_free(ctor);
	return r;
}

jv gen_task(jv t, long combo)
{
	jv b = tmpl_binding(t, combo);
	jv err = jv_null();
	jv name = jv_object_get(jv_copy(t), jv_string("name"));
	jv kind = jv_object_get(jv_copy(t), jv_string("kind"));
	jv code = subst_or(jv_object_get(jv_copy(t), jv_string("code")), b);
	jv prompt = subst_or(jv_object_get(jv_copy(t), jv_string("prompt")), b);
	jv hdr = jv_array();
	jv raw = jv_object_get(jv_copy(t), jv_string("header"));
	jv_array_foreach(raw, i, kv) {
		jv k = subst_or(jv_array_get(jv_copy(kv), 0), b);
		jv v = subst_or(jv_array_get(kv, 1), b);
		/* a line whose value a variant leaves empty does not apply to it */
		if (jv_string_length_bytes(jv_copy(v)) > 0)
			hdr = jv_array_append(hdr, JV_ARRAY(k, v));
		else {
			jv_free(k);
			jv_free(v);
		}
	}
	jv_free(raw);
	const char *cs = jv_string_value(code);
	jv task = jv_null();

	/* the entry point, its signature and IR */
	jv entry = jv_null();
	jv_array_foreach(hdr, i, kv) {
		jv k = jv_array_get(jv_copy(kv), 0);
		if (!strcmp(jv_string_value(k), "entry") && jv_get_kind(entry) == JV_KIND_NULL)
			entry = jv_array_get(jv_copy(kv), 1);
		jv_free(k);
		jv_free(kv);
	}
	TSTree *tree = parse(cs);
	TSNode root = tree ? ts_tree_root_node(tree) : (TSNode){ 0 };
	TSNode def = { 0 };
	if (!tree || ts_node_has_error(root))
		err = jv_string("the expanded code does not parse");
	else {
		def = find_def(root, cs, jv_get_kind(entry) == JV_KIND_STRING ? jv_string_value(entry) : NULL);
		if (ts_node_is_null(def))
			err = jv_string("no entry definition in the code");
	}
	if (jv_get_kind(err) != JV_KIND_NULL) {
		if (tree)
			ts_tree_delete(tree);
		goto out;
	}
	char *ename = field_text(def, "name", cs);
	jv_free(entry);
	entry = jv_string(ename);
	free(ename);
	jv sig = signature_of(def, cs, jv_copy(hdr));
	ts_tree_delete(tree);

	jv summary = jv_null();
	jv_array_foreach(hdr, i, kv) {
		jv k = jv_array_get(jv_copy(kv), 0);
		if (!strcmp(jv_string_value(k), "summary") && jv_get_kind(summary) == JV_KIND_NULL)
			summary = jv_array_get(jv_copy(kv), 1);
		jv_free(k);
		jv_free(kv);
	}
	jv ir = build_ir(jv_copy(t), jv_copy(hdr), sig, jv_string_value(summary));
	jv_free(summary);

	/* the cases */
	jv cases = jv_array();
	int edges = 0;
	jv ins = jv_object_get(jv_copy(t), jv_string("inputs"));
	jv_array_foreach(ins, i, in) {
		jv src = subst_or(jv_object_get(jv_copy(in), jv_string("src")), b);
		jv edge = jv_object_get(in, jv_string("edge"));
		jv call = case_call(jv_string_value(kind), jv_string_value(entry), jv_string_value(src));
		jv_free(src);
		if (!jv_is_valid(call)) {
			jv_free(err);
			err = jv_invalid_get_msg(call);
			jv_free(edge);
			break;
		}
		edges += jv_get_kind(edge) == JV_KIND_STRING;
		jv c = jv_object_set(jv_object(), jv_string("call"), call);
		cases = jv_array_append(cases, jv_object_set(c, jv_string("edge"), edge));
	}
	jv_free(ins);
	if (jv_get_kind(err) != JV_KIND_NULL) {
		jv_free(cases);
		jv_free(ir);
		goto out;
	}

	jv features;
	const char *label;
	int score = gen_difficulty(cs, jv_string_value(entry), edges, &features, &label);

	char id[64];
	const char *parts[3] = { jv_string_value(name), cs, jv_string_value(prompt) };
	hash_id(id, sizeof id, "gen", 3, parts);

	jv params = jv_object();
	jv ps = jv_object_get(jv_copy(t), jv_string("params"));
	long k = combo;
	jv_array_foreach(ps, i, p) {
		jv pn = jv_object_get(jv_copy(p), jv_string("name"));
		int na = jv_array_length(jv_object_get(p, jv_string("alts")));
		params = jv_object_set(params, pn, jv_number((double)(k % na)));
		k /= na;
	}
	jv_free(ps);

	task = jv_object();
	task = jv_object_set(task, jv_string("id"), jv_string(id));
	task = jv_object_set(task, jv_string("name"), jv_copy(entry));
	task = jv_object_set(task, jv_string("kind"), jv_copy(kind));
	task = jv_object_set(task, jv_string("category"), jv_object_get(jv_copy(t), jv_string("category")));
	task = jv_object_set(task, jv_string("difficulty"), jv_string(label));
	task = jv_object_set(task, jv_string("difficulty_score"), jv_number(score));
	task = jv_object_set(task, jv_string("difficulty_features"), features);
	task = jv_object_set(task, jv_string("template"), jv_copy(name));
	task = jv_object_set(task, jv_string("variant"), params);
	task = jv_object_set(task, jv_string("prompt"), jv_copy(prompt));
	task = jv_object_set(task, jv_string("prompt_source"), jv_string("template"));
	task = jv_object_set(task, jv_string("ir"), ir);
	task = jv_object_set(task, jv_string("code"), jv_copy(code));
	task = jv_object_set(task, jv_string("cases"), cases);
out:
	if (jv_get_kind(err) != JV_KIND_NULL) {
		jv_free(task);
		task = jv_invalid_with_msg(jv_string_fmt("%s: %s", jv_string_value(name), jv_string_value(err)));
	}
	jv_free(err);
	jv_free(entry);
	jv_free(hdr);
	jv_free(code);
	jv_free(prompt);
	jv_free(kind);
	jv_free(name);
	jv_free(b);
	return task;
}

/* ---- the plan ------------------------------------------------------------- */

typedef struct {
	int tmpl;		/* index into templates */
	uint64_t n, a, b, j;	/* combination j of n is (a*j + b) mod n: a shuffle */
} cursor;

static int in_list(const char *list, const char *s)
{
	size_t n = strlen(s);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && !memcmp(p, s, n))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

jv gen_plan(jv templates, unsigned long seed, int want, const char *only)
{
	int nt = jv_array_length(jv_copy(templates));
	const char **cats = calloc((size_t)nt + 1, sizeof *cats);
	int nc = 0;
	jv names = jv_array();		/* keeps the category strings alive */
	for (int i = 0; i < nt; i++) {
		jv c = jv_object_get(jv_array_get(jv_copy(templates), i), jv_string("category"));
		names = jv_array_append(names, c);
	}
	for (int i = 0; i < nt; i++) {
		jv c = jv_array_get(jv_copy(names), i);
		const char *s = jv_string_value(c);
		int seen = 0;
		for (int k = 0; k < nc; k++)
			seen |= !strcmp(cats[k], s);
		if (!seen && (!only || in_list(only, s)))
			cats[nc++] = s;
		jv_free(c);
	}
	qsort(cats, (size_t)nc, sizeof *cats, cmp_str);

	/* per category: its templates' cursors, visited in turn */
	cursor **cur = calloc((size_t)nc, sizeof *cur);
	int *ncur = calloc((size_t)nc, sizeof *ncur), *turn = calloc((size_t)nc, sizeof *turn);
	for (int k = 0; k < nc; k++) {
		cur[k] = calloc((size_t)nt, sizeof **cur);
		for (int i = 0; i < nt; i++) {
			jv t = jv_array_get(jv_copy(templates), i);
			jv c = jv_object_get(jv_copy(t), jv_string("category"));
			jv tn = jv_object_get(jv_copy(t), jv_string("name"));
			if (!strcmp(jv_string_value(c), cats[k])) {
				cursor *x = &cur[k][ncur[k]++];
				const char *tns = jv_string_value(tn);
				uint64_t s = seed * 0x100000001b3ULL ^ hash64(tns, strlen(tns));
				x->tmpl = i;
				x->n = (uint64_t)jv_number_value(jv_object_get(jv_copy(t), jv_string("combos")));
				do
					x->a = x->n > 1 ? 1 + splitmix64(&s) % (x->n - 1) : 1;
				while (gcd(x->a, x->n) != 1);
				x->b = splitmix64(&s) % x->n;
			}
			jv_free(c);
			jv_free(tn);
			jv_free(t);
		}
	}

	jv plan = jv_array(), seen = jv_object();
	int have = 0, live = 1;
	while (have < want && live) {
		live = 0;
		for (int k = 0; k < nc && have < want; k++) {
			/* the category's next template with a fresh combination */
			while (ncur[k] > 0) {
				int ti = turn[k] % ncur[k];
				cursor *x = &cur[k][ti];
				jv task = jv_null();
				while (x->j < x->n && jv_get_kind(task) == JV_KIND_NULL) {
					long combo = (long)((x->a * x->j + x->b) % x->n);
					x->j++;
					jv t = jv_array_get(jv_copy(templates), x->tmpl);
					jv cand = gen_task(t, combo);
					jv_free(t);
					if (!jv_is_valid(cand)) {
						/* a template bug: reported, never silently skipped */
						jv m = jv_invalid_get_msg(cand);
						fprintf(stderr, "ls-gen: %s\n", jv_string_value(m));
						jv_free(m);
						continue;
					}
					char *norm = gen_normalise(rec_str(cand, "code"));
					jv kc = jv_string_fmt("c:%s", norm ? norm : "");
					jv kp = jv_string_fmt("p:%s", rec_str(cand, "prompt"));
					free(norm);
					if (jv_object_has(jv_copy(seen), jv_copy(kc)) ||
					    jv_object_has(jv_copy(seen), jv_copy(kp))) {
						jv_free(kc);
						jv_free(kp);
						jv_free(cand);
						continue;
					}
					seen = jv_object_set(jv_object_set(seen, kc, jv_true()), kp, jv_true());
					task = cand;
				}
				if (x->j >= x->n) {	/* exhausted: leave the turn */
					memmove(x, x + 1, sizeof *x * (size_t)(ncur[k] - ti - 1));
					ncur[k]--;
				} else
					turn[k]++;
				if (jv_get_kind(task) != JV_KIND_NULL) {
					plan = jv_array_append(plan, task);
					have++;
					live = 1;
					break;
				}
			}
		}
	}
	jv_free(seen);
	for (int k = 0; k < nc; k++)
		free(cur[k]);
	free(cur);
	free(ncur);
	free(turn);
	free(cats);
	jv_free(names);
	return plan;
}
