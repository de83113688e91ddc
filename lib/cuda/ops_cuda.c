/* cuda/ops_cuda.c — the CUDA table (see ops_cuda.h): the driver API and
 * cuBLAS through dlopen, kernels from the embedded fatbin. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cuda/ops_cuda.h"
#include "nn/opcheck.h"
#include "nn/util.h"

static double gemm_unit(void);

int nn_self_test(const nn_ops *ops, uint64_t seed, FILE *out)
{
	int cpu = ops->host;
	nn_check_opts o = { .gemm_rel = cpu ? 1e-6 : gemm_unit() };
	fprintf(out, "# self-test: %s (%s, gemm %s) against cpu, seed %llu\n", ops->name,
		cpu ? "the reference itself" : nn_cuda_device(), cpu ? "fp32" : nn_cuda_gemm_name(),
		(unsigned long long)seed);
	int bad = nn_ops_check(&nn_cpu_ops, ops, seed, &o, out);
	fprintf(out, "# %s\n", bad ? "FAILED" : "all ops within tolerance");
	return bad;
}

const nn_ops *nn_device_open(const char *name, char *err, size_t errsz, char *notice,
			     size_t noticesz)
{
	if (notice && noticesz)
		notice[0] = 0;
	if (!strcmp(name, "cpu"))
		return &nn_cpu_ops;
	if (strcmp(name, "cuda") && strcmp(name, "auto")) {
		nn_err(err, errsz, "unknown device '%s' (cpu, cuda or auto)", name);
		return NULL;
	}
	char why[512];
	const nn_ops *ops = nn_cuda_ops(why, sizeof why);
	if (ops)
		return ops;
	if (!strcmp(name, "cuda")) {
		nn_err(err, errsz, "--device cuda: %s", why);
		return NULL;
	}
	nn_err(notice, noticesz, "%s: using the CPU", why);
	return &nn_cpu_ops;
}

#ifndef LS_CUDA

const nn_ops *nn_cuda_ops(char *err, size_t errsz)
{
	nn_err(err, errsz, "no CUDA device: built without CUDA (nvcc was not found at build time)");
	return NULL;
}

const char *nn_cuda_device(void) { return NULL; }
int nn_cuda_gemm_mode(const char *mode) { (void)mode; return -1; }
const char *nn_cuda_gemm_name(void) { return "none"; }
static double gemm_unit(void) { return 1e-6; }

#else

#include <dlfcn.h>
#include <stdint.h>
#include <cuda.h>
#include <cublas_v2.h>
#include "rec/tool.h"

/* The kernels, built by nvcc (Makefile: LS_CUDA_FATBIN) and embedded here. */
__asm__(".section .rodata\n"
	".balign 64\n"
	".globl nn_cuda_fatbin\n"
	".hidden nn_cuda_fatbin\n"
	"nn_cuda_fatbin:\n"
	".incbin \"" LS_CUDA_FATBIN "\"\n"
	".byte 0\n"
	".previous\n");

/* Entry points looked up with dlsym, typed from the headers themselves (so a
 * prototype that changes breaks the build, not a run on someone's GPU). */
#define DRIVER_FNS(X) X(cuInit) X(cuGetErrorString) X(cuDeviceGetCount) X(cuDeviceGet) \
	X(cuDeviceGetName) X(cuDeviceGetAttribute) X(cuDeviceTotalMem_v2) \
	X(cuDevicePrimaryCtxRetain) X(cuCtxSetCurrent) X(cuCtxSynchronize) \
	X(cuModuleLoadData) X(cuModuleGetFunction) X(cuLaunchKernel) X(cuMemAlloc_v2) \
	X(cuMemFree_v2) X(cuMemsetD8_v2) X(cuMemcpyHtoD_v2) X(cuMemcpyDtoH_v2) \
	X(cuMemcpyDtoDAsync_v2) X(cuMemsetD8Async)
