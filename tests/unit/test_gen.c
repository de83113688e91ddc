/* test_gen.c — the template format (template.c) and suite building (gen.c,
 * gen_probe.c) without a sandbox: ls-exec's answers are made up here. */
#include "t.h"

#include <stdlib.h>
#include <string.h>

#include "gen/gen.h"
#include "rec/record.h"
#include "gen/template.h"

static const char *const TMPL =
	"# a comment\n"
	"name: pick_first\n"
	"category: list-search\n"
	"summary: Return the first element of {{xs}} that {{cond.text}}.\n"
	"varies: name (2), condition (2)\n"
	"arg {{xs}}: the list\n"
	"raises: {{cond.raises}}\n"
	"\n"
	"--- param xs\n"
	"items\n"
	"values\n"
	"--- param cond\n"
	"{\"expr\": \"x > 0\", \"text\": \"is positive\", \"raises\": \"\"}\n"
	"{\"expr\": \"x % 2 == 0\", \"text\": \"is even\", \"raises\": \"ValueError when none is\"}\n"
	"--- prompt\n"
	"\n"
	"Write `first({{xs}})`: the first element that {{cond.text}}.\n"
	"--- code\n"
	"def first({{xs}}: list[int]) -> int:\n"
	"    # the loop\n"
	"    for x in {{xs}}:\n"
	"        if {{cond.expr}}:\n"
	"            return x\n"
	"\n"
	"    raise ValueError('none')\n"
	"--- inputs\n"
	"[]            # empty\n"
	"[1, '#', 2]   # a '#' inside a string is not a comment\n"
	"[-1, 4]\n";

static jv parse(const char *text)
{
	return tmpl_parse("t.tmpl", text, strlen(text));
}

/* Does the invalid v carry a message with needle? Consumes nothing. */
static int msg_has(jv v, const char *needle)
{
	jv m = jv_invalid_get_msg(jv_copy(v));
	int ok = jv_get_kind(m) == JV_KIND_STRING && strstr(jv_string_value(m), needle);
	if (!ok && jv_get_kind(m) == JV_KIND_STRING)
		printf("#   message: %s\n", jv_string_value(m));
	jv_free(m);
	return ok;
}

static void test_parse(void)
{
	jv t = parse(TMPL);
	T_OK(jv_is_valid(t), "a template parses");
	T_EQ_STR(rec_str(t, "name"), "pick_first", "name from the header");
	T_EQ_STR(rec_str(t, "category"), "list-search", "category from the header");
	T_EQ_STR(rec_str(t, "kind"), "function", "kind defaults to function");
	T_EQ_INT(rec_num(t, "combos", 0), 4, "combinations: 2 x 2");
	T_EQ_STR(rec_str(t, "prompt"), "Write `first({{xs}})`: the first element that {{cond.text}}.",
		 "prompt: leading blank lines and the final newline dropped");
	T_OK(strstr(rec_str(t, "code"), "\n\n    raise") != NULL, "blank lines inside code are kept");
	jv in = rec_path(t, "inputs");
	T_EQ_INT(jv_array_length(jv_copy(in)), 3, "three inputs");
	jv i1 = jv_array_get(jv_copy(in), 1);
	T_EQ_STR(rec_str(i1, "src"), "[1, '#', 2]", "a '#' in a string stays in the input");
	T_EQ_STR(rec_str(i1, "edge"), "a '#' inside a string is not a comment", "the comment is the edge tag");
	jv i2 = jv_array_get(in, 2);
	T_OK(jv_get_kind(jv_object_get(jv_copy(i2), jv_string("edge"))) == JV_KIND_NULL, "no tag: edge null");
	jv_free(i1);
	jv_free(i2);

	jv b = tmpl_binding(t, 3);
	T_EQ_STR(rec_str(b, "xs"), "values", "combination 3: xs is the second alternative");
	T_EQ_STR(rec_str(b, "cond.text"), "is even", "combination 3: cond is the second alternative");
	jv s = tmpl_subst("{{xs}} / {{ cond.expr }}", b);
	T_EQ_STR(jv_string_value(s), "values / x % 2 == 0", "slots are replaced (spaces inside braces allowed)");
	jv_free(s);
	s = tmpl_subst("{{nope}}", b);
	T_OK(!jv_is_valid(s) && msg_has(s, "unknown slot 'nope'"), "an unknown slot is an error");
	jv_free(s);
	jv_free(b);
	jv h = tmpl_header(t, "varies");
	T_EQ_STR(jv_string_value(h), "name (2), condition (2)", "tmpl_header finds a key");
	jv_free(h);
	jv_free(t);
}

