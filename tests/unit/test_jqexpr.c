/* Unit tests for lib/jqexpr: compile errors, first output, errors as values, keys. */
#include <stdlib.h>
#include "t.h"
#include "rec/jqexpr.h"

static jv parse(const char *s)
{
	return jv_parse(s);
}

/* The first output of expr on the JSON text in, as compact JSON ("<none>",
 * "<error: msg>"). */
static char *first(const char *expr, const char *in)
{
	char err[256], *s;
	jqx *x = jqx_compile(expr, err, sizeof err);
	if (!x)
		return strdup("<compile error>");
	jv v = jqx_first(x, parse(in));
	if (jv_is_valid(v)) {
		jv d = jv_dump_string(v, JV_PRINT_SORTED);
		s = strdup(jv_string_value(d));
		jv_free(d);
	} else if (jv_invalid_has_msg(jv_copy(v))) {
		jv m = jv_invalid_get_msg(v);
		if (asprintf(&s, "<error: %s>", jv_string_value(m)) < 0)
			s = NULL;
		jv_free(m);
	} else {
		jv_free(v);
		s = strdup("<none>");
	}
	jqx_free(x);
	return s;
}

#define FIRST(expr, in, want, what) do { char *g = first(expr, in); T_EQ_STR(g, want, what); free(g); } while (0)

int main(void)
{
	char err[256] = "";
	jqx *x = jqx_compile(".a | ", err, sizeof err);
	T_OK(x == NULL, "syntax error: no program");
	T_OK(err[0] && !strchr(err, '\n'), "syntax error: a one-line message");
	T_OK(strstr(err, "jq: error") == NULL, "syntax error: without jq's prefix");
	x = jqx_compile("nosuchfunction(1)", err, sizeof err);
	T_OK(x == NULL && strstr(err, "nosuchfunction"), "unknown function named in the message");

	FIRST(".repo.name", "{\"repo\":{\"name\":\"toolz\"}}", "\"toolz\"", "path");
	FIRST(".repo.name? // .repo // .id", "{\"repo\":\"r1\",\"id\":\"x\"}", "\"r1\"", "alternatives");
	FIRST(".repo.name? // .repo // .id", "{\"id\":\"x\"}", "\"x\"", "fallback to id");
	FIRST(".a[]", "{\"a\":[3,4,5]}", "3", "several outputs: the first");
	FIRST("empty", "{}", "<none>", "no output");
	FIRST(".a.b", "{\"a\":5}", "<error: Cannot index number with string \"b\">", "error as a value");
	FIRST("error({\"x\":1})", "{}", "<error: {\"x\":1}>", "error with an object");
	FIRST("{b:.a, a:1}", "{\"a\":2}", "{\"a\":1,\"b\":2}", "object output");

	/* A program is reused: state from an unfinished run does not leak. */
	x = jqx_compile(".[]", err, sizeof err);
	int good = 1;
	for (int i = 0; i < 1000; i++) {
		jv v = jqx_first(x, JV_ARRAY(jv_number(i), jv_number(i + 1)));
		good &= jv_get_kind(v) == JV_KIND_NUMBER && jv_number_value(v) == i;
		jv_free(v);
	}
	T_OK(good, "1000 evaluations of one program");
	T_EQ_STR(jqx_source(x), ".[]", "source kept");
	jqx_free(x);

	x = jqx_compile(".n > 2", err, sizeof err);
	char *msg = NULL;
	T_EQ_INT(jqx_test(x, parse("{\"n\":3}"), &msg), 1, "test: true");
	T_EQ_INT(jqx_test(x, parse("{\"n\":1}"), &msg), 0, "test: false");
	jqx_free(x);
	x = jqx_compile(".n", err, sizeof err);
	T_EQ_INT(jqx_test(x, parse("{}"), &msg), 0, "test: null is false");
	T_EQ_INT(jqx_test(x, parse("{\"n\":0}"), &msg), 1, "test: 0 is true, as in jq");
	jqx_free(x);
	x = jqx_compile(".n.m", err, sizeof err);
	T_EQ_INT(jqx_test(x, parse("{\"n\":\"s\"}"), &msg), -1, "test: error");
	T_OK(msg && strstr(msg, "Cannot index"), "test: error message");
	free(msg);
	jqx_free(x);

	char *k = jqx_key(jv_string("abc"));
	T_EQ_STR(k, "abc", "key: a string is itself");
	free(k);
	k = jqx_key(jv_parse("{\"b\":1,\"a\":[1,2]}"));
	T_EQ_STR(k, "{\"a\":[1,2],\"b\":1}", "key: other values as sorted JSON");
	free(k);
	T_OK(jqx_key(jv_null()) == NULL, "key: null has none");
	T_OK(jqx_key(jv_invalid()) == NULL, "key: invalid has none");
	return t_done();
}