#define BLAS_FNS(X) X(cublasCreate_v2) X(cublasGemmEx)
#define DECLARE(f) __typeof__(&f) f;
static struct { DRIVER_FNS(DECLARE) BLAS_FNS(DECLARE) } cu;

#define KERNELS(X) X(rmsnorm) X(rope) X(attention) X(swiglu) X(embed) X(rmsnorm_bwd_x) \
	X(rmsnorm_bwd_wpart) X(sum_rows) X(attention_train) X(attention_bwd_q) \
	X(attention_bwd_kv) X(swiglu_out) X(swiglu_bwd) X(embed_bwd) X(cross_entropy) \
	X(dropout) X(dropout_bwd) X(add) X(scale) X(sumsq) X(adamw)
#define KDECLARE(k) CUfunction k;
static struct { KERNELS(KDECLARE) } kern;

/* kernels.cu's bounds */
#define ROPE_MAX 256
#define ATT_WARPS 8
#define ATT_MAXD 8
#define SUMSQ_BLOCKS 256
#define NORM_ROWS 64	/* rows per partial sum of rmsnorm's dw */
struct freqs { float f[ROPE_MAX]; };

static CUcontext ctx;
static cublasHandle_t blas;
static cublasComputeType_t gemm_compute = CUBLAS_COMPUTE_32F_FAST_16BF;
static int sync_each;			/* LS_CUDA_SYNC=1: find the op that failed */
static char device_desc[256];
static __thread int ctx_current;	/* the context is per thread in the driver API */
/* Device scratch that grows on demand: host integer arrays copied over, partial sums. */
typedef struct { CUdeviceptr p; size_t cap; } dbuf;
static dbuf b_ids, b_pos, b_seg, b_off, b_part, b_ds;

static const char *cu_msg(CUresult r)
{
	const char *s = NULL;
	if (cu.cuGetErrorString)
		cu.cuGetErrorString(r, &s);
	return s ? s : "unknown CUDA error";
}

static void check(CUresult r, const char *what)
{
	if (r != CUDA_SUCCESS)
		ls_die(EX_SOFTWARE_, "cuda: %s: %s (error %d)", what, cu_msg(r), (int)r);
}

static void check_blas(cublasStatus_t r, const char *what)
{
	if (r != CUBLAS_STATUS_SUCCESS)
		ls_die(EX_SOFTWARE_, "cuda: %s: cuBLAS status %d", what, (int)r);
}

