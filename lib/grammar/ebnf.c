/* grammar/ebnf.c — the EBNF reader (see ebnf.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/strbuf.h"
#include "grammar/ebnf.h"
#include "grammar/regex.h"

typedef struct {
	grammar *g;
	const char *p, *text;
	char *err;
	size_t errsz;
	int failed;
} rd;

static int line_of(rd *r)
{
	int n = 1;
	for (const char *q = r->text; q < r->p; q++)
		n += *q == '\n';
	return n;
}

static int fail(rd *r, const char *msg)
{
	if (!r->failed)
		snprintf(r->err, r->errsz, "%d: %s", line_of(r), msg);
	r->failed = 1;
	return -1;
}

static void skip(rd *r)	/* blanks, newlines, comments */
{
	for (;;) {
		while (isspace((unsigned char)*r->p))
			r->p++;
		if (*r->p != '#')
			return;
		while (*r->p && *r->p != '\n')
			r->p++;
	}
}

static int is_name(int c) { return isalnum(c) || c == '_' || c == '-'; }

/* At NAME ::= ? */
static int at_rule_head(const char *p)
{
	if (!is_name((unsigned char)*p))
		return 0;
	while (is_name((unsigned char)*p))
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return !strncmp(p, "::=", 3);
}

static int hexval(rd *r, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, r->p++) {
		int c = (unsigned char)*r->p;
		int d = isdigit(c) ? c - '0' : isxdigit(c) ? (c | 32) - 'a' + 10 : -1;
		if (d < 0)
			return fail(r, "bad hex escape");
		v = v * 16 + d;
	}
	return v;
}

static void put_utf8(sb *o, unsigned c)
{
	char b[4];
	int n = c < 0x80 ? (b[0] = c, 1) : c < 0x800 ? (b[0] = 0xc0 | c >> 6, b[1] = 0x80 | (c & 63), 2)
		: (b[0] = 0xe0 | c >> 12, b[1] = 0x80 | (c >> 6 & 63), b[2] = 0x80 | (c & 63), 3);
	sb_put(o, b, n);
}

static int literal(rd *r)
{
	sb o = { 0 };
	r->p++;	/* the opening quote */
	while (*r->p && *r->p != '"') {
		if (*r->p == '\n') {
			free(o.b);
			return fail(r, "a literal without its closing quote");
		}
		if (*r->p != '\\') {
			sb_put(&o, r->p++, 1);
			continue;
		}
		r->p++;
		char e = *r->p++;
		int v = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == '\\' ? '\\' : e == '"' ? '"'
			: e == 'x' ? hexval(r, 2) : e == 'u' ? hexval(r, 4) : -2;
		if (v == -2) {
			free(o.b);
			return fail(r, "unknown escape in a literal");
		}
		if (v < 0) {
			free(o.b);
			return -1;
		}
		if (e == 'u')
			put_utf8(&o, v);
		else {
			char ch = (char)v;
			sb_put(&o, &ch, 1);
		}
	}
	if (*r->p != '"') {
		free(o.b);
		return fail(r, "a literal without its closing quote");
	}
	r->p++;
	int x = gr_lit_rule(r->g, o.b ? o.b : "", o.n);
	free(o.b);
	return x;
}

/* [class] or ".": one character, through the regex compiler */
static int charclass(rd *r)
{
	const char *s = r->p;
	if (*r->p == '.')
		r->p++;
	else {
		r->p++;
		if (*r->p == '^')
			r->p++;
		if (*r->p == ']')
			r->p++;
		while (*r->p && *r->p != ']' && *r->p != '\n')
			r->p += *r->p == '\\' && r->p[1] ? 2 : 1;
		if (*r->p != ']')
			return fail(r, "a class without ']'");
		r->p++;
	}
	sb pat = { 0 };
	sb_puts(&pat, "^");
	sb_put(&pat, s, r->p - s);
	sb_puts(&pat, "$");
	char e[256];
	int x = gr_regex(r->g, pat.b, 0, e, sizeof e);
	free(pat.b);
	if (x < 0)
		return fail(r, e);
	return x;
}

