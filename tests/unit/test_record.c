/* Unit tests for lib/record: the line reader's edge cases and the helpers. */
#include <stdlib.h>
#include <unistd.h>
#include "t.h"
#include "base/diag.h"
#include "rec/record.h"
#include "base/utf8.h"


static char *write_tmp(const char *data, size_t n)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/test_record.XXXXXX");
	int fd = mkstemp(path);
	if (write(fd, data, n) != (ssize_t)n)
		abort();
	close(fd);
	return path;
}

/* Read everything from data; return the records' "n" values joined by commas. */
static void read_all(const char *data, size_t len, int flags, size_t maxline, char *out, size_t *malformed)
{
	char *path = write_tmp(data, len);
	char *files[] = { path };
	rec_reader *r = rec_reader_open(files, 1, flags);
	if (maxline)
		rec_reader_set_max_line(r, maxline);
	jv v;
	out[0] = 0;
	while (rec_next(r, &v)) {
		char buf[64];
		if (jv_get_kind(v) == JV_KIND_STRING)
			snprintf(buf, sizeof buf, "%s%s", out[0] ? "," : "", jv_string_value(v));
		else
			snprintf(buf, sizeof buf, "%s%g", out[0] ? "," : "", rec_num(v, "n", -1));
		strcat(out, buf);
		jv_free(v);
	}
	*malformed = rec_malformed(r);
	rec_reader_close(r);
	unlink(path);
}

