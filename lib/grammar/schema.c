/* grammar/schema.c — JSON schema to grammar (see schema.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/grow.h"
#include "base/strbuf.h"
#include "grammar/regex.h"
#include "grammar/schema.h"

#define MAX_DIGITS 16		/* digits before (and after) the point of a generated number */
#define MAX_REPEAT 4096		/* largest minItems/maxItems/minLength/maxLength unrolled */

typedef struct {
	grammar *g;
	jv root;		/* borrowed */
	int ws_any;
	char *err;
	size_t errsz;
	int failed;
	struct sref { char *ptr; int rule; } *refs;
	int nrefs, caprefs;
	int r_value, r_string, r_char, r_number, r_integer, r_digit, r_ws;
} sc;

static int fail(sc *c, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(sc *c, const char *where, const char *fmt, ...)
{
	if (c->failed)
		return -1;
	c->failed = 1;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errsz, "schema: %s at %s", msg, where);
	return -1;
}

static jv get(jv obj, const char *key) { return jv_object_get(jv_copy(obj), jv_string(key)); }
static int has(jv obj, const char *key)
{
	jv v = get(obj, key);
	int ok = jv_is_valid(v);
	jv_free(v);
	return ok;
}

/* ---- tokens: separators in the canonical form or with any whitespace ---- */

static int ws_rule(sc *c)
{
	if (c->r_ws < 0) {
		int one = gr_rule(c->g);
		gr_seq s = { 0 };
		gr_bytes b = { { 0 } };
		gr_bytes_add(&b, ' ', ' '), gr_bytes_add(&b, '\t', '\n'), gr_bytes_add(&b, '\r', '\r');
		gr_seq_set(c->g, &s, &b);
		gr_alt(c->g, one, &s);
		c->r_ws = gr_repeat(c->g, one, 0, -1);
	}
	return c->r_ws;
}
static void lit(sc *c, gr_seq *s, const char *p) { gr_seq_lit(c->g, s, p, strlen(p)); }
static void t_open(sc *c, gr_seq *s, const char *p)
{
	lit(c, s, p);
	if (c->ws_any)
		gr_seq_ref(s, ws_rule(c));
}
static void t_after(sc *c, gr_seq *s)
{
	if (c->ws_any)
		gr_seq_ref(s, ws_rule(c));
}
static void t_comma(sc *c, gr_seq *s)
{
	if (c->ws_any) {
		lit(c, s, ",");
		gr_seq_ref(s, ws_rule(c));
	} else
		lit(c, s, ", ");
}
static void t_colon(sc *c, gr_seq *s)
{
	if (c->ws_any) {
		gr_seq_ref(s, ws_rule(c));
		lit(c, s, ":");
		gr_seq_ref(s, ws_rule(c));
	} else
		lit(c, s, ": ");
}


/* ---- shared rules: digits, strings, numbers, any value ---- */

static int digit(sc *c)
{
	if (c->r_digit < 0) {
		c->r_digit = gr_rule(c->g);
		gr_seq s = { 0 };
		gr_seq_range(c->g, &s, '0', '9');
		gr_alt(c->g, c->r_digit, &s);
	}
	return c->r_digit;
}

static int string_char(sc *c)
{
	if (c->r_char < 0) {
		gr_cpset all = { 0 };
		gr_cpset_add(&all, 0, 0x10ffff);
		c->r_char = gr_json_chars(c->g, &all, 1);
		gr_cpset_free(&all);
	}
	return c->r_char;
}

static int string_len(sc *c, int min, int max)
{
	if (min == 0 && max < 0 && c->r_string >= 0)
		return c->r_string;
	int r = gr_rule(c->g);
	gr_seq s = { 0 };
	lit(c, &s, "\"");
	gr_seq_ref(&s, gr_repeat(c->g, string_char(c), min, max));
	lit(c, &s, "\"");
	gr_alt(c->g, r, &s);
	if (min == 0 && max < 0)
		c->r_string = r;
	return r;
}

/* [1-9][0-9]{0,15} | 0, with an optional minus */
static int integer_any(sc *c)
{
	if (c->r_integer >= 0)
		return c->r_integer;
	int mag = gr_rule(c->g);
	gr_seq s = { 0 };
	lit(c, &s, "0");
	gr_alt(c->g, mag, &s);
	gr_seq_range(c->g, &s, '1', '9');
	gr_seq_ref(&s, gr_repeat(c->g, digit(c), 0, MAX_DIGITS - 1));
	gr_alt(c->g, mag, &s);
	c->r_integer = gr_rule(c->g);
	gr_seq_ref(&s, mag);
	gr_alt(c->g, c->r_integer, &s);
	lit(c, &s, "-");
	gr_seq_ref(&s, mag);
	gr_alt(c->g, c->r_integer, &s);
	return c->r_integer;
}

static int fraction_any(sc *c)	/* "." digits, optional */
{
	int r = gr_rule(c->g);
	gr_seq s = { 0 };
	gr_alt(c->g, r, &s);
	lit(c, &s, ".");
	gr_seq_ref(&s, gr_repeat(c->g, digit(c), 1, MAX_DIGITS));
	gr_alt(c->g, r, &s);
	return r;
}

static int number_any(sc *c)
{
	if (c->r_number >= 0)
		return c->r_number;
	int ex = gr_rule(c->g);
	gr_seq s = { 0 };
	gr_alt(c->g, ex, &s);
	gr_bytes e = { { 0 } }, sign = { { 0 } };
	gr_bytes_add(&e, 'e', 'e'), gr_bytes_add(&e, 'E', 'E');
	gr_bytes_add(&sign, '+', '+'), gr_bytes_add(&sign, '-', '-');
	int osign = gr_rule(c->g);
	gr_alt(c->g, osign, &s);
	gr_seq_set(c->g, &s, &sign);
	gr_alt(c->g, osign, &s);
	gr_seq_set(c->g, &s, &e);
	gr_seq_ref(&s, osign);
	gr_seq_ref(&s, gr_repeat(c->g, digit(c), 1, 2));
	gr_alt(c->g, ex, &s);
	c->r_number = gr_rule(c->g);
	gr_seq_ref(&s, integer_any(c));
	gr_seq_ref(&s, fraction_any(c));
	gr_seq_ref(&s, ex);
	gr_alt(c->g, c->r_number, &s);
	return c->r_number;
}

