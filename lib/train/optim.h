/* train/optim.h — AdamW over the trained buffer, its schedule and clipping.
 *
 * Only the trained parameters have optimizer state: for LoRA the adapter's
 * A and B, never the frozen base. Weight decay applies to matrices only
 * (2-D tensors: not to norm weights), as Hugging Face's Trainer does. */
#ifndef LS_TRAIN_OPTIM_H
#define LS_TRAIN_OPTIM_H
#include <stddef.h>
#include "nn/ops.h"

typedef struct {
	float lr, min_lr;	/* peak and final learning rate */
	int warmup;		/* steps of linear warmup from 0 */
	int total;		/* steps: cosine from lr to min_lr over total - warmup */
	float b1, b2, eps, wd;
	float clip;		/* max global gradient norm; 0: no clipping */
} tr_optim_opts;

typedef struct {
	size_t off, n;
	int decay;
} tr_range;

typedef struct {
	tr_optim_opts o;
	const nn_ops *ops;
	float *p, *g;		/* the trained parameters and their gradient (not owned) */
	float *m, *v;		/* moments, like p */
	size_t n;
	tr_range *r;		/* tensors, for weight decay */
	int nr;
	int t;			/* steps taken */
} tr_optim;

int tr_optim_init(tr_optim *s, const tr_optim_opts *o, const nn_ops *ops, float *p, float *g,
		  size_t n);
void tr_optim_range(tr_optim *s, size_t off, size_t n, int decay);
void tr_optim_free(tr_optim *s);
/* The learning rate of step t (from 1). */
float tr_lr(const tr_optim_opts *o, int t);
/* Clip g to o.clip, take one AdamW step, zero g. Returns the norm before clipping. */
double tr_optim_step(tr_optim *s, float *lr_out);

#endif
