/* Unit tests for lib/testlink: test files, import resolution, links. */
#include <stdlib.h>
#include "t.h"
#include "repo/repo.h"
#include "py/pyparse.h"
#include "py/pyfunc.h"
#include "py/testlink.h"

static const char *TEST_SRC =
	"import pkg as p\n"
	"from pkg.mod import helper, Box as B\n"
	"from pkg.sub import *\n"
	"import unittest\n"
	"def test_helper():\n"
	"    assert helper(1) == 2\n"
	"def test_reexport():\n"
	"    assert p.top(3)\n"
	"def test_star():\n"
	"    assert starred()\n"
	"def not_a_test():\n"
	"    helper(2)\n"
	"class TestBox(unittest.TestCase):\n"
	"    def test_put(self):\n"
	"        b = B()\n"
	"        b.put(1)\n"
	"    def helper_method(self):\n"
	"        p.mod.other()\n";

static const char *J(jv v)
{
	static char b[4][512];
	static int n;
	jv s = jv_dump_string(v, 0);
	char *o = b[n++ % 4];
	snprintf(o, 512, "%s", jv_string_value(s));
	jv_free(s);
	return o;
}

int main(void)
{
	T_OK(repo_is_test_path("tests/test_a.py"), "tests/test_a.py");
	T_OK(repo_is_test_path("pkg/a_test.py"), "a_test.py");
	T_OK(repo_is_test_path("test/helpers.py"), "under test/");
	T_OK(repo_is_test_path("pkg/tests/conftest.py"), "under tests/");
	T_OK(!repo_is_test_path("pkg/testing.py"), "testing.py is not a test file");
	T_OK(!repo_is_test_path("pkg/contest/x.py"), "contest/ is not tests/");
	T_OK(repo_is_test_path("test.py") && repo_is_test_path("tests.py"), "top-level test.py and tests.py");
	T_OK(!repo_is_test_path("pkg/test.py"), "a module test.py inside a package is not");
	T_OK(repo_is_test_path("conftest.py"), "conftest.py");

	char err[256];
	TSParser *P = py_parser_new(err, sizeof err);
	TSTree *t = py_parse(P, TEST_SRC, strlen(TEST_SRC));
	tl_file *f = tl_scan_file("tests/test_mod.py", t, TEST_SRC);
	T_OK(f != NULL, "tests found");
	tl_index *x = tl_new();
	tl_add(x, f);
	T_EQ_INT((int)tl_ntests(x), 4, "four test functions (not_a_test and helper_method are not)");
	T_EQ_STR(J(tl_tests_for(x, "pkg.mod", "helper")), "[\"tests/test_mod.py::test_helper\"]",
		 "from-import then call");
	T_EQ_STR(J(tl_tests_for(x, "pkg.impl", "top")), "[\"tests/test_mod.py::test_reexport\"]",
		 "package re-export through an alias");
	T_EQ_STR(J(tl_tests_for(x, "pkg.sub", "starred")), "[\"tests/test_mod.py::test_star\"]", "star import");
	T_EQ_STR(J(tl_tests_for(x, "pkg.mod", "Box.put")), "[\"tests/test_mod.py::TestBox::test_put\"]",
		 "method: class imported under an alias and .put used");
	T_EQ_STR(J(tl_tests_for(x, "pkg.mod", "Box.get")), "[]", "method not used");
	T_EQ_STR(J(tl_tests_for(x, "pkg.mod", "other")), "[]", "use outside test functions does not count");
	T_EQ_STR(J(tl_tests_for(x, "other.mod", "helper")), "[]", "same name, other module");
	T_EQ_STR(J(tl_tests_for(x, "pkg.mod", "helper.<locals>.g")), "[]", "nested functions are not linked");
	tl_free(x);
	ts_tree_delete(t);

	/* The imports the extractor's statement walk hands over are those this
	 * module's own walk finds: the same links either way, on imports in
	 * every kind of place (nested blocks, bodies, except*, decorated). */
	static const char *SRC2 =
		"import a.b as ab\n"
		"if X:\n    from c import d\nelse:\n    import e\n"
		"try:\n    from f import g\nexcept* E:\n    from h import i\n"
		"@dec\nclass TestK:\n    from j import k\n    def test_m(self):\n        from l import mm\n"
		"        ab.x(); d(); e.y(); g(); i(); k(); mm()\n"
		"def test_n():\n    with w:\n        import o.p\n    o.p.q(); d()\n";
	TSTree *t2 = py_parse(P, SRC2, strlen(SRC2));
	pyf_file *pf = pyf_scan(P, SRC2, strlen(SRC2));
	int ni;
	const TSNode *imps = pyf_tl_imports(pf, &ni);
	T_OK(imps != NULL, "the statement walk knows the imports");
	tl_index *x1 = tl_new(), *x2 = tl_new();
	tl_add(x1, tl_scan_file("tests/test_k.py", t2, SRC2));
	tl_add(x2, tl_scan_file_with("tests/test_k.py", pyf_tree(pf), SRC2, imps, ni, NULL, NULL));
	static const char *const q[][2] = { { "a.b", "x" }, { "c", "d" }, { "e", "y" }, { "f", "g" },
		{ "h", "i" }, { "j", "k" }, { "l", "mm" }, { "o.p", "q" } };
	int same = 1;
	for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
		const char *a = J(tl_tests_for(x1, q[i][0], q[i][1]));
		const char *b = J(tl_tests_for(x2, q[i][0], q[i][1]));
		if (strcmp(a, b)) {
			printf("# %s.%s: %s vs %s\n", q[i][0], q[i][1], a, b);
			same = 0;
		}
	}
	T_OK(same, "links from the handed-over imports are the walk's own");
	T_EQ_STR(J(tl_tests_for(x2, "c", "d")), "[\"tests/test_k.py::TestK::test_m\",\"tests/test_k.py::test_n\"]",
		 "an import in an if block links");
	tl_free(x1);
	tl_free(x2);
	pyf_free(pf);
	ts_tree_delete(t2);
	ts_parser_delete(P);
	return t_done();
}
