/* Unit tests for lib/pyfunc: qualnames and kinds as Python names them,
 * signatures, docstrings cleaned as inspect.cleandoc, doctests split as
 * doctest.DocTestParser, globals, imports, and syntax errors kept out. */
#include <stdlib.h>
#include "t.h"
#include "py/pyfunc.h"
#include "py/pyparse.h"

static TSParser *P;

static const char *SRC =
	"import os, sys as system\n"
	"from a.b import (c,\n"
	"   d as e)\n"
	"X = 1\n"
	"class A(B, metaclass=M):\n"
	"    @staticmethod\n"
	"    def s(x, /, y: int = 3, *args, z, **kw) -> str:\n"
	"        \"\"\"Doc.\n"
	"\n"
	"        >>> A.s(1)\n"
	"        2\n"
	"        \"\"\"\n"
	"        # comment\n"
	"        return X + os.sep\n"
	"    @property\n"
	"    def p(self): return 1\n"
	"    @p.setter\n"
	"    def p(self, v): pass\n"
	"    @classmethod\n"
	"    def k(cls): pass\n"
	"    async def am(self):\n"
	"        yield 1\n"
	"    def m(self):\n"
	"        def inner():\n"
	"            class C:\n"
	"                def cm(self): pass\n"
	"            return lambda: X\n"
	"        global X\n"
	"        X = 2\n"
	"        return inner\n"
	"f2 = lambda x: x\n"
	"@deco(1)\n"
	"def f(*, k=lambda x: x):\n"
	"    'one line'\n"
	"    os = 3\n"
	"    return os, e\n"
	"async def g(): return await c\n";

static jv rec_of(pyf_file *f, const char *qualname, int nth)
{
	for (int i = 0; i < pyf_count(f); i++)
		if (!strcmp(pyf_get(f, i)->qualname, qualname) && nth-- == 0)
			return pyf_record(f, i, jv_object());
	return jv_null();
}

static const char *S(jv r, const char *k)
{
	static char buf[8][512];
	static int n;
	jv v = k ? jv_object_get(jv_copy(r), jv_string(k)) : jv_copy(r);
	char *b = buf[n++ % 8];
	if (jv_get_kind(v) == JV_KIND_STRING)
		snprintf(b, 512, "%s", jv_string_value(v));
	else {
		jv d = jv_dump_string(v, 0);
		snprintf(b, 512, "%s", jv_string_value(d));
		jv_free(d);
		return b;
	}
	jv_free(v);
	return b;
}

