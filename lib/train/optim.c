/* train/optim.c — see optim.h. */
#include <math.h>
#include <stdlib.h>
#include "train/optim.h"

int tr_optim_init(tr_optim *s, const tr_optim_opts *o, const nn_ops *ops, float *p, float *g,
		  size_t n)
{
	*s = (tr_optim){ .o = *o, .ops = ops, .p = p, .g = g, .n = n };
	s->m = ops->alloc(n * sizeof(float));
	s->v = ops->alloc(n * sizeof(float));
	return s->m && s->v ? 0 : -1;
}

void tr_optim_range(tr_optim *s, size_t off, size_t n, int decay)
{
	s->r = realloc(s->r, (s->nr + 1) * sizeof *s->r);
	s->r[s->nr++] = (tr_range){ off, n, decay };
}

void tr_optim_free(tr_optim *s)
{
	if (s->m)
		s->ops->free(s->m);
	if (s->v)
		s->ops->free(s->v);
	free(s->r);
	s->m = s->v = NULL;
	s->r = NULL;
}

float tr_lr(const tr_optim_opts *o, int t)
{
	if (o->warmup > 0 && t <= o->warmup)
		return o->lr * t / o->warmup;
	/* the first step after warmup at the peak, step `total` at min_lr */
	int span = o->total - o->warmup - 1;
	double f = span > 0 ? (double)(t - o->warmup - 1) / span : 0;
	if (f > 1)
		f = 1;
	return o->min_lr + (o->lr - o->min_lr) * 0.5 * (1 + cos(M_PI * f));
}

double tr_optim_step(tr_optim *s, float *lr_out)
{
	const nn_ops *op = s->ops;
	double norm = sqrt(op->sumsq(s->g, s->n));
	if (s->o.clip > 0 && norm > s->o.clip)
		op->scale(s->g, s->n, (float)(s->o.clip / (norm + 1e-6)));
	s->t++;
	float lr = tr_lr(&s->o, s->t);
	for (int i = 0; i < s->nr; i++) {
		const tr_range *r = &s->r[i];
		op->adamw(s->p + r->off, s->g + r->off, s->m + r->off, s->v + r->off, r->n, lr, s->o.b1,
			  s->o.b2, s->o.eps, r->decay ? s->o.wd : 0, s->t);
	}
	op->zero(s->g, s->n * sizeof(float));
	if (lr_out)
		*lr_out = lr;
	return norm;
}
