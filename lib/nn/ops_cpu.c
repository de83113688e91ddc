/* nn/ops_cpu.c — the reference backend: fp32, OpenBLAS GEMM, OpenMP loops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <omp.h>
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

/* Two thread pools share the cores: OpenBLAS's for the matrix products and
 * OpenMP's for the rest. Both spin a while when they run out of work, so
 * the OpenMP loops below only run in parallel on a prompt's many tokens;
 * while decoding (one token) they stay on the calling thread, and OpenBLAS
 * has the cores to itself. (With OpenMP loops in every layer of decoding,
 * two threads decoded ~10x slower than one on a busy 2-core machine.) */
static void cpu_set_threads(int n)
{
	if (n < 1)
		n = 1;
	openblas_set_num_threads(n);
	omp_set_num_threads(n);
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
	#pragma omp parallel for if ((size_t)R * D >= 65536)
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
	#pragma omp parallel for if ((size_t)T * nh * hd >= 65536)
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

static void cpu_attention(float *out, const float *q, const float *k, const float *v,
			  int T, int pos0, int H, int KV, int hd)
{
	int group = H / KV, S = pos0 + T;
	size_t qs = (size_t)H * hd, ks = (size_t)KV * hd;
	float scale = 1.0f / sqrtf((float)hd);
	#pragma omp parallel if (T > 1)
	{
		float *sc = malloc(sizeof(float) * S);
		#pragma omp for collapse(2) schedule(static)
		for (int t = 0; t < T; t++)
			for (int h = 0; h < H; h++) {
				const float *qv = q + t * qs + (size_t)h * hd;
				const float *kb = k + (size_t)(h / group) * hd;
				const float *vb = v + (size_t)(h / group) * hd;
				int n = pos0 + t + 1;	/* causal: positions 0..pos0+t */
				float mx = -INFINITY;
				for (int s = 0; s < n; s++) {
					const float *kv = kb + s * ks;
					float d = 0;
					for (int i = 0; i < hd; i++)
						d += qv[i] * kv[i];
					sc[s] = d * scale;
					if (sc[s] > mx)
						mx = sc[s];
				}
				float sum = 0;
				for (int s = 0; s < n; s++)
					sum += (sc[s] = expf(sc[s] - mx));
				float inv = 1.0f / sum;
				float *o = out + t * qs + (size_t)h * hd;
				memset(o, 0, sizeof(float) * hd);
				for (int s = 0; s < n; s++) {
					const float *vv = vb + s * ks;
					float p = sc[s] * inv;
					for (int i = 0; i < hd; i++)
						o[i] += p * vv[i];
				}
			}
		free(sc);
	}
}

static void cpu_swiglu(float *g, const float *u, size_t n)
{
	#pragma omp parallel for if (n >= 65536)
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
