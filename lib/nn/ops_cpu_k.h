/* nn/ops_cpu_k.h — the CPU kernels of nn/ops.h, written once for any real type.
 *
 * Included by nn/ops_cpu.c with real = float (the backend) and by the gradient
 * test with real = double, so the code the finite-difference checks verify in
 * double precision is the code that trains. Before including, define:
 *	real		float or double
 *	K_(name)	the kernel's name, e.g. name##_f32
 *	GEMM		cblas_sgemm or cblas_dgemm
 * Every kernel is static; see nn/ops.h for what each one computes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tgmath.h>	/* exp, sqrt, log of the real type */
#include <cblas.h>

static void K_(gemm)(int ta, int tb, int M, int N, int K, real alpha, const real *A, int lda,
		     const real *B, int ldb, real beta, real *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
	GEMM(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K,
	     alpha, A, lda, B, ldb, beta, C, ldc);
}

static void K_(rmsnorm)(real *out, const real *in, const real *w, int R, int D, real eps)
{
	for (int r = 0; r < R; r++) {
		const real *x = in + (size_t)r * D;
		real *o = out + (size_t)r * D;
		real ss = 0;
		for (int i = 0; i < D; i++)
			ss += x[i] * x[i];
		real s = 1 / sqrt(ss / D + eps);
		for (int i = 0; i < D; i++)
			o[i] = x[i] * s * w[i];
	}
}

/* y = x * s * w with s = (mean(x^2) + eps)^-1/2:
 * dw += dy * x * s;  dx += s * dy * w - s^3 / D * x * sum(dy * w * x) */
static void K_(rmsnorm_backward)(real *din, real *dw, const real *dout, const real *in,
				 const real *w, int R, int D, real eps)
{
	for (int r = 0; r < R; r++) {
		const real *x = in + (size_t)r * D, *dy = dout + (size_t)r * D;
		real *dx = din + (size_t)r * D;
		real ss = 0, dot = 0;
		for (int i = 0; i < D; i++) {
			ss += x[i] * x[i];
			dot += dy[i] * w[i] * x[i];
		}
		real s = 1 / sqrt(ss / D + eps), c = s * s * s / D * dot;
		for (int i = 0; i < D; i++)
			dx[i] += s * dy[i] * w[i] - c * x[i];
		if (dw)
			for (int i = 0; i < D; i++)
				dw[i] += dy[i] * x[i] * s;
	}
}

/* sign +1 rotates forward, -1 back (the transpose, for the backward pass) */
static void K_(rotate)(real *x, int T, int nh, int hd, const int *pos, int pos0,
		       const float *inv_freq, int sign)
{
	int half = hd / 2;
	for (int t = 0; t < T; t++) {
		float p = (float)(pos ? pos[t] : pos0 + t);
		for (int i = 0; i < half; i++) {
			float a = p * inv_freq[i];
			real c = cosf(a), s = sign * sinf(a);
			for (int h = 0; h < nh; h++) {
				real *v = x + ((size_t)t * nh + h) * hd;
				real x1 = v[i], x2 = v[i + half];
				v[i] = x1 * c - x2 * s;
				v[i + half] = x2 * c + x1 * s;
			}
		}
	}
}

static void K_(rope)(real *x, int T, int nh, int hd, const int *pos, int pos0, const float *inv_freq)
{
	K_(rotate)(x, T, nh, hd, pos, pos0, inv_freq, 1);
}

static void K_(rope_backward)(real *dx, int T, int nh, int hd, const int *pos, int pos0,
			      const float *inv_freq)
{
	K_(rotate)(dx, T, nh, hd, pos, pos0, inv_freq, -1);
}

/* softmax of row[0..n) in place, and zeros in row[n..len) (the causal mask) */
static void K_(softmax_masked)(real *row, int n, int len)
{
	real mx = -INFINITY, sum = 0;
	for (int s = 0; s < n; s++)
		if (row[s] > mx)
			mx = row[s];
	for (int s = 0; s < n; s++)
		sum += (row[s] = exp(row[s] - mx));
	real inv = 1 / sum;
	for (int s = 0; s < n; s++)
		row[s] *= inv;
	for (int s = n; s < len; s++)
		row[s] = 0;
}

#define ATT_ROWS 256	/* query rows per block of scores: [ATT_ROWS, S] reals */

