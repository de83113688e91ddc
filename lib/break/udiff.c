/* udiff.c — see udiff.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "break/udiff.h"
#include "base/strbuf.h"

typedef struct { const char *s; int n; } line;

/* Lines of t, each without its newline; *last_nl: t ends with a newline. */
static line *split(const char *t, int *count, int *last_nl)
{
	int cap = 16, n = 0;
	line *l = malloc(sizeof *l * (size_t)cap);
	const char *s = t;
	while (*s) {
		const char *e = strchr(s, '\n');
		int len = e ? (int)(e - s) : (int)strlen(s);
		if (n == cap)
			l = realloc(l, sizeof *l * (size_t)(cap *= 2));
		l[n++] = (line){ s, len };
		s += len + (e ? 1 : 0);
	}
	*count = n;
	*last_nl = !*t || t[strlen(t) - 1] == '\n';
	return l;
}

static int same(line x, line y) { return x.n == y.n && !memcmp(x.s, y.s, (size_t)x.n); }

typedef struct { char op; int a, b; } step;	/* ' ', '-' or '+'; line indexes */

static void put_line(sb *o, char op, line l, int no_nl)
{
	sb_put(o, &op, 1);
	sb_put(o, l.s, (size_t)l.n);
	sb_puts(o, no_nl ? "\n\\ No newline at end of file\n" : "\n");
}

char *udiff(const char *a, const char *b, const char *name, int first, int context)
{
	int na, nb, nla, nlb;
	line *la = split(a, &na, &nla), *lb = split(b, &nb, &nlb);
	int head = 0, tail = 0;
	while (head < na && head < nb && same(la[head], lb[head]))
		head++;
	/* a last line that differs only in its newline is a change */
	while (tail < na - head && tail < nb - head && same(la[na - 1 - tail], lb[nb - 1 - tail]) &&
	       (tail > 0 || nla == nlb))
		tail++;
	if (head == na && head == nb && nla == nlb) {
		free(la);
		free(lb);
		return strdup("");
	}
	if (head == na && head == nb)	/* only the final newline differs */
		head--, tail = 0;
	int ma = na - head - tail, mb = nb - head - tail;
	step *st = malloc(sizeof *st * (size_t)(na + nb + 1));
	int ns = 0;
	for (int i = 0; i < head; i++)
		st[ns++] = (step){ ' ', i, i };
	if ((long)(ma + 1) * (mb + 1) <= 4L << 20) {
		/* L[i][j]: LCS length of the middles' suffixes from i and j */
		int *L = calloc((size_t)(ma + 1) * (size_t)(mb + 1), sizeof *L);
#define AT(i, j) L[(size_t)(i) * (size_t)(mb + 1) + (size_t)(j)]
		for (int i = ma - 1; i >= 0; i--)
			for (int j = mb - 1; j >= 0; j--)
				AT(i, j) = same(la[head + i], lb[head + j]) ? AT(i + 1, j + 1) + 1
					   : AT(i + 1, j) > AT(i, j + 1) ? AT(i + 1, j) : AT(i, j + 1);
		int i = 0, j = 0;
		while (i < ma || j < mb) {
			if (i < ma && j < mb && same(la[head + i], lb[head + j]))
				st[ns++] = (step){ ' ', head + i++, head + j++ };
			else if (j < mb && (i == ma || AT(i, j + 1) > AT(i + 1, j)))
				st[ns++] = (step){ '+', head + i, head + j++ };
			else
				st[ns++] = (step){ '-', head + i++, head + j };
		}
#undef AT
		free(L);
	} else {
		for (int i = 0; i < ma; i++)
			st[ns++] = (step){ '-', head + i, head };
		for (int j = 0; j < mb; j++)
			st[ns++] = (step){ '+', head + ma, head + j };
	}
	for (int i = 0; i < tail; i++)
		st[ns++] = (step){ ' ', na - tail + i, nb - tail + i };

	sb o = { 0 };
	char hdr[512];
	snprintf(hdr, sizeof hdr, "--- a/%s\n+++ b/%s\n", name, name);
	sb_puts(&o, hdr);
	for (int s = 0; s < ns;) {
		while (s < ns && st[s].op == ' ')
			s++;
		if (s == ns)
			break;
		int from = s - context < 0 ? 0 : s - context, to = s;
		/* extend over changes closer than 2 * context lines */
		for (int k = s; k < ns; k++) {
			if (st[k].op != ' ')
				to = k + 1;
			else if (k - to >= 2 * context)
				break;
		}
		to = to + context > ns ? ns : to + context;
		int ca = 0, cb = 0;
		for (int k = from; k < to; k++)
			ca += st[k].op != '+', cb += st[k].op != '-';
		int sa = st[from].a + first - (ca == 0), sbn = st[from].b + first - (cb == 0);
		/* as GNU diff: a count of one is left out */
		char ra[32], rb[32];
		snprintf(ra, sizeof ra, ca == 1 ? "%d" : "%d,%d", sa, ca);
		snprintf(rb, sizeof rb, cb == 1 ? "%d" : "%d,%d", sbn, cb);
		snprintf(hdr, sizeof hdr, "@@ -%s +%s @@\n", ra, rb);
		sb_puts(&o, hdr);
		for (int k = from; k < to; k++) {
			if (st[k].op == '+')
				put_line(&o, '+', lb[st[k].b], !nlb && st[k].b == nb - 1);
			else
				put_line(&o, st[k].op, la[st[k].a], !nla && st[k].a == na - 1);
		}
		s = to;
	}
	free(st);
	free(la);
	free(lb);
	return o.b;
}
