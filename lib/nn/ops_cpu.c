/* nn/ops_cpu.c — the reference backend: fp32 kernels (nn/ops_cpu_k.h), OpenBLAS. */
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "nn/ops.h"

size_t nn_att_probs(int nseg, const int *seg)
{
	size_t P = 0;
	for (int i = 0; i < nseg; i++)
		P += (size_t)(seg[i + 1] - seg[i]) * (seg[i + 1] - seg[i]);
	return P;
}

#define real float
#define K_(name) name##_f32
#define GEMM cblas_sgemm
#include "nn/ops_cpu_k.h"

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
static void cpu_zero(void *p, size_t n) { memset(p, 0, n); }

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
		gemm_f32(0, 1, T, N, K, alpha, in, K, w, K, beta, out, N);
}

static void cpu_matmul_acc(float *w, const float *b, const float *a, int N, int r, int K, float alpha)
{
	gemm_f32(0, 0, N, K, r, alpha, b, r, a, K, 1.0f, w, K);
}

const nn_ops nn_cpu_ops = {
	.name = "cpu",
	.host = 1,
	.alloc = cpu_alloc,
	.free = cpu_free,
	.upload = cpu_copy,
	.download = cpu_copy,
	.copy = cpu_copy,
	.zero = cpu_zero,
	.set_threads = cpu_set_threads,
	.gemm = gemm_f32,
	.matmul = cpu_matmul,
	.matmul_acc = cpu_matmul_acc,
	.rmsnorm = rmsnorm_f32,
	.rmsnorm_backward = rmsnorm_backward_f32,
	.rope = rope_f32,
	.rope_backward = rope_backward_f32,
	.attention = attention_f32,
	.attention_train = attention_train_f32,
	.attention_backward = attention_backward_f32,
	.swiglu = swiglu_f32,
	.swiglu_out = swiglu_out_f32,
	.swiglu_backward = swiglu_backward_f32,
	.embed = embed_f32,
	.embed_backward = embed_backward_f32,
	.cross_entropy = cross_entropy_f32,
	.dropout = dropout_f32,
	.dropout_backward = dropout_backward_f32,
	.add = add_f32,
	.scale = scale_f32,
	.sumsq = sumsq_f32,
	.adamw = adamw_f32,
};
