/* nn/ops.h — the math a decoder needs, forward and backward, behind one table.
 *
 * The model code (nn/model.c for inference, nn/backprop.c for training) never
 * does arithmetic itself: it calls these. The CPU table (nn/ops_cpu.c over the
 * kernels of nn/ops_cpu_k.h: fp32, OpenBLAS GEMM on its threads) is the
 * reference; a CUDA backend provides the same table over device memory, and
 * its kernels are checked against this one (tests/unit/test_nn_ops.c checks
 * every CPU backward against finite differences in double precision).
 *
 * Conventions, for every op:
 * - Float pointers were allocated with the same table's alloc (device memory
 *   on a GPU). Integer arrays (ids, targets, positions, segments) and scalars
 *   are host memory: a device backend copies what it needs.
 * - Row-major; shapes are [rows, cols]. T = tokens in this call, D = model
 *   width, H/KV = query/key-value heads, hd = head dim, S = cached positions,
 *   F = MLP width, V = vocabulary.
 * - A backward op is named after its forward with _backward. It reads the
 *   forward's inputs (kept by the caller), never its own outputs unless said.
 *   "+=" means it accumulates into the gradient (residual streams and weight
 *   gradients add up over uses and micro-batches); "=" means it overwrites.
 *   A NULL weight gradient means the weight is frozen: that part is skipped.
 * - Training batches are N tokens in segments: segment i is rows
 *   seg[i]..seg[i+1]-1 (seg[0] = 0, seg[nseg] = N), one example or one
 *   sequence of a batch; attention never crosses a segment boundary.
 */
#ifndef LS_NN_OPS_H
#define LS_NN_OPS_H
#include <stddef.h>
#include <stdint.h>

