/* grammar/regex.c — patterns and JSON string characters as rules (see regex.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/grow.h"
#include "grammar/regex.h"

#define CP_MAX 0x10ffff

void gr_cpset_add(gr_cpset *s, uint32_t lo, uint32_t hi)
{
	if (lo > hi)
		return;
	/* insert, then merge overlapping or touching neighbours */
	int i = 0;
	while (i < s->n && s->lo[i] < lo)
		i++;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->lo = realloc(s->lo, sizeof *s->lo * s->cap);
		s->hi = realloc(s->hi, sizeof *s->hi * s->cap);
		if (!s->lo || !s->hi)
			abort();
	}
	memmove(s->lo + i + 1, s->lo + i, sizeof *s->lo * (s->n - i));
	memmove(s->hi + i + 1, s->hi + i, sizeof *s->hi * (s->n - i));
	s->lo[i] = lo, s->hi[i] = hi;
	s->n++;
	int k = 0;
	for (int j = 1; j < s->n; j++) {
		if (s->lo[j] <= s->hi[k] + 1) {
			if (s->hi[j] > s->hi[k])
				s->hi[k] = s->hi[j];
		} else {
			k++;
			s->lo[k] = s->lo[j], s->hi[k] = s->hi[j];
		}
	}
	s->n = k + 1;
}

void gr_cpset_negate(gr_cpset *s)
{
	gr_cpset t = { 0 };
	uint32_t next = 0;
	for (int i = 0; i < s->n; i++) {
		if (s->lo[i] > next)
			gr_cpset_add(&t, next, s->lo[i] - 1);
		next = s->hi[i] + 1;
	}
	if (next <= CP_MAX)
		gr_cpset_add(&t, next, CP_MAX);
	gr_cpset_free(s);
	*s = t;
}

void gr_cpset_free(gr_cpset *s)
{
	free(s->lo);
	free(s->hi);
	memset(s, 0, sizeof *s);
}

static int cpset_has(const gr_cpset *s, uint32_t c)
{
	for (int i = 0; i < s->n; i++)
		if (c >= s->lo[i] && c <= s->hi[i])
			return 1;
	return 0;
}

/* hex digits of a \u escape that is not a surrogate half: [0-9a-cA-C]hhh | [dD][0-7]hh | [eEfF]hhh */
static int hex4_nonsurrogate(grammar *g)
{
	int r = gr_rule(g);
	gr_bytes hex = { { 0 } }, a = { { 0 } }, d = { { 0 } }, e = { { 0 } }, lo7 = { { 0 } };
	gr_bytes_add(&hex, '0', '9'), gr_bytes_add(&hex, 'a', 'f'), gr_bytes_add(&hex, 'A', 'F');
	gr_bytes_add(&a, '0', '9'), gr_bytes_add(&a, 'a', 'c'), gr_bytes_add(&a, 'A', 'C');
	gr_bytes_add(&d, 'd', 'd'), gr_bytes_add(&d, 'D', 'D');
	gr_bytes_add(&e, 'e', 'f'), gr_bytes_add(&e, 'E', 'F');
	gr_bytes_add(&lo7, '0', '7');
	const gr_bytes *first[] = { &a, &e };
	for (int i = 0; i < 2; i++) {
		gr_seq s = { 0 };
		gr_seq_set(g, &s, first[i]);
		for (int j = 0; j < 3; j++)
			gr_seq_set(g, &s, &hex);
		gr_alt(g, r, &s);
	}
	gr_seq s = { 0 };
	gr_seq_set(g, &s, &d);
	gr_seq_set(g, &s, &lo7);
	gr_seq_set(g, &s, &hex);
	gr_seq_set(g, &s, &hex);
	gr_alt(g, r, &s);
	return r;
}