static int any_value(sc *c);

/* an object or array of any values */
static int container_any(sc *c, int is_obj)
{
	int item = gr_rule(c->g);
	gr_seq s = { 0 };
	if (is_obj) {
		gr_seq_ref(&s, string_len(c, 0, -1));
		t_colon(c, &s);
	}
	gr_seq_ref(&s, any_value(c));
	t_after(c, &s);
	gr_alt(c->g, item, &s);
	int more = gr_rule(c->g);
	t_comma(c, &s);
	gr_seq_ref(&s, item);
	gr_alt(c->g, more, &s);
	int list = gr_rule(c->g);
	gr_alt(c->g, list, &s);	/* empty */
	gr_seq_ref(&s, item);
	gr_seq_ref(&s, gr_repeat(c->g, more, 0, -1));
	gr_alt(c->g, list, &s);
	int r = gr_rule(c->g);
	t_open(c, &s, is_obj ? "{" : "[");
	gr_seq_ref(&s, list);
	lit(c, &s, is_obj ? "}" : "]");
	gr_alt(c->g, r, &s);
	return r;
}

static int any_value(sc *c)
{
	if (c->r_value >= 0)
		return c->r_value;
	c->r_value = gr_rule(c->g);	/* first, so the containers can refer to it */
	int v = c->r_value;
	const char *lits[] = { "true", "false", "null" };
	gr_seq s = { 0 };
	for (int i = 0; i < 3; i++) {
		lit(c, &s, lits[i]);
		gr_alt(c->g, v, &s);
	}
	int parts[] = { string_len(c, 0, -1), number_any(c), container_any(c, 1), container_any(c, 0) };
	for (int i = 0; i < 4; i++) {
		gr_seq_ref(&s, parts[i]);
		gr_alt(c->g, v, &s);
	}
	return v;
}

/* ---- literal values (enum, const) ---- */

static void lit_value(sc *c, gr_seq *s, jv v)	/* borrows v */
{
	switch (jv_get_kind(v)) {
	case JV_KIND_ARRAY: {
		t_open(c, s, "[");
		int n = jv_array_length(jv_copy(v));
		for (int i = 0; i < n; i++) {
			if (i)
				t_comma(c, s);
			jv x = jv_array_get(jv_copy(v), i);
			lit_value(c, s, x);
			jv_free(x);
			t_after(c, s);
		}
		lit(c, s, "]");
		return;
	}
	case JV_KIND_OBJECT: {
		t_open(c, s, "{");
		jv keys = jv_keys(jv_copy(v));	/* sorted: one spelling */
		int n = jv_array_length(jv_copy(keys));
		for (int i = 0; i < n; i++) {
			if (i)
				t_comma(c, s);
			jv k = jv_array_get(jv_copy(keys), i);
			jv x = jv_object_get(jv_copy(v), jv_copy(k));
			lit_value(c, s, k);
			t_colon(c, s);
			lit_value(c, s, x);
			t_after(c, s);
			jv_free(k);
			jv_free(x);
		}
		jv_free(keys);
		lit(c, s, "}");
		return;
	}
	default: {
		jv d = jv_dump_string(jv_copy(v), 0);
		lit(c, s, jv_string_value(d));
		jv_free(d);
	}
	}
}

/* ---- JSON types ---- */

enum { T_NULL = 1, T_BOOL = 2, T_OBJECT = 4, T_ARRAY = 8, T_STRING = 16, T_INTEGER = 32, T_NUMBER = 64, T_ALL = 127 };

static int type_bit(const char *t)
{
	static const char *names[] = { "null", "boolean", "object", "array", "string", "integer", "number" };
	for (int i = 0; i < 7; i++)
		if (!strcmp(t, names[i]))
			return 1 << i;
	return 0;
}

static int value_type(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL: return T_NULL;
	case JV_KIND_TRUE: case JV_KIND_FALSE: return T_BOOL;
	case JV_KIND_OBJECT: return T_OBJECT;
	case JV_KIND_ARRAY: return T_ARRAY;
	case JV_KIND_STRING: return T_STRING;
	case JV_KIND_NUMBER: {
		double d = jv_number_value(v);
		return d == floor(d) ? T_INTEGER | T_NUMBER : T_NUMBER;
	}
	default: return 0;
	}
}

/* The types named by "type": a mask, or -1 after an error. */
static int types_of(sc *c, jv s, const char *where)
{
	jv t = get(s, "type");
	int m = 0;
	if (jv_get_kind(t) == JV_KIND_STRING)
		m = type_bit(jv_string_value(t));
	else if (jv_get_kind(t) == JV_KIND_ARRAY) {
		jv_array_foreach(t, i, x) {
			int b = jv_get_kind(x) == JV_KIND_STRING ? type_bit(jv_string_value(x)) : 0;
			jv_free(x);
			if (!b) {
				m = 0;
				break;
			}
			m |= b;
		}
		if (!jv_array_length(jv_copy(t)))
			m = 0;
	} else if (!jv_is_valid(t)) {
		jv_free(t);
		return 0;
	}
	jv_free(t);
	if (!m)
		return fail(c, where, "bad 'type' (null, boolean, object, array, string, integer, number, or a list of them)");
	return m;
}

static const char *annotations[] = { "title", "description", "default", "examples", "$schema", "$id",
	"$comment", "readOnly", "writeOnly", "deprecated", "$defs", "definitions", "$anchor", NULL };
static const char *kw_object[] = { "properties", "required", "additionalProperties", NULL };
static const char *kw_array[] = { "items", "minItems", "maxItems", NULL };
static const char *kw_string[] = { "minLength", "maxLength", "pattern", NULL };
static const char *kw_number[] = { "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", NULL };

static int in_list(const char *k, const char **l)
{
	for (; *l; l++)
		if (!strcmp(k, *l))
			return 1;
	return 0;
}