static void K_(attention)(real *out, const real *q, const real *k, const real *v,
			  int T, int pos0, int H, int KV, int hd)
{
	int group = H / KV, S = pos0 + T;
	int qs = H * hd, ks = KV * hd;
	real scale = 1 / sqrt((real)hd);
	int rows = T < ATT_ROWS ? T : ATT_ROWS;
	real *sc = malloc(sizeof(real) * rows * S);
	for (int h = 0; h < H; h++) {
		const real *kb = k + (size_t)(h / group) * hd, *vb = v + (size_t)(h / group) * hd;
		if (T == 1) {	/* decoding: one query, a dot product per cached position */
			const real *qv = q + (size_t)h * hd;
			for (int s = 0; s < S; s++) {
				real d = 0;
				for (int i = 0; i < hd; i++)
					d += qv[i] * kb[(size_t)s * ks + i];
				sc[s] = d * scale;
			}
			K_(softmax_masked)(sc, S, S);
			real *o = out + (size_t)h * hd;
			memset(o, 0, sizeof(real) * hd);
			for (int s = 0; s < S; s++)
				for (int i = 0; i < hd; i++)
					o[i] += sc[s] * vb[(size_t)s * ks + i];
			continue;
		}
		/* a prompt: blocks of query rows t0..t0+tb see keys 0..n */
		for (int t0 = 0; t0 < T; t0 += rows) {
			int tb = T - t0 < rows ? T - t0 : rows, n = pos0 + t0 + tb;
			const real *qb = q + (size_t)t0 * qs + (size_t)h * hd;
			/* sc[tb, n] = scale * q[tb, hd] @ k[n, hd]^T */
			K_(gemm)(0, 1, tb, n, hd, scale, qb, qs, kb, ks, 0, sc, n);
			for (int r = 0; r < tb; r++)	/* row r sees positions 0..pos0+t0+r */
				K_(softmax_masked)(sc + (size_t)r * n, pos0 + t0 + r + 1, n);
			/* out[tb, hd] = sc[tb, n] @ v[n, hd] */
			K_(gemm)(0, 0, tb, hd, n, 1, sc, n, vb, ks, 0, out + (size_t)t0 * qs + (size_t)h * hd, qs);
		}
	}
	free(sc);
}

/* One segment's causal attention per head: P = softmax(scale q k^T) [n, n],
 * out = P v. Segments are independent: no query sees another's keys. */
static void K_(attention_train)(real *out, real *probs, const real *q, const real *k,
				const real *v, int nseg, const int *seg, int H, int KV, int hd)
{
	int group = H / KV, qs = H * hd, ks = KV * hd;
	real scale = 1 / sqrt((real)hd);
	size_t P = nn_att_probs(nseg, seg), off = 0;
	for (int i = 0; i < nseg; i++) {
		int a = seg[i], n = seg[i + 1] - seg[i];
		for (int h = 0; h < H; h++) {
			size_t kv = (size_t)(h / group) * hd;
			real *p = probs + h * P + off;
			K_(gemm)(0, 1, n, n, hd, scale, q + (size_t)a * qs + (size_t)h * hd, qs,
				 k + (size_t)a * ks + kv, ks, 0, p, n);
			for (int r = 0; r < n; r++)
				K_(softmax_masked)(p + (size_t)r * n, r + 1, n);
			K_(gemm)(0, 0, n, hd, n, 1, p, n, v + (size_t)a * ks + kv, ks, 0,
				 out + (size_t)a * qs + (size_t)h * hd, qs);
		}
		off += (size_t)n * n;
	}
}

/* dP = dout v^T; dS = P * (dP - rowsum(P * dP)); dq = scale dS k;
 * dk += scale dS^T q; dv += P^T dout (kv heads sum over their query group) */