int gr_json_chars(grammar *g, const gr_cpset *set, int all_escapes)
{
	gr_cpset raw = { 0 };
	for (int i = 0; i < set->n; i++)
		gr_cpset_add(&raw, set->lo[i], set->hi[i]);
	gr_cpset neg = { 0 };	/* what a JSON string cannot hold raw */
	gr_cpset_add(&neg, 0, 0x1f);
	gr_cpset_add(&neg, '"', '"');
	gr_cpset_add(&neg, '\\', '\\');
	gr_cpset_negate(&neg);
	/* raw = set & ~special: intersect range lists */
	gr_cpset in = { 0 };
	for (int i = 0; i < raw.n; i++)
		for (int j = 0; j < neg.n; j++) {
			uint32_t lo = raw.lo[i] > neg.lo[j] ? raw.lo[i] : neg.lo[j];
			uint32_t hi = raw.hi[i] < neg.hi[j] ? raw.hi[i] : neg.hi[j];
			gr_cpset_add(&in, lo, hi);
		}
	int r = gr_codepoints(g, in.lo, in.hi, in.n);
	gr_cpset_free(&in);
	gr_cpset_free(&neg);
	gr_cpset_free(&raw);
	gr_seq s = { 0 };
	if (all_escapes) {
		gr_bytes one = { { 0 } };
		const char *e = "\"\\/bfnrt";
		for (const char *p = e; *p; p++)
			gr_bytes_add(&one, (unsigned char)*p, (unsigned char)*p);
		gr_seq_lit(g, &s, "\\", 1);
		gr_seq_set(g, &s, &one);
		gr_alt(g, r, &s);
		gr_seq_lit(g, &s, "\\u", 2);
		gr_seq_ref(&s, hex4_nonsurrogate(g));
		gr_alt(g, r, &s);
		return r;
	}
	for (uint32_t c = 0; c < 0x20 || c == '"' || c == '\\'; c = c + 1 == 0x20 ? '"' : c == '"' ? '\\' : c + 1) {
		if (!cpset_has(set, c))
			continue;
		char buf[8];
		const char *short_ = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
			: c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
		if (!short_)
			snprintf(buf, sizeof buf, "\\u%04x", c), short_ = buf;
		gr_seq_lit(g, &s, short_, strlen(short_));
		gr_alt(g, r, &s);
		if (c == '\\')
			break;
	}
	return r;
}

/* ---- the pattern parser ---- */

typedef struct {
	grammar *g;
	const char *p, *start;
	int json;
	char *err;
	size_t errsz;
	int failed;
} rx;

static int fail(rx *x, const char *fmt, const char *what)
{
	if (!x->failed)
		snprintf(x->err, x->errsz, fmt, what);
	x->failed = 1;
	return -1;
}

static uint32_t next_cp(rx *x)
{
	const unsigned char *s = (const unsigned char *)x->p;
	uint32_t c = s[0];
	int n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n > 1) {
		c &= 0x3f >> (n - 1);
		for (int i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return x->p++, 0xfffd;
			c = c << 6 | (s[i] & 0x3f);
		}
	}
	x->p += n;
	return c;
}

static int chars_rule(rx *x, gr_cpset *s)
{
	int r;
	if (x->json)
		r = gr_json_chars(x->g, s, 0);
	else
		r = gr_codepoints(x->g, s->lo, s->hi, s->n);
	gr_cpset_free(s);
	return r;
}

/* An escape after '\' into s (a class); 0, or -1 when not a set escape. */
static int class_escape(rx *x, gr_cpset *s, uint32_t c)
{
	gr_cpset t = { 0 };
	switch (c | 0x20) {
	case 'd':
		gr_cpset_add(&t, '0', '9');
		break;
	case 'w':
		gr_cpset_add(&t, '0', '9'), gr_cpset_add(&t, 'a', 'z'), gr_cpset_add(&t, 'A', 'Z'), gr_cpset_add(&t, '_', '_');
		break;
	case 's':
		gr_cpset_add(&t, '\t', '\r'), gr_cpset_add(&t, ' ', ' ');
		break;
	default:
		return -1;
	}
	if (c >= 'A' && c <= 'Z')
		gr_cpset_negate(&t);
	for (int i = 0; i < t.n; i++)
		gr_cpset_add(s, t.lo[i], t.hi[i]);
	gr_cpset_free(&t);
	(void)x;
	return 0;
}

