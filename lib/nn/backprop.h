/* nn/backprop.h — the training pass of a decoder: forward keeping every
 * layer's activations, then backward into gradient buffers.
 *
 * A batch is N tokens in segments (nn/ops.h): each segment is one example or
 * one row of a batch, attention never crosses a segment, and every token has
 * its own rotary position (so packed examples each start at 0). targets[t] is
 * the id that token t should predict, or -1 (a prompt token, padding, the last
 * token of an example): those are not counted in the loss.
 *
 * Gradients live in buffers shaped like the parameters they belong to, as in
 * llm.c: dparams mirrors m->params (every base weight, full training), dlora
 * mirrors a->params (LoRA training). Either may be NULL: those weights are
 * frozen, their gradients are never computed, and no memory is spent on them.
 * The backward pass adds to the buffers (gradient accumulation): zero them
 * after each optimizer step.
 *
 *	nn_acts *s = nn_acts_new(m, lora, N);
 *	double sum = nn_train_forward(m, lora, s, &batch, 1.0f / counted, &reg);
 *	nn_train_backward(m, lora, s, &batch, NULL, dlora, &reg);
 */
#ifndef LS_NN_BACKPROP_H
#define LS_NN_BACKPROP_H
#include <stdint.h>
#include "nn/lora.h"
#include "nn/model.h"

typedef struct {
	int N;			/* tokens */
	const int32_t *ids;	/* [N] input ids (host) */
	const int32_t *targets;	/* [N] ids to predict, -1 when not counted */
	const int *pos;		/* [N] rotary positions */
	int nseg;
	const int *seg;		/* [nseg + 1]: segment i is rows seg[i]..seg[i+1]-1 */
} nn_batch;

/* Regularisation that the forward and backward pass must agree on. */
typedef struct {
	float lora_dropout;	/* on the input of each LoRA update (PEFT's lora_dropout) */
	uint64_t seed;		/* the dropout masks of this micro-batch */
} nn_reg;

typedef struct nn_acts nn_acts;

/* Activations for up to N tokens; NULL when out of memory. */
nn_acts *nn_acts_new(const nn_model *m, const nn_lora *a, int N);
void nn_acts_free(const nn_model *m, nn_acts *s);
/* Bytes the activations of N tokens take (figures for the docs and --help). */
size_t nn_acts_bytes(const nn_model *m, const nn_lora *a, int N);

/* Run the batch; returns the sum of -log p(target) over counted targets (NaN
 * on out of memory), and keeps dscale * d(sum)/d(logits) for the backward. */
double nn_train_forward(const nn_model *m, const nn_lora *a, nn_acts *s, const nn_batch *b,
			float dscale, const nn_reg *reg);
/* Add the gradients of dscale * sum to dparams and/or dlora (see above). */
void nn_train_backward(const nn_model *m, const nn_lora *a, nn_acts *s, const nn_batch *b,
		       float *dparams, float *dlora, const nn_reg *reg);

/* Batch helpers: segments from positions (a new segment where pos is 0). */
int nn_segments(const int *pos, int N, int *seg);

#endif
