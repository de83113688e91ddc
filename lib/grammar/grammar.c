/* grammar/grammar.c — building, flattening and checking grammars (see grammar.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/grow.h"
#include "base/strbuf.h"
#include "grammar/grammar.h"

grammar *gr_new(void)
{
	grammar *g = calloc(1, sizeof *g);
	if (!g)
		abort();
	g->root = -1;
	memset(g->single, -1, sizeof g->single);
	return g;
}

void gr_free(grammar *g)
{
	if (!g)
		return;
	for (int r = 0; r < g->nrules; r++) {
		free(g->name[r]);
		for (int a = 0; a < g->nalts[r]; a++)
			free(g->alts[r][a].el);
		free(g->alts[r]);
	}
	free(g->name);
	free(g->alts);
	free(g->nalts);
	free(g->capalts);
	free(g->defined);
	free(g->sets);
	free(g->code);
	free(g->alt_off);
	free(g->alt_start);
	free(g);
}

static int new_rule(grammar *g, const char *name)
{
	if (g->nrules == g->caprules) {
		int cap = g->caprules ? g->caprules * 2 : 64;
		g->name = realloc(g->name, cap * sizeof *g->name);
		g->alts = realloc(g->alts, cap * sizeof *g->alts);
		g->nalts = realloc(g->nalts, cap * sizeof *g->nalts);
		g->capalts = realloc(g->capalts, cap * sizeof *g->capalts);
		g->defined = realloc(g->defined, cap * sizeof *g->defined);
		if (!g->name || !g->alts || !g->nalts || !g->capalts || !g->defined)
			abort();
		g->caprules = cap;
	}
	int r = g->nrules++;
	g->name[r] = name ? strdup(name) : NULL;
	g->alts[r] = NULL;
	g->nalts[r] = g->capalts[r] = 0;
	g->defined[r] = 0;
	return r;
}

int gr_named(grammar *g, const char *name)
{
	for (int r = 0; r < g->nrules; r++)
		if (g->name[r] && !strcmp(g->name[r], name))
			return r;
	return new_rule(g, name);
}

int gr_rule(grammar *g) { return new_rule(g, NULL); }

static void push(gr_seq *s, int32_t c)
{
	LS_GROW(s->el, s->n, s->cap, 8);
	s->el[s->n++] = c;
}

/* Byte sets are interned: equal sets share an index. */
static int set_index(grammar *g, const gr_bytes *b)
{
	int one = -1, cnt = 0;
	for (int c = 0; c < 256 && cnt < 2; c++)
		if (gr_bytes_has(b, c))
			one = c, cnt++;
	if (cnt == 1 && g->single[one] >= 0)
		return g->single[one];
	if (cnt != 1)
		for (int i = 0; i < g->nsets; i++)
			if (!memcmp(&g->sets[i], b, sizeof *b))
				return i;
	LS_GROW(g->sets, g->nsets, g->capsets, 64);
	g->sets[g->nsets] = *b;
	if (cnt == 1)
		g->single[one] = g->nsets;
	return g->nsets++;
}

void gr_seq_set(grammar *g, gr_seq *s, const gr_bytes *b) { push(s, GR_SET(set_index(g, b))); }

void gr_seq_range(grammar *g, gr_seq *s, unsigned lo, unsigned hi)
{
	gr_bytes b = { { 0 } };
	gr_bytes_add(&b, lo, hi);
	gr_seq_set(g, s, &b);
}

void gr_seq_lit(grammar *g, gr_seq *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gr_seq_range(g, s, (unsigned char)p[i], (unsigned char)p[i]);
}

void gr_seq_ref(gr_seq *s, int rule) { push(s, rule); }

void gr_alt(grammar *g, int rule, gr_seq *s)
{
	LS_GROW(g->alts[rule], g->nalts[rule], g->capalts[rule], 2);
	g->alts[rule][g->nalts[rule]++] = *s;
	g->defined[rule] = 1;
	memset(s, 0, sizeof *s);
}

void gr_alt_ref(grammar *g, int rule, int x)
{
	gr_seq s = { 0 };
	gr_seq_ref(&s, x);
	gr_alt(g, rule, &s);
}

