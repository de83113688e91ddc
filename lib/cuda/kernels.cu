/* cuda/kernels.cu — the device side of the CUDA table (cuda/ops_cuda.c).
 *
 * Compiled by nvcc into one fatbin (sm_80, sm_90, and compute_90 PTX for
 * later chips) that ops_cuda.c embeds and loads through the driver API, so no
 * CUDA runtime is linked into the tools. Every kernel is extern "C" (the
 * loader finds it by name), fp32 in memory, fp32 arithmetic, and mirrors one
 * op of the CPU table (nn/ops_cpu.c), which is its reference: the self-test
 * (nn/opcheck.c) compares the two on awkward shapes.
 *
 * Launch shapes are the loader's business; each kernel states the one it
 * expects. Kernel arguments are passed by address through cuLaunchKernel, so
 * their types here and the loader's argument lists must agree: int for
 * counts that fit, unsigned long long for element counts, float for scalars.
 */
#include <math.h>
#include <stdint.h>
#define NN_HOSTDEV __host__ __device__
#include "nn/ops.h"	/* nn_dropout_keep, the same mask as the CPU's */

#define WARP 32
#define FULL 0xffffffffu

template <typename F> __device__ __forceinline__ F warp_sum(F v)
{
	for (int o = WARP / 2; o > 0; o >>= 1)
		v += __shfl_xor_sync(FULL, v, o);
	return v;
}

__device__ __forceinline__ float warp_max(float v)
{
	for (int o = WARP / 2; o > 0; o >>= 1)
		v = fmaxf(v, __shfl_xor_sync(FULL, v, o));
	return v;
}

/* Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread
 * gets the total. */
template <typename F> __device__ F block_sum(F v)
{
	__shared__ F part[WARP];
	int lane = threadIdx.x % WARP, w = threadIdx.x / WARP, nw = blockDim.x / WARP;
	v = warp_sum(v);
	__syncthreads();	/* part[] may still be read by a previous call */
	if (lane == 0)
		part[w] = v;
	__syncthreads();
	if (w == 0) {
		v = lane < nw ? part[lane] : 0.0f;
		v = warp_sum(v);
		if (lane == 0)
			part[0] = v;
	}
	__syncthreads();
	return part[0];
}

/* Maximum over the block, the same way. */
__device__ float block_max(float v)
{
	__shared__ float part[WARP];
	int lane = threadIdx.x % WARP, w = threadIdx.x / WARP, nw = blockDim.x / WARP;
	v = warp_max(v);
	__syncthreads();
	if (lane == 0)
		part[w] = v;
	__syncthreads();
	v = -INFINITY;
	for (int j = 0; j < nw; j++)
		v = fmaxf(v, part[j]);
	__syncthreads();
	return v;
}

/* ---- RMSNorm (and Qwen3's q/k norm: rows of head_dim) ----------------------
 * out[R,D] = in[R,D] / sqrt(mean(in^2) + eps) * w[D]; in == out allowed, since
 * a thread writes only the elements it read itself.
 * grid R, block a multiple of 32 (<= 1024). */
extern "C" __global__ void nn_k_rmsnorm(float *out, const float *in, const float *w, int R, int D,
				      float eps)
{
	int r = blockIdx.x;
	if (r >= R)
		return;
	const float *x = in + (size_t)r * D;
	float *o = out + (size_t)r * D;
	float ss = 0.0f;
	for (int i = threadIdx.x; i < D; i += blockDim.x)
		ss += x[i] * x[i];
	ss = block_sum(ss);
	float s = 1.0f / sqrtf(ss / D + eps);
	for (int i = threadIdx.x; i < D; i += blockDim.x)
		o[i] = x[i] * s * w[i];
}

/* ---- RoPE -------------------------------------------------------------------
 * Rotate x[T, nh, hd] in place: pair (i, i + hd/2) by angle p_t * inv_freq[i],
 * p_t = pos[t] (device copy) or pos0 + t when pos is NULL; sign -1 rotates
 * back (the backward pass). The frequencies come by value (the model keeps
 * them in host memory), which bounds head_dim at 2 * NN_ROPE_MAX.
 * grid ceil(T*nh*hd/2 / block), one thread per pair. */
#define NN_ROPE_MAX 256
struct nn_freqs { float f[NN_ROPE_MAX]; };