typedef struct nn_ops {
	const char *name;
	int host;	/* 1 when alloc returns host memory (the CPU): callers may read it directly */
	void *(*alloc)(size_t bytes);			/* zeroed; NULL when out of memory */
	void (*free)(void *p);
	void (*upload)(void *dst, const void *host, size_t bytes);
	void (*download)(void *host, const void *src, size_t bytes);
	void (*copy)(void *dst, const void *src, size_t bytes);	/* within the backend */
	void (*zero)(void *p, size_t bytes);
	void (*set_threads)(int n);

	/* ---- products -------------------------------------------------------- */
	/* C[M,N] = alpha * op(A) @ op(B) + beta * C, op(X) = X^T when its flag is
	 * set: A is [M,K] (or [K,M] transposed), B is [K,N] (or [N,K]); lda/ldb/ldc
	 * are row strides. Backward of a product is two more products: for
	 * Y = X W^T, dX += dY W and dW += dY^T X. */
	void (*gemm)(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
		     const float *B, int ldb, float beta, float *C, int ldc);
	/* out[T,N] = alpha * in[T,K] @ w[N,K]^T + beta * out[T,N]   (a Linear layer;
	 * a GEMV when T is 1) */
	void (*matmul)(float *out, const float *in, const float *w, int T, int K, int N,
		       float alpha, float beta);
	/* w[N,K] += alpha * b[N,r] @ a[r,K]   (merging a LoRA update) */
	void (*matmul_acc)(float *w, const float *b, const float *a, int N, int r, int K, float alpha);

	/* ---- layers ------------------------------------------------------------ */
	/* out[R,D] = in[R,D] / sqrt(mean(in^2) + eps) * w[D], row by row (in == out allowed) */
	void (*rmsnorm)(float *out, const float *in, const float *w, int R, int D, float eps);
	/* din[R,D] += d/din, dw[D] += d/dw (dw NULL: frozen), from dout[R,D] and the
	 * forward's in and w (din != in) */
	void (*rmsnorm_backward)(float *din, float *dw, const float *dout, const float *in,
				 const float *w, int R, int D, float eps);

	/* rotate x[T, nh, hd] in place: pair (i, i + hd/2) by angle p_t * inv_freq[i],
	 * p_t = pos[t] when pos is given, else pos0 + t */
	void (*rope)(float *x, int T, int nh, int hd, const int *pos, int pos0, const float *inv_freq);
	/* dx[T, nh, hd] in place: the transposed rotation (by -angle) */
	void (*rope_backward)(float *dx, int T, int nh, int hd, const int *pos, int pos0,
			      const float *inv_freq);

	/* inference: causal grouped-query attention for T new queries at positions
	 * pos0..pos0+T-1: q[T, H*hd], caches k/v[S, KV*hd] (S >= pos0 + T, rows
	 * 0..pos0+T-1 filled), out[T, H*hd]; query head h reads kv head h / (H / KV) */
	void (*attention)(float *out, const float *q, const float *k, const float *v,
			  int T, int pos0, int H, int KV, int hd);
	/* training: causal attention within each segment, q[N, H*hd], k/v[N, KV*hd],
	 * out[N, H*hd] (=). probs keeps the softmax for the backward pass: for head h
	 * and segment i of n_i rows, the [n_i, n_i] block at h * P + sum_{j<i} n_j^2,
	 * P = nn_att_probs(nseg, seg) floats per head */
	void (*attention_train)(float *out, float *probs, const float *q, const float *k,
				const float *v, int nseg, const int *seg, int H, int KV, int hd);
	/* dq (=), dk (=), dv (=) from dout and the forward's probs, q, k, v */
	void (*attention_backward)(float *dq, float *dk, float *dv, const float *dout,
				   const float *probs, const float *q, const float *k, const float *v,
				   int nseg, const int *seg, int H, int KV, int hd);

	/* gate[n] = silu(gate[n]) * up[n], in place (inference) */
	void (*swiglu)(float *gate, const float *up, size_t n);
	/* h[n] = silu(gate[n]) * up[n], keeping gate for the backward pass */
	void (*swiglu_out)(float *h, const float *gate, const float *up, size_t n);
	/* dgate (=), dup (=) from dh and the forward's gate, up */
	void (*swiglu_backward)(float *dgate, float *dup, const float *dh, const float *gate,
				const float *up, size_t n);

	/* out[T, D] = table[ids[t], D] */
	void (*embed)(float *out, const float *table, const int *ids, int T, int D);
	/* dtable[ids[t], D] += dout[t, D] */
	void (*embed_backward)(float *dtable, const float *dout, const int *ids, int T, int D);

	/* Cross-entropy of logits[T, V] against targets[T] (a target < 0 is not
	 * counted: loss 0, gradient 0). loss[t] (=) gets -log p(target);
	 * logits is overwritten by its gradient dscale * (softmax - onehot) (the
	 * caller's dscale is 1 / the number of counted targets of the step). */
	void (*cross_entropy)(float *loss, float *logits, const int *targets, int T, int V,
			      float dscale);

	/* out[n] = in[n] * keep_i / (1 - p), keep_i = (hash(seed, i) >= p): the mask
	 * is a function of (seed, i), so the backward recomputes it (in == out allowed) */
	void (*dropout)(float *out, const float *in, size_t n, float p, uint64_t seed);
	/* din[n] += dout[n] * keep_i / (1 - p) */
	void (*dropout_backward)(float *din, const float *dout, size_t n, float p, uint64_t seed);

	/* ---- vectors and the optimizer -------------------------------------------- */
	void (*add)(float *y, const float *x, size_t n);	/* y += x */
	void (*scale)(float *x, size_t n, float a);		/* x *= a */
	double (*sumsq)(const float *x, size_t n);		/* sum of x^2 (grad norms) */
	/* AdamW on p[n] with gradient g, moments m, v (step t >= 1):
	 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
	 * p -= lr * (m / (1-b1^t) / (sqrt(v / (1-b2^t)) + eps) + wd * p) */
	void (*adamw)(float *p, const float *g, float *m, float *v, size_t n, float lr,
		      float b1, float b2, float eps, float wd, int t);
} nn_ops;

extern const nn_ops nn_cpu_ops;

/* Dropout's mask: element i of the call seeded `seed` is kept when a hash of
 * (seed, i) mapped to [0, 1) is >= p. A function, not a generator's stream, so
 * the backward pass and every backend draw the same mask. */
#ifndef NN_HOSTDEV	/* cuda/kernels.cu defines it __host__ __device__: the same mask on the GPU */
#define NN_HOSTDEV
#endif
static inline NN_HOSTDEV int nn_dropout_keep(uint64_t seed, size_t i, float p)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull * (i + 1);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (float)(z >> 40) * (1.0f / 16777216.0f) >= p;
}

/* Floats per head of attention_train's probs for these segments. */
size_t nn_att_probs(int nseg, const int *seg);

#endif