char *gr_read_file(const char *path, size_t *len, char *err, size_t errsz)
{
	sb t = { 0 };
	if (sb_read_file(&t, path) < 0) {
		free(t.b);
		snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	*len = t.n;
	return t.b ? t.b : strdup("");
}

int gr_lit_rule(grammar *g, const char *p, size_t n)
{
	int r = gr_rule(g);
	gr_seq s = { 0 };
	gr_seq_lit(g, &s, p, n);
	gr_alt(g, r, &s);
	return r;
}

/* x{min,max}: min copies, then a chain of optional ones (or a loop). The
 * loop is right recursive, X* ::= x X* | "", which the matcher runs in
 * constant stack depth (a reference last in its alternative is a tail call). */
int gr_repeat(grammar *g, int x, int min, int max)
{
	int tail = gr_rule(g);
	gr_seq s = { 0 };
	if (max < 0) {
		gr_seq_ref(&s, x);
		gr_seq_ref(&s, tail);
		gr_alt(g, tail, &s);
		gr_alt(g, tail, &s);	/* the empty alternative */
	} else {
		gr_alt(g, tail, &s);	/* empty: no optional copy left */
		for (int i = min; i < max; i++) {
			int r = gr_rule(g);
			gr_seq_ref(&s, x);
			gr_seq_ref(&s, tail);
			gr_alt(g, r, &s);
			gr_alt(g, r, &s);
			tail = r;
		}
	}
	if (min == 0)
		return tail;
	int r = gr_rule(g);
	for (int i = 0; i < min; i++)
		gr_seq_ref(&s, x);
	gr_seq_ref(&s, tail);
	gr_alt(g, r, &s);
	return r;
}

/* ---- code points as UTF-8 byte ranges (the split of RE2 and Rust's regex) ---- */

static int utf8_put(unsigned char *o, uint32_t c)
{
	if (c < 0x80)
		return o[0] = c, 1;
	if (c < 0x800)
		return o[0] = 0xc0 | c >> 6, o[1] = 0x80 | (c & 63), 2;
	if (c < 0x10000)
		return o[0] = 0xe0 | c >> 12, o[1] = 0x80 | (c >> 6 & 63), o[2] = 0x80 | (c & 63), 3;
	o[0] = 0xf0 | c >> 18, o[1] = 0x80 | (c >> 12 & 63), o[2] = 0x80 | (c >> 6 & 63), o[3] = 0x80 | (c & 63);
	return 4;
}

static void cp_split(grammar *g, int rule, uint32_t lo, uint32_t hi)
{
	static const uint32_t bound[] = { 0x7f, 0x7ff, 0xffff };
	if (lo > hi)
		return;
	if (lo <= 0xdfff && hi >= 0xd800) {	/* surrogates are not characters */
		if (lo < 0xd800)
			cp_split(g, rule, lo, 0xd7ff);
		if (hi > 0xdfff)
			cp_split(g, rule, 0xe000, hi);
		return;
	}
	for (int i = 0; i < 3; i++)
		if (lo <= bound[i] && hi > bound[i]) {
			cp_split(g, rule, lo, bound[i]);
			cp_split(g, rule, bound[i] + 1, hi);
			return;
		}
	unsigned char a[4], b[4];
	int n = utf8_put(a, lo);
	for (int i = 1; i < n; i++) {
		uint32_t m = (1u << (6 * i)) - 1;
		if ((lo & ~m) != (hi & ~m)) {
			if (lo & m) {
				cp_split(g, rule, lo, lo | m);
				cp_split(g, rule, (lo | m) + 1, hi);
				return;
			}
			if ((hi & m) != m) {
				cp_split(g, rule, lo, (hi & ~m) - 1);
				cp_split(g, rule, hi & ~m, hi);
				return;
			}
		}
	}
	utf8_put(b, hi);
	gr_seq s = { 0 };
	for (int i = 0; i < n; i++)
		gr_seq_range(g, &s, a[i], b[i]);
	gr_alt(g, rule, &s);
}

int gr_codepoints(grammar *g, const uint32_t *lo, const uint32_t *hi, int n)
{
	int r = gr_rule(g);
	/* one alternative for all the ASCII of the set, so a character class is
	 * one position for the matcher where it can be */
	gr_bytes ascii = { { 0 } };
	int any = 0;
	for (int i = 0; i < n; i++)
		for (uint32_t c = lo[i]; c <= hi[i] && c < 0x80; c++)
			gr_bytes_add(&ascii, c, c), any = 1;
	if (any) {
		gr_seq s = { 0 };
		gr_seq_set(g, &s, &ascii);
		gr_alt(g, r, &s);
	}
	for (int i = 0; i < n; i++)
		if (hi[i] >= 0x80)
			cp_split(g, r, lo[i] < 0x80 ? 0x80 : lo[i], hi[i] > 0x10ffff ? 0x10ffff : hi[i]);
	g->defined[r] = 1;	/* an empty set is a rule that matches nothing */
	return r;
}

/* ---- finishing ---- */

const char *gr_rule_name(const grammar *g, int r, char *buf, size_t n)
{
	if (g->name[r])
		return g->name[r];
	snprintf(buf, n, "<rule %d>", r);
	return buf;
}

/* Left recursion: r reaches itself through the leading (nullable-prefixed)
 * references of its alternatives. DFS with colours over those edges. */
static int left_dfs(const grammar *g, const char *nullable, int r, char *col, int *bad)
{
	col[r] = 1;
	for (int a = 0; a < g->nalts[r]; a++) {
		const gr_seq *s = &g->alts[r][a];
		for (int i = 0; i < s->n && s->el[i] >= 0; i++) {
			int x = s->el[i];
			if (col[x] == 1 || (!col[x] && left_dfs(g, nullable, x, col, bad))) {
				if (*bad < 0)
					*bad = x;
				return 1;
			}
			if (!nullable[x])
				break;
		}
	}
	col[r] = 2;
	return 0;
}

int gr_finish(grammar *g, int root, char *err, size_t errsz)
{
	char nb[32];
	for (int r = 0; r < g->nrules; r++)
		for (int a = 0; a < g->nalts[r]; a++)
			for (int i = 0; i < g->alts[r][a].n; i++) {
				int x = g->alts[r][a].el[i];
				if (x >= 0 && !g->defined[x]) {
					snprintf(err, errsz, "rule '%s' is used but not defined", gr_rule_name(g, x, nb, sizeof nb));
					return -1;
				}
			}
	if (root < 0 || root >= g->nrules || !g->defined[root]) {
		snprintf(err, errsz, "no root rule");
		return -1;
	}
	/* nullable rules, to a fixed point */
	char *nullable = calloc(g->nrules, 1), *col = calloc(g->nrules, 1);
	for (int changed = 1; changed;) {
		changed = 0;
		for (int r = 0; r < g->nrules; r++) {
			if (nullable[r])
				continue;
			for (int a = 0; a < g->nalts[r] && !nullable[r]; a++) {
				const gr_seq *s = &g->alts[r][a];
				int i = 0;
				while (i < s->n && s->el[i] >= 0 && nullable[s->el[i]])
					i++;
				if (i == s->n)
					nullable[r] = 1, changed = 1;
			}
		}
	}
	int bad = -1;
	for (int r = 0; r < g->nrules && bad < 0; r++)
		if (!col[r])
			left_dfs(g, nullable, r, col, &bad);
	free(nullable);
	free(col);
	if (bad >= 0) {
		snprintf(err, errsz, "rule '%s' is left recursive (write it right recursive, or with * or +)",
			 gr_rule_name(g, bad, nb, sizeof nb));
		return -1;
	}
	int nalt = 0, ncode = 0;
	for (int r = 0; r < g->nrules; r++) {
		nalt += g->nalts[r];
		for (int a = 0; a < g->nalts[r]; a++)
			ncode += g->alts[r][a].n + 1;
	}
	g->code = malloc(sizeof *g->code * (ncode + 1));
	g->alt_off = malloc(sizeof *g->alt_off * (g->nrules + 1));
	g->alt_start = malloc(sizeof *g->alt_start * (nalt + 1));
	int k = 0, c = 0;
	for (int r = 0; r < g->nrules; r++) {
		g->alt_off[r] = k;
		for (int a = 0; a < g->nalts[r]; a++) {
			g->alt_start[k++] = c;
			if (g->alts[r][a].n)
				memcpy(g->code + c, g->alts[r][a].el, sizeof *g->code * g->alts[r][a].n);
			c += g->alts[r][a].n;
			g->code[c++] = GR_END;
		}
	}
	g->alt_off[g->nrules] = k;
	g->ncode = c;
	g->root = root;
	return 0;
}