extern "C" __global__ void nn_k_rope(float *x, int T, int nh, int hd, const int *pos, int pos0,
				   float sign, nn_freqs fr)
{
	int half = hd / 2;
	size_t n = (size_t)T * nh * half;
	size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (idx >= n)
		return;
	int i = (int)(idx % half);
	size_t th = idx / half;		/* t * nh + head */
	int t = (int)(th / nh);
	float a = (float)(pos ? pos[t] : pos0 + t) * fr.f[i];
	float c = cosf(a), s = sign * sinf(a);
	float *v = x + th * hd;
	float x1 = v[i], x2 = v[i + half];
	v[i] = x1 * c - x2 * s;
	v[i + half] = x2 * c + x1 * s;
}

/* ---- causal attention with grouped-query heads --------------------------------
 * q[T, H*hd], caches k/v[S, KV*hd], out[T, H*hd]; query t sits at position
 * pos0 + t and sees keys 0..pos0+t; query head h reads kv head h / (H / KV).
 *
 * One block per (query, head), ATT_WARPS warps. Each warp walks every
 * ATT_WARPS-th key with an online softmax (running max m, sum l, weighted
 * values acc, rescaled when the max grows), a lane holding dims lane,
 * lane+32, ... of q and acc; then the warps' partial results are merged
 * through shared memory. Scores never go to memory: one pass over K and V.
 * head_dim is bounded by 32 * ATT_MAXD.
 * grid (T, H), block 32 * ATT_WARPS. */
#define ATT_WARPS 8
#define ATT_MAXD 8

extern "C" __global__ void nn_k_attention(float *out, const float *q, const float *k,
					const float *v, int T, int pos0, int H, int KV, int hd,
					float scale)
{
	__shared__ float sm[ATT_WARPS], sl[ATT_WARPS];
	__shared__ float sacc[ATT_WARPS][WARP * ATT_MAXD];
	int t = blockIdx.x, h = blockIdx.y;
	if (t >= T || h >= H)
		return;
	int lane = threadIdx.x % WARP, w = threadIdx.x / WARP;
	int kvh = h / (H / KV);
	size_t qs = (size_t)H * hd, ks = (size_t)KV * hd;
	const float *qv = q + t * qs + (size_t)h * hd;
	float qr[ATT_MAXD], acc[ATT_MAXD];
#pragma unroll
	for (int j = 0; j < ATT_MAXD; j++) {
		int d = lane + WARP * j;
		qr[j] = d < hd ? qv[d] : 0.0f;
		acc[j] = 0.0f;
	}
	float m = -INFINITY, l = 0.0f;
	int n = pos0 + t + 1;
	for (int s = w; s < n; s += ATT_WARPS) {
		const float *kr = k + s * ks + (size_t)kvh * hd, *vr = v + s * ks + (size_t)kvh * hd;
		float dot = 0.0f;
#pragma unroll
		for (int j = 0; j < ATT_MAXD; j++) {
			int d = lane + WARP * j;
			if (d < hd)
				dot += qr[j] * kr[d];
		}
		float sc = warp_sum(dot) * scale;
		float mn = fmaxf(m, sc), corr = expf(m - mn), p = expf(sc - mn);
		l = l * corr + p;
#pragma unroll
		for (int j = 0; j < ATT_MAXD; j++) {
			int d = lane + WARP * j;
			if (d < hd)
				acc[j] = acc[j] * corr + p * vr[d];
		}
		m = mn;
	}
	if (lane == 0)
		sm[w] = m, sl[w] = l;
#pragma unroll
	for (int j = 0; j < ATT_MAXD; j++)
		sacc[w][lane + WARP * j] = acc[j];
	__syncthreads();
	float M = -INFINITY;
	for (int i = 0; i < ATT_WARPS; i++)
		M = fmaxf(M, sm[i]);
	float *o = out + t * qs + (size_t)h * hd;
	for (int d = threadIdx.x; d < hd; d += blockDim.x) {
		float L = 0.0f, x = 0.0f;
		for (int i = 0; i < ATT_WARPS; i++) {
			if (sm[i] == -INFINITY)	/* a warp that saw no key */
				continue;
			float f = expf(sm[i] - M);
			L += sl[i] * f;
			x += sacc[i][d] * f;
		}
		o[d] = x / L;
	}
}

/* ---- element-wise -------------------------------------------------------------- */

/* gate[n] = silu(gate[n]) * up[n]; grid ceil(n / block) */
extern "C" __global__ void nn_k_swiglu(float *g, const float *u, unsigned long long n)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

/* out[T, D] = table[ids[t], D]; grid (ceil(D / block), T) */
extern "C" __global__ void nn_k_embed(float *out, const float *table, const int *ids, int T, int D)
{
	int t = blockIdx.y, i = blockIdx.x * blockDim.x + threadIdx.x;
	if (t < T && i < D)
		out[(size_t)t * D + i] = table[(size_t)ids[t] * D + i];
}