static void test_nested_slots(void)
{
	jv b = jv_object();
	b = jv_object_set(b, jv_string("a"), jv_string("[{{b}}]"));
	b = jv_object_set(b, jv_string("b"), jv_string("x"));
	jv s = tmpl_subst("f({{a}})", b);
	T_EQ_STR(jv_string_value(s), "f([x])", "a value's own slots are replaced too");
	jv_free(s);
	b = jv_object_set(b, jv_string("loop"), jv_string("{{loop}}"));
	s = tmpl_subst("{{loop}}", b);
	T_OK(jv_get_kind(s) == JV_KIND_STRING, "a self-reference stops after a few passes");
	jv_free(s);
	jv_free(b);
}

static void test_errors(void)
{
	static const struct { const char *text, *want, *what; } cases[] = {
		{ "category: c\nsummary: s\n--- prompt\np\n--- code\ndef f(): pass\n--- inputs\n1\n2\n3\n",
		  "missing header 'name'", "a missing name is reported" },
		{ "name: n\ncategory: c\nsummary: s\n--- param p\n{\"a\": \"1\"}\n{\"b\": \"2\"}\n",
		  "t.tmpl:6: every alternative must set the same slots", "alternatives with different slots" },
		{ "name: n\ncategory: c\nsummary: s\n--- param p\n{\"a\": 1}\n",
		  "t.tmpl:5: alternative values must be strings", "non-string JSON values" },
		{ "name: n\ncategory: c\nsummary: s\n--- param p\n{\"a\": \n",
		  "t.tmpl:5: bad JSON alternative", "malformed JSON" },
		{ "name: n\ncategory: c\nsummary: s\n--- frobnicate\n", "t.tmpl:4: unknown or repeated section",
		  "an unknown section" },
		{ "name: n\ncategory: c\nsummary: s\nno colon here\n", "t.tmpl:4: expected 'key: value'",
		  "a header line without a colon" },
		{ "name: n\ncategory: c\nsummary: {{x}}\n--- prompt\np\n--- code\ndef f(): pass\n--- inputs\n1\n2\n3\n",
		  "unknown slot 'x'", "a slot without a param" },
		{ "name: n\ncategory: c\nsummary: {{p}}\n--- param p\nok\n{{q}}\n--- param q\n{\"a\": \"1\"}\n"
		  "--- prompt\np\n--- code\ndef f(): pass\n--- inputs\n1\n2\n3\n",
		  "unknown slot 'q'", "a bad slot in a later alternative's value" },
		{ "name: n\ncategory: c\nsummary: s\n--- prompt\np\n--- code\ndef f(): pass\n--- inputs\n1\n",
		  "needs at least 3 cases", "too few inputs" },
		{ "name: n\ncategory: c\nsummary: s\nkind: module\n--- prompt\np\n--- code\ndef f(): pass\n--- inputs\n1\n2\n3\n",
		  "kind must be 'function' or 'class'", "an unknown kind" },
		{ "name: n\ncategory: c\nsummary: s\n--- inputs\n1\n2\n3\n",
		  "needs '--- prompt' and '--- code'", "no code section" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		jv t = parse(cases[i].text);
		T_OK(!jv_is_valid(t) && msg_has(t, cases[i].want), cases[i].what);
		jv_free(t);
	}
}

static void test_split_ops(void)
{
	jv ops = tmpl_split_ops("Stack(2); push('a;b'); push((1, 2)); = len(o) ;");
	T_EQ_INT(jv_array_length(jv_copy(ops)), 4, "split at top-level semicolons only");
	jv x = jv_array_get(jv_copy(ops), 1);
	T_EQ_STR(jv_string_value(x), "push('a;b')", "a ';' inside a string stays");
	jv_free(x);
	x = jv_array_get(ops, 3);
	T_EQ_STR(jv_string_value(x), "= len(o)", "parts are trimmed");
	jv_free(x);
}

static void test_normalise(void)
{
	char *a = gen_normalise("def f(xs):\n    # find\n    return [x.real for x in xs if len(x) > 0]\n");
	char *b = gen_normalise("def g(items):\n    return [y.real for y in items if len(y) > 0]  # same\n");
	char *c = gen_normalise("def g(items):\n    return [y.real for y in items if len(y) >= 0]\n");
	char *d = gen_normalise("def g(items):\n    return sorted(items, key=len, reverse=True)\n");
	T_OK(a && b && !strcmp(a, b), "renaming and comments do not change the normal form");
	T_OK(a && c && strcmp(a, c), "a different operator does");
	T_OK(a && strstr(a, "len") && strstr(a, ". real"), "builtins and attributes keep their names");
	T_OK(d && strstr(d, "key = len") && strstr(d, "reverse = True"), "keyword argument names are kept");
	T_OK(gen_normalise("def f(:\n") == NULL, "code that does not parse has no normal form");
	free(a);
	free(b);
	free(c);
	free(d);
}

static void test_difficulty(void)
{
	jv f1, f2;
	const char *l1, *l2;
	int s1 = gen_difficulty("def f(x):\n    return x + 1\n", "f", 0, &f1, &l1);
	int s2 = gen_difficulty("def f(xs, k):\n"
				"    out = []\n"
				"    for x in xs:\n"
				"        for y in xs:\n"
				"            if x + y == k and x < y:\n"
				"                out.append((x, y))\n"
				"            elif x > k:\n"
				"                raise ValueError(x)\n"
				"    return out if out else f(xs[1:], k)\n", "f", 8, &f2, &l2);
	T_EQ_STR(l1, "easy", "a one-liner is easy");
	T_EQ_STR(l2, "hard", "nested loops, branches and recursion are hard");
	T_OK(s2 > s1, "the score grows with the structure");
	T_EQ_INT(rec_num(f2, "loops", 0), 2, "two loops counted");
	T_EQ_INT(rec_num(f2, "depth", 0), 3, "nesting depth 3");
	T_OK(rec_bool(f2, "recursion", 0), "recursion seen");
	T_EQ_INT(rec_num(f2, "params", 0), 2, "two parameters");
	jv_free(f1);
	jv_free(f2);
}

static jv example(const char *i, const char *key, const char *val)
{
	jv e = jv_object_set(jv_object(), jv_string("function"), jv_string("_lsgen_case"));
	e = jv_object_set(e, jv_string("args"), JV_ARRAY(jv_string(i)));
	e = jv_object_set(e, jv_string("kwargs"), jv_object());
	return jv_object_set(e, jv_string(key), jv_string(val));
}

/* An ls-exec --trace answer for the three cases of the test template. */
static jv run_of(const char *status, const char *r0, const char *r1, const char *r2)
{
	jv ex = jv_object_set(jv_object(), jv_string("status"), jv_string(status));
	jv es = jv_array();
	const char *rs[3] = { r0, r1, r2 };
	for (int i = 0; i < 3; i++) {
		char n[16];
		snprintf(n, sizeof n, "%d", i);
		if (rs[i] && !strncmp(rs[i], "raise ", 6))
			es = jv_array_append(es, example(n, "raised", rs[i] + 6));
		else if (rs[i])
			es = jv_array_append(es, example(n, "returned", rs[i]));
	}
	/* a recursive call of the function itself is not a case */
	es = jv_array_append(es, jv_object_set(example("0", "returned", "99"), jv_string("function"),
					       jv_string("first")));
	ex = jv_object_set(ex, jv_string("examples"), es);
	return jv_object_set(jv_object(), jv_string("exec"), ex);
}

static void test_task_and_finish(void)
{
	jv t = parse(TMPL);
	jv task = gen_task(t, 3);	/* values, x % 2 == 0 */
	T_OK(jv_is_valid(task), "a task is built");
	T_EQ_STR(rec_str(task, "name"), "first", "the entry is the last definition");
	T_OK(!strncmp(rec_str(task, "id"), "gen-", 4), "ids start with gen-");
	T_EQ_STR(rec_str(task, "template"), "pick_first", "the template is named");
	jv p0 = rec_path(task, "ir.signature.parameters");
	jv p = jv_array_get(p0, 0);
	T_EQ_STR(rec_str(p, "name"), "values", "IR parameter name");
	T_EQ_STR(rec_str(p, "type_hint"), "list[int]", "IR parameter type from the annotation");
	T_EQ_STR(rec_str(p, "description"), "the list", "IR parameter description from 'arg'");
	jv_free(p);
	jv ret = rec_path(task, "ir.signature.returns");
	T_EQ_STR(jv_string_value(ret), "int", "IR return type");
	jv_free(ret);
	jv c = rec_path(task, "cases");
	jv c0 = jv_array_get(c, 1);
	T_EQ_STR(rec_str(c0, "call"), "first([1, '#', 2])", "a case calls the entry");
	jv_free(c0);

	jv probe = gen_probe(task);
	T_EQ_STR(rec_str(probe, "name"), "_lsgen_case", "the probe traces the dispatcher");
	T_OK(strstr(rec_str(probe, "code"), "if _lsgen_i == 2:\n        return first([-1, 4])") != NULL,
	     "the dispatcher evaluates each case");
	jv_free(probe);

	jv done = gen_finish(jv_copy(task), run_of("failed", "raise builtins.ValueError: none", "2", "4"),
			     run_of("failed", "raise builtins.ValueError: none", "2", "4"));
	if (!T_OK(jv_is_valid(done), "a good trace finishes the task") && jv_invalid_has_msg(jv_copy(done))) {
		jv m = jv_invalid_get_msg(jv_copy(done));
		printf("#   %s\n", jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "(no message)");
		jv_free(m);
	}
	if (jv_is_valid(done)) {
		jv tests = rec_path(done, "tests");
		jv t0 = jv_array_get(jv_copy(tests), 0), t1 = jv_array_get(tests, 1);
		T_EQ_STR(jv_string_value(t0),
			 "try:\n    first([])\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError('expected ValueError')",
			 "a raising case becomes a raise check");
		T_EQ_STR(jv_string_value(t1), "assert first([1, '#', 2]) == 2", "a value becomes an assert");
		jv_free(t0);
		jv_free(t1);
		jv c1 = rec_path(done, "cases");
		jv x = jv_array_get(c1, 0);
		T_EQ_STR(rec_str(x, "raises"), "ValueError", "cases record the exception type");
		jv_free(x);
		jv as = rec_path(done, "ir.assertions");
		int examples = 0;
		jv_array_foreach(as, i, a) {
			examples += rec_str(a, "kind") && !strcmp(rec_str(a, "kind"), "example");
			jv_free(a);
		}
		jv_free(as);
		T_EQ_INT(examples, 2, "observed values become example assertions");
	}
	jv_free(done);

	struct { jv r1, r2; const char *why, *what; } drops[] = {
		{ run_of("failed", "raise ValueError: none", "2", "4"), run_of("failed", "raise ValueError: none", "2", "5"),
		  "nondeterministic", "different answers in two runs" },
		{ run_of("failed", "raise TypeError: bad", "2", "4"), run_of("failed", "raise TypeError: bad", "2", "4"),
		  "reference raised TypeError", "an exception the template does not allow" },
		{ run_of("passed", "2", "2", "2"), run_of("passed", "2", "2", "2"),
		  "every case has the same outcome", "tests a constant passes" },
		{ run_of("failed", "raise ValueError: none", NULL, "4"), run_of("failed", "raise ValueError: none", NULL, "4"),
		  "no trace of case 1", "a case without a trace" },
		{ run_of("timeout", NULL, NULL, NULL), run_of("timeout", NULL, NULL, NULL),
		  "reference timeout", "a reference that times out" },
		{ run_of("failed", "raise ValueError: none", "<object at 0x7f>", "4"),
		  run_of("failed", "raise ValueError: none", "<object at 0x7f>", "4"),
		  "no usable expected value", "a value without a literal repr" },
	};
	for (size_t i = 0; i < sizeof drops / sizeof *drops; i++) {
		jv r = gen_finish(jv_copy(task), drops[i].r1, drops[i].r2);
		T_OK(!jv_is_valid(r) && msg_has(r, drops[i].why), drops[i].what);
		jv_free(r);
	}
	/* the first variant does not allow ValueError */
	jv task0 = gen_task(t, 0);
	jv r = gen_finish(task0, run_of("failed", "raise ValueError: none", "1", "4"),
			  run_of("failed", "raise ValueError: none", "1", "4"));
	T_OK(!jv_is_valid(r) && msg_has(r, "reference raised ValueError"), "raises lines are per variant");
	jv_free(r);
	jv_free(task);
	jv_free(t);
}

static void test_class_case(void)
{
	const char *text =
		"name: counter\ncategory: classes\nkind: class\nsummary: A counter class.\n"
		"--- prompt\nWrite Counter.\n"
		"--- code\nclass Counter:\n    def __init__(self, start: int = 0):\n        self.n = start\n\n"
		"    def inc(self, by: int = 1) -> int:\n        self.n += by\n        return self.n\n"
		"--- inputs\nCounter(); inc(); inc(2)\nCounter(5); inc(); = o.n * 2\nCounter(-1); inc()\n";
	jv t = parse(text);
	T_OK(jv_is_valid(t), "a class template parses");
	jv task = gen_task(t, 0);
	jv c = rec_path(task, "cases");
	jv c1 = jv_array_get(c, 1);
	T_EQ_STR(rec_str(c1, "call"), "(lambda o: [o.inc(), o.n * 2])(Counter(5))",
		 "a class case drives a fresh instance; '=' takes an expression");
	jv_free(c1);
	jv ps = rec_path(task, "ir.signature.parameters");
	jv p = jv_array_get(ps, 0);
	T_EQ_STR(rec_str(p, "name"), "start", "a class's IR parameters are __init__'s without self");
	T_EQ_STR(rec_str(p, "default"), "0", "defaults are source text");
	jv_free(p);
	jv r = rec_path(task, "ir.signature.returns");
	T_EQ_STR(jv_string_value(r), "Counter", "a class returns an instance of itself");
	jv_free(r);
	jv_free(task);
	jv_free(t);
}

static void test_plan(void)
{
	const char *a = "name: a\ncategory: one\nsummary: Add {{k}} to x.\n--- param k\n1\n2\n3\n"
			"--- param n\nx\ny\n--- prompt\nAdd {{k}} to {{n}}.\n--- code\ndef f({{n}}):\n    return {{n}} + {{k}}\n"
			"--- inputs\n1\n2\n3\n";
	const char *b = "name: b\ncategory: two\nsummary: Times {{k}}.\n--- param k\n2\n3\n4\n5\n6\n"
			"--- prompt\nTimes {{k}}.\n--- code\ndef g(v):\n    return v * {{k}}\n--- inputs\n1\n2\n3\n";
	jv ts = JV_ARRAY(parse(a), parse(b));
	jv p1 = gen_plan(ts, 7, 100, NULL);
	jv p2 = gen_plan(ts, 7, 100, NULL);
	jv p3 = gen_plan(ts, 8, 100, NULL);
	T_EQ_INT(jv_array_length(jv_copy(p1)), 8, "names alone do not make new tasks: 3 + 5");
	T_OK(jv_equal(jv_copy(p1), jv_copy(p2)), "the same seed gives the same plan");
	T_OK(!jv_equal(jv_copy(p1), jv_copy(p3)), "another seed gives another order");
	jv x0 = jv_array_get(jv_copy(p1), 0), x1 = jv_array_get(jv_copy(p1), 1);
	T_OK(strcmp(rec_str(x0, "category"), rec_str(x1, "category")) != 0, "categories take turns");
	jv_free(x0);
	jv_free(x1);
	jv only = gen_plan(ts, 7, 100, "two");
	T_EQ_INT(jv_array_length(only), 5, "--only keeps one category");
	jv four = gen_plan(ts, 7, 4, NULL);
	T_EQ_INT(jv_array_length(four), 4, "the plan stops at want");
	jv_free(p1);
	jv_free(p2);
	jv_free(p3);
	jv_free(ts);
}

int main(void)
{
	test_parse();
	test_nested_slots();
	test_errors();
	test_split_ops();
	test_normalise();
	test_difficulty();
	test_task_and_finish();
	test_class_case();
	test_plan();
	return t_done();
}