static int alternatives(rd *r);

static int item(rd *r)
{
	skip(r);
	int x;
	char c = *r->p;
	if (c == '"')
		x = literal(r);
	else if (c == '[' || c == '.')
		x = charclass(r);
	else if (c == '(') {
		r->p++;
		x = alternatives(r);
		skip(r);
		if (x >= 0 && *r->p != ')')
			return fail(r, "a group without ')'");
		r->p++;
	} else if (is_name((unsigned char)c)) {
		const char *s = r->p;
		while (is_name((unsigned char)*r->p))
			r->p++;
		char *name = strndup(s, r->p - s);
		x = gr_named(r->g, name);
		free(name);
	} else
		return fail(r, "expected a literal, a class, a rule name or a group");
	int mn, mx, q;
	while (x >= 0 && (q = gr_quantifier(&r->p, &mn, &mx)) != 0) {
		if (q < 0)
			return fail(r, "a bad {n,m} (at most 1000)");
		x = gr_repeat(r->g, x, mn, mx);
	}
	return x;
}

static int sequence(rd *r)
{
	int rule = gr_rule(r->g);
	gr_seq s = { 0 };
	for (;;) {
		skip(r);
		if (!*r->p || *r->p == '|' || *r->p == ')' || at_rule_head(r->p))
			break;
		int x = item(r);
		if (x < 0) {
			free(s.el);
			return -1;
		}
		gr_seq_ref(&s, x);
	}
	gr_alt(r->g, rule, &s);
	return rule;
}

static int alternatives(rd *r)
{
	int rule = gr_rule(r->g);
	for (;;) {
		int x = sequence(r);
		if (x < 0)
			return -1;
		gr_alt_ref(r->g, rule, x);
		if (*r->p != '|')
			return rule;
		r->p++;
	}
}

gm *ge_load(const char *text, char *err, size_t errsz)
{
	rd r = { .g = gr_new(), .p = text, .text = text, .err = err, .errsz = errsz };
	for (;;) {
		skip(&r);
		if (!*r.p)
			break;
		if (!at_rule_head(r.p)) {
			fail(&r, "expected NAME ::=");
			break;
		}
		const char *s = r.p;
		while (is_name((unsigned char)*r.p))
			r.p++;
		char *name = strndup(s, r.p - s);
		int rule = gr_named(r.g, name);
		free(name);
		if (r.g->defined[rule]) {
			fail(&r, "a rule defined twice");
			break;
		}
		r.p = strstr(r.p, "::=") + 3;
		int body = alternatives(&r);
		if (body < 0)
			break;
		if (*r.p == ')') {
			fail(&r, "an unmatched ')'");
			break;
		}
		gr_alt_ref(r.g, rule, body);
	}
	if (!r.failed) {
		char e[256];
		int root = -1;
		for (int i = 0; i < r.g->nrules; i++)
			if (r.g->name[i] && !strcmp(r.g->name[i], "root"))
				root = i;
		if (root < 0)
			snprintf(err, errsz, "no rule 'root'"), r.failed = 1;
		else if (gr_finish(r.g, root, e, sizeof e))
			snprintf(err, errsz, "%s", e), r.failed = 1;
	}
	if (r.failed) {
		gr_free(r.g);
		return NULL;
	}
	return gm_new(r.g);
}

gm *ge_load_file(const char *path, char *err, size_t errsz)
{
	size_t n;
	char *t = gr_read_file(path, &n, err, errsz);
	if (!t)
		return NULL;
	char e[512];
	gm *m = ge_load(t, e, sizeof e);
	free(t);
	if (!m)
		snprintf(err, errsz, "%s:%s", path, e);
	return m;
}