int main(void)
{
	ls_progname = "test_record";
	char out[4096];
	size_t bad;
	const char good[] = "{\"n\":1}\n{\"n\":2}\n";
	read_all(good, sizeof good - 1, 0, 0, out, &bad);
	T_EQ_STR(out, "1,2", "two records");
	T_EQ_INT(bad, 0, "nothing malformed");

	const char mid[] = "{\"n\":1}\n{\"n\": oops}\n{\"n\":3}\n";
	read_all(mid, sizeof mid - 1, 0, 0, out, &bad);
	T_EQ_STR(out, "1,3", "a malformed line in the middle keeps the rest");
	T_EQ_INT(bad, 1, "and is counted");

	const char crlf[] = "{\"n\":1}\r\n\r\n   \n{\"n\":2}";
	read_all(crlf, sizeof crlf - 1, 0, 0, out, &bad);
	T_EQ_STR(out, "1,2", "CRLF, blank lines and a missing final newline");
	T_EQ_INT(bad, 0, "are not malformed");

	const char utf[] = "{\"n\":1,\"s\":\"\xff\"}\n{\"n\":2,\"s\":\"\xc3\xa9\"}\n";
	read_all(utf, sizeof utf - 1, 0, 0, out, &bad);
	T_EQ_STR(out, "2", "invalid UTF-8 is rejected, valid kept");
	T_EQ_INT(bad, 1, "invalid UTF-8 counted");

	const char arr[] = "[1]\n\"s\"\n{\"n\":5}\n";
	read_all(arr, sizeof arr - 1, 0, 0, out, &bad);
	T_EQ_STR(out, "5", "non-objects are malformed records");
	T_EQ_INT(bad, 2, "and counted");

	/* An over-long line in the middle, bigger than the reader's buffer. */
	size_t big = 3u << 20;
	char *data = malloc(big + 64);
	size_t n = (size_t)sprintf(data, "{\"n\":1}\n{\"n\":\"");
	memset(data + n, 'a', big);
	n += big;
	n += (size_t)sprintf(data + n, "\"}\n{\"n\":3}\n");
	read_all(data, n, 0, 1 << 20, out, &bad);
	T_EQ_STR(out, "1,3", "an over-long line is skipped, the next one read");
	T_EQ_INT(bad, 1, "over-long line counted");
	read_all(data, n, 0, 0, out, &bad);
	T_EQ_STR(out, "1,-1,3", "under the default limit a 3 MB line is read (its n is a string)");
	free(data);

	const char text[] = "/srv/repo\n# comment\n  https://x/y.git  \n{\"n\":7}\n";
	read_all(text, sizeof text - 1, REC_TEXT_OK, 0, out, &bad);
	T_EQ_STR(out, "/srv/repo,https://x/y.git,7", "text mode: paths, comments, JSON");

	/* helpers */
	jv o = jv_parse("{\"b\":2,\"a\":{\"c\":\"x\"},\"t\":true}");
	jv p = rec_path(o, "a.c");
	T_EQ_STR(jv_string_value(p), "x", "rec_path a.c");
	jv_free(p);
	jv q = rec_path(o, "a.zz.c");
	T_OK(jv_get_kind(q) == JV_KIND_NULL, "rec_path missing gives null");
	jv_free(q);
	T_OK(rec_bool(o, "t", 0) == 1, "rec_bool");
	T_OK(rec_num(o, "b", 0) == 2, "rec_num");
	char *c = rec_canonical(jv_copy(o), NULL);
	T_EQ_STR(c, "{\"a\":{\"c\":\"x\"},\"b\":2,\"t\":true}", "canonical form sorts keys");
	free(c);
	jv_free(o);

	/* our writer gives jq's bytes */
	static const char *const vals[] = {
		"{\"a\":\"x\\u0001\\u001f\\u007f\\\"\\\\\\n\\t\\r\\b\\f/\",\"b\":[1,-2,0.1,1e100,-0,1e15,1e16,123456789012345678,3.141592653589793,-1.5e-7]}",
		"{\"u\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",\"e\":{},\"l\":[],\"n\":null,\"t\":true,\"f\":false,\"z\":{\"y\":[{\"x\":[]}]}}",
		"[\"\",0,1e-320,1.7976931348623157e308,-9007199254740993]",
	};
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		jv v = jv_parse(vals[i]);
		jv want = jv_dump_string(jv_copy(v), 0);
		char *got = rec_dump(v, NULL);
		char what[64];
		snprintf(what, sizeof what, "rec_dump writes what jq writes (%zu)", i);
		T_EQ_STR(got, jv_string_value(want), what);
		free(got);
		jv_free(want);
	}

	/* rec_put_string: the bytes jq writes for the same jv string, on
	 * strings built to hit every case (escapes at every offset of an
	 * 8-byte word, UTF-8, invalid UTF-8, NUL) */
	{
		static const char pool[] = "ab\"\\\n\t\r\b\f\x01\x1f\x7f \xc3\xa9\xe2\x82\xac\xff\xc0\xed\xa0\x80/\0~";
		unsigned seed = 12345;
		int same = 1;
		for (int k = 0; k < 3000 && same; k++) {
			char s[64];
			size_t n = (size_t)(k % 40);
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				s[i] = pool[(seed >> 16) % (sizeof pool - 1)];
			}
			jv want = jv_dump_string(jv_string_sized(s, (int)n), 0);
			char out[6 * 64 + 2];
			char *e = rec_put_string(out, s, n);
			size_t wl = (size_t)jv_string_length_bytes(jv_copy(want));
			same = (size_t)(e - out) == wl && !memcmp(out, jv_string_value(want), wl);
			if (!same)
				printf("# differs on case %d (%zu bytes)\n", k, n);
			jv_free(want);
		}
		T_OK(same, "rec_put_string writes what jq writes for 3000 mixed strings");
	}


	/* Number literals a double cannot hold pass through as they were. */
	{
		static const char *const keep[] = {
			"{\"a\":9007199254740993}", "{\"a\":1E400}", "{\"a\":-1E400}", "{\"a\":1e-400}",
			"{\"a\":0.10000000000000000001}", "{\"a\":[1,{\"b\":12345678901234567890}]}",
			"{\"a\":-9007199254740993,\"s\":\"9007199254740993 \\\" 1E400\"}", "9007199254740993",
			"{\"x\":1,\"x\":9007199254740993}",
		};
		for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
			char *got = rec_dump(rec_parse(keep[i], strlen(keep[i])), NULL);
			T_EQ_STR(got, i == 8 ? "{\"x\":9007199254740993}" : keep[i], "rec_parse + rec_dump keep a literal a double cannot hold");
			free(got);
		}
		/* what a double does hold is written as jq writes it (golden output unchanged) */
		static const char *const norm[][2] = {
			{ "{\"a\":1.0,\"b\":1e2,\"c\":0.1,\"d\":123456789012345,\"e\":-0,\"f\":1.5e300}",
			  "{\"a\":1,\"b\":100,\"c\":0.1,\"d\":123456789012345,\"e\":-0,\"f\":1.5e+300}" },
			{ "{\"a\":9007199254740993,\"a\":2}", "{\"a\":2}" },
			{ "{\"big\":100000000000000000000,\"p\":9007199254740992}", "{\"big\":1e+20,\"p\":9007199254740992}" },
		};
		for (size_t i = 0; i < sizeof norm / sizeof *norm; i++) {
			char *got = rec_dump(rec_parse(norm[i][0], strlen(norm[i][0])), NULL);
			T_EQ_STR(got, norm[i][1], "numbers a double holds are written as jq writes them");
			free(got);
		}
		/* arithmetic drops the literal: the value changed */
		jv v = rec_parse("{\"a\":9007199254740993}", 22);
		jv a = jv_object_get(jv_copy(v), jv_string("a"));
		T_OK(rec_number_literal(a) && !strcmp(rec_number_literal(a), "9007199254740993"), "the literal is kept with the number");
		jv b = jv_number(jv_number_value(a) + 1);
		T_OK(!rec_number_literal(b), "a computed number has none");
		jv_free(a);
		jv_free(b);
		char *c = rec_canonical(v, NULL);
		T_EQ_STR(c, "{\"a\":9007199254740993}", "the canonical form (cache keys, ids) keeps it too");
		free(c);
		const char lit[] = "{\"n\":1,\"id\":9007199254740993}\n";
		read_all(lit, sizeof lit - 1, 0, 0, out, &bad);
		T_EQ_STR(out, "1", "the reader parses such a line");
	}

	/* rec_canonical: jq's sorted bytes */
	{
		const char *in = "{\"b\":[3,{\"z\":1,\"a\":\"\\u0001\"}],\"a\":1.5,\"\xc3\xa9\":null,\"A\":true}";
		jv v = jv_parse(in);
		jv want = jv_dump_string(jv_copy(v), JV_PRINT_SORTED);
		char *got = rec_canonical(v, NULL);
		T_EQ_STR(got, jv_string_value(want), "rec_canonical writes what jq writes with sorted keys");
		free(got);
		jv_free(want);
	}

	/* A byte order mark at the start of a file is not part of the record. */
	const char bom[] = "\xef\xbb\xbf{\"n\":4}\n{\"n\":5}\n";
	read_all(bom, sizeof bom - 1, 0, 0, out, &bad);
	T_EQ_STR(out, "4,5", "a UTF-8 BOM is skipped");
	T_EQ_INT(bad, 0, "and is not malformed");

	/* rec_quote: bounded, no control characters */
	{
		char q[512], line[600];
		T_EQ_STR(rec_quote(q, sizeof q, "a\x1b]0;t\x07\xc3\xa9\xff", 10, 200), "a\\x1b]0;t\\x07\xc3\xa9\\xff",
			 "rec_quote escapes control characters and invalid UTF-8");
		memset(line, 'x', sizeof line);
		rec_quote(q, sizeof q, line, sizeof line, 200);
		T_EQ_INT(strlen(q), 203, "rec_quote keeps at most 200 bytes, then ...");
	}

	T_OK(utf8_valid("abc\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 12), "valid UTF-8");
	T_OK(!utf8_valid("\xc0\xaf", 2), "overlong encoding rejected");
	T_OK(!utf8_valid("\xed\xa0\x80", 3), "surrogate rejected");
	T_OK(!utf8_valid("\xe2\x82", 2), "truncated sequence rejected");
	T_OK(!utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF rejected");
	return t_done();
}
