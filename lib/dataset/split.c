/* split.c — see split.h. Maps from group names to counts are jv objects:
 * hashed, and their keys come back sorted, which the stats table wants. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jv.h>
#include "base/hash.h"
#include "dataset/split.h"
#include "base/diag.h"

const char *const split_names[SPLIT_N] = { "train", "val", "test" };

int split_index(const char *name)
{
	for (int i = 0; i < SPLIT_N; i++)
		if (name && !strcmp(name, split_names[i]))
			return i;
	return -1;
}

int split_parse_ratios(const char *s, double r[SPLIT_N])
{
	double sum = 0;
	const char *p = s;
	for (int i = 0; i < SPLIT_N; i++) {
		char *end;
		errno = 0;
		r[i] = strtod(p, &end);
		if (end == p || errno || !isfinite(r[i]) || r[i] < 0)
			return -1;
		sum += r[i];
		p = end;
		if (i < SPLIT_N - 1 && *p++ != ',')
			return -1;
	}
	if (*p || sum <= 0)
		return -1;
	for (int i = 0; i < SPLIT_N; i++)
		r[i] /= sum;
	return 0;
}

uint64_t split_hash(unsigned long seed, const char *key)
{
	char s[24];
	snprintf(s, sizeof s, "%lu", seed);
	size_t ns = strlen(s) + 1, nk = strlen(key);	/* the NUL separates seed and key */
	char stackbuf[512], *buf = ns + nk <= sizeof stackbuf ? stackbuf : malloc(ns + nk);
	if (!buf)
		ls_oom();
	memcpy(buf, s, ns);
	memcpy(buf + ns, key, nk);
	uint64_t h = hash64(buf, ns + nk);
	if (buf != stackbuf)
		free(buf);
	return h;
}

double split_unit(unsigned long seed, const char *key)
{
	return (double)(split_hash(seed, key) >> 11) / 9007199254740992.0;	/* 2^53 */
}

int split_assign(const double r[SPLIT_N], unsigned long seed, const char *group)
{
	double u = split_unit(seed, group), cum = 0;
	int last = 0;
	for (int i = 0; i < SPLIT_N; i++) {
		if (r[i] <= 0)
			continue;
		cum += r[i];
		if (u < cum)
			return i;
		last = i;
	}
	return last;	/* u within rounding of 1: the last split that takes any */
}

/* ---- balancing ---------------------------------------------------------- */

struct item { uint64_t rank; size_t group, index; };

struct split_balance {
	long max;
	jv groups;		/* name -> group number */
	struct item *items;
	size_t n, cap;
	unsigned char *kept;	/* by index, after finish */
};

split_balance *split_balance_new(long max_per_group)
{
	split_balance *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->max = max_per_group;
	b->groups = jv_object();
	return b;
}

int split_balance_add(split_balance *b, const char *group, uint64_t rank)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;
		struct item *p = realloc(b->items, cap * sizeof *p);
		if (!p)
			return -1;
		b->items = p;
		b->cap = cap;
	}
	jv g = jv_object_get(jv_copy(b->groups), jv_string(group));
	size_t gi;
	if (jv_get_kind(g) == JV_KIND_NUMBER)
		gi = (size_t)jv_number_value(g);
	else {
		gi = (size_t)jv_object_length(jv_copy(b->groups));
		b->groups = jv_object_set(b->groups, jv_string(group), jv_number(gi));
	}
	jv_free(g);
	b->items[b->n] = (struct item){ rank, gi, b->n };
	b->n++;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;	/* equal ranks: same id twice */
}

void split_balance_finish(split_balance *b)
{
	b->kept = xcalloc(b->n ? b->n : 1, 1);
	qsort(b->items, b->n, sizeof *b->items, item_cmp);
	long run = 0;
	for (size_t i = 0; i < b->n; i++) {
		run = i && b->items[i].group == b->items[i - 1].group ? run + 1 : 0;
		if (b->max < 0 || run < b->max)
			b->kept[b->items[i].index] = 1;
	}
}

int split_balance_kept(const split_balance *b, size_t i)
{
	return i < b->n && b->kept && b->kept[i];
}

void split_balance_free(split_balance *b)
{
	if (!b)
		return;
	jv_free(b->groups);
	free(b->items);
	free(b->kept);
	free(b);
}

/* ---- stats -------------------------------------------------------------- */