/* ==== training ===================================================================
 * The backward ops of nn/ops.h. Where the CPU accumulates over rows into one
 * weight gradient (rmsnorm's dw, embedding rows, attention's dk/dv), the
 * kernels sum in a fixed order instead of with atomics, so a step gives the
 * same bits every time on the same GPU. */

/* RMSNorm backward, per row: dx += s dy w - s^3/D x sum(dy w x); keeps s[r]
 * for the weight gradient. grid R, block a multiple of 32. */
extern "C" __global__ void nn_k_rmsnorm_bwd_x(float *din, float *srow, const float *dout,
					    const float *in, const float *w, int R, int D, float eps)
{
	int r = blockIdx.x;
	if (r >= R)
		return;
	const float *x = in + (size_t)r * D, *dy = dout + (size_t)r * D;
	float *dx = din + (size_t)r * D;
	float ss = 0.0f, dot = 0.0f;
	for (int i = threadIdx.x; i < D; i += blockDim.x) {
		ss += x[i] * x[i];
		dot += dy[i] * w[i] * x[i];
	}
	ss = block_sum(ss);
	dot = block_sum(dot);
	float s = 1.0f / sqrtf(ss / D + eps), c = s * s * s / D * dot;
	for (int i = threadIdx.x; i < D; i += blockDim.x)
		dx[i] += s * dy[i] * w[i] - c * x[i];
	if (threadIdx.x == 0)
		srow[r] = s;
}

/* dw partials: part[chunk, D] = sum over the chunk's rows of dy x s.
 * grid (ceil(D / block), ceil(R / rows)) */
extern "C" __global__ void nn_k_rmsnorm_bwd_wpart(float *part, const float *dout, const float *in,
						const float *srow, int R, int D, int rows)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x, r0 = blockIdx.y * rows;
	if (i >= D)
		return;
	float acc = 0.0f;
	for (int r = r0; r < R && r < r0 + rows; r++)
		acc += dout[(size_t)r * D + i] * in[(size_t)r * D + i] * srow[r];
	part[(size_t)blockIdx.y * D + i] = acc;
}

/* dst[D] += sum over chunks of part[chunks, D], in chunk order; grid ceil(D / block) */
extern "C" __global__ void nn_k_sum_rows(float *dst, const float *part, int chunks, int D)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= D)
		return;
	float acc = 0.0f;
	for (int c = 0; c < chunks; c++)
		acc += part[(size_t)c * D + i];
	dst[i] += acc;
}

/* Segment-causal attention for training. seg[nseg+1] row bounds, off[nseg]
 * the offset of each segment's [n, n] block within a head's P floats of
 * probs. Query row t of segment i (rows a..a+n-1) is row r = t - a of the
 * block: it sees keys a..t. The row's softmax goes to probs (zeros past the
 * diagonal), then out = P v.
 * grid (N, H), block ATT_WARPS warps. */
