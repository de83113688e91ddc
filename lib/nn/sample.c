/* nn/sample.c — greedy, temperature, top-k and top-p sampling (see sample.h). */
#include <math.h>
#include <stdlib.h>
#include "nn/sample.h"

void nn_sampler_init(nn_sampler *s, float temperature, int top_k, float top_p, uint64_t seed)
{
	s->temperature = temperature;
	s->top_k = top_k;
	s->top_p = top_p;
	s->buf = NULL;
	s->cap = 0;
	nn_rng_seed(&s->rng, seed);
}

void nn_sampler_free(nn_sampler *s)
{
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}

int nn_argmax(const float *x, int V)
{
	int best = 0;
	for (int i = 1; i < V; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

/* Most likely first; equal probabilities by id, so the order is total. */
static int by_prob(const void *a, const void *b)
{
	const struct nn_cand *x = a, *y = b;
	if (x->p != y->p)
		return x->p > y->p ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* The k best of n candidates into c[0..k), best first: a min-heap of the
 * best so far, O(n log k), instead of sorting all n (151,936 for Qwen3). */
static void top_k(struct nn_cand *c, int n, int k)
{
	for (int i = 0; i < n; i++) {
		if (i >= k && by_prob(&c[i], &c[0]) > 0)
			continue;	/* not better than the worst kept */
		int j;
		if (i < k) {	/* grow the heap: sift up */
			struct nn_cand x = c[i];
			for (j = i; j > 0 && by_prob(&x, &c[(j - 1) / 2]) > 0; j = (j - 1) / 2)
				c[j] = c[(j - 1) / 2];
			c[j] = x;
			continue;
		}
		struct nn_cand x = c[i];	/* replace the root (the worst kept): sift down */
		for (j = 0;;) {
			int l = 2 * j + 1, r = l + 1, w = j;
			const struct nn_cand *wv = &x;
			if (l < k && by_prob(&c[l], wv) > 0)
				w = l, wv = &c[l];
			if (r < k && by_prob(&c[r], wv) > 0)
				w = r;
			if (w == j)
				break;
			c[j] = c[w];
			j = w;
		}
		c[j] = x;
	}
	qsort(c, k, sizeof *c, by_prob);
}

int nn_mask_logits(float *logits, int V, const uint64_t *allowed, const int32_t *keep, int n_keep)
{
	float kept[n_keep > 0 ? n_keep : 1];
	for (int i = 0; i < n_keep; i++)
		kept[i] = keep[i] < V ? logits[keep[i]] : 0;
	int n = 0;
	for (int w = 0; w * 64 < V; w++) {	/* a word at a time: most are all clear or all set */
		uint64_t b = allowed[w];
		int end = w * 64 + 64 < V ? w * 64 + 64 : V;
		if (b == ~0ULL) {
			n += end - w * 64;
			continue;
		}
		for (int i = w * 64; i < end; i++, b >>= 1)
			if (b & 1)
				n++;
			else
				logits[i] = -INFINITY;
	}
	for (int i = 0; i < n_keep; i++)
		if (keep[i] < V)
			logits[keep[i]] = kept[i];
	return n;
}

int nn_sample(nn_sampler *s, float *logits, int V)
{
	if (s->temperature <= 0 || s->top_k == 1)
		return nn_argmax(logits, V);
	if (s->cap < V) {
		free(s->buf);
		s->buf = malloc(sizeof *s->buf * V);
		s->cap = V;
	}
	/* probabilities at this temperature */
	float mx = logits[nn_argmax(logits, V)], sum = 0;
	for (int i = 0; i < V; i++)
		sum += (logits[i] = expf((logits[i] - mx) / s->temperature));
	for (int i = 0; i < V; i++)
		logits[i] /= sum;
	/* Candidates. Sorting all V per token is slow for large vocabularies: with
	 * top_p < 1 and no top_k, a token below (1 - top_p) / (V - 1) can never be
	 * in the nucleus (the rest would already hold more than top_p). */
	int k = s->top_k > 0 && s->top_k < V ? s->top_k : V;
	float cut = k == V && s->top_p < 1 ? (1.0f - s->top_p) / (V - 1) : 0;
	int n = 0;
	for (int i = 0; i < V; i++)
		if (logits[i] >= cut)
			s->buf[n].p = logits[i], s->buf[n++].id = i;
	if (k > n)
		k = n;
	if (k < n)
		top_k(s->buf, n, k);
	else if (s->top_p < 1)
		qsort(s->buf, n, sizeof *s->buf, by_prob);
	float mass = 0;
	int keep = 0;
	for (; keep < k; keep++) {
		mass += s->buf[keep].p;
		if (s->top_p < 1 && mass >= s->top_p) {
			keep++;
			break;
		}
	}
	if (keep == 0)	/* nothing above the cut: fall back to the most likely */
		return nn_argmax(logits, V);
	float r = nn_rng_float(&s->rng) * mass, acc = 0;
	for (int i = 0; i < keep; i++) {
		acc += s->buf[i].p;
		if (r < acc)
			return s->buf[i].id;
	}
	while (keep > 1 && s->buf[keep - 1].p <= 0)	/* rounding: the last that can be drawn */
		keep--;
	return s->buf[keep - 1].id;
}
