/* nn/opcheck.c — one ops table against another, op by op (see opcheck.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/opcheck.h"
#include "nn/util.h"

typedef struct {
	const char *op;
	double atol, rtol;	/* allclose */
	double gemm;		/* > 0: plus gemm * sum |a*b| of the product (rounded inputs) */
	double max_abs, max_rel;
	long bad, n;
	int shapes;
} check;

/* got vs want (n values); absdot[i] (or NULL) is sum_k |a_ik * b_kj| of a product */
static void compare(check *c, const float *got, const float *want, const float *absdot, size_t n)
{
	c->shapes++;
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)got[i] - want[i]);
		double tol = c->atol + c->rtol * fabs(want[i]) + (absdot ? c->gemm * absdot[i] : 0);
		if (!(d <= tol))	/* NaN counts as over */
			c->bad++;
		if (!(d <= c->max_abs))
			c->max_abs = d;
		double rel = d / (fabs(want[i]) + c->atol + 1e-30);
		if (!(rel <= c->max_rel))
			c->max_rel = rel;
	}
	c->n += n;
}

static int report(FILE *out, const check *c)
{
	fprintf(out, "%-5s %-15s max abs %.1e  max rel %.1e  tol abs %.0e rel %.0e", c->bad ? "FAIL" : "ok",
		c->op, c->max_abs, c->max_rel, c->atol, c->rtol);
	if (c->gemm > 0)
		fprintf(out, " + %.1e*sum|a*b|", c->gemm);
	fprintf(out, "  (%d shapes, %ld values", c->shapes, c->n);
	if (c->bad)
		fprintf(out, ", %ld over", c->bad);
	fprintf(out, ")\n");
	return c->bad ? 1 : 0;
}

static float *rnd(nn_rng *r, size_t n)
{
	float *x = malloc((n ? n : 1) * sizeof(float));
	for (size_t i = 0; i < n; i++)
		x[i] = 2.0f * nn_rng_float(r) - 1.0f;
	return x;
}

static float *put(const nn_ops *ops, const float *host, size_t n)
{
	float *d = ops->alloc((n ? n : 1) * sizeof(float));
	if (!d)
		return NULL;
	ops->upload(d, host, n * sizeof(float));
	return d;
}

/* download dev into a new host array and free dev */
static float *take(const nn_ops *ops, float *dev, size_t n)
{
	float *h = malloc((n ? n : 1) * sizeof(float));
	ops->download(h, dev, n * sizeof(float));
	ops->free(dev);
	return h;
}

/* ---- the ops, each run on one table -------------------------------------- */

static float *run_matmul(const nn_ops *ops, const float *in, const float *w, const float *o0,
			 int T, int K, int N, float alpha, float beta)
{
	float *di = put(ops, in, (size_t)T * K), *dw = put(ops, w, (size_t)N * K);
	float *d = put(ops, o0, (size_t)T * N);
	ops->matmul(d, di, dw, T, K, N, alpha, beta);
	ops->free(di), ops->free(dw);
	return take(ops, d, (size_t)T * N);
}

/* C[M,N] (row stride ldc) = alpha op(A) op(B) + beta C, A/B with row strides lda/ldb */
typedef struct { int ta, tb, M, N, K, lda, ldb, ldc; float alpha, beta; } gemm_shape;

static size_t rows_a(const gemm_shape *g) { return g->ta ? g->K : g->M; }
static size_t rows_b(const gemm_shape *g) { return g->tb ? g->N : g->K; }

static float *run_gemm(const nn_ops *ops, const gemm_shape *g, const float *A, const float *B,
		       const float *C0)
{
	float *da = put(ops, A, rows_a(g) * g->lda), *db = put(ops, B, rows_b(g) * g->ldb);
	float *d = put(ops, C0, (size_t)g->M * g->ldc);
	ops->gemm(g->ta, g->tb, g->M, g->N, g->K, g->alpha, da, g->lda, db, g->ldb, g->beta, d, g->ldc);
	ops->free(da), ops->free(db);
	return take(ops, d, (size_t)g->M * g->ldc);
}

