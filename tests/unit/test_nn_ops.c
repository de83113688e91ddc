/* test_nn_ops.c — every backward kernel of nn/ops.h against finite differences.
 *
 * The CPU kernels (lib/nn/ops_cpu_k.h) are compiled here a second time with
 * real = double, so the checks run in double precision on the same code the
 * fp32 backend runs. Each check takes a scalar L = sum(out * R) for a fixed
 * random R (so dout = R), moves every input element by +-h, and compares
 * (L(x+h) - L(x-h)) / 2h with the backward's gradient. The fp32 table is then
 * compared with the double kernels on the same inputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "nn/ops.h"
#include "nn/util.h"

#pragma GCC diagnostic ignored "-Wunused-function"	/* not every kernel is checked here */
#define real double
#define K_(name) name##_f64
#define GEMM cblas_dgemm
#include "nn/ops_cpu_k.h"
#undef real

static nn_rng rng;
static double *rnd(size_t n, double s)
{
	double *x = malloc(n * sizeof *x);
	for (size_t i = 0; i < n; i++)
		x[i] = s * nn_rng_normal(&rng);
	return x;
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* The loss as a function of whatever the check perturbs. */
typedef double (*loss_fn)(void);

/* max over i of |numeric - analytic| / max(1e-6, |numeric| + |analytic|) */
static double fd(double *x, size_t n, const double *grad, loss_fn f)
{
	const double h = 1e-5;
	double worst = 0;
	for (size_t i = 0; i < n; i++) {
		double keep = x[i];
		x[i] = keep + h;
		double lp = f();
		x[i] = keep - h;
		double lm = f();
		x[i] = keep;
		double num = (lp - lm) / (2 * h), e = fabs(num - grad[i]) / fmax(1e-6, fabs(num) + fabs(grad[i]));
		if (e > worst)
			worst = e;
	}
	return worst;
}

#define TOL 1e-6
static void report(double e, const char *what)
{
	char buf[160];
	snprintf(buf, sizeof buf, "%s: finite differences agree (rel err %.1e)", what, e);
	T_OK(e < TOL, buf);
	if (!(e < TOL))
		printf("#   worst relative error %g\n", e);
}

/* ---- rmsnorm --------------------------------------------------------------- */
enum { R_ = 5, D_ = 8 };
static double *nx, *nw, *nR;
static double l_rmsnorm(void)
{
	double out[R_ * D_];
	rmsnorm_f64(out, nx, nw, R_, D_, 1e-5);
	return dot(out, nR, R_ * D_);
}

static void check_rmsnorm(void)
{
	nx = rnd(R_ * D_, 1), nw = rnd(D_, 1), nR = rnd(R_ * D_, 1);
	double dx[R_ * D_] = { 0 }, dw[D_] = { 0 };
	rmsnorm_backward_f64(dx, dw, nR, nx, nw, R_, D_, 1e-5);
	report(fd(nx, R_ * D_, dx, l_rmsnorm), "rmsnorm d/dx");
	report(fd(nw, D_, dw, l_rmsnorm), "rmsnorm d/dw");
	/* accumulation: a second call adds the same again */
	double dx2[R_ * D_], dw2[D_];
	memcpy(dx2, dx, sizeof dx), memcpy(dw2, dw, sizeof dw);
	rmsnorm_backward_f64(dx2, dw2, nR, nx, nw, R_, D_, 1e-5);
	T_OK(fabs(dx2[3] - 2 * dx[3]) < 1e-12 && fabs(dw2[1] - 2 * dw[1]) < 1e-12, "rmsnorm backward accumulates");
	/* fp32 backend on the same input */
	float fx[R_ * D_], fw[D_], fo[R_ * D_];
	double out[R_ * D_], worst = 0;
	for (int i = 0; i < R_ * D_; i++)
		fx[i] = nx[i];
	for (int i = 0; i < D_; i++)
		fw[i] = nw[i];
	nn_cpu_ops.rmsnorm(fo, fx, fw, R_, D_, 1e-5f);
	rmsnorm_f64(out, nx, nw, R_, D_, 1e-5);
	for (int i = 0; i < R_ * D_; i++)
		worst = fmax(worst, fabs(fo[i] - out[i]));
	T_OK(worst < 1e-5, "rmsnorm: fp32 table agrees with the double kernel");
	free(nx), free(nw), free(nR);
}

/* ---- rope -------------------------------------------------------------------- */
enum { RT = 4, RH = 3, RD = 8 };
static float inv_freq[RD / 2];
static int rpos[RT] = { 0, 1, 0, 7 };	/* positions restart per packed example */
static double l_rope(void)
{
	double y[RT * RH * RD];
	memcpy(y, nx, sizeof y);
	rope_f64(y, RT, RH, RD, rpos, 0, inv_freq);
	return dot(y, nR, RT * RH * RD);
}

static void check_rope(void)
{
	for (int i = 0; i < RD / 2; i++)
		inv_freq[i] = 1.0f / powf(10000.0f, (float)(2 * i) / RD);
	nx = rnd(RT * RH * RD, 1), nR = rnd(RT * RH * RD, 1);
	double dx[RT * RH * RD];
	memcpy(dx, nR, sizeof dx);
	rope_backward_f64(dx, RT, RH, RD, rpos, 0, inv_freq);
	report(fd(nx, RT * RH * RD, dx, l_rope), "rope (per-token positions) d/dx");
	free(nx), free(nR);
}

/* ---- attention ------------------------------------------------------------------ */
enum { AH = 4, AKV = 2, AD = 4, AN = 8 };
static int aseg[] = { 0, 3, 8 };	/* two examples: rows 0..2 and 3..7 */
static double *aq, *ak, *av;
static double l_att(void)
{
	double out[AN * AH * AD], *p = malloc(sizeof(double) * AH * nn_att_probs(2, aseg));
	attention_train_f64(out, p, aq, ak, av, 2, aseg, AH, AKV, AD);
	free(p);
	return dot(out, nR, AN * AH * AD);
}

static void check_attention(void)
{
	aq = rnd(AN * AH * AD, 1), ak = rnd(AN * AKV * AD, 1), av = rnd(AN * AKV * AD, 1);
	nR = rnd(AN * AH * AD, 1);
	size_t P = nn_att_probs(2, aseg);
	T_EQ_INT(P, 9 + 25, "probs per head: the sum of squared segment lengths");
	double out[AN * AH * AD], *p = malloc(sizeof(double) * AH * P);
	attention_train_f64(out, p, aq, ak, av, 2, aseg, AH, AKV, AD);
	double dq[AN * AH * AD], dk[AN * AKV * AD], dv[AN * AKV * AD];
	attention_backward_f64(dq, dk, dv, nR, p, aq, ak, av, 2, aseg, AH, AKV, AD);
	report(fd(aq, AN * AH * AD, dq, l_att), "attention (GQA, 2 segments) d/dq");
	report(fd(ak, AN * AKV * AD, dk, l_att), "attention (GQA, 2 segments) d/dk");
	report(fd(av, AN * AKV * AD, dv, l_att), "attention (GQA, 2 segments) d/dv");
	/* segments are separate: moving the second example's keys leaves the first's output */
	double out2[AN * AH * AD];
	ak[5 * AKV * AD] += 1;
	attention_train_f64(out2, p, aq, ak, av, 2, aseg, AH, AKV, AD);
	T_OK(!memcmp(out, out2, 3 * AH * AD * sizeof(double)) &&
	     memcmp(out + 3 * AH * AD, out2 + 3 * AH * AD, 5 * AH * AD * sizeof(double)),
	     "attention never crosses a segment boundary");
	ak[5 * AKV * AD] -= 1;
	/* one segment from 0 equals the inference kernel's causal attention */
	int one[] = { 0, AN };
	double *p1 = malloc(sizeof(double) * AH * AN * AN), o1[AN * AH * AD], o2[AN * AH * AD];
	attention_train_f64(o1, p1, aq, ak, av, 1, one, AH, AKV, AD);
	attention_f64(o2, aq, ak, av, AN, 0, AH, AKV, AD);
	double worst = 0;
	for (int i = 0; i < AN * AH * AD; i++)
		worst = fmax(worst, fabs(o1[i] - o2[i]));
	T_OK(worst < 1e-12, "training attention over one segment equals the inference kernel");
	free(p), free(p1), free(aq), free(ak), free(av), free(nR);
}

/* ---- swiglu ------------------------------------------------------------------------ */
enum { SN = 24 };
static double *sg, *su;
static double l_swiglu(void)
{
	double h[SN];
	swiglu_out_f64(h, sg, su, SN);
	return dot(h, nR, SN);
}

static void check_swiglu(void)
{
	sg = rnd(SN, 2), su = rnd(SN, 1), nR = rnd(SN, 1);
	double dg[SN], du[SN];
	swiglu_backward_f64(dg, du, nR, sg, su, SN);
	report(fd(sg, SN, dg, l_swiglu), "swiglu d/dgate");
	report(fd(su, SN, du, l_swiglu), "swiglu d/dup");
	free(sg), free(su), free(nR);
}

/* ---- embedding ------------------------------------------------------------------------ */
enum { EV = 6, ED = 5, ET = 7 };
static int eids[ET] = { 1, 4, 1, 0, 5, 4, 4 };	/* repeats: their gradients add */
static double l_embed(void)
{
	double out[ET * ED];
	embed_f64(out, nx, eids, ET, ED);
	return dot(out, nR, ET * ED);
}

static void check_embed(void)
{
	nx = rnd(EV * ED, 1), nR = rnd(ET * ED, 1);
	double dt[EV * ED] = { 0 };
	embed_backward_f64(dt, nR, eids, ET, ED);
	report(fd(nx, EV * ED, dt, l_embed), "embedding d/dtable");
	free(nx), free(nR);
}

/* ---- cross-entropy ------------------------------------------------------------------------ */
enum { CT = 6, CV = 9 };
static int ctg[CT] = { 3, -1, 0, 8, -1, 3 };	/* -1: masked (a prompt token) */
static double l_ce(void)
{
	double lg[CT * CV], loss[CT], s = 0;
	memcpy(lg, nx, sizeof lg);
	cross_entropy_f64(loss, lg, ctg, CT, CV, 1);
	for (int t = 0; t < CT; t++)
		s += loss[t];
	return s / 4;	/* 4 counted targets */
}

static void check_cross_entropy(void)
{
	nx = rnd(CT * CV, 2);
	double g[CT * CV], loss[CT];
	memcpy(g, nx, sizeof g);
	cross_entropy_f64(loss, g, ctg, CT, CV, 1.0 / 4);
	report(fd(nx, CT * CV, g, l_ce), "cross-entropy with masked targets d/dlogits");
	int zero = 1;
	for (int i = 0; i < CV; i++)
		zero &= g[CV + i] == 0 && g[4 * CV + i] == 0;
	T_OK(zero && loss[1] == 0 && loss[4] == 0, "masked targets: no loss, no gradient");
	free(nx);
}

/* ---- dropout ------------------------------------------------------------------------------------ */
static void check_dropout(void)
{
	enum { N = 4000 };
	double *x = rnd(N, 1), y[N], d[N] = { 0 }, ones[N];
	for (int i = 0; i < N; i++)
		ones[i] = 1;
	dropout_f64(y, x, N, 0.25f, 42);
	dropout_backward_f64(d, ones, N, 0.25f, 42);
	int kept = 0, same = 1;
	for (int i = 0; i < N; i++) {
		kept += y[i] != 0;
		same &= fabs(y[i] - d[i] * x[i]) < 1e-12;	/* linear: dy/dx is the mask * 1/(1-p) */
	}
	T_OK(same, "dropout backward uses the forward's mask");
	T_OK(kept > 2850 && kept < 3150, "dropout keeps about 1 - p of the elements");
	dropout_f64(y, x, N, 0, 42);
	T_OK(!memcmp(x, y, sizeof y), "dropout with p = 0 is the identity");
	free(x);
}

/* ---- gemm flags and AdamW --------------------------------------------------------------------------- */
static void check_gemm(void)
{
	enum { M = 3, N = 4, K = 5 };
	double *a = rnd(M * K, 1), *b = rnd(K * N, 1);
	double at[K * M], bt[N * K], ref[M * N], c[M * N];
	for (int i = 0; i < M; i++)
		for (int k = 0; k < K; k++)
			at[k * M + i] = a[i * K + k];
	for (int k = 0; k < K; k++)
		for (int j = 0; j < N; j++)
			bt[j * K + k] = b[k * N + j];
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			ref[i * N + j] = 0;
			for (int k = 0; k < K; k++)
				ref[i * N + j] += a[i * K + k] * b[k * N + j];
		}
	int ok = 1;
	for (int f = 0; f < 4; f++) {
		int ta = f & 1, tb = f >> 1;
		gemm_f64(ta, tb, M, N, K, 1, ta ? at : a, ta ? M : K, tb ? bt : b, tb ? K : N, 0, c, N);
		for (int i = 0; i < M * N; i++)
			ok &= fabs(c[i] - ref[i]) < 1e-12;
	}
	T_OK(ok, "gemm: all four transpose combinations equal the plain product");
	free(a), free(b);
}

static void check_adamw(void)
{
	/* one step from zero moments moves each weight by lr * sign(g) (+ decay) */
	double p[3] = { 1, -2, 0.5 }, g[3] = { 0.3, -4, 1e-3 }, m[3] = { 0 }, v[3] = { 0 };
	adamw_f64(p, g, m, v, 3, 0.1f, 0.9f, 0.999f, 1e-12f, 0, 1);
	T_OK(fabs(p[0] - 0.9) < 1e-6 && fabs(p[1] + 1.9) < 1e-6 && fabs(p[2] - 0.4) < 1e-5,
	     "adamw: the first step is lr * sign(g)");
	double q[1] = { 2 }, z[1] = { 0 }, m1[1] = { 0 }, v1[1] = { 0 };
	adamw_f64(q, z, m1, v1, 1, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f, 1);
	T_OK(fabs(q[0] - 1.9) < 1e-7, "adamw: decoupled weight decay lr * wd * p");
}

int main(void)
{
	nn_rng_seed(&rng, 1234);
	check_gemm();
	check_rmsnorm();
	check_rope();
	check_attention();
	check_swiglu();
	check_embed();
	check_cross_entropy();
	check_dropout();
	check_adamw();
	return t_done();
}