static void cur(void)
{
	if (!ctx_current) {
		check(cu.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
		ctx_current = 1;
	}
}

#define DP(p) ((CUdeviceptr)(uintptr_t)(p))

static void launch(CUfunction f, const char *what, unsigned gx, unsigned gy, unsigned block,
		   void **args)
{
	if (!gx || !gy)
		return;
	check(cu.cuLaunchKernel(f, gx, gy, 1, block, 1, 1, 0, NULL, args, NULL), what);
	if (sync_each)
		check(cu.cuCtxSynchronize(), what);
}

static CUdeviceptr need(dbuf *b, size_t bytes, const char *what)
{
	if (bytes > b->cap) {
		if (b->p) {	/* a kernel in flight may still read it */
			check(cu.cuCtxSynchronize(), what);
			check(cu.cuMemFree_v2(b->p), what);
		}
		b->p = 0, b->cap = 0;
		check(cu.cuMemAlloc_v2(&b->p, bytes), what);
		b->cap = bytes;
	}
	return b->p;
}

/* a host array on the device, in b (ordered after the kernels before it) */
static CUdeviceptr put(dbuf *b, const void *host, size_t bytes, const char *what)
{
	CUdeviceptr p = need(b, bytes ? bytes : 1, what);
	if (bytes)
		check(cu.cuMemcpyHtoD_v2(p, host, bytes), what);
	return p;
}

static unsigned blocks(size_t n, unsigned block) { return (unsigned)((n + block - 1) / block); }

/* threads for a kernel that walks a row of D values */
static unsigned row_block(int D) { return D >= 1024 ? 1024 : D >= 256 ? 256 : (unsigned)(D + 31) / 32 * 32; }

/* ---- memory: everything on the legacy default stream, so that the
 * synchronous copies order themselves after the kernels before them ---- */

static void *cu_alloc(size_t n)
{
	cur();
	CUdeviceptr p;
	if (cu.cuMemAlloc_v2(&p, n ? n : 1) != CUDA_SUCCESS)
		return NULL;
	check(cu.cuMemsetD8_v2(p, 0, n), "alloc (memset)");
	return (void *)(uintptr_t)p;
}

static void cu_free(void *p)
{
	cur();
	if (p)
		check(cu.cuMemFree_v2(DP(p)), "free");
}

static void cu_upload(void *dst, const void *host, size_t n)
{
	cur();
	if (n)
		check(cu.cuMemcpyHtoD_v2(DP(dst), host, n), "upload");
}

static void cu_download(void *host, const void *src, size_t n)
{
	cur();
	if (n)
		check(cu.cuMemcpyDtoH_v2(host, DP(src), n), "download");
}

static void cu_copy(void *dst, const void *src, size_t n)
{
	cur();
	if (n)
		check(cu.cuMemcpyDtoDAsync_v2(DP(dst), DP(src), n, NULL), "copy");
}

static void cu_zero(void *p, size_t n)
{
	cur();
	if (n)
		check(cu.cuMemsetD8Async(DP(p), 0, n, NULL), "zero");
}

static void cu_set_threads(int n) { (void)n; }

/* ---- GEMM: row-major products as cuBLAS's column-major ones ------------- */

static void gemm_ex(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, float alpha,
		    const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc,
		    const char *what)
{
	cur();
	check_blas(cu.cublasGemmEx(blas, ta, tb, m, n, k, &alpha, A, CUDA_R_32F, lda, B, CUDA_R_32F,
				   ldb, &beta, C, CUDA_R_32F, ldc, gemm_compute, CUBLAS_GEMM_DEFAULT),
		   what);
	if (sync_each)
		check(cu.cuCtxSynchronize(), what);
}

/* C[M,N] = alpha op(A) op(B) + beta C, row-major: column-major that is
 * C^T[N,M] = op(B)^T op(A)^T, and a row-major X is a column-major X^T. */
static void cu_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
		    const float *B, int ldb, float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
	gemm_ex(tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, alpha, B, ldb,
		A, lda, beta, C, ldc, "gemm");
}

/* out[T,N] = alpha in[T,K] @ w[N,K]^T + beta out: column-major that is
 * out^T[N,T] = w^T^T (op T on the K x N view of w) @ in^T[K,T]. */
static void cu_matmul(float *out, const float *in, const float *w, int T, int K, int N,
		      float alpha, float beta)
{
	gemm_ex(CUBLAS_OP_T, CUBLAS_OP_N, N, T, K, alpha, w, K, in, K, beta, out, N, "matmul");
}

/* w[N,K] += alpha b[N,r] @ a[r,K]: column-major w^T[K,N] += a^T[K,r] @ b^T[r,N]. */
static void cu_matmul_acc(float *w, const float *b, const float *a, int N, int r, int K, float alpha)
{
	gemm_ex(CUBLAS_OP_N, CUBLAS_OP_N, K, N, r, alpha, a, K, b, r, 1.0f, w, K, "matmul_acc");
}

/* ---- our kernels ---------------------------------------------------------- */

static void cu_rmsnorm(float *out, const float *in, const float *w, int R, int D, float eps)
{
	cur();
	CUdeviceptr o = DP(out), i = DP(in), ww = DP(w);
	void *args[] = { &o, &i, &ww, &R, &D, &eps };
	launch(kern.rmsnorm, "rmsnorm", (unsigned)R, 1, row_block(D), args);
}