struct split_stats {
	jv counts[SPLIT_N];	/* group -> [kept, dropped] */
};

split_stats *split_stats_new(void)
{
	split_stats *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	for (int i = 0; i < SPLIT_N; i++)
		s->counts[i] = jv_object();
	return s;
}

void split_stats_add(split_stats *s, int split, const char *group, int kept)
{
	jv k = jv_string(group);
	jv c = jv_object_get(jv_copy(s->counts[split]), jv_copy(k));
	if (jv_get_kind(c) != JV_KIND_ARRAY) {
		jv_free(c);
		c = JV_ARRAY(jv_number(0), jv_number(0));
	}
	int col = kept ? 0 : 1;
	double n = jv_number_value(jv_array_get(jv_copy(c), col));
	c = jv_array_set(c, col, jv_number(n + 1));
	s->counts[split] = jv_object_set(s->counts[split], k, c);
}

static double count_at(jv counts, jv key, int col)
{
	jv c = jv_object_get(jv_copy(counts), key);
	double n = jv_number_value(jv_array_get(c, col));
	return n;
}

int split_stats_write(const split_stats *s, FILE *f, const char *group_label)
{
	/* Width of the group column: the longest name, capped so that one
	 * absurd key does not push the numbers off the screen. */
	int w = (int)strlen(group_label);
	double total[2] = { 0, 0 }, per[SPLIT_N][2];
	for (int i = 0; i < SPLIT_N; i++) {
		per[i][0] = per[i][1] = 0;
		jv keys = jv_keys(jv_copy(s->counts[i]));
		jv_array_foreach(keys, j, k) {
			int len = jv_string_length_bytes(jv_copy(k));
			if (len > w)
				w = len > 60 ? 60 : len;
			per[i][0] += count_at(s->counts[i], jv_copy(k), 0);
			per[i][1] += count_at(s->counts[i], k, 1);
		}
		jv_free(keys);
		total[0] += per[i][0];
		total[1] += per[i][1];
	}
	fprintf(f, "%-5s  %-*s  %8s  %7s  %8s\n", "split", w, group_label, "records", "share", "dropped");
	for (int i = 0; i < SPLIT_N; i++) {
		jv keys = jv_keys(jv_copy(s->counts[i]));
		jv_array_foreach(keys, j, k) {
			double kept = count_at(s->counts[i], jv_copy(k), 0);
			double dropped = count_at(s->counts[i], jv_copy(k), 1);
			fprintf(f, "%-5s  %-*.*s  %8.0f  %6.1f%%  %8.0f\n", split_names[i], w, w,
				jv_string_value(k), kept, per[i][0] ? 100 * kept / per[i][0] : 0.0, dropped);
			jv_free(k);
		}
		jv_free(keys);
		fprintf(f, "%-5s  %-*s  %8.0f  %6.1f%%  %8.0f\n", split_names[i], w, "(all)",
			per[i][0], total[0] ? 100 * per[i][0] / total[0] : 0.0, per[i][1]);
	}
	fprintf(f, "%-5s  %-*s  %8.0f  %6.1f%%  %8.0f\n", "all", w, "(all)", total[0],
		total[0] ? 100.0 : 0.0, total[1]);
	return ferror(f) ? -1 : 0;
}

void split_stats_largest(const split_stats *s, const char **group, double *n, double *total)
{
	*group = NULL;
	*n = *total = 0;
	for (int i = 0; i < SPLIT_N; i++)
		for (int it = jv_object_iter(s->counts[i]); jv_object_iter_valid(s->counts[i], it);
		     it = jv_object_iter_next(s->counts[i], it)) {
			jv c = jv_object_iter_value(s->counts[i], it), k = jv_object_iter_key(s->counts[i], it);
			double m = jv_number_value(jv_array_get(jv_copy(c), 0)) + jv_number_value(jv_array_get(jv_copy(c), 1));
			*total += m;
			if (m > *n || (m == *n && *group && strcmp(jv_string_value(k), *group) < 0)) {
				*n = m;
				*group = jv_string_value(k);	/* the object keeps the key alive */
			}
			jv_free(c);
			jv_free(k);
		}
}

void split_stats_free(split_stats *s)
{
	if (!s)
		return;
	for (int i = 0; i < SPLIT_N; i++)
		jv_free(s->counts[i]);
	free(s);
}
