/* nn/backprop.c — forward with activations kept, and backward (see backprop.h).
 *
 * Reads like nn/model.c's forward, with each piece's backward beside it. The
 * shapes: N tokens, D width, Q = H*hd, KV = KV*hd, F MLP width, V vocabulary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/backprop.h"

typedef struct {
	float *x;		/* [N, D] the block's input (the residual stream) */
	float *xn1;		/* [N, D] attention norm */
	float *q0, *k0;		/* [N, Q], [N, KV] before the q/k norms (Qwen3) */
	float *q, *k, *v;	/* [N, Q], [N, KV], [N, KV] as attention reads them */
	float *probs;		/* [H * P] softmax of each segment and head */
	size_t probs_cap;
	float *att;		/* [N, Q] attention output */
	float *xmid;		/* [N, D] residual after attention */
	float *xn2;		/* [N, D] MLP norm */
	float *g, *u, *h;	/* [N, F] gate, up, silu(gate) * up */
	float *lt[NN_NLIN];	/* [N, r] LoRA's A x per adapted linear */
} layer_acts;

struct nn_acts {
	int cap;		/* tokens */
	layer_acts *l;		/* [L] */
	float *xL;		/* [N, D] output of the last block */
	float *xf;		/* [N, D] final norm */
	float *logits;		/* [N, V], then their gradient */
	float *loss;		/* [N] */
	float *lossh;		/* [N] host copy */
	/* backward scratch */
	float *dx, *dxn;	/* [N, D] */
	float *dq, *dq0, *dk, *dk0, *dv, *datt;	/* [N, Q] / [N, KV] */
	float *dg, *du, *dh;	/* [N, F] */
	float *dt;		/* [N, rmax] */
	float *xd;		/* [N, max in]: a linear's input after dropout */
	float ***all;		/* every buffer above, for free */
	int nall, all_cap;
};

static int max_in(const nn_config *c)
{
	int q = c->n_heads * c->head_dim, m = c->dim;
	if (q > m)
		m = q;
	return c->hidden_dim > m ? c->hidden_dim : m;
}

/* one allocation per buffer, remembered for free; 0 or -1 */
static int get(const nn_model *m, nn_acts *s, float **p, size_t n)
{
	*p = m->ops->alloc((n ? n : 1) * sizeof(float));
	if (s->nall == s->all_cap) {
		s->all_cap = s->all_cap ? 2 * s->all_cap : 64;
		s->all = realloc(s->all, s->all_cap * sizeof *s->all);
	}
	s->all[s->nall++] = p;
	return *p ? 0 : -1;
}

size_t nn_acts_bytes(const nn_model *m, const nn_lora *a, int N)
{
	const nn_config *c = &m->c;
	size_t D = c->dim, Q = (size_t)c->n_heads * c->head_dim, KV = (size_t)c->n_kv_heads * c->head_dim,
	       F = c->hidden_dim, r = a ? a->rmax : 0;
	size_t per = 4 * D + 2 * Q + 3 * KV + 3 * F + (c->qk_norm ? Q + KV : 0);
	if (a)
		for (int k = 0; k < NN_NLIN; k++)
			per += a->mods[k].A ? (size_t)a->mods[k].r : 0;
	size_t total = per * c->n_layers + 2 * D + c->vocab_size + 2 +
		       2 * D + 3 * Q + 3 * KV + 3 * F + r + max_in(c);
	return total * N * sizeof(float);
}

nn_acts *nn_acts_new(const nn_model *m, const nn_lora *a, int N)
{
	const nn_config *c = &m->c;
	size_t D = c->dim, Q = (size_t)c->n_heads * c->head_dim, KV = (size_t)c->n_kv_heads * c->head_dim,
	       F = c->hidden_dim, V = c->vocab_size;
	nn_acts *s = calloc(1, sizeof *s);
	s->cap = N;
	s->l = calloc(c->n_layers, sizeof *s->l);
	int rc = 0;
	for (int l = 0; l < c->n_layers; l++) {
		layer_acts *L = &s->l[l];
		rc |= get(m, s, &L->x, N * D) | get(m, s, &L->xn1, N * D) | get(m, s, &L->q, N * Q) |
		      get(m, s, &L->k, N * KV) | get(m, s, &L->v, N * KV) | get(m, s, &L->att, N * Q) |
		      get(m, s, &L->xmid, N * D) | get(m, s, &L->xn2, N * D) | get(m, s, &L->g, N * F) |
		      get(m, s, &L->u, N * F) | get(m, s, &L->h, N * F);
		if (c->qk_norm)
			rc |= get(m, s, &L->q0, N * Q) | get(m, s, &L->k0, N * KV);
		for (int k = 0; a && k < NN_NLIN; k++)
			if (a->mods[l * NN_NLIN + k].A)
				rc |= get(m, s, &L->lt[k], (size_t)N * a->mods[l * NN_NLIN + k].r);
	}
	rc |= get(m, s, &s->xL, N * D) | get(m, s, &s->xf, N * D) | get(m, s, &s->logits, N * V) |
	      get(m, s, &s->loss, N) | get(m, s, &s->dx, N * D) | get(m, s, &s->dxn, N * D) |
	      get(m, s, &s->dq, N * Q) | get(m, s, &s->dk, N * KV) | get(m, s, &s->dv, N * KV) |
	      get(m, s, &s->datt, N * Q) | get(m, s, &s->dg, N * F) | get(m, s, &s->du, N * F) |
	      get(m, s, &s->dh, N * F) | get(m, s, &s->xd, (size_t)N * max_in(c));
	if (c->qk_norm)
		rc |= get(m, s, &s->dq0, N * Q) | get(m, s, &s->dk0, N * KV);
	if (a && a->rmax)
		rc |= get(m, s, &s->dt, (size_t)N * a->rmax);
	s->lossh = malloc(N * sizeof(float));
	if (rc || !s->lossh) {
		nn_acts_free(m, s);
		return NULL;
	}
	return s;
}

