/* gram-drive — lib/grammar from the shell, for the constrained-decoding tests
 * and bench/constrained.sh. GRAMMAR is a JSON schema file, or an EBNF file
 * when its name ends in .ebnf.
 *   gram-drive check GRAMMAR [ws-any] < docs.txt     one document a line: "ok" or "bad OFFSET"
 *   gram-drive walk GRAMMAR TOKENIZER N SEED [MAX]   N random walks over allowed tokens:
 *                                                     each finished document on a line
 *   gram-drive accept GRAMMAR TOKENIZER < docs.txt   each document's tokens (as the tokenizer
 *                                                     encodes it) allowed one by one, then the
 *                                                     end: "ok" or "rejected TOKEN-INDEX"
 *   gram-drive bench GRAMMAR TOKENIZER [lazy] < docs.txt   mask time per token along each
 *                                                     document's tokens, as one JSON line; every
 *                                                     position's sets computed first (timed), or
 *                                                     with lazy when first met (in the mask times) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "grammar/ebnf.h"
#include "grammar/schema.h"
#include "grammar/tokmask.h"
#include "model/tokenizer.h"
#include "nn/util.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static gm *load(const char *path, int ws_any)
{
	char err[1024];
	size_t n = strlen(path);
	gs_opts o = { .ws_any = ws_any };
	gm *m = n > 5 && !strcmp(path + n - 5, ".ebnf") ? ge_load_file(path, err, sizeof err)
						       : gs_load_file(path, &o, err, sizeof err);
	if (!m) {
		fprintf(stderr, "gram-drive: %s\n", err);
		exit(65);
	}
	return m;
}

static tokenizer *tok(const char *path)
{
	char err[1024];
	tokenizer *t = tok_load(path, err, sizeof err);
	if (!t) {
		fprintf(stderr, "gram-drive: %s\n", err);
		exit(66);
	}
	return t;
}

static char *line(size_t *n)
{
	static char *buf;
	static size_t cap;
	ssize_t r = getline(&buf, &cap, stdin);
	if (r < 0)
		return NULL;
	if (r > 0 && buf[r - 1] == '\n')
		buf[--r] = 0;
	*n = r;
	return buf;
}

static int bit(const uint64_t *m, int i) { return (m[i >> 6] >> (i & 63)) & 1; }

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: gram-drive check|walk|accept|bench GRAMMAR [TOKENIZER ...]\n");
		return 64;
	}
	const char *mode = argv[1];
	if (!strcmp(mode, "check")) {
		gm *m = load(argv[2], argc > 3 && !strcmp(argv[3], "ws-any"));
		size_t n;
		char *l;
		while ((l = line(&n))) {
			int s = gm_start(m);
			size_t i = 0;
			for (; i < n; i++)
				if ((s = gm_step(m, s, (unsigned char)l[i])) == GM_DEAD)
					break;
			if (i == n && gm_accepting(m, s))
				printf("ok\n");
			else
				printf("bad %zu\n", i);
		}
		gm_free(m);
		return 0;
	}
	if (argc < 4)
		return 64;
	double t0 = now();
	gm *m = load(argv[2], 0);
	double t1 = now();
	tokenizer *t = tok(argv[3]);
	double t2 = now();
	gv *v = gv_new(t);
	double t3 = now();
	gk *k = gk_new(m, v);
	int V = gv_size(v), rc = 0;
	if (!strcmp(mode, "walk") && argc >= 6) {
		int count = atoi(argv[4]), max = argc > 6 ? atoi(argv[6]) : 2000, unfinished = 0;
		nn_rng rng;
		nn_rng_seed(&rng, strtoull(argv[5], NULL, 10));
		/* tokens with a structural byte: half the draws come from them, so
		 * strings and lists end in reasonable time */
		int words = (V + 63) / 64;
		uint64_t *structural = calloc(words, sizeof *structural);
		for (int id = 0; id < V; id++) {
			size_t n;
			const char *b = gv_bytes(v, id, &n);
			if (b) {
				for (size_t j = 0; j < n; j++)
					if (strchr("\"{}[],:", b[j]) && b[j]) {
						structural[id >> 6] |= 1ULL << (id & 63);
						break;
					}
			}
		}
		int32_t *cand = malloc(sizeof *cand * V);
		for (int w = 0; w < count; w++) {
			int s = gm_start(m), done = 0;
			char *out = NULL;
			size_t on = 0;
			for (int step = 0; step < max && !done; step++) {
				int complete;
				const uint64_t *mask = gk_mask(k, s, &complete);
				if (gm_final(m, s) || (complete && nn_rng_float(&rng) < 0.3f)) {
					done = 1;
					break;
				}
				int nc = 0, useS = nn_rng_float(&rng) < 0.5f;
				for (int pass = 0; pass < 2 && !nc; pass++, useS = 0)
					for (int i = 0; i < words; i++) {
						uint64_t x = mask[i] & (useS ? structural[i] : ~0ULL);
						while (x) {
							int b = __builtin_ctzll(x);
							x &= x - 1;
							cand[nc++] = i * 64 + b;
						}
					}
				if (!nc) {
					fprintf(stderr, "gram-drive: dead end: no token allowed and not complete\n");
					rc = 1;
					break;
				}
				int id = cand[(int)(nn_rng_float(&rng) * nc) % nc];
				size_t n;
				const char *b = gv_bytes(v, id, &n);
				out = realloc(out, on + n + 1);
				memcpy(out + on, b, n);
				on += n;
				s = gk_advance(k, s, id);
				if (s == GM_DEAD) {
					fprintf(stderr, "gram-drive: an allowed token led to a dead state\n");
					rc = 1;
					break;
				}
			}
			if (done) {
				fwrite(out ? out : "", 1, on, stdout);
				putchar('\n');
			} else
				unfinished++;
			free(out);
		}
		fprintf(stderr, "gram-drive: %d walks, %d unfinished after %d tokens\n", count, unfinished, max);
		free(cand);
		free(structural);
	} else if (!strcmp(mode, "accept") || !strcmp(mode, "bench")) {
		int bench = !strcmp(mode, "bench");
		double *times = NULL;
		size_t nt = 0, capt = 0, n;
		long docs = 0, bad = 0;
		char *l;
		double tp = 0;
		if (bench && !(argc > 4 && !strcmp(argv[4], "lazy"))) {	/* every position's sets, timed */
			double a = now();
			gk_precompute(k);
			tp = now() - a;
		}
		while ((l = line(&n))) {
			int32_t *ids = NULL;
			long ni = tok_encode(t, l, n, 0, &ids);
			int s = gm_start(m), ok = 1;
			long i = 0;
			for (; i < ni && ok; i++) {
				int complete;
				double a = now();
				const uint64_t *mask = gk_mask(k, s, &complete);
				double b = now();
				if (bench) {
					if (nt == capt)
						times = realloc(times, sizeof *times * (capt = capt ? capt * 2 : 1024));
					times[nt++] = b - a;
				}
				if (ids[i] >= V || !bit(mask, ids[i]) || (s = gk_advance(k, s, ids[i])) == GM_DEAD)
					ok = 0;
			}
			if (ok) {
				int complete;
				gk_mask(k, s, &complete);
				ok = complete;
			}
			docs++;
			if (!ok)
				bad++;
			if (!bench) {
				if (ok)
					printf("ok\n");
				else
					printf("rejected %ld\n", i - 1);
			}
			free(ids);
		}
		if (bench && nt) {
			qsort(times, nt, sizeof *times, cmp_d);
			gk_stats st;
			gk_get_stats(k, &st);
			printf("{\"docs\":%ld,\"rejected\":%ld,\"tokens\":%zu,\"compile_ms\":%.2f,\"vocab_ms\":%.1f,"
			       "\"trie_nodes\":%zu,\"precompute_ms\":%.1f,\"positions\":%ld,\"mask_median_us\":%.2f,"
			       "\"mask_p99_us\":%.2f,\"mask_max_us\":%.1f,\"cache_hits\":%ld,\"masks\":%ld,\"states\":%zu}\n",
			       docs, bad, nt, (t1 - t0) * 1e3, (t3 - t2) * 1e3, gv_nodes(v), tp * 1e3, st.positions,
			       times[nt / 2] * 1e6, times[(size_t)(nt * 0.99)] * 1e6, times[nt - 1] * 1e6,
			       st.cache_hits, st.masks, gm_nstates(m));
		}
		free(times);
	} else
		rc = 64;
	gk_free(k);
	gv_free(v);
	tok_free(t);
	gm_free(m);
	return rc;
}