__device__ __forceinline__ int seg_of(const int *seg, int nseg, int t)
{
	int lo = 0, hi = nseg - 1;	/* the last i with seg[i] <= t */
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (seg[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Where query row t of head h sits: its segment starts at row a and has n
 * rows, t is row r of it; kvh its kv head; qs/ks the row strides of q and
 * k; prob the offset of its row of probabilities. */
struct att_row { int a, n, r, kvh; size_t qs, ks, prob; };

__device__ att_row att_locate(const int *seg, const long long *off, int nseg, long long P, int t,
			      int h, int H, int KV, int hd)
{
	att_row x;
	int i = seg_of(seg, nseg, t);
	x.a = seg[i], x.n = seg[i + 1] - x.a, x.r = t - x.a;
	x.kvh = h / (H / KV);
	x.qs = (size_t)H * hd, x.ks = (size_t)KV * hd;
	x.prob = h * P + off[i] + (size_t)x.r * x.n;
	return x;
}

extern "C" __global__ void nn_k_attention_train(float *out, float *probs, const float *q,
					      const float *k, const float *v, const int *seg,
					      const long long *off, int nseg, long long P, int H,
					      int KV, int hd, float scale)
{
	int t = blockIdx.x, h = blockIdx.y;
	att_row x = att_locate(seg, off, nseg, P, t, h, H, KV, hd);
	int a = x.a, n = x.n, r = x.r, kvh = x.kvh;
	size_t qs = x.qs, ks = x.ks;
	int lane = threadIdx.x % WARP, w = threadIdx.x / WARP, nw = blockDim.x / WARP;
	const float *qv = q + (size_t)t * qs + (size_t)h * hd;
	float *p = probs + x.prob;
	/* scores, a warp per key */
	float mx = -INFINITY;
	for (int c = w; c <= r; c += nw) {
		const float *kr = k + (size_t)(a + c) * ks + (size_t)kvh * hd;
		float d = 0.0f;
		for (int j = lane; j < hd; j += WARP)
			d += qv[j] * kr[j];
		d = warp_sum(d) * scale;
		if (lane == 0)
			p[c] = d;
		mx = fmaxf(mx, d);
	}
	mx = block_max(mx);
	float sum = 0.0f;
	for (int c = threadIdx.x; c <= r; c += blockDim.x)
		sum += (p[c] = expf(p[c] - mx));
	sum = block_sum(sum);
	float inv = 1.0f / sum;
	for (int c = threadIdx.x; c < n; c += blockDim.x)
		p[c] = c <= r ? p[c] * inv : 0.0f;
	__syncthreads();
	const float *vb = v + (size_t)a * ks + (size_t)kvh * hd;
	for (int d = threadIdx.x; d < hd; d += blockDim.x) {
		float acc = 0.0f;
		for (int c = 0; c <= r; c++)
			acc += p[c] * vb[(size_t)c * ks + d];
		out[(size_t)t * qs + (size_t)h * hd + d] = acc;
	}
}

/* Attention backward, by query row: dP = dout v^T over the row's keys,
 * dS = P (dP - sum(P dP)) into ds (probs' layout), dq = scale dS k.
 * grid (N, H), block ATT_WARPS warps. */
extern "C" __global__ void nn_k_attention_bwd_q(float *dq, float *ds, const float *dout,
					      const float *probs, const float *k, const float *v,
					      const int *seg, const long long *off, int nseg,
					      long long P, int H, int KV, int hd, float scale)
{
	int t = blockIdx.x, h = blockIdx.y;
	att_row x = att_locate(seg, off, nseg, P, t, h, H, KV, hd);
	int lane = threadIdx.x % WARP, w = threadIdx.x / WARP, nw = blockDim.x / WARP;
	const float *dov = dout + (size_t)t * x.qs + (size_t)h * hd;
	const float *p = probs + x.prob;
	float *d = ds + x.prob;
	float dot = 0.0f;
	for (int c = w; c <= x.r; c += nw) {
		const float *vr = v + (size_t)(x.a + c) * x.ks + (size_t)x.kvh * hd;
		float dp = 0.0f;
		for (int j = lane; j < hd; j += WARP)
			dp += dov[j] * vr[j];
		dp = warp_sum(dp);
		if (lane == 0) {
			d[c] = dp;
			dot += p[c] * dp;
		}
	}
	dot = block_sum(dot);	/* lane 0 of each warp holds its part; the others 0 */
	for (int c = threadIdx.x; c < x.n; c += blockDim.x)
		d[c] = c <= x.r ? p[c] * (d[c] - dot) : 0.0f;
	__syncthreads();
	const float *kb = k + (size_t)x.a * x.ks + (size_t)x.kvh * hd;
	for (int j = threadIdx.x; j < hd; j += blockDim.x) {
		float acc = 0.0f;
		for (int c = 0; c <= x.r; c++)
			acc += d[c] * kb[(size_t)c * x.ks + j];
		dq[(size_t)t * x.qs + (size_t)h * hd + j] = scale * acc;
	}
}

/* ... and by key row: dk = scale sum over the kv head's query heads and the
 * rows that see this key of dS q, dv = the same of P dout (=).
 * grid (N, KV), block >= 32. */
extern "C" __global__ void nn_k_attention_bwd_kv(float *dk, float *dv, const float *ds,
					       const float *probs, const float *q,
					       const float *dout, const int *seg,
					       const long long *off, int nseg, long long P, int H,
					       int KV, int hd, float scale)
{
	int t = blockIdx.x, g = blockIdx.y, group = H / KV;
	int i = seg_of(seg, nseg, t), a = seg[i], n = seg[i + 1] - a, c = t - a;
	size_t qs = (size_t)H * hd, ks = (size_t)KV * hd;
	for (int j = threadIdx.x; j < hd; j += blockDim.x) {
		float ak = 0.0f, av = 0.0f;
		for (int h = g * group; h < (g + 1) * group; h++) {
			const float *p = probs + h * P + off[i], *d = ds + h * P + off[i];
			for (int r = c; r < n; r++) {
				size_t row = (size_t)(a + r) * qs + (size_t)h * hd + j;
				ak += d[(size_t)r * n + c] * q[row];
				av += p[(size_t)r * n + c] * dout[row];
			}
		}
		dk[(size_t)t * ks + (size_t)g * hd + j] = scale * ak;
		dv[(size_t)t * ks + (size_t)g * hd + j] = av;
	}
}

/* h = silu(g) u, and its backward; grid ceil(n / block) */
extern "C" __global__ void nn_k_swiglu_out(float *hh, const float *g, const float *u,
					 unsigned long long n)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		hh[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

extern "C" __global__ void nn_k_swiglu_bwd(float *dg, float *du, const float *dh, const float *g,
					 const float *u, unsigned long long n)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= n)
		return;
	float s = 1.0f / (1.0f + expf(-g[i]));
	dg[i] = dh[i] * u[i] * s * (1.0f + g[i] * (1.0f - s));
	du[i] = dh[i] * g[i] * s;
}

/* dtable[ids[t], D] += dout[t, D]: a thread per column walks the tokens in
 * order, so repeated ids add up without atomics. grid ceil(D / block) */
extern "C" __global__ void nn_k_embed_bwd(float *dtable, const float *dout, const int *ids, int T,
					int D)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= D)
		return;
	for (int t = 0; t < T; t++)
		dtable[(size_t)ids[t] * D + i] += dout[(size_t)t * D + i];
}