static void K_(attention_backward)(real *dq, real *dk, real *dv, const real *dout,
				   const real *probs, const real *q, const real *k, const real *v,
				   int nseg, const int *seg, int H, int KV, int hd)
{
	int group = H / KV, qs = H * hd, ks = KV * hd, nmax = 0;
	real scale = 1 / sqrt((real)hd);
	size_t P = nn_att_probs(nseg, seg), off = 0;
	for (int i = 0; i < nseg; i++)
		if (seg[i + 1] - seg[i] > nmax)
			nmax = seg[i + 1] - seg[i];
	memset(dk, 0, sizeof(real) * seg[nseg] * ks);
	memset(dv, 0, sizeof(real) * seg[nseg] * ks);
	real *ds = malloc(sizeof(real) * ((size_t)nmax * nmax + 1));
	for (int i = 0; i < nseg; i++) {
		int a = seg[i], n = seg[i + 1] - seg[i];
		for (int h = 0; h < H; h++) {
			size_t kv = (size_t)(h / group) * hd;
			const real *p = probs + h * P + off;
			const real *dob = dout + (size_t)a * qs + (size_t)h * hd;
			K_(gemm)(0, 1, n, n, hd, 1, dob, qs, v + (size_t)a * ks + kv, ks, 0, ds, n);
			for (int r = 0; r < n; r++) {
				real *d = ds + (size_t)r * n, dot = 0;
				const real *pr = p + (size_t)r * n;
				for (int c = 0; c <= r; c++)
					dot += pr[c] * d[c];
				for (int c = 0; c <= r; c++)
					d[c] = pr[c] * (d[c] - dot);
				for (int c = r + 1; c < n; c++)
					d[c] = 0;
			}
			K_(gemm)(0, 0, n, hd, n, scale, ds, n, k + (size_t)a * ks + kv, ks, 0,
				 dq + (size_t)a * qs + (size_t)h * hd, qs);
			K_(gemm)(1, 0, n, hd, n, scale, ds, n, q + (size_t)a * qs + (size_t)h * hd, qs, 1,
				 dk + (size_t)a * ks + kv, ks);
			K_(gemm)(1, 0, n, hd, n, 1, p, n, dob, qs, 1, dv + (size_t)a * ks + kv, ks);
		}
		off += (size_t)n * n;
	}
	free(ds);
}

static void K_(swiglu)(real *g, const real *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g[i] = g[i] / (1 + exp(-g[i])) * u[i];
}

static void K_(swiglu_out)(real *h, const real *g, const real *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h[i] = g[i] / (1 + exp(-g[i])) * u[i];
}

/* h = g sig(g) u: dg = dh u sig(g) (1 + g (1 - sig(g))), du = dh g sig(g) */
static void K_(swiglu_backward)(real *dg, real *du, const real *dh, const real *g,
				const real *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		real s = 1 / (1 + exp(-g[i]));
		dg[i] = dh[i] * u[i] * s * (1 + g[i] * (1 - s));
		du[i] = dh[i] * g[i] * s;
	}
}

static void K_(embed)(real *out, const real *table, const int *ids, int T, int D)
{
	for (int t = 0; t < T; t++)
		memcpy(out + (size_t)t * D, table + (size_t)ids[t] * D, sizeof(real) * D);
}

static void K_(embed_backward)(real *dtable, const real *dout, const int *ids, int T, int D)
{
	for (int t = 0; t < T; t++) {
		real *d = dtable + (size_t)ids[t] * D;
		const real *g = dout + (size_t)t * D;
		for (int i = 0; i < D; i++)
			d[i] += g[i];
	}
}

static void K_(cross_entropy)(real *loss, real *logits, const int *targets, int T, int V,
			      real dscale)
{
	for (int t = 0; t < T; t++) {
		real *x = logits + (size_t)t * V;
		if (targets[t] < 0) {
			loss[t] = 0;
			memset(x, 0, sizeof(real) * V);
			continue;
		}
		real mx = x[0];
		for (int i = 1; i < V; i++)
			if (x[i] > mx)
				mx = x[i];
		double sum = 0;
		for (int i = 0; i < V; i++)
			sum += exp(x[i] - mx);
		real lse = mx + log(sum);
		loss[t] = lse - x[targets[t]];
		for (int i = 0; i < V; i++)
			x[i] = exp(x[i] - lse) * dscale;
		x[targets[t]] -= dscale;
	}
}

static void K_(dropout)(real *out, const real *in, size_t n, float p, uint64_t seed)
{
	real k = 1 / (1 - (real)p);
	for (size_t i = 0; i < n; i++)
		out[i] = nn_dropout_keep(seed, i, p) ? in[i] * k : 0;
}

static void K_(dropout_backward)(real *din, const real *dout, size_t n, float p, uint64_t seed)
{
	real k = 1 / (1 - (real)p);
	for (size_t i = 0; i < n; i++)
		if (nn_dropout_keep(seed, i, p))
			din[i] += dout[i] * k;
}

static void K_(add)(real *y, const real *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] += x[i];
}

static void K_(scale)(real *x, size_t n, float a)
{
	for (size_t i = 0; i < n; i++)
		x[i] *= a;
}

static double K_(sumsq)(const real *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return s;
}

static void K_(adamw)(real *p, const real *g, real *m, real *v, size_t n, float lr, float b1,
		      float b2, float eps, float wd, int t)
{
	real c1 = 1 / (1 - pow(b1, t)), c2 = 1 / (1 - pow(b2, t));
	for (size_t i = 0; i < n; i++) {
		m[i] = b1 * m[i] + (1 - b1) * g[i];
		v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
		p[i] -= lr * (m[i] * c1 / (sqrt(v[i] * c2) + eps) + wd * p[i]);
	}
}
