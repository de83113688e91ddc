/* test_nn_backprop.c — the whole model's training pass.
 *
 * - Its loss equals the inference forward's (nn_forward) on each segment.
 * - Its gradients, for every tensor of tiny Llama and Qwen3 models and every
 *   A and B of a LoRA adapter, agree with finite differences of the fp32
 *   loss within 1% (each kernel is checked in double precision by
 *   test_nn_ops; here the point is the wiring: which buffer feeds which,
 *   tied heads, residuals, q/k norms; a wrong wire gives errors near 100%).
 * - A tiny model overfits a handful of sequences to near-zero loss; LoRA on
 *   a frozen base lowers its loss and leaves the base bit-identical. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "nn/backprop.h"
#include "nn/util.h"

static char err[256];

static nn_config tiny(nn_arch arch, int tied)
{
	nn_config c = {
		.arch = arch, .dim = 16, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2, .head_dim = 4,
		.hidden_dim = 24, .vocab_size = 19, .max_seq = 64, .rope_theta = 10000,
		.norm_eps = 1e-5f, .tied = tied, .qk_norm = arch == NN_QWEN3, .bos_id = -1,
	};
	return c;
}

/* two packed examples (5 and 7 tokens) with prompt tokens masked */
enum { N = 12 };
static int ids[N] = { 3, 7, 1, 12, 5, 9, 2, 2, 14, 18, 0, 6 };
static int pos[N] = { 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6 };
static int tg[N] = { -1, 1, 12, 5, -1, -1, -1, 14, 18, 0, 6, -1 };
static int seg[3];
static nn_batch batch;
static const nn_reg noreg = { 0, 0 };

static double loss_of(const nn_model *m, const nn_lora *a, nn_acts *s)
{
	return nn_train_forward(m, a, s, &batch, 1.0f, &noreg) / 6;	/* 6 counted */
}

/* Central differences of the loss along random +-1 directions over one tensor's
 * n values (k of them): the derivative along d is sum(grad * d), about sqrt(n)
 * times one entry's, which lifts it above fp32's rounding noise. The step is
 * h = 0.035 / sqrt(n), a move of the same length for every tensor: a fixed h
 * left a 16-value norm weight's difference within the loss's rounding (it
 * failed on AVX-512 BLAS kernels and passed on AVX2 ones) and made the
 * embedding's move too long to be linear. The error of a central difference,
 * h^2 f'''/6, is cancelled by Richardson extrapolation. Returns the worst
 * |num - ana| / (noise + |num| + |ana|), noise being what 16 ulps of the
 * loss make of a difference quotient at h. */
static double fd_tensor(const nn_model *m, const nn_lora *a, nn_acts *s, float *p, size_t n,
			const float *grad, nn_rng *r, int k)
{
	double worst = 0;
	const float h = (float)(0.035 / sqrt((double)n));
	const double noise = 16 * FLT_EPSILON * fabs(loss_of(m, a, s)) / h;
	float *keep = malloc(n * sizeof(float)), *d = malloc(n * sizeof(float));
	memcpy(keep, p, n * sizeof(float));
	for (int j = 0; j < k; j++) {
		double ana = 0;
		for (size_t i = 0; i < n; i++) {
			d[i] = nn_rng_next(r) >> 63 ? 1 : -1;
			ana += grad[i] * d[i];
		}
		double c[2];	/* at h and h/2, then Richardson: (4 c(h/2) - c(h)) / 3 */
		for (int q = 0; q < 2; q++) {
			float hq = q ? h / 2 : h;
			for (size_t i = 0; i < n; i++)
				p[i] = keep[i] + hq * d[i];
			double lp = loss_of(m, a, s);
			for (size_t i = 0; i < n; i++)
				p[i] = keep[i] - hq * d[i];
			double lm = loss_of(m, a, s);
			c[q] = (lp - lm) / (2 * hq);
		}
		memcpy(p, keep, n * sizeof(float));
		double num = (4 * c[1] - c[0]) / 3, e = fabs(num - ana) / (noise + fabs(num) + fabs(ana));
		if (e > worst)
			worst = e;
	}
	free(keep), free(d);
	return worst;
}