static void rotate(float *x, int T, int nh, int hd, const int *pos, int pos0,
		   const float *inv_freq, float sign, const char *what)
{
	cur();
	if (hd / 2 > ROPE_MAX)
		ls_die(EX_SOFTWARE_, "cuda: %s: head_dim %d is over %d", what, hd, 2 * ROPE_MAX);
	struct freqs fr;
	memset(&fr, 0, sizeof fr);
	memcpy(fr.f, inv_freq, sizeof(float) * (hd / 2));
	CUdeviceptr xx = DP(x), pp = pos ? put(&b_pos, pos, sizeof(int) * T, what) : 0;
	void *args[] = { &xx, &T, &nh, &hd, &pp, &pos0, &sign, &fr };
	launch(kern.rope, what, blocks((size_t)T * nh * (hd / 2), 256), 1, 256, args);
}

static void cu_rope(float *x, int T, int nh, int hd, const int *pos, int pos0, const float *inv_freq)
{
	rotate(x, T, nh, hd, pos, pos0, inv_freq, 1.0f, "rope");
}

static void cu_rope_backward(float *dx, int T, int nh, int hd, const int *pos, int pos0,
			     const float *inv_freq)
{
	rotate(dx, T, nh, hd, pos, pos0, inv_freq, -1.0f, "rope_backward");
}

static void cu_attention(float *out, const float *q, const float *k, const float *v, int T,
			 int pos0, int H, int KV, int hd)
{
	cur();
	if (hd > 32 * ATT_MAXD || H > 65535)
		ls_die(EX_SOFTWARE_, "cuda: attention: head_dim %d or %d heads is over the kernel's "
		       "bounds (%d, 65535)", hd, H, 32 * ATT_MAXD);
	float scale = 1.0f / sqrtf((float)hd);
	CUdeviceptr o = DP(out), qq = DP(q), kk = DP(k), vv = DP(v);
	void *args[] = { &o, &qq, &kk, &vv, &T, &pos0, &H, &KV, &hd, &scale };
	launch(kern.attention, "attention", (unsigned)T, (unsigned)H, 32 * ATT_WARPS, args);
}

/* a kernel f(float *y, const float *x, unsigned long long n), a thread per element */
static void launch_yx(CUfunction f, const char *what, float *y, const float *x, size_t n)
{
	cur();
	CUdeviceptr yy = DP(y), xx = DP(x);
	unsigned long long nn = n;
	void *args[] = { &yy, &xx, &nn };
	launch(f, what, blocks(n, 256), 1, 256, args);
}

static void cu_swiglu(float *g, const float *u, size_t n) { launch_yx(kern.swiglu, "swiglu", g, u, n); }

static void cu_embed(float *out, const float *table, const int *ids, int T, int D)
{
	cur();
	CUdeviceptr o = DP(out), tb = DP(table), id = put(&b_ids, ids, sizeof(int) * T, "embed");
	void *args[] = { &o, &tb, &id, &T, &D };
	launch(kern.embed, "embed", blocks(D, 256), (unsigned)T, 256, args);
}

/* ---- training ----------------------------------------------------------------- */

static void cu_rmsnorm_backward(float *din, float *dw, const float *dout, const float *in,
				const float *w, int R, int D, float eps)
{
	cur();
	if (R <= 0)
		return;
	int chunks = (R + NORM_ROWS - 1) / NORM_ROWS, rows = NORM_ROWS;
	CUdeviceptr s = need(&b_part, sizeof(float) * ((size_t)R + (size_t)chunks * D), "rmsnorm_backward");
	CUdeviceptr part = s + sizeof(float) * R;
	CUdeviceptr dx = DP(din), dwp = DP(dw), dy = DP(dout), x = DP(in), ww = DP(w);
	void *a1[] = { &dx, &s, &dy, &x, &ww, &R, &D, &eps };
	launch(kern.rmsnorm_bwd_x, "rmsnorm_backward", (unsigned)R, 1, row_block(D), a1);
	if (!dw)
		return;
	void *a2[] = { &part, &dy, &x, &s, &R, &D, &rows };
	launch(kern.rmsnorm_bwd_wpart, "rmsnorm_backward (dw)", blocks(D, 256), (unsigned)chunks, 256, a2);
	void *a3[] = { &dwp, &part, &chunks, &D };
	launch(kern.sum_rows, "rmsnorm_backward (dw sum)", blocks(D, 256), 1, 256, a3);
}