/* |alpha| sum_k |op(A)[m,k] op(B)[k,n]| for every element of C (0 in the padding) */
static float *gemm_absdot(const gemm_shape *g, const float *A, const float *B)
{
	float *s = calloc((size_t)g->M * g->ldc + 1, sizeof(float));
	for (int m = 0; m < g->M; m++)
		for (int n = 0; n < g->N; n++) {
			double acc = 0;
			for (int k = 0; k < g->K; k++) {
				float a = g->ta ? A[(size_t)k * g->lda + m] : A[(size_t)m * g->lda + k];
				float b = g->tb ? B[(size_t)n * g->ldb + k] : B[(size_t)k * g->ldb + n];
				acc += fabs((double)a * b);
			}
			s[(size_t)m * g->ldc + n] = (float)(fabs(g->alpha) * acc);
		}
	return s;
}

static float *run_matmul_acc(const nn_ops *ops, const float *w, const float *b, const float *a,
			     int N, int r, int K, float alpha)
{
	float *dw = put(ops, w, (size_t)N * K), *db = put(ops, b, (size_t)N * r);
	float *da = put(ops, a, (size_t)r * K);
	ops->matmul_acc(dw, db, da, N, r, K, alpha);
	ops->free(db), ops->free(da);
	return take(ops, dw, (size_t)N * K);
}

/* ---- every other op: a case is a few host buffers, all uploaded, the op run
 * on them, all downloaded and compared (inputs too: an op must not clobber
 * what it only reads) ---- */

#define NB 10
typedef struct {
	float *h[NB];		/* host data */
	size_t n[NB];
	int nb;
	int i[8];		/* the op's integer arguments */
	float f[4];
	const int *ip[2];	/* host integer arrays (ids, positions, segments) */
	const float *fp;	/* host floats (rope's frequencies) */
	uint64_t seed;
	double sum;		/* what sumsq returned */
} op_case;

typedef void (*op_fn)(const nn_ops *ops, float **d, op_case *c);

static void add_buf(op_case *c, nn_rng *r, size_t n, float scale)
{
	c->h[c->nb] = rnd(r, n);
	for (size_t j = 0; j < n; j++)
		c->h[c->nb][j] *= scale;
	c->n[c->nb++] = n;
}

static void free_case(op_case *c)
{
	for (int k = 0; k < c->nb; k++)
		free(c->h[k]);
}

/* run f on ops over a copy of c's buffers; the results in out[] */
static void run_case(const nn_ops *ops, op_case *c, op_fn f, float **out)
{
	float *d[NB];
	for (int k = 0; k < c->nb; k++)
		d[k] = put(ops, c->h[k], c->n[k]);
	f(ops, d, c);
	for (int k = 0; k < c->nb; k++)
		out[k] = take(ops, d[k], c->n[k]);
}

static void check_case(check *ck, const nn_ops *ref, const nn_ops *dut, op_case *c, op_fn f)
{
	float *want[NB], *got[NB];
	run_case(ref, c, f, want);
	double sref = c->sum;
	run_case(dut, c, f, got);
	for (int k = 0; k < c->nb; k++) {
		compare(ck, got[k], want[k], NULL, c->n[k]);
		ck->shapes--;	/* one shape, however many buffers */
		free(want[k]), free(got[k]);
	}
	ck->shapes++;
	if (sref != 0 || c->sum != 0) {	/* a scalar result */
		float w = (float)sref, g = (float)c->sum;
		compare(ck, &g, &w, NULL, 1);
		ck->shapes--;
	}
	free_case(c);
}