/* Refuse any keyword not in allowed (nor an annotation). */
static int check_keys(sc *c, jv s, const char *where, const char **allowed, const char *why)
{
	jv keys = jv_keys(jv_copy(s));
	int rc = 0;
	jv_array_foreach(keys, i, k) {
		const char *n = jv_string_value(k);
		if (!rc && !in_list(n, annotations) && !in_list(n, allowed)) {
			if (why)
				rc = fail(c, where, "'%s' beside %s is not supported", n, why);
			else
				rc = fail(c, where, "unsupported keyword '%s'", n);
		}
		jv_free(k);
	}
	jv_free(keys);
	return rc;
}

static int compile(sc *c, jv s, const char *where);

/* ---- $ref ---- */

static jv resolve(sc *c, const char *ref, const char *where)
{
	if (ref[0] != '#')
		return fail(c, where, "'$ref' to another document ('%s') is not supported", ref), jv_invalid();
	jv cur = jv_copy(c->root);
	const char *p = ref + 1;
	while (*p == '/') {
		p++;
		sb tok = { 0 };
		for (; *p && *p != '/'; p++) {
			if (*p == '~' && (p[1] == '0' || p[1] == '1')) {
				sb_put(&tok, p[1] == '0' ? "~" : "/", 1);
				p++;
			} else
				sb_put(&tok, p, 1);
		}
		const char *t = tok.b ? tok.b : "";
		if (jv_get_kind(cur) == JV_KIND_OBJECT)
			cur = jv_object_get(cur, jv_string(t));
		else if (jv_get_kind(cur) == JV_KIND_ARRAY && t[0] >= '0' && t[0] <= '9')
			cur = jv_array_get(cur, atoi(t));
		else {
			jv_free(cur);
			cur = jv_invalid();
		}
		free(tok.b);
		if (!jv_is_valid(cur))
			break;
	}
	if (*p || !jv_is_valid(cur)) {
		jv_free(cur);
		return fail(c, where, "'$ref' '%s' does not resolve in this document", ref), jv_invalid();
	}
	return cur;
}

static int compile_ref(sc *c, const char *ref, const char *where)
{
	for (int i = 0; i < c->nrefs; i++)
		if (!strcmp(c->refs[i].ptr, ref))
			return c->refs[i].rule;
	jv target = resolve(c, ref, where);
	if (!jv_is_valid(target))
		return -1;
	int r = gr_rule(c->g);	/* before compiling: a recursive $ref finds it */
	LS_GROW(c->refs, c->nrefs, c->caprefs, 16);
	c->refs[c->nrefs].ptr = strdup(ref);
	c->refs[c->nrefs++].rule = r;
	int x = compile(c, target, ref);
	jv_free(target);
	if (x < 0)
		return -1;
	gr_alt_ref(c->g, r, x);
	return r;
}

/* ---- numbers in ranges ---- */

/* lo..hi, both n digits: a rule, digit by digit */
static int same_len(sc *c, const char *lo, const char *hi, int n)
{
	int r = gr_rule(c->g);
	gr_seq s = { 0 };
	if (n == 0) {
		gr_alt(c->g, r, &s);
		return r;
	}
	if (lo[0] == hi[0]) {
		gr_seq_lit(c->g, &s, lo, 1);
		gr_seq_ref(&s, same_len(c, lo + 1, hi + 1, n - 1));
		gr_alt(c->g, r, &s);
		return r;
	}
	int zeros = 1, nines = 1;
	for (int i = 1; i < n; i++)
		zeros &= lo[i] == '0', nines &= hi[i] == '9';
	char z[MAX_DIGITS + 2], nn[MAX_DIGITS + 2];
	memset(z, '0', n), memset(nn, '9', n);
	int from = lo[0], to = hi[0];
	if (!zeros) {
		gr_seq_lit(c->g, &s, lo, 1);
		gr_seq_ref(&s, same_len(c, lo + 1, nn, n - 1));
		gr_alt(c->g, r, &s);
		from++;
	}
	if (!nines)
		to--;
	if (from <= to) {
		gr_seq_range(c->g, &s, from, to);
		gr_seq_ref(&s, gr_repeat(c->g, digit(c), n - 1, n - 1));
		gr_alt(c->g, r, &s);
	}
	if (!nines) {
		gr_seq_lit(c->g, &s, hi, 1);
		gr_seq_ref(&s, same_len(c, z, hi + 1, n - 1));
		gr_alt(c->g, r, &s);
	}
	return r;
}

#define UNBOUNDED (-1LL)
static const long long BIG = 9999999999999999LL;	/* MAX_DIGITS nines */

/* Non-negative integers a..b (b UNBOUNDED: up to MAX_DIGITS digits), no leading zeros. */
static int uint_range(sc *c, long long a, long long b)
{
	if (b == UNBOUNDED || b > BIG)
		b = BIG;
	int r = gr_rule(c->g);
	char la[24], lb[24];
	int na = snprintf(la, sizeof la, "%lld", a), nb = snprintf(lb, sizeof lb, "%lld", b);
	for (int L = na; L <= nb; L++) {
		char lo[24], hi[24];
		long long p = 1;
		for (int i = 1; i < L; i++)
			p *= 10;
		snprintf(lo, sizeof lo, "%lld", L == na ? a : p);
		snprintf(hi, sizeof hi, "%lld", L == nb ? b : p * 10 - 1);
		gr_seq s = { 0 };
		gr_seq_ref(&s, same_len(c, lo, hi, L));
		gr_alt(c->g, r, &s);
	}
	return r;
}

