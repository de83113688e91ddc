/* nn/ops_cpu.c — the reference backend: fp32, OpenBLAS GEMM, OpenMP loops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "nn/ops.h"

static void *cpu_alloc(size_t n)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, n ? n : 64))
		return NULL;
	memset(p, 0, n);
	return p;
}

static void cpu_free(void *p) { free(p); }
static void cpu_copy(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }

/* One thread pool: OpenBLAS's. Every product of matrices, attention's
 * included, goes through BLAS; what is left (norms, rotations, softmax) is
 * linear in the activations and runs on the calling thread. A second pool
 * (OpenMP loops) spinning while OpenBLAS's threads wanted the cores made two
 * threads decode ~10x slower than one on a busy 2-core machine. */
static void cpu_set_threads(int n)
{
	openblas_set_num_threads(n < 1 ? 1 : n);
}

static void cpu_matmul(float *out, const float *in, const float *w, int T, int K, int N,
		       float alpha, float beta)
{
	if (T == 1)	/* decoding: a matrix-vector product reads W once */
		cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, alpha, w, K, in, 1, beta, out, 1);
	else
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, N, K, alpha, in, K, w, K,
			    beta, out, N);
}

static void cpu_matmul_acc(float *w, const float *b, const float *a, int N, int r, int K, float alpha)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, K, r, alpha, b, r, a, K, 1.0f, w, K);
}

static void cpu_rmsnorm(float *out, const float *in, const float *w, int R, int D, float eps)
{
	for (int r = 0; r < R; r++) {
		const float *x = in + (size_t)r * D;
		float *o = out + (size_t)r * D;
		float ss = 0;
		for (int i = 0; i < D; i++)
			ss += x[i] * x[i];
		float s = 1.0f / sqrtf(ss / D + eps);
		for (int i = 0; i < D; i++)
			o[i] = x[i] * s * w[i];
	}
}

static void cpu_rope(float *x, int T, int nh, int hd, int pos0, const float *inv_freq)
{
	int half = hd / 2;
	for (int t = 0; t < T; t++) {
		float pos = (float)(pos0 + t);
		for (int i = 0; i < half; i++) {
			float a = pos * inv_freq[i], c = cosf(a), s = sinf(a);
			for (int h = 0; h < nh; h++) {
				float *v = x + ((size_t)t * nh + h) * hd;
				float x1 = v[i], x2 = v[i + half];
				v[i] = x1 * c - x2 * s;
				v[i + half] = x2 * c + x1 * s;
			}
		}
	}
}

/* softmax of row[0..n) in place, and zeros in row[n..len) (the causal mask) */
static void softmax_masked(float *row, int n, int len)
{
	float mx = -INFINITY, sum = 0;
	for (int s = 0; s < n; s++)
		if (row[s] > mx)
			mx = row[s];
	for (int s = 0; s < n; s++)
		sum += (row[s] = expf(row[s] - mx));
	float inv = 1.0f / sum;
	for (int s = 0; s < n; s++)
		row[s] *= inv;
	for (int s = n; s < len; s++)
		row[s] = 0;
}

#define ATT_ROWS 256	/* query rows per block of scores: [ATT_ROWS, S] floats */

static void cpu_attention(float *out, const float *q, const float *k, const float *v,
			  int T, int pos0, int H, int KV, int hd)
{
	int group = H / KV, S = pos0 + T;
	int qs = H * hd, ks = KV * hd;
	float scale = 1.0f / sqrtf((float)hd);
	int rows = T < ATT_ROWS ? T : ATT_ROWS;
	float *sc = malloc(sizeof(float) * rows * S);
	for (int h = 0; h < H; h++) {
		const float *kb = k + (size_t)(h / group) * hd, *vb = v + (size_t)(h / group) * hd;
		if (T == 1) {	/* decoding: one query, a dot product per cached position */
			const float *qv = q + (size_t)h * hd;
			for (int s = 0; s < S; s++) {
				float d = 0;
				for (int i = 0; i < hd; i++)
					d += qv[i] * kb[(size_t)s * ks + i];
				sc[s] = d * scale;
			}
			softmax_masked(sc, S, S);
			float *o = out + (size_t)h * hd;
			memset(o, 0, sizeof(float) * hd);
			for (int s = 0; s < S; s++)
				for (int i = 0; i < hd; i++)
					o[i] += sc[s] * vb[(size_t)s * ks + i];
			continue;
		}
		/* a prompt: blocks of query rows t0..t0+tb see keys 0..n */
		for (int t0 = 0; t0 < T; t0 += rows) {
			int tb = T - t0 < rows ? T - t0 : rows, n = pos0 + t0 + tb;
			const float *qb = q + (size_t)t0 * qs + (size_t)h * hd;
			/* sc[tb, n] = scale * q[tb, hd] @ k[n, hd]^T */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tb, n, hd, scale, qb, qs,
				    kb, ks, 0.0f, sc, n);
			for (int r = 0; r < tb; r++)	/* row r sees positions 0..pos0+t0+r */
				softmax_masked(sc + (size_t)r * n, pos0 + t0 + r + 1, n);
			/* out[tb, hd] = sc[tb, n] @ v[n, hd] */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, tb, hd, n, 1.0f, sc, n,
				    vb, ks, 0.0f, out + (size_t)t0 * qs + (size_t)h * hd, qs);
		}
	}
	free(sc);
}

static void cpu_swiglu(float *g, const float *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

static void cpu_embed(float *out, const float *table, const int *ids, int T, int D)
{
	for (int t = 0; t < T; t++)
		memcpy(out + (size_t)t * D, table + (size_t)ids[t] * D, sizeof(float) * D);
}

const nn_ops nn_cpu_ops = {
	.name = "cpu",
	.alloc = cpu_alloc,
	.free = cpu_free,
	.upload = cpu_copy,
	.download = cpu_copy,
	.copy = cpu_copy,
	.set_threads = cpu_set_threads,
	.matmul = cpu_matmul,
	.matmul_acc = cpu_matmul_acc,
	.rmsnorm = cpu_rmsnorm,
	.rope = cpu_rope,
	.attention = cpu_attention,
	.swiglu = cpu_swiglu,
	.embed = cpu_embed,
};