static void f_rmsnorm(const nn_ops *o, float **d, op_case *c)
{	/* d: in, w, out (i[2]: in place) */
	o->rmsnorm(c->i[2] ? d[0] : d[2], d[0], d[1], c->i[0], c->i[1], 1e-6f);
}
static void f_rmsnorm_bwd(const nn_ops *o, float **d, op_case *c)
{	/* d: din, dw, dout, in, w (i[2]: frozen w) */
	o->rmsnorm_backward(d[0], c->i[2] ? NULL : d[1], d[2], d[3], d[4], c->i[0], c->i[1], 1e-6f);
}
static void f_rope(const nn_ops *o, float **d, op_case *c)
{	/* i: T, nh, hd, pos0, backward */
	(c->i[4] ? o->rope_backward : o->rope)(d[0], c->i[0], c->i[1], c->i[2], c->ip[0], c->i[3], c->fp);
}
static void f_attention(const nn_ops *o, float **d, op_case *c)
{	/* d: q, k, v, out; i: T, pos0, H, KV, hd */
	o->attention(d[3], d[0], d[1], d[2], c->i[0], c->i[1], c->i[2], c->i[3], c->i[4]);
}
static void f_attention_train(const nn_ops *o, float **d, op_case *c)
{	/* d: q, k, v, out, probs, dout, dq, dk, dv; i: nseg, H, KV, hd */
	o->attention_train(d[3], d[4], d[0], d[1], d[2], c->i[0], c->ip[0], c->i[1], c->i[2], c->i[3]);
	if (c->nb > 5)
		o->attention_backward(d[6], d[7], d[8], d[5], d[4], d[0], d[1], d[2], c->i[0], c->ip[0],
				      c->i[1], c->i[2], c->i[3]);
}
static void f_swiglu(const nn_ops *o, float **d, op_case *c)
{	/* d: g, u, h, dh, dg, du; i[0]: 0 in place, 1 out, 2 backward */
	size_t n = c->n[0];
	if (c->i[0] == 0)
		o->swiglu(d[0], d[1], n);
	else if (c->i[0] == 1)
		o->swiglu_out(d[2], d[0], d[1], n);
	else
		o->swiglu_backward(d[4], d[5], d[3], d[0], d[1], n);
}
static void f_embed(const nn_ops *o, float **d, op_case *c)
{	/* d: table, out; i: T, D, backward (then d: dtable, dout) */
	if (c->i[2])
		o->embed_backward(d[0], d[1], c->ip[0], c->i[0], c->i[1]);
	else
		o->embed(d[1], d[0], c->ip[0], c->i[0], c->i[1]);
}
static void f_cross_entropy(const nn_ops *o, float **d, op_case *c)
{	/* d: logits, loss; i: T, V */
	o->cross_entropy(d[1], d[0], c->ip[0], c->i[0], c->i[1], c->f[0]);
}
static void f_dropout(const nn_ops *o, float **d, op_case *c)
{	/* d: in, out, din, dout */
	o->dropout(d[1], d[0], c->n[0], c->f[0], c->seed);
	o->dropout(d[0], d[0], c->n[0], c->f[0], c->seed + 1);	/* in place */
	o->dropout_backward(d[2], d[3], c->n[0], c->f[0], c->seed);
}
static void f_vector(const nn_ops *o, float **d, op_case *c)
{	/* d: y, x, z: y += x; x *= a; zero(z); the sum of squares of y */
	o->add(d[0], d[1], c->n[0]);
	o->scale(d[1], c->n[0], c->f[0]);
	o->zero(d[2], c->n[2] * sizeof(float));
	c->sum = o->sumsq(d[0], c->n[0]);
}
static void f_adamw(const nn_ops *o, float **d, op_case *c)
{	/* d: p, g, m, v; two steps */
	for (int t = 1; t <= 2; t++)
		o->adamw(d[0], d[1], d[2], d[3], c->n[0], 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, t);
}
static void f_copy(const nn_ops *o, float **d, op_case *c)
{	/* d: a, b: b[off..] = a */
	o->copy(d[1] + c->i[0], d[0], c->n[0] * sizeof(float));
}

/* sum_k |in[t,k] * w[n,k]|, the scale of a product's rounding error */
static float *absdot(const float *in, const float *w, int T, int K, int N)
{
	float *s = malloc(sizeof(float) * ((size_t)T * N + 1));
	for (int t = 0; t < T; t++)
		for (int n = 0; n < N; n++) {
			double acc = 0;
			for (int k = 0; k < K; k++)
				acc += fabs((double)in[(size_t)t * K + k] * w[(size_t)n * K + k]);
			s[(size_t)t * N + n] = (float)acc;
		}
	return s;
}