/* Integers in [lo, hi]; has_lo/has_hi: whether bounded */
static int int_range(sc *c, long long lo, int has_lo, long long hi, int has_hi, const char *where)
{
	if (!has_lo && !has_hi)
		return integer_any(c);
	if (has_lo && has_hi && lo > hi)
		return fail(c, where, "no integer between the minimum and the maximum");
	int r = gr_rule(c->g);
	gr_seq s = { 0 };
	if (!has_lo || lo < 0) {	/* negatives: minus and a magnitude */
		long long mlo = has_hi && hi < 0 ? -hi : 1, mhi = has_lo ? -lo : UNBOUNDED;
		lit(c, &s, "-");
		gr_seq_ref(&s, uint_range(c, mlo, mhi));
		gr_alt(c->g, r, &s);
	}
	if (!has_hi || hi >= 0) {
		gr_seq_ref(&s, uint_range(c, has_lo && lo > 0 ? lo : 0, has_hi ? hi : UNBOUNDED));
		gr_alt(c->g, r, &s);
	}
	return r;
}

/* Fractions: digit strings X (after the point) compared as 0.X. Each takes
 * a bound's digits (no trailing zeros); empty_ok adds the empty string
 * where it is in range. */
static int any_digits(sc *c, int min) { return gr_repeat(c->g, digit(c), min, MAX_DIGITS); }

static int frac_le(sc *c, const char *t, int empty_ok)	/* 0.X <= 0.t */
{
	int r = gr_rule(c->g);
	gr_seq s = { 0 };
	if (empty_ok)
		gr_alt(c->g, r, &s);
	if (!*t) {	/* only zeros */
		lit(c, &s, "0");
		gr_seq_ref(&s, gr_repeat(c->g, gr_lit_rule(c->g, "0", 1), 0, MAX_DIGITS - 1));
		gr_alt(c->g, r, &s);
		return r;
	}
	if (t[0] > '0') {
		gr_seq_range(c->g, &s, '0', t[0] - 1);
		gr_seq_ref(&s, any_digits(c, 0));
		gr_alt(c->g, r, &s);
	}
	gr_seq_lit(c->g, &s, t, 1);
	gr_seq_ref(&s, frac_le(c, t + 1, 1));
	gr_alt(c->g, r, &s);
	return r;
}

static int frac_ge(sc *c, const char *t, int empty_ok)	/* 0.X >= 0.t */
{
	int r = gr_rule(c->g);
	gr_seq s = { 0 };
	if (!*t) {
		gr_seq_ref(&s, any_digits(c, empty_ok ? 0 : 1));
		gr_alt(c->g, r, &s);
		return r;
	}
	if (t[0] < '9') {
		gr_seq_range(c->g, &s, t[0] + 1, '9');
		gr_seq_ref(&s, any_digits(c, 0));
		gr_alt(c->g, r, &s);
	}
	gr_seq_lit(c->g, &s, t, 1);
	gr_seq_ref(&s, frac_ge(c, t + 1, !t[1]));
	gr_alt(c->g, r, &s);
	return r;
}

static int frac_between(sc *c, const char *a, const char *b, int empty_ok)	/* 0.a <= 0.X <= 0.b */
{
	if (!*a)
		return frac_le(c, b, empty_ok);
	int r = gr_rule(c->g);
	gr_seq s = { 0 };
	if (!*b)	/* 0.X <= 0 and >= 0.a > 0: nothing */
		return r;
	if (a[0] == b[0]) {
		gr_seq_lit(c->g, &s, a, 1);
		gr_seq_ref(&s, frac_between(c, a + 1, b + 1, !a[1]));
		gr_alt(c->g, r, &s);
		return r;
	}
	gr_seq_lit(c->g, &s, a, 1);
	gr_seq_ref(&s, frac_ge(c, a + 1, !a[1]));
	gr_alt(c->g, r, &s);
	if (b[0] - a[0] > 1) {
		gr_seq_range(c->g, &s, a[0] + 1, b[0] - 1);
		gr_seq_ref(&s, any_digits(c, 0));
		gr_alt(c->g, r, &s);
	}
	gr_seq_lit(c->g, &s, b, 1);
	gr_seq_ref(&s, frac_le(c, b + 1, 1));
	gr_alt(c->g, r, &s);
	return r;
}

/* x >= 0 as integer digits and fraction digits (no trailing zeros); -1 when
 * it has more than 15 decimals or 16 digits. */
static int split_dec(double x, long long *ip, char *frac)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.15f", x);
	if (strtod(buf, NULL) != x || x > (double)BIG)
		return -1;
	char *dot = strchr(buf, '.');
	*dot = 0;
	*ip = atoll(buf);
	strcpy(frac, dot + 1);
	for (int n = strlen(frac); n > 0 && frac[n - 1] == '0'; n--)
		frac[n - 1] = 0;
	return 0;
}

/* The point and a nonempty fraction from rule f, or nothing when plain (f < 0: "." any). */
static void opt_frac(sc *c, gr_seq *s, int f, int plain)
{
	int r = gr_rule(c->g);
	gr_seq a = { 0 };
	if (plain)
		gr_alt(c->g, r, &a);
	lit(c, &a, ".");
	gr_seq_ref(&a, f >= 0 ? f : any_digits(c, 1));
	gr_alt(c->g, r, &a);
	gr_seq_ref(s, r);
}

/* Non-negative decimals in [a, b] (has_b: bounded). */
static int dec_range(sc *c, double a, double b, int has_b, const char *where)
{
	long long ia, ib = 0;
	char fa[32], fb[32] = "";
	if (split_dec(a, &ia, fa) || (has_b && split_dec(b, &ib, fb)))
		return fail(c, where, "a bound with more than 15 decimals or 16 digits is not supported");
	int r = gr_rule(c->g);
	gr_seq s = { 0 };
	if (!has_b || ia < ib) {
		if (!has_b || ib - ia >= 2) {	/* the integers strictly between: any fraction */
			gr_seq_ref(&s, uint_range(c, ia + 1, has_b ? ib - 1 : UNBOUNDED));
			opt_frac(c, &s, -1, 1);
			gr_alt(c->g, r, &s);
		}
		gr_seq_ref(&s, uint_range(c, ia, ia));	/* ia.X with 0.X >= 0.fa */
		opt_frac(c, &s, frac_ge(c, fa, 0), !*fa);
		gr_alt(c->g, r, &s);
		if (has_b) {	/* ib.X with 0.X <= 0.fb */
			gr_seq_ref(&s, uint_range(c, ib, ib));
			opt_frac(c, &s, frac_le(c, fb, 0), 1);
			gr_alt(c->g, r, &s);
		}
	} else {
		gr_seq_ref(&s, uint_range(c, ia, ia));
		opt_frac(c, &s, frac_between(c, fa, fb, 0), !*fa);
		gr_alt(c->g, r, &s);
	}
	return r;
}