void nn_acts_free(const nn_model *m, nn_acts *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nall; i++)
		if (*s->all[i])
			m->ops->free(*s->all[i]);
	free(s->all);
	for (int l = 0; l < m->c.n_layers; l++)
		if (s->l[l].probs)
			m->ops->free(s->l[l].probs);
	free(s->l);
	free(s->lossh);
	free(s);
}

int nn_segments(const int *pos, int N, int *seg)
{
	int n = 0;
	for (int t = 0; t < N; t++)
		if (pos[t] == 0 || t == 0)
			seg[n++] = t;
	seg[n] = N;
	return n;
}

/* ---- linear layers with their LoRA update ------------------------------------ */

static const nn_lora_mod *mod_of(const nn_lora *a, int l, nn_linear k)
{
	const nn_lora_mod *x = a ? &a->mods[l * NN_NLIN + k] : NULL;
	return x && x->A ? x : NULL;
}

static uint64_t drop_seed(const nn_reg *reg, int l, nn_linear k)
{
	return reg->seed * 0x100000001b3ull + (uint64_t)(l * NN_NLIN + k) + 1;
}

/* out[N, n] = beta * out + in[N, K] W^T + scale * (drop(in) A^T) B^T */
static void lin_fwd(const nn_model *m, const nn_lora *a, nn_acts *s, int l, nn_linear k,
		    float *out, const float *in, int N, float beta, const nn_reg *reg)
{
	const nn_ops *op = m->ops;
	int n, K;
	nn_linear_shape(&m->c, k, &n, &K);
	op->matmul(out, in, m->layers[l].w[k], N, K, n, 1, beta);
	const nn_lora_mod *x = mod_of(a, l, k);
	if (!x)
		return;
	const float *xin = in;
	if (reg->lora_dropout > 0) {
		op->dropout(s->xd, in, (size_t)N * K, reg->lora_dropout, drop_seed(reg, l, k));
		xin = s->xd;
	}
	float *t = s->l[l].lt[k];
	op->matmul(t, xin, x->A, N, K, x->r, 1, 0);			/* [N, r] */
	op->matmul(out, t, x->B, N, x->r, n, x->scale, 1);
}

/* din[N, K] = dbeta * din + dout W (+ the LoRA path); dW += dout^T in;
 * dB += scale dout^T t; dA += (scale dout B)^T drop(in) */
static void lin_bwd(const nn_model *m, const nn_lora *a, nn_acts *s, int l, nn_linear k,
		    float *din, float dbeta, const float *dout, const float *in, int N,
		    float *dparams, float *dlora, const nn_reg *reg)
{
	const nn_ops *op = m->ops;
	int n, K;
	nn_linear_shape(&m->c, k, &n, &K);
	const float *W = m->layers[l].w[k];
	if (din)
		op->gemm(0, 0, N, K, n, 1, dout, n, W, K, dbeta, din, K);
	if (dparams)
		op->gemm(1, 0, n, K, N, 1, dout, n, in, K, 1, dparams + (W - m->params), K);
	const nn_lora_mod *x = mod_of(a, l, k);
	if (!x)
		return;
	const float *t = s->l[l].lt[k];
	int r = x->r;
	if (dlora)
		op->gemm(1, 0, n, r, N, x->scale, dout, n, t, r, 1, dlora + (x->B - a->params), r);
	op->gemm(0, 0, N, r, n, x->scale, dout, n, x->B, r, 0, s->dt, r);	/* dt [N, r] */
	const float *xin = in;
	uint64_t sd = drop_seed(reg, l, k);
	if (reg->lora_dropout > 0) {
		op->dropout(s->xd, in, (size_t)N * K, reg->lora_dropout, sd);
		xin = s->xd;
	}
	if (dlora)
		op->gemm(1, 0, r, K, N, 1, s->dt, r, xin, K, 1, dlora + (x->A - a->params), K);
	if (!din)
		return;
	if (reg->lora_dropout > 0) {	/* through the mask: scratch, then masked add */
		op->gemm(0, 0, N, K, r, 1, s->dt, r, x->A, K, 0, s->xd, K);
		op->dropout_backward(din, s->xd, (size_t)N * K, reg->lora_dropout, sd);
	} else
		op->gemm(0, 0, N, K, r, 1, s->dt, r, x->A, K, 1, din, K);
}

