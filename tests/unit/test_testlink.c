/* Unit tests for lib/testlink: test files, import resolution, links. */
#include <stdlib.h>
#include "t.h"
#include "pyparse.h"
#include "testlink.h"

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
	T_OK(tl_is_test_path("tests/test_a.py"), "tests/test_a.py");
	T_OK(tl_is_test_path("pkg/a_test.py"), "a_test.py");
	T_OK(tl_is_test_path("test/helpers.py"), "under test/");
	T_OK(tl_is_test_path("pkg/tests/conftest.py"), "under tests/");
	T_OK(!tl_is_test_path("pkg/testing.py"), "testing.py is not a test file");
	T_OK(!tl_is_test_path("pkg/contest/x.py"), "contest/ is not tests/");

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
	ts_parser_delete(P);
	return t_done();
}
