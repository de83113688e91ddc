/* Unit tests for lib/break: each operator on a small function, the mutant
 * choice (parses, no equivalents, deterministic, seeds differ), combined
 * bugs, the unified diff, and the validation rule. */
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "break/mutate.h"
#include "break/task.h"
#include "break/udiff.h"

static breaker *B;

/* Does operator op, applied alone at some site of code, give want? */
static int gives(const char *code, int op, const char *want)
{
	brk_edit *e;
	int n = brk_sites(B, code, &e), found = 0;
	for (int i = 0; i < n && !found; i++) {
		if (e[i].op != op)
			continue;
		char *m = brk_apply(code, &e[i], 1);
		found = !strcmp(m, want);
		free(m);
	}
	if (!found) {
		printf("# sites of %s:\n", brk_op_names[op]);
		for (int i = 0; i < n; i++)
			if (e[i].op == op) {
				char *m = brk_apply(code, &e[i], 1);
				printf("# ---\n# %s\n", m);
				free(m);
			}
	}
	brk_edits_free(e, n);
	return found;
}

static int count_op(const char *code, int op)
{
	brk_edit *e;
	int n = brk_sites(B, code, &e), c = 0;
	for (int i = 0; i < n; i++)
		c += e[i].op == op;
	brk_edits_free(e, n);
	return c;
}

#define GIVES(code, op, want, what) T_OK(gives(code, op, want), what)