static float *grad_of(const nn_model *m, float *dparams, const float *w)
{
	return dparams ? dparams + (w - m->params) : NULL;
}

/* ---- one block ----------------------------------------------------------------- */

/*	xmid = x + o(attention(rope(qnorm(q(norm(x)))), rope(knorm(k(..))), v(..)))
 *	out  = xmid + down(silu(gate(norm(xmid))) * up(norm(xmid)))	*/
static void block_fwd(const nn_model *m, const nn_lora *a, nn_acts *s, int l, const nn_batch *b,
		      float *out, const nn_reg *reg)
{
	const nn_config *c = &m->c;
	const nn_layer *W = &m->layers[l];
	const nn_ops *op = m->ops;
	layer_acts *L = &s->l[l];
	int N = b->N, H = c->n_heads, KV = c->n_kv_heads, hd = c->head_dim;
	op->rmsnorm(L->xn1, L->x, W->attn_norm, N, c->dim, c->norm_eps);
	float *q = c->qk_norm ? L->q0 : L->q, *k = c->qk_norm ? L->k0 : L->k;
	lin_fwd(m, a, s, l, NN_Q, q, L->xn1, N, 0, reg);
	lin_fwd(m, a, s, l, NN_K, k, L->xn1, N, 0, reg);
	lin_fwd(m, a, s, l, NN_V, L->v, L->xn1, N, 0, reg);
	if (c->qk_norm) {
		op->rmsnorm(L->q, L->q0, W->q_norm, N * H, hd, c->norm_eps);
		op->rmsnorm(L->k, L->k0, W->k_norm, N * KV, hd, c->norm_eps);
	}
	op->rope(L->q, N, H, hd, b->pos, 0, m->inv_freq);
	op->rope(L->k, N, KV, hd, b->pos, 0, m->inv_freq);
	op->attention_train(L->att, L->probs, L->q, L->k, L->v, b->nseg, b->seg, H, KV, hd);
	op->copy(L->xmid, L->x, (size_t)N * c->dim * sizeof(float));
	lin_fwd(m, a, s, l, NN_O, L->xmid, L->att, N, 1, reg);
	op->rmsnorm(L->xn2, L->xmid, W->mlp_norm, N, c->dim, c->norm_eps);
	lin_fwd(m, a, s, l, NN_GATE, L->g, L->xn2, N, 0, reg);
	lin_fwd(m, a, s, l, NN_UP, L->u, L->xn2, N, 0, reg);
	op->swiglu_out(L->h, L->g, L->u, (size_t)N * c->hidden_dim);
	op->copy(out, L->xmid, (size_t)N * c->dim * sizeof(float));
	lin_fwd(m, a, s, l, NN_DOWN, out, L->h, N, 1, reg);
}

/* s->dx holds d/d(out) on entry and d/d(x) on return. need_dx 0: the
 * gradient of the block's input is not wanted (frozen embeddings below). */