/* the segments and their blocks' offsets in probs, on the device */
static long long segments(int nseg, const int *seg, CUdeviceptr *dseg, CUdeviceptr *doff,
			  const char *what)
{
	long long *off = malloc(sizeof(long long) * (nseg + 1)), P = 0;
	for (int i = 0; i < nseg; i++) {
		off[i] = P;
		P += (long long)(seg[i + 1] - seg[i]) * (seg[i + 1] - seg[i]);
	}
	*dseg = put(&b_seg, seg, sizeof(int) * (nseg + 1), what);
	*doff = put(&b_off, off, sizeof(long long) * (nseg + 1), what);
	free(off);
	return P;
}

/* what both training attention ops start with; 0 when there are no rows */
static int att_setup(int nseg, const int *seg, int hd, CUdeviceptr *dseg, CUdeviceptr *doff,
		     long long *P, float *scale, const char *what)
{
	cur();
	if (nseg <= 0 || seg[nseg] <= 0)
		return 0;
	*P = segments(nseg, seg, dseg, doff, what);
	*scale = 1.0f / sqrtf((float)hd);
	return 1;
}

static void cu_attention_train(float *out, float *probs, const float *q, const float *k,
			       const float *v, int nseg, const int *seg, int H, int KV, int hd)
{
	CUdeviceptr dseg, doff;
	long long P;
	float scale;
	if (!att_setup(nseg, seg, hd, &dseg, &doff, &P, &scale, "attention_train"))
		return;
	CUdeviceptr o = DP(out), pr = DP(probs), qq = DP(q), kk = DP(k), vv = DP(v);
	void *args[] = { &o, &pr, &qq, &kk, &vv, &dseg, &doff, &nseg, &P, &H, &KV, &hd, &scale };
	launch(kern.attention_train, "attention_train", (unsigned)seg[nseg], (unsigned)H,
	       32 * ATT_WARPS, args);
}

static void cu_attention_backward(float *dq, float *dk, float *dv, const float *dout,
				  const float *probs, const float *q, const float *k, const float *v,
				  int nseg, const int *seg, int H, int KV, int hd)
{
	CUdeviceptr dseg, doff;
	long long P;
	float scale;
	if (!att_setup(nseg, seg, hd, &dseg, &doff, &P, &scale, "attention_backward"))
		return;
	CUdeviceptr ds = need(&b_ds, sizeof(float) * (size_t)(H * P), "attention_backward");
	CUdeviceptr dqq = DP(dq), dkk = DP(dk), dvv = DP(dv), dout_ = DP(dout), pr = DP(probs);
	CUdeviceptr qq = DP(q), kk = DP(k), vv = DP(v);
	void *a1[] = { &dqq, &ds, &dout_, &pr, &kk, &vv, &dseg, &doff, &nseg, &P, &H, &KV, &hd, &scale };
	launch(kern.attention_bwd_q, "attention_backward (q)", (unsigned)seg[nseg], (unsigned)H,
	       32 * ATT_WARPS, a1);
	void *a2[] = { &dkk, &dvv, &ds, &pr, &qq, &dout_, &dseg, &doff, &nseg, &P, &H, &KV, &hd, &scale };
	launch(kern.attention_bwd_kv, "attention_backward (kv)", (unsigned)seg[nseg], (unsigned)KV,
	       hd >= 128 ? 128 : 32 * (unsigned)((hd + 31) / 32), a2);
}

