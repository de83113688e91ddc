/* Unit tests for lib/lift: signature, types and holes, effects, assertions,
 * intent, quality, the lift-sys core profile, and bad input. */
#include <stdlib.h>
#include "t.h"
#include "lift/lift.h"

static lift_ctx *ctx;

/* Lift code with extra record fields (a JSON object text, or NULL). */
static jv lift(const char *code, const char *extra, int profile)
{
	jv rec = extra ? jv_parse(extra) : jv_object();
	if (code)
		rec = jv_object_set(rec, jv_string("code"), jv_string(code));
	lift_fn f;
	const char *ec;
	if (lift_fn_open(ctx, rec, &f, &ec) < 0) {
		jv e = jv_string_fmt("%s: %s", ec, f.err);
		lift_fn_close(&f);
		jv_free(rec);
		return jv_invalid_with_msg(e);
	}
	jv ir = lift_ir(ctx, &f, rec, profile);
	lift_fn_close(&f);
	jv_free(rec);
	return ir;
}

/* A value at a path like "signature.parameters.0.type_hint", as compact JSON text. */
static char got[4096];
static const char *at(jv v, const char *path)
{
	v = jv_copy(v);
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = strtok(buf, "."); p && jv_is_valid(v); p = strtok(NULL, ".")) {
		if (jv_get_kind(v) == JV_KIND_ARRAY)
			v = jv_array_get(v, atoi(p));
		else if (jv_get_kind(v) == JV_KIND_OBJECT)
			v = jv_object_get(v, jv_string(p));
		else {
			jv_free(v);
			v = jv_invalid();
		}
	}
	if (!jv_is_valid(v)) {
		jv_free(v);
		return "(absent)";
	}
	jv s = jv_get_kind(v) == JV_KIND_STRING ? v : jv_dump_string(v, 0);
	snprintf(got, sizeof got, "%s", jv_string_value(s));
	jv_free(s);
	return got;
}

static int count(jv v, const char *path)
{
	jv a = jv_parse(at(v, path));
	int n = jv_get_kind(a) == JV_KIND_ARRAY ? jv_array_length(jv_copy(a)) : -1;
	jv_free(a);
	return n;
}

/* Is there an element of array `path` whose `key` equals want? */
static int has(jv v, const char *path, const char *key, const char *want)
{
	char p[300];
	int n = count(v, path);
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof p, "%s.%d.%s", path, i, key);
		if (!strcmp(at(v, p), want))
			return 1;
	}
	return 0;
}