int main(void)
{
	char err[256];
	B = brk_new(err, sizeof err);
	T_OK(B != NULL, "mutator starts");
	if (!B)
		return t_done();

	GIVES("def f(a, b):\n    return a < b\n", BRK_COMPARE, "def f(a, b):\n    return a <= b\n", "compare: < to <=");
	GIVES("def f(a, b):\n    return a not in b\n", BRK_COMPARE, "def f(a, b):\n    return a in b\n", "compare: not in to in");
	GIVES("def f(a, b):\n    return a is not None\n", BRK_COMPARE, "def f(a, b):\n    return a is None\n", "compare: is not to is");
	GIVES("def f(a, b):\n    return a + b\n", BRK_ARITH, "def f(a, b):\n    return a - b\n", "arith: + to -");
	GIVES("def f(a):\n    a += 2\n    return a\n", BRK_ARITH, "def f(a):\n    a -= 2\n    return a\n", "arith: += to -=");
	GIVES("def f(a):\n    return a // 2\n", BRK_ARITH, "def f(a):\n    return a / 2\n", "arith: // to /");
	GIVES("def f(a, i):\n    return a[i]\n", BRK_OFF_BY_ONE, "def f(a, i):\n    return a[i + 1]\n", "off_by_one: index");
	GIVES("def f(a):\n    return a[1:]\n", BRK_OFF_BY_ONE, "def f(a):\n    return a[2:]\n", "off_by_one: slice bound");
	GIVES("def f(n):\n    return [i for i in range(n)]\n", BRK_OFF_BY_ONE,
	      "def f(n):\n    return [i for i in range(n - 1)]\n", "off_by_one: range stop");
	GIVES("def f(a, n):\n    return list(range(1, n + 1))\n", BRK_OFF_BY_ONE,
	      "def f(a, n):\n    return list(range(1, (n + 1) - 1))\n", "off_by_one: range stop, parenthesised");
	GIVES("def f(a, b):\n    return a and b\n", BRK_BOOLEAN, "def f(a, b):\n    return a or b\n", "boolean: and to or");
	GIVES("def f(a):\n    return not a\n", BRK_BOOLEAN, "def f(a):\n    return a\n", "boolean: not dropped");
	GIVES("def f(a):\n    if a > 1:\n        return 1\n    return 0\n", BRK_NEGATE,
	      "def f(a):\n    if not (a > 1):\n        return 1\n    return 0\n", "negate: if condition");
	GIVES("def f(a):\n    while a:\n        a -= 1\n", BRK_NEGATE, "def f(a):\n    while not a:\n        a -= 1\n", "negate: while condition");
	GIVES("def f(a):\n    if a:\n        x = 1\n        y = 2\n    else:\n        x = 3\n    return x\n", BRK_SWAP_BRANCH,
	      "def f(a):\n    if a:\n        x = 3\n    else:\n        x = 1\n        y = 2\n    return x\n", "swap_branch: if/else");
	GIVES("def f(a):\n    return 1 if a else 2\n", BRK_SWAP_BRANCH, "def f(a):\n    return 2 if a else 1\n", "swap_branch: conditional expression");
	T_EQ_INT(count_op("def f(a):\n    if a:\n        x = 1\n    elif a > 2:\n        x = 2\n    else:\n        x = 3\n    return x\n",
			  BRK_SWAP_BRANCH), 0, "swap_branch: not with elif");
	GIVES("def f(a):\n    a.sort()\n    return a\n", BRK_REMOVE_STMT, "def f(a):\n    pass\n    return a\n", "remove_stmt");
	T_EQ_INT(count_op("def f(a):\n    \"\"\"Doc.\"\"\"\n    return a\n", BRK_REMOVE_STMT), 0,
		 "remove_stmt: not the docstring, not a lone statement");
	GIVES("def f(a):\n    a.sort()\n    return a\n", BRK_EARLY_RETURN, "def f(a):\n    a.sort()\n    return\n    return a\n",
	      "early_return");
	T_EQ_INT(count_op("class C:\n    x = 1\n    y = 2\n", BRK_EARLY_RETURN), 0, "early_return: never in a class body");
	GIVES("def f(a):\n    return a * 0\n", BRK_CONSTANT, "def f(a):\n    return a * 1\n", "constant: 0 to 1");
	GIVES("def f(a):\n    return a + 7\n", BRK_CONSTANT, "def f(a):\n    return a + 8\n", "constant: n to n+1");
	GIVES("def f(a):\n    return True\n", BRK_CONSTANT, "def f(a):\n    return False\n", "constant: True to False");
	GIVES("def f(a, k=2):\n    return a * k\n", BRK_DEFAULT_ARG, "def f(a, k=3):\n    return a * k\n", "default_arg: integer");
	GIVES("def f(a, r: bool = False):\n    return a\n", BRK_DEFAULT_ARG, "def f(a, r: bool = True):\n    return a\n",
	      "default_arg: typed");
	GIVES("def f(a, b):\n    return g(a, b, k=1)\n", BRK_SWAP_ARGS, "def f(a, b):\n    return g(b, a, k=1)\n", "swap_args");
	T_EQ_INT(count_op("def f(a):\n    return g(a, a)\n", BRK_SWAP_ARGS), 0, "swap_args: not equal arguments");
	GIVES("def f(a, b):\n    c = a + 1\n    return c * b\n", BRK_WRONG_VAR, "def f(a, b):\n    c = a + 1\n    return a * b\n",
	      "wrong_var: another variable of the function");
	T_EQ_INT(count_op("def f(a):\n    return a.b(x=a)\n", BRK_WRONG_VAR), 0, "wrong_var: needs two variables");
	GIVES("async def f(a):\n    return await a.get()\n", BRK_DROP_AWAIT, "async def f(a):\n    return a.get()\n", "drop_await");
	GIVES("def f(a):\n    for x in a:\n        yield x * 2\n", BRK_DROP_YIELD, "def f(a):\n    for x in a:\n        x * 2\n", "drop_yield");
	GIVES("def f(a):\n    try:\n        return int(a)\n    except ValueError:\n        return None\n", BRK_DROP_HANDLER,
	      "def f(a):\n    return int(a)\n", "drop_handler: the try's body alone");
	GIVES("def f(a):\n    try:\n        return int(a)\n    except ValueError:\n        return 0\n    except TypeError:\n        return 1\n",
	      BRK_DROP_HANDLER, "def f(a):\n    try:\n        return int(a)\n    except ValueError:\n        return 0\n",
	      "drop_handler: one of two except clauses");
	T_OK(brk_op_index("wrong_var") == BRK_WRONG_VAR && brk_op_index("nope") == -1, "operator names");

	/* the choice of mutants */
	const char *fn = "def clamp(x, lo=0, hi=10):\n    \"\"\"Clamp x.\"\"\"\n    if x < lo:\n        return lo\n"
			 "    if x > hi:\n        return hi\n    return x\n";
	brk_opts o = { .per_function = 100, .combine = 1, .seed = 1 };
	brk_mutant *m, *m2;
	int n = brk_mutants(B, fn, "fn-1", &o, &m);
	T_OK(n > 10, "many mutants of a small function");
	int parse = 1, differ = 1, ops = 0;
	unsigned seen = 0;
	char *orig = brk_normalise(B, fn);
	for (int i = 0; i < n; i++) {
		char *a = brk_normalise(B, m[i].code);
		parse &= a != NULL;
		differ &= a && strcmp(a, orig);
		for (int j = 0; a && j < i; j++) {
			char *b = brk_normalise(B, m[j].code);
			differ &= strcmp(a, b) != 0;
			free(b);
		}
		free(a);
		seen |= 1u << m[i].edits[0].op;
	}
	for (int k = 0; k < BRK_NOPS; k++)
		ops += seen >> k & 1;
	free(orig);
	T_OK(parse, "every mutant parses");
	T_OK(differ, "no mutant equals the original or another after normalising");
	T_OK(ops >= 6, "the mutants spread over the operators");
	o.per_function = 5;
	int n2 = brk_mutants(B, fn, "fn-1", &o, &m2);
	int same = n2 == 5;
	for (int i = 0; i < n2 && same; i++)
		same = !strcmp(m2[i].code, m[i].code) && !strcmp(m2[i].key, m[i].key);
	T_OK(same, "a smaller --per-function takes a prefix of the same order");
	uint32_t firstops = 0;
	for (int i = 0; i < n2; i++)
		firstops |= 1u << m2[i].edits[0].op;
	T_EQ_INT(__builtin_popcount(firstops), 5, "the first five mutants are five operators");
	brk_mutants_free(m2, n2);
	o.from = 5;
	n2 = brk_mutants(B, fn, "fn-1", &o, &m2);
	T_OK(n2 == 5 && !strcmp(m2[0].code, m[5].code), "--from skips to a later round of the same order");
	brk_mutants_free(m2, n2);
	o.from = 0;
	o.seed = 2;
	n2 = brk_mutants(B, fn, "fn-1", &o, &m2);
	int diff = 0;
	for (int i = 0; i < n2; i++)
		diff |= strcmp(m2[i].code, m[i].code) != 0;
	T_OK(diff, "another seed, another choice");
	/* the key is the mutation's, whatever the seed */
	int keys = 1;
	for (int i = 0; i < n2; i++)
		for (int j = 0; j < n; j++)
			if (!strcmp(m2[i].code, m[j].code))
				keys &= !strcmp(m2[i].key, m[j].key);
	T_OK(keys, "a mutant's key does not depend on the seed");
	brk_mutants_free(m2, n2);
	brk_mutants_free(m, n);
	o = (brk_opts){ .per_function = 4, .combine = 3, .seed = 1 };
	n = brk_mutants(B, fn, "fn-1", &o, &m);
	int three = n > 0;
	for (int i = 0; i < n; i++)
		three &= m[i].nedits == 3;
	T_OK(three, "--combine 3: three edits in each mutant");
	brk_mutants_free(m, n);
	o = (brk_opts){ .per_function = 4, .combine = 1, .ops = 1u << BRK_COMPARE, .seed = 1 };
	n = brk_mutants(B, fn, "fn-1", &o, &m);
	int only = n == 4;
	for (int i = 0; i < n; i++)
		only &= m[i].edits[0].op == BRK_COMPARE;
	T_OK(only, "--ops restricts the operators");
	brk_mutants_free(m, n);
	T_EQ_INT(brk_mutants(B, "def f(:\n", "x", &o, &m), -1, "code that does not parse is refused");
	brk_mutants_free(m, 0);

	/* the diff */
	char *d = udiff("a\nb\nc\n", "a\nB\nc\n", "x.py", 10, 3);
	T_EQ_STR(d, "--- a/x.py\n+++ b/x.py\n@@ -10,3 +10,3 @@\n a\n-b\n+B\n c\n", "udiff: one changed line");
	free(d);
	d = udiff("a\nb\n", "a\nb\n", "x.py", 1, 3);
	T_EQ_STR(d, "", "udiff: equal texts");
	free(d);
	d = udiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\n4\n5\n6\n7\n8\n9\n10\nX\n", "f", 1, 1);
	T_EQ_STR(d, "--- a/f\n+++ b/f\n@@ -2,3 +2,2 @@\n 2\n-3\n 4\n@@ -10 +9,2 @@\n 10\n+X\n", "udiff: two hunks, an insertion");
	free(d);
	d = udiff("a\nb", "a\nc", "f", 1, 3);
	T_EQ_STR(d, "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n",
		 "udiff: no newline at the end");
	free(d);

	/* the validation rule */
	char why[256];
	jv pass = jv_parse("{\"status\":\"passed\",\"category\":\"passed\"}");
	jv fail = jv_parse("{\"status\":\"failed\",\"category\":\"wrong_output\",\"failures\":[{\"test\":\"f(1)\",\"message\":\"expected 1 got <X at 0x...>\"}]}");
	jv tmo = jv_parse("{\"status\":\"timeout\",\"category\":\"cpu_time\"}");
	T_OK(brk_caught(fail, why, sizeof why), "caught: a wrong doctest output");
	T_OK(!brk_caught(pass, why, sizeof why) && strstr(why, "survived"), "not caught: the tests pass");
	T_OK(!brk_caught(tmo, why, sizeof why) && strstr(why, "timeout"), "not caught: a timeout");
	jv syn = jv_parse("{\"status\":\"error\",\"category\":\"syntax_error\"}");
	T_OK(!brk_caught(syn, why, sizeof why), "not caught: a syntax error");
	jv_free(syn);
	brk_check c;
	brk_check_init(&c);
	jv ctl = jv_parse("{\"id\":\"p\",\"break\":{\"parent\":\"p\",\"control\":true}}");
	ctl = jv_object_set(ctl, jv_string("exec"), jv_copy(pass));
	jv mut = jv_parse("{\"id\":\"p-b1\",\"break\":{\"parent\":\"p\",\"operators\":[\"compare\"]},\"fix\":{\"id\":\"p\"}}");
	jv orphan = jv_parse("{\"id\":\"q-b1\",\"break\":{\"parent\":\"q\",\"operators\":[\"compare\"]}}");
	orphan = jv_object_set(orphan, jv_string("exec"), jv_copy(fail));
	T_EQ_INT(brk_check_one(&c, &orphan, why, sizeof why), BRK_DROP, "a mutant without its control is dropped");
	T_EQ_INT(brk_check_one(&c, &ctl, why, sizeof why), BRK_CONTROL, "a control is taken");
	jv mut2 = jv_object_set(jv_copy(mut), jv_string("exec"), jv_copy(tmo));
	mut = jv_object_set(mut, jv_string("exec"), jv_copy(fail));
	T_EQ_INT(brk_check_one(&c, &mut, why, sizeof why), BRK_KEEP, "a caught mutant is kept");
	jv msg = jv_getpath(jv_copy(mut), JV_ARRAY(jv_string("failure"), jv_string("message")));
	T_EQ_STR(jv_string_value(msg), "expected 1 got <X at 0x...>", "the failing output is kept (the harness masked its address)");
	jv st = jv_getpath(jv_copy(mut), JV_ARRAY(jv_string("fix"), jv_string("exec"), jv_string("status")));
	T_EQ_STR(jv_string_value(st), "passed", "the control's verdict goes to fix.exec");
	T_EQ_INT(brk_check_one(&c, &mut2, why, sizeof why), BRK_DROP, "a timed-out mutant is dropped");
	jv_free(msg); jv_free(st); jv_free(mut); jv_free(mut2); jv_free(ctl); jv_free(orphan);
	jv ctl2 = jv_parse("{\"id\":\"r\",\"break\":{\"parent\":\"r\",\"control\":true},\"exec\":{\"status\":\"failed\",\"category\":\"exception\"}}");
	jv m3 = jv_parse("{\"id\":\"r-b1\",\"break\":{\"parent\":\"r\"}}");
	m3 = jv_object_set(m3, jv_string("exec"), jv_copy(fail));
	brk_check_one(&c, &ctl2, why, sizeof why);
	T_EQ_INT(brk_check_one(&c, &m3, why, sizeof why), BRK_DROP, "dropped when the original failed in this run");
	T_OK(strstr(why, "original") != NULL, "and says why");
	jv_free(ctl2); jv_free(m3);
	brk_check_free(&c);
	jv_free(pass); jv_free(fail); jv_free(tmo);
	brk_free(B);
	return t_done();
}