static void check_model(nn_arch arch, int tied, const char *what)
{
	nn_config c = tiny(arch, tied);
	nn_model *m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	nn_model_init_random(m, 11 + arch + 2 * tied, 0.3f);
	nn_acts *s = nn_acts_new(m, NULL, N);
	char buf[200];

	/* the training forward's loss equals inference's, segment by segment */
	double ref = 0;
	float logits[7 * 19];
	for (int i = 0; i < 2; i++) {
		nn_state *st = nn_state_new(m, 0);
		int a = seg[i], n = seg[i + 1] - seg[i];
		nn_forward(m, st, ids + a, n, logits, 1, err, sizeof err);
		for (int t = 0; t < n; t++) {
			if (tg[a + t] < 0)
				continue;
			double mx = -1e30, z = 0;
			for (int v = 0; v < 19; v++)
				mx = fmax(mx, logits[t * 19 + v]);
			for (int v = 0; v < 19; v++)
				z += exp(logits[t * 19 + v] - mx);
			ref += mx + log(z) - logits[t * 19 + tg[a + t]];
		}
		nn_state_free(m, st);
	}
	double got = nn_train_forward(m, NULL, s, &batch, 1, &noreg);
	snprintf(buf, sizeof buf, "%s: training loss equals the inference forward's (%.6f, %.6f)", what,
		 got, ref);
	T_OK(fabs(got - ref) < 1e-4 * fabs(ref), buf);

	/* every tensor's gradient against finite differences */
	float *dp = calloc(m->n_params, sizeof(float));
	nn_train_forward(m, NULL, s, &batch, 1.0f / 6, &noreg);
	nn_train_backward(m, NULL, s, &batch, dp, NULL, &noreg);
	int nt;
	nn_tensor *t = nn_model_tensors(m, &nt);
	nn_rng r;
	nn_rng_seed(&r, 5);
	double worst = 0;
	const char *wname = "";
	for (int i = 0; i < nt; i++) {
		size_t n = t[i].shape[0] * (t[i].ndim > 1 ? t[i].shape[1] : 1);
		double e = fd_tensor(m, NULL, s, t[i].data, n, dp + (t[i].data - m->params), &r, 3);
		if (e > worst)
			worst = e, wname = t[i].name;
	}
	snprintf(buf, sizeof buf, "%s: gradients of all %d tensors agree with finite differences "
		 "(worst %.1e, %s)", what, nt, worst, wname);
	T_OK(worst < 1e-2, buf);
	free(t);
	free(dp);
	nn_acts_free(m, s);
	nn_model_free(m);
}

static void check_lora(void)
{
	nn_config c = tiny(NN_QWEN3, 0);
	nn_model *m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	nn_model_init_random(m, 3, 0.3f);
	nn_lora *a = nn_lora_new(m, 3, 6, 0, (1u << NN_NLIN) - 1, 9, 0);
	nn_rng r;
	nn_rng_seed(&r, 8);
	for (size_t i = 0; i < a->n_params; i++)	/* B != 0, so A gets a gradient */
		if (a->params[i] == 0)
			a->params[i] = 0.3f * nn_rng_normal(&r);
	nn_acts *s = nn_acts_new(m, a, N);
	float *dl = calloc(a->n_params, sizeof(float));
	nn_train_forward(m, a, s, &batch, 1.0f / 6, &noreg);
	nn_train_backward(m, a, s, &batch, NULL, dl, &noreg);
	double e = 0;
	for (int i = 0; i < c.n_layers * NN_NLIN; i++) {	/* each A and each B on its own */
		const nn_lora_mod *x = &a->mods[i];
		int o, in;
		nn_linear_shape(&c, i % NN_NLIN, &o, &in);
		e = fmax(e, fd_tensor(m, a, s, x->A, (size_t)x->r * in, dl + (x->A - a->params), &r, 2));
		e = fmax(e, fd_tensor(m, a, s, x->B, (size_t)o * x->r, dl + (x->B - a->params), &r, 2));
	}
	char buf[160];
	snprintf(buf, sizeof buf, "LoRA on all 7 linears: A and B gradients agree with finite "
		 "differences (worst %.1e)", e);
	T_OK(e < 1e-2, buf);
	/* dropout: the backward sees the forward's mask (p = 0.1 vs recomputed) */
	nn_reg dr = { 0.1f, 77 };
	float *d1 = calloc(a->n_params, sizeof(float)), *d2 = calloc(a->n_params, sizeof(float));
	double l1 = nn_train_forward(m, a, s, &batch, 1.0f / 6, &dr);
	nn_train_backward(m, a, s, &batch, NULL, d1, &dr);
	double l2 = nn_train_forward(m, a, s, &batch, 1.0f / 6, &dr);
	nn_train_backward(m, a, s, &batch, NULL, d2, &dr);
	T_OK(l1 == l2 && !memcmp(d1, d2, a->n_params * sizeof(float)) && l1 != loss_of(m, a, s) * 6,
	     "LoRA dropout: the same seed gives the same mask, loss and gradients");
	free(d1), free(d2), free(dl);
	nn_acts_free(m, s);
	nn_lora_free(a);
	nn_model_free(m);
}

