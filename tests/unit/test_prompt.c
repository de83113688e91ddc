/* Unit tests for lib/prompt: strategies, fallbacks, examples, seeds, and
 * that no line of the body ever reaches a prompt. */
#include <stdlib.h>
#include "t.h"
#include "lift/prompt.h"

static lift_ctx *ctx;
static char text[8192], source[512];

static int make(const char *code, const char *extra, pr_strategy s, unsigned long seed)
{
	jv rec = extra ? jv_parse(extra) : jv_object();
	rec = jv_object_set(rec, jv_string("code"), jv_string(code));
	lift_fn f;
	const char *ec;
	if (lift_fn_open(ctx, rec, &f, &ec) < 0) {
		lift_fn_close(&f);
		jv_free(rec);
		return -1;
	}
	jv src;
	jv t = prompt_make(&f, rec, s, seed, &src);
	snprintf(text, sizeof text, "%s", jv_string_value(t));
	snprintf(source, sizeof source, "%s", jv_string_value(src));
	int leak = prompt_leaks(&f, text, strlen(text));
	jv_free(t);
	jv_free(src);
	lift_fn_close(&f);
	jv_free(rec);
	return leak;
}

static const char *ADD =
	"def add(a: int, b: int = 0) -> int:\n"
	"    \"\"\"Add two integers.\n\n    Args:\n        a: the first\n        b: the second\n\n"
	"    Returns:\n        int: their sum\n\n    Raises:\n        TypeError: when not integers\n\n"
	"    >>> add(1, 2)\n    3\n    \"\"\"\n"
	"    if not isinstance(a, int) or not isinstance(b, int):\n        raise TypeError('integers only')\n"
	"    total = a + b\n    return total\n";

static void strategies(void)
{
	T_OK(make(ADD, "{\"id\": \"fn-1\"}", PR_COMBINED, 0) == 0, "combined: no leak");
	T_EQ_STR(source, "combined:docstring+examples", "combined: parts");
	T_OK(strstr(text, "`add(a: int, b: int = 0) -> int`") != NULL, "signature in the header");
	T_OK(strstr(text, "Add two integers.") != NULL, "summary");
	T_OK(strstr(text, "- `a`: the first") != NULL, "parameters");
	T_OK(strstr(text, "Returns (int): their sum") != NULL, "returns");
	T_OK(strstr(text, "- `TypeError`: when not integers") != NULL, "raises");
	T_OK(strstr(text, ">>> add(1, 2)\n3") != NULL, "doctest example");
	T_OK(!strstr(text, "total = a + b") && !strstr(text, "integers only"), "nothing of the body");

	make(ADD, "{\"id\": \"fn-1\"}", PR_DOCSTRING, 0);
	T_EQ_STR(source, "docstring:docstring", "docstring strategy");
	T_OK(!strstr(text, ">>>"), "docstring strategy: no examples");

	make(ADD, "{\"id\": \"fn-1\"}", PR_SIGNATURE, 0);
	T_EQ_STR(source, "signature:signature", "signature strategy");
	T_OK(!strstr(text, "Add two integers"), "signature strategy: no docstring text");
	T_OK(strstr(text, "add") && strstr(text, "- `b` (int), default `0`"), "signature strategy: parameters");
	T_OK(strstr(text, "It returns `int`.") != NULL, "signature strategy: return type");

	make(ADD, "{\"id\": \"fn-1\"}", PR_EXAMPLES, 0);
	T_EQ_STR(source, "examples:examples", "examples strategy");
	T_OK(strstr(text, ">>> add(1, 2)") && !strstr(text, "Add two integers"), "examples strategy: examples only");
}