static void test_shapes(void)
{
	pyf_file *f = pyf_scan(P, SRC, strlen(SRC));
	const char *want[] = { "A.s", "A.p", "A.p", "A.k", "A.am", "A.m", "A.m.<locals>.inner",
			       "A.m.<locals>.inner.<locals>.C.cm", "f", "g" };
	T_EQ_INT(pyf_count(f), 10, "every def found, lambdas are not functions");
	for (int i = 0; i < pyf_count(f) && i < 10; i++)
		T_EQ_STR(pyf_get(f, i)->qualname, want[i], "qualname as __qualname__");
	const char *kinds[] = { "staticmethod", "property", "property", "classmethod", "async", "method",
				"function", "method", "function", "async" };
	for (int i = 0; i < pyf_count(f) && i < 10; i++)
		T_EQ_STR(pyf_kind_name[pyf_get(f, i)->kind], kinds[i], "kind");
	T_OK(pyf_get(f, 6)->nested && pyf_get(f, 7)->nested && !pyf_get(f, 5)->nested, "nested marks");
	T_EQ_INT(pyf_get(f, 0)->lineno, 7, "decorated def: lineno is the def line (as ast)");

	jv r = rec_of(f, "A.s", 0);
	T_EQ_STR(S(r, "docstring"), "Doc.\n\n>>> A.s(1)\n2", "docstring cleaned");
	T_EQ_STR(S(r, "code"), "def s(x, /, y: int = 3, *args, z, **kw) -> str:\n    \"\"\"Doc.\n\n    >>> A.s(1)\n"
	 "    2\n    \"\"\"\n    # comment\n    return X + os.sep\n", "code dedented, decorators out");
	T_EQ_STR(S(r, "body"), "    # comment\n    return X + os.sep\n", "body without the docstring");
	T_EQ_STR(S(r, "signature"),
		 "{\"parameters\":[{\"name\":\"x\",\"annotation\":null,\"default\":null,\"kind\":\"positional-only\"},"
		 "{\"name\":\"y\",\"annotation\":\"int\",\"default\":\"3\",\"kind\":\"positional-or-keyword\"},"
		 "{\"name\":\"args\",\"annotation\":null,\"default\":null,\"kind\":\"var-positional\"},"
		 "{\"name\":\"z\",\"annotation\":null,\"default\":null,\"kind\":\"keyword-only\"},"
		 "{\"name\":\"kw\",\"annotation\":null,\"default\":null,\"kind\":\"var-keyword\"}],\"returns\":\"str\"}",
		 "signature");
	T_EQ_STR(S(r, "decorators"), "[\"staticmethod\"]", "decorators");
	T_EQ_STR(S(r, "class"), "{\"name\":\"A\",\"qualname\":\"A\",\"bases\":[\"B\"]}", "class and bases");
	T_EQ_STR(S(r, "imports"), "[\"import os\"]", "imports: those binding a name the function uses");
	T_EQ_STR(S(r, "globals"), "[\"X\",\"os\"]", "globals used");
	T_EQ_STR(S(r, "doctests"), "[{\"source\":\"A.s(1)\\n\",\"want\":\"2\\n\",\"lineno\":10}]", "doctests");
	jv_free(r);

	r = rec_of(f, "A.p", 1);
	T_EQ_STR(S(r, "decorators"), "[\"p.setter\"]", "setter decorator");
	jv_free(r);
	r = rec_of(f, "A.am", 0);
	T_EQ_STR(S(r, "is_generator"), "true", "async generator");
	T_EQ_STR(S(r, "is_async"), "true", "async");
	jv_free(r);
	r = rec_of(f, "A.m", 0);
	T_EQ_STR(S(r, "is_generator"), "false", "yield only in nested scopes does not count");
	T_EQ_STR(S(r, "globals"), "[\"X\"]", "global statement keeps X global");
	jv_free(r);
	r = rec_of(f, "f", 0);
	T_EQ_STR(S(r, "globals"), "[\"e\"]", "a local shadowing a module name is not a global");
	T_EQ_STR(S(r, "decorators"), "[\"deco(1)\"]", "decorator with arguments");
	T_EQ_STR(S(r, "imports"), "[\"from a.b import d as e\"]", "an aliased from-import, alone");
	jv all = pyf_imports(f);
	T_EQ_STR(S(all, NULL), "[\"import os\",\"import sys as system\",\"from a.b import c\",\"from a.b import d as e\"]",
		 "the module's imports, one per name");
	jv_free(all);
	T_EQ_STR(S(r, "docstring"), "one line", "one-line docstring");
	T_EQ_STR(S(r, "body"), "    os = 3\n    return os, e\n", "body");
	jv_free(r);
	r = rec_of(f, "g", 0);
	T_EQ_STR(S(r, "docstring"), "null", "no docstring: null");
	T_EQ_STR(S(r, "body"), "    return await c\n", "body of a one-line def");
	jv_free(r);
	pyf_free(f);
}

static void test_errors(void)
{
	/* a local error: only the function holding it is out */
	const char *src = "def ok():\n    return 1\n\ndef bad():\n    x = = 2\n    return x\n\ndef ok2():\n    return 3\n";
	pyf_file *f = pyf_scan(P, src, strlen(src));
	T_EQ_INT(pyf_count(f), 3, "three defs");
	T_OK(pyf_count(f) == 3 && !pyf_get(f, 0)->has_error && pyf_get(f, 1)->has_error && !pyf_get(f, 2)->has_error,
	     "the function with an ERROR node is marked, its neighbours are not");
	T_OK(pyf_root_has_error(f), "the file is marked");
	pyf_free(f);
	/* a broken header: tree-sitter wraps the module in ERROR; nothing in it is trusted */
	src = "def ok():\n    return 1\n\ndef bad(:\n    return 2\n\nclass K:\n    def m(self): return (1,\n";
	f = pyf_scan(P, src, strlen(src));
	int unmarked = 0;
	for (int i = 0; i < pyf_count(f); i++)
		unmarked += !pyf_get(f, i)->has_error;
	T_EQ_INT(unmarked, 0, "defs inside an ERROR node are marked (their nesting is unsure)");
	pyf_free(f);
	/* Python 2 print/exec statements parse in tree-sitter, not in Python 3 */
	src = "def old():\n    def inner():\n        print 'x'\n    return 1\ndef new():\n    print('x')\n";
	f = pyf_scan(P, src, strlen(src));
	T_OK(pyf_count(f) == 3 && pyf_get(f, 0)->has_error && pyf_get(f, 1)->has_error && !pyf_get(f, 2)->has_error,
	     "a print statement marks its functions, print() does not");
	pyf_free(f);
	/* MISSING nodes count as errors too */
	src = "def m(self): return (1,\n";
	f = pyf_scan(P, src, strlen(src));
	T_OK(pyf_count(f) == 0 || pyf_get(f, 0)->has_error, "MISSING node marks the function");
	pyf_free(f);
}

