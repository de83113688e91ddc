/* grammar/match.c — the lazy pushdown automaton (see match.h). */
#include <stdlib.h>
#include <string.h>
#include "base/grow.h"
#include "grammar/match.h"

#define MAX_STACKS 4096	/* stacks in one state: beyond, the grammar is too ambiguous */

/* An open-addressing map from a 64-bit key to an int32 (keys are stored +1,
 * so 0 marks an empty slot). */
typedef struct { uint64_t *k; int32_t *v; size_t mask, n; } map;

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static void map_init(map *m, size_t slots)
{
	m->k = calloc(slots, sizeof *m->k);
	m->v = malloc(slots * sizeof *m->v);
	if (!m->k || !m->v)
		abort();
	m->mask = slots - 1;
	m->n = 0;
}

static void map_free(map *m) { free(m->k); free(m->v); }

static int32_t *map_slot(map *m, uint64_t key, int *found)
{
	size_t i = mix(key) & m->mask;
	while (m->k[i]) {
		if (m->k[i] == key + 1)
			return *found = 1, &m->v[i];
		i = (i + 1) & m->mask;
	}
	*found = 0;
	return &m->v[i];
}

static void map_put(map *m, uint64_t key, int32_t v);

static void map_grow(map *m)
{
	map old = *m;
	map_init(m, (old.mask + 1) * 2);
	for (size_t i = 0; i <= old.mask; i++)
		if (old.k[i])
			map_put(m, old.k[i] - 1, old.v[i]);
	map_free(&old);
}

static void map_put(map *m, uint64_t key, int32_t v)
{
	if ((m->n + 1) * 2 > m->mask + 1)
		map_grow(m);
	size_t i = mix(key) & m->mask;
	while (m->k[i] && m->k[i] != key + 1)
		i = (i + 1) & m->mask;
	if (!m->k[i])
		m->n++;
	m->k[i] = key + 1;
	m->v[i] = v;
}

static int map_get(map *m, uint64_t key, int32_t *v)
{
	int found;
	int32_t *p = map_slot(m, key, &found);
	if (found)
		*v = *p;
	return found;
}

struct gm {
	grammar *g;
	int32_t *npos, *nparent;	/* stacks */
	int nnodes, capnodes;
	map nodes;			/* pos << 32 | parent -> stack */
	uint32_t *soff, *slen;		/* states: their stacks in pool */
	uint64_t *shash;
	int nstates, capstates;
	int32_t *pool;
	size_t npool, cappool;
	map states;			/* content hash -> first state with it (chained by snext) */
	int32_t *snext;
	map trans;			/* state << 8 | byte -> state */
	int32_t *buf;			/* the set being built */
	int nbuf, capbuf;
	int start, overflow;
	int *minrest;			/* per code position: fewest bytes to its alternative's end */
	int *ndist;			/* per stack: fewest bytes to the end of the text, or -1 */
	int capdist;
};

static int node(gm *m, int pos, int parent)
{
	uint64_t key = (uint64_t)(uint32_t)pos << 32 | (uint32_t)parent;
	int32_t v;
	if (map_get(&m->nodes, key, &v))
		return v;
	if (m->nnodes == m->capnodes) {
		m->capnodes *= 2;
		m->npos = realloc(m->npos, sizeof *m->npos * m->capnodes);
		m->nparent = realloc(m->nparent, sizeof *m->nparent * m->capnodes);
		if (!m->npos || !m->nparent)
			abort();
	}
	int id = m->nnodes++;
	m->npos[id] = pos;
	m->nparent[id] = parent;
	map_put(&m->nodes, key, id);
	return id;
}

static void add(gm *m, int32_t stack)
{
	LS_GROW(m->buf, m->nbuf, m->capbuf, 64);
	m->buf[m->nbuf++] = stack;
}

/* Every stack reached from "at code position pos, then parent" without
 * consuming a byte: positions at a byte set, or GM_ACCEPT / GM_BOTTOM. */