static int num_range(sc *c, double lo, int has_lo, double hi, int has_hi, const char *where)
{
	if (!has_lo && !has_hi)
		return number_any(c);
	if (has_lo && has_hi && lo > hi)
		return fail(c, where, "the minimum is above the maximum");
	int r = gr_rule(c->g);
	gr_seq s = { 0 };
	if (!has_lo || lo < 0) {	/* -m with m in [max(0, -hi), -lo] */
		lit(c, &s, "-");
		int x = dec_range(c, has_hi && hi < 0 ? -hi : 0, has_lo ? -lo : 0, has_lo, where);
		if (x < 0)
			return free(s.el), -1;
		gr_seq_ref(&s, x);
		gr_alt(c->g, r, &s);
	}
	if (!has_hi || hi >= 0) {
		int x = dec_range(c, has_lo && lo > 0 ? lo : 0, has_hi ? hi : 0, has_hi, where);
		if (x < 0)
			return -1;
		gr_seq_ref(&s, x);
		gr_alt(c->g, r, &s);
	}
	return r;
}

/* A numeric keyword: 0 absent, 1 present (*v set), -1 bad. */
static int num_kw(sc *c, jv s, const char *k, double *v, const char *where)
{
	jv x = get(s, k);
	int rc = 0;
	if (jv_get_kind(x) == JV_KIND_NUMBER)
		*v = jv_number_value(x), rc = 1;
	else if (jv_is_valid(x))
		rc = fail(c, where, "'%s' is not a number", k);
	jv_free(x);
	return rc;
}

static int compile_numeric(sc *c, jv s, int integer, const char *where)
{
	double mn = 0, mx = 0, emn = 0, emx = 0;
	int hmn = num_kw(c, s, "minimum", &mn, where), hmx = num_kw(c, s, "maximum", &mx, where);
	jv bmn = get(s, "exclusiveMinimum"), bmx = get(s, "exclusiveMaximum");
	int hemn = 0, hemx = 0;
	/* draft 4: a boolean that makes minimum/maximum exclusive */
	if (jv_get_kind(bmn) == JV_KIND_TRUE || jv_get_kind(bmn) == JV_KIND_FALSE)
		hemn = jv_get_kind(bmn) == JV_KIND_TRUE && hmn, emn = mn, hmn = hmn && !hemn;
	else
		hemn = num_kw(c, s, "exclusiveMinimum", &emn, where);
	if (jv_get_kind(bmx) == JV_KIND_TRUE || jv_get_kind(bmx) == JV_KIND_FALSE)
		hemx = jv_get_kind(bmx) == JV_KIND_TRUE && hmx, emx = mx, hmx = hmx && !hemx;
	else
		hemx = num_kw(c, s, "exclusiveMaximum", &emx, where);
	jv_free(bmn);
	jv_free(bmx);
	if (c->failed || hmn < 0 || hmx < 0 || hemn < 0 || hemx < 0)
		return -1;
	if (!integer) {
		if (hemn || hemx)
			return fail(c, where, "'exclusiveMinimum'/'exclusiveMaximum' on a number is not supported (only on an integer)");
		return num_range(c, mn, hmn, mx, hmx, where);
	}
	/* integer bounds: the tightest of the inclusive and exclusive ones */
	long long lo = 0, hi = 0;
	int hlo = 0, hhi = 0;
	if (hmn)
		lo = (long long)ceil(mn), hlo = 1;
	if (hemn && (!hlo || (long long)floor(emn) + 1 > lo))
		lo = (long long)floor(emn) + 1, hlo = 1;
	if (hmx)
		hi = (long long)floor(mx), hhi = 1;
	if (hemx && (!hhi || (long long)ceil(emx) - 1 < hi))
		hi = (long long)ceil(emx) - 1, hhi = 1;
	if ((hlo && (lo > BIG || lo < -BIG)) || (hhi && (hi > BIG || hi < -BIG)))
		return fail(c, where, "an integer bound beyond 16 digits is not supported");
	return int_range(c, lo, hlo, hi, hhi, where);
}

/* ---- strings, arrays, objects ---- */

static int int_kw(sc *c, jv s, const char *k, int dflt, const char *where)
{
	double v;
	int h = num_kw(c, s, k, &v, where);
	if (h < 0)
		return -2;
	if (!h)
		return dflt;
	if (v < 0 || v != floor(v))
		return fail(c, where, "'%s' is not a non-negative integer", k), -2;
	if (v > MAX_REPEAT)
		return fail(c, where, "'%s' above %d is not supported", k, MAX_REPEAT), -2;
	return (int)v;
}

static int compile_string(sc *c, jv s, const char *where)
{
	int mn = int_kw(c, s, "minLength", 0, where), mx = int_kw(c, s, "maxLength", -1, where);
	if (mn == -2 || mx == -2)
		return -1;
	if (mx >= 0 && mn > mx)
		return fail(c, where, "minLength is above maxLength");
	jv p = get(s, "pattern");
	if (!jv_is_valid(p))
		return jv_free(p), string_len(c, mn, mx);
	if (jv_get_kind(p) != JV_KIND_STRING)
		return jv_free(p), fail(c, where, "'pattern' is not a string");
	if (mn > 0 || mx >= 0)
		return jv_free(p), fail(c, where, "'pattern' together with 'minLength'/'maxLength' is not supported");
	char e[256];
	int body = gr_regex(c->g, jv_string_value(p), 1, e, sizeof e);
	jv_free(p);
	if (body < 0)
		return fail(c, where, "%s", e);
	int r = gr_rule(c->g);
	gr_seq q = { 0 };
	lit(c, &q, "\"");
	gr_seq_ref(&q, body);
	lit(c, &q, "\"");
	gr_alt(c->g, r, &q);
	return r;
}

