/* grammar/tokmask.c — token trie, per-position sets, per-state masks (see tokmask.h). */
#include <stdlib.h>
#include <string.h>
#include "base/grow.h"
#include "grammar/tokmask.h"

struct gv {
	int V;
	char *bytes;		/* every token's bytes */
	size_t *off;		/* per id; len[id] < 0: not in the trie */
	int32_t *len;
	int nnodes, maxdepth;
	uint8_t *byte;		/* per node: the byte on its edge */
	int32_t *depth, *end;	/* depth (1 under the root); end of its subtree (exclusive) */
	int32_t *tok_first, *tok_n;	/* the ids ending here: toks[tok_first .. +tok_n) */
	int32_t *some;		/* an id under the node, for its prefix */
	int32_t *toks;
};

static const gv *sort_v;
static int by_bytes(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	size_t lx = sort_v->len[x], ly = sort_v->len[y];
	int c = memcmp(sort_v->bytes + sort_v->off[x], sort_v->bytes + sort_v->off[y], lx < ly ? lx : ly);
	if (c)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return (x > y) - (x < y);
}

gv *gv_new(const tokenizer *t)
{
	gv *v = calloc(1, sizeof *v);
	v->V = (int)tok_vocab_size(t);
	v->off = malloc(sizeof *v->off * v->V);
	v->len = malloc(sizeof *v->len * v->V);
	size_t total = 0, n;
	int ntok = 0;
	for (int id = 0; id < v->V; id++) {
		const char *p = tok_token_bytes(t, id, &n);
		v->len[id] = p && n && !tok_is_special(t, id) ? (int32_t)n : -1;
		if (v->len[id] > 0)
			total += n, ntok++;
	}
	v->bytes = malloc(total + 1);
	int32_t *order = malloc(sizeof *order * (ntok + 1));
	total = 0, ntok = 0;
	for (int id = 0; id < v->V; id++) {
		v->off[id] = total;
		if (v->len[id] <= 0)
			continue;
		const char *p = tok_token_bytes(t, id, &n);
		memcpy(v->bytes + total, p, n);
		total += n;
		order[ntok++] = id;
	}
	sort_v = v;	/* qsort has no context argument */
	qsort(order, ntok, sizeof *order, by_bytes);
	/* nodes, at most one per byte */
	size_t cap = total + 1;
	v->byte = malloc(cap);
	v->depth = malloc(sizeof *v->depth * cap);
	v->end = malloc(sizeof *v->end * cap);
	v->tok_first = malloc(sizeof *v->tok_first * cap);
	v->tok_n = calloc(cap, sizeof *v->tok_n);
	v->some = malloc(sizeof *v->some * cap);
	v->toks = malloc(sizeof *v->toks * (ntok + 1));
	int maxd = 1;
	for (int i = 0; i < ntok; i++)
		if (v->len[order[i]] > maxd)
			maxd = v->len[order[i]];
	v->maxdepth = maxd;
	int32_t *path = malloc(sizeof *path * (maxd + 1));
	int top = 0, prev = -1;	/* path[1..top]: the nodes of the previous token */
	for (int i = 0; i < ntok; i++) {
		int id = order[i], L = v->len[id];
		const char *b = v->bytes + v->off[id];
		int d = 0;
		if (prev >= 0) {
			const char *pb = v->bytes + v->off[prev];
			int pl = v->len[prev];
			while (d < L && d < pl && b[d] == pb[d])
				d++;
		}
		for (; top > d; top--)
			v->end[path[top]] = v->nnodes;
		for (int k = d; k < L; k++) {
			int x = v->nnodes++;
			v->byte[x] = (uint8_t)b[k];
			v->depth[x] = k + 1;
			v->tok_first[x] = i;
			v->some[x] = id;
			path[++top] = x;
		}
		int x = path[L];
		if (!v->tok_n[x])
			v->tok_first[x] = i;
		v->tok_n[x]++;
		v->toks[i] = id;
		prev = id;
	}
	for (; top > 0; top--)
		v->end[path[top]] = v->nnodes;
	free(path);
	free(order);
	return v;
}