static void fallbacks_and_examples(void)
{
	const char *bare = "def scale_vector(v, k=2):\n    return [x * k for x in v]\n";
	make(bare, NULL, PR_DOCSTRING, 0);
	T_EQ_STR(source, "docstring:signature (fallback: no docstring)", "docstring strategy falls back");
	T_OK(strstr(text, "scale vector") != NULL, "name words");
	make(bare, NULL, PR_COMBINED, 0);
	T_EQ_STR(source, "combined:signature (fallback: no docstring)", "combined without docstring");
	make(bare, NULL, PR_EXAMPLES, 0);
	T_EQ_STR(source, "examples:signature (fallback: no examples, no docstring)", "examples strategy falls back");

	make(bare, "{\"exec\": {\"examples\": [{\"function\": \"scale_vector\", \"args\": [\"[1, 2]\"], \"kwargs\": {\"k\": \"3\"},"
		   " \"returned\": \"[3, 6]\"}, {\"function\": \"scale_vector\", \"args\": [\"None\"], \"kwargs\": {},"
		   " \"raised\": \"TypeError: 'NoneType' object is not iterable\"}]},"
		   " \"tests\": [\"tests/test_v.py::test_scale\", \"assert scale_vector([1], 0) == [0]\"]}",
	     PR_COMBINED, 0);
	T_EQ_STR(source, "combined:signature+examples (fallback: no docstring)", "examples from exec and tests");
	T_OK(strstr(text, "- `scale_vector([1, 2], k=3)` returns `[3, 6]`") != NULL, "traced call");
	T_OK(strstr(text, "- `scale_vector(None)` raises TypeError: 'NoneType' object is not iterable") != NULL, "traced raise");
	T_OK(strstr(text, "- `assert scale_vector([1], 0) == [0]`") != NULL, "assert test");
	T_OK(!strstr(text, "tests/test_v.py"), "repository test ids are not examples");

	make(bare, "{\"doctests\": [5, {\"source\": 5}, \"x\"], \"exec\": {\"examples\": [7, {\"args\": 5, \"kwargs\": []}]},"
		   " \"tests\": [5, null], \"qualname\": 5, \"kind\": [], \"id\": {}}", PR_COMBINED, 0);
	T_EQ_STR(source, "combined:signature (fallback: no docstring)", "fields of the wrong type are ignored");

	make("def f(x):\n    \"\"\"Return x.\"\"\"\n    return x\n",
	     "{\"doctests\": [{\"source\": \"f(2)\\n\", \"want\": \"2\\n\", \"lineno\": 1}]}", PR_COMBINED, 0);
	T_OK(strstr(text, ">>> f(2)\n2") != NULL, "doctests from the record");

	make("def m(self, n):\n    \"\"\"Do it.\"\"\"\n    yield n\n", "{\"qualname\": \"Stack.m\", \"kind\": \"method\"}",
	     PR_COMBINED, 0);
	T_OK(strstr(text, "generator method `m(self, n)` of class `Stack`") != NULL, "method of a class");
}

static void leaks_and_seeds(void)
{
	/* the docstring repeats a body line: those sentences are cut */
	int leak = make("def f(items):\n    \"\"\"Sort in place.\n\n    It calls items.sort(key=len) once.\n"
			"    items.sort(key=len)\n    \"\"\"\n    items.sort(key=len)\n", NULL, PR_COMBINED, 0);
	T_OK(leak == 0, "leaking lines removed");
	T_OK(strstr(text, "Sort in place.") != NULL, "the rest of the docstring stays");
	T_EQ_STR(source, "combined:docstring (2 lines cut: would reveal the body)", "and the source says so");
	make("def g(it):\n    \"\"\"Send a value. Return it or raise StopIteration. Then stop.\"\"\"\n    raise StopIteration\n",
	     NULL, PR_COMBINED, 0);
	T_OK(strstr(text, "Send a value. Then stop.") != NULL, "only the revealing sentence is cut");

	make("def nxt(self):\n    \"\"\"raise StopIteration\"\"\"\n    raise StopIteration\n", NULL, PR_COMBINED, 0);
	T_EQ_STR(source, "combined:docstring+signature (fallback: the docstring reveals the body) (1 line cut: would reveal the body)",
		 "a docstring that is the body gives way to the signature");
	T_OK(strstr(text, "nxt") && !strstr(text, "raise StopIteration"), "and the body stays hidden");

	char first[8192];
	make(ADD, "{\"id\": \"fn-7\"}", PR_COMBINED, 3);
	snprintf(first, sizeof first, "%s", text);
	make(ADD, "{\"id\": \"fn-7\"}", PR_COMBINED, 3);
	T_EQ_STR(text, first, "same seed, same text");
	int differ = 0;
	for (unsigned long s = 0; s < 16; s++) {
		make(ADD, "{\"id\": \"fn-7\"}", PR_COMBINED, s);
		differ += strcmp(text, first) != 0;
	}
	T_OK(differ > 0, "other seeds, other phrasings");

	pr_strategy s;
	T_OK(prompt_strategy("examples", &s) == 0 && s == PR_EXAMPLES, "strategy names");
	T_OK(prompt_strategy("nope", &s) < 0, "unknown strategy");

	T_OK(make("def f(x):\n    return ünïcode(x)  # 日本\n", "{\"docstring\": \"Ünïcode — 日本語.\"}", PR_COMBINED, 0) == 0,
	     "non-ASCII");
	T_OK(strstr(text, "Ünïcode — 日本語.") != NULL, "non-ASCII docstring kept");
}

int main(void)
{
	char err[256];
	ctx = lift_ctx_new(err, sizeof err);
	if (!T_OK(ctx != NULL, "context")) {
		printf("# %s\n", err);
		return t_done();
	}
	strategies();
	fallbacks_and_examples();
	leaks_and_seeds();
	lift_ctx_free(ctx);
	return t_done();
}