static void test_body_after_long_header(void)
{
	const char *src = "class T:\n    def __init__(self,\n                 a=1,\n                 b=2) -> None:\n"
			  "        # set up\n        self.a = a\n";
	pyf_file *f = pyf_scan(P, src, strlen(src));
	jv r = pyf_record(f, 0, jv_object());
	T_EQ_STR(S(r, "body"), "    # set up\n    self.a = a\n", "body after a header over several lines");
	jv_free(r);
	pyf_free(f);
}

static void test_fstring_globals(void)
{
	const char *src = "X = 1\nY = 2\ndef h():\n    return f'{X}' + 'Y' + rf\"{Y!r}\"\n";
	pyf_file *f = pyf_scan(P, src, strlen(src));
	jv r = pyf_record(f, 0, jv_object());
	T_EQ_STR(S(r, "globals"), "[\"X\",\"Y\"]", "names inside f-strings are used; plain strings hold none");
	jv_free(r);
	pyf_free(f);
}

static void test_cleandoc(void)
{
	struct { const char *in, *want; } c[] = {
		{ "  First.\n\n    Indented\n      more\n    ", "First.\n\nIndented\n  more" },
		{ "\n\n  a\n  b\n\n", "a\nb" },
		{ "x\n\tTab\n\t  tab2", "x\nTab\n  tab2" },
		{ "", "" },
		{ "only", "only" },
		{ "a\n   \n  b", "a\n \nb" },
		{ "\xc3\xa9t\xc3\xa9\n   \xc3\xa9\n    x", "\xc3\xa9t\xc3\xa9\n\xc3\xa9\n x" },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		char *g = pyf_cleandoc(c[i].in, strlen(c[i].in));
		T_EQ_STR(g, c[i].want, "cleandoc");
		free(g);
	}
}

static void test_doctests(void)
{
	struct { const char *doc, *want; } c[] = {
		{ "\n    >>> 1 + 1\n    2\n\n    >>> x = 3\n    >>> x\n    3\n",
		  "[{\"source\":\"1 + 1\\n\",\"want\":\"2\\n\",\"lineno\":1},{\"source\":\"x = 3\\n\",\"want\":\"\",\"lineno\":4},"
		  "{\"source\":\"x\\n\",\"want\":\"3\\n\",\"lineno\":5}]" },
		{ ">>> print(1)  # doctest: +ELLIPSIS\n1\n",
		  "[{\"source\":\"print(1)  # doctest: +ELLIPSIS\\n\",\"want\":\"1\\n\",\"lineno\":0,\"options\":[\"+ELLIPSIS\"]}]" },
		{ "  >>> if 1:\n  ...     2\n  2\n  text\n\n  tail", "[{\"source\":\"if 1:\\n    2\\n\",\"want\":\"2\\ntext\\n\",\"lineno\":0}]" },
		{ ">>> # just a comment\n>>> 5\n5", "[{\"source\":\"5\\n\",\"want\":\"5\\n\",\"lineno\":1}]" },
		{ ">>>x\n", "[]" },		/* no blank after the prompt: doctest rejects the docstring */
		{ "    >>> 1\n  1\n", "[]" },	/* want less indented than its prompt */
		{ "no examples here", "[]" },
		{ ">>> 1\n", "[{\"source\":\"1\\n\",\"want\":\"\",\"lineno\":0}]" },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		jv d = pyf_doctests(c[i].doc, strlen(c[i].doc), 0);
		jv s = jv_dump_string(d, 0);
		T_EQ_STR(jv_string_value(s), c[i].want, "doctest split");
		jv_free(s);
	}
}

static void test_module_name(void)
{
	char *m;
	T_EQ_STR(m = pyf_module_name("pkg/mod.py"), "pkg.mod", "module of a file"); free(m);
	T_EQ_STR(m = pyf_module_name("pkg/__init__.py"), "pkg", "module of a package"); free(m);
	T_EQ_STR(m = pyf_module_name("src/pkg/a.py"), "pkg.a", "src layout"); free(m);
	T_EQ_STR(m = pyf_module_name("__init__.py"), "", "root package"); free(m);
	T_EQ_STR(m = pyf_module_name("a.py"), "a", "one-letter module"); free(m);
}

int main(void)
{
	char err[256];
	P = py_parser_new(err, sizeof err);
	if (!T_OK(P != NULL, "grammar loads"))
		return t_done();
	test_shapes();
	test_errors();
	test_fstring_globals();
	test_body_after_long_header();
	test_cleandoc();
	test_doctests();
	test_module_name();
	ts_parser_delete(P);
	return t_done();
}