#define BOTH(call_ref, call_dut) float *want = (call_ref), *got = (call_dut)
#define DONE() free(want), free(got)

int nn_ops_check(const nn_ops *ref, const nn_ops *dut, uint64_t seed, const nn_check_opts *o,
		 FILE *out)
{
	nn_rng r;
	nn_rng_seed(&r, seed);
	double g = o && o->gemm_rel > 0 ? o->gemm_rel : 1e-6;
	int failed = 0;

	{	/* a Linear layer: decoding (T = 1), odd sizes, accumulate (beta 1), scale */
		check c = { .op = "matmul", .atol = 1e-5, .rtol = 1e-5, .gemm = 2 * g };
		static const int sh[][5] = {	/* T, K, N, alpha*2, beta */
			{ 1, 7, 13, 2, 0 }, { 1, 256, 1000, 2, 1 }, { 5, 33, 17, 2, 0 },
			{ 37, 64, 129, 1, 1 }, { 129, 257, 65, 2, 0 }, { 3, 1, 5, 2, 1 },
		};
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			int T = sh[i][0], K = sh[i][1], N = sh[i][2];
			float alpha = sh[i][3] / 2.0f, beta = sh[i][4];
			float *in = rnd(&r, (size_t)T * K), *w = rnd(&r, (size_t)N * K);
			float *o0 = rnd(&r, (size_t)T * N), *ad = absdot(in, w, T, K, N);
			for (size_t j = 0; j < (size_t)T * N; j++)
				ad[j] *= fabsf(alpha);
			BOTH(run_matmul(ref, in, w, o0, T, K, N, alpha, beta),
			     run_matmul(dut, in, w, o0, T, K, N, alpha, beta));
			compare(&c, got, want, ad, (size_t)T * N);
			DONE();
			free(in), free(w), free(o0), free(ad);
		}
		failed += report(out, &c);
	}
	{	/* the training products: every transpose, padded row strides, beta 0 and 1 */
		check c = { .op = "gemm", .atol = 1e-5, .rtol = 1e-5, .gemm = 2 * g };
		static const gemm_shape sh[] = {
			{ 0, 0, 5, 7, 3, 3, 7, 7, 1, 0 }, { 0, 1, 33, 17, 65, 70, 65, 20, 1, 1 },
			{ 1, 0, 64, 129, 37, 64, 130, 129, 0.5f, 0 }, { 1, 1, 1, 300, 9, 3, 9, 300, 1, 1 },
			{ 0, 1, 200, 96, 128, 128, 128, 96, 0.125f, 0 }, { 1, 0, 13, 1, 1000, 16, 1, 1, 1, 1 },
		};
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			const gemm_shape *gs = &sh[i];
			float *A = rnd(&r, rows_a(gs) * gs->lda), *B = rnd(&r, rows_b(gs) * gs->ldb);
			float *C0 = rnd(&r, (size_t)gs->M * gs->ldc), *ad = gemm_absdot(gs, A, B);
			BOTH(run_gemm(ref, gs, A, B, C0), run_gemm(dut, gs, A, B, C0));
			compare(&c, got, want, ad, (size_t)gs->M * gs->ldc);
			DONE();
			free(A), free(B), free(C0), free(ad);
		}
		failed += report(out, &c);
	}
	{	/* merging a LoRA update w += alpha b @ a */
		check c = { .op = "matmul_acc", .atol = 1e-5, .rtol = 1e-5, .gemm = 2 * g };
		static const int sh[][3] = { { 13, 1, 7 }, { 65, 8, 33 }, { 129, 16, 257 } };
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			int N = sh[i][0], rk = sh[i][1], K = sh[i][2];
			float alpha = 0.75f;
			float *w = rnd(&r, (size_t)N * K), *b = rnd(&r, (size_t)N * rk), *a = rnd(&r, (size_t)rk * K);
			/* absdot wants the second factor as [K, r]: a transposed */
			float *at = malloc(sizeof(float) * rk * K);
			for (int x = 0; x < rk; x++)
				for (int y = 0; y < K; y++)
					at[(size_t)y * rk + x] = a[(size_t)x * K + y];
			float *ad = absdot(b, at, N, rk, K);
			for (size_t j = 0; j < (size_t)N * K; j++)
				ad[j] *= alpha;
			BOTH(run_matmul_acc(ref, w, b, a, N, rk, K, alpha),
			     run_matmul_acc(dut, w, b, a, N, rk, K, alpha));
			compare(&c, got, want, ad, (size_t)N * K);
			DONE();
			free(w), free(b), free(a), free(at), free(ad);
		}
		failed += report(out, &c);
	}
	{	/* model width rows, and Qwen3's q/k norm (rows of head_dim), in place too */
		check c = { .op = "rmsnorm", .atol = 1e-5, .rtol = 1e-5 };
		static const int sh[][3] = {	/* R, D, in place */
			{ 1, 1, 0 }, { 3, 7, 0 }, { 17, 129, 1 }, { 5, 1031, 0 }, { 2, 4096, 0 },
			{ 7 * 14, 64, 1 }, { 1, 128, 1 },
		};
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			op_case k = { .i = { sh[i][0], sh[i][1], sh[i][2] } };
			size_t n = (size_t)sh[i][0] * sh[i][1];
			add_buf(&k, &r, n, 1), add_buf(&k, &r, sh[i][1], 1), add_buf(&k, &r, n, 1);
			check_case(&c, ref, dut, &k, f_rmsnorm);
		}
		failed += report(out, &c);
	}
	{	/* din += and dw += over many rows (dw's sum over rows), dw frozen */
		check c = { .op = "rmsnorm_bwd", .atol = 1e-5, .rtol = 1e-4 };
		static const int sh[][3] = { { 1, 1, 0 }, { 3, 7, 1 }, { 130, 129, 0 }, { 5, 1031, 0 }, { 300, 64, 0 } };
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			op_case k = { .i = { sh[i][0], sh[i][1], sh[i][2] } };
			size_t n = (size_t)sh[i][0] * sh[i][1];
			add_buf(&k, &r, n, 1), add_buf(&k, &r, sh[i][1], 1), add_buf(&k, &r, n, 1);
			add_buf(&k, &r, n, 1), add_buf(&k, &r, sh[i][1], 1);
			check_case(&c, ref, dut, &k, f_rmsnorm_bwd);
		}
		failed += report(out, &c);
	}
	{	/* at position 0, mid-sequence, far out, per-token positions, and back */
		check c = { .op = "rope", .atol = 1e-5, .rtol = 1e-5 };
		static const int sh[][6] = {	/* T, heads, hd, pos0, backward, positions */
			{ 1, 1, 2, 0, 0, 0 }, { 7, 3, 8, 5, 0, 0 }, { 33, 5, 64, 100, 0, 0 },
			{ 1, 16, 128, 4095, 0, 0 }, { 3, 2, 256, 30000, 0, 0 }, { 9, 2, 64, 0, 0, 1 },
			{ 9, 3, 32, 7, 1, 0 }, { 12, 1, 128, 0, 1, 1 },
		};
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			int T = sh[i][0], hd = sh[i][2];
			float *f = malloc(sizeof(float) * hd / 2);
			int *pos = malloc(sizeof(int) * T);
			for (int j = 0; j < hd / 2; j++)
				f[j] = 1.0f / powf(10000.0f, (float)(2 * j) / hd);
			for (int t = 0; t < T; t++)	/* packed sequences restart at 0 */
				pos[t] = t % 4 + (int)(nn_rng_next(&r) % 3);
			op_case k = { .i = { T, sh[i][1], hd, sh[i][3], sh[i][4] }, .fp = f,
				      .ip = { sh[i][5] ? pos : NULL } };
			add_buf(&k, &r, (size_t)T * sh[i][1] * hd, 1);
			check_case(&c, ref, dut, &k, f_rope);
			free(f), free(pos);
		}
		failed += report(out, &c);
	}
	{	/* prefill and decoding, GQA ratios 1..8, odd head sizes, cached prefixes */
		check c = { .op = "attention", .atol = 2e-5, .rtol = 2e-4 };
		static const int sh[][5] = {	/* T, pos0, H, KV, hd */
			{ 1, 0, 1, 1, 8 }, { 1, 37, 4, 2, 64 }, { 17, 0, 6, 2, 40 }, { 9, 23, 8, 1, 128 },
			{ 65, 0, 4, 4, 32 }, { 1, 300, 14, 2, 64 }, { 3, 5, 3, 3, 256 }, { 300, 0, 2, 1, 16 },
			{ 2, 1000, 16, 8, 128 },
		};
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			int T = sh[i][0], H = sh[i][2], KV = sh[i][3], hd = sh[i][4];
			size_t S = (size_t)sh[i][1] + T;
			op_case k = { .i = { T, sh[i][1], H, KV, hd } };
			add_buf(&k, &r, (size_t)T * H * hd, 4);	/* peaked softmax rows too */
			add_buf(&k, &r, S * KV * hd, 1), add_buf(&k, &r, S * KV * hd, 1);
			add_buf(&k, &r, (size_t)T * H * hd, 1);
			check_case(&c, ref, dut, &k, f_attention);
		}
		failed += report(out, &c);
	}
	/* training attention: segments of 1 to 40 rows, GQA; forward alone, then with the backward */
	for (int bwd = 0; bwd < 2; bwd++) {
		check c = { .op = bwd ? "attention_bwd" : "attention_trn", .atol = 2e-5, .rtol = 2e-4 };
		static const int segs[][6] = { { 1, 1 }, { 3, 5, 1, 7 }, { 2, 40, 17 }, { 4, 1, 2, 33, 3 } };
		static const int hs[][3] = { { 1, 1, 8 }, { 4, 2, 64 }, { 6, 3, 40 }, { 8, 1, 128 } };
		for (size_t i = 0; i < sizeof segs / sizeof *segs; i++) {
			int nseg = segs[i][0], seg[6] = { 0 };
			for (int j = 0; j < nseg; j++)
				seg[j + 1] = seg[j] + segs[i][j + 1];
			int N = seg[nseg], H = hs[i][0], KV = hs[i][1], hd = hs[i][2];
			op_case k = { .i = { nseg, H, KV, hd }, .ip = { seg } };
			add_buf(&k, &r, (size_t)N * H * hd, 4);
			add_buf(&k, &r, (size_t)N * KV * hd, 1), add_buf(&k, &r, (size_t)N * KV * hd, 1);
			add_buf(&k, &r, (size_t)N * H * hd, 1), add_buf(&k, &r, H * nn_att_probs(nseg, seg), 1);
			if (bwd) {
				add_buf(&k, &r, (size_t)N * H * hd, 1), add_buf(&k, &r, (size_t)N * H * hd, 1);
				add_buf(&k, &r, (size_t)N * KV * hd, 1), add_buf(&k, &r, (size_t)N * KV * hd, 1);
			}
			check_case(&c, ref, dut, &k, f_attention_train);
		}
		failed += report(out, &c);
	}
	for (int mode = 0; mode < 3; mode++) {	/* both tails of silu */
		static const char *const name[] = { "swiglu", "swiglu_out", "swiglu_bwd" };
		check c = { .op = name[mode], .atol = 1e-6, .rtol = 1e-5 };
		static const size_t sh[] = { 1, 1000, 4097, 3 * 11008 };
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			op_case k = { .i = { mode } };
			add_buf(&k, &r, sh[i], 12);
			for (int j = 0; j < 5; j++)
				add_buf(&k, &r, sh[i], 1);
			check_case(&c, ref, dut, &k, f_swiglu);
		}
		failed += report(out, &c);
	}
	for (int bwd = 0; bwd < 2; bwd++) {	/* rows in any order, repeated, the first and the last */
		check c = { .op = bwd ? "embed_bwd" : "embed", .atol = bwd ? 1e-6 : 0, .rtol = bwd ? 1e-6 : 0 };
		static const int sh[][3] = { { 11, 5, 7 }, { 100, 17, 129 }, { 3, 1, 1 }, { 50, 300, 64 } };
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			int V = sh[i][0], T = sh[i][1], D = sh[i][2];
			int *ids = malloc(sizeof(int) * T);
			for (int t = 0; t < T; t++)
				ids[t] = t == 0 ? V - 1 : t == 1 ? 0 : (int)(nn_rng_next(&r) % V);
			op_case k = { .i = { T, D, bwd }, .ip = { ids } };
			add_buf(&k, &r, (size_t)V * D, 1), add_buf(&k, &r, (size_t)T * D, 1);
			check_case(&c, ref, dut, &k, f_embed);
			free(ids);
		}
		failed += report(out, &c);
	}
	{	/* vocabularies small and Qwen-sized, a masked target, loss and gradient */
		check c = { .op = "cross_entropy", .atol = 1e-6, .rtol = 1e-5 };
		static const int sh[][2] = { { 1, 2 }, { 5, 61 }, { 3, 151936 }, { 17, 1000 } };
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			int T = sh[i][0], V = sh[i][1];
			int *tg = malloc(sizeof(int) * T);
			for (int t = 0; t < T; t++)
				tg[t] = t == 1 ? -1 : t == 2 ? V - 1 : (int)(nn_rng_next(&r) % V);
			op_case k = { .i = { T, V }, .ip = { tg }, .f = { 1.0f / T } };
			add_buf(&k, &r, (size_t)T * V, 8), add_buf(&k, &r, T, 1);
			check_case(&c, ref, dut, &k, f_cross_entropy);
			free(tg);
		}
		failed += report(out, &c);
	}
	{
		check c = { .op = "dropout", .atol = 1e-6, .rtol = 1e-6 };
		static const size_t sh[] = { 1, 1000, 65537 };
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			op_case k = { .f = { i == 0 ? 0.5f : 0.1f }, .seed = 1000 + i };
			for (int j = 0; j < 4; j++)
				add_buf(&k, &r, sh[i], 1);
			check_case(&c, ref, dut, &k, f_dropout);
		}
		failed += report(out, &c);
	}
	{	/* add, scale, zero, and the sum of squares behind gradient clipping */
		check c = { .op = "add/scale/sumsq", .atol = 1e-6, .rtol = 1e-6 };
		static const size_t sh[] = { 1, 1000, 1 << 20 };
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			op_case k = { .f = { -0.37f } };
			for (int j = 0; j < 3; j++)
				add_buf(&k, &r, sh[i], 1);
			check_case(&c, ref, dut, &k, f_vector);
		}
		failed += report(out, &c);
	}
	{
		check c = { .op = "adamw", .atol = 1e-6, .rtol = 1e-5 };
		static const size_t sh[] = { 1, 1000, 65537 };
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			op_case k = { 0 };
			add_buf(&k, &r, sh[i], 1), add_buf(&k, &r, sh[i], 1), add_buf(&k, &r, sh[i], 0.1f);
			add_buf(&k, &r, sh[i], 0.1f);
			for (size_t j = 0; j < sh[i]; j++)
				k.h[3][j] = fabsf(k.h[3][j]);	/* the second moment is not negative */
			check_case(&c, ref, dut, &k, f_adamw);
		}
		failed += report(out, &c);
	}
	{	/* memory: upload, copy at an offset, download, bit for bit */
		check c = { .op = "copy", .atol = 0, .rtol = 0 };
		static const size_t sh[][2] = { { 1, 0 }, { 1000, 3 }, { 65537, 64 } };
		for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
			op_case k = { .i = { (int)sh[i][1] } };
			add_buf(&k, &r, sh[i][0], 1), add_buf(&k, &r, sh[i][0] + sh[i][1], 1);
			check_case(&c, ref, dut, &k, f_copy);
		}
		failed += report(out, &c);
	}
	return failed;
}