static int compile_array(sc *c, jv s, const char *where)
{
	int mn = int_kw(c, s, "minItems", 0, where), mx = int_kw(c, s, "maxItems", -1, where);
	if (mn == -2 || mx == -2)
		return -1;
	if (mx >= 0 && mn > mx)
		return fail(c, where, "minItems is above maxItems");
	jv items = get(s, "items");
	int item;
	char w[1024];
	snprintf(w, sizeof w, "%s/items", where);
	if (!jv_is_valid(items))
		item = any_value(c);
	else if (jv_get_kind(items) == JV_KIND_ARRAY)
		item = fail(c, where, "'items' as a list (tuple validation) is not supported");
	else
		item = compile(c, items, w);
	jv_free(items);
	if (item < 0)
		return -1;
	int r = gr_rule(c->g);
	gr_seq q = { 0 };
	if (mx == 0) {
		t_open(c, &q, "[");
		lit(c, &q, "]");
		gr_alt(c->g, r, &q);
		return r;
	}
	int one = gr_rule(c->g);	/* item, then whitespace */
	gr_seq_ref(&q, item);
	t_after(c, &q);
	gr_alt(c->g, one, &q);
	int more = gr_rule(c->g);
	t_comma(c, &q);
	gr_seq_ref(&q, one);
	gr_alt(c->g, more, &q);
	int list = gr_rule(c->g);
	gr_seq_ref(&q, one);
	gr_seq_ref(&q, gr_repeat(c->g, more, mn > 0 ? mn - 1 : 0, mx < 0 ? -1 : mx - 1));
	gr_alt(c->g, list, &q);
	if (mn == 0)
		gr_alt(c->g, list, &q);	/* empty */
	t_open(c, &q, "[");
	gr_seq_ref(&q, list);
	lit(c, &q, "]");
	gr_alt(c->g, r, &q);
	return r;
}

static int compile_object(sc *c, jv s, const char *where)
{
	jv props = get(s, "properties"), req = get(s, "required"), add = get(s, "additionalProperties");
	int rc = -1, n = 0;
	char w[1024];
	jv names = jv_array();
	if (jv_is_valid(props) && jv_get_kind(props) != JV_KIND_OBJECT) {
		fail(c, where, "'properties' is not an object");
		goto out;
	}
	if (jv_is_valid(req) && jv_get_kind(req) != JV_KIND_ARRAY) {
		fail(c, where, "'required' is not a list");
		goto out;
	}
	/* the declared properties in the schema's order, then required names not declared */
	if (jv_is_valid(props)) {
		jv_object_foreach(props, k, v) {
			names = jv_array_append(names, k);
			jv_free(v);
		}
	}
	if (jv_is_valid(req)) {
		jv_array_foreach(req, i, k) {
			if (jv_get_kind(k) != JV_KIND_STRING) {
				jv_free(k);
				fail(c, where, "'required' holds a non-string");
				goto out;
			}
			int found = 0;
			jv_array_foreach(names, j, x) {
				found |= jv_equal(jv_copy(x), jv_copy(k));
				jv_free(x);
			}
			if (found)
				jv_free(k);
			else
				names = jv_array_append(names, k);
		}
	}
	n = jv_array_length(jv_copy(names));
	if (n == 0) {	/* no declared properties: any keys, values of additionalProperties */
		int val;
		if (!jv_is_valid(add) || jv_get_kind(add) == JV_KIND_TRUE)
			val = any_value(c);
		else if (jv_get_kind(add) == JV_KIND_FALSE)
			val = -2;
		else {
			snprintf(w, sizeof w, "%s/additionalProperties", where);
			val = compile(c, add, w);
			if (val < 0)
				goto out;
		}
		int r = gr_rule(c->g);
		gr_seq q = { 0 };
		if (val == -2) {
			t_open(c, &q, "{");
			lit(c, &q, "}");
			gr_alt(c->g, r, &q);
			rc = r;
			goto out;
		}
		int item = gr_rule(c->g);
		gr_seq_ref(&q, string_len(c, 0, -1));
		t_colon(c, &q);
		gr_seq_ref(&q, val);
		t_after(c, &q);
		gr_alt(c->g, item, &q);
		int more = gr_rule(c->g);
		t_comma(c, &q);
		gr_seq_ref(&q, item);
		gr_alt(c->g, more, &q);
		int list = gr_rule(c->g);
		gr_alt(c->g, list, &q);
		gr_seq_ref(&q, item);
		gr_seq_ref(&q, gr_repeat(c->g, more, 0, -1));
		gr_alt(c->g, list, &q);
		t_open(c, &q, "{");
		gr_seq_ref(&q, list);
		lit(c, &q, "}");
		gr_alt(c->g, r, &q);
		rc = r;
		goto out;
	}
	if (jv_is_valid(add) && jv_get_kind(add) != JV_KIND_TRUE && jv_get_kind(add) != JV_KIND_FALSE &&
	    jv_get_kind(add) != JV_KIND_OBJECT) {
		fail(c, where, "'additionalProperties' is not a schema");
		goto out;
	}
	/* members m[i] = "key": value; R[i]: the rest from i, nothing written yet;
	 * S[i]: the rest from i after a member (so each starts with a comma) */
	int *m = malloc(sizeof *m * n), *isreq = calloc(n, sizeof *isreq);
	for (int i = 0; i < n && !c->failed; i++) {
		jv k = jv_array_get(jv_copy(names), i);
		jv sub = jv_is_valid(props) ? jv_object_get(jv_copy(props), jv_copy(k)) : jv_invalid();
		if (jv_is_valid(req)) {
			jv_array_foreach(req, j, x) {
				isreq[i] |= jv_equal(jv_copy(x), jv_copy(k));
				jv_free(x);
			}
		}
		snprintf(w, sizeof w, "%s/properties/%s", where, jv_string_value(k));
		int val;
		if (jv_is_valid(sub))
			val = compile(c, sub, w);
		else if (!jv_is_valid(add) || jv_get_kind(add) == JV_KIND_TRUE)	/* required, not declared */
			val = any_value(c);
		else if (jv_get_kind(add) == JV_KIND_FALSE)
			val = fail(c, where, "'%s' is required but additionalProperties is false", jv_string_value(k));
		else {
			snprintf(w, sizeof w, "%s/additionalProperties", where);
			val = compile(c, add, w);
		}
		jv_free(sub);
		m[i] = gr_rule(c->g);
		gr_seq q = { 0 };
		lit_value(c, &q, k);
		t_colon(c, &q);
		gr_seq_ref(&q, val);
		t_after(c, &q);
		gr_alt(c->g, m[i], &q);
		jv_free(k);
	}
	if (!c->failed) {
		int R = gr_rule(c->g), S = gr_rule(c->g);
		gr_seq q = { 0 };
		gr_alt(c->g, R, &q);
		gr_alt(c->g, S, &q);
		for (int i = n - 1; i >= 0; i--) {
			int R2 = gr_rule(c->g), S2 = gr_rule(c->g);
			gr_seq_ref(&q, m[i]);
			gr_seq_ref(&q, S);
			gr_alt(c->g, R2, &q);
			t_comma(c, &q);
			gr_seq_ref(&q, m[i]);
			gr_seq_ref(&q, S);
			gr_alt(c->g, S2, &q);
			if (!isreq[i]) {
				gr_seq_ref(&q, R);
				gr_alt(c->g, R2, &q);
				gr_seq_ref(&q, S);
				gr_alt(c->g, S2, &q);
			}
			R = R2, S = S2;
		}
		int r = gr_rule(c->g);
		t_open(c, &q, "{");
		gr_seq_ref(&q, R);
		lit(c, &q, "}");
		gr_alt(c->g, r, &q);
		rc = r;
	}
	free(m);
	free(isreq);
out:
	jv_free(names);
	jv_free(props);
	jv_free(req);
	jv_free(add);
	return c->failed ? -1 : rc;
}