static void signature_and_types(void)
{
	jv ir = lift("def fetch(table, keys: list[str], strict=False, *args, limit: int = 10, **kw) -> dict:\n"
		     "    \"\"\"Fetch rows from a table.\n\n    Args:\n        table (Table): An open table.\n"
		     "        keys: Keys to fetch.\n    \"\"\"\n    return {}\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "signature.name"), "fetch", "name");
	T_EQ_STR(at(ir, "signature.parameters.0.type_hint"), "Table", "type from the docstring");
	T_EQ_STR(at(ir, "signature.parameters.0.type_source"), "docstring", "its source");
	T_EQ_STR(at(ir, "signature.parameters.1.type_hint"), "list[str]", "type from the annotation");
	T_EQ_STR(at(ir, "signature.parameters.1.description"), "Keys to fetch.", "description from the docstring");
	T_EQ_STR(at(ir, "signature.parameters.2.type_hint"), "bool", "type from a literal default");
	T_EQ_STR(at(ir, "signature.parameters.2.type_source"), "default", "its source");
	T_EQ_STR(at(ir, "signature.parameters.3.kind"), "var-positional", "*args kind");
	T_EQ_STR(at(ir, "signature.parameters.3.type_hint"), "null", "*args type unknown");
	T_EQ_STR(at(ir, "signature.parameters.4.kind"), "keyword-only", "keyword-only after *args");
	T_EQ_STR(at(ir, "signature.parameters.4.default"), "10", "default text");
	T_EQ_STR(at(ir, "signature.parameters.5.kind"), "var-keyword", "**kw kind");
	T_EQ_STR(at(ir, "signature.returns"), "dict", "return annotation");
	T_OK(has(ir, "holes", "identifier", "args_type") && has(ir, "holes", "identifier", "kw_type"),
	     "unknown types become holes");
	T_OK(!has(ir, "holes", "identifier", "table_type"), "no hole for a known type");
	jv_free(ir);

	ir = lift("def f(a, /, b=None, *, c):\n    print(a)\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "signature.parameters.0.kind"), "positional-only", "positional-only before /");
	T_EQ_STR(at(ir, "signature.parameters.1.type_hint"), "null", "default None tells no type");
	T_EQ_STR(at(ir, "signature.parameters.2.kind"), "keyword-only", "keyword-only after *");
	T_EQ_STR(at(ir, "signature.returns"), "None", "no return statement: returns None");
	jv_free(ir);

	ir = lift("def m(self, x):\n    if not isinstance(x, (int, float)):\n        raise TypeError('number')\n"
		  "    return x > 0\n", "{\"qualname\": \"Box.m\"}", LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "signature.parameters.0.type_hint"), "Box", "self typed by the class (qualname)");
	T_EQ_STR(at(ir, "signature.parameters.1.type_hint"), "int | float", "type from an isinstance guard");
	T_EQ_STR(at(ir, "signature.parameters.1.type_source"), "isinstance", "its source");
	T_EQ_STR(at(ir, "signature.returns"), "bool", "return type from comparisons");
	T_EQ_STR(at(ir, "assertions.0.predicate"), "isinstance(x, (int, float))", "isinstance guard as precondition");
	jv_free(ir);

	ir = lift("def stub(self):\n    \"\"\"Do it.\"\"\"\n    ...\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "signature.returns"), "null", "a stub body tells no return type");
	jv_free(ir);
	ir = lift("def stub(self):\n    raise NotImplementedError\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "signature.returns"), "null", "nor does a body that only raises");
	jv_free(ir);

	ir = lift("def g(x):\n    if x:\n        return 1\n    return None\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "signature.returns"), "Optional[int]", "int or None");
	jv_free(ir);
	ir = lift("def g(x):\n    if x:\n        return 1\n    return 'a'\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "signature.returns"), "null", "mixed returns: unknown");
	T_OK(has(ir, "holes", "identifier", "return_type"), "and a hole");
	jv_free(ir);
}

static void effects(void)
{
	jv ir = lift("def run(items, out, n):\n"
		     "    global COUNT\n    COUNT += 1\n    print(items)\n    items.append(n)\n"
		     "    out[0] = 1\n    out.total = 2\n    del out[1]\n    with open('f') as fp:\n        fp.read()\n"
		     "    subprocess.run(['ls'])\n    urllib.request.urlopen('http://x')\n    random.choice(items)\n"
		     "    time.time()\n    log.warning('x')\n    def inner():\n        os.remove('x')\n"
		     "    x = lambda: os.system('y')\n    if n < 0:\n        raise ValueError('n')\n", NULL, LIFT_PROFILE_FULL);
	T_OK(has(ir, "effects", "description", "writes global `COUNT`"), "global write");
	T_OK(has(ir, "effects", "kind", "output"), "printing");
	T_OK(has(ir, "effects", "description", "mutates argument `items` (`items.append`)"), "append to an argument");
	T_OK(has(ir, "effects", "description", "assigns items of argument `out` (`out[0]`)"), "item assignment");
	T_OK(has(ir, "effects", "description", "sets attributes of argument `out` (`out.total`)"), "attribute assignment");
	T_OK(has(ir, "effects", "description", "deletes items of argument `out` (`out[1]`)"), "del");
	T_OK(has(ir, "effects", "description", "accesses the file system (`open`)"), "file I/O");
	T_OK(has(ir, "effects", "kind", "process"), "subprocess");
	T_OK(has(ir, "effects", "kind", "network"), "network");
	T_OK(has(ir, "effects", "kind", "random"), "randomness");
	T_OK(has(ir, "effects", "kind", "clock"), "clock");
	T_OK(has(ir, "effects", "kind", "logging"), "logging");
	T_OK(has(ir, "effects", "description", "raises ValueError when `n < 0`"), "raise with its condition");
	T_OK(!has(ir, "effects", "description", "accesses the file system (`os.remove`)"), "nested def not entered");
	T_OK(!has(ir, "effects", "description", "runs or controls another process (`os.system`)"),
	     "lambda body not entered");
	T_EQ_STR(at(ir, "effects.0.line"), "3", "effect line (in code without lineno)");
	jv_free(ir);

	ir = lift("def f(x):\n    print(x)\n", "{\"lineno\": 100}", LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "effects.0.line"), "101", "lines are file lines when the record has lineno");
	jv_free(ir);

	ir = lift("def sh(x, y):\n    x[0], x[1] = x[1], x[0]\n    y.a = 1\n    y.b = 2\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "effects.0.description"), "assigns items of argument `x` (`x[0]`, `x[1]`)", "item assignments merged");
	T_EQ_STR(at(ir, "effects.1.description"), "sets attributes of argument `y` (`y.a`, `y.b`)", "attributes merged");
	T_EQ_STR(at(ir, "effects.1.line"), "3", "merged effect keeps the first line");
	jv_free(ir);

	ir = lift("def f(x):\n    _cache.append(x)\n", "{\"globals\": [\"_cache\"]}", LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "effects.0.description"), "mutates global `_cache` (`_cache.append`)", "module global from the record");
	jv_free(ir);
}

static void assertions(void)
{
	jv ir = lift("def div(a, b):\n    \"\"\"Divide a by b.\n\n    Raises:\n        ZeroDivisionError: b is 0.\n\n"
		     "    >>> div(6, 3)\n    2.0\n    >>> div(1, 0)\n    Traceback (most recent call last):\n"
		     "    ZeroDivisionError: b is 0\n    \"\"\"\n"
		     "    assert a is not None, 'a needed'\n    if b == 0:\n        raise ZeroDivisionError('b is 0')\n"
		     "    if not a:\n        raise ValueError\n    r = a / b\n    if r > 10:\n        raise OverflowError\n"
		     "    assert r <= 10\n    return r\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "assertions.0.predicate"), "a is not None", "assert: predicate");
	T_EQ_STR(at(ir, "assertions.0.rationale"), "a needed", "assert: message as rationale");
	T_EQ_STR(at(ir, "assertions.0.kind"), "precondition", "leading assert is a precondition");
	T_EQ_STR(at(ir, "assertions.1.predicate"), "b != 0", "guard negated");
	T_EQ_STR(at(ir, "assertions.1.rationale"), "otherwise raises ZeroDivisionError: b is 0", "guard rationale");
	T_EQ_STR(at(ir, "assertions.2.predicate"), "a", "not x guard gives x");
	T_EQ_STR(at(ir, "assertions.3.kind"), "raises", "a later raise is a raises assertion");
	T_EQ_STR(at(ir, "assertions.3.predicate"), "r > 10", "with its condition");
	T_EQ_STR(at(ir, "assertions.4.kind"), "invariant", "a later assert is an invariant");
	T_OK(has(ir, "assertions", "predicate", "raises ZeroDivisionError"), "docstring Raises");
	T_OK(has(ir, "assertions", "predicate", "div(6, 3) == 2.0"), "doctest as an example");
	T_OK(has(ir, "assertions", "predicate", "div(1, 0) raises ZeroDivisionError"), "doctest traceback as an example");
	T_EQ_INT(count(ir, "assertions"), 8, "eight assertions");
	T_EQ_STR(at(ir, "assertions.1.line"), "14", "guard line");
	jv_free(ir);

	ir = lift("def r():\n    \"\"\"Roll.\n\n    >>> r()  # doctest: +SKIP\n    4\n    \"\"\"\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_INT(count(ir, "assertions"), 0, "skipped doctest is no example");
	jv_free(ir);

	ir = lift("def f(x):\n    if x is not None:\n        raise TypeError\n    if x in y:\n        raise KeyError\n"
		  "    if x.ok():\n        raise E\n    if x or y:\n        raise E2\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "assertions.0.predicate"), "x is None", "is not -> is");
	T_EQ_STR(at(ir, "assertions.1.predicate"), "x not in y", "in -> not in");
	T_EQ_STR(at(ir, "assertions.2.predicate"), "not x.ok()", "call negated");
	T_EQ_STR(at(ir, "assertions.3.predicate"), "not (x or y)", "boolean operator negated in parentheses");
	jv_free(ir);
}

static void intent_and_quality(void)
{
	jv ir = lift("def getUserName(uid):\n    return db[uid]\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "intent.summary"), "Get user name (function `getUserName(uid)`)", "derived summary");
	T_EQ_STR(at(ir, "intent.derived"), "true", "marked as derived");
	T_OK(has(ir, "holes", "identifier", "intent_summary"), "intent hole without a docstring");
	double low = lift_score(ir);
	jv_free(ir);

	ir = lift("def add(a: int, b: int) -> int:\n    \"\"\"Add two numbers. Integers only.\n\n    More text.\n\n"
		  "    Args:\n        a: first\n        b: second\n\n    >>> add(1, 2)\n    3\n    \"\"\"\n"
		  "    if a < 0:\n        raise ValueError\n    return a + b\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "intent.summary"), "Add two numbers.", "summary: first sentence");
	T_EQ_STR(at(ir, "intent.rationale"), "Integers only.\n\nMore text.", "rationale: the rest");
	T_EQ_STR(at(ir, "intent.derived"), "false", "not derived");
	double high = lift_score(ir);
	T_OK(high == 1.0, "complete IR scores 1");
	T_OK(low >= 0 && low < 0.3, "bare function scores low");
	T_EQ_STR(at(ir, "metadata.docstring_style"), "google", "style in metadata");
	T_EQ_STR(at(ir, "metadata.origin"), "reverse", "origin");
	jv_free(ir);

	ir = lift("def f():\n    \"\"\"Sum.\"\"\"\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "intent.summary"), "Sum. (function `f()`)", "short summary padded to 10 characters");
	jv_free(ir);

	ir = lift("def f():\n    \"\"\"日本語です。\"\"\"\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "intent.summary"), "日本語です。 (function `f()`)", "10 characters, not bytes");
	jv_free(ir);

	ir = lift("async def agen(n):\n    \"\"\"Count.\n\n    Yields:\n        int: numbers\n    \"\"\"\n"
		  "    for i in range(n):\n        yield i\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(ir, "signature.async"), "true", "async");
	T_EQ_STR(at(ir, "signature.generator"), "true", "generator");
	T_EQ_STR(at(ir, "signature.returns"), "AsyncIterator[int]", "yield type from the docstring");
	jv_free(ir);
}

static void profile_core(void)
{
	jv ir = lift("def getX(Value, y=None):\n    if y is None:\n        raise ValueError\n    print(Value)\n", NULL,
		     LIFT_PROFILE_LIFTSYS);
	T_EQ_STR(at(ir, "signature.name"), "getx", "name in lift-sys's pattern");
	T_EQ_STR(at(ir, "signature.parameters.0.name"), "value", "parameter name in lift-sys's pattern");
	T_EQ_STR(at(ir, "signature.parameters.1.type_hint"), "Any", "unknown type is Any, with a hole");
	T_OK(has(ir, "signature.holes", "identifier", "y_type"), "signature holes inside the signature");
	T_OK(has(ir, "intent.holes", "identifier", "intent_summary"), "intent holes inside the intent");
	T_EQ_STR(at(ir, "holes"), "(absent)", "no top-level holes");
	T_EQ_STR(at(ir, "quality"), "(absent)", "no quality");
	T_EQ_STR(at(ir, "effects.0"), "{\"description\":\"raises ValueError when `y is None`\"}", "effects: description only");
	T_EQ_STR(at(ir, "assertions.0"), "{\"predicate\":\"y is not None\",\"rationale\":\"otherwise raises ValueError\"}",
		 "assertions: predicate and rationale only");
	jv_free(ir);
}

static void bad_input(void)
{
	jv r = lift(NULL, "{}", LIFT_PROFILE_FULL);
	T_OK(!jv_is_valid(r), "no code: error");
	jv m = jv_invalid_get_msg(r);
	T_EQ_STR(jv_string_value(m), "missing_field: record has no 'code'", "missing code message");
	jv_free(m);
	r = lift(NULL, "{\"code\": 5}", LIFT_PROFILE_FULL);
	m = jv_invalid_get_msg(r);
	T_EQ_STR(jv_string_value(m), "bad_field: 'code' is not a string", "code not a string");
	jv_free(m);
	r = lift("def f(x:\n    return x\n", NULL, LIFT_PROFILE_FULL);
	m = jv_invalid_get_msg(r);
	T_OK(!strncmp(jv_string_value(m), "syntax: code does not parse: line ", 34), "syntax error");
	jv_free(m);
	r = lift("x = 1\n", NULL, LIFT_PROFILE_FULL);
	m = jv_invalid_get_msg(r);
	T_EQ_STR(jv_string_value(m), "no_function: 'code' does not start with a function definition", "not a def");
	jv_free(m);
	r = lift("", NULL, LIFT_PROFILE_FULL);
	T_OK(!jv_is_valid(r), "empty code: error");
	jv_free(r);

	/* a 1 MB docstring, given in the record or not: the same IR */
	size_t n = 1 << 20;
	char *code = malloc(n + 200);
	strcpy(code, "def big(x):\n    \"\"\"Big docstring.\n\n");
	size_t k = strlen(code);
	while (k < n) {
		memcpy(code + k, "    More words in the docstring: \xc3\xa9t\xc3\xa9 \xe2\x80\x94 \xe6\x97\xa5.\n", 48);
		k += 48;
	}
	strcpy(code + k, "    \"\"\"\n    return x\n");
	jv a = lift(code, NULL, LIFT_PROFILE_FULL);
	T_OK(jv_is_valid(a), "1 MB docstring lifts");
	T_EQ_STR(at(a, "intent.summary"), "Big docstring.", "its summary");
	/* the record's docstring field is used (and the literal not parsed again) */
	jv rec = jv_object_set(jv_object(), jv_string("code"), jv_string(code));
	lift_fn f;
	const char *ec;
	lift_fn_open(ctx, rec, &f, &ec);
	char *doc = strdup(f.doc);
	lift_fn_close(&f);
	jv extra = jv_object_set(jv_object(), jv_string("docstring"), jv_string(doc));
	jv es = jv_dump_string(extra, 0);
	jv b = lift(code, jv_string_value(es), LIFT_PROFILE_FULL);
	jv sa = jv_dump_string(a, JV_PRINT_SORTED), sb = jv_dump_string(b, JV_PRINT_SORTED);
	T_EQ_STR(jv_string_value(sb), jv_string_value(sa), "record docstring: the same IR");
	jv_free(sa);
	jv_free(sb);
	jv_free(es);
	jv_free(rec);
	free(doc);
	free(code);

	jv w = lift("def f(x):\n    \"\"\"   \n\t\n    \"\"\"\n    return x\n", NULL, LIFT_PROFILE_FULL);
	T_EQ_STR(at(w, "intent.derived"), "true", "whitespace docstring: derived summary");
	jv_free(w);

	char *sig;
	lift_fn g;
	jv r2 = jv_object_set(jv_object(), jv_string("code"),
			      jv_string("def f(a,\n      b: 'x y' = 1, *args,\n      k=2, **kw) -> None:\n    pass\n"));
	lift_fn_open(ctx, r2, &g, &ec);
	sig = lift_signature(&g);
	T_EQ_STR(sig, "f(a, b: 'x y' = 1, *args, k=2, **kw) -> None", "signature text on one line");
	free(sig);
	lift_fn_close(&g);
	jv_free(r2);
	char *wd = lift_name_words("parseHTTPResponse_v2", 20);
	T_EQ_STR(wd, "parse http response v2", "name words");
	free(wd);
}

int main(void)
{
	char err[256];
	ctx = lift_ctx_new(err, sizeof err);
	if (!T_OK(ctx != NULL, "context")) {
		printf("# %s\n", err);
		return t_done();
	}
	signature_and_types();
	effects();
	assertions();
	intent_and_quality();
	profile_core();
	bad_input();
	lift_ctx_free(ctx);
	return t_done();
}