static void expand(gm *m, int pos, int parent)
{
	const int32_t *code = m->g->code;
	for (;;) {
		int32_t el = code[pos];
		if (el == GR_END) {
			if (parent == GM_ACCEPT || parent == GM_BOTTOM) {
				add(m, parent);
				return;
			}
			pos = m->npos[parent];	/* return: continue after the reference */
			parent = m->nparent[parent];
			continue;
		}
		if (el >= 0) {
			int cont = code[pos + 1] == GR_END ? parent : node(m, pos + 1, parent);	/* tail call */
			const grammar *g = m->g;
			for (int a = g->alt_off[el]; a < g->alt_off[el + 1]; a++)
				expand(m, g->alt_start[a], cont);
			return;
		}
		add(m, node(m, pos, parent));
		return;
	}
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* Intern m->buf as a state (sorted, without duplicates). */
static int intern(gm *m)
{
	int n = m->nbuf;
	if (n > 1) {
		qsort(m->buf, n, sizeof *m->buf, cmp_i32);
		int k = 1;
		for (int i = 1; i < n; i++)
			if (m->buf[i] != m->buf[k - 1])
				m->buf[k++] = m->buf[i];
		n = k;
	}
	m->nbuf = 0;
	if (n == 0)
		return GM_DEAD;
	if (n > MAX_STACKS) {
		m->overflow = 1;
		return GM_DEAD;
	}
	uint64_t h = 0x9e3779b97f4a7c15ULL * (uint64_t)n;
	for (int i = 0; i < n; i++)
		h = mix(h ^ (uint64_t)(uint32_t)m->buf[i]);
	int32_t first = -1;
	int found;
	int32_t *slot = map_slot(&m->states, h, &found);
	if (found)
		first = *slot;
	for (int s = first; s >= 0; s = m->snext[s])
		if ((int)m->slen[s] == n && !memcmp(m->pool + m->soff[s], m->buf, sizeof *m->buf * n))
			return s;
	if (m->nstates == m->capstates) {
		m->capstates *= 2;
		m->soff = realloc(m->soff, sizeof *m->soff * m->capstates);
		m->slen = realloc(m->slen, sizeof *m->slen * m->capstates);
		m->shash = realloc(m->shash, sizeof *m->shash * m->capstates);
		m->snext = realloc(m->snext, sizeof *m->snext * m->capstates);
		if (!m->soff || !m->slen || !m->shash || !m->snext)
			abort();
	}
	while (m->npool + n > m->cappool) {
		m->cappool *= 2;
		if (!(m->pool = realloc(m->pool, sizeof *m->pool * m->cappool)))
			abort();
	}
	int s = m->nstates++;
	m->soff[s] = m->npool;
	m->slen[s] = n;
	m->shash[s] = h;
	memcpy(m->pool + m->npool, m->buf, sizeof *m->buf * n);
	m->npool += n;
	m->snext[s] = first;
	map_put(&m->states, h, s);
	return s;
}

/* Each rule's shortest derivation (a fixed point), then minrest per position. */
static void shortest(gm *m)
{
	const grammar *g = m->g;
	int *minlen = malloc(sizeof *minlen * (g->nrules + 1));
	for (int r = 0; r < g->nrules; r++)
		minlen[r] = GM_FAR;
	for (int changed = 1; changed;) {
		changed = 0;
		for (int r = 0; r < g->nrules; r++)
			for (int a = g->alt_off[r]; a < g->alt_off[r + 1]; a++) {
				long n = 0;
				for (int p = g->alt_start[a]; g->code[p] != GR_END && n < GM_FAR; p++)
					n += g->code[p] >= 0 ? minlen[g->code[p]] : 1;
				if (n < minlen[r])
					minlen[r] = (int)n, changed = 1;
			}
	}
	m->minrest = malloc(sizeof *m->minrest * (g->ncode + 1));
	for (int p = g->ncode - 1; p >= 0; p--) {
		int32_t c = g->code[p];
		long n = c == GR_END ? 0 : (c >= 0 ? minlen[c] : 1) + (long)m->minrest[p + 1];
		m->minrest[p] = n < GM_FAR ? (int)n : GM_FAR;
	}
	free(minlen);
}

static int node_dist(gm *m, int s)
{
	if (s == GM_ACCEPT || s == GM_BOTTOM)
		return 0;
	if (m->capdist < m->nnodes) {
		int cap = m->nnodes * 2;
		m->ndist = realloc(m->ndist, sizeof *m->ndist * cap);
		for (int i = m->capdist; i < cap; i++)
			m->ndist[i] = -1;
		m->capdist = cap;
	}
	if (m->ndist[s] >= 0)
		return m->ndist[s];
	/* up the stack to a known distance, then back down (no deep recursion) */
	int n = 0, t = s;
	while (t != GM_ACCEPT && t != GM_BOTTOM && m->ndist[t] < 0)
		n++, t = m->nparent[t];
	long base = t == GM_ACCEPT || t == GM_BOTTOM ? 0 : m->ndist[t];
	while (n > 0) {	/* the n stacks below t, deepest last: fill from the one just under t */
		int u = s;
		for (int i = 1; i < n; i++)
			u = m->nparent[u];
		long d = base + m->minrest[m->npos[u]];
		m->ndist[u] = d < GM_FAR ? (int)d : GM_FAR;
		base = m->ndist[u];
		n--;
	}
	return m->ndist[s];
}

int gm_dist(gm *m, int state)
{
	int n = m->slen[state], best = GM_FAR;
	for (int i = 0; i < n; i++) {
		int d = node_dist(m, m->pool[m->soff[state] + i]);
		if (d < best)
			best = d;
	}
	return best;
}

gm *gm_new(grammar *g)
{
	gm *m = calloc(1, sizeof *m);
	m->g = g;
	m->capnodes = 1024;
	m->npos = malloc(sizeof *m->npos * m->capnodes);
	m->nparent = malloc(sizeof *m->nparent * m->capnodes);
	m->npos[0] = m->npos[1] = -1;
	m->nparent[0] = m->nparent[1] = -1;
	m->nnodes = 2;
	map_init(&m->nodes, 4096);
	map_init(&m->states, 4096);
	map_init(&m->trans, 16384);
	m->capstates = 1024;
	m->soff = malloc(sizeof *m->soff * m->capstates);
	m->slen = malloc(sizeof *m->slen * m->capstates);
	m->shash = malloc(sizeof *m->shash * m->capstates);
	m->snext = malloc(sizeof *m->snext * m->capstates);
	m->cappool = 4096;
	m->pool = malloc(sizeof *m->pool * m->cappool);
	m->soff[0] = m->slen[0] = 0;	/* the dead state */
	m->shash[0] = 0;
	m->snext[0] = -1;
	m->nstates = 1;
	for (int a = g->alt_off[g->root]; a < g->alt_off[g->root + 1]; a++)
		expand(m, g->alt_start[a], GM_ACCEPT);
	m->start = intern(m);
	shortest(m);
	return m;
}

void gm_free(gm *m)
{
	if (!m)
		return;
	gr_free(m->g);
	free(m->npos);
	free(m->nparent);
	map_free(&m->nodes);
	map_free(&m->states);
	map_free(&m->trans);
	free(m->soff);
	free(m->slen);
	free(m->shash);
	free(m->snext);
	free(m->pool);
	free(m->buf);
	free(m->minrest);
	free(m->ndist);
	free(m);
}

const grammar *gm_grammar(const gm *m) { return m->g; }
int gm_start(gm *m) { return m->start; }
int gm_overflow(const gm *m) { return m->overflow; }
size_t gm_nstates(const gm *m) { return m->nstates; }

int gm_step(gm *m, int state, unsigned char c)
{
	if (state == GM_DEAD)
		return GM_DEAD;
	uint64_t key = (uint64_t)state << 8 | c;
	int32_t v;
	if (map_get(&m->trans, key, &v))
		return v;
	const int32_t *code = m->g->code;
	/* copy: expand() may grow the pool */
	int n = m->slen[state];
	int32_t stk[n > 0 ? n : 1];
	memcpy(stk, m->pool + m->soff[state], sizeof *stk * n);
	for (int i = 0; i < n; i++) {
		int s = stk[i];
		if (s == GM_ACCEPT || s == GM_BOTTOM)
			continue;
		int pos = m->npos[s];
		if (gr_bytes_has(&m->g->sets[GR_SET_INDEX(code[pos])], c))
			expand(m, pos + 1, m->nparent[s]);
	}
	int next = intern(m);
	map_put(&m->trans, key, next);
	return next;
}

int gm_walk(gm *m, int state, const char *p, size_t n)
{
	for (size_t i = 0; i < n && state != GM_DEAD; i++)
		state = gm_step(m, state, (unsigned char)p[i]);
	return state;
}

int gm_accepting(const gm *m, int state)
{
	return m->slen[state] > 0 && m->pool[m->soff[state]] == GM_ACCEPT;
}

int gm_final(const gm *m, int state)
{
	return m->slen[state] == 1 && m->pool[m->soff[state]] == GM_ACCEPT;
}

int gm_has_bottom(const gm *m, int state)
{
	const int32_t *s = m->pool + m->soff[state];
	int n = m->slen[state];
	return (n > 0 && s[0] == GM_BOTTOM) || (n > 1 && s[1] == GM_BOTTOM);
}

int gm_stack_state(gm *m, int stack)
{
	add(m, stack);
	return intern(m);
}

int gm_scoped(gm *m, int pos) { return gm_stack_state(m, node(m, pos, GM_BOTTOM)); }

const int32_t *gm_stacks(const gm *m, int state, int *n)
{
	*n = m->slen[state];
	return m->pool + m->soff[state];
}

int gm_stack_pos(const gm *m, int stack) { return m->npos[stack]; }

void gm_next_bytes(gm *m, int state, gr_bytes *out)
{
	memset(out, 0, sizeof *out);
	int n = m->slen[state];
	for (int i = 0; i < n; i++) {
		int s = m->pool[m->soff[state] + i];
		if (s == GM_ACCEPT || s == GM_BOTTOM)
			continue;
		const gr_bytes *b = &m->g->sets[GR_SET_INDEX(m->g->code[m->npos[s]])];
		for (int w = 0; w < 4; w++)
			out->w[w] |= b->w[w];
	}
}