void gv_free(gv *v)
{
	if (!v)
		return;
	free(v->bytes);
	free(v->off);
	free(v->len);
	free(v->byte);
	free(v->depth);
	free(v->end);
	free(v->tok_first);
	free(v->tok_n);
	free(v->some);
	free(v->toks);
	free(v);
}

int gv_size(const gv *v) { return v->V; }
size_t gv_nodes(const gv *v) { return v->nnodes; }

const char *gv_bytes(const gv *v, int32_t id, size_t *len)
{
	if (id < 0 || id >= v->V || v->len[id] <= 0)
		return NULL;
	*len = v->len[id];
	return v->bytes + v->off[id];
}

/* ---- masks ---- */

typedef struct {
	int done;
	uint64_t *bits;		/* accepted, as a bitset when many */
	int32_t *acc;		/* or as a list */
	int nacc, capacc;
	int32_t *und;		/* undecided subtrees (trie nodes) */
	int nund, capund;
} ci;

#define CACHE_MAX 2048	/* masks kept (about 19 KB each for 151k tokens) */

struct gk {
	gm *m;
	const gv *v;
	int words;
	ci *pos;		/* per code position */
	int32_t *st;		/* walk states by depth */
	uint64_t *mask;		/* the mask being built */
	uint64_t **cache;	/* per state: its mask, or NULL */
	uint8_t *cache_complete;
	int capcache, ncached;
	gk_stats stats;
};

gk *gk_new(gm *m, const gv *v)
{
	gk *k = calloc(1, sizeof *k);
	k->m = m;
	k->v = v;
	k->words = (v->V + 63) / 64;
	k->pos = calloc(gm_grammar(m)->ncode + 1, sizeof *k->pos);
	k->st = malloc(sizeof *k->st * (v->maxdepth + 2));
	k->mask = malloc(sizeof *k->mask * k->words);
	return k;
}

static void cache_clear(gk *k)
{
	for (int i = 0; i < k->capcache; i++) {
		free(k->cache[i]);
		k->cache[i] = NULL;
	}
	k->ncached = 0;
}

void gk_free(gk *k)
{
	if (!k)
		return;
	for (int i = 0; i <= gm_grammar(k->m)->ncode; i++) {
		free(k->pos[i].bits);
		free(k->pos[i].acc);
		free(k->pos[i].und);
	}
	cache_clear(k);
	free(k->cache);
	free(k->cache_complete);
	free(k->pos);
	free(k->st);
	free(k->mask);
	free(k);
}

/* Walk the trie nodes [lo, hi) (siblings under one parent and their
 * subtrees) from state s at the parent. Allowed tokens go to out (bitset)
 * or, with c, to c's lists; with c, a node whose state has left the
 * position's rule (GM_BOTTOM) is recorded as undecided and not entered. */
static void walk(gk *k, int lo, int hi, int s, uint64_t *out, ci *c)
{
	const gv *v = k->v;
	int base = v->depth[lo] - 1;
	k->st[base] = s;
	for (int i = lo; i < hi;) {
		int d = v->depth[i];
		int t = gm_step(k->m, k->st[d - 1], v->byte[i]);
		if (t == GM_DEAD) {
			i = v->end[i];
			continue;
		}
		if (c && gm_has_bottom(k->m, t)) {
			LS_GROW(c->und, c->nund, c->capund, 16);
			c->und[c->nund++] = i;
			i = v->end[i];
			continue;
		}
		k->st[d] = t;
		for (int j = 0; j < v->tok_n[i]; j++) {
			int32_t id = v->toks[v->tok_first[i] + j];
			if (out)
				out[id >> 6] |= 1ULL << (id & 63);
			else {
				LS_GROW(c->acc, c->nacc, c->capacc, 64);
				c->acc[c->nacc++] = id;
			}
		}
		i++;
	}
}