static void cu_swiglu_out(float *h, const float *g, const float *u, size_t n)
{
	cur();
	CUdeviceptr hh = DP(h), gg = DP(g), uu = DP(u);
	unsigned long long nn = n;
	void *args[] = { &hh, &gg, &uu, &nn };
	launch(kern.swiglu_out, "swiglu_out", blocks(n, 256), 1, 256, args);
}

static void cu_swiglu_backward(float *dg, float *du, const float *dh, const float *g,
			       const float *u, size_t n)
{
	cur();
	CUdeviceptr a = DP(dg), b = DP(du), c = DP(dh), gg = DP(g), uu = DP(u);
	unsigned long long nn = n;
	void *args[] = { &a, &b, &c, &gg, &uu, &nn };
	launch(kern.swiglu_bwd, "swiglu_backward", blocks(n, 256), 1, 256, args);
}

static void cu_embed_backward(float *dtable, const float *dout, const int *ids, int T, int D)
{
	cur();
	CUdeviceptr dt = DP(dtable), d = DP(dout), id = put(&b_ids, ids, sizeof(int) * T, "embed_backward");
	void *args[] = { &dt, &d, &id, &T, &D };
	launch(kern.embed_bwd, "embed_backward", blocks(D, 128), 1, 128, args);
}

static void cu_cross_entropy(float *loss, float *logits, const int *targets, int T, int V,
			     float dscale)
{
	cur();
	CUdeviceptr l = DP(loss), x = DP(logits), tg = put(&b_ids, targets, sizeof(int) * T, "cross_entropy");
	void *args[] = { &l, &x, &tg, &T, &V, &dscale };
	launch(kern.cross_entropy, "cross_entropy", (unsigned)T, 1, 1024, args);
}

static void launch_dropout(CUfunction f, const char *what, float *y, const float *x, size_t n,
			   float p, uint64_t seed)
{
	cur();
	CUdeviceptr yy = DP(y), xx = DP(x);
	unsigned long long nn = n, sd = seed;
	void *args[] = { &yy, &xx, &nn, &p, &sd };
	launch(f, what, blocks(n, 256), 1, 256, args);
}

static void cu_dropout(float *out, const float *in, size_t n, float p, uint64_t seed)
{
	launch_dropout(kern.dropout, "dropout", out, in, n, p, seed);
}

static void cu_dropout_backward(float *din, const float *dout, size_t n, float p, uint64_t seed)
{
	launch_dropout(kern.dropout_bwd, "dropout_backward", din, dout, n, p, seed);
}

static void cu_add(float *y, const float *x, size_t n) { launch_yx(kern.add, "add", y, x, n); }

static void cu_scale(float *x, size_t n, float a)
{
	cur();
	CUdeviceptr xx = DP(x);
	unsigned long long nn = n;
	void *args[] = { &xx, &nn, &a };
	launch(kern.scale, "scale", blocks(n, 256), 1, 256, args);
}

/* fixed blocks, their parts added on the host in order: the same sum every time */
static double cu_sumsq(const float *x, size_t n)
{
	cur();
	if (!n)
		return 0;
	CUdeviceptr part = need(&b_part, sizeof(double) * SUMSQ_BLOCKS, "sumsq"), xx = DP(x);
	unsigned long long nn = n;
	void *args[] = { &part, &xx, &nn };
	launch(kern.sumsq, "sumsq", SUMSQ_BLOCKS, 1, 256, args);
	double h[SUMSQ_BLOCKS], s = 0;
	check(cu.cuMemcpyDtoH_v2(h, part, sizeof h), "sumsq");
	for (int i = 0; i < SUMSQ_BLOCKS; i++)
		s += h[i];
	return s;
}

