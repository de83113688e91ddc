/* nn/sample.h — choosing the next token from logits.
 *
 * Greedy (temperature 0, or top_k 1) takes the largest logit, the lowest id
 * on a tie. Otherwise, in Hugging Face's order: divide by the temperature,
 * keep the top_k largest (0: all), keep the smallest set of most likely
 * tokens whose probability reaches top_p (1: all), renormalise, draw. The
 * draw comes from the sampler's own seeded generator, so a seed gives the
 * same tokens on every machine. */
#ifndef LS_NN_SAMPLE_H
#define LS_NN_SAMPLE_H
#include <stdint.h>
#include "nn/util.h"

typedef struct {
	float temperature;
	int top_k;
	float top_p;
	nn_rng rng;
	struct nn_cand { float p; int id; } *buf;
	int cap;
} nn_sampler;

void nn_sampler_init(nn_sampler *s, float temperature, int top_k, float top_p, uint64_t seed);
void nn_sampler_free(nn_sampler *s);
int nn_argmax(const float *logits, int V);
/* Constrained decoding: the logits of ids whose bit in allowed is clear
 * become -inf, but those of keep[0..n_keep) (the EOS ids where the output
 * may end). Returns how many ids of allowed are set. */
int nn_mask_logits(float *logits, int V, const uint64_t *allowed, const int32_t *keep, int n_keep);
/* The next token; logits[V] may be modified. Never an id at -inf while
 * another is finite. */
int nn_sample(nn_sampler *s, float *logits, int V);

#endif