/* ---- schemas ---- */

static int compile_literals(sc *c, jv s, const char *where)
{
	jv vals = has(s, "const") ? jv_array_append(jv_array(), get(s, "const")) : get(s, "enum");
	if (jv_get_kind(vals) != JV_KIND_ARRAY) {
		jv_free(vals);
		return fail(c, where, "'enum' is not a list");
	}
	int types = types_of(c, s, where);
	if (types < 0)
		return jv_free(vals), -1;
	int r = gr_rule(c->g), n = 0;
	jv_array_foreach(vals, i, v) {
		if (!types || (value_type(v) & types)) {
			gr_seq q = { 0 };
			lit_value(c, &q, v);
			gr_alt(c->g, r, &q);
			n++;
		}
		jv_free(v);
	}
	jv_free(vals);
	if (!n)
		return fail(c, where, "no value of 'enum'/'const' has the schema's type");
	return r;
}

/* The JSON types a schema's documents can have (for oneOf), following $ref. */
static int doc_types(sc *c, jv s, int depth)
{
	if (jv_get_kind(s) != JV_KIND_OBJECT || depth > 32)
		return T_ALL;
	if (has(s, "$ref")) {
		jv r = get(s, "$ref");
		int save = c->failed;
		jv t = jv_get_kind(r) == JV_KIND_STRING ? resolve(c, jv_string_value(r), "") : jv_invalid();
		c->failed = save;
		int m = jv_is_valid(t) ? doc_types(c, t, depth + 1) : T_ALL;
		jv_free(r);
		jv_free(t);
		return m;
	}
	if (has(s, "const") || has(s, "enum")) {
		jv vals = has(s, "const") ? jv_array_append(jv_array(), get(s, "const")) : get(s, "enum");
		int m = 0;
		if (jv_get_kind(vals) == JV_KIND_ARRAY)
			jv_array_foreach(vals, i, v) {
				m |= value_type(v);
				jv_free(v);
			}
		jv_free(vals);
		return m ? m : T_ALL;
	}
	const char *k = has(s, "anyOf") ? "anyOf" : has(s, "oneOf") ? "oneOf" : NULL;
	if (k) {
		jv l = get(s, k);
		int m = 0;
		if (jv_get_kind(l) == JV_KIND_ARRAY)
			jv_array_foreach(l, i, x) {
				m |= doc_types(c, x, depth + 1);
				jv_free(x);
			}
		jv_free(l);
		return m ? m : T_ALL;
	}
	int save = c->failed;
	int m = types_of(c, s, "");
	c->failed = save;
	return m > 0 ? m : T_ALL;
}

static int compile_choice(sc *c, jv s, const char *k, const char *where)
{
	jv l = get(s, k);
	if (jv_get_kind(l) != JV_KIND_ARRAY || !jv_array_length(jv_copy(l))) {
		jv_free(l);
		return fail(c, where, "'%s' is not a non-empty list", k);
	}
	if (!strcmp(k, "oneOf")) {	/* exactly one branch may match: only types that cannot overlap */
		int seen = 0;
		jv_array_foreach(l, i, x) {
			int m = doc_types(c, x, 0);
			if (m & T_INTEGER)
				m |= T_NUMBER;
			if (m & T_NUMBER)
				m |= T_INTEGER;
			jv_free(x);
			if (m & seen) {
				jv_free(l);
				return fail(c, where, "'oneOf' with branches that may overlap is not supported "
					    "(only branches of different JSON types)");
			}
			seen |= m;
		}
	}
	int r = gr_rule(c->g);
	char w[1024];
	jv_array_foreach(l, i, x) {
		snprintf(w, sizeof w, "%s/%s/%d", where, k, i);
		int a = compile(c, x, w);
		jv_free(x);
		if (a < 0)
			break;
		gr_alt_ref(c->g, r, a);
	}
	jv_free(l);
	return c->failed ? -1 : r;
}

