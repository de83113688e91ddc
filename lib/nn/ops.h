/* nn/ops.h — the math a decoder needs, behind one table of functions.
 *
 * The model code (nn/model.c) never does arithmetic itself: it calls these.
 * The CPU table (nn/ops_cpu.c: fp32, OpenBLAS GEMM/GEMV on its threads) is the
 * reference; a CUDA backend provides the same table over device memory, and
 * its kernels are checked against this one. Every pointer an op receives was
 * allocated with the same table's alloc. Row-major throughout; shapes are
 * given as [rows, cols]. T = tokens in this call, D = model width,
 * H/KV = query/key-value heads, hd = head dim, S = cached positions.
 */
#ifndef LS_NN_OPS_H
#define LS_NN_OPS_H
#include <stddef.h>

typedef struct nn_ops {
	const char *name;
	void *(*alloc)(size_t bytes);			/* zeroed */
	void (*free)(void *p);
	void (*upload)(void *dst, const void *host, size_t bytes);
	void (*download)(void *host, const void *src, size_t bytes);
	void (*copy)(void *dst, const void *src, size_t bytes);	/* within the backend */
	void (*set_threads)(int n);

	/* out[T,N] = alpha * in[T,K] @ w[N,K]^T + beta * out[T,N]   (a Linear layer) */
	void (*matmul)(float *out, const float *in, const float *w, int T, int K, int N,
		       float alpha, float beta);
	/* w[N,K] += alpha * b[N,r] @ a[r,K]   (merging a LoRA update) */
	void (*matmul_acc)(float *w, const float *b, const float *a, int N, int r, int K, float alpha);
	/* out[R,D] = in[R,D] / sqrt(mean(in^2) + eps) * w[D], row by row (in == out allowed) */
	void (*rmsnorm)(float *out, const float *in, const float *w, int R, int D, float eps);
	/* rotate x[T, nh, hd] in place: pair (i, i + hd/2) by angle (pos0 + t) * inv_freq[i] */
	void (*rope)(float *x, int T, int nh, int hd, int pos0, const float *inv_freq);
	/* causal grouped-query attention for T new queries at positions pos0..pos0+T-1:
	 * q[T, H*hd], caches k/v[S, KV*hd] (S >= pos0 + T, rows 0..pos0+T-1 filled),
	 * out[T, H*hd]; query head h reads kv head h / (H / KV) */
	void (*attention)(float *out, const float *q, const float *k, const float *v,
			  int T, int pos0, int H, int KV, int hd);
	/* gate[n] = silu(gate[n]) * up[n] */
	void (*swiglu)(float *gate, const float *up, size_t n);
	/* out[T, D] = table[ids[t], D] */
	void (*embed)(float *out, const float *table, const int *ids, int T, int D);
} nn_ops;

extern const nn_ops nn_cpu_ops;

#endif