static void cu_adamw(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1,
		     float b2, float eps, float wd, int t)
{
	cur();
	float c1 = (float)(1 / (1 - pow(b1, t))), c2 = (float)(1 / (1 - pow(b2, t)));
	CUdeviceptr pp = DP(p), gg = DP(g), mm = DP(m), vv = DP(v);
	unsigned long long nn = n;
	void *args[] = { &pp, &gg, &mm, &vv, &nn, &lr, &b1, &b2, &eps, &wd, &c1, &c2 };
	launch(kern.adamw, "adamw", blocks(n, 256), 1, 256, args);
}

static const nn_ops cuda_table = {
	.name = "cuda",
	.host = 0,
	.alloc = cu_alloc,
	.free = cu_free,
	.upload = cu_upload,
	.download = cu_download,
	.copy = cu_copy,
	.zero = cu_zero,
	.set_threads = cu_set_threads,
	.gemm = cu_gemm,
	.matmul = cu_matmul,
	.matmul_acc = cu_matmul_acc,
	.rmsnorm = cu_rmsnorm,
	.rmsnorm_backward = cu_rmsnorm_backward,
	.rope = cu_rope,
	.rope_backward = cu_rope_backward,
	.attention = cu_attention,
	.attention_train = cu_attention_train,
	.attention_backward = cu_attention_backward,
	.swiglu = cu_swiglu,
	.swiglu_out = cu_swiglu_out,
	.swiglu_backward = cu_swiglu_backward,
	.embed = cu_embed,
	.embed_backward = cu_embed_backward,
	.cross_entropy = cu_cross_entropy,
	.dropout = cu_dropout,
	.dropout_backward = cu_dropout_backward,
	.add = cu_add,
	.scale = cu_scale,
	.sumsq = cu_sumsq,
	.adamw = cu_adamw,
};

/* ---- start-up ----------------------------------------------------------------- */

/* and the unit roundoff of an input rounded to the mode's type (fp32: room for
 * a different summation order than OpenBLAS's) */
static const struct { const char *name; cublasComputeType_t c; double unit; } gemm_modes[] = {
	{ "bf16", CUBLAS_COMPUTE_32F_FAST_16BF, 1.0 / 256 },
	{ "tf32", CUBLAS_COMPUTE_32F_FAST_TF32, 1.0 / 2048 },
	{ "fp32", CUBLAS_COMPUTE_32F, 1e-6 },
};

static double gemm_unit(void)
{
	for (size_t i = 0; i < sizeof gemm_modes / sizeof *gemm_modes; i++)
		if (gemm_modes[i].c == gemm_compute)
			return gemm_modes[i].unit;
	return 1.0 / 256;
}

int nn_cuda_gemm_mode(const char *mode)
{
	for (size_t i = 0; i < sizeof gemm_modes / sizeof *gemm_modes; i++)
		if (!strcmp(mode, gemm_modes[i].name)) {
			gemm_compute = gemm_modes[i].c;
			return 0;
		}
	return -1;
}

const char *nn_cuda_gemm_name(void)
{
	for (size_t i = 0; i < sizeof gemm_modes / sizeof *gemm_modes; i++)
		if (gemm_modes[i].c == gemm_compute)
			return gemm_modes[i].name;
	return "?";
}

static void *open_first(const char *const *names, char *tried, size_t n)
{
	size_t k = 0;
	tried[0] = 0;
	for (int i = 0; names[i]; i++) {
		void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (h)
			return h;
		k += snprintf(tried + k, k < n ? n - k : 0, "%s%s", i ? ", " : "", names[i]);
	}
	return NULL;
}

