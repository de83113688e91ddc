/* license.c — see license.h. */
#include "repo/license.h"

#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/diag.h"
#include "base/hash.h"
#include "base/strbuf.h"

typedef struct {
	char id[64];
	uint64_t *grams;	/* sorted, unique */
	size_t n;
} lic;

struct license_db {
	lic *v;		/* full texts: DIR/ID.txt */
	size_t n;
	lic *h;		/* standard notices ("Licensed under the Apache License, ..."): DIR/headers/ID.txt */
	size_t nh;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Does the line (lowercased already) only carry a copyright notice or a title? */
static int skip_line(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	return (n >= 9 && !strncasecmp(s, "copyright", 9)) || (n >= 3 && !strncasecmp(s, "(c)", 3)) ||
	       (n >= 19 && !strncasecmp(s, "all rights reserved", 19));
}

/* Word 3-grams of the normalised text, as sorted unique hashes. */
static uint64_t *shingles(const char *text, size_t len, size_t *count)
{
	size_t cap = 256, nw = 0, ng = 0;
	/* words as (start, length) in a lowercased copy */
	char *low = malloc(len + 1);
	size_t *ws = malloc(sizeof *ws * cap), *wl = malloc(sizeof *wl * cap);
	size_t i = 0;
	while (i < len) {
		const char *eol = memchr(text + i, '\n', len - i);
		size_t end = eol ? (size_t)(eol - text) : len;
		if (!skip_line(text + i, end - i)) {
			size_t j = i;
			while (j < end) {
				while (j < end && !isalnum((unsigned char)text[j]))
					j++;
				size_t k = j;
				while (k < end && isalnum((unsigned char)text[k])) {
					low[k] = (char)tolower((unsigned char)text[k]);
					k++;
				}
				if (k > j) {
					if (nw == cap) {
						cap *= 2;
						ws = realloc(ws, sizeof *ws * cap);
						wl = realloc(wl, sizeof *wl * cap);
					}
					ws[nw] = j;
					wl[nw++] = k - j;
				}
				j = k;
			}
		}
		i = end + 1;
	}
	uint64_t *g = malloc(sizeof *g * (nw > 2 ? nw - 2 : 1));
	for (size_t w = 0; w + 2 < nw; w++) {
		char buf[512];
		int n = snprintf(buf, sizeof buf, "%.*s %.*s %.*s", (int)wl[w], low + ws[w],
				 (int)wl[w + 1], low + ws[w + 1], (int)wl[w + 2], low + ws[w + 2]);
		g[ng++] = hash64(buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1));
	}
	qsort(g, ng, sizeof *g, cmp_u64);
	size_t u = 0;
	for (size_t k = 0; k < ng; k++)
		if (u == 0 || g[u - 1] != g[k])
			g[u++] = g[k];
	free(low);
	free(ws);
	free(wl);
	*count = u;
	return g;
}

static size_t common(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	size_t i = 0, j = 0, c = 0;
	while (i < na && j < nb) {
		if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else
			c++, i++, j++;
	}
	return c;
}

static int cmp_lic(const void *a, const void *b)
{
	return strcmp(((const lic *)a)->id, ((const lic *)b)->id);
}

/* Every ID.txt of dir into *v (sorted by id: readdir order is not stable). */
static void load_dir(const char *dir, lic **v, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".txt") || l - 4 >= sizeof (*v)->id)
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		sb buf = { 0 };
		if (sb_read_file(&buf, path) < 0) {
			free(buf.b);
			continue;
		}
		*v = xrealloc(*v, sizeof **v * (*n + 1));
		lic *L = &(*v)[(*n)++];
		snprintf(L->id, sizeof L->id, "%.*s", (int)(l - 4), e->d_name);
		L->grams = shingles(buf.b ? buf.b : "", buf.n, &L->n);
		free(buf.b);
	}
	closedir(d);
	qsort(*v, *n, sizeof **v, cmp_lic);
}

