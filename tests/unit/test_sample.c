/* test_sample.c — greedy, temperature, top-k and top-p sampling, seeds. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "t.h"
#include "nn/sample.h"

#define V 6
static const float L[V] = { 1.0f, 3.0f, 2.0f, 3.0f, -1.0f, 0.5f };

static int draw(nn_sampler *s)
{
	float x[V];
	memcpy(x, L, sizeof x);
	return nn_sample(s, x, V);
}

int main(void)
{
	nn_sampler s;
	nn_sampler_init(&s, 0, 0, 1, 1);
	T_EQ_INT(draw(&s), 1, "greedy: the largest logit, the lowest id on a tie");
	nn_sampler_free(&s);
	nn_sampler_init(&s, 0.7f, 1, 1, 1);
	T_EQ_INT(draw(&s), 1, "top_k 1 is greedy");
	nn_sampler_free(&s);

	/* temperature 1, no truncation: frequencies follow the softmax */
	int cnt[V] = { 0 }, N = 200000;
	nn_sampler_init(&s, 1.0f, 0, 1, 7);
	for (int i = 0; i < N; i++)
		cnt[draw(&s)]++;
	double z = 0, worst = 0;
	for (int i = 0; i < V; i++)
		z += exp(L[i]);
	for (int i = 0; i < V; i++) {
		double p = exp(L[i]) / z, sd = sqrt(p * (1 - p) / N);
		double dev = fabs((double)cnt[i] / N - p) / sd;
		if (dev > worst)
			worst = dev;
	}
	printf("# worst deviation %.2f standard errors\n", worst);
	T_OK(worst < 5, "sampling frequencies match the softmax");
	nn_sampler_free(&s);

	/* top_k 2 keeps ids 1 and 3 only, in equal measure */
	memset(cnt, 0, sizeof cnt);
	nn_sampler_init(&s, 1.0f, 2, 1, 7);
	for (int i = 0; i < 20000; i++)
		cnt[draw(&s)]++;
	T_OK(cnt[1] + cnt[3] == 20000 && cnt[1] > 9000 && cnt[3] > 9000, "top_k 2");
	nn_sampler_free(&s);

	/* top_k over a large vocabulary: every draw is among the k largest */
	{
		enum { BIG = 5000, K = 10 };
		static float big[BIG], tmp[BIG];
		nn_rng g;
		nn_rng_seed(&g, 5);
		for (int i = 0; i < BIG; i++)
			big[i] = 3 * nn_rng_normal(&g);
		float kth;	/* the k-th largest, by counting */
		int inside = 1, seen_k = 0;
		for (int i = 0;; i++) {
			int above = 0;
			for (int j = 0; j < BIG; j++)
				above += big[j] > big[i];
			if (above == K - 1) {
				kth = big[i];
				break;
			}
		}
		nn_sampler_init(&s, 2.0f, K, 1, 11);
		for (int r = 0; r < 3000; r++) {
			memcpy(tmp, big, sizeof big);
			int id = nn_sample(&s, tmp, BIG);
			inside &= big[id] >= kth;
			seen_k |= big[id] == kth;
		}
		nn_sampler_free(&s);
		T_OK(inside, "top_k 10 of 5000: every draw among the 10 largest");
		T_OK(seen_k, "and the 10th is drawn too");
	}

	/* top_p: p(1) = p(3) = 0.36 each; 0.5 needs both, 0.3 needs one */
	memset(cnt, 0, sizeof cnt);
	nn_sampler_init(&s, 1.0f, 0, 0.5f, 3);
	for (int i = 0; i < 20000; i++)
		cnt[draw(&s)]++;
	T_OK(cnt[1] + cnt[3] == 20000 && cnt[1] > 9000 && cnt[3] > 9000, "top_p 0.5 keeps the two best");
	nn_sampler_free(&s);
	memset(cnt, 0, sizeof cnt);
	nn_sampler_init(&s, 1.0f, 0, 0.3f, 3);
	for (int i = 0; i < 1000; i++)
		cnt[draw(&s)]++;
	T_EQ_INT(cnt[1], 1000, "top_p 0.3 keeps only the best (lowest id on a tie)");
	nn_sampler_free(&s);
	memset(cnt, 0, sizeof cnt);
	nn_sampler_init(&s, 1.0f, 0, 0.8f, 3);
	for (int i = 0; i < 20000; i++)
		cnt[draw(&s)]++;
	T_OK(cnt[0] == 0 && cnt[4] == 0 && cnt[5] == 0 && cnt[2] > 0, "top_p 0.8: the three best");
	nn_sampler_free(&s);

	/* low temperature sharpens, high flattens */
	memset(cnt, 0, sizeof cnt);
	nn_sampler_init(&s, 0.05f, 0, 1, 3);
	for (int i = 0; i < 2000; i++)
		cnt[draw(&s)]++;
	T_OK(cnt[1] + cnt[3] == 2000, "temperature 0.05 picks among the best");
	nn_sampler_free(&s);
	memset(cnt, 0, sizeof cnt);
	nn_sampler_init(&s, 100.0f, 0, 1, 3);
	for (int i = 0; i < 6000; i++)
		cnt[draw(&s)]++;
	T_OK(cnt[4] > 800, "temperature 100 is nearly uniform");
	nn_sampler_free(&s);

	/* seeds */
	nn_sampler a, b, c;
	nn_sampler_init(&a, 1.0f, 0, 0.9f, 42);
	nn_sampler_init(&b, 1.0f, 0, 0.9f, 42);
	nn_sampler_init(&c, 1.0f, 0, 0.9f, 43);
	int same = 1, diff = 0;
	for (int i = 0; i < 200; i++) {
		int x = draw(&a), y = draw(&b), w = draw(&c);
		same &= x == y;
		diff |= x != w;
	}
	T_OK(same, "the same seed draws the same");
	T_OK(diff, "another seed draws differently");
	nn_rng r;
	nn_rng_seed(&r, 0);
	T_OK(nn_rng_next(&r) == 0x99ec5f36cb75f2b4ull, "the generator is the same everywhere");
	nn_sampler_free(&a), nn_sampler_free(&b), nn_sampler_free(&c);
	return t_done();
}