/* A single escaped character: its code point, or -1 (refused). */
static long literal_escape(rx *x, uint32_t c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'f': return '\f';
	case 'v': return '\v';
	case '0': return 0;
	case 'x': case 'u': {
		int n = c == 'x' ? 2 : 4;
		uint32_t v = 0;
		for (int i = 0; i < n; i++) {
			char h = x->p[0];
			int d = h >= '0' && h <= '9' ? h - '0' : (h | 32) >= 'a' && (h | 32) <= 'f' ? (h | 32) - 'a' + 10 : -1;
			if (d < 0)
				return fail(x, "pattern: bad \\%s escape", c == 'x' ? "x" : "u");
			v = v * 16 + d;
			x->p++;
		}
		return v;
	}
	}
	if ((c >= '1' && c <= '9') || c == 'k')
		return fail(x, "pattern: %s (a backreference is not regular)", "\\1..\\9");
	if (c == 'b' || c == 'B' || c == 'A' || c == 'Z' || c == 'z' || c == 'G')
		return fail(x, "pattern: the anchor \\%s is not supported", c == 'b' ? "b" : c == 'B' ? "B" : "A/Z/z/G");
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return fail(x, "pattern: unknown escape '\\%s'", (char[]){ (char)c, 0 });
	return c;	/* an escaped punctuation character is itself */
}

static int parse_alt(rx *x);

static int parse_class(rx *x)
{
	gr_cpset s = { 0 };
	int neg = 0;
	if (*x->p == '^')
		neg = 1, x->p++;
	int first = 1;
	while (*x->p && (*x->p != ']' || first)) {
		first = 0;
		long lo;
		if (*x->p == '[' && x->p[1] == ':')
			return gr_cpset_free(&s), fail(x, "pattern: %s classes are not supported", "[:posix:]");
		if (*x->p == '\\') {
			x->p++;
			uint32_t c = next_cp(x);
			if (class_escape(x, &s, c) == 0)
				continue;
			lo = c == 'b' ? '\b' : literal_escape(x, c);
		} else
			lo = next_cp(x);
		if (lo < 0)
			return gr_cpset_free(&s), -1;
		long hi = lo;
		if (x->p[0] == '-' && x->p[1] && x->p[1] != ']') {
			x->p++;
			if (*x->p == '\\') {
				x->p++;
				hi = literal_escape(x, next_cp(x));
			} else
				hi = next_cp(x);
			if (hi < 0)
				return gr_cpset_free(&s), -1;
			if (hi < lo)
				return gr_cpset_free(&s), fail(x, "pattern: %s", "a range out of order in a class");
		}
		gr_cpset_add(&s, lo, hi);
	}
	if (*x->p != ']')
		return gr_cpset_free(&s), fail(x, "pattern: %s", "a class without ']'");
	x->p++;
	if (neg)
		gr_cpset_negate(&s);
	return chars_rule(x, &s);
}

static int parse_atom(rx *x)
{
	gr_cpset s = { 0 };
	uint32_t c = next_cp(x);
	switch (c) {
	case '(':
		if (*x->p == '?') {
			if (x->p[1] != ':')
				return fail(x, "pattern: %s is not supported (lookaround and flags are not regular here)", "(?");
			x->p += 2;
		}
		{
			int r = parse_alt(x);
			if (r < 0)
				return -1;
			if (*x->p != ')')
				return fail(x, "pattern: %s", "a group without ')'");
			x->p++;
			return r;
		}
	case '[':
		return parse_class(x);
	case '.':
		gr_cpset_add(&s, '\n', '\n');
		gr_cpset_negate(&s);
		return chars_rule(x, &s);
	case '\\': {
		uint32_t e = next_cp(x);
		if (class_escape(x, &s, e) == 0)
			return chars_rule(x, &s);
		long v = literal_escape(x, e);
		if (v < 0)
			return -1;
		gr_cpset_add(&s, v, v);
		return chars_rule(x, &s);
	}
	case '^': case '$':
		return fail(x, "pattern: the anchor '%s' inside the pattern is not supported", c == '^' ? "^" : "$");
	case '*': case '+': case '?': case '{':
		return fail(x, "pattern: '%s' with nothing to repeat", (char[]){ (char)c, 0 });
	}
	gr_cpset_add(&s, c, c);
	return chars_rule(x, &s);
}

