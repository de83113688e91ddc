/* pyparse.h — Python source to a tree-sitter syntax tree.
 *
 * One parser per thread (TSParser is not thread-safe). Node kinds are looked
 * up once into pyk (symbol ids), so walkers compare integers, not strings.
 * Parent lookup in tree-sitter 0.20 is slow: keep your own ancestor stack
 * when walking (TSTreeCursor).
 */
#ifndef LS_PYPARSE_H
#define LS_PYPARSE_H
#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_python(void);

/* A parser for Python; NULL with a message in err[] when the grammar's ABI is refused. */
TSParser *py_parser_new(char *err, size_t errsz);
/* Parse src[0..len) (UTF-8). NULL only on allocation failure. */
TSTree *py_parse(TSParser *p, const char *src, size_t len);

/* Symbol ids of the node kinds lift-sys looks at; filled by py_parser_new. */
struct py_kinds {
	TSSymbol module, function_definition, class_definition, decorated_definition,
		decorator, block, expression_statement, string, concatenated_string,
		identifier, attribute, call, argument_list, parameters, lambda,
		typed_parameter, default_parameter, typed_default_parameter,
		list_splat_pattern, dictionary_splat_pattern, keyword_separator,
		positional_separator, import_statement, import_from_statement,
		future_import_statement, aliased_import, dotted_name, assignment,
		augmented_assignment, global_statement, nonlocal_statement,
		return_statement, raise_statement, assert_statement, if_statement,
		yield, await, comment, error, subscript, delete_statement,
		for_statement, while_statement, try_statement, with_statement,
		string_content, string_start, string_end, interpolation, escape_sequence,
		type, comparison_operator, not_operator, boolean_operator, keyword_argument,
		pass_statement, elif_clause, else_clause;
};
extern struct py_kinds pyk;

/* Text of a node: a pointer into src and its length (not NUL-terminated). */
static inline const char *py_text(TSNode n, const char *src, size_t *len)
{
	uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
	*len = b - a;
	return src + a;
}
/* A malloc'd NUL-terminated copy of a node's text. */
char *py_strdup(TSNode n, const char *src);
/* 1-based line of a node's start and end (as Python's ast lineno/end_lineno). */
static inline int py_line(TSNode n) { return (int)ts_node_start_point(n).row + 1; }
static inline int py_end_line(TSNode n) { return (int)ts_node_end_point(n).row + 1; }

/* The value of a Python string literal node (string or concatenated_string):
 * prefixes, quotes and escapes handled as Python does for str literals that
 * contain no interpolation. Returns a malloc'd UTF-8 string, or NULL when the
 * literal is an f-string or bytes (not a docstring in Python's sense). */
char *py_string_value(TSNode n, const char *src, size_t *len);

/* Named children through a cursor: ts_node_named_child(n, i) starts again
 * from the first child every time, so a loop over it is quadratic in a long
 * block or module.
 *	py_kids k;
 *	for (TSNode c = py_kid_first(&k, n); !ts_node_is_null(c); c = py_kid_next(&k)) ...
 *	py_kid_done(&k); */
typedef struct { TSTreeCursor c; long left; int more; } py_kids;

static inline TSNode py_kid_next(py_kids *k)
{
	while (k->more) {
		TSNode c = ts_tree_cursor_current_node(&k->c);
		/* counted: a failed move of the cursor costs as much as one that works */
		k->more = --k->left > 0 && ts_tree_cursor_goto_next_sibling(&k->c);
		if (ts_node_is_named(c))
			return c;
	}
	return (TSNode){ 0 };
}

static inline TSNode py_kid_first(py_kids *k, TSNode n)
{
	k->c = ts_tree_cursor_new(n);
	k->left = ts_node_child_count(n);	/* the current child and those after it */
	k->more = k->left > 0 && ts_tree_cursor_goto_first_child(&k->c);
	return py_kid_next(k);
}

static inline void py_kid_done(py_kids *k) { ts_tree_cursor_delete(&k->c); }

#endif