static int compile(sc *c, jv s, const char *where)
{
	if (c->failed)
		return -1;
	if (jv_get_kind(s) == JV_KIND_TRUE)
		return any_value(c);
	if (jv_get_kind(s) == JV_KIND_FALSE)
		return fail(c, where, "the schema 'false' (no document is valid) cannot be generated");
	if (jv_get_kind(s) != JV_KIND_OBJECT)
		return fail(c, where, "a schema is an object or a boolean");
	if (has(s, "$ref")) {
		if (check_keys(c, s, where, (const char *[]){ "$ref", NULL }, "'$ref'"))
			return -1;
		jv r = get(s, "$ref");
		int x = jv_get_kind(r) == JV_KIND_STRING ? compile_ref(c, jv_string_value(r), where)
							  : fail(c, where, "'$ref' is not a string");
		jv_free(r);
		return x;
	}
	if (has(s, "enum") || has(s, "const")) {
		if (check_keys(c, s, where, (const char *[]){ "enum", "const", "type", NULL }, "'enum'/'const'"))
			return -1;
		return compile_literals(c, s, where);
	}
	const char *choice = has(s, "anyOf") ? "anyOf" : has(s, "oneOf") ? "oneOf" : NULL;
	if (choice) {
		if (check_keys(c, s, where, (const char *[]){ choice, NULL }, choice[0] == 'a' ? "'anyOf'" : "'oneOf'"))
			return -1;
		return compile_choice(c, s, choice, where);
	}
	if (has(s, "allOf")) {
		jv l = get(s, "allOf");
		int x;
		if (check_keys(c, s, where, (const char *[]){ "allOf", NULL }, "'allOf'"))
			x = -1;
		else if (jv_get_kind(l) != JV_KIND_ARRAY || jv_array_length(jv_copy(l)) != 1)
			x = fail(c, where, "'allOf' of more than one schema is not supported");
		else {
			jv one = jv_array_get(jv_copy(l), 0);
			char w[1024];
			snprintf(w, sizeof w, "%s/allOf/0", where);
			x = compile(c, one, w);
			jv_free(one);
		}
		jv_free(l);
		return x;
	}
	const char *all[32];
	int na = 0;
	all[na++] = "type";
	const char **groups[] = { kw_object, kw_array, kw_string, kw_number };
	for (int i = 0; i < 4; i++)
		for (const char **k = groups[i]; *k; k++)
			all[na++] = *k;
	all[na] = NULL;
	if (check_keys(c, s, where, all, NULL))
		return -1;
	int types = types_of(c, s, where);
	if (types < 0)
		return -1;
	if (!types) {	/* no "type": the keywords say which, or any value */
		static const int tmask[] = { T_OBJECT, T_ARRAY, T_STRING, T_NUMBER };
		int n = 0;
		for (int i = 0; i < 4; i++)
			for (const char **k = groups[i]; *k; k++)
				if (has(s, *k)) {
					types |= tmask[i];
					n++;
					break;
				}
		if (n > 1)
			return fail(c, where, "keywords of several types without 'type' are not supported");
		if (!types)
			return any_value(c);
	}
	if ((types & T_INTEGER) && (types & T_NUMBER))
		types &= ~T_INTEGER;	/* a number covers the integers */
	int r = gr_rule(c->g);
	for (int b = 1; b <= T_NUMBER && !c->failed; b <<= 1) {
		if (!(types & b))
			continue;
		int x;
		gr_seq q = { 0 };
		switch (b) {
		case T_NULL: x = gr_lit_rule(c->g, "null", 4); break;
		case T_BOOL:
			x = gr_lit_rule(c->g, "true", 4);
			lit(c, &q, "false");
			gr_alt(c->g, x, &q);
			break;
		case T_OBJECT: x = compile_object(c, s, where); break;
		case T_ARRAY: x = compile_array(c, s, where); break;
		case T_STRING: x = compile_string(c, s, where); break;
		default: x = compile_numeric(c, s, b == T_INTEGER, where); break;
		}
		if (x < 0)
			return -1;
		gr_seq_ref(&q, x);
		gr_alt(c->g, r, &q);
	}
	return c->failed ? -1 : r;
}

int gs_compile(grammar *g, jv schema, const gs_opts *o, char *err, size_t errsz)
{
	sc c = { .g = g, .root = schema, .ws_any = o && o->ws_any, .err = err, .errsz = errsz,
		 .r_value = -1, .r_string = -1, .r_char = -1, .r_number = -1, .r_integer = -1,
		 .r_digit = -1, .r_ws = -1 };
	int body = compile(&c, schema, "#");
	int r = -1;
	if (body >= 0) {	/* with any whitespace, also around the document */
		r = gr_rule(g);
		gr_seq q = { 0 };
		if (c.ws_any)
			gr_seq_ref(&q, ws_rule(&c));
		gr_seq_ref(&q, body);
		if (c.ws_any)
			gr_seq_ref(&q, ws_rule(&c));
		gr_alt(g, r, &q);
	}
	for (int i = 0; i < c.nrefs; i++)
		free(c.refs[i].ptr);
	free(c.refs);

	return c.failed ? -1 : r;
}

gm *gs_load(jv schema, const gs_opts *o, char *err, size_t errsz)
{
	grammar *g = gr_new();
	int root = gs_compile(g, schema, o, err, errsz);
	if (root < 0 || gr_finish(g, root, err, errsz)) {
		gr_free(g);
		return NULL;
	}
	return gm_new(g);
}

gm *gs_any_json(const gs_opts *o, char *err, size_t errsz)
{
	jv t = jv_true();
	gm *m = gs_load(t, o, err, errsz);
	jv_free(t);
	return m;
}

gm *gs_load_file(const char *path, const gs_opts *o, char *err, size_t errsz)
{
	size_t n;
	char *t = gr_read_file(path, &n, err, errsz);
	if (!t)
		return NULL;
	jv s = jv_parse_sized(t, (int)n);
	free(t);
	if (!jv_is_valid(s)) {
		jv m = jv_invalid_get_msg(s);
		snprintf(err, errsz, "%s: not JSON: %s", path, jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "?");
		jv_free(m);
		return NULL;
	}
	char e[512];
	gm *m = gs_load(s, o, e, sizeof e);
	jv_free(s);
	if (!m)
		snprintf(err, errsz, "%s: %s", path, e);
	return m;
}