int gr_quantifier(const char **pp, int *min, int *max)
{
	const char *p = *pp;
	char q = *p++;
	if (q == '*' || q == '+' || q == '?')
		*min = q == '+', *max = q == '?' ? 1 : -1;
	else if (q == '{') {
		char *e;
		if (*p < '0' || *p > '9')
			return -1;
		*min = *max = (int)strtol(p, &e, 10);
		p = e;
		if (*p == ',') {
			p++;
			if (*p == '}')
				*max = -1;
			else if (*p >= '0' && *p <= '9')
				*max = (int)strtol(p, &e, 10), p = e;
			else
				return -1;
		}
		if (*p++ != '}' || (*max >= 0 && *max < *min) || *min > 1000 || *max > 1000)
			return -1;
	} else
		return 0;
	*pp = p;
	return 1;
}

static int parse_repeat(rx *x)
{
	int r = parse_atom(x), min, max, q;
	while (r >= 0 && (q = gr_quantifier(&x->p, &min, &max)) != 0) {
		if (q < 0)
			return fail(x, "pattern: %s", "a bad {n,m} quantifier (at most 1000)");
		if (*x->p == '?' || *x->p == '+')	/* lazy or possessive: the same strings */
			x->p++;
		r = gr_repeat(x->g, r, min, max);
	}
	return r;
}

static int parse_concat(rx *x)
{
	int r = gr_rule(x->g);
	gr_seq s = { 0 };
	while (*x->p && *x->p != '|' && *x->p != ')') {
		if (*x->p == '$' && !x->p[1])
			break;
		int a = parse_repeat(x);
		if (a < 0) {
			free(s.el);
			return -1;
		}
		gr_seq_ref(&s, a);
	}
	gr_alt(x->g, r, &s);
	return r;
}

static int parse_alt(rx *x)
{
	int r = gr_rule(x->g);
	for (;;) {
		int a = parse_concat(x);
		if (a < 0)
			return -1;
		gr_alt_ref(x->g, r, a);
		if (*x->p != '|')
			return r;
		x->p++;
	}
}

int gr_regex(grammar *g, const char *pattern, int json, char *err, size_t errsz)
{
	rx x = { .g = g, .p = pattern, .start = pattern, .json = json, .err = err, .errsz = errsz };
	int anchored_start = 0, anchored_end = 0;
	if (*x.p == '^')
		anchored_start = 1, x.p++;
	int body = parse_alt(&x);
	if (body < 0)
		return -1;
	if (*x.p == '$' && !x.p[1])
		anchored_end = 1, x.p++;
	if (*x.p)
		return fail(&x, "pattern: unexpected '%s'", (char[]){ *x.p, 0 });
	gr_cpset any = { 0 };
	gr_cpset_add(&any, 0, CP_MAX);
	int anyc = chars_rule(&x, &any);
	int r = gr_rule(g);
	gr_seq s = { 0 };
	if (!anchored_start)
		gr_seq_ref(&s, gr_repeat(g, anyc, 0, -1));
	gr_seq_ref(&s, body);
	if (!anchored_end)
		gr_seq_ref(&s, gr_repeat(g, anyc, 0, -1));
	gr_alt(g, r, &s);
	return r;
}