static ci *position(gk *k, int pos)
{
	ci *c = &k->pos[pos];
	if (c->done)
		return c;
	c->done = 1;
	walk(k, 0, k->v->nnodes, gm_scoped(k->m, pos), NULL, c);
	if (c->nacc > k->words) {	/* a bitset is smaller than the list */
		c->bits = calloc(k->words, sizeof *c->bits);
		for (int i = 0; i < c->nacc; i++)
			c->bits[c->acc[i] >> 6] |= 1ULL << (c->acc[i] & 63);
		free(c->acc);
		c->acc = NULL;
	}
	k->stats.positions++;
	k->stats.ci_tokens += c->nacc;
	k->stats.undecided += c->nund;
	return c;
}

void gk_precompute(gk *k)
{
	const grammar *g = gm_grammar(k->m);
	for (int p = 0; p < g->ncode; p++)
		if (g->code[p] <= -2)
			position(k, p);
}

const uint64_t *gk_mask(gk *k, int state, int *complete)
{
	k->stats.masks++;
	if (state < k->capcache && k->cache[state]) {
		k->stats.cache_hits++;
		*complete = k->cache_complete[state];
		return k->cache[state];
	}
	const gv *v = k->v;
	uint64_t *mask = k->mask;
	memset(mask, 0, sizeof *mask * k->words);
	int n;
	const int32_t *stk = gm_stacks(k->m, state, &n);
	int32_t stacks[n > 0 ? n : 1];
	memcpy(stacks, stk, sizeof *stacks * n);	/* walks may grow the pool */
	*complete = 0;
	for (int i = 0; i < n; i++) {
		int s = stacks[i];
		if (s == GM_ACCEPT) {
			*complete = 1;
			continue;
		}
		ci *c = position(k, gm_stack_pos(k->m, s));
		if (c->bits)
			for (int w = 0; w < k->words; w++)
				mask[w] |= c->bits[w];
		else
			for (int j = 0; j < c->nacc; j++)
				mask[c->acc[j] >> 6] |= 1ULL << (c->acc[j] & 63);
		if (!c->nund)
			continue;
		int one = gm_stack_state(k->m, s);
		for (int j = 0; j < c->nund; j++) {
			int u = c->und[j];
			int d = v->depth[u];
			int t = gm_walk(k->m, one, v->bytes + v->off[v->some[u]], d - 1);
			if (t != GM_DEAD)
				walk(k, u, v->end[u], t, mask, NULL);
			k->stats.undecided_walks++;
		}
	}
	/* keep it */
	if (state >= k->capcache) {
		int cap = k->capcache ? k->capcache : 1024;
		while (cap <= state)
			cap *= 2;
		k->cache = realloc(k->cache, sizeof *k->cache * cap);
		k->cache_complete = realloc(k->cache_complete, cap);
		memset(k->cache + k->capcache, 0, sizeof *k->cache * (cap - k->capcache));
		k->capcache = cap;
	}
	if (k->ncached >= CACHE_MAX)
		cache_clear(k);
	uint64_t *copy = malloc(sizeof *copy * k->words);
	memcpy(copy, mask, sizeof *copy * k->words);
	k->cache[state] = copy;
	k->cache_complete[state] = (uint8_t)*complete;
	k->ncached++;
	return copy;
}

const uint64_t *gk_mask_shortest(gk *k, int state, int *complete)
{
	const gv *v = k->v;
	memset(k->mask, 0, sizeof *k->mask * k->words);
	int d0 = gm_dist(k->m, state);
	*complete = gm_accepting(k->m, state);
	k->st[0] = state;
	for (int i = 0; i < v->nnodes;) {
		int d = v->depth[i];
		int t = gm_step(k->m, k->st[d - 1], v->byte[i]);
		if (t == GM_DEAD || gm_dist(k->m, t) != d0 - d) {	/* off every shortest path */
			i = v->end[i];
			continue;
		}
		k->st[d] = t;
		for (int j = 0; j < v->tok_n[i]; j++) {
			int32_t id = v->toks[v->tok_first[i] + j];
			k->mask[id >> 6] |= 1ULL << (id & 63);
		}
		i++;
	}
	return k->mask;
}

int gk_advance(gk *k, int state, int32_t id)
{
	size_t n;
	const char *p = gv_bytes(k->v, id, &n);
	return p ? gm_walk(k->m, state, p, n) : GM_DEAD;
}

void gk_get_stats(const gk *k, gk_stats *s) { *s = k->stats; }
