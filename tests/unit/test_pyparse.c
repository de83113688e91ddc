/* Unit tests for lib/pyparse: the grammar loads, string literals decode as Python does. */
#include <stdlib.h>
#include "t.h"
#include "py/pyparse.h"

static char *docstring_of(TSParser *p, const char *src)
{
	TSTree *tree = py_parse(p, src, strlen(src));
	TSNode root = ts_tree_root_node(tree);
	TSNode stmt = ts_node_named_child(root, 0);
	TSNode str = ts_node_named_child(stmt, 0);
	char *v = py_string_value(str, src, NULL);
	ts_tree_delete(tree);
	return v;
}

int main(void)
{
	char err[256];
	TSParser *p = py_parser_new(err, sizeof err);
	if (!T_OK(p != NULL, "grammar loads")) {
		printf("# %s\n", err);
		return t_done();
	}
	T_OK(pyk.function_definition != 0 && pyk.string != 0, "kind ids resolved");
	struct { const char *src, *want, *what; } cases[] = {
		{ "'abc'\n", "abc", "single quotes" },
		{ "\"\"\"a\n  b\"\"\"\n", "a\n  b", "triple quotes keep newlines" },
		{ "'a\\tb\\n'\n", "a\tb\n", "escapes" },
		{ "r'a\\tb'\n", "a\\tb", "raw string keeps backslashes" },
		{ "'\\u00e9\\x41\\101'\n", "\xc3\xa9" "AA", "unicode, hex and octal escapes" },
		{ "'ab' \"cd\"\n", "abcd", "implicit concatenation" },
		{ "'a\\\nb'\n", "ab", "line continuation" },
		{ "'\\q'\n", "\\q", "unknown escape kept" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *v = docstring_of(p, cases[i].src);
		T_EQ_STR(v, cases[i].want, cases[i].what);
		free(v);
	}
	char *f = docstring_of(p, "f'x{y}'\n");
	T_OK(f == NULL, "f-string is not a plain string");
	free(f);
	char *b = docstring_of(p, "b'x'\n");
	T_OK(b == NULL, "bytes is not a plain string");
	free(b);
	ts_parser_delete(p);
	return t_done();
}