#define LOOKUP(f) if (!(cu.f = (__typeof__(cu.f))dlsym(h, #f))) \
	return nn_err(err, errsz, "no CUDA device: %s lacks %s", lib, #f);

static int load_driver(char *err, size_t errsz)
{
	static const char *const names[] = { "libcuda.so.1", "libcuda.so", NULL };
	char tried[256];
	void *h = open_first(names, tried, sizeof tried);
	const char *lib = "libcuda.so.1";
	if (!h)
		return nn_err(err, errsz, "no CUDA device: no driver (%s not found)", tried);
	DRIVER_FNS(LOOKUP)
	return 0;
}

static int load_cublas(char *err, size_t errsz)
{
	const char *env = getenv("LS_CUBLAS");
	const char *const names[] = { env && *env ? env : "libcublas.so.13",
				      "/usr/local/cuda/lib64/libcublas.so.13", "libcublas.so.12",
				      "/usr/local/cuda/lib64/libcublas.so.12", NULL };
	char tried[512];
	void *h = open_first(names, tried, sizeof tried);
	const char *lib = "libcublas";
	if (!h)
		return nn_err(err, errsz, "no CUDA device: no cuBLAS (%s; LS_CUBLAS=PATH names "
			      "another)", tried);
	BLAS_FNS(LOOKUP)
	return 0;
}

#define CU_TRY(call) do { CUresult r_ = (call); if (r_ != CUDA_SUCCESS) \
	return nn_err(err, errsz, "no CUDA device: %s: %s (error %d)", #call, cu_msg(r_), (int)r_); \
} while (0)
#define KLOOKUP(k) CU_TRY(cu.cuModuleGetFunction(&kern.k, mod, "nn_k_" #k));

static int init(char *err, size_t errsz)
{
	if (load_driver(err, errsz))
		return -1;
	/* without a GPU this is CUDA_ERROR_NO_DEVICE, or 35 (insufficient driver) on
	 * machines with the toolkit and no driver: either way, no device */
	CU_TRY(cu.cuInit(0));
	int n = 0;
	CU_TRY(cu.cuDeviceGetCount(&n));
	if (n < 1)
		return nn_err(err, errsz, "no CUDA device: the driver sees no GPU");
	CUdevice dev;
	CU_TRY(cu.cuDeviceGet(&dev, 0));
	char name[128] = "";
	int major = 0, minor = 0;
	size_t mem = 0;
	CU_TRY(cu.cuDeviceGetName(name, sizeof name, dev));
	CU_TRY(cu.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev));
	CU_TRY(cu.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev));
	CU_TRY(cu.cuDeviceTotalMem_v2(&mem, dev));
	snprintf(device_desc, sizeof device_desc, "%s, sm_%d%d, %.1f GiB", name, major, minor,
		 mem / 1073741824.0);
	if (major < 8)
		return nn_err(err, errsz, "no CUDA device: %s is older than sm_80 (the kernels are "
			      "built for sm_80 and sm_90)", device_desc);
	CU_TRY(cu.cuDevicePrimaryCtxRetain(&ctx, dev));
	CU_TRY(cu.cuCtxSetCurrent(ctx));
	ctx_current = 1;
	CUmodule mod;
	CU_TRY(cu.cuModuleLoadData(&mod, nn_cuda_fatbin));
	KERNELS(KLOOKUP)
	if (load_cublas(err, errsz))
		return -1;
	cublasStatus_t s = cu.cublasCreate_v2(&blas);
	if (s != CUBLAS_STATUS_SUCCESS)
		return nn_err(err, errsz, "no CUDA device: cublasCreate: status %d", (int)s);
	const char *mode = getenv("LS_CUDA_GEMM");
	if (mode && *mode && nn_cuda_gemm_mode(mode))
		return nn_err(err, errsz, "LS_CUDA_GEMM='%s': bf16, tf32 or fp32", mode);
	const char *sy = getenv("LS_CUDA_SYNC");
	sync_each = sy && *sy && strcmp(sy, "0");
	return 0;
}

const nn_ops *nn_cuda_ops(char *err, size_t errsz)
{
	static int state;	/* 0 not tried, 1 ready, -1 failed */
	static char why[512];
	if (!state)
		state = init(why, sizeof why) ? -1 : 1;
	if (state < 0) {
		nn_err(err, errsz, "%s", why);
		return NULL;
	}
	return &cuda_table;
}

const char *nn_cuda_device(void) { return blas ? device_desc : NULL; }

#endif