/* Cross-entropy per row: loss = logsumexp - x[target]; logits become
 * dscale (softmax - onehot); a target < 0 gives loss 0 and a zero row.
 * The sum of exponentials in double, as on the CPU. grid T, block >= 32. */
extern "C" __global__ void nn_k_cross_entropy(float *loss, float *logits, const int *targets,
					    int T, int V, float dscale)
{
	int t = blockIdx.x;
	if (t >= T)
		return;
	float *x = logits + (size_t)t * V;
	int tg = targets[t];
	if (tg < 0) {
		for (int i = threadIdx.x; i < V; i += blockDim.x)
			x[i] = 0.0f;
		if (threadIdx.x == 0)
			loss[t] = 0.0f;
		return;
	}
	float mx = -INFINITY;
	for (int i = threadIdx.x; i < V; i += blockDim.x)
		mx = fmaxf(mx, x[i]);
	mx = block_max(mx);
	double sum = 0.0;
	for (int i = threadIdx.x; i < V; i += blockDim.x)
		sum += exp((double)(x[i] - mx));
	sum = block_sum(sum);
	float lse = mx + (float)log(sum);
	float xt = x[tg];
	__syncthreads();	/* every thread has read x[tg] before it changes */
	for (int i = threadIdx.x; i < V; i += blockDim.x)
		x[i] = expf(x[i] - lse) * dscale - (i == tg ? dscale : 0.0f);
	if (threadIdx.x == 0)
		loss[t] = lse - xt;
}

/* dropout with the CPU's mask (nn_dropout_keep of (seed, i)); in == out allowed */
extern "C" __global__ void nn_k_dropout(float *out, const float *in, unsigned long long n, float p,
				      unsigned long long seed)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		out[i] = nn_dropout_keep(seed, i, p) ? in[i] * (1.0f / (1.0f - p)) : 0.0f;
}

extern "C" __global__ void nn_k_dropout_bwd(float *din, const float *dout, unsigned long long n,
					  float p, unsigned long long seed)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n && nn_dropout_keep(seed, i, p))
		din[i] += dout[i] * (1.0f / (1.0f - p));
}

/* y += x; x *= a */
extern "C" __global__ void nn_k_add(float *y, const float *x, unsigned long long n)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		y[i] += x[i];
}

extern "C" __global__ void nn_k_scale(float *x, unsigned long long n, float a)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		x[i] *= a;
}

/* part[block] = sum of x^2 over the block's grid-stride share, in double;
 * the host adds the blocks' parts in order. grid fixed, block a multiple of 32 */
extern "C" __global__ void nn_k_sumsq(double *part, const float *x, unsigned long long n)
{
	double s = 0.0;
	for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		s += (double)x[i] * x[i];
	s = block_sum(s);
	if (threadIdx.x == 0)
		part[blockIdx.x] = s;
}

/* AdamW, with the bias corrections c1 = 1/(1-b1^t), c2 = 1/(1-b2^t) from the host */
extern "C" __global__ void nn_k_adamw(float *p, const float *g, float *m, float *v,
				    unsigned long long n, float lr, float b1, float b2, float eps,
				    float wd, float c1, float c2)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= n)
		return;
	float mi = b1 * m[i] + (1.0f - b1) * g[i];
	float vi = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
	m[i] = mi;
	v[i] = vi;
	p[i] -= lr * (mi * c1 / (sqrtf(vi * c2) + eps) + wd * p[i]);
}