/* a few steps of AdamW on whichever buffer is trained */
static double train(nn_model *m, nn_lora *a, int steps, float lr)
{
	float *p = a ? a->params : m->params;
	size_t n = a ? a->n_params : m->n_params;
	float *g = calloc(n, 4), *m1 = calloc(n, 4), *v1 = calloc(n, 4);
	nn_acts *s = nn_acts_new(m, a, N);
	double loss = 0;
	for (int t = 1; t <= steps; t++) {
		memset(g, 0, n * 4);
		loss = nn_train_forward(m, a, s, &batch, 1.0f / 6, &noreg) / 6;
		nn_train_backward(m, a, s, &batch, a ? NULL : g, a ? g : NULL, &noreg);
		nn_cpu_ops.adamw(p, g, m1, v1, n, lr, 0.9f, 0.999f, 1e-8f, 0, t);
	}
	nn_acts_free(m, s);
	free(g), free(m1), free(v1);
	return loss;
}

static void check_overfit(void)
{
	nn_config c = tiny(NN_LLAMA, 1);
	nn_model *m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	nn_model_init_random(m, 21, 0.2f);
	nn_acts *s = nn_acts_new(m, NULL, N);
	double before = loss_of(m, NULL, s);
	nn_acts_free(m, s);
	double after = train(m, NULL, 150, 1e-2f);
	char buf[160];
	snprintf(buf, sizeof buf, "full training overfits two examples: loss %.3f -> %.4f", before, after);
	T_OK(after < 0.05, buf);
	nn_model_free(m);

	c = tiny(NN_QWEN3, 0);
	m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	nn_model_init_random(m, 22, 0.2f);
	float *base = malloc(m->n_params * 4);
	memcpy(base, m->params, m->n_params * 4);
	nn_lora *a = nn_lora_new(m, 4, 8, 0, (1u << NN_NLIN) - 1, 1, 0);
	s = nn_acts_new(m, a, N);
	before = loss_of(m, a, s);
	nn_acts_free(m, s);
	after = train(m, a, 60, 1e-2f);
	snprintf(buf, sizeof buf, "LoRA lowers the loss on its training set: %.3f -> %.3f", before, after);
	T_OK(after < before * 0.5, buf);
	T_OK(!memcmp(base, m->params, m->n_params * 4), "LoRA leaves the base weights bit-identical");
	free(base);
	nn_lora_free(a);
	nn_model_free(m);
}

int main(void)
{
	int nseg = nn_segments(pos, N, seg);
	T_EQ_INT(nseg, 2, "segments start where positions restart");
	batch = (nn_batch){ .N = N, .ids = ids, .targets = tg, .pos = pos, .nseg = nseg, .seg = seg };
	check_model(NN_LLAMA, 0, "llama (GQA, untied head)");
	check_model(NN_QWEN3, 1, "qwen3 (q/k norms, tied head)");
	check_lora();
	check_overfit();
	return t_done();
}