static void block_bwd(const nn_model *m, const nn_lora *a, nn_acts *s, int l, const nn_batch *b,
		      float *dp, float *dl, const nn_reg *reg, int need_dx)
{
	const nn_config *c = &m->c;
	const nn_layer *W = &m->layers[l];
	const nn_ops *op = m->ops;
	layer_acts *L = &s->l[l];
	int N = b->N, H = c->n_heads, KV = c->n_kv_heads, hd = c->head_dim, D = c->dim;
	/* MLP: out = xmid + down(h) */
	lin_bwd(m, a, s, l, NN_DOWN, s->dh, 0, s->dx, L->h, N, dp, dl, reg);
	op->swiglu_backward(s->dg, s->du, s->dh, L->g, L->u, (size_t)N * c->hidden_dim);
	lin_bwd(m, a, s, l, NN_GATE, s->dxn, 0, s->dg, L->xn2, N, dp, dl, reg);
	lin_bwd(m, a, s, l, NN_UP, s->dxn, 1, s->du, L->xn2, N, dp, dl, reg);
	op->rmsnorm_backward(s->dx, grad_of(m, dp, W->mlp_norm), s->dxn, L->xmid, W->mlp_norm, N, D,
			     c->norm_eps);
	/* attention: xmid = x + o(att) */
	lin_bwd(m, a, s, l, NN_O, s->datt, 0, s->dx, L->att, N, dp, dl, reg);
	op->attention_backward(s->dq, s->dk, s->dv, s->datt, L->probs, L->q, L->k, L->v, b->nseg,
			       b->seg, H, KV, hd);
	op->rope_backward(s->dq, N, H, hd, b->pos, 0, m->inv_freq);
	op->rope_backward(s->dk, N, KV, hd, b->pos, 0, m->inv_freq);
	float *dq = s->dq, *dk = s->dk;
	if (c->qk_norm) {
		op->zero(s->dq0, (size_t)N * H * hd * sizeof(float));
		op->zero(s->dk0, (size_t)N * KV * hd * sizeof(float));
		op->rmsnorm_backward(s->dq0, grad_of(m, dp, W->q_norm), s->dq, L->q0, W->q_norm, N * H,
				     hd, c->norm_eps);
		op->rmsnorm_backward(s->dk0, grad_of(m, dp, W->k_norm), s->dk, L->k0, W->k_norm, N * KV,
				     hd, c->norm_eps);
		dq = s->dq0, dk = s->dk0;
	}
	float *dxn = need_dx || dp ? s->dxn : NULL;
	lin_bwd(m, a, s, l, NN_Q, dxn, 0, dq, L->xn1, N, dp, dl, reg);
	lin_bwd(m, a, s, l, NN_K, dxn, 1, dk, L->xn1, N, dp, dl, reg);
	lin_bwd(m, a, s, l, NN_V, dxn, 1, s->dv, L->xn1, N, dp, dl, reg);
	if (dxn)
		op->rmsnorm_backward(s->dx, grad_of(m, dp, W->attn_norm), s->dxn, L->x, W->attn_norm, N,
				     D, c->norm_eps);
}

/* ---- the whole model --------------------------------------------------------------- */

double nn_train_forward(const nn_model *m, const nn_lora *a, nn_acts *s, const nn_batch *b,
			float dscale, const nn_reg *reg)
{
	const nn_config *c = &m->c;
	const nn_ops *op = m->ops;
	int N = b->N;
	if (N > s->cap)
		return NAN;
	size_t P = (size_t)c->n_heads * nn_att_probs(b->nseg, b->seg);
	for (int l = 0; l < c->n_layers; l++)
		if (P > s->l[l].probs_cap) {	/* grows with the longest segments seen */
			if (s->l[l].probs)
				op->free(s->l[l].probs);
			if (!(s->l[l].probs = op->alloc(P * sizeof(float)))) {
				s->l[l].probs_cap = 0;
				return NAN;
			}
			s->l[l].probs_cap = P;
		}
	op->embed(s->l[0].x, m->embed, b->ids, N, c->dim);
	for (int l = 0; l < c->n_layers; l++)
		block_fwd(m, a, s, l, b, l + 1 < c->n_layers ? s->l[l + 1].x : s->xL, reg);
	op->rmsnorm(s->xf, s->xL, m->final_norm, N, c->dim, c->norm_eps);
	op->matmul(s->logits, s->xf, m->lm_head, N, c->dim, c->vocab_size, 1, 0);
	op->cross_entropy(s->loss, s->logits, b->targets, N, c->vocab_size, dscale);
	const float *lh = s->loss;
	if (!op->host) {
		op->download(s->lossh, s->loss, N * sizeof(float));
		lh = s->lossh;
	}
	double sum = 0;
	for (int t = 0; t < N; t++)
		sum += lh[t];
	return sum;
}

void nn_train_backward(const nn_model *m, const nn_lora *a, nn_acts *s, const nn_batch *b,
		       float *dp, float *dl, const nn_reg *reg)
{
	const nn_config *c = &m->c;
	const nn_ops *op = m->ops;
	int N = b->N, D = c->dim, V = c->vocab_size;
	/* logits = xf lm_head^T: dxf = dlogits lm_head; dlm_head += dlogits^T xf */
	op->gemm(0, 0, N, D, V, 1, s->logits, V, m->lm_head, D, 0, s->dxn, D);
	if (dp)
		op->gemm(1, 0, V, D, N, 1, s->logits, V, s->xf, D, 1, grad_of(m, dp, m->lm_head), D);
	op->zero(s->dx, (size_t)N * D * sizeof(float));
	op->rmsnorm_backward(s->dx, grad_of(m, dp, m->final_norm), s->dxn, s->xL, m->final_norm, N, D,
			     c->norm_eps);
	for (int l = c->n_layers - 1; l >= 0; l--)
		block_bwd(m, a, s, l, b, dp, dl, reg, l > 0 || dp);
	if (dp)
		op->embed_backward(grad_of(m, dp, m->embed), s->dx, b->ids, N, D);
}