license_db *license_db_load(const char *dir, char *err, size_t errsz)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errsz, "cannot open licence texts in '%s'", dir);
		return NULL;
	}
	closedir(d);
	license_db *db = xcalloc(1, sizeof *db);
	load_dir(dir, &db->v, &db->n);
	char hdir[4096];
	snprintf(hdir, sizeof hdir, "%s/headers", dir);
	load_dir(hdir, &db->h, &db->nh);
	if (!db->n) {
		snprintf(err, errsz, "no licence texts in '%s'", dir);
		license_db_free(db);
		return NULL;
	}
	return db;
}

void license_db_free(license_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++)
		free(db->v[i].grams);
	for (size_t i = 0; i < db->nh; i++)
		free(db->h[i].grams);
	free(db->v);
	free(db->h);
	free(db);
}

/* The text of v closest to the shingles g (Dice), with its score. */
static const char *closest(const lic *v, size_t n, const uint64_t *g, size_t nd, double *best)
{
	const char *id = "NOASSERTION";
	*best = 0;
	for (size_t i = 0; i < n; i++) {
		if (!nd || !v[i].n)
			continue;
		double dice = 2.0 * (double)common(g, nd, v[i].grams, v[i].n) / (double)(nd + v[i].n);
		if (dice > *best) {
			*best = dice;
			id = v[i].id;
		}
	}
	return id;
}

/* An "SPDX-License-Identifier: EXPR" line: EXPR into out (comment closers
 * and spaces trimmed); 0 when there is none or it is not an expression. */
static int spdx_line(const char *text, size_t n, char *out, size_t outsz)
{
	static const char tag[] = "SPDX-License-Identifier:";
	const char *p = memmem(text, n, tag, sizeof tag - 1);
	if (!p)
		return 0;
	p += sizeof tag - 1;
	const char *end = text + n, *eol = memchr(p, '\n', (size_t)(end - p));
	if (eol)
		end = eol;
	while (p < end && isspace((unsigned char)*p))
		p++;
	const char *q = p;
	while (q < end && (isalnum((unsigned char)*q) || strchr(".-+() ", *q)))
		q++;
	while (q > p && q[-1] == ' ')
		q--;
	if (q == p || (size_t)(q - p) >= outsz)
		return 0;
	snprintf(out, outsz, "%.*s", (int)(q - p), p);
	return 1;
}

const char *license_identify(const license_db *db, const char *text, size_t n, double *score)
{
	static __thread char expr[128];
	if (spdx_line(text, n, expr, sizeof expr)) {
		if (score)
			*score = 1;
		return expr;
	}
	size_t nd;
	uint64_t *g = shingles(text, n, &nd);
	double best;
	const char *id = closest(db->v, db->n, g, nd, &best);
	/* Not a whole licence text: the standard notice that points to one
	 * ("Licensed under the Apache License, ..."), with little else (a title
	 * and copyright lines, say). The notices are near one another (GPL,
	 * LGPL, AGPL): the closest by the same Dice wins. */
	if (best < LICENSE_THRESHOLD) {
		double best_h;
		const char *id_h = closest(db->h, db->nh, g, nd, &best_h);
		if (best_h >= LICENSE_THRESHOLD)
			best = best_h, id = id_h;
	}
	free(g);
	if (best < LICENSE_THRESHOLD)
		id = "NOASSERTION";
	if (score)
		*score = best;
	return id;
}

int license_filename(const char *b)
{
	static const char *const stems[] = { "license", "licence", "copying", "unlicense", "copyright" };
	for (size_t i = 0; i < sizeof stems / sizeof *stems; i++) {
		size_t l = strlen(stems[i]);
		if (!strncasecmp(b, stems[i], l) && (b[l] == 0 || b[l] == '.' || b[l] == '-' || b[l] == '_'))
			return 1;
	}
	return 0;
}
